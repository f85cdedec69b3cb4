/*
 * net_client.c: the client half of the transport (see net.h): a pool of one
 * TCP connection per peer, asynchronous calls matched to replies by rpc id,
 * deadlines, and a blocking wrapper.
 *
 * Call life:  submit --> on a connection (request queued/sent, awaiting reply)
 *                    \-> done list (reply, transport error, deadline, cancel)
 *             done list --> callback run by net_client_progress() --> freed
 *
 * Connection life: CONNECTING --(SO_ERROR 0)--> UP --(EOF, error, bad reply)--> freed
 *                  CONNECTING --(error, NET_CONNECT_TIMEOUT_MS)--> freed
 * A failed connection fails every call on it and is forgotten; the next call
 * to that peer makes a new one.
 *
 * Invariants:
 *  1. Everything below is guarded by cl_lock, except what the progress owner
 *     does without it: epoll_wait() and running callbacks of calls it took off
 *     the done list (which no one else can reach any more).
 *  2. A call is in exactly one place: on its connection's cn_calls list and in
 *     the id hash (cc_conn != NULL), or on the done list (cc_conn == NULL).
 *     cl_calls_nr counts both, so it stays <= NET_CALLS_MAX until callbacks ran.
 *  3. cc_sbuf is the call's request while it is queued and unsent; a request
 *     partly written when its call completes stays queued, ownerless, and is
 *     freed once written (the byte stream must stay whole); what it still
 *     references of the caller's memory (net_call_submit_ref()) is copied
 *     first (net_sbuf_detach()), so the callback may free that memory.
 *  4. epoll data is (cn_gen << 16 | slot); an event whose slot no longer holds
 *     that generation is stale and ignored.
 *  5. Only one thread (cl_busy, cl_owner) waits in epoll and handles events at
 *     a time; others wait on cl_cv until it has run its callbacks.
 *  6. cl_next_deadline_ns <= every deadline of a call or connection attempt.
 */
#define D_LOGFAC DD_FAC(net)

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/log.h"
#include "net/net_internal.h"

#define NET_EV_WAKE   UINT64_MAX
/** Buckets of the rpc id -> call hash (ids are sequential, so they spread evenly). */
#define NET_CALL_HASH 1024

struct net_cconn;

struct net_ccall {
	uint64_t          cc_id;
	uint16_t          cc_opcode;
	struct net_cconn *cc_conn;
	struct net_ccall *cc_hnext;
	struct net_ccall *cc_prev;
	struct net_ccall *cc_next; /* connection list, then done list */
	uint64_t          cc_deadline_ns;
	net_call_cb_t     cc_cb;
	void             *cc_arg;
	struct net_sbuf  *cc_sbuf;
	int               cc_status;
	bool              cc_has_reply;
	struct proto_hdr  cc_rhdr;
	uint8_t          *cc_rbody;
};

struct net_cconn {
	int                     cn_fd;
	uint32_t                cn_slot;
	uint64_t                cn_gen;
	struct sockaddr_storage cn_addr;
	socklen_t               cn_alen;
	char                    cn_peer[NET_ADDR_STR_MAX];
	bool                    cn_connecting;
	uint64_t                cn_connect_deadline_ns;
	uint32_t                cn_events;
	struct net_rx           cn_rx;
	struct net_txq          cn_tx;
	struct net_ccall       *cn_calls;
	bool                    cn_dirty; /* requests queued, not yet written (cl_dirty) */
};

struct net_client {
	pthread_mutex_t   cl_lock;
	pthread_cond_t    cl_cv;
	int               cl_epfd;
	int               cl_evfd;
	struct net_cconn *cl_conns[NET_CONN_MAX];
	uint32_t          cl_conn_nr;
	uint64_t          cl_next_gen;
	uint64_t          cl_next_id;
	struct net_ccall *cl_hash[NET_CALL_HASH];
	uint32_t          cl_calls_nr;
	struct net_ccall *cl_done_head;
	struct net_ccall *cl_done_tail;
	uint64_t          cl_next_deadline_ns;
	bool              cl_busy;
	bool              cl_waiting;      /* the owner is in epoll_wait() */
	uint64_t          cl_wait_until_ns; /* ... until then */
	pthread_t         cl_owner;
	uint64_t          cl_cb_gen;       /* bumped after each batch of callbacks */
	/* Connections with deferred requests (gen << 16 | slot; stale entries skipped). */
	uint64_t          cl_dirty[NET_CONN_MAX];
	uint32_t          cl_dirty_nr;
};

static void
cl_wake(struct net_client *cl)
{
	uint64_t one = 1;

	if (!cl->cl_waiting)
		return;
	if (write(cl->cl_evfd, &one, sizeof(one)) < 0)
		D_DEBUG("eventfd write: %s\n", strerror(errno));
}

static void
hash_del(struct net_client *cl, struct net_ccall *call)
{
	struct net_ccall **pp = &cl->cl_hash[call->cc_id % NET_CALL_HASH];

	while (*pp != NULL && *pp != call)
		pp = &(*pp)->cc_hnext;
	assert(*pp == call);
	*pp = call->cc_hnext;
	call->cc_hnext = NULL;
}

static struct net_ccall *
hash_find(struct net_client *cl, uint64_t id)
{
	struct net_ccall *call = cl->cl_hash[id % NET_CALL_HASH];

	while (call != NULL && call->cc_id != id)
		call = call->cc_hnext;
	return call;
}

/* Move a call from its connection to the done list (invariant 2). */
static void
call_complete(struct net_client *cl, struct net_ccall *call, int status)
{
	struct net_cconn *cn = call->cc_conn;

	assert(cn != NULL);
	hash_del(cl, call);
	if (call->cc_prev != NULL)
		call->cc_prev->cc_next = call->cc_next;
	else
		cn->cn_calls = call->cc_next;
	if (call->cc_next != NULL)
		call->cc_next->cc_prev = call->cc_prev;
	if (call->cc_sbuf != NULL && !net_txq_drop_unsent(&cn->cn_tx, call->cc_sbuf)) {
		/* Invariant 3: the caller's memory is free once the callback runs. */
		if (net_sbuf_detach(call->cc_sbuf) != 0) {
			/* The rest cannot go out: break the stream (the next send fails). */
			D_ERROR("no memory to finish a request to %s; closing\n", cn->cn_peer);
			(void)shutdown(cn->cn_fd, SHUT_RDWR);
			call->cc_sbuf->sb_nseg = 0;
		}
		call->cc_sbuf->sb_owner = NULL;
		call->cc_sbuf           = NULL;
	}
	assert(call->cc_sbuf == NULL);
	call->cc_conn   = NULL;
	call->cc_prev   = NULL;
	call->cc_next   = NULL;
	call->cc_status = status;
	if (cl->cl_done_tail == NULL)
		cl->cl_done_head = call;
	else
		cl->cl_done_tail->cc_next = call;
	cl->cl_done_tail = call;
	cl_wake(cl);
}

/* A call that never reached a connection: straight to the done list. */
static void
call_fail_unattached(struct net_client *cl, struct net_ccall *call, int status)
{
	call->cc_status = status;
	call->cc_next   = NULL;
	if (cl->cl_done_tail == NULL)
		cl->cl_done_head = call;
	else
		cl->cl_done_tail->cc_next = call;
	cl->cl_done_tail = call;
	cl_wake(cl);
}

static void
call_free(struct net_ccall *call)
{
	assert(call->cc_sbuf == NULL);
	free(call->cc_rbody);
	free(call);
}

/* Fail every call of the connection and forget it. */
static void
conn_break(struct net_client *cl, struct net_cconn *cn, int status)
{
	/* Requests first: nothing unsent needs detaching from the callers' memory. */
	net_txq_clear(&cn->cn_tx);
	while (cn->cn_calls != NULL)
		call_complete(cl, cn->cn_calls, status);
	epoll_ctl(cl->cl_epfd, EPOLL_CTL_DEL, cn->cn_fd, NULL);
	close(cn->cn_fd);
	net_rx_fini(&cn->cn_rx);
	cl->cl_conns[cn->cn_slot] = NULL;
	cl->cl_conn_nr--;
	free(cn);
}

/* \return 0, or -DER_UNREACH after breaking (freeing) cn. */
static int
conn_update_events(struct net_client *cl, struct net_cconn *cn)
{
	struct epoll_event ev = {0};
	uint32_t           want = EPOLLIN;

	if (cn->cn_connecting || cn->cn_tx.tq_head != NULL)
		want |= EPOLLOUT;
	if (want == cn->cn_events)
		return 0;
	ev.events   = want;
	ev.data.u64 = cn->cn_gen << 16 | cn->cn_slot;
	if (epoll_ctl(cl->cl_epfd, EPOLL_CTL_MOD, cn->cn_fd, &ev) != 0) {
		D_ERROR("epoll_ctl(MOD) for %s: %s\n", cn->cn_peer, strerror(errno));
		conn_break(cl, cn, -DER_UNREACH);
		return -DER_UNREACH;
	}
	cn->cn_events = want;
	return 0;
}

/* Send what the socket takes. \return 0, or -DER_UNREACH after breaking cn. */
static int
conn_flush(struct net_client *cl, struct net_cconn *cn)
{
	int rc;

	if (cn->cn_connecting)
		return 0;
	rc = net_txq_flush(&cn->cn_tx, cn->cn_fd, NULL);
	if (rc != 0) {
		D_ERROR("send to %s failed: %s\n", cn->cn_peer, strerror(-rc));
		conn_break(cl, cn, -DER_UNREACH);
		return -DER_UNREACH;
	}
	return conn_update_events(cl, cn);
}

/*
 * Find or make the connection to ss.
 * \return 0 and *out, -DER_AGAIN (NET_CONN_MAX peers), -DER_NOMEM, or
 *         -DER_UNREACH (the connection failed at once; logged).
 */
static int
conn_get(struct net_client *cl, const struct sockaddr_storage *ss, socklen_t sl,
	 struct net_cconn **out)
{
	struct epoll_event ev = {0};
	struct net_cconn  *cn;
	uint32_t           slot = NET_CONN_MAX;
	int                one  = 1;
	int                rc;

	for (uint32_t i = 0; i < NET_CONN_MAX; i++) {
		cn = cl->cl_conns[i];
		if (cn == NULL) {
			if (slot == NET_CONN_MAX)
				slot = i;
			continue;
		}
		if (cn->cn_alen == sl && memcmp(&cn->cn_addr, ss, sl) == 0) {
			*out = cn;
			return 0;
		}
	}
	if (slot == NET_CONN_MAX) {
		D_ERROR("cannot connect: %u peers connected, the maximum (NET_CONN_MAX)\n",
			NET_CONN_MAX);
		return -DER_AGAIN;
	}
	cn = calloc(1, sizeof(*cn));
	if (cn == NULL)
		return -DER_NOMEM;
	rc = net_rx_init(&cn->cn_rx);
	if (rc != 0) {
		free(cn);
		return rc;
	}
	memcpy(&cn->cn_addr, ss, sl);
	cn->cn_alen = sl;
	cn->cn_slot = slot;
	cn->cn_gen  = ++cl->cl_next_gen;
	net_addr_format((const struct sockaddr *)ss, cn->cn_peer);
	cn->cn_fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cn->cn_fd < 0) {
		D_ERROR("socket for %s: %s\n", cn->cn_peer, strerror(errno));
		rc = errno == ENOMEM || errno == ENOBUFS ? -DER_NOMEM : -DER_UNREACH;
		goto err;
	}
	/* Small RPCs must not wait for Nagle. */
	setsockopt(cn->cn_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(cn->cn_fd, (const struct sockaddr *)ss, sl) == 0) {
		cn->cn_connecting = false;
	} else if (errno == EINPROGRESS) {
		cn->cn_connecting          = true;
		cn->cn_connect_deadline_ns =
		    net_now_ns() + (uint64_t)NET_CONNECT_TIMEOUT_MS * 1000000ull;
		if (cn->cn_connect_deadline_ns < cl->cl_next_deadline_ns)
			cl->cl_next_deadline_ns = cn->cn_connect_deadline_ns;
	} else {
		D_ERROR("cannot connect to %s: %s\n", cn->cn_peer, strerror(errno));
		rc = -DER_UNREACH;
		goto err_fd;
	}
	cn->cn_events = EPOLLIN | (cn->cn_connecting ? EPOLLOUT : 0);
	ev.events     = cn->cn_events;
	ev.data.u64   = cn->cn_gen << 16 | cn->cn_slot;
	if (epoll_ctl(cl->cl_epfd, EPOLL_CTL_ADD, cn->cn_fd, &ev) != 0) {
		D_ERROR("epoll_ctl(ADD) for %s: %s\n", cn->cn_peer, strerror(errno));
		rc = -DER_UNREACH;
		goto err_fd;
	}
	cl->cl_conns[slot] = cn;
	cl->cl_conn_nr++;
	D_DEBUG("connecting to %s\n", cn->cn_peer);
	*out = cn;
	return 0;
err_fd:
	close(cn->cn_fd);
err:
	net_rx_fini(&cn->cn_rx);
	free(cn);
	return rc;
}

int
net_client_create(struct net_client **clp)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = NET_EV_WAKE};
	pthread_condattr_t ca;
	struct net_client *cl;
	int                rc;

	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return -DER_NOMEM;
	cl->cl_evfd             = -1;
	cl->cl_next_deadline_ns = UINT64_MAX;
	cl->cl_epfd             = epoll_create1(EPOLL_CLOEXEC);
	if (cl->cl_epfd < 0) {
		D_ERROR("epoll_create1: %s\n", strerror(errno));
		rc = -DER_IO;
		goto err;
	}
	cl->cl_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (cl->cl_evfd < 0 || epoll_ctl(cl->cl_epfd, EPOLL_CTL_ADD, cl->cl_evfd, &ev) != 0) {
		D_ERROR("eventfd: %s\n", strerror(errno));
		rc = -DER_IO;
		goto err;
	}
	if (pthread_mutex_init(&cl->cl_lock, NULL) != 0) {
		rc = -DER_NOMEM;
		goto err;
	}
	if (pthread_condattr_init(&ca) != 0) {
		rc = -DER_NOMEM;
		goto err_mutex;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&cl->cl_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		rc = -DER_NOMEM;
		goto err_mutex;
	}
	*clp = cl;
	return 0;
err_mutex:
	pthread_mutex_destroy(&cl->cl_lock);
err:
	if (cl->cl_evfd >= 0)
		close(cl->cl_evfd);
	if (cl->cl_epfd >= 0)
		close(cl->cl_epfd);
	free(cl);
	return rc;
}

/* Run the callbacks of a list taken off the done list, free the calls. */
static int
run_callbacks(struct net_client *cl, struct net_ccall *list)
{
	int nr = 0;

	while (list != NULL) {
		struct net_ccall *call = list;

		list = call->cc_next;
		call->cc_cb(call->cc_arg, call->cc_status,
			    call->cc_has_reply ? &call->cc_rhdr : NULL,
			    call->cc_has_reply ? call->cc_rbody : NULL,
			    call->cc_has_reply ? call->cc_rhdr.ph_body_len : 0);
		call_free(call);
		nr++;
	}
	pthread_mutex_lock(&cl->cl_lock);
	assert(cl->cl_calls_nr >= (uint32_t)nr);
	cl->cl_calls_nr -= (uint32_t)nr;
	pthread_mutex_unlock(&cl->cl_lock);
	return nr;
}

static struct net_ccall *
take_done(struct net_client *cl)
{
	struct net_ccall *list = cl->cl_done_head;

	cl->cl_done_head = NULL;
	cl->cl_done_tail = NULL;
	return list;
}

void
net_client_destroy(struct net_client *cl)
{
	struct net_ccall *list;

	if (cl == NULL)
		return;
	pthread_mutex_lock(&cl->cl_lock);
	assert(!cl->cl_busy);
	for (uint32_t i = 0; i < NET_CONN_MAX; i++) {
		if (cl->cl_conns[i] != NULL)
			conn_break(cl, cl->cl_conns[i], -DER_CANCELED);
	}
	list = take_done(cl);
	pthread_mutex_unlock(&cl->cl_lock);
	run_callbacks(cl, list);
	assert(cl->cl_calls_nr == 0);
	pthread_cond_destroy(&cl->cl_cv);
	pthread_mutex_destroy(&cl->cl_lock);
	close(cl->cl_evfd);
	close(cl->cl_epfd);
	free(cl);
}

static int
call_submit(struct net_client *cl, const char *ip, uint16_t port, uint16_t opcode,
	    uint32_t map_version, const struct iovec *req_iov, int req_iovcnt, bool ref,
	    uint32_t timeout_ms, net_call_cb_t cb, void *cb_arg, uint64_t *handle)
{
	struct sockaddr_storage ss;
	socklen_t               sl;
	struct proto_hdr        h = {0};
	struct net_ccall       *call;
	struct net_cconn       *cn = NULL;
	int                     rc;

	if (cl == NULL || cb == NULL || port == 0 || timeout_ms == 0 ||
	    timeout_ms > NET_CALL_TIMEOUT_MAX_MS || proto_opcode_name(opcode) == NULL ||
	    req_iovcnt < 0 || req_iovcnt > NET_IOV_MAX)
		return -DER_INVAL;
	if (net_addr_parse(ip, port, &ss, &sl) != 0)
		return -DER_INVAL;
	call = calloc(1, sizeof(*call));
	if (call == NULL)
		return -DER_NOMEM;

	pthread_mutex_lock(&cl->cl_lock);
	if (cl->cl_calls_nr >= NET_CALLS_MAX) {
		pthread_mutex_unlock(&cl->cl_lock);
		free(call);
		return -DER_AGAIN;
	}
	cl->cl_calls_nr++; /* reserve the slot; released on error below */
	call->cc_id = ++cl->cl_next_id;
	pthread_mutex_unlock(&cl->cl_lock);

	/* Build (copy) the body outside the lock: it may be tens of MiB. */
	h.ph_magic       = PROTO_MAGIC;
	h.ph_version     = PROTO_VERSION;
	h.ph_opcode      = opcode;
	h.ph_rpc_id      = call->cc_id;
	h.ph_map_version = map_version;
	rc = net_sbuf_build_ref(&h, req_iov, req_iovcnt, 0, ref ? UINTPTR_MAX : 0, &call->cc_sbuf);
	pthread_mutex_lock(&cl->cl_lock);
	if (rc != 0)
		goto err;
	call->cc_opcode      = opcode;
	call->cc_cb          = cb;
	call->cc_arg         = cb_arg;
	call->cc_deadline_ns = net_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	call->cc_sbuf->sb_owner = &call->cc_sbuf;

	rc = conn_get(cl, &ss, sl, &cn);
	if (rc == -DER_UNREACH) {
		/* Reported through the callback like any transport failure. */
		net_sbuf_free(call->cc_sbuf); /* clears cc_sbuf (its owner) */
		call_fail_unattached(cl, call, rc);
		goto out;
	}
	if (rc != 0) {
		net_sbuf_free(call->cc_sbuf);
		goto err;
	}
	call->cc_conn = cn;
	call->cc_next = cn->cn_calls;
	if (cn->cn_calls != NULL)
		cn->cn_calls->cc_prev = call;
	cn->cn_calls  = call;
	call->cc_hnext = cl->cl_hash[call->cc_id % NET_CALL_HASH];
	cl->cl_hash[call->cc_id % NET_CALL_HASH] = call;
	net_txq_push(&cn->cn_tx, call->cc_sbuf);
	if (call->cc_deadline_ns < cl->cl_next_deadline_ns)
		cl->cl_next_deadline_ns = call->cc_deadline_ns;
	/* The waiting thread must recompute its epoll timeout. */
	if (cl->cl_waiting && call->cc_deadline_ns < cl->cl_wait_until_ns)
		cl_wake(cl);
	/*
	 * A small request waits for the caller's next progress, which writes all the
	 * requests of a round to a peer at once, unless a thread already waits in
	 * progress (it would not see it) or the dirty list is full.
	 */
	if (!cl->cl_waiting && call->cc_sbuf->sb_len < NET_TX_DEFER_MAX &&
	    (cn->cn_dirty || cl->cl_dirty_nr < NET_CONN_MAX)) {
		if (!cn->cn_dirty) {
			cn->cn_dirty                    = true;
			cl->cl_dirty[cl->cl_dirty_nr++] = cn->cn_gen << 16 | cn->cn_slot;
		}
	} else {
		conn_flush(cl, cn); /* a failure completes the call through the done list */
	}
out:
	if (handle != NULL)
		*handle = call->cc_id;
	pthread_mutex_unlock(&cl->cl_lock);
	return 0;
err:
	cl->cl_calls_nr--;
	pthread_mutex_unlock(&cl->cl_lock);
	free(call);
	return rc;
}

int
net_call_submit(struct net_client *cl, const char *ip, uint16_t port, uint16_t opcode,
		uint32_t map_version, const struct iovec *req_iov, int req_iovcnt,
		uint32_t timeout_ms, net_call_cb_t cb, void *cb_arg, uint64_t *handle)
{
	return call_submit(cl, ip, port, opcode, map_version, req_iov, req_iovcnt, false,
			   timeout_ms, cb, cb_arg, handle);
}

int
net_call_submit_ref(struct net_client *cl, const char *ip, uint16_t port, uint16_t opcode,
		    uint32_t map_version, const struct iovec *req_iov, int req_iovcnt,
		    uint32_t timeout_ms, net_call_cb_t cb, void *cb_arg, uint64_t *handle)
{
	return call_submit(cl, ip, port, opcode, map_version, req_iov, req_iovcnt, true,
			   timeout_ms, cb, cb_arg, handle);
}

int
net_call_cancel(struct net_client *cl, uint64_t handle)
{
	struct net_ccall *call;
	int               rc = 0;

	pthread_mutex_lock(&cl->cl_lock);
	call = hash_find(cl, handle);
	if (call == NULL)
		rc = -DER_NONEXIST;
	else
		call_complete(cl, call, -DER_CANCELED);
	pthread_mutex_unlock(&cl->cl_lock);
	return rc;
}

static void
conn_on_reply(struct net_client *cl, struct net_cconn *cn, struct net_msg *msg)
{
	struct net_ccall *call;
	int               status;

	call = hash_find(cl, msg->m_hdr.ph_rpc_id);
	if (call == NULL || call->cc_conn != cn) {
		/* Timed out or cancelled meanwhile. */
		D_DEBUG("dropping a reply from %s to rpc %llu: no such call\n", cn->cn_peer,
			(unsigned long long)msg->m_hdr.ph_rpc_id);
		free(msg->m_base);
		return;
	}
	status = msg->m_hdr.ph_status;
	if (msg->m_hdr.ph_opcode != call->cc_opcode && status != -DER_PROTO) {
		D_ERROR("%s answered rpc %llu (%s) with opcode %s\n", cn->cn_peer,
			(unsigned long long)call->cc_id, proto_opcode_name(call->cc_opcode),
			proto_opcode_name(msg->m_hdr.ph_opcode));
		free(msg->m_base);
		call_complete(cl, call, -DER_PROTO);
		return;
	}
	if (status == -DER_PROTO)
		D_ERROR("%s refused rpc %llu (%s): %.*s\n", cn->cn_peer,
			(unsigned long long)call->cc_id, proto_opcode_name(call->cc_opcode),
			(int)(msg->m_hdr.ph_body_len < NET_ERRMSG_MAX ? msg->m_hdr.ph_body_len :
									 NET_ERRMSG_MAX),
			(const char *)msg->m_body);
	call->cc_has_reply = true;
	call->cc_rhdr      = msg->m_hdr;
	/* A client's receiver never offsets bodies (rx_align is false): free(cc_rbody) is right. */
	assert(msg->m_base == msg->m_body);
	call->cc_rbody     = msg->m_body;
	call_complete(cl, call, status);
}

/* Read and match replies. \return false when cn was broken (and freed). */
static bool
conn_read(struct net_client *cl, struct net_cconn *cn)
{
	char     errbuf[NET_ERRMSG_MAX];
	uint64_t err_id;
	uint16_t err_op;

	for (int rounds = 0;;) {
		struct net_msg msg;
		ssize_t        n;
		int            rc;

		rc = net_rx_next(&cn->cn_rx, &msg, errbuf, sizeof(errbuf), &err_id, &err_op);
		if (rc == 1) {
			if (!(msg.m_hdr.ph_flags & PROTO_F_REPLY)) {
				D_ERROR("%s sent a request (rpc %llu) on a client connection; "
					"closing\n", cn->cn_peer,
					(unsigned long long)msg.m_hdr.ph_rpc_id);
				free(msg.m_base);
				conn_break(cl, cn, -DER_PROTO);
				return false;
			}
			conn_on_reply(cl, cn, &msg);
			continue;
		}
		if (rc < 0) {
			if (rc == -DER_PROTO)
				D_ERROR("incompatible or corrupt reply from %s: %s; closing\n",
					cn->cn_peer, errbuf);
			else
				D_ERROR("cannot take a reply from %s: " DF_RC "; closing\n",
					cn->cn_peer, DP_RC(rc));
			conn_break(cl, cn, rc);
			return false;
		}
		if (rounds++ >= NET_RX_ROUNDS)
			return true;
		n = net_rx_fill(&cn->cn_rx, cn->cn_fd);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return true;
		if (n <= 0) {
			if (cn->cn_calls != NULL || net_rx_partial(&cn->cn_rx))
				D_ERROR("connection to %s lost: %s\n", cn->cn_peer,
					n == 0 ? "closed by the peer" : strerror((int)-n));
			else
				D_DEBUG("idle connection to %s closed\n", cn->cn_peer);
			conn_break(cl, cn, -DER_UNREACH);
			return false;
		}
	}
}

static void
conn_event(struct net_client *cl, struct net_cconn *cn, uint32_t events)
{
	if (cn->cn_connecting) {
		int       err = 0;
		socklen_t el  = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(cn->cn_fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
			err = errno;
		if (err != 0) {
			D_ERROR("cannot connect to %s: %s\n", cn->cn_peer, strerror(err));
			conn_break(cl, cn, -DER_UNREACH);
			return;
		}
		cn->cn_connecting = false;
		D_DEBUG("connected to %s\n", cn->cn_peer);
		events |= EPOLLOUT;
	}
	if ((events & EPOLLOUT) && conn_flush(cl, cn) != 0)
		return;
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !conn_read(cl, cn))
		return;
	conn_update_events(cl, cn);
}

/* Fail what is past its deadline; recompute cl_next_deadline_ns (invariant 6). */
static void
expire(struct net_client *cl, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	if (now < cl->cl_next_deadline_ns)
		return;
	for (uint32_t i = 0; i < NET_CONN_MAX; i++) {
		struct net_cconn *cn = cl->cl_conns[i];
		struct net_ccall *call;
		struct net_ccall *nx;

		if (cn == NULL)
			continue;
		for (call = cn->cn_calls; call != NULL; call = nx) {
			nx = call->cc_next;
			if (call->cc_deadline_ns <= now) {
				D_DEBUG("rpc %llu (%s) to %s timed out\n",
					(unsigned long long)call->cc_id,
					proto_opcode_name(call->cc_opcode), cn->cn_peer);
				call_complete(cl, call, -DER_TIMEDOUT);
			} else if (call->cc_deadline_ns < next) {
				next = call->cc_deadline_ns;
			}
		}
		if (cn->cn_connecting) {
			if (cn->cn_connect_deadline_ns <= now) {
				D_ERROR("cannot connect to %s: no answer in %d ms\n", cn->cn_peer,
					NET_CONNECT_TIMEOUT_MS);
				conn_break(cl, cn, -DER_UNREACH);
			} else if (cn->cn_connect_deadline_ns < next) {
				next = cn->cn_connect_deadline_ns;
			}
		}
	}
	cl->cl_next_deadline_ns = next;
}

static void
abs_timespec(uint64_t deadline_ns, struct timespec *ts)
{
	ts->tv_sec  = (time_t)(deadline_ns / 1000000000ull);
	ts->tv_nsec = (long)(deadline_ns % 1000000000ull);
}

/* Write the requests deferred by net_call_submit() (cl_lock held). */
static void
cl_flush_dirty(struct net_client *cl)
{
	uint32_t nr = cl->cl_dirty_nr;

	cl->cl_dirty_nr = 0;
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t          data = cl->cl_dirty[i];
		struct net_cconn *cn   = cl->cl_conns[data & 0xffff];

		if (cn == NULL || cn->cn_gen != data >> 16 || !cn->cn_dirty)
			continue; /* closed meanwhile */
		cn->cn_dirty = false;
		(void)conn_flush(cl, cn); /* a failure completes its calls */
	}
}

int
net_client_progress(struct net_client *cl, uint32_t timeout_ms)
{
	struct epoll_event evs[NET_EPOLL_EVENTS];
	struct net_ccall  *list;
	uint64_t           now      = net_now_ns();
	uint64_t           until_ns = now + (uint64_t)timeout_ms * 1000000ull;
	uint64_t           cnt;
	int                wait_ms;
	int                n;
	int                nr;

	pthread_mutex_lock(&cl->cl_lock);
	if (cl->cl_busy) {
		uint64_t        gen = cl->cl_cb_gen;
		struct timespec ts;

		/* Invariant 5: a callback calling us, or another thread owns the loop. */
		if (pthread_equal(cl->cl_owner, pthread_self()) || timeout_ms == 0) {
			pthread_mutex_unlock(&cl->cl_lock);
			return 0;
		}
		abs_timespec(until_ns, &ts);
		while (cl->cl_busy && cl->cl_cb_gen == gen) {
			if (pthread_cond_timedwait(&cl->cl_cv, &cl->cl_lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&cl->cl_lock);
		return 0;
	}
	cl->cl_busy  = true;
	cl->cl_owner = pthread_self();
	cl_flush_dirty(cl);
	if (cl->cl_done_head != NULL) {
		wait_ms = 0;
	} else {
		uint64_t end = until_ns < cl->cl_next_deadline_ns ? until_ns :
								     cl->cl_next_deadline_ns;

		/* Round up so that a deadline is past when we wake. */
		wait_ms = end <= now ? 0 : (int)((end - now + 999999) / 1000000);
	}
	cl->cl_waiting       = wait_ms > 0;
	cl->cl_wait_until_ns = now + (uint64_t)wait_ms * 1000000ull;
	pthread_mutex_unlock(&cl->cl_lock);

	n = epoll_wait(cl->cl_epfd, evs, NET_EPOLL_EVENTS, wait_ms);
	if (n < 0) {
		if (errno != EINTR)
			D_ERROR("epoll_wait: %s\n", strerror(errno));
		n = 0; /* deadlines still expire below */
	}

	pthread_mutex_lock(&cl->cl_lock);
	cl->cl_waiting = false;
	for (int i = 0; i < n; i++) {
		uint64_t          data = evs[i].data.u64;
		struct net_cconn *cn;

		if (data == NET_EV_WAKE) {
			if (read(cl->cl_evfd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
				D_DEBUG("eventfd read: %s\n", strerror(errno));
			continue;
		}
		cn = cl->cl_conns[data & 0xffff];
		if (cn == NULL || cn->cn_gen != data >> 16)
			continue; /* invariant 4 */
		conn_event(cl, cn, evs[i].events);
	}
	expire(cl, net_now_ns());
	list = take_done(cl);
	pthread_mutex_unlock(&cl->cl_lock);

	nr = run_callbacks(cl, list);

	pthread_mutex_lock(&cl->cl_lock);
	cl->cl_busy = false;
	cl->cl_cb_gen++;
	pthread_cond_broadcast(&cl->cl_cv);
	pthread_mutex_unlock(&cl->cl_lock);
	return nr;
}

struct net_call_wait {
	bool                   cw_done;
	int                    cw_status;
	struct net_call_reply *cw_reply;
};

static void
net_call_wait_cb(void *arg, int status, const struct proto_hdr *reply_hdr, const uint8_t *body,
		 uint32_t len)
{
	struct net_call_wait *w = arg;

	w->cw_status = status;
	if (reply_hdr == NULL)
		goto out;
	w->cw_reply = malloc(sizeof(*w->cw_reply));
	if (w->cw_reply == NULL) {
		w->cw_status = -DER_NOMEM;
		goto out;
	}
	w->cw_reply->cr_hdr  = *reply_hdr;
	w->cw_reply->cr_len  = len;
	w->cw_reply->cr_body = NULL;
	if (len > 0) {
		w->cw_reply->cr_body = malloc((size_t)len + 1);
		if (w->cw_reply->cr_body == NULL) {
			free(w->cw_reply);
			w->cw_reply  = NULL;
			w->cw_status = -DER_NOMEM;
			goto out;
		}
		memcpy(w->cw_reply->cr_body, body, len);
		w->cw_reply->cr_body[len] = '\0';
	}
out:
	/* Last: the waiting thread may return (and its frame vanish) once it sees it. */
	__atomic_store_n(&w->cw_done, true, __ATOMIC_RELEASE);
}

int
net_call(struct net_client *cl, const char *ip, uint16_t port, uint16_t opcode,
	 uint32_t map_version, const struct iovec *req_iov, int req_iovcnt, uint32_t timeout_ms,
	 struct net_call_reply **reply)
{
	struct net_call_wait w = {0};
	bool                 own;
	int                  rc;

	if (reply != NULL)
		*reply = NULL;
	pthread_mutex_lock(&cl->cl_lock);
	own = cl->cl_busy && pthread_equal(cl->cl_owner, pthread_self());
	pthread_mutex_unlock(&cl->cl_lock);
	if (own)
		return -DER_BUSY; /* from a callback: progress cannot be driven here */
	rc = net_call_submit(cl, ip, port, opcode, map_version, req_iov, req_iovcnt, timeout_ms,
			     net_call_wait_cb, &w, NULL);
	if (rc != 0)
		return rc;
	/* The call's own deadline bounds this loop: it always completes. */
	while (!__atomic_load_n(&w.cw_done, __ATOMIC_ACQUIRE))
		net_client_progress(cl, timeout_ms);
	if (reply != NULL)
		*reply = w.cw_reply;
	else
		net_reply_free(w.cw_reply);
	return w.cw_status;
}

void
net_reply_free(struct net_call_reply *reply)
{
	if (reply == NULL)
		return;
	free(reply->cr_body);
	free(reply);
}
