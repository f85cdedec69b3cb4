/*
 * dmg_call.c: where dmg connects and how. Configuration (daos_control.yml or
 * the built-in defaults), the ordered host list, the fan-out of host
 * commands and the leader-following call of Management Service commands.
 *
 * Threads: dmg_fanout() starts at most DMG_FANOUT_THREADS_MAX threads, each
 * with its own control API client (libcurl handles are per thread) and its own
 * copy of the request; they take hosts from a shared atomic index and write
 * only their own hosts' result slots, so no lock is needed. Everything else
 * runs on the main thread.
 *
 * Invariants:
 *  1. dc_hosts holds 1..DMG_HOSTS_MAX distinct "host:port" strings, in the
 *     order the hostlist (or -l) names them.
 *  2. A leader hint is followed only when it is a valid host:port other than
 *     the host that gave it, and at most DMG_LEADER_HOPS_MAX times per call.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hostset.h"
#include "control/config.h"
#include "control/ctl_http.h"
#include "tools/dmg/dmg.h"

void
dmg_debug(const struct dmg_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx == NULL || ctx->dc_args == NULL || !ctx->dc_args->da_debug)
		return;
	fprintf(stderr, "DEBUG: dmg: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
dmg_hosts_free(char **hosts, uint32_t nr)
{
	for (uint32_t i = 0; i < nr; i++)
		free(hosts[i]);
	free(hosts);
}

/* Append one "host[:port]" unless already listed. */
static int
hosts_append(char ***hosts, uint32_t *nr, struct d_hostset *seen, const char *host,
	     bool has_port, uint32_t port, char *errbuf, size_t errlen)
{
	char   buf[D_HOSTSET_HOST_BUF];
	char **tmp;
	char  *dup;
	int    rc;

	if (has_port)
		snprintf(buf, sizeof(buf), "%s", host);
	else
		d_errbuf_printf(buf, sizeof(buf), "%s:%u", host, port); /* fits: no port yet */
	if (d_hostset_contains(seen, buf))
		return 0;
	if (*nr >= DMG_HOSTS_MAX) {
		d_errbuf_printf(errbuf, errlen, "more than %d hosts", DMG_HOSTS_MAX);
		return -DER_INVAL;
	}
	rc = d_hostset_add(seen, buf);
	if (rc != 0)
		return rc;
	dup = strdup(buf);
	if (dup == NULL)
		return -DER_NOMEM;
	tmp = realloc(*hosts, (*nr + 1) * sizeof(*tmp));
	if (tmp == NULL) {
		free(dup);
		return -DER_NOMEM;
	}
	tmp[(*nr)++] = dup;
	*hosts = tmp;
	return 0;
}

int
dmg_hosts_add(char ***hosts, uint32_t *nr, const char *pattern, uint32_t port, char *errbuf,
	      size_t errlen)
{
	struct d_hostset seen, set;
	char             host[D_HOSTSET_HOST_BUF];
	size_t           len = strnlen(pattern, D_HOSTSET_STR_MAX + 1);
	char            *elem = NULL;
	int              rc;

	d_hostset_init(&seen);
	d_hostset_init(&set);
	/* The whole pattern first: its errors name the pattern. */
	rc = d_hostset_parse(pattern, &set, errbuf, errlen);
	if (rc != 0)
		goto out;
	d_hostset_fini(&set);
	for (uint32_t i = 0; i < *nr; i++) {
		rc = d_hostset_add(&seen, (*hosts)[i]);
		if (rc != 0)
			goto out;
	}
	elem = malloc(len + 1);
	if (elem == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	/* Element by element (commas outside brackets), to keep the given order. */
	for (size_t start = 0, i = 0, depth = 0; i <= len && rc == 0; i++) {
		if (i < len && pattern[i] == '[')
			depth++;
		else if (i < len && pattern[i] == ']' && depth > 0)
			depth--;
		if (i < len && (pattern[i] != ',' || depth > 0))
			continue;
		memcpy(elem, pattern + start, i - start);
		elem[i - start] = '\0';
		start = i + 1;
		d_hostset_init(&set);
		rc = d_hostset_parse(elem, &set, errbuf, errlen);
		for (uint32_t h = 0; rc == 0 && h < d_hostset_count(&set); h++) {
			rc = d_hostset_get(&set, h, host, sizeof(host));
			if (rc == 0)
				rc = hosts_append(hosts, nr, &seen, host,
						  set.hs_hosts[h].he_port != 0, port, errbuf,
						  errlen);
		}
		d_hostset_fini(&set);
	}
out:
	free(elem);
	d_hostset_fini(&set);
	d_hostset_fini(&seen);
	if (rc == -DER_NOMEM)
		d_errbuf_printf(errbuf, errlen, "out of memory");
	return rc;
}

/* Load one candidate file; -DER_NONEXIST lets the caller try the next. */
static int
load_config(const char *path, struct ctl_config *cfg, char *errbuf, size_t errlen)
{
	int rc = ctl_config_load(path, cfg, errbuf, errlen);

	if (rc != 0)
		ctl_config_free(cfg);
	return rc;
}

static int
client_create(const struct dmg_ctx *ctx, struct ctl_http_client **cl, char *errbuf,
	      size_t errlen)
{
	struct ctl_http_client_cfg ccfg = {
		.ccc_insecure = ctx->dc_insecure,
		.ccc_ca_cert  = ctx->dc_ca_cert,
		.ccc_cert     = ctx->dc_cert,
		.ccc_key      = ctx->dc_key,
	};

	return ctl_http_client_create(&ccfg, cl, errbuf, errlen);
}

static int
dup_path(char **dst, const char *src)
{
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst == NULL ? -DER_NOMEM : 0;
}

int
dmg_ctx_init(struct dmg_ctx *ctx, const struct dmg_args *args, char *errbuf, size_t errlen)
{
	struct ctl_config      cfg;
	struct ctl_http_client *cl = NULL;
	const char            *home = getenv("HOME");
	const char            *ca = DMG_DEFAULT_CA_CERT;
	const char            *cert = DMG_DEFAULT_CERT;
	const char            *key = DMG_DEFAULT_KEY;
	bool                   loaded = false;
	int                    rc = -DER_NONEXIST;

	memset(ctx, 0, sizeof(*ctx));
	memset(&cfg, 0, sizeof(cfg));
	ctx->dc_args = args;
	if (args->da_config_path != NULL) {
		rc = load_config(args->da_config_path, &cfg, errbuf, errlen);
		if (rc != 0)
			return rc;
		loaded = true;
		ctx->dc_config_used = args->da_config_path;
	} else {
		if (home != NULL && home[0] != '\0' &&
		    (size_t)snprintf(ctx->dc_config_buf, sizeof(ctx->dc_config_buf), "%s/%s",
				     home, DMG_USER_CONFIG) < sizeof(ctx->dc_config_buf)) {
			rc = load_config(ctx->dc_config_buf, &cfg, errbuf, errlen);
			if (rc != 0 && rc != -DER_NONEXIST)
				return rc;
			if (rc == 0)
				ctx->dc_config_used = ctx->dc_config_buf;
		}
		if (rc == -DER_NONEXIST) {
			rc = load_config(DMG_SYSTEM_CONFIG, &cfg, errbuf, errlen);
			if (rc != 0 && rc != -DER_NONEXIST)
				return rc;
			if (rc == 0)
				ctx->dc_config_used = DMG_SYSTEM_CONFIG;
		}
		loaded = rc == 0;
		d_errbuf_printf(errbuf, errlen, "%s", "");
	}
	dmg_debug(ctx, "configuration: %s",
		  ctx->dc_config_used != NULL ? ctx->dc_config_used : "built-in defaults");

	ctx->dc_port = loaded ? cfg.cc_port : DMG_DEFAULT_PORT;
	ctx->dc_insecure = args->da_insecure || (loaded && cfg.cc_transport.tr_allow_insecure);
	if (loaded) {
		ca = cfg.cc_transport.tr_ca_cert;
		cert = cfg.cc_transport.tr_cert;
		key = cfg.cc_transport.tr_key;
	}
	if (!ctx->dc_insecure) {
		rc = dup_path(&ctx->dc_ca_cert, ca);
		if (rc == 0)
			rc = dup_path(&ctx->dc_cert, cert);
		if (rc == 0)
			rc = dup_path(&ctx->dc_key, key);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "out of memory");
			goto out;
		}
	}

	rc = 0;
	if (args->da_hostlist_nr > 0) {
		for (uint32_t i = 0; i < args->da_hostlist_nr && rc == 0; i++)
			rc = dmg_hosts_add(&ctx->dc_hosts, &ctx->dc_hosts_nr, args->da_hostlist[i],
					   ctx->dc_port, errbuf, errlen);
	} else if (loaded) {
		for (uint32_t i = 0; i < cfg.cc_hostlist.sl_nr && rc == 0; i++)
			rc = dmg_hosts_add(&ctx->dc_hosts, &ctx->dc_hosts_nr,
					   cfg.cc_hostlist.sl_items[i], ctx->dc_port, errbuf,
					   errlen);
	} else {
		rc = dmg_hosts_add(&ctx->dc_hosts, &ctx->dc_hosts_nr, "localhost", ctx->dc_port,
				   errbuf, errlen);
	}
	if (rc == 0 && ctx->dc_hosts_nr == 0) {
		d_errbuf_printf(errbuf, errlen, "no host to connect to");
		rc = -DER_INVAL;
	}
	if (rc != 0)
		goto out;

	/* Check the TLS files now: one clear message instead of one per host. */
	rc = client_create(ctx, &cl, errbuf, errlen);
	ctl_http_client_destroy(cl);
out:
	ctl_config_free(&cfg);
	if (rc != 0)
		dmg_ctx_fini(ctx);
	return rc;
}

void
dmg_ctx_fini(struct dmg_ctx *ctx)
{
	dmg_hosts_free(ctx->dc_hosts, ctx->dc_hosts_nr);
	free(ctx->dc_ca_cert);
	free(ctx->dc_cert);
	free(ctx->dc_key);
	ctx->dc_hosts = NULL;
	ctx->dc_hosts_nr = 0;
	ctx->dc_ca_cert = ctx->dc_cert = ctx->dc_key = NULL;
}

/*
 * Fan-out
 */
struct fanout_job {
	struct dmg_ctx         *fj_ctx;
	const char             *fj_method;
	struct dmg_host_result *fj_res;
	uint32_t                fj_nr;
	_Atomic uint32_t        fj_next;
};

struct fanout_worker {
	struct fanout_job *fw_job;
	json_t            *fw_request; /* this thread's copy */
	pthread_t          fw_thread;
};

static void *
fanout_run(void *arg)
{
	struct fanout_worker   *w = arg;
	struct fanout_job      *job = w->fw_job;
	struct ctl_http_client *cl = NULL;
	char                    cerr[DMG_MSG_MAX];
	int                     crc;

	crc = client_create(job->fj_ctx, &cl, cerr, sizeof(cerr));
	for (;;) {
		uint32_t                i = atomic_fetch_add(&job->fj_next, 1);
		struct dmg_host_result *r;
		json_t                 *reply = NULL;

		if (i >= job->fj_nr)
			break;
		r = &job->fj_res[i];
		if (crc != 0) {
			r->hr_rc = crc;
			snprintf(r->hr_err, sizeof(r->hr_err), "%s", cerr);
			continue;
		}
		r->hr_rc = ctl_http_call(cl, r->hr_addr, job->fj_method, w->fw_request, &reply,
					 r->hr_err, sizeof(r->hr_err));
		if (r->hr_rc == 0) {
			r->hr_reply = reply;
		} else {
			/* An error reply's text is in hr_err; prefix the host for tables
			 * and messages (transport errors already name it). */
			if (reply != NULL) {
				char msg[DMG_MSG_MAX];

				snprintf(msg, sizeof(msg), "%s", r->hr_err);
				d_errbuf_printf(r->hr_err, sizeof(r->hr_err), "%s: %s", r->hr_addr,
						msg);
			}
			json_decref(reply);
		}
	}
	ctl_http_client_destroy(cl);
	return NULL;
}

void
dmg_results_free(struct dmg_host_result *res, uint32_t nr)
{
	if (res == NULL)
		return;
	for (uint32_t i = 0; i < nr; i++)
		json_decref(res[i].hr_reply);
	free(res);
}

int
dmg_fanout(struct dmg_ctx *ctx, const char *method, json_t *request,
	   struct dmg_host_result **out)
{
	struct fanout_job       job = {0};
	struct fanout_worker   *w = NULL;
	struct dmg_host_result *res;
	uint32_t                nthreads, started = 0;
	int                     rc = 0;

	res = calloc(ctx->dc_hosts_nr, sizeof(*res));
	if (res == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < ctx->dc_hosts_nr; i++)
		snprintf(res[i].hr_addr, sizeof(res[i].hr_addr), "%s", ctx->dc_hosts[i]);
	nthreads = ctx->dc_hosts_nr < DMG_FANOUT_THREADS_MAX ? ctx->dc_hosts_nr
							     : DMG_FANOUT_THREADS_MAX;
	w = calloc(nthreads, sizeof(*w));
	if (w == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	job.fj_ctx = ctx;
	job.fj_method = method;
	job.fj_res = res;
	job.fj_nr = ctx->dc_hosts_nr;
	atomic_init(&job.fj_next, 0);
	for (uint32_t t = 0; t < nthreads; t++) {
		w[t].fw_job = &job;
		w[t].fw_request = request != NULL ? json_deep_copy(request) : json_object();
		if (w[t].fw_request == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
	}
	dmg_debug(ctx, "calling %s on %u host(s) with %u thread(s)", method, ctx->dc_hosts_nr,
		  nthreads);
	for (uint32_t t = 0; t < nthreads; t++) {
		if (pthread_create(&w[t].fw_thread, NULL, fanout_run, &w[t]) != 0)
			break;
		started++;
	}
	/* No thread at all (resource limits): do the work here. */
	if (started == 0)
		fanout_run(&w[0]);
	for (uint32_t t = 0; t < started; t++)
		pthread_join(w[t].fw_thread, NULL);
	for (uint32_t i = 0; i < ctx->dc_hosts_nr; i++)
		if (res[i].hr_rc != 0)
			dmg_debug(ctx, "%s", res[i].hr_err);
out:
	for (uint32_t t = 0; w != NULL && t < nthreads; t++)
		json_decref(w[t].fw_request);
	free(w);
	if (rc != 0) {
		dmg_results_free(res, ctx->dc_hosts_nr);
		return rc;
	}
	*out = res;
	return 0;
}

/*
 * Management Service calls
 */

/* A usable leader hint (invariant 2): "host:port" the host set grammar accepts. */
static bool
leader_hint(const json_t *reply, const char *from, char *buf, size_t len)
{
	const json_t    *v = json_object_get(reply, "leader");
	struct d_hostset hs;
	const char      *s;
	bool             ok;

	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || strlen(s) >= len || strlen(s) == 0 ||
	    strcmp(s, from) == 0 || strpbrk(s, ",[] \t") != NULL)
		return false;
	d_hostset_init(&hs);
	ok = d_hostset_add(&hs, s) == 0 && hs.hs_nr == 1 && hs.hs_hosts[0].he_port != 0;
	d_hostset_fini(&hs);
	if (ok)
		snprintf(buf, len, "%s", s);
	return ok;
}

int
dmg_ms_call(struct dmg_ctx *ctx, const char *method, json_t *request, char *who,
	    json_t **reply, char *errbuf, size_t errlen)
{
	struct ctl_http_client *cl = NULL;
	char                    target[D_HOSTSET_HOST_BUF];
	char                    msg[DMG_MSG_MAX];
	char                    last[DMG_MSG_MAX] = "";
	uint32_t                next = 0, tried = 0, hops = 0;
	bool                    redirected = false;
	int                     rc;

	*reply = NULL;
	rc = client_create(ctx, &cl, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = -DER_UNREACH;
	for (;;) {
		json_t *r = NULL;

		if (!redirected) {
			if (next >= ctx->dc_hosts_nr || tried >= DMG_AP_TRY_MAX)
				break;
			snprintf(target, sizeof(target), "%s", ctx->dc_hosts[next++]);
			tried++;
		}
		redirected = false;
		dmg_debug(ctx, "calling %s on %s", method, target);
		rc = ctl_http_call(cl, target, method, request, &r, msg, sizeof(msg));
		if (rc == 0) {
			*reply = r;
			snprintf(who, D_HOSTSET_HOST_BUF, "%s", target);
			goto out;
		}
		if (r != NULL)
			d_errbuf_printf(last, sizeof(last), "%s: %s", target, msg);
		else
			snprintf(last, sizeof(last), "%s", msg);
		dmg_debug(ctx, "%s", last);
		if (rc == -DER_NOTLEADER || rc == -DER_NOTREPLICA) {
			char hint[D_HOSTSET_HOST_BUF];

			if (r != NULL && leader_hint(r, target, hint, sizeof(hint))) {
				json_decref(r);
				if (hops >= DMG_LEADER_HOPS_MAX) {
					d_errbuf_printf(errbuf, errlen,
							"no leader found after %d redirects "
							"(last: %s)",
							DMG_LEADER_HOPS_MAX, last);
					goto out;
				}
				hops++;
				dmg_debug(ctx, "%s is not the leader, trying %s", target, hint);
				snprintf(target, sizeof(target), "%s", hint);
				redirected = true;
				continue;
			}
			json_decref(r);
			continue; /* no hint: the next access point may know */
		}
		json_decref(r);
		if (rc == -DER_UNREACH || rc == -DER_TIMEDOUT)
			continue;
		/* Any other answer is the answer (refused, bad request, TLS). */
		d_errbuf_printf(errbuf, errlen, "%s", last);
		goto out;
	}
	if (tried > 1)
		d_errbuf_printf(errbuf, errlen, "no access point answered (%u tried); last: %s",
				tried, last);
	else
		d_errbuf_printf(errbuf, errlen, "%s", last);
out:
	ctl_http_client_destroy(cl);
	return rc;
}

int
dmg_fanout_error(const struct dmg_args *a, const struct dmg_host_result *res, uint32_t nr,
		 uint32_t failed, int first_rc, char *errbuf, size_t errlen)
{
	if (failed == 0)
		return 0;
	if (nr == 1 && res[0].hr_rc != 0)
		d_errbuf_printf(errbuf, errlen, "%s", res[0].hr_err);
	else
		d_errbuf_printf(errbuf, errlen, "%s failed on %u of %u host%s",
				dmg_cmd_name(a->da_cmd), failed, nr, nr == 1 ? "" : "s");
	return first_rc != 0 ? first_rc : -DER_MISC;
}
