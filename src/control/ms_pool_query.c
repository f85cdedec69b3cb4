/*
 * ms_pool_query.c: read-only queries of the pool and container tables; every
 * result is one malloc() block the caller frees.
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
#include "control/ms_db.h"
#include "control/ms_internal.h"
#include "control/ms_pool.h"
#include "control/ms_pool_internal.h"

/*
 * Queries
 */

static const struct msp_pool *
q_pool(const struct ms_db *db, const uuid_t uuid)
{
	return db == NULL || uuid == NULL ? NULL : msp_pool_get(ms_db_pools(db), uuid);
}

static const struct msp_cont *
q_cont(const struct ms_db *db, const uuid_t pool, const uuid_t cont)
{
	const struct msp_pool *p = q_pool(db, pool);

	return p == NULL || cont == NULL ? NULL : msp_cont_get(p, cont);
}

/* Label or UUID text to a UUID: 1 for a UUID, 0 for a label, <0 when neither. */
static int
parse_id(const char *id, uuid_t u)
{
	if (id == NULL)
		return -DER_INVAL;
	if (strlen(id) == 36 && uuid_parse(id, u) == 0)
		return 1;
	return ms_label_valid(id) ? 0 : -DER_INVAL;
}

int
ms_pool_find(const struct ms_db *db, const char *id, uuid_t out)
{
	const struct msp_pool *p;
	uuid_t                 u;
	int                    rc;

	if (db == NULL || out == NULL)
		return -DER_INVAL;
	rc = parse_id(id, u);
	if (rc < 0)
		return rc;
	p = rc == 1 ? msp_pool_get(ms_db_pools(db), u) : msp_pool_by_label(ms_db_pools(db), id);
	if (p == NULL)
		return -DER_NONEXIST;
	uuid_copy(out, p->pl_uuid);
	return 0;
}

uint32_t
ms_pool_count(const struct ms_db *db)
{
	const struct ms_pools *t = db == NULL ? NULL : ms_db_pools(db);

	return t == NULL ? 0 : t->tb_nr;
}

static void
pool_info(const struct msp_pool *p, struct ms_pool_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	uuid_copy(pi->pi_uuid, p->pl_uuid);
	strcpy(pi->pi_label, p->pl_label);
	pi->pi_state       = p->pl_state;
	pi->pi_nr_ranks    = p->pl_nr_ranks;
	pi->pi_nr_conts    = p->pl_nr_conts;
	pi->pi_map_version = p->pl_map_version;
}

int
ms_pool_list(const struct ms_db *db, struct ms_pool_info **out, uint32_t *nr)
{
	const struct ms_pools *t;
	struct ms_pool_info   *arr;

	if (db == NULL || out == NULL || nr == NULL)
		return -DER_INVAL;
	t = ms_db_pools(db);
	if (t == NULL || t->tb_nr == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = calloc(t->tb_nr, sizeof(*arr));
	if (arr == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < t->tb_nr; i++)
		pool_info(t->tb_pools[i], &arr[i]);
	*out = arr;
	*nr  = t->tb_nr;
	return 0;
}

static void
props_out(const struct msp_kvs *ks, struct ms_prop *out)
{
	for (uint32_t i = 0; i < ks->ks_nr; i++) {
		strcpy(out[i].mp_name, ks->ks_arr[i].kv_name);
		memcpy(out[i].mp_value, ks->ks_arr[i].kv_val, ks->ks_arr[i].kv_len + 1);
	}
}

int
ms_pool_get(const struct ms_db *db, const uuid_t uuid, struct ms_pool_rec **out)
{
	const struct msp_pool *p = q_pool(db, uuid);
	struct ms_pool_rec    *r;
	size_t                 sz;
	uint8_t               *q;

	if (out == NULL)
		return -DER_INVAL;
	if (p == NULL)
		return -DER_NONEXIST;
	/* One block: record, rank arrays (aligned), props, then target states. */
	sz = sizeof(*r) + (size_t)p->pl_nr_ranks * 2 * sizeof(uint32_t) +
	     (size_t)p->pl_props.ks_nr * sizeof(struct ms_prop) + p->pl_nr_tgts;
	r = calloc(1, sz);
	if (r == NULL)
		return -DER_NOMEM;
	pool_info(p, &r->pr_info);
	q                = (uint8_t *)(r + 1);
	r->pr_ranks      = (uint32_t *)q;
	r->pr_nr_targets = r->pr_ranks + p->pl_nr_ranks;
	q += (size_t)p->pl_nr_ranks * 2 * sizeof(uint32_t);
	r->pr_props = (struct ms_prop *)q;
	q += (size_t)p->pl_props.ks_nr * sizeof(struct ms_prop);
	r->pr_tgt_states = q;
	memcpy(r->pr_ranks, p->pl_ranks, p->pl_nr_ranks * sizeof(uint32_t));
	memcpy(r->pr_nr_targets, p->pl_nr_targets, p->pl_nr_ranks * sizeof(uint32_t));
	memcpy(r->pr_tgt_states, p->pl_tgt_states, p->pl_nr_tgts);
	r->pr_nr_tgts  = p->pl_nr_tgts;
	r->pr_scm      = p->pl_scm;
	r->pr_nvme     = p->pl_nvme;
	r->pr_nr_svc   = p->pl_nr_svc;
	memcpy(r->pr_svc, p->pl_svc, sizeof(r->pr_svc));
	r->pr_nr_props = p->pl_props.ks_nr;
	props_out(&p->pl_props, r->pr_props);
	strcpy(r->pr_owner, p->pl_owner);
	strcpy(r->pr_group, p->pl_group);
	r->pr_time     = p->pl_time;
	r->pr_nr_attrs = p->pl_attrs.ks_nr;
	if (p->pl_props.ks_nr == 0)
		r->pr_props = NULL;
	*out = r;
	return 0;
}

int
ms_cont_find(const struct ms_db *db, const uuid_t pool, const char *id, uuid_t out)
{
	const struct msp_pool *p = q_pool(db, pool);
	const struct msp_cont *c;
	uuid_t                 u;
	int                    rc;

	if (out == NULL)
		return -DER_INVAL;
	rc = parse_id(id, u);
	if (rc < 0)
		return rc;
	if (p == NULL)
		return -DER_NONEXIST;
	c = rc == 1 ? msp_cont_get(p, u) : msp_cont_by_label(p, id);
	if (c == NULL)
		return -DER_NONEXIST;
	uuid_copy(out, c->ct_uuid);
	return 0;
}

static void
cont_info(const struct msp_cont *c, struct ms_cont_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	uuid_copy(ci->ci_uuid, c->ct_uuid);
	strcpy(ci->ci_label, c->ct_label);
	strcpy(ci->ci_type, c->ct_type);
}

int
ms_cont_list(const struct ms_db *db, const uuid_t pool, struct ms_cont_info **out, uint32_t *nr)
{
	const struct msp_pool *p = q_pool(db, pool);
	struct ms_cont_info   *arr;

	if (out == NULL || nr == NULL)
		return -DER_INVAL;
	if (p == NULL)
		return -DER_NONEXIST;
	if (p->pl_nr_conts == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = calloc(p->pl_nr_conts, sizeof(*arr));
	if (arr == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		cont_info(p->pl_conts[i], &arr[i]);
	*out = arr;
	*nr  = p->pl_nr_conts;
	return 0;
}

int
ms_cont_get(const struct ms_db *db, const uuid_t pool, const uuid_t cont,
	    struct ms_cont_rec **out)
{
	const struct msp_cont *c = q_cont(db, pool, cont);
	struct ms_cont_rec    *r;

	if (out == NULL)
		return -DER_INVAL;
	if (c == NULL)
		return -DER_NONEXIST;
	r = calloc(1, sizeof(*r) + (size_t)c->ct_props.ks_nr * sizeof(struct ms_prop));
	if (r == NULL)
		return -DER_NOMEM;
	cont_info(c, &r->cr_info);
	r->cr_nr_props = c->ct_props.ks_nr;
	r->cr_props    = c->ct_props.ks_nr == 0 ? NULL : (struct ms_prop *)(r + 1);
	props_out(&c->ct_props, (struct ms_prop *)(r + 1));
	strcpy(r->cr_owner, c->ct_owner);
	strcpy(r->cr_group, c->ct_group);
	r->cr_time     = c->ct_time;
	r->cr_next_oid = c->ct_next_oid;
	r->cr_nr_attrs = c->ct_attrs.ks_nr;
	r->cr_nr_snaps = c->ct_nr_snaps;
	*out           = r;
	return 0;
}

/* Attributes @ks into one block (struct ms_attr array, then the values). */
static int
attrs_out(const struct msp_kvs *ks, struct ms_attr **out, uint32_t *nr)
{
	struct ms_attr *arr;
	uint8_t        *q;
	uint32_t        n = ks->ks_nr;

	if (n == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = calloc(1, (size_t)n * sizeof(*arr) + msp_kvs_bytes(ks));
	if (arr == NULL)
		return -DER_NOMEM;
	q = (uint8_t *)(arr + n);
	for (uint32_t i = 0; i < n; i++) {
		const struct msp_kv *kv = &ks->ks_arr[i];

		strcpy(arr[i].ma_name, kv->kv_name);
		arr[i].ma_len   = kv->kv_len;
		arr[i].ma_value = q;
		if (kv->kv_len > 0)
			memcpy(q, kv->kv_val, kv->kv_len);
		q += kv->kv_len;
	}
	*out = arr;
	*nr  = n;
	return 0;
}

int
ms_cont_attrs(const struct ms_db *db, const uuid_t pool, const uuid_t cont,
	      struct ms_attr **out, uint32_t *nr)
{
	const struct msp_cont *c = q_cont(db, pool, cont);

	if (out == NULL || nr == NULL)
		return -DER_INVAL;
	if (c == NULL)
		return -DER_NONEXIST;
	return attrs_out(&c->ct_attrs, out, nr);
}

int
ms_pool_attrs(const struct ms_db *db, const uuid_t pool, struct ms_attr **out, uint32_t *nr)
{
	const struct msp_pool *p = q_pool(db, pool);

	if (out == NULL || nr == NULL)
		return -DER_INVAL;
	if (p == NULL)
		return -DER_NONEXIST;
	return attrs_out(&p->pl_attrs, out, nr);
}

int
ms_cont_snaps(const struct ms_db *db, const uuid_t pool, const uuid_t cont,
	      struct ms_snap **out, uint32_t *nr)
{
	const struct msp_cont *c = q_cont(db, pool, cont);
	struct ms_snap        *arr;

	if (out == NULL || nr == NULL)
		return -DER_INVAL;
	if (c == NULL)
		return -DER_NONEXIST;
	if (c->ct_nr_snaps == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = malloc((size_t)c->ct_nr_snaps * sizeof(*arr));
	if (arr == NULL)
		return -DER_NOMEM;
	memcpy(arr, c->ct_snaps, (size_t)c->ct_nr_snaps * sizeof(*arr));
	*out = arr;
	*nr  = c->ct_nr_snaps;
	return 0;
}
