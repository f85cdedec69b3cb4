/*
 * engine_link.c: server side of the engine link (see engine_link.h for the
 * wire protocol and the connection invariants).
 *
 * Structure: one listening SOCK_SEQPACKET socket and one uv_poll handle per
 * descriptor on the owner's loop; one link timer drives request timeouts and
 * deferred connection teardown. Packets are received into one buffer owned by
 * the link (the loop runs one callback at a time), parsed with jansson and
 * dispatched by op.
 *
 * Connection states:
 *   OPEN --protocol error / peer closed / I/O error (read path)--> teardown
 *   OPEN --engine_link_conn_close / send queue overflow--> DOOMED
 *        --link timer (next loop turn)--> teardown
 *   teardown: pending requests fail, elo_closed (if accepted), uv_close;
 *   the descriptor is closed and the memory freed in the close callback.
 * Teardown never runs inside an engine_link_* call made by the owner (only
 * engine_link_close() tears down synchronously), so the owner's callbacks are
 * never re-entered from its own calls.
 *
 * Additional invariants:
 *  5. l_handles counts every open libuv handle of the link (listen poll,
 *     timer, connection polls); the link is freed only when it drops to 0
 *     after engine_link_close().
 *  6. A connection in the list is not torn down; c_closed is set exactly
 *     once, when it leaves the list.
 */
#define D_LOGFAC DD_FAC(control)

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
#include "gurt/rankset.h"
#include "control/engine_link.h"

struct el_pending {
	int64_t              pd_id;
	uint64_t             pd_deadline; /* uv_now() ms */
	engine_link_reply_cb pd_cb;
	void                *pd_arg;
};

struct el_out {
	char  *o_buf;
	size_t o_len;
};

struct engine_conn {
	struct engine_link *c_link;
	uv_poll_t           c_poll;
	int                 c_fd;
	int                 c_events;   /* events the poll watches */
	bool                c_accepted; /* elo_accept said yes: elo_closed is owed */
	bool                c_doomed;   /* teardown scheduled */
	int                 c_doom_rc;  /* status for pending requests at teardown */
	bool                c_closed;   /* torn down (invariant 6) */
	struct engine_peer  c_peer;
	void               *c_data;
	struct el_pending   c_pend[ENGINE_LINK_PENDING_MAX];
	uint32_t            c_pend_nr;
	struct el_out       c_q[ENGINE_LINK_SENDQ_MAX];
	uint32_t            c_q_head;
	uint32_t            c_q_nr;
	struct engine_conn *c_prev;
	struct engine_conn *c_next;
};

struct engine_link {
	uv_loop_t             *l_loop;
	struct engine_link_ops l_ops;
	void                  *l_arg;
	int                    l_fd;
	uv_poll_t              l_poll;
	uv_timer_t             l_timer;
	ino_t                  l_ino;
	dev_t                  l_dev;
	char                   l_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char                  *l_rbuf;
	struct engine_conn    *l_conns;
	uint32_t               l_conns_nr;
	int64_t                l_next_id;
	int                    l_handles;
	bool                   l_closing;
	void                 (*l_close_cb)(void *arg);
	void                  *l_close_arg;
};

static void link_timer_arm(struct engine_link *link);

/* ---- Teardown ---- */

static void
link_maybe_free(struct engine_link *link)
{
	if (!link->l_closing || link->l_handles > 0)
		return;
	if (link->l_close_cb != NULL)
		link->l_close_cb(link->l_close_arg);
	free(link->l_rbuf);
	free(link);
}

static void
handle_closed_cb(uv_handle_t *h)
{
	struct engine_link *link = h->data;

	link->l_handles--;
	link_maybe_free(link);
}

static void
conn_closed_cb(uv_handle_t *h)
{
	struct engine_conn *conn = h->data;
	struct engine_link *link = conn->c_link;

	close(conn->c_fd);
	free(conn);
	link->l_handles--;
	link_maybe_free(link);
}

/* Take @conn out of service: fail its requests, tell the owner, close. */
static void
conn_teardown(struct engine_conn *conn, int status)
{
	struct engine_link *link = conn->c_link;

	if (conn->c_closed)
		return;
	conn->c_closed = true;
	(void)uv_poll_stop(&conn->c_poll);
	if (conn->c_prev != NULL)
		conn->c_prev->c_next = conn->c_next;
	else
		link->l_conns = conn->c_next;
	if (conn->c_next != NULL)
		conn->c_next->c_prev = conn->c_prev;
	link->l_conns_nr--;

	/* Requests first (invariant 2), newest last; callbacks may not add more. */
	while (conn->c_pend_nr > 0) {
		struct el_pending pd = conn->c_pend[0];

		conn->c_pend[0] = conn->c_pend[--conn->c_pend_nr];
		pd.pd_cb(pd.pd_arg, status, NULL);
	}
	while (conn->c_q_nr > 0) {
		free(conn->c_q[conn->c_q_head].o_buf);
		conn->c_q_head = (conn->c_q_head + 1) % ENGINE_LINK_SENDQ_MAX;
		conn->c_q_nr--;
	}
	if (conn->c_accepted && link->l_ops.elo_closed != NULL)
		link->l_ops.elo_closed(link->l_arg, conn);
	uv_close((uv_handle_t *)&conn->c_poll, conn_closed_cb);
}

/* Schedule teardown for the next loop turn (never re-enters the caller). */
static void
conn_doom(struct engine_conn *conn, int status)
{
	if (conn->c_closed || conn->c_doomed)
		return;
	conn->c_doomed  = true;
	conn->c_doom_rc = status;
	(void)uv_poll_stop(&conn->c_poll);
	link_timer_arm(conn->c_link);
}

/* ---- Sending ---- */

static void conn_poll_cb(uv_poll_t *h, int status, int events);

static void
conn_poll_update(struct engine_conn *conn)
{
	int ev = UV_READABLE | UV_DISCONNECT;

	if (conn->c_q_nr > 0)
		ev |= UV_WRITABLE;
	if (ev != conn->c_events) {
		conn->c_events = ev;
		(void)uv_poll_start(&conn->c_poll, ev, conn_poll_cb);
	}
}

/* Send one packet now; 1 when the socket is full, 0 sent, <0 connection failed. */
static int
conn_send_now(struct engine_conn *conn, const char *buf, size_t len)
{
	for (;;) {
		ssize_t n = send(conn->c_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0)
			return 0; /* SEQPACKET: all or nothing */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return 1;
		D_ERROR("engine link: send to pid %d failed: %s\n", (int)conn->c_peer.ep_pid,
			strerror(errno));
		return -DER_UNREACH;
	}
}

static void
conn_flush(struct engine_conn *conn)
{
	while (conn->c_q_nr > 0) {
		struct el_out *o  = &conn->c_q[conn->c_q_head];
		int            rc = conn_send_now(conn, o->o_buf, o->o_len);

		if (rc == 1)
			break;
		if (rc < 0) {
			conn_doom(conn, -DER_UNREACH);
			return;
		}
		free(o->o_buf);
		o->o_buf       = NULL;
		conn->c_q_head = (conn->c_q_head + 1) % ENGINE_LINK_SENDQ_MAX;
		conn->c_q_nr--;
	}
	conn_poll_update(conn);
}

/* Send or queue text; takes ownership of @buf. */
static int
conn_write(struct engine_conn *conn, char *buf, size_t len)
{
	int rc;

	if (conn->c_q_nr == 0) {
		rc = conn_send_now(conn, buf, len);
		if (rc == 0) {
			free(buf);
			return 0;
		}
		if (rc < 0) {
			free(buf);
			conn_doom(conn, -DER_UNREACH);
			return rc;
		}
	}
	if (conn->c_q_nr >= ENGINE_LINK_SENDQ_MAX) {
		D_ERROR("engine link: pid %d does not read its messages (%d queued): "
			"disconnecting\n", (int)conn->c_peer.ep_pid, ENGINE_LINK_SENDQ_MAX);
		free(buf);
		conn_doom(conn, -DER_UNREACH);
		return -DER_UNREACH;
	}
	conn->c_q[(conn->c_q_head + conn->c_q_nr) % ENGINE_LINK_SENDQ_MAX] =
	    (struct el_out){.o_buf = buf, .o_len = len};
	conn->c_q_nr++;
	conn_poll_update(conn);
	return 0;
}

static bool
conn_usable(const struct engine_conn *conn)
{
	return conn != NULL && conn->c_accepted && !conn->c_closed && !conn->c_doomed &&
	       !conn->c_link->l_closing;
}

int
engine_link_send(struct engine_conn *conn, json_t *msg)
{
	char  *text;
	size_t len;

	if (conn == NULL || !json_is_object(msg) || !json_is_string(json_object_get(msg, "op")))
		return -DER_INVAL;
	if (!conn_usable(conn))
		return -DER_UNREACH;
	text = json_dumps(msg, JSON_COMPACT);
	if (text == NULL)
		return -DER_NOMEM;
	len = strlen(text);
	if (len > ENGINE_LINK_MSG_MAX) {
		free(text);
		return -DER_INVAL;
	}
	return conn_write(conn, text, len);
}

int
engine_link_request(struct engine_conn *conn, json_t *msg, uint32_t timeout_ms,
		    engine_link_reply_cb cb, void *arg)
{
	struct engine_link *link;
	struct el_pending  *pd;
	int64_t             id;
	int                 rc;

	if (conn == NULL || cb == NULL || !json_is_object(msg))
		return -DER_INVAL;
	if (!conn_usable(conn))
		return -DER_UNREACH;
	if (conn->c_pend_nr >= ENGINE_LINK_PENDING_MAX)
		return -DER_AGAIN;
	link = conn->c_link;
	id   = link->l_next_id;
	link->l_next_id = id >= ENGINE_LINK_ID_MAX ? 1 : id + 1;
	if (json_object_set_new(msg, "id", json_integer(id)) != 0)
		return -DER_NOMEM;
	rc = engine_link_send(conn, msg);
	if (rc != 0)
		return rc;
	if (timeout_ms == 0)
		timeout_ms = ENGINE_LINK_REQ_TIMEOUT_MS;
	uv_update_time(link->l_loop); /* the cached clock may be stale */
	pd              = &conn->c_pend[conn->c_pend_nr++];
	pd->pd_id       = id;
	pd->pd_deadline = uv_now(link->l_loop) + timeout_ms;
	pd->pd_cb       = cb;
	pd->pd_arg      = arg;
	link_timer_arm(link);
	return 0;
}

void
engine_link_conn_close(struct engine_conn *conn)
{
	if (conn != NULL)
		conn_doom(conn, -DER_UNREACH);
}

const struct engine_peer *
engine_conn_peer(const struct engine_conn *conn)
{
	return &conn->c_peer;
}

void
engine_conn_set_data(struct engine_conn *conn, void *data)
{
	conn->c_data = data;
}

void *
engine_conn_data(const struct engine_conn *conn)
{
	return conn->c_data;
}

const char *
engine_link_path(const struct engine_link *link)
{
	return link->l_path;
}

/* ---- Timer: timeouts and deferred teardown ---- */

static void
link_timer_cb(uv_timer_t *t)
{
	struct engine_link *link = t->data;
	uint64_t            now  = uv_now(link->l_loop);
	struct engine_conn *conn, *next;

	for (conn = link->l_conns; conn != NULL; conn = next) {
		next = conn->c_next;
		if (conn->c_doomed) {
			conn_teardown(conn, conn->c_doom_rc);
			continue;
		}
		for (uint32_t i = 0; i < conn->c_pend_nr;) {
			struct el_pending pd = conn->c_pend[i];

			if (pd.pd_deadline > now) {
				i++;
				continue;
			}
			conn->c_pend[i] = conn->c_pend[--conn->c_pend_nr];
			D_WARN("engine link: request %lld to pid %d timed out\n",
			       (long long)pd.pd_id, (int)conn->c_peer.ep_pid);
			pd.pd_cb(pd.pd_arg, -DER_TIMEDOUT, NULL);
		}
		/* A callback may have closed a later connection: re-read the link. */
		next = conn->c_closed ? link->l_conns : conn->c_next;
	}
	link_timer_arm(link);
}

static void
link_timer_arm(struct engine_link *link)
{
	bool doomed = false, pending = false;

	if (link->l_closing)
		return;
	for (struct engine_conn *c = link->l_conns; c != NULL; c = c->c_next) {
		doomed |= c->c_doomed;
		pending |= c->c_pend_nr > 0;
	}
	if (doomed)
		(void)uv_timer_start(&link->l_timer, link_timer_cb, 0, 0);
	else if (pending)
		(void)uv_timer_start(&link->l_timer, link_timer_cb, ENGINE_LINK_TICK_MS, 0);
	else
		(void)uv_timer_stop(&link->l_timer);
}

/* ---- Receiving ---- */

/* A protocol error: say so and close (from the read path: immediate teardown). */
static void
proto_error(struct engine_conn *conn, const char *what)
{
	D_ERROR("engine link: protocol error from pid %d: %s: closing the connection\n",
		(int)conn->c_peer.ep_pid, what);
	conn_teardown(conn, -DER_UNREACH);
}

static int
get_int(json_t *obj, const char *key, long long min, long long max, long long *out, char *why,
	size_t wlen)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		d_errbuf_printf(why, wlen, "missing '%s'", key);
		return -DER_INVAL;
	}
	if (!json_is_integer(v)) {
		d_errbuf_printf(why, wlen, "'%s' is %s, not an integer", key, d_json_type_name(v));
		return -DER_INVAL;
	}
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		d_errbuf_printf(why, wlen, "'%s' %lld not in [%lld, %lld]", key,
				(long long)json_integer_value(v), min, max);
		return -DER_INVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

static int
get_str(json_t *obj, const char *key, char *dst, size_t max, char *why, size_t wlen)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		d_errbuf_printf(why, wlen, "missing '%s'", key);
		return -DER_INVAL;
	}
	if (!json_is_string(v) || json_string_length(v) >= max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		d_errbuf_printf(why, wlen, "'%s' is not a string of at most %zu bytes", key,
				max - 1);
		return -DER_INVAL;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
keys_only(json_t *obj, const char *const *keys, char *why, size_t wlen)
{
	const char *key;
	json_t     *val;
	char        q[68];

	json_object_foreach(obj, key, val) {
		unsigned i;

		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			d_errbuf_printf(why, wlen, "unknown key '%s'",
					d_errbuf_quote(q, key, strlen(key), 64));
			return -DER_INVAL;
		}
	}
	return 0;
}

static void
send_reply_obj(struct engine_conn *conn, json_t *rep)
{
	if (rep == NULL) {
		D_ERROR("engine link: no memory for a reply to pid %d\n", (int)conn->c_peer.ep_pid);
		conn_doom(conn, -DER_NOMEM);
		return;
	}
	(void)engine_link_send(conn, rep);
	json_decref(rep);
}

static void
handle_register(struct engine_conn *conn, json_t *root, long long id)
{
	static const char *const keys[] = {"op", "id", "proto", "idx", "pid", "ncpus", "targets",
					   "helpers", "fabric_uri", "version", NULL};
	struct engine_link      *link = conn->c_link;
	struct engine_reg        reg;
	struct engine_reg_reply  rr;
	char                     why[256];
	long long                v[6];
	json_t                  *rep;

	memset(&reg, 0, sizeof(reg));
	if (keys_only(root, keys, why, sizeof(why)) != 0 ||
	    get_int(root, "proto", 0, INT32_MAX, &v[0], why, sizeof(why)) != 0 ||
	    get_int(root, "idx", 0, UINT32_MAX, &v[1], why, sizeof(why)) != 0 ||
	    get_int(root, "pid", 1, INT32_MAX, &v[2], why, sizeof(why)) != 0 ||
	    get_int(root, "ncpus", 0, UINT32_MAX, &v[3], why, sizeof(why)) != 0 ||
	    get_int(root, "targets", 0, UINT32_MAX, &v[4], why, sizeof(why)) != 0 ||
	    get_int(root, "helpers", 0, UINT32_MAX, &v[5], why, sizeof(why)) != 0 ||
	    get_str(root, "fabric_uri", reg.er_fabric_uri, sizeof(reg.er_fabric_uri), why,
		    sizeof(why)) != 0 ||
	    get_str(root, "version", reg.er_version, sizeof(reg.er_version), why,
		    sizeof(why)) != 0) {
		char msg[300];

		d_errbuf_printf(msg, sizeof(msg), "register: %s", why);
		proto_error(conn, msg);
		return;
	}
	reg.er_proto   = (uint32_t)v[0];
	reg.er_idx     = (uint32_t)v[1];
	reg.er_pid     = (int32_t)v[2];
	reg.er_ncpus   = (uint32_t)v[3];
	reg.er_targets = (uint32_t)v[4];
	reg.er_helpers = (uint32_t)v[5];

	memset(&rr, 0, sizeof(rr));
	rr.rr_rank = D_RANK_NIL;
	if (reg.er_proto != ENGINE_LINK_PROTO) {
		rr.rr_status = -DER_PROTO;
		d_errbuf_printf(rr.rr_error, sizeof(rr.rr_error),
				"engine link protocol %u is not supported (this server speaks %d)",
				reg.er_proto, ENGINE_LINK_PROTO);
	} else if (reg.er_pid != conn->c_peer.ep_pid) {
		rr.rr_status = -DER_NO_PERM;
		d_errbuf_printf(rr.rr_error, sizeof(rr.rr_error),
				"register claims pid %d but the socket peer is pid %d", (int)reg.er_pid,
				(int)conn->c_peer.ep_pid);
	} else if (link->l_ops.elo_register != NULL) {
		link->l_ops.elo_register(link->l_arg, conn, &reg, &rr);
	} else {
		rr.rr_status = -DER_NOTSUPPORTED;
		d_errbuf_printf(rr.rr_error, sizeof(rr.rr_error), "registration is not served");
	}
	if (!conn_usable(conn))
		return;
	rr.rr_error[sizeof(rr.rr_error) - 1]       = '\0';
	rr.rr_sys_name[sizeof(rr.rr_sys_name) - 1] = '\0';
	rr.rr_sb_error[sizeof(rr.rr_sb_error) - 1] = '\0';
	rep = json_pack("{s:s, s:I, s:i}", "op", ENGINE_OP_REPLY, "id", (json_int_t)id, "status",
			rr.rr_status);
	if (rep != NULL && rr.rr_status != 0) {
		if (json_object_set_new(rep, "error", json_string(rr.rr_error)) != 0) {
			json_decref(rep);
			rep = NULL;
		}
	} else if (rep != NULL) {
		if (json_object_set_new(rep, "formatted", json_boolean(rr.rr_formatted)) != 0 ||
		    json_object_set_new(rep, "sys_name", json_string(rr.rr_sys_name)) != 0 ||
		    (rr.rr_rank != D_RANK_NIL &&
		     json_object_set_new(rep, "rank", json_integer(rr.rr_rank)) != 0) ||
		    (rr.rr_sb_error[0] != '\0' &&
		     json_object_set_new(rep, "sb_error", json_string(rr.rr_sb_error)) != 0)) {
			json_decref(rep);
			rep = NULL;
		}
	}
	send_reply_obj(conn, rep);
}

static void
handle_ras_event(struct engine_conn *conn, json_t *root)
{
	static const char *const keys[] = {"op", "event", NULL};
	struct engine_link      *link   = conn->c_link;
	struct d_ras_event       ev;
	char                     why[256];
	char                     msg[300];
	json_t                  *evj;
	char                    *text;
	int                      rc;

	if (keys_only(root, keys, why, sizeof(why)) != 0) {
		d_errbuf_printf(msg, sizeof(msg), "ras_event: %s", why);
		proto_error(conn, msg);
		return;
	}
	evj = json_object_get(root, "event");
	if (!json_is_object(evj)) {
		proto_error(conn, "ras_event: 'event' is not an object");
		return;
	}
	text = json_dumps(evj, JSON_COMPACT);
	if (text == NULL) {
		conn_doom(conn, -DER_NOMEM);
		return;
	}
	rc = d_ras_event_from_json(text, strlen(text), &ev, why, sizeof(why));
	free(text);
	if (rc != 0) {
		d_errbuf_printf(msg, sizeof(msg), "ras_event: %s", why);
		proto_error(conn, msg);
		return;
	}
	if (link->l_ops.elo_ras_event != NULL)
		link->l_ops.elo_ras_event(link->l_arg, conn, &ev);
}

static void
handle_ready(struct engine_conn *conn, json_t *root)
{
	static const char *const keys[] = {"op", "rank", "incarnation", NULL};
	struct engine_link      *link   = conn->c_link;
	char                     why[256];
	char                     msg[300];
	long long                rank, inc;

	if (keys_only(root, keys, why, sizeof(why)) != 0 ||
	    get_int(root, "rank", 0, D_RANK_MAX, &rank, why, sizeof(why)) != 0 ||
	    get_int(root, "incarnation", 0, INT64_MAX, &inc, why, sizeof(why)) != 0) {
		d_errbuf_printf(msg, sizeof(msg), "ready: %s", why);
		proto_error(conn, msg);
		return;
	}
	if (link->l_ops.elo_ready != NULL)
		link->l_ops.elo_ready(link->l_arg, conn, (uint32_t)rank, (uint64_t)inc);
}

static void
handle_reply(struct engine_conn *conn, json_t *root, long long id)
{
	char      why[256];
	char      msg[300];
	long long status;

	if (get_int(root, "status", INT32_MIN, 0, &status, why, sizeof(why)) != 0) {
		d_errbuf_printf(msg, sizeof(msg), "reply: %s", why);
		proto_error(conn, msg);
		return;
	}
	for (uint32_t i = 0; i < conn->c_pend_nr; i++) {
		struct el_pending pd = conn->c_pend[i];

		if (pd.pd_id != id)
			continue;
		conn->c_pend[i] = conn->c_pend[--conn->c_pend_nr];
		pd.pd_cb(pd.pd_arg, (int)status, root);
		return;
	}
	D_WARN("engine link: reply %lld from pid %d matches no request (timed out?)\n", id,
	       (int)conn->c_peer.ep_pid);
}

static void
conn_dispatch(struct engine_conn *conn, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t      *root;
	json_t      *opj;
	json_t      *idj;
	const char  *op;
	long long    id = 0;
	char         why[256];
	char         msg[320];

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		d_errbuf_printf(msg, sizeof(msg), "not JSON (%s at column %d)", jerr.text, jerr.column);
		proto_error(conn, msg);
		return;
	}
	if (!json_is_object(root)) {
		d_errbuf_printf(msg, sizeof(msg), "a packet must be an object, got %s",
				d_json_type_name(root));
		proto_error(conn, msg);
		goto out;
	}
	opj = json_object_get(root, "op");
	if (!json_is_string(opj)) {
		proto_error(conn, "no string 'op'");
		goto out;
	}
	op  = json_string_value(opj);
	idj = json_object_get(root, "id");
	if (idj != NULL && get_int(root, "id", 1, ENGINE_LINK_ID_MAX, &id, why, sizeof(why)) != 0) {
		d_errbuf_printf(msg, sizeof(msg), "%.32s: %s", op, why);
		proto_error(conn, msg);
		goto out;
	}
	D_DEBUG("engine link: '%.32s' from pid %d\n", op, (int)conn->c_peer.ep_pid);

	if (strcmp(op, ENGINE_OP_REGISTER) == 0 && idj != NULL) {
		handle_register(conn, root, id);
	} else if (strcmp(op, ENGINE_OP_RAS_EVENT) == 0) {
		handle_ras_event(conn, root);
	} else if (strcmp(op, ENGINE_OP_READY) == 0) {
		handle_ready(conn, root);
	} else if (strcmp(op, ENGINE_OP_REPLY) == 0 && idj != NULL) {
		handle_reply(conn, root, id);
	} else if (strcmp(op, ENGINE_OP_REGISTER) == 0 || strcmp(op, ENGINE_OP_REPLY) == 0) {
		d_errbuf_printf(msg, sizeof(msg), "'%s' without an id", op);
		proto_error(conn, msg);
	} else if (idj != NULL) {
		char   q[68];
		json_t *rep;

		d_errbuf_quote(q, op, strlen(op), 64);
		D_WARN("engine link: unknown op '%s' from pid %d\n", q, (int)conn->c_peer.ep_pid);
		d_errbuf_printf(msg, sizeof(msg), "unknown op '%s'", q);
		rep = json_pack("{s:s, s:I, s:i, s:s}", "op", ENGINE_OP_REPLY, "id", (json_int_t)id,
				"status", -DER_NOTSUPPORTED, "error", msg);
		send_reply_obj(conn, rep);
	} else {
		char q[68];

		D_WARN("engine link: ignoring unknown op '%s' from pid %d\n",
		       d_errbuf_quote(q, op, strlen(op), 64), (int)conn->c_peer.ep_pid);
	}
out:
	json_decref(root);
}

static void
conn_read(struct engine_conn *conn)
{
	struct engine_link *link = conn->c_link;

	for (int i = 0; i < ENGINE_LINK_RECV_BATCH && conn_usable(conn); i++) {
		ssize_t n = recv(conn->c_fd, link->l_rbuf, ENGINE_LINK_MSG_MAX,
				 MSG_TRUNC | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			D_ERROR("engine link: recv from pid %d failed: %s\n",
				(int)conn->c_peer.ep_pid, strerror(errno));
			conn_teardown(conn, -DER_UNREACH);
			return;
		}
		if (n == 0) {
			D_INFO("engine link: pid %d closed the connection\n",
			       (int)conn->c_peer.ep_pid);
			conn_teardown(conn, -DER_UNREACH);
			return;
		}
		if ((size_t)n > ENGINE_LINK_MSG_MAX) {
			char msg[96];

			d_errbuf_printf(msg, sizeof(msg), "packet of %zd bytes, at most %d", n,
					ENGINE_LINK_MSG_MAX);
			proto_error(conn, msg);
			return;
		}
		conn_dispatch(conn, link->l_rbuf, (size_t)n);
	}
}

static void
conn_poll_cb(uv_poll_t *h, int status, int events)
{
	struct engine_conn *conn = h->data;

	if (!conn_usable(conn))
		return;
	if (status < 0) {
		D_ERROR("engine link: poll of pid %d failed: %s\n", (int)conn->c_peer.ep_pid,
			uv_strerror(status));
		conn_teardown(conn, -DER_UNREACH);
		return;
	}
	if (events & UV_WRITABLE)
		conn_flush(conn);
	if (conn_usable(conn) && (events & (UV_READABLE | UV_DISCONNECT)))
		conn_read(conn);
}

/* ---- Accepting ---- */

static void
link_accept_one(struct engine_link *link, int fd)
{
	struct engine_conn *conn;
	struct ucred        cred;
	socklen_t           sl = sizeof(cred);
	int                 rc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) != 0 || sl != sizeof(cred)) {
		D_ERROR("engine link: SO_PEERCRED failed: %s: connection refused\n",
			strerror(errno));
		close(fd);
		return;
	}
	if (link->l_conns_nr >= ENGINE_LINK_CONNS_MAX) {
		D_ERROR("engine link: %d connections already: refusing pid %d\n",
			ENGINE_LINK_CONNS_MAX, (int)cred.pid);
		close(fd);
		return;
	}
	conn = calloc(1, sizeof(*conn));
	if (conn == NULL) {
		close(fd);
		return;
	}
	conn->c_link = link;
	conn->c_fd   = fd;
	conn->c_peer = (struct engine_peer){.ep_pid = cred.pid, .ep_uid = cred.uid,
					    .ep_gid = cred.gid};
	rc = uv_poll_init(link->l_loop, &conn->c_poll, fd);
	if (rc != 0) {
		D_ERROR("engine link: uv_poll_init: %s\n", uv_strerror(rc));
		close(fd);
		free(conn);
		return;
	}
	conn->c_poll.data = conn;
	link->l_handles++;
	conn->c_next = link->l_conns;
	if (link->l_conns != NULL)
		link->l_conns->c_prev = conn;
	link->l_conns = conn;
	link->l_conns_nr++;

	rc = link->l_ops.elo_accept != NULL
		 ? link->l_ops.elo_accept(link->l_arg, conn, &conn->c_peer) : 0;
	if (rc != 0) {
		D_ERROR("engine link: connection from pid %d uid %d refused\n", (int)cred.pid,
			(int)cred.uid);
		conn_teardown(conn, -DER_NO_PERM);
		return;
	}
	conn->c_accepted = true;
	D_INFO("engine link: connection from pid %d\n", (int)cred.pid);
	conn_poll_update(conn);
}

static void
link_poll_cb(uv_poll_t *h, int status, int events)
{
	struct engine_link *link = h->data;

	(void)events;
	if (link->l_closing)
		return;
	if (status < 0) {
		D_ERROR("engine link: poll of the listening socket failed: %s\n",
			uv_strerror(status));
		return;
	}
	for (int i = 0; i < ENGINE_LINK_BACKLOG; i++) {
		int fd = accept4(link->l_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				D_ERROR("engine link: accept failed: %s\n", strerror(errno));
			return;
		}
		link_accept_one(link, fd);
	}
}

/* ---- Create / close ---- */


/* Remove a dead socket file at @path; refuse a live one or a non-socket. */
static int
stale_socket_remove(const char *path, const struct sockaddr_un *sa, char *errbuf, size_t errlen)
{
	struct stat st;
	int         fd;
	int         rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : d_errno2der(errno);
	if (!S_ISSOCK(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "%s exists and is not a socket", path);
		return -DER_EXIST;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return d_errno2der(errno);
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0 || errno != ECONNREFUSED) {
		d_errbuf_printf(errbuf, errlen, "%s: another daos_server is listening there",
				path);
		close(fd);
		return -DER_BUSY;
	}
	close(fd);
	if (unlink(path) != 0 && errno != ENOENT)
		return d_errno2der(errno);
	D_INFO("engine link: removed stale socket %s\n", path);
	return 0;
}

int
engine_link_create(struct uv_loop_s *loop, const char *path, const struct engine_link_ops *ops,
		   void *arg, struct engine_link **out, char *errbuf, size_t errlen)
{
	struct engine_link *link = NULL;
	struct sockaddr_un  sa   = {.sun_family = AF_UNIX};
	struct stat         st;
	int                 fd   = -1;
	int                 rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (loop == NULL || path == NULL || ops == NULL || out == NULL) {
		d_errbuf_printf(errbuf, errlen, "engine link: missing argument");
		return -DER_INVAL;
	}
	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		d_errbuf_printf(errbuf, errlen,
				"engine link: socket path '%.200s' must be absolute and shorter "
				"than %zu bytes", path, sizeof(sa.sun_path));
		return -DER_INVAL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = stale_socket_remove(path, &sa, errbuf, errlen);
	if (rc != 0) {
		if (errbuf != NULL && errlen > 0 && errbuf[0] == '\0')
			d_errbuf_printf(errbuf, errlen, "engine link: %s: %s", path, d_errdesc(rc));
		return rc;
	}

	link = calloc(1, sizeof(*link));
	if (link == NULL)
		return -DER_NOMEM;
	link->l_rbuf = malloc(ENGINE_LINK_MSG_MAX);
	if (link->l_rbuf == NULL) {
		rc = -DER_NOMEM;
		goto fail;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "engine link: socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "engine link: bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, 0600) != 0 || stat(path, &st) != 0 ||
	    listen(fd, ENGINE_LINK_BACKLOG) != 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "engine link: %s: %s", path, strerror(errno));
		(void)unlink(path);
		goto fail;
	}
	link->l_loop    = loop;
	link->l_ops     = *ops;
	link->l_arg     = arg;
	link->l_fd      = fd;
	link->l_ino     = st.st_ino;
	link->l_dev     = st.st_dev;
	link->l_next_id = 1;
	memcpy(link->l_path, path, strlen(path) + 1);
	rc = uv_poll_init(loop, &link->l_poll, fd);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "engine link: uv_poll_init: %s", uv_strerror(rc));
		(void)unlink(path);
		rc = -DER_IO;
		goto fail;
	}
	link->l_poll.data = link;
	link->l_handles++;
	(void)uv_timer_init(loop, &link->l_timer);
	link->l_timer.data = link;
	link->l_handles++;
	rc = uv_poll_start(&link->l_poll, UV_READABLE, link_poll_cb);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "engine link: uv_poll_start: %s", uv_strerror(rc));
		engine_link_close(link, NULL, NULL); /* closes fd and frees, asynchronously */
		return -DER_IO;
	}
	D_INFO("engine link: listening on %s\n", path);
	*out = link;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (link != NULL)
		free(link->l_rbuf);
	free(link);
	return rc;
}

static void
listen_closed_cb(uv_handle_t *h)
{
	struct engine_link *link = h->data;

	close(link->l_fd);
	link->l_fd = -1;
	handle_closed_cb(h);
}

void
engine_link_close(struct engine_link *link, void (*cb)(void *arg), void *arg)
{
	struct stat st;

	if (link == NULL || link->l_closing)
		return;
	while (link->l_conns != NULL)
		conn_teardown(link->l_conns, -DER_SHUTDOWN);
	link->l_closing   = true;
	link->l_close_cb  = cb;
	link->l_close_arg = arg;
	/* Unlink only our own socket file, not one a successor created. */
	if (lstat(link->l_path, &st) == 0 && st.st_ino == link->l_ino && st.st_dev == link->l_dev)
		(void)unlink(link->l_path);
	(void)uv_timer_stop(&link->l_timer);
	uv_close((uv_handle_t *)&link->l_timer, handle_closed_cb);
	uv_close((uv_handle_t *)&link->l_poll, listen_closed_cb);
}
