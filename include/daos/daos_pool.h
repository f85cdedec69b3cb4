/*
 * daos_pool.h: pool connection, query, attributes and handle sharing.
 *
 * A pool is named by its label or its UUID string. daos_pool_connect() (a
 * macro for daos_pool_connect2(), as in DAOS) asks the local daos_agent for
 * the pool's map and engine addresses; the handle then reaches the pool's
 * targets directly. daos_pool_local2global() turns a handle into a blob that
 * another process (another node) turns back into a working handle with
 * daos_pool_global2local(), without connecting.
 */
#ifndef DAOS_POOL_H
#define DAOS_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include <daos_prop.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kind of storage of a target. */
typedef enum {
	DAOS_TP_UNKNOWN,
	DAOS_TP_HDD,
	DAOS_TP_SSD,
	DAOS_TP_PM,
	DAOS_TP_VM,
} daos_target_type_t;

/** State of a target (as daos_pool_query_target() reports it). */
typedef enum {
	DAOS_TS_UNKNOWN,
	DAOS_TS_DOWN_OUT,
	DAOS_TS_DOWN,
	DAOS_TS_UP,
	DAOS_TS_UP_IN,
	DAOS_TS_NEW,
	DAOS_TS_DRAIN,
} daos_target_state_t;

typedef struct {
	int foo;
} daos_target_perf_t;

/** Storage media, the index of s_total[] and s_free[]. */
enum {
	DAOS_MEDIA_SCM = 0,
	DAOS_MEDIA_NVME,
	DAOS_MEDIA_MAX
};

/** Space per media, in bytes. */
struct daos_space {
	uint64_t s_total[DAOS_MEDIA_MAX];
	uint64_t s_free[DAOS_MEDIA_MAX];
};

/** One target. */
typedef struct {
	daos_target_type_t  ta_type;
	daos_target_state_t ta_state;
	daos_target_perf_t  ta_perf;
	struct daos_space   ta_space;
} daos_target_info_t;

/** Space of a pool: totals over the targets in service and per-target free bounds. */
struct daos_pool_space {
	struct daos_space ps_space;
	uint64_t          ps_free_min[DAOS_MEDIA_MAX];
	uint64_t          ps_free_max[DAOS_MEDIA_MAX];
	uint64_t          ps_free_mean[DAOS_MEDIA_MAX];
	uint32_t          ps_ntargets;
	uint32_t          ps_padding;
};

/** Rebuild states (rs_state). */
enum daos_rebuild_state_t {
	DRS_IN_PROGRESS = 0,
	DRS_NOT_STARTED = 1,
	DRS_COMPLETED   = 2,
};

/** Rebuild status of a pool. */
struct daos_rebuild_status {
	uint32_t rs_version;   /**< map version of the rebuild, 0 when none ran */
	uint32_t rs_seconds;
	int32_t  rs_errno;     /**< 0 or the -DER_* of a failed rebuild */
	int32_t  rs_done;      /**< 1 when not in progress (older API) */
	int32_t  rs_state;     /**< enum daos_rebuild_state_t */
	int32_t  rs_fail_rank;
	uint64_t rs_toberb_obj_nr;
	uint64_t rs_obj_nr;
	uint64_t rs_rec_nr;
	uint64_t rs_size;
};

/** What daos_pool_query() fills besides the basic fields (pi_bits). */
enum daos_pool_info_bit {
	DPI_SPACE            = 1 << 0,
	DPI_REBUILD_STATUS   = 1 << 1,
	DPI_ENGINES_ENABLED  = 1 << 2,
	DPI_ENGINES_DISABLED = 1 << 3,
	DPI_ALL              = -1,
};

/** Pool information. */
typedef struct {
	uuid_t                     pi_uuid;
	uint32_t                   pi_ntargets;  /**< targets in the pool map */
	uint32_t                   pi_nnodes;    /**< engines (ranks) */
	uint32_t                   pi_ndisabled; /**< targets not in service */
	uint32_t                   pi_map_ver;
	uint32_t                   pi_leader;    /**< first service rank */
	uint64_t                   pi_bits;      /**< in: what to query (DPI_*) */
	struct daos_pool_space     pi_space;
	struct daos_rebuild_status pi_rebuild_st;
} daos_pool_info_t;

/** A container of a pool (daos_pool_list_cont()). */
struct daos_pool_cont_info {
	uuid_t pci_uuid;
	char   pci_label[DAOS_PROP_LABEL_MAX_LEN + 1];
};

/**
 * Connect to pool `pool` (label or UUID string) of system `sys` (NULL: the
 * agent's system) with flags DAOS_PC_RO, DAOS_PC_RW or DAOS_PC_EX (a
 * read-only connection refuses writes locally; exclusivity is not enforced
 * across processes: no server tracks pool handles yet). info (may
 * be NULL) receives the pool's information (pi_bits in info selects extras as
 * for daos_pool_query()). Errors: -DER_INVAL, -DER_NONEXIST (no such pool),
 * -DER_BUSY (pool not ready), -DER_AGENT_COMM (no agent at the socket; the
 * log names the path), -DER_UNINIT (no daos_init()), -DER_TIMEDOUT.
 */
int daos_pool_connect2(const char *pool, const char *sys, unsigned int flags, daos_handle_t *poh,
		       daos_pool_info_t *info, daos_event_t *ev);
#define daos_pool_connect daos_pool_connect2

/** Disconnect. -DER_BUSY while containers of the handle are open, -DER_NO_HDL. */
int daos_pool_disconnect(daos_handle_t poh, daos_event_t *ev);

/**
 * Serialise a pool handle. With glob->iov_buf NULL, only glob->iov_buf_len
 * is set (to the size needed). Otherwise the blob is written to glob->iov_buf
 * (iov_buf_len must be at least that size: else -DER_TRUNC and iov_buf_len
 * set) and iov_len set. The blob holds the pool map and engine addresses, so
 * the receiver needs no connect. -DER_INVAL, -DER_NO_HDL.
 */
int daos_pool_local2global(daos_handle_t poh, d_iov_t *glob);

/** A pool handle from a blob of daos_pool_local2global(). -DER_INVAL (bad blob), -DER_NOMEM. */
int daos_pool_global2local(d_iov_t glob, daos_handle_t *poh);

/**
 * Query the pool: info (may be NULL; pi_bits says what: DPI_SPACE for
 * pi_space, DPI_REBUILD_STATUS, ...), ranks (may be NULL; a new list of the
 * pool's ranks in service, free with d_rank_list_free()), pool_prop (may be
 * NULL; entries with dpe_type set are filled). -DER_NO_HDL, -DER_INVAL.
 */
int daos_pool_query(daos_handle_t poh, d_rank_list_t **ranks, daos_pool_info_t *info,
		    daos_prop_t *pool_prop, daos_event_t *ev);

/** State and space of target tgt of rank. -DER_NONEXIST for a target not in the pool. */
int daos_pool_query_target(daos_handle_t poh, uint32_t tgt, d_rank_t rank,
			   daos_target_info_t *info, daos_event_t *ev);

/**
 * Names of the pool's user attributes, each NUL-terminated, back to back in
 * buffer (only whole names; NULL: size only). *size: in the buffer's size,
 * out the total size of all names with their NULs.
 */
int daos_pool_list_attr(daos_handle_t poh, char *buffer, size_t *size, daos_event_t *ev);

/**
 * Values of n attributes: buffers[i] of sizes[i] bytes receives value i
 * (truncated to fit; buffers NULL: sizes only); sizes[i] out is the value's
 * full size. -DER_NONEXIST when an attribute does not exist.
 */
int daos_pool_get_attr(daos_handle_t poh, int n, char const *const names[],
		       void *const buffers[], size_t sizes[], daos_event_t *ev);

/** Create or replace n attributes. -DER_INVAL (empty name or value). */
int daos_pool_set_attr(daos_handle_t poh, int n, char const *const names[],
		       void const *const values[], size_t const sizes[], daos_event_t *ev);

/** Delete n attributes. -DER_NONEXIST when one does not exist. */
int daos_pool_del_attr(daos_handle_t poh, int n, char const *const names[], daos_event_t *ev);

/**
 * List the pool's containers: *ncont in the capacity of cbuf, out the number
 * of containers (cbuf NULL: count only). -DER_TRUNC when cbuf is too small.
 */
int daos_pool_list_cont(daos_handle_t poh, daos_size_t *ncont, struct daos_pool_cont_info *cbuf,
			daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_POOL_H */
