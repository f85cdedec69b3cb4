/*
 * hostset.c: sets of host names with bracket ranges (see hostset.h).
 *
 * Invariants (hostset.h, numbered there):
 *  1. hs_hosts strictly increasing in sort order (unique hosts);
 *  2. every entry is a valid host whose key fields describe its name;
 *  3. hs_nr <= hs_cap, hs_nr <= D_HOSTSET_HOSTS_MAX, hs_hosts NULL iff hs_cap == 0.
 *
 * Parsing runs in three passes over the text so that nothing is allocated for
 * input that will be refused, and nothing is allocated beyond the limits:
 *   0. bracket structure of the whole text (balanced, not nested);
 *   1. every element validated and its host count added up, refusing the
 *      pattern once the total passes D_HOSTSET_HOSTS_MAX;
 *   2. elements expanded into exactly that many entries, sorted, deduplicated,
 *      and unioned into the output.
 *
 * Printing walks each group (same prefix and port, numbered) and splits it
 * into chains of consecutive numbers whose text a range reproduces. Whether
 * an entry continues a chain is decided locally from its neighbours (see
 * hs_pred), so printing needs no scratch memory and cannot fail except for a
 * short buffer.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/hostset.h"
#include "gurt/errbuf.h"

/* Room for a quoted text: the quoted bytes, "...", the NUL. */
#define HS_QUOTE_BUF   (D_HOSTSET_QUOTE_MAX + 4)
/* Index meaning "not found" / "none". */
#define HS_NONE        SIZE_MAX
/* Most digits of a port. */
#define HS_PORT_DIGITS 5

static inline bool
hs_is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
hs_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
hs_is_hostchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || hs_is_digit(c) || c == '-' ||
	       c == '.' || c == '_';
}

/* Decimal digits of v (1 for 0). */
static unsigned int
hs_ndigits(uint32_t v)
{
	unsigned int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* s[0..len) is 1..HS_PORT_DIGITS digits without a leading zero, value 1..65535. */
static bool
hs_port_parse(const char *s, size_t len, uint16_t *port)
{
	uint32_t v = 0;
	size_t   i;

	if (len == 0 || len > HS_PORT_DIGITS || s[0] == '0')
		return false;
	for (i = 0; i < len; i++) {
		if (!hs_is_digit(s[i]))
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/*
 * Fill e's key fields from the host text name[0..name_len) and its port; the
 * text has been validated. he_name is left to the caller.
 */
static void
hs_fill_key(struct d_hostset_ent *e, const char *name, size_t name_len, uint16_t port)
{
	size_t   run = 0;
	uint32_t v   = 0;
	size_t   i;

	while (run < name_len && hs_is_digit(name[name_len - run - 1]))
		run++;
	if (run == 0 || run > D_HOSTSET_DIGITS_MAX) {
		/* No number, or too long to be one: the digits are part of the prefix. */
		e->he_plen  = (uint32_t)name_len;
		e->he_value = 0;
		e->he_width = 0;
	} else {
		for (i = name_len - run; i < name_len; i++)
			v = v * 10 + (uint32_t)(name[i] - '0');
		e->he_plen  = (uint32_t)(name_len - run);
		e->he_value = v;
		e->he_width = (uint16_t)run;
	}
	e->he_port = port;
}

/*
 * Validate one literal host "name[:port]" (NUL-terminated, not trusted) and
 * fill e's key; e->he_name points at s (not copied). Returns false if invalid.
 */
static bool
hs_literal(const char *s, struct d_hostset_ent *e)
{
	size_t   len = strnlen(s, D_HOSTSET_HOST_BUF);
	size_t   name_len;
	uint16_t port = 0;

	if (len >= D_HOSTSET_HOST_BUF)
		return false;
	for (name_len = 0; name_len < len && s[name_len] != ':'; name_len++)
		if (!hs_is_hostchar(s[name_len]))
			return false;
	if (name_len == 0 || name_len > D_HOSTSET_NAME_MAX)
		return false;
	if (name_len < len && !hs_port_parse(&s[name_len + 1], len - name_len - 1, &port))
		return false;
	hs_fill_key(e, s, name_len, port);
	e->he_name = (char *)s;
	return true;
}

/* The sort order of hostset.h: prefix, port, number (none first), width. */
static int
hs_cmp(const struct d_hostset_ent *a, const struct d_hostset_ent *b)
{
	uint32_t n = a->he_plen < b->he_plen ? a->he_plen : b->he_plen;
	int      c = memcmp(a->he_name, b->he_name, n);

	if (c != 0)
		return c;
	if (a->he_plen != b->he_plen)
		return a->he_plen < b->he_plen ? -1 : 1;
	if (a->he_port != b->he_port)
		return a->he_port < b->he_port ? -1 : 1;
	if ((a->he_width == 0) != (b->he_width == 0))
		return a->he_width == 0 ? -1 : 1;
	if (a->he_value != b->he_value)
		return a->he_value < b->he_value ? -1 : 1;
	if (a->he_width != b->he_width)
		return a->he_width < b->he_width ? -1 : 1;
	return 0;
}

static int
hs_qsort_cmp(const void *x, const void *y)
{
	return hs_cmp(x, y);
}

/* Index of the first entry >= key, and whether it is equal. */
static uint32_t
hs_search(const struct d_hostset *set, const struct d_hostset_ent *key, bool *found)
{
	uint32_t lo = 0;
	uint32_t hi = set->hs_nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (hs_cmp(&set->hs_hosts[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < set->hs_nr && hs_cmp(&set->hs_hosts[lo], key) == 0;
	return lo;
}

static void
hs_free_ents(struct d_hostset_ent *ents, uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		free(ents[i].he_name);
	free(ents);
}

void
d_hostset_init(struct d_hostset *set)
{
	set->hs_hosts = NULL;
	set->hs_nr    = 0;
	set->hs_cap   = 0;
}

void
d_hostset_fini(struct d_hostset *set)
{
	hs_free_ents(set->hs_hosts, set->hs_nr);
	d_hostset_init(set);
}

/* Replace set's entries by ents (owned, nr used, cap allocated). */
static void
hs_install(struct d_hostset *set, struct d_hostset_ent *ents, uint32_t nr, uint32_t cap)
{
	hs_free_ents(set->hs_hosts, set->hs_nr);
	if (nr == 0) {
		free(ents);
		ents = NULL;
		cap  = 0;
	}
	set->hs_hosts = ents;
	set->hs_nr    = nr;
	set->hs_cap   = cap;
}

int
d_hostset_add(struct d_hostset *set, const char *host)
{
	struct d_hostset_ent  key;
	struct d_hostset_ent *ents;
	uint32_t              pos;
	uint32_t              cap;
	bool                  found;
	char                 *name;

	if (host == NULL || !hs_literal(host, &key))
		return -DER_INVAL;
	pos = hs_search(set, &key, &found);
	if (found)
		return 0;
	if (set->hs_nr >= D_HOSTSET_HOSTS_MAX)
		return -DER_OVERFLOW;
	if (set->hs_nr == set->hs_cap) {
		cap = set->hs_cap < 8 ? 8 : set->hs_cap * 2;
		if (cap > D_HOSTSET_HOSTS_MAX)
			cap = D_HOSTSET_HOSTS_MAX;
		ents = realloc(set->hs_hosts, (size_t)cap * sizeof(*ents));
		if (ents == NULL)
			return -DER_NOMEM;
		set->hs_hosts = ents;
		set->hs_cap   = cap;
	}
	name = strdup(host);
	if (name == NULL)
		return -DER_NOMEM;
	ents = set->hs_hosts;
	memmove(&ents[pos + 1], &ents[pos], (size_t)(set->hs_nr - pos) * sizeof(*ents));
	ents[pos]         = key;
	ents[pos].he_name = name;
	set->hs_nr++;
	return 0;
}

uint32_t
d_hostset_count(const struct d_hostset *set)
{
	return set->hs_nr;
}

int
d_hostset_get(const struct d_hostset *set, uint32_t idx, char *buf, size_t len)
{
	size_t n;

	if (idx >= set->hs_nr)
		return -DER_NONEXIST;
	n = strlen(set->hs_hosts[idx].he_name);
	if (len > 0) {
		size_t c = n < len ? n : len - 1;

		memcpy(buf, set->hs_hosts[idx].he_name, c);
		buf[c] = '\0';
	}
	return n < len ? 0 : -DER_TRUNC;
}

bool
d_hostset_contains(const struct d_hostset *set, const char *host)
{
	struct d_hostset_ent key;
	bool                 found;

	if (host == NULL || !hs_literal(host, &key))
		return false;
	hs_search(set, &key, &found);
	return found;
}

bool
d_hostset_equal(const struct d_hostset *a, const struct d_hostset *b)
{
	uint32_t i;

	if (a->hs_nr != b->hs_nr)
		return false;
	for (i = 0; i < a->hs_nr; i++)
		if (strcmp(a->hs_hosts[i].he_name, b->hs_hosts[i].he_name) != 0)
			return false;
	return true;
}

enum hs_op {
	HS_UNION,
	HS_INTERSECT,
	HS_SUBTRACT,
};

/*
 * Walk a and b in order and produce op's result. With out == NULL only count;
 * otherwise copy each result entry (strdup) into out. Returns the count, or
 * -DER_NOMEM (entries copied so far are freed).
 */
static int64_t
hs_walk(const struct d_hostset *a, const struct d_hostset *b, enum hs_op op,
	struct d_hostset_ent *out)
{
	uint32_t i = 0;
	uint32_t j = 0;
	uint32_t n = 0;

	while (i < a->hs_nr || j < b->hs_nr) {
		const struct d_hostset_ent *take = NULL;
		int                         c;

		if (i == a->hs_nr)
			c = 1;
		else if (j == b->hs_nr)
			c = -1;
		else
			c = hs_cmp(&a->hs_hosts[i], &b->hs_hosts[j]);

		if (c < 0) {
			if (op != HS_INTERSECT)
				take = &a->hs_hosts[i];
			i++;
		} else if (c > 0) {
			if (op == HS_UNION)
				take = &b->hs_hosts[j];
			j++;
		} else {
			if (op != HS_SUBTRACT)
				take = &a->hs_hosts[i];
			i++;
			j++;
		}
		if (take == NULL)
			continue;
		if (out != NULL) {
			out[n]         = *take;
			out[n].he_name = strdup(take->he_name);
			if (out[n].he_name == NULL) {
				while (n > 0)
					free(out[--n].he_name);
				return -DER_NOMEM;
			}
		}
		n++;
	}
	return n;
}

static int
hs_combine(struct d_hostset *dst, const struct d_hostset *a, const struct d_hostset *b,
	   enum hs_op op)
{
	struct d_hostset_ent *ents = NULL;
	int64_t               n;

	n = hs_walk(a, b, op, NULL);
	if (n > D_HOSTSET_HOSTS_MAX)
		return -DER_OVERFLOW;
	if (n > 0) {
		ents = calloc((size_t)n, sizeof(*ents));
		if (ents == NULL)
			return -DER_NOMEM;
		if (hs_walk(a, b, op, ents) < 0) {
			free(ents);
			return -DER_NOMEM;
		}
	}
	hs_install(dst, ents, (uint32_t)n, (uint32_t)n);
	return 0;
}

int
d_hostset_union(struct d_hostset *dst, const struct d_hostset *a, const struct d_hostset *b)
{
	return hs_combine(dst, a, b, HS_UNION);
}

int
d_hostset_intersect(struct d_hostset *dst, const struct d_hostset *a, const struct d_hostset *b)
{
	return hs_combine(dst, a, b, HS_INTERSECT);
}

int
d_hostset_subtract(struct d_hostset *dst, const struct d_hostset *a, const struct d_hostset *b)
{
	return hs_combine(dst, a, b, HS_SUBTRACT);
}

/*
 * Printing.
 */

/* Output writer: counts every byte, stores what fits, leaves room for the NUL. */
struct hs_out {
	char  *ho_buf;
	size_t ho_len;
	size_t ho_pos;
};

static void
hs_put(struct hs_out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (o->ho_pos + 1 < o->ho_len)
			o->ho_buf[o->ho_pos] = s[i];
		o->ho_pos++;
	}
}

static void
hs_put_str(struct hs_out *o, const char *s)
{
	hs_put(o, s, strlen(s));
}

/* Index in h[gs..ge) (one group, sorted by value then width) of (v, w), or HS_NONE. */
static size_t
hs_find(const struct d_hostset_ent *h, size_t gs, size_t ge, uint64_t v, unsigned int w)
{
	size_t lo = gs;
	size_t hi = ge;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h[mid].he_value < v || (h[mid].he_value == v && h[mid].he_width < w))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ge && h[lo].he_value == v && h[lo].he_width == w)
		return lo;
	return HS_NONE;
}

/*
 * Chains. In a range "lo-hi" every number after lo is printed with width
 * max(W, digits) where W is lo's width, so from an entry (v, w) a chain can only
 * continue to (v+1, max(w, digits(v+1))). Two entries may lead to the same
 * successor at a power of ten ("9" and "09" both to "10"): the successor then
 * belongs to the one of its own width ("09"), and "9" ends its chain. So an
 * entry's predecessor is (v-1, w) if present, else, when v is a power of ten
 * printed naturally, (v-1, w-1).
 */
static size_t
hs_pred(const struct d_hostset_ent *h, size_t gs, size_t ge, size_t k)
{
	uint32_t     v = h[k].he_value;
	unsigned int w = h[k].he_width;
	size_t       f;

	if (v == 0)
		return HS_NONE;
	f = hs_find(h, gs, ge, (uint64_t)v - 1, w);
	if (f != HS_NONE)
		return f;
	if (w == hs_ndigits(v) && hs_ndigits(v - 1) == w - 1)
		return hs_find(h, gs, ge, (uint64_t)v - 1, w - 1);
	return HS_NONE;
}

static size_t
hs_succ(const struct d_hostset_ent *h, size_t gs, size_t ge, size_t k)
{
	uint64_t     v = (uint64_t)h[k].he_value + 1;
	unsigned int w = h[k].he_width;
	unsigned int d;
	size_t       s;

	if (v > UINT32_MAX)
		return HS_NONE;
	d = hs_ndigits((uint32_t)v);
	s = hs_find(h, gs, ge, v, w > d ? w : d);
	if (s != HS_NONE && hs_pred(h, gs, ge, s) == k)
		return s;
	return HS_NONE;
}

/* Print the number text of entry e (its digits, exactly as in the name). */
static void
hs_put_number(struct hs_out *o, const struct d_hostset_ent *e)
{
	hs_put(o, e->he_name + e->he_plen, e->he_width);
}

static bool
hs_same_group(const struct d_hostset_ent *a, const struct d_hostset_ent *b)
{
	return a->he_width > 0 && b->he_width > 0 && a->he_plen == b->he_plen &&
	       a->he_port == b->he_port && memcmp(a->he_name, b->he_name, a->he_plen) == 0;
}

static size_t
hs_format_out(const struct d_hostset *set, struct hs_out *o)
{
	const struct d_hostset_ent *h = set->hs_hosts;
	size_t                      i = 0;

	while (i < set->hs_nr) {
		size_t ge = i + 1;
		size_t k;
		bool   first = true;
		char   port[8];

		if (i > 0)
			hs_put(o, ",", 1);
		while (ge < set->hs_nr && hs_same_group(&h[i], &h[ge]))
			ge++;
		if (ge - i == 1) {
			hs_put_str(o, h[i].he_name);
			i = ge;
			continue;
		}

		hs_put(o, h[i].he_name, h[i].he_plen);
		hs_put(o, "[", 1);
		for (k = i; k < ge; k++) {
			size_t j = k;
			size_t s;

			if (hs_pred(h, i, ge, k) != HS_NONE)
				continue; /* printed as part of its predecessor's chain */
			while ((s = hs_succ(h, i, ge, j)) != HS_NONE)
				j = s;
			if (!first)
				hs_put(o, ",", 1);
			first = false;
			hs_put_number(o, &h[k]);
			if (j != k) {
				hs_put(o, "-", 1);
				hs_put_number(o, &h[j]);
			}
		}
		hs_put(o, "]", 1);
		if (h[i].he_port != 0) {
			snprintf(port, sizeof(port), ":%u", (unsigned int)h[i].he_port);
			hs_put_str(o, port);
		}
		i = ge;
	}
	if (o->ho_len > 0)
		o->ho_buf[o->ho_pos < o->ho_len ? o->ho_pos : o->ho_len - 1] = '\0';
	return o->ho_pos + 1;
}

int
d_hostset_format(const struct d_hostset *set, char *buf, size_t len)
{
	struct hs_out o = {.ho_buf = buf, .ho_len = buf == NULL ? 0 : len, .ho_pos = 0};

	return hs_format_out(set, &o) > len ? -DER_TRUNC : 0;
}

size_t
d_hostset_format_len(const struct d_hostset *set)
{
	struct hs_out o = {.ho_buf = NULL, .ho_len = 0, .ho_pos = 0};

	return hs_format_out(set, &o);
}

/*
 * Parser.
 */

struct hs_parse {
	const char *hp_str;    /* the whole input */
	const char *hp_quoted; /* the input, quoted for messages */
	char       *hp_errbuf;
	size_t      hp_errlen;
};

/* One element after validation (pass 1); offsets are into el_s. */
struct hs_elem {
	const char *el_s;        /* element text, trimmed */
	size_t      el_len;
	size_t      el_name_len; /* bytes before ':' (or el_len) */
	size_t      el_lb;       /* '[' or HS_NONE */
	size_t      el_rb;       /* ']' when el_lb != HS_NONE */
	size_t      el_colon;    /* ':' or HS_NONE */
	uint64_t    el_count;    /* hosts it names, duplicates included */
	char        el_quoted[HS_QUOTE_BUF];
};

/* One range of a bracket: lo..hi, numbers padded to it_pad digits (0 = natural). */
struct hs_item {
	uint32_t it_lo;
	uint32_t it_hi;
	uint32_t it_pad;
};

/* True when s[0..n) is not empty and all digits; its length is checked apart. */
static bool
hs_all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!hs_is_digit(s[i]))
			return false;
	return n > 0;
}

static uint32_t
hs_number(const char *s, size_t n)
{
	uint32_t v = 0;
	size_t   i;

	assert(n <= D_HOSTSET_DIGITS_MAX);
	for (i = 0; i < n; i++)
		v = v * 10 + (uint32_t)(s[i] - '0');
	return v;
}

static int
hs_too_long_number(struct hs_parse *p, struct hs_elem *el, const char *s, size_t n)
{
	char tok[HS_QUOTE_BUF];

	d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "number '%s' too long (max %d digits) in '%s'",
	       d_errbuf_quote(tok, s, n, D_HOSTSET_QUOTE_MAX), D_HOSTSET_DIGITS_MAX, el->el_quoted);
	return -DER_INVAL;
}

/* Parse the bracket item el_s[from..to). */
static int
hs_item_parse(struct hs_parse *p, struct hs_elem *el, size_t from, size_t to,
	      struct hs_item *it)
{
	const char *s = el->el_s + from;
	size_t      n = to - from;
	size_t      dash;
	char        tok[HS_QUOTE_BUF];

	if (n == 0) {
		d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "empty item in brackets in '%s'",
		       el->el_quoted);
		return -DER_INVAL;
	}
	for (dash = 0; dash < n && s[dash] != '-'; dash++)
		;
	if (dash == n) {
		if (!hs_all_digits(s, n)) {
			d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "invalid number '%s' in '%s'",
			       d_errbuf_quote(tok, s, n, D_HOSTSET_QUOTE_MAX), el->el_quoted);
			return -DER_INVAL;
		}
		if (n > D_HOSTSET_DIGITS_MAX)
			return hs_too_long_number(p, el, s, n);
		it->it_lo = it->it_hi = hs_number(s, n);
	} else {
		size_t hn = n - dash - 1;

		if (!hs_all_digits(s, dash) || !hs_all_digits(s + dash + 1, hn)) {
			d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "invalid range '%s' in '%s'",
			       d_errbuf_quote(tok, s, n, D_HOSTSET_QUOTE_MAX), el->el_quoted);
			return -DER_INVAL;
		}
		if (dash > D_HOSTSET_DIGITS_MAX)
			return hs_too_long_number(p, el, s, dash);
		if (hn > D_HOSTSET_DIGITS_MAX)
			return hs_too_long_number(p, el, s + dash + 1, hn);
		it->it_lo = hs_number(s, dash);
		it->it_hi = hs_number(s + dash + 1, hn);
		if (it->it_lo > it->it_hi) {
			d_errbuf_printf(p->hp_errbuf, p->hp_errlen,
			       "invalid range '%s' (start > end) in '%s'", d_errbuf_quote(tok, s, n, D_HOSTSET_QUOTE_MAX),
			       el->el_quoted);
			return -DER_INVAL;
		}
		n = dash; /* the start's text decides the padding */
	}
	it->it_pad = (n > 1 && s[0] == '0') ? (uint32_t)n : 0;
	return 0;
}

/* Pass 1: validate the element s[0..len) (trimmed, not empty) and count its hosts. */
static int
hs_elem_check(struct hs_parse *p, const char *s, size_t len, struct hs_elem *el)
{
	char     tok[HS_QUOTE_BUF];
	size_t   nbr = 0;
	size_t   ncolon = 0;
	bool     inside = false;
	bool     colon_inside = false;
	size_t   maxw = 0;
	size_t   name;
	size_t   i;
	uint16_t port;

	memset(el, 0, sizeof(*el));
	el->el_s     = s;
	el->el_len   = len;
	el->el_lb    = HS_NONE;
	el->el_colon = HS_NONE;
	d_errbuf_quote(el->el_quoted, s, len, D_HOSTSET_QUOTE_MAX);

	/* Pass 0 made brackets balanced and unnested, so '[' and ']' alternate. */
	for (i = 0; i < len; i++) {
		if (s[i] == '[') {
			if (nbr++ == 0)
				el->el_lb = i;
			inside = true;
		} else if (s[i] == ']') {
			if (nbr == 1)
				el->el_rb = i;
			inside = false;
		} else if (s[i] == ':') {
			if (inside)
				colon_inside = true;
			else if (ncolon++ == 0)
				el->el_colon = i;
		}
	}
	if (nbr > 1) {
		d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "more than one bracket in '%s'", el->el_quoted);
		return -DER_INVAL;
	}
	if (colon_inside || ncolon > 1) {
		d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "IPv6 address not supported in '%s'",
		       el->el_quoted);
		return -DER_INVAL;
	}
	el->el_name_len = el->el_colon == HS_NONE ? len : el->el_colon;
	if (el->el_lb != HS_NONE && el->el_lb > el->el_name_len)
		el->el_lb = HS_NONE; /* a bracket after ':' is junk in the port, below */

	for (i = 0; i < el->el_name_len; i++) {
		char c = s[i];

		if (el->el_lb != HS_NONE && i >= el->el_lb && i <= el->el_rb)
			continue;
		if (hs_is_hostchar(c))
			continue;
		if (c >= 0x20 && c < 0x7f)
			snprintf(tok, sizeof(tok), "'%c'", c);
		else
			snprintf(tok, sizeof(tok), "0x%02x", (unsigned int)(unsigned char)c);
		d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "invalid character %s at position %zu in '%s'",
		       tok, i + 1, el->el_quoted);
		return -DER_INVAL;
	}

	if (el->el_lb == HS_NONE) {
		el->el_count = 1;
	} else {
		size_t at = el->el_lb + 1;

		if (at == el->el_rb) {
			d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "empty brackets in '%s'",
			       el->el_quoted);
			return -DER_INVAL;
		}
		while (at <= el->el_rb) {
			struct hs_item it;
			size_t         end = at;
			size_t         w;
			int            rc;

			while (end < el->el_rb && s[end] != ',')
				end++;
			rc = hs_item_parse(p, el, at, end, &it);
			if (rc != 0)
				return rc;
			el->el_count += (uint64_t)it.it_hi - it.it_lo + 1;
			w = hs_ndigits(it.it_hi);
			if (it.it_pad > w)
				w = it.it_pad;
			if (w > maxw)
				maxw = w;
			at = end + 1;
		}
	}

	if (el->el_colon != HS_NONE) {
		const char *ps = s + el->el_colon + 1;
		size_t      pn = len - el->el_colon - 1;

		if (pn == 0) {
			d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "missing port after ':' in '%s'",
			       el->el_quoted);
			return -DER_INVAL;
		}
		if (!hs_port_parse(ps, pn, &port)) {
			d_errbuf_printf(p->hp_errbuf, p->hp_errlen,
			       "invalid port '%s' (expected 1-65535, no leading zero) in '%s'",
			       d_errbuf_quote(tok, ps, pn, D_HOSTSET_QUOTE_MAX), el->el_quoted);
			return -DER_INVAL;
		}
	}

	name = el->el_name_len;
	if (el->el_lb != HS_NONE)
		name = name - (el->el_rb - el->el_lb + 1) + maxw;
	if (name == 0) {
		d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "missing host name in '%s'", el->el_quoted);
		return -DER_INVAL;
	}
	if (name > D_HOSTSET_NAME_MAX) {
		d_errbuf_printf(p->hp_errbuf, p->hp_errlen, "host name too long (%zu bytes, max %d) in '%s'",
		       name, D_HOSTSET_NAME_MAX, el->el_quoted);
		return -DER_INVAL;
	}
	return 0;
}

/* Store the host text t[0..n) (valid by construction) as entry *e, copying it. */
static int
hs_make_ent(const char *t, size_t n, struct d_hostset_ent *e)
{
	char *name = malloc(n + 1);
	bool  ok;

	if (name == NULL)
		return -DER_NOMEM;
	memcpy(name, t, n);
	name[n] = '\0';
	ok = hs_literal(name, e);
	assert(ok); /* pass 1 validated everything the expansion can produce */
	(void)ok;
	return 0;
}

/* Pass 2: expand a validated element into ents[*nr...]. */
static int
hs_elem_expand(struct hs_parse *p, struct hs_elem *el, struct d_hostset_ent *ents, uint32_t *nr)
{
	const char *s = el->el_s;
	char        host[D_HOSTSET_HOST_BUF + 16];
	size_t      at;
	int         rc;

	if (el->el_lb == HS_NONE) {
		rc = hs_make_ent(s, el->el_len, &ents[*nr]);
		if (rc == 0)
			(*nr)++;
		return rc;
	}

	for (at = el->el_lb + 1; at <= el->el_rb;) {
		struct hs_item it;
		size_t         end = at;
		uint64_t       v;

		while (end < el->el_rb && s[end] != ',')
			end++;
		rc = hs_item_parse(p, el, at, end, &it);
		assert(rc == 0);
		for (v = it.it_lo; v <= it.it_hi; v++) {
			size_t n = el->el_lb;
			int    w;

			memcpy(host, s, n);
			w = snprintf(host + n, sizeof(host) - n, "%0*u", (int)it.it_pad,
				     (unsigned int)v);
			assert(w > 0 && (size_t)w <= D_HOSTSET_DIGITS_MAX);
			n += (size_t)w;
			memcpy(host + n, s + el->el_rb + 1, el->el_len - el->el_rb - 1);
			n += el->el_len - el->el_rb - 1;
			assert(n < sizeof(host));
			rc = hs_make_ent(host, n, &ents[*nr]);
			if (rc != 0)
				return rc;
			(*nr)++;
		}
		at = end + 1;
	}
	return 0;
}

/*
 * Find the next top-level element at or after *at in str[..e): sets
 * [*from, *to) to it, trimmed, and *at past its comma. Returns false at the end.
 */
static bool
hs_next_elem(const char *str, size_t e, size_t *at, size_t *from, size_t *to)
{
	size_t i     = *at;
	bool   inside = false;

	if (i > e)
		return false;
	while (i < e && (inside || str[i] != ',')) {
		if (str[i] == '[')
			inside = true;
		else if (str[i] == ']')
			inside = false;
		i++;
	}
	*from = *at;
	*to   = i;
	*at   = i + 1;
	while (*from < *to && hs_is_ws(str[*from]))
		(*from)++;
	while (*to > *from && hs_is_ws(str[*to - 1]))
		(*to)--;
	return true;
}

int
d_hostset_parse(const char *str, struct d_hostset *out, char *errbuf, size_t errlen)
{
	struct hs_parse       p = {.hp_str = str, .hp_errbuf = errbuf, .hp_errlen = errlen};
	struct d_hostset      tmp;
	struct hs_elem        el;
	char                  quoted[HS_QUOTE_BUF];
	uint64_t              total = 0;
	uint32_t              nr = 0;
	uint32_t              i;
	uint32_t              u;
	size_t                len;
	size_t                b;
	size_t                e;
	size_t                at;
	size_t                from;
	size_t                to;
	bool                  inside = false;
	int                   rc;

	d_hostset_init(&tmp);
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (str == NULL || out == NULL) {
		d_errbuf_printf(errbuf, errlen, "no host set given");
		return -DER_INVAL;
	}
	len = strlen(str);
	if (len > D_HOSTSET_STR_MAX) {
		d_errbuf_printf(errbuf, errlen, "host set too long (%zu bytes, max %d)", len,
		       D_HOSTSET_STR_MAX);
		return -DER_INVAL;
	}
	p.hp_quoted = d_errbuf_quote(quoted, str, len, D_HOSTSET_QUOTE_MAX);

	/* Pass 0: bracket structure. */
	for (at = 0; at < len; at++) {
		if (str[at] == '[') {
			if (inside) {
				d_errbuf_printf(errbuf, errlen, "nested bracket in '%s'", p.hp_quoted);
				return -DER_INVAL;
			}
			inside = true;
		} else if (str[at] == ']') {
			if (!inside) {
				d_errbuf_printf(errbuf, errlen, "unbalanced bracket in '%s'", p.hp_quoted);
				return -DER_INVAL;
			}
			inside = false;
		}
	}
	if (inside) {
		d_errbuf_printf(errbuf, errlen, "unbalanced bracket in '%s'", p.hp_quoted);
		return -DER_INVAL;
	}

	b = 0;
	e = len;
	while (b < e && hs_is_ws(str[b]))
		b++;
	while (e > b && hs_is_ws(str[e - 1]))
		e--;
	if (b == e)
		return 0; /* the empty set adds nothing */

	/* Pass 1: validate and count, refusing before any allocation. */
	for (at = b; hs_next_elem(str, e, &at, &from, &to);) {
		if (from == to) {
			d_errbuf_printf(errbuf, errlen, "empty element in host set '%s'", p.hp_quoted);
			return -DER_INVAL;
		}
		rc = hs_elem_check(&p, str + from, to - from, &el);
		if (rc != 0)
			return rc;
		total += el.el_count;
		if (total > D_HOSTSET_HOSTS_MAX) {
			d_errbuf_printf(errbuf, errlen, "too many hosts (max %d) in '%s'",
			       D_HOSTSET_HOSTS_MAX, el.el_quoted);
			return -DER_INVAL;
		}
	}

	/* Pass 2: expand, sort, deduplicate. */
	tmp.hs_hosts = calloc((size_t)total, sizeof(*tmp.hs_hosts));
	if (tmp.hs_hosts == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	tmp.hs_cap = (uint32_t)total;
	for (at = b; hs_next_elem(str, e, &at, &from, &to);) {
		rc = hs_elem_check(&p, str + from, to - from, &el);
		assert(rc == 0);
		rc = hs_elem_expand(&p, &el, tmp.hs_hosts, &tmp.hs_nr);
		if (rc != 0)
			goto out;
	}
	assert(tmp.hs_nr == total);
	qsort(tmp.hs_hosts, tmp.hs_nr, sizeof(*tmp.hs_hosts), hs_qsort_cmp);
	for (i = 0; i < tmp.hs_nr; i++) {
		if (nr > 0 && hs_cmp(&tmp.hs_hosts[nr - 1], &tmp.hs_hosts[i]) == 0) {
			free(tmp.hs_hosts[i].he_name);
			continue;
		}
		tmp.hs_hosts[nr++] = tmp.hs_hosts[i];
	}
	tmp.hs_nr = nr;
	for (u = 1; u < nr; u++)
		assert(hs_cmp(&tmp.hs_hosts[u - 1], &tmp.hs_hosts[u]) < 0);

	rc = d_hostset_union(out, out, &tmp);
	if (rc == -DER_OVERFLOW) {
		d_errbuf_printf(errbuf, errlen, "too many hosts (max %d) in set after adding '%s'",
		       D_HOSTSET_HOSTS_MAX, p.hp_quoted);
		rc = -DER_INVAL;
	}
out:
	if (rc == -DER_NOMEM)
		d_errbuf_printf(errbuf, errlen, "out of memory parsing host set '%s'", p.hp_quoted);
	d_hostset_fini(&tmp);
	return rc;
}
