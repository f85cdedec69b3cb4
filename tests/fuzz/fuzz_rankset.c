/*
 * fuzz_rankset.c: libFuzzer target for d_rankset_parse (src/gurt/rankset.c).
 *
 * Properties checked on every input (abort on violation):
 *  1. parse never crashes; it fails only with -DER_INVAL and a message;
 *  2. a parsed set satisfies rankset.h invariants 1-4;
 *  3. its printed form, with and without brackets, parses back to the same
 *     set (same ranges, same count);
 *  4. when the input holds a NUL, the text after it is a second set b, and the
 *     set algebra agrees: |a|b| + |a&b| = |a| + |b|, (a-b)&b is empty,
 *     (a-b)|(a&b) = a.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/rankset.h"

/* Inputs are cut to this many bytes: long enough for every grammar path. */
#define FUZZ_INPUT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_invariants(const struct d_rankset *s)
{
	uint32_t i;

	if (s->rs_nr > s->rs_cap || s->rs_nr > D_RANKSET_RANGES_MAX ||
	    (s->rs_ranges == NULL) != (s->rs_cap == 0))
		abort();
	for (i = 0; i < s->rs_nr; i++) {
		if (s->rs_ranges[i].rr_lo > s->rs_ranges[i].rr_hi ||
		    s->rs_ranges[i].rr_hi > D_RANK_MAX)
			abort();
		if (i > 0 && (uint64_t)s->rs_ranges[i - 1].rr_hi + 1 >= s->rs_ranges[i].rr_lo)
			abort();
	}
}

/* Print s, parse the text back, and require the same set. */
static void
check_roundtrip(const struct d_rankset *s, bool brackets)
{
	struct d_rankset r;
	size_t           len = d_rankset_format_len(s, brackets);
	char            *buf = malloc(len);
	char             err[256];
	uint32_t         i;

	if (buf == NULL)
		abort();
	if (d_rankset_format(s, buf, len, brackets) != 0 || strlen(buf) + 1 != len)
		abort();
	d_rankset_init(&r);
	if (d_rankset_parse(buf, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "reparse of '%s' failed: %s\n", buf, err);
		abort();
	}
	if (!d_rankset_equal(s, &r) || d_rankset_count(s) != d_rankset_count(&r))
		abort();
	for (i = 0; i < s->rs_nr; i++)
		if (!d_rankset_contains(&r, s->rs_ranges[i].rr_lo) ||
		    !d_rankset_contains(&r, s->rs_ranges[i].rr_hi))
			abort();
	d_rankset_fini(&r);
	free(buf);
}

static void
check_algebra(const struct d_rankset *a, const struct d_rankset *b)
{
	struct d_rankset u, x, d, t;

	d_rankset_init(&u);
	d_rankset_init(&x);
	d_rankset_init(&d);
	d_rankset_init(&t);
	/* -DER_OVERFLOW is a legitimate answer near the range limit. */
	if (d_rankset_union(&u, a, b) != 0 || d_rankset_intersect(&x, a, b) != 0 ||
	    d_rankset_subtract(&d, a, b) != 0)
		goto out;
	check_invariants(&u);
	check_invariants(&x);
	check_invariants(&d);
	if (d_rankset_count(&u) + d_rankset_count(&x) != d_rankset_count(a) + d_rankset_count(b))
		abort();
	if (d_rankset_intersect(&t, &d, b) != 0 || d_rankset_count(&t) != 0)
		abort();
	if (d_rankset_union(&t, &d, &x) != 0 || !d_rankset_equal(&t, a))
		abort();
out:
	d_rankset_fini(&u);
	d_rankset_fini(&x);
	d_rankset_fini(&d);
	d_rankset_fini(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct d_rankset a, b;
	char             in[FUZZ_INPUT_MAX + 1];
	char             err[256];
	size_t           alen;
	int              rc;

	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	memcpy(in, data, size);
	in[size] = '\0';

	d_rankset_init(&a);
	d_rankset_init(&b);
	err[0] = 'x';
	rc     = d_rankset_parse(in, &a, err, sizeof(err));
	if (rc != 0) {
		if (rc != -DER_INVAL || err[0] == '\0' || a.rs_nr != 0)
			abort();
		goto out;
	}
	check_invariants(&a);
	check_roundtrip(&a, false);
	check_roundtrip(&a, true);

	alen = strlen(in);
	if (alen < size && d_rankset_parse(in + alen + 1, &b, NULL, 0) == 0)
		check_algebra(&a, &b);
out:
	d_rankset_fini(&a);
	d_rankset_fini(&b);
	return 0;
}
