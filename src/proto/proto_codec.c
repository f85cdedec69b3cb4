/*
 * proto_codec.c: the body encoder (struct proto_msg) and the bounded
 * decoder (struct proto_dec) that every message codec is built from.
 *
 * Invariants of a struct proto_msg:
 *  1. pm_len is the sum of ps_len over pm_segs[0..pm_seg_nr) and never
 *     exceeds PROTO_BODY_MAX; pm_seg_nr never exceeds PROTO_MSG_SEG_MAX.
 *  2. Owned segments (ps_ext NULL) lie in pm_buf[0..pm_buf_len) in order; a
 *     new owned run extends the last segment when that one is owned, so the
 *     descriptors between two data references are one iovec.
 *  3. Segments store offsets, not pointers, into pm_buf, so growing pm_buf
 *     (realloc) never invalidates them; pointers appear only in pm_iov,
 *     rebuilt by proto_msg_iov().
 *  4. Once pm_rc is set, appends do nothing until proto_msg_reset().
 *
 * Invariants of a struct proto_dec:
 *  1. pd_off <= pd_len: no read goes past the body, whatever the input.
 *  2. pd_rc records the first failure; later reads return zeros/NULL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "gurt/errbuf.h"
#include "proto/proto.h"
#include "proto/proto_internal.h"

/* ---- Encoder -------------------------------------------------------------- */

void
proto_msg_init(struct proto_msg *m)
{
	memset(m, 0, sizeof(*m));
}

void
proto_msg_reset(struct proto_msg *m)
{
	m->pm_buf_len = 0;
	m->pm_seg_nr  = 0;
	m->pm_len     = 0;
	m->pm_rc      = 0;
}

void
proto_msg_fini(struct proto_msg *m)
{
	free(m->pm_buf);
	free(m->pm_segs);
	free(m->pm_iov);
	memset(m, 0, sizeof(*m));
}

void
proto_enc_fail(struct proto_msg *m, int rc)
{
	if (m->pm_rc == 0)
		m->pm_rc = rc;
}

/* Make room for one more segment; false (pm_rc set) on failure. */
static bool
msg_seg_room(struct proto_msg *m)
{
	struct proto_seg *segs;
	uint32_t          cap;

	if (m->pm_seg_nr < m->pm_seg_cap)
		return true;
	if (m->pm_seg_nr >= PROTO_MSG_SEG_MAX) {
		proto_enc_fail(m, -DER_OVERFLOW);
		return false;
	}
	cap = m->pm_seg_cap == 0 ? 8 : m->pm_seg_cap * 2;
	if (cap > PROTO_MSG_SEG_MAX)
		cap = PROTO_MSG_SEG_MAX;
	segs = realloc(m->pm_segs, cap * sizeof(*segs));
	if (segs == NULL) {
		proto_enc_fail(m, -DER_NOMEM);
		return false;
	}
	m->pm_segs    = segs;
	m->pm_seg_cap = cap;
	return true;
}

/* Check the body bound for n more bytes. */
static bool
msg_len_room(struct proto_msg *m, size_t n)
{
	if (m->pm_rc != 0)
		return false;
	if (n > PROTO_BODY_MAX - m->pm_len) {
		proto_enc_fail(m, -DER_OVERFLOW);
		return false;
	}
	return true;
}

/* Append n (> 0) owned bytes and return where to write them, or NULL. */
static uint8_t *
msg_room(struct proto_msg *m, size_t n)
{
	struct proto_seg *last;
	uint8_t          *p;

	if (!msg_len_room(m, n))
		return NULL;
	if (n > m->pm_buf_cap - m->pm_buf_len) {
		size_t   cap = m->pm_buf_cap == 0 ? 256 : m->pm_buf_cap;
		uint8_t *buf;

		/* Bounded by invariant 1: pm_buf_len + n <= PROTO_BODY_MAX. */
		while (cap - m->pm_buf_len < n)
			cap *= 2;
		buf = realloc(m->pm_buf, cap);
		if (buf == NULL) {
			proto_enc_fail(m, -DER_NOMEM);
			return NULL;
		}
		m->pm_buf     = buf;
		m->pm_buf_cap = cap;
	}

	last = m->pm_seg_nr > 0 ? &m->pm_segs[m->pm_seg_nr - 1] : NULL;
	if (last != NULL && last->ps_ext == NULL) {
		last->ps_len += n;
	} else {
		if (!msg_seg_room(m))
			return NULL;
		m->pm_segs[m->pm_seg_nr++] =
		    (struct proto_seg){.ps_ext = NULL, .ps_off = m->pm_buf_len, .ps_len = n};
	}
	p = m->pm_buf + m->pm_buf_len;
	m->pm_buf_len += n;
	m->pm_len += n;
	return p;
}

void
proto_enc_u16(struct proto_msg *m, uint16_t v)
{
	uint8_t *p = msg_room(m, 2);

	if (p != NULL)
		d_put_le16(p, v);
}

void
proto_enc_u32(struct proto_msg *m, uint32_t v)
{
	uint8_t *p = msg_room(m, 4);

	if (p != NULL)
		d_put_le32(p, v);
}

void
proto_enc_u64(struct proto_msg *m, uint64_t v)
{
	uint8_t *p = msg_room(m, 8);

	if (p != NULL)
		d_put_le64(p, v);
}

void
proto_enc_bytes(struct proto_msg *m, const void *src, size_t n)
{
	uint8_t *p;

	if (n == 0)
		return;
	p = msg_room(m, n);
	if (p != NULL)
		memcpy(p, src, n);
}

void
proto_enc_ref(struct proto_msg *m, const void *src, size_t n)
{
	if (n == 0 || !msg_len_room(m, n) || !msg_seg_room(m))
		return;
	m->pm_segs[m->pm_seg_nr++] = (struct proto_seg){.ps_ext = src, .ps_len = n};
	m->pm_len += n;
}

void
proto_enc_uuid(struct proto_msg *m, const uuid_t u)
{
	proto_enc_bytes(m, u, sizeof(uuid_t));
}

void
proto_enc_key(struct proto_msg *m, const daos_key_t *key)
{
	proto_enc_u32(m, (uint32_t)key->iov_len);
	proto_enc_bytes(m, key->iov_buf, key->iov_len);
}

void
proto_enc_oid(struct proto_msg *m, daos_obj_id_t oid)
{
	proto_enc_u64(m, oid.lo);
	proto_enc_u64(m, oid.hi);
}

void
proto_enc_recx(struct proto_msg *m, const daos_recx_t *rx)
{
	proto_enc_u64(m, rx->rx_idx);
	proto_enc_u64(m, rx->rx_nr);
}

void
proto_enc_anchor(struct proto_msg *m, const daos_anchor_t *a)
{
	proto_enc_u16(m, a->da_type);
	proto_enc_u16(m, a->da_shard);
	proto_enc_u32(m, a->da_flags);
	proto_enc_u64(m, a->da_sub_anchors);
	proto_enc_bytes(m, a->da_buf, sizeof(a->da_buf));
}

int
proto_msg_iov(struct proto_msg *m, const struct iovec **iov, int *iovcnt)
{
	int n = 0;

	if (m->pm_rc != 0)
		return m->pm_rc;
	if (m->pm_seg_nr > m->pm_iov_cap) {
		struct iovec *v = realloc(m->pm_iov, m->pm_seg_nr * sizeof(*v));

		if (v == NULL)
			return -DER_NOMEM;
		m->pm_iov     = v;
		m->pm_iov_cap = m->pm_seg_nr;
	}
	for (uint32_t i = 0; i < m->pm_seg_nr; i++) {
		const struct proto_seg *s = &m->pm_segs[i];

		if (s->ps_len == 0)
			continue;
		m->pm_iov[n].iov_base = (void *)(s->ps_ext != NULL ? s->ps_ext
								   : m->pm_buf + s->ps_off);
		m->pm_iov[n].iov_len  = s->ps_len;
		n++;
	}
	*iov    = n > 0 ? m->pm_iov : NULL;
	*iovcnt = n;
	return 0;
}

/* ---- Decoder -------------------------------------------------------------- */

void
proto_dec_init(struct proto_dec *d, const void *body, size_t len, char *errbuf, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->pd_buf    = body;
	d->pd_len    = body == NULL ? 0 : len;
	d->pd_errbuf = errbuf;
	d->pd_errlen = errlen;
	if (body == NULL && len > 0)
		proto_dec_fail(d, "body of %zu bytes is missing", len);
}

int
proto_dec_fail(struct proto_dec *d, const char *fmt, ...)
{
	char    msg[256];
	va_list ap;

	if (d->pd_rc != 0)
		return d->pd_rc;
	d->pd_rc = -DER_PROTO;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->pd_ctx != NULL)
		d_errbuf_printf(d->pd_errbuf, d->pd_errlen, "%s %u: %s", d->pd_ctx, d->pd_idx, msg);
	else
		d_errbuf_printf(d->pd_errbuf, d->pd_errlen, "%s", msg);
	return d->pd_rc;
}

int
proto_dec_nomem(struct proto_dec *d)
{
	if (d->pd_rc == 0) {
		d->pd_rc = -DER_NOMEM;
		d_errbuf_printf(d->pd_errbuf, d->pd_errlen, "out of memory decoding the body");
	}
	return d->pd_rc;
}

const uint8_t *
proto_dec_take(struct proto_dec *d, size_t n, const char *what)
{
	const uint8_t *p;

	if (d->pd_rc != 0)
		return NULL;
	if (n > proto_dec_left(d)) {
		proto_dec_fail(d, "truncated %s at offset %zu: %zu bytes needed, %zu left", what,
			       d->pd_off, n, proto_dec_left(d));
		return NULL;
	}
	p = d->pd_buf + d->pd_off;
	d->pd_off += n;
	return p;
}

uint16_t
proto_dec_u16(struct proto_dec *d, const char *what)
{
	const uint8_t *p = proto_dec_take(d, 2, what);

	return p == NULL ? 0 : d_get_le16(p);
}

uint32_t
proto_dec_u32(struct proto_dec *d, const char *what)
{
	const uint8_t *p = proto_dec_take(d, 4, what);

	return p == NULL ? 0 : d_get_le32(p);
}

uint64_t
proto_dec_u64(struct proto_dec *d, const char *what)
{
	const uint8_t *p = proto_dec_take(d, 8, what);

	return p == NULL ? 0 : d_get_le64(p);
}

void
proto_dec_uuid(struct proto_dec *d, uuid_t u, const char *what)
{
	const uint8_t *p = proto_dec_take(d, sizeof(uuid_t), what);

	if (p != NULL)
		memcpy(u, p, sizeof(uuid_t));
	else
		uuid_clear(u);
}

void
proto_dec_key(struct proto_dec *d, daos_key_t *key, bool allow_empty, const char *what)
{
	proto_dec_blob(d, key, PROTO_KEY_MAX, what);
	if (d->pd_rc == 0 && key->iov_len == 0 && !allow_empty)
		proto_dec_fail(d, "%s is empty", what);
}

void
proto_dec_blob(struct proto_dec *d, d_iov_t *iov, uint32_t max, const char *what)
{
	char           name[48];
	uint32_t       len;
	const uint8_t *p;

	memset(iov, 0, sizeof(*iov));
	snprintf(name, sizeof(name), "%s length", what);
	len = proto_dec_u32(d, name);
	if (d->pd_rc != 0)
		return;
	if (len > max) {
		proto_dec_fail(d, "%s length %u exceeds the maximum %u", what, len, max);
		return;
	}
	p = proto_dec_take(d, len, what);
	if (p != NULL)
		proto_dec_iov_set(iov, p, len);
}

void
proto_dec_oid(struct proto_dec *d, daos_obj_id_t *oid, const char *what)
{
	const uint8_t *p = proto_dec_take(d, 16, what);

	oid->lo = p == NULL ? 0 : d_get_le64(p);
	oid->hi = p == NULL ? 0 : d_get_le64(p + 8);
}

void
proto_dec_recx(struct proto_dec *d, daos_recx_t *rx, const char *what)
{
	const uint8_t *p = proto_dec_take(d, 16, what);

	rx->rx_idx = p == NULL ? 0 : d_get_le64(p);
	rx->rx_nr  = p == NULL ? 0 : d_get_le64(p + 8);
}

void
proto_dec_anchor(struct proto_dec *d, daos_anchor_t *a, const char *what)
{
	const uint8_t *p = proto_dec_take(d, 16 + DAOS_ANCHOR_BUF_MAX, what);

	memset(a, 0, sizeof(*a));
	if (p == NULL)
		return;
	a->da_type        = d_get_le16(p);
	a->da_shard       = d_get_le16(p + 2);
	a->da_flags       = d_get_le32(p + 4);
	a->da_sub_anchors = d_get_le64(p + 8);
	memcpy(a->da_buf, p + 16, DAOS_ANCHOR_BUF_MAX);
	if (a->da_type > DAOS_ANCHOR_TYPE_EOF)
		proto_dec_fail(d, "%s type %u is unknown (0..%d)", what, a->da_type,
			       DAOS_ANCHOR_TYPE_EOF);
}

uint32_t
proto_dec_count(struct proto_dec *d, uint32_t min, uint32_t max, const char *what)
{
	uint32_t v = proto_dec_u32(d, what);

	if (d->pd_rc != 0)
		return 0;
	if (v > max) {
		proto_dec_fail(d, "%s %u exceeds the maximum %u", what, v, max);
		return 0;
	}
	if (v < min) {
		proto_dec_fail(d, "%s %u is below the minimum %u", what, v, min);
		return 0;
	}
	return v;
}

int
proto_dec_need(struct proto_dec *d, uint32_t nr, size_t each, const char *what)
{
	if (d->pd_rc != 0)
		return d->pd_rc;
	/* nr < 2^32 and each is a small constant: the product fits 64 bits. */
	if ((uint64_t)nr * each > proto_dec_left(d))
		return proto_dec_fail(d,
				      "truncated %s at offset %zu: %u entries need at least "
				      "%llu bytes, %zu left",
				      what, d->pd_off, nr, (unsigned long long)nr * each,
				      proto_dec_left(d));
	return 0;
}

int
proto_dec_end(struct proto_dec *d, const char *what)
{
	if (d->pd_rc != 0)
		return d->pd_rc;
	d->pd_ctx = NULL;
	if (d->pd_off != d->pd_len)
		return proto_dec_fail(d, "%zu trailing bytes after the %s body",
				      d->pd_len - d->pd_off, what);
	return 0;
}
