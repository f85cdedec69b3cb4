/*
 * test_ms_raft.c: the Management Service's Raft node (src/control/ms_raft.c).
 *
 * Two kinds of cases:
 *  - the FSM glue (struct ms_fsm) under raft's in-memory fixture, which runs
 *    a cluster on simulated time: deterministic election, replication and
 *    snapshot installation, in milliseconds;
 *  - real nodes over raft_uv on 127.0.0.1 in mkdtemp directories, all on
 *    one uv loop run by the test thread (a second thread submits commands).
 *    Ports are found by binding port 0; a start that finds its port taken is
 *    retried with new ports. Every wait is bounded: the loop is run with
 *    UV_RUN_ONCE and a 5 ms timer until a condition holds or a deadline.
 * SIGPIPE is ignored, as ms_raft.h requires of the process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <raft.h>
#include <raft/fixture.h>
#include <uv.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "control/ms_raft.h"

#define SYS      "daos_server"
/* Bound of every wait for the cluster (ms). */
#define WAIT_MS  10000
/* Bound of a bulk submit phase (ms). */
#define BULK_MS  60000
#define NODES    3

static char g_root[64]; /* mkdtemp directory of the current case */

/*
 * Helpers
 */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(g_root, sizeof(g_root), "/tmp/test_ms_raft.XXXXXX");
	assert_non_null(mkdtemp(g_root));
	return 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	nftw(g_root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct ms_db *
new_db(void)
{
	struct ms_db *db = NULL;

	assert_int_equal(ms_db_create(SYS, &db, NULL, 0), 0);
	return db;
}

static void
eng_uuid(unsigned i, uuid_t u)
{
	memset(u, 0x22, sizeof(uuid_t));
	u[14] = (unsigned char)(i >> 8);
	u[15] = (unsigned char)i;
}

/* Command i of the test stream: JOIN of engine i for i < 200 and for
 * 500 <= i < 600 (engine 200 + i - 500), else SET_STATE of rank i % 200. */
static void
make_cmd(unsigned i, void **buf, size_t *len)
{
	struct ms_cmd    c = {0};
	struct d_rankset rs;
	char             ctl[32];
	char             uri[64];
	char             reason[32];
	char             err[256];

	d_rankset_init(&rs);
	if (i < 200 || (i >= 500 && i < 600)) {
		unsigned e = i < 200 ? i : 200 + i - 500;

		c.mc_op = MS_CMD_JOIN;
		eng_uuid(e, c.mc_uuid);
		snprintf(ctl, sizeof(ctl), "node%u:10001", e / 2);
		snprintf(uri, sizeof(uri), "ofi+tcp;ofi_rxm://10.1.0.%u:%u", e / 2,
			 20000 + (e % 2) * 1000);
		c.mc_rank         = D_RANK_NIL;
		c.mc_ctl_addr     = ctl;
		c.mc_fabric_uri   = uri;
		c.mc_fault_domain = "/rack0";
		c.mc_nr_targets   = 4;
		c.mc_inc          = 1000 + i;
		c.mc_time         = 2000 + i;
	} else {
		c.mc_op = MS_CMD_SET_STATE;
		assert_int_equal(d_rankset_add(&rs, i % 200), 0);
		snprintf(reason, sizeof(reason), "step %u", i);
		c.mc_ranks  = &rs;
		c.mc_state  = (i & 1) ? MS_STATE_STOPPED : MS_STATE_JOINED;
		c.mc_reason = reason;
		c.mc_time   = 3000 + i;
	}
	if (ms_cmd_encode(&c, buf, len, err, sizeof(err)) != 0)
		fail_msg("encode %u: %s", i, err);
	d_rankset_fini(&rs);
}

static bool
same_db(struct ms_db *a, struct ms_db *b)
{
	void  *x;
	void  *y;
	size_t lx;
	size_t ly;
	bool   same;

	assert_int_equal(ms_db_snapshot(a, &x, &lx), 0);
	assert_int_equal(ms_db_snapshot(b, &y, &ly), 0);
	same = lx == ly && memcmp(x, y, lx) == 0;
	free(x);
	free(y);
	return same;
}

/*
 * Fixture cases: the FSM glue on simulated time.
 */

struct fx_apply {
	struct raft_apply fa_req;
	int               fa_status;
	int               fa_rc;
	uint32_t          fa_rank;
	bool              fa_done;
};

static void
fx_apply_cb(struct raft_apply *req, int status, void *result)
{
	struct fx_apply           *a   = req->data;
	const struct ms_db_result *res = result;

	a->fa_status = status;
	a->fa_done   = true;
	if (status == 0) {
		a->fa_rc   = res->mr_rc;
		a->fa_rank = res->mr_rank;
	}
}

static raft_index
fx_apply(struct raft *r, struct fx_apply *a, unsigned i)
{
	struct raft_buffer buf;
	void              *cmd;
	size_t             len;

	make_cmd(i, &cmd, &len);
	buf.base = raft_malloc(len);
	assert_non_null(buf.base);
	memcpy(buf.base, cmd, len);
	buf.len = len;
	free(cmd);
	memset(a, 0, sizeof(*a));
	a->fa_req.data = a;
	assert_int_equal(raft_apply(r, &a->fa_req, &buf, 1, fx_apply_cb), 0);
	return raft_last_index(r);
}

struct fx {
	struct raft_fixture f;
	struct ms_db       *dbs[NODES];
	struct ms_fsm       fsms[NODES];
};

static void
fx_start(struct fx *x, unsigned threshold, unsigned trailing)
{
	struct raft_configuration conf;

	/* The fixture does not clear everything it relies on. */
	memset(x, 0, sizeof(*x));
	assert_int_equal(raft_fixture_initialize(&x->f), 0);
	for (int i = 0; i < NODES; i++) {
		x->dbs[i] = new_db();
		ms_fsm_init(&x->fsms[i], x->dbs[i]);
		assert_int_equal(raft_fixture_grow(&x->f, &x->fsms[i].mf_fsm), 0);
		raft_set_snapshot_threshold(raft_fixture_get(&x->f, i), threshold);
		raft_set_snapshot_trailing(raft_fixture_get(&x->f, i), trailing);
	}
	assert_int_equal(raft_fixture_configuration(&x->f, NODES, &conf), 0);
	assert_int_equal(raft_fixture_bootstrap(&x->f, &conf), 0);
	raft_configuration_close(&conf);
	assert_int_equal(raft_fixture_start(&x->f), 0);
	raft_fixture_elect(&x->f, 0);
	assert_int_equal(raft_fixture_leader_index(&x->f), 0);
}

static void
fx_stop(struct fx *x)
{
	raft_fixture_close(&x->f);
	for (int i = 0; i < NODES; i++)
		ms_db_destroy(x->dbs[i]);
}

/* MSRAFT01: fixture: applies on the leader reach every replica's database;
 * the leader's callback gets the ms_db result, refusals included */
static void
msraft01_fixture_replicate(void **state)
{
	struct fx       x;
	struct fx_apply a[12];
	raft_index      idx = 0;
	struct raft    *r;

	(void)state;
	fx_start(&x, 1024, 128);
	r = raft_fixture_get(&x.f, 0);
	for (unsigned i = 0; i < 10; i++)
		idx = fx_apply(r, &a[i], i);
	/* A rejoin with another requested rank: refused, on every replica. */
	{
		struct ms_cmd      c = {.mc_op = MS_CMD_JOIN};
		struct raft_buffer buf;
		void              *cmd;
		size_t             len;

		eng_uuid(3, c.mc_uuid);
		c.mc_rank         = 7;
		c.mc_ctl_addr     = "node1:10001";
		c.mc_fabric_uri   = "ofi+tcp://10.1.0.1:20000";
		c.mc_fault_domain = "/rack0";
		c.mc_nr_targets   = 4;
		c.mc_inc          = 5;
		assert_int_equal(ms_cmd_encode(&c, &cmd, &len, NULL, 0), 0);
		buf.base = raft_malloc(len);
		memcpy(buf.base, cmd, len);
		buf.len = len;
		free(cmd);
		memset(&a[10], 0, sizeof(a[10]));
		a[10].fa_req.data = &a[10];
		assert_int_equal(raft_apply(r, &a[10].fa_req, &buf, 1, fx_apply_cb), 0);
		idx = raft_last_index(r);
	}
	assert_true(raft_fixture_step_until_applied(&x.f, NODES, idx, 5000));
	for (unsigned i = 0; i < 10; i++) {
		assert_true(a[i].fa_done);
		assert_int_equal(a[i].fa_status, 0);
		assert_int_equal(a[i].fa_rc, 0);
		assert_int_equal(a[i].fa_rank, i);
	}
	assert_true(a[10].fa_done);
	assert_int_equal(a[10].fa_rc, -DER_MISMATCH);
	for (int i = 0; i < NODES; i++) {
		assert_int_equal(ms_db_nr_members(x.dbs[i]), 10);
		assert_int_equal(ms_db_map_version(x.dbs[i]), 10);
		assert_int_equal(x.fsms[i].mf_nr_applied, 11);
	}
	assert_true(same_db(x.dbs[0], x.dbs[1]));
	assert_true(same_db(x.dbs[0], x.dbs[2]));
	/* A follower cannot apply. */
	{
		struct fx_apply    b;
		struct raft_buffer buf = {raft_malloc(4), 4};

		memcpy(buf.base, "{}  ", 4);
		b.fa_req.data = &b;
		assert_int_equal(raft_apply(raft_fixture_get(&x.f, 1), &b.fa_req, &buf, 1,
					    fx_apply_cb),
				 RAFT_NOTLEADER);
		raft_free(buf.base);
	}
	fx_stop(&x);
}

/* MSRAFT02: fixture: snapshots are taken and a lagging replica catches up
 * by installing one (restore through the glue) */
static void
msraft02_fixture_snapshot_install(void **state)
{
	struct fx       x;
	struct fx_apply a[60];
	raft_index      idx = 0;
	struct raft    *r;

	(void)state;
	fx_start(&x, 8, 2);
	r = raft_fixture_get(&x.f, 0);
	raft_fixture_kill(&x.f, 2);
	for (unsigned i = 0; i < 60; i++) {
		idx = fx_apply(r, &a[i], i);
		assert_true(raft_fixture_step_until_applied(&x.f, 0, idx, 5000));
	}
	assert_true(raft_fixture_step_until_applied(&x.f, 1, idx, 5000));
	assert_true(x.fsms[0].mf_nr_snapshots >= 5);
	assert_true(r->log.snapshot.last_index > 40);
	assert_int_equal(x.fsms[2].mf_nr_restores, 0);
	assert_int_equal(ms_db_nr_members(x.dbs[2]), 0);
	raft_fixture_revive(&x.f, 2);
	assert_true(raft_fixture_step_until_applied(&x.f, 2, idx, 10000));
	assert_true(x.fsms[2].mf_nr_restores >= 1);
	assert_int_equal(x.fsms[2].mf_restore_rc, 0);
	for (unsigned i = 0; i < 60; i++) {
		assert_true(a[i].fa_done);
		assert_int_equal(a[i].fa_rc, 0);
	}
	assert_int_equal(ms_db_nr_members(x.dbs[2]), 60);
	assert_true(same_db(x.dbs[0], x.dbs[2]));
	assert_true(same_db(x.dbs[0], x.dbs[1]));
	fx_stop(&x);
}

/*
 * Real nodes
 */

struct node {
	struct ms_raft *nd_mr;
	struct ms_db   *nd_db;
	uint64_t        nd_id;
	char            nd_addr[32];
	char            nd_dir[128];
	bool            nd_stopped;
	int             nd_nr_leader_cb;
	bool            nd_is_leader; /* as last reported by the callback */
};

struct cluster {
	uv_loop_t           cl_loop;
	unsigned            cl_nr;
	struct node         cl_nodes[NODES];
	struct ms_raft_peer cl_peers[NODES];
	uint32_t            cl_election_ms;
	uint32_t            cl_stop_timeout_ms;
	int                 cl_nr_ras;
	struct d_ras_event  cl_ras;
};

static void
leader_cb(void *arg, bool is_leader, uint64_t id, const char *addr)
{
	struct node *nd = arg;

	(void)id;
	(void)addr;
	nd->nd_nr_leader_cb++;
	nd->nd_is_leader = is_leader;
}

static struct cluster *g_cl; /* for the RAS callback */

static void
ras_cb(const struct d_ras_event *ev, void *arg)
{
	struct cluster *cl = g_cl;

	(void)arg;
	cl->cl_ras = *ev;
	cl->cl_nr_ras++;
}

static void
tick_cb(uv_timer_t *t)
{
	(void)t;
}

/* Run the loop until @pred holds or @ms pass. */
static bool
run_until(uv_loop_t *loop, bool (*pred)(void *), void *arg, unsigned ms)
{
	uv_timer_t t;
	uint64_t   deadline = now_ms() + ms;
	bool       ok;

	uv_timer_init(loop, &t);
	uv_timer_start(&t, tick_cb, 5, 5);
	/* The tick only bounds each turn; it must not keep the loop alive. */
	uv_unref((uv_handle_t *)&t);
	while (!(ok = pred(arg)) && now_ms() < deadline)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return ok;
}

/* Free 127.0.0.1 ports, all distinct. */
static void
pick_ports(unsigned nr, unsigned *ports)
{
	int fds[NODES];

	for (unsigned i = 0; i < nr; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		socklen_t          sl = sizeof(sa);

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fds[i]             = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[i] >= 0);
		assert_int_equal(bind(fds[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(getsockname(fds[i], (struct sockaddr *)&sa, &sl), 0);
		ports[i] = ntohs(sa.sin_port);
	}
	for (unsigned i = 0; i < nr; i++)
		close(fds[i]);
}

static int
node_start(struct cluster *cl, unsigned i, char *err, size_t errlen)
{
	struct node       *nd  = &cl->cl_nodes[i];
	struct ms_raft_cfg cfg = {
	    .rc_loop                 = &cl->cl_loop,
	    .rc_id                   = nd->nd_id,
	    .rc_addr                 = nd->nd_addr,
	    .rc_voters               = cl->cl_peers,
	    .rc_nr_voters            = cl->cl_nr,
	    .rc_dir                  = nd->nd_dir,
	    .rc_db                   = nd->nd_db,
	    .rc_election_timeout_ms  = cl->cl_election_ms,
	    .rc_heartbeat_timeout_ms = 50,
	    .rc_snapshot_threshold   = 64,
	    .rc_snapshot_trailing    = 16,
	    .rc_segment_size         = 64 * 1024,
	    .rc_stop_timeout_ms      = cl->cl_stop_timeout_ms,
	    .rc_connect_retry_ms     = 100,
	    .rc_install_snapshot_timeout_ms = 1000,
	    .rc_leader_cb            = leader_cb,
	    .rc_ras_cb               = ras_cb,
	    .rc_cb_arg               = nd,
	};
	int rc;

	nd->nd_stopped = false;
	rc             = ms_raft_start(&cfg, &nd->nd_mr, err, errlen);
	if (rc != 0)
		nd->nd_mr = NULL;
	return rc;
}

static bool
no_handles(void *arg)
{
	return !uv_loop_alive(arg);
}

static void
stopped_cb(void *arg)
{
	struct node *nd = arg;

	nd->nd_stopped = true;
	nd->nd_mr      = NULL;
}

static bool
node_is_stopped(void *arg)
{
	return ((struct node *)arg)->nd_stopped;
}

static bool
all_stopped(void *arg)
{
	struct cluster *cl = arg;

	for (unsigned i = 0; i < cl->cl_nr; i++)
		if (cl->cl_nodes[i].nd_mr != NULL)
			return false;
	return true;
}

/* Start @nr nodes on fresh ports and directories (retrying taken ports). */
static void
cluster_start(struct cluster *cl, unsigned nr, uint32_t election_ms, uint32_t stop_timeout_ms)
{
	char err[MS_RAFT_ERRBUF_SIZE];

	memset(cl, 0, sizeof(*cl));
	g_cl                  = cl;
	cl->cl_nr             = nr;
	cl->cl_election_ms    = election_ms;
	cl->cl_stop_timeout_ms = stop_timeout_ms;
	assert_int_equal(uv_loop_init(&cl->cl_loop), 0);
	for (int attempt = 0;; attempt++) {
		unsigned ports[NODES];
		unsigned started = 0;
		int      rc      = 0;

		pick_ports(nr, ports);
		for (unsigned i = 0; i < nr; i++) {
			struct node *nd = &cl->cl_nodes[i];

			nd->nd_id = i + 1;
			snprintf(nd->nd_addr, sizeof(nd->nd_addr), "127.0.0.1:%u", ports[i]);
			snprintf(nd->nd_dir, sizeof(nd->nd_dir), "%s/n%u.%d", g_root, i, attempt);
			assert_int_equal(mkdir(nd->nd_dir, 0700), 0);
			if (nd->nd_db == NULL)
				nd->nd_db = new_db();
			cl->cl_peers[i].rp_id   = nd->nd_id;
			cl->cl_peers[i].rp_addr = nd->nd_addr;
		}
		for (; started < nr; started++) {
			rc = node_start(cl, started, err, sizeof(err));
			if (rc != 0)
				break;
		}
		if (rc == 0)
			return;
		print_message("start attempt %d: %s\n", attempt, err);
		assert_int_equal(rc, -DER_BUSY);
		assert_true(attempt < 5);
		for (unsigned i = 0; i < started; i++)
			assert_int_equal(ms_raft_stop(cl->cl_nodes[i].nd_mr, stopped_cb,
						      &cl->cl_nodes[i]),
					 0);
		assert_true(run_until(&cl->cl_loop, all_stopped, cl, WAIT_MS));
	}
}

/* Stop what still runs, drain the loop, close it, free the databases. */
static void
cluster_fini(struct cluster *cl)
{
	for (unsigned i = 0; i < cl->cl_nr; i++)
		if (cl->cl_nodes[i].nd_mr != NULL)
			ms_raft_stop(cl->cl_nodes[i].nd_mr, stopped_cb, &cl->cl_nodes[i]);
	assert_true(run_until(&cl->cl_loop, all_stopped, cl, 3 * WAIT_MS));
	assert_true(run_until(&cl->cl_loop, no_handles, &cl->cl_loop, WAIT_MS));
	assert_int_equal(uv_loop_close(&cl->cl_loop), 0);
	for (unsigned i = 0; i < cl->cl_nr; i++)
		ms_db_destroy(cl->cl_nodes[i].nd_db);
	g_cl = NULL;
}

/* Index of the node that is leader (and seen as leader by the loop), or -1. */
static int
leader_of(struct cluster *cl)
{
	for (unsigned i = 0; i < cl->cl_nr; i++) {
		struct node *nd = &cl->cl_nodes[i];

		if (nd->nd_mr != NULL && ms_raft_is_leader(nd->nd_mr))
			return (int)i;
	}
	return -1;
}

/* A leader that every other running node knows, and a database with a UUID. */
static bool
has_leader(void *arg)
{
	struct cluster *cl = arg;
	int             l  = leader_of(cl);
	uint64_t        id;

	if (l < 0 || !ms_db_has_uuid(cl->cl_nodes[l].nd_db))
		return false;
	for (unsigned i = 0; i < cl->cl_nr; i++) {
		struct node *nd = &cl->cl_nodes[i];

		if (nd->nd_mr == NULL)
			continue;
		if (ms_raft_leader(nd->nd_mr, &id, NULL, 0) != 0 ||
		    id != cl->cl_nodes[l].nd_id)
			return false;
	}
	return true;
}

/* Every running node's database equals the leader's. */
static bool
converged(void *arg)
{
	struct cluster *cl = arg;
	int             l  = leader_of(cl);

	if (l < 0)
		return false;
	for (unsigned i = 0; i < cl->cl_nr; i++) {
		struct node *nd = &cl->cl_nodes[i];

		if (nd->nd_mr != NULL && (int)i != l &&
		    (ms_db_map_version(nd->nd_db) != ms_db_map_version(cl->cl_nodes[l].nd_db) ||
		     !same_db(nd->nd_db, cl->cl_nodes[l].nd_db)))
			return false;
	}
	return true;
}

/* converged(), printing the nodes' progress when it does not hold. */
static bool
wait_converged(struct cluster *cl)
{
	if (run_until(&cl->cl_loop, converged, cl, WAIT_MS))
		return true;
	for (unsigned i = 0; i < cl->cl_nr; i++) {
		struct ms_raft_info info;

		if (cl->cl_nodes[i].nd_mr == NULL)
			continue;
		ms_raft_info(cl->cl_nodes[i].nd_mr, &info);
		print_message("node %u: state %d applied %llu last %llu snapshot %llu restores "
			      "%llu map %llu\n",
			      i + 1, info.ri_raft_state, (unsigned long long)info.ri_last_applied,
			      (unsigned long long)info.ri_last_index,
			      (unsigned long long)info.ri_snapshot_index,
			      (unsigned long long)info.ri_nr_restores,
			      (unsigned long long)ms_db_map_version(cl->cl_nodes[i].nd_db));
	}
	return false;
}

/*
 * The submitter thread: commands [first, first + count) one at a time
 * through ms_raft_submit() to whichever node is leader, retrying on
 * -DER_NOTLEADER / -DER_SHUTDOWN / -DER_BUSY.
 */
struct submitter {
	struct cluster *sb_cl;
	unsigned        sb_first;
	unsigned        sb_count;
	pthread_mutex_t sb_lock;
	pthread_cond_t  sb_cv;
	bool            sb_got;
	int             sb_rc;
	uint32_t        sb_rank;
	atomic_bool     sb_done;
	int             sb_failures;
	unsigned        sb_retries;
};

static void
sub_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct submitter *s = arg;

	pthread_mutex_lock(&s->sb_lock);
	s->sb_rc   = rc;
	s->sb_rank = res != NULL ? res->mr_rank : D_RANK_NIL;
	s->sb_got  = true;
	pthread_cond_signal(&s->sb_cv);
	pthread_mutex_unlock(&s->sb_lock);
}

static void *
sub_main(void *arg)
{
	struct submitter *s        = arg;
	uint64_t          deadline = now_ms() + BULK_MS;

	for (unsigned i = s->sb_first; i < s->sb_first + s->sb_count; i++) {
		void  *cmd;
		size_t len;
		int    rc = -DER_NOTLEADER;

		make_cmd(i, &cmd, &len);
		while (now_ms() < deadline) {
			int l = leader_of(s->sb_cl);

			if (l >= 0) {
				pthread_mutex_lock(&s->sb_lock);
				s->sb_got = false;
				rc = ms_raft_submit(s->sb_cl->cl_nodes[l].nd_mr, cmd, len, sub_cb, s);
				while (rc == 0 && !s->sb_got)
					pthread_cond_wait(&s->sb_cv, &s->sb_lock);
				if (rc == 0)
					rc = s->sb_rc;
				pthread_mutex_unlock(&s->sb_lock);
			}
			if (rc != -DER_NOTLEADER && rc != -DER_SHUTDOWN && rc != -DER_BUSY)
				break;
			s->sb_retries++;
			usleep(10000);
		}
		free(cmd);
		if (rc != 0 || (i < 200 && s->sb_rank != i)) {
			print_message("command %u: rc %d rank %u\n", i, rc, s->sb_rank);
			s->sb_failures++;
		}
	}
	atomic_store(&s->sb_done, true);
	return NULL;
}

static bool
sub_finished(void *arg)
{
	return atomic_load(&((struct submitter *)arg)->sb_done);
}

static void
submit_bulk(struct cluster *cl, unsigned first, unsigned count)
{
	struct submitter s = {.sb_cl = cl, .sb_first = first, .sb_count = count};
	pthread_t        th;
	uint64_t         t0 = now_ms();

	pthread_mutex_init(&s.sb_lock, NULL);
	pthread_cond_init(&s.sb_cv, NULL);
	atomic_init(&s.sb_done, false);
	assert_int_equal(pthread_create(&th, NULL, sub_main, &s), 0);
	/* The callbacks run here, on the loop thread. */
	assert_true(run_until(&cl->cl_loop, sub_finished, &s, BULK_MS + WAIT_MS));
	pthread_join(th, NULL);
	print_message("%u commands in %llu ms (%u retries)\n", count,
		      (unsigned long long)(now_ms() - t0), s.sb_retries);
	assert_int_equal(s.sb_failures, 0);
	pthread_mutex_destroy(&s.sb_lock);
	pthread_cond_destroy(&s.sb_cv);
}

/* MSRAFT03: configurations are checked before anything starts */
static void
msraft03_config(void **state)
{
	uv_loop_t           loop;
	struct ms_db       *db = new_db();
	struct ms_raft     *mr = NULL;
	char                err[MS_RAFT_ERRBUF_SIZE];
	char                file[128];
	struct ms_raft_peer peers[2] = {{1, "127.0.0.1:9"}, {2, "127.0.0.1:10"}};
	struct ms_raft_cfg  cfg      = {.rc_id = 1, .rc_addr = "127.0.0.1:9", .rc_voters = peers,
					.rc_nr_voters = 2, .rc_dir = g_root, .rc_db = db};
	struct ms_raft_cfg  c;
	unsigned            port;
	int                 fd;
	struct sockaddr_in  sa = {.sin_family = AF_INET};

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	cfg.rc_loop = &loop;

	assert_int_equal(ms_raft_start(NULL, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: the loop, database and data directory are required");
	c           = cfg;
	c.rc_addr   = "localhost:9";
	peers[0].rp_addr = "localhost:9";
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: node address 'localhost:9' is not a numeric IPv4 "
				 "address and port a.b.c.d:port (the raft library cannot resolve "
				 "host names or use IPv6)");
	peers[0].rp_addr = "127.0.0.1:9";
	for (const char *const *a = (const char *const[]){"[::1]:9", "127.0.0.01:9",
							  "127.0.0.1:0", "127.0.0.1:65536",
							  "127.0.0.1", "127.0.0:9", "1.2.3.256:9",
							  "127.0.0.1:9 ", NULL};
	     *a != NULL; a++) {
		char want[256];

		c         = cfg;
		c.rc_addr = *a;
		assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
		snprintf(want, sizeof(want),
			 "ms_raft: node address '%s' is not a numeric IPv4 address and port "
			 "a.b.c.d:port (the raft library cannot resolve host names or use IPv6)",
			 *a);
		assert_string_equal(err, want);
	}
	c       = cfg;
	c.rc_id = 0;
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: node id must be greater than 0");
	c       = cfg;
	c.rc_id = 3;
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: node 3 is not in the voter list");
	c         = cfg;
	c.rc_addr = "127.0.0.1:11";
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: node 1 is 127.0.0.1:9 in the voter list but "
				 "127.0.0.1:11 itself");
	peers[1].rp_id = 1;
	assert_int_equal(ms_raft_start(&cfg, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: voter id 1 appears twice");
	peers[1].rp_id   = 2;
	peers[1].rp_addr = "127.0.0.1:9";
	assert_int_equal(ms_raft_start(&cfg, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: voter address 127.0.0.1:9 appears twice");
	peers[1].rp_addr = "host2:10";
	assert_int_equal(ms_raft_start(&cfg, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: voter address 'host2:10' is not a numeric IPv4 "
				 "address and port a.b.c.d:port (the raft library cannot resolve "
				 "host names or use IPv6)");
	peers[1].rp_addr = "127.0.0.1:10";
	peers[1].rp_id   = 0;
	assert_int_equal(ms_raft_start(&cfg, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: voter 1 has id 0");
	peers[1].rp_id = 2;
	c              = cfg;
	c.rc_nr_voters = 0;
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: the voter list must have 1 to 9 voters");
	c        = cfg;
	snprintf(file, sizeof(file), "%s/nope", g_root);
	c.rc_dir = file;
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_true(strstr(err, "/nope': No such file or directory") != NULL);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_true(strstr(err, "/nope' is not a directory") != NULL);
	c                         = cfg;
	c.rc_election_timeout_ms  = 100;
	c.rc_heartbeat_timeout_ms = 100;
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: heartbeat timeout (ms) must be in [10, 99], got 100");
	c                        = cfg;
	c.rc_election_timeout_ms = 60001;
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: election timeout (ms) must be in [10, 60000], got 60001");
	c                 = cfg;
	c.rc_segment_size = 4096;
	assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_raft: segment size must be in [8192, 268435456], got 4096");

	/* An address in use is refused clearly. */
	fd                 = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	{
		socklen_t sl = sizeof(sa);
		char      addr[32];
		char      want[96];

		assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
		port = ntohs(sa.sin_port);
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
		peers[0].rp_addr = addr;
		c                = cfg;
		c.rc_addr        = addr;
		assert_int_equal(ms_raft_start(&c, &mr, err, sizeof(err)), -DER_BUSY);
		snprintf(want, sizeof(want), "ms_raft: address %s is in use", addr);
		assert_string_equal(err, want);
		peers[0].rp_addr = "127.0.0.1:9";
	}
	close(fd);
	assert_null(mr);
	assert_int_equal(uv_loop_close(&loop), 0);
	ms_db_destroy(db);
}

/* Counts callbacks of applies fired from the loop thread. */
struct counter {
	int      ct_calls;
	int      ct_ok;
	int      ct_shutdown;
	int      ct_notleader;
	int      ct_busy;
	int      ct_other;
	uint32_t ct_last_rank;
};

static void
count_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct counter *c = arg;

	c->ct_calls++;
	if (rc == 0)
		c->ct_ok++;
	else if (rc == -DER_SHUTDOWN)
		c->ct_shutdown++;
	else if (rc == -DER_NOTLEADER)
		c->ct_notleader++;
	else if (rc == -DER_BUSY)
		c->ct_busy++;
	else
		c->ct_other++;
	if (res != NULL)
		c->ct_last_rank = res->mr_rank;
	if (rc == 0)
		assert_non_null(res);
}

static struct counter *g_hammer_ct; /* MSRAFT08's counter */

struct wait_calls {
	struct counter *wc_ct;
	int             wc_nr;
};

static bool
calls_reached(void *arg)
{
	struct wait_calls *w = arg;

	return w->wc_ct->ct_calls >= w->wc_nr;
}

/* MSRAFT04: a single access point: elects itself, applies, snapshots and
 * restarts from its snapshot + log; submit bounds; malformed commands stay
 * out of the log */
static void
msraft04_single_node(void **state)
{
	struct cluster      cl;
	struct node        *nd = &cl.cl_nodes[0];
	struct counter      ct = {0};
	struct wait_calls   w  = {&ct, 1};
	struct ms_raft_info info;
	void               *cmd;
	size_t              len;
	void               *snap;
	size_t              snap_len;
	char                err[MS_RAFT_ERRBUF_SIZE];
	char                addr[MS_RAFT_ADDR_MAX];
	uint64_t            id;
	int                 accepted = 0;
	int                 busy     = 0;

	(void)state;
	cluster_start(&cl, 1, 200, 0);
	assert_true(run_until(&cl.cl_loop, has_leader, &cl, WAIT_MS));
	assert_true(nd->nd_is_leader);
	assert_int_equal(nd->nd_nr_leader_cb, 1);
	assert_int_equal(ms_raft_leader(nd->nd_mr, &id, addr, sizeof(addr)), 0);
	assert_int_equal(id, 1);
	assert_string_equal(addr, nd->nd_addr);
	assert_int_equal(ms_raft_leader(nd->nd_mr, &id, addr, 4), -DER_TRUNC);

	make_cmd(0, &cmd, &len);
	assert_int_equal(ms_raft_apply(nd->nd_mr, cmd, len, count_cb, &ct), 0);
	free(cmd);
	assert_true(run_until(&cl.cl_loop, calls_reached, &w, WAIT_MS));
	assert_int_equal(ct.ct_ok, 1);
	assert_int_equal(ct.ct_last_rank, 0);
	/* Malformed commands are refused before reaching the log. */
	ms_raft_info(nd->nd_mr, &info);
	assert_int_equal(ms_raft_apply(nd->nd_mr, "{\"v\":1}", 7, count_cb, &ct), -DER_INVAL);
	assert_int_equal(ms_raft_apply(nd->nd_mr, "{\"v\":9,\"op\":\"x\"}", 16, count_cb, &ct),
			 -DER_PROTO);
	{
		struct ms_raft_info now;

		ms_raft_info(nd->nd_mr, &now);
		assert_int_equal(now.ri_last_index, info.ri_last_index);
	}
	assert_int_equal(ms_raft_submit(nd->nd_mr, "", 0, count_cb, &ct), -DER_INVAL);
	assert_int_equal(ms_raft_submit(nd->nd_mr, "x", MS_CMD_MAX + 1, count_cb, &ct),
			 -DER_INVAL);

	/* The submit queue is bounded: fill it without running the loop. */
	for (unsigned i = 1; i <= MS_RAFT_SUBMIT_MAX + 1; i++) {
		int rc;

		make_cmd(i % 200 + (i >= 200 ? 200 : 0), &cmd, &len);
		rc = ms_raft_submit(nd->nd_mr, cmd, len, count_cb, &ct);
		free(cmd);
		if (rc == 0)
			accepted++;
		else if (rc == -DER_BUSY)
			busy++;
		else
			fail_msg("submit: %d", rc);
	}
	assert_int_equal(accepted, MS_RAFT_SUBMIT_MAX);
	assert_int_equal(busy, 1);
	w.wc_nr = 1 + accepted;
	assert_true(run_until(&cl.cl_loop, calls_reached, &w, 3 * WAIT_MS));
	assert_int_equal(ct.ct_ok, 1 + accepted);
	assert_int_equal(ct.ct_other + ct.ct_shutdown + ct.ct_notleader, 0);
	/* Raft takes a snapshot when applies cross the threshold, one at a
	 * time: the burst above gave one; a trickle of applies gives more. */
	for (unsigned i = 0; i < 130; i++) {
		make_cmd(200 + i % 200, &cmd, &len);
		assert_int_equal(ms_raft_apply(nd->nd_mr, cmd, len, count_cb, &ct), 0);
		free(cmd);
		w.wc_nr++;
		assert_true(run_until(&cl.cl_loop, calls_reached, &w, WAIT_MS));
	}
	assert_int_equal(ct.ct_ok, w.wc_nr);
	ms_raft_info(nd->nd_mr, &info);
	print_message("snapshots %llu, snapshot index %llu\n",
		      (unsigned long long)info.ri_nr_snapshots,
		      (unsigned long long)info.ri_snapshot_index);
	assert_true(info.ri_nr_snapshots >= 2);
	assert_true(info.ri_snapshot_index >= 1000);
	assert_int_equal(info.ri_inflight, 0);
	assert_int_equal(ms_db_nr_members(nd->nd_db), 200);

	/* Stop, then restart with an empty database from the same directory. */
	assert_int_equal(ms_db_snapshot(nd->nd_db, &snap, &snap_len), 0);
	assert_int_equal(ms_raft_stop(nd->nd_mr, stopped_cb, nd), 0);
	assert_int_equal(ms_raft_stop(nd->nd_mr, stopped_cb, nd), -DER_ALREADY);
	assert_true(run_until(&cl.cl_loop, node_is_stopped, nd, WAIT_MS));
	assert_false(nd->nd_is_leader);
	ms_db_destroy(nd->nd_db);
	nd->nd_db = new_db();
	assert_int_equal(node_start(&cl, 0, err, sizeof(err)), 0);
	ms_raft_info(nd->nd_mr, &info);
	assert_int_equal(info.ri_nr_restores, 1);
	assert_true(ms_db_nr_members(nd->nd_db) == 200);
	assert_true(run_until(&cl.cl_loop, has_leader, &cl, WAIT_MS));
	{
		void  *now;
		size_t now_len;
		bool   same = false;

		for (uint64_t t = now_ms() + WAIT_MS; !same && now_ms() < t;) {
			uv_run(&cl.cl_loop, UV_RUN_NOWAIT);
			assert_int_equal(ms_db_snapshot(nd->nd_db, &now, &now_len), 0);
			same = now_len == snap_len && memcmp(now, snap, now_len) == 0;
			free(now);
			if (!same)
				usleep(1000);
		}
		assert_true(same);
	}
	free(snap);
	cluster_fini(&cl);
}

/* MSRAFT05: three nodes over TCP: election, 500 commands submitted from
 * another thread, identical replicas, snapshots and compaction, leader
 * stop and re-election, restart and catch-up (snapshot + log), and a stop of
 * every node with applies in flight (the raft_close workaround) */
static void
msraft05_three_nodes(void **state)
{
	struct cluster      cl;
	struct counter      ct = {0};
	struct ms_raft_info info;
	char                err[MS_RAFT_ERRBUF_SIZE];
	char                addr[MS_RAFT_ADDR_MAX];
	uint64_t            id;
	int                 l;
	int                 f;
	int                 accepted = 0;
	void               *cmd;
	size_t              len;

	(void)state;
	cluster_start(&cl, NODES, 500, 0);
	assert_true(run_until(&cl.cl_loop, has_leader, &cl, WAIT_MS));
	l = leader_of(&cl);
	f = (l + 1) % NODES;
	print_message("leader: node %d\n", l + 1);

	/* A follower refuses and names the leader. */
	make_cmd(0, &cmd, &len);
	assert_int_equal(ms_raft_apply(cl.cl_nodes[f].nd_mr, cmd, len, count_cb, &ct),
			 -DER_NOTLEADER);
	free(cmd);
	assert_int_equal(ms_raft_leader(cl.cl_nodes[f].nd_mr, &id, addr, sizeof(addr)), 0);
	assert_int_equal(id, cl.cl_nodes[l].nd_id);
	assert_string_equal(addr, cl.cl_nodes[l].nd_addr);
	assert_false(ms_raft_is_leader(cl.cl_nodes[f].nd_mr));

	submit_bulk(&cl, 0, 500);
	assert_true(wait_converged(&cl));
	for (unsigned i = 0; i < NODES; i++) {
		ms_raft_info(cl.cl_nodes[i].nd_mr, &info);
		print_message("node %u: applied %llu, snapshots %llu, snapshot index %llu\n", i + 1,
			      (unsigned long long)info.ri_nr_applied,
			      (unsigned long long)info.ri_nr_snapshots,
			      (unsigned long long)info.ri_snapshot_index);
		assert_true(info.ri_nr_snapshots >= 5);
		assert_true(info.ri_snapshot_index >= 320);
		assert_int_equal(ms_db_nr_members(cl.cl_nodes[i].nd_db), 200);
	}

	/* Stop the leader: another is elected and applies go on. */
	assert_int_equal(ms_raft_stop(cl.cl_nodes[l].nd_mr, stopped_cb, &cl.cl_nodes[l]), 0);
	assert_true(run_until(&cl.cl_loop, node_is_stopped, &cl.cl_nodes[l], WAIT_MS));
	assert_true(run_until(&cl.cl_loop, has_leader, &cl, WAIT_MS));
	assert_true(leader_of(&cl) != l);
	print_message("new leader: node %d\n", leader_of(&cl) + 1);
	submit_bulk(&cl, 500, 200);
	assert_true(wait_converged(&cl));
	assert_int_equal(ms_db_nr_members(cl.cl_nodes[f].nd_db), 300);

	/* Restart the old leader from its directory with an empty database: its
	 * own snapshot at start, then the leader's (it lags by 200 entries, more
	 * than the leader keeps in its log). */
	ms_db_destroy(cl.cl_nodes[l].nd_db);
	cl.cl_nodes[l].nd_db = new_db();
	assert_int_equal(node_start(&cl, l, err, sizeof(err)), 0);
	ms_raft_info(cl.cl_nodes[l].nd_mr, &info);
	assert_int_equal(info.ri_nr_restores, 1);
	assert_int_equal(ms_db_nr_members(cl.cl_nodes[l].nd_db), 200);
	assert_true(wait_converged(&cl));
	ms_raft_info(cl.cl_nodes[l].nd_mr, &info);
	print_message("restarted node %d: restores %llu\n", l + 1,
		      (unsigned long long)info.ri_nr_restores);
	assert_true(info.ri_nr_restores >= 2);
	assert_int_equal(ms_db_nr_members(cl.cl_nodes[l].nd_db), 300);
	assert_int_equal(cl.cl_nr_ras, 0);

	/* Stop everything with applies in flight: half of them have had time to
	 * commit, the other half are proposed just before the stop. */
	l = leader_of(&cl);
	assert_true(l >= 0);
	for (unsigned i = 0; i < 100; i++) {
		make_cmd(200 + i, &cmd, &len);
		if (ms_raft_apply(cl.cl_nodes[l].nd_mr, cmd, len, count_cb, &ct) == 0)
			accepted++;
		free(cmd);
		if (i == 49) {
			struct wait_calls w = {&ct, 1};

			assert_true(run_until(&cl.cl_loop, calls_reached, &w, WAIT_MS));
		}
	}
	assert_int_equal(accepted, 100);
	for (unsigned i = 0; i < NODES; i++)
		assert_int_equal(ms_raft_stop(cl.cl_nodes[i].nd_mr, stopped_cb, &cl.cl_nodes[i]),
				 0);
	assert_true(run_until(&cl.cl_loop, all_stopped, &cl, 3 * WAIT_MS));
	print_message("in-flight applies at stop: %d ok, %d shutdown, %d not leader\n", ct.ct_ok,
		      ct.ct_shutdown, ct.ct_notleader);
	assert_int_equal(ct.ct_calls, accepted);
	assert_int_equal(ct.ct_other, 0);
	assert_true(ct.ct_ok >= 1);
	cluster_fini(&cl);
}

/* MSRAFT06: a stop timeout shorter than raft's step-down: callers hear
 * -DER_SHUTDOWN at the timeout, raft_close still waits for raft to release
 * the applies, and every callback fires exactly once */
static void
msraft06_stop_timeout(void **state)
{
	struct cluster cl;
	struct counter ct = {0};
	int            l;
	int            accepted = 0;
	uint64_t       t0;
	void          *cmd;
	size_t         len;

	(void)state;
	cluster_start(&cl, NODES, 1000, 20);
	assert_true(run_until(&cl.cl_loop, has_leader, &cl, WAIT_MS));
	l = leader_of(&cl);
	/* Followers go first, so the leader loses its quorum. */
	for (unsigned i = 0; i < NODES; i++)
		if ((int)i != l)
			assert_int_equal(ms_raft_stop(cl.cl_nodes[i].nd_mr, stopped_cb,
						      &cl.cl_nodes[i]),
					 0);
	for (unsigned i = 0; i < NODES; i++)
		if ((int)i != l)
			assert_true(run_until(&cl.cl_loop, node_is_stopped, &cl.cl_nodes[i],
					      WAIT_MS));
	for (unsigned i = 0; i < 50; i++) {
		make_cmd(i, &cmd, &len);
		if (ms_raft_apply(cl.cl_nodes[l].nd_mr, cmd, len, count_cb, &ct) == 0)
			accepted++;
		free(cmd);
	}
	if (accepted == 0) {
		/* The leader already stepped down: nothing left to test. */
		print_message("leader stepped down before the applies\n");
		cluster_fini(&cl);
		return;
	}
	t0 = now_ms();
	assert_int_equal(ms_raft_stop(cl.cl_nodes[l].nd_mr, stopped_cb, &cl.cl_nodes[l]), 0);
	{
		struct wait_calls w = {&ct, accepted};

		assert_true(run_until(&cl.cl_loop, calls_reached, &w, WAIT_MS));
	}
	print_message("%d callbacks after %llu ms\n", ct.ct_calls,
		      (unsigned long long)(now_ms() - t0));
	assert_int_equal(ct.ct_shutdown, accepted);
	assert_true(run_until(&cl.cl_loop, all_stopped, &cl, 3 * WAIT_MS));
	assert_int_equal(ct.ct_calls, accepted);
	cluster_fini(&cl);
}

/* MSRAFT07: a node whose stored snapshot belongs to another database refuses
 * to start, with the RAS event, and cleans up after itself */
static void
msraft07_restore_refused(void **state)
{
	struct cluster      cl;
	struct node        *nd = &cl.cl_nodes[0];
	struct ms_db_result res;
	struct ms_cmd       init = {.mc_op = MS_CMD_INIT, .mc_name = SYS};
	struct counter      ct   = {0};
	struct wait_calls   w    = {&ct, 100};
	char                err[MS_RAFT_ERRBUF_SIZE];
	void               *cmd;
	size_t              len;

	(void)state;
	cluster_start(&cl, 1, 200, 0);
	assert_true(run_until(&cl.cl_loop, has_leader, &cl, WAIT_MS));
	for (unsigned i = 0; i < 100; i++) {
		make_cmd(i, &cmd, &len);
		assert_int_equal(ms_raft_apply(nd->nd_mr, cmd, len, count_cb, &ct), 0);
		free(cmd);
	}
	assert_true(run_until(&cl.cl_loop, calls_reached, &w, WAIT_MS));
	assert_int_equal(ms_raft_stop(nd->nd_mr, stopped_cb, nd), 0);
	assert_true(run_until(&cl.cl_loop, node_is_stopped, nd, WAIT_MS));

	/* A database that already has another UUID. */
	ms_db_destroy(nd->nd_db);
	nd->nd_db = new_db();
	uuid_parse("cccccccc-0000-0000-0000-000000000003", init.mc_uuid);
	assert_int_equal(ms_cmd_encode(&init, &cmd, &len, NULL, 0), 0);
	assert_int_equal(ms_db_apply(nd->nd_db, cmd, len, &res), 0);
	free(cmd);
	assert_int_equal(node_start(&cl, 0, err, sizeof(err)), -DER_MISMATCH);
	assert_true(strstr(err, "ms_raft: cannot restore the MS database snapshot in ") == err);
	assert_true(strstr(err, "does not match cccccccc-0000-0000-0000-000000000003") != NULL);
	assert_int_equal(cl.cl_nr_ras, 1);
	assert_string_equal(cl.cl_ras.ev_id_str, "rdb_durable_format_incompatible");
	assert_true(strstr(cl.cl_ras.ev_msg, "does not match") != NULL);
	assert_int_equal(ms_db_nr_members(nd->nd_db), 0);
	/* The failed start released everything once the loop ran. */
	cluster_fini(&cl);
}

/* Fire-and-forget submitter for MSRAFT08. */
struct hammer {
	struct ms_raft *hm_mr;
	atomic_bool     hm_run;
	atomic_int      hm_accepted;
	atomic_int      hm_refused;
};

static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	unsigned       i = 200;

	while (atomic_load(&h->hm_run)) {
		void  *cmd;
		size_t len;
		int    rc;

		make_cmd(i++ % 200, &cmd, &len);
		rc = ms_raft_submit(h->hm_mr, cmd, len, count_cb, g_hammer_ct);
		free(cmd);
		if (rc == 0)
			atomic_fetch_add(&h->hm_accepted, 1);
		else if (rc == -DER_SHUTDOWN || rc == -DER_BUSY)
			atomic_fetch_add(&h->hm_refused, 1);
		else
			fail_msg("submit: %d", rc);
		usleep(200);
	}
	return NULL;
}

static bool
no_leader(void *arg)
{
	return leader_of(arg) < 0;
}

static bool
elapsed(void *arg)
{
	return now_ms() >= *(uint64_t *)arg;
}

/* MSRAFT08: a flood of submits is paced by the in-flight bound (commands
 * wait in the queue, none fails with -DER_BUSY, commits keep flowing); a
 * leader that loses its quorum fails its applies with -DER_NOTLEADER and
 * steps down; submits racing with a stop from another thread get exactly one
 * callback each, or a synchronous refusal */
static void
msraft08_quorum_loss_and_racing_stop(void **state)
{
	struct cluster cl;
	struct counter ct = {0};
	struct hammer  h;
	pthread_t      th;
	uint64_t       until;
	int            l;

	(void)state;
	cluster_start(&cl, NODES, 500, 0);
	assert_true(run_until(&cl.cl_loop, has_leader, &cl, WAIT_MS));
	l              = leader_of(&cl);
	g_hammer_ct    = &ct;
	h.hm_mr        = cl.cl_nodes[l].nd_mr;
	atomic_init(&h.hm_run, true);
	atomic_init(&h.hm_accepted, 0);
	atomic_init(&h.hm_refused, 0);
	assert_int_equal(pthread_create(&th, NULL, hammer_main, &h), 0);
	until = now_ms() + 300;
	run_until(&cl.cl_loop, elapsed, &until, WAIT_MS);
	assert_true(ct.ct_ok > 0);

	/* The followers go away: the leader's pending applies fail once it
	 * notices it has no majority and steps down. */
	for (unsigned i = 0; i < NODES; i++)
		if ((int)i != l)
			assert_int_equal(ms_raft_stop(cl.cl_nodes[i].nd_mr, stopped_cb,
						      &cl.cl_nodes[i]),
					 0);
	assert_true(run_until(&cl.cl_loop, no_leader, &cl, WAIT_MS));
	assert_false(cl.cl_nodes[l].nd_is_leader);
	until = now_ms() + 100;
	run_until(&cl.cl_loop, elapsed, &until, WAIT_MS);
	assert_true(ct.ct_notleader > 0);

	/* Stop the last node while the thread still submits. The thread must be
	 * done before the loop runs again: the node is freed as the loop
	 * completes its stop (ms_raft_submit's contract). */
	assert_int_equal(ms_raft_stop(cl.cl_nodes[l].nd_mr, stopped_cb, &cl.cl_nodes[l]), 0);
	usleep(20000);
	atomic_store(&h.hm_run, false);
	pthread_join(th, NULL);
	assert_true(run_until(&cl.cl_loop, all_stopped, &cl, 3 * WAIT_MS));
	print_message("accepted %d refused %d: ok %d not leader %d busy %d shutdown %d\n",
		      atomic_load(&h.hm_accepted), atomic_load(&h.hm_refused), ct.ct_ok,
		      ct.ct_notleader, ct.ct_busy, ct.ct_shutdown);
	assert_int_equal(ct.ct_calls, atomic_load(&h.hm_accepted));
	assert_int_equal(ct.ct_other, 0);
	/* Submitted commands queue instead of failing at the in-flight bound. */
	assert_int_equal(ct.ct_busy, 0);
	assert_true(atomic_load(&h.hm_refused) > 0);
	cluster_fini(&cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(msraft01_fixture_replicate),
	    cmocka_unit_test(msraft02_fixture_snapshot_install),
	    cmocka_unit_test_setup_teardown(msraft03_config, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(msraft04_single_node, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(msraft05_three_nodes, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(msraft06_stop_timeout, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(msraft07_restore_refused, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(msraft08_quorum_loss_and_racing_stop, setup_dir,
					    teardown_dir),
	};

	/* ms_raft.h: the process must ignore SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	/* Keep the node's INFO lines out of the test output. */
	d_log_setmasks("WARN", NULL, 0);
	return cmocka_run_group_tests_name("ms_raft", tests, NULL, NULL);
}
