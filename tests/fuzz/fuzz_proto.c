/*
 * fuzz_proto.c: libFuzzer target for the data-plane wire decoders.
 *
 * Input layout: byte 0 chooses what to exercise, the rest is the data.
 *   byte 0 bit 7 set: the data is a whole message (40-byte header + body):
 *     proto_hdr_decode(), then proto_check_crc() and the body decoder of the
 *     header's opcode and direction (whatever the CRC says, so bodies are
 *     reached without the fuzzer having to forge CRCs).
 *   otherwise: the data is a body; bits 0-4 pick one of the opcodes and bit 5
 *     picks request or reply.
 * Properties: no crash, no out-of-bounds read, no leak; a failed decode
 * leaves a message; a successful decode re-encodes to the same bytes for the
 * messages whose encoding is canonical (checked for a few).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "proto/proto.h"

static const uint16_t fuzz_ops[] = {
	PROTO_OP_PING, PROTO_OP_TGT_POOL_CREATE, PROTO_OP_TGT_POOL_DESTROY,
	PROTO_OP_TGT_CONT_CREATE, PROTO_OP_TGT_CONT_DESTROY, PROTO_OP_TGT_MAP_UPDATE,
	PROTO_OP_TGT_QUERY, PROTO_OP_OBJ_UPDATE, PROTO_OP_OBJ_FETCH, PROTO_OP_OBJ_PUNCH,
	PROTO_OP_OBJ_PUNCH_DKEYS, PROTO_OP_OBJ_PUNCH_AKEYS, PROTO_OP_OBJ_LIST_DKEY,
	PROTO_OP_OBJ_LIST_AKEY, PROTO_OP_OBJ_LIST_RECX, PROTO_OP_OBJ_LIST_OBJ,
	PROTO_OP_OBJ_QUERY_KEY,
};

/* Flatten an encoded message and compare with the input body. */
static void
check_same(struct proto_msg *m, const uint8_t *body, size_t len)
{
	const struct iovec *iov;
	int                 cnt;
	size_t              off = 0;

	if (proto_msg_iov(m, &iov, &cnt) != 0)
		abort();
	for (int i = 0; i < cnt; i++) {
		if (off + iov[i].iov_len > len || memcmp(body + off, iov[i].iov_base,
							 iov[i].iov_len) != 0)
			abort();
		off += iov[i].iov_len;
	}
	if (off != len)
		abort();
}

/* Re-encode what was decoded: must succeed and give back the same bytes. */
static void
reencode(uint16_t op, bool reply, union proto_body *b, const uint8_t *body, size_t len)
{
	struct proto_msg m;
	int              rc = 1;

	proto_msg_init(&m);
	if (op == PROTO_OP_OBJ_UPDATE && !reply)
		rc = proto_obj_update_enc(&b->pb_update, &m);
	else if (op == PROTO_OP_OBJ_FETCH && reply)
		rc = proto_obj_fetch_rep_enc(&b->pb_fetch_rep, &m);
	else if (op == PROTO_OP_OBJ_FETCH)
		rc = proto_obj_fetch_enc(&b->pb_fetch, &m);
	else if ((op == PROTO_OP_OBJ_LIST_DKEY || op == PROTO_OP_OBJ_LIST_AKEY) && reply)
		rc = proto_obj_list_key_rep_enc(&b->pb_list_key_rep, &m);
	else if (op == PROTO_OP_OBJ_LIST_RECX && reply)
		rc = proto_obj_list_recx_rep_enc(&b->pb_list_recx_rep, &m);
	else if (op == PROTO_OP_TGT_MAP_UPDATE && !reply)
		rc = proto_tgt_map_update_enc(&b->pb_map_update, &m);
	if (rc == 0)
		check_same(&m, body, len);
	else if (rc != 1)
		abort(); /* a decoded message must encode */
	proto_msg_fini(&m);
}

static void
fuzz_body(uint16_t op, bool reply, const uint8_t *body, size_t len)
{
	union proto_body b;
	char             err[256] = "";
	int              rc;

	rc = proto_body_dec(op, reply, body, len, &b, err, sizeof(err));
	if (rc == 0) {
		reencode(op, reply, &b, body, len);
		proto_body_fini(op, reply, &b);
	} else if (rc != -DER_PROTO && rc != -DER_NOMEM) {
		abort();
	} else if (err[0] == '\0') {
		abort(); /* every refusal says why */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	uint8_t  sel;

	if (size < 1)
		return 0;
	sel = data[0];
	/* An exact-size heap copy, so ASan catches a read one byte past the end. */
	copy = malloc(size - 1 == 0 ? 1 : size - 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	size--;

	if (sel & 0x80) {
		struct proto_hdr h;
		char             err[256] = "";

		if (proto_hdr_decode(copy, size, &h, err, sizeof(err)) == 0) {
			const uint8_t *body = copy + PROTO_HDR_SIZE;
			size_t         blen = size - PROTO_HDR_SIZE;

			if (blen >= h.ph_body_len) {
				(void)proto_check_crc(copy, &h, body, err, sizeof(err));
				fuzz_body(h.ph_opcode, (h.ph_flags & PROTO_F_REPLY) != 0, body,
					  h.ph_body_len);
			}
		} else if (err[0] == '\0') {
			abort();
		}
	} else {
		uint16_t op = fuzz_ops[(sel & 0x1f) % (sizeof(fuzz_ops) / sizeof(fuzz_ops[0]))];

		fuzz_body(op, (sel & 0x20) != 0, copy, size);
	}
	free(copy);
	return 0;
}
