/*
 * vos_io.c: update of single values and arrays, and the argument checks the
 * other entry points share (fetch: vos_fetch.c).
 *
 * Update is two-phase: a plan phase reads what it needs through the write
 * transaction (akey records, a value it would replace) and checks every
 * refusal (types, record size, space), then an apply phase puts the
 * records. Only an LMDB failure can stop the apply phase, and that poisons
 * the batch (vos_tx.c), so an update is all or nothing.
 *
 * Inline value records are written with MDB_RESERVE: the data goes from the
 * caller's sgl straight into the page, and its CRC32C is computed there.
 * Values above the inline threshold (a single value, or the data of one
 * array extent) go to the blob: the plan phase allocates their extents
 * (after every other check, so that -DER_NOSPACE for the blob gives them
 * back and leaves the batch as it was), the apply phase stages the data and
 * submits its writes (vos_blob.c) and puts records holding the offset and
 * the checksums. Fetch verifies the CRC32C of every value or extent piece it
 * returns data from (-DER_CSUM, counted) before copying: single values
 * whole, inline extents whole, blob extents per VOS_CSUM_CHUNK (only the
 * chunks the read needs are read). A single value of size 0 is written as
 * an akey punch marker (vos.h, V2); an array iod of size 0 as holes.
 *
 * Invariants
 *   I1. Every put of the apply phase was counted in the plan's space
 *       estimate (vos_space.c, S1).
 *   I2. An akey's type never changes; an array's record size never changes
 *       once data was written (a hole-only array has rsize 0).
 *   I3. Each inline extent record holds at most max(VOS_EXTENT_CHUNK_MAX
 *       bytes, one record) of data, each blob extent record at most
 *       max(VOS_BLOB_CHUNK_MAX bytes, one record); ad_longest / ad_longest_hole bound the records of
 *       every data / hole record of the akey; ad_minor exceeds every minor
 *       used by the akey.
 *   I4. ad_first/ad_last and od_first/od_last bound the epochs of every data
 *       write (non-empty single value, data extent) of the akey/object, and
 *       are the epochs of such writes unless the record is LOOSE (aggregation
 *       removed versions: vos_agg.c, G5).
 *   I5. Every blob extent the apply phase references was allocated by the
 *       plan phase of the same call, in the same order (pool->vp_alloc).
 */
#define D_LOGFAC DD_FAC(vos)

#include <inttypes.h>
#include <stdlib.h>

#include "gurt/checksum.h"
#include "gurt/log.h"
#include "vos/vos_internal.h"

/* ---- Argument checks ---- */

bool
vos_epoch_valid_update(daos_epoch_t epoch)
{
	/* 0 is "before everything" and DAOS_EPOCH_MAX "latest": neither names a write. */
	return epoch != 0 && epoch != DAOS_EPOCH_MAX;
}

int
vos_check_key(const daos_key_t *key)
{
	if (key == NULL || key->iov_buf == NULL || key->iov_len == 0 ||
	    key->iov_len > key->iov_buf_len)
		return -DER_INVAL;
	if (key->iov_len > VOS_KEYS_MAX)
		return -DER_KEY2BIG;
	return 0;
}

int
vos_check_keys(const daos_key_t *dkey, const daos_key_t *akey)
{
	int rc;

	rc = vos_check_key(dkey);
	if (rc == 0)
		rc = vos_check_key(akey);
	if (rc == 0 && dkey->iov_len + akey->iov_len > VOS_KEYS_MAX)
		rc = -DER_KEY2BIG;
	return rc;
}

/* Bytes an sgl carries (update: iov_len) or can hold (fetch: iov_buf_len). */
int
vos_sgl_size(const d_sg_list_t *sgl, bool capacity, uint64_t *size)
{
	uint64_t total = 0;

	if (sgl->sg_nr > VOS_SGL_NR_MAX || (sgl->sg_nr > 0 && sgl->sg_iovs == NULL))
		return -DER_INVAL;
	for (uint32_t i = 0; i < sgl->sg_nr; i++) {
		const d_iov_t *iov = &sgl->sg_iovs[i];
		size_t         len = capacity ? iov->iov_buf_len : iov->iov_len;

		if ((!capacity && iov->iov_len > iov->iov_buf_len) ||
		    (len > 0 && iov->iov_buf == NULL))
			return -DER_INVAL;
		if (len > UINT64_MAX - total)
			return -DER_INVAL;
		total += len;
	}
	*size = total;
	return 0;
}

/* Declared in vos_internal.h. */
int
vos_check_iod(const daos_key_t *dkey, const daos_iod_t *iod, bool update, uint64_t sv_max,
	  uint64_t *recs, uint64_t *bytes)
{
	uint64_t total = 0;
	int      rc;

	rc = vos_check_keys(dkey, &iod->iod_name);
	if (rc != 0)
		return rc;
	if (iod->iod_flags != 0)
		return -DER_INVAL;
	switch (iod->iod_type) {
	case DAOS_IOD_SINGLE:
		if (iod->iod_nr != 1)
			return -DER_INVAL;
		if (update && iod->iod_size > sv_max)
			return -DER_REC2BIG;
		*recs  = 1;
		*bytes = update ? iod->iod_size : 0;
		return 0;
	case DAOS_IOD_ARRAY:
		if (iod->iod_nr == 0 || iod->iod_nr > VOS_RECX_NR_MAX || iod->iod_recxs == NULL)
			return -DER_INVAL;
		if (iod->iod_size > VOS_INLINE_MAX)
			return -DER_REC2BIG;
		for (uint32_t i = 0; i < iod->iod_nr; i++) {
			const daos_recx_t *rx = &iod->iod_recxs[i];

			if (rx->rx_nr == 0 || rx->rx_idx >= VOS_ARRAY_IDX_MAX ||
			    rx->rx_nr > VOS_ARRAY_IDX_MAX - rx->rx_idx)
				return -DER_INVAL;
			/* Sum of at most VOS_RECX_NR_MAX values below 2^62: no overflow. */
			total += rx->rx_nr;
		}
		*recs = total;
		if (iod->iod_size == 0) {
			*bytes = 0;
			return 0;
		}
		if (total > VOS_IOD_SIZE_MAX / iod->iod_size)
			return -DER_REC2BIG;
		*bytes = total * iod->iod_size;
		return 0;
	default:
		return -DER_INVAL;
	}
}

static bool
same_key(const daos_key_t *a, const daos_key_t *b)
{
	return a->iov_len == b->iov_len && memcmp(a->iov_buf, b->iov_buf, a->iov_len) == 0;
}

/* ---- sgl streams ---- */

void
vos_sgl_read(struct vos_sgl_reader *r, uint8_t *dst, uint64_t n)
{
	while (n > 0) {
		const d_iov_t *iov   = &r->sr_sgl->sg_iovs[r->sr_iov];
		size_t         avail = iov->iov_len - r->sr_off;
		size_t         take  = n < avail ? (size_t)n : avail;

		memcpy(dst, (const uint8_t *)iov->iov_buf + r->sr_off, take);
		dst += take;
		n -= take;
		r->sr_off += take;
		if (r->sr_off == iov->iov_len) {
			r->sr_iov++;
			r->sr_off = 0;
		}
	}
}

unsigned
vos_sgl_segments(const struct vos_sgl_reader *r, uint64_t n, struct iovec *seg, unsigned max)
{
	uint32_t i   = r->sr_iov;
	size_t   off = r->sr_off;
	unsigned k   = 0;

	while (n > 0) {
		const d_iov_t *iov = &r->sr_sgl->sg_iovs[i];
		size_t         take = iov->iov_len - off;

		if (take > n)
			take = (size_t)n;
		if (take > 0) {
			if (k == max)
				return 0;
			seg[k].iov_base = (uint8_t *)iov->iov_buf + off;
			seg[k].iov_len  = take;
			k++;
			n -= take;
		}
		i++;
		off = 0;
	}
	return k;
}

void
vos_sgl_skip(struct vos_sgl_reader *r, uint64_t n)
{
	while (n > 0) {
		const d_iov_t *iov   = &r->sr_sgl->sg_iovs[r->sr_iov];
		size_t         avail = iov->iov_len - r->sr_off;
		size_t         take  = n < avail ? (size_t)n : avail;

		n -= take;
		r->sr_off += take;
		if (r->sr_off == iov->iov_len) {
			r->sr_iov++;
			r->sr_off = 0;
		}
	}
}

/* Writes len bytes (zeros when src is NULL) at offset off of the sgl's byte stream. */
void
vos_sgl_put(d_sg_list_t *sgl, uint64_t off, const uint8_t *src, uint64_t len)
{
	for (uint32_t i = 0; i < sgl->sg_nr && len > 0; i++) {
		d_iov_t *iov = &sgl->sg_iovs[i];
		size_t   n;

		if (off >= iov->iov_buf_len) {
			off -= iov->iov_buf_len;
			continue;
		}
		n = iov->iov_buf_len - off;
		if (n > len)
			n = (size_t)len;
		if (src != NULL) {
			memcpy((uint8_t *)iov->iov_buf + off, src, n);
			src += n;
		} else {
			memset((uint8_t *)iov->iov_buf + off, 0, n);
		}
		len -= n;
		off = 0;
	}
}

/* Sets iov_len and sg_nr_out for a stream of `total` bytes filling the iovs in order. */
void
vos_sgl_set_out(d_sg_list_t *sgl, uint64_t total)
{
	sgl->sg_nr_out = 0;
	for (uint32_t i = 0; i < sgl->sg_nr; i++) {
		d_iov_t *iov = &sgl->sg_iovs[i];
		size_t   n   = total < iov->iov_buf_len ? (size_t)total : iov->iov_buf_len;

		iov->iov_len = n;
		total -= n;
		if (n > 0)
			sgl->sg_nr_out = i + 1;
	}
}

/* ---- Update ---- */

struct upd_plan {
	struct vos_akey_df up_ak;
	daos_obj_id_t      up_oid;
	const daos_key_t  *up_dkey;
	bool               up_ak_exists;
	bool               up_replace;  /* single: a value at this epoch exists */
	size_t             up_old_vlen; /* its length */
	uint64_t           up_old_off;  /* its blob extent (up_old_len 0: inline) */
	uint64_t           up_old_len;
	bool               up_blob;     /* single: the new value goes to the blob */
};

/** A blob extent allocated by the plan phase (I5). */
struct upd_alloc {
	uint64_t ua_off;
	uint64_t ua_len;
};

/* Records per chunk of an inline array extent (I3). */
static inline uint64_t
chunk_recs(uint64_t rsize)
{
	return rsize >= VOS_EXTENT_CHUNK_MAX ? 1 : VOS_EXTENT_CHUNK_MAX / rsize;
}

/* Records per chunk of a blob array extent (I3). */
static inline uint64_t
blob_chunk_recs(uint64_t rsize)
{
	return rsize >= VOS_BLOB_CHUNK_MAX ? 1 : VOS_BLOB_CHUNK_MAX / rsize;
}

/* Does an extent of nr records of rsize bytes go to the blob? */
static inline bool
recx_to_blob(const struct vos_pool *pool, uint64_t rsize, uint64_t nr)
{
	return rsize != 0 && nr * rsize > vos_inline_limit(pool);
}

/* Blob bytes of an extent of nr records: its chunks, each aligned. */
static uint64_t
recx_blob_len(uint64_t rsize, uint64_t nr)
{
	uint64_t cr   = blob_chunk_recs(rsize);
	uint64_t full = nr / cr;
	uint64_t rem  = nr % cr;

	return full * vos_blob_round(cr * rsize) + (rem > 0 ? vos_blob_round(rem * rsize) : 0);
}

int
vos_get_rec(struct vos_pool *pool, struct vos_txh *th, enum vos_db db, const struct vos_kbuf *kb,
	MDB_val *v)
{
	MDB_val k = {.mv_size = kb->kb_len, .mv_data = (void *)kb->kb_buf};

	return vos_mdb2der(mdb_get(th->th_txn, pool->vp_dbi[db], &k, v));
}

/* Space for the records of the extents of an array iod. */
static void
plan_array_space(struct vos_pool *pool, struct vos_space_est *est, size_t plen,
		 const daos_iod_t *iod)
{
	uint64_t rsize = iod->iod_size;

	for (uint32_t j = 0; j < iod->iod_nr; j++) {
		uint64_t left = iod->iod_recxs[j].rx_nr;
		bool     blob = recx_to_blob(pool, rsize, left);
		uint64_t cr   = rsize == 0 ? 0 : blob ? blob_chunk_recs(rsize) : chunk_recs(rsize);

		if (rsize == 0) {
			vos_space_est_put(pool, est, VOS_DB_EV, plen + VOS_EXT_SUFFIX_LEN,
					  VOS_VAL_HDR_LEN);
			continue;
		}
		if (blob)
			vos_blob_est_alloc(pool, est);
		while (left > 0) {
			uint64_t n    = left < cr ? left : cr;
			size_t   vlen = blob ? VOS_VAL_HDR_LEN + 8 + 4 * (size_t)vos_csum_nr(n * rsize)
					     : VOS_VAL_HDR_LEN + n * rsize;

			vos_space_est_put(pool, est, VOS_DB_EV, plen + VOS_EXT_SUFFIX_LEN, vlen);
			left -= n;
		}
	}
}

static int
update_plan(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	    const daos_key_t *dkey, unsigned nr, const daos_iod_t *iods, struct upd_plan *plans,
	    struct vos_obj_df *od, bool *od_exists)
{
	struct vos_pool     *pool = cont->vc_pool;
	struct vos_space_est est  = {0};
	struct vos_kbuf      kb;
	MDB_val              v;
	int                  rc;

	vos_key_obj(&kb, cont->vc_id, oid);
	rc = vos_get_rec(pool, &pool->vp_wtx, VOS_DB_OBJ, &kb, &v);
	if (rc == 0)
		rc = vos_obj_decode(&v, od);
	if (rc != 0 && rc != -DER_NONEXIST)
		return rc;
	*od_exists = rc == 0;
	vos_space_est_put(pool, &est, VOS_DB_OBJ, kb.kb_len, VOS_OBJ_DF_LEN);

	for (unsigned i = 0; i < nr; i++) {
		const daos_iod_t   *iod = &iods[i];
		struct upd_plan    *up  = &plans[i];
		struct vos_akey_df *ak  = &up->up_ak;
		size_t              plen;

		memset(up, 0, sizeof(*up));
		up->up_oid  = oid;
		up->up_dkey = dkey;
		vos_key_path(&kb, cont->vc_id, oid, dkey, &iod->iod_name);
		plen = kb.kb_len;
		rc   = vos_get_rec(pool, &pool->vp_wtx, VOS_DB_KEY, &kb, &v);
		if (rc == 0)
			rc = vos_akey_decode(&v, ak);
		if (rc == 0) {
			up->up_ak_exists = true;
			if (ak->ad_type != iod->iod_type)
				return -DER_INVAL;
			if (iod->iod_type == DAOS_IOD_ARRAY && iod->iod_size != 0 &&
			    ak->ad_rsize != 0 && ak->ad_rsize != iod->iod_size)
				return -DER_REC_SIZE;
		} else if (rc == -DER_NONEXIST) {
			ak->ad_type  = (uint8_t)iod->iod_type;
			ak->ad_first = UINT64_MAX;
		} else {
			return rc;
		}
		vos_space_est_put(pool, &est, VOS_DB_KEY, plen, VOS_AKEY_DF_LEN);

		if (iod->iod_type == DAOS_IOD_SINGLE && iod->iod_size == 0) {
			/* An empty single value is a punch of the akey (vos.h, V2). */
			vos_key_punch(&kb, cont->vc_id, oid, VOS_PUNCH_AKEY, dkey, &iod->iod_name);
			vos_space_est_put(pool, &est, VOS_DB_PUNCH, kb.kb_len + 8, VOS_PUNCH_DF_LEN);
			continue;
		}
		if (iod->iod_type == DAOS_IOD_SINGLE) {
			size_t vlen;

			up->up_blob = iod->iod_size > vos_inline_limit(pool);
			vlen = up->up_blob ? VOS_VAL_SV_BLOB_LEN : VOS_VAL_HDR_LEN + iod->iod_size;
			vos_key_add_epoch(&kb, epoch);
			rc = vos_get_rec(pool, &pool->vp_wtx, VOS_DB_SV, &kb, &v);
			if (rc == 0) {
				struct vos_val_df d;

				rc = vos_val_decode(&v, false, 0, &d);
				if (rc != 0)
					return rc;
				up->up_replace  = true;
				up->up_old_vlen = v.mv_size;
				if (d.vd_flags == VOS_VF_BLOB) {
					up->up_old_off = d.vd_blob_off;
					up->up_old_len = d.vd_blob_len;
					vos_blob_est_defer(pool, &est);
				}
				vos_space_est_replace(pool, &est, kb.kb_len, v.mv_size);
			} else if (rc != -DER_NONEXIST) {
				return rc;
			}
			if (up->up_blob)
				vos_blob_est_alloc(pool, &est);
			vos_space_est_put(pool, &est, VOS_DB_SV, kb.kb_len, vlen);
			continue;
		}
		plan_array_space(pool, &est, plen, iod);
	}
	return vos_space_check(pool, &est);
}

/*
 * Allocates the blob extents of the update in pool->vp_alloc (I5), after every
 * other check passed. -DER_NOSPACE gives back what it took (the batch is as
 * before); any other error leaves the transaction to be poisoned.
 */
static int
update_alloc(struct vos_pool *pool, unsigned nr, const daos_iod_t *iods,
	     const struct upd_plan *plans)
{
	struct upd_alloc *al;
	size_t            want = 0;
	uint32_t          n    = 0;
	int               rc   = 0;

	if (pool->vp_ring == NULL)
		return 0;
	for (unsigned i = 0; i < nr; i++) {
		if (iods[i].iod_type == DAOS_IOD_SINGLE) {
			want += plans[i].up_blob;
			continue;
		}
		for (uint32_t j = 0; j < iods[i].iod_nr; j++)
			want += recx_to_blob(pool, iods[i].iod_size, iods[i].iod_recxs[j].rx_nr);
	}
	if (want == 0)
		return 0;
	rc = vos_scratch_reserve(&pool->vp_alloc, want * sizeof(*al));
	if (rc != 0)
		return rc;
	al = pool->vp_alloc.sc_buf;
	for (unsigned i = 0; i < nr && rc == 0; i++) {
		const daos_iod_t *iod = &iods[i];

		if (iod->iod_type == DAOS_IOD_SINGLE) {
			if (!plans[i].up_blob)
				continue;
			al[n].ua_len = vos_blob_round(iod->iod_size);
			rc           = vos_blob_alloc(pool, al[n].ua_len, &al[n].ua_off);
			n += rc == 0;
			continue;
		}
		for (uint32_t j = 0; j < iod->iod_nr && rc == 0; j++) {
			uint64_t rnr = iod->iod_recxs[j].rx_nr;

			if (!recx_to_blob(pool, iod->iod_size, rnr))
				continue;
			al[n].ua_len = recx_blob_len(iod->iod_size, rnr);
			rc           = vos_blob_alloc(pool, al[n].ua_len, &al[n].ua_off);
			n += rc == 0;
		}
	}
	if (rc == -DER_NOSPACE) {
		/* Never referenced: straight back to the free map. */
		for (uint32_t i = n; i > 0; i--) {
			int rc2 = vos_blob_free_now(pool, al[i - 1].ua_off, al[i - 1].ua_len);

			if (rc2 != 0)
				return rc2;
		}
	}
	return rc;
}

static void
epochs_extend(uint64_t *first, uint64_t *last, daos_epoch_t epoch)
{
	if (epoch < *first)
		*first = epoch;
	if (epoch > *last)
		*last = epoch;
}

/* Reserves a value of vlen bytes under kb in `db`; *dst points into the page. */
static int
put_reserve(struct vos_pool *pool, enum vos_db db, const struct vos_kbuf *kb, size_t vlen,
	    uint8_t **dst)
{
	MDB_val k = {.mv_size = kb->kb_len, .mv_data = (void *)kb->kb_buf};
	MDB_val v = {.mv_size = vlen, .mv_data = NULL};
	int     rc;

	rc = mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[db], &k, &v, MDB_RESERVE);
	if (rc != 0)
		return vos_mdb2der(rc);
	*dst = v.mv_data;
	return 0;
}

static int
put_small(struct vos_pool *pool, enum vos_db db, const struct vos_kbuf *kb, const uint8_t *buf,
	  size_t len)
{
	MDB_val k = {.mv_size = kb->kb_len, .mv_data = (void *)kb->kb_buf};
	MDB_val v = {.mv_size = len, .mv_data = (void *)buf};

	return vos_mdb2der(mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[db], &k, &v, 0));
}

/* State of the apply phase: the allocations of the plan, consumed in order (I5). */
struct upd_apply {
	const struct upd_alloc *ua_al;
	uint32_t                ua_next;
};

static int
apply_single(struct vos_cont *cont, const struct vos_kbuf *path, daos_epoch_t epoch,
	     const daos_iod_t *iod, const d_sg_list_t *sgl, struct upd_plan *up,
	     struct upd_apply *ap)
{
	struct vos_pool      *pool = cont->vc_pool;
	struct vos_kbuf       kb   = *path;
	struct vos_sgl_reader rd   = {.sr_sgl = sgl};
	size_t                vlen = VOS_VAL_HDR_LEN + iod->iod_size;
	uint8_t              *dst  = NULL;
	int64_t               delta;
	int                   rc;

	if (iod->iod_size == 0) {
		uint8_t marker[VOS_PUNCH_DF_LEN] = {0};
		MDB_val k;
		MDB_val v = {.mv_size = sizeof(marker), .mv_data = marker};

		vos_key_punch(&kb, cont->vc_id, up->up_oid, VOS_PUNCH_AKEY, up->up_dkey,
			      &iod->iod_name);
		vos_key_add_epoch(&kb, epoch);
		k.mv_size = kb.kb_len;
		k.mv_data = kb.kb_buf;
		rc = mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_PUNCH], &k, &v,
			     MDB_NOOVERWRITE);
		if (rc == MDB_KEYEXIST)
			return 0;
		if (rc != 0)
			return vos_mdb2der(rc);
		vos_cont_account(cont, (int64_t)(kb.kb_len + sizeof(marker)), 0);
		return 0;
	}
	vos_key_add_epoch(&kb, epoch);
	if (up->up_blob) {
		const struct upd_alloc *a   = &ap->ua_al[ap->ua_next++];
		uint32_t                crc = 0;

		rc = vos_blob_stage(pool, a->ua_off, &rd, iod->iod_size, &crc, NULL);
		if (rc != 0)
			return rc;
		vlen = VOS_VAL_SV_BLOB_LEN;
		rc   = put_reserve(pool, VOS_DB_SV, &kb, vlen, &dst);
		if (rc != 0)
			return rc;
		vos_val_encode_hdr(dst, VOS_VF_BLOB, crc, iod->iod_size);
		d_put_le64(dst + VOS_VAL_HDR_LEN, a->ua_off);
		vos_cont_account_nvme(cont, (int64_t)a->ua_len);
	} else {
		rc = put_reserve(pool, VOS_DB_SV, &kb, vlen, &dst);
		if (rc != 0)
			return rc;
		vos_sgl_read(&rd, dst + VOS_VAL_HDR_LEN, iod->iod_size);
		vos_val_encode_hdr(dst, VOS_VF_INLINE,
				   d_crc32c(0, dst + VOS_VAL_HDR_LEN, iod->iod_size), iod->iod_size);
	}
	if (up->up_old_len > 0) {
		/* The replaced version's extent: the committed index still references it. */
		rc = vos_blob_defer(pool, up->up_old_off, up->up_old_len);
		if (rc != 0)
			return rc;
		vos_cont_account_nvme(cont, -(int64_t)up->up_old_len);
	}
	epochs_extend(&up->up_ak.ad_first, &up->up_ak.ad_last, epoch);
	delta = (int64_t)(kb.kb_len + vlen);
	if (up->up_replace)
		delta -= (int64_t)(kb.kb_len + up->up_old_vlen);
	vos_cont_account(cont, delta, 0);
	return 0;
}

/* One extent record: a hole, inline data or a blob chunk at *blob_pos (advanced). */
static int
apply_extent(struct vos_cont *cont, const struct vos_kbuf *path, daos_epoch_t epoch,
	     uint64_t rsize, uint64_t idx, uint64_t n, bool blob, uint64_t *blob_pos,
	     struct vos_sgl_reader *rd, struct vos_akey_df *ak)
{
	struct vos_pool *pool = cont->vc_pool;
	struct vos_kbuf  kb   = *path;
	uint8_t          csums[4 * (VOS_BLOB_CHUNK_MAX / VOS_CSUM_CHUNK)];
	uint64_t         bytes = n * rsize;
	size_t           vlen  = VOS_VAL_HDR_LEN;
	uint8_t         *dst   = NULL;
	int              rc;

	vos_key_add_u8(&kb, rsize == 0 ? VOS_EXT_HOLE : VOS_EXT_DATA);
	vos_key_add_u64(&kb, idx);
	vos_key_add_epoch(&kb, epoch);
	vos_key_add_u64(&kb, ~ak->ad_minor);
	ak->ad_minor++;
	if (blob) {
		/* Staged first: the checksums are computed on the copy that is written. */
		rc = vos_blob_stage(pool, *blob_pos, rd, bytes, NULL, csums);
		if (rc != 0)
			return rc;
		vlen += 8 + 4 * (size_t)vos_csum_nr(bytes);
	} else if (rsize != 0) {
		vlen += bytes;
	}
	rc = put_reserve(pool, VOS_DB_EV, &kb, vlen, &dst);
	if (rc != 0)
		return rc;
	if (rsize == 0) {
		vos_val_encode_hdr(dst, VOS_VF_HOLE, 0, n);
		if (n > ak->ad_longest_hole)
			ak->ad_longest_hole = n;
	} else if (blob) {
		vos_val_encode_hdr(dst, VOS_VF_BLOB, 0, n);
		d_put_le64(dst + VOS_VAL_HDR_LEN, *blob_pos);
		memcpy(dst + VOS_VAL_HDR_LEN + 8, csums, vlen - VOS_VAL_HDR_LEN - 8);
		vos_cont_account_nvme(cont, (int64_t)vos_blob_round(bytes));
		*blob_pos += vos_blob_round(bytes);
	} else {
		vos_sgl_read(rd, dst + VOS_VAL_HDR_LEN, bytes);
		vos_val_encode_hdr(dst, VOS_VF_INLINE, d_crc32c(0, dst + VOS_VAL_HDR_LEN, bytes), n);
	}
	if (rsize != 0 && n > ak->ad_longest)
		ak->ad_longest = n;
	vos_cont_account(cont, (int64_t)(kb.kb_len + vlen), 0);
	return 0;
}

static int
apply_array(struct vos_cont *cont, const struct vos_kbuf *path, daos_epoch_t epoch,
	    const daos_iod_t *iod, const d_sg_list_t *sgl, struct upd_plan *up,
	    struct upd_apply *ap)
{
	struct vos_pool      *pool  = cont->vc_pool;
	struct vos_akey_df   *ak    = &up->up_ak;
	struct vos_sgl_reader rd    = {.sr_sgl = sgl};
	uint64_t              rsize = iod->iod_size;
	int                   rc;

	if (rsize != 0 && ak->ad_rsize == 0)
		ak->ad_rsize = rsize; /* I2: fixed from the first data write on */
	for (uint32_t j = 0; j < iod->iod_nr; j++) {
		const daos_recx_t *rx   = &iod->iod_recxs[j];
		bool               blob = recx_to_blob(pool, rsize, rx->rx_nr);
		uint64_t           cr   = rsize == 0 ? UINT64_MAX
					  : blob ? blob_chunk_recs(rsize) : chunk_recs(rsize);
		uint64_t           pos  = 0;
		uint64_t           done = 0;

		if (blob)
			pos = ap->ua_al[ap->ua_next++].ua_off;
		while (done < rx->rx_nr) {
			uint64_t n = rx->rx_nr - done;

			if (rsize != 0 && n > cr)
				n = cr;
			rc = apply_extent(cont, path, epoch, rsize, rx->rx_idx + done, n, blob, &pos,
					  &rd, ak);
			if (rc != 0)
				return rc;
			done += n;
		}
	}
	if (rsize != 0)
		epochs_extend(&ak->ad_first, &ak->ad_last, epoch);
	return 0;
}

static int
update_apply(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	     const daos_key_t *dkey, unsigned nr, const daos_iod_t *iods,
	     const d_sg_list_t *sgls, struct upd_plan *plans, struct vos_obj_df *od,
	     bool od_exists)
{
	struct vos_pool *pool = cont->vc_pool;
	struct upd_apply ap   = {.ua_al = pool->vp_alloc.sc_buf};
	struct vos_kbuf  kb;
	uint8_t          buf[VOS_AKEY_DF_LEN];
	bool             data = false;
	int              rc;

	for (unsigned i = 0; i < nr; i++) {
		struct upd_plan *up = &plans[i];

		vos_key_path(&kb, cont->vc_id, oid, dkey, &iods[i].iod_name);
		if (iods[i].iod_type == DAOS_IOD_SINGLE)
			rc = apply_single(cont, &kb, epoch, &iods[i],
					  sgls != NULL ? &sgls[i] : NULL, up, &ap);
		else
			rc = apply_array(cont, &kb, epoch, &iods[i],
					 sgls != NULL ? &sgls[i] : NULL, up, &ap);
		if (rc != 0)
			return rc;
		if (iods[i].iod_size != 0)
			data = true;
		vos_akey_encode(&up->up_ak, buf);
		rc = put_small(pool, VOS_DB_KEY, &kb, buf, VOS_AKEY_DF_LEN);
		if (rc != 0)
			return rc;
		if (!up->up_ak_exists)
			vos_cont_account(cont, (int64_t)(kb.kb_len + VOS_AKEY_DF_LEN), 0);
	}

	if (!od_exists) {
		od->od_first = UINT64_MAX;
		od->od_last  = 0;
	}
	if (od_exists && (!data || (epoch >= od->od_first && epoch <= od->od_last)))
		return 0;
	if (data)
		epochs_extend(&od->od_first, &od->od_last, epoch);
	vos_obj_encode(od, buf);
	vos_key_obj(&kb, cont->vc_id, oid);
	rc = put_small(pool, VOS_DB_OBJ, &kb, buf, VOS_OBJ_DF_LEN);
	if (rc == 0 && !od_exists)
		vos_cont_account(cont, VOS_OBJKEY_LEN + VOS_OBJ_DF_LEN, 1);
	return rc;
}

int
vos_obj_update(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	       const daos_key_t *dkey, unsigned nr, const daos_iod_t *iods,
	       const d_sg_list_t *sgls)
{
	struct upd_plan   plans[VOS_IOD_NR_MAX];
	struct vos_obj_df od = {0};
	struct vos_pool  *pool;
	uint64_t          sv_max;
	bool              od_exists;
	bool              implicit;
	int               rc;

	if (cont == NULL || !vos_epoch_valid_update(epoch) || nr == 0 || nr > VOS_IOD_NR_MAX ||
	    iods == NULL)
		return -DER_INVAL;
	rc = vos_check_key(dkey);
	if (rc != 0)
		return rc;
	pool   = cont->vc_pool;
	sv_max = pool->vp_ring != NULL ? VOS_SV_BLOB_MAX : VOS_INLINE_MAX;
	for (unsigned i = 0; i < nr; i++) {
		uint64_t recs;
		uint64_t bytes;
		uint64_t have;

		rc = vos_check_iod(dkey, &iods[i], true, sv_max, &recs, &bytes);
		if (rc != 0)
			return rc;
		if (bytes == 0)
			continue;
		if (sgls == NULL)
			return -DER_INVAL;
		rc = vos_sgl_size(&sgls[i], false, &have);
		if (rc != 0)
			return rc;
		if (have != bytes)
			return -DER_IO_INVAL;
	}
	for (unsigned i = 1; i < nr; i++)
		for (unsigned j = 0; j < i; j++)
			if (same_key(&iods[i].iod_name, &iods[j].iod_name))
				return -DER_INVAL;

	rc = vos_wtx_enter(pool, &implicit);
	if (rc != 0)
		return rc;
	rc = update_plan(cont, oid, epoch, dkey, nr, iods, plans, &od, &od_exists);
	if (rc == 0) {
		rc = update_alloc(pool, nr, iods, plans);
		if (rc != 0 && rc != -DER_NOSPACE)
			vos_wtx_poison(pool, rc);
	}
	if (rc == 0) {
		rc = update_apply(cont, oid, epoch, dkey, nr, iods, sgls, plans, &od, od_exists);
		if (rc != 0) {
			vos_wtx_poison(pool, rc);
			/* B7 (vos_blob.c): the caller may free the buffers once this returns. */
			vos_blob_zc_drain(pool);
		}
	}
	return vos_wtx_leave(pool, implicit, rc);
}
