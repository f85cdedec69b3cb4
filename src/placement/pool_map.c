/*
 * pool_map.c: the pool map in memory (build, copy, state changes) and its
 * versioned wire encoding with a strict decoder for untrusted bytes.
 *
 * Invariants: those numbered 1-5 in placement.h. The map is a plain value:
 * no locking here; a caller sharing one across threads publishes a new copy
 * (pl_map_dup + change) rather than changing one that readers hold.
 *
 * The decoder walks the bytes once, checking each field against its limit
 * before using it (and every count against the bytes left before
 * allocating), and checks the CRC last so that a fuzzer reaches every field
 * check; a map is returned only when the whole buffer was consumed exactly.
 */
#define D_LOGFAC DD_FAC(placement)

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/checksum.h"
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "placement/placement.h"
#include "gurt/byteorder.h"

bool
pl_state_valid(uint32_t state)
{
	switch (state) {
	case PL_NEW:
	case PL_UP:
	case PL_UP_IN:
	case PL_DOWN:
	case PL_DOWN_OUT:
	case PL_DRAIN:
		return true;
	default:
		return false;
	}
}

const char *
pl_state_name(uint32_t state)
{
	switch (state) {
	case PL_NEW:
		return "new";
	case PL_UP:
		return "up";
	case PL_UP_IN:
		return "up_in";
	case PL_DOWN:
		return "down";
	case PL_DOWN_OUT:
		return "down_out";
	case PL_DRAIN:
		return "drain";
	default:
		return "unknown";
	}
}

bool
pl_target_available(uint32_t state)
{
	return state == PL_UP_IN || state == PL_UP || state == PL_DRAIN;
}

/* Check a domain name (invariant 4); len excludes any NUL. */
static int
map_check_domain(const char *dom, size_t len, uint32_t rank, char *errbuf, size_t errlen)
{
	size_t i;

	if (len == 0) {
		d_errbuf_printf(errbuf, errlen, "rank %u: empty fault domain", rank);
		return -DER_INVAL;
	}
	if (len > PL_DOMAIN_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"rank %u: fault domain longer than %u bytes", rank,
				PL_DOMAIN_MAX);
		return -DER_INVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)dom[i];

		if (c < 0x21 || c > 0x7e) {
			d_errbuf_printf(errbuf, errlen,
					"rank %u: fault domain has a byte 0x%02x at offset %zu "
					"(printable ASCII only)",
					rank, c, i);
			return -DER_INVAL;
		}
	}
	return 0;
}

/* Allocate an empty map for nr_ranks ranks and nr_targets targets. */
static struct pl_pool_map *
map_alloc(uint32_t nr_ranks, uint32_t nr_targets)
{
	struct pl_pool_map *map;

	assert(nr_ranks > 0 && nr_ranks <= PL_RANKS_MAX);
	assert(nr_targets > 0 && nr_targets <= PL_TARGETS_MAX);
	map = calloc(1, sizeof(*map));
	if (map == NULL)
		return NULL;
	map->pm_ranks   = calloc(nr_ranks, sizeof(*map->pm_ranks));
	map->pm_targets = calloc(nr_targets, sizeof(*map->pm_targets));
	if (map->pm_ranks == NULL || map->pm_targets == NULL) {
		pl_map_free(map);
		return NULL;
	}
	map->pm_nr_ranks   = nr_ranks;
	map->pm_nr_targets = nr_targets;
	return map;
}

void
pl_map_free(struct pl_pool_map *map)
{
	if (map == NULL)
		return;
	free(map->pm_ranks);
	free(map->pm_targets);
	free(map);
}

static int
desc_cmp(const void *a, const void *b)
{
	const struct pl_rank_desc *x = *(const struct pl_rank_desc *const *)a;
	const struct pl_rank_desc *y = *(const struct pl_rank_desc *const *)b;

	return x->rd_rank < y->rd_rank ? -1 : x->rd_rank > y->rd_rank;
}

int
pl_map_create(const struct pl_rank_desc *descs, uint32_t nr, struct pl_pool_map **mapp,
	      char *errbuf, size_t errlen)
{
	const struct pl_rank_desc **sorted = NULL;
	struct pl_pool_map         *map    = NULL;
	uint32_t                    nr_tgts = 0;
	uint32_t                    i, t;
	int                         rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (nr == 0 || descs == NULL) {
		d_errbuf_printf(errbuf, errlen, "a pool map needs at least one rank");
		return -DER_INVAL;
	}
	if (nr > PL_RANKS_MAX) {
		d_errbuf_printf(errbuf, errlen, "%u ranks, at most %u are supported", nr,
				PL_RANKS_MAX);
		return -DER_INVAL;
	}
	for (i = 0; i < nr; i++) {
		const char *dom = descs[i].rd_domain;

		if (descs[i].rd_nr_targets == 0 ||
		    descs[i].rd_nr_targets > PL_TARGETS_PER_RANK_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"rank %u: %u targets, a rank has 1 to %u",
					descs[i].rd_rank, descs[i].rd_nr_targets,
					PL_TARGETS_PER_RANK_MAX);
			return -DER_INVAL;
		}
		rc = map_check_domain(dom == NULL ? "" : dom,
				      dom == NULL ? 0 : strnlen(dom, PL_DOMAIN_MAX + 1),
				      descs[i].rd_rank, errbuf, errlen);
		if (rc != 0)
			return rc;
		nr_tgts += descs[i].rd_nr_targets;
	}

	sorted = calloc(nr, sizeof(*sorted));
	if (sorted == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++)
		sorted[i] = &descs[i];
	qsort(sorted, nr, sizeof(*sorted), desc_cmp);
	for (i = 1; i < nr; i++) {
		if (sorted[i]->rd_rank == sorted[i - 1]->rd_rank) {
			d_errbuf_printf(errbuf, errlen, "rank %u is listed twice",
					sorted[i]->rd_rank);
			rc = -DER_INVAL;
			goto out;
		}
	}

	map = map_alloc(nr, nr_tgts);
	if (map == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	map->pm_version = 1;
	nr_tgts         = 0;
	for (i = 0; i < nr; i++) {
		struct pl_rank *r = &map->pm_ranks[i];

		r->pr_rank       = sorted[i]->rd_rank;
		r->pr_state      = PL_UP_IN;
		r->pr_nr_targets = sorted[i]->rd_nr_targets;
		r->pr_tgt_first  = nr_tgts;
		strcpy(r->pr_domain, sorted[i]->rd_domain);
		for (t = 0; t < r->pr_nr_targets; t++) {
			struct pl_target *tgt = &map->pm_targets[nr_tgts++];

			tgt->pt_rank  = r->pr_rank;
			tgt->pt_index = t;
			tgt->pt_state = PL_UP_IN;
		}
	}
	*mapp = map;
	map   = NULL;
	rc    = 0;
out:
	free(sorted);
	pl_map_free(map);
	return rc;
}

int
pl_map_dup(const struct pl_pool_map *map, struct pl_pool_map **dupp)
{
	struct pl_pool_map *dup = map_alloc(map->pm_nr_ranks, map->pm_nr_targets);

	if (dup == NULL)
		return -DER_NOMEM;
	dup->pm_version = map->pm_version;
	memcpy(dup->pm_ranks, map->pm_ranks, map->pm_nr_ranks * sizeof(*map->pm_ranks));
	memcpy(dup->pm_targets, map->pm_targets,
	       map->pm_nr_targets * sizeof(*map->pm_targets));
	*dupp = dup;
	return 0;
}

const struct pl_rank *
pl_map_find_rank(const struct pl_pool_map *map, uint32_t rank)
{
	uint32_t lo = 0, hi = map->pm_nr_ranks;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (map->pm_ranks[mid].pr_rank == rank)
			return &map->pm_ranks[mid];
		if (map->pm_ranks[mid].pr_rank < rank)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
pl_map_set_target_state(struct pl_pool_map *map, uint32_t rank, uint32_t tgt_idx,
			uint32_t state)
{
	const struct pl_rank *r;
	struct pl_target     *tgt;

	if (!pl_state_valid(state))
		return -DER_INVAL;
	r = pl_map_find_rank(map, rank);
	if (r == NULL || tgt_idx >= r->pr_nr_targets)
		return -DER_NONEXIST;
	tgt = &map->pm_targets[r->pr_tgt_first + tgt_idx];
	if (tgt->pt_state == state)
		return 0;
	if (map->pm_version == UINT32_MAX)
		return -DER_OVERFLOW;
	tgt->pt_state = state;
	map->pm_version++;
	D_DEBUG("pool map v%u: rank %u target %u -> %s\n", map->pm_version, rank, tgt_idx,
		pl_state_name(state));
	return 0;
}

int
pl_map_set_rank_state(struct pl_pool_map *map, uint32_t rank, uint32_t state)
{
	struct pl_rank *r;
	bool            changed;
	uint32_t        t;

	if (!pl_state_valid(state))
		return -DER_INVAL;
	r = (struct pl_rank *)pl_map_find_rank(map, rank);
	if (r == NULL)
		return -DER_NONEXIST;
	changed = r->pr_state != state;
	for (t = 0; t < r->pr_nr_targets; t++)
		changed |= map->pm_targets[r->pr_tgt_first + t].pt_state != state;
	if (!changed)
		return 0;
	if (map->pm_version == UINT32_MAX)
		return -DER_OVERFLOW;
	r->pr_state = state;
	for (t = 0; t < r->pr_nr_targets; t++)
		map->pm_targets[r->pr_tgt_first + t].pt_state = state;
	map->pm_version++;
	D_DEBUG("pool map v%u: rank %u -> %s\n", map->pm_version, rank, pl_state_name(state));
	return 0;
}

/* ---- encoding ---- */

static uint8_t *
put_u16(uint8_t *p, uint16_t v)
{
	d_put_le16(p, v);
	return p + 2;
}

static uint8_t *
put_u32(uint8_t *p, uint32_t v)
{
	d_put_le32(p, v);
	return p + 4;
}

size_t
pl_map_encoded_size(const struct pl_pool_map *map)
{
	size_t   size = PL_MAP_HDR_SIZE + PL_MAP_CRC_SIZE;
	uint32_t i;

	for (i = 0; i < map->pm_nr_ranks; i++)
		size += PL_MAP_RANK_SIZE + strlen(map->pm_ranks[i].pr_domain) +
			map->pm_ranks[i].pr_nr_targets;
	return size;
}

int
pl_map_encode(const struct pl_pool_map *map, void *buf, size_t buflen, size_t *needed)
{
	size_t   size = pl_map_encoded_size(map);
	uint8_t *p    = buf;
	uint32_t i, t;

	if (needed != NULL)
		*needed = size;
	if (buf == NULL || buflen < size)
		return -DER_TRUNC;

	p = put_u32(p, PL_MAP_MAGIC);
	p = put_u16(p, PL_MAP_LAYOUT_V1);
	p = put_u16(p, 0);
	p = put_u32(p, map->pm_version);
	p = put_u32(p, map->pm_nr_ranks);
	p = put_u32(p, map->pm_nr_targets);
	for (i = 0; i < map->pm_nr_ranks; i++) {
		const struct pl_rank *r   = &map->pm_ranks[i];
		size_t                dl  = strlen(r->pr_domain);

		p = put_u32(p, r->pr_rank);
		p = put_u32(p, r->pr_state);
		p = put_u16(p, (uint16_t)r->pr_nr_targets);
		p = put_u16(p, (uint16_t)dl);
		memcpy(p, r->pr_domain, dl);
		p += dl;
		for (t = 0; t < r->pr_nr_targets; t++)
			*p++ = (uint8_t)map->pm_targets[r->pr_tgt_first + t].pt_state;
	}
	p = put_u32(p, d_crc32c(0, buf, (size_t)(p - (uint8_t *)buf)));
	assert((size_t)(p - (uint8_t *)buf) == size);
	return 0;
}

/* Bytes left from p to end, for "is there room for n more" checks. */
#define DEC_LEFT(p, end) ((size_t)((end) - (p)))

int
pl_map_decode(const void *buf, size_t len, struct pl_pool_map **mapp, char *errbuf,
	      size_t errlen)
{
	const uint8_t      *start = buf;
	const uint8_t      *end;
	const uint8_t      *p;
	struct pl_pool_map *map = NULL;
	uint32_t            magic, nr_ranks, nr_tgts, version, crc;
	uint16_t            layout, flags;
	uint32_t            i, t, tgt_next = 0;
	int                 rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (buf == NULL && len > 0) {
		d_errbuf_printf(errbuf, errlen, "no buffer");
		return -DER_INVAL;
	}
	if (len < 8) {
		d_errbuf_printf(errbuf, errlen,
				"pool map truncated: %zu bytes, the header alone needs %u", len,
				PL_MAP_HDR_SIZE);
		return -DER_INVAL;
	}
	magic = d_get_le32(start);
	if (magic != PL_MAP_MAGIC) {
		d_errbuf_printf(errbuf, errlen, "bad magic 0x%08x (want 0x%08x)", magic,
				PL_MAP_MAGIC);
		return -DER_INVAL;
	}
	layout = d_get_le16(start + 4);
	if (layout != PL_MAP_LAYOUT_V1) {
		d_errbuf_printf(errbuf, errlen, "unknown layout version %u (this build reads %u)",
				layout, PL_MAP_LAYOUT_V1);
		return -DER_DF_INCOMPT;
	}
	flags = d_get_le16(start + 6);
	if (flags != 0) {
		d_errbuf_printf(errbuf, errlen, "unknown flags 0x%04x", flags);
		return -DER_INVAL;
	}
	if (len < PL_MAP_HDR_SIZE + PL_MAP_CRC_SIZE) {
		d_errbuf_printf(errbuf, errlen,
				"pool map truncated: %zu bytes, header and CRC need %u", len,
				PL_MAP_HDR_SIZE + PL_MAP_CRC_SIZE);
		return -DER_INVAL;
	}
	if (len > PL_MAP_ENC_MAX) {
		d_errbuf_printf(errbuf, errlen, "pool map of %zu bytes, at most %zu", len,
				(size_t)PL_MAP_ENC_MAX);
		return -DER_INVAL;
	}
	version  = d_get_le32(start + 8);
	nr_ranks = d_get_le32(start + 12);
	nr_tgts  = d_get_le32(start + 16);
	end      = start + len - PL_MAP_CRC_SIZE; /* entries end where the CRC starts */
	p        = start + PL_MAP_HDR_SIZE;

	if (nr_ranks == 0 || nr_ranks > PL_RANKS_MAX) {
		d_errbuf_printf(errbuf, errlen, "rank count %u out of range 1..%u", nr_ranks,
				PL_RANKS_MAX);
		return -DER_INVAL;
	}
	if (nr_tgts == 0 || nr_tgts > PL_TARGETS_MAX ||
	    nr_tgts > (uint64_t)nr_ranks * PL_TARGETS_PER_RANK_MAX || nr_tgts < nr_ranks) {
		d_errbuf_printf(errbuf, errlen,
				"target count %u out of range %u..%u for %u ranks", nr_tgts,
				nr_ranks, nr_ranks * PL_TARGETS_PER_RANK_MAX, nr_ranks);
		return -DER_INVAL;
	}
	/* Each rank takes at least an entry, one domain byte and one target state. */
	if ((uint64_t)nr_ranks * (PL_MAP_RANK_SIZE + 1) + nr_tgts > DEC_LEFT(p, end)) {
		d_errbuf_printf(errbuf, errlen,
				"pool map truncated: %u ranks and %u targets cannot fit in %zu "
				"bytes",
				nr_ranks, nr_tgts, DEC_LEFT(p, end));
		return -DER_INVAL;
	}

	map = map_alloc(nr_ranks, nr_tgts);
	if (map == NULL)
		return -DER_NOMEM;
	map->pm_version = version;

	for (i = 0; i < nr_ranks; i++) {
		struct pl_rank *r = &map->pm_ranks[i];
		uint32_t        rstate;
		uint16_t        rtgts, dlen;

		if (DEC_LEFT(p, end) < PL_MAP_RANK_SIZE) {
			d_errbuf_printf(errbuf, errlen, "pool map truncated in rank entry %u", i);
			rc = -DER_INVAL;
			goto out;
		}
		r->pr_rank = d_get_le32(p);
		rstate     = d_get_le32(p + 4);
		rtgts      = d_get_le16(p + 8);
		dlen       = d_get_le16(p + 10);
		p += PL_MAP_RANK_SIZE;
		if (i > 0 && r->pr_rank <= map->pm_ranks[i - 1].pr_rank) {
			d_errbuf_printf(errbuf, errlen,
					"rank entry %u: rank %u after rank %u (ranks must be "
					"sorted and unique)",
					i, r->pr_rank, map->pm_ranks[i - 1].pr_rank);
			rc = -DER_INVAL;
			goto out;
		}
		if (!pl_state_valid(rstate)) {
			d_errbuf_printf(errbuf, errlen, "rank %u: bad state 0x%x", r->pr_rank,
					rstate);
			rc = -DER_INVAL;
			goto out;
		}
		r->pr_state = rstate;
		if (rtgts == 0 || rtgts > PL_TARGETS_PER_RANK_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"rank %u: target count %u out of range 1..%u", r->pr_rank,
					rtgts, PL_TARGETS_PER_RANK_MAX);
			rc = -DER_INVAL;
			goto out;
		}
		if (rtgts > nr_tgts - tgt_next) {
			d_errbuf_printf(errbuf, errlen,
					"rank %u: its %u targets exceed the header's target "
					"count %u",
					r->pr_rank, rtgts, nr_tgts);
			rc = -DER_INVAL;
			goto out;
		}
		if (dlen == 0 || dlen > PL_DOMAIN_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"rank %u: fault domain length %u out of range 1..%u",
					r->pr_rank, dlen, PL_DOMAIN_MAX);
			rc = -DER_INVAL;
			goto out;
		}
		if (DEC_LEFT(p, end) < (size_t)dlen + rtgts) {
			d_errbuf_printf(errbuf, errlen,
					"pool map truncated in rank %u (domain and target "
					"states)",
					r->pr_rank);
			rc = -DER_INVAL;
			goto out;
		}
		rc = map_check_domain((const char *)p, dlen, r->pr_rank, errbuf, errlen);
		if (rc != 0)
			goto out;
		memcpy(r->pr_domain, p, dlen);
		r->pr_domain[dlen] = '\0';
		p += dlen;
		r->pr_nr_targets = rtgts;
		r->pr_tgt_first  = tgt_next;
		for (t = 0; t < rtgts; t++) {
			struct pl_target *tgt = &map->pm_targets[tgt_next++];

			if (!pl_state_valid(p[t])) {
				d_errbuf_printf(errbuf, errlen,
						"rank %u target %u: bad state 0x%x", r->pr_rank,
						t, p[t]);
				rc = -DER_INVAL;
				goto out;
			}
			tgt->pt_rank  = r->pr_rank;
			tgt->pt_index = t;
			tgt->pt_state = p[t];
		}
		p += rtgts;
	}
	if (tgt_next != nr_tgts) {
		d_errbuf_printf(errbuf, errlen,
				"ranks hold %u targets, the header says %u", tgt_next, nr_tgts);
		rc = -DER_INVAL;
		goto out;
	}
	if (p != end) {
		d_errbuf_printf(errbuf, errlen, "%zu unexpected bytes after the last rank",
				DEC_LEFT(p, end));
		rc = -DER_INVAL;
		goto out;
	}
	crc = d_get_le32(end);
	if (crc != d_crc32c(0, start, len - PL_MAP_CRC_SIZE)) {
		d_errbuf_printf(errbuf, errlen, "CRC mismatch: stored 0x%08x, computed 0x%08x",
				crc, d_crc32c(0, start, len - PL_MAP_CRC_SIZE));
		rc = -DER_INVAL;
		goto out;
	}
	*mapp = map;
	map   = NULL;
	rc    = 0;
out:
	pl_map_free(map);
	return rc;
}
