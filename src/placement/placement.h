/*
 * placement.h: object classes, object id generation, the pool map and
 * algorithmic object placement (libplacement, internal API).
 *
 * The pool map lists every rank of a pool with its fault domain and its
 * targets, each with a state. Placement maps an object id to a layout: one
 * (rank, target) per shard, computed from the map and the id alone with jump
 * consistent hashing, so every client and engine derives the same layout
 * without asking anyone. A dkey picks one shard of the layout.
 *
 * Pool map invariants (checked by pl_map_create and pl_map_decode, kept by
 * every mutator):
 *  1. 1 <= pm_nr_ranks <= PL_RANKS_MAX; ranks are sorted by pr_rank, strictly
 *     increasing (no duplicates).
 *  2. each rank has 1..PL_TARGETS_PER_RANK_MAX targets; pm_targets lists all
 *     targets sorted by (rank, index) and rank i's targets are
 *     pm_targets[pr_tgt_first .. pr_tgt_first + pr_nr_targets), with
 *     pt_index 0..pr_nr_targets-1; a target's global id is its position.
 *  3. every state is one of enum pl_comp_state.
 *  4. a domain is 1..PL_DOMAIN_MAX printable ASCII bytes, NUL-terminated.
 *  5. pm_version increases by exactly one on every state change.
 */
#ifndef PLACEMENT_H
#define PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <daos_obj_class.h>
#include <daos_types.h>

/*
 * Limits
 */
/** Ranks in one pool map: DAOS's largest systems are a few thousand engines. */
#define PL_RANKS_MAX            16384
/** Targets per rank: an engine runs one target per core, 64 is well above any. */
#define PL_TARGETS_PER_RANK_MAX 64
/** Bytes of a fault domain name (a host name): the DNS limit for a full name. */
#define PL_DOMAIN_MAX           255
/** Targets in one pool map, implied by the two limits above. */
#define PL_TARGETS_MAX          (PL_RANKS_MAX * PL_TARGETS_PER_RANK_MAX)
/**
 * Hash draws tried for one shard before a deterministic scan takes over: a
 * draw fails only when it hits an excluded or already used target, so 64
 * consecutive failures mean the free targets are scarce and a scan is cheaper.
 */
#define PL_DRAWS_MAX            64
/** Encoded pool map size: header + per rank (entry + domain + states) + CRC. */
#define PL_MAP_ENC_MAX                                                                     \
	(PL_MAP_HDR_SIZE + (size_t)PL_RANKS_MAX * (PL_MAP_RANK_SIZE + PL_DOMAIN_MAX) +     \
	 (size_t)PL_TARGETS_MAX + PL_MAP_CRC_SIZE)

/*
 * Wire encoding of a pool map (all integers little endian):
 *   header  u32 magic PL_MAP_MAGIC, u16 layout version, u16 flags (0),
 *           u32 map version, u32 rank count, u32 target count
 *   rank    u32 rank, u32 state, u16 target count, u16 domain length,
 *           domain bytes (no NUL), then one u8 state per target
 *   trailer u32 CRC32C of every byte before it
 */
#define PL_MAP_MAGIC      0x504d4c50u /* "PLMP" */
#define PL_MAP_LAYOUT_V1  1
#define PL_MAP_HDR_SIZE   20
#define PL_MAP_RANK_SIZE  12
#define PL_MAP_CRC_SIZE   4

/** Component (rank or target) states; the values are DAOS's pool map bits. */
enum pl_comp_state {
	PL_NEW      = 0x01, /**< added, not yet part of the layout */
	PL_UP       = 0x02, /**< being reintegrated or extended, receives data */
	PL_UP_IN    = 0x04, /**< healthy, serving */
	PL_DOWN     = 0x08, /**< failed, its data waits for rebuild */
	PL_DOWN_OUT = 0x10, /**< failed and rebuilt elsewhere */
	PL_DRAIN    = 0x20, /**< being drained, still serving */
};

/** One target of the map. */
struct pl_target {
	uint32_t pt_rank;  /**< rank id */
	uint32_t pt_index; /**< index of the target on its rank */
	uint32_t pt_state; /**< enum pl_comp_state */
};

/** One rank (engine) of the map; its fault domain is its host. */
struct pl_rank {
	uint32_t pr_rank;
	uint32_t pr_state;
	uint32_t pr_nr_targets;
	uint32_t pr_tgt_first; /**< global id of its target 0 */
	char     pr_domain[PL_DOMAIN_MAX + 1];
};

/** A pool map (see the invariants above). Read freely; change only through pl_map_*. */
struct pl_pool_map {
	uint32_t          pm_version;
	uint32_t          pm_nr_ranks;
	uint32_t          pm_nr_targets;
	struct pl_rank   *pm_ranks;
	struct pl_target *pm_targets;
};

/** Input to pl_map_create: one rank. */
struct pl_rank_desc {
	uint32_t    rd_rank;
	const char *rd_domain;
	uint32_t    rd_nr_targets;
};

/** One shard's location. */
struct pl_shard {
	uint32_t ps_rank;
	uint32_t ps_tgt_idx; /**< target index on the rank */
	uint32_t ps_tgt_id;  /**< global target id (position in the map) */
	uint32_t ps_remapped; /**< 1 when moved off an unavailable target */
};

/** Layout of one object: shard s lives at ol_shards[s]. */
struct pl_obj_layout {
	uint32_t         ol_map_ver; /**< map version it was computed from */
	uint32_t         ol_nr;      /**< number of shards (groups x group size) */
	struct pl_shard *ol_shards;
};

/*
 * Object class hints (the DAOS_OCH_* bits of daos_obj_generate_oid, same
 * values): one redundancy bit and one sharding bit at most.
 */
#define PL_OCH_RDD_DEF  (1u << 0)
#define PL_OCH_RDD_NO   (1u << 1)
#define PL_OCH_RDD_RP   (1u << 2)
#define PL_OCH_RDD_EC   (1u << 3)
#define PL_OCH_SHD_DEF  (1u << 4)
#define PL_OCH_SHD_TINY (1u << 5)
#define PL_OCH_SHD_REG  (1u << 6)
#define PL_OCH_SHD_HI   (1u << 7)
#define PL_OCH_SHD_EXT  (1u << 8)
#define PL_OCH_SHD_MAX  (1u << 9)
#define PL_OCH_RDD_MASK 0x000fu
#define PL_OCH_SHD_MASK 0x03f0u

/* ---- object classes (oclass.c) ---- */

/** Attributes of a predefined class. */
struct pl_oclass_attr {
	uint32_t oa_redun;    /**< enum daos_obj_redun */
	uint32_t oa_grp_size; /**< shards per group: replicas, or k + p */
	uint32_t oa_grp_nr;   /**< groups; MAX_NUM_GROUPS for an X class */
	uint32_t oa_ec_k;     /**< EC data cells, 0 for replication */
	uint32_t oa_ec_p;     /**< EC parity cells, 0 for replication */
};

/**
 * Attributes of predefined class `cid` (S*, RP_*, EC_*; not the dynamic
 * OC_TINY..OC_EC_MAX ids). Returns 0 or -DER_NONEXIST.
 */
int pl_oclass_attr(daos_oclass_id_t cid, struct pl_oclass_attr *attr);

/** Number of predefined classes, and the i-th of them (0 <= i < pl_oclass_nr()). */
uint32_t pl_oclass_nr(void);
daos_oclass_id_t pl_oclass_at(uint32_t i);

/** Redundancy code (bits 55..48) and group count (bits 47..32) of an object id. */
uint32_t pl_oid_redun(daos_obj_id_t oid);
uint32_t pl_oid_grp_nr(daos_obj_id_t oid);

/**
 * Encode type, class and group count into `oid`, keeping its low 96 bits.
 * `nr_targets` is the pool's target count. The class is used as given unless
 * it is OC_UNKNOWN, in which case the hints choose (no hints: with redundancy
 * factor 0, arrays and KVs get SX, other types S1; see pl_oid_generate_msg).
 * Errors: -DER_INVAL (bad type, unknown class, bad hints, more groups than
 * targets, no targets), -DER_NOSYS (replicated, EC and dynamic classes: they
 * arrive with the redundancy work). On error *oid is untouched and the reason
 * is logged.
 */
int pl_oid_generate(daos_obj_id_t *oid, daos_otype_t type, daos_oclass_id_t cid,
		    daos_oclass_hints_t hints, uint32_t nr_targets);

/** pl_oid_generate, with the reason of a refusal written to errbuf ("" on success). */
int pl_oid_generate_msg(daos_obj_id_t *oid, daos_otype_t type, daos_oclass_id_t cid,
			daos_oclass_hints_t hints, uint32_t nr_targets, char *errbuf,
			size_t errlen);

/* ---- pool map (pool_map.c) ---- */

/** Whether `state` is one of enum pl_comp_state. */
bool pl_state_valid(uint32_t state);
/** Lower-case name of a state ("up_in", "down_out", ...), "unknown" otherwise. */
const char *pl_state_name(uint32_t state);

/**
 * Build a map of `nr` ranks (any order; sorted on the way in), version 1,
 * every rank and target UP_IN. Errors: -DER_INVAL with the reason in errbuf
 * (no ranks, too many, duplicate rank, bad domain, bad target count),
 * -DER_NOMEM. The caller frees *mapp with pl_map_free.
 */
int pl_map_create(const struct pl_rank_desc *descs, uint32_t nr, struct pl_pool_map **mapp,
		  char *errbuf, size_t errlen);

/** Free a map (NULL is fine). */
void pl_map_free(struct pl_pool_map *map);

/** Copy a map. Returns 0 or -DER_NOMEM. */
int pl_map_dup(const struct pl_pool_map *map, struct pl_pool_map **dupp);

/** Rank entry of `rank`, or NULL (binary search). */
const struct pl_rank *pl_map_find_rank(const struct pl_pool_map *map, uint32_t rank);

/**
 * Set the state of target `tgt_idx` of `rank`. A change bumps the version;
 * setting the current state is a no-op. Errors: -DER_NONEXIST (no such rank or
 * target), -DER_INVAL (bad state), -DER_OVERFLOW (version would wrap).
 */
int pl_map_set_target_state(struct pl_pool_map *map, uint32_t rank, uint32_t tgt_idx,
			    uint32_t state);

/**
 * Set the state of `rank` and of all its targets; one version bump when
 * anything changed. Errors as pl_map_set_target_state.
 */
int pl_map_set_rank_state(struct pl_pool_map *map, uint32_t rank, uint32_t state);

/** Whether a target in this state holds shards of new layouts (UP_IN, UP, DRAIN). */
bool pl_target_available(uint32_t state);

/** Exact size of the encoding of `map`. */
size_t pl_map_encoded_size(const struct pl_pool_map *map);

/**
 * Encode `map` into buf[0..buflen). *needed (optional) gets the size.
 * Errors: -DER_TRUNC when buflen is too small (buf untouched).
 */
int pl_map_encode(const struct pl_pool_map *map, void *buf, size_t buflen, size_t *needed);

/**
 * Decode untrusted bytes into a new map (caller frees with pl_map_free).
 * Errors: -DER_INVAL with a message naming the bad field in errbuf,
 * -DER_DF_INCOMPT for an unknown layout version, -DER_NOMEM.
 */
int pl_map_decode(const void *buf, size_t len, struct pl_pool_map **mapp, char *errbuf,
		  size_t errlen);

/* ---- placement (jump.c) ---- */

/**
 * Jump consistent hash (Lamping & Veach): bucket in [0, nr) for `key`; when nr
 * grows by one, only 1/(nr+1) of the keys move, all to the new bucket. nr >= 1.
 */
uint32_t pl_jump_hash(uint64_t key, uint32_t nr);

/** 64-bit hash of bytes, seeded; the same on every machine and endianness. */
uint64_t pl_hash_bytes(const void *buf, size_t len, uint64_t seed);

/**
 * Layout of object `oid` on `map`. The shard count is the oid's group count
 * times its group size, capped at the map's target count (a stable number: a
 * failure never changes it). Every shard gets a distinct target, and distinct
 * ranks first, while there are enough available ones; a shard whose target is
 * unavailable (NEW, DOWN, DOWN_OUT) is remapped along its own hash sequence,
 * so only those shards move. Errors: -DER_INVAL (oid without a valid class or
 * group count, e.g. not generated), -DER_NOSYS (replicated/EC oid),
 * -DER_NONEXIST (no available target), -DER_NOMEM. On success the caller
 * frees with pl_obj_layout_free.
 */
int pl_obj_layout(const struct pl_pool_map *map, daos_obj_id_t oid,
		  struct pl_obj_layout *layout);

/** Free the shards of a layout (and zero it). */
void pl_obj_layout_free(struct pl_obj_layout *layout);

/**
 * Shard of `layout` (computed for `oid`) that holds dkey[0..dkey_len): a hash
 * of the key bytes seeded by the oid, so stable across machines. The layout
 * must have at least one shard.
 */
uint32_t pl_dkey_shard(daos_obj_id_t oid, const struct pl_obj_layout *layout, const void *dkey,
		       size_t dkey_len);

#endif /* PLACEMENT_H */
