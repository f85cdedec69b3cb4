/*
 * vos_internal.h: what the files of src/vos share: the pool and container
 * structures, the LMDB tables, key and record encodings, transactions and
 * the space guard. Not installed; tests include it to edit records directly.
 *
 * Layout (docs/design.md, "VOS"): integers in keys are big-endian so that the
 * byte order LMDB sorts by is numeric order; integers in values are
 * little-endian at fixed offsets, read and written with memcpy (LMDB values
 * are not aligned).
 */
#ifndef VOS_VOS_INTERNAL_H
#define VOS_VOS_INTERNAL_H

#include <endian.h>
#include <lmdb.h>
#include <sys/uio.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <daos_errno.h>

#include "vos/vos.h"
#include "gurt/byteorder.h"

/* ---- Tables ------------------------------------------------------------- */

enum vos_db {
	VOS_DB_HDR = 0, /**< "pool" -> pool header, "txn" -> commit sequence */
	VOS_DB_CONT,    /**< container UUID -> container record */
	VOS_DB_OBJ,     /**< objkey -> object record */
	VOS_DB_KEY,     /**< akey path -> akey record */
	VOS_DB_SV,      /**< akey path | ~epoch -> single value */
	VOS_DB_EV,      /**< akey path | kind | index | ~epoch | ~minor -> array extent */
	VOS_DB_PUNCH,   /**< objkey | level | rest of path | ~epoch -> punch marker */
	VOS_DB_FREE,    /**< blob free extents: be64 offset -> le64 length */
	VOS_DB_FREE_SZ, /**< the same by size: be64 length | be64 offset -> nothing */
	VOS_DB_PEND,    /**< extents freed by a commit: be64 txn seq | be64 offset -> le64 length */
	VOS_DB_NR,
};

/** LMDB database names, indexed by enum vos_db. */
extern const char *const vos_db_names[VOS_DB_NR];

/** Key of the pool header in VOS_DB_HDR. */
#define VOS_HDR_KEY       "pool"
/**
 * Key of the commit sequence in VOS_DB_HDR (u64 LE): every commit bumps it, so
 * every commit is a real LMDB transaction (pages freed by one become reusable
 * two commits later, even when a batch staged nothing), and deferred blob
 * frees (VOS_DB_PEND) are tagged with the sequence of the commit that freed
 * them.
 */
#define VOS_TXN_KEY       "txn"
/** Magic at the start of the pool header ("VOSPOOL" and a zero byte, little-endian u64). */
#define VOS_POOL_MAGIC    0x004c4f4f50534f56ULL
/** Files LMDB keeps in the pool directory. */
/** How long one wait for a blob completion sleeps before polling again. */
#define VOS_POLL_WAIT_US 100000ULL
#define VOS_DATA_FILE     "data.mdb"
#define VOS_LOCK_FILE     "lock.mdb"

/* ---- Keys --------------------------------------------------------------- */

/** Room for any key (LMDB's maximum is 511 bytes). */
#define VOS_KEY_BUF        512
/** cont id (4) | oid.hi (8) | oid.lo (8). */
#define VOS_OBJKEY_LEN     20

/** Punch levels: the byte after the objkey in VOS_DB_PUNCH. */
enum vos_punch_level {
	VOS_PUNCH_OBJ  = 1,
	VOS_PUNCH_DKEY = 2,
	VOS_PUNCH_AKEY = 3,
};

struct vos_kbuf {
	uint8_t kb_buf[VOS_KEY_BUF];
	size_t  kb_len;
};

/** kb = cont id | oid: the object key (VOS_DB_OBJ) and the prefix of every deeper key. */
void vos_key_obj(struct vos_kbuf *kb, uint32_t cid, daos_obj_id_t oid);
/** Appends | be16 len | bytes (a dkey or akey); the caller checked the total length. */
void vos_key_add_str(struct vos_kbuf *kb, const void *buf, size_t len);
/** Appends a big-endian u64. */
void vos_key_add_u64(struct vos_kbuf *kb, uint64_t v);
/** Appends ~epoch (newest first). */
void vos_key_add_epoch(struct vos_kbuf *kb, daos_epoch_t epoch);
/** Appends one byte. */
void vos_key_add_u8(struct vos_kbuf *kb, uint8_t v);
/** Akey path: objkey | dkey | akey. */
void vos_key_path(struct vos_kbuf *kb, uint32_t cid, daos_obj_id_t oid, const daos_key_t *dkey,
		  const daos_key_t *akey);
/** Punch key prefix (without the epoch) for `level`; dkey/akey as the level needs. */
void vos_key_punch(struct vos_kbuf *kb, uint32_t cid, daos_obj_id_t oid,
		   enum vos_punch_level level, const daos_key_t *dkey, const daos_key_t *akey);
/** True when key `k` starts with the `plen` bytes of `p`. */
static inline bool
vos_key_has_prefix(const MDB_val *k, const uint8_t *p, size_t plen)
{
	return k->mv_size >= plen && memcmp(k->mv_data, p, plen) == 0;
}

/** Decodes the cid and oid of a key starting with an objkey. */
void vos_key_get_obj(const uint8_t *key, uint32_t *cid, daos_obj_id_t *oid);

/* ---- Records ------------------------------------------------------------ */

/** Pool header (VOS_DB_HDR "pool"). */
struct vos_hdr_df {
	uint64_t hd_magic;
	uint32_t hd_version;
	uint32_t hd_flags;
	uuid_t   hd_uuid;
	uint64_t hd_scm_size;   /**< LMDB map size */
	uint64_t hd_blob_id;    /**< 0: no blob bound */
	uint64_t hd_blob_size;
	uint32_t hd_inline_max; /**< inline threshold: values above go to the blob (when bound) */
	uint32_t hd_next_cont;  /**< next container id (ids start at 1, never reused) */
};
#define VOS_HDR_DF_LEN 64

void vos_hdr_encode(const struct vos_hdr_df *h, uint8_t *buf);
/** -DER_DF_INVAL (length, magic), -DER_DF_INCOMPT (version); fields filled as far as decoded. */
int  vos_hdr_decode(const MDB_val *v, struct vos_hdr_df *h);

/** Container record (VOS_DB_CONT). */
#define VOS_CONT_DESTROYING 0x1U
struct vos_cont_df {
	uint32_t cd_id;
	uint32_t cd_flags;
	uint64_t cd_scm_used;
	uint64_t cd_nvme_used;
	uint64_t cd_obj_nr;
	uint32_t cd_version;  /**< layout version of the container (0: written before it was kept) */
};
#define VOS_CONT_DF_LEN 40

void vos_cont_encode(const struct vos_cont_df *c, uint8_t *buf);
int  vos_cont_decode(const MDB_val *v, struct vos_cont_df *c);

/**
 * Bounds that aggregation may have loosened: od_first/od_last (ad_first/ad_last)
 * still bound the epochs of the data versions left, but need not be the epoch
 * of one, so they may not be used to prove that something is visible (I4).
 */
#define VOS_OD_LOOSE 0x1U
#define VOS_AD_LOOSE 0x1U

/** Object record (VOS_DB_OBJ): epochs of its first and last data writes. */
struct vos_obj_df {
	uint64_t od_first; /**< UINT64_MAX: no data write yet */
	uint64_t od_last;  /**< 0: no data write yet */
	uint32_t od_flags; /**< VOS_OD_LOOSE */
};
#define VOS_OBJ_DF_LEN 24

void vos_obj_encode(const struct vos_obj_df *o, uint8_t *buf);
int  vos_obj_decode(const MDB_val *v, struct vos_obj_df *o);

/** Akey record (VOS_DB_KEY). */
struct vos_akey_df {
	uint8_t  ad_type;    /**< DAOS_IOD_SINGLE or DAOS_IOD_ARRAY */
	uint8_t  ad_flags;   /**< VOS_AD_LOOSE */
	uint64_t ad_rsize;   /**< array record size; 0 until the first data write */
	uint64_t ad_longest; /**< most records in one data extent record */
	uint64_t ad_longest_hole; /**< most records in one hole record */
	uint64_t ad_first;   /**< first data write epoch (UINT64_MAX: none) */
	uint64_t ad_last;    /**< last data write epoch (0: none) */
	uint64_t ad_minor;   /**< next extent minor (orders writes at equal epochs) */
};
#define VOS_AKEY_DF_LEN 56

void vos_akey_encode(const struct vos_akey_df *a, uint8_t *buf);
int  vos_akey_decode(const MDB_val *v, struct vos_akey_df *a);

/** Value flags (single values and extents). */
#define VOS_VF_INLINE 0x1U /**< data follows the header */
#define VOS_VF_BLOB   0x2U /**< blob offset (and, for extents, chunk CRCs) follow the header */
#define VOS_VF_HOLE   0x4U /**< array punch: no data */

/** Header of a single value or extent record; the data (if inline) follows. */
#define VOS_VAL_HDR_LEN 16
/** A blob single value: header | le64 blob offset. */
#define VOS_VAL_SV_BLOB_LEN (VOS_VAL_HDR_LEN + 8)
struct vos_val_df {
	uint8_t        vd_flags;
	uint32_t       vd_csum; /**< CRC32C of the data (0 for blob extents: see vd_csums) */
	uint64_t       vd_size; /**< single: bytes; extent: records */
	const uint8_t *vd_data; /**< into the LMDB map: valid until the transaction ends */
	size_t         vd_len;  /**< bytes at vd_data */
	/* VOS_VF_BLOB only: */
	uint64_t       vd_blob_off; /**< extent offset in the blob (BIO_ALIGN-aligned) */
	uint64_t       vd_blob_len; /**< extent length: the data bytes rounded up to BIO_ALIGN */
	const uint8_t *vd_csums;    /**< extents: le32 CRC32C per VOS_CSUM_CHUNK of data */
	uint32_t       vd_ncsum;    /**< their number */
};

/** Bytes a length occupies in the blob. */
static inline uint64_t
vos_blob_round(uint64_t len)
{
	return (len + BIO_ALIGN - 1) / BIO_ALIGN * BIO_ALIGN;
}

/** Chunk CRCs of a blob extent of `bytes` bytes of data. */
static inline uint32_t
vos_csum_nr(uint64_t bytes)
{
	return (uint32_t)((bytes + VOS_CSUM_CHUNK - 1) / VOS_CSUM_CHUNK);
}

void vos_val_encode_hdr(uint8_t *buf, uint8_t flags, uint32_t csum, uint64_t size);
/**
 * Decodes a single value (`extent` false) or an extent record of an array of
 * `rsize`-byte records (0 when the akey has no data yet, so only holes are
 * valid). -DER_DF_INVAL when flags and lengths disagree, or a blob offset is
 * not aligned (whether the extent lies inside the blob is checked by the
 * reader, which knows the blob).
 */
int  vos_val_decode(const MDB_val *v, bool extent, uint64_t rsize, struct vos_val_df *d);

/**
 * Extent keys: akey path | kind | be64 index | ~epoch | ~minor. Data and holes
 * are apart so that a read looks back only over the longest data extent
 * (bounded by chunking) and, separately, the longest hole (punched ranges can
 * be huge, and are few).
 */
enum vos_ext_kind {
	VOS_EXT_DATA = 0,
	VOS_EXT_HOLE = 1,
};
/** Bytes an extent key adds to the akey path. */
#define VOS_EXT_SUFFIX_LEN 25

/** Punch marker value. */
#define VOS_PUNCH_DF_LEN 4

/* ---- Transactions ------------------------------------------------------- */

struct vos_txh {
	MDB_txn    *th_txn;
	MDB_cursor *th_cur[VOS_DB_NR];
	uint64_t    th_cur_gen[VOS_DB_NR]; /**< read txn generation each cursor was renewed for */
	uint64_t    th_gen;                /**< bumped at every renew of a read txn */
	bool        th_rdonly;
};

/** Returns a cursor on `db` in `th`, opening or renewing it. */
int vos_txh_cursor(struct vos_pool *pool, struct vos_txh *th, enum vos_db db, MDB_cursor **cur);

/** LMDB return code to -DER_*. */
int vos_mdb2der(int rc);

enum vos_tx_state {
	VOS_TX_IDLE = 0, /**< no write transaction */
	VOS_TX_OPEN,     /**< write transaction open */
	VOS_TX_POISONED, /**< batch aborted by an internal error; waits for commit or abort */
};

/* ---- Space -------------------------------------------------------------- */

/** Estimate of the pages one operation may need (see vos_space.c). */
struct vos_space_est {
	uint32_t se_puts[VOS_DB_NR]; /**< puts per table */
	uint64_t se_new;             /**< upper bound of live pages added (splits, overflow) */
	uint64_t se_ovf_alloc;       /**< overflow pages allocated (need contiguous runs) */
	uint64_t se_ovf_freed;       /**< overflow pages of values replaced */
};

struct vos_space {
	uint64_t sp_psize;       /**< LMDB page size */
	uint64_t sp_map_pages;   /**< map size in pages */
	uint64_t sp_quota_pages; /**< live pages allowed for data */
	/* Per write transaction: */
	uint64_t sp_hw_begin;    /**< committed file high-water (last page + 1) */
	uint64_t sp_live_begin;  /**< live pages at begin */
	uint64_t sp_live_known;  /**< last exact measure of live pages */
	uint64_t sp_new_since;   /**< estimated live growth since that measure */
	uint64_t sp_new_total;   /**< estimated live growth since begin */
	uint64_t sp_ovf_alloc;
	uint64_t sp_ovf_freed;
	uint32_t sp_puts[VOS_DB_NR];
	uint64_t sp_depth[VOS_DB_NR];
	uint64_t sp_leaf[VOS_DB_NR];
	uint64_t sp_branch[VOS_DB_NR];
	uint64_t sp_meta_pages;  /**< pages of LMDB's main and free tables at begin */
	int64_t  sp_free_reusable; /**< free pages reusable in this txn; -1 until computed */
};

/* ---- Blob ---------------------------------------------------------------- */

/** One blob write in flight from the staging ring (vos_blob.c). */
struct vos_wreq {
	struct vos_pool *wr_pool;
	uint64_t         wr_end;  /**< staging position just past this request's bytes */
	bool             wr_done;
};

/** Staging ring: aligned memory for blob writes in flight, released in FIFO order. */
struct vos_stage {
	uint8_t         *st_buf;      /**< VOS_STAGE_BYTES, BIO_ALIGN-aligned */
	uint64_t         st_head;     /**< bytes ever handed out (position, not offset) */
	uint64_t         st_tail;     /**< bytes ever released */
	struct vos_wreq *st_reqs;     /**< VOS_STAGE_REQ_MAX, a FIFO */
	uint32_t         st_req_head; /**< requests ever submitted */
	uint32_t         st_req_tail; /**< requests ever released */
	uint32_t         st_inflight; /**< submitted, callback not yet run */
	uint32_t         st_zc_inflight; /**< zero-copy writes under buffer hold in flight (B7) */
	int              st_err;      /**< first write error of the batch */
	bool             st_written;  /**< the batch wrote to the blob: flush before commit */
};

/* ---- Pool and container ------------------------------------------------- */

struct vos_cont {
	struct vos_pool *vc_pool;
	struct vos_cont *vc_next;
	uuid_t           vc_uuid;
	uint32_t         vc_id;
	unsigned         vc_ref;       /**< open handles */
	bool             vc_dirty;     /**< deltas pending in the open write transaction */
	int64_t          vc_delta_scm; /**< bytes added by the open write transaction */
	int64_t          vc_delta_obj; /**< objects added by the open write transaction */
	int64_t          vc_delta_nvme; /**< blob bytes added by the open write transaction */
};

/** Growable scratch memory owned by the pool (no allocation per I/O once grown). */
struct vos_scratch {
	void  *sc_buf;
	size_t sc_size;
};

struct vos_fetch;

struct vos_pool {
	MDB_env          *vp_env;
	MDB_dbi           vp_dbi[VOS_DB_NR];
	int               vp_lock_fd;   /**< flock'ed directory */
	char              vp_dir[VOS_PATH_MAX];
	struct vos_hdr_df vp_hdr;
	/* write side */
	struct vos_txh    vp_wtx;
	enum vos_tx_state vp_tx_state;
	int               vp_tx_rc;       /**< error that poisoned the batch */
	int               vp_failed;      /**< sticky failure (0: healthy) */
	enum vos_fault    vp_fault;
	uint64_t          vp_commit_seq;  /**< VOS_TXN_KEY as of the last commit */
	struct vos_space  vp_space;
	/* read side */
	struct vos_txh    vp_rtx;
	bool              vp_rtx_active;  /**< renewed and not reset since the last commit */
	uint64_t          vp_rtx_punches; /**< punch markers in the read transaction's state */
	/* state */
	uint64_t          vp_csum_errs;
	struct vos_cont  *vp_conts;       /**< open or dirty containers */
	struct vos_scratch vp_ext;        /**< extent vector (vos_extent.c) */
	struct vos_scratch vp_heap;       /**< sweep heap (vos_extent.c) */
	struct vos_scratch vp_piece;      /**< visible pieces (vos_extent.c) */
	struct vos_scratch vp_alloc;      /**< blob extents allocated by one update (vos_io.c) */
	struct vos_scratch vp_agg;        /**< aggregation vectors (vos_agg.c) */
	/* blob (vp_ring == NULL: none bound, every value inline) */
	struct bio_ring  *vp_ring;
	struct bio_blob   vp_blob;
	struct vos_stage  vp_stage;
	uint32_t          vp_reads_inflight; /**< fetches with blob reads in flight (vos_fetch.c, F1) */
	struct vos_fetch *vp_reads_head;     /**< those fetches, oldest first (F1) */
	struct vos_fetch *vp_reads_tail;
	bool              vp_zc_hold;        /**< update buffers held until commit (B7) */
	uint64_t          vp_nvme_free;   /**< bytes in the free map, committed */
	uint64_t          vp_pend_nr;     /**< deferred-free entries, committed */
	int64_t           vp_tx_free;     /**< free-map bytes added by the open transaction */
	int64_t           vp_tx_pend;     /**< deferred-free entries added by it */
	vos_commit_hook_t vp_hook;
	void             *vp_hook_arg;
};

/** Values above this many bytes go to the blob (UINT64_MAX: no blob bound). */
static inline uint64_t
vos_inline_limit(const struct vos_pool *pool)
{
	return pool->vp_ring != NULL ? pool->vp_hdr.hd_inline_max : UINT64_MAX;
}

/** Makes `sc` at least `size` bytes (geometric growth). -DER_NOMEM. */
int vos_scratch_reserve(struct vos_scratch *sc, size_t size);
void vos_scratch_free(struct vos_scratch *sc);

/* vos_tx.c */
/** Starts the write side of an update/punch: sticky/poison checks, implicit batch. */
int  vos_wtx_enter(struct vos_pool *pool, bool *implicit);
/** Ends it: an implicit batch is committed on rc == 0, aborted otherwise. */
int  vos_wtx_leave(struct vos_pool *pool, bool implicit, int rc);
/** Aborts the write transaction after an internal error; the batch stays poisoned. */
void vos_wtx_poison(struct vos_pool *pool, int rc);
/** Opens a write transaction of its own (container create/destroy). */
int  vos_wtx_begin_raw(struct vos_pool *pool);
/** Commits and syncs it (sticky failure on error). */
int  vos_wtx_commit_raw(struct vos_pool *pool);
void vos_wtx_abort_raw(struct vos_pool *pool);
/** The current read transaction (committed state), renewed when needed. */
int  vos_rtx_get(struct vos_pool *pool, struct vos_txh **th);
/** Ends reads of the committed snapshot (called before every commit). */
void vos_rtx_reset(struct vos_pool *pool);
/** Releases the read transaction and its cursors (pool close). */
void vos_rtx_fini(struct vos_pool *pool);

/* vos_space.c */
void vos_space_init(struct vos_pool *pool, uint64_t psize);
int  vos_space_txn_begin(struct vos_pool *pool);
void vos_space_est_put(struct vos_pool *pool, struct vos_space_est *est, enum vos_db db,
		       size_t klen, size_t vlen);
void vos_space_est_replace(struct vos_pool *pool, struct vos_space_est *est, size_t klen,
			   size_t old_vlen);
/** -DER_NOSPACE when the estimate does not fit; else adds it to the transaction's totals. */
int  vos_space_check(struct vos_pool *pool, const struct vos_space_est *est);
/** Live pages (all tables, LMDB's own included) as seen by `txn`. */
int  vos_space_live_pages(struct vos_pool *pool, MDB_txn *txn, uint64_t *pages);

/* vos_blob.c */
/** Allocates the staging ring and read buffer (pool open with a blob). -DER_NOMEM. */
int  vos_blob_init(struct vos_pool *pool);
void vos_blob_fini(struct vos_pool *pool);
/** Binds the blob at first open: header and the whole-blob free extent, one synced commit. */
int  vos_blob_bind(struct vos_pool *pool, const struct bio_blob *blob);
/** Loads the committed free total and deferred-free count (open). */
int  vos_blob_load(struct vos_pool *pool);
/** Puts of one allocation (and its undo) in a space estimate. */
void vos_blob_est_alloc(struct vos_pool *pool, struct vos_space_est *est);
/** Puts of one deferred free in a space estimate. */
void vos_blob_est_defer(struct vos_pool *pool, struct vos_space_est *est);
/** Best-fit allocation of `len` (aligned) bytes in the write transaction. -DER_NOSPACE. */
int  vos_blob_alloc(struct vos_pool *pool, uint64_t len, uint64_t *off);
/** Returns an extent to the free map now (never referenced by a commit). */
int  vos_blob_free_now(struct vos_pool *pool, uint64_t off, uint64_t len);
/** Frees an extent the committed index may reference: reusable after this commit is durable. */
int  vos_blob_defer(struct vos_pool *pool, uint64_t off, uint64_t len);
/** Moves extents freed by earlier (durable) commits to the free map (transaction begin). */
int  vos_blob_release(struct vos_pool *pool);
/**
 * Stages `len` bytes of `src` (an sgl stream reader, see vos_io.c) for a
 * blob write at `off`: copies into staging memory, zero-pads to BIO_ALIGN,
 * updates *crc (chained CRC32C of the data) and, when `csums` is not NULL,
 * stores the le32 CRC of every VOS_CSUM_CHUNK of data there; then submits
 * the writes (pieces of at most VOS_STAGE_IO_MAX). Waits for earlier writes
 * when staging is full. -DER_NVME_IO (device failed), -DER_IO.
 */
struct vos_sgl_reader;
int  vos_blob_stage(struct vos_pool *pool, uint64_t off, struct vos_sgl_reader *src, uint64_t len,
		    uint32_t *crc, uint8_t *csums);
/** Waits for the batch's writes and flushes the device once (commit, T5). */
int  vos_blob_tx_complete(struct vos_pool *pool);
/** Waits for writes in flight and forgets the batch's blob state (abort, after commit). */
void vos_blob_tx_reset(struct vos_pool *pool, bool committed);
/** The oldest commit state a fetch with reads in flight read (UINT64_MAX: none; vos_fetch.c F1). */
uint64_t vos_fetch_horizon(const struct vos_pool *pool);
/**
 * bio_submit_write() (write) or bio_submit_read() of the pool's blob, running
 * completions (any of the ring's callbacks) while the ring is full; not from a
 * ring callback. 0 (cb will run) or an error (it will not): -DER_IO when the
 * ring itself fails.
 */
int  vos_blob_submit(struct vos_pool *pool, bool write, uint64_t off, const struct iovec *io,
		     unsigned nio, bio_io_cb_t cb, void *arg);
/** Waits for the zero-copy writes under buffer hold in flight (B7). */
void vos_blob_zc_drain(struct vos_pool *pool);
/** Counts a checksum error of blob data (pool and bio counters). */
void vos_blob_csum_error(struct vos_pool *pool);
/** -DER_DF_INVAL unless [off, off + len) is an aligned extent inside the blob. */
int  vos_blob_check_extent(const struct vos_pool *pool, uint64_t off, uint64_t len);
/**
 * The blob extent referenced by a committed value record (test accessor):
 * for a single value the version at exactly `epoch`, for an array the first
 * data extent starting at `idx` at exactly `epoch`. -DER_NONEXIST when there
 * is none or it is inline.
 */
int  vos_blob_value_extent(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
			   const daos_key_t *dkey, const daos_key_t *akey, uint64_t idx,
			   uint64_t *off, uint64_t *len);

/* vos_cont.c */
/** Adds to the open transaction's accounting of container `cont`. */
void vos_cont_account(struct vos_cont *cont, int64_t bytes, int64_t objs);
/** Adds blob bytes to the open transaction's accounting of container `cont`. */
void vos_cont_account_nvme(struct vos_cont *cont, int64_t bytes);
/** Writes the pending container deltas into the write transaction (before commit). */
int  vos_cont_flush_deltas(struct vos_pool *pool);
/** Forgets pending deltas (after commit or abort). */
void vos_cont_clear_deltas(struct vos_pool *pool);
/** Finishes container destroys interrupted by a crash (pool open). */
int  vos_cont_resume_destroys(struct vos_pool *pool);
void vos_cont_release(struct vos_cont *cont);

/* vos_punch.c */
/**
 * Newest punch at or before `epoch` covering the akey (or dkey when akey is
 * NULL, object when dkey is NULL); 0 when none.
 */
int vos_punch_max(struct vos_pool *pool, struct vos_txh *th, uint32_t cid, daos_obj_id_t oid,
		  const daos_key_t *dkey, const daos_key_t *akey, daos_epoch_t epoch,
		  daos_epoch_t *punch);
/** Same for one level only. */
int vos_punch_level_max(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *prefix,
			daos_epoch_t epoch, daos_epoch_t *punch);
/** True when the object has any punch marker (one seek). */
int vos_punch_any(struct vos_pool *pool, struct vos_txh *th, uint32_t cid, daos_obj_id_t oid,
		  bool *any);

/* vos_io.c: argument checks shared with punch and enumeration */
/** A stream over the bytes of an sgl (update side: iov_len). */
struct vos_sgl_reader {
	const d_sg_list_t *sr_sgl;
	uint32_t           sr_iov;
	size_t             sr_off;
};
/** Copies the next n bytes of the stream (which holds at least that many) to dst. */
void vos_sgl_read(struct vos_sgl_reader *r, uint8_t *dst, uint64_t n);
/**
 * Describes the next n bytes of the stream as at most `max` segments (not
 * consumed). Returns their number, or 0 when they need more segments.
 */
unsigned vos_sgl_segments(const struct vos_sgl_reader *r, uint64_t n, struct iovec *seg,
			  unsigned max);
/** Skips the next n bytes of the stream. */
void vos_sgl_skip(struct vos_sgl_reader *r, uint64_t n);
int vos_check_key(const daos_key_t *key);
int vos_check_keys(const daos_key_t *dkey, const daos_key_t *akey);
bool vos_epoch_valid_update(daos_epoch_t epoch);
/**
 * Checks an iod against dkey; *recs gets the records (array) or 1 (single)
 * and *bytes the data bytes it describes (0 for a punch or size query).
 */
int  vos_check_iod(const daos_key_t *dkey, const daos_iod_t *iod, bool update, uint64_t sv_max,
		   uint64_t *recs, uint64_t *bytes);
/** The record of kb in db through th (-DER_NONEXIST). */
int  vos_get_rec(struct vos_pool *pool, struct vos_txh *th, enum vos_db db,
		 const struct vos_kbuf *kb, MDB_val *v);
/** Bytes an sgl carries (iov_len; capacity false) or can hold (iov_buf_len). -DER_INVAL. */
int  vos_sgl_size(const d_sg_list_t *sgl, bool capacity, uint64_t *size);
/** Writes len bytes (zeros when src is NULL) at offset off of the sgl's byte stream. */
void vos_sgl_put(d_sg_list_t *sgl, uint64_t off, const uint8_t *src, uint64_t len);
/** Sets iov_len and sg_nr_out for a stream of `total` bytes filling the iovs in order. */
void vos_sgl_set_out(d_sg_list_t *sgl, uint64_t total);

/* vos_extent.c */
struct vos_ext {
	uint64_t       ve_idx;
	uint64_t       ve_nr;
	uint64_t       ve_epoch;
	uint64_t       ve_minor;
	const uint8_t *ve_data;     /**< inline data, NULL otherwise */
	const uint8_t *ve_csums;    /**< blob: chunk CRCs (into the map) */
	uint64_t       ve_blob_off; /**< blob: extent offset */
	uint64_t       ve_blob_len; /**< blob: extent length */
	uint32_t       ve_csum;     /**< inline: CRC32C of the data */
	uint32_t       ve_id;       /**< position in the collected vector (aggregation) */
	uint8_t        ve_flags;    /**< VOS_VF_INLINE, VOS_VF_BLOB or VOS_VF_HOLE */
	bool           ve_checked;  /**< inline data verified by this fetch */
};

/** True when the extent holds data (inline or in the blob). */
static inline bool
vos_ext_is_data(const struct vos_ext *e)
{
	return e->ve_flags != VOS_VF_HOLE;
}

struct vos_piece {
	uint64_t pc_idx;
	uint64_t pc_nr;
	uint32_t pc_ext; /**< index into the extent vector */
};

/**
 * Appends to the pool's extent vector the extents of akey path `path`
 * overlapping [lo, hi) visible at `epoch` above punch `punch`, scanning starts
 * from lo - longest. Returns the count in *nr (vector in pool->vp_ext).
 * `next_start` (may be NULL) gets the start index of the first extent not
 * scanned because it starts at or after hi (UINT64_MAX: none).
 */
int vos_ext_collect(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *path,
		    const struct vos_akey_df *ak, uint64_t lo, uint64_t hi, daos_epoch_t epoch,
		    daos_epoch_t punch, uint32_t *nr, uint64_t *next_start);
/**
 * Resolves extents exts[0..nr) into visible pieces within [lo, hi), in index
 * order, holes left out (or kept, with `holes`), adjacent pieces of one
 * extent merged. The pieces are in pool->vp_piece.
 */
int vos_ext_resolve(struct vos_pool *pool, struct vos_ext *exts, uint32_t nr, uint64_t lo,
		    uint64_t hi, uint32_t *npieces);
int vos_ext_resolve_owners(struct vos_pool *pool, struct vos_ext *exts, uint32_t nr,
			   uint64_t lo, uint64_t hi, bool holes, uint32_t *npieces);
/** Bytes of an extent record's value (for accounting), from its decoded extent. */
size_t vos_ext_vlen(const struct vos_ext *e, uint64_t rsize);
/** True when an array akey has a visible data extent in (punch, epoch]. */
int vos_ext_any_visible(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *path,
			daos_epoch_t epoch, daos_epoch_t punch, bool *any);

/** Counts a checksum error. */
static inline void
vos_csum_error(struct vos_pool *pool)
{
	pool->vp_csum_errs++;
}

#endif /* VOS_VOS_INTERNAL_H */
