/*
 * rankset.c: sets of engine ranks as sorted disjoint ranges (see rankset.h).
 *
 * Invariants (rankset.h, numbered there):
 *  1. ranges sorted ascending; 2. disjoint and non-adjacent;
 *  3. rr_lo <= rr_hi <= D_RANK_MAX; 4. rs_nr <= rs_cap, rs_nr <= D_RANKSET_RANGES_MAX,
 *     rs_ranges NULL iff rs_cap == 0.
 *
 * Every mutation either works in place after all fallible steps (growing the
 * array) have succeeded, or builds its result in a fresh array and swaps it in
 * at the end, so a failed call leaves the set untouched.
 *
 * The parser never builds the set one element at a time (which costs
 * O(elements * ranges) in memmove): it collects every element into a scratch
 * array bounded by the input length, sorts it, merges it, then unions it into
 * the output once.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/rankset.h"
#include "gurt/errbuf.h"

/* Room for a quoted text: the quoted bytes, "...", the NUL. */
#define RS_QUOTE_BUF (D_RANKSET_QUOTE_MAX + 4)

/* Smallest allocation, so that small sets do not realloc on every add. */
#define RS_MIN_CAP 8

static inline bool
rs_is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
rs_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* First index whose rr_hi >= key, or rs_nr. key is 64-bit so rank+1 cannot wrap. */
static uint32_t
rs_lower_hi(const struct d_rankset *set, uint64_t key)
{
	uint32_t lo = 0;
	uint32_t hi = set->rs_nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (set->rs_ranges[mid].rr_hi < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Make room for `need` ranges; need <= D_RANKSET_RANGES_MAX is the caller's check. */
static int
rs_reserve(struct d_rankset *set, uint32_t need)
{
	struct d_rank_range *r;
	uint32_t             cap;

	assert(need <= D_RANKSET_RANGES_MAX);
	if (need <= set->rs_cap)
		return 0;
	cap = set->rs_cap < RS_MIN_CAP ? RS_MIN_CAP : set->rs_cap;
	while (cap < need)
		cap *= 2;
	if (cap > D_RANKSET_RANGES_MAX)
		cap = D_RANKSET_RANGES_MAX;
	r = realloc(set->rs_ranges, (size_t)cap * sizeof(*r));
	if (r == NULL)
		return -DER_NOMEM;
	set->rs_ranges = r;
	set->rs_cap    = cap;
	return 0;
}

/*
 * Append lo..hi to a list being built in ascending order of lo, merging it
 * into the last range when they overlap or touch. The list has room.
 */
static void
rs_emit(struct d_rank_range *r, uint32_t *nr, d_rank_t lo, d_rank_t hi)
{
	if (*nr > 0 && (uint64_t)r[*nr - 1].rr_hi + 1 >= lo) {
		if (hi > r[*nr - 1].rr_hi)
			r[*nr - 1].rr_hi = hi;
		return;
	}
	r[*nr].rr_lo = lo;
	r[*nr].rr_hi = hi;
	(*nr)++;
}

/* Replace set's array by r (nr used, cap allocated); takes ownership of r. */
static void
rs_install(struct d_rankset *set, struct d_rank_range *r, uint32_t nr, uint32_t cap)
{
	free(set->rs_ranges);
	if (nr == 0) {
		free(r);
		r   = NULL;
		cap = 0;
	}
	set->rs_ranges = r;
	set->rs_nr     = nr;
	set->rs_cap    = cap;
}

void
d_rankset_init(struct d_rankset *set)
{
	set->rs_ranges = NULL;
	set->rs_nr     = 0;
	set->rs_cap    = 0;
}

void
d_rankset_fini(struct d_rankset *set)
{
	free(set->rs_ranges);
	d_rankset_init(set);
}

int
d_rankset_add_range(struct d_rankset *set, d_rank_t lo, d_rank_t hi)
{
	struct d_rank_range *r;
	uint32_t             i;
	uint32_t             j;
	int                  rc;

	if (lo > hi || hi > D_RANK_MAX)
		return -DER_INVAL;

	/* Ranges i..j-1 overlap or touch lo..hi. */
	i = rs_lower_hi(set, lo == 0 ? 0 : (uint64_t)lo - 1);
	j = i;
	while (j < set->rs_nr && set->rs_ranges[j].rr_lo <= (uint64_t)hi + 1)
		j++;

	if (i == j) {
		if (set->rs_nr >= D_RANKSET_RANGES_MAX)
			return -DER_OVERFLOW;
		rc = rs_reserve(set, set->rs_nr + 1);
		if (rc != 0)
			return rc;
		r = set->rs_ranges;
		memmove(&r[i + 1], &r[i], (size_t)(set->rs_nr - i) * sizeof(*r));
		r[i].rr_lo = lo;
		r[i].rr_hi = hi;
		set->rs_nr++;
		return 0;
	}

	r = set->rs_ranges;
	if (lo < r[i].rr_lo)
		r[i].rr_lo = lo;
	r[i].rr_hi = hi > r[j - 1].rr_hi ? hi : r[j - 1].rr_hi;
	memmove(&r[i + 1], &r[j], (size_t)(set->rs_nr - j) * sizeof(*r));
	set->rs_nr -= j - i - 1;
	return 0;
}

int
d_rankset_add(struct d_rankset *set, d_rank_t rank)
{
	return d_rankset_add_range(set, rank, rank);
}

int
d_rankset_del(struct d_rankset *set, d_rank_t rank)
{
	struct d_rank_range *r;
	uint32_t             i;
	int                  rc;

	i = rs_lower_hi(set, rank);
	if (i == set->rs_nr || set->rs_ranges[i].rr_lo > rank)
		return -DER_NONEXIST;

	r = set->rs_ranges;
	if (r[i].rr_lo == r[i].rr_hi) {
		memmove(&r[i], &r[i + 1], (size_t)(set->rs_nr - i - 1) * sizeof(*r));
		set->rs_nr--;
	} else if (rank == r[i].rr_lo) {
		r[i].rr_lo++;
	} else if (rank == r[i].rr_hi) {
		r[i].rr_hi--;
	} else {
		if (set->rs_nr >= D_RANKSET_RANGES_MAX)
			return -DER_OVERFLOW;
		rc = rs_reserve(set, set->rs_nr + 1);
		if (rc != 0)
			return rc;
		r = set->rs_ranges;
		memmove(&r[i + 1], &r[i], (size_t)(set->rs_nr - i) * sizeof(*r));
		r[i].rr_hi     = rank - 1;
		r[i + 1].rr_lo = rank + 1;
		set->rs_nr++;
	}
	return 0;
}

bool
d_rankset_contains(const struct d_rankset *set, d_rank_t rank)
{
	uint32_t i = rs_lower_hi(set, rank);

	return i < set->rs_nr && set->rs_ranges[i].rr_lo <= rank;
}

uint64_t
d_rankset_count(const struct d_rankset *set)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < set->rs_nr; i++)
		n += (uint64_t)set->rs_ranges[i].rr_hi - set->rs_ranges[i].rr_lo + 1;
	return n;
}

bool
d_rankset_equal(const struct d_rankset *a, const struct d_rankset *b)
{
	/* Invariants 1-2 make the range form canonical. */
	if (a->rs_nr != b->rs_nr)
		return false;
	return a->rs_nr == 0 ||
	       memcmp(a->rs_ranges, b->rs_ranges, (size_t)a->rs_nr * sizeof(*a->rs_ranges)) == 0;
}

int
d_rankset_copy(struct d_rankset *dst, const struct d_rankset *src)
{
	struct d_rank_range *r = NULL;

	if (dst == src)
		return 0;
	if (src->rs_nr > 0) {
		r = malloc((size_t)src->rs_nr * sizeof(*r));
		if (r == NULL)
			return -DER_NOMEM;
		memcpy(r, src->rs_ranges, (size_t)src->rs_nr * sizeof(*r));
	}
	rs_install(dst, r, src->rs_nr, src->rs_nr);
	return 0;
}

/* Fresh array for a result of at most a + b ranges (never zero bytes). */
static struct d_rank_range *
rs_alloc_result(uint32_t a, uint32_t b, uint32_t *cap)
{
	*cap = a + b > 0 ? a + b : 1;
	return malloc((size_t)*cap * sizeof(struct d_rank_range));
}

/* Install a built result into dst unless it breaks the range limit. */
static int
rs_finish(struct d_rankset *dst, struct d_rank_range *r, uint32_t nr, uint32_t cap)
{
	if (nr > D_RANKSET_RANGES_MAX) {
		free(r);
		return -DER_OVERFLOW;
	}
	rs_install(dst, r, nr, cap);
	return 0;
}

/* Union of two canonical range lists into a fresh list. */
static int
rs_union_lists(const struct d_rank_range *a, uint32_t na, const struct d_rank_range *b,
	       uint32_t nb, struct d_rank_range **out, uint32_t *out_nr, uint32_t *out_cap)
{
	struct d_rank_range *r;
	uint32_t             i = 0;
	uint32_t             j = 0;
	uint32_t             nr = 0;

	r = rs_alloc_result(na, nb, out_cap);
	if (r == NULL)
		return -DER_NOMEM;
	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i].rr_lo <= b[j].rr_lo)) {
			rs_emit(r, &nr, a[i].rr_lo, a[i].rr_hi);
			i++;
		} else {
			rs_emit(r, &nr, b[j].rr_lo, b[j].rr_hi);
			j++;
		}
	}
	*out    = r;
	*out_nr = nr;
	return 0;
}

int
d_rankset_union(struct d_rankset *dst, const struct d_rankset *a, const struct d_rankset *b)
{
	struct d_rank_range *r;
	uint32_t             nr;
	uint32_t             cap;
	int                  rc;

	rc = rs_union_lists(a->rs_ranges, a->rs_nr, b->rs_ranges, b->rs_nr, &r, &nr, &cap);
	if (rc != 0)
		return rc;
	return rs_finish(dst, r, nr, cap);
}

int
d_rankset_intersect(struct d_rankset *dst, const struct d_rankset *a, const struct d_rankset *b)
{
	const struct d_rank_range *ra = a->rs_ranges;
	const struct d_rank_range *rb = b->rs_ranges;
	struct d_rank_range       *r;
	uint32_t                   i = 0;
	uint32_t                   j = 0;
	uint32_t                   nr = 0;
	uint32_t                   cap;

	r = rs_alloc_result(a->rs_nr, b->rs_nr, &cap);
	if (r == NULL)
		return -DER_NOMEM;
	while (i < a->rs_nr && j < b->rs_nr) {
		d_rank_t lo = ra[i].rr_lo > rb[j].rr_lo ? ra[i].rr_lo : rb[j].rr_lo;
		d_rank_t hi = ra[i].rr_hi < rb[j].rr_hi ? ra[i].rr_hi : rb[j].rr_hi;

		if (lo <= hi)
			rs_emit(r, &nr, lo, hi);
		if (ra[i].rr_hi < rb[j].rr_hi)
			i++;
		else
			j++;
	}
	return rs_finish(dst, r, nr, cap);
}

int
d_rankset_subtract(struct d_rankset *dst, const struct d_rankset *a, const struct d_rankset *b)
{
	const struct d_rank_range *ra = a->rs_ranges;
	const struct d_rank_range *rb = b->rs_ranges;
	struct d_rank_range       *r;
	uint32_t                   i;
	uint32_t                   j = 0;
	uint32_t                   nr = 0;
	uint32_t                   cap;

	r = rs_alloc_result(a->rs_nr, b->rs_nr, &cap);
	if (r == NULL)
		return -DER_NOMEM;
	for (i = 0; i < a->rs_nr; i++) {
		uint64_t cur = ra[i].rr_lo; /* first rank of ra[i] not yet decided */
		uint32_t k;

		/* b's ranges wholly below ra[i] cannot touch later ranges of a either. */
		while (j < b->rs_nr && rb[j].rr_hi < cur)
			j++;
		for (k = j; k < b->rs_nr && rb[k].rr_lo <= ra[i].rr_hi; k++) {
			if (rb[k].rr_lo > cur)
				rs_emit(r, &nr, (d_rank_t)cur, rb[k].rr_lo - 1);
			cur = (uint64_t)rb[k].rr_hi + 1;
			if (cur > ra[i].rr_hi)
				break;
		}
		if (cur <= ra[i].rr_hi)
			rs_emit(r, &nr, (d_rank_t)cur, ra[i].rr_hi);
	}
	return rs_finish(dst, r, nr, cap);
}

bool
d_rankset_first(const struct d_rankset *set, d_rank_t *rank)
{
	if (set->rs_nr == 0)
		return false;
	*rank = set->rs_ranges[0].rr_lo;
	return true;
}

bool
d_rankset_next(const struct d_rankset *set, d_rank_t *rank)
{
	uint64_t key = (uint64_t)*rank + 1;
	uint32_t i;

	if (key > D_RANK_MAX)
		return false;
	i = rs_lower_hi(set, key);
	if (i == set->rs_nr)
		return false;
	*rank = set->rs_ranges[i].rr_lo > key ? set->rs_ranges[i].rr_lo : (d_rank_t)key;
	return true;
}

/*
 * Output writer: counts every byte it is given, stores those that fit, and
 * always leaves room for the NUL, so one pass yields both the text and the
 * length it needs.
 */
struct rs_out {
	char  *ro_buf;
	size_t ro_len; /* size of ro_buf */
	size_t ro_pos; /* bytes produced so far, stored or not */
};

static void
rs_put(struct rs_out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (o->ro_pos + 1 < o->ro_len)
			o->ro_buf[o->ro_pos] = *s;
		o->ro_pos++;
	}
}

static void
rs_put_rank(struct rs_out *o, d_rank_t rank)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", (unsigned int)rank);
	rs_put(o, num);
}

static size_t
rs_format_out(const struct d_rankset *set, struct rs_out *o, bool brackets)
{
	uint32_t i;

	if (brackets)
		rs_put(o, "[");
	for (i = 0; i < set->rs_nr; i++) {
		if (i > 0)
			rs_put(o, ",");
		rs_put_rank(o, set->rs_ranges[i].rr_lo);
		if (set->rs_ranges[i].rr_hi != set->rs_ranges[i].rr_lo) {
			rs_put(o, "-");
			rs_put_rank(o, set->rs_ranges[i].rr_hi);
		}
	}
	if (brackets)
		rs_put(o, "]");
	if (o->ro_len > 0)
		o->ro_buf[o->ro_pos < o->ro_len ? o->ro_pos : o->ro_len - 1] = '\0';
	return o->ro_pos + 1;
}

int
d_rankset_format(const struct d_rankset *set, char *buf, size_t len, bool brackets)
{
	struct rs_out o = {.ro_buf = buf, .ro_len = buf == NULL ? 0 : len, .ro_pos = 0};

	return rs_format_out(set, &o, brackets) > len ? -DER_TRUNC : 0;
}

size_t
d_rankset_format_len(const struct d_rankset *set, bool brackets)
{
	struct rs_out o = {.ro_buf = NULL, .ro_len = 0, .ro_pos = 0};

	return rs_format_out(set, &o, brackets);
}

/*
 * Parser.
 */

/* Everything one parse needs to report an error. */
struct rs_parse {
	const char *rp_str;    /* the whole input */
	const char *rp_quoted; /* the input, quoted for messages */
	char       *rp_errbuf;
	size_t      rp_errlen;
};

/*
 * Scan the digits at s[i..end); returns the index after them. *val saturates
 * at D_RANK_MAX + 1, so arbitrarily long digit runs cannot overflow.
 */
static size_t
rs_scan_digits(const char *s, size_t i, size_t end, uint64_t *val)
{
	uint64_t v = 0;

	for (; i < end && rs_is_digit(s[i]); i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > (uint64_t)D_RANK_MAX + 1)
			v = (uint64_t)D_RANK_MAX + 1;
	}
	*val = v;
	return i;
}

static int
rs_bad_rank(struct rs_parse *p, size_t from, size_t to)
{
	char tok[RS_QUOTE_BUF];

	d_errbuf_printf(p->rp_errbuf, p->rp_errlen, "invalid rank '%s' in '%s'",
	       d_errbuf_quote(tok, p->rp_str + from, to - from, D_RANKSET_QUOTE_MAX), p->rp_quoted);
	return -DER_INVAL;
}

static int
rs_check_max(struct rs_parse *p, uint64_t v, size_t from, size_t to)
{
	char tok[RS_QUOTE_BUF];

	if (v <= D_RANK_MAX)
		return 0;
	d_errbuf_printf(p->rp_errbuf, p->rp_errlen, "rank %s out of range (max %u) in '%s'",
	       d_errbuf_quote(tok, p->rp_str + from, to - from, D_RANKSET_QUOTE_MAX), (unsigned int)D_RANK_MAX,
	       p->rp_quoted);
	return -DER_INVAL;
}

/* Parse the element s[from..to) (already split at commas) into *rr. */
static int
rs_parse_element(struct rs_parse *p, size_t from, size_t to, struct d_rank_range *rr)
{
	const char *s = p->rp_str;
	char        tok[RS_QUOTE_BUF];
	uint64_t    lo;
	uint64_t    hi;
	size_t      lo_end;
	size_t      hi_from;
	size_t      hi_end;
	size_t      k;
	int         rc;

	while (from < to && rs_is_ws(s[from]))
		from++;
	while (to > from && rs_is_ws(s[to - 1]))
		to--;
	if (from == to) {
		d_errbuf_printf(p->rp_errbuf, p->rp_errlen, "empty element in rank set '%s'",
		       p->rp_quoted);
		return -DER_INVAL;
	}

	/* A sign, "0x", a letter: anything but a digit first is not a rank. */
	if (!rs_is_digit(s[from]))
		return rs_bad_rank(p, from, to);
	lo_end = rs_scan_digits(s, from, to, &lo);
	k      = lo_end;
	while (k < to && rs_is_ws(s[k]))
		k++;
	if (k == to) {
		hi      = lo;
		hi_from = from;
		hi_end  = lo_end;
	} else if (s[k] == '-') {
		hi_from = k + 1;
		while (hi_from < to && rs_is_ws(s[hi_from]))
			hi_from++;
		if (hi_from == to) {
			d_errbuf_printf(p->rp_errbuf, p->rp_errlen, "incomplete range '%s' in '%s'",
			       d_errbuf_quote(tok, s + from, to - from, D_RANKSET_QUOTE_MAX), p->rp_quoted);
			return -DER_INVAL;
		}
		if (!rs_is_digit(s[hi_from]))
			return rs_bad_rank(p, hi_from, to);
		hi_end = rs_scan_digits(s, hi_from, to, &hi);
		if (hi_end != to)
			return rs_bad_rank(p, hi_from, to);
	} else {
		return rs_bad_rank(p, from, to);
	}

	rc = rs_check_max(p, lo, from, lo_end);
	if (rc == 0)
		rc = rs_check_max(p, hi, hi_from, hi_end);
	if (rc != 0)
		return rc;
	if (lo > hi) {
		d_errbuf_printf(p->rp_errbuf, p->rp_errlen, "invalid range '%s' (start > end) in '%s'",
		       d_errbuf_quote(tok, s + from, to - from, D_RANKSET_QUOTE_MAX), p->rp_quoted);
		return -DER_INVAL;
	}
	rr->rr_lo = (d_rank_t)lo;
	rr->rr_hi = (d_rank_t)hi;
	return 0;
}

static int
rs_cmp_lo(const void *x, const void *y)
{
	const struct d_rank_range *a = x;
	const struct d_rank_range *b = y;

	return a->rr_lo < b->rr_lo ? -1 : a->rr_lo > b->rr_lo;
}

int
d_rankset_parse(const char *str, struct d_rankset *out, char *errbuf, size_t errlen)
{
	struct rs_parse      p = {.rp_str = str, .rp_errbuf = errbuf, .rp_errlen = errlen};
	struct d_rank_range *elems = NULL;
	struct d_rank_range *res;
	char                 quoted[RS_QUOTE_BUF];
	uint32_t             nelem = 0;
	uint32_t             nr = 0;
	uint32_t             cap;
	uint32_t             i;
	size_t               len;
	size_t               b;
	size_t               e;
	size_t               at;
	int                  rc;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (str == NULL || out == NULL) {
		d_errbuf_printf(errbuf, errlen, "no rank set given");
		return -DER_INVAL;
	}
	len = strlen(str);
	if (len > D_RANKSET_STR_MAX) {
		d_errbuf_printf(errbuf, errlen, "rank set too long (%zu bytes, max %d)", len,
		       D_RANKSET_STR_MAX);
		return -DER_INVAL;
	}
	p.rp_quoted = d_errbuf_quote(quoted, str, len, D_RANKSET_QUOTE_MAX);

	b = 0;
	e = len;
	while (b < e && rs_is_ws(str[b]))
		b++;
	while (e > b && rs_is_ws(str[e - 1]))
		e--;
	if (b < e && (str[b] == '[' || str[e - 1] == ']')) {
		if (e - b < 2 || str[b] != '[' || str[e - 1] != ']') {
			d_errbuf_printf(errbuf, errlen, "unbalanced bracket in '%s'", p.rp_quoted);
			return -DER_INVAL;
		}
		b++;
		e--;
		while (b < e && rs_is_ws(str[b]))
			b++;
		while (e > b && rs_is_ws(str[e - 1]))
			e--;
	}
	if (b == e)
		return 0; /* "", "[]": the empty set adds nothing */

	/* Count elements (bounded by the input length) and refuse stray brackets. */
	nelem = 1;
	for (at = b; at < e; at++) {
		if (str[at] == ',') {
			nelem++;
		} else if (str[at] == '[' || str[at] == ']') {
			d_errbuf_printf(errbuf, errlen, "misplaced bracket '%c' at position %zu in '%s'",
			       str[at], at + 1, p.rp_quoted);
			return -DER_INVAL;
		}
	}

	elems = malloc((size_t)nelem * sizeof(*elems));
	if (elems == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (i = 0, at = b; i < nelem; i++) {
		size_t end = at;

		while (end < e && str[end] != ',')
			end++;
		rc = rs_parse_element(&p, at, end, &elems[i]);
		if (rc != 0)
			goto out;
		at = end + 1;
	}

	/* Sort and merge in place: the merged list is never longer than the input. */
	qsort(elems, nelem, sizeof(*elems), rs_cmp_lo);
	for (i = 0; i < nelem; i++)
		rs_emit(elems, &nr, elems[i].rr_lo, elems[i].rr_hi);
	if (nr > D_RANKSET_RANGES_MAX) {
		rc = -DER_OVERFLOW;
		goto out;
	}

	rc = rs_union_lists(out->rs_ranges, out->rs_nr, elems, nr, &res, &nr, &cap);
	if (rc != 0)
		goto out;
	rc = rs_finish(out, res, nr, cap);

out:
	free(elems);
	if (rc == -DER_OVERFLOW) {
		d_errbuf_printf(errbuf, errlen, "too many ranges (max %d) in '%s'", D_RANKSET_RANGES_MAX,
		       p.rp_quoted);
		rc = -DER_INVAL;
	} else if (rc == -DER_NOMEM) {
		d_errbuf_printf(errbuf, errlen, "out of memory parsing rank set '%s'", p.rp_quoted);
	}
	return rc;
}
