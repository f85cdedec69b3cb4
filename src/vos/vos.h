/*
 * vos.h: the versioned object store, one instance per (pool, target).
 *
 * A VOS pool is an LMDB environment in a directory on the SCM mount (the
 * index and the small values) plus, when one is bound, the target's blob on
 * NVMe (values above the inline threshold, VOS_INLINE_THRESHOLD by default,
 * each with its CRC32C in the index). It holds containers; a container
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
 *   write transaction, and values going to the blob are copied to aligned
 *   staging memory and their writes submitted at once (large values in
 *   aligned buffers are written from them and the update waits for that
 *   write, see vos_obj_update()). vos_tx_commit() waits
 *   for those writes, flushes the blob device once (bio_flush), then commits
 *   the LMDB transaction and syncs the environment (data pages, then the
 *   meta page) before returning 0. Only then may the updates be
 *   acknowledged: data and index are both on the device. An update or punch
 *   called with no batch open is its own batch (committed and synced before
 *   it returns).
 *   A failed blob write or flush, commit or sync puts the pool in a sticky
 *   FAILED state: the update or commit that finds it returns -DER_NVME_IO
 *   (device) or -DER_IO (index), nothing of the batch is acknowledged,
 *   every later update, punch, batch, aggregation or container
 *   create/destroy returns -DER_IO until the pool is closed. Fetches and
 *   enumerations are still served.
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
 *   -DER_NOSPACE     SCM quota reached, the transaction could outgrow the
 *                    map (copy on write), or no free blob extent is large
 *                    enough for a value; the batch stays usable. Space
 *                    the last commit freed is reusable only after another
 *                    commit: a refused self-committing update commits its
 *                    empty batch for that reason, so a retry can succeed
 *   -DER_INPROGRESS  vos_tx_begin() with a batch already open
 *   -DER_CSUM        stored value fails its CRC32C (counted in the pool and,
 *                    for blob data, by bio_csum_error())
 *   -DER_NVME_IO     a blob read, write or flush failed (bio.h)
 *   -DER_NONEXIST    pool or container not found
 *   -DER_EXIST       pool or container already exists
 *   -DER_BUSY        pool open elsewhere, container open or being destroyed
 *   -DER_DF_INVAL    not a VOS pool (bad magic, damaged record)
 *   -DER_DF_INCOMPT  layout version outside [MIN, MAX] (pool header or
 *                    container record)
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
 *  LMDB value (an overflow run of pages) well below the map size of small pools. Also the
 *  largest array record size in any pool (a record fits one blob extent chunk). */
#define VOS_INLINE_MAX         (1U << 20)
/** Default inline threshold written at pool create: values (a single value, or the data of
 *  one array extent) of more bytes go to the blob when one is bound; at 4 KiB a value in
 *  the blob wastes at most one aligned block and LMDB keeps only small records. */
#define VOS_INLINE_THRESHOLD   4096U
/** Largest single value when the pool has a blob: one RPC's bulk (VOS_IOD_SIZE_MAX). */
#define VOS_SV_BLOB_MAX        VOS_IOD_SIZE_MAX
/** Inline array extents are stored in chunks of at most this many bytes (at least one
 *  record), so the "longest extent" a read must look back over stays small. */
#define VOS_EXTENT_CHUNK_MAX   (64U << 10)
/** Blob-backed array extents are stored in chunks of at most this many bytes (at least one
 *  record): one blob write per chunk, big enough for full device bandwidth, while the
 *  look-back of reads over records of 1 byte stays 1 Mi indexes (a few keys to skip). */
#define VOS_BLOB_CHUNK_MAX     (1U << 20)
/** Blob array extents carry one CRC32C per this many bytes, so that a read of a few
 *  records reads and verifies 32 KiB, not the whole 1 MiB chunk (DAOS's default chunk). */
#define VOS_CSUM_CHUNK         (32U << 10)
/** Staging memory per pool for blob writes in flight (aligned, allocated at open): a batch
 *  with more blob data waits for earlier writes to complete and reuses their memory. */
#define VOS_STAGE_BYTES        (16U << 20)
/** Largest single blob read (and staging reservation): a large value is read in pieces of
 *  this size, so the read buffer never needs more. */
#define VOS_STAGE_IO_MAX       (1U << 20)
/** Blob writes are submitted in pieces of this size as soon as each is copied, so the
 *  device writes the start of a value while the CPU copies and checksums the rest. */
#define VOS_STAGE_PIECE        (256U << 10)
/** Values (or array chunks) at least this large whose buffers are BIO_ALIGN-aligned are
 *  written from the caller's memory (no copy) and the update waits for that write: at this
 *  size the copy would cost more CPU than the wait costs overlap (docs/performance.md). */
#define VOS_ZC_MIN             (256U << 10)
/** Blob writes in flight per pool (staging requests): as many as the staging memory holds
 *  of the smallest blob value (8 KiB), so memory is the real bound. */
#define VOS_STAGE_REQ_MAX      2048U
/** Blob extents freed in one earlier transaction that one transaction returns to the free
 *  map: keeps a transaction after a large destroy or aggregation small; the rest follow. */
#define VOS_FREE_RELEASE_MAX   4096U
/** Snapshot epochs one aggregation call considers: DAOS keeps a handful per container. */
#define VOS_AGG_SNAP_MAX       64U
/** Extent keys per aggregation window (per array akey step); one start index's versions are
 *  never split, so a window can exceed it by those. */
#define VOS_AGG_WINDOW_MAX     1024U
/** Bytes of an akey path an aggregation anchor holds: any LMDB key (at most 511 bytes). */
#define VOS_AGG_KEY_MAX        512U
/** Blob extents vos_pool_check() holds in memory at once (24 bytes each): 64 Mi extents,
 *  a target's blob of 256 GiB cut into 4 KiB values. */
#define VOS_CHECK_EXTENTS_MAX  (1ULL << 26)
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
/** Layout version of the container records written by this build. */
#define VOS_CONT_DF_VERSION     1
/** Oldest container layout version this build opens: 0 is the first layout,
 *  whose records kept no version (the field was reserved, written as zero). */
#define VOS_CONT_DF_VERSION_MIN 0
/** Newest container layout version this build opens. */
#define VOS_CONT_DF_VERSION_MAX 1

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
 * container destroy interrupted by a crash is finished here.
 *
 * `ring` and `blob` are the target's blob I/O: both NULL (every value
 * inline, up to VOS_INLINE_MAX) or both set. The FIRST open with a blob
 * binds it: its id and size are written to the header and the free-extent
 * map is initialised to the whole blob, in one synced transaction; from then
 * on the pool must be opened with a blob of the same id and size
 * (-DER_MISMATCH otherwise) and cannot be opened without one (-DER_INVAL).
 * The blob's size must be a multiple of BIO_ALIGN. The pool keeps pointers
 * to `ring` and to the blob's device: both must outlive the open pool; the
 * blob struct is copied. Other errors: -DER_INVAL, -DER_NONEXIST,
 * -DER_NOMEM, -DER_NOSPACE, -DER_IO. On error *pool is untouched.
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
	uint64_t pi_nvme_used;   /**< blob bytes not in the free map (0: no blob): referenced
				  *   by values, or freed by the last commits and not yet
				  *   reusable (see vos_pool_check()) */
	uint64_t pi_csum_errors; /**< values that failed their checksum since open */
};

/** Fills `info` from committed state. -DER_INVAL (NULL), -DER_IO. */
int vos_pool_query(struct vos_pool *pool, struct vos_pool_info *info);

/**
 * Reads the layout version in the header of the pool in `dir`, whatever it
 * is (so that a caller refused with -DER_DF_INCOMPT can say which version it
 * found). The pool must not be open (-DER_BUSY). -DER_NONEXIST (no pool),
 * -DER_DF_INVAL (no header, bad magic), -DER_INVAL, -DER_IO.
 */
int vos_pool_df_version(const char *dir, uint32_t *version);

/**
 * Checks the committed state of the blob's space: the free extents (free
 * map, mirrored exactly by its by-size index and coalesced: no two adjacent),
 * the extents waiting to return to it (freed by a commit) and the extents
 * referenced by values exactly tile the blob, with no overlap and no gap;
 * every container's nvme use equals the bytes its values reference; the
 * in-memory free total matches. Reads everything (cost linear in the number
 * of values). 0 when consistent (also when no blob is bound); -DER_DF_INVAL
 * with the first problem found in `errbuf` (e.g. "extent [8192, 12288) of
 * sv value overlaps free extent [4096, 16384)"); -DER_INVAL (NULL pool),
 * -DER_NOMEM, -DER_IO.
 */
int vos_pool_check(struct vos_pool *pool, char *errbuf, size_t errlen);

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

/** Opens a container (handles are reference counted). -DER_NONEXIST, -DER_INVAL, -DER_NOMEM,
 *  -DER_DF_INCOMPT (its record's layout version is outside [VOS_CONT_DF_VERSION_MIN,
 *  VOS_CONT_DF_VERSION_MAX]; it can still be destroyed). */
int vos_cont_open(struct vos_pool *pool, const uuid_t cont_uuid, struct vos_cont **cont);

/** Called by vos_cont_iterate() for each container; non-zero stops the walk. */
typedef int (*vos_cont_iter_cb_t)(const uuid_t cont_uuid, uint32_t df_version, void *arg);

/**
 * Calls `cb` for every container of the pool (those being destroyed
 * excepted), in UUID byte order, with the layout version of its record (which
 * may lie outside the range this build opens). Reads committed state inside
 * one read transaction: `cb` must not call VOS on this pool. Returns the first
 * non-zero return of `cb`, else 0; -DER_INVAL, -DER_DF_INVAL (a damaged
 * record), -DER_IO.
 */
int vos_cont_iterate(struct vos_pool *pool, vos_cont_iter_cb_t cb, void *arg);

/** Releases a handle from vos_cont_open(). NULL: no-op. */
void vos_cont_close(struct vos_cont *cont);

struct vos_cont_info {
	uuid_t   ci_uuid;
	uint32_t ci_id;        /**< internal id, never reused in the pool */
	uint64_t ci_scm_used;  /**< bytes of keys and values of its records (committed) */
	uint64_t ci_nvme_used; /**< blob bytes its values reference (4 KiB-aligned extents) */
	uint64_t ci_obj_nr;    /**< objects ever written (not filtered by epoch or punch) */
};

/** Fills `info` from committed state. -DER_INVAL, -DER_IO. */
int vos_cont_query(struct vos_cont *cont, struct vos_cont_info *info);

/* ---- Group commit ------------------------------------------------------- */

/** Opens a batch. -DER_INPROGRESS (one is open), -DER_IO (sticky), -DER_NOMEM. */
int vos_tx_begin(struct vos_pool *pool);

/**
 * Commits the open batch: waits for its blob writes, flushes the blob device
 * once (when the batch wrote to it), commits the LMDB transaction and syncs
 * the environment; on 0 every update and punch of the batch is durable, data
 * and index. A batch aborted by an internal error returns that error. Blob
 * write or flush failure: -DER_NVME_IO; commit or sync failure: -DER_IO;
 * either way nothing of the batch is acknowledged and the pool is FAILED
 * (sticky). -DER_INVAL when no batch is open.
 */
int vos_tx_commit(struct vos_pool *pool);

/** Discards the open batch (no-op when none), after waiting for its blob writes in flight. */
void vos_tx_abort(struct vos_pool *pool);

/* ---- I/O ---------------------------------------------------------------- */

/**
 * Writes `nr` akeys of `dkey` of object `oid` at `epoch` (1..DAOS_EPOCH_MAX-1).
 * iods[i].iod_name is the akey; iod_flags must be 0.
 *   DAOS_IOD_SINGLE: iod_nr 1, iod_size the value size (<= VOS_INLINE_MAX
 *     without a blob, <= VOS_SV_BLOB_MAX with one; 0 punches the akey, V2),
 *     sgls[i] carries exactly iod_size bytes (sum of iov_len). A second write
 *     at the same epoch replaces the first (its blob extent is freed).
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
 * Values above the pool's inline threshold (a single value, or the data of
 * one extent of an array iod) go to the blob: a 4 KiB-aligned extent is
 * allocated (best fit; -DER_NOSPACE when none is large enough), the data is
 * copied to staging memory and its write submitted before this returns; a
 * value of VOS_ZC_MIN bytes or more in 4 KiB-aligned buffers is instead
 * written straight from them, and this waits for that write (under buffer
 * hold, vos_pool_set_buffer_hold(), the commit waits instead). Either way,
 * without buffer hold, the caller's buffers are free again on return. Array data in the blob is
 * stored in chunks of VOS_BLOB_CHUNK_MAX bytes, inline data in chunks of
 * VOS_EXTENT_CHUNK_MAX bytes.
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
 * Corrupt stored value: -DER_CSUM. Blob read failure: -DER_NVME_IO. Errors
 * leave the buffers unspecified. Single values are verified whole; blob
 * array data per VOS_CSUM_CHUNK (only the chunks a read needs are read);
 * inline array extents whole.
 */
int vos_obj_fetch(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		  const daos_key_t *dkey, unsigned nr, daos_iod_t *iods, d_sg_list_t *sgls);

/** Completion of vos_obj_fetch_begin(): what vos_obj_fetch() would have returned. */
typedef void (*vos_fetch_cb_t)(void *arg, int rc);

/** vos_obj_fetch_begin(): the blob reads are in flight, `cb` will report. */
#define VOS_FETCH_PENDING 1

/**
 * vos_obj_fetch() without waiting for the device: looks everything up, copies
 * inline data, submits the blob reads the fetch needs to the pool's ring and
 * returns. VOS_FETCH_PENDING: reads are in flight; `cb` runs exactly once,
 * from a later bio_ring_poll() of the pool's ring (the target's loop), with
 * the fetch's result, and until then iods (their iod_size is already final),
 * sgls and the buffers belong to the fetch. Any other return value: the fetch
 * is complete with that result (as vos_obj_fetch()) and `cb` never runs.
 * Reads of 4 KiB-aligned whole values or extents go straight into aligned
 * caller buffers; the others through bounce memory. Blob space freed by later
 * commits is not reused while reads are in flight. Not callable from a ring
 * callback. -DER_INVAL for a NULL cb, else as vos_obj_fetch().
 */
int vos_obj_fetch_begin(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
			const daos_key_t *dkey, unsigned nr, daos_iod_t *iods, d_sg_list_t *sgls,
			vos_fetch_cb_t cb, void *arg);

/**
 * Buffer hold: the caller promises that the buffers of every vos_obj_update()
 * stay valid and unchanged until the vos_tx_commit() or vos_tx_abort() of its
 * batch returns (an update that fails may have its buffers freed at once).
 * Large values in 4 KiB-aligned buffers are then written straight from them
 * without the update waiting for the write: the commit does. Off by default
 * (the buffers are free when the update returns). Set between batches.
 */
void vos_pool_set_buffer_hold(struct vos_pool *pool, bool hold);

/** Waits until no fetch of the pool has reads in flight (their callbacks run). */
void vos_pool_drain_reads(struct vos_pool *pool);

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

/* ---- Aggregation -------------------------------------------------------- */

/**
 * Position of a resumable aggregation pass over a container. Zero it
 * (memset or VOS_AGG_ANCHOR_INIT) to start a pass; pass it back unchanged to
 * continue. Opaque otherwise.
 */
struct vos_agg_anchor {
	uint32_t aa_state;                /**< 0: start, 1: in an akey, 2: done */
	uint32_t aa_phase;                /**< step inside the akey */
	uint64_t aa_pos;                  /**< next version epoch / start index */
	uint64_t aa_newer;                /**< epoch of the next newer version seen */
	uint64_t aa_min_kept;             /**< oldest version kept in the akey so far */
	uint32_t aa_cid;                  /**< container id the anchor belongs to */
	uint32_t aa_klen;                 /**< length of aa_key */
	uint8_t  aa_key[VOS_AGG_KEY_MAX]; /**< the akey path being aggregated */
};
#define VOS_AGG_ANCHOR_INIT {0}

/** Counters of what aggregation did (added to by every call; the caller zeroes them). */
struct vos_agg_stats {
	uint64_t as_examined;      /**< index records looked at */
	uint64_t as_sv_dropped;    /**< single-value versions removed */
	uint64_t as_ext_dropped;   /**< array extents (data or hole) removed */
	uint64_t as_punch_dropped; /**< akey punch markers removed */
	uint64_t as_akey_dropped;  /**< akey records removed (nothing left in them) */
	uint64_t as_nvme_freed;    /**< blob bytes freed (reusable after the next commit) */
};

/**
 * One bounded step of aggregation of `cont` up to epoch `upper`
 * (1..DAOS_EPOCH_MAX-1) keeping the views `snapshots[0..nr_snap)` (any
 * order, duplicates allowed, those above `upper` ignored; nr_snap <=
 * VOS_AGG_SNAP_MAX). For each akey, with the views V = {snapshots <= upper}
 * U {upper}, a version is kept iff it is newer than `upper` or it is what a
 * read at some view in V returns data from:
 *   single value: the newest version at or before the view, unless punched;
 *   array: an extent (data or hole) owning at least one record at a view
 *     (vos.h V3); a hole is also dropped when no older data extent it could
 *     hide remains under it;
 *   akey punch markers at or below `upper` are dropped when no kept version
 *     at or below them remains; object and dkey punch markers are kept; an
 *     akey record with nothing left is removed.
 * Reads at every view in V and at every epoch >= `upper` return the same
 * data, sizes and listings before and after (V1-V4). The caller must not
 * write at epochs <= `upper` afterwards (as DAOS's aggregation, which runs
 * below the stable epoch). Blob extents of dropped values are freed through
 * the deferred path (reusable from the transaction after the next commit).
 *
 * Bounded: a call examines about `budget` (>= 1) index records, then
 * commits what it did (one synced transaction) and saves its position in
 * `anchor`; the unit it is in (one single-value version, one window of at
 * most VOS_AGG_WINDOW_MAX extent keys, one akey's punch markers) is always
 * finished, so every call makes progress. `stats` (may be NULL) is added to.
 * Returns 1 when the pass over the container is complete (the anchor then
 * stays done), 0 when more remains, or a negative code: -DER_INVAL
 * (arguments, an anchor of another container), -DER_BUSY (a batch is
 * open), -DER_IO (sticky failure), -DER_NOSPACE, -DER_NOMEM.
 */
int vos_aggregate(struct vos_cont *cont, const daos_epoch_t *snapshots, unsigned nr_snap,
		  daos_epoch_t upper, struct vos_agg_anchor *anchor, unsigned budget,
		  struct vos_agg_stats *stats);

/* ---- Fault injection (tests) -------------------------------------------- */

enum vos_fault {
	VOS_FAULT_NONE   = 0,
	VOS_FAULT_COMMIT = 1, /**< the next commit fails before reaching LMDB (nothing committed) */
	VOS_FAULT_SYNC   = 2, /**< the next commit succeeds but its sync fails */
};

/** Arms a one-shot failure of the next vos_tx_commit (or self-committing update). */
void vos_fault_inject(struct vos_pool *pool, enum vos_fault where);

/** Called by every commit after the blob writes are flushed and before the LMDB commit. */
typedef void (*vos_commit_hook_t)(void *arg);

/**
 * Installs (fn non-NULL) or removes a hook run at the point of a commit where
 * the batch's blob data is durable and its index is not yet: the crash test
 * kills the process there. Tests only.
 */
void vos_commit_hook_set(struct vos_pool *pool, vos_commit_hook_t fn, void *arg);

#endif /* VOS_VOS_H */
