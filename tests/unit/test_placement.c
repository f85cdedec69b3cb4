/*
 * test_placement.c: libplacement (src/placement): object class ids and
 * names, object id encoding and generation, the pool map (build, states,
 * wire encoding, strict decoding of every class of bad input) and jump
 * placement (determinism, balance, spread, minimal movement, dkeys).
 * Invariants cited are those of placement.h (map) and jump.c (layout).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <daos_errno.h>
#include <daos_obj_class.h>
#include "gurt/checksum.h"
#include "placement/placement.h"

/* ---- helpers ---- */

/* A map of nr_ranks ranks 0.. (hosts "nodeN") with tgts targets each. */
static struct pl_pool_map *
make_map(uint32_t nr_ranks, uint32_t tgts)
{
	struct pl_rank_desc *d     = calloc(nr_ranks, sizeof(*d));
	char (*names)[16]          = calloc(nr_ranks, sizeof(*names));
	struct pl_pool_map  *map   = NULL;
	char                 err[128];
	uint32_t             i;

	assert_non_null(d);
	assert_non_null(names);
	for (i = 0; i < nr_ranks; i++) {
		snprintf(names[i], sizeof(names[i]), "node%u", i);
		d[i].rd_rank       = i;
		d[i].rd_domain     = names[i];
		d[i].rd_nr_targets = tgts;
	}
	assert_int_equal(pl_map_create(d, nr_ranks, &map, err, sizeof(err)), 0);
	free(d);
	free(names);
	return map;
}

static daos_obj_id_t
gen_oid(uint64_t lo, daos_otype_t type, daos_oclass_id_t cid, uint32_t nr_targets)
{
	daos_obj_id_t oid = {.lo = lo, .hi = 0};

	assert_int_equal(pl_oid_generate(&oid, type, cid, 0, nr_targets), 0);
	return oid;
}

static void
check_layout_valid(const struct pl_pool_map *map, const struct pl_obj_layout *l)
{
	uint32_t s;

	for (s = 0; s < l->ol_nr; s++) {
		const struct pl_shard *sh = &l->ol_shards[s];

		assert_true(sh->ps_tgt_id < map->pm_nr_targets);
		assert_int_equal(map->pm_targets[sh->ps_tgt_id].pt_rank, sh->ps_rank);
		assert_int_equal(map->pm_targets[sh->ps_tgt_id].pt_index, sh->ps_tgt_idx);
		assert_true(pl_target_available(map->pm_targets[sh->ps_tgt_id].pt_state));
	}
}

/* ---- object classes ---- */

/* PL01: class ids and redundancy codes have DAOS's numeric values */
static void
pl01_class_ids(void **state)
{
	(void)state;
	assert_int_equal(OC_REDUN_SHIFT, 24);
	assert_int_equal(MAX_NUM_GROUPS, 65535);
	assert_int_equal(OR_RP_1, 1);
	assert_int_equal(OR_RP_2, 8);
	assert_int_equal(OR_RP_3, 9);
	assert_int_equal(OR_RP_6, 12);
	assert_int_equal(OR_RP_8, 13);
	assert_int_equal(OR_RP_128, 20);
	assert_int_equal(OR_RS_2P1, 32);
	assert_int_equal(OR_RS_4P2, 35);
	assert_int_equal(OR_RS_16P2, 39);
	assert_int_equal(OC_S1, 0x01000001);
	assert_int_equal(OC_S2, 0x01000002);
	assert_int_equal(OC_S32, 0x01000020);
	assert_int_equal(OC_SX, 0x0100ffff);
	assert_int_equal(OC_RP_2G1, 0x08000001);
	assert_int_equal(OC_RP_3GX, 0x0900ffff);
	assert_int_equal(OC_RP_128G1, 0x14000001);
	assert_int_equal(OC_EC_2P1G1, 0x20000001);
	assert_int_equal(OC_EC_4P2GX, 0x2300ffff);
	assert_int_equal(OC_EC_8P2G32, 0x25000020);
	assert_int_equal(OC_EC_16P2GX, 0x2700ffff);
	assert_int_equal(OC_TINY, 51);
	assert_int_equal(OC_RP_XSF, 80);
	assert_int_equal(OC_EC_MAX, 103);
	assert_int_equal(DAOS_OT_MULTI_HASHED, 0);
	assert_int_equal(DAOS_OT_KV_HASHED, 8);
	assert_int_equal(DAOS_OT_ARRAY, 11);
	assert_int_equal(DAOS_OT_ARRAY_BYTE, 13);
	/* 9 S + 5 x 9 RP + 7 RP_nG1 + 8 x 9 EC */
	assert_int_equal(pl_oclass_nr(), 9 + 45 + 7 + 72);
}

/* PL02: names: the ones DAOS prints, round trip of every class, unknowns refused */
static void
pl02_class_names(void **state)
{
	static const struct {
		const char      *name;
		daos_oclass_id_t id;
	} tab[] = {
	    {"S1", OC_S1},         {"S2", OC_S2},           {"S12", OC_S12},
	    {"SX", OC_SX},         {"RP_2G1", OC_RP_2G1},   {"RP_3GX", OC_RP_3GX},
	    {"RP_6G32", OC_RP_6G32}, {"RP_12G1", OC_RP_12G1}, {"RP_128G1", OC_RP_128G1},
	    {"EC_2P1G1", OC_EC_2P1G1}, {"EC_4P2GX", OC_EC_4P2GX}, {"EC_16P2G8", OC_EC_16P2G8},
	};
	static const char *bad[] = {"", "S3", "s1", "SXX", "S1 ", "RP_2G3", "RP_12G2", "RP_7G1",
				    "EC_3P1G1", "OC_S1", "EC_4P2G", "S0",
				    "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS1"};
	char     buf[MAX_OBJ_CLASS_NAME_LEN];
	uint32_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		assert_int_equal(daos_oclass_name2id(tab[i].name), tab[i].id);
		assert_int_equal(daos_oclass_id2name(tab[i].id, buf), 0);
		assert_string_equal(buf, tab[i].name);
	}
	for (i = 0; i < pl_oclass_nr(); i++) {
		daos_oclass_id_t id = pl_oclass_at(i);

		assert_int_not_equal(id, OC_UNKNOWN);
		assert_int_equal(daos_oclass_id2name(id, buf), 0);
		assert_int_equal(daos_oclass_name2id(buf), id);
	}
	assert_int_equal(pl_oclass_at(pl_oclass_nr()), OC_UNKNOWN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(daos_oclass_name2id(bad[i]), OC_UNKNOWN);
	assert_int_equal(daos_oclass_name2id(NULL), OC_UNKNOWN);

	strcpy(buf, "untouched");
	assert_int_equal(daos_oclass_id2name(OC_UNKNOWN, buf), -1);
	assert_int_equal(daos_oclass_id2name(OBJ_CLASS_DEF(OR_RP_1, 3), buf), -1);
	assert_int_equal(daos_oclass_id2name(OC_TINY, buf), -1);
	assert_int_equal(daos_oclass_id2name(OBJ_CLASS_DEF(OR_RP_12, 2), buf), -1);
	assert_int_equal(daos_oclass_id2name(OBJ_CLASS_DEF(7, 1), buf), -1);
	assert_string_equal(buf, "untouched");
	assert_int_equal(daos_oclass_id2name(OC_S1, NULL), -1);
}

/* PL03: generated ids carry type, redundancy and groups; the user's 96 bits stay */
static void
pl03_oid_encode(void **state)
{
	daos_obj_id_t oid = {.lo = 0x1122334455667788ULL, .hi = 0xffffffffdeadbeefULL};
	char          err[160];

	(void)state;
	assert_int_equal(pl_oid_generate_msg(&oid, DAOS_OT_DKEY_UINT64, OC_S4, 0, 16, err,
					     sizeof(err)),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(oid.lo, 0x1122334455667788ULL);
	assert_int_equal(oid.hi, 0x0201000400000000ULL | 0xdeadbeefULL);
	assert_int_equal(daos_obj_id2type(oid), DAOS_OT_DKEY_UINT64);
	assert_int_equal(daos_obj_id2class(oid), OC_S4);
	assert_int_equal(pl_oid_redun(oid), OR_RP_1);
	assert_int_equal(pl_oid_grp_nr(oid), 4);

	/* regenerating replaces the DAOS bits */
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_S1, 0, 16), 0);
	assert_int_equal(oid.hi, 0x0b01000100000000ULL | 0xdeadbeefULL);

	/* SX: the group count is the target count (S group size 1) */
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_KV_HASHED, OC_SX, 0, 48), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 48);
	assert_int_equal(daos_obj_id2class(oid), OBJ_CLASS_DEF(OR_RP_1, 48));
	assert_int_equal(daos_obj_id2type(oid), DAOS_OT_KV_HASHED);
	/* ... capped at what 16 bits hold */
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_SX, 0, 100000), 0);
	assert_int_equal(pl_oid_grp_nr(oid), MAX_NUM_GROUPS);
	/* a class exactly as large as the pool is fine */
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_OIT_V2, OC_S32, 0, 32), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 32);
	assert_int_equal(daos_obj_id2type(oid), DAOS_OT_OIT_V2);
}

/* PL04: OC_UNKNOWN picks the default class from the type and the hints */
static void
pl04_oid_default_class(void **state)
{
	daos_obj_id_t oid;

	(void)state;
	/* no hints, redundancy factor 0: arrays and KVs get SX, others S1 */
	oid = (daos_obj_id_t){.lo = 1};
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_UNKNOWN, 0, 24), 0);
	assert_int_equal(daos_obj_id2class(oid), OBJ_CLASS_DEF(OR_RP_1, 24));
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY_BYTE, OC_UNKNOWN, 0, 24), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 24);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_KV_LEXICAL, OC_UNKNOWN, 0, 24), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 24);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_MULTI_HASHED, OC_UNKNOWN, 0, 24), 0);
	assert_int_equal(daos_obj_id2class(oid), OC_S1);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_MULTI_HASHED, OC_UNKNOWN,
					 PL_OCH_RDD_NO | PL_OCH_SHD_DEF, 24),
			 0);
	assert_int_equal(daos_obj_id2class(oid), OC_S1);
	/* sharding hints */
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_SHD_TINY, 24), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 1);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_MULTI_HASHED, OC_UNKNOWN,
					 PL_OCH_SHD_MAX | PL_OCH_RDD_DEF, 24),
			 0);
	assert_int_equal(pl_oid_grp_nr(oid), 24);
	/* REG = max(128, 25%) capped at the pool */
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_SHD_REG, 24), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 24);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_SHD_REG, 1000), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 250);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_SHD_HI, 1000), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 500);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_SHD_EXT, 1000), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 1000);
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_SHD_EXT, 2000), 0);
	assert_int_equal(pl_oid_grp_nr(oid), 1600);
	/* explicit classes ignore the hints */
	assert_int_equal(pl_oid_generate(&oid, DAOS_OT_ARRAY, OC_S2, 0xffff, 24), 0);
	assert_int_equal(daos_obj_id2class(oid), OC_S2);
}

static void
check_gen_err(daos_otype_t type, daos_oclass_id_t cid, daos_oclass_hints_t hints,
	      uint32_t nr_targets, int want_rc, const char *want_msg)
{
	daos_obj_id_t oid = {.lo = 5, .hi = 6};
	char          err[160];

	assert_int_equal(pl_oid_generate_msg(&oid, type, cid, hints, nr_targets, err,
					     sizeof(err)),
			 want_rc);
	assert_string_equal(err, want_msg);
	assert_int_equal(oid.lo, 5);
	assert_int_equal(oid.hi, 6);
	/* the logging variant refuses the same way */
	assert_int_equal(pl_oid_generate(&oid, type, cid, hints, nr_targets), want_rc);
	assert_int_equal(oid.hi, 6);
}

/* PL05: generate refuses RP/EC/dynamic classes, oversize classes and bad input */
static void
pl05_oid_refusals(void **state)
{
	(void)state;
	check_gen_err(DAOS_OT_ARRAY, OC_RP_2G1, 0, 16, -DER_NOSYS,
		      "object class RP_2G1: redundancy classes arrive with the redundancy work");
	check_gen_err(DAOS_OT_ARRAY, OC_RP_3GX, 0, 16, -DER_NOSYS,
		      "object class RP_3GX: redundancy classes arrive with the redundancy work");
	check_gen_err(DAOS_OT_ARRAY, OC_EC_4P2GX, 0, 16, -DER_NOSYS,
		      "object class EC_4P2GX: redundancy classes arrive with the redundancy "
		      "work");
	check_gen_err(DAOS_OT_ARRAY, OC_EC_2P1G1, 0, 16, -DER_NOSYS,
		      "object class EC_2P1G1: redundancy classes arrive with the redundancy "
		      "work");
	check_gen_err(DAOS_OT_ARRAY, OC_RP_TINY, 0, 16, -DER_NOSYS,
		      "dynamic object class 60: dynamic classes arrive with the redundancy "
		      "work");
	check_gen_err(DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_RDD_RP, 16, -DER_NOSYS,
		      "replication hint: redundancy classes arrive with the redundancy work");
	check_gen_err(DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_RDD_EC, 16, -DER_NOSYS,
		      "erasure code hint: redundancy classes arrive with the redundancy work");
	check_gen_err(DAOS_OT_ARRAY, OC_S32, 0, 16, -DER_INVAL,
		      "object class S32 needs 32 targets, the pool has 16");
	check_gen_err(DAOS_OT_ARRAY, OC_S2, 0, 1, -DER_INVAL,
		      "object class S2 needs 2 targets, the pool has 1");
	check_gen_err(DAOS_OT_ARRAY, OC_S1, 0, 0, -DER_INVAL, "the pool has no targets");
	check_gen_err(DAOS_OT_ARRAY, OBJ_CLASS_DEF(OR_RP_1, 3), 0, 16, -DER_INVAL,
		      "unknown object class 0x1000003");
	check_gen_err(DAOS_OT_ARRAY, OC_RESERVED, 0, 16, -DER_INVAL,
		      "unknown object class 0x40000000");
	check_gen_err((daos_otype_t)15, OC_S1, 0, 16, -DER_INVAL,
		      "object type 15 is not a DAOS object type (0..14)");
	check_gen_err(DAOS_OT_ARRAY, OC_UNKNOWN, 0x8000, 16, -DER_INVAL,
		      "unknown object class hint bits 0x8000");
	check_gen_err(DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_RDD_NO | PL_OCH_RDD_DEF, 16, -DER_INVAL,
		      "conflicting redundancy hints 0x3");
	check_gen_err(DAOS_OT_ARRAY, OC_UNKNOWN, PL_OCH_SHD_TINY | PL_OCH_SHD_MAX, 16,
		      -DER_INVAL, "conflicting sharding hints 0x220");
	assert_int_equal(pl_oid_generate(NULL, DAOS_OT_ARRAY, OC_S1, 0, 16), -DER_INVAL);
}

/* ---- pool map ---- */

/* PL06: a map is built sorted with global target ids; bad descriptions refused */
static void
pl06_map_create(void **state)
{
	struct pl_rank_desc d[3] = {{7, "hostC", 2}, {2, "hostA", 3}, {5, "hostB", 1}};
	struct pl_rank_desc bad;
	struct pl_pool_map *map = NULL;
	char                err[160];
	char                longdom[PL_DOMAIN_MAX + 2];
	struct pl_rank_desc *many;
	const struct pl_rank *r;
	uint32_t            i;

	(void)state;
	assert_int_equal(pl_map_create(d, 3, &map, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(map->pm_version, 1);
	assert_int_equal(map->pm_nr_ranks, 3);
	assert_int_equal(map->pm_nr_targets, 6);
	assert_int_equal(map->pm_ranks[0].pr_rank, 2);
	assert_string_equal(map->pm_ranks[0].pr_domain, "hostA");
	assert_int_equal(map->pm_ranks[1].pr_rank, 5);
	assert_int_equal(map->pm_ranks[1].pr_tgt_first, 3);
	assert_int_equal(map->pm_ranks[2].pr_rank, 7);
	assert_int_equal(map->pm_ranks[2].pr_tgt_first, 4);
	assert_int_equal(map->pm_targets[5].pt_rank, 7);
	assert_int_equal(map->pm_targets[5].pt_index, 1);
	for (i = 0; i < 6; i++)
		assert_int_equal(map->pm_targets[i].pt_state, PL_UP_IN);
	r = pl_map_find_rank(map, 5);
	assert_non_null(r);
	assert_string_equal(r->pr_domain, "hostB");
	assert_null(pl_map_find_rank(map, 6));
	assert_null(pl_map_find_rank(map, 0));
	assert_null(pl_map_find_rank(map, 100));
	pl_map_free(map);
	pl_map_free(NULL);

	map = NULL;
	assert_int_equal(pl_map_create(d, 0, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "a pool map needs at least one rank");
	assert_int_equal(pl_map_create(NULL, 3, &map, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(pl_map_create(d, PL_RANKS_MAX + 1, &map, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "16385 ranks, at most 16384 are supported");

	bad = (struct pl_rank_desc){3, "h", 0};
	assert_int_equal(pl_map_create(&bad, 1, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "rank 3: 0 targets, a rank has 1 to 64");
	bad.rd_nr_targets = 65;
	assert_int_equal(pl_map_create(&bad, 1, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "rank 3: 65 targets, a rank has 1 to 64");
	bad = (struct pl_rank_desc){3, "", 1};
	assert_int_equal(pl_map_create(&bad, 1, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "rank 3: empty fault domain");
	bad.rd_domain = NULL;
	assert_int_equal(pl_map_create(&bad, 1, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "rank 3: empty fault domain");
	bad.rd_domain = "host 1";
	assert_int_equal(pl_map_create(&bad, 1, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "rank 3: fault domain has a byte 0x20 at offset 4 (printable "
				 "ASCII only)");
	memset(longdom, 'a', sizeof(longdom) - 1);
	longdom[sizeof(longdom) - 1] = '\0';
	bad.rd_domain                = longdom;
	assert_int_equal(pl_map_create(&bad, 1, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "rank 3: fault domain longer than 255 bytes");
	longdom[PL_DOMAIN_MAX] = '\0'; /* exactly the limit is fine */
	assert_int_equal(pl_map_create(&bad, 1, &map, err, sizeof(err)), 0);
	pl_map_free(map);
	map = NULL;

	d[2].rd_rank = 2;
	assert_int_equal(pl_map_create(d, 3, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "rank 2 is listed twice");
	assert_null(map);

	/* the largest map: PL_RANKS_MAX ranks */
	many = calloc(PL_RANKS_MAX, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i < PL_RANKS_MAX; i++)
		many[i] = (struct pl_rank_desc){PL_RANKS_MAX - i, "h", 2};
	assert_int_equal(pl_map_create(many, PL_RANKS_MAX, &map, err, sizeof(err)), 0);
	assert_int_equal(map->pm_nr_targets, 2 * PL_RANKS_MAX);
	assert_int_equal(map->pm_ranks[0].pr_rank, 1);
	pl_map_free(map);
	free(many);
}

/* PL07: state changes bump the version once (invariant 5); bad changes refused */
static void
pl07_map_states(void **state)
{
	struct pl_pool_map *map = make_map(2, 4);
	struct pl_pool_map *dup = NULL;
	uint32_t            t;

	(void)state;
	assert_int_equal(pl_map_set_target_state(map, 1, 2, PL_DOWN), 0);
	assert_int_equal(map->pm_version, 2);
	assert_int_equal(map->pm_targets[6].pt_state, PL_DOWN);
	assert_int_equal(pl_map_set_target_state(map, 1, 2, PL_DOWN), 0); /* no change */
	assert_int_equal(map->pm_version, 2);
	assert_int_equal(pl_map_set_target_state(map, 1, 2, PL_DOWN_OUT), 0);
	assert_int_equal(map->pm_version, 3);
	assert_int_equal(pl_map_set_target_state(map, 1, 4, PL_DOWN), -DER_NONEXIST);
	assert_int_equal(pl_map_set_target_state(map, 9, 0, PL_DOWN), -DER_NONEXIST);
	assert_int_equal(pl_map_set_target_state(map, 1, 0, 0x40), -DER_INVAL);
	assert_int_equal(pl_map_set_target_state(map, 1, 0, 0), -DER_INVAL);
	assert_int_equal(map->pm_version, 3);

	assert_int_equal(pl_map_dup(map, &dup), 0);
	assert_int_equal(pl_map_set_rank_state(map, 0, PL_DRAIN), 0);
	assert_int_equal(map->pm_version, 4);
	for (t = 0; t < 4; t++)
		assert_int_equal(map->pm_targets[t].pt_state, PL_DRAIN);
	assert_int_equal(map->pm_ranks[0].pr_state, PL_DRAIN);
	assert_int_equal(pl_map_set_rank_state(map, 0, PL_DRAIN), 0);
	assert_int_equal(map->pm_version, 4);
	/* a rank whose state matches but with one target off still changes */
	assert_int_equal(pl_map_set_target_state(map, 0, 3, PL_UP), 0);
	assert_int_equal(pl_map_set_rank_state(map, 0, PL_DRAIN), 0);
	assert_int_equal(map->pm_version, 6);
	assert_int_equal(pl_map_set_rank_state(map, 3, PL_DOWN), -DER_NONEXIST);
	assert_int_equal(pl_map_set_rank_state(map, 0, 0x3), -DER_INVAL);
	/* the copy did not follow */
	assert_int_equal(dup->pm_version, 3);
	assert_int_equal(dup->pm_targets[0].pt_state, PL_UP_IN);

	map->pm_version = UINT32_MAX;
	assert_int_equal(pl_map_set_target_state(map, 0, 0, PL_DOWN), -DER_OVERFLOW);
	assert_int_equal(pl_map_set_rank_state(map, 1, PL_DOWN), -DER_OVERFLOW);
	assert_int_equal(map->pm_targets[0].pt_state, PL_DRAIN);

	assert_string_equal(pl_state_name(PL_UP_IN), "up_in");
	assert_string_equal(pl_state_name(PL_DOWN_OUT), "down_out");
	assert_string_equal(pl_state_name(PL_NEW), "new");
	assert_string_equal(pl_state_name(7), "unknown");
	assert_true(pl_target_available(PL_UP_IN));
	assert_true(pl_target_available(PL_UP));
	assert_true(pl_target_available(PL_DRAIN));
	assert_false(pl_target_available(PL_NEW));
	assert_false(pl_target_available(PL_DOWN));
	assert_false(pl_target_available(PL_DOWN_OUT));
	pl_map_free(map);
	pl_map_free(dup);
}

static void
assert_maps_equal(const struct pl_pool_map *a, const struct pl_pool_map *b)
{
	uint32_t i;

	assert_int_equal(a->pm_version, b->pm_version);
	assert_int_equal(a->pm_nr_ranks, b->pm_nr_ranks);
	assert_int_equal(a->pm_nr_targets, b->pm_nr_targets);
	for (i = 0; i < a->pm_nr_ranks; i++) {
		assert_int_equal(a->pm_ranks[i].pr_rank, b->pm_ranks[i].pr_rank);
		assert_int_equal(a->pm_ranks[i].pr_state, b->pm_ranks[i].pr_state);
		assert_int_equal(a->pm_ranks[i].pr_nr_targets, b->pm_ranks[i].pr_nr_targets);
		assert_int_equal(a->pm_ranks[i].pr_tgt_first, b->pm_ranks[i].pr_tgt_first);
		assert_string_equal(a->pm_ranks[i].pr_domain, b->pm_ranks[i].pr_domain);
	}
	assert_memory_equal(a->pm_targets, b->pm_targets,
			    a->pm_nr_targets * sizeof(*a->pm_targets));
}

/* A small map with varied states, encoded; caller frees *bufp. */
static size_t
encoded_sample(uint8_t **bufp, struct pl_pool_map **mapp)
{
	struct pl_rank_desc d[2] = {{4, "nodeA", 2}, {9, "n9", 3}};
	struct pl_pool_map *map;
	char                err[128];
	size_t              len;
	uint8_t            *buf;

	assert_int_equal(pl_map_create(d, 2, &map, err, sizeof(err)), 0);
	assert_int_equal(pl_map_set_target_state(map, 9, 1, PL_DOWN), 0);
	assert_int_equal(pl_map_set_target_state(map, 4, 0, PL_NEW), 0);
	len = pl_map_encoded_size(map);
	/* header + 2 x 12 + "nodeA" + "n9" + 5 states + CRC */
	assert_int_equal(len, 20 + 24 + 5 + 2 + 5 + 4);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(pl_map_encode(map, buf, len, NULL), 0);
	*bufp = buf;
	if (mapp != NULL)
		*mapp = map;
	else
		pl_map_free(map);
	return len;
}

/* PL08: encode/decode round trip; the encoder refuses a short buffer */
static void
pl08_map_roundtrip(void **state)
{
	struct pl_pool_map *map, *dec = NULL, *big;
	uint8_t            *buf, *buf2;
	size_t              len, need = 0;
	char                err[160];

	(void)state;
	len = encoded_sample(&buf, &map);
	assert_int_equal(pl_map_decode(buf, len, &dec, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_maps_equal(map, dec);
	/* stable bytes: the header as specified */
	assert_int_equal(buf[0], 0x50);
	assert_int_equal(buf[3], 0x50);
	assert_int_equal(buf[4], 1);
	assert_int_equal(buf[8], 3); /* version 3 after two changes */
	assert_int_equal(buf[12], 2);
	assert_int_equal(buf[16], 5);

	buf2 = malloc(len);
	assert_non_null(buf2);
	memset(buf2, 0xa5, len);
	assert_int_equal(pl_map_encode(map, buf2, len - 1, &need), -DER_TRUNC);
	assert_int_equal(need, len);
	assert_int_equal(buf2[0], 0xa5);
	assert_int_equal(pl_map_encode(map, NULL, 0, &need), -DER_TRUNC);
	assert_int_equal(pl_map_encode(dec, buf2, len, NULL), 0);
	assert_memory_equal(buf, buf2, len);
	free(buf2);
	pl_map_free(dec);
	pl_map_free(map);
	free(buf);

	/* a large map */
	big = make_map(1000, 8);
	assert_int_equal(pl_map_set_rank_state(big, 500, PL_DOWN), 0);
	len = pl_map_encoded_size(big);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(pl_map_encode(big, buf, len, NULL), 0);
	assert_int_equal(pl_map_decode(buf, len, &dec, err, sizeof(err)), 0);
	assert_maps_equal(big, dec);
	pl_map_free(dec);
	pl_map_free(big);
	free(buf);
}

/* Patch a copy of an encoded map, fix its CRC, and expect a refusal. */
static void
check_decode_err(const uint8_t *good, size_t len, size_t off, const void *patch, size_t plen,
		 int want_rc, const char *want_msg)
{
	uint8_t            *buf = malloc(len);
	struct pl_pool_map *map = NULL;
	char                err[256];
	uint32_t            crc;

	assert_non_null(buf);
	memcpy(buf, good, len);
	memcpy(buf + off, patch, plen);
	crc = d_crc32c(0, buf, len - 4);
	buf[len - 4] = (uint8_t)crc;
	buf[len - 3] = (uint8_t)(crc >> 8);
	buf[len - 2] = (uint8_t)(crc >> 16);
	buf[len - 1] = (uint8_t)(crc >> 24);
	assert_int_equal(pl_map_decode(buf, len, &map, err, sizeof(err)), want_rc);
	assert_string_equal(err, want_msg);
	assert_null(map);
	free(buf);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* PL09: every class of bad encoded map is refused with the field named */
static void
pl09_map_decode_bad(void **state)
{
	struct pl_pool_map *map = NULL;
	uint8_t            *buf, *big;
	uint8_t             v[4];
	size_t              len, i;
	char                err[256];
	int                 rc;

	(void)state;
	len = encoded_sample(&buf, NULL);

	/* truncated at every offset */
	for (i = 0; i < len; i++) {
		rc = pl_map_decode(buf, i, &map, err, sizeof(err));
		assert_int_equal(rc, -DER_INVAL);
		assert_null(map);
		assert_true(strncmp(err, "pool map truncated", 18) == 0);
	}
	assert_int_equal(pl_map_decode(buf, 0, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "pool map truncated: 0 bytes, the header alone needs 20");
	assert_int_equal(pl_map_decode(buf, 20, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "pool map truncated: 20 bytes, header and CRC need 24");
	assert_int_equal(pl_map_decode(buf, 30, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "pool map truncated: 2 ranks and 5 targets cannot fit in 6 "
				 "bytes");
	assert_int_equal(pl_map_decode(buf, len - 1, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "pool map truncated in rank 9 (domain and target states)");
	assert_int_equal(pl_map_decode(NULL, 4, &map, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "no buffer");

	/* trailing bytes (CRC fixed up): the entries end before the CRC does */
	big = calloc(1, len + 3);
	assert_non_null(big);
	memcpy(big, buf, len - 4);
	check_decode_err(big, len + 3, 0, "", 0, -DER_INVAL,
			 "3 unexpected bytes after the last rank");
	free(big);

	/* bad CRC */
	memcpy(v, buf + len - 4, 4);
	v[0] ^= 1;
	buf[len - 4] ^= 1;
	assert_int_equal(pl_map_decode(buf, len, &map, err, sizeof(err)), -DER_INVAL);
	assert_true(strncmp(err, "CRC mismatch: stored 0x", 23) == 0);
	buf[len - 4] ^= 1;
	buf[33] ^= 0x01; /* a flipped payload bit is caught by the CRC too */
	assert_int_equal(pl_map_decode(buf, len, &map, err, sizeof(err)), -DER_INVAL);
	assert_true(strncmp(err, "CRC mismatch", 12) == 0);
	buf[33] ^= 0x01;

	/* header fields */
	check_decode_err(buf, len, 0, "XLMP", 4, -DER_INVAL,
			 "bad magic 0x504d4c58 (want 0x504d4c50)");
	check_decode_err(buf, len, 4, "\x02\x00", 2, -DER_DF_INCOMPT,
			 "unknown layout version 2 (this build reads 1)");
	check_decode_err(buf, len, 4, "\x00\x00", 2, -DER_DF_INCOMPT,
			 "unknown layout version 0 (this build reads 1)");
	check_decode_err(buf, len, 6, "\x01\x00", 2, -DER_INVAL, "unknown flags 0x0001");
	put32(v, 0);
	check_decode_err(buf, len, 12, v, 4, -DER_INVAL, "rank count 0 out of range 1..16384");
	put32(v, PL_RANKS_MAX + 1);
	check_decode_err(buf, len, 12, v, 4, -DER_INVAL,
			 "rank count 16385 out of range 1..16384");
	put32(v, 0);
	check_decode_err(buf, len, 16, v, 4, -DER_INVAL,
			 "target count 0 out of range 2..128 for 2 ranks");
	put32(v, 129);
	check_decode_err(buf, len, 16, v, 4, -DER_INVAL,
			 "target count 129 out of range 2..128 for 2 ranks");
	put32(v, 1);
	check_decode_err(buf, len, 16, v, 4, -DER_INVAL,
			 "target count 1 out of range 2..128 for 2 ranks");
	put32(v, 0xffffffff);
	check_decode_err(buf, len, 16, v, 4, -DER_INVAL,
			 "target count 4294967295 out of range 2..128 for 2 ranks");
	put32(v, 6);
	check_decode_err(buf, len, 16, v, 4, -DER_INVAL, "ranks hold 5 targets, the header says 6");
	put32(v, 4);
	check_decode_err(buf, len, 16, v, 4, -DER_INVAL,
			 "rank 9: its 3 targets exceed the header's target count 4");
	put32(v, 3);
	check_decode_err(buf, len, 12, v, 4, -DER_INVAL,
			 "pool map truncated: 3 ranks and 5 targets cannot fit in 36 bytes");

	/* rank entries: rank 4 at 20 (state 24, tgts 28, dlen 30, "nodeA" 32, states 37),
	 * rank 9 at 39 (state 43, tgts 47, dlen 49, "n9" 51, states 53) */
	put32(v, 4);
	check_decode_err(buf, len, 39, v, 4, -DER_INVAL,
			 "rank entry 1: rank 4 after rank 4 (ranks must be sorted and unique)");
	put32(v, 3);
	check_decode_err(buf, len, 39, v, 4, -DER_INVAL,
			 "rank entry 1: rank 3 after rank 4 (ranks must be sorted and unique)");
	put32(v, 0x40);
	check_decode_err(buf, len, 24, v, 4, -DER_INVAL, "rank 4: bad state 0x40");
	check_decode_err(buf, len, 28, "\x00\x00", 2, -DER_INVAL,
			 "rank 4: target count 0 out of range 1..64");
	check_decode_err(buf, len, 28, "\x41\x00", 2, -DER_INVAL,
			 "rank 4: target count 65 out of range 1..64");
	check_decode_err(buf, len, 30, "\x00\x00", 2, -DER_INVAL,
			 "rank 4: fault domain length 0 out of range 1..255");
	check_decode_err(buf, len, 30, "\x00\x01", 2, -DER_INVAL,
			 "rank 4: fault domain length 256 out of range 1..255");
	check_decode_err(buf, len, 30, "\x20\x00", 2, -DER_INVAL,
			 "pool map truncated in rank 4 (domain and target states)");
	check_decode_err(buf, len, 34, "\x00", 1, -DER_INVAL,
			 "rank 4: fault domain has a byte 0x00 at offset 2 (printable ASCII "
			 "only)");
	check_decode_err(buf, len, 51, "\xff", 1, -DER_INVAL,
			 "rank 9: fault domain has a byte 0xff at offset 0 (printable ASCII "
			 "only)");
	check_decode_err(buf, len, 38, "\x03", 1, -DER_INVAL, "rank 4 target 1: bad state 0x3");
	check_decode_err(buf, len, 55, "\x00", 1, -DER_INVAL, "rank 9 target 2: bad state 0x0");
	/* a shorter domain shifts the rest: its last byte is read as a state */
	check_decode_err(buf, len, 49, "\x01\x00", 2, -DER_INVAL,
			 "rank 9 target 0: bad state 0x39");

	/* the untouched buffer still decodes */
	assert_int_equal(pl_map_decode(buf, len, &map, err, sizeof(err)), 0);
	pl_map_free(map);
	free(buf);
}

/* ---- placement ---- */

/* PL10: jump hash: in range, consistent when buckets are added, deterministic */
static void
pl10_jump_hash(void **state)
{
	uint64_t key;
	uint32_t n, b, moved;

	(void)state;
	for (key = 0; key < 2000; key++) {
		uint64_t k = key * 0x9e3779b97f4a7c15ULL;

		assert_int_equal(pl_jump_hash(k, 1), 0);
		for (n = 1; n < 40; n++) {
			b = pl_jump_hash(k, n);
			assert_true(b < n);
			/* growing to n + 1 keeps the bucket or moves to the new one */
			uint32_t b2 = pl_jump_hash(k, n + 1);

			assert_true(b2 == b || b2 == n);
		}
	}
	/* about 1/(n+1) of the keys move when one bucket is added */
	moved = 0;
	for (key = 0; key < 10000; key++)
		moved += pl_jump_hash(key * 0x9e3779b97f4a7c15ULL, 10) !=
			 pl_jump_hash(key * 0x9e3779b97f4a7c15ULL, 11);
	assert_true(moved > 700 && moved < 1100);
	assert_int_equal(pl_jump_hash(UINT64_MAX, 1u << 31) < (1u << 31), 1);
	/* golden: the same on every machine */
	assert_int_equal(pl_jump_hash(1, 10), 6);
	assert_int_equal(pl_jump_hash(3, 10), 8);
	assert_int_equal(pl_hash_bytes("123456789", 9, 0), 0x2f125b6df7e3ad42ULL);
	assert_int_equal(pl_hash_bytes("", 0, 0), 0x2848d6a4a7b28bc1ULL);
	assert_int_not_equal(pl_hash_bytes("123456789", 9, 1), 0x2f125b6df7e3ad42ULL);
}

/* PL11: layouts are deterministic and match a checked-in golden table */
static void
pl11_layout_golden(void **state)
{
	static const struct {
		daos_oclass_id_t cid;
		uint64_t         lo;
		uint32_t         tgts[4];
	} gold[] = {
	    {OC_S1, 1, {1}},          {OC_S1, 2, {0}},          {OC_S1, 3, {5}},
	    {OC_S1, 4, {10}},         {OC_S2, 1, {4, 3}},       {OC_S2, 2, {11, 5}},
	    {OC_S2, 3, {0, 6}},       {OC_S2, 4, {5, 15}},      {OC_S4, 1, {11, 2, 4, 13}},
	    {OC_S4, 2, {4, 10, 13, 0}}, {OC_S4, 3, {3, 7, 11, 15}}, {OC_S4, 4, {4, 10, 12, 3}},
	};
	struct pl_pool_map  *map = make_map(4, 4);
	struct pl_pool_map  *dup = NULL;
	struct pl_obj_layout a, b;
	uint32_t             i, s;

	(void)state;
	assert_int_equal(pl_map_dup(map, &dup), 0);
	for (i = 0; i < sizeof(gold) / sizeof(gold[0]); i++) {
		daos_obj_id_t oid = gen_oid(gold[i].lo, DAOS_OT_MULTI_HASHED, gold[i].cid, 16);

		assert_int_equal(pl_obj_layout(map, oid, &a), 0);
		assert_int_equal(pl_obj_layout(dup, oid, &b), 0);
		assert_int_equal(a.ol_nr, gold[i].cid & 0xffff);
		assert_int_equal(a.ol_map_ver, 1);
		assert_int_equal(a.ol_nr, b.ol_nr);
		assert_memory_equal(a.ol_shards, b.ol_shards, a.ol_nr * sizeof(*a.ol_shards));
		for (s = 0; s < a.ol_nr; s++) {
			assert_int_equal(a.ol_shards[s].ps_tgt_id, gold[i].tgts[s]);
			assert_int_equal(a.ol_shards[s].ps_rank, gold[i].tgts[s] / 4);
			assert_int_equal(a.ol_shards[s].ps_tgt_idx, gold[i].tgts[s] % 4);
			assert_int_equal(a.ol_shards[s].ps_remapped, 0);
		}
		check_layout_valid(map, &a);
		pl_obj_layout_free(&a);
		pl_obj_layout_free(&b);
		assert_null(a.ol_shards);
		assert_int_equal(a.ol_nr, 0);
	}
	pl_obj_layout_free(NULL);
	pl_map_free(map);
	pl_map_free(dup);
}

/* PL12: 100,000 S1 objects over 4 ranks x 4 targets: every target within 10% of the mean */
static void
pl12_layout_balance(void **state)
{
	struct pl_pool_map  *map       = make_map(4, 4);
	uint32_t             count[16] = {0};
	struct pl_obj_layout l;
	uint64_t             lo;
	uint32_t             t;

	(void)state;
	for (lo = 0; lo < 100000; lo++) {
		daos_obj_id_t oid = gen_oid(lo, DAOS_OT_MULTI_HASHED, OC_S1, 16);

		assert_int_equal(pl_obj_layout(map, oid, &l), 0);
		assert_int_equal(l.ol_nr, 1);
		count[l.ol_shards[0].ps_tgt_id]++;
		pl_obj_layout_free(&l);
	}
	for (t = 0; t < 16; t++) {
		assert_true(count[t] >= 5625);
		assert_true(count[t] <= 6875);
	}
	pl_map_free(map);
}

/* PL13: shards of one object land on distinct targets, distinct ranks first */
static void
pl13_layout_spread(void **state)
{
	static const daos_oclass_id_t cls[] = {OC_S2, OC_S4, OC_S8, OC_S16};
	struct pl_pool_map           *map   = make_map(4, 4);
	struct pl_obj_layout          l;
	uint64_t                      lo;
	uint32_t                      c, s;

	(void)state;
	for (c = 0; c < sizeof(cls) / sizeof(cls[0]); c++) {
		for (lo = 0; lo < 500; lo++) {
			daos_obj_id_t oid = gen_oid(lo, DAOS_OT_DKEY_LEXICAL, cls[c], 16);
			uint32_t      seen_t[16] = {0}, seen_r[4] = {0};

			assert_int_equal(pl_obj_layout(map, oid, &l), 0);
			assert_int_equal(l.ol_nr, cls[c] & 0xffff);
			for (s = 0; s < l.ol_nr; s++) {
				seen_t[l.ol_shards[s].ps_tgt_id]++;
				seen_r[l.ol_shards[s].ps_rank]++;
			}
			for (s = 0; s < 16; s++)
				assert_true(seen_t[s] <= 1);
			/* ranks share evenly: at most ceil(shards / 4) each */
			for (s = 0; s < 4; s++)
				assert_true(seen_r[s] <= (l.ol_nr + 3) / 4);
			pl_obj_layout_free(&l);
		}
	}
	/* SX on the whole pool: one shard on every target */
	{
		daos_obj_id_t oid        = gen_oid(77, DAOS_OT_ARRAY, OC_SX, 16);
		uint32_t      seen_t[16] = {0};

		assert_int_equal(pl_obj_layout(map, oid, &l), 0);
		assert_int_equal(l.ol_nr, 16);
		for (s = 0; s < 16; s++)
			seen_t[l.ol_shards[s].ps_tgt_id]++;
		for (s = 0; s < 16; s++)
			assert_int_equal(seen_t[s], 1);
		pl_obj_layout_free(&l);
	}
	/* an oid generated for a larger pool is capped at the map's targets */
	{
		daos_obj_id_t oid = gen_oid(78, DAOS_OT_ARRAY, OC_SX, 1000);

		assert_int_equal(pl_obj_layout(map, oid, &l), 0);
		assert_int_equal(l.ol_nr, 16);
		pl_obj_layout_free(&l);
	}
	pl_map_free(map);
}

/* Compare layouts before/after a state change: only shards on `gone` targets move. */
static void
check_movement(const struct pl_pool_map *before, const struct pl_pool_map *after,
	       daos_oclass_id_t cid, uint32_t nr_oids)
{
	struct pl_obj_layout a, b;
	uint64_t             lo;
	uint32_t             s, moved = 0;

	for (lo = 0; lo < nr_oids; lo++) {
		daos_obj_id_t oid = gen_oid(lo, DAOS_OT_MULTI_HASHED, cid, before->pm_nr_targets);

		assert_int_equal(pl_obj_layout(before, oid, &a), 0);
		assert_int_equal(pl_obj_layout(after, oid, &b), 0);
		assert_int_equal(a.ol_nr, b.ol_nr);
		check_layout_valid(after, &b);
		for (s = 0; s < a.ol_nr; s++) {
			uint32_t old = a.ol_shards[s].ps_tgt_id;

			if (pl_target_available(after->pm_targets[old].pt_state)) {
				assert_int_equal(b.ol_shards[s].ps_tgt_id, old);
				assert_int_equal(b.ol_shards[s].ps_remapped, 0);
			} else {
				assert_int_not_equal(b.ol_shards[s].ps_tgt_id, old);
				assert_int_equal(b.ol_shards[s].ps_remapped, 1);
				moved++;
			}
		}
		/* distinct targets still (enough available ones) */
		for (s = 0; s < b.ol_nr; s++)
			for (uint32_t s2 = s + 1; s2 < b.ol_nr; s2++)
				assert_int_not_equal(b.ol_shards[s].ps_tgt_id,
						     b.ol_shards[s2].ps_tgt_id);
		pl_obj_layout_free(&a);
		pl_obj_layout_free(&b);
	}
	assert_true(moved > 0);
}

/* PL14: a target or rank going down moves only the shards that were on it */
static void
pl14_layout_minimal_movement(void **state)
{
	struct pl_pool_map *before = make_map(4, 4);
	struct pl_pool_map *after  = NULL;

	(void)state;
	assert_int_equal(pl_map_dup(before, &after), 0);
	assert_int_equal(pl_map_set_target_state(after, 2, 1, PL_DOWN), 0);
	check_movement(before, after, OC_S1, 2000);
	check_movement(before, after, OC_S4, 1000);
	check_movement(before, after, OC_S8, 500);
	/* DOWN_OUT and NEW are unavailable too; DRAIN and UP still serve */
	assert_int_equal(pl_map_set_target_state(after, 2, 1, PL_DOWN_OUT), 0);
	assert_int_equal(pl_map_set_target_state(after, 0, 0, PL_DRAIN), 0);
	check_movement(before, after, OC_S4, 500);
	pl_map_free(after);

	assert_int_equal(pl_map_dup(before, &after), 0);
	assert_int_equal(pl_map_set_rank_state(after, 3, PL_DOWN), 0);
	check_movement(before, after, OC_S2, 1000);
	check_movement(before, after, OC_S12, 300);
	pl_map_free(after);
	pl_map_free(before);
}

/* PL15: degraded maps: shards share only when targets run out; no target at all fails */
static void
pl15_layout_degraded(void **state)
{
	struct pl_pool_map  *map = make_map(2, 2);
	struct pl_obj_layout l;
	daos_obj_id_t        oid = gen_oid(9, DAOS_OT_ARRAY, OC_S4, 4);
	uint32_t             s;

	(void)state;
	assert_int_equal(pl_map_set_target_state(map, 0, 0, PL_DOWN), 0);
	assert_int_equal(pl_map_set_target_state(map, 1, 1, PL_DOWN), 0);
	assert_int_equal(pl_obj_layout(map, oid, &l), 0);
	assert_int_equal(l.ol_nr, 4); /* the shard count does not shrink */
	check_layout_valid(map, &l);
	pl_obj_layout_free(&l);
	assert_int_equal(pl_map_set_target_state(map, 0, 1, PL_NEW), 0);
	assert_int_equal(pl_obj_layout(map, oid, &l), 0);
	for (s = 0; s < 4; s++)
		assert_int_equal(l.ol_shards[s].ps_tgt_id, 2); /* the last one standing */
	assert_int_equal(l.ol_map_ver, 4);
	pl_obj_layout_free(&l);
	assert_int_equal(pl_map_set_target_state(map, 1, 0, PL_DOWN_OUT), 0);
	memset(&l, 0x5a, sizeof(l));
	assert_int_equal(pl_obj_layout(map, oid, &l), -DER_NONEXIST);
	pl_map_free(map);
}

/* PL16: layout refuses ids without a single-replica class */
static void
pl16_layout_bad_oid(void **state)
{
	struct pl_pool_map  *map = make_map(2, 2);
	struct pl_obj_layout l;
	daos_obj_id_t        oid;

	(void)state;
	oid = (daos_obj_id_t){.lo = 1, .hi = 0}; /* never generated */
	assert_int_equal(pl_obj_layout(map, oid, &l), -DER_INVAL);
	oid.hi = (uint64_t)OR_RP_1 << OID_FMT_CLASS_SHIFT; /* no groups */
	assert_int_equal(pl_obj_layout(map, oid, &l), -DER_INVAL);
	oid.hi = ((uint64_t)OR_RP_3 << OID_FMT_CLASS_SHIFT) | (1ULL << OID_FMT_META_SHIFT);
	assert_int_equal(pl_obj_layout(map, oid, &l), -DER_NOSYS);
	oid.hi = ((uint64_t)OR_RS_4P2 << OID_FMT_CLASS_SHIFT) | (1ULL << OID_FMT_META_SHIFT);
	assert_int_equal(pl_obj_layout(map, oid, &l), -DER_NOSYS);
	oid.hi = (200ULL << OID_FMT_CLASS_SHIFT) | (1ULL << OID_FMT_META_SHIFT);
	assert_int_equal(pl_obj_layout(map, oid, &l), -DER_INVAL);
	pl_map_free(map);
}

/* PL17: dkeys map to stable, in-range, evenly used shards */
static void
pl17_dkey_shard(void **state)
{
	struct pl_pool_map  *map = make_map(4, 4);
	struct pl_obj_layout l, l1;
	daos_obj_id_t        oid = gen_oid(7, DAOS_OT_MULTI_HASHED, OC_S4, 16);
	daos_obj_id_t        one = gen_oid(7, DAOS_OT_MULTI_HASHED, OC_S1, 16);
	uint32_t             count[4] = {0};
	char                 key[32];
	uint32_t             i;

	(void)state;
	assert_int_equal(pl_obj_layout(map, oid, &l), 0);
	assert_int_equal(pl_obj_layout(map, one, &l1), 0);
	/* golden */
	assert_int_equal(pl_dkey_shard(oid, &l, "a", 1), 1);
	assert_int_equal(pl_dkey_shard(oid, &l, "dkey-1", 6), 2);
	assert_int_equal(pl_dkey_shard(oid, &l, "dkey-2", 6), 1);
	assert_int_equal(pl_dkey_shard(oid, &l, "0123456789abcdef", 16), 2);
	assert_int_equal(pl_dkey_shard(oid, &l, "", 0), 3);
	assert_int_equal(pl_dkey_shard(oid, &l, NULL, 0), 3);
	for (i = 0; i < 40000; i++) {
		uint64_t ikey = i; /* integer dkeys as the bytes of a uint64 */
		uint32_t s;

		snprintf(key, sizeof(key), "key-%u", i);
		s = pl_dkey_shard(oid, &l, key, strlen(key));
		assert_true(s < 4);
		count[s]++;
		assert_int_equal(pl_dkey_shard(one, &l1, key, strlen(key)), 0);
		assert_true(pl_dkey_shard(oid, &l, &ikey, sizeof(ikey)) < 4);
	}
	for (i = 0; i < 4; i++)
		assert_true(count[i] > 9000 && count[i] < 11000);
	pl_obj_layout_free(&l);
	pl_obj_layout_free(&l1);
	pl_map_free(map);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(pl01_class_ids),
	    cmocka_unit_test(pl02_class_names),
	    cmocka_unit_test(pl03_oid_encode),
	    cmocka_unit_test(pl04_oid_default_class),
	    cmocka_unit_test(pl05_oid_refusals),
	    cmocka_unit_test(pl06_map_create),
	    cmocka_unit_test(pl07_map_states),
	    cmocka_unit_test(pl08_map_roundtrip),
	    cmocka_unit_test(pl09_map_decode_bad),
	    cmocka_unit_test(pl10_jump_hash),
	    cmocka_unit_test(pl11_layout_golden),
	    cmocka_unit_test(pl12_layout_balance),
	    cmocka_unit_test(pl13_layout_spread),
	    cmocka_unit_test(pl14_layout_minimal_movement),
	    cmocka_unit_test(pl15_layout_degraded),
	    cmocka_unit_test(pl16_layout_bad_oid),
	    cmocka_unit_test(pl17_dkey_shard),
	};

	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
