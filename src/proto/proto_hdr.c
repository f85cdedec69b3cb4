/*
 * proto_hdr.c: the 40-byte message header (see proto.h for the layout):
 * encoding, validation of untrusted headers, framing (body length + CRC32C)
 * and the CRC check of a received message.
 *
 * The header is validated before its body is read, so a peer cannot make us
 * allocate or wait for more than PROTO_BODY_MAX bytes. The version is checked
 * right after the magic: a future version may change everything after the
 * first 8 bytes, so nothing else is interpreted when it differs.
 */
#include <string.h>

#include <daos_errno.h>

#include "gurt/checksum.h"
#include "gurt/errbuf.h"
#include "proto/proto.h"
#include "proto/proto_internal.h"

/* Byte offsets of the fields (proto.h). */
#define HDR_OFF_MAGIC    0
#define HDR_OFF_VERSION  4
#define HDR_OFF_OPCODE   6
#define HDR_OFF_FLAGS    8
#define HDR_OFF_STATUS   12
#define HDR_OFF_RPC_ID   16
#define HDR_OFF_MAP_VER  24
#define HDR_OFF_BODY_LEN 28
#define HDR_OFF_CRC      32
#define HDR_OFF_RESERVED 36

_Static_assert(HDR_OFF_RESERVED + 4 == PROTO_HDR_SIZE, "header layout");

static const char *const proto_op_names[] = {
	[PROTO_OP_PING]             = "ping",
	[PROTO_OP_TGT_POOL_CREATE]  = "tgt_pool_create",
	[PROTO_OP_TGT_POOL_DESTROY] = "tgt_pool_destroy",
	[PROTO_OP_TGT_CONT_CREATE]  = "tgt_cont_create",
	[PROTO_OP_TGT_CONT_DESTROY] = "tgt_cont_destroy",
	[PROTO_OP_TGT_MAP_UPDATE]   = "tgt_map_update",
	[PROTO_OP_TGT_QUERY]        = "tgt_query",
	[PROTO_OP_OBJ_UPDATE]       = "obj_update",
	[PROTO_OP_OBJ_FETCH]        = "obj_fetch",
	[PROTO_OP_OBJ_PUNCH]        = "obj_punch",
	[PROTO_OP_OBJ_PUNCH_DKEYS]  = "obj_punch_dkeys",
	[PROTO_OP_OBJ_PUNCH_AKEYS]  = "obj_punch_akeys",
	[PROTO_OP_OBJ_LIST_DKEY]    = "obj_list_dkey",
	[PROTO_OP_OBJ_LIST_AKEY]    = "obj_list_akey",
	[PROTO_OP_OBJ_LIST_RECX]    = "obj_list_recx",
	[PROTO_OP_OBJ_LIST_OBJ]     = "obj_list_obj",
	[PROTO_OP_OBJ_QUERY_KEY]    = "obj_query_key",
};

const char *
proto_opcode_name(uint16_t opcode)
{
	if (opcode >= sizeof(proto_op_names) / sizeof(proto_op_names[0]))
		return NULL;
	return proto_op_names[opcode];
}

void
proto_hdr_encode(const struct proto_hdr *h, uint8_t out[PROTO_HDR_SIZE])
{
	d_put_le32(out + HDR_OFF_MAGIC, h->ph_magic);
	d_put_le16(out + HDR_OFF_VERSION, h->ph_version);
	d_put_le16(out + HDR_OFF_OPCODE, h->ph_opcode);
	d_put_le32(out + HDR_OFF_FLAGS, h->ph_flags);
	d_put_le32(out + HDR_OFF_STATUS, (uint32_t)h->ph_status);
	d_put_le64(out + HDR_OFF_RPC_ID, h->ph_rpc_id);
	d_put_le32(out + HDR_OFF_MAP_VER, h->ph_map_version);
	d_put_le32(out + HDR_OFF_BODY_LEN, h->ph_body_len);
	d_put_le32(out + HDR_OFF_CRC, h->ph_crc);
	d_put_le32(out + HDR_OFF_RESERVED, h->ph_reserved);
}

int
proto_hdr_decode(const uint8_t *buf, size_t len, struct proto_hdr *h, char *errbuf, size_t errlen)
{
	if (buf == NULL || len < PROTO_HDR_SIZE) {
		d_errbuf_printf(errbuf, errlen, "truncated header: %zu bytes, a header is %d bytes",
				buf == NULL ? (size_t)0 : len, PROTO_HDR_SIZE);
		return -DER_PROTO;
	}

	h->ph_magic       = d_get_le32(buf + HDR_OFF_MAGIC);
	h->ph_version     = d_get_le16(buf + HDR_OFF_VERSION);
	h->ph_opcode      = d_get_le16(buf + HDR_OFF_OPCODE);
	h->ph_flags       = d_get_le32(buf + HDR_OFF_FLAGS);
	h->ph_status      = (int32_t)d_get_le32(buf + HDR_OFF_STATUS);
	h->ph_rpc_id      = d_get_le64(buf + HDR_OFF_RPC_ID);
	h->ph_map_version = d_get_le32(buf + HDR_OFF_MAP_VER);
	h->ph_body_len    = d_get_le32(buf + HDR_OFF_BODY_LEN);
	h->ph_crc         = d_get_le32(buf + HDR_OFF_CRC);
	h->ph_reserved    = d_get_le32(buf + HDR_OFF_RESERVED);

	if (h->ph_magic != PROTO_MAGIC) {
		d_errbuf_printf(errbuf, errlen, "bad magic 0x%08x (expected 0x%08x, \"DAOS\")",
				h->ph_magic, PROTO_MAGIC);
		return -DER_PROTO;
	}
	if (h->ph_version != PROTO_VERSION) {
		d_errbuf_printf(errbuf, errlen,
				"protocol version %u is not supported (this side speaks %d)",
				h->ph_version, PROTO_VERSION);
		return -DER_PROTO;
	}
	if (proto_opcode_name(h->ph_opcode) == NULL) {
		d_errbuf_printf(errbuf, errlen, "unknown opcode %u", h->ph_opcode);
		return -DER_PROTO;
	}
	if (h->ph_flags & ~PROTO_F_REPLY) {
		d_errbuf_printf(errbuf, errlen, "unknown flag bits 0x%x in flags 0x%x",
				h->ph_flags & ~PROTO_F_REPLY, h->ph_flags);
		return -DER_PROTO;
	}
	if (!(h->ph_flags & PROTO_F_REPLY) && h->ph_status != 0) {
		d_errbuf_printf(errbuf, errlen, "status %d in a request, must be 0",
				h->ph_status);
		return -DER_PROTO;
	}
	if (h->ph_status > 0) {
		d_errbuf_printf(errbuf, errlen, "status %d in a reply, must be 0 or negative",
				h->ph_status);
		return -DER_PROTO;
	}
	if (h->ph_reserved != 0) {
		d_errbuf_printf(errbuf, errlen, "reserved field is 0x%x, must be 0",
				h->ph_reserved);
		return -DER_PROTO;
	}
	if (h->ph_body_len > PROTO_BODY_MAX) {
		d_errbuf_printf(errbuf, errlen, "body length %u exceeds the maximum %u",
				h->ph_body_len, PROTO_BODY_MAX);
		return -DER_PROTO;
	}
	return 0;
}

/* CRC32C of the encoded header with its crc field taken as 0. */
static uint32_t
proto_hdr_crc(const uint8_t hdr[PROTO_HDR_SIZE])
{
	static const uint8_t zero[4];
	uint32_t             crc;

	crc = d_crc32c(0, hdr, HDR_OFF_CRC);
	crc = d_crc32c(crc, zero, sizeof(zero));
	return d_crc32c(crc, hdr + HDR_OFF_RESERVED, PROTO_HDR_SIZE - HDR_OFF_RESERVED);
}

int
proto_frame(struct proto_hdr *h, const struct iovec *body, int iovcnt, uint8_t out[PROTO_HDR_SIZE])
{
	struct proto_hdr tmp = *h;
	size_t           total = 0;
	uint32_t         crc;

	if (iovcnt < 0 || (iovcnt > 0 && body == NULL))
		return -DER_INVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (body[i].iov_len > 0 && body[i].iov_base == NULL)
			return -DER_INVAL;
		if (body[i].iov_len > PROTO_BODY_MAX - total)
			return -DER_OVERFLOW;
		total += body[i].iov_len;
	}

	tmp.ph_body_len = (uint32_t)total;
	tmp.ph_crc      = 0;
	proto_hdr_encode(&tmp, out);
	crc = proto_hdr_crc(out);
	for (int i = 0; i < iovcnt; i++)
		crc = d_crc32c(crc, body[i].iov_base, body[i].iov_len);
	tmp.ph_crc = crc;
	d_put_le32(out + HDR_OFF_CRC, crc);
	*h = tmp;
	return 0;
}

int
proto_check_crc(const uint8_t hdr[PROTO_HDR_SIZE], const struct proto_hdr *h, const void *body,
		char *errbuf, size_t errlen)
{
	uint32_t crc;

	if (h->ph_body_len > 0 && body == NULL) {
		d_errbuf_printf(errbuf, errlen, "checksum mismatch: body of %u bytes is missing",
				h->ph_body_len);
		return -DER_PROTO;
	}
	crc = proto_hdr_crc(hdr);
	crc = d_crc32c(crc, body, h->ph_body_len);
	if (crc != h->ph_crc) {
		const char *name = proto_opcode_name(h->ph_opcode);

		d_errbuf_printf(errbuf, errlen,
				"checksum mismatch: header says 0x%08x, computed 0x%08x "
				"(%s %s, rpc id %llu, body %u bytes)",
				h->ph_crc, crc, name != NULL ? name : "unknown opcode",
				(h->ph_flags & PROTO_F_REPLY) ? "reply" : "request",
				(unsigned long long)h->ph_rpc_id, h->ph_body_len);
		return -DER_PROTO;
	}
	return 0;
}
