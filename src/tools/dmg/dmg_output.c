/*
 * dmg_output.c: what dmg prints beyond the shared output library
 * (src/tools/common/cli_out.h: buffer, tables, sizes, the -j envelope):
 * percentages, host labels, grouping of ranks and hosts with the same
 * result, and checked access to the fields of server replies.
 *
 * Invariants:
 *  1. A group's set is formatted from its members only when asked for and
 *     cached until the next add to it.
 *  2. Each group's position + 1 is in exactly one slot of g_index (0 marks
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
	char            *gr_text;   /* formatted set (invariant 1) */
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
 * Reply fields
 */
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
dmg_render_errors(struct dmg_groups *errs, struct cli_out *out)
{
	static const char *const titles[] = {"Hosts", "Error"};
	struct cli_table         t;
	int                      rc;

	if (dmg_groups_count(errs) == 0)
		return 0;
	rc = dmg_groups_sort_hosts(errs);
	if (rc != 0)
		return rc;
	rc = cli_table_init(&t, 2, titles, 2);
	if (rc != 0)
		return rc;
	t.t_full_cols = 1u << 0;
	for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(errs); i++) {
		const char *cells[2];

		rc = dmg_groups_get(errs, i, &cells[1], &cells[0]);
		if (rc == 0)
			rc = cli_table_add(&t, cells);
	}
	if (rc == 0)
		rc = cli_out_printf(out, "Errors:\n");
	if (rc == 0)
		rc = cli_table_render(&t, out);
	if (rc == 0)
		rc = cli_out_printf(out, "\n");
	cli_table_fini(&t);
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
							   cli_status(res[i].hr_rc), "error",
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
