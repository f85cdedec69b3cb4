/*
 * ctl_http_server.c: the control API server (libmicrohttpd + GnuTLS). See
 * ctl_http.h for the protocol; the TLS file checks are in ctl_http_pem.c.
 *
 * A request's path through libmicrohttpd (MHD), which calls hs_access()
 * several times per request on one of its worker threads:
 *   1. headers (first call): authenticate the TLS peer, check path, method,
 *      Content-Type and Content-Length; any failure queues an error answer
 *      before the body is read;
 *   2. body chunks: copied into a buffer sized from Content-Length;
 *   3. end of body: parse JSON, suspend the connection, publish the request
 *      in the in-flight list, call the handler;
 *   4. someone prepares the answer and resumes the connection: the handler
 *      (ctl_http_reply), the timer thread (504) or ctl_http_server_stop (503);
 *   5. MHD calls hs_access() again and the prepared answer is queued;
 *   6. MHD reports completion (hs_completed) and drops its reference.
 *
 * Request states (rq_state):
 *   READING --error--> ANSWERED
 *   READING --parsed--> SUSPENDED --reply/timeout/stop--> READY --re-entry--> ANSWERED
 *
 * Invariants:
 *   1. A request is in the in-flight list iff it is SUSPENDED; the list is in
 *      publication order, which is deadline order (one timeout per server).
 *   2. A connection is suspended before its request is published, so nobody
 *      can resume it before it is suspended (MHD: undefined behaviour).
 *   3. Exactly one party moves a request out of SUSPENDED (under hs_lock) and
 *      that party alone resumes the connection, once.
 *   4. Our lock is never held while calling into MHD. A thread other than the
 *      connection's worker resumes only while counted in hs_resuming; stop
 *      waits for hs_resuming == 0 before MHD_stop_daemon, so MHD_stop_daemon
 *      never runs with a suspended connection nor races a resume.
 *   5. A request holds two references while the handler has it: MHD's
 *      (dropped in hs_completed) and the handler's (dropped by
 *      ctl_http_reply); each request holds one on the server, and the server
 *      holds one on itself until stop. Memory goes with the last reference,
 *      so a reply after a 504 or after stop touches only live memory.
 *   6. Fields of a published request (rq_state, list links, rq_pending) are
 *      read and written under hs_lock; the answer fields (rq_resp*) are
 *      written by the party of invariant 3 before the resume and read by the
 *      worker after it (the resume orders them).
 */
#define D_LOGFAC DD_FAC(control)

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/json.h"
#include "control/ctl_http.h"

/* Longest piece of outside input (a path, a header value) quoted in a message. */
#define HS_QUOTE_MAX   64
/* Longest file path quoted in a message. */
#define HS_PATH_QUOTE  256
/* Longest message of an error reply. */
#define HS_MSG_MAX     384
/* Answer used when even an error reply cannot be built. */
#define HS_NOMEM_JSON  "{\"status\":-1009,\"error\":\"out of memory\"}"
#define HS_TLS_PRIORITIES "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1"

bool
ctl_http_method_valid(const char *method)
{
	size_t i;

	if (method == NULL || method[0] == '\0')
		return false;
	for (i = 0; method[i] != '\0'; i++) {
		char c = method[i];

		if (i >= CTL_HTTP_METHOD_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/*
 * Server
 */

enum hs_rq_state {
	RQ_READING = 0, /* headers accepted, body arriving */
	RQ_SUSPENDED,   /* handler has it; in the in-flight list */
	RQ_READY,       /* answer prepared, connection resumed */
	RQ_ANSWERED,    /* answer queued to MHD */
};

struct ctl_http_req {
	struct ctl_http_server *rq_srv;
	struct MHD_Connection  *rq_conn;
	atomic_int              rq_refs;
	enum hs_rq_state        rq_state;
	struct ctl_http_req    *rq_prev;       /* in-flight list */
	struct ctl_http_req    *rq_next;
	uint64_t                rq_deadline_ms; /* monotonic */
	bool                    rq_pending;    /* counted in hs_pending */
	bool                    rq_is_get;
	atomic_bool             rq_replied;
	char                   *rq_buf;        /* body bytes */
	size_t                  rq_len;
	size_t                  rq_cap;
	json_t                 *rq_body;
	unsigned int            rq_resp_status; /* prepared answer (READY) */
	char                   *rq_resp;
	size_t                  rq_resp_len;
	char                    rq_method[CTL_HTTP_METHOD_MAX + 1];
	char                    rq_identity[CTL_HTTP_IDENTITY_MAX + 1];
	char                    rq_peer[INET6_ADDRSTRLEN + 8];
};

struct ctl_http_server {
	atomic_int           hs_refs;
	pthread_mutex_t      hs_lock;
	pthread_cond_t       hs_cond;       /* hs_resuming / hs_pending went down */
	pthread_cond_t       hs_timer_cond; /* new list head, or stopping */
	pthread_t            hs_timer;
	bool                 hs_timer_started;
	bool                 hs_stopping;
	struct ctl_http_req *hs_head;       /* in-flight list (invariant 1) */
	struct ctl_http_req *hs_tail;
	uint32_t             hs_resuming;   /* resumes in progress off the worker (inv. 4) */
	uint32_t             hs_pending;    /* published requests not yet completed */
	struct MHD_Daemon   *hs_mhd;
	int                  hs_listen_fd;
	uint16_t             hs_port;
	bool                 hs_insecure;
	uint32_t             hs_body_max;
	uint32_t             hs_reply_timeout_ms;
	ctl_http_handler_fn  hs_handler;
	void                *hs_arg;
	ctl_http_method_fn   hs_method_fn;
	void                *hs_method_arg;
	struct ctl_http_pem  hs_pem;
	bool                 hs_capturing;  /* copy MHD messages into hs_capture (start) */
	char                 hs_capture[256];
};

static uint64_t
hs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
hs_lock(struct ctl_http_server *srv)
{
	int rc = pthread_mutex_lock(&srv->hs_lock);

	assert(rc == 0);
	(void)rc;
}

static void
hs_unlock(struct ctl_http_server *srv)
{
	int rc = pthread_mutex_unlock(&srv->hs_lock);

	assert(rc == 0);
	(void)rc;
}

static void
hs_get(struct ctl_http_server *srv)
{
	atomic_fetch_add(&srv->hs_refs, 1);
}

static void
hs_put(struct ctl_http_server *srv)
{
	if (atomic_fetch_sub(&srv->hs_refs, 1) != 1)
		return;
	assert(srv->hs_head == NULL);
	pthread_cond_destroy(&srv->hs_timer_cond);
	pthread_cond_destroy(&srv->hs_cond);
	pthread_mutex_destroy(&srv->hs_lock);
	free(srv);
}

static void
rq_put(struct ctl_http_req *req)
{
	struct ctl_http_server *srv = req->rq_srv;

	if (atomic_fetch_sub(&req->rq_refs, 1) != 1)
		return;
	assert(req->rq_prev == NULL && req->rq_next == NULL);
	json_decref(req->rq_body);
	free(req->rq_buf);
	free(req->rq_resp);
	free(req);
	hs_put(srv);
}

/* Copy a message keeping it one line of printable ASCII (the JSON stays valid). */
static void
hs_sanitize(char *dst, size_t len, const char *msg)
{
	size_t i;

	for (i = 0; i + 1 < len && msg[i] != '\0'; i++)
		dst[i] = (msg[i] >= 0x20 && msg[i] < 0x7f) ? msg[i] : '?';
	dst[i] = '\0';
}

/* {"status": rc, "error": msg} as text; NULL when out of memory. */
static char *
hs_error_text(int rc, const char *msg, size_t *len)
{
	char    clean[HS_MSG_MAX];
	json_t *obj;
	char   *text;

	hs_sanitize(clean, sizeof(clean), msg);
	obj = json_pack("{s:i, s:s}", "status", rc, "error", clean);
	if (obj == NULL)
		return NULL;
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text != NULL)
		*len = strlen(text);
	return text;
}

/* Queue an answer; the text is copied (and stays the caller's). */
static enum MHD_Result
hs_queue(struct MHD_Connection *conn, unsigned int status, const char *text, size_t len,
	 const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result      ret;

	resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
		MHD_YES ||
	    (allow != NULL && MHD_add_response_header(resp, "Allow", allow) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answer a request that was never published (worker thread only). */
static enum MHD_Result
hs_answer_error(struct ctl_http_req *req, unsigned int status, int rc, const char *allow,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum MHD_Result
hs_answer_error(struct ctl_http_req *req, unsigned int status, int rc, const char *allow,
		const char *fmt, ...)
{
	char            msg[HS_MSG_MAX];
	char           *text;
	size_t          len = 0;
	va_list         ap;
	enum MHD_Result ret;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status == MHD_HTTP_FORBIDDEN)
		D_WARN("control API: %s rejected: %s\n", req->rq_peer, msg);
	else
		D_DEBUG("control API: %s: HTTP %u: %s\n", req->rq_peer, status, msg);
	req->rq_state = RQ_ANSWERED;
	text = hs_error_text(rc, msg, &len);
	if (text == NULL)
		return hs_queue(req->rq_conn, MHD_HTTP_INTERNAL_SERVER_ERROR, HS_NOMEM_JSON,
				strlen(HS_NOMEM_JSON), NULL);
	ret = hs_queue(req->rq_conn, status, text, len, allow);
	free(text);
	return ret;
}

/*
 * Prepare the answer of a request taken out of SUSPENDED by the caller
 * (invariant 3). On allocation failure the fixed out-of-memory answer is used.
 */
static void
rq_prepare_error(struct ctl_http_req *req, unsigned int status, int rc, const char *msg)
{
	size_t len = 0;
	char  *text = hs_error_text(rc, msg, &len);

	if (text == NULL) {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		text = strdup(HS_NOMEM_JSON);
		len = text == NULL ? 0 : strlen(text);
	}
	req->rq_resp_status = status;
	req->rq_resp = text;
	req->rq_resp_len = len;
}

static void
hs_list_del(struct ctl_http_server *srv, struct ctl_http_req *req)
{
	if (req->rq_prev != NULL)
		req->rq_prev->rq_next = req->rq_next;
	else
		srv->hs_head = req->rq_next;
	if (req->rq_next != NULL)
		req->rq_next->rq_prev = req->rq_prev;
	else
		srv->hs_tail = req->rq_prev;
	req->rq_prev = NULL;
	req->rq_next = NULL;
}

/*
 * Resume a connection from a thread that took its request out of SUSPENDED
 * and counted itself in hs_resuming (invariant 4). Drops the count.
 */
static void
hs_resume(struct ctl_http_server *srv, struct ctl_http_req *req)
{
	MHD_resume_connection(req->rq_conn);
	hs_lock(srv);
	assert(srv->hs_resuming > 0);
	srv->hs_resuming--;
	if (srv->hs_resuming == 0)
		pthread_cond_broadcast(&srv->hs_cond);
	hs_unlock(srv);
}

/* Timer thread: answers 504 for requests whose handler is late. */
static void *
hs_timer_main(void *arg)
{
	struct ctl_http_server *srv = arg;
	struct ctl_http_req    *req;
	struct timespec         ts;
	char                    msg[HS_MSG_MAX];
	uint64_t                now;

	hs_lock(srv);
	while (!srv->hs_stopping) {
		req = srv->hs_head;
		if (req == NULL) {
			pthread_cond_wait(&srv->hs_timer_cond, &srv->hs_lock);
			continue;
		}
		now = hs_now_ms();
		if (now < req->rq_deadline_ms) {
			ts.tv_sec = (time_t)(req->rq_deadline_ms / 1000);
			ts.tv_nsec = (long)(req->rq_deadline_ms % 1000) * 1000000;
			pthread_cond_timedwait(&srv->hs_timer_cond, &srv->hs_lock, &ts);
			continue;
		}
		hs_list_del(srv, req);
		req->rq_state = RQ_READY;
		srv->hs_resuming++;
		hs_unlock(srv);

		snprintf(msg, sizeof(msg), "no reply from the handler of '%s' within %u ms",
			 req->rq_method, srv->hs_reply_timeout_ms);
		D_ERROR("control API: %s: %s\n", req->rq_peer, msg);
		rq_prepare_error(req, MHD_HTTP_GATEWAY_TIMEOUT, -DER_TIMEDOUT, msg);
		hs_resume(srv, req);
		hs_lock(srv);
	}
	hs_unlock(srv);
	return NULL;
}

/* Authenticate the TLS peer: certificate present, chain to our CA, clientAuth; CN out. */
static int
hs_verify_peer(struct MHD_Connection *conn, char *cn, size_t cnlen, char *msg, size_t msglen)
{
	const union MHD_ConnectionInfo *ci;
	gnutls_session_t                session;
	const gnutls_datum_t           *peers;
	unsigned int                    npeers = 0;
	unsigned int                    status = 0;
	gnutls_typed_vdata_st           vd;
	gnutls_x509_crt_t               crt;
	gnutls_datum_t                  text = {NULL, 0};
	const char                     *reason;
	size_t                          len;
	size_t                          i;
	int                             grc;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL) {
		snprintf(msg, msglen, "client certificate rejected: no TLS session");
		return -DER_BAD_CERT;
	}
	session = (gnutls_session_t)ci->tls_session;
	peers = gnutls_certificate_get_peers(session, &npeers);
	if (peers == NULL || npeers == 0) {
		snprintf(msg, msglen, "client certificate rejected: no certificate presented");
		return -DER_NO_CERT;
	}
	memset(&vd, 0, sizeof(vd));
	vd.type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT;
	grc = gnutls_certificate_verify_peers(session, &vd, 1, &status);
	if (grc < 0) {
		snprintf(msg, msglen, "client certificate rejected: %s", gnutls_strerror(grc));
		return -DER_BAD_CERT;
	}
	if (status != 0) {
		if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
			reason = "not signed by a trusted CA";
		else if (status & GNUTLS_CERT_EXPIRED)
			reason = "expired";
		else if (status & GNUTLS_CERT_NOT_ACTIVATED)
			reason = "not yet valid";
		else if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
			reason = "not for client authentication (no clientAuth extended key usage)";
		else if (status & GNUTLS_CERT_REVOKED)
			reason = "revoked";
		else
			reason = NULL;
		if (reason == NULL && gnutls_certificate_verification_status_print(
					  status, GNUTLS_CRT_X509, &text, 0) >= 0 &&
		    text.data != NULL) {
			snprintf(msg, msglen, "client certificate rejected: %s", (char *)text.data);
			gnutls_free(text.data);
		} else {
			snprintf(msg, msglen, "client certificate rejected: %s",
				 reason != NULL ? reason : "invalid");
		}
		return -DER_BAD_CERT;
	}

	if (gnutls_x509_crt_init(&crt) < 0) {
		snprintf(msg, msglen, "out of memory");
		return -DER_NOMEM;
	}
	len = cnlen;
	grc = gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER);
	if (grc >= 0)
		grc = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn,
						    &len);
	gnutls_x509_crt_deinit(crt);
	if (grc < 0 || len == 0 || len >= cnlen || strlen(cn) != len) {
		snprintf(msg, msglen, "client certificate rejected: %s",
			 grc == GNUTLS_E_SHORT_MEMORY_BUFFER ? "common name too long"
							      : "no common name");
		return -DER_BAD_CERT;
	}
	for (i = 0; i < len; i++) {
		if (cn[i] < 0x20 || cn[i] >= 0x7f) {
			snprintf(msg, msglen,
				 "client certificate rejected: common name is not printable ASCII");
			return -DER_BAD_CERT;
		}
	}
	return 0;
}

static void
hs_peer_name(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr          *sa;
	char                            ip[INET6_ADDRSTRLEN];

	snprintf(buf, len, "?");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip)) != NULL)
			snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip)) != NULL)
			snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	}
}

/* Content-Type is application/json, optionally with parameters. */
static bool
hs_is_json_type(const char *type)
{
	size_t n = strlen("application/json");

	if (type == NULL || strncasecmp(type, "application/json", n) != 0)
		return false;
	return type[n] == '\0' || type[n] == ';' || type[n] == ' ' || type[n] == '\t';
}

/* First call: authenticate, then check what can be checked before the body. */
static enum MHD_Result
hs_first_call(struct ctl_http_server *srv, struct MHD_Connection *conn, const char *url,
	      const char *http_method, void **con_cls)
{
	struct ctl_http_req *req;
	char                 msg[HS_MSG_MAX];
	char                 q[HS_QUOTE_MAX + 4];
	const char          *name;
	const char          *type;
	const char          *clen;
	unsigned long long   len;
	unsigned int         allowed;
	bool                 stopping;
	char                *end;
	int                  rc;

	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return MHD_NO;
	atomic_init(&req->rq_refs, 1);
	atomic_init(&req->rq_replied, false);
	req->rq_srv = srv;
	hs_get(srv);
	req->rq_conn = conn;
	req->rq_state = RQ_READING;
	*con_cls = req;
	hs_peer_name(conn, req->rq_peer, sizeof(req->rq_peer));

	if (srv->hs_insecure) {
		snprintf(req->rq_identity, sizeof(req->rq_identity), "%s",
			 CTL_HTTP_IDENTITY_INSECURE);
	} else {
		rc = hs_verify_peer(conn, req->rq_identity, sizeof(req->rq_identity), msg,
				    sizeof(msg));
		if (rc == -DER_NOMEM)
			return hs_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, rc, NULL, "%s",
					       msg);
		if (rc != 0)
			return hs_answer_error(req, MHD_HTTP_FORBIDDEN, rc, NULL, "%s", msg);
	}

	hs_lock(srv);
	stopping = srv->hs_stopping;
	hs_unlock(srv);
	if (stopping)
		return hs_answer_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, -DER_SHUTDOWN, NULL,
				       "server is shutting down");

	if (url == NULL || strncmp(url, "/v1/", 4) != 0 || !ctl_http_method_valid(url + 4))
		return hs_answer_error(req, MHD_HTTP_NOT_FOUND, -DER_NONEXIST, NULL,
				       "unknown path '%s' (expected /v1/<method>)",
				       url == NULL ? "" : d_errbuf_quote(q, url, strlen(url),
									 HS_QUOTE_MAX));
	name = url + 4;
	allowed = srv->hs_method_fn != NULL ? srv->hs_method_fn(name, srv->hs_method_arg)
					    : CTL_HTTP_ALLOW_POST;
	if ((allowed & (CTL_HTTP_ALLOW_POST | CTL_HTTP_ALLOW_GET)) == 0)
		return hs_answer_error(req, MHD_HTTP_NOT_FOUND, -DER_NONEXIST, NULL,
				       "unknown method '%s'", name);
	snprintf(req->rq_method, sizeof(req->rq_method), "%s", name);

	if (strcmp(http_method, MHD_HTTP_METHOD_GET) == 0 && (allowed & CTL_HTTP_ALLOW_GET)) {
		req->rq_is_get = true;
		return MHD_YES;
	}
	if (strcmp(http_method, MHD_HTTP_METHOD_POST) != 0 || !(allowed & CTL_HTTP_ALLOW_POST))
		return hs_answer_error(req, MHD_HTTP_METHOD_NOT_ALLOWED, -DER_INVAL,
				       (allowed & CTL_HTTP_ALLOW_POST) == 0 ? "GET"
				       : (allowed & CTL_HTTP_ALLOW_GET)     ? "GET, POST"
									    : "POST",
				       "HTTP method %s not allowed for /v1/%s (use %s)",
				       d_errbuf_quote(q, http_method, strlen(http_method),
						      HS_QUOTE_MAX),
				       name, (allowed & CTL_HTTP_ALLOW_POST) ? "POST" : "GET");

	type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!hs_is_json_type(type))
		return hs_answer_error(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, -DER_INVAL, NULL,
				       "Content-Type must be application/json, got '%s'",
				       type == NULL ? ""
						    : d_errbuf_quote(q, type, strlen(type),
								     HS_QUOTE_MAX));
	clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen == NULL || clen[0] < '0' || clen[0] > '9')
		return hs_answer_error(req, MHD_HTTP_LENGTH_REQUIRED, -DER_INVAL, NULL,
				       "Content-Length required");
	errno = 0;
	len = strtoull(clen, &end, 10);
	if (errno != 0 || *end != '\0' || len > srv->hs_body_max)
		return hs_answer_error(req, MHD_HTTP_CONTENT_TOO_LARGE, -DER_OVERFLOW, NULL,
				       "request body of %s bytes exceeds the limit of %u bytes",
				       d_errbuf_quote(q, clen, strlen(clen), HS_QUOTE_MAX),
				       srv->hs_body_max);
	if (len > 0) {
		req->rq_buf = malloc((size_t)len);
		if (req->rq_buf == NULL)
			return hs_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, -DER_NOMEM,
					       NULL, "out of memory");
		req->rq_cap = (size_t)len;
	}
	return MHD_YES;
}

/* End of body: parse, suspend, publish, hand to the handler. */
static enum MHD_Result
hs_dispatch(struct ctl_http_server *srv, struct ctl_http_req *req)
{
	json_error_t jerr;
	json_t      *body;

	if (req->rq_is_get) {
		body = json_object();
		if (body == NULL)
			return hs_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, -DER_NOMEM,
					       NULL, "out of memory");
	} else {
		body = json_loadb(req->rq_buf != NULL ? req->rq_buf : "", req->rq_len,
				  JSON_REJECT_DUPLICATES, &jerr);
		free(req->rq_buf);
		req->rq_buf = NULL;
		if (body == NULL)
			return hs_answer_error(req, MHD_HTTP_BAD_REQUEST, -DER_INVAL, NULL,
					       "invalid JSON body: %s (line %d, column %d)",
					       jerr.text, jerr.line, jerr.column);
		if (!json_is_object(body)) {
			enum MHD_Result ret;

			ret = hs_answer_error(req, MHD_HTTP_BAD_REQUEST, -DER_INVAL, NULL,
					      "JSON body must be an object, got %s",
					      d_json_type_name(body));
			json_decref(body);
			return ret;
		}
	}
	req->rq_body = body;

	/* Invariant 2: suspend first, then publish. */
	MHD_suspend_connection(req->rq_conn);
	hs_lock(srv);
	if (srv->hs_stopping) {
		/* Not published: only this worker knows the request; resuming from the
		 * worker itself needs no hs_resuming count (stop joins this thread). */
		req->rq_state = RQ_READY;
		hs_unlock(srv);
		rq_prepare_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, -DER_SHUTDOWN,
				 "server is shutting down");
		MHD_resume_connection(req->rq_conn);
		return MHD_YES;
	}
	req->rq_state = RQ_SUSPENDED;
	req->rq_deadline_ms = hs_now_ms() + srv->hs_reply_timeout_ms;
	req->rq_prev = srv->hs_tail;
	req->rq_next = NULL;
	if (srv->hs_tail != NULL)
		srv->hs_tail->rq_next = req;
	else
		srv->hs_head = req;
	srv->hs_tail = req;
	if (srv->hs_head == req)
		pthread_cond_signal(&srv->hs_timer_cond);
	req->rq_pending = true;
	srv->hs_pending++;
	atomic_fetch_add(&req->rq_refs, 1); /* the handler's reference */
	hs_unlock(srv);

	D_DEBUG("control API: %s (%s) calls %s\n", req->rq_peer, req->rq_identity,
		req->rq_method);
	srv->hs_handler(req, srv->hs_arg);
	return MHD_YES;
}

static enum MHD_Result
hs_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ctl_http_server *srv = cls;
	struct ctl_http_req    *req = *con_cls;
	enum hs_rq_state        state;
	enum MHD_Result         ret;

	(void)version;
	if (req == NULL)
		return hs_first_call(srv, conn, url, method, con_cls);

	if (req->rq_state == RQ_READING) {
		size_t n = *upload_data_size;

		if (n == 0)
			return hs_dispatch(srv, req);
		if (!req->rq_is_get) {
			/* MHD delivers at most Content-Length bytes; never trust it blindly. */
			if (n > req->rq_cap - req->rq_len) {
				D_ERROR("control API: %s: body longer than its Content-Length\n",
					req->rq_peer);
				return MHD_NO;
			}
			memcpy(req->rq_buf + req->rq_len, upload_data, n);
			req->rq_len += n;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	hs_lock(srv);
	state = req->rq_state;
	if (state == RQ_READY)
		req->rq_state = RQ_ANSWERED;
	hs_unlock(srv);
	if (state != RQ_READY) {
		/* An answer is already queued: drop whatever else arrives. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->rq_resp == NULL)
		return hs_queue(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, HS_NOMEM_JSON,
				strlen(HS_NOMEM_JSON), NULL);
	ret = hs_queue(conn, req->rq_resp_status, req->rq_resp, req->rq_resp_len, NULL);
	free(req->rq_resp);
	req->rq_resp = NULL;
	return ret;
}

/* MHD is done with a request: drop its reference. */
static void
hs_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct ctl_http_server *srv = cls;
	struct ctl_http_req    *req = *con_cls;

	(void)conn;
	if (req == NULL)
		return;
	*con_cls = NULL;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		D_DEBUG("control API: %s: request ended early (%d)\n", req->rq_peer, (int)toe);
	hs_lock(srv);
	/* Suspended connections do not complete (MHD), so it is not in the list. */
	assert(req->rq_state != RQ_SUSPENDED);
	if (req->rq_pending) {
		req->rq_pending = false;
		srv->hs_pending--;
		if (srv->hs_pending == 0)
			pthread_cond_broadcast(&srv->hs_cond);
	}
	hs_unlock(srv);
	rq_put(req);
}

static void
hs_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct ctl_http_server *srv = cls;
	char                    line[512];
	size_t                  n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	D_WARN("libmicrohttpd: %s\n", line);
	hs_lock(srv);
	if (srv->hs_capturing && srv->hs_capture[0] == '\0')
		hs_sanitize(srv->hs_capture, sizeof(srv->hs_capture), line);
	hs_unlock(srv);
}

/* Check a configuration value; 0 means the default. */
static int
hs_cfg_u32(const char *name, uint32_t val, uint32_t def, uint32_t min, uint32_t max,
	   uint32_t *out, char *errbuf, size_t errlen)
{
	if (val == 0)
		val = def;
	if (val < min || val > max) {
		d_errbuf_printf(errbuf, errlen, "%s %u is out of range [%u, %u]", name, val, min,
				max);
		return -DER_INVAL;
	}
	*out = val;
	return 0;
}

static int
hs_listen(const char *addr, uint16_t port, int *fd_out, uint16_t *port_out, char *errbuf,
	  size_t errlen)
{
	struct sockaddr_in sin;
	socklen_t          slen = sizeof(sin);
	int                one = 1;
	int                fd;
	int                err;
	int                rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		char q[HS_QUOTE_MAX + 4];

		d_errbuf_printf(errbuf, errlen, "bind address '%s' is not a numeric IPv4 address",
				d_errbuf_quote(q, addr, strlen(addr), HS_QUOTE_MAX));
		return -DER_INVAL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, CTL_HTTP_LISTEN_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0) {
		err = errno;
		close(fd);
		goto fail;
	}
	*fd_out = fd;
	*port_out = ntohs(sin.sin_port);
	return 0;
fail:
	d_errbuf_printf(errbuf, errlen, "cannot listen on %s:%u: %s", addr, port, strerror(err));
	switch (err) {
	case EADDRINUSE:
		rc = -DER_BUSY;
		break;
	case EACCES:
	case EPERM:
		rc = -DER_NO_PERM;
		break;
	case EADDRNOTAVAIL:
		rc = -DER_INVAL;
		break;
	case ENOMEM:
	case ENOBUFS:
		rc = -DER_NOMEM;
		break;
	default:
		rc = -DER_MISC;
	}
	return rc;
}

int
ctl_http_server_start(const struct ctl_http_cfg *cfg, ctl_http_handler_fn handler, void *arg,
		      struct ctl_http_server **out, char *errbuf, size_t errlen)
{
	struct ctl_http_server *srv = NULL;
	struct MHD_OptionItem   tls_opts[5];
	pthread_condattr_t      cattr;
	const char             *addr;
	uint32_t                threads;
	uint32_t                body_max;
	uint32_t                conn_max;
	uint32_t                conn_timeout_s;
	uint32_t                reply_timeout_ms;
	unsigned int            flags;
	int                     n = 0;
	int                     rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (cfg == NULL || handler == NULL || out == NULL) {
		d_errbuf_printf(errbuf, errlen, "missing configuration, handler or output");
		return -DER_INVAL;
	}
	addr = cfg->hc_bind_addr != NULL ? cfg->hc_bind_addr : "0.0.0.0";
	rc = hs_cfg_u32("thread count", cfg->hc_threads, CTL_HTTP_THREADS_DEFAULT, 1,
			CTL_HTTP_THREADS_MAX, &threads, errbuf, errlen);
	if (rc == 0)
		rc = hs_cfg_u32("body limit", cfg->hc_body_max, CTL_HTTP_BODY_MAX_DEFAULT,
				CTL_HTTP_BODY_MAX_MIN, CTL_HTTP_BODY_MAX_LIMIT, &body_max, errbuf,
				errlen);
	if (rc == 0)
		rc = hs_cfg_u32("connection limit", cfg->hc_conn_max, CTL_HTTP_CONN_MAX_DEFAULT,
				threads, CTL_HTTP_CONN_MAX_LIMIT, &conn_max, errbuf, errlen);
	if (rc == 0)
		rc = hs_cfg_u32("connection timeout", cfg->hc_conn_timeout_s,
				CTL_HTTP_CONN_TIMEOUT_S_DEFAULT, 1, CTL_HTTP_CONN_TIMEOUT_S_MAX,
				&conn_timeout_s, errbuf, errlen);
	if (rc == 0)
		rc = hs_cfg_u32("reply timeout", cfg->hc_reply_timeout_ms,
				CTL_HTTP_REPLY_TIMEOUT_MS_DEFAULT, 1,
				CTL_HTTP_REPLY_TIMEOUT_MS_MAX, &reply_timeout_ms, errbuf, errlen);
	if (rc != 0)
		return rc;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		goto nomem;
	atomic_init(&srv->hs_refs, 1);
	srv->hs_listen_fd = -1;
	srv->hs_insecure = cfg->hc_insecure;
	srv->hs_body_max = body_max;
	srv->hs_reply_timeout_ms = reply_timeout_ms;
	srv->hs_handler = handler;
	srv->hs_arg = arg;
	srv->hs_method_fn = cfg->hc_method_fn;
	srv->hs_method_arg = cfg->hc_method_arg;
	if (pthread_mutex_init(&srv->hs_lock, NULL) != 0) {
		free(srv);
		goto nomem;
	}
	if (pthread_condattr_init(&cattr) != 0) {
		pthread_mutex_destroy(&srv->hs_lock);
		free(srv);
		goto nomem;
	}
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&srv->hs_cond, &cattr) != 0) {
		pthread_condattr_destroy(&cattr);
		pthread_mutex_destroy(&srv->hs_lock);
		free(srv);
		goto nomem;
	}
	if (pthread_cond_init(&srv->hs_timer_cond, &cattr) != 0) {
		pthread_condattr_destroy(&cattr);
		pthread_cond_destroy(&srv->hs_cond);
		pthread_mutex_destroy(&srv->hs_lock);
		free(srv);
		goto nomem;
	}
	pthread_condattr_destroy(&cattr);
	/* From here on, hs_put() releases everything above. */

	if (!cfg->hc_insecure) {
		rc = ctl_http_pem_load(cfg->hc_ca_cert, cfg->hc_cert, cfg->hc_key, true,
				       &srv->hs_pem, errbuf, errlen);
		if (rc != 0)
			goto out;
		tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
							srv->hs_pem.hp_key};
		tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
							srv->hs_pem.hp_cert};
		tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
							srv->hs_pem.hp_ca};
		tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
							(void *)HS_TLS_PRIORITIES};
	}
	tls_opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

	rc = hs_listen(addr, cfg->hc_port, &srv->hs_listen_fd, &srv->hs_port, errbuf, errlen);
	if (rc != 0)
		goto out;

	if (pthread_create(&srv->hs_timer, NULL, hs_timer_main, srv) != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot start the timer thread");
		rc = -DER_NOMEM;
		goto out;
	}
	srv->hs_timer_started = true;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG;
	if (!cfg->hc_insecure)
		flags |= MHD_USE_TLS;
	srv->hs_capturing = true;
	srv->hs_mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, hs_access, srv, MHD_OPTION_EXTERNAL_LOGGER, hs_mhd_log, srv,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)srv->hs_listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned int)threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)conn_max,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)conn_timeout_s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CTL_HTTP_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, hs_completed, srv, MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_END);
	/* MHD owns the listen socket from here on, even when it fails to start: it
	 * closes it in MHD_stop_daemon() and on its own start failures (checked with
	 * 0.9.75); closing it again could close a descriptor another thread reused. */
	srv->hs_listen_fd = -1;
	hs_lock(srv);
	srv->hs_capturing = false;
	hs_unlock(srv);
	if (srv->hs_mhd == NULL) {
		d_errbuf_printf(errbuf, errlen, "cannot start the HTTP server on %s:%u: %s", addr,
				srv->hs_port,
				srv->hs_capture[0] != '\0' ? srv->hs_capture
							   : "libmicrohttpd failed");
		rc = -DER_MISC;
		goto out;
	}
	D_INFO("control API listening on %s:%u (%s, %u threads)\n", addr, srv->hs_port,
	       cfg->hc_insecure ? "insecure" : "TLS", threads);
	*out = srv;
	return 0;
nomem:
	d_errbuf_printf(errbuf, errlen, "out of memory");
	return -DER_NOMEM;
out:
	if (srv->hs_timer_started) {
		hs_lock(srv);
		srv->hs_stopping = true;
		pthread_cond_signal(&srv->hs_timer_cond);
		hs_unlock(srv);
		pthread_join(srv->hs_timer, NULL);
	}
	if (srv->hs_listen_fd >= 0)
		close(srv->hs_listen_fd);
	ctl_http_pem_free(&srv->hs_pem);
	hs_put(srv);
	return rc;
}

uint16_t
ctl_http_server_port(const struct ctl_http_server *srv)
{
	return srv == NULL ? 0 : srv->hs_port;
}

void
ctl_http_server_stop(struct ctl_http_server *srv)
{
	struct ctl_http_req *list;
	struct ctl_http_req *req;
	struct timespec      ts;
	uint64_t             deadline;
	int                  rc = 0;

	if (srv == NULL)
		return;

	/* Take every waiting request out of SUSPENDED (invariant 3). */
	hs_lock(srv);
	srv->hs_stopping = true;
	pthread_cond_signal(&srv->hs_timer_cond);
	list = srv->hs_head;
	for (req = list; req != NULL; req = req->rq_next) {
		req->rq_state = RQ_READY;
		srv->hs_resuming++;
	}
	srv->hs_head = NULL;
	srv->hs_tail = NULL;
	hs_unlock(srv);

	while (list != NULL) {
		req = list;
		list = req->rq_next;
		req->rq_prev = NULL;
		req->rq_next = NULL;
		rq_prepare_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, -DER_SHUTDOWN,
				 "server is shutting down");
		hs_resume(srv, req);
	}
	pthread_join(srv->hs_timer, NULL);

	/* Invariant 4: no resume in progress when MHD stops; then give the 503 answers a
	 * moment to reach their callers. */
	deadline = hs_now_ms() + CTL_HTTP_STOP_DRAIN_MS;
	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	hs_lock(srv);
	while (srv->hs_resuming > 0)
		pthread_cond_wait(&srv->hs_cond, &srv->hs_lock);
	while (srv->hs_pending > 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&srv->hs_cond, &srv->hs_lock, &ts);
	if (srv->hs_pending > 0)
		D_WARN("control API: closing %u connections before their answer was sent\n",
		       srv->hs_pending);
	hs_unlock(srv);

	MHD_stop_daemon(srv->hs_mhd);
	srv->hs_mhd = NULL;
	ctl_http_pem_free(&srv->hs_pem);
	D_INFO("control API on port %u stopped\n", srv->hs_port);
	hs_put(srv);
}

const char *
ctl_http_req_method(const struct ctl_http_req *req)
{
	return req->rq_method;
}

json_t *
ctl_http_req_body(const struct ctl_http_req *req)
{
	return req->rq_body;
}

const char *
ctl_http_req_identity(const struct ctl_http_req *req)
{
	return req->rq_identity;
}

const char *
ctl_http_req_peer(const struct ctl_http_req *req)
{
	return req->rq_peer;
}

bool
ctl_http_req_is_get(const struct ctl_http_req *req)
{
	return req->rq_is_get;
}

void
ctl_http_reply(struct ctl_http_req *req, int http_status, json_t *body)
{
	struct ctl_http_server *srv = req->rq_srv;
	char                    msg[HS_MSG_MAX];
	char                   *text = NULL;
	bool                    mine = false;

	/* A second reply is a caller bug; catch it while the request still lives. */
	if (atomic_exchange(&req->rq_replied, true)) {
		D_ERROR("control API: second reply to %s ignored\n", req->rq_method);
		json_decref(body);
		return;
	}

	hs_lock(srv);
	if (req->rq_state == RQ_SUSPENDED) {
		hs_list_del(srv, req);
		req->rq_state = RQ_READY;
		srv->hs_resuming++;
		mine = true;
	}
	hs_unlock(srv);

	/* The body was ours to give until now (see ctl_http_req_body()). */
	json_decref(req->rq_body);
	req->rq_body = NULL;

	if (!mine) {
		D_WARN("control API: late reply to %s from %s dropped\n", req->rq_method,
		       req->rq_peer);
		json_decref(body);
		rq_put(req);
		return;
	}

	if (http_status < 200 || http_status > 599) {
		snprintf(msg, sizeof(msg),
			 "internal error: the handler of '%s' replied with HTTP status %d",
			 req->rq_method, http_status);
		goto error;
	}
	if (body != NULL && !json_is_object(body)) {
		snprintf(msg, sizeof(msg),
			 "internal error: the handler of '%s' replied with a JSON %s, not an "
			 "object",
			 req->rq_method, d_json_type_name(body));
		goto error;
	}
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : strdup("{}");
	if (text == NULL) {
		snprintf(msg, sizeof(msg), "out of memory");
		goto error;
	}
	req->rq_resp_status = (unsigned int)http_status;
	req->rq_resp = text;
	req->rq_resp_len = strlen(text);
	goto resume;
error:
	D_ERROR("control API: %s\n", msg);
	rq_prepare_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, -DER_MISC, msg);
resume:
	json_decref(body);
	hs_resume(srv, req);
	rq_put(req);
}

void
ctl_http_reply_error(struct ctl_http_req *req, int http_status, int rc, const char *fmt, ...)
{
	char    msg[HS_MSG_MAX];
	char    clean[HS_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hs_sanitize(clean, sizeof(clean), msg);
	/* A NULL object (out of memory) becomes {} with the status: still an error. */
	ctl_http_reply(req, http_status, json_pack("{s:i, s:s}", "status", rc, "error", clean));
}
