/*
 * oclass.c: the predefined object classes (ids, names, attributes) and the
 * encoding of type, class and group count into object ids.
 *
 * The class table is not stored: it is the product of a short list of
 * redundancy methods and the group counts each supports, so names and ids
 * cannot drift apart. Stateless; every function is thread-safe.
 */
#define D_LOGFAC DD_FAC(placement)

#include <stdio.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "placement/placement.h"

/* One redundancy method and the class names built from it. */
struct oc_redun {
	uint32_t    or_redun;
	const char *or_prefix;  /* name before the group count */
	uint32_t    or_grp_size;
	uint32_t    or_ec_k;
	uint32_t    or_ec_p;
	bool        or_g1_only; /* only the one-group class exists (RP_12G1..) */
};

static const struct oc_redun oc_redun_tab[] = {
	{OR_RP_1, "S", 1, 0, 0, false},
	{OR_RP_2, "RP_2G", 2, 0, 0, false},
	{OR_RP_3, "RP_3G", 3, 0, 0, false},
	{OR_RP_4, "RP_4G", 4, 0, 0, false},
	{OR_RP_5, "RP_5G", 5, 0, 0, false},
	{OR_RP_6, "RP_6G", 6, 0, 0, false},
	{OR_RP_12, "RP_12G", 12, 0, 0, true},
	{OR_RP_16, "RP_16G", 16, 0, 0, true},
	{OR_RP_24, "RP_24G", 24, 0, 0, true},
	{OR_RP_32, "RP_32G", 32, 0, 0, true},
	{OR_RP_48, "RP_48G", 48, 0, 0, true},
	{OR_RP_64, "RP_64G", 64, 0, 0, true},
	{OR_RP_128, "RP_128G", 128, 0, 0, true},
	{OR_RS_2P1, "EC_2P1G", 3, 2, 1, false},
	{OR_RS_2P2, "EC_2P2G", 4, 2, 2, false},
	{OR_RS_4P1, "EC_4P1G", 5, 4, 1, false},
	{OR_RS_4P2, "EC_4P2G", 6, 4, 2, false},
	{OR_RS_8P1, "EC_8P1G", 9, 8, 1, false},
	{OR_RS_8P2, "EC_8P2G", 10, 8, 2, false},
	{OR_RS_16P1, "EC_16P1G", 17, 16, 1, false},
	{OR_RS_16P2, "EC_16P2G", 18, 16, 2, false},
};

#define OC_REDUN_NR (sizeof(oc_redun_tab) / sizeof(oc_redun_tab[0]))

/* Group counts of the explicit classes; the last one is "X". */
static const uint32_t oc_groups[] = {1, 2, 4, 6, 8, 12, 16, 32, MAX_NUM_GROUPS};

#define OC_GROUPS_NR (sizeof(oc_groups) / sizeof(oc_groups[0]))

static const struct oc_redun *
oc_redun_find(uint32_t redun)
{
	size_t i;

	for (i = 0; i < OC_REDUN_NR; i++)
		if (oc_redun_tab[i].or_redun == redun)
			return &oc_redun_tab[i];
	return NULL;
}

static uint32_t
oc_redun_nr_classes(const struct oc_redun *r)
{
	return r->or_g1_only ? 1 : (uint32_t)OC_GROUPS_NR;
}

int
pl_oclass_attr(daos_oclass_id_t cid, struct pl_oclass_attr *attr)
{
	const struct oc_redun *r = oc_redun_find(cid >> OC_REDUN_SHIFT);
	uint32_t               grp = cid & ((1u << OC_REDUN_SHIFT) - 1);
	uint32_t               i;

	if (r == NULL)
		return -DER_NONEXIST;
	for (i = 0; i < oc_redun_nr_classes(r); i++)
		if (oc_groups[i] == grp)
			break;
	if (i == oc_redun_nr_classes(r))
		return -DER_NONEXIST;
	attr->oa_redun    = r->or_redun;
	attr->oa_grp_size = r->or_grp_size;
	attr->oa_grp_nr   = grp;
	attr->oa_ec_k     = r->or_ec_k;
	attr->oa_ec_p     = r->or_ec_p;
	return 0;
}

uint32_t
pl_oclass_nr(void)
{
	uint32_t nr = 0;
	size_t   i;

	for (i = 0; i < OC_REDUN_NR; i++)
		nr += oc_redun_nr_classes(&oc_redun_tab[i]);
	return nr;
}

daos_oclass_id_t
pl_oclass_at(uint32_t idx)
{
	size_t i;

	for (i = 0; i < OC_REDUN_NR; i++) {
		uint32_t nr = oc_redun_nr_classes(&oc_redun_tab[i]);

		if (idx < nr)
			return OBJ_CLASS_DEF(oc_redun_tab[i].or_redun, oc_groups[idx]);
		idx -= nr;
	}
	return OC_UNKNOWN;
}

/* Name of a known class; buf holds MAX_OBJ_CLASS_NAME_LEN bytes. */
static void
oc_name(const struct oc_redun *r, uint32_t grp, char *buf)
{
	if (grp == MAX_NUM_GROUPS)
		snprintf(buf, MAX_OBJ_CLASS_NAME_LEN, "%sX", r->or_prefix);
	else
		snprintf(buf, MAX_OBJ_CLASS_NAME_LEN, "%s%u", r->or_prefix, grp);
}

int
daos_oclass_id2name(daos_oclass_id_t oc_id, char *name)
{
	struct pl_oclass_attr attr;

	if (name == NULL || pl_oclass_attr(oc_id, &attr) != 0)
		return -1;
	oc_name(oc_redun_find(attr.oa_redun), attr.oa_grp_nr, name);
	return 0;
}

int
daos_oclass_name2id(const char *name)
{
	char     buf[MAX_OBJ_CLASS_NAME_LEN];
	uint32_t i;
	uint32_t nr = pl_oclass_nr();

	if (name == NULL || strnlen(name, MAX_OBJ_CLASS_NAME_LEN) == MAX_OBJ_CLASS_NAME_LEN)
		return OC_UNKNOWN;
	for (i = 0; i < nr; i++) {
		daos_oclass_id_t cid = pl_oclass_at(i);

		if (daos_oclass_id2name(cid, buf) == 0 && strcmp(buf, name) == 0)
			return (int)cid;
	}
	return OC_UNKNOWN;
}

uint32_t
pl_oid_redun(daos_obj_id_t oid)
{
	return (uint32_t)(oid.hi >> OID_FMT_CLASS_SHIFT) & ((1u << OID_FMT_CLASS_BITS) - 1);
}

uint32_t
pl_oid_grp_nr(daos_obj_id_t oid)
{
	return (uint32_t)(oid.hi >> OID_FMT_META_SHIFT) & ((1u << OID_FMT_META_BITS) - 1);
}

daos_oclass_id_t
daos_obj_id2class(daos_obj_id_t oid)
{
	return OBJ_CLASS_DEF(pl_oid_redun(oid), pl_oid_grp_nr(oid));
}

daos_otype_t
daos_obj_id2type(daos_obj_id_t oid)
{
	return (daos_otype_t)(oid.hi >> OID_FMT_TYPE_SHIFT);
}

static bool
oc_type_wants_max(daos_otype_t type)
{
	switch (type) {
	case DAOS_OT_ARRAY:
	case DAOS_OT_ARRAY_ATTR:
	case DAOS_OT_ARRAY_BYTE:
	case DAOS_OT_KV_HASHED:
	case DAOS_OT_KV_UINT64:
	case DAOS_OT_KV_LEXICAL:
		return true;
	default:
		return false;
	}
}

static bool
oc_one_bit_at_most(uint32_t v)
{
	return (v & (v - 1)) == 0;
}

/*
 * Choose the class for OC_UNKNOWN from the hints. Only redundancy factor 0
 * exists until the redundancy work: the method is RP_1 and the hints pick the
 * group count (DAOS's sharding rules; counts above the pool size are capped).
 */
static int
oc_from_hints(daos_otype_t type, daos_oclass_hints_t hints, uint32_t nr_targets,
	      uint32_t *grp_nr, char *errbuf, size_t errlen)
{
	uint32_t rdd = hints & PL_OCH_RDD_MASK;
	uint32_t shd = hints & PL_OCH_SHD_MASK;
	uint32_t grp;

	if ((hints & ~(PL_OCH_RDD_MASK | PL_OCH_SHD_MASK)) != 0) {
		d_errbuf_printf(errbuf, errlen, "unknown object class hint bits 0x%x",
				(unsigned)(hints & ~(PL_OCH_RDD_MASK | PL_OCH_SHD_MASK)));
		return -DER_INVAL;
	}
	if (!oc_one_bit_at_most(rdd)) {
		d_errbuf_printf(errbuf, errlen, "conflicting redundancy hints 0x%x", rdd);
		return -DER_INVAL;
	}
	if (!oc_one_bit_at_most(shd)) {
		d_errbuf_printf(errbuf, errlen, "conflicting sharding hints 0x%x", shd);
		return -DER_INVAL;
	}
	if (rdd == PL_OCH_RDD_RP || rdd == PL_OCH_RDD_EC) {
		d_errbuf_printf(errbuf, errlen,
				"%s hint: redundancy classes arrive with the redundancy work",
				rdd == PL_OCH_RDD_RP ? "replication" : "erasure code");
		return -DER_NOSYS;
	}

	switch (shd) {
	case 0:
	case PL_OCH_SHD_DEF:
		grp = oc_type_wants_max(type) ? MAX_NUM_GROUPS : 1;
		break;
	case PL_OCH_SHD_TINY:
		grp = 1;
		break;
	case PL_OCH_SHD_REG:
		grp = (uint32_t)((uint64_t)nr_targets * 25 / 100);
		grp = grp < 128 ? 128 : grp;
		break;
	case PL_OCH_SHD_HI:
		grp = (uint32_t)((uint64_t)nr_targets * 50 / 100);
		grp = grp < 256 ? 256 : grp;
		break;
	case PL_OCH_SHD_EXT:
		grp = (uint32_t)((uint64_t)nr_targets * 80 / 100);
		grp = grp < 1024 ? 1024 : grp;
		break;
	default: /* PL_OCH_SHD_MAX */
		grp = MAX_NUM_GROUPS;
		break;
	}
	if (grp > nr_targets)
		grp = nr_targets;
	if (grp > MAX_NUM_GROUPS)
		grp = MAX_NUM_GROUPS;
	*grp_nr = grp;
	return 0;
}

int
pl_oid_generate_msg(daos_obj_id_t *oid, daos_otype_t type, daos_oclass_id_t cid,
		    daos_oclass_hints_t hints, uint32_t nr_targets, char *errbuf, size_t errlen)
{
	struct pl_oclass_attr attr;
	char                  name[MAX_OBJ_CLASS_NAME_LEN];
	uint32_t              grp;
	int                   rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (oid == NULL) {
		d_errbuf_printf(errbuf, errlen, "no object id to encode into");
		return -DER_INVAL;
	}
	if ((uint32_t)type > DAOS_OT_MAX) {
		d_errbuf_printf(errbuf, errlen, "object type %u is not a DAOS object type (0..%u)",
				(unsigned)type, (unsigned)DAOS_OT_MAX);
		return -DER_INVAL;
	}
	if (nr_targets == 0) {
		d_errbuf_printf(errbuf, errlen, "the pool has no targets");
		return -DER_INVAL;
	}

	if (cid == OC_UNKNOWN) {
		rc = oc_from_hints(type, hints, nr_targets, &grp, errbuf, errlen);
		if (rc != 0)
			return rc;
		attr.oa_redun    = OR_RP_1;
		attr.oa_grp_size = 1;
	} else {
		if (cid > OC_BACK_COMPAT && cid <= OC_EC_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"dynamic object class %u: dynamic classes arrive with "
					"the redundancy work",
					(unsigned)cid);
			return -DER_NOSYS;
		}
		if (pl_oclass_attr(cid, &attr) != 0) {
			d_errbuf_printf(errbuf, errlen, "unknown object class 0x%x",
					(unsigned)cid);
			return -DER_INVAL;
		}
		oc_name(oc_redun_find(attr.oa_redun), attr.oa_grp_nr, name);
		if (attr.oa_redun != OR_RP_1) {
			d_errbuf_printf(errbuf, errlen,
					"object class %s: redundancy classes arrive with the "
					"redundancy work",
					name);
			return -DER_NOSYS;
		}
		if (attr.oa_grp_size > nr_targets) {
			d_errbuf_printf(errbuf, errlen,
					"object class %s needs groups of %u targets, the pool "
					"has %u",
					name, attr.oa_grp_size, nr_targets);
			return -DER_INVAL;
		}
		if (attr.oa_grp_nr == MAX_NUM_GROUPS) {
			grp = nr_targets / attr.oa_grp_size;
			if (grp > MAX_NUM_GROUPS)
				grp = MAX_NUM_GROUPS;
		} else if ((uint64_t)attr.oa_grp_nr * attr.oa_grp_size > nr_targets) {
			d_errbuf_printf(errbuf, errlen,
					"object class %s needs %u targets, the pool has %u", name,
					attr.oa_grp_nr * attr.oa_grp_size, nr_targets);
			return -DER_INVAL;
		} else {
			grp = attr.oa_grp_nr;
		}
	}
	if (grp == 0)
		grp = 1;

	oid->hi = (oid->hi & OID_FMT_USER_MASK) | ((uint64_t)type << OID_FMT_TYPE_SHIFT) |
		  ((uint64_t)attr.oa_redun << OID_FMT_CLASS_SHIFT) |
		  ((uint64_t)grp << OID_FMT_META_SHIFT);
	return 0;
}

int
pl_oid_generate(daos_obj_id_t *oid, daos_otype_t type, daos_oclass_id_t cid,
		daos_oclass_hints_t hints, uint32_t nr_targets)
{
	char err[160];
	int  rc;

	rc = pl_oid_generate_msg(oid, type, cid, hints, nr_targets, err, sizeof(err));
	if (rc != 0)
		D_ERROR("object id generation refused: %s: " DF_RC "\n", err, DP_RC(rc));
	return rc;
}
