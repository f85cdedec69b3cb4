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

/** The invalid handle (a compound literal, usable as an initialiser). */
#define DAOS_HDL_INVAL ((daos_handle_t){0})
/** "No transaction": the operation is independent (read latest, write now). */
#define DAOS_TX_NONE   DAOS_HDL_INVAL

static inline bool
daos_handle_is_valid(daos_handle_t hdl)
{
	return hdl.cookie != 0;
}

static inline bool
daos_handle_is_inval(daos_handle_t hdl)
{
	return hdl.cookie == 0;
}

/*
 * Pool connect modes (mutually exclusive): read-only, read-write, exclusive.
 */
#define DAOS_PC_RO    (1U << 0)
#define DAOS_PC_RW    (1U << 1)
#define DAOS_PC_EX    (1U << 2)
#define DAOS_PC_NBITS 3
#define DAOS_PC_MASK  ((1U << DAOS_PC_NBITS) - 1)

/** Old names kept by DAOS for the I/O vector and the scatter-gather list. */
#define daos_iov_t     d_iov_t
#define daos_sg_list_t d_sg_list_t
#define daos_iov_set   d_iov_set

/*
 * A list of ranks (DAOS keeps it in gurt/types.h; it is here so that the gurt
 * header stays as it is). Free one returned by the library with
 * d_rank_list_free().
 */
#ifndef D_RANK_LIST_T_DEFINED
#define D_RANK_LIST_T_DEFINED
typedef struct {
	d_rank_t *rl_ranks;
	uint32_t  rl_nr;
} d_rank_list_t;
#endif

/** Free a rank list allocated by the library (its array and the list); NULL is fine. */
void d_rank_list_free(d_rank_list_t *list);

/**
 * Completion event of an asynchronous call. The application owns the memory;
 * daos_event_init() prepares it and the library keeps its state in
 * ev_private. ev_error holds the call's result (0 or -DER_*) once the event
 * has completed.
 */
typedef struct daos_event {
	int ev_error;
	struct {
		uint64_t space[20];
	} ev_private;
	uint64_t ev_debug;
} daos_event_t;

/** eq_poll / event_test timeouts (microseconds): do not wait, or wait until something completes. */
#define DAOS_EQ_NOWAIT 0
#define DAOS_EQ_WAIT   (-1)

/** What daos_eq_query() counts: completed events, in-flight events, or both. */
typedef enum {
	DAOS_EQR_COMPLETED = (1),
	DAOS_EQR_WAITING   = (1 << 1),
	DAOS_EQR_ALL       = (DAOS_EQR_COMPLETED | DAOS_EQR_WAITING),
} daos_eq_query_t;

/** State of an event (as DAOS): ready to launch, in flight, completed, aborted. */
enum daos_ev_status {
	DAOS_EVS_READY     = 0,
	DAOS_EVS_RUNNING   = 1,
	DAOS_EVS_COMPLETED = 2,
	DAOS_EVS_ABORTED   = 3,
};

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

static inline bool
daos_anchor_is_zero(const daos_anchor_t *anchor)
{
	return anchor->da_type == DAOS_ANCHOR_TYPE_ZERO;
}

static inline void
daos_anchor_set_zero(daos_anchor_t *anchor)
{
	anchor->da_type = DAOS_ANCHOR_TYPE_ZERO;
}

static inline void
daos_anchor_set_eof(daos_anchor_t *anchor)
{
	anchor->da_type = DAOS_ANCHOR_TYPE_EOF;
}

#ifdef __cplusplus
}
#endif

#endif /* DAOS_TYPES_H */
