/*
 * telemetry.h: metrics in shared memory (producer, lock-free reader, export).
 *
 * One process (an I/O engine) publishes a tree of metrics in a SysV shared
 * memory segment; other processes (daos_server, daos_metrics) attach it
 * read-only and walk it without ever taking a lock or blocking the writer.
 *
 *   producer:  d_tm_seg_create -> d_tm_add_metric -> d_tm_inc_counter, ...
 *   reader:    d_tm_reader_open -> d_tm_walk (callback per node)
 *   export:    d_tm_export_prometheus (several engines merged), d_tm_export_csv
 *
 * Paths are '/'-separated names relative to the root, e.g.
 * "io/latency/update/4KB/tgt_0". Name characters are [A-Za-z0-9_.:;+-]: the
 * brief's [A-Za-z0-9_.:-] plus ';' and '+', because libfabric provider names
 * ("ofi+tcp;ofi_rxm") are path components under net/. "." and ".." are refused.
 *
 * Values: counters and gauges are uint64_t as in DAOS. A gauge decrement below
 * zero saturates at 0 (a wrapped 1.8e19 would be worse on a dashboard than a
 * clamped 0; the underflow is a caller bug either way). Timestamps are seconds
 * since the epoch. Durations are microseconds; their clock is chosen by a flag
 * at creation: D_TM_CLOCK_REALTIME measures elapsed wall time (read from
 * CLOCK_MONOTONIC so clock steps do not produce negative durations),
 * PROCESS_CPUTIME and THREAD_CPUTIME the CPU time of the process or thread.
 * The start of a duration is kept per thread (a small thread-local table), so
 * two threads timing the same node do not clobber each other's start.
 * Stats gauges and durations keep last value, min, max, sum, sum of squares
 * and samples; readers compute mean = sum / samples and the sample standard
 * deviation sqrt((sumsq - n * mean^2) / (n - 1)) (0 when n < 2).
 *
 * Removal: d_tm_del_node() unlinks a subtree; its nodes go to a FIFO
 * quarantine and are reused only after a grace period (D_TM_REUSE_GRACE_S,
 * settable per segment). A reader that is inside the subtree when it is
 * unlinked keeps seeing intact nodes until the grace period ends; a reader
 * stalled for longer may read a reused node, which is bounded by its checks
 * (never a crash or an endless walk, at worst a wrong row or -DER_DF_INVAL).
 * Never reusing was rejected: engines create and destroy per-pool directories
 * for their whole life, which would exhaust any fixed segment. Space bound:
 * a segment must hold the live nodes plus those deleted within the last grace
 * period (every node, directory or metric, takes one 384-byte slot). Handles
 * to nodes of a deleted subtree must not be used by callers after deletion.
 *
 * Prometheus export (DAOS naming, see daos-facts section 7): name = prefix +
 * "_" + path components joined by '_' with non-alphanumerics replaced by '_';
 * labels taken out of the path: pool/<uuid>/... -> pool, io/latency/<op>/<size>
 * -> size, net/<provider>/... -> provider (net/uri/... excepted),
 * nvme/<pci>/... -> device, tgt_N -> target, xs_N -> xstream, ctx_N ->
 * context (each label once; a repeated one stays in the name), and rank on
 * every series. Labels are printed sorted by name.
 * TYPE decision: DAOS counter names do not end in "_total" and the stats
 * siblings end in "_sum"; promtool (2.42) lints both ("counter metrics should
 * have _total suffix", "non-histogram and non-summary metrics should not have
 * _sum suffix") and exits 3. DAOS's names must stay unchanged for existing
 * dashboards, so such families are declared "# TYPE <name> untyped", which
 * promtool accepts: a counter is "counter" only when its name already ends in
 * "_total", otherwise "untyped"; a gauge-like family whose name ends in a
 * reserved suffix (_total, _count, _bucket, _sum) is "untyped"; a family
 * whose series disagree on type is "untyped". Everything else is "gauge".
 * Names containing abbreviated units (e.g. a path component "us") would still
 * be linted; DAOS's names carry units in HELP, never in the name.
 *
 * Thread safety: writers may update metrics from any thread; adding and
 * deleting nodes serialise on a mutex of the segment handle. A reader handle
 * is immutable after open: several threads may walk it at once.
 */
#ifndef GURT_TELEMETRY_H
#define GURT_TELEMETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Metric types: bits as in DAOS. */
#define D_TM_DIRECTORY             0x1
#define D_TM_COUNTER               0x2
#define D_TM_TIMESTAMP             0x4
#define D_TM_TIMER_SNAPSHOT        0x8 /* reserved: not supported (-DER_INVAL) */
#define D_TM_DURATION              0x10
#define D_TM_GAUGE                 0x20
#define D_TM_STATS_GAUGE           0x40
/* Clock of a duration (at most one; none means REALTIME). */
#define D_TM_CLOCK_REALTIME        0x80
#define D_TM_CLOCK_PROCESS_CPUTIME 0x100
#define D_TM_CLOCK_THREAD_CPUTIME  0x200
#define D_TM_CLOCK_MASK            0x380

/* Key of engine <idx>'s segment (DAOS); tests use their own keys. */
#define D_TM_ENGINE_KEY_BASE       0x10242048

/*
 * Limits
 */
/** Smallest segment: the header plus ten nodes, enough for a tiny test tree. */
#define D_TM_SEG_SIZE_MIN          4096
/** Largest segment: 1 GiB is ~2.7 million nodes; more is a runaway producer. */
#define D_TM_SEG_SIZE_MAX          (1UL << 30)
/** Path buffer incl. NUL: DAOS paths are < 100 chars; 255 leaves headroom. */
#define D_TM_PATH_MAX              256
/** Name buffer incl. NUL: a component is at most 63 chars (a UUID is 36). */
#define D_TM_NAME_MAX              64
/** Description buffer incl. NUL: one line of HELP text. */
#define D_TM_DESC_MAX              128
/** Units buffer incl. NUL: "us", "bytes", "ops"; 31 chars is plenty. */
#define D_TM_UNITS_MAX             32
/** Path components: DAOS's deepest path has 6; 16 bounds reader recursion. */
#define D_TM_DEPTH_MAX             16
/** Nodes a reader visits in one walk before declaring the segment corrupt. */
#define D_TM_WALK_NODES_MAX        1000000
/** Reader attempts at a stable copy of a multi-word value before giving up. */
#define D_TM_SEQ_RETRY_MAX         1000
/** Durations one thread may have started and not ended at once (nesting). */
#define D_TM_DURATION_NEST_MAX     16
/** Default seconds a deleted node stays quarantined: far above any walk. */
#define D_TM_REUSE_GRACE_S         60
/** Largest settable grace period: an hour, beyond which nothing is reused. */
#define D_TM_REUSE_GRACE_MAX_S     3600
/** Sources (engines) merged into one Prometheus output: DAOS runs <= 4. */
#define D_TM_EXPORT_SOURCES_MAX    64
/** Metric name prefix, e.g. "engine", without the trailing '_'. */
#define D_TM_PREFIX_MAX            32

struct d_tm_seg;  /* producer handle (process-local) */
struct d_tm_node; /* a node inside the segment (opaque) */

/*
 * Producer
 */

/**
 * Create a segment of \a size_bytes for \a key (not IPC_PRIVATE) with an
 * empty root directory. A leftover segment with the same key is removed and
 * recreated when this uid owns it.
 * \return 0, -DER_INVAL (key or size), -DER_SHMEM_PERMS (leftover owned by
 *         another uid), -DER_NO_SHMEM (shmget/shmat refused), -DER_NOMEM,
 *         -DER_BUSY (another producer created the key at the same moment).
 */
int d_tm_seg_create(key_t key, size_t size_bytes, struct d_tm_seg **seg);

/**
 * Detach and free \a seg; with \a remove, mark the segment for removal
 * (IPC_RMID: readers still attached keep their mapping). NULL is a no-op.
 * All node handles of the segment become invalid.
 */
void d_tm_seg_destroy(struct d_tm_seg *seg, bool remove);

/**
 * Set the quarantine period of deleted nodes (0 = reuse at once; tests).
 * \return 0 or -DER_INVAL (NULL or more than D_TM_REUSE_GRACE_MAX_S).
 */
int d_tm_seg_set_reuse_grace(struct d_tm_seg *seg, unsigned int seconds);

/**
 * Add a metric (or a directory with D_TM_DIRECTORY) at the path built from
 * \a fmt, creating missing directories. \a desc and \a units may be NULL
 * (empty); they are printable ASCII of at most D_TM_DESC_MAX - 1 and
 * D_TM_UNITS_MAX - 1 chars. If the path exists with the same type, its node
 * is returned (idempotent; desc and units are not changed).
 * \param[out] node  the node, untouched on error; may be NULL
 * \return 0, -DER_INVAL (NULL seg, bad type, bad name: empty component, '/'
 *         at either end, "." or "..", a char outside [A-Za-z0-9_.:;+-],
 *         control chars in desc/units), -DER_OVERFLOW (desc or units too
 *         long), -DER_EXCEEDS_PATH_LEN (path, a component or depth too long),
 *         -DER_EXIST (exists with another type), -DER_NOTDIR (a parent
 *         component is a metric), -DER_NO_SHMEM (segment full; nothing is
 *         created then).
 */
int d_tm_add_metric(struct d_tm_seg *seg, struct d_tm_node **node, int type, const char *desc,
		    const char *units, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/**
 * Unlink the node at \a path and its subtree, quarantining their memory.
 * \return 0, -DER_INVAL (bad path, or the root), -DER_EXCEEDS_PATH_LEN,
 *         -DER_METRIC_NOT_FOUND.
 */
int d_tm_del_node(struct d_tm_seg *seg, const char *path);

/*
 * Updates: lock-free, callable from any thread. A NULL node or a node of
 * another type is ignored (metrics that failed to be created cost nothing).
 */
void d_tm_inc_counter(struct d_tm_node *n, uint64_t v);
void d_tm_set_counter(struct d_tm_node *n, uint64_t v);
/** Gauge: store; stats gauge: store and record a sample. */
void d_tm_set_gauge(struct d_tm_node *n, uint64_t v);
void d_tm_inc_gauge(struct d_tm_node *n, uint64_t v);
/** Saturates at 0. */
void d_tm_dec_gauge(struct d_tm_node *n, uint64_t v);
/** Store the current time (seconds since the epoch). */
void d_tm_record_timestamp(struct d_tm_node *n);
/** Remember the start of a duration for this thread (node's clock). */
void d_tm_mark_duration_start(struct d_tm_node *n);
/** Record the time since this thread's start as a sample; no start: ignored. */
void d_tm_mark_duration_end(struct d_tm_node *n);
/** Record an externally measured duration of \a us microseconds. */
void d_tm_set_duration_us(struct d_tm_node *n, uint64_t us);

/*
 * Reader
 */
struct d_tm_reader;

/**
 * Attach the segment of \a key read-only and validate its header.
 * \return 0, -DER_INVAL, -DER_NONEXIST (no segment), -DER_SHMEM_PERMS,
 *         -DER_AGAIN (header not yet initialised by the producer),
 *         -DER_DF_INVAL (bad magic, size or root), -DER_DF_INCOMPT (layout
 *         version or node size differ), -DER_NOMEM.
 */
int d_tm_reader_open(key_t key, struct d_tm_reader **r);

/** Detach and free; NULL is a no-op. */
void d_tm_reader_close(struct d_tm_reader *r);

/**
 * True when the producer removed the segment (IPC_RMID) since it was opened,
 * e.g. the engine restarted: close and open again to see the new one.
 */
bool d_tm_reader_stale(const struct d_tm_reader *r);

/** One node as seen by a walk; strings are valid during the callback only. */
struct d_tm_sample {
	const char *ts_path;  /* full path from the root */
	int         ts_type;  /* D_TM_* type bits, incl. the clock of a duration */
	const char *ts_desc;  /* printable ASCII */
	const char *ts_units; /* printable ASCII */
	uint64_t    ts_value; /* counter, gauge, timestamp (s), last duration (us) */
	uint64_t    ts_min;   /* stats gauge and duration only, else 0 */
	uint64_t    ts_max;
	uint64_t    ts_sum;
	uint64_t    ts_samples;
	double      ts_mean;
	double      ts_stddev;
	double      ts_sumsquares;
};

/**
 * Walk the tree (or the subtree at \a subpath; NULL or "" = root) depth first,
 * children in creation order, calling \a cb for every node but the root,
 * directories included. A node whose multi-word value could not be copied
 * stably (its writer is in the middle of an update, or died there) is
 * skipped and the walk goes on.
 * \return 0; \a cb's nonzero value (the walk stops); -DER_AGAIN (complete
 *         walk, but some node was skipped); -DER_INVAL; -DER_METRIC_NOT_FOUND;
 *         -DER_DF_INVAL / -DER_DF_INCOMPT (corrupt segment: bad offset, type,
 *         name, depth, too many nodes or a cycle).
 */
int d_tm_walk(struct d_tm_reader *r, const char *subpath,
	      int (*cb)(const struct d_tm_sample *s, void *arg), void *arg);

/*
 * Export
 */
struct d_tm_source {
	struct d_tm_reader *src_reader;
	uint32_t            src_rank;
};

/**
 * Print the metrics of \a nsrcs sources in the Prometheus text format:
 * families sorted by name, each contiguous with one HELP and one TYPE,
 * series unique (a later duplicate of a name and label set is dropped),
 * output ending with a newline. \a prefix: [A-Za-z_][A-Za-z0-9_]*.
 * \return 0, -DER_INVAL, -DER_NOMEM, -DER_IO (write error), or the first
 *         error of a walk (nothing printed), except -DER_AGAIN: the output is
 *         printed without the skipped series and -DER_AGAIN returned.
 */
int d_tm_export_prometheus(const struct d_tm_source *srcs, int nsrcs, const char *prefix,
			   FILE *out);

/**
 * Print the metrics (not directories) under \a subpath as CSV, one row per
 * metric: "path,value" plus ",min,max,mean,samples,sum,stddev" for stats
 * gauges and durations. With \a meta, a header line
 * "name,value,min,max,mean,sample_size,sum,std_dev,description,units" and
 * every row padded to those ten columns. Fields holding ',', '"', CR or LF
 * are quoted (RFC 4180). Timestamps are printed as seconds since the epoch.
 * \return as d_tm_walk, plus -DER_IO; rows are streamed, so a walk error may
 *         come after some rows were printed.
 */
int d_tm_export_csv(struct d_tm_reader *r, const char *subpath, bool meta, FILE *out);

#endif /* GURT_TELEMETRY_H */
