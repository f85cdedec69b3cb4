/*
 * engine.h: daos_engine's internals: command line, the system thread's event
 * loop and the client side of the engine link.
 *
 * Threads: today the engine is one thread, the system thread, which runs
 * eng_loop (epoll). The data path adds one thread per target, each with its
 * own epoll loop (ARCHITECTURE.md section 3); targets talk to the system
 * thread through bounded queues and wake it with eng_loop_wake(), the only
 * function here that another thread may call. Signals (SIGTERM, SIGINT) are
 * blocked in every thread and read from a signalfd by the system thread, so
 * threads created later inherit the mask and never take a signal.
 */
#ifndef ENGINE_ENGINE_H
#define ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

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
/** Descriptors one loop watches: link, signals, timer, wake-up, and one eventfd
 *  per target later. */
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

#endif /* ENGINE_ENGINE_H */
