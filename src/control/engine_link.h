/*
 * engine_link.h: the link between daos_server and its engines: a unix
 * SOCK_SEQPACKET socket (<socket_dir>/daos_server.sock) carrying one JSON
 * object per packet. This header holds the wire protocol, which daos_engine
 * implements too (it includes this header for the constants only and does not
 * link the server side), and the server side's API (engine_link.c).
 *
 * Wire protocol (version ENGINE_LINK_PROTO). Every packet is one JSON object
 * of at most ENGINE_LINK_MSG_MAX bytes with a string "op". A request that
 * expects an answer carries "id" (integer in [1, 2^53)); the answer is
 *   {"op":"reply","id":<same>,"status":<0 or -DER_*>[,"error":"<text>"], ...}
 * Integers are JSON integers; an incarnation is an integer in [0, INT64_MAX]
 * (it is an HLC timestamp, below 2^63 for centuries); a rank is in
 * [0, 4294967294].
 *
 *  engine -> server
 *   register   {"op":"register","id":N,"proto":1,"idx":I,"pid":P,"ncpus":C,
 *               "targets":T,"helpers":X,"fabric_uri":"ofi+tcp;ofi_rxm://a.b.c.d:port",
 *               "version":"2.6.0"}
 *        reply {"status":0,"formatted":true|false,"sys_name":"daos_server"
 *               [,"rank":R]            (the rank in the superblock, if any)
 *               [,"sb_error":"..."]}   (why the storage counts as unformatted,
 *                                       when a superblock exists but is unusable)
 *              or an error status: -DER_NO_PERM (pid is not the child started
 *              for that index), -DER_PROTO (other proto), -DER_ALREADY
 *              (registered twice), -DER_INVAL (bad index), -DER_MISMATCH
 *              (superblock of another system or engine index).
 *   ras_event  {"op":"ras_event","event":{RAS JSON, gurt/ras.h}}   (no reply)
 *   ready      {"op":"ready","rank":R,"incarnation":I}  (no reply): joined and
 *              serving with the rank and incarnation of the join_reply
 *   reply      answers to set_logmasks (below)
 *
 *  server -> engine
 *   format_done  {"op":"format_done","rank":R|absent}: the storage is
 *                formatted; the engine goes on to join
 *   join_reply   {"op":"join_reply","status":0,"rank":R,"incarnation":I,
 *                 "map_version":V} or {"op":"join_reply","status":-DER_*,
 *                 "error":"..."} (the engine exits with ENGINE_EXIT_JOIN)
 *   set_logmasks {"op":"set_logmasks","id":N,"masks":"ERR,mgmt=DEBUG"}
 *         reply  {"status":0,"masks":"<current masks>"} or
 *                {"status":-DER_INVAL,"error":"<reason>","masks":"<kept masks>"}
 *   stop         {"op":"stop","force":false}: exit cleanly (status 0)
 *   map_update   {"op":"map_update",...}: reserved (membership for SWIM, later)
 *   SSD management (engine/eng_smd_query.c; bad fields are answered
 *   -DER_INVAL with the reason, not treated as a protocol error: they carry an
 *   administrator's command and the engine stays up):
 *   smd_query      {"op":"smd_query","id":N,"what":"devices"|"pools",
 *                   "uuid"?:U,"tgt"?:T,"health"?:bool,"start"?:K}
 *           reply  {"status":0,"devices"|"pools":[...],"next"?:K'} (a page of at
 *                  most ENG_SMD_PAGE_BYTES; "next" when more entries remain)
 *   dev_set_faulty {"op":"dev_set_faulty","id":N,"uuid":U}
 *   dev_replace    {"op":"dev_replace","id":N,"old_uuid":U,"new_uuid":V}
 *   dev_identify   {"op":"dev_identify","id":N,"uuid":U}
 *           reply  {"status":0,"device":{...}} or {"status":-DER_*,"error":"..."}
 *                  (-DER_NONEXIST: no such device on this engine)
 *
 * A packet larger than ENGINE_LINK_MSG_MAX, one that is not a JSON object
 * with a string "op", or a known op with wrong fields is a protocol error:
 * the receiver logs it and closes the connection (the engine exits with
 * ENGINE_EXIT_PROTO). An unknown op with an "id" is answered with
 * -DER_NOTSUPPORTED; one without is logged and ignored (a newer peer).
 *
 * Server side (this module). One listening socket, accepted connections,
 * everything on the caller's libuv loop (uv_poll on the descriptors); no
 * function may be called from another thread. The peer of every accepted
 * connection is identified with SO_PEERCRED and handed to the owner's accept
 * callback, which decides (the harness accepts only its own children).
 *
 * Connection life (invariants):
 *  1. Callbacks of one connection run on the loop thread, one at a time, in
 *     packet order; elo_closed is the last one and runs exactly once per
 *     accepted connection (also on engine_link_close()).
 *  2. Every engine_link_request() that returned 0 has its callback called
 *     exactly once: with the reply, or -DER_TIMEDOUT, -DER_UNREACH
 *     (connection lost) or -DER_SHUTDOWN (link closed); a callback for a lost
 *     connection runs before elo_closed.
 *  3. At most ENGINE_LINK_PENDING_MAX requests and ENGINE_LINK_SENDQ_MAX
 *     unsent packets per connection: a peer that does not read is
 *     disconnected rather than buffered without bound.
 *  4. A struct engine_conn stays valid from elo_accept until elo_closed
 *     returns; after that the owner must drop every pointer to it.
 */
#ifndef CONTROL_ENGINE_LINK_H
#define CONTROL_ENGINE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "gurt/ras.h"

/*
 * Limits
 */
/** Largest packet: a RAS event (< 5 KiB), a membership map of a few hundred
 *  ranks later; anything bigger is a broken peer. */
#define ENGINE_LINK_MSG_MAX      (64 * 1024)
/** Connections at once: one per engine (SRV_ENGINES_MAX) with room for a
 *  restarting engine's old connection and stray clients being refused. */
#define ENGINE_LINK_CONNS_MAX    64
/** Unsent packets queued per connection (peer not reading). */
#define ENGINE_LINK_SENDQ_MAX    64
/** Server requests awaiting a reply per connection. */
#define ENGINE_LINK_PENDING_MAX  64
/** Packets read per wake-up of one connection, so one chatty engine cannot
 *  starve the loop. */
#define ENGINE_LINK_RECV_BATCH   32
/** Listen backlog, also the most connections accepted per wake-up. */
#define ENGINE_LINK_BACKLOG      32
/** Error text carried in a reply (bytes, NUL included). */
#define ENGINE_LINK_ERR_MAX      512
/** Fabric URI of an engine ("ofi+tcp;ofi_rxm://<ipv4>:<port>"). */
#define ENGINE_LINK_URI_MAX      256
/** Version string of an engine ("2.6.0"). */
#define ENGINE_LINK_VERSION_MAX  32
/** Largest request id: integers stay exact in every JSON implementation. */
#define ENGINE_LINK_ID_MAX       ((1LL << 53) - 1)
/** Default timeout of a server request (set_logmasks). */
#define ENGINE_LINK_REQ_TIMEOUT_MS 10000
/** Granularity of request timeouts. */
#define ENGINE_LINK_TICK_MS      100

/** Protocol version carried by register. */
#define ENGINE_LINK_PROTO        1
/** Socket name in socket_dir; DAOS_ENGINE_SOCK overrides the whole path. */
#define ENGINE_LINK_SOCK_NAME    "daos_server.sock"
#define ENGINE_LINK_SOCK_ENV     "DAOS_ENGINE_SOCK"

/** Operations. */
#define ENGINE_OP_REGISTER       "register"
#define ENGINE_OP_RAS_EVENT      "ras_event"
#define ENGINE_OP_READY          "ready"
#define ENGINE_OP_REPLY          "reply"
#define ENGINE_OP_FORMAT_DONE    "format_done"
#define ENGINE_OP_JOIN_REPLY     "join_reply"
#define ENGINE_OP_SET_LOGMASKS   "set_logmasks"
#define ENGINE_OP_STOP           "stop"
#define ENGINE_OP_MAP_UPDATE     "map_update"
#define ENGINE_OP_SMD_QUERY      "smd_query"
#define ENGINE_OP_DEV_SET_FAULTY "dev_set_faulty"
#define ENGINE_OP_DEV_REPLACE    "dev_replace"
#define ENGINE_OP_DEV_IDENTIFY   "dev_identify"

/** daos_engine exit statuses (the harness names them in engine_died). */
#define ENGINE_EXIT_OK           0 /**< stopped (stop message, SIGTERM, SIGINT) */
#define ENGINE_EXIT_FAILURE      1 /**< start-up failure (memory, loop, log) */
#define ENGINE_EXIT_USAGE        2 /**< bad command line or environment */
#define ENGINE_EXIT_LINK         3 /**< could not reach, or lost, daos_server */
#define ENGINE_EXIT_REFUSED      4 /**< daos_server refused the registration */
#define ENGINE_EXIT_JOIN         5 /**< the system join failed */
#define ENGINE_EXIT_PROTO        6 /**< protocol error on the link */

/** Text for an exit status of daos_engine ("lost the link to daos_server"). */
static inline const char *
engine_exit_str(int status)
{
	switch (status) {
	case ENGINE_EXIT_OK:
		return "stopped";
	case ENGINE_EXIT_FAILURE:
		return "start-up failure";
	case ENGINE_EXIT_USAGE:
		return "bad command line or environment";
	case ENGINE_EXIT_LINK:
		return "lost the link to daos_server";
	case ENGINE_EXIT_REFUSED:
		return "registration refused";
	case ENGINE_EXIT_JOIN:
		return "system join failed";
	case ENGINE_EXIT_PROTO:
		return "protocol error on the engine link";
	default:
		return "unknown failure";
	}
}

struct engine_link;
struct engine_conn;
struct uv_loop_s;

/** A register request, validated. */
struct engine_reg {
	uint32_t er_proto;
	uint32_t er_idx;
	int32_t  er_pid;
	uint32_t er_ncpus;
	uint32_t er_targets;
	uint32_t er_helpers;
	char     er_fabric_uri[ENGINE_LINK_URI_MAX];
	char     er_version[ENGINE_LINK_VERSION_MAX];
};

/** The owner's answer to a register request. */
struct engine_reg_reply {
	int      rr_status;                   /**< 0 or -DER_* */
	char     rr_error[ENGINE_LINK_ERR_MAX]; /**< with an error status */
	bool     rr_formatted;
	uint32_t rr_rank;                     /**< D_RANK_NIL: none */
	char     rr_sys_name[32];
	char     rr_sb_error[ENGINE_LINK_ERR_MAX]; /**< "" or why unformatted */
};

/** Peer credentials of a connection (SO_PEERCRED). */
struct engine_peer {
	pid_t ep_pid;
	uid_t ep_uid;
	gid_t ep_gid;
};

/** Callbacks of the link's owner. All run on the loop thread; arg is the create() arg. */
struct engine_link_ops {
	/** A connection arrived: return 0 to accept it, anything else closes it at once. */
	int (*elo_accept)(void *arg, struct engine_conn *conn, const struct engine_peer *peer);
	/** register: fill *reply (pre-zeroed, rr_rank = D_RANK_NIL); the link sends it. */
	void (*elo_register)(void *arg, struct engine_conn *conn, const struct engine_reg *reg,
			     struct engine_reg_reply *reply);
	/** ras_event with a valid event. */
	void (*elo_ras_event)(void *arg, struct engine_conn *conn, const struct d_ras_event *ev);
	/** ready. */
	void (*elo_ready)(void *arg, struct engine_conn *conn, uint32_t rank, uint64_t inc);
	/** The connection is gone (peer closed, protocol error, engine_link_conn_close). */
	void (*elo_closed)(void *arg, struct engine_conn *conn);
};

/**
 * Answer to engine_link_request(): status is the reply's "status", or
 * -DER_TIMEDOUT / -DER_UNREACH / -DER_SHUTDOWN without a reply (reply NULL).
 * @reply (borrowed, valid during the call) is the whole reply object.
 */
typedef void (*engine_link_reply_cb)(void *arg, int status, json_t *reply);

/**
 * Create the listening socket at @path (absolute, shorter than sun_path) and
 * start accepting on @loop. A stale socket file is replaced; a socket that
 * still answers means another server: -DER_BUSY. A path that exists and is
 * not a socket: -DER_EXIST. The socket is made mode 0600.
 * \return 0, -DER_INVAL, -DER_BUSY, -DER_EXIST, -DER_NONEXIST (no directory),
 *         -DER_NO_PERM, -DER_NOMEM, -DER_IO; errbuf says why
 */
int engine_link_create(struct uv_loop_s *loop, const char *path, const struct engine_link_ops *ops,
		       void *arg, struct engine_link **out, char *errbuf, size_t errlen);

/**
 * Close every connection (pending requests get -DER_SHUTDOWN, then
 * elo_closed), stop listening, unlink the socket file; when every libuv handle
 * is closed, @cb (may be NULL) runs and the link is freed. NULL is a no-op.
 */
void engine_link_close(struct engine_link *link, void (*cb)(void *arg), void *arg);

/**
 * Send @msg (an object with "op"; borrowed) to @conn.
 * \return 0 (sent or queued), -DER_INVAL (no "op", or over ENGINE_LINK_MSG_MAX),
 *         -DER_UNREACH (connection closed or closing), -DER_NOMEM. A send
 *         queue overflow closes the connection and returns -DER_UNREACH.
 */
int engine_link_send(struct engine_conn *conn, json_t *msg);

/**
 * Send a request: sets "id" in @msg (borrowed, modified) and calls @cb once
 * (invariant 2). @timeout_ms 0 means ENGINE_LINK_REQ_TIMEOUT_MS.
 * \return 0, or as engine_link_send(), or -DER_AGAIN (too many pending
 *         requests); @cb is not called when this returns an error.
 */
int engine_link_request(struct engine_conn *conn, json_t *msg, uint32_t timeout_ms,
			engine_link_reply_cb cb, void *arg);

/** Close a connection from the server side (elo_closed follows, synchronously). */
void engine_link_conn_close(struct engine_conn *conn);

/** Peer credentials of @conn. */
const struct engine_peer *engine_conn_peer(const struct engine_conn *conn);

/** Owner's data attached to @conn (NULL until set). */
void engine_conn_set_data(struct engine_conn *conn, void *data);
void *engine_conn_data(const struct engine_conn *conn);

/** Socket path of @link. */
const char *engine_link_path(const struct engine_link *link);

#endif /* CONTROL_ENGINE_LINK_H */
