/*
 * gurt/common.h: common helpers of the DAOS runtime library, as DAOS
 * applications include them: the error codes, the basic types, lists,
 * container_of, and the hash functions libgurt exports (build systems
 * link-probe libgurt for d_hash_murmur64). Compiles on its own.
 */
#ifndef GURT_COMMON_H
#define GURT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include <daos_errno.h>
#include <gurt/list.h>
#include <gurt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef min
#define min(x, y) ((x) < (y) ? (x) : (y))
#endif
#ifndef max
#define max(x, y) ((x) > (y) ? (x) : (y))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/** MurmurHash64A of key[0..key_len) with @seed. */
uint64_t d_hash_murmur64(const unsigned char *key, unsigned int key_len, unsigned int seed);

/** DJB2 string hash: h = 5381, then h = h * 33 + byte for each of the len bytes. */
uint32_t d_hash_string_u32(const char *string, unsigned int len);

#ifdef __cplusplus
}
#endif

#endif /* GURT_COMMON_H */
