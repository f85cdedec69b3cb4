/*
 * test_net.c: the TCP RPC transport (src/net). Each test runs its own server
 * in a pthread (looping net_server_progress()) on 127.0.0.1 port 0 and drives
 * a client from the test thread. Every wait is bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "net/net.h"

#define LOCALHOST  "127.0.0.1"
#define HELD_MAX   4096
#define WAIT_MS    10000 /* upper bound of any wait in these tests */
#define BIG_LEN    (16u << 20)

/* Handler behaviour by opcode. */
#define OP_ECHO    PROTO_OP_OBJ_UPDATE /* echo; odd indexes deferred (reverse order) */
#define OP_BIG     PROTO_OP_OBJ_FETCH  /* check the pattern, reply with it XOR 0x5a */
#define OP_PARK    PROTO_OP_OBJ_PUNCH  /* held until released or the server stops */
#define OP_FAIL    PROTO_OP_TGT_QUERY  /* -DER_NONEXIST with body "nope" */
#define OP_BIGREF  PROTO_OP_OBJ_LIST_DKEY /* as OP_BIG, the reply sent by reference */

struct tsrv {
	struct net_server *ts_srv;
	pthread_t          ts_thread;
	uint16_t           ts_port;
	atomic_bool        ts_stop;
	atomic_bool        ts_release; /* answer parked requests each round */
	atomic_int         ts_got;
	atomic_int         ts_parked_nr;
	atomic_int         ts_big_ok;
	atomic_int         ts_released; /* reply buffers of OP_BIGREF released */
	atomic_int         ts_aligned;  /* OBJ_UPDATE bodies whose data arrived aligned */
	struct net_req    *ts_deferred[HELD_MAX];
	int                ts_deferred_nr;
	struct net_req    *ts_parked[HELD_MAX];
	int                ts_parked_cnt;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 13));
}

/* Release of an OP_BIGREF reply: arg is the buffer, followed by its server. */
struct refbuf {
	struct tsrv *rb_ts;
	uint8_t      rb_data[];
};

static void
ref_release(void *arg)
{
	struct refbuf *rb = arg;

	atomic_fetch_add(&rb->rb_ts->ts_released, 1);
	free(rb);
}

static void
handler(void *arg, struct net_req *req)
{
	struct tsrv            *ts = arg;
	const struct proto_hdr *h  = net_req_hdr(req);
	const uint8_t          *body = net_req_body(req);
	uint32_t                len  = net_req_body_len(req);
	struct iovec            iov;
	uint32_t                idx;

	atomic_fetch_add(&ts->ts_got, 1);
	switch (h->ph_opcode) {
	case OP_ECHO:
		if (len != sizeof(idx)) {
			/* A real OBJ_UPDATE body (NET15): is its data 4 KiB aligned? */
			size_t off;

			assert_int_equal(proto_obj_update_data_off(body, len, &off), 0);
			if ((uintptr_t)(body + off) % 4096 == 0)
				atomic_fetch_add(&ts->ts_aligned, 1);
			assert_int_equal(net_reply(req, 0, NULL, 0), 0);
			return;
		}
		assert_int_equal(len, sizeof(idx));
		memcpy(&idx, body, sizeof(idx));
		if (idx % 2 == 1 && ts->ts_deferred_nr < HELD_MAX) {
			ts->ts_deferred[ts->ts_deferred_nr++] = req;
			return;
		}
		iov.iov_base = (void *)body;
		iov.iov_len  = len;
		assert_int_equal(net_reply(req, 0, &iov, 1), 0);
		return;
	case OP_BIG: {
		uint8_t *out;
		bool     ok = len == BIG_LEN;

		for (uint32_t i = 0; ok && i < len; i++)
			ok = body[i] == pattern(i);
		if (ok)
			atomic_fetch_add(&ts->ts_big_ok, 1);
		out = malloc(len);
		assert_non_null(out);
		for (uint32_t i = 0; i < len; i++)
			out[i] = body[i] ^ 0x5a;
		iov.iov_base = out;
		iov.iov_len  = len;
		assert_int_equal(net_reply(req, 0, &iov, 1), 0);
		free(out);
		return;
	}
	case OP_BIGREF: {
		struct refbuf *rb = malloc(sizeof(*rb) + len);
		struct iovec   two[2];
		bool           ok = len == BIG_LEN;

		for (uint32_t i = 0; ok && i < len; i++)
			ok = body[i] == pattern(i);
		if (ok)
			atomic_fetch_add(&ts->ts_big_ok, 1);
		assert_non_null(rb);
		rb->rb_ts = ts;
		for (uint32_t i = 0; i < len; i++)
			rb->rb_data[i] = body[i] ^ 0x5a;
		/* A small copied run, then the rest referenced. */
		two[0].iov_base = rb->rb_data;
		two[0].iov_len  = 100;
		two[1].iov_base = rb->rb_data + 100;
		two[1].iov_len  = len - 100;
		assert_int_equal(net_reply_ref(req, 0, two, 2, rb->rb_data, len, ref_release, rb),
				 0);
		return;
	}
	case OP_PARK:
		assert_true(ts->ts_parked_cnt < HELD_MAX);
		ts->ts_parked[ts->ts_parked_cnt++] = req;
		atomic_store(&ts->ts_parked_nr, ts->ts_parked_cnt);
		return;
	case OP_FAIL:
		iov.iov_base = "nope";
		iov.iov_len  = 4;
		assert_int_equal(net_reply(req, -DER_NONEXIST, &iov, 1), 0);
		return;
	default:
		assert_int_equal(net_reply(req, 0, NULL, 0), 0);
	}
}

static void
answer_parked(struct tsrv *ts)
{
	for (int i = 0; i < ts->ts_parked_cnt; i++)
		assert_int_equal(net_reply(ts->ts_parked[i], 0, NULL, 0), 0);
	ts->ts_parked_cnt = 0;
	atomic_store(&ts->ts_parked_nr, 0);
}

static void *
server_main(void *arg)
{
	struct tsrv *ts = arg;

	while (!atomic_load(&ts->ts_stop)) {
		assert_true(net_server_progress(ts->ts_srv, 5) >= 0);
		/* Deferred echoes go out in reverse order of arrival. */
		while (ts->ts_deferred_nr > 0) {
			struct net_req *req = ts->ts_deferred[--ts->ts_deferred_nr];

			assert_int_equal(net_reply(req, 0,
						   &(struct iovec){(void *)net_req_body(req),
								   net_req_body_len(req)}, 1), 0);
		}
		if (atomic_load(&ts->ts_release))
			answer_parked(ts);
	}
	/* Shut down first: replies to parked requests are then dropped silently. */
	net_server_shutdown(ts->ts_srv);
	answer_parked(ts);
	assert_int_equal(net_server_reqs_pending(ts->ts_srv), 0);
	net_server_destroy(ts->ts_srv);
	return NULL;
}

static struct tsrv *
server_start(void)
{
	struct tsrv *ts = calloc(1, sizeof(*ts));
	char         err[256];

	assert_non_null(ts);
	assert_int_equal(net_server_create(LOCALHOST, 0, handler, ts, &ts->ts_srv, err,
					   sizeof(err)), 0);
	ts->ts_port = net_server_port(ts->ts_srv);
	assert_true(ts->ts_port != 0);
	assert_true(net_server_fd(ts->ts_srv) >= 0);
	assert_int_equal(pthread_create(&ts->ts_thread, NULL, server_main, ts), 0);
	return ts;
}

static void
server_stop(struct tsrv *ts)
{
	atomic_store(&ts->ts_stop, true);
	assert_int_equal(pthread_join(ts->ts_thread, NULL), 0);
	free(ts);
}

/* ---- async call bookkeeping ---- */

struct result {
	int      r_status;
	int      r_calls;
	bool     r_has_reply;
	uint32_t r_len;
	uint8_t *r_body;
	int      r_order; /* completion rank */
};

static int completion_counter;

static void
result_cb(void *arg, int status, const struct proto_hdr *rh, const uint8_t *body, uint32_t len)
{
	struct result *r = arg;

	r->r_calls++;
	r->r_status    = status;
	r->r_has_reply = rh != NULL;
	r->r_len       = len;
	r->r_order     = completion_counter++;
	if (rh != NULL) {
		assert_true(rh->ph_flags & PROTO_F_REPLY);
		assert_int_equal(rh->ph_body_len, len);
		if (len > 0) {
			assert_non_null(body);
			assert_int_equal(body[len], 0);
			r->r_body = malloc(len);
			assert_non_null(r->r_body);
			memcpy(r->r_body, body, len);
		}
	}
}

/* Progress until *count reaches target; bounded by WAIT_MS. */
static void
progress_until(struct net_client *cl, const int *count, int target)
{
	uint64_t end = now_ms() + WAIT_MS;

	while (*count < target) {
		assert_true(now_ms() < end);
		assert_true(net_client_progress(cl, 20) >= 0);
	}
}

static struct net_client *
client_new(void)
{
	struct net_client *cl;

	assert_int_equal(net_client_create(&cl), 0);
	return cl;
}

/* ---- raw socket helpers ---- */

static int
raw_connect(uint16_t port)
{
	struct sockaddr_in sin = {0};
	struct timeval     tv  = {.tv_sec = 5};
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sin.sin_family = AF_INET;
	sin.sin_port   = htons(port);
	inet_pton(AF_INET, LOCALHOST, &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static void
raw_send(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read exactly len bytes; false at EOF before any byte. */
static bool
raw_recv(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (uint8_t *)buf + got, len - got, 0);

		if (n == 0 && got == 0)
			return false;
		assert_true(n > 0);
		got += (size_t)n;
	}
	return true;
}

/* Read one reply: header decoded, body (NUL-terminated) returned. */
static char *
raw_reply(int fd, struct proto_hdr *h)
{
	uint8_t raw[PROTO_HDR_SIZE];
	char   *body;

	assert_true(raw_recv(fd, raw, sizeof(raw)));
	assert_int_equal(proto_hdr_decode(raw, sizeof(raw), h, NULL, 0), 0);
	body = calloc(1, h->ph_body_len + 1);
	assert_non_null(body);
	if (h->ph_body_len > 0)
		assert_true(raw_recv(fd, body, h->ph_body_len));
	assert_int_equal(proto_check_crc(raw, h, body, NULL, 0), 0);
	return body;
}

static void
raw_expect_eof(int fd)
{
	char c;

	assert_int_equal(recv(fd, &c, 1, 0), 0);
}

static void
frame(uint16_t opcode, uint32_t flags, uint64_t rpc_id, uint8_t out[PROTO_HDR_SIZE])
{
	struct proto_hdr h = {.ph_magic = PROTO_MAGIC, .ph_version = PROTO_VERSION,
			      .ph_opcode = opcode, .ph_flags = flags, .ph_rpc_id = rpc_id};

	assert_int_equal(proto_frame(&h, NULL, 0, out), 0);
}

static void
ping_ok(struct net_client *cl, uint16_t port)
{
	struct net_call_reply *rep = NULL;

	assert_int_equal(net_call(cl, LOCALHOST, port, PROTO_OP_PING, 3, NULL, 0, 5000, &rep), 0);
	assert_non_null(rep);
	assert_int_equal(rep->cr_hdr.ph_opcode, PROTO_OP_PING);
	assert_int_equal(rep->cr_hdr.ph_map_version, 3);
	assert_int_equal(rep->cr_len, 0);
	assert_null(rep->cr_body);
	net_reply_free(rep);
}

/* ---- tests ---- */

/* NET01: ping round trip, blocking and asynchronous, on one pooled connection */
static void
net01_ping(void **state)
{
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	struct result      r  = {0};
	struct net_call_reply *rep = NULL;
	uint64_t           handle = 0;

	(void)state;
	ping_ok(cl, ts->ts_port);
	ping_ok(cl, ts->ts_port);
	assert_int_equal(net_call_submit(cl, LOCALHOST, ts->ts_port, PROTO_OP_PING, 0, NULL, 0,
					 5000, result_cb, &r, &handle), 0);
	assert_true(handle != 0);
	assert_int_equal(r.r_calls, 0); /* never inside submit */
	progress_until(cl, &r.r_calls, 1);
	assert_int_equal(r.r_status, 0);
	assert_true(r.r_has_reply);
	assert_int_equal(r.r_len, 0);
	/* A handler's error status and body come back as they are. */
	assert_int_equal(net_call(cl, LOCALHOST, ts->ts_port, OP_FAIL, 0, NULL, 0, 5000, &rep),
			 -DER_NONEXIST);
	assert_non_null(rep);
	assert_int_equal(rep->cr_len, 4);
	assert_string_equal((char *)rep->cr_body, "nope");
	net_reply_free(rep);
	assert_int_equal(atomic_load(&ts->ts_got), 4);
	net_client_destroy(cl);
	server_stop(ts);
}

/* NET02: 1000 calls in flight, the handler defers half; replies out of order match */
static void
net02_many_out_of_order(void **state)
{
	enum { N = 1000 };
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	struct result     *r  = calloc(N, sizeof(*r));
	int                done = 0;
	bool               reordered = false;

	(void)state;
	assert_non_null(r);
	completion_counter = 0;
	for (uint32_t i = 0; i < N; i++) {
		struct iovec iov = {&i, sizeof(i)};

		assert_int_equal(net_call_submit(cl, LOCALHOST, ts->ts_port, OP_ECHO, 0, &iov, 1,
						 WAIT_MS, result_cb, &r[i], NULL), 0);
	}
	progress_until(cl, &completion_counter, N);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t v;

		assert_int_equal(r[i].r_calls, 1);
		assert_int_equal(r[i].r_status, 0);
		assert_int_equal(r[i].r_len, sizeof(v));
		memcpy(&v, r[i].r_body, sizeof(v));
		assert_int_equal(v, i);
		if (i > 0 && r[i].r_order < r[i - 1].r_order)
			reordered = true;
		free(r[i].r_body);
		done++;
	}
	assert_int_equal(done, N);
	assert_true(reordered);
	free(r);
	net_client_destroy(cl);
	server_stop(ts);
}

/* NET03: a 16 MiB body each way, checked byte by byte */
static void
net03_large_body(void **state)
{
	struct tsrv           *ts  = server_start();
	struct net_client     *cl  = client_new();
	uint8_t               *big = malloc(BIG_LEN);
	struct net_call_reply *rep = NULL;
	struct iovec           iov[2];

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < BIG_LEN; i++)
		big[i] = pattern(i);
	/* Two iovecs: the transport gathers them. */
	iov[0].iov_base = big;
	iov[0].iov_len  = 1000;
	iov[1].iov_base = big + 1000;
	iov[1].iov_len  = BIG_LEN - 1000;
	assert_int_equal(net_call(cl, LOCALHOST, ts->ts_port, OP_BIG, 0, iov, 2, 30000, &rep), 0);
	assert_int_equal(atomic_load(&ts->ts_big_ok), 1);
	assert_non_null(rep);
	assert_int_equal(rep->cr_len, BIG_LEN);
	for (size_t i = 0; i < BIG_LEN; i++) {
		if (rep->cr_body[i] != (big[i] ^ 0x5a))
			fail_msg("reply byte %zu differs", i);
	}
	net_reply_free(rep);
	free(big);
	net_client_destroy(cl);
	server_stop(ts);
}

/* NET04: the handler never replies: -DER_TIMEDOUT after the deadline, not much later */
static void
net04_timeout(void **state)
{
	struct tsrv           *ts = server_start();
	struct net_client     *cl = client_new();
	struct net_call_reply *rep = (void *)1;
	uint64_t               t0;
	uint64_t               dt;

	(void)state;
	t0 = now_ms();
	assert_int_equal(net_call(cl, LOCALHOST, ts->ts_port, OP_PARK, 0, NULL, 0, 200, &rep),
			 -DER_TIMEDOUT);
	dt = now_ms() - t0;
	assert_null(rep);
	assert_true(dt >= 200);
	assert_true(dt < 2000);
	assert_int_equal(atomic_load(&ts->ts_parked_nr), 1);
	/* The late reply is dropped, the connection still serves. */
	atomic_store(&ts->ts_release, true);
	ping_ok(cl, ts->ts_port);
	net_client_destroy(cl);
	server_stop(ts);
}

/* NET05: the server goes away mid-call: -DER_UNREACH; a new server on another port works */
static void
net05_server_closed(void **state)
{
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	struct result      r  = {0};
	struct result      r2 = {0};
	uint16_t           old_port = ts->ts_port;
	uint64_t           end = now_ms() + WAIT_MS;

	(void)state;
	assert_int_equal(net_call_submit(cl, LOCALHOST, ts->ts_port, OP_PARK, 0, NULL, 0, WAIT_MS,
					 result_cb, &r, NULL), 0);
	while (atomic_load(&ts->ts_parked_nr) < 1) {
		assert_true(now_ms() < end);
		net_client_progress(cl, 10);
	}
	server_stop(ts); /* shuts down with the request still held */
	progress_until(cl, &r.r_calls, 1);
	assert_int_equal(r.r_status, -DER_UNREACH);
	assert_false(r.r_has_reply);

	/* Nobody listens on the old port any more: refused, through the callback. */
	assert_int_equal(net_call_submit(cl, LOCALHOST, old_port, PROTO_OP_PING, 0, NULL, 0, 5000,
					 result_cb, &r2, NULL), 0);
	progress_until(cl, &r2.r_calls, 1);
	assert_int_equal(r2.r_status, -DER_UNREACH);

	ts = server_start();
	assert_true(ts->ts_port != old_port);
	ping_ok(cl, ts->ts_port);
	net_client_destroy(cl);
	server_stop(ts);
}

/* Send raw bytes, expect an error reply with the message, then the close. */
static void
expect_error_reply(uint16_t port, const uint8_t *msg, size_t len, uint64_t rpc_id,
		   const char *want)
{
	struct proto_hdr h;
	char            *body;
	int              fd = raw_connect(port);

	raw_send(fd, msg, len);
	body = raw_reply(fd, &h);
	assert_int_equal(h.ph_status, -DER_PROTO);
	assert_true(h.ph_flags & PROTO_F_REPLY);
	assert_int_equal(h.ph_rpc_id, rpc_id);
	assert_string_equal(body, want);
	free(body);
	raw_expect_eof(fd);
	close(fd);
}

/* NET06: bad input on a raw socket: an error reply with the reason, or a close;
 * the server then serves the next good client */
static void
net06_bad_input(void **state)
{
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	struct proto_hdr   h;
	uint8_t            raw[PROTO_HDR_SIZE];
	char               want[256];
	int                fd;

	(void)state;
	/* bad magic: the rpc id is not trusted */
	frame(PROTO_OP_PING, 0, 77, raw);
	raw[0] = 'X';
	assert_int_equal(proto_hdr_decode(raw, sizeof(raw), &h, want, sizeof(want)), -DER_PROTO);
	expect_error_reply(ts->ts_port, raw, sizeof(raw), 0, want);
	assert_string_equal(want, "bad magic 0x534f4158 (expected 0x534f4144, \"DAOS\")");
	ping_ok(cl, ts->ts_port);

	/* another protocol version */
	frame(PROTO_OP_PING, 0, 78, raw);
	raw[4] = 2;
	expect_error_reply(ts->ts_port, raw, sizeof(raw), 0,
			   "protocol version 2 is not supported (this side speaks 1)");
	ping_ok(cl, ts->ts_port);

	/* body length over the maximum: refused before anything is allocated */
	h = (struct proto_hdr){.ph_magic = PROTO_MAGIC, .ph_version = PROTO_VERSION,
			       .ph_opcode = PROTO_OP_PING, .ph_rpc_id = 79,
			       .ph_body_len = PROTO_BODY_MAX + 1};
	proto_hdr_encode(&h, raw);
	snprintf(want, sizeof(want), "body length %u exceeds the maximum %u", PROTO_BODY_MAX + 1,
		 PROTO_BODY_MAX);
	expect_error_reply(ts->ts_port, raw, sizeof(raw), 79, want);
	ping_ok(cl, ts->ts_port);

	/* CRC mismatch */
	frame(PROTO_OP_PING, 0, 80, raw);
	raw[32] ^= 0xff;
	assert_int_equal(proto_hdr_decode(raw, sizeof(raw), &h, NULL, 0), 0);
	assert_int_equal(proto_check_crc(raw, &h, "", want, sizeof(want)), -DER_PROTO);
	assert_non_null(strstr(want, "checksum mismatch"));
	expect_error_reply(ts->ts_port, raw, sizeof(raw), 80, want);
	ping_ok(cl, ts->ts_port);

	/* a reply sent as a request */
	frame(PROTO_OP_PING, PROTO_F_REPLY, 81, raw);
	expect_error_reply(ts->ts_port, raw, sizeof(raw), 81, "request has the reply flag set");
	ping_ok(cl, ts->ts_port);

	/* truncated header, then close: the server just drops the connection */
	frame(PROTO_OP_PING, 0, 82, raw);
	fd = raw_connect(ts->ts_port);
	raw_send(fd, raw, 20);
	close(fd);
	ping_ok(cl, ts->ts_port);

	/* a good request after a bad one on the same connection is not served */
	fd = raw_connect(ts->ts_port);
	{
		uint8_t two[2 * PROTO_HDR_SIZE];

		frame(PROTO_OP_PING, 0, 83, two);
		two[0] = 'Y';
		frame(PROTO_OP_PING, 0, 84, two + PROTO_HDR_SIZE);
		raw_send(fd, two, sizeof(two));
		free(raw_reply(fd, &h));
		assert_int_equal(h.ph_status, -DER_PROTO);
		raw_expect_eof(fd);
	}
	close(fd);
	ping_ok(cl, ts->ts_port);
	assert_int_equal(atomic_load(&ts->ts_got), 7); /* only the pings */
	net_client_destroy(cl);
	server_stop(ts);
}

/* NET07: NET_CONN_MAX connections are served, one more is closed at once;
 * a slot freed by a close is usable again */
static void
net07_conn_max(void **state)
{
	struct tsrv     *ts = server_start();
	int             *fds = calloc(NET_CONN_MAX, sizeof(int));
	struct proto_hdr h;
	uint8_t          raw[PROTO_HDR_SIZE];
	uint64_t         end;
	int              extra;
	bool             served = false;

	(void)state;
	assert_non_null(fds);
	for (int i = 0; i < NET_CONN_MAX; i++)
		fds[i] = raw_connect(ts->ts_port);
	/* The accept queue is FIFO: once the last is served, all were accepted. */
	frame(PROTO_OP_PING, 0, 1, raw);
	raw_send(fds[NET_CONN_MAX - 1], raw, sizeof(raw));
	free(raw_reply(fds[NET_CONN_MAX - 1], &h));
	assert_int_equal(h.ph_status, 0);
	assert_int_equal(h.ph_rpc_id, 1);

	extra = raw_connect(ts->ts_port);
	raw_expect_eof(extra);
	close(extra);

	/* The first connection still works. */
	raw_send(fds[0], raw, sizeof(raw));
	free(raw_reply(fds[0], &h));
	assert_int_equal(h.ph_status, 0);

	close(fds[1]);
	end = now_ms() + WAIT_MS;
	while (!served && now_ms() < end) {
		uint8_t c[PROTO_HDR_SIZE];

		extra = raw_connect(ts->ts_port);
		/* Refused connections may be reset: no asserts on send/recv here. */
		if (send(extra, raw, sizeof(raw), MSG_NOSIGNAL) == (ssize_t)sizeof(raw) &&
		    recv(extra, c, sizeof(c), MSG_WAITALL) == (ssize_t)sizeof(c))
			served = true;
		else
			usleep(5000); /* the close was not seen by the server yet */
		close(extra);
	}
	assert_true(served);
	for (int i = 0; i < NET_CONN_MAX; i++) {
		if (i != 1)
			close(fds[i]);
	}
	free(fds);
	server_stop(ts);
}

/* NET08: back-pressure: at most NET_INFLIGHT_MAX requests of one connection are
 * dispatched while none is answered; the rest follow once answered */
static void
net08_backpressure(void **state)
{
	enum { N = NET_INFLIGHT_MAX + 10 };
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	struct result     *r  = calloc(N, sizeof(*r));
	uint64_t           end;

	(void)state;
	assert_non_null(r);
	completion_counter = 0;
	for (int i = 0; i < N; i++)
		assert_int_equal(net_call_submit(cl, LOCALHOST, ts->ts_port, OP_PARK, 0, NULL, 0,
						 WAIT_MS, result_cb, &r[i], NULL), 0);
	end = now_ms() + WAIT_MS;
	while (atomic_load(&ts->ts_parked_nr) < NET_INFLIGHT_MAX) {
		assert_true(now_ms() < end);
		net_client_progress(cl, 10);
	}
	/* Give the server time to (wrongly) take more. */
	for (int i = 0; i < 10; i++)
		net_client_progress(cl, 10);
	assert_int_equal(atomic_load(&ts->ts_got), NET_INFLIGHT_MAX);
	assert_int_equal(completion_counter, 0);
	atomic_store(&ts->ts_release, true);
	progress_until(cl, &completion_counter, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(r[i].r_calls, 1);
		assert_int_equal(r[i].r_status, 0);
	}
	assert_int_equal(atomic_load(&ts->ts_got), N);
	free(r);
	net_client_destroy(cl);
	server_stop(ts);
}

/* NET09: bad arguments are refused by submit (no callback) and by server create */
static void
net09_bad_args(void **state)
{
	struct net_client *cl = client_new();
	struct net_server *srv;
	struct result      r = {0};
	struct iovec       iov[NET_IOV_MAX + 1];
	struct tsrv       *ts;
	char               err[256];
	char               want[256];
	uint8_t            b = 0;

	(void)state;
	for (int i = 0; i <= NET_IOV_MAX; i++) {
		iov[i].iov_base = &b;
		iov[i].iov_len  = 1;
	}
	assert_int_equal(net_call_submit(cl, "1.2.3", 1, PROTO_OP_PING, 0, NULL, 0, 100, result_cb,
					 &r, NULL), -DER_INVAL);
	assert_int_equal(net_call_submit(cl, NULL, 1, PROTO_OP_PING, 0, NULL, 0, 100, result_cb,
					 &r, NULL), -DER_INVAL);
	assert_int_equal(net_call_submit(cl, LOCALHOST, 0, PROTO_OP_PING, 0, NULL, 0, 100,
					 result_cb, &r, NULL), -DER_INVAL);
	assert_int_equal(net_call_submit(cl, LOCALHOST, 1, 0, 0, NULL, 0, 100, result_cb, &r, NULL),
			 -DER_INVAL);
	assert_int_equal(net_call_submit(cl, LOCALHOST, 1, PROTO_OP_PING, 0, NULL, 0, 0, result_cb,
					 &r, NULL), -DER_INVAL);
	assert_int_equal(net_call_submit(cl, LOCALHOST, 1, PROTO_OP_PING, 0, NULL, 0,
					 NET_CALL_TIMEOUT_MAX_MS + 1, result_cb, &r, NULL),
			 -DER_INVAL);
	assert_int_equal(net_call_submit(cl, LOCALHOST, 1, PROTO_OP_PING, 0, NULL, 0, 100, NULL,
					 &r, NULL), -DER_INVAL);
	assert_int_equal(net_call_submit(cl, LOCALHOST, 1, PROTO_OP_PING, 0, iov, NET_IOV_MAX + 1,
					 100, result_cb, &r, NULL), -DER_INVAL);
	iov[0].iov_len = PROTO_BODY_MAX + 1; /* refused before anything is read */
	assert_int_equal(net_call_submit(cl, LOCALHOST, 1, PROTO_OP_PING, 0, iov, 1, 100,
					 result_cb, &r, NULL), -DER_OVERFLOW);
	assert_int_equal(net_call_cancel(cl, 12345), -DER_NONEXIST);
	assert_int_equal(net_client_progress(cl, 0), 0);
	assert_int_equal(r.r_calls, 0);

	assert_int_equal(net_server_create("bogus", 0, handler, NULL, &srv, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "\"bogus\" is not an IPv4 or IPv6 address");
	assert_int_equal(net_server_create(LOCALHOST, 0, NULL, NULL, &srv, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "no handler or no result pointer");
	ts = server_start();
	assert_int_equal(net_server_create(LOCALHOST, ts->ts_port, handler, NULL, &srv, err,
					   sizeof(err)), -DER_BUSY);
	snprintf(want, sizeof(want), "cannot bind 127.0.0.1 port %u: %s", ts->ts_port,
		 strerror(EADDRINUSE));
	assert_string_equal(err, want);
	server_stop(ts);
	net_client_destroy(cl);
}

static int
fake_listen(uint16_t *port)
{
	struct sockaddr_in sin = {0};
	socklen_t          sl  = sizeof(sin);
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, LOCALHOST, &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
fake_accept(int lfd)
{
	struct pollfd  pfd = {.fd = lfd, .events = POLLIN};
	struct timeval tv  = {.tv_sec = 5};
	int            fd;

	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

/* Read one request while driving the client (which sends it from progress). */
static void
fake_read_request(struct net_client *cl, int fd, struct proto_hdr *h)
{
	uint8_t  raw[PROTO_HDR_SIZE];
	size_t   got = 0;
	uint64_t end = now_ms() + WAIT_MS;

	while (got < sizeof(raw)) {
		ssize_t n = recv(fd, raw + got, sizeof(raw) - got, MSG_DONTWAIT);

		if (n > 0)
			got += (size_t)n;
		else
			net_client_progress(cl, 5);
		assert_true(now_ms() < end);
	}
	assert_int_equal(proto_hdr_decode(raw, sizeof(raw), h, NULL, 0), 0);
	assert_int_equal(h->ph_body_len, 0);
}

/* NET10: an incompatible server: an undecodable reply fails the call with
 * -DER_PROTO; a -DER_PROTO reply is returned as it is, with its reason */
static void
net10_incompatible_server(void **state)
{
	struct net_client *cl = client_new();
	struct result      r  = {0};
	struct result      r2 = {0};
	struct proto_hdr   h;
	uint8_t            raw[PROTO_HDR_SIZE + 7];
	uint16_t           port;
	int                lfd = fake_listen(&port);
	int                fd;

	(void)state;
	/* Reply from another protocol version. */
	assert_int_equal(net_call_submit(cl, LOCALHOST, port, PROTO_OP_PING, 0, NULL, 0, WAIT_MS,
					 result_cb, &r, NULL), 0);
	fd = fake_accept(lfd);
	fake_read_request(cl, fd, &h);
	frame(PROTO_OP_PING, PROTO_F_REPLY, h.ph_rpc_id, raw);
	raw[4] = 9;
	raw_send(fd, raw, PROTO_HDR_SIZE);
	progress_until(cl, &r.r_calls, 1);
	assert_int_equal(r.r_status, -DER_PROTO);
	assert_false(r.r_has_reply);
	raw_expect_eof(fd); /* the client dropped the connection */
	close(fd);

	/* The server refuses us with -DER_PROTO and a reason. */
	assert_int_equal(net_call_submit(cl, LOCALHOST, port, PROTO_OP_PING, 0, NULL, 0, WAIT_MS,
					 result_cb, &r2, NULL), 0);
	fd = fake_accept(lfd);
	fake_read_request(cl, fd, &h);
	{
		struct proto_hdr rh  = {.ph_magic = PROTO_MAGIC, .ph_version = PROTO_VERSION,
					.ph_opcode = PROTO_OP_PING, .ph_flags = PROTO_F_REPLY,
					.ph_status = -DER_PROTO, .ph_rpc_id = h.ph_rpc_id};
		struct iovec     iov = {"go away", 7};

		assert_int_equal(proto_frame(&rh, &iov, 1, raw), 0);
		memcpy(raw + PROTO_HDR_SIZE, "go away", 7);
	}
	raw_send(fd, raw, sizeof(raw));
	progress_until(cl, &r2.r_calls, 1);
	assert_int_equal(r2.r_status, -DER_PROTO);
	assert_true(r2.r_has_reply);
	assert_int_equal(r2.r_len, 7);
	assert_memory_equal(r2.r_body, "go away", 7);
	free(r2.r_body);
	close(fd);
	close(lfd);
	net_client_destroy(cl);
}

/* NET11: cancel: the callback runs with -DER_CANCELED, once; destroy cancels the rest */
static void
net11_cancel(void **state)
{
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	struct result      r  = {0};
	struct result      r2 = {0};
	uint64_t           handle;
	uint64_t           end = now_ms() + WAIT_MS;

	(void)state;
	assert_int_equal(net_call_submit(cl, LOCALHOST, ts->ts_port, OP_PARK, 0, NULL, 0, WAIT_MS,
					 result_cb, &r, &handle), 0);
	while (atomic_load(&ts->ts_parked_nr) < 1) {
		assert_true(now_ms() < end);
		net_client_progress(cl, 10);
	}
	assert_int_equal(net_call_cancel(cl, handle), 0);
	assert_int_equal(net_call_cancel(cl, handle), -DER_NONEXIST);
	assert_int_equal(r.r_calls, 0);
	progress_until(cl, &r.r_calls, 1);
	assert_int_equal(r.r_status, -DER_CANCELED);
	assert_int_equal(net_call_submit(cl, LOCALHOST, ts->ts_port, OP_PARK, 0, NULL, 0, WAIT_MS,
					 result_cb, &r2, NULL), 0);
	net_client_destroy(cl);
	assert_int_equal(r2.r_calls, 1);
	assert_int_equal(r2.r_status, -DER_CANCELED);
	server_stop(ts);
}

struct mt_arg {
	struct net_client *ma_cl;
	uint16_t           ma_port;
	atomic_int        *ma_ok;
};

static void *
mt_main(void *arg)
{
	struct mt_arg *ma = arg;

	for (int i = 0; i < 200; i++) {
		uint32_t               v   = (uint32_t)i * 2; /* even: answered at once */
		struct iovec           iov = {&v, sizeof(v)};
		struct net_call_reply *rep = NULL;

		if (net_call(ma->ma_cl, LOCALHOST, ma->ma_port, OP_ECHO, 0, &iov, 1, WAIT_MS,
			     &rep) == 0 && rep != NULL && rep->cr_len == sizeof(v) &&
		    memcmp(rep->cr_body, &v, sizeof(v)) == 0)
			atomic_fetch_add(ma->ma_ok, 1);
		net_reply_free(rep);
	}
	return NULL;
}

/* NET12: several threads share one client with blocking calls */
static void
net12_threads(void **state)
{
	enum { T = 4 };
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	pthread_t          th[T];
	atomic_int         ok = 0;
	struct mt_arg      ma = {cl, ts->ts_port, &ok};

	(void)state;
	for (int i = 0; i < T; i++)
		assert_int_equal(pthread_create(&th[i], NULL, mt_main, &ma), 0);
	for (int i = 0; i < T; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(atomic_load(&ok), T * 200);
	net_client_destroy(cl);
	server_stop(ts);
}

/*
 * NET13: small replies made outside progress (as after a group commit) are
 * queued, and net_server_flush() alone sends them: the server thread here
 * never calls progress again once it has answered.
 */
struct flush_srv {
	struct tsrv tsrv;
	int         nr;
	atomic_bool fs_flushed;
	atomic_bool fs_done;
};

static void *
flush_server_main(void *arg)
{
	struct flush_srv *fs  = arg;
	struct tsrv      *ts  = &fs->tsrv;
	uint64_t          end = now_ms() + WAIT_MS;

	while (atomic_load(&ts->ts_parked_nr) < fs->nr) {
		assert_true(now_ms() < end);
		assert_true(net_server_progress(ts->ts_srv, 5) >= 0);
	}
	answer_parked(ts);            /* outside progress: only queued */
	net_server_flush(ts->ts_srv); /* one write for all of them */
	atomic_store(&fs->fs_flushed, true);
	while (!atomic_load(&fs->fs_done)) {
		assert_true(now_ms() < end);
		usleep(1000);
	}
	net_server_shutdown(ts->ts_srv);
	assert_int_equal(net_server_reqs_pending(ts->ts_srv), 0);
	net_server_destroy(ts->ts_srv);
	return NULL;
}

static void
net13_flush_outside_progress(void **state)
{
	enum { N = 50 };
	struct flush_srv  *fs = calloc(1, sizeof(*fs));
	struct net_client *cl = client_new();
	struct result     *r  = calloc(N, sizeof(*r));
	char               err[256];

	(void)state;
	assert_non_null(fs);
	assert_non_null(r);
	fs->nr = N;
	assert_int_equal(net_server_create(LOCALHOST, 0, handler, &fs->tsrv, &fs->tsrv.ts_srv, err,
					   sizeof(err)), 0);
	fs->tsrv.ts_port = net_server_port(fs->tsrv.ts_srv);
	assert_int_equal(pthread_create(&fs->tsrv.ts_thread, NULL, flush_server_main, fs), 0);
	completion_counter = 0;
	for (int i = 0; i < N; i++)
		assert_int_equal(net_call_submit(cl, LOCALHOST, fs->tsrv.ts_port, OP_PARK, 0, NULL,
						 0, WAIT_MS, result_cb, &r[i], NULL), 0);
	/* The submits were deferred: the first progress writes them all. */
	progress_until(cl, &completion_counter, N);
	/* The replies may arrive before the server thread records that it flushed. */
	for (uint64_t end = now_ms() + WAIT_MS; !atomic_load(&fs->fs_flushed);) {
		assert_true(now_ms() < end);
		usleep(1000);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(r[i].r_calls, 1);
		assert_int_equal(r[i].r_status, 0);
		free(r[i].r_body);
	}
	atomic_store(&fs->fs_done, true);
	assert_int_equal(pthread_join(fs->tsrv.ts_thread, NULL), 0);
	net_client_destroy(cl);
	free(r);
	free(fs);
}

/* Wait (bounded) until *v reaches want. */
static void
wait_atomic(atomic_int *v, int want)
{
	uint64_t end = now_ms() + WAIT_MS;

	while (atomic_load(v) < want) {
		assert_true(now_ms() < end);
		usleep(1000);
	}
	assert_int_equal(atomic_load(v), want);
}

/*
 * NET14: bodies sent by reference: a request from the caller's iovecs
 * (net_call_submit_ref) and a reply from the handler's buffer (net_reply_ref)
 * arrive intact and the reply buffer is released once; a request cancelled
 * while partly sent still goes out whole, from a copy, after the caller's
 * buffer changed; a reply to a peer that went away is released.
 */
static void
net14_reference(void **state)
{
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	struct result      r  = {0};
	struct result      r2 = {0};
	uint8_t           *big = malloc(BIG_LEN);
	struct iovec       iov[3];
	struct proto_hdr   h;
	uint64_t           handle;
	uint16_t           port;
	int                lfd;
	int                fd;

	(void)state;
	assert_non_null(big);
	for (uint32_t i = 0; i < BIG_LEN; i++)
		big[i] = pattern(i);
	/* Small run, large run, small run: the large one is referenced. */
	iov[0] = (struct iovec){big, 10};
	iov[1] = (struct iovec){big + 10, BIG_LEN - 20};
	iov[2] = (struct iovec){big + BIG_LEN - 10, 10};
	assert_int_equal(net_call_submit_ref(cl, LOCALHOST, ts->ts_port, OP_BIGREF, 0, iov, 3,
					     WAIT_MS, result_cb, &r, NULL), 0);
	progress_until(cl, &r.r_calls, 1);
	assert_int_equal(r.r_status, 0);
	assert_int_equal(r.r_len, BIG_LEN);
	for (uint32_t i = 0; i < BIG_LEN; i += 4099)
		assert_int_equal(r.r_body[i], pattern(i) ^ 0x5a);
	assert_int_equal(r.r_body[BIG_LEN - 1], pattern(BIG_LEN - 1) ^ 0x5a);
	free(r.r_body);
	assert_int_equal(atomic_load(&ts->ts_big_ok), 1);
	wait_atomic(&ts->ts_released, 1);

	/* A peer that does not read: the request goes out partly, then is cancelled. */
	lfd = fake_listen(&port);
	iov[0] = (struct iovec){big, BIG_LEN};
	assert_int_equal(net_call_submit_ref(cl, LOCALHOST, port, OP_BIG, 0, iov, 1, WAIT_MS,
					     result_cb, &r2, &handle), 0);
	fd = fake_accept(lfd);
	for (int i = 0; i < 20; i++)
		assert_true(net_client_progress(cl, 5) >= 0);
	assert_int_equal(net_call_cancel(cl, handle), 0);
	progress_until(cl, &r2.r_calls, 1);
	assert_int_equal(r2.r_status, -DER_CANCELED);
	memset(big, 0, BIG_LEN); /* the caller's buffer is free again */
	{
		uint8_t *got = malloc(PROTO_HDR_SIZE + BIG_LEN);
		size_t   n   = 0;
		uint64_t end = now_ms() + WAIT_MS;
		bool     ok  = true;

		assert_non_null(got);
		while (n < PROTO_HDR_SIZE + BIG_LEN) {
			ssize_t k = recv(fd, got + n, PROTO_HDR_SIZE + BIG_LEN - n, MSG_DONTWAIT);

			if (k > 0)
				n += (size_t)k;
			else
				assert_true(net_client_progress(cl, 5) >= 0);
			assert_true(now_ms() < end);
		}
		assert_int_equal(proto_hdr_decode(got, PROTO_HDR_SIZE, &h, NULL, 0), 0);
		assert_int_equal(h.ph_body_len, BIG_LEN);
		assert_int_equal(proto_check_crc(got, &h, got + PROTO_HDR_SIZE, NULL, 0), 0);
		for (uint32_t i = 0; ok && i < BIG_LEN; i++)
			ok = got[PROTO_HDR_SIZE + i] == pattern(i);
		assert_true(ok);
		free(got);
	}
	close(fd);
	close(lfd);

	/* A reply by reference to a client that is gone is released all the same. */
	for (uint32_t i = 0; i < BIG_LEN; i++)
		big[i] = pattern(i);
	{
		struct net_client *gone = client_new();
		struct result      r3   = {0};

		iov[0] = (struct iovec){big, BIG_LEN};
		assert_int_equal(net_call_submit(gone, LOCALHOST, ts->ts_port, OP_BIGREF, 0, iov, 1,
						 WAIT_MS, result_cb, &r3, NULL), 0);
		/* Send it, then leave before reading the 16 MiB reply. */
		while (atomic_load(&ts->ts_big_ok) < 2)
			assert_true(net_client_progress(gone, 5) >= 0);
		net_client_destroy(gone);
		assert_int_equal(r3.r_calls, 1);
		free(r3.r_body);
	}
	wait_atomic(&ts->ts_released, 2);
	server_stop(ts);
	net_client_destroy(cl);
	free(big);
}

/* NET15: the data of a large OBJ_UPDATE request arrives 4 KiB aligned in the server's body,
 * whatever the length of the descriptors before it */
static void
net15_update_aligned(void **state)
{
	struct tsrv       *ts = server_start();
	struct net_client *cl = client_new();
	static uint8_t     data[256 << 10];
	int                calls = 0;
	struct result      r[8];

	(void)state;
	memset(r, 0, sizeof(r));
	for (int i = 0; i < 8; i++) {
		struct proto_obj_update u = {0};
		struct proto_msg        m;
		const struct iovec     *iov;
		int                     cnt;
		char                    dkey[64];
		daos_iod_t              iod = {0};
		daos_recx_t             rx  = {.rx_idx = 0, .rx_nr = sizeof(data)};
		d_iov_t                 div;
		d_sg_list_t             sgl = {.sg_nr = 1, .sg_iovs = &div};

		/* dkeys of 1 .. 57 bytes move the data's offset in the body */
		memset(dkey, 'k', sizeof(dkey));
		d_iov_set(&u.ou_dkey, dkey, 1 + (size_t)i * 8);
		d_iov_set(&iod.iod_name, "akey", 4);
		iod.iod_type   = DAOS_IOD_ARRAY;
		iod.iod_size   = 1;
		iod.iod_nr     = 1;
		iod.iod_recxs  = &rx;
		d_iov_set(&div, data, sizeof(data));
		u.ou_iod_nr = 1;
		u.ou_iods   = &iod;
		u.ou_sgls   = &sgl;
		proto_msg_init(&m);
		assert_int_equal(proto_obj_update_enc(&u, &m), 0);
		assert_int_equal(proto_msg_iov(&m, &iov, &cnt), 0);
		assert_int_equal(net_call_submit(cl, LOCALHOST, ts->ts_port, OP_ECHO, 0, iov, cnt,
						 WAIT_MS, result_cb, &r[i], NULL), 0);
		proto_msg_fini(&m);
		progress_until(cl, &r[i].r_calls, 1);
		assert_int_equal(r[i].r_status, 0);
		calls++;
	}
	assert_int_equal(atomic_load(&ts->ts_aligned), calls);
	server_stop(ts);
	net_client_destroy(cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net01_ping),
		cmocka_unit_test(net02_many_out_of_order),
		cmocka_unit_test(net03_large_body),
		cmocka_unit_test(net04_timeout),
		cmocka_unit_test(net05_server_closed),
		cmocka_unit_test(net06_bad_input),
		cmocka_unit_test(net07_conn_max),
		cmocka_unit_test(net08_backpressure),
		cmocka_unit_test(net09_bad_args),
		cmocka_unit_test(net10_incompatible_server),
		cmocka_unit_test(net11_cancel),
		cmocka_unit_test(net12_threads),
		cmocka_unit_test(net13_flush_outside_progress),
		cmocka_unit_test(net14_reference),
		cmocka_unit_test(net15_update_aligned),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
