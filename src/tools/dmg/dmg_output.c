/*
 * dmg_output.c: what dmg prints. The output buffer, DAOS-style text tables,
 * sizes and percentages, grouping of ranks and hosts with the same result,
 * the -j envelope, and checked access to the fields of server replies.
 *
 * Invariants:
 *  1. A struct dmg_out never holds more than DMG_OUT_MAX bytes, and o_buf is
 *     NUL-terminated at o_len whenever it is not NULL.
 *  2. A table cell holds no control character and at most DMG_CELL_MAX
 *     bytes (plus "..." when cut; DMG_OUT_MAX in a column of sets dmg
 *     formatted itself), so rendering never emits terminal control
 *     sequences that came from a server.
 *  3. A group's set is formatted from its members only when asked for and
 *     cached until the next add to it.
 *  4. Each group's position + 1 is in exactly one slot of g_index (0 marks
 *     a free slot), which is at most half full; g_order, when not NULL, is a
 *     permutation of 0 .. g_nr - 1.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hostset.h"
#include "gurt/json.h"
#include "gurt/rankset.h"
#include "tools/dmg/dmg.h"

/* First allocation of an output buffer. */
#define OUT_INIT 4096

void
dmg_out_init(struct dmg_out *out)
{
	memset(out, 0, sizeof(*out));
}

void
dmg_out_fini(struct dmg_out *out)
{
	free(out->o_buf);
	memset(out, 0, sizeof(*out));
}

/* Make room for n more bytes and the NUL. */
static int
out_reserve(struct dmg_out *out, size_t n)
{
	size_t need, cap;
	char  *buf;

	if (n > DMG_OUT_MAX || out->o_len + n > DMG_OUT_MAX)
		return -DER_OVERFLOW;
	need = out->o_len + n + 1;
	if (need <= out->o_cap)
		return 0;
	cap = out->o_cap != 0 ? out->o_cap : OUT_INIT;
	while (cap < need)
		cap *= 2;
	buf = realloc(out->o_buf, cap);
	if (buf == NULL)
		return -DER_NOMEM;
	out->o_buf = buf;
	out->o_cap = cap;
	return 0;
}

int
dmg_out_printf(struct dmg_out *out, const char *fmt, ...)
{
	va_list ap;
	int     n;
	int     rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -DER_INVAL;
	rc = out_reserve(out, (size_t)n);
	if (rc != 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(out->o_buf + out->o_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out->o_len += (size_t)n;
	return 0;
}

/* Control characters (C0, DEL) would let a server move the cursor or recolour
 * the terminal: print them as '?'. Bytes >= 0x80 are kept (UTF-8 text). */
static char
safe_char(char c)
{
	unsigned char u = (unsigned char)c;

	return (u < 0x20 || u == 0x7f) ? '?' : c;
}

int
dmg_out_puts_safe(struct dmg_out *out, const char *s)
{
	size_t n = strnlen(s, DMG_OUT_MAX + 1);
	int    rc;

	rc = out_reserve(out, n);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		out->o_buf[out->o_len + i] = safe_char(s[i]);
	out->o_len += n;
	out->o_buf[out->o_len] = '\0';
	return 0;
}

/*
 * Tables
 */

int
dmg_table_init(struct dmg_table *t, uint32_t ncols, const char *const *titles, uint32_t indent)
{
	memset(t, 0, sizeof(*t));
	if (ncols == 0 || ncols > DMG_TABLE_COLS_MAX || titles == NULL)
		return -DER_INVAL;
	for (uint32_t i = 0; i < ncols; i++) {
		if (titles[i] == NULL)
			return -DER_INVAL;
		t->t_titles[i] = titles[i];
	}
	t->t_ncols = ncols;
	t->t_indent = indent;
	return 0;
}

void
dmg_table_fini(struct dmg_table *t)
{
	for (size_t i = 0; i < (size_t)t->t_nrows * t->t_ncols; i++)
		free(t->t_cells[i]);
	free(t->t_cells);
	t->t_cells = NULL;
	t->t_nrows = 0;
	t->t_cap = 0;
}

/* A sanitised, bounded copy of a cell (invariant 2). */
static char *
cell_dup(const char *s, bool full)
{
	size_t len = strnlen(s, full ? DMG_OUT_MAX : DMG_CELL_MAX + 1);
	bool   cut = !full && len > DMG_CELL_MAX;
	char  *c;

	if (cut) {
		len = DMG_CELL_MAX;
		/* Do not cut a UTF-8 sequence in the middle. */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	c = malloc(len + (cut ? 4 : 1));
	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		c[i] = safe_char(s[i]);
	if (cut)
		memcpy(c + len, "...", 4);
	else
		c[len] = '\0';
	return c;
}

int
dmg_table_add(struct dmg_table *t, const char *const *cells)
{
	char   **row;
	uint32_t i;

	if (t->t_nrows >= DMG_TABLE_ROWS_MAX)
		return -DER_OVERFLOW;
	if (t->t_nrows == t->t_cap) {
		uint32_t cap = t->t_cap == 0 ? 16 : t->t_cap * 2;
		char   **cellv;

		if (cap > DMG_TABLE_ROWS_MAX)
			cap = DMG_TABLE_ROWS_MAX;
		cellv = realloc(t->t_cells, (size_t)cap * t->t_ncols * sizeof(*cellv));
		if (cellv == NULL)
			return -DER_NOMEM;
		t->t_cells = cellv;
		t->t_cap = cap;
	}
	row = &t->t_cells[(size_t)t->t_nrows * t->t_ncols];
	for (i = 0; i < t->t_ncols; i++) {
		row[i] = cell_dup(cells[i] != NULL ? cells[i] : "", (t->t_full_cols >> i) & 1);
		if (row[i] == NULL) {
			while (i-- > 0)
				free(row[i]);
			return -DER_NOMEM;
		}
	}
	t->t_nrows++;
	return 0;
}

/* Display width: characters, counting a UTF-8 sequence once. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* One line of cells: padded columns, one blank between, no trailing blanks. */
static int
table_line(const struct dmg_table *t, const char *const *cells, const size_t *width,
	   struct dmg_out *out)
{
	size_t start = out->o_len;
	int    rc;

	rc = dmg_out_printf(out, "%*s", (int)t->t_indent, "");
	for (uint32_t c = 0; rc == 0 && c < t->t_ncols; c++) {
		size_t pad = c + 1 < t->t_ncols ? width[c] - text_width(cells[c]) : 0;

		rc = dmg_out_printf(out, "%s%*s%s", cells[c], (int)pad, "",
				    c + 1 < t->t_ncols ? " " : "");
	}
	if (rc != 0)
		return rc;
	while (out->o_len > start && out->o_buf[out->o_len - 1] == ' ')
		out->o_len--;
	out->o_buf[out->o_len] = '\0';
	return dmg_out_printf(out, "\n");
}

int
dmg_table_render(const struct dmg_table *t, struct dmg_out *out)
{
	size_t      width[DMG_TABLE_COLS_MAX];
	const char *dashes[DMG_TABLE_COLS_MAX];
	char       *dbuf = NULL;
	size_t      dlen = 0, off = 0;
	int         rc;

	for (uint32_t c = 0; c < t->t_ncols; c++) {
		width[c] = text_width(t->t_titles[c]);
		dlen += strlen(t->t_titles[c]) + 1;
	}
	for (uint32_t r = 0; r < t->t_nrows; r++)
		for (uint32_t c = 0; c < t->t_ncols; c++) {
			size_t w = text_width(t->t_cells[(size_t)r * t->t_ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	/* The dash line: as long as each title, padded like the cells. */
	dbuf = malloc(dlen);
	if (dbuf == NULL)
		return -DER_NOMEM;
	for (uint32_t c = 0; c < t->t_ncols; c++) {
		size_t n = text_width(t->t_titles[c]);

		memset(dbuf + off, '-', n);
		dbuf[off + n] = '\0';
		dashes[c] = dbuf + off;
		off += n + 1;
	}
	rc = table_line(t, t->t_titles, width, out);
	if (rc == 0)
		rc = table_line(t, dashes, width, out);
	for (uint32_t r = 0; rc == 0 && r < t->t_nrows; r++)
		rc = table_line(t, (const char *const *)&t->t_cells[(size_t)r * t->t_ncols], width,
				out);
	free(dbuf);
	return rc;
}

/*
 * Sizes
 */
void
dmg_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	uint64_t                 div = 1;
	unsigned int             e = 0;
	double                   val;

	if (bytes < 10) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return;
	}
	/* The largest power of 1000 not above the value (integers: exact). */
	while (e + 1 < sizeof(units) / sizeof(units[0]) && bytes / div >= 1000) {
		div *= 1000;
		e++;
	}
	/* One decimal, rounded half up. */
	val = (double)(uint64_t)((double)bytes / (double)div * 10.0 + 0.5) / 10.0;
	snprintf(buf, len, val < 10.0 ? "%.1f %s" : "%.0f %s", val, units[e]);
}

void
dmg_pct_str(uint64_t used, uint64_t total, char *buf, size_t len)
{
	if (total == 0) {
		snprintf(buf, len, "N/A");
		return;
	}
	if (used > total)
		used = total;
	/* used * 100 could overflow 64 bits for exabyte sizes: use long double. */
	snprintf(buf, len, "%u %%",
		 (unsigned int)((long double)used * 100.0L / (long double)total));
}

void
dmg_host_label(const char *addr, uint32_t default_port, char *buf, size_t len)
{
	const char *colon = strrchr(addr, ':');
	char        port[16];

	snprintf(port, sizeof(port), ":%u", default_port);
	if (colon != NULL && strcmp(colon, port) == 0)
		snprintf(buf, len, "%.*s", (int)(colon - addr), addr);
	else
		snprintf(buf, len, "%s", addr);
}

/*
 * Groups: an array in insertion order, an open-addressing hash index of it by
 * key (so adding n items with distinct keys is O(n), not O(n^2)), and an order
 * (by key, or by first host) computed when first asked for.
 */
struct dmg_group {
	char            *gr_key;
	uint64_t         gr_hash;
	bool             gr_hosts;  /* members are hosts */
	struct d_rankset gr_ranks;
	struct d_hostset gr_hostset;
	char            *gr_text;   /* formatted set (invariant 3) */
};

void
dmg_groups_init(struct dmg_groups *g)
{
	memset(g, 0, sizeof(*g));
}

void
dmg_groups_fini(struct dmg_groups *g)
{
	for (uint32_t i = 0; i < g->g_nr; i++) {
		free(g->g_items[i].gr_key);
		free(g->g_items[i].gr_text);
		d_rankset_fini(&g->g_items[i].gr_ranks);
		d_hostset_fini(&g->g_items[i].gr_hostset);
	}
	free(g->g_items);
	free(g->g_index);
	free(g->g_order);
	memset(g, 0, sizeof(*g));
}

/* FNV-1a, 64 bits. */
static uint64_t
key_hash(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

/* Rebuild the index with room for twice the groups (slots hold index + 1). */
static int
index_grow(struct dmg_groups *g)
{
	uint32_t  slots = g->g_slots == 0 ? 64 : g->g_slots * 2;
	uint32_t *index = calloc(slots, sizeof(*index));

	if (index == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < g->g_nr; i++) {
		uint32_t s = (uint32_t)g->g_items[i].gr_hash & (slots - 1);

		while (index[s] != 0)
			s = (s + 1) & (slots - 1);
		index[s] = i + 1;
	}
	free(g->g_index);
	g->g_index = index;
	g->g_slots = slots;
	return 0;
}

/* Find the group of key or add it. */
static int
group_get(struct dmg_groups *g, const char *key, bool hosts, struct dmg_group **out)
{
	uint64_t          h;
	uint32_t          s;
	struct dmg_group *gr;
	char             *k;
	int               rc;

	if (strnlen(key, DMG_GROUP_KEY_MAX + 1) > DMG_GROUP_KEY_MAX)
		return -DER_OVERFLOW;
	h = key_hash(key);
	for (s = (uint32_t)h & (g->g_slots - 1); g->g_slots != 0 && g->g_index[s] != 0;
	     s = (s + 1) & (g->g_slots - 1)) {
		gr = &g->g_items[g->g_index[s] - 1];
		if (gr->gr_hash == h && strcmp(gr->gr_key, key) == 0) {
			*out = gr;
			return 0;
		}
	}
	if (g->g_nr >= DMG_TABLE_ROWS_MAX)
		return -DER_OVERFLOW;
	/* Keep the index at most half full, so probes stay short and end. */
	if (2 * (g->g_nr + 1) > g->g_slots) {
		rc = index_grow(g);
		if (rc != 0)
			return rc;
	}
	if (g->g_nr == g->g_cap) {
		uint32_t          cap = g->g_cap == 0 ? 8 : g->g_cap * 2;
		struct dmg_group *items = realloc(g->g_items, cap * sizeof(*items));

		if (items == NULL)
			return -DER_NOMEM;
		g->g_items = items;
		g->g_cap = cap;
	}
	k = strdup(key);
	if (k == NULL)
		return -DER_NOMEM;
	gr = &g->g_items[g->g_nr];
	memset(gr, 0, sizeof(*gr));
	gr->gr_key = k;
	gr->gr_hash = h;
	gr->gr_hosts = hosts;
	d_rankset_init(&gr->gr_ranks);
	d_hostset_init(&gr->gr_hostset);
	for (s = (uint32_t)h & (g->g_slots - 1); g->g_index[s] != 0; s = (s + 1) & (g->g_slots - 1))
		;
	g->g_index[s] = ++g->g_nr;
	/* A new group invalidates the order. */
	free(g->g_order);
	g->g_order = NULL;
	*out = gr;
	return 0;
}

int
dmg_groups_add_rank(struct dmg_groups *g, const char *key, uint32_t rank)
{
	struct dmg_group *gr;
	int               rc;

	if (g->g_frozen || rank > D_RANK_MAX)
		return -DER_INVAL;
	rc = group_get(g, key, false, &gr);
	if (rc != 0)
		return rc;
	if (gr->gr_hosts)
		return -DER_INVAL;
	free(gr->gr_text);
	gr->gr_text = NULL;
	return d_rankset_add(&gr->gr_ranks, rank);
}

int
dmg_groups_add_host(struct dmg_groups *g, const char *key, const char *host)
{
	struct dmg_group *gr;
	int               rc;

	if (g->g_frozen)
		return -DER_INVAL;
	rc = group_get(g, key, true, &gr);
	if (rc != 0)
		return rc;
	if (!gr->gr_hosts)
		return -DER_INVAL;
	free(gr->gr_text);
	gr->gr_text = NULL;
	return d_hostset_add(&gr->gr_hostset, host);
}

/* The order of hosts documented in hostset.h: prefix bytewise, then port (none
 * first), then trailing number (none first), then the number's width. */
static int
cmp_host_ent(const struct d_hostset_ent *a, const struct d_hostset_ent *b)
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
	return a->he_width < b->he_width ? -1 : a->he_width > b->he_width;
}

/* qsort has no context argument: the array being ordered is passed here. */
static __thread const struct dmg_group *g_sort_items;

static int
cmp_order_key(const void *x, const void *y)
{
	const struct dmg_group *a = &g_sort_items[*(const uint32_t *)x];
	const struct dmg_group *b = &g_sort_items[*(const uint32_t *)y];

	return strcmp(a->gr_key, b->gr_key);
}

/* Host groups by their first host, ties (and empty or rank groups) by key. */
static int
cmp_order_host(const void *x, const void *y)
{
	const struct dmg_group *a = &g_sort_items[*(const uint32_t *)x];
	const struct dmg_group *b = &g_sort_items[*(const uint32_t *)y];
	bool                    ha = a->gr_hosts && a->gr_hostset.hs_nr > 0;
	bool                    hb = b->gr_hosts && b->gr_hostset.hs_nr > 0;

	if (ha && hb) {
		int c = cmp_host_ent(&a->gr_hostset.hs_hosts[0], &b->gr_hostset.hs_hosts[0]);

		if (c != 0)
			return c;
	} else if (ha != hb) {
		return ha ? -1 : 1;
	}
	return strcmp(a->gr_key, b->gr_key);
}

static int
groups_order(struct dmg_groups *g, bool by_host)
{
	if (g->g_order != NULL && !by_host)
		return 0;
	if (g->g_order == NULL) {
		g->g_order = malloc((g->g_nr + 1) * sizeof(*g->g_order));
		if (g->g_order == NULL)
			return -DER_NOMEM;
	}
	for (uint32_t i = 0; i < g->g_nr; i++)
		g->g_order[i] = i;
	g_sort_items = g->g_items;
	qsort(g->g_order, g->g_nr, sizeof(*g->g_order), by_host ? cmp_order_host : cmp_order_key);
	g_sort_items = NULL;
	return 0;
}

int
dmg_groups_sort_hosts(struct dmg_groups *g)
{
	int rc = groups_order(g, true);

	if (rc == 0)
		g->g_frozen = true;
	return rc;
}

uint32_t
dmg_groups_count(const struct dmg_groups *g)
{
	return g->g_nr;
}

int
dmg_groups_get(struct dmg_groups *g, uint32_t i, const char **key, const char **set)
{
	struct dmg_group *gr;
	size_t            len;
	int               rc;

	if (i >= g->g_nr)
		return -DER_NONEXIST;
	rc = groups_order(g, false);
	if (rc != 0)
		return rc;
	gr = &g->g_items[g->g_order[i]];
	if (gr->gr_text == NULL) {
		len = gr->gr_hosts ? d_hostset_format_len(&gr->gr_hostset)
				   : d_rankset_format_len(&gr->gr_ranks, true);
		gr->gr_text = malloc(len);
		if (gr->gr_text == NULL)
			return -DER_NOMEM;
		rc = gr->gr_hosts ? d_hostset_format(&gr->gr_hostset, gr->gr_text, len)
				  : d_rankset_format(&gr->gr_ranks, gr->gr_text, len, true);
		assert(rc == 0);
		(void)rc;
	}
	*key = gr->gr_key;
	*set = gr->gr_text;
	return 0;
}

/*
 * JSON
 */
int
dmg_status(int rc)
{
	if (rc == 0)
		return 0;
	if (rc > 0 || strcmp(d_errstr(rc), "DER_UNKNOWN") == 0)
		return -DER_MISC;
	return rc;
}

int
dmg_envelope(const json_t *response, const char *error, int rc, struct dmg_out *out)
{
	json_t *env;
	char   *text;
	int     ret;

	env = json_object();
	if (env == NULL)
		return -DER_NOMEM;
	/* jansson keeps insertion order: response, error, status as DAOS prints them. */
	ret = json_object_set_new(env, "response",
				  response != NULL ? json_deep_copy(response) : json_null());
	if (ret == 0)
		ret = json_object_set_new(env, "error",
					  error != NULL ? json_string(error) : json_null());
	/* A message that is not UTF-8 (from a server) makes json_string fail. */
	if (ret != 0 && error != NULL)
		ret = json_object_set_new(env, "error", json_string("(message not UTF-8)"));
	if (ret == 0)
		ret = json_object_set_new(env, "status", json_integer(dmg_status(rc)));
	if (ret != 0) {
		json_decref(env);
		return -DER_NOMEM;
	}
	text = json_dumps(env, JSON_INDENT(2));
	json_decref(env);
	if (text == NULL)
		return -DER_NOMEM;
	ret = dmg_out_printf(out, "%s\n", text);
	free(text);
	return ret;
}

static int
reply_err(const struct dmg_reply_ctx *c, const char *path, const char *key, const char *fmt,
	  ...) __attribute__((format(printf, 4, 5)));

static int
reply_err(const struct dmg_reply_ctx *c, const char *path, const char *key, const char *fmt, ...)
{
	char    msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d_errbuf_printf(c->rc_err, c->rc_errlen, "invalid reply from %s: %s%s%s: %s", c->rc_who,
			path != NULL ? path : "", path != NULL && path[0] != '\0' ? "." : "", key,
			msg);
	return -DER_PROTO;
}

int
dmg_json_u64(const struct dmg_reply_ctx *c, const json_t *obj, const char *path, const char *key,
	     bool required, uint64_t max, uint64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t    n;

	if (v == NULL || json_is_null(v)) {
		if (required)
			return reply_err(c, path, key, "missing");
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v))
		return reply_err(c, path, key, "expected an integer, got %s", d_json_type_name(v));
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n > max)
		return reply_err(c, path, key, "%" JSON_INTEGER_FORMAT " is out of range [0, %" PRIu64
				 "]", n, max);
	*out = (uint64_t)n;
	return 0;
}

int
dmg_json_int(const struct dmg_reply_ctx *c, const json_t *obj, const char *path, const char *key,
	     int64_t min, int64_t max, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t    n;

	if (v == NULL || json_is_null(v))
		return reply_err(c, path, key, "missing");
	if (!json_is_integer(v))
		return reply_err(c, path, key, "expected an integer, got %s", d_json_type_name(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return reply_err(c, path, key, "%" JSON_INTEGER_FORMAT " is out of range [%" PRId64
				 ", %" PRId64 "]", n, min, max);
	*out = n;
	return 0;
}

int
dmg_json_str(const struct dmg_reply_ctx *c, const json_t *obj, const char *path, const char *key,
	     bool required, const char **out)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			return reply_err(c, path, key, "missing");
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return reply_err(c, path, key, "expected a string, got %s", d_json_type_name(v));
	/* Embedded NULs would cut the text silently: refuse them. */
	if (strlen(json_string_value(v)) != json_string_length(v))
		return reply_err(c, path, key, "string holds a NUL byte");
	*out = json_string_value(v);
	return 0;
}

int
dmg_json_array(const struct dmg_reply_ctx *c, const json_t *obj, const char *path,
	       const char *key, bool required, size_t max, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			return reply_err(c, path, key, "missing");
		*out = NULL;
		return 0;
	}
	if (!json_is_array(v))
		return reply_err(c, path, key, "expected an array, got %s", d_json_type_name(v));
	if (json_array_size(v) > max)
		return reply_err(c, path, key, "more than %zu entries", max);
	*out = v;
	return 0;
}

int
dmg_json_elem_obj(const struct dmg_reply_ctx *c, const json_t *arr, size_t i, const char *path,
		  const json_t **out)
{
	const json_t *v = json_array_get(arr, i);
	char          k[32];

	if (v == NULL || !json_is_object(v)) {
		snprintf(k, sizeof(k), "[%zu]", i);
		d_errbuf_printf(c->rc_err, c->rc_errlen,
				"invalid reply from %s: %s%s: expected an object, got %s",
				c->rc_who, path, k, v != NULL ? d_json_type_name(v) : "nothing");
		return -DER_PROTO;
	}
	*out = v;
	return 0;
}

/*
 * Per-host errors
 */
int
dmg_errors_add_failed(struct dmg_groups *errs, const struct dmg_host_result *res, uint32_t nr,
		      uint32_t default_port)
{
	char label[D_HOSTSET_HOST_BUF];
	int  rc;

	for (uint32_t i = 0; i < nr; i++) {
		if (res[i].hr_rc == 0)
			continue;
		dmg_host_label(res[i].hr_addr, default_port, label, sizeof(label));
		rc = dmg_groups_add_host(errs, res[i].hr_err, label);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
dmg_render_errors(struct dmg_groups *errs, struct dmg_out *out)
{
	static const char *const titles[] = {"Hosts", "Error"};
	struct dmg_table         t;
	int                      rc;

	if (dmg_groups_count(errs) == 0)
		return 0;
	rc = dmg_groups_sort_hosts(errs);
	if (rc != 0)
		return rc;
	rc = dmg_table_init(&t, 2, titles, 2);
	if (rc != 0)
		return rc;
	t.t_full_cols = 1u << 0;
	for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(errs); i++) {
		const char *cells[2];

		rc = dmg_groups_get(errs, i, &cells[1], &cells[0]);
		if (rc == 0)
			rc = dmg_table_add(&t, cells);
	}
	if (rc == 0)
		rc = dmg_out_printf(out, "Errors:\n");
	if (rc == 0)
		rc = dmg_table_render(&t, out);
	if (rc == 0)
		rc = dmg_out_printf(out, "\n");
	dmg_table_fini(&t);
	return rc;
}

/* A JSON string of text that may not be UTF-8. */
static json_t *
json_text(const char *s)
{
	json_t *j = json_string(s);

	return j != NULL ? j : json_string("(message not UTF-8)");
}

json_t *
dmg_fanout_response(const struct dmg_host_result *res, uint32_t nr)
{
	json_t *resp = json_object();
	json_t *hosts = json_object();
	json_t *errs = json_object();
	int     rc = 0;

	if (resp == NULL || hosts == NULL || errs == NULL)
		goto fail;
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		if (res[i].hr_rc == 0 && res[i].hr_reply != NULL)
			rc = json_object_set(hosts, res[i].hr_addr, res[i].hr_reply);
		else if (res[i].hr_rc != 0)
			rc = json_object_set_new(errs, res[i].hr_addr,
						 json_pack("{s:i,s:o}", "status",
							   dmg_status(res[i].hr_rc), "error",
							   json_text(res[i].hr_err)));
	}
	if (rc != 0)
		goto fail;
	rc = json_object_set_new(resp, "hosts", hosts);
	hosts = NULL;
	if (rc == 0)
		rc = json_object_set_new(resp, "host_errors", errs);
	errs = NULL;
	if (rc != 0)
		goto fail;
	return resp;
fail:
	json_decref(hosts);
	json_decref(errs);
	json_decref(resp);
	return NULL;
}
