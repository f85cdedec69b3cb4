/*
 * srv_pool.c: the pool methods of the control API on the MS leader
 * (docs/design.md, C4), and storage_alloc (what pools take of each rank).
 *
 *   pool_destroy       {pool, force?, recursive?} -> {}
 *   pool_list          {no_query?} -> {pools: [{uuid, label, state, svc_reps,
 *                      targets_total, targets_disabled, usage?, ...}]}
 *   pool_query         {pool} -> C4's keys (and DAOS's: version, svc_ldr, ...)
 *   pool_query_targets {pool, rank, targets?} -> {infos: [{rank, target, type,
 *                      state, space: [{media_type, total, free}]}]}
 *   pool_get_prop      {pool, names?} -> {props: [{name, description, value}]}
 *   pool_set_prop      {pool, props: {name: text}} -> {}
 *   pool_connect       {pool} -> {uuid, label, map_version, map, ranks, props}
 *   pool_exclude       {pool, rank, targets?} -> {map_version}
 *   pool_reintegrate   {pool, rank, targets?} -> {map_version}
 *   storage_alloc      {ranks?} -> {ranks: [{rank, scm, nvme}]} (bytes)
 *
 * pool_create lives in srv_pool_create.c. Reads follow a barrier
 * (srv_after_barrier). pool_list and pool_query ask every available target of
 * the pools for its space (TGT_QUERY): tier totals, free, min/max/mean of the
 * free space per target; pool_list reports a pool whose query failed with
 * query_error_msg instead of its usage. A Ready pool with disabled targets is
 * shown "Degraded", as DAOS does.
 *
 * Invariant: every operation owns its call until it replies, exactly once,
 * and is freed then; between its steps it waits for exactly one barrier, MS
 * apply or fan-out.
 *
 * RAS: a destroy (without --force) that cannot reach every target leaves the
 * pool Destroying and raises pool_destroy_deferred (WARNING, the pool's UUID,
 * the failures in data); a later destroy finishes it.
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "control/ms_pool.h"
#include "control/srv_internal.h"
#include "placement/placement.h"

/* Pool layout version of DAOS 2.6 (pool query's pool_layout_ver). */
#define POOL_LAYOUT_VER 3

/* ---- Helpers ---- */

static bool
tgt_disabled(uint32_t st)
{
	return st == MS_TGT_DOWN || st == MS_TGT_DOWN_OUT;
}

static bool
tgt_available(uint32_t st)
{
	return st == MS_TGT_UP_IN || st == MS_TGT_UP || st == MS_TGT_DRAIN;
}

static char *
uuid_str(const uuid_t u, char *buf)
{
	uuid_unparse_lower(u, buf);
	return buf;
}

/* Space of one tier over the targets that answered a TGT_QUERY. */
struct tier_acc {
	uint64_t ta_total;
	uint64_t ta_free;
	uint64_t ta_min;
	uint64_t ta_max;
	uint32_t ta_n;
};

static void
tier_add(struct tier_acc *t, uint64_t total, uint64_t free_b)
{
	if (t->ta_n == 0 || free_b < t->ta_min)
		t->ta_min = free_b;
	if (t->ta_n == 0 || free_b > t->ta_max)
		t->ta_max = free_b;
	t->ta_total += total;
	t->ta_free += free_b;
	t->ta_n++;
}

/* The SCM and NVMe tiers of the calls tagged @tag that answered. */
static void
tiers_of(const struct srv_tgt_fan *f, uint32_t tag, struct tier_acc t[2])
{
	memset(t, 0, 2 * sizeof(*t));
	for (uint32_t i = 0; i < f->tf_nr; i++) {
		const struct srv_tgt_call *c = &f->tf_calls[i];

		if (c->tc_tag != tag || c->tc_rc != 0)
			continue;
		tier_add(&t[0], c->tc_query.tqr_scm_total, c->tc_query.tqr_scm_free);
		tier_add(&t[1], c->tc_query.tqr_nvme_total, c->tc_query.tqr_nvme_free);
	}
}

static json_t *
tier_stats_json(const struct tier_acc t[2])
{
	static const char *const names[] = {"scm", "nvme"};
	json_t                  *a = json_array();

	for (int i = 0; a != NULL && i < 2; i++) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "media_type", names[i],
				      "total", (json_int_t)t[i].ta_total, "free",
				      (json_int_t)t[i].ta_free, "min", (json_int_t)t[i].ta_min,
				      "max", (json_int_t)t[i].ta_max, "mean",
				      (json_int_t)(t[i].ta_n > 0 ? t[i].ta_free / t[i].ta_n : 0));

		if (json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* DAOS's imbalance: spread of free space over the mean target size, in %. */
static uint32_t
tier_imbalance(const struct tier_acc *t)
{
	long double mean;

	if (t->ta_n == 0 || t->ta_total == 0)
		return 0;
	mean = (long double)t->ta_total / t->ta_n;
	return (uint32_t)((long double)(t->ta_max - t->ta_min) * 100.0L / mean);
}

/* Counts of a record's targets. */
static void
tgt_counts(const struct ms_pool_rec *rec, uint32_t *disabled, uint32_t *active)
{
	*disabled = 0;
	*active   = 0;
	for (uint32_t i = 0; i < rec->pr_nr_tgts; i++) {
		if (tgt_disabled(rec->pr_tgt_states[i]))
			(*disabled)++;
		if (tgt_available(rec->pr_tgt_states[i]))
			(*active)++;
	}
}

/* Ranks of a record all of whose targets are (not) disabled. */
static int
ranks_by_state(const struct ms_pool_rec *rec, bool disabled, struct d_rankset *rs)
{
	uint32_t off = 0;
	int      rc  = 0;

	for (uint32_t i = 0; i < rec->pr_info.pi_nr_ranks && rc == 0; i++) {
		bool all = true, any = false;

		for (uint32_t t = 0; t < rec->pr_nr_targets[i]; t++) {
			bool d = tgt_disabled(rec->pr_tgt_states[off + t]);

			all = all && d;
			any = any || d;
		}
		if (disabled ? all : !any)
			rc = d_rankset_add(rs, rec->pr_ranks[i]);
		off += rec->pr_nr_targets[i];
	}
	return rc;
}

static void
rankset_set(json_t *o, const char *key, const struct d_rankset *rs, int *rc)
{
	char *s;

	if (*rc != 0)
		return;
	s = srv_rankset_str(rs);
	if (s == NULL || json_object_set_new(o, key, json_string(s)) != 0)
		*rc = -DER_NOMEM;
	free(s);
}

/* The stored text of property @name in a record, or NULL. */
static const char *
rec_prop(const struct ms_pool_rec *rec, const char *name)
{
	for (uint32_t i = 0; i < rec->pr_nr_props; i++)
		if (strcmp(rec->pr_props[i].mp_name, name) == 0)
			return rec->pr_props[i].mp_value;
	return NULL;
}

/* ---- Operations on existing pools ---- */

struct pool_op {
	struct srv_ctx      *po_ctx;
	struct srv_call     *po_call;
	uuid_t               po_uuid;
	struct ms_pool_rec  *po_rec;
	bool                 po_force;
	bool                 po_no_query;
	uint32_t             po_state;   /* exclude / reintegrate: target state */
	struct ms_pool_rec **po_recs;    /* pool_list */
	uint32_t             po_nr;
	struct srv_tgt_fan   po_fan;
};

static struct pool_op *
pool_op_new(struct srv_ctx *ctx, struct srv_call *call)
{
	struct pool_op *op = calloc(1, sizeof(*op));

	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return NULL;
	}
	op->po_ctx  = ctx;
	op->po_call = call;
	return op;
}

static void
pool_op_free(struct pool_op *op)
{
	free(op->po_rec);
	for (uint32_t i = 0; i < op->po_nr; i++)
		free(op->po_recs[i]);
	free(op->po_recs);
	srv_tgt_fan_fini(&op->po_fan);
	free(op);
}

static void
pool_op_error(struct pool_op *op, int rc, const char *msg)
{
	srv_reply_error(op->po_call, rc, "%s", msg[0] != '\0' ? msg : d_errdesc(rc));
	pool_op_free(op);
}

static void
pool_op_reply(struct pool_op *op, json_t *r)
{
	if (r == NULL)
		srv_reply_error(op->po_call, -DER_NOMEM, "out of memory");
	else
		srv_reply(op->po_call, r);
	pool_op_free(op);
}

/* Resolve body["pool"] and read its record into a new op; NULL when the
 * call was answered. */
static struct pool_op *
pool_op_get(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct pool_op *op;
	char            err[SRV_MSG_MAX] = "";
	int             rc;

	op = pool_op_new(ctx, call);
	if (op == NULL)
		return NULL;
	rc = srv_body_pool(ctx, body, "pool", op->po_uuid, err, sizeof(err));
	if (rc == 0) {
		rc = ms_pool_get(ctx->sc_db, op->po_uuid, &op->po_rec);
		if (rc != 0)
			snprintf(err, sizeof(err), "cannot read the pool: %s", d_errdesc(rc));
	}
	if (rc != 0) {
		pool_op_error(op, rc, err);
		return NULL;
	}
	return op;
}

static json_t *
uuid_cmd(const char *opname, const uuid_t u)
{
	char    us[37];
	json_t *cmd = srv_ms_cmd_new(opname);

	if (cmd != NULL && json_object_set_new(cmd, "uuid", json_string(uuid_str(u, us))) != 0) {
		json_decref(cmd);
		cmd = NULL;
	}
	return cmd;
}

/* ---- pool_destroy ---- */

static void
pd_removed(void *arg, int rc, const struct ms_db_result *res)
{
	struct pool_op *op = arg;
	char            us[37];

	if (rc != 0) {
		srv_reply_ms_error(op->po_call, rc, res);
		pool_op_free(op);
		return;
	}
	D_NOTE("pool %s destroyed\n", uuid_str(op->po_uuid, us));
	pool_op_reply(op, json_object());
}

static void
pd_tgts_done(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct pool_op *op = arg;
	char            err[SRV_MSG_MAX * 2] = "";
	int             rc;

	if (f->tf_failed > 0 && !op->po_force) {
		struct d_ras_event ev;
		char               msg[D_RAS_MSG_MAX];

		snprintf(err, sizeof(err),
			 "pool destroy failed on %u of %u targets (the pool stays Destroying: "
			 "retry, or use --force): %s", f->tf_failed, f->tf_nr, f->tf_err);
		snprintf(msg, sizeof(msg), "Pool destroy deferred: %u of %u targets failed",
			 f->tf_failed, f->tf_nr);
		if (d_ras_event_init(&ev, RAS_POOL_DESTROY_DEFERRED, msg) == 0) {
			d_ras_event_set_pool(&ev, op->po_uuid);
			d_ras_event_set_data(&ev, err);
			srv_ras_log(&ev);
		}
		pool_op_error(op, f->tf_rc, err);
		return;
	}
	rc = srv_ms_submit_json(ctx, uuid_cmd("pool_destroy", op->po_uuid), pd_removed, op, err,
				sizeof(err));
	if (rc != 0)
		pool_op_error(op, rc, err);
}

static void
pd_destroying(void *arg, int rc, const struct ms_db_result *res)
{
	struct pool_op *op = arg;
	char            err[SRV_MSG_MAX] = "";

	if (rc != 0) {
		srv_reply_ms_error(op->po_call, rc, res);
		pool_op_free(op);
		return;
	}
	srv_tgt_fan_init(&op->po_fan, PROTO_OP_TGT_POOL_DESTROY, SRV_TGT_CALL_TIMEOUT_MS);
	rc = srv_tgt_fan_add_pool(op->po_ctx, &op->po_fan, op->po_rec, false, 0, NULL, err,
				  sizeof(err));
	if (rc == 0)
		rc = srv_tgt_fan_start(op->po_ctx, &op->po_fan, pd_tgts_done, op);
	if (rc != 0)
		pool_op_error(op, rc, err);
}

static void
pd_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct pool_op   *op;
	struct ms_member  m;
	char              err[SRV_MSG_MAX] = "";
	char              us[37];
	bool              recursive = false;
	uint32_t          nconts;
	json_t           *cmd;
	int               rc;

	op = pool_op_get(ctx, call, body);
	if (op == NULL)
		return;
	rc = srv_body_bool(body, "force", &op->po_force, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_bool(body, "recursive", &recursive, err, sizeof(err));
	if (rc != 0) {
		pool_op_error(op, rc, err);
		return;
	}
	uuid_str(op->po_uuid, us);
	nconts = op->po_rec->pr_info.pi_nr_conts;
	if (nconts > 0 && !op->po_force && !recursive) {
		snprintf(err, sizeof(err),
			 "pool %s has %u container%s: destroy %s first, or use --recursive or "
			 "--force", us, nconts, nconts == 1 ? "" : "s", nconts == 1 ? "it" : "them");
		pool_op_error(op, -DER_BUSY, err);
		return;
	}
	for (uint32_t i = 0; i < op->po_rec->pr_info.pi_nr_ranks && !op->po_force; i++) {
		if (ms_db_member_by_rank(ctx->sc_db, op->po_rec->pr_ranks[i], &m) == 0 &&
		    m.mm_state == MS_STATE_JOINED)
			continue;
		snprintf(err, sizeof(err),
			 "rank %u of pool %s is not Joined: its targets cannot destroy the pool "
			 "(start it, or use --force)", op->po_rec->pr_ranks[i], us);
		pool_op_error(op, -DER_BUSY, err);
		return;
	}
	if (op->po_rec->pr_info.pi_state == MS_POOL_DESTROYING) {
		pd_destroying(op, 0, NULL);
		return;
	}
	cmd = uuid_cmd("pool_set_state", op->po_uuid);
	if (cmd != NULL && json_object_set_new(cmd, "state", json_string("Destroying")) != 0) {
		json_decref(cmd);
		cmd = NULL;
	}
	rc = srv_ms_submit_json(ctx, cmd, pd_destroying, op, err, sizeof(err));
	if (rc != 0)
		pool_op_error(op, rc, err);
}

void
srv_h_pool_destroy(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pd_step);
}

/* ---- pool_list, pool_query ---- */

static const char *
pool_state_text(const struct ms_pool_rec *rec)
{
	uint32_t disabled, active;

	tgt_counts(rec, &disabled, &active);
	if (rec->pr_info.pi_state == MS_POOL_READY && disabled > 0)
		return "Degraded";
	return ms_pool_state_name(rec->pr_info.pi_state);
}

static json_t *
usage_json(const struct tier_acc t[2])
{
	static const char *const names[] = {"SCM", "NVME"};
	json_t                  *a = json_array();

	for (int i = 0; a != NULL && i < 2; i++) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:i}", "tier_name", names[i], "size",
				      (json_int_t)t[i].ta_total, "free", (json_int_t)t[i].ta_free,
				      "imbalance", (int)tier_imbalance(&t[i]));

		if (json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* A pool of pool_list; @f (tag @tag) holds its query when not NULL. */
static json_t *
pool_list_item(const struct ms_pool_rec *rec, const struct srv_tgt_fan *f, uint32_t tag)
{
	uint32_t disabled, active;
	char     us[37];
	json_t  *o;
	int      rc = 0;

	tgt_counts(rec, &disabled, &active);
	o = json_pack("{s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:i, s:i, s:s}", "uuid",
		      uuid_str(rec->pr_info.pi_uuid, us), "label", rec->pr_info.pi_label, "state",
		      pool_state_text(rec), "svc_reps", srv_ranks_json(rec->pr_svc, rec->pr_nr_svc),
		      "svc_ldr", (int)rec->pr_svc[0], "targets_total", (int)rec->pr_nr_tgts,
		      "targets_disabled", (int)disabled, "pool_layout_ver", POOL_LAYOUT_VER,
		      "upgrade_layout_ver", POOL_LAYOUT_VER, "rebuild_state", "idle");
	if (o == NULL || f == NULL || rec->pr_info.pi_state != MS_POOL_READY)
		return o;
	for (uint32_t i = 0; i < f->tf_nr && rc == 0; i++) {
		if (f->tf_calls[i].tc_tag == tag && f->tf_calls[i].tc_rc != 0)
			rc = json_object_set_new(o, "query_error_msg",
						 json_string(f->tf_calls[i].tc_err)) != 0
				 ? -DER_NOMEM
				 : 1;
	}
	if (rc == 0) {
		struct tier_acc t[2];

		tiers_of(f, tag, t);
		if (json_object_set_new(o, "usage", usage_json(t)) != 0)
			rc = -DER_NOMEM;
	}
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void
pl_reply(struct pool_op *op, const struct srv_tgt_fan *f)
{
	json_t *arr = json_array();
	json_t *r   = json_pack("{s:o}", "pools", arr);

	for (uint32_t i = 0; r != NULL && i < op->po_nr; i++) {
		if (json_array_append_new(arr, pool_list_item(op->po_recs[i], f, i)) != 0) {
			json_decref(r);
			r = NULL;
		}
	}
	pool_op_reply(op, r);
}

static void
pl_queried(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	(void)ctx;
	pl_reply(arg, f);
}

static void
pl_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct ms_pool_info *list = NULL;
	struct pool_op      *op;
	char                 err[SRV_MSG_MAX] = "";
	uint32_t             nr = 0;
	int                  rc;

	op = pool_op_new(ctx, call);
	if (op == NULL)
		return;
	rc = srv_body_bool(body, "no_query", &op->po_no_query, err, sizeof(err));
	if (rc == 0) {
		rc = ms_pool_list(ctx->sc_db, &list, &nr);
		if (rc == 0 && nr > 0) {
			op->po_recs = calloc(nr, sizeof(*op->po_recs));
			rc          = op->po_recs == NULL ? -DER_NOMEM : 0;
		}
		for (uint32_t i = 0; i < nr && rc == 0; i++) {
			rc = ms_pool_get(ctx->sc_db, list[i].pi_uuid, &op->po_recs[i]);
			if (rc == 0)
				op->po_nr++;
		}
		free(list);
		if (rc != 0)
			snprintf(err, sizeof(err), "out of memory");
	}
	if (rc != 0) {
		pool_op_error(op, rc, err);
		return;
	}
	if (op->po_no_query || op->po_nr == 0) {
		pl_reply(op, NULL);
		return;
	}
	srv_tgt_fan_init(&op->po_fan, PROTO_OP_TGT_QUERY, SRV_TGT_CALL_TIMEOUT_MS);
	for (uint32_t i = 0; i < op->po_nr && rc == 0; i++)
		if (op->po_recs[i]->pr_info.pi_state == MS_POOL_READY)
			rc = srv_tgt_fan_add_pool(ctx, &op->po_fan, op->po_recs[i], true, i, NULL,
						  err, sizeof(err));
	if (rc == 0)
		rc = srv_tgt_fan_start(ctx, &op->po_fan, pl_queried, op);
	if (rc != 0)
		pool_op_error(op, rc, err[0] != '\0' ? err : d_errdesc(rc));
}

void
srv_h_pool_list(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pl_step);
}

static void
pq_queried(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct pool_op           *op  = arg;
	const struct ms_pool_rec *rec = op->po_rec;
	struct d_rankset          enabled, disabled_r, dead;
	struct tier_acc           t[2];
	struct ms_member          m;
	uint32_t                  disabled, active;
	char                      err[SRV_MSG_MAX * 2] = "";
	char                      us[37];
	json_t                   *r;
	int                       rc;

	if (f->tf_failed > 0) {
		snprintf(err, sizeof(err), "pool query failed on %u of %u targets: %s",
			 f->tf_failed, f->tf_nr, f->tf_err);
		pool_op_error(op, f->tf_rc, err);
		return;
	}
	tiers_of(f, 0, t);
	tgt_counts(rec, &disabled, &active);
	d_rankset_init(&enabled);
	d_rankset_init(&disabled_r);
	d_rankset_init(&dead);
	rc = ranks_by_state(rec, false, &enabled);
	if (rc == 0)
		rc = ranks_by_state(rec, true, &disabled_r);
	for (uint32_t i = 0; i < rec->pr_info.pi_nr_ranks && rc == 0; i++)
		if (ms_db_member_by_rank(ctx->sc_db, rec->pr_ranks[i], &m) != 0 ||
		    m.mm_state != MS_STATE_JOINED)
			rc = d_rankset_add(&dead, rec->pr_ranks[i]);
	r = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o, "
		      "s:{s:i, s:s, s:i, s:i}, s:o, s:i, s:i}",
		      "uuid", uuid_str(rec->pr_info.pi_uuid, us), "label", rec->pr_info.pi_label,
		      "state", pool_state_text(rec), "map_version", (int)rec->pr_info.pi_map_version,
		      "version", (int)rec->pr_info.pi_map_version, "total_targets",
		      (int)rec->pr_nr_tgts, "active_targets", (int)active, "disabled_targets",
		      (int)disabled, "total_engines", (int)rec->pr_info.pi_nr_ranks, "svc_ldr",
		      (int)rec->pr_svc[0], "svc_reps", srv_ranks_json(rec->pr_svc, rec->pr_nr_svc),
		      "rebuild", "status", 0, "state", "idle", "objects", 0, "records", 0,
		      "tier_stats", tier_stats_json(t), "pool_layout_ver", POOL_LAYOUT_VER,
		      "upgrade_layout_ver", POOL_LAYOUT_VER);
	if (r == NULL)
		rc = -DER_NOMEM;
	rankset_set(r, "enabled_ranks", &enabled, &rc);
	rankset_set(r, "disabled_ranks", &disabled_r, &rc);
	rankset_set(r, "dead_ranks", &dead, &rc);
	d_rankset_fini(&enabled);
	d_rankset_fini(&disabled_r);
	d_rankset_fini(&dead);
	if (rc != 0) {
		json_decref(r);
		r = NULL;
	}
	pool_op_reply(op, r);
}

static void
pq_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct pool_op *op = pool_op_get(ctx, call, body);
	char            err[SRV_MSG_MAX] = "";
	char            us[37];
	int             rc;

	if (op == NULL)
		return;
	if (op->po_rec->pr_info.pi_state != MS_POOL_READY) {
		snprintf(err, sizeof(err), "pool %s is %s", uuid_str(op->po_uuid, us),
			 ms_pool_state_name(op->po_rec->pr_info.pi_state));
		pool_op_error(op, -DER_BUSY, err);
		return;
	}
	srv_tgt_fan_init(&op->po_fan, PROTO_OP_TGT_QUERY, SRV_TGT_CALL_TIMEOUT_MS);
	rc = srv_tgt_fan_add_pool(ctx, &op->po_fan, op->po_rec, true, 0, NULL, err, sizeof(err));
	if (rc == 0)
		rc = srv_tgt_fan_start(ctx, &op->po_fan, pq_queried, op);
	if (rc != 0)
		pool_op_error(op, rc, err[0] != '\0' ? err : d_errdesc(rc));
}

void
srv_h_pool_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pq_step);
}

/* ---- pool_query_targets ---- */

static void
pqt_queried(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct pool_op *op = arg;
	char            err[SRV_MSG_MAX * 2] = "";
	json_t         *infos, *r;

	(void)ctx;
	if (f->tf_failed > 0) {
		snprintf(err, sizeof(err), "target query failed on %u of %u targets: %s",
			 f->tf_failed, f->tf_nr, f->tf_err);
		pool_op_error(op, f->tf_rc, err);
		return;
	}
	infos = json_array();
	r     = json_pack("{s:o}", "infos", infos);
	for (uint32_t i = 0; r != NULL && i < f->tf_nr; i++) {
		const struct srv_tgt_call *c = &f->tf_calls[i];
		json_t                    *e;

		/* tc_tag holds the target's state (see pqt_step). */
		e = json_pack("{s:i, s:i, s:s, s:s, s:[{s:s, s:I, s:I}, {s:s, s:I, s:I}]}",
			      "rank", (int)c->tc_rank, "target", (int)c->tc_tgt, "type", "unknown",
			      "state", pl_state_name(c->tc_tag), "space", "media_type", "scm",
			      "total", (json_int_t)c->tc_query.tqr_scm_total, "free",
			      (json_int_t)c->tc_query.tqr_scm_free, "media_type", "nvme", "total",
			      (json_int_t)c->tc_query.tqr_nvme_total, "free",
			      (json_int_t)c->tc_query.tqr_nvme_free);
		if (json_array_append_new(infos, e) != 0) {
			json_decref(r);
			r = NULL;
		}
	}
	pool_op_reply(op, r);
}

static void
pqt_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	const struct ms_pool_rec *rec;
	struct pool_op           *op = pool_op_get(ctx, call, body);
	struct d_rankset          tgts;
	struct ms_member          m;
	char                      err[SRV_MSG_MAX] = "";
	char                      us[37];
	bool                      has_tgts = false, set = false;
	int64_t                   rank = 0;
	uint32_t                  off = 0, t;
	long                      ri = -1;
	int                       rc;

	if (op == NULL)
		return;
	rec = op->po_rec;
	uuid_str(op->po_uuid, us);
	d_rankset_init(&tgts);
	rc = srv_body_int(body, "rank", 0, D_RANK_MAX, &rank, &set, err, sizeof(err));
	if (rc == 0 && !set) {
		snprintf(err, sizeof(err), "rank: missing");
		rc = -DER_INVAL;
	}
	if (rc == 0)
		rc = srv_body_ranks(body, "targets", &tgts, &has_tgts, err, sizeof(err));
	for (uint32_t i = 0; rc == 0 && i < rec->pr_info.pi_nr_ranks; i++) {
		if (rec->pr_ranks[i] == (uint32_t)rank) {
			ri = i;
			break;
		}
		off += rec->pr_nr_targets[i];
	}
	if (rc == 0 && ri < 0) {
		snprintf(err, sizeof(err), "rank %u does not host pool %s", (uint32_t)rank, us);
		rc = -DER_NONEXIST;
	}
	if (rc == 0 && has_tgts && d_rankset_count(&tgts) > 0 &&
	    tgts.rs_ranges[tgts.rs_nr - 1].rr_hi >= rec->pr_nr_targets[ri]) {
		snprintf(err, sizeof(err), "rank %u of pool %s has no target %u (it has %u)",
			 (uint32_t)rank, us, tgts.rs_ranges[tgts.rs_nr - 1].rr_hi,
			 rec->pr_nr_targets[ri]);
		rc = -DER_NONEXIST;
	}
	if (rc == 0 && (ms_db_member_by_rank(ctx->sc_db, (uint32_t)rank, &m) != 0 ||
			m.mm_state != MS_STATE_JOINED)) {
		snprintf(err, sizeof(err), "rank %u is not Joined: its targets cannot be queried",
			 (uint32_t)rank);
		rc = -DER_UNREACH;
	}
	srv_tgt_fan_init(&op->po_fan, PROTO_OP_TGT_QUERY, SRV_TGT_CALL_TIMEOUT_MS);
	for (t = 0; rc == 0 && t < rec->pr_nr_targets[ri]; t++)
		if (!has_tgts || d_rankset_contains(&tgts, t))
			rc = srv_tgt_fan_add(&op->po_fan, op->po_uuid, &m, t,
					     rec->pr_tgt_states[off + t], err, sizeof(err));
	d_rankset_fini(&tgts);
	if (rc == 0)
		rc = srv_tgt_fan_start(ctx, &op->po_fan, pqt_queried, op);
	if (rc != 0)
		pool_op_error(op, rc, err[0] != '\0' ? err : d_errdesc(rc));
}

void
srv_h_pool_query_targets(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pqt_step);
}

/* ---- Properties ---- */

/* Value of property @i of @rec for the API: a number for numeric properties,
 * svc_list as an array, the rest as text. */
static json_t *
prop_json(const struct ms_pool_rec *rec, uint32_t i)
{
	const char *name = ms_pool_prop_name(i);
	const char *v;

	if (strcmp(name, "label") == 0)
		return json_string(rec->pr_info.pi_label);
	if (strcmp(name, "svc_list") == 0)
		return srv_ranks_json(rec->pr_svc, rec->pr_nr_svc);
	v = ms_pool_prop_value(i, rec_prop(rec, name));
	if (ms_pool_prop_numeric(i))
		return json_integer((json_int_t)strtoll(v, NULL, 10));
	return json_string(v);
}

static void
gp_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct pool_op *op = pool_op_get(ctx, call, body);
	json_t         *names, *arr, *r, *v;
	char            err[SRV_MSG_MAX] = "";
	size_t          k;

	if (op == NULL)
		return;
	names = json_object_get(body, "names");
	if (names != NULL && !json_is_null(names) &&
	    (!json_is_array(names) || json_array_size(names) > ms_pool_prop_nr())) {
		pool_op_error(op, -DER_INVAL, "names: expected an array of property names");
		return;
	}
	json_array_foreach(names, k, v) {
		if (!json_is_string(v) || ms_pool_prop_find(json_string_value(v)) < 0) {
			snprintf(err, sizeof(err), "unknown pool property '%.64s'",
				 json_is_string(v) ? json_string_value(v) : "?");
			pool_op_error(op, -DER_INVAL, err);
			return;
		}
	}
	arr = json_array();
	r   = json_pack("{s:o}", "props", arr);
	for (uint32_t i = 0; r != NULL && i < ms_pool_prop_nr(); i++) {
		bool want = json_array_size(names) == 0;

		json_array_foreach(names, k, v)
			want = want || strcmp(json_string_value(v), ms_pool_prop_name(i)) == 0;
		if (!want)
			continue;
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "name",
							 ms_pool_prop_name(i), "description",
							 ms_pool_prop_desc(i), "value",
							 prop_json(op->po_rec, i))) != 0) {
			json_decref(r);
			r = NULL;
		}
	}
	pool_op_reply(op, r);
}

void
srv_h_pool_get_prop(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, gp_step);
}

static void
sp_done(void *arg, int rc, const struct ms_db_result *res)
{
	struct pool_op *op = arg;

	if (rc != 0) {
		srv_reply_ms_error(op->po_call, rc, res);
		pool_op_free(op);
		return;
	}
	pool_op_reply(op, json_object());
}

static void
sp_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct pool_op *op = pool_op_get(ctx, call, body);
	json_t         *props = json_object_get(body, "props");
	json_t         *canon, *cmd, *v;
	const char     *name;
	char            val[MS_PROP_VALUE_MAX];
	char            err[SRV_MSG_MAX] = "";
	int             rc = 0;

	if (op == NULL)
		return;
	if (!json_is_object(props) || json_object_size(props) == 0 ||
	    json_object_size(props) > MS_PROPS_MAX) {
		pool_op_error(op, -DER_INVAL, "props: expected an object of 1 or more properties");
		return;
	}
	canon = json_object();
	if (canon == NULL)
		rc = -DER_NOMEM;
	json_object_foreach(props, name, v) {
		if (rc != 0)
			break;
		if (!json_is_string(v)) {
			snprintf(err, sizeof(err), "props: '%.64s' must be a string", name);
			rc = -DER_INVAL;
			break;
		}
		rc = ms_pool_prop_check(name, json_string_value(v), false, val, sizeof(val), err,
					sizeof(err));
		if (rc == 0 && json_object_set_new(canon, name, json_string(val)) != 0)
			rc = -DER_NOMEM;
	}
	if (rc != 0) {
		json_decref(canon);
		pool_op_error(op, rc, rc == -DER_NOMEM ? "out of memory" : err);
		return;
	}
	cmd = uuid_cmd("pool_set_prop", op->po_uuid);
	if (cmd != NULL && json_object_set_new(cmd, "props", canon) != 0) {
		json_decref(cmd);
		cmd = NULL;
	} else if (cmd == NULL) {
		json_decref(canon);
	}
	rc = srv_ms_submit_json(ctx, cmd, sp_done, op, err, sizeof(err));
	if (rc != 0)
		pool_op_error(op, rc, err);
}

void
srv_h_pool_set_prop(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, sp_step);
}

/* ---- pool_connect ---- */

static void
pc_connect_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct pool_op           *op = pool_op_get(ctx, call, body);
	const struct ms_pool_rec *rec;
	struct ms_member          m;
	char                      err[SRV_MSG_MAX] = "";
	char                      us[37];
	char                     *b64 = NULL;
	void                     *map = NULL;
	size_t                    len = 0;
	json_t                   *ranks = NULL, *props = NULL, *r = NULL;
	int                       rc;

	if (op == NULL)
		return;
	rec = op->po_rec;
	uuid_str(op->po_uuid, us);
	if (rec->pr_info.pi_state != MS_POOL_READY) {
		snprintf(err, sizeof(err), "pool %s is %s", us,
			 ms_pool_state_name(rec->pr_info.pi_state));
		pool_op_error(op, -DER_BUSY, err);
		return;
	}
	rc = srv_pool_map_encode(ctx, rec, &map, &len, err, sizeof(err));
	if (rc != 0) {
		pool_op_error(op, rc, err);
		return;
	}
	b64   = malloc(ms_b64_len(len) + 1);
	ranks = json_array();
	props = json_object();
	if (b64 == NULL || ranks == NULL || props == NULL)
		rc = -DER_NOMEM;
	else
		ms_b64_encode(map, len, b64);
	for (uint32_t i = 0; rc == 0 && i < rec->pr_info.pi_nr_ranks; i++) {
		const char *uri = "";

		if (ms_db_member_by_rank(ctx->sc_db, rec->pr_ranks[i], &m) == 0)
			uri = m.mm_fabric_uri;
		if (json_array_append_new(ranks, json_pack("{s:i, s:s}", "rank",
							   (int)rec->pr_ranks[i], "uri", uri)) != 0)
			rc = -DER_NOMEM;
	}
	for (uint32_t i = 0; rc == 0 && i < ms_pool_prop_nr(); i++)
		if (json_object_set_new(props, ms_pool_prop_name(i), prop_json(rec, i)) != 0)
			rc = -DER_NOMEM;
	if (rc == 0) {
		r = json_pack("{s:s, s:s, s:i, s:s, s:O, s:O}", "uuid", us, "label",
			      rec->pr_info.pi_label, "map_version", (int)rec->pr_info.pi_map_version,
			      "map", b64, "ranks", ranks, "props", props);
	}
	json_decref(ranks);
	json_decref(props);
	free(b64);
	free(map);
	pool_op_reply(op, r);
}

void
srv_h_pool_connect(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pc_connect_step);
}

/* ---- pool_exclude, pool_reintegrate ---- */

static void
tgt_state_pushed(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct pool_op *op = arg;
	json_t         *r;

	(void)ctx;
	r = json_pack("{s:i}", "map_version", (int)f->tf_map_version);
	/* The MS holds the new state whatever the targets did: a target that
	 * missed the map keeps the older one, which only makes it accept stale
	 * requests a little longer; say so. */
	if (r != NULL && f->tf_failed > 0) {
		char msg[SRV_MSG_MAX * 2];

		snprintf(msg, sizeof(msg), "the new pool map reached %u of %u targets: %s",
			 f->tf_nr - f->tf_failed, f->tf_nr, f->tf_err);
		json_object_set_new(r, "warning", json_string(msg));
	}
	pool_op_reply(op, r);
}

static void
tgt_state_applied(void *arg, int rc, const struct ms_db_result *res)
{
	struct pool_op *op  = arg;
	struct srv_ctx *ctx = op->po_ctx;
	char            err[SRV_MSG_MAX] = "";
	void           *map = NULL;
	size_t          len = 0;

	if (rc != 0) {
		srv_reply_ms_error(op->po_call, rc, res);
		pool_op_free(op);
		return;
	}
	free(op->po_rec);
	op->po_rec = NULL;
	rc = ms_pool_get(ctx->sc_db, op->po_uuid, &op->po_rec);
	if (rc == 0)
		rc = srv_pool_map_encode(ctx, op->po_rec, &map, &len, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "the pool is gone");
	if (rc == 0) {
		srv_tgt_fan_init(&op->po_fan, PROTO_OP_TGT_MAP_UPDATE, SRV_TGT_CALL_TIMEOUT_MS);
		op->po_fan.tf_map         = map;
		op->po_fan.tf_map_len     = len;
		op->po_fan.tf_map_version = op->po_rec->pr_info.pi_map_version;
		rc = srv_tgt_fan_add_pool(ctx, &op->po_fan, op->po_rec, false, 0, NULL, err,
					  sizeof(err));
	}
	if (rc == 0)
		rc = srv_tgt_fan_start(ctx, &op->po_fan, tgt_state_pushed, op);
	if (rc != 0)
		pool_op_error(op, rc, err);
}

static void
tgt_state_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body, uint32_t state)
{
	struct pool_op  *op = pool_op_get(ctx, call, body);
	struct d_rankset tgts;
	char             err[SRV_MSG_MAX] = "";
	char            *text = NULL;
	bool             has_tgts = false, set = false;
	int64_t          rank = 0;
	json_t          *cmd = NULL;
	int              rc;

	if (op == NULL)
		return;
	d_rankset_init(&tgts);
	rc = srv_body_int(body, "rank", 0, D_RANK_MAX, &rank, &set, err, sizeof(err));
	if (rc == 0 && !set) {
		snprintf(err, sizeof(err), "rank: missing");
		rc = -DER_INVAL;
	}
	if (rc == 0)
		rc = srv_body_ranks(body, "targets", &tgts, &has_tgts, err, sizeof(err));
	if (rc == 0 && has_tgts && d_rankset_count(&tgts) == 0) {
		snprintf(err, sizeof(err), "targets: empty");
		rc = -DER_INVAL;
	}
	if (rc == 0) {
		char rs[16];

		snprintf(err, sizeof(err), "out of memory");
		cmd = uuid_cmd("pool_tgt_state", op->po_uuid);
		/* "ranks" is a rank set string */
		snprintf(rs, sizeof(rs), "%u", (uint32_t)rank);
		if (cmd == NULL || json_object_set_new(cmd, "ranks", json_string(rs)) != 0 ||
		    json_object_set_new(cmd, "state", json_string(ms_tgt_state_name(state))) != 0)
			rc = -DER_NOMEM;
	}
	if (rc == 0 && has_tgts) {
		text = srv_rankset_str(&tgts);
		if (text == NULL || json_object_set_new(cmd, "targets", json_string(text)) != 0)
			rc = -DER_NOMEM;
	}
	free(text);
	d_rankset_fini(&tgts);
	if (rc != 0) {
		json_decref(cmd);
		pool_op_error(op, rc, err);
		return;
	}
	rc = srv_ms_submit_json(ctx, cmd, tgt_state_applied, op, err, sizeof(err));
	if (rc != 0)
		pool_op_error(op, rc, err);
}

/* Exclude: the targets become DOWN in the MS and a new map goes to every
 * target of the pool. No data moves (rebuild is not implemented): the
 * targets stay DOWN (excluded, rebuild pending) until reintegrated. */
static void
exclude_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	tgt_state_step(ctx, call, body, MS_TGT_DOWN);
}

/* Reintegrate: the targets become UP_IN at once (no data movement: whatever
 * they hold from before their exclusion is served as it is). */
static void
reint_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	tgt_state_step(ctx, call, body, MS_TGT_UP_IN);
}

void
srv_h_pool_exclude(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, exclude_step);
}

void
srv_h_pool_reintegrate(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, reint_step);
}

/* ---- storage_alloc ---- */

static void
alloc_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct ms_pool_info *list = NULL;
	struct ms_pool_rec **recs = NULL;
	struct ms_member    *m    = NULL;
	struct d_rankset     ranks;
	uint32_t             nr = 0, nm = 0, got = 0;
	bool                 has_ranks = false;
	char                 err[SRV_MSG_MAX] = "";
	json_t              *arr = NULL, *r = NULL;
	int                  rc;

	d_rankset_init(&ranks);
	rc = srv_body_ranks(body, "ranks", &ranks, &has_ranks, err, sizeof(err));
	if (rc != 0) {
		srv_reply_error(call, rc, "%s", err);
		return;
	}
	rc = ms_pool_list(ctx->sc_db, &list, &nr);
	if (rc == 0 && nr > 0) {
		recs = calloc(nr, sizeof(*recs));
		rc   = recs == NULL ? -DER_NOMEM : 0;
	}
	for (uint32_t i = 0; i < nr && rc == 0; i++)
		if (ms_pool_get(ctx->sc_db, list[i].pi_uuid, &recs[got]) == 0)
			got++;
	if (rc == 0)
		rc = ms_db_members(ctx->sc_db, NULL, &m, &nm);
	arr = json_array();
	r   = json_pack("{s:O}", "ranks", arr);
	if (arr == NULL || r == NULL)
		rc = -DER_NOMEM;
	for (uint32_t k = 0; k < nm && rc == 0; k++) {
		uint64_t scm = 0, nvme = 0;

		if (has_ranks && !d_rankset_contains(&ranks, m[k].mm_rank))
			continue;
		for (uint32_t p = 0; p < got; p++)
			for (uint32_t i = 0; i < recs[p]->pr_info.pi_nr_ranks; i++)
				if (recs[p]->pr_ranks[i] == m[k].mm_rank) {
					scm += recs[p]->pr_scm * recs[p]->pr_nr_targets[i];
					nvme += recs[p]->pr_nvme * recs[p]->pr_nr_targets[i];
				}
		if (json_array_append_new(arr, json_pack("{s:i, s:I, s:I}", "rank",
							 (int)m[k].mm_rank, "scm",
							 (json_int_t)scm, "nvme",
							 (json_int_t)nvme)) != 0)
			rc = -DER_NOMEM;
	}
	for (uint32_t p = 0; p < got; p++)
		free(recs[p]);
	free(recs);
	free(list);
	free(m);
	json_decref(arr);
	d_rankset_fini(&ranks);
	if (rc != 0) {
		json_decref(r);
		srv_reply_error(call, rc, "out of memory");
		return;
	}
	srv_reply(call, r);
}

void
srv_h_storage_alloc(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, alloc_step);
}
