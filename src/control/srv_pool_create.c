/*
 * srv_pool_create.c: the pool_create method of the control API on the MS
 * leader (docs/design.md, C4; the other pool methods are in srv_pool.c).
 *
 *   pool_create  {label?, uuid?, ranks? | nranks?, scm_bytes + nvme_bytes?
 *                (per rank) | total_bytes + tier_ratio? | size_pct, nsvc?,
 *                props?, user?, group?} -> {uuid, label, svc_ldr, svc_reps,
 *                tgt_ranks, tier_bytes: [scm, nvme] per rank}
 *
 * Steps: barrier -> select the Joined members (ranks, nranks or all) ->
 * storage_scan of every server hosting them (worker jobs) -> free space per
 * rank: SCM size minus max(bytes used, bytes of pools), and per device its
 * size minus the blobs of pools (target t of an engine with D devices is on
 * device t mod D, C2) -> sizes per target (SRV_POOL_*_ALIGN) checked against
 * it (too large: -DER_NOSPACE naming the largest size per rank possible) ->
 * MS pool_create (Creating) -> TGT_POOL_CREATE on every target ->
 * TGT_MAP_UPDATE with the pool map -> MS pool_set_state Ready -> reply. Any
 * failure after the MS record exists: TGT_POOL_DESTROY everywhere, MS
 * pool_destroy, the error.
 *
 * Sizes: the request's size per rank is divided by the largest target count
 * of the ranks and rounded down to the targets' allocation units, so no rank
 * gets more than asked. A total size is split evenly over the ranks and by
 * the tier ratio (DAOS's default 6,94); a percentage takes that share of the
 * smallest free space of each tier.
 *
 * Invariants:
 *  1. At most one pool create runs (ctx->sc_pc_running); the others wait in
 *     ctx's FIFO (at most SRV_POOL_CREATE_QUEUE_MAX) and start, in order, when
 *     the running one has replied, so each free-space check sees the
 *     allocations of the creates before it.
 *  2. A create owns its call until it replies, exactly once, and is freed
 *     then; pc_pending counts the scan jobs it waits for; otherwise it waits
 *     for exactly one barrier, MS apply or fan-out.
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hlc.h"
#include "gurt/log.h"
#include "control/ms_pool.h"
#include "control/srv_internal.h"

/* The MS's longest message plus context. */
#define PC_ERR_MAX (SRV_MSG_MAX * 2)

static char *
uuid_str(const uuid_t u, char *buf)
{
	uuid_unparse_lower(u, buf);
	return buf;
}

/* ---- pool_create ---- */

enum pc_mode {
	PC_MANUAL, /* scm_bytes (+ nvme_bytes) per rank */
	PC_TOTAL,  /* total_bytes split by tier_ratio over the ranks */
	PC_PCT,    /* size_pct of the free space of each tier */
};

/* A rank of the new pool and its space. */
struct pc_rank {
	struct ms_member pr_m;
	bool             pr_scanned;
	uint64_t         pr_scm_total;
	uint64_t         pr_scm_used;
	uint64_t         pr_scm_alloc;
	uint32_t         pr_ndev;
	uint64_t        *pr_dev_size;  /* pr_ndev, then pr_ndev allocations */
	uint64_t        *pr_dev_alloc;
	uint64_t         pr_scm_tgt_max;
	uint64_t         pr_nvme_tgt_max;
};

/* One server's storage_scan. */
struct pc_srv {
	struct srv_pc_op *ps_op;
	char              ps_addr[SRV_ADDR_MAX];
	int               ps_rc;
	char              ps_err[SRV_MSG_MAX + SRV_ADDR_MAX];
	json_t           *ps_reply;
};

struct srv_pc_op {
	struct srv_pc_op  *pc_next;
	struct srv_ctx    *pc_ctx;
	struct srv_call   *pc_call;
	/* request */
	uuid_t             pc_uuid;
	char               pc_label[MS_LABEL_MAX];
	struct d_rankset   pc_ranks;
	bool               pc_has_ranks;
	uint32_t           pc_nranks;
	enum pc_mode       pc_mode;
	uint64_t           pc_scm_rank;
	uint64_t           pc_nvme_rank;
	uint64_t           pc_total;
	double             pc_ratio_scm; /* percent */
	uint32_t           pc_pct;
	uint32_t           pc_nsvc;
	json_t            *pc_props;     /* canonical, without label */
	char               pc_owner[MS_PRINCIPAL_MAX];
	char               pc_group[MS_PRINCIPAL_MAX];
	/* selection and space */
	struct pc_rank    *pc_r;
	uint32_t           pc_nr;
	struct pc_srv     *pc_srv;
	uint32_t           pc_nsrv;
	uint32_t           pc_pending;
	uint64_t           pc_scm_tgt;
	uint64_t           pc_nvme_tgt;
	uint32_t           pc_svc[MS_POOL_SVC_MAX];
	uint32_t           pc_nr_svc;
	/* targets */
	bool               pc_created;   /* the MS record exists */
	struct srv_tgt_fan pc_fan;
	int                pc_rc;        /* the failure reported after cleanup */
	char               pc_err[PC_ERR_MAX];
};

static void pc_start(struct srv_ctx *ctx, struct srv_pc_op *op);

static void
pc_free(struct srv_pc_op *op)
{
	for (uint32_t i = 0; i < op->pc_nr; i++)
		free(op->pc_r[i].pr_dev_size);
	free(op->pc_r);
	for (uint32_t i = 0; i < op->pc_nsrv; i++)
		json_decref(op->pc_srv[i].ps_reply);
	free(op->pc_srv);
	d_rankset_fini(&op->pc_ranks);
	json_decref(op->pc_props);
	srv_tgt_fan_fini(&op->pc_fan);
	free(op);
}

/* The op has replied: free it and start the next queued create (inv. 1). */
static void
pc_finish(struct srv_pc_op *op)
{
	struct srv_ctx   *ctx = op->pc_ctx;
	struct srv_pc_op *next;

	pc_free(op);
	ctx->sc_pc_running = false;
	while ((next = ctx->sc_pc_head) != NULL) {
		ctx->sc_pc_head = next->pc_next;
		if (ctx->sc_pc_head == NULL)
			ctx->sc_pc_tail = NULL;
		ctx->sc_pc_nr--;
		if (ctx->sc_stopping) {
			srv_reply_error(next->pc_call, -DER_SHUTDOWN, "server is shutting down");
			pc_free(next);
			continue;
		}
		pc_start(ctx, next);
		return;
	}
}

static void
pc_reply_error(struct srv_pc_op *op, int rc, const char *msg)
{
	if (msg[0] == '\0')
		msg = d_errdesc(rc);
	D_ERROR("pool create: %s: " DF_RC "\n", msg, DP_RC(rc));
	srv_reply_error(op->pc_call, rc, "%s", msg);
	pc_finish(op);
}

void
srv_pool_shutdown(struct srv_ctx *ctx)
{
	struct srv_pc_op *op;

	while ((op = ctx->sc_pc_head) != NULL) {
		ctx->sc_pc_head = op->pc_next;
		srv_reply_error(op->pc_call, -DER_SHUTDOWN, "server is shutting down");
		pc_free(op);
	}
	ctx->sc_pc_tail = NULL;
	ctx->sc_pc_nr   = 0;
}

/* tier_ratio: [scm %, nvme %], summing to 100. */
static int
pc_parse_ratio(struct srv_pc_op *op, json_t *body, char *err, size_t errlen)
{
	json_t *v = json_object_get(body, "tier_ratio");
	double  r[2];

	op->pc_ratio_scm = 6.0; /* DAOS's default 6,94 */
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_number(json_array_get(v, 0)) || !json_is_number(json_array_get(v, 1)))
		goto bad;
	r[0] = json_number_value(json_array_get(v, 0));
	r[1] = json_number_value(json_array_get(v, 1));
	if (!(r[0] >= 0.0 && r[0] <= 100.0 && r[1] >= 0.0 && r[1] <= 100.0) ||
	    r[0] + r[1] < 99.99 || r[0] + r[1] > 100.01)
		goto bad;
	op->pc_ratio_scm = r[0];
	return 0;
bad:
	d_errbuf_printf(err, errlen,
			"tier_ratio: expected [SCM %%, NVMe %%] of two numbers summing to 100");
	return -DER_INVAL;
}

static int
pc_parse_props(struct srv_pc_op *op, json_t *body, char *err, size_t errlen)
{
	json_t     *v = json_object_get(body, "props");
	const char *name;
	json_t     *val;
	char        canon[MS_PROP_VALUE_MAX];
	char        why[SRV_MSG_MAX];
	int         rc;

	op->pc_props = json_object();
	if (op->pc_props == NULL)
		return -DER_NOMEM;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v) || json_object_size(v) > MS_PROPS_MAX) {
		d_errbuf_printf(err, errlen, "props: expected an object of at most %d properties",
				MS_PROPS_MAX);
		return -DER_INVAL;
	}
	json_object_foreach(v, name, val) {
		if (!json_is_string(val)) {
			d_errbuf_printf(err, errlen, "props: '%.64s' must be a string", name);
			return -DER_INVAL;
		}
		rc = ms_pool_prop_check(name, json_string_value(val), true, canon, sizeof(canon),
					why, sizeof(why));
		if (rc != 0) {
			d_errbuf_printf(err, errlen, "%s", why);
			return rc;
		}
		if (strcmp(name, "label") == 0) {
			if (op->pc_label[0] != '\0' && strcmp(op->pc_label, canon) != 0) {
				d_errbuf_printf(err, errlen,
						"label given twice: '%s' and property label '%s'",
						op->pc_label, canon);
				return -DER_INVAL;
			}
			snprintf(op->pc_label, sizeof(op->pc_label), "%.*s", MS_LABEL_MAX - 1, canon);
			continue;
		}
		if (json_object_set_new(op->pc_props, name, json_string(canon)) != 0)
			return -DER_NOMEM;
	}
	return 0;
}

static int
pc_parse(struct srv_pc_op *op, json_t *body, char *err, size_t errlen)
{
	const char *s;
	int64_t     v;
	bool        set, scm_set, nvme_set, total_set, pct_set;
	int         rc;

	rc = srv_body_str(body, "label", false, MS_LABEL_MAX - 1, &s, err, errlen);
	if (rc == 0 && s != NULL) {
		if (!ms_label_valid(s)) {
			d_errbuf_printf(err, errlen,
					"label: '%s' is not a label (1 to 127 of A-Z a-z 0-9 _ . : "
					"-, not a UUID)", s);
			return -DER_INVAL;
		}
		snprintf(op->pc_label, sizeof(op->pc_label), "%s", s);
	}
	if (rc == 0)
		rc = srv_body_uuid(body, "uuid", op->pc_uuid, &set, err, errlen);
	if (rc == 0 && !set)
		uuid_generate(op->pc_uuid);
	if (rc == 0)
		rc = srv_body_ranks(body, "ranks", &op->pc_ranks, &op->pc_has_ranks, err, errlen);
	if (rc == 0 && op->pc_has_ranks && d_rankset_count(&op->pc_ranks) == 0) {
		d_errbuf_printf(err, errlen, "ranks: empty");
		rc = -DER_INVAL;
	}
	if (rc == 0)
		rc = srv_body_int(body, "nranks", 1, MS_MEMBERS_MAX, &v, &set, err, errlen);
	if (rc == 0 && set)
		op->pc_nranks = (uint32_t)v;
	if (rc == 0 && set && op->pc_has_ranks) {
		d_errbuf_printf(err, errlen, "ranks and nranks cannot be used together");
		rc = -DER_INVAL;
	}
	if (rc == 0)
		rc = srv_body_int(body, "scm_bytes", 1, INT64_MAX, &v, &scm_set, err, errlen);
	if (rc == 0 && scm_set)
		op->pc_scm_rank = (uint64_t)v;
	if (rc == 0)
		rc = srv_body_int(body, "nvme_bytes", 0, INT64_MAX, &v, &nvme_set, err, errlen);
	if (rc == 0 && nvme_set)
		op->pc_nvme_rank = (uint64_t)v;
	if (rc == 0)
		rc = srv_body_int(body, "total_bytes", 1, INT64_MAX, &v, &total_set, err, errlen);
	if (rc == 0 && total_set)
		op->pc_total = (uint64_t)v;
	if (rc == 0)
		rc = srv_body_int(body, "size_pct", 1, 100, &v, &pct_set, err, errlen);
	if (rc == 0 && pct_set)
		op->pc_pct = (uint32_t)v;
	if (rc != 0)
		return rc;
	if ((scm_set ? 1 : 0) + (total_set ? 1 : 0) + (pct_set ? 1 : 0) != 1 ||
	    (nvme_set && !scm_set)) {
		d_errbuf_printf(err, errlen,
				"give the size as one of scm_bytes (with nvme_bytes), total_bytes "
				"or size_pct");
		return -DER_INVAL;
	}
	op->pc_mode = scm_set ? PC_MANUAL : total_set ? PC_TOTAL : PC_PCT;
	if (json_object_get(body, "tier_ratio") != NULL && op->pc_mode != PC_TOTAL) {
		d_errbuf_printf(err, errlen, "tier_ratio goes with total_bytes only");
		return -DER_INVAL;
	}
	rc = pc_parse_ratio(op, body, err, errlen);
	if (rc == 0)
		rc = srv_body_int(body, "nsvc", 1, MS_POOL_SVC_MAX, &v, &set, err, errlen);
	if (rc == 0 && set)
		op->pc_nsvc = (uint32_t)v;
	if (rc == 0)
		rc = pc_parse_props(op, body, err, errlen);
	if (rc != 0)
		return rc;
	srv_self_principals(op->pc_owner, op->pc_group);
	rc = srv_body_str(body, "user", false, MS_PRINCIPAL_MAX - 2, &s, err, errlen);
	if (rc == 0 && s != NULL)
		rc = srv_principal(s, "user", op->pc_owner, err, errlen);
	if (rc == 0)
		rc = srv_body_str(body, "group", false, MS_PRINCIPAL_MAX - 2, &s, err, errlen);
	if (rc == 0 && s != NULL)
		rc = srv_principal(s, "group", op->pc_group, err, errlen);
	return rc;
}

/* Joined members of the request's ranks (or the first nranks, or all). */
static int
pc_select(struct srv_pc_op *op, char *err, size_t errlen)
{
	struct srv_ctx   *ctx = op->pc_ctx;
	struct ms_member *all = NULL;
	uint32_t          nr  = 0;
	uint32_t          joined = 0;
	int               rc;

	rc = ms_db_members(ctx->sc_db, NULL, &all, &nr);
	if (rc != 0) {
		d_errbuf_printf(err, errlen, "out of memory");
		return rc;
	}
	op->pc_r = calloc(nr + 1, sizeof(*op->pc_r));
	if (op->pc_r == NULL) {
		free(all);
		d_errbuf_printf(err, errlen, "out of memory");
		return -DER_NOMEM;
	}
	for (uint32_t i = 0; i < nr; i++)
		if (all[i].mm_state == MS_STATE_JOINED)
			joined++;
	if (op->pc_has_ranks) {
		uint32_t r;

		for (bool ok = d_rankset_first(&op->pc_ranks, &r); ok && rc == 0;
		     ok = d_rankset_next(&op->pc_ranks, &r)) {
			struct ms_member *m = NULL;

			for (uint32_t i = 0; i < nr && m == NULL; i++)
				if (all[i].mm_rank == r)
					m = &all[i];
			if (m == NULL) {
				d_errbuf_printf(err, errlen, "rank %u is not a member of the system",
						r);
				rc = -DER_NONEXIST;
			} else if (m->mm_state != MS_STATE_JOINED) {
				d_errbuf_printf(err, errlen, "rank %u is %s, not Joined", r,
						ms_state_name(m->mm_state));
				rc = -DER_BUSY;
			} else {
				op->pc_r[op->pc_nr++].pr_m = *m;
			}
		}
	} else {
		if (joined == 0) {
			d_errbuf_printf(err, errlen, "no rank of the system is Joined");
			rc = -DER_NONEXIST;
		} else if (op->pc_nranks > joined) {
			d_errbuf_printf(err, errlen, "nranks %u is more than the %u Joined ranks",
					op->pc_nranks, joined);
			rc = -DER_INVAL;
		}
		for (uint32_t i = 0; i < nr && rc == 0; i++) {
			if (all[i].mm_state != MS_STATE_JOINED)
				continue;
			if (op->pc_nranks != 0 && op->pc_nr == op->pc_nranks)
				break;
			op->pc_r[op->pc_nr++].pr_m = all[i];
		}
	}
	for (uint32_t i = 0; i < op->pc_nr && rc == 0; i++) {
		if (op->pc_r[i].pr_m.mm_nr_targets == 0) {
			d_errbuf_printf(err, errlen, "rank %u has no targets",
					op->pc_r[i].pr_m.mm_rank);
			rc = -DER_INVAL;
		}
	}
	free(all);
	return rc;
}

/* ---- pool_create: space ---- */

static void pc_scans_done(struct srv_pc_op *op);

static void
pc_scan_work(struct srv_ctx *ctx, void *arg)
{
	struct pc_srv          *s = arg;
	struct ctl_http_client *cl;

	cl = srv_client_new(ctx, SRV_POOL_SCAN_TIMEOUT_MS, s->ps_err, sizeof(s->ps_err));
	if (cl == NULL) {
		s->ps_rc = -DER_NO_CERT;
		return;
	}
	s->ps_rc = ctl_http_call(cl, s->ps_addr, "storage_scan", NULL, &s->ps_reply, s->ps_err,
				 sizeof(s->ps_err));
	if (s->ps_rc != 0) {
		char msg[sizeof(s->ps_err)];

		snprintf(msg, sizeof(msg), "%s", s->ps_err);
		d_errbuf_printf(s->ps_err, sizeof(s->ps_err), "storage scan of %s: %s", s->ps_addr,
				msg);
		json_decref(s->ps_reply);
		s->ps_reply = NULL;
	}
	ctl_http_client_destroy(cl);
}

static void
pc_scan_done(struct srv_ctx *ctx, void *arg)
{
	struct pc_srv    *s  = arg;
	struct srv_pc_op *op = s->ps_op;

	(void)ctx;
	if (--op->pc_pending == 0)
		pc_scans_done(op);
}

/* storage_scan of every server hosting a selected rank, in parallel. */
static void
pc_scan(struct srv_pc_op *op)
{
	struct srv_ctx *ctx = op->pc_ctx;
	int             rc  = 0;

	op->pc_srv = calloc(op->pc_nr, sizeof(*op->pc_srv));
	if (op->pc_srv == NULL) {
		pc_reply_error(op, -DER_NOMEM, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < op->pc_nr; i++) {
		const char *addr = op->pc_r[i].pr_m.mm_ctl_addr;
		uint32_t    k;

		for (k = 0; k < op->pc_nsrv; k++)
			if (strcmp(op->pc_srv[k].ps_addr, addr) == 0)
				break;
		if (k < op->pc_nsrv)
			continue;
		op->pc_srv[op->pc_nsrv].ps_op = op;
		snprintf(op->pc_srv[op->pc_nsrv].ps_addr, SRV_ADDR_MAX, "%s", addr);
		op->pc_nsrv++;
	}
	op->pc_pending = 1; /* until every job is started */
	for (uint32_t k = 0; k < op->pc_nsrv; k++) {
		rc = srv_job_start(ctx, pc_scan_work, pc_scan_done, &op->pc_srv[k]);
		if (rc == 0) {
			op->pc_pending++;
			continue;
		}
		op->pc_srv[k].ps_rc = rc;
		d_errbuf_printf(op->pc_srv[k].ps_err, sizeof(op->pc_srv[k].ps_err),
				"cannot ask %s for its storage: %s", op->pc_srv[k].ps_addr,
				d_errdesc(rc));
	}
	if (--op->pc_pending == 0)
		pc_scans_done(op);
}

/* Space of rank @r from its server's storage_scan reply. */
static int
pc_rank_space(struct pc_rank *r, const json_t *reply, char *err, size_t errlen)
{
	const json_t *scm  = json_object_get(reply, "scm");
	const json_t *nvme = json_object_get(reply, "nvme");
	json_int_t    idx  = -1;
	size_t        i;
	const json_t *e;
	uint32_t      n = 0;

	json_array_foreach(scm, i, e) {
		const json_t *rk = json_object_get(e, "rank");

		if (!json_is_integer(rk) || json_integer_value(rk) != (json_int_t)r->pr_m.mm_rank)
			continue;
		if (!json_is_integer(json_object_get(e, "idx")) ||
		    !json_is_integer(json_object_get(e, "size")) ||
		    !json_is_integer(json_object_get(e, "used")) ||
		    json_integer_value(json_object_get(e, "size")) < 0 ||
		    json_integer_value(json_object_get(e, "used")) < 0)
			break;
		idx             = json_integer_value(json_object_get(e, "idx"));
		r->pr_scm_total = (uint64_t)json_integer_value(json_object_get(e, "size"));
		r->pr_scm_used  = (uint64_t)json_integer_value(json_object_get(e, "used"));
		break;
	}
	if (idx < 0) {
		d_errbuf_printf(err, errlen, "the storage scan of %s does not show rank %u",
				r->pr_m.mm_ctl_addr, r->pr_m.mm_rank);
		return -DER_NONEXIST;
	}
	json_array_foreach(nvme, i, e) {
		const json_t *ix = json_object_get(e, "idx");
		const json_t *sz = json_object_get(e, "size");

		if (json_is_integer(ix) && json_integer_value(ix) == idx && json_is_integer(sz) &&
		    json_integer_value(sz) >= 0 && json_is_true(json_object_get(e, "exists")))
			n++;
	}
	if (n > SRV_STORAGE_BDEVS_MAX)
		n = SRV_STORAGE_BDEVS_MAX;
	r->pr_ndev = 0;
	if (n == 0)
		return 0;
	r->pr_dev_size = calloc(2 * (size_t)n, sizeof(uint64_t));
	if (r->pr_dev_size == NULL) {
		d_errbuf_printf(err, errlen, "out of memory");
		return -DER_NOMEM;
	}
	r->pr_dev_alloc = r->pr_dev_size + n;
	json_array_foreach(nvme, i, e) {
		const json_t *ix = json_object_get(e, "idx");
		const json_t *sz = json_object_get(e, "size");

		if (r->pr_ndev < n && json_is_integer(ix) && json_integer_value(ix) == idx &&
		    json_is_integer(sz) && json_integer_value(sz) >= 0 &&
		    json_is_true(json_object_get(e, "exists")))
			r->pr_dev_size[r->pr_ndev++] = (uint64_t)json_integer_value(sz);
	}
	return 0;
}

/* Add what existing pools take of the selected ranks. */
static int
pc_allocations(struct srv_pc_op *op)
{
	struct srv_ctx      *ctx  = op->pc_ctx;
	struct ms_pool_info *list = NULL;
	uint32_t             nr   = 0;
	int                  rc;

	rc = ms_pool_list(ctx->sc_db, &list, &nr);
	for (uint32_t p = 0; p < nr && rc == 0; p++) {
		struct ms_pool_rec *rec = NULL;

		rc = ms_pool_get(ctx->sc_db, list[p].pi_uuid, &rec);
		if (rc == -DER_NONEXIST) {
			rc = 0;
			continue;
		}
		for (uint32_t i = 0; rc == 0 && i < rec->pr_info.pi_nr_ranks; i++) {
			uint32_t nt = rec->pr_nr_targets[i];

			for (uint32_t k = 0; k < op->pc_nr; k++) {
				struct pc_rank *r = &op->pc_r[k];

				if (r->pr_m.mm_rank != rec->pr_ranks[i])
					continue;
				r->pr_scm_alloc += rec->pr_scm * nt;
				for (uint32_t t = 0; t < nt && r->pr_ndev > 0; t++)
					r->pr_dev_alloc[t % r->pr_ndev] += rec->pr_nvme;
			}
		}
		free(rec);
	}
	free(list);
	return rc;
}

/* Largest per-target sizes of rank @r. */
static void
pc_rank_limits(struct pc_rank *r)
{
	uint32_t nt   = r->pr_m.mm_nr_targets;
	uint64_t busy = r->pr_scm_used > r->pr_scm_alloc ? r->pr_scm_used : r->pr_scm_alloc;
	uint64_t free_scm = r->pr_scm_total > busy ? r->pr_scm_total - busy : 0;

	r->pr_scm_tgt_max  = free_scm / nt / SRV_POOL_SCM_ALIGN * SRV_POOL_SCM_ALIGN;
	r->pr_nvme_tgt_max = r->pr_ndev == 0 ? 0 : UINT64_MAX;
	for (uint32_t d = 0; d < r->pr_ndev; d++) {
		uint32_t on_dev = nt / r->pr_ndev + (d < nt % r->pr_ndev ? 1 : 0);
		uint64_t dev_free;
		uint64_t per;

		if (on_dev == 0)
			continue;
		dev_free = r->pr_dev_size[d] > r->pr_dev_alloc[d]
			       ? r->pr_dev_size[d] - r->pr_dev_alloc[d]
			       : 0;
		per = dev_free / on_dev / SRV_POOL_NVME_ALIGN * SRV_POOL_NVME_ALIGN;
		if (per < r->pr_nvme_tgt_max)
			r->pr_nvme_tgt_max = per;
	}
	if (r->pr_nvme_tgt_max == UINT64_MAX)
		r->pr_nvme_tgt_max = 0;
}

static uint64_t
align_down(uint64_t v, uint64_t unit)
{
	return v / unit * unit;
}

/* Per-target sizes from the request and the space, checked. */
static int
pc_sizes(struct srv_pc_op *op, char *err, size_t errlen)
{
	uint32_t tmax = 0;
	uint64_t scm_min = UINT64_MAX, nvme_min = UINT64_MAX;
	uint32_t scm_lim_rank = 0, nvme_lim_rank = 0;
	uint64_t scm_rank, nvme_rank;
	char     a[32], b[32];

	for (uint32_t i = 0; i < op->pc_nr; i++) {
		struct pc_rank *r = &op->pc_r[i];

		if (r->pr_m.mm_nr_targets > tmax)
			tmax = r->pr_m.mm_nr_targets;
		if (r->pr_scm_tgt_max < scm_min) {
			scm_min      = r->pr_scm_tgt_max;
			scm_lim_rank = r->pr_m.mm_rank;
		}
		if (r->pr_nvme_tgt_max < nvme_min) {
			nvme_min      = r->pr_nvme_tgt_max;
			nvme_lim_rank = r->pr_m.mm_rank;
		}
	}
	switch (op->pc_mode) {
	case PC_MANUAL:
		scm_rank  = op->pc_scm_rank;
		nvme_rank = op->pc_nvme_rank;
		break;
	case PC_TOTAL: {
		uint64_t per = op->pc_total / op->pc_nr;

		scm_rank  = (uint64_t)((long double)per * op->pc_ratio_scm / 100.0L);
		nvme_rank = op->pc_ratio_scm >= 100.0 ? 0 : per - scm_rank;
		break;
	}
	default:
		/* A share of the smallest free space of each tier, per target. */
		scm_rank  = align_down((uint64_t)((long double)scm_min * op->pc_pct / 100.0L),
				       SRV_POOL_SCM_ALIGN) * tmax;
		nvme_rank = align_down((uint64_t)((long double)nvme_min * op->pc_pct / 100.0L),
				       SRV_POOL_NVME_ALIGN) * tmax;
		break;
	}
	op->pc_scm_tgt  = align_down(scm_rank / tmax, SRV_POOL_SCM_ALIGN);
	op->pc_nvme_tgt = align_down(nvme_rank / tmax, SRV_POOL_NVME_ALIGN);
	if (op->pc_scm_tgt < MS_POOL_SCM_MIN) {
		srv_size_str(scm_rank, a, sizeof(a));
		srv_size_str(MS_POOL_SCM_MIN * tmax, b, sizeof(b));
		if (op->pc_mode == PC_PCT) {
			d_errbuf_printf(err, errlen,
					"not enough SCM space: %u%% of the free space is %s per "
					"rank, below the minimum of %s per rank (16 MiB per target)",
					op->pc_pct, a, b);
			return -DER_NOSPACE;
		}
		d_errbuf_printf(err, errlen,
				"SCM size %s per rank is below the minimum of %s per rank (16 MiB "
				"per target)", a, b);
		return -DER_INVAL;
	}
	if (nvme_rank > 0 && op->pc_nvme_tgt < MS_POOL_NVME_MIN && nvme_min > 0) {
		srv_size_str(nvme_rank, a, sizeof(a));
		srv_size_str(MS_POOL_NVME_MIN * tmax, b, sizeof(b));
		d_errbuf_printf(err, errlen,
				"NVMe size %s per rank is below the minimum of %s per rank (16 MiB "
				"per target)", a, b);
		return op->pc_mode == PC_PCT ? -DER_NOSPACE : -DER_INVAL;
	}
	if (op->pc_scm_tgt > scm_min) {
		srv_size_str(op->pc_scm_tgt * tmax, a, sizeof(a));
		srv_size_str(scm_min * tmax, b, sizeof(b));
		d_errbuf_printf(err, errlen,
				"not enough SCM space: %s per rank requested, the largest possible "
				"is %s per rank (%" PRIu64 " bytes, rank %u)", a, b,
				scm_min * tmax, scm_lim_rank);
		return -DER_NOSPACE;
	}
	if (op->pc_nvme_tgt > nvme_min || (nvme_rank > 0 && op->pc_nvme_tgt == 0)) {
		srv_size_str(nvme_rank, a, sizeof(a));
		srv_size_str(nvme_min * tmax, b, sizeof(b));
		d_errbuf_printf(err, errlen,
				"not enough NVMe space: %s per rank requested, the largest "
				"possible is %s per rank (%" PRIu64 " bytes, rank %u)", a, b,
				nvme_min * tmax, nvme_lim_rank);
		return -DER_NOSPACE;
	}
	return 0;
}

/* Service ranks: nsvc (or 2 * svc_rf + 1, odd, at most the ranks), spread
 * over fault domains first, sorted (the MS keeps them as a set). */
static void
pc_svc(struct srv_pc_op *op)
{
	json_t  *rf = json_object_get(op->pc_props, "svc_rf");
	uint32_t idx[MS_POOL_SVC_MAX];
	uint32_t n = op->pc_nsvc;

	if (n == 0) {
		n = 2 * (rf != NULL ? (uint32_t)atoi(json_string_value(rf)) : 2) + 1;
		if (n > op->pc_nr)
			n = op->pc_nr % 2 == 0 ? op->pc_nr - 1 : op->pc_nr;
	}
	if (n > op->pc_nr)
		n = op->pc_nr;
	if (n > MS_POOL_SVC_MAX)
		n = MS_POOL_SVC_MAX;
	op->pc_nr_svc = 0;
	/* First the first rank of each fault domain, then the others in order. */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < op->pc_nr && op->pc_nr_svc < n; i++) {
			const char *dom = op->pc_r[i].pr_m.mm_fault_domain;
			bool        skip = false;

			for (uint32_t k = 0; k < op->pc_nr_svc && !skip; k++)
				skip = idx[k] == i ||
				       (pass == 0 &&
					strcmp(op->pc_r[idx[k]].pr_m.mm_fault_domain, dom) == 0);
			if (skip)
				continue;
			idx[op->pc_nr_svc]          = i;
			op->pc_svc[op->pc_nr_svc++] = op->pc_r[i].pr_m.mm_rank;
		}
	}
	for (uint32_t i = 1; i < op->pc_nr_svc; i++)
		for (uint32_t k = i; k > 0 && op->pc_svc[k - 1] > op->pc_svc[k]; k--) {
			uint32_t t = op->pc_svc[k];

			op->pc_svc[k]     = op->pc_svc[k - 1];
			op->pc_svc[k - 1] = t;
		}
}

static char *
ranks_text(const uint32_t *ranks, uint32_t nr)
{
	struct d_rankset rs;
	char            *s = NULL;
	int              rc = 0;

	d_rankset_init(&rs);
	for (uint32_t i = 0; i < nr && rc == 0; i++)
		rc = d_rankset_add(&rs, ranks[i]);
	if (rc == 0)
		s = srv_rankset_str(&rs);
	d_rankset_fini(&rs);
	return s;
}

static void pc_created(void *arg, int rc, const struct ms_db_result *res);

static void
pc_scans_done(struct srv_pc_op *op)
{
	struct srv_ctx *ctx = op->pc_ctx;
	char            err[PC_ERR_MAX] = "";
	char            us[37];
	uint32_t       *ranks = NULL;
	json_t         *cmd, *tg;
	char           *rtext = NULL, *stext = NULL;
	int             rc = 0;

	for (uint32_t k = 0; k < op->pc_nsrv; k++) {
		if (op->pc_srv[k].ps_rc != 0) {
			pc_reply_error(op, op->pc_srv[k].ps_rc, op->pc_srv[k].ps_err);
			return;
		}
	}
	for (uint32_t i = 0; i < op->pc_nr && rc == 0; i++) {
		struct pc_rank *r = &op->pc_r[i];

		for (uint32_t k = 0; k < op->pc_nsrv; k++)
			if (strcmp(op->pc_srv[k].ps_addr, r->pr_m.mm_ctl_addr) == 0)
				rc = pc_rank_space(r, op->pc_srv[k].ps_reply, err, sizeof(err));
	}
	if (rc == 0) {
		rc = pc_allocations(op);
		if (rc != 0)
			snprintf(err, sizeof(err), "out of memory");
	}
	for (uint32_t i = 0; i < op->pc_nr && rc == 0; i++)
		pc_rank_limits(&op->pc_r[i]);
	if (rc == 0)
		rc = pc_sizes(op, err, sizeof(err));
	if (rc != 0) {
		pc_reply_error(op, rc, err);
		return;
	}
	pc_svc(op);
	ranks = calloc(op->pc_nr, sizeof(*ranks));
	tg    = json_array();
	if (ranks != NULL)
		for (uint32_t i = 0; i < op->pc_nr; i++)
			ranks[i] = op->pc_r[i].pr_m.mm_rank;
	rtext = ranks != NULL ? ranks_text(ranks, op->pc_nr) : NULL;
	stext = ranks_text(op->pc_svc, op->pc_nr_svc);
	for (uint32_t i = 0; tg != NULL && i < op->pc_nr; i++)
		if (json_array_append_new(tg, json_integer(op->pc_r[i].pr_m.mm_nr_targets)) != 0)
			break;
	cmd = srv_ms_cmd_new("pool_create");
	if (cmd == NULL || rtext == NULL || stext == NULL || tg == NULL ||
	    json_array_size(tg) != op->pc_nr ||
	    json_object_set_new(cmd, "uuid", json_string(uuid_str(op->pc_uuid, us))) != 0 ||
	    (op->pc_label[0] != '\0' &&
	     json_object_set_new(cmd, "label", json_string(op->pc_label)) != 0) ||
	    json_object_set_new(cmd, "ranks", json_string(rtext)) != 0 ||
	    json_object_set(cmd, "targets", tg) != 0 ||
	    json_object_set_new(cmd, "scm", json_integer((json_int_t)op->pc_scm_tgt)) != 0 ||
	    json_object_set_new(cmd, "nvme", json_integer((json_int_t)op->pc_nvme_tgt)) != 0 ||
	    json_object_set_new(cmd, "svc", json_string(stext)) != 0 ||
	    (json_object_size(op->pc_props) > 0 &&
	     json_object_set(cmd, "props", op->pc_props) != 0) ||
	    json_object_set_new(cmd, "owner", json_string(op->pc_owner)) != 0 ||
	    json_object_set_new(cmd, "group", json_string(op->pc_group)) != 0 ||
	    json_object_set_new(cmd, "time", json_integer((json_int_t)d_hlc_get())) != 0) {
		json_decref(cmd);
		rc = -DER_NOMEM;
		snprintf(err, sizeof(err), "out of memory");
	}
	json_decref(tg);
	free(ranks);
	free(rtext);
	free(stext);
	if (rc == 0) {
		D_INFO("pool %s: creating on %u ranks, %" PRIu64 " B SCM and %" PRIu64
		       " B NVMe per target\n", us, op->pc_nr, op->pc_scm_tgt, op->pc_nvme_tgt);
		rc = srv_ms_submit_json(ctx, cmd, pc_created, op, err, sizeof(err));
	}
	if (rc != 0)
		pc_reply_error(op, rc, err);
}

/* ---- pool_create: targets ---- */

static void pc_tgts_created(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg);
static void pc_map_pushed(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg);
static void pc_cleanup(struct srv_pc_op *op, int rc, const char *msg);

static void
pc_created(void *arg, int rc, const struct ms_db_result *res)
{
	struct srv_pc_op   *op  = arg;
	struct srv_ctx     *ctx = op->pc_ctx;
	struct ms_pool_rec *rec = NULL;
	uint32_t            skipped = 0;
	char                err[PC_ERR_MAX] = "";

	if (rc != 0) {
		if (res != NULL && res->mr_msg[0] != '\0')
			snprintf(err, sizeof(err), "%s", res->mr_msg);
		else
			snprintf(err, sizeof(err), "MS change not applied: %s", d_errdesc(rc));
		pc_reply_error(op, rc, err);
		return;
	}
	op->pc_created = true;
	rc = ms_pool_get(ctx->sc_db, op->pc_uuid, &rec);
	if (rc != 0) {
		pc_cleanup(op, rc, "the new pool record is gone");
		return;
	}
	srv_tgt_fan_init(&op->pc_fan, PROTO_OP_TGT_POOL_CREATE, SRV_TGT_CREATE_TIMEOUT_MS);
	op->pc_fan.tf_scm  = op->pc_scm_tgt;
	op->pc_fan.tf_nvme = op->pc_nvme_tgt;
	rc = srv_tgt_fan_add_pool(ctx, &op->pc_fan, rec, false, 0, &skipped, err, sizeof(err));
	free(rec);
	if (rc == 0 && skipped > 0) {
		snprintf(err, sizeof(err), "%u of the pool's ranks are no longer Joined", skipped);
		rc = -DER_BUSY;
	}
	if (rc == 0)
		rc = srv_tgt_fan_start(ctx, &op->pc_fan, pc_tgts_created, op);
	if (rc != 0) {
		if (err[0] == '\0' || rc == -DER_AGAIN || rc == -DER_SHUTDOWN)
			snprintf(err, sizeof(err), "cannot reach the targets: %s", d_errdesc(rc));
		pc_cleanup(op, rc, err);
	}
}

static void
pc_tgts_created(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct srv_pc_op   *op  = arg;
	struct ms_pool_rec *rec = NULL;
	char                err[PC_ERR_MAX] = "";
	void               *map = NULL;
	size_t              len = 0;
	int                 rc;

	if (f->tf_failed > 0) {
		snprintf(err, sizeof(err), "pool create failed on %u of %u targets: %s",
			 f->tf_failed, f->tf_nr, f->tf_err);
		pc_cleanup(op, f->tf_rc, err);
		return;
	}
	rc = ms_pool_get(ctx->sc_db, op->pc_uuid, &rec);
	if (rc == 0)
		rc = srv_pool_map_encode(ctx, rec, &map, &len, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "the new pool record is gone");
	if (rc == 0) {
		srv_tgt_fan_fini(&op->pc_fan);
		srv_tgt_fan_init(&op->pc_fan, PROTO_OP_TGT_MAP_UPDATE, SRV_TGT_CALL_TIMEOUT_MS);
		op->pc_fan.tf_map         = map;
		op->pc_fan.tf_map_len     = len;
		op->pc_fan.tf_map_version = rec->pr_info.pi_map_version;
		map = NULL;
		rc = srv_tgt_fan_add_pool(ctx, &op->pc_fan, rec, false, 0, NULL, err, sizeof(err));
	}
	if (rc == 0) {
		rc = srv_tgt_fan_start(ctx, &op->pc_fan, pc_map_pushed, op);
		if (rc != 0)
			snprintf(err, sizeof(err), "cannot push the pool map: %s", d_errdesc(rc));
	}
	free(map);
	free(rec);
	if (rc != 0)
		pc_cleanup(op, rc, err);
}

static void
pc_ready(void *arg, int rc, const struct ms_db_result *res)
{
	struct srv_pc_op *op = arg;
	char              us[37];
	uint32_t         *ranks;
	uint32_t          t0;
	json_t           *r;

	if (rc != 0) {
		pc_cleanup(op, rc, res != NULL && res->mr_msg[0] != '\0'
				       ? res->mr_msg
				       : "the pool could not be made Ready");
		return;
	}
	ranks = calloc(op->pc_nr, sizeof(*ranks));
	if (ranks == NULL) {
		srv_reply_error(op->pc_call, -DER_NOMEM, "out of memory (the pool was created)");
		pc_finish(op);
		return;
	}
	for (uint32_t i = 0; i < op->pc_nr; i++)
		ranks[i] = op->pc_r[i].pr_m.mm_rank;
	t0 = op->pc_r[0].pr_m.mm_nr_targets;
	r  = json_pack("{s:s, s:s, s:i, s:o, s:o, s:[I, I]}", "uuid", uuid_str(op->pc_uuid, us),
		       "label", op->pc_label, "svc_ldr", (int)op->pc_svc[0], "svc_reps",
		       srv_ranks_json(op->pc_svc, op->pc_nr_svc), "tgt_ranks",
		       srv_ranks_json(ranks, op->pc_nr), "tier_bytes",
		       (json_int_t)(op->pc_scm_tgt * t0), (json_int_t)(op->pc_nvme_tgt * t0));
	free(ranks);
	D_NOTE("pool %s%s%s created on %u ranks\n", us, op->pc_label[0] ? " " : "", op->pc_label,
	       op->pc_nr);
	if (r == NULL)
		srv_reply_error(op->pc_call, -DER_NOMEM, "out of memory (the pool was created)");
	else
		srv_reply(op->pc_call, r);
	pc_finish(op);
}

static void
pc_map_pushed(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct srv_pc_op *op = arg;
	char              err[PC_ERR_MAX] = "";
	char              us[37];
	json_t           *cmd;
	int               rc;

	if (f->tf_failed > 0) {
		snprintf(err, sizeof(err), "pool map update failed on %u of %u targets: %s",
			 f->tf_failed, f->tf_nr, f->tf_err);
		pc_cleanup(op, f->tf_rc, err);
		return;
	}
	cmd = srv_ms_cmd_new("pool_set_state");
	if (cmd != NULL &&
	    (json_object_set_new(cmd, "uuid", json_string(uuid_str(op->pc_uuid, us))) != 0 ||
	     json_object_set_new(cmd, "state", json_string("Ready")) != 0)) {
		json_decref(cmd);
		cmd = NULL;
	}
	rc = srv_ms_submit_json(ctx, cmd, pc_ready, op, err, sizeof(err));
	if (rc != 0)
		pc_cleanup(op, rc, err);
}

/* ---- pool_create: undo ---- */

static void
pc_undone(void *arg, int rc, const struct ms_db_result *res)
{
	struct srv_pc_op *op = arg;

	if (rc != 0)
		D_ERROR("pool create: the record of the failed pool stays: %s\n",
			res != NULL ? res->mr_msg : d_errdesc(rc));
	pc_reply_error(op, op->pc_rc, op->pc_err);
}

static void
pc_tgts_destroyed(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct srv_pc_op *op = arg;
	char              err[SRV_MSG_MAX] = "";
	char              us[37];
	json_t           *cmd;

	if (f->tf_failed > 0)
		D_ERROR("pool create: cleanup left the pool on %u targets: %s\n", f->tf_failed,
			f->tf_err);
	cmd = srv_ms_cmd_new("pool_destroy");
	if (cmd != NULL &&
	    json_object_set_new(cmd, "uuid", json_string(uuid_str(op->pc_uuid, us))) != 0) {
		json_decref(cmd);
		cmd = NULL;
	}
	if (srv_ms_submit_json(ctx, cmd, pc_undone, op, err, sizeof(err)) != 0) {
		D_ERROR("pool create: cannot remove the record of the failed pool: %s\n", err);
		pc_reply_error(op, op->pc_rc, op->pc_err);
	}
}

/* Undo a create whose MS record exists: destroy on every target, remove the
 * record, then answer @rc and @msg. */
static void
pc_cleanup(struct srv_pc_op *op, int rc, const char *msg)
{
	struct srv_ctx     *ctx = op->pc_ctx;
	struct ms_pool_rec *rec = NULL;
	char                err[SRV_MSG_MAX] = "";

	op->pc_rc = rc != 0 ? rc : -DER_MISC;
	snprintf(op->pc_err, sizeof(op->pc_err), "%s", msg[0] != '\0' ? msg : d_errdesc(rc));
	D_ERROR("pool create failed, undoing it: %s\n", msg);
	srv_tgt_fan_fini(&op->pc_fan);
	srv_tgt_fan_init(&op->pc_fan, PROTO_OP_TGT_POOL_DESTROY, SRV_TGT_CALL_TIMEOUT_MS);
	if (ms_pool_get(ctx->sc_db, op->pc_uuid, &rec) == 0 &&
	    srv_tgt_fan_add_pool(ctx, &op->pc_fan, rec, false, 0, NULL, err, sizeof(err)) == 0 &&
	    srv_tgt_fan_start(ctx, &op->pc_fan, pc_tgts_destroyed, op) == 0) {
		free(rec);
		return;
	}
	free(rec);
	pc_tgts_destroyed(ctx, &op->pc_fan, op);
}

/* ---- pool_create: entry ---- */

static void
pc_barrier_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct srv_pc_op *op = arg;
	char              err[PC_ERR_MAX] = "";

	(void)res;
	if (rc != 0) {
		snprintf(err, sizeof(err), "MS read barrier failed: %s", d_errdesc(rc));
		pc_reply_error(op, rc, err);
		return;
	}
	if (op->pc_label[0] != '\0') {
		uuid_t other;

		if (ms_pool_find(op->pc_ctx->sc_db, op->pc_label, other) == 0) {
			char os[37];

			snprintf(err, sizeof(err), "label '%s' is used by pool %s", op->pc_label,
				 uuid_str(other, os));
			pc_reply_error(op, -DER_EXIST, err);
			return;
		}
	}
	rc = pc_select(op, err, sizeof(err));
	if (rc != 0) {
		pc_reply_error(op, rc, err);
		return;
	}
	pc_scan(op);
}

static void
pc_start(struct srv_ctx *ctx, struct srv_pc_op *op)
{
	struct ms_cmd cmd = {.mc_op = MS_CMD_NOOP};
	char          err[SRV_MSG_MAX] = "";
	int           rc;

	ctx->sc_pc_running = true;
	rc = srv_ms_submit(ctx, &cmd, pc_barrier_cb, op, err, sizeof(err));
	if (rc != 0)
		pc_reply_error(op, rc, err);
}

void
srv_h_pool_create(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct srv_pc_op *op;
	char              err[SRV_MSG_MAX] = "";
	int               rc;

	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->pc_ctx  = ctx;
	op->pc_call = call;
	d_rankset_init(&op->pc_ranks);
	rc = pc_parse(op, body, err, sizeof(err));
	if (rc != 0) {
		srv_reply_error(call, rc, "%s", rc == -DER_NOMEM ? "out of memory" : err);
		pc_free(op);
		return;
	}
	if (!ctx->sc_pc_running) {
		pc_start(ctx, op);
		return;
	}
	if (ctx->sc_pc_nr >= SRV_POOL_CREATE_QUEUE_MAX) {
		srv_reply_error(call, -DER_AGAIN, "%u pool creates are waiting: try again later",
				ctx->sc_pc_nr);
		pc_free(op);
		return;
	}
	if (ctx->sc_pc_tail != NULL)
		ctx->sc_pc_tail->pc_next = op;
	else
		ctx->sc_pc_head = op;
	ctx->sc_pc_tail = op;
	ctx->sc_pc_nr++;
}

