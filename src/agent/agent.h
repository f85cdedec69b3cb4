/*
 * agent.h: daos_agent, the client node's daemon (docs/design.md "daos_agent").
 *
 * Local processes (libdaos) talk to it over a unix socket (agent_proto.h,
 * contract C5); it talks to the servers' control API (ctl_http.h, contract
 * C4) on their behalf. Pieces, one file each:
 *
 *   agent_req.c    request validation, the method whitelist, reply objects,
 *                  the check of the attach info servers send (pure functions)
 *   agent_cache.c  the attach-info cache rules, with the clock passed in
 *   agent_ms.c     calls to the MS leader: access points in turn, leader
 *                  hints, bounded retries (worker threads)
 *   agent_sock.c   the listening socket: runtime_dir, lock, stale sockets
 *   agent_srv.c    the epoll loop, connections, worker threads
 *   agent_main.c   the command line
 *
 * Threads: one loop thread owns the socket, every connection and the cache;
 * AGENT_WORKERS worker threads make the blocking HTTPS calls (one
 * ctl_http client each) and hand results back through a locked list and an
 * eventfd. A slow server call therefore never delays another client's
 * cached attach info.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>
#include <jansson.h>

#include "control/config.h"
#include "control/ctl_http.h"
#include "agent/agent_proto.h"

/*
 * Limits
 */
/** Client connections served at once: one per client process and call in flight; far
 *  above the processes of a compute node, and it bounds descriptors and buffers. */
#define AGENT_CONN_MAX             1024
/** Worker threads for server calls: a slow call (a container create on a busy system)
 *  occupies one; four let others proceed without many idle threads. */
#define AGENT_WORKERS              4
/** Jobs waiting for a worker; a request beyond it gets -DER_AGAIN (try again) rather
 *  than an unbounded wait. */
#define AGENT_QUEUE_MAX            256
/** Request bytes held by queued call jobs: a parsed JSON body takes several times its
 *  text, so this bounds the queue's memory to some hundred MiB even for hostile bodies. */
#define AGENT_QUEUE_BYTES_MAX      (16u << 20)
/** Bytes of requests being received, over all connections; a header asking for more
 *  gets -DER_AGAIN: bounds what slow clients make the agent hold. */
#define AGENT_RX_BYTES_MAX         (64u << 20)
/** A partly received request or a partly sent reply that makes no progress for this
 *  long closes its connection: a stuck or hostile client must not hold buffers. */
#define AGENT_IO_STALL_MS          10000
/** Period of the loop's timer (stall checks, map version checks). */
#define AGENT_TICK_MS              250
/** Default period of the map version check: a restart or an extension of the system is
 *  seen by the agent within a few seconds, for one small call per period. */
#define AGENT_MAP_CHECK_MS         3000
/** Bounds of the check period accepted by agent_create() (tests use short ones). */
#define AGENT_MAP_CHECK_MIN_MS     100
#define AGENT_MAP_CHECK_MAX_MS     3600000
/** Connect timeout of a server call (TCP + TLS handshake): a live server on the
 *  control network answers in milliseconds. */
#define AGENT_MS_CONNECT_TIMEOUT_MS 2000
/** Whole-call timeout of one server call: above the servers' own handler timeout for
 *  the data path's methods would only hide a stuck server. */
#define AGENT_MS_CALL_TIMEOUT_MS   60000
/** Default time spent looking for the MS leader (access points in turn, leader hints,
 *  rounds) before a client is told no server answered: long enough for an election,
 *  short enough that a client never seems to hang. */
#define AGENT_MS_DEADLINE_MS       5000
/** Largest deadline accepted by agent_create(). */
#define AGENT_MS_DEADLINE_MAX_MS   600000
/** Pause between rounds over the access points. */
#define AGENT_MS_RETRY_MS          250
/** Leader hints followed from one access point in a round: a hint can be stale during
 *  an election; more hops only chase it around. */
#define AGENT_MS_HOPS_MAX          3
/** Time shutdown waits for workers busy in a server call before exiting without them. */
#define AGENT_STOP_WAIT_MS         3000
/** Longest error message the agent builds (replies and logs). */
#define AGENT_MSG_MAX              512
/** Longest "host:port" of an access point or a leader hint (a DNS name is at most 253
 *  bytes), as the control API client accepts. */
#define AGENT_ADDR_MAX             CTL_HTTP_HOSTPORT_MAX
/** Attach info from a server: most ranks accepted (DAOS's largest systems have some
 *  thousands; the 4 MiB reply limit is reached around fifty thousand). */
#define AGENT_ATTACH_RANKS_MAX     65536
/** Longest fabric URI of a rank, as the MS records it. */
#define AGENT_URI_MAX              255
/** Longest member state name ("AdminExcluded"), with room. */
#define AGENT_STATE_MAX            32
/** Longest provider string ("ofi+tcp;ofi_rxm" and longer multi-provider strings). */
#define AGENT_PROVIDER_MAX         CFG_STR_MAX

/** The environment variable that disables the cache (DAOS). */
#define AGENT_ENV_DISABLE_CACHE    "DAOS_AGENT_DISABLE_CACHE"

/* ---- Requests (agent_req.c) ---- */

enum agent_op {
	AGENT_OP_ATTACH = 1, /**< get_attach_info */
	AGENT_OP_CALL,       /**< call: forward a control API method */
};

/** A validated request; pointers borrow from the request object. */
struct agent_req {
	enum agent_op ar_op;
	bool          ar_refresh; /**< get_attach_info: bypass the cache */
	const char   *ar_method;  /**< call: the method, whitelisted */
	json_t       *ar_body;    /**< call: the body object (borrowed; {} when absent) */
	bool          ar_idempotent; /**< call: safe to retry after a timeout */
};

/**
 * Check a request (untrusted) against C5.
 * \param sys_name the agent's system: a "sys" naming another is refused
 * \return 0, or (message in errbuf):
 *   -DER_INVAL  "request has no \"op\"", "\"op\" must be a string, got <type>",
 *               "unknown key '<k>' in a <op> request", "\"<k>\" must be <what>, got <type>",
 *               "system '<s>' is not served by this agent (it serves '<name>')",
 *               "call request has no \"method\""
 *   -DER_NOSYS  "unknown op '<op>' (expected get_attach_info or call)"
 *   -DER_NO_PERM "method '<m>' is admin-only: use dmg",
 *               "method '<m>' cannot be called through the agent"
 */
int agent_req_parse(json_t *obj, const char *sys_name, struct agent_req *req, char *errbuf,
		    size_t errlen);

/** Who may call a control API method through the agent. */
enum agent_method_class {
	AGENT_METHOD_UNKNOWN = 0, /**< not a C4 method: refused */
	AGENT_METHOD_AGENT,       /**< forwarded */
	AGENT_METHOD_ADMIN,       /**< admin only: refused */
};

/** Class of \a method (any string, NULL included). */
enum agent_method_class agent_method_class(const char *method);

/** Whether a forwarded \a method only reads (so a timed-out attempt may be retried). */
bool agent_method_idempotent(const char *method);

/** {"status": rc, "error": <formatted>}; NULL when out of memory. */
json_t *agent_reply_error(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Whether a refusal of code \a rc ends the connection (bad input: the stream can no
 *  longer be trusted) rather than leaving it open for the next request. */
bool agent_rc_closes(int rc);

/**
 * Check the attach info a server sent (C4 get_attach_info reply): sys_name (equal to
 * \a sys_name), provider, access_points, map_version, ranks [{rank, uri, targets,
 * state}], each within the limits above. Other keys are kept and passed on.
 * \param map_version out
 * \return 0, -DER_PROTO "<field>: <problem>" (a bad reply), -DER_INVAL (another system)
 */
int agent_attach_check(const json_t *info, const char *sys_name, uint64_t *map_version,
		       char *errbuf, size_t errlen);

/* ---- The attach-info cache (agent_cache.c) ---- */

/**
 * The cache, owned by the loop thread. Times are caller-given milliseconds of a
 * monotonic clock, so tests drive it with any clock.
 * Invariants:
 *   1. ac_info != NULL only when ac_enabled.
 *   2. ac_fetched_ms is when the fetch that produced ac_info started, so expiry
 *      never extends the life of data by the fetch's duration.
 */
struct agent_cache {
	bool     ac_enabled;     /**< !disable_caching and !DAOS_AGENT_DISABLE_CACHE */
	uint64_t ac_expire_ms;   /**< cache_expiration; 0 = never */
	uint64_t ac_check_ms;    /**< period of the map version check */
	json_t  *ac_info;        /**< checked attach info; NULL = none */
	uint64_t ac_map_version;
	uint64_t ac_fetched_ms;
	uint64_t ac_checked_ms;  /**< when the last fetch (or check) started */
};

enum agent_cache_res {
	AGENT_CACHE_HIT = 0, /**< answer from ac_info */
	AGENT_CACHE_MISS,    /**< fetch; a fetch already in flight will do */
	AGENT_CACHE_FRESH,   /**< fetch, and only a fetch started from now on will do */
};

void agent_cache_init(struct agent_cache *c, bool enabled, uint64_t expire_ms,
		      uint64_t check_ms);
void agent_cache_fini(struct agent_cache *c);

/** What a get_attach_info request at \a now_ms should do. */
enum agent_cache_res agent_cache_lookup(const struct agent_cache *c, uint64_t now_ms,
					bool refresh);

/** Whether the periodic map version check is due at \a now_ms (cache on and filled). */
bool agent_cache_check_due(const struct agent_cache *c, uint64_t now_ms);

/** A fetch or check starts at \a now_ms. */
void agent_cache_started(struct agent_cache *c, uint64_t now_ms);

/**
 * Keep \a info (reference stolen; dropped when the cache is off) fetched by a fetch
 * that started at \a started_ms.
 * \return true when the map version differs from the cached one (or nothing was cached)
 */
bool agent_cache_store(struct agent_cache *c, json_t *info, uint64_t map_version,
		       uint64_t started_ms);

/** Drop the cached info (SIGUSR2, or a refresh that failed is not this: see agent_srv.c). */
void agent_cache_invalidate(struct agent_cache *c);

/**
 * Parse a DAOS_AGENT_DISABLE_CACHE value as Go's strconv.ParseBool does (DAOS):
 * 1 t T TRUE true True / 0 f F FALSE false False.
 * \return 0, -DER_INVAL "DAOS_AGENT_DISABLE_CACHE: '<v>' is not a boolean"
 */
int agent_env_bool(const char *val, bool *out, char *errbuf, size_t errlen);

/* ---- Calls to the MS (agent_ms.c) ---- */

/**
 * How to reach the MS. Shared by the workers: the access points are read-only,
 * the leader hint is behind am_lock.
 */
struct agent_ms {
	char                       am_aps[CFG_AP_MAX][AGENT_ADDR_MAX];
	uint32_t                   am_aps_nr;
	char                       am_sys[CFG_NAME_MAX + 1];
	struct ctl_http_client_cfg am_http;        /**< file paths borrowed from the config */
	uint32_t                   am_deadline_ms; /**< AGENT_MS_DEADLINE_MS unless set */
	pthread_mutex_t            am_lock;
	char                       am_hint[AGENT_ADDR_MAX]; /**< last server that answered */
	const atomic_int          *am_stopping;    /**< non-zero: give up (shutdown) */
};

/**
 * Set up from the agent config; creates one client to check the TLS files now.
 * \param insecure -i: plain HTTP whatever transport_config says
 * \return 0, -DER_INVAL, -DER_NO_CERT, -DER_BAD_CERT, -DER_NOMEM (message in errbuf)
 */
int agent_ms_init(struct agent_ms *ms, const struct agent_config *cfg, bool insecure,
		  uint32_t deadline_ms, const atomic_int *stopping, char *errbuf,
		  size_t errlen);
void agent_ms_fini(struct agent_ms *ms);

/** A control API client for one worker. */
int agent_ms_client(struct agent_ms *ms, struct ctl_http_client **cl, char *errbuf,
		    size_t errlen);

/**
 * Call \a method on the MS leader: the last server that answered, then every access
 * point, following -DER_NOTLEADER/-DER_NOTREPLICA hints (AGENT_MS_HOPS_MAX), in rounds
 * until am_deadline_ms. Retried: not leader / not replica / try again / shutting down,
 * connection refused; a lost connection or a timeout only when \a idempotent.
 * \param reply out: the server's reply object (0), or its error object (server
 *              refusal), or NULL (no server reply)
 * \return 0, the server's DER code (its message verbatim in errbuf), or the last
 *         transport error with "no MS leader answered <m> within <n> ms (last: <hp>:
 *         <reason>)"; -DER_SHUTDOWN when stopping
 */
int agent_ms_call(struct agent_ms *ms, struct ctl_http_client *cl, const char *method,
		  json_t *body, bool idempotent, json_t **reply, char *errbuf, size_t errlen);

/**
 * Fetch and check the attach info (get_attach_info on the MS leader).
 * \param info out: new reference
 */
int agent_ms_attach_info(struct agent_ms *ms, struct ctl_http_client *cl, json_t **info,
			 uint64_t *map_version, char *errbuf, size_t errlen);

/* ---- The listening socket (agent_sock.c) ---- */

/** <runtime_dir>/daos_agent.sock, and the lock that makes it ours. */
struct agent_sock {
	char   as_path[AGENT_PROTO_PATH_MAX + 1];
	char  *as_lock_path; /**< as_path + ".lock" */
	int    as_lfd;       /**< listening (non-blocking); -1: closed */
	int    as_lockfd;    /**< holds the flock; -1: none */
	dev_t  as_dev;       /**< identity of the socket file we bound */
	ino_t  as_ino;
};

/**
 * Create the runtime directory (0755, parents too) when missing, lock
 * <dir>/daos_agent.sock.lock, refuse a live agent, replace a stale socket, bind
 * <dir>/daos_agent.sock (mode 0666) and listen.
 * \return 0; -DER_INVAL (no \a s or \a dir, path too long, not a directory),
 *         -DER_BUSY ("another daos_agent is serving <path> (it holds <path>.lock)",
 *         "another daos_agent is serving <path>"), -DER_EXIST ("<path> exists and is
 *         not a socket: remove it"), -DER_NO_PERM, -DER_MISC, -DER_NOMEM; \a s closed
 *         on error
 */
int agent_sock_open(struct agent_sock *s, const char *dir, char *errbuf, size_t errlen);

/** Stop listening and remove the socket file if it is still ours; the lock stays. */
void agent_sock_unlisten(struct agent_sock *s);

/** agent_sock_unlisten(), then release the lock. Idempotent. */
void agent_sock_close(struct agent_sock *s);

/* ---- The agent (agent_srv.c) ---- */

struct agent;

/** Run-time options (after the config file and the command line). */
struct agent_opts {
	const char *ao_runtime_dir;    /**< socket directory; NULL: the config's */
	bool        ao_insecure;       /**< -i */
	bool        ao_disable_cache;  /**< DAOS_AGENT_DISABLE_CACHE (or'ed with the config) */
	bool        ao_signals;        /**< take SIGTERM/SIGINT (stop) and SIGUSR2 (refresh)
					 *  through a signalfd; they are blocked in every thread */
	uint32_t    ao_check_ms;       /**< map check period; 0: AGENT_MAP_CHECK_MS */
	uint32_t    ao_ms_deadline_ms; /**< leader search; 0: AGENT_MS_DEADLINE_MS */
};

/**
 * Create the agent: check the TLS files, create the runtime directory (0755) when
 * missing, take <dir>/daos_agent.sock.lock, refuse a live agent on the socket, replace a
 * stale socket file, listen (socket mode 0666), start the workers and ask for the
 * attach info once in the background.
 * \return 0, -DER_INVAL (bad option or path), -DER_BUSY ("another daos_agent is serving
 *         <path>"), -DER_EXIST (the path is not a socket), -DER_NO_PERM, -DER_NO_CERT,
 *         -DER_BAD_CERT, -DER_MISC (system call failure), -DER_NOMEM; message in errbuf.
 *         The config must outlive the agent.
 */
int agent_create(const struct agent_config *cfg, const struct agent_opts *opts,
		 struct agent **out, char *errbuf, size_t errlen);

/** Serve until agent_stop() or a stop signal; then stop everything (socket removed).
 *  \return 0, or -DER_MISC when the loop failed (logged). Call once. */
int agent_run(struct agent *a);

/** Ask agent_run() to return. Any thread; async-signal-safe. */
void agent_stop(struct agent *a);

/** The socket path being served. */
const char *agent_sock_path(const struct agent *a);

/** Free the agent (after agent_run() returned, or instead of it). NULL is a no-op. */
void agent_destroy(struct agent *a);

/**
 * The credential hook: whether the peer of a new connection (SO_PEERCRED) may use the
 * agent. Today every local process may (the servers check identities by certificate);
 * the signing of credentials for the data path's access control comes here.
 * \return 0 to accept, a negative DER code to refuse
 */
int agent_peer_authorize(int pid, unsigned int uid, unsigned int gid);

#endif /* AGENT_AGENT_H */
