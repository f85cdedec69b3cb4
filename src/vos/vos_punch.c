/*
 * vos_punch.c: punch markers of objects, dkeys and akeys, and the lookup of
 * the newest punch covering a key at an epoch.
 *
 * A punch is a marker in VOS_DB_PUNCH keyed objkey | level | (dkey | (akey))
 * | ~epoch; it hides every write at an epoch e <= p from reads at E >= p
 * (vos.h, V1). Nothing is deleted: a punch frees no space, and reads at
 * epochs before the punch still see the data. Array ranges are punched by an
 * update with iod_size 0 (holes, vos_io.c).
 *
 * Invariants
 *   U1. All punch markers of an object share the objkey prefix, so "does this
 *       object have any punch" is one seek, and most reads stop there.
 *   U2. The newest punch <= E of one level is one seek to prefix | ~E
 *       (vos_key.c, K2).
 */
#include "vos/vos_internal.h"

int
vos_punch_level_max(struct vos_pool *pool, struct vos_txh *th, const struct vos_kbuf *prefix,
		    daos_epoch_t epoch, daos_epoch_t *punch)
{
	struct vos_kbuf kb;
	MDB_cursor     *cur;
	MDB_val         k;
	MDB_val         v;
	int             rc;

	*punch = 0;
	rc     = vos_txh_cursor(pool, th, VOS_DB_PUNCH, &cur);
	if (rc != 0)
		return rc;
	memcpy(kb.kb_buf, prefix->kb_buf, prefix->kb_len);
	kb.kb_len = prefix->kb_len;
	vos_key_add_epoch(&kb, epoch);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return vos_mdb2der(rc);
	/* Keys are self-delimiting, so the prefix plus the exact length is this key's marker. */
	if (k.mv_size == prefix->kb_len + 8 &&
	    vos_key_has_prefix(&k, prefix->kb_buf, prefix->kb_len))
		*punch = ~d_get_be64((const uint8_t *)k.mv_data + prefix->kb_len);
	return 0;
}

int
vos_punch_any(struct vos_pool *pool, struct vos_txh *th, uint32_t cid, daos_obj_id_t oid,
	      bool *any)
{
	struct vos_kbuf kb;
	MDB_cursor     *cur;
	MDB_val         k;
	MDB_val         v;
	int             rc;

	*any = false;
	if (th == &pool->vp_rtx && pool->vp_rtx_punches == 0)
		return 0; /* committed state without any punch marker */
	rc = vos_txh_cursor(pool, th, VOS_DB_PUNCH, &cur);
	if (rc != 0)
		return rc;
	vos_key_obj(&kb, cid, oid);
	k.mv_size = kb.kb_len;
	k.mv_data = kb.kb_buf;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return vos_mdb2der(rc);
	*any = vos_key_has_prefix(&k, kb.kb_buf, kb.kb_len);
	return 0;
}

int
vos_punch_max(struct vos_pool *pool, struct vos_txh *th, uint32_t cid, daos_obj_id_t oid,
	      const daos_key_t *dkey, const daos_key_t *akey, daos_epoch_t epoch,
	      daos_epoch_t *punch)
{
	struct vos_kbuf kb;
	daos_epoch_t    p;
	bool            any;
	int             rc;

	*punch = 0;
	rc     = vos_punch_any(pool, th, cid, oid, &any);
	if (rc != 0 || !any)
		return rc;
	vos_key_punch(&kb, cid, oid, VOS_PUNCH_OBJ, NULL, NULL);
	rc = vos_punch_level_max(pool, th, &kb, epoch, &p);
	if (rc != 0)
		return rc;
	*punch = p;
	if (dkey == NULL)
		return 0;
	vos_key_punch(&kb, cid, oid, VOS_PUNCH_DKEY, dkey, NULL);
	rc = vos_punch_level_max(pool, th, &kb, epoch, &p);
	if (rc != 0)
		return rc;
	if (p > *punch)
		*punch = p;
	if (akey == NULL)
		return 0;
	vos_key_punch(&kb, cid, oid, VOS_PUNCH_AKEY, dkey, akey);
	rc = vos_punch_level_max(pool, th, &kb, epoch, &p);
	if (rc != 0)
		return rc;
	if (p > *punch)
		*punch = p;
	return 0;
}

/*
 * Writes the markers of `nr` keys at one level. Everything is checked before
 * the first put, so a refusal leaves nothing staged.
 */
static int
punch_markers(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
	      enum vos_punch_level level, const daos_key_t *dkey, unsigned nr,
	      const daos_key_t *keys)
{
	struct vos_pool     *pool;
	struct vos_space_est est = {0};
	struct vos_kbuf      kb;
	uint8_t              val[VOS_PUNCH_DF_LEN] = {0};
	bool                 implicit;
	int                  rc;

	if (cont == NULL || !vos_epoch_valid_update(epoch))
		return -DER_INVAL;
	if (level != VOS_PUNCH_OBJ && (nr == 0 || nr > VOS_IOD_NR_MAX || keys == NULL))
		return -DER_INVAL;
	for (unsigned i = 0; level != VOS_PUNCH_OBJ && i < nr; i++) {
		rc = level == VOS_PUNCH_DKEY ? vos_check_key(&keys[i])
					     : vos_check_keys(dkey, &keys[i]);
		if (rc != 0)
			return rc;
	}
	pool = cont->vc_pool;
	rc   = vos_wtx_enter(pool, &implicit);
	if (rc != 0)
		return rc;

	for (unsigned i = 0; i < nr; i++) {
		vos_key_punch(&kb, cont->vc_id, oid, level,
			      level == VOS_PUNCH_DKEY ? &keys[i] : dkey,
			      level == VOS_PUNCH_AKEY ? &keys[i] : NULL);
		vos_space_est_put(pool, &est, VOS_DB_PUNCH, kb.kb_len + 8, sizeof(val));
	}
	rc = vos_space_check(pool, &est);
	if (rc != 0)
		goto out;

	for (unsigned i = 0; i < nr; i++) {
		MDB_val k;
		MDB_val v = {.mv_size = sizeof(val), .mv_data = val};

		vos_key_punch(&kb, cont->vc_id, oid, level,
			      level == VOS_PUNCH_DKEY ? &keys[i] : dkey,
			      level == VOS_PUNCH_AKEY ? &keys[i] : NULL);
		vos_key_add_epoch(&kb, epoch);
		k.mv_size = kb.kb_len;
		k.mv_data = kb.kb_buf;
		rc = mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_PUNCH], &k, &v,
			     MDB_NOOVERWRITE);
		if (rc == MDB_KEYEXIST) {
			rc = 0; /* the same punch again */
			continue;
		}
		if (rc != 0) {
			rc = vos_mdb2der(rc);
			vos_wtx_poison(pool, rc);
			goto out;
		}
		vos_cont_account(cont, (int64_t)(k.mv_size + sizeof(val)), 0);
	}
out:
	return vos_wtx_leave(pool, implicit, rc);
}

int
vos_obj_punch(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch)
{
	return punch_markers(cont, oid, epoch, VOS_PUNCH_OBJ, NULL, 1, NULL);
}

int
vos_obj_punch_dkeys(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch, unsigned nr,
		    const daos_key_t *dkeys)
{
	return punch_markers(cont, oid, epoch, VOS_PUNCH_DKEY, NULL, nr, dkeys);
}

int
vos_obj_punch_akeys(struct vos_cont *cont, daos_obj_id_t oid, daos_epoch_t epoch,
		    const daos_key_t *dkey, unsigned nr, const daos_key_t *akeys)
{
	int rc;

	rc = vos_check_key(dkey);
	if (rc != 0)
		return rc;
	return punch_markers(cont, oid, epoch, VOS_PUNCH_AKEY, dkey, nr, akeys);
}
