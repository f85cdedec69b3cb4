/*
 * srv_system.c: system_stop, system_start and system_erase on the MS leader.
 *
 * Each selects members of the MS database (ranks and/or hosts; a host entry
 * matches a member's whole control address "host:port" or its host part),
 * groups them by the server that hosts them (the member's control address)
 * and calls that server once, from a worker thread per server:
 *   system_stop   SET_STATE Stopping (running members) -> engines_stop
 *                 {ranks, force} -> SET_STATE Stopped for the ranks that
 *                 stopped; Unresponsive (server unreachable) or Errored
 *                 (with the reason) for the others -> reply
 *   system_start  engines_start {ranks} (each server replies once its engines
 *                 joined again: the joins bring new incarnations) -> reply
 *   system_erase  refused (-DER_BUSY) while any member runs -> storage_erase
 *                 {} on every server hosting members -> ERASE when all
 *                 succeeded -> reply
 * Replies: {results: [{rank, action, status, msg}]} sorted by rank. Ranks or
 * hosts asked for that match no member are an error (-DER_NONEXIST).
 *
 * RAS: a stop or start whose fan-out leaves ranks failed (their server
 * unreachable, or their engine refused) raises system_stop_failed ("System
 * shutdown failed during stop action, <errors>") or system_start_failed
 * ("System startup failed, <errors>") on this leader, <errors> naming the
 * ranks with their reason ("ranks 3-4: <reason>; rank 6: <reason>"), the
 * whole list in the event's data. INFO events: syslog and the log, no MS change.
 *
 * Invariants of an operation (struct sys_op):
 *  1. It owns its call until it replies, exactly once, and is freed then.
 *  2. so_pending counts the jobs or Raft applies it still waits for; the next
 *     step starts only when it reaches 0, from that job's or apply's callback.
 */
#define D_LOGFAC DD_FAC(control)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hlc.h"
#include "gurt/log.h"
#include "control/srv_internal.h"

enum sys_kind {
	SYS_STOP,
	SYS_START,
	SYS_ERASE,
};

struct sys_op;

/* One server of a fan-out. */
struct fan_target {
	struct sys_op   *ft_op;
	char             ft_addr[SRV_ADDR_MAX];
	struct d_rankset ft_ranks;
	json_t          *ft_body;
	int              ft_rc;
	char             ft_err[SRV_MSG_MAX + SRV_ADDR_MAX];
	json_t          *ft_reply;
};

struct sys_op {
	struct srv_ctx    *so_ctx;
	struct srv_call   *so_call;
	enum sys_kind      so_kind;
	bool               so_force;
	struct ms_member  *so_m;   /* selected members, by rank */
	uint32_t           so_nr;
	struct fan_target *so_t;
	uint32_t           so_tnr;
	uint32_t           so_pending;
	json_t            *so_results;
	int                so_rc;  /* first error of the final MS changes */
	char               so_err[SRV_MSG_MAX];
};

static const char *
sys_action(enum sys_kind kind)
{
	return kind == SYS_STOP ? "stop" : kind == SYS_START ? "start" : "erase";
}

static void
sys_op_free(struct sys_op *op)
{
	for (uint32_t i = 0; i < op->so_tnr; i++) {
		d_rankset_fini(&op->so_t[i].ft_ranks);
		json_decref(op->so_t[i].ft_body);
		json_decref(op->so_t[i].ft_reply);
	}
	free(op->so_t);
	free(op->so_m);
	json_decref(op->so_results);
	free(op);
}

static void
sys_reply_error(struct sys_op *op, int rc, const char *msg)
{
	srv_reply_error(op->so_call, rc, "%s", msg);
	sys_op_free(op);
}

static void
sys_reply_results(struct sys_op *op)
{
	json_t *r = json_pack("{s:O}", "results", op->so_results);

	if (r == NULL) {
		sys_reply_error(op, -DER_NOMEM, "out of memory");
		return;
	}
	srv_reply(op->so_call, r);
	sys_op_free(op);
}

/* The server of member m in the op's targets. */
static struct fan_target *
target_of(struct sys_op *op, const struct ms_member *m)
{
	for (uint32_t i = 0; i < op->so_tnr; i++)
		if (strcmp(op->so_t[i].ft_addr, m->mm_ctl_addr) == 0)
			return &op->so_t[i];
	return NULL;
}

/* Status and message of rank r from its server's answer. */
static void
rank_outcome(const struct fan_target *t, uint32_t rank, int *status, const char **msg)
{
	const json_t *arr = json_object_get(t->ft_reply, "results");

	if (t->ft_rc != 0) {
		*status = t->ft_rc;
		*msg    = t->ft_err;
		return;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *e  = json_array_get(arr, i);
		const json_t *rk = json_object_get(e, "rank");
		const json_t *st = json_object_get(e, "status");
		const json_t *ms = json_object_get(e, "msg");

		if (!json_is_integer(rk) || json_integer_value(rk) != (json_int_t)rank)
			continue;
		*status = json_is_integer(st) && json_integer_value(st) <= 0 &&
				  json_integer_value(st) > -(json_int_t)DER_UNKNOWN
			      ? (int)json_integer_value(st)
			      : -DER_PROTO;
		*msg = json_is_string(ms) ? json_string_value(ms) : "";
		return;
	}
	*status = -DER_PROTO;
	*msg    = "the server did not report this rank";
}

/* ---- Selection ---- */

/* Members selected by the body's ranks/hosts into op; an error when a rank or
 * host asked for is not a member. */
static int
sys_select(struct sys_op *op, json_t *body, bool allow_filter, char *err, size_t errlen)
{
	struct srv_ctx   *ctx = op->so_ctx;
	struct d_rankset  ranks, present, absent;
	struct d_hostset  hosts;
	struct ms_member *all = NULL;
	uint32_t          nr  = 0;
	bool              has_ranks = false, has_hosts = false;
	int               rc;

	d_rankset_init(&ranks);
	d_rankset_init(&present);
	d_rankset_init(&absent);
	d_hostset_init(&hosts);
	rc = 0;
	if (allow_filter) {
		rc = srv_body_ranks(body, "ranks", &ranks, &has_ranks, err, errlen);
		if (rc == 0)
			rc = srv_body_hosts(body, "hosts", &hosts, &has_hosts, err, errlen);
		if (rc == 0 && has_ranks && has_hosts) {
			d_errbuf_printf(err, errlen, "ranks and hosts cannot be used together");
			rc = -DER_INVAL;
		}
	}
	if (rc == 0)
		rc = ms_db_members(ctx->sc_db, NULL, &all, &nr);
	if (rc == 0) {
		op->so_m = calloc(nr + 1, sizeof(*op->so_m));
		rc       = op->so_m == NULL ? -DER_NOMEM : 0;
	}
	for (uint32_t i = 0; rc == 0 && i < nr; i++) {
		if (!srv_member_selected(&all[i], has_ranks ? &ranks : NULL,
					 has_hosts ? &hosts : NULL))
			continue;
		op->so_m[op->so_nr++] = all[i];
		rc                    = d_rankset_add(&present, all[i].mm_rank);
	}
	if (rc == 0 && has_ranks) {
		rc = d_rankset_subtract(&absent, &ranks, &present);
		if (rc == 0 && d_rankset_count(&absent) > 0) {
			char *text = srv_rankset_str(&absent);

			d_errbuf_printf(err, errlen, "unknown rank%s: %s",
					d_rankset_count(&absent) == 1 ? "" : "s",
					text != NULL ? text : "?");
			free(text);
			rc = -DER_NONEXIST;
		}
	}
	for (uint32_t h = 0; rc == 0 && has_hosts && h < hosts.hs_nr; h++) {
		struct d_hostset one;
		bool             found = false;

		d_hostset_init(&one);
		if (d_hostset_add(&one, hosts.hs_hosts[h].he_name) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		for (uint32_t i = 0; i < nr && !found; i++)
			found = srv_member_selected(&all[i], NULL, &one);
		d_hostset_fini(&one);
		if (!found) {
			d_errbuf_printf(err, errlen, "unknown host: %s (no rank has it)",
					hosts.hs_hosts[h].he_name);
			rc = -DER_NONEXIST;
		}
	}
	if (rc == -DER_NOMEM)
		d_errbuf_printf(err, errlen, "out of memory");
	free(all);
	d_rankset_fini(&ranks);
	d_rankset_fini(&present);
	d_rankset_fini(&absent);
	d_hostset_fini(&hosts);
	return rc;
}

/* ---- Fan-out ---- */

static void sys_fanout_done(struct sys_op *op);

static void
fan_work(struct srv_ctx *ctx, void *arg)
{
	struct fan_target      *t = arg;
	struct ctl_http_client *cl;
	const char             *method;

	method = t->ft_op->so_kind == SYS_STOP    ? "engines_stop"
		 : t->ft_op->so_kind == SYS_START ? "engines_start"
						  : "storage_erase";
	cl = srv_client_new(ctx, SRV_FANOUT_TIMEOUT_MS, t->ft_err, sizeof(t->ft_err));
	if (cl == NULL) {
		t->ft_rc = -DER_NO_CERT;
		return;
	}
	t->ft_rc = ctl_http_call(cl, t->ft_addr, method, t->ft_body, &t->ft_reply, t->ft_err,
				 sizeof(t->ft_err));
	if (t->ft_rc != 0 && t->ft_reply != NULL) {
		char msg[sizeof(t->ft_err)];

		snprintf(msg, sizeof(msg), "%s", t->ft_err);
		d_errbuf_printf(t->ft_err, sizeof(t->ft_err), "%s: %s", t->ft_addr, msg);
		json_decref(t->ft_reply);
		t->ft_reply = NULL;
	}
	ctl_http_client_destroy(cl);
}

static void
fan_done(struct srv_ctx *ctx, void *arg)
{
	struct fan_target *t  = arg;
	struct sys_op     *op = t->ft_op;

	(void)ctx;
	if (t->ft_rc != 0)
		D_ERROR("%s on %s failed: %s\n", sys_action(op->so_kind), t->ft_addr, t->ft_err);
	if (--op->so_pending == 0)
		sys_fanout_done(op);
}

/* Group the selected members by server and call each one. */
static void
sys_fanout(struct sys_op *op)
{
	struct srv_ctx *ctx = op->so_ctx;
	int             rc  = 0;

	op->so_t = calloc(op->so_nr + 1, sizeof(*op->so_t));
	if (op->so_t == NULL) {
		sys_reply_error(op, -DER_NOMEM, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < op->so_nr && rc == 0; i++) {
		struct fan_target *t = target_of(op, &op->so_m[i]);

		if (t == NULL) {
			t        = &op->so_t[op->so_tnr++];
			t->ft_op = op;
			snprintf(t->ft_addr, sizeof(t->ft_addr), "%s", op->so_m[i].mm_ctl_addr);
			d_rankset_init(&t->ft_ranks);
		}
		rc = d_rankset_add(&t->ft_ranks, op->so_m[i].mm_rank);
	}
	for (uint32_t i = 0; i < op->so_tnr && rc == 0; i++) {
		struct fan_target *t = &op->so_t[i];

		if (op->so_kind == SYS_ERASE) {
			t->ft_body = json_object();
		} else {
			char *text = srv_rankset_str(&t->ft_ranks);

			t->ft_body = text == NULL ? NULL
						  : json_pack("{s:s, s:b}", "ranks", text, "force",
							      op->so_force);
			free(text);
		}
		if (t->ft_body == NULL)
			rc = -DER_NOMEM;
	}
	if (rc != 0) {
		sys_reply_error(op, rc, "out of memory");
		return;
	}
	D_INFO("system %s: %u ranks on %u servers\n", sys_action(op->so_kind), op->so_nr,
	       op->so_tnr);
	op->so_pending = 1; /* until every job is started */
	for (uint32_t i = 0; i < op->so_tnr; i++) {
		rc = srv_job_start(ctx, fan_work, fan_done, &op->so_t[i]);
		if (rc == 0) {
			op->so_pending++;
			continue;
		}
		op->so_t[i].ft_rc = rc;
		snprintf(op->so_t[i].ft_err, sizeof(op->so_t[i].ft_err),
			 "cannot call %s: %s", op->so_t[i].ft_addr, d_errdesc(rc));
	}
	if (--op->so_pending == 0)
		sys_fanout_done(op);
}

/* ---- RAS ---- */

/* A result of the fan-out that failed, and its message ("failed" when it has none). */
static bool
result_failed(json_t *e)
{
	return json_integer_value(json_object_get(e, "status")) != 0;
}

static const char *
result_msg(json_t *e)
{
	const char *msg = json_string_value(json_object_get(e, "msg"));

	return msg != NULL && msg[0] != '\0' ? msg : "failed";
}

/*
 * "<rank[s] set>: <msg>" for each distinct message of the failed ranks of
 * @results, joined by "; ", into @buf (ending in "..." when cut). Returns the
 * number of failed ranks. Without memory for the grouping, each failed rank
 * gets its own entry.
 */
static uint32_t
failed_ranks_text(json_t *results, char *buf, size_t len)
{
	size_t   n     = json_array_size(results);
	size_t   off   = 0;
	uint32_t nfail = 0;
	bool    *done  = calloc(n + 1, sizeof(*done));

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_t          *e = json_array_get(results, i);
		struct d_rankset set;
		char            *text;

		if (!result_failed(e) || (done != NULL && done[i]))
			continue;
		d_rankset_init(&set);
		for (size_t j = i; j < n; j++) {
			json_t *f = json_array_get(results, j);

			if (j != i && (done == NULL || done[j] || !result_failed(f) ||
				       strcmp(result_msg(f), result_msg(e)) != 0))
				continue;
			if (done != NULL)
				done[j] = true;
			nfail++;
			(void)d_rankset_add(&set,
					    (uint32_t)json_integer_value(json_object_get(f, "rank")));
		}
		text = srv_rankset_str(&set);
		if (off < len) {
			int w = snprintf(buf + off, len - off, "%s%s %s: %s", off > 0 ? "; " : "",
					 d_rankset_count(&set) == 1 ? "rank" : "ranks",
					 text != NULL ? text : "?", result_msg(e));

			off = w < 0 ? len : off + (size_t)w;
		}
		free(text);
		d_rankset_fini(&set);
	}
	free(done);
	if (off >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return nfail;
}

/* system_stop_failed / system_start_failed when the fan-out left ranks failed. */
static void
sys_raise_failed(struct sys_op *op)
{
	struct d_ras_event ev;
	char               errors[D_RAS_DATA_MAX];
	char               msg[D_RAS_MSG_MAX * 2];
	uint32_t           nfail;

	if (op->so_kind == SYS_ERASE)
		return;
	nfail = failed_ranks_text(op->so_results, errors, sizeof(errors));
	if (nfail == 0)
		return;
	if (op->so_kind == SYS_STOP)
		snprintf(msg, sizeof(msg), "System shutdown failed during %s action, %s",
			 sys_action(op->so_kind), errors);
	else
		snprintf(msg, sizeof(msg), "System startup failed, %s", errors);
	if (d_ras_event_init(&ev, op->so_kind == SYS_STOP ? RAS_SYSTEM_STOP_FAILED
							  : RAS_SYSTEM_START_FAILED, msg) != 0) {
		D_ERROR("cannot build the RAS event of a failed system %s\n",
			sys_action(op->so_kind));
		return;
	}
	d_ras_event_set_data(&ev, errors);
	srv_ras_log(&ev);
}

/* ---- Final MS changes ---- */

static void
final_apply_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct sys_op *op = arg;

	if (rc != 0 && rc != -DER_NONEXIST && op->so_rc == 0) {
		op->so_rc = rc;
		snprintf(op->so_err, sizeof(op->so_err), "%s",
			 res != NULL ? res->mr_msg : d_errdesc(rc));
	}
	if (--op->so_pending > 0)
		return;
	if (op->so_rc != 0)
		D_ERROR("system %s: MS update failed: %s: " DF_RC "\n", sys_action(op->so_kind),
			op->so_err, DP_RC(op->so_rc));
	if (op->so_kind == SYS_ERASE && op->so_rc != 0) {
		srv_reply_error(op->so_call, op->so_rc, "storage erased, but the MS was not: %s",
				op->so_err);
		sys_op_free(op);
		return;
	}
	/* The engines did what they were asked; the results say so. */
	sys_reply_results(op);
}

static void
final_set_state(struct sys_op *op, struct d_rankset *ranks, uint32_t state, const char *reason)
{
	struct ms_cmd cmd = {.mc_op = MS_CMD_SET_STATE};
	char          err[SRV_MSG_MAX];

	if (d_rankset_count(ranks) == 0)
		return;
	cmd.mc_ranks  = ranks;
	cmd.mc_state  = state;
	cmd.mc_reason = reason;
	cmd.mc_time   = d_hlc_get();
	if (srv_ms_submit(op->so_ctx, &cmd, final_apply_cb, op, err, sizeof(err)) == 0)
		op->so_pending++;
	else if (op->so_rc == 0) {
		op->so_rc = -DER_NOTLEADER;
		snprintf(op->so_err, sizeof(op->so_err), "%s", err);
	}
}

static void
sys_fanout_done(struct sys_op *op)
{
	struct d_rankset ok, unreach, failed;
	const char      *fail_reason = "";
	bool             erase_ok    = true;
	int              rc          = 0;

	d_rankset_init(&ok);
	d_rankset_init(&unreach);
	d_rankset_init(&failed);
	op->so_results = json_array();
	if (op->so_results == NULL)
		rc = -DER_NOMEM;
	for (uint32_t i = 0; i < op->so_nr && rc == 0; i++) {
		const struct ms_member *m = &op->so_m[i];
		struct fan_target      *t = target_of(op, m);
		const char             *msg;
		int                     status;

		if (op->so_kind == SYS_ERASE) {
			status = t->ft_rc;
			msg    = t->ft_rc != 0 ? t->ft_err : "";
		} else {
			rank_outcome(t, m->mm_rank, &status, &msg);
		}
		if (json_array_append_new(op->so_results,
					  json_pack("{s:I, s:s, s:i, s:s}", "rank",
						    (json_int_t)m->mm_rank, "action",
						    sys_action(op->so_kind), "status", status, "msg",
						    msg)) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		if (status == 0)
			rc = d_rankset_add(&ok, m->mm_rank);
		else if (t->ft_rc == -DER_UNREACH || t->ft_rc == -DER_TIMEDOUT)
			rc = d_rankset_add(&unreach, m->mm_rank);
		else {
			rc          = d_rankset_add(&failed, m->mm_rank);
			fail_reason = msg;
		}
		if (status != 0)
			erase_ok = false;
	}
	if (rc != 0) {
		d_rankset_fini(&ok);
		d_rankset_fini(&unreach);
		d_rankset_fini(&failed);
		sys_reply_error(op, -DER_NOMEM, "out of memory");
		return;
	}
	sys_raise_failed(op);
	op->so_pending = 1; /* until every change is proposed */
	if (op->so_kind == SYS_STOP) {
		final_set_state(op, &ok, MS_STATE_STOPPED, "");
		final_set_state(op, &unreach, MS_STATE_UNRESPONSIVE, "server unreachable");
		final_set_state(op, &failed, MS_STATE_ERRORED, fail_reason);
	} else if (op->so_kind == SYS_ERASE && erase_ok) {
		struct ms_cmd cmd = {.mc_op = MS_CMD_ERASE};
		char          err[SRV_MSG_MAX];

		if (srv_ms_submit(op->so_ctx, &cmd, final_apply_cb, op, err, sizeof(err)) == 0) {
			op->so_pending++;
		} else {
			op->so_rc = -DER_NOTLEADER;
			snprintf(op->so_err, sizeof(op->so_err), "%s", err);
		}
	}
	d_rankset_fini(&ok);
	d_rankset_fini(&unreach);
	d_rankset_fini(&failed);
	final_apply_cb(op, 0, NULL);
}

/* ---- Methods ---- */

static struct sys_op *
sys_op_new(struct srv_ctx *ctx, struct srv_call *call, enum sys_kind kind)
{
	struct sys_op *op = calloc(1, sizeof(*op));

	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return NULL;
	}
	op->so_ctx  = ctx;
	op->so_call = call;
	op->so_kind = kind;
	return op;
}

static void
stopping_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct sys_op *op = arg;

	if (rc != 0) {
		sys_reply_error(op, rc, res != NULL ? res->mr_msg : "MS leadership changed: retry");
		return;
	}
	sys_fanout(op);
}

static void
sys_run(struct srv_ctx *ctx, struct srv_call *call, json_t *body, enum sys_kind kind)
{
	struct sys_op *op = sys_op_new(ctx, call, kind);
	char           err[SRV_MSG_MAX];
	int            rc;

	if (op == NULL)
		return;
	rc = kind == SYS_STOP ? srv_body_bool(body, "force", &op->so_force, err, sizeof(err)) : 0;
	if (rc == 0)
		rc = sys_select(op, body, true, err, sizeof(err));
	if (rc != 0) {
		sys_reply_error(op, rc, err);
		return;
	}
	if (op->so_nr == 0) {
		op->so_results = json_array();
		sys_reply_results(op);
		return;
	}
	if (kind == SYS_STOP) {
		struct d_rankset ranks;
		struct ms_cmd    cmd = {.mc_op = MS_CMD_SET_STATE};

		d_rankset_init(&ranks);
		for (uint32_t i = 0; i < op->so_nr && rc == 0; i++)
			rc = d_rankset_add(&ranks, op->so_m[i].mm_rank);
		cmd.mc_ranks  = &ranks;
		cmd.mc_state  = MS_STATE_STOPPING;
		cmd.mc_from   = MS_STATE_RUNNING;
		cmd.mc_reason = "";
		cmd.mc_time   = d_hlc_get();
		if (rc == 0)
			rc = srv_ms_submit(ctx, &cmd, stopping_cb, op, err, sizeof(err));
		else
			snprintf(err, sizeof(err), "out of memory");
		d_rankset_fini(&ranks);
		if (rc != 0)
			sys_reply_error(op, rc, err);
		return;
	}
	sys_fanout(op);
}

void
srv_h_system_stop(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	sys_run(ctx, call, body, SYS_STOP);
}

void
srv_h_system_start(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	sys_run(ctx, call, body, SYS_START);
}

void
srv_h_system_erase(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct sys_op    *op = sys_op_new(ctx, call, SYS_ERASE);
	struct d_rankset  running;
	struct ms_cmd     cmd = {.mc_op = MS_CMD_ERASE};
	char              err[SRV_MSG_MAX];
	int               rc;

	if (op == NULL)
		return;
	rc = sys_select(op, body, false, err, sizeof(err));
	if (rc != 0) {
		sys_reply_error(op, rc, err);
		return;
	}
	d_rankset_init(&running);
	for (uint32_t i = 0; i < op->so_nr && rc == 0; i++)
		if (op->so_m[i].mm_state & MS_STATE_RUNNING)
			rc = d_rankset_add(&running, op->so_m[i].mm_rank);
	if (rc == 0 && d_rankset_count(&running) > 0) {
		char *text = srv_rankset_str(&running);

		snprintf(err, sizeof(err),
			 "system erase needs every engine stopped: rank%s %s still running (run "
			 "dmg system stop first)",
			 d_rankset_count(&running) == 1 ? "" : "s", text != NULL ? text : "?");
		free(text);
		rc = -DER_BUSY;
	}
	d_rankset_fini(&running);
	if (rc != 0) {
		sys_reply_error(op, rc, rc == -DER_NOMEM ? "out of memory" : err);
		return;
	}
	if (op->so_nr > 0) {
		sys_fanout(op);
		return;
	}
	/* No member: reset the MS alone (ranks start at 0 again). */
	op->so_results = json_array();
	op->so_pending = 1;
	if (srv_ms_submit(ctx, &cmd, final_apply_cb, op, err, sizeof(err)) != 0) {
		sys_reply_error(op, -DER_NOTLEADER, err);
		return;
	}
}
