/*
 * dc_util.c: small helpers of libdaos: base64 (attribute values and pool
 * maps travel as base64 in C4's JSON), fabric URIs, pool/container names and
 * JSON member access. Everything here parses untrusted text and checks every
 * byte it reads.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "gurt/byteorder.h"
#include "gurt/checksum.h"
#include "gurt/errbuf.h"

static const char dc_b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
dc_base64_encode(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t         out_len;
	char          *out, *q;

	if (len > (SIZE_MAX / 4) * 3 - 3)
		return NULL;
	out_len = (len + 2) / 3 * 4;
	out     = malloc(out_len + 1);
	if (out == NULL)
		return NULL;
	q = out;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*q++ = dc_b64_alphabet[(v >> 18) & 63];
		*q++ = dc_b64_alphabet[(v >> 12) & 63];
		*q++ = i + 1 < len ? dc_b64_alphabet[(v >> 6) & 63] : '=';
		*q++ = i + 2 < len ? dc_b64_alphabet[v & 63] : '=';
	}
	*q = '\0';
	return out;
}

static int
dc_b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
dc_base64_decode(const char *text, size_t max, uint8_t **out, size_t *len)
{
	size_t   tlen, olen, pad = 0, o = 0;
	uint8_t *buf;

	if (text == NULL || out == NULL || len == NULL)
		return -DER_INVAL;
	tlen = strlen(text);
	if (tlen % 4 != 0)
		return -DER_INVAL;
	if (tlen >= 1 && text[tlen - 1] == '=')
		pad++;
	if (tlen >= 2 && text[tlen - 2] == '=')
		pad++;
	olen = tlen / 4 * 3 - pad;
	if (olen > max)
		return -DER_OVERFLOW;
	buf = malloc(olen > 0 ? olen : 1);
	if (buf == NULL)
		return -DER_NOMEM;
	for (size_t i = 0; i < tlen; i += 4) {
		int      v[4];
		uint32_t w;
		bool     last = (i + 4 == tlen);

		for (int k = 0; k < 4; k++) {
			char c = text[i + k];

			if (c == '=' && last && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			v[k] = dc_b64_val(c);
			if (v[k] < 0) {
				free(buf);
				return -DER_INVAL;
			}
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		    (uint32_t)v[3];
		/* non-canonical padding bits are refused */
		if (last && ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0))) {
			free(buf);
			return -DER_INVAL;
		}
		if (o < olen)
			buf[o++] = (uint8_t)(w >> 16);
		if (o < olen)
			buf[o++] = (uint8_t)(w >> 8);
		if (o < olen)
			buf[o++] = (uint8_t)w;
	}
	*out = buf;
	*len = olen;
	return 0;
}

int
dc_uri_parse(const char *uri, char ip[DC_IP_MAX], uint16_t *port, char *errbuf, size_t errlen)
{
	const char   *host, *colon, *end;
	char         *stop = NULL;
	unsigned long p;
	size_t        hlen;
	char          q[DC_URI_MAX + 4];

	if (uri == NULL) {
		d_errbuf_printf(errbuf, errlen, "no fabric URI");
		return -DER_INVAL;
	}
	d_errbuf_quote(q, uri, strnlen(uri, DC_URI_MAX), DC_URI_MAX - 1);
	host = strstr(uri, "://");
	if (host == NULL || strnlen(uri, DC_URI_MAX) >= DC_URI_MAX) {
		d_errbuf_printf(errbuf, errlen, "fabric URI '%s' is not <provider>://<ip>:<port>", q);
		return -DER_INVAL;
	}
	host += 3;
	colon = strrchr(host, ':');
	if (colon == NULL || colon == host) {
		d_errbuf_printf(errbuf, errlen, "fabric URI '%s' has no port", q);
		return -DER_INVAL;
	}
	end = colon;
	if (*host == '[') {
		/* [v6]:port */
		if (colon[-1] != ']') {
			d_errbuf_printf(errbuf, errlen, "fabric URI '%s': bad IPv6 literal", q);
			return -DER_INVAL;
		}
		host++;
		end = colon - 1;
	}
	hlen = (size_t)(end - host);
	if (hlen == 0 || hlen >= DC_IP_MAX) {
		d_errbuf_printf(errbuf, errlen, "fabric URI '%s': bad address", q);
		return -DER_INVAL;
	}
	errno = 0;
	p     = strtoul(colon + 1, &stop, 10);
	if (colon[1] < '0' || colon[1] > '9' || errno != 0 || *stop != '\0' || p == 0 ||
	    p > 65535) {
		d_errbuf_printf(errbuf, errlen, "fabric URI '%s': port is not in 1..65535", q);
		return -DER_INVAL;
	}
	memcpy(ip, host, hlen);
	ip[hlen] = '\0';
	*port    = (uint16_t)p;
	return 0;
}

bool
dc_is_uuid_str(const char *s)
{
	uuid_t u;

	if (s == NULL || strnlen(s, 37) != 36)
		return false;
	return uuid_parse(s, u) == 0;
}

bool
dc_name_valid(const char *s)
{
	return dc_is_uuid_str(s) || daos_label_is_valid(s);
}

int
dc_strcpy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size);

	if (n >= size)
		return -DER_OVERFLOW;
	memcpy(dst, src, n + 1);
	return 0;
}

const char *
dc_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
dc_json_int(const json_t *obj, const char *key, int64_t min, int64_t max, int64_t *v)
{
	json_t    *j = json_object_get(obj, key);
	json_int_t x;

	if (j == NULL)
		return -DER_NONEXIST;
	if (!json_is_integer(j))
		return -DER_PROTO;
	x = json_integer_value(j);
	if (x < min || x > max)
		return -DER_PROTO;
	*v = x;
	return 0;
}

/* ---- blob writer and reader ---------------------------------------------- */

void
dc_w_bytes(struct dc_wbuf *w, const void *p, size_t n)
{
	if (w->wb_buf != NULL && w->wb_len <= w->wb_cap && n <= w->wb_cap - w->wb_len && n > 0)
		memcpy(w->wb_buf + w->wb_len, p, n);
	w->wb_len += n;
}

void
dc_w_u16(struct dc_wbuf *w, uint16_t v)
{
	uint8_t b[2];

	d_put_le16(b, v);
	dc_w_bytes(w, b, sizeof(b));
}

void
dc_w_u32(struct dc_wbuf *w, uint32_t v)
{
	uint8_t b[4];

	d_put_le32(b, v);
	dc_w_bytes(w, b, sizeof(b));
}

void
dc_w_u64(struct dc_wbuf *w, uint64_t v)
{
	uint8_t b[8];

	d_put_le64(b, v);
	dc_w_bytes(w, b, sizeof(b));
}

void
dc_w_str(struct dc_wbuf *w, const char *s)
{
	size_t n = s == NULL ? 0 : strnlen(s, UINT16_MAX);

	dc_w_u16(w, (uint16_t)n);
	dc_w_bytes(w, s, n);
}

const uint8_t *
dc_r_bytes(struct dc_rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->rb_err || r->rb_off > r->rb_len || n > r->rb_len - r->rb_off) {
		r->rb_err = true;
		return NULL;
	}
	p = r->rb_buf + r->rb_off;
	r->rb_off += n;
	return p;
}

uint16_t
dc_r_u16(struct dc_rbuf *r)
{
	const uint8_t *p = dc_r_bytes(r, 2);

	return p == NULL ? 0 : d_get_le16(p);
}

uint32_t
dc_r_u32(struct dc_rbuf *r)
{
	const uint8_t *p = dc_r_bytes(r, 4);

	return p == NULL ? 0 : d_get_le32(p);
}

uint64_t
dc_r_u64(struct dc_rbuf *r)
{
	const uint8_t *p = dc_r_bytes(r, 8);

	return p == NULL ? 0 : d_get_le64(p);
}

void
dc_r_str(struct dc_rbuf *r, char *dst, size_t size)
{
	uint16_t       n = dc_r_u16(r);
	const uint8_t *p = dc_r_bytes(r, n);

	if (p == NULL || (size_t)n >= size || memchr(p, '\0', n) != NULL) {
		r->rb_err = true;
		if (size > 0)
			dst[0] = '\0';
		return;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

void
dc_blob_seal(uint8_t *blob, size_t len, uint32_t magic)
{
	d_put_le32(blob, magic);
	d_put_le16(blob + 4, DC_BLOB_VERSION);
	d_put_le16(blob + 6, 0);
	d_put_le32(blob + 8, (uint32_t)len);
	d_put_le32(blob + 12, 0);
	d_put_le32(blob + 12, d_crc32c(0, blob, len));
}

int
dc_blob_open(const void *blob, size_t len, uint32_t magic, const char *what, char *errbuf,
	     size_t errlen)
{
	const uint8_t *b = blob;
	uint8_t        hdr[DC_BLOB_HDR_SIZE];
	uint32_t       crc;

	if (blob == NULL || len < DC_BLOB_HDR_SIZE) {
		d_errbuf_printf(errbuf, errlen, "%s handle blob of %zu bytes is too short", what,
				len);
		return -DER_INVAL;
	}
	if (d_get_le32(b) != magic) {
		d_errbuf_printf(errbuf, errlen, "not a %s handle blob (magic 0x%08x)", what,
				d_get_le32(b));
		return -DER_INVAL;
	}
	if (d_get_le16(b + 4) != DC_BLOB_VERSION || d_get_le16(b + 6) != 0) {
		d_errbuf_printf(errbuf, errlen, "%s handle blob version %u is not supported (%u)",
				what, d_get_le16(b + 4), DC_BLOB_VERSION);
		return -DER_INVAL;
	}
	if (d_get_le32(b + 8) != len) {
		d_errbuf_printf(errbuf, errlen, "%s handle blob length %u does not match %zu",
				what, d_get_le32(b + 8), len);
		return -DER_INVAL;
	}
	memcpy(hdr, b, sizeof(hdr));
	d_put_le32(hdr + 12, 0);
	crc = d_crc32c(0, hdr, sizeof(hdr));
	crc = d_crc32c(crc, b + DC_BLOB_HDR_SIZE, len - DC_BLOB_HDR_SIZE);
	if (crc != d_get_le32(b + 12)) {
		d_errbuf_printf(errbuf, errlen, "%s handle blob checksum mismatch", what);
		return -DER_INVAL;
	}
	return 0;
}

int
dc_json_text(const json_t *val, char *out, size_t len)
{
	char *t;
	int   w;

	if (json_is_string(val))
		return snprintf(out, len, "%s", json_string_value(val));
	if (json_is_integer(val))
		return snprintf(out, len, "%lld", (long long)json_integer_value(val));
	if (json_is_boolean(val))
		return snprintf(out, len, "%s", json_is_true(val) ? "true" : "false");
	t = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
	if (t == NULL)
		return -1;
	w = snprintf(out, len, "%s", t);
	free(t);
	return w;
}

int
dc_glob_fill(d_iov_t *glob, int (*enc)(void *obj, void *buf, size_t buflen, size_t *needed),
	     void *obj)
{
	size_t need = 0;
	int    rc;

	if (glob->iov_buf == NULL) {
		rc                = enc(obj, NULL, 0, &need);
		glob->iov_buf_len = need;
		glob->iov_len     = 0;
		return rc;
	}
	rc = enc(obj, glob->iov_buf, glob->iov_buf_len, &need);
	if (rc == -DER_TRUNC)
		glob->iov_buf_len = need;
	else if (rc == 0)
		glob->iov_len = need;
	return rc;
}
