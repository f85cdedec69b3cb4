/*
 * daos_array.h: one-dimensional arrays of fixed-size cells on an object.
 *
 * Layout (as DAOS): the array is cut into chunks of chunk_size cells; chunk
 * c is stored under the integer dkey c + 1 (8 bytes, host order), akey "0"
 * (one byte), as array records of cell_size bytes indexed from 0 within the
 * chunk. For DAOS_OT_ARRAY objects the cell and chunk sizes are stored
 * under dkey 0, akey "daos_array_metadata" as a single value of three
 * little-endian u64 (magic 0xdaca55a9daca55a9, cell size, chunk size);
 * DAOS_OT_ARRAY_ATTR and DAOS_OT_ARRAY_BYTE objects store nothing and are
 * opened with daos_array_open_with_attr(). The array's size is one past the
 * highest cell written (cells never written read as zeros).
 */
#ifndef DAOS_ARRAY_H
#define DAOS_ARRAY_H

#include <stdbool.h>
#include <stdint.h>

#include <daos_event.h>
#include <daos_obj.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A range of cells: rg_len cells from index rg_idx. */
typedef struct {
	daos_off_t  rg_idx;
	daos_size_t rg_len;
} daos_range_t;

/** The cells of a read, write or punch. */
typedef struct {
	daos_size_t   arr_nr;            /**< ranges in arr_rgs */
	daos_range_t *arr_rgs;
	daos_size_t   arr_nr_short_read; /**< out (read): cells past the array's end */
	daos_size_t   arr_nr_read;       /**< out (read): cells read */
} daos_array_iod_t;

/** Array status. */
typedef struct {
	daos_size_t st_size;
	uint64_t    st_max_epoch;
} daos_array_stbuf_t;

/** Generate an array oid (DAOS_OT_ARRAY with add_attr, else DAOS_OT_ARRAY_ATTR). */
int daos_array_generate_oid(daos_handle_t coh, daos_obj_id_t *oid, bool add_attr,
			    daos_oclass_id_t cid, daos_oclass_hints_t hints, uint32_t args);

/**
 * Create an array of cell_size-byte cells (1 B .. 1 MiB) in chunks of
 * chunk_size cells (a chunk is at most 64 MiB; 0 takes the container's
 * chunk_size property, else 1 MiB, in bytes divided by the cell size) and
 * open it read-write. DAOS_OT_ARRAY: the sizes are stored; -DER_EXIST when
 * the array already exists.
 */
int daos_array_create(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th,
		      daos_size_t cell_size, daos_size_t chunk_size, daos_handle_t *oh,
		      daos_event_t *ev);

/** Open a DAOS_OT_ARRAY array; its sizes are read and returned. -DER_NONEXIST when absent. */
int daos_array_open(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th, unsigned int mode,
		    daos_size_t *cell_size, daos_size_t *chunk_size, daos_handle_t *oh,
		    daos_event_t *ev);

/** Open an array with sizes given by the caller (nothing is read). */
int daos_array_open_with_attr(daos_handle_t coh, daos_obj_id_t oid, daos_handle_t th,
			      unsigned int mode, daos_size_t cell_size, daos_size_t chunk_size,
			      daos_handle_t *oh, daos_event_t *ev);

/** Serialise an array handle (two-phase as daos_pool_local2global()). */
int daos_array_local2global(daos_handle_t oh, d_iov_t *glob);

/** An array handle of container coh from a blob (mode 0: the blob's). */
int daos_array_global2local(daos_handle_t coh, d_iov_t glob, unsigned int mode,
			    daos_handle_t *oh);

/** Close an array handle. */
int daos_array_close(daos_handle_t oh, daos_event_t *ev);

/**
 * Read the cells of iod into sgl (at least sum(rg_len) * cell_size bytes);
 * cells never written read as zeros. arr_nr_short_read counts the requested
 * cells of chunks past the last chunk holding data (cells past the end
 * inside that chunk read as zeros and count as read).
 */
int daos_array_read(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, d_sg_list_t *sgl,
		    daos_event_t *ev);

/** Write the cells of iod from sgl (at least sum(rg_len) * cell_size bytes). */
int daos_array_write(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod, d_sg_list_t *sgl,
		     daos_event_t *ev);

/** Size in cells (one past the highest cell written). */
int daos_array_get_size(daos_handle_t oh, daos_handle_t th, daos_size_t *size, daos_event_t *ev);

/** Size and the latest write epoch (st_max_epoch is 0: not tracked). */
int daos_array_stat(daos_handle_t oh, daos_handle_t th, daos_array_stbuf_t *stbuf,
		    daos_event_t *ev);

/** Truncate (cells past size are punched) or extend (reads of new cells give zeros). */
int daos_array_set_size(daos_handle_t oh, daos_handle_t th, daos_size_t size, daos_event_t *ev);

/** Punch the whole array object, metadata included; the handle is still to be closed. */
int daos_array_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev);

/** Punch the cells of iod (they read as zeros afterwards). */
int daos_array_punch(daos_handle_t oh, daos_handle_t th, daos_array_iod_t *iod,
		     daos_event_t *ev);

/** The handle's chunk size (cells) and cell size (bytes). */
int daos_array_get_attr(daos_handle_t oh, daos_size_t *chunk_size, daos_size_t *cell_size);

/** Change the chunk size used by this handle (open_with_attr arrays only). */
int daos_array_update_chunk_size(daos_handle_t oh, daos_size_t chunk_size);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_ARRAY_H */
