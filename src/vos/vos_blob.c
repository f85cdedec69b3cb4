/*
 * vos_blob.c: values in the target's blob: the free-extent map and its
 * deferred frees, the staging and completion of blob writes, blob reads, and
 * the consistency check of the blob's space.
 *
 * Space. The free map lives in two tables of the pool's LMDB environment, so
 * one commit changes the allocations and the records that reference them
 * together: `free` (offset -> length) answers "who are my neighbours" when an
 * extent comes back, `free_sz` (length | offset) gives the best fit in one
 * seek (the smallest extent at least as long; the lowest offset among equal
 * ones, so a fresh blob fills from the start and writes stay sequential).
 * An extent that a committed record references and a transaction stops
 * referencing (overwrite at the same epoch, container destroy, aggregation)
 * does not go back to the free map in that transaction but to `pend`, tagged
 * with the sequence of the commit that frees it. A later transaction, begun
 * after that commit returned (and so was synced), moves it to the free map.
 * Reused at once, the extent could receive a new value's data before the
 * commit, and a crash would leave the committed index pointing at foreign
 * data.
 *
 * Writes. An update copies a blob value into the staging ring (aligned
 * memory allocated at open) chunk by chunk, computing its checksums on the
 * copy (so they describe exactly what is written), zero-pads it to BIO_ALIGN
 * and submits it in VOS_STAGE_PIECE pieces before returning; the commit waits
 * for all of them, flushes the device once and only then commits the index
 * (T5 in vos_tx.c). Staging memory is released in submission order once a
 * write completed: a batch larger than the ring waits for its own earlier
 * writes. A value of VOS_ZC_MIN bytes or more in BIO_ALIGN-aligned buffers
 * is written straight from them instead (only a partial last block is
 * staged), checksummed while the device reads the same memory, and the
 * update waits for that write, so the caller's buffers are free on return
 * either way. Large single values are read the same way, straight into an
 * aligned caller buffer.
 *
 * Invariants
 *   B1. Free extents, pending extents and the extents referenced by records
 *       exactly tile [0, blob size) in every committed state
 *       (vos_pool_check()).
 *   B2. The free map is coalesced (no two free extents adjacent) and free_sz
 *       mirrors free exactly.
 *   B3. An extent in pend moves to the free map only in a transaction whose
 *       vp_commit_seq at begin is >= its tag: the commit that freed it has
 *       returned 0, so it is durable.
 *   B4. The data of every record a commit makes reachable was written and
 *       flushed (one flush, after every write of the batch completed) before
 *       that commit.
 *   B5. Staging memory of a write is reused only after the write's callback
 *       ran; it is released in submission order.
 *   B6. No write of a batch is in flight once the batch ended (commit or
 *       abort): space an aborted batch allocated is free again and must not
 *       be written behind the back of the next batch.
 *   B7. Under buffer hold (vos_pool_set_buffer_hold()) a zero-copy write reads
 *       the caller's memory after the update returned: the commit or abort of
 *       its batch waits for it (st_zc_inflight), and so does a failing update
 *       (vos_blob_zc_drain()) before it returns, since its caller may then free
 *       the buffers at once.
 */
#define D_LOGFAC DD_FAC(vos)

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "gurt/checksum.h"
#include "gurt/log.h"
#include "vos/vos_internal.h"

/* ---- Setup ---- */

int
vos_blob_init(struct vos_pool *pool)
{
	struct vos_stage *st = &pool->vp_stage;
	void             *p  = NULL;

	if (posix_memalign(&p, BIO_ALIGN, VOS_STAGE_BYTES) != 0)
		return -DER_NOMEM;
	st->st_buf = p;
	st->st_reqs = calloc(VOS_STAGE_REQ_MAX, sizeof(*st->st_reqs));
	if (st->st_reqs == NULL)
		return -DER_NOMEM;
	return 0;
}

void
vos_blob_fini(struct vos_pool *pool)
{
	struct vos_stage *st = &pool->vp_stage;

	if (st->st_inflight > 0) {
		/* Only after the ring itself failed: the kernel may still use the memory. */
		D_ERROR("%s: %u blob writes still in flight; staging memory leaked\n",
			pool->vp_dir, st->st_inflight);
		return;
	}
	free(st->st_buf);
	free(st->st_reqs);
	memset(st, 0, sizeof(*st));
}

/* ---- Free map ---- */

static int
free_put(struct vos_pool *pool, uint64_t off, uint64_t len)
{
	MDB_txn *txn = pool->vp_wtx.th_txn;
	uint8_t  kb[16];
	uint8_t  vb[8];
	MDB_val  k   = {.mv_size = 8, .mv_data = kb};
	MDB_val  v   = {.mv_size = 8, .mv_data = vb};
	int      rc;

	assert(len > 0 && off % BIO_ALIGN == 0 && len % BIO_ALIGN == 0);
	d_put_be64(kb, off);
	d_put_le64(vb, len);
	rc = mdb_put(txn, pool->vp_dbi[VOS_DB_FREE], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return -DER_DF_INVAL;
	if (rc != 0)
		return vos_mdb2der(rc);
	d_put_be64(kb, len);
	d_put_be64(kb + 8, off);
	k.mv_size = 16;
	v.mv_size = 0;
	v.mv_data = vb;
	rc = mdb_put(txn, pool->vp_dbi[VOS_DB_FREE_SZ], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return -DER_DF_INVAL;
	return vos_mdb2der(rc);
}

static int
free_del(struct vos_pool *pool, uint64_t off, uint64_t len)
{
	MDB_txn *txn = pool->vp_wtx.th_txn;
	uint8_t  kb[16];
	MDB_val  k   = {.mv_size = 8, .mv_data = kb};
	int      rc;

	d_put_be64(kb, off);
	rc = mdb_del(txn, pool->vp_dbi[VOS_DB_FREE], &k, NULL);
	if (rc == 0) {
		d_put_be64(kb, len);
		d_put_be64(kb + 8, off);
		k.mv_size = 16;
		rc        = mdb_del(txn, pool->vp_dbi[VOS_DB_FREE_SZ], &k, NULL);
	}
	/* A missing mirror entry is damage (B2), not a missing extent. */
	return rc == MDB_NOTFOUND ? -DER_DF_INVAL : vos_mdb2der(rc);
}

void
vos_blob_est_alloc(struct vos_pool *pool, struct vos_space_est *est)
{
	/* Take the extent (two deletes), put the remainder (two puts); the same again
	 * should a later refusal of the same update give it back. */
	for (int i = 0; i < 2; i++) {
		vos_space_est_put(pool, est, VOS_DB_FREE, 8, 8);
		vos_space_est_put(pool, est, VOS_DB_FREE, 8, 8);
		vos_space_est_put(pool, est, VOS_DB_FREE_SZ, 16, 0);
		vos_space_est_put(pool, est, VOS_DB_FREE_SZ, 16, 0);
	}
}

void
vos_blob_est_defer(struct vos_pool *pool, struct vos_space_est *est)
{
	vos_space_est_put(pool, est, VOS_DB_PEND, 16, 8);
}

int
vos_blob_alloc(struct vos_pool *pool, uint64_t len, uint64_t *off)
{
	MDB_cursor *cur;
	uint8_t     kb[16];
	MDB_val     k = {.mv_size = 16, .mv_data = kb};
	MDB_val     v;
	uint64_t    flen;
	uint64_t    foff;
	int         rc;

	assert(len > 0 && len % BIO_ALIGN == 0);
	rc = vos_txh_cursor(pool, &pool->vp_wtx, VOS_DB_FREE_SZ, &cur);
	if (rc != 0)
		return rc;
	d_put_be64(kb, len);
	d_put_be64(kb + 8, 0);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return -DER_NOSPACE;
	if (rc != 0)
		return vos_mdb2der(rc);
	if (k.mv_size != 16)
		return -DER_DF_INVAL;
	flen = d_get_be64(k.mv_data);
	foff = d_get_be64((const uint8_t *)k.mv_data + 8);
	if (flen < len || vos_blob_check_extent(pool, foff, flen) != 0)
		return -DER_DF_INVAL;
	rc = free_del(pool, foff, flen);
	if (rc == 0 && flen > len)
		rc = free_put(pool, foff + len, flen - len);
	if (rc != 0)
		return rc;
	pool->vp_tx_free -= (int64_t)len;
	*off = foff;
	return 0;
}

int
vos_blob_free_now(struct vos_pool *pool, uint64_t off, uint64_t len)
{
	MDB_cursor *cur;
	uint8_t     kb[8];
	MDB_val     k = {.mv_size = 8, .mv_data = kb};
	MDB_val     v;
	uint64_t    s_off = 0, s_len = 0, p_off = 0, p_len = 0;
	bool        succ  = false, pred = false;
	int         rc;

	rc = vos_blob_check_extent(pool, off, len);
	if (rc != 0)
		return rc;
	rc = vos_txh_cursor(pool, &pool->vp_wtx, VOS_DB_FREE, &cur);
	if (rc != 0)
		return rc;
	d_put_be64(kb, off);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0) {
		if (k.mv_size != 8 || v.mv_size != 8)
			return -DER_DF_INVAL;
		s_off = d_get_be64(k.mv_data);
		s_len = d_get_le64(v.mv_data);
		if (s_off < off + len) {
			D_ERROR("%s: freeing [%" PRIu64 ", +%" PRIu64 ") overlaps a free extent\n",
				pool->vp_dir, off, len);
			return -DER_DF_INVAL;
		}
		succ = s_off == off + len;
		rc   = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	} else if (rc == MDB_NOTFOUND) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	if (rc == 0) {
		if (k.mv_size != 8 || v.mv_size != 8)
			return -DER_DF_INVAL;
		p_off = d_get_be64(k.mv_data);
		p_len = d_get_le64(v.mv_data);
		if (p_off + p_len > off) {
			D_ERROR("%s: freeing [%" PRIu64 ", +%" PRIu64 ") overlaps a free extent\n",
				pool->vp_dir, off, len);
			return -DER_DF_INVAL;
		}
		pred = p_off + p_len == off;
	} else if (rc != MDB_NOTFOUND) {
		return vos_mdb2der(rc);
	}
	if (succ) {
		rc = free_del(pool, s_off, s_len);
		if (rc != 0)
			return rc;
	}
	if (pred) {
		rc = free_del(pool, p_off, p_len);
		if (rc != 0)
			return rc;
	}
	rc = free_put(pool, pred ? p_off : off,
		      (pred ? p_len : 0) + len + (succ ? s_len : 0));
	if (rc == 0)
		pool->vp_tx_free += (int64_t)len;
	return rc;
}

int
vos_blob_defer(struct vos_pool *pool, uint64_t off, uint64_t len)
{
	uint8_t kb[16];
	uint8_t vb[8];
	MDB_val k = {.mv_size = 16, .mv_data = kb};
	MDB_val v = {.mv_size = 8, .mv_data = vb};
	int     rc;

	rc = vos_blob_check_extent(pool, off, len);
	if (rc != 0)
		return rc;
	d_put_be64(kb, pool->vp_commit_seq + 1);
	d_put_be64(kb + 8, off);
	d_put_le64(vb, len);
	rc = mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_PEND], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		D_ERROR("%s: blob extent at %" PRIu64 " freed twice\n", pool->vp_dir, off);
		return -DER_DF_INVAL;
	}
	if (rc != 0)
		return vos_mdb2der(rc);
	pool->vp_tx_pend++;
	return 0;
}

int
vos_blob_release(struct vos_pool *pool)
{
	struct vos_space_est est = {0};
	MDB_cursor          *cur;
	MDB_val              k;
	MDB_val              v;
	uint64_t             n;
	uint64_t             horizon;
	int                  rc;

	if (pool->vp_ring == NULL || pool->vp_pend_nr == 0)
		return 0;
	n = pool->vp_pend_nr < VOS_FREE_RELEASE_MAX ? pool->vp_pend_nr : VOS_FREE_RELEASE_MAX;
	for (uint64_t i = 0; i < n; i++) {
		vos_space_est_put(pool, &est, VOS_DB_FREE, 8, 8);
		vos_space_est_put(pool, &est, VOS_DB_FREE_SZ, 16, 0);
		vos_space_est_put(pool, &est, VOS_DB_PEND, 16, 8);
	}
	rc = vos_space_check(pool, &est);
	if (rc == -DER_NOSPACE) {
		/* The extents stay pending; a later transaction with room takes them. */
		D_DEBUG("%s: no room to release %" PRIu64 " blob extents yet\n", pool->vp_dir, n);
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = vos_txh_cursor(pool, &pool->vp_wtx, VOS_DB_PEND, &cur);
	if (rc != 0)
		return rc;
	horizon = vos_fetch_horizon(pool);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t seq;
		uint64_t off;
		uint64_t len;

		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (rc == MDB_NOTFOUND)
			break;
		if (rc != 0)
			return vos_mdb2der(rc);
		if (k.mv_size != 16 || v.mv_size != 8)
			return -DER_DF_INVAL;
		seq = d_get_be64(k.mv_data);
		off = d_get_be64((const uint8_t *)k.mv_data + 8);
		len = d_get_le64(v.mv_data);
		if (seq > pool->vp_commit_seq)
			break; /* B3: freed by this very transaction */
		if (seq > horizon)
			break; /* F1 (vos_fetch.c): a fetch in flight may still read it */
		rc = mdb_cursor_del(cur, 0);
		if (rc != 0)
			return vos_mdb2der(rc);
		pool->vp_tx_pend--;
		rc = vos_blob_free_now(pool, off, len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
vos_blob_bind(struct vos_pool *pool, const struct bio_blob *blob)
{
	struct vos_hdr_df hdr = pool->vp_hdr;
	uint8_t           buf[VOS_HDR_DF_LEN];
	MDB_val           k   = {.mv_size = sizeof(VOS_HDR_KEY) - 1, .mv_data = VOS_HDR_KEY};
	MDB_val           v   = {.mv_size = sizeof(buf), .mv_data = buf};
	int               rc;

	hdr.hd_blob_id   = blob->bb_id;
	hdr.hd_blob_size = blob->bb_size;
	rc               = vos_wtx_begin_raw(pool);
	if (rc != 0)
		return rc;
	vos_hdr_encode(&hdr, buf);
	rc = vos_mdb2der(mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_HDR], &k, &v, 0));
	if (rc == 0) {
		/* vos_blob_check_extent() reads the header's size. */
		pool->vp_hdr.hd_blob_size = blob->bb_size;
		rc = free_put(pool, 0, blob->bb_size);
	}
	if (rc != 0) {
		vos_wtx_abort_raw(pool);
		pool->vp_hdr.hd_blob_size = 0;
		return rc;
	}
	pool->vp_tx_free += (int64_t)blob->bb_size;
	rc = vos_wtx_commit_raw(pool);
	if (rc != 0) {
		pool->vp_hdr.hd_blob_size = 0;
		return rc;
	}
	pool->vp_hdr = hdr;
	D_INFO("%s: bound to blob %" PRIu64 " of %" PRIu64 " bytes\n", pool->vp_dir,
	       blob->bb_id, blob->bb_size);
	return 0;
}

int
vos_blob_load(struct vos_pool *pool)
{
	struct vos_txh *rtx;
	MDB_cursor     *cur;
	MDB_stat        st;
	MDB_val         k;
	MDB_val         v;
	uint64_t        total = 0;
	int             rc;

	rc = vos_rtx_get(pool, &rtx);
	if (rc != 0)
		return rc;
	rc = mdb_stat(rtx->th_txn, pool->vp_dbi[VOS_DB_PEND], &st);
	if (rc != 0)
		return vos_mdb2der(rc);
	pool->vp_pend_nr = st.ms_entries;
	rc = vos_txh_cursor(pool, rtx, VOS_DB_FREE, &cur);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (v.mv_size != 8)
			return -DER_DF_INVAL;
		total += d_get_le64(v.mv_data);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	if (total > pool->vp_hdr.hd_blob_size)
		return -DER_DF_INVAL;
	pool->vp_nvme_free = total;
	return 0;
}

int
vos_blob_check_extent(const struct vos_pool *pool, uint64_t off, uint64_t len)
{
	uint64_t size = pool->vp_hdr.hd_blob_size;

	if (len == 0 || off % BIO_ALIGN != 0 || len % BIO_ALIGN != 0 || off > size ||
	    len > size - off)
		return -DER_DF_INVAL;
	return 0;
}

/* ---- Staging and writes ---- */

static void
stage_cb(void *arg, int rc)
{
	struct vos_wreq  *wr = arg;
	struct vos_stage *st = &wr->wr_pool->vp_stage;

	wr->wr_done = true;
	if (rc != 0 && st->st_err == 0)
		st->st_err = rc;
	assert(st->st_inflight > 0);
	st->st_inflight--;
	/* B5: release the completed prefix, in submission order. */
	while (st->st_req_tail != st->st_req_head) {
		struct vos_wreq *t = &st->st_reqs[st->st_req_tail % VOS_STAGE_REQ_MAX];

		if (!t->wr_done)
			break;
		st->st_tail = t->wr_end;
		st->st_req_tail++;
	}
}

/* Runs completions, waiting for one if none is ready. -DER_IO when the ring fails. */
static int
stage_poll(struct vos_pool *pool)
{
	int rc = bio_ring_poll(pool->vp_ring, VOS_POLL_WAIT_US);

	if (rc < 0) {
		D_ERROR("%s: blob ring poll failed: " DF_RC "\n", pool->vp_dir, DP_RC(rc));
		return -DER_IO;
	}
	return 0;
}

/* Contiguous staging memory of `len` (aligned, <= VOS_STAGE_IO_MAX) bytes. */
static int
stage_reserve(struct vos_pool *pool, uint64_t len, uint8_t **p)
{
	struct vos_stage *st = &pool->vp_stage;
	uint64_t          off;
	uint64_t          pad;
	int               rc;

	assert(len > 0 && len <= VOS_STAGE_IO_MAX && len % BIO_ALIGN == 0);
	for (;;) {
		off = st->st_head % VOS_STAGE_BYTES;
		pad = off + len > VOS_STAGE_BYTES ? VOS_STAGE_BYTES - off : 0;
		if (st->st_head + pad + len - st->st_tail <= VOS_STAGE_BYTES &&
		    st->st_req_head - st->st_req_tail < VOS_STAGE_REQ_MAX)
			break;
		if (st->st_inflight == 0) {
			/* Everything released but a pad: start again from the beginning. */
			st->st_tail = st->st_head;
			continue;
		}
		rc = stage_poll(pool);
		if (rc != 0)
			return rc;
	}
	/* The pad belongs to the next request (its wr_end covers it). */
	st->st_head += pad;
	*p = st->st_buf + st->st_head % VOS_STAGE_BYTES;
	return 0;
}

int
vos_blob_submit(struct vos_pool *pool, bool write, uint64_t off, const struct iovec *io,
		unsigned nio, bio_io_cb_t cb, void *arg)
{
	for (;;) {
		int rc = write ? bio_submit_write(pool->vp_ring, &pool->vp_blob, off, io, nio, cb, arg)
			       : bio_submit_read(pool->vp_ring, &pool->vp_blob, off, io, nio, cb, arg);

		if (rc != -DER_AGAIN)
			return rc;
		rc = stage_poll(pool); /* ring full: let some complete */
		if (rc != 0)
			return rc;
	}
}

static int
stage_submit(struct vos_pool *pool, uint64_t off, uint8_t *p, uint64_t len)
{
	struct vos_stage *st = &pool->vp_stage;
	struct vos_wreq  *wr = &st->st_reqs[st->st_req_head % VOS_STAGE_REQ_MAX];
	struct iovec      iov = {.iov_base = p, .iov_len = len};
	int               rc;

	wr->wr_pool = pool;
	wr->wr_end  = st->st_head + len;
	wr->wr_done = false;
	rc          = vos_blob_submit(pool, true, off, &iov, 1, stage_cb, wr);
	if (rc != 0) {
		D_ERROR("%s: blob write at %" PRIu64 " refused: " DF_RC "\n", pool->vp_dir, off,
			DP_RC(rc));
		return rc;
	}
	st->st_head = wr->wr_end;
	st->st_req_head++;
	st->st_inflight++;
	st->st_written = true;
	return 0;
}

/* A write that cannot even be submitted: the device (or ring) failed; fail-stop (T2). */
static int
stage_fail(struct vos_pool *pool, int rc)
{
	D_ERROR("%s: blob write failed (" DF_RC "); the pool refuses writes until it is closed\n",
		pool->vp_dir, DP_RC(rc));
	pool->vp_failed = -DER_IO;
	return rc;
}

/* Completion of a zero-copy write: the update waits for it. */
struct zc_wait {
	bool zw_done;
	int  zw_rc;
};

static void
zc_cb(void *arg, int rc)
{
	struct zc_wait *zw = arg;

	zw->zw_rc   = rc;
	zw->zw_done = true;
}

/* Completion of a zero-copy write under buffer hold (B7): the commit waits for it. */
static void
zch_cb(void *arg, int rc)
{
	struct vos_pool  *pool = arg;
	struct vos_stage *st   = &pool->vp_stage;

	if (rc != 0 && st->st_err == 0)
		st->st_err = rc;
	assert(st->st_zc_inflight > 0);
	st->st_zc_inflight--;
}

/* CRC32C of bytes [from, to) of the segments (a stream). */
static uint32_t
seg_crc(uint32_t crc, const struct iovec *seg, unsigned nseg, uint64_t from, uint64_t to)
{
	for (unsigned i = 0; i < nseg && from < to; i++) {
		uint64_t l = seg[i].iov_len;

		if (from >= l) {
			from -= l;
			to -= l;
			continue;
		}
		crc = d_crc32c(crc, (const uint8_t *)seg[i].iov_base + from,
			       (to < l ? to : l) - from);
		to -= l;
		from = 0;
	}
	return crc;
}

/* The chained CRC32C and the chunk CRCs of `len` bytes of the segments. */
static void
seg_csums(const struct iovec *seg, unsigned nseg, uint64_t len, uint32_t *crc, uint8_t *csums)
{
	if (crc != NULL)
		*crc = seg_crc(*crc, seg, nseg, 0, len);
	if (csums != NULL)
		for (uint64_t c = 0; c < len; c += VOS_CSUM_CHUNK)
			d_put_le32(csums + 4 * (c / VOS_CSUM_CHUNK),
				     seg_crc(0, seg, nseg, c,
					     len - c < VOS_CSUM_CHUNK ? len : c + VOS_CSUM_CHUNK));
}

/*
 * Zero copy under buffer hold (B7): the whole blocks are written from the
 * caller's segments without waiting (the commit does), the last partial block
 * through staging like any staged write.
 */
static int
stage_zero_copy_held(struct vos_pool *pool, uint64_t off, struct vos_sgl_reader *src,
		     uint64_t len, uint32_t *crc, uint8_t *csums, const struct iovec *seg,
		     unsigned nseg, const struct iovec *io, unsigned nio, uint64_t tail)
{
	struct vos_stage *st   = &pool->vp_stage;
	uint64_t          main = len - tail;
	int               rc   = 0;

	if (nio > 0) {
		rc = vos_blob_submit(pool, true, off, io, nio, zch_cb, pool);
		if (rc != 0)
			return rc;
		st->st_zc_inflight++;
		st->st_written = true;
	}
	if (tail > 0) {
		const uint8_t *last = (const uint8_t *)seg[nseg - 1].iov_base +
				      seg[nseg - 1].iov_len - tail;
		uint8_t       *tb;

		rc = stage_reserve(pool, BIO_ALIGN, &tb);
		if (rc != 0)
			return rc;
		memcpy(tb, last, tail);
		memset(tb + tail, 0, BIO_ALIGN - tail);
		rc = stage_submit(pool, off + main, tb, BIO_ALIGN);
		if (rc != 0)
			return rc;
	}
	seg_csums(seg, nseg, len, crc, csums);
	vos_sgl_skip(src, len);
	return 0;
}

/*
 * Zero copy (B5 does not apply: no staging memory but a tail block): when the
 * next `len` bytes of the stream lie in at most BIO_IOV_MAX - 1 segments that
 * are BIO_ALIGN-aligned, all but a last partial block, writes them from there,
 * checksums them while the device reads them, and waits for the write, so the
 * caller's buffers are free when the update returns. 1: not applicable.
 */
static int
stage_zero_copy(struct vos_pool *pool, uint64_t off, struct vos_sgl_reader *src, uint64_t len,
		uint32_t *crc, uint8_t *csums)
{
	struct vos_stage *st = &pool->vp_stage;
	struct iovec      seg[BIO_IOV_MAX];
	struct iovec      io[BIO_IOV_MAX];
	struct zc_wait    zw = {false, 0};
	uint64_t          tail;
	unsigned          nseg;
	unsigned          nio = 0;
	uint8_t          *tb  = NULL;
	int               rc;

	if (len < VOS_ZC_MIN)
		return 1;
	nseg = vos_sgl_segments(src, len, seg, BIO_IOV_MAX - 1);
	if (nseg == 0)
		return 1;
	for (unsigned i = 0; i < nseg; i++)
		if ((uintptr_t)seg[i].iov_base % BIO_ALIGN != 0 ||
		    (i + 1 < nseg && seg[i].iov_len % BIO_ALIGN != 0))
			return 1;
	for (unsigned i = 0; i < nseg; i++) {
		io[nio] = seg[i];
		if (i + 1 == nseg)
			io[nio].iov_len -= seg[i].iov_len % BIO_ALIGN;
		if (io[nio].iov_len > 0)
			nio++;
	}
	tail = len % BIO_ALIGN;
	if (pool->vp_zc_hold)
		return stage_zero_copy_held(pool, off, src, len, crc, csums, seg, nseg, io, nio,
					    tail);
	/* The last partial block goes through staging, zero-padded. */
	if (tail > 0) {
		rc = stage_reserve(pool, BIO_ALIGN, &tb);
		if (rc != 0)
			return rc;
		memcpy(tb, (const uint8_t *)seg[nseg - 1].iov_base + seg[nseg - 1].iov_len - tail,
		       tail);
		memset(tb + tail, 0, BIO_ALIGN - tail);
		io[nio].iov_base = tb;
		io[nio].iov_len  = BIO_ALIGN;
		nio++;
	}
	rc = vos_blob_submit(pool, true, off, io, nio, zc_cb, &zw);
	if (rc != 0)
		return rc;
	st->st_written = true;
	/* The device and the CPU read the same memory: checksum while it writes. */
	seg_csums(seg, nseg, len, crc, csums);
	/*
	 * The buffers are the caller's: the write must be over before the update
	 * returns. Like bio's own synchronous helpers this cannot give up while the
	 * kernel reads them. The tail block was reserved but never handed to the
	 * FIFO: nothing else reserves before this returns, so it is free again.
	 */
	while (!zw.zw_done) {
		rc = bio_ring_poll(pool->vp_ring, VOS_POLL_WAIT_US);
		assert(rc >= 0 && "io_uring failed under a zero-copy write");
	}
	if (zw.zw_rc != 0) {
		if (st->st_err == 0)
			st->st_err = zw.zw_rc;
		return zw.zw_rc;
	}
	vos_sgl_skip(src, len);
	return 0;
}

int
vos_blob_stage(struct vos_pool *pool, uint64_t off, struct vos_sgl_reader *src, uint64_t len,
	       uint32_t *crc, uint8_t *csums)
{
	uint64_t done = 0;
	int      rc;

	/* Pieces start on chunk boundaries, so chunk CRCs never straddle two pieces. */
	_Static_assert(VOS_STAGE_PIECE % VOS_CSUM_CHUNK == 0, "pieces hold whole chunks");
	_Static_assert(VOS_STAGE_PIECE <= VOS_STAGE_IO_MAX, "a piece fits a reservation");
	rc = stage_zero_copy(pool, off, src, len, crc, csums);
	if (rc <= 0)
		return rc == 0 ? 0 : stage_fail(pool, rc);
	while (done < len) {
		uint64_t n    = len - done < VOS_STAGE_PIECE ? len - done : VOS_STAGE_PIECE;
		uint64_t alen = vos_blob_round(n);
		uint8_t *p;

		rc = stage_reserve(pool, alen, &p);
		if (rc != 0)
			return stage_fail(pool, rc);
		/* Copy and checksum chunk by chunk, while the chunk is still in the cache. */
		for (uint64_t c = 0; c < n; c += VOS_CSUM_CHUNK) {
			uint64_t cl = n - c < VOS_CSUM_CHUNK ? n - c : VOS_CSUM_CHUNK;

			vos_sgl_read(src, p + c, cl);
			if (crc != NULL)
				*crc = d_crc32c(*crc, p + c, cl);
			if (csums != NULL)
				d_put_le32(csums + 4 * ((done + c) / VOS_CSUM_CHUNK),
					     d_crc32c(0, p + c, cl));
		}
		memset(p + n, 0, alen - n);
		rc = stage_submit(pool, off + done, p, alen);
		if (rc != 0)
			return stage_fail(pool, rc);
		done += n;
	}
	return 0;
}

int
vos_blob_tx_complete(struct vos_pool *pool)
{
	struct vos_stage *st = &pool->vp_stage;
	int               rc;

	if (pool->vp_ring == NULL)
		return 0;
	while (st->st_inflight > 0 || st->st_zc_inflight > 0) {
		rc = stage_poll(pool);
		if (rc != 0)
			return rc;
	}
	if (st->st_err != 0)
		return st->st_err;
	if (!st->st_written)
		return 0;
	/* B4: one flush, after every write of the batch completed. */
	rc = bio_flush(pool->vp_ring, pool->vp_blob.bb_dev);
	if (rc != 0)
		D_ERROR("%s: blob flush failed: " DF_RC "\n", pool->vp_dir, DP_RC(rc));
	return rc;
}

void
vos_blob_tx_reset(struct vos_pool *pool, bool committed)
{
	struct vos_stage *st = &pool->vp_stage;

	if (pool->vp_ring != NULL) {
		/* B6: the kernel may not be writing into space the next batch allocates. */
		while (st->st_inflight > 0 || st->st_zc_inflight > 0)
			if (stage_poll(pool) != 0)
				break;
		if (st->st_inflight == 0) {
			st->st_tail     = st->st_head;
			st->st_req_tail = st->st_req_head;
		}
		st->st_err     = 0;
		st->st_written = false;
	}
	if (committed) {
		pool->vp_nvme_free = (uint64_t)((int64_t)pool->vp_nvme_free + pool->vp_tx_free);
		pool->vp_pend_nr   = (uint64_t)((int64_t)pool->vp_pend_nr + pool->vp_tx_pend);
	}
	pool->vp_tx_free = 0;
	pool->vp_tx_pend = 0;
}

void
vos_blob_zc_drain(struct vos_pool *pool)
{
	struct vos_stage *st = &pool->vp_stage;

	/* B7: the caller frees its buffers once this returns; the kernel must be done. */
	while (pool->vp_ring != NULL && st->st_zc_inflight > 0) {
		int rc = bio_ring_poll(pool->vp_ring, VOS_POLL_WAIT_US);

		assert(rc >= 0 && "io_uring failed under a zero-copy write");
		(void)rc;
	}
}

/* ---- Reads (vos_fetch.c) ---- */

void
vos_blob_csum_error(struct vos_pool *pool)
{
	vos_csum_error(pool);
	bio_csum_error(pool->vp_ring, pool->vp_blob.bb_dev);
}

/* ---- Test accessor ---- */

int
vos_blob_value_extent(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		      const daos_key_t *dkey, const daos_key_t *akey, uint64_t idx,
		      uint64_t *off, uint64_t *len)
{
	struct vos_pool   *pool;
	struct vos_txh    *th;
	struct vos_akey_df ak;
	struct vos_val_df  d;
	struct vos_kbuf    kb;
	MDB_cursor        *cur;
	MDB_val            k;
	MDB_val            v;
	size_t             plen;
	int                rc;

	if (cont == NULL || off == NULL || len == NULL || vos_check_keys(dkey, akey) != 0)
		return -DER_INVAL;
	pool = cont->vc_pool;
	rc   = vos_rtx_get(pool, &th);
	if (rc != 0)
		return rc;
	vos_key_path(&kb, cont->vc_id, oid, dkey, akey);
	plen      = kb.kb_len;
	k.mv_size = plen;
	k.mv_data = kb.kb_buf;
	rc        = mdb_get(th->th_txn, pool->vp_dbi[VOS_DB_KEY], &k, &v);
	if (rc == 0)
		rc = vos_akey_decode(&v, &ak);
	else
		rc = vos_mdb2der(rc);
	if (rc != 0)
		return rc;
	if (ak.ad_type == DAOS_IOD_SINGLE) {
		vos_key_add_epoch(&kb, epoch);
		k.mv_size = kb.kb_len;
		rc        = mdb_get(th->th_txn, pool->vp_dbi[VOS_DB_SV], &k, &v);
		if (rc != 0)
			return vos_mdb2der(rc);
		rc = vos_val_decode(&v, false, 0, &d);
	} else {
		vos_key_add_u8(&kb, VOS_EXT_DATA);
		vos_key_add_u64(&kb, idx);
		vos_key_add_epoch(&kb, epoch);
		rc = vos_txh_cursor(pool, th, VOS_DB_EV, &cur);
		if (rc != 0)
			return rc;
		k.mv_size = kb.kb_len;
		k.mv_data = kb.kb_buf;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc != 0)
			return vos_mdb2der(rc);
		if (!vos_key_has_prefix(&k, kb.kb_buf, kb.kb_len))
			return -DER_NONEXIST;
		rc = vos_val_decode(&v, true, ak.ad_rsize, &d);
	}
	if (rc != 0)
		return rc;
	if (d.vd_flags != VOS_VF_BLOB)
		return -DER_NONEXIST;
	*off = d.vd_blob_off;
	*len = d.vd_blob_len;
	return 0;
}

/* ---- Consistency check ---- */

enum chk_kind { CHK_FREE, CHK_PEND, CHK_SV, CHK_EV };

static const char *const chk_names[] = {"free extent", "pending free extent", "sv value",
					"ev extent"};

struct chk_ext {
	uint64_t ce_off;
	uint64_t ce_len;
	uint32_t ce_cid;
	uint32_t ce_kind;
};

struct chk_ctx {
	struct vos_pool *cx_pool;
	struct chk_ext  *cx_ext;
	uint64_t         cx_nr;
	uint64_t         cx_cap;
	char            *cx_err;
	size_t           cx_errlen;
};

static int
chk_fail(struct chk_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
chk_fail(struct chk_ctx *cx, const char *fmt, ...)
{
	va_list ap;

	if (cx->cx_err != NULL && cx->cx_errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(cx->cx_err, cx->cx_errlen, fmt, ap);
		va_end(ap);
	}
	return -DER_DF_INVAL;
}

static int
chk_add(struct chk_ctx *cx, uint64_t off, uint64_t len, uint32_t cid, enum chk_kind kind)
{
	if (vos_blob_check_extent(cx->cx_pool, off, len) != 0)
		return chk_fail(cx, "%s [%" PRIu64 ", +%" PRIu64 ") is not an aligned extent "
				"inside the blob of %" PRIu64 " bytes", chk_names[kind], off, len,
				cx->cx_pool->vp_hdr.hd_blob_size);
	if (cx->cx_nr == cx->cx_cap) {
		uint64_t        cap = cx->cx_cap == 0 ? 1024 : cx->cx_cap * 2;
		struct chk_ext *p;

		if (cap > VOS_CHECK_EXTENTS_MAX)
			return chk_fail(cx, "more than %llu extents to check",
					(unsigned long long)VOS_CHECK_EXTENTS_MAX);
		p = realloc(cx->cx_ext, cap * sizeof(*p));
		if (p == NULL)
			return -DER_NOMEM;
		cx->cx_ext = p;
		cx->cx_cap = cap;
	}
	cx->cx_ext[cx->cx_nr++] = (struct chk_ext){off, len, cid, kind};
	return 0;
}

static int
chk_cmp_off(const void *a, const void *b)
{
	const struct chk_ext *x = a;
	const struct chk_ext *y = b;

	return x->ce_off < y->ce_off ? -1 : x->ce_off > y->ce_off;
}

static int
chk_cmp_cid(const void *a, const void *b)
{
	const struct chk_ext *x = a;
	const struct chk_ext *y = b;

	return x->ce_cid < y->ce_cid ? -1 : x->ce_cid > y->ce_cid;
}

/* Free map, its mirror and the pending frees. */
static int
chk_free(struct chk_ctx *cx, struct vos_txh *th, uint64_t *free_total)
{
	struct vos_pool *pool = cx->cx_pool;
	MDB_cursor      *cur;
	MDB_stat         st;
	MDB_val          k;
	MDB_val          v;
	uint64_t         nfree = 0;
	uint64_t         npend = 0;
	int              rc;

	*free_total = 0;
	rc = vos_txh_cursor(pool, th, VOS_DB_FREE, &cur);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t  kb[16];
		MDB_val  sk = {.mv_size = 16, .mv_data = kb};
		MDB_val  sv;
		uint64_t off;
		uint64_t len;
		int      rc2;

		if (k.mv_size != 8 || v.mv_size != 8)
			return chk_fail(cx, "malformed free map entry");
		off = d_get_be64(k.mv_data);
		len = d_get_le64(v.mv_data);
		d_put_be64(kb, len);
		d_put_be64(kb + 8, off);
		rc2 = mdb_get(th->th_txn, pool->vp_dbi[VOS_DB_FREE_SZ], &sk, &sv);
		if (rc2 == MDB_NOTFOUND)
			return chk_fail(cx, "free extent [%" PRIu64 ", +%" PRIu64 ") missing from "
					"the by-size index", off, len);
		if (rc2 != 0)
			return vos_mdb2der(rc2);
		rc2 = chk_add(cx, off, len, 0, CHK_FREE);
		if (rc2 != 0)
			return rc2;
		*free_total += len;
		nfree++;
	}
	if (rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	rc = mdb_stat(th->th_txn, pool->vp_dbi[VOS_DB_FREE_SZ], &st);
	if (rc != 0)
		return vos_mdb2der(rc);
	if (st.ms_entries != nfree)
		return chk_fail(cx, "by-size index holds %" PRIu64 " entries, free map %" PRIu64,
				(uint64_t)st.ms_entries, nfree);

	rc = vos_txh_cursor(pool, th, VOS_DB_PEND, &cur);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int rc2;

		if (k.mv_size != 16 || v.mv_size != 8)
			return chk_fail(cx, "malformed pending free entry");
		if (d_get_be64(k.mv_data) > pool->vp_commit_seq)
			return chk_fail(cx, "pending free tagged with commit %" PRIu64 " after the "
					"last commit %" PRIu64, d_get_be64(k.mv_data),
					pool->vp_commit_seq);
		rc2 = chk_add(cx, d_get_be64((const uint8_t *)k.mv_data + 8),
			      d_get_le64(v.mv_data), 0, CHK_PEND);
		if (rc2 != 0)
			return rc2;
		npend++;
	}
	if (rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	if (npend != pool->vp_pend_nr)
		return chk_fail(cx, "%" PRIu64 " pending frees, %" PRIu64 " counted in memory",
				npend, pool->vp_pend_nr);
	return 0;
}

/* Blob extents of the single values and array extents. */
static int
chk_values(struct chk_ctx *cx, struct vos_txh *th)
{
	struct vos_pool   *pool = cx->cx_pool;
	struct vos_akey_df ak   = {0};
	uint8_t            path[VOS_KEY_BUF];
	size_t             path_len = 0;
	MDB_cursor        *cur;
	MDB_val            k;
	MDB_val            v;
	int                rc;

	rc = vos_txh_cursor(pool, th, VOS_DB_SV, &cur);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct vos_val_df d;
		int               rc2;

		if (k.mv_size < VOS_OBJKEY_LEN + 8)
			return chk_fail(cx, "malformed sv key");
		rc2 = vos_val_decode(&v, false, 0, &d);
		if (rc2 != 0)
			return chk_fail(cx, "undecodable single value record");
		if (d.vd_flags != VOS_VF_BLOB)
			continue;
		rc2 = chk_add(cx, d.vd_blob_off, d.vd_blob_len, d_get_be32(k.mv_data), CHK_SV);
		if (rc2 != 0)
			return rc2;
	}
	if (rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);

	rc = vos_txh_cursor(pool, th, VOS_DB_EV, &cur);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct vos_val_df d;
		size_t            plen;
		int               rc2;

		if (k.mv_size < VOS_OBJKEY_LEN + VOS_EXT_SUFFIX_LEN || k.mv_size >= VOS_KEY_BUF)
			return chk_fail(cx, "malformed ev key");
		plen = k.mv_size - VOS_EXT_SUFFIX_LEN;
		if (plen != path_len || memcmp(path, k.mv_data, plen) != 0) {
			MDB_val pk = {.mv_size = plen, .mv_data = path};
			MDB_val pv;

			memcpy(path, k.mv_data, plen);
			path_len = plen;
			rc2      = mdb_get(th->th_txn, pool->vp_dbi[VOS_DB_KEY], &pk, &pv);
			if (rc2 != 0 || vos_akey_decode(&pv, &ak) != 0)
				return chk_fail(cx, "array extent without a valid akey record");
		}
		rc2 = vos_val_decode(&v, true, ak.ad_rsize, &d);
		if (rc2 != 0)
			return chk_fail(cx, "undecodable array extent record");
		if (d.vd_flags != VOS_VF_BLOB)
			continue;
		rc2 = chk_add(cx, d.vd_blob_off, d.vd_blob_len, d_get_be32(k.mv_data), CHK_EV);
		if (rc2 != 0)
			return rc2;
	}
	return rc == MDB_NOTFOUND ? 0 : vos_mdb2der(rc);
}

/* Per-container sums against the container records (those being destroyed excepted). */
static int
chk_conts(struct chk_ctx *cx, struct vos_txh *th)
{
	struct vos_pool *pool = cx->cx_pool;
	MDB_cursor      *cur;
	MDB_val          k;
	MDB_val          v;
	uint64_t         first = 0;
	int              rc;

	qsort(cx->cx_ext, cx->cx_nr, sizeof(*cx->cx_ext), chk_cmp_cid);
	/* Free and pending entries carry cid 0 and sort first. */
	while (first < cx->cx_nr && cx->cx_ext[first].ce_cid == 0)
		first++;
	rc = vos_txh_cursor(pool, th, VOS_DB_CONT, &cur);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct vos_cont_df cd;
		uint64_t           sum = 0;
		uint64_t           lo  = first;
		uint64_t           hi;

		if (vos_cont_decode(&v, &cd) != 0)
			return chk_fail(cx, "undecodable container record");
		if (cd.cd_flags & VOS_CONT_DESTROYING)
			continue;
		/* Binary search of the first extent of this container. */
		hi = cx->cx_nr;
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;

			if (cx->cx_ext[mid].ce_cid < cd.cd_id)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < cx->cx_nr && cx->cx_ext[lo].ce_cid == cd.cd_id; lo++)
			sum += cx->cx_ext[lo].ce_len;
		if (sum != cd.cd_nvme_used)
			return chk_fail(cx, "container %u references %" PRIu64 " blob bytes, its "
					"record says %" PRIu64, cd.cd_id, sum, cd.cd_nvme_used);
	}
	return rc == MDB_NOTFOUND ? 0 : vos_mdb2der(rc);
}

/* B1 and B2 over the sorted extents. */
static int
chk_tiling(struct chk_ctx *cx)
{
	uint64_t pos  = 0;
	uint64_t size = cx->cx_pool->vp_hdr.hd_blob_size;

	qsort(cx->cx_ext, cx->cx_nr, sizeof(*cx->cx_ext), chk_cmp_off);
	for (uint64_t i = 0; i < cx->cx_nr; i++) {
		const struct chk_ext *e = &cx->cx_ext[i];

		if (e->ce_off > pos)
			return chk_fail(cx, "blob bytes [%" PRIu64 ", %" PRIu64 ") are neither free "
					"nor referenced (leaked)", pos, e->ce_off);
		if (e->ce_off < pos) {
			const struct chk_ext *p = &cx->cx_ext[i - 1];

			return chk_fail(cx, "extent [%" PRIu64 ", %" PRIu64 ") of %s overlaps "
					"[%" PRIu64 ", %" PRIu64 ") of %s", e->ce_off,
					e->ce_off + e->ce_len, chk_names[e->ce_kind], p->ce_off,
					p->ce_off + p->ce_len, chk_names[p->ce_kind]);
		}
		if (i > 0 && e->ce_kind == CHK_FREE && cx->cx_ext[i - 1].ce_kind == CHK_FREE)
			return chk_fail(cx, "free extents at %" PRIu64 " and %" PRIu64 " are "
					"adjacent (not coalesced)", cx->cx_ext[i - 1].ce_off,
					e->ce_off);
		pos = e->ce_off + e->ce_len;
	}
	if (pos != size)
		return chk_fail(cx, "blob bytes [%" PRIu64 ", %" PRIu64 ") are neither free nor "
				"referenced (leaked)", pos, size);
	return 0;
}

int
vos_pool_check(struct vos_pool *pool, char *errbuf, size_t errlen)
{
	struct chk_ctx  cx = {.cx_pool = pool, .cx_err = errbuf, .cx_errlen = errlen};
	struct vos_txh *th;
	uint64_t        free_total;
	int             rc;

	if (pool == NULL)
		return -DER_INVAL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	rc = vos_rtx_get(pool, &th);
	if (rc != 0)
		return rc;
	rc = chk_free(&cx, th, &free_total);
	if (rc != 0)
		goto out;
	if (pool->vp_hdr.hd_blob_size == 0) {
		if (cx.cx_nr > 0)
			rc = chk_fail(&cx, "free map entries in a pool without a blob");
		goto out;
	}
	if (free_total != pool->vp_nvme_free) {
		rc = chk_fail(&cx, "free map holds %" PRIu64 " bytes, %" PRIu64 " counted in "
			      "memory", free_total, pool->vp_nvme_free);
		goto out;
	}
	rc = chk_values(&cx, th);
	if (rc == 0)
		rc = chk_tiling(&cx);
	if (rc == 0)
		rc = chk_conts(&cx, th);
out:
	if (rc == -DER_DF_INVAL)
		D_ERROR("%s: check: %s\n", pool->vp_dir, errbuf != NULL ? errbuf : "failed");
	free(cx.cx_ext);
	return rc;
}
