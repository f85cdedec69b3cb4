/*
 * dc_init.c: daos_init/daos_fini, the library's global state and progress.
 *
 * State: a reference count (daos_init/daos_fini pairs), the process's one
 * network client (pooled connections to every target), the operation timeout
 * (CRT_TIMEOUT) and the agent socket path (DAOS_AGENT_DRPC_DIR).
 *
 * Invariants:
 *  G1. g_refs > 0 exactly while g_net is non-NULL and the handle table and
 *      event module are initialised; all of it changes under g_lock.
 *  G2. The last daos_fini() closes every handle still open, fails queued
 *      retries, then destroys the network client (which completes every call
 *      still in flight with -DER_CANCELED) before anything else is freed.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_internal.h"
#include "gurt/errbuf.h"

/** Default directory of the agent socket (DAOS's runtime_dir). */
#define DC_AGENT_DIR_DEFAULT "/var/run/daos_agent"
/** The socket's name in that directory (docs/design.md C5). */
#define DC_AGENT_SOCK_NAME   "daos_agent.sock"

static struct {
	pthread_mutex_t    g_lock;
	int                g_refs;
	struct net_client *g_net;
	uint32_t           g_timeout_ms;
	char               g_agent_path[DC_AGENT_PATH_MAX];
	char               g_agent_dir[DC_AGENT_PATH_MAX];
	bool               g_log_open;
} dc_g = {
	.g_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Read by every call without the lock: set before g_refs becomes visible. */
static atomic_bool dc_g_ready;

bool
dc_initialized(void)
{
	return atomic_load_explicit(&dc_g_ready, memory_order_acquire);
}

struct net_client *
dc_net(void)
{
	return dc_g.g_net;
}

uint32_t
dc_timeout_ms(void)
{
	return dc_g.g_timeout_ms;
}

const char *
dc_agent_path(void)
{
	return dc_g.g_agent_path;
}

const char *
dc_agent_dir(void)
{
	return dc_g.g_agent_dir;
}

uint64_t
dc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
dc_parse_timeout(const char *text, uint32_t *seconds, char *errbuf, size_t errlen)
{
	char         *end = NULL;
	unsigned long v;

	if (text == NULL || *text == '\0') {
		d_errbuf_printf(errbuf, errlen, "CRT_TIMEOUT is empty");
		return -DER_INVAL;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			d_errbuf_printf(errbuf, errlen,
					"CRT_TIMEOUT '%.32s' is not a number of seconds", text);
			return -DER_INVAL;
		}
	}
	errno = 0;
	v     = strtoul(text, &end, 10);
	if (errno != 0 || v < 1 || v > DC_TIMEOUT_MAX_S) {
		d_errbuf_printf(errbuf, errlen, "CRT_TIMEOUT '%.32s' is not in 1..%u seconds", text,
				(unsigned)DC_TIMEOUT_MAX_S);
		return -DER_INVAL;
	}
	*seconds = (uint32_t)v;
	return 0;
}

/* Agent socket path from DAOS_AGENT_DRPC_DIR (or the default directory). */
static int
dc_agent_path_init(char *errbuf, size_t errlen)
{
	const char *dir = getenv("DAOS_AGENT_DRPC_DIR");
	int         n;

	if (dir == NULL || *dir == '\0')
		dir = DC_AGENT_DIR_DEFAULT;
	n = snprintf(dc_g.g_agent_path, sizeof(dc_g.g_agent_path), "%s/%s", dir,
		     DC_AGENT_SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(dc_g.g_agent_path)) {
		d_errbuf_printf(errbuf, errlen,
				"DAOS_AGENT_DRPC_DIR '%.64s...' is too long: the socket path must "
				"fit in %d bytes",
				dir, DC_AGENT_PATH_MAX - 1);
		return -DER_INVAL;
	}
	snprintf(dc_g.g_agent_dir, sizeof(dc_g.g_agent_dir), "%s", dir);
	return 0;
}

static int
dc_init_locked(void)
{
	char        err[256] = "";
	uint32_t    secs     = DC_TIMEOUT_DEFAULT_S;
	const char *tmo      = getenv("CRT_TIMEOUT");
	int         rc;

	/*
	 * The log first, so that the reasons of the checks below are visible. An
	 * application that configured nothing gets errors only, on stderr: an
	 * INFO line per process there would be noise in every tool's output.
	 */
	if (getenv("D_LOG_MASK") == NULL && getenv("D_LOG_FILE") == NULL)
		rc = d_log_open(NULL, "ERR", NULL, 0);
	else
		rc = d_log_init();
	dc_g.g_log_open = (rc == 0);
	if (tmo != NULL && *tmo != '\0') {
		rc = dc_parse_timeout(tmo, &secs, err, sizeof(err));
		if (rc != 0)
			goto err_log;
	}
	dc_g.g_timeout_ms = secs * 1000;
	rc                = dc_agent_path_init(err, sizeof(err));
	if (rc != 0)
		goto err_log;
	rc = dc_hdl_table_init();
	if (rc != 0) {
		snprintf(err, sizeof(err), "cannot create the handle table");
		goto err_log;
	}
	rc = dc_ev_module_init();
	if (rc != 0) {
		snprintf(err, sizeof(err), "cannot initialise events");
		goto err_hdl;
	}
	rc = net_client_create(&dc_g.g_net);
	if (rc != 0) {
		snprintf(err, sizeof(err), "cannot create the network client");
		goto err_ev;
	}
	atomic_store_explicit(&dc_g_ready, true, memory_order_release);
	D_INFO("libdaos %d.%d.%d initialised: agent socket %s, timeout %u s\n",
	       DAOS_API_VERSION_MAJOR, DAOS_API_VERSION_MINOR, DAOS_API_VERSION_FIX,
	       dc_g.g_agent_path, secs);
	return 0;

err_ev:
	dc_ev_module_fini();
err_hdl:
	dc_hdl_table_fini();
err_log:
	D_ERROR("daos_init failed: %s: " DF_RC "\n", err, DP_RC(rc));
	fprintf(stderr, "daos_init: %s\n", err);
	if (dc_g.g_log_open) {
		d_log_fini();
		dc_g.g_log_open = false;
	}
	return rc;
}

int
daos_init(void)
{
	int rc = 0;

	pthread_mutex_lock(&dc_g.g_lock);
	if (dc_g.g_refs == 0)
		rc = dc_init_locked();
	if (rc == 0)
		dc_g.g_refs++;
	pthread_mutex_unlock(&dc_g.g_lock);
	return rc;
}

/* G2: handles, then retries, then the network (completing what is in flight). */
static void
dc_fini_locked(void)
{
	uint64_t left = dc_hdl_count();

	if (left > 0)
		D_WARN("daos_fini: closing %" PRIu64 " handles still open\n", left);
	dc_hdl_table_drain();
	dc_io_retry_drain();
	net_client_destroy(dc_g.g_net);
	dc_g.g_net = NULL;
	atomic_store_explicit(&dc_g_ready, false, memory_order_release);
	dc_io_retry_drain();
	dc_ev_module_fini();
	dc_hdl_table_fini();
	dc_attach_cache_clear();
	if (dc_g.g_log_open) {
		d_log_fini();
		dc_g.g_log_open = false;
	}
}

int
daos_fini(void)
{
	int rc = 0;

	pthread_mutex_lock(&dc_g.g_lock);
	if (dc_g.g_refs == 0) {
		rc = -DER_UNINIT;
	} else if (--dc_g.g_refs == 0) {
		dc_fini_locked();
	}
	pthread_mutex_unlock(&dc_g.g_lock);
	return rc;
}

int
daos_reinit(void)
{
	struct net_client *cl = NULL;
	int                rc;

	pthread_mutex_lock(&dc_g.g_lock);
	if (dc_g.g_refs == 0) {
		rc = -DER_UNINIT;
		goto out;
	}
	/* The parent's connections are shared with it: make new ones for this process. */
	rc = net_client_create(&cl);
	if (rc != 0)
		goto out;
	net_client_destroy(dc_g.g_net);
	dc_g.g_net = cl;
	dc_attach_cache_clear();
out:
	pthread_mutex_unlock(&dc_g.g_lock);
	return rc;
}

void
dc_progress(uint32_t timeout_ms)
{
	int rc;

	dc_io_retry_process();
	rc = net_client_progress(dc_g.g_net, timeout_ms);
	if (rc < 0) {
		/* epoll itself failed: do not spin on it. */
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 1000000};

		D_ERROR("network progress failed: " DF_RC "\n", DP_RC(rc));
		nanosleep(&ts, NULL);
	}
	dc_io_retry_process();
}

void
d_rank_list_free(d_rank_list_t *list)
{
	if (list == NULL)
		return;
	free(list->rl_ranks);
	free(list);
}
