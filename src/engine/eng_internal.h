/*
 * eng_internal.h: the data path's internal structures, shared by
 * eng_nvme.c (storage), eng_tgt.c (threads and loops), eng_pool.c (pools and
 * TGT_* handlers), eng_obj.c (OBJ_* handlers and group commit),
 * eng_telem.c (the engine's metrics in shared memory) and eng_dev.c (RAS
 * events raised off the system thread, device failures).
 *
 * Ownership:
 *   struct eng_storage  one per engine, built by the system thread; its mutex
 *                       guards SMD, the pool table and the SCM reservation.
 *                       Devices are opened once and shared (bio_dev is
 *                       thread-safe for I/O; its failed state is atomic).
 *   struct eng_tgt      one per target thread; everything below it (net
 *                       server, ring, pools, batches, scratch buffers) is
 *                       touched by that thread only, so there is no lock on
 *                       the I/O path.
 *   struct eng_telem    one per engine (eng_telem.c): the telemetry segment.
 *                       Each target writes only the metrics of its own tgt_N
 *                       nodes (handles kept in its eng_tgt_tm and in each
 *                       pool's eng_pool_tm), the system thread only the
 *                       engine-wide ones; only adding and removing nodes
 *                       takes a lock, never an update.
 */
#ifndef ENGINE_ENG_INTERNAL_H
#define ENGINE_ENG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <uuid/uuid.h>

#include "bio/bio.h"
#include "gurt/telemetry.h"
#include "net/net.h"
#include "placement/placement.h"
#include "proto/proto.h"
#include "vos/vos.h"
#include "engine/engine.h"

_Static_assert(ENG_SCM_PATH_MAX + 64 <= VOS_PATH_MAX, "pool paths must fit VOS_PATH_MAX");

/* ---- Storage shared by the targets (eng_nvme.c) ---- */

/** Kinds of device errors reported by device_media_error (eng_dev.c). */
enum eng_dev_err {
	ENG_DEV_ERR_READ = 0,
	ENG_DEV_ERR_WRITE,
	ENG_DEV_ERR_FLUSH,
	ENG_DEV_ERR_UNMAP,
	ENG_DEV_ERR_CSUM,
	ENG_DEV_ERR_NR,
};

/** A device of daos_nvme.json known to SMD; ed_dev is NULL when it is not usable. */
struct eng_dev {
	uuid_t          ed_uuid;
	char            ed_path[BIO_PATH_MAX];
	struct bio_dev *ed_dev;
	/* bio error counts of ed_dev already reported, per enum eng_dev_err (eng_dev.c). */
	_Atomic uint64_t ed_errs_seen[ENG_DEV_ERR_NR];
	uint64_t        ed_led_until_ms; /* identify (VMD emulation): LED back to OFF then
					  * (CLOCK_MONOTONIC ms; es_lock) */
};

/** A pool as the engine sees it: which targets hold it open, SCM they reserved. */
struct eng_spool {
	uuid_t   sp_uuid;
	uint64_t sp_tgts; /* bit t: target t holds the pool (BIO_TGT_MAX == 64) */
	uint64_t sp_scm;  /* SCM bytes reserved by those targets */
};

/*
 * Limits
 */
/** RAS events waiting for the system thread (eng_dev.c): a burst (a failed
 *  device raises two, a start-up one per incompatible pool or container of
 *  each target) fits; beyond it an event is logged where raised and dropped. */
#define ENG_RAS_QUEUE_MAX 64

/** Events raised off the system thread, waiting for it (eng_dev.c). */
struct eng_ras_queue {
	pthread_mutex_t    rq_lock;
	uint32_t           rq_head;           /* oldest waiting event */
	uint32_t           rq_nr;             /* events waiting */
	uint32_t           rq_dropped;        /* dropped (queue full) since the last pop */
	void             (*rq_notify)(void *arg); /* wakes the system thread; may be NULL */
	void              *rq_arg;
	struct d_ras_event rq_evs[ENG_RAS_QUEUE_MAX];
};

struct eng_storage {
	char             es_scm[ENG_SCM_PATH_MAX];
	uint32_t         es_tgt_nr;
	pthread_mutex_t  es_lock; /* guards everything below; never taken on the I/O path */
	struct bio_smd  *es_smd;
	struct eng_dev   es_devs[ENG_NVME_DEVS_MAX];
	uint32_t         es_dev_nr;
	struct eng_spool es_pools[ENG_POOLS_MAX];
	uint32_t         es_pool_nr;
	uint64_t         es_scm_reserved; /* sum of sp_scm */
	struct eng_ras_queue es_ras;      /* its own lock (eng_dev.c) */
};

/**
 * Reserve what a new (pool, tgt) needs: @scm bytes of SCM against the mount's
 * size minus what other pools reserved (-DER_NOSPACE), and, when @nvme > 0 (a
 * multiple of BIO_BLOB_ALIGN), a blob on the target's device (an existing blob
 * of the same size is reused: a retry after a crash; another size: -DER_EXIST;
 * no device or too small: -DER_NOSPACE). Registers tgt as holding the pool.
 * *bb is the blob ready for I/O when *has_blob. Nothing is left on error.
 */
int eng_st_pool_reserve(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm,
			uint64_t nvme, struct bio_blob *bb, bool *has_blob);

/**
 * The blob SMD records for (pool, tgt), ready for I/O in *bb (*has_blob false
 * when there is none). -DER_NONEXIST when its device is not usable.
 */
int eng_st_blob_lookup(struct eng_storage *st, const uuid_t pool, uint32_t tgt,
		       struct bio_blob *bb, bool *has_blob);

/** Register @tgt as holding @pool (opened at start-up) with @scm bytes of SCM. */
int eng_st_pool_hold(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm);

/**
 * Target @tgt no longer holds @pool (closed, or destroyed when @destroyed);
 * @scm is what it had reserved. When the pool was destroyed and no other target
 * holds it any more, its SMD blobs are freed (bio_smd_blob_free works per pool).
 */
void eng_st_pool_release(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm,
			 bool destroyed);

/* ---- RAS events off the system thread; device failures (eng_dev.c) ---- */

/** Set up and tear down st->es_ras (eng_storage_open/close). 0 or -DER_NOMEM. */
int  eng_ras_init(struct eng_storage *st);
void eng_ras_fini(struct eng_storage *st);

/**
 * Call @fn(@arg) (any thread, no lock held) after each event posted, to wake
 * the thread that pops them. Set it before the targets start.
 */
void eng_ras_set_notify(struct eng_storage *st, void (*fn)(void *arg), void *arg);

/** Queue a copy of @ev for the system thread (any thread); a full queue drops it (logged). */
void eng_ras_post(struct eng_storage *st, const struct d_ras_event *ev);

/**
 * Take the oldest queued event (the system thread, which adds rank and
 * incarnation, logs it and sends it to daos_server).
 * \return 0, or -DER_AGAIN when none waits
 */
int eng_ras_pop(struct eng_storage *st, struct d_ras_event *ev);

/**
 * Build and queue event @id: message printf(@fmt) (NULL: the catalogue's),
 * severity @sev (RAS_SEV_UNKNOWN: the catalogue's), optional pool, container,
 * hardware id and data (NULL: not set). Any thread.
 */
void eng_ras_raise_async(struct eng_storage *st, enum d_ras_event_id id, enum d_ras_sev sev,
			 const uuid_t pool, const uuid_t cont, const char *hwid, const char *data,
			 const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/** "read", "write", "flush", "unmap", "checksum"; NULL out of range. */
const char *eng_dev_err_name(enum eng_dev_err kind);

/**
 * Record device @dev FAULTY in SMD and raise device_set_faulty: severity
 * NOTICE when @manual (dmg storage set nvme-faulty), ERROR when automatic (a
 * failed write or flush); hwid = the device's transport address, data =
 * "manual"|"auto", its targets and @why (may be NULL). Any thread; takes
 * es_lock (the caller must not hold it). Only the SMD state and the event:
 * stopping the device's I/O is the caller's business (an automatic one is
 * already FAILED in bio).
 * \return 0 (recorded, event raised); -DER_ALREADY (already FAULTY: nothing
 *         done, no event); -DER_INVAL (NULL argument, or the device is not
 *         NORMAL: EVICTED, NEW, UNPLUGGED); -DER_NONEXIST (not in SMD); SMD
 *         write errors (-DER_IO, -DER_NOSPACE: nothing changed, no event)
 */
int eng_dev_set_faulty(struct eng_storage *st, const uuid_t dev, bool manual, const char *why);

struct eng_tgt;

/**
 * Target @t saw an I/O error (-DER_NVME_IO or -DER_CSUM) of device @dev (a
 * pool's blob device; NULL is a no-op): raise one device_media_error per kind
 * of error with occurrences not reported yet (operation, target), and when
 * bio failed the device (write/flush), eng_dev_set_faulty(auto). Target thread.
 */
void eng_dev_io_check(struct eng_tgt *t, struct bio_dev *dev);

/*
 * Events of work this engine does not do yet (rebuild, SWIM): their builders
 * live here so that their fields and renderings are fixed and tested now.
 */

/**
 * Build pool_rebuild_started, _finished (@rc 0) or _failed (@rc the error:
 * "Pool rebuild failed: DER_X(-n).") of @pool; data "map_ver=<v> op=<@op>"
 * (the admin guide: map version and operation). -DER_INVAL: another id, NULL,
 * or @rc not matching the id.
 */
int eng_ras_rebuild_event(struct d_ras_event *ev, enum d_ras_event_id id, const uuid_t pool,
			  uint32_t map_ver, const char *op, int rc);

/** Build swim_rank_alive or swim_rank_dead of @rank, incarnation @inc. -DER_INVAL otherwise. */
int eng_ras_swim_event(struct d_ras_event *ev, enum d_ras_event_id id, uint32_t rank,
		       uint64_t inc);

/* ---- Telemetry (eng_telem.c) ---- */

/*
 * Limits
 */
/** Segment bytes for the engine-wide metrics (engine, memory, NVMe devices,
 *  the directories every target shares): a few hundred 384-byte nodes, plus
 *  BIO_SMD_DEV_MAX devices of 7 nodes, with room for deleted ones. */
#define ENG_TM_SEG_BASE        (1U << 20)
/** Segment bytes per target: its ~70 own metrics plus, per pool it serves,
 *  16 metrics and its share of the pool's directories; 2 MiB is ~5,400 nodes,
 *  enough for ENG_POOLS_MAX pools and a grace period of churn. Pages are only
 *  touched as nodes are used. A full segment drops new metrics, nothing else. */
#define ENG_TM_SEG_PER_TGT     (2U << 20)
/** Period of the sampled metrics (RSS, NVMe counters, VOS space, staging
 *  memory): a Prometheus scrape is every few seconds. */
#define ENG_TM_REFRESH_MS      1000
/** Latency size buckets of io/latency/<op>/<size> (DAOS's 16: 256B .. 4MB, GT4MB). */
#define ENG_TM_BUCKETS         16
/** Environment variable that moves the key base away from D_TM_ENGINE_KEY_BASE
 *  (tests running several systems on one machine); daos_metrics reads it too. */
#define ENG_TM_KEY_ENV         "DAOS_TM_KEY_BASE"
/** Longest provider name used as a net/<provider> component (D_TM_NAME_MAX - 1). */
#define ENG_TM_PROV_MAX        (D_TM_NAME_MAX - 1)

/** Object operations with metrics, DAOS's names (io/ops/<name>, pool/<uuid>/ops/<name>). */
enum eng_tm_op {
	ENG_TM_OP_UPDATE = 0,
	ENG_TM_OP_FETCH,
	ENG_TM_OP_DKEY_ENUM,
	ENG_TM_OP_AKEY_ENUM,
	ENG_TM_OP_RECX_ENUM,
	ENG_TM_OP_OBJ_ENUM,
	ENG_TM_OP_OBJ_PUNCH,
	ENG_TM_OP_DKEY_PUNCH,
	ENG_TM_OP_AKEY_PUNCH,
	ENG_TM_OP_KEY_QUERY,
	ENG_TM_OP_NR,
};

struct eng_telem;
struct eng_tgt;
struct eng_pool;

/** A target's own metrics (all NULL when the engine runs without telemetry). */
struct eng_tgt_tm {
	struct eng_telem *tt_tm;                        /* NULL: no telemetry */
	struct d_tm_node *tt_op_active[ENG_TM_OP_NR];   /* io/ops/<op>/active/tgt_N */
	struct d_tm_node *tt_op_lat[ENG_TM_OP_NR];      /* io/ops/<op>/latency/tgt_N */
	struct d_tm_node *tt_lat_update[ENG_TM_BUCKETS];/* io/latency/update/<size>/tgt_N */
	struct d_tm_node *tt_lat_fetch[ENG_TM_BUCKETS]; /* io/latency/fetch/<size>/tgt_N */
	struct d_tm_node *tt_xfer_update;               /* io/xferred/update/tgt_N */
	struct d_tm_node *tt_xfer_fetch;                /* io/xferred/fetch/tgt_N */
	struct d_tm_node *tt_net_recv;                  /* net/<prov>/req_recv/tgt_N */
	struct d_tm_node *tt_net_bad;                   /* net/<prov>/req_bad/tgt_N */
	uint64_t          tt_net_refused;               /* net_server_refused() counted so far */
	struct d_tm_node *tt_net_active;                /* net/<prov>/hg_active_rpcs/tgt_N */
	struct d_tm_node *tt_sched_cycles;              /* sched/cycles/tgt_N */
	struct d_tm_node *tt_sched_cycle_us;            /* sched/cycle_duration/tgt_N */
	struct d_tm_node *tt_sched_cycle_size;          /* sched/cycle_size/tgt_N */
	struct d_tm_node *tt_sched_busy;                /* sched/busy_time/tgt_N */
	struct d_tm_node *tt_sched_relax;               /* sched/relax_time/tgt_N */
	struct d_tm_node *tt_mem_stage;                 /* mem/vos/stage_buffers/tgt_N */
	uint64_t          tt_next_refresh_ns;           /* next sampled-metrics refresh */
	uint64_t          tt_busy_ns;                   /* sums behind busy/relax_time */
	uint64_t          tt_relax_ns;
	/* The request being served, set by its handler for eng_handle_obj(). */
	struct eng_pool  *tt_cur_pool;                  /* its pool, once found */
	uint64_t          tt_cur_bytes;                 /* its data size */
	bool              tt_cur_ok;                    /* its data moved */
};

/** A target's metrics of one pool (pool/<uuid>/.../tgt_N); NULL when absent. */
struct eng_pool_tm {
	struct d_tm_node *pt_ops[ENG_TM_OP_NR];
	struct d_tm_node *pt_xfer_update;
	struct d_tm_node *pt_xfer_fetch;
	struct d_tm_node *pt_scm_used;
	struct d_tm_node *pt_nvme_used;
	struct d_tm_node *pt_scm_total;
	struct d_tm_node *pt_nvme_total;
};

/**
 * The key of engine @idx's segment: D_TM_ENGINE_KEY_BASE (or $DAOS_TM_KEY_BASE,
 * a number in C syntax, when set and valid) + @idx.
 */
key_t eng_telem_key(uint32_t idx);

/**
 * Create the engine's segment at @key, sized for @tgt_nr targets
 * (ENG_TM_SEG_BASE + tgt_nr * ENG_TM_SEG_PER_TGT), replacing a stale one of
 * a previous life, with the engine-wide metrics; records started_at.
 * @provider names the net/<provider> directory (characters outside the
 * metric name alphabet become '_').
 * \return 0, -DER_INVAL, -DER_NOMEM, or d_tm_seg_create()'s error
 *         (-DER_SHMEM_PERMS: a stale segment of another user, -DER_NO_SHMEM).
 */
int eng_telem_create(key_t key, uint32_t tgt_nr, const char *provider, struct eng_telem **out);

/** Remove the segment and free @tm; the targets must be stopped. NULL is a no-op. */
void eng_telem_destroy(struct eng_telem *tm);

/** Record servicing_at: every target serves. */
void eng_telem_servicing(struct eng_telem *tm);

/** Set rank and incarnation after the join. */
void eng_telem_joined(struct eng_telem *tm, uint32_t rank, uint64_t incarnation);

/** Create the metrics of every device of @st (nvme/<uuid>/...); system thread. */
void eng_telem_storage(struct eng_telem *tm, struct eng_storage *st);

/** Sample the engine-wide metrics (RSS, NVMe counters and states); system thread. */
void eng_telem_refresh(struct eng_telem *tm, struct eng_storage *st);

/* Target side: called on the target's thread only. */

/** Create target t's metrics (no-op without telemetry). */
void eng_telem_tgt_init(struct eng_tgt *t);

/** Sample the target's slow metrics (VOS space of its pools, staging memory). */
void eng_telem_tgt_refresh(struct eng_tgt *t);

/**
 * Account one loop turn: waited [w0, w1), worked [w1, end) on @events epoll
 * events (0: the wait timed out, not a cycle) and @dispatched requests.
 */
void eng_telem_turn(struct eng_tgt *t, uint64_t w0_ns, uint64_t w1_ns, uint64_t end_ns,
		    int events, int dispatched);

/** Create the metrics of pool @p on target t (pool/<uuid>/...), set its space. */
void eng_telem_pool_init(struct eng_tgt *t, struct eng_pool *p);

/**
 * Remove target t's metrics of pool @uuid (destroyed on this target), and the
 * whole pool/<uuid> directory when no target has metrics of it any more.
 * @p (may be NULL) has its handles cleared.
 */
void eng_telem_pool_fini(struct eng_tgt *t, const uuid_t uuid, struct eng_pool *p);

/** The operation of an OBJ_* opcode, or -1. */
int eng_telem_op_of(uint16_t opcode);

/** CLOCK_MONOTONIC in nanoseconds (latencies never go backwards). */
uint64_t eng_telem_now_ns(void);

/** An operation @op (>= 0) starts: its active gauge goes up. */
void eng_telem_op_begin(struct eng_tgt *t, int op);

/**
 * Operation @op that began at @t0_ns was answered: active down, latency
 * (and its size bucket for update and fetch, by @bytes), bytes moved when
 * @ok, and the pool's counters when @p is not NULL.
 */
void eng_telem_op_end(struct eng_tgt *t, struct eng_pool *p, int op, uint64_t t0_ns,
		      uint64_t bytes, bool ok);

/** A request was received (dispatched to the target's handler). */
void eng_telem_req(struct eng_tgt *t);

/** A request was refused as malformed (-DER_PROTO reply). */
void eng_telem_req_bad(struct eng_tgt *t);
/** Adds to req_bad the refusals net made since the last call (total: net_server_refused()). */
void eng_telem_net_refused(struct eng_tgt *t, uint64_t total);

/** Sample the requests received and not yet answered. */
void eng_telem_queue(struct eng_tgt *t, uint64_t held);

/* ---- Targets (eng_tgt.c) ---- */

enum eng_msg_type {
	ENG_MSG_START = 1,
	ENG_MSG_STOP,
};

/** A message of a target's inbox. */
struct eng_msg {
	enum eng_msg_type   em_type;
	struct eng_storage *em_st; /* START */
};

/**
 * Bounded single-producer single-consumer queue: no lock, one release store per
 * push or pop. Elements are copied in and out.
 */
struct eng_queue {
	_Atomic uint32_t q_head; /* next to pop (consumer) */
	_Atomic uint32_t q_tail; /* next to push (producer) */
	uint32_t         q_cap;
	size_t           q_size; /* bytes per element */
	uint8_t         *q_buf;
};

int  eng_queue_init(struct eng_queue *q, uint32_t cap, size_t size);
void eng_queue_fini(struct eng_queue *q);
/** 0, or -DER_AGAIN when full. Producer side only. */
int  eng_queue_push(struct eng_queue *q, const void *elem);
/** 0, or -DER_AGAIN when empty. Consumer side only. */
int  eng_queue_pop(struct eng_queue *q, void *elem);

/** Life of a target thread (eng_tgt.t_phase). */
enum eng_tgt_phase {
	ENG_PH_INIT = 0,   /* thread created */
	ENG_PH_BOUND,      /* listening, waiting for START */
	ENG_PH_BIND_FAILED,
	ENG_PH_STARTED,    /* serving (or its start failed: ENG_EV_STARTED says) */
	ENG_PH_STOPPED,    /* everything closed; the thread returns */
};

struct eng_pool;

struct eng_tgt {
	struct eng_tgts     *t_set;
	uint32_t             t_idx;
	pthread_t            t_thread;
	bool                 t_thread_ok;
	_Atomic int          t_phase;
	int                  t_bind_rc;
	char                 t_bind_err[ENG_EVENT_MSG_MAX];
	struct eng_queue     t_inbox;    /* system thread -> target */
	int                  t_inbox_fd; /* eventfd signalled after each push */
	struct eng_queue     t_outbox;   /* target -> system thread */
	/* Owned by the target thread from here on. */
	struct net_server   *t_srv;
	int                  t_epfd;
	struct eng_storage  *t_st;
	struct bio_ring     *t_ring;
	bool                 t_serving;
	bool                 t_stopping;
	struct eng_pool     *t_pools[ENG_POOLS_MAX];
	uint32_t             t_pool_nr;
	uint64_t             t_tick;     /* LRU clock of the container caches */
	struct proto_msg     t_msg;      /* reply encoder, reused */
	uint8_t             *t_scratch;  /* ENG_FETCH_SCRATCH bytes, BIO_ALIGN-aligned */
	uint64_t             t_fetch_bytes; /* reply memory of asynchronous fetches in flight */
	uint32_t             t_fetch_nr;    /* asynchronous fetches in flight */
	daos_key_desc_t     *t_kds;      /* PROTO_LIST_NR_MAX each */
	daos_recx_t         *t_recxs;
	daos_epoch_range_t  *t_eprs;
	daos_obj_id_t       *t_oids;
	struct eng_tgt_tm    t_tm;       /* its metrics (eng_telem.c) */
	/* engine_clock_drift of this target (eng_obj.c): the next one is raised at
	 * t_drift_next_ms (CLOCK_MONOTONIC) at the earliest; refusals meanwhile. */
	uint64_t             t_drift_next_ms;
	uint32_t             t_drift_quiet;
};

/** Post an event to the system thread (logged and dropped when the outbox is full). */
void eng_tgt_post(struct eng_tgt *t, const struct eng_tgt_event *ev);

/** Answer @req with the body encoded in t->t_msg (flattened when it has more
 *  iovecs than net accepts) and @status; resets t->t_msg. */
void eng_reply_msg(struct eng_tgt *t, struct net_req *req, int status);
/**
 * eng_reply_msg() sending the data runs that lie in [ref, ref + ref_len) from
 * that memory (net_reply_ref()); release(arg) runs exactly once, when net is
 * done with it or at once when nothing could be referenced.
 */
void eng_reply_msg_ref(struct eng_tgt *t, struct net_req *req, int status, const void *ref,
		       size_t ref_len, net_release_t release, void *arg);

/** Answer @req with @status and no body. */
void eng_reply(struct net_req *req, int status);

/** Refuse @req with -DER_PROTO and the reason (printf-style) as the body, as
 *  net's own refusals do; the reason is logged with the peer and counted in
 *  t's net/<provider>/req_bad. */
void eng_reply_proto(struct eng_tgt *t, struct net_req *req, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- Pools (eng_pool.c) ---- */

/** An open container handle of the cache. */
struct eng_cont {
	uuid_t           ec_uuid;
	struct vos_cont *ec_cont;
	uint64_t         ec_used; /* t_tick of the last use */
};

/** One VOS pool of a target. */
struct eng_pool {
	uuid_t              p_uuid;
	struct vos_pool    *p_vos;
	char                p_dir[VOS_PATH_MAX];
	bool                p_has_blob;
	struct bio_blob     p_blob;
	uint64_t            p_scm;         /* LMDB map size (scm bytes of the create) */
	uint32_t            p_map_version; /* 0: no map yet */
	struct pl_pool_map *p_map;
	bool                p_tx_open;
	uint32_t            p_batch_nr;
	struct net_req     *p_batch[ENG_BATCH_MAX];
	/* Per held write: its operation, start (eng_telem_now_ns) and data bytes. */
	uint8_t             p_batch_op[ENG_BATCH_MAX];
	uint64_t            p_batch_t0[ENG_BATCH_MAX];
	uint64_t            p_batch_bytes[ENG_BATCH_MAX];
	uint32_t            p_cont_nr;
	struct eng_cont     p_conts[ENG_CONT_CACHE_MAX];
	struct eng_pool_tm  p_tm;          /* this target's metrics of the pool */
};

/** Open every pool found under pools/ for this target (failures are logged,
 *  -DER_DF_INCOMPT raises pool_durable_format_incompat). */
void eng_pools_open_all(struct eng_tgt *t);

/** Commit every open batch, then close every pool (target stopping). */
void eng_pools_close_all(struct eng_tgt *t);

/** The pool @uuid of this target, or NULL. */
struct eng_pool *eng_pool_find(struct eng_tgt *t, const uuid_t uuid);

/**
 * The cached handle of container @uuid. Absent: with @create the container is
 * created (after committing the pool's open batch: VOS creates containers
 * outside batches), else -DER_NONEXIST.
 */
int eng_pool_cont(struct eng_tgt *t, struct eng_pool *p, const uuid_t uuid, bool create,
		  struct vos_cont **cont);

/** Serve a TGT_* request. */
void eng_handle_tgt(struct eng_tgt *t, struct net_req *req);

/* ---- Objects (eng_obj.c) ---- */

/** Serve an OBJ_* request: reads are answered now, writes join the pool's batch. */
void eng_handle_obj(struct eng_tgt *t, struct net_req *req);

/** Commit the pool's open batch and answer its writes with the commit's result. */
void eng_pool_flush(struct eng_tgt *t, struct eng_pool *p);

/** eng_pool_flush() of every pool: the end of a loop turn. */
void eng_pools_flush(struct eng_tgt *t);

/* ---- SSD management requests of the engine link (eng_smd_query.c) ---- */

/*
 * Limits
 */
/** Bytes of device or pool entries in one smd_query reply: a page stays well
 *  below ENGINE_LINK_MSG_MAX (64 KiB) with room for the reply's envelope;
 *  larger tables are read in several pages ("start"/"next"). */
#define ENG_SMD_PAGE_BYTES      (48U << 10)
/** Default seconds an identified device blinks (DAOS's VMD_LED_PERIOD default). */
#define ENG_SMD_LED_PERIOD_S    60
/** Longest VMD_LED_PERIOD accepted: a day; longer is a typo. */
#define ENG_SMD_LED_PERIOD_MAX  86400
/** Environment switch: treat every device as behind an emulated VMD, so that
 *  identify drives the SMD LED state instead of answering -DER_NOSYS. */
#define ENG_SMD_VMD_EMU_ENV     "DAOS_NVME_VMD_EMULATE"

/** What an SSD management request asks (validated by eng_smd_req_parse). */
enum eng_smd_op {
	ENG_SMD_LIST_DEVS = 1, /**< smd_query, what "devices" */
	ENG_SMD_LIST_POOLS,    /**< smd_query, what "pools" */
	ENG_SMD_SET_FAULTY,    /**< dev_set_faulty */
	ENG_SMD_REPLACE,       /**< dev_replace */
	ENG_SMD_IDENTIFY,      /**< dev_identify */
};

struct eng_smd_req {
	enum eng_smd_op sr_op;
	bool            sr_has_uuid; /**< device (pool for LIST_POOLS) filter or operand */
	uuid_t          sr_uuid;
	uuid_t          sr_new_uuid; /**< REPLACE: the replacement */
	bool            sr_has_tgt;  /**< LIST_DEVS: the device of target sr_tgt */
	uint32_t        sr_tgt;
	bool            sr_health;   /**< LIST_DEVS: add each device's counters */
	uint32_t        sr_start;    /**< LIST_*: first entry of the page */
};

/** Whether @op is one of the SSD management ops of the engine link. */
bool eng_smd_op_known(const char *op);

/**
 * Check an SSD management request (a link message: untrusted) into @req:
 * the op's fields only, with their types and ranges.
 * \return 0, or -DER_INVAL with the reason in errbuf
 */
int eng_smd_req_parse(json_t *msg, struct eng_smd_req *req, char *errbuf, size_t errlen);

/**
 * Execute @req on @st (system thread; takes es_lock) and add its fields to
 * @reply: "devices"/"pools" (+ "next" when a page is full) for the lists,
 * "device" for the device operations. A refusal changes nothing.
 * \return 0, -DER_NONEXIST (unknown device, no device for the target),
 *         -DER_INVAL (target out of range, device in the wrong state),
 *         -DER_ALREADY (already FAULTY), -DER_NOSYS (identify without VMD),
 *         -DER_NOTSUPPORTED (replace by another device), -DER_NOMEM, SMD
 *         write errors; the reason in errbuf
 */
int eng_smd_exec(struct eng_storage *st, const struct eng_smd_req *req, json_t *reply,
		 char *errbuf, size_t errlen);

#endif /* ENGINE_ENG_INTERNAL_H */
