/*
 * daos_obj_class.h: DAOS object classes, object types and the object id
 * bit layout, with DAOS 2.x names and numeric values so that ids produced
 * here and by DAOS are interchangeable.
 *
 * A class id is (redundancy code << OC_REDUN_SHIFT) | group count; a group
 * count of MAX_NUM_GROUPS ("X") means "as many groups as the pool allows".
 * An object id {lo, hi} carries, in hi, the object type (bits 63..56), the
 * redundancy code (bits 55..48) and the actual group count (bits 47..32);
 * the other 96 bits belong to the application.
 */
#ifndef DAOS_OBJ_CLASS_H
#define DAOS_OBJ_CLASS_H

#include <stdint.h>

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest class name including the terminating NUL ("EC_16P2GX" needs 10). */
#define MAX_OBJ_CLASS_NAME_LEN 24

#define MAX_NUM_GROUPS               ((1 << 16UL) - 1)
#define OC_REDUN_SHIFT               24
#define OBJ_CLASS_DEF(redun, grp_nr) ((redun << OC_REDUN_SHIFT) | grp_nr)

/** Object id layout: bit positions and widths of the DAOS-owned fields of hi. */
#define OID_FMT_TYPE_SHIFT  56
#define OID_FMT_TYPE_BITS   8
#define OID_FMT_CLASS_SHIFT 48
#define OID_FMT_CLASS_BITS  8
#define OID_FMT_META_SHIFT  32
#define OID_FMT_META_BITS   16
/** Bits of hi that belong to the application. */
#define OID_FMT_USER_MASK   ((1ULL << OID_FMT_META_SHIFT) - 1)

/** Data redundancy method; encoded over 8 bits in the object id. */
enum daos_obj_redun {
	OC_UNKNOWN = 0,
	/** no data protection, "single replica" */
	OR_RP_1 = 1,
	/** static N-way replication */
	OR_RP_2 = 8,
	OR_RP_3,
	OR_RP_4,
	OR_RP_5,
	OR_RP_6,
	OR_RP_8,
	OR_RP_12,
	OR_RP_16,
	OR_RP_24,
	OR_RP_32,
	OR_RP_48,
	OR_RP_64,
	OR_RP_128,
	/** Reed-Solomon erasure code, k data + p parity cells per group */
	OR_RS_2P1 = 32,
	OR_RS_2P2,
	OR_RS_4P1,
	OR_RS_4P2,
	OR_RS_8P1,
	OR_RS_8P2,
	OR_RS_16P1,
	OR_RS_16P2,

	/* Dynamic classes: DAOS picks the group count from the pool size. */
	OC_BACK_COMPAT = 50,
	OC_TINY,
	OC_SMALL,
	OC_LARGE,
	OC_MAX,
	OC_RP_TINY = 60,
	OC_RP_SMALL,
	OC_RP_LARGE,
	OC_RP_MAX,
	OC_RP_SF_TINY = 70,
	OC_RP_SF_SMALL,
	OC_RP_SF_LARGE,
	OC_RP_SF_MAX,
	OC_RP_XSF = 80,
	OC_EC_TINY = 100,
	OC_EC_SMALL,
	OC_EC_LARGE,
	OC_EC_MAX,

	/* Explicit classes without protection: S<groups>, SX = every target. */
	OC_S1  = OBJ_CLASS_DEF(OR_RP_1, 1),
	OC_S2  = OBJ_CLASS_DEF(OR_RP_1, 2),
	OC_S4  = OBJ_CLASS_DEF(OR_RP_1, 4),
	OC_S6  = OBJ_CLASS_DEF(OR_RP_1, 6),
	OC_S8  = OBJ_CLASS_DEF(OR_RP_1, 8),
	OC_S12 = OBJ_CLASS_DEF(OR_RP_1, 12),
	OC_S16 = OBJ_CLASS_DEF(OR_RP_1, 16),
	OC_S32 = OBJ_CLASS_DEF(OR_RP_1, 32),
	OC_SX  = OBJ_CLASS_DEF(OR_RP_1, MAX_NUM_GROUPS),

#define DAOS_OC_GROUPS_(pfx, redun)                                                        \
	pfx##G1 = OBJ_CLASS_DEF(redun, 1), pfx##G2 = OBJ_CLASS_DEF(redun, 2),             \
	pfx##G4 = OBJ_CLASS_DEF(redun, 4), pfx##G6 = OBJ_CLASS_DEF(redun, 6),             \
	pfx##G8 = OBJ_CLASS_DEF(redun, 8), pfx##G12 = OBJ_CLASS_DEF(redun, 12),           \
	pfx##G16 = OBJ_CLASS_DEF(redun, 16), pfx##G32 = OBJ_CLASS_DEF(redun, 32),         \
	pfx##GX = OBJ_CLASS_DEF(redun, MAX_NUM_GROUPS)

	/* Replicated: RP_<replicas>G<groups>. */
	DAOS_OC_GROUPS_(OC_RP_2, OR_RP_2),
	DAOS_OC_GROUPS_(OC_RP_3, OR_RP_3),
	DAOS_OC_GROUPS_(OC_RP_4, OR_RP_4),
	DAOS_OC_GROUPS_(OC_RP_5, OR_RP_5),
	DAOS_OC_GROUPS_(OC_RP_6, OR_RP_6),
	OC_RP_12G1  = OBJ_CLASS_DEF(OR_RP_12, 1),
	OC_RP_16G1  = OBJ_CLASS_DEF(OR_RP_16, 1),
	OC_RP_24G1  = OBJ_CLASS_DEF(OR_RP_24, 1),
	OC_RP_32G1  = OBJ_CLASS_DEF(OR_RP_32, 1),
	OC_RP_48G1  = OBJ_CLASS_DEF(OR_RP_48, 1),
	OC_RP_64G1  = OBJ_CLASS_DEF(OR_RP_64, 1),
	OC_RP_128G1 = OBJ_CLASS_DEF(OR_RP_128, 1),

	/* Erasure coded: EC_<k>P<p>G<groups>. */
	DAOS_OC_GROUPS_(OC_EC_2P1, OR_RS_2P1),
	DAOS_OC_GROUPS_(OC_EC_2P2, OR_RS_2P2),
	DAOS_OC_GROUPS_(OC_EC_4P1, OR_RS_4P1),
	DAOS_OC_GROUPS_(OC_EC_4P2, OR_RS_4P2),
	DAOS_OC_GROUPS_(OC_EC_8P1, OR_RS_8P1),
	DAOS_OC_GROUPS_(OC_EC_8P2, OR_RS_8P2),
	DAOS_OC_GROUPS_(OC_EC_16P1, OR_RS_16P1),
	DAOS_OC_GROUPS_(OC_EC_16P2, OR_RS_16P2),
#undef DAOS_OC_GROUPS_

	/** class ids at or above this are reserved */
	OC_RESERVED = 1 << 30,
};

/** Object class id. */
typedef uint32_t daos_oclass_id_t;
/** Object class hints (DAOS_OCH_* bits, defined with daos_obj_generate_oid). */
typedef uint16_t daos_oclass_hints_t;

/** Object type: how dkeys and akeys are ordered and what values hold. */
typedef enum daos_otype_t {
	DAOS_OT_MULTI_HASHED = 0,
	DAOS_OT_OIT          = 1,
	DAOS_OT_DKEY_UINT64  = 2,
	DAOS_OT_AKEY_UINT64  = 3,
	DAOS_OT_MULTI_UINT64 = 4,
	DAOS_OT_DKEY_LEXICAL = 5,
	DAOS_OT_AKEY_LEXICAL = 6,
	DAOS_OT_MULTI_LEXICAL = 7,
	DAOS_OT_KV_HASHED    = 8,
	DAOS_OT_KV_UINT64    = 9,
	DAOS_OT_KV_LEXICAL   = 10,
	DAOS_OT_ARRAY        = 11,
	DAOS_OT_ARRAY_ATTR   = 12,
	DAOS_OT_ARRAY_BYTE   = 13,
	DAOS_OT_OIT_V2       = 14,
	DAOS_OT_MAX          = DAOS_OT_OIT_V2,
} daos_otype_t;

/**
 * Class id of a class name ("S1", "SX", "RP_3G2", "EC_4P2GX", ...; exact,
 * case-sensitive match). Returns OC_UNKNOWN (0) for NULL or an unknown name.
 */
int daos_oclass_name2id(const char *name);

/**
 * Copy the name of class `oc_id` into `name`, which must hold
 * MAX_OBJ_CLASS_NAME_LEN bytes. Returns 0, or -1 for an unknown class or a
 * NULL buffer (buffer untouched).
 */
int daos_oclass_id2name(daos_oclass_id_t oc_id, char *name);

/**
 * Class encoded in an object id: OBJ_CLASS_DEF(redundancy, group count) with
 * the id's actual group count, so an "X" class reads back with the number of
 * groups it was given when the id was generated.
 */
daos_oclass_id_t daos_obj_id2class(daos_obj_id_t oid);

/** Object type encoded in an object id (bits 63..56 of hi). */
daos_otype_t daos_obj_id2type(daos_obj_id_t oid);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_OBJ_CLASS_H */
