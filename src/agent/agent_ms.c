/*
 * agent_ms.c: the agent's calls to the Management Service leader (C4).
 *
 * Called on worker threads, each with its own ctl_http client. The MS answers
 * only on its leader; followers answer -DER_NOTLEADER with "leader":
 * "host:port" and servers that are no replica -DER_NOTREPLICA with a hint.
 * A call starts with the last server that answered (shared hint, locked),
 * then each access point in the config's order, following hints, and repeats
 * rounds until the deadline.
 *
 * What may be retried: a refusal that guarantees the request was not carried
 * out (not leader, not replica, busy, shutting down) and a connection that
 * could not be made. A call whose connection broke or timed out may have been
 * carried out, so only reads are retried then (a second cont_create would
 * fail or, worse, succeed twice).
 */
#define D_LOGFAC DD_FAC(agent)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "agent/agent.h"

/* Sleep slice while waiting between rounds, so a shutdown is seen quickly. */
#define MS_SLEEP_SLICE_MS 50

int
agent_ms_init(struct agent_ms *ms, const struct agent_config *cfg, bool insecure,
	      uint32_t deadline_ms, const atomic_int *stopping, char *errbuf, size_t errlen)
{
	struct ctl_http_client *cl = NULL;
	int                     rc;

	memset(ms, 0, sizeof(*ms));
	if (cfg->ac_access_points.sl_nr == 0 || cfg->ac_access_points.sl_nr > CFG_AP_MAX) {
		d_errbuf_printf(errbuf, errlen, "access_points: expected 1 to %d entries",
				CFG_AP_MAX);
		return -DER_INVAL;
	}
	if (cfg->ac_name == NULL || strlen(cfg->ac_name) > CFG_NAME_MAX) {
		d_errbuf_printf(errbuf, errlen, "name: missing or longer than %d bytes",
				CFG_NAME_MAX);
		return -DER_INVAL;
	}
	if (deadline_ms > AGENT_MS_DEADLINE_MAX_MS) {
		d_errbuf_printf(errbuf, errlen, "server call deadline of %u ms exceeds %u ms",
				deadline_ms, AGENT_MS_DEADLINE_MAX_MS);
		return -DER_INVAL;
	}
	for (uint32_t i = 0; i < cfg->ac_access_points.sl_nr; i++) {
		const char *ap = cfg->ac_access_points.sl_items[i];

		if (strlen(ap) >= AGENT_ADDR_MAX) {
			d_errbuf_printf(errbuf, errlen, "access_points[%u]: longer than %u bytes", i,
					AGENT_ADDR_MAX - 1);
			return -DER_INVAL;
		}
		snprintf(ms->am_aps[i], sizeof(ms->am_aps[i]), "%s", ap);
	}
	ms->am_aps_nr = cfg->ac_access_points.sl_nr;
	snprintf(ms->am_sys, sizeof(ms->am_sys), "%s", cfg->ac_name);
	ms->am_http.ccc_insecure           = insecure || cfg->ac_transport.tr_allow_insecure;
	ms->am_http.ccc_ca_cert            = cfg->ac_transport.tr_ca_cert;
	ms->am_http.ccc_cert               = cfg->ac_transport.tr_cert;
	ms->am_http.ccc_key                = cfg->ac_transport.tr_key;
	ms->am_http.ccc_timeout_ms         = AGENT_MS_CALL_TIMEOUT_MS;
	ms->am_http.ccc_connect_timeout_ms = AGENT_MS_CONNECT_TIMEOUT_MS;
	ms->am_deadline_ms = deadline_ms != 0 ? deadline_ms : AGENT_MS_DEADLINE_MS;
	ms->am_stopping    = stopping;
	/* The TLS files are read and checked now: a bad certificate is a start-up error,
	 * not a failure of every client's first call. */
	rc = ctl_http_client_create(&ms->am_http, &cl, errbuf, errlen);
	if (rc != 0)
		return rc;
	ctl_http_client_destroy(cl);
	rc = pthread_mutex_init(&ms->am_lock, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot initialise a mutex: %s", strerror(rc));
		return -DER_MISC;
	}
	return 0;
}

void
agent_ms_fini(struct agent_ms *ms)
{
	pthread_mutex_destroy(&ms->am_lock);
}

int
agent_ms_client(struct agent_ms *ms, struct ctl_http_client **cl, char *errbuf, size_t errlen)
{
	return ctl_http_client_create(&ms->am_http, cl, errbuf, errlen);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
stopping(const struct agent_ms *ms)
{
	return ms->am_stopping != NULL && atomic_load(ms->am_stopping) != 0;
}

static void
hint_get(struct agent_ms *ms, char *buf, size_t len)
{
	pthread_mutex_lock(&ms->am_lock);
	snprintf(buf, len, "%s", ms->am_hint);
	pthread_mutex_unlock(&ms->am_lock);
}

static void
hint_set(struct agent_ms *ms, const char *addr)
{
	pthread_mutex_lock(&ms->am_lock);
	snprintf(ms->am_hint, sizeof(ms->am_hint), "%s", addr);
	pthread_mutex_unlock(&ms->am_lock);
}

/* The "leader" hint of an error reply, when usable and not where we are. */
static bool
reply_hint(const json_t *r, const char *from, char *buf, size_t len)
{
	const json_t *v = json_object_get(r, "leader");
	const char   *s;

	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	if (s[0] == '\0' || strlen(s) >= len || strchr(s, ':') == NULL || strcmp(s, from) == 0)
		return false;
	snprintf(buf, len, "%s", s);
	return true;
}

/*
 * Whether a failed attempt may be repeated. ctl_http_call() words a refused
 * connection "cannot connect to ..." (ctl_http.h): nothing was sent then.
 */
static bool
may_retry(int rc, bool server_reply, bool idempotent, const char *msg)
{
	switch (rc) {
	case -DER_NOTLEADER:
	case -DER_NOTREPLICA:
	case -DER_AGAIN:
	case -DER_SHUTDOWN:
		return true;
	case -DER_UNREACH:
		return !server_reply && (idempotent || strncmp(msg, "cannot connect", 14) == 0);
	case -DER_TIMEDOUT:
		return !server_reply && idempotent;
	default:
		return false;
	}
}

int
agent_ms_call(struct agent_ms *ms, struct ctl_http_client *cl, const char *method, json_t *body,
	      bool idempotent, json_t **reply, char *errbuf, size_t errlen)
{
	char     cands[CFG_AP_MAX + 1][AGENT_ADDR_MAX];
	char     last[AGENT_MSG_MAX + AGENT_ADDR_MAX] = "no access point was tried";
	uint32_t n     = 0;
	uint64_t start = mono_ms();
	int      rc    = -DER_UNREACH;

	*reply = NULL;
	hint_get(ms, cands[0], sizeof(cands[0]));
	if (cands[0][0] != '\0')
		n++;
	for (uint32_t i = 0; i < ms->am_aps_nr; i++)
		if (n == 0 || strcmp(cands[0], ms->am_aps[i]) != 0)
			snprintf(cands[n++], sizeof(cands[0]), "%s", ms->am_aps[i]);

	for (;;) {
		uint64_t elapsed;

		for (uint32_t c = 0; c < n; c++) {
			char     target[AGENT_ADDR_MAX];
			uint32_t hops = 0;
			json_t  *r    = NULL;
			char     msg[AGENT_MSG_MAX];

			memcpy(target, cands[c], sizeof(target));
			for (;;) {
				char next[AGENT_ADDR_MAX];

				if (stopping(ms)) {
					d_errbuf_printf(errbuf, errlen, "the agent is shutting down");
					return -DER_SHUTDOWN;
				}
				msg[0] = '\0';
				rc = ctl_http_call(cl, target, method, body, &r, msg, sizeof(msg));
				if (rc == 0) {
					hint_set(ms, target);
					*reply = r;
					return 0;
				}
				d_errbuf_printf(last, sizeof(last), "%s: %s", target, msg);
				D_DEBUG("%s on %s: " DF_RC ": %s\n", method, target, DP_RC(rc), msg);
				if ((rc == -DER_NOTLEADER || rc == -DER_NOTREPLICA) &&
				    hops < AGENT_MS_HOPS_MAX &&
				    reply_hint(r, target, next, sizeof(next))) {
					json_decref(r);
					r = NULL;
					snprintf(target, sizeof(target), "%s", next);
					hops++;
					continue;
				}
				break;
			}
			if (!may_retry(rc, r != NULL, idempotent, msg)) {
				/* A server's refusal goes back verbatim: its status, message
				 * and object. */
				if (r != NULL)
					hint_set(ms, target);
				d_errbuf_printf(errbuf, errlen, "%s", r != NULL ? msg : last);
				*reply = r;
				return rc;
			}
			json_decref(r);
		}
		elapsed = mono_ms() - start;
		if (elapsed >= ms->am_deadline_ms)
			break;
		for (uint64_t left = ms->am_deadline_ms - elapsed,
			      nap  = left < AGENT_MS_RETRY_MS ? left : AGENT_MS_RETRY_MS;
		     nap > 0 && !stopping(ms);) {
			uint64_t s = nap < MS_SLEEP_SLICE_MS ? nap : MS_SLEEP_SLICE_MS;

			usleep((useconds_t)(s * 1000));
			nap -= s;
		}
	}
	d_errbuf_printf(errbuf, errlen, "no MS leader answered %s within %u ms (last: %s)", method,
			ms->am_deadline_ms, last);
	return rc;
}

int
agent_ms_attach_info(struct agent_ms *ms, struct ctl_http_client *cl, json_t **info,
		     uint64_t *map_version, char *errbuf, size_t errlen)
{
	char    why[AGENT_MSG_MAX];
	json_t *r = NULL;
	int     rc;

	rc = agent_ms_call(ms, cl, "get_attach_info", NULL, true, &r, errbuf, errlen);
	if (rc != 0) {
		json_decref(r);
		return rc;
	}
	rc = agent_attach_check(r, ms->am_sys, map_version, why, sizeof(why));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "invalid attach info from the MS: %s", why);
		json_decref(r);
		return rc;
	}
	*info = r;
	return 0;
}
