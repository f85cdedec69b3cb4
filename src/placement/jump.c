/*
 * jump.c: algorithmic placement of object shards on pool map targets, and
 * of dkeys on shards, with jump consistent hashing.
 *
 * Every shard s of an object draws candidate targets from its own sequence
 * jump(key(oid, s, 0)), jump(key(oid, s, 1)), ... over ALL targets of the
 * map in global-id order. A layout is computed in two phases:
 *  1. the ideal layout ignores target states: shard s takes the first
 *     candidate not used by shards 0..s-1 on a rank holding fewer than
 *     ceil(shards / ranks) of them (distinct ranks first), then, if the
 *     spread cannot be kept, the first unused target. It depends only on the
 *     oid and the list of targets, never on states.
 *  2. a shard whose ideal target is unavailable (NEW, DOWN, DOWN_OUT)
 *     continues its own sequence to the first available target that no other
 *     shard uses (same rank preference); only when every available target is
 *     taken do shards share one.
 * Invariants of a layout (tests PL05-PL08 check them):
 *  1. deterministic: integer arithmetic only, no pointers, no global state;
 *  2. shards sit on distinct targets whenever the map has enough available
 *     ones;
 *  3. a state change moves only the shards whose target became unavailable
 *     (and shards remapped earlier whose place a new remap takes first);
 *  4. every shard names an available target of the map.
 * Each candidate draw is bounded (PL_DRAWS_MAX), then a linear scan from a
 * hashed start finishes, so a layout costs at most O(shards x targets).
 */
#define D_LOGFAC DD_FAC(placement)

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "placement/placement.h"

/* Odd 64-bit constants of the mixers below. */
#define PL_K1 0x9e3779b97f4a7c15ULL
#define PL_K2 0xbf58476d1ce4e5b9ULL
#define PL_K3 0x94d049bb133111ebULL
#define PL_K4 0xc2b2ae3d27d4eb4fULL
/* The multiplier of the jump hash's linear congruential step (from the paper). */
#define PL_JUMP_LCG 2862933555777941757ULL

/* Bijective avalanche of 64 bits: every input bit flips each output bit with p ~ 1/2. */
static uint64_t
pl_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= PL_K2;
	x ^= x >> 27;
	x *= PL_K3;
	x ^= x >> 31;
	return x;
}

static uint64_t
pl_rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

uint32_t
pl_jump_hash(uint64_t key, uint32_t nr)
{
	int64_t  b = -1;
	uint64_t j = 0;

	assert(nr >= 1);
	/*
	 * Walk the buckets the key would jump to as the bucket count grows; the
	 * last jump below nr is the answer. The paper's floating point step
	 * (b + 1) * 2^31 / (r + 1) is done in exact integer arithmetic: b + 1 <=
	 * 2^32 so the shifted value fits in 64 bits.
	 */
	while (j < nr) {
		b   = (int64_t)j;
		key = key * PL_JUMP_LCG + 1;
		j   = ((uint64_t)(b + 1) << 31) / ((key >> 33) + 1);
	}
	return (uint32_t)b;
}

uint64_t
pl_hash_bytes(const void *buf, size_t len, uint64_t seed)
{
	const uint8_t *p = buf;
	uint64_t       h = (seed + PL_K3) ^ ((uint64_t)len * PL_K1);
	uint64_t       k;
	size_t         i;

	/* 8 bytes at a time, assembled little endian so every host agrees. */
	while (len >= 8) {
		k = 0;
		for (i = 0; i < 8; i++)
			k |= (uint64_t)p[i] << (8 * i);
		h ^= pl_rotl(k * PL_K4, 31) * PL_K1;
		h = pl_rotl(h, 27) * PL_K1 + PL_K3;
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		k = 0;
		for (i = 0; i < len; i++)
			k |= (uint64_t)p[i] << (8 * i);
		h ^= pl_rotl(k * PL_K4, 31) * PL_K1;
	}
	return pl_mix64(h);
}

/* Per-object seed: both words of the id, avalanched. */
static uint64_t
pl_oid_seed(daos_obj_id_t oid)
{
	return pl_mix64(oid.lo ^ pl_mix64(oid.hi + PL_K1));
}

/* Candidate `draw` of shard `shard`. */
static uint32_t
pl_candidate(uint64_t seed, uint32_t shard, uint32_t draw, uint32_t nr_targets)
{
	uint64_t key = pl_mix64(seed ^ pl_mix64(((uint64_t)shard << 32) | draw));

	return pl_jump_hash(key, nr_targets);
}

/* Position in pm_ranks of the rank holding target `tgt`. */
static uint32_t
pl_tgt_rank_idx(const struct pl_pool_map *map, uint32_t tgt)
{
	uint32_t lo = 0, hi = map->pm_nr_ranks;

	/* Largest i with pr_tgt_first <= tgt (invariant 2 of placement.h). */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (map->pm_ranks[mid].pr_tgt_first <= tgt)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Working state of one layout computation. */
struct pl_work {
	const struct pl_pool_map *w_map;
	uint64_t                  w_seed;
	uint8_t                  *w_used;     /* one byte per target */
	uint32_t                 *w_rank_use; /* shards per rank position */
	uint32_t                  w_rank_cap; /* ceil(shards / ranks) */
	bool                      w_need_avail;
};

enum pl_accept {
	PL_ACCEPT_SPREAD, /* unused target on a rank below its share */
	PL_ACCEPT_UNUSED, /* unused target */
	PL_ACCEPT_ANY,    /* any (available) target: shards share */
};

static bool
pl_accept(const struct pl_work *w, uint32_t tgt, enum pl_accept level)
{
	if (w->w_need_avail && !pl_target_available(w->w_map->pm_targets[tgt].pt_state))
		return false;
	if (level == PL_ACCEPT_ANY)
		return true;
	if (w->w_used[tgt])
		return false;
	return level == PL_ACCEPT_UNUSED ||
	       w->w_rank_use[pl_tgt_rank_idx(w->w_map, tgt)] < w->w_rank_cap;
}

/*
 * Pick a target for `shard` from its sequence starting at *draw; *draw is
 * left after the accepted candidate so a later remap continues the sequence.
 * Returns UINT32_MAX only when no target passes even PL_ACCEPT_ANY.
 */
static uint32_t
pl_pick(struct pl_work *w, uint32_t shard, uint32_t *draw)
{
	uint32_t n = w->w_map->pm_nr_targets;
	uint32_t t, start, i, end;
	int      level;

	for (end = *draw + PL_DRAWS_MAX; *draw < end;) {
		t = pl_candidate(w->w_seed, shard, (*draw)++, n);
		if (pl_accept(w, t, PL_ACCEPT_SPREAD))
			return t;
	}
	/* Free targets are scarce: scan from a hashed start, loosening the rules. */
	start = pl_candidate(w->w_seed, shard, *draw, n);
	for (level = PL_ACCEPT_SPREAD; level <= PL_ACCEPT_ANY; level++) {
		for (i = 0; i < n; i++) {
			t = (uint32_t)(((uint64_t)start + i) % n);
			if (pl_accept(w, t, (enum pl_accept)level))
				return t;
		}
	}
	return UINT32_MAX;
}

static void
pl_take(struct pl_work *w, uint32_t tgt)
{
	w->w_used[tgt] = 1;
	w->w_rank_use[pl_tgt_rank_idx(w->w_map, tgt)]++;
}

int
pl_obj_layout(const struct pl_pool_map *map, daos_obj_id_t oid, struct pl_obj_layout *layout)
{
	struct pl_work   w     = {0};
	struct pl_shard *sh    = NULL;
	uint32_t        *ideal = NULL;
	uint32_t        *draws = NULL;
	uint32_t         redun = pl_oid_redun(oid);
	uint32_t         grp   = pl_oid_grp_nr(oid);
	uint32_t         nr, s, t, avail = 0;
	int              rc;

	if (redun != OR_RP_1) {
		struct pl_oclass_attr attr;

		if (pl_oclass_attr(OBJ_CLASS_DEF(redun, 1), &attr) == 0) {
			D_ERROR("oid %#" PRIx64 ".%#" PRIx64 ": redundancy %u not supported yet\n",
				oid.hi, oid.lo, redun);
			return -DER_NOSYS;
		}
		D_ERROR("oid %#" PRIx64 ".%#" PRIx64 ": no valid class (redundancy %u)\n",
			oid.hi, oid.lo, redun);
		return -DER_INVAL;
	}
	if (grp == 0) {
		D_ERROR("oid %#" PRIx64 ".%#" PRIx64 ": no group count, not generated?\n",
			oid.hi, oid.lo);
		return -DER_INVAL;
	}
	for (t = 0; t < map->pm_nr_targets; t++)
		avail += pl_target_available(map->pm_targets[t].pt_state);
	if (avail == 0) {
		D_ERROR("pool map v%u: no available target\n", map->pm_version);
		return -DER_NONEXIST;
	}
	nr = grp < map->pm_nr_targets ? grp : map->pm_nr_targets;

	sh           = calloc(nr, sizeof(*sh));
	ideal        = calloc(nr, sizeof(*ideal));
	draws        = calloc(nr, sizeof(*draws));
	w.w_used     = calloc(map->pm_nr_targets, sizeof(*w.w_used));
	w.w_rank_use = calloc(map->pm_nr_ranks, sizeof(*w.w_rank_use));
	if (sh == NULL || ideal == NULL || draws == NULL || w.w_used == NULL ||
	    w.w_rank_use == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	w.w_map      = map;
	w.w_seed     = pl_oid_seed(oid);
	w.w_rank_cap = (nr + map->pm_nr_ranks - 1) / map->pm_nr_ranks;

	/* Phase 1: the state-independent ideal layout. nr <= targets: always found. */
	for (s = 0; s < nr; s++) {
		ideal[s] = pl_pick(&w, s, &draws[s]);
		assert(ideal[s] < map->pm_nr_targets);
		pl_take(&w, ideal[s]);
	}

	/*
	 * Phase 2: the used set stays the ideal one (so a remap never lands on a
	 * target an ideal shard holds), rank shares count only shards that stay.
	 */
	memset(w.w_rank_use, 0, map->pm_nr_ranks * sizeof(*w.w_rank_use));
	for (s = 0; s < nr; s++)
		if (pl_target_available(map->pm_targets[ideal[s]].pt_state))
			w.w_rank_use[pl_tgt_rank_idx(map, ideal[s])]++;
	w.w_need_avail = true;
	for (s = 0; s < nr; s++) {
		t = ideal[s];
		if (!pl_target_available(map->pm_targets[t].pt_state)) {
			t = pl_pick(&w, s, &draws[s]);
			assert(t < map->pm_nr_targets); /* avail > 0: ANY finds one */
			pl_take(&w, t);
			sh[s].ps_remapped = 1;
		}
		sh[s].ps_tgt_id  = t;
		sh[s].ps_rank    = map->pm_targets[t].pt_rank;
		sh[s].ps_tgt_idx = map->pm_targets[t].pt_index;
	}

	layout->ol_map_ver = map->pm_version;
	layout->ol_nr      = nr;
	layout->ol_shards  = sh;
	sh                 = NULL;
	rc                 = 0;
out:
	free(sh);
	free(ideal);
	free(draws);
	free(w.w_used);
	free(w.w_rank_use);
	return rc;
}

void
pl_obj_layout_free(struct pl_obj_layout *layout)
{
	if (layout == NULL)
		return;
	free(layout->ol_shards);
	memset(layout, 0, sizeof(*layout));
}

uint32_t
pl_dkey_shard(daos_obj_id_t oid, const struct pl_obj_layout *layout, const void *dkey,
	      size_t dkey_len)
{
	assert(layout != NULL && layout->ol_nr > 0);
	assert(dkey != NULL || dkey_len == 0);
	return pl_jump_hash(pl_hash_bytes(dkey, dkey_len, pl_oid_seed(oid)), layout->ol_nr);
}
