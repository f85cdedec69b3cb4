/*
 * eng_obj.c: the OBJ_* handlers of a target and its group commit
 * (docs/design.md C3).
 *
 * Writes (update, punch, punch dkeys/akeys) are staged in their pool's open
 * VOS batch (vos_tx_begin, then vos_obj_update/punch, which copy the data)
 * and their requests held; at the end of the loop turn (or when a batch holds
 * ENG_BATCH_MAX writes, or before an operation VOS runs outside batches)
 * eng_pool_flush() commits the batch (data, flush, index) and only then
 * answers every held write with the commit's result. Reads (fetch, list,
 * query key) run at once on VOS read transactions and so see committed data
 * only (vos.h V5); a fetch of more than ENG_FETCH_SYNC_MAX bytes leaves its
 * device reads in flight and is answered from their completion (invariant 7).
 *
 * Invariants:
 *  1. A write is answered 0 only after the vos_tx_commit() of its batch
 *     returned 0; a failed commit answers every write of the batch with its
 *     error. A write VOS refuses is answered at once and is not in the batch.
 *  2. p_batch holds exactly the requests of writes staged in the open batch
 *     (p_tx_open), with their bodies: the pools are under VOS buffer hold, so
 *     a large aligned value is written from the body until the commit.
 *  3. Every decoded field is untrusted: counts and sizes are bounded against
 *     the protocol's and VOS's limits before anything is allocated, the target
 *     index and map version are checked before the pool is touched.
 *  4. Epoch 0 means "now" (the HLC) for a write and "latest" for a read. An
 *     explicit write epoch is an HLC stamp of the client: one more than the
 *     allowed skew (d_hlc_get_epsilon(), 1 s) ahead of this engine's clock is
 *     refused with -DER_HLC_SYNC before anything is staged (accepted, it would
 *     order the write after every later "now" write) and raises
 *     engine_clock_drift, at most once per ENG_DRIFT_RAS_INTERVAL_MS per
 *     target (the refusals in between are counted in the next event).
 *  5. Every request that decodes is measured (eng_telem.c) from its dispatch
 *     to its answer: a held write when its batch is answered, with the
 *     commit's result deciding whether its bytes count as moved.
 *  6. A pool I/O that fails with a device error (-DER_NVME_IO, -DER_CSUM) is
 *     reported to eng_dev_io_check() (device_media_error, and the device
 *     FAULTY in SMD once bio failed it) before it is answered.
 *  7. An asynchronous fetch (struct eng_fetch) owns its request, decoded body
 *     and reply buffer until fetch_done() answers it; fetch_done() runs from a
 *     poll of the target's ring, possibly inside another request's VOS call,
 *     so it leaves that request's telemetry state (tt_cur_*) as it found it and
 *     touches no scratch buffer. At most ENG_FETCH_ASYNC_NR_MAX fetches and
 *     ENG_FETCH_ASYNC_BYTES_MAX bytes of them are in flight per target; a pool
 *     closes only after its fetches were answered (vos_pool_close() drains).
 */
#define D_LOGFAC DD_FAC(object)

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <daos_errno.h>
#include <daos_obj_class.h>
#include "gurt/byteorder.h"
#include "gurt/hlc.h"
#include "gurt/log.h"
#include "engine/eng_internal.h"

/* Least time between two engine_clock_drift events of one target: a drifting
 * client sends many requests, each refused and counted; one event a minute
 * tells the operator without flooding syslog. */
#define ENG_DRIFT_RAS_INTERVAL_MS 60000

/* Invariant 6: the device of @p's blob failed an I/O that returned @rc. */
static void
obj_dev_error(struct eng_tgt *t, struct eng_pool *p, int rc)
{
	if ((rc == -DER_NVME_IO || rc == -DER_CSUM) && p->p_has_blob)
		eng_dev_io_check(t, p->p_blob.bb_dev);
}

/* ---- Group commit ---- */

void
eng_pool_flush(struct eng_tgt *t, struct eng_pool *p)
{
	char str[37];
	int  rc;

	if (!p->p_tx_open) {
		assert(p->p_batch_nr == 0);
		return;
	}
	p->p_tx_open = false;
	rc           = vos_tx_commit(p->p_vos);
	if (rc != 0) {
		uuid_unparse_lower(p->p_uuid, str);
		D_ERROR("target %u: pool %s: commit of %u write(s) failed: " DF_RC "\n", t->t_idx,
			str, p->p_batch_nr, DP_RC(rc));
		obj_dev_error(t, p, rc);
	}
	/* Invariant 1. */
	for (uint32_t i = 0; i < p->p_batch_nr; i++) {
		net_req_set_reply_map_version(p->p_batch[i], p->p_map_version);
		eng_reply(p->p_batch[i], rc);
		/* Invariant 5. */
		eng_telem_op_end(t, p, p->p_batch_op[i], p->p_batch_t0[i], p->p_batch_bytes[i],
				 rc == 0);
	}
	p->p_batch_nr = 0;
}

void
eng_pools_flush(struct eng_tgt *t)
{
	for (uint32_t i = 0; i < t->t_pool_nr; i++)
		eng_pool_flush(t, t->t_pools[i]);
}

/* Invariant 2: hold a staged write (operation op, begun at t0_ns) until its batch commits. */
static void
batch_add(struct eng_tgt *t, struct eng_pool *p, struct net_req *req, int op, uint64_t t0_ns,
	  uint64_t bytes)
{
	/* The body stays with req until the answer: VOS may still be writing from it. */
	p->p_batch_op[p->p_batch_nr]    = (uint8_t)(op < 0 ? ENG_TM_OP_NR : op);
	p->p_batch_t0[p->p_batch_nr]    = t0_ns;
	p->p_batch_bytes[p->p_batch_nr] = bytes;
	p->p_batch[p->p_batch_nr++]     = req;
	if (p->p_batch_nr == ENG_BATCH_MAX)
		eng_pool_flush(t, p);
}

/* ---- Common checks ---- */

/*
 * Invariant 3: the request's target, pool and map version. Answers the request
 * and returns non-zero when it cannot be served; sets the reply's map version
 * to the pool's (the client learns of a newer map from any answer).
 */
static int
obj_prep(struct eng_tgt *t, struct net_req *req, const struct proto_obj_req *or,
	 struct eng_pool **pp)
{
	const struct proto_hdr *h = net_req_hdr(req);
	struct eng_pool        *p;

	if (or->or_tgt_idx != t->t_idx) {
		D_ERROR("target %u: %s from %s names target %u\n", t->t_idx,
			proto_opcode_name(h->ph_opcode), net_req_peer(req), or->or_tgt_idx);
		eng_reply(req, -DER_INVAL);
		return -DER_INVAL;
	}
	p = eng_pool_find(t, or->or_pool);
	if (p == NULL) {
		eng_reply(req, -DER_NO_HDL);
		return -DER_NO_HDL;
	}
	net_req_set_reply_map_version(req, p->p_map_version);
	/* Version 0 is "no map": refused like any older one once the target has a map. */
	if (p->p_map_version != 0 && h->ph_map_version < p->p_map_version) {
		D_DEBUG("target %u: %s from %s with map version %u, ours is %u\n", t->t_idx,
			proto_opcode_name(h->ph_opcode), net_req_peer(req), h->ph_map_version,
			p->p_map_version);
		eng_reply(req, -DER_STALE);
		return -DER_STALE;
	}
	t->t_tm.tt_cur_pool = p;
	*pp = p;
	return 0;
}

static daos_epoch_t
read_epoch(daos_epoch_t e)
{
	return e == 0 ? DAOS_EPOCH_MAX : e;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Invariant 4: a write epoch too far ahead of our clock; engine_clock_drift, rate-limited. */
static void
clock_drift(struct eng_tgt *t, struct net_req *req, daos_epoch_t e, uint64_t ahead_ns)
{
	const struct proto_hdr *h   = net_req_hdr(req);
	uint64_t                eps = d_hlc_get_epsilon();
	uint64_t                now = mono_ms();
	char                    data[D_RAS_DATA_MAX];

	D_DEBUG("target %u: %s from %s: epoch %#" PRIx64 " is %" PRIu64 " ns ahead: refused\n",
		t->t_idx, proto_opcode_name(h->ph_opcode), net_req_peer(req), e, ahead_ns);
	if (t->t_drift_next_ms != 0 && now < t->t_drift_next_ms) {
		t->t_drift_quiet++;
		return;
	}
	snprintf(data, sizeof(data),
		 "target %u: %s epoch %#" PRIx64 " from %s is %" PRIu64 ".%03" PRIu64
		 " s ahead of this engine's clock (bound %" PRIu64 ".%03" PRIu64
		 " s); refused with DER_HLC_SYNC; %u more refusal(s) since the last event",
		 t->t_idx, proto_opcode_name(h->ph_opcode), e, net_req_peer(req),
		 ahead_ns / UINT64_C(1000000000), ahead_ns / UINT64_C(1000000) % 1000,
		 eps / UINT64_C(1000000000), eps / UINT64_C(1000000) % 1000, t->t_drift_quiet);
	D_ERROR("clock drift: %s\n", data);
	eng_ras_raise_async(t->t_st, RAS_ENGINE_CLOCK_DRIFT, RAS_SEV_UNKNOWN, NULL, NULL, NULL,
			    data, NULL);
	t->t_drift_quiet   = 0;
	t->t_drift_next_ms = now + ENG_DRIFT_RAS_INTERVAL_MS;
}

/*
 * The epoch of a write (invariant 4): 0 is "now"; an explicit one is merged
 * into the clock so that later "now" writes order after it, unless it is too
 * far ahead (-DER_HLC_SYNC, engine_clock_drift). DAOS_EPOCH_MAX is not a
 * clock reading: VOS refuses it (-DER_INVAL).
 */
static int
write_epoch(struct eng_tgt *t, struct net_req *req, daos_epoch_t in, daos_epoch_t *out)
{
	uint64_t ahead = 0;

	if (in == 0) {
		*out = d_hlc_get();
		return 0;
	}
	if (in != DAOS_EPOCH_MAX && d_hlc_recv(in, NULL, &ahead) == -DER_HLC_SYNC) {
		clock_drift(t, req, in, ahead);
		return -DER_HLC_SYNC;
	}
	*out = in;
	return 0;
}

/* Container (created on first write, C3) and open batch of a write. */
static int
write_begin(struct eng_tgt *t, struct eng_pool *p, const uuid_t cont, struct vos_cont **c)
{
	int rc;

	rc = eng_pool_cont(t, p, cont, true, c); /* may commit the open batch */
	if (rc != 0 || p->p_tx_open)
		return rc;
	rc = vos_tx_begin(p->p_vos);
	if (rc == 0)
		p->p_tx_open = true;
	return rc;
}

/* ---- Writes ---- */

/* Returns the pool whose batch now holds req, or NULL when req was answered. */
static struct eng_pool *
obj_update(struct eng_tgt *t, struct net_req *req, struct proto_obj_update *u)
{
	struct eng_pool *p;
	struct vos_cont *c;
	daos_epoch_t     e     = 0;
	uint64_t         bytes = 0;
	int              rc;

	for (uint32_t i = 0; u->ou_sgls != NULL && i < u->ou_iod_nr; i++)
		for (uint32_t j = 0; j < u->ou_sgls[i].sg_nr; j++)
			bytes += u->ou_sgls[i].sg_iovs[j].iov_len;
	t->t_tm.tt_cur_bytes = bytes;
	if (obj_prep(t, req, &u->ou_req, &p) != 0)
		return NULL;
	rc = write_epoch(t, req, u->ou_req.or_epoch, &e);
	if (rc == 0)
		rc = write_begin(t, p, u->ou_req.or_cont, &c);
	if (rc == 0)
		rc = vos_obj_update(c, u->ou_req.or_oid, e, &u->ou_dkey, u->ou_iod_nr, u->ou_iods,
				    u->ou_sgls);
	if (rc != 0) {
		obj_dev_error(t, p, rc);
		D_DEBUG("target %u: update refused: " DF_RC "\n", t->t_idx, DP_RC(rc));
		eng_reply(req, rc);
		return NULL;
	}
	return p;
}

static struct eng_pool *
obj_punch(struct eng_tgt *t, struct net_req *req, uint16_t op, struct proto_obj_punch *pu)
{
	struct eng_pool *p;
	struct vos_cont *c;
	daos_epoch_t     e;
	int              rc;

	if (obj_prep(t, req, &pu->op_req, &p) != 0)
		return NULL;
	/* A punch is a write: it must hide older versions that arrive later. */
	rc = write_epoch(t, req, pu->op_req.or_epoch, &e);
	if (rc == 0)
		rc = write_begin(t, p, pu->op_req.or_cont, &c);
	if (rc == 0) {
		if (op == PROTO_OP_OBJ_PUNCH)
			rc = vos_obj_punch(c, pu->op_req.or_oid, e);
		else if (op == PROTO_OP_OBJ_PUNCH_DKEYS)
			rc = vos_obj_punch_dkeys(c, pu->op_req.or_oid, e, pu->op_key_nr,
						 pu->op_keys);
		else
			rc = vos_obj_punch_akeys(c, pu->op_req.or_oid, e, &pu->op_dkey,
						 pu->op_key_nr, pu->op_keys);
	}
	if (rc != 0) {
		D_DEBUG("target %u: punch refused: " DF_RC "\n", t->t_idx, DP_RC(rc));
		eng_reply(req, rc);
		return NULL;
	}
	return p;
}

/* ---- Fetch ---- */

/* Records of an array iod times its record size; UINT64_MAX on overflow. */
static uint64_t
array_bytes(const daos_iod_t *iod)
{
	uint64_t recs = 0;

	for (uint32_t i = 0; i < iod->iod_nr; i++) {
		if (iod->iod_recxs[i].rx_nr > UINT64_MAX - recs)
			return UINT64_MAX;
		recs += iod->iod_recxs[i].rx_nr;
	}
	if (iod->iod_size != 0 && recs > UINT64_MAX / iod->iod_size)
		return UINT64_MAX;
	return recs * iod->iod_size;
}

/*
 * Answers a fetch with the sizes and, on success, the data of sgls; data in
 * [ref, ref + ref_len) is sent from there and release(arg) runs once net is
 * done with it (release NULL: everything is copied).
 */
static void
fetch_reply_ref(struct eng_tgt *t, struct net_req *req, int status, uint32_t nr,
		daos_iod_t *iods, d_sg_list_t *sgls, const void *ref, size_t ref_len,
		net_release_t release, void *arg)
{
	struct proto_obj_fetch_rep rep;
	daos_size_t                sizes[PROTO_IOD_NR_MAX];
	int                        rc;

	for (uint32_t i = 0; i < nr; i++)
		sizes[i] = iods != NULL ? iods[i].iod_size : 0;
	rep.ofr_iod_nr = nr;
	rep.ofr_sizes  = sizes;
	rep.ofr_sgls   = status == 0 ? sgls : NULL;
	if (status == 0) {
		uint64_t bytes = 0;

		for (uint32_t i = 0; sgls != NULL && i < nr; i++)
			for (uint32_t j = 0; j < sgls[i].sg_nr; j++)
				bytes += sgls[i].sg_iovs[j].iov_len;
		t->t_tm.tt_cur_bytes = bytes;
		t->t_tm.tt_cur_ok    = true;
	}
	rc = proto_obj_fetch_rep_enc(&rep, &t->t_msg);
	eng_reply_msg_ref(t, req, rc != 0 ? rc : status, ref, ref_len, release, arg);
}

static void
fetch_reply(struct eng_tgt *t, struct net_req *req, int status, uint32_t nr, daos_iod_t *iods,
	    d_sg_list_t *sgls)
{
	fetch_reply_ref(t, req, status, nr, iods, sgls, NULL, 0, NULL, NULL);
}

/* One iov per iod over buf, iod i getting caps[i] bytes, in order. */
static void
fetch_sgls(uint8_t *buf, const uint64_t *caps, uint32_t nr, d_sg_list_t *sgls, d_iov_t *iovs)
{
	uint64_t off = 0;

	for (uint32_t i = 0; i < nr; i++) {
		iovs[i].iov_buf     = buf + off;
		iovs[i].iov_buf_len = caps[i];
		iovs[i].iov_len     = 0;
		sgls[i].sg_nr       = 1;
		sgls[i].sg_nr_out   = 0;
		sgls[i].sg_iovs     = &iovs[i];
		off += caps[i];
	}
}

/*
 * A fetch whose blob reads are in flight (vos_obj_fetch_begin()): it owns the
 * decoded request (its iods point into the request body, alive until the
 * reply) and the reply buffer until fetch_done() answers it.
 */
struct eng_fetch {
	struct eng_tgt  *ef_t;
	struct net_req  *ef_req;
	struct eng_pool *ef_pool;
	union proto_body ef_b;
	uint8_t         *ef_buf;   /* reply data, BIO_ALIGN-aligned, ef_bytes long */
	uint64_t         ef_bytes;
	uint64_t         ef_t0;    /* telemetry: start of the request */
	int              ef_tmop;
	d_sg_list_t     *ef_sgls;  /* of_iod_nr each, in this allocation */
	d_iov_t         *ef_iovs;
};

/* The reply is out (or dropped): the buffer and the fetch go (invariant 7). */
static void
fetch_release(void *arg)
{
	struct eng_fetch *ef = arg;
	struct eng_tgt   *t  = ef->ef_t;

	assert(t->t_fetch_bytes >= ef->ef_bytes && t->t_fetch_nr > 0);
	t->t_fetch_bytes -= ef->ef_bytes;
	t->t_fetch_nr--;
	free(ef->ef_buf);
	free(ef);
}

/* Answers fetch f (its data sent from ef_buf); ef goes once net is done with it. */
static void
fetch_answer(struct eng_fetch *ef, const struct proto_obj_fetch *f, int rc)
{
	struct eng_tgt *t = ef->ef_t;

	if (rc == 0 || rc == -DER_REC2BIG) {
		fetch_reply_ref(t, ef->ef_req, rc, f->of_iod_nr, f->of_iods, ef->ef_sgls,
				ef->ef_buf, ef->ef_bytes, fetch_release, ef);
	} else {
		eng_reply(ef->ef_req, rc);
		fetch_release(ef);
	}
}

/* Completion of an asynchronous fetch, run by the target's ring poll (invariant 7). */
static void
fetch_done(void *arg, int rc)
{
	struct eng_fetch       *ef    = arg;
	struct eng_tgt         *t     = ef->ef_t;
	struct eng_pool        *p     = ef->ef_pool;
	int                     tmop  = ef->ef_tmop;
	uint64_t                t0    = ef->ef_t0;
	union proto_body        b     = ef->ef_b;
	struct eng_tgt_tm       saved = t->t_tm; /* the request this may run inside of */

	obj_dev_error(t, p, rc);
	t->t_tm.tt_cur_bytes = 0;
	t->t_tm.tt_cur_ok    = false;
	fetch_answer(ef, &b.pb_fetch, rc); /* ef may be gone from here on */
	proto_body_fini(PROTO_OP_OBJ_FETCH, false, &b);
	eng_telem_op_end(t, p, tmop, t0, t->t_tm.tt_cur_bytes, t->t_tm.tt_cur_ok);
	t->t_tm.tt_cur_pool  = saved.tt_cur_pool;
	t->t_tm.tt_cur_bytes = saved.tt_cur_bytes;
	t->t_tm.tt_cur_ok    = saved.tt_cur_ok;
}

/*
 * Starts the fetch of `total` bytes into a new buffer with its device reads
 * in flight. Returns true when fetch_done() will answer (the request and the
 * decoded body *b are then the fetch's); false when it was answered here.
 */
static bool
fetch_async(struct eng_tgt *t, struct net_req *req, union proto_body *b, struct eng_pool *p,
	    struct vos_cont *c, daos_epoch_t e, const uint64_t *caps, uint64_t total, int tmop,
	    uint64_t t0)
{
	struct proto_obj_fetch *f  = &b->pb_fetch;
	uint32_t                nr = f->of_iod_nr;
	struct eng_fetch       *ef;
	int                     rc;

	ef = calloc(1, sizeof(*ef) + nr * (sizeof(d_sg_list_t) + sizeof(d_iov_t)));
	if (ef == NULL) {
		eng_reply(req, -DER_NOMEM);
		return false;
	}
	ef->ef_buf = aligned_alloc(BIO_ALIGN, (total + BIO_ALIGN - 1) / BIO_ALIGN * BIO_ALIGN);
	if (ef->ef_buf == NULL) {
		free(ef);
		eng_reply(req, -DER_NOMEM);
		return false;
	}
	ef->ef_t     = t;
	ef->ef_req   = req;
	ef->ef_pool  = p;
	ef->ef_bytes = total;
	ef->ef_t0    = t0;
	ef->ef_tmop  = tmop;
	ef->ef_sgls  = (d_sg_list_t *)(ef + 1);
	ef->ef_iovs  = (d_iov_t *)(ef->ef_sgls + nr);
	fetch_sgls(ef->ef_buf, caps, nr, ef->ef_sgls, ef->ef_iovs);
	t->t_fetch_bytes += total;
	t->t_fetch_nr++;
	rc = vos_obj_fetch_begin(c, f->of_req.or_oid, e, &f->of_dkey, nr, f->of_iods, ef->ef_sgls,
				 fetch_done, ef);
	if (rc == VOS_FETCH_PENDING) {
		ef->ef_b = *b; /* the decoded arrays are the fetch's now */
		return true;
	}
	obj_dev_error(t, p, rc);
	fetch_answer(ef, f, rc); /* ef_b is zero: *b stays the caller's */
	return false;
}

/* Returns true when the fetch went asynchronous (it owns req and *b, and measures itself). */
static bool
obj_fetch(struct eng_tgt *t, struct net_req *req, union proto_body *b, int tmop, uint64_t t0)
{
	struct proto_obj_fetch *f = &b->pb_fetch;
	d_sg_list_t      sgls[PROTO_IOD_NR_MAX];
	d_iov_t          iovs[PROTO_IOD_NR_MAX];
	daos_iod_t       probe[PROTO_IOD_NR_MAX];
	uint64_t         caps[PROTO_IOD_NR_MAX];
	struct eng_pool *p;
	struct vos_cont *c;
	daos_epoch_t     e;
	uint8_t         *buf;
	uint8_t         *alloc = NULL;
	uint64_t         total = 0;
	uint32_t         nr    = f->of_iod_nr;
	int              rc;

	if (obj_prep(t, req, &f->of_req, &p) != 0)
		return false;
	e  = read_epoch(f->of_req.or_epoch);
	rc = eng_pool_cont(t, p, f->of_req.or_cont, false, &c);
	if (rc == -DER_NONEXIST) {
		/* A container this target never saw holds nothing (C3). */
		fetch_reply(t, req, 0, nr, NULL, NULL);
		return false;
	}
	if (rc != 0) {
		eng_reply(req, rc);
		return false;
	}
	if (f->of_flags & PROTO_FETCH_SIZES_ONLY) {
		for (uint32_t i = 0; i < nr; i++)
			f->of_iods[i].iod_size = DAOS_REC_ANY;
		rc = vos_obj_fetch(c, f->of_req.or_oid, e, &f->of_dkey, nr, f->of_iods, NULL);
		if (rc != 0)
			eng_reply(req, rc);
		else
			fetch_reply(t, req, 0, nr, f->of_iods, NULL);
		return false;
	}

	/* Invariant 3: the client's capacities are untrusted; a value never exceeds one iod. */
	for (uint32_t i = 0; i < nr; i++) {
		caps[i] = f->of_buf_lens[i] < VOS_IOD_SIZE_MAX ? f->of_buf_lens[i]
							       : VOS_IOD_SIZE_MAX;
		total += caps[i];
	}
	if (total > ENG_FETCH_SCRATCH) {
		/* Ask the sizes first, then allocate what the reply will carry. */
		memcpy(probe, f->of_iods, nr * sizeof(probe[0]));
		for (uint32_t i = 0; i < nr; i++)
			probe[i].iod_size = DAOS_REC_ANY;
		rc = vos_obj_fetch(c, f->of_req.or_oid, e, &f->of_dkey, nr, probe, NULL);
		if (rc != 0) {
			eng_reply(req, rc);
			return false;
		}
		total = 0;
		for (uint32_t i = 0; i < nr; i++) {
			const daos_iod_t *iod  = &f->of_iods[i];
			uint64_t          need = 0;

			if (iod->iod_type == DAOS_IOD_SINGLE)
				need = probe[i].iod_size;
			else if (iod->iod_size != DAOS_REC_ANY)
				need = array_bytes(iod);
			/* Too small for the client: VOS reports -DER_REC2BIG with the size. */
			caps[i] = need <= caps[i] ? need : 0;
			total += caps[i];
		}
		if (total > PROTO_BODY_MAX) {
			eng_reply(req, -DER_OVERFLOW);
			return false;
		}
	}
	/*
	 * Values above the inline threshold may be on the device: read them without
	 * blocking the target (invariant 7), within the target's budget of reply memory.
	 */
	if (total > ENG_FETCH_SYNC_MAX && t->t_fetch_nr < ENG_FETCH_ASYNC_NR_MAX &&
	    t->t_fetch_bytes + total <= ENG_FETCH_ASYNC_BYTES_MAX)
		return fetch_async(t, req, b, p, c, e, caps, total, tmop, t0);
	if (total <= ENG_FETCH_SCRATCH) {
		buf = t->t_scratch;
	} else {
		alloc = aligned_alloc(BIO_ALIGN, (total + BIO_ALIGN - 1) / BIO_ALIGN * BIO_ALIGN);
		if (alloc == NULL) {
			eng_reply(req, -DER_NOMEM);
			return false;
		}
		buf = alloc;
	}
	fetch_sgls(buf, caps, nr, sgls, iovs);
	rc = vos_obj_fetch(c, f->of_req.or_oid, e, &f->of_dkey, nr, f->of_iods, sgls);
	obj_dev_error(t, p, rc);
	if (rc == 0 || rc == -DER_REC2BIG)
		fetch_reply(t, req, rc, nr, f->of_iods, sgls);
	else
		eng_reply(req, rc);
	free(alloc);
	return false;
}

/* ---- Enumeration ---- */

static void
anchor_eof(daos_anchor_t *a)
{
	memset(a, 0, sizeof(*a));
	a->da_type = DAOS_ANCHOR_TYPE_EOF;
}

static void
obj_list_key(struct eng_tgt *t, struct net_req *req, uint16_t op, struct proto_obj_list_key *lk)
{
	struct proto_obj_list_key_rep rep;
	struct eng_pool              *p;
	struct vos_cont              *c;
	d_sg_list_t                   sgl;
	d_iov_t                       iov;
	uint8_t                      *keys;
	uint8_t                      *alloc = NULL;
	uint32_t                      nr    = lk->olk_nr;
	int                           rc;

	if (obj_prep(t, req, &lk->olk_req, &p) != 0)
		return;
	memset(&rep, 0, sizeof(rep));
	rc = eng_pool_cont(t, p, lk->olk_req.or_cont, false, &c);
	if (rc == -DER_NONEXIST) {
		anchor_eof(&rep.olkr_anchor);
		rc = proto_obj_list_key_rep_enc(&rep, &t->t_msg);
		eng_reply_msg(t, req, rc);
		return;
	}
	if (rc != 0) {
		eng_reply(req, rc);
		return;
	}
	/* The decoder bounded olk_buf_len by PROTO_LIST_BUF_MAX. */
	if (lk->olk_buf_len <= ENG_FETCH_SCRATCH) {
		keys = t->t_scratch;
	} else {
		keys = alloc = malloc(lk->olk_buf_len);
		if (alloc == NULL) {
			eng_reply(req, -DER_NOMEM);
			return;
		}
	}
	iov.iov_buf     = keys;
	iov.iov_buf_len = lk->olk_buf_len;
	iov.iov_len     = 0;
	sgl.sg_nr       = 1;
	sgl.sg_nr_out   = 0;
	sgl.sg_iovs     = &iov;
	rep.olkr_anchor = lk->olk_anchor;
	if (op == PROTO_OP_OBJ_LIST_DKEY)
		rc = vos_dkey_list(c, lk->olk_req.or_oid, read_epoch(lk->olk_req.or_epoch), &nr,
				   t->t_kds, &sgl, &rep.olkr_anchor);
	else
		rc = vos_akey_list(c, lk->olk_req.or_oid, read_epoch(lk->olk_req.or_epoch),
				   &lk->olk_dkey, &nr, t->t_kds, &sgl, &rep.olkr_anchor);
	if (rc == 0) {
		uint64_t total = 0;

		for (uint32_t i = 0; i < nr; i++)
			total += t->t_kds[i].kd_key_len;
		rep.olkr_nr           = nr;
		rep.olkr_kds          = t->t_kds;
		rep.olkr_keys.iov_buf = keys;
		rep.olkr_keys.iov_len = total;
		rep.olkr_keys.iov_buf_len = lk->olk_buf_len;
	} else if (rc == -DER_KEY2BIG) {
		/* As DAOS: no key, the size the first one needs, the anchor unchanged. */
		rep.olkr_anchor         = lk->olk_anchor;
		rep.olkr_key_len_needed = t->t_kds[0].kd_key_len;
	} else {
		eng_reply(req, rc);
		goto out;
	}
	{
		int enc = proto_obj_list_key_rep_enc(&rep, &t->t_msg);

		eng_reply_msg(t, req, enc != 0 ? enc : rc);
	}
out:
	free(alloc);
}

static void
obj_list_recx(struct eng_tgt *t, struct net_req *req, struct proto_obj_list_recx *lr)
{
	struct proto_obj_list_recx_rep rep;
	struct eng_pool               *p;
	struct vos_cont               *c;
	uint32_t                       nr = lr->olr_nr;
	int                            rc;

	if (obj_prep(t, req, &lr->olr_req, &p) != 0)
		return;
	memset(&rep, 0, sizeof(rep));
	rc = eng_pool_cont(t, p, lr->olr_req.or_cont, false, &c);
	if (rc == -DER_NONEXIST) {
		anchor_eof(&rep.olrr_anchor);
		eng_reply_msg(t, req, proto_obj_list_recx_rep_enc(&rep, &t->t_msg));
		return;
	}
	if (rc == 0) {
		rep.olrr_anchor = lr->olr_anchor;
		rc = vos_recx_list(c, lr->olr_req.or_oid, read_epoch(lr->olr_req.or_epoch),
				   &lr->olr_dkey, &lr->olr_akey, &rep.olrr_rsize, &nr, t->t_recxs,
				   t->t_eprs, &rep.olrr_anchor);
	}
	if (rc != 0) {
		eng_reply(req, rc);
		return;
	}
	rep.olrr_nr    = nr;
	rep.olrr_recxs = t->t_recxs;
	rep.olrr_eprs  = t->t_eprs;
	eng_reply_msg(t, req, proto_obj_list_recx_rep_enc(&rep, &t->t_msg));
}

static void
obj_list_obj(struct eng_tgt *t, struct net_req *req, struct proto_obj_list_obj *lo)
{
	struct proto_obj_list_obj_rep rep;
	struct eng_pool              *p;
	struct vos_cont              *c;
	uint32_t                      nr = lo->olo_nr;
	int                           rc;

	if (obj_prep(t, req, &lo->olo_req, &p) != 0)
		return;
	memset(&rep, 0, sizeof(rep));
	rc = eng_pool_cont(t, p, lo->olo_req.or_cont, false, &c);
	if (rc == -DER_NONEXIST) {
		anchor_eof(&rep.olor_anchor);
		eng_reply_msg(t, req, proto_obj_list_obj_rep_enc(&rep, &t->t_msg));
		return;
	}
	if (rc == 0) {
		rep.olor_anchor = lo->olo_anchor;
		rc = vos_obj_list(c, read_epoch(lo->olo_req.or_epoch), &nr, t->t_oids,
				  &rep.olor_anchor);
	}
	if (rc != 0) {
		eng_reply(req, rc);
		return;
	}
	rep.olor_nr   = nr;
	rep.olor_oids = t->t_oids;
	eng_reply_msg(t, req, proto_obj_list_obj_rep_enc(&rep, &t->t_msg));
}

/* ---- Query key ---- */

/* dkeys (akeys) of these object types are uint64 values, compared as numbers (DAOS). */
static bool
dkey_is_uint(daos_obj_id_t oid)
{
	uint32_t type = (uint32_t)(oid.hi >> 56);

	return type == DAOS_OT_DKEY_UINT64 || type == DAOS_OT_MULTI_UINT64 ||
	       type == DAOS_OT_KV_UINT64 || type == DAOS_OT_ARRAY || type == DAOS_OT_ARRAY_ATTR ||
	       type == DAOS_OT_ARRAY_BYTE;
}

static bool
akey_is_uint(daos_obj_id_t oid)
{
	uint32_t type = (uint32_t)(oid.hi >> 56);

	return type == DAOS_OT_AKEY_UINT64 || type == DAOS_OT_MULTI_UINT64;
}

/* Numeric order for 8-byte keys of uint64 types, else lexical (shorter prefix first). */
static int
key_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb, bool num)
{
	int c;

	if (num && la == 8 && lb == 8) {
		uint64_t x = d_get_le64(a);
		uint64_t y = d_get_le64(b);

		return x < y ? -1 : x > y;
	}
	c = memcmp(a, b, la < lb ? la : lb);
	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

/* The greatest dkey (dkey NULL) or akey of dkey; bounded by ENG_QUERY_KEY_SCAN_MAX. */
static int
key_max(struct eng_tgt *t, struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e,
	const daos_key_t *dkey, bool num, uint8_t *best, size_t *best_len)
{
	daos_anchor_t anchor = DAOS_ANCHOR_INIT;
	uint64_t      scanned = 0;
	bool          found   = false;
	int           rc;

	while (!daos_anchor_is_eof(&anchor)) {
		uint32_t    nr = PROTO_LIST_NR_MAX;
		d_iov_t     iov;
		d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};
		size_t      off = 0;

		d_iov_set(&iov, t->t_scratch, ENG_FETCH_SCRATCH);
		iov.iov_len = 0;
		if (dkey == NULL)
			rc = vos_dkey_list(c, oid, e, &nr, t->t_kds, &sgl, &anchor);
		else
			rc = vos_akey_list(c, oid, e, dkey, &nr, t->t_kds, &sgl, &anchor);
		if (rc != 0)
			return rc;
		for (uint32_t i = 0; i < nr; i++) {
			const uint8_t *k = t->t_scratch + off;
			size_t         l = t->t_kds[i].kd_key_len;

			if (l > PROTO_KEY_MAX || off + l > ENG_FETCH_SCRATCH)
				return -DER_INVAL; /* VOS keys are far shorter */
			if (!found || key_cmp(k, l, best, *best_len, num) > 0) {
				memcpy(best, k, l);
				*best_len = l;
				found     = true;
			}
			off += l;
		}
		scanned += nr > 0 ? nr : 1;
		if (scanned > ENG_QUERY_KEY_SCAN_MAX)
			return -DER_OVERFLOW;
	}
	return found ? 0 : -DER_NONEXIST;
}

/* The visible extent of the akey that ends last. */
static int
recx_max(struct eng_tgt *t, struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e,
	 const daos_key_t *dkey, const daos_key_t *akey, daos_recx_t *best)
{
	daos_anchor_t anchor  = DAOS_ANCHOR_INIT;
	uint64_t      scanned = 0;
	bool          found   = false;
	daos_size_t   rsize;
	int           rc;

	while (!daos_anchor_is_eof(&anchor)) {
		uint32_t nr = PROTO_LIST_NR_MAX;

		rc = vos_recx_list(c, oid, e, dkey, akey, &rsize, &nr, t->t_recxs, NULL, &anchor);
		if (rc != 0)
			return rc;
		for (uint32_t i = 0; i < nr; i++) {
			const daos_recx_t *r = &t->t_recxs[i];

			if (!found || r->rx_idx + r->rx_nr >= best->rx_idx + best->rx_nr) {
				*best = *r;
				found = true;
			}
		}
		scanned += nr > 0 ? nr : 1;
		if (scanned > ENG_QUERY_KEY_SCAN_MAX)
			return -DER_OVERFLOW;
	}
	return found ? 0 : -DER_NONEXIST;
}

static void
obj_query_key(struct eng_tgt *t, struct net_req *req, struct proto_obj_query_key *qk)
{
	struct proto_obj_query_key_rep rep;
	struct eng_pool               *p;
	struct vos_cont               *c;
	daos_obj_id_t                  oid = qk->oqk_req.or_oid;
	daos_epoch_t                   e   = read_epoch(qk->oqk_req.or_epoch);
	uint8_t                        dbuf[PROTO_KEY_MAX];
	uint8_t                        abuf[PROTO_KEY_MAX];
	size_t                         len;
	int                            rc;

	if (obj_prep(t, req, &qk->oqk_req, &p) != 0)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.oqkr_dkey = qk->oqk_dkey;
	rep.oqkr_akey = qk->oqk_akey;
	/* The levels below the one queried are inputs. */
	if ((!(qk->oqk_flags & PROTO_QK_DKEY) && qk->oqk_dkey.iov_len == 0) ||
	    ((qk->oqk_flags & PROTO_QK_RECX) && !(qk->oqk_flags & PROTO_QK_AKEY) &&
	     qk->oqk_akey.iov_len == 0)) {
		eng_reply(req, -DER_INVAL);
		return;
	}
	rc = eng_pool_cont(t, p, qk->oqk_req.or_cont, false, &c);
	if (rc == 0 && (qk->oqk_flags & PROTO_QK_DKEY)) {
		rc = key_max(t, c, oid, e, NULL, dkey_is_uint(oid), dbuf, &len);
		if (rc == 0)
			d_iov_set(&rep.oqkr_dkey, dbuf, len);
	}
	if (rc == 0 && (qk->oqk_flags & PROTO_QK_AKEY)) {
		rc = key_max(t, c, oid, e, &rep.oqkr_dkey, akey_is_uint(oid), abuf, &len);
		if (rc == 0)
			d_iov_set(&rep.oqkr_akey, abuf, len);
	}
	if (rc == 0 && (qk->oqk_flags & PROTO_QK_RECX))
		rc = recx_max(t, c, oid, e, &rep.oqkr_dkey, &rep.oqkr_akey, &rep.oqkr_recx);
	if (rc != 0) {
		eng_reply(req, rc);
		return;
	}
	eng_reply_msg(t, req, proto_obj_query_key_rep_enc(&rep, &t->t_msg));
}

/* ---- Dispatch ---- */

void
eng_handle_obj(struct eng_tgt *t, struct net_req *req)
{
	uint16_t         op = net_req_hdr(req)->ph_opcode;
	int              tmop = eng_telem_op_of(op);
	uint64_t         t0   = t->t_tm.tt_tm != NULL ? eng_telem_now_ns() : 0;
	struct eng_pool *held = NULL;
	union proto_body b;
	char             err[NET_ERRMSG_MAX];
	int              rc;

	rc = proto_body_dec(op, false, net_req_body(req), net_req_body_len(req), &b, err,
			    sizeof(err));
	if (rc == -DER_NOMEM) {
		eng_reply(req, rc);
		return;
	}
	if (rc != 0) {
		eng_reply_proto(t, req, "%s", err);
		return;
	}
	t->t_tm.tt_cur_pool  = NULL;
	t->t_tm.tt_cur_bytes = 0;
	t->t_tm.tt_cur_ok    = false;
	eng_telem_op_begin(t, tmop);
	switch (op) {
	case PROTO_OP_OBJ_UPDATE:
		held = obj_update(t, req, &b.pb_update);
		break;
	case PROTO_OP_OBJ_FETCH:
		if (obj_fetch(t, req, &b, tmop, t0))
			return; /* in flight: fetch_done() answers, measures and frees */
		break;
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_PUNCH_AKEYS:
		held = obj_punch(t, req, op, &b.pb_punch);
		break;
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_LIST_AKEY:
		obj_list_key(t, req, op, &b.pb_list_key);
		break;
	case PROTO_OP_OBJ_LIST_RECX:
		obj_list_recx(t, req, &b.pb_list_recx);
		break;
	case PROTO_OP_OBJ_LIST_OBJ:
		obj_list_obj(t, req, &b.pb_list_obj);
		break;
	case PROTO_OP_OBJ_QUERY_KEY:
		obj_query_key(t, req, &b.pb_query_key);
		break;
	default:
		eng_reply_proto(t, req, "opcode %u is not an object operation", op);
		break;
	}
	/* Frees only what the decoder allocated, never the body. */
	proto_body_fini(op, false, &b);
	/* Invariant 5: a held write is measured when its batch is answered. */
	if (held != NULL)
		batch_add(t, held, req, tmop, t0, t->t_tm.tt_cur_bytes);
	else
		eng_telem_op_end(t, t->t_tm.tt_cur_pool, tmop, t0, t->t_tm.tt_cur_bytes,
				 t->t_tm.tt_cur_ok);
}
