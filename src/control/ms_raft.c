/*
 * ms_raft.c: the Management Service's Raft node (see ms_raft.h for the
 * threading rules, the shutdown workaround and the node states).
 *
 * Invariants:
 *  1. Every raft and libuv call happens on the loop thread; the only state
 *     other threads touch is under mr_lock: the submit queue, mr_accepting
 *     and the cached leader. uv_async_send() is called with mr_lock held and
 *     mr_accepting true, and mr_accepting turns false long before the async
 *     handle is closed, so no thread can signal a closed handle.
 *  2. mr_inflight counts exactly the raft_apply requests raft holds (on the
 *     mr_reqs list); each request's memory is freed only in its raft
 *     callback, so raft never touches freed memory, even for a request whose
 *     caller already got -DER_SHUTDOWN (rq_orphan).
 *  3. raft_close() is called only in state CLOSING, entered only with
 *     mr_inflight == 0, and never from inside a raft callback (the close is
 *     deferred to a libuv timer), so the raft 0.15 close crash cannot occur.
 *  4. Every user callback of an accepted apply or submit fires exactly once.
 *  5. Every log entry is a command that ms_cmd_validate() accepted, padded
 *     with blanks to a multiple of 8 bytes: raft_uv 0.15 pads entries when it
 *     writes a segment but not when it reads one back, so any other length
 *     makes the log unreadable at the next start.
 *  6. Raft holds at most MS_RAFT_INFLIGHT_MAX applies (see ms_raft.h for why
 *     this bound is also flow control).
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <raft.h>
#include <raft/uv.h>
#include <uv.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "control/ms_raft.h"

/* Alignment of log entries that raft_uv 0.15 can read back (see mr_propose). */
#define MS_RAFT_ENTRY_ALIGN 8
_Static_assert(MS_CMD_MAX % MS_RAFT_ENTRY_ALIGN == 0, "padding must keep commands in bounds");

enum mr_state {
	MR_RUNNING,
	MR_DRAINING,
	MR_CLOSING,
};

/* An apply held by raft. */
struct ms_raft_req {
	struct raft_apply   rq_apply; /* rq_apply.data = this request */
	struct ms_raft     *rq_mr;
	ms_raft_apply_cb    rq_cb;
	void               *rq_arg;
	bool                rq_orphan; /* caller already told -DER_SHUTDOWN */
	struct ms_raft_req *rq_prev;
	struct ms_raft_req *rq_next;
};

/* A command queued by ms_raft_submit(). */
struct ms_raft_sub {
	void            *sb_buf;
	size_t           sb_len;
	ms_raft_apply_cb sb_cb;
	void            *sb_arg;
};

struct ms_raft {
	uv_loop_t                *mr_loop;
	struct raft               mr_raft;
	struct raft_io            mr_io;
	struct raft_uv_transport  mr_transport;
	struct ms_fsm             mr_fsm;
	struct ms_db             *mr_db;
	uv_async_t                mr_async;
	uv_check_t                mr_check;
	uv_timer_t                mr_timer;
	int                       mr_handles;     /* libuv handles not yet closed */
	enum mr_state             mr_state;
	bool                      mr_tcp_inited;
	bool                      mr_io_inited;
	bool                      mr_raft_inited;
	bool                      mr_drain_armed; /* stop timeout started */
	bool                      mr_drain_expired;
	bool                      mr_init_pending; /* an INIT proposal in flight */
	struct ms_raft_req        mr_reqs;        /* list sentinel (invariant 2) */
	uint32_t                  mr_inflight;
	uint32_t                  mr_stop_timeout_ms;
	uint64_t                  mr_id;
	char                      mr_addr[MS_RAFT_ADDR_MAX];
	ms_raft_leader_cb         mr_leader_cb;
	void                     *mr_cb_arg;
	ms_raft_stop_cb           mr_stop_cb;
	void                     *mr_stop_arg;
	/* Last leadership reported to mr_leader_cb (loop thread only). */
	bool                      mr_seen_leader;
	uint64_t                  mr_seen_id;
	/* Under mr_lock (invariant 1). */
	pthread_mutex_t           mr_lock;
	bool                      mr_accepting;
	uint32_t                  mr_sub_head;
	uint32_t                  mr_sub_nr;
	bool                      mr_is_leader;
	uint64_t                  mr_leader_id;
	char                      mr_leader_addr[MS_RAFT_ADDR_MAX];
	struct ms_raft_sub        mr_subs[MS_RAFT_SUBMIT_MAX];
};

/*
 * FSM glue
 */

static int
fsm_apply(struct raft_fsm *fsm, const struct raft_buffer *buf, void **result)
{
	struct ms_fsm *f = fsm->data;
	int            rc;

	rc = ms_db_apply(f->mf_db, buf->base, buf->len, &f->mf_result);
	if (rc == -DER_NOMEM) {
		/* Skipping the entry would make this replica diverge: stop and
		 * let raft retry it. */
		D_ERROR("MS apply: out of memory; raft will retry the entry\n");
		return RAFT_NOMEM;
	}
	if (rc != 0)
		D_DEBUG("MS command refused: " DF_RC ": %s\n", DP_RC(rc), f->mf_result.mr_msg);
	f->mf_nr_applied++;
	*result = &f->mf_result;
	return 0;
}

static int
fsm_snapshot(struct raft_fsm *fsm, struct raft_buffer *bufs[], unsigned *n_bufs)
{
	struct ms_fsm      *f = fsm->data;
	struct raft_buffer *b;
	void               *snap;
	size_t              len;
	int                 rc;

	rc = ms_db_snapshot(f->mf_db, &snap, &len);
	if (rc != 0)
		return RAFT_NOMEM;
	b = raft_malloc(sizeof(*b));
	if (b == NULL) {
		free(snap);
		return RAFT_NOMEM;
	}
	b->base = raft_malloc(len);
	if (b->base == NULL) {
		raft_free(b);
		free(snap);
		return RAFT_NOMEM;
	}
	memcpy(b->base, snap, len);
	b->len = len;
	free(snap);
	*bufs   = b;
	*n_bufs = 1;
	f->mf_nr_snapshots++;
	return 0;
}

static int
fsm_restore(struct raft_fsm *fsm, struct raft_buffer *buf)
{
	struct ms_fsm *f = fsm->data;
	int            rc;

	rc = ms_db_restore(f->mf_db, buf->base, buf->len, f->mf_restore_msg,
			   sizeof(f->mf_restore_msg));
	f->mf_restore_rc = rc;
	if (rc != 0) {
		/* On failure raft keeps ownership of the buffer and frees it. */
		D_ERROR("MS snapshot restore failed: " DF_RC ": %s\n", DP_RC(rc),
			f->mf_restore_msg);
		return rc == -DER_NOMEM ? RAFT_NOMEM : RAFT_CORRUPT;
	}
	raft_free(buf->base);
	f->mf_nr_restores++;
	return 0;
}

void
ms_fsm_init(struct ms_fsm *fsm, struct ms_db *db)
{
	memset(fsm, 0, sizeof(*fsm));
	fsm->mf_db            = db;
	fsm->mf_fsm.version   = 1;
	fsm->mf_fsm.data      = fsm;
	fsm->mf_fsm.apply     = fsm_apply;
	fsm->mf_fsm.snapshot  = fsm_snapshot;
	fsm->mf_fsm.restore   = fsm_restore;
}

/*
 * Configuration checks
 */

/* Strict "a.b.c.d:port": decimal octets 0..255 and port 1..65535, no leading
 * zeros, nothing else. */
static bool
addr_parse(const char *s, struct sockaddr_in *sa)
{
	uint32_t ip = 0;
	unsigned port;

	if (s == NULL || strlen(s) >= MS_RAFT_ADDR_MAX)
		return false;
	for (int i = 0; i < 5; i++) {
		unsigned v = 0;
		int      n = 0;

		if (*s == '0' && s[1] >= '0' && s[1] <= '9')
			return false;
		while (*s >= '0' && *s <= '9' && n < 5) {
			v = v * 10 + (unsigned)(*s - '0');
			s++;
			n++;
		}
		if (n == 0)
			return false;
		if (i < 4) {
			if (v > 255 || n > 3 || *s != (i < 3 ? '.' : ':'))
				return false;
			ip = (ip << 8) | v;
			s++;
		} else {
			if (v == 0 || v > 65535 || *s != '\0')
				return false;
			port = v;
		}
	}
	if (sa != NULL) {
		memset(sa, 0, sizeof(*sa));
		sa->sin_family      = AF_INET;
		sa->sin_addr.s_addr = htonl(ip);
		sa->sin_port        = htons((uint16_t)port);
	}
	return true;
}

static int
addr_check(const char *what, const char *addr, char *errbuf, size_t errlen)
{
	char q[80];

	if (addr_parse(addr, NULL))
		return 0;
	d_errbuf_printf(errbuf, errlen,
			"%s '%s' is not a numeric IPv4 address and port a.b.c.d:port (the raft "
			"library cannot resolve host names or use IPv6)",
			what, addr == NULL ? "(null)" : d_errbuf_quote(q, addr, strlen(addr), 64));
	return -DER_INVAL;
}

static int
range_check(const char *what, uint64_t v, uint64_t min, uint64_t max, char *errbuf,
	    size_t errlen)
{
	if (v >= min && v <= max)
		return 0;
	d_errbuf_printf(errbuf, errlen, "%s must be in [%llu, %llu], got %llu", what,
			(unsigned long long)min, (unsigned long long)max,
			(unsigned long long)v);
	return -DER_INVAL;
}

static int
cfg_check(const struct ms_raft_cfg *cfg, char *errbuf, size_t errlen)
{
	struct stat st;
	uint32_t    et;
	uint32_t    ht;
	bool        self = false;
	int         rc;

	if (cfg == NULL || cfg->rc_loop == NULL || cfg->rc_db == NULL || cfg->rc_dir == NULL) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: the loop, database and data directory "
				"are required");
		return -DER_INVAL;
	}
	if (cfg->rc_id == 0) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: node id must be greater than 0");
		return -DER_INVAL;
	}
	rc = addr_check("ms_raft: node address", cfg->rc_addr, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (cfg->rc_voters == NULL || cfg->rc_nr_voters == 0 ||
	    cfg->rc_nr_voters > MS_RAFT_VOTERS_MAX) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: the voter list must have 1 to %d voters",
				MS_RAFT_VOTERS_MAX);
		return -DER_INVAL;
	}
	for (uint32_t i = 0; i < cfg->rc_nr_voters; i++) {
		const struct ms_raft_peer *p = &cfg->rc_voters[i];

		if (p->rp_id == 0) {
			d_errbuf_printf(errbuf, errlen, "ms_raft: voter %u has id 0", i);
			return -DER_INVAL;
		}
		rc = addr_check("ms_raft: voter address", p->rp_addr, errbuf, errlen);
		if (rc != 0)
			return rc;
		for (uint32_t j = 0; j < i; j++) {
			if (cfg->rc_voters[j].rp_id == p->rp_id) {
				d_errbuf_printf(errbuf, errlen, "ms_raft: voter id %llu appears twice",
						(unsigned long long)p->rp_id);
				return -DER_INVAL;
			}
			if (strcmp(cfg->rc_voters[j].rp_addr, p->rp_addr) == 0) {
				d_errbuf_printf(errbuf, errlen,
						"ms_raft: voter address %s appears twice", p->rp_addr);
				return -DER_INVAL;
			}
		}
		if (p->rp_id == cfg->rc_id) {
			if (strcmp(p->rp_addr, cfg->rc_addr) != 0) {
				d_errbuf_printf(errbuf, errlen,
						"ms_raft: node %llu is %s in the voter list but %s "
						"itself",
						(unsigned long long)p->rp_id, p->rp_addr,
						cfg->rc_addr);
				return -DER_INVAL;
			}
			self = true;
		}
	}
	if (!self) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: node %llu is not in the voter list",
				(unsigned long long)cfg->rc_id);
		return -DER_INVAL;
	}
	if (stat(cfg->rc_dir, &st) != 0) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: data directory '%s': %s", cfg->rc_dir,
				strerror(errno));
		return -DER_INVAL;
	}
	if (!S_ISDIR(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: data directory '%s' is not a directory",
				cfg->rc_dir);
		return -DER_INVAL;
	}
	et = cfg->rc_election_timeout_ms ?: MS_RAFT_ELECTION_TIMEOUT_MS_DEF;
	ht = cfg->rc_heartbeat_timeout_ms ?: MS_RAFT_HEARTBEAT_TIMEOUT_MS_DEF;
	rc = range_check("ms_raft: election timeout (ms)", et, MS_RAFT_TIMEOUT_MS_MIN,
			 MS_RAFT_TIMEOUT_MS_MAX, errbuf, errlen);
	if (rc == 0)
		rc = range_check("ms_raft: heartbeat timeout (ms)", ht, MS_RAFT_TIMEOUT_MS_MIN,
				 et - 1, errbuf, errlen);
	if (rc == 0 && cfg->rc_segment_size != 0)
		rc = range_check("ms_raft: segment size", cfg->rc_segment_size,
				 MS_RAFT_SEGMENT_SIZE_MIN, MS_RAFT_SEGMENT_SIZE_MAX, errbuf,
				 errlen);
	if (rc == 0 && cfg->rc_stop_timeout_ms != 0)
		rc = range_check("ms_raft: stop timeout (ms)", cfg->rc_stop_timeout_ms,
				 MS_RAFT_TIMEOUT_MS_MIN, MS_RAFT_TIMEOUT_MS_MAX, errbuf, errlen);
	if (rc == 0 && cfg->rc_install_snapshot_timeout_ms != 0)
		rc = range_check("ms_raft: install snapshot timeout (ms)",
				 cfg->rc_install_snapshot_timeout_ms, MS_RAFT_TIMEOUT_MS_MIN,
				 MS_RAFT_TIMEOUT_MS_MAX, errbuf, errlen);
	if (rc == 0 && cfg->rc_connect_retry_ms != 0)
		rc = range_check("ms_raft: connect retry delay (ms)", cfg->rc_connect_retry_ms,
				 MS_RAFT_TIMEOUT_MS_MIN, MS_RAFT_TIMEOUT_MS_MAX, errbuf, errlen);
	return rc;
}

/* The raft library's listen error is terse; find an address in use first. */
static int
addr_probe(const char *addr, char *errbuf, size_t errlen)
{
	struct sockaddr_in sa;
	int                fd;
	int                one = 1;
	int                rc  = 0;

	addr_parse(addr, &sa);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0; /* let raft report it */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno == EADDRINUSE) {
			d_errbuf_printf(errbuf, errlen, "ms_raft: address %s is in use", addr);
			rc = -DER_BUSY;
		} else {
			d_errbuf_printf(errbuf, errlen, "ms_raft: cannot bind address %s: %s",
					addr, strerror(errno));
			rc = -DER_INVAL;
		}
	}
	close(fd);
	return rc;
}

/*
 * Teardown
 */

static void
mr_free(struct ms_raft *mr)
{
	ms_raft_stop_cb cb  = mr->mr_stop_cb;
	void           *arg = mr->mr_stop_arg;

	assert(mr->mr_inflight == 0);
	for (uint32_t i = 0; i < mr->mr_sub_nr; i++)
		free(mr->mr_subs[(mr->mr_sub_head + i) % MS_RAFT_SUBMIT_MAX].sb_buf);
	pthread_mutex_destroy(&mr->mr_lock);
	if (cb != NULL)
		cb(arg);
	free(mr);
}

static void
mr_handle_closed(uv_handle_t *h)
{
	struct ms_raft *mr = h->data;

	if (--mr->mr_handles == 0)
		mr_free(mr);
}

static void
mr_close_handles(struct ms_raft *mr)
{
	uv_handle_t *hs[] = {(uv_handle_t *)&mr->mr_async, (uv_handle_t *)&mr->mr_check,
			     (uv_handle_t *)&mr->mr_timer};

	if (mr->mr_handles == 0) {
		mr_free(mr);
		return;
	}
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		if (hs[i]->data != NULL && !uv_is_closing(hs[i]))
			uv_close(hs[i], mr_handle_closed);
}

static void
mr_raft_closed(struct raft *r)
{
	struct ms_raft *mr = r->data;

	raft_uv_close(&mr->mr_io);
	raft_uv_tcp_close(&mr->mr_transport);
	mr_close_handles(mr);
}

/* Forget the leader (cache and callback) as the node goes away. */
static void
mr_leader_clear(struct ms_raft *mr)
{
	pthread_mutex_lock(&mr->mr_lock);
	mr->mr_is_leader      = false;
	mr->mr_leader_id      = 0;
	mr->mr_leader_addr[0] = '\0';
	pthread_mutex_unlock(&mr->mr_lock);
	if ((mr->mr_seen_leader || mr->mr_seen_id != 0) && mr->mr_leader_cb != NULL)
		mr->mr_leader_cb(mr->mr_cb_arg, false, 0, NULL);
	mr->mr_seen_leader = false;
	mr->mr_seen_id     = 0;
}

/* Invariant 3: only with nothing in flight, never from a raft callback. */
static void
mr_close(struct ms_raft *mr)
{
	assert(mr->mr_inflight == 0);
	mr->mr_state = MR_CLOSING;
	uv_timer_stop(&mr->mr_timer);
	mr_leader_clear(mr);
	raft_close(&mr->mr_raft, mr_raft_closed);
}

/* Pop one submitted command; false when the queue is empty. */
static bool
mr_sub_pop(struct ms_raft *mr, struct ms_raft_sub *sub)
{
	bool got = false;

	pthread_mutex_lock(&mr->mr_lock);
	if (mr->mr_sub_nr > 0) {
		*sub            = mr->mr_subs[mr->mr_sub_head];
		mr->mr_sub_head = (mr->mr_sub_head + 1) % MS_RAFT_SUBMIT_MAX;
		mr->mr_sub_nr--;
		got = true;
	}
	pthread_mutex_unlock(&mr->mr_lock);
	return got;
}

/* Drain steps of a stop, run from the timer so never inside a raft callback. */
static void
mr_timer_cb(uv_timer_t *t)
{
	struct ms_raft    *mr = t->data;
	struct ms_raft_sub sub;

	if (mr->mr_state != MR_DRAINING)
		return;
	while (mr_sub_pop(mr, &sub)) {
		free(sub.sb_buf);
		if (sub.sb_cb != NULL)
			sub.sb_cb(sub.sb_arg, -DER_SHUTDOWN, NULL);
	}
	if (mr->mr_inflight == 0) {
		mr_close(mr);
		return;
	}
	if (!mr->mr_drain_armed) {
		mr->mr_drain_armed = true;
		uv_timer_start(&mr->mr_timer, mr_timer_cb, mr->mr_stop_timeout_ms, 0);
		return;
	}
	if (mr->mr_drain_expired)
		return;
	/* Timeout: tell the callers now; raft keeps the requests until it lets
	 * them go (commit or step-down), and only then do we close. */
	mr->mr_drain_expired = true;
	D_WARN("MS raft node %llu: %u applies still in flight after %u ms; failing them with "
	       "-DER_SHUTDOWN and waiting for raft to release them before closing\n",
	       (unsigned long long)mr->mr_id, mr->mr_inflight, mr->mr_stop_timeout_ms);
	for (struct ms_raft_req *rq = mr->mr_reqs.rq_next; rq != &mr->mr_reqs; rq = rq->rq_next) {
		if (rq->rq_orphan)
			continue;
		rq->rq_orphan = true;
		if (rq->rq_cb != NULL)
			rq->rq_cb(rq->rq_arg, -DER_SHUTDOWN, NULL);
	}
}

/*
 * Applies
 */

static int
mr_status2rc(const struct ms_raft *mr, int status)
{
	switch (status) {
	case RAFT_NOTLEADER:
	case RAFT_LEADERSHIPLOST:
		return mr->mr_state == MR_RUNNING ? -DER_NOTLEADER : -DER_SHUTDOWN;
	case RAFT_SHUTDOWN:
		return -DER_SHUTDOWN;
	case RAFT_NOMEM:
		return -DER_NOMEM;
	case RAFT_TOOBIG:
		return -DER_OVERFLOW;
	default:
		return -DER_IO;
	}
}

static void
mr_apply_cb(struct raft_apply *ra, int status, void *result)
{
	struct ms_raft_req *rq = ra->data;
	struct ms_raft     *mr = rq->rq_mr;

	rq->rq_prev->rq_next = rq->rq_next;
	rq->rq_next->rq_prev = rq->rq_prev;
	mr->mr_inflight--;
	if (!rq->rq_orphan && rq->rq_cb != NULL) {
		if (status == 0) {
			const struct ms_db_result *res = result;

			rq->rq_cb(rq->rq_arg, res->mr_rc, res);
		} else {
			rq->rq_cb(rq->rq_arg, mr_status2rc(mr, status), NULL);
		}
	}
	free(rq);
	/* Room in the pipeline: let queued submits in (from the loop, not from
	 * inside raft). */
	if (mr->mr_state == MR_RUNNING && mr->mr_inflight == MS_RAFT_INFLIGHT_MAX - 1) {
		pthread_mutex_lock(&mr->mr_lock);
		if (mr->mr_sub_nr > 0)
			uv_async_send(&mr->mr_async);
		pthread_mutex_unlock(&mr->mr_lock);
	}
	/* Close from the loop, not from inside raft (invariant 3). */
	if (mr->mr_state == MR_DRAINING && mr->mr_inflight == 0)
		uv_timer_start(&mr->mr_timer, mr_timer_cb, 0, 0);
}

/* Hand a well-formed command to raft. */
static int
mr_propose(struct ms_raft *mr, const void *cmd, size_t len, ms_raft_apply_cb cb, void *arg)
{
	struct ms_raft_req *rq;
	struct raft_buffer  buf;
	size_t              padded;
	int                 rv;

	rq = calloc(1, sizeof(*rq));
	if (rq == NULL)
		return -DER_NOMEM;
	/* raft_uv 0.15 needs entries of a multiple of 8 bytes: its segment
	 * writer pads each entry but its loader does not skip the padding, so a
	 * log with other lengths cannot be read back. JSON allows trailing
	 * blanks, so pad with spaces (MS_CMD_MAX is a multiple of 8). */
	padded   = (len + MS_RAFT_ENTRY_ALIGN - 1) & ~(size_t)(MS_RAFT_ENTRY_ALIGN - 1);
	buf.base = raft_malloc(padded);
	if (buf.base == NULL) {
		free(rq);
		return -DER_NOMEM;
	}
	memcpy(buf.base, cmd, len);
	memset((char *)buf.base + len, ' ', padded - len);
	buf.len            = padded;
	rq->rq_mr          = mr;
	rq->rq_cb          = cb;
	rq->rq_arg         = arg;
	rq->rq_apply.data  = rq;
	rv = raft_apply(&mr->mr_raft, &rq->rq_apply, &buf, 1, mr_apply_cb);
	if (rv != 0) {
		/* The payload passes to raft only on success. */
		raft_free(buf.base);
		free(rq);
		return mr_status2rc(mr, rv);
	}
	rq->rq_next                  = &mr->mr_reqs;
	rq->rq_prev                  = mr->mr_reqs.rq_prev;
	mr->mr_reqs.rq_prev->rq_next = rq;
	mr->mr_reqs.rq_prev          = rq;
	mr->mr_inflight++;
	return 0;
}

int
ms_raft_apply(struct ms_raft *mr, const void *cmd, size_t len, ms_raft_apply_cb cb, void *arg)
{
	char msg[MS_MSG_MAX];
	int  rc;

	if (mr == NULL || (cmd == NULL && len > 0))
		return -DER_INVAL;
	if (mr->mr_state != MR_RUNNING)
		return -DER_SHUTDOWN;
	if (raft_state(&mr->mr_raft) != RAFT_LEADER)
		return -DER_NOTLEADER;
	if (mr->mr_inflight >= MS_RAFT_INFLIGHT_MAX)
		return -DER_BUSY;
	/* Keep malformed commands out of the log altogether. */
	rc = ms_cmd_validate(cmd, len, msg, sizeof(msg));
	if (rc != 0) {
		D_ERROR("MS command refused before proposing: " DF_RC ": %s\n", DP_RC(rc), msg);
		return rc;
	}
	return mr_propose(mr, cmd, len, cb, arg);
}

static void
mr_async_cb(uv_async_t *h)
{
	struct ms_raft    *mr = h->data;
	struct ms_raft_sub sub;
	uint32_t           budget;

	if (mr->mr_state != MR_RUNNING)
		return; /* the stop's drain step fails what is queued */
	/* Take only what is queued now, so a busy producer cannot starve the
	 * loop; a later wake-up takes the rest. */
	pthread_mutex_lock(&mr->mr_lock);
	budget = mr->mr_sub_nr;
	pthread_mutex_unlock(&mr->mr_lock);
	/* Commands wait in the queue while raft holds MS_RAFT_INFLIGHT_MAX applies:
	 * that is the flow control (mr_apply_cb wakes us as applies finish). */
	while (budget-- > 0 && mr->mr_state == MR_RUNNING &&
	       mr->mr_inflight < MS_RAFT_INFLIGHT_MAX && mr_sub_pop(mr, &sub)) {
		int rc = ms_raft_apply(mr, sub.sb_buf, sub.sb_len, sub.sb_cb, sub.sb_arg);

		free(sub.sb_buf);
		if (rc != 0 && sub.sb_cb != NULL)
			sub.sb_cb(sub.sb_arg, rc, NULL);
	}
	pthread_mutex_lock(&mr->mr_lock);
	if (mr->mr_sub_nr > 0 && mr->mr_accepting && mr->mr_inflight < MS_RAFT_INFLIGHT_MAX)
		uv_async_send(&mr->mr_async);
	pthread_mutex_unlock(&mr->mr_lock);
}

int
ms_raft_submit(struct ms_raft *mr, const void *cmd, size_t len, ms_raft_apply_cb cb, void *arg)
{
	struct ms_raft_sub *sub;
	void               *copy;
	int                 rc = 0;

	if (mr == NULL || cmd == NULL || len == 0 || len > MS_CMD_MAX)
		return -DER_INVAL;
	copy = malloc(len);
	if (copy == NULL)
		return -DER_NOMEM;
	memcpy(copy, cmd, len);
	pthread_mutex_lock(&mr->mr_lock);
	if (!mr->mr_accepting) {
		rc = -DER_SHUTDOWN;
	} else if (mr->mr_sub_nr >= MS_RAFT_SUBMIT_MAX) {
		rc = -DER_BUSY;
	} else {
		sub = &mr->mr_subs[(mr->mr_sub_head + mr->mr_sub_nr) % MS_RAFT_SUBMIT_MAX];
		sub->sb_buf = copy;
		sub->sb_len = len;
		sub->sb_cb  = cb;
		sub->sb_arg = arg;
		mr->mr_sub_nr++;
		/* Under the lock: see invariant 1. */
		uv_async_send(&mr->mr_async);
	}
	pthread_mutex_unlock(&mr->mr_lock);
	if (rc != 0)
		free(copy);
	return rc;
}

/*
 * Leadership
 */

static void
mr_init_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct ms_raft *mr = arg;

	mr->mr_init_pending = false;
	if (rc != 0 && rc != -DER_ALREADY)
		D_WARN("MS database INIT not applied: " DF_RC "%s%s\n", DP_RC(rc),
		       res != NULL ? ": " : "", res != NULL ? res->mr_msg : "");
}

/* A leader whose database has no UUID gives it one (ms_db.h, INIT). */
static void
mr_propose_init(struct ms_raft *mr)
{
	struct ms_cmd cmd = {.mc_op = MS_CMD_INIT};
	char          msg[MS_MSG_MAX];
	void         *buf;
	size_t        len;
	int           rc;

	uuid_generate(cmd.mc_uuid);
	cmd.mc_name = ms_db_sys_name(mr->mr_db);
	rc          = ms_cmd_encode(&cmd, &buf, &len, msg, sizeof(msg));
	if (rc != 0) {
		D_ERROR("MS: cannot encode INIT: " DF_RC ": %s\n", DP_RC(rc), msg);
		return;
	}
	rc = ms_raft_apply(mr, buf, len, mr_init_cb, mr);
	free(buf);
	if (rc == 0)
		mr->mr_init_pending = true;
}

/* After every loop iteration: notice leadership changes (raft 0.15 has no
 * state-change callback) and publish them. */
static void
mr_check_cb(uv_check_t *h)
{
	struct ms_raft *mr = h->data;
	raft_id         id;
	const char     *addr;
	bool            leader;

	if (mr->mr_state == MR_CLOSING)
		return;
	raft_leader(&mr->mr_raft, &id, &addr);
	leader = raft_state(&mr->mr_raft) == RAFT_LEADER;
	if (id == 0)
		addr = NULL;
	if (leader != mr->mr_seen_leader || id != mr->mr_seen_id) {
		pthread_mutex_lock(&mr->mr_lock);
		mr->mr_is_leader = leader;
		mr->mr_leader_id = id;
		snprintf(mr->mr_leader_addr, sizeof(mr->mr_leader_addr), "%s",
			 addr == NULL ? "" : addr);
		pthread_mutex_unlock(&mr->mr_lock);
		mr->mr_seen_leader = leader;
		mr->mr_seen_id     = id;
		D_INFO("MS raft node %llu: leader is %llu%s%s\n", (unsigned long long)mr->mr_id,
		       (unsigned long long)id, leader ? " (this node)" : "",
		       id == 0 ? " (none known)" : "");
		if (mr->mr_leader_cb != NULL)
			mr->mr_leader_cb(mr->mr_cb_arg, leader, id, addr);
	}
	if (leader && mr->mr_state == MR_RUNNING && !mr->mr_init_pending &&
	    !ms_db_has_uuid(mr->mr_db))
		mr_propose_init(mr);
}

int
ms_raft_leader(struct ms_raft *mr, uint64_t *id, char *addr, size_t len)
{
	int rc = 0;

	if (mr == NULL || id == NULL)
		return -DER_INVAL;
	pthread_mutex_lock(&mr->mr_lock);
	if (mr->mr_leader_id == 0) {
		rc = -DER_NOTLEADER;
	} else {
		*id = mr->mr_leader_id;
		if (addr != NULL && strlen(mr->mr_leader_addr) >= len)
			rc = -DER_TRUNC;
		else if (addr != NULL)
			strcpy(addr, mr->mr_leader_addr);
	}
	pthread_mutex_unlock(&mr->mr_lock);
	return rc;
}

bool
ms_raft_is_leader(struct ms_raft *mr)
{
	bool leader;

	pthread_mutex_lock(&mr->mr_lock);
	leader = mr->mr_is_leader;
	pthread_mutex_unlock(&mr->mr_lock);
	return leader;
}

void
ms_raft_info(struct ms_raft *mr, struct ms_raft_info *info)
{
	bool live = mr->mr_state != MR_CLOSING;

	memset(info, 0, sizeof(*info));
	info->ri_id             = mr->mr_id;
	info->ri_raft_state     = live ? raft_state(&mr->mr_raft) : RAFT_UNAVAILABLE;
	info->ri_last_applied   = live ? raft_last_applied(&mr->mr_raft) : 0;
	info->ri_last_index     = live ? raft_last_index(&mr->mr_raft) : 0;
	info->ri_snapshot_index = live ? mr->mr_raft.log.snapshot.last_index : 0;
	info->ri_nr_applied     = mr->mr_fsm.mf_nr_applied;
	info->ri_nr_snapshots   = mr->mr_fsm.mf_nr_snapshots;
	info->ri_nr_restores    = mr->mr_fsm.mf_nr_restores;
	info->ri_inflight       = mr->mr_inflight;
}

/*
 * Start and stop
 */

static int
mr_raft_rc(int rv)
{
	switch (rv) {
	case RAFT_NOMEM:
		return -DER_NOMEM;
	case RAFT_INVALID:
	case RAFT_BADID:
	case RAFT_NAMETOOLONG:
	case RAFT_NOTFOUND:
		return -DER_INVAL;
	default:
		return -DER_IO;
	}
}

/* Undo a failed start; memory goes once the loop has closed the handles. */
static void
mr_start_undo(struct ms_raft *mr)
{
	mr->mr_state = MR_CLOSING;
	if (mr->mr_raft_inited) {
		raft_close(&mr->mr_raft, mr_raft_closed);
		return;
	}
	if (mr->mr_io_inited)
		raft_uv_close(&mr->mr_io);
	if (mr->mr_tcp_inited)
		raft_uv_tcp_close(&mr->mr_transport);
	mr_close_handles(mr);
}

int
ms_raft_start(const struct ms_raft_cfg *cfg, struct ms_raft **out, char *errbuf,
	      size_t errlen)
{
	struct raft_configuration conf;
	struct ms_raft           *mr;
	int                       rv;
	int                       rc;

	if (out == NULL) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: NULL argument");
		return -DER_INVAL;
	}
	rc = cfg_check(cfg, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = addr_probe(cfg->rc_addr, errbuf, errlen);
	if (rc != 0)
		return rc;

	mr = calloc(1, sizeof(*mr));
	if (mr == NULL)
		return -DER_NOMEM;
	rc = pthread_mutex_init(&mr->mr_lock, NULL);
	if (rc != 0) {
		free(mr);
		return -DER_NOMEM;
	}
	mr->mr_loop            = cfg->rc_loop;
	mr->mr_db              = cfg->rc_db;
	mr->mr_id              = cfg->rc_id;
	mr->mr_state           = MR_RUNNING;
	mr->mr_reqs.rq_next    = &mr->mr_reqs;
	mr->mr_reqs.rq_prev    = &mr->mr_reqs;
	mr->mr_stop_timeout_ms = cfg->rc_stop_timeout_ms ?: MS_RAFT_STOP_TIMEOUT_MS_DEF;
	mr->mr_leader_cb       = cfg->rc_leader_cb;
	mr->mr_cb_arg          = cfg->rc_cb_arg;
	snprintf(mr->mr_addr, sizeof(mr->mr_addr), "%s", cfg->rc_addr);

	if (uv_async_init(mr->mr_loop, &mr->mr_async, mr_async_cb) != 0)
		goto err_uv;
	mr->mr_async.data = mr;
	mr->mr_handles++;
	uv_check_init(mr->mr_loop, &mr->mr_check);
	mr->mr_check.data = mr;
	mr->mr_handles++;
	uv_check_start(&mr->mr_check, mr_check_cb);
	uv_timer_init(mr->mr_loop, &mr->mr_timer);
	mr->mr_timer.data = mr;
	mr->mr_handles++;

	rv = raft_uv_tcp_init(&mr->mr_transport, mr->mr_loop);
	if (rv != 0) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: raft_uv_tcp_init: %s",
				raft_strerror(rv));
		rc = mr_raft_rc(rv);
		goto err;
	}
	mr->mr_tcp_inited = true;
	rv = raft_uv_init(&mr->mr_io, mr->mr_loop, cfg->rc_dir, &mr->mr_transport);
	if (rv != 0) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: raft_uv_init(%s): %s: %s", cfg->rc_dir,
				raft_strerror(rv), mr->mr_io.errmsg);
		rc = mr_raft_rc(rv);
		goto err;
	}
	mr->mr_io_inited = true;
	raft_uv_set_segment_size(&mr->mr_io, cfg->rc_segment_size ?: MS_RAFT_SEGMENT_SIZE_DEF);
	raft_uv_set_connect_retry_delay(&mr->mr_io,
					cfg->rc_connect_retry_ms ?: MS_RAFT_CONNECT_RETRY_MS_DEF);

	ms_fsm_init(&mr->mr_fsm, cfg->rc_db);
	ms_db_set_ras_cb(cfg->rc_db, cfg->rc_ras_cb, cfg->rc_cb_arg);
	rv = raft_init(&mr->mr_raft, &mr->mr_io, &mr->mr_fsm.mf_fsm, cfg->rc_id, cfg->rc_addr);
	if (rv != 0) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: raft_init: %s: %s", raft_strerror(rv),
				raft_errmsg(&mr->mr_raft));
		rc = mr_raft_rc(rv);
		goto err;
	}
	mr->mr_raft_inited = true;
	mr->mr_raft.data   = mr;

	/* Every access point bootstraps the same voters; a node with state
	 * refuses with RAFT_CANTBOOTSTRAP, the normal restart case. */
	raft_configuration_init(&conf);
	for (uint32_t i = 0; i < cfg->rc_nr_voters; i++) {
		rv = raft_configuration_add(&conf, cfg->rc_voters[i].rp_id,
					    cfg->rc_voters[i].rp_addr, RAFT_VOTER);
		if (rv != 0)
			break;
	}
	if (rv == 0)
		rv = raft_bootstrap(&mr->mr_raft, &conf);
	raft_configuration_close(&conf);
	if (rv != 0 && rv != RAFT_CANTBOOTSTRAP) {
		d_errbuf_printf(errbuf, errlen, "ms_raft: bootstrap of %s: %s: %s", cfg->rc_dir,
				raft_strerror(rv), raft_errmsg(&mr->mr_raft));
		rc = mr_raft_rc(rv);
		goto err;
	}

	raft_set_election_timeout(&mr->mr_raft,
				  cfg->rc_election_timeout_ms ?: MS_RAFT_ELECTION_TIMEOUT_MS_DEF);
	raft_set_heartbeat_timeout(&mr->mr_raft,
				   cfg->rc_heartbeat_timeout_ms ?: MS_RAFT_HEARTBEAT_TIMEOUT_MS_DEF);
	raft_set_snapshot_threshold(&mr->mr_raft,
				    cfg->rc_snapshot_threshold ?: MS_RAFT_SNAPSHOT_THRESHOLD_DEF);
	raft_set_snapshot_trailing(&mr->mr_raft,
				   cfg->rc_snapshot_trailing ?: MS_RAFT_SNAPSHOT_TRAILING_DEF);
	raft_set_install_snapshot_timeout(&mr->mr_raft,
					  cfg->rc_install_snapshot_timeout_ms
					      ?: MS_RAFT_INSTALL_SNAPSHOT_TIMEOUT_MS_DEF);

	rv = raft_start(&mr->mr_raft);
	if (rv != 0) {
		if (mr->mr_fsm.mf_restore_rc != 0) {
			rc = mr->mr_fsm.mf_restore_rc;
			d_errbuf_printf(errbuf, errlen,
					"ms_raft: cannot restore the MS database snapshot in %s: %s",
					cfg->rc_dir, mr->mr_fsm.mf_restore_msg);
		} else {
			rc = mr_raft_rc(rv);
			d_errbuf_printf(errbuf, errlen, "ms_raft: raft_start: %s: %s",
					raft_strerror(rv), raft_errmsg(&mr->mr_raft));
		}
		goto err;
	}
	pthread_mutex_lock(&mr->mr_lock);
	mr->mr_accepting = true;
	pthread_mutex_unlock(&mr->mr_lock);
	D_INFO("MS raft node %llu started on %s in %s\n", (unsigned long long)cfg->rc_id,
	       cfg->rc_addr, cfg->rc_dir);
	*out = mr;
	return 0;

err_uv:
	d_errbuf_printf(errbuf, errlen, "ms_raft: cannot set up the loop's handles");
	rc = -DER_NOMEM;
err:
	D_ERROR("%s\n", errbuf != NULL && errlen > 0 ? errbuf : "ms_raft_start failed");
	mr_start_undo(mr);
	return rc;
}

int
ms_raft_stop(struct ms_raft *mr, ms_raft_stop_cb cb, void *arg)
{
	if (mr == NULL)
		return -DER_INVAL;
	if (mr->mr_state != MR_RUNNING)
		return -DER_ALREADY;
	mr->mr_state    = MR_DRAINING;
	mr->mr_stop_cb  = cb;
	mr->mr_stop_arg = arg;
	pthread_mutex_lock(&mr->mr_lock);
	mr->mr_accepting = false;
	pthread_mutex_unlock(&mr->mr_lock);
	D_INFO("MS raft node %llu stopping, %u applies in flight\n",
	       (unsigned long long)mr->mr_id, mr->mr_inflight);
	/* The rest runs from the loop: the caller may be inside a callback. */
	uv_timer_start(&mr->mr_timer, mr_timer_cb, 0, 0);
	return 0;
}
