/*
 * dc_obj.c: the object API (daos_obj.h): object ids and classes, object
 * handles, argument checks, and the calls that hand validated operations to
 * the I/O engine (dc_io.c). Object handles are local: opening one asks no
 * server (the layout is computed from the pool map when first needed).
 *
 * Argument checks come first and return -DER_INVAL / -DER_NO_HDL /
 * -DER_NO_PERM directly, with the event (if any) not launched; everything
 * after that completes through the event.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"


/* ---- object classes --------------------------------------------------------- */

int
daos_oclass_nr(int opts)
{
	(void)opts;
	return (int)pl_oclass_nr();
}

ssize_t
daos_oclass_names_list(size_t size, char *str)
{
	size_t total = 0, off = 0;

	if (str == NULL && size != 0)
		return -DER_INVAL;
	if (str != NULL && size > 0)
		str[0] = '\0';
	for (uint32_t i = 0; i < pl_oclass_nr(); i++) {
		char   name[MAX_OBJ_CLASS_NAME_LEN];
		size_t len;

		if (daos_oclass_id2name(pl_oclass_at(i), name) != 0)
			continue;
		len = strlen(name) + (total > 0 ? 1 : 0);
		/* only whole names, NUL kept */
		if (str != NULL && off + len + 1 <= size) {
			if (total > 0)
				str[off++] = ',';
			memcpy(str + off, name, strlen(name) + 1);
			off += strlen(name);
		}
		total += len;
	}
	return (ssize_t)total;
}

int
daos_obj_generate_oid2(daos_handle_t coh, daos_obj_id_t *oid, enum daos_otype_t type,
		       daos_oclass_id_t cid, daos_oclass_hints_t hints, uint32_t args)
{
	struct dc_cont *cont;
	char            err[192];
	int             rc;

	(void)args;
	if (oid == NULL || !daos_otype_t_is_valid(type))
		return -DER_INVAL;
	cont = dc_cont_get(coh);
	if (cont == NULL)
		return -DER_NO_HDL;
	if (cid == OC_UNKNOWN && hints == 0 && cont->dc_oclass != OC_UNKNOWN)
		cid = cont->dc_oclass;
	rc = pl_oid_generate_msg(oid, type, cid, hints, dc_pool_nr_targets(cont->dc_pool), err,
				 sizeof(err));
	if (rc != 0)
		D_ERROR("daos_obj_generate_oid: " DF_RC ": %s\n", DP_RC(rc), err);
	dc_cont_put(cont);
	return rc;
}

/* ---- handles -------------------------------------------------------------------- */

static void
dc_obj_free_hdl(struct dc_hdl *hdl)
{
	struct dc_obj *obj = container_of(hdl, struct dc_obj, do_hdl);

	pl_obj_layout_free(&obj->do_layout);
	pthread_mutex_destroy(&obj->do_lock);
	dc_cont_put(obj->do_cont);
	free(obj);
}

int
dc_obj_alloc(struct dc_cont *cont, daos_obj_id_t oid, unsigned int mode, struct dc_obj **out)
{
	struct dc_obj *obj = calloc(1, sizeof(*obj));

	if (obj == NULL)
		return -DER_NOMEM;
	if (pthread_mutex_init(&obj->do_lock, NULL) != 0) {
		free(obj);
		return -DER_NOMEM;
	}
	dc_hdl_init(&obj->do_hdl, DC_HDL_OBJ, dc_obj_free_hdl);
	dc_hdl_addref(&cont->dc_hdl);
	obj->do_cont = cont;
	obj->do_oid  = oid;
	obj->do_mode = mode;
	*out         = obj;
	return 0;
}

struct dc_obj *
dc_obj_get(daos_handle_t oh)
{
	struct dc_hdl *h = dc_hdl_lookup(oh, DC_HDL_OBJ);

	return h == NULL ? NULL : container_of(h, struct dc_obj, do_hdl);
}

void
dc_obj_put(struct dc_obj *obj)
{
	if (obj != NULL)
		dc_hdl_decref(&obj->do_hdl);
}

bool
dc_obj_writable(const struct dc_obj *obj)
{
	return (obj->do_mode & (DAOS_OO_RW | DAOS_OO_EXCL)) != 0 && dc_cont_writable(obj->do_cont);
}

/* An oid the library can place: valid type, single-replica class, groups >= 1. */
static int
dc_oid_check(daos_obj_id_t oid)
{
	uint32_t redun = pl_oid_redun(oid);

	if (!daos_otype_t_is_valid(daos_obj_id2type(oid)) || pl_oid_grp_nr(oid) == 0 ||
	    redun == OC_UNKNOWN)
		return -DER_INVAL;
	if (redun != OR_RP_1)
		return -DER_NOSYS;
	return 0;
}

static int
dc_obj_mode_check(unsigned int mode)
{
	unsigned int all = DAOS_OO_RO | DAOS_OO_RW | DAOS_OO_EXCL | DAOS_OO_IO_RAND | DAOS_OO_IO_SEQ;

	if ((mode & ~all) != 0 || (mode & (DAOS_OO_RO | DAOS_OO_RW | DAOS_OO_EXCL)) == 0 ||
	    ((mode & DAOS_OO_RO) && (mode & (DAOS_OO_RW | DAOS_OO_EXCL))))
		return -DER_INVAL;
	return 0;
}

struct dc_obj_open_args {
	struct dc_cont *oa_cont;
	daos_obj_id_t   oa_oid;
	unsigned int    oa_mode;
	daos_handle_t  *oa_oh;
};

static int
dc_obj_open_fn(void *arg)
{
	struct dc_obj_open_args *oa = arg;
	struct dc_obj           *obj;
	int                      rc;

	if ((oa->oa_mode & (DAOS_OO_RW | DAOS_OO_EXCL)) && !dc_cont_writable(oa->oa_cont))
		return -DER_NO_PERM;
	rc = dc_obj_alloc(oa->oa_cont, oa->oa_oid, oa->oa_mode, &obj);
	if (rc != 0)
		return rc;
	rc = dc_hdl_insert(&obj->do_hdl, oa->oa_oh);
	dc_obj_put(obj);
	return rc;
}

int
dc_obj_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
	    daos_event_t *ev)
{
	struct dc_obj_open_args oa = {NULL, oid, mode, oh};
	int                     rc;

	if (oh == NULL || dc_obj_mode_check(mode) != 0)
		return -DER_INVAL;
	rc = dc_oid_check(oid);
	if (rc != 0)
		return rc;
	oa.oa_cont = dc_cont_get(coh);
	if (oa.oa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_obj_open_fn, &oa);
	dc_cont_put(oa.oa_cont);
	return rc;
}

int
daos_obj_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
	      daos_event_t *ev)
{
	return dc_obj_open(coh, oid, mode, oh, ev);
}

static int
dc_obj_close_fn(void *arg)
{
	return dc_hdl_delete(arg);
}

int
daos_obj_close(daos_handle_t oh, daos_event_t *ev)
{
	struct dc_obj *obj = dc_obj_get(oh);
	int            rc;

	if (obj == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_obj_close_fn, &obj->do_hdl);
	dc_obj_put(obj);
	return rc;
}

struct dc_obj_query_args {
	struct dc_obj        *qa_obj;
	struct daos_obj_attr *qa_oa;
	d_rank_list_t        *qa_ranks;
};

static int
dc_obj_query_fn(void *arg)
{
	struct dc_obj_query_args *qa  = arg;
	struct dc_obj            *obj = qa->qa_obj;
	struct dc_pool           *pool = obj->do_cont->dc_pool;
	int                       rc;

	rc = dc_obj_nr_shards(obj);
	if (rc < 0)
		return rc;
	rc = 0;
	pthread_rwlock_rdlock(&pool->dp_lock);
	pthread_mutex_lock(&obj->do_lock);
	if (qa->qa_oa != NULL) {
		qa->qa_oa->oa_rank = obj->do_layout.ol_shards[0].ps_rank;
		qa->qa_oa->oa_oa   = NULL;
	}
	if (qa->qa_ranks != NULL) {
		uint32_t n = 0;

		for (uint32_t s = 0; s < obj->do_layout.ol_nr; s++) {
			uint32_t r    = obj->do_layout.ol_shards[s].ps_rank;
			bool     seen = false;

			for (uint32_t k = 0; k < n && !seen; k++)
				seen = qa->qa_ranks->rl_ranks[k] == r;
			if (seen)
				continue;
			if (n == qa->qa_ranks->rl_nr) {
				rc = -DER_TRUNC;
				break;
			}
			qa->qa_ranks->rl_ranks[n++] = r;
		}
		if (rc == 0)
			qa->qa_ranks->rl_nr = n;
	}
	pthread_mutex_unlock(&obj->do_lock);
	pthread_rwlock_unlock(&pool->dp_lock);
	return rc;
}

int
daos_obj_query(daos_handle_t oh, struct daos_obj_attr *oa, d_rank_list_t *ranks,
	       daos_event_t *ev)
{
	struct dc_obj_query_args qa = {NULL, oa, ranks};
	int                      rc;

	if ((oa == NULL && ranks == NULL) ||
	    (ranks != NULL && (ranks->rl_ranks == NULL || ranks->rl_nr == 0)))
		return -DER_INVAL;
	qa.qa_obj = dc_obj_get(oh);
	if (qa.qa_obj == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_obj_query_fn, &qa);
	dc_obj_put(qa.qa_obj);
	return rc;
}

/* ---- checks ----------------------------------------------------------------- */

int
dc_key_check(const daos_key_t *key)
{
	if (key == NULL || key->iov_buf == NULL || key->iov_len == 0 || key->iov_len > DC_KEY_MAX ||
	    key->iov_len > key->iov_buf_len)
		return -DER_INVAL;
	return 0;
}

int
dc_sgl_check(const d_sg_list_t *sgl, bool for_write)
{
	if (sgl == NULL || sgl->sg_nr > DC_SGL_IOV_MAX || (sgl->sg_nr > 0 && sgl->sg_iovs == NULL))
		return -DER_INVAL;
	for (uint32_t i = 0; i < sgl->sg_nr; i++) {
		const d_iov_t *iov = &sgl->sg_iovs[i];

		if ((iov->iov_buf_len > 0 || iov->iov_len > 0) && iov->iov_buf == NULL)
			return -DER_INVAL;
		if (for_write && iov->iov_len > iov->iov_buf_len)
			return -DER_INVAL;
	}
	return 0;
}

uint64_t
dc_sgl_bytes(const d_sg_list_t *sgl, bool for_write)
{
	uint64_t n = 0;

	if (sgl == NULL)
		return 0;
	for (uint32_t i = 0; i < sgl->sg_nr; i++)
		n += for_write ? sgl->sg_iovs[i].iov_len : sgl->sg_iovs[i].iov_buf_len;
	return n;
}

/* Bytes an iod moves (single: iod_size; array: records x size), UINT64_MAX on overflow. */
static uint64_t
dc_iod_bytes(const daos_iod_t *iod)
{
	uint64_t recs = 0;

	if (iod->iod_type == DAOS_IOD_SINGLE)
		return iod->iod_size;
	for (uint32_t i = 0; i < iod->iod_nr; i++) {
		if (recs + iod->iod_recxs[i].rx_nr < recs)
			return UINT64_MAX;
		recs += iod->iod_recxs[i].rx_nr;
	}
	if (iod->iod_size != 0 && recs > UINT64_MAX / iod->iod_size)
		return UINT64_MAX;
	return recs * iod->iod_size;
}

static int
dc_iods_check(unsigned int nr, daos_iod_t *iods, d_sg_list_t *sgls, bool update)
{
	uint64_t total = 0;

	if (nr == 0 || nr > DC_IOD_NR_MAX || iods == NULL)
		return -DER_INVAL;
	for (unsigned int i = 0; i < nr; i++) {
		daos_iod_t *iod = &iods[i];
		uint64_t    b;

		if (dc_key_check(&iod->iod_name) != 0 || iod->iod_flags != 0)
			return -DER_INVAL;
		for (unsigned int j = 0; j < i; j++)
			if (iods[j].iod_name.iov_len == iod->iod_name.iov_len &&
			    memcmp(iods[j].iod_name.iov_buf, iod->iod_name.iov_buf,
				   iod->iod_name.iov_len) == 0)
				return -DER_INVAL; /* an akey twice in one call */
		if (iod->iod_type == DAOS_IOD_SINGLE) {
			if (iod->iod_nr != 1)
				return -DER_INVAL;
		} else if (iod->iod_type == DAOS_IOD_ARRAY) {
			if (iod->iod_nr == 0 || iod->iod_nr > DC_RECX_NR_MAX || iod->iod_recxs == NULL)
				return -DER_INVAL;
			for (uint32_t k = 0; k < iod->iod_nr; k++) {
				const daos_recx_t *r = &iod->iod_recxs[k];

				if (r->rx_nr == 0 || r->rx_idx + r->rx_nr < r->rx_idx)
					return -DER_INVAL;
			}
		} else {
			return -DER_INVAL;
		}
		if (sgls != NULL && dc_sgl_check(&sgls[i], update) != 0)
			return -DER_INVAL;
		b = dc_iod_bytes(iod);
		if (b == UINT64_MAX)
			return -DER_INVAL;
		if (update && b > 0) {
			if (sgls == NULL || dc_sgl_bytes(&sgls[i], true) < b)
				return -DER_INVAL;
		}
		/* what the call moves (a fetch buffer may be larger than the value) */
		total += b;
		if (total > DC_IO_BYTES_MAX)
			return -DER_OVERFLOW;
	}
	return 0;
}

/* ---- I/O calls --------------------------------------------------------------- */

/*
 * Launch an operation: event (or a private one for a blocking call), then
 * the I/O engine; the private event is waited on.
 */
static int
dc_obj_io(uint16_t opc, struct dc_obj *obj, struct dc_cont *cont, struct dc_io_args *args,
	  daos_event_t *ev)
{
	daos_event_t  priv;
	daos_event_t *e;
	int           rc;

	e = dc_ev_begin(ev, &priv, &rc);
	if (e == NULL)
		return rc;
	dc_io_start(opc, obj, cont, args, e, dc_io_ev_cb, e);
	return dc_ev_end(ev, &priv);
}

/* Complete an event at once with rc (calls that have nothing to do, e.g. at EOF). */
static int
dc_obj_done(daos_event_t *ev, int rc)
{
	daos_event_t  priv;
	daos_event_t *e;
	int           lrc;

	e = dc_ev_begin(ev, &priv, &lrc);
	if (e == NULL)
		return lrc;
	dc_ev_complete(e, rc);
	return dc_ev_end(ev, &priv);
}

/*
 * The start every write shares: conditional flags (DAOS_COND_*: -DER_NOSYS, not
 * provided; unknown bits -DER_INVAL), the object (held on 0, for the caller to
 * put), a handle that may write (-DER_NO_PERM) and the write epoch into
 * a->ia_epoch.
 */
static int
dc_write_begin(daos_handle_t oh, daos_handle_t th, uint64_t flags, struct dc_io_args *a,
	       struct dc_obj **objp)
{
	struct dc_obj *obj;
	int            rc;

	if (flags != 0)
		return (flags & ~(uint64_t)DAOS_COND_MASK) != 0 ? -DER_INVAL : -DER_NOSYS;
	obj = dc_obj_get(oh);
	if (obj == NULL)
		return -DER_NO_HDL;
	rc = dc_obj_writable(obj) ? dc_tx_epoch(th, obj->do_cont, true, &a->ia_epoch)
				  : -DER_NO_PERM;
	if (rc != 0) {
		dc_obj_put(obj);
		return rc;
	}
	*objp = obj;
	return 0;
}

int
daos_obj_update(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		unsigned int nr, daos_iod_t *iods, d_sg_list_t *sgls, daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_obj    *obj;
	int               rc;

	if (dc_key_check(dkey) != 0)
		return -DER_INVAL;
	rc = dc_iods_check(nr, iods, sgls, true);
	if (rc != 0)
		return rc;
	rc = dc_write_begin(oh, th, flags, &a, &obj);
	if (rc != 0)
		return rc;
	a.ia_dkey = dkey;
	a.ia_nr   = nr;
	a.ia_iods = iods;
	a.ia_sgls = sgls;
	rc        = dc_obj_io(PROTO_OP_OBJ_UPDATE, obj, NULL, &a, ev);
	dc_obj_put(obj);
	return rc;
}

/* Fetch with DAOS_COND_*_FETCH: -DER_NONEXIST when a value is absent. */
struct dc_cond_fetch {
	daos_event_t *cf_ev;
	daos_iod_t   *cf_iods;
	unsigned int  cf_nr;
};

static void
dc_cond_fetch_cb(void *arg, int rc)
{
	struct dc_cond_fetch *cf = arg;

	for (unsigned int i = 0; rc == 0 && i < cf->cf_nr; i++)
		if (cf->cf_iods[i].iod_size == 0)
			rc = -DER_NONEXIST;
	dc_ev_complete(cf->cf_ev, rc);
	free(cf);
}

int
daos_obj_fetch(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
	       unsigned int nr, daos_iod_t *iods, d_sg_list_t *sgls, daos_iom_t *ioms,
	       daos_event_t *ev)
{
	struct dc_io_args     a = {0};
	struct dc_obj        *obj;
	struct dc_cond_fetch *cf = NULL;
	daos_event_t          priv;
	daos_event_t         *e;
	int                   rc;

	if (dc_key_check(dkey) != 0)
		return -DER_INVAL;
	rc = dc_iods_check(nr, iods, sgls, false);
	if (rc != 0)
		return rc;
	if ((flags & ~(uint64_t)(DAOS_COND_DKEY_FETCH | DAOS_COND_AKEY_FETCH)) != 0)
		return (flags & ~(uint64_t)DAOS_COND_MASK) != 0 ? -DER_INVAL : -DER_NOSYS;
	obj = dc_obj_get(oh);
	if (obj == NULL)
		return -DER_NO_HDL;
	rc = dc_tx_epoch(th, obj->do_cont, false, &a.ia_epoch);
	if (rc != 0)
		goto out;
	if (ioms != NULL) {
		for (unsigned int i = 0; i < nr; i++) {
			ioms[i].iom_type   = iods[i].iod_type;
			ioms[i].iom_nr_out = 0;
		}
	}
	a.ia_dkey = dkey;
	a.ia_nr   = nr;
	a.ia_iods = iods;
	a.ia_sgls = sgls;
	if (flags == 0) {
		rc = dc_obj_io(PROTO_OP_OBJ_FETCH, obj, NULL, &a, ev);
		goto out;
	}
	cf = calloc(1, sizeof(*cf));
	if (cf == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	e = dc_ev_begin(ev, &priv, &rc);
	if (e == NULL) {
		free(cf);
		goto out;
	}
	cf->cf_ev   = e;
	cf->cf_iods = iods;
	cf->cf_nr   = nr;
	dc_io_start(PROTO_OP_OBJ_FETCH, obj, NULL, &a, e, dc_cond_fetch_cb, cf);
	rc = dc_ev_end(ev, &priv);
out:
	if (rc == 0 && ioms != NULL)
		for (unsigned int i = 0; i < nr; i++)
			ioms[i].iom_size = iods[i].iod_size;
	dc_obj_put(obj);
	return rc;
}

static int
dc_punch(uint16_t opc, daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
	 unsigned int nr, daos_key_t *keys, daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_obj    *obj;
	int               rc;

	rc = dc_write_begin(oh, th, flags, &a, &obj);
	if (rc != 0)
		return rc;
	a.ia_dkey = dkey;
	a.ia_nr   = nr;
	a.ia_keys = keys;
	rc        = dc_obj_io(opc, obj, NULL, &a, ev);
	dc_obj_put(obj);
	return rc;
}

static int
dc_keys_check(unsigned int nr, daos_key_t *keys)
{
	if (nr == 0 || nr > DC_IOD_NR_MAX || keys == NULL)
		return -DER_INVAL;
	for (unsigned int i = 0; i < nr; i++)
		if (dc_key_check(&keys[i]) != 0)
			return -DER_INVAL;
	return 0;
}

int
daos_obj_punch(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_event_t *ev)
{
	return dc_punch(PROTO_OP_OBJ_PUNCH, oh, th, flags, NULL, 0, NULL, ev);
}

int
daos_obj_punch_dkeys(daos_handle_t oh, daos_handle_t th, uint64_t flags, unsigned int nr,
		     daos_key_t *dkeys, daos_event_t *ev)
{
	if (dc_keys_check(nr, dkeys) != 0)
		return -DER_INVAL;
	return dc_punch(PROTO_OP_OBJ_PUNCH_DKEYS, oh, th, flags, NULL, nr, dkeys, ev);
}

int
daos_obj_punch_akeys(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		     unsigned int nr, daos_key_t *akeys, daos_event_t *ev)
{
	if (dc_key_check(dkey) != 0 || dc_keys_check(nr, akeys) != 0)
		return -DER_INVAL;
	return dc_punch(PROTO_OP_OBJ_PUNCH_AKEYS, oh, th, flags, dkey, nr, akeys, ev);
}

/* ---- enumeration ---------------------------------------------------------------- */

static int
dc_list_check(uint32_t *nr, daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor)
{
	if (nr == NULL || *nr == 0 || kds == NULL || anchor == NULL ||
	    dc_sgl_check(sgl, false) != 0 || dc_sgl_bytes(sgl, false) == 0)
		return -DER_INVAL;
	return 0;
}

/*
 * The start every enumeration shares: the object (held on 0, for the caller
 * to put), the read epoch into a->ia_epoch, and an anchor already at its end
 * completed here with *nr 0 (returns 1, the event completed); < 0 on error.
 */
static int
dc_list_begin(daos_handle_t oh, daos_handle_t th, daos_anchor_t *anchor, uint32_t *nr,
	      daos_event_t *ev, struct dc_io_args *a, struct dc_obj **objp)
{
	struct dc_obj *obj = dc_obj_get(oh);
	int            rc;

	if (obj == NULL)
		return -DER_NO_HDL;
	rc = dc_tx_epoch(th, obj->do_cont, false, &a->ia_epoch);
	if (rc == 0 && daos_anchor_is_eof(anchor)) {
		*nr = 0;
		rc  = dc_obj_done(ev, 0);
		if (rc == 0)
			rc = 1;
	}
	if (rc != 0) {
		dc_obj_put(obj);
		return rc;
	}
	*objp = obj;
	return 0;
}

static int
dc_list_keys(uint16_t opc, daos_handle_t oh, daos_handle_t th, daos_key_t *dkey, uint32_t *nr,
	     daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_obj    *obj;
	int               rc;

	rc = dc_list_begin(oh, th, anchor, nr, ev, &a, &obj);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	a.ia_dkey     = dkey;
	a.ia_nr_inout = nr;
	a.ia_kds      = kds;
	a.ia_sgl      = sgl;
	a.ia_anchor   = anchor;
	rc            = dc_obj_io(opc, obj, NULL, &a, ev);
	dc_obj_put(obj);
	return rc;
}

int
daos_obj_list_dkey(daos_handle_t oh, daos_handle_t th, uint32_t *nr, daos_key_desc_t *kds,
		   d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev)
{
	if (dc_list_check(nr, kds, sgl, anchor) != 0)
		return -DER_INVAL;
	return dc_list_keys(PROTO_OP_OBJ_LIST_DKEY, oh, th, NULL, nr, kds, sgl, anchor, ev);
}

int
daos_obj_list_akey(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey, uint32_t *nr,
		   daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor,
		   daos_event_t *ev)
{
	if (dc_key_check(dkey) != 0 || dc_list_check(nr, kds, sgl, anchor) != 0)
		return -DER_INVAL;
	return dc_list_keys(PROTO_OP_OBJ_LIST_AKEY, oh, th, dkey, nr, kds, sgl, anchor, ev);
}

int
daos_obj_list_recx(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey, daos_key_t *akey,
		   daos_size_t *size, uint32_t *nr, daos_recx_t *recxs, daos_epoch_range_t *eprs,
		   daos_anchor_t *anchor, bool incr_order, daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_obj    *obj;
	int               rc;

	if (dc_key_check(dkey) != 0 || dc_key_check(akey) != 0 || size == NULL || nr == NULL ||
	    *nr == 0 || anchor == NULL)
		return -DER_INVAL;
	if (!incr_order)
		return -DER_NOSYS;
	rc = dc_list_begin(oh, th, anchor, nr, ev, &a, &obj);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	a.ia_dkey     = dkey;
	a.ia_akey     = akey;
	a.ia_rsize    = size;
	a.ia_nr_inout = nr;
	a.ia_recxs    = recxs;
	a.ia_eprs     = eprs;
	a.ia_anchor   = anchor;
	rc            = dc_obj_io(PROTO_OP_OBJ_LIST_RECX, obj, NULL, &a, ev);
	dc_obj_put(obj);
	return rc;
}

int
daos_obj_query_key(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		   daos_key_t *akey, daos_recx_t *recx, daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_obj    *obj;
	uint64_t          what = flags & (DAOS_GET_DKEY | DAOS_GET_AKEY | DAOS_GET_RECX);
	int               rc;

	if ((flags & ~(uint64_t)(DAOS_GET_MAX | DAOS_GET_MIN | DAOS_GET_DKEY | DAOS_GET_AKEY |
				 DAOS_GET_RECX)) != 0 ||
	    what == 0 || (flags & (DAOS_GET_MAX | DAOS_GET_MIN)) == 0 ||
	    (flags & DAOS_GET_MAX && flags & DAOS_GET_MIN))
		return -DER_INVAL;
	/* outputs need buffers; keys not queried are inputs */
	if (dkey == NULL || dkey->iov_buf == NULL ||
	    (!(flags & DAOS_GET_DKEY) && dc_key_check(dkey) != 0))
		return -DER_INVAL;
	if ((flags & DAOS_GET_AKEY) && (akey == NULL || akey->iov_buf == NULL))
		return -DER_INVAL;
	if (!(flags & DAOS_GET_AKEY) && (flags & DAOS_GET_RECX) && dc_key_check(akey) != 0)
		return -DER_INVAL;
	if ((flags & DAOS_GET_RECX) && recx == NULL)
		return -DER_INVAL;
	if (flags & DAOS_GET_MIN)
		return -DER_NOSYS;
	obj = dc_obj_get(oh);
	if (obj == NULL)
		return -DER_NO_HDL;
	rc = dc_tx_epoch(th, obj->do_cont, false, &a.ia_epoch);
	if (rc != 0)
		goto out;
	a.ia_flags = flags;
	a.ia_dkey     = (flags & DAOS_GET_DKEY) ? NULL : dkey;
	a.ia_akey     = (flags & DAOS_GET_AKEY) ? NULL : akey;
	a.ia_dkey_out = dkey;
	a.ia_akey_out = akey;
	a.ia_recx  = recx;
	rc         = dc_obj_io(PROTO_OP_OBJ_QUERY_KEY, obj, NULL, &a, ev);
out:
	dc_obj_put(obj);
	return rc;
}

/* ---- object index table ------------------------------------------------------ */

struct dc_oit {
	struct dc_hdl   oi_hdl;
	struct dc_cont *oi_cont;
	daos_epoch_t    oi_epoch;
};

static void
dc_oit_free_hdl(struct dc_hdl *hdl)
{
	struct dc_oit *oit = container_of(hdl, struct dc_oit, oi_hdl);

	dc_cont_put(oit->oi_cont);
	free(oit);
}

struct dc_oit_open_args {
	struct dc_cont *oa_cont;
	daos_epoch_t    oa_epoch;
	daos_handle_t  *oa_oh;
};

static int
dc_oit_open_fn(void *arg)
{
	struct dc_oit_open_args *oa = arg;
	struct dc_oit           *oit;
	daos_epoch_t            *epochs = NULL;
	uint32_t                 nr = 0;
	bool                     found = false;
	int                      rc;

	rc = dc_cont_snapshots(oa->oa_cont, &epochs, NULL, &nr);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < nr && !found; i++)
		found = epochs[i] == oa->oa_epoch;
	free(epochs);
	if (!found) {
		D_ERROR("daos_oit_open: epoch %" PRIu64 " is not a snapshot of container %s\n",
			oa->oa_epoch, oa->oa_cont->dc_uuid_str);
		return -DER_NONEXIST;
	}
	oit = calloc(1, sizeof(*oit));
	if (oit == NULL)
		return -DER_NOMEM;
	dc_hdl_init(&oit->oi_hdl, DC_HDL_OIT, dc_oit_free_hdl);
	dc_hdl_addref(&oa->oa_cont->dc_hdl);
	oit->oi_cont  = oa->oa_cont;
	oit->oi_epoch = oa->oa_epoch;
	rc            = dc_hdl_insert(&oit->oi_hdl, oa->oa_oh);
	dc_hdl_decref(&oit->oi_hdl);
	return rc;
}

int
daos_oit_open(daos_handle_t coh, daos_epoch_t epoch, daos_handle_t *oh, daos_event_t *ev)
{
	struct dc_oit_open_args oa = {NULL, epoch, oh};
	int                     rc;

	if (oh == NULL || epoch == 0 || epoch == DAOS_EPOCH_MAX)
		return -DER_INVAL;
	oa.oa_cont = dc_cont_get(coh);
	if (oa.oa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_oit_open_fn, &oa);
	dc_cont_put(oa.oa_cont);
	return rc;
}

int
daos_oit_close(daos_handle_t oh, daos_event_t *ev)
{
	struct dc_hdl *h = dc_hdl_lookup(oh, DC_HDL_OIT);
	int            rc;

	if (h == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_obj_close_fn, h);
	dc_hdl_decref(h);
	return rc;
}

int
daos_oit_list(daos_handle_t oh, daos_obj_id_t *oids, uint32_t *oids_nr, daos_anchor_t *anchor,
	      daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_hdl    *h;
	struct dc_oit    *oit;
	int               rc;

	if (oids == NULL || oids_nr == NULL || *oids_nr == 0 || anchor == NULL)
		return -DER_INVAL;
	h = dc_hdl_lookup(oh, DC_HDL_OIT);
	if (h == NULL)
		return -DER_NO_HDL;
	oit = container_of(h, struct dc_oit, oi_hdl);
	if (daos_anchor_is_eof(anchor)) {
		*oids_nr = 0;
		rc       = dc_obj_done(ev, 0);
		goto out;
	}
	a.ia_epoch    = oit->oi_epoch;
	a.ia_nr_inout = oids_nr;
	a.ia_oids     = oids;
	a.ia_anchor   = anchor;
	rc            = dc_obj_io(PROTO_OP_OBJ_LIST_OBJ, NULL, oit->oi_cont, &a, ev);
out:
	dc_hdl_decref(h);
	return rc;
}
