/*
 * rankset.h: sets of engine ranks, parsed from and printed as "0,5-10,20-100".
 *
 * A rank is a uint32_t; D_RANK_NIL (UINT32_MAX) means "no rank" and is never a
 * member, so members lie in [0, D_RANK_MAX]. A set is kept as a sorted array of
 * disjoint, non-adjacent ranges, so "0-4000000000" costs one range, not four
 * billion entries, and printing gives back the shortest range form.
 *
 * Text form (input):
 *   set     := ws* ( '[' ws* list? ws* ']' | list? ) ws*
 *   list    := element ( ws* ',' ws* element )*
 *   element := number ( ws* '-' ws* number )?
 *   number  := decimal digits (no sign, no "0x"; leading zeros allowed: "007" is 7)
 *   ws      := ' ' | '\t'
 * Elements may repeat, overlap and come in any order; they are merged. The
 * empty string and "[]" are the empty set.
 * Text form (output, d_rankset_format): ranges in ascending order, a single
 * rank as "3", two or more consecutive ranks as "3-4", separated by ',' with no
 * spaces, optionally enclosed in "[...]"; the empty set prints "" (or "[]").
 * The output always parses back to the same set.
 *
 * Invariants of a struct d_rankset (held after every call returns):
 *  1. rs_ranges[0..rs_nr) is sorted ascending by rr_lo.
 *  2. Ranges are disjoint and non-adjacent: rs_ranges[i].rr_hi + 1 < rs_ranges[i+1].rr_lo.
 *  3. Every range has rr_lo <= rr_hi <= D_RANK_MAX.
 *  4. rs_nr <= rs_cap, rs_nr <= D_RANKSET_RANGES_MAX; rs_ranges is NULL iff rs_cap is 0.
 *
 * Ownership and errors: a set owns rs_ranges. Every function that can fail
 * returns 0 or a negative -DER_* code and, on failure, leaves its output set
 * exactly as it was. Not thread-safe: callers serialise access to one set;
 * distinct sets are independent.
 */
#ifndef GURT_RANKSET_H
#define GURT_RANKSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef D_RANK_NIL
/** An engine rank (CaRT's d_rank_t). */
typedef uint32_t d_rank_t;
/** "No rank" (CRT_NO_RANK); never a member of a set. */
#define D_RANK_NIL UINT32_MAX
#endif

/** Largest rank that can be a member. */
#define D_RANK_MAX (UINT32_MAX - 1)

/*
 * Limits
 */
/**
 * Longest text d_rankset_parse accepts, in bytes without the NUL: 64 KiB is
 * half of Linux's 128 KiB limit on one command-line argument, far more than
 * any hand-written rank list, and bounds the parser's work and scratch memory.
 */
#define D_RANKSET_STR_MAX    65536
/**
 * Most disjoint ranges in one set: covers a maximally fragmented set (every
 * other rank) of a 16384-engine system, several times the largest DAOS
 * deployments, while capping a set at 64 KiB and set operations at O(8192).
 * The input limit above allows more elements than this, so the parser can
 * report it.
 */
#define D_RANKSET_RANGES_MAX 8192
/**
 * Most bytes of the input (or of one token) quoted in an error message; longer
 * text is cut and followed by "...", so a 64 KiB input cannot flood a log line.
 */
#define D_RANKSET_QUOTE_MAX  64

/** An inclusive range of ranks. */
struct d_rank_range {
	d_rank_t rr_lo;
	d_rank_t rr_hi;
};

/** A set of ranks; read the members directly or through the functions. */
struct d_rankset {
	struct d_rank_range *rs_ranges; /**< sorted disjoint ranges (invariants 1-3) */
	uint32_t             rs_nr;     /**< ranges in use */
	uint32_t             rs_cap;    /**< ranges allocated */
};

/** Make an empty set (no allocation). Call before any other function. */
void d_rankset_init(struct d_rankset *set);

/** Free a set's memory; it is left empty and may be reused. */
void d_rankset_fini(struct d_rankset *set);

/**
 * Parse `str` (grammar above) and ADD its ranks to `out`, which must have been
 * initialised (so several --ranks arguments can be merged into one set).
 *
 * \param[in]  str     NUL-terminated text, untrusted
 * \param[out] out     set to add to; unchanged on any error
 * \param[out] errbuf  on -DER_INVAL (and -DER_NOMEM), a one-line reason, e.g.
 *                     "invalid rank 'x' in '1,x'"; may be NULL when errlen is 0
 * \return 0, -DER_INVAL (bad text, over a limit), -DER_NOMEM
 */
int d_rankset_parse(const char *str, struct d_rankset *out, char *errbuf, size_t errlen);

/**
 * Add one rank (adding a member again is a no-op returning 0).
 * \return 0, -DER_INVAL for D_RANK_NIL, -DER_OVERFLOW if the set would need
 *         more than D_RANKSET_RANGES_MAX ranges, -DER_NOMEM
 */
int d_rankset_add(struct d_rankset *set, d_rank_t rank);

/**
 * Add the ranks lo..hi inclusive, merging with adjacent or overlapping ranges.
 * \return 0, -DER_INVAL if lo > hi or hi > D_RANK_MAX, -DER_OVERFLOW, -DER_NOMEM
 */
int d_rankset_add_range(struct d_rankset *set, d_rank_t lo, d_rank_t hi);

/**
 * Remove one rank; removing from the middle of a range splits it.
 * \return 0, -DER_NONEXIST if it was not a member, -DER_OVERFLOW if the split
 *         would exceed D_RANKSET_RANGES_MAX ranges, -DER_NOMEM
 */
int d_rankset_del(struct d_rankset *set, d_rank_t rank);

/** True when rank is a member (O(log ranges)). */
bool d_rankset_contains(const struct d_rankset *set, d_rank_t rank);

/** Number of member ranks (up to 2^32 - 1, hence 64 bits). */
uint64_t d_rankset_count(const struct d_rankset *set);

/** True when both sets have exactly the same members. */
bool d_rankset_equal(const struct d_rankset *a, const struct d_rankset *b);

/**
 * Replace dst's members with a copy of src's.
 * \return 0 or -DER_NOMEM
 */
int d_rankset_copy(struct d_rankset *dst, const struct d_rankset *src);

/**
 * Set algebra: dst = a | b, a & b, a - b. dst must be initialised; it may be
 * the same object as a and/or b (the result is built aside, then swapped in).
 * \return 0, -DER_OVERFLOW if the result would exceed D_RANKSET_RANGES_MAX
 *         ranges, -DER_NOMEM; dst is unchanged on error
 */
int d_rankset_union(struct d_rankset *dst, const struct d_rankset *a, const struct d_rankset *b);
int d_rankset_intersect(struct d_rankset *dst, const struct d_rankset *a,
			const struct d_rankset *b);
int d_rankset_subtract(struct d_rankset *dst, const struct d_rankset *a,
		       const struct d_rankset *b);

/**
 * Iterate in ascending order without allocation:
 *   for (ok = d_rankset_first(s, &r); ok; ok = d_rankset_next(s, &r)) ...
 * first sets *rank to the smallest member; next replaces *rank with the
 * smallest member greater than it (it need not be a member). Both return false,
 * leaving *rank unchanged, when there is none. The set must not change during
 * the loop, or the loop continues from *rank in the changed set.
 */
bool d_rankset_first(const struct d_rankset *set, d_rank_t *rank);
bool d_rankset_next(const struct d_rankset *set, d_rank_t *rank);

/**
 * Print the set as "0,5-10,20-100" (or "[0,5-10,20-100]" with brackets).
 * \param[out] buf  receives the NUL-terminated text; on -DER_TRUNC it holds
 *                  as much as fits, still NUL-terminated (when len > 0)
 * \return 0, or -DER_TRUNC when len < d_rankset_format_len(set, brackets)
 */
int d_rankset_format(const struct d_rankset *set, char *buf, size_t len, bool brackets);

/** Bytes d_rankset_format needs, including the NUL. */
size_t d_rankset_format_len(const struct d_rankset *set, bool brackets);

#ifdef __cplusplus
}
#endif

#endif /* GURT_RANKSET_H */
