/*
 * vos.h: the versioned object store, one instance per (pool, target).
 *
 * A VOS pool is an LMDB environment in a directory on the SCM mount (the
 * index and, in this stage, every value) plus, later, the target's blob
 * (values above the inline threshold). It holds containers; a container
 * holds objects; an object holds dkeys; a dkey holds akeys; an akey holds
 * either a single value (DAOS_IOD_SINGLE, atomic) or an array of fixed-size
 * records addressed by extents (DAOS_IOD_ARRAY). Every update and punch
 * carries an epoch; reads name an epoch and see the newest state at or
 * before it. Layout and record formats: docs/design.md, "VOS".
 *
 * Threads: a pool and everything opened from it belong to ONE thread (the
 * target's). Nothing here takes a lock.
 *
 * Visibility (the contract the tests check)
 *   V1. A write at epoch e is visible to a read at E when e <= E and no punch
 *       of its object, dkey or akey at an epoch p with e <= p <= E exists.
 *       A punch at the same epoch as a write hides it; a write at a later
 *       epoch than the punch revives the key.
 *   V2. Single value: a read at E returns the newest visible version at or
 *       before E. An update with iod_size 0 punches the akey at that epoch
 *       (exactly as vos_obj_punch_akeys()): reads at or after it find no
 *       value until a write at a later epoch.
 *   V3. Array: a read over [a, b) paints the visible extents oldest to
 *       newest, so the newest epoch wins per record; at equal epochs the
 *       later write wins. Records never written (or punched) read as zeros.
 *       An update with iod_size 0 punches the listed extents (holes).
 *   V4. An object, dkey or akey "exists" at E (enumeration) when it holds a
 *       value visible at E by V1: a single value, or an array data extent
 *       (range punches hide records, not the akey; holes alone do not make
 *       an akey exist).
 *   V5. Fetches and enumerations read committed data only (their own read
 *       transaction); updates staged in an open group commit are invisible.
 *
 * Group commit and durability
 *   vos_tx_begin() opens a batch; updates and punches are staged in one LMDB
 *   write transaction; vos_tx_commit() commits it and syncs the environment
 *   (data pages, then the meta page) before returning 0. Only then may the
 *   updates be acknowledged. An update or punch called with no batch open is
 *   its own batch (committed and synced before it returns).
 *   A failed commit or sync puts the pool in a sticky FAILED state: every
 *   later update, punch, batch or container create/destroy returns -DER_IO
 *   until the pool is closed. Fetches and enumerations are still served.
 *   An internal storage error in the middle of a batch (not a refusal such
 *   as -DER_NOSPACE or a bad argument, which leave the batch intact)
 *   aborts the batch: the rest of it returns that error and
 *   vos_tx_commit() returns it too; the next batch starts clean.
 *
 * Errors: 0 or a negative -DER_* code, never anything else. Bad arguments
 * are refused before anything is staged. Codes a caller must know:
 *   -DER_INVAL       bad argument (NULL, zero-length key, nr out of range,
 *                    iod type NONE, epoch 0 or DAOS_EPOCH_MAX for an
 *                    update, iod flags, single/array mismatch, same akey
 *                    twice in one call, unknown anchor)
 *   -DER_KEY2BIG     dkey + akey longer than VOS_KEYS_MAX; in enumeration,
 *                    the first key does not fit the buffer (kds[0].kd_key_len
 *                    is then the size needed), as DAOS does
 *   -DER_REC2BIG     value larger than the store accepts; on fetch, the
 *                    buffer is too small (iod_size reports the size), as
 *                    DAOS does
 *   -DER_IO_INVAL    update buffers do not carry exactly the bytes the iod
 *                    describes
 *   -DER_REC_SIZE    array record size differs from the akey's
 *   -DER_NOSPACE     SCM quota reached, or the transaction could outgrow
 *                    the map (copy on write); the batch stays usable. Space
 *                    the last commit freed is reusable only after another
 *                    commit: a refused self-committing update commits its
 *                    empty batch for that reason, so a retry can succeed
 *   -DER_INPROGRESS  vos_tx_begin() with a batch already open
 *   -DER_NOTSUPPORTED a blob given to this stage
 *   -DER_CSUM        stored value fails its CRC32C (counted in the pool)
 *   -DER_NONEXIST    pool or container not found
 *   -DER_EXIST       pool or container already exists
 *   -DER_BUSY        pool open elsewhere, container open or being destroyed
 *   -DER_DF_INVAL    not a VOS pool (bad magic, damaged record)
 *   -DER_DF_INCOMPT  layout version outside [MIN, MAX]
 *   -DER_MISMATCH    pool UUID differs from the one asked for
 *   -DER_IO          sticky failure (see above)
 */
#ifndef VOS_VOS_H
#define VOS_VOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include <daos_types.h>

#include "bio/bio.h"

/* ---- Limits ------------------------------------------------------------- */

/** dkey + akey bytes: LMDB keys are at most 511 bytes; an extent key adds 49 bytes (object,
 *  lengths, kind, index, epoch, minor), and a round number leaves room for one more field. */
#define VOS_KEYS_MAX           448U
/** I/O descriptors per update or fetch, keys per punch call: DAOS requests carry a few. */
#define VOS_IOD_NR_MAX         128U
/** Extents per array iod: bounds the per-call validation and the staged record count. */
#define VOS_RECX_NR_MAX        1024U
/** Buffers per sgl: bounds every walk over a caller's scatter-gather list. */
#define VOS_SGL_NR_MAX         1024U
/** Bytes one iod may move (a single value, or all extents of an array iod): one RPC's bulk. */
#define VOS_IOD_SIZE_MAX       (64ULL << 20)
/** Largest single value or array record stored inline when the pool has no blob: keeps one
 *  LMDB value (an overflow run of pages) well below the map size of small pools. */
#define VOS_INLINE_MAX         (1U << 20)
/** Array extents are stored in chunks of at most this many bytes (at least one record), so
 *  the "longest extent" a read must look back over stays small. */
#define VOS_EXTENT_CHUNK_MAX   (64U << 10)
/** Highest array index + 1: leaves headroom for index arithmetic in 64 bits. */
#define VOS_ARRAY_IDX_MAX      (1ULL << 62)
/** Smallest pool (SCM bytes): room for the index of a small container plus the reserve. */
#define VOS_SCM_SIZE_MIN       (4ULL << 20)
/** Largest pool (SCM bytes): the map is address space; 4 TiB per target is beyond any SCM. */
#define VOS_SCM_SIZE_MAX       (4ULL << 40)
/** Items per enumeration call: bounds the work and the output a call produces. */
#define VOS_ITER_NR_MAX        4096U
/** Longest pool directory path, NUL included. */
#define VOS_PATH_MAX           1024U
/** Deletions per transaction of a container destroy: each transaction stays small, so a
 *  destroy never needs much free space (a full pool can always be emptied). */
#define VOS_DESTROY_BATCH      4096U
/** Container ids handed out over a pool's life (never reused, 32 bits in every key). */
#define VOS_CONT_ID_MAX        (UINT32_MAX - 1)

/* ---- Durable format ----------------------------------------------------- */

/** Layout version written by this build. */
#define VOS_POOL_DF_VERSION     1
/** Oldest layout version this build opens. */
#define VOS_POOL_DF_VERSION_MIN 1
/** Newest layout version this build opens. */
#define VOS_POOL_DF_VERSION_MAX 1

/* ---- Pools -------------------------------------------------------------- */

struct vos_pool;
struct vos_cont;

/**
 * Creates a pool in directory `dir` (created with mode 0700 when missing; its
 * parent must exist) holding at most `scm_size` bytes of SCM (the LMDB map;
 * VOS_SCM_SIZE_MIN..VOS_SCM_SIZE_MAX). The quota for data is the map minus a
 * reserve of max(1/8 of it, 512 KiB) kept for commits and destroys. `flags`
 * must be 0 (reserved). The header and the empty tables are written in one
 * synced transaction. Errors: -DER_INVAL, -DER_EXIST (a pool is already
 * there), -DER_NONEXIST (parent missing), -DER_NO_PERM, -DER_NOSPACE,
 * -DER_NOMEM, -DER_IO.
 */
int vos_pool_create(const char *dir, const uuid_t pool_uuid, uint64_t scm_size, unsigned flags);

/**
 * Opens the pool in `dir`, checking its header: magic (-DER_DF_INVAL), layout
 * version in [VOS_POOL_DF_VERSION_MIN, VOS_POOL_DF_VERSION_MAX]
 * (-DER_DF_INCOMPT), UUID equal to `pool_uuid` (-DER_MISMATCH). The pool is
 * locked against a second open by any process or thread (-DER_BUSY). A
 * container destroy interrupted by a crash is finished here. `ring` and
 * `blob` are the target's blob I/O; this stage stores every value inline and
 * requires both NULL (-DER_NOTSUPPORTED otherwise). Other errors:
 * -DER_INVAL, -DER_NONEXIST, -DER_NOMEM, -DER_IO. On error *pool is untouched.
 */
int vos_pool_open(const char *dir, const uuid_t pool_uuid, struct bio_ring *ring,
		  const struct bio_blob *blob, struct vos_pool **pool);

/**
 * Closes a pool. An open batch is aborted (its updates were never
 * acknowledged). -DER_BUSY (and nothing closed) while containers are open.
 * NULL: -DER_INVAL.
 */
int vos_pool_close(struct vos_pool *pool);

/**
 * Removes the pool in `dir` (its LMDB files, then the directory if empty).
 * The header must carry `pool_uuid` (-DER_MISMATCH) and a valid magic
 * (-DER_DF_INVAL: not provably a VOS pool, so nothing is removed); any layout
 * version is accepted, and a pool whose creation never committed (no header)
 * is removed too. -DER_BUSY while it is open; -DER_NONEXIST when absent.
 */
int vos_pool_destroy(const char *dir, const uuid_t pool_uuid);

struct vos_pool_info {
	uuid_t   pi_uuid;
	uint32_t pi_df_version;  /**< layout version in the header */
	uint32_t pi_cont_nr;     /**< containers (including ones being destroyed) */
	uint64_t pi_scm_total;   /**< SCM quota for data, bytes */
	uint64_t pi_scm_used;    /**< SCM in use (live LMDB pages), bytes */
	uint64_t pi_scm_map;     /**< LMDB map size (= scm_size at create), bytes */
	uint64_t pi_nvme_total;  /**< blob size (0: no blob) */
	uint64_t pi_nvme_used;   /**< blob bytes allocated (0: no blob) */
	uint64_t pi_csum_errors; /**< values that failed their checksum since open */
};

/** Fills `info` from committed state. -DER_INVAL (NULL), -DER_IO. */
int vos_pool_query(struct vos_pool *pool, struct vos_pool_info *info);

/* ---- Containers --------------------------------------------------------- */

/** Creates an empty container. -DER_EXIST, -DER_BUSY (a batch is open, or a destroy of the same
 *  UUID is unfinished), -DER_OVERFLOW (ids exhausted), -DER_NOSPACE, -DER_IO (sticky). */
int vos_cont_create(struct vos_pool *pool, const uuid_t cont_uuid);

/**
 * Destroys a container and all its data, in transactions of at most
 * VOS_DESTROY_BATCH deletions each (all within this call). The first marks
 * the container as being destroyed (it can no longer be opened); a crash in
 * between is finished by the next vos_pool_open(). Space comes back at once
 * (punch does not free space; destroy does). -DER_NONEXIST, -DER_BUSY (open
 * handles, or a batch is open), -DER_NOSPACE (retry after freeing), -DER_IO.
 */
int vos_cont_destroy(struct vos_pool *pool, const uuid_t cont_uuid);

/** Opens a container (handles are reference counted). -DER_NONEXIST, -DER_INVAL, -DER_NOMEM. */
int vos_cont_open(struct vos_pool *pool, const uuid_t cont_uuid, struct vos_cont **cont);

/** Releases a handle from vos_cont_open(). NULL: no-op. */
void vos_cont_close(struct vos_cont *cont);

struct vos_cont_info {
	uuid_t   ci_uuid;
	uint32_t ci_id;        /**< internal id, never reused in the pool */
	uint64_t ci_scm_used;  /**< bytes of keys and values of its records (committed) */
	uint64_t ci_nvme_used; /**< blob bytes of its values (0 in this stage) */
	uint64_t ci_obj_nr;    /**< objects ever written (not filtered by epoch or punch) */
};

/** Fills `info` from committed state. -DER_INVAL, -DER_IO. */
int vos_cont_query(struct vos_cont *cont, struct vos_cont_info *info);

/* ---- Group commit ------------------------------------------------------- */

/** Opens a batch. -DER_INPROGRESS (one is open), -DER_IO (sticky), -DER_NOMEM. */
int vos_tx_begin(struct vos_pool *pool);

/**
 * Commits the open batch and syncs it; on 0 every update and punch of the
 * batch is durable. A batch aborted by an internal error returns that error.
 * Commit or sync failure: -DER_IO and the pool is FAILED (sticky).
 * -DER_INVAL when no batch is open.
 */
int vos_tx_commit(struct vos_pool *pool);

/** Discards the open batch (no-op when none). */
void vos_tx_abort(struct vos_pool *pool);

/* ---- I/O ---------------------------------------------------------------- */

/**
 * Writes `nr` akeys of `dkey` of object `oid` at `epoch` (1..DAOS_EPOCH_MAX-1).
 * iods[i].iod_name is the akey; iod_flags must be 0.
 *   DAOS_IOD_SINGLE: iod_nr 1, iod_size the value size (<= VOS_INLINE_MAX; 0
 *     punches the akey, V2), sgls[i] carries exactly iod_size bytes (sum of
 *     iov_len). A second write at the same epoch replaces the first.
 *   DAOS_IOD_ARRAY: iod_size the record size (<= VOS_INLINE_MAX), iod_nr
 *     1..VOS_RECX_NR_MAX extents (rx_nr >= 1, rx_idx + rx_nr <=
 *     VOS_ARRAY_IDX_MAX; extents of one iod may overlap, later ones win);
 *     sgls[i] carries exactly sum(rx_nr) * iod_size bytes, extent after
 *     extent, contiguous across its iovs. iod_size 0 punches the extents
 *     (sgls ignored). The record size of an akey never changes:
 *     -DER_REC_SIZE.
 * An akey is single or array for its whole life: -DER_INVAL on mismatch.
 * sgls may be NULL when every iod has iod_size 0. All-or-nothing: an error
 * leaves nothing of this call staged.
 */
int vos_obj_update(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		   const daos_key_t *dkey, unsigned nr, const daos_iod_t *iods,
		   const d_sg_list_t *sgls);

/**
 * Reads `nr` akeys of `dkey` as of `epoch` (any value; DAOS_EPOCH_MAX is
 * "latest"). Output: the iovs' iov_len (bytes placed in each, filling them in
 * order up to iov_buf_len), sg_nr_out (iovs used) and iod_size.
 *   SINGLE: iod_size becomes the value's size (0: no value). With iod_size
 *     DAOS_REC_ANY and sgls NULL only sizes are returned. A buffer smaller
 *     than the value: -DER_REC2BIG (after every iod was looked at, so all
 *     sizes are reported).
 *   ARRAY: iod_size is the record size (must match the akey's:
 *     -DER_REC_SIZE; DAOS_REC_ANY reports it without moving data). The sgl
 *     receives sum(rx_nr) * iod_size bytes, holes as zeros; iod_size becomes
 *     0 when no record of the extents holds visible data. Too small:
 *     -DER_REC2BIG (nothing placed).
 * Corrupt stored value: -DER_CSUM. Errors leave the buffers unspecified.
 */
int vos_obj_fetch(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		  const daos_key_t *dkey, unsigned nr, daos_iod_t *iods, d_sg_list_t *sgls);

/* ---- Punch -------------------------------------------------------------- */

/** Punches a whole object at `epoch` (V1). Punching what does not exist is allowed (0). */
int vos_obj_punch(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch);

/** Punches `nr` (1..VOS_IOD_NR_MAX) dkeys of an object at `epoch`. */
int vos_obj_punch_dkeys(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
			unsigned nr, const daos_key_t *dkeys);

/** Punches `nr` (1..VOS_IOD_NR_MAX) akeys of a dkey at `epoch`. */
int vos_obj_punch_akeys(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
			const daos_key_t *dkey, unsigned nr, const daos_key_t *akeys);

/* ---- Enumeration -------------------------------------------------------- */

/*
 * Every enumeration takes a daos_anchor_t: zeroed (DAOS_ANCHOR_INIT) to start,
 * then passed back unchanged (or a copy of it) to continue. The position is
 * encoded in da_buf; da_type is DAOS_ANCHOR_TYPE_KEY while more may follow and
 * DAOS_ANCHOR_TYPE_EOF at the end (a call may return *nr == 0 with EOF). An
 * EOF anchor returns *nr == 0. Order is stable: objects by (oid.hi, oid.lo),
 * keys by (length, bytes), extents by index. Only what exists at `epoch`
 * (V4) is listed. An anchor of another kind of enumeration: -DER_INVAL.
 *
 * *nr is in: capacity (1..VOS_ITER_NR_MAX), out: items returned.
 */

/** Objects of a container. */
int vos_obj_list(struct vos_cont *cont, daos_epoch_t epoch, uint32_t *nr, daos_obj_id_t *oids,
		 daos_anchor_t *anchor);

/**
 * dkeys of an object, packed back to back into `sgl` (filling its iovs in
 * order; iov_len and sg_nr_out are set) with kds[i].kd_key_len their
 * lengths. The first key not fitting the buffer: -DER_KEY2BIG with
 * kds[0].kd_key_len the size needed, *nr 0 and the anchor unchanged. Later
 * keys that do not fit end the call (they come first in the next one).
 */
int vos_dkey_list(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch, uint32_t *nr,
		  daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor);

/** akeys of a dkey; as vos_dkey_list(), and kd_val_type is DAOS_IOD_SINGLE or DAOS_IOD_ARRAY. */
int vos_akey_list(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		  const daos_key_t *dkey, uint32_t *nr, daos_key_desc_t *kds, d_sg_list_t *sgl,
		  daos_anchor_t *anchor);

/**
 * Visible extents of an akey at `epoch`: the maximal runs of records that one
 * write supplies after overlaps are resolved (V3), holes left out, in index
 * order; eprs[i].epr_lo = epr_hi = the epoch of that write (eprs may be
 * NULL). *rsize is the record size (0 when nothing is visible). A single-value
 * akey lists one extent {0, 1} with *rsize its size, when visible.
 */
int vos_recx_list(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		  const daos_key_t *dkey, const daos_key_t *akey, daos_size_t *rsize, uint32_t *nr,
		  daos_recx_t *recxs, daos_epoch_range_t *eprs, daos_anchor_t *anchor);

/* ---- Fault injection (tests) -------------------------------------------- */

enum vos_fault {
	VOS_FAULT_NONE   = 0,
	VOS_FAULT_COMMIT = 1, /**< the next commit fails before reaching LMDB (nothing committed) */
	VOS_FAULT_SYNC   = 2, /**< the next commit succeeds but its sync fails */
};

/** Arms a one-shot failure of the next vos_tx_commit (or self-committing update). */
void vos_fault_inject(struct vos_pool *pool, enum vos_fault where);

#endif /* VOS_VOS_H */
