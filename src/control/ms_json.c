/*
 * ms_json.c: field checks and strict JSON accessors of the Management Service
 * database, shared by the command decoder and snapshot restore so that a
 * record can only hold what a JOIN could have put there.
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/checksum.h"
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/json.h"
#include "control/ms_db.h"
#include "control/ms_internal.h"

/*
 * Field checks, shared by the encoder, the command decoder and restore, so a
 * record can only hold what a JOIN could have put there (invariant 3).
 * Each names the field in its message: "<what>: field '<key>' ...".
 */

const char *
msj_quote(char *dst, const char *s)
{
	return d_errbuf_quote(dst, s, strlen(s), MS_QUOTE_MAX);
}

/* Valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF)
 * and no control characters, so text can go to a log line or a terminal. */
bool
msj_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		uint32_t cp;
		int      n;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n  = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n  = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			n  = 3;
		} else {
			return false;
		}
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return false;
		p += n + 1;
	}
	return true;
}

static bool
graph_ok(char c)
{
	return c > 0x20 && c < 0x7f;
}

int
msj_check_sys_name(const char *what, const char *s, char *errbuf, size_t errlen)
{
	char   q[MS_QUOTE_MAX + 4];
	size_t n = strlen(s);

	if (n == 0 || n >= MS_SYS_NAME_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: system name '%s' must be 1 to %d characters",
				what, msj_quote(q, s), MS_SYS_NAME_MAX - 1);
		return -DER_INVAL;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-')) {
			d_errbuf_printf(errbuf, errlen,
					"%s: system name '%s' may hold only letters, digits, '_', "
					"'.' and '-'",
					what, msj_quote(q, s));
			return -DER_INVAL;
		}
	}
	return 0;
}

/* "host:port": host a name of [A-Za-z0-9._-] or a bracketed IPv6 address,
 * port 1..65535 without leading zero. */
static bool
ctl_addr_ok(const char *s)
{
	const char *colon;
	const char *p;
	unsigned    port = 0;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end == s + 1 || end[1] != ':')
			return false;
		for (p = s + 1; p < end; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return false;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s)
			return false;
		for (p = s; p < colon; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'))
				return false;
	}
	p = colon + 1;
	if (*p < '1' || *p > '9')
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (unsigned)(*p - '0');
		if (port > 65535)
			return false;
	}
	return true;
}

static bool
fabric_uri_ok(const char *s)
{
	const char *sep = strstr(s, "://");

	if (sep == NULL || sep == s || sep[3] == '\0')
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!graph_ok(*p))
			return false;
	return true;
}

/* "/" or "/seg(/seg)*": no empty segment, no trailing '/'. */
static bool
fault_domain_ok(const char *s)
{
	if (s[0] != '/')
		return false;
	if (s[1] == '\0')
		return true;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '/' && (p[1] == '/' || p[1] == '\0'))
			return false;
		if (!graph_ok(*p))
			return false;
	}
	return true;
}

const char *
msj_str_rule(enum ms_str_kind kind)
{
	switch (kind) {
	case MS_STR_CTL_ADDR:
		return "is not a host:port address";
	case MS_STR_FABRIC_URI:
		return "is not a fabric URI (<provider>://<address>, printable, no blanks)";
	case MS_STR_FAULT_DOMAIN:
		return "is not a fault domain ('/' or '/name/...', printable, no blanks)";
	default:
		return "holds control characters or invalid UTF-8";
	}
}

/* Check a string value of @kind that must fit in @size bytes. */
static int
check_str(const char *what, const char *key, const char *s, size_t size, enum ms_str_kind kind,
	  char *errbuf, size_t errlen)
{
	char   q[MS_QUOTE_MAX + 4];
	size_t n = strlen(s);
	bool   ok;

	if (n >= size) {
		d_errbuf_printf(errbuf, errlen, "%s: field '%s' is %zu bytes, longer than %zu",
				what, key, n, size - 1);
		return -DER_INVAL;
	}
	if (!msj_text_ok(s)) {
		d_errbuf_printf(errbuf, errlen, "%s: field '%s' %s", what, key,
				msj_str_rule(MS_STR_TEXT));
		return -DER_INVAL;
	}
	switch (kind) {
	case MS_STR_NAME:
		return msj_check_sys_name(what, s, errbuf, errlen);
	case MS_STR_CTL_ADDR:
		ok = ctl_addr_ok(s);
		break;
	case MS_STR_FABRIC_URI:
		ok = fabric_uri_ok(s);
		break;
	case MS_STR_FAULT_DOMAIN:
		ok = fault_domain_ok(s);
		break;
	default:
		ok = true;
		break;
	}
	if (!ok) {
		d_errbuf_printf(errbuf, errlen, "%s: field '%s' value '%s' %s", what, key,
				msj_quote(q, s), msj_str_rule(kind));
		return -DER_INVAL;
	}
	return 0;
}

int
ms_addr_host(const char *addr, char *host, size_t len)
{
	const char *start = addr;
	const char *end;
	size_t      n;

	if (addr == NULL || host == NULL)
		return -DER_INVAL;
	if (addr[0] == '[') {
		start = addr + 1;
		end   = strchr(addr, ']');
		if (end == NULL || end[1] != ':')
			return -DER_INVAL;
	} else {
		end = strrchr(addr, ':');
		if (end == NULL)
			return -DER_INVAL;
	}
	n = (size_t)(end - start);
	if (n + 1 > len)
		return -DER_TRUNC;
	memcpy(host, start, n);
	host[n] = '\0';
	return 0;
}

/*
 * JSON field access. @what names the object in messages ("join", "member 3").
 */

/* Refuse keys that are not in @keys (NULL-terminated). */
int
msj_jkeys(const struct ms_jctx *c, json_t *obj, const char *const *keys)
{
	const char *key;
	json_t     *v;
	char        q[MS_QUOTE_MAX + 4];

	json_object_foreach(obj, key, v) {
		const char *const *k;

		for (k = keys; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: unknown field '%s'",
					c->jc_what, msj_quote(q, key));
			return -DER_INVAL;
		}
	}
	return 0;
}

/* Fetch @key: 1 when present, 0 when absent and optional, <0 on error. */
int
msj_jfetch(const struct ms_jctx *c, json_t *obj, const char *key, bool required, json_type type,
       const char *tname, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		if (!required)
			return 0;
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: missing field '%s'", c->jc_what,
				key);
		return -DER_INVAL;
	}
	if (json_typeof(v) != type &&
	    !(type == JSON_TRUE && json_typeof(v) == JSON_FALSE)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' must be %s, got %s",
				c->jc_what, key, tname, d_json_type_name(v));
		return -DER_INVAL;
	}
	*out = v;
	return 1;
}

/* String of at most size - 1 bytes of @kind, copied into @dst. */
int
msj_jstr(const struct ms_jctx *c, json_t *obj, const char *key, bool required, enum ms_str_kind kind,
     char *dst, size_t size)
{
	json_t *v;
	int     rc;

	rc = msj_jfetch(c, obj, key, required, JSON_STRING, "a string", &v);
	if (rc <= 0)
		return rc;
	if (json_string_length(v) != strlen(json_string_value(v))) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' holds a NUL character",
				c->jc_what, key);
		return -DER_INVAL;
	}
	rc = check_str(c->jc_what, key, json_string_value(v), size, kind, c->jc_errbuf,
		       c->jc_errlen);
	if (rc != 0)
		return rc;
	strcpy(dst, json_string_value(v));
	return 1;
}

int
msj_juint(const struct ms_jctx *c, json_t *obj, const char *key, bool required, uint64_t min,
      uint64_t max, uint64_t *dst)
{
	json_t    *v;
	json_int_t i;
	int        rc;

	rc = msj_jfetch(c, obj, key, required, JSON_INTEGER, "an integer", &v);
	if (rc <= 0)
		return rc;
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field '%s' must be in [%" PRIu64 ", %" PRIu64 "], got %lld",
				c->jc_what, key, min, max, (long long)i);
		return -DER_INVAL;
	}
	*dst = (uint64_t)i;
	return 1;
}

int
msj_jbool(const struct ms_jctx *c, json_t *obj, const char *key, bool required, bool *dst)
{
	json_t *v;
	int     rc;

	rc = msj_jfetch(c, obj, key, required, JSON_TRUE, "true or false", &v);
	if (rc <= 0)
		return rc;
	*dst = json_is_true(v);
	return 1;
}

int
msj_juuid(const struct ms_jctx *c, json_t *obj, const char *key, bool allow_null, uuid_t dst)
{
	json_t *v;
	char    q[MS_QUOTE_MAX + 4];
	int     rc;

	rc = msj_jfetch(c, obj, key, true, JSON_STRING, "a string", &v);
	if (rc < 0)
		return rc;
	/* uuid_parse() wants exactly 36 characters; the length check also
	 * catches an embedded NUL. */
	if (json_string_length(v) != 36 || uuid_parse(json_string_value(v), dst) != 0) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' value '%s' is not a UUID",
				c->jc_what, key,
				d_errbuf_quote(q, json_string_value(v), json_string_length(v),
					       MS_QUOTE_MAX));
		return -DER_INVAL;
	}
	if (!allow_null && uuid_is_null(dst)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' is the null UUID",
				c->jc_what, key);
		return -DER_INVAL;
	}
	return 0;
}

/*
 * jansson's allocator: malloc() and free(), plus a per-thread flag recording
 * a failed allocation, because jansson's lexer reports some allocation
 * failures as syntax errors and silently ignores others (a string loses
 * bytes). Installed once for the process; it behaves exactly like jansson's
 * default for every other user.
 */
static pthread_once_t msj_alloc_once = PTHREAD_ONCE_INIT;
static __thread bool  msj_alloc_failed;

static void *
msj_json_malloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		msj_alloc_failed = true;
	return p;
}

static void
msj_alloc_init(void)
{
	json_set_alloc_funcs(msj_json_malloc, free);
}

/* Parse a JSON object of at most @max bytes; errors prefixed by @what. */
int
msj_jload(const char *what, const void *buf, size_t len, size_t max, int bad_rc, json_t **out,
      char *errbuf, size_t errlen)
{
	json_error_t err;
	json_t      *root;

	if (len == 0) {
		d_errbuf_printf(errbuf, errlen, "%s is empty", what);
		return bad_rc;
	}
	if (len > max) {
		d_errbuf_printf(errbuf, errlen, "%s of %zu bytes exceeds the limit of %zu bytes",
				what, len, max);
		return bad_rc;
	}
	pthread_once(&msj_alloc_once, msj_alloc_init);
	msj_alloc_failed = false;
	root             = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	/* An allocation failure is -DER_NOMEM (a replica retries it), never a
	 * refusal or a wrong value: jansson's lexer reports some as syntax errors
	 * and ignores others (dropping string bytes), hence the flag. */
	if (msj_alloc_failed) {
		json_decref(root);
		return -DER_NOMEM;
	}
	if (root == NULL) {
		if (json_error_code(&err) == json_error_out_of_memory)
			return -DER_NOMEM;
		char q[JSON_ERROR_TEXT_LENGTH + 4];

		/* jansson echoes input bytes: keep the message printable. */
		d_errbuf_printf(errbuf, errlen, "%s is not valid JSON: %s (position %d)", what,
				d_errbuf_quote(q, err.text, strlen(err.text),
					       JSON_ERROR_TEXT_LENGTH),
				err.position);
		return bad_rc;
	}
	if (!json_is_object(root)) {
		d_errbuf_printf(errbuf, errlen, "%s must be a JSON object, got %s", what,
				d_json_type_name(root));
		json_decref(root);
		return bad_rc;
	}
	*out = root;
	return 0;
}

void
msj_jset(json_t *o, const char *key, json_t *v, int *rc)
{
	if (*rc == 0 && (v == NULL || json_object_set_new(o, key, v) != 0))
		*rc = -DER_NOMEM;
	else if (*rc != 0)
		json_decref(v);
}
