/*
 * test_proto.c: unit tests of src/proto, the data-plane wire format: the
 * header (every bad field with its code and message), framing and CRC, a
 * round trip of every message, truncation at every byte, overflow of data
 * totals and every limit exceeded by one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "proto/proto.h"
#include "proto/proto_internal.h"

static char errbuf[256];

/* Concatenate an encoded body into one malloc'd buffer (never NULL). */
static uint8_t *
flatten(struct proto_msg *m, size_t *len)
{
	const struct iovec *iov;
	int                 cnt;
	uint8_t            *buf;
	size_t              off = 0;

	assert_int_equal(proto_msg_iov(m, &iov, &cnt), 0);
	buf = malloc(m->pm_len + 1);
	assert_non_null(buf);
	for (int i = 0; i < cnt; i++) {
		memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	assert_int_equal(off, m->pm_len);
	*len = off;
	return buf;
}

static void
fill_req(struct proto_obj_req *r)
{
	memset(r, 0, sizeof(*r));
	uuid_parse("11111111-2222-3333-4444-555555555555", r->or_pool);
	uuid_parse("66666666-7777-8888-9999-aaaaaaaaaaaa", r->or_cont);
	r->or_tgt_idx = 7;
	r->or_oid     = (daos_obj_id_t){.lo = 0x1234, .hi = 0xabcd000000000001ULL};
	r->or_epoch   = 0x0102030405060708ULL;
}

static void
check_req(const struct proto_obj_req *a, const struct proto_obj_req *b)
{
	assert_memory_equal(a->or_pool, b->or_pool, 16);
	assert_memory_equal(a->or_cont, b->or_cont, 16);
	assert_int_equal(a->or_tgt_idx, b->or_tgt_idx);
	assert_true(a->or_oid.lo == b->or_oid.lo && a->or_oid.hi == b->or_oid.hi);
	assert_true(a->or_epoch == b->or_epoch);
}

static void
check_key(const daos_key_t *k, const char *s)
{
	assert_int_equal(k->iov_len, strlen(s));
	assert_memory_equal(k->iov_buf, s, strlen(s));
}

static void
set_key(daos_key_t *k, const char *s)
{
	d_iov_set(k, (void *)s, strlen(s));
}

static struct proto_hdr
good_hdr(void)
{
	return (struct proto_hdr){.ph_magic = PROTO_MAGIC, .ph_version = PROTO_VERSION,
				  .ph_opcode = PROTO_OP_OBJ_UPDATE, .ph_rpc_id = 42,
				  .ph_map_version = 3, .ph_body_len = 10};
}

/* Encode a header, decode it, expect rc and message. */
static void
hdr_expect(const struct proto_hdr *h, int rc, const char *msg)
{
	uint8_t          buf[PROTO_HDR_SIZE];
	struct proto_hdr out;

	proto_hdr_encode(h, buf);
	errbuf[0] = '\0';
	assert_int_equal(proto_hdr_decode(buf, sizeof(buf), &out, errbuf, sizeof(errbuf)), rc);
	if (msg != NULL)
		assert_string_equal(errbuf, msg);
}

/* PROTO01: a header round-trips, its bytes are little-endian at the documented offsets, opcodes have names */
static void
proto01_hdr_round_trip(void **state)
{
	struct proto_hdr h = good_hdr(), out;
	uint8_t          buf[PROTO_HDR_SIZE];

	(void)state;
	h.ph_flags  = PROTO_F_REPLY;
	h.ph_status = -DER_NONEXIST;
	h.ph_crc    = 0xdeadbeef;
	proto_hdr_encode(&h, buf);
	assert_memory_equal(buf, "DAOS", 4);
	assert_int_equal(buf[4], 1);
	assert_int_equal(buf[6], PROTO_OP_OBJ_UPDATE);
	assert_int_equal(buf[16], 42);
	assert_int_equal(buf[32], 0xef);
	assert_int_equal(proto_hdr_decode(buf, sizeof(buf), &out, errbuf, sizeof(errbuf)), 0);
	assert_memory_equal(&h, &out, sizeof(h));

	assert_string_equal(proto_opcode_name(PROTO_OP_PING), "ping");
	assert_string_equal(proto_opcode_name(PROTO_OP_OBJ_UPDATE), "obj_update");
	assert_string_equal(proto_opcode_name(PROTO_OP_TGT_QUERY), "tgt_query");
	assert_string_equal(proto_opcode_name(PROTO_OP_OBJ_QUERY_KEY), "obj_query_key");
	assert_null(proto_opcode_name(0));
	assert_null(proto_opcode_name(8));
	assert_null(proto_opcode_name(26));
	assert_null(proto_opcode_name(0xffff));
}

/* PROTO02: every bad header field is refused with -DER_PROTO and a message naming it */
static void
proto02_hdr_bad_fields(void **state)
{
	struct proto_hdr h;
	struct proto_hdr out;
	uint8_t          buf[PROTO_HDR_SIZE] = {0};

	(void)state;
	assert_int_equal(proto_hdr_decode(buf, 39, &out, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "truncated header: 39 bytes, a header is 40 bytes");
	assert_int_equal(proto_hdr_decode(NULL, 40, &out, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_int_equal(proto_hdr_decode(buf, 40, &out, NULL, 0), -DER_PROTO);

	h = good_hdr(), h.ph_magic = 0x534f4145;
	hdr_expect(&h, -DER_PROTO, "bad magic 0x534f4145 (expected 0x534f4144, \"DAOS\")");
	h = good_hdr(), h.ph_version = 2;
	hdr_expect(&h, -DER_PROTO, "protocol version 2 is not supported (this side speaks 1)");
	h = good_hdr(), h.ph_version = 0;
	hdr_expect(&h, -DER_PROTO, "protocol version 0 is not supported (this side speaks 1)");
	h = good_hdr(), h.ph_opcode = 0;
	hdr_expect(&h, -DER_PROTO, "unknown opcode 0");
	h = good_hdr(), h.ph_opcode = 8;
	hdr_expect(&h, -DER_PROTO, "unknown opcode 8");
	h = good_hdr(), h.ph_opcode = 26;
	hdr_expect(&h, -DER_PROTO, "unknown opcode 26");
	h = good_hdr(), h.ph_flags = 0x3;
	hdr_expect(&h, -DER_PROTO, "unknown flag bits 0x2 in flags 0x3");
	h = good_hdr(), h.ph_flags = 0x80000000u;
	hdr_expect(&h, -DER_PROTO, "unknown flag bits 0x80000000 in flags 0x80000000");
	h = good_hdr(), h.ph_status = -DER_INVAL;
	hdr_expect(&h, -DER_PROTO, "status -1003 in a request, must be 0");
	h = good_hdr(), h.ph_flags = PROTO_F_REPLY, h.ph_status = 5;
	hdr_expect(&h, -DER_PROTO, "status 5 in a reply, must be 0 or negative");
	h = good_hdr(), h.ph_reserved = 1;
	hdr_expect(&h, -DER_PROTO, "reserved field is 0x1, must be 0");
	h = good_hdr(), h.ph_body_len = PROTO_BODY_MAX + 1;
	hdr_expect(&h, -DER_PROTO, "body length 68157441 exceeds the maximum 68157440");
	h = good_hdr(), h.ph_body_len = PROTO_BODY_MAX;
	hdr_expect(&h, 0, NULL);
	/* A longer buffer is fine: only the first 40 bytes are the header. */
	h = good_hdr();
	proto_hdr_encode(&h, buf);
	{
		uint8_t big[64] = {0};

		memcpy(big, buf, sizeof(buf));
		assert_int_equal(proto_hdr_decode(big, sizeof(big), &out, errbuf, sizeof(errbuf)), 0);
	}
}

/* PROTO03: framing fills length and CRC; the CRC check catches a flipped body or header byte */
static void
proto03_frame_crc(void **state)
{
	struct proto_hdr h = good_hdr(), out;
	uint8_t          hdr[PROTO_HDR_SIZE];
	uint8_t          body[100];
	struct iovec     iov[2];

	(void)state;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7);
	iov[0] = (struct iovec){.iov_base = body, .iov_len = 30};
	iov[1] = (struct iovec){.iov_base = body + 30, .iov_len = 70};
	assert_int_equal(proto_frame(&h, iov, 2, hdr), 0);
	assert_int_equal(h.ph_body_len, 100);
	assert_int_equal(proto_hdr_decode(hdr, sizeof(hdr), &out, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(out.ph_crc, h.ph_crc);
	assert_int_equal(proto_check_crc(hdr, &out, body, errbuf, sizeof(errbuf)), 0);

	/* The split of the body does not matter. */
	{
		struct proto_hdr h2 = good_hdr();
		uint8_t          hdr2[PROTO_HDR_SIZE];
		struct iovec     one = {.iov_base = body, .iov_len = sizeof(body)};

		assert_int_equal(proto_frame(&h2, &one, 1, hdr2), 0);
		assert_memory_equal(hdr, hdr2, sizeof(hdr));
	}

	body[57] ^= 0x10;
	assert_int_equal(proto_check_crc(hdr, &out, body, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_non_null(strstr(errbuf, "checksum mismatch: header says 0x"));
	assert_non_null(strstr(errbuf, "(obj_update request, rpc id 42, body 100 bytes)"));
	body[57] ^= 0x10;

	hdr[16] ^= 1; /* rpc id */
	assert_int_equal(proto_hdr_decode(hdr, sizeof(hdr), &out, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(proto_check_crc(hdr, &out, body, errbuf, sizeof(errbuf)), -DER_PROTO);
	hdr[16] ^= 1;
	assert_int_equal(proto_hdr_decode(hdr, sizeof(hdr), &out, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(proto_check_crc(hdr, &out, body, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(proto_check_crc(hdr, &out, NULL, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "checksum mismatch: body of 100 bytes is missing");

	/* Empty body. */
	h = good_hdr();
	h.ph_opcode = PROTO_OP_PING;
	assert_int_equal(proto_frame(&h, NULL, 0, hdr), 0);
	assert_int_equal(h.ph_body_len, 0);
	assert_int_equal(proto_hdr_decode(hdr, sizeof(hdr), &out, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(proto_check_crc(hdr, &out, NULL, errbuf, sizeof(errbuf)), 0);
}

/* PROTO04: framing refuses bad iovecs and bodies over PROTO_BODY_MAX, leaving the header untouched */
static void
proto04_frame_errors(void **state)
{
	struct proto_hdr h = good_hdr();
	uint8_t          hdr[PROTO_HDR_SIZE];
	static uint8_t   byte;
	struct iovec     iov[2];

	(void)state;
	assert_int_equal(proto_frame(&h, NULL, -1, hdr), -DER_INVAL);
	assert_int_equal(proto_frame(&h, NULL, 1, hdr), -DER_INVAL);
	iov[0] = (struct iovec){.iov_base = NULL, .iov_len = 1};
	assert_int_equal(proto_frame(&h, iov, 1, hdr), -DER_INVAL);
	/* Lengths are checked before anything is read, so these bytes are never touched. */
	iov[0] = (struct iovec){.iov_base = &byte, .iov_len = PROTO_BODY_MAX};
	iov[1] = (struct iovec){.iov_base = &byte, .iov_len = 1};
	assert_int_equal(proto_frame(&h, iov, 2, hdr), -DER_OVERFLOW);
	assert_int_equal(h.ph_body_len, 10);
}

/* PROTO05: OBJ_UPDATE round trip; data is referenced, not copied, and decodes as one iov per iod */
static void
proto05_update_round_trip(void **state)
{
	struct proto_obj_update req = {0}, out;
	struct proto_msg        m;
	daos_iod_t              iods[3];
	daos_recx_t             rx[2] = {{.rx_idx = 0, .rx_nr = 3}, {.rx_idx = 10, .rx_nr = 2}};
	char                    sv[]  = "single value";
	char                    arr1[12], arr2[8];
	d_iov_t                 sv_iov, arr_iov[2];
	d_sg_list_t             sgls[3];
	const struct iovec     *iov;
	int                     cnt;
	uint8_t                *body;
	size_t                  len;
	bool                    ref_found = false;

	(void)state;
	memset(arr1, 'a', sizeof(arr1));
	memset(arr2, 'b', sizeof(arr2));
	fill_req(&req.ou_req);
	set_key(&req.ou_dkey, "dkey0");
	memset(iods, 0, sizeof(iods));
	set_key(&iods[0].iod_name, "sv");
	iods[0].iod_type = DAOS_IOD_SINGLE;
	iods[0].iod_size = strlen(sv);
	iods[0].iod_nr   = 1;
	set_key(&iods[1].iod_name, "arr");
	iods[1].iod_type   = DAOS_IOD_ARRAY;
	iods[1].iod_size   = 4;
	iods[1].iod_nr     = 2;
	iods[1].iod_recxs  = rx;
	set_key(&iods[2].iod_name, "punched");
	iods[2].iod_type = DAOS_IOD_ARRAY;
	iods[2].iod_size = 0; /* punch: no data */
	iods[2].iod_nr   = 1;
	iods[2].iod_recxs = rx;
	d_iov_set(&sv_iov, sv, strlen(sv) + 1); /* one byte more than needed: ignored */
	d_iov_set(&arr_iov[0], arr1, sizeof(arr1));
	d_iov_set(&arr_iov[1], arr2, sizeof(arr2));
	sgls[0] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &sv_iov};
	sgls[1] = (d_sg_list_t){.sg_nr = 2, .sg_iovs = arr_iov};
	sgls[2] = (d_sg_list_t){0};
	req.ou_iod_nr = 3;
	req.ou_iods   = iods;
	req.ou_sgls   = sgls;

	proto_msg_init(&m);
	assert_int_equal(proto_obj_update_enc(&req, &m), 0);
	assert_int_equal(proto_msg_iov(&m, &iov, &cnt), 0);
	/* descriptors (one run), sv, arr1, arr2 */
	assert_int_equal(cnt, 4);
	for (int i = 0; i < cnt; i++)
		if (iov[i].iov_base == arr1 && iov[i].iov_len == sizeof(arr1))
			ref_found = true;
	assert_true(ref_found);
	assert_ptr_equal(iov[1].iov_base, sv);
	assert_int_equal(iov[1].iov_len, strlen(sv));
	body = flatten(&m, &len);

	assert_int_equal(proto_obj_update_dec(body, len, &out, errbuf, sizeof(errbuf)), 0);
	/* Where the data starts, from the descriptors alone; not from a shorter prefix. */
	{
		size_t off = 0;
		size_t at  = (size_t)((uint8_t *)out.ou_sgls[0].sg_iovs[0].iov_buf - body);

		assert_int_equal(proto_obj_update_data_off(body, len, &off), 0);
		assert_int_equal(off, at);
		assert_int_equal(proto_obj_update_data_off(body, at, &off), 0);
		assert_int_equal(off, at);
		assert_int_equal(proto_obj_update_data_off(body, at - 1, &off), -DER_PROTO);
		assert_int_equal(proto_obj_update_data_off(body, 10, &off), -DER_PROTO);
	}
	check_req(&out.ou_req, &req.ou_req);
	check_key(&out.ou_dkey, "dkey0");
	assert_int_equal(out.ou_iod_nr, 3);
	check_key(&out.ou_iods[0].iod_name, "sv");
	assert_int_equal(out.ou_iods[0].iod_type, DAOS_IOD_SINGLE);
	assert_int_equal(out.ou_iods[0].iod_nr, 1);
	assert_null(out.ou_iods[0].iod_recxs);
	assert_int_equal(out.ou_sgls[0].sg_iovs[0].iov_len, strlen(sv));
	assert_memory_equal(out.ou_sgls[0].sg_iovs[0].iov_buf, sv, strlen(sv));
	/* zero copy: the data points into the body */
	assert_true((uint8_t *)out.ou_sgls[0].sg_iovs[0].iov_buf >= body &&
		    (uint8_t *)out.ou_sgls[0].sg_iovs[0].iov_buf < body + len);
	check_key(&out.ou_iods[1].iod_name, "arr");
	assert_int_equal(out.ou_iods[1].iod_nr, 2);
	assert_int_equal(out.ou_iods[1].iod_size, 4);
	assert_memory_equal(out.ou_iods[1].iod_recxs, rx, sizeof(rx));
	assert_int_equal(out.ou_sgls[1].sg_nr, 1);
	assert_int_equal(out.ou_sgls[1].sg_iovs[0].iov_len, 20);
	assert_memory_equal(out.ou_sgls[1].sg_iovs[0].iov_buf, "aaaaaaaaaaaabbbbbbbb", 20);
	assert_int_equal(out.ou_sgls[2].sg_iovs[0].iov_len, 0);
	assert_int_equal(out.ou_iods[2].iod_size, 0);
	proto_obj_update_fini(&out);
	free(body);

	/* Reuse after reset: same bytes again. */
	proto_msg_reset(&m);
	assert_int_equal(m.pm_len, 0);
	assert_int_equal(proto_obj_update_enc(&req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_update_dec(body, len, &out, errbuf, sizeof(errbuf)), 0);
	proto_obj_update_fini(&out);
	free(body);
	proto_msg_fini(&m);
}

/* PROTO06: OBJ_FETCH request and reply round trip, including a reply with no data */
static void
proto06_fetch_round_trip(void **state)
{
	struct proto_obj_fetch     req = {0}, out;
	struct proto_obj_fetch_rep rep = {0}, rout;
	struct proto_msg           m;
	daos_iod_t                 iods[2];
	daos_recx_t                rx      = {.rx_idx = 5, .rx_nr = 4};
	uint64_t                   bufl[2] = {100, 4096};
	daos_size_t                sizes[2] = {3, 8};
	char                       d0[] = "xyz", d1a[] = "1234", d1b[] = "5678";
	d_iov_t                    i0, i1[3];
	d_sg_list_t                sgls[2];
	uint8_t                   *body;
	size_t                     len;

	(void)state;
	fill_req(&req.of_req);
	set_key(&req.of_dkey, "d");
	memset(iods, 0, sizeof(iods));
	set_key(&iods[0].iod_name, "a0");
	iods[0].iod_type = DAOS_IOD_SINGLE;
	iods[0].iod_size = DAOS_REC_ANY;
	iods[0].iod_nr   = 1;
	set_key(&iods[1].iod_name, "a1");
	iods[1].iod_type  = DAOS_IOD_ARRAY;
	iods[1].iod_size  = 2;
	iods[1].iod_nr    = 1;
	iods[1].iod_recxs = &rx;
	req.of_iod_nr     = 2;
	req.of_iods       = iods;
	req.of_buf_lens   = bufl;
	req.of_flags      = PROTO_FETCH_SIZES_ONLY;

	proto_msg_init(&m);
	assert_int_equal(proto_obj_fetch_enc(&req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_fetch_dec(body, len, &out, errbuf, sizeof(errbuf)), 0);
	check_req(&out.of_req, &req.of_req);
	check_key(&out.of_dkey, "d");
	assert_int_equal(out.of_iod_nr, 2);
	check_key(&out.of_iods[1].iod_name, "a1");
	assert_int_equal(out.of_iods[1].iod_recxs[0].rx_idx, 5);
	assert_int_equal(out.of_iods[1].iod_recxs[0].rx_nr, 4);
	assert_int_equal(out.of_buf_lens[0], 100);
	assert_int_equal(out.of_buf_lens[1], 4096);
	assert_int_equal(out.of_flags, PROTO_FETCH_SIZES_ONLY);
	proto_obj_fetch_fini(&out);
	free(body);

	/* NULL buffer sizes travel as zeros. */
	proto_msg_reset(&m);
	req.of_buf_lens = NULL;
	assert_int_equal(proto_obj_fetch_enc(&req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_fetch_dec(body, len, &out, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(out.of_buf_lens[1], 0);
	proto_obj_fetch_fini(&out);
	free(body);

	/* Reply: sg_nr_out iovs count, the third iov of sgl 1 is not used. */
	d_iov_set(&i0, d0, 3);
	d_iov_set(&i1[0], d1a, 4);
	d_iov_set(&i1[1], d1b, 4);
	d_iov_set(&i1[2], d0, 3);
	sgls[0] = (d_sg_list_t){.sg_nr = 1, .sg_nr_out = 1, .sg_iovs = &i0};
	sgls[1] = (d_sg_list_t){.sg_nr = 3, .sg_nr_out = 2, .sg_iovs = i1};
	rep.ofr_iod_nr = 2;
	rep.ofr_sizes  = sizes;
	rep.ofr_sgls   = sgls;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_fetch_rep_enc(&rep, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_fetch_rep_dec(body, len, &rout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(rout.ofr_iod_nr, 2);
	assert_int_equal(rout.ofr_sizes[0], 3);
	assert_int_equal(rout.ofr_sizes[1], 8);
	assert_int_equal(rout.ofr_sgls[0].sg_iovs[0].iov_len, 3);
	assert_memory_equal(rout.ofr_sgls[0].sg_iovs[0].iov_buf, "xyz", 3);
	assert_int_equal(rout.ofr_sgls[1].sg_iovs[0].iov_len, 8);
	assert_memory_equal(rout.ofr_sgls[1].sg_iovs[0].iov_buf, "12345678", 8);
	proto_obj_fetch_rep_fini(&rout);
	free(body);

	/* Sizes only (or -DER_REC2BIG): no sgls. */
	rep.ofr_sgls = NULL;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_fetch_rep_enc(&rep, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(len, 4 + 2 * 16);
	assert_int_equal(proto_obj_fetch_rep_dec(body, len, &rout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(rout.ofr_sizes[1], 8);
	assert_int_equal(rout.ofr_sgls[1].sg_iovs[0].iov_len, 0);
	proto_obj_fetch_rep_fini(&rout);
	free(body);

	/* No iods at all. */
	rep.ofr_iod_nr = 0;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_fetch_rep_enc(&rep, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_fetch_rep_dec(body, len, &rout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(rout.ofr_iod_nr, 0);
	proto_obj_fetch_rep_fini(&rout);
	free(body);
	proto_msg_fini(&m);
}

/* PROTO07: the three punches round-trip; punch codecs refuse other opcodes */
static void
proto07_punch_round_trip(void **state)
{
	struct proto_obj_punch req = {0}, out;
	struct proto_msg       m;
	daos_key_t             keys[2];
	uint8_t               *body;
	size_t                 len;

	(void)state;
	fill_req(&req.op_req);
	proto_msg_init(&m);
	assert_int_equal(proto_obj_punch_enc(PROTO_OP_OBJ_PUNCH, &req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(len, 60);
	assert_int_equal(proto_obj_punch_dec(PROTO_OP_OBJ_PUNCH, body, len, &out, errbuf,
					     sizeof(errbuf)), 0);
	check_req(&out.op_req, &req.op_req);
	assert_int_equal(out.op_key_nr, 0);
	proto_obj_punch_fini(&out);
	free(body);

	set_key(&keys[0], "k0");
	set_key(&keys[1], "key-1");
	req.op_key_nr = 2;
	req.op_keys   = keys;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_punch_enc(PROTO_OP_OBJ_PUNCH_DKEYS, &req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_punch_dec(PROTO_OP_OBJ_PUNCH_DKEYS, body, len, &out, errbuf,
					     sizeof(errbuf)), 0);
	assert_int_equal(out.op_key_nr, 2);
	check_key(&out.op_keys[0], "k0");
	check_key(&out.op_keys[1], "key-1");
	proto_obj_punch_fini(&out);
	free(body);

	set_key(&req.op_dkey, "thedkey");
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_punch_enc(PROTO_OP_OBJ_PUNCH_AKEYS, &req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_punch_dec(PROTO_OP_OBJ_PUNCH_AKEYS, body, len, &out, errbuf,
					     sizeof(errbuf)), 0);
	check_key(&out.op_dkey, "thedkey");
	check_key(&out.op_keys[1], "key-1");
	proto_obj_punch_fini(&out);
	/* The same body read as a dkey punch does not parse. */
	assert_int_equal(proto_obj_punch_dec(PROTO_OP_OBJ_PUNCH_DKEYS, body, len, &out, errbuf,
					     sizeof(errbuf)), -DER_PROTO);
	assert_int_equal(proto_obj_punch_dec(PROTO_OP_OBJ_FETCH, body, len, &out, errbuf,
					     sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "opcode 17 is not a punch");
	free(body);

	assert_int_equal(proto_obj_punch_enc(PROTO_OP_OBJ_UPDATE, &req, &m), -DER_INVAL);
	req.op_key_nr = 0;
	assert_int_equal(proto_obj_punch_enc(PROTO_OP_OBJ_PUNCH_DKEYS, &req, &m), -DER_INVAL);
	assert_int_equal(m.pm_len, 0);
	proto_msg_fini(&m);
}

/* PROTO08: key enumeration requests and replies round-trip, including a KEY2BIG reply */
static void
proto08_list_key_round_trip(void **state)
{
	struct proto_obj_list_key     req = {0}, out;
	struct proto_obj_list_key_rep rep = {0}, rout;
	struct proto_msg              m;
	daos_key_desc_t               kds[2] = {{.kd_key_len = 3, .kd_val_type = 1},
						{.kd_key_len = 5, .kd_val_type = 2,
						 .kd_csum_type = 7, .kd_csum_len = 8}};
	char                          keys[] = "abcdefgh";
	uint8_t                      *body;
	size_t                        len;

	(void)state;
	fill_req(&req.olk_req);
	req.olk_nr      = 10;
	req.olk_buf_len = 1000;
	req.olk_anchor.da_type  = DAOS_ANCHOR_TYPE_KEY;
	req.olk_anchor.da_shard = 3;
	req.olk_anchor.da_flags = 9;
	req.olk_anchor.da_sub_anchors = 77;
	memset(req.olk_anchor.da_buf, 0x5a, DAOS_ANCHOR_BUF_MAX);
	req.olk_anchor.da_buf[DAOS_ANCHOR_BUF_MAX - 1] = 1;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_list_key_enc(PROTO_OP_OBJ_LIST_DKEY, &req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_key_dec(PROTO_OP_OBJ_LIST_DKEY, body, len, &out, errbuf,
						sizeof(errbuf)), 0);
	check_req(&out.olk_req, &req.olk_req);
	assert_int_equal(out.olk_nr, 10);
	assert_int_equal(out.olk_buf_len, 1000);
	assert_memory_equal(&out.olk_anchor, &req.olk_anchor, sizeof(daos_anchor_t));
	free(body);

	set_key(&req.olk_dkey, "dk");
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_list_key_enc(PROTO_OP_OBJ_LIST_AKEY, &req, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_key_dec(PROTO_OP_OBJ_LIST_AKEY, body, len, &out, errbuf,
						sizeof(errbuf)), 0);
	check_key(&out.olk_dkey, "dk");
	free(body);

	rep.olkr_nr   = 2;
	rep.olkr_kds  = kds;
	d_iov_set(&rep.olkr_keys, keys, 8);
	rep.olkr_anchor.da_type = DAOS_ANCHOR_TYPE_EOF;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_list_key_rep_enc(&rep, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_key_rep_dec(body, len, &rout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(rout.olkr_nr, 2);
	assert_memory_equal(rout.olkr_kds, kds, sizeof(kds));
	assert_int_equal(rout.olkr_keys.iov_len, 8);
	assert_memory_equal(rout.olkr_keys.iov_buf, "abcdefgh", 8);
	assert_true(daos_anchor_is_eof(&rout.olkr_anchor));
	assert_int_equal(rout.olkr_key_len_needed, 0);
	proto_obj_list_key_rep_fini(&rout);
	free(body);

	/* KEY2BIG reply: no keys, the size needed. */
	memset(&rep, 0, sizeof(rep));
	rep.olkr_key_len_needed = 300;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_list_key_rep_enc(&rep, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_key_rep_dec(body, len, &rout, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(rout.olkr_nr, 0);
	assert_int_equal(rout.olkr_key_len_needed, 300);
	proto_obj_list_key_rep_fini(&rout);
	free(body);
	proto_msg_fini(&m);
}

/* PROTO09: OBJ_LIST_RECX, OBJ_LIST_OBJ and OBJ_QUERY_KEY requests and replies round-trip */
static void
proto09_list_recx_obj_query(void **state)
{
	struct proto_obj_list_recx      lr = {0}, lro;
	struct proto_obj_list_recx_rep  lrr = {0}, lrro;
	struct proto_obj_list_obj       lo = {0}, loo;
	struct proto_obj_list_obj_rep   lor = {0}, loro;
	struct proto_obj_query_key      qk = {0}, qko;
	struct proto_obj_query_key_rep  qkr = {0}, qkro;
	struct proto_msg                m;
	daos_recx_t                     rx[2] = {{1, 2}, {10, 20}};
	daos_epoch_range_t              ep[2] = {{5, 5}, {6, 6}};
	daos_obj_id_t                   oids[3] = {{1, 2}, {3, 4}, {5, 6}};
	uint8_t                        *body;
	size_t                          len;

	(void)state;
	proto_msg_init(&m);
	fill_req(&lr.olr_req);
	set_key(&lr.olr_dkey, "d");
	set_key(&lr.olr_akey, "a");
	lr.olr_nr = PROTO_LIST_NR_MAX;
	assert_int_equal(proto_obj_list_recx_enc(&lr, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_recx_dec(body, len, &lro, errbuf, sizeof(errbuf)), 0);
	check_req(&lro.olr_req, &lr.olr_req);
	check_key(&lro.olr_dkey, "d");
	check_key(&lro.olr_akey, "a");
	assert_int_equal(lro.olr_nr, PROTO_LIST_NR_MAX);
	free(body);

	lrr.olrr_rsize = 8;
	lrr.olrr_nr    = 2;
	lrr.olrr_recxs = rx;
	lrr.olrr_eprs  = ep;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_list_recx_rep_enc(&lrr, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_recx_rep_dec(body, len, &lrro, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(lrro.olrr_rsize, 8);
	assert_int_equal(lrro.olrr_nr, 2);
	assert_memory_equal(lrro.olrr_recxs, rx, sizeof(rx));
	assert_memory_equal(lrro.olrr_eprs, ep, sizeof(ep));
	proto_obj_list_recx_rep_fini(&lrro);
	free(body);

	fill_req(&lo.olo_req);
	lo.olo_nr = 1;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_list_obj_enc(&lo, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_obj_dec(body, len, &loo, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(loo.olo_nr, 1);
	free(body);

	lor.olor_nr   = 3;
	lor.olor_oids = oids;
	lor.olor_anchor.da_type = DAOS_ANCHOR_TYPE_KEY;
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_list_obj_rep_enc(&lor, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_obj_rep_dec(body, len, &loro, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(loro.olor_nr, 3);
	assert_memory_equal(loro.olor_oids, oids, sizeof(oids));
	assert_int_equal(loro.olor_anchor.da_type, DAOS_ANCHOR_TYPE_KEY);
	proto_obj_list_obj_rep_fini(&loro);
	free(body);

	fill_req(&qk.oqk_req);
	qk.oqk_flags = PROTO_QK_AKEY | PROTO_QK_RECX;
	set_key(&qk.oqk_dkey, "dk");
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_query_key_enc(&qk, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_query_key_dec(body, len, &qko, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(qko.oqk_flags, PROTO_QK_AKEY | PROTO_QK_RECX);
	check_key(&qko.oqk_dkey, "dk");
	assert_int_equal(qko.oqk_akey.iov_len, 0);
	free(body);

	set_key(&qkr.oqkr_dkey, "dk");
	set_key(&qkr.oqkr_akey, "ak");
	qkr.oqkr_recx = (daos_recx_t){.rx_idx = 99, .rx_nr = 1};
	proto_msg_reset(&m);
	assert_int_equal(proto_obj_query_key_rep_enc(&qkr, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_query_key_rep_dec(body, len, &qkro, errbuf, sizeof(errbuf)), 0);
	check_key(&qkro.oqkr_dkey, "dk");
	check_key(&qkro.oqkr_akey, "ak");
	assert_int_equal(qkro.oqkr_recx.rx_idx, 99);
	free(body);
	proto_msg_fini(&m);
}

/* PROTO10: target messages round-trip; the map blob is referenced; empty bodies are checked */
static void
proto10_tgt_round_trip(void **state)
{
	struct proto_tgt_pool_create pc = {0}, pco;
	struct proto_tgt_pool        tp = {0}, tpo;
	struct proto_tgt_cont        tc = {0}, tco;
	struct proto_tgt_map_update  mu = {0}, muo;
	struct proto_tgt_query_rep   qr = {1000, 10, 2000, 2000}, qro;
	struct proto_msg             m;
	char                         blob[] = "opaque pool map";
	const struct iovec          *iov;
	int                          cnt;
	uint8_t                     *body;
	size_t                       len;

	(void)state;
	proto_msg_init(&m);
	uuid_generate(pc.tpc_pool);
	pc.tpc_scm_bytes  = 1ULL << 30;
	pc.tpc_nvme_bytes = 1ULL << 40;
	assert_int_equal(proto_tgt_pool_create_enc(&pc, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(len, 32);
	assert_int_equal(proto_tgt_pool_create_dec(body, len, &pco, errbuf, sizeof(errbuf)), 0);
	assert_memory_equal(&pc, &pco, sizeof(pc));
	free(body);

	uuid_generate(tp.tp_pool);
	proto_msg_reset(&m);
	assert_int_equal(proto_tgt_pool_enc(&tp, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_tgt_pool_dec(body, len, &tpo, errbuf, sizeof(errbuf)), 0);
	assert_memory_equal(&tp, &tpo, sizeof(tp));
	free(body);

	uuid_generate(tc.tc_pool);
	uuid_generate(tc.tc_cont);
	proto_msg_reset(&m);
	assert_int_equal(proto_tgt_cont_enc(&tc, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_tgt_cont_dec(body, len, &tco, errbuf, sizeof(errbuf)), 0);
	assert_memory_equal(&tc, &tco, sizeof(tc));
	free(body);

	uuid_generate(mu.tmu_pool);
	mu.tmu_map_version = 12;
	d_iov_set(&mu.tmu_map, blob, sizeof(blob));
	proto_msg_reset(&m);
	assert_int_equal(proto_tgt_map_update_enc(&mu, &m), 0);
	assert_int_equal(proto_msg_iov(&m, &iov, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_ptr_equal(iov[1].iov_base, blob);
	body = flatten(&m, &len);
	assert_int_equal(proto_tgt_map_update_dec(body, len, &muo, errbuf, sizeof(errbuf)), 0);
	assert_memory_equal(muo.tmu_pool, mu.tmu_pool, 16);
	assert_int_equal(muo.tmu_map_version, 12);
	assert_int_equal(muo.tmu_map.iov_len, sizeof(blob));
	assert_memory_equal(muo.tmu_map.iov_buf, blob, sizeof(blob));
	free(body);

	proto_msg_reset(&m);
	assert_int_equal(proto_tgt_query_rep_enc(&qr, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_tgt_query_rep_dec(body, len, &qro, errbuf, sizeof(errbuf)), 0);
	assert_memory_equal(&qr, &qro, sizeof(qr));
	free(body);
	qr.tqr_scm_free = 1001;
	assert_int_equal(proto_tgt_query_rep_enc(&qr, &m), -DER_INVAL);
	proto_msg_fini(&m);

	assert_int_equal(proto_empty_dec(NULL, 0, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(proto_empty_dec("x", 1, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "unexpected body of 1 bytes, this message has none");
}

/* Encode a sample body of each kind the truncation and dispatch tests use. */
static uint8_t *
sample_body(uint16_t opcode, bool reply, size_t *len)
{
	static char                 data[64] = "0123456789abcdef0123456789abcdef";
	static daos_recx_t          rx[2]    = {{0, 2}, {4, 2}};
	static daos_key_desc_t      kds[2]   = {{.kd_key_len = 2}, {.kd_key_len = 3}};
	static daos_obj_id_t        oids[2]  = {{1, 2}, {3, 4}};
	static daos_epoch_range_t   eprs[2]  = {{1, 1}, {2, 2}};
	static daos_size_t          sizes[2] = {4, 16};
	static daos_key_t           keys[2];
	daos_iod_t                  iods[2];
	d_iov_t                     iov[2];
	d_sg_list_t                 sgls[2];
	struct proto_msg            m;
	struct proto_obj_req        req;
	uint8_t                    *body;
	int                         rc = -1;

	fill_req(&req);
	set_key(&keys[0], "k0");
	set_key(&keys[1], "k11");
	memset(iods, 0, sizeof(iods));
	set_key(&iods[0].iod_name, "sv");
	iods[0].iod_type = DAOS_IOD_SINGLE;
	iods[0].iod_size = 4;
	iods[0].iod_nr   = 1;
	set_key(&iods[1].iod_name, "ar");
	iods[1].iod_type  = DAOS_IOD_ARRAY;
	iods[1].iod_size  = 4;
	iods[1].iod_nr    = 2;
	iods[1].iod_recxs = rx;
	d_iov_set(&iov[0], data, 4);
	d_iov_set(&iov[1], data + 4, 16);
	sgls[0] = (d_sg_list_t){.sg_nr = 1, .sg_nr_out = 1, .sg_iovs = &iov[0]};
	sgls[1] = (d_sg_list_t){.sg_nr = 1, .sg_nr_out = 1, .sg_iovs = &iov[1]};

	proto_msg_init(&m);
	switch (opcode) {
	case PROTO_OP_OBJ_UPDATE: {
		struct proto_obj_update u = {.ou_req = req, .ou_dkey = keys[0], .ou_iod_nr = 2,
					     .ou_iods = iods, .ou_sgls = sgls};
		rc = reply ? 0 : proto_obj_update_enc(&u, &m);
		break;
	}
	case PROTO_OP_OBJ_FETCH:
		if (reply) {
			struct proto_obj_fetch_rep r = {.ofr_iod_nr = 2, .ofr_sizes = sizes,
							.ofr_sgls = sgls};
			rc = proto_obj_fetch_rep_enc(&r, &m);
		} else {
			struct proto_obj_fetch f = {.of_req = req, .of_dkey = keys[0],
						    .of_iod_nr = 2, .of_iods = iods};
			rc = proto_obj_fetch_enc(&f, &m);
		}
		break;
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_PUNCH_AKEYS: {
		struct proto_obj_punch p = {.op_req = req, .op_dkey = keys[1], .op_key_nr = 2,
					    .op_keys = keys};
		rc = reply ? 0 : proto_obj_punch_enc(opcode, &p, &m);
		break;
	}
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_LIST_AKEY:
		if (reply) {
			struct proto_obj_list_key_rep r = {.olkr_nr = 2, .olkr_kds = kds};

			d_iov_set(&r.olkr_keys, data, 5);
			rc = proto_obj_list_key_rep_enc(&r, &m);
		} else {
			struct proto_obj_list_key l = {.olk_req = req, .olk_dkey = keys[0],
						       .olk_nr = 4, .olk_buf_len = 64};
			rc = proto_obj_list_key_enc(opcode, &l, &m);
		}
		break;
	case PROTO_OP_OBJ_LIST_RECX:
		if (reply) {
			struct proto_obj_list_recx_rep r = {.olrr_rsize = 4, .olrr_nr = 2,
							    .olrr_recxs = rx, .olrr_eprs = eprs};
			rc = proto_obj_list_recx_rep_enc(&r, &m);
		} else {
			struct proto_obj_list_recx l = {.olr_req = req, .olr_dkey = keys[0],
							.olr_akey = keys[1], .olr_nr = 4};
			rc = proto_obj_list_recx_enc(&l, &m);
		}
		break;
	case PROTO_OP_OBJ_LIST_OBJ:
		if (reply) {
			struct proto_obj_list_obj_rep r = {.olor_nr = 2, .olor_oids = oids};
			rc = proto_obj_list_obj_rep_enc(&r, &m);
		} else {
			struct proto_obj_list_obj l = {.olo_req = req, .olo_nr = 4};
			rc = proto_obj_list_obj_enc(&l, &m);
		}
		break;
	case PROTO_OP_OBJ_QUERY_KEY:
		if (reply) {
			struct proto_obj_query_key_rep r = {.oqkr_dkey = keys[0],
							    .oqkr_akey = keys[1]};
			rc = proto_obj_query_key_rep_enc(&r, &m);
		} else {
			struct proto_obj_query_key q = {.oqk_req = req, .oqk_flags = PROTO_QK_DKEY,
							.oqk_dkey = keys[0]};
			rc = proto_obj_query_key_enc(&q, &m);
		}
		break;
	case PROTO_OP_TGT_POOL_CREATE: {
		struct proto_tgt_pool_create p = {.tpc_scm_bytes = 1, .tpc_nvme_bytes = 2};
		rc = reply ? 0 : proto_tgt_pool_create_enc(&p, &m);
		break;
	}
	case PROTO_OP_TGT_POOL_DESTROY:
	case PROTO_OP_TGT_QUERY: {
		struct proto_tgt_pool      p = {0};
		struct proto_tgt_query_rep q = {10, 5, 10, 5};

		if (reply)
			rc = opcode == PROTO_OP_TGT_QUERY ? proto_tgt_query_rep_enc(&q, &m) : 0;
		else
			rc = proto_tgt_pool_enc(&p, &m);
		break;
	}
	case PROTO_OP_TGT_CONT_CREATE:
	case PROTO_OP_TGT_CONT_DESTROY: {
		struct proto_tgt_cont c = {0};
		rc = reply ? 0 : proto_tgt_cont_enc(&c, &m);
		break;
	}
	case PROTO_OP_TGT_MAP_UPDATE: {
		struct proto_tgt_map_update u = {.tmu_map_version = 3};

		d_iov_set(&u.tmu_map, data, 10);
		rc = reply ? 0 : proto_tgt_map_update_enc(&u, &m);
		break;
	}
	default:
		rc = 0;
		break;
	}
	assert_int_equal(rc, 0);
	body = flatten(&m, len);
	proto_msg_fini(&m);
	return body;
}

static const uint16_t all_ops[] = {
	PROTO_OP_PING, PROTO_OP_TGT_POOL_CREATE, PROTO_OP_TGT_POOL_DESTROY,
	PROTO_OP_TGT_CONT_CREATE, PROTO_OP_TGT_CONT_DESTROY, PROTO_OP_TGT_MAP_UPDATE,
	PROTO_OP_TGT_QUERY, PROTO_OP_OBJ_UPDATE, PROTO_OP_OBJ_FETCH, PROTO_OP_OBJ_PUNCH,
	PROTO_OP_OBJ_PUNCH_DKEYS, PROTO_OP_OBJ_PUNCH_AKEYS, PROTO_OP_OBJ_LIST_DKEY,
	PROTO_OP_OBJ_LIST_AKEY, PROTO_OP_OBJ_LIST_RECX, PROTO_OP_OBJ_LIST_OBJ,
	PROTO_OP_OBJ_QUERY_KEY,
};

/* PROTO11: every proper prefix of every message body fails cleanly with -DER_PROTO (never crashes, leaks nothing) */
static void
proto11_truncation_every_offset(void **state)
{
	(void)state;
	for (size_t o = 0; o < sizeof(all_ops) / sizeof(all_ops[0]); o++) {
		for (int reply = 0; reply < 2; reply++) {
			size_t           len;
			uint8_t         *body = sample_body(all_ops[o], reply, &len);
			union proto_body b;

			assert_int_equal(proto_body_dec(all_ops[o], reply, body, len, &b, errbuf,
							sizeof(errbuf)), 0);
			proto_body_fini(all_ops[o], reply, &b);
			for (size_t cut = 0; cut < len; cut++) {
				/* A heap copy of exactly `cut` bytes, so ASan sees any overrun. */
				uint8_t *pre = malloc(cut == 0 ? 1 : cut);
				int      rc;

				memcpy(pre, body, cut);
				errbuf[0] = '\0';
				rc = proto_body_dec(all_ops[o], reply, pre, cut, &b, errbuf,
						    sizeof(errbuf));
				if (rc != -DER_PROTO)
					fail_msg("%s %s cut at %zu of %zu: rc %d",
						 proto_opcode_name(all_ops[o]),
						 reply ? "reply" : "request", cut, len, rc);
				assert_true(strlen(errbuf) > 0);
				free(pre);
			}
			/* One byte more is refused too. */
			if (len > 0) {
				uint8_t *more = malloc(len + 1);
				int      rc;

				memcpy(more, body, len);
				more[len] = 0;
				rc = proto_body_dec(all_ops[o], reply, more, len + 1, &b, errbuf,
						    sizeof(errbuf));
				assert_int_equal(rc, -DER_PROTO);
				free(more);
			}
			free(body);
		}
	}
}

/* PROTO12: truncation messages name the field and the offset */
static void
proto12_truncation_messages(void **state)
{
	struct proto_obj_update u;
	struct proto_tgt_query_rep q;
	size_t                  len;
	uint8_t                *body = sample_body(PROTO_OP_OBJ_UPDATE, false, &len);

	(void)state;
	assert_int_equal(proto_obj_update_dec(body, 10, &u, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "truncated pool uuid at offset 0: 16 bytes needed, 10 left");
	assert_int_equal(proto_obj_update_dec(body, 62, &u, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "truncated dkey length at offset 60: 4 bytes needed, 2 left");
	assert_int_equal(proto_obj_update_dec(body, 65, &u, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "truncated dkey at offset 64: 2 bytes needed, 1 left");
	/* Data cut short: the totals check reports it. */
	assert_int_equal(proto_obj_update_dec(body, len - 1, &u, errbuf, sizeof(errbuf)),
			 -DER_PROTO);
	assert_string_equal(errbuf, "the iods describe 20 data bytes, the body holds 19");
	free(body);

	assert_int_equal(proto_tgt_query_rep_dec("12345678", 8, &q, errbuf, sizeof(errbuf)),
			 -DER_PROTO);
	assert_string_equal(errbuf, "truncated scm free at offset 8: 8 bytes needed, 0 left");
	assert_int_equal(proto_tgt_query_rep_dec(NULL, 8, &q, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "body of 8 bytes is missing");
}

/* Start a crafted update body (prefix + dkey "d") with the internal encoder. */
static void
craft_update_head(struct proto_msg *m, uint32_t iod_nr)
{
	struct proto_obj_req req;
	daos_key_t           dkey;

	fill_req(&req);
	set_key(&dkey, "d");
	proto_msg_init(m);
	proto_enc_uuid(m, req.or_pool);
	proto_enc_uuid(m, req.or_cont);
	proto_enc_u32(m, req.or_tgt_idx);
	proto_enc_oid(m, req.or_oid);
	proto_enc_u64(m, req.or_epoch);
	proto_enc_key(m, &dkey);
	proto_enc_u32(m, iod_nr);
}

static void
craft_iod(struct proto_msg *m, uint32_t type, uint64_t size, uint32_t nr)
{
	proto_enc_u32(m, 1);
	proto_enc_bytes(m, "a", 1);
	proto_enc_u32(m, type);
	proto_enc_u64(m, size);
	proto_enc_u64(m, 0);
	proto_enc_u32(m, nr);
}

static int
dec_update_crafted(struct proto_msg *m)
{
	struct proto_obj_update u;
	size_t                  len;
	uint8_t                *body = flatten(m, &len);
	int                     rc;

	rc = proto_obj_update_dec(body, len, &u, errbuf, sizeof(errbuf));
	if (rc == 0)
		proto_obj_update_fini(&u);
	free(body);
	proto_msg_fini(m);
	return rc;
}

/* PROTO13: data totals that overflow 64 bits are refused, records x size and the sum over iods */
static void
proto13_totals_overflow(void **state)
{
	struct proto_msg m;

	(void)state;
	/* rx_nr 2^33 records of 2^31 bytes: 2^64. */
	craft_update_head(&m, 1);
	craft_iod(&m, DAOS_IOD_ARRAY, 1ULL << 31, 1);
	proto_enc_u64(&m, 0);
	proto_enc_u64(&m, 1ULL << 33);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf,
			    "iod 0: data size (records x size 2147483648) overflows 64 bits");

	/* Sum of rx_nr overflowing. */
	craft_update_head(&m, 1);
	craft_iod(&m, DAOS_IOD_ARRAY, 1, 2);
	proto_enc_u64(&m, 0);
	proto_enc_u64(&m, UINT64_MAX);
	proto_enc_u64(&m, 0);
	proto_enc_u64(&m, 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod 0: data size (records x size 1) overflows 64 bits");

	/* Each iod fits, their sum does not. */
	craft_update_head(&m, 2);
	craft_iod(&m, DAOS_IOD_SINGLE, UINT64_MAX, 1);
	craft_iod(&m, DAOS_IOD_SINGLE, 1, 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "data size of the iods overflows 64 bits");

	/* Huge but not overflowing: more than the body. */
	craft_update_head(&m, 1);
	craft_iod(&m, DAOS_IOD_SINGLE, 1ULL << 40, 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "the iods describe 1099511627776 data bytes, the body holds 0");

	/* The encoder refuses an overflowing iod. */
	{
		struct proto_obj_update u   = {0};
		daos_iod_t              iod = {0};
		daos_recx_t             rx  = {.rx_idx = 0, .rx_nr = 1ULL << 33};

		fill_req(&u.ou_req);
		set_key(&u.ou_dkey, "d");
		set_key(&iod.iod_name, "a");
		iod.iod_type  = DAOS_IOD_ARRAY;
		iod.iod_size  = 1ULL << 31;
		iod.iod_nr    = 1;
		iod.iod_recxs = &rx;
		u.ou_iod_nr   = 1;
		u.ou_iods     = &iod;
		proto_msg_init(&m);
		assert_int_equal(proto_obj_update_enc(&u, &m), -DER_OVERFLOW);
		iod.iod_size = 1ULL << 20; /* 2^53 bytes: fits 64 bits, not a body */
		assert_int_equal(proto_obj_update_enc(&u, &m), -DER_OVERFLOW);
		assert_int_equal(m.pm_len, 0);
		proto_msg_fini(&m);
	}
}

/* PROTO14: every limit exceeded by one is refused by the decoder (message) and the encoder (-DER_INVAL); at the limit it passes */
static void
proto14_limits(void **state)
{
	struct proto_msg           m;
	struct proto_obj_update    u = {0};
	struct proto_obj_list_key  lk = {0}, lko;
	struct proto_tgt_map_update mu = {0}, muo;
	daos_iod_t                 iod = {0};
	static char                big[PROTO_KEY_MAX + 1];
	static daos_recx_t         rx[PROTO_RECX_NR_MAX + 1];
	static char                blob[PROTO_MAP_BLOB_MAX + 1];
	char                       one = 'x';
	d_iov_t                    one_iov;
	d_sg_list_t                sgl = {.sg_nr = 1, .sg_iovs = &one_iov};
	uint8_t                   *body;
	size_t                     len;

	(void)state;
	memset(big, 'k', sizeof(big));
	d_iov_set(&one_iov, &one, 1);

	/* dkey of PROTO_KEY_MAX + 1 bytes */
	proto_msg_init(&m);
	proto_enc_bytes(&m, big, 60); /* prefix */
	proto_enc_u32(&m, PROTO_KEY_MAX + 1);
	proto_enc_bytes(&m, big, PROTO_KEY_MAX + 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "dkey length 4097 exceeds the maximum 4096");

	fill_req(&u.ou_req);
	d_iov_set(&u.ou_dkey, big, PROTO_KEY_MAX + 1);
	set_key(&iod.iod_name, "a");
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = 1;
	iod.iod_nr   = 1;
	u.ou_iod_nr  = 1;
	u.ou_iods    = &iod;
	u.ou_sgls    = &sgl;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	d_iov_set(&u.ou_dkey, big, PROTO_KEY_MAX);
	d_iov_set(&iod.iod_name, big, PROTO_KEY_MAX);
	assert_int_equal(proto_obj_update_enc(&u, &m), 0);
	body = flatten(&m, &len);
	{
		struct proto_obj_update o;

		assert_int_equal(proto_obj_update_dec(body, len, &o, errbuf, sizeof(errbuf)), 0);
		assert_int_equal(o.ou_dkey.iov_len, PROTO_KEY_MAX);
		proto_obj_update_fini(&o);
	}
	free(body);
	proto_msg_reset(&m);
	d_iov_set(&iod.iod_name, big, PROTO_KEY_MAX + 1);
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	proto_msg_fini(&m);

	/* akey of PROTO_KEY_MAX + 1 bytes */
	craft_update_head(&m, 1);
	proto_enc_u32(&m, PROTO_KEY_MAX + 1);
	proto_enc_bytes(&m, big, PROTO_KEY_MAX + 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod 0: akey length 4097 exceeds the maximum 4096");

	/* iod count */
	craft_update_head(&m, PROTO_IOD_NR_MAX + 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod count 257 exceeds the maximum 256");
	craft_update_head(&m, 0);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod count 0 is below the minimum 1");
	{
		static daos_iod_t iods[PROTO_IOD_NR_MAX + 1];

		for (uint32_t i = 0; i <= PROTO_IOD_NR_MAX; i++)
			iods[i] = (daos_iod_t){.iod_name = iod.iod_name, .iod_type = DAOS_IOD_SINGLE,
					       .iod_nr = 1};
		set_key(&u.ou_dkey, "d");
		for (uint32_t i = 0; i <= PROTO_IOD_NR_MAX; i++)
			set_key(&iods[i].iod_name, "a");
		u.ou_iods   = iods;
		u.ou_iod_nr = PROTO_IOD_NR_MAX + 1;
		u.ou_sgls   = NULL;
		proto_msg_init(&m);
		assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
		u.ou_iod_nr = PROTO_IOD_NR_MAX;
		assert_int_equal(proto_obj_update_enc(&u, &m), 0);
		body = flatten(&m, &len);
		{
			struct proto_obj_update o;

			assert_int_equal(proto_obj_update_dec(body, len, &o, errbuf,
							      sizeof(errbuf)), 0);
			assert_int_equal(o.ou_iod_nr, PROTO_IOD_NR_MAX);
			proto_obj_update_fini(&o);
		}
		free(body);
		proto_msg_fini(&m);
	}

	/* recx count */
	craft_update_head(&m, 1);
	craft_iod(&m, DAOS_IOD_ARRAY, 1, PROTO_RECX_NR_MAX + 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod 0: recx count 4097 exceeds the maximum 4096");
	for (uint32_t i = 0; i <= PROTO_RECX_NR_MAX; i++)
		rx[i] = (daos_recx_t){.rx_idx = i, .rx_nr = 1};
	iod = (daos_iod_t){.iod_type = DAOS_IOD_ARRAY, .iod_size = 0,
			   .iod_nr = PROTO_RECX_NR_MAX + 1, .iod_recxs = rx};
	set_key(&iod.iod_name, "a");
	u.ou_iods   = &iod;
	u.ou_iod_nr = 1;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	iod.iod_nr = PROTO_RECX_NR_MAX;
	assert_int_equal(proto_obj_update_enc(&u, &m), 0);
	body = flatten(&m, &len);
	{
		struct proto_obj_update o;

		assert_int_equal(proto_obj_update_dec(body, len, &o, errbuf, sizeof(errbuf)), 0);
		assert_int_equal(o.ou_iods[0].iod_nr, PROTO_RECX_NR_MAX);
		assert_int_equal(o.ou_iods[0].iod_recxs[PROTO_RECX_NR_MAX - 1].rx_idx,
				 PROTO_RECX_NR_MAX - 1);
		proto_obj_update_fini(&o);
	}
	free(body);
	proto_msg_fini(&m);

	/* list capacity and buffer size */
	fill_req(&lk.olk_req);
	lk.olk_nr      = PROTO_LIST_NR_MAX + 1;
	lk.olk_buf_len = 10;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_list_key_enc(PROTO_OP_OBJ_LIST_DKEY, &lk, &m), -DER_INVAL);
	lk.olk_nr = PROTO_LIST_NR_MAX;
	assert_int_equal(proto_obj_list_key_enc(PROTO_OP_OBJ_LIST_DKEY, &lk, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_obj_list_key_dec(PROTO_OP_OBJ_LIST_DKEY, body, len, &lko, errbuf,
						sizeof(errbuf)), 0);
	body[60] = (uint8_t)(PROTO_LIST_NR_MAX + 1); /* capacity, little-endian 0x401 */
	assert_int_equal(proto_obj_list_key_dec(PROTO_OP_OBJ_LIST_DKEY, body, len, &lko, errbuf,
						sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "capacity 1025 exceeds the maximum 1024");
	body[60] = 0;
	body[61] = 0;
	assert_int_equal(proto_obj_list_key_dec(PROTO_OP_OBJ_LIST_DKEY, body, len, &lko, errbuf,
						sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "capacity 0 is below the minimum 1");
	body[60] = 1;
	d_put_le32(body + 64, PROTO_LIST_BUF_MAX + 1);
	assert_int_equal(proto_obj_list_key_dec(PROTO_OP_OBJ_LIST_DKEY, body, len, &lko, errbuf,
						sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "key buffer size 4194305 exceeds the maximum 4194304");
	free(body);
	proto_msg_fini(&m);

	/* map blob */
	d_iov_set(&mu.tmu_map, blob, PROTO_MAP_BLOB_MAX + 1);
	proto_msg_init(&m);
	assert_int_equal(proto_tgt_map_update_enc(&mu, &m), -DER_INVAL);
	d_iov_set(&mu.tmu_map, blob, PROTO_MAP_BLOB_MAX);
	assert_int_equal(proto_tgt_map_update_enc(&mu, &m), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_tgt_map_update_dec(body, len, &muo, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(muo.tmu_map.iov_len, PROTO_MAP_BLOB_MAX);
	d_put_le32(body + 20, PROTO_MAP_BLOB_MAX + 1);
	assert_int_equal(proto_tgt_map_update_dec(body, len, &muo, errbuf, sizeof(errbuf)),
			 -DER_PROTO);
	assert_string_equal(errbuf, "pool map length 1048577 exceeds the maximum 1048576");
	free(body);
	proto_msg_fini(&m);

	/* list reply counts */
	proto_msg_init(&m);
	proto_enc_u32(&m, PROTO_LIST_NR_MAX + 1);
	body = flatten(&m, &len);
	{
		struct proto_obj_list_obj_rep  r;
		struct proto_obj_list_key_rep  k;
		struct proto_obj_list_recx_rep x;

		assert_int_equal(proto_obj_list_obj_rep_dec(body, len, &r, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf, "oid count 1025 exceeds the maximum 1024");
		assert_int_equal(proto_obj_list_key_rep_dec(body, len, &k, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf, "key count 1025 exceeds the maximum 1024");
		assert_int_equal(proto_obj_list_recx_rep_dec(body, len, &x, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf,
				    "truncated record size at offset 0: 8 bytes needed, 4 left");
	}
	free(body);
	proto_msg_fini(&m);
}

/* PROTO15: bad values in bodies are refused with a message naming field and value */
static void
proto15_bad_values(void **state)
{
	struct proto_msg m;
	uint8_t         *body;
	size_t           len;

	(void)state;
	craft_update_head(&m, 1);
	craft_iod(&m, 3, 1, 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod 0: type 3 is not single (1) or array (2)");

	craft_update_head(&m, 1);
	craft_iod(&m, DAOS_IOD_NONE, 1, 1);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod 0: type 0 is not single (1) or array (2)");

	craft_update_head(&m, 1);
	craft_iod(&m, DAOS_IOD_SINGLE, 1, 2);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod 0: a single value has recx count 2, must be 1");

	craft_update_head(&m, 2);
	craft_iod(&m, DAOS_IOD_SINGLE, 0, 1);
	proto_enc_u32(&m, 0); /* empty akey */
	proto_enc_bytes(&m, errbuf, 40); /* room for the rest of the iod */
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "iod 1: akey is empty");

	/* Empty dkey. */
	proto_msg_init(&m);
	proto_enc_bytes(&m, errbuf, 60);
	proto_enc_u32(&m, 0);
	assert_int_equal(dec_update_crafted(&m), -DER_PROTO);
	assert_string_equal(errbuf, "dkey is empty");

	/* Trailing bytes, anchor type, fetch flags, query flags, KEY2BIG with keys, free > total. */
	body = sample_body(PROTO_OP_OBJ_LIST_OBJ, false, &len);
	{
		struct proto_obj_list_obj l;
		uint8_t                  *more = malloc(len + 3);

		memcpy(more, body, len);
		memset(more + len, 0, 3);
		assert_int_equal(proto_obj_list_obj_dec(more, len + 3, &l, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf, "3 trailing bytes after the obj_list_obj body");
		free(more);
		body[64] = 4; /* anchor type */
		assert_int_equal(proto_obj_list_obj_dec(body, len, &l, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf, "anchor type 4 is unknown (0..3)");
	}
	free(body);

	body = sample_body(PROTO_OP_OBJ_FETCH, false, &len);
	{
		struct proto_obj_fetch f;

		body[len - 4] = 2;
		assert_int_equal(proto_obj_fetch_dec(body, len, &f, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf, "unknown fetch flag bits 0x2");
	}
	free(body);

	body = sample_body(PROTO_OP_OBJ_QUERY_KEY, false, &len);
	{
		struct proto_obj_query_key q;

		body[60] = 0;
		assert_int_equal(proto_obj_query_key_dec(body, len, &q, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf,
				    "query flags 0x0: need at least one of 0x7 and no others");
		body[60] = 8;
		assert_int_equal(proto_obj_query_key_dec(body, len, &q, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf,
				    "query flags 0x8: need at least one of 0x7 and no others");
	}
	free(body);

	body = sample_body(PROTO_OP_OBJ_LIST_DKEY, true, &len);
	{
		struct proto_obj_list_key_rep r;

		body[len - 8] = 1; /* key_len_needed with 2 keys */
		assert_int_equal(proto_obj_list_key_rep_dec(body, len, &r, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf,
				    "key length needed 1 with 2 keys, must come with none");
		body[len - 8] = 0;
		d_put_le64(body + 4, 0); /* first key length 0 */
		assert_int_equal(proto_obj_list_key_rep_dec(body, len, &r, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf,
				    "key descriptor 0: key length 0 is out of range (1..4096)");
	}
	free(body);

	body = sample_body(PROTO_OP_TGT_QUERY, true, &len);
	{
		struct proto_tgt_query_rep q;

		body[24] = 11; /* nvme free 11 > total 10 */
		assert_int_equal(proto_tgt_query_rep_dec(body, len, &q, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf, "nvme free 11 exceeds nvme total 10");
	}
	free(body);

	/* Fetch reply bytes must match the body exactly. */
	body = sample_body(PROTO_OP_OBJ_FETCH, true, &len);
	{
		struct proto_obj_fetch_rep r;

		body[4 + 8] = 5; /* iod 0 bytes 4 -> 5 */
		assert_int_equal(proto_obj_fetch_rep_dec(body, len, &r, errbuf, sizeof(errbuf)),
				 -DER_PROTO);
		assert_string_equal(errbuf, "the iods describe 21 data bytes, the body holds 20");
	}
	free(body);
}

/* PROTO16: encoders refuse inconsistent arguments and leave the message empty */
static void
proto16_encoder_errors(void **state)
{
	struct proto_msg        m;
	struct proto_obj_update u   = {0};
	daos_iod_t              iod = {0};
	char                    data[8] = "abcdefg";
	d_iov_t                 iov[2];
	d_sg_list_t             sgl = {.sg_nr = 2, .sg_iovs = iov};

	(void)state;
	fill_req(&u.ou_req);
	set_key(&u.ou_dkey, "d");
	set_key(&iod.iod_name, "a");
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = 8;
	iod.iod_nr   = 1;
	u.ou_iod_nr  = 1;
	u.ou_iods    = &iod;
	d_iov_set(&iov[0], data, 4);
	d_iov_set(&iov[1], data + 4, 3);
	proto_msg_init(&m);

	/* NULL sgls with data to send, sgl too short */
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_IO_INVAL);
	u.ou_sgls = &sgl;
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_IO_INVAL);
	assert_int_equal(m.pm_len, 0);
	assert_int_equal(m.pm_rc, 0);
	iod.iod_size = 7;
	assert_int_equal(proto_obj_update_enc(&u, &m), 0);
	proto_msg_reset(&m);

	/* bad type, single with nr 2, empty dkey, NULL iods, key longer than its buffer */
	iod.iod_type = 5;
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_nr   = 2;
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	iod.iod_nr = 1;
	u.ou_dkey.iov_len = 0;
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	set_key(&u.ou_dkey, "d");
	u.ou_dkey.iov_buf_len = 0;
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	set_key(&u.ou_dkey, "d");
	u.ou_iods = NULL;
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	u.ou_iods = &iod;
	iod.iod_type  = DAOS_IOD_ARRAY;
	iod.iod_recxs = NULL;
	assert_int_equal(proto_obj_update_enc(&u, &m), -DER_INVAL);
	assert_int_equal(m.pm_len, 0);

	/* other encoders */
	{
		struct proto_obj_fetch         f  = {.of_dkey = u.ou_dkey, .of_iod_nr = 1,
						     .of_iods = &iod, .of_flags = 2};
		struct proto_obj_list_key      lk = {.olk_nr = 1, .olk_buf_len = 1};
		struct proto_obj_list_key_rep  kr = {0};
		struct proto_obj_query_key     qk = {.oqk_flags = 0};
		struct proto_obj_list_obj      lo = {.olo_nr = 1};
		struct proto_obj_fetch_rep     fr = {.ofr_iod_nr = 1};
		daos_key_desc_t                kd = {.kd_key_len = 3};

		iod.iod_type = DAOS_IOD_SINGLE;
		assert_int_equal(proto_obj_fetch_enc(&f, &m), -DER_INVAL);
		assert_int_equal(proto_obj_list_key_enc(PROTO_OP_OBJ_LIST_RECX, &lk, &m),
				 -DER_INVAL);
		assert_int_equal(proto_obj_list_key_enc(PROTO_OP_OBJ_LIST_AKEY, &lk, &m),
				 -DER_INVAL); /* no dkey */
		lk.olk_buf_len = 0;
		assert_int_equal(proto_obj_list_key_enc(PROTO_OP_OBJ_LIST_DKEY, &lk, &m),
				 -DER_INVAL);
		kr.olkr_nr  = 1;
		kr.olkr_kds = &kd;
		d_iov_set(&kr.olkr_keys, data, 2); /* 2 bytes for a 3-byte key */
		assert_int_equal(proto_obj_list_key_rep_enc(&kr, &m), -DER_INVAL);
		assert_int_equal(proto_obj_query_key_enc(&qk, &m), -DER_INVAL);
		lo.olo_anchor.da_type = 9;
		assert_int_equal(proto_obj_list_obj_enc(&lo, &m), -DER_INVAL);
		assert_int_equal(proto_obj_fetch_rep_enc(&fr, &m), -DER_INVAL); /* no sizes */
		assert_int_equal(m.pm_len, 0);
	}
	proto_msg_fini(&m);
}

/* PROTO17: proto_body_dec dispatches every opcode both ways; unknown opcodes are refused */
static void
proto17_dispatch(void **state)
{
	union proto_body b;

	(void)state;
	for (size_t o = 0; o < sizeof(all_ops) / sizeof(all_ops[0]); o++) {
		for (int reply = 0; reply < 2; reply++) {
			size_t   len;
			uint8_t *body = sample_body(all_ops[o], reply, &len);

			if (proto_body_dec(all_ops[o], reply, body, len, &b, errbuf,
					   sizeof(errbuf)) != 0)
				fail_msg("%s %s: %s", proto_opcode_name(all_ops[o]),
					 reply ? "reply" : "request", errbuf);
			if (all_ops[o] == PROTO_OP_OBJ_UPDATE && !reply) {
				assert_int_equal(b.pb_update.ou_iod_nr, 2);
				assert_memory_equal(b.pb_update.ou_sgls[1].sg_iovs[0].iov_buf,
						    "456789abcdef0123", 16);
			}
			proto_body_fini(all_ops[o], reply, &b);
			free(body);
		}
	}
	assert_int_equal(proto_body_dec(0, false, NULL, 0, &b, errbuf, sizeof(errbuf)), -DER_PROTO);
	assert_string_equal(errbuf, "unknown opcode 0");
	assert_int_equal(proto_body_dec(200, true, NULL, 0, &b, errbuf, sizeof(errbuf)), -DER_PROTO);
	/* A request body where a reply is expected fails cleanly. */
	{
		size_t   len;
		uint8_t *body = sample_body(PROTO_OP_OBJ_UPDATE, false, &len);

		assert_int_equal(proto_body_dec(PROTO_OP_OBJ_UPDATE, true, body, len, &b, errbuf,
						sizeof(errbuf)), -DER_PROTO);
		assert_int_equal(proto_body_dec(PROTO_OP_OBJ_FETCH, true, body, len, &b, errbuf,
						sizeof(errbuf)), -DER_PROTO);
		free(body);
	}
}

/* PROTO18: a full message: frame, header decode, CRC check, body decode */
static void
proto18_full_message(void **state)
{
	struct proto_msg        m;
	struct proto_hdr        h = good_hdr(), out;
	uint8_t                 hdr[PROTO_HDR_SIZE];
	const struct iovec     *iov;
	int                     cnt;
	size_t                  len;
	uint8_t                *sample = sample_body(PROTO_OP_OBJ_LIST_RECX, true, &len);
	struct proto_obj_list_recx_rep r;
	uint8_t                *body;

	(void)state;
	proto_msg_init(&m);
	proto_enc_bytes(&m, sample, len);
	assert_int_equal(proto_msg_iov(&m, &iov, &cnt), 0);
	h.ph_opcode = PROTO_OP_OBJ_LIST_RECX;
	h.ph_flags  = PROTO_F_REPLY;
	assert_int_equal(proto_frame(&h, iov, cnt, hdr), 0);
	body = flatten(&m, &len);
	assert_int_equal(proto_hdr_decode(hdr, sizeof(hdr), &out, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(out.ph_body_len, len);
	assert_int_equal(proto_check_crc(hdr, &out, body, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(proto_obj_list_recx_rep_dec(body, out.ph_body_len, &r, errbuf,
						     sizeof(errbuf)), 0);
	assert_int_equal(r.olrr_nr, 2);
	proto_obj_list_recx_rep_fini(&r);
	free(body);
	free(sample);
	proto_msg_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proto01_hdr_round_trip),
		cmocka_unit_test(proto02_hdr_bad_fields),
		cmocka_unit_test(proto03_frame_crc),
		cmocka_unit_test(proto04_frame_errors),
		cmocka_unit_test(proto05_update_round_trip),
		cmocka_unit_test(proto06_fetch_round_trip),
		cmocka_unit_test(proto07_punch_round_trip),
		cmocka_unit_test(proto08_list_key_round_trip),
		cmocka_unit_test(proto09_list_recx_obj_query),
		cmocka_unit_test(proto10_tgt_round_trip),
		cmocka_unit_test(proto11_truncation_every_offset),
		cmocka_unit_test(proto12_truncation_messages),
		cmocka_unit_test(proto13_totals_overflow),
		cmocka_unit_test(proto14_limits),
		cmocka_unit_test(proto15_bad_values),
		cmocka_unit_test(proto16_encoder_errors),
		cmocka_unit_test(proto17_dispatch),
		cmocka_unit_test(proto18_full_message),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
