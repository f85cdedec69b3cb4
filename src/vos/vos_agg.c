/*
 * vos_agg.c: aggregation: removing the versions no view can read, in bounded
 * steps that resume from an anchor.
 *
 * The views of a pass are V = {snapshots <= upper} U {upper}. A read at a
 * view v returns, per akey, what the newest visible versions at v supply
 * (vos.h V1-V3); a read at E > upper returns what versions in (upper, E]
 * supply over what a read at upper returns. So keeping every version newer
 * than upper, and of the others exactly those a read at some view in V takes
 * data from, leaves every read at a view and at E >= upper unchanged.
 *
 *   Single values: at a view v the newest version e <= v is returned unless
 *   a punch p with e <= p <= v hides it (then nothing is: any older version
 *   is hidden too). Versions are visited newest first; version e, whose next
 *   newer version is n, is the newest at exactly the views in [e, n), so it
 *   is needed iff some view v in [e, n) has P(v) < e, P(v) being the newest
 *   punch (object, dkey or akey level) at or before v. One version is one
 *   unit of work: the anchor keeps n.
 *
 *   Arrays: per view, the owner of a record is the newest (epoch, minor)
 *   extent covering it above P(v) (a hole owns the records it punches). A
 *   hole is needed iff it owns a record at some view and some older data
 *   extent lies under it (else it hides nothing). A data extent is needed iff
 *   it owns a record at some view when holes are left out: this keeps every
 *   owner that holds data and, where holes cover all data at a view, still
 *   some data extent visible there, which is what makes the akey exist at
 *   that view (vos.h V4: range punches hide records, not the akey). A unit is
 *   a window of extent keys by start index [lo, hi): all extents overlapping
 *   the records those extents cover are collected (the look-back of reads),
 *   ownership is computed per view, and the window's extents not needed are
 *   removed. A window's extents reaching beyond the collected range (huge
 *   range punches) are kept.
 *
 *   Punch markers: an akey punch at p <= upper hides, at reads >= p, the
 *   versions at or below p; once no kept version is at or below p it hides
 *   nothing and is removed. Object and dkey punches span many akeys and are
 *   kept. An akey with no version and no punch left is removed.
 *
 * Invariants
 *   G1. Nothing newer than `upper` is ever removed.
 *   G2. After a pass, a read at any view in V or at any epoch >= upper
 *       returns what it returned before (given no write at or below upper
 *       in between, the caller's contract).
 *   G3. A call either commits all it did together with the advanced anchor,
 *       or nothing (the anchor and stats are restored on failure).
 *   G4. Every blob extent of a removed record is freed through the deferred
 *       path (vos_blob.c, B3), and the container's accounting follows.
 *   G5. Before the first record of an akey is removed, the akey and its
 *       object are marked LOOSE in the same transaction: their epoch bounds
 *       may no longer name an existing write, so enumeration checks
 *       existence the long way (vos_iter.c) instead of trusting them.
 */
#define D_LOGFAC DD_FAC(vos)

#include <assert.h>
#include <stdlib.h>

#include "gurt/log.h"
#include "vos/vos_internal.h"

enum agg_state {
	AGG_START = 0, /**< at the container's first akey */
	AGG_AKEY  = 1, /**< in the akey aa_key */
	AGG_DONE  = 2,
};

enum agg_phase {
	AGG_VALUES  = 0, /**< single-value versions or extent windows */
	AGG_PUNCHES = 1, /**< akey punch markers, then the akey record */
};

struct agg_ctx {
	struct vos_cont       *ag_cont;
	struct vos_pool       *ag_pool;
	struct vos_agg_anchor *ag_an;
	struct vos_agg_stats  *ag_st;
	daos_epoch_t           ag_upper;
	daos_epoch_t           ag_views[VOS_AGG_SNAP_MAX + 1]; /**< ascending, unique */
	daos_epoch_t           ag_punch[VOS_AGG_SNAP_MAX + 1]; /**< P(view) of the akey */
	unsigned               ag_nview;
	uint64_t               ag_budget; /**< records left to examine in this call */
	struct vos_kbuf        ag_path;   /**< akey path (aa_key) */
	struct vos_akey_df     ag_ak;
	bool                   ag_obj_loose; /**< ag_oid's record is LOOSE (G5) */
	daos_obj_id_t          ag_obj_marked;
	daos_obj_id_t          ag_oid;
	daos_key_t             ag_dkey;   /**< into ag_path */
	daos_key_t             ag_akey;   /**< into ag_path */
};

static void
agg_examined(struct agg_ctx *ag, uint64_t n)
{
	ag->ag_st->as_examined += n;
	ag->ag_budget = ag->ag_budget > n ? ag->ag_budget - n : 0;
}

static int
cmp_epoch(const void *a, const void *b)
{
	daos_epoch_t x = *(const daos_epoch_t *)a;
	daos_epoch_t y = *(const daos_epoch_t *)b;

	return x < y ? -1 : x > y;
}

/* V: the snapshots at or below upper, and upper, ascending, without duplicates. */
static void
agg_views(struct agg_ctx *ag, const daos_epoch_t *snaps, unsigned nr)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nr; i++)
		if (snaps[i] <= ag->ag_upper)
			ag->ag_views[n++] = snaps[i];
	ag->ag_views[n++] = ag->ag_upper;
	qsort(ag->ag_views, n, sizeof(ag->ag_views[0]), cmp_epoch);
	ag->ag_nview = 0;
	for (unsigned i = 0; i < n; i++)
		if (ag->ag_nview == 0 || ag->ag_views[ag->ag_nview - 1] != ag->ag_views[i])
			ag->ag_views[ag->ag_nview++] = ag->ag_views[i];
}

/* Splits the anchor's akey path into oid, dkey and akey; -DER_DF_INVAL when malformed. */
static int
agg_load_path(struct agg_ctx *ag)
{
	struct vos_agg_anchor *an = ag->ag_an;
	const uint8_t         *p  = an->aa_key;
	size_t                 dlen;
	size_t                 alen;

	if (an->aa_klen < VOS_OBJKEY_LEN + 4 || an->aa_klen >= VOS_KEY_BUF)
		return -DER_DF_INVAL;
	dlen = d_get_be16(p + VOS_OBJKEY_LEN);
	if (VOS_OBJKEY_LEN + 2 + dlen + 2 > an->aa_klen)
		return -DER_DF_INVAL;
	alen = d_get_be16(p + VOS_OBJKEY_LEN + 2 + dlen);
	if (dlen == 0 || alen == 0 || VOS_OBJKEY_LEN + 4 + dlen + alen != an->aa_klen)
		return -DER_DF_INVAL;
	memcpy(ag->ag_path.kb_buf, p, an->aa_klen);
	ag->ag_path.kb_len = an->aa_klen;
	vos_key_get_obj(p, NULL, &ag->ag_oid);
	d_iov_set(&ag->ag_dkey, ag->ag_path.kb_buf + VOS_OBJKEY_LEN + 2, dlen);
	d_iov_set(&ag->ag_akey, ag->ag_path.kb_buf + VOS_OBJKEY_LEN + 4 + dlen, alen);
	return 0;
}

/* Points the anchor at the first akey of the container after `after` (NULL: the first). */
static int
agg_next_akey(struct agg_ctx *ag, const uint8_t *after, size_t alen)
{
	struct vos_agg_anchor *an   = ag->ag_an;
	struct vos_pool       *pool = ag->ag_pool;
	uint8_t                prefix[4];
	MDB_cursor            *cur;
	MDB_val                k;
	MDB_val                v;
	int                    rc;

	rc = vos_txh_cursor(pool, &pool->vp_wtx, VOS_DB_KEY, &cur);
	if (rc != 0)
		return rc;
	d_put_be32(prefix, ag->ag_cont->vc_id);
	if (after != NULL) {
		k.mv_size = alen;
		k.mv_data = (void *)after;
	} else {
		k.mv_size = sizeof(prefix);
		k.mv_data = prefix;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && after != NULL && k.mv_size == alen && memcmp(k.mv_data, after, alen) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	if (rc == MDB_NOTFOUND || (rc == 0 && !vos_key_has_prefix(&k, prefix, sizeof(prefix)))) {
		an->aa_state = AGG_DONE;
		return 0;
	}
	if (rc != 0)
		return vos_mdb2der(rc);
	if (k.mv_size >= VOS_AGG_KEY_MAX)
		return -DER_DF_INVAL;
	memcpy(an->aa_key, k.mv_data, k.mv_size);
	an->aa_klen     = (uint32_t)k.mv_size;
	an->aa_state    = AGG_AKEY;
	an->aa_phase    = AGG_VALUES;
	an->aa_pos      = 0;
	an->aa_newer    = 0;
	an->aa_min_kept = UINT64_MAX;
	return 0;
}

/* Loads the anchor's akey record and the punch epoch of every view. 1: the akey is gone. */
static int
agg_load_akey(struct agg_ctx *ag)
{
	struct vos_pool *pool = ag->ag_pool;
	MDB_val          k;
	MDB_val          v;
	int              rc;

	rc = agg_load_path(ag);
	if (rc != 0)
		return rc;
	k.mv_size = ag->ag_path.kb_len;
	k.mv_data = ag->ag_path.kb_buf;
	rc        = mdb_get(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_KEY], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return vos_mdb2der(rc);
	rc = vos_akey_decode(&v, &ag->ag_ak);
	if (rc != 0)
		return rc;
	agg_examined(ag, 1);
	for (unsigned i = 0; i < ag->ag_nview; i++) {
		rc = vos_punch_max(pool, &pool->vp_wtx, ag->ag_cont->vc_id, ag->ag_oid,
				   &ag->ag_dkey, &ag->ag_akey, ag->ag_views[i], &ag->ag_punch[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* G5: marks the akey and its object LOOSE, once, before anything of them is removed. */
static int
agg_mark_loose(struct agg_ctx *ag)
{
	struct vos_pool  *pool = ag->ag_pool;
	struct vos_obj_df od;
	struct vos_kbuf   kb;
	uint8_t           buf[VOS_AKEY_DF_LEN];
	MDB_val           k;
	MDB_val           v;
	int               rc;

	if (!(ag->ag_ak.ad_flags & VOS_AD_LOOSE)) {
		ag->ag_ak.ad_flags |= VOS_AD_LOOSE;
		vos_akey_encode(&ag->ag_ak, buf);
		k.mv_size = ag->ag_path.kb_len;
		k.mv_data = ag->ag_path.kb_buf;
		v.mv_size = VOS_AKEY_DF_LEN;
		v.mv_data = buf;
		rc        = mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_KEY], &k, &v, 0);
		if (rc != 0)
			return vos_mdb2der(rc);
	}
	if (ag->ag_obj_loose && ag->ag_obj_marked.hi == ag->ag_oid.hi &&
	    ag->ag_obj_marked.lo == ag->ag_oid.lo)
		return 0;
	vos_key_obj(&kb, ag->ag_cont->vc_id, ag->ag_oid);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_get(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_OBJ], &k, &v);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? -DER_DF_INVAL : vos_mdb2der(rc);
	rc = vos_obj_decode(&v, &od);
	if (rc != 0)
		return rc;
	if (!(od.od_flags & VOS_OD_LOOSE)) {
		od.od_flags |= VOS_OD_LOOSE;
		vos_obj_encode(&od, buf);
		v.mv_size = VOS_OBJ_DF_LEN;
		v.mv_data = buf;
		rc        = mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_OBJ], &k, &v, 0);
		if (rc != 0)
			return vos_mdb2der(rc);
	}
	ag->ag_obj_loose  = true;
	ag->ag_obj_marked = ag->ag_oid;
	return 0;
}

/* Accounting and deferred free of a removed value record (G4). */
static int
agg_removed(struct agg_ctx *ag, size_t klen, size_t vlen, uint8_t flags, uint64_t blob_off,
	    uint64_t blob_len)
{
	vos_cont_account(ag->ag_cont, -(int64_t)(klen + vlen), 0);
	if (flags != VOS_VF_BLOB)
		return 0;
	vos_cont_account_nvme(ag->ag_cont, -(int64_t)blob_len);
	ag->ag_st->as_nvme_freed += blob_len;
	return vos_blob_defer(ag->ag_pool, blob_off, blob_len);
}

/* ---- Single values ---- */

/* Is version e, whose next newer version is `newer`, the one read at some view? */
static bool
sv_needed(const struct agg_ctx *ag, daos_epoch_t e, daos_epoch_t newer)
{
	for (unsigned i = 0; i < ag->ag_nview; i++) {
		daos_epoch_t v = ag->ag_views[i];

		if (v >= e && v < newer && ag->ag_punch[i] < e)
			return true;
	}
	return false;
}

/* One version. *done when none is left. */
static int
agg_sv_step(struct agg_ctx *ag, bool *done)
{
	struct vos_agg_anchor *an   = ag->ag_an;
	struct vos_pool       *pool = ag->ag_pool;
	struct vos_kbuf        kb   = ag->ag_path;
	struct vos_val_df      d;
	MDB_cursor            *cur;
	MDB_val                k;
	MDB_val                v;
	daos_epoch_t           e;
	daos_epoch_t           newer = an->aa_newer == 0 ? UINT64_MAX : an->aa_newer;
	int                    rc;

	*done = false;
	rc    = vos_txh_cursor(pool, &pool->vp_wtx, VOS_DB_SV, &cur);
	if (rc != 0)
		return rc;
	/* The newest version below the last one visited (the newest of all at first). */
	vos_key_add_epoch(&kb, an->aa_newer == 0 ? UINT64_MAX : an->aa_newer - 1);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size != ag->ag_path.kb_len + 8 ||
					       !vos_key_has_prefix(&k, ag->ag_path.kb_buf,
								   ag->ag_path.kb_len)))) {
		*done = true;
		return 0;
	}
	if (rc != 0)
		return vos_mdb2der(rc);
	agg_examined(ag, 1);
	e  = ~d_get_be64((const uint8_t *)k.mv_data + ag->ag_path.kb_len);
	rc = vos_val_decode(&v, false, 0, &d);
	if (rc != 0)
		return rc;
	if (e > ag->ag_upper || sv_needed(ag, e, newer)) { /* G1 */
		if (e < an->aa_min_kept)
			an->aa_min_kept = e;
	} else {
		size_t vlen = v.mv_size;

		rc = agg_mark_loose(ag);
		if (rc != 0)
			return rc;
		/* The put above may have moved pages: find the version again. */
		k.mv_size = kb.kb_len;
		k.mv_data = kb.kb_buf;
		d_put_be64(kb.kb_buf + ag->ag_path.kb_len, ~e);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
		if (rc == 0)
			rc = mdb_cursor_del(cur, 0);
		if (rc != 0)
			return vos_mdb2der(rc);
		rc = agg_removed(ag, kb.kb_len, vlen, d.vd_flags, d.vd_blob_off, d.vd_blob_len);
		if (rc != 0)
			return rc;
		ag->ag_st->as_sv_dropped++;
	}
	an->aa_newer = e;
	if (e == 1)
		*done = true; /* epochs start at 1 */
	return 0;
}

/* ---- Arrays ---- */

/* First key of `kind` with start >= lo: its start and record count; false when none. */
static int
ev_peek(struct agg_ctx *ag, MDB_cursor *cur, uint8_t kind, bool first, uint64_t lo, bool *found,
	uint64_t *start, uint64_t *nr)
{
	const struct vos_kbuf *p = &ag->ag_path;
	struct vos_kbuf        kb;
	MDB_val                k;
	MDB_val                v;
	int                    rc;

	if (first) {
		memcpy(kb.kb_buf, p->kb_buf, p->kb_len);
		kb.kb_len = p->kb_len;
		vos_key_add_u8(&kb, kind);
		vos_key_add_u64(&kb, lo);
		k.mv_size = kb.kb_len;
		k.mv_data = kb.kb_buf;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	*found = false;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return vos_mdb2der(rc);
	if (k.mv_size != p->kb_len + VOS_EXT_SUFFIX_LEN ||
	    !vos_key_has_prefix(&k, p->kb_buf, p->kb_len) ||
	    ((const uint8_t *)k.mv_data)[p->kb_len] != kind)
		return 0;
	if (v.mv_size < VOS_VAL_HDR_LEN)
		return -DER_DF_INVAL;
	*found = true;
	*start = d_get_be64((const uint8_t *)k.mv_data + p->kb_len + 1);
	*nr    = d_get_le64((const uint8_t *)v.mv_data + 8);
	return 0;
}

/*
 * The window: up to `want` extent keys (data and holes merged by start) from
 * start index lo, completed to whole start indexes. *hi is the first start
 * after it (UINT64_MAX: the keys ran out), *end the furthest record any of
 * them covers, *n the keys taken (0: nothing left).
 */
static int
ev_window(struct agg_ctx *ag, uint64_t lo, uint64_t want, uint64_t *hi, uint64_t *end,
	  uint64_t *n)
{
	struct vos_pool *pool = ag->ag_pool;
	MDB_cursor      *cur[2] = {NULL, NULL};
	bool             found[2];
	uint64_t         start[2];
	uint64_t         nr[2];
	uint64_t         last = 0;
	int              rc;

	*n   = 0;
	*hi  = UINT64_MAX;
	*end = lo;
	for (int i = 0; i < 2; i++) {
		rc = mdb_cursor_open(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_EV], &cur[i]);
		if (rc != 0) {
			rc = vos_mdb2der(rc);
			goto out;
		}
		rc = ev_peek(ag, cur[i], i == 0 ? VOS_EXT_DATA : VOS_EXT_HOLE, true, lo, &found[i],
			     &start[i], &nr[i]);
		if (rc != 0)
			goto out;
	}
	for (;;) {
		int i;

		if (!found[0] && !found[1])
			break;
		i = !found[0] || (found[1] && start[1] < start[0]) ? 1 : 0;
		if (*n >= want && start[i] != last) {
			*hi = start[i];
			break;
		}
		(*n)++;
		last = start[i];
		if (nr[i] > VOS_ARRAY_IDX_MAX || start[i] + nr[i] > VOS_ARRAY_IDX_MAX) {
			rc = -DER_DF_INVAL;
			goto out;
		}
		if (start[i] + nr[i] > *end)
			*end = start[i] + nr[i];
		rc = ev_peek(ag, cur[i], i == 0 ? VOS_EXT_DATA : VOS_EXT_HOLE, false, lo, &found[i],
			     &start[i], &nr[i]);
		if (rc != 0)
			goto out;
	}
out:
	for (int i = 0; i < 2; i++)
		if (cur[i] != NULL)
			mdb_cursor_close(cur[i]);
	return rc;
}

/* Is hole h over data it could hide: an older data extent overlapping it? */
static bool
hole_hides(const struct vos_ext *ext, uint32_t n, const struct vos_ext *h)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct vos_ext *x = &ext[i];
		bool older = x->ve_epoch != h->ve_epoch ? x->ve_epoch < h->ve_epoch
							 : x->ve_minor < h->ve_minor;

		if (vos_ext_is_data(x) && older && x->ve_idx < h->ve_idx + h->ve_nr &&
		    h->ve_idx < x->ve_idx + x->ve_nr)
			return true;
	}
	return false;
}

static int
ev_remove(struct agg_ctx *ag, const struct vos_ext *x)
{
	struct vos_pool *pool = ag->ag_pool;
	struct vos_kbuf  kb   = ag->ag_path;
	MDB_val          k;
	int              rc;

	rc = agg_mark_loose(ag);
	if (rc != 0)
		return rc;
	vos_key_add_u8(&kb, vos_ext_is_data(x) ? VOS_EXT_DATA : VOS_EXT_HOLE);
	vos_key_add_u64(&kb, x->ve_idx);
	vos_key_add_epoch(&kb, x->ve_epoch);
	vos_key_add_u64(&kb, ~x->ve_minor);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_del(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_EV], &k, NULL);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? -DER_DF_INVAL : vos_mdb2der(rc);
	ag->ag_st->as_ext_dropped++;
	return agg_removed(ag, kb.kb_len, vos_ext_vlen(x, ag->ag_ak.ad_rsize), x->ve_flags,
			   x->ve_blob_off, x->ve_blob_len);
}

/* One window of extents. *done when no extent starts at or after the anchor. */
static int
agg_ev_step(struct agg_ctx *ag, bool *done)
{
	struct vos_agg_anchor *an   = ag->ag_an;
	struct vos_pool       *pool = ag->ag_pool;
	uint64_t               lo   = an->aa_pos;
	uint64_t               want = ag->ag_budget;
	uint64_t               hi;
	uint64_t               end;
	uint64_t               nkeys;
	uint64_t               rend;
	struct vos_ext        *ext;
	struct vos_ext        *sub;
	uint8_t               *owner;
	uint32_t               n;
	int                    rc;

	*done = false;
	if (want == 0)
		want = 1;
	if (want > VOS_AGG_WINDOW_MAX)
		want = VOS_AGG_WINDOW_MAX;
	rc = ev_window(ag, lo, want, &hi, &end, &nkeys);
	if (rc != 0)
		return rc;
	if (nkeys == 0) {
		*done = true;
		return 0;
	}
	/* The records the window's extents cover, bounded when more keys follow. */
	rend = end;
	if (hi != UINT64_MAX && ag->ag_ak.ad_longest < VOS_ARRAY_IDX_MAX - hi &&
	    rend > hi + ag->ag_ak.ad_longest)
		rend = hi + ag->ag_ak.ad_longest;
	rc = vos_ext_collect(pool, &pool->vp_wtx, &ag->ag_path, &ag->ag_ak, lo, rend,
			     DAOS_EPOCH_MAX, 0, &n, NULL);
	if (rc != 0)
		return rc;
	agg_examined(ag, n > nkeys ? n : nkeys);
	ext = pool->vp_ext.sc_buf;
	rc  = vos_scratch_reserve(&pool->vp_agg, (size_t)n * (sizeof(*ext) + 2) + 8);
	if (rc != 0)
		return rc;
	sub   = pool->vp_agg.sc_buf;
	owner = (uint8_t *)(sub + n); /* per extent: 1 owns with holes, 2 owns among data */
	memset(owner, 0, n);
	for (unsigned i = 0; i < ag->ag_nview; i++) {
		for (int data_only = 0; data_only < 2; data_only++) {
			struct vos_piece *pc;
			uint32_t          m  = 0;
			uint32_t          np = 0;

			for (uint32_t j = 0; j < n; j++)
				if (ext[j].ve_epoch <= ag->ag_views[i] &&
				    ext[j].ve_epoch > ag->ag_punch[i] &&
				    (!data_only || vos_ext_is_data(&ext[j])))
					sub[m++] = ext[j];
			if (m == 0)
				continue;
			rc = vos_ext_resolve_owners(pool, sub, m, lo, rend, true, &np);
			if (rc != 0)
				return rc;
			pc = pool->vp_piece.sc_buf;
			for (uint32_t j = 0; j < np; j++)
				owner[sub[pc[j].pc_ext].ve_id] |= data_only ? 2 : 1;
		}
	}
	/* Decide the window's extents; ext[] is not touched by the removals. */
	for (uint32_t j = 0; j < n; j++) {
		const struct vos_ext *x = &ext[j];
		bool                  keep;

		if (x->ve_idx < lo || x->ve_idx >= hi)
			continue; /* another window's */
		keep = x->ve_epoch > ag->ag_upper || x->ve_idx + x->ve_nr > rend ||
		       (vos_ext_is_data(x) ? (owner[j] & 2) != 0
					   : (owner[j] & 1) != 0 && hole_hides(ext, n, x));
		if (keep) {
			if (x->ve_epoch < an->aa_min_kept)
				an->aa_min_kept = x->ve_epoch;
			continue;
		}
		rc = ev_remove(ag, x);
		if (rc != 0)
			return rc;
	}
	an->aa_pos = hi;
	if (hi == UINT64_MAX)
		*done = true;
	return 0;
}

/* ---- Punch markers and the akey record ---- */

static int
agg_punches(struct agg_ctx *ag)
{
	struct vos_agg_anchor *an   = ag->ag_an;
	struct vos_pool       *pool = ag->ag_pool;
	struct vos_kbuf        pk;
	struct vos_kbuf        seek;
	MDB_cursor            *cur;
	MDB_val                k;
	MDB_val                v;
	bool                   left = false;
	int                    rc;

	vos_key_punch(&pk, ag->ag_cont->vc_id, ag->ag_oid, VOS_PUNCH_AKEY, &ag->ag_dkey,
		      &ag->ag_akey);
	rc = vos_txh_cursor(pool, &pool->vp_wtx, VOS_DB_PUNCH, &cur);
	if (rc != 0)
		return rc;
	k.mv_size = pk.kb_len;
	k.mv_data = pk.kb_buf;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == pk.kb_len + 8 &&
	       vos_key_has_prefix(&k, pk.kb_buf, pk.kb_len)) {
		daos_epoch_t p = ~d_get_be64((const uint8_t *)k.mv_data + pk.kb_len);

		agg_examined(ag, 1);
		if (p > ag->ag_upper || an->aa_min_kept <= p) {
			left = true;
			rc   = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		/* Hides nothing kept: no version at or below it remains. */
		vos_cont_account(ag->ag_cont, -(int64_t)(k.mv_size + v.mv_size), 0);
		ag->ag_st->as_punch_dropped++;
		memcpy(seek.kb_buf, k.mv_data, k.mv_size);
		seek.kb_len = k.mv_size;
		rc          = agg_mark_loose(ag);
		if (rc != 0)
			return rc;
		k.mv_size = seek.kb_len;
		k.mv_data = seek.kb_buf;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET);
		if (rc == 0)
			rc = mdb_cursor_del(cur, 0);
		if (rc != 0)
			break;
		/* Seek past the deleted marker again: the next one, if any. */
		k.mv_size = seek.kb_len;
		k.mv_data = seek.kb_buf;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	if (left || an->aa_min_kept != UINT64_MAX)
		return 0;
	k.mv_size = ag->ag_path.kb_len;
	k.mv_data = ag->ag_path.kb_buf;
	rc        = mdb_del(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_KEY], &k, NULL);
	if (rc != 0)
		return vos_mdb2der(rc);
	vos_cont_account(ag->ag_cont, -(int64_t)(ag->ag_path.kb_len + VOS_AKEY_DF_LEN), 0);
	ag->ag_st->as_akey_dropped++;
	return 0;
}

/* ---- Driver ---- */

/* Work until the budget is spent (every call finishes at least one unit) or the pass ends. */
static int
agg_run(struct agg_ctx *ag)
{
	struct vos_agg_anchor *an       = ag->ag_an;
	bool                   progress = false;
	int                    rc;

	if (an->aa_state == AGG_START) {
		rc = agg_next_akey(ag, NULL, 0);
		if (rc != 0)
			return rc;
	}
	while (an->aa_state == AGG_AKEY && (ag->ag_budget > 0 || !progress)) {
		bool done = false;

		rc = agg_load_akey(ag);
		if (rc < 0)
			return rc;
		if (rc == 0 && an->aa_phase == AGG_VALUES) {
			while (!done && (ag->ag_budget > 0 || !progress)) {
				rc = ag->ag_ak.ad_type == DAOS_IOD_SINGLE ? agg_sv_step(ag, &done)
									   : agg_ev_step(ag, &done);
				if (rc != 0)
					return rc;
				progress = true;
			}
			if (!done)
				break;
			an->aa_phase = AGG_PUNCHES;
			if (ag->ag_budget == 0)
				break;
		}
		if (rc == 0) {
			rc = agg_punches(ag);
			if (rc != 0)
				return rc;
			progress = true;
		}
		/* The akey is finished (or was gone): on to the next. */
		rc = agg_next_akey(ag, an->aa_key, an->aa_klen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
vos_aggregate(struct vos_cont *cont, const daos_epoch_t *snapshots, unsigned nr_snap,
	      daos_epoch_t upper, struct vos_agg_anchor *anchor, unsigned budget,
	      struct vos_agg_stats *stats)
{
	struct vos_agg_anchor saved;
	struct vos_agg_stats  dummy = {0};
	struct vos_agg_stats  saved_st;
	struct agg_ctx       *ag;
	struct vos_pool      *pool;
	int                   rc;

	if (cont == NULL || anchor == NULL || budget == 0 || !vos_epoch_valid_update(upper) ||
	    nr_snap > VOS_AGG_SNAP_MAX || (nr_snap > 0 && snapshots == NULL) ||
	    anchor->aa_state > AGG_DONE ||
	    (anchor->aa_state != AGG_START && anchor->aa_cid != cont->vc_id))
		return -DER_INVAL;
	if (anchor->aa_state == AGG_AKEY &&
	    (anchor->aa_phase > AGG_PUNCHES || anchor->aa_klen >= VOS_AGG_KEY_MAX))
		return -DER_INVAL;
	if (anchor->aa_state == AGG_DONE)
		return 1;
	pool = cont->vc_pool;
	if (pool->vp_failed != 0)
		return pool->vp_failed;
	if (pool->vp_tx_state != VOS_TX_IDLE)
		return -DER_BUSY;
	ag = calloc(1, sizeof(*ag));
	if (ag == NULL)
		return -DER_NOMEM;
	ag->ag_cont   = cont;
	ag->ag_pool   = pool;
	ag->ag_an     = anchor;
	ag->ag_st     = stats != NULL ? stats : &dummy;
	ag->ag_upper  = upper;
	ag->ag_budget = budget;
	agg_views(ag, snapshots, nr_snap);
	saved    = *anchor;
	saved_st = *ag->ag_st;
	anchor->aa_cid = cont->vc_id;

	rc = vos_wtx_begin_raw(pool);
	if (rc != 0)
		goto out;
	rc = agg_run(ag);
	if (rc != 0) {
		D_ERROR("%s: aggregation step failed: " DF_RC "\n", pool->vp_dir, DP_RC(rc));
		vos_wtx_abort_raw(pool);
		goto out;
	}
	rc = vos_wtx_commit_raw(pool);
out:
	if (rc != 0) {
		*anchor     = saved; /* G3 */
		*ag->ag_st  = saved_st;
	} else {
		rc = anchor->aa_state == AGG_DONE ? 1 : 0;
	}
	free(ag);
	return rc;
}
