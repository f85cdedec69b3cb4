/*
 * test_rankset.c: rank sets (src/gurt/rankset.c): parsing, printing, set
 * algebra, limits and every class of bad input with its exact message.
 * Invariants cited are those of rankset.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <daos_errno.h>
#include "gurt/rankset.h"

/* Parse `in` into a fresh set and check its printed form (no brackets). */
static void
check_parse(const char *in, const char *want, uint64_t count)
{
	struct d_rankset s;
	char             err[256] = "untouched";
	char             buf[256];

	d_rankset_init(&s);
	assert_int_equal(d_rankset_parse(in, &s, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, want);
	assert_int_equal(d_rankset_count(&s), count);
	d_rankset_fini(&s);
}

/* Parse `in`: must fail with -DER_INVAL and exactly `msg`, leaving the set alone. */
static void
check_err(const char *in, const char *msg)
{
	struct d_rankset s;
	char             err[512];
	char             buf[64];

	d_rankset_init(&s);
	assert_int_equal(d_rankset_add(&s, 7), 0);
	assert_int_equal(d_rankset_parse(in, &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, msg);
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "7");
	d_rankset_fini(&s);
}

static char *
fmt_alloc(const struct d_rankset *s, bool brackets)
{
	size_t n   = d_rankset_format_len(s, brackets);
	char  *buf = malloc(n);

	assert_non_null(buf);
	assert_int_equal(d_rankset_format(s, buf, n, brackets), 0);
	assert_int_equal(strlen(buf) + 1, n);
	return buf;
}

/* RS01: the example parses and prints back exactly, with and without brackets. */
static void
rs01_example(void **state)
{
	struct d_rankset s;
	char             buf[64];

	(void)state;
	check_parse("0,5-10,20-100", "0,5-10,20-100", 88);
	d_rankset_init(&s);
	assert_int_equal(d_rankset_parse("0,5-10,20-100", &s, NULL, 0), 0);
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), true), 0);
	assert_string_equal(buf, "[0,5-10,20-100]");
	assert_int_equal(s.rs_nr, 3);
	assert_int_equal(s.rs_ranges[1].rr_lo, 5);
	assert_int_equal(s.rs_ranges[1].rr_hi, 10);
	d_rankset_fini(&s);
}

/* RS02: enclosing brackets and blanks around tokens are accepted. */
static void
rs02_brackets_blanks(void **state)
{
	(void)state;
	check_parse("[0-3,6]", "0-3,6", 5);
	check_parse(" [ 3 , 1-2 ] ", "1-3", 3);
	check_parse("1 - 3,\t5", "1-3,5", 4);
	check_parse("[7]", "7", 1);
}

/* RS03: duplicates, overlaps, adjacency and any order merge (invariants 1-2). */
static void
rs03_merge(void **state)
{
	(void)state;
	check_parse("10-20,5,15-25,26,4,5,0", "0,4-5,10-26", 20);
	check_parse("1,2,3", "1-3", 3);
	check_parse("3,4", "3-4", 2);
	check_parse("3", "3", 1);
	check_parse("5,5,5", "5", 1);
	check_parse("9-9,1-10,2-3", "1-10", 10);
	check_parse("007,08", "7-8", 2); /* leading zeros are decimal, not octal */
}

/* RS04: "", blanks and "[]" are the empty set; it prints "" or "[]". */
static void
rs04_empty(void **state)
{
	struct d_rankset s;
	char             buf[8];

	(void)state;
	check_parse("", "", 0);
	check_parse("  ", "", 0);
	check_parse("[]", "", 0);
	check_parse(" [ ] ", "", 0);
	d_rankset_init(&s);
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), true), 0);
	assert_string_equal(buf, "[]");
	assert_int_equal(d_rankset_format_len(&s, false), 1);
	assert_false(d_rankset_first(&s, &(d_rank_t){0}));
	d_rankset_fini(&s);
}

/* RS05: parse adds to the set it is given (several --ranks merge). */
static void
rs05_parse_appends(void **state)
{
	struct d_rankset s;
	char             buf[64];

	(void)state;
	d_rankset_init(&s);
	assert_int_equal(d_rankset_parse("0-2", &s, NULL, 0), 0);
	assert_int_equal(d_rankset_parse("3,10", &s, NULL, 0), 0);
	assert_int_equal(d_rankset_parse("", &s, NULL, 0), 0);
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-3,10");
	d_rankset_fini(&s);
}

/* RS06: the largest rank and the widest range cost one range; D_RANK_NIL is no member. */
static void
rs06_wide(void **state)
{
	struct d_rankset s;

	(void)state;
	check_parse("4294967294", "4294967294", 1);
	check_parse("0-4294967294", "0-4294967294", 4294967295ULL);
	d_rankset_init(&s);
	assert_int_equal(d_rankset_parse("0-4000000000", &s, NULL, 0), 0);
	assert_int_equal(s.rs_nr, 1);
	assert_true(d_rankset_contains(&s, 4000000000U));
	assert_false(d_rankset_contains(&s, 4000000001U));
	assert_false(d_rankset_contains(&s, D_RANK_NIL));
	assert_int_equal(d_rankset_add(&s, D_RANK_NIL), -DER_INVAL);
	assert_int_equal(d_rankset_add_range(&s, 5, D_RANK_NIL), -DER_INVAL);
	assert_int_equal(d_rankset_add_range(&s, 6, 5), -DER_INVAL);
	assert_int_equal(d_rankset_add(&s, D_RANK_MAX), 0);
	assert_int_equal(s.rs_nr, 2);
	assert_int_equal(d_rankset_count(&s), 4000000002ULL);
	d_rankset_fini(&s);
}

/* RS07: add merges on insert, del splits, contains/del of non-members. */
static void
rs07_add_del(void **state)
{
	struct d_rankset s;
	char             buf[64];

	(void)state;
	d_rankset_init(&s);
	assert_int_equal(d_rankset_add(&s, 5), 0);
	assert_int_equal(d_rankset_add(&s, 7), 0);
	assert_int_equal(s.rs_nr, 2);
	assert_int_equal(d_rankset_add(&s, 6), 0); /* bridges 5 and 7 */
	assert_int_equal(s.rs_nr, 1);
	assert_int_equal(d_rankset_add(&s, 6), 0); /* again: no-op */
	assert_int_equal(d_rankset_add_range(&s, 0, 1), 0);
	assert_int_equal(d_rankset_add_range(&s, 9, 12), 0);
	assert_int_equal(d_rankset_add_range(&s, 2, 3), 0); /* touches 0-1 only */
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-3,5-7,9-12");
	assert_int_equal(d_rankset_add_range(&s, 4, 8), 0); /* swallows everything */
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-12");

	assert_int_equal(d_rankset_del(&s, 6), 0); /* split */
	assert_int_equal(d_rankset_del(&s, 0), 0); /* low end */
	assert_int_equal(d_rankset_del(&s, 12), 0); /* high end */
	assert_int_equal(d_rankset_del(&s, 6), -DER_NONEXIST);
	assert_int_equal(d_rankset_del(&s, 100), -DER_NONEXIST);
	assert_int_equal(d_rankset_format(&s, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "1-5,7-11");
	assert_true(d_rankset_contains(&s, 1));
	assert_false(d_rankset_contains(&s, 6));
	assert_false(d_rankset_contains(&s, 0));
	assert_int_equal(d_rankset_add_range(&s, 20, 20), 0);
	assert_int_equal(d_rankset_del(&s, 20), 0); /* single-rank range removed */
	assert_int_equal(s.rs_nr, 2);
	assert_int_equal(d_rankset_count(&s), 10);
	d_rankset_fini(&s);
	assert_null(s.rs_ranges);
	assert_int_equal(s.rs_nr, 0);
}

/* RS08: union, intersection and difference, including dst aliasing an operand. */
static void
rs08_algebra(void **state)
{
	struct d_rankset a, b, r;
	char             buf[128];

	(void)state;
	d_rankset_init(&a);
	d_rankset_init(&b);
	d_rankset_init(&r);
	assert_int_equal(d_rankset_parse("0-10,20-30,40", &a, NULL, 0), 0);
	assert_int_equal(d_rankset_parse("5-25,31,39-41,100", &b, NULL, 0), 0);

	assert_int_equal(d_rankset_union(&r, &a, &b), 0);
	assert_int_equal(d_rankset_format(&r, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-31,39-41,100");
	assert_int_equal(d_rankset_intersect(&r, &a, &b), 0);
	assert_int_equal(d_rankset_format(&r, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "5-10,20-25,40");
	assert_int_equal(d_rankset_subtract(&r, &a, &b), 0);
	assert_int_equal(d_rankset_format(&r, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-4,26-30");
	assert_int_equal(d_rankset_subtract(&r, &b, &a), 0);
	assert_int_equal(d_rankset_format(&r, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "11-19,31,39,41,100");

	/* In place: a -= b, then a |= a, a &= a. */
	assert_int_equal(d_rankset_subtract(&a, &a, &b), 0);
	assert_int_equal(d_rankset_format(&a, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-4,26-30");
	assert_int_equal(d_rankset_union(&a, &a, &a), 0);
	assert_int_equal(d_rankset_intersect(&a, &a, &a), 0);
	assert_int_equal(d_rankset_format(&a, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-4,26-30");
	/* Everything minus itself, and with the empty set. */
	assert_int_equal(d_rankset_subtract(&a, &a, &a), 0);
	assert_int_equal(a.rs_nr, 0);
	assert_null(a.rs_ranges); /* invariant 4 */
	assert_int_equal(d_rankset_intersect(&r, &a, &b), 0);
	assert_int_equal(d_rankset_count(&r), 0);
	assert_int_equal(d_rankset_union(&r, &a, &b), 0);
	assert_true(d_rankset_equal(&r, &b));
	/* Subtracting the whole rank space, edge to edge. */
	assert_int_equal(d_rankset_parse("0-4294967294", &a, NULL, 0), 0);
	assert_int_equal(d_rankset_subtract(&r, &a, &b), 0);
	assert_int_equal(d_rankset_format(&r, buf, sizeof(buf), false), 0);
	assert_string_equal(buf, "0-4,26-30,32-38,42-99,101-4294967294");
	assert_int_equal(d_rankset_subtract(&r, &b, &a), 0);
	assert_int_equal(r.rs_nr, 0);
	d_rankset_fini(&a);
	d_rankset_fini(&b);
	d_rankset_fini(&r);
}

/* RS09: equality depends on members only; copy is deep. */
static void
rs09_equal_copy(void **state)
{
	struct d_rankset a, b;

	(void)state;
	d_rankset_init(&a);
	d_rankset_init(&b);
	assert_true(d_rankset_equal(&a, &b));
	assert_int_equal(d_rankset_parse("3,1,2,7", &a, NULL, 0), 0);
	assert_int_equal(d_rankset_parse("[1-3,7-7]", &b, NULL, 0), 0);
	assert_true(d_rankset_equal(&a, &b));
	assert_int_equal(d_rankset_add(&b, 8), 0);
	assert_false(d_rankset_equal(&a, &b));
	assert_int_equal(d_rankset_copy(&b, &a), 0);
	assert_true(d_rankset_equal(&a, &b));
	assert_ptr_not_equal(a.rs_ranges, b.rs_ranges);
	assert_int_equal(d_rankset_copy(&b, &b), 0);
	assert_true(d_rankset_equal(&a, &b));
	d_rankset_fini(&a);
	assert_int_equal(d_rankset_copy(&b, &a), 0);
	assert_int_equal(b.rs_nr, 0);
	d_rankset_fini(&b);
}

/* RS10: first/next visit every member in order, from any starting value. */
static void
rs10_iterate(void **state)
{
	struct d_rankset s;
	d_rank_t         r;
	d_rank_t         seen[16];
	int              n = 0;
	bool             ok;

	(void)state;
	d_rankset_init(&s);
	assert_int_equal(d_rankset_parse("0,5-7,4294967293-4294967294", &s, NULL, 0), 0);
	for (ok = d_rankset_first(&s, &r); ok; ok = d_rankset_next(&s, &r)) {
		assert_true(n < 16);
		seen[n++] = r;
	}
	assert_int_equal(n, 6);
	assert_int_equal(seen[0], 0);
	assert_int_equal(seen[1], 5);
	assert_int_equal(seen[3], 7);
	assert_int_equal(seen[4], 4294967293U);
	assert_int_equal(seen[5], 4294967294U);
	r = 2; /* not a member: next still finds the following one */
	assert_true(d_rankset_next(&s, &r));
	assert_int_equal(r, 5);
	r = D_RANK_NIL;
	assert_false(d_rankset_next(&s, &r));
	assert_int_equal(r, D_RANK_NIL);
	d_rankset_fini(&s);
}

/* RS11: a short buffer gives -DER_TRUNC with a NUL-terminated prefix; the exact size fits. */
static void
rs11_trunc(void **state)
{
	struct d_rankset s;
	char             buf[32];
	char            *all;

	(void)state;
	d_rankset_init(&s);
	assert_int_equal(d_rankset_parse("0,5-10,20-100", &s, NULL, 0), 0);
	assert_int_equal(d_rankset_format_len(&s, false), 14);
	assert_int_equal(d_rankset_format_len(&s, true), 16);
	assert_int_equal(d_rankset_format(&s, buf, 14, false), 0);
	assert_string_equal(buf, "0,5-10,20-100");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(d_rankset_format(&s, buf, 13, false), -DER_TRUNC);
	assert_string_equal(buf, "0,5-10,20-10");
	assert_int_equal(d_rankset_format(&s, buf, 5, true), -DER_TRUNC);
	assert_string_equal(buf, "[0,5");
	assert_int_equal(d_rankset_format(&s, buf, 1, false), -DER_TRUNC);
	assert_string_equal(buf, "");
	assert_int_equal(d_rankset_format(&s, NULL, 0, false), -DER_TRUNC);
	all = fmt_alloc(&s, true);
	assert_string_equal(all, "[0,5-10,20-100]");
	free(all);
	d_rankset_fini(&s);
}

/* RS12: anything but digits where a rank belongs: signs, hex, letters, junk. */
static void
rs12_bad_rank(void **state)
{
	(void)state;
	check_err("1,x", "invalid rank 'x' in '1,x'");
	check_err("+5", "invalid rank '+5' in '+5'");
	check_err("-5", "invalid rank '-5' in '-5'");
	check_err("0x10", "invalid rank '0x10' in '0x10'");
	check_err("5x", "invalid rank '5x' in '5x'");
	check_err("a5", "invalid rank 'a5' in 'a5'");
	check_err("1 2", "invalid rank '1 2' in '1 2'");
	check_err("1-x", "invalid rank 'x' in '1-x'");
	check_err("1--5", "invalid rank '-5' in '1--5'");
	check_err("1-2-3", "invalid rank '2-3' in '1-2-3'");
	check_err("1-5 6", "invalid rank '5 6' in '1-5 6'");
	check_err("1;2", "invalid rank '1;2' in '1;2'");
	check_err("1.5", "invalid rank '1.5' in '1.5'");
}

/* RS13: ranks above D_RANK_MAX, however many digits, name the rank. */
static void
rs13_out_of_range(void **state)
{
	(void)state;
	check_err("4294967295", "rank 4294967295 out of range (max 4294967294) in '4294967295'");
	check_err("1-4294967295",
		  "rank 4294967295 out of range (max 4294967294) in '1-4294967295'");
	check_err("0,99999999999999999999999",
		  "rank 99999999999999999999999 out of range (max 4294967294) in "
		  "'0,99999999999999999999999'");
	check_err("18446744073709551617",
		  "rank 18446744073709551617 out of range (max 4294967294) in "
		  "'18446744073709551617'");
}

/* RS14: a range must have both ends and start <= end. */
static void
rs14_bad_range(void **state)
{
	(void)state;
	check_err("10-5", "invalid range '10-5' (start > end) in '10-5'");
	check_err("[1, 9 - 3]", "invalid range '9 - 3' (start > end) in '[1, 9 - 3]'");
	check_err("1-", "incomplete range '1-' in '1-'");
	check_err("2,1 - ", "incomplete range '1 -' in '2,1 - '");
}

/* RS15: empty elements anywhere in the list. */
static void
rs15_empty_element(void **state)
{
	(void)state;
	check_err("1,,2", "empty element in rank set '1,,2'");
	check_err("1,", "empty element in rank set '1,'");
	check_err(",1", "empty element in rank set ',1'");
	check_err("[,]", "empty element in rank set '[,]'");
	check_err("1, ,2", "empty element in rank set '1, ,2'");
}

/* RS16: brackets must enclose the whole list, once. */
static void
rs16_brackets(void **state)
{
	(void)state;
	check_err("[1-3", "unbalanced bracket in '[1-3'");
	check_err("1-3]", "unbalanced bracket in '1-3]'");
	check_err("[", "unbalanced bracket in '['");
	check_err(" ] ", "unbalanced bracket in ' ] '");
	check_err("[[1]]", "misplaced bracket '[' at position 2 in '[[1]]'");
	check_err("[1],[2]", "misplaced bracket ']' at position 3 in '[1],[2]'");
	check_err("1,[2", "misplaced bracket '[' at position 3 in '1,[2'");
}

/* RS17: input length limit, at and above D_RANKSET_STR_MAX. */
static void
rs17_len_limit(void **state)
{
	struct d_rankset s;
	char            *in = malloc(D_RANKSET_STR_MAX + 2);
	char             err[256];
	char             want[256];

	(void)state;
	assert_non_null(in);
	d_rankset_init(&s);
	memset(in, '0', D_RANKSET_STR_MAX); /* one rank 0 with many leading zeros */
	in[D_RANKSET_STR_MAX] = '\0';
	assert_int_equal(d_rankset_parse(in, &s, err, sizeof(err)), 0);
	assert_true(d_rankset_contains(&s, 0));
	in[D_RANKSET_STR_MAX]     = '0';
	in[D_RANKSET_STR_MAX + 1] = '\0';
	assert_int_equal(d_rankset_parse(in, &s, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want), "rank set too long (%d bytes, max %d)",
		 D_RANKSET_STR_MAX + 1, D_RANKSET_STR_MAX);
	assert_string_equal(err, want);
	assert_string_equal(err, "rank set too long (65537 bytes, max 65536)");
	free(in);
	d_rankset_fini(&s);
}

/* Text "0,2,4,..." of n disjoint ranks. */
static char *
disjoint_text(int n)
{
	char  *in = malloc((size_t)n * 12 + 1);
	size_t at = 0;
	int    i;

	assert_non_null(in);
	for (i = 0; i < n; i++)
		at += (size_t)sprintf(in + at, "%s%d", i ? "," : "", 2 * i);
	return in;
}

/* RS18: range limit, at and above D_RANKSET_RANGES_MAX, for parse, add, del and union. */
static void
rs18_range_limit(void **state)
{
	struct d_rankset s, t;
	char            *in;
	char             err[256];
	char             want[256];

	(void)state;
	d_rankset_init(&s);
	d_rankset_init(&t);
	in = disjoint_text(D_RANKSET_RANGES_MAX);
	assert_int_equal(d_rankset_parse(in, &s, err, sizeof(err)), 0);
	assert_int_equal(s.rs_nr, D_RANKSET_RANGES_MAX);
	free(in);

	in = disjoint_text(D_RANKSET_RANGES_MAX + 1);
	assert_int_equal(d_rankset_parse(in, &t, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want), "too many ranges (max 8192) in '%.64s...'", in);
	assert_string_equal(err, want);
	assert_int_equal(t.rs_nr, 0);
	free(in);

	/* s is full: a new disjoint rank, a split or a union past the limit overflow. */
	assert_int_equal(d_rankset_add(&s, 1000000), -DER_OVERFLOW);
	assert_int_equal(d_rankset_add(&s, 1), 0); /* merges 0 and 2: one range fewer */
	assert_int_equal(s.rs_nr, D_RANKSET_RANGES_MAX - 1);
	assert_int_equal(d_rankset_add(&s, 1000000), 0);
	assert_int_equal(d_rankset_del(&s, 1), -DER_OVERFLOW); /* split 0-2 */
	assert_true(d_rankset_contains(&s, 1));
	assert_int_equal(d_rankset_parse("2000000", &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "too many ranges (max 8192) in '2000000'");
	assert_int_equal(d_rankset_add(&t, 2000000), 0);
	assert_int_equal(d_rankset_union(&t, &s, &t), -DER_OVERFLOW);
	assert_int_equal(t.rs_nr, 1);
	assert_int_equal(d_rankset_subtract(&t, &s, &t), 0);
	assert_true(d_rankset_equal(&t, &s));
	d_rankset_fini(&s);
	d_rankset_fini(&t);
}

/* RS19: errbuf may be NULL or tiny; missing arguments are refused. */
static void
rs19_errbuf(void **state)
{
	struct d_rankset s;
	char             err[8];

	(void)state;
	d_rankset_init(&s);
	assert_int_equal(d_rankset_parse("x", &s, NULL, 0), -DER_INVAL);
	assert_int_equal(d_rankset_parse("x", &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "invalid");
	assert_int_equal(d_rankset_parse(NULL, &s, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(d_rankset_parse("1", NULL, NULL, 0), -DER_INVAL);
	d_rankset_fini(&s);
}

/* RS20: quoted input is cut at D_RANKSET_QUOTE_MAX and control bytes show as '?'. */
static void
rs20_quoting(void **state)
{
	char in[200];
	char want[300];

	(void)state;
	check_err("1,\x01", "invalid rank '?' in '1,?'");
	check_err("1,\xc3\xa9", "invalid rank '?" "?' in '1,?" "?'");
	memset(in, '1', sizeof(in));
	memcpy(in + 1, ",x", 2);
	in[sizeof(in) - 1] = '\0';
	snprintf(want, sizeof(want), "invalid rank '%.64s...' in '%.64s...'", in + 2, in);
	check_err(in, want);
}

/* RS21: seeded random operations agree with a bitmap model; print/parse round-trips. */
static void
rs21_model(void **state)
{
	enum { U = 160 };
	struct d_rankset s, o, r;
	bool             m[U], mo[U];
	unsigned int     seed = 12345;
	int              step, i;

	(void)state;
	d_rankset_init(&s);
	d_rankset_init(&o);
	d_rankset_init(&r);
	memset(m, 0, sizeof(m));
	for (step = 0; step < 3000; step++) {
		int      op = rand_r(&seed) % 6;
		d_rank_t x  = (d_rank_t)(rand_r(&seed) % U);
		d_rank_t y  = (d_rank_t)(rand_r(&seed) % U);
		d_rank_t lo = x < y ? x : y;
		d_rank_t hi = x < y ? y : x;
		uint64_t n  = 0;
		char    *txt;

		if (op == 0 || op == 1) {
			assert_int_equal(d_rankset_add_range(&s, lo, op == 0 ? lo : hi), 0);
			for (i = lo; i <= (int)(op == 0 ? lo : hi); i++)
				m[i] = true;
		} else if (op == 2) {
			assert_int_equal(d_rankset_del(&s, x), m[x] ? 0 : -DER_NONEXIST);
			m[x] = false;
		} else {
			/* o: a random set; s = s op o */
			d_rankset_fini(&o);
			memset(mo, 0, sizeof(mo));
			for (i = 0; i < 6; i++) {
				x = (d_rank_t)(rand_r(&seed) % U);
				y = x + (d_rank_t)(rand_r(&seed) % 8);
				if (y >= U)
					y = U - 1;
				assert_int_equal(d_rankset_add_range(&o, x, y), 0);
				for (; x <= y; x++)
					mo[x] = true;
			}
			if (op == 3)
				assert_int_equal(d_rankset_union(&s, &s, &o), 0);
			else if (op == 4)
				assert_int_equal(d_rankset_intersect(&s, &o, &s), 0);
			else
				assert_int_equal(d_rankset_subtract(&s, &s, &o), 0);
			for (i = 0; i < U; i++) {
				if (op == 3)
					m[i] = m[i] || mo[i];
				else if (op == 4)
					m[i] = m[i] && mo[i];
				else
					m[i] = m[i] && !mo[i];
			}
		}
		for (i = 0; i < U; i++) {
			assert_int_equal(d_rankset_contains(&s, (d_rank_t)i), m[i]);
			n += m[i];
		}
		assert_int_equal(d_rankset_count(&s), n);
		for (i = 1; i < (int)s.rs_nr; i++) /* invariants 1-2 */
			assert_true((uint64_t)s.rs_ranges[i - 1].rr_hi + 1 < s.rs_ranges[i].rr_lo);
		txt = fmt_alloc(&s, step % 2);
		d_rankset_fini(&r);
		assert_int_equal(d_rankset_parse(txt, &r, NULL, 0), 0);
		assert_true(d_rankset_equal(&r, &s));
		free(txt);
	}
	d_rankset_fini(&s);
	d_rankset_fini(&o);
	d_rankset_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rs01_example),       cmocka_unit_test(rs02_brackets_blanks),
	    cmocka_unit_test(rs03_merge),         cmocka_unit_test(rs04_empty),
	    cmocka_unit_test(rs05_parse_appends), cmocka_unit_test(rs06_wide),
	    cmocka_unit_test(rs07_add_del),       cmocka_unit_test(rs08_algebra),
	    cmocka_unit_test(rs09_equal_copy),    cmocka_unit_test(rs10_iterate),
	    cmocka_unit_test(rs11_trunc),         cmocka_unit_test(rs12_bad_rank),
	    cmocka_unit_test(rs13_out_of_range),  cmocka_unit_test(rs14_bad_range),
	    cmocka_unit_test(rs15_empty_element), cmocka_unit_test(rs16_brackets),
	    cmocka_unit_test(rs17_len_limit),     cmocka_unit_test(rs18_range_limit),
	    cmocka_unit_test(rs19_errbuf),        cmocka_unit_test(rs20_quoting),
	    cmocka_unit_test(rs21_model),
	};

	return cmocka_run_group_tests_name("rankset", tests, NULL, NULL);
}
