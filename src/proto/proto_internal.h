/*
 * proto_internal.h: little-endian load/store helpers shared by the proto
 * sources. Byte by byte, so they work at any alignment and on any host.
 */
#ifndef PROTO_INTERNAL_H
#define PROTO_INTERNAL_H

#include <stdint.h>

#include <stdbool.h>
#include <stddef.h>

#include "proto/proto.h"
#include "gurt/byteorder.h"

/*
 * Appending to a struct proto_msg. Every append is a no-op once pm_rc is
 * set, so an encoder appends field after field and checks pm_rc once.
 */
void proto_enc_fail(struct proto_msg *m, int rc);
void proto_enc_u16(struct proto_msg *m, uint16_t v);
void proto_enc_u32(struct proto_msg *m, uint32_t v);
void proto_enc_u64(struct proto_msg *m, uint64_t v);
/** Copy n bytes into the message. */
void proto_enc_bytes(struct proto_msg *m, const void *p, size_t n);
/** Reference n bytes at p (zero copy): they must outlive the message's use. */
void proto_enc_ref(struct proto_msg *m, const void *p, size_t n);
void proto_enc_uuid(struct proto_msg *m, const uuid_t u);
/** u32 length + bytes (copied). The caller validated the key. */
void proto_enc_key(struct proto_msg *m, const daos_key_t *key);
void proto_enc_oid(struct proto_msg *m, daos_obj_id_t oid);
void proto_enc_recx(struct proto_msg *m, const daos_recx_t *rx);
void proto_enc_anchor(struct proto_msg *m, const daos_anchor_t *a);

/*
 * Reading an untrusted body. The first failure is sticky: it keeps its
 * message (prefixed by the context, e.g. "iod 3: ") and every later read
 * returns zeros, so a decoder checks pd_rc before it allocates or loops on a
 * value it read.
 */
struct proto_dec {
	const uint8_t *pd_buf;
	size_t         pd_len;
	size_t         pd_off;
	int            pd_rc;
	char          *pd_errbuf;
	size_t         pd_errlen;
	const char    *pd_ctx; /* "iod", "key", ... or NULL */
	uint32_t       pd_idx; /* index within pd_ctx */
};

void proto_dec_init(struct proto_dec *d, const void *body, size_t len, char *errbuf,
		    size_t errlen);
/** Record -DER_PROTO (first failure only) with a message; returns pd_rc. */
int proto_dec_fail(struct proto_dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int proto_dec_nomem(struct proto_dec *d);
/** Bytes left to read. */
static inline size_t
proto_dec_left(const struct proto_dec *d)
{
	return d->pd_len - d->pd_off;
}
/** Take n bytes (pointer into the body), or NULL after "truncated <what>". */
const uint8_t *proto_dec_take(struct proto_dec *d, size_t n, const char *what);
uint16_t proto_dec_u16(struct proto_dec *d, const char *what);
uint32_t proto_dec_u32(struct proto_dec *d, const char *what);
uint64_t proto_dec_u64(struct proto_dec *d, const char *what);
void proto_dec_uuid(struct proto_dec *d, uuid_t u, const char *what);
/** Key of 0 (allow_empty) or 1..PROTO_KEY_MAX bytes; *key points into the body. */
void proto_dec_key(struct proto_dec *d, daos_key_t *key, bool allow_empty, const char *what);
/** Blob of 0..max bytes; *iov points into the body. */
void proto_dec_blob(struct proto_dec *d, d_iov_t *iov, uint32_t max, const char *what);
void proto_dec_oid(struct proto_dec *d, daos_obj_id_t *oid, const char *what);
void proto_dec_recx(struct proto_dec *d, daos_recx_t *rx, const char *what);
void proto_dec_anchor(struct proto_dec *d, daos_anchor_t *a, const char *what);
/** A count in [min, max]; 0 on failure. */
uint32_t proto_dec_count(struct proto_dec *d, uint32_t min, uint32_t max, const char *what);
/**
 * Check that nr entries of at least `each` bytes can still follow, before an
 * array for them is allocated (so allocations never exceed the body size).
 */
int proto_dec_need(struct proto_dec *d, uint32_t nr, size_t each, const char *what);
/** Point iov at n body bytes: the body is const, decoded iovs are read-only by contract. */
static inline void
proto_dec_iov_set(d_iov_t *iov, const uint8_t *p, size_t n)
{
	d_iov_set(iov, (void *)(uintptr_t)p, n);
}
/** The whole body must have been read: trailing bytes are refused. */
int proto_dec_end(struct proto_dec *d, const char *what);

#endif /* PROTO_INTERNAL_H */
