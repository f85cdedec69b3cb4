/*
 * dc_kv.c: the flat key-value API (daos_kv.h) on the object I/O engine.
 * A key is the dkey; its value is a single value under the one-byte akey
 * "0". Each call keeps the descriptors it builds (iod, sgl, key iovs) in a
 * context that lives until the operation completes, so the calls work with
 * events as well as blocking.
 */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

/** The akey holding a KV value. */
static char dc_kv_akey[] = "0";

struct dc_kv_op {
	daos_event_t *ko_ev;
	daos_key_t    ko_dkey;
	daos_iod_t    ko_iod;
	d_iov_t       ko_iov;
	d_sg_list_t   ko_sgl;
	daos_size_t  *ko_size_out; /**< get: where the size goes */
};

static void
dc_kv_op_cb(void *arg, int rc)
{
	struct dc_kv_op *op = arg;

	if (op->ko_size_out != NULL && (rc == 0 || rc == -DER_REC2BIG))
		*op->ko_size_out = op->ko_iod.iod_size;
	dc_ev_complete(op->ko_ev, rc);
	free(op);
}

int
daos_kv_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
	     daos_event_t *ev)
{
	if (!daos_is_kv(oid))
		return -DER_INVAL;
	return dc_obj_open(coh, oid, mode, oh, ev);
}

int
daos_kv_close(daos_handle_t oh, daos_event_t *ev)
{
	return daos_obj_close(oh, ev);
}

int
daos_kv_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev)
{
	return daos_obj_punch(oh, th, 0, ev);
}

/* Key string -> key iov; 1..DC_KEY_MAX bytes. */
static int
dc_kv_key(const char *key, daos_key_t *out)
{
	size_t len;

	if (key == NULL)
		return -DER_INVAL;
	len = strnlen(key, DC_KEY_MAX + 1);
	if (len == 0 || len > DC_KEY_MAX)
		return -DER_INVAL;
	d_iov_set(out, (void *)key, len);
	return 0;
}

static struct dc_obj *
dc_kv_get_obj(daos_handle_t oh, int *rc)
{
	struct dc_obj *obj = dc_obj_get(oh);

	if (obj == NULL) {
		*rc = -DER_NO_HDL;
		return NULL;
	}
	if (!daos_is_kv(obj->do_oid)) {
		dc_obj_put(obj);
		*rc = -DER_INVAL;
		return NULL;
	}
	*rc = 0;
	return obj;
}

/* Start one operation of a KV call (op owned by the engine from here). */
static int
dc_kv_run(uint16_t opc, struct dc_obj *obj, struct dc_kv_op *op, struct dc_io_args *a,
	  daos_event_t *ev)
{
	daos_event_t  priv;
	daos_event_t *e;
	int           rc;

	e = dc_ev_begin(ev, &priv, &rc);
	if (e == NULL) {
		free(op);
		return rc;
	}
	op->ko_ev = e;
	dc_io_start(opc, obj, NULL, a, e, dc_kv_op_cb, op);
	return dc_ev_end(ev, &priv);
}

int
daos_kv_put(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key,
	    daos_size_t size, const void *buf, daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_kv_op  *op;
	struct dc_obj    *obj;
	int               rc;

	if ((size > 0 && buf == NULL) || size > DC_IO_BYTES_MAX)
		return -DER_INVAL;
	if (flags != 0)
		return (flags & ~(uint64_t)DAOS_COND_MASK) != 0 ? -DER_INVAL : -DER_NOSYS;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -DER_NOMEM;
	rc = dc_kv_key(key, &op->ko_dkey);
	if (rc != 0) {
		free(op);
		return rc;
	}
	obj = dc_kv_get_obj(oh, &rc);
	if (obj == NULL) {
		free(op);
		return rc;
	}
	if (!dc_obj_writable(obj))
		rc = -DER_NO_PERM;
	if (rc == 0)
		rc = dc_tx_epoch(th, obj->do_cont, true, &a.ia_epoch);
	if (rc != 0) {
		free(op);
		dc_obj_put(obj);
		return rc;
	}
	d_iov_set(&op->ko_iod.iod_name, dc_kv_akey, 1);
	op->ko_iod.iod_type = DAOS_IOD_SINGLE;
	op->ko_iod.iod_size = size; /* 0 removes the value */
	op->ko_iod.iod_nr   = 1;
	d_iov_set(&op->ko_iov, (void *)buf, size);
	op->ko_sgl.sg_nr   = 1;
	op->ko_sgl.sg_iovs = &op->ko_iov;
	a.ia_dkey          = &op->ko_dkey;
	a.ia_nr            = 1;
	a.ia_iods          = &op->ko_iod;
	a.ia_sgls          = size > 0 ? &op->ko_sgl : NULL;
	rc                 = dc_kv_run(PROTO_OP_OBJ_UPDATE, obj, op, &a, ev);
	dc_obj_put(obj);
	return rc;
}

int
daos_kv_get(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key,
	    daos_size_t *size, void *buf, daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_kv_op  *op;
	struct dc_obj    *obj;
	int               rc;

	if (size == NULL || (buf != NULL && *size == 0))
		return -DER_INVAL;
	if (flags != 0)
		return (flags & ~(uint64_t)DAOS_COND_MASK) != 0 ? -DER_INVAL : -DER_NOSYS;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -DER_NOMEM;
	rc = dc_kv_key(key, &op->ko_dkey);
	if (rc != 0) {
		free(op);
		return rc;
	}
	obj = dc_kv_get_obj(oh, &rc);
	if (obj == NULL) {
		free(op);
		return rc;
	}
	rc = dc_tx_epoch(th, obj->do_cont, false, &a.ia_epoch);
	if (rc != 0) {
		free(op);
		dc_obj_put(obj);
		return rc;
	}
	d_iov_set(&op->ko_iod.iod_name, dc_kv_akey, 1);
	op->ko_iod.iod_type = DAOS_IOD_SINGLE;
	op->ko_iod.iod_size = DAOS_REC_ANY;
	op->ko_iod.iod_nr   = 1;
	if (buf != NULL) {
		d_iov_set(&op->ko_iov, buf, *size);
		op->ko_sgl.sg_nr   = 1;
		op->ko_sgl.sg_iovs = &op->ko_iov;
		a.ia_sgls          = &op->ko_sgl;
	}
	op->ko_size_out = size;
	a.ia_dkey       = &op->ko_dkey;
	a.ia_nr         = 1;
	a.ia_iods       = &op->ko_iod;
	rc              = dc_kv_run(PROTO_OP_OBJ_FETCH, obj, op, &a, ev);
	dc_obj_put(obj);
	return rc;
}

int
daos_kv_remove(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key,
	       daos_event_t *ev)
{
	struct dc_io_args a = {0};
	struct dc_kv_op  *op;
	struct dc_obj    *obj;
	int               rc;

	if (flags != 0)
		return (flags & ~(uint64_t)DAOS_COND_MASK) != 0 ? -DER_INVAL : -DER_NOSYS;
	op = calloc(1, sizeof(*op));
	if (op == NULL)
		return -DER_NOMEM;
	rc = dc_kv_key(key, &op->ko_dkey);
	if (rc != 0) {
		free(op);
		return rc;
	}
	obj = dc_kv_get_obj(oh, &rc);
	if (obj == NULL) {
		free(op);
		return rc;
	}
	if (!dc_obj_writable(obj))
		rc = -DER_NO_PERM;
	if (rc == 0)
		rc = dc_tx_epoch(th, obj->do_cont, true, &a.ia_epoch);
	if (rc != 0) {
		free(op);
		dc_obj_put(obj);
		return rc;
	}
	a.ia_nr   = 1;
	a.ia_keys = &op->ko_dkey;
	rc        = dc_kv_run(PROTO_OP_OBJ_PUNCH_DKEYS, obj, op, &a, ev);
	dc_obj_put(obj);
	return rc;
}

int
daos_kv_list(daos_handle_t oh, daos_handle_t th, uint32_t *nr, daos_key_desc_t *kds,
	     d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev)
{
	struct dc_obj *obj;
	int            rc;

	obj = dc_kv_get_obj(oh, &rc);
	if (obj == NULL)
		return rc;
	dc_obj_put(obj);
	return daos_obj_list_dkey(oh, th, nr, kds, sgl, anchor, ev);
}
