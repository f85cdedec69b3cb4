/*
 * agent_srv.c: daos_agent's loop, connections and workers (agent.h).
 *
 * The loop thread owns an epoll set with: the listening socket (agent_sock.c),
 * one socket per client, an eventfd the workers signal when jobs are done, an
 * eventfd for agent_stop(), a signalfd (SIGTERM/SIGINT stop, SIGUSR2 refresh)
 * and a timer (stall checks, the map version check).
 *
 * A connection goes
 *
 *     HDR --4 bytes--> BODY --n bytes--> PENDING --result--> WRITE --sent--> HDR
 *                                  \_____cached attach info__/
 *
 * and is read only in HDR and BODY: one request at a time, so a client that
 * sends many is held back by the socket buffers. A bad frame or request gets
 * an error reply and the connection is closed once it is sent.
 *
 * Jobs: a call goes to the bounded call queue (-DER_AGAIN when full); the
 * attach-info fetch is a single slot served first, and worker 0 serves only
 * that slot, so attach info is fetched even when every other worker waits on
 * a slow server. get_attach_info requests that need a fetch wait on one of two
 * lists: "current" (the fetch in flight will do) and "next" (they need a fetch
 * that starts after them: refresh, or caching off); when a fetch ends, the
 * current list is answered and the next list becomes current with a new fetch.
 *
 * Invariants:
 *   1. Only the loop thread touches connections, the cache, the wait lists and
 *      the blobs; workers touch only their job and, under a_qlock, the queues.
 *   2. a_attach_blob != NULL iff a_cache.ac_info != NULL, and it is that info
 *      encoded as a reply ({"status":0, ...}).
 *   3. A connection is PENDING iff it is on a wait list or a call job names it
 *      (slot and serial); a job whose connection is gone is dropped on return.
 *   4. a_fetching iff a fetch job exists (queued or running); at most one.
 *   5. a_rx_bytes is the sum of the body buffers being received.
 */
#define D_LOGFAC DD_FAC(agent)

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "agent/agent.h"

/** Events taken per epoll_wait. */
#define AGENT_EVENTS_MAX     64

/* epoll ids: a connection is (serial << 16) | slot; the others have serial 0. */
#define ID_LISTEN (AGENT_CONN_MAX + 1)
#define ID_DONE   (AGENT_CONN_MAX + 2)
#define ID_STOP   (AGENT_CONN_MAX + 3)
#define ID_SIGNAL (AGENT_CONN_MAX + 4)
#define ID_TIMER  (AGENT_CONN_MAX + 5)
#define ID_SLOT_BITS 16
_Static_assert(ID_TIMER < (1u << ID_SLOT_BITS), "connection slots must fit the id");

/* An encoded reply shared by the connections sending it (loop thread only). */
struct agent_blob {
	uint32_t ab_ref;
	size_t   ab_len;
	uint8_t  ab_data[];
};

enum conn_state { CONN_HDR, CONN_BODY, CONN_PENDING, CONN_WRITE };
enum conn_wait { WAIT_NONE, WAIT_CUR, WAIT_NEXT };

struct agent_conn {
	int                c_fd;
	uint32_t           c_slot;
	uint64_t           c_serial;
	enum conn_state    c_state;
	uint32_t           c_events;    /* epoll mask now registered */
	uint8_t            c_hdr[AGENT_PROTO_HDR_SIZE];
	uint32_t           c_hdr_got;
	uint8_t           *c_body;
	uint32_t           c_body_len;
	uint32_t           c_body_got;
	struct agent_blob *c_out;
	size_t             c_out_off;
	bool               c_close_after;
	uint64_t           c_progress_ms; /* last byte moved */
	int                c_pid;
	unsigned int       c_uid;
	unsigned int       c_gid;
	enum conn_wait     c_wait;
	struct agent_conn *c_wprev;
	struct agent_conn *c_wnext;
};

struct agent_waitlist {
	struct agent_conn *wl_head;
	struct agent_conn *wl_tail;
};

enum job_kind { JOB_FETCH, JOB_CALL };

struct agent_job {
	struct agent_job *j_next;
	enum job_kind     j_kind;
	uint32_t          j_slot;
	uint64_t          j_serial;
	const char       *j_method;     /* static: from the whitelist */
	bool              j_idempotent;
	json_t           *j_body;       /* owned */
	size_t            j_bytes;      /* request bytes, for the queue's budget */
	uint64_t          j_start_ms;
	int               j_rc;         /* results */
	json_t           *j_reply;
	uint64_t          j_map_version;
	char              j_msg[AGENT_MSG_MAX];
};

struct agent_worker {
	struct agent           *w_agent;
	uint32_t                w_idx;
	pthread_t               w_thread;
	bool                    w_started;
	struct ctl_http_client *w_cl;
};

struct agent {
	const struct agent_config *a_cfg;
	struct agent_sock          a_sock;
	int                        a_epfd;
	int                        a_donefd;
	int                        a_stopfd;
	int                        a_sigfd;
	int                        a_timerfd;
	bool                       a_listen_paused;
	bool                       a_stop;
	bool                       a_ran;
	sigset_t                   a_oldmask;
	bool                       a_mask_set;

	struct agent_conn         *a_conns[AGENT_CONN_MAX];
	uint32_t                   a_conns_nr;
	uint32_t                   a_slot_next;
	uint64_t                   a_serial;
	uint64_t                   a_rx_bytes;

	struct agent_cache         a_cache;
	struct agent_blob         *a_attach_blob;
	bool                       a_fetching;
	bool                       a_fetch_failing;
	struct agent_waitlist      a_wait_cur;
	struct agent_waitlist      a_wait_next;

	struct agent_ms            a_ms;
	bool                       a_ms_init;
	pthread_mutex_t            a_qlock;
	pthread_cond_t             a_qcond;
	bool                       a_sync_init;
	struct agent_job          *a_qhead;   /* call jobs */
	struct agent_job          *a_qtail;
	uint32_t                   a_qnr;
	size_t                     a_qbytes;
	struct agent_job          *a_fetch_job; /* queued fetch */
	struct agent_job          *a_done;
	struct agent_job          *a_done_tail;
	atomic_int                 a_stopping;
	struct agent_worker        a_workers[AGENT_WORKERS];
	bool                       a_workers_left; /* a worker outlived the stop: leak */
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
agent_peer_authorize(int pid, unsigned int uid, unsigned int gid)
{
	(void)pid;
	(void)uid;
	(void)gid;
	return 0;
}

/* ---- Blobs ---- */

static struct agent_blob *
blob_get(struct agent_blob *b)
{
	if (b != NULL)
		b->ab_ref++;
	return b;
}

static void
blob_put(struct agent_blob *b)
{
	if (b != NULL && --b->ab_ref == 0)
		free(b);
}

/* Encode @reply (stolen) into a blob; a reply over the frame limit becomes an error. */
static struct agent_blob *
blob_make(json_t *reply)
{
	struct agent_blob *b = NULL;
	char               msg[AGENT_PROTO_ERRBUF_SIZE];
	void              *buf;
	size_t             len;
	int                rc;

	if (reply == NULL)
		return NULL;
	rc = agent_proto_encode(reply, &buf, &len, msg, sizeof(msg));
	json_decref(reply);
	if (rc == -DER_OVERFLOW) {
		D_ERROR("reply too large: %s\n", msg);
		reply = agent_reply_error(rc, "reply too large: %s", msg);
		if (reply == NULL)
			return NULL;
		rc = agent_proto_encode(reply, &buf, &len, msg, sizeof(msg));
		json_decref(reply);
	}
	if (rc != 0)
		return NULL;
	b = malloc(sizeof(*b) + len);
	if (b != NULL) {
		b->ab_ref = 1;
		b->ab_len = len;
		memcpy(b->ab_data, buf, len);
	}
	free(buf);
	return b;
}

/* {"status":0, ...info} as a blob. */
static struct agent_blob *
attach_blob_make(const json_t *info)
{
	json_t *r = json_object();

	if (r == NULL || json_object_set_new(r, "status", json_integer(0)) != 0 ||
	    json_object_update(r, (json_t *)info) != 0 ||
	    json_object_set_new(r, "status", json_integer(0)) != 0) {
		json_decref(r);
		return NULL;
	}
	return blob_make(r);
}

/* ---- Connections ---- */

static struct agent_conn *
conn_find(struct agent *a, uint32_t slot, uint64_t serial)
{
	struct agent_conn *c;

	if (slot >= AGENT_CONN_MAX)
		return NULL;
	c = a->a_conns[slot];
	return c != NULL && c->c_serial == serial ? c : NULL;
}

static void
conn_events(struct agent *a, struct agent_conn *c, uint32_t events)
{
	struct epoll_event ev = {.events = events};

	if (c->c_events == events)
		return;
	ev.data.u64 = (c->c_serial << ID_SLOT_BITS) | c->c_slot;
	if (epoll_ctl(a->a_epfd, EPOLL_CTL_MOD, c->c_fd, &ev) != 0)
		D_ERROR("epoll_ctl(MOD) on a client socket: %s\n", strerror(errno));
	else
		c->c_events = events;
}

static void
wait_remove(struct agent *a, struct agent_conn *c)
{
	struct agent_waitlist *wl;

	if (c->c_wait == WAIT_NONE)
		return;
	wl = c->c_wait == WAIT_CUR ? &a->a_wait_cur : &a->a_wait_next;
	if (c->c_wprev != NULL)
		c->c_wprev->c_wnext = c->c_wnext;
	else
		wl->wl_head = c->c_wnext;
	if (c->c_wnext != NULL)
		c->c_wnext->c_wprev = c->c_wprev;
	else
		wl->wl_tail = c->c_wprev;
	c->c_wprev = c->c_wnext = NULL;
	c->c_wait  = WAIT_NONE;
}

static void
wait_add(struct agent *a, struct agent_conn *c, enum conn_wait which)
{
	struct agent_waitlist *wl = which == WAIT_CUR ? &a->a_wait_cur : &a->a_wait_next;

	assert(c->c_wait == WAIT_NONE);
	c->c_wait  = which;
	c->c_wnext = NULL;
	c->c_wprev = wl->wl_tail;
	if (wl->wl_tail != NULL)
		wl->wl_tail->c_wnext = c;
	else
		wl->wl_head = c;
	wl->wl_tail = c;
}

static void
conn_close(struct agent *a, struct agent_conn *c, const char *why)
{
	if (why != NULL)
		D_DEBUG("closing the connection of pid %d: %s\n", c->c_pid, why);
	wait_remove(a, c);
	if (epoll_ctl(a->a_epfd, EPOLL_CTL_DEL, c->c_fd, NULL) != 0)
		D_ERROR("epoll_ctl(DEL) on a client socket: %s\n", strerror(errno));
	close(c->c_fd);
	if (c->c_body != NULL) {
		a->a_rx_bytes -= c->c_body_len;
		free(c->c_body);
	}
	blob_put(c->c_out);
	a->a_conns[c->c_slot] = NULL;
	a->a_conns_nr--;
	free(c);
}

static void
conn_reset(struct agent *a, struct agent_conn *c)
{
	c->c_state     = CONN_HDR;
	c->c_hdr_got   = 0;
	c->c_body_len  = 0;
	c->c_body_got  = 0;
	c->c_progress_ms = mono_ms();
	conn_events(a, c, EPOLLIN);
}

/* Send what is left of c_out; the connection may be closed on return. */
static void
conn_flush(struct agent *a, struct agent_conn *c)
{
	struct agent_blob *b = c->c_out;

	while (c->c_out_off < b->ab_len) {
		ssize_t n = send(c->c_fd, b->ab_data + c->c_out_off, b->ab_len - c->c_out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->c_out_off += (size_t)n;
			c->c_progress_ms = mono_ms();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_events(a, c, EPOLLOUT);
			return;
		}
		conn_close(a, c, n < 0 ? strerror(errno) : "send returned 0");
		return;
	}
	blob_put(c->c_out);
	c->c_out     = NULL;
	c->c_out_off = 0;
	if (c->c_close_after)
		conn_close(a, c, "after an error reply");
	else
		conn_reset(a, c);
}

/* Send a blob (a reference is taken). NULL (out of memory) closes the connection. */
static void
conn_send_blob(struct agent *a, struct agent_conn *c, struct agent_blob *b)
{
	if (b == NULL) {
		conn_close(a, c, "out of memory for the reply");
		return;
	}
	c->c_out     = blob_get(b);
	c->c_out_off = 0;
	c->c_state   = CONN_WRITE;
	conn_flush(a, c);
}

static void
conn_send_json(struct agent *a, struct agent_conn *c, json_t *reply)
{
	struct agent_blob *b = blob_make(reply);

	conn_send_blob(a, c, b);
	blob_put(b);
}

static void
conn_error(struct agent *a, struct agent_conn *c, int rc, bool close_after, const char *msg)
{
	D_DEBUG("refusing a request of pid %d: " DF_RC ": %s\n", c->c_pid, DP_RC(rc), msg);
	c->c_close_after = close_after;
	conn_send_json(a, c, agent_reply_error(rc, "%s", msg));
}

/* ---- Jobs ---- */

static void
job_free(struct agent_job *j)
{
	json_decref(j->j_body);
	json_decref(j->j_reply);
	free(j);
}

static void
fetch_start(struct agent *a)
{
	struct agent_job *j;

	if (a->a_fetching)
		return;
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		/* Nothing waits forever: the waiters are answered at once. */
		struct agent_conn *c;
		json_t            *err = agent_reply_error(-DER_NOMEM, "out of memory");
		struct agent_blob *b   = blob_make(err);

		while ((c = a->a_wait_cur.wl_head) != NULL || (c = a->a_wait_next.wl_head) != NULL) {
			wait_remove(a, c);
			conn_send_blob(a, c, b);
		}
		blob_put(b);
		return;
	}
	j->j_kind     = JOB_FETCH;
	j->j_start_ms = mono_ms();
	agent_cache_started(&a->a_cache, j->j_start_ms);
	a->a_fetching = true;
	pthread_mutex_lock(&a->a_qlock);
	a->a_fetch_job = j;
	pthread_cond_broadcast(&a->a_qcond);
	pthread_mutex_unlock(&a->a_qlock);
}

/* Answer every connection on the current list with @b (referenced per connection). */
static void
answer_current(struct agent *a, struct agent_blob *b)
{
	struct agent_conn *c;

	while ((c = a->a_wait_cur.wl_head) != NULL) {
		wait_remove(a, c);
		conn_send_blob(a, c, b);
	}
}

static void
fetch_done(struct agent *a, struct agent_job *j)
{
	struct agent_blob *b  = NULL;
	int                rc = j->j_rc;

	a->a_fetching = false;
	if (rc == 0) {
		b = attach_blob_make(j->j_reply);
		if (b == NULL) {
			rc = -DER_NOMEM;
			snprintf(j->j_msg, sizeof(j->j_msg), "out of memory");
		}
	}
	if (rc == 0) {
		size_t nr = json_array_size(json_object_get(j->j_reply, "ranks"));

		if (a->a_fetch_failing)
			D_NOTE("the MS answers again\n");
		a->a_fetch_failing = false;
		if (a->a_cache.ac_enabled) {
			uint64_t old = a->a_cache.ac_map_version;
			bool     had = a->a_cache.ac_info != NULL;
			bool     changed;

			changed = agent_cache_store(&a->a_cache, json_incref(j->j_reply),
						    j->j_map_version, j->j_start_ms);
			if (changed && had)
				D_NOTE("system map version %" PRIu64 " -> %" PRIu64
				       " (%zu ranks): attach info refreshed\n",
				       old, j->j_map_version, nr);
			else if (changed)
				D_INFO("attach info cached: system map version %" PRIu64
				       ", %zu ranks\n", j->j_map_version, nr);
			if (a->a_cache.ac_info == j->j_reply) { /* kept: invariant 2 */
				blob_put(a->a_attach_blob);
				a->a_attach_blob = blob_get(b);
			}
		}
	} else {
		json_t *err;

		if (!a->a_fetch_failing || a->a_wait_cur.wl_head != NULL)
			D_ERROR("cannot get the attach info: " DF_RC ": %s\n", DP_RC(rc), j->j_msg);
		a->a_fetch_failing = true;
		err = agent_reply_error(rc, "%s", j->j_msg);
		b   = blob_make(err);
	}
	answer_current(a, b);
	blob_put(b);
	if (a->a_wait_next.wl_head != NULL) {
		a->a_wait_cur         = a->a_wait_next;
		a->a_wait_next.wl_head = a->a_wait_next.wl_tail = NULL;
		for (struct agent_conn *c = a->a_wait_cur.wl_head; c != NULL; c = c->c_wnext)
			c->c_wait = WAIT_CUR;
		fetch_start(a);
	}
}

static void
call_done(struct agent *a, struct agent_job *j)
{
	struct agent_conn *c = conn_find(a, j->j_slot, j->j_serial);
	json_t            *r, *body;

	if (c == NULL) {
		D_DEBUG("%s: the client left before the reply\n", j->j_method);
		return;
	}
	assert(c->c_state == CONN_PENDING);
	if (j->j_rc == 0) {
		r = json_pack("{s:i, s:O}", "status", 0, "body", j->j_reply);
	} else {
		D_DEBUG("%s for pid %d: " DF_RC ": %s\n", j->j_method, c->c_pid, DP_RC(j->j_rc),
			j->j_msg);
		/* The server's error object (leader hint and all) when it sent one. */
		body = j->j_reply != NULL ? json_incref(j->j_reply) : json_object();
		r    = json_pack("{s:i, s:s, s:o}", "status", j->j_rc, "error", j->j_msg, "body",
			      body);
	}
	c->c_close_after = false;
	conn_send_json(a, c, r);
}

/* Workers: loop until stopping. Worker 0 serves only the fetch slot. */
static void *
worker_main(void *arg)
{
	struct agent_worker *w = arg;
	struct agent        *a = w->w_agent;

	for (;;) {
		struct agent_job *j = NULL;
		uint64_t          one = 1;

		pthread_mutex_lock(&a->a_qlock);
		while (!atomic_load(&a->a_stopping)) {
			if (a->a_fetch_job != NULL) {
				j              = a->a_fetch_job;
				a->a_fetch_job = NULL;
				break;
			}
			if (w->w_idx != 0 && a->a_qhead != NULL) {
				j          = a->a_qhead;
				a->a_qhead = j->j_next;
				if (a->a_qhead == NULL)
					a->a_qtail = NULL;
				a->a_qnr--;
				a->a_qbytes -= j->j_bytes;
				break;
			}
			pthread_cond_wait(&a->a_qcond, &a->a_qlock);
		}
		pthread_mutex_unlock(&a->a_qlock);
		if (j == NULL)
			return NULL;
		j->j_next = NULL;
		if (j->j_kind == JOB_FETCH)
			j->j_rc = agent_ms_attach_info(&a->a_ms, w->w_cl, &j->j_reply,
						       &j->j_map_version, j->j_msg,
						       sizeof(j->j_msg));
		else
			j->j_rc = agent_ms_call(&a->a_ms, w->w_cl, j->j_method, j->j_body,
						j->j_idempotent, &j->j_reply, j->j_msg,
						sizeof(j->j_msg));
		pthread_mutex_lock(&a->a_qlock);
		if (a->a_done_tail != NULL)
			a->a_done_tail->j_next = j;
		else
			a->a_done = j;
		a->a_done_tail = j;
		pthread_mutex_unlock(&a->a_qlock);
		if (write(a->a_donefd, &one, sizeof(one)) != sizeof(one))
			D_ERROR("cannot signal a finished job: %s\n", strerror(errno));
	}
}

static void
on_done(struct agent *a)
{
	struct agent_job *j;
	uint64_t          n;

	if (read(a->a_donefd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		D_ERROR("read(eventfd): %s\n", strerror(errno));
	pthread_mutex_lock(&a->a_qlock);
	j          = a->a_done;
	a->a_done  = a->a_done_tail = NULL;
	pthread_mutex_unlock(&a->a_qlock);
	while (j != NULL) {
		struct agent_job *next = j->j_next;

		if (j->j_kind == JOB_FETCH)
			fetch_done(a, j);
		else
			call_done(a, j);
		job_free(j);
		j = next;
	}
}

/* ---- Requests ---- */

static void
attach_request(struct agent *a, struct agent_conn *c, bool refresh)
{
	switch (agent_cache_lookup(&a->a_cache, mono_ms(), refresh)) {
	case AGENT_CACHE_HIT:
		assert(a->a_attach_blob != NULL);
		conn_send_blob(a, c, a->a_attach_blob);
		return;
	case AGENT_CACHE_MISS:
		c->c_state = CONN_PENDING;
		conn_events(a, c, 0);
		wait_add(a, c, WAIT_CUR);
		break;
	case AGENT_CACHE_FRESH:
		c->c_state = CONN_PENDING;
		conn_events(a, c, 0);
		wait_add(a, c, a->a_fetching ? WAIT_NEXT : WAIT_CUR);
		break;
	}
	fetch_start(a);
}

/* Queue a call; @body is stolen. */
static void
call_request(struct agent *a, struct agent_conn *c, const struct agent_req *req, json_t *body,
	     size_t bytes)
{
	struct agent_job *j;
	uint32_t          qnr;

	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		json_decref(body);
		conn_error(a, c, -DER_NOMEM, false, "out of memory");
		return;
	}
	j->j_kind       = JOB_CALL;
	j->j_slot       = c->c_slot;
	j->j_serial     = c->c_serial;
	j->j_method     = req->ar_method;
	j->j_idempotent = req->ar_idempotent;
	j->j_body       = body;
	j->j_bytes      = bytes;
	j->j_start_ms   = mono_ms();
	pthread_mutex_lock(&a->a_qlock);
	qnr = a->a_qnr;
	if (qnr >= AGENT_QUEUE_MAX || a->a_qbytes + bytes > AGENT_QUEUE_BYTES_MAX) {
		pthread_mutex_unlock(&a->a_qlock);
		job_free(j);
		conn_error(a, c, -DER_AGAIN, false,
			   qnr >= AGENT_QUEUE_MAX ? "the agent is busy (too many calls queued): "
						    "try again"
						  : "the agent is busy (too many request bytes "
						    "queued): try again");
		return;
	}
	if (a->a_qtail != NULL)
		a->a_qtail->j_next = j;
	else
		a->a_qhead = j;
	a->a_qtail = j;
	a->a_qnr++;
	a->a_qbytes += bytes;
	pthread_cond_broadcast(&a->a_qcond);
	pthread_mutex_unlock(&a->a_qlock);
	c->c_state = CONN_PENDING;
	conn_events(a, c, 0);
}

/* A whole frame body arrived: decode, check, dispatch. */
static void
conn_request(struct agent *a, struct agent_conn *c)
{
	struct agent_req req;
	char             msg[AGENT_MSG_MAX];
	json_t          *obj = NULL;
	json_t          *body;
	size_t           bytes = AGENT_PROTO_HDR_SIZE + (size_t)c->c_body_len;
	int              rc;

	rc = agent_proto_body_decode(c->c_body, c->c_body_len, &obj, msg, sizeof(msg));
	free(c->c_body);
	c->c_body = NULL;
	a->a_rx_bytes -= c->c_body_len;
	if (rc != 0) {
		conn_error(a, c, rc, true, msg);
		return;
	}
	rc = agent_req_parse(obj, a->a_ms.am_sys, &req, msg, sizeof(msg));
	if (rc != 0) {
		json_decref(obj);
		conn_error(a, c, rc, agent_rc_closes(rc), msg);
		return;
	}
	if (req.ar_op == AGENT_OP_ATTACH) {
		D_DEBUG("get_attach_info from pid %d%s\n", c->c_pid,
			req.ar_refresh ? " (refresh)" : "");
		json_decref(obj);
		attach_request(a, c, req.ar_refresh);
		return;
	}
	D_DEBUG("call %s from pid %d\n", req.ar_method, c->c_pid);
	/* The body alone goes to the worker: no object is shared between threads. */
	body = req.ar_body != NULL ? json_incref(req.ar_body) : json_object();
	json_decref(obj);
	if (body == NULL) {
		conn_error(a, c, -DER_NOMEM, false, "out of memory");
		return;
	}
	call_request(a, c, &req, body, bytes);
}

static void
conn_readable(struct agent *a, struct agent_conn *c)
{
	char msg[AGENT_PROTO_ERRBUF_SIZE];

	while (c->c_state == CONN_HDR || c->c_state == CONN_BODY) {
		uint8_t *dst;
		size_t   want;
		ssize_t  n;
		int      rc;

		if (c->c_state == CONN_HDR) {
			dst  = c->c_hdr + c->c_hdr_got;
			want = AGENT_PROTO_HDR_SIZE - c->c_hdr_got;
		} else {
			dst  = c->c_body + c->c_body_got;
			want = c->c_body_len - c->c_body_got;
		}
		n = recv(c->c_fd, dst, want, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			conn_close(a, c, strerror(errno));
			return;
		}
		if (n == 0) { /* the end: normal between messages */
			conn_close(a, c, c->c_state == CONN_BODY || c->c_hdr_got > 0
						 ? "the client closed the connection inside a message"
						 : NULL);
			return;
		}
		c->c_progress_ms = mono_ms();
		if (c->c_state == CONN_HDR) {
			c->c_hdr_got += (uint32_t)n;
			if (c->c_hdr_got < AGENT_PROTO_HDR_SIZE)
				continue;
			rc = agent_proto_hdr_decode(c->c_hdr, &c->c_body_len, msg, sizeof(msg));
			if (rc != 0) {
				conn_events(a, c, 0);
				conn_error(a, c, rc, true, msg);
				return;
			}
			if (a->a_rx_bytes + c->c_body_len > AGENT_RX_BYTES_MAX) {
				conn_events(a, c, 0);
				conn_error(a, c, -DER_AGAIN, true,
					   "the agent is busy (too many request bytes in transit): "
					   "try again");
				return;
			}
			c->c_body = malloc(c->c_body_len);
			if (c->c_body == NULL) {
				conn_events(a, c, 0);
				conn_error(a, c, -DER_NOMEM, true, "out of memory");
				return;
			}
			a->a_rx_bytes += c->c_body_len;
			c->c_body_got = 0;
			c->c_state    = CONN_BODY;
			continue;
		}
		c->c_body_got += (uint32_t)n;
		if (c->c_body_got == c->c_body_len) {
			conn_events(a, c, 0);
			conn_request(a, c);
			return;
		}
	}
}

static void
on_conn(struct agent *a, uint64_t id, uint32_t events)
{
	struct agent_conn *c = conn_find(a, (uint32_t)(id & ((1u << ID_SLOT_BITS) - 1)),
					 id >> ID_SLOT_BITS);

	if (c == NULL)
		return; /* closed earlier in this batch */
	switch (c->c_state) {
	case CONN_HDR:
	case CONN_BODY:
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_readable(a, c); /* reads what is left, then sees the end */
		break;
	case CONN_WRITE:
		if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			conn_flush(a, c);
		break;
	case CONN_PENDING:
		/* Only hang-ups are reported now: the client gave up on its request. */
		if (events & (EPOLLHUP | EPOLLERR))
			conn_close(a, c, "the client left before the reply");
		break;
	}
}

/* A best-effort error frame to a socket we are not keeping. */
static void
refuse_fd(int fd, int rc, const char *msg)
{
	json_t *r = agent_reply_error(rc, "%s", msg);
	void   *buf;
	size_t  len;

	if (r != NULL && agent_proto_encode(r, &buf, &len, NULL, 0) == 0) {
		if (send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			D_DEBUG("cannot send a refusal: %s\n", strerror(errno));
		free(buf);
	}
	json_decref(r);
	close(fd);
}

static void
listen_pause(struct agent *a, bool pause)
{
	struct epoll_event ev = {.events = pause ? 0 : EPOLLIN, .data.u64 = ID_LISTEN};

	if (a->a_listen_paused == pause)
		return;
	if (epoll_ctl(a->a_epfd, EPOLL_CTL_MOD, a->a_sock.as_lfd, &ev) == 0)
		a->a_listen_paused = pause;
}

static void
on_accept(struct agent *a)
{
	for (;;) {
		struct ucred       cred;
		socklen_t          clen = sizeof(cred);
		struct agent_conn *c;
		struct epoll_event ev;
		uint32_t           slot;
		int                fd, rc;

		fd = accept4(a->a_sock.as_lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* Out of descriptors or memory: stop accepting until the next tick
			 * rather than spin on a level-triggered socket. */
			D_ERROR("accept: %s\n", strerror(errno));
			listen_pause(a, true);
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0) {
			D_ERROR("SO_PEERCRED: %s\n", strerror(errno));
			close(fd);
			continue;
		}
		rc = agent_peer_authorize(cred.pid, cred.uid, cred.gid);
		if (rc != 0) {
			D_NOTE("refusing pid %d uid %u gid %u: " DF_RC "\n", cred.pid, cred.uid,
			       cred.gid, DP_RC(rc));
			refuse_fd(fd, rc, "this process may not use the agent");
			continue;
		}
		if (a->a_conns_nr >= AGENT_CONN_MAX) {
			D_ERROR("refusing pid %d: %d connections already\n", cred.pid,
				AGENT_CONN_MAX);
			refuse_fd(fd, -DER_AGAIN, "the agent has too many clients: try again");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			refuse_fd(fd, -DER_NOMEM, "out of memory");
			continue;
		}
		for (slot = a->a_slot_next; a->a_conns[slot] != NULL;
		     slot = (slot + 1) % AGENT_CONN_MAX)
			;
		a->a_slot_next = (slot + 1) % AGENT_CONN_MAX;
		c->c_fd          = fd;
		c->c_slot        = slot;
		c->c_serial      = ++a->a_serial;
		c->c_pid         = cred.pid;
		c->c_uid         = cred.uid;
		c->c_gid         = cred.gid;
		c->c_state       = CONN_HDR;
		c->c_events      = EPOLLIN;
		c->c_progress_ms = mono_ms();
		ev.events        = EPOLLIN;
		ev.data.u64      = (c->c_serial << ID_SLOT_BITS) | slot;
		if (epoll_ctl(a->a_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			D_ERROR("epoll_ctl(ADD): %s\n", strerror(errno));
			free(c);
			close(fd);
			continue;
		}
		a->a_conns[slot] = c;
		a->a_conns_nr++;
		D_DEBUG("client pid %d uid %u gid %u connected\n", cred.pid, cred.uid, cred.gid);
	}
}

static void
on_tick(struct agent *a)
{
	uint64_t now = mono_ms();
	uint64_t n;

	if (read(a->a_timerfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		D_ERROR("read(timerfd): %s\n", strerror(errno));
	for (uint32_t i = 0; i < AGENT_CONN_MAX; i++) {
		struct agent_conn *c = a->a_conns[i];
		bool               busy;

		if (c == NULL)
			continue;
		busy = (c->c_state == CONN_HDR && c->c_hdr_got > 0) || c->c_state == CONN_BODY ||
		       c->c_state == CONN_WRITE;
		if (busy && now - c->c_progress_ms >= AGENT_IO_STALL_MS) {
			D_NOTE("closing the connection of pid %d: no progress for %d ms\n",
			       c->c_pid, AGENT_IO_STALL_MS);
			conn_close(a, c, NULL);
		}
	}
	listen_pause(a, false);
	if (!a->a_fetching && agent_cache_check_due(&a->a_cache, now))
		fetch_start(a);
}

static void
on_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->a_sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR2) {
			D_NOTE("SIGUSR2: refreshing the attach info\n");
			agent_cache_invalidate(&a->a_cache);
			blob_put(a->a_attach_blob);
			a->a_attach_blob = NULL;
			fetch_start(a);
		} else {
			D_NOTE("signal %u: stopping\n", si.ssi_signo);
			a->a_stop = true;
		}
	}
}

/* ---- Set-up ---- */

static int
epoll_add(struct agent *a, int fd, uint64_t id, char *errbuf, size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = id};

	if (epoll_ctl(a->a_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		d_errbuf_printf(errbuf, errlen, "epoll_ctl: %s", strerror(errno));
		return -DER_MISC;
	}
	return 0;
}

static int
loop_open(struct agent *a, const struct agent_opts *opts, char *errbuf, size_t errlen)
{
	struct itimerspec its = {
	    .it_interval = {.tv_sec = 0, .tv_nsec = AGENT_TICK_MS * 1000000L},
	    .it_value    = {.tv_sec = 0, .tv_nsec = AGENT_TICK_MS * 1000000L},
	};
	int rc;

	a->a_epfd    = epoll_create1(EPOLL_CLOEXEC);
	a->a_donefd  = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	a->a_stopfd  = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	a->a_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (a->a_epfd < 0 || a->a_donefd < 0 || a->a_stopfd < 0 || a->a_timerfd < 0 ||
	    timerfd_settime(a->a_timerfd, 0, &its, NULL) != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot create the event loop: %s",
				strerror(errno));
		return -DER_MISC;
	}
	if (opts->ao_signals) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGUSR2);
		/* Blocked before the workers start, so that they inherit the mask and
		 * every such signal reaches the signalfd. */
		rc = pthread_sigmask(SIG_BLOCK, &set, &a->a_oldmask);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "pthread_sigmask: %s", strerror(rc));
			return -DER_MISC;
		}
		a->a_mask_set = true;
		a->a_sigfd    = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (a->a_sigfd < 0) {
			d_errbuf_printf(errbuf, errlen, "signalfd: %s", strerror(errno));
			return -DER_MISC;
		}
		rc = epoll_add(a, a->a_sigfd, ID_SIGNAL, errbuf, errlen);
		if (rc != 0)
			return rc;
	}
	rc = epoll_add(a, a->a_sock.as_lfd, ID_LISTEN, errbuf, errlen);
	if (rc == 0)
		rc = epoll_add(a, a->a_donefd, ID_DONE, errbuf, errlen);
	if (rc == 0)
		rc = epoll_add(a, a->a_stopfd, ID_STOP, errbuf, errlen);
	if (rc == 0)
		rc = epoll_add(a, a->a_timerfd, ID_TIMER, errbuf, errlen);
	return rc;
}

static int
workers_start(struct agent *a, char *errbuf, size_t errlen)
{
	int rc;

	rc = pthread_mutex_init(&a->a_qlock, NULL);
	if (rc == 0) {
		rc = pthread_cond_init(&a->a_qcond, NULL);
		if (rc != 0)
			pthread_mutex_destroy(&a->a_qlock);
	}
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot initialise the job queue: %s",
				strerror(rc));
		return -DER_MISC;
	}
	a->a_sync_init = true;
	for (uint32_t i = 0; i < AGENT_WORKERS; i++) {
		struct agent_worker *w = &a->a_workers[i];

		w->w_agent = a;
		w->w_idx   = i;
		rc = agent_ms_client(&a->a_ms, &w->w_cl, errbuf, errlen);
		if (rc != 0)
			return rc;
	}
	for (uint32_t i = 0; i < AGENT_WORKERS; i++) {
		struct agent_worker *w = &a->a_workers[i];

		rc = pthread_create(&w->w_thread, NULL, worker_main, w);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "cannot start a worker thread: %s",
					strerror(rc));
			return rc == EAGAIN ? -DER_AGAIN : -DER_MISC;
		}
		w->w_started = true;
	}
	return 0;
}

/* Stop the workers: wait up to AGENT_STOP_WAIT_MS for those in a server call. */
static void
workers_stop(struct agent *a)
{
	struct timespec deadline;

	if (!a->a_sync_init)
		return;
	pthread_mutex_lock(&a->a_qlock);
	atomic_store(&a->a_stopping, 1);
	pthread_cond_broadcast(&a->a_qcond);
	pthread_mutex_unlock(&a->a_qlock);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += AGENT_STOP_WAIT_MS / 1000;
	deadline.tv_nsec += (AGENT_STOP_WAIT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (uint32_t i = 0; i < AGENT_WORKERS; i++) {
		struct agent_worker *w = &a->a_workers[i];
		int                  rc;

		if (!w->w_started)
			continue;
		rc = pthread_timedjoin_np(w->w_thread, NULL, &deadline);
		if (rc != 0) {
			D_ERROR("worker %u is still in a server call: leaving it behind\n", i);
			pthread_detach(w->w_thread);
			a->a_workers_left = true;
		}
		w->w_started = false;
	}
}

int
agent_create(const struct agent_config *cfg, const struct agent_opts *opts, struct agent **out,
	     char *errbuf, size_t errlen)
{
	struct agent *a;
	const char   *dir;
	uint32_t      check_ms;
	int           rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (cfg == NULL || opts == NULL || out == NULL) {
		d_errbuf_printf(errbuf, errlen, "missing configuration or output");
		return -DER_INVAL;
	}
	check_ms = opts->ao_check_ms != 0 ? opts->ao_check_ms : AGENT_MAP_CHECK_MS;
	if (check_ms < AGENT_MAP_CHECK_MIN_MS || check_ms > AGENT_MAP_CHECK_MAX_MS) {
		d_errbuf_printf(errbuf, errlen, "map check period of %u ms is out of range [%d, %d]",
				check_ms, AGENT_MAP_CHECK_MIN_MS, AGENT_MAP_CHECK_MAX_MS);
		return -DER_INVAL;
	}
	dir = opts->ao_runtime_dir != NULL ? opts->ao_runtime_dir : cfg->ac_runtime_dir;
	if (dir == NULL || dir[0] == '\0') {
		d_errbuf_printf(errbuf, errlen, "runtime_dir: no directory given");
		return -DER_INVAL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	a->a_cfg            = cfg;
	a->a_sock.as_lfd    = -1;
	a->a_sock.as_lockfd = -1;
	a->a_epfd = a->a_donefd = a->a_stopfd = a->a_sigfd = a->a_timerfd = -1;
	agent_cache_init(&a->a_cache, !(cfg->ac_disable_caching || opts->ao_disable_cache),
			 (uint64_t)cfg->ac_cache_expiration_min * 60000, check_ms);

	rc = agent_ms_init(&a->a_ms, cfg, opts->ao_insecure, opts->ao_ms_deadline_ms,
			   &a->a_stopping, errbuf, errlen);
	if (rc != 0)
		goto err;
	a->a_ms_init = true;
	rc = agent_sock_open(&a->a_sock, dir, errbuf, errlen);
	if (rc == 0)
		rc = loop_open(a, opts, errbuf, errlen);
	if (rc == 0)
		rc = workers_start(a, errbuf, errlen);
	if (rc != 0)
		goto err;
	D_NOTE("daos_agent serving %s for system %s (access points: %u, cache %s, "
	       "expiration %u min)\n",
	       a->a_sock.as_path, cfg->ac_name, a->a_ms.am_aps_nr,
	       a->a_cache.ac_enabled ? "on" : "off", cfg->ac_cache_expiration_min);
	/* Warm the cache; a failure only means the first client waits for a fetch. */
	if (a->a_cache.ac_enabled)
		fetch_start(a);
	*out = a;
	return 0;
err:
	agent_destroy(a);
	return rc;
}

int
agent_run(struct agent *a)
{
	struct epoll_event evs[AGENT_EVENTS_MAX];
	int                rc = 0;

	assert(!a->a_ran);
	a->a_ran = true;
	while (!a->a_stop) {
		int n = epoll_wait(a->a_epfd, evs, AGENT_EVENTS_MAX, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			D_ERROR("epoll_wait: %s\n", strerror(errno));
			rc = -DER_MISC;
			break;
		}
		for (int i = 0; i < n && !a->a_stop; i++) {
			uint64_t id = evs[i].data.u64;

			switch (id) {
			case ID_LISTEN:
				on_accept(a);
				break;
			case ID_DONE:
				on_done(a);
				break;
			case ID_STOP:
				a->a_stop = true;
				break;
			case ID_SIGNAL:
				on_signal(a);
				break;
			case ID_TIMER:
				on_tick(a);
				break;
			default:
				on_conn(a, id, evs[i].events);
				break;
			}
		}
	}
	D_NOTE("daos_agent stopping\n");
	agent_sock_unlisten(&a->a_sock);
	workers_stop(a);
	for (uint32_t i = 0; i < AGENT_CONN_MAX; i++)
		if (a->a_conns[i] != NULL)
			conn_close(a, a->a_conns[i], NULL);
	D_NOTE("daos_agent stopped\n");
	return rc;
}

void
agent_stop(struct agent *a)
{
	uint64_t one = 1;

	/* write(2) on an eventfd: async-signal-safe; a full counter already wakes. */
	if (write(a->a_stopfd, &one, sizeof(one)) < 0)
		return;
}

const char *
agent_sock_path(const struct agent *a)
{
	return a->a_sock.as_path;
}

static void
fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
agent_destroy(struct agent *a)
{
	struct agent_job *j;

	if (a == NULL)
		return;
	workers_stop(a);
	agent_sock_unlisten(&a->a_sock);
	for (uint32_t i = 0; i < AGENT_CONN_MAX; i++)
		if (a->a_conns[i] != NULL)
			conn_close(a, a->a_conns[i], NULL);
	if (a->a_workers_left) {
		/* A worker still uses the queue, its client and the MS state: they stay,
		 * and the process is about to exit. */
		fd_close(&a->a_epfd);
		agent_sock_close(&a->a_sock);
		return;
	}
	while ((j = a->a_qhead) != NULL) {
		a->a_qhead = j->j_next;
		job_free(j);
	}
	while ((j = a->a_done) != NULL) {
		a->a_done = j->j_next;
		job_free(j);
	}
	if (a->a_fetch_job != NULL)
		job_free(a->a_fetch_job);
	for (uint32_t i = 0; i < AGENT_WORKERS; i++)
		ctl_http_client_destroy(a->a_workers[i].w_cl);
	if (a->a_sync_init) {
		pthread_cond_destroy(&a->a_qcond);
		pthread_mutex_destroy(&a->a_qlock);
	}
	if (a->a_ms_init)
		agent_ms_fini(&a->a_ms);
	blob_put(a->a_attach_blob);
	agent_cache_fini(&a->a_cache);
	fd_close(&a->a_epfd);
	fd_close(&a->a_donefd);
	fd_close(&a->a_stopfd);
	fd_close(&a->a_sigfd);
	fd_close(&a->a_timerfd);
	if (a->a_mask_set)
		pthread_sigmask(SIG_SETMASK, &a->a_oldmask, NULL);
	agent_sock_close(&a->a_sock);
	free(a);
}
