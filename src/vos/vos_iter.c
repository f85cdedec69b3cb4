/*
 * vos_iter.c: enumeration of objects, dkeys, akeys and array extents, with
 * resumable anchors, filtered by epoch (what exists at the epoch, vos.h V4).
 *
 * Anchor (daos_anchor_t.da_buf, DAOS_ANCHOR_BUF_MAX = 104 bytes):
 *   [0] kind: 'O' objects, 'D' dkeys, 'A' akeys, 'R' extents; [1] version 1
 *   objects  [8..15] be64 oid.hi, [16..23] be64 oid.lo of the last one listed
 *   keys     [2..3] be16 length, [4..11] CRC-64 of the key, [12..] its first
 *            VOS_ANCHOR_KEY_INLINE bytes: the last key listed
 *   extents  [8..15] be64 index to continue from (a single value is listed in
 *            one call, which ends at EOF)
 * The next call resumes strictly after the anchor's item. Keys longer than
 * VOS_ANCHOR_KEY_INLINE are found again by length, stored prefix and hash
 * among the keys sharing both; should that key be gone, listing resumes at
 * the first of them (a repeat, never a loss).
 *
 * Invariants
 *   N1. Items come in key order (objects by oid, keys by length then bytes,
 *       extents by index), and a resumed listing continues after the anchor's
 *       item, so a listing in many calls is the listing in one call (when no
 *       commit changes the visible state in between).
 *   N2. An item is listed only if it exists at the epoch (V4); the anchor
 *       only ever names an item that was listed.
 *   N3. The anchor is updated only when the call returns 0.
 */
#include "gurt/checksum.h"
#include "vos/vos_internal.h"

/** Key bytes kept in an anchor. */
#define VOS_ANCHOR_KEY_INLINE (DAOS_ANCHOR_BUF_MAX - 12)
/** Records of the first window an extent listing resolves. */
#define VOS_RECX_WINDOW       4096ULL

#define ANCHOR_VERSION 1

enum anchor_pos {
	ANCHOR_START,
	ANCHOR_RESUME,
	ANCHOR_EOF,
};

static int
anchor_open(const daos_anchor_t *a, uint8_t kind, enum anchor_pos *pos)
{
	switch (a->da_type) {
	case DAOS_ANCHOR_TYPE_ZERO:
		*pos = ANCHOR_START;
		return 0;
	case DAOS_ANCHOR_TYPE_EOF:
		*pos = ANCHOR_EOF;
		return 0;
	case DAOS_ANCHOR_TYPE_KEY:
		if (a->da_buf[0] != kind || a->da_buf[1] != ANCHOR_VERSION)
			return -DER_INVAL;
		*pos = ANCHOR_RESUME;
		return 0;
	default:
		return -DER_INVAL;
	}
}

static void
anchor_init(daos_anchor_t *a, uint8_t kind)
{
	memset(a->da_buf, 0, sizeof(a->da_buf));
	a->da_type   = DAOS_ANCHOR_TYPE_KEY;
	a->da_buf[0] = kind;
	a->da_buf[1] = ANCHOR_VERSION;
}

static void
anchor_set_key(daos_anchor_t *a, uint8_t kind, const uint8_t *key, size_t len)
{
	anchor_init(a, kind);
	d_put_be16(a->da_buf + 2, (uint16_t)len);
	d_put_be64(a->da_buf + 4, d_crc64(0, key, len));
	memcpy(a->da_buf + 12, key, len < VOS_ANCHOR_KEY_INLINE ? len : VOS_ANCHOR_KEY_INLINE);
}

/* ---- Visibility (V4) ---- */

struct vis_ctx {
	struct vos_pool *vx_pool;
	struct vos_txh  *vx_th;
	uint32_t         vx_cid;
	daos_obj_id_t    vx_oid;
	daos_epoch_t     vx_epoch;
	bool             vx_any_punch; /* the object has punch markers */
	daos_epoch_t     vx_p_obj;     /* newest object punch <= epoch */
};

static int
vis_init(struct vis_ctx *vx, struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	 struct vos_txh *th)
{
	struct vos_kbuf kb;
	int             rc;

	vx->vx_pool  = cont->vc_pool;
	vx->vx_th    = th;
	vx->vx_cid   = cont->vc_id;
	vx->vx_oid   = oid;
	vx->vx_epoch = epoch;
	vx->vx_p_obj = 0;
	rc = vos_punch_any(vx->vx_pool, th, vx->vx_cid, oid, &vx->vx_any_punch);
	if (rc != 0 || !vx->vx_any_punch)
		return rc;
	vos_key_punch(&kb, vx->vx_cid, oid, VOS_PUNCH_OBJ, NULL, NULL);
	return vos_punch_level_max(vx->vx_pool, th, &kb, epoch, &vx->vx_p_obj);
}

/* Newest punch <= epoch of the level whose key is objkey | level | path[20..plen). */
static int
vis_punch(const struct vis_ctx *vx, enum vos_punch_level level, const uint8_t *path,
	  size_t plen, daos_epoch_t *p)
{
	struct vos_kbuf kb;

	*p = 0;
	if (!vx->vx_any_punch)
		return 0;
	memcpy(kb.kb_buf, path, VOS_OBJKEY_LEN);
	kb.kb_buf[VOS_OBJKEY_LEN] = (uint8_t)level;
	memcpy(kb.kb_buf + VOS_OBJKEY_LEN + 1, path + VOS_OBJKEY_LEN, plen - VOS_OBJKEY_LEN);
	kb.kb_len = plen + 1;
	return vos_punch_level_max(vx->vx_pool, vx->vx_th, &kb, vx->vx_epoch, p);
}

/* Is the akey with path (key db entry k, record v) visible above punch p_od? */
static int
akey_visible(const struct vis_ctx *vx, const MDB_val *k, const MDB_val *v, daos_epoch_t p_od,
	     bool *vis, uint8_t *type)
{
	struct vos_akey_df ak;
	struct vos_kbuf    path;
	daos_epoch_t       p;
	daos_epoch_t       e = vx->vx_epoch;
	int                rc;

	*vis = false;
	if (k->mv_size >= VOS_KEY_BUF)
		return -DER_DF_INVAL;
	rc = vos_akey_decode(v, &ak);
	if (rc != 0)
		return rc;
	*type = ak.ad_type;
	rc    = vis_punch(vx, VOS_PUNCH_AKEY, k->mv_data, k->mv_size, &p);
	if (rc != 0)
		return rc;
	if (p < p_od)
		p = p_od;
	memcpy(path.kb_buf, k->mv_data, k->mv_size);
	path.kb_len = k->mv_size;

	if (ak.ad_type == DAOS_IOD_SINGLE) {
		MDB_cursor *cur;
		MDB_val     sk;
		MDB_val     sv;

		rc = vos_txh_cursor(vx->vx_pool, vx->vx_th, VOS_DB_SV, &cur);
		if (rc != 0)
			return rc;
		vos_key_add_epoch(&path, e);
		sk.mv_size = path.kb_len;
		sk.mv_data = path.kb_buf;
		rc         = mdb_cursor_get(cur, &sk, &sv, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc != 0)
			return vos_mdb2der(rc);
		/* The newest version at or before the epoch, unless a punch hides it. */
		if (sk.mv_size == k->mv_size + 8 && vos_key_has_prefix(&sk, k->mv_data, k->mv_size))
			*vis = ~d_get_be64((const uint8_t *)sk.mv_data + k->mv_size) > p;
		return 0;
	}
	/* Array: I4 bounds answer most cases without touching the extents. */
	if (ak.ad_first == UINT64_MAX || ak.ad_first > e || ak.ad_last <= p)
		return 0;
	/* Exact bounds name a data write: one in (p, e] is visible. Loose ones only bound. */
	if (!(ak.ad_flags & VOS_AD_LOOSE) && (ak.ad_first > p || ak.ad_last <= e)) {
		*vis = true;
		return 0;
	}
	return vos_ext_any_visible(vx->vx_pool, vx->vx_th, &path, e, p, vis);
}

/* Length of the dkey group prefix (objkey | dlen | dkey) of a key db key; 0 if malformed. */
static size_t
dkey_prefix_len(const MDB_val *k)
{
	size_t dlen;

	if (k->mv_size < VOS_OBJKEY_LEN + 2)
		return 0;
	dlen = d_get_be16((const uint8_t *)k->mv_data + VOS_OBJKEY_LEN);
	if (dlen == 0 || k->mv_size < VOS_OBJKEY_LEN + 2 + dlen + 2)
		return 0;
	return VOS_OBJKEY_LEN + 2 + dlen;
}

/*
 * The key cursor is on the first akey of a dkey group (k, v). Walks the group
 * until an akey is visible. On return *vis tells; the cursor is somewhere in
 * or just after the group. The group prefix is copied to gp.
 */
static int
dkey_group_visible(const struct vis_ctx *vx, MDB_cursor *kc, MDB_val *k, MDB_val *v,
		   struct vos_kbuf *gp, bool *vis)
{
	daos_epoch_t p_d;
	daos_epoch_t p_od;
	uint8_t      type;
	int          rc;

	*vis      = false;
	gp->kb_len = dkey_prefix_len(k);
	if (gp->kb_len == 0)
		return -DER_DF_INVAL;
	memcpy(gp->kb_buf, k->mv_data, gp->kb_len);
	rc = vis_punch(vx, VOS_PUNCH_DKEY, gp->kb_buf, gp->kb_len, &p_d);
	if (rc != 0)
		return rc;
	p_od = p_d > vx->vx_p_obj ? p_d : vx->vx_p_obj;
	rc   = 0;
	while (rc == 0 && vos_key_has_prefix(k, gp->kb_buf, gp->kb_len)) {
		rc = akey_visible(vx, k, v, p_od, vis, &type);
		if (rc != 0 || *vis)
			return rc;
		rc = mdb_cursor_get(kc, k, v, MDB_NEXT);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : vos_mdb2der(rc);
}

/* Positions kc on the first key db entry after the dkey group gp. */
static int
seek_after_group(MDB_cursor *kc, const struct vos_kbuf *gp, MDB_val *k, MDB_val *v)
{
	struct vos_kbuf kb = *gp;

	/* An akey length is at most VOS_KEYS_MAX, so 0xFFFF sorts after every akey. */
	kb.kb_buf[kb.kb_len++] = 0xFF;
	kb.kb_buf[kb.kb_len++] = 0xFF;
	k->mv_size             = kb.kb_len;
	k->mv_data             = kb.kb_buf;
	return mdb_cursor_get(kc, k, v, MDB_SET_RANGE);
}

/* Does the object have anything visible (deep check through its keys)? */
static int
obj_visible(const struct vis_ctx *vx, MDB_cursor *kc, bool *vis)
{
	struct vos_kbuf ok;
	struct vos_kbuf gp;
	MDB_val         k;
	MDB_val         v;
	int             rc;

	*vis = false;
	vos_key_obj(&ok, vx->vx_cid, vx->vx_oid);
	k.mv_size = ok.kb_len;
	k.mv_data = ok.kb_buf;
	rc        = mdb_cursor_get(kc, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && vos_key_has_prefix(&k, ok.kb_buf, ok.kb_len)) {
		rc = dkey_group_visible(vx, kc, &k, &v, &gp, vis);
		if (rc != 0 || *vis)
			return rc;
		rc = seek_after_group(kc, &gp, &k, &v);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : vos_mdb2der(rc);
}

/* ---- Key output ---- */

struct key_out {
	uint32_t         ko_max;
	uint32_t         ko_nr;
	daos_key_desc_t *ko_kds;
	d_sg_list_t     *ko_sgl;
	uint64_t         ko_cap;
	uint64_t         ko_off;
};

static int
key_out_init(struct key_out *ko, uint32_t *nr, daos_key_desc_t *kds, d_sg_list_t *sgl)
{
	if (nr == NULL || *nr == 0 || *nr > VOS_ITER_NR_MAX || kds == NULL || sgl == NULL)
		return -DER_INVAL;
	ko->ko_max = *nr;
	ko->ko_nr  = 0;
	ko->ko_kds = kds;
	ko->ko_sgl = sgl;
	ko->ko_off = 0;
	return vos_sgl_size(sgl, true, &ko->ko_cap);
}

/* 0: added; 1: no room (stop before it); -DER_KEY2BIG: not even the first fits. */
static int
key_out_add(struct key_out *ko, const uint8_t *key, size_t len, uint32_t type)
{
	if (ko->ko_off + len > ko->ko_cap) {
		if (ko->ko_nr > 0)
			return 1;
		ko->ko_kds[0].kd_key_len = len;
		return -DER_KEY2BIG;
	}
	vos_sgl_put(ko->ko_sgl, ko->ko_off, key, len);
	ko->ko_off += len;
	ko->ko_kds[ko->ko_nr] = (daos_key_desc_t){.kd_key_len = len, .kd_val_type = type};
	ko->ko_nr++;
	return 0;
}

static void
key_out_done(struct key_out *ko, uint32_t *nr)
{
	vos_sgl_set_out(ko->ko_sgl, ko->ko_off);
	*nr = ko->ko_nr;
}

/* Key length in a key anchor, checked: 0 when invalid. */
static size_t
anchor_key_len(const daos_anchor_t *a)
{
	size_t len = d_get_be16(a->da_buf + 2);

	return len <= VOS_KEYS_MAX ? len : 0;
}

/*
 * Positions kc after the anchor's key (its length checked by
 * anchor_key_len()) among the entries under `base` (objkey for dkeys, the
 * dkey group for akeys). For a dkey the entry after the key is past its whole
 * group; for an akey it is the next entry. Returns an LMDB code.
 */
static int
seek_resume(MDB_cursor *kc, const struct vos_kbuf *base, const daos_anchor_t *a, bool dkeys,
	    MDB_val *k, MDB_val *v)
{
	struct vos_kbuf kb  = *base;
	size_t          len = d_get_be16(a->da_buf + 2);
	uint64_t        hash = d_get_be64(a->da_buf + 4);
	size_t          stored;
	int             rc;

	stored = len < VOS_ANCHOR_KEY_INLINE ? len : VOS_ANCHOR_KEY_INLINE;
	d_put_be16(kb.kb_buf + kb.kb_len, (uint16_t)len);
	memcpy(kb.kb_buf + kb.kb_len + 2, a->da_buf + 12, stored);
	kb.kb_len += 2 + stored;

	if (stored == len) {
		/* The whole key: seek just past it (and past its akeys, for a dkey). */
		if (dkeys) {
			kb.kb_buf[kb.kb_len++] = 0xFF;
			kb.kb_buf[kb.kb_len++] = 0xFF;
		} else {
			kb.kb_buf[kb.kb_len++] = 0x00;
		}
		k->mv_size = kb.kb_len;
		k->mv_data = kb.kb_buf;
		return mdb_cursor_get(kc, k, v, MDB_SET_RANGE);
	}

	/* Truncated: walk the keys with this length and prefix, looking for the hash. */
	k->mv_size = kb.kb_len;
	k->mv_data = kb.kb_buf;
	rc         = mdb_cursor_get(kc, k, v, MDB_SET_RANGE);
	while (rc == 0 && vos_key_has_prefix(k, kb.kb_buf, kb.kb_len) &&
	       k->mv_size >= base->kb_len + 2 + len) {
		const uint8_t *key = (const uint8_t *)k->mv_data + base->kb_len + 2;

		if (d_crc64(0, key, len) == hash) {
			struct vos_kbuf after;

			memcpy(after.kb_buf, k->mv_data, base->kb_len + 2 + len);
			after.kb_len = base->kb_len + 2 + len;
			if (dkeys)
				return seek_after_group(kc, &after, k, v);
			return mdb_cursor_get(kc, k, v, MDB_NEXT);
		}
		rc = mdb_cursor_get(kc, k, v, MDB_NEXT);
	}
	/* Not found (removed since): restart at the first key of that length and prefix. */
	k->mv_size = kb.kb_len;
	k->mv_data = kb.kb_buf;
	return mdb_cursor_get(kc, k, v, MDB_SET_RANGE);
}

/* ---- Objects ---- */

int
vos_obj_list(struct vos_cont *cont, daos_epoch_t epoch, uint32_t *nr, daos_obj_id_t *oids,
	     daos_anchor_t *anchor)
{
	struct vos_pool *pool;
	struct vos_txh  *th;
	MDB_cursor      *oc;
	MDB_cursor      *kc;
	enum anchor_pos  pos;
	uint8_t          prefix[4];
	uint8_t          seek[VOS_OBJKEY_LEN + 1];
	MDB_val          k;
	MDB_val          v;
	uint32_t         out = 0;
	daos_obj_id_t    last = {0};
	int              rc;

	if (cont == NULL || nr == NULL || *nr == 0 || *nr > VOS_ITER_NR_MAX || oids == NULL ||
	    anchor == NULL)
		return -DER_INVAL;
	rc = anchor_open(anchor, 'O', &pos);
	if (rc != 0)
		return rc;
	if (pos == ANCHOR_EOF) {
		*nr = 0;
		return 0;
	}
	pool = cont->vc_pool;
	rc   = vos_rtx_get(pool, &th);
	if (rc == 0)
		rc = vos_txh_cursor(pool, th, VOS_DB_OBJ, &oc);
	if (rc == 0)
		rc = vos_txh_cursor(pool, th, VOS_DB_KEY, &kc);
	if (rc != 0)
		return rc;

	d_put_be32(prefix, cont->vc_id);
	memcpy(seek, prefix, 4);
	k.mv_data = seek;
	k.mv_size = 4;
	if (pos == ANCHOR_RESUME) {
		memcpy(seek + 4, anchor->da_buf + 8, 16);
		seek[VOS_OBJKEY_LEN] = 0; /* just past the anchor's object */
		k.mv_size            = sizeof(seek);
	}
	rc = mdb_cursor_get(oc, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && out < *nr && vos_key_has_prefix(&k, prefix, 4)) {
		struct vos_obj_df od;
		struct vis_ctx    vx;
		daos_obj_id_t     oid;
		bool              vis;

		if (k.mv_size != VOS_OBJKEY_LEN)
			return -DER_DF_INVAL;
		rc = vos_obj_decode(&v, &od);
		if (rc != 0)
			return rc;
		vos_key_get_obj(k.mv_data, NULL, &oid);
		if (od.od_first <= epoch) {
			rc = vis_init(&vx, cont, oid, epoch, th);
			if (rc != 0)
				return rc;
			/* No punch at all: the first data write is visible (unless aggregation
			 * removed it: loose bounds). */
			vis = !vx.vx_any_punch && !(od.od_flags & VOS_OD_LOOSE);
			if (!vis) {
				rc = obj_visible(&vx, kc, &vis);
				if (rc != 0)
					return rc;
			}
			if (vis) {
				oids[out++] = oid;
				last        = oid;
			}
		}
		rc = mdb_cursor_get(oc, &k, &v, MDB_NEXT);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	*nr = out;
	if (rc == MDB_NOTFOUND || !vos_key_has_prefix(&k, prefix, 4)) {
		anchor->da_type = DAOS_ANCHOR_TYPE_EOF;
		return 0;
	}
	if (out > 0) {
		anchor_init(anchor, 'O');
		d_put_be64(anchor->da_buf + 8, last.hi);
		d_put_be64(anchor->da_buf + 16, last.lo);
	}
	return 0;
}

/* ---- dkeys and akeys ---- */

int
vos_dkey_list(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch, uint32_t *nr,
	      daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor)
{
	struct vos_txh *th;
	struct vis_ctx  vx;
	struct key_out  ko;
	struct vos_kbuf ok;
	struct vos_kbuf gp;
	struct vos_kbuf last = {.kb_len = 0};
	enum anchor_pos pos;
	MDB_cursor     *kc;
	MDB_val         k;
	MDB_val         v;
	bool            eof = false;
	int             rc;

	if (cont == NULL || anchor == NULL)
		return -DER_INVAL;
	rc = key_out_init(&ko, nr, kds, sgl);
	if (rc == 0)
		rc = anchor_open(anchor, 'D', &pos);
	if (rc == 0 && pos == ANCHOR_RESUME && anchor_key_len(anchor) == 0)
		rc = -DER_INVAL;
	if (rc != 0)
		return rc;
	if (pos == ANCHOR_EOF) {
		key_out_done(&ko, nr);
		return 0;
	}
	rc = vos_rtx_get(cont->vc_pool, &th);
	if (rc == 0)
		rc = vos_txh_cursor(cont->vc_pool, th, VOS_DB_KEY, &kc);
	if (rc == 0)
		rc = vis_init(&vx, cont, oid, epoch, th);
	if (rc != 0)
		return rc;

	vos_key_obj(&ok, cont->vc_id, oid);
	if (pos == ANCHOR_RESUME) {
		rc = seek_resume(kc, &ok, anchor, true, &k, &v);
	} else {
		k.mv_size = ok.kb_len;
		k.mv_data = ok.kb_buf;
		rc        = mdb_cursor_get(kc, &k, &v, MDB_SET_RANGE);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	for (;;) {
		bool vis;

		if (rc == MDB_NOTFOUND || (rc == 0 && !vos_key_has_prefix(&k, ok.kb_buf, ok.kb_len))) {
			eof = true;
			break;
		}
		if (rc != 0)
			return vos_mdb2der(rc);
		rc = dkey_group_visible(&vx, kc, &k, &v, &gp, &vis);
		if (rc != 0)
			return rc;
		if (vis) {
			rc = key_out_add(&ko, gp.kb_buf + VOS_OBJKEY_LEN + 2,
					 gp.kb_len - VOS_OBJKEY_LEN - 2, 0);
			if (rc < 0) {
				*nr = 0;
				return rc;
			}
			if (rc == 1)
				break;
			last = gp;
			if (ko.ko_nr == ko.ko_max) {
				/* Stop here; a later call finds out whether more follow. */
				break;
			}
		}
		rc = seek_after_group(kc, &gp, &k, &v);
	}
	key_out_done(&ko, nr);
	if (eof)
		anchor->da_type = DAOS_ANCHOR_TYPE_EOF;
	else if (last.kb_len > 0)
		anchor_set_key(anchor, 'D', last.kb_buf + VOS_OBJKEY_LEN + 2,
			       last.kb_len - VOS_OBJKEY_LEN - 2);
	return 0;
}

int
vos_akey_list(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	      const daos_key_t *dkey, uint32_t *nr, daos_key_desc_t *kds, d_sg_list_t *sgl,
	      daos_anchor_t *anchor)
{
	struct vos_txh *th;
	struct vis_ctx  vx;
	struct key_out  ko;
	struct vos_kbuf gp;
	struct vos_kbuf last = {.kb_len = 0};
	enum anchor_pos pos;
	daos_epoch_t    p_d;
	daos_epoch_t    p_od;
	MDB_cursor     *kc;
	MDB_val         k;
	MDB_val         v;
	bool            eof = false;
	int             rc;

	if (cont == NULL || anchor == NULL)
		return -DER_INVAL;
	rc = vos_check_key(dkey);
	if (rc == 0)
		rc = key_out_init(&ko, nr, kds, sgl);
	if (rc == 0)
		rc = anchor_open(anchor, 'A', &pos);
	if (rc == 0 && pos == ANCHOR_RESUME && anchor_key_len(anchor) == 0)
		rc = -DER_INVAL;
	if (rc != 0)
		return rc;
	if (pos == ANCHOR_EOF) {
		key_out_done(&ko, nr);
		return 0;
	}
	rc = vos_rtx_get(cont->vc_pool, &th);
	if (rc == 0)
		rc = vos_txh_cursor(cont->vc_pool, th, VOS_DB_KEY, &kc);
	if (rc == 0)
		rc = vis_init(&vx, cont, oid, epoch, th);
	if (rc != 0)
		return rc;

	vos_key_obj(&gp, cont->vc_id, oid);
	vos_key_add_str(&gp, dkey->iov_buf, dkey->iov_len);
	rc = vis_punch(&vx, VOS_PUNCH_DKEY, gp.kb_buf, gp.kb_len, &p_d);
	if (rc != 0)
		return rc;
	p_od = p_d > vx.vx_p_obj ? p_d : vx.vx_p_obj;

	if (pos == ANCHOR_RESUME) {
		rc = seek_resume(kc, &gp, anchor, false, &k, &v);
	} else {
		k.mv_size = gp.kb_len;
		k.mv_data = gp.kb_buf;
		rc        = mdb_cursor_get(kc, &k, &v, MDB_SET_RANGE);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return vos_mdb2der(rc);
	for (;;) {
		uint8_t type;
		bool    vis;

		if (rc == MDB_NOTFOUND || (rc == 0 && !vos_key_has_prefix(&k, gp.kb_buf, gp.kb_len))) {
			eof = true;
			break;
		}
		if (rc != 0)
			return vos_mdb2der(rc);
		if (k.mv_size < gp.kb_len + 3)
			return -DER_DF_INVAL;
		rc = akey_visible(&vx, &k, &v, p_od, &vis, &type);
		if (rc != 0)
			return rc;
		if (vis) {
			rc = key_out_add(&ko, (const uint8_t *)k.mv_data + gp.kb_len + 2,
					 k.mv_size - gp.kb_len - 2, type);
			if (rc < 0) {
				*nr = 0;
				return rc;
			}
			if (rc == 1)
				break;
			memcpy(last.kb_buf, k.mv_data, k.mv_size);
			last.kb_len = k.mv_size;
			if (ko.ko_nr == ko.ko_max)
				break;
		}
		rc = mdb_cursor_get(kc, &k, &v, MDB_NEXT);
	}
	key_out_done(&ko, nr);
	if (eof)
		anchor->da_type = DAOS_ANCHOR_TYPE_EOF;
	else if (last.kb_len > 0)
		anchor_set_key(anchor, 'A', last.kb_buf + gp.kb_len + 2,
			       last.kb_len - gp.kb_len - 2);
	return 0;
}

/* ---- Extents ---- */

struct recx_out {
	uint32_t            ro_max;
	uint32_t            ro_nr;
	daos_recx_t        *ro_recxs;
	daos_epoch_range_t *ro_eprs;
};

static void
recx_out_add(struct recx_out *ro, uint64_t idx, uint64_t nr, daos_epoch_t e)
{
	ro->ro_recxs[ro->ro_nr] = (daos_recx_t){.rx_idx = idx, .rx_nr = nr};
	if (ro->ro_eprs != NULL)
		ro->ro_eprs[ro->ro_nr] = (daos_epoch_range_t){.epr_lo = e, .epr_hi = e};
	ro->ro_nr++;
}

/* Lists array pieces from *x on, window by window; sets *eof at the end. */
static int
recx_list_array(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *path,
		const struct vos_akey_df *ak, daos_epoch_t epoch, daos_epoch_t punch,
		struct recx_out *ro, uint64_t *x, bool *eof)
{
	uint64_t w = VOS_RECX_WINDOW;
	uint64_t pos = *x;
	int      rc;

	if (w < 2 * ak->ad_longest)
		w = 2 * ak->ad_longest;
	*eof = false;
	while (ro->ro_nr < ro->ro_max) {
		struct vos_ext   *ext;
		struct vos_piece *pc;
		uint64_t          hi;
		uint64_t          next;
		uint64_t          pstart  = 0;
		bool              partial = false;
		bool              extends = false;
		uint32_t          emitted;
		uint32_t          n;
		uint32_t          np;

		if (pos >= VOS_ARRAY_IDX_MAX) {
			*eof = true;
			break;
		}
		hi = VOS_ARRAY_IDX_MAX - pos > w ? pos + w : VOS_ARRAY_IDX_MAX;
		rc = vos_ext_collect(pool, th, path, ak, pos, hi, epoch, punch, &n, &next);
		if (rc != 0)
			return rc;
		if (n == 0) {
			if (next == UINT64_MAX) {
				*eof = true;
				break;
			}
			pos = next;
			continue;
		}
		ext = pool->vp_ext.sc_buf;
		rc  = vos_ext_resolve(pool, ext, n, pos, hi, &np);
		if (rc != 0)
			return rc;
		pc = pool->vp_piece.sc_buf;
		for (uint32_t j = 0; j < n; j++)
			if (ext[j].ve_idx + ext[j].ve_nr > hi)
				extends = true;
		emitted = 0;
		for (uint32_t j = 0; j < np && ro->ro_nr < ro->ro_max; j++) {
			const struct vos_ext *e   = &ext[pc[j].pc_ext];
			uint64_t              end = pc[j].pc_idx + pc[j].pc_nr;

			/* A piece cut by the window may continue past it: resolve it again. */
			if (end == hi && hi < VOS_ARRAY_IDX_MAX && e->ve_idx + e->ve_nr > hi) {
				partial = true;
				pstart  = pc[j].pc_idx;
				break;
			}
			recx_out_add(ro, pc[j].pc_idx, pc[j].pc_nr, e->ve_epoch);
			emitted++;
			pos = end;
		}
		if (ro->ro_nr == ro->ro_max)
			break;
		/* Long pieces or long holes: widen the window so the walk stays logarithmic. */
		if ((partial || emitted == 0) && w < VOS_ARRAY_IDX_MAX / 2)
			w *= 2;
		if (partial) {
			pos = pstart;
			continue;
		}
		pos = hi;
		if (!extends) {
			if (next == UINT64_MAX) {
				*eof = true;
				break;
			}
			if (next > pos)
				pos = next;
		}
	}
	*x = pos;
	return 0;
}

int
vos_recx_list(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	      const daos_key_t *dkey, const daos_key_t *akey, daos_size_t *rsize, uint32_t *nr,
	      daos_recx_t *recxs, daos_epoch_range_t *eprs, daos_anchor_t *anchor)
{
	struct recx_out    ro = {0};
	struct vos_akey_df ak;
	struct vos_pool   *pool;
	struct vos_txh    *th;
	struct vos_kbuf    path;
	struct vis_ctx     vx;
	enum anchor_pos    pos;
	daos_epoch_t       punch;
	MDB_val            k;
	MDB_val            v;
	uint64_t           x   = 0;
	bool               eof = true;
	bool               vis;
	uint8_t            type;
	int                rc;

	if (cont == NULL || rsize == NULL || nr == NULL || *nr == 0 || *nr > VOS_ITER_NR_MAX ||
	    recxs == NULL || anchor == NULL)
		return -DER_INVAL;
	rc = vos_check_keys(dkey, akey);
	if (rc == 0)
		rc = anchor_open(anchor, 'R', &pos);
	if (rc != 0)
		return rc;
	ro.ro_max   = *nr;
	ro.ro_recxs = recxs;
	ro.ro_eprs  = eprs;
	*rsize      = 0;
	if (pos == ANCHOR_EOF) {
		*nr = 0;
		return 0;
	}
	if (pos == ANCHOR_RESUME) {
		x = d_get_be64(anchor->da_buf + 8);
		if (x > VOS_ARRAY_IDX_MAX)
			return -DER_INVAL;
	}

	pool = cont->vc_pool;
	rc   = vos_rtx_get(pool, &th);
	if (rc == 0)
		rc = vis_init(&vx, cont, oid, epoch, th);
	if (rc != 0)
		return rc;
	vos_key_path(&path, cont->vc_id, oid, dkey, akey);
	k.mv_size = path.kb_len;
	k.mv_data = path.kb_buf;
	rc        = mdb_get(th->th_txn, pool->vp_dbi[VOS_DB_KEY], &k, &v);
	if (rc == MDB_NOTFOUND)
		goto done;
	if (rc != 0)
		return vos_mdb2der(rc);
	rc = vos_akey_decode(&v, &ak);
	if (rc == 0)
		rc = vos_punch_max(pool, th, cont->vc_id, oid, dkey, akey, epoch, &punch);
	if (rc == 0)
		rc = akey_visible(&vx, &k, &v, punch, &vis, &type);
	if (rc != 0)
		return rc;
	if (!vis)
		goto done;

	if (ak.ad_type == DAOS_IOD_SINGLE) {
		struct vos_kbuf sk = path;
		MDB_cursor     *cur;

		/* Listed in one go: the anchor only ever ends at EOF. */
		rc = vos_txh_cursor(pool, th, VOS_DB_SV, &cur);
		if (rc != 0)
			return rc;
		vos_key_add_epoch(&sk, epoch);
		k.mv_size = sk.kb_len;
		k.mv_data = sk.kb_buf;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc != 0)
			return vos_mdb2der(rc); /* akey_visible() found it */
		*rsize = v.mv_size - VOS_VAL_HDR_LEN;
		recx_out_add(&ro, 0, 1, ~d_get_be64((const uint8_t *)k.mv_data + path.kb_len));
		goto done;
	}
	*rsize = ak.ad_rsize;
	rc     = recx_list_array(pool, th, &path, &ak, epoch, punch, &ro, &x, &eof);
	if (rc != 0)
		return rc;
done:
	*nr = ro.ro_nr;
	if (eof) {
		anchor->da_type = DAOS_ANCHOR_TYPE_EOF;
	} else {
		anchor_init(anchor, 'R');
		d_put_be64(anchor->da_buf + 8, x);
	}
	return 0;
}
