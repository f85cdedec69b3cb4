/*
 * ctl_http_client.c: the control API client (libcurl). See ctl_http.h.
 *
 * One CURL easy handle per client, configured once at creation and reused
 * for every call, so that calls to the same server share one keep-alive
 * connection (a TLS handshake costs milliseconds). libcurl handles are not
 * thread-safe: a client is used by one thread at a time; threads that call
 * concurrently create one client each.
 *
 * Invariants:
 *   1. After a call, the reply buffer holds at most CTL_HTTP_REPLY_MAX bytes and
 *      is kept for the next call unless it grew past CC_BUF_KEEP.
 *   2. curl_global_init() runs once per process (pthread_once) and is never
 *      undone: other libraries may use libcurl too.
 */
#define D_LOGFAC DD_FAC(control)

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/json.h"
#include "control/ctl_http.h"

/* Reply buffer kept between calls; a bigger one is freed after the call. */
#define CC_BUF_KEEP    (1u << 20)
/* First allocation of the reply buffer. */
#define CC_BUF_INIT    4096u
/* Longest piece of outside input quoted in a message. */
#define CC_QUOTE_MAX   64

struct ctl_http_client {
	CURL              *cc_curl;
	struct curl_slist *cc_headers;
	bool               cc_insecure;
	uint32_t           cc_timeout_ms;
	char              *cc_buf;       /* reply bytes (invariant 1) */
	size_t             cc_len;
	size_t             cc_cap;
	bool               cc_too_big;   /* reply exceeded CTL_HTTP_REPLY_MAX */
	bool               cc_nomem;     /* reply buffer could not grow */
	char               cc_err[CURL_ERROR_SIZE];
};

static pthread_once_t cc_once = PTHREAD_ONCE_INIT;
static CURLcode       cc_global_rc;

static void
cc_global_init(void)
{
	cc_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
cc_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ctl_http_client *cc = arg;
	size_t                  n = size * nmemb;
	size_t                  cap;
	char                   *buf;

	if (n > CTL_HTTP_REPLY_MAX - cc->cc_len) {
		cc->cc_too_big = true;
		return 0;
	}
	if (cc->cc_len + n + 1 > cc->cc_cap) {
		cap = cc->cc_cap != 0 ? cc->cc_cap : CC_BUF_INIT;
		while (cap < cc->cc_len + n + 1)
			cap *= 2;
		if (cap > (size_t)CTL_HTTP_REPLY_MAX + 1)
			cap = (size_t)CTL_HTTP_REPLY_MAX + 1;
		buf = realloc(cc->cc_buf, cap);
		if (buf == NULL) {
			cc->cc_nomem = true;
			return 0;
		}
		cc->cc_buf = buf;
		cc->cc_cap = cap;
	}
	memcpy(cc->cc_buf + cc->cc_len, data, n);
	cc->cc_len += n;
	return n;
}

/* Set one option; a failure names the option. */
#define CC_SETOPT(cc, opt, val)                                                            \
	do {                                                                               \
		CURLcode crc_ = curl_easy_setopt((cc)->cc_curl, opt, val);                 \
		if (crc_ != CURLE_OK) {                                                    \
			d_errbuf_printf(errbuf, errlen, "libcurl option %s: %s", #opt,     \
					curl_easy_strerror(crc_));                          \
			rc = crc_ == CURLE_OUT_OF_MEMORY ? -DER_NOMEM : -DER_MISC;         \
			goto out;                                                          \
		}                                                                          \
	} while (0)

static int
cc_check_timeout(const char *name, uint32_t val, uint32_t def, uint32_t *out, char *errbuf,
		 size_t errlen)
{
	if (val == 0)
		val = def;
	if (val > CTL_HTTP_CLIENT_TIMEOUT_MS_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s %u ms is out of range [1, %u]", name, val,
				CTL_HTTP_CLIENT_TIMEOUT_MS_MAX);
		return -DER_INVAL;
	}
	*out = val;
	return 0;
}

static bool
cc_given(const char *path)
{
	return path != NULL && path[0] != '\0';
}

int
ctl_http_client_create(const struct ctl_http_client_cfg *cfg, struct ctl_http_client **out,
		       char *errbuf, size_t errlen)
{
	struct ctl_http_client *cc = NULL;
	struct ctl_http_pem     pem;
	struct curl_slist      *h;
	uint32_t                timeout_ms;
	uint32_t                connect_ms;
	int                     rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (cfg == NULL || out == NULL) {
		d_errbuf_printf(errbuf, errlen, "missing configuration or output");
		return -DER_INVAL;
	}
	rc = cc_check_timeout("timeout", cfg->ccc_timeout_ms, CTL_HTTP_CLIENT_TIMEOUT_MS_DEFAULT,
			      &timeout_ms, errbuf, errlen);
	if (rc == 0)
		rc = cc_check_timeout("connect timeout", cfg->ccc_connect_timeout_ms,
				      CTL_HTTP_CONNECT_TIMEOUT_MS_DEFAULT, &connect_ms, errbuf,
				      errlen);
	if (rc != 0)
		return rc;

	if (!cfg->ccc_insecure) {
		if (!cc_given(cfg->ccc_ca_cert)) {
			d_errbuf_printf(errbuf, errlen, "no CA certificate file given (required "
							"unless allow_insecure is true)");
			return -DER_NO_CERT;
		}
		if (cc_given(cfg->ccc_cert) != cc_given(cfg->ccc_key)) {
			d_errbuf_printf(errbuf, errlen, "%s",
					cc_given(cfg->ccc_cert) ? "certificate given without key"
								: "key given without certificate");
			return -DER_INVAL;
		}
		/* Readable, well-formed, in date, key matching: say so now rather than as
		 * a TLS failure at the first call. */
		rc = ctl_http_pem_load(cfg->ccc_ca_cert, cfg->ccc_cert, cfg->ccc_key, false, &pem,
				       errbuf, errlen);
		if (rc != 0)
			return rc;
		ctl_http_pem_free(&pem);
	}

	pthread_once(&cc_once, cc_global_init);
	if (cc_global_rc != CURLE_OK) {
		d_errbuf_printf(errbuf, errlen, "cannot initialise libcurl: %s",
				curl_easy_strerror(cc_global_rc));
		return -DER_MISC;
	}

	cc = calloc(1, sizeof(*cc));
	if (cc == NULL)
		goto nomem;
	cc->cc_insecure = cfg->ccc_insecure;
	cc->cc_timeout_ms = timeout_ms;
	cc->cc_curl = curl_easy_init();
	if (cc->cc_curl == NULL)
		goto nomem;
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (h == NULL)
		goto nomem;
	cc->cc_headers = h;
	h = curl_slist_append(cc->cc_headers, "Accept: application/json");
	if (h == NULL)
		goto nomem;
	cc->cc_headers = h;

	CC_SETOPT(cc, CURLOPT_ERRORBUFFER, cc->cc_err);
	CC_SETOPT(cc, CURLOPT_NOSIGNAL, 1L);
	CC_SETOPT(cc, CURLOPT_PROTOCOLS_STR, "http,https");
	CC_SETOPT(cc, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	CC_SETOPT(cc, CURLOPT_POST, 1L);
	CC_SETOPT(cc, CURLOPT_HTTPHEADER, cc->cc_headers);
	CC_SETOPT(cc, CURLOPT_WRITEFUNCTION, cc_write);
	CC_SETOPT(cc, CURLOPT_WRITEDATA, cc);
	CC_SETOPT(cc, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	CC_SETOPT(cc, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	CC_SETOPT(cc, CURLOPT_FOLLOWLOCATION, 0L);
	if (!cfg->ccc_insecure) {
		CC_SETOPT(cc, CURLOPT_CAINFO, cfg->ccc_ca_cert);
		/* No system CA directory: only our CA counts, and scanning it costs ms. */
		CC_SETOPT(cc, CURLOPT_CAPATH, NULL);
		CC_SETOPT(cc, CURLOPT_SSL_VERIFYPEER, 1L);
		CC_SETOPT(cc, CURLOPT_SSL_VERIFYHOST, 2L);
		CC_SETOPT(cc, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		if (cc_given(cfg->ccc_cert)) {
			CC_SETOPT(cc, CURLOPT_SSLCERTTYPE, "PEM");
			CC_SETOPT(cc, CURLOPT_SSLCERT, cfg->ccc_cert);
			CC_SETOPT(cc, CURLOPT_SSLKEYTYPE, "PEM");
			CC_SETOPT(cc, CURLOPT_SSLKEY, cfg->ccc_key);
		}
	}
	*out = cc;
	return 0;
nomem:
	d_errbuf_printf(errbuf, errlen, "out of memory");
	rc = -DER_NOMEM;
out:
	ctl_http_client_destroy(cc);
	return rc;
}

void
ctl_http_client_destroy(struct ctl_http_client *cc)
{
	if (cc == NULL)
		return;
	if (cc->cc_curl != NULL)
		curl_easy_cleanup(cc->cc_curl);
	curl_slist_free_all(cc->cc_headers);
	free(cc->cc_buf);
	free(cc);
}

/* "host:port": a DNS name, IPv4 address or [IPv6] address, and a port 1..65535. */
static bool
cc_host_port_valid(const char *hp)
{
	size_t      len = strnlen(hp, CTL_HTTP_HOSTPORT_MAX + 1);
	const char *colon;
	const char *p;
	long        port = 0;

	if (len == 0 || len > CTL_HTTP_HOSTPORT_MAX)
		return false;
	colon = strrchr(hp, ':');
	if (colon == NULL || colon == hp || colon[1] == '\0' || strlen(colon + 1) > 5)
		return false;
	for (p = colon + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return false;
	if (hp[0] == '[') {
		if (colon[-1] != ']' || colon - hp < 3)
			return false;
		for (p = hp + 1; p < colon - 1; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		return true;
	}
	for (p = hp; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			return false;
	return true;
}

/* Turn a completed HTTP exchange into the result. */
static int
cc_reply(struct ctl_http_client *cc, const char *hp, long code, json_t **reply, char *errbuf,
	 size_t errlen)
{
	json_error_t jerr;
	json_t      *obj;
	json_t      *status;
	json_t      *error;
	json_int_t   st;

	obj = json_loadb(cc->cc_buf != NULL ? cc->cc_buf : "", cc->cc_len, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (obj == NULL) {
		d_errbuf_printf(errbuf, errlen, "invalid reply from %s (HTTP %ld): not JSON: %s",
				hp, code, jerr.text);
		return -DER_PROTO;
	}
	if (!json_is_object(obj)) {
		d_errbuf_printf(errbuf, errlen,
				"invalid reply from %s (HTTP %ld): a JSON %s, not an object", hp,
				code, d_json_type_name(obj));
		json_decref(obj);
		return -DER_PROTO;
	}
	if (code >= 200 && code <= 299) {
		*reply = obj;
		return 0;
	}
	status = json_object_get(obj, "status");
	error = json_object_get(obj, "error");
	st = json_is_integer(status) ? json_integer_value(status) : 0;
	if (st >= 0 || st < -(json_int_t)DER_UNKNOWN || !json_is_string(error)) {
		d_errbuf_printf(errbuf, errlen,
				"invalid reply from %s (HTTP %ld): no negative \"status\" and "
				"\"error\" message",
				hp, code);
		json_decref(obj);
		return -DER_PROTO;
	}
	d_errbuf_printf(errbuf, errlen, "%s", json_string_value(error));
	*reply = obj;
	return (int)st;
}

/* Map a libcurl failure to a DER code and a message. */
static int
cc_curl_error(struct ctl_http_client *cc, const char *hp, CURLcode crc, char *errbuf,
	      size_t errlen)
{
	const char *text = cc->cc_err[0] != '\0' ? cc->cc_err : curl_easy_strerror(crc);

	switch (crc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		d_errbuf_printf(errbuf, errlen, "cannot connect to %s: %s", hp, text);
		return -DER_UNREACH;
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		d_errbuf_printf(errbuf, errlen, "connection to %s lost before the reply: %s%s", hp,
				text,
				cc->cc_insecure ? " (a TLS server drops plain HTTP: is the server "
						  "running without allow_insecure?)"
						: "");
		return -DER_UNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		d_errbuf_printf(errbuf, errlen, "no reply from %s within %u ms: %s", hp,
				cc->cc_timeout_ms, text);
		return -DER_TIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
		d_errbuf_printf(errbuf, errlen, "TLS: %s failed verification: %s", hp, text);
		return -DER_BAD_CERT;
	case CURLE_SSL_CONNECT_ERROR:
		if (strstr(text, "wrong version number") != NULL ||
		    strstr(text, "packet length too long") != NULL) {
			d_errbuf_printf(errbuf, errlen,
					"%s does not speak TLS (is it running with "
					"allow_insecure: true?): %s",
					hp, text);
			return -DER_PROTO;
		}
		/* A plain HTTP server may also reset the connection on our ClientHello
		 * before its error page arrives (a race): say the same then. */
		if (strstr(text, "SSL_ERROR_SYSCALL") != NULL) {
			d_errbuf_printf(errbuf, errlen,
					"%s closed the connection during the TLS handshake (is it "
					"running with allow_insecure: true?): %s",
					hp, text);
			return -DER_PROTO;
		}
		/* fall through */
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
		d_errbuf_printf(errbuf, errlen, "TLS handshake with %s failed: %s", hp, text);
		return -DER_BAD_CERT;
	case CURLE_WRITE_ERROR:
		if (cc->cc_too_big) {
			d_errbuf_printf(errbuf, errlen, "invalid reply from %s: larger than %u bytes",
					hp, CTL_HTTP_REPLY_MAX);
			return -DER_PROTO;
		}
		if (cc->cc_nomem) {
			d_errbuf_printf(errbuf, errlen, "out of memory");
			return -DER_NOMEM;
		}
		break;
	case CURLE_OUT_OF_MEMORY:
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	default:
		break;
	}
	d_errbuf_printf(errbuf, errlen, "request to %s failed: %s", hp, text);
	return -DER_MISC;
}

int
ctl_http_call(struct ctl_http_client *cc, const char *host_port, const char *method,
	      json_t *request, json_t **reply, char *errbuf, size_t errlen)
{
	char     q[CC_QUOTE_MAX + 4];
	char     url[CTL_HTTP_HOSTPORT_MAX + CTL_HTTP_METHOD_MAX + 16];
	char    *body = NULL;
	long     code = 0;
	CURLcode crc;
	int      rc = 0;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (reply != NULL)
		*reply = NULL;
	if (cc == NULL || reply == NULL || host_port == NULL || method == NULL) {
		d_errbuf_printf(errbuf, errlen, "missing client, address, method or reply");
		return -DER_INVAL;
	}
	if (!cc_host_port_valid(host_port)) {
		d_errbuf_printf(errbuf, errlen, "bad address '%s': expected host:port",
				d_errbuf_quote(q, host_port,
					       strnlen(host_port, CTL_HTTP_HOSTPORT_MAX + 1),
					       CC_QUOTE_MAX));
		return -DER_INVAL;
	}
	if (!ctl_http_method_valid(method)) {
		d_errbuf_printf(errbuf, errlen, "bad method name '%s'",
				d_errbuf_quote(q, method,
					       strnlen(method, CTL_HTTP_METHOD_MAX + 1),
					       CC_QUOTE_MAX));
		return -DER_INVAL;
	}
	if (request != NULL && !json_is_object(request)) {
		d_errbuf_printf(errbuf, errlen, "request must be a JSON object, not a JSON %s",
				d_json_type_name(request));
		return -DER_INVAL;
	}
	body = request != NULL ? json_dumps(request, JSON_COMPACT) : strdup("{}");
	if (body == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	snprintf(url, sizeof(url), "%s://%s/v1/%s", cc->cc_insecure ? "http" : "https", host_port,
		 method);

	cc->cc_len = 0;
	cc->cc_too_big = false;
	cc->cc_nomem = false;
	cc->cc_err[0] = '\0';
	crc = curl_easy_setopt(cc->cc_curl, CURLOPT_URL, url);
	if (crc == CURLE_OK)
		crc = curl_easy_setopt(cc->cc_curl, CURLOPT_POSTFIELDS, body);
	if (crc == CURLE_OK)
		crc = curl_easy_setopt(cc->cc_curl, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)strlen(body));
	if (crc == CURLE_OK)
		crc = curl_easy_perform(cc->cc_curl);
	if (crc != CURLE_OK) {
		rc = cc_curl_error(cc, host_port, crc, errbuf, errlen);
		goto out;
	}
	crc = curl_easy_getinfo(cc->cc_curl, CURLINFO_RESPONSE_CODE, &code);
	if (crc != CURLE_OK) {
		rc = cc_curl_error(cc, host_port, crc, errbuf, errlen);
		goto out;
	}
	rc = cc_reply(cc, host_port, code, reply, errbuf, errlen);
out:
	/* The body dies here: leave libcurl no pointer to it. */
	curl_easy_setopt(cc->cc_curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	curl_easy_setopt(cc->cc_curl, CURLOPT_POSTFIELDS, "");
	free(body);
	if (cc->cc_cap > CC_BUF_KEEP) {
		free(cc->cc_buf);
		cc->cc_buf = NULL;
		cc->cc_cap = 0;
	}
	cc->cc_len = 0;
	if (rc != 0)
		D_DEBUG("control API call %s to %s: " DF_RC ": %s\n", method, host_port, DP_RC(rc),
			errbuf != NULL ? errbuf : "");
	return rc;
}
