/*
 * dc_array.c: one-dimensional arrays (daos_array.h) on the object I/O
 * engine. The layout is DAOS's (see daos_array.h): chunk c of chunk_size
 * cells lives under the integer dkey c + 1, akey "0", as array records of
 * cell_size bytes indexed 0..chunk_size-1 within the chunk; DAOS_OT_ARRAY
 * objects keep (magic, cell size, chunk size) under dkey 0.
 *
 * A read, write or punch is cut into per-chunk pieces (dc_array_split);
 * pieces of one chunk become the extents of one I/O descriptor and all
 * chunks go out at once; the call completes when the last one does, with
 * the first error. Size: the greatest dkey of the object and the greatest
 * extent under it (one query per shard). set_size punches what lies past
 * the new size and, when the array would end before it, writes a zero cell
 * at size - 1 (a read of unwritten cells gives zeros, so that cell reads as
 * it would in DAOS).
 *
 * Invariants:
 *  R1. cell_size in 1..DC_ARRAY_CELL_MAX, chunk_size >= 1 and
 *      cell_size * chunk_size <= DC_ARRAY_CHUNK_BYTES_MAX for every handle.
 *  R2. A multi-chunk operation completes its event exactly once, after its
 *      last piece.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "gurt/byteorder.h"

#define DC_ARRAY_MAGIC      0xdaca55a9daca55a9ull
#define DC_ARRAY_MD_AKEY    "daos_array_metadata"
#define DC_ARRAY_BLOB_MAGIC 0x48414344u /* "DCAH" */

static char dc_array_akey[] = "0";

struct dc_array {
	struct dc_hdl  da_hdl;
	struct dc_obj *da_obj;   /**< not in the table; referenced */
	uint64_t       da_cell;
	uint64_t       da_chunk; /**< cells per chunk */
	unsigned int   da_mode;
};

static void
dc_array_free_hdl(struct dc_hdl *hdl)
{
	struct dc_array *arr = container_of(hdl, struct dc_array, da_hdl);

	dc_obj_put(arr->da_obj);
	free(arr);
}

static struct dc_array *
dc_array_get(daos_handle_t oh)
{
	struct dc_hdl *h = dc_hdl_lookup(oh, DC_HDL_ARRAY);

	return h == NULL ? NULL : container_of(h, struct dc_array, da_hdl);
}

static void
dc_array_put(struct dc_array *arr)
{
	if (arr != NULL)
		dc_hdl_decref(&arr->da_hdl);
}

/* R1 */
static bool
dc_array_sizes_ok(uint64_t cell, uint64_t chunk)
{
	return cell >= 1 && cell <= DC_ARRAY_CELL_MAX && chunk >= 1 &&
	       chunk <= DC_ARRAY_CHUNK_BYTES_MAX / cell;
}

int
dc_array_split(uint64_t idx, uint64_t len, uint64_t chunk_size, uint64_t cell_size,
	       uint64_t buf_off, struct dc_array_piece *out, uint64_t *nr)
{
	uint64_t n = 0;

	if (chunk_size == 0 || cell_size == 0 || len == 0 || idx + len < idx ||
	    len > UINT64_MAX / cell_size || buf_off + len * cell_size < buf_off)
		return -DER_INVAL;
	while (len > 0) {
		uint64_t chunk = idx / chunk_size;
		uint64_t in    = idx % chunk_size;
		uint64_t take  = chunk_size - in < len ? chunk_size - in : len;

		if (out != NULL) {
			if (n >= *nr)
				return -DER_TRUNC;
			out[n].ap_chunk   = chunk;
			out[n].ap_idx     = in;
			out[n].ap_nr      = take;
			out[n].ap_buf_off = buf_off;
		}
		n++;
		idx += take;
		len -= take;
		buf_off += take * cell_size;
	}
	*nr = n;
	return 0;
}

uint64_t
dc_array_size_from(uint64_t chunk_dkey, uint64_t extent_end, uint64_t chunk_size)
{
	if (chunk_dkey == 0)
		return 0; /* only the metadata dkey */
	return (chunk_dkey - 1) * chunk_size + extent_end;
}

/* Run one engine operation on obj and wait (the caller is a synchronous step). */
static int
dc_array_io_sync(uint16_t opc, struct dc_obj *obj, struct dc_io_args *a)
{
	daos_event_t  priv;
	daos_event_t *e;
	int           rc;

	e = dc_ev_begin(NULL, &priv, &rc);
	dc_io_start(opc, obj, NULL, a, e, dc_io_ev_cb, e);
	return dc_ev_end(NULL, &priv);
}

/* The stored metadata of a DAOS_OT_ARRAY object: 0, -DER_NONEXIST, or an error. */
static int
dc_array_md_read(struct dc_obj *obj, daos_epoch_t epoch, uint64_t *cell, uint64_t *chunk)
{
	uint8_t           md[24];
	uint64_t          dkey_val = 0;
	daos_key_t        dkey;
	daos_iod_t        iod = {0};
	d_iov_t           iov;
	d_sg_list_t       sgl = {.sg_nr = 1, .sg_iovs = &iov};
	struct dc_io_args a   = {0};
	int               rc;

	d_iov_set(&dkey, &dkey_val, sizeof(dkey_val));
	d_iov_set(&iod.iod_name, (void *)DC_ARRAY_MD_AKEY, strlen(DC_ARRAY_MD_AKEY));
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = DAOS_REC_ANY;
	iod.iod_nr   = 1;
	d_iov_set(&iov, md, sizeof(md));
	a.ia_epoch = epoch;
	a.ia_dkey  = &dkey;
	a.ia_nr    = 1;
	a.ia_iods  = &iod;
	a.ia_sgls  = &sgl;
	rc         = dc_array_io_sync(PROTO_OP_OBJ_FETCH, obj, &a);
	if (rc == -DER_REC2BIG)
		return -DER_PROTO; /* something else is stored there */
	if (rc != 0)
		return rc;
	if (iod.iod_size == 0)
		return -DER_NONEXIST;
	if (iod.iod_size != sizeof(md) || d_get_le64(md) != DC_ARRAY_MAGIC) {
		D_ERROR("array %" PRIx64 ".%" PRIx64 ": metadata is not an array's\n",
			obj->do_oid.hi, obj->do_oid.lo);
		return -DER_PROTO;
	}
	*cell  = d_get_le64(md + 8);
	*chunk = d_get_le64(md + 16);
	if (!dc_array_sizes_ok(*cell, *chunk)) {
		D_ERROR("array: stored cell size %" PRIu64 " / chunk size %" PRIu64
			" are not valid\n", *cell, *chunk);
		return -DER_PROTO;
	}
	return 0;
}

static int
dc_array_md_write(struct dc_obj *obj, uint64_t cell, uint64_t chunk)
{
	uint8_t           md[24];
	uint64_t          dkey_val = 0;
	daos_key_t        dkey;
	daos_iod_t        iod = {0};
	d_iov_t           iov;
	d_sg_list_t       sgl = {.sg_nr = 1, .sg_iovs = &iov};
	struct dc_io_args a   = {0};

	d_put_le64(md, DC_ARRAY_MAGIC);
	d_put_le64(md + 8, cell);
	d_put_le64(md + 16, chunk);
	d_iov_set(&dkey, &dkey_val, sizeof(dkey_val));
	d_iov_set(&iod.iod_name, (void *)DC_ARRAY_MD_AKEY, strlen(DC_ARRAY_MD_AKEY));
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_size = sizeof(md);
	iod.iod_nr   = 1;
	d_iov_set(&iov, md, sizeof(md));
	a.ia_dkey = &dkey;
	a.ia_nr   = 1;
	a.ia_iods = &iod;
	a.ia_sgls = &sgl;
	return dc_array_io_sync(PROTO_OP_OBJ_UPDATE, obj, &a);
}

/* ---- open / create / close ----------------------------------------------------- */

struct dc_array_open_args {
	struct dc_cont *oa_cont;
	daos_obj_id_t   oa_oid;
	daos_epoch_t    oa_epoch;
	unsigned int    oa_mode;
	uint64_t        oa_cell;
	uint64_t        oa_chunk;
	int             oa_how; /* 0 open (read metadata), 1 create, 2 with attributes */
	daos_size_t    *oa_cell_out;
	daos_size_t    *oa_chunk_out;
	daos_handle_t  *oa_oh;
};

static int
dc_array_open_fn(void *arg)
{
	struct dc_array_open_args *oa  = arg;
	struct dc_array           *arr = NULL;
	struct dc_obj             *obj = NULL;
	bool                       md  = daos_obj_id2type(oa->oa_oid) == DAOS_OT_ARRAY;
	uint64_t                   cell = oa->oa_cell, chunk = oa->oa_chunk;
	int                        rc;

	if ((oa->oa_mode & (DAOS_OO_RW | DAOS_OO_EXCL)) && !dc_cont_writable(oa->oa_cont))
		return -DER_NO_PERM;
	rc = dc_obj_alloc(oa->oa_cont, oa->oa_oid, oa->oa_mode, &obj);
	if (rc != 0)
		return rc;
	if (oa->oa_how == 0) {
		rc = dc_array_md_read(obj, oa->oa_epoch, &cell, &chunk);
	} else if (oa->oa_how == 1 && md) {
		rc = dc_array_md_read(obj, 0, &cell, &chunk);
		if (rc == 0) {
			D_ERROR("array create: %" PRIx64 ".%" PRIx64 " already exists\n",
				oa->oa_oid.hi, oa->oa_oid.lo);
			rc = -DER_EXIST;
		} else if (rc == -DER_NONEXIST) {
			cell  = oa->oa_cell;
			chunk = oa->oa_chunk;
			rc    = dc_array_md_write(obj, cell, chunk);
		}
	}
	if (rc != 0)
		goto out;
	arr = calloc(1, sizeof(*arr));
	if (arr == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	dc_hdl_init(&arr->da_hdl, DC_HDL_ARRAY, dc_array_free_hdl);
	arr->da_obj   = obj;
	obj           = NULL;
	arr->da_cell  = cell;
	arr->da_chunk = chunk;
	arr->da_mode  = oa->oa_mode;
	rc            = dc_hdl_insert(&arr->da_hdl, oa->oa_oh);
	if (rc == 0 && oa->oa_cell_out != NULL)
		*oa->oa_cell_out = cell;
	if (rc == 0 && oa->oa_chunk_out != NULL)
		*oa->oa_chunk_out = chunk;
	dc_array_put(arr);
out:
	dc_obj_put(obj);
	return rc;
}

static int
dc_array_open_common(daos_handle_t coh, struct dc_array_open_args *oa, daos_handle_t th,
		     daos_event_t *ev)
{
	unsigned int all = DAOS_OO_RO | DAOS_OO_RW | DAOS_OO_EXCL | DAOS_OO_IO_RAND | DAOS_OO_IO_SEQ;
	int          rc;

	if (oa->oa_oh == NULL || !daos_is_array(oa->oa_oid) || pl_oid_grp_nr(oa->oa_oid) == 0 ||
	    (oa->oa_mode & ~all) != 0 || (oa->oa_mode & (DAOS_OO_RO | DAOS_OO_RW | DAOS_OO_EXCL)) == 0)
		return -DER_INVAL;
	if (pl_oid_redun(oa->oa_oid) != OR_RP_1)
		return pl_oid_redun(oa->oa_oid) == OC_UNKNOWN ? -DER_INVAL : -DER_NOSYS;
	oa->oa_cont = dc_cont_get(coh);
	if (oa->oa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_tx_epoch(th, oa->oa_cont, oa->oa_how == 1, &oa->oa_epoch);
	if (rc == 0) {
		if (oa->oa_how == 1 && oa->oa_chunk == 0) {
			uint64_t bytes = oa->oa_cont->dc_chunk_size != 0 ? oa->oa_cont->dc_chunk_size
									  : DC_ARRAY_CHUNK_DEFAULT;

			oa->oa_chunk = bytes / oa->oa_cell > 0 ? bytes / oa->oa_cell : 1;
		}
		if (oa->oa_how != 0 && !dc_array_sizes_ok(oa->oa_cell, oa->oa_chunk))
			rc = -DER_INVAL;
	}
	if (rc == 0)
		rc = dc_ev_run_sync(ev, dc_array_open_fn, oa);
	dc_cont_put(oa->oa_cont);
	return rc;
}

int
daos_array_generate_oid(daos_handle_t coh, daos_obj_id_t *oid, bool add_attr,
			daos_oclass_id_t cid, daos_oclass_hints_t hints, uint32_t args)
{
	return daos_obj_generate_oid2(coh, oid, add_attr ? DAOS_OT_ARRAY : DAOS_OT_ARRAY_ATTR, cid,
				      hints, args);
}

int
daos_array_create(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th, daos_size_t cell_size,
		  daos_size_t chunk_size, daos_handle_t *oh, daos_event_t *ev)
{
	struct dc_array_open_args oa = {.oa_oid = oid, .oa_mode = DAOS_OO_RW, .oa_how = 1,
					.oa_cell = cell_size, .oa_chunk = chunk_size, .oa_oh = oh};

	if (cell_size == 0 || cell_size > DC_ARRAY_CELL_MAX)
		return -DER_INVAL;
	return dc_array_open_common(coh, &oa, th, ev);
}

int
daos_array_open(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th, unsigned int mode,
		daos_size_t *cell_size, daos_size_t *chunk_size, daos_handle_t *oh,
		daos_event_t *ev)
{
	struct dc_array_open_args oa = {.oa_oid = oid, .oa_mode = mode, .oa_how = 0,
					.oa_cell_out = cell_size, .oa_chunk_out = chunk_size,
					.oa_oh = oh};

	if (cell_size == NULL || chunk_size == NULL || daos_obj_id2type(oid) != DAOS_OT_ARRAY)
		return -DER_INVAL;
	return dc_array_open_common(coh, &oa, th, ev);
}

int
daos_array_open_with_attr(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th,
			  unsigned int mode, daos_size_t cell_size, daos_size_t chunk_size,
			  daos_handle_t *oh, daos_event_t *ev)
{
	struct dc_array_open_args oa = {.oa_oid = oid, .oa_mode = mode, .oa_how = 2,
					.oa_cell = cell_size, .oa_chunk = chunk_size, .oa_oh = oh};

	if (!dc_array_sizes_ok(cell_size, chunk_size))
		return -DER_INVAL;
	return dc_array_open_common(coh, &oa, th, ev);
}

static int
dc_array_close_fn(void *arg)
{
	return dc_hdl_delete(arg);
}

int
daos_array_close(daos_handle_t oh, daos_event_t *ev)
{
	struct dc_array *arr = dc_array_get(oh);
	int              rc;

	if (arr == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_array_close_fn, &arr->da_hdl);
	dc_array_put(arr);
	return rc;
}

int
daos_array_get_attr(daos_handle_t oh, daos_size_t *chunk_size, daos_size_t *cell_size)
{
	struct dc_array *arr;

	if (chunk_size == NULL || cell_size == NULL)
		return -DER_INVAL;
	arr = dc_array_get(oh);
	if (arr == NULL)
		return -DER_NO_HDL;
	*chunk_size = arr->da_chunk;
	*cell_size  = arr->da_cell;
	dc_array_put(arr);
	return 0;
}

int
daos_array_update_chunk_size(daos_handle_t oh, daos_size_t chunk_size)
{
	struct dc_array *arr = dc_array_get(oh);
	int              rc  = 0;

	if (arr == NULL)
		return -DER_NO_HDL;
	if (daos_obj_id2type(arr->da_obj->do_oid) == DAOS_OT_ARRAY ||
	    !dc_array_sizes_ok(arr->da_cell, chunk_size))
		rc = -DER_INVAL; /* a stored array keeps the size it was created with */
	else
		arr->da_chunk = chunk_size;
	dc_array_put(arr);
	return rc;
}

/* ---- read / write / punch ------------------------------------------------------ */

/* One chunk's share of a call: one iod, its extents and its slice of the sgl. */
struct dc_array_sub {
	struct dc_array_op *as_op;
	uint64_t            as_dkey_val; /**< chunk + 1, host order */
	daos_key_t          as_dkey;
	daos_iod_t          as_iod;
	daos_recx_t        *as_recxs;
	d_sg_list_t         as_sgl;
	d_iov_t            *as_iovs;
	uint32_t            as_nr_iovs;
	uint64_t            as_cells;
};

struct dc_array_op {
	daos_event_t        *ao_ev;
	pthread_mutex_t      ao_lock;
	uint32_t             ao_pending;
	int                  ao_rc;
	bool                 ao_read;
	daos_array_iod_t    *ao_iod;
	uint32_t             ao_nr_subs;
	struct dc_array_sub *ao_subs;
	struct dc_array_piece *ao_pieces;
};

static void
dc_array_op_free(struct dc_array_op *op)
{
	for (uint32_t i = 0; i < op->ao_nr_subs; i++) {
		free(op->ao_subs[i].as_recxs);
		free(op->ao_subs[i].as_iovs);
	}
	free(op->ao_subs);
	free(op->ao_pieces);
	pthread_mutex_destroy(&op->ao_lock);
	free(op);
}

/* After the last piece of a read: zero what came back short; count cells past the end. */
static void
dc_array_read_finish(struct dc_array_op *op)
{
	uint64_t last_data = 0, total = 0, short_read = 0;
	bool     any       = false;

	for (uint32_t i = 0; i < op->ao_nr_subs; i++) {
		struct dc_array_sub *s = &op->ao_subs[i];

		for (uint32_t k = 0; k < s->as_nr_iovs; k++) {
			d_iov_t *iov = &s->as_iovs[k];

			if (s->as_iod.iod_size == 0)
				iov->iov_len = 0;
			if (iov->iov_len < iov->iov_buf_len)
				memset((uint8_t *)iov->iov_buf + iov->iov_len, 0,
				       iov->iov_buf_len - iov->iov_len);
		}
		if (s->as_iod.iod_size != 0 && (!any || s->as_dkey_val > last_data)) {
			last_data = s->as_dkey_val;
			any       = true;
		}
		total += s->as_cells;
	}
	/* cells of chunks with no data after the last chunk holding data are past the end */
	for (uint32_t i = 0; i < op->ao_nr_subs; i++) {
		struct dc_array_sub *s = &op->ao_subs[i];

		if (s->as_iod.iod_size == 0 && (!any || s->as_dkey_val > last_data))
			short_read += s->as_cells;
	}
	op->ao_iod->arr_nr_short_read = short_read;
	op->ao_iod->arr_nr_read       = total - short_read;
}

static void
dc_array_sub_cb(void *arg, int rc)
{
	struct dc_array_sub *s  = arg;
	struct dc_array_op  *op = s->as_op;
	bool                 last;

	pthread_mutex_lock(&op->ao_lock);
	if (rc != 0 && op->ao_rc == 0)
		op->ao_rc = rc;
	last = --op->ao_pending == 0;
	pthread_mutex_unlock(&op->ao_lock);
	if (!last)
		return;
	if (op->ao_rc == 0 && op->ao_read)
		dc_array_read_finish(op);
	dc_ev_complete(op->ao_ev, op->ao_rc);
	dc_array_op_free(op);
}

static int
dc_piece_cmp(const void *a, const void *b)
{
	const struct dc_array_piece *x = a, *y = b;

	if (x->ap_chunk != y->ap_chunk)
		return x->ap_chunk < y->ap_chunk ? -1 : 1;
	return x->ap_buf_off < y->ap_buf_off ? -1 : x->ap_buf_off > y->ap_buf_off;
}

/*
 * Slices of the caller's sgl covering bytes [off, off + len) appended to
 * iovs (capacity cap, count *n); iovs NULL only counts them. The sgl was
 * checked to hold enough bytes.
 */
static int
dc_sgl_slice(const d_sg_list_t *sgl, bool write, uint64_t off, uint64_t len, d_iov_t *iovs,
	     uint32_t cap, uint32_t *n)
{
	for (uint32_t i = 0; i < sgl->sg_nr && len > 0; i++) {
		const d_iov_t *iov = &sgl->sg_iovs[i];
		uint64_t       sz  = write ? iov->iov_len : iov->iov_buf_len;
		uint64_t       take;

		if (off >= sz) {
			off -= sz;
			continue;
		}
		take = sz - off < len ? sz - off : len;
		if (iovs != NULL) {
			if (*n >= cap)
				return -DER_OVERFLOW;
			d_iov_set(&iovs[*n], (uint8_t *)iov->iov_buf + off, take);
			if (!write)
				iovs[*n].iov_len = 0;
		}
		(*n)++;
		len -= take;
		off = 0;
	}
	return len == 0 ? 0 : -DER_INVAL;
}

/*
 * Build the per-chunk sub-operations of a read/write/punch (sgl NULL for a
 * punch). 0, -DER_INVAL (ranges, sgl too small), -DER_OVERFLOW (too many
 * chunks), -DER_NOMEM.
 */
static int
dc_array_plan(struct dc_array *arr, daos_array_iod_t *iod, d_sg_list_t *sgl, bool write,
	      struct dc_array_op *op)
{
	uint64_t total_pieces = 0, cells = 0, p = 0;
	int      rc;

	for (daos_size_t r = 0; r < iod->arr_nr; r++) {
		uint64_t n;

		rc = dc_array_split(iod->arr_rgs[r].rg_idx, iod->arr_rgs[r].rg_len, arr->da_chunk,
				    arr->da_cell, 0, NULL, &n);
		if (rc != 0)
			return rc;
		total_pieces += n;
		cells += iod->arr_rgs[r].rg_len;
		if (total_pieces > DC_ARRAY_CHUNKS_MAX || cells > UINT64_MAX / arr->da_cell)
			return -DER_OVERFLOW;
	}
	if (sgl != NULL && dc_sgl_bytes(sgl, write) < cells * arr->da_cell)
		return -DER_INVAL;
	op->ao_pieces = calloc(total_pieces, sizeof(*op->ao_pieces));
	op->ao_subs   = calloc(total_pieces, sizeof(*op->ao_subs));
	if (op->ao_pieces == NULL || op->ao_subs == NULL)
		return -DER_NOMEM;
	for (daos_size_t r = 0, off = 0; r < iod->arr_nr; r++) {
		uint64_t n = total_pieces - p;

		rc = dc_array_split(iod->arr_rgs[r].rg_idx, iod->arr_rgs[r].rg_len, arr->da_chunk,
				    arr->da_cell, off, &op->ao_pieces[p], &n);
		if (rc != 0)
			return rc;
		p += n;
		off += iod->arr_rgs[r].rg_len * arr->da_cell;
	}
	qsort(op->ao_pieces, total_pieces, sizeof(*op->ao_pieces), dc_piece_cmp);
	/* group by chunk; at most DC_RECX_NR_MAX extents per sub */
	for (uint64_t i = 0; i < total_pieces;) {
		struct dc_array_sub *s = &op->ao_subs[op->ao_nr_subs++];
		uint64_t             j = i;
		uint32_t             nr_iov_cap = 0;

		while (j < total_pieces && op->ao_pieces[j].ap_chunk == op->ao_pieces[i].ap_chunk &&
		       j - i < DC_RECX_NR_MAX)
			j++;
		s->as_op       = op;
		s->as_dkey_val = op->ao_pieces[i].ap_chunk + 1;
		d_iov_set(&s->as_dkey, &s->as_dkey_val, sizeof(s->as_dkey_val));
		s->as_recxs = calloc(j - i, sizeof(*s->as_recxs));
		if (s->as_recxs == NULL)
			return -DER_NOMEM;
		for (uint64_t k = i; k < j; k++) {
			s->as_recxs[k - i].rx_idx = op->ao_pieces[k].ap_idx;
			s->as_recxs[k - i].rx_nr  = op->ao_pieces[k].ap_nr;
			s->as_cells += op->ao_pieces[k].ap_nr;
		}
		d_iov_set(&s->as_iod.iod_name, dc_array_akey, 1);
		s->as_iod.iod_type  = DAOS_IOD_ARRAY;
		s->as_iod.iod_size  = sgl != NULL ? arr->da_cell : 0; /* 0: punch the extents */
		s->as_iod.iod_nr    = (uint32_t)(j - i);
		s->as_iod.iod_recxs = s->as_recxs;
		if (sgl != NULL) {
			/* exactly the slices the pieces need: a pass that only counts */
			for (uint64_t k = i; k < j; k++) {
				rc = dc_sgl_slice(sgl, write, op->ao_pieces[k].ap_buf_off,
						  op->ao_pieces[k].ap_nr * arr->da_cell, NULL, 0,
						  &nr_iov_cap);
				if (rc != 0)
					return rc;
			}
			s->as_iovs = calloc(nr_iov_cap, sizeof(*s->as_iovs));
			if (s->as_iovs == NULL)
				return -DER_NOMEM;
			for (uint64_t k = i; k < j; k++) {
				rc = dc_sgl_slice(sgl, write, op->ao_pieces[k].ap_buf_off,
						  op->ao_pieces[k].ap_nr * arr->da_cell, s->as_iovs,
						  nr_iov_cap, &s->as_nr_iovs);
				if (rc != 0)
					return rc;
			}
			s->as_sgl.sg_nr   = s->as_nr_iovs;
			s->as_sgl.sg_iovs = s->as_iovs;
		}
		i = j;
	}
	return 0;
}

static int
dc_array_iod_check(const daos_array_iod_t *iod)
{
	if (iod == NULL || iod->arr_nr == 0 || iod->arr_nr > DC_ARRAY_RANGES_MAX ||
	    iod->arr_rgs == NULL)
		return -DER_INVAL;
	for (daos_size_t i = 0; i < iod->arr_nr; i++)
		if (iod->arr_rgs[i].rg_len == 0 ||
		    iod->arr_rgs[i].rg_idx + iod->arr_rgs[i].rg_len < iod->arr_rgs[i].rg_idx)
			return -DER_INVAL;
	return 0;
}

/* Start the chunks of a read/write/punch on arr (checked) and complete through ev. */
static int
dc_array_rw_arr(struct dc_array *arr, daos_epoch_t epoch, daos_array_iod_t *iod,
		d_sg_list_t *sgl, uint16_t opc, daos_event_t *ev)
{
	bool                write = opc == PROTO_OP_OBJ_UPDATE;
	struct dc_array_op *op;
	daos_event_t        priv;
	daos_event_t       *e;
	int                 rc;

	op = calloc(1, sizeof(*op));
	if (op == NULL || pthread_mutex_init(&op->ao_lock, NULL) != 0) {
		free(op);
		return -DER_NOMEM;
	}
	op->ao_read = !write;
	op->ao_iod  = iod;
	rc          = dc_array_plan(arr, iod, sgl, write, op);
	if (rc != 0) {
		dc_array_op_free(op);
		return rc;
	}
	e = dc_ev_begin(ev, &priv, &rc);
	if (e == NULL) {
		dc_array_op_free(op);
		return rc;
	}
	op->ao_ev      = e;
	op->ao_pending = op->ao_nr_subs;
	/* R2: the count is set before the first start, whose callback may run at once */
	for (uint32_t i = 0, n = op->ao_nr_subs; i < n; i++) {
		struct dc_array_sub *s = &op->ao_subs[i];
		struct dc_io_args    a = {0};

		a.ia_epoch = epoch;
		a.ia_dkey  = &s->as_dkey;
		a.ia_nr    = 1;
		a.ia_iods  = &s->as_iod;
		a.ia_sgls  = sgl != NULL ? &s->as_sgl : NULL;
		dc_io_start(opc, arr->da_obj, NULL, &a, e, dc_array_sub_cb, s);
	}
	return dc_ev_end(ev, &priv);
}

/* read (opc FETCH), write (UPDATE, sgl), punch (UPDATE, sgl NULL). */
static int
dc_array_rw(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, d_sg_list_t *sgl,
	    uint16_t opc, daos_event_t *ev)
{
	bool             write = opc == PROTO_OP_OBJ_UPDATE;
	struct dc_array *arr;
	daos_epoch_t     epoch;
	int              rc;

	if (dc_array_iod_check(iod) != 0 || (sgl != NULL && dc_sgl_check(sgl, write) != 0))
		return -DER_INVAL;
	arr = dc_array_get(oh);
	if (arr == NULL)
		return -DER_NO_HDL;
	if (write && !((arr->da_mode & (DAOS_OO_RW | DAOS_OO_EXCL)) &&
		       dc_cont_writable(arr->da_obj->do_cont)))
		rc = -DER_NO_PERM;
	else
		rc = dc_tx_epoch(th, arr->da_obj->do_cont, write, &epoch);
	if (rc == 0)
		rc = dc_array_rw_arr(arr, epoch, iod, sgl, opc, ev);
	dc_array_put(arr);
	return rc;
}

int
daos_array_read(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, d_sg_list_t *sgl,
		daos_event_t *ev)
{
	if (sgl == NULL)
		return -DER_INVAL;
	return dc_array_rw(oh, th, iod, sgl, PROTO_OP_OBJ_FETCH, ev);
}

int
daos_array_write(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, d_sg_list_t *sgl,
		 daos_event_t *ev)
{
	if (sgl == NULL)
		return -DER_INVAL;
	return dc_array_rw(oh, th, iod, sgl, PROTO_OP_OBJ_UPDATE, ev);
}

int
daos_array_punch(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, daos_event_t *ev)
{
	return dc_array_rw(oh, th, iod, NULL, PROTO_OP_OBJ_UPDATE, ev);
}

/* ---- size ------------------------------------------------------------------------ */

/* Greatest chunk dkey and end of its greatest extent -> size in cells. */
static int
dc_array_size_query(struct dc_array *arr, daos_epoch_t epoch, uint64_t *size)
{
	uint64_t          dkey_val = 0;
	char              akey[DC_KEY_MAX];
	daos_key_t        dkey, ak;
	daos_recx_t       recx = {0};
	struct dc_io_args a    = {0};
	int               rc;

	d_iov_set(&dkey, &dkey_val, sizeof(dkey_val));
	d_iov_set(&ak, akey, sizeof(akey));
	a.ia_epoch = epoch;
	a.ia_flags    = DAOS_GET_MAX | DAOS_GET_DKEY | DAOS_GET_AKEY | DAOS_GET_RECX;
	a.ia_dkey_out = &dkey;
	a.ia_akey_out = &ak;
	a.ia_recx  = &recx;
	rc         = dc_array_io_sync(PROTO_OP_OBJ_QUERY_KEY, arr->da_obj, &a);
	if (rc == -DER_NONEXIST) {
		*size = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (dkey.iov_len != sizeof(dkey_val))
		return -DER_PROTO;
	if (dkey_val == 0 || ak.iov_len != 1 || akey[0] != '0') {
		*size = 0;
		return 0;
	}
	*size = dc_array_size_from(dkey_val, recx.rx_idx + recx.rx_nr, arr->da_chunk);
	return 0;
}

struct dc_array_size_args {
	struct dc_array    *sa_arr;
	daos_epoch_t        sa_epoch;
	daos_size_t         sa_size;
	daos_size_t        *sa_out;
	daos_array_stbuf_t *sa_stbuf;
};

static int
dc_array_get_size_fn(void *arg)
{
	struct dc_array_size_args *sa = arg;
	uint64_t                   size;
	int                        rc;

	rc = dc_array_size_query(sa->sa_arr, sa->sa_epoch, &size);
	if (rc != 0)
		return rc;
	if (sa->sa_out != NULL)
		*sa->sa_out = size;
	if (sa->sa_stbuf != NULL) {
		sa->sa_stbuf->st_size      = size;
		sa->sa_stbuf->st_max_epoch = 0;
	}
	return 0;
}

static int
dc_array_size_call(daos_handle_t oh, daos_handle_t th, struct dc_array_size_args *sa,
		   int (*fn)(void *), bool write, daos_event_t *ev)
{
	int rc;

	sa->sa_arr = dc_array_get(oh);
	if (sa->sa_arr == NULL)
		return -DER_NO_HDL;
	if (write && !((sa->sa_arr->da_mode & (DAOS_OO_RW | DAOS_OO_EXCL)) &&
		       dc_cont_writable(sa->sa_arr->da_obj->do_cont)))
		rc = -DER_NO_PERM;
	else
		rc = dc_tx_epoch(th, sa->sa_arr->da_obj->do_cont, write, &sa->sa_epoch);
	if (rc == 0)
		rc = dc_ev_run_sync(ev, fn, sa);
	dc_array_put(sa->sa_arr);
	return rc;
}

int
daos_array_get_size(daos_handle_t oh, daos_handle_t th, daos_size_t *size, daos_event_t *ev)
{
	struct dc_array_size_args sa = {.sa_out = size};

	if (size == NULL)
		return -DER_INVAL;
	return dc_array_size_call(oh, th, &sa, dc_array_get_size_fn, false, ev);
}

int
daos_array_stat(daos_handle_t oh, daos_handle_t th, daos_array_stbuf_t *stbuf, daos_event_t *ev)
{
	struct dc_array_size_args sa = {.sa_stbuf = stbuf};

	if (stbuf == NULL)
		return -DER_INVAL;
	return dc_array_size_call(oh, th, &sa, dc_array_get_size_fn, false, ev);
}

/* Punch dkeys (chunks) first..last, DC_IOD_NR_MAX per call. */
static int
dc_array_punch_chunks(struct dc_array *arr, uint64_t first, uint64_t last)
{
	uint64_t   vals[DC_IOD_NR_MAX];
	daos_key_t keys[DC_IOD_NR_MAX];

	while (first <= last) {
		struct dc_io_args a = {0};
		uint32_t          n = 0;
		int               rc;

		while (first <= last && n < DC_IOD_NR_MAX) {
			vals[n] = first + 1;
			d_iov_set(&keys[n], &vals[n], sizeof(vals[n]));
			n++;
			first++;
		}
		a.ia_nr   = n;
		a.ia_keys = keys;
		rc        = dc_array_io_sync(PROTO_OP_OBJ_PUNCH_DKEYS, arr->da_obj, &a);
		if (rc != 0)
			return rc;
		if (first == 0)
			break; /* wrapped */
	}
	return 0;
}

/* Write one cell (zeros) at index idx. */
static int
dc_array_zero_cell(struct dc_array *arr, uint64_t idx)
{
	uint64_t          dkey_val = idx / arr->da_chunk + 1;
	daos_key_t        dkey;
	daos_recx_t       recx = {.rx_idx = idx % arr->da_chunk, .rx_nr = 1};
	daos_iod_t        iod  = {0};
	d_iov_t           iov;
	d_sg_list_t       sgl = {.sg_nr = 1, .sg_iovs = &iov};
	struct dc_io_args a   = {0};
	void             *zero;
	int               rc;

	zero = calloc(1, arr->da_cell);
	if (zero == NULL)
		return -DER_NOMEM;
	d_iov_set(&dkey, &dkey_val, sizeof(dkey_val));
	d_iov_set(&iod.iod_name, dc_array_akey, 1);
	iod.iod_type  = DAOS_IOD_ARRAY;
	iod.iod_size  = arr->da_cell;
	iod.iod_nr    = 1;
	iod.iod_recxs = &recx;
	d_iov_set(&iov, zero, arr->da_cell);
	a.ia_dkey = &dkey;
	a.ia_nr   = 1;
	a.ia_iods = &iod;
	a.ia_sgls = &sgl;
	rc        = dc_array_io_sync(PROTO_OP_OBJ_UPDATE, arr->da_obj, &a);
	free(zero);
	return rc;
}

static int
dc_array_set_size_fn(void *arg)
{
	struct dc_array_size_args *sa  = arg;
	struct dc_array           *arr = sa->sa_arr;
	uint64_t                   cur, want = sa->sa_size;
	int                        rc;

	rc = dc_array_size_query(arr, 0, &cur);
	if (rc != 0 || cur == want)
		return rc;
	if (want < cur) {
		uint64_t last_chunk = (cur - 1) / arr->da_chunk;
		uint64_t keep_chunk = want == 0 ? 0 : (want - 1) / arr->da_chunk;
		uint64_t first_gone = want == 0 ? 0 : keep_chunk + 1;

		if (first_gone <= last_chunk) {
			rc = dc_array_punch_chunks(arr, first_gone, last_chunk);
			if (rc != 0)
				return rc;
		}
		if (want > 0 && want % arr->da_chunk != 0) {
			daos_range_t     rg  = {.rg_idx = want,
						.rg_len = arr->da_chunk - want % arr->da_chunk};
			daos_array_iod_t iod = {.arr_nr = 1, .arr_rgs = &rg};

			rc = dc_array_rw_arr(arr, 0, &iod, NULL, PROTO_OP_OBJ_UPDATE, NULL);
			if (rc != 0)
				return rc;
		}
		rc = dc_array_size_query(arr, 0, &cur);
		if (rc != 0 || cur == want)
			return rc;
	}
	/* the array ends before `want`: a zero cell makes it that long */
	return want > 0 ? dc_array_zero_cell(arr, want - 1) : 0;
}

int
daos_array_set_size(daos_handle_t oh, daos_handle_t th, daos_size_t size, daos_event_t *ev)
{
	struct dc_array_size_args sa = {.sa_size = size};

	return dc_array_size_call(oh, th, &sa, dc_array_set_size_fn, true, ev);
}

static int
dc_array_destroy_fn(void *arg)
{
	struct dc_array_size_args *sa = arg;
	struct dc_io_args          a  = {0};

	return dc_array_io_sync(PROTO_OP_OBJ_PUNCH, sa->sa_arr->da_obj, &a);
}

int
daos_array_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev)
{
	struct dc_array_size_args sa = {0};

	return dc_array_size_call(oh, th, &sa, dc_array_destroy_fn, true, ev);
}

/* ---- local2global / global2local ------------------------------------------------- */

int
daos_array_local2global(daos_handle_t oh, d_iov_t *glob)
{
	struct dc_array *arr;
	struct dc_wbuf   w = {0};
	int              rc = 0;

	if (glob == NULL)
		return -DER_INVAL;
	arr = dc_array_get(oh);
	if (arr == NULL)
		return -DER_NO_HDL;
	w.wb_buf = glob->iov_buf;
	w.wb_cap = glob->iov_buf == NULL ? 0 : glob->iov_buf_len;
	dc_w_bytes(&w, (uint8_t[DC_BLOB_HDR_SIZE]){0}, DC_BLOB_HDR_SIZE);
	dc_w_bytes(&w, arr->da_obj->do_cont->dc_uuid, sizeof(uuid_t));
	dc_w_u64(&w, arr->da_obj->do_oid.lo);
	dc_w_u64(&w, arr->da_obj->do_oid.hi);
	dc_w_u32(&w, arr->da_mode);
	dc_w_u64(&w, arr->da_cell);
	dc_w_u64(&w, arr->da_chunk);
	if (glob->iov_buf == NULL) {
		glob->iov_buf_len = w.wb_len;
		glob->iov_len     = 0;
	} else if (w.wb_len > glob->iov_buf_len) {
		glob->iov_buf_len = w.wb_len;
		rc                = -DER_TRUNC;
	} else {
		dc_blob_seal(glob->iov_buf, w.wb_len, DC_ARRAY_BLOB_MAGIC);
		glob->iov_len = w.wb_len;
	}
	dc_array_put(arr);
	return rc;
}

int
daos_array_global2local(daos_handle_t coh, d_iov_t glob, unsigned int mode, daos_handle_t *oh)
{
	struct dc_array_open_args oa = {.oa_how = 2, .oa_oh = oh};
	struct dc_rbuf            r  = {.rb_buf = glob.iov_buf, .rb_len = glob.iov_len,
					.rb_off = DC_BLOB_HDR_SIZE};
	struct dc_cont           *cont;
	const uint8_t            *u;
	char                      err[160];
	int                       rc;

	if (oh == NULL || glob.iov_buf == NULL || glob.iov_len > glob.iov_buf_len)
		return -DER_INVAL;
	rc = dc_blob_open(glob.iov_buf, glob.iov_len, DC_ARRAY_BLOB_MAGIC, "array", err,
			  sizeof(err));
	if (rc != 0) {
		D_ERROR("daos_array_global2local: %s\n", err);
		return rc;
	}
	u            = dc_r_bytes(&r, sizeof(uuid_t));
	oa.oa_oid.lo = dc_r_u64(&r);
	oa.oa_oid.hi = dc_r_u64(&r);
	oa.oa_mode   = dc_r_u32(&r);
	oa.oa_cell   = dc_r_u64(&r);
	oa.oa_chunk  = dc_r_u64(&r);
	if (r.rb_err || r.rb_off != glob.iov_len || !dc_array_sizes_ok(oa.oa_cell, oa.oa_chunk)) {
		D_ERROR("daos_array_global2local: malformed array handle blob\n");
		return -DER_INVAL;
	}
	cont = dc_cont_get(coh);
	if (cont == NULL)
		return -DER_NO_HDL;
	rc = uuid_compare(u, cont->dc_uuid) == 0 ? 0 : -DER_INVAL;
	dc_cont_put(cont);
	if (rc != 0) {
		D_ERROR("daos_array_global2local: the blob is of another container\n");
		return rc;
	}
	if (mode != 0)
		oa.oa_mode = mode;
	return dc_array_open_common(coh, &oa, DAOS_TX_NONE, NULL);
}
