/*
 * vos_cont.c: containers: create, destroy, open, close, query, and the
 * accounting of the space each one uses.
 *
 * A container is a record in VOS_DB_CONT keyed by its UUID, holding a
 * 32-bit id that prefixes every key of its objects; ids come from the pool
 * header and are never reused, so a crash in the middle of a destroy can
 * never mix old records into a new container.
 *
 * Invariants
 *   C1. A container is open-able exactly when its record exists without
 *       VOS_CONT_DESTROYING.
 *   C2. Destroy deletes at most VOS_DESTROY_BATCH entries per transaction;
 *       when it needs more than one, the first also sets DESTROYING, and the
 *       last deletes the record. vos_pool_open() finishes what a crash
 *       interrupted.
 *   C3. cd_scm_used is the sum of key + value bytes of the container's
 *       records (object, akey, value, punch) as of the last commit: each
 *       write transaction accumulates deltas in the struct vos_cont and
 *       writes them just before committing (vos_cont_flush_deltas()).
 *   C4. A struct vos_cont lives while it has handles (vc_ref) or pending
 *       deltas (vc_dirty).
 *   C5. cd_nvme_used is the sum of the blob extents its records reference, as
 *       of the last commit (vos_pool_check() verifies it). Destroy defers the
 *       free of every blob extent it deletes (vos_blob.c, B3) and, when it
 *       freed any, runs one more transaction so that they are free again
 *       when it returns.
 *   C6. A record's cd_version is VOS_CONT_DF_VERSION from its create on
 *       (every rewrite keeps the version it decoded); a container whose
 *       version lies outside [VOS_CONT_DF_VERSION_MIN, VOS_CONT_DF_VERSION_MAX]
 *       is never opened (-DER_DF_INCOMPT), but can be destroyed.
 */
#define D_LOGFAC DD_FAC(vos)

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "gurt/log.h"
#include "vos/vos_internal.h"

/** Destroys resumed per scan of the container table at open. */
#define VOS_RESUME_BATCH 16

static struct vos_cont *
cont_find(struct vos_pool *pool, const uuid_t uuid)
{
	for (struct vos_cont *c = pool->vp_conts; c != NULL; c = c->vc_next)
		if (uuid_compare(c->vc_uuid, uuid) == 0)
			return c;
	return NULL;
}

void
vos_cont_release(struct vos_cont *cont)
{
	struct vos_pool  *pool = cont->vc_pool;
	struct vos_cont **pp;

	if (cont->vc_ref > 0 || cont->vc_dirty)
		return;
	for (pp = &pool->vp_conts; *pp != NULL; pp = &(*pp)->vc_next) {
		if (*pp == cont) {
			*pp = cont->vc_next;
			break;
		}
	}
	free(cont);
}

static int
cont_get(struct vos_pool *pool, struct vos_txh *th, const uuid_t uuid, struct vos_cont_df *cd)
{
	MDB_val k = {.mv_size = 16, .mv_data = (void *)uuid};
	MDB_val v;
	int     rc;

	rc = mdb_get(th->th_txn, pool->vp_dbi[VOS_DB_CONT], &k, &v);
	if (rc != 0)
		return vos_mdb2der(rc);
	return vos_cont_decode(&v, cd);
}

static int
cont_put(struct vos_pool *pool, const uuid_t uuid, const struct vos_cont_df *cd)
{
	uint8_t buf[VOS_CONT_DF_LEN];
	MDB_val k = {.mv_size = 16, .mv_data = (void *)uuid};
	MDB_val v = {.mv_size = sizeof(buf), .mv_data = buf};

	vos_cont_encode(cd, buf);
	return vos_mdb2der(mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_CONT], &k, &v, 0));
}

static int
check_admin(struct vos_pool *pool, const uuid_t uuid)
{
	if (pool == NULL || uuid == NULL || uuid_is_null(uuid))
		return -DER_INVAL;
	if (pool->vp_failed != 0)
		return pool->vp_failed;
	/* Create and destroy commit on their own; they cannot join a caller's batch. */
	if (pool->vp_tx_state != VOS_TX_IDLE)
		return -DER_BUSY;
	return 0;
}

int
vos_cont_create(struct vos_pool *pool, const uuid_t cont_uuid)
{
	struct vos_cont_df   cd  = {0};
	struct vos_hdr_df    hdr;
	struct vos_space_est est = {0};
	uint8_t              hbuf[VOS_HDR_DF_LEN];
	MDB_val              k   = {.mv_size = sizeof(VOS_HDR_KEY) - 1, .mv_data = VOS_HDR_KEY};
	MDB_val              v;
	int                  rc;

	rc = check_admin(pool, cont_uuid);
	if (rc != 0)
		return rc;
	rc = vos_wtx_begin_raw(pool);
	if (rc != 0)
		return rc;
	rc = cont_get(pool, &pool->vp_wtx, cont_uuid, &cd);
	if (rc == 0) {
		rc = (cd.cd_flags & VOS_CONT_DESTROYING) ? -DER_BUSY : -DER_EXIST;
		goto abort;
	}
	if (rc != -DER_NONEXIST)
		goto abort;

	hdr = pool->vp_hdr;
	if (hdr.hd_next_cont > VOS_CONT_ID_MAX) {
		rc = -DER_OVERFLOW;
		goto abort;
	}
	vos_space_est_put(pool, &est, VOS_DB_CONT, 16, VOS_CONT_DF_LEN);
	vos_space_est_put(pool, &est, VOS_DB_HDR, k.mv_size, VOS_HDR_DF_LEN);
	rc = vos_space_check(pool, &est);
	if (rc != 0)
		goto abort;

	memset(&cd, 0, sizeof(cd));
	cd.cd_id      = hdr.hd_next_cont++;
	cd.cd_version = VOS_CONT_DF_VERSION; /* C6 */
	rc       = cont_put(pool, cont_uuid, &cd);
	if (rc == 0) {
		vos_hdr_encode(&hdr, hbuf);
		v.mv_size = sizeof(hbuf);
		v.mv_data = hbuf;
		rc = vos_mdb2der(mdb_put(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_HDR], &k, &v, 0));
	}
	if (rc != 0)
		goto abort;
	rc = vos_wtx_commit_raw(pool);
	if (rc == 0)
		pool->vp_hdr = hdr;
	return rc;
abort:
	vos_wtx_abort_raw(pool);
	return rc;
}

/* A value about to be deleted: its blob extent, if any, is freed after the commit (C5). */
static int
defer_value(struct vos_pool *pool, enum vos_db db, const MDB_val *k, const MDB_val *v,
	    bool *freed)
{
	struct vos_val_df d;
	int               rc;

	if (pool->vp_ring == NULL || (db != VOS_DB_SV && db != VOS_DB_EV))
		return 0;
	/* The flags byte is enough to tell; a blob record is decoded for its extent. */
	if (v->mv_size < VOS_VAL_HDR_LEN || ((const uint8_t *)v->mv_data)[0] != VOS_VF_BLOB)
		return 0;
	if (db == VOS_DB_SV) {
		rc = vos_val_decode(v, false, 0, &d);
	} else {
		MDB_val pk = {.mv_size = k->mv_size - VOS_EXT_SUFFIX_LEN, .mv_data = k->mv_data};
		MDB_val pv;
		struct vos_akey_df ak;

		if (k->mv_size < VOS_OBJKEY_LEN + VOS_EXT_SUFFIX_LEN)
			return -DER_DF_INVAL;
		rc = vos_mdb2der(mdb_get(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_KEY], &pk, &pv));
		if (rc == 0)
			rc = vos_akey_decode(&pv, &ak);
		if (rc == 0)
			rc = vos_val_decode(v, true, ak.ad_rsize, &d);
	}
	if (rc == 0)
		rc = vos_blob_defer(pool, d.vd_blob_off, d.vd_blob_len);
	if (rc == 0)
		*freed = true;
	return rc;
}

/* Deletes up to *budget entries of `db` whose key starts with the container id. */
static int
delete_prefix(struct vos_pool *pool, enum vos_db db, uint32_t cid, unsigned *budget, bool *done,
	      bool *freed)
{
	MDB_cursor *cur;
	uint8_t     prefix[4];
	MDB_val     k;
	MDB_val     v;
	int         rc;

	d_put_be32(prefix, cid);
	rc = vos_txh_cursor(pool, &pool->vp_wtx, db, &cur);
	if (rc != 0)
		return rc;
	*done = false;
	while (*budget > 0) {
		k.mv_size = sizeof(prefix);
		k.mv_data = prefix;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND || (rc == 0 && !vos_key_has_prefix(&k, prefix, 4))) {
			*done = true;
			return 0;
		}
		if (rc != 0)
			return vos_mdb2der(rc);
		rc = defer_value(pool, db, &k, &v, freed);
		if (rc != 0)
			return rc;
		rc = mdb_cursor_del(cur, 0);
		if (rc != 0)
			return vos_mdb2der(rc);
		(*budget)--;
	}
	return 0;
}

/* Values before the akey records: a blob extent record is decoded with its akey's record size. */
static const enum vos_db cont_tables[] = {VOS_DB_SV, VOS_DB_EV, VOS_DB_KEY, VOS_DB_OBJ,
					  VOS_DB_PUNCH};

static int
cont_destroy(struct vos_pool *pool, const uuid_t uuid)
{
	struct vos_cont_df cd;
	MDB_val            k = {.mv_size = 16, .mv_data = (void *)uuid};
	bool               freed = false;
	int                rc;

	for (;;) {
		unsigned budget = VOS_DESTROY_BATCH;
		bool     done   = true;

		rc = vos_wtx_begin_raw(pool);
		if (rc != 0)
			return rc;
		rc = cont_get(pool, &pool->vp_wtx, uuid, &cd);
		for (size_t i = 0; rc == 0 && i < sizeof(cont_tables) / sizeof(cont_tables[0]); i++) {
			rc = delete_prefix(pool, cont_tables[i], cd.cd_id, &budget, &done, &freed);
			if (!done)
				break;
		}
		if (rc == 0 && done) {
			rc = vos_mdb2der(
			    mdb_del(pool->vp_wtx.th_txn, pool->vp_dbi[VOS_DB_CONT], &k, NULL));
		} else if (rc == 0 && !(cd.cd_flags & VOS_CONT_DESTROYING)) {
			/* C2: more transactions follow; make the destroy survive a crash. */
			cd.cd_flags |= VOS_CONT_DESTROYING;
			rc = cont_put(pool, uuid, &cd);
		}
		if (rc != 0) {
			/* MDB_MAP_FULL lands here as -DER_NOSPACE; nothing of this round stays. */
			vos_wtx_abort_raw(pool);
			return rc;
		}
		rc = vos_wtx_commit_raw(pool);
		if (rc != 0)
			return rc;
		if (done)
			break;
	}
	if (!freed)
		return 0;
	/* C5: the last round's frees are durable now; one more transaction releases them. */
	rc = vos_wtx_begin_raw(pool);
	if (rc == 0)
		rc = vos_wtx_commit_raw(pool);
	return rc;
}

int
vos_cont_destroy(struct vos_pool *pool, const uuid_t cont_uuid)
{
	struct vos_cont *c;
	int              rc;

	rc = check_admin(pool, cont_uuid);
	if (rc != 0)
		return rc;
	c = cont_find(pool, cont_uuid);
	if (c != NULL && c->vc_ref > 0)
		return -DER_BUSY;
	return cont_destroy(pool, cont_uuid);
}

int
vos_cont_resume_destroys(struct vos_pool *pool)
{
	uuid_t pending[VOS_RESUME_BATCH];
	int    rc;

	for (;;) {
		struct vos_txh    *rtx;
		struct vos_cont_df cd;
		MDB_cursor        *cur;
		MDB_val            k;
		MDB_val            v;
		unsigned           n = 0;

		rc = vos_rtx_get(pool, &rtx);
		if (rc == 0)
			rc = vos_txh_cursor(pool, rtx, VOS_DB_CONT, &cur);
		if (rc != 0)
			return rc;
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		while (rc == 0 && n < VOS_RESUME_BATCH) {
			if (k.mv_size == 16 && vos_cont_decode(&v, &cd) == 0 &&
			    (cd.cd_flags & VOS_CONT_DESTROYING))
				memcpy(pending[n++], k.mv_data, 16);
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		vos_rtx_reset(pool);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return vos_mdb2der(rc);
		if (n == 0)
			return 0;
		for (unsigned i = 0; i < n; i++) {
			D_INFO("%s: finishing an interrupted container destroy\n", pool->vp_dir);
			rc = cont_destroy(pool, pending[i]);
			if (rc != 0) {
				/* Left DESTROYING; vos_cont_destroy() can finish it later. */
				D_ERROR("%s: container destroy not finished: " DF_RC "\n",
					pool->vp_dir, DP_RC(rc));
				return pool->vp_failed;
			}
		}
	}
}

int
vos_cont_open(struct vos_pool *pool, const uuid_t cont_uuid, struct vos_cont **contp)
{
	struct vos_cont_df cd;
	struct vos_txh    *rtx;
	struct vos_cont   *c;
	int                rc;

	if (pool == NULL || cont_uuid == NULL || contp == NULL)
		return -DER_INVAL;
	c = cont_find(pool, cont_uuid);
	if (c != NULL) {
		c->vc_ref++;
		*contp = c;
		return 0;
	}
	rc = vos_rtx_get(pool, &rtx);
	if (rc != 0)
		return rc;
	rc = cont_get(pool, rtx, cont_uuid, &cd);
	if (rc != 0)
		return rc;
	if (cd.cd_flags & VOS_CONT_DESTROYING)
		return -DER_NONEXIST; /* C1 */
	/* Unsigned range check: below MIN wraps around above MAX - MIN. */
	if (cd.cd_version - VOS_CONT_DF_VERSION_MIN >
	    VOS_CONT_DF_VERSION_MAX - VOS_CONT_DF_VERSION_MIN) {
		char str[37];

		/* C6 */
		uuid_unparse_lower(cont_uuid, str);
		D_ERROR("%s: container %s has layout version %u, not in [%u, %u]\n", pool->vp_dir,
			str, cd.cd_version, VOS_CONT_DF_VERSION_MIN, VOS_CONT_DF_VERSION_MAX);
		return -DER_DF_INCOMPT;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -DER_NOMEM;
	c->vc_pool = pool;
	uuid_copy(c->vc_uuid, cont_uuid);
	c->vc_id       = cd.cd_id;
	c->vc_ref      = 1;
	c->vc_next     = pool->vp_conts;
	pool->vp_conts = c;
	*contp         = c;
	return 0;
}

int
vos_cont_iterate(struct vos_pool *pool, vos_cont_iter_cb_t cb, void *arg)
{
	struct vos_cont_df cd;
	struct vos_txh    *rtx;
	MDB_cursor        *cur;
	MDB_val            k;
	MDB_val            v;
	int                rc;

	if (pool == NULL || cb == NULL)
		return -DER_INVAL;
	rc = vos_rtx_get(pool, &rtx);
	if (rc == 0)
		rc = vos_txh_cursor(pool, rtx, VOS_DB_CONT, &cur);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != 16 || vos_cont_decode(&v, &cd) != 0) {
			D_ERROR("%s: damaged container record\n", pool->vp_dir);
			rc = -DER_DF_INVAL;
			goto out;
		}
		if (!(cd.cd_flags & VOS_CONT_DESTROYING)) {
			uuid_t uuid;

			memcpy(uuid, k.mv_data, 16);
			rc = cb(uuid, cd.cd_version, arg);
			if (rc != 0)
				goto out;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	rc = rc == MDB_NOTFOUND ? 0 : vos_mdb2der(rc);
out:
	return rc;
}

void
vos_cont_close(struct vos_cont *cont)
{
	if (cont == NULL)
		return;
	assert(cont->vc_ref > 0);
	cont->vc_ref--;
	vos_cont_release(cont);
}

int
vos_cont_query(struct vos_cont *cont, struct vos_cont_info *info)
{
	struct vos_cont_df cd;
	struct vos_txh    *rtx;
	int                rc;

	if (cont == NULL || info == NULL)
		return -DER_INVAL;
	rc = vos_rtx_get(cont->vc_pool, &rtx);
	if (rc != 0)
		return rc;
	rc = cont_get(cont->vc_pool, rtx, cont->vc_uuid, &cd);
	if (rc != 0)
		return rc;
	memset(info, 0, sizeof(*info));
	uuid_copy(info->ci_uuid, cont->vc_uuid);
	info->ci_id        = cd.cd_id;
	info->ci_scm_used  = cd.cd_scm_used;
	info->ci_nvme_used = cd.cd_nvme_used;
	info->ci_obj_nr    = cd.cd_obj_nr;
	return 0;
}

void
vos_cont_account(struct vos_cont *cont, int64_t bytes, int64_t objs)
{
	cont->vc_dirty = true;
	cont->vc_delta_scm += bytes;
	cont->vc_delta_obj += objs;
}

void
vos_cont_account_nvme(struct vos_cont *cont, int64_t bytes)
{
	cont->vc_dirty = true;
	cont->vc_delta_nvme += bytes;
}

static uint64_t
add_clamped(uint64_t v, int64_t d)
{
	if (d < 0 && (uint64_t)(-d) > v)
		return 0;
	return v + (uint64_t)d;
}

int
vos_cont_flush_deltas(struct vos_pool *pool)
{
	for (struct vos_cont *c = pool->vp_conts; c != NULL; c = c->vc_next) {
		struct vos_cont_df cd;
		int                rc;

		if (!c->vc_dirty ||
		    (c->vc_delta_scm == 0 && c->vc_delta_obj == 0 && c->vc_delta_nvme == 0))
			continue;
		rc = cont_get(pool, &pool->vp_wtx, c->vc_uuid, &cd);
		if (rc != 0)
			return rc;
		cd.cd_scm_used  = add_clamped(cd.cd_scm_used, c->vc_delta_scm);
		cd.cd_obj_nr    = add_clamped(cd.cd_obj_nr, c->vc_delta_obj);
		cd.cd_nvme_used = add_clamped(cd.cd_nvme_used, c->vc_delta_nvme);
		rc             = cont_put(pool, c->vc_uuid, &cd);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
vos_cont_clear_deltas(struct vos_pool *pool)
{
	struct vos_cont *c = pool->vp_conts;

	while (c != NULL) {
		struct vos_cont *next = c->vc_next;

		c->vc_dirty      = false;
		c->vc_delta_scm  = 0;
		c->vc_delta_obj  = 0;
		c->vc_delta_nvme = 0;
		vos_cont_release(c);
		c = next;
	}
}
