/*
 * net.h: the data-plane RPC transport, TCP with epoll (see proto/proto.h for
 * the wire format and docs/design.md "net").
 *
 * Server side (an engine target): one struct net_server per target thread,
 * driven by that thread's loop through net_server_progress(). No locks, no
 * threads: every net_server_* and net_reply() call on one server must come
 * from the same thread. The server owns a listening socket and an epoll fd
 * (net_server_fd()) that the caller may nest in its own epoll set or poll.
 * Each complete, valid request is handed to the handler; the handler answers
 * it at once or later with net_reply(), which consumes the request.
 *
 * Client side (libdaos): one struct net_client per process, internally locked:
 * any thread may submit calls and any thread may drive progress. Connections
 * are pooled per peer (ip:port), made on demand and re-made after a failure.
 * Callbacks run only inside net_client_progress(), in the progressing thread,
 * never inside net_call_submit().
 *
 * Errors seen by callers:
 *   -DER_UNREACH   connection refused, lost, or not made within
 *                  NET_CONNECT_TIMEOUT_MS; every call in flight on it fails
 *   -DER_TIMEDOUT  the call's own deadline passed
 *   -DER_PROTO     the peer sent something that does not decode (a log line
 *                  names the peer), or the server refused our request (its
 *                  reply carries the reason as text in the body)
 *   -DER_CANCELED  net_call_cancel()
 *   otherwise      the reply header's ph_status
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "proto/proto.h"

/* ---- Limits ------------------------------------------------------------- */

/** Connections one server (target) keeps, closed ones still referenced by the
 *  handler included: every client process holds one connection per target, so
 *  this is the number of client processes a target serves at once; it bounds
 *  file descriptors and per-connection buffers. */
#define NET_CONN_MAX            1024
/** Unanswered requests per server connection (dispatched, reply not yet written);
 *  beyond it the server stops reading that socket and TCP flow control pushes
 *  back on the client. Enough to keep a target's group commit batches full. */
#define NET_INFLIGHT_MAX        256
/** Bytes held per server connection (bodies of unanswered requests plus queued
 *  replies) above which the server stops reading it; with NET_CONN_MAX this
 *  bounds a target's transport memory. One request may overshoot it by its body. */
#define NET_INFLIGHT_BYTES_MAX  (256u << 20)
/** Calls one client has in flight (submitted, callback not yet run), over all
 *  peers; net_call_submit() returns -DER_AGAIN beyond it. Bounds client memory
 *  (each call holds a copy of its request until it is sent). */
#define NET_CALLS_MAX           4096
/** Time a client waits for a TCP connection to be established: a peer that does
 *  not answer a SYN for this long is down or partitioned. */
#define NET_CONNECT_TIMEOUT_MS  5000
/** Longest call deadline accepted: beyond an hour a stuck call is a bug. */
#define NET_CALL_TIMEOUT_MAX_MS (3600u * 1000u)
/** Iovecs in one request or reply body: a handful of descriptors plus data segments. */
#define NET_IOV_MAX             64
/** Buffer of a textual peer address "[v6addr]:port" with its NUL. */
#define NET_ADDR_STR_MAX        64
/** Iovecs of at least this many bytes may be sent from the sender's memory
 *  (net_reply_ref(), net_call_submit_ref()) instead of copied: below it the copy
 *  is cheaper than the bookkeeping, above it the copy is most of the CPU a large
 *  message costs. */
#define NET_REF_MIN             (16u * 1024u)
/** Error message sent back in the body of a -DER_PROTO reply (NUL excluded). */
#define NET_ERRMSG_MAX          256

/* ---- Server ------------------------------------------------------------- */

struct net_server;
struct net_req;

/**
 * Request handler, called from net_server_progress() for each valid request.
 * The handler owns req until it passes it to net_reply() (now or later, from
 * the server's thread). It must not call net_server_progress(),
 * net_server_shutdown() or net_server_destroy().
 */
typedef void (*net_handler_t)(void *arg, struct net_req *req);

/**
 * Create a server listening on ip:port (IPv4 or IPv6 literal; port 0 picks a
 * free port, see net_server_port()). SO_REUSEADDR, non-blocking, close-on-exec.
 * \return 0 and *srv, or -DER_INVAL (bad address, NULL argument), -DER_BUSY
 *         (address in use), -DER_NO_PERM, -DER_NOMEM, -DER_IO (other socket
 *         errors); the reason is in errbuf (may be NULL).
 */
int net_server_create(const char *ip, uint16_t port, net_handler_t handler, void *arg,
		      struct net_server **srv, char *errbuf, size_t errlen);

/** The port the server listens on (the one chosen when created with port 0). */
uint16_t net_server_port(const struct net_server *srv);

/** The server's epoll fd: readable when net_server_progress() has work to do. */
int net_server_fd(const struct net_server *srv);

/**
 * One round: wait up to timeout_ms (0: do not wait, -1: forever) for events,
 * then accept, read and dispatch requests and write pending replies.
 * \return the number of requests dispatched (>= 0), or -DER_IO when epoll
 *         itself fails (never for a peer's misbehaviour, which only closes that
 *         connection).
 */
int net_server_progress(struct net_server *srv, int timeout_ms);

/**
 * Stop serving: close the listening socket and every connection. Requests the
 * handler still owns stay valid; their net_reply() drops the reply. After it
 * only net_reply() and net_server_destroy() may be called.
 */
void net_server_shutdown(struct net_server *srv);

/**
 * Write the replies net_reply() queued since the last flush. Small replies are
 * not written at once: those made during net_server_progress() go out at its end,
 * one write per connection; a caller that replies outside progress (after a group
 * commit, say) calls this once after the batch, or its replies wait for the next
 * progress round.
 */
void net_server_flush(struct net_server *srv);

/** Messages the server refused before any handler saw them (bad header, body or CRC; a
 *  reply sent as a request), each answered -DER_PROTO and its connection closed; since
 *  creation. */
uint64_t net_server_refused(const struct net_server *srv);

/** Requests dispatched to the handler and not yet passed to net_reply(). */
uint64_t net_server_reqs_pending(const struct net_server *srv);

/**
 * Free the server (closing everything, as net_server_shutdown()).
 * Rule: the handler must have answered every request first
 * (net_server_reqs_pending() == 0), asserted: a request answered after destroy
 * would point to freed memory. Shut down, answer what is held, then destroy.
 */
void net_server_destroy(struct net_server *srv);

/** The decoded request header (opcode, rpc id, map version, body length). */
const struct proto_hdr *net_req_hdr(const struct net_req *req);

/** The request body (ph_body_len bytes, followed by a NUL that is not part of it);
 *  valid until net_reply(). The data of a large OBJ_UPDATE body starts 4 KiB
 *  aligned when its descriptors arrived with its header (net_common.c). */
const uint8_t *net_req_body(const struct net_req *req);

/** Length of the request body in bytes. */
uint32_t net_req_body_len(const struct net_req *req);

/** Id of the request's connection: unique for the server's lifetime, never reused. */
uint64_t net_req_conn_id(const struct net_req *req);

/** The peer's address as "ip:port" (valid until net_reply()). */
const char *net_req_peer(const struct net_req *req);

/** Map version sent in the reply header; default: the request's. */
void net_req_set_reply_map_version(struct net_req *req, uint32_t map_version);

/**
 * Answer req and free it (a small reply is written at the end of the current
 * progress round or by net_server_flush()). The body (iovcnt iovecs, 0..NET_IOV_MAX) is COPIED
 * with the header into one buffer, so the caller's buffers are free again on
 * return. Replies on one connection go out in the order of net_reply(), not of
 * the requests. Consumes req in every case.
 * \return 0 (also when the connection is gone: the reply is dropped silently),
 *         -DER_INVAL (bad iovecs, status > 0: an error reply with -DER_INVAL
 *         and no body is sent instead), -DER_OVERFLOW (body over
 *         PROTO_BODY_MAX: same, with -DER_OVERFLOW), -DER_NOMEM (nothing can be
 *         sent: the connection is closed so the client does not wait for it).
 */
int net_reply(struct net_req *req, int status, const struct iovec *iov, int iovcnt);

/** Frees memory a reply or request was sent from (net_reply_ref()). */
typedef void (*net_release_t)(void *arg);

/**
 * net_reply() that sends large parts of the body from the caller's memory
 * instead of copying it: an iovec of NET_REF_MIN (16 KiB) bytes or more lying
 * wholly inside [ref, ref + ref_len) is referenced, the others are copied.
 * release(arg) runs exactly once: when the reply has been written or dropped
 * (the connection closed, the server destroyed) if something is referenced,
 * else before this returns; until then the memory must stay valid and
 * unchanged. Same returns as net_reply(); -DER_INVAL also for a NULL release
 * or a bad range (an error reply is sent instead, as for bad iovecs).
 */
int net_reply_ref(struct net_req *req, int status, const struct iovec *iov, int iovcnt,
		  const void *ref, size_t ref_len, net_release_t release, void *arg);

/* ---- Client ------------------------------------------------------------- */

struct net_client;

/**
 * Completion of an asynchronous call, run by net_client_progress().
 * \param status     transport error, else reply_hdr->ph_status
 * \param reply_hdr  the reply header, NULL when no reply arrived
 * \param body, len  the reply body (followed by a NUL not counted in len;
 *                   for -DER_PROTO replies it is the server's reason), valid
 *                   only during the callback; NULL/0 without a reply
 * A callback may call net_call_submit() and net_call_cancel(), not net_call()
 * nor net_client_progress() (-DER_BUSY / no-op) nor net_client_destroy().
 */
typedef void (*net_call_cb_t)(void *arg, int status, const struct proto_hdr *reply_hdr,
			      const uint8_t *body, uint32_t len);

/** A reply returned by net_call(); free with net_reply_free(). */
struct net_call_reply {
	struct proto_hdr cr_hdr;
	uint8_t         *cr_body; /* cr_len bytes + NUL; NULL when cr_len is 0 */
	uint32_t         cr_len;
};

/** Create a client. \return 0, -DER_NOMEM or -DER_IO (epoll/eventfd failure). */
int net_client_create(struct net_client **cl);

/**
 * Close every connection and free the client. Calls still in flight complete
 * with -DER_CANCELED (their callbacks run here, in the calling thread). No
 * other thread may use the client during or after this call.
 */
void net_client_destroy(struct net_client *cl);

/**
 * Send a request to ip:port. The request body (req_iovcnt iovecs) is copied:
 * the caller's buffers are free again on return.
 * \param timeout_ms  1..NET_CALL_TIMEOUT_MAX_MS; the call fails with -DER_TIMEDOUT
 *                    if no reply arrived by then
 * \param handle      optional, receives the call's id for net_call_cancel()
 * \return 0: cb will run exactly once, from net_client_progress(). Otherwise cb
 *         never runs: -DER_INVAL (bad address, port 0, opcode unknown to
 *         proto, bad iovecs or timeout, NULL cb), -DER_OVERFLOW (body over
 *         PROTO_BODY_MAX), -DER_AGAIN (NET_CALLS_MAX calls in flight, or
 *         NET_CONN_MAX peers connected), -DER_NOMEM. Transport failures
 *         (refused, unreachable) are reported through cb, never here.
 */
int net_call_submit(struct net_client *cl, const char *ip, uint16_t port, uint16_t opcode,
		    uint32_t map_version, const struct iovec *req_iov, int req_iovcnt,
		    uint32_t timeout_ms, net_call_cb_t cb, void *cb_arg, uint64_t *handle);

/**
 * net_call_submit() that sends request iovecs of NET_REF_MIN (16 KiB) bytes or
 * more straight from the caller's memory instead of copying them: every iovec
 * must stay valid and unchanged until cb runs (a request still partly unsent
 * then, after a cancel or a timeout, has its remaining bytes copied first).
 * Same returns as net_call_submit().
 */
int net_call_submit_ref(struct net_client *cl, const char *ip, uint16_t port, uint16_t opcode,
			uint32_t map_version, const struct iovec *req_iov, int req_iovcnt,
			uint32_t timeout_ms, net_call_cb_t cb, void *cb_arg, uint64_t *handle);

/**
 * Cancel a call: its callback runs with -DER_CANCELED at the next progress
 * (a reply that arrives later is dropped). \return 0, or -DER_NONEXIST when the
 * call already completed.
 */
int net_call_cancel(struct net_client *cl, uint64_t handle);

/**
 * Drive the client: wait up to timeout_ms (0: do not wait) for network events,
 * connect, send, receive, expire deadlines, then run the callbacks of
 * completed calls. Only one thread waits on the network at a time; another
 * thread calling meanwhile waits (bounded by timeout_ms) until callbacks were
 * run, then returns, so a thread can loop on its own condition.
 * \return the number of callbacks run by this call (>= 0), or -DER_IO when epoll fails.
 */
int net_client_progress(struct net_client *cl, uint32_t timeout_ms);

/**
 * Blocking call: submit, then drive progress until the reply, an error or the
 * deadline. \return as the callback's status (or submit's error). *reply gets
 * the reply when one arrived (also for error statuses: a -DER_PROTO reply holds
 * the reason), else NULL. -DER_BUSY when called from a callback.
 */
int net_call(struct net_client *cl, const char *ip, uint16_t port, uint16_t opcode,
	     uint32_t map_version, const struct iovec *req_iov, int req_iovcnt,
	     uint32_t timeout_ms, struct net_call_reply **reply);

/** Free a reply of net_call(); NULL is fine. */
void net_reply_free(struct net_call_reply *reply);

#endif /* NET_NET_H */
