/*
 * vos_extent.c: array extents: finding the ones a range depends on and
 * resolving overlaps into the visible pieces.
 *
 * Extent records are keyed by start index (vos_internal.h), so the extents
 * overlapping [lo, hi) are among those starting in [lo - longest, hi), where
 * "longest" is the most records any one record of that kind holds (data is
 * chunked to VOS_EXTENT_CHUNK_MAX bytes, so its look-back stays short).
 *
 * Visibility order: an extent at (epoch, minor) covers older ones; minor is
 * per akey and grows with every write, so at equal epochs the later write
 * wins (vos.h, V3).
 *
 * Invariants
 *   E1. vos_ext_collect() returns exactly the extents with epoch in
 *       (punch, epoch] overlapping [lo, hi).
 *   E2. vos_ext_resolve() returns disjoint pieces in increasing index order,
 *       each inside [lo, hi) and inside the extent it names, whose union is
 *       the set of records whose newest covering extent holds data (with
 *       holes kept, vos_ext_resolve_owners(): of records covered at all,
 *       each piece naming the newest extent covering it).
 *   E3. The vectors live in pool scratch memory: they are valid until the
 *       next call on the same pool.
 */
#include <assert.h>
#include <stdlib.h>

#include "vos/vos_internal.h"

static int
ext_push(struct vos_pool *pool, uint32_t *nr, const struct vos_ext *e)
{
	int rc;

	if (*nr == UINT32_MAX)
		return -DER_OVERFLOW;
	rc = vos_scratch_reserve(&pool->vp_ext, ((size_t)*nr + 1) * sizeof(*e));
	if (rc != 0)
		return rc;
	((struct vos_ext *)pool->vp_ext.sc_buf)[(*nr)++] = *e;
	return 0;
}

/* Parses an extent key; -DER_DF_INVAL when its length is wrong. */
static int
ext_key_parse(const MDB_val *k, size_t plen, uint64_t *idx, uint64_t *epoch, uint64_t *minor)
{
	const uint8_t *p = (const uint8_t *)k->mv_data + plen + 1;

	if (k->mv_size != plen + VOS_EXT_SUFFIX_LEN)
		return -DER_DF_INVAL;
	*idx   = d_get_be64(p);
	*epoch = ~d_get_be64(p + 8);
	*minor = ~d_get_be64(p + 16);
	return 0;
}

static int
collect_kind(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *path,
	     enum vos_ext_kind kind, uint64_t longest, uint64_t rsize, uint64_t lo, uint64_t hi,
	     daos_epoch_t epoch, daos_epoch_t punch, uint32_t *nr, uint64_t *next_start)
{
	struct vos_kbuf kb;
	MDB_cursor     *cur;
	MDB_val         k;
	MDB_val         v;
	size_t          plen = path->kb_len;
	int             rc;

	rc = vos_txh_cursor(pool, th, VOS_DB_EV, &cur);
	if (rc != 0)
		return rc;
	memcpy(kb.kb_buf, path->kb_buf, plen);
	kb.kb_len = plen;
	vos_key_add_u8(&kb, (uint8_t)kind);
	vos_key_add_u64(&kb, lo > longest ? lo - longest : 0);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && vos_key_has_prefix(&k, kb.kb_buf, plen + 1)) {
		struct vos_val_df d;
		struct vos_ext    e;

		rc = ext_key_parse(&k, plen, &e.ve_idx, &e.ve_epoch, &e.ve_minor);
		if (rc != 0)
			return rc;
		if (e.ve_idx >= hi) {
			if (e.ve_idx < *next_start)
				*next_start = e.ve_idx;
			return 0;
		}
		if (e.ve_epoch <= epoch && e.ve_epoch > punch) {
			rc = vos_val_decode(&v, true, rsize, &d);
			if (rc != 0)
				return rc;
			if ((d.vd_flags == VOS_VF_HOLE) != (kind == VOS_EXT_HOLE))
				return -DER_DF_INVAL;
			e.ve_nr       = d.vd_size;
			e.ve_data     = d.vd_flags == VOS_VF_INLINE ? d.vd_data : NULL;
			e.ve_csum     = d.vd_csum;
			e.ve_csums    = d.vd_csums;
			e.ve_blob_off = d.vd_blob_off;
			e.ve_blob_len = d.vd_blob_len;
			e.ve_flags    = d.vd_flags;
			e.ve_checked  = false;
			e.ve_id       = *nr;
			if (e.ve_idx + e.ve_nr > lo) {
				rc = ext_push(pool, nr, &e);
				if (rc != 0)
					return rc;
			}
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : vos_mdb2der(rc);
}

int
vos_ext_collect(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *path,
		const struct vos_akey_df *ak, uint64_t lo, uint64_t hi, daos_epoch_t epoch,
		daos_epoch_t punch, uint32_t *nr, uint64_t *next_start)
{
	uint64_t next = UINT64_MAX;
	int      rc;

	*nr = 0;
	rc  = collect_kind(pool, th, path, VOS_EXT_DATA, ak->ad_longest, ak->ad_rsize, lo, hi,
			   epoch, punch, nr, &next);
	if (rc == 0)
		rc = collect_kind(pool, th, path, VOS_EXT_HOLE, ak->ad_longest_hole, ak->ad_rsize,
				  lo, hi, epoch, punch, nr, &next);
	if (next_start != NULL)
		*next_start = next;
	return rc;
}

int
vos_ext_any_visible(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *path,
		    daos_epoch_t epoch, daos_epoch_t punch, bool *any)
{
	struct vos_kbuf kb;
	MDB_cursor     *cur;
	MDB_val         k;
	MDB_val         v;
	int             rc;

	*any = false;
	rc   = vos_txh_cursor(pool, th, VOS_DB_EV, &cur);
	if (rc != 0)
		return rc;
	memcpy(kb.kb_buf, path->kb_buf, path->kb_len);
	kb.kb_len = path->kb_len;
	vos_key_add_u8(&kb, VOS_EXT_DATA);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && vos_key_has_prefix(&k, kb.kb_buf, kb.kb_len)) {
		uint64_t idx;
		uint64_t e;
		uint64_t minor;

		rc = ext_key_parse(&k, path->kb_len, &idx, &e, &minor);
		if (rc != 0)
			return rc;
		if (e <= epoch && e > punch) {
			*any = true;
			return 0;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : vos_mdb2der(rc);
}

/* ---- Resolution (sweep over the clipped extents with a max-heap) ---- */

struct resolve_ctx {
	const struct vos_ext *rc_ext;
	uint64_t              rc_lo;
	uint64_t              rc_hi;
};

static inline uint64_t
clip_start(const struct resolve_ctx *c, uint32_t i)
{
	uint64_t s = c->rc_ext[i].ve_idx;

	return s < c->rc_lo ? c->rc_lo : s;
}

static inline uint64_t
clip_end(const struct resolve_ctx *c, uint32_t i)
{
	uint64_t e = c->rc_ext[i].ve_idx + c->rc_ext[i].ve_nr;

	return e > c->rc_hi ? c->rc_hi : e;
}

/* Newer: greater (epoch, minor). */
static inline bool
ext_newer(const struct vos_ext *a, const struct vos_ext *b)
{
	return a->ve_epoch != b->ve_epoch ? a->ve_epoch > b->ve_epoch : a->ve_minor > b->ve_minor;
}

static int
cmp_start(const void *a, const void *b, void *arg)
{
	const struct resolve_ctx *c  = arg;
	uint64_t                  sa = clip_start(c, *(const uint32_t *)a);
	uint64_t                  sb = clip_start(c, *(const uint32_t *)b);

	return sa < sb ? -1 : sa > sb;
}

static void
heap_push(uint32_t *heap, uint32_t *n, uint32_t v, const struct vos_ext *ext)
{
	uint32_t i = (*n)++;

	heap[i] = v;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!ext_newer(&ext[heap[i]], &ext[heap[parent]]))
			break;
		heap[i]      = heap[parent];
		heap[parent] = v;
		i            = parent;
	}
}

static void
heap_pop(uint32_t *heap, uint32_t *n, const struct vos_ext *ext)
{
	uint32_t i = 0;

	heap[0] = heap[--(*n)];
	for (;;) {
		uint32_t l = 2 * i + 1;
		uint32_t r = l + 1;
		uint32_t m = i;
		uint32_t t;

		if (l < *n && ext_newer(&ext[heap[l]], &ext[heap[m]]))
			m = l;
		if (r < *n && ext_newer(&ext[heap[r]], &ext[heap[m]]))
			m = r;
		if (m == i)
			break;
		t       = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i       = m;
	}
}

static int
piece_add(struct vos_pool *pool, uint32_t *np, uint64_t s, uint64_t e, uint32_t ext)
{
	struct vos_piece *pc = pool->vp_piece.sc_buf;
	int               rc;

	/* Merge with the previous piece when it is the same extent, contiguous. */
	if (*np > 0 && pc[*np - 1].pc_ext == ext && pc[*np - 1].pc_idx + pc[*np - 1].pc_nr == s) {
		pc[*np - 1].pc_nr += e - s;
		return 0;
	}
	rc = vos_scratch_reserve(&pool->vp_piece, ((size_t)*np + 1) * sizeof(*pc));
	if (rc != 0)
		return rc;
	pc          = pool->vp_piece.sc_buf;
	pc[*np]     = (struct vos_piece){.pc_idx = s, .pc_nr = e - s, .pc_ext = ext};
	(*np)++;
	return 0;
}

size_t
vos_ext_vlen(const struct vos_ext *e, uint64_t rsize)
{
	switch (e->ve_flags) {
	case VOS_VF_INLINE:
		return VOS_VAL_HDR_LEN + e->ve_nr * rsize;
	case VOS_VF_BLOB:
		return VOS_VAL_HDR_LEN + 8 + 4 * (size_t)vos_csum_nr(e->ve_nr * rsize);
	default:
		return VOS_VAL_HDR_LEN;
	}
}

int
vos_ext_resolve(struct vos_pool *pool, struct vos_ext *exts, uint32_t nr, uint64_t lo,
		uint64_t hi, uint32_t *npieces)
{
	return vos_ext_resolve_owners(pool, exts, nr, lo, hi, false, npieces);
}

int
vos_ext_resolve_owners(struct vos_pool *pool, struct vos_ext *exts, uint32_t nr, uint64_t lo,
		       uint64_t hi, bool holes, uint32_t *npieces)
{
	struct resolve_ctx ctx = {.rc_ext = exts, .rc_lo = lo, .rc_hi = hi};
	uint32_t          *order;
	uint32_t          *heap;
	uint32_t           n   = 0;
	uint32_t           hn  = 0;
	uint32_t           i   = 0;
	uint32_t           np  = 0;
	uint64_t           pos = lo;
	int                rc;

	*npieces = 0;
	rc       = vos_scratch_reserve(&pool->vp_heap, 2 * (size_t)nr * sizeof(uint32_t) + 8);
	if (rc != 0)
		return rc;
	order = pool->vp_heap.sc_buf;
	heap  = order + nr;
	for (uint32_t j = 0; j < nr; j++)
		if (clip_start(&ctx, j) < clip_end(&ctx, j))
			order[n++] = j;
	qsort_r(order, n, sizeof(*order), cmp_start, &ctx);

	while (i < n || hn > 0) {
		uint64_t next;
		uint32_t top;

		if (hn == 0)
			pos = clip_start(&ctx, order[i]);
		while (i < n && clip_start(&ctx, order[i]) <= pos)
			heap_push(heap, &hn, order[i++], exts);
		/* Expired extents leave lazily, when they reach the top. */
		while (hn > 0 && clip_end(&ctx, heap[0]) <= pos)
			heap_pop(heap, &hn, exts);
		if (hn == 0)
			continue;
		top  = heap[0];
		next = clip_end(&ctx, top);
		if (i < n && clip_start(&ctx, order[i]) < next)
			next = clip_start(&ctx, order[i]);
		assert(next > pos);
		if (holes || vos_ext_is_data(&exts[top])) {
			rc = piece_add(pool, &np, pos, next, top);
			if (rc != 0)
				return rc;
		}
		pos = next;
	}
	*npieces = np;
	return 0;
}
