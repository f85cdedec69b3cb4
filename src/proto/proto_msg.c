/*
 * proto_msg.c: encoders and decoders of the message bodies (layouts in
 * proto.h). Encoders validate their input against the same limits the
 * decoders enforce, so whatever encodes also decodes; decoders trust nothing
 * in the body and bound every count by the bytes actually left before they
 * allocate.
 */
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "gurt/errbuf.h"
#include "proto/proto.h"
#include "proto/proto_internal.h"

/* Encoded sizes of the fixed-size items (proto.h, "Common encodings"). */
#define ENC_RECX_SIZE   16
#define ENC_OID_SIZE    16
#define ENC_EPR_SIZE    16
#define ENC_KD_SIZE     16
#define ENC_U64_SIZE    8
#define ENC_KEY_MIN     5 /* length and at least one byte */
#define ENC_IOD_MIN     (ENC_KEY_MIN + 4 + 8 + 8 + 4)

/* ---- Shared pieces ---------------------------------------------------------- */

/* Finish an encoder: report its first error and leave the message empty then. */
static int
enc_done(struct proto_msg *m, int rc)
{
	if (rc == 0)
		rc = m->pm_rc;
	if (rc != 0) {
		proto_msg_reset(m);
		return rc;
	}
	return 0;
}

static bool
key_ok(const daos_key_t *key, bool allow_empty)
{
	if (key->iov_len > PROTO_KEY_MAX || key->iov_len > key->iov_buf_len)
		return false;
	if (key->iov_len == 0)
		return allow_empty;
	return key->iov_buf != NULL;
}

static bool
anchor_ok(const daos_anchor_t *a)
{
	return a->da_type <= DAOS_ANCHOR_TYPE_EOF;
}

static void
enc_obj_req(struct proto_msg *m, const struct proto_obj_req *r)
{
	proto_enc_uuid(m, r->or_pool);
	proto_enc_uuid(m, r->or_cont);
	proto_enc_u32(m, r->or_tgt_idx);
	proto_enc_oid(m, r->or_oid);
	proto_enc_u64(m, r->or_epoch);
}

static void
dec_obj_req(struct proto_dec *d, struct proto_obj_req *r)
{
	proto_dec_uuid(d, r->or_pool, "pool uuid");
	proto_dec_uuid(d, r->or_cont, "container uuid");
	r->or_tgt_idx = proto_dec_u32(d, "target index");
	proto_dec_oid(d, &r->or_oid, "oid");
	r->or_epoch = proto_dec_u64(d, "epoch");
}

/*
 * Bytes of data an iod moves: single: iod_size; array: sum(rx_nr) *
 * iod_size. -DER_OVERFLOW when that does not fit 64 bits.
 */
static int
iod_data_size(const daos_iod_t *iod, uint64_t *size)
{
	uint64_t recs = 0;

	if (iod->iod_type == DAOS_IOD_SINGLE) {
		*size = iod->iod_size;
		return 0;
	}
	for (uint32_t i = 0; i < iod->iod_nr; i++)
		if (__builtin_add_overflow(recs, iod->iod_recxs[i].rx_nr, &recs))
			return -DER_OVERFLOW;
	if (__builtin_mul_overflow(recs, iod->iod_size, size))
		return -DER_OVERFLOW;
	return 0;
}

static int
iods_check(uint32_t nr, const daos_iod_t *iods)
{
	if (nr == 0 || nr > PROTO_IOD_NR_MAX || iods == NULL)
		return -DER_INVAL;
	for (uint32_t i = 0; i < nr; i++) {
		const daos_iod_t *iod = &iods[i];

		if (!key_ok(&iod->iod_name, false))
			return -DER_INVAL;
		if (iod->iod_type == DAOS_IOD_SINGLE) {
			if (iod->iod_nr != 1)
				return -DER_INVAL;
		} else if (iod->iod_type == DAOS_IOD_ARRAY) {
			if (iod->iod_nr > PROTO_RECX_NR_MAX ||
			    (iod->iod_nr > 0 && iod->iod_recxs == NULL))
				return -DER_INVAL;
		} else {
			return -DER_INVAL;
		}
	}
	return 0;
}

static void
enc_iods(struct proto_msg *m, uint32_t nr, const daos_iod_t *iods)
{
	proto_enc_u32(m, nr);
	for (uint32_t i = 0; i < nr; i++) {
		const daos_iod_t *iod = &iods[i];

		proto_enc_key(m, &iod->iod_name);
		proto_enc_u32(m, (uint32_t)iod->iod_type);
		proto_enc_u64(m, iod->iod_size);
		proto_enc_u64(m, iod->iod_flags);
		proto_enc_u32(m, iod->iod_nr);
		if (iod->iod_type == DAOS_IOD_ARRAY)
			for (uint32_t j = 0; j < iod->iod_nr; j++)
				proto_enc_recx(m, &iod->iod_recxs[j]);
	}
}

static void
iods_free(uint32_t nr, daos_iod_t *iods)
{
	if (iods == NULL)
		return;
	for (uint32_t i = 0; i < nr; i++)
		free(iods[i].iod_recxs);
	free(iods);
}

/* One iod (proto.h); allocates iod_recxs for an array. */
static void
dec_iod(struct proto_dec *d, daos_iod_t *iod)
{
	uint32_t type;
	uint32_t nr;

	proto_dec_key(d, &iod->iod_name, false, "akey");
	type          = proto_dec_u32(d, "type");
	iod->iod_size  = proto_dec_u64(d, "size");
	iod->iod_flags = proto_dec_u64(d, "flags");
	nr            = proto_dec_u32(d, "recx count");
	if (d->pd_rc != 0)
		return;
	if (type != DAOS_IOD_SINGLE && type != DAOS_IOD_ARRAY) {
		proto_dec_fail(d, "type %u is not single (%d) or array (%d)", type,
			       DAOS_IOD_SINGLE, DAOS_IOD_ARRAY);
		return;
	}
	iod->iod_type = (daos_iod_type_t)type;
	if (type == DAOS_IOD_SINGLE) {
		if (nr != 1)
			proto_dec_fail(d, "a single value has recx count %u, must be 1", nr);
		iod->iod_nr = 1;
		return;
	}
	if (nr > PROTO_RECX_NR_MAX) {
		proto_dec_fail(d, "recx count %u exceeds the maximum %u", nr, PROTO_RECX_NR_MAX);
		return;
	}
	if (nr == 0 || proto_dec_need(d, nr, ENC_RECX_SIZE, "recxs") != 0)
		return;
	iod->iod_recxs = calloc(nr, sizeof(*iod->iod_recxs));
	if (iod->iod_recxs == NULL) {
		proto_dec_nomem(d);
		return;
	}
	iod->iod_nr = nr;
	for (uint32_t j = 0; j < nr; j++)
		proto_dec_recx(d, &iod->iod_recxs[j], "recx");
}

/* iod count then iods; *iods allocated (free with iods_free) when returning 0. */
static int
dec_iods(struct proto_dec *d, uint32_t *nrp, daos_iod_t **iodsp)
{
	daos_iod_t *iods;
	uint32_t    nr;

	nr = proto_dec_count(d, 1, PROTO_IOD_NR_MAX, "iod count");
	if (proto_dec_need(d, nr, ENC_IOD_MIN, "iods") != 0)
		return d->pd_rc;
	iods = calloc(nr, sizeof(*iods));
	if (iods == NULL)
		return proto_dec_nomem(d);
	*nrp   = nr;
	*iodsp = iods;
	d->pd_ctx = "iod";
	for (uint32_t i = 0; i < nr && d->pd_rc == 0; i++) {
		d->pd_idx = i;
		dec_iod(d, &iods[i]);
	}
	d->pd_ctx = NULL;
	return d->pd_rc;
}

/* Allocate nr sgls of one iov each (one block), the iovs pointing nowhere yet. */
static d_sg_list_t *
sgls_alloc(uint32_t nr)
{
	d_sg_list_t *sgls;
	d_iov_t     *iovs;

	sgls = calloc(1, nr * (sizeof(*sgls) + sizeof(*iovs)));
	if (sgls == NULL)
		return NULL;
	iovs = (d_iov_t *)(sgls + nr);
	for (uint32_t i = 0; i < nr; i++) {
		sgls[i].sg_nr     = 1;
		sgls[i].sg_nr_out = 1;
		sgls[i].sg_iovs   = &iovs[i];
	}
	return sgls;
}

/*
 * Take the data of nr iods whose sizes are sizes[i] (overflow-safe total that
 * must equal exactly what is left), setting sgls[i]'s iov into the body.
 */
static int
dec_data(struct proto_dec *d, uint32_t nr, const uint64_t *sizes, d_sg_list_t *sgls)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < nr; i++)
		if (__builtin_add_overflow(total, sizes[i], &total))
			return proto_dec_fail(d, "data size of the iods overflows 64 bits");
	if (total != proto_dec_left(d))
		return proto_dec_fail(d, "the iods describe %llu data bytes, the body holds %zu",
				      (unsigned long long)total, proto_dec_left(d));
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *p = proto_dec_take(d, sizes[i], "data");

		if (p != NULL)
			proto_dec_iov_set(&sgls[i].sg_iovs[0], p, sizes[i]);
	}
	return d->pd_rc;
}

/* ---- OBJ_UPDATE ---------------------------------------------------------------- */

int
proto_obj_update_enc(const struct proto_obj_update *req, struct proto_msg *m)
{
	int rc;

	if (!key_ok(&req->ou_dkey, false))
		return enc_done(m, -DER_INVAL);
	rc = iods_check(req->ou_iod_nr, req->ou_iods);
	if (rc != 0)
		return enc_done(m, rc);

	enc_obj_req(m, &req->ou_req);
	proto_enc_key(m, &req->ou_dkey);
	enc_iods(m, req->ou_iod_nr, req->ou_iods);

	for (uint32_t i = 0; i < req->ou_iod_nr && m->pm_rc == 0; i++) {
		const d_sg_list_t *sgl;
		uint64_t           need;

		rc = iod_data_size(&req->ou_iods[i], &need);
		if (rc != 0)
			return enc_done(m, rc);
		if (need == 0)
			continue;
		if (need > PROTO_BODY_MAX)
			return enc_done(m, -DER_OVERFLOW);
		if (req->ou_sgls == NULL)
			return enc_done(m, -DER_IO_INVAL);
		sgl = &req->ou_sgls[i];
		if (sgl->sg_nr > 0 && sgl->sg_iovs == NULL)
			return enc_done(m, -DER_INVAL);
		for (uint32_t j = 0; j < sgl->sg_nr && need > 0; j++) {
			const d_iov_t *iov  = &sgl->sg_iovs[j];
			size_t         take = iov->iov_len < need ? iov->iov_len : need;

			if (take > 0 && iov->iov_buf == NULL)
				return enc_done(m, -DER_INVAL);
			proto_enc_ref(m, iov->iov_buf, take);
			need -= take;
		}
		if (need > 0)
			return enc_done(m, -DER_IO_INVAL);
	}
	return enc_done(m, 0);
}

void
proto_obj_update_fini(struct proto_obj_update *req)
{
	iods_free(req->ou_iod_nr, req->ou_iods);
	free(req->ou_sgls);
	memset(req, 0, sizeof(*req));
}

int
proto_obj_update_dec(const void *body, size_t len, struct proto_obj_update *req, char *errbuf,
		     size_t errlen)
{
	struct proto_dec d;
	uint64_t         sizes[PROTO_IOD_NR_MAX];

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	dec_obj_req(&d, &req->ou_req);
	proto_dec_key(&d, &req->ou_dkey, false, "dkey");
	if (dec_iods(&d, &req->ou_iod_nr, &req->ou_iods) != 0)
		goto out;

	for (uint32_t i = 0; i < req->ou_iod_nr; i++) {
		if (iod_data_size(&req->ou_iods[i], &sizes[i]) != 0) {
			proto_dec_fail(&d, "iod %u: data size (records x size %llu) overflows 64 bits",
				       i, (unsigned long long)req->ou_iods[i].iod_size);
			goto out;
		}
	}
	req->ou_sgls = sgls_alloc(req->ou_iod_nr);
	if (req->ou_sgls == NULL) {
		proto_dec_nomem(&d);
		goto out;
	}
	if (dec_data(&d, req->ou_iod_nr, sizes, req->ou_sgls) != 0)
		goto out;
	proto_dec_end(&d, "obj_update");
out:
	if (d.pd_rc != 0)
		proto_obj_update_fini(req);
	return d.pd_rc;
}

int
proto_obj_update_data_off(const void *prefix, size_t len, size_t *off)
{
	struct proto_dec     d;
	struct proto_obj_req r;
	daos_key_t           key;
	uint32_t             nr;

	proto_dec_init(&d, prefix, len, NULL, 0);
	dec_obj_req(&d, &r);
	proto_dec_key(&d, &key, false, "dkey");
	nr = proto_dec_count(&d, 1, PROTO_IOD_NR_MAX, "iod count");
	for (uint32_t i = 0; i < nr && d.pd_rc == 0; i++) {
		uint32_t type;
		uint32_t rx;

		proto_dec_key(&d, &key, false, "akey");
		type = proto_dec_u32(&d, "type");
		(void)proto_dec_u64(&d, "size");
		(void)proto_dec_u64(&d, "flags");
		rx = proto_dec_u32(&d, "recx count");
		if (d.pd_rc == 0 && type == DAOS_IOD_ARRAY && rx <= PROTO_RECX_NR_MAX)
			(void)proto_dec_take(&d, (size_t)rx * ENC_RECX_SIZE, "recxs");
	}
	if (d.pd_rc != 0)
		return d.pd_rc;
	*off = d.pd_off;
	return 0;
}

/* ---- OBJ_FETCH ----------------------------------------------------------------- */

int
proto_obj_fetch_enc(const struct proto_obj_fetch *req, struct proto_msg *m)
{
	int rc;

	if (!key_ok(&req->of_dkey, false) || (req->of_flags & ~PROTO_FETCH_SIZES_ONLY))
		return enc_done(m, -DER_INVAL);
	rc = iods_check(req->of_iod_nr, req->of_iods);
	if (rc != 0)
		return enc_done(m, rc);

	enc_obj_req(m, &req->of_req);
	proto_enc_key(m, &req->of_dkey);
	enc_iods(m, req->of_iod_nr, req->of_iods);
	for (uint32_t i = 0; i < req->of_iod_nr; i++)
		proto_enc_u64(m, req->of_buf_lens == NULL ? 0 : req->of_buf_lens[i]);
	proto_enc_u32(m, req->of_flags);
	return enc_done(m, 0);
}

void
proto_obj_fetch_fini(struct proto_obj_fetch *req)
{
	iods_free(req->of_iod_nr, req->of_iods);
	free(req->of_buf_lens);
	memset(req, 0, sizeof(*req));
}

int
proto_obj_fetch_dec(const void *body, size_t len, struct proto_obj_fetch *req, char *errbuf,
		    size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	dec_obj_req(&d, &req->of_req);
	proto_dec_key(&d, &req->of_dkey, false, "dkey");
	if (dec_iods(&d, &req->of_iod_nr, &req->of_iods) != 0)
		goto out;
	if (proto_dec_need(&d, req->of_iod_nr, ENC_U64_SIZE, "buffer sizes") != 0)
		goto out;
	req->of_buf_lens = calloc(req->of_iod_nr, sizeof(*req->of_buf_lens));
	if (req->of_buf_lens == NULL) {
		proto_dec_nomem(&d);
		goto out;
	}
	for (uint32_t i = 0; i < req->of_iod_nr; i++)
		req->of_buf_lens[i] = proto_dec_u64(&d, "buffer size");
	req->of_flags = proto_dec_u32(&d, "fetch flags");
	if (d.pd_rc == 0 && (req->of_flags & ~PROTO_FETCH_SIZES_ONLY))
		proto_dec_fail(&d, "unknown fetch flag bits 0x%x",
			       req->of_flags & ~PROTO_FETCH_SIZES_ONLY);
	proto_dec_end(&d, "obj_fetch");
out:
	if (d.pd_rc != 0)
		proto_obj_fetch_fini(req);
	return d.pd_rc;
}

/* Bytes of a fetch reply's sgl: its first sg_nr_out iovs. */
static int
fetch_sgl_bytes(const d_sg_list_t *sgl, uint64_t *bytes)
{
	uint64_t total = 0;

	if (sgl->sg_nr_out > sgl->sg_nr || (sgl->sg_nr_out > 0 && sgl->sg_iovs == NULL))
		return -DER_INVAL;
	for (uint32_t j = 0; j < sgl->sg_nr_out; j++) {
		const d_iov_t *iov = &sgl->sg_iovs[j];

		if (iov->iov_len > 0 && iov->iov_buf == NULL)
			return -DER_INVAL;
		if (__builtin_add_overflow(total, iov->iov_len, &total))
			return -DER_OVERFLOW;
	}
	*bytes = total;
	return 0;
}

int
proto_obj_fetch_rep_enc(const struct proto_obj_fetch_rep *rep, struct proto_msg *m)
{
	uint64_t bytes[PROTO_IOD_NR_MAX];
	int      rc;

	if (rep->ofr_iod_nr > PROTO_IOD_NR_MAX || (rep->ofr_iod_nr > 0 && rep->ofr_sizes == NULL))
		return enc_done(m, -DER_INVAL);
	for (uint32_t i = 0; i < rep->ofr_iod_nr; i++) {
		bytes[i] = 0;
		if (rep->ofr_sgls == NULL)
			continue;
		rc = fetch_sgl_bytes(&rep->ofr_sgls[i], &bytes[i]);
		if (rc != 0)
			return enc_done(m, rc);
		if (bytes[i] > PROTO_BODY_MAX)
			return enc_done(m, -DER_OVERFLOW);
	}

	proto_enc_u32(m, rep->ofr_iod_nr);
	for (uint32_t i = 0; i < rep->ofr_iod_nr; i++) {
		proto_enc_u64(m, rep->ofr_sizes[i]);
		proto_enc_u64(m, bytes[i]);
	}
	for (uint32_t i = 0; i < rep->ofr_iod_nr && rep->ofr_sgls != NULL; i++) {
		const d_sg_list_t *sgl = &rep->ofr_sgls[i];

		for (uint32_t j = 0; j < sgl->sg_nr_out; j++)
			proto_enc_ref(m, sgl->sg_iovs[j].iov_buf, sgl->sg_iovs[j].iov_len);
	}
	return enc_done(m, 0);
}

void
proto_obj_fetch_rep_fini(struct proto_obj_fetch_rep *rep)
{
	free(rep->ofr_sizes);
	free(rep->ofr_sgls);
	memset(rep, 0, sizeof(*rep));
}

int
proto_obj_fetch_rep_dec(const void *body, size_t len, struct proto_obj_fetch_rep *rep,
			char *errbuf, size_t errlen)
{
	struct proto_dec d;
	uint64_t         bytes[PROTO_IOD_NR_MAX];
	uint32_t         nr;

	memset(rep, 0, sizeof(*rep));
	proto_dec_init(&d, body, len, errbuf, errlen);
	nr = proto_dec_count(&d, 0, PROTO_IOD_NR_MAX, "iod count");
	if (proto_dec_need(&d, nr, 2 * ENC_U64_SIZE, "iod sizes") != 0)
		goto out;
	rep->ofr_sizes = calloc(nr == 0 ? 1 : nr, sizeof(*rep->ofr_sizes));
	rep->ofr_sgls  = sgls_alloc(nr == 0 ? 1 : nr);
	if (rep->ofr_sizes == NULL || rep->ofr_sgls == NULL) {
		proto_dec_nomem(&d);
		goto out;
	}
	rep->ofr_iod_nr = nr;
	d.pd_ctx        = "iod";
	for (uint32_t i = 0; i < nr; i++) {
		d.pd_idx          = i;
		rep->ofr_sizes[i] = proto_dec_u64(&d, "size");
		bytes[i]          = proto_dec_u64(&d, "byte count");
	}
	d.pd_ctx = NULL;
	if (dec_data(&d, nr, bytes, rep->ofr_sgls) != 0)
		goto out;
	proto_dec_end(&d, "obj_fetch reply");
out:
	if (d.pd_rc != 0)
		proto_obj_fetch_rep_fini(rep);
	return d.pd_rc;
}

/* ---- OBJ_PUNCH, OBJ_PUNCH_DKEYS, OBJ_PUNCH_AKEYS ------------------------------- */

static bool
punch_opcode_ok(uint16_t opcode)
{
	return opcode == PROTO_OP_OBJ_PUNCH || opcode == PROTO_OP_OBJ_PUNCH_DKEYS ||
	       opcode == PROTO_OP_OBJ_PUNCH_AKEYS;
}

int
proto_obj_punch_enc(uint16_t opcode, const struct proto_obj_punch *req, struct proto_msg *m)
{
	if (!punch_opcode_ok(opcode))
		return enc_done(m, -DER_INVAL);
	enc_obj_req(m, &req->op_req);
	if (opcode == PROTO_OP_OBJ_PUNCH)
		return enc_done(m, 0);

	if (opcode == PROTO_OP_OBJ_PUNCH_AKEYS) {
		if (!key_ok(&req->op_dkey, false))
			return enc_done(m, -DER_INVAL);
		proto_enc_key(m, &req->op_dkey);
	}
	if (req->op_key_nr == 0 || req->op_key_nr > PROTO_IOD_NR_MAX || req->op_keys == NULL)
		return enc_done(m, -DER_INVAL);
	proto_enc_u32(m, req->op_key_nr);
	for (uint32_t i = 0; i < req->op_key_nr; i++) {
		if (!key_ok(&req->op_keys[i], false))
			return enc_done(m, -DER_INVAL);
		proto_enc_key(m, &req->op_keys[i]);
	}
	return enc_done(m, 0);
}

void
proto_obj_punch_fini(struct proto_obj_punch *req)
{
	free(req->op_keys);
	memset(req, 0, sizeof(*req));
}

int
proto_obj_punch_dec(uint16_t opcode, const void *body, size_t len, struct proto_obj_punch *req,
		    char *errbuf, size_t errlen)
{
	struct proto_dec d;
	const char      *what;
	uint32_t         nr;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	if (!punch_opcode_ok(opcode)) {
		proto_dec_fail(&d, "opcode %u is not a punch", opcode);
		goto out;
	}
	dec_obj_req(&d, &req->op_req);
	if (opcode == PROTO_OP_OBJ_PUNCH)
		goto end;

	what = opcode == PROTO_OP_OBJ_PUNCH_DKEYS ? "dkey" : "akey";
	if (opcode == PROTO_OP_OBJ_PUNCH_AKEYS)
		proto_dec_key(&d, &req->op_dkey, false, "dkey");
	nr = proto_dec_count(&d, 1, PROTO_IOD_NR_MAX, "key count");
	if (proto_dec_need(&d, nr, ENC_KEY_MIN, "keys") != 0)
		goto out;
	req->op_keys = calloc(nr, sizeof(*req->op_keys));
	if (req->op_keys == NULL) {
		proto_dec_nomem(&d);
		goto out;
	}
	req->op_key_nr = nr;
	d.pd_ctx       = "key";
	for (uint32_t i = 0; i < nr && d.pd_rc == 0; i++) {
		d.pd_idx = i;
		proto_dec_key(&d, &req->op_keys[i], false, what);
	}
	d.pd_ctx = NULL;
end:
	proto_dec_end(&d, proto_opcode_name(opcode));
out:
	if (d.pd_rc != 0)
		proto_obj_punch_fini(req);
	return d.pd_rc;
}

/* ---- OBJ_LIST_DKEY, OBJ_LIST_AKEY ----------------------------------------------- */

int
proto_obj_list_key_enc(uint16_t opcode, const struct proto_obj_list_key *req, struct proto_msg *m)
{
	if (opcode != PROTO_OP_OBJ_LIST_DKEY && opcode != PROTO_OP_OBJ_LIST_AKEY)
		return enc_done(m, -DER_INVAL);
	if (req->olk_nr == 0 || req->olk_nr > PROTO_LIST_NR_MAX || req->olk_buf_len == 0 ||
	    req->olk_buf_len > PROTO_LIST_BUF_MAX || !anchor_ok(&req->olk_anchor))
		return enc_done(m, -DER_INVAL);
	if (opcode == PROTO_OP_OBJ_LIST_AKEY && !key_ok(&req->olk_dkey, false))
		return enc_done(m, -DER_INVAL);

	enc_obj_req(m, &req->olk_req);
	if (opcode == PROTO_OP_OBJ_LIST_AKEY)
		proto_enc_key(m, &req->olk_dkey);
	proto_enc_u32(m, req->olk_nr);
	proto_enc_u32(m, req->olk_buf_len);
	proto_enc_anchor(m, &req->olk_anchor);
	return enc_done(m, 0);
}

int
proto_obj_list_key_dec(uint16_t opcode, const void *body, size_t len,
		       struct proto_obj_list_key *req, char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	if (opcode != PROTO_OP_OBJ_LIST_DKEY && opcode != PROTO_OP_OBJ_LIST_AKEY) {
		proto_dec_fail(&d, "opcode %u is not a key enumeration", opcode);
		goto out;
	}
	dec_obj_req(&d, &req->olk_req);
	if (opcode == PROTO_OP_OBJ_LIST_AKEY)
		proto_dec_key(&d, &req->olk_dkey, false, "dkey");
	req->olk_nr      = proto_dec_count(&d, 1, PROTO_LIST_NR_MAX, "capacity");
	req->olk_buf_len = proto_dec_count(&d, 1, PROTO_LIST_BUF_MAX, "key buffer size");
	proto_dec_anchor(&d, &req->olk_anchor, "anchor");
	proto_dec_end(&d, proto_opcode_name(opcode));
out:
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_obj_list_key_rep_enc(const struct proto_obj_list_key_rep *rep, struct proto_msg *m)
{
	uint64_t total = 0;

	if (rep->olkr_nr > PROTO_LIST_NR_MAX || (rep->olkr_nr > 0 && rep->olkr_kds == NULL) ||
	    !anchor_ok(&rep->olkr_anchor) ||
	    (rep->olkr_key_len_needed != 0 && rep->olkr_nr != 0))
		return enc_done(m, -DER_INVAL);
	for (uint32_t i = 0; i < rep->olkr_nr; i++) {
		uint64_t kl = rep->olkr_kds[i].kd_key_len;

		if (kl == 0 || kl > PROTO_KEY_MAX)
			return enc_done(m, -DER_INVAL);
		total += kl; /* <= PROTO_LIST_NR_MAX * PROTO_KEY_MAX: no overflow */
	}
	if (total != rep->olkr_keys.iov_len || (total > 0 && rep->olkr_keys.iov_buf == NULL) ||
	    total > PROTO_LIST_BUF_MAX)
		return enc_done(m, -DER_INVAL);

	proto_enc_u32(m, rep->olkr_nr);
	for (uint32_t i = 0; i < rep->olkr_nr; i++) {
		const daos_key_desc_t *kd = &rep->olkr_kds[i];

		proto_enc_u64(m, kd->kd_key_len);
		proto_enc_u32(m, kd->kd_val_type);
		proto_enc_u16(m, kd->kd_csum_type);
		proto_enc_u16(m, kd->kd_csum_len);
	}
	proto_enc_ref(m, rep->olkr_keys.iov_buf, total);
	proto_enc_anchor(m, &rep->olkr_anchor);
	proto_enc_u64(m, rep->olkr_key_len_needed);
	return enc_done(m, 0);
}

void
proto_obj_list_key_rep_fini(struct proto_obj_list_key_rep *rep)
{
	free(rep->olkr_kds);
	memset(rep, 0, sizeof(*rep));
}

int
proto_obj_list_key_rep_dec(const void *body, size_t len, struct proto_obj_list_key_rep *rep,
			   char *errbuf, size_t errlen)
{
	struct proto_dec d;
	const uint8_t   *keys;
	uint64_t         total = 0;
	uint32_t         nr;

	memset(rep, 0, sizeof(*rep));
	proto_dec_init(&d, body, len, errbuf, errlen);
	nr = proto_dec_count(&d, 0, PROTO_LIST_NR_MAX, "key count");
	if (proto_dec_need(&d, nr, ENC_KD_SIZE, "key descriptors") != 0)
		goto out;
	if (nr > 0) {
		rep->olkr_kds = calloc(nr, sizeof(*rep->olkr_kds));
		if (rep->olkr_kds == NULL) {
			proto_dec_nomem(&d);
			goto out;
		}
	}
	rep->olkr_nr = nr;
	d.pd_ctx     = "key descriptor";
	for (uint32_t i = 0; i < nr && d.pd_rc == 0; i++) {
		daos_key_desc_t *kd = &rep->olkr_kds[i];

		d.pd_idx         = i;
		kd->kd_key_len   = proto_dec_u64(&d, "key length");
		kd->kd_val_type  = proto_dec_u32(&d, "value type");
		kd->kd_csum_type = proto_dec_u16(&d, "checksum type");
		kd->kd_csum_len  = proto_dec_u16(&d, "checksum length");
		if (d.pd_rc == 0 && (kd->kd_key_len == 0 || kd->kd_key_len > PROTO_KEY_MAX))
			proto_dec_fail(&d, "key length %llu is out of range (1..%u)",
				       (unsigned long long)kd->kd_key_len, PROTO_KEY_MAX);
		total += kd->kd_key_len; /* each <= PROTO_KEY_MAX: no overflow */
	}
	d.pd_ctx = NULL;
	keys     = proto_dec_take(&d, total, "packed keys");
	if (keys != NULL)
		proto_dec_iov_set(&rep->olkr_keys, keys, total);
	proto_dec_anchor(&d, &rep->olkr_anchor, "anchor");
	rep->olkr_key_len_needed = proto_dec_u64(&d, "key length needed");
	if (d.pd_rc == 0 && rep->olkr_key_len_needed != 0 && nr != 0)
		proto_dec_fail(&d, "key length needed %llu with %u keys, must come with none",
			       (unsigned long long)rep->olkr_key_len_needed, nr);
	proto_dec_end(&d, "key enumeration reply");
out:
	if (d.pd_rc != 0)
		proto_obj_list_key_rep_fini(rep);
	return d.pd_rc;
}

/* ---- OBJ_LIST_RECX --------------------------------------------------------------- */

int
proto_obj_list_recx_enc(const struct proto_obj_list_recx *req, struct proto_msg *m)
{
	if (!key_ok(&req->olr_dkey, false) || !key_ok(&req->olr_akey, false) ||
	    req->olr_nr == 0 || req->olr_nr > PROTO_LIST_NR_MAX || !anchor_ok(&req->olr_anchor))
		return enc_done(m, -DER_INVAL);
	enc_obj_req(m, &req->olr_req);
	proto_enc_key(m, &req->olr_dkey);
	proto_enc_key(m, &req->olr_akey);
	proto_enc_u32(m, req->olr_nr);
	proto_enc_anchor(m, &req->olr_anchor);
	return enc_done(m, 0);
}

int
proto_obj_list_recx_dec(const void *body, size_t len, struct proto_obj_list_recx *req,
			char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	dec_obj_req(&d, &req->olr_req);
	proto_dec_key(&d, &req->olr_dkey, false, "dkey");
	proto_dec_key(&d, &req->olr_akey, false, "akey");
	req->olr_nr = proto_dec_count(&d, 1, PROTO_LIST_NR_MAX, "capacity");
	proto_dec_anchor(&d, &req->olr_anchor, "anchor");
	proto_dec_end(&d, "obj_list_recx");
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_obj_list_recx_rep_enc(const struct proto_obj_list_recx_rep *rep, struct proto_msg *m)
{
	if (rep->olrr_nr > PROTO_LIST_NR_MAX || (rep->olrr_nr > 0 && rep->olrr_recxs == NULL) ||
	    !anchor_ok(&rep->olrr_anchor))
		return enc_done(m, -DER_INVAL);
	proto_enc_u64(m, rep->olrr_rsize);
	proto_enc_u32(m, rep->olrr_nr);
	for (uint32_t i = 0; i < rep->olrr_nr; i++)
		proto_enc_recx(m, &rep->olrr_recxs[i]);
	for (uint32_t i = 0; i < rep->olrr_nr; i++) {
		proto_enc_u64(m, rep->olrr_eprs == NULL ? 0 : rep->olrr_eprs[i].epr_lo);
		proto_enc_u64(m, rep->olrr_eprs == NULL ? 0 : rep->olrr_eprs[i].epr_hi);
	}
	proto_enc_anchor(m, &rep->olrr_anchor);
	return enc_done(m, 0);
}

void
proto_obj_list_recx_rep_fini(struct proto_obj_list_recx_rep *rep)
{
	free(rep->olrr_recxs);
	memset(rep, 0, sizeof(*rep));
}

int
proto_obj_list_recx_rep_dec(const void *body, size_t len, struct proto_obj_list_recx_rep *rep,
			    char *errbuf, size_t errlen)
{
	struct proto_dec d;
	uint32_t         nr;

	memset(rep, 0, sizeof(*rep));
	proto_dec_init(&d, body, len, errbuf, errlen);
	rep->olrr_rsize = proto_dec_u64(&d, "record size");
	nr              = proto_dec_count(&d, 0, PROTO_LIST_NR_MAX, "recx count");
	if (proto_dec_need(&d, nr, ENC_RECX_SIZE + ENC_EPR_SIZE, "recxs") != 0)
		goto out;
	if (nr > 0) {
		/* One block: nr recxs then nr epoch ranges (both 16 bytes, 8-aligned). */
		rep->olrr_recxs = calloc(nr, sizeof(daos_recx_t) + sizeof(daos_epoch_range_t));
		if (rep->olrr_recxs == NULL) {
			proto_dec_nomem(&d);
			goto out;
		}
		rep->olrr_eprs = (daos_epoch_range_t *)(rep->olrr_recxs + nr);
	}
	rep->olrr_nr = nr;
	for (uint32_t i = 0; i < nr; i++)
		proto_dec_recx(&d, &rep->olrr_recxs[i], "recx");
	for (uint32_t i = 0; i < nr; i++) {
		rep->olrr_eprs[i].epr_lo = proto_dec_u64(&d, "epoch range");
		rep->olrr_eprs[i].epr_hi = proto_dec_u64(&d, "epoch range");
	}
	proto_dec_anchor(&d, &rep->olrr_anchor, "anchor");
	proto_dec_end(&d, "obj_list_recx reply");
out:
	if (d.pd_rc != 0)
		proto_obj_list_recx_rep_fini(rep);
	return d.pd_rc;
}

/* ---- OBJ_LIST_OBJ ------------------------------------------------------------------ */

int
proto_obj_list_obj_enc(const struct proto_obj_list_obj *req, struct proto_msg *m)
{
	if (req->olo_nr == 0 || req->olo_nr > PROTO_LIST_NR_MAX || !anchor_ok(&req->olo_anchor))
		return enc_done(m, -DER_INVAL);
	enc_obj_req(m, &req->olo_req);
	proto_enc_u32(m, req->olo_nr);
	proto_enc_anchor(m, &req->olo_anchor);
	return enc_done(m, 0);
}

int
proto_obj_list_obj_dec(const void *body, size_t len, struct proto_obj_list_obj *req,
		       char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	dec_obj_req(&d, &req->olo_req);
	req->olo_nr = proto_dec_count(&d, 1, PROTO_LIST_NR_MAX, "capacity");
	proto_dec_anchor(&d, &req->olo_anchor, "anchor");
	proto_dec_end(&d, "obj_list_obj");
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_obj_list_obj_rep_enc(const struct proto_obj_list_obj_rep *rep, struct proto_msg *m)
{
	if (rep->olor_nr > PROTO_LIST_NR_MAX || (rep->olor_nr > 0 && rep->olor_oids == NULL) ||
	    !anchor_ok(&rep->olor_anchor))
		return enc_done(m, -DER_INVAL);
	proto_enc_u32(m, rep->olor_nr);
	for (uint32_t i = 0; i < rep->olor_nr; i++)
		proto_enc_oid(m, rep->olor_oids[i]);
	proto_enc_anchor(m, &rep->olor_anchor);
	return enc_done(m, 0);
}

void
proto_obj_list_obj_rep_fini(struct proto_obj_list_obj_rep *rep)
{
	free(rep->olor_oids);
	memset(rep, 0, sizeof(*rep));
}

int
proto_obj_list_obj_rep_dec(const void *body, size_t len, struct proto_obj_list_obj_rep *rep,
			   char *errbuf, size_t errlen)
{
	struct proto_dec d;
	uint32_t         nr;

	memset(rep, 0, sizeof(*rep));
	proto_dec_init(&d, body, len, errbuf, errlen);
	nr = proto_dec_count(&d, 0, PROTO_LIST_NR_MAX, "oid count");
	if (proto_dec_need(&d, nr, ENC_OID_SIZE, "oids") != 0)
		goto out;
	if (nr > 0) {
		rep->olor_oids = calloc(nr, sizeof(*rep->olor_oids));
		if (rep->olor_oids == NULL) {
			proto_dec_nomem(&d);
			goto out;
		}
	}
	rep->olor_nr = nr;
	for (uint32_t i = 0; i < nr; i++)
		proto_dec_oid(&d, &rep->olor_oids[i], "oid");
	proto_dec_anchor(&d, &rep->olor_anchor, "anchor");
	proto_dec_end(&d, "obj_list_obj reply");
out:
	if (d.pd_rc != 0)
		proto_obj_list_obj_rep_fini(rep);
	return d.pd_rc;
}

/* ---- OBJ_QUERY_KEY ------------------------------------------------------------------ */

int
proto_obj_query_key_enc(const struct proto_obj_query_key *req, struct proto_msg *m)
{
	if (req->oqk_flags == 0 || (req->oqk_flags & ~PROTO_QK_ALL) ||
	    !key_ok(&req->oqk_dkey, true) || !key_ok(&req->oqk_akey, true))
		return enc_done(m, -DER_INVAL);
	enc_obj_req(m, &req->oqk_req);
	proto_enc_u32(m, req->oqk_flags);
	proto_enc_key(m, &req->oqk_dkey);
	proto_enc_key(m, &req->oqk_akey);
	return enc_done(m, 0);
}

int
proto_obj_query_key_dec(const void *body, size_t len, struct proto_obj_query_key *req,
			char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	dec_obj_req(&d, &req->oqk_req);
	req->oqk_flags = proto_dec_u32(&d, "query flags");
	if (d.pd_rc == 0 && (req->oqk_flags == 0 || (req->oqk_flags & ~PROTO_QK_ALL)))
		proto_dec_fail(&d, "query flags 0x%x: need at least one of 0x%x and no others",
			       req->oqk_flags, PROTO_QK_ALL);
	proto_dec_key(&d, &req->oqk_dkey, true, "dkey");
	proto_dec_key(&d, &req->oqk_akey, true, "akey");
	proto_dec_end(&d, "obj_query_key");
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_obj_query_key_rep_enc(const struct proto_obj_query_key_rep *rep, struct proto_msg *m)
{
	if (!key_ok(&rep->oqkr_dkey, true) || !key_ok(&rep->oqkr_akey, true))
		return enc_done(m, -DER_INVAL);
	proto_enc_key(m, &rep->oqkr_dkey);
	proto_enc_key(m, &rep->oqkr_akey);
	proto_enc_recx(m, &rep->oqkr_recx);
	return enc_done(m, 0);
}

int
proto_obj_query_key_rep_dec(const void *body, size_t len, struct proto_obj_query_key_rep *rep,
			    char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(rep, 0, sizeof(*rep));
	proto_dec_init(&d, body, len, errbuf, errlen);
	proto_dec_key(&d, &rep->oqkr_dkey, true, "dkey");
	proto_dec_key(&d, &rep->oqkr_akey, true, "akey");
	proto_dec_recx(&d, &rep->oqkr_recx, "recx");
	proto_dec_end(&d, "obj_query_key reply");
	if (d.pd_rc != 0)
		memset(rep, 0, sizeof(*rep));
	return d.pd_rc;
}

/* ---- Target messages ----------------------------------------------------------------- */

int
proto_tgt_pool_create_enc(const struct proto_tgt_pool_create *req, struct proto_msg *m)
{
	proto_enc_uuid(m, req->tpc_pool);
	proto_enc_u64(m, req->tpc_scm_bytes);
	proto_enc_u64(m, req->tpc_nvme_bytes);
	return enc_done(m, 0);
}

int
proto_tgt_pool_create_dec(const void *body, size_t len, struct proto_tgt_pool_create *req,
			  char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	proto_dec_uuid(&d, req->tpc_pool, "pool uuid");
	req->tpc_scm_bytes  = proto_dec_u64(&d, "scm bytes");
	req->tpc_nvme_bytes = proto_dec_u64(&d, "nvme bytes");
	proto_dec_end(&d, "tgt_pool_create");
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_tgt_pool_enc(const struct proto_tgt_pool *req, struct proto_msg *m)
{
	proto_enc_uuid(m, req->tp_pool);
	return enc_done(m, 0);
}

int
proto_tgt_pool_dec(const void *body, size_t len, struct proto_tgt_pool *req, char *errbuf,
		   size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	proto_dec_uuid(&d, req->tp_pool, "pool uuid");
	proto_dec_end(&d, "target pool request");
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_tgt_cont_enc(const struct proto_tgt_cont *req, struct proto_msg *m)
{
	proto_enc_uuid(m, req->tc_pool);
	proto_enc_uuid(m, req->tc_cont);
	return enc_done(m, 0);
}

int
proto_tgt_cont_dec(const void *body, size_t len, struct proto_tgt_cont *req, char *errbuf,
		   size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	proto_dec_uuid(&d, req->tc_pool, "pool uuid");
	proto_dec_uuid(&d, req->tc_cont, "container uuid");
	proto_dec_end(&d, "target container request");
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_tgt_map_update_enc(const struct proto_tgt_map_update *req, struct proto_msg *m)
{
	if (req->tmu_map.iov_len > PROTO_MAP_BLOB_MAX ||
	    (req->tmu_map.iov_len > 0 && req->tmu_map.iov_buf == NULL))
		return enc_done(m, -DER_INVAL);
	proto_enc_uuid(m, req->tmu_pool);
	proto_enc_u32(m, req->tmu_map_version);
	proto_enc_u32(m, (uint32_t)req->tmu_map.iov_len);
	proto_enc_ref(m, req->tmu_map.iov_buf, req->tmu_map.iov_len);
	return enc_done(m, 0);
}

int
proto_tgt_map_update_dec(const void *body, size_t len, struct proto_tgt_map_update *req,
			 char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(req, 0, sizeof(*req));
	proto_dec_init(&d, body, len, errbuf, errlen);
	proto_dec_uuid(&d, req->tmu_pool, "pool uuid");
	req->tmu_map_version = proto_dec_u32(&d, "map version");
	proto_dec_blob(&d, &req->tmu_map, PROTO_MAP_BLOB_MAX, "pool map");
	proto_dec_end(&d, "tgt_map_update");
	if (d.pd_rc != 0)
		memset(req, 0, sizeof(*req));
	return d.pd_rc;
}

int
proto_tgt_query_rep_enc(const struct proto_tgt_query_rep *rep, struct proto_msg *m)
{
	if (rep->tqr_scm_free > rep->tqr_scm_total || rep->tqr_nvme_free > rep->tqr_nvme_total)
		return enc_done(m, -DER_INVAL);
	proto_enc_u64(m, rep->tqr_scm_total);
	proto_enc_u64(m, rep->tqr_scm_free);
	proto_enc_u64(m, rep->tqr_nvme_total);
	proto_enc_u64(m, rep->tqr_nvme_free);
	return enc_done(m, 0);
}

int
proto_tgt_query_rep_dec(const void *body, size_t len, struct proto_tgt_query_rep *rep,
			char *errbuf, size_t errlen)
{
	struct proto_dec d;

	memset(rep, 0, sizeof(*rep));
	proto_dec_init(&d, body, len, errbuf, errlen);
	rep->tqr_scm_total  = proto_dec_u64(&d, "scm total");
	rep->tqr_scm_free   = proto_dec_u64(&d, "scm free");
	rep->tqr_nvme_total = proto_dec_u64(&d, "nvme total");
	rep->tqr_nvme_free  = proto_dec_u64(&d, "nvme free");
	if (d.pd_rc == 0 && rep->tqr_scm_free > rep->tqr_scm_total)
		proto_dec_fail(&d, "scm free %llu exceeds scm total %llu",
			       (unsigned long long)rep->tqr_scm_free,
			       (unsigned long long)rep->tqr_scm_total);
	if (d.pd_rc == 0 && rep->tqr_nvme_free > rep->tqr_nvme_total)
		proto_dec_fail(&d, "nvme free %llu exceeds nvme total %llu",
			       (unsigned long long)rep->tqr_nvme_free,
			       (unsigned long long)rep->tqr_nvme_total);
	proto_dec_end(&d, "tgt_query reply");
	if (d.pd_rc != 0)
		memset(rep, 0, sizeof(*rep));
	return d.pd_rc;
}

int
proto_empty_dec(const void *body, size_t len, char *errbuf, size_t errlen)
{
	(void)body;
	if (len != 0) {
		d_errbuf_printf(errbuf, errlen, "unexpected body of %zu bytes, this message has none",
				len);
		return -DER_PROTO;
	}
	return 0;
}

/* ---- Dispatch ------------------------------------------------------------------------ */

int
proto_body_dec(uint16_t opcode, bool reply, const void *body, size_t len, union proto_body *out,
	       char *errbuf, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	switch (opcode) {
	case PROTO_OP_PING:
		return proto_empty_dec(body, len, errbuf, errlen);
	case PROTO_OP_TGT_POOL_CREATE:
		return reply ? proto_empty_dec(body, len, errbuf, errlen)
			     : proto_tgt_pool_create_dec(body, len, &out->pb_pool_create, errbuf,
							 errlen);
	case PROTO_OP_TGT_POOL_DESTROY:
		return reply ? proto_empty_dec(body, len, errbuf, errlen)
			     : proto_tgt_pool_dec(body, len, &out->pb_pool, errbuf, errlen);
	case PROTO_OP_TGT_CONT_CREATE:
	case PROTO_OP_TGT_CONT_DESTROY:
		return reply ? proto_empty_dec(body, len, errbuf, errlen)
			     : proto_tgt_cont_dec(body, len, &out->pb_cont, errbuf, errlen);
	case PROTO_OP_TGT_MAP_UPDATE:
		return reply ? proto_empty_dec(body, len, errbuf, errlen)
			     : proto_tgt_map_update_dec(body, len, &out->pb_map_update, errbuf,
							errlen);
	case PROTO_OP_TGT_QUERY:
		return reply ? proto_tgt_query_rep_dec(body, len, &out->pb_query_rep, errbuf, errlen)
			     : proto_tgt_pool_dec(body, len, &out->pb_pool, errbuf, errlen);
	case PROTO_OP_OBJ_UPDATE:
		return reply ? proto_empty_dec(body, len, errbuf, errlen)
			     : proto_obj_update_dec(body, len, &out->pb_update, errbuf, errlen);
	case PROTO_OP_OBJ_FETCH:
		return reply ? proto_obj_fetch_rep_dec(body, len, &out->pb_fetch_rep, errbuf, errlen)
			     : proto_obj_fetch_dec(body, len, &out->pb_fetch, errbuf, errlen);
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_PUNCH_AKEYS:
		return reply ? proto_empty_dec(body, len, errbuf, errlen)
			     : proto_obj_punch_dec(opcode, body, len, &out->pb_punch, errbuf,
						   errlen);
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_LIST_AKEY:
		return reply ? proto_obj_list_key_rep_dec(body, len, &out->pb_list_key_rep, errbuf,
							  errlen)
			     : proto_obj_list_key_dec(opcode, body, len, &out->pb_list_key, errbuf,
						      errlen);
	case PROTO_OP_OBJ_LIST_RECX:
		return reply ? proto_obj_list_recx_rep_dec(body, len, &out->pb_list_recx_rep,
							   errbuf, errlen)
			     : proto_obj_list_recx_dec(body, len, &out->pb_list_recx, errbuf,
						       errlen);
	case PROTO_OP_OBJ_LIST_OBJ:
		return reply ? proto_obj_list_obj_rep_dec(body, len, &out->pb_list_obj_rep, errbuf,
							  errlen)
			     : proto_obj_list_obj_dec(body, len, &out->pb_list_obj, errbuf, errlen);
	case PROTO_OP_OBJ_QUERY_KEY:
		return reply ? proto_obj_query_key_rep_dec(body, len, &out->pb_query_key_rep,
							   errbuf, errlen)
			     : proto_obj_query_key_dec(body, len, &out->pb_query_key, errbuf,
						       errlen);
	default:
		d_errbuf_printf(errbuf, errlen, "unknown opcode %u", opcode);
		return -DER_PROTO;
	}
}

void
proto_body_fini(uint16_t opcode, bool reply, union proto_body *b)
{
	switch (opcode) {
	case PROTO_OP_OBJ_UPDATE:
		if (!reply)
			proto_obj_update_fini(&b->pb_update);
		break;
	case PROTO_OP_OBJ_FETCH:
		if (reply)
			proto_obj_fetch_rep_fini(&b->pb_fetch_rep);
		else
			proto_obj_fetch_fini(&b->pb_fetch);
		break;
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_PUNCH_AKEYS:
		if (!reply)
			proto_obj_punch_fini(&b->pb_punch);
		break;
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_LIST_AKEY:
		if (reply)
			proto_obj_list_key_rep_fini(&b->pb_list_key_rep);
		break;
	case PROTO_OP_OBJ_LIST_RECX:
		if (reply)
			proto_obj_list_recx_rep_fini(&b->pb_list_recx_rep);
		break;
	case PROTO_OP_OBJ_LIST_OBJ:
		if (reply)
			proto_obj_list_obj_rep_fini(&b->pb_list_obj_rep);
		break;
	default:
		break;
	}
}
