/*
 * checksum.h: CRC32C and CRC64 for end-to-end data integrity.
 *
 * Both use ISA-L's vectorised kernels. They follow the zlib convention: the
 * first call takes 0, and a checksum over several buffers is computed by
 * passing the previous result as `crc`:
 *     c = d_crc32c(0, a, alen); c = d_crc32c(c, b, blen);  == d_crc32c(0, ab, alen + blen)
 * Check values ("123456789"): CRC32C 0xE3069283, CRC64 (ECMA-182 reflected,
 * as CRC-64/XZ) 0x995DC9BBDF1939FA.
 */
#ifndef GURT_CHECKSUM_H
#define GURT_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/** CRC32C (Castagnoli, iSCSI) of `len` bytes, continuing from `crc`. */
uint32_t d_crc32c(uint32_t crc, const void *buf, size_t len);

/** CRC64 (ECMA-182, reflected) of `len` bytes, continuing from `crc`. */
uint64_t d_crc64(uint64_t crc, const void *buf, size_t len);

#endif /* GURT_CHECKSUM_H */
