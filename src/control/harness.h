/*
 * harness.h: the engine harness of daos_server: one daos_engine child per
 * engines: entry, started with uv_spawn and watched on the control loop.
 *
 * The harness owns the engine link (engine_link.h) at
 * <socket_dir>/daos_server.sock and accepts only connections whose peer is one
 * of its children. It passes each engine:
 *   daos_engine -t <targets> -x <nr_xs_helpers> [-f <first_core> | -p <numa>]
 *               -g <system name> -d <socket_dir> -I <idx> -s <scm_mount> [-b]
 * and the environment: a few variables of the server's own (PATH, HOME, USER,
 * LOGNAME, LANG, LC_ALL, TZ, TMPDIR, LD_LIBRARY_PATH and the sanitizer
 * options), those named in env_pass_through, then env_vars, then
 * D_LOG_FILE (log_file), D_LOG_MASK (log_mask), DAOS_ENGINE_SOCK, D_PROVIDER,
 * D_INTERFACE, D_PORT (fabric_iface_port) and CRT_TIMEOUT (later entries
 * override earlier ones of the same name). The engine's stdout and stderr are
 * read through pipes and logged line by line (and given to ho_output).
 *
 * Engine states (srv_engine_state):
 *
 *   STOPPED/ERRORED --start--> STARTING --register, no valid superblock--> AWAIT_FORMAT
 *   STARTING --register, formatted--> JOINING (ho_join called)
 *   AWAIT_FORMAT --srv_harness_format (sends format_done)--> JOINING (ho_join called)
 *   JOINING --srv_harness_join_reply(0) (rank -> superblock, join_reply sent)--> JOINED
 *   JOINED --engine says ready--> READY
 *   any running state --srv_harness_stop--> STOPPING --exit--> STOPPED
 *   any running state --unexpected exit--> ERRORED + RAS engine_died
 *   JOINING --srv_harness_join_reply(error)--> STOPPING (engine exits; RAS
 *           engine_join_failed from the harness) --exit--> ERRORED
 *
 * Invariants:
 *  1. An engine has a process exactly in the states STARTING..STOPPING; it is
 *     started again only after every libuv handle of its previous life was
 *     closed (a restart asked for earlier waits for that).
 *  2. engine_died is raised only for an exit nobody asked for (not after
 *     srv_harness_stop, not after a refused join), at most once per life,
 *     with the rank and incarnation of that life when it had joined.
 *  3. Every escalation is bounded: a stop sends "stop", then SIGTERM after
 *     stop_term_ms, then SIGKILL after stop_kill_ms; an engine that does not
 *     register within register_ms, or whose link is gone for link_lost_ms
 *     while it still runs, is killed (and then counts as died).
 *  4. Callbacks run on the loop thread; none is called from inside the
 *     srv_harness_* call that caused it, except ho_state, which reports every
 *     transition when it happens, and the -DER_SHUTDOWN answers of pending
 *     set_logmasks requests during srv_harness_close().
 *
 * All functions run on the loop thread. The config passed to create must
 * outlive the harness.
 */
#ifndef CONTROL_HARNESS_H
#define CONTROL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uuid/uuid.h>

#include "gurt/ras.h"
#include "control/config.h"
#include "control/engine_link.h"
#include "control/storage.h"

/*
 * Limits
 */
/** Default time an engine has to register after it was spawned: start-up
 *  (log, pinning, connect retries) takes well under a second. */
#define SRV_HARNESS_REGISTER_MS      30000
/** Default time between the stop message and SIGTERM. */
#define SRV_HARNESS_STOP_TERM_MS     10000
/** Default time between SIGTERM and SIGKILL. */
#define SRV_HARNESS_STOP_KILL_MS     5000
/** Default time a running engine may live without its link before SIGKILL. */
#define SRV_HARNESS_LINK_LOST_MS     5000
/** Longest line of engine output kept and logged (longer lines are cut). */
#define SRV_HARNESS_LINE_MAX         1024
/** Most arguments of a daos_engine command line. */
#define SRV_HARNESS_ARGS_MAX         32
/** Most environment entries passed to an engine: config lists plus our own. */
#define SRV_HARNESS_ENV_MAX          (2 * CFG_ENV_MAX + 32)
/** Longest path of the daos_engine binary. */
#define SRV_HARNESS_PATH_MAX         4096
/** Environment variable naming the daos_engine binary. */
#define SRV_HARNESS_BIN_ENV          "DAOS_ENGINE_BIN"
/** "All engines" for start/stop. */
#define SRV_HARNESS_ALL              UINT32_MAX

enum srv_engine_state {
	SRV_ENGINE_STOPPED = 0,
	SRV_ENGINE_STARTING,
	SRV_ENGINE_AWAIT_FORMAT,
	SRV_ENGINE_JOINING,
	SRV_ENGINE_JOINED,
	SRV_ENGINE_READY,
	SRV_ENGINE_STOPPING,
	SRV_ENGINE_ERRORED,
};

/** "stopped", "starting", "awaiting format", "joining", "joined", "ready",
 *  "stopping", "errored"; NULL when out of range. */
const char *srv_engine_state_name(int state);

/** What an engine brings to the MS join (from its superblock and register). */
struct srv_join_req {
	uint32_t jr_idx;
	uuid_t   jr_uuid;    /**< engine UUID (superblock) */
	uint32_t jr_rank;    /**< rank in the superblock; D_RANK_NIL for a first join */
	bool     jr_replace; /**< reformatted in place: take over jr_rank's member */
	uint32_t jr_targets;
	int32_t  jr_pid;
	char     jr_fabric_uri[ENGINE_LINK_URI_MAX];
};

/** A snapshot of one engine. */
struct srv_engine_info {
	enum srv_engine_state ei_state;
	pid_t                 ei_pid;       /**< 0 when not running */
	uint32_t              ei_rank;      /**< D_RANK_NIL when unknown */
	uint64_t              ei_inc;       /**< incarnation of this life (0 before the join) */
	uint64_t              ei_map_version;
	uint32_t              ei_starts;    /**< how many times it was spawned */
	int                   ei_exit_status; /**< last exit: status, or -1 */
	int                   ei_exit_signal; /**< last exit: signal, or 0 */
	char                  ei_error[ENGINE_LINK_ERR_MAX]; /**< last problem, "" if none */
};

struct srv_harness_ops {
	/** A RAS event: from an engine (ras_event) or from the harness (engine_died,
	 *  engine_join_failed). The server logs it and forwards STATE_CHANGE ones. */
	void (*ho_ras)(void *arg, uint32_t idx, const struct d_ras_event *ev);
	/** The engine is registered with formatted storage: join it through the MS and
	 *  answer with srv_harness_join_reply(). */
	void (*ho_join)(void *arg, uint32_t idx, const struct srv_join_req *req);
	/** Optional: every state transition. */
	void (*ho_state)(void *arg, uint32_t idx, enum srv_engine_state old,
			 enum srv_engine_state state);
	/** Optional: one line of the engine's stdout (stream 1) or stderr (2). */
	void (*ho_output)(void *arg, uint32_t idx, int stream, const char *line);
};

/** Options; zero values mean the defaults. */
struct srv_harness_opts {
	const char *hopt_engine_bin;   /**< NULL: $DAOS_ENGINE_BIN, else daos_engine next
					*  to this program */
	uint32_t    hopt_register_ms;
	uint32_t    hopt_stop_term_ms;
	uint32_t    hopt_stop_kill_ms;
	uint32_t    hopt_link_lost_ms;
	uint32_t    hopt_request_ms;   /**< set_logmasks timeout */
};

struct srv_harness;

/**
 * Create the harness for @cfg's engines (none started): creates socket_dir
 * (one level, mode 0700) if missing and the engine link in it.
 * \return 0, -DER_INVAL (arguments, no engine binary found), or the link's
 *         errors (engine_link_create); errbuf says why
 */
int srv_harness_create(struct uv_loop_s *loop, const struct srv_config *cfg,
		       const struct srv_harness_opts *opts, const struct srv_harness_ops *ops,
		       void *arg, struct srv_harness **out, char *errbuf, size_t errlen);

/**
 * Start engine @idx, or every engine (SRV_HARNESS_ALL) that is STOPPED or
 * ERRORED. An engine already running is left alone (0).
 * \return 0, -DER_INVAL (bad idx, harness closing), or the spawn error
 *         (-DER_NONEXIST binary missing, -DER_NO_PERM, -DER_NOMEM, -DER_IO),
 *         in which case the engine is ERRORED and errbuf says why
 */
int srv_harness_start(struct srv_harness *h, uint32_t idx, char *errbuf, size_t errlen);

/**
 * Stop engine @idx or all. force: SIGKILL now. Otherwise "stop" on the link,
 * SIGTERM after stop_term_ms, SIGKILL after stop_kill_ms. Not running: 0.
 * Completion is the transition to STOPPED (ho_state).
 * \return 0 or -DER_INVAL
 */
int srv_harness_stop(struct srv_harness *h, uint32_t idx, bool force);

/**
 * Restart engine @idx: a graceful stop when it runs, then a start once its
 * previous process is fully gone.
 * \return 0 or -DER_INVAL
 */
int srv_harness_restart(struct srv_harness *h, uint32_t idx);

/**
 * Format engine @idx's storage (srv_storage_format with the configured system
 * name). Allowed when the engine is STOPPED, ERRORED or AWAIT_FORMAT; in
 * AWAIT_FORMAT the engine is then sent format_done and goes on to join.
 * \return as srv_storage_format(), or -DER_BUSY ("engine N is running: stop
 *         it before formatting") in other states, -DER_INVAL for a bad idx
 */
int srv_harness_format(struct srv_harness *h, uint32_t idx, bool force,
		       struct srv_format_result *res, char *errbuf, size_t errlen);

/**
 * The MS answered engine @idx's join (state JOINING). status 0: the rank is
 * written to the superblock (when it changed), join_reply is sent, state
 * JOINED. Otherwise join_reply carries the error, the engine exits and the
 * harness raises engine_join_failed.
 * \return 0, -DER_INVAL (bad idx), -DER_BUSY (not JOINING), -DER_UNREACH (no
 *         link); a superblock write failure is logged, not returned
 */
int srv_harness_join_reply(struct srv_harness *h, uint32_t idx, int status, uint32_t rank,
			   uint64_t inc, uint64_t map_version, const char *error);

/** Result of srv_harness_set_logmasks(): status, error text ("" on success) and
 *  the masks in force afterwards (as the engine reports them; "" if unknown). */
typedef void (*srv_harness_logmask_cb)(void *arg, uint32_t idx, int status, const char *error,
				       const char *masks);

/**
 * Ask engine @idx to apply @masks (NULL: its configured log_mask). The
 * callback runs exactly once, from the loop, with the engine's answer or
 * -DER_TIMEDOUT / -DER_UNREACH (engine gone), or with -DER_SHUTDOWN from
 * inside srv_harness_close().
 * \return 0, -DER_INVAL, -DER_UNREACH (engine not connected), -DER_AGAIN,
 *         -DER_NOMEM (then @cb is not called)
 */
int srv_harness_set_logmasks(struct srv_harness *h, uint32_t idx, const char *masks,
			     srv_harness_logmask_cb cb, void *arg);

/** Answer of srv_harness_request(): @status is the reply's "status", or
 *  -DER_TIMEDOUT / -DER_UNREACH (engine gone) / -DER_SHUTDOWN without a reply
 *  (@reply NULL); @reply (borrowed, valid during the call) is the whole reply. */
typedef void (*srv_harness_reply_cb)(void *arg, uint32_t idx, int status, json_t *reply);

/**
 * Forward request @msg (an object with "op"; borrowed, its "id" is set) to
 * engine @idx over the engine link; @cb runs exactly once, from the loop, as
 * for srv_harness_set_logmasks(). @timeout_ms 0 means hopt_request_ms.
 * \return 0, -DER_INVAL, -DER_UNREACH (engine not connected), -DER_AGAIN,
 *         -DER_NOMEM (then @cb is not called)
 */
int srv_harness_request(struct srv_harness *h, uint32_t idx, json_t *msg, uint32_t timeout_ms,
			srv_harness_reply_cb cb, void *arg);

/** Number of engines (the config's). */
uint32_t srv_harness_engine_nr(const struct srv_harness *h);

/** Snapshot of engine @idx. \return 0 or -DER_INVAL */
int srv_harness_engine_info(const struct srv_harness *h, uint32_t idx,
			    struct srv_engine_info *info);

/** Socket path of the engine link. */
const char *srv_harness_socket_path(const struct srv_harness *h);

/**
 * Close the harness: every engine still running is killed (SIGKILL; no
 * engine_died), the link is closed, and once every handle is closed @cb (may
 * be NULL) runs and the harness is freed. Callbacks other than ho_state stop
 * at once. NULL is a no-op.
 */
void srv_harness_close(struct srv_harness *h, void (*cb)(void *arg), void *arg);

/**
 * Write <scm_mount>/daos_nvme.json for the engine of @ec atomically (C2): its
 * file and kdev bdevs, [] without an NVMe tier; a missing SCM mount is not an
 * error (the engine waits for a format). \return 0 or -DER_* with the reason.
 */
int srv_nvme_conf_write(const struct srv_engine_cfg *ec, char *errbuf, size_t errlen);

#endif /* CONTROL_HARNESS_H */
