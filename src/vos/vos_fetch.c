/*
 * vos_fetch.c: fetch of single values and arrays, synchronous or with the
 * blob reads left in flight (vos_obj_fetch_begin()).
 *
 * A fetch runs in two steps. The walk looks every iod up in the committed
 * index (the pool's read transaction), copies inline data out and zero-fills
 * holes at once, and plans one blob read (struct fread) per blob value or
 * array extent piece, with the checksums it must verify copied out of the
 * index. Then every planned read is submitted to the pool's ring together, so
 * the device works on all of them (and on other fetches' reads) at once. When
 * the last one completes, the finish step verifies each read's CRC32C, copies
 * bounce-buffered data into the caller's sgl, and reports the result: to the
 * waiting vos_obj_fetch(), or to the callback of vos_obj_fetch_begin().
 *
 * A read lands straight in the caller's buffer when the bytes it reads are
 * exactly the bytes the caller wants and the buffer is BIO_ALIGN-aligned
 * there (a whole value or a whole extent into an aligned buffer: the large
 * I/O case); otherwise in an owned aligned bounce buffer.
 *
 * Invariants
 *   F1. A fetch with reads in flight is on the pool's list (vp_reads_head, in
 *       start order, counted in vp_reads_inflight) from its first submission
 *       until its finish step ran, with fc_seq, the commit whose state its walk
 *       read. It can only read extents still referenced in that state, i.e.
 *       freed by a later commit (a deferred free is tagged with the commit that
 *       made it, vos_blob.c B3). vos_blob_release() moves an extent to the free
 *       map only when its tag is <= vos_fetch_horizon() (the oldest fc_seq in
 *       flight), so an extent a fetch reads cannot be reallocated and rewritten
 *       under it, while extents freed before every fetch in flight started are
 *       released as usual; vos_pool_close() waits for the list to empty.
 *   F2. The walk finishes with the index before any read is submitted: the
 *       finish step uses only what the plan copied (offsets, checksums), never
 *       a pointer into the LMDB map, which a later commit may reuse.
 *   F3. The finish step runs exactly once per fetch with reads, after its last
 *       read's callback; reads are submitted under a guard count, so reads that
 *       complete while later ones are still being submitted cannot finish it
 *       early.
 */
#define D_LOGFAC DD_FAC(vos)

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "gurt/checksum.h"
#include "gurt/log.h"
#include "vos/vos_internal.h"

/** Reads one fetch may plan: one per blob value or extent piece of up to VOS_IOD_NR_MAX iods. */
#define VOS_FETCH_READS_MAX (VOS_IOD_NR_MAX * VOS_RECX_NR_MAX)
/** Initial room of the read plan (grows by doubling up to VOS_FETCH_READS_MAX). */
#define VOS_FETCH_READS_INIT 8

enum fread_kind {
	FR_SV,    /* a whole single value: one CRC32C over fr_size bytes */
	FR_PIECE, /* chunks [fr_c0, fr_c0 + fr_ncsum) of an array extent */
};

/* One planned blob read and what to do with its bytes (F2: no index pointers). */
struct fread {
	enum fread_kind fr_kind;
	uint64_t        fr_off;    /* blob offset of the read */
	uint64_t        fr_len;    /* bytes read (BIO_ALIGN multiple) */
	uint8_t        *fr_buf;    /* where the bytes land: the caller's buffer or fr_bounce */
	uint8_t        *fr_bounce; /* owned aligned buffer, or NULL (direct) */
	d_sg_list_t    *fr_sgl;    /* bounce: copy fr_copy bytes from fr_buf + fr_skip ... */
	uint64_t        fr_out;    /* ... to this byte of the sgl's stream */
	uint64_t        fr_skip;
	uint64_t        fr_copy;
	uint64_t        fr_size;   /* FR_SV: value bytes; FR_PIECE: bytes of the extent */
	uint32_t        fr_csum;   /* FR_SV: expected CRC32C */
	uint64_t        fr_c0;     /* FR_PIECE: first chunk read */
	uint32_t        fr_ncsum;  /* FR_PIECE: chunks read */
	uint32_t       *fr_csums;  /* FR_PIECE: their expected CRC32Cs (owned) */
	uint64_t        fr_ext;    /* blob offset of the value or extent (messages) */
	int             fr_rc;     /* completion status */
	struct vos_fetch   *fr_fetch;
};

struct vos_fetch {
	struct vos_pool *fc_pool;
	struct vos_fetch *fc_prev;   /* pool's list of fetches with reads in flight (F1) */
	struct vos_fetch *fc_next;
	uint64_t         fc_seq;     /* the commit whose state the walk read (F1) */
	struct fread    *fc_reads;
	uint32_t         fc_nr;
	uint32_t         fc_cap;
	uint32_t         fc_pending; /* reads in flight, plus 1 while submitting (F3) */
	int              fc_soft;    /* -DER_REC2BIG of the walk, reported when all else is fine */
	int              fc_rc;      /* result of the finish step */
	bool             fc_done;
	vos_fetch_cb_t   fc_cb;      /* NULL: a synchronous fetch polls for fc_done */
	void            *fc_arg;
};

/* ---- Planning ---- */

static int
plan_add(struct vos_fetch *fc, struct fread **out)
{
	if (fc->fc_nr == fc->fc_cap) {
		uint32_t      cap = fc->fc_cap == 0 ? VOS_FETCH_READS_INIT : fc->fc_cap * 2;
		struct fread *r;

		if (fc->fc_nr >= VOS_FETCH_READS_MAX)
			return -DER_OVERFLOW;
		if (cap > VOS_FETCH_READS_MAX)
			cap = VOS_FETCH_READS_MAX;
		r = realloc(fc->fc_reads, cap * sizeof(*r));
		if (r == NULL)
			return -DER_NOMEM;
		fc->fc_reads = r;
		fc->fc_cap   = cap;
	}
	*out = &fc->fc_reads[fc->fc_nr++];
	memset(*out, 0, sizeof(**out));
	(*out)->fr_fetch = fc;
	return 0;
}

/*
 * The caller's memory for bytes [out, out + len) of the sgl's stream when it is
 * one aligned run of one iov; NULL otherwise.
 */
static uint8_t *
sgl_direct(const d_sg_list_t *sgl, uint64_t out, uint64_t len)
{
	for (uint32_t i = 0; i < sgl->sg_nr; i++) {
		const d_iov_t *iov = &sgl->sg_iovs[i];
		uint8_t       *p;

		if (out >= iov->iov_buf_len) {
			out -= iov->iov_buf_len;
			continue;
		}
		if (len > iov->iov_buf_len - out)
			return NULL;
		p = (uint8_t *)iov->iov_buf + out;
		return (uintptr_t)p % BIO_ALIGN == 0 ? p : NULL;
	}
	return NULL;
}

/* Points the read at the caller's memory when it maps one to one, else at a new bounce buffer. */
static int
plan_target(struct fread *r, d_sg_list_t *sgl, uint64_t out, uint64_t skip, uint64_t copy)
{
	uint8_t *direct = NULL;

	if (skip == 0 && copy == r->fr_len)
		direct = sgl_direct(sgl, out, copy);
	if (direct != NULL) {
		r->fr_buf = direct;
		return 0;
	}
	r->fr_bounce = aligned_alloc(BIO_ALIGN, r->fr_len);
	if (r->fr_bounce == NULL)
		return -DER_NOMEM;
	r->fr_buf  = r->fr_bounce;
	r->fr_sgl  = sgl;
	r->fr_out  = out;
	r->fr_skip = skip;
	r->fr_copy = copy;
	return 0;
}

/* Plans the read of a blob single value into the start of the sgl. */
static int
plan_single(struct vos_fetch *fc, const struct vos_val_df *d, d_sg_list_t *sgl)
{
	struct vos_pool *pool = fc->fc_pool;
	struct fread    *r;
	int              rc;

	if (pool->vp_ring == NULL || vos_blob_check_extent(pool, d->vd_blob_off, d->vd_blob_len) ||
	    vos_blob_round(d->vd_size) > d->vd_blob_len || d->vd_size > BIO_IO_SIZE_MAX)
		return -DER_DF_INVAL;
	rc = plan_add(fc, &r);
	if (rc != 0)
		return rc;
	r->fr_kind = FR_SV;
	r->fr_off  = d->vd_blob_off;
	r->fr_ext  = d->vd_blob_off;
	r->fr_len  = vos_blob_round(d->vd_size);
	r->fr_size = d->vd_size;
	r->fr_csum = d->vd_csum;
	return plan_target(r, sgl, 0, 0, d->vd_size);
}

/*
 * Plans the read of records [s, e) of blob extent x into the sgl at byte
 * `out`: the VOS_CSUM_CHUNK chunks holding them, each verified.
 */
static int
plan_piece(struct vos_fetch *fc, const struct vos_ext *x, uint64_t rsize, uint64_t s, uint64_t e,
	   d_sg_list_t *sgl, uint64_t out)
{
	struct vos_pool *pool  = fc->fc_pool;
	uint64_t         bytes = x->ve_nr * rsize;
	uint64_t         b0    = (s - x->ve_idx) * rsize;
	uint64_t         b1    = (e - x->ve_idx) * rsize;
	uint64_t         c0    = b0 / VOS_CSUM_CHUNK;
	uint64_t         c1    = (b1 + VOS_CSUM_CHUNK - 1) / VOS_CSUM_CHUNK;
	uint64_t         r0    = c0 * VOS_CSUM_CHUNK;
	uint64_t         r1    = c1 * VOS_CSUM_CHUNK < bytes ? c1 * VOS_CSUM_CHUNK : bytes;
	struct fread    *r;
	int              rc;

	if (pool->vp_ring == NULL || vos_blob_check_extent(pool, x->ve_blob_off, x->ve_blob_len) ||
	    vos_blob_round(r1) > x->ve_blob_len)
		return -DER_DF_INVAL;
	rc = plan_add(fc, &r);
	if (rc != 0)
		return rc;
	r->fr_kind  = FR_PIECE;
	r->fr_off   = x->ve_blob_off + r0;
	r->fr_ext   = x->ve_blob_off;
	r->fr_len   = vos_blob_round(r1 - r0);
	r->fr_size  = bytes;
	r->fr_c0    = c0;
	r->fr_ncsum = (uint32_t)(c1 - c0);
	r->fr_csums = malloc(r->fr_ncsum * sizeof(uint32_t));
	if (r->fr_csums == NULL)
		return -DER_NOMEM;
	for (uint64_t c = c0; c < c1; c++)
		r->fr_csums[c - c0] = d_get_le32(x->ve_csums + 4 * c);
	return plan_target(r, sgl, out, b0 - r0, b1 - b0);
}

/* ---- The walk ---- */

static int
fetch_single(struct vos_fetch *fc, struct vos_txh *th, const struct vos_kbuf *path,
	     daos_epoch_t epoch, daos_epoch_t punch, daos_iod_t *iod, d_sg_list_t *sgl)
{
	struct vos_pool  *pool = fc->fc_pool;
	struct vos_kbuf   kb   = *path;
	struct vos_val_df d;
	MDB_cursor       *cur;
	MDB_val           k;
	MDB_val           v;
	uint64_t          cap;
	int               rc;

	rc = vos_txh_cursor(pool, th, VOS_DB_SV, &cur);
	if (rc != 0)
		return rc;
	vos_key_add_epoch(&kb, epoch);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	if (rc == 0 && k.mv_size == path->kb_len + 8 &&
	    vos_key_has_prefix(&k, path->kb_buf, path->kb_len)) {
		daos_epoch_t e = ~d_get_be64((const uint8_t *)k.mv_data + path->kb_len);

		rc = vos_val_decode(&v, false, 0, &d);
		if (rc != 0)
			return rc;
		if (e <= punch)
			d.vd_size = 0;
	} else {
		/* No version at or before the epoch: an array under that name is a misuse. */
		rc = vos_get_rec(pool, th, VOS_DB_KEY, path, &v);
		if (rc == 0 && v.mv_size > 0 && ((const uint8_t *)v.mv_data)[0] == DAOS_IOD_ARRAY)
			return -DER_INVAL;
		if (rc != 0 && rc != -DER_NONEXIST)
			return rc;
		d.vd_size = 0;
	}

	iod->iod_size = d.vd_size;
	if (sgl == NULL)
		return 0;
	vos_sgl_set_out(sgl, 0);
	if (d.vd_size == 0)
		return 0;
	rc = vos_sgl_size(sgl, true, &cap);
	if (rc != 0)
		return rc;
	if (cap < d.vd_size)
		return -DER_REC2BIG;
	if (d.vd_flags == VOS_VF_BLOB) {
		rc = plan_single(fc, &d, sgl);
		if (rc != 0)
			return rc;
	} else {
		if (d_crc32c(0, d.vd_data, d.vd_size) != d.vd_csum) {
			D_ERROR("%s: single value fails its checksum\n", pool->vp_dir);
			vos_csum_error(pool);
			return -DER_CSUM;
		}
		vos_sgl_put(sgl, 0, d.vd_data, d.vd_size);
	}
	vos_sgl_set_out(sgl, d.vd_size);
	return 0;
}

static int
fetch_array(struct vos_fetch *fc, struct vos_txh *th, const struct vos_kbuf *path,
	    daos_epoch_t epoch, daos_epoch_t punch, daos_iod_t *iod, d_sg_list_t *sgl)
{
	struct vos_pool   *pool = fc->fc_pool;
	struct vos_akey_df ak;
	MDB_val            v;
	uint64_t           base = 0;
	bool               any  = false;
	bool               exists;
	int                rc;

	rc = vos_get_rec(pool, th, VOS_DB_KEY, path, &v);
	if (rc == 0)
		rc = vos_akey_decode(&v, &ak);
	if (rc != 0 && rc != -DER_NONEXIST)
		return rc;
	exists = rc == 0;
	if (exists && ak.ad_type != DAOS_IOD_ARRAY)
		return -DER_INVAL;
	if (exists && iod->iod_size != DAOS_REC_ANY && ak.ad_rsize != 0 &&
	    iod->iod_size != ak.ad_rsize)
		return -DER_REC_SIZE;

	for (uint32_t j = 0; j < iod->iod_nr; j++) {
		const daos_recx_t *rx  = &iod->iod_recxs[j];
		uint64_t           len = rx->rx_nr * iod->iod_size;
		struct vos_ext    *ext;
		struct vos_piece  *pc;
		uint32_t           n  = 0;
		uint32_t           np = 0;

		uint64_t           next = rx->rx_idx; /* records before it are placed */

		if (exists) {
			rc = vos_ext_collect(pool, th, path, &ak, rx->rx_idx,
					     rx->rx_idx + rx->rx_nr, epoch, punch, &n, NULL);
			if (rc != 0)
				return rc;
		}
		ext = pool->vp_ext.sc_buf;
		if (n > 0 && (iod->iod_size != DAOS_REC_ANY || !any)) {
			rc = vos_ext_resolve(pool, ext, n, rx->rx_idx, rx->rx_idx + rx->rx_nr, &np);
			if (rc != 0)
				return rc;
		}
		any |= np > 0;
		if (iod->iod_size == DAOS_REC_ANY)
			continue; /* size query: does any record hold data? */
		pc = pool->vp_piece.sc_buf;
		for (uint32_t p = 0; p < np; p++) {
			struct vos_ext *x   = &ext[pc[p].pc_ext];
			uint64_t        s   = pc[p].pc_idx;
			uint64_t        out = base + (s - rx->rx_idx) * ak.ad_rsize;

			/* Pieces come in index order: the records between them are holes. */
			if (s > next)
				vos_sgl_put(sgl, base + (next - rx->rx_idx) * iod->iod_size, NULL,
					    (s - next) * iod->iod_size);
			next = s + pc[p].pc_nr;

			if (x->ve_flags == VOS_VF_BLOB) {
				rc = plan_piece(fc, x, ak.ad_rsize, s, s + pc[p].pc_nr, sgl, out);
				if (rc != 0)
					return rc;
				continue;
			}
			/* Inline extents are verified whole, once per fetch of a range. */
			if (!x->ve_checked) {
				if (d_crc32c(0, x->ve_data, x->ve_nr * ak.ad_rsize) != x->ve_csum) {
					D_ERROR("%s: array extent fails its checksum\n",
						pool->vp_dir);
					vos_csum_error(pool);
					return -DER_CSUM;
				}
				x->ve_checked = true;
			}
			vos_sgl_put(sgl, out, x->ve_data + (s - x->ve_idx) * ak.ad_rsize,
				    pc[p].pc_nr * ak.ad_rsize);
		}
		if (rx->rx_idx + rx->rx_nr > next)
			vos_sgl_put(sgl, base + (next - rx->rx_idx) * iod->iod_size, NULL,
				    (rx->rx_idx + rx->rx_nr - next) * iod->iod_size);
		base += len;
	}
	if (iod->iod_size == DAOS_REC_ANY) {
		iod->iod_size = any ? ak.ad_rsize : 0;
		if (sgl != NULL)
			vos_sgl_set_out(sgl, 0);
		return 0;
	}
	vos_sgl_set_out(sgl, base);
	if (!any)
		iod->iod_size = 0;
	return 0;
}

static int
fetch_walk(struct vos_fetch *fc, struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	   const daos_key_t *dkey, unsigned nr, daos_iod_t *iods, d_sg_list_t *sgls)
{
	struct vos_pool *pool = fc->fc_pool;
	struct vos_txh  *th;
	struct vos_kbuf  kb;
	daos_epoch_t     p_obj = 0;
	bool             any_punch;
	int              rc;

	rc = vos_rtx_get(pool, &th);
	if (rc != 0)
		return rc;
	rc = vos_punch_any(pool, th, cont->vc_id, oid, &any_punch);
	if (rc == 0 && any_punch)
		rc = vos_punch_max(pool, th, cont->vc_id, oid, dkey, NULL, epoch, &p_obj);
	if (rc != 0)
		return rc;

	for (unsigned i = 0; i < nr; i++) {
		daos_iod_t   *iod   = &iods[i];
		d_sg_list_t  *sgl   = sgls != NULL ? &sgls[i] : NULL;
		daos_epoch_t  punch = p_obj;

		if (any_punch) {
			struct vos_kbuf pk;
			daos_epoch_t    p;

			vos_key_punch(&pk, cont->vc_id, oid, VOS_PUNCH_AKEY, dkey, &iod->iod_name);
			rc = vos_punch_level_max(pool, th, &pk, epoch, &p);
			if (rc != 0)
				return rc;
			if (p > punch)
				punch = p;
		}
		vos_key_path(&kb, cont->vc_id, oid, dkey, &iod->iod_name);
		if (iod->iod_type == DAOS_IOD_SINGLE)
			rc = fetch_single(fc, th, &kb, epoch, punch, iod, sgl);
		else
			rc = fetch_array(fc, th, &kb, epoch, punch, iod, sgl);
		if (rc == -DER_REC2BIG) {
			/* DAOS reports every size before failing the fetch. */
			fc->fc_soft = rc;
			continue;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- Completion ---- */

/* What the plan of fc owns (not fc itself). */
static void
fetch_plan_free(struct vos_fetch *fc)
{
	for (uint32_t i = 0; i < fc->fc_nr; i++) {
		free(fc->fc_reads[i].fr_bounce);
		free(fc->fc_reads[i].fr_csums);
	}
	free(fc->fc_reads);
}

static void
fetch_free(struct vos_fetch *fc)
{
	fetch_plan_free(fc);
	free(fc);
}

/* Verifies one completed read and copies its bytes out. */
static int
fread_finish(struct vos_pool *pool, struct fread *r)
{
	if (r->fr_rc != 0) {
		D_ERROR("%s: blob read at %" PRIu64 " failed: " DF_RC "\n", pool->vp_dir, r->fr_off,
			DP_RC(r->fr_rc));
		return r->fr_rc;
	}
	if (r->fr_kind == FR_SV) {
		if (d_crc32c(0, r->fr_buf, r->fr_size) != r->fr_csum) {
			D_ERROR("%s: blob single value at %" PRIu64 " fails its checksum\n",
				pool->vp_dir, r->fr_ext);
			vos_blob_csum_error(pool);
			return -DER_CSUM;
		}
	} else {
		for (uint32_t i = 0; i < r->fr_ncsum; i++) {
			uint64_t c  = r->fr_c0 + i;
			uint64_t cl = r->fr_size - c * VOS_CSUM_CHUNK;

			if (cl > VOS_CSUM_CHUNK)
				cl = VOS_CSUM_CHUNK;
			if (d_crc32c(0, r->fr_buf + (uint64_t)i * VOS_CSUM_CHUNK, cl) !=
			    r->fr_csums[i]) {
				D_ERROR("%s: blob array extent at %" PRIu64 " fails its checksum "
					"(chunk %" PRIu64 ")\n", pool->vp_dir, r->fr_ext, c);
				vos_blob_csum_error(pool);
				return -DER_CSUM;
			}
		}
	}
	if (r->fr_bounce != NULL)
		vos_sgl_put(r->fr_sgl, r->fr_out, r->fr_buf + r->fr_skip, r->fr_copy);
	return 0;
}

/* The finish step (F3): every read completed. */
static void
fetch_finish(struct vos_fetch *fc)
{
	struct vos_pool *pool = fc->fc_pool;
	int              rc   = 0;

	assert(fc->fc_pending == 0);
	for (uint32_t i = 0; i < fc->fc_nr; i++) {
		struct fread *r = &fc->fc_reads[i];

		if (rc == 0)
			rc = fread_finish(pool, r);
	}
	assert(pool->vp_reads_inflight > 0);
	pool->vp_reads_inflight--;
	if (fc->fc_prev != NULL)
		fc->fc_prev->fc_next = fc->fc_next;
	else
		pool->vp_reads_head = fc->fc_next;
	if (fc->fc_next != NULL)
		fc->fc_next->fc_prev = fc->fc_prev;
	else
		pool->vp_reads_tail = fc->fc_prev;
	fc->fc_rc   = rc != 0 ? rc : fc->fc_soft;
	fc->fc_done = true;
}

static void
fread_cb(void *arg, int rc)
{
	struct fread *r  = arg;
	struct vos_fetch *fc = r->fr_fetch;

	if (rc != 0 && r->fr_rc == 0)
		r->fr_rc = rc; /* the first failed piece of the read */
	assert(fc->fc_pending > 0);
	if (--fc->fc_pending > 0)
		return;
	fetch_finish(fc);
	if (fc->fc_cb != NULL) {
		fc->fc_cb(fc->fc_arg, fc->fc_rc);
		fetch_free(fc);
	}
}

/* Submits every planned read; returns with fc_done set when they all completed meanwhile. */
static void
fetch_submit(struct vos_fetch *fc)
{
	struct vos_pool *pool = fc->fc_pool;
	int              err  = 0;

	/* F1: in start order, so the head read the oldest state of all in flight. */
	fc->fc_seq  = pool->vp_commit_seq;
	fc->fc_prev = pool->vp_reads_tail;
	fc->fc_next = NULL;
	if (pool->vp_reads_tail != NULL)
		pool->vp_reads_tail->fc_next = fc;
	else
		pool->vp_reads_head = fc;
	pool->vp_reads_tail = fc;
	pool->vp_reads_inflight++;
	fc->fc_pending = 1; /* F3: the submission guard */
	for (uint32_t i = 0; i < fc->fc_nr; i++) {
		struct fread *r  = &fc->fc_reads[i];
		struct iovec  io = {.iov_base = r->fr_buf, .iov_len = r->fr_len};
		/* A full ring runs completions (other fetches' too, never this one's: F3). */
		int           rc = err != 0 ? err
					    : vos_blob_submit(pool, false, r->fr_off, &io, 1, fread_cb, r);

		if (rc == 0) {
			fc->fc_pending++;
			continue;
		}
		/* Not submitted: this read and the following ones fail with rc. */
		err      = rc;
		r->fr_rc = rc;
	}
	if (--fc->fc_pending == 0)
		fetch_finish(fc);
}

/* ---- Entry points ---- */

/* Argument checks shared by both entry points (nothing is read yet). */
static int
fetch_check(struct vos_cont *cont, const daos_key_t *dkey, unsigned nr, daos_iod_t *iods,
	    d_sg_list_t *sgls)
{
	int rc;

	if (cont == NULL || nr == 0 || nr > VOS_IOD_NR_MAX || iods == NULL)
		return -DER_INVAL;
	rc = vos_check_key(dkey);
	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < nr; i++) {
		uint64_t recs;
		uint64_t bytes;
		uint64_t cap;

		rc = vos_check_iod(dkey, &iods[i], false, 0, &recs, &bytes);
		if (rc != 0)
			return rc;
		if (sgls == NULL) {
			/* Only size queries can go without buffers. */
			if (iods[i].iod_size != DAOS_REC_ANY)
				return -DER_INVAL;
			continue;
		}
		rc = vos_sgl_size(&sgls[i], true, &cap);
		if (rc != 0)
			return rc;
		if (iods[i].iod_type == DAOS_IOD_ARRAY && bytes > cap)
			return -DER_REC2BIG;
	}
	return 0;
}

/* Checks, walks and submits; *fcp is the fetch when reads are in flight (rc 0). */
static int
fetch_start(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch, const daos_key_t *dkey,
	    unsigned nr, daos_iod_t *iods, d_sg_list_t *sgls, vos_fetch_cb_t cb, void *arg,
	    struct vos_fetch **fcp)
{
	struct vos_fetch  walk = {0};
	struct vos_fetch *fc;
	int               rc;

	*fcp = NULL;
	rc   = fetch_check(cont, dkey, nr, iods, sgls);
	if (rc != 0)
		return rc;
	/* The walk runs on the stack: most fetches (inline values) need nothing more. */
	walk.fc_pool = cont->vc_pool;
	walk.fc_cb   = cb;
	walk.fc_arg  = arg;
	rc           = fetch_walk(&walk, cont, oid, epoch, dkey, nr, iods, sgls);
	if (rc != 0 || walk.fc_nr == 0) {
		rc = rc != 0 ? rc : walk.fc_soft;
		fetch_plan_free(&walk);
		return rc;
	}
	fc = malloc(sizeof(*fc));
	if (fc == NULL) {
		fetch_plan_free(&walk);
		return -DER_NOMEM;
	}
	*fc = walk;
	for (uint32_t i = 0; i < fc->fc_nr; i++)
		fc->fc_reads[i].fr_fetch = fc;
	fetch_submit(fc);
	if (fc->fc_done) {
		rc = fc->fc_rc;
		fetch_free(fc);
		return rc;
	}
	*fcp = fc;
	return 0;
}

int
vos_obj_fetch_begin(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		    const daos_key_t *dkey, unsigned nr, daos_iod_t *iods, d_sg_list_t *sgls,
		    vos_fetch_cb_t cb, void *arg)
{
	struct vos_fetch *fc;
	int           rc;

	if (cb == NULL)
		return -DER_INVAL;
	rc = fetch_start(cont, oid, epoch, dkey, nr, iods, sgls, cb, arg, &fc);
	return fc != NULL ? VOS_FETCH_PENDING : rc;
}

int
vos_obj_fetch(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	      const daos_key_t *dkey, unsigned nr, daos_iod_t *iods, d_sg_list_t *sgls)
{
	struct vos_fetch *fc;
	int           rc;

	rc = fetch_start(cont, oid, epoch, dkey, nr, iods, sgls, NULL, NULL, &fc);
	if (fc == NULL)
		return rc;
	/* The caller's buffers belong to the kernel until every read completed. */
	while (!fc->fc_done) {
		rc = bio_ring_poll(fc->fc_pool->vp_ring, VOS_POLL_WAIT_US);
		assert(rc >= 0 && "io_uring failed under a fetch's reads");
	}
	rc = fc->fc_rc;
	fetch_free(fc);
	return rc;
}

uint64_t
vos_fetch_horizon(const struct vos_pool *pool)
{
	return pool->vp_reads_head != NULL ? pool->vp_reads_head->fc_seq : UINT64_MAX;
}

void
vos_pool_drain_reads(struct vos_pool *pool)
{
	while (pool->vp_reads_inflight > 0) {
		int rc = bio_ring_poll(pool->vp_ring, VOS_POLL_WAIT_US);

		assert(rc >= 0 && "io_uring failed under fetches' reads");
		(void)rc;
	}
}
