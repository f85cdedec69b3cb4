/*
 * daos_types.h: the basic DAOS data types, with DAOS's names, layouts and
 * constant values (see ../shared/reference/daos-api-subset.md). The storage
 * engine uses the same structures, so a request crosses the stack without
 * being translated.
 */
#ifndef DAOS_TYPES_H
#define DAOS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <gurt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t daos_size_t;
typedef uint64_t daos_off_t;
typedef uint64_t daos_epoch_t;

/** Epoch meaning "the latest". */
#define DAOS_EPOCH_MAX (~0ULL)

typedef struct {
	daos_epoch_t epr_lo;
	daos_epoch_t epr_hi;
} daos_epoch_range_t;

/** 128-bit object id; the top bits of hi carry type, class and group count. */
typedef struct {
	uint64_t lo;
	uint64_t hi;
} daos_obj_id_t;

/** Opaque handle; a zero cookie is invalid. */
typedef struct {
	uint64_t cookie;
} daos_handle_t;

/** Distribution and attribute keys are byte strings. */
typedef d_iov_t daos_key_t;

/** A run of rx_nr records starting at index rx_idx of an array value. */
typedef struct {
	uint64_t rx_idx;
	uint64_t rx_nr;
} daos_recx_t;

typedef enum {
	DAOS_IOD_NONE   = 0,
	DAOS_IOD_SINGLE = 1, /**< one atomic value */
	DAOS_IOD_ARRAY  = 2, /**< array of fixed-size records addressed by extents */
} daos_iod_type_t;

/** iod_size value asking a fetch to report the size. */
#define DAOS_REC_ANY 0

/** I/O descriptor: which akey, which records and their size. */
typedef struct {
	daos_key_t      iod_name;
	daos_iod_type_t iod_type;
	daos_size_t     iod_size;
	uint64_t        iod_flags;
	uint32_t        iod_nr;
	daos_recx_t    *iod_recxs;
} daos_iod_t;

/** Describes one key returned by an enumeration. */
typedef struct {
	daos_size_t kd_key_len;
	uint32_t    kd_val_type;
	uint16_t    kd_csum_type;
	uint16_t    kd_csum_len;
} daos_key_desc_t;

/** Resumable enumeration position. */
#define DAOS_ANCHOR_BUF_MAX 104

typedef enum {
	DAOS_ANCHOR_TYPE_ZERO = 0,
	DAOS_ANCHOR_TYPE_HKEY = 1,
	DAOS_ANCHOR_TYPE_KEY  = 2,
	DAOS_ANCHOR_TYPE_EOF  = 3,
} daos_anchor_type_t;

typedef struct {
	uint16_t da_type;
	uint16_t da_shard;
	uint32_t da_flags;
	uint64_t da_sub_anchors;
	uint8_t  da_buf[DAOS_ANCHOR_BUF_MAX];
} daos_anchor_t;

#define DAOS_ANCHOR_INIT { .da_type = DAOS_ANCHOR_TYPE_ZERO }

static inline bool
daos_anchor_is_eof(const daos_anchor_t *anchor)
{
	return anchor->da_type == DAOS_ANCHOR_TYPE_EOF;
}

#ifdef __cplusplus
}
#endif

#endif /* DAOS_TYPES_H */
