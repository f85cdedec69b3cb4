/*
 * eng_telem.c: the engine's metrics, published in its telemetry segment
 * (gurt/telemetry.h, SysV key D_TM_ENGINE_KEY_BASE + instance index) for
 * daos_server's Prometheus exporter and daos_metrics. Paths are DAOS's, so
 * the exporter gives DAOS's metric names and labels (daos-facts section 7):
 *
 *   started_at, servicing_at, rank, incarnation          system thread
 *   mem/rss                                              system thread
 *   nvme/<dev uuid>/commands/{read_errs,write_errs,unmap_errs,checksum_mismatch}
 *   nvme/<dev uuid>/state                                system thread
 *   io/ops/<op>/{active,latency}/tgt_N                   target N
 *   io/latency/{update,fetch}/<size>/tgt_N               target N
 *   io/xferred/{update,fetch}/tgt_N                      target N
 *   net/<provider>/{req_recv,req_bad,hg_active_rpcs}/tgt_N
 *   sched/{cycles,cycle_duration,cycle_size,busy_time,relax_time}/tgt_N
 *   mem/vos/stage_buffers/tgt_N                          target N
 *   pool/<uuid>/started_at                               the first target to open it
 *   pool/<uuid>/ops/<op>/tgt_N, pool/<uuid>/xferred/{update,fetch}/tgt_N,
 *   pool/<uuid>/vos_space/{scm_used,nvme_used,scm_total,nvme_total}/tgt_N
 *
 * Invariants:
 *  1. Every node has one writer: tgt_N nodes are written by target N's
 *     thread, the others by the system thread, pool/<uuid>/started_at once
 *     when it is added. Updates take no lock (relaxed atomics, or the
 *     library's per-node seqlock for stats, which never waits on a reader).
 *  2. Nodes are added and removed only off the I/O path (start-up, pool
 *     create, open and destroy, the join); the pool table is guarded by
 *     tm_lock, which is taken before the segment's own mutex, never after.
 *  3. Bit t of a pool's tp_tgts is set exactly while target t holds handles
 *     of its pool/<uuid>/.../tgt_t nodes; pool/<uuid> is deleted, under
 *     tm_lock, when the last bit is cleared, so a target never holds a handle
 *     of a deleted node.
 *  4. Telemetry never stops the engine: a metric that cannot be created is a
 *     NULL handle, which every update ignores; the first failure is logged.
 *  5. No allocation on the I/O path: handles live in struct eng_tgt and
 *     struct eng_pool, latencies come from CLOCK_MONOTONIC read in place.
 */
#define D_LOGFAC DD_FAC(telem)

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "engine/eng_internal.h"

/* One pool of the table: which targets hold metrics of it (invariant 3). */
struct eng_tm_pool {
	uuid_t   tp_uuid;
	uint64_t tp_tgts;
};

/* One device of eng_storage (same order as es_devs). */
struct eng_tm_dev {
	uuid_t            td_uuid;
	struct d_tm_node *td_read_errs;
	struct d_tm_node *td_write_errs;
	struct d_tm_node *td_unmap_errs;
	struct d_tm_node *td_csum;
	struct d_tm_node *td_state;
};

struct eng_telem {
	struct d_tm_seg   *tm_seg;
	key_t              tm_key;
	pthread_mutex_t    tm_lock; /* the pool table (invariant 2) */
	_Atomic bool       tm_warned;
	char               tm_prov[ENG_TM_PROV_MAX + 1];
	struct d_tm_node  *tm_started_at;
	struct d_tm_node  *tm_servicing_at;
	struct d_tm_node  *tm_rank;
	struct d_tm_node  *tm_inc;
	struct d_tm_node  *tm_rss;
	struct eng_tm_pool tm_pools[ENG_POOLS_MAX];
	uint32_t           tm_pool_nr;
	struct eng_tm_dev  tm_devs[ENG_NVME_DEVS_MAX];
	uint32_t           tm_dev_nr;
};

/* DAOS's names of the object RPCs (obj_rpc.h), indexed by enum eng_tm_op. */
static const char *const tm_op_names[ENG_TM_OP_NR] = {
	"update",    "fetch",     "dkey_enum",  "akey_enum",  "recx_enum",
	"obj_enum",  "obj_punch", "dkey_punch", "akey_punch", "key_query",
};

/* DAOS's 16 size buckets: bucket i holds sizes up to 256 << i bytes, the last the rest. */
static const char *const tm_buckets[ENG_TM_BUCKETS] = {
	"256B", "512B", "1KB",   "2KB",   "4KB", "8KB", "16KB", "32KB",
	"64KB", "128KB", "256KB", "512KB", "1MB", "2MB", "4MB",  "GT4MB",
};

/* VOS vos_space leaves of a pool, in eng_pool_tm order. */
static const char *const tm_space_names[4] = {"scm_used", "nvme_used", "scm_total",
					      "nvme_total"};

/* ---- Helpers ---- */

uint64_t
eng_telem_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
tm_bucket(uint64_t bytes)
{
	uint64_t limit = 256;
	int      b     = 0;

	while (bytes > limit && b < ENG_TM_BUCKETS - 1) {
		limit <<= 1;
		b++;
	}
	return b;
}

/*
 * Add the metric at the path built from @fmt; NULL when it cannot be made
 * (invariant 4: logged once as a warning, then at debug level).
 */
static struct d_tm_node *
tm_add(struct eng_telem *tm, int type, const char *desc, const char *units, const char *fmt,
       ...)
{
	struct d_tm_node *n = NULL;
	char              path[D_TM_PATH_MAX];
	va_list           ap;
	int               len;
	int               rc;

	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(path))
		rc = -DER_EXCEEDS_PATH_LEN;
	else
		rc = d_tm_add_metric(tm->tm_seg, &n, type, desc, units, "%s", path);
	if (rc != 0) {
		if (!atomic_exchange(&tm->tm_warned, true))
			D_WARN("metric %s not created: " DF_RC " (further failures are logged at "
			       "debug level)\n", path, DP_RC(rc));
		else
			D_DEBUG("metric %s not created: " DF_RC "\n", path, DP_RC(rc));
		return NULL;
	}
	return n;
}

static void
tm_del(struct eng_telem *tm, const char *fmt, ...)
{
	char    path[D_TM_PATH_MAX];
	va_list ap;
	int     len;
	int     rc;

	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(path))
		return; /* never added either */
	rc = d_tm_del_node(tm->tm_seg, path);
	if (rc != 0 && rc != -DER_METRIC_NOT_FOUND)
		D_WARN("metric %s not removed: " DF_RC "\n", path, DP_RC(rc));
}

/* The metric name alphabet of telemetry.h: [A-Za-z0-9_.:;+-]. */
static bool
tm_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == ';' || c == '+' || c == '-';
}

/* ---- Engine-wide metrics (system thread) ---- */

key_t
eng_telem_key(uint32_t idx)
{
	const char   *env  = getenv(ENG_TM_KEY_ENV);
	unsigned long base = D_TM_ENGINE_KEY_BASE;

	if (env != NULL && env[0] != '\0') {
		char         *end;
		unsigned long v;

		errno = 0;
		v     = strtoul(env, &end, 0);
		if (errno != 0 || *end != '\0' || env[0] == '-' || v == 0 ||
		    v > (unsigned long)INT32_MAX - ENG_IDX_MAX)
			D_WARN("%s='%.32s' is not a key in [1, %#x]: using %#x\n", ENG_TM_KEY_ENV,
			       env, INT32_MAX - ENG_IDX_MAX, D_TM_ENGINE_KEY_BASE);
		else
			base = v;
	}
	return (key_t)(base + idx);
}

int
eng_telem_create(key_t key, uint32_t tgt_nr, const char *provider, struct eng_telem **out)
{
	struct eng_telem *tm;
	size_t            len;
	int               rc;

	if (out == NULL || key == IPC_PRIVATE || tgt_nr > ENG_TARGETS_MAX)
		return -DER_INVAL;
	tm = calloc(1, sizeof(*tm));
	if (tm == NULL)
		return -DER_NOMEM;
	tm->tm_key = key;
	/* Invariant 4: a provider name the alphabet refuses still gets its directory. */
	len = provider != NULL ? strnlen(provider, ENG_TM_PROV_MAX) : 0;
	for (size_t i = 0; i < len; i++)
		tm->tm_prov[i] = tm_name_char(provider[i]) ? provider[i] : '_';
	if (len == 0 || strcmp(tm->tm_prov, ".") == 0 || strcmp(tm->tm_prov, "..") == 0)
		snprintf(tm->tm_prov, sizeof(tm->tm_prov), "unknown");

	rc = d_tm_seg_create(key, ENG_TM_SEG_BASE + (size_t)tgt_nr * ENG_TM_SEG_PER_TGT,
			     &tm->tm_seg);
	if (rc == -DER_BUSY) /* another producer raced us for the key: once more */
		rc = d_tm_seg_create(key, ENG_TM_SEG_BASE + (size_t)tgt_nr * ENG_TM_SEG_PER_TGT,
				     &tm->tm_seg);
	if (rc != 0) {
		free(tm);
		return rc;
	}
	pthread_mutex_init(&tm->tm_lock, NULL);
	atomic_init(&tm->tm_warned, false);
	tm->tm_started_at = tm_add(tm, D_TM_TIMESTAMP, "Timestamp of last engine startup", NULL,
				   "started_at");
	tm->tm_rss        = tm_add(tm, D_TM_GAUGE, "Resident memory of the engine process",
				   "bytes", "mem/rss");
	d_tm_record_timestamp(tm->tm_started_at);
	D_INFO("telemetry: segment %#x (%u targets), provider directory net/%s\n",
	       (unsigned)key, tgt_nr, tm->tm_prov);
	*out = tm;
	return 0;
}

void
eng_telem_destroy(struct eng_telem *tm)
{
	if (tm == NULL)
		return;
	d_tm_seg_destroy(tm->tm_seg, true);
	pthread_mutex_destroy(&tm->tm_lock);
	free(tm);
}

void
eng_telem_servicing(struct eng_telem *tm)
{
	if (tm == NULL)
		return;
	if (tm->tm_servicing_at == NULL)
		tm->tm_servicing_at = tm_add(tm, D_TM_TIMESTAMP,
					     "Timestamp when the engine became ready to "
					     "process RPCs", NULL, "servicing_at");
	d_tm_record_timestamp(tm->tm_servicing_at);
}

void
eng_telem_joined(struct eng_telem *tm, uint32_t rank, uint64_t incarnation)
{
	if (tm == NULL)
		return;
	if (tm->tm_rank == NULL)
		tm->tm_rank = tm_add(tm, D_TM_GAUGE, "Rank ID of this engine", NULL, "rank");
	if (tm->tm_inc == NULL)
		tm->tm_inc = tm_add(tm, D_TM_GAUGE, "Incarnation of this engine (from its join)",
				    NULL, "incarnation");
	d_tm_set_gauge(tm->tm_rank, rank);
	d_tm_set_gauge(tm->tm_inc, incarnation);
}

void
eng_telem_storage(struct eng_telem *tm, struct eng_storage *st)
{
	if (tm == NULL || st == NULL)
		return;
	pthread_mutex_lock(&st->es_lock);
	tm->tm_dev_nr = 0;
	for (uint32_t i = 0; i < st->es_dev_nr && i < ENG_NVME_DEVS_MAX; i++) {
		struct eng_tm_dev *td = &tm->tm_devs[tm->tm_dev_nr++];
		char               id[37];

		uuid_copy(td->td_uuid, st->es_devs[i].ed_uuid);
		uuid_unparse_lower(td->td_uuid, id);
		td->td_read_errs  = tm_add(tm, D_TM_COUNTER, "Read commands that failed", "errs",
					   "nvme/%s/commands/read_errs", id);
		td->td_write_errs = tm_add(tm, D_TM_COUNTER,
					   "Write and flush commands that failed", "errs",
					   "nvme/%s/commands/write_errs", id);
		td->td_unmap_errs = tm_add(tm, D_TM_COUNTER, "Unmap commands that failed", "errs",
					   "nvme/%s/commands/unmap_errs", id);
		td->td_csum       = tm_add(tm, D_TM_COUNTER,
					   "Data read from the device that failed its checksum",
					   "errs", "nvme/%s/commands/checksum_mismatch", id);
		td->td_state      = tm_add(tm, D_TM_GAUGE,
					   "Device state: 0 NORMAL, 1 FAULTY, 2 EVICTED, 3 NEW, "
					   "4 UNPLUGGED", NULL, "nvme/%s/state", id);
	}
	pthread_mutex_unlock(&st->es_lock);
}

/* Resident set size of this process from /proc/self/statm (0 when unreadable). */
static uint64_t
tm_rss_bytes(void)
{
	char          buf[128];
	unsigned long size, resident;
	long          page = sysconf(_SC_PAGESIZE);
	ssize_t       n;
	int           fd;

	fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || page <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%lu %lu", &size, &resident) != 2)
		return 0;
	return (uint64_t)resident * (uint64_t)page;
}

void
eng_telem_refresh(struct eng_telem *tm, struct eng_storage *st)
{
	if (tm == NULL)
		return;
	d_tm_set_gauge(tm->tm_rss, tm_rss_bytes());
	if (st == NULL)
		return;
	pthread_mutex_lock(&st->es_lock);
	for (uint32_t i = 0; i < tm->tm_dev_nr && i < st->es_dev_nr; i++) {
		const struct eng_dev *ed = &st->es_devs[i];
		struct eng_tm_dev    *td = &tm->tm_devs[i];
		struct bio_smd_dev    sd;
		uint64_t              state = BIO_STATE_NORMAL;

		if (uuid_compare(ed->ed_uuid, td->td_uuid) != 0)
			continue; /* eng_telem_storage() of another storage */
		if (bio_smd_dev_get(st->es_smd, ed->ed_uuid, &sd) == 0)
			state = sd.sd_state;
		if (ed->ed_dev != NULL) {
			struct bio_counters c;
			struct bio_dev_info info;

			bio_dev_counters(ed->ed_dev, &c);
			bio_dev_query(ed->ed_dev, &info);
			d_tm_set_counter(td->td_read_errs, c.bc_read_errs);
			/* A failed flush loses writes: the operator counts it as one. */
			d_tm_set_counter(td->td_write_errs, c.bc_write_errs + c.bc_flush_errs);
			d_tm_set_counter(td->td_unmap_errs, c.bc_unmap_errs);
			d_tm_set_counter(td->td_csum, c.bc_csum_errs);
			if (info.bdi_failed && state == BIO_STATE_NORMAL)
				state = BIO_STATE_FAULTY;
		}
		d_tm_set_gauge(td->td_state, state);
	}
	pthread_mutex_unlock(&st->es_lock);
}

/* ---- A target's metrics (its own thread) ---- */

void
eng_telem_tgt_init(struct eng_tgt *t)
{
	struct eng_tgt_tm *tt = &t->t_tm;
	struct eng_telem  *tm = tt->tt_tm;
	uint32_t           id = t->t_idx;

	if (tm == NULL)
		return;
	for (int op = 0; op < ENG_TM_OP_NR; op++) {
		tt->tt_op_active[op] = tm_add(tm, D_TM_STATS_GAUGE, "number of active object RPCs",
					      "ops", "io/ops/%s/active/tgt_%u", tm_op_names[op],
					      id);
		tt->tt_op_lat[op]    = tm_add(tm, D_TM_STATS_GAUGE, "object RPC processing time",
					      "us", "io/ops/%s/latency/tgt_%u", tm_op_names[op],
					      id);
	}
	for (int b = 0; b < ENG_TM_BUCKETS; b++) {
		tt->tt_lat_update[b] = tm_add(tm, D_TM_STATS_GAUGE,
					      "update RPC processing time by data size", "us",
					      "io/latency/update/%s/tgt_%u", tm_buckets[b], id);
		tt->tt_lat_fetch[b]  = tm_add(tm, D_TM_STATS_GAUGE,
					      "fetch RPC processing time by data size", "us",
					      "io/latency/fetch/%s/tgt_%u", tm_buckets[b], id);
	}
	tt->tt_xfer_update = tm_add(tm, D_TM_COUNTER, "total number of bytes updated/written",
				    "bytes", "io/xferred/update/tgt_%u", id);
	tt->tt_xfer_fetch  = tm_add(tm, D_TM_COUNTER, "total number of bytes fetched/read",
				    "bytes", "io/xferred/fetch/tgt_%u", id);
	tt->tt_net_recv    = tm_add(tm, D_TM_COUNTER, "requests received", "req",
				    "net/%s/req_recv/tgt_%u", tm->tm_prov, id);
	tt->tt_net_bad     = tm_add(tm, D_TM_COUNTER,
				    "malformed requests refused with -DER_PROTO", "req",
				    "net/%s/req_bad/tgt_%u", tm->tm_prov, id);
	tt->tt_net_active  = tm_add(tm, D_TM_STATS_GAUGE,
				    "requests received and not yet answered, after each "
				    "dispatch round", "req", "net/%s/hg_active_rpcs/tgt_%u",
				    tm->tm_prov, id);
	tt->tt_sched_cycles     = tm_add(tm, D_TM_COUNTER, "loop turns that had work",
					 "cycles", "sched/cycles/tgt_%u", id);
	tt->tt_sched_cycle_us   = tm_add(tm, D_TM_STATS_GAUGE, "work time of one loop turn",
					 "us", "sched/cycle_duration/tgt_%u", id);
	tt->tt_sched_cycle_size = tm_add(tm, D_TM_STATS_GAUGE,
					 "requests dispatched in one loop turn", "req",
					 "sched/cycle_size/tgt_%u", id);
	tt->tt_sched_busy       = tm_add(tm, D_TM_COUNTER, "time spent working", "us",
					 "sched/busy_time/tgt_%u", id);
	tt->tt_sched_relax      = tm_add(tm, D_TM_COUNTER, "time spent waiting for work",
					 "us", "sched/relax_time/tgt_%u", id);
	tt->tt_mem_stage        = tm_add(tm, D_TM_GAUGE,
					 "staging buffers of the target's VOS pools", "bytes",
					 "mem/vos/stage_buffers/tgt_%u", id);
	tt->tt_next_refresh_ns  = eng_telem_now_ns();
}

/* Set the vos_space gauges of pool p from VOS (committed state). */
static void
tm_pool_space(struct eng_tgt *t, struct eng_pool *p)
{
	struct vos_pool_info info;

	if (p->p_tm.pt_scm_used == NULL && p->p_tm.pt_scm_total == NULL)
		return;
	if (vos_pool_query(p->p_vos, &info) != 0)
		return; /* kept: the next refresh tries again */
	d_tm_set_gauge(p->p_tm.pt_scm_used, info.pi_scm_used);
	d_tm_set_gauge(p->p_tm.pt_nvme_used, info.pi_nvme_used);
	d_tm_set_gauge(p->p_tm.pt_scm_total, info.pi_scm_total);
	d_tm_set_gauge(p->p_tm.pt_nvme_total, info.pi_nvme_total);
	(void)t;
}

void
eng_telem_tgt_refresh(struct eng_tgt *t)
{
	uint64_t stage = 0;

	if (t->t_tm.tt_tm == NULL)
		return;
	for (uint32_t i = 0; i < t->t_pool_nr; i++) {
		struct eng_pool *p = t->t_pools[i];

		tm_pool_space(t, p);
		if (p->p_has_blob)
			stage += (uint64_t)VOS_STAGE_BYTES;
	}
	d_tm_set_gauge(t->t_tm.tt_mem_stage, stage);
	t->t_tm.tt_next_refresh_ns = eng_telem_now_ns() + (uint64_t)ENG_TM_REFRESH_MS * 1000000;
}

void
eng_telem_turn(struct eng_tgt *t, uint64_t w0_ns, uint64_t w1_ns, uint64_t end_ns, int events,
	       int dispatched)
{
	struct eng_tgt_tm *tt = &t->t_tm;

	if (tt->tt_tm == NULL)
		return;
	tt->tt_relax_ns += w1_ns - w0_ns;
	tt->tt_busy_ns += end_ns - w1_ns;
	d_tm_set_counter(tt->tt_sched_relax, tt->tt_relax_ns / 1000);
	d_tm_set_counter(tt->tt_sched_busy, tt->tt_busy_ns / 1000);
	if (events <= 0)
		return; /* a timed-out wait: idle, not a cycle */
	d_tm_inc_counter(tt->tt_sched_cycles, 1);
	d_tm_set_gauge(tt->tt_sched_cycle_us, (end_ns - w1_ns) / 1000);
	d_tm_set_gauge(tt->tt_sched_cycle_size, dispatched > 0 ? (uint64_t)dispatched : 0);
}

/* ---- Pools ---- */

static struct eng_tm_pool *
tm_pool_find(struct eng_telem *tm, const uuid_t uuid)
{
	for (uint32_t i = 0; i < tm->tm_pool_nr; i++)
		if (uuid_compare(tm->tm_pools[i].tp_uuid, uuid) == 0)
			return &tm->tm_pools[i];
	return NULL;
}

void
eng_telem_pool_init(struct eng_tgt *t, struct eng_pool *p)
{
	struct eng_telem   *tm = t->t_tm.tt_tm;
	struct eng_pool_tm *pt = &p->p_tm;
	struct eng_tm_pool *tp;
	uint32_t            id = t->t_idx;
	char                str[37];

	if (tm == NULL)
		return;
	uuid_unparse_lower(p->p_uuid, str);
	pthread_mutex_lock(&tm->tm_lock);
	tp = tm_pool_find(tm, p->p_uuid);
	if (tp == NULL) {
		if (tm->tm_pool_nr == ENG_POOLS_MAX) {
			pthread_mutex_unlock(&tm->tm_lock);
			D_WARN("pool %s: no metrics, %u pools have metrics already\n", str,
			       ENG_POOLS_MAX);
			return;
		}
		tp = &tm->tm_pools[tm->tm_pool_nr++];
		uuid_copy(tp->tp_uuid, p->p_uuid);
		tp->tp_tgts = 0;
		d_tm_record_timestamp(tm_add(tm, D_TM_TIMESTAMP, "Last time the pool started",
					     NULL, "pool/%s/started_at", str));
	}
	for (int op = 0; op < ENG_TM_OP_NR; op++)
		pt->pt_ops[op] = tm_add(tm, D_TM_COUNTER, "total number of processed object RPCs",
					"ops", "pool/%s/ops/%s/tgt_%u", str, tm_op_names[op], id);
	pt->pt_xfer_update = tm_add(tm, D_TM_COUNTER, "total number of bytes updated/written",
				    "bytes", "pool/%s/xferred/update/tgt_%u", str, id);
	pt->pt_xfer_fetch  = tm_add(tm, D_TM_COUNTER, "total number of bytes fetched/read",
				    "bytes", "pool/%s/xferred/fetch/tgt_%u", str, id);
	pt->pt_scm_used    = tm_add(tm, D_TM_GAUGE, "SCM space used by the pool on the target",
				    "bytes", "pool/%s/vos_space/%s/tgt_%u", str, tm_space_names[0],
				    id);
	pt->pt_nvme_used   = tm_add(tm, D_TM_GAUGE, "NVMe space used by the pool on the target",
				    "bytes", "pool/%s/vos_space/%s/tgt_%u", str, tm_space_names[1],
				    id);
	pt->pt_scm_total   = tm_add(tm, D_TM_GAUGE, "SCM space of the pool on the target",
				    "bytes", "pool/%s/vos_space/%s/tgt_%u", str, tm_space_names[2],
				    id);
	pt->pt_nvme_total  = tm_add(tm, D_TM_GAUGE, "NVMe space of the pool on the target",
				    "bytes", "pool/%s/vos_space/%s/tgt_%u", str, tm_space_names[3],
				    id);
	tp->tp_tgts |= 1ULL << id; /* invariant 3 */
	pthread_mutex_unlock(&tm->tm_lock);
	tm_pool_space(t, p);
}

void
eng_telem_pool_fini(struct eng_tgt *t, const uuid_t uuid, struct eng_pool *p)
{
	struct eng_telem   *tm = t->t_tm.tt_tm;
	struct eng_tm_pool *tp;
	uint32_t            id = t->t_idx;
	char                str[37];

	if (p != NULL)
		memset(&p->p_tm, 0, sizeof(p->p_tm));
	if (tm == NULL)
		return;
	uuid_unparse_lower(uuid, str);
	pthread_mutex_lock(&tm->tm_lock);
	tp = tm_pool_find(tm, uuid);
	if (tp != NULL && (tp->tp_tgts & (1ULL << id))) {
		for (int op = 0; op < ENG_TM_OP_NR; op++)
			tm_del(tm, "pool/%s/ops/%s/tgt_%u", str, tm_op_names[op], id);
		tm_del(tm, "pool/%s/xferred/update/tgt_%u", str, id);
		tm_del(tm, "pool/%s/xferred/fetch/tgt_%u", str, id);
		for (int i = 0; i < 4; i++)
			tm_del(tm, "pool/%s/vos_space/%s/tgt_%u", str, tm_space_names[i], id);
		tp->tp_tgts &= ~(1ULL << id);
		if (tp->tp_tgts == 0) {
			/* Invariant 3: the last target of the pool takes the directory. */
			tm_del(tm, "pool/%s", str);
			*tp = tm->tm_pools[--tm->tm_pool_nr];
		}
	}
	pthread_mutex_unlock(&tm->tm_lock);
}

/* ---- The I/O path (target thread, no lock, no allocation) ---- */

int
eng_telem_op_of(uint16_t opcode)
{
	switch (opcode) {
	case PROTO_OP_OBJ_UPDATE:
		return ENG_TM_OP_UPDATE;
	case PROTO_OP_OBJ_FETCH:
		return ENG_TM_OP_FETCH;
	case PROTO_OP_OBJ_LIST_DKEY:
		return ENG_TM_OP_DKEY_ENUM;
	case PROTO_OP_OBJ_LIST_AKEY:
		return ENG_TM_OP_AKEY_ENUM;
	case PROTO_OP_OBJ_LIST_RECX:
		return ENG_TM_OP_RECX_ENUM;
	case PROTO_OP_OBJ_LIST_OBJ:
		return ENG_TM_OP_OBJ_ENUM;
	case PROTO_OP_OBJ_PUNCH:
		return ENG_TM_OP_OBJ_PUNCH;
	case PROTO_OP_OBJ_PUNCH_DKEYS:
		return ENG_TM_OP_DKEY_PUNCH;
	case PROTO_OP_OBJ_PUNCH_AKEYS:
		return ENG_TM_OP_AKEY_PUNCH;
	case PROTO_OP_OBJ_QUERY_KEY:
		return ENG_TM_OP_KEY_QUERY;
	default:
		return -1;
	}
}

void
eng_telem_op_begin(struct eng_tgt *t, int op)
{
	if (t->t_tm.tt_tm == NULL || op < 0 || op >= ENG_TM_OP_NR)
		return;
	d_tm_inc_gauge(t->t_tm.tt_op_active[op], 1);
}

void
eng_telem_op_end(struct eng_tgt *t, struct eng_pool *p, int op, uint64_t t0_ns, uint64_t bytes,
		 bool ok)
{
	struct eng_tgt_tm *tt = &t->t_tm;
	uint64_t           now;
	uint64_t           us;

	if (tt->tt_tm == NULL || op < 0 || op >= ENG_TM_OP_NR)
		return;
	now = eng_telem_now_ns();
	us  = now > t0_ns ? (now - t0_ns) / 1000 : 0;
	d_tm_dec_gauge(tt->tt_op_active[op], 1);
	d_tm_set_gauge(tt->tt_op_lat[op], us);
	if (op == ENG_TM_OP_UPDATE) {
		d_tm_set_gauge(tt->tt_lat_update[tm_bucket(bytes)], us);
		if (ok) {
			d_tm_inc_counter(tt->tt_xfer_update, bytes);
			if (p != NULL)
				d_tm_inc_counter(p->p_tm.pt_xfer_update, bytes);
		}
	} else if (op == ENG_TM_OP_FETCH) {
		d_tm_set_gauge(tt->tt_lat_fetch[tm_bucket(bytes)], us);
		if (ok) {
			d_tm_inc_counter(tt->tt_xfer_fetch, bytes);
			if (p != NULL)
				d_tm_inc_counter(p->p_tm.pt_xfer_fetch, bytes);
		}
	}
	if (p != NULL)
		d_tm_inc_counter(p->p_tm.pt_ops[op], 1);
}

void
eng_telem_req(struct eng_tgt *t)
{
	d_tm_inc_counter(t->t_tm.tt_net_recv, 1);
}

void
eng_telem_req_bad(struct eng_tgt *t)
{
	d_tm_inc_counter(t->t_tm.tt_net_bad, 1);
}

void
eng_telem_net_refused(struct eng_tgt *t, uint64_t total)
{
	struct eng_tgt_tm *tt = &t->t_tm;

	/* Refusals inside src/net count in req_bad with the handler's own refusals. */
	if (total > tt->tt_net_refused) {
		d_tm_inc_counter(tt->tt_net_bad, total - tt->tt_net_refused);
		tt->tt_net_refused = total;
	}
}

void
eng_telem_queue(struct eng_tgt *t, uint64_t held)
{
	d_tm_set_gauge(t->t_tm.tt_net_active, held);
}
