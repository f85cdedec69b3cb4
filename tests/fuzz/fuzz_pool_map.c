/*
 * fuzz_pool_map.c: libFuzzer target for pl_map_decode and pl_obj_layout
 * (src/placement).
 *
 * Properties checked on every input (abort on violation):
 *  1. decode never crashes; it fails only with -DER_INVAL (with a message)
 *     or -DER_DF_INCOMPT, and leaves the output NULL;
 *  2. a decoded map satisfies placement.h invariants 1-4;
 *  3. re-encoding a decoded map gives back exactly the input bytes (the
 *     encoding is canonical);
 *  4. layouts of S1, S4 and SX objects on it either fail with -DER_NONEXIST
 *     (no available target) or name available targets of the map, distinct
 *     while there are enough, and every dkey shard is in range.
 * Each input is decoded as given (which exercises the CRC check) and again
 * with its last four bytes replaced by the right CRC, so that mutated maps
 * get past the CRC and reach the field checks and the placement code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/checksum.h"
#include "placement/placement.h"

/* Inputs are cut to this many bytes: room for a few thousand targets. */
#define FUZZ_INPUT_MAX 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_map(const struct pl_pool_map *map)
{
	uint32_t i, t, next = 0;

	if (map->pm_nr_ranks == 0 || map->pm_nr_ranks > PL_RANKS_MAX ||
	    map->pm_nr_targets == 0 || map->pm_nr_targets > PL_TARGETS_MAX)
		abort();
	for (i = 0; i < map->pm_nr_ranks; i++) {
		const struct pl_rank *r = &map->pm_ranks[i];
		size_t                dl = strnlen(r->pr_domain, sizeof(r->pr_domain));

		if (i > 0 && r->pr_rank <= map->pm_ranks[i - 1].pr_rank)
			abort();
		if (r->pr_tgt_first != next || r->pr_nr_targets == 0 ||
		    r->pr_nr_targets > PL_TARGETS_PER_RANK_MAX || !pl_state_valid(r->pr_state))
			abort();
		if (dl == 0 || dl > PL_DOMAIN_MAX)
			abort();
		for (t = 0; t < r->pr_nr_targets; t++) {
			const struct pl_target *tgt = &map->pm_targets[next + t];

			if (tgt->pt_rank != r->pr_rank || tgt->pt_index != t ||
			    !pl_state_valid(tgt->pt_state))
				abort();
		}
		next += r->pr_nr_targets;
	}
	if (next != map->pm_nr_targets)
		abort();
}

static void
check_layouts(const struct pl_pool_map *map, uint64_t lo)
{
	static const daos_oclass_id_t cls[] = {OC_S1, OC_S4, OC_SX};
	uint32_t                      avail = 0, c, s, s2, t;

	for (t = 0; t < map->pm_nr_targets; t++)
		avail += pl_target_available(map->pm_targets[t].pt_state);
	for (c = 0; c < sizeof(cls) / sizeof(cls[0]); c++) {
		daos_obj_id_t        oid = {.lo = lo + c, .hi = lo};
		struct pl_obj_layout l;
		int                  rc;

		rc = pl_oid_generate(&oid, DAOS_OT_MULTI_HASHED, cls[c], 0, map->pm_nr_targets);
		if (rc != 0) {
			if (rc != -DER_INVAL || cls[c] != OC_S4 || map->pm_nr_targets >= 4)
				abort();
			continue;
		}
		rc = pl_obj_layout(map, oid, &l);
		if (rc != 0) {
			if (rc != -DER_NONEXIST || avail != 0)
				abort();
			continue;
		}
		if (l.ol_nr == 0 || l.ol_nr > map->pm_nr_targets || l.ol_map_ver != map->pm_version)
			abort();
		for (s = 0; s < l.ol_nr; s++) {
			const struct pl_shard *sh = &l.ol_shards[s];

			if (sh->ps_tgt_id >= map->pm_nr_targets ||
			    !pl_target_available(map->pm_targets[sh->ps_tgt_id].pt_state) ||
			    map->pm_targets[sh->ps_tgt_id].pt_rank != sh->ps_rank ||
			    map->pm_targets[sh->ps_tgt_id].pt_index != sh->ps_tgt_idx)
				abort();
			if (l.ol_nr <= avail)
				for (s2 = 0; s2 < s; s2++)
					if (l.ol_shards[s2].ps_tgt_id == sh->ps_tgt_id)
						abort();
		}
		if (pl_dkey_shard(oid, &l, &lo, sizeof(lo)) >= l.ol_nr)
			abort();
		pl_obj_layout_free(&l);
	}
}

static void
fuzz_one(const uint8_t *data, size_t size)
{
	struct pl_pool_map *map = NULL;
	char                err[256];
	uint8_t            *enc;
	size_t              need = 0;
	int                 rc;

	err[0] = '\0';
	rc     = pl_map_decode(data, size, &map, err, sizeof(err));
	if (rc != 0) {
		if ((rc != -DER_INVAL && rc != -DER_DF_INCOMPT) || map != NULL || err[0] == '\0')
			abort();
		return;
	}
	check_map(map);

	enc = malloc(size);
	if (enc == NULL)
		abort();
	if (pl_map_encode(map, enc, size, &need) != 0 || need != size ||
	    memcmp(enc, data, size) != 0)
		abort();
	free(enc);

	check_layouts(map, pl_hash_bytes(data, size, 0));
	pl_map_free(map);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	uint32_t crc;

	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	fuzz_one(data, size);
	if (size < PL_MAP_HDR_SIZE + PL_MAP_CRC_SIZE)
		return 0;

	fixed = malloc(size);
	if (fixed == NULL)
		abort();
	memcpy(fixed, data, size);
	crc              = d_crc32c(0, fixed, size - PL_MAP_CRC_SIZE);
	fixed[size - 4] = (uint8_t)crc;
	fixed[size - 3] = (uint8_t)(crc >> 8);
	fixed[size - 2] = (uint8_t)(crc >> 16);
	fixed[size - 1] = (uint8_t)(crc >> 24);
	fuzz_one(fixed, size);
	free(fixed);
	return 0;
}
