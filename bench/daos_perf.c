/*
 * daos_perf.c: the libdaos benchmark (docs/performance.md, "daos_perf").
 *
 *   daos_perf -P POOL [-C CONT] [-w array,sv,kv] [-s SIZES] [-o CLASSES] [-t THREADS]
 *             [-q DEPTH] [-T SECONDS | -D BYTES] [--seq | --rand] [-n OBJECTS] [-j] ...
 *
 * An application of libdaos like any other (public headers, the shared
 * library, the local daos_agent): it connects to the pool, creates its
 * container (label daos_perf-<pid>) unless -C names one, and for every
 * (workload, class, size) runs the write phase then the read phase (and, for
 * kv, a list phase) with THREADS threads of DEPTH operations in flight each
 * (daos_perf_io.c). It prints one row per phase (table, or JSON with -j) and
 * the client's peak RSS, destroys its container and exits 0 when every
 * operation succeeded, 1 otherwise.
 *
 * Invariants:
 *  M1. Nothing reaches libdaos before the whole command line was checked
 *      (daos_perf_args.c): a bad value exits 1 with its reason, nothing sent.
 *  M2. The container this tool created is destroyed on every exit path after
 *      its creation (normal end, failed run, SIGINT/SIGTERM), unless --keep.
 *      Its data is per run: it is destroyed and created again between runs
 *      (so each run starts empty and returns its space), except with --keep.
 *  M3. A class libdaos refuses (daos_obj_generate_oid: RP and EC classes give
 *      DER_NOSYS today) is reported once with the reason and skipped; the
 *      exit status is then 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "daos_perf.h"

/** One printed row. */
struct dperf_result {
	enum dperf_wl      rs_wl;
	enum dperf_phase   rs_ph;
	uint64_t           rs_size;
	unsigned           rs_oc;      /**< index in pc_oc */
	double             rs_seconds;
	bool               rs_span_short;
	struct dperf_stats rs_st;      /**< merged */
};

/** A class libdaos refused. */
struct dperf_refusal {
	unsigned rf_oc;
	int      rf_rc;
};

static struct {
	struct dperf_cfg      g_cfg;
	daos_handle_t         g_poh;
	daos_handle_t         g_coh;
	char                  g_cont[DPERF_NAME_MAX + 1];  /**< the container in use */
	bool                  g_own_cont;                   /**< created here (M2) */
	bool                  g_cont_made;                  /**< ours and not yet destroyed */
	daos_pool_info_t      g_pinfo;
	struct dperf_result  *g_res;
	unsigned              g_nres;
	struct dperf_refusal  g_ref[DPERF_LIST_MAX];
	unsigned              g_nref;
	uint64_t              g_buf_peak;                   /**< largest run's I/O buffers */
	bool                  g_failed;                     /**< a run could not be done */
} g;

static atomic_bool g_stop;

static void
dperf_on_signal(int sig)
{
	(void)sig;
	atomic_store(&g_stop, true);
}

/* ---- Container (M2) ---- */

static int
dperf_cont_open(void)
{
	int rc;

	if (g.g_own_cont) {
		rc = daos_cont_create_with_label(g.g_poh, g.g_cont, NULL, NULL, NULL);
		if (rc != 0) {
			fprintf(stderr, "daos_perf: cannot create container %s: " DF_RC "\n",
				g.g_cont, DP_RC(rc));
			return rc;
		}
		g.g_cont_made = true;
	}
	rc = daos_cont_open(g.g_poh, g.g_cont, DAOS_COO_RW, &g.g_coh, NULL, NULL);
	if (rc != 0) {
		fprintf(stderr, "daos_perf: cannot open container %s: " DF_RC "\n", g.g_cont,
			DP_RC(rc));
		if (g.g_own_cont && daos_cont_destroy(g.g_poh, g.g_cont, 1, NULL) == 0)
			g.g_cont_made = false;
	}
	return rc;
}

/*
 * Close the container and destroy it if this tool made it (M2): at the end unless --keep,
 * and always between runs (main asks only without --keep, then makes it again).
 */
static int
dperf_cont_close(bool between_runs)
{
	int rc = 0, rc2;

	if (daos_handle_is_valid(g.g_coh)) {
		rc = daos_cont_close(g.g_coh, NULL);
		if (rc != 0)
			fprintf(stderr, "daos_perf: closing container %s: " DF_RC "\n", g.g_cont,
				DP_RC(rc));
		g.g_coh = DAOS_HDL_INVAL;
	}
	if (!g.g_cont_made || (g.g_cfg.pc_keep && !between_runs))
		return rc;
	rc2 = daos_cont_destroy(g.g_poh, g.g_cont, 1, NULL);
	if (rc2 == 0)
		g.g_cont_made = false;
	if (rc2 != 0) {
		fprintf(stderr, "daos_perf: cannot destroy container %s: " DF_RC "\n", g.g_cont,
			DP_RC(rc2));
		if (rc == 0)
			rc = rc2;
	}
	return rc;
}

/* ---- One run ---- */

static daos_otype_t
dperf_otype(enum dperf_wl wl)
{
	return wl == DPERF_WL_ARRAY ? DAOS_OT_ARRAY_BYTE
	       : wl == DPERF_WL_SV  ? DAOS_OT_DKEY_UINT64
				    : DAOS_OT_KV_HASHED;
}

static bool
dperf_refused(unsigned oc)
{
	for (unsigned i = 0; i < g.g_nref; i++)
		if (g.g_ref[i].rf_oc == oc)
			return true;
	return false;
}

static void
dperf_refuse(unsigned oc, int rc)
{
	const char *why = rc == -DER_NOSYS
			      ? "libdaos does not support replicated and erasure-coded classes yet"
		      : rc == -DER_INVAL ? "the pool may have fewer targets than the class needs"
					 : "object ids of this class cannot be made";

	fprintf(stderr, "daos_perf: object class %s: " DF_RC ": %s; skipped\n",
		g.g_cfg.pc_oc_name[oc], DP_RC(rc), why);
	if (g.g_nref < DPERF_LIST_MAX)
		g.g_ref[g.g_nref++] = (struct dperf_refusal){.rf_oc = oc, .rf_rc = rc};
}

/*
 * The run's objects: ids from the container's allocator, made for the class,
 * then opened (local: no server is asked). A class refusal returns its code
 * with *refused set; other failures are described here.
 */
static int
dperf_objects(struct dperf_run *run, unsigned oc, bool *refused)
{
	const struct dperf_cfg *cfg = run->pr_cfg;
	size_t                  nr  = (size_t)cfg->pc_threads * cfg->pc_objects;
	uint64_t                base;
	int                     rc;

	*refused     = false;
	run->pr_oids = calloc(nr, sizeof(*run->pr_oids));
	run->pr_ohs  = calloc(nr, sizeof(*run->pr_ohs));
	if (run->pr_oids == NULL || run->pr_ohs == NULL)
		return -DER_NOMEM;
	rc = daos_cont_alloc_oids(run->pr_coh, nr, &base, NULL);
	if (rc != 0) {
		fprintf(stderr, "daos_perf: daos_cont_alloc_oids: " DF_RC "\n", DP_RC(rc));
		return rc;
	}
	for (size_t i = 0; i < nr; i++) {
		run->pr_oids[i] = (daos_obj_id_t){.lo = base + i, .hi = 0};
		rc = daos_obj_generate_oid(run->pr_coh, &run->pr_oids[i], dperf_otype(run->pr_wl),
					   cfg->pc_oc[oc], 0, 0);
		if (rc != 0) {
			*refused = true;
			return rc;
		}
	}
	for (size_t i = 0; i < nr; i++) {
		switch (run->pr_wl) {
		case DPERF_WL_ARRAY:
			rc = daos_array_open_with_attr(run->pr_coh, run->pr_oids[i], DAOS_TX_NONE,
						       DAOS_OO_RW, 1, cfg->pc_chunk,
						       &run->pr_ohs[i], NULL);
			break;
		case DPERF_WL_SV:
			rc = daos_obj_open(run->pr_coh, run->pr_oids[i], DAOS_OO_RW,
					   &run->pr_ohs[i], NULL);
			break;
		default:
			rc = daos_kv_open(run->pr_coh, run->pr_oids[i], DAOS_OO_RW,
					  &run->pr_ohs[i], NULL);
			break;
		}
		if (rc != 0) {
			fprintf(stderr, "daos_perf: cannot open object %" PRIx64 ".%" PRIx64 ": " DF_RC
				"\n", run->pr_oids[i].hi, run->pr_oids[i].lo, DP_RC(rc));
			return rc;
		}
	}
	return 0;
}

static void
dperf_objects_close(struct dperf_run *run)
{
	size_t nr = (size_t)run->pr_cfg->pc_threads * run->pr_cfg->pc_objects;

	for (size_t i = 0; run->pr_ohs != NULL && i < nr; i++) {
		int rc;

		if (!daos_handle_is_valid(run->pr_ohs[i]))
			continue;
		rc = run->pr_wl == DPERF_WL_ARRAY ? daos_array_close(run->pr_ohs[i], NULL)
		     : run->pr_wl == DPERF_WL_SV  ? daos_obj_close(run->pr_ohs[i], NULL)
						  : daos_kv_close(run->pr_ohs[i], NULL);
		if (rc != 0)
			fprintf(stderr, "daos_perf: closing an object: " DF_RC "\n", DP_RC(rc));
	}
	free(run->pr_oids);
	free(run->pr_ohs);
	run->pr_oids = NULL;
	run->pr_ohs  = NULL;
}

/* Fill a buffer with bytes that do not compress or repeat (the stamps go over them). */
static void
dperf_fill_random(void *buf, size_t len, uint64_t seed)
{
	uint64_t x = dperf_mix64(seed);
	size_t   i;

	for (i = 0; i + 8 <= len; i += 8) {
		x = dperf_mix64(x);
		memcpy((char *)buf + i, &x, 8);
	}
	for (; i < len; i++)
		((char *)buf)[i] = (char)i;
}

static void
dperf_workers_free(struct dperf_worker *w, unsigned n)
{
	for (unsigned i = 0; w != NULL && i < n; i++) {
		free(w[i].pw_bufs);
		free(w[i].pw_failed);
	}
	free(w);
}

/* Workers of a run with their buffers (depth x size each, page aligned, touched). */
static int
dperf_workers(struct dperf_run *run, struct dperf_worker **out)
{
	const struct dperf_cfg *cfg   = run->pr_cfg;
	size_t                  bytes = (size_t)cfg->pc_depth * run->pr_size;
	struct dperf_worker    *w;

	w = calloc(cfg->pc_threads, sizeof(*w));
	if (w == NULL)
		return -DER_NOMEM;
	for (unsigned i = 0; i < cfg->pc_threads; i++) {
		w[i].pw_run = run;
		w[i].pw_id  = i;
		w[i].pw_failed = calloc(DPERF_FAILED_MAX, sizeof(*w[i].pw_failed));
		if (w[i].pw_failed == NULL ||
		    posix_memalign(&w[i].pw_bufs, 4096, (bytes + 4095) / 4096 * 4096) != 0) {
			w[i].pw_bufs = NULL;
			dperf_workers_free(w, cfg->pc_threads);
			return -DER_NOMEM;
		}
		dperf_fill_random(w[i].pw_bufs, bytes, cfg->pc_seed + i);
	}
	if ((uint64_t)bytes * cfg->pc_threads > g.g_buf_peak)
		g.g_buf_peak = (uint64_t)bytes * cfg->pc_threads;
	*out = w;
	return 0;
}

static int
dperf_result_add(struct dperf_run *run, unsigned oc, enum dperf_phase ph, double seconds,
		 struct dperf_worker *w)
{
	struct dperf_result *r;

	if (g.g_nres == DPERF_RESULTS_MAX)
		return -DER_OVERFLOW;
	r = &g.g_res[g.g_nres++];
	memset(r, 0, sizeof(*r));
	r->rs_wl      = run->pr_wl;
	r->rs_ph      = ph;
	r->rs_size    = run->pr_size;
	r->rs_oc      = oc;
	r->rs_seconds = seconds;
	dperf_hist_reset(&r->rs_st.st_hist);
	for (unsigned i = 0; i < run->pr_cfg->pc_threads; i++) {
		const struct dperf_stats *s = &w[i].pw_stats;

		r->rs_st.st_ops += s->st_ops;
		r->rs_st.st_bytes += s->st_bytes;
		r->rs_st.st_errors += s->st_errors;
		r->rs_st.st_verify_errors += s->st_verify_errors;
		r->rs_st.st_calls += s->st_calls;
		if (r->rs_st.st_first_rc == 0)
			r->rs_st.st_first_rc = s->st_first_rc;
		r->rs_span_short |= w[i].pw_span_short;
		dperf_hist_merge(&r->rs_st.st_hist, &s->st_hist);
	}
	return 0;
}

/* One (workload, class, size): its objects, then its phases. */
static int
dperf_run_one(enum dperf_wl wl, unsigned oc, uint64_t size)
{
	const struct dperf_cfg *cfg = &g.g_cfg;
	struct dperf_run        run = {0};
	struct dperf_worker    *w   = NULL;
	enum dperf_phase        phases[3] = {DPERF_PH_WRITE, DPERF_PH_READ, DPERF_PH_LIST};
	unsigned                nph       = wl == DPERF_WL_KV ? 3 : 2;
	bool                    refused;
	char                    sz[32];
	int                     rc;

	run.pr_cfg     = cfg;
	run.pr_wl      = wl;
	run.pr_oc_name = cfg->pc_oc_name[oc];
	run.pr_size    = size;
	run.pr_coh     = g.g_coh;
	run.pr_stop    = &g_stop;
	run.pr_nslots  = cfg->pc_bytes != 0 ? cfg->pc_bytes / cfg->pc_threads / size
					    : cfg->pc_span / size;
	if (run.pr_nslots > DPERF_SLOTS_MAX)
		run.pr_nslots = DPERF_SLOTS_MAX;
	rc = dperf_objects(&run, oc, &refused);
	if (rc != 0) {
		if (refused)
			dperf_refuse(oc, rc);
		goto out;
	}
	rc = dperf_workers(&run, &w);
	if (rc != 0) {
		fprintf(stderr, "daos_perf: no memory for the I/O buffers\n");
		goto out;
	}
	for (unsigned p = 0; p < nph && !atomic_load(&g_stop); p++) {
		double secs = 0;

		rc = dperf_phase_run(&run, w, phases[p], &secs);
		if (rc != 0) {
			fprintf(stderr, "daos_perf: cannot start the threads: " DF_RC "\n", DP_RC(rc));
			goto out;
		}
		rc = dperf_result_add(&run, oc, phases[p], secs, w);
		if (rc != 0)
			goto out;
		if (g.g_res[g.g_nres - 1].rs_span_short && !cfg->pc_json) {
			char span[32];

			dperf_size_str(size, sz, sizeof(sz));
			dperf_size_str(cfg->pc_span, span, sizeof(span));
			fprintf(stderr,
				"daos_perf: note: %s %s %s covered its span (%s per thread) in %.2f s, "
				"before -T ended; --span sets it (the pool must hold threads x "
				"span)\n", dperf_wl_name(wl), dperf_phase_name(wl, phases[p]), sz,
				span, secs);
		}
	}
out:
	dperf_objects_close(&run);
	dperf_workers_free(w, cfg->pc_threads);
	if (rc != 0 && !refused)
		g.g_failed = true;
	return rc;
}

/* ---- Output ---- */

static uint64_t
dperf_peak_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024;
}

struct dperf_fig {
	double f_ops_s;
	double f_mb_s;
	double f_p50, f_p95, f_p99, f_max; /* us */
};

static struct dperf_fig
dperf_figures(const struct dperf_result *r)
{
	struct dperf_fig f = {0};

	if (r->rs_seconds > 0) {
		f.f_ops_s = (double)r->rs_st.st_ops / r->rs_seconds;
		f.f_mb_s  = (double)r->rs_st.st_bytes / r->rs_seconds / 1e6;
	}
	f.f_p50 = dperf_hist_pct(&r->rs_st.st_hist, 50) / 1e3;
	f.f_p95 = dperf_hist_pct(&r->rs_st.st_hist, 95) / 1e3;
	f.f_p99 = dperf_hist_pct(&r->rs_st.st_hist, 99) / 1e3;
	f.f_max = (double)r->rs_st.st_hist.h_max / 1e3;
	return f;
}

/* Size a row reports: the value size, or the key length for list rows (ops are keys). */
static uint64_t
dperf_row_size(const struct dperf_result *r)
{
	return r->rs_ph == DPERF_PH_LIST ? DPERF_KEY_LEN : r->rs_size;
}

static void
dperf_print_table(void)
{
	const struct dperf_cfg *cfg = &g.g_cfg;
	char                    run[64];

	if (cfg->pc_bytes != 0) {
		char d[32];

		dperf_size_str(cfg->pc_bytes, d, sizeof(d));
		snprintf(run, sizeof(run), "-D %s", d);
	} else {
		snprintf(run, sizeof(run), "-T %g s", cfg->pc_seconds);
	}
	printf("daos_perf: pool %s (%u targets, %u engines), container %s, %s, %s, %u object%s "
	       "per thread%s\n",
	       cfg->pc_pool, g.g_pinfo.pi_ntargets, g.g_pinfo.pi_nnodes, g.g_cont, run,
	       cfg->pc_random ? "random" : "sequential", cfg->pc_objects,
	       cfg->pc_objects == 1 ? "" : "s", cfg->pc_verify ? "" : ", no verify");
	printf("%-8s %-6s %8s %-8s %9s %11s %12s %10s %10s %10s %10s %10s %7s\n", "workload",
	       "phase", "size", "class", "thr x qd", "ops", "ops/s", "MB/s", "p50 us", "p95 us",
	       "p99 us", "max us", "errors");
	for (unsigned i = 0; i < g.g_nres; i++) {
		const struct dperf_result *r = &g.g_res[i];
		struct dperf_fig           f = dperf_figures(r);
		char                       sz[32], td[32];

		dperf_size_str(dperf_row_size(r), sz, sizeof(sz));
		snprintf(td, sizeof(td), "%u x %u", cfg->pc_threads, cfg->pc_depth);
		printf("%-8s %-6s %8s %-8s %9s %11" PRIu64 " %12.1f %10.2f %10.1f %10.1f %10.1f "
		       "%10.1f %7" PRIu64 "\n",
		       dperf_wl_name(r->rs_wl), dperf_phase_name(r->rs_wl, r->rs_ph), sz,
		       cfg->pc_oc_name[r->rs_oc], td, r->rs_st.st_ops, f.f_ops_s, f.f_mb_s,
		       f.f_p50, f.f_p95, f.f_p99, f.f_max, r->rs_st.st_errors);
	}
	for (unsigned i = 0; i < g.g_nref; i++)
		printf("class %s refused by libdaos: " DF_RC "\n", cfg->pc_oc_name[g.g_ref[i].rf_oc],
		       DP_RC(g.g_ref[i].rf_rc));
	printf("client peak RSS %.1f MiB (I/O buffers %.1f MiB)\n",
	       (double)dperf_peak_rss() / (1 << 20), (double)g.g_buf_peak / (1 << 20));
}

/* A JSON string: the names printed are checked labels and fixed words, escaped anyway. */
static void
dperf_json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
dperf_print_json(void)
{
	const struct dperf_cfg *cfg = &g.g_cfg;
	struct utsname          un;
	time_t                  now = time(NULL);
	char                    date[64];

	if (uname(&un) != 0)
		snprintf(un.nodename, sizeof(un.nodename), "?");
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	printf("{\n  \"tool\": \"daos_perf\",\n  \"date\": ");
	dperf_json_str(date);
	printf(",\n  \"host\": ");
	dperf_json_str(un.nodename);
	printf(",\n  \"params\": {\"pool\": ");
	dperf_json_str(cfg->pc_pool);
	printf(", \"cont\": ");
	dperf_json_str(g.g_cont);
	printf(", \"cont_created\": %s, \"pool_targets\": %u, \"pool_engines\": %u,\n",
	       g.g_own_cont ? "true" : "false", g.g_pinfo.pi_ntargets, g.g_pinfo.pi_nnodes);
	printf("    \"workloads\": [");
	for (unsigned i = 0; i < cfg->pc_nwl; i++) {
		printf("%s", i > 0 ? ", " : "");
		dperf_json_str(dperf_wl_name(cfg->pc_wl[i]));
	}
	/* null: each workload's default size (the rows say which) */
	if (cfg->pc_nsizes == 0) {
		printf("], \"sizes\": null, \"classes\": [");
	} else {
		printf("], \"sizes\": [");
		for (unsigned i = 0; i < cfg->pc_nsizes; i++)
			printf("%s%" PRIu64, i > 0 ? ", " : "", cfg->pc_sizes[i]);
		printf("], \"classes\": [");
	}
	for (unsigned i = 0; i < cfg->pc_noc; i++) {
		printf("%s", i > 0 ? ", " : "");
		dperf_json_str(cfg->pc_oc_name[i]);
	}
	printf("],\n    \"threads\": %u, \"depth\": %u, \"objects_per_thread\": %u, ",
	       cfg->pc_threads, cfg->pc_depth, cfg->pc_objects);
	if (cfg->pc_bytes != 0)
		printf("\"seconds\": null, \"bytes\": %" PRIu64 ", \"span\": null, ", cfg->pc_bytes);
	else
		printf("\"seconds\": %g, \"bytes\": null, \"span\": %" PRIu64 ", ", cfg->pc_seconds,
		       cfg->pc_span);
	printf("\"order\": \"%s\", \"chunk\": %" PRIu64 ", \"verify\": %s, \"seed\": %" PRIu64
	       "},\n", cfg->pc_random ? "random" : "seq", cfg->pc_chunk,
	       cfg->pc_verify ? "true" : "false", cfg->pc_seed);
	printf("  \"client_peak_rss_bytes\": %" PRIu64 ",\n  \"io_buffer_bytes\": %" PRIu64
	       ",\n  \"results\": [",
	       dperf_peak_rss(), g.g_buf_peak);
	for (unsigned i = 0; i < g.g_nres; i++) {
		const struct dperf_result *r = &g.g_res[i];
		struct dperf_fig           f = dperf_figures(r);

		printf("%s\n    {\"workload\": \"%s\", \"phase\": \"%s\", \"size\": %" PRIu64
		       ", \"class\": ",
		       i > 0 ? "," : "", dperf_wl_name(r->rs_wl), dperf_phase_name(r->rs_wl, r->rs_ph),
		       dperf_row_size(r));
		dperf_json_str(cfg->pc_oc_name[r->rs_oc]);
		printf(", \"threads\": %u, \"depth\": %u,\n     \"ops\": %" PRIu64 ", \"bytes\": %" PRIu64
		       ", \"seconds\": %.6f, \"ops_per_s\": %.2f, \"mb_per_s\": %.4f,\n"
		       "     \"p50_us\": %.3f, \"p95_us\": %.3f, \"p99_us\": %.3f, \"max_us\": %.3f, "
		       "\"errors\": %" PRIu64 ", \"verify_errors\": %" PRIu64,
		       cfg->pc_threads, cfg->pc_depth, r->rs_st.st_ops, r->rs_st.st_bytes,
		       r->rs_seconds, f.f_ops_s, f.f_mb_s, f.f_p50, f.f_p95, f.f_p99, f.f_max,
		       r->rs_st.st_errors, r->rs_st.st_verify_errors);
		if (r->rs_ph == DPERF_PH_LIST)
			printf(", \"calls\": %" PRIu64 ", \"value_size\": %" PRIu64, r->rs_st.st_calls,
			       r->rs_size);
		if (r->rs_st.st_first_rc != 0)
			printf(", \"first_error\": \"%s\"", d_errstr(r->rs_st.st_first_rc));
		printf(", \"span_short\": %s}", r->rs_span_short ? "true" : "false");
	}
	printf("\n  ],\n  \"refused\": [");
	for (unsigned i = 0; i < g.g_nref; i++) {
		printf("%s\n    {\"class\": ", i > 0 ? "," : "");
		dperf_json_str(cfg->pc_oc_name[g.g_ref[i].rf_oc]);
		printf(", \"rc\": %d, \"error\": \"%s\", \"message\": ", g.g_ref[i].rf_rc,
		       d_errstr(g.g_ref[i].rf_rc));
		dperf_json_str(d_errdesc(g.g_ref[i].rf_rc));
		printf("}");
	}
	printf("%s],\n  \"interrupted\": %s\n}\n", g.g_nref > 0 ? "\n  " : "",
	       atomic_load(&g_stop) ? "true" : "false");
}

/* ---- main ---- */

static int
dperf_connect(void)
{
	int rc;

	rc = daos_pool_connect(g.g_cfg.pc_pool, NULL, DAOS_PC_RW, &g.g_poh, NULL, NULL);
	if (rc != 0) {
		fprintf(stderr, "daos_perf: cannot connect to pool %s: " DF_RC "\n", g.g_cfg.pc_pool,
			DP_RC(rc));
		return rc;
	}
	g.g_pinfo.pi_bits = 0;
	rc = daos_pool_query(g.g_poh, NULL, &g.g_pinfo, NULL, NULL);
	if (rc != 0)
		fprintf(stderr, "daos_perf: pool query (ignored): " DF_RC "\n", DP_RC(rc));
	return 0;
}

static void
dperf_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = dperf_on_signal;
	sa.sa_flags   = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	/* without the handlers a signal still ends the run, only less cleanly (M2) */
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		fprintf(stderr, "daos_perf: warning: cannot catch SIGINT/SIGTERM: %s\n",
			strerror(errno));
}

int
main(int argc, char **argv)
{
	struct dperf_cfg *cfg = &g.g_cfg;
	char              err[512];
	unsigned          done = 0;
	uint64_t          errors = 0;
	int               rc;

	rc = dperf_args_parse(argc, argv, isatty(2) != 0, cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "daos_perf: %s\n", err);
		fprintf(stderr, "Try 'daos_perf --help'.\n");
		return 1;
	}
	if (cfg->pc_help) {
		fputs(dperf_usage, stdout);
		return 0;
	}
	g.g_res = calloc(DPERF_RESULTS_MAX, sizeof(*g.g_res));
	if (g.g_res == NULL) {
		fprintf(stderr, "daos_perf: out of memory\n");
		return 1;
	}
	/* libdaos's own log: critical lines only, unless the user configured it */
	if (getenv("D_LOG_MASK") == NULL && setenv("D_LOG_MASK", "CRIT", 1) != 0)
		fprintf(stderr, "daos_perf: warning: cannot set D_LOG_MASK: %s\n", strerror(errno));
	dperf_signals();
	rc = daos_init();
	if (rc != 0) {
		fprintf(stderr, "daos_perf: daos_init: " DF_RC "\n", DP_RC(rc));
		free(g.g_res);
		return 1;
	}
	rc = dperf_connect();
	if (rc != 0)
		goto fini;
	g.g_own_cont = cfg->pc_cont[0] == '\0';
	if (g.g_own_cont)
		snprintf(g.g_cont, sizeof(g.g_cont), "daos_perf-%d", (int)getpid());
	else
		snprintf(g.g_cont, sizeof(g.g_cont), "%s", cfg->pc_cont);
	rc = dperf_cont_open();
	if (rc != 0)
		goto disconnect;

	for (unsigned w = 0; w < cfg->pc_nwl && rc == 0; w++) {
		for (unsigned oc = 0; oc < cfg->pc_noc && rc == 0; oc++) {
			unsigned nsz = cfg->pc_nsizes > 0 ? cfg->pc_nsizes : 1;

			for (unsigned s = 0; s < nsz && rc == 0 && !atomic_load(&g_stop); s++) {
				uint64_t size = cfg->pc_nsizes > 0 ? cfg->pc_sizes[s]
								   : dperf_wl_default_size(cfg->pc_wl[w]);

				if (dperf_refused(oc))
					break;
				/* M2: a fresh container for every run after the first */
				if (done > 0 && g.g_own_cont && !cfg->pc_keep) {
					rc = dperf_cont_close(true);
					if (rc == 0)
						rc = dperf_cont_open();
					if (rc != 0) {
						g.g_failed = true;
						break;
					}
				}
				done++;
				/* a failed run is reported; the next ones still run */
				(void)dperf_run_one(cfg->pc_wl[w], oc, size);
			}
		}
	}
	if (cfg->pc_json)
		dperf_print_json();
	else
		dperf_print_table();
	fflush(stdout);
	for (unsigned i = 0; i < g.g_nres; i++)
		errors += g.g_res[i].rs_st.st_errors;
	if (errors > 0)
		fprintf(stderr, "daos_perf: %" PRIu64 " operations failed\n", errors);
	if (atomic_load(&g_stop))
		fprintf(stderr, "daos_perf: interrupted\n");
	rc = dperf_cont_close(false);
	if (rc == 0 && (errors > 0 || g.g_nref > 0 || g.g_failed || atomic_load(&g_stop)))
		rc = -DER_MISC;
disconnect:
	{
		int rc2 = daos_pool_disconnect(g.g_poh, NULL);

		if (rc2 != 0) {
			fprintf(stderr, "daos_perf: pool disconnect: " DF_RC "\n", DP_RC(rc2));
			if (rc == 0)
				rc = rc2;
		}
	}
fini:
	daos_fini();
	free(g.g_res);
	return rc == 0 ? 0 : 1;
}
