/*
 * srv_metrics.c: daos_server's telemetry exporter (telemetry_port).
 *
 * `GET /metrics` on http://<bind>:<telemetry_port> answers, in the Prometheus
 * text format (version 0.0.4), the metrics of every local engine that runs and
 * has a rank (its shared memory segment, gurt/telemetry.h, exported by
 * d_tm_export_prometheus with prefix "engine" and the engine's `rank` label)
 * followed by the server's own families:
 *   engine_exporter_scrape_duration_seconds{result,source="engines"}
 *   engine_exporter_source_up{engine[,rank]}     1 when the engine was exported
 *   server_telemetry_scrapes_total
 *   process_{cpu_seconds_total,resident_memory_bytes,virtual_memory_bytes,
 *           start_time_seconds,open_fds,max_fds}  (Prometheus's standard names)
 *   server_mgmt_svc_replica, server_mgmt_svc_leader, and on MS replicas
 *   server_mgmt_svc_raft_{last_applied,applied_total,snapshots_total}; on
 *   the MS leader server_system_members{state}, server_system_pools,
 *   server_system_map_version.
 * ("ms" would read as milliseconds to promtool's lint: "mgmt_svc" instead.)
 * Any other path is 404, any method but GET and HEAD 405. Plain HTTP as in
 * DAOS; the bind address is srv_bind_addr()'s (loopback when the control
 * address is loopback, else 0.0.0.0).
 *
 * Threads. libmicrohttpd runs one internal polling thread; scrapes run on it,
 * one at a time, so a slow scrape never delays the control loop, whose only
 * contact with the exporter is srv_metrics_update(): a copy of the engines'
 * pids and ranks and of the MS figures under sm_lock, every wait tick.
 *
 * Segment key of engine i: D_TM_ENGINE_KEY_BASE + i, or DAOS_TM_KEY_BASE + i
 * when the engine's environment sets DAOS_TM_KEY_BASE (its env_vars, or its
 * env_pass_through with the server's value): the same rule as the engine
 * (eng_telem_key) and the same environment as the harness builds.
 *
 * Invariants:
 *  1. sm_eng[] and sm_ms are written by the loop thread and read by the scrape
 *     thread, both under sm_lock; sm_src[] belong to the scrape thread (under
 *     sm_scrape_lock, which also serialises scrapes).
 *  2. A reader is used only for the engine life it was opened for: it is
 *     opened only when the segment's creator is the engine's current pid, and
 *     closed when the engine stops, its pid changes or the segment was removed
 *     (d_tm_reader_stale), so an engine restart is re-attached at the next
 *     scrape and a dead engine's leftovers are never exported.
 *  3. A segment that fails to export (corrupt, incompatible) is left out of
 *     that scrape and closed; the other engines are still exported. A scrape
 *     is bounded by the reader's own bounds (D_TM_WALK_NODES_MAX per engine)
 *     and its answer by SRV_METRICS_OUT_MAX.
 */
#define D_LOGFAC DD_FAC(control)

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/telemetry.h"
#include "control/ms_pool.h"
#include "control/srv_internal.h"

/* Environment variable the engine reads its segment key base from (eng_telem_key). */
#define MX_KEY_ENV "DAOS_TM_KEY_BASE"
/* Content type of the text exposition format. */
#define MX_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Series value buffer: a uint64 or a %.17g double. */
#define MX_VALUE_MAX 32
/* ms_last_rc before anything was logged for an engine life. */
#define MX_RC_NONE INT32_MIN

/* What the loop publishes about one engine (invariant 1). */
struct mx_engine {
	pid_t    me_pid;  /* 0: no process */
	uint32_t me_rank; /* D_RANK_NIL: unknown */
	key_t    me_key;
};

/* MS figures of this server (invariant 1). */
struct mx_ms {
	bool     mm_replica;
	bool     mm_leader;
	bool     mm_raft; /* the raft figures below are set */
	uint64_t mm_last_applied;
	uint64_t mm_applied;
	uint64_t mm_snapshots;
	bool     mm_db; /* leader: the database figures below are set */
	uint32_t mm_members[MS_STATE_NR];
	uint32_t mm_pools;
	uint64_t mm_map_version;
};

/* The scrape thread's reader of one engine (invariant 2). */
struct mx_src {
	struct d_tm_reader *ms_reader;
	pid_t               ms_pid;       /* engine life the reader belongs to */
	/* Logging: one line per change of outcome within one engine life. */
	pid_t               ms_log_pid;   /* life the two fields below are about */
	int                 ms_last_rc;   /* last open outcome logged (MX_RC_NONE: none) */
	int                 ms_export_rc; /* last export failure logged (0: none) */
	bool                ms_up;        /* exported in the last scrape */
};

struct srv_metrics {
	struct MHD_Daemon *sm_mhd;
	uint16_t           sm_port;
	char               sm_addr[INET_ADDRSTRLEN];
	uint32_t           sm_eng_nr;
	double             sm_start_time; /* process start, seconds since the epoch */
	pthread_mutex_t    sm_lock;
	struct mx_engine   sm_eng[SRV_ENGINES_MAX];
	struct mx_ms       sm_ms;
	pthread_mutex_t    sm_scrape_lock;
	struct mx_src      sm_src[SRV_ENGINES_MAX];
	uint64_t           sm_scrapes;
};

/* ---- Segment keys ---- */

/* A DAOS_TM_KEY_BASE value as the engine accepts it; false for anything else. */
static bool
mx_key_base_parse(const char *s, unsigned long *out)
{
	char         *end;
	unsigned long v;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return false;
	errno = 0;
	v     = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v == 0 || v > SRV_METRICS_KEY_BASE_MAX)
		return false;
	*out = v;
	return true;
}

key_t
srv_metrics_engine_key(const struct srv_engine_cfg *ec, uint32_t idx)
{
	const char   *val = NULL;
	unsigned long base;
	size_t        nlen = strlen(MX_KEY_ENV);

	/* The harness's order: inherited names, then env_vars (the last one wins). */
	for (uint32_t i = 0; i < ec->ec_env_pass_through.sl_nr; i++)
		if (strcmp(ec->ec_env_pass_through.sl_items[i], MX_KEY_ENV) == 0)
			val = getenv(MX_KEY_ENV);
	for (uint32_t i = 0; i < ec->ec_env_vars.sl_nr; i++) {
		const char *kv = ec->ec_env_vars.sl_items[i];

		if (strncmp(kv, MX_KEY_ENV, nlen) == 0 && kv[nlen] == '=')
			val = kv + nlen + 1;
	}
	if (!mx_key_base_parse(val, &base))
		base = D_TM_ENGINE_KEY_BASE; /* the engine falls back the same way */
	return (key_t)(base + idx);
}

/* ---- Loop side ---- */

void
srv_metrics_update(struct srv_ctx *ctx)
{
	struct srv_metrics *sm = ctx->sc_metrics;
	struct mx_engine    eng[SRV_ENGINES_MAX];
	struct mx_ms        ms;

	if (sm == NULL)
		return;
	memset(eng, 0, sizeof(eng));
	memset(&ms, 0, sizeof(ms));
	for (uint32_t i = 0; i < sm->sm_eng_nr; i++) {
		struct srv_engine_info info;

		eng[i].me_key  = sm->sm_eng[i].me_key; /* fixed at start */
		eng[i].me_rank = srv_engine_rank(ctx, i);
		if (ctx->sc_harness != NULL &&
		    srv_harness_engine_info(ctx->sc_harness, i, &info) == 0)
			eng[i].me_pid = info.ei_pid;
	}
	ms.mm_replica = ctx->sc_self_ap >= 0;
	if (ctx->sc_raft != NULL) {
		struct ms_raft_info ri;

		ms_raft_info(ctx->sc_raft, &ri);
		ms.mm_raft         = true;
		ms.mm_leader       = ms_raft_is_leader(ctx->sc_raft);
		ms.mm_last_applied = ri.ri_last_applied;
		ms.mm_applied      = ri.ri_nr_applied;
		ms.mm_snapshots    = ri.ri_nr_snapshots;
	}
	if (ms.mm_leader && ctx->sc_db != NULL) {
		ms.mm_db = true;
		ms_db_count_by_state(ctx->sc_db, ms.mm_members);
		ms.mm_pools       = ms_pool_count(ctx->sc_db);
		ms.mm_map_version = ms_db_map_version(ctx->sc_db);
	}
	pthread_mutex_lock(&sm->sm_lock);
	memcpy(sm->sm_eng, eng, sizeof(eng));
	sm->sm_ms = ms;
	pthread_mutex_unlock(&sm->sm_lock);
}

void
srv_h_telemetry_info(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	json_t *r;

	(void)body;
	r = json_pack("{s:i}", "telemetry_port",
		      ctx->sc_metrics != NULL ? (int)ctx->sc_metrics->sm_port : 0);
	if (r == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	srv_reply(call, r);
}

/* ---- Own families ---- */

/* A series value: integers exactly, others in the shortest of %.15g and %.17g
 * that reads back to the same double. */
static void
mx_value(double v, char *buf, size_t len)
{
	if (v >= 0 && v < 9007199254740992.0 && v == (double)(uint64_t)v) {
		snprintf(buf, len, "%" PRIu64, (uint64_t)v);
		return;
	}
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

/* "# HELP" and "# TYPE" of one family (names and help are ours: nothing to escape). */
static int
mx_family(FILE *f, const char *name, const char *type, const char *help)
{
	return fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type) < 0 ? -DER_IO : 0;
}

/* One series; labels is "" or "{a=\"x\",...}" built by the caller from safe values. */
static int
mx_series(FILE *f, const char *name, const char *labels, double v)
{
	char buf[MX_VALUE_MAX];

	mx_value(v, buf, sizeof(buf));
	return fprintf(f, "%s%s %s\n", name, labels, buf) < 0 ? -DER_IO : 0;
}

static int
mx_single(FILE *f, const char *name, const char *type, const char *help, double v)
{
	int rc = mx_family(f, name, type, help);

	return rc != 0 ? rc : mx_series(f, name, "", v);
}

/* Process figures from /proc (the Prometheus process collector's names). */
struct mx_proc {
	double pp_cpu_s;
	double pp_rss;
	double pp_vsize;
	double pp_open_fds;
	double pp_max_fds;
};

/* Fields 14 (utime), 15 (stime) and 23 (vsize) of /proc/self/stat; *start = field 22. */
static int
mx_proc_stat(double *cpu_s, double *vsize, unsigned long long *start_ticks)
{
	char               buf[1024];
	unsigned long long utime, stime, start, vs;
	FILE              *fp = fopen("/proc/self/stat", "r");
	const char        *p;
	size_t             n;

	if (fp == NULL)
		return -DER_IO;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold blanks and ')': the fields follow the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
		   "%*d %llu %llu",
		   &utime, &stime, &start, &vs) != 4)
		return -DER_IO;
	*cpu_s       = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	*vsize       = (double)vs;
	*start_ticks = start;
	return 0;
}

static void
mx_proc_read(struct mx_proc *pp)
{
	unsigned long long start, rss_pages;
	struct rlimit      rl;
	DIR               *d;
	FILE              *fp;

	memset(pp, 0, sizeof(*pp));
	(void)mx_proc_stat(&pp->pp_cpu_s, &pp->pp_vsize, &start);
	fp = fopen("/proc/self/statm", "r");
	if (fp != NULL) {
		if (fscanf(fp, "%*u %llu", &rss_pages) == 1)
			pp->pp_rss = (double)rss_pages * (double)sysconf(_SC_PAGESIZE);
		fclose(fp);
	}
	d = opendir("/proc/self/fd");
	if (d != NULL) {
		struct dirent *de;
		uint32_t       n = 0;

		/* Bounded by the descriptor limit; the directory's own fd counts too. */
		while ((de = readdir(d)) != NULL && n < SRV_METRICS_FDS_SCAN_MAX)
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
		pp->pp_open_fds = n > 0 ? n - 1 : 0;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		pp->pp_max_fds = rl.rlim_cur == RLIM_INFINITY ? 0 : (double)rl.rlim_cur;
}

/* The process start time: boot time plus the start ticks; now when unknown. */
static double
mx_start_time(void)
{
	unsigned long long start = 0, btime = 0;
	double             cpu, vs;
	char               line[256];
	FILE              *fp;

	if (mx_proc_stat(&cpu, &vs, &start) != 0)
		return (double)time(NULL);
	fp = fopen("/proc/stat", "r");
	if (fp == NULL)
		return (double)time(NULL);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	fclose(fp);
	if (btime == 0)
		return (double)time(NULL);
	return (double)btime + (double)start / (double)sysconf(_SC_CLK_TCK);
}

static int
mx_own(struct srv_metrics *sm, FILE *f, double dur_s, bool ok, const struct mx_engine *eng,
       const struct mx_ms *ms, uint64_t scrapes)
{
	struct mx_proc pp;
	char           labels[128];
	int            rc;

	rc = mx_family(f, "engine_exporter_scrape_duration_seconds", "gauge",
		       "Time taken to collect the engines' metrics (seconds)");
	if (rc == 0)
		rc = mx_series(f, "engine_exporter_scrape_duration_seconds",
			       ok ? "{result=\"success\",source=\"engines\"}"
				  : "{result=\"failure\",source=\"engines\"}",
			       dur_s);
	if (rc == 0 && sm->sm_eng_nr > 0)
		rc = mx_family(f, "engine_exporter_source_up", "gauge",
			       "Whether the engine's metrics are in this scrape (1) or not (0: not "
			       "running, no rank, no segment, or a bad segment)");
	for (uint32_t i = 0; rc == 0 && i < sm->sm_eng_nr; i++) {
		if (eng[i].me_rank != D_RANK_NIL)
			snprintf(labels, sizeof(labels), "{engine=\"%u\",rank=\"%u\"}", i,
				 eng[i].me_rank);
		else
			snprintf(labels, sizeof(labels), "{engine=\"%u\"}", i);
		rc = mx_series(f, "engine_exporter_source_up", labels, sm->sm_src[i].ms_up ? 1 : 0);
	}
	if (rc == 0)
		rc = mx_single(
			f, "server_telemetry_scrapes_total", "counter",
			"Scrapes of the telemetry endpoint answered since the server started",
			(double)scrapes);

	mx_proc_read(&pp);
	if (rc == 0)
		rc = mx_single(f, "process_cpu_seconds_total", "counter",
			       "Total user and system CPU time spent in seconds", pp.pp_cpu_s);
	if (rc == 0)
		rc = mx_single(f, "process_resident_memory_bytes", "gauge",
			       "Resident memory size in bytes", pp.pp_rss);
	if (rc == 0)
		rc = mx_single(f, "process_virtual_memory_bytes", "gauge",
			       "Virtual memory size in bytes", pp.pp_vsize);
	if (rc == 0)
		rc = mx_single(f, "process_start_time_seconds", "gauge",
			       "Start time of the process since unix epoch in seconds",
			       sm->sm_start_time);
	if (rc == 0)
		rc = mx_single(f, "process_open_fds", "gauge", "Number of open file descriptors",
			       pp.pp_open_fds);
	if (rc == 0 && pp.pp_max_fds > 0)
		rc = mx_single(f, "process_max_fds", "gauge",
			       "Maximum number of open file descriptors", pp.pp_max_fds);

	if (rc == 0)
		rc = mx_single(f, "server_mgmt_svc_replica", "gauge",
			       "Whether this server is a Management Service replica (access point)",
			       ms->mm_replica ? 1 : 0);
	if (rc == 0)
		rc = mx_single(f, "server_mgmt_svc_leader", "gauge",
			       "Whether this server is the Management Service leader",
			       ms->mm_leader ? 1 : 0);
	if (rc == 0 && ms->mm_raft)
		rc = mx_single(f, "server_mgmt_svc_raft_last_applied", "gauge",
			       "Index of the last Raft entry applied by this replica",
			       (double)ms->mm_last_applied);
	if (rc == 0 && ms->mm_raft)
		rc = mx_single(
			f, "server_mgmt_svc_raft_applied_total", "counter",
			"Management Service commands applied by this replica since it started",
			(double)ms->mm_applied);
	if (rc == 0 && ms->mm_raft)
		rc = mx_single(f, "server_mgmt_svc_raft_snapshots_total", "counter",
			       "Raft snapshots taken by this replica since it started",
			       (double)ms->mm_snapshots);
	if (rc == 0 && ms->mm_db)
		rc = mx_family(f, "server_system_members", "gauge",
			       "System members per state (Management Service leader only)");
	for (uint32_t s = 0; rc == 0 && ms->mm_db && s < MS_STATE_NR; s++) {
		const char *name = ms_state_name(s == 0 ? 0 : 1u << (s - 1));

		snprintf(labels, sizeof(labels), "{state=\"%s\"}", name != NULL ? name : "Unknown");
		rc = mx_series(f, "server_system_members", labels, ms->mm_members[s]);
	}
	if (rc == 0 && ms->mm_db)
		rc = mx_single(f, "server_system_pools", "gauge",
			       "Pools of the system (Management Service leader only)",
			       ms->mm_pools);
	if (rc == 0 && ms->mm_db)
		rc = mx_single(f, "server_system_map_version", "gauge",
			       "System map version (Management Service leader only)",
			       (double)ms->mm_map_version);
	return rc;
}

/* ---- Scrape ---- */

/* The pid that created the segment of key, or 0 (none, or not ours to see). */
static pid_t
mx_seg_creator(key_t key)
{
	struct shmid_ds ds;
	int             id = shmget(key, 0, 0);

	if (id < 0 || shmctl(id, IPC_STAT, &ds) != 0)
		return 0;
	return ds.shm_cpid;
}

static void
mx_src_close(struct mx_src *s)
{
	d_tm_reader_close(s->ms_reader);
	s->ms_reader = NULL;
	s->ms_pid    = 0;
}

/* Log an open problem of engine idx once per change of its cause. */
static void
mx_src_note(struct mx_src *s, uint32_t idx, key_t key, int rc, pid_t cpid, pid_t pid)
{
	if (rc == s->ms_last_rc)
		return;
	s->ms_last_rc = rc;
	if (rc == -DER_MISMATCH)
		D_WARN("telemetry: segment %#x of engine %u was created by pid %d, not by the "
		       "engine (pid %d): not exported\n",
		       (unsigned)key, idx, (int)cpid, (int)pid);
	else if (rc != 0 && rc != -DER_NONEXIST && rc != -DER_AGAIN)
		D_WARN("telemetry: cannot read segment %#x of engine %u: " DF_RC "\n",
		       (unsigned)key, idx, DP_RC(rc));
	else if (rc == 0)
		D_INFO("telemetry: attached segment %#x of engine %u (pid %d)\n", (unsigned)key,
		       idx, (int)pid);
}

/* Bring engine idx's reader in line with its current life (invariant 2). */
static struct d_tm_reader *
mx_src_sync(struct mx_src *s, uint32_t idx, const struct mx_engine *e)
{
	pid_t cpid;
	int   rc;

	if (e->me_pid != s->ms_log_pid) { /* a new life: its outcomes are logged afresh */
		s->ms_log_pid   = e->me_pid;
		s->ms_last_rc   = MX_RC_NONE;
		s->ms_export_rc = 0;
	}
	if (s->ms_reader != NULL &&
	    (e->me_pid == 0 || e->me_pid != s->ms_pid || d_tm_reader_stale(s->ms_reader)))
		mx_src_close(s);
	if (e->me_pid == 0 || e->me_rank == D_RANK_NIL)
		return NULL;
	if (s->ms_reader != NULL)
		return s->ms_reader;
	cpid = mx_seg_creator(e->me_key);
	if (cpid == 0) {
		mx_src_note(s, idx, e->me_key, -DER_NONEXIST, 0, e->me_pid);
		return NULL;
	}
	if (cpid != e->me_pid) {
		/* A dead life's leftover, not yet replaced by the new engine. */
		mx_src_note(s, idx, e->me_key, -DER_MISMATCH, cpid, e->me_pid);
		return NULL;
	}
	rc = d_tm_reader_open(e->me_key, &s->ms_reader);
	mx_src_note(s, idx, e->me_key, rc, cpid, e->me_pid);
	if (rc != 0) {
		s->ms_reader = NULL;
		return NULL;
	}
	s->ms_pid = e->me_pid;
	return s->ms_reader;
}

/* Export srcs into a new memory stream; *buf (malloc) and *len on 0 or -DER_AGAIN. */
static int
mx_export(const struct d_tm_source *srcs, int n, char **buf, size_t *len)
{
	FILE *f;
	int   rc;

	*buf = NULL;
	*len = 0;
	f    = open_memstream(buf, len);
	if (f == NULL)
		return -DER_NOMEM;
	rc = d_tm_export_prometheus(srcs, n, "engine", f);
	if (fclose(f) != 0 && (rc == 0 || rc == -DER_AGAIN))
		rc = -DER_NOMEM;
	if (rc != 0 && rc != -DER_AGAIN) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return rc;
}

/*
 * The engines' part of a scrape. A merged export that fails is retried
 * without the engines whose own export fails (invariant 3). *ok is false when
 * an engine had to be left out.
 */
static int
mx_engines(struct srv_metrics *sm, const struct mx_engine *eng, char **buf, size_t *len, bool *ok)
{
	struct d_tm_source srcs[SRV_ENGINES_MAX];
	uint32_t           idx[SRV_ENGINES_MAX];
	int                n = 0;
	int                rc;

	*ok = true;
	for (uint32_t i = 0; i < sm->sm_eng_nr; i++) {
		struct d_tm_reader *r = mx_src_sync(&sm->sm_src[i], i, &eng[i]);

		sm->sm_src[i].ms_up = false;
		if (r == NULL)
			continue;
		srcs[n].src_reader = r;
		srcs[n].src_rank   = eng[i].me_rank;
		idx[n++]           = i;
	}
	rc = mx_export(srcs, n, buf, len);
	if (rc != 0 && rc != -DER_AGAIN && rc != -DER_NOMEM) {
		int keep = 0;

		for (int j = 0; j < n; j++) {
			char  *one;
			size_t one_len;
			int    jrc = mx_export(&srcs[j], 1, &one, &one_len);

			free(one);
			if (jrc == 0 || jrc == -DER_AGAIN) {
				srcs[keep]  = srcs[j];
				idx[keep++] = idx[j];
				continue;
			}
			if (sm->sm_src[idx[j]].ms_export_rc != jrc)
				D_WARN("telemetry: segment of engine %u cannot be exported: " DF_RC
				       "; left out\n",
				       idx[j], DP_RC(jrc));
			sm->sm_src[idx[j]].ms_export_rc = jrc;
			/* Re-attached at the next scrape: a new segment may be good. */
			mx_src_close(&sm->sm_src[idx[j]]);
		}
		*ok = false;
		n   = keep;
		rc  = mx_export(srcs, n, buf, len);
		if (rc != 0 && rc != -DER_AGAIN && rc != -DER_NOMEM) {
			n  = 0; /* cannot happen with sources that export alone: be safe */
			rc = mx_export(srcs, 0, buf, len);
		}
	}
	if (rc == -DER_AGAIN) /* some series skipped mid-update: the rest is good */
		rc = 0;
	for (int j = 0; rc == 0 && j < n; j++)
		sm->sm_src[idx[j]].ms_up = true;
	return rc;
}

/* A whole scrape into *buf (malloc). */
static int
mx_scrape(struct srv_metrics *sm, char **buf, size_t *len)
{
	struct mx_engine eng[SRV_ENGINES_MAX];
	struct mx_ms     ms;
	struct timespec  t0, t1;
	char            *own     = NULL;
	size_t           own_len = 0;
	FILE            *f;
	uint64_t         scrapes;
	bool             ok;
	int              rc;

	pthread_mutex_lock(&sm->sm_lock);
	memcpy(eng, sm->sm_eng, sizeof(eng));
	ms = sm->sm_ms;
	pthread_mutex_unlock(&sm->sm_lock);

	pthread_mutex_lock(&sm->sm_scrape_lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = mx_engines(sm, eng, buf, len, &ok);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != 0)
		goto out;
	scrapes = ++sm->sm_scrapes;
	f       = open_memstream(&own, &own_len);
	if (f == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = mx_own(sm, f, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, ok,
		    eng, &ms, scrapes);
	if (fclose(f) != 0 && rc == 0)
		rc = -DER_NOMEM;
	if (rc != 0)
		goto out;
	if (*len + own_len > SRV_METRICS_OUT_MAX) {
		rc = -DER_OVERFLOW;
		goto out;
	}
	{
		char *all = realloc(*buf, *len + own_len + 1);

		if (all == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		memcpy(all + *len, own, own_len + 1);
		*buf = all;
		*len += own_len;
	}
out:
	pthread_mutex_unlock(&sm->sm_scrape_lock);
	free(own);
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return rc;
}

/* ---- HTTP ---- */

static enum MHD_Result
mx_answer(struct MHD_Connection *conn, unsigned int status, const char *text, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result      ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				    "text/plain; charset=utf-8") != MHD_YES ||
	    (allow != NULL && MHD_add_response_header(resp, "Allow", allow) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Marker of a request whose headers were seen (libmicrohttpd's per-request pointer). */
static int mx_seen;

static enum MHD_Result
mx_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct srv_metrics  *sm = cls;
	struct MHD_Response *resp;
	enum MHD_Result      ret;
	char                 msg[SRV_MSG_MAX];
	char                *buf;
	size_t               len;
	int                  rc;

	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		*con_cls = &mx_seen; /* answer once the request (and any body) is in */
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a body on a GET means nothing: drop it */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return mx_answer(conn, MHD_HTTP_NOT_FOUND, "404 page not found\n", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return mx_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n",
				 "GET, HEAD");
	rc = mx_scrape(sm, &buf, &len);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "500 cannot collect the metrics: %s\n",
			 rc == -DER_OVERFLOW ? "the answer exceeds its size limit" : d_errdesc(rc));
		D_ERROR("telemetry: scrape failed: " DF_RC "\n", DP_RC(rc));
		return mx_answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, msg, NULL);
	}
	resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(buf);
		return MHD_NO;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, MX_CONTENT_TYPE) !=
	    MHD_YES) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
mx_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[SRV_MSG_MAX];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	D_WARN("telemetry: libmicrohttpd: %s\n", msg);
}

/* A listening TCP socket on ip:port (non-blocking, close-on-exec). */
static int
mx_listen(const char *ip, uint16_t port, int *fd_out, char *errbuf, size_t errlen)
{
	struct sockaddr_in sin;
	int                one = 1;
	int                fd;
	int                err;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port   = htons(port);
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
		d_errbuf_printf(errbuf, errlen, "telemetry: bad bind address '%s'", ip);
		return -DER_INVAL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, SRV_METRICS_BACKLOG) != 0) {
		err = errno;
		close(fd);
		goto fail;
	}
	*fd_out = fd;
	return 0;
fail:
	d_errbuf_printf(errbuf, errlen, "telemetry_port %u: cannot listen on %s:%u: %s", port, ip,
			port, strerror(err));
	return d_errno2der(err);
}

int
srv_metrics_start(struct srv_ctx *ctx, char *errbuf, size_t errlen)
{
	const struct srv_config *cfg = ctx->sc_cfg;
	struct srv_metrics      *sm;
	int                      fd = -1;
	int                      rc;

	if (cfg->sc_telemetry_port == 0) {
		D_INFO("telemetry: telemetry_port is 0: no metrics endpoint\n");
		return 0;
	}
	sm = calloc(1, sizeof(*sm));
	if (sm == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	pthread_mutex_init(&sm->sm_lock, NULL);
	pthread_mutex_init(&sm->sm_scrape_lock, NULL);
	sm->sm_port   = (uint16_t)cfg->sc_telemetry_port;
	sm->sm_eng_nr = cfg->sc_engines_nr < SRV_ENGINES_MAX ? cfg->sc_engines_nr : SRV_ENGINES_MAX;
	sm->sm_start_time = mx_start_time();
	for (uint32_t i = 0; i < sm->sm_eng_nr; i++) {
		sm->sm_eng[i].me_key     = srv_metrics_engine_key(&cfg->sc_engines[i], i);
		sm->sm_eng[i].me_rank    = D_RANK_NIL;
		sm->sm_src[i].ms_last_rc = MX_RC_NONE;
		sm->sm_src[i].ms_log_pid = -1; /* no life seen yet */
	}
	srv_bind_addr(ctx, sm->sm_addr, sizeof(sm->sm_addr));
	rc = mx_listen(sm->sm_addr, sm->sm_port, &fd, errbuf, errlen);
	if (rc != 0)
		goto fail;
	/* One polling thread: scrapes run one at a time, off the control loop. */
	sm->sm_mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		mx_access, sm, MHD_OPTION_EXTERNAL_LOGGER, mx_mhd_log, sm, MHD_OPTION_LISTEN_SOCKET,
		(MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SRV_METRICS_CONN_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SRV_METRICS_CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_METRICS_CONN_MEMORY,
		MHD_OPTION_END);
	/* libmicrohttpd owns the socket from here on, started or not (0.9.75). */
	if (sm->sm_mhd == NULL) {
		d_errbuf_printf(errbuf, errlen,
				"telemetry_port %u: cannot start the HTTP server on %s:%u",
				sm->sm_port, sm->sm_addr, sm->sm_port);
		rc = -DER_MISC;
		goto fail;
	}
	ctx->sc_metrics = sm;
	srv_metrics_update(ctx);
	D_NOTE("telemetry: metrics at http://%s:%u/metrics (%u engines)\n", sm->sm_addr,
	       sm->sm_port, sm->sm_eng_nr);
	return 0;
fail:
	pthread_mutex_destroy(&sm->sm_lock);
	pthread_mutex_destroy(&sm->sm_scrape_lock);
	free(sm);
	return rc;
}

void
srv_metrics_stop(struct srv_ctx *ctx)
{
	struct srv_metrics *sm = ctx->sc_metrics;

	if (sm == NULL)
		return;
	ctx->sc_metrics = NULL;
	/* Waits for a scrape in progress, which is bounded (invariant 3). */
	MHD_stop_daemon(sm->sm_mhd);
	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++)
		mx_src_close(&sm->sm_src[i]);
	pthread_mutex_destroy(&sm->sm_lock);
	pthread_mutex_destroy(&sm->sm_scrape_lock);
	free(sm);
}
