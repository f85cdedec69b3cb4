/*
 * tm_demo.c: a telemetry producer and reader for the integration tests.
 *
 *   tm_demo write --key K [--seconds S] [--targets N] [--size BYTES]
 *       Create a segment with an engine-like tree and update it from one
 *       thread per target until SIGTERM/SIGINT or S seconds (0 = until a
 *       signal); then remove the segment. Prints one "ready" line on stdout
 *       once the tree exists.
 *   tm_demo read --key K [--rank R] [--key K2 --rank R2 ...]
 *                [--prom | --csv [--meta]] [--path P]
 *       Print once: an indented tree (default), Prometheus text (all keys
 *       merged, --rank i for the i-th key, default its index) or CSV (first
 *       key only).
 *
 * Exit codes: 0 success, 1 telemetry error (printed with DF_RC), 2 usage,
 * 3 no segment for a key (-DER_NONEXIST).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/telemetry.h"

#define DEMO_TARGETS_MAX 64
#define DEMO_KEYS_MAX    D_TM_EXPORT_SOURCES_MAX
#define DEMO_POOL_UUID   "7b5e2c8a-1d6f-4c3e-9a0b-5f1e2d3c4b5a"
#define DEMO_NVME        "0000:81:00.0"
#define DEMO_PROVIDER    "ofi+tcp;ofi_rxm"

enum { EXIT_TM = 1, EXIT_USAGE = 2, EXIT_NOSEG = 3 };

static volatile sig_atomic_t demo_stop;

static void
demo_on_signal(int sig)
{
	(void)sig;
	demo_stop = 1;
}

static int
usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "tm_demo: %s\n", msg);
	fprintf(stderr,
		"usage: tm_demo write --key K [--seconds S] [--targets N] [--size BYTES]\n"
		"       tm_demo read --key K [--rank R] [--key K --rank R ...] "
		"[--prom | --csv [--meta]] [--path P]\n");
	return EXIT_USAGE;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char              *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v     = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_key(const char *s, key_t *key)
{
	uint64_t v;

	if (parse_u64(s, UINT32_MAX, &v) != 0 || v == 0)
		return -1;
	*key = (key_t)(uint32_t)v;
	return 0;
}

/* ---- write ---- */

struct demo_tgt {
	struct d_tm_seg  *dt_seg;
	int               dt_idx;
	pthread_t         dt_thread;
	struct d_tm_node *dt_lat_4k;
	struct d_tm_node *dt_lat_1m;
	struct d_tm_node *dt_active;
	struct d_tm_node *dt_cycle;
	struct d_tm_node *dt_cycle_size;
	struct d_tm_node *dt_pool_update;
	struct d_tm_node *dt_pool_fetch;
	struct d_tm_node *dt_req_timeout;
	struct d_tm_node *dt_read_errs;
};

static uint64_t
demo_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *
demo_tgt_main(void *arg)
{
	struct demo_tgt *t    = arg;
	uint64_t         seed = 0x9e3779b97f4a7c15ULL + (uint64_t)t->dt_idx;
	struct timespec  tick = {.tv_sec = 0, .tv_nsec = 2 * 1000 * 1000};

	while (!demo_stop) {
		d_tm_mark_duration_start(t->dt_cycle);
		d_tm_inc_gauge(t->dt_active, 1);
		d_tm_set_gauge(t->dt_lat_4k, 20 + demo_rand(&seed) % 200);
		d_tm_set_gauge(t->dt_lat_1m, 500 + demo_rand(&seed) % 3000);
		d_tm_set_gauge(t->dt_cycle_size, 1 + demo_rand(&seed) % 32);
		/* the pool counters are shared by all targets: atomic adds */
		d_tm_inc_counter(t->dt_pool_update, 1);
		d_tm_inc_counter(t->dt_pool_fetch, 2);
		if (demo_rand(&seed) % 50 == 0)
			d_tm_inc_counter(t->dt_req_timeout, 1);
		if (demo_rand(&seed) % 200 == 0)
			d_tm_inc_counter(t->dt_read_errs, 1);
		d_tm_dec_gauge(t->dt_active, 1);
		nanosleep(&tick, NULL);
		d_tm_mark_duration_end(t->dt_cycle);
	}
	return NULL;
}

#define ADD(node, type, desc, units, ...)                                                 \
	do {                                                                              \
		rc = d_tm_add_metric(seg, node, type, desc, units, __VA_ARGS__);          \
		if (rc != 0) {                                                            \
			fprintf(stderr, "tm_demo: cannot add a metric: " DF_RC "\n",      \
				DP_RC(rc));                                               \
			goto out;                                                         \
		}                                                                         \
	} while (0)

static int
demo_write(key_t key, uint64_t seconds, int ntgts, uint64_t size)
{
	struct demo_tgt   tgts[DEMO_TARGETS_MAX] = {0};
	struct d_tm_seg  *seg                    = NULL;
	struct d_tm_node *started, *servicing, *rank, *pool_started;
	struct sigaction  sa                     = {.sa_handler = demo_on_signal};
	struct timespec   start, now;
	struct timespec   nap     = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
	int               started_threads = 0;
	int               rc;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
		perror("tm_demo: sigaction");
		return EXIT_TM;
	}
	rc = d_tm_seg_create(key, size, &seg);
	if (rc != 0) {
		fprintf(stderr, "tm_demo: cannot create segment 0x%x: " DF_RC "\n", (unsigned)key,
			DP_RC(rc));
		return EXIT_TM;
	}

	ADD(&started, D_TM_TIMESTAMP, "Timestamp of last engine startup", "", "started_at");
	ADD(&servicing, D_TM_TIMESTAMP, "Timestamp when the engine became ready", "",
	    "servicing_at");
	ADD(&rank, D_TM_GAUGE, "Rank ID of this engine", "", "rank");
	ADD(&pool_started, D_TM_TIMESTAMP, "Last time the pool started", "",
	    "pool/" DEMO_POOL_UUID "/started_at");
	for (int i = 0; i < ntgts; i++) {
		struct demo_tgt *t = &tgts[i];

		t->dt_seg = seg;
		t->dt_idx = i;
		ADD(&t->dt_lat_4k, D_TM_STATS_GAUGE, "update RPC processing time", "us",
		    "io/latency/update/4KB/tgt_%d", i);
		ADD(&t->dt_lat_1m, D_TM_STATS_GAUGE, "update RPC processing time", "us",
		    "io/latency/update/1MB/tgt_%d", i);
		ADD(&t->dt_active, D_TM_GAUGE, "number of active update RPCs", "req",
		    "io/ops/update/active/tgt_%d", i);
		ADD(&t->dt_cycle, D_TM_DURATION | D_TM_CLOCK_REALTIME,
		    "Time spent in one scheduler cycle", "us", "sched/cycle_duration/xs_%d", i + 2);
		ADD(&t->dt_cycle_size, D_TM_STATS_GAUGE, "ULTs run in one scheduler cycle", "ULT",
		    "sched/cycle_size/xs_%d", i + 2);
		ADD(&t->dt_pool_update, D_TM_COUNTER, "Total number of processed object RPCs",
		    "ops", "pool/" DEMO_POOL_UUID "/ops/update");
		ADD(&t->dt_pool_fetch, D_TM_COUNTER, "Total number of processed object RPCs", "ops",
		    "pool/" DEMO_POOL_UUID "/ops/fetch");
		ADD(&t->dt_req_timeout, D_TM_COUNTER, "Number of timed out RPC requests", "errs",
		    "net/" DEMO_PROVIDER "/req_timeout");
		ADD(&t->dt_read_errs, D_TM_COUNTER, "Number of NVMe read errors", "errs",
		    "nvme/" DEMO_NVME "/commands/read_errs");
	}
	d_tm_record_timestamp(started);
	d_tm_record_timestamp(servicing);
	d_tm_record_timestamp(pool_started);
	d_tm_set_gauge(rank, 0);

	for (; started_threads < ntgts; started_threads++) {
		rc = pthread_create(&tgts[started_threads].dt_thread, NULL, demo_tgt_main,
				    &tgts[started_threads]);
		if (rc != 0) {
			fprintf(stderr, "tm_demo: pthread_create: %s\n", strerror(rc));
			rc = -DER_MISC;
			goto out;
		}
	}
	printf("tm_demo: ready key 0x%x pid %d targets %d\n", (unsigned)key, (int)getpid(),
	       ntgts);
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!demo_stop) {
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds > 0 && (uint64_t)(now.tv_sec - start.tv_sec) >= seconds)
			break;
	}
	rc = 0;
out:
	demo_stop = 1;
	for (int i = 0; i < started_threads; i++)
		pthread_join(tgts[i].dt_thread, NULL);
	d_tm_seg_destroy(seg, true);
	return rc == 0 ? 0 : EXIT_TM;
}

/* ---- read ---- */

static int
demo_tree_cb(const struct d_tm_sample *s, void *arg)
{
	const char *name  = strrchr(s->ts_path, '/');
	int         depth = 0;
	int         type  = s->ts_type & ~D_TM_CLOCK_MASK;

	(void)arg;
	for (const char *p = s->ts_path; *p != '\0'; p++)
		depth += *p == '/';
	name = name != NULL ? name + 1 : s->ts_path;
	printf("%*s%s", depth * 2, "", name);
	if (type == D_TM_DIRECTORY) {
		printf("\n");
		return 0;
	}
	printf(": %" PRIu64 "%s%s", s->ts_value, s->ts_units[0] ? " " : "", s->ts_units);
	if (type == D_TM_STATS_GAUGE || type == D_TM_DURATION)
		printf(" [min: %" PRIu64 ", max: %" PRIu64 ", avg: %.3f, sum: %" PRIu64
		       ", stddev: %.3f, samples: %" PRIu64 "]",
		       s->ts_min, s->ts_max, s->ts_mean, s->ts_sum, s->ts_stddev, s->ts_samples);
	printf("\n");
	return 0;
}

enum demo_fmt { FMT_TREE, FMT_PROM, FMT_CSV };

static int
demo_read(key_t *keys, uint32_t *ranks, int nkeys, enum demo_fmt fmt, bool meta,
	  const char *path)
{
	struct d_tm_source srcs[DEMO_KEYS_MAX] = {0};
	int                nopen               = 0;
	int                rc                  = 0;
	int                ret                 = 0;

	for (; nopen < nkeys; nopen++) {
		rc = d_tm_reader_open(keys[nopen], &srcs[nopen].src_reader);
		if (rc != 0) {
			fprintf(stderr, "tm_demo: cannot open segment 0x%x: " DF_RC "\n",
				(unsigned)keys[nopen], DP_RC(rc));
			ret = rc == -DER_NONEXIST ? EXIT_NOSEG : EXIT_TM;
			goto out;
		}
		srcs[nopen].src_rank = ranks[nopen];
	}
	switch (fmt) {
	case FMT_PROM:
		rc = d_tm_export_prometheus(srcs, nkeys, "engine", stdout);
		break;
	case FMT_CSV:
		rc = d_tm_export_csv(srcs[0].src_reader, path, meta, stdout);
		break;
	default:
		rc = d_tm_walk(srcs[0].src_reader, path, demo_tree_cb, NULL);
		break;
	}
	if (rc == -DER_AGAIN) {
		/* the output is complete but for series caught mid-update */
		fprintf(stderr, "tm_demo: some metrics skipped: " DF_RC "\n", DP_RC(rc));
	} else if (rc != 0) {
		fprintf(stderr, "tm_demo: read failed: " DF_RC "\n", DP_RC(rc));
		ret = EXIT_TM;
	}
	if (fflush(stdout) != 0)
		ret = EXIT_TM;
out:
	for (int i = 0; i < nopen; i++)
		d_tm_reader_close(srcs[i].src_reader);
	return ret;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},  {"rank", required_argument, NULL, 'r'},
	    {"seconds", required_argument, NULL, 's'}, {"targets", required_argument, NULL, 't'},
	    {"size", required_argument, NULL, 'z'}, {"prom", no_argument, NULL, 'P'},
	    {"csv", no_argument, NULL, 'C'},        {"meta", no_argument, NULL, 'M'},
	    {"path", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
	};
	key_t         keys[DEMO_KEYS_MAX];
	uint32_t      ranks[DEMO_KEYS_MAX];
	int           nkeys   = 0;
	int           nranks  = 0;
	uint64_t      seconds = 0;
	uint64_t      ntgts   = 2;
	uint64_t      size    = 1 << 20;
	enum demo_fmt fmt     = FMT_TREE;
	bool          meta    = false;
	const char   *path    = NULL;
	bool          writer;
	int           c;

	if (argc < 2)
		return usage(NULL);
	if (strcmp(argv[1], "write") == 0)
		writer = true;
	else if (strcmp(argv[1], "read") == 0)
		writer = false;
	else
		return usage("the first argument is 'write' or 'read'");

	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'k':
			if (nkeys == DEMO_KEYS_MAX)
				return usage("too many --key");
			if (parse_key(optarg, &keys[nkeys]) != 0)
				return usage("--key takes a non-zero number up to 0xffffffff");
			nkeys++;
			break;
		case 'r':
			if (nranks == DEMO_KEYS_MAX || parse_u64(optarg, UINT32_MAX, &v) != 0)
				return usage("--rank takes a number up to 4294967295, once per key");
			ranks[nranks++] = (uint32_t)v;
			break;
		case 's':
			if (parse_u64(optarg, 86400, &seconds) != 0)
				return usage("--seconds takes 0..86400");
			break;
		case 't':
			if (parse_u64(optarg, DEMO_TARGETS_MAX, &ntgts) != 0 || ntgts == 0)
				return usage("--targets takes 1..64");
			break;
		case 'z':
			if (parse_u64(optarg, D_TM_SEG_SIZE_MAX, &size) != 0 ||
			    size < D_TM_SEG_SIZE_MIN)
				return usage("--size is out of range");
			break;
		case 'P':
			fmt = FMT_PROM;
			break;
		case 'C':
			fmt = FMT_CSV;
			break;
		case 'M':
			meta = true;
			break;
		case 'p':
			path = optarg;
			break;
		default:
			return usage(NULL);
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	if (nkeys == 0)
		return usage("--key is required");
	if (writer) {
		if (nkeys != 1 || nranks != 0 || fmt != FMT_TREE || meta || path != NULL)
			return usage("write takes one --key, --seconds, --targets and --size");
		return demo_write(keys[0], seconds, (int)ntgts, size);
	}
	if (nranks > nkeys)
		return usage("more --rank than --key");
	for (int i = nranks; i < nkeys; i++)
		ranks[i] = (uint32_t)i;
	if (meta && fmt != FMT_CSV)
		return usage("--meta goes with --csv");
	if (fmt == FMT_PROM && path != NULL)
		return usage("--path does not apply to --prom");
	return demo_read(keys, ranks, nkeys, fmt, meta, path);
}
