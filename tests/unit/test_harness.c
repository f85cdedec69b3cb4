/*
 * test_harness.c: the engine harness (src/control/harness.c), the engine link
 * (src/control/engine_link.c) and daos_engine (src/engine) together.
 *
 * The test plays daos_server: a real libuv loop, a harness with its engine
 * link socket in a temporary socket_dir, and the daos_engine built with this
 * tree (DAOS_ENGINE_BIN, set by meson). It formats the engines' storage
 * (ram-as-directory, DAOS_SCM_NO_MOUNT=1, file bdevs under /var/tmp) and
 * answers their joins itself, as the server will do through the MS. Some
 * cases use a shell script as the "engine" to misbehave on purpose, and the
 * HARN1x cases talk to a bare engine link over a raw socket.
 *
 * Every wait runs the loop with a deadline (WAIT_MS); engines' stderr is
 * checked for sanitizer reports.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <uv.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "control/config.h"
#include "control/engine_link.h"
#include "control/harness.h"
#include "control/storage.h"

#define WAIT_MS   10000
#define RAS_MAX   32
#define JOINS_MAX 16
#define LINES_MAX 16
#define SMALL     (8ull << 20)

struct hctx {
	uv_loop_t                hc_loop;
	char                     hc_root[64];
	char                     hc_vroot[64];
	struct srv_config        hc_cfg;
	struct srv_harness      *hc_h;
	bool                     hc_closed;
	struct d_ras_event       hc_ras[RAS_MAX];
	uint32_t                 hc_ras_idx[RAS_MAX];
	int                      hc_ras_nr;
	struct srv_join_req      hc_joins[JOINS_MAX];
	int                      hc_joins_nr;
	char                     hc_out[SRV_ENGINES_MAX][LINES_MAX][SRV_HARNESS_LINE_MAX];
	int                      hc_out_nr[SRV_ENGINES_MAX];
	bool                     hc_sanitizer;
	int                      hc_lm_status;
	char                     hc_lm_error[512];
	char                     hc_lm_masks[D_LOG_MASK_BUF_SIZE];
	bool                     hc_lm_done;
};

static struct hctx *g;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
tick_cb(uv_timer_t *t)
{
	(void)t;
}

/* Run the loop until @pred holds or @ms pass. */
static bool
run_until(bool (*pred)(void *), void *arg, unsigned ms)
{
	uv_timer_t t;
	uint64_t   deadline = now_ms() + ms;
	bool       ok;

	uv_timer_init(&g->hc_loop, &t);
	uv_timer_start(&t, tick_cb, 5, 5);
	uv_unref((uv_handle_t *)&t);
	while (!(ok = pred(arg)) && now_ms() < deadline)
		uv_run(&g->hc_loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&g->hc_loop, UV_RUN_NOWAIT);
	return ok;
}

/* ---- Harness callbacks: record everything ---- */

static void
cb_ras(void *arg, uint32_t idx, const struct d_ras_event *ev)
{
	(void)arg;
	assert_true(g->hc_ras_nr < RAS_MAX);
	g->hc_ras_idx[g->hc_ras_nr] = idx;
	g->hc_ras[g->hc_ras_nr++]   = *ev;
}

static void
cb_join(void *arg, uint32_t idx, const struct srv_join_req *req)
{
	(void)arg;
	assert_int_equal(req->jr_idx, idx);
	assert_true(g->hc_joins_nr < JOINS_MAX);
	g->hc_joins[g->hc_joins_nr++] = *req;
}

static void
cb_output(void *arg, uint32_t idx, int stream, const char *line)
{
	(void)arg;
	if (strstr(line, "AddressSanitizer") != NULL || strstr(line, "runtime error") != NULL ||
	    strstr(line, "LeakSanitizer") != NULL) {
		fprintf(stderr, "engine %u: %s\n", idx, line);
		g->hc_sanitizer = true;
	}
	if (stream == 1 && idx < SRV_ENGINES_MAX && g->hc_out_nr[idx] < LINES_MAX)
		snprintf(g->hc_out[idx][g->hc_out_nr[idx]++], SRV_HARNESS_LINE_MAX, "%s", line);
}

static const struct srv_harness_ops hops = {
	.ho_ras    = cb_ras,
	.ho_join   = cb_join,
	.ho_output = cb_output,
};

static void
cb_logmask(void *arg, uint32_t idx, int status, const char *error, const char *masks)
{
	(void)arg;
	(void)idx;
	g->hc_lm_status = status;
	snprintf(g->hc_lm_error, sizeof(g->hc_lm_error), "%s", error);
	snprintf(g->hc_lm_masks, sizeof(g->hc_lm_masks), "%s", masks);
	g->hc_lm_done = true;
}

/* ---- Predicates ---- */

static enum srv_engine_state
state_of(uint32_t idx)
{
	struct srv_engine_info info;

	assert_int_equal(srv_harness_engine_info(g->hc_h, idx, &info), 0);
	return info.ei_state;
}

struct want_state {
	uint32_t              ws_first;
	uint32_t              ws_nr;
	enum srv_engine_state ws_state;
};

static bool
pred_state(void *arg)
{
	struct want_state *w = arg;

	for (uint32_t i = w->ws_first; i < w->ws_first + w->ws_nr; i++)
		if (state_of(i) != w->ws_state)
			return false;
	return true;
}

static void
wait_state(uint32_t first, uint32_t nr, enum srv_engine_state state)
{
	struct want_state w = {first, nr, state};

	if (!run_until(pred_state, &w, WAIT_MS))
		fail_msg("engine %u is %s, not %s", first, srv_engine_state_name(state_of(first)),
			 srv_engine_state_name(state));
}

static bool
pred_ras(void *arg)
{
	return g->hc_ras_nr >= *(int *)arg;
}

static void
wait_ras(int nr)
{
	if (!run_until(pred_ras, &nr, WAIT_MS))
		fail_msg("%d RAS events, expected %d", g->hc_ras_nr, nr);
}

static bool
pred_joins(void *arg)
{
	return g->hc_joins_nr >= *(int *)arg;
}

static void
wait_joins(int nr)
{
	if (!run_until(pred_joins, &nr, WAIT_MS))
		fail_msg("%d join requests, expected %d", g->hc_joins_nr, nr);
}

static bool
pred_flag(void *arg)
{
	return *(bool *)arg;
}

/* ---- Set-up ---- */

static void
rm_rf(const char *path)
{
	char cmd[300];

	if (path[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

/*
 * Fabric ports: engine i of a config listens on harn_port_base + HARN_PORT_STEP * i
 * (system context) and the next HARN_TARGETS ports (its targets), so the base is
 * chosen at start-up among free ranges: a fixed one collides with any other
 * system on the machine (the quick start uses 20000 and 21000).
 */
#define HARN_PORT_STEP  100
#define HARN_ENGINES    2
#define HARN_TARGETS    2
#define HARN_PORT_TRIES 200

static unsigned harn_port_base;

static bool
port_free(unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int                fd = socket(AF_INET, SOCK_STREAM, 0);
	int                one = 1, ok;

	if (fd < 0)
		return false;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int
pick_port_base(void)
{
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (int t = 0; t < HARN_PORT_TRIES; t++) {
		unsigned base = 30000 + (unsigned)rand() % 25000;
		bool     ok   = true;

		for (unsigned e = 0; e < HARN_ENGINES && ok; e++)
			for (unsigned p = 0; p <= HARN_TARGETS && ok; p++)
				ok = port_free(base + HARN_PORT_STEP * e + p);
		if (ok) {
			harn_port_base = base;
			return 0;
		}
	}
	fprintf(stderr, "no free fabric port range found\n");
	return -1;
}

static unsigned
fabric_port(uint32_t idx)
{
	return harn_port_base + HARN_PORT_STEP * idx;
}

/* Parse a daos_server.yml with @nr engines over the test's directories. */
static void
make_config(struct hctx *hc, uint32_t nr, const char *log_mask)
{
	char  *yaml;
	size_t len = 0;
	FILE  *f   = open_memstream(&yaml, &len);
	char   err[512];

	assert_non_null(f);
	fprintf(f, "name: daos_server\naccess_points: ['127.0.0.1']\nport: 10001\n"
		   "transport_config:\n  allow_insecure: true\nprovider: ofi+tcp\n"
		   "socket_dir: %s/run\nengines:\n", hc->hc_root);
	for (uint32_t i = 0; i < nr; i++)
		fprintf(f,
			"  - targets: 2\n    nr_xs_helpers: 0\n    first_core: %u\n"
			"    fabric_iface: lo\n    fabric_iface_port: %u\n"
			"    log_file: %s/engine%u.log\n    log_mask: %s\n"
			"    env_vars: [DAOS_TEST_VAR=%u]\n"
			"    storage:\n      - class: ram\n        scm_mount: %s/scm%u\n"
			"        scm_size: 1\n      - class: file\n"
			"        bdev_list: [%s/bdev%u.img]\n        bdev_size: 1\n",
			i % 2, fabric_port(i), hc->hc_root, i, log_mask, i, hc->hc_root, i,
			hc->hc_vroot, i);
	assert_int_equal(fclose(f), 0);
	if (srv_config_parse(yaml, len, NULL, &hc->hc_cfg, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	free(yaml);
	for (uint32_t i = 0; i < nr; i++)
		hc->hc_cfg.sc_engines[i].ec_tiers[1].tc_bdev_size_bytes = SMALL;
}

static int
setup(void **state)
{
	struct hctx *hc = calloc(1, sizeof(*hc));

	if (hc == NULL)
		return -1;
	strcpy(hc->hc_root, "/tmp/harn.XXXXXX");
	strcpy(hc->hc_vroot, "/var/tmp/harn.XXXXXX");
	assert_non_null(mkdtemp(hc->hc_root));
	assert_non_null(mkdtemp(hc->hc_vroot));
	assert_int_equal(uv_loop_init(&hc->hc_loop), 0);
	g      = hc;
	*state = hc;
	return 0;
}

static void
close_cb(void *arg)
{
	*(bool *)arg = true;
}

static void
harness_close(void)
{
	if (g->hc_h == NULL)
		return;
	g->hc_closed = false;
	srv_harness_close(g->hc_h, close_cb, &g->hc_closed);
	g->hc_h = NULL;
	assert_true(run_until(pred_flag, &g->hc_closed, WAIT_MS));
}

static int
teardown(void **state)
{
	struct hctx *hc = *state;

	harness_close();
	uv_run(&hc->hc_loop, UV_RUN_NOWAIT);
	assert_int_equal(uv_loop_close(&hc->hc_loop), 0);
	assert_false(hc->hc_sanitizer);
	srv_config_free(&hc->hc_cfg);
	rm_rf(hc->hc_root);
	rm_rf(hc->hc_vroot);
	free(hc);
	g = NULL;
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (getenv(SRV_HARNESS_BIN_ENV) == NULL) {
		fprintf(stderr, "%s is not set (meson sets it)\n", SRV_HARNESS_BIN_ENV);
		return -1;
	}
	if (pick_port_base() != 0)
		return -1;
	return setenv(SRV_SCM_NO_MOUNT_ENV, "1", 1);
}

static void
harness_create(const struct srv_harness_opts *opts)
{
	char err[512];

	if (srv_harness_create(&g->hc_loop, &g->hc_cfg, opts, &hops, NULL, &g->hc_h, err,
			       sizeof(err)) != 0)
		fail_msg("harness: %s", err);
}

static pid_t
pid_of(uint32_t idx)
{
	struct srv_engine_info info;

	assert_int_equal(srv_harness_engine_info(g->hc_h, idx, &info), 0);
	return info.ei_pid;
}

static char *
read_file(const char *path)
{
	static char buf[1 << 20];
	FILE       *f = fopen(path, "r");
	size_t      n;

	if (f == NULL)
		return strcpy(buf, "");
	n      = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *
engine_log(uint32_t idx)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/engine%u.log", g->hc_root, idx);
	return read_file(path);
}

/* Wait until engine @idx's log holds @text. */
struct want_log {
	uint32_t    wl_idx;
	const char *wl_text;
};

static bool
pred_log(void *arg)
{
	struct want_log *w = arg;

	return strstr(engine_log(w->wl_idx), w->wl_text) != NULL;
}

static void
wait_log(uint32_t idx, const char *text)
{
	struct want_log w = {idx, text};

	if (!run_until(pred_log, &w, WAIT_MS))
		fail_msg("engine %u log lacks '%s'", idx, text);
}

/* Read /proc/<pid>/<what> (NUL-separated) with NULs turned into '|'. */
static char *
proc_file(pid_t pid, const char *what)
{
	static char buf[65536];
	char        path[64];
	FILE       *f;
	size_t      n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '|';
	buf[n] = '\0';
	return buf;
}

/* The command line and environment the harness gave engine @idx. */
static void
check_cmdline_env(uint32_t idx)
{
	pid_t pid = pid_of(idx);
	char  want[1024];
	char *env;

	snprintf(want, sizeof(want), "%s|-t|2|-x|0|-f|%u|-g|daos_server|-d|%s/run|-I|%u|-s|%s/scm%u|",
		 getenv(SRV_HARNESS_BIN_ENV), idx % 2, g->hc_root, idx, g->hc_root, idx);
	assert_string_equal(proc_file(pid, "cmdline"), want);
	env = proc_file(pid, "environ");
	snprintf(want, sizeof(want), "|DAOS_TEST_VAR=%u|", idx);
	assert_non_null(strstr(env, want));
	snprintf(want, sizeof(want), "|D_LOG_FILE=%s/engine%u.log|", g->hc_root, idx);
	assert_non_null(strstr(env, want));
	assert_non_null(strstr(env, "|D_LOG_MASK=INFO|"));
	snprintf(want, sizeof(want), "|DAOS_ENGINE_SOCK=%s/run/daos_server.sock|", g->hc_root);
	assert_non_null(strstr(env, want));
	assert_non_null(strstr(env, "|D_PROVIDER=ofi+tcp;ofi_rxm|"));
	assert_non_null(strstr(env, "|D_INTERFACE=lo|"));
	snprintf(want, sizeof(want), "|D_PORT=%u|", fabric_port(idx));
	assert_non_null(strstr(env, want));
	/* The server's own environment is not passed wholesale. */
	assert_null(strstr(env, SRV_SCM_NO_MOUNT_ENV));
	assert_null(strstr(env, "CMOCKA_MESSAGE_OUTPUT"));
}

/* Start @nr engines with unformatted storage and take them to READY (ranks = idx). */
static void
bring_up(uint32_t nr)
{
	struct srv_format_result res[SRV_ENGINES_MAX];
	char                     err[512];

	harness_create(NULL);
	assert_int_equal(srv_harness_start(g->hc_h, SRV_HARNESS_ALL, err, sizeof(err)), 0);
	wait_state(0, nr, SRV_ENGINE_AWAIT_FORMAT);
	wait_ras((int)nr);
	assert_int_equal(g->hc_joins_nr, 0);
	for (uint32_t i = 0; i < nr; i++) {
		if (srv_harness_format(g->hc_h, i, false, &res[i], err, sizeof(err)) != 0)
			fail_msg("format %u: %s", i, err);
	}
	wait_joins((int)nr);
	for (int j = 0; j < g->hc_joins_nr; j++) {
		const struct srv_join_req *jr = &g->hc_joins[j];

		assert_int_equal(jr->jr_rank, D_RANK_NIL);
		assert_int_equal(uuid_compare(jr->jr_uuid, res[jr->jr_idx].fr_uuid), 0);
		assert_int_equal(srv_harness_join_reply(g->hc_h, jr->jr_idx, 0, jr->jr_idx,
							100 * (jr->jr_idx + 1), 1, NULL), 0);
	}
	wait_state(0, nr, SRV_ENGINE_READY);
}

/* HARN01: two engines: register, format required, format, join, ready; the
 * started line, the RAS line in the engine log and the rank in the superblock */
static void
harn01_bring_up(void **state)
{
	struct hctx           *hc = *state;
	struct srv_superblock  sb;
	struct srv_engine_info info;
	char                   host[256];
	char                   want[512];
	char                   path[128];
	char                   err[256];

	make_config(hc, 2, "INFO");
	bring_up(2);
	/* Both raised engine_format_required (INFO, NOTICE) with their pid. */
	assert_int_equal(hc->hc_ras_nr, 2);
	for (int i = 0; i < 2; i++) {
		const struct d_ras_event *ev = &hc->hc_ras[i];

		assert_int_equal(ev->ev_id, RAS_ENGINE_FORMAT_REQUIRED);
		assert_int_equal(ev->ev_type, RAS_TYPE_INFO);
		assert_int_equal(ev->ev_sev, RAS_SEV_NOTICE);
		snprintf(want, sizeof(want), "DAOS engine %u requires a SCM format",
			 hc->hc_ras_idx[i]);
		assert_string_equal(ev->ev_msg, want);
		assert_true(ev->ev_flags & D_RAS_F_PID);
		assert_int_equal(ev->ev_pid, pid_of(hc->hc_ras_idx[i]));
		assert_false(ev->ev_flags & D_RAS_F_RANK);
	}
	/* The join requests carried what the engines registered. */
	for (int j = 0; j < hc->hc_joins_nr; j++) {
		const struct srv_join_req *jr = &hc->hc_joins[j];

		assert_int_equal(jr->jr_targets, 2);
		assert_int_equal(jr->jr_pid, pid_of(jr->jr_idx));
		snprintf(want, sizeof(want), "ofi+tcp;ofi_rxm://127.0.0.1:%u",
			 fabric_port(jr->jr_idx));
		assert_string_equal(jr->jr_fabric_uri, want);
	}
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	for (uint32_t i = 0; i < 2; i++) {
		assert_int_equal(srv_harness_engine_info(hc->hc_h, i, &info), 0);
		assert_int_equal(info.ei_rank, i);
		assert_int_equal(info.ei_inc, 100 * (i + 1));
		assert_int_equal(info.ei_starts, 1);
		/* The rank is in the superblock for the next start. */
		snprintf(path, sizeof(path), "%s/scm%u", hc->hc_root, i);
		assert_int_equal(srv_superblock_read(path, &sb, err, sizeof(err)), 0);
		assert_int_equal(sb.sb_rank, i);
		srv_superblock_free(&sb);
		/* The started line (stdout, as DAOS prints it) and the engine log. */
		snprintf(want, sizeof(want),
			 "DAOS I/O Engine (v2.6.0) process %d started on rank %u with 2 target, 0 "
			 "helper XS, firstcore %u, host %s.", (int)info.ei_pid, i, i % 2, host);
		assert_true(hc->hc_out_nr[i] >= 1);
		assert_string_equal(hc->hc_out[i][0], want);
		wait_log(i, "&&& RAS EVENT id: [engine_format_required]");
		snprintf(want, sizeof(want), "msg: [DAOS engine %u requires a SCM format]", i);
		wait_log(i, want);
		snprintf(want, sizeof(want), "joined the system: rank %u incarnation 0x%x", i,
			 100 * (i + 1));
		wait_log(i, want);
		wait_log(i, "pinned to core");
	}
	assert_string_equal(srv_harness_socket_path(hc->hc_h) + strlen(hc->hc_root),
			    "/run/daos_server.sock");
	check_cmdline_env(0);

	/* Graceful stop of everything: exit 0, no engine_died. */
	assert_int_equal(srv_harness_stop(hc->hc_h, SRV_HARNESS_ALL, false), 0);
	wait_state(0, 2, SRV_ENGINE_STOPPED);
	for (uint32_t i = 0; i < 2; i++) {
		assert_int_equal(srv_harness_engine_info(hc->hc_h, i, &info), 0);
		assert_int_equal(info.ei_exit_status, 0);
		assert_int_equal(info.ei_exit_signal, 0);
		assert_int_equal(info.ei_pid, 0);
		wait_log(i, "stop requested by daos_server");
	}
	assert_int_equal(hc->hc_ras_nr, 2);
}

/* HARN02: set_logmasks: a good mask applies; a bad one is refused with the
 * parser's reason and the old masks stay (as the engine log shows) */
static void
harn02_set_logmasks(void **state)
{
	struct hctx *hc = *state;
	uint8_t      levels[D_FAC_NR];
	char         reason[D_LOG_ERRBUF_SIZE];
	char         want[1024];

	make_config(hc, 1, "INFO");
	bring_up(1);

	hc->hc_lm_done = false;
	assert_int_equal(srv_harness_set_logmasks(hc->hc_h, 0, "ERR,engine=DEBUG", cb_logmask,
						  NULL), 0);
	assert_true(run_until(pred_flag, &hc->hc_lm_done, WAIT_MS));
	assert_int_equal(hc->hc_lm_status, 0);
	assert_string_equal(hc->hc_lm_error, "");
	assert_string_equal(hc->hc_lm_masks, "ERR,engine=DBUG");

	/* The reason is exactly the log library's. */
	memset(levels, 0, sizeof(levels));
	assert_int_equal(d_log_parse_masks("ERR,engine=LOUD", levels, reason, sizeof(reason)),
			 -DER_INVAL);
	hc->hc_lm_done = false;
	assert_int_equal(srv_harness_set_logmasks(hc->hc_h, 0, "ERR,engine=LOUD", cb_logmask,
						  NULL), 0);
	assert_true(run_until(pred_flag, &hc->hc_lm_done, WAIT_MS));
	assert_int_equal(hc->hc_lm_status, -DER_INVAL);
	assert_string_equal(hc->hc_lm_error, reason);
	assert_string_equal(hc->hc_lm_masks, "ERR,engine=DBUG");
	snprintf(want, sizeof(want), "set_logmasks refused: %s (masks kept: ERR,engine=DBUG)",
		 reason);
	wait_log(0, want);

	/* NULL: back to the configured log_mask; the engine still logged the request
	 * at DEBUG, so engine=DEBUG had survived the refused mask. */
	hc->hc_lm_done = false;
	assert_int_equal(srv_harness_set_logmasks(hc->hc_h, 0, NULL, cb_logmask, NULL), 0);
	assert_true(run_until(pred_flag, &hc->hc_lm_done, WAIT_MS));
	assert_int_equal(hc->hc_lm_status, 0);
	assert_string_equal(hc->hc_lm_masks, "INFO");
	wait_log(0, "'set_logmasks' from daos_server in state ready");
	wait_log(0, "log masks set to INFO");

	/* Refusals without asking the engine. */
	assert_int_equal(srv_harness_set_logmasks(hc->hc_h, 1, "ERR", cb_logmask, NULL),
			 -DER_INVAL);
	assert_int_equal(srv_harness_stop(hc->hc_h, 0, false), 0);
	wait_state(0, 1, SRV_ENGINE_STOPPED);
	assert_int_equal(srv_harness_set_logmasks(hc->hc_h, 0, "ERR", cb_logmask, NULL),
			 -DER_UNREACH);
}

/* HARN03: kill -9 of an engine raises engine_died with the exit state, rank and
 * incarnation; a restart re-registers, keeps its storage and rank */
static void
harn03_killed_and_restart(void **state)
{
	struct hctx              *hc = *state;
	struct srv_engine_info    info;
	const struct d_ras_event *ev;
	struct srv_join_req       first;
	pid_t                     pid;

	make_config(hc, 2, "INFO");
	bring_up(2);
	first = hc->hc_joins[0].jr_idx == 1 ? hc->hc_joins[0] : hc->hc_joins[1];
	pid   = pid_of(1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	wait_state(1, 1, SRV_ENGINE_ERRORED);
	wait_ras(3);
	ev = &hc->hc_ras[2];
	assert_int_equal(hc->hc_ras_idx[2], 1);
	assert_int_equal(ev->ev_id, RAS_ENGINE_DIED);
	assert_string_equal(ev->ev_id_str, "engine_died");
	assert_int_equal(ev->ev_type, RAS_TYPE_STATE_CHANGE);
	assert_int_equal(ev->ev_sev, RAS_SEV_ERROR);
	assert_string_equal(ev->ev_msg, "DAOS engine 1 exited unexpectedly: killed by signal 9 "
					"(Killed)");
	assert_true(ev->ev_flags & D_RAS_F_RANK);
	assert_int_equal(ev->ev_rank, 1);
	assert_true(ev->ev_flags & D_RAS_F_INC);
	assert_int_equal(ev->ev_inc, 200);
	assert_int_equal(ev->ev_pid, pid);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 1, &info), 0);
	assert_int_equal(info.ei_exit_signal, SIGKILL);
	assert_int_equal(info.ei_pid, 0);
	assert_int_equal(state_of(0), SRV_ENGINE_READY); /* the other one is unaffected */

	/* Restart: formatted storage, so straight to the join with the old rank and UUID. */
	assert_int_equal(srv_harness_restart(hc->hc_h, 1), 0);
	wait_joins(3);
	assert_int_equal(hc->hc_joins[2].jr_idx, 1);
	assert_int_equal(hc->hc_joins[2].jr_rank, 1);
	assert_int_equal(uuid_compare(hc->hc_joins[2].jr_uuid, first.jr_uuid), 0);
	assert_int_not_equal(hc->hc_joins[2].jr_pid, pid);
	assert_int_equal(srv_harness_join_reply(hc->hc_h, 1, 0, 1, 201, 2, NULL), 0);
	wait_state(1, 1, SRV_ENGINE_READY);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 1, &info), 0);
	assert_int_equal(info.ei_inc, 201);
	assert_int_equal(info.ei_starts, 2);
	assert_int_equal(hc->hc_ras_nr, 3); /* no second engine_format_required */

	/* Restart of a running engine: graceful stop, then a new process. */
	pid = pid_of(0);
	assert_int_equal(srv_harness_restart(hc->hc_h, 0), 0);
	wait_joins(4);
	assert_int_equal(hc->hc_joins[3].jr_idx, 0);
	assert_int_not_equal(pid_of(0), pid);
	assert_int_equal(srv_harness_join_reply(hc->hc_h, 0, 0, 0, 101, 3, NULL), 0);
	wait_state(0, 1, SRV_ENGINE_READY);
	assert_int_equal(hc->hc_ras_nr, 3); /* a requested stop is no death */
}

/* HARN04: stop, force stop and start again; join_reply and format refused when
 * the state does not allow them */
static void
harn04_stop_start(void **state)
{
	struct hctx             *hc = *state;
	struct srv_engine_info   info;
	struct srv_format_result res;
	char                     err[256];

	make_config(hc, 1, "INFO");
	bring_up(1);
	assert_int_equal(srv_harness_format(hc->hc_h, 0, true, &res, err, sizeof(err)),
			 -DER_BUSY);
	assert_string_equal(err, "engine 0 is ready: stop it before formatting");
	assert_int_equal(res.fr_scm_rc, -DER_BUSY);
	assert_int_equal(srv_harness_join_reply(hc->hc_h, 0, 0, 0, 1, 1, NULL), -DER_BUSY);
	assert_int_equal(srv_harness_join_reply(hc->hc_h, 5, 0, 0, 1, 1, NULL), -DER_INVAL);
	assert_int_equal(srv_harness_stop(hc->hc_h, 7, false), -DER_INVAL);

	assert_int_equal(srv_harness_stop(hc->hc_h, 0, true), 0);
	wait_state(0, 1, SRV_ENGINE_STOPPED);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 0, &info), 0);
	assert_int_equal(info.ei_exit_signal, SIGKILL);
	assert_int_equal(hc->hc_ras_nr, 1); /* forced stop: no engine_died */
	assert_int_equal(srv_harness_stop(hc->hc_h, 0, false), 0); /* not running: fine */

	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0);
	wait_joins(2);
	assert_int_equal(hc->hc_joins[1].jr_rank, 0);
	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0); /* running */
	assert_int_equal(srv_harness_join_reply(hc->hc_h, 0, 0, 0, 102, 2, NULL), 0);
	wait_state(0, 1, SRV_ENGINE_READY);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 0, &info), 0);
	assert_int_equal(info.ei_starts, 2);
	/* SIGTERM from someone else: the engine exits cleanly (0), which nobody asked
	 * for, so it counts as died. */
	assert_int_equal(kill(pid_of(0), SIGTERM), 0);
	wait_state(0, 1, SRV_ENGINE_ERRORED);
	wait_ras(2);
	assert_int_equal(hc->hc_ras[1].ev_id, RAS_ENGINE_DIED);
	assert_string_equal(hc->hc_ras[1].ev_msg, "DAOS engine 0 exited unexpectedly: exit "
						  "status 0 (stopped)");
	assert_int_equal(hc->hc_ras[1].ev_inc, 102);
	wait_log(0, "received signal 15 (Terminated): exiting");

	/* Closing the harness with a running engine kills it without engine_died. */
	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0);
	wait_joins(3);
	harness_close();
	assert_int_equal(hc->hc_ras_nr, 2);
}

/* Write a fake engine script (ignores its arguments) and return its path. */
static const char *
fake_engine(const char *body)
{
	static char path[128];
	FILE       *f;

	snprintf(path, sizeof(path), "%s/fake_engine.sh", g->hc_root);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

/* HARN05: stop escalation: an engine that ignores SIGTERM gets SIGKILL after
 * stop_kill_ms; a requested stop raises no engine_died */
static void
harn05_stop_escalation(void **state)
{
	struct hctx            *hc   = *state;
	struct srv_harness_opts opts = {0};
	struct srv_engine_info  info;
	char                    err[256];
	uint64_t                t0, dt;

	make_config(hc, 1, "ERR");
	opts.hopt_engine_bin   = fake_engine("trap '' TERM\nwhile :; do sleep 0.05; done");
	opts.hopt_stop_term_ms = 200;
	opts.hopt_stop_kill_ms = 300;
	harness_create(&opts);
	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0);
	assert_int_equal(state_of(0), SRV_ENGINE_STARTING);
	usleep(100000); /* let the shell install its trap */
	t0 = now_ms();
	assert_int_equal(srv_harness_stop(hc->hc_h, 0, false), 0);
	assert_int_equal(state_of(0), SRV_ENGINE_STOPPING);
	wait_state(0, 1, SRV_ENGINE_STOPPED);
	dt = now_ms() - t0;
	assert_true(dt >= 300 && dt < 5000);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 0, &info), 0);
	assert_int_equal(info.ei_exit_signal, SIGKILL);
	assert_int_equal(hc->hc_ras_nr, 0);
}

/* HARN06: an engine that never registers is killed after register_ms and counts
 * as died (no rank: it never joined) */
static void
harn06_register_timeout(void **state)
{
	struct hctx            *hc   = *state;
	struct srv_harness_opts opts = {0};
	struct srv_engine_info  info;
	char                    err[256];

	make_config(hc, 1, "ERR");
	opts.hopt_engine_bin  = fake_engine("exec sleep 30");
	opts.hopt_register_ms = 300;
	harness_create(&opts);
	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0);
	wait_state(0, 1, SRV_ENGINE_ERRORED);
	wait_ras(1);
	assert_int_equal(hc->hc_ras[0].ev_id, RAS_ENGINE_DIED);
	assert_string_equal(hc->hc_ras[0].ev_msg, "DAOS engine 0 exited unexpectedly: killed by "
						  "signal 9 (Killed)");
	assert_false(hc->hc_ras[0].ev_flags & D_RAS_F_RANK);
	assert_false(hc->hc_ras[0].ev_flags & D_RAS_F_INC);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 0, &info), 0);
	assert_string_equal(info.ei_error, "did not register within 300 ms");

	/* An engine that exits by itself: the exit status is named. */
	opts.hopt_engine_bin = fake_engine("exit 3");
	harness_close();
	harness_create(&opts);
	hc->hc_ras_nr = 0;
	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0);
	wait_ras(1);
	assert_string_equal(hc->hc_ras[0].ev_msg, "DAOS engine 0 exited unexpectedly: exit "
						  "status 3 (lost the link to daos_server)");
}

/* HARN07: the engine binary is missing: start fails with the reason, ERRORED */
static void
harn07_spawn_failure(void **state)
{
	struct hctx            *hc   = *state;
	struct srv_harness_opts opts = {0};
	struct srv_engine_info  info;
	char                    err[256];

	make_config(hc, 2, "ERR");
	opts.hopt_engine_bin = "/nonexistent/daos_engine";
	harness_create(&opts);
	assert_int_equal(srv_harness_start(hc->hc_h, SRV_HARNESS_ALL, err, sizeof(err)),
			 -DER_NONEXIST);
	assert_string_equal(err, "engine 0: cannot start /nonexistent/daos_engine: no such file "
				 "or directory");
	assert_int_equal(state_of(0), SRV_ENGINE_ERRORED);
	assert_int_equal(state_of(1), SRV_ENGINE_ERRORED);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 0, &info), 0);
	assert_string_equal(info.ei_error, "cannot start /nonexistent/daos_engine: no such file "
					   "or directory");
	assert_int_equal(hc->hc_ras_nr, 0);
	assert_int_equal(srv_harness_start(hc->hc_h, 2, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 2, &info), -DER_INVAL);
}

/* HARN08: a refused join: the engine exits with ENGINE_EXIT_JOIN, the harness
 * raises engine_join_failed and no engine_died */
static void
harn08_join_refused(void **state)
{
	struct hctx             *hc = *state;
	struct srv_format_result res;
	struct srv_engine_info   info;
	char                     err[256];

	make_config(hc, 1, "ERR");
	harness_create(NULL);
	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0);
	wait_state(0, 1, SRV_ENGINE_AWAIT_FORMAT);
	assert_int_equal(srv_harness_format(hc->hc_h, 0, false, &res, err, sizeof(err)), 0);
	wait_joins(1);
	assert_int_equal(srv_harness_join_reply(hc->hc_h, 0, -DER_EXIST, 0, 0, 0, "rank 0 is "
						"taken"), 0);
	wait_state(0, 1, SRV_ENGINE_ERRORED);
	wait_ras(2);
	assert_int_equal(hc->hc_ras[1].ev_id, RAS_ENGINE_JOIN_FAILED);
	assert_string_equal(hc->hc_ras[1].ev_msg, "DAOS engine 0 failed to join the system: "
						  "rank 0 is taken");
	assert_int_equal(srv_harness_engine_info(hc->hc_h, 0, &info), 0);
	assert_int_equal(info.ei_exit_status, ENGINE_EXIT_JOIN);
	assert_string_equal(info.ei_error, "join failed: rank 0 is taken");
	usleep(50000);
	uv_run(&hc->hc_loop, UV_RUN_NOWAIT);
	assert_int_equal(hc->hc_ras_nr, 2);
}

/* HARN09: a superblock with an unsupported layout: the engine raises
 * engine_format_required as an ERROR naming the reason; format needs --force */
static void
harn09_bad_superblock(void **state)
{
	struct hctx             *hc = *state;
	struct srv_format_result res;
	char                     path[128];
	char                     err[512];
	FILE                    *f;

	make_config(hc, 1, "ERR");
	snprintf(path, sizeof(path), "%s/scm0", hc->hc_root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/scm0/superblock", hc->hc_root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"magic\":\"DAOS_ENGINE_SUPERBLOCK\",\"version\":9}", f);
	assert_int_equal(fclose(f), 0);

	harness_create(NULL);
	assert_int_equal(srv_harness_start(hc->hc_h, 0, err, sizeof(err)), 0);
	wait_state(0, 1, SRV_ENGINE_AWAIT_FORMAT);
	wait_ras(1);
	assert_int_equal(hc->hc_ras[0].ev_id, RAS_ENGINE_FORMAT_REQUIRED);
	assert_int_equal(hc->hc_ras[0].ev_sev, RAS_SEV_ERROR);
	assert_string_equal(hc->hc_ras[0].ev_msg, "DAOS engine 0 requires a SCM format: "
						  "superblock layout version 9 not in [1, 1]");
	wait_log(0, "sev: [ERROR] msg: [DAOS engine 0 requires a SCM format: superblock layout "
		    "version 9 not in [1, 1]]");
	assert_int_equal(srv_harness_format(hc->hc_h, 0, false, &res, err, sizeof(err)),
			 -DER_EXIST);
	assert_non_null(strstr(err, "superblock layout version 9 not in [1, 1]"));
	assert_int_equal(srv_harness_format(hc->hc_h, 0, true, &res, err, sizeof(err)), 0);
	wait_joins(1);
	assert_int_equal(srv_harness_join_reply(hc->hc_h, 0, 0, 4, 7, 1, NULL), 0);
	wait_state(0, 1, SRV_ENGINE_READY);
}

/* ---- The bare engine link ---- */

struct lctx {
	int      lc_accepted;
	int      lc_closed;
	int      lc_ras;
	int      lc_ready;
	int      lc_reply_status;
	bool     lc_reply_done;
	bool     lc_refuse;
	char     lc_reply_text[64];
	struct engine_conn *lc_conn;
};

static struct lctx lc;

static int
l_accept(void *arg, struct engine_conn *conn, const struct engine_peer *peer)
{
	(void)arg;
	assert_int_equal(peer->ep_pid, getpid());
	if (lc.lc_refuse)
		return -DER_NO_PERM;
	lc.lc_accepted++;
	lc.lc_conn = conn;
	engine_conn_set_data(conn, &lc);
	return 0;
}

static void
l_register(void *arg, struct engine_conn *conn, const struct engine_reg *reg,
	   struct engine_reg_reply *rr)
{
	(void)arg;
	assert_ptr_equal(engine_conn_data(conn), &lc);
	assert_int_equal(reg->er_idx, 3);
	rr->rr_formatted = true;
	rr->rr_rank      = 9;
	strcpy(rr->rr_sys_name, "sys");
}

static void
l_ras(void *arg, struct engine_conn *conn, const struct d_ras_event *ev)
{
	(void)arg;
	(void)conn;
	assert_int_equal(ev->ev_id, RAS_SWIM_RANK_DEAD);
	lc.lc_ras++;
}

static void
l_ready(void *arg, struct engine_conn *conn, uint32_t rank, uint64_t inc)
{
	(void)arg;
	(void)conn;
	assert_int_equal(rank, 2);
	assert_int_equal(inc, 99);
	lc.lc_ready++;
}

static void
l_closed(void *arg, struct engine_conn *conn)
{
	(void)arg;
	if (conn == lc.lc_conn)
		lc.lc_conn = NULL;
	lc.lc_closed++;
}

static const struct engine_link_ops lops = {
	.elo_accept    = l_accept,
	.elo_register  = l_register,
	.elo_ras_event = l_ras,
	.elo_ready     = l_ready,
	.elo_closed    = l_closed,
};

static void
l_reply_cb(void *arg, int status, json_t *reply)
{
	(void)arg;
	lc.lc_reply_status = status;
	lc.lc_reply_done   = true;
	snprintf(lc.lc_reply_text, sizeof(lc.lc_reply_text), "%s",
		 reply != NULL && json_is_string(json_object_get(reply, "masks"))
		     ? json_string_value(json_object_get(reply, "masks")) : "");
}

static int
client_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int                fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
client_send(int fd, const char *text)
{
	assert_int_equal(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Receive one packet (running the loop meanwhile); "" for EOF, NULL on timeout. */
struct crecv {
	int     cr_fd;
	char    cr_buf[4096];
	ssize_t cr_n;
	bool    cr_done;
};

static bool
pred_recv(void *arg)
{
	struct crecv *cr = arg;
	ssize_t       n  = recv(cr->cr_fd, cr->cr_buf, sizeof(cr->cr_buf) - 1, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	cr->cr_n       = n;
	cr->cr_buf[n > 0 ? n : 0] = '\0';
	cr->cr_done    = true;
	return true;
}

static const char *
client_recv(int fd)
{
	static struct crecv cr;

	memset(&cr, 0, sizeof(cr));
	cr.cr_fd = fd;
	if (!run_until(pred_recv, &cr, WAIT_MS))
		return NULL;
	return cr.cr_buf;
}

static bool
pred_closed(void *arg)
{
	return lc.lc_closed >= *(int *)arg;
}

static struct engine_link *
link_create(char *path, size_t len)
{
	struct engine_link *link = NULL;
	char                err[256];

	snprintf(path, len, "%s/link.sock", g->hc_root);
	if (engine_link_create(&g->hc_loop, path, &lops, NULL, &link, err, sizeof(err)) != 0)
		fail_msg("link: %s", err);
	return link;
}

static void
link_close(struct engine_link *link)
{
	bool done = false;

	engine_link_close(link, close_cb, &done);
	assert_true(run_until(pred_flag, &done, WAIT_MS));
}

/* HARN10: engine link: register/reply, ras_event, ready, unknown ops, a bad
 * pid and protocol version, requests with replies and timeouts */
static void
harn10_link_messages(void **state)
{
	struct engine_link *link;
	char                path[128];
	char                want[256];
	const char         *r;
	json_t             *msg;
	int                 fd;
	int                 one = 1;

	(void)state;
	memset(&lc, 0, sizeof(lc));
	link = link_create(path, sizeof(path));
	assert_string_equal(engine_link_path(link), path);
	fd = client_connect(path);

	client_send(fd, "{\"op\":\"register\",\"id\":5,\"proto\":1,\"idx\":3,\"pid\":"
			"0,\"ncpus\":2,\"targets\":1,\"helpers\":0,\"fabric_uri\":\"x\","
			"\"version\":\"2.6.0\"}");
	/* pid 0 is out of range: protocol error, connection closed. */
	assert_string_equal(client_recv(fd), "");
	assert_true(run_until(pred_closed, &one, WAIT_MS));
	close(fd);

	fd = client_connect(path);
	snprintf(want, sizeof(want),
		 "{\"op\":\"register\",\"id\":5,\"proto\":1,\"idx\":3,\"pid\":%d,\"ncpus\":2,"
		 "\"targets\":1,\"helpers\":0,\"fabric_uri\":\"x\",\"version\":\"2.6.0\"}",
		 (int)getpid());
	client_send(fd, want);
	r = client_recv(fd);
	assert_non_null(r);
	assert_string_equal(r, "{\"op\":\"reply\",\"id\":5,\"status\":0,\"formatted\":true,"
			       "\"sys_name\":\"sys\",\"rank\":9}");
	/* A register claiming another pid. */
	client_send(fd, "{\"op\":\"register\",\"id\":6,\"proto\":1,\"idx\":3,\"pid\":1,\"ncpus\":2,"
			"\"targets\":1,\"helpers\":0,\"fabric_uri\":\"x\",\"version\":\"v\"}");
	r = client_recv(fd);
	snprintf(want, sizeof(want),
		 "{\"op\":\"reply\",\"id\":6,\"status\":-1001,\"error\":\"register claims pid 1 "
		 "but the socket peer is pid %d\"}", (int)getpid());
	assert_string_equal(r, want);
	/* Another protocol version. */
	snprintf(want, sizeof(want),
		 "{\"op\":\"register\",\"id\":7,\"proto\":2,\"idx\":3,\"pid\":%d,\"ncpus\":2,"
		 "\"targets\":1,\"helpers\":0,\"fabric_uri\":\"x\",\"version\":\"v\"}",
		 (int)getpid());
	client_send(fd, want);
	assert_string_equal(client_recv(fd),
			    "{\"op\":\"reply\",\"id\":7,\"status\":-1014,\"error\":\"engine link "
			    "protocol 2 is not supported (this server speaks 1)\"}");
	/* Unknown ops: answered when they carry an id, ignored otherwise. */
	client_send(fd, "{\"op\":\"frob\",\"id\":8}");
	assert_string_equal(client_recv(fd), "{\"op\":\"reply\",\"id\":8,\"status\":-2037,"
					     "\"error\":\"unknown op 'frob'\"}");
	client_send(fd, "{\"op\":\"frob\"}");
	/* ras_event and ready reach the owner. */
	client_send(fd, "{\"op\":\"ras_event\",\"event\":{\"id\":\"swim_rank_dead\",\"type\":"
			"\"STATE_CHANGE\",\"severity\":\"NOTICE\",\"timestamp\":"
			"\"2021-11-21T13:32:31.747408+0000\",\"msg\":\"SWIM marked rank as dead.\"}}");
	client_send(fd, "{\"op\":\"ready\",\"rank\":2,\"incarnation\":99}");

	/* A server request answered by the client. */
	msg = json_pack("{s:s, s:s}", "op", "set_logmasks", "masks", "ERR");
	assert_int_equal(engine_link_request(lc.lc_conn, msg, 0, l_reply_cb, NULL), 0);
	json_decref(msg);
	r = client_recv(fd);
	assert_non_null(r);
	assert_string_equal(r, "{\"op\":\"set_logmasks\",\"masks\":\"ERR\",\"id\":1}");
	client_send(fd, "{\"op\":\"reply\",\"id\":1,\"status\":0,\"masks\":\"ERR\"}");
	assert_true(run_until(pred_flag, &lc.lc_reply_done, WAIT_MS));
	assert_int_equal(lc.lc_ras, 1);
	assert_int_equal(lc.lc_ready, 1);
	assert_int_equal(lc.lc_reply_status, 0);
	assert_string_equal(lc.lc_reply_text, "ERR");
	/* A late or unknown reply is only logged. */
	client_send(fd, "{\"op\":\"reply\",\"id\":77,\"status\":0}");

	/* A request the client never answers times out. */
	lc.lc_reply_done = false;
	msg              = json_pack("{s:s}", "op", "set_logmasks");
	assert_int_equal(engine_link_request(lc.lc_conn, msg, 200, l_reply_cb, NULL), 0);
	json_decref(msg);
	assert_true(run_until(pred_flag, &lc.lc_reply_done, WAIT_MS));
	assert_int_equal(lc.lc_reply_status, -DER_TIMEDOUT);

	/* Sends need an op. */
	msg = json_pack("{s:i}", "x", 1);
	assert_int_equal(engine_link_send(lc.lc_conn, msg), -DER_INVAL);
	json_decref(msg);

	/* Closing the link: pending requests get -DER_SHUTDOWN, then elo_closed. */
	lc.lc_reply_done = false;
	msg              = json_pack("{s:s}", "op", "set_logmasks");
	assert_int_equal(engine_link_request(lc.lc_conn, msg, 0, l_reply_cb, NULL), 0);
	json_decref(msg);
	assert_int_equal(lc.lc_closed, 1);
	link_close(link);
	assert_true(lc.lc_reply_done);
	assert_int_equal(lc.lc_reply_status, -DER_SHUTDOWN);
	assert_int_equal(lc.lc_closed, 2);
	assert_int_equal(access(path, F_OK), -1); /* socket file removed */
	close(fd);
}

/* HARN11: engine link protocol errors close the connection: not JSON, not an
 * object, no op, oversize packet, a bad RAS event; a refused peer is closed */
static void
harn11_link_protocol_errors(void **state)
{
	static const char *const bad[] = {
	    "not json",
	    "[1]",
	    "{\"id\":1}",
	    "{\"op\":\"ras_event\",\"event\":{\"id\":\"nope\"}}",
	    "{\"op\":\"ready\",\"rank\":-1,\"incarnation\":0}",
	    "{\"op\":\"register\",\"proto\":1}",
	    "{\"op\":\"reply\",\"id\":1}",
	    "{\"op\":\"x\",\"id\":0}",
	    "{\"op\":\"ready\",\"rank\":1,\"incarnation\":1,\"extra\":1}",
	};
	struct engine_link *link;
	char                path[128];
	char               *big;
	int                 fd;

	(void)state;
	memset(&lc, 0, sizeof(lc));
	link = link_create(path, sizeof(path));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int         want = (int)i + 1;
		const char *r;

		fd = client_connect(path);
		client_send(fd, bad[i]);
		r = client_recv(fd);
		if (r == NULL || strcmp(r, "") != 0)
			fail_msg("case %zu: connection not closed (%s)", i, r ? r : "timeout");
		assert_true(run_until(pred_closed, &want, WAIT_MS));
		close(fd);
	}
	/* One byte over the packet limit. */
	big = malloc(ENGINE_LINK_MSG_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', ENGINE_LINK_MSG_MAX + 1);
	fd = client_connect(path);
	assert_int_equal(send(fd, big, ENGINE_LINK_MSG_MAX + 1, MSG_NOSIGNAL),
			 ENGINE_LINK_MSG_MAX + 1);
	free(big);
	assert_string_equal(client_recv(fd), "");
	close(fd);

	/* A peer the owner refuses: closed, and elo_closed is not owed. */
	lc.lc_refuse = true;
	lc.lc_closed = 0;
	fd           = client_connect(path);
	assert_string_equal(client_recv(fd), "");
	close(fd);
	assert_int_equal(lc.lc_closed, 0);
	link_close(link);
}

/* HARN12: socket file handling: a live socket is not stolen (-DER_BUSY), a
 * non-socket is refused (-DER_EXIST), a stale one is replaced; the harness
 * refuses connections from processes that are not its engines */
static void
harn12_link_socket_file(void **state)
{
	struct hctx        *hc = *state;
	struct engine_link *link, *link2 = NULL;
	struct sockaddr_un  sa = {.sun_family = AF_UNIX};
	char                path[128];
	char                err[256];
	int                 fd;

	memset(&lc, 0, sizeof(lc));
	link = link_create(path, sizeof(path));
	assert_int_equal(engine_link_create(&hc->hc_loop, path, &lops, NULL, &link2, err,
					    sizeof(err)), -DER_BUSY);
	assert_non_null(strstr(err, "another daos_server is listening there"));
	link_close(link);

	/* A stale socket (bound, nobody listening). */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	link = link_create(path, sizeof(path));
	link_close(link);

	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(engine_link_create(&hc->hc_loop, path, &lops, NULL, &link2, err,
					    sizeof(err)), -DER_EXIST);
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(engine_link_create(&hc->hc_loop, "relative.sock", &lops, NULL, &link2,
					    err, sizeof(err)), -DER_INVAL);

	/* The harness only accepts its own children. */
	make_config(hc, 1, "ERR");
	harness_create(NULL);
	fd = client_connect(srv_harness_socket_path(hc->hc_h));
	client_send(fd, "{\"op\":\"frob\",\"id\":1}");
	assert_string_equal(client_recv(fd), "");
	close(fd);
}

/* Run daos_engine with @args; its exit status and output (stdout + stderr). */
static int
run_engine(const char *args, const char *env, char *out, size_t len)
{
	char   cmd[1024];
	FILE  *p;
	size_t n;
	int    st;

	snprintf(cmd, sizeof(cmd), "%s '%s' %s 2>&1", env, getenv(SRV_HARNESS_BIN_ENV), args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n      = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st     = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* HARN13: daos_engine's command line: bad values, exclusive options, unknown
 * options and a bad D_LOG_MASK exit with ENGINE_EXIT_USAGE and the reason */
static void
harn13_engine_cmdline(void **state)
{
	static const struct {
		const char *args;
		const char *env;
		int         code;
		const char *text;
	} cases[] = {
	    {"--version", "", ENGINE_EXIT_OK, "daos_engine version 2.6.0\n"},
	    {"-h", "", ENGINE_EXIT_OK, "  -t, --targets=N            number of targets"},
	    {"-t 0", "", ENGINE_EXIT_USAGE, "daos_engine: -t/--targets: 0 not in [1, 64]\n"},
	    {"-t 2x", "", ENGINE_EXIT_USAGE, "daos_engine: -t/--targets: '2x' is not a number\n"},
	    {"-x 65", "", ENGINE_EXIT_USAGE, "daos_engine: -x/--xshelpernr: 65 not in [0, 64]\n"},
	    {"-I 16", "", ENGINE_EXIT_USAGE, "daos_engine: -I/--instance_idx: 16 not in [0, 15]"},
	    {"-f 1 -p 0", "", ENGINE_EXIT_USAGE,
	     "daos_engine: -f/--firstcore and -p/--pinned_numa_node are mutually exclusive\n"},
	    {"-g abcdefghijklmnop", "", ENGINE_EXIT_USAGE,
	     "daos_engine: -g/--group: length must be 1 to 15 bytes\n"},
	    {"-s relative", "", ENGINE_EXIT_USAGE,
	     "daos_engine: -s/--storage: 'relative' is not an absolute path\n"},
	    {"-q", "", ENGINE_EXIT_USAGE, "daos_engine: unknown option -q\n"},
	    {"--frob", "", ENGINE_EXIT_USAGE, "daos_engine: unknown option --frob\n"},
	    {"-t", "", ENGINE_EXIT_USAGE, "daos_engine: option -t needs a value\n"},
	    {"extra", "", ENGINE_EXIT_USAGE, "daos_engine: unexpected argument 'extra'\n"},
	    {"-t 1", "D_LOG_MASK=LOUD", ENGINE_EXIT_USAGE, "d_log_init: "},
	};
	char out[8192];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int code = run_engine(cases[i].args, cases[i].env, out, sizeof(out));

		if (code != cases[i].code || strstr(out, cases[i].text) == NULL)
			fail_msg("'%s': exit %d, output '%s'", cases[i].args, code, out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(harn01_bring_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn02_set_logmasks, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn03_killed_and_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn04_stop_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn05_stop_escalation, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn06_register_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn07_spawn_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn08_join_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn09_bad_superblock, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn10_link_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn11_link_protocol_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(harn12_link_socket_file, setup, teardown),
	    cmocka_unit_test(harn13_engine_cmdline),
	};

	return cmocka_run_group_tests_name("harness", tests, group_setup, NULL);
}
