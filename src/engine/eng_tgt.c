/*
 * eng_tgt.c: the target threads: one epoll loop each, the queues between
 * them and the system thread, start and stop (see engine.h).
 *
 * Life of a target (t_phase):
 *
 *   INIT --net server bound--> BOUND --START: ring, pools opened--> STARTED
 *   INIT --bind failed--> BIND_FAILED (thread returns)
 *   BOUND/STARTED --STOP--> (flush, answer, drain, close) --> STOPPED (thread returns)
 *
 * One loop turn of a serving target: wait on {inbox eventfd, ring eventfd,
 * net server epoll fd}; run the inbox; reap ring completions; let the net
 * server dispatch what arrived (reads are answered at once, writes are staged
 * in their pool's batch); then commit every open batch and answer its writes
 * (group commit, eng_obj.c).
 *
 * Invariants:
 *  1. Only the target's thread touches its net server, ring, pools and
 *     scratch buffers after the thread started; the system thread only pushes
 *     to t_inbox (then writes t_inbox_fd) and pops t_outbox.
 *  2. Before START the net server's descriptor is not watched: connections
 *     wait in the listen backlog, nothing is read.
 *  3. Every request dispatched to the handler is answered before the net
 *     server is destroyed (writes by the flush that ends their turn or the
 *     stop, everything else at once), as net_server_destroy() requires.
 *  4. Phase changes are published under tg_lock with a broadcast, so the
 *     system thread's bounded waits see them.
 *  5. With telemetry (eng_tgts_cfg.tc_telem), a serving target wakes at least
 *     every ENG_TM_REFRESH_MS to sample its slow metrics, and accounts every
 *     turn's wait and work (eng_telem.c); it writes only its own metrics.
 */
#define D_LOGFAC DD_FAC(engine)

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "engine/eng_internal.h"

/* epoll tags of a target loop. */
#define TGT_EV_INBOX 1
#define TGT_EV_RING  2
#define TGT_EV_NET   3

struct eng_tgts {
	struct eng_tgts_cfg tg_cfg;
	char                tg_ip[NET_ADDR_STR_MAX];
	bool                tg_started;
	pthread_mutex_t     tg_lock; /* phase changes only (invariant 4) */
	pthread_cond_t      tg_cond;
	uint32_t            tg_rr;   /* next outbox eng_tgts_event() looks at */
	struct eng_tgt      tg_tgts[];
};

/* ---- Bounded SPSC queue ---- */

int
eng_queue_init(struct eng_queue *q, uint32_t cap, size_t size)
{
	q->q_buf = calloc(cap, size);
	if (q->q_buf == NULL)
		return -DER_NOMEM;
	q->q_cap  = cap;
	q->q_size = size;
	atomic_init(&q->q_head, 0);
	atomic_init(&q->q_tail, 0);
	return 0;
}

void
eng_queue_fini(struct eng_queue *q)
{
	free(q->q_buf);
	q->q_buf = NULL;
}

int
eng_queue_push(struct eng_queue *q, const void *elem)
{
	uint32_t tail = atomic_load_explicit(&q->q_tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&q->q_head, memory_order_acquire);

	if (tail - head >= q->q_cap)
		return -DER_AGAIN;
	memcpy(q->q_buf + (size_t)(tail % q->q_cap) * q->q_size, elem, q->q_size);
	atomic_store_explicit(&q->q_tail, tail + 1, memory_order_release);
	return 0;
}

int
eng_queue_pop(struct eng_queue *q, void *elem)
{
	uint32_t head = atomic_load_explicit(&q->q_head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&q->q_tail, memory_order_acquire);

	if (head == tail)
		return -DER_AGAIN;
	memcpy(elem, q->q_buf + (size_t)(head % q->q_cap) * q->q_size, q->q_size);
	atomic_store_explicit(&q->q_head, head + 1, memory_order_release);
	return 0;
}

/* ---- Helpers ---- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
phase_set(struct eng_tgt *t, enum eng_tgt_phase ph)
{
	struct eng_tgts *tg = t->t_set;

	pthread_mutex_lock(&tg->tg_lock);
	atomic_store(&t->t_phase, ph);
	pthread_cond_broadcast(&tg->tg_cond);
	pthread_mutex_unlock(&tg->tg_lock);
}

void
eng_tgt_post(struct eng_tgt *t, const struct eng_tgt_event *ev)
{
	struct eng_tgts *tg = t->t_set;

	if (eng_queue_push(&t->t_outbox, ev) != 0) {
		D_ERROR("target %u: %d events waiting for the system thread; dropped: %s\n",
			t->t_idx, ENG_TGT_OUTBOX_MAX, ev->te_msg);
		return;
	}
	if (tg->tg_cfg.tc_notify != NULL)
		tg->tg_cfg.tc_notify(tg->tg_cfg.tc_notify_arg);
}

void
eng_reply(struct net_req *req, int status)
{
	int rc = net_reply(req, status, NULL, 0);

	if (rc != 0)
		D_DEBUG("reply not sent: " DF_RC "\n", DP_RC(rc));
}

void
eng_reply_proto(struct eng_tgt *t, struct net_req *req, const char *fmt, ...)
{
	const struct proto_hdr *h = net_req_hdr(req);
	char                    msg[NET_ERRMSG_MAX];
	struct iovec            iov;
	va_list                 ap;
	int                     n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	D_ERROR("bad %s request (rpc %llu) from %s: %s\n",
		proto_opcode_name(h->ph_opcode) != NULL ? proto_opcode_name(h->ph_opcode) : "?",
		(unsigned long long)h->ph_rpc_id, net_req_peer(req), msg);
	iov.iov_base = msg;
	iov.iov_len  = strnlen(msg, sizeof(msg));
	eng_telem_req_bad(t);
	(void)net_reply(req, -DER_PROTO, &iov, 1);
}

void
eng_reply_msg_ref(struct eng_tgt *t, struct net_req *req, int status, const void *ref,
		  size_t ref_len, net_release_t release, void *arg)
{
	const struct iovec *iov;
	int                 cnt;
	int                 rc;

	rc = proto_msg_iov(&t->t_msg, &iov, &cnt);
	if (rc != 0) {
		D_ERROR("target %u: cannot encode a reply: " DF_RC "\n", t->t_idx, DP_RC(rc));
		eng_reply(req, rc);
		goto out;
	}
	if (cnt > NET_IOV_MAX) {
		/* Many data runs (one per iod): net takes at most NET_IOV_MAX, flatten. */
		struct iovec one;
		size_t       total = 0;
		uint8_t     *buf;

		for (int i = 0; i < cnt; i++)
			total += iov[i].iov_len;
		buf = malloc(total);
		if (buf == NULL) {
			eng_reply(req, -DER_NOMEM);
			goto out;
		}
		one.iov_base = buf;
		one.iov_len  = total;
		for (int i = 0; i < cnt; i++) {
			memcpy(buf, iov[i].iov_base, iov[i].iov_len);
			buf += iov[i].iov_len;
		}
		rc = net_reply(req, status, &one, 1);
		free(one.iov_base);
	} else if (release != NULL) {
		rc      = net_reply_ref(req, status, iov, cnt, ref, ref_len, release, arg);
		release = NULL; /* net runs it */
	} else {
		rc = net_reply(req, status, iov, cnt);
	}
	if (rc != 0)
		D_ERROR("target %u: reply not sent as built: " DF_RC "\n", t->t_idx, DP_RC(rc));
out:
	proto_msg_reset(&t->t_msg);
	if (release != NULL)
		release(arg);
}

void
eng_reply_msg(struct eng_tgt *t, struct net_req *req, int status)
{
	eng_reply_msg_ref(t, req, status, NULL, 0, NULL, NULL);
}

/* ---- The handler ---- */

static void
tgt_handler(void *arg, struct net_req *req)
{
	struct eng_tgt *t  = arg;
	uint16_t        op = net_req_hdr(req)->ph_opcode;

	eng_telem_req(t);
	if (t->t_stopping) {
		eng_reply(req, -DER_SHUTDOWN);
		return;
	}
	switch (op) {
	case PROTO_OP_PING:
		if (net_req_body_len(req) != 0) {
			eng_reply_proto(t, req, "ping body of %u bytes: it must be empty",
					net_req_body_len(req));
			return;
		}
		eng_reply(req, 0);
		return;
	case PROTO_OP_TGT_POOL_CREATE:
	case PROTO_OP_TGT_POOL_DESTROY:
	case PROTO_OP_TGT_CONT_CREATE:
	case PROTO_OP_TGT_CONT_DESTROY:
	case PROTO_OP_TGT_MAP_UPDATE:
	case PROTO_OP_TGT_QUERY:
		eng_handle_tgt(t, req);
		return;
	case PROTO_OP_OBJ_UPDATE:
	case PROTO_OP_OBJ_FETCH:
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_PUNCH_AKEYS:
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_LIST_AKEY:
	case PROTO_OP_OBJ_LIST_RECX:
	case PROTO_OP_OBJ_LIST_OBJ:
	case PROTO_OP_OBJ_QUERY_KEY:
		eng_handle_obj(t, req);
		return;
	default:
		/* proto_hdr_decode() refuses unknown opcodes; a new one lands here. */
		eng_reply_proto(t, req, "opcode %u is not served by a target", op);
		return;
	}
}

/* ---- Start, loop, stop (target thread) ---- */

static int
epoll_watch(struct eng_tgt *t, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	if (epoll_ctl(t->t_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		D_ERROR("target %u: epoll_ctl: %s\n", t->t_idx, strerror(errno));
		return -DER_IO;
	}
	return 0;
}

static void
tgt_start(struct eng_tgt *t, struct eng_storage *st)
{
	struct eng_tgt_event ev;
	int                  rc;

	memset(&ev, 0, sizeof(ev));
	ev.te_type = ENG_EV_STARTED;
	ev.te_tgt  = t->t_idx;
	if (t->t_serving || t->t_ring != NULL) {
		snprintf(ev.te_msg, sizeof(ev.te_msg), "target %u started twice", t->t_idx);
		ev.te_rc = -DER_INVAL;
		goto out;
	}
	t->t_st      = st;
	t->t_scratch = aligned_alloc(BIO_ALIGN, ENG_FETCH_SCRATCH);
	t->t_kds     = calloc(PROTO_LIST_NR_MAX, sizeof(*t->t_kds));
	t->t_recxs   = calloc(PROTO_LIST_NR_MAX, sizeof(*t->t_recxs));
	t->t_eprs    = calloc(PROTO_LIST_NR_MAX, sizeof(*t->t_eprs));
	t->t_oids    = calloc(PROTO_LIST_NR_MAX, sizeof(*t->t_oids));
	if (t->t_scratch == NULL || t->t_kds == NULL || t->t_recxs == NULL ||
	    t->t_eprs == NULL || t->t_oids == NULL) {
		ev.te_rc = -DER_NOMEM;
		snprintf(ev.te_msg, sizeof(ev.te_msg), "target %u: out of memory", t->t_idx);
		goto out;
	}
	rc = bio_ring_create(t->t_idx, ENG_RING_DEPTH, &t->t_ring);
	if (rc != 0) {
		ev.te_rc = rc;
		snprintf(ev.te_msg, sizeof(ev.te_msg), "target %u: cannot create its I/O ring: %s",
			 t->t_idx, d_errdesc(rc));
		goto out;
	}
	rc = epoll_watch(t, bio_ring_fd(t->t_ring), TGT_EV_RING);
	if (rc == 0)
		rc = epoll_watch(t, net_server_fd(t->t_srv), TGT_EV_NET);
	if (rc != 0) {
		ev.te_rc = rc;
		snprintf(ev.te_msg, sizeof(ev.te_msg), "target %u: epoll failed", t->t_idx);
		goto out;
	}
	eng_telem_tgt_init(t);
	eng_pools_open_all(t);
	eng_telem_tgt_refresh(t);
	t->t_serving = true;
	D_INFO("target %u serving on port %u with %u pool(s)\n", t->t_idx,
	       net_server_port(t->t_srv), t->t_pool_nr);
out:
	if (ev.te_rc != 0)
		D_ERROR("%s\n", ev.te_msg);
	eng_tgt_post(t, &ev);
	phase_set(t, ENG_PH_STARTED);
}

/* Stop serving (invariant 3): answer what is held, drain, close everything. */
static void
tgt_stop(struct eng_tgt *t)
{
	t->t_stopping = true;
	if (t->t_serving) {
		uint64_t start = now_ms();
		uint64_t idle  = start;

		eng_pools_flush(t);
		/* Let queued replies go out; late requests are answered -DER_SHUTDOWN. */
		while (now_ms() - start < ENG_STOP_DRAIN_MS && now_ms() - idle < ENG_STOP_IDLE_MS) {
			int n = net_server_progress(t->t_srv, 10);

			if (n < 0)
				break;
			/* Asynchronous fetches answer from their reads' completions. */
			if (t->t_ring != NULL && bio_ring_inflight(t->t_ring) > 0) {
				(void)bio_ring_poll(t->t_ring, 0);
				idle = now_ms();
			}
			if (n > 0)
				idle = now_ms();
		}
		net_server_shutdown(t->t_srv);
		eng_pools_close_all(t);
	}
	net_server_destroy(t->t_srv);
	t->t_srv = NULL;
	if (t->t_ring != NULL)
		bio_ring_destroy(t->t_ring);
	t->t_ring = NULL;
	free(t->t_scratch);
	free(t->t_kds);
	free(t->t_recxs);
	free(t->t_eprs);
	free(t->t_oids);
	t->t_scratch = NULL;
	t->t_kds     = NULL;
	t->t_recxs   = NULL;
	t->t_eprs    = NULL;
	t->t_oids    = NULL;
	t->t_serving = false;
}

/* Run the inbox; returns true when a STOP arrived. */
static bool
tgt_inbox(struct eng_tgt *t)
{
	struct eng_msg m;
	uint64_t       cnt;
	ssize_t        n;
	bool           stop = false;

	/* A failed read only means the counter was already drained. */
	n = read(t->t_inbox_fd, &cnt, sizeof(cnt));
	(void)n;
	while (eng_queue_pop(&t->t_inbox, &m) == 0) {
		switch (m.em_type) {
		case ENG_MSG_START:
			if (!stop)
				tgt_start(t, m.em_st);
			break;
		case ENG_MSG_STOP:
			stop = true;
			break;
		}
	}
	return stop;
}

static void
tgt_loop(struct eng_tgt *t)
{
	struct epoll_event evs[ENG_TGT_EVENTS_MAX];
	bool               tm = t->t_tm.tt_tm != NULL;

	for (;;) {
		bool     net        = false;
		bool     stop       = false;
		int      dispatched = 0;
		uint64_t w0         = tm ? eng_telem_now_ns() : 0;
		uint64_t w1;
		int      n;

		/* Invariant 5: a serving target with metrics samples them even when idle. */
		n  = epoll_wait(t->t_epfd, evs, ENG_TGT_EVENTS_MAX,
				tm && t->t_serving ? ENG_TM_REFRESH_MS : -1);
		w1 = tm ? eng_telem_now_ns() : 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			D_ERROR("target %u: epoll_wait: %s; the target stops\n", t->t_idx,
				strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u64) {
			case TGT_EV_INBOX:
				stop = tgt_inbox(t) || stop;
				break;
			case TGT_EV_RING:
				if (bio_ring_poll(t->t_ring, 0) < 0)
					D_ERROR("target %u: ring poll failed\n", t->t_idx);
				break;
			case TGT_EV_NET:
				net = true;
				break;
			}
		}
		if (stop)
			return;
		if (net && t->t_serving) {
			dispatched = net_server_progress(t->t_srv, 0);
			if (dispatched < 0) {
				D_ERROR("target %u: net progress failed\n", t->t_idx);
				dispatched = 0;
			}
			/* Before the commit: the held writes are the depth of the queue. */
			eng_telem_queue(t, net_server_reqs_pending(t->t_srv));
			eng_telem_net_refused(t, net_server_refused(t->t_srv));
			/* Group commit: this turn's writes, one transaction per pool. */
			eng_pools_flush(t);
		}
		/* This turn's replies (reads, the committed writes): one write per connection. */
		if (t->t_serving)
			net_server_flush(t->t_srv);
		if (tm) {
			uint64_t end = eng_telem_now_ns();

			eng_telem_turn(t, w0, w1, end, n, dispatched);
			if (t->t_serving && end >= t->t_tm.tt_next_refresh_ns)
				eng_telem_tgt_refresh(t);
		}
	}
}

/* With a first core, target t runs on core first_core + 1 + t (the system thread has first_core). */
static void
tgt_pin(struct eng_tgt *t)
{
	int32_t   first = t->t_set->tg_cfg.tc_first_core;
	long      ncpu  = sysconf(_SC_NPROCESSORS_CONF);
	long      core;
	cpu_set_t set;

	if (first < 0)
		return;
	core = (long)first + 1 + t->t_idx;
	if (core >= CPU_SETSIZE || core >= ncpu) {
		D_WARN("target %u: core %ld does not exist; it shares the engine's core(s)\n",
		       t->t_idx, core);
		return;
	}
	CPU_ZERO(&set);
	CPU_SET((int)core, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		D_WARN("target %u: cannot pin to core %ld; it shares the engine's core(s)\n",
		       t->t_idx, core);
	else
		D_INFO("target %u pinned to core %ld\n", t->t_idx, core);
}

static void *
tgt_main(void *arg)
{
	struct eng_tgt  *t  = arg;
	struct eng_tgts *tg = t->t_set;
	uint16_t         port;
	char             err[NET_ERRMSG_MAX];
	int              rc;

	tgt_pin(t);
	port = (uint16_t)(tg->tg_cfg.tc_port + 1 + t->t_idx);
	rc   = net_server_create(tg->tg_ip, port, tgt_handler, t, &t->t_srv, err, sizeof(err));
	if (rc == 0) {
		t->t_epfd = epoll_create1(EPOLL_CLOEXEC);
		if (t->t_epfd < 0) {
			snprintf(err, sizeof(err), "epoll_create1: %s", strerror(errno));
			rc = -DER_IO;
		} else {
			rc = epoll_watch(t, t->t_inbox_fd, TGT_EV_INBOX);
			if (rc != 0)
				snprintf(err, sizeof(err), "epoll_ctl failed");
		}
		if (rc != 0) {
			net_server_destroy(t->t_srv);
			t->t_srv = NULL;
		}
	}
	if (rc != 0) {
		t->t_bind_rc = rc;
		snprintf(t->t_bind_err, sizeof(t->t_bind_err), "%s", err);
		phase_set(t, ENG_PH_BIND_FAILED);
		return NULL;
	}
	phase_set(t, ENG_PH_BOUND);
	tgt_loop(t);
	tgt_stop(t);
	D_INFO("target %u stopped\n", t->t_idx);
	phase_set(t, ENG_PH_STOPPED);
	return NULL;
}

/* ---- System thread side ---- */

static void
tgts_free(struct eng_tgts *tg)
{
	for (uint32_t i = 0; i < tg->tg_cfg.tc_nr; i++) {
		struct eng_tgt *t = &tg->tg_tgts[i];

		eng_queue_fini(&t->t_inbox);
		eng_queue_fini(&t->t_outbox);
		proto_msg_fini(&t->t_msg);
		if (t->t_inbox_fd >= 0)
			close(t->t_inbox_fd);
		if (t->t_epfd >= 0)
			close(t->t_epfd);
	}
	pthread_cond_destroy(&tg->tg_cond);
	pthread_mutex_destroy(&tg->tg_lock);
	free(tg);
}

static int
tgt_send(struct eng_tgt *t, const struct eng_msg *m)
{
	uint64_t one = 1;
	ssize_t  n;
	int      rc;

	rc = eng_queue_push(&t->t_inbox, m);
	if (rc != 0)
		return rc;
	do {
		n = write(t->t_inbox_fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	return 0;
}

int
eng_tgts_stop(struct eng_tgts *tg)
{
	struct eng_msg  stop = {.em_type = ENG_MSG_STOP};
	struct timespec deadline;
	bool            leaked = false;

	if (tg == NULL)
		return 0;
	for (uint32_t i = 0; i < tg->tg_cfg.tc_nr; i++) {
		struct eng_tgt *t = &tg->tg_tgts[i];

		/* The inbox only ever holds START and STOP: never full here. */
		if (t->t_thread_ok && tgt_send(t, &stop) != 0)
			D_ERROR("target %u: inbox full, cannot send stop\n", i);
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ENG_TGT_STOP_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (long)(ENG_TGT_STOP_TIMEOUT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (uint32_t i = 0; i < tg->tg_cfg.tc_nr; i++) {
		struct eng_tgt *t = &tg->tg_tgts[i];
		int             rc;

		if (!t->t_thread_ok)
			continue;
		rc = pthread_timedjoin_np(t->t_thread, NULL, &deadline);
		if (rc != 0) {
			D_ERROR("target %u did not stop within %d ms: left behind\n", i,
				ENG_TGT_STOP_TIMEOUT_MS);
			pthread_detach(t->t_thread);
			leaked = true;
		}
		t->t_thread_ok = false;
	}
	if (leaked)
		return -DER_TIMEDOUT; /* a thread may still use tg: never freed */
	tgts_free(tg);
	return 0;
}

int
eng_tgts_create(const struct eng_tgts_cfg *cfg, struct eng_tgts **out, char *errbuf,
		size_t errlen)
{
	struct eng_tgts   *tg;
	pthread_condattr_t ca;
	uint64_t           deadline;
	int                rc = 0;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (cfg == NULL || out == NULL || cfg->tc_ip == NULL ||
	    strlen(cfg->tc_ip) >= NET_ADDR_STR_MAX || cfg->tc_nr == 0 ||
	    cfg->tc_nr > ENG_TARGETS_MAX || cfg->tc_nr > BIO_TGT_MAX || cfg->tc_port == 0 ||
	    (uint32_t)cfg->tc_port + cfg->tc_nr > 65535) {
		d_errbuf_printf(errbuf, errlen, "targets: bad configuration (address, port %u, "
				"%u targets)", cfg != NULL ? cfg->tc_port : 0,
				cfg != NULL ? cfg->tc_nr : 0);
		return -DER_INVAL;
	}
	tg = calloc(1, sizeof(*tg) + cfg->tc_nr * sizeof(tg->tg_tgts[0]));
	if (tg == NULL)
		return -DER_NOMEM;
	tg->tg_cfg = *cfg;
	snprintf(tg->tg_ip, sizeof(tg->tg_ip), "%s", cfg->tc_ip);
	tg->tg_cfg.tc_ip = tg->tg_ip;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tg->tg_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&tg->tg_lock, NULL);
	for (uint32_t i = 0; i < cfg->tc_nr; i++) {
		struct eng_tgt *t = &tg->tg_tgts[i];

		t->t_set      = tg;
		t->t_idx      = i;
		t->t_epfd     = -1;
		t->t_inbox_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		t->t_tm.tt_tm = cfg->tc_telem;
		atomic_init(&t->t_phase, ENG_PH_INIT);
		proto_msg_init(&t->t_msg);
		if (t->t_inbox_fd < 0 ||
		    eng_queue_init(&t->t_inbox, ENG_TGT_INBOX_MAX, sizeof(struct eng_msg)) != 0 ||
		    eng_queue_init(&t->t_outbox, ENG_TGT_OUTBOX_MAX,
				   sizeof(struct eng_tgt_event)) != 0) {
			rc = -DER_NOMEM;
			d_errbuf_printf(errbuf, errlen, "targets: out of memory or descriptors");
			goto fail;
		}
	}
	for (uint32_t i = 0; i < cfg->tc_nr; i++) {
		struct eng_tgt *t = &tg->tg_tgts[i];

		if (pthread_create(&t->t_thread, NULL, tgt_main, t) != 0) {
			rc = -DER_NOMEM;
			d_errbuf_printf(errbuf, errlen, "target %u: cannot create its thread", i);
			goto fail;
		}
		t->t_thread_ok = true;
	}

	/* Wait (bounded) until every target is listening or failed to. */
	deadline = now_ms() + ENG_TGT_BIND_TIMEOUT_MS;
	pthread_mutex_lock(&tg->tg_lock);
	for (uint32_t i = 0; i < cfg->tc_nr && rc == 0; i++) {
		struct eng_tgt *t = &tg->tg_tgts[i];

		while (atomic_load(&t->t_phase) == ENG_PH_INIT) {
			struct timespec ts;
			uint64_t        now = now_ms();

			if (now >= deadline) {
				rc = -DER_TIMEDOUT;
				d_errbuf_printf(errbuf, errlen,
						"target %u did not bind %s:%u within %d ms", i,
						tg->tg_ip, cfg->tc_port + 1 + i,
						ENG_TGT_BIND_TIMEOUT_MS);
				break;
			}
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)((deadline - now) / 1000);
			ts.tv_nsec += (long)((deadline - now) % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&tg->tg_cond, &tg->tg_lock, &ts);
		}
		if (rc == 0 && atomic_load(&t->t_phase) == ENG_PH_BIND_FAILED) {
			rc = t->t_bind_rc;
			d_errbuf_printf(errbuf, errlen, "target %u cannot listen on %s:%u: %s", i,
					tg->tg_ip, cfg->tc_port + 1 + i, t->t_bind_err);
		}
	}
	pthread_mutex_unlock(&tg->tg_lock);
	if (rc != 0)
		goto fail;
	D_INFO("%u target(s) listening on %s:%u-%u\n", cfg->tc_nr, tg->tg_ip, cfg->tc_port + 1,
	       cfg->tc_port + cfg->tc_nr);
	*out = tg;
	return 0;
fail:
	/* Threads that bound their port are stopped; one left behind keeps tg. */
	(void)eng_tgts_stop(tg);
	return rc;
}

int
eng_tgts_start(struct eng_tgts *tg, struct eng_storage *st)
{
	struct eng_msg m = {.em_type = ENG_MSG_START, .em_st = st};
	int            rc;

	if (tg == NULL || st == NULL || tg->tg_started)
		return -DER_INVAL;
	tg->tg_started = true;
	for (uint32_t i = 0; i < tg->tg_cfg.tc_nr; i++) {
		rc = tgt_send(&tg->tg_tgts[i], &m);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
eng_tgts_event(struct eng_tgts *tg, struct eng_tgt_event *ev)
{
	for (uint32_t n = 0; n < tg->tg_cfg.tc_nr; n++) {
		uint32_t i = (tg->tg_rr + n) % tg->tg_cfg.tc_nr;

		if (eng_queue_pop(&tg->tg_tgts[i].t_outbox, ev) == 0) {
			tg->tg_rr = i + 1;
			return 0;
		}
	}
	return -DER_AGAIN;
}

uint32_t
eng_tgts_nr(const struct eng_tgts *tg)
{
	return tg == NULL ? 0 : tg->tg_cfg.tc_nr;
}

uint16_t
eng_tgts_port(const struct eng_tgts *tg, uint32_t t)
{
	if (tg == NULL || t >= tg->tg_cfg.tc_nr)
		return 0;
	return (uint16_t)(tg->tg_cfg.tc_port + 1 + t);
}
