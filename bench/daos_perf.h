/*
 * daos_perf.h: the libdaos benchmark (bench/daos_perf*.c): limits, the run
 * configuration, latency histograms, the slot permutation and the phase
 * driver shared by its files.
 *
 * Files:
 *   daos_perf.c        main: pool, container, the runs, table and JSON output
 *   daos_perf_args.c   the command line (every value checked before libdaos starts)
 *   daos_perf_stats.c  log-linear latency histograms, slot permutations, data stamps
 *   daos_perf_io.c     worker threads: one event queue each, `depth` operations in flight
 *   daos_perf_test.c   unit tests of the three above that need no server (meson test daos_perf)
 *
 * Vocabulary: a *run* is one (workload, object class, size); it has *phases*
 * (array: write, read; sv: update, fetch; kv: put, get, list), each timed on
 * its own. Thread t owns `objects` objects; its *slots* 0..nslots-1 are the
 * places it writes: slot s lives in object s mod objects, at index s / objects
 * (an array offset of index * size bytes, an integer dkey, or a KV key).
 */
#ifndef DAOS_PERF_H
#define DAOS_PERF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <daos.h>

/* ---- Limits ---- */

/** Worker threads: libdaos has one network client per process, so more threads than a
 *  machine's cores only add contention on it. */
#define DPERF_THREADS_MAX       64U
/** Operations in flight per thread: an engine connection reads at most 256 requests ahead
 *  (the transport's per-connection window), more would only wait in a socket buffer. */
#define DPERF_DEPTH_MAX         256U
/** Transport calls in flight in one process (libdaos's net client accepts 4096): threads x
 *  depth x chunks per array operation must stay below it. */
#define DPERF_CALLS_MAX         4096U
/** Objects per thread: each is an open handle; a few thousand already spread over any pool. */
#define DPERF_OBJECTS_MAX       4096U
/** Entries of each list option (-w, -s, -o): a run matrix is their product. */
#define DPERF_LIST_MAX          16U
/** Array transfer sizes: one byte to the 64 MiB one libdaos request carries. */
#define DPERF_ARRAY_SIZE_MAX    (64ULL << 20)
/** Single values and KV values: 1 MiB, far above the small-I/O case they exist for. */
#define DPERF_VALUE_SIZE_MAX    (1ULL << 20)
/** Array chunk size: libdaos's largest chunk (one chunk is one request). */
#define DPERF_CHUNK_MAX         (64ULL << 20)
/** All I/O buffers of a run (threads x depth x size): the tool must not swap the client. */
#define DPERF_BUF_BYTES_MAX     (4ULL << 30)
/** -T: one day. */
#define DPERF_SECONDS_MAX       86400.0
/** Slots per thread (-D, --span): 2^40 keeps index x size within 64 bits for any size. */
#define DPERF_SLOTS_MAX         (1ULL << 40)
/** -D and --span: 1 PiB, beyond any pool this tool will meet. */
#define DPERF_BYTES_MAX         (1ULL << 50)
/** Keys one KV list call returns (and latency is per call). */
#define DPERF_LIST_KEYS         128U
/** KV keys: 16 hexadecimal digits of the key index, so every key has the same length. */
#define DPERF_KEY_LEN           16U
/** Failed operations described on stderr per phase (the rest are counted). */
#define DPERF_ERRORS_SHOWN      5U
/** Failed operations after which a thread ends its phase: a full pool or a dead engine
 *  would otherwise spin through the whole -D. */
#define DPERF_ERRORS_STOP       100U
/** Failed writes a thread remembers so that its reads skip them: a write phase stops after
 *  DPERF_ERRORS_STOP failures, plus what was still in flight. */
#define DPERF_FAILED_MAX        (DPERF_ERRORS_STOP + DPERF_DEPTH_MAX)
/** Longest wait in one event queue poll (us); libdaos bounds each operation itself. */
#define DPERF_POLL_US           1000000
/** Progress line period (ms). */
#define DPERF_PROGRESS_MS       1000U
/** Pool and container names: a label (127 characters) or a UUID string. */
#define DPERF_NAME_MAX          127U
/** Sub-buckets per power of two in a latency histogram: 2^5 = 32, so a bucket is at most
 *  1/32 of its value wide and a percentile read at its middle is within 1.6%. */
#define DPERF_HIST_SUB_BITS     5U
/** Powers of two a histogram covers above its linear part: up to 2^44 ns (4.9 hours);
 *  longer latencies count in the last bucket (max stays exact). */
#define DPERF_HIST_OCTAVES      39U
/** Buckets of a histogram: the linear part (one per ns below 32 ns) then the octaves. */
#define DPERF_HIST_BUCKETS      ((1U << DPERF_HIST_SUB_BITS) * (DPERF_HIST_OCTAVES + 1))
/** Results one invocation prints: workloads x classes x sizes x 3 phases. */
#define DPERF_RESULTS_MAX       (3U * DPERF_LIST_MAX * DPERF_LIST_MAX * DPERF_LIST_MAX)

/* ---- Defaults ---- */

#define DPERF_DEF_THREADS       1U
#define DPERF_DEF_DEPTH         16U
#define DPERF_DEF_OBJECTS       1U
#define DPERF_DEF_SECONDS       5.0
/** Per-thread span in -T mode: bounds what a run writes (VOS keeps every byte until the
 *  container is destroyed: no aggregation yet). */
#define DPERF_DEF_SPAN          (256ULL << 20)
#define DPERF_DEF_CHUNK         (1ULL << 20)
#define DPERF_DEF_ARRAY_SIZE    (1ULL << 20)
#define DPERF_DEF_VALUE_SIZE    64ULL

/* ---- Configuration (daos_perf_args.c) ---- */

enum dperf_wl {
	DPERF_WL_ARRAY,
	DPERF_WL_SV,
	DPERF_WL_KV,
	DPERF_WL_NR,
};

struct dperf_cfg {
	char             pc_pool[DPERF_NAME_MAX + 1];
	char             pc_cont[DPERF_NAME_MAX + 1]; /**< empty: create daos_perf-<pid> */
	enum dperf_wl    pc_wl[DPERF_LIST_MAX];
	unsigned         pc_nwl;
	uint64_t         pc_sizes[DPERF_LIST_MAX];   /**< empty: each workload's default */
	unsigned         pc_nsizes;
	daos_oclass_id_t pc_oc[DPERF_LIST_MAX];
	char             pc_oc_name[DPERF_LIST_MAX][MAX_OBJ_CLASS_NAME_LEN];
	unsigned         pc_noc;
	unsigned         pc_threads;
	unsigned         pc_depth;
	unsigned         pc_objects;   /**< per thread */
	double           pc_seconds;   /**< -T; 0 when -D is given */
	uint64_t         pc_bytes;     /**< -D: bytes per phase, all threads; 0 with -T */
	uint64_t         pc_span;      /**< -T: bytes per thread a write phase may cover */
	uint64_t         pc_chunk;     /**< array chunk size, bytes */
	uint64_t         pc_seed;
	bool             pc_random;
	bool             pc_json;
	bool             pc_progress;
	bool             pc_keep;
	bool             pc_verify;
	bool             pc_help;      /**< --help: print usage, exit 0 */
};

/**
 * Parse the command line into *cfg (defaults for what is absent). Nothing is
 * sent anywhere. Returns 0, or -DER_INVAL with a sentence naming the bad
 * option and value in errbuf. --help sets pc_help and returns 0.
 * isatty_stderr decides the default of the progress line.
 */
int dperf_args_parse(int argc, char **argv, bool isatty_stderr, struct dperf_cfg *cfg,
		     char *errbuf, size_t errlen);

/**
 * Parse a size: digits, optionally followed by K, M, G, T (or KiB, MiB, GiB,
 * TiB: powers of 1024, as fio and IOR read them) or KB, MB, GB, TB (powers of
 * 1000); case-insensitive. 0 or -DER_INVAL (not a size) / -DER_OVERFLOW.
 */
int dperf_parse_size(const char *s, uint64_t *out);

/** Print a size compactly: "64", "4KiB", "1MiB", else the byte count. */
void dperf_size_str(uint64_t size, char *buf, size_t len);

/** The usage text (--help). */
extern const char dperf_usage[];

/** Workload names, as -w takes them. */
const char *dperf_wl_name(enum dperf_wl wl);

/** Default size of a workload (when -s is absent). */
uint64_t dperf_wl_default_size(enum dperf_wl wl);

/* ---- Latency histograms (daos_perf_stats.c) ---- */

/**
 * Log-linear histogram of latencies in nanoseconds: exact below 32 ns, then
 * 32 buckets per power of two. Bounded memory, mergeable; min and max exact.
 */
struct dperf_hist {
	uint64_t h_count;
	uint64_t h_min;
	uint64_t h_max;
	uint64_t h_sum;
	uint64_t h_bucket[DPERF_HIST_BUCKETS];
};

void dperf_hist_reset(struct dperf_hist *h);
void dperf_hist_add(struct dperf_hist *h, uint64_t ns);
void dperf_hist_merge(struct dperf_hist *dst, const struct dperf_hist *src);
/** Bucket index of a value, and the [lo, hi] values a bucket holds (tests). */
unsigned dperf_hist_index(uint64_t ns);
void dperf_hist_bounds(unsigned idx, uint64_t *lo, uint64_t *hi);
/**
 * The p-th percentile (0 < p <= 100) in nanoseconds: the middle of the bucket
 * holding the ceil(p% x count)-th smallest value, clamped to [min, max], so
 * p50 <= p95 <= p99 <= max always holds. 0 for an empty histogram.
 */
double dperf_hist_pct(const struct dperf_hist *h, double p);

/* ---- Slot orders (daos_perf_stats.c) ---- */

/**
 * A bijection of [0, n): identity (sequential) or a keyed 4-round Feistel
 * network over the next even power of two with cycle walking (random), so
 * a random order visits every slot once in O(1) memory.
 */
struct dperf_perm {
	uint64_t pp_n;
	uint64_t pp_key;
	unsigned pp_half;   /**< bits per Feistel half; 0: identity */
};

void dperf_perm_init(struct dperf_perm *p, uint64_t n, bool random, uint64_t key);
/** The i-th element (i < n). */
uint64_t dperf_perm_at(const struct dperf_perm *p, uint64_t i);

/** A 64-bit mixer (splitmix64's finaliser). */
uint64_t dperf_mix64(uint64_t x);

/**
 * The data check of a slot: its first and last 8 bytes (fewer for values
 * under 8 bytes) hold values derived from (seed, object, index). stamp
 * writes them, check compares (true: as written).
 */
void dperf_stamp(void *buf, uint64_t size, uint64_t seed, uint64_t obj, uint64_t idx);
bool dperf_check(const void *buf, uint64_t size, uint64_t seed, uint64_t obj, uint64_t idx);

/* ---- Phases (daos_perf_io.c) ---- */

enum dperf_phase {
	DPERF_PH_WRITE,  /**< array write, sv update, kv put */
	DPERF_PH_READ,   /**< array read, sv fetch, kv get */
	DPERF_PH_LIST,   /**< kv list */
};

/** Totals of one phase (one thread's, or merged). */
struct dperf_stats {
	uint64_t          st_ops;
	uint64_t          st_bytes;
	uint64_t          st_errors;
	uint64_t          st_verify_errors;  /**< included in st_errors */
	uint64_t          st_calls;          /**< list: list calls (ops count keys) */
	int               st_first_rc;       /**< first failure, 0 when none */
	struct dperf_hist st_hist;
};

/** What a run shares with its threads (owned by main). */
struct dperf_run {
	const struct dperf_cfg *pr_cfg;
	enum dperf_wl           pr_wl;
	const char             *pr_oc_name;
	uint64_t                pr_size;
	uint64_t                pr_nslots;     /**< per thread */
	daos_handle_t           pr_coh;
	daos_obj_id_t          *pr_oids;       /**< threads x objects, thread-major */
	daos_handle_t          *pr_ohs;        /**< open handles, same layout */
	atomic_bool            *pr_stop;       /**< SIGINT/SIGTERM */
	atomic_uint             pr_errors_shown;
};

/** One worker thread of a run; it lives across the run's phases. */
struct dperf_worker {
	struct dperf_run   *pw_run;
	unsigned            pw_id;
	uint64_t            pw_written;       /**< slots the write phase submitted */
	uint64_t           *pw_failed;        /**< slots whose write failed, sorted after it */
	unsigned            pw_nfailed;       /**< <= DPERF_FAILED_MAX */
	struct dperf_stats  pw_stats;         /**< the current phase */
	_Atomic uint64_t    pw_ops_live;      /**< for the progress line */
	_Atomic uint64_t    pw_bytes_live;
	_Atomic bool        pw_done;
	uint64_t            pw_end_ns;        /**< when its last operation completed */
	bool                pw_span_short;    /**< -T: the span ran out before the time */
	void               *pw_bufs;          /**< depth x size, allocated for the run */
};

/**
 * Run phase `ph` of `run` on every worker (threads started and joined here),
 * printing a progress line on stderr when the configuration asks for it.
 * *seconds receives the phase's wall time (first submission to last
 * completion). 0, or the -DER_* of a failure to start (threads, memory); the
 * operations' own failures are counted in each worker's pw_stats.
 */
int dperf_phase_run(struct dperf_run *run, struct dperf_worker *w, enum dperf_phase ph,
		    double *seconds);

/** Phase name as printed ("write", "update", "put", ...). */
const char *dperf_phase_name(enum dperf_wl wl, enum dperf_phase ph);

/** Monotonic clock, ns. */
uint64_t dperf_now_ns(void);

#endif /* DAOS_PERF_H */
