/*
 * srv_internal.h: daos_server's internals, shared by server_main.c and the
 * srv_*.c files. Not a library interface: nothing here is installed.
 *
 *   server_main.c   command line (start, storage scan, version), config, logs
 *   srv_loop.c      the control loop: the server context, the queue the HTTPS
 *                   threads post requests to, worker threads (jobs), method
 *                   table and authorisation, start-up and shutdown
 *   srv_handlers.c  methods served by every server for its own engines
 *                   (server_info, storage_*, set_logmasks, engines_stop|start,
 *                   storage_erase), engine-state waits, harness ho_state
 *   srv_ms.c        Management Service glue: access points, the Raft node,
 *                   leader gate and redirects, system_join|event|query|
 *                   leader_query, the harness's ho_join and ho_ras, and the
 *                   MS client used by worker threads
 *   srv_system.c    system_stop|start|erase: fan-out to the servers hosting
 *                   the selected ranks, MS state changes
 *   srv_tgt.c       what the pool and container methods share: MS read
 *                   barriers and JSON commands, label/UUID resolution, the
 *                   pool map of a record, and fan-outs of target operations
 *                   (src/proto over src/net) to the engines' targets (C1, C3)
 *   srv_pool.c      pool_* methods but pool_create, and storage_alloc (C4)
 *   srv_pool_create.c  pool_create: space check, targets, cleanup (C4)
 *   srv_cont.c      cont_* methods and the pool attribute methods (C4)
 *   srv_metrics.c   telemetry exporter: GET /metrics on telemetry_port (engines'
 *                   segments and the server's own figures), telemetry_info
 *   srv_nvme.c      SSD management: smd_query, dev_set_faulty, dev_replace,
 *                   dev_identify, forwarded to this server's engines
 *
 * Threads. One loop thread owns libuv, Raft, the harness, the MS database and
 * everything in struct srv_ctx not marked otherwise. libmicrohttpd threads
 * only push requests on sc_queue (under sc_qlock) and wake the loop. Worker
 * threads (jobs) make the blocking outgoing calls (ctl_http_call to the MS or
 * to other servers); they read only what is marked "any thread" and hand
 * their results back to the loop through sc_jdone.
 *
 * Request path: MHD thread -> srv_http_handler (queue) -> loop: srv_dispatch
 * (method table, identity, MS leader gate) -> handler -> srv_reply*() from
 * the loop, either at once or after a wait, a Raft apply or a job.
 */
#ifndef CONTROL_SRV_INTERNAL_H
#define CONTROL_SRV_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#include <jansson.h>
#include <uv.h>

#include "gurt/hostset.h"
#include "gurt/rankset.h"
#include "gurt/ras.h"
#include "control/config.h"
#include "control/ctl_http.h"
#include "control/harness.h"
#include "control/ms_db.h"
#include "control/ms_raft.h"
#include "proto/proto.h"

#ifndef DAOS_VERSION
#define DAOS_VERSION "0.0.0"
#endif

/*
 * Limits and timeouts
 */
/** Requests waiting for the loop: far above what dmg, agents and peers send at
 *  once; past it the server answers 503 instead of queueing without bound. */
#define SRV_QUEUE_MAX             1024
/** Worker threads at once: one per outgoing call (a fan-out to every server,
 *  joins and RAS forwarding of every engine); bounds threads and sockets. */
#define SRV_JOBS_MAX              128
/** Period of the timer that enforces wait deadlines. */
#define SRV_WAIT_TICK_MS          200
/** How long a join keeps looking for the MS leader (elections, restarts of
 *  access points) before the engine is told the join failed. */
#define SRV_JOIN_TIMEOUT_MS       60000
/** How long a STATE_CHANGE RAS event is retried towards the MS leader. */
#define SRV_EVENT_TIMEOUT_MS      30000
/** One call to the MS (join, event): the leader answers in milliseconds. */
#define SRV_MS_CALL_TIMEOUT_MS    15000
/** Connect timeout of every outgoing call: peers are on the management LAN. */
#define SRV_CONNECT_TIMEOUT_MS    2000
/** Pause between two rounds over the access points when none is the leader
 *  (an election takes one to two election timeouts, 1-2 s). */
#define SRV_MS_RETRY_MS           300
/** Leader redirects followed in one round (CFG_AP_MAX replicas). */
#define SRV_MS_HOPS_MAX           8
/** How long engines_stop waits for graceful stops: the harness's own
 *  escalation (stop, SIGTERM, SIGKILL) plus a margin. */
#define SRV_STOP_WAIT_MS          (SRV_HARNESS_STOP_TERM_MS + SRV_HARNESS_STOP_KILL_MS + 5000)
/** How long a forced stop (SIGKILL) may take to be reaped. */
#define SRV_KILL_WAIT_MS          10000
/** How long engines_start waits for its engines to join the system. */
#define SRV_START_WAIT_MS         45000
/** How long storage_format waits for starting or stopping engines to settle. */
#define SRV_SETTLE_WAIT_MS        15000
/** Client timeout of a fan-out call: longer than any server-side wait above. */
#define SRV_FANOUT_TIMEOUT_MS     (SRV_START_WAIT_MS + 15000)
/** Timeout of the liveness probe of a replica (leader query). */
#define SRV_PROBE_TIMEOUT_MS      2000
/** At shutdown, how long engines get to stop cleanly before SIGKILL. */
#define SRV_SHUTDOWN_ENGINES_MS   3000
/** At shutdown, how long the loop waits for worker threads to finish. */
#define SRV_SHUTDOWN_JOBS_MS      2000
/** Message buffers (one sentence). */
#define SRV_MSG_MAX               256
/** "host:port" of a server (an MS control address). */
#define SRV_ADDR_MAX              MS_CTL_ADDR_MAX
/** Host name kept for messages and the default fault domain. */
#define SRV_HOST_MAX              256
/** Pool creates waiting for the one in progress: creates run one at a time so
 *  that each one's free-space check sees the allocations of the previous
 *  ones; past this many the caller is told to try again. */
#define SRV_POOL_CREATE_QUEUE_MAX 64
/** Target calls in flight in one fan-out (sockets and memory of one job). */
#define SRV_TGT_INFLIGHT_MAX      256
/** Target calls of one fan-out: every target of the largest pool (a map's
 *  PL_TARGETS_MAX), or of every pool in a pool list, with room. */
#define SRV_TGT_CALLS_MAX         (4u << 20)
/** TGT_POOL_CREATE: creating a VOS pool and carving its blob, done by every
 *  target in parallel, takes well under a second; 30 s is a hung engine. */
#define SRV_TGT_CREATE_TIMEOUT_MS 30000
/** Every other target call (destroy, map update, query, container destroy). */
#define SRV_TGT_CALL_TIMEOUT_MS   10000
/** One server's storage_scan asked by the leader during a pool create. */
#define SRV_POOL_SCAN_TIMEOUT_MS  10000
/** storage_usage's question to the MS leader about pool allocations. */
#define SRV_USAGE_MS_TIMEOUT_MS   5000
/** Granularity of per-target pool sizes, what the targets allocate in: SCM
 *  in bio's block (4 KiB), NVMe in its blob unit (1 MiB), so that what the MS
 *  accounts is what the targets take. */
#define SRV_POOL_SCM_ALIGN        (4ull << 10)
#define SRV_POOL_NVME_ALIGN       (1ull << 20)
/** Telemetry connections at once: a few Prometheus servers and dmg runs, with
 *  room; each costs a socket and SRV_METRICS_CONN_MEMORY bytes. */
#define SRV_METRICS_CONN_MAX      32
/** Idle telemetry connection timeout (s): Prometheus scrapes every few seconds
 *  over keep-alive; a silent client is dropped after this. */
#define SRV_METRICS_CONN_TIMEOUT_S 30
/** Memory per telemetry connection for the request line and headers: a GET
 *  needs a few hundred bytes; larger headers are refused by libmicrohttpd. */
#define SRV_METRICS_CONN_MEMORY   (32u << 10)
/** Listen backlog of the telemetry port: scrapers are few. */
#define SRV_METRICS_BACKLOG       32
/** Largest /metrics answer (bytes): four engines of the largest segments
 *  DAOS fills (tens of thousands of series, ~150 bytes each) fit many times;
 *  beyond it the scrape is refused (500) instead of buffering without bound. */
#define SRV_METRICS_OUT_MAX       (256u << 20)
/** Entries of /proc/self/fd counted for process_open_fds: far above the
 *  server's descriptor limit; bounds the directory walk. */
#define SRV_METRICS_FDS_SCAN_MAX  (1u << 20)
/** Largest DAOS_TM_KEY_BASE accepted, as the engine (eng_telem_key): base plus
 *  an engine index (at most 15) stays a positive key_t. */
#define SRV_METRICS_KEY_BASE_MAX  (0x7fffffffUL - 15)

/** Pages of SMD tables one SSD management query reads from the engines (pages
 *  hold up to 48 KiB of entries, ENG_SMD_PAGE_BYTES): 512 pages, 24 MiB, keep
 *  the reply far below the client's CTL_HTTP_REPLY_MAX with every engine's
 *  tables at their SMD limits for ordinary pool counts. */
#define SRV_SMD_PAGES_MAX         512

/** Who may call a method (certificate CN); insecure servers allow every caller. */
#define SRV_AUTH_ADMIN            (1u << 0)
#define SRV_AUTH_SERVER           (1u << 1)
#define SRV_AUTH_AGENT            (1u << 2)
/** Method flags: served only by the MS leader. */
#define SRV_METHOD_MS             (1u << 8)

struct srv_ctx;
struct srv_call;
struct srv_wait;
struct srv_pc_op;
struct ms_pool_rec;
struct srv_metrics;

/** An access point, resolved. */
struct srv_ap {
	uint32_t ap_ip;   /**< IPv4, network order */
	uint16_t ap_port; /**< control port */
	char     ap_ctl[SRV_ADDR_MAX];       /**< "a.b.c.d:port" */
	char     ap_raft[MS_RAFT_ADDR_MAX];  /**< "a.b.c.d:port+1" */
};

/** A blocking function run on a worker thread, and its completion on the loop. */
typedef void (*srv_job_work_fn)(struct srv_ctx *ctx, void *arg);
typedef void (*srv_job_done_fn)(struct srv_ctx *ctx, void *arg);

struct srv_job {
	struct srv_ctx  *jb_ctx;
	pthread_t        jb_thread;
	srv_job_work_fn  jb_work;
	srv_job_done_fn  jb_done;
	void            *jb_arg;
	struct srv_job  *jb_next;
};

/** A request from the HTTPS threads, waiting for the loop. */
struct srv_qreq {
	struct ctl_http_req *qr_req;
	struct srv_qreq     *qr_next;
};

/** Engine waits (srv_handlers.c). */
enum srv_wait_kind {
	SRV_WAIT_STOPPED,  /**< no process: STOPPED or ERRORED */
	SRV_WAIT_JOINED,   /**< JOINED or READY; fails when the new life ends */
	SRV_WAIT_SETTLED,  /**< neither STARTING nor STOPPING */
};

typedef void (*srv_wait_cb)(struct srv_ctx *ctx, struct srv_wait *w, void *arg);

struct srv_wait {
	struct srv_wait   *sw_next;
	enum srv_wait_kind sw_kind;
	uint32_t           sw_mask;   /**< engines watched (bit per index) */
	uint32_t           sw_done;   /**< engines decided */
	uint64_t           sw_deadline; /**< uv_now() milliseconds */
	uint32_t           sw_timeout_ms;
	uint32_t           sw_starts[SRV_ENGINES_MAX]; /**< spawns at the start */
	int                sw_rc[SRV_ENGINES_MAX];
	char               sw_msg[SRV_ENGINES_MAX][SRV_MSG_MAX];
	srv_wait_cb        sw_cb;
	void              *sw_arg;
};

/**
 * The server. Invariants:
 *  1. Fields are loop-thread only unless marked "any thread".
 *  2. sc_stopping only goes false -> true; once true no new job, wait or
 *     request is started and the shutdown phases run in order: engines
 *     stopped -> harness closed -> MS stopped -> HTTPS stopped -> queue
 *     drained, waits cancelled -> jobs finished (bounded) -> handles closed.
 *  3. sc_jobs counts started jobs whose done callback has not run; the
 *     context is freed only when it is 0 (else the process exits with it).
 */
struct srv_ctx {
	uv_loop_t                sc_loop;
	const struct srv_config *sc_cfg;
	bool                     sc_insecure;
	char                     sc_host[SRV_HOST_MAX];        /**< gethostname() */
	char                     sc_ctl_addr[SRV_ADDR_MAX];    /**< ours, for joins; any thread */
	char                     sc_fault_domain[MS_FAULT_DOMAIN_MAX];
	/* access points, sorted by (address, port); raft node id = index + 1 */
	struct srv_ap            sc_aps[CFG_AP_MAX];           /**< any thread (read-only) */
	uint32_t                 sc_aps_nr;
	int                      sc_self_ap;                   /**< index, or -1 */
	char                     sc_raft_dir[CFG_PATH_MAX + 1];
	struct ms_db            *sc_db;
	struct ms_raft          *sc_raft;
	/* MS leader hint for worker threads (last AP that answered an MS call) */
	pthread_mutex_t          sc_hint_lock;
	char                     sc_hint[SRV_ADDR_MAX];        /**< any thread, under lock */
	/* HTTPS server and its queue */
	struct ctl_http_server  *sc_http;
	pthread_mutex_t          sc_qlock;
	struct srv_qreq         *sc_qhead;                     /**< under sc_qlock */
	struct srv_qreq         *sc_qtail;
	uint32_t                 sc_qnr;
	bool                     sc_qclosed;                   /**< under sc_qlock */
	uv_async_t               sc_qasync;
	/* jobs */
	pthread_mutex_t          sc_jlock;
	struct srv_job          *sc_jdone;                     /**< under sc_jlock */
	uv_async_t               sc_jasync;
	uint32_t                 sc_jobs;
	/* engines */
	struct srv_harness      *sc_harness;
	uint32_t                 sc_eng_rank[SRV_ENGINES_MAX]; /**< last known rank */
	struct srv_wait         *sc_waits;
	bool                     sc_waits_checking;
	bool                     sc_waits_again;
	uv_timer_t               sc_wait_tick;
	uv_timer_t               sc_wait_kick;
	/* signals and shutdown */
	uv_signal_t              sc_sigterm;
	uv_signal_t              sc_sigint;
	uv_timer_t               sc_phase_timer;
	int                      sc_phase;
	uint64_t                 sc_phase_deadline;
	_Atomic bool             sc_stopping;                  /**< any thread */
	int                      sc_exit_rc;
	/* pool creates: one runs, the others wait in order (srv_pool_create.c) */
	bool                     sc_pc_running;
	struct srv_pc_op        *sc_pc_head;
	struct srv_pc_op        *sc_pc_tail;
	uint32_t                 sc_pc_nr;
	/* telemetry exporter (srv_metrics.c); NULL when telemetry_port is 0 */
	struct srv_metrics      *sc_metrics;
};

/*
 * srv_loop.c
 */
/** Run the server with a loaded config until SIGTERM/SIGINT. Returns the exit
 *  code (0 after a clean shutdown, 1 when start-up failed: message printed).
 *  *cfg_in_use: a worker thread was still blocked at the end and may read
 *  @cfg until the process exits, so the caller must not free it. */
int srv_run(const struct srv_config *cfg, bool insecure, bool *cfg_in_use);
/** Start a shutdown (loop thread); rc is the process exit code. */
void srv_shutdown(struct srv_ctx *ctx, int rc);
/** Run work(arg) on a new worker thread, then done(arg) on the loop. Returns
 *  0, -DER_SHUTDOWN (stopping), -DER_AGAIN (SRV_JOBS_MAX reached) or
 *  -DER_NOMEM; on error neither function is called. */
int srv_job_start(struct srv_ctx *ctx, srv_job_work_fn work, srv_job_done_fn done, void *arg);
/** A control API client for a worker thread (TLS files of the config, or
 *  insecure). NULL on failure, reason in errbuf. */
struct ctl_http_client *srv_client_new(struct srv_ctx *ctx, uint32_t timeout_ms, char *errbuf,
				       size_t errlen);

/** The request being served. */
const char *srv_call_method(const struct srv_call *call);
json_t *srv_call_body(const struct srv_call *call);
/** Answer with @reply (stolen; NULL is {}); frees @call. */
void srv_reply(struct srv_call *call, json_t *reply);
/** Answer {"status": rc, "error": ...}; frees @call. */
void srv_reply_error(struct srv_call *call, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** As srv_reply_error() with the fields of @extra (stolen, may be NULL) added. */
void srv_reply_error_extra(struct srv_call *call, int rc, json_t *extra, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/** HTTP status of an error code. */
int srv_http_status(int rc);

/*
 * Request body fields. Absent and null count as absent. On a wrong type or
 * value the reason goes to errbuf ("<key>: ...") and -DER_INVAL is returned.
 */
int srv_body_bool(json_t *body, const char *key, bool *out, char *errbuf, size_t errlen);
/** @out initialised by the caller; *set tells whether the key was given. */
int srv_body_ranks(json_t *body, const char *key, struct d_rankset *out, bool *set,
		   char *errbuf, size_t errlen);
int srv_body_hosts(json_t *body, const char *key, struct d_hostset *out, bool *set,
		   char *errbuf, size_t errlen);
/** A string of 1..max bytes without NUL; *out borrowed from @body. */
int srv_body_str(json_t *body, const char *key, bool required, size_t max, const char **out,
		 char *errbuf, size_t errlen);
/** An integer in [min, max]; *set false when absent. */
int srv_body_int(json_t *body, const char *key, int64_t min, int64_t max, int64_t *out,
		 bool *set, char *errbuf, size_t errlen);
/** Canonical text of a rank set in a malloc()ed string; NULL on no memory. */
char *srv_rankset_str(const struct d_rankset *set);

/*
 * srv_handlers.c
 */
void srv_h_server_info(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_storage_scan(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_storage_format(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_storage_usage(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_storage_erase(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_set_logmasks(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_engines_stop(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_engines_start(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
/** Harness ho_state: re-evaluate waits, remember ranks. */
void srv_ho_state(void *arg, uint32_t idx, enum srv_engine_state old,
		  enum srv_engine_state state);
/** Wait for engines of @mask to reach @kind, at most timeout_ms; @cb runs once
 *  from the loop (never inside this call). 0, -DER_SHUTDOWN or -DER_NOMEM. */
int srv_wait_start(struct srv_ctx *ctx, enum srv_wait_kind kind, uint32_t mask,
		   uint32_t timeout_ms, srv_wait_cb cb, void *arg);
/** Evaluate the waits (after a state change or a tick). */
void srv_waits_check(struct srv_ctx *ctx);
/** Shutdown: every wait ends now, undecided engines with -DER_SHUTDOWN. */
void srv_waits_cancel(struct srv_ctx *ctx);
/** The rank engine @idx last had (harness, superblock or join); D_RANK_NIL. */
uint32_t srv_engine_rank(struct srv_ctx *ctx, uint32_t idx);
/** Read every engine's superblock rank (start-up). */
void srv_engine_ranks_load(struct srv_ctx *ctx);

/*
 * srv_ms.c
 */
/** Resolve the access points, find out whether this server is one, choose
 *  the control address and fault domain. 0 or -DER_* with errbuf. */
int srv_ms_setup(struct srv_ctx *ctx, char *errbuf, size_t errlen);
/** The address the control API binds: the control address when it is a
 *  loopback one (a system confined to this machine stays off the network),
 *  else 0.0.0.0 as DAOS servers do. */
void srv_bind_addr(const struct srv_ctx *ctx, char *ip, size_t len);
/** Start the Raft node when this server is an access point. */
int srv_ms_start(struct srv_ctx *ctx, char *errbuf, size_t errlen);
/** Loop thread: 0 when this node is the MS leader; otherwise the call was
 *  answered -DER_NOTLEADER / -DER_NOTREPLICA with a leader hint. */
int srv_ms_gate(struct srv_ctx *ctx, struct srv_call *call);
/** Worker thread: call an MS method on the leader, following hints and
 *  retrying over the access points for at most total_ms. */
int srv_ms_call(struct srv_ctx *ctx, struct ctl_http_client *cl, const char *method,
		json_t *body, uint32_t total_ms, json_t **reply, char *errbuf, size_t errlen);
/** Propose an MS command built by ms_cmd_encode (loop thread); cb as ms_raft. */
int srv_ms_submit(struct srv_ctx *ctx, const struct ms_cmd *cmd, ms_raft_apply_cb cb, void *arg,
		  char *errbuf, size_t errlen);
/** Member record as the API shows it. NULL on no memory. */
json_t *srv_member_json(const struct ms_member *m);
/** Whether member @m is selected by ranks/hosts (NULL = no filter). */
bool srv_member_selected(const struct ms_member *m, const struct d_rankset *ranks,
			 const struct d_hostset *hosts);

void srv_h_system_join(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_system_event(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_system_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_get_attach_info(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_system_leader_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
/** Harness callbacks. */
void srv_ho_join(void *arg, uint32_t idx, const struct srv_join_req *req);
void srv_ho_ras(void *arg, uint32_t idx, const struct d_ras_event *ev);
/** Write a RAS event to the control log and syslog (control-plane form). */
void srv_ras_log(const struct d_ras_event *ev);

/*
 * srv_system.c
 */
void srv_h_system_stop(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_system_start(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_system_erase(struct srv_ctx *ctx, struct srv_call *call, json_t *body);

/*
 * srv_tgt.c
 */
/** Step of a method run after a read barrier (loop thread); owns @call. */
typedef void (*srv_step_fn)(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
/** Answer @call from the MS state once every command committed before the
 *  call was applied (a no-op through the log, as system_query does): @fn runs
 *  on the loop with the call's body; on a failed barrier the call is answered. */
void srv_after_barrier(struct srv_ctx *ctx, struct srv_call *call, srv_step_fn fn);

/** Propose a pool/container command (JSON built by the caller, stolen):
 *  checked with ms_cmd_validate() first. 0 (cb runs on the loop), or an error
 *  with the reason in errbuf (cb never runs). */
int srv_ms_submit_json(struct srv_ctx *ctx, json_t *cmd, ms_raft_apply_cb cb, void *arg,
		       char *errbuf, size_t errlen);
/** Answer a refused MS command: its result message, or a leadership change. */
void srv_reply_ms_error(struct srv_call *call, int rc, const struct ms_db_result *res);
/** A command {"v":1,"op":op} to complete (NULL on no memory). */
json_t *srv_ms_cmd_new(const char *op);

/** The pool named by body[key] (label or UUID): 0, -DER_INVAL (missing, not a
 *  label nor a UUID), -DER_NONEXIST; the reason in errbuf. */
int srv_body_pool(struct srv_ctx *ctx, json_t *body, const char *key, uuid_t out,
		  char *errbuf, size_t errlen);
/** The container named by body[key] in @pool, as srv_body_pool(). */
int srv_body_cont(struct srv_ctx *ctx, const uuid_t pool, json_t *body, const char *key,
		  uuid_t out, char *errbuf, size_t errlen);
/** Optional UUID string body[key] into @out; *set tells whether given. */
int srv_body_uuid(json_t *body, const char *key, uuid_t out, bool *set, char *errbuf,
		  size_t errlen);
/** User or group @s as a principal "name@" into @out (MS_PRINCIPAL_MAX): '@'
 *  appended when missing; printable, no blanks. 0 or -DER_INVAL (errbuf). */
int srv_principal(const char *s, const char *key, char *out, char *errbuf, size_t errlen);
/** This process's user and group as principals (default owner of a pool or
 *  container created without one). */
void srv_self_principals(char *user, char *group);
/** JSON array of @nr ranks (NULL on no memory). */
json_t *srv_ranks_json(const uint32_t *ranks, uint32_t nr);
/** Size in base-10 units as dmg prints it ("1.1 GB"). */
void srv_size_str(uint64_t bytes, char *buf, size_t len);

/** Address of a member's target @tgt: "<provider>://IPv4:PORT" -> IP and
 *  PORT + 1 + tgt (C1). 0 or -DER_INVAL (reason in errbuf). */
int srv_tgt_addr(const char *uri, uint32_t tgt, char *ip, size_t iplen, uint16_t *port,
		 char *errbuf, size_t errlen);

/** Encode the pool map of record @rec (ranks with their members' fault
 *  domains, target states and map version of the record) into a buffer from
 *  malloc(). 0, -DER_NONEXIST (a rank is no member), -DER_INVAL, -DER_NOMEM. */
int srv_pool_map_encode(struct srv_ctx *ctx, const struct ms_pool_rec *rec, void **buf,
			size_t *len, char *errbuf, size_t errlen);

/** One target of a fan-out and its outcome. */
struct srv_tgt_call {
	uuid_t                     tc_pool;
	uint32_t                   tc_rank;
	uint32_t                   tc_tgt;
	uint32_t                   tc_tag;   /**< the caller's (e.g. a pool's index) */
	char                       tc_ip[INET_ADDRSTRLEN];
	uint16_t                   tc_port;
	int                        tc_rc;    /**< 0 or -DER_* once the fan-out ended */
	struct proto_tgt_query_rep tc_query; /**< TGT_QUERY's reply when tc_rc is 0 */
	char                       tc_err[SRV_MSG_MAX];
	struct srv_tgt_fan        *tc_fan;
};

struct srv_tgt_fan;
typedef void (*srv_tgt_done_fn)(struct srv_ctx *ctx, struct srv_tgt_fan *fan, void *arg);

/**
 * The same target operation sent to many targets from one worker job, at most
 * SRV_TGT_INFLIGHT_MAX at a time, each with the fan-out's timeout. Fill the
 * request fields, add targets, start; the done callback runs on the loop with
 * every tc_rc set and tf_failed / tf_rc / tf_err summarising the failures.
 */
struct srv_tgt_fan {
	uint16_t             tf_opcode;      /**< PROTO_OP_TGT_* */
	uint32_t             tf_map_version; /**< header map version (0: none) */
	uint64_t             tf_scm;         /**< TGT_POOL_CREATE: bytes per target */
	uint64_t             tf_nvme;
	uuid_t               tf_cont;        /**< TGT_CONT_DESTROY */
	void                *tf_map;         /**< TGT_MAP_UPDATE: owned, freed by fini */
	size_t               tf_map_len;
	uint32_t             tf_timeout_ms;
	struct srv_tgt_call *tf_calls;
	uint32_t             tf_nr;
	uint32_t             tf_cap;
	uint32_t             tf_failed;
	int                  tf_rc;          /**< first failure */
	char                 tf_err[SRV_MSG_MAX + 64];
	/* private */
	srv_tgt_done_fn      tf_done;
	void                *tf_arg;
	uint32_t             tf_inflight;
};

void srv_tgt_fan_init(struct srv_tgt_fan *f, uint16_t opcode, uint32_t timeout_ms);
void srv_tgt_fan_fini(struct srv_tgt_fan *f);
/** Add target @tgt of member @m for pool @pool. 0, -DER_INVAL (bad URI),
 *  -DER_OVERFLOW (SRV_TGT_CALLS_MAX), -DER_NOMEM; reason in errbuf. */
int srv_tgt_fan_add(struct srv_tgt_fan *f, const uuid_t pool, const struct ms_member *m,
		    uint32_t tgt, uint32_t tag, char *errbuf, size_t errlen);
/**
 * Add the targets of pool record @rec on its ranks whose member is Joined;
 * with @available, only targets in an available state (UP_IN, UP, DRAIN).
 * *skipped (may be NULL) counts the ranks left out because not Joined.
 */
int srv_tgt_fan_add_pool(struct srv_ctx *ctx, struct srv_tgt_fan *f,
			 const struct ms_pool_rec *rec, bool available, uint32_t tag,
			 uint32_t *skipped, char *errbuf, size_t errlen);
/** Run the fan-out on a worker job; @done runs on the loop (also for an empty
 *  fan-out). 0, or -DER_SHUTDOWN / -DER_AGAIN / -DER_NOMEM (done never runs). */
int srv_tgt_fan_start(struct srv_ctx *ctx, struct srv_tgt_fan *f, srv_tgt_done_fn done,
		      void *arg);

/*
 * srv_pool_create.c, srv_pool.c (docs/design.md, C4)
 */
void srv_h_pool_create(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
/** Shutdown: answer the pool creates still queued (-DER_SHUTDOWN). */
void srv_pool_shutdown(struct srv_ctx *ctx);
void srv_h_pool_destroy(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_list(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_query_targets(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_get_prop(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_set_prop(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_connect(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_exclude(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_reintegrate(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_storage_alloc(struct srv_ctx *ctx, struct srv_call *call, json_t *body);

/*
 * srv_cont.c (docs/design.md, C4)
 */
void srv_h_cont_create(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_open(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_destroy(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_list(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_set_prop(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_set_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_get_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_del_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_snap_create(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_snap_list(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_snap_destroy(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_cont_alloc_oids(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_set_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_get_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_pool_del_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body);

/*
 * srv_nvme.c: SSD management (docs/design.md): each server asks its engines
 */
void srv_h_smd_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_dev_set_faulty(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_dev_replace(struct srv_ctx *ctx, struct srv_call *call, json_t *body);
void srv_h_dev_identify(struct srv_ctx *ctx, struct srv_call *call, json_t *body);

/*
 * srv_metrics.c: the telemetry exporter (GET /metrics on telemetry_port)
 */
/** Start serving /metrics when telemetry_port is set (else nothing). 0, or the
 *  listen/start error with errbuf ("telemetry_port N: cannot listen on ..."). */
int srv_metrics_start(struct srv_ctx *ctx, char *errbuf, size_t errlen);
/** Loop thread: publish the engines' pids and ranks and the MS figures to the
 *  exporter (cheap; called every wait tick). No-op when disabled. */
void srv_metrics_update(struct srv_ctx *ctx);
/** Stop serving (waits for a scrape in progress) and free. NULL-safe. */
void srv_metrics_stop(struct srv_ctx *ctx);
/** The SysV key of engine @idx's telemetry segment: D_TM_ENGINE_KEY_BASE, or a
 *  valid DAOS_TM_KEY_BASE from the engine's environment (env_vars, or
 *  env_pass_through with the server's value), plus @idx. */
key_t srv_metrics_engine_key(const struct srv_engine_cfg *ec, uint32_t idx);
/** telemetry_info: {} -> {telemetry_port} (0 when disabled). */
void srv_h_telemetry_info(struct srv_ctx *ctx, struct srv_call *call, json_t *body);

#endif /* CONTROL_SRV_INTERNAL_H */
