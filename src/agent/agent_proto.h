/*
 * agent_proto.h: the daos_agent socket protocol (docs/design.md, C5), shared
 * by daos_agent (the server side) and libdaos (the client side).
 *
 * Transport: a SOCK_STREAM unix socket <dir>/daos_agent.sock, where dir is
 * $DAOS_AGENT_DRPC_DIR for clients, else the agent's runtime_dir (default
 * /var/run/daos_agent). Every message, in both directions, is a frame:
 *
 *   +-------------------------+------------------------------------+
 *   | length: uint32, LE      | length bytes: one JSON object      |
 *   +-------------------------+------------------------------------+
 *
 * with 1 <= length <= AGENT_PROTO_MSG_MAX. Decoding is strict: the body is
 * exactly one JSON object in UTF-8 (whitespace around it allowed), no
 * duplicate keys, no NUL bytes (raw or \u0000); anything else is refused.
 * A connection carries any number of request/reply pairs, one at a time.
 *
 * Requests and replies (C5):
 *   {"op":"get_attach_info","sys":S?,"refresh":bool?}
 *        -> {"status":0, "sys_name", "provider", "access_points", "map_version",
 *            "ranks":[{"rank","uri","targets","state"}]}
 *   {"op":"call","method":M,"body":{...}?}
 *        -> {"status":rc, "body":{...}, "error"?:text}
 *   any refusal -> {"status":-DER_*, "error":text}; after a refusal of a bad
 *   frame the agent closes the connection.
 *
 * Errors of the functions below (message in errbuf, which may be NULL):
 *   -DER_OVERFLOW  a length above AGENT_PROTO_MSG_MAX
 *                  "message of <n> bytes exceeds the limit of <max> bytes"
 *   -DER_PROTO     "empty message (length 0)"
 *                  "invalid JSON: <jansson text> (line L, column C)"
 *                  "message must be a JSON object, got <type>"
 *                  "peer closed the connection after <n> of <m> bytes"
 *   -DER_TRUNC     (agent_proto_decode only) the buffer holds less than one frame
 *   -DER_AGENT_COMM  cannot connect / send / receive ("... <strerror>")
 *   -DER_TIMEDOUT  no progress before the deadline
 *   -DER_INVAL     bad arguments (not an object to encode, a bad socket dir)
 *   -DER_NOMEM
 *
 * Threads: no shared state; every function may be called from any thread.
 */
#ifndef AGENT_AGENT_PROTO_H
#define AGENT_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/*
 * Limits
 */
/** Largest frame body (bytes): the attach info of a system of thousands of ranks
 *  is a few hundred KiB; 4 MiB leaves room and bounds what a peer makes us allocate. */
#define AGENT_PROTO_MSG_MAX      (4u << 20)
/** Frame header: the little-endian body length. */
#define AGENT_PROTO_HDR_SIZE     4u
/** Longest socket path, NUL excluded: sizeof(sun_path) - 1 on Linux. */
#define AGENT_PROTO_PATH_MAX     107u
/** Suggested errbuf size: holds every message above in full. */
#define AGENT_PROTO_ERRBUF_SIZE  256u
/** Longest timeout accepted by the blocking helpers (ms): an hour; a longer wait on
 *  a local daemon is a bug. */
#define AGENT_PROTO_TIMEOUT_MAX_MS 3600000

/** Names. */
#define AGENT_PROTO_SOCK_NAME    "daos_agent.sock"
#define AGENT_PROTO_DIR_ENV      "DAOS_AGENT_DRPC_DIR"
#define AGENT_PROTO_DIR_DEFAULT  "/var/run/daos_agent"
#define AGENT_PROTO_OP_ATTACH    "get_attach_info"
#define AGENT_PROTO_OP_CALL      "call"

/**
 * Encode \a obj (a JSON object, borrowed) as one frame.
 * \param buf out: malloc'ed header + compact JSON; the caller frees it
 * \param len out: its size
 * \return 0, -DER_INVAL (obj is not an object), -DER_OVERFLOW (body larger than
 *         AGENT_PROTO_MSG_MAX), -DER_NOMEM; outputs untouched on error
 */
int agent_proto_encode(const json_t *obj, void **buf, size_t *len, char *errbuf, size_t errlen);

/**
 * Check a frame header (AGENT_PROTO_HDR_SIZE bytes, untrusted).
 * \param len out: the body length, 1..AGENT_PROTO_MSG_MAX
 * \return 0, -DER_PROTO (length 0), -DER_OVERFLOW (above the limit)
 */
int agent_proto_hdr_decode(const void *hdr, uint32_t *len, char *errbuf, size_t errlen);

/**
 * Decode a frame body (untrusted bytes, not NUL-terminated) strictly.
 * \param obj out: a new reference to the object
 * \return 0, -DER_PROTO, -DER_OVERFLOW (len above the limit), -DER_NOMEM
 */
int agent_proto_body_decode(const void *body, size_t len, json_t **obj, char *errbuf,
			    size_t errlen);

/**
 * Decode the first frame of buf[0..len) (untrusted).
 * \param obj  out: a new reference to the object
 * \param used out: bytes of the frame (header + body)
 * \return 0; -DER_TRUNC when the buffer ends before the frame does (read more);
 *         otherwise as agent_proto_hdr_decode() and agent_proto_body_decode()
 */
int agent_proto_decode(const void *buf, size_t len, json_t **obj, size_t *used, char *errbuf,
		       size_t errlen);

/**
 * The socket path: <dir>/daos_agent.sock.
 * \param dir  the socket directory; NULL: $DAOS_AGENT_DRPC_DIR when set and not
 *             empty, else AGENT_PROTO_DIR_DEFAULT
 * \param path out: at least AGENT_PROTO_PATH_MAX + 1 bytes
 * \return 0, -DER_INVAL ("socket directory is empty",
 *         "socket path '<p>' is longer than 107 bytes")
 */
int agent_proto_sock_path(const char *dir, char *path, size_t pathlen, char *errbuf,
			  size_t errlen);

/**
 * Connect to the agent (blocking, close-on-exec).
 * \param dir as for agent_proto_sock_path()
 * \param fd  out: the connected socket
 * \return 0, -DER_INVAL, -DER_AGENT_COMM ("cannot connect to <path>: <strerror>
 *         (is daos_agent running?)")
 */
int agent_proto_connect(const char *dir, int *fd, char *errbuf, size_t errlen);

/**
 * Send one frame holding \a obj on \a fd (blocking or not), within \a timeout_ms
 * (1..AGENT_PROTO_TIMEOUT_MAX_MS). SIGPIPE is never raised.
 * \return 0, -DER_INVAL, -DER_OVERFLOW, -DER_NOMEM, -DER_AGENT_COMM, -DER_TIMEDOUT
 */
int agent_proto_send(int fd, const json_t *obj, int timeout_ms, char *errbuf, size_t errlen);

/**
 * Receive one frame from \a fd within \a timeout_ms (1..AGENT_PROTO_TIMEOUT_MAX_MS).
 * \param obj out: a new reference to the object
 * \return 0, -DER_PROTO (bad frame or the peer closed), -DER_OVERFLOW,
 *         -DER_AGENT_COMM, -DER_TIMEDOUT, -DER_INVAL, -DER_NOMEM. After an error
 *         the stream is out of step: close it.
 */
int agent_proto_recv(int fd, json_t **obj, int timeout_ms, char *errbuf, size_t errlen);

/**
 * One request and its reply on a new connection (connect, send, receive, close),
 * all within \a timeout_ms.
 * \param reply out: the agent's reply object as received (its "status" is the
 *              result of the request; this function only reports transport errors)
 * \return as agent_proto_connect(), agent_proto_send() and agent_proto_recv()
 */
int agent_proto_call(const char *dir, const json_t *req, json_t **reply, int timeout_ms,
		     char *errbuf, size_t errlen);

#endif /* AGENT_AGENT_PROTO_H */
