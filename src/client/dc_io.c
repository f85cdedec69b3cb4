/*
 * dc_io.c: the object I/O engine. One struct dc_io carries one object
 * operation from the API call to its completion:
 *
 *   start ──> send ──> (network) ──> reply ──┬─> complete (callback once, free)
 *              ^                             ├─> next shard / target: send
 *              │                             └─> -DER_STALE / -DER_UNREACH:
 *              └──── retry queue: map refresh (agent), then send ──┘
 *
 * Placement: the object's layout (pl_obj_layout, cached per object and
 * recomputed when the pool map changes) lists one (rank, target) per shard;
 * a dkey's shard is pl_dkey_shard() of its wire bytes; the request goes to
 * the rank's URI port + 1 + target index (C1) through the process's one
 * net client, carrying the pool map version. Operations without a dkey walk
 * the shards (punch, dkey enumeration, greatest-dkey query) or every target
 * of the pool (object index table) one RPC at a time.
 *
 * Retries: a target answering -DER_STALE has a newer map than ours; a
 * target that cannot be reached may have been excluded or restarted
 * elsewhere. Either way the operation goes to the retry queue; the next
 * dc_progress() refreshes the pool map through the agent (once for every
 * operation that saw the same version) and sends again, at most DC_RETRY_MAX
 * times and never past the operation's deadline (CRT_TIMEOUT).
 *
 * Invariants (client_internal.h I4; io state under dc_io_lock):
 *  O1. An io is on dc_io_inflight from start to completion; io_in_net is
 *      true exactly while a net call of it is outstanding, and then
 *      io_net_handle names that call.
 *  O2. The submitting thread holds dc_io_lock across net_call_submit()
 *      and the recording of the handle, and the reply callback takes it
 *      first: a callback run by another thread's progress never sees an io
 *      whose submission is half recorded.
 *  O3. An io on the retry queue has no call outstanding.
 *  O4. The keys sent are the wire form: integer keys big-endian (see
 *      dc_oid_dkey_int); the caller's keys are never modified, except the
 *      keys an enumeration returns, which are turned back to host order.
 *  O5. A request is sent by reference (net_call_submit_ref()): large runs go
 *      from io_msg and the caller's buffers, which live until the io completes
 *      (the API's rule for buffers); io_msg is re-encoded only when no call
 *      of the io is outstanding, and freed with the io.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

struct dc_io {
	d_list_t          io_link;      /**< dc_io_inflight (O1) */
	d_list_t          io_retry;     /**< dc_io_retry_q while queued */
	uint16_t          io_opc;
	struct dc_obj    *io_obj;       /**< referenced; NULL for LIST_OBJ */
	struct dc_cont   *io_cont;      /**< referenced */
	struct dc_pool   *io_pool;      /**< the container's */
	struct dc_io_args io_args;
	daos_event_t     *io_ev;        /**< for abort; may be NULL */
	dc_io_cb_t        io_cb;
	void             *io_cb_arg;
	uint64_t          io_deadline;  /**< ms, dc_now_ms() clock */
	uint64_t          io_retry_at;  /**< ms; earliest resend */
	uint32_t          io_retries;
	uint32_t          io_sent_ver;  /**< map version of the last send */
	uint64_t          io_net_handle;
	bool              io_in_net;
	struct proto_msg  io_msg;       /**< the request on the wire: sent from it and from the
					  *   caller's buffers, so kept until its call completed (O5) */
	bool              io_aborted;
	int               io_last_rc;   /**< error that caused the last retry */
	/* wire form of the keys (O4) */
	daos_key_t        io_dkey;
	uint8_t           io_dkey_buf[8];
	daos_key_t        io_akey;
	uint8_t           io_akey_buf[8];
	daos_iod_t       *io_iods;      /**< wire iods (the caller's when no conversion) */
	daos_iod_t       *io_iods_own;  /**< allocated copy, or NULL */
	uint8_t         (*io_akey_bufs)[8];
	daos_key_t       *io_keys;      /**< wire punch keys */
	daos_key_t       *io_keys_own;
	uint8_t         (*io_keys_bufs)[8];
	uint32_t         *io_key_shard; /**< punch_dkeys: shard of each dkey */
	daos_key_t       *io_sub_keys;  /**< punch_dkeys: this shard's keys */
	uint64_t         *io_buf_lens;  /**< fetch: capacity per iod */
	/* walking shards / targets */
	uint32_t          io_shard;
	uint32_t          io_nr_shards;
	uint32_t          io_tgt;       /**< LIST_OBJ: global target id */
	uint32_t          io_list_cap;  /**< enumeration: the caller's capacity (*nr in) */
	int               io_walk_rc;   /**< first error of a walk */
	/* query_key: best answer so far */
	bool              io_qk_found;
	uint32_t          io_qk_dkey_len;
	uint32_t          io_qk_akey_len;
	daos_recx_t       io_qk_recx;
	uint8_t          *io_qk_keys;   /**< 2 x DC_KEY_MAX bytes */
};

static pthread_mutex_t dc_io_lock = PTHREAD_MUTEX_INITIALIZER;
static D_LIST_HEAD(dc_io_inflight);
static D_LIST_HEAD(dc_io_retry_q);

static void dc_io_send(struct dc_io *io);

/* ---- keys ---------------------------------------------------------------- */

bool
dc_oid_dkey_int(daos_obj_id_t oid)
{
	return daos_is_dkey_uint64_type(daos_obj_id2type(oid));
}

bool
dc_oid_akey_int(daos_obj_id_t oid)
{
	return daos_is_akey_uint64_type(daos_obj_id2type(oid));
}

/* Host-order integer key -> big-endian wire key in buf. */
static void
dc_key_to_wire(const daos_key_t *in, uint8_t buf[8], daos_key_t *out)
{
	uint64_t v;

	memcpy(&v, in->iov_buf, 8);
	v = htobe64(v);
	memcpy(buf, &v, 8);
	d_iov_set(out, buf, 8);
}

/* Big-endian wire key (8 bytes at p) -> host order in place. */
static void
dc_key_from_wire(uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	v = be64toh(v);
	memcpy(p, &v, 8);
}

/* ---- completion ------------------------------------------------------------ */

static void
dc_io_free(struct dc_io *io)
{
	dc_obj_put(io->io_obj);
	dc_cont_put(io->io_cont);
	free(io->io_iods_own);
	free(io->io_akey_bufs);
	free(io->io_keys_own);
	free(io->io_keys_bufs);
	free(io->io_key_shard);
	free(io->io_sub_keys);
	free(io->io_buf_lens);
	free(io->io_qk_keys);
	proto_msg_fini(&io->io_msg);
	free(io);
}

static void
dc_io_complete(struct dc_io *io, int rc)
{
	pthread_mutex_lock(&dc_io_lock);
	d_list_del_init(&io->io_link);
	pthread_mutex_unlock(&dc_io_lock);
	if (rc != 0 && rc != -DER_NONEXIST && rc != -DER_REC2BIG && rc != -DER_KEY2BIG)
		D_DEBUG("object op %s: " DF_RC "\n", proto_opcode_name(io->io_opc), DP_RC(rc));
	io->io_cb(io->io_cb_arg, rc);
	dc_io_free(io);
}

void
dc_io_ev_cb(void *arg, int rc)
{
	dc_ev_complete(arg, rc);
}

/* Queue for a resend after a map refresh (and a pause for an unreachable target). */
static void
dc_io_requeue(struct dc_io *io, int rc, uint32_t delay_ms)
{
	if (io->io_retries >= DC_RETRY_MAX || dc_now_ms() + delay_ms >= io->io_deadline) {
		D_ERROR("object op %s: giving up after %u retries: " DF_RC "\n",
			proto_opcode_name(io->io_opc), io->io_retries, DP_RC(rc));
		dc_io_complete(io, rc);
		return;
	}
	io->io_retries++;
	io->io_last_rc  = rc;
	io->io_retry_at = dc_now_ms() + delay_ms;
	pthread_mutex_lock(&dc_io_lock);
	d_list_add_tail(&io->io_retry, &dc_io_retry_q);
	pthread_mutex_unlock(&dc_io_lock);
}

void
dc_io_retry_process(void)
{
	for (;;) {
		struct dc_io *io = NULL;
		d_list_t     *pos;
		uint64_t      now = dc_now_ms();
		int           rc;

		pthread_mutex_lock(&dc_io_lock);
		d_list_for_each(pos, &dc_io_retry_q) {
			struct dc_io *c = container_of(pos, struct dc_io, io_retry);

			if (c->io_retry_at <= now || c->io_aborted) {
				io = c;
				break;
			}
		}
		if (io != NULL)
			d_list_del_init(&io->io_retry);
		pthread_mutex_unlock(&dc_io_lock);
		if (io == NULL)
			return;
		if (io->io_aborted || (io->io_ev != NULL && dc_ev_aborted(io->io_ev))) {
			dc_io_complete(io, -DER_CANCELED);
			continue;
		}
		rc = dc_pool_refresh(io->io_pool, io->io_sent_ver);
		if (rc != 0 && io->io_last_rc != -DER_UNREACH) {
			dc_io_complete(io, io->io_last_rc);
			continue;
		}
		dc_io_send(io);
	}
}

void
dc_io_retry_drain(void)
{
	for (;;) {
		struct dc_io *io = NULL;

		pthread_mutex_lock(&dc_io_lock);
		if (!d_list_empty(&dc_io_retry_q)) {
			io = container_of(dc_io_retry_q.next, struct dc_io, io_retry);
			d_list_del_init(&io->io_retry);
		}
		pthread_mutex_unlock(&dc_io_lock);
		if (io == NULL)
			return;
		dc_io_complete(io, -DER_CANCELED);
	}
}

void
dc_io_abort_event(daos_event_t *ev)
{
	d_list_t *pos;

	pthread_mutex_lock(&dc_io_lock);
	d_list_for_each(pos, &dc_io_inflight) {
		struct dc_io *io = container_of(pos, struct dc_io, io_link);

		if (io->io_ev != ev)
			continue;
		io->io_aborted = true;
		if (io->io_in_net)
			net_call_cancel(dc_net(), io->io_net_handle);
	}
	pthread_mutex_unlock(&dc_io_lock);
}

/* ---- placement ----------------------------------------------------------------- */

/* Where a request goes. */
struct dc_io_tgt {
	uint32_t            it_ver;     /**< map version */
	uint32_t            it_tgt_idx; /**< target index on the rank */
	uint32_t            it_nr_shards;
	struct dc_rank_addr it_addr;
};

int
dc_obj_nr_shards(struct dc_obj *obj)
{
	struct dc_pool *pool = obj->do_cont->dc_pool;
	int             rc   = 0;

	pthread_rwlock_rdlock(&pool->dp_lock);
	pthread_mutex_lock(&obj->do_lock);
	if (obj->do_layout.ol_nr == 0 || obj->do_layout.ol_map_ver != pool->dp_map->pm_version) {
		pl_obj_layout_free(&obj->do_layout);
		rc = pl_obj_layout(pool->dp_map, obj->do_oid, &obj->do_layout);
	}
	if (rc == 0)
		rc = (int)obj->do_layout.ol_nr;
	pthread_mutex_unlock(&obj->do_lock);
	pthread_rwlock_unlock(&pool->dp_lock);
	return rc;
}

/*
 * Target of shard `shard` of obj, or of the shard of dkey (dkey != NULL).
 * -DER_UNREACH when the pool knows no address of the rank (a refresh may).
 */
static int
dc_io_locate(struct dc_obj *obj, const daos_key_t *dkey, uint32_t shard, struct dc_io_tgt *t)
{
	struct dc_pool *pool = obj->do_cont->dc_pool;
	uint32_t        rank = 0;
	int             rc   = 0;

	pthread_rwlock_rdlock(&pool->dp_lock);
	pthread_mutex_lock(&obj->do_lock);
	t->it_ver = pool->dp_map->pm_version;
	if (obj->do_layout.ol_nr == 0 || obj->do_layout.ol_map_ver != t->it_ver) {
		pl_obj_layout_free(&obj->do_layout);
		rc = pl_obj_layout(pool->dp_map, obj->do_oid, &obj->do_layout);
	}
	if (rc == 0) {
		if (dkey != NULL)
			shard = pl_dkey_shard(obj->do_oid, &obj->do_layout, dkey->iov_buf,
					      dkey->iov_len);
		if (shard >= obj->do_layout.ol_nr) {
			rc = -DER_INVAL;
		} else {
			rank            = obj->do_layout.ol_shards[shard].ps_rank;
			t->it_tgt_idx   = obj->do_layout.ol_shards[shard].ps_tgt_idx;
			t->it_nr_shards = obj->do_layout.ol_nr;
		}
	}
	pthread_mutex_unlock(&obj->do_lock);
	pthread_rwlock_unlock(&pool->dp_lock);
	if (rc != 0)
		return rc;
	return dc_pool_addr(pool, rank, &t->it_addr) == 0 ? 0 : -DER_UNREACH;
}

/* Target of global target id `tgt` of the pool map (LIST_OBJ). */
static int
dc_io_locate_tgt(struct dc_pool *pool, uint32_t tgt, struct dc_io_tgt *t)
{
	uint32_t rank;

	pthread_rwlock_rdlock(&pool->dp_lock);
	t->it_ver = pool->dp_map->pm_version;
	if (tgt >= pool->dp_map->pm_nr_targets) {
		pthread_rwlock_unlock(&pool->dp_lock);
		return -DER_INVAL;
	}
	rank          = pool->dp_map->pm_targets[tgt].pt_rank;
	t->it_tgt_idx = pool->dp_map->pm_targets[tgt].pt_index;
	pthread_rwlock_unlock(&pool->dp_lock);
	return dc_pool_addr(pool, rank, &t->it_addr) == 0 ? 0 : -DER_UNREACH;
}

/* Next target id >= from that holds data (available), or UINT32_MAX. */
static uint32_t
dc_io_next_tgt(struct dc_pool *pool, uint32_t from)
{
	uint32_t out = UINT32_MAX;

	pthread_rwlock_rdlock(&pool->dp_lock);
	for (uint32_t t = from; t < pool->dp_map->pm_nr_targets; t++) {
		if (pl_target_available(pool->dp_map->pm_targets[t].pt_state)) {
			out = t;
			break;
		}
	}
	pthread_rwlock_unlock(&pool->dp_lock);
	return out;
}

/* Whether target `tgt` holds shard 0 of oid under the current map (OIT de-duplication). */
static bool
dc_io_owns_oid(struct dc_pool *pool, daos_obj_id_t oid, uint32_t tgt)
{
	struct pl_obj_layout lo = {0};
	bool                 own;

	pthread_rwlock_rdlock(&pool->dp_lock);
	own = pl_obj_layout(pool->dp_map, oid, &lo) == 0 && lo.ol_nr > 0 &&
	      lo.ol_shards[0].ps_tgt_id == tgt;
	pthread_rwlock_unlock(&pool->dp_lock);
	pl_obj_layout_free(&lo);
	return own;
}

/* ---- requests ------------------------------------------------------------------ */

static void dc_io_reply_cb(void *arg, int status, const struct proto_hdr *hdr,
			   const uint8_t *body, uint32_t len);

static void
dc_io_req_prefix(struct dc_io *io, struct proto_obj_req *req, uint32_t tgt_idx)
{
	uuid_copy(req->or_pool, io->io_pool->dp_uuid);
	uuid_copy(req->or_cont, io->io_cont->dc_uuid);
	req->or_tgt_idx = tgt_idx;
	req->or_oid     = io->io_obj != NULL ? io->io_obj->do_oid : (daos_obj_id_t){0, 0};
	req->or_epoch   = io->io_args.ia_epoch;
}

/* Capacity of a caller's key buffer for enumeration (capped at the protocol's). */
static uint32_t
dc_io_list_buf_len(const d_sg_list_t *sgl)
{
	uint64_t n = dc_sgl_bytes(sgl, false);

	return n > PROTO_LIST_BUF_MAX ? PROTO_LIST_BUF_MAX : (uint32_t)n;
}

/* The anchor the target sees: the caller's position within the current shard. */
static daos_anchor_t
dc_io_wire_anchor(const daos_anchor_t *a)
{
	daos_anchor_t w = *a;

	w.da_shard = 0;
	w.da_flags = 0;
	return w;
}

/* Encode the request of the current step into m. */
static int
dc_io_encode(struct dc_io *io, const struct dc_io_tgt *t, struct proto_msg *m)
{
	struct dc_io_args *a = &io->io_args;
	int                rc;

	switch (io->io_opc) {
	case PROTO_OP_OBJ_UPDATE: {
		struct proto_obj_update u;

		dc_io_req_prefix(io, &u.ou_req, t->it_tgt_idx);
		u.ou_dkey    = io->io_dkey;
		u.ou_iod_nr  = a->ia_nr;
		u.ou_iods    = io->io_iods;
		u.ou_sgls    = a->ia_sgls;
		rc           = proto_obj_update_enc(&u, m);
		break;
	}
	case PROTO_OP_OBJ_FETCH: {
		struct proto_obj_fetch f;

		dc_io_req_prefix(io, &f.of_req, t->it_tgt_idx);
		f.of_dkey     = io->io_dkey;
		f.of_iod_nr   = a->ia_nr;
		f.of_iods     = io->io_iods;
		f.of_buf_lens = io->io_buf_lens;
		f.of_flags    = a->ia_sgls == NULL ? PROTO_FETCH_SIZES_ONLY : 0;
		rc            = proto_obj_fetch_enc(&f, m);
		break;
	}
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_PUNCH_AKEYS: {
		struct proto_obj_punch p = {0};

		dc_io_req_prefix(io, &p.op_req, t->it_tgt_idx);
		if (io->io_opc == PROTO_OP_OBJ_PUNCH_AKEYS) {
			p.op_dkey   = io->io_dkey;
			p.op_key_nr = a->ia_nr;
			p.op_keys   = io->io_keys;
		} else if (io->io_opc == PROTO_OP_OBJ_PUNCH_DKEYS) {
			for (uint32_t i = 0; i < a->ia_nr; i++)
				if (io->io_key_shard[i] == io->io_shard)
					io->io_sub_keys[p.op_key_nr++] = io->io_keys[i];
			p.op_keys = io->io_sub_keys;
		}
		rc = proto_obj_punch_enc(io->io_opc, &p, m);
		break;
	}
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_LIST_AKEY: {
		struct proto_obj_list_key l = {0};

		dc_io_req_prefix(io, &l.olk_req, t->it_tgt_idx);
		if (io->io_opc == PROTO_OP_OBJ_LIST_AKEY)
			l.olk_dkey = io->io_dkey;
		l.olk_nr      = io->io_list_cap;
		l.olk_buf_len = dc_io_list_buf_len(a->ia_sgl);
		l.olk_anchor  = dc_io_wire_anchor(a->ia_anchor);
		rc            = proto_obj_list_key_enc(io->io_opc, &l, m);
		break;
	}
	case PROTO_OP_OBJ_LIST_RECX: {
		struct proto_obj_list_recx l;

		dc_io_req_prefix(io, &l.olr_req, t->it_tgt_idx);
		l.olr_dkey   = io->io_dkey;
		l.olr_akey   = io->io_akey;
		l.olr_nr     = io->io_list_cap;
		l.olr_anchor = dc_io_wire_anchor(a->ia_anchor);
		rc           = proto_obj_list_recx_enc(&l, m);
		break;
	}
	case PROTO_OP_OBJ_QUERY_KEY: {
		struct proto_obj_query_key q = {0};

		dc_io_req_prefix(io, &q.oqk_req, t->it_tgt_idx);
		if (a->ia_flags & DAOS_GET_DKEY)
			q.oqk_flags |= PROTO_QK_DKEY;
		else
			q.oqk_dkey = io->io_dkey;
		if (a->ia_flags & DAOS_GET_AKEY)
			q.oqk_flags |= PROTO_QK_AKEY;
		else if (a->ia_flags & DAOS_GET_RECX)
			q.oqk_akey = io->io_akey;
		if (a->ia_flags & DAOS_GET_RECX)
			q.oqk_flags |= PROTO_QK_RECX;
		rc = proto_obj_query_key_enc(&q, m);
		break;
	}
	case PROTO_OP_OBJ_LIST_OBJ: {
		struct proto_obj_list_obj l;

		dc_io_req_prefix(io, &l.olo_req, t->it_tgt_idx);
		l.olo_nr     = io->io_list_cap;
		l.olo_anchor = dc_io_wire_anchor(a->ia_anchor);
		rc           = proto_obj_list_obj_enc(&l, m);
		break;
	}
	default:
		rc = -DER_INVAL;
		break;
	}
	return rc;
}

/* Locate, encode and submit the current step (or complete with the reason it cannot). */
static void
dc_io_send(struct dc_io *io)
{
	struct dc_io_tgt    t;
	const struct iovec *iov;
	uint64_t            now = dc_now_ms();
	uint64_t            handle;
	int                 iovcnt, rc;

	if (io->io_aborted || (io->io_ev != NULL && dc_ev_aborted(io->io_ev))) {
		dc_io_complete(io, -DER_CANCELED);
		return;
	}
	if (now >= io->io_deadline) {
		dc_io_complete(io, io->io_last_rc != 0 ? io->io_last_rc : -DER_TIMEDOUT);
		return;
	}
	switch (io->io_opc) {
	case PROTO_OP_OBJ_LIST_OBJ:
		rc = dc_io_locate_tgt(io->io_pool, io->io_tgt, &t);
		break;
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_LIST_DKEY:
		rc = dc_io_locate(io->io_obj, NULL, io->io_shard, &t);
		break;
	case PROTO_OP_OBJ_QUERY_KEY:
		rc = dc_io_locate(io->io_obj,
				  (io->io_args.ia_flags & DAOS_GET_DKEY) ? NULL : &io->io_dkey,
				  io->io_shard, &t);
		break;
	default:
		rc = dc_io_locate(io->io_obj, &io->io_dkey, 0, &t);
		break;
	}
	if (rc == -DER_UNREACH) {
		io->io_sent_ver = t.it_ver;
		dc_io_requeue(io, rc, DC_RETRY_UNREACH_MS);
		return;
	}
	if (rc != 0) {
		dc_io_complete(io, rc);
		return;
	}
	io->io_sent_ver = t.it_ver;
	proto_msg_reset(&io->io_msg); /* O5: no call of this io is outstanding */
	rc = dc_io_encode(io, &t, &io->io_msg);
	if (rc == 0)
		rc = proto_msg_iov(&io->io_msg, &iov, &iovcnt);
	if (rc != 0) {
		dc_io_complete(io, rc);
		return;
	}
	pthread_mutex_lock(&dc_io_lock); /* O2 */
	rc = net_call_submit_ref(dc_net(), t.it_addr.ra_ip,
			     (uint16_t)(t.it_addr.ra_port + 1 + t.it_tgt_idx), io->io_opc, t.it_ver,
			     iov, iovcnt, (uint32_t)(io->io_deadline - now), dc_io_reply_cb, io,
			     &handle);
	if (rc == 0) {
		io->io_in_net     = true;
		io->io_net_handle = handle;
	}
	pthread_mutex_unlock(&dc_io_lock);
	if (rc == -DER_AGAIN) {
		/* too many calls in flight: try again shortly, without a map refresh */
		io->io_sent_ver = 0;
		dc_io_requeue(io, rc, 10);
	} else if (rc != 0) {
		dc_io_complete(io, rc);
	}
}

/* ---- replies ------------------------------------------------------------------- */

/* Copy len bytes into the caller's sgl (iovs in order up to iov_buf_len). */
static int
dc_sgl_fill(d_sg_list_t *sgl, const uint8_t *src, size_t len)
{
	size_t   off = 0;
	uint32_t i;

	for (i = 0; i < sgl->sg_nr && off < len; i++) {
		d_iov_t *iov = &sgl->sg_iovs[i];
		size_t   n   = len - off < iov->iov_buf_len ? len - off : iov->iov_buf_len;

		if (n > 0)
			memcpy(iov->iov_buf, src + off, n);
		iov->iov_len = n;
		off += n;
	}
	sgl->sg_nr_out = i;
	for (uint32_t k = i; k < sgl->sg_nr; k++)
		sgl->sg_iovs[k].iov_len = 0;
	return off == len ? 0 : -DER_REC2BIG;
}

/* Overwrite n bytes at byte offset off of the data an sgl holds (iov_len of each iov). */
static void
dc_sgl_write_at(d_sg_list_t *sgl, size_t off, const uint8_t *src, size_t n)
{
	for (uint32_t i = 0; i < sgl->sg_nr && n > 0; i++) {
		d_iov_t *iov = &sgl->sg_iovs[i];
		size_t   take;

		if (off >= iov->iov_len) {
			off -= iov->iov_len;
			continue;
		}
		take = iov->iov_len - off < n ? iov->iov_len - off : n;
		memcpy((uint8_t *)iov->iov_buf + off, src, take);
		src += take;
		n -= take;
		off = 0;
	}
}

static int
dc_io_fetch_reply(struct dc_io *io, int status, const uint8_t *body, uint32_t len)
{
	struct dc_io_args         *a = &io->io_args;
	struct proto_obj_fetch_rep rep;
	char                       err[160];
	int                        rc;

	rc = proto_obj_fetch_rep_dec(body, len, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("bad fetch reply: %s\n", err);
		return rc;
	}
	if (rep.ofr_iod_nr != a->ia_nr) {
		D_ERROR("fetch reply has %u iods, %u asked\n", rep.ofr_iod_nr, a->ia_nr);
		proto_obj_fetch_rep_fini(&rep);
		return -DER_PROTO;
	}
	for (uint32_t i = 0; i < a->ia_nr; i++) {
		a->ia_iods[i].iod_size = rep.ofr_sizes[i];
		if (a->ia_sgls != NULL && status == 0) {
			const d_iov_t *src = rep.ofr_sgls != NULL && rep.ofr_sgls[i].sg_nr > 0
						 ? &rep.ofr_sgls[i].sg_iovs[0]
						 : NULL;
			int            frc;

			frc = dc_sgl_fill(&a->ia_sgls[i], src != NULL ? src->iov_buf : NULL,
					  src != NULL ? src->iov_len : 0);
			if (frc != 0 && rc == 0)
				rc = frc;
		}
	}
	proto_obj_fetch_rep_fini(&rep);
	return rc != 0 ? rc : status;
}

/* Key enumeration reply: copy what came, move the anchor (shards for dkeys). */
static int
dc_io_list_key_reply(struct dc_io *io, int status, const uint8_t *body, uint32_t len,
		     bool *again)
{
	struct dc_io_args            *a = &io->io_args;
	struct proto_obj_list_key_rep rep;
	bool                          ints;
	char                          err[160];
	size_t                        off = 0;
	int                           rc;

	*again = false;
	rc     = proto_obj_list_key_rep_dec(body, len, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("bad key list reply: %s\n", err);
		return rc;
	}
	if (status == -DER_KEY2BIG) {
		a->ia_kds[0].kd_key_len = rep.olkr_key_len_needed;
		*a->ia_nr_inout         = 0;
		proto_obj_list_key_rep_fini(&rep);
		return -DER_KEY2BIG;
	}
	if (status != 0) {
		proto_obj_list_key_rep_fini(&rep);
		return status;
	}
	if (rep.olkr_nr > io->io_list_cap || rep.olkr_keys.iov_len > dc_sgl_bytes(a->ia_sgl, false)) {
		D_ERROR("key list reply: %u keys in %zu bytes exceed the request\n", rep.olkr_nr,
			rep.olkr_keys.iov_len);
		proto_obj_list_key_rep_fini(&rep);
		return -DER_PROTO;
	}
	ints = io->io_opc == PROTO_OP_OBJ_LIST_DKEY ? dc_oid_dkey_int(io->io_obj->do_oid)
						    : dc_oid_akey_int(io->io_obj->do_oid);
	for (uint32_t i = 0; i < rep.olkr_nr; i++) {
		a->ia_kds[i] = rep.olkr_kds[i];
		off += rep.olkr_kds[i].kd_key_len;
	}
	if (off != rep.olkr_keys.iov_len) {
		proto_obj_list_key_rep_fini(&rep);
		return -DER_PROTO;
	}
	dc_sgl_fill(a->ia_sgl, rep.olkr_keys.iov_buf, rep.olkr_keys.iov_len);
	if (ints) {
		/* O4: the caller's copy back to host order, key by key */
		size_t pos = 0;

		for (uint32_t i = 0; i < rep.olkr_nr; i++) {
			if (rep.olkr_kds[i].kd_key_len == 8) {
				uint8_t k[8];

				memcpy(k, (const uint8_t *)rep.olkr_keys.iov_buf + pos, 8);
				dc_key_from_wire(k);
				dc_sgl_write_at(a->ia_sgl, pos, k, 8);
			}
			pos += rep.olkr_kds[i].kd_key_len;
		}
	}
	*a->ia_nr_inout = rep.olkr_nr;
	*a->ia_anchor   = rep.olkr_anchor;
	a->ia_anchor->da_shard = (uint16_t)io->io_shard;
	if (io->io_opc == PROTO_OP_OBJ_LIST_DKEY && daos_anchor_is_eof(&rep.olkr_anchor) &&
	    io->io_shard + 1 < io->io_nr_shards) {
		/* next shard: from its start; same call when nothing came back yet */
		memset(a->ia_anchor, 0, sizeof(*a->ia_anchor));
		a->ia_anchor->da_shard = (uint16_t)(io->io_shard + 1);
		if (rep.olkr_nr == 0) {
			io->io_shard++;
			*again = true;
		}
	}
	proto_obj_list_key_rep_fini(&rep);
	return 0;
}

static int
dc_io_list_recx_reply(struct dc_io *io, int status, const uint8_t *body, uint32_t len)
{
	struct dc_io_args             *a = &io->io_args;
	struct proto_obj_list_recx_rep rep;
	char                           err[160];
	int                            rc;

	if (status != 0)
		return status;
	rc = proto_obj_list_recx_rep_dec(body, len, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("bad recx list reply: %s\n", err);
		return rc;
	}
	if (rep.olrr_nr > io->io_list_cap) {
		proto_obj_list_recx_rep_fini(&rep);
		return -DER_PROTO;
	}
	if (a->ia_rsize != NULL)
		*a->ia_rsize = rep.olrr_rsize;
	for (uint32_t i = 0; i < rep.olrr_nr; i++) {
		if (a->ia_recxs != NULL)
			a->ia_recxs[i] = rep.olrr_recxs[i];
		if (a->ia_eprs != NULL)
			a->ia_eprs[i] = rep.olrr_eprs[i];
	}
	*a->ia_nr_inout = rep.olrr_nr;
	*a->ia_anchor   = rep.olrr_anchor;
	a->ia_anchor->da_shard = 0;
	proto_obj_list_recx_rep_fini(&rep);
	return 0;
}

/* Key order of the targets: length, then bytes. */
static int
dc_key_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
dc_io_query_key_reply(struct dc_io *io, int status, const uint8_t *body, uint32_t len)
{
	struct proto_obj_query_key_rep rep;
	char                           err[160];
	int                            rc;

	if (status == -DER_NONEXIST)
		return 0; /* nothing on this shard */
	if (status != 0)
		return status;
	rc = proto_obj_query_key_rep_dec(body, len, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("bad query_key reply: %s\n", err);
		return rc;
	}
	if (rep.oqkr_dkey.iov_len > DC_KEY_MAX || rep.oqkr_akey.iov_len > DC_KEY_MAX)
		return -DER_PROTO;
	if (!io->io_qk_found ||
	    dc_key_cmp(rep.oqkr_dkey.iov_buf, (uint32_t)rep.oqkr_dkey.iov_len, io->io_qk_keys,
		       io->io_qk_dkey_len) > 0) {
		io->io_qk_found    = true;
		io->io_qk_dkey_len = (uint32_t)rep.oqkr_dkey.iov_len;
		io->io_qk_akey_len = (uint32_t)rep.oqkr_akey.iov_len;
		if (rep.oqkr_dkey.iov_len > 0)
			memcpy(io->io_qk_keys, rep.oqkr_dkey.iov_buf, rep.oqkr_dkey.iov_len);
		if (rep.oqkr_akey.iov_len > 0)
			memcpy(io->io_qk_keys + DC_KEY_MAX, rep.oqkr_akey.iov_buf,
			       rep.oqkr_akey.iov_len);
		io->io_qk_recx = rep.oqkr_recx;
	}
	return 0;
}

/* Hand the best query_key answer to the caller. */
static int
dc_io_query_key_finish(struct dc_io *io)
{
	struct dc_io_args *a = &io->io_args;

	if (!io->io_qk_found)
		return -DER_NONEXIST;
	if (a->ia_flags & DAOS_GET_DKEY) {
		if (a->ia_dkey_out->iov_buf_len < io->io_qk_dkey_len)
			return -DER_KEY2BIG;
		memcpy(a->ia_dkey_out->iov_buf, io->io_qk_keys, io->io_qk_dkey_len);
		a->ia_dkey_out->iov_len = io->io_qk_dkey_len;
		if (io->io_qk_dkey_len == 8 && dc_oid_dkey_int(io->io_obj->do_oid))
			dc_key_from_wire(a->ia_dkey_out->iov_buf);
	}
	if (a->ia_flags & DAOS_GET_AKEY) {
		if (a->ia_akey_out->iov_buf_len < io->io_qk_akey_len)
			return -DER_KEY2BIG;
		memcpy(a->ia_akey_out->iov_buf, io->io_qk_keys + DC_KEY_MAX, io->io_qk_akey_len);
		a->ia_akey_out->iov_len = io->io_qk_akey_len;
		if (io->io_qk_akey_len == 8 && dc_oid_akey_int(io->io_obj->do_oid))
			dc_key_from_wire(a->ia_akey_out->iov_buf);
	}
	if ((a->ia_flags & DAOS_GET_RECX) && a->ia_recx != NULL)
		*a->ia_recx = io->io_qk_recx;
	return 0;
}

static int
dc_io_list_obj_reply(struct dc_io *io, int status, const uint8_t *body, uint32_t len,
		     bool *again)
{
	struct dc_io_args            *a = &io->io_args;
	struct proto_obj_list_obj_rep rep;
	uint32_t                      kept = 0, next;
	char                          err[160];
	int                           rc;

	*again = false;
	if (status != 0)
		return status;
	rc = proto_obj_list_obj_rep_dec(body, len, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("bad object list reply: %s\n", err);
		return rc;
	}
	if (rep.olor_nr > io->io_list_cap) {
		proto_obj_list_obj_rep_fini(&rep);
		return -DER_PROTO;
	}
	/* an object is listed by the target of its shard 0 only */
	for (uint32_t i = 0; i < rep.olor_nr; i++)
		if (dc_io_owns_oid(io->io_pool, rep.olor_oids[i], io->io_tgt))
			a->ia_oids[kept++] = rep.olor_oids[i];
	*a->ia_anchor          = rep.olor_anchor;
	a->ia_anchor->da_shard = 0;
	a->ia_anchor->da_flags = io->io_tgt;
	if (daos_anchor_is_eof(&rep.olor_anchor)) {
		next = dc_io_next_tgt(io->io_pool, io->io_tgt + 1);
		if (next != UINT32_MAX) {
			memset(a->ia_anchor, 0, sizeof(*a->ia_anchor));
			a->ia_anchor->da_flags = next;
			if (kept == 0) {
				io->io_tgt = next;
				*again     = true;
			}
		}
	} else if (kept == 0) {
		*again = true; /* everything here belonged to other targets: keep going */
	}
	*a->ia_nr_inout = kept;
	proto_obj_list_obj_rep_fini(&rep);
	return 0;
}

static void dc_io_reply_handle(struct dc_io *io, bool aborted, int status,
			       const struct proto_hdr *hdr, const uint8_t *body, uint32_t len);

/* A reply arrived (or the call failed): decide what comes next. */
static void
dc_io_reply_cb(void *arg, int status, const struct proto_hdr *hdr, const uint8_t *body,
	       uint32_t len)
{
	struct dc_io *io = arg;
	bool          aborted;

	pthread_mutex_lock(&dc_io_lock); /* O2 */
	io->io_in_net = false;
	aborted       = io->io_aborted;
	pthread_mutex_unlock(&dc_io_lock);
	dc_in_net_cb_set(true);
	dc_io_reply_handle(io, aborted, status, hdr, body, len);
	dc_in_net_cb_set(false);
}

/* The body of dc_io_reply_cb (the callback guard set around it). */
static void
dc_io_reply_handle(struct dc_io *io, bool aborted, int status, const struct proto_hdr *hdr,
		   const uint8_t *body, uint32_t len)
{
	bool again = false;
	char err[160];
	int  rc = 0;

	if (aborted || status == -DER_CANCELED) {
		dc_io_complete(io, -DER_CANCELED);
		return;
	}
	if (status == -DER_STALE) {
		D_DEBUG("%s: stale map %u (target has %u): refreshing\n",
			proto_opcode_name(io->io_opc), io->io_sent_ver,
			hdr != NULL ? hdr->ph_map_version : 0);
		dc_io_requeue(io, status, 0);
		return;
	}
	if (status == -DER_UNREACH) {
		dc_io_requeue(io, status, DC_RETRY_UNREACH_MS);
		return;
	}
	if (status == -DER_PROTO && hdr != NULL && len > 0)
		D_ERROR("%s refused by the target: %.*s\n", proto_opcode_name(io->io_opc),
			(int)len, (const char *)body);
	switch (io->io_opc) {
	case PROTO_OP_OBJ_UPDATE:
	case PROTO_OP_OBJ_PUNCH_AKEYS:
		rc = status != 0 ? status : proto_empty_dec(body, len, err, sizeof(err));
		break;
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
		rc = status != 0 ? status : proto_empty_dec(body, len, err, sizeof(err));
		if (rc != 0)
			break;
		/* next shard (holding keys, for punch_dkeys) */
		for (io->io_shard++; io->io_shard < io->io_nr_shards; io->io_shard++) {
			bool any = io->io_opc == PROTO_OP_OBJ_PUNCH;

			for (uint32_t i = 0; !any && i < io->io_args.ia_nr; i++)
				any = io->io_key_shard[i] == io->io_shard;
			if (any)
				break;
		}
		again = io->io_shard < io->io_nr_shards;
		break;
	case PROTO_OP_OBJ_FETCH:
		rc = (status == 0 || status == -DER_REC2BIG) && hdr != NULL
			 ? dc_io_fetch_reply(io, status, body, len)
			 : status;
		break;
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_LIST_AKEY:
		rc = (status == 0 || status == -DER_KEY2BIG) && hdr != NULL
			 ? dc_io_list_key_reply(io, status, body, len, &again)
			 : status;
		break;
	case PROTO_OP_OBJ_LIST_RECX:
		rc = dc_io_list_recx_reply(io, status, body, len);
		break;
	case PROTO_OP_OBJ_QUERY_KEY:
		rc = dc_io_query_key_reply(io, status, body, len);
		if (rc == 0 && (io->io_args.ia_flags & DAOS_GET_DKEY) &&
		    ++io->io_shard < io->io_nr_shards)
			again = true;
		else if (rc == 0)
			rc = dc_io_query_key_finish(io);
		break;
	case PROTO_OP_OBJ_LIST_OBJ:
		rc = dc_io_list_obj_reply(io, status, body, len, &again);
		break;
	default:
		rc = -DER_PROTO;
		break;
	}
	if (rc == 0 && again) {
		io->io_retries = 0;
		dc_io_send(io);
		return;
	}
	dc_io_complete(io, rc);
}

/* ---- start ---------------------------------------------------------------------- */

/* Convert the caller's keys into their wire form (O4). */
static int
dc_io_prepare_keys(struct dc_io *io)
{
	struct dc_io_args *a     = &io->io_args;
	bool               dints = io->io_obj != NULL && dc_oid_dkey_int(io->io_obj->do_oid);
	bool               aints = io->io_obj != NULL && dc_oid_akey_int(io->io_obj->do_oid);

	if (a->ia_dkey != NULL) {
		if (dints && a->ia_dkey->iov_len != 8)
			return -DER_INVAL;
		if (dints)
			dc_key_to_wire(a->ia_dkey, io->io_dkey_buf, &io->io_dkey);
		else
			io->io_dkey = *a->ia_dkey;
	}
	if (a->ia_akey != NULL) {
		if (aints && a->ia_akey->iov_len != 8)
			return -DER_INVAL;
		if (aints)
			dc_key_to_wire(a->ia_akey, io->io_akey_buf, &io->io_akey);
		else
			io->io_akey = *a->ia_akey;
	}
	io->io_iods = a->ia_iods;
	if (a->ia_iods != NULL && aints) {
		io->io_iods_own  = calloc(a->ia_nr, sizeof(*io->io_iods_own));
		io->io_akey_bufs = calloc(a->ia_nr, sizeof(*io->io_akey_bufs));
		if (io->io_iods_own == NULL || io->io_akey_bufs == NULL)
			return -DER_NOMEM;
		for (uint32_t i = 0; i < a->ia_nr; i++) {
			io->io_iods_own[i] = a->ia_iods[i];
			if (a->ia_iods[i].iod_name.iov_len != 8)
				return -DER_INVAL;
			dc_key_to_wire(&a->ia_iods[i].iod_name, io->io_akey_bufs[i],
				       &io->io_iods_own[i].iod_name);
		}
		io->io_iods = io->io_iods_own;
	}
	if (a->ia_keys != NULL) {
		bool ints = io->io_opc == PROTO_OP_OBJ_PUNCH_DKEYS ? dints : aints;

		io->io_keys = a->ia_keys;
		if (ints) {
			io->io_keys_own  = calloc(a->ia_nr, sizeof(*io->io_keys_own));
			io->io_keys_bufs = calloc(a->ia_nr, sizeof(*io->io_keys_bufs));
			if (io->io_keys_own == NULL || io->io_keys_bufs == NULL)
				return -DER_NOMEM;
			for (uint32_t i = 0; i < a->ia_nr; i++) {
				if (a->ia_keys[i].iov_len != 8)
					return -DER_INVAL;
				dc_key_to_wire(&a->ia_keys[i], io->io_keys_bufs[i],
					       &io->io_keys_own[i]);
			}
			io->io_keys = io->io_keys_own;
		}
	}
	return 0;
}

/* Per-opcode state set up before the first send. */
static int
dc_io_prepare(struct dc_io *io)
{
	struct dc_io_args *a = &io->io_args;
	int                n;

	switch (io->io_opc) {
	case PROTO_OP_OBJ_FETCH:
		io->io_buf_lens = calloc(a->ia_nr, sizeof(*io->io_buf_lens));
		if (io->io_buf_lens == NULL)
			return -DER_NOMEM;
		for (uint32_t i = 0; i < a->ia_nr; i++)
			io->io_buf_lens[i] = a->ia_sgls != NULL ? dc_sgl_bytes(&a->ia_sgls[i], false)
								: 0;
		return 0;
	case PROTO_OP_OBJ_PUNCH:
	case PROTO_OP_OBJ_LIST_DKEY:
	case PROTO_OP_OBJ_PUNCH_DKEYS:
	case PROTO_OP_OBJ_QUERY_KEY:
		n = dc_obj_nr_shards(io->io_obj);
		if (n < 0)
			return n;
		io->io_nr_shards = (uint32_t)n;
		if (io->io_opc == PROTO_OP_OBJ_LIST_DKEY) {
			io->io_shard = a->ia_anchor->da_shard;
			if (io->io_shard >= io->io_nr_shards)
				return -DER_INVAL;
		}
		if (io->io_opc == PROTO_OP_OBJ_QUERY_KEY) {
			io->io_qk_keys = malloc(2 * (size_t)DC_KEY_MAX);
			if (io->io_qk_keys == NULL)
				return -DER_NOMEM;
		}
		if (io->io_opc == PROTO_OP_OBJ_PUNCH_DKEYS) {
			struct pl_obj_layout *lo;
			uint32_t              first = UINT32_MAX;

			io->io_key_shard = calloc(a->ia_nr, sizeof(*io->io_key_shard));
			io->io_sub_keys  = calloc(a->ia_nr, sizeof(*io->io_sub_keys));
			if (io->io_key_shard == NULL || io->io_sub_keys == NULL)
				return -DER_NOMEM;
			pthread_mutex_lock(&io->io_obj->do_lock);
			lo = &io->io_obj->do_layout;
			for (uint32_t i = 0; i < a->ia_nr; i++) {
				io->io_key_shard[i] = pl_dkey_shard(io->io_obj->do_oid, lo,
								    io->io_keys[i].iov_buf,
								    io->io_keys[i].iov_len);
				if (io->io_key_shard[i] < first)
					first = io->io_key_shard[i];
			}
			pthread_mutex_unlock(&io->io_obj->do_lock);
			io->io_shard = first;
		}
		return 0;
	case PROTO_OP_OBJ_LIST_OBJ:
		if (daos_anchor_is_zero(a->ia_anchor) && a->ia_anchor->da_flags == 0)
			io->io_tgt = dc_io_next_tgt(io->io_pool, 0);
		else
			io->io_tgt = a->ia_anchor->da_flags;
		if (io->io_tgt == UINT32_MAX || io->io_tgt >= dc_pool_nr_targets(io->io_pool))
			return io->io_tgt == UINT32_MAX ? -DER_NONEXIST : -DER_INVAL;
		return 0;
	default:
		return 0;
	}
}

void
dc_io_start(uint16_t opcode, struct dc_obj *obj, struct dc_cont *cont,
	    const struct dc_io_args *args, daos_event_t *ev, dc_io_cb_t cb, void *cb_arg)
{
	struct dc_io *io = calloc(1, sizeof(*io));
	int           rc;

	if (io == NULL) {
		cb(cb_arg, -DER_NOMEM);
		return;
	}
	D_INIT_LIST_HEAD(&io->io_link);
	D_INIT_LIST_HEAD(&io->io_retry);
	proto_msg_init(&io->io_msg);
	io->io_opc  = opcode;
	io->io_args = *args;
	io->io_ev   = ev;
	io->io_cb   = cb;
	io->io_cb_arg = cb_arg;
	if (obj != NULL) {
		dc_hdl_addref(&obj->do_hdl);
		io->io_obj = obj;
		cont       = obj->do_cont;
	}
	dc_hdl_addref(&cont->dc_hdl);
	io->io_cont     = cont;
	io->io_pool     = cont->dc_pool;
	io->io_deadline = dc_now_ms() + dc_timeout_ms();
	pthread_mutex_lock(&dc_io_lock);
	d_list_add_tail(&io->io_link, &dc_io_inflight);
	pthread_mutex_unlock(&dc_io_lock);
	if (args->ia_nr_inout != NULL)
		io->io_list_cap = *args->ia_nr_inout < PROTO_LIST_NR_MAX ? *args->ia_nr_inout
									  : PROTO_LIST_NR_MAX;
	rc = dc_io_prepare_keys(io);
	if (rc == 0)
		rc = dc_io_prepare(io);
	if (rc != 0) {
		dc_io_complete(io, rc);
		return;
	}
	dc_io_send(io);
}
