/*
 * ctl_http.h: the control API transport, HTTPS + JSON with mutual TLS.
 *
 * dmg, daos_agent and other daos_servers call a daos_server on its control
 * port. A call is `POST /v1/<method>` with a JSON object as body
 * (Content-Type: application/json); the reply is a JSON object. Every error
 * reply, from the transport or from a handler, is
 *   {"status": <negative DER code>, "error": "<one-line message>"}
 * with an HTTP status in 4xx/5xx; a success reply (2xx) is whatever object
 * the handler returns.
 *
 * Security: with TLS (the default) the server presents its certificate and
 * requires a client certificate signed by the configured CA with the TLS WWW
 * client key purpose (clientAuth); the certificate's common name ("admin",
 * "agent", "server") is the caller's identity, which handlers use for
 * authorisation. libmicrohttpd only *requests* the client certificate, so
 * it is verified on every request before its body is read; a request
 * without a valid one gets HTTP 403 and a reason. With `insecure` (config
 * allow_insecure: true) it is plain HTTP, no certificates, and every caller's
 * identity is CTL_HTTP_IDENTITY_INSECURE.
 *
 * Transport errors (status, HTTP code, message); <m> is the method name and
 * quoted input is cut to 64 bytes with non-printable bytes shown as '?':
 *   -DER_NO_CERT  403  client certificate rejected: no certificate presented
 *   -DER_BAD_CERT 403  client certificate rejected: <reason>, where reason is
 *                      "not signed by a trusted CA", "expired", "not yet
 *                      valid", "not for client authentication (no clientAuth
 *                      extended key usage)", "no common name" or GnuTLS's
 *                      description of the verification status
 *   -DER_NONEXIST 404  unknown path '<path>' (expected /v1/<method>)
 *   -DER_NONEXIST 404  unknown method '<m>'
 *   -DER_INVAL    405  HTTP method <M> not allowed for /v1/<m> (use POST)
 *                      ("use GET" for GET-only methods), with an Allow header:
 *                      POST, GET or "GET, POST"
 *   -DER_INVAL    411  Content-Length required
 *   -DER_OVERFLOW 413  request body of <n> bytes exceeds the limit of <max> bytes
 *   -DER_INVAL    415  Content-Type must be application/json, got '<type>'
 *   -DER_INVAL    400  invalid JSON body: <jansson text> (line L, column C)
 *   -DER_INVAL    400  JSON body must be an object, got <type>
 *   -DER_TIMEDOUT 504  no reply from the handler of '<m>' within <n> ms
 *   -DER_SHUTDOWN 503  server is shutting down
 *   -DER_MISC     500  internal error: the handler of '<m>' replied with HTTP status <n>
 *   -DER_MISC     500  internal error: the handler of '<m>' replied with a JSON <type>,
 *                      not an object
 *   -DER_NOMEM    500  out of memory
 * Malformed HTTP (bad request line, headers over CTL_HTTP_CONN_MEMORY) is
 * answered by libmicrohttpd itself with an HTML error page, or the
 * connection is closed.
 *
 * Threads: the server runs libmicrohttpd's own threads; handlers are called
 * on them and must return promptly (hand the request to the control plane's
 * loop). The reply may come from any thread. A client is used by one thread
 * at a time.
 */
#ifndef CONTROL_CTL_HTTP_H
#define CONTROL_CTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Limits */

/** Default largest request body (4 MiB): the biggest control request (a pool create with
 *  per-rank sizes and an ACL for thousands of ranks) is far below this. */
#define CTL_HTTP_BODY_MAX_DEFAULT        (4u << 20)
/** Largest configurable request body (64 MiB): bodies are held in memory until parsed. */
#define CTL_HTTP_BODY_MAX_LIMIT          (64u << 20)
/** Smallest configurable request body: room for any small request and an error. */
#define CTL_HTTP_BODY_MAX_MIN            1024u
/** Largest reply the client accepts (64 MiB): a system-wide storage scan of a large
 *  cluster fits; anything bigger is a broken or hostile server. */
#define CTL_HTTP_REPLY_MAX               (64u << 20)
/** Default libmicrohttpd worker threads: requests are handed off at once, so two keep
 *  TLS handshakes from delaying each other without taking many cores. */
#define CTL_HTTP_THREADS_DEFAULT         2u
/** Most worker threads accepted: more cannot help a hand-off server. */
#define CTL_HTTP_THREADS_MAX             64u
/** Default limit of concurrent connections: dmg, agents and peer servers of a large system
 *  with room, yet below the usual soft limit of 1024 open files so that the server keeps
 *  descriptors for its own work; each costs a socket and CTL_HTTP_CONN_MEMORY bytes. */
#define CTL_HTTP_CONN_MAX_DEFAULT        512u
/** Largest connection limit accepted (file descriptors are the real bound). */
#define CTL_HTTP_CONN_MAX_LIMIT          65536u
/** Default idle timeout of a connection (s): drops slow or idle clients (slowloris) while
 *  keeping keep-alive connections of an interactive dmg session. */
#define CTL_HTTP_CONN_TIMEOUT_S_DEFAULT  30u
/** Largest idle timeout accepted (s). */
#define CTL_HTTP_CONN_TIMEOUT_S_MAX      3600u
/** Memory per connection for the request line and headers (bytes): bounds hostile headers;
 *  libmicrohttpd answers larger ones with an error. */
#define CTL_HTTP_CONN_MEMORY             (64u << 10)
/** Default time a handler has to reply (ms): a pool create on a big system takes tens of
 *  seconds; beyond two minutes the caller is better told it timed out. */
#define CTL_HTTP_REPLY_TIMEOUT_MS_DEFAULT 120000u
/** Largest handler reply timeout accepted (ms): one hour. */
#define CTL_HTTP_REPLY_TIMEOUT_MS_MAX    3600000u
/** Longest method name; methods are identifiers such as "pool_create". */
#define CTL_HTTP_METHOD_MAX              64u
/** Longest identity (certificate common name): the X.520 upper bound of a CN. */
#define CTL_HTTP_IDENTITY_MAX            64u
/** Largest PEM file read (CA bundle, certificate, key): far above any real bundle, and
 *  bounds what a misconfigured path (a log file, a device) can make us read. */
#define CTL_HTTP_PEM_MAX                 (1u << 20)
/** Longest "host:port" given to ctl_http_call (a DNS name is at most 253 bytes). */
#define CTL_HTTP_HOSTPORT_MAX            272u
/** Listen backlog: bursts of agents reconnecting after a restart. */
#define CTL_HTTP_LISTEN_BACKLOG          128
/** Default client timeout for a whole call (ms): longer than the server's handler timeout,
 *  so that a slow handler is reported by the server (504) rather than by the client. */
#define CTL_HTTP_CLIENT_TIMEOUT_MS_DEFAULT (CTL_HTTP_REPLY_TIMEOUT_MS_DEFAULT + 10000u)
/** Default client connect timeout, TLS handshake included (ms). */
#define CTL_HTTP_CONNECT_TIMEOUT_MS_DEFAULT 5000u
/** Largest client timeout accepted (ms): one hour. */
#define CTL_HTTP_CLIENT_TIMEOUT_MS_MAX   3600000u
/** How long ctl_http_server_stop() waits for the 503 answers of the calls in flight to
 *  be sent before closing their connections (ms). */
#define CTL_HTTP_STOP_DRAIN_MS           1000u
/** Suggested errbuf size for the functions below: holds every message in full. */
#define CTL_HTTP_ERRBUF_SIZE             512u

/** Identity of every caller of an insecure server. */
#define CTL_HTTP_IDENTITY_INSECURE       "insecure"

/** What a method accepts (bits returned by the method lookup hook). */
#define CTL_HTTP_ALLOW_POST              (1u << 0)
#define CTL_HTTP_ALLOW_GET               (1u << 1)

/** One request; opaque. Valid from the handler call until ctl_http_reply(). */
struct ctl_http_req;
struct ctl_http_server;
struct ctl_http_client;

/**
 * The request handler. Called on a libmicrohttpd thread once the body is
 * parsed; must return promptly and must not block on the control plane's
 * loop. It must call ctl_http_reply() exactly once for \a req, from any
 * thread, before or after returning. If no reply comes within the reply
 * timeout the caller gets 504 and the late reply is dropped (still call it:
 * it releases \a req).
 */
typedef void (*ctl_http_handler_fn)(struct ctl_http_req *req, void *arg);

/**
 * Method lookup hook: which HTTP methods \a method (already checked to be
 * 1..CTL_HTTP_METHOD_MAX bytes of [A-Za-z0-9_.-]) accepts, as
 * CTL_HTTP_ALLOW_* bits; 0 means unknown (404, body not read). Called on
 * libmicrohttpd threads, so it must be thread-safe and fast (a table lookup).
 */
typedef unsigned int (*ctl_http_method_fn)(const char *method, void *arg);

/** Server configuration. Zero values mean the defaults named above. */
struct ctl_http_cfg {
	const char        *hc_bind_addr;   /**< numeric IPv4; NULL: "0.0.0.0" */
	uint16_t           hc_port;        /**< 0: any free port (see ctl_http_server_port()) */
	bool               hc_insecure;    /**< plain HTTP, no certificates */
	const char        *hc_ca_cert;     /**< PEM file: CA that signs client certificates */
	const char        *hc_cert;        /**< PEM file: server certificate (chain) */
	const char        *hc_key;         /**< PEM file: its private key (not encrypted) */
	uint32_t           hc_threads;     /**< 1..CTL_HTTP_THREADS_MAX */
	uint32_t           hc_body_max;    /**< CTL_HTTP_BODY_MAX_MIN..CTL_HTTP_BODY_MAX_LIMIT */
	uint32_t           hc_conn_max;    /**< hc_threads..CTL_HTTP_CONN_MAX_LIMIT */
	uint32_t           hc_conn_timeout_s;   /**< 1..CTL_HTTP_CONN_TIMEOUT_S_MAX */
	uint32_t           hc_reply_timeout_ms; /**< 1..CTL_HTTP_REPLY_TIMEOUT_MS_MAX */
	ctl_http_method_fn hc_method_fn;   /**< NULL: every well-formed method, POST only */
	void              *hc_method_arg;
};

/**
 * Start a server: read and check the TLS files (unless insecure), listen on
 * the address, start the worker threads.
 * \param cfg     configuration (copied; the strings need not outlive the call)
 * \param handler called for every well-formed, authorised request
 * \param arg     passed to \a handler
 * \param out     the server on success; untouched on error
 * \return 0; -DER_INVAL (bad configuration value, or handler/out NULL),
 *         -DER_NO_CERT / -DER_BAD_CERT (see ctl_http_pem_load()),
 *         -DER_BUSY (address in use), -DER_NO_PERM (port needs privilege),
 *         -DER_MISC (other socket or libmicrohttpd failure), -DER_NOMEM;
 *         the reason in errbuf (may be NULL), e.g.
 *         "cannot listen on 127.0.0.1:10001: Address already in use".
 */
int ctl_http_server_start(const struct ctl_http_cfg *cfg, ctl_http_handler_fn handler,
			  void *arg, struct ctl_http_server **out, char *errbuf,
			  size_t errlen);

/** The port the server listens on (the chosen one when cfg.hc_port was 0). */
uint16_t ctl_http_server_port(const struct ctl_http_server *srv);

/**
 * Stop the server: calls waiting for a handler's reply are answered 503
 * (-DER_SHUTDOWN), connections are closed, threads joined. Handlers may still
 * hold requests: their later ctl_http_reply() is dropped safely, and the
 * memory is released by the last of them. NULL is a no-op. Must not be called
 * from a handler (it joins the threads handlers run on).
 */
void ctl_http_server_stop(struct ctl_http_server *srv);

/** Method name of the request ("pool_create"). */
const char *ctl_http_req_method(const struct ctl_http_req *req);

/** Parsed body: a JSON object (empty for GET), borrowed: valid until ctl_http_reply();
 *  json_incref() it to keep it longer. */
json_t *ctl_http_req_body(const struct ctl_http_req *req);

/** Caller identity: the client certificate's CN, or CTL_HTTP_IDENTITY_INSECURE. */
const char *ctl_http_req_identity(const struct ctl_http_req *req);

/** Caller address "a.b.c.d:port", for logs. */
const char *ctl_http_req_peer(const struct ctl_http_req *req);

/** Whether the request came as GET (only for methods whose hook allows it). */
bool ctl_http_req_is_get(const struct ctl_http_req *req);

/**
 * Answer a request, exactly once, from any thread. After this \a req must
 * not be used again.
 * \param http_status 200..599; anything else is answered 500 (and logged)
 * \param body        stolen reference to the reply object; NULL means {}.
 *                    Error replies should be {"status": <-DER>, "error": "..."}
 *                    (see ctl_http_reply_error()).
 * A reply after the reply timeout or after ctl_http_server_stop() is dropped.
 */
void ctl_http_reply(struct ctl_http_req *req, int http_status, json_t *body);

/**
 * Answer with an error object {"status": rc, "error": <formatted message>}.
 * \param rc a negative DER code
 */
void ctl_http_reply_error(struct ctl_http_req *req, int http_status, int rc,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** Client configuration. Zero timeouts mean the defaults. */
struct ctl_http_client_cfg {
	bool        ccc_insecure;            /**< plain HTTP, no certificates */
	const char *ccc_ca_cert;             /**< PEM file: CA that signs server certificates */
	const char *ccc_cert;                /**< PEM file: our certificate; NULL: none sent */
	const char *ccc_key;                 /**< PEM file: its key; given iff ccc_cert is */
	uint32_t    ccc_timeout_ms;          /**< whole call; 1..CTL_HTTP_CLIENT_TIMEOUT_MS_MAX */
	uint32_t    ccc_connect_timeout_ms;  /**< connect + TLS handshake; same range */
};

/**
 * Create a client (one libcurl handle, reused for keep-alive). The TLS files
 * are checked as by ctl_http_pem_load() (except that the certificate's
 * chain and purpose are left to the server to judge).
 * \return 0; -DER_INVAL, -DER_NO_CERT, -DER_BAD_CERT, -DER_NOMEM, -DER_MISC
 *         (libcurl could not be initialised); reason in errbuf.
 */
int ctl_http_client_create(const struct ctl_http_client_cfg *cfg, struct ctl_http_client **out,
			   char *errbuf, size_t errlen);

/** Destroy a client; NULL is a no-op. */
void ctl_http_client_destroy(struct ctl_http_client *client);

/**
 * Call \a method on the server at \a host_port ("host:port", "[v6]:port").
 * Blocks up to the client's timeout. One thread at a time per client.
 * \param request borrowed JSON object; NULL sends {}
 * \param reply   out: on 0 the reply object; on an error reply from the
 *                server the whole error object (extra fields such as a
 *                leader hint can be read); NULL otherwise. The caller decrefs.
 * \return 0 (2xx reply), or:
 *   the server's status (negative DER code) for an error reply, with its
 *     "error" message in errbuf as is;
 *   -DER_UNREACH  "cannot connect to <hp>: <curl text>" (refused, or the host
 *                 does not resolve);
 *                 "connection to <hp> lost before the reply: <curl text>", to
 *                 which an insecure client adds " (a TLS server drops plain
 *                 HTTP: is the server running without allow_insecure?)";
 *   -DER_TIMEDOUT "no reply from <hp> within <n> ms: <curl text>";
 *   -DER_BAD_CERT "TLS: <hp> failed verification: <curl text>" (server
 *                 certificate not signed by our CA, wrong name, expired),
 *                 "TLS handshake with <hp> failed: <curl text>";
 *   -DER_PROTO    "<hp> does not speak TLS (is it running with allow_insecure:
 *                 true?): <curl text>", or "<hp> closed the connection during
 *                 the TLS handshake (is it running with allow_insecure:
 *                 true?): <curl text>" (a TLS client to a plain server);
 *                 "invalid reply from <hp> (HTTP <code>): not JSON: <jansson
 *                 text>", "... a JSON <type>, not an object", "... no negative
 *                 \"status\" and \"error\" message";
 *                 "invalid reply from <hp>: larger than <max> bytes";
 *   -DER_INVAL    bad host_port, method or request;
 *   -DER_NOMEM, -DER_MISC (other libcurl failures, with its text).
 */
int ctl_http_call(struct ctl_http_client *client, const char *host_port, const char *method,
		  json_t *request, json_t **reply, char *errbuf, size_t errlen);

/*
 * Shared by the server and the client; exposed for the control plane's
 * configuration checks and for tests.
 */

/** The TLS files, read and checked. */
struct ctl_http_pem {
	char *hp_ca;   /**< NUL-terminated PEM text */
	char *hp_cert;
	char *hp_key;
};

/**
 * Read and check TLS files: each a regular file of at most CTL_HTTP_PEM_MAX
 * bytes; the CA file one or more PEM certificates, each a CA; the
 * certificate file a PEM certificate (then optional chain) that is currently
 * valid; the key a PEM private key (not encrypted) that matches it. A NULL
 * path (ca/cert/key) is skipped when \a required is false.
 * Messages (<what> is "CA certificate", "certificate" or "key"):
 *   -DER_NO_CERT  "no <what> file given (required unless allow_insecure is true)"
 *                 "cannot read <what> '<path>': <strerror>"
 *                 "cannot read <what> '<path>': not a regular file"
 *   -DER_BAD_CERT "<what> '<path>' is larger than <max> bytes"
 *                 "<what> '<path>' holds no PEM block"
 *                 "<what> '<path>' is not a valid PEM certificate: <gnutls text>"
 *                 "key '<path>' is not a valid PEM private key: <gnutls text>"
 *                 "CA certificate '<path>' is not a CA (basicConstraints CA:TRUE missing)"
 *                 "<what> '<path>' expired on YYYY-MM-DD HH:MM:SS UTC"
 *                 "<what> '<path>' is not valid before YYYY-MM-DD HH:MM:SS UTC"
 *                 "key '<key>' does not match certificate '<cert>'"
 *   -DER_NOMEM
 * \param pem out: the texts (free with ctl_http_pem_free()); zeroed on error
 */
int ctl_http_pem_load(const char *ca, const char *cert, const char *key, bool required,
		      struct ctl_http_pem *pem, char *errbuf, size_t errlen);

/** Free what ctl_http_pem_load() read; leaves \a pem zeroed. */
void ctl_http_pem_free(struct ctl_http_pem *pem);

/** Whether \a method is 1..CTL_HTTP_METHOD_MAX bytes of [A-Za-z0-9_.-]. */
bool ctl_http_method_valid(const char *method);

#endif /* CONTROL_CTL_HTTP_H */
