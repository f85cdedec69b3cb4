/*
 * engine.h: daos_engine's internals: command line, the system thread's event
 * loop, the client side of the engine link, and the data path: storage
 * (daos_nvme.json, SMD, devices) and the targets.
 *
 * Threads: the system thread runs eng_loop (epoll): the link to daos_server,
 * signals, and the targets' notifications. Each target is one thread with its
 * own epoll loop, its own net server (IP:PORT+1+t, docs/design.md C1), its
 * own bio ring and exclusive ownership of its VOS pools (ARCHITECTURE.md
 * section 3). The system thread talks to a target only through that target's
 * bounded inbox (an SPSC queue plus an eventfd); a target answers through its
 * bounded outbox and wakes the system thread (eng_tgts_cfg.tc_notify, which
 * for daos_engine is eng_loop_wake()). Signals (SIGTERM, SIGINT) are blocked
 * in every thread and read from a signalfd by the system thread, so threads
 * created later inherit the mask and never take a signal.
 *
 * Shared between targets, never on the I/O path: struct eng_storage (SMD, the
 * device table, the engine-wide pool table, the SCM reservation), guarded by
 * one mutex taken only by pool create/destroy/open and start-up.
 */
#ifndef ENGINE_ENGINE_H
#define ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <uuid/uuid.h>

#include "bio/bio.h"
#include "gurt/ras.h"

/*
 * Limits
 */
/** Most targets (-t): DAOS's limit of 64 per SSD, one thread each. */
#define ENG_TARGETS_MAX          64
/** Most helper xstreams (-x). */
#define ENG_HELPERS_MAX          64
/** Highest core number (-f): Linux's default NR_CPUS. */
#define ENG_CORE_MAX             8191
/** Highest NUMA node (-p): MAX_NUMNODES. */
#define ENG_NUMA_MAX             1023
/** Highest engine index (-I): daos_server runs at most 16 engines. */
#define ENG_IDX_MAX              15
/** Longest system name (-g): DAOS_SYS_NAME_MAX. */
#define ENG_NAME_MAX             15
/** Longest path argument (-d, -s, DAOS_ENGINE_SOCK), NUL excluded. */
#define ENG_PATH_MAX             4095
/** Descriptors one loop watches: link, signals, timer, wake-up (targets notify
 *  through it), with room to spare. */
#define ENG_LOOP_FDS_MAX         (ENG_TARGETS_MAX + 16)
/** Events taken per epoll_wait. */
#define ENG_LOOP_EVENTS_MAX      32
/** Connection attempts to daos_server, and the pause between them: the server
 *  creates its socket before it spawns engines, so this only covers races. */
#define ENG_CONNECT_RETRIES      50
#define ENG_CONNECT_INTERVAL_MS  100
/** Time daos_server has to answer the registration. */
#define ENG_REGISTER_TIMEOUT_MS  10000
/** Time a send may wait for room in the socket before the link counts as lost. */
#define ENG_SEND_TIMEOUT_MS      5000
/** Packets handled per wake-up of the link. */
#define ENG_LINK_BATCH           32

/* Limits of the data path. */
/** Messages queued from the system thread to one target (start, stop, later map
 *  updates): the system thread sends a handful per target life. */
#define ENG_TGT_INBOX_MAX        16
/** Messages queued from one target to the system thread (its state; RAS events
 *  have their own queue, ENG_RAS_QUEUE_MAX): a target posts one per start;
 *  beyond this they are logged by the target and dropped. */
#define ENG_TGT_OUTBOX_MAX       64
/** Pools one target serves: each open pool holds an LMDB map and, with a blob,
 *  VOS_STAGE_BYTES of staging memory, so memory bounds this, not the SMD. */
#define ENG_POOLS_MAX            128
/** Open container handles cached per pool (the least recently used is closed
 *  beyond it): a pool sees a few active containers at a time. */
#define ENG_CONT_CACHE_MAX       64
/** Writes (updates and punches) of one pool staged in one group commit: one
 *  loop turn rarely brings more, and it bounds the requests held until commit. */
#define ENG_BATCH_MAX            256
/** Depth of a target's bio ring: enough blob I/O in flight to keep a device
 *  busy from one target; VOS waits for room when a batch needs more. */
#define ENG_RING_DEPTH           256
/** Events taken per epoll_wait of a target loop. */
#define ENG_TGT_EVENTS_MAX       16
/** Fetch data up to this many bytes (sum of the client's buffer capacities) is
 *  read into the target's preallocated scratch buffer; larger fetches ask the
 *  sizes first and allocate exactly what the reply carries. */
#define ENG_FETCH_SCRATCH        (1U << 20)
/** Fetches of at most this many bytes (what VOS keeps inline) are served at once
 *  from the scratch buffer; larger ones may wait for the device, so they are
 *  read asynchronously into their own buffer (eng_obj.c, invariant 7). */
#define ENG_FETCH_SYNC_MAX       (4U << 10)
/** Asynchronous fetches one target keeps in flight: beyond it a fetch is served
 *  synchronously (slower, never refused). Deeper than a device needs. */
#define ENG_FETCH_ASYNC_NR_MAX   128
/** Reply memory of a target's asynchronous fetches in flight: bounds what a burst
 *  of large reads holds (each fetch buffers its whole reply). */
#define ENG_FETCH_ASYNC_BYTES_MAX (128ULL << 20)
/** Keys one OBJ_QUERY_KEY may scan to find the greatest dkey or akey (VOS has
 *  no reverse iterator): bounds the work of one request. */
#define ENG_QUERY_KEY_SCAN_MAX   (1U << 22)
/** Time every target has to bind its port at creation. */
#define ENG_TGT_BIND_TIMEOUT_MS  5000
/** Time the targets have to open their storage (pool opens finish interrupted
 *  container destroys, so this is generous). */
#define ENG_TGT_START_TIMEOUT_MS 120000
/** Time the targets have to stop (commit, answer, close) before the engine
 *  gives up on them; below daos_server's stop-to-SIGTERM escalation (10 s). */
#define ENG_TGT_STOP_TIMEOUT_MS  8000
/** While stopping, a target keeps sending queued replies for at most this long,
 *  and stops earlier once it has been idle for ENG_STOP_IDLE_MS. */
#define ENG_STOP_DRAIN_MS        500
#define ENG_STOP_IDLE_MS         50
/** Largest daos_nvme.json: ENG_NVME_DEVS_MAX entries of a path and a few fields. */
#define ENG_NVME_CONF_MAX        (1U << 20)
/** Devices in daos_nvme.json: as many as SMD records. */
#define ENG_NVME_DEVS_MAX        BIO_SMD_DEV_MAX
/** Entries of <scm_mount>/pools looked at when a target starts. */
#define ENG_POOL_SCAN_MAX        (4 * ENG_POOLS_MAX)
/** Longest SCM mount path with a data path, NUL included: a pool's files
 *  (<scm>/pools/<uuid>/map.<t>.tmp) must stay within VOS_PATH_MAX (1024). */
#define ENG_SCM_PATH_MAX         (1024 - 64)
/** Longest message carried by a target event (RAS text, start-up error). */
#define ENG_EVENT_MSG_MAX        256

/** The command line (DAOS's daos_engine options). */
struct eng_args {
	uint32_t ea_targets;       /**< -t, --targets (default 1) */
	uint32_t ea_helpers;       /**< -x, --xshelpernr (default 0) */
	int32_t  ea_first_core;    /**< -f, --firstcore; -1: not pinned */
	int32_t  ea_numa;          /**< -p, --pinned_numa_node; -1: none */
	uint32_t ea_idx;           /**< -I, --instance_idx (default 0) */
	bool     ea_bypass_health; /**< -b, --bypass_health_chk */
	char     ea_group[ENG_NAME_MAX + 1];      /**< -g, --group (daos_server) */
	char     ea_socket_dir[ENG_PATH_MAX + 1]; /**< -d, --socket_dir */
	char     ea_storage[ENG_PATH_MAX + 1];    /**< -s, --storage (SCM mount) */
	bool     ea_help;          /**< -h, --help */
	bool     ea_version;       /**< -V, --version */
};

/**
 * Parse the command line (strictly: every value range-checked, unknown
 * options and stray arguments refused, -f and -p exclusive).
 * \return 0 or -DER_INVAL with the reason in errbuf
 */
int eng_args_parse(int argc, char **argv, struct eng_args *args, char *errbuf, size_t errlen);

/** Usage text for --help and errors. */
void eng_args_usage(const char *prog, FILE *stream);

/* ---- The system thread's event loop ---- */

struct eng_loop;
struct eng_io;

/** Called with the epoll events of the descriptor. */
typedef void (*eng_io_cb)(struct eng_loop *loop, uint32_t events, void *arg);

/** Create a loop. \return 0, -DER_NOMEM, -DER_IO */
int eng_loop_create(struct eng_loop **out);

/** Destroy a loop (descriptors registered with it are not closed). NULL is a no-op. */
void eng_loop_destroy(struct eng_loop *loop);

/**
 * Watch @fd for @events (EPOLLIN...). The descriptor stays the caller's.
 * \return 0, -DER_OVERFLOW (ENG_LOOP_FDS_MAX reached), -DER_IO
 */
int eng_loop_add(struct eng_loop *loop, int fd, uint32_t events, eng_io_cb cb, void *arg,
		 struct eng_io **out);

/** Stop watching; events already taken for it are dropped. */
void eng_loop_del(struct eng_loop *loop, struct eng_io *io);

/**
 * Run until eng_loop_stop(). \return the exit code given to eng_loop_stop(),
 * or ENGINE_EXIT_FAILURE when epoll fails
 */
int eng_loop_run(struct eng_loop *loop);

/** Make eng_loop_run() return @code after the current callback (first call wins). */
void eng_loop_stop(struct eng_loop *loop, int code);

/** Has eng_loop_stop() been called? (Callbacks stop early when it has.) */
bool eng_loop_stopping(const struct eng_loop *loop);

/** Set the callback run on the loop thread after eng_loop_wake(). */
void eng_loop_set_wake_cb(struct eng_loop *loop, void (*cb)(void *arg), void *arg);

/** Wake the loop from any thread (async-signal-safe: one write to an eventfd). */
void eng_loop_wake(struct eng_loop *loop);

/* ---- Client side of the engine link ---- */

/**
 * Connect to daos_server's socket @path (SOCK_SEQPACKET), retrying
 * ENG_CONNECT_RETRIES times while it is absent or refuses.
 * \return 0 with a non-blocking descriptor in *fd, -DER_INVAL (path),
 *         -DER_UNREACH (never answered); errbuf says why
 */
int eng_link_connect(const char *path, int *fd, char *errbuf, size_t errlen);

/**
 * Send one JSON object (borrowed) as one packet; waits at most
 * ENG_SEND_TIMEOUT_MS for room.
 * \return 0, -DER_INVAL (too large), -DER_NOMEM, -DER_UNREACH (link broken or
 *         full for too long)
 */
int eng_link_send(int fd, json_t *msg);

/**
 * Receive one packet into @buf (ENGINE_LINK_MSG_MAX bytes) and parse it.
 * \return 0 with a JSON object in *msg (the caller decrefs), -DER_AGAIN (no
 *         packet), -DER_UNREACH (server closed or error), -DER_PROTO (too big,
 *         not a JSON object, no string "op": errbuf says which)
 */
int eng_link_recv(int fd, char *buf, json_t **msg, char *errbuf, size_t errlen);

/* ---- Data path: storage (eng_nvme.c) ---- */

/** File daos_server writes into the SCM mount before each start (C2). */
#define ENG_NVME_CONF_FILE "daos_nvme.json"
/** Layout version of daos_nvme.json. */
#define ENG_NVME_CONF_VERSION 1
/** Directory of the VOS pools in the SCM mount: pools/<pool uuid>/<target>. */
#define ENG_POOLS_DIR "pools"

/** One device of daos_nvme.json. */
struct eng_nvme_dev {
	char               nd_path[BIO_PATH_MAX];
	enum bio_dev_class nd_class;
	uint64_t           nd_size; /**< bytes; 0 for kdev: the whole device */
};

/**
 * Parse @len bytes of daos_nvme.json (untrusted):
 * {"version":1,"devices":[{"path":P,"class":"file"|"kdev","size":BYTES}]}, no
 * other keys, absolute distinct paths shorter than BIO_PATH_MAX, file sizes a
 * non-zero multiple of BIO_ALIGN, kdev sizes any (0: whole device).
 * \return 0 with devs[0..*nr), -DER_INVAL (malformed: errbuf names the field),
 *         -DER_DF_INCOMPT (another version), -DER_OVERFLOW (more than @max)
 */
int eng_nvme_conf_parse(const char *text, size_t len, struct eng_nvme_dev *devs, uint32_t max,
			uint32_t *nr, char *errbuf, size_t errlen);

struct eng_storage;

/**
 * Open the engine's storage in @scm_mount for @tgt_nr targets: read
 * daos_nvme.json (absent: no NVMe tier, a warning), arm D_BIO_FAULT rules,
 * open SMD, add devices seen for the first time (NORMAL, targets t with
 * t mod ndev == position), open every NORMAL device, and free SMD blobs of
 * pools that have no directory left under pools/ (a crash between a VOS
 * destroy and the blob free). A device that cannot be used (missing,
 * smaller than SMD says, not NORMAL) is logged and left out: its targets have
 * no NVMe. Call on the system thread before the targets start.
 * \return 0, -DER_INVAL (arguments, bad daos_nvme.json, path too long),
 *         SMD errors (-DER_DF_INVAL, -DER_DF_INCOMPT, -DER_BUSY...); errbuf says why
 */
int eng_storage_open(const char *scm_mount, uint32_t tgt_nr, struct eng_storage **out,
		     char *errbuf, size_t errlen);

/** Close devices and SMD. The targets must be stopped. NULL is a no-op. */
void eng_storage_close(struct eng_storage *st);

/* ---- Data path: targets (eng_tgt.c) ---- */

struct eng_tgts;
struct eng_telem; /* the engine's metrics (eng_internal.h) */

struct eng_tgts_cfg {
	const char *tc_ip;         /**< address to listen on (IPv4 literal) */
	uint16_t    tc_port;       /**< D_PORT: target t listens on tc_port + 1 + t */
	uint32_t    tc_nr;         /**< targets, 1..ENG_TARGETS_MAX */
	int32_t     tc_first_core; /**< -1: targets keep the engine's affinity; else target
				    *   t is pinned to core tc_first_core + 1 + t when it exists */
	/** Called by a target thread after it posted an event (any thread). */
	void      (*tc_notify)(void *arg);
	void       *tc_notify_arg;
	/** Metrics the targets publish (borrowed; must outlive the targets); NULL: none. */
	struct eng_telem *tc_telem;
};

/* RAS events of the targets go through the storage's queue (eng_dev.c, eng_ras_pop). */
enum eng_tgt_ev_type {
	ENG_EV_STARTED = 1, /**< te_rc: 0 serving, else the start failed (te_msg says why) */
};

/** A target's report to the system thread. */
struct eng_tgt_event {
	enum eng_tgt_ev_type te_type;
	uint32_t             te_tgt;
	int                  te_rc;
	char                 te_msg[ENG_EVENT_MSG_MAX];
};

/**
 * Create the target threads; each binds tc_ip:tc_port+1+t and then waits for
 * eng_tgts_start() (connections queue in the backlog until then). Waits at
 * most ENG_TGT_BIND_TIMEOUT_MS for every bind.
 * \return 0, -DER_INVAL (config), -DER_BUSY (a port is in use), -DER_NO_PERM,
 *         -DER_NOMEM, -DER_IO, -DER_TIMEDOUT; errbuf names the port and the reason.
 *         On error no thread is left running.
 */
int eng_tgts_create(const struct eng_tgts_cfg *cfg, struct eng_tgts **out, char *errbuf,
		    size_t errlen);

/**
 * Tell every target to open its storage (@st must outlive the targets) and
 * serve. Asynchronous: each target posts ENG_EV_STARTED.
 * \return 0, -DER_INVAL (started already), -DER_AGAIN (an inbox is full)
 */
int eng_tgts_start(struct eng_tgts *tg, struct eng_storage *st);

/** Take the next event posted by a target. \return 0, or -DER_AGAIN when none. */
int eng_tgts_event(struct eng_tgts *tg, struct eng_tgt_event *ev);

/**
 * Stop every target (stop accepting, answer what they hold, commit, close
 * their pools and rings), join the threads (at most ENG_TGT_STOP_TIMEOUT_MS
 * in all) and free @tg. NULL is a no-op.
 * \return 0, or -DER_TIMEDOUT when a thread did not stop in time (it is left
 *         behind, detached; the process should exit, and @st must not be closed)
 */
int eng_tgts_stop(struct eng_tgts *tg);

/** Number of targets. */
uint32_t eng_tgts_nr(const struct eng_tgts *tg);

/** Port target @t listens on (0 when out of range). */
uint16_t eng_tgts_port(const struct eng_tgts *tg, uint32_t t);

#endif /* ENGINE_ENGINE_H */
