/*
 * config_schema.c: the schema-driven checker behind every configuration file
 * (see config_internal.h for the schema tables and invariants), plus the
 * value checks that more than one file uses.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hostset.h"
#include "control/config_internal.h"

/* Room for one message before the "<file>:<line>: <path>: " prefix. */
#define CFG_MSG_BUF 512

const char *const cfg_log_level_names[] = {
	"DISABLED", "TRACE", "DEBUG", "INFO", "NOTICE", "ERROR", NULL,
};

const char *
cfg_log_level_name(int level)
{
	if (level < CFG_LOG_DISABLED || level > CFG_LOG_ERROR)
		return NULL;
	return cfg_log_level_names[level];
}

const char *
cfg_quote(char dst[CFG_QUOTE_BUF], const char *s)
{
	return d_errbuf_quote(dst, s, strlen(s), YDOC_QUOTE_MAX);
}

void
cfg_error_path(struct cfg_ctx *ctx, uint32_t line, const char *path, const char *fmt, ...)
{
	char    msg[CFG_MSG_BUF];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d_errbuf_printf(ctx->cx_errbuf, ctx->cx_errlen, "%s:%u: %s%s%s", ctx->cx_file, line, path,
			path[0] != '\0' ? ": " : "", msg);
}

void
cfg_error(struct cfg_ctx *ctx, const struct ydoc_node *at, const char *fmt, ...)
{
	char    msg[CFG_MSG_BUF];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_error_path(ctx, at != NULL ? at->yn_line : 1, ctx->cx_path, "%s", msg);
}

static size_t
cfg_path_append(struct cfg_ctx *ctx, const char *fmt, const char *key, uint32_t idx)
{
	size_t saved = ctx->cx_plen;
	size_t room  = sizeof(ctx->cx_path) - ctx->cx_plen;
	int    n;

	if (key != NULL)
		n = snprintf(ctx->cx_path + ctx->cx_plen, room, fmt, key);
	else
		n = snprintf(ctx->cx_path + ctx->cx_plen, room, fmt, idx);
	/* A cut path is still NUL-terminated (invariant 3); only its tail is lost. */
	if (n < 0 || (size_t)n >= room)
		ctx->cx_plen = sizeof(ctx->cx_path) - 1;
	else
		ctx->cx_plen += (size_t)n;
	return saved;
}

size_t
cfg_path_push_key(struct cfg_ctx *ctx, const char *key)
{
	return cfg_path_append(ctx, ctx->cx_plen == 0 ? "%s" : ".%s", key, 0);
}

size_t
cfg_path_push_idx(struct cfg_ctx *ctx, uint32_t idx)
{
	return cfg_path_append(ctx, "[%u]", NULL, idx);
}

void
cfg_path_pop(struct cfg_ctx *ctx, size_t saved)
{
	assert(saved < sizeof(ctx->cx_path));
	ctx->cx_plen          = saved;
	ctx->cx_path[saved] = '\0';
}

uint32_t
cfg_key_line(const struct ydoc_node *map, const char *key)
{
	int i = ydoc_map_find(map, key);

	if (map == NULL)
		return 1;
	return i < 0 ? map->yn_line : map->yn_keys[i]->yn_line;
}

const struct ydoc_node *
cfg_val_or_map(const struct ydoc_node *map, const char *key)
{
	const struct ydoc_node *v = ydoc_map_get(map, key);

	return v != NULL ? v : map;
}

void
cfg_strlist_free(struct cfg_strlist *l)
{
	uint32_t i;

	for (i = 0; i < l->sl_nr; i++)
		free(l->sl_items[i]);
	free(l->sl_items);
	l->sl_items = NULL;
	l->sl_nr    = 0;
}

/* A one-item list holding a copy of s. */
static int
cfg_strlist_one(struct cfg_strlist *l, const char *s)
{
	l->sl_items = calloc(1, sizeof(*l->sl_items));
	if (l->sl_items == NULL)
		return -DER_NOMEM;
	l->sl_items[0] = strdup(s);
	if (l->sl_items[0] == NULL) {
		free(l->sl_items);
		l->sl_items = NULL;
		return -DER_NOMEM;
	}
	l->sl_nr = 1;
	return 0;
}

void
cfg_free_obj(const struct cfg_schema *s, void *obj)
{
	char    *base = obj;
	uint32_t i, j, nr;

	for (i = 0; i < s->cs_nr; i++) {
		const struct cfg_key *k = &s->cs_keys[i];

		switch (k->ck_type) {
		case CT_STR:
			free(*(char **)(base + k->ck_off));
			*(char **)(base + k->ck_off) = NULL;
			break;
		case CT_STRLIST:
			cfg_strlist_free((struct cfg_strlist *)(base + k->ck_off));
			break;
		case CT_MAP:
			cfg_free_obj(k->ck_sub, base + k->ck_off);
			break;
		case CT_MAPLIST:
			nr = *(uint32_t *)(base + k->ck_nr_off);
			for (j = 0; j < nr; j++)
				cfg_free_obj(k->ck_sub, base + k->ck_off + j * k->ck_size);
			*(uint32_t *)(base + k->ck_nr_off) = 0;
			break;
		default:
			break;
		}
	}
}

static void
cfg_store_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case sizeof(uint8_t):
		*(uint8_t *)field = (uint8_t)v;
		break;
	case sizeof(uint16_t):
		*(uint16_t *)field = (uint16_t)v;
		break;
	case sizeof(uint32_t):
		*(uint32_t *)field = (uint32_t)v;
		break;
	default:
		assert(size == sizeof(uint64_t));
		*(uint64_t *)field = v;
		break;
	}
}

static int
cfg_defaults(const struct cfg_schema *s, void *obj)
{
	char    *base = obj;
	uint32_t i;
	int      rc;

	assert(s->cs_nr <= CFG_SCHEMA_KEYS_MAX);
	for (i = 0; i < s->cs_nr; i++) {
		const struct cfg_key *k = &s->cs_keys[i];
		void                 *f = base + k->ck_off;

		switch (k->ck_type) {
		case CT_BOOL:
			assert(k->ck_size == sizeof(bool));
			*(bool *)f = k->ck_def != 0;
			break;
		case CT_UINT:
			/* Table defaults are in range: no overflow (checked by the unit tests). */
			cfg_store_uint(f, k->ck_size, k->ck_def * (k->ck_mult == 0 ? 1 : k->ck_mult));
			break;
		case CT_ENUM:
			assert(k->ck_size == sizeof(int));
			*(int *)f = (int)k->ck_def;
			break;
		case CT_STR:
			if (k->ck_def_str != NULL) {
				*(char **)f = strdup(k->ck_def_str);
				if (*(char **)f == NULL)
					return -DER_NOMEM;
			}
			break;
		case CT_STRLIST:
			if (k->ck_def_str != NULL) {
				rc = cfg_strlist_one(f, k->ck_def_str);
				if (rc != 0)
					return rc;
			}
			break;
		case CT_MAP:
			rc = cfg_defaults(k->ck_sub, f);
			if (rc != 0)
				return rc;
			break;
		case CT_DURATION:
			assert(k->ck_size == sizeof(uint32_t));
			*(uint32_t *)f = (uint32_t)k->ck_def;
			break;
		case CT_FLAGS:
		case CT_MAPLIST:
			break;
		}
	}
	return 0;
}

/*
 * Decimal without a leading zero (YAML 1.1 reads "010" as octal, so it is
 * refused rather than guessed) or 0x hex, no sign, no overflow.
 */
static bool
cfg_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v    = 0;
	unsigned base = 10;
	unsigned d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1] != '\0') {
		return false;
	}
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/*
 * Go duration with units h, m and s in that order, each at most once
 * ("1h30m", "45s"), or "0"; *out in seconds, refused above max.
 */
static bool
cfg_parse_duration(const char *s, uint64_t max, uint64_t *out)
{
	static const char   units[] = "hms";
	static const uint64_t mult[] = {3600, 60, 1};
	uint64_t            total = 0, v;
	size_t              next  = 0, u;

	if (strcmp(s, "0") == 0) {
		*out = 0;
		return true;
	}
	if (*s == '\0')
		return false;
	while (*s != '\0') {
		if (*s < '0' || *s > '9')
			return false;
		/* At most 9 digits per part: no overflow below, whatever max is. */
		for (v = 0, u = 0; *s >= '0' && *s <= '9'; s++, u++) {
			if (u == 9)
				return false;
			v = v * 10 + (uint64_t)(*s - '0');
		}
		for (u = next; u < 3 && units[u] != *s; u++)
			;
		if (u == 3)
			return false;
		total += v * mult[u];
		next = u + 1;
		s++;
	}
	if (total > max)
		return false;
	*out = total;
	return true;
}

/* YAML 1.1 booleans, any case. */
static int
cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[]  = {"false", "no", "off"};
	size_t                   i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -DER_INVAL;
}

/* "got 'text'" or "got a list" for messages. */
static const char *
cfg_got(const struct ydoc_node *v, char *buf, size_t len)
{
	char q[CFG_QUOTE_BUF];

	if (v->yn_kind == YDOC_SCALAR)
		snprintf(buf, len, "'%s'", d_errbuf_quote(q, v->yn_str, v->yn_len, YDOC_QUOTE_MAX));
	else
		snprintf(buf, len, "%s", ydoc_kind_name(v->yn_kind));
	return buf;
}

/* "a, b, c" from a NULL-terminated name table. */
static const char *
cfg_names_join(const char *const *names, char *buf, size_t len)
{
	size_t n = 0;
	int    w;

	buf[0] = '\0';
	for (; *names != NULL; names++) {
		w = snprintf(buf + n, len - n, "%s%s", n == 0 ? "" : ", ", *names);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

static int
cfg_names_find(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(names[i], s) == 0)
			return i;
	return -1;
}

/* Convert one string value or list item (checks of config_internal.h CT_STR). */
static int
cfg_conv_str(struct cfg_ctx *ctx, const struct cfg_key *k, const struct ydoc_node *v, char **out)
{
	char   got[CFG_QUOTE_BUF + 2];
	char   q[CFG_QUOTE_BUF];
	char  *s;
	size_t i;
	int    rc;

	if (v->yn_kind != YDOC_SCALAR) {
		cfg_error(ctx, v, "expected a string, got %s", cfg_got(v, got, sizeof(got)));
		return -DER_INVAL;
	}
	if (v->yn_len == 0) {
		cfg_error(ctx, v, "expected a non-empty string");
		return -DER_INVAL;
	}
	d_errbuf_quote(q, v->yn_str, v->yn_len, YDOC_QUOTE_MAX);
	if (v->yn_len > k->ck_len_max) {
		cfg_error(ctx, v, "'%s' is too long (%zu bytes, max %zu)", q, v->yn_len,
			  k->ck_len_max);
		return -DER_INVAL;
	}
	for (i = 0; i < v->yn_len; i++) {
		unsigned char c = (unsigned char)v->yn_str[i];

		if (c < 0x20 || c == 0x7f) {
			cfg_error(ctx, v, "'%s' contains a control character", q);
			return -DER_INVAL;
		}
	}
	if ((k->ck_flags & CK_ABSPATH) && v->yn_str[0] != '/') {
		cfg_error(ctx, v, "'%s' is not an absolute path", q);
		return -DER_INVAL;
	}
	s = strdup(v->yn_str);
	if (s == NULL)
		return -DER_NOMEM;
	if (k->ck_check != NULL) {
		rc = k->ck_check(ctx, v, &s);
		if (rc != 0) {
			free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

static int
cfg_count_ok(struct cfg_ctx *ctx, const struct cfg_key *k, const struct ydoc_node *v)
{
	if (v->yn_nr < k->ck_min) {
		cfg_error(ctx, v, "expected at least %llu item%s, got %u",
			  (unsigned long long)k->ck_min, k->ck_min == 1 ? "" : "s", v->yn_nr);
		return -DER_INVAL;
	}
	if (v->yn_nr > k->ck_max) {
		cfg_error(ctx, v, "too many items (%u, max %llu)", v->yn_nr,
			  (unsigned long long)k->ck_max);
		return -DER_INVAL;
	}
	return 0;
}

static int
cfg_conv_strlist(struct cfg_ctx *ctx, const struct cfg_key *k, const struct ydoc_node *v,
		 struct cfg_strlist *out)
{
	struct cfg_strlist l = {0};
	char               got[CFG_QUOTE_BUF + 2];
	char               q[CFG_QUOTE_BUF];
	uint32_t           i, j;
	size_t             saved;
	int                rc = 0;

	if (v->yn_kind != YDOC_SEQ) {
		cfg_error(ctx, v, "expected a list, got %s", cfg_got(v, got, sizeof(got)));
		return -DER_INVAL;
	}
	rc = cfg_count_ok(ctx, k, v);
	if (rc != 0)
		return rc;
	if (v->yn_nr > 0) {
		l.sl_items = calloc(v->yn_nr, sizeof(*l.sl_items));
		if (l.sl_items == NULL)
			return -DER_NOMEM;
	}
	for (i = 0; i < v->yn_nr; i++) {
		saved = cfg_path_push_idx(ctx, i);
		rc    = cfg_conv_str(ctx, k, v->yn_items[i], &l.sl_items[i]);
		if (rc == 0) {
			l.sl_nr++;
			if (k->ck_flags & CK_UNIQUE) {
				for (j = 0; j < i; j++) {
					if (strcmp(l.sl_items[j], l.sl_items[i]) == 0) {
						cfg_error(ctx, v->yn_items[i],
							  "duplicate entry '%s' (also item %u)",
							  cfg_quote(q, l.sl_items[i]), j);
						rc = -DER_INVAL;
						break;
					}
				}
			}
		}
		cfg_path_pop(ctx, saved);
		if (rc != 0)
			goto out;
	}
	cfg_strlist_free(out);
	*out = l;
	return 0;
out:
	cfg_strlist_free(&l);
	return rc;
}

static int
cfg_conv_flags(struct cfg_ctx *ctx, const struct cfg_key *k, const struct ydoc_node *v,
	       uint32_t *out)
{
	char     got[CFG_QUOTE_BUF + 2];
	char     names[256];
	uint32_t mask = 0, i;
	size_t   saved;
	int      idx, rc = 0;

	if (v->yn_kind != YDOC_SEQ) {
		cfg_error(ctx, v, "expected a list, got %s", cfg_got(v, got, sizeof(got)));
		return -DER_INVAL;
	}
	for (i = 0; i < v->yn_nr && rc == 0; i++) {
		const struct ydoc_node *it = v->yn_items[i];

		saved = cfg_path_push_idx(ctx, i);
		idx   = it->yn_kind == YDOC_SCALAR ? cfg_names_find(k->ck_names, it->yn_str) : -1;
		if (idx < 0) {
			cfg_error(ctx, it, "expected one of %s, got %s",
				  cfg_names_join(k->ck_names, names, sizeof(names)),
				  cfg_got(it, got, sizeof(got)));
			rc = -DER_INVAL;
		} else if (mask & (1u << idx)) {
			cfg_error(ctx, it, "'%s' is given twice", k->ck_names[idx]);
			rc = -DER_INVAL;
		} else {
			mask |= 1u << idx;
		}
		cfg_path_pop(ctx, saved);
	}
	if (rc == 0)
		*out = mask;
	return rc;
}

static int cfg_walk_map(struct cfg_ctx *ctx, const struct cfg_schema *s,
			const struct ydoc_node *map, void *obj);

static int
cfg_conv_maplist(struct cfg_ctx *ctx, const struct cfg_key *k, const struct ydoc_node *v,
		 char *base)
{
	uint32_t *nr = (uint32_t *)(base + k->ck_nr_off);
	char      got[CFG_QUOTE_BUF + 2];
	char     *elem;
	uint32_t  i;
	size_t    saved;
	int       rc;

	if (v->yn_kind != YDOC_SEQ) {
		cfg_error(ctx, v, "expected a list, got %s", cfg_got(v, got, sizeof(got)));
		return -DER_INVAL;
	}
	rc = cfg_count_ok(ctx, k, v);
	if (rc != 0)
		return rc;
	/* Keys are unique (ydoc invariant 2), so the list is still empty here. */
	assert(*nr == 0);
	for (i = 0; i < v->yn_nr; i++) {
		const struct ydoc_node *it = v->yn_items[i];

		saved = cfg_path_push_idx(ctx, i);
		elem  = base + k->ck_off + i * k->ck_size;
		*nr   = i + 1; /* invariant 2: counted before it is filled */
		rc    = cfg_defaults(k->ck_sub, elem);
		if (rc == 0) {
			if (it->yn_kind != YDOC_MAP) {
				cfg_error(ctx, it, "expected a map, got %s",
					  cfg_got(it, got, sizeof(got)));
				rc = -DER_INVAL;
			} else {
				rc = cfg_walk_map(ctx, k->ck_sub, it, elem);
			}
		}
		cfg_path_pop(ctx, saved);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Convert the value of key k (its path already pushed) into the struct at base. */
static int
cfg_conv(struct cfg_ctx *ctx, const struct cfg_key *k, const struct ydoc_node *v, char *base)
{
	void    *f = base + k->ck_off;
	char     got[CFG_QUOTE_BUF + 2];
	char     names[256];
	char    *s;
	uint64_t u;
	bool     b;
	int      idx, rc;

	if (ydoc_is_null(v)) {
		if (k->ck_flags & CK_REQUIRED) {
			cfg_error(ctx, v, "a value is required");
			return -DER_INVAL;
		}
		return 0; /* `key:` alone keeps the default */
	}

	switch (k->ck_type) {
	case CT_BOOL:
		if (v->yn_kind != YDOC_SCALAR || cfg_parse_bool(v->yn_str, &b) != 0) {
			cfg_error(ctx, v, "expected true or false, got %s",
				  cfg_got(v, got, sizeof(got)));
			return -DER_INVAL;
		}
		*(bool *)f = b;
		return 0;
	case CT_UINT:
		if (v->yn_kind != YDOC_SCALAR || !cfg_parse_u64(v->yn_str, &u) || u < k->ck_min ||
		    u > k->ck_max) {
			cfg_error(ctx, v, "expected an integer in [%llu, %llu], got %s",
				  (unsigned long long)k->ck_min, (unsigned long long)k->ck_max,
				  cfg_got(v, got, sizeof(got)));
			return -DER_INVAL;
		}
		/* Ranges in the tables keep u * unit within 64 bits. */
		cfg_store_uint(f, k->ck_size, u * (k->ck_mult == 0 ? 1 : k->ck_mult));
		if (k->ck_flags & CK_HAS_SET)
			*(bool *)(base + k->ck_set_off) = true;
		return 0;
	case CT_ENUM:
		idx = v->yn_kind == YDOC_SCALAR ? cfg_names_find(k->ck_names, v->yn_str) : -1;
		if (idx < 0) {
			cfg_error(ctx, v, "expected one of %s, got %s",
				  cfg_names_join(k->ck_names, names, sizeof(names)),
				  cfg_got(v, got, sizeof(got)));
			return -DER_INVAL;
		}
		*(int *)f = idx;
		return 0;
	case CT_STR:
		rc = cfg_conv_str(ctx, k, v, &s);
		if (rc != 0)
			return rc;
		free(*(char **)f);
		*(char **)f = s;
		return 0;
	case CT_DURATION:
		if (v->yn_kind != YDOC_SCALAR || !cfg_parse_duration(v->yn_str, k->ck_max, &u)) {
			cfg_error(ctx, v,
				  "expected a duration of at most %llus (such as 90s, 5m or 1h30m), "
				  "got %s",
				  (unsigned long long)k->ck_max, cfg_got(v, got, sizeof(got)));
			return -DER_INVAL;
		}
		*(uint32_t *)f = (uint32_t)u;
		return 0;
	case CT_FLAGS:
		return cfg_conv_flags(ctx, k, v, f);
	case CT_STRLIST:
		return cfg_conv_strlist(ctx, k, v, f);
	case CT_MAP:
		if (v->yn_kind != YDOC_MAP) {
			cfg_error(ctx, v, "expected a map, got %s", cfg_got(v, got, sizeof(got)));
			return -DER_INVAL;
		}
		return cfg_walk_map(ctx, k->ck_sub, v, f);
	case CT_MAPLIST:
		return cfg_conv_maplist(ctx, k, v, base);
	}
	return -DER_INVAL;
}

/* Levenshtein distance of two short strings (each at most YDOC_QUOTE_MAX bytes). */
static unsigned int
cfg_edit_distance(const char *a, const char *b)
{
	unsigned int row[YDOC_QUOTE_MAX + 1];
	size_t       la = strlen(a), lb = strlen(b), i, j;
	unsigned int diag, up, cost;

	assert(la <= YDOC_QUOTE_MAX && lb <= YDOC_QUOTE_MAX);
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		diag   = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			up     = row[j];
			cost   = a[i - 1] == b[j - 1] ? 0 : 1;
			row[j] = diag + cost;
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

/* The known key closest to an unknown one, when close enough to be a typo. */
static const char *
cfg_suggest(const struct cfg_schema *s, const char *key)
{
	const char  *best   = NULL;
	unsigned int best_d = CFG_SUGGEST_DIST + 1, d;
	size_t       len    = strlen(key);
	uint32_t     i;

	if (len > YDOC_QUOTE_MAX)
		return NULL;
	for (i = 0; i < s->cs_nr; i++) {
		if (strlen(s->cs_keys[i].ck_name) > YDOC_QUOTE_MAX)
			continue;
		d = cfg_edit_distance(key, s->cs_keys[i].ck_name);
		/* d < len: "ab" is not a typo of "name" just because both are short. */
		if (d < best_d && d < len) {
			best   = s->cs_keys[i].ck_name;
			best_d = d;
		}
	}
	return best;
}

static int
cfg_walk_map(struct cfg_ctx *ctx, const struct cfg_schema *s, const struct ydoc_node *map,
	     void *obj)
{
	uint64_t    seen = 0;
	char        q[CFG_QUOTE_BUF];
	const char *hint;
	uint32_t    i, j;
	size_t      saved;
	int         rc;

	assert(map->yn_kind == YDOC_MAP);
	assert(s->cs_nr <= CFG_SCHEMA_KEYS_MAX);
	for (i = 0; i < map->yn_nr; i++) {
		const struct ydoc_node *key = map->yn_keys[i];

		for (j = 0; j < s->cs_nr; j++)
			if (strcmp(s->cs_keys[j].ck_name, key->yn_str) == 0)
				break;
		if (j == s->cs_nr) {
			d_errbuf_quote(q, key->yn_str, key->yn_len, YDOC_QUOTE_MAX);
			hint = cfg_suggest(s, key->yn_str);
			if (hint != NULL)
				cfg_error(ctx, key, "unknown key '%s' (did you mean '%s'?)", q, hint);
			else
				cfg_error(ctx, key, "unknown key '%s'", q);
			return -DER_INVAL;
		}
		seen |= 1ull << j;
		saved = cfg_path_push_key(ctx, s->cs_keys[j].ck_name);
		rc    = cfg_conv(ctx, &s->cs_keys[j], map->yn_items[i], obj);
		cfg_path_pop(ctx, saved);
		if (rc != 0)
			return rc;
	}
	for (j = 0; j < s->cs_nr; j++) {
		if ((s->cs_keys[j].ck_flags & CK_REQUIRED) && !(seen & (1ull << j))) {
			cfg_error(ctx, map, "missing required key '%s'", s->cs_keys[j].ck_name);
			return -DER_INVAL;
		}
	}
	return 0;
}

int
cfg_run(const struct cfg_file_ops *ops, const char *buf, size_t len, const char *name,
	void *obj, char *errbuf, size_t errlen)
{
	struct cfg_ctx ctx;
	struct ydoc    doc = {0};
	char           got[CFG_QUOTE_BUF + 2];
	int            rc;

	if (obj == NULL)
		return -DER_INVAL;
	memset(obj, 0, ops->fo_size);
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (name == NULL)
		name = ops->fo_default_name;

	memset(&ctx, 0, sizeof(ctx));
	rc = ydoc_parse(buf, len, name, &doc, errbuf, errlen);
	if (rc != 0)
		goto out;

	ctx.cx_file   = name;
	ctx.cx_errbuf = errbuf;
	ctx.cx_errlen = errlen;
	ctx.cx_root   = doc.yd_root;

	/* "---" alone gives a null root: no configuration either. */
	if (doc.yd_root == NULL || ydoc_is_null(doc.yd_root)) {
		d_errbuf_printf(errbuf, errlen,
				"%s: no configuration in the file (it is empty or only comments)",
				name);
		rc = -DER_INVAL;
		goto out;
	}
	if (doc.yd_root->yn_kind != YDOC_MAP) {
		cfg_error(&ctx, doc.yd_root, "expected a map of keys at the top level, got %s",
			  cfg_got(doc.yd_root, got, sizeof(got)));
		rc = -DER_INVAL;
		goto out;
	}
	rc = cfg_defaults(ops->fo_schema, obj);
	if (rc != 0)
		goto out;
	rc = cfg_walk_map(&ctx, ops->fo_schema, doc.yd_root, obj);
	if (rc != 0)
		goto out;
	rc = ops->fo_post(&ctx, doc.yd_root, obj);
out:
	if (rc != 0) {
		ops->fo_free(obj);
		if (rc == -DER_NOMEM && errbuf != NULL && errlen > 0 && errbuf[0] == '\0')
			d_errbuf_printf(errbuf, errlen, "%s: out of memory", name);
	}
	ydoc_fini(&doc);
	return rc;
}

int
cfg_load(const struct cfg_file_ops *ops, const char *path, void *obj, char *errbuf,
	 size_t errlen)
{
	char  *buf = NULL;
	size_t len = 0;
	int    rc;

	if (obj == NULL)
		return -DER_INVAL;
	memset(obj, 0, ops->fo_size);
	rc = ydoc_read_file(path, &buf, &len, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = cfg_run(ops, buf, len, path, obj, errbuf, errlen);
	free(buf);
	return rc;
}

/*
 * Shared value checks.
 */

int
cfg_check_sysname(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	char        q[CFG_QUOTE_BUF];
	const char *p;

	for (p = *str; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-')) {
			cfg_error(ctx, node,
				  "'%s' is not a valid system name (use letters, digits, '_', "
				  "'.' and '-')",
				  cfg_quote(q, *str));
			return -DER_INVAL;
		}
	}
	return 0;
}

int
cfg_check_host(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	struct d_hostset set;
	char             q[CFG_QUOTE_BUF];
	char             err[256];
	int              rc;

	/* One host only: a range or list would silently change the replica count. */
	if (strpbrk(*str, "[], \t") != NULL) {
		cfg_error(ctx, node, "'%s' is not a single host (write one host[:port] per item)",
			  cfg_quote(q, *str));
		return -DER_INVAL;
	}
	d_hostset_init(&set);
	rc = d_hostset_parse(*str, &set, err, sizeof(err));
	d_hostset_fini(&set);
	if (rc == -DER_NOMEM)
		return rc;
	if (rc != 0) {
		cfg_error(ctx, node, "%s", err);
		return -DER_INVAL;
	}
	return 0;
}

int
cfg_check_provider(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	char  q[CFG_QUOTE_BUF];
	char *norm;

	if (strcmp(*str, "ofi+tcp") != 0 && strcmp(*str, CFG_PROVIDER_TCP) != 0) {
		cfg_error(ctx, node, "'%s' is not supported (supported: ofi+tcp, %s)",
			  cfg_quote(q, *str), CFG_PROVIDER_TCP);
		return -DER_INVAL;
	}
	/* DAOS 2.2+ appends ";ofi_rxm" to ofi+tcp; store one spelling. */
	norm = strdup(CFG_PROVIDER_TCP);
	if (norm == NULL)
		return -DER_NOMEM;
	free(*str);
	*str = norm;
	return 0;
}

static bool
cfg_env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

int
cfg_check_env_kv(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	char        q[CFG_QUOTE_BUF];
	const char *eq = strchr(*str, '=');

	if (eq == NULL) {
		cfg_error(ctx, node, "'%s' is not of the form NAME=VALUE", cfg_quote(q, *str));
		return -DER_INVAL;
	}
	if (!cfg_env_name_ok(*str, (size_t)(eq - *str))) {
		cfg_error(ctx, node, "'%s' does not start with a valid variable name",
			  cfg_quote(q, *str));
		return -DER_INVAL;
	}
	/* The value is passed as is: quotes would become part of it. */
	if (strpbrk(*str, "\"'") != NULL) {
		cfg_error(ctx, node, "'%s' contains a quote character (write NAME=VALUE without quotes)",
			  cfg_quote(q, *str));
		return -DER_INVAL;
	}
	return 0;
}

int
cfg_check_env_name(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	char q[CFG_QUOTE_BUF];

	if (!cfg_env_name_ok(*str, strlen(*str))) {
		cfg_error(ctx, node, "'%s' is not a valid variable name", cfg_quote(q, *str));
		return -DER_INVAL;
	}
	return 0;
}

int
cfg_check_ifname(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	char        q[CFG_QUOTE_BUF];
	const char *p;
	bool        ok = strcmp(*str, ".") != 0 && strcmp(*str, "..") != 0;

	/*
	 * The kernel's rule (dev_valid_name: no '/', no blank, not "." or ".."), and no
	 * ':' since "eth0:1" alias labels are not interfaces a fabric can use.
	 */
	for (p = *str; ok && *p != '\0'; p++)
		if (*p == '/' || *p == ' ' || *p == ':' || (unsigned char)*p > 0x7e)
			ok = false;
	if (!ok) {
		cfg_error(ctx, node, "'%s' is not a valid network interface name",
			  cfg_quote(q, *str));
		return -DER_INVAL;
	}
	return 0;
}

static bool
cfg_hex_run(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t   i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

int
cfg_check_pci(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	char    *s = *str;
	char     q[CFG_QUOTE_BUF];
	unsigned dom, bus, dev, fn;
	size_t   i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			s[i] = (char)(s[i] - 'A' + 'a');
	/* DDDD:BB:DD.F: 12 characters, device < 32, function < 8. */
	if (strlen(s) != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.' ||
	    !cfg_hex_run(s, 4, &dom) || !cfg_hex_run(s + 5, 2, &bus) ||
	    !cfg_hex_run(s + 8, 2, &dev) || !cfg_hex_run(s + 11, 1, &fn) || dev > 0x1f || fn > 7) {
		cfg_error(ctx, node, "'%s' is not a PCI address (expected DDDD:BB:DD.F, e.g. "
			  "0000:81:00.0)", cfg_quote(q, node->yn_str));
		return -DER_INVAL;
	}
	(void)dom;
	(void)bus;
	return 0;
}

int
cfg_norm_access_points(struct cfg_ctx *ctx, const struct ydoc_node *root,
		       struct cfg_strlist *aps, uint32_t port, bool odd_required)
{
	const struct ydoc_node *list = ydoc_map_get(root, "access_points");
	char                    path[CFG_KEYPATH_BUF];
	char                    q[CFG_QUOTE_BUF];
	uint32_t                i, j, line;
	char                   *s, *n;
	size_t                  len;

	for (i = 0; i < aps->sl_nr; i++) {
		s = aps->sl_items[i];
		if (strchr(s, ':') == NULL) {
			/* Port of the host's control server: the same `port` as ours. */
			len = strlen(s) + 7;
			n   = malloc(len);
			if (n == NULL)
				return -DER_NOMEM;
			snprintf(n, len, "%s:%u", s, port);
			free(s);
			aps->sl_items[i] = n;
		}
	}
	for (i = 0; i < aps->sl_nr; i++) {
		for (j = 0; j < i; j++) {
			/* Host names are case-insensitive (DNS). */
			if (strcasecmp(aps->sl_items[i], aps->sl_items[j]) != 0)
				continue;
			line = list != NULL && list->yn_kind == YDOC_SEQ && i < list->yn_nr
				   ? list->yn_items[i]->yn_line
				   : cfg_key_line(root, "access_points");
			snprintf(path, sizeof(path), "access_points[%u]", i);
			cfg_error_path(ctx, line, path, "duplicate access point '%s' (same as item %u)",
				       cfg_quote(q, aps->sl_items[i]), j);
			return -DER_INVAL;
		}
	}
	if (odd_required && aps->sl_nr % 2 == 0) {
		cfg_error_path(ctx, cfg_key_line(root, "access_points"), "access_points",
			       "the number of access points must be odd (got %u)", aps->sl_nr);
		return -DER_INVAL;
	}
	return 0;
}

int
cfg_check_transport(struct cfg_ctx *ctx, const struct ydoc_node *root,
		    const struct cfg_transport *tr)
{
	const char *missing = NULL;

	if (tr->tr_allow_insecure)
		return 0;
	if (tr->tr_ca_cert == NULL)
		missing = "ca_cert";
	else if (tr->tr_cert == NULL)
		missing = "cert";
	else if (tr->tr_key == NULL)
		missing = "key";
	if (missing == NULL)
		return 0;
	cfg_error_path(ctx, cfg_key_line(root, "transport_config"), "transport_config",
		       "%s is required unless allow_insecure is true", missing);
	return -DER_INVAL;
}
