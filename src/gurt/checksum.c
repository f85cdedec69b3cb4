/*
 * checksum.c: CRC32C and CRC64 through ISA-L.
 *
 * ISA-L's crc32_iscsi neither inverts its seed nor its result, while its
 * crc64_*_refl functions do both; this file hides that difference so that
 * both functions chain the same way. ISA-L takes an int length, so long
 * buffers are fed in slices of at most D_CRC_SLICE_MAX bytes.
 */
#include <limits.h>

#include <isa-l.h>

#include "gurt/checksum.h"

/** Largest slice handed to ISA-L at once: its length parameters are int. */
#define D_CRC_SLICE_MAX ((size_t)1 << 30)

uint32_t
d_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t             raw = ~crc;

	while (len > 0) {
		size_t n = len < D_CRC_SLICE_MAX ? len : D_CRC_SLICE_MAX;

		raw = crc32_iscsi((unsigned char *)p, (int)n, raw);
		p += n;
		len -= n;
	}
	return ~raw;
}

uint64_t
d_crc64(uint64_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		size_t n = len < D_CRC_SLICE_MAX ? len : D_CRC_SLICE_MAX;

		crc = crc64_ecma_refl(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}
