/*
 * ms_raft.h: the Management Service's Raft node (canonical raft 0.15 with its
 * libuv back end), driving one ms_db.
 *
 * Each access point runs one node on the server's control loop (a uv_loop_t
 * the caller owns and runs). Writes go to the leader: ms_raft_apply() appends
 * a command to the replicated log, and once a majority has it, every replica
 * applies it to its ms_db in log order; the leader's callback gets the
 * result. A follower refuses at once with -DER_NOTLEADER and knows the
 * leader's id and Raft address (ms_raft_leader()) for the redirect; the
 * control port is the Raft port - 1 by the project's port plan.
 *
 * Threads. The raft library and libuv are not thread-safe: every function
 * here runs on the loop thread, except ms_raft_submit() and ms_raft_leader(),
 * which any thread may call. A submitted command is copied into a bounded
 * queue, the loop is woken with uv_async_send(), and the command is applied
 * there; its callback runs ON THE LOOP THREAD (a caller on another thread
 * hands the result back itself, e.g. with a condition variable).
 *
 * Signals: the process must ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) before
 * starting a node. libuv writes to sockets without MSG_NOSIGNAL, so a peer
 * that dies mid-write would otherwise kill the server. This module does not
 * change process-wide signal dispositions itself.
 *
 * Addresses are numeric IPv4 "a.b.c.d:port": the raft library resolves no
 * names and fails without a message on "localhost:..." or IPv6, so anything
 * else is refused by ms_raft_start() with the rule in the message.
 *
 * Storage: the data directory (created by the caller) holds raft's metadata,
 * log segments and snapshots. A node whose directory is empty bootstraps the
 * initial voter list (every access point bootstraps the same list); one with
 * state resumes it (RAFT_CANTBOOTSTRAP is the normal case). On restart the
 * latest snapshot is restored into the ms_db inside ms_raft_start(); log
 * entries after it are re-applied once a leader commits them again, so the
 * database can be briefly behind. Commands are padded with blanks to a
 * multiple of 8 bytes before they enter the log (raft_uv 0.15 cannot read
 * back entries of other lengths); the padding is valid JSON whitespace.
 *
 * Database identity: a leader whose database has no UUID proposes an INIT
 * command with a fresh UUID (ms_db.h); the first one in the log wins.
 *
 * Shutdown (the raft 0.15 workaround). raft_close() with applies in flight
 * can free a command's payload twice (observed as glibc "double free" and
 * SIGSEGV). ms_raft_stop() therefore:
 *   1. stops accepting: ms_raft_apply/submit return -DER_SHUTDOWN, and
 *      commands still queued by ms_raft_submit get -DER_SHUTDOWN callbacks;
 *   2. waits until raft has called back every apply it holds; if that takes
 *      longer than the stop timeout, the callers of the remaining applies
 *      get -DER_SHUTDOWN at once (so nobody waits longer than the timeout),
 *      but raft_close() is still deferred until raft has released them;
 *   3. then raft_close() -> raft_uv_close() -> raft_uv_tcp_close(), closes
 *      its own libuv handles and calls the stop callback.
 * Why step 2 never calls raft_close() early: that is exactly the crash, and
 * waiting is bounded by raft itself. An apply is released either when it
 * commits, or when the leader steps down, which canonical raft does on its
 * own after one election timeout without contact with a majority (every
 * pending apply then fails with RAFT_LEADERSHIPLOST). Only a node whose own
 * disk write never completes could hold an apply forever, and such a node
 * could not close anyway (raft_uv's close waits for its writes).
 *
 * Results. An apply callback gets rc = the ms_db result (0 or a refusal) with
 * @res set, or, without @res: -DER_NOTLEADER (leadership lost: the command
 * may or may not be committed by the next leader; commands are idempotent, so
 * retry at the new leader) or -DER_SHUTDOWN (same uncertainty, node
 * stopping). A callback may call ms_raft_submit() and ms_raft_stop() (both
 * defer their work to the loop) but not ms_raft_apply(): it may be running
 * inside raft's own apply loop.
 *
 * Node states (invariants: callbacks of applies fire exactly once; the node's
 * memory is freed only after the stop callback returns):
 *   RUNNING --ms_raft_stop--> DRAINING --no apply held by raft--> CLOSING
 *   --raft and handles closed--> stop callback, freed
 */
#ifndef CONTROL_MS_RAFT_H
#define CONTROL_MS_RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <raft.h>
#include <uv.h>

#include "control/ms_db.h"

/*
 * Limits
 */
/** Voters: the MS gains nothing past 7 replicas; as many as daos_server.yml allows. */
#define MS_RAFT_VOTERS_MAX              9
/** "255.255.255.255:65535" and its NUL. */
#define MS_RAFT_ADDR_MAX                22
/** Commands queued by ms_raft_submit() not yet handed to raft: bursts of RAS events
 *  from a large system fit, and a stuck loop pushes back instead of eating memory. */
#define MS_RAFT_SUBMIT_MAX              1024
/** Applies held by raft at once; beyond it ms_raft_apply() is -DER_BUSY and
 *  submitted commands wait in their queue. Four times the 16-64 in flight at which
 *  commits/s stop growing. It is also flow control: under an unbroken stream of
 *  appends raft 0.15 stops advancing its commit index while a snapshot is pending,
 *  and resumes only when the stream pauses, which this bound guarantees. */
#define MS_RAFT_INFLIGHT_MAX            256
/** Timeouts accepted (ms). Heartbeat must be below the election timeout. */
#define MS_RAFT_TIMEOUT_MS_MIN          10
#define MS_RAFT_TIMEOUT_MS_MAX          60000
/** Smallest segment size: raft rounds to its block size; 8 KiB keeps test data small. */
#define MS_RAFT_SEGMENT_SIZE_MIN        8192
/** Largest segment size: a segment is preallocated three times over. */
#define MS_RAFT_SEGMENT_SIZE_MAX        (256u << 20)

/*
 * Defaults, used for a zero field of struct ms_raft_cfg.
 */
/** Raft's defaults: 1 s election (randomised to 1-2 s), 100 ms heartbeat. */
#define MS_RAFT_ELECTION_TIMEOUT_MS_DEF  1000
#define MS_RAFT_HEARTBEAT_TIMEOUT_MS_DEF 100
/** Snapshot after this many applied entries, keeping this many behind it, so a
 *  briefly lagging follower catches up from the log, not a snapshot. */
#define MS_RAFT_SNAPSHOT_THRESHOLD_DEF  1024
#define MS_RAFT_SNAPSHOT_TRAILING_DEF   128
/** Raft's default open segment size. */
#define MS_RAFT_SEGMENT_SIZE_DEF        (8u << 20)
/** How long ms_raft_stop() lets applies finish before failing their callbacks. */
#define MS_RAFT_STOP_TIMEOUT_MS_DEF     10000
/** How long a leader waits for a follower to confirm an installed snapshot before
 *  sending it again. A snapshot sent before a restarted follower's connection is up
 *  is lost and the follower stays behind this long; raft's 30 s default is far
 *  above the sub-second transfer of even a full MS database on a LAN. */
#define MS_RAFT_INSTALL_SNAPSHOT_TIMEOUT_MS_DEF 5000
/** Delay between connection attempts to a peer (raft's default). */
#define MS_RAFT_CONNECT_RETRY_MS_DEF    1000

/** Suggested errbuf size for ms_raft_start(). */
#define MS_RAFT_ERRBUF_SIZE             512

/** One voter of the initial configuration. */
struct ms_raft_peer {
	uint64_t    rp_id;   /**< > 0, unique */
	const char *rp_addr; /**< numeric "a.b.c.d:port", unique */
};

struct ms_raft;

/** Result of an apply (see "Results"); runs on the loop thread. */
typedef void (*ms_raft_apply_cb)(void *arg, int rc, const struct ms_db_result *res);
/** Leadership change: this node became or stopped being leader, or the known leader
 *  changed (leader_id 0 and addr NULL when none is known). Loop thread. */
typedef void (*ms_raft_leader_cb)(void *arg, bool is_leader, uint64_t leader_id,
				  const char *leader_addr);
/** Stop completed; the node is freed right after this returns. Loop thread. */
typedef void (*ms_raft_stop_cb)(void *arg);

struct ms_raft_cfg {
	uv_loop_t                 *rc_loop;       /**< caller's loop, run by the caller */
	uint64_t                   rc_id;         /**< this node, > 0 */
	const char                *rc_addr;       /**< this node, "a.b.c.d:port" */
	const struct ms_raft_peer *rc_voters;     /**< initial voters, this node included */
	uint32_t                   rc_nr_voters;  /**< 1..MS_RAFT_VOTERS_MAX */
	const char                *rc_dir;        /**< existing data directory */
	struct ms_db              *rc_db;         /**< database driven (not owned; outlives
						   *  the node) */
	uint32_t rc_election_timeout_ms;   /**< 0: default */
	uint32_t rc_heartbeat_timeout_ms;  /**< 0: default */
	uint32_t rc_snapshot_threshold;    /**< 0: default */
	uint32_t rc_snapshot_trailing;     /**< 0: default */
	size_t   rc_segment_size;          /**< 0: default */
	uint32_t rc_stop_timeout_ms;       /**< 0: default */
	uint32_t rc_connect_retry_ms;      /**< 0: default */
	uint32_t rc_install_snapshot_timeout_ms; /**< 0: default */
	ms_raft_leader_cb rc_leader_cb;    /**< may be NULL */
	ms_db_ras_cb      rc_ras_cb;       /**< RAS events of restores; may be NULL; installed
					    *  on rc_db with ms_db_set_ras_cb() */
	void             *rc_cb_arg;       /**< argument of both callbacks */
};

/**
 * Start a node on cfg->rc_loop (loop thread). Checks the configuration, binds
 * nothing itself but refuses an address already in use, bootstraps an empty
 * data directory, restores the latest snapshot into the database and starts
 * raft. The node elects or follows a leader as the loop runs.
 * Returns 0 with *out set, or (message in errbuf):
 *   -DER_INVAL      bad configuration (non-numeric address, duplicate or
 *                   missing voter, out-of-range value, missing directory)
 *   -DER_BUSY       this node's address is in use
 *   -DER_DF_INCOMPT / -DER_MISMATCH / -DER_DF_INVAL  the stored snapshot was
 *                   refused by ms_db_restore() (RAS event already raised)
 *   -DER_NOMEM, -DER_IO (raft's message included)
 * On failure any handles already made are closed asynchronously: keep running
 * the loop until it has no more work.
 */
int ms_raft_start(const struct ms_raft_cfg *cfg, struct ms_raft **out, char *errbuf,
		  size_t errlen);

/**
 * Propose a command (loop thread); @cmd is copied. Returns 0 and later calls
 * @cb (may be NULL) exactly once, or returns at once with no callback:
 * -DER_NOTLEADER (follower or candidate), -DER_SHUTDOWN (stopping), -DER_BUSY
 * (MS_RAFT_INFLIGHT_MAX reached), -DER_INVAL/-DER_PROTO (not a well-formed
 * command: nothing is written to the log), -DER_NOMEM.
 */
int ms_raft_apply(struct ms_raft *mr, const void *cmd, size_t len, ms_raft_apply_cb cb,
		  void *arg);

/**
 * Thread-safe ms_raft_apply(): copies @cmd into the submit queue and wakes the
 * loop, which proposes queued commands in order while raft holds fewer than
 * MS_RAFT_INFLIGHT_MAX applies. Returns 0, after which @cb is called exactly
 * once ON THE LOOP THREAD (with the result, or an error ms_raft_apply()
 * returns other than -DER_BUSY); or -DER_BUSY (queue full, MS_RAFT_SUBMIT_MAX),
 * -DER_SHUTDOWN (stopping), -DER_INVAL (empty or larger than MS_CMD_MAX),
 * -DER_NOMEM, with no callback. Must not be called once the stop callback has
 * run (the node is freed).
 */
int ms_raft_submit(struct ms_raft *mr, const void *cmd, size_t len, ms_raft_apply_cb cb,
		   void *arg);

/**
 * The current leader as last seen by the loop (thread-safe): 0 with *id and
 * @addr (may be NULL) set, or -DER_NOTLEADER when no leader is known
 * (election in progress). -DER_TRUNC if @addr is too small (MS_RAFT_ADDR_MAX
 * always suffices).
 */
int ms_raft_leader(struct ms_raft *mr, uint64_t *id, char *addr, size_t len);

/** True when this node is the leader (thread-safe, as seen by the loop). */
bool ms_raft_is_leader(struct ms_raft *mr);

/** Counters and indexes for monitoring and tests (loop thread). */
struct ms_raft_info {
	uint64_t ri_id;
	int      ri_raft_state;    /**< RAFT_FOLLOWER, RAFT_CANDIDATE, RAFT_LEADER, ... */
	uint64_t ri_last_applied;  /**< raft_last_applied() */
	uint64_t ri_last_index;    /**< raft_last_index() */
	uint64_t ri_snapshot_index; /**< last index covered by the latest snapshot */
	uint64_t ri_nr_applied;    /**< commands applied to the database by this node */
	uint64_t ri_nr_snapshots;  /**< snapshots taken */
	uint64_t ri_nr_restores;   /**< snapshots restored (at start or installed) */
	uint32_t ri_inflight;      /**< applies held by raft */
};
void ms_raft_info(struct ms_raft *mr, struct ms_raft_info *info);

/**
 * Stop the node (loop thread): the shutdown sequence above, then @cb (may be
 * NULL) and the node is freed. Returns 0, or -DER_ALREADY when a stop is
 * already under way (the first callback stands).
 */
int ms_raft_stop(struct ms_raft *mr, ms_raft_stop_cb cb, void *arg);

/*
 * The FSM glue between raft and an ms_db, exposed so that tests can drive it
 * with raft's in-memory fixture. apply: ms_db_apply(), result in mf_result
 * (raft hands the pointer to the leader's callback at once, so one slot per
 * node suffices); a -DER_NOMEM apply returns RAFT_NOMEM so that raft stops
 * and retries the entry instead of skipping it (the replica must never
 * diverge). snapshot: ms_db_snapshot() into raft_malloc()ed buffers that raft
 * frees. restore: ms_db_restore(); on success the buffer is freed here, on
 * failure raft frees it and mf_restore_rc/mf_restore_msg say why.
 */
struct ms_fsm {
	struct raft_fsm     mf_fsm;
	struct ms_db       *mf_db;
	struct ms_db_result mf_result;
	uint64_t            mf_nr_applied;
	uint64_t            mf_nr_snapshots;
	uint64_t            mf_nr_restores;
	int                 mf_restore_rc;
	char                mf_restore_msg[MS_MSG_MAX];
};

/** Fill @fsm (version 1) for @db; pass &fsm->mf_fsm to raft. */
void ms_fsm_init(struct ms_fsm *fsm, struct ms_db *db);

#endif /* CONTROL_MS_RAFT_H */
