/*
 * test_agent.c: daos_agent (src/agent): the C5 framing (agent_proto.h), request
 * validation and the method whitelist, the check of servers' attach info, the
 * cache rules with an injected clock, and whole agents run in a thread of this
 * process against fake Management Services (ctl_http servers on 127.0.0.1,
 * port 0) and clients speaking C5 over the real socket.
 *
 * Every directory is a mkdtemp one removed at the end; every wait is bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/byteorder.h"
#include "gurt/log.h"
#include "agent/agent.h"
#include "agent/agent_proto.h"

/* Every wait of this test is bounded by this (ms). */
#define WAIT_MS 10000
#define ERRLEN  AGENT_MSG_MAX

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static json_t *
j(const char *text)
{
	json_error_t e;
	json_t      *v = json_loads(text, 0, &e);

	if (v == NULL)
		print_error("bad test JSON %s: %s\n", text, e.text);
	assert_non_null(v);
	return v;
}

/* ======================================================================== */
/* Framing                                                                  */
/* ======================================================================== */

/* Decode a whole frame built from raw body text; returns rc, message in err. */
static int
decode_text(const char *body, size_t len, json_t **obj, char *err)
{
	uint8_t *buf = malloc(AGENT_PROTO_HDR_SIZE + len);
	size_t   used = 0;
	int      rc;

	assert_non_null(buf);
	d_put_le32(buf, (uint32_t)len);
	memcpy(buf + AGENT_PROTO_HDR_SIZE, body, len);
	*obj = NULL;
	rc   = agent_proto_decode(buf, AGENT_PROTO_HDR_SIZE + len, obj, &used, err, ERRLEN);
	if (rc == 0)
		assert_int_equal(used, AGENT_PROTO_HDR_SIZE + len);
	free(buf);
	return rc;
}

/* AGT01: a frame is a little-endian length and compact JSON; decoding gives the
 * same object back and consumes exactly one frame of a stream */
static void
agt01_frame_round_trip(void **state)
{
	json_t  *req = j("{\"op\": \"get_attach_info\", \"refresh\": true}");
	json_t  *out = NULL, *out2 = NULL;
	char     err[ERRLEN];
	void    *buf;
	uint8_t *two;
	size_t   len, used = 0;

	(void)state;
	assert_int_equal(agent_proto_encode(req, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 4 + strlen("{\"op\":\"get_attach_info\",\"refresh\":true}"));
	assert_int_equal(d_get_le32(buf), len - 4);
	assert_memory_equal((uint8_t *)buf + 4, "{\"op\":\"get_attach_info\",\"refresh\":true}",
			    len - 4);
	/* two frames back to back: the first decode takes only the first */
	two = malloc(2 * len);
	assert_non_null(two);
	memcpy(two, buf, len);
	memcpy(two + len, buf, len);
	assert_int_equal(agent_proto_decode(two, 2 * len, &out, &used, err, sizeof(err)), 0);
	assert_int_equal(used, len);
	assert_true(json_equal(out, req));
	assert_int_equal(agent_proto_decode(two + used, len, &out2, &used, err, sizeof(err)), 0);
	assert_true(json_equal(out2, req));
	json_decref(out);
	json_decref(out2);
	free(two);
	free(buf);
	json_decref(req);
}

/* AGT02: encoding refuses what is not an object, and a body over the limit */
static void
agt02_encode_refusals(void **state)
{
	json_t *arr = json_array();
	json_t *big;
	char   *s;
	char    err[ERRLEN];
	void   *buf = NULL;
	size_t  len = 0;

	(void)state;
	assert_int_equal(agent_proto_encode(arr, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "message must be a JSON object, got array");
	assert_null(buf);
	assert_int_equal(agent_proto_encode(NULL, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "message must be a JSON object, got nothing");
	json_decref(arr);

	/* {"s":"<x...>"}: 8 bytes of syntax around the string */
	s = malloc(AGENT_PROTO_MSG_MAX);
	assert_non_null(s);
	memset(s, 'x', AGENT_PROTO_MSG_MAX - 8);
	s[AGENT_PROTO_MSG_MAX - 8] = '\0';
	big = json_pack("{s:s}", "s", s);
	assert_int_equal(agent_proto_encode(big, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 4 + AGENT_PROTO_MSG_MAX); /* exactly the limit: accepted */
	free(buf);
	buf = NULL;
	json_decref(big);
	s[AGENT_PROTO_MSG_MAX - 8] = 'x';
	s[AGENT_PROTO_MSG_MAX - 7] = '\0';
	big = json_pack("{s:s}", "s", s);
	assert_int_equal(agent_proto_encode(big, &buf, &len, err, sizeof(err)), -DER_OVERFLOW);
	assert_string_equal(err, "message of 4194305 bytes exceeds the limit of 4194304 bytes");
	assert_null(buf);
	json_decref(big);
	free(s);
}

/* AGT03: header: length 0 and lengths over the limit are refused, the limit is not */
static void
agt03_header_bounds(void **state)
{
	uint8_t  hdr[4];
	uint32_t n = 0;
	char     err[ERRLEN];

	(void)state;
	d_put_le32(hdr, 0);
	assert_int_equal(agent_proto_hdr_decode(hdr, &n, err, sizeof(err)), -DER_PROTO);
	assert_string_equal(err, "empty message (length 0)");
	d_put_le32(hdr, AGENT_PROTO_MSG_MAX + 1);
	assert_int_equal(agent_proto_hdr_decode(hdr, &n, err, sizeof(err)), -DER_OVERFLOW);
	assert_string_equal(err, "message of 4194305 bytes exceeds the limit of 4194304 bytes");
	d_put_le32(hdr, UINT32_MAX);
	assert_int_equal(agent_proto_hdr_decode(hdr, &n, err, sizeof(err)), -DER_OVERFLOW);
	assert_string_equal(err,
			    "message of 4294967295 bytes exceeds the limit of 4194304 bytes");
	assert_int_equal(n, 0);
	d_put_le32(hdr, AGENT_PROTO_MSG_MAX);
	assert_int_equal(agent_proto_hdr_decode(hdr, &n, err, sizeof(err)), 0);
	assert_int_equal(n, AGENT_PROTO_MSG_MAX);
	/* little endian whatever the host: 0x01 0x02 0x00 0x00 is 513 */
	hdr[0] = 1, hdr[1] = 2, hdr[2] = 0, hdr[3] = 0;
	assert_int_equal(agent_proto_hdr_decode(hdr, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 513);
	/* the body decoder bounds its own length too */
	assert_int_equal(agent_proto_body_decode("{}", AGENT_PROTO_MSG_MAX + 1u, &(json_t *){NULL},
						 err, sizeof(err)),
			 -DER_OVERFLOW);
	assert_int_equal(agent_proto_body_decode("{}", 0, &(json_t *){NULL}, err, sizeof(err)),
			 -DER_PROTO);
	assert_string_equal(err, "empty message (length 0)");
}

/* AGT04: every class of bad body is refused with -DER_PROTO and the reason */
static void
agt04_body_refusals(void **state)
{
	static const struct {
		const char *body;
		size_t      len; /* 0: strlen */
		const char *msg;
	} cases[] = {
	    {"{]}", 0, "invalid JSON: string or '}' expected near ']' (line 1, column 2)"},
	    {"", 1, "invalid JSON: NUL byte at offset 0"},
	    {"{\"a\":1}\0", 8, "invalid JSON: NUL byte at offset 7"},
	    {"{\"a\":\"\\u0000\"}", 0,
	     "invalid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"\\u0000\"' "
	     "(line 1, column 13)"},
	    {"{\"a\":1} x", 0, "invalid JSON: end of file expected near 'x' (line 1, column 9)"},
	    {"{\"a\":1}{}", 0, "invalid JSON: end of file expected near '{' (line 1, column 8)"},
	    {"[1]", 0, "message must be a JSON object, got array"},
	    {"42", 0, "invalid JSON: '[' or '{' expected near '42' (line 1, column 2)"},
	    {"\"s\"", 0, "invalid JSON: '[' or '{' expected near '\"s\"' (line 1, column 3)"},
	    {"{\"a\":1,\"a\":2}", 0, "invalid JSON: duplicate object key near '\"a\"' (line 1, "
				     "column 10)"},
	    {"{\"a\":\"\xff\"}", 0, "invalid JSON: unable to decode byte 0xff near '\"' (line 1, "
				    "column 6)"},
	    {"{\"a\":", 0, "invalid JSON: unexpected token near end of file (line 1, column 5)"},
	};
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t  len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].body);
		json_t *obj;
		int     rc  = decode_text(cases[i].body, len, &obj, err);

		if (rc != -DER_PROTO || strcmp(err, cases[i].msg) != 0)
			print_error("case %zu: rc %d, '%s'\n", i, rc, err);
		assert_int_equal(rc, -DER_PROTO);
		assert_string_equal(err, cases[i].msg);
		assert_null(obj);
	}
	/* whitespace around the object is fine */
	{
		json_t *obj;

		assert_int_equal(decode_text(" \n{\"a\": 1}\n ", 12, &obj, err), 0);
		assert_int_equal(json_integer_value(json_object_get(obj, "a")), 1);
		json_decref(obj);
	}
}

/* AGT05: a buffer that ends inside a frame asks for more, at every length */
static void
agt05_truncated_frames(void **state)
{
	json_t *req = j("{\"op\":\"call\",\"method\":\"cont_list\",\"body\":{\"pool\":\"p\"}}");
	char    err[ERRLEN];
	void   *buf;
	size_t  len, used = 7;

	(void)state;
	assert_int_equal(agent_proto_encode(req, &buf, &len, err, sizeof(err)), 0);
	for (size_t n = 0; n < len; n++) {
		json_t *obj = NULL;

		assert_int_equal(agent_proto_decode(buf, n, &obj, &used, err, sizeof(err)),
				 -DER_TRUNC);
		assert_null(obj);
		assert_int_equal(used, 7);
	}
	assert_int_equal(agent_proto_decode(buf, 2, &(json_t *){NULL}, &used, err, sizeof(err)),
			 -DER_TRUNC);
	assert_string_equal(err, "incomplete frame: 2 of 4 header bytes");
	assert_int_equal(agent_proto_decode(buf, 10, &(json_t *){NULL}, &used, err, sizeof(err)),
			 -DER_TRUNC);
	assert_string_equal(err, "incomplete frame: 6 of 54 body bytes");
	free(buf);
	json_decref(req);
}

/* AGT06: the socket path: the directory given, else DAOS_AGENT_DRPC_DIR, else the
 * default; too long and empty ones are refused */
static void
agt06_sock_path(void **state)
{
	char path[AGENT_PROTO_PATH_MAX + 1];
	char err[ERRLEN];
	char dir[200];

	(void)state;
	assert_int_equal(agent_proto_sock_path("/a/b", path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/a/b/daos_agent.sock");
	assert_int_equal(agent_proto_sock_path("/a/b/", path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/a/b/daos_agent.sock");
	unsetenv(AGENT_PROTO_DIR_ENV);
	assert_int_equal(agent_proto_sock_path(NULL, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/var/run/daos_agent/daos_agent.sock");
	setenv(AGENT_PROTO_DIR_ENV, "", 1);
	assert_int_equal(agent_proto_sock_path(NULL, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/var/run/daos_agent/daos_agent.sock");
	setenv(AGENT_PROTO_DIR_ENV, "/tmp/x", 1);
	assert_int_equal(agent_proto_sock_path(NULL, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(path, "/tmp/x/daos_agent.sock");
	unsetenv(AGENT_PROTO_DIR_ENV);
	assert_int_equal(agent_proto_sock_path("", path, sizeof(path), err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "socket directory is empty");
	/* 107 bytes in all is the longest: 91 + "/daos_agent.sock" (16) */
	memset(dir, 'd', 91);
	dir[0]  = '/';
	dir[91] = '\0';
	assert_int_equal(agent_proto_sock_path(dir, path, sizeof(path), err, sizeof(err)), 0);
	assert_int_equal(strlen(path), 107);
	dir[91] = 'd';
	dir[92] = '\0';
	assert_int_equal(agent_proto_sock_path(dir, path, sizeof(path), err, sizeof(err)),
			 -DER_INVAL);
	{
		char want[ERRLEN];

		snprintf(want, sizeof(want),
			 "socket path '%.64s.../daos_agent.sock' is longer than 107 bytes", dir);
		assert_string_equal(err, want);
	}
}

/* AGT07: blocking send/receive on a socket pair: round trip, a peer that closes
 * inside a frame, a silent peer (deadline), a bad header, a bad timeout */
static void
agt07_send_recv(void **state)
{
	json_t *msg = j("{\"op\":\"get_attach_info\"}");
	json_t *got = NULL;
	char    err[ERRLEN];
	uint8_t hdr[4];
	int     sv[2];
	uint64_t t0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(agent_proto_send(sv[0], msg, 1000, err, sizeof(err)), 0);
	assert_int_equal(agent_proto_recv(sv[1], &got, 1000, err, sizeof(err)), 0);
	assert_true(json_equal(got, msg));
	json_decref(got);

	/* nothing comes: the deadline */
	t0 = now_ms();
	assert_int_equal(agent_proto_recv(sv[1], &got, 100, err, sizeof(err)), -DER_TIMEDOUT);
	assert_string_equal(err, "timed out receiving from the agent");
	assert_true(now_ms() - t0 >= 100 && now_ms() - t0 < 2000);

	/* a header over the limit */
	d_put_le32(hdr, AGENT_PROTO_MSG_MAX + 1);
	assert_int_equal(write(sv[0], hdr, 4), 4);
	assert_int_equal(agent_proto_recv(sv[1], &got, 1000, err, sizeof(err)), -DER_OVERFLOW);

	/* half a frame, then the peer closes */
	d_put_le32(hdr, 10);
	assert_int_equal(write(sv[0], hdr, 4), 4);
	assert_int_equal(write(sv[0], "{\"a\"", 4), 4);
	close(sv[0]);
	assert_int_equal(agent_proto_recv(sv[1], &got, 1000, err, sizeof(err)), -DER_PROTO);
	assert_string_equal(err, "peer closed the connection after 8 of 14 bytes");
	assert_int_equal(agent_proto_recv(sv[1], &got, 1000, err, sizeof(err)), -DER_PROTO);
	assert_string_equal(err, "peer closed the connection after 0 of 4 bytes");
	/* sending to a closed peer is an error, never SIGPIPE */
	assert_int_equal(agent_proto_send(sv[1], msg, 1000, err, sizeof(err)), -DER_AGENT_COMM);
	assert_string_equal(err, "cannot send to the agent: Broken pipe");
	assert_int_equal(agent_proto_send(sv[1], msg, 0, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "timeout of 0 ms is out of range [1, 3600000]");
	assert_int_equal(agent_proto_recv(sv[1], &got, AGENT_PROTO_TIMEOUT_MAX_MS + 1, err,
					  sizeof(err)),
			 -DER_INVAL);
	close(sv[1]);
	json_decref(msg);
}

/* AGT08: no agent: connecting names the socket and says what to check */
static void
agt08_connect_no_agent(void **state)
{
	char   tmpl[] = "/tmp/agt08XXXXXX";
	char   err[ERRLEN], want[ERRLEN];
	json_t *req = j("{\"op\":\"get_attach_info\"}"), *reply = NULL;
	int    fd = -1;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(agent_proto_connect(tmpl, &fd, err, sizeof(err)), -DER_AGENT_COMM);
	snprintf(want, sizeof(want),
		 "cannot connect to %s/daos_agent.sock: No such file or directory (is daos_agent "
		 "running?)",
		 tmpl);
	assert_string_equal(err, want);
	assert_int_equal(fd, -1);
	assert_int_equal(agent_proto_call(tmpl, req, &reply, 1000, err, sizeof(err)),
			 -DER_AGENT_COMM);
	assert_null(reply);
	json_decref(req);
	rmdir(tmpl);
}

/* ======================================================================== */
/* Requests and the whitelist                                               */
/* ======================================================================== */

static int
parse(const char *text, struct agent_req *req, char *err)
{
	json_t *obj = j(text);
	int     rc;

	memset(req, 0, sizeof(*req));
	req->ar_method = "untouched"; /* left so on error: checked by callers */
	rc = agent_req_parse(obj, "daos_server", req, err, ERRLEN);
	json_decref(obj);
	return rc;
}

/* AGT10: the get_attach_info forms C5 allows */
static void
agt10_attach_requests(void **state)
{
	struct agent_req req;
	char             err[ERRLEN];

	(void)state;
	assert_int_equal(parse("{\"op\":\"get_attach_info\"}", &req, err), 0);
	assert_int_equal(req.ar_op, AGENT_OP_ATTACH);
	assert_false(req.ar_refresh);
	assert_int_equal(parse("{\"op\":\"get_attach_info\",\"sys\":\"daos_server\","
			       "\"refresh\":true}",
			       &req, err),
			 0);
	assert_true(req.ar_refresh);
	assert_int_equal(parse("{\"op\":\"get_attach_info\",\"sys\":\"\",\"refresh\":false}",
			       &req, err),
			 0);
	assert_false(req.ar_refresh);
	assert_int_equal(parse("{\"op\":\"get_attach_info\",\"sys\":null,\"refresh\":null}", &req,
			       err),
			 0);
	assert_false(req.ar_refresh);
}

/* AGT11: bad get_attach_info requests: each refused -DER_INVAL with the reason */
static void
agt11_attach_refusals(void **state)
{
	static const struct {
		const char *req;
		const char *msg;
	} cases[] = {
	    {"{\"op\":\"get_attach_info\",\"sys\":1}", "\"sys\" must be a string, got integer"},
	    {"{\"op\":\"get_attach_info\",\"sys\":\"other\"}",
	     "system 'other' is not served by this agent (it serves 'daos_server')"},
	    {"{\"op\":\"get_attach_info\",\"sys\":\"daos_server2\"}",
	     "system 'daos_server2' is not served by this agent (it serves 'daos_server')"},
	    {"{\"op\":\"get_attach_info\",\"sys\":\"a\\tb\"}",
	     "system 'a?b' is not served by this agent (it serves 'daos_server')"},
	    {"{\"op\":\"get_attach_info\",\"refresh\":\"yes\"}",
	     "\"refresh\" must be true or false, got string"},
	    {"{\"op\":\"get_attach_info\",\"refresh\":1}",
	     "\"refresh\" must be true or false, got integer"},
	    {"{\"op\":\"get_attach_info\",\"refesh\":true}",
	     "unknown key 'refesh' in a get_attach_info request"},
	    {"{\"op\":\"get_attach_info\",\"method\":\"x\"}",
	     "unknown key 'method' in a get_attach_info request"},
	};
	struct agent_req req;
	char             err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].req, &req, err), -DER_INVAL);
		assert_string_equal(err, cases[i].msg);
		assert_string_equal(req.ar_method, "untouched");
	}
}

/* AGT12: the op: missing, not a string, unknown */
static void
agt12_op_refusals(void **state)
{
	struct agent_req req;
	char             err[ERRLEN];
	json_t          *arr = json_array();

	(void)state;
	assert_int_equal(parse("{}", &req, err), -DER_INVAL);
	assert_string_equal(err, "request has no \"op\"");
	assert_int_equal(parse("{\"op\":7}", &req, err), -DER_INVAL);
	assert_string_equal(err, "\"op\" must be a string, got integer");
	assert_int_equal(parse("{\"op\":null}", &req, err), -DER_INVAL);
	assert_string_equal(err, "\"op\" must be a string, got null");
	assert_int_equal(parse("{\"op\":\"GET_ATTACH_INFO\"}", &req, err), -DER_NOSYS);
	assert_string_equal(err, "unknown op 'GET_ATTACH_INFO' (expected get_attach_info or call)");
	assert_int_equal(parse("{\"op\":\"\"}", &req, err), -DER_NOSYS);
	assert_string_equal(err, "unknown op '' (expected get_attach_info or call)");
	assert_int_equal(agent_req_parse(arr, "daos_server", &req, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "request must be a JSON object");
	json_decref(arr);
}

/* AGT13: call requests: a whitelisted method, with or without a body */
static void
agt13_call_requests(void **state)
{
	struct agent_req req;
	char             err[ERRLEN];
	json_t          *obj;

	(void)state;
	obj = j("{\"op\":\"call\",\"method\":\"cont_create\",\"body\":{\"pool\":\"p\"}}");
	assert_int_equal(agent_req_parse(obj, "daos_server", &req, err, sizeof(err)), 0);
	assert_int_equal(req.ar_op, AGENT_OP_CALL);
	assert_string_equal(req.ar_method, "cont_create");
	assert_ptr_equal(req.ar_body, json_object_get(obj, "body"));
	assert_false(req.ar_idempotent);
	json_decref(obj);
	assert_int_equal(parse("{\"op\":\"call\",\"method\":\"pool_query\"}", &req, err), 0);
	assert_null(req.ar_body);
	assert_true(req.ar_idempotent);
	assert_int_equal(parse("{\"op\":\"call\",\"method\":\"get_attach_info\",\"body\":{}}", &req,
			       err),
			 0);
	assert_true(req.ar_idempotent);
}

/* AGT14: bad call requests: shape errors -DER_INVAL, methods off the whitelist
 * -DER_NO_PERM, with the reasons */
static void
agt14_call_refusals(void **state)
{
	static const struct {
		const char *req;
		int         rc;
		const char *msg;
	} cases[] = {
	    {"{\"op\":\"call\"}", -DER_INVAL, "call request has no \"method\""},
	    {"{\"op\":\"call\",\"method\":[]}", -DER_INVAL, "\"method\" must be a string, got array"},
	    {"{\"op\":\"call\",\"method\":\"cont_list\",\"body\":[]}", -DER_INVAL,
	     "\"body\" must be an object, got array"},
	    {"{\"op\":\"call\",\"method\":\"cont_list\",\"body\":null}", -DER_INVAL,
	     "\"body\" must be an object, got null"},
	    {"{\"op\":\"call\",\"method\":\"cont_list\",\"args\":{}}", -DER_INVAL,
	     "unknown key 'args' in a call request"},
	    {"{\"op\":\"call\",\"method\":\"pool_create\",\"body\":{}}", -DER_NO_PERM,
	     "method 'pool_create' is admin-only: use dmg"},
	    {"{\"op\":\"call\",\"method\":\"system_stop\"}", -DER_NO_PERM,
	     "method 'system_stop' is admin-only: use dmg"},
	    {"{\"op\":\"call\",\"method\":\"system_join\"}", -DER_NO_PERM,
	     "method 'system_join' cannot be called through the agent"},
	    {"{\"op\":\"call\",\"method\":\"../etc\"}", -DER_NO_PERM,
	     "method '../etc' cannot be called through the agent"},
	    {"{\"op\":\"call\",\"method\":\"a\\nb\"}", -DER_NO_PERM,
	     "method 'a?b' cannot be called through the agent"},
	};
	struct agent_req req;
	char             err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].req, &req, err), cases[i].rc);
		assert_string_equal(err, cases[i].msg);
	}
}

/* AGT15: the whitelist is C4's: every agent-callable method forwarded, the five
 * admin-only ones and the control plane's refused, reads marked retryable */
static void
agt15_method_whitelist(void **state)
{
	static const char *const agent_ok[] = {
	    "get_attach_info", "pool_connect", "pool_query", "cont_create", "cont_open",
	    "cont_query", "cont_destroy", "cont_list", "cont_set_prop", "cont_set_attr",
	    "cont_get_attr", "cont_del_attr", "cont_snap_create", "cont_snap_list",
	    "cont_snap_destroy", "cont_alloc_oids", "pool_set_attr", "pool_get_attr",
	    "pool_del_attr"};
	static const char *const reads[] = {"get_attach_info", "pool_connect", "pool_query",
					    "cont_open", "cont_query", "cont_list",
					    "cont_get_attr", "cont_snap_list", "pool_get_attr"};
	static const char *const admin[] = {"pool_create", "pool_destroy", "pool_set_prop",
					    "pool_list", "pool_query_targets", "system_query",
					    "system_stop", "system_start", "system_erase",
					    "storage_format"};
	static const char *const other[] = {"", "system_join", "system_event", "engines_stop",
					    "server_info", "Pool_query", "cont_create ", "x"};

	(void)state;
	for (size_t i = 0; i < sizeof(agent_ok) / sizeof(agent_ok[0]); i++) {
		bool read = false;

		assert_int_equal(agent_method_class(agent_ok[i]), AGENT_METHOD_AGENT);
		for (size_t r = 0; r < sizeof(reads) / sizeof(reads[0]); r++)
			read = read || strcmp(reads[r], agent_ok[i]) == 0;
		assert_int_equal(agent_method_idempotent(agent_ok[i]), read);
	}
	for (size_t i = 0; i < sizeof(admin) / sizeof(admin[0]); i++) {
		assert_int_equal(agent_method_class(admin[i]), AGENT_METHOD_ADMIN);
		assert_false(agent_method_idempotent(admin[i]));
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(agent_method_class(other[i]), AGENT_METHOD_UNKNOWN);
	assert_int_equal(agent_method_class(NULL), AGENT_METHOD_UNKNOWN);
	assert_false(agent_method_idempotent(NULL));
}

/* AGT16: error replies and which refusals end a connection; the peer hook accepts */
static void
agt16_replies(void **state)
{
	json_t *r = agent_reply_error(-DER_AGAIN, "busy %d", 3);

	(void)state;
	assert_non_null(r);
	assert_int_equal(json_object_size(r), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "status")), -DER_AGAIN);
	assert_string_equal(json_string_value(json_object_get(r, "error")), "busy 3");
	json_decref(r);
	assert_true(agent_rc_closes(-DER_PROTO));
	assert_true(agent_rc_closes(-DER_OVERFLOW));
	assert_true(agent_rc_closes(-DER_INVAL));
	assert_true(agent_rc_closes(-DER_NOSYS));
	assert_false(agent_rc_closes(-DER_NO_PERM));
	assert_false(agent_rc_closes(-DER_AGAIN));
	assert_false(agent_rc_closes(-DER_UNREACH));
	assert_int_equal(agent_peer_authorize(getpid(), getuid(), getgid()), 0);
}

/* ======================================================================== */
/* Attach info from servers                                                 */
/* ======================================================================== */

#define GOOD_ATTACH                                                                       \
	"{\"sys_name\":\"daos_server\",\"provider\":\"ofi+tcp\",\"access_points\":"         \
	"[\"127.0.0.1:10001\"],\"map_version\":7,\"ranks\":[{\"rank\":0,\"uri\":"            \
	"\"ofi+tcp://127.0.0.1:20000\",\"targets\":2,\"state\":\"Joined\"},{\"rank\":1,"     \
	"\"uri\":\"ofi+tcp://127.0.0.1:21000\",\"targets\":2,\"state\":\"Stopped\"}],"     \
	"\"future\":{\"x\":1}}"

/* AGT17: attach info with every field right is accepted, unknown fields kept */
static void
agt17_attach_info_ok(void **state)
{
	json_t  *info = j(GOOD_ATTACH);
	uint64_t mv   = 0;
	char     err[ERRLEN];

	(void)state;
	assert_int_equal(agent_attach_check(info, "daos_server", &mv, err, sizeof(err)), 0);
	assert_int_equal(mv, 7);
	json_decref(info);
	info = j("{\"sys_name\":\"s\",\"provider\":\"p\",\"access_points\":[],\"map_version\":0,"
		 "\"ranks\":[]}");
	assert_int_equal(agent_attach_check(info, "s", &mv, err, sizeof(err)), 0);
	assert_int_equal(mv, 0);
	json_decref(info);
}

/* AGT18: each bad field of a server's attach info is named; another system's is
 * refused -DER_INVAL */
static void
agt18_attach_info_bad(void **state)
{
	static const struct {
		const char *key;   /* replaced in GOOD_ATTACH (NULL: whole object) */
		const char *value; /* NULL: removed */
		const char *msg;
	} cases[] = {
	    {"sys_name", NULL, "sys_name: missing"},
	    {"sys_name", "3", "sys_name: expected a string, got integer"},
	    {"sys_name", "\"\"", "sys_name: expected 1 to 15 bytes of text, got 0"},
	    {"provider", NULL, "provider: missing"},
	    {"map_version", "-1", "map_version: expected an integer in [0, 9223372036854775807]"},
	    {"map_version", "1.5", "map_version: expected an integer in [0, 9223372036854775807]"},
	    {"access_points", "{}", "access_points: expected an array, got object"},
	    {"access_points", "[1]", "access_points[0]: expected a host:port string"},
	    {"access_points", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]",
	     "access_points: more than 9 entries"},
	    {"ranks", NULL, "ranks: missing"},
	    {"ranks", "[7]", "ranks[0]: expected an object, got integer"},
	    {"ranks", "[{\"uri\":\"u\",\"targets\":1,\"state\":\"Joined\"}]", "ranks[0].rank: missing"},
	    {"ranks", "[{\"rank\":4294967295,\"uri\":\"u\",\"targets\":1,\"state\":\"Joined\"}]",
	     "ranks[0].rank: expected an integer in [0, 4294967294]"},
	    {"ranks", "[{\"rank\":0,\"uri\":\"u\",\"targets\":65,\"state\":\"Joined\"}]",
	     "ranks[0].targets: expected an integer in [0, 64]"},
	    {"ranks", "[{\"rank\":0,\"uri\":\"\",\"targets\":1,\"state\":\"Joined\"}]",
	     "ranks[0].uri: expected 1 to 255 bytes of text, got 0"},
	    {"ranks", "[{\"rank\":0,\"uri\":\"u\",\"targets\":1}]", "ranks[0].state: missing"},
	};
	uint64_t mv = 99;
	char     err[ERRLEN];
	json_t  *info;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_error_t e;

		info = j(GOOD_ATTACH);
		if (cases[i].value == NULL)
			json_object_del(info, cases[i].key);
		else
			json_object_set_new(info, cases[i].key,
					    json_loads(cases[i].value, JSON_DECODE_ANY, &e));
		assert_int_equal(agent_attach_check(info, "daos_server", &mv, err, sizeof(err)),
				 -DER_PROTO);
		assert_string_equal(err, cases[i].msg);
		assert_int_equal(mv, 99);
		json_decref(info);
	}
	info = j(GOOD_ATTACH);
	assert_int_equal(agent_attach_check(info, "other", &mv, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err,
			    "the servers belong to system 'daos_server', the agent is configured "
			    "for 'other'");
	json_decref(info);
	info = json_array();
	assert_int_equal(agent_attach_check(info, "s", &mv, err, sizeof(err)), -DER_PROTO);
	assert_string_equal(err, "expected an object, got array");
	json_decref(info);
}

/* ======================================================================== */
/* The cache (clock injected)                                               */
/* ======================================================================== */

/* AGT20: caching off: every request fetches fresh, nothing is kept, no checks */
static void
agt20_cache_off(void **state)
{
	struct agent_cache c;

	(void)state;
	agent_cache_init(&c, false, 0, 1000);
	assert_int_equal(agent_cache_lookup(&c, 0, false), AGENT_CACHE_FRESH);
	assert_true(agent_cache_store(&c, j(GOOD_ATTACH), 7, 0));
	assert_null(c.ac_info); /* invariant 1 */
	assert_int_equal(agent_cache_lookup(&c, 1, false), AGENT_CACHE_FRESH);
	assert_false(agent_cache_check_due(&c, 1000000));
	agent_cache_fini(&c);
}

/* AGT21: caching on: empty misses, filled hits, refresh bypasses, expiry counts
 * from the start of the fetch and 0 never expires */
static void
agt21_cache_expiry(void **state)
{
	struct agent_cache c;
	const uint64_t     min = 60000;

	(void)state;
	agent_cache_init(&c, true, 5 * min, 3000);
	assert_int_equal(agent_cache_lookup(&c, 1000, false), AGENT_CACHE_MISS);
	assert_int_equal(agent_cache_lookup(&c, 1000, true), AGENT_CACHE_FRESH);
	agent_cache_started(&c, 1000);
	assert_true(agent_cache_store(&c, j(GOOD_ATTACH), 7, 1000));
	assert_int_equal(agent_cache_lookup(&c, 1000, false), AGENT_CACHE_HIT);
	assert_int_equal(agent_cache_lookup(&c, 1000, true), AGENT_CACHE_FRESH);
	assert_int_equal(agent_cache_lookup(&c, 1000 + 5 * min - 1, false), AGENT_CACHE_HIT);
	assert_int_equal(agent_cache_lookup(&c, 1000 + 5 * min, false), AGENT_CACHE_MISS);
	/* a clock before the fetch (never with a monotonic clock) is not expiry */
	assert_int_equal(agent_cache_lookup(&c, 10, false), AGENT_CACHE_HIT);
	/* a new fetch restarts the period */
	assert_false(agent_cache_store(&c, j(GOOD_ATTACH), 7, 1000 + 5 * min));
	assert_int_equal(agent_cache_lookup(&c, 1000 + 9 * min, false), AGENT_CACHE_HIT);
	agent_cache_invalidate(&c);
	assert_int_equal(agent_cache_lookup(&c, 1000 + 9 * min, false), AGENT_CACHE_MISS);
	agent_cache_fini(&c);

	agent_cache_init(&c, true, 0, 3000);
	assert_true(agent_cache_store(&c, j(GOOD_ATTACH), 7, 0));
	assert_int_equal(agent_cache_lookup(&c, UINT64_MAX, false), AGENT_CACHE_HIT);
	agent_cache_fini(&c);
}

/* AGT22: the map version check is due every period once the cache is filled; a
 * store says whether the map version changed; an older fetch never replaces a newer */
static void
agt22_cache_check(void **state)
{
	struct agent_cache c;
	json_t            *newer;

	(void)state;
	agent_cache_init(&c, true, 0, 3000);
	assert_false(agent_cache_check_due(&c, 100000)); /* nothing cached: nothing to check */
	agent_cache_started(&c, 100);
	assert_true(agent_cache_store(&c, j(GOOD_ATTACH), 7, 100));
	assert_false(agent_cache_check_due(&c, 100));
	assert_false(agent_cache_check_due(&c, 3099));
	assert_true(agent_cache_check_due(&c, 3100));
	agent_cache_started(&c, 3100);
	assert_false(agent_cache_check_due(&c, 3101));
	assert_false(agent_cache_store(&c, j(GOOD_ATTACH), 7, 3100)); /* same version */
	newer = j(GOOD_ATTACH);
	assert_true(agent_cache_store(&c, newer, 8, 6200)); /* restart: new version */
	assert_int_equal(c.ac_map_version, 8);
	assert_false(agent_cache_store(&c, j(GOOD_ATTACH), 9, 5000)); /* older fetch */
	assert_ptr_equal(c.ac_info, newer);
	assert_int_equal(c.ac_map_version, 8);
	/* a lower version from a newer fetch (a new system) is a change too */
	assert_true(agent_cache_store(&c, j(GOOD_ATTACH), 1, 7000));
	assert_int_equal(c.ac_map_version, 1);
	agent_cache_fini(&c);
}

/* AGT23: DAOS_AGENT_DISABLE_CACHE takes Go's boolean spellings */
static void
agt23_env_bool(void **state)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[]  = {"0", "f", "F", "FALSE", "false", "False"};
	bool                     b;
	char                     err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		b = false;
		assert_int_equal(agent_env_bool(yes[i], &b, err, sizeof(err)), 0);
		assert_true(b);
		assert_int_equal(agent_env_bool(no[i], &b, err, sizeof(err)), 0);
		assert_false(b);
	}
	b = true;
	assert_int_equal(agent_env_bool("yes", &b, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "DAOS_AGENT_DISABLE_CACHE: 'yes' is not a boolean");
	assert_true(b);
	assert_int_equal(agent_env_bool("", &b, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(agent_env_bool("tRUE", &b, err, sizeof(err)), -DER_INVAL);
}

/* ======================================================================== */
/* Whole agents against fake Management Services                            */
/* ======================================================================== */

struct fake_pending {
	struct fake_pending *fp_next;
	struct ctl_http_req *fp_req;
	json_t              *fp_reply;
	uint64_t             fp_due;
};

/* A control API server answering like an MS leader (or redirecting like a follower). */
struct fake_ms {
	struct ctl_http_server *fm_srv;
	char                    fm_addr[32];
	atomic_int              fm_attach_calls;
	atomic_int              fm_calls;
	atomic_int              fm_redirects;
	atomic_int              fm_map_version;
	atomic_int              fm_delay_ms;   /* delay of replies to other methods */
	char                    fm_hint[32];   /* set: every call is redirected there */
	pthread_mutex_t         fm_lock;
	struct fake_pending    *fm_pending;
	pthread_t               fm_thread;
	atomic_int              fm_stop;
};

static void
fake_later(struct fake_ms *fm, struct ctl_http_req *req, json_t *reply, uint64_t due)
{
	struct fake_pending *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->fp_req   = req;
	p->fp_reply = reply;
	p->fp_due   = due;
	pthread_mutex_lock(&fm->fm_lock);
	p->fp_next      = fm->fm_pending;
	fm->fm_pending  = p;
	pthread_mutex_unlock(&fm->fm_lock);
}

static void
fake_handler(struct ctl_http_req *req, void *arg)
{
	struct fake_ms *fm     = arg;
	const char     *method = ctl_http_req_method(req);
	json_t         *body   = ctl_http_req_body(req);
	int             delay;

	if (fm->fm_hint[0] != '\0') {
		atomic_fetch_add(&fm->fm_redirects, 1);
		ctl_http_reply(req, 421,
			       json_pack("{s:i, s:s, s:s}", "status", -DER_NOTLEADER, "error",
					 "not the MS leader", "leader", fm->fm_hint));
		return;
	}
	if (strcmp(method, "get_attach_info") == 0) {
		json_t *r = j(GOOD_ATTACH);

		atomic_fetch_add(&fm->fm_attach_calls, 1);
		json_object_set_new(r, "map_version",
				    json_integer(atomic_load(&fm->fm_map_version)));
		ctl_http_reply(req, 200, r);
		return;
	}
	atomic_fetch_add(&fm->fm_calls, 1);
	if (strcmp(method, "pool_query") == 0) {
		ctl_http_reply(req, 404,
			       json_pack("{s:i, s:s, s:s}", "status", -DER_NONEXIST, "error",
					 "pool 'x' does not exist", "pool", "x"));
		return;
	}
	delay = atomic_load(&fm->fm_delay_ms);
	if (delay > 0) {
		fake_later(fm, req,
			   json_pack("{s:s, s:O}", "method", method, "body", body),
			   now_ms() + (uint64_t)delay);
		return;
	}
	ctl_http_reply(req, 200, json_pack("{s:s, s:O}", "method", method, "body", body));
}

/* Sends the delayed replies; on stop, releases every request still held. */
static void *
fake_replier(void *arg)
{
	struct fake_ms *fm = arg;

	for (;;) {
		bool                 stop = atomic_load(&fm->fm_stop);
		struct fake_pending **pp, *p;

		pthread_mutex_lock(&fm->fm_lock);
		pp = &fm->fm_pending;
		while ((p = *pp) != NULL) {
			if (stop || now_ms() >= p->fp_due) {
				*pp = p->fp_next;
				ctl_http_reply(p->fp_req, 200, p->fp_reply);
				free(p);
			} else {
				pp = &p->fp_next;
			}
		}
		pthread_mutex_unlock(&fm->fm_lock);
		if (stop)
			return NULL;
		usleep(5000);
	}
}

static void
fake_start(struct fake_ms *fm)
{
	struct ctl_http_cfg cfg = {.hc_bind_addr = "127.0.0.1", .hc_insecure = true};
	char                err[CTL_HTTP_ERRBUF_SIZE];

	memset(fm, 0, sizeof(*fm));
	atomic_store(&fm->fm_map_version, 1);
	pthread_mutex_init(&fm->fm_lock, NULL);
	assert_int_equal(ctl_http_server_start(&cfg, fake_handler, fm, &fm->fm_srv, err,
					       sizeof(err)),
			 0);
	snprintf(fm->fm_addr, sizeof(fm->fm_addr), "127.0.0.1:%u",
		 ctl_http_server_port(fm->fm_srv));
	assert_int_equal(pthread_create(&fm->fm_thread, NULL, fake_replier, fm), 0);
}

static void
fake_stop(struct fake_ms *fm)
{
	ctl_http_server_stop(fm->fm_srv); /* calls in flight get 503 */
	atomic_store(&fm->fm_stop, 1);
	pthread_join(fm->fm_thread, NULL);
	pthread_mutex_destroy(&fm->fm_lock);
}

/* A free TCP port nobody listens on (connections are refused). */
static unsigned int
dead_port(void)
{
	struct sockaddr_in sa  = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t          len = sizeof(sa);
	int                s   = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	close(s);
	return ntohs(sa.sin_port);
}

/* An agent running in a thread of this test. */
struct t_agent {
	char                root[32];
	char                dir[64];
	struct agent_config cfg;
	struct agent       *a;
	pthread_t           thread;
	bool                running;
	int                 run_rc;
};

static void
t_config(struct t_agent *t, const char *aps, const char *extra)
{
	char yml[1024];
	char err[ERRLEN];
	int  rc;

	snprintf(yml, sizeof(yml),
		 "name: daos_server\naccess_points: [%s]\ntransport_config:\n"
		 "  allow_insecure: true\nruntime_dir: %s\nlog_file: %s/agent.log\n%s",
		 aps, t->dir, t->root, extra != NULL ? extra : "");
	rc = agent_config_parse(yml, strlen(yml), NULL, &t->cfg, err, sizeof(err));
	if (rc != 0)
		print_error("config: %s\n", err);
	assert_int_equal(rc, 0);
}

static void
t_init(struct t_agent *t, const char *aps, const char *extra)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->root, sizeof(t->root), "/tmp/agtXXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->dir, sizeof(t->dir), "%s/run/sub", t->root);
	t_config(t, aps, extra);
}

static void *
t_run(void *arg)
{
	struct t_agent *t = arg;

	t->run_rc = agent_run(t->a);
	return NULL;
}

static void
t_create(struct t_agent *t, struct agent_opts *opts)
{
	char err[ERRLEN];
	int  rc;

	rc = agent_create(&t->cfg, opts, &t->a, err, sizeof(err));
	if (rc != 0)
		print_error("agent_create: %s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
}

static void
t_start(struct t_agent *t, struct agent_opts *opts)
{
	t_create(t, opts);
	assert_int_equal(pthread_create(&t->thread, NULL, t_run, t), 0);
	t->running = true;
}

static void
t_stop(struct t_agent *t)
{
	if (t->running) {
		agent_stop(t->a);
		pthread_join(t->thread, NULL);
		assert_int_equal(t->run_rc, 0);
		t->running = false;
	}
}

static void
t_fini(struct t_agent *t)
{
	char cmd[128];

	t_stop(t);
	agent_destroy(t->a);
	t->a = NULL;
	agent_config_free(&t->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->root);
	assert_int_equal(system(cmd), 0);
}

static json_t *
t_call(struct t_agent *t, const char *req_text)
{
	json_t *req = j(req_text), *reply = NULL;
	char    err[ERRLEN];
	int     rc;

	rc = agent_proto_call(t->dir, req, &reply, WAIT_MS, err, sizeof(err));
	if (rc != 0)
		print_error("agent_proto_call: %s\n", err);
	assert_int_equal(rc, 0);
	json_decref(req);
	return reply;
}

static int
status_of(const json_t *r)
{
	assert_true(json_is_integer(json_object_get(r, "status")));
	return (int)json_integer_value(json_object_get(r, "status"));
}

static const char *
error_of(const json_t *r)
{
	return json_string_value(json_object_get(r, "error"));
}

static int
t_connect(struct t_agent *t)
{
	char err[ERRLEN];
	int  fd = -1;

	assert_int_equal(agent_proto_connect(t->dir, &fd, err, sizeof(err)), 0);
	return fd;
}

static void
t_write(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void
t_raw_frame(int fd, const char *body, size_t len)
{
	uint8_t hdr[4];

	d_put_le32(hdr, (uint32_t)len);
	t_write(fd, hdr, 4);
	if (len > 0)
		t_write(fd, body, len);
}

static json_t *
t_recv(int fd)
{
	json_t *r = NULL;
	char    err[ERRLEN];
	int     rc = agent_proto_recv(fd, &r, WAIT_MS, err, sizeof(err));

	if (rc != 0)
		print_error("recv: %s\n", err);
	assert_int_equal(rc, 0);
	return r;
}

/* The agent closed the connection. */
static void
t_expect_eof(int fd)
{
	json_t *r = NULL;
	char    err[ERRLEN];

	assert_int_equal(agent_proto_recv(fd, &r, WAIT_MS, err, sizeof(err)), -DER_PROTO);
	assert_string_equal(err, "peer closed the connection after 0 of 4 bytes");
}

/* Expect an error reply with @rc and @msg on @fd, then (if @closed) the end. */
static void
t_expect_error(int fd, int rc, const char *msg, bool closed)
{
	json_t *r = t_recv(fd);

	assert_int_equal(status_of(r), rc);
	assert_string_equal(error_of(r), msg);
	assert_int_equal(json_object_size(r), 2);
	json_decref(r);
	if (closed)
		t_expect_eof(fd);
}

/* AGT30: the socket: runtime_dir created 0755 with its parents, socket 0666; a
 * second agent on the same directory is refused; a stale socket is replaced; a
 * file that is not a socket is never removed; the socket goes with the agent */
static void
agt30_socket_setup(void **state)
{
	struct agent_opts  opts = {.ao_ms_deadline_ms = 200};
	struct t_agent     t, t2;
	struct agent      *a2 = NULL;
	struct stat        st;
	char               aps[64], path[128], want[ERRLEN * 2], err[ERRLEN];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int                s;

	(void)state;
	snprintf(aps, sizeof(aps), "'127.0.0.1:%u'", dead_port());
	t_init(&t, aps, NULL);
	t_create(&t, &opts);
	snprintf(path, sizeof(path), "%s/daos_agent.sock", t.dir);
	assert_string_equal(agent_sock_path(t.a), path);
	assert_int_equal(stat(t.dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(want, sizeof(want), "%s/run", t.root);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);

	/* a second agent on the same directory */
	t2 = t;
	memset(&t2.cfg, 0, sizeof(t2.cfg));
	t_config(&t2, aps, NULL);
	assert_int_equal(agent_create(&t2.cfg, &opts, &a2, err, sizeof(err)), -DER_BUSY);
	snprintf(want, sizeof(want), "another daos_agent is serving %s (it holds %s.lock)", path,
		 path);
	assert_string_equal(err, want);
	assert_null(a2);
	assert_int_equal(lstat(path, &st), 0); /* the first one's socket is left alone */

	/* gone with its agent */
	agent_destroy(t.a);
	t.a = NULL;
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* a live listener that is no agent of ours (no lock) still counts as busy */
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(agent_create(&t2.cfg, &opts, &a2, err, sizeof(err)), -DER_BUSY);
	snprintf(want, sizeof(want), "another daos_agent is serving %s", path);
	assert_string_equal(err, want);
	/* closed without unlink: a stale socket, which is replaced */
	close(s);
	assert_int_equal(agent_create(&t2.cfg, &opts, &a2, err, sizeof(err)), 0);
	agent_destroy(a2);
	a2 = NULL;

	/* a regular file in the way is never removed */
	s = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(s >= 0);
	close(s);
	assert_int_equal(agent_create(&t2.cfg, &opts, &a2, err, sizeof(err)), -DER_EXIST);
	snprintf(want, sizeof(want), "%s exists and is not a socket: remove it", path);
	assert_string_equal(err, want);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);

	/* a runtime_dir that is a file; a socket path too long */
	opts.ao_runtime_dir = path;
	s = open(path, O_CREAT | O_WRONLY, 0600);
	close(s);
	assert_int_equal(agent_create(&t2.cfg, &opts, &a2, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want), "runtime_dir %s is not a directory", path);
	assert_string_equal(err, want);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%0*d", t.root, 100 - (int)strlen(t.root), 0);
	opts.ao_runtime_dir = path; /* 101 bytes: the socket path would be 117 */
	assert_int_equal(agent_create(&t2.cfg, &opts, &a2, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want),
		 "socket path '%.64s.../daos_agent.sock' is longer than 107 bytes", path);
	assert_string_equal(err, want);
	opts.ao_runtime_dir = NULL;
	opts.ao_check_ms    = 1;
	assert_int_equal(agent_create(&t2.cfg, &opts, &a2, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "map check period of 1 ms is out of range [100, 3600000]");
	agent_config_free(&t2.cfg);
	t_fini(&t);
}

/* AGT31: attach info comes from the MS, is cached (no server call per request),
 * refresh fetches, and a new map version is picked up by the periodic check */
static void
agt31_attach_cached(void **state)
{
	struct agent_opts opts = {.ao_check_ms = AGENT_MAP_CHECK_MAX_MS};
	struct fake_ms    fm;
	struct t_agent    t;
	char              aps[64];
	json_t           *r, *want;
	uint64_t          t0;

	(void)state;
	fake_start(&fm);
	snprintf(aps, sizeof(aps), "'%s'", fm.fm_addr);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	r = t_call(&t, "{\"op\":\"get_attach_info\"}");
	want = j(GOOD_ATTACH);
	json_object_set_new(want, "map_version", json_integer(1));
	json_object_set_new(want, "status", json_integer(0));
	assert_true(json_equal(r, want)); /* C4's object verbatim, plus status */
	json_decref(r);
	assert_int_equal(atomic_load(&fm.fm_attach_calls), 1);
	r = t_call(&t, "{\"op\":\"get_attach_info\",\"sys\":\"daos_server\"}");
	assert_true(json_equal(r, want));
	json_decref(r);
	assert_int_equal(atomic_load(&fm.fm_attach_calls), 1); /* from the cache */
	atomic_store(&fm.fm_map_version, 2);
	r = t_call(&t, "{\"op\":\"get_attach_info\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "map_version")), 1);
	json_decref(r);
	r = t_call(&t, "{\"op\":\"get_attach_info\",\"refresh\":true}");
	assert_int_equal(json_integer_value(json_object_get(r, "map_version")), 2);
	json_decref(r);
	assert_int_equal(atomic_load(&fm.fm_attach_calls), 2);
	r = t_call(&t, "{\"op\":\"get_attach_info\"}"); /* the refresh filled the cache */
	assert_int_equal(json_integer_value(json_object_get(r, "map_version")), 2);
	json_decref(r);
	assert_int_equal(atomic_load(&fm.fm_attach_calls), 2);
	json_decref(want);
	t_fini(&t);

	/* a short check period: a new map version reaches clients without a refresh */
	opts.ao_check_ms = 100;
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	r = t_call(&t, "{\"op\":\"get_attach_info\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "map_version")), 2);
	json_decref(r);
	atomic_store(&fm.fm_map_version, 3);
	t0 = now_ms();
	for (;;) {
		json_int_t mv;

		r  = t_call(&t, "{\"op\":\"get_attach_info\"}");
		mv = json_integer_value(json_object_get(r, "map_version"));
		json_decref(r);
		if (mv == 3)
			break;
		assert_true(now_ms() - t0 < WAIT_MS);
		usleep(20000);
	}
	t_fini(&t);
	fake_stop(&fm);
}

/* AGT32: a follower's leader hint is followed, and remembered for the next call */
static void
agt32_leader_hint(void **state)
{
	struct agent_opts opts = {.ao_check_ms = AGENT_MAP_CHECK_MAX_MS};
	struct fake_ms    follower, leader;
	struct t_agent    t;
	char              aps[64];
	json_t           *r;

	(void)state;
	fake_start(&follower);
	fake_start(&leader);
	snprintf(follower.fm_hint, sizeof(follower.fm_hint), "%s", leader.fm_addr);
	snprintf(aps, sizeof(aps), "'%s'", follower.fm_addr);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	r = t_call(&t, "{\"op\":\"get_attach_info\"}");
	assert_int_equal(status_of(r), 0);
	assert_int_equal(json_array_size(json_object_get(r, "ranks")), 2);
	json_decref(r);
	assert_int_equal(atomic_load(&follower.fm_redirects), 1);
	assert_int_equal(atomic_load(&leader.fm_attach_calls), 1);
	r = t_call(&t, "{\"op\":\"call\",\"method\":\"cont_list\",\"body\":{\"pool\":\"p\"}}");
	assert_int_equal(status_of(r), 0);
	json_decref(r);
	assert_int_equal(atomic_load(&follower.fm_redirects), 1); /* straight to the leader */
	assert_int_equal(atomic_load(&leader.fm_calls), 1);
	t_fini(&t);
	fake_stop(&leader);
	fake_stop(&follower);
}

/* AGT33: calls: whitelisted methods forwarded with their body, the reply returned
 * as is; a server's refusal returned verbatim (status, message, object); admin-only
 * and unknown methods refused without contacting a server */
static void
agt33_call_forwarding(void **state)
{
	struct agent_opts opts = {.ao_check_ms = AGENT_MAP_CHECK_MAX_MS};
	struct fake_ms    fm;
	struct t_agent    t;
	char              aps[64];
	json_t           *r, *want;

	(void)state;
	fake_start(&fm);
	snprintf(aps, sizeof(aps), "'%s'", fm.fm_addr);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	r    = t_call(&t, "{\"op\":\"call\",\"method\":\"cont_create\",\"body\":{\"pool\":\"p1\","
			  "\"label\":\"c1\",\"props\":{\"a\":\"b\"}}}");
	want = j("{\"status\":0,\"body\":{\"method\":\"cont_create\",\"body\":{\"pool\":\"p1\","
		 "\"label\":\"c1\",\"props\":{\"a\":\"b\"}}}}");
	assert_true(json_equal(r, want));
	json_decref(want);
	json_decref(r);
	r    = t_call(&t, "{\"op\":\"call\",\"method\":\"cont_list\"}"); /* no body: {} */
	want = j("{\"status\":0,\"body\":{\"method\":\"cont_list\",\"body\":{}}}");
	assert_true(json_equal(r, want));
	json_decref(want);
	json_decref(r);
	r    = t_call(&t, "{\"op\":\"call\",\"method\":\"pool_query\",\"body\":{\"pool\":\"x\"}}");
	want = j("{\"status\":-1005,\"error\":\"pool 'x' does not exist\",\"body\":{\"status\":"
		 "-1005,\"error\":\"pool 'x' does not exist\",\"pool\":\"x\"}}");
	assert_true(json_equal(r, want));
	json_decref(want);
	json_decref(r);
	assert_int_equal(atomic_load(&fm.fm_calls), 3);
	r = t_call(&t, "{\"op\":\"call\",\"method\":\"get_attach_info\"}"); /* not the cache */
	assert_int_equal(status_of(r), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "body"),
							      "map_version")),
			 1);
	json_decref(r);
	assert_int_equal(atomic_load(&fm.fm_attach_calls), 2);
	r = t_call(&t, "{\"op\":\"call\",\"method\":\"pool_create\",\"body\":{\"size\":1}}");
	assert_int_equal(status_of(r), -DER_NO_PERM);
	assert_string_equal(error_of(r), "method 'pool_create' is admin-only: use dmg");
	json_decref(r);
	r = t_call(&t, "{\"op\":\"call\",\"method\":\"system_join\"}");
	assert_int_equal(status_of(r), -DER_NO_PERM);
	json_decref(r);
	assert_int_equal(atomic_load(&fm.fm_calls), 3); /* never reached the server */
	t_fini(&t);
	fake_stop(&fm);
}

/* AGT34: bad frames and requests get an error reply and the connection closes; a
 * refused method leaves it open; pipelined requests are answered in order; the
 * agent serves on after all of them */
static void
agt34_bad_input(void **state)
{
	struct agent_opts opts = {.ao_check_ms = AGENT_MAP_CHECK_MAX_MS};
	struct fake_ms    fm;
	struct t_agent    t;
	char              aps[64];
	json_t           *r;
	uint8_t           hdr[4];
	int               fd;
	const char       *ok = "{\"op\":\"get_attach_info\"}";
	const char       *no = "{\"op\":\"call\",\"method\":\"pool_destroy\"}";

	(void)state;
	fake_start(&fm);
	snprintf(aps, sizeof(aps), "'%s'", fm.fm_addr);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);

	fd = t_connect(&t);
	t_raw_frame(fd, NULL, 0);
	t_expect_error(fd, -DER_PROTO, "empty message (length 0)", true);
	close(fd);

	fd = t_connect(&t);
	d_put_le32(hdr, AGENT_PROTO_MSG_MAX + 1);
	t_write(fd, hdr, 4);
	t_expect_error(fd, -DER_OVERFLOW,
		       "message of 4194305 bytes exceeds the limit of 4194304 bytes", true);
	close(fd);

	fd = t_connect(&t);
	t_raw_frame(fd, "{\"op\":", 6);
	t_expect_error(fd, -DER_PROTO,
		       "invalid JSON: unexpected token near end of file (line 1, column 6)",
		       true);
	close(fd);

	fd = t_connect(&t);
	t_raw_frame(fd, "[]", 2);
	t_expect_error(fd, -DER_PROTO, "message must be a JSON object, got array", true);
	close(fd);

	fd = t_connect(&t);
	t_raw_frame(fd, "{\"op\":\"dump\"}", 13);
	t_expect_error(fd, -DER_NOSYS, "unknown op 'dump' (expected get_attach_info or call)",
		       true);
	close(fd);

	fd = t_connect(&t);
	t_raw_frame(fd, "{\"op\":\"call\"}", 13);
	t_expect_error(fd, -DER_INVAL, "call request has no \"method\"", true);
	close(fd);

	/* refused method: the connection stays; then two pipelined requests */
	fd = t_connect(&t);
	t_raw_frame(fd, no, strlen(no));
	t_expect_error(fd, -DER_NO_PERM, "method 'pool_destroy' is admin-only: use dmg", false);
	t_raw_frame(fd, ok, strlen(ok));
	t_raw_frame(fd, no, strlen(no));
	r = t_recv(fd);
	assert_int_equal(status_of(r), 0);
	json_decref(r);
	t_expect_error(fd, -DER_NO_PERM, "method 'pool_destroy' is admin-only: use dmg", false);
	close(fd);

	/* half a frame, then gone; a header only, then gone */
	fd = t_connect(&t);
	t_raw_frame(fd, "{\"op\"", 5);
	close(fd);
	fd = t_connect(&t);
	d_put_le32(hdr, 100);
	t_write(fd, hdr, 4);
	close(fd);

	r = t_call(&t, ok);
	assert_int_equal(status_of(r), 0);
	json_decref(r);
	t_fini(&t);
	fake_stop(&fm);
}

struct slow_call {
	struct t_agent *sc_t;
	json_t         *sc_reply;
};

static void *
slow_call_main(void *arg)
{
	struct slow_call *sc = arg;

	sc->sc_reply = t_call(sc->sc_t, "{\"op\":\"call\",\"method\":\"cont_destroy\","
					"\"body\":{\"pool\":\"p\",\"cont\":\"c\"}}");
	return NULL;
}

/* AGT35: a slow server call never delays another client's cached attach info */
static void
agt35_slow_call(void **state)
{
	struct agent_opts opts = {.ao_check_ms = AGENT_MAP_CHECK_MAX_MS};
	struct fake_ms    fm;
	struct t_agent    t;
	struct slow_call  sc;
	pthread_t         th;
	char              aps[64];
	json_t           *r;
	uint64_t          t0;

	(void)state;
	fake_start(&fm);
	snprintf(aps, sizeof(aps), "'%s'", fm.fm_addr);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	r = t_call(&t, "{\"op\":\"get_attach_info\"}");
	json_decref(r);
	atomic_store(&fm.fm_delay_ms, 1500);
	sc.sc_t = &t;
	t0      = now_ms();
	assert_int_equal(pthread_create(&th, NULL, slow_call_main, &sc), 0);
	while (atomic_load(&fm.fm_calls) == 0) {
		assert_true(now_ms() - t0 < WAIT_MS);
		usleep(5000);
	}
	t0 = now_ms();
	r  = t_call(&t, "{\"op\":\"get_attach_info\"}");
	assert_int_equal(status_of(r), 0);
	assert_true(now_ms() - t0 < 500);
	json_decref(r);
	pthread_join(th, NULL);
	assert_int_equal(status_of(sc.sc_reply), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(sc.sc_reply, "body"),
							      "method")),
			    "cont_destroy");
	json_decref(sc.sc_reply);
	t_fini(&t);
	fake_stop(&fm);
}

/* AGT36: caching off (DAOS_AGENT_DISABLE_CACHE or disable_caching): every request
 * asks the MS, and none is asked for ahead of time */
static void
agt36_cache_disabled(void **state)
{
	struct agent_opts opts = {.ao_disable_cache = true};
	struct fake_ms    fm;
	struct t_agent    t;
	char              aps[64];
	json_t           *r;

	(void)state;
	fake_start(&fm);
	snprintf(aps, sizeof(aps), "'%s'", fm.fm_addr);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	usleep(100000);
	assert_int_equal(atomic_load(&fm.fm_attach_calls), 0);
	for (int i = 1; i <= 3; i++) {
		r = t_call(&t, "{\"op\":\"get_attach_info\"}");
		assert_int_equal(status_of(r), 0);
		json_decref(r);
		assert_int_equal(atomic_load(&fm.fm_attach_calls), i);
	}
	t_fini(&t);

	opts.ao_disable_cache = false;
	t_init(&t, aps, "disable_caching: true\n");
	t_start(&t, &opts);
	for (int i = 1; i <= 2; i++) {
		r = t_call(&t, "{\"op\":\"get_attach_info\"}");
		json_decref(r);
		assert_int_equal(atomic_load(&fm.fm_attach_calls), 3 + i);
	}
	t_fini(&t);
	fake_stop(&fm);
}

/* AGT37: no access point answers: a clear error within the deadline, not a hang;
 * calls too */
static void
agt37_unreachable(void **state)
{
	struct agent_opts opts = {.ao_ms_deadline_ms = 300};
	struct t_agent    t;
	char              aps[64], want[ERRLEN];
	unsigned int      port = dead_port();
	json_t           *r;
	uint64_t          t0;

	(void)state;
	snprintf(aps, sizeof(aps), "'127.0.0.1:%u'", port);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	t0 = now_ms();
	r  = t_call(&t, "{\"op\":\"get_attach_info\",\"refresh\":true}");
	assert_int_equal(status_of(r), -DER_UNREACH);
	snprintf(want, sizeof(want),
		 "no MS leader answered get_attach_info within 300 ms (last: 127.0.0.1:%u: "
		 "cannot connect to 127.0.0.1:%u: ",
		 port, port);
	assert_memory_equal(error_of(r), want, strlen(want));
	assert_true(now_ms() - t0 < 3000);
	json_decref(r);
	r = t_call(&t, "{\"op\":\"call\",\"method\":\"cont_create\",\"body\":{}}");
	assert_int_equal(status_of(r), -DER_UNREACH);
	assert_true(json_is_object(json_object_get(r, "body")));
	assert_int_equal(json_object_size(json_object_get(r, "body")), 0);
	json_decref(r);
	t_fini(&t);
}

/* AGT38: the call queue is bounded: past the busy workers and AGENT_QUEUE_MAX queued
 * calls a request gets -DER_AGAIN at once */
static void
agt38_queue_full(void **state)
{
	enum { NR = (AGENT_WORKERS - 1) + AGENT_QUEUE_MAX + 3 };
	struct agent_opts opts = {.ao_check_ms = AGENT_MAP_CHECK_MAX_MS};
	struct fake_ms    fm;
	struct t_agent    t;
	char              aps[64];
	const char       *req = "{\"op\":\"call\",\"method\":\"cont_list\",\"body\":{}}";
	static int        fds[NR];
	int               again = 0;
	uint64_t          t0;

	(void)state;
	fake_start(&fm);
	atomic_store(&fm.fm_delay_ms, 3000);
	snprintf(aps, sizeof(aps), "'%s'", fm.fm_addr);
	t_init(&t, aps, NULL);
	t_start(&t, &opts);
	for (int i = 0; i < NR; i++) {
		fds[i] = t_connect(&t);
		t_raw_frame(fds[i], req, strlen(req));
	}
	t0 = now_ms();
	while (atomic_load(&fm.fm_calls) < AGENT_WORKERS - 1) {
		assert_true(now_ms() - t0 < WAIT_MS);
		usleep(5000);
	}
	usleep(200000);
	for (int i = 0; i < NR; i++) {
		struct pollfd pfd = {.fd = fds[i], .events = POLLIN};

		if (poll(&pfd, 1, 0) == 1) {
			json_t *r = t_recv(fds[i]);

			assert_int_equal(status_of(r), -DER_AGAIN);
			assert_string_equal(error_of(r),
					    "the agent is busy (too many calls queued): try again");
			json_decref(r);
			again++;
		}
	}
	assert_int_equal(again, 3);
	agent_stop(t.a);
	fake_stop(&fm); /* the workers' calls end (503) */
	for (int i = 0; i < NR; i++)
		close(fds[i]);
	t_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(agt01_frame_round_trip),
	    cmocka_unit_test(agt02_encode_refusals),
	    cmocka_unit_test(agt03_header_bounds),
	    cmocka_unit_test(agt04_body_refusals),
	    cmocka_unit_test(agt05_truncated_frames),
	    cmocka_unit_test(agt06_sock_path),
	    cmocka_unit_test(agt07_send_recv),
	    cmocka_unit_test(agt08_connect_no_agent),
	    cmocka_unit_test(agt10_attach_requests),
	    cmocka_unit_test(agt11_attach_refusals),
	    cmocka_unit_test(agt12_op_refusals),
	    cmocka_unit_test(agt13_call_requests),
	    cmocka_unit_test(agt14_call_refusals),
	    cmocka_unit_test(agt15_method_whitelist),
	    cmocka_unit_test(agt16_replies),
	    cmocka_unit_test(agt17_attach_info_ok),
	    cmocka_unit_test(agt18_attach_info_bad),
	    cmocka_unit_test(agt20_cache_off),
	    cmocka_unit_test(agt21_cache_expiry),
	    cmocka_unit_test(agt22_cache_check),
	    cmocka_unit_test(agt23_env_bool),
	    cmocka_unit_test(agt30_socket_setup),
	    cmocka_unit_test(agt31_attach_cached),
	    cmocka_unit_test(agt32_leader_hint),
	    cmocka_unit_test(agt33_call_forwarding),
	    cmocka_unit_test(agt34_bad_input),
	    cmocka_unit_test(agt35_slow_call),
	    cmocka_unit_test(agt36_cache_disabled),
	    cmocka_unit_test(agt37_unreachable),
	    cmocka_unit_test(agt38_queue_full),
	};
	char err[D_LOG_ERRBUF_SIZE];
	int  rc;

	/* The agents under test log their expected failures: keep stderr to real ones. */
	d_log_open(NULL, "CRIT", err, sizeof(err));
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests_name("agent", tests, NULL, NULL);
	d_log_fini();
	return rc;
}
