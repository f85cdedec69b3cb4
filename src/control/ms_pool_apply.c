/*
 * ms_pool_apply.c: the effects of the pool and container commands on the tables,
 * all or nothing (see ms_pool.c).
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
 * Apply
 */

#define MSG(...) d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg), __VA_ARGS__)

static int
apply_pool_create(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		  struct ms_db_result *res)
{
	struct ms_pools **tp = ms_db_pools_ref(db);
	struct ms_pools  *t  = *tp;
	struct msp_pool  *p  = NULL;
	struct msp_pool  *other;
	struct ms_member *m;
	char              us[37];
	char              os[37];
	uint32_t          nr_tgts = 0;
	long              pos;
	int               rc;

	uuid_unparse_lower(pc->pc_pool, us);
	if (msp_pool_get(t, pc->pc_pool) != NULL) {
		MSG("%s: pool %s exists", op, us);
		return -DER_EXIST;
	}
	other = msp_pool_by_label(t, pc->pc_label);
	if (other != NULL) {
		uuid_unparse_lower(other->pl_uuid, os);
		MSG("%s: label '%s' is used by pool %s", op, pc->pc_label, os);
		return -DER_EXIST;
	}
	if (t != NULL && t->tb_nr >= MS_POOLS_MAX) {
		MSG("%s: the system has the most pools (%d)", op, MS_POOLS_MAX);
		return -DER_OVERFLOW;
	}
	m = malloc(sizeof(*m));
	if (m == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < pc->pc_nr_ranks; i++) {
		uint32_t r = pc->pc_ranks[i];

		if (ms_db_member_by_rank(db, r, m) != 0) {
			MSG("%s: rank %u is not a member", op, r);
			rc = -DER_NONEXIST;
			goto out;
		}
		if (m->mm_state != MS_STATE_JOINED) {
			MSG("%s: rank %u is %s, not Joined", op, r, ms_state_name(m->mm_state));
			rc = -DER_BUSY;
			goto out;
		}
		if (m->mm_nr_targets != pc->pc_targets[i]) {
			MSG("%s: rank %u has %u targets, not %u", op, r, m->mm_nr_targets,
			    pc->pc_targets[i]);
			rc = -DER_MISMATCH;
			goto out;
		}
		nr_tgts += pc->pc_targets[i];
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = msp_pool_alloc_ranks(p, pc->pc_nr_ranks, nr_tgts);
	if (rc == 0)
		rc = msp_kvs_copy(&pc->pc_props, &p->pl_props);
	if (rc != 0)
		goto out;
	uuid_copy(p->pl_uuid, pc->pc_pool);
	strcpy(p->pl_label, pc->pc_label);
	p->pl_state = MS_POOL_CREATING;
	nr_tgts     = 0;
	for (uint32_t i = 0; i < pc->pc_nr_ranks; i++) {
		p->pl_ranks[i]      = pc->pc_ranks[i];
		p->pl_nr_targets[i] = pc->pc_targets[i];
		p->pl_tgt_off[i]    = nr_tgts;
		nr_tgts += pc->pc_targets[i];
	}
	memset(p->pl_tgt_states, MS_TGT_UP_IN, nr_tgts);
	p->pl_scm         = pc->pc_scm;
	p->pl_nvme        = pc->pc_nvme;
	p->pl_nr_svc      = pc->pc_nr_svc;
	memcpy(p->pl_svc, pc->pc_svc, sizeof(p->pl_svc));
	p->pl_map_version = 1;
	strcpy(p->pl_owner, pc->pc_owner);
	strcpy(p->pl_group, pc->pc_group);
	p->pl_time = pc->pc_time;
	p->pl_cost = msp_cost_pool(p);
	rc         = msp_budget_check(t, 0, p->pl_cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		goto out;
	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		if (t == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		*tp = t; /* an empty table is the same state as none */
	}
	rc = msp_ptrs_reserve((void ***)&t->tb_pools, t->tb_nr, &t->tb_cap, MS_POOLS_MAX);
	if (rc != 0)
		goto out;
	/* Nothing below can fail. */
	pos = msp_pool_pos(t, p->pl_uuid);
	assert(pos < 0);
	msp_ptrs_insert((void **)t->tb_pools, t->tb_nr, -pos - 1, p);
	t->tb_nr++;
	t->tb_bytes += p->pl_cost;
	p               = NULL;
	res->mr_changed = 1;
out:
	msp_pool_free(p);
	free(m);
	return rc;
}

static struct msp_pool *
find_pool(const struct ms_db *db, const uuid_t uuid, const char *op, struct ms_db_result *res)
{
	struct msp_pool *p = msp_pool_get(ms_db_pools(db), uuid);
	char             us[37];

	if (p == NULL) {
		uuid_unparse_lower(uuid, us);
		MSG("%s: pool %s does not exist", op, us);
	}
	return p;
}

static int
apply_pool_set_state(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		     struct ms_db_result *res)
{
	struct msp_pool *p = find_pool(db, pc->pc_pool, op, res);
	char             us[37];

	if (p == NULL)
		return -DER_NONEXIST;
	if (p->pl_state == pc->pc_state)
		return 0;
	if (pc->pc_state == MS_POOL_DESTROYING ||
	    (p->pl_state == MS_POOL_CREATING && pc->pc_state == MS_POOL_READY)) {
		p->pl_state     = pc->pc_state;
		res->mr_changed = 1;
		return 0;
	}
	uuid_unparse_lower(p->pl_uuid, us);
	MSG("%s: pool %s cannot go from %s to %s", op, us, ms_pool_state_name(p->pl_state),
	    ms_pool_state_name(pc->pc_state));
	return -DER_INVAL;
}

uint64_t
msp_pool_total_cost(const struct msp_pool *p)
{
	uint64_t n = p->pl_cost;

	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		n += p->pl_conts[i]->ct_cost;
	return n;
}

static int
apply_pool_destroy(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		   struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	long             pos;

	if (find_pool(db, pc->pc_pool, op, res) == NULL)
		return -DER_NONEXIST;
	pos = msp_pool_pos(t, pc->pc_pool);
	assert(pos >= 0);
	t->tb_bytes -= msp_pool_total_cost(t->tb_pools[pos]);
	msp_pool_free(t->tb_pools[pos]);
	msp_ptrs_remove((void **)t->tb_pools, t->tb_nr, pos);
	t->tb_nr--;
	res->mr_changed = 1;
	return 0;
}

/* A pool that may change: it exists and is not Destroying. */
/* Properties @old with @set merged into *merged (the caller's to free), at
 * most MS_PROPS_MAX; on a refusal nothing is left allocated. */
static int
props_merge(const struct msp_kvs *old, const struct msp_kvs *set, const char *op,
	    const char *what, struct msp_kvs *merged, struct ms_db_result *res)
{
	int rc = msp_kvs_merge(old, set, NULL, 0, merged);

	if (rc != 0)
		return rc;
	if (merged->ks_nr > MS_PROPS_MAX) {
		MSG("%s: the %s would have %u properties, more than %d", op, what, merged->ks_nr,
		    MS_PROPS_MAX);
		msp_kvs_free(merged);
		return -DER_OVERFLOW;
	}
	return 0;
}

static struct msp_pool *
pool_changeable(struct ms_db *db, const uuid_t uuid, uint32_t need, const char *op,
		struct ms_db_result *res, int *rc)
{
	struct msp_pool *p = find_pool(db, uuid, op, res);
	char             us[37];

	if (p == NULL) {
		*rc = -DER_NONEXIST;
		return NULL;
	}
	if ((need == MS_POOL_READY && p->pl_state != MS_POOL_READY) ||
	    p->pl_state == MS_POOL_DESTROYING) {
		uuid_unparse_lower(uuid, us);
		MSG("%s: pool %s is %s", op, us, ms_pool_state_name(p->pl_state));
		*rc = -DER_BUSY;
		return NULL;
	}
	*rc = 0;
	return p;
}

static int
apply_pool_set_prop(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		    struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_pool *other;
	struct msp_kvs   merged;
	struct msp_kvs   old;
	char             old_label[MS_LABEL_MAX];
	char             os[37];
	uint64_t         cost;
	int              rc;

	p = pool_changeable(db, pc->pc_pool, MS_POOL_CREATING, op, res, &rc);
	if (p == NULL)
		return rc;
	if (pc->pc_set_label) {
		other = msp_pool_by_label(t, pc->pc_label);
		if (other != NULL && other != p) {
			uuid_unparse_lower(other->pl_uuid, os);
			MSG("%s: label '%s' is used by pool %s", op, pc->pc_label, os);
			return -DER_EXIST;
		}
	}
	rc = props_merge(&p->pl_props, &pc->pc_props, op, "pool", &merged, res);
	if (rc != 0)
		return rc;
	/* Cost of the new record: swap in, measure, swap back if refused. */
	old = p->pl_props;
	strcpy(old_label, p->pl_label);
	p->pl_props = merged;
	if (pc->pc_set_label)
		strcpy(p->pl_label, pc->pc_label);
	cost = msp_cost_pool(p);
	rc   = msp_budget_check(t, p->pl_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0) {
		p->pl_props = old;
		strcpy(p->pl_label, old_label);
		goto out;
	}
	t->tb_bytes     = t->tb_bytes - p->pl_cost + cost;
	p->pl_cost      = cost;
	merged          = old; /* freed below */
	res->mr_changed = pc->pc_props.ks_nr + (pc->pc_set_label ? 1 : 0);
out:
	msp_kvs_free(&merged);
	return rc;
}

static int
apply_pool_tgt_state(struct ms_db *db, const struct ms_dcmd *d, const struct msp_cmd *pc,
		     const char *op, struct ms_db_result *res)
{
	struct msp_pool *p;
	uint32_t         changed = 0;
	uint32_t         rank;
	uint32_t         tgt;
	char             us[37];
	bool             ok;
	int              rc;

	p = pool_changeable(db, pc->pc_pool, MS_POOL_CREATING, op, res, &rc);
	if (p == NULL)
		return rc;
	uuid_unparse_lower(p->pl_uuid, us);
	/* Check everything first: all or nothing. */
	for (ok = d_rankset_first(&d->dc_ranks, &rank); ok;
	     ok = d_rankset_next(&d->dc_ranks, &rank)) {
		long i = msp_rank_index(p, rank);

		if (i < 0) {
			MSG("%s: rank %u does not host pool %s", op, rank, us);
			return -DER_NONEXIST;
		}
		if (pc->pc_has_tgts) {
			tgt = pc->pc_tgts.rs_ranges[pc->pc_tgts.rs_nr - 1].rr_hi;
			if (tgt >= p->pl_nr_targets[i]) {
				MSG("%s: rank %u of pool %s has no target %u (it has %u)", op,
				    rank, us, tgt, p->pl_nr_targets[i]);
				return -DER_NONEXIST;
			}
		}
		for (tgt = 0; tgt < p->pl_nr_targets[i]; tgt++)
			if ((!pc->pc_has_tgts || d_rankset_contains(&pc->pc_tgts, tgt)) &&
			    p->pl_tgt_states[p->pl_tgt_off[i] + tgt] != pc->pc_state)
				changed++;
	}
	if (changed == 0)
		return 0;
	if (p->pl_map_version == UINT32_MAX) {
		MSG("%s: the map version of pool %s cannot grow", op, us);
		return -DER_OVERFLOW;
	}
	for (ok = d_rankset_first(&d->dc_ranks, &rank); ok;
	     ok = d_rankset_next(&d->dc_ranks, &rank)) {
		long i = msp_rank_index(p, rank);

		for (tgt = 0; tgt < p->pl_nr_targets[i]; tgt++)
			if (!pc->pc_has_tgts || d_rankset_contains(&pc->pc_tgts, tgt))
				p->pl_tgt_states[p->pl_tgt_off[i] + tgt] = (uint8_t)pc->pc_state;
	}
	p->pl_map_version++;
	res->mr_changed = changed;
	return 0;
}

/* The container of a container command, in a Ready pool. */
static struct msp_cont *
find_cont(struct ms_db *db, const struct msp_cmd *pc, const char *op, struct ms_db_result *res,
	  struct msp_pool **pp, int *rc)
{
	struct msp_pool *p = pool_changeable(db, pc->pc_pool, MS_POOL_READY, op, res, rc);
	struct msp_cont *c;
	char             us[37];
	char             ps[37];

	if (p == NULL)
		return NULL;
	c = msp_cont_get(p, pc->pc_cont);
	if (c == NULL) {
		uuid_unparse_lower(pc->pc_cont, us);
		uuid_unparse_lower(pc->pc_pool, ps);
		MSG("%s: container %s does not exist in pool %s", op, us, ps);
		*rc = -DER_NONEXIST;
		return NULL;
	}
	*pp = p;
	return c;
}

static int
apply_cont_create(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		  struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c = NULL;
	struct msp_cont *other;
	char             us[37];
	char             ps[37];
	long             pos;
	int              rc;

	p = pool_changeable(db, pc->pc_pool, MS_POOL_READY, op, res, &rc);
	if (p == NULL)
		return rc;
	uuid_unparse_lower(pc->pc_pool, ps);
	if (msp_cont_get(p, pc->pc_cont) != NULL) {
		uuid_unparse_lower(pc->pc_cont, us);
		MSG("%s: container %s exists in pool %s", op, us, ps);
		return -DER_EXIST;
	}
	other = msp_cont_by_label(p, pc->pc_label);
	if (other != NULL) {
		uuid_unparse_lower(other->ct_uuid, us);
		MSG("%s: label '%s' is used by container %s", op, pc->pc_label, us);
		return -DER_EXIST;
	}
	if (p->pl_nr_conts >= MS_CONTS_PER_POOL_MAX) {
		MSG("%s: pool %s has the most containers (%d)", op, ps, MS_CONTS_PER_POOL_MAX);
		return -DER_OVERFLOW;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -DER_NOMEM;
	rc = msp_kvs_copy(&pc->pc_props, &c->ct_props);
	if (rc != 0)
		goto out;
	uuid_copy(c->ct_uuid, pc->pc_cont);
	strcpy(c->ct_label, pc->pc_label);
	strcpy(c->ct_type, pc->pc_type);
	strcpy(c->ct_owner, pc->pc_owner);
	strcpy(c->ct_group, pc->pc_group);
	c->ct_time     = pc->pc_time;
	c->ct_next_oid = MS_CONT_OID_FIRST;
	c->ct_cost     = msp_cost_cont(c, &c->ct_props, &c->ct_attrs, c->ct_label, 0);
	rc = msp_budget_check(t, 0, c->ct_cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc == 0)
		rc = msp_ptrs_reserve((void ***)&p->pl_conts, p->pl_nr_conts, &p->pl_cap_conts,
				      MS_CONTS_PER_POOL_MAX);
	if (rc != 0)
		goto out;
	pos = msp_cont_pos(p, c->ct_uuid);
	assert(pos < 0);
	msp_ptrs_insert((void **)p->pl_conts, p->pl_nr_conts, -pos - 1, c);
	p->pl_nr_conts++;
	t->tb_bytes += c->ct_cost;
	c               = NULL;
	res->mr_changed = 1;
out:
	msp_cont_free(c);
	return rc;
}

static int
apply_cont_destroy(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		   struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	long             pos;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	pos = msp_cont_pos(p, c->ct_uuid);
	t->tb_bytes -= c->ct_cost;
	msp_ptrs_remove((void **)p->pl_conts, p->pl_nr_conts, pos);
	p->pl_nr_conts--;
	msp_cont_free(c);
	res->mr_changed = 1;
	return 0;
}

uint64_t
msp_cont_cost_now(const struct msp_cont *c)
{
	return msp_cost_cont(c, &c->ct_props, &c->ct_attrs, c->ct_label,
			     msp_cost_snaps(c->ct_snaps, c->ct_nr_snaps));
}

static int
apply_cont_set_prop(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		    struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	struct msp_cont *other;
	struct msp_kvs   merged;
	char             us[37];
	const char      *label;
	uint64_t         cost;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	label = pc->pc_set_label ? pc->pc_label : c->ct_label;
	if (pc->pc_set_label) {
		other = msp_cont_by_label(p, pc->pc_label);
		if (other != NULL && other != c) {
			uuid_unparse_lower(other->ct_uuid, us);
			MSG("%s: label '%s' is used by container %s", op, pc->pc_label, us);
			return -DER_EXIST;
		}
	}
	rc = props_merge(&c->ct_props, &pc->pc_props, op, "container", &merged, res);
	if (rc != 0)
		return rc;
	cost = msp_cost_cont(c, &merged, &c->ct_attrs, label,
			     msp_cost_snaps(c->ct_snaps, c->ct_nr_snaps));
	rc   = msp_budget_check(t, c->ct_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		goto out;
	{
		struct msp_kvs old = c->ct_props;

		c->ct_props = merged;
		merged      = old;
	}
	if (pc->pc_set_label)
		strcpy(c->ct_label, pc->pc_label);
	t->tb_bytes     = t->tb_bytes - c->ct_cost + cost;
	c->ct_cost      = cost;
	res->mr_changed = pc->pc_props.ks_nr + (pc->pc_set_label ? 1 : 0);
out:
	msp_kvs_free(&merged);
	return rc;
}

/*
 * @old with the command's attributes set and deleted, into *merged (the
 * caller's to free on success): every deleted name must exist
 * (-DER_NONEXIST), and the result must hold at most MS_ATTRS_MAX attributes
 * and MS_ATTRS_BYTES_MAX bytes (-DER_OVERFLOW). @what names the owner in
 * messages ("container <uuid>", "pool <uuid>"). Nothing is left allocated on
 * a refusal.
 */
static int
attrs_merge(const struct msp_kvs *old, const struct msp_cmd *pc, const char *op,
	    const char *what, struct msp_kvs *merged, struct ms_db_result *res)
{
	char     q[MS_QUOTE_MAX + 4];
	uint64_t bytes;
	int      rc;

	for (uint32_t i = 0; i < pc->pc_nr_del; i++) {
		if (msp_kvs_find(old, pc->pc_del[i]) < 0) {
			MSG("%s: attribute '%s' does not exist in %s", op,
			    msj_quote(q, pc->pc_del[i]), what);
			return -DER_NONEXIST;
		}
	}
	rc = msp_kvs_merge(old, &pc->pc_attrs, pc->pc_del, pc->pc_nr_del, merged);
	if (rc != 0)
		return rc;
	bytes = msp_kvs_bytes(merged);
	if (merged->ks_nr > MS_ATTRS_MAX) {
		MSG("%s: %s would have %u attributes, more than %d", op, what, merged->ks_nr,
		    MS_ATTRS_MAX);
		rc = -DER_OVERFLOW;
	} else if (bytes > MS_ATTRS_BYTES_MAX) {
		MSG("%s: %s would have %" PRIu64 " attribute bytes, more than %d", op, what, bytes,
		    MS_ATTRS_BYTES_MAX);
		rc = -DER_OVERFLOW;
	}
	if (rc != 0)
		msp_kvs_free(merged);
	return rc;
}

/*
 * Makes *merged the owner's attributes if its new cost fits the budget:
 * swaps them into *attrs, charges the difference to the table, and frees
 * what is left in *merged (the old attributes, or the refused ones).
 */
static int
attrs_commit(struct ms_pools *t, struct msp_kvs *attrs, uint64_t *cur_cost,
	     struct msp_kvs *merged, uint64_t cost, const struct msp_cmd *pc, const char *op,
	     struct ms_db_result *res)
{
	int rc = msp_budget_check(t, *cur_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));

	if (rc == 0) {
		struct msp_kvs old = *attrs;

		*attrs          = *merged;
		*merged         = old;
		t->tb_bytes     = t->tb_bytes - *cur_cost + cost;
		*cur_cost       = cost;
		res->mr_changed = pc->pc_attrs.ks_nr + pc->pc_nr_del;
	}
	msp_kvs_free(merged);
	return rc;
}

static int
apply_cont_set_attr(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		    struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	struct msp_kvs   merged;
	char             what[64];
	char             us[37];
	uint64_t         cost;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	uuid_unparse_lower(c->ct_uuid, us);
	snprintf(what, sizeof(what), "container %s", us);
	rc = attrs_merge(&c->ct_attrs, pc, op, what, &merged, res);
	if (rc != 0)
		return rc;
	cost = msp_cost_cont(c, &c->ct_props, &merged, c->ct_label,
			     msp_cost_snaps(c->ct_snaps, c->ct_nr_snaps));
	return attrs_commit(t, &c->ct_attrs, &c->ct_cost, &merged, cost, pc, op, res);
}

static int
apply_pool_set_attr(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		    struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_kvs   merged;
	char             what[64];
	char             us[37];
	uint64_t         cost;
	int              rc;

	p = pool_changeable(db, pc->pc_pool, MS_POOL_READY, op, res, &rc);
	if (p == NULL)
		return rc;
	uuid_unparse_lower(p->pl_uuid, us);
	snprintf(what, sizeof(what), "pool %s", us);
	rc = attrs_merge(&p->pl_attrs, pc, op, what, &merged, res);
	if (rc != 0)
		return rc;
	cost = msp_cost_pool_with(p, &merged);
	return attrs_commit(t, &p->pl_attrs, &p->pl_cost, &merged, cost, pc, op, res);
}

static long
snap_pos(const struct msp_cont *c, uint64_t epoch)
{
	long lo = 0;
	long hi = (long)c->ct_nr_snaps - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (c->ct_snaps[mid].ms_epoch == epoch)
			return mid;
		if (c->ct_snaps[mid].ms_epoch < epoch)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static int
apply_snap_create(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		  struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	struct ms_snap  *s;
	char             us[37];
	uint64_t         cost;
	long             pos;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	uuid_unparse_lower(c->ct_uuid, us);
	pos = snap_pos(c, pc->pc_epoch);
	if (pos >= 0) {
		MSG("%s: epoch %" PRIu64 " has a snapshot in container %s", op, pc->pc_epoch, us);
		return -DER_EXIST;
	}
	for (uint32_t i = 0; pc->pc_name[0] != '\0' && i < c->ct_nr_snaps; i++) {
		if (strcmp(c->ct_snaps[i].ms_name, pc->pc_name) == 0) {
			char q[MS_QUOTE_MAX + 4];

			MSG("%s: snapshot name '%s' is used by epoch %" PRIu64 " in container %s",
			    op, msj_quote(q, pc->pc_name), c->ct_snaps[i].ms_epoch, us);
			return -DER_EXIST;
		}
	}
	if (c->ct_nr_snaps >= MS_SNAPS_MAX) {
		MSG("%s: container %s has the most snapshots (%d)", op, us, MS_SNAPS_MAX);
		return -DER_OVERFLOW;
	}
	cost = c->ct_cost + 64 + msp_cost_str(pc->pc_name);
	rc   = msp_budget_check(t, c->ct_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		return rc;
	if (c->ct_nr_snaps == c->ct_cap_snaps) {
		uint32_t n = c->ct_cap_snaps == 0 ? 8 : c->ct_cap_snaps * 2;

		if (n > MS_SNAPS_MAX)
			n = MS_SNAPS_MAX;
		s = realloc(c->ct_snaps, (size_t)n * sizeof(*s));
		if (s == NULL)
			return -DER_NOMEM;
		c->ct_snaps     = s;
		c->ct_cap_snaps = n;
	}
	pos = -pos - 1;
	memmove(&c->ct_snaps[pos + 1], &c->ct_snaps[pos],
		(size_t)(c->ct_nr_snaps - (uint32_t)pos) * sizeof(*c->ct_snaps));
	memset(&c->ct_snaps[pos], 0, sizeof(*c->ct_snaps));
	c->ct_snaps[pos].ms_epoch = pc->pc_epoch;
	strcpy(c->ct_snaps[pos].ms_name, pc->pc_name);
	c->ct_nr_snaps++;
	t->tb_bytes     = t->tb_bytes - c->ct_cost + cost;
	c->ct_cost      = cost;
	res->mr_changed = 1;
	return 0;
}

static int
apply_snap_destroy(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		   struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	char             us[37];
	uint64_t         cost;
	long             pos;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	pos = snap_pos(c, pc->pc_epoch);
	if (pos < 0) {
		uuid_unparse_lower(c->ct_uuid, us);
		MSG("%s: epoch %" PRIu64 " has no snapshot in container %s", op, pc->pc_epoch, us);
		return -DER_NONEXIST;
	}
	cost = c->ct_cost - 64 - msp_cost_str(c->ct_snaps[pos].ms_name);
	memmove(&c->ct_snaps[pos], &c->ct_snaps[pos + 1],
		(size_t)(c->ct_nr_snaps - (uint32_t)pos - 1) * sizeof(*c->ct_snaps));
	c->ct_nr_snaps--;
	t->tb_bytes     = t->tb_bytes - c->ct_cost + cost;
	c->ct_cost      = cost;
	res->mr_changed = 1;
	return 0;
}

static int
apply_alloc_oids(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		 struct ms_db_result *res)
{
	struct msp_pool *p;
	struct msp_cont *c;
	char             us[37];
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	if (pc->pc_count > MS_INT_MAX - c->ct_next_oid) {
		uuid_unparse_lower(c->ct_uuid, us);
		MSG("%s: container %s has %" PRIu64 " object ids left, not %" PRIu64, op, us,
		    MS_INT_MAX - c->ct_next_oid, pc->pc_count);
		return -DER_OVERFLOW;
	}
	res->mr_value = c->ct_next_oid;
	c->ct_next_oid += pc->pc_count;
	res->mr_changed = 1;
	return 0;
}

int
msp_apply(struct ms_db *db, const struct ms_dcmd *d, struct ms_db_result *res)
{
	const struct msp_cmd *pc = d->dc_pool;
	const char           *op = msp_op_name(d->dc_op);

	switch (d->dc_op) {
	case MS_CMD_POOL_CREATE:
		return apply_pool_create(db, pc, op, res);
	case MS_CMD_POOL_SET_STATE:
		return apply_pool_set_state(db, pc, op, res);
	case MS_CMD_POOL_DESTROY:
		return apply_pool_destroy(db, pc, op, res);
	case MS_CMD_POOL_SET_PROP:
		return apply_pool_set_prop(db, pc, op, res);
	case MS_CMD_POOL_TGT_STATE:
		return apply_pool_tgt_state(db, d, pc, op, res);
	case MS_CMD_CONT_CREATE:
		return apply_cont_create(db, pc, op, res);
	case MS_CMD_CONT_DESTROY:
		return apply_cont_destroy(db, pc, op, res);
	case MS_CMD_CONT_SET_PROP:
		return apply_cont_set_prop(db, pc, op, res);
	case MS_CMD_CONT_SET_ATTR:
		return apply_cont_set_attr(db, pc, op, res);
	case MS_CMD_CONT_SNAP_CREATE:
		return apply_snap_create(db, pc, op, res);
	case MS_CMD_CONT_SNAP_DESTROY:
		return apply_snap_destroy(db, pc, op, res);
	case MS_CMD_CONT_ALLOC_OIDS:
		return apply_alloc_oids(db, pc, op, res);
	case MS_CMD_POOL_SET_ATTR:
		return apply_pool_set_attr(db, pc, op, res);
	default:
		assert(0);
		return -DER_INVAL;
	}
}

#undef MSG
