/*
 * srv_handlers.c: the control API methods every daos_server serves for its
 * own engines, and the engine waits they are built on.
 *
 *   server_info     {} -> {version, host, sys_name, ctl_addr, access_point,
 *                   engines: [{idx, rank, state, pid, starts, error}]}
 *   storage_scan    {verbose} -> {host, scm: [{idx, mount, class, size, used,
 *                   formatted, rank?}], nvme: [{idx, tier, path, class, size,
 *                   used}]}                                    (bytes)
 *   storage_format  {force, replace} -> {host, results: [{idx, scm, nvme,
 *                   rank?, uuid?}]}: scm/nvme "ok" or the error; nvme null
 *                   when the engine has no bdev tier or the SCM step failed.
 *                   Engines starting or stopping are waited for; engines
 *                   awaiting a format are formatted and go on to join; stopped
 *                   ones are formatted and started; running ones are refused
 *                   (without --force by the storage module: "already
 *                   formatted (use --force)"; with it: "stop it first")
 *   storage_usage   {} -> {host, scm_total, scm_free, nvme_total, nvme_free,
 *                   warning?} over the engines that are joined (bytes), free
 *                   space net of the pools' allocations (storage_alloc)
 *   storage_erase   {} -> {results: [{idx, status, msg}]} (system_erase's step
 *                   on each server; engines must not run, except those
 *                   awaiting a format)
 *   set_logmasks    {masks | null} -> {results: [{idx, status, msg, masks}]}
 *   engines_stop    {ranks?, force} -> {results: [{rank, action, status, msg}]}
 *   engines_start   {ranks?} -> same; replies once the engines joined
 *
 * Waits. A wait watches a set of engines until each reaches a condition
 * (srv_wait_kind) or the deadline passes; it is evaluated after every engine
 * state change (ho_state) and every SRV_WAIT_TICK_MS. Invariants:
 *  1. A wait's callback runs exactly once, from srv_waits_check() or
 *     srv_waits_cancel(), never from srv_wait_start(); every engine of the
 *     mask then has sw_rc set (0, its failure, -DER_TIMEDOUT or -DER_SHUTDOWN).
 *  2. srv_waits_check() is not re-entered: a state change during a callback
 *     (the callback stops or starts engines) makes the running check loop once
 *     more.
 *
 * Storage format and erase run on the loop: they block for the duration of a
 * directory wipe and a fallocate of the bdev files (milliseconds for the
 * emulated devices this project supports).
 */
#define D_LOGFAC DD_FAC(control)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "control/srv_internal.h"
#include "control/storage.h"

/* ---- Ranks of the engines ---- */

uint32_t
srv_engine_rank(struct srv_ctx *ctx, uint32_t idx)
{
	return idx < SRV_ENGINES_MAX ? ctx->sc_eng_rank[idx] : D_RANK_NIL;
}

void
srv_engine_ranks_load(struct srv_ctx *ctx)
{
	const struct srv_config *cfg = ctx->sc_cfg;

	for (uint32_t i = 0; i < cfg->sc_engines_nr; i++) {
		struct srv_superblock sb;
		char                  why[SRV_MSG_MAX];

		ctx->sc_eng_rank[i] = D_RANK_NIL;
		if (srv_superblock_read(cfg->sc_engines[i].ec_tiers[0].tc_scm_mount, &sb, why,
					sizeof(why)) != 0)
			continue;
		ctx->sc_eng_rank[i] = sb.sb_rank;
		srv_superblock_free(&sb);
	}
}

static uint32_t
engines_nr(struct srv_ctx *ctx)
{
	return ctx->sc_harness != NULL ? srv_harness_engine_nr(ctx->sc_harness) : 0;
}

static int
engine_info(struct srv_ctx *ctx, uint32_t idx, struct srv_engine_info *info)
{
	if (ctx->sc_harness == NULL)
		return -DER_SHUTDOWN;
	return srv_harness_engine_info(ctx->sc_harness, idx, info);
}

/* ---- Waits ---- */

static void
wait_kick_cb(uv_timer_t *t)
{
	srv_waits_check(t->data);
}

int
srv_wait_start(struct srv_ctx *ctx, enum srv_wait_kind kind, uint32_t mask, uint32_t timeout_ms,
	       srv_wait_cb cb, void *arg)
{
	struct srv_wait      **pp;
	struct srv_wait       *w;
	struct srv_engine_info info;

	if (ctx->sc_stopping)
		return -DER_SHUTDOWN;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -DER_NOMEM;
	w->sw_kind       = kind;
	w->sw_mask       = mask;
	w->sw_timeout_ms = timeout_ms;
	w->sw_deadline   = uv_now(&ctx->sc_loop) + timeout_ms;
	w->sw_cb         = cb;
	w->sw_arg        = arg;
	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++)
		if ((mask & (1u << i)) && engine_info(ctx, i, &info) == 0)
			w->sw_starts[i] = info.ei_starts;
	for (pp = &ctx->sc_waits; *pp != NULL; pp = &(*pp)->sw_next)
		;
	*pp = w;
	/* Evaluate from the loop, not from inside this call (invariant 1). */
	uv_update_time(&ctx->sc_loop);
	(void)uv_timer_start(&ctx->sc_wait_kick, wait_kick_cb, 0, 0);
	return 0;
}

/* Decide engine idx of w: true when decided (sw_rc/sw_msg set). */
static bool
wait_eval(struct srv_wait *w, uint32_t idx, const struct srv_engine_info *info)
{
	enum srv_engine_state st = info->ei_state;

	switch (w->sw_kind) {
	case SRV_WAIT_STOPPED:
		return info->ei_pid == 0 && (st == SRV_ENGINE_STOPPED || st == SRV_ENGINE_ERRORED);
	case SRV_WAIT_SETTLED:
		return st != SRV_ENGINE_STARTING && st != SRV_ENGINE_STOPPING;
	case SRV_WAIT_JOINED:
		if (st == SRV_ENGINE_JOINED || st == SRV_ENGINE_READY)
			return true;
		if (st == SRV_ENGINE_AWAIT_FORMAT) {
			w->sw_rc[idx] = -DER_UNINIT;
			snprintf(w->sw_msg[idx], sizeof(w->sw_msg[idx]),
				 "engine %u needs a storage format (dmg storage format)", idx);
			return true;
		}
		if ((st == SRV_ENGINE_STOPPED || st == SRV_ENGINE_ERRORED) &&
		    info->ei_starts > w->sw_starts[idx]) {
			w->sw_rc[idx] = -DER_MISC;
			d_errbuf_printf(w->sw_msg[idx], sizeof(w->sw_msg[idx]), "engine %u %s: %s", idx,
				 st == SRV_ENGINE_ERRORED ? "failed" : "stopped",
				 info->ei_error[0] != '\0' ? info->ei_error : "exited before joining");
			return true;
		}
		return false;
	}
	return false;
}

static const char *
wait_goal(enum srv_wait_kind kind)
{
	switch (kind) {
	case SRV_WAIT_STOPPED:
		return "stop";
	case SRV_WAIT_JOINED:
		return "join the system";
	default:
		return "finish starting or stopping";
	}
}

void
srv_waits_check(struct srv_ctx *ctx)
{
	if (ctx->sc_waits_checking) {
		ctx->sc_waits_again = true;
		return;
	}
	ctx->sc_waits_checking = true;
	do {
		struct srv_wait **pp  = &ctx->sc_waits;
		uint64_t          now = uv_now(&ctx->sc_loop);

		ctx->sc_waits_again = false;
		while (*pp != NULL) {
			struct srv_wait *w = *pp;

			for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++) {
				struct srv_engine_info info;
				uint32_t               bit = 1u << i;

				if (!(w->sw_mask & bit) || (w->sw_done & bit))
					continue;
				if (engine_info(ctx, i, &info) != 0) {
					w->sw_rc[i] = -DER_SHUTDOWN;
					snprintf(w->sw_msg[i], sizeof(w->sw_msg[i]),
						 "server is shutting down");
					w->sw_done |= bit;
				} else if (wait_eval(w, i, &info)) {
					w->sw_done |= bit;
				}
			}
			if (w->sw_done != w->sw_mask && now < w->sw_deadline) {
				pp = &w->sw_next;
				continue;
			}
			for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++) {
				if (!(w->sw_mask & (1u << i)) || (w->sw_done & (1u << i)))
					continue;
				w->sw_rc[i] = -DER_TIMEDOUT;
				snprintf(w->sw_msg[i], sizeof(w->sw_msg[i]),
					 "engine %u did not %s within %u s", i, wait_goal(w->sw_kind),
					 w->sw_timeout_ms / 1000);
			}
			*pp = w->sw_next;
			w->sw_cb(ctx, w, w->sw_arg);
			free(w);
		}
	} while (ctx->sc_waits_again);
	ctx->sc_waits_checking = false;
}

void
srv_waits_cancel(struct srv_ctx *ctx)
{
	struct srv_wait *w;

	while ((w = ctx->sc_waits) != NULL) {
		ctx->sc_waits = w->sw_next;
		for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++) {
			if (!(w->sw_mask & (1u << i)) || (w->sw_done & (1u << i)))
				continue;
			w->sw_rc[i] = -DER_SHUTDOWN;
			snprintf(w->sw_msg[i], sizeof(w->sw_msg[i]), "server is shutting down");
		}
		w->sw_cb(ctx, w, w->sw_arg);
		free(w);
	}
}

void
srv_ho_state(void *arg, uint32_t idx, enum srv_engine_state old, enum srv_engine_state state)
{
	struct srv_ctx        *ctx = arg;
	struct srv_engine_info info;

	(void)old;
	if (state == SRV_ENGINE_JOINED && engine_info(ctx, idx, &info) == 0 &&
	    info.ei_rank != D_RANK_NIL && idx < SRV_ENGINES_MAX)
		ctx->sc_eng_rank[idx] = info.ei_rank;
	srv_waits_check(ctx);
}

/* ---- server_info ---- */

void
srv_h_server_info(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	json_t *r, *engines;

	(void)body;
	r       = json_pack("{s:s, s:s, s:s, s:s, s:b}", "version", DAOS_VERSION, "host",
			    ctx->sc_host, "sys_name", ctx->sc_cfg->sc_name, "ctl_addr",
			    ctx->sc_ctl_addr, "access_point", ctx->sc_self_ap >= 0);
	engines = json_array();
	if (r == NULL || engines == NULL || json_object_set_new(r, "engines", engines) != 0) {
		json_decref(r);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < engines_nr(ctx); i++) {
		struct srv_engine_info info;
		uint32_t               rank = srv_engine_rank(ctx, i);
		json_t                *e;

		if (engine_info(ctx, i, &info) != 0)
			continue;
		e = json_pack("{s:i, s:s, s:i, s:i, s:s}", "idx", (int)i, "state",
			      srv_engine_state_name(info.ei_state), "pid", (int)info.ei_pid,
			      "starts", (int)info.ei_starts, "error", info.ei_error);
		if (e != NULL && rank != D_RANK_NIL)
			json_object_set_new(e, "rank", json_integer(rank));
		if (e == NULL || json_array_append_new(engines, e) != 0) {
			json_decref(r);
			srv_reply_error(call, -DER_NOMEM, "out of memory");
			return;
		}
	}
	srv_reply(call, r);
}

/* ---- storage_scan, storage_usage ---- */

static json_t *
scan_scm_json(uint32_t idx, const struct srv_storage_info *si)
{
	const struct srv_scm_info *s = &si->st_scm;
	json_t                    *o;

	o = json_pack("{s:i, s:s, s:s, s:I, s:I, s:b, s:b}", "idx", (int)idx, "mount", s->si_mount,
		      "class", srv_tier_class_name(s->si_class), "size", (json_int_t)s->si_total,
		      "used", (json_int_t)s->si_used, "formatted", s->si_formatted, "tmpfs",
		      s->si_tmpfs);
	if (o != NULL && s->si_formatted && s->si_rank != D_RANK_NIL)
		json_object_set_new(o, "rank", json_integer(s->si_rank));
	if (o != NULL && s->si_sb_rc != 0 && s->si_sb_rc != -DER_NONEXIST)
		json_object_set_new(o, "error", json_string(s->si_sb_error));
	return o;
}

static json_t *
scan_bdev_json(uint32_t idx, const struct srv_bdev_info *b)
{
	uint64_t size = b->bi_exists ? b->bi_size : b->bi_cfg_size;

	return json_pack("{s:i, s:i, s:s, s:s, s:I, s:b}", "idx", (int)idx, "tier",
			 (int)b->bi_tier, "path", b->bi_path, "class",
			 srv_tier_class_name(b->bi_class), "size", (json_int_t)size, "exists",
			 b->bi_exists);
}

void
srv_h_storage_scan(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	const struct srv_config *cfg = ctx->sc_cfg;
	struct srv_storage_info *si;
	json_t                  *r, *scm, *nvme;
	char                     err[SRV_MSG_MAX];
	bool                     verbose;
	int                      rc = 0;

	if (srv_body_bool(body, "verbose", &verbose, err, sizeof(err)) != 0) {
		srv_reply_error(call, -DER_INVAL, "%s", err);
		return;
	}
	si   = malloc(sizeof(*si));
	scm  = json_array();
	nvme = json_array();
	r    = json_pack("{s:s}", "host", ctx->sc_host);
	if (si == NULL || scm == NULL || nvme == NULL || r == NULL ||
	    json_object_set(r, "scm", scm) != 0 || json_object_set(r, "nvme", nvme) != 0) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < cfg->sc_engines_nr && rc == 0; i++) {
		if (srv_storage_scan(&cfg->sc_engines[i], si) != 0)
			continue;
		if (json_array_append_new(scm, scan_scm_json(i, si)) != 0)
			rc = -DER_NOMEM;
		for (uint32_t b = 0; b < si->st_bdevs_nr && rc == 0; b++)
			if (json_array_append_new(nvme, scan_bdev_json(i, &si->st_bdevs[b])) != 0)
				rc = -DER_NOMEM;
	}
out:
	free(si);
	json_decref(scm);
	json_decref(nvme);
	if (rc != 0) {
		json_decref(r);
		srv_reply_error(call, rc, "out of memory");
		return;
	}
	srv_reply(call, r);
}

/*
 * storage_usage: the SCM and NVMe of the engines that are Joined (formatted
 * storage of running ranks), free space net of what pools take. The pools'
 * allocations per rank come from the MS leader (storage_alloc, a worker job):
 * SCM free is the size minus max(bytes in use, bytes of pools), NVMe free the
 * devices' size minus the pools' blobs. Without an answer from the MS the raw
 * figures are given with a "warning".
 */
struct usage_eng {
	uint32_t ue_rank;
	uint64_t ue_scm_total;
	uint64_t ue_scm_used;
	uint64_t ue_nvme_total;
};

struct usage_op {
	struct srv_call *uo_call;
	struct usage_eng uo_eng[SRV_ENGINES_MAX];
	uint32_t         uo_nr;
	json_t          *uo_req;
	json_t          *uo_reply;
	int              uo_rc;
	char             uo_err[SRV_MSG_MAX + SRV_ADDR_MAX];
};

static void
usage_work(struct srv_ctx *ctx, void *arg)
{
	struct usage_op        *op = arg;
	struct ctl_http_client *cl;

	cl = srv_client_new(ctx, SRV_USAGE_MS_TIMEOUT_MS, op->uo_err, sizeof(op->uo_err));
	if (cl == NULL) {
		op->uo_rc = -DER_NO_CERT;
		return;
	}
	op->uo_rc = srv_ms_call(ctx, cl, "storage_alloc", op->uo_req, SRV_USAGE_MS_TIMEOUT_MS,
				&op->uo_reply, op->uo_err, sizeof(op->uo_err));
	ctl_http_client_destroy(cl);
}

/* Bytes pools take of @rank (storage_alloc's reply): *scm, *nvme. */
static void
usage_alloc(const json_t *reply, uint32_t rank, uint64_t *scm, uint64_t *nvme)
{
	const json_t *arr = json_object_get(reply, "ranks");
	const json_t *e;
	size_t        i;

	*scm  = 0;
	*nvme = 0;
	json_array_foreach(arr, i, e) {
		const json_t *r = json_object_get(e, "rank");
		const json_t *s = json_object_get(e, "scm");
		const json_t *n = json_object_get(e, "nvme");

		if (!json_is_integer(r) || json_integer_value(r) != (json_int_t)rank ||
		    !json_is_integer(s) || !json_is_integer(n) || json_integer_value(s) < 0 ||
		    json_integer_value(n) < 0)
			continue;
		*scm  = (uint64_t)json_integer_value(s);
		*nvme = (uint64_t)json_integer_value(n);
		return;
	}
}

static void
usage_done(struct srv_ctx *ctx, void *arg)
{
	struct usage_op *op = arg;
	uint64_t         st = 0, sf = 0, nt = 0, nf = 0;
	json_t          *r;

	for (uint32_t i = 0; i < op->uo_nr; i++) {
		const struct usage_eng *e = &op->uo_eng[i];
		uint64_t                scm = 0, nvme = 0, busy;

		if (op->uo_rc == 0)
			usage_alloc(op->uo_reply, e->ue_rank, &scm, &nvme);
		busy = e->ue_scm_used > scm ? e->ue_scm_used : scm;
		st += e->ue_scm_total;
		sf += e->ue_scm_total > busy ? e->ue_scm_total - busy : 0;
		nt += e->ue_nvme_total;
		nf += e->ue_nvme_total > nvme ? e->ue_nvme_total - nvme : 0;
	}
	r = json_pack("{s:s, s:I, s:I, s:I, s:I}", "host", ctx->sc_host, "scm_total",
		      (json_int_t)st, "scm_free", (json_int_t)sf, "nvme_total", (json_int_t)nt,
		      "nvme_free", (json_int_t)nf);
	if (r != NULL && op->uo_rc != 0 && op->uo_nr > 0) {
		char msg[sizeof(op->uo_err) + 64];

		D_WARN("storage usage without pool allocations: %s\n", op->uo_err);
		snprintf(msg, sizeof(msg), "pool allocations unknown: %s", op->uo_err);
		json_object_set_new(r, "warning", json_string(msg));
	}
	if (r == NULL)
		srv_reply_error(op->uo_call, -DER_NOMEM, "out of memory");
	else
		srv_reply(op->uo_call, r);
	json_decref(op->uo_req);
	json_decref(op->uo_reply);
	free(op);
}

void
srv_h_storage_usage(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	const struct srv_config *cfg = ctx->sc_cfg;
	struct srv_storage_info *si;
	struct usage_op         *op;
	struct d_rankset         ranks;
	char                    *text = NULL;
	int                      rc   = 0;

	(void)body;
	si = malloc(sizeof(*si));
	op = calloc(1, sizeof(*op));
	if (si == NULL || op == NULL) {
		free(si);
		free(op);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->uo_call = call;
	d_rankset_init(&ranks);
	for (uint32_t i = 0; i < engines_nr(ctx) && i < SRV_ENGINES_MAX; i++) {
		struct srv_engine_info info;
		struct usage_eng      *e = &op->uo_eng[op->uo_nr];

		if (engine_info(ctx, i, &info) != 0 ||
		    (info.ei_state != SRV_ENGINE_JOINED && info.ei_state != SRV_ENGINE_READY))
			continue;
		if (srv_storage_scan(&cfg->sc_engines[i], si) != 0)
			continue;
		e->ue_rank       = srv_engine_rank(ctx, i);
		e->ue_scm_total  = si->st_scm.si_total;
		e->ue_scm_used   = si->st_scm.si_used < si->st_scm.si_total ? si->st_scm.si_used
									    : si->st_scm.si_total;
		for (uint32_t b = 0; b < si->st_bdevs_nr; b++)
			e->ue_nvme_total += si->st_bdevs[b].bi_exists ? si->st_bdevs[b].bi_size : 0;
		if (e->ue_rank != D_RANK_NIL && rc == 0)
			rc = d_rankset_add(&ranks, e->ue_rank);
		op->uo_nr++;
	}
	free(si);
	if (rc == 0 && d_rankset_count(&ranks) > 0) {
		text       = srv_rankset_str(&ranks);
		op->uo_req = text != NULL ? json_pack("{s:s}", "ranks", text) : NULL;
		rc         = op->uo_req == NULL ? -DER_NOMEM : 0;
		free(text);
	}
	d_rankset_fini(&ranks);
	if (rc != 0) {
		json_decref(op->uo_req);
		free(op);
		srv_reply_error(call, rc, "out of memory");
		return;
	}
	op->uo_rc = -DER_NONEXIST;
	snprintf(op->uo_err, sizeof(op->uo_err), "no rank");
	if (op->uo_req == NULL || srv_job_start(ctx, usage_work, usage_done, op) != 0)
		usage_done(ctx, op);
}

/* ---- storage_format ---- */

struct fmt_op {
	struct srv_call *fo_call;
	bool             fo_force;
	json_t          *fo_results[SRV_ENGINES_MAX];
};

static json_t *
fmt_result_json(struct srv_ctx *ctx, uint32_t idx, const struct srv_format_result *res, int rc,
		const char *err, bool with_rank)
{
	const struct srv_engine_cfg *ec = &ctx->sc_cfg->sc_engines[idx];
	const char                  *scm;
	json_t                      *o, *nvme;

	if (res->fr_scm_rc != 0)
		scm = res->fr_scm_msg[0] != '\0' ? res->fr_scm_msg : d_errdesc(res->fr_scm_rc);
	else if (rc != 0 && res->fr_nvme_rc == 0)
		scm = err[0] != '\0' ? err : d_errdesc(rc); /* a step after both */
	else
		scm = "ok";
	if (ec->ec_tiers_nr <= 1 || res->fr_scm_rc != 0 || (rc != 0 && res->fr_nvme_rc == 0))
		nvme = json_null();
	else if (res->fr_nvme_rc == 0)
		nvme = json_string("ok");
	else
		nvme = json_string(res->fr_nvme_msg[0] != '\0' ? res->fr_nvme_msg
							       : d_errdesc(res->fr_nvme_rc));
	o = json_pack("{s:i, s:s, s:o}", "idx", (int)idx, "scm", scm, "nvme", nvme);
	if (o != NULL && with_rank && srv_engine_rank(ctx, idx) != D_RANK_NIL)
		json_object_set_new(o, "rank", json_integer(srv_engine_rank(ctx, idx)));
	if (o != NULL && rc == 0) {
		char uuid[37];

		uuid_unparse_lower(res->fr_uuid, uuid);
		json_object_set_new(o, "uuid", json_string(uuid));
	}
	return o;
}

static json_t *
fmt_busy_json(uint32_t idx, const struct srv_engine_info *info)
{
	char msg[SRV_MSG_MAX];

	snprintf(msg, sizeof(msg), "engine %u is %s: try again", idx,
		 srv_engine_state_name(info->ei_state));
	return json_pack("{s:i, s:s, s:n}", "idx", (int)idx, "scm", msg, "nvme");
}

/* A running engine with --force. */
static json_t *
fmt_running_json(struct srv_ctx *ctx, uint32_t idx, const struct srv_engine_info *info)
{
	char     msg[SRV_MSG_MAX];
	uint32_t rank = srv_engine_rank(ctx, idx);

	if (rank != D_RANK_NIL)
		snprintf(msg, sizeof(msg), "engine %u (rank %u) is %s: stop it first (dmg system stop)",
			 idx, rank, srv_engine_state_name(info->ei_state));
	else
		snprintf(msg, sizeof(msg), "engine %u is %s: stop it first (dmg system stop)", idx,
			 srv_engine_state_name(info->ei_state));
	return json_pack("{s:i, s:s, s:n}", "idx", (int)idx, "scm", msg, "nvme");
}

/* A running engine without --force: the storage module's own refusal. Its
 * format refuses storage holding a superblock before touching anything, so
 * calling it on a running engine's storage is safe. */
static json_t *
fmt_refuse(struct srv_ctx *ctx, uint32_t idx, const struct srv_engine_info *info)
{
	const struct srv_engine_cfg *ec = &ctx->sc_cfg->sc_engines[idx];
	struct srv_format_result     res;
	struct srv_superblock        sb;
	char                         err[SRV_MSG_MAX];
	int                          rc;

	rc = srv_superblock_read(ec->ec_tiers[0].tc_scm_mount, &sb, err, sizeof(err));
	if (rc == -DER_NONEXIST)
		return fmt_busy_json(idx, info);
	if (rc == 0)
		srv_superblock_free(&sb);
	rc = srv_storage_format(ctx->sc_cfg->sc_name, ec, idx, false, &res, err, sizeof(err));
	if (rc == 0) { /* cannot happen: it had a superblock */
		D_ERROR("engine %u: formatted while running\n", idx);
		return fmt_result_json(ctx, idx, &res, rc, err, false);
	}
	return fmt_result_json(ctx, idx, &res, rc, err, true);
}

static void
fmt_finish(struct srv_ctx *ctx, struct fmt_op *op)
{
	json_t *r = json_pack("{s:s, s:[]}", "host", ctx->sc_host, "results");
	int     rc = r == NULL ? -DER_NOMEM : 0;

	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++) {
		if (op->fo_results[i] == NULL)
			continue;
		if (rc == 0 &&
		    json_array_append_new(json_object_get(r, "results"), op->fo_results[i]) != 0)
			rc = -DER_NOMEM;
		else if (rc != 0)
			json_decref(op->fo_results[i]);
		op->fo_results[i] = NULL;
	}
	if (rc != 0) {
		json_decref(r);
		srv_reply_error(op->fo_call, rc, "out of memory");
	} else {
		srv_reply(op->fo_call, r);
	}
	free(op);
}

/* Format every engine without a result yet; start those that were stopped. */
static void
fmt_do(struct srv_ctx *ctx, struct fmt_op *op)
{
	if (ctx->sc_stopping || ctx->sc_harness == NULL) {
		for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++)
			json_decref(op->fo_results[i]);
		srv_reply_error(op->fo_call, -DER_SHUTDOWN, "server is shutting down");
		free(op);
		return;
	}
	for (uint32_t i = 0; i < engines_nr(ctx); i++) {
		struct srv_format_result res;
		struct srv_engine_info   info;
		char                     err[SRV_MSG_MAX];
		bool                     waiting;
		int                      rc;

		if (op->fo_results[i] != NULL || engine_info(ctx, i, &info) != 0)
			continue;
		if (info.ei_state != SRV_ENGINE_AWAIT_FORMAT && info.ei_pid != 0) {
			op->fo_results[i] = fmt_busy_json(i, &info);
			continue;
		}
		waiting = info.ei_state == SRV_ENGINE_AWAIT_FORMAT;
		rc = srv_harness_format(ctx->sc_harness, i, op->fo_force, &res, err, sizeof(err));
		op->fo_results[i] = fmt_result_json(ctx, i, &res, rc, err, false);
		if (rc != 0) {
			D_ERROR("engine %u: format failed: %s\n", i, err);
			continue;
		}
		D_NOTE("engine %u: storage formatted%s\n", i, op->fo_force ? " (forced)" : "");
		ctx->sc_eng_rank[i] = D_RANK_NIL;
		/* An engine that was not waiting for the format is started now; it
		 * registers with formatted storage and joins. */
		if (!waiting && srv_harness_start(ctx->sc_harness, i, err, sizeof(err)) != 0)
			D_ERROR("engine %u: formatted but not started: %s\n", i, err);
	}
	fmt_finish(ctx, op);
}

/* Engines have settled: refuse the running ones, format the others. */
static void
fmt_settled_cb(struct srv_ctx *ctx, struct srv_wait *w, void *arg)
{
	struct fmt_op *op = arg;

	(void)w;
	for (uint32_t i = 0; !ctx->sc_stopping && i < engines_nr(ctx); i++) {
		struct srv_engine_info info;

		if (engine_info(ctx, i, &info) != 0 || info.ei_pid == 0 ||
		    info.ei_state == SRV_ENGINE_AWAIT_FORMAT)
			continue;
		if (!op->fo_force)
			op->fo_results[i] = fmt_refuse(ctx, i, &info);
		else
			/* A running engine holds a rank the MS counts on: the operator
			 * stops it first (dmg system stop), as DAOS requires. */
			op->fo_results[i] = fmt_running_json(ctx, i, &info);
	}
	fmt_do(ctx, op);
}

void
srv_h_storage_format(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct fmt_op *op;
	char           err[SRV_MSG_MAX];
	bool           force, replace;
	uint32_t       all;
	int            rc;

	if (srv_body_bool(body, "force", &force, err, sizeof(err)) != 0 ||
	    srv_body_bool(body, "replace", &replace, err, sizeof(err)) != 0) {
		srv_reply_error(call, -DER_INVAL, "%s", err);
		return;
	}
	if (replace) {
		srv_reply_error(call, -DER_NOTSUPPORTED,
				"--replace is not supported yet: format with --force and let the "
				"engines join with new ranks");
		return;
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->fo_call  = call;
	op->fo_force = force;
	all          = engines_nr(ctx) >= 32 ? UINT32_MAX : (1u << engines_nr(ctx)) - 1;
	/* Engines still starting do not know yet whether they are formatted. */
	rc = srv_wait_start(ctx, SRV_WAIT_SETTLED, all, SRV_SETTLE_WAIT_MS, fmt_settled_cb, op);
	if (rc != 0) {
		free(op);
		srv_reply_error(call, rc, "cannot format now: %s", d_errdesc(rc));
	}
}

/* ---- storage_erase (system_erase's step on each server) ---- */

void
srv_h_storage_erase(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	json_t *r, *results;
	char    first_msg[SRV_MSG_MAX] = "";
	int     first                  = 0;

	(void)body;
	for (uint32_t i = 0; i < engines_nr(ctx); i++) {
		struct srv_engine_info info;

		if (engine_info(ctx, i, &info) != 0)
			continue;
		if (info.ei_pid == 0 || info.ei_state == SRV_ENGINE_AWAIT_FORMAT)
			continue;
		if (srv_engine_rank(ctx, i) != D_RANK_NIL)
			srv_reply_error(call, -DER_BUSY,
					"engine %u (rank %u) on %s is %s: stop it before erasing "
					"(dmg system stop)",
					i, srv_engine_rank(ctx, i), ctx->sc_ctl_addr,
					srv_engine_state_name(info.ei_state));
		else
			srv_reply_error(call, -DER_BUSY,
					"engine %u on %s is %s: stop it before erasing", i,
					ctx->sc_ctl_addr, srv_engine_state_name(info.ei_state));
		return;
	}
	results = json_array();
	r       = json_pack("{s:s, s:o}", "host", ctx->sc_host, "results", results);
	if (r == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < ctx->sc_cfg->sc_engines_nr; i++) {
		char err[SRV_MSG_MAX] = "";
		int  rc;

		rc = srv_storage_erase(&ctx->sc_cfg->sc_engines[i], err, sizeof(err));
		if (rc != 0) {
			D_ERROR("engine %u: erase: %s\n", i, err);
			if (first == 0) {
				first = rc;
				snprintf(first_msg, sizeof(first_msg), "engine %u: %s", i, err);
			}
		} else {
			D_NOTE("engine %u: storage erased\n", i);
			ctx->sc_eng_rank[i] = D_RANK_NIL;
		}
		json_array_append_new(results, json_pack("{s:i, s:i, s:s}", "idx", (int)i, "status",
							 rc, "msg", err));
	}
	if (first != 0)
		srv_reply_error_extra(call, first, r, "%s", first_msg);
	else
		srv_reply(call, r);
}

/* ---- set_logmasks ---- */

struct slm_op {
	struct srv_call *so_call;
	json_t          *so_results;
	uint32_t         so_pending;
};

static int
cmp_idx(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "idx"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "idx"));

	return x < y ? -1 : x > y;
}

static void
slm_done(struct slm_op *op)
{
	json_t *sorted = json_array();
	size_t  n      = json_array_size(op->so_results);
	json_t *items[SRV_ENGINES_MAX];

	for (size_t i = 0; i < n && i < SRV_ENGINES_MAX; i++)
		items[i] = json_array_get(op->so_results, i);
	qsort(items, n < SRV_ENGINES_MAX ? n : SRV_ENGINES_MAX, sizeof(items[0]), cmp_idx);
	for (size_t i = 0; sorted != NULL && i < n && i < SRV_ENGINES_MAX; i++)
		json_array_append(sorted, items[i]);
	json_decref(op->so_results);
	if (sorted == NULL)
		srv_reply_error(op->so_call, -DER_NOMEM, "out of memory");
	else
		srv_reply(op->so_call, json_pack("{s:o}", "results", sorted));
	free(op);
}

static void
slm_add(struct slm_op *op, uint32_t idx, int status, const char *msg, const char *masks)
{
	json_array_append_new(op->so_results,
			      json_pack("{s:i, s:i, s:s, s:s}", "idx", (int)idx, "status", status,
					"msg", msg != NULL ? msg : "", "masks",
					masks != NULL ? masks : ""));
}

static void
slm_cb(void *arg, uint32_t idx, int status, const char *error, const char *masks)
{
	struct slm_op *op = arg;

	slm_add(op, idx, status, error, masks);
	if (--op->so_pending == 0)
		slm_done(op);
}

void
srv_h_set_logmasks(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct slm_op *op;
	const char    *masks = NULL;
	json_t        *v     = json_object_get(body, "masks");
	char           err[D_LOG_ERRBUF_SIZE];
	uint8_t        levels[D_FAC_NR];

	if (v != NULL && !json_is_null(v)) {
		if (srv_body_str(body, "masks", true, D_LOG_MASK_MAX, &masks, err, sizeof(err)) !=
		    0) {
			srv_reply_error(call, -DER_INVAL, "%s", err);
			return;
		}
		memset(levels, 0, sizeof(levels));
		if (d_log_parse_masks(masks, levels, err, sizeof(err)) != 0) {
			srv_reply_error(call, -DER_INVAL, "invalid log masks: %s", err);
			return;
		}
	}
	op = calloc(1, sizeof(*op));
	if (op == NULL || (op->so_results = json_array()) == NULL) {
		free(op);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->so_call    = call;
	op->so_pending = 1; /* until every engine was asked */
	for (uint32_t i = 0; i < engines_nr(ctx); i++) {
		int rc = srv_harness_set_logmasks(ctx->sc_harness, i, masks, slm_cb, op);

		if (rc == 0) {
			op->so_pending++;
			continue;
		}
		snprintf(err, sizeof(err), "engine %u %s", i,
			 rc == -DER_UNREACH ? "is not running" : d_errdesc(rc));
		slm_add(op, i, rc, err, NULL);
	}
	if (--op->so_pending == 0)
		slm_done(op);
}

/* ---- engines_stop, engines_start ---- */

struct eng_op {
	struct srv_call *eo_call;
	const char      *eo_action;
	uint32_t         eo_rank[SRV_ENGINES_MAX];
	json_t          *eo_results;
};

static void
eng_result(struct eng_op *op, uint32_t rank, int status, const char *msg)
{
	json_array_append_new(op->eo_results,
			      json_pack("{s:I, s:s, s:i, s:s}", "rank", (json_int_t)rank, "action",
					op->eo_action, "status", status, "msg", msg));
}

/* Engines selected by "ranks" (all engines with a rank when absent); ranks
 * not hosted here get a -DER_NONEXIST result. */
static int
eng_select(struct srv_ctx *ctx, struct eng_op *op, json_t *body, bool all_engines,
	   uint32_t *mask, char *err, size_t errlen)
{
	struct d_rankset ranks, here;
	d_rank_t         r;
	bool             set;
	int              rc;

	d_rankset_init(&ranks);
	d_rankset_init(&here);
	*mask = 0;
	rc    = srv_body_ranks(body, "ranks", &ranks, &set, err, errlen);
	for (uint32_t i = 0; rc == 0 && i < engines_nr(ctx) && i < SRV_ENGINES_MAX; i++) {
		op->eo_rank[i] = srv_engine_rank(ctx, i);
		if (op->eo_rank[i] == D_RANK_NIL) {
			if (!set && all_engines)
				*mask |= 1u << i;
			continue;
		}
		if (!set || d_rankset_contains(&ranks, op->eo_rank[i])) {
			*mask |= 1u << i;
			rc = d_rankset_add(&here, op->eo_rank[i]);
		}
	}
	if (rc == 0 && set && d_rankset_first(&ranks, &r)) {
		char msg[SRV_MSG_MAX];
		int  n = 0;

		/* Bounded: a huge set of foreign ranks gets one line per range start. */
		do {
			if (d_rankset_contains(&here, r))
				continue;
			d_errbuf_printf(msg, sizeof(msg), "rank %u is not hosted by %s", r,
					ctx->sc_ctl_addr);
			eng_result(op, r, -DER_NONEXIST, msg);
		} while (++n < SRV_ENGINES_MAX * 4 && d_rankset_next(&ranks, &r));
	}
	d_rankset_fini(&ranks);
	d_rankset_fini(&here);
	return rc;
}

static void
eng_wait_cb(struct srv_ctx *ctx, struct srv_wait *w, void *arg)
{
	struct eng_op *op = arg;

	(void)ctx;
	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++) {
		if (!(w->sw_mask & (1u << i)) || op->eo_rank[i] == D_RANK_NIL)
			continue;
		eng_result(op, op->eo_rank[i], w->sw_rc[i], w->sw_rc[i] == 0 ? "" : w->sw_msg[i]);
	}
	srv_reply(op->eo_call, json_pack("{s:o}", "results", op->eo_results));
	free(op);
}

static void
eng_op_run(struct srv_ctx *ctx, struct srv_call *call, json_t *body, bool start)
{
	struct eng_op *op;
	char           err[SRV_MSG_MAX];
	bool           force = false;
	uint32_t       mask;
	int            rc;

	op = calloc(1, sizeof(*op));
	if (op == NULL || (op->eo_results = json_array()) == NULL) {
		free(op);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->eo_call   = call;
	op->eo_action = start ? "start" : "stop";
	rc            = srv_body_bool(body, "force", &force, err, sizeof(err));
	if (rc == 0)
		rc = eng_select(ctx, op, body, !start, &mask, err, sizeof(err));
	if (rc != 0) {
		json_decref(op->eo_results);
		free(op);
		srv_reply_error(call, rc, "%s", err);
		return;
	}
	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++) {
		struct srv_engine_info info;

		if (!(mask & (1u << i)) || engine_info(ctx, i, &info) != 0)
			continue;
		if (!start) {
			(void)srv_harness_stop(ctx->sc_harness, i, force);
			continue;
		}
		if (info.ei_state == SRV_ENGINE_STOPPING) {
			/* A stop in progress: start again once it is gone. */
			rc = srv_harness_restart(ctx->sc_harness, i);
		} else {
			rc = srv_harness_start(ctx->sc_harness, i, err, sizeof(err));
		}
		if (rc != 0) {
			mask &= ~(1u << i);
			eng_result(op, op->eo_rank[i], rc, err[0] != '\0' ? err : d_errdesc(rc));
		}
	}
	if (mask == 0) {
		srv_reply(call, json_pack("{s:o}", "results", op->eo_results));
		free(op);
		return;
	}
	rc = srv_wait_start(ctx, start ? SRV_WAIT_JOINED : SRV_WAIT_STOPPED, mask,
			    start ? SRV_START_WAIT_MS : force ? SRV_KILL_WAIT_MS : SRV_STOP_WAIT_MS,
			    eng_wait_cb, op);
	if (rc != 0) {
		json_decref(op->eo_results);
		free(op);
		srv_reply_error(call, rc, "cannot wait for the engines: %s", d_errdesc(rc));
	}
}

void
srv_h_engines_stop(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	eng_op_run(ctx, call, body, false);
}

void
srv_h_engines_start(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	eng_op_run(ctx, call, body, true);
}
