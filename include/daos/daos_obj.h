/*
 * daos_obj.h: the object API: object ids, open/close, update, fetch, punch,
 * enumeration (dkeys, akeys, extents), key query and the object index table.
 *
 * Data model: an object holds dkeys; a dkey holds akeys; an akey holds a
 * single value (DAOS_IOD_SINGLE) or an array of fixed-size records
 * (DAOS_IOD_ARRAY). The dkey chooses the shard (target) that stores it.
 * Objects whose type has integer dkeys (daos_is_dkey_uint64_type()) take
 * 8-byte dkeys in the host's byte order and list them in numeric order.
 */
#ifndef DAOS_OBJ_H
#define DAOS_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <daos_event.h>
#include <daos_obj_class.h>
#include <daos_prop.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define daos_obj_generate_oid daos_obj_generate_oid2

#define DAOS_OBJ_NIL ((daos_obj_id_t){0})

/** Bits of oid.hi that belong to DAOS (type, redundancy, groups). */
#define OID_FMT_INTR_BITS  32
#define OID_FMT_TYPE_MAX   ((1ULL << OID_FMT_TYPE_BITS) - 1)
#define OID_FMT_CLASS_MAX  ((1ULL << OID_FMT_CLASS_BITS) - 1)
#define OID_FMT_META_MAX   ((1ULL << OID_FMT_META_BITS) - 1)
#define OID_FMT_TYPE_MASK  (OID_FMT_TYPE_MAX << OID_FMT_TYPE_SHIFT)
#define OID_FMT_CLASS_MASK (OID_FMT_CLASS_MAX << OID_FMT_CLASS_SHIFT)
#define OID_FMT_META_MASK  (OID_FMT_META_MAX << OID_FMT_META_SHIFT)

static inline bool
daos_otype_t_is_valid(enum daos_otype_t type)
{
	return (unsigned int)type <= DAOS_OT_MAX;
}

static inline bool
daos_obj_id_is_nil(daos_obj_id_t oid)
{
	return oid.hi == 0 && oid.lo == 0;
}

static inline bool
daos_is_dkey_lexical_type(enum daos_otype_t type)
{
	return type == DAOS_OT_DKEY_LEXICAL || type == DAOS_OT_MULTI_LEXICAL ||
	       type == DAOS_OT_KV_LEXICAL;
}

static inline bool
daos_is_akey_lexical_type(enum daos_otype_t type)
{
	return type == DAOS_OT_AKEY_LEXICAL || type == DAOS_OT_MULTI_LEXICAL;
}

static inline bool
daos_is_dkey_uint64_type(enum daos_otype_t type)
{
	return type == DAOS_OT_MULTI_UINT64 || type == DAOS_OT_DKEY_UINT64 ||
	       type == DAOS_OT_KV_UINT64 || type == DAOS_OT_ARRAY || type == DAOS_OT_ARRAY_ATTR ||
	       type == DAOS_OT_ARRAY_BYTE;
}

static inline bool
daos_is_akey_uint64_type(enum daos_otype_t type)
{
	return type == DAOS_OT_MULTI_UINT64 || type == DAOS_OT_AKEY_UINT64;
}

static inline bool
daos_is_array_type(enum daos_otype_t type)
{
	return type == DAOS_OT_ARRAY || type == DAOS_OT_ARRAY_ATTR || type == DAOS_OT_ARRAY_BYTE;
}

static inline bool
daos_is_kv_type(enum daos_otype_t type)
{
	return type == DAOS_OT_KV_HASHED || type == DAOS_OT_KV_UINT64 ||
	       type == DAOS_OT_KV_LEXICAL;
}

static inline bool
daos_is_dkey_lexical(daos_obj_id_t oid)
{
	return daos_is_dkey_lexical_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_akey_lexical(daos_obj_id_t oid)
{
	return daos_is_akey_lexical_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_dkey_uint64(daos_obj_id_t oid)
{
	return daos_is_dkey_uint64_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_akey_uint64(daos_obj_id_t oid)
{
	return daos_is_akey_uint64_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_array(daos_obj_id_t oid)
{
	return daos_is_array_type(daos_obj_id2type(oid));
}

static inline bool
daos_is_kv(daos_obj_id_t oid)
{
	return daos_is_kv_type(daos_obj_id2type(oid));
}

/**
 * Conditional flags. A fetch honours DAOS_COND_DKEY_FETCH and
 * DAOS_COND_AKEY_FETCH (-DER_NONEXIST when a value is absent); the others
 * need server support that does not exist yet and give -DER_NOSYS.
 */
#define IO_FLAGS_COND_BITS 8
enum {
	DAOS_COND_PUNCH       = (1 << 0),
	DAOS_COND_DKEY_INSERT = (1 << 1),
	DAOS_COND_DKEY_UPDATE = (1 << 2),
	DAOS_COND_DKEY_FETCH  = (1 << 3),
	DAOS_COND_AKEY_INSERT = (1 << 4),
	DAOS_COND_AKEY_UPDATE = (1 << 5),
	DAOS_COND_AKEY_FETCH  = (1 << 6),
	DAOS_COND_PER_AKEY    = (1 << 7),
	DAOS_COND_MASK        = ((1 << IO_FLAGS_COND_BITS) - 1),
};

struct daos_oclass_attr;

/** Object attributes (daos_obj_query()). */
struct daos_obj_attr {
	d_rank_t                 oa_rank;
	struct daos_oclass_attr *oa_oa;
};

/** Object open modes. */
enum {
	DAOS_OO_RO      = (1 << 1),
	DAOS_OO_RW      = (1 << 2),
	DAOS_OO_EXCL    = (1 << 3),
	DAOS_OO_IO_RAND = (1 << 4),
	DAOS_OO_IO_SEQ  = (1 << 5),
};

/** I/O map flag: return the extents too. */
#define DAOS_IOMF_DETAIL (0x1U)

/** Where the records of an iod were found by a fetch (optional output). */
typedef struct {
	daos_iod_type_t iom_type;
	uint32_t        iom_nr;
	uint32_t        iom_nr_out;
	uint32_t        iom_flags;
	daos_size_t     iom_size;
	daos_recx_t     iom_recx_lo;
	daos_recx_t     iom_recx_hi;
	daos_recx_t    *iom_recxs;
} daos_iom_t;

/** What daos_obj_query_key() looks for. */
enum {
	DAOS_GET_MAX  = (1 << 0),
	DAOS_GET_MIN  = (1 << 1),
	DAOS_GET_DKEY = (1 << 2),
	DAOS_GET_AKEY = (1 << 3),
	DAOS_GET_RECX = (1 << 4),
};

/* Object class hints, as daos_obj_generate_oid() takes them. */
#define DAOS_OCH_RDD_BITS    4
#define DAOS_OCH_SHD_BITS    6
#define DAOS_OCH_RDD_SHIFT   0
#define DAOS_OCH_SHD_SHIFT   DAOS_OCH_RDD_BITS
#define DAOS_OCH_RDD_MAX_VAL ((1ULL << DAOS_OCH_RDD_BITS) - 1)
#define DAOS_OCH_SHD_MAX_VAL ((1ULL << DAOS_OCH_SHD_BITS) - 1)
#define DAOS_OCH_RDD_MASK    (DAOS_OCH_RDD_MAX_VAL << DAOS_OCH_RDD_SHIFT)
#define DAOS_OCH_SHD_MASK    (DAOS_OCH_SHD_MAX_VAL << DAOS_OCH_SHD_SHIFT)

enum {
	DAOS_OCH_RDD_DEF  = (1 << 0),
	DAOS_OCH_RDD_NO   = (1 << 1),
	DAOS_OCH_RDD_RP   = (1 << 2),
	DAOS_OCH_RDD_EC   = (1 << 3),
	DAOS_OCH_SHD_DEF  = (1 << 4),
	DAOS_OCH_SHD_TINY = (1 << 5),
	DAOS_OCH_SHD_REG  = (1 << 6),
	DAOS_OCH_SHD_HI   = (1 << 7),
	DAOS_OCH_SHD_EXT  = (1 << 8),
	DAOS_OCH_SHD_MAX  = (1 << 9),
};

/**
 * Fill the DAOS bits of *oid (type, class, group count) for container coh,
 * keeping its low 96 bits. cid OC_UNKNOWN lets the hints (or the container's
 * default class) choose. Supported: S1..S32 and SX; replicated and erasure-
 * coded classes are defined and refused with -DER_NOSYS. -DER_INVAL (bad
 * type, class, hints; more groups than targets), -DER_NO_HDL.
 */
int daos_obj_generate_oid2(daos_handle_t coh, daos_obj_id_t *oid, enum daos_otype_t type,
			   daos_oclass_id_t cid, daos_oclass_hints_t hints, uint32_t args);

/** Number of object classes the library knows, and their names ("S1,S2,...") into str. */
int daos_oclass_nr(int opts);
ssize_t daos_oclass_names_list(size_t size, char *str);

/** Open object oid (mode DAOS_OO_RO or DAOS_OO_RW). Local: no server is asked. */
int daos_obj_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
		  daos_event_t *ev);

/** Close an object handle. */
int daos_obj_close(daos_handle_t oh, daos_event_t *ev);

/** Punch the whole object. */
int daos_obj_punch(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_event_t *ev);

/** Punch nr dkeys (each with all its akeys). */
int daos_obj_punch_dkeys(daos_handle_t oh, daos_handle_t th, uint64_t flags, unsigned int nr,
			 daos_key_t *dkeys, daos_event_t *ev);

/** Punch nr akeys of one dkey. */
int daos_obj_punch_akeys(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
			 unsigned int nr, daos_key_t *akeys, daos_event_t *ev);

/** Class attributes (oa may be NULL) and the ranks holding the object (ranks may be NULL). */
int daos_obj_query(daos_handle_t oh, struct daos_obj_attr *oa, d_rank_list_t *ranks,
		   daos_event_t *ev);

/**
 * Read nr akeys of dkey. iods[i].iod_size DAOS_REC_ANY asks for the size
 * (returned in iod_size; with sgls NULL no data moves). A value larger than
 * its sgl: -DER_REC2BIG with every iod_size set. sgls[i].sg_nr_out and the
 * iovs' iov_len tell what was placed. ioms may be NULL.
 */
int daos_obj_fetch(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		   unsigned int nr, daos_iod_t *iods, d_sg_list_t *sgls, daos_iom_t *ioms,
		   daos_event_t *ev);

/** Write nr akeys of dkey (iod_size 0 punches). */
int daos_obj_update(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		    unsigned int nr, daos_iod_t *iods, d_sg_list_t *sgls, daos_event_t *ev);

/**
 * List dkeys: *nr in the capacity of kds, out the keys returned, packed back
 * to back in sgl with their lengths in kds[i].kd_key_len. Start with a zeroed
 * anchor, pass it back unchanged, stop when daos_anchor_is_eof(). A first key
 * larger than sgl: -DER_KEY2BIG with kds[0].kd_key_len the size needed.
 */
int daos_obj_list_dkey(daos_handle_t oh, daos_handle_t th, uint32_t *nr, daos_key_desc_t *kds,
		       d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev);

/** List the akeys of dkey, as daos_obj_list_dkey(); kd_val_type is SINGLE or ARRAY. */
int daos_obj_list_akey(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey, uint32_t *nr,
		       daos_key_desc_t *kds, d_sg_list_t *sgl, daos_anchor_t *anchor,
		       daos_event_t *ev);

/**
 * List the visible extents of (dkey, akey) in increasing index order (only
 * incr_order true is supported: false gives -DER_NOSYS). *size receives the
 * record size; eprs may be NULL. A single value lists {0, 1}.
 */
int daos_obj_list_recx(daos_handle_t oh, daos_handle_t th, daos_key_t *dkey, daos_key_t *akey,
		       daos_size_t *size, uint32_t *nr, daos_recx_t *recxs,
		       daos_epoch_range_t *eprs, daos_anchor_t *anchor, bool incr_order,
		       daos_event_t *ev);

/**
 * The greatest dkey (DAOS_GET_DKEY), akey (DAOS_GET_AKEY) and/or extent
 * (DAOS_GET_RECX) with DAOS_GET_MAX. Keys not queried are inputs. The key
 * buffers receive the key (iov_len). DAOS_GET_MIN: -DER_NOSYS.
 */
int daos_obj_query_key(daos_handle_t oh, daos_handle_t th, uint64_t flags, daos_key_t *dkey,
		       daos_key_t *akey, daos_recx_t *recx, daos_event_t *ev);

/**
 * Open the object index table of snapshot `epoch` of the container (the
 * epoch must be a snapshot). Listing walks every target of the pool.
 */
int daos_oit_open(daos_handle_t coh, daos_epoch_t epoch, daos_handle_t *oh, daos_event_t *ev);

/** Close an object index table handle. */
int daos_oit_close(daos_handle_t oh, daos_event_t *ev);

/** List object ids of the snapshot: *oids_nr in capacity, out returned; anchor as list_dkey. */
int daos_oit_list(daos_handle_t oh, daos_obj_id_t *oids, uint32_t *oids_nr,
		  daos_anchor_t *anchor, daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_OBJ_H */
