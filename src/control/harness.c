/*
 * harness.c: the engine harness (see harness.h for the command line, the
 * environment, the state diagram and the invariants).
 *
 * Handles per engine:
 *   he_timer   one timer for whichever deadline applies now (registration,
 *              stop escalation, lost link); lives as long as the harness.
 *   he_proc, he_pipe[2]   one process and its stdout/stderr pipes per life.
 *              he_live counts those still open; the next life starts only
 *              when it is 0 (invariant 1 of harness.h).
 * Harness-wide: the engine link, and h_defer, a zero-delay timer that
 * delivers ho_join and harness-raised RAS events from the loop rather than
 * from inside the srv_harness_* call that caused them (invariant 4).
 *
 * h_handles counts every open handle of the harness (engine timers, live
 * handles, h_defer, the link as one); srv_harness_close frees the harness
 * when it reaches 0.
 *
 * RAS events raised here: engine_died for every exit nobody asked for (its
 * exit status or signal), and, when that exit was by SIGABRT (assert(),
 * abort(), glibc's heap checks), engine_asserted as well, once the life's
 * pipes are drained so that its message can quote the assertion the engine
 * printed on stderr (glibc: "...: Assertion `expr' failed."). Both are
 * STATE_CHANGE events with the rank and incarnation of the life that ended.
 */
#define D_LOGFAC DD_FAC(control)

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/rankset.h"
#include "bio/bio.h"
#include "control/harness.h"

/* Variables of the server's environment that every engine inherits. */
static const char *const harness_env_inherit[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "LD_LIBRARY_PATH",
	"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL,
};

enum he_timer_what {
	HT_NONE = 0,
	HT_REGISTER,
	HT_STOP_TERM,
	HT_STOP_KILL,
	HT_LINK_LOST,
};

/* Read buffer of one engine pipe. */
#define HE_RBUF_SIZE 4096

struct he_line {
	char   ln_buf[SRV_HARNESS_LINE_MAX];
	size_t ln_len;
};

struct srv_engine {
	struct srv_harness          *he_h;
	uint32_t                     he_idx;
	const struct srv_engine_cfg *he_cfg;
	enum srv_engine_state        he_state;
	uv_timer_t                   he_timer;
	enum he_timer_what           he_timer_what;
	uv_process_t                 he_proc;
	uv_pipe_t                    he_pipe[2];
	char                         he_rbuf[2][HE_RBUF_SIZE];
	struct he_line               he_line[2];
	int                          he_live;         /* open handles of this life */
	bool                         he_running;      /* exit callback not yet run */
	pid_t                        he_pid;
	struct engine_conn          *he_conn;
	bool                         he_registered;
	bool                         he_joined;       /* this life */
	bool                         he_exit_expected;
	bool                         he_exit_error;   /* expected, but still ERRORED */
	bool                         he_restart;      /* start again once gone */
	uint32_t                     he_rank;
	uint64_t                     he_inc;
	uint64_t                     he_map_version;
	uint32_t                     he_starts;
	int                          he_exit_status;
	int                          he_exit_signal;
	char                         he_error[ENGINE_LINK_ERR_MAX];
	struct srv_join_req          he_join;
	bool                         he_join_pending; /* deliver ho_join from h_defer */
	bool                         he_ras_pending;  /* deliver he_ras from h_defer */
	struct d_ras_event           he_ras;
	bool                         he_abort_pending; /* raise he_abort when the life is gone */
	struct d_ras_event           he_abort;        /* engine_asserted of the life that ended */
	char                         he_assert[D_RAS_MSG_MAX]; /* last assertion line on stderr */
};

struct srv_harness {
	uv_loop_t               *h_loop;
	const struct srv_config *h_cfg;
	struct srv_harness_ops   h_ops;
	void                    *h_arg;
	struct srv_harness_opts  h_opts;
	char                     h_bin[SRV_HARNESS_PATH_MAX];
	char                     h_sock[SRV_HARNESS_PATH_MAX];
	struct engine_link      *h_link;
	uv_timer_t               h_defer;
	struct srv_engine        h_engines[SRV_ENGINES_MAX];
	uint32_t                 h_engines_nr;
	int                      h_handles;
	bool                     h_closing;
	void                   (*h_close_cb)(void *arg);
	void                    *h_close_arg;
};

static const char *const state_names[] = {
	"stopped", "starting", "awaiting format", "joining", "joined", "ready", "stopping",
	"errored",
};

const char *
srv_engine_state_name(int state)
{
	if (state < SRV_ENGINE_STOPPED || state > SRV_ENGINE_ERRORED)
		return NULL;
	return state_names[state];
}

static int engine_spawn(struct srv_engine *e, char *errbuf, size_t errlen);

/* ---- Small helpers ---- */

static void
set_state(struct srv_engine *e, enum srv_engine_state state)
{
	enum srv_engine_state old = e->he_state;

	if (old == state)
		return;
	e->he_state = state;
	D_INFO("engine %u: %s -> %s\n", e->he_idx, state_names[old], state_names[state]);
	if (e->he_h->h_ops.ho_state != NULL)
		e->he_h->h_ops.ho_state(e->he_h->h_arg, e->he_idx, old, state);
}

static void he_timer_cb(uv_timer_t *t);

static void
timer_arm(struct srv_engine *e, enum he_timer_what what, uint32_t ms)
{
	e->he_timer_what = what;
	/* The loop's clock is cached: the caller may have blocked since (a format). */
	uv_update_time(e->he_h->h_loop);
	(void)uv_timer_start(&e->he_timer, he_timer_cb, ms, 0);
}

static void
timer_disarm(struct srv_engine *e)
{
	e->he_timer_what = HT_NONE;
	(void)uv_timer_stop(&e->he_timer);
}

static void
engine_signal(struct srv_engine *e, int sig)
{
	int rc;

	if (!e->he_running)
		return;
	rc = uv_process_kill(&e->he_proc, sig);
	if (rc != 0 && rc != UV_ESRCH)
		D_ERROR("engine %u: kill(%d, %d): %s\n", e->he_idx, (int)e->he_pid, sig,
			uv_strerror(rc));
}

static void
harness_maybe_free(struct srv_harness *h)
{
	if (!h->h_closing || h->h_handles > 0)
		return;
	if (h->h_close_cb != NULL)
		h->h_close_cb(h->h_close_arg);
	free(h);
}

static void
h_handle_closed(uv_handle_t *handle)
{
	struct srv_harness *h = handle->data;

	h->h_handles--;
	harness_maybe_free(h);
}

static void defer_cb(uv_timer_t *t);

static void
defer_kick(struct srv_harness *h)
{
	if (!h->h_closing)
		(void)uv_timer_start(&h->h_defer, defer_cb, 0, 0);
}

static void
defer_cb(uv_timer_t *t)
{
	struct srv_harness *h = t->data;

	for (uint32_t i = 0; i < h->h_engines_nr && !h->h_closing; i++) {
		struct srv_engine *e = &h->h_engines[i];

		if (e->he_ras_pending) {
			e->he_ras_pending = false;
			if (h->h_ops.ho_ras != NULL)
				h->h_ops.ho_ras(h->h_arg, e->he_idx, &e->he_ras);
		}
		if (e->he_join_pending) {
			e->he_join_pending = false;
			if (e->he_state == SRV_ENGINE_JOINING && h->h_ops.ho_join != NULL)
				h->h_ops.ho_join(h->h_arg, e->he_idx, &e->he_join);
		}
	}
}

/* ---- Life of a process ---- */

static void
life_handle_closed(uv_handle_t *handle)
{
	struct srv_engine  *e = handle->data;
	struct srv_harness *h = e->he_h;
	char                err[ENGINE_LINK_ERR_MAX];

	e->he_live--;
	h->h_handles--;
	if (e->he_live > 0) {
		harness_maybe_free(h);
		return;
	}
	if (e->he_abort_pending) {
		/* Every pipe is drained: the assertion line, if any, has been read. */
		char msg[D_RAS_MSG_MAX + 32];

		e->he_abort_pending = false;
		snprintf(msg, sizeof(msg), "DAOS engine %u asserted: %s", e->he_idx,
			 e->he_assert[0] != '\0' ? e->he_assert
						 : "killed by signal 6 (Aborted), no assertion "
						   "message");
		d_ras_event_set_msg(&e->he_abort, msg);
		if (!h->h_closing && h->h_ops.ho_ras != NULL)
			h->h_ops.ho_ras(h->h_arg, e->he_idx, &e->he_abort);
	}
	if (e->he_restart && !h->h_closing) {
		e->he_restart = false;
		if (engine_spawn(e, err, sizeof(err)) != 0)
			D_ERROR("engine %u: restart failed: %s\n", e->he_idx, err);
	}
	harness_maybe_free(h);
}

static void
line_emit(struct srv_engine *e, int stream, const char *line)
{
	struct srv_harness *h = e->he_h;

	if (stream == 2) {
		D_NOTE("engine %u stderr: %s\n", e->he_idx, line);
		/* glibc's assert(): "<prog>: <file>:<line>: <func>: Assertion `<expr>' failed." */
		if (strstr(line, "Assertion") != NULL && strstr(line, "failed") != NULL)
			snprintf(e->he_assert, sizeof(e->he_assert), "%s", line);
	} else {
		D_INFO("engine %u: %s\n", e->he_idx, line);
	}
	if (h->h_ops.ho_output != NULL && !h->h_closing)
		h->h_ops.ho_output(h->h_arg, e->he_idx, stream, line);
}

static void
pipe_alloc_cb(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct srv_engine *e = handle->data;
	int                s = (uv_pipe_t *)handle == &e->he_pipe[0] ? 0 : 1;

	(void)suggested;
	buf->base = e->he_rbuf[s];
	buf->len  = sizeof(e->he_rbuf[s]);
}

static void
pipe_read_cb(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct srv_engine *e  = stream->data;
	int                s  = (uv_pipe_t *)stream == &e->he_pipe[0] ? 0 : 1;
	struct he_line    *ln = &e->he_line[s];

	if (nread < 0) {
		if (ln->ln_len > 0) {
			ln->ln_buf[ln->ln_len] = '\0';
			line_emit(e, s + 1, ln->ln_buf);
			ln->ln_len = 0;
		}
		if (nread != UV_EOF)
			D_WARN("engine %u: reading its output: %s\n", e->he_idx,
			       uv_strerror((int)nread));
		uv_close((uv_handle_t *)stream, life_handle_closed);
		return;
	}
	for (ssize_t i = 0; i < nread; i++) {
		char c = buf->base[i];

		if (c == '\n') {
			ln->ln_buf[ln->ln_len] = '\0';
			line_emit(e, s + 1, ln->ln_buf);
			ln->ln_len = 0;
		} else if (ln->ln_len < sizeof(ln->ln_buf) - 1) {
			ln->ln_buf[ln->ln_len++] = c; /* longer lines are cut */
		}
	}
}

/* Describe how a process ended, for engine_died and the logs. */
static void
exit_describe(int64_t status, int sig, char *buf, size_t len)
{
	if (sig != 0)
		snprintf(buf, len, "killed by signal %d (%s)", sig, strsignal(sig));
	else
		snprintf(buf, len, "exit status %lld (%s)", (long long)status,
			 engine_exit_str((int)status));
}

static void
engine_exit_cb(uv_process_t *proc, int64_t status, int sig)
{
	struct srv_engine  *e = proc->data;
	struct srv_harness *h = e->he_h;
	char                how[96];
	char                msg[D_RAS_MSG_MAX];

	e->he_running     = false;
	e->he_exit_status = sig != 0 ? -1 : (int)status;
	e->he_exit_signal = sig;
	timer_disarm(e);
	uv_close((uv_handle_t *)proc, life_handle_closed);
	if (e->he_conn != NULL) {
		engine_conn_set_data(e->he_conn, NULL);
		engine_link_conn_close(e->he_conn);
		e->he_conn = NULL;
	}
	exit_describe(status, sig, how, sizeof(how));
	e->he_join_pending = false;

	if (e->he_exit_expected || h->h_closing) {
		D_INFO("engine %u (pid %d) exited: %s\n", e->he_idx, (int)e->he_pid, how);
		set_state(e, e->he_exit_error ? SRV_ENGINE_ERRORED : SRV_ENGINE_STOPPED);
	} else {
		D_ERROR("engine %u (pid %d) exited unexpectedly: %s%s%s\n", e->he_idx,
			(int)e->he_pid, how, e->he_error[0] != '\0' ? "; " : "", e->he_error);
		d_errbuf_printf(msg, sizeof(msg), "DAOS engine %u exited unexpectedly: %s", e->he_idx,
				how);
		if (d_ras_event_init(&e->he_ras, RAS_ENGINE_DIED, msg) == 0) {
			if (e->he_joined) {
				d_ras_event_set_rank(&e->he_ras, e->he_rank);
				d_ras_event_set_inc(&e->he_ras, e->he_inc);
			}
			(void)d_ras_event_set_pid(&e->he_ras, (int32_t)e->he_pid);
			e->he_ras.ev_flags &= ~D_RAS_F_TID;
			e->he_ras.ev_tid = 0;
			if (h->h_ops.ho_ras != NULL)
				h->h_ops.ho_ras(h->h_arg, e->he_idx, &e->he_ras);
			/* Same rank, incarnation and pid; the message once stderr is read. */
			if (sig == SIGABRT &&
			    d_ras_event_init(&e->he_abort, RAS_ENGINE_ASSERTED, NULL) == 0) {
				if (e->he_joined) {
					d_ras_event_set_rank(&e->he_abort, e->he_rank);
					d_ras_event_set_inc(&e->he_abort, e->he_inc);
				}
				(void)d_ras_event_set_pid(&e->he_abort, (int32_t)e->he_pid);
				e->he_abort.ev_flags &= ~D_RAS_F_TID;
				e->he_abort.ev_tid  = 0;
				e->he_abort_pending = true;
			}
		}
		set_state(e, SRV_ENGINE_ERRORED);
	}
	e->he_pid = 0;
}

/* ---- Command line and environment ---- */

struct strvec {
	char    *sv_items[SRV_HARNESS_ENV_MAX + 1];
	uint32_t sv_nr;
};

static void
strvec_free(struct strvec *v)
{
	for (uint32_t i = 0; i < v->sv_nr; i++)
		free(v->sv_items[i]);
	v->sv_nr = 0;
}

/* Add NAME=VALUE, replacing an earlier entry of the same name. */
static int
env_put(struct strvec *v, const char *name, size_t nlen, const char *value)
{
	char *s;

	if (asprintf(&s, "%.*s=%s", (int)nlen, name, value) < 0)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < v->sv_nr; i++) {
		if (strncmp(v->sv_items[i], s, nlen + 1) == 0) {
			free(v->sv_items[i]);
			v->sv_items[i] = s;
			return 0;
		}
	}
	if (v->sv_nr >= SRV_HARNESS_ENV_MAX) {
		free(s);
		return -DER_OVERFLOW;
	}
	v->sv_items[v->sv_nr++] = s;
	v->sv_items[v->sv_nr]   = NULL;
	return 0;
}

static int
env_put2(struct strvec *v, const char *name, const char *value)
{
	return env_put(v, name, strlen(name), value);
}

static int
env_inherit(struct strvec *v, const char *name)
{
	const char *val = getenv(name);

	return val == NULL ? 0 : env_put2(v, name, val);
}

static int
engine_env(const struct srv_engine *e, struct strvec *v)
{
	const struct srv_config     *cfg = e->he_h->h_cfg;
	const struct srv_engine_cfg *ec  = e->he_cfg;
	char                         num[24];
	uint32_t                     crt;
	int                          rc = 0;

	for (unsigned i = 0; harness_env_inherit[i] != NULL && rc == 0; i++)
		rc = env_inherit(v, harness_env_inherit[i]);
	for (uint32_t i = 0; i < ec->ec_env_pass_through.sl_nr && rc == 0; i++)
		rc = env_inherit(v, ec->ec_env_pass_through.sl_items[i]);
	for (uint32_t i = 0; i < ec->ec_env_vars.sl_nr && rc == 0; i++) {
		const char *kv = ec->ec_env_vars.sl_items[i];
		const char *eq = strchr(kv, '=');

		if (eq != NULL && eq != kv)
			rc = env_put(v, kv, (size_t)(eq - kv), eq + 1);
	}
	if (rc == 0 && ec->ec_log_file != NULL)
		rc = env_put2(v, "D_LOG_FILE", ec->ec_log_file);
	if (rc == 0)
		rc = env_put2(v, "D_LOG_MASK",
			      ec->ec_log_mask != NULL ? ec->ec_log_mask : SRV_DEFAULT_LOG_MASK);
	if (rc == 0)
		rc = env_put2(v, ENGINE_LINK_SOCK_ENV, e->he_h->h_sock);
	if (rc == 0 && ec->ec_provider != NULL)
		rc = env_put2(v, "D_PROVIDER", ec->ec_provider);
	if (rc == 0 && ec->ec_fabric_iface != NULL)
		rc = env_put2(v, "D_INTERFACE", ec->ec_fabric_iface);
	if (rc == 0 && ec->ec_fabric_iface_port != 0) {
		snprintf(num, sizeof(num), "%u", ec->ec_fabric_iface_port);
		rc = env_put2(v, "D_PORT", num);
	}
	crt = ec->ec_crt_timeout_s != 0 ? ec->ec_crt_timeout_s : cfg->sc_crt_timeout_s;
	if (rc == 0 && crt != 0) {
		snprintf(num, sizeof(num), "%u", crt);
		rc = env_put2(v, "CRT_TIMEOUT", num);
	}
	return rc;
}

static int
arg_add(struct strvec *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
arg_add(struct strvec *v, const char *fmt, ...)
{
	va_list ap;
	char   *s;
	int     n;

	if (v->sv_nr >= SRV_HARNESS_ARGS_MAX)
		return -DER_OVERFLOW;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -DER_NOMEM;
	v->sv_items[v->sv_nr++] = s;
	v->sv_items[v->sv_nr]   = NULL;
	return 0;
}

static int
engine_args(const struct srv_engine *e, struct strvec *v)
{
	const struct srv_harness    *h  = e->he_h;
	const struct srv_engine_cfg *ec = e->he_cfg;
	int                          rc;

	rc = arg_add(v, "%s", h->h_bin);
	if (rc == 0)
		rc = arg_add(v, "-t");
	if (rc == 0)
		rc = arg_add(v, "%u", ec->ec_targets);
	if (rc == 0)
		rc = arg_add(v, "-x");
	if (rc == 0)
		rc = arg_add(v, "%u", ec->ec_nr_xs_helpers);
	if (rc == 0 && ec->ec_first_core_set) {
		rc = arg_add(v, "-f");
		if (rc == 0)
			rc = arg_add(v, "%u", ec->ec_first_core);
	}
	if (rc == 0 && ec->ec_pinned_numa_node_set) {
		rc = arg_add(v, "-p");
		if (rc == 0)
			rc = arg_add(v, "%u", ec->ec_pinned_numa_node);
	}
	if (rc == 0)
		rc = arg_add(v, "-g");
	if (rc == 0)
		rc = arg_add(v, "%s", h->h_cfg->sc_name);
	if (rc == 0)
		rc = arg_add(v, "-d");
	if (rc == 0)
		rc = arg_add(v, "%s", h->h_cfg->sc_socket_dir);
	if (rc == 0)
		rc = arg_add(v, "-I");
	if (rc == 0)
		rc = arg_add(v, "%u", e->he_idx);
	if (rc == 0)
		rc = arg_add(v, "-s");
	if (rc == 0)
		rc = arg_add(v, "%s", ec->ec_tiers[0].tc_scm_mount);
	if (rc == 0 && ec->ec_bypass_health_chk)
		rc = arg_add(v, "-b");
	return rc;
}

static int
uv2der(int rc)
{
	switch (rc) {
	case UV_ENOENT:
	case UV_ENOTDIR:
		return -DER_NONEXIST;
	case UV_EACCES:
	case UV_EPERM:
		return -DER_NO_PERM;
	case UV_ENOMEM:
		return -DER_NOMEM;
	case UV_EAGAIN:
		return -DER_AGAIN;
	default:
		return -DER_IO;
	}
}

/* The engine's daos_nvme.json; a failure's reason, naming the engine, in he_error. */
static int
nvme_conf_write(struct srv_engine *e)
{
	char err[sizeof(e->he_error)];
	int  rc;

	rc = srv_nvme_conf_write(e->he_cfg, err, sizeof(err));
	if (rc != 0)
		d_errbuf_printf(e->he_error, sizeof(e->he_error), "engine %u: %s", e->he_idx, err);
	return rc;
}

static int
engine_spawn(struct srv_engine *e, char *errbuf, size_t errlen)
{
	struct srv_harness   *h = e->he_h;
	struct strvec        *args, *env;
	uv_process_options_t  po;
	uv_stdio_container_t  stdio[3];
	int                   rc;

	args = calloc(1, sizeof(*args));
	env  = calloc(1, sizeof(*env));
	if (args == NULL || env == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = engine_args(e, args);
	if (rc == 0)
		rc = engine_env(e, env);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "engine %u: cannot build its command line: %s",
				e->he_idx, d_errdesc(rc));
		goto out;
	}
	rc = nvme_conf_write(e);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "%s", e->he_error);
		D_ERROR("%s\n", e->he_error);
		set_state(e, SRV_ENGINE_ERRORED);
		goto out;
	}

	/* A fresh life. */
	e->he_registered    = false;
	e->he_joined        = false;
	e->he_exit_expected = false;
	e->he_exit_error    = false;
	e->he_rank          = D_RANK_NIL;
	e->he_inc           = 0;
	e->he_map_version   = 0;
	e->he_error[0]      = '\0';
	e->he_assert[0]     = '\0';
	e->he_abort_pending = false;
	e->he_line[0].ln_len = 0;
	e->he_line[1].ln_len = 0;

	for (int s = 0; s < 2; s++) {
		(void)uv_pipe_init(h->h_loop, &e->he_pipe[s], 0);
		e->he_pipe[s].data = e;
		e->he_live++;
		h->h_handles++;
	}
	memset(&po, 0, sizeof(po));
	stdio[0].flags       = UV_IGNORE;
	stdio[1].flags       = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&e->he_pipe[0];
	stdio[2].flags       = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&e->he_pipe[1];
	po.exit_cb           = engine_exit_cb;
	po.file              = h->h_bin;
	po.args              = args->sv_items;
	po.env               = env->sv_items;
	po.stdio_count       = 3;
	po.stdio             = stdio;
	e->he_proc.data      = e;
	rc = uv_spawn(h->h_loop, &e->he_proc, &po);
	e->he_live++;
	h->h_handles++;
	e->he_starts++;
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "engine %u: cannot start %s: %s", e->he_idx,
				h->h_bin, uv_strerror(rc));
		d_errbuf_printf(e->he_error, sizeof(e->he_error), "cannot start %s: %s", h->h_bin,
				uv_strerror(rc));
		D_ERROR("engine %u: %s\n", e->he_idx, e->he_error);
		uv_close((uv_handle_t *)&e->he_proc, life_handle_closed);
		uv_close((uv_handle_t *)&e->he_pipe[0], life_handle_closed);
		uv_close((uv_handle_t *)&e->he_pipe[1], life_handle_closed);
		set_state(e, SRV_ENGINE_ERRORED);
		rc = uv2der(rc);
		goto out;
	}
	e->he_running = true;
	e->he_pid     = e->he_proc.pid;
	(void)uv_read_start((uv_stream_t *)&e->he_pipe[0], pipe_alloc_cb, pipe_read_cb);
	(void)uv_read_start((uv_stream_t *)&e->he_pipe[1], pipe_alloc_cb, pipe_read_cb);
	D_INFO("engine %u: started %s as pid %d\n", e->he_idx, h->h_bin, (int)e->he_pid);
	set_state(e, SRV_ENGINE_STARTING);
	timer_arm(e, HT_REGISTER, h->h_opts.hopt_register_ms);
out:
	if (args != NULL)
		strvec_free(args);
	if (env != NULL)
		strvec_free(env);
	free(args);
	free(env);
	return rc;
}

/* ---- Timers ---- */

static void
he_timer_cb(uv_timer_t *t)
{
	struct srv_engine  *e    = t->data;
	struct srv_harness *h    = e->he_h;
	enum he_timer_what  what = e->he_timer_what;

	e->he_timer_what = HT_NONE;
	if (!e->he_running)
		return;
	switch (what) {
	case HT_REGISTER:
		d_errbuf_printf(e->he_error, sizeof(e->he_error), "did not register within %u ms",
				h->h_opts.hopt_register_ms);
		D_ERROR("engine %u (pid %d) %s: killing it\n", e->he_idx, (int)e->he_pid,
			e->he_error);
		engine_signal(e, SIGKILL);
		break;
	case HT_LINK_LOST:
		d_errbuf_printf(e->he_error, sizeof(e->he_error),
				"lost its link to daos_server and did not exit within %u ms",
				h->h_opts.hopt_link_lost_ms);
		D_ERROR("engine %u (pid %d) %s: killing it\n", e->he_idx, (int)e->he_pid,
			e->he_error);
		engine_signal(e, SIGKILL);
		break;
	case HT_STOP_TERM:
		D_WARN("engine %u (pid %d) did not stop within %u ms: SIGTERM\n", e->he_idx,
		       (int)e->he_pid, h->h_opts.hopt_stop_term_ms);
		engine_signal(e, SIGTERM);
		timer_arm(e, HT_STOP_KILL, h->h_opts.hopt_stop_kill_ms);
		break;
	case HT_STOP_KILL:
		D_ERROR("engine %u (pid %d) ignored SIGTERM for %u ms: SIGKILL\n", e->he_idx,
			(int)e->he_pid, h->h_opts.hopt_stop_kill_ms);
		engine_signal(e, SIGKILL);
		break;
	case HT_NONE:
		break;
	}
}

/* ---- Link callbacks ---- */

static int
link_accept(void *arg, struct engine_conn *conn, const struct engine_peer *peer)
{
	struct srv_harness *h = arg;

	if (h->h_closing)
		return -DER_SHUTDOWN;
	if (peer->ep_uid != geteuid() && peer->ep_uid != 0) {
		D_ERROR("engine link: peer pid %d runs as uid %d, not ours\n", (int)peer->ep_pid,
			(int)peer->ep_uid);
		return -DER_NO_PERM;
	}
	for (uint32_t i = 0; i < h->h_engines_nr; i++) {
		struct srv_engine *e = &h->h_engines[i];

		if (!e->he_running || e->he_pid != peer->ep_pid)
			continue;
		if (e->he_conn != NULL) {
			D_ERROR("engine %u: second connection from pid %d refused\n", e->he_idx,
				(int)peer->ep_pid);
			return -DER_ALREADY;
		}
		e->he_conn = conn;
		engine_conn_set_data(conn, e);
		if (e->he_timer_what == HT_LINK_LOST)
			timer_disarm(e);
		return 0;
	}
	D_ERROR("engine link: pid %d is not one of our engines\n", (int)peer->ep_pid);
	return -DER_NO_PERM;
}

/* The engine exits after a refused registration: expected, but an error. */
static void
register_refused(struct srv_engine *e, const struct engine_reg_reply *rr)
{
	d_errbuf_printf(e->he_error, sizeof(e->he_error), "registration refused: %s", rr->rr_error);
	D_ERROR("engine %u (pid %d): %s\n", e->he_idx, (int)e->he_pid, e->he_error);
	e->he_exit_expected = true;
	e->he_exit_error    = true;
	set_state(e, SRV_ENGINE_STOPPING);
	timer_arm(e, HT_STOP_TERM, e->he_h->h_opts.hopt_stop_term_ms);
}

static void
link_register(void *arg, struct engine_conn *conn, const struct engine_reg *reg,
	      struct engine_reg_reply *rr)
{
	struct srv_harness   *h = arg;
	struct srv_engine    *e = engine_conn_data(conn);
	struct srv_superblock sb;
	char                  why[ENGINE_LINK_ERR_MAX];
	int                   rc;

	if (e == NULL || h->h_closing) {
		rr->rr_status = -DER_SHUTDOWN;
		d_errbuf_printf(rr->rr_error, sizeof(rr->rr_error), "daos_server is shutting down");
		return;
	}
	if (reg->er_idx != e->he_idx) {
		rr->rr_status = -DER_INVAL;
		d_errbuf_printf(rr->rr_error, sizeof(rr->rr_error),
				"registered as engine %u but started as engine %u", reg->er_idx,
				e->he_idx);
		register_refused(e, rr);
		return;
	}
	if (e->he_registered) {
		rr->rr_status = -DER_ALREADY;
		d_errbuf_printf(rr->rr_error, sizeof(rr->rr_error), "engine %u registered already",
				e->he_idx);
		return;
	}
	if (e->he_state != SRV_ENGINE_STARTING) {
		rr->rr_status = -DER_SHUTDOWN;
		d_errbuf_printf(rr->rr_error, sizeof(rr->rr_error), "engine %u is %s", e->he_idx,
				state_names[e->he_state]);
		return;
	}
	d_errbuf_printf(rr->rr_sys_name, sizeof(rr->rr_sys_name), "%s", h->h_cfg->sc_name);
	rc = srv_superblock_read(e->he_cfg->ec_tiers[0].tc_scm_mount, &sb, why, sizeof(why));
	if (rc == 0) {
		if (strcmp(sb.sb_system, h->h_cfg->sc_name) != 0 || sb.sb_engine_idx != e->he_idx) {
			rr->rr_status = -DER_MISMATCH;
			d_errbuf_printf(rr->rr_error, sizeof(rr->rr_error),
					"storage was formatted for engine %u of system '%s', not engine "
					"%u of '%s'", sb.sb_engine_idx, sb.sb_system, e->he_idx,
					h->h_cfg->sc_name);
			srv_superblock_free(&sb);
			register_refused(e, rr);
			return;
		}
		rr->rr_formatted = true;
		rr->rr_rank      = sb.sb_rank;
		memset(&e->he_join, 0, sizeof(e->he_join));
		e->he_join.jr_idx = e->he_idx;
		uuid_copy(e->he_join.jr_uuid, sb.sb_uuid);
		e->he_join.jr_rank    = sb.sb_rank;
		e->he_join.jr_replace = sb.sb_replace;
		srv_superblock_free(&sb);
	} else {
		rr->rr_formatted = false;
		if (rc != -DER_NONEXIST) {
			const char *mnt    = e->he_cfg->ec_tiers[0].tc_scm_mount;
			const char *reason = why;

			/* The engine's RAS message (128 bytes) needs the reason, not the path. */
			if (strncmp(why, mnt, strlen(mnt)) == 0 &&
			    strstr(why + strlen(mnt), ": ") != NULL)
				reason = strstr(why + strlen(mnt), ": ") + 2;
			d_errbuf_printf(rr->rr_sb_error, sizeof(rr->rr_sb_error), "%s", reason);
			d_errbuf_printf(e->he_error, sizeof(e->he_error), "%s", why);
			D_ERROR("engine %u: %s\n", e->he_idx, why);
		}
	}
	e->he_registered = true;
	timer_disarm(e);
	e->he_join.jr_targets = reg->er_targets;
	e->he_join.jr_pid     = reg->er_pid;
	d_errbuf_printf(e->he_join.jr_fabric_uri, sizeof(e->he_join.jr_fabric_uri), "%s",
			reg->er_fabric_uri);
	D_INFO("engine %u (pid %d) registered: %s\n", e->he_idx, (int)reg->er_pid,
	       rr->rr_formatted ? "formatted" : "needs a format");
	if (rr->rr_formatted) {
		set_state(e, SRV_ENGINE_JOINING);
		/* After the reply is sent: the engine expects it first. */
		e->he_join_pending = true;
		defer_kick(h);
	} else {
		set_state(e, SRV_ENGINE_AWAIT_FORMAT);
	}
}

static void
link_ras_event(void *arg, struct engine_conn *conn, const struct d_ras_event *ev)
{
	struct srv_harness *h = arg;
	struct srv_engine  *e = engine_conn_data(conn);

	if (e == NULL || h->h_closing)
		return;
	if (h->h_ops.ho_ras != NULL)
		h->h_ops.ho_ras(h->h_arg, e->he_idx, ev);
}

static void
link_ready(void *arg, struct engine_conn *conn, uint32_t rank, uint64_t inc)
{
	struct srv_engine *e = engine_conn_data(conn);

	(void)arg;
	if (e == NULL)
		return;
	if (e->he_state != SRV_ENGINE_JOINED || rank != e->he_rank || inc != e->he_inc) {
		D_WARN("engine %u: unexpected ready (rank %u inc %llu) in state %s\n", e->he_idx,
		       rank, (unsigned long long)inc, state_names[e->he_state]);
		return;
	}
	D_INFO("engine %u ready: rank %u incarnation %llu\n", e->he_idx, rank,
	       (unsigned long long)inc);
	set_state(e, SRV_ENGINE_READY);
}

static void
link_closed(void *arg, struct engine_conn *conn)
{
	struct srv_harness *h = arg;
	struct srv_engine  *e = engine_conn_data(conn);

	if (e == NULL)
		return;
	e->he_conn = NULL;
	if (h->h_closing || !e->he_running || e->he_state == SRV_ENGINE_STOPPING)
		return;
	D_WARN("engine %u (pid %d) lost its link: waiting %u ms for it to exit\n", e->he_idx,
	       (int)e->he_pid, h->h_opts.hopt_link_lost_ms);
	timer_arm(e, HT_LINK_LOST, h->h_opts.hopt_link_lost_ms);
}

static const struct engine_link_ops harness_link_ops = {
	.elo_accept    = link_accept,
	.elo_register  = link_register,
	.elo_ras_event = link_ras_event,
	.elo_ready     = link_ready,
	.elo_closed    = link_closed,
};

/* ---- Public API ---- */

static int
find_engine_bin(const struct srv_harness_opts *opts, char *bin, size_t len, char *errbuf,
		size_t errlen)
{
	const char *p = opts != NULL ? opts->hopt_engine_bin : NULL;
	char        self[PATH_MAX];
	ssize_t     n;
	char       *slash;

	if (p == NULL || p[0] == '\0')
		p = getenv(SRV_HARNESS_BIN_ENV);
	if (p != NULL && p[0] != '\0') {
		if (strlen(p) >= len) {
			d_errbuf_printf(errbuf, errlen, "engine binary path is too long");
			return -DER_INVAL;
		}
		memcpy(bin, p, strlen(p) + 1);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		d_errbuf_printf(errbuf, errlen,
				"cannot find daos_engine: set %s or install it next to daos_server",
				SRV_HARNESS_BIN_ENV);
		return -DER_INVAL;
	}
	self[n] = '\0';
	slash   = strrchr(self, '/');
	if (slash == NULL || (size_t)(slash - self) + sizeof("/daos_engine") > len) {
		d_errbuf_printf(errbuf, errlen, "cannot derive the daos_engine path from %s",
				self);
		return -DER_INVAL;
	}
	snprintf(bin, len, "%.*s/daos_engine", (int)(slash - self), self);
	return 0;
}

int
srv_harness_create(struct uv_loop_s *loop, const struct srv_config *cfg,
		   const struct srv_harness_opts *opts, const struct srv_harness_ops *ops,
		   void *arg, struct srv_harness **out, char *errbuf, size_t errlen)
{
	struct srv_harness *h;
	int                 rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (loop == NULL || cfg == NULL || ops == NULL || out == NULL ||
	    cfg->sc_engines_nr > SRV_ENGINES_MAX || cfg->sc_name == NULL ||
	    cfg->sc_socket_dir == NULL) {
		d_errbuf_printf(errbuf, errlen, "harness: missing argument or configuration");
		return -DER_INVAL;
	}
	for (uint32_t i = 0; i < cfg->sc_engines_nr; i++) {
		const struct srv_engine_cfg *ec = &cfg->sc_engines[i];

		if (ec->ec_tiers_nr == 0 || ec->ec_tiers[0].tc_scm_mount == NULL) {
			d_errbuf_printf(errbuf, errlen, "harness: engine %u has no scm_mount", i);
			return -DER_INVAL;
		}
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -DER_NOMEM;
	rc = find_engine_bin(opts, h->h_bin, sizeof(h->h_bin), errbuf, errlen);
	if (rc != 0)
		goto fail;
	if (snprintf(h->h_sock, sizeof(h->h_sock), "%s/%s", cfg->sc_socket_dir,
		     ENGINE_LINK_SOCK_NAME) >= (int)sizeof(h->h_sock)) {
		d_errbuf_printf(errbuf, errlen, "harness: socket_dir is too long");
		rc = -DER_INVAL;
		goto fail;
	}
	if (mkdir(cfg->sc_socket_dir, 0700) != 0 && errno != EEXIST) {
		d_errbuf_printf(errbuf, errlen, "harness: cannot create socket_dir %s: %s",
				cfg->sc_socket_dir, strerror(errno));
		rc = errno == ENOENT ? -DER_NONEXIST : errno == EACCES ? -DER_NO_PERM : -DER_IO;
		goto fail;
	}
	h->h_loop = loop;
	h->h_cfg  = cfg;
	h->h_ops  = *ops;
	h->h_arg  = arg;
	if (opts != NULL)
		h->h_opts = *opts;
	h->h_opts.hopt_engine_bin = NULL; /* copied into h_bin */
#define DEF(f, v) h->h_opts.f = h->h_opts.f != 0 ? h->h_opts.f : (v)
	DEF(hopt_register_ms, SRV_HARNESS_REGISTER_MS);
	DEF(hopt_stop_term_ms, SRV_HARNESS_STOP_TERM_MS);
	DEF(hopt_stop_kill_ms, SRV_HARNESS_STOP_KILL_MS);
	DEF(hopt_link_lost_ms, SRV_HARNESS_LINK_LOST_MS);
	DEF(hopt_request_ms, ENGINE_LINK_REQ_TIMEOUT_MS);
#undef DEF
	rc = engine_link_create(loop, h->h_sock, &harness_link_ops, h, &h->h_link, errbuf, errlen);
	if (rc != 0)
		goto fail;
	h->h_handles++; /* the link */
	(void)uv_timer_init(loop, &h->h_defer);
	h->h_defer.data = h;
	h->h_handles++;
	h->h_engines_nr = cfg->sc_engines_nr;
	for (uint32_t i = 0; i < h->h_engines_nr; i++) {
		struct srv_engine *e = &h->h_engines[i];

		e->he_h           = h;
		e->he_idx         = i;
		e->he_cfg         = &cfg->sc_engines[i];
		e->he_state       = SRV_ENGINE_STOPPED;
		e->he_rank        = D_RANK_NIL;
		e->he_exit_status = -1;
		(void)uv_timer_init(loop, &e->he_timer);
		e->he_timer.data = e;
		h->h_handles++;
	}
	D_INFO("harness: %u engines, binary %s, socket %s\n", h->h_engines_nr, h->h_bin,
	       h->h_sock);
	*out = h;
	return 0;
fail:
	free(h);
	return rc;
}

int
srv_harness_start(struct srv_harness *h, uint32_t idx, char *errbuf, size_t errlen)
{
	int first = 0;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (h == NULL || h->h_closing || (idx != SRV_HARNESS_ALL && idx >= h->h_engines_nr)) {
		d_errbuf_printf(errbuf, errlen, "no engine %u", idx);
		return -DER_INVAL;
	}
	for (uint32_t i = 0; i < h->h_engines_nr; i++) {
		struct srv_engine *e = &h->h_engines[i];
		int                rc;

		if (idx != SRV_HARNESS_ALL && i != idx)
			continue;
		if (e->he_state != SRV_ENGINE_STOPPED && e->he_state != SRV_ENGINE_ERRORED)
			continue;
		if (e->he_live > 0) {
			/* The last life is still being closed: start when it is. */
			e->he_restart = true;
			continue;
		}
		rc = engine_spawn(e, first == 0 ? errbuf : NULL, first == 0 ? errlen : 0);
		if (rc != 0 && first == 0)
			first = rc;
	}
	return first;
}

static void
engine_stop(struct srv_engine *e, bool force)
{
	struct srv_harness *h = e->he_h;

	e->he_restart = false;
	if (!e->he_running)
		return;
	e->he_exit_expected = true;
	e->he_join_pending  = false;
	if (force) {
		set_state(e, SRV_ENGINE_STOPPING);
		timer_disarm(e);
		engine_signal(e, SIGKILL);
		return;
	}
	if (e->he_state == SRV_ENGINE_STOPPING)
		return; /* escalation already under way */
	set_state(e, SRV_ENGINE_STOPPING);
	if (e->he_conn != NULL) {
		json_t *msg = json_pack("{s:s, s:b}", "op", ENGINE_OP_STOP, "force", 0);

		if (msg != NULL && engine_link_send(e->he_conn, msg) == 0) {
			json_decref(msg);
			timer_arm(e, HT_STOP_TERM, h->h_opts.hopt_stop_term_ms);
			return;
		}
		json_decref(msg);
	}
	engine_signal(e, SIGTERM);
	timer_arm(e, HT_STOP_KILL, h->h_opts.hopt_stop_kill_ms);
}

int
srv_harness_stop(struct srv_harness *h, uint32_t idx, bool force)
{
	if (h == NULL || (idx != SRV_HARNESS_ALL && idx >= h->h_engines_nr))
		return -DER_INVAL;
	for (uint32_t i = 0; i < h->h_engines_nr; i++)
		if (idx == SRV_HARNESS_ALL || i == idx)
			engine_stop(&h->h_engines[i], force);
	return 0;
}

int
srv_harness_restart(struct srv_harness *h, uint32_t idx)
{
	struct srv_engine *e;

	if (h == NULL || h->h_closing || idx >= h->h_engines_nr)
		return -DER_INVAL;
	e = &h->h_engines[idx];
	if (e->he_running) {
		engine_stop(e, false);
		e->he_restart = true;
		return 0;
	}
	if (e->he_live > 0) {
		e->he_restart = true;
		return 0;
	}
	return srv_harness_start(h, idx, NULL, 0);
}

int
srv_harness_format(struct srv_harness *h, uint32_t idx, bool force,
		   struct srv_format_result *res, char *errbuf, size_t errlen)
{
	struct srv_engine    *e;
	struct srv_superblock sb;
	json_t               *msg;
	int                   rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (h == NULL || idx >= h->h_engines_nr || res == NULL) {
		d_errbuf_printf(errbuf, errlen, "no engine %u", idx);
		return -DER_INVAL;
	}
	e = &h->h_engines[idx];
	if (e->he_state != SRV_ENGINE_STOPPED && e->he_state != SRV_ENGINE_ERRORED &&
	    e->he_state != SRV_ENGINE_AWAIT_FORMAT) {
		memset(res, 0, sizeof(*res));
		d_errbuf_printf(errbuf, errlen, "engine %u is %s: stop it before formatting", idx,
				state_names[e->he_state]);
		res->fr_scm_rc = -DER_BUSY;
		d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg), "engine %u is %s", idx,
				state_names[e->he_state]);
		return -DER_BUSY;
	}
	rc = srv_storage_format(h->h_cfg->sc_name, e->he_cfg, idx, force, res, errbuf, errlen);
	if (rc != 0 || e->he_state != SRV_ENGINE_AWAIT_FORMAT)
		return rc;

	rc = srv_superblock_read(e->he_cfg->ec_tiers[0].tc_scm_mount, &sb, errbuf, errlen);
	if (rc != 0)
		return rc;
	uuid_copy(e->he_join.jr_uuid, sb.sb_uuid);
	e->he_join.jr_rank    = sb.sb_rank;
	e->he_join.jr_replace = sb.sb_replace;
	e->he_join.jr_idx     = idx;
	srv_superblock_free(&sb);
	e->he_error[0] = '\0';
	/* The format wiped the SCM mount: the engine reads its NVMe list after format_done. */
	if (nvme_conf_write(e) != 0)
		D_ERROR("%s: the engine starts without its NVMe tier\n", e->he_error);
	msg = json_pack("{s:s}", "op", ENGINE_OP_FORMAT_DONE);
	if (msg == NULL)
		return -DER_NOMEM;
	if (e->he_join.jr_rank != D_RANK_NIL &&
	    json_object_set_new(msg, "rank", json_integer(e->he_join.jr_rank)) != 0) {
		json_decref(msg);
		return -DER_NOMEM;
	}
	rc = e->he_conn != NULL ? engine_link_send(e->he_conn, msg) : -DER_UNREACH;
	json_decref(msg);
	if (rc != 0) {
		/* Formatted; without its link the engine is being killed (link_lost_ms)
		 * and will find the storage formatted when it is started again. */
		D_WARN("engine %u: formatted, but format_done could not be sent: " DF_RC "\n",
		       idx, DP_RC(rc));
		return 0;
	}
	set_state(e, SRV_ENGINE_JOINING);
	e->he_join_pending = true;
	defer_kick(h);
	return 0;
}

int
srv_harness_join_reply(struct srv_harness *h, uint32_t idx, int status, uint32_t rank,
		       uint64_t inc, uint64_t map_version, const char *error)
{
	struct srv_engine *e;
	char               why[ENGINE_LINK_ERR_MAX];
	json_t            *msg;
	int                rc;

	if (h == NULL || idx >= h->h_engines_nr || status > 0 ||
	    (status == 0 && (rank > D_RANK_MAX || inc > INT64_MAX || map_version > INT64_MAX)))
		return -DER_INVAL;
	e = &h->h_engines[idx];
	if (e->he_state != SRV_ENGINE_JOINING)
		return -DER_BUSY;
	if (e->he_conn == NULL)
		return -DER_UNREACH;
	e->he_join_pending = false;

	if (status != 0) {
		char text[D_RAS_MSG_MAX];

		msg = json_pack("{s:s, s:i, s:s}", "op", ENGINE_OP_JOIN_REPLY, "status", status,
				"error", error != NULL ? error : d_errdesc(status));
		if (msg == NULL)
			return -DER_NOMEM;
		rc = engine_link_send(e->he_conn, msg);
		json_decref(msg);
		d_errbuf_printf(e->he_error, sizeof(e->he_error), "join failed: %s",
				error != NULL ? error : d_errdesc(status));
		D_ERROR("engine %u: %s\n", e->he_idx, e->he_error);
		e->he_exit_expected = true;
		e->he_exit_error    = true;
		set_state(e, SRV_ENGINE_STOPPING);
		if (rc != 0)
			engine_signal(e, SIGTERM);
		timer_arm(e, rc != 0 ? HT_STOP_KILL : HT_STOP_TERM,
			  rc != 0 ? h->h_opts.hopt_stop_kill_ms : h->h_opts.hopt_stop_term_ms);
		d_errbuf_printf(text, sizeof(text), "DAOS engine %u failed to join the system: %s",
				e->he_idx, error != NULL ? error : d_errdesc(status));
		if (d_ras_event_init(&e->he_ras, RAS_ENGINE_JOIN_FAILED, text) == 0) {
			e->he_ras_pending = true;
			defer_kick(h);
		}
		return 0;
	}

	rc = srv_superblock_set_rank(e->he_cfg->ec_tiers[0].tc_scm_mount, rank, why, sizeof(why));
	if (rc != 0)
		D_ERROR("engine %u: cannot record rank %u in the superblock: %s\n", e->he_idx,
			rank, why);
	msg = json_pack("{s:s, s:i, s:I, s:I, s:I}", "op", ENGINE_OP_JOIN_REPLY, "status", 0,
			"rank", (json_int_t)rank, "incarnation", (json_int_t)inc, "map_version",
			(json_int_t)map_version);
	if (msg == NULL)
		return -DER_NOMEM;
	rc = engine_link_send(e->he_conn, msg);
	json_decref(msg);
	if (rc != 0)
		return rc;
	e->he_rank        = rank;
	e->he_inc         = inc;
	e->he_map_version = map_version;
	e->he_joined      = true;
	set_state(e, SRV_ENGINE_JOINED);
	return 0;
}

struct logmask_req {
	struct srv_harness    *lr_h;
	uint32_t               lr_idx;
	srv_harness_logmask_cb lr_cb;
	void                  *lr_arg;
};

static void
logmask_reply_cb(void *arg, int status, json_t *reply)
{
	struct logmask_req *lr    = arg;
	const char         *error = "";
	const char         *masks = "";

	if (reply != NULL) {
		json_t *v = json_object_get(reply, "error");

		if (json_is_string(v))
			error = json_string_value(v);
		v = json_object_get(reply, "masks");
		if (json_is_string(v))
			masks = json_string_value(v);
	} else {
		error = d_errdesc(status);
	}
	lr->lr_cb(lr->lr_arg, lr->lr_idx, status, error, masks);
	free(lr);
}

int
srv_harness_set_logmasks(struct srv_harness *h, uint32_t idx, const char *masks,
			 srv_harness_logmask_cb cb, void *arg)
{
	struct srv_engine  *e;
	struct logmask_req *lr;
	json_t             *msg;
	int                 rc;

	if (h == NULL || h->h_closing || idx >= h->h_engines_nr || cb == NULL)
		return -DER_INVAL;
	e = &h->h_engines[idx];
	if (e->he_conn == NULL)
		return -DER_UNREACH;
	if (masks == NULL)
		masks = e->he_cfg->ec_log_mask != NULL ? e->he_cfg->ec_log_mask
						       : SRV_DEFAULT_LOG_MASK;
	if (strnlen(masks, D_LOG_MASK_MAX + 1) > D_LOG_MASK_MAX)
		return -DER_INVAL;
	lr = calloc(1, sizeof(*lr));
	if (lr == NULL)
		return -DER_NOMEM;
	*lr = (struct logmask_req){.lr_h = h, .lr_idx = idx, .lr_cb = cb, .lr_arg = arg};
	msg = json_pack("{s:s, s:s}", "op", ENGINE_OP_SET_LOGMASKS, "masks", masks);
	if (msg == NULL) {
		free(lr);
		return -DER_NOMEM;
	}
	rc = engine_link_request(e->he_conn, msg, h->h_opts.hopt_request_ms, logmask_reply_cb,
				 lr);
	json_decref(msg);
	if (rc != 0)
		free(lr);
	return rc;
}

struct fwd_req {
	uint32_t             fr_idx;
	srv_harness_reply_cb fr_cb;
	void                *fr_arg;
};

static void
fwd_reply_cb(void *arg, int status, json_t *reply)
{
	struct fwd_req *fr = arg;

	fr->fr_cb(fr->fr_arg, fr->fr_idx, status, reply);
	free(fr);
}

int
srv_harness_request(struct srv_harness *h, uint32_t idx, json_t *msg, uint32_t timeout_ms,
		    srv_harness_reply_cb cb, void *arg)
{
	struct srv_engine *e;
	struct fwd_req    *fr;
	int                rc;

	if (h == NULL || h->h_closing || idx >= h->h_engines_nr || cb == NULL ||
	    !json_is_object(msg))
		return -DER_INVAL;
	e = &h->h_engines[idx];
	if (e->he_conn == NULL)
		return -DER_UNREACH;
	fr = calloc(1, sizeof(*fr));
	if (fr == NULL)
		return -DER_NOMEM;
	*fr = (struct fwd_req){.fr_idx = idx, .fr_cb = cb, .fr_arg = arg};
	rc = engine_link_request(e->he_conn, msg,
				 timeout_ms != 0 ? timeout_ms : h->h_opts.hopt_request_ms,
				 fwd_reply_cb, fr);
	if (rc != 0)
		free(fr);
	return rc;
}

uint32_t
srv_harness_engine_nr(const struct srv_harness *h)
{
	return h == NULL ? 0 : h->h_engines_nr;
}

int
srv_harness_engine_info(const struct srv_harness *h, uint32_t idx, struct srv_engine_info *info)
{
	const struct srv_engine *e;

	if (h == NULL || info == NULL || idx >= h->h_engines_nr)
		return -DER_INVAL;
	e                    = &h->h_engines[idx];
	info->ei_state       = e->he_state;
	info->ei_pid         = e->he_running ? e->he_pid : 0;
	info->ei_rank        = e->he_rank;
	info->ei_inc         = e->he_inc;
	info->ei_map_version = e->he_map_version;
	info->ei_starts      = e->he_starts;
	info->ei_exit_status = e->he_exit_status;
	info->ei_exit_signal = e->he_exit_signal;
	memcpy(info->ei_error, e->he_error, sizeof(info->ei_error));
	return 0;
}

const char *
srv_harness_socket_path(const struct srv_harness *h)
{
	return h->h_sock;
}

static void
link_closed_cb(void *arg)
{
	struct srv_harness *h = arg;

	h->h_handles--;
	harness_maybe_free(h);
}

void
srv_harness_close(struct srv_harness *h, void (*cb)(void *arg), void *arg)
{
	if (h == NULL || h->h_closing)
		return;
	h->h_closing   = true;
	h->h_close_cb  = cb;
	h->h_close_arg = arg;
	for (uint32_t i = 0; i < h->h_engines_nr; i++) {
		struct srv_engine *e = &h->h_engines[i];

		e->he_restart      = false;
		e->he_join_pending = false;
		e->he_ras_pending  = false;
		if (e->he_running) {
			e->he_exit_expected = true;
			set_state(e, SRV_ENGINE_STOPPING);
			engine_signal(e, SIGKILL);
		}
		timer_disarm(e);
		uv_close((uv_handle_t *)&e->he_timer, h_handle_closed);
		e->he_timer.data = h;
	}
	(void)uv_timer_stop(&h->h_defer);
	uv_close((uv_handle_t *)&h->h_defer, h_handle_closed);
	engine_link_close(h->h_link, link_closed_cb, h);
	h->h_link = NULL;
}
