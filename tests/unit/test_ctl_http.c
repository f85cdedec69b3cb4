/*
 * test_ctl_http.c: the control API transport (src/control/ctl_http_*.c).
 *
 * Certificates are made once per run in a mkdtemp directory with
 * utils/certs/gen_certificates.sh: a project CA (a/daosCA) and a foreign one
 * (b/daosCA), plus, signed by the project CA with openssl, a serverAuth-only
 * certificate and an expired clientAuth one. Servers listen on 127.0.0.1 with
 * port 0 (a free port). Cases that need requests our client never sends
 * (wrong HTTP method, bad JSON, no Content-Length) use libcurl directly, and
 * the hostile ones use raw sockets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>

#include <daos_errno.h>
#include "control/ctl_http.h"

/* Every wait of this test is bounded by this (ms). */
#define WAIT_MS 5000
#define ERRLEN  CTL_HTTP_ERRBUF_SIZE

static char g_dir[64];          /* mkdtemp root */
static char g_cert_dir[128];    /* project CA's certs directory */
static char g_ca[160];          /* project CA */
static char g_other_dir[128];   /* foreign CA's certs directory */
static char g_other_ca[160];

static void
path_of(char *out, const char *dir, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

/* Project CA file; name "admin" gives admin.crt / admin.key. */
static void
cert_of(const char *name, char *crt, char *key)
{
	snprintf(crt, PATH_MAX, "%s/%s.crt", g_cert_dir, name);
	snprintf(key, PATH_MAX, "%s/%s.key", g_cert_dir, name);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/*
 * The test handler
 */

enum t_mode {
	T_ECHO,  /* reply at once: method, identity, body, get */
	T_DEFER, /* reply from another thread after t_defer_ms */
	T_HOLD,  /* keep the request; the test replies */
	T_ERROR, /* reply with ctl_http_reply_error */
	T_BADSTATUS, /* reply with HTTP status 99 */
};

struct t_ctx {
	pthread_mutex_t      t_lock;
	pthread_cond_t       t_cond;
	enum t_mode          t_mode;
	unsigned int         t_defer_ms;
	struct ctl_http_req *t_held[16];
	int                  t_nheld;
	int                  t_calls;
	char                 t_identity[CTL_HTTP_IDENTITY_MAX + 1];
	char                 t_peers[4][64];
};

static struct t_ctx g_t = {.t_lock = PTHREAD_MUTEX_INITIALIZER,
			   .t_cond = PTHREAD_COND_INITIALIZER};

static json_t *
echo_reply(struct ctl_http_req *req)
{
	json_t *r = json_pack("{s:s, s:s, s:O, s:b}", "method", ctl_http_req_method(req),
			      "identity", ctl_http_req_identity(req), "body",
			      ctl_http_req_body(req), "get", ctl_http_req_is_get(req));

	assert_non_null(r);
	return r;
}

struct t_defer {
	struct ctl_http_req *d_req;
	unsigned int         d_ms;
};

static void *
defer_main(void *arg)
{
	struct t_defer *d = arg;

	sleep_ms(d->d_ms);
	ctl_http_reply(d->d_req, 200, echo_reply(d->d_req));
	free(d);
	return NULL;
}

static void
t_handler(struct ctl_http_req *req, void *arg)
{
	struct t_ctx   *t = arg;
	struct t_defer *d;
	pthread_t       th;
	enum t_mode     mode;
	int             n;

	pthread_mutex_lock(&t->t_lock);
	n = t->t_calls++;
	snprintf(t->t_identity, sizeof(t->t_identity), "%s", ctl_http_req_identity(req));
	if (n < 4)
		snprintf(t->t_peers[n], sizeof(t->t_peers[n]), "%s", ctl_http_req_peer(req));
	mode = t->t_mode;
	if (mode == T_HOLD) {
		assert_true(t->t_nheld < 16);
		t->t_held[t->t_nheld++] = req;
		pthread_cond_broadcast(&t->t_cond);
	}
	pthread_mutex_unlock(&t->t_lock);

	switch (mode) {
	case T_ECHO:
		ctl_http_reply(req, 200, echo_reply(req));
		break;
	case T_DEFER:
		d = malloc(sizeof(*d));
		assert_non_null(d);
		d->d_req = req;
		d->d_ms = t->t_defer_ms;
		assert_int_equal(pthread_create(&th, NULL, defer_main, d), 0);
		pthread_detach(th);
		break;
	case T_ERROR:
		ctl_http_reply_error(req, 403, -DER_NO_PERM, "only admin may call %s",
				     ctl_http_req_method(req));
		break;
	case T_BADSTATUS:
		ctl_http_reply(req, 99, json_object());
		break;
	case T_HOLD:
		break;
	}
}

/* Wait until the handler holds n requests. */
static void
wait_held(int n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&g_t.t_lock);
	while (g_t.t_nheld < n) {
		if (pthread_cond_timedwait(&g_t.t_cond, &g_t.t_lock, &ts) == ETIMEDOUT)
			break;
	}
	assert_int_equal(g_t.t_nheld, n);
	pthread_mutex_unlock(&g_t.t_lock);
}

static void
t_reset(enum t_mode mode)
{
	pthread_mutex_lock(&g_t.t_lock);
	g_t.t_mode = mode;
	g_t.t_defer_ms = 0;
	g_t.t_nheld = 0;
	g_t.t_calls = 0;
	g_t.t_identity[0] = '\0';
	memset(g_t.t_peers, 0, sizeof(g_t.t_peers));
	pthread_mutex_unlock(&g_t.t_lock);
}

static unsigned int
t_methods(const char *method, void *arg)
{
	(void)arg;
	if (strcmp(method, "nosuch") == 0)
		return 0;
	if (strcmp(method, "status") == 0)
		return CTL_HTTP_ALLOW_GET;
	if (strcmp(method, "both") == 0)
		return CTL_HTTP_ALLOW_GET | CTL_HTTP_ALLOW_POST;
	return CTL_HTTP_ALLOW_POST;
}

/*
 * Servers and clients
 */

static void
tls_cfg(struct ctl_http_cfg *cfg)
{
	static char crt[PATH_MAX];
	static char key[PATH_MAX];

	cert_of("server", crt, key);
	memset(cfg, 0, sizeof(*cfg));
	cfg->hc_bind_addr = "127.0.0.1";
	cfg->hc_ca_cert = g_ca;
	cfg->hc_cert = crt;
	cfg->hc_key = key;
	cfg->hc_method_fn = t_methods;
}

static void
insecure_cfg(struct ctl_http_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hc_bind_addr = "127.0.0.1";
	cfg->hc_insecure = true;
	cfg->hc_method_fn = t_methods;
}

static struct ctl_http_server *
start(const struct ctl_http_cfg *cfg)
{
	struct ctl_http_server *srv = NULL;
	char                    err[ERRLEN] = "";
	int                     rc;

	rc = ctl_http_server_start(cfg, t_handler, &g_t, &srv, err, sizeof(err));
	if (rc != 0)
		print_error("server start: %s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	assert_non_null(srv);
	assert_true(ctl_http_server_port(srv) != 0);
	return srv;
}

static struct ctl_http_client *
client_full(bool insecure, const char *ca, const char *crt, const char *key)
{
	struct ctl_http_client_cfg cfg = {.ccc_insecure = insecure,
					  .ccc_ca_cert = ca,
					  .ccc_cert = crt,
					  .ccc_key = key,
					  .ccc_timeout_ms = WAIT_MS,
					  .ccc_connect_timeout_ms = WAIT_MS};
	struct ctl_http_client    *cc = NULL;
	char                       err[ERRLEN] = "";
	int                        rc;

	rc = ctl_http_client_create(&cfg, &cc, err, sizeof(err));
	if (rc != 0)
		print_error("client create: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(cc);
	return cc;
}

/* A TLS client of the project CA with the named certificate (NULL: none). */
static struct ctl_http_client *
client_as(const char *name)
{
	char crt[PATH_MAX];
	char key[PATH_MAX];

	if (name == NULL)
		return client_full(false, g_ca, NULL, NULL);
	cert_of(name, crt, key);
	return client_full(false, g_ca, crt, key);
}

static void
hp_of(struct ctl_http_server *srv, char *hp)
{
	snprintf(hp, 32, "127.0.0.1:%u", ctl_http_server_port(srv));
}

/* Call and expect success; return the reply (caller decrefs). */
static json_t *
call_ok(struct ctl_http_client *cc, struct ctl_http_server *srv, const char *method,
	json_t *req)
{
	char    hp[32];
	char    err[ERRLEN] = "";
	json_t *reply = NULL;
	int     rc;

	hp_of(srv, hp);
	rc = ctl_http_call(cc, hp, method, req, &reply, err, sizeof(err));
	if (rc != 0)
		print_error("call %s: %d %s\n", method, rc, err);
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	assert_non_null(reply);
	return reply;
}

/* Call and expect exactly this error. */
static void
call_err(struct ctl_http_client *cc, struct ctl_http_server *srv, const char *method,
	 json_t *req, int want_rc, const char *want_msg)
{
	char    hp[32];
	char    err[ERRLEN] = "";
	json_t *reply = NULL;
	int     rc;

	hp_of(srv, hp);
	rc = ctl_http_call(cc, hp, method, req, &reply, err, sizeof(err));
	if (rc != want_rc || strcmp(err, want_msg) != 0)
		print_error("call %s: got %d '%s'\n", method, rc, err);
	assert_int_equal(rc, want_rc);
	assert_string_equal(err, want_msg);
	/* An error reply from the server comes with its object. */
	if (reply != NULL) {
		assert_int_equal(json_integer_value(json_object_get(reply, "status")), want_rc);
		assert_string_equal(json_string_value(json_object_get(reply, "error")), want_msg);
		json_decref(reply);
	}
}

static void
assert_echo(json_t *reply, const char *method, const char *identity, const char *body_text)
{
	json_t *want = json_loads(body_text, 0, NULL);

	assert_non_null(want);
	assert_string_equal(json_string_value(json_object_get(reply, "method")), method);
	assert_string_equal(json_string_value(json_object_get(reply, "identity")), identity);
	assert_true(json_equal(json_object_get(reply, "body"), want));
	json_decref(want);
}

/*
 * Raw HTTP with libcurl, for requests our client never sends.
 */
struct raw_resp {
	long   r_code;
	char   r_body[2048];
	size_t r_len;
	char   r_allow[64];
};

static size_t
raw_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct raw_resp *r = arg;
	size_t           n = size * nmemb;
	size_t           room = sizeof(r->r_body) - 1 - r->r_len;

	memcpy(r->r_body + r->r_len, data, n < room ? n : room);
	r->r_len += n < room ? n : room;
	r->r_body[r->r_len] = '\0';
	return n;
}

static size_t
raw_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct raw_resp *r = arg;
	size_t           n = size * nmemb;

	if (n > 7 && strncasecmp(data, "Allow: ", 7) == 0) {
		size_t len = n - 7;

		while (len > 0 && (data[7 + len - 1] == '\r' || data[7 + len - 1] == '\n'))
			len--;
		if (len >= sizeof(r->r_allow))
			len = sizeof(r->r_allow) - 1;
		memcpy(r->r_allow, data + 7, len);
		r->r_allow[len] = '\0';
	}
	return n;
}

/*
 * One raw request. tls: use the project CA and the named client certificate
 * (cert NULL: none, or a full path pair with key). ctype NULL: no
 * Content-Type; chunked: send the body without Content-Length.
 */
static int
raw(struct ctl_http_server *srv, bool tls, const char *crt, const char *key,
    const char *http_method, const char *path, const char *ctype, const char *body,
    bool chunked, struct raw_resp *r)
{
	struct curl_slist *h = NULL;
	char               url[256];
	char               ct[128];
	CURL              *c;
	CURLcode           crc;

	memset(r, 0, sizeof(*r));
	c = curl_easy_init();
	assert_non_null(c);
	snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s", tls ? "https" : "http",
		 ctl_http_server_port(srv), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)WAIT_MS);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, http_method);
	if (tls) {
		curl_easy_setopt(c, CURLOPT_CAINFO, g_ca);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		if (crt != NULL) {
			curl_easy_setopt(c, CURLOPT_SSLCERT, crt);
			curl_easy_setopt(c, CURLOPT_SSLKEY, key);
		}
	}
	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype != NULL ? ctype : "");
	h = curl_slist_append(h, ct);
	if (chunked)
		h = curl_slist_append(h, "Transfer-Encoding: chunked");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (!chunked)
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, raw_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, raw_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	crc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->r_code);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return (int)crc;
}

/* The response is exactly this error object. */
static void
assert_err_body(const struct raw_resp *r, long code, int status, const char *msg)
{
	json_t *j = json_loads(r->r_body, 0, NULL);

	if (r->r_code != code)
		print_error("HTTP %ld: %s\n", r->r_code, r->r_body);
	assert_int_equal(r->r_code, code);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
	assert_string_equal(json_string_value(json_object_get(j, "error")), msg);
	json_decref(j);
}

/*
 * Raw sockets, for hostile input.
 */
static int
raw_connect(struct ctl_http_server *srv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_port = htons(ctl_http_server_port(srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Wait up to ms for the peer to close (read returns 0 or an error). */
static bool
closed_within(int fd, unsigned int ms)
{
	uint64_t end = now_ms() + ms;
	char     buf[4096];

	while (now_ms() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t       n;

		if (poll(&p, 1, (int)(end - now_ms())) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return true;
	}
	return false;
}

static int
count_fds(void)
{
	DIR           *d = opendir("/proc/self/fd");
	struct dirent *e;
	int            n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

/* A port nobody listens on (bound then released). */
static uint16_t
free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t          len = sizeof(sin);
	int                fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/*
 * Cases
 */

/* HTTP01: insecure round trip; identity "insecure"; a null request is {} */
static void
http01_insecure_round_trip(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	json_t                 *req;
	json_t                 *reply;

	(void)state;
	t_reset(T_ECHO);
	insecure_cfg(&cfg);
	srv = start(&cfg);
	cc = client_full(true, NULL, NULL, NULL);

	req = json_pack("{s:i, s:s, s:[i,i]}", "a", 1, "label", "tank", "ranks", 0, 1);
	reply = call_ok(cc, srv, "pool_create", req);
	assert_echo(reply, "pool_create", "insecure", "{\"a\":1,\"label\":\"tank\",\"ranks\":[0,1]}");
	assert_false(json_is_true(json_object_get(reply, "get")));
	json_decref(reply);
	json_decref(req);

	reply = call_ok(cc, srv, "ping", NULL);
	assert_echo(reply, "ping", "insecure", "{}");
	json_decref(reply);
	assert_int_equal(g_t.t_calls, 2);

	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP02: TLS round trip with the admin certificate: the handler sees "admin" */
static void
http02_tls_admin(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	json_t                 *req;
	json_t                 *reply;

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);
	cc = client_as("admin");
	req = json_pack("{s:s}", "x", "\xc3\xa9t\xc3\xa9"); /* UTF-8 survives */
	reply = call_ok(cc, srv, "system_query", req);
	assert_echo(reply, "system_query", "admin", "{\"x\":\"\xc3\xa9t\xc3\xa9\"}");
	assert_string_equal(g_t.t_identity, "admin");
	json_decref(reply);
	json_decref(req);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP03: agent identity; the server certificate (serverAuth + clientAuth) works as a
 * client certificate with identity "server" */
static void
http03_agent_and_server_identity(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	json_t                 *reply;

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);

	cc = client_as("agent");
	reply = call_ok(cc, srv, "get_attach_info", NULL);
	assert_echo(reply, "get_attach_info", "agent", "{}");
	json_decref(reply);
	ctl_http_client_destroy(cc);

	cc = client_as("server");
	reply = call_ok(cc, srv, "join", NULL);
	assert_echo(reply, "join", "server", "{}");
	json_decref(reply);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP04: the reply comes from another thread after a delay */
static void
http04_deferred_reply(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	json_t                 *req;
	json_t                 *reply;
	uint64_t                t0;

	(void)state;
	t_reset(T_DEFER);
	g_t.t_defer_ms = 150;
	tls_cfg(&cfg);
	srv = start(&cfg);
	cc = client_as("admin");
	req = json_pack("{s:b}", "slow", 1);
	t0 = now_ms();
	reply = call_ok(cc, srv, "pool_query", req);
	assert_true(now_ms() - t0 >= 150);
	assert_echo(reply, "pool_query", "admin", "{\"slow\":true}");
	json_decref(reply);
	json_decref(req);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

struct conc_arg {
	struct ctl_http_server *ca_srv;
	int                     ca_id;
	int                     ca_ok;
};

static void *
conc_main(void *arg)
{
	struct conc_arg        *a = arg;
	struct ctl_http_client *cc = client_as(a->ca_id % 2 ? "agent" : "admin");
	char                    hp[32];
	char                    err[ERRLEN];
	json_t                 *req = json_pack("{s:i}", "id", a->ca_id);
	json_t                 *reply = NULL;
	int                     i;

	hp_of(a->ca_srv, hp);
	for (i = 0; i < 2; i++) {
		if (ctl_http_call(cc, hp, "conc", req, &reply, err, sizeof(err)) == 0 &&
		    json_equal(json_object_get(reply, "body"), req) &&
		    strcmp(json_string_value(json_object_get(reply, "identity")),
			   a->ca_id % 2 ? "agent" : "admin") == 0)
			a->ca_ok++;
		json_decref(reply);
		reply = NULL;
	}
	json_decref(req);
	ctl_http_client_destroy(cc);
	return NULL;
}

/* HTTP05: 8 client threads call concurrently (2 calls each, deferred replies,
 * 2 server threads): all answered with their own body */
static void
http05_concurrent(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct conc_arg         args[8];
	pthread_t               th[8];
	int                     i;

	(void)state;
	t_reset(T_DEFER);
	g_t.t_defer_ms = 50;
	tls_cfg(&cfg);
	cfg.hc_threads = 2;
	srv = start(&cfg);
	for (i = 0; i < 8; i++) {
		args[i] = (struct conc_arg){srv, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, conc_main, &args[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].ca_ok, 2);
	}
	assert_int_equal(g_t.t_calls, 16);
	ctl_http_server_stop(srv);
}

/* HTTP06: no client certificate: 403, -DER_NO_CERT with the reason; no handler call */
static void
http06_no_client_cert(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	struct raw_resp         r;

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);
	cc = client_as(NULL);
	call_err(cc, srv, "system_stop", NULL, -DER_NO_CERT,
		 "client certificate rejected: no certificate presented");
	assert_int_equal(raw(srv, true, NULL, NULL, "POST", "/v1/x", "application/json", "{}",
			     false, &r),
			 CURLE_OK);
	assert_err_body(&r, 403, -DER_NO_CERT,
			"client certificate rejected: no certificate presented");
	assert_int_equal(g_t.t_calls, 0);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP07: a client certificate from another CA: 403 "not signed by a trusted CA" */
static void
http07_foreign_client_cert(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	char                    crt[PATH_MAX];
	char                    key[PATH_MAX];

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);
	path_of(crt, g_other_dir, "admin.crt");
	path_of(key, g_other_dir, "admin.key");
	cc = client_full(false, g_ca, crt, key);
	call_err(cc, srv, "system_stop", NULL, -DER_BAD_CERT,
		 "client certificate rejected: not signed by a trusted CA");
	assert_int_equal(g_t.t_calls, 0);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP08: a certificate of our CA without clientAuth (serverAuth only) is refused */
static void
http08_no_client_auth_purpose(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	char                    crt[PATH_MAX];
	char                    key[PATH_MAX];

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);
	path_of(crt, g_dir, "webonly.crt");
	path_of(key, g_dir, "webonly.key");
	cc = client_full(false, g_ca, crt, key);
	call_err(cc, srv, "system_stop", NULL, -DER_BAD_CERT,
		 "client certificate rejected: not for client authentication (no clientAuth "
		 "extended key usage)");
	assert_int_equal(g_t.t_calls, 0);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP09: an expired client certificate: the client refuses to use it, and a
 * client that sends it anyway gets 403 "expired" */
static void
http09_expired_client_cert(void **state)
{
	struct ctl_http_client_cfg ccfg = {0};
	struct ctl_http_cfg        cfg;
	struct ctl_http_server    *srv;
	struct ctl_http_client    *cc = NULL;
	struct raw_resp            r;
	char                       crt[PATH_MAX];
	char                       key[PATH_MAX];
	char                       want[PATH_MAX + 64];
	char                       err[ERRLEN];

	(void)state;
	t_reset(T_ECHO);
	path_of(crt, g_dir, "old.crt");
	path_of(key, g_dir, "old.key");
	ccfg.ccc_ca_cert = g_ca;
	ccfg.ccc_cert = crt;
	ccfg.ccc_key = key;
	assert_int_equal(ctl_http_client_create(&ccfg, &cc, err, sizeof(err)), -DER_BAD_CERT);
	assert_null(cc);
	snprintf(want, sizeof(want), "certificate '%s' expired on ", crt);
	assert_memory_equal(err, want, strlen(want));
	assert_string_equal(err + strlen(err) - 4, " UTC");

	tls_cfg(&cfg);
	srv = start(&cfg);
	assert_int_equal(raw(srv, true, crt, key, "POST", "/v1/x", "application/json", "{}",
			     false, &r),
			 CURLE_OK);
	assert_err_body(&r, 403, -DER_BAD_CERT, "client certificate rejected: expired");
	assert_int_equal(g_t.t_calls, 0);
	ctl_http_server_stop(srv);
}

/* HTTP10: a client that trusts another CA refuses our server: -DER_BAD_CERT */
static void
http10_client_trusts_other_ca(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	char                    crt[PATH_MAX];
	char                    key[PATH_MAX];
	char                    want[128];

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);
	cert_of("admin", crt, key);
	cc = client_full(false, g_other_ca, crt, key);
	snprintf(want, sizeof(want),
		 "TLS: 127.0.0.1:%u failed verification: SSL certificate problem: unable to "
		 "get local issuer certificate",
		 ctl_http_server_port(srv));
	call_err(cc, srv, "x", NULL, -DER_BAD_CERT, want);
	assert_int_equal(g_t.t_calls, 0);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP11: connection refused: -DER_UNREACH "cannot connect to host:port: ..." */
static void
http11_connection_refused(void **state)
{
	struct ctl_http_client *cc;
	char                    hp[32];
	char                    want[128];
	char                    err[ERRLEN];
	json_t                 *reply = (json_t *)&reply;
	int                     rc;

	(void)state;
	cc = client_as("admin");
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", free_port());
	rc = ctl_http_call(cc, hp, "ping", NULL, &reply, err, sizeof(err));
	assert_int_equal(rc, -DER_UNREACH);
	assert_null(reply);
	snprintf(want, sizeof(want), "cannot connect to %s: Failed to connect to ", hp);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "Couldn't connect to server"));
	ctl_http_client_destroy(cc);
}

/* HTTP12: paths and HTTP methods: unknown path and method 404, wrong HTTP method 405
 * with Allow, GET only where the hook allows it (body {}) */
static void
http12_paths_and_methods(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	struct raw_resp         r;
	json_t                 *j;

	(void)state;
	t_reset(T_ECHO);
	insecure_cfg(&cfg);
	srv = start(&cfg);
	cc = client_full(true, NULL, NULL, NULL);

	call_err(cc, srv, "nosuch", NULL, -DER_NONEXIST, "unknown method 'nosuch'");
	raw(srv, false, NULL, NULL, "POST", "/foo", "application/json", "{}", false, &r);
	assert_err_body(&r, 404, -DER_NONEXIST, "unknown path '/foo' (expected /v1/<method>)");
	raw(srv, false, NULL, NULL, "POST", "/v1/a/b", "application/json", "{}", false, &r);
	assert_err_body(&r, 404, -DER_NONEXIST, "unknown path '/v1/a/b' (expected /v1/<method>)");
	raw(srv, false, NULL, NULL, "POST", "/v1/", "application/json", "{}", false, &r);
	assert_err_body(&r, 404, -DER_NONEXIST, "unknown path '/v1/' (expected /v1/<method>)");

	raw(srv, false, NULL, NULL, "GET", "/v1/echo", NULL, NULL, false, &r);
	assert_err_body(&r, 405, -DER_INVAL, "HTTP method GET not allowed for /v1/echo (use POST)");
	assert_string_equal(r.r_allow, "POST");
	raw(srv, false, NULL, NULL, "DELETE", "/v1/both", NULL, NULL, false, &r);
	assert_err_body(&r, 405, -DER_INVAL,
			"HTTP method DELETE not allowed for /v1/both (use POST)");
	assert_string_equal(r.r_allow, "GET, POST");
	raw(srv, false, NULL, NULL, "POST", "/v1/status", "application/json", "{}", false, &r);
	assert_err_body(&r, 405, -DER_INVAL,
			"HTTP method POST not allowed for /v1/status (use GET)");
	assert_string_equal(r.r_allow, "GET");
	assert_int_equal(g_t.t_calls, 0);

	raw(srv, false, NULL, NULL, "GET", "/v1/status?verbose=1", NULL, NULL, false, &r);
	assert_int_equal(r.r_code, 200);
	j = json_loads(r.r_body, 0, NULL);
	assert_non_null(j);
	assert_echo(j, "status", "insecure", "{}");
	assert_true(json_is_true(json_object_get(j, "get")));
	json_decref(j);
	assert_int_equal(g_t.t_calls, 1);

	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP13: bodies the transport refuses: bad JSON 400 with jansson's text, not an
 * object, duplicate keys, wrong Content-Type 415, no Content-Length 411 */
static void
http13_bad_bodies(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct raw_resp         r;

	(void)state;
	t_reset(T_ECHO);
	insecure_cfg(&cfg);
	srv = start(&cfg);

	raw(srv, false, NULL, NULL, "POST", "/v1/x", "application/json", "{bad", false, &r);
	assert_err_body(&r, 400, -DER_INVAL,
			"invalid JSON body: string or '}' expected near 'bad' (line 1, column 4)");
	raw(srv, false, NULL, NULL, "POST", "/v1/x", "application/json", "", false, &r);
	assert_err_body(&r, 400, -DER_INVAL,
			"invalid JSON body: '[' or '{' expected near end of file (line 1, "
			"column 0)");
	raw(srv, false, NULL, NULL, "POST", "/v1/x", "application/json", "[1,2]", false, &r);
	assert_err_body(&r, 400, -DER_INVAL, "JSON body must be an object, got array");
	raw(srv, false, NULL, NULL, "POST", "/v1/x", "application/json", "{\"a\":1,\"a\":2}",
	    false, &r);
	assert_err_body(&r, 400, -DER_INVAL,
			"invalid JSON body: duplicate object key near '\"a\"' (line 1, column 10)");
	raw(srv, false, NULL, NULL, "POST", "/v1/x", "application/json", "{\"a\":\"\xff\"}",
	    false, &r);
	assert_err_body(&r, 400, -DER_INVAL,
			"invalid JSON body: unable to decode byte 0xff near '\"' (line 1, column "
			"6)");
	raw(srv, false, NULL, NULL, "POST", "/v1/x", "text/plain", "{}", false, &r);
	assert_err_body(&r, 415, -DER_INVAL,
			"Content-Type must be application/json, got 'text/plain'");
	raw(srv, false, NULL, NULL, "POST", "/v1/x", NULL, "{}", false, &r);
	assert_err_body(&r, 415, -DER_INVAL, "Content-Type must be application/json, got ''");
	raw(srv, false, NULL, NULL, "POST", "/v1/x", "application/json", "{}", true, &r);
	assert_err_body(&r, 411, -DER_INVAL, "Content-Length required");
	/* parameters after the type are fine */
	raw(srv, false, NULL, NULL, "POST", "/v1/x", "application/json; charset=utf-8", "{}",
	    false, &r);
	assert_int_equal(r.r_code, 200);
	assert_int_equal(g_t.t_calls, 1);
	ctl_http_server_stop(srv);
}

/* A request object whose compact text is exactly `len` bytes: {"s":"xxx..."}. */
static json_t *
body_of_size(size_t len)
{
	size_t  n = len - strlen("{\"s\":\"\"}");
	char   *s = malloc(n + 1);
	json_t *j;

	assert_non_null(s);
	memset(s, 'x', n);
	s[n] = '\0';
	j = json_pack("{s:s}", "s", s);
	free(s);
	assert_non_null(j);
	return j;
}

/* HTTP14: a body at the limit passes; one byte more is 413 -DER_OVERFLOW; the
 * default limit is 4 MiB */
static void
http14_oversize_body(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	json_t                 *req;
	json_t                 *reply;
	char                    want[128];

	(void)state;
	t_reset(T_ECHO);
	insecure_cfg(&cfg);
	cfg.hc_body_max = 65536;
	srv = start(&cfg);
	cc = client_full(true, NULL, NULL, NULL);

	req = body_of_size(65536);
	reply = call_ok(cc, srv, "big", req);
	assert_true(json_equal(json_object_get(reply, "body"), req));
	json_decref(reply);
	json_decref(req);

	req = body_of_size(65537);
	call_err(cc, srv, "big", req, -DER_OVERFLOW,
		 "request body of 65537 bytes exceeds the limit of 65536 bytes");
	json_decref(req);
	ctl_http_server_stop(srv);

	/* Default limit; a body over 1 MiB also exercises Expect: 100-continue. */
	insecure_cfg(&cfg);
	srv = start(&cfg);
	req = body_of_size(CTL_HTTP_BODY_MAX_DEFAULT + 1);
	snprintf(want, sizeof(want), "request body of %u bytes exceeds the limit of %u bytes",
		 CTL_HTTP_BODY_MAX_DEFAULT + 1, CTL_HTTP_BODY_MAX_DEFAULT);
	call_err(cc, srv, "big", req, -DER_OVERFLOW, want);
	json_decref(req);
	req = body_of_size(2u << 20);
	reply = call_ok(cc, srv, "big", req);
	assert_true(json_equal(json_object_get(reply, "body"), req));
	json_decref(reply);
	json_decref(req);
	assert_int_equal(g_t.t_calls, 2);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP15: a handler that does not reply in time: 504 -DER_TIMEDOUT; its late reply
 * is dropped safely and the server keeps serving */
static void
http15_handler_timeout(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	json_t                 *reply;
	uint64_t                t0;

	(void)state;
	t_reset(T_HOLD);
	insecure_cfg(&cfg);
	cfg.hc_reply_timeout_ms = 200;
	srv = start(&cfg);
	cc = client_full(true, NULL, NULL, NULL);

	t0 = now_ms();
	call_err(cc, srv, "hang", NULL, -DER_TIMEDOUT,
		 "no reply from the handler of 'hang' within 200 ms");
	assert_true(now_ms() - t0 >= 200);
	wait_held(1);
	/* The late reply: dropped, and the request memory is released (ASan). */
	ctl_http_reply(g_t.t_held[0], 200, json_pack("{s:s}", "late", "yes"));

	g_t.t_mode = T_ECHO;
	reply = call_ok(cc, srv, "after", NULL);
	assert_echo(reply, "after", "insecure", "{}");
	json_decref(reply);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP16: a reply racing the timeout (reply at about the deadline, many times):
 * the caller gets either the reply or the 504, never anything else; no leak */
static void
http16_reply_races_timeout(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	char                    hp[32];
	char                    err[ERRLEN];
	json_t                  *reply;
	int                     i;
	int                     rc;
	int                     ok = 0;
	int                     late = 0;

	(void)state;
	t_reset(T_DEFER);
	insecure_cfg(&cfg);
	cfg.hc_reply_timeout_ms = 20;
	srv = start(&cfg);
	cc = client_full(true, NULL, NULL, NULL);
	hp_of(srv, hp);
	for (i = 0; i < 20; i++) {
		g_t.t_defer_ms = 15 + (unsigned int)(i % 10);
		reply = NULL;
		rc = ctl_http_call(cc, hp, "race", NULL, &reply, err, sizeof(err));
		if (rc == 0) {
			ok++;
		} else {
			assert_int_equal(rc, -DER_TIMEDOUT);
			assert_string_equal(err,
					    "no reply from the handler of 'race' within 20 ms");
			late++;
		}
		json_decref(reply);
	}
	assert_int_equal(ok + late, 20);
	/* Let the last deferred replies land before the server goes. */
	sleep_ms(60);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* Start must fail with exactly this code and message. */
static void
start_err(const struct ctl_http_cfg *cfg, int want_rc, const char *want_msg)
{
	struct ctl_http_server *srv = NULL;
	char                    err[ERRLEN] = "";
	int                     rc;

	rc = ctl_http_server_start(cfg, t_handler, &g_t, &srv, err, sizeof(err));
	if (rc != want_rc || strcmp(err, want_msg) != 0)
		print_error("start: got %d '%s'\n", rc, err);
	assert_int_equal(rc, want_rc);
	assert_string_equal(err, want_msg);
	assert_null(srv);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* HTTP17: bad TLS files at server start give exact errors (-DER_NO_CERT when a
 * file cannot be had, -DER_BAD_CERT when it is wrong) */
static void
http17_bad_pem_at_start(void **state)
{
	struct ctl_http_cfg cfg;
	char                srv_crt[PATH_MAX];
	char                srv_key[PATH_MAX];
	char                adm_crt[PATH_MAX];
	char                adm_key[PATH_MAX];
	char                p[PATH_MAX];
	char                want[3 * PATH_MAX];
	char               *big;

	(void)state;
	cert_of("server", srv_crt, srv_key);
	cert_of("admin", adm_crt, adm_key);

	tls_cfg(&cfg);
	cfg.hc_ca_cert = NULL;
	start_err(&cfg, -DER_NO_CERT,
		  "no CA certificate file given (required unless allow_insecure is true)");
	tls_cfg(&cfg);
	cfg.hc_cert = "";
	start_err(&cfg, -DER_NO_CERT,
		  "no certificate file given (required unless allow_insecure is true)");
	tls_cfg(&cfg);
	cfg.hc_key = NULL;
	start_err(&cfg, -DER_NO_CERT,
		  "no key file given (required unless allow_insecure is true)");

	tls_cfg(&cfg);
	path_of(p, g_dir, "none.crt");
	cfg.hc_ca_cert = p;
	snprintf(want, sizeof(want), "cannot read CA certificate '%s': No such file or directory",
		 p);
	start_err(&cfg, -DER_NO_CERT, want);

	tls_cfg(&cfg);
	cfg.hc_cert = g_dir;
	snprintf(want, sizeof(want), "cannot read certificate '%s': not a regular file", g_dir);
	start_err(&cfg, -DER_NO_CERT, want);

	tls_cfg(&cfg);
	path_of(p, g_dir, "empty.key");
	write_file(p, "", 0);
	cfg.hc_key = p;
	snprintf(want, sizeof(want), "key '%s' holds no PEM block", p);
	start_err(&cfg, -DER_BAD_CERT, want);

	tls_cfg(&cfg);
	path_of(p, g_dir, "garbage.crt");
	write_file(p, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
		   66);
	cfg.hc_ca_cert = p;
	snprintf(want, sizeof(want),
		 "CA certificate '%s' is not a valid PEM certificate: Base64 unexpected header error.", p);
	start_err(&cfg, -DER_BAD_CERT, want);

	tls_cfg(&cfg);
	cfg.hc_ca_cert = adm_crt;
	snprintf(want, sizeof(want),
		 "CA certificate '%s' is not a CA (basicConstraints CA:TRUE missing)", adm_crt);
	start_err(&cfg, -DER_BAD_CERT, want);

	tls_cfg(&cfg);
	cfg.hc_key = adm_key;
	snprintf(want, sizeof(want), "key '%s' does not match certificate '%s'", adm_key,
		 srv_crt);
	start_err(&cfg, -DER_BAD_CERT, want);

	tls_cfg(&cfg);
	cfg.hc_key = srv_crt;
	snprintf(want, sizeof(want),
		 "key '%s' is not a valid PEM private key: The requested data were not "
		 "available.",
		 srv_crt);
	start_err(&cfg, -DER_BAD_CERT, want);

	tls_cfg(&cfg);
	path_of(p, g_dir, "old.crt");
	cfg.hc_cert = p;
	path_of(srv_key, g_dir, "old.key");
	cfg.hc_key = srv_key;
	snprintf(want, sizeof(want), "certificate '%s' expired on ", p);
	{
		struct ctl_http_server *srv = NULL;
		char                    err[ERRLEN];

		assert_int_equal(ctl_http_server_start(&cfg, t_handler, &g_t, &srv, err,
						       sizeof(err)),
				 -DER_BAD_CERT);
		assert_memory_equal(err, want, strlen(want));
		assert_null(srv);
	}

	tls_cfg(&cfg);
	path_of(p, g_dir, "big.crt");
	big = malloc(CTL_HTTP_PEM_MAX + 1);
	assert_non_null(big);
	memset(big, 'A', CTL_HTTP_PEM_MAX + 1);
	write_file(p, big, CTL_HTTP_PEM_MAX + 1);
	free(big);
	cfg.hc_ca_cert = p;
	snprintf(want, sizeof(want), "CA certificate '%s' is larger than 1048576 bytes", p);
	start_err(&cfg, -DER_BAD_CERT, want);

	/* ctl_http_pem_load() directly: optional files are skipped */
	{
		struct ctl_http_pem pem;
		char                err[ERRLEN];

		assert_int_equal(ctl_http_pem_load(g_ca, NULL, NULL, false, &pem, err,
						   sizeof(err)),
				 0);
		assert_non_null(pem.hp_ca);
		assert_null(pem.hp_cert);
		ctl_http_pem_free(&pem);
		assert_null(pem.hp_ca);
	}
}

/* HTTP18: bad server configuration values; address in use; port 0 picks a port;
 * no fd leaks over start/stop */
static void
http18_server_config(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_server *srv2 = NULL;
	char                    err[ERRLEN];
	char                    want[128];
	int                     fds;

	(void)state;
	insecure_cfg(&cfg);
	cfg.hc_threads = 65;
	start_err(&cfg, -DER_INVAL, "thread count 65 is out of range [1, 64]");
	insecure_cfg(&cfg);
	cfg.hc_body_max = 100;
	start_err(&cfg, -DER_INVAL, "body limit 100 is out of range [1024, 67108864]");
	insecure_cfg(&cfg);
	cfg.hc_threads = 4;
	cfg.hc_conn_max = 3;
	start_err(&cfg, -DER_INVAL, "connection limit 3 is out of range [4, 65536]");
	insecure_cfg(&cfg);
	cfg.hc_conn_timeout_s = 3601;
	start_err(&cfg, -DER_INVAL, "connection timeout 3601 is out of range [1, 3600]");
	insecure_cfg(&cfg);
	cfg.hc_reply_timeout_ms = 3600001;
	start_err(&cfg, -DER_INVAL, "reply timeout 3600001 is out of range [1, 3600000]");
	insecure_cfg(&cfg);
	cfg.hc_bind_addr = "localhost";
	start_err(&cfg, -DER_INVAL, "bind address 'localhost' is not a numeric IPv4 address");
	insecure_cfg(&cfg);
	cfg.hc_bind_addr = "10.255.255.1";
	start_err(&cfg, -DER_INVAL,
		  "cannot listen on 10.255.255.1:0: Cannot assign requested address");
	assert_int_equal(ctl_http_server_start(NULL, t_handler, NULL, &srv2, err, sizeof(err)),
			 -DER_INVAL);

	fds = count_fds();
	insecure_cfg(&cfg);
	srv = start(&cfg);
	insecure_cfg(&cfg);
	cfg.hc_port = ctl_http_server_port(srv);
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%u: Address already in use",
		 cfg.hc_port);
	start_err(&cfg, -DER_BUSY, want);
	ctl_http_server_stop(srv);
	tls_cfg(&cfg);
	srv = start(&cfg);
	ctl_http_server_stop(srv);
	assert_int_equal(count_fds(), fds);
	ctl_http_server_stop(NULL);
	assert_int_equal(ctl_http_server_port(NULL), 0);
}

/* HTTP19: bad client configuration and call arguments */
static void
http19_client_config(void **state)
{
	struct ctl_http_client_cfg ccfg = {0};
	struct ctl_http_client    *cc = NULL;
	char                       crt[PATH_MAX];
	char                       key[PATH_MAX];
	char                       err[ERRLEN];
	json_t                    *arr;
	json_t                    *reply = (json_t *)&reply;

	(void)state;
	cert_of("admin", crt, key);
	assert_int_equal(ctl_http_client_create(&ccfg, &cc, err, sizeof(err)), -DER_NO_CERT);
	assert_string_equal(err,
			    "no CA certificate file given (required unless allow_insecure is true)");
	ccfg.ccc_ca_cert = g_ca;
	ccfg.ccc_cert = crt;
	assert_int_equal(ctl_http_client_create(&ccfg, &cc, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "certificate given without key");
	ccfg.ccc_cert = NULL;
	ccfg.ccc_key = key;
	assert_int_equal(ctl_http_client_create(&ccfg, &cc, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "key given without certificate");
	ccfg.ccc_key = NULL;
	ccfg.ccc_timeout_ms = CTL_HTTP_CLIENT_TIMEOUT_MS_MAX + 1;
	assert_int_equal(ctl_http_client_create(&ccfg, &cc, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "timeout 3600001 ms is out of range [1, 3600000]");
	assert_null(cc);
	assert_int_equal(ctl_http_client_create(NULL, &cc, err, sizeof(err)), -DER_INVAL);

	cc = client_full(true, NULL, NULL, NULL);
	assert_int_equal(ctl_http_call(cc, "node1", "x", NULL, &reply, err, sizeof(err)),
			 -DER_INVAL);
	assert_null(reply);
	assert_string_equal(err, "bad address 'node1': expected host:port");
	assert_int_equal(ctl_http_call(cc, "node1:0", "x", NULL, &reply, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "bad address 'node1:0': expected host:port");
	assert_int_equal(ctl_http_call(cc, "no de:1", "x", NULL, &reply, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "bad address 'no de:1': expected host:port");
	assert_int_equal(ctl_http_call(cc, "a/b@c:1", "x", NULL, &reply, err, sizeof(err)),
			 -DER_INVAL);
	assert_int_equal(ctl_http_call(cc, "node1:1", "a/b", NULL, &reply, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "bad method name 'a/b'");
	assert_int_equal(ctl_http_call(cc, "node1:1", "", NULL, &reply, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "bad method name ''");
	arr = json_array();
	assert_int_equal(ctl_http_call(cc, "node1:1", "x", arr, &reply, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "request must be a JSON object, not a JSON array");
	json_decref(arr);
	assert_true(ctl_http_method_valid("pool_create.v2-x"));
	assert_false(ctl_http_method_valid("a b"));
	ctl_http_client_destroy(cc);
	ctl_http_client_destroy(NULL);
}

struct stop_arg {
	struct ctl_http_server *sa_srv;
	int                     sa_rc;
	char                    sa_err[ERRLEN];
};

static void *
stop_main(void *arg)
{
	struct stop_arg        *a = arg;
	struct ctl_http_client *cc = client_as("admin");
	char                    hp[32];
	json_t                 *reply = NULL;

	hp_of(a->sa_srv, hp);
	a->sa_rc = ctl_http_call(cc, hp, "hold", NULL, &reply, a->sa_err, sizeof(a->sa_err));
	json_decref(reply);
	ctl_http_client_destroy(cc);
	return NULL;
}

/* HTTP20: stop with calls in flight: they get 503 -DER_SHUTDOWN; the handler's
 * replies after stop are dropped safely; nothing leaks */
static void
http20_stop_with_calls_in_flight(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct stop_arg         args[3];
	pthread_t               th[3];
	int                     i;

	(void)state;
	t_reset(T_HOLD);
	tls_cfg(&cfg);
	srv = start(&cfg);
	for (i = 0; i < 3; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].sa_srv = srv;
		assert_int_equal(pthread_create(&th[i], NULL, stop_main, &args[i]), 0);
	}
	wait_held(3);
	/* One handler answers just before the stop. */
	ctl_http_reply(g_t.t_held[0], 200, json_object());
	ctl_http_server_stop(srv);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	for (i = 1; i < 3; i++)
		ctl_http_reply(g_t.t_held[i], 200, json_pack("{s:i}", "late", i));
	for (i = 0; i < 3; i++) {
		if (args[i].sa_rc == 0)
			continue;
		assert_int_equal(args[i].sa_rc, -DER_SHUTDOWN);
		assert_string_equal(args[i].sa_err, "server is shutting down");
	}
	assert_int_equal((args[0].sa_rc == 0) + (args[1].sa_rc == 0) + (args[2].sa_rc == 0), 1);
}

/* HTTP21: mismatched transports fail fast with clear messages: an insecure client
 * to a TLS server, a TLS client to an insecure server */
static void
http21_transport_mismatch(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	char                    hp[32];
	char                    err[ERRLEN];
	char                    want[160];
	char                    want2[160];
	json_t                 *reply = NULL;
	uint64_t                t0;
	int                     rc;
	int                     i;

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);
	hp_of(srv, hp);
	cc = client_full(true, NULL, NULL, NULL);
	t0 = now_ms();
	assert_int_equal(ctl_http_call(cc, hp, "x", NULL, &reply, err, sizeof(err)),
			 -DER_UNREACH);
	assert_true(now_ms() - t0 < 2000);
	snprintf(want, sizeof(want), "connection to %s lost before the reply: ", hp);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, " (a TLS server drops plain HTTP: is the server running "
				    "without allow_insecure?)"));
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);

	insecure_cfg(&cfg);
	srv = start(&cfg);
	hp_of(srv, hp);
	cc = client_as("admin");
	t0 = now_ms();
	/* Either the plain server's error page reaches OpenSSL ("wrong version
	 * number") or its reset does first: both say what to check. */
	for (i = 0; i < 20; i++) {
		rc = ctl_http_call(cc, hp, "x", NULL, &reply, err, sizeof(err));
		if (rc != -DER_PROTO)
			print_error("got %d '%s'\n", rc, err);
		assert_int_equal(rc, -DER_PROTO);
		snprintf(want, sizeof(want),
			 "%s does not speak TLS (is it running with allow_insecure: true?): ", hp);
		snprintf(want2, sizeof(want2),
			 "%s closed the connection during the TLS handshake (is it running with "
			 "allow_insecure: true?): ",
			 hp);
		assert_true(strncmp(err, want, strlen(want)) == 0 ||
			    strncmp(err, want2, strlen(want2)) == 0);
		assert_null(reply);
	}
	assert_true(now_ms() - t0 < 4000);
	assert_int_equal(g_t.t_calls, 0);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP22: handler error replies: status and message reach the caller as is; a
 * handler reply with an impossible HTTP status becomes 500 -DER_MISC */
static void
http22_handler_errors(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;

	(void)state;
	t_reset(T_ERROR);
	tls_cfg(&cfg);
	srv = start(&cfg);
	cc = client_as("agent");
	call_err(cc, srv, "pool_destroy", NULL, -DER_NO_PERM, "only admin may call pool_destroy");
	g_t.t_mode = T_BADSTATUS;
	call_err(cc, srv, "odd", NULL, -DER_MISC,
		 "internal error: the handler of 'odd' replied with HTTP status 99");
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP23: keep-alive: two calls of one client use one connection (same peer port) */
static void
http23_keep_alive(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	int                     i;

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	srv = start(&cfg);
	cc = client_as("admin");
	for (i = 0; i < 3; i++)
		json_decref(call_ok(cc, srv, "ka", NULL));
	assert_string_equal(g_t.t_peers[0], g_t.t_peers[1]);
	assert_string_equal(g_t.t_peers[1], g_t.t_peers[2]);
	assert_memory_equal(g_t.t_peers[0], "127.0.0.1:", 10);
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/* HTTP24: hostile input: garbage instead of TLS, more connections than the limit,
 * a slow client (dropped at the connection timeout), huge headers; the server
 * survives all of them and still answers */
static void
http24_hostile_input(void **state)
{
	struct ctl_http_cfg     cfg;
	struct ctl_http_server *srv;
	struct ctl_http_client *cc;
	static const char       junk[] = "\x16\x03\x01\x00\x05garbage\r\n\r\nGET / HTTP/1.1\r\n";
	char                   *hdr;
	size_t                  hlen = 100000;
	int                     fds[8];
	int                     fd;
	int                     i;

	(void)state;
	t_reset(T_ECHO);
	tls_cfg(&cfg);
	cfg.hc_conn_max = 4;
	cfg.hc_conn_timeout_s = 1;
	srv = start(&cfg);

	fd = raw_connect(srv);
	assert_int_equal(write(fd, junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);

	/* Slow client: half a request line, then nothing. */
	fd = raw_connect(srv);
	assert_int_equal(write(fd, "\x16\x03", 2), 2);
	assert_true(closed_within(fd, 2500));
	close(fd);

	/* Over the limit: extra connections are closed at once. */
	for (i = 0; i < 8; i++)
		fds[i] = raw_connect(srv);
	assert_true(closed_within(fds[7], WAIT_MS));
	for (i = 0; i < 8; i++)
		close(fds[i]);
	sleep_ms(50);

	cc = client_as("admin");
	json_decref(call_ok(cc, srv, "still_alive", NULL));
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);

	/* Huge headers over plain HTTP: an error or a close, not a crash. */
	insecure_cfg(&cfg);
	srv = start(&cfg);
	hdr = malloc(hlen + 64);
	assert_non_null(hdr);
	memcpy(hdr, "POST /v1/x HTTP/1.1\r\nHost: a\r\nX-Big: ", 37);
	memset(hdr + 37, 'a', hlen);
	memcpy(hdr + 37 + hlen, "\r\n\r\n", 4);
	fd = raw_connect(srv);
	{
		size_t  off = 0;
		size_t  total = 37 + hlen + 4;
		ssize_t n;

		while (off < total) {
			n = send(fd, hdr + off, total - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);
	free(hdr);
	cc = client_full(true, NULL, NULL, NULL);
	json_decref(call_ok(cc, srv, "still_alive", NULL));
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

/*
 * A fake server for the client's side of the protocol: accepts one connection,
 * reads one request, writes a canned answer (NULL: none, keep the connection
 * open until the client gives up), closes.
 */
struct fake {
	int         f_fd;
	uint16_t    f_port;
	const char *f_answer;
	pthread_t   f_th;
};

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	char         buf[8192];
	size_t       len = 0;
	int          c;

	c = accept(f->f_fd, NULL, NULL);
	if (c < 0)
		return NULL;
	/* Headers and a small body arrive together on loopback; read what comes. */
	while (len < sizeof(buf) - 1) {
		struct pollfd p = {.fd = c, .events = POLLIN};
		ssize_t       n;

		if (poll(&p, 1, 100) <= 0)
			break;
		n = read(c, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (f->f_answer != NULL)
		assert_int_equal(write(c, f->f_answer, strlen(f->f_answer)),
				 (ssize_t)strlen(f->f_answer));
	else
		closed_within(c, WAIT_MS);
	close(c);
	return NULL;
}

static void
fake_start(struct fake *f, const char *answer)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t          len = sizeof(sin);

	f->f_answer = answer;
	f->f_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->f_fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->f_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->f_fd, 4), 0);
	assert_int_equal(getsockname(f->f_fd, (struct sockaddr *)&sin, &len), 0);
	f->f_port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&f->f_th, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	pthread_join(f->f_th, NULL);
	close(f->f_fd);
}

/* Call the fake server with a canned answer; check the result. */
static void
fake_call(const char *answer, int want_rc, const char *want_msg_fmt)
{
	struct ctl_http_client *cc = client_full(true, NULL, NULL, NULL);
	struct fake             f;
	char                    hp[32];
	char                    want[256];
	char                    err[ERRLEN];
	json_t                 *reply = NULL;
	int                     rc;

	fake_start(&f, answer);
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", f.f_port);
	snprintf(want, sizeof(want), want_msg_fmt, hp);
	rc = ctl_http_call(cc, hp, "x", NULL, &reply, err, sizeof(err));
	if (rc != want_rc || strcmp(err, want) != 0)
		print_error("got %d '%s'\n", rc, err);
	assert_int_equal(rc, want_rc);
	assert_string_equal(err, want);
	assert_null(reply);
	fake_stop(&f);
	ctl_http_client_destroy(cc);
}

/* HTTP25: the client rejects replies that break the protocol with -DER_PROTO: not
 * JSON, JSON but not an object, an error without a negative status; an error
 * reply with extra fields comes back whole */
static void
http25_bad_replies(void **state)
{
	struct ctl_http_client *cc;
	struct fake             f;
	char                    hp[32];
	char                    err[ERRLEN];
	json_t                 *reply = NULL;
	static const char       leader[] =
	    "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
	    "Content-Length: 57\r\n\r\n"
	    "{\"status\":-2008,\"error\":\"not leader\",\"leader\":\"n2:10001\"}";

	(void)state;
	fake_call("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", -DER_PROTO,
		  "invalid reply from %s (HTTP 200): not JSON: '[' or '{' expected near "
		  "'hello'");
	fake_call("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n[1]", -DER_PROTO,
		  "invalid reply from %s (HTTP 200): a JSON array, not an object");
	fake_call("HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\n{}", -DER_PROTO,
		  "invalid reply from %s (HTTP 500): no negative \"status\" and \"error\" "
		  "message");
	fake_call("HTTP/1.1 500 Oops\r\nContent-Length: 24\r\n\r\n{\"status\":5,\"error\":\"x\"}",
		  -DER_PROTO,
		  "invalid reply from %s (HTTP 500): no negative \"status\" and \"error\" "
		  "message");
	fake_call("HTTP/1.1 502 Bad\r\nContent-Length: 10\r\n\r\n<html>...<", -DER_PROTO,
		  "invalid reply from %s (HTTP 502): not JSON: '[' or '{' expected near '<'");

	cc = client_full(true, NULL, NULL, NULL);
	fake_start(&f, leader);
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", f.f_port);
	assert_int_equal(ctl_http_call(cc, hp, "x", NULL, &reply, err, sizeof(err)),
			 -DER_NOTLEADER);
	assert_string_equal(err, "not leader");
	assert_non_null(reply);
	assert_string_equal(json_string_value(json_object_get(reply, "leader")), "n2:10001");
	json_decref(reply);
	fake_stop(&f);
	ctl_http_client_destroy(cc);
}

/* HTTP26: a server that never answers: the client gives up at its timeout with
 * -DER_TIMEDOUT */
static void
http26_client_timeout(void **state)
{
	struct ctl_http_client_cfg ccfg = {.ccc_insecure = true, .ccc_timeout_ms = 300};
	struct ctl_http_client    *cc = NULL;
	struct fake                f;
	char                       hp[32];
	char                       want[96];
	char                       err[ERRLEN];
	json_t                    *reply = NULL;
	uint64_t                   t0;

	(void)state;
	assert_int_equal(ctl_http_client_create(&ccfg, &cc, err, sizeof(err)), 0);
	fake_start(&f, NULL);
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", f.f_port);
	t0 = now_ms();
	assert_int_equal(ctl_http_call(cc, hp, "x", NULL, &reply, err, sizeof(err)),
			 -DER_TIMEDOUT);
	assert_true(now_ms() - t0 >= 250 && now_ms() - t0 < WAIT_MS);
	snprintf(want, sizeof(want), "no reply from %s within 300 ms: Operation timed out", hp);
	assert_memory_equal(err, want, strlen(want));
	assert_null(reply);
	ctl_http_client_destroy(cc);
	fake_stop(&f);
}

/* HTTP27: the caller gives up (client timeout) while the handler still holds the
 * request: the handler's reply goes to a closed connection, nothing leaks, and
 * the server keeps serving */
static void
http27_caller_gives_up(void **state)
{
	struct ctl_http_client_cfg ccfg = {.ccc_insecure = true, .ccc_timeout_ms = 300};
	struct ctl_http_cfg        cfg;
	struct ctl_http_server    *srv;
	struct ctl_http_client    *cc = NULL;
	char                       hp[32];
	char                       want[96];
	char                       err[ERRLEN];
	json_t                    *reply = NULL;

	(void)state;
	t_reset(T_HOLD);
	insecure_cfg(&cfg);
	srv = start(&cfg);
	hp_of(srv, hp);
	assert_int_equal(ctl_http_client_create(&ccfg, &cc, err, sizeof(err)), 0);
	assert_int_equal(ctl_http_call(cc, hp, "slow", NULL, &reply, err, sizeof(err)),
			 -DER_TIMEDOUT);
	snprintf(want, sizeof(want), "no reply from %s within 300 ms: ", hp);
	assert_memory_equal(err, want, strlen(want));
	wait_held(1);
	ctl_http_reply(g_t.t_held[0], 200, json_pack("{s:s}", "too", "late"));

	g_t.t_mode = T_ECHO;
	json_decref(call_ok(cc, srv, "next", NULL));
	ctl_http_client_destroy(cc);
	ctl_http_server_stop(srv);
}

static int
group_setup(void **state)
{
	const char *src = getenv("DAOS_SOURCE_DIR");
	char        script[PATH_MAX];
	char        file[PATH_MAX] = __FILE__;
	char        cmd[4 * PATH_MAX];

	(void)state;
	if (src != NULL && src[0] != '\0') {
		snprintf(script, sizeof(script), "%s/utils/certs/gen_certificates.sh", src);
	} else if (access("utils/certs/gen_certificates.sh", R_OK) == 0) {
		snprintf(script, sizeof(script), "utils/certs/gen_certificates.sh");
	} else {
		snprintf(script, sizeof(script), "%s/../../utils/certs/gen_certificates.sh",
			 dirname(file));
	}
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "cannot find %s (set DAOS_SOURCE_DIR)\n", script);
		return -1;
	}
	snprintf(g_dir, sizeof(g_dir), "/tmp/test_ctl_http.XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	snprintf(g_cert_dir, sizeof(g_cert_dir), "%s/a/daosCA/certs", g_dir);
	snprintf(g_ca, sizeof(g_ca), "%s/daosCA.crt", g_cert_dir);
	snprintf(g_other_dir, sizeof(g_other_dir), "%s/b/daosCA/certs", g_dir);
	snprintf(g_other_ca, sizeof(g_other_ca), "%s/daosCA.crt", g_other_dir);
	/* Two CAs, then a serverAuth-only and an expired clientAuth certificate of
	 * the first. */
	snprintf(cmd, sizeof(cmd),
		 "set -e; d='%s'; s='%s'; bash \"$s\" \"$d/a\" >/dev/null; "
		 "bash \"$s\" \"$d/b\" >/dev/null; "
		 "ca=\"$d/a/daosCA\"; cd \"$d\"; "
		 "for n in webonly old; do "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout $n.key -out $n.csr -subj \"/O=DAOS/CN=$n\" 2>/dev/null; done; "
		 "printf 'extendedKeyUsage=serverAuth\\n' > webonly.ext; "
		 "printf 'extendedKeyUsage=clientAuth\\n' > old.ext; "
		 "openssl x509 -req -in webonly.csr -CA $ca/certs/daosCA.crt "
		 "-CAkey $ca/private/daosCA.key -CAcreateserial -CAserial ca.srl -days 30 "
		 "-extfile webonly.ext -out webonly.crt 2>/dev/null; "
		 "openssl x509 -req -in old.csr -CA $ca/certs/daosCA.crt "
		 "-CAkey $ca/private/daosCA.key -CAserial ca.srl -days -1 "
		 "-extfile old.ext -out old.crt 2>/dev/null",
		 g_dir, script);
	if (system(cmd) != 0) {
		fprintf(stderr, "certificate generation failed\n");
		return -1;
	}
	/* Our raw libcurl handles need this once (the client module does it too). */
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(http01_insecure_round_trip),
	    cmocka_unit_test(http02_tls_admin),
	    cmocka_unit_test(http03_agent_and_server_identity),
	    cmocka_unit_test(http04_deferred_reply),
	    cmocka_unit_test(http05_concurrent),
	    cmocka_unit_test(http06_no_client_cert),
	    cmocka_unit_test(http07_foreign_client_cert),
	    cmocka_unit_test(http08_no_client_auth_purpose),
	    cmocka_unit_test(http09_expired_client_cert),
	    cmocka_unit_test(http10_client_trusts_other_ca),
	    cmocka_unit_test(http11_connection_refused),
	    cmocka_unit_test(http12_paths_and_methods),
	    cmocka_unit_test(http13_bad_bodies),
	    cmocka_unit_test(http14_oversize_body),
	    cmocka_unit_test(http15_handler_timeout),
	    cmocka_unit_test(http16_reply_races_timeout),
	    cmocka_unit_test(http17_bad_pem_at_start),
	    cmocka_unit_test(http18_server_config),
	    cmocka_unit_test(http19_client_config),
	    cmocka_unit_test(http20_stop_with_calls_in_flight),
	    cmocka_unit_test(http21_transport_mismatch),
	    cmocka_unit_test(http22_handler_errors),
	    cmocka_unit_test(http23_keep_alive),
	    cmocka_unit_test(http24_hostile_input),
	    cmocka_unit_test(http25_bad_replies),
	    cmocka_unit_test(http26_client_timeout),
	    cmocka_unit_test(http27_caller_gives_up),
	};

	return cmocka_run_group_tests_name("ctl_http", tests, group_setup, group_teardown);
}
