/*
 * srv_loop.c: daos_server's control loop (see srv_internal.h for the map of
 * the files and the threads).
 *
 * The loop owns the MS Raft node, the engine harness, the engine waits and
 * every MS and harness call. Two async handles wake it:
 *   sc_qasync  requests posted by libmicrohttpd threads (srv_http_handler);
 *   sc_jasync  worker threads (jobs) that finished their blocking call.
 * Both are signalled only under their lock while the matching "closed"
 * condition is false (queue open; job counted), and closed only after that
 * condition became true, so no thread ever signals a closed handle.
 *
 * Shutdown (SIGTERM, SIGINT, or a start-up failure), one phase at a time from
 * a 50 ms timer (invariant 2 of struct srv_ctx):
 *   ENGINES  every engine asked to stop; wait until none runs (bounded)
 *   HARNESS  srv_harness_close (SIGKILL for stragglers): no engine is left
 *   MS       ms_raft_stop (waits for applies in flight)
 *   JOBS     HTTPS server and telemetry endpoint stopped (calls in flight get
 *            503), queue drained, waits cancelled; wait for worker threads
 *            (bounded)
 *   DONE     handles closed, uv_run returns
 * A worker still blocked after its bound keeps the context alive: srv_run
 * then returns without freeing it and the process exits around the thread.
 */
#define D_LOGFAC DD_FAC(control)

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "control/srv_internal.h"

/* Shutdown phases (file comment); the *_WAIT phases end in a callback. */
enum {
	PH_RUNNING = 0,
	PH_ENGINES,
	PH_HARNESS_WAIT,
	PH_MS,
	PH_MS_WAIT,
	PH_HTTP,
	PH_JOBS,
	PH_DONE,
};

/* Period of the shutdown phase timer. */
#define SRV_PHASE_TICK_MS 50

struct srv_call {
	struct srv_ctx      *cl_ctx;
	struct ctl_http_req *cl_req;
};

struct srv_method {
	const char *m_name;
	void      (*m_fn)(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
	uint32_t    m_flags; /* SRV_AUTH_* | SRV_METHOD_MS */
};

#define AUTH_ANY (SRV_AUTH_ADMIN | SRV_AUTH_SERVER | SRV_AUTH_AGENT)
#define AUTH_AS  (SRV_AUTH_ADMIN | SRV_AUTH_SERVER)
#define AUTH_AA  (SRV_AUTH_ADMIN | SRV_AUTH_AGENT)
#define MS       SRV_METHOD_MS

/* The control API of daos_server (docs/design.md). storage_erase is the
 * server-to-server step of system_erase; the leader asks servers for
 * storage_scan during pool creates, and servers ask it for storage_alloc
 * (storage_usage). Pool and container methods follow C4: admin only for
 * pool_create, pool_destroy, pool_set_prop, pool_list, pool_query_targets
 * and the target state changes (exclude, reintegrate, which C4 does not
 * list: they are dmg's); admin or agent (daos_agent forwards its clients)
 * for the others. */
static const struct srv_method srv_methods[] = {
	{"server_info", srv_h_server_info, AUTH_ANY},
	{"storage_scan", srv_h_storage_scan, AUTH_AS},
	{"storage_format", srv_h_storage_format, SRV_AUTH_ADMIN},
	{"storage_usage", srv_h_storage_usage, SRV_AUTH_ADMIN},
	{"storage_erase", srv_h_storage_erase, AUTH_AS},
	{"set_logmasks", srv_h_set_logmasks, SRV_AUTH_ADMIN},
	{"engines_stop", srv_h_engines_stop, AUTH_AS},
	{"engines_start", srv_h_engines_start, AUTH_AS},
	{"system_query", srv_h_system_query, AUTH_AS | SRV_METHOD_MS},
	{"get_attach_info", srv_h_get_attach_info, AUTH_ANY | SRV_METHOD_MS},
	{"system_stop", srv_h_system_stop, SRV_AUTH_ADMIN | SRV_METHOD_MS},
	{"system_start", srv_h_system_start, SRV_AUTH_ADMIN | SRV_METHOD_MS},
	{"system_erase", srv_h_system_erase, SRV_AUTH_ADMIN | SRV_METHOD_MS},
	{"system_leader_query", srv_h_system_leader_query, AUTH_ANY},
	{"system_join", srv_h_system_join, SRV_AUTH_SERVER | SRV_METHOD_MS},
	{"system_event", srv_h_system_event, SRV_AUTH_SERVER | SRV_METHOD_MS},
	{"storage_alloc", srv_h_storage_alloc, AUTH_AS | MS},
	{"pool_create", srv_h_pool_create, SRV_AUTH_ADMIN | MS},
	{"pool_destroy", srv_h_pool_destroy, SRV_AUTH_ADMIN | MS},
	{"pool_list", srv_h_pool_list, SRV_AUTH_ADMIN | MS},
	{"pool_query", srv_h_pool_query, AUTH_AA | MS},
	{"pool_query_targets", srv_h_pool_query_targets, SRV_AUTH_ADMIN | MS},
	{"pool_get_prop", srv_h_pool_get_prop, AUTH_AA | MS},
	{"pool_set_prop", srv_h_pool_set_prop, SRV_AUTH_ADMIN | MS},
	{"pool_connect", srv_h_pool_connect, AUTH_AA | MS},
	{"pool_exclude", srv_h_pool_exclude, SRV_AUTH_ADMIN | MS},
	{"pool_reintegrate", srv_h_pool_reintegrate, SRV_AUTH_ADMIN | MS},
	{"pool_set_attr", srv_h_pool_set_attr, AUTH_AA | MS},
	{"pool_get_attr", srv_h_pool_get_attr, AUTH_AA | MS},
	{"pool_del_attr", srv_h_pool_del_attr, AUTH_AA | MS},
	{"cont_create", srv_h_cont_create, AUTH_AA | MS},
	{"cont_open", srv_h_cont_open, AUTH_AA | MS},
	{"cont_query", srv_h_cont_open, AUTH_AA | MS},
	{"cont_destroy", srv_h_cont_destroy, AUTH_AA | MS},
	{"cont_list", srv_h_cont_list, AUTH_AA | MS},
	{"cont_set_prop", srv_h_cont_set_prop, AUTH_AA | MS},
	{"cont_set_attr", srv_h_cont_set_attr, AUTH_AA | MS},
	{"cont_get_attr", srv_h_cont_get_attr, AUTH_AA | MS},
	{"cont_del_attr", srv_h_cont_del_attr, AUTH_AA | MS},
	{"cont_snap_create", srv_h_cont_snap_create, AUTH_AA | MS},
	{"cont_snap_list", srv_h_cont_snap_list, AUTH_AA | MS},
	{"cont_snap_destroy", srv_h_cont_snap_destroy, AUTH_AA | MS},
	{"cont_alloc_oids", srv_h_cont_alloc_oids, AUTH_AA | MS},
	{"telemetry_info", srv_h_telemetry_info, AUTH_ANY},
	{"smd_query", srv_h_smd_query, SRV_AUTH_ADMIN},
	{"dev_set_faulty", srv_h_dev_set_faulty, SRV_AUTH_ADMIN},
	{"dev_replace", srv_h_dev_replace, SRV_AUTH_ADMIN},
	{"dev_identify", srv_h_dev_identify, SRV_AUTH_ADMIN},
};

static const struct srv_method *
method_find(const char *name)
{
	for (size_t i = 0; i < sizeof(srv_methods) / sizeof(srv_methods[0]); i++)
		if (strcmp(srv_methods[i].m_name, name) == 0)
			return &srv_methods[i];
	return NULL;
}

/* Method hook of the HTTPS server (any thread): the table is read-only. */
static unsigned int
srv_method_hook(const char *method, void *arg)
{
	(void)arg;
	return method_find(method) != NULL ? CTL_HTTP_ALLOW_POST : 0;
}

/* ---- Replies ---- */

int
srv_http_status(int rc)
{
	switch (rc) {
	case -DER_INVAL:
	case -DER_PROTO:
		return 400;
	case -DER_NO_PERM:
	case -DER_EXCLUDED:
		return 403;
	case -DER_NONEXIST:
		return 404;
	case -DER_EXIST:
	case -DER_BUSY:
	case -DER_MISMATCH:
	case -DER_ALREADY:
	case -DER_STALE:
		return 409;
	case -DER_NOTLEADER:
	case -DER_NOTREPLICA:
		return 421; /* Misdirected Request: ask the leader */
	case -DER_SHUTDOWN:
	case -DER_AGAIN:
		return 503;
	case -DER_TIMEDOUT:
		return 504;
	case -DER_NOTSUPPORTED:
		return 501;
	default:
		return 500;
	}
}

const char *
srv_call_method(const struct srv_call *call)
{
	return ctl_http_req_method(call->cl_req);
}

json_t *
srv_call_body(const struct srv_call *call)
{
	return ctl_http_req_body(call->cl_req);
}

void
srv_reply(struct srv_call *call, json_t *reply)
{
	ctl_http_reply(call->cl_req, 200, reply);
	free(call);
}

/* A message for JSON: bytes outside printable ASCII become '?' (json_string
 * refuses invalid UTF-8, and a message may quote input). */
static void
msg_sanitise(char *msg)
{
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

static void
reply_error_v(struct srv_call *call, int rc, json_t *extra, const char *fmt, va_list ap)
{
	char    msg[1024];
	json_t *obj = extra != NULL ? extra : json_object();

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg_sanitise(msg);
	if (rc >= 0)
		rc = -DER_MISC;
	/* Before the reply: it releases the request (and its method name). */
	D_DEBUG("%s: %s: " DF_RC "\n", ctl_http_req_method(call->cl_req), msg, DP_RC(rc));
	if (obj == NULL || json_object_set_new(obj, "status", json_integer(rc)) != 0 ||
	    json_object_set_new(obj, "error", json_string(msg)) != 0) {
		json_decref(obj);
		ctl_http_reply_error(call->cl_req, srv_http_status(rc), rc, "%s", msg);
	} else {
		ctl_http_reply(call->cl_req, srv_http_status(rc), obj);
	}
	free(call);
}

void
srv_reply_error(struct srv_call *call, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(call, rc, NULL, fmt, ap);
	va_end(ap);
}

void
srv_reply_error_extra(struct srv_call *call, int rc, json_t *extra, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(call, rc, extra, fmt, ap);
	va_end(ap);
}

/* ---- Request bodies ---- */

int
srv_body_bool(json_t *body, const char *key, bool *out, char *errbuf, size_t errlen)
{
	json_t *v = json_object_get(body, key);

	*out = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		d_errbuf_printf(errbuf, errlen, "%s: expected true or false", key);
		return -DER_INVAL;
	}
	*out = json_is_true(v);
	return 0;
}

int
srv_body_str(json_t *body, const char *key, bool required, size_t max, const char **out,
	     char *errbuf, size_t errlen)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		d_errbuf_printf(errbuf, errlen, "%s: missing", key);
		return -DER_INVAL;
	}
	if (!json_is_string(v)) {
		d_errbuf_printf(errbuf, errlen, "%s: expected a string", key);
		return -DER_INVAL;
	}
	if (json_string_length(v) == 0 || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		d_errbuf_printf(errbuf, errlen, "%s: expected 1 to %zu characters", key, max);
		return -DER_INVAL;
	}
	*out = json_string_value(v);
	return 0;
}

int
srv_body_int(json_t *body, const char *key, int64_t min, int64_t max, int64_t *out, bool *set,
	     char *errbuf, size_t errlen)
{
	json_t *v = json_object_get(body, key);

	*set = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		d_errbuf_printf(errbuf, errlen, "%s: expected an integer in [%lld, %lld]", key,
				(long long)min, (long long)max);
		return -DER_INVAL;
	}
	*out = json_integer_value(v);
	*set = true;
	return 0;
}

int
srv_body_ranks(json_t *body, const char *key, struct d_rankset *out, bool *set, char *errbuf,
	       size_t errlen)
{
	const char *text;
	char        why[256];
	int         rc;

	*set = false;
	rc = srv_body_str(body, key, false, D_RANKSET_STR_MAX, &text, errbuf, errlen);
	if (rc != 0 || text == NULL)
		return rc;
	rc = d_rankset_parse(text, out, why, sizeof(why));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "%s: %s", key, why);
		return rc;
	}
	*set = true;
	return 0;
}

int
srv_body_hosts(json_t *body, const char *key, struct d_hostset *out, bool *set, char *errbuf,
	       size_t errlen)
{
	const char *text;
	char        why[256];
	int         rc;

	*set = false;
	rc = srv_body_str(body, key, false, D_HOSTSET_STR_MAX, &text, errbuf, errlen);
	if (rc != 0 || text == NULL)
		return rc;
	rc = d_hostset_parse(text, out, why, sizeof(why));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "%s: %s", key, why);
		return rc;
	}
	*set = true;
	return 0;
}

char *
srv_rankset_str(const struct d_rankset *set)
{
	size_t len = d_rankset_format_len(set, false);
	char  *s   = malloc(len);

	if (s != NULL && d_rankset_format(set, s, len, false) != 0) {
		free(s);
		s = NULL;
	}
	return s;
}

/* ---- Requests from the HTTPS threads ---- */

/* Runs on a libmicrohttpd thread: queue the request and wake the loop. */
static void
srv_http_handler(struct ctl_http_req *req, void *arg)
{
	struct srv_ctx  *ctx = arg;
	struct srv_qreq *q   = malloc(sizeof(*q));
	int              rc  = 0;

	if (q == NULL) {
		ctl_http_reply_error(req, 500, -DER_NOMEM, "out of memory");
		return;
	}
	q->qr_req  = req;
	q->qr_next = NULL;
	pthread_mutex_lock(&ctx->sc_qlock);
	if (ctx->sc_qclosed) {
		rc = -DER_SHUTDOWN;
	} else if (ctx->sc_qnr >= SRV_QUEUE_MAX) {
		rc = -DER_AGAIN;
	} else {
		if (ctx->sc_qtail != NULL)
			ctx->sc_qtail->qr_next = q;
		else
			ctx->sc_qhead = q;
		ctx->sc_qtail = q;
		ctx->sc_qnr++;
		uv_async_send(&ctx->sc_qasync);
	}
	pthread_mutex_unlock(&ctx->sc_qlock);
	if (rc != 0) {
		free(q);
		ctl_http_reply_error(req, 503, rc, "%s",
				     rc == -DER_SHUTDOWN ? "server is shutting down"
							 : "too many requests queued: try again");
	}
}

static const char *
auth_names(uint32_t flags)
{
	switch (flags & AUTH_ANY) {
	case SRV_AUTH_ADMIN:
		return "admin";
	case SRV_AUTH_SERVER:
		return "server";
	case AUTH_AS:
		return "admin or server";
	case AUTH_AA:
		return "admin or agent";
	default:
		return "admin, server or agent";
	}
}

static bool
auth_ok(const char *identity, uint32_t flags)
{
	if (strcmp(identity, CTL_HTTP_IDENTITY_INSECURE) == 0)
		return true;
	if (strcmp(identity, "admin") == 0)
		return (flags & SRV_AUTH_ADMIN) != 0;
	if (strcmp(identity, "server") == 0)
		return (flags & SRV_AUTH_SERVER) != 0;
	if (strcmp(identity, "agent") == 0)
		return (flags & SRV_AUTH_AGENT) != 0;
	return false;
}

static void
srv_dispatch(struct srv_ctx *ctx, struct ctl_http_req *req)
{
	const char              *method = ctl_http_req_method(req);
	const char              *id     = ctl_http_req_identity(req);
	const struct srv_method *m      = method_find(method);
	struct srv_call         *call;

	if (m == NULL) { /* the hook lets only known methods through */
		ctl_http_reply_error(req, 404, -DER_NONEXIST, "unknown method '%s'", method);
		return;
	}
	if (ctx->sc_stopping) {
		ctl_http_reply_error(req, 503, -DER_SHUTDOWN, "server is shutting down");
		return;
	}
	call = calloc(1, sizeof(*call));
	if (call == NULL) {
		ctl_http_reply_error(req, 500, -DER_NOMEM, "out of memory");
		return;
	}
	call->cl_ctx = ctx;
	call->cl_req = req;
	D_DEBUG("%s from %s (%s)\n", method, ctl_http_req_peer(req), id);
	if (!auth_ok(id, m->m_flags)) {
		srv_reply_error(call, -DER_NO_PERM, "method '%s' needs the %s certificate, caller is '%s'",
				method, auth_names(m->m_flags), id);
		return;
	}
	if ((m->m_flags & SRV_METHOD_MS) && srv_ms_gate(ctx, call) != 0)
		return;
	m->m_fn(ctx, call, ctl_http_req_body(req));
}

static void
qasync_cb(uv_async_t *handle)
{
	struct srv_ctx  *ctx = handle->data;
	struct srv_qreq *q;

	pthread_mutex_lock(&ctx->sc_qlock);
	q             = ctx->sc_qhead;
	ctx->sc_qhead = ctx->sc_qtail = NULL;
	ctx->sc_qnr   = 0;
	pthread_mutex_unlock(&ctx->sc_qlock);
	while (q != NULL) {
		struct srv_qreq *next = q->qr_next;

		srv_dispatch(ctx, q->qr_req);
		free(q);
		q = next;
	}
}

/* Close the queue and answer what is still in it (shutdown). */
static void
queue_drain(struct srv_ctx *ctx)
{
	struct srv_qreq *q;

	pthread_mutex_lock(&ctx->sc_qlock);
	ctx->sc_qclosed = true;
	q               = ctx->sc_qhead;
	ctx->sc_qhead = ctx->sc_qtail = NULL;
	ctx->sc_qnr   = 0;
	pthread_mutex_unlock(&ctx->sc_qlock);
	while (q != NULL) {
		struct srv_qreq *next = q->qr_next;

		ctl_http_reply_error(q->qr_req, 503, -DER_SHUTDOWN, "server is shutting down");
		free(q);
		q = next;
	}
}

/* ---- Jobs (worker threads) ---- */

static void *
job_main(void *arg)
{
	struct srv_job *jb  = arg;
	struct srv_ctx *ctx = jb->jb_ctx;

	jb->jb_work(ctx, jb->jb_arg);
	pthread_mutex_lock(&ctx->sc_jlock);
	jb->jb_next    = ctx->sc_jdone;
	ctx->sc_jdone  = jb;
	/* Under the lock, and the job is still counted: see the file comment. */
	uv_async_send(&ctx->sc_jasync);
	pthread_mutex_unlock(&ctx->sc_jlock);
	return NULL;
}

int
srv_job_start(struct srv_ctx *ctx, srv_job_work_fn work, srv_job_done_fn done, void *arg)
{
	struct srv_job *jb;
	int             rc;

	if (ctx->sc_stopping)
		return -DER_SHUTDOWN;
	if (ctx->sc_jobs >= SRV_JOBS_MAX)
		return -DER_AGAIN;
	jb = calloc(1, sizeof(*jb));
	if (jb == NULL)
		return -DER_NOMEM;
	jb->jb_ctx  = ctx;
	jb->jb_work = work;
	jb->jb_done = done;
	jb->jb_arg  = arg;
	ctx->sc_jobs++;
	rc = pthread_create(&jb->jb_thread, NULL, job_main, jb);
	if (rc != 0) {
		ctx->sc_jobs--;
		free(jb);
		D_ERROR("cannot start a worker thread: %s\n", strerror(rc));
		return rc == EAGAIN ? -DER_AGAIN : -DER_NOMEM;
	}
	return 0;
}

static void
jasync_cb(uv_async_t *handle)
{
	struct srv_ctx *ctx = handle->data;
	struct srv_job *list, *rev = NULL;

	pthread_mutex_lock(&ctx->sc_jlock);
	list          = ctx->sc_jdone;
	ctx->sc_jdone = NULL;
	pthread_mutex_unlock(&ctx->sc_jlock);
	/* Completion order. */
	while (list != NULL) {
		struct srv_job *next = list->jb_next;

		list->jb_next = rev;
		rev           = list;
		list          = next;
	}
	while (rev != NULL) {
		struct srv_job *next = rev->jb_next;

		pthread_join(rev->jb_thread, NULL); /* it has just returned */
		ctx->sc_jobs--;
		rev->jb_done(ctx, rev->jb_arg);
		free(rev);
		rev = next;
	}
}

struct ctl_http_client *
srv_client_new(struct srv_ctx *ctx, uint32_t timeout_ms, char *errbuf, size_t errlen)
{
	const struct cfg_transport *tr = &ctx->sc_cfg->sc_transport;
	struct ctl_http_client_cfg  cc;
	struct ctl_http_client     *cl = NULL;

	memset(&cc, 0, sizeof(cc));
	cc.ccc_insecure           = ctx->sc_insecure;
	cc.ccc_timeout_ms         = timeout_ms;
	cc.ccc_connect_timeout_ms = SRV_CONNECT_TIMEOUT_MS;
	if (!ctx->sc_insecure) {
		/* Peers are called with this server's certificate (CN "server"). */
		cc.ccc_ca_cert = tr->tr_ca_cert;
		cc.ccc_cert    = tr->tr_cert;
		cc.ccc_key     = tr->tr_key;
	}
	if (ctl_http_client_create(&cc, &cl, errbuf, errlen) != 0)
		return NULL;
	return cl;
}

/* ---- Shutdown ---- */

static bool
engines_down(struct srv_ctx *ctx)
{
	struct srv_engine_info info;

	for (uint32_t i = 0; ctx->sc_harness != NULL && i < srv_harness_engine_nr(ctx->sc_harness);
	     i++)
		if (srv_harness_engine_info(ctx->sc_harness, i, &info) == 0 && info.ei_pid != 0)
			return false;
	return true;
}

static void
harness_closed_cb(void *arg)
{
	struct srv_ctx *ctx = arg;

	D_INFO("engine harness closed\n");
	ctx->sc_phase = PH_MS;
}

static void
ms_stopped_cb(void *arg)
{
	struct srv_ctx *ctx = arg;

	D_INFO("MS raft node stopped\n");
	ctx->sc_raft  = NULL;
	ctx->sc_phase = PH_HTTP;
}

static void
handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void
handles_close(struct srv_ctx *ctx, bool with_jasync)
{
	uv_handle_t *hs[] = {
	    (uv_handle_t *)&ctx->sc_qasync,    (uv_handle_t *)&ctx->sc_wait_tick,
	    (uv_handle_t *)&ctx->sc_wait_kick, (uv_handle_t *)&ctx->sc_sigterm,
	    (uv_handle_t *)&ctx->sc_sigint,    (uv_handle_t *)&ctx->sc_phase_timer,
	};

	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		if (!uv_is_closing(hs[i]))
			uv_close(hs[i], handle_closed);
	if (with_jasync && !uv_is_closing((uv_handle_t *)&ctx->sc_jasync))
		uv_close((uv_handle_t *)&ctx->sc_jasync, handle_closed);
}

/* Advance the shutdown (file comment); runs from the phase timer, never from
 * inside a harness or raft callback. */
static void
phase_step(struct srv_ctx *ctx)
{
	uint64_t now = uv_now(&ctx->sc_loop);

	switch (ctx->sc_phase) {
	case PH_ENGINES:
		if (!engines_down(ctx) && now < ctx->sc_phase_deadline)
			return;
		if (ctx->sc_harness != NULL) {
			struct srv_harness *h = ctx->sc_harness;

			/* Stragglers get SIGKILL: no engine outlives the server. */
			ctx->sc_harness = NULL;
			ctx->sc_phase   = PH_HARNESS_WAIT;
			srv_harness_close(h, harness_closed_cb, ctx);
			return;
		}
		ctx->sc_phase = PH_MS;
		/* fall through */
	case PH_MS:
		if (ctx->sc_raft != NULL) {
			ctx->sc_phase = PH_MS_WAIT;
			if (ms_raft_stop(ctx->sc_raft, ms_stopped_cb, ctx) == 0)
				return;
			ctx->sc_raft = NULL;
		}
		ctx->sc_phase = PH_HTTP;
		/* fall through */
	case PH_HTTP:
		/* Stop serving; calls in flight get 503, queued ones too. */
		ctl_http_server_stop(ctx->sc_http);
		ctx->sc_http = NULL;
		srv_metrics_stop(ctx);
		queue_drain(ctx);
		srv_waits_cancel(ctx);
		srv_pool_shutdown(ctx);
		ctx->sc_phase          = PH_JOBS;
		ctx->sc_phase_deadline = now + SRV_SHUTDOWN_JOBS_MS;
		/* fall through */
	case PH_JOBS:
		if (ctx->sc_jobs > 0 && now < ctx->sc_phase_deadline)
			return;
		ctx->sc_phase = PH_DONE;
		if (ctx->sc_jobs > 0) {
			D_WARN("%u worker threads still blocked at shutdown: leaving them\n",
			       ctx->sc_jobs);
			handles_close(ctx, false);
			uv_stop(&ctx->sc_loop);
			return;
		}
		handles_close(ctx, true);
		return;
	default:
		return; /* running, or waiting for a callback */
	}
}

static void
phase_timer_cb(uv_timer_t *t)
{
	phase_step(t->data);
}

void
srv_shutdown(struct srv_ctx *ctx, int rc)
{
	if (ctx->sc_stopping)
		return;
	ctx->sc_stopping = true;
	ctx->sc_exit_rc  = rc;
	D_NOTE("shutting down\n");
	ctx->sc_phase          = PH_ENGINES;
	ctx->sc_phase_deadline = uv_now(&ctx->sc_loop) + SRV_SHUTDOWN_ENGINES_MS;
	/* Operations waiting for engines end now (-DER_SHUTDOWN). */
	srv_waits_cancel(ctx);
	if (ctx->sc_harness != NULL)
		(void)srv_harness_stop(ctx->sc_harness, SRV_HARNESS_ALL, false);
	(void)uv_timer_start(&ctx->sc_phase_timer, phase_timer_cb, 0, SRV_PHASE_TICK_MS);
}

static void
signal_cb(uv_signal_t *handle, int signum)
{
	struct srv_ctx *ctx = handle->data;

	D_NOTE("received %s\n", strsignal(signum));
	srv_shutdown(ctx, 0);
}

/* ---- Start ---- */

static void
wait_tick_cb(uv_timer_t *t)
{
	srv_waits_check(t->data);
	srv_metrics_update(t->data);
}

/* Engine transitions also refresh the exporter's view (pid, rank) at once,
 * rather than at the next wait tick. */
static void
ho_state_cb(void *arg, uint32_t idx, enum srv_engine_state old, enum srv_engine_state state)
{
	srv_ho_state(arg, idx, old, state);
	srv_metrics_update(arg);
}

static const struct srv_harness_ops srv_harness_ops = {
	.ho_ras   = srv_ho_ras,
	.ho_join  = srv_ho_join,
	.ho_state = ho_state_cb,
};

static int
handles_init(struct srv_ctx *ctx)
{
	uv_loop_t *l = &ctx->sc_loop;

	if (uv_async_init(l, &ctx->sc_qasync, qasync_cb) != 0 ||
	    uv_async_init(l, &ctx->sc_jasync, jasync_cb) != 0)
		return -DER_MISC;
	(void)uv_timer_init(l, &ctx->sc_wait_tick);
	(void)uv_timer_init(l, &ctx->sc_wait_kick);
	(void)uv_timer_init(l, &ctx->sc_phase_timer);
	(void)uv_signal_init(l, &ctx->sc_sigterm);
	(void)uv_signal_init(l, &ctx->sc_sigint);
	ctx->sc_qasync.data = ctx->sc_jasync.data = ctx;
	ctx->sc_wait_tick.data = ctx->sc_wait_kick.data = ctx->sc_phase_timer.data = ctx;
	ctx->sc_sigterm.data = ctx->sc_sigint.data = ctx;
	return 0;
}

static void
ctx_free(struct srv_ctx *ctx)
{
	ms_db_destroy(ctx->sc_db);
	pthread_mutex_destroy(&ctx->sc_qlock);
	pthread_mutex_destroy(&ctx->sc_jlock);
	pthread_mutex_destroy(&ctx->sc_hint_lock);
	free(ctx);
}

int
srv_run(const struct srv_config *cfg, bool insecure, bool *cfg_in_use)
{
	struct srv_ctx     *ctx;
	struct ctl_http_cfg hc;
	char                err[1024];
	char                bind[INET_ADDRSTRLEN];
	int                 rc;

	*cfg_in_use = false;
	ctx         = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		fprintf(stderr, "ERROR: daos_server: out of memory\n");
		return 1;
	}
	ctx->sc_cfg      = cfg;
	ctx->sc_insecure = insecure || cfg->sc_transport.tr_allow_insecure;
	ctx->sc_self_ap  = -1;
	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++)
		ctx->sc_eng_rank[i] = D_RANK_NIL;
	pthread_mutex_init(&ctx->sc_qlock, NULL);
	pthread_mutex_init(&ctx->sc_jlock, NULL);
	pthread_mutex_init(&ctx->sc_hint_lock, NULL);
	if (uv_loop_init(&ctx->sc_loop) != 0 || handles_init(ctx) != 0) {
		fprintf(stderr, "ERROR: daos_server: cannot create the control loop\n");
		ctx_free(ctx);
		return 1;
	}

	rc = srv_ms_setup(ctx, err, sizeof(err));
	if (rc == 0) {
		struct srv_harness_opts ho = {0};

		rc = srv_harness_create(&ctx->sc_loop, cfg, &ho, &srv_harness_ops, ctx,
					&ctx->sc_harness, err, sizeof(err));
	}
	if (rc == 0) {
		srv_engine_ranks_load(ctx);
		memset(&hc, 0, sizeof(hc));
		srv_bind_addr(ctx, bind, sizeof(bind));
		hc.hc_bind_addr = bind;
		hc.hc_port      = (uint16_t)cfg->sc_port;
		hc.hc_insecure  = ctx->sc_insecure;
		hc.hc_ca_cert   = cfg->sc_transport.tr_ca_cert;
		hc.hc_cert      = cfg->sc_transport.tr_cert;
		hc.hc_key       = cfg->sc_transport.tr_key;
		hc.hc_method_fn = srv_method_hook;
		rc = ctl_http_server_start(&hc, srv_http_handler, ctx, &ctx->sc_http, err,
					   sizeof(err));
	}
	if (rc == 0)
		rc = srv_metrics_start(ctx, err, sizeof(err));
	if (rc == 0)
		rc = srv_ms_start(ctx, err, sizeof(err));
	if (rc == 0 && ctx->sc_harness != NULL &&
	    srv_harness_engine_nr(ctx->sc_harness) > 0 &&
	    srv_harness_start(ctx->sc_harness, SRV_HARNESS_ALL, err, sizeof(err)) != 0) {
		/* The engine is ERRORED; dmg system start can try again. */
		D_ERROR("%s\n", err);
		fprintf(stderr, "WARNING: daos_server: %s\n", err);
	}
	if (rc != 0) {
		D_ERROR("start-up failed: %s\n", err);
		fprintf(stderr, "ERROR: daos_server: %s\n", err);
		srv_shutdown(ctx, 1);
	} else {
		(void)uv_signal_start(&ctx->sc_sigterm, signal_cb, SIGTERM);
		(void)uv_signal_start(&ctx->sc_sigint, signal_cb, SIGINT);
		(void)uv_timer_start(&ctx->sc_wait_tick, wait_tick_cb, SRV_WAIT_TICK_MS,
				     SRV_WAIT_TICK_MS);
		D_NOTE("DAOS Control Server v%s (pid %d) listening on %s:%u as %s%s\n",
		       DAOS_VERSION, (int)getpid(), bind, cfg->sc_port, ctx->sc_ctl_addr,
		       ctx->sc_self_ap >= 0 ? " (MS replica)" : "");
		printf("DAOS Control Server v%s (pid %d) listening on %s:%u as %s%s\n",
		       DAOS_VERSION, (int)getpid(), bind, cfg->sc_port, ctx->sc_ctl_addr,
		       ctx->sc_self_ap >= 0 ? " (MS replica)" : "");
		fflush(stdout);
	}
	(void)uv_run(&ctx->sc_loop, UV_RUN_DEFAULT);

	rc = ctx->sc_exit_rc;
	if (ctx->sc_jobs > 0) {
		/* A thread still uses ctx and the config: the process exit ends it. */
		*cfg_in_use = true;
		return rc;
	}
	if (uv_loop_close(&ctx->sc_loop) != 0)
		D_WARN("control loop closed with handles open\n");
	ctx_free(ctx);
	if (rc == 0)
		D_NOTE("daos_server stopped\n");
	return rc;
}
