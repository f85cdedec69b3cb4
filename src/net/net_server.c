/*
 * net_server.c: the server half of the transport, one per engine target
 * thread (see net.h). Single-threaded by contract: no locks.
 *
 * Connection states:
 *
 *   accept --> OPEN --(bad message: error reply queued)--> CLOSING
 *                |                                            |
 *                | EOF, socket error, shutdown                | reply flushed
 *                v                                            v
 *             CLOSED (fd closed, slot freed) <----------------+
 *                |
 *                | last request held by the handler answered
 *                v
 *              freed
 *
 * Invariants:
 *  1. s_conns[slot] holds each OPEN/CLOSING connection; epoll data carries
 *     (c_id << 16 | slot) and an event is acted on only when the slot still
 *     holds that id, so an event for a closed connection is ignored.
 *  2. c_refs counts requests of the connection owned by the handler; a CLOSED
 *     connection lives on (counted in s_zombie_nr) until c_refs drops to 0.
 *     s_conn_nr + s_zombie_nr <= NET_CONN_MAX.
 *  3. c_inflight counts requests dispatched and not yet completely answered
 *     (held by the handler or reply queued); c_inflight_bytes their request
 *     bodies (while held) plus queued reply bytes. At or above
 *     NET_INFLIGHT_MAX / NET_INFLIGHT_BYTES_MAX nothing more is parsed and
 *     EPOLLIN is off (back-pressure through TCP).
 *  4. A connection with unparsed buffered bytes and room to dispatch, or one
 *     marked broken outside a progress round, is on the resume list and the
 *     eventfd is signalled, so the epoll fd is readable while work is pending.
 *  5. Connections are closed only by progress/shutdown/destroy code, never
 *     while their read loop runs (net_reply only marks them broken).
 *  6. s_reqs_nr is the number of net_req outstanding in the handler.
 */
#define D_LOGFAC DD_FAC(net)

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "net/net_internal.h"

#define NET_EV_LISTEN UINT64_MAX
#define NET_EV_WAKE   (UINT64_MAX - 1)
/** Connections accepted per listener event (fairness with established ones). */
#define NET_ACCEPT_BATCH 64

struct net_sconn {
	struct net_server *c_srv;
	int                c_fd;
	uint32_t           c_slot;
	uint64_t           c_id;
	char               c_peer[NET_ADDR_STR_MAX];
	struct net_rx      c_rx;
	struct net_txq     c_tx;
	uint32_t           c_refs;
	uint32_t           c_inflight;
	uint64_t           c_inflight_bytes;
	uint32_t           c_events;  /* epoll interest currently registered */
	bool               c_closing; /* error reply queued: no more reads */
	bool               c_closed;
	bool               c_broken;  /* write failed outside progress: close soon */
	bool               c_on_resume;
	bool               c_dirty;   /* replies queued, not yet written (s_dirty) */
	struct net_sconn  *c_resume_next;
};

struct net_req {
	struct net_sconn *rq_conn;
	struct proto_hdr  rq_hdr;
	uint8_t          *rq_body;
	uint8_t          *rq_base;       /* the body's allocation */
	uint32_t          rq_acct_bytes; /* counted in c_inflight_bytes */
	uint32_t          rq_reply_mv;
};

struct net_server {
	int               s_lfd;
	int               s_epfd;
	int               s_evfd;
	uint16_t          s_port;
	net_handler_t     s_handler;
	void             *s_arg;
	struct net_sconn *s_conns[NET_CONN_MAX];
	uint32_t          s_conn_nr;
	uint32_t          s_zombie_nr;
	uint64_t          s_next_id;
	uint64_t          s_reqs_nr;
	uint64_t          s_refused;   /* messages refused by the framer or dispatch (conn_fail) */
	struct net_sconn *s_resume;
	bool              s_accept_paused;
	bool              s_shut;
	bool              s_in_progress;
	/* Connections with deferred replies (conn_ev_data; stale entries skipped). */
	uint64_t          s_dirty[NET_CONN_MAX];
	uint32_t          s_dirty_nr;
};

static uint64_t
conn_ev_data(const struct net_sconn *c)
{
	return c->c_id << 16 | c->c_slot;
}

static bool
conn_throttled(const struct net_sconn *c)
{
	return c->c_inflight >= NET_INFLIGHT_MAX || c->c_inflight_bytes >= NET_INFLIGHT_BYTES_MAX;
}

static void
srv_wake(struct net_server *srv)
{
	uint64_t one = 1;

	/* Fails only when the counter would overflow: it is already signalled. */
	if (write(srv->s_evfd, &one, sizeof(one)) < 0)
		D_DEBUG("eventfd write: %s\n", strerror(errno));
}

static void
conn_resume(struct net_sconn *c)
{
	if (c->c_on_resume || c->c_closed)
		return;
	c->c_on_resume   = true;
	c->c_resume_next = c->c_srv->s_resume;
	c->c_srv->s_resume = c;
	srv_wake(c->c_srv);
}

/* Register the interest the connection's state calls for (invariant 3). */
static void
conn_update_events(struct net_sconn *c)
{
	struct epoll_event ev = {0};
	uint32_t           want = 0;

	if (c->c_closed)
		return;
	if (!c->c_closing && !conn_throttled(c))
		want |= EPOLLIN;
	if (c->c_tx.tq_head != NULL)
		want |= EPOLLOUT;
	if (want == c->c_events)
		return;
	ev.events   = want;
	ev.data.u64 = conn_ev_data(c);
	if (epoll_ctl(c->c_srv->s_epfd, EPOLL_CTL_MOD, c->c_fd, &ev) != 0) {
		D_ERROR("epoll_ctl(MOD) for %s: %s\n", c->c_peer, strerror(errno));
		c->c_broken = true;
		conn_resume(c);
		return;
	}
	c->c_events = want;
}

static void
conn_free(struct net_sconn *c)
{
	net_rx_fini(&c->c_rx);
	net_txq_clear(&c->c_tx);
	free(c);
}

static void
conn_close(struct net_sconn *c)
{
	struct net_server *srv = c->c_srv;

	if (c->c_closed)
		return;
	if (c->c_on_resume) {
		struct net_sconn **pp = &srv->s_resume;

		while (*pp != c)
			pp = &(*pp)->c_resume_next;
		*pp            = c->c_resume_next;
		c->c_on_resume = false;
	}
	epoll_ctl(srv->s_epfd, EPOLL_CTL_DEL, c->c_fd, NULL);
	close(c->c_fd);
	c->c_fd     = -1;
	c->c_closed = true;
	srv->s_conns[c->c_slot] = NULL;
	srv->s_conn_nr--;
	/* Queued replies can no longer go out; buffers are not needed either. */
	net_txq_clear(&c->c_tx);
	net_rx_fini(&c->c_rx);
	if (srv->s_accept_paused && !srv->s_shut) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = NET_EV_LISTEN};

		if (epoll_ctl(srv->s_epfd, EPOLL_CTL_MOD, srv->s_lfd, &ev) == 0)
			srv->s_accept_paused = false;
	}
	if (c->c_refs == 0)
		conn_free(c);
	else
		srv->s_zombie_nr++; /* invariant 2 */
}

static void conn_flush(struct net_sconn *c);

/* Queue an error reply and close once it is flushed. */
static void
conn_fail(struct net_sconn *c, uint64_t rpc_id, uint16_t opcode, int status, const char *msg)
{
	struct proto_hdr h = {0};
	struct iovec     iov;
	struct net_sbuf *sb;
	size_t           len = strnlen(msg, NET_ERRMSG_MAX);

	c->c_srv->s_refused++;
	h.ph_magic   = PROTO_MAGIC;
	h.ph_version = PROTO_VERSION;
	h.ph_opcode  = opcode;
	h.ph_flags   = PROTO_F_REPLY;
	h.ph_status  = status;
	h.ph_rpc_id  = rpc_id;
	iov.iov_base = (void *)msg;
	iov.iov_len  = len;
	c->c_closing = true;
	if (net_sbuf_build(&h, &iov, len > 0 ? 1 : 0, &sb) != 0) {
		c->c_broken = true;
		return;
	}
	net_txq_push(&c->c_tx, sb);
	/* Unparsed bytes are after the bad message: meaningless now. */
	c->c_rx.rx_head = c->c_rx.rx_tail;
	conn_flush(c);
}

/* Write queued replies; account the completed ones (invariant 3). */
static void
conn_flush(struct net_sconn *c)
{
	struct net_tx_done done = {0};
	bool               was_throttled = conn_throttled(c);
	int                rc;

	rc = net_txq_flush(&c->c_tx, c->c_fd, &done);
	assert(c->c_inflight >= done.td_counted);
	assert(c->c_inflight_bytes >= done.td_counted_bytes);
	c->c_inflight -= done.td_counted;
	c->c_inflight_bytes -= done.td_counted_bytes;
	if (rc != 0) {
		D_DEBUG("send to %s failed: %s\n", c->c_peer, strerror(-rc));
		c->c_broken = true;
		return;
	}
	if (c->c_closing && c->c_tx.tq_head == NULL) {
		c->c_broken = true; /* error reply out: close now */
		return;
	}
	if (was_throttled && !conn_throttled(c) && net_rx_buffered(&c->c_rx))
		conn_resume(c);
	conn_update_events(c);
}

static int
conn_dispatch(struct net_sconn *c, struct net_msg *msg)
{
	struct net_server *srv = c->c_srv;
	struct net_req    *req;

	if (msg->m_hdr.ph_flags & PROTO_F_REPLY) {
		D_ERROR("%s sent a reply (rpc id %llu) as a request; closing\n", c->c_peer,
			(unsigned long long)msg->m_hdr.ph_rpc_id);
		conn_fail(c, msg->m_hdr.ph_rpc_id, msg->m_hdr.ph_opcode, -DER_PROTO,
			  "request has the reply flag set");
		free(msg->m_base);
		return -DER_PROTO;
	}
	req = malloc(sizeof(*req));
	if (req == NULL) {
		free(msg->m_base);
		return -DER_NOMEM;
	}
	req->rq_conn       = c;
	req->rq_hdr        = msg->m_hdr;
	req->rq_body       = msg->m_body;
	req->rq_base       = msg->m_base;
	req->rq_acct_bytes = msg->m_hdr.ph_body_len;
	req->rq_reply_mv   = msg->m_hdr.ph_map_version;
	c->c_refs++;
	c->c_inflight++;
	c->c_inflight_bytes += req->rq_acct_bytes;
	srv->s_reqs_nr++;
	srv->s_handler(srv->s_arg, req);
	return 0;
}

/*
 * Parse and dispatch buffered requests, reading more while allowed.
 * \return the number of requests dispatched.
 */
static int
conn_read(struct net_sconn *c, bool may_read)
{
	char     errbuf[NET_ERRMSG_MAX];
	int      dispatched = 0;
	int      rounds     = 0;
	uint64_t err_id;
	uint16_t err_op;

	while (!c->c_closing && !c->c_broken) {
		struct net_msg msg;
		ssize_t        n;
		int            rc;

		if (conn_throttled(c))
			break;
		rc = net_rx_next(&c->c_rx, &msg, errbuf, sizeof(errbuf), &err_id, &err_op);
		if (rc == 1) {
			rc = conn_dispatch(c, &msg);
			if (rc == 0)
				dispatched++;
			else if (rc == -DER_NOMEM)
				c->c_broken = true;
			continue;
		}
		if (rc == -DER_PROTO) {
			D_ERROR("bad message from %s: %s; closing\n", c->c_peer, errbuf);
			conn_fail(c, err_id, err_op, -DER_PROTO, errbuf);
			break;
		}
		if (rc < 0) {
			D_ERROR("cannot take a request from %s: " DF_RC "; closing\n", c->c_peer,
				DP_RC(rc));
			c->c_broken = true;
			break;
		}
		if (!may_read || rounds++ >= NET_RX_ROUNDS)
			break;
		n = net_rx_fill(&c->c_rx, c->c_fd);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n == 0) {
			if (net_rx_partial(&c->c_rx))
				D_ERROR("%s closed the connection in the middle of a message\n",
					c->c_peer);
			else
				D_DEBUG("%s closed the connection\n", c->c_peer);
			c->c_broken = true;
			break;
		}
		if (n < 0) {
			D_DEBUG("read from %s: %s\n", c->c_peer, strerror((int)-n));
			c->c_broken = true;
			break;
		}
	}
	if (!c->c_broken)
		conn_update_events(c);
	return dispatched;
}

static void
srv_accept(struct net_server *srv)
{
	for (int i = 0; i < NET_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t               sl = sizeof(ss);
		struct epoll_event      ev = {0};
		struct net_sconn       *c;
		char                    peer[NET_ADDR_STR_MAX];
		uint32_t                slot;
		int                     one = 1;
		int                     fd;

		fd = accept4(srv->s_lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			D_ERROR("accept on port %u: %s\n", srv->s_port, strerror(errno));
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Stop polling the listener until a connection closes, or the
				 * level-triggered event would spin. */
				ev.events   = 0;
				ev.data.u64 = NET_EV_LISTEN;
				if (epoll_ctl(srv->s_epfd, EPOLL_CTL_MOD, srv->s_lfd, &ev) == 0)
					srv->s_accept_paused = true;
			}
			return;
		}
		net_addr_format((struct sockaddr *)&ss, peer);
		if (srv->s_conn_nr + srv->s_zombie_nr >= NET_CONN_MAX) {
			D_ERROR("refusing %s on port %u: %u connections, the maximum (NET_CONN_MAX)\n",
				peer, srv->s_port, NET_CONN_MAX);
			close(fd);
			continue;
		}
		for (slot = 0; slot < NET_CONN_MAX && srv->s_conns[slot] != NULL; slot++)
			;
		assert(slot < NET_CONN_MAX); /* invariant 2 */
		c = calloc(1, sizeof(*c));
		if (c == NULL || net_rx_init(&c->c_rx) != 0) {
			D_ERROR("refusing %s: out of memory\n", peer);
			free(c);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->c_rx.rx_align = true; /* update data lands aligned: VOS writes from the body */
		c->c_srv  = srv;
		c->c_fd   = fd;
		c->c_slot = slot;
		c->c_id   = ++srv->s_next_id;
		memcpy(c->c_peer, peer, sizeof(peer));
		c->c_events = EPOLLIN;
		ev.events   = EPOLLIN;
		ev.data.u64 = conn_ev_data(c);
		if (epoll_ctl(srv->s_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			D_ERROR("refusing %s: epoll_ctl: %s\n", peer, strerror(errno));
			net_rx_fini(&c->c_rx);
			free(c);
			close(fd);
			continue;
		}
		srv->s_conns[slot] = c;
		srv->s_conn_nr++;
		D_DEBUG("accepted %s on port %u (connection %llu)\n", peer, srv->s_port,
			(unsigned long long)c->c_id);
	}
}

int
net_server_create(const char *ip, uint16_t port, net_handler_t handler, void *arg,
		  struct net_server **srvp, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t               sl;
	struct epoll_event      ev = {0};
	struct net_server      *srv;
	int                     one = 1;
	int                     rc;

	if (handler == NULL || srvp == NULL) {
		d_errbuf_printf(errbuf, errlen, "no handler or no result pointer");
		return -DER_INVAL;
	}
	if (net_addr_parse(ip, port, &ss, &sl) != 0) {
		d_errbuf_printf(errbuf, errlen, "\"%.64s\" is not an IPv4 or IPv6 address",
				ip == NULL ? "(null)" : ip);
		return -DER_INVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	srv->s_lfd     = -1;
	srv->s_evfd    = -1;
	srv->s_handler = handler;
	srv->s_arg     = arg;
	srv->s_epfd    = epoll_create1(EPOLL_CLOEXEC);
	if (srv->s_epfd < 0) {
		d_errbuf_printf(errbuf, errlen, "epoll_create1: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	srv->s_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->s_evfd < 0) {
		d_errbuf_printf(errbuf, errlen, "eventfd: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	srv->s_lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->s_lfd < 0) {
		d_errbuf_printf(errbuf, errlen, "socket: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	if (setsockopt(srv->s_lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
		d_errbuf_printf(errbuf, errlen, "SO_REUSEADDR: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	if (bind(srv->s_lfd, (struct sockaddr *)&ss, sl) != 0) {
		int err = errno;

		d_errbuf_printf(errbuf, errlen, "cannot bind %s port %u: %s", ip, port,
				strerror(err));
		rc = err == EADDRINUSE ? -DER_BUSY :
		     (err == EACCES || err == EPERM) ? -DER_NO_PERM :
		     err == EADDRNOTAVAIL ? -DER_INVAL : -DER_IO;
		goto out;
	}
	if (listen(srv->s_lfd, SOMAXCONN) != 0) {
		d_errbuf_printf(errbuf, errlen, "listen: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(srv->s_lfd, (struct sockaddr *)&ss, &sl) != 0) {
		d_errbuf_printf(errbuf, errlen, "getsockname: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	srv->s_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
						      ((struct sockaddr_in6 *)&ss)->sin6_port);
	ev.events   = EPOLLIN;
	ev.data.u64 = NET_EV_LISTEN;
	if (epoll_ctl(srv->s_epfd, EPOLL_CTL_ADD, srv->s_lfd, &ev) != 0) {
		d_errbuf_printf(errbuf, errlen, "epoll_ctl: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	ev.events   = EPOLLIN;
	ev.data.u64 = NET_EV_WAKE;
	if (epoll_ctl(srv->s_epfd, EPOLL_CTL_ADD, srv->s_evfd, &ev) != 0) {
		d_errbuf_printf(errbuf, errlen, "epoll_ctl: %s", strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	D_INFO("listening on %s port %u\n", ip, srv->s_port);
	*srvp = srv;
	return 0;
out:
	if (srv->s_lfd >= 0)
		close(srv->s_lfd);
	if (srv->s_evfd >= 0)
		close(srv->s_evfd);
	if (srv->s_epfd >= 0)
		close(srv->s_epfd);
	free(srv);
	return rc;
}

uint16_t
net_server_port(const struct net_server *srv)
{
	return srv->s_port;
}

int
net_server_fd(const struct net_server *srv)
{
	return srv->s_epfd;
}

uint64_t
net_server_refused(const struct net_server *srv)
{
	return srv->s_refused;
}

uint64_t
net_server_reqs_pending(const struct net_server *srv)
{
	return srv->s_reqs_nr;
}

/* Work queued outside epoll: throttled connections with buffered requests,
 * connections broken by net_reply() (invariant 4). */
static int
srv_run_resume(struct net_server *srv)
{
	struct net_sconn *list = srv->s_resume;
	int               dispatched = 0;
	uint64_t          cnt;

	if (read(srv->s_evfd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		D_DEBUG("eventfd read: %s\n", strerror(errno));
	srv->s_resume = NULL;
	while (list != NULL) {
		struct net_sconn *c = list;

		list             = c->c_resume_next;
		c->c_on_resume   = false;
		c->c_resume_next = NULL;
		if (!c->c_broken)
			dispatched += conn_read(c, false);
		if (c->c_broken)
			conn_close(c);
	}
	return dispatched;
}

/* Put c on the dirty list. \return false when the list is full (write now). */
static bool
srv_defer(struct net_sconn *c)
{
	struct net_server *srv = c->c_srv;

	if (c->c_dirty)
		return true;
	if (srv->s_dirty_nr == NET_CONN_MAX)
		return false;
	c->c_dirty                       = true;
	srv->s_dirty[srv->s_dirty_nr++] = conn_ev_data(c);
	return true;
}

void
net_server_flush(struct net_server *srv)
{
	uint32_t nr = srv->s_dirty_nr;

	srv->s_dirty_nr = 0;
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t          data = srv->s_dirty[i];
		struct net_sconn *c    = srv->s_conns[data & 0xffff];

		if (c == NULL || c->c_id != data >> 16 || !c->c_dirty)
			continue; /* closed meanwhile */
		c->c_dirty = false;
		if (c->c_closed)
			continue;
		conn_flush(c);
		if (c->c_broken)
			conn_resume(c); /* invariant 5: progress closes it */
	}
}

int
net_server_progress(struct net_server *srv, int timeout_ms)
{
	struct epoll_event evs[NET_EPOLL_EVENTS];
	int                dispatched = 0;
	int                n;

	assert(!srv->s_in_progress);
	if (srv->s_shut)
		return 0;
	net_server_flush(srv); /* replies made since the last round */
	n = epoll_wait(srv->s_epfd, evs, NET_EPOLL_EVENTS, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		D_ERROR("epoll_wait: %s\n", strerror(errno));
		return -DER_IO;
	}
	srv->s_in_progress = true;
	for (int i = 0; i < n; i++) {
		uint64_t          data = evs[i].data.u64;
		struct net_sconn *c;

		if (data == NET_EV_LISTEN) {
			srv_accept(srv);
			continue;
		}
		if (data == NET_EV_WAKE) {
			dispatched += srv_run_resume(srv);
			continue;
		}
		c = srv->s_conns[data & 0xffff];
		if (c == NULL || c->c_id != data >> 16)
			continue; /* invariant 1: closed meanwhile */
		if (evs[i].events & EPOLLOUT)
			conn_flush(c);
		if (!c->c_broken && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			dispatched += conn_read(c, true);
		if (!c->c_broken && (evs[i].events & (EPOLLHUP | EPOLLERR)) &&
		    !(evs[i].events & EPOLLIN))
			c->c_broken = true; /* throttled and the peer is gone */
		if (c->c_broken)
			conn_close(c);
	}
	srv->s_in_progress = false;
	net_server_flush(srv); /* the replies of this round, one write per connection */
	return dispatched;
}

void
net_server_shutdown(struct net_server *srv)
{
	if (srv->s_shut)
		return;
	srv->s_shut = true;
	epoll_ctl(srv->s_epfd, EPOLL_CTL_DEL, srv->s_lfd, NULL);
	close(srv->s_lfd);
	srv->s_lfd = -1;
	for (uint32_t i = 0; i < NET_CONN_MAX; i++) {
		if (srv->s_conns[i] != NULL)
			conn_close(srv->s_conns[i]);
	}
	D_INFO("server on port %u shut down, %llu requests still held by the handler\n",
	       srv->s_port, (unsigned long long)srv->s_reqs_nr);
}

void
net_server_destroy(struct net_server *srv)
{
	if (srv == NULL)
		return;
	/* Rule of net.h: requests answered after destroy would use freed memory. */
	assert(srv->s_reqs_nr == 0);
	net_server_shutdown(srv);
	assert(srv->s_conn_nr == 0 && srv->s_zombie_nr == 0);
	close(srv->s_evfd);
	close(srv->s_epfd);
	free(srv);
}

const struct proto_hdr *
net_req_hdr(const struct net_req *req)
{
	return &req->rq_hdr;
}

const uint8_t *
net_req_body(const struct net_req *req)
{
	return req->rq_body;
}

uint32_t
net_req_body_len(const struct net_req *req)
{
	return req->rq_hdr.ph_body_len;
}

uint64_t
net_req_conn_id(const struct net_req *req)
{
	return req->rq_conn->c_id;
}

const char *
net_req_peer(const struct net_req *req)
{
	return req->rq_conn->c_peer;
}

void
net_req_set_reply_map_version(struct net_req *req, uint32_t map_version)
{
	req->rq_reply_mv = map_version;
}

static int
reply(struct net_req *req, int status, const struct iovec *iov, int iovcnt, uintptr_t ref_lo,
      uintptr_t ref_hi, net_release_t release, void *arg)
{
	struct net_sconn  *c   = req->rq_conn;
	struct net_server *srv = c->c_srv;
	struct proto_hdr   h   = {0};
	struct net_sbuf   *sb  = NULL;
	int                rc  = 0;

	assert(srv->s_reqs_nr > 0 && c->c_refs > 0);
	srv->s_reqs_nr--;
	c->c_refs--;
	c->c_inflight_bytes -= req->rq_acct_bytes;
	if (c->c_closed) {
		/* The peer is gone: nobody to answer (invariant 2). */
		if (c->c_refs == 0) {
			srv->s_zombie_nr--;
			conn_free(c);
		}
		goto out;
	}

	h.ph_magic       = PROTO_MAGIC;
	h.ph_version     = PROTO_VERSION;
	h.ph_opcode      = req->rq_hdr.ph_opcode;
	h.ph_flags       = PROTO_F_REPLY;
	h.ph_rpc_id      = req->rq_hdr.ph_rpc_id;
	h.ph_map_version = req->rq_reply_mv;
	if (status > 0) {
		D_ERROR("handler replied to rpc %llu with a positive status %d\n",
			(unsigned long long)h.ph_rpc_id, status);
		rc = -DER_INVAL;
	} else {
		h.ph_status = status;
		rc = net_sbuf_build_ref(&h, iov, iovcnt, ref_lo, ref_hi, &sb);
		if (rc == 0 && sb->sb_ref) {
			/* The buffer frees the referenced memory once written or dropped. */
			sb->sb_release     = release;
			sb->sb_release_arg = arg;
			release            = NULL;
		}
		if (rc != 0 && rc != -DER_NOMEM)
			D_ERROR("reply to rpc %llu not sent: " DF_RC "\n",
				(unsigned long long)h.ph_rpc_id, DP_RC(rc));
	}
	if (rc == -DER_INVAL || rc == -DER_OVERFLOW) {
		/* Still answer, so that the client does not wait for its deadline. */
		h.ph_status = rc;
		if (net_sbuf_build(&h, NULL, 0, &sb) != 0)
			rc = -DER_NOMEM;
	}
	if (rc == -DER_NOMEM) {
		D_ERROR("no memory for the reply to rpc %llu from %s; closing\n",
			(unsigned long long)h.ph_rpc_id, c->c_peer);
		c->c_inflight--;
		c->c_broken = true;
		conn_resume(c); /* invariant 5: progress closes it */
		goto out;
	}
	sb->sb_counted = true;
	c->c_inflight_bytes += sb->sb_len;
	net_txq_push(&c->c_tx, sb);
	if (sb->sb_len < NET_TX_DEFER_MAX && srv_defer(c))
		goto out;
	conn_flush(c);
	if (c->c_broken)
		conn_resume(c); /* invariant 5: progress closes it */
out:
	if (release != NULL)
		release(arg); /* nothing of the caller's memory is referenced */
	free(req->rq_base);
	free(req);
	return rc;
}

int
net_reply(struct net_req *req, int status, const struct iovec *iov, int iovcnt)
{
	return reply(req, status, iov, iovcnt, 0, 0, NULL, NULL);
}

int
net_reply_ref(struct net_req *req, int status, const struct iovec *iov, int iovcnt,
	      const void *ref, size_t ref_len, net_release_t release, void *arg)
{
	uintptr_t lo = (uintptr_t)ref;

	if (release == NULL || (ref == NULL && ref_len > 0) || ref_len > UINTPTR_MAX - lo) {
		(void)reply(req, -DER_INVAL, NULL, 0, 0, 0, release, arg);
		return -DER_INVAL;
	}
	return reply(req, status, iov, iovcnt, lo, lo + ref_len, release, arg);
}
