/*
 * daos_perf_stats.c: latency histograms, slot orders and data stamps.
 *
 * Histogram invariants:
 *  H1. A value v < 32 ns counts in bucket v; a larger one in bucket
 *      32 * (e - 4) + ((v >> (e - 5)) & 31) with e = floor(log2 v), so each
 *      power of two [2^e, 2^(e+1)) is cut into 32 equal buckets; values past
 *      the last octave count in the last bucket.
 *  H2. h_count is the sum of the buckets; h_min/h_max are exact (h_min is
 *      UINT64_MAX while empty).
 * Permutation invariant:
 *  P1. dperf_perm_at() is a bijection of [0, n): the Feistel network is a
 *      bijection of [0, 4^half) >= n, and cycle walking (applying it again
 *      while the result is >= n) stays inside the cycle of the start point,
 *      which returns below n before it closes.
 */
#include <assert.h>
#include <string.h>
#include <time.h>

#include "daos_perf.h"

uint64_t
dperf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- Histograms ---- */

#define DPERF_HIST_SUB (1U << DPERF_HIST_SUB_BITS)

void
dperf_hist_reset(struct dperf_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->h_min = UINT64_MAX;
}

unsigned
dperf_hist_index(uint64_t ns)
{
	unsigned e;
	unsigned idx;

	if (ns < DPERF_HIST_SUB)
		return (unsigned)ns;
	e   = 63U - (unsigned)__builtin_clzll(ns);
	idx = DPERF_HIST_SUB * (e - DPERF_HIST_SUB_BITS + 1) +
	      (unsigned)((ns >> (e - DPERF_HIST_SUB_BITS)) & (DPERF_HIST_SUB - 1));
	return idx < DPERF_HIST_BUCKETS ? idx : DPERF_HIST_BUCKETS - 1;
}

void
dperf_hist_bounds(unsigned idx, uint64_t *lo, uint64_t *hi)
{
	unsigned e;
	uint64_t m;

	assert(idx < DPERF_HIST_BUCKETS);
	if (idx < DPERF_HIST_SUB) {
		*lo = *hi = idx;
		return;
	}
	e   = idx / DPERF_HIST_SUB + DPERF_HIST_SUB_BITS - 1;
	m   = idx % DPERF_HIST_SUB;
	*lo = (DPERF_HIST_SUB + m) << (e - DPERF_HIST_SUB_BITS);
	*hi = *lo + (1ULL << (e - DPERF_HIST_SUB_BITS)) - 1;
}

void
dperf_hist_add(struct dperf_hist *h, uint64_t ns)
{
	h->h_bucket[dperf_hist_index(ns)]++;
	h->h_count++;
	h->h_sum += ns;
	if (ns < h->h_min)
		h->h_min = ns;
	if (ns > h->h_max)
		h->h_max = ns;
}

void
dperf_hist_merge(struct dperf_hist *dst, const struct dperf_hist *src)
{
	if (src->h_count == 0)
		return;
	for (unsigned i = 0; i < DPERF_HIST_BUCKETS; i++)
		dst->h_bucket[i] += src->h_bucket[i];
	dst->h_count += src->h_count;
	dst->h_sum += src->h_sum;
	if (src->h_min < dst->h_min)
		dst->h_min = src->h_min;
	if (src->h_max > dst->h_max)
		dst->h_max = src->h_max;
}

double
dperf_hist_pct(const struct dperf_hist *h, double p)
{
	uint64_t rank;
	uint64_t seen = 0;
	double   v;

	if (h->h_count == 0)
		return 0;
	if (p >= 100)
		return (double)h->h_max;
	rank = (uint64_t)(p / 100.0 * (double)h->h_count);
	if ((double)rank < p / 100.0 * (double)h->h_count)
		rank++; /* ceil */
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < DPERF_HIST_BUCKETS; i++) {
		uint64_t lo, hi;

		seen += h->h_bucket[i];
		if (seen < rank)
			continue;
		dperf_hist_bounds(i, &lo, &hi);
		v = ((double)lo + (double)hi) / 2;
		if (v < (double)h->h_min)
			v = (double)h->h_min;
		if (v > (double)h->h_max)
			v = (double)h->h_max;
		return v;
	}
	return (double)h->h_max; /* not reached: H2 */
}

/* ---- Slot orders ---- */

uint64_t
dperf_mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

void
dperf_perm_init(struct dperf_perm *p, uint64_t n, bool random, uint64_t key)
{
	unsigned bits = 2;

	p->pp_n    = n;
	p->pp_key  = dperf_mix64(key);
	p->pp_half = 0;
	if (!random || n <= 1)
		return;
	while (bits < 64 && (1ULL << bits) < n)
		bits++;
	bits += bits & 1; /* an even width: two equal halves */
	p->pp_half = bits / 2;
}

static uint64_t
dperf_feistel(const struct dperf_perm *p, uint64_t x)
{
	uint64_t mask = (1ULL << p->pp_half) - 1;
	uint64_t l    = x >> p->pp_half;
	uint64_t r    = x & mask;

	for (unsigned round = 0; round < 4; round++) {
		uint64_t f = dperf_mix64(r ^ p->pp_key ^ ((uint64_t)round << 58)) & mask;
		uint64_t t = l ^ f;

		l = r;
		r = t;
	}
	return (l << p->pp_half) | r;
}

uint64_t
dperf_perm_at(const struct dperf_perm *p, uint64_t i)
{
	uint64_t x = i;

	assert(i < p->pp_n);
	if (p->pp_half == 0)
		return i;
	do
		x = dperf_feistel(p, x);
	while (x >= p->pp_n); /* P1: at most a few rounds, the domain is < 4n */
	return x;
}

/* ---- Data stamps ---- */

static void
dperf_stamp_words(uint64_t seed, uint64_t obj, uint64_t idx, uint64_t *head, uint64_t *tail)
{
	*head = dperf_mix64(seed ^ dperf_mix64(obj ^ dperf_mix64(idx)));
	*tail = dperf_mix64(*head);
}

void
dperf_stamp(void *buf, uint64_t size, uint64_t seed, uint64_t obj, uint64_t idx)
{
	uint64_t head, tail;
	size_t   n = size < 8 ? (size_t)size : 8;

	dperf_stamp_words(seed, obj, idx, &head, &tail);
	memcpy(buf, &head, n);
	memcpy((char *)buf + size - n, &tail, n);
}

bool
dperf_check(const void *buf, uint64_t size, uint64_t seed, uint64_t obj, uint64_t idx)
{
	uint64_t head, tail;
	size_t   n = size < 8 ? (size_t)size : 8;

	if (size < 16) {
		/* head and tail overlap or touch: compare with a stamped copy */
		unsigned char want[16];

		dperf_stamp(want, size, seed, obj, idx);
		return memcmp(want, buf, (size_t)size) == 0;
	}
	dperf_stamp_words(seed, obj, idx, &head, &tail);
	return memcmp(buf, &head, n) == 0 && memcmp((const char *)buf + size - n, &tail, n) == 0;
}
