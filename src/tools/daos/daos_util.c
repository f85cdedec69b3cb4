/*
 * daos_util.c: what the daos tool prints and the small value parsers.
 *
 * The output buffer, DAOS-style tables and entity blocks, sizes (printed in
 * base-10 or base-2 units, parsed with DAOS's units), object ids, epochs,
 * HLC dates, base64 and the -j envelope. The table and envelope follow the
 * rules of dmg's (src/tools/dmg/dmg_output.c) so both tools print alike.
 *
 * Invariants:
 *  1. A struct dtool_out never holds more than DTOOL_OUT_MAX bytes, and o_buf
 *     is NUL-terminated at o_len whenever it is not NULL.
 *  2. A table cell or entity value holds no control character and at most
 *     DTOOL_CELL_MAX bytes (plus "..." when cut), so nothing a server sent
 *     can drive the terminal.
 */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hlc.h"
#include "tools/daos/daos_tool.h"

/* First allocation of an output buffer. */
#define OUT_INIT     4096

void
dtool_out_init(struct dtool_out *out)
{
	memset(out, 0, sizeof(*out));
}

void
dtool_out_fini(struct dtool_out *out)
{
	free(out->o_buf);
	memset(out, 0, sizeof(*out));
}

/* Make room for n more bytes and the NUL (invariant 1). */
static int
out_reserve(struct dtool_out *out, size_t n)
{
	size_t need, cap;
	char  *buf;

	if (n > DTOOL_OUT_MAX || out->o_len + n > DTOOL_OUT_MAX)
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
dtool_out_printf(struct dtool_out *out, const char *fmt, ...)
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

/* C0 controls and DEL could move the cursor or recolour the terminal. Bytes
 * >= 0x80 are kept (UTF-8 labels and values). */
static char
safe_char(char c)
{
	unsigned char u = (unsigned char)c;

	return (u < 0x20 || u == 0x7f) ? '?' : c;
}

int
dtool_out_put_safe(struct dtool_out *out, const char *s, size_t n)
{
	int rc;

	rc = out_reserve(out, n);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		out->o_buf[out->o_len + i] = safe_char(s[i]);
	out->o_len += n;
	out->o_buf[out->o_len] = '\0';
	return 0;
}

/* A sanitised copy of a cell, cut at DTOOL_CELL_MAX bytes (invariant 2). */
static char *
cell_dup(const char *s)
{
	size_t len = strnlen(s, DTOOL_CELL_MAX + 1);
	bool   cut = len > DTOOL_CELL_MAX;
	char  *c;

	if (cut) {
		len = DTOOL_CELL_MAX;
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

/* Display width: characters, a UTF-8 sequence counting once. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/*
 * Tables
 */
int
dtool_table_init(struct dtool_table *t, uint32_t ncols, const char *const *titles,
		 uint32_t indent)
{
	memset(t, 0, sizeof(*t));
	if (ncols == 0 || ncols > DTOOL_TABLE_COLS_MAX || titles == NULL)
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
dtool_table_fini(struct dtool_table *t)
{
	for (size_t i = 0; i < (size_t)t->t_nrows * t->t_ncols; i++)
		free(t->t_cells[i]);
	free(t->t_cells);
	t->t_cells = NULL;
	t->t_nrows = 0;
	t->t_cap = 0;
}

int
dtool_table_add(struct dtool_table *t, const char *const *cells)
{
	char   **row;
	uint32_t i;

	if (t->t_nrows >= DTOOL_TABLE_ROWS_MAX)
		return -DER_OVERFLOW;
	if (t->t_nrows == t->t_cap) {
		uint32_t cap = t->t_cap == 0 ? 16 : t->t_cap * 2;
		char   **cellv;

		if (cap > DTOOL_TABLE_ROWS_MAX)
			cap = DTOOL_TABLE_ROWS_MAX;
		cellv = realloc(t->t_cells, (size_t)cap * t->t_ncols * sizeof(*cellv));
		if (cellv == NULL)
			return -DER_NOMEM;
		t->t_cells = cellv;
		t->t_cap = cap;
	}
	row = &t->t_cells[(size_t)t->t_nrows * t->t_ncols];
	for (i = 0; i < t->t_ncols; i++) {
		row[i] = cell_dup(cells[i] != NULL ? cells[i] : "");
		if (row[i] == NULL) {
			while (i-- > 0)
				free(row[i]);
			return -DER_NOMEM;
		}
	}
	t->t_nrows++;
	return 0;
}

/* One line: padded columns, one blank between, no trailing blanks. */
static int
table_line(const struct dtool_table *t, const char *const *cells, const size_t *width,
	   struct dtool_out *out)
{
	size_t start = out->o_len;
	int    rc;

	rc = dtool_out_printf(out, "%*s", (int)t->t_indent, "");
	for (uint32_t c = 0; rc == 0 && c < t->t_ncols; c++) {
		size_t pad = c + 1 < t->t_ncols ? width[c] - text_width(cells[c]) : 0;

		rc = dtool_out_printf(out, "%s%*s%s", cells[c], (int)pad, "",
				      c + 1 < t->t_ncols ? " " : "");
	}
	if (rc != 0)
		return rc;
	while (out->o_len > start && out->o_buf[out->o_len - 1] == ' ')
		out->o_len--;
	out->o_buf[out->o_len] = '\0';
	return dtool_out_printf(out, "\n");
}

int
dtool_table_render(const struct dtool_table *t, struct dtool_out *out)
{
	size_t      width[DTOOL_TABLE_COLS_MAX];
	const char *dashes[DTOOL_TABLE_COLS_MAX];
	char        dbuf[DTOOL_TABLE_COLS_MAX][64];
	int         rc;

	for (uint32_t c = 0; c < t->t_ncols; c++) {
		size_t n = text_width(t->t_titles[c]);

		width[c] = n;
		/* titles are the tool's own short words */
		assert(n < sizeof(dbuf[c]));
		memset(dbuf[c], '-', n);
		dbuf[c][n] = '\0';
		dashes[c] = dbuf[c];
	}
	for (uint32_t r = 0; r < t->t_nrows; r++)
		for (uint32_t c = 0; c < t->t_ncols; c++) {
			size_t w = text_width(t->t_cells[(size_t)r * t->t_ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	rc = table_line(t, t->t_titles, width, out);
	if (rc == 0)
		rc = table_line(t, dashes, width, out);
	for (uint32_t r = 0; rc == 0 && r < t->t_nrows; r++)
		rc = table_line(t, (const char *const *)&t->t_cells[(size_t)r * t->t_ncols],
				width, out);
	return rc;
}

/*
 * Entity blocks
 */
void
dtool_entity_init(struct dtool_entity *e)
{
	memset(e, 0, sizeof(*e));
}

void
dtool_entity_fini(struct dtool_entity *e)
{
	for (uint32_t i = 0; i < e->e_nr; i++)
		free(e->e_vals[i]);
	memset(e, 0, sizeof(*e));
}

int
dtool_entity_add(struct dtool_entity *e, const char *key, const char *fmt, ...)
{
	char    val[DTOOL_CELL_MAX + 1];
	va_list ap;

	if (e->e_nr >= DTOOL_ENTITY_ROWS_MAX)
		return -DER_OVERFLOW;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	e->e_vals[e->e_nr] = cell_dup(val);
	if (e->e_vals[e->e_nr] == NULL)
		return -DER_NOMEM;
	e->e_keys[e->e_nr] = key;
	e->e_nr++;
	return 0;
}

int
dtool_entity_render(const struct dtool_entity *e, struct dtool_out *out)
{
	size_t width = 0;
	int    rc = 0;

	for (uint32_t i = 0; i < e->e_nr; i++)
		if (text_width(e->e_keys[i]) > width)
			width = text_width(e->e_keys[i]);
	for (uint32_t i = 0; rc == 0 && i < e->e_nr; i++)
		rc = dtool_out_printf(out, "  %s%*s: %s\n", e->e_keys[i],
				      (int)(width - text_width(e->e_keys[i])), "", e->e_vals[i]);
	return rc;
}

/*
 * Sizes
 */

/* bytes in units of powers of `base`, with DAOS's (go-humanize's) rounding. */
static void
size_fmt(uint64_t bytes, uint64_t base, const char *const *units, unsigned int nunits,
	 char *buf, size_t len)
{
	uint64_t     div = 1;
	unsigned int e = 0;
	double       val;

	if (bytes < 10) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return;
	}
	/* The largest power of base not above the value (integers: exact). */
	while (e + 1 < nunits && bytes / div >= base) {
		div *= base;
		e++;
	}
	/* One decimal, rounded half up. */
	val = (double)(uint64_t)((double)bytes / (double)div * 10.0 + 0.5) / 10.0;
	snprintf(buf, len, val < 10.0 ? "%.1f %s" : "%.0f %s", val, units[e]);
}

void
dtool_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

	size_fmt(bytes, 1000, units, sizeof(units) / sizeof(units[0]), buf, len);
}

void
dtool_isize_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

	size_fmt(bytes, 1024, units, sizeof(units) / sizeof(units[0]), buf, len);
}

/* Multiplier of a unit (lower case, no blanks); 0 when unknown. */
static uint64_t
unit_mult(const char *u)
{
	static const struct {
		const char *name;
		uint64_t    mult;
	} units[] = {
	    {"", 1},
	    {"b", 1},
	    {"k", 1000ull},
	    {"kb", 1000ull},
	    {"ki", 1ull << 10},
	    {"kib", 1ull << 10},
	    {"m", 1000000ull},
	    {"mb", 1000000ull},
	    {"mi", 1ull << 20},
	    {"mib", 1ull << 20},
	    {"g", 1000000000ull},
	    {"gb", 1000000000ull},
	    {"gi", 1ull << 30},
	    {"gib", 1ull << 30},
	    {"t", 1000000000000ull},
	    {"tb", 1000000000000ull},
	    {"ti", 1ull << 40},
	    {"tib", 1ull << 40},
	    {"p", 1000000000000000ull},
	    {"pb", 1000000000000000ull},
	    {"pi", 1ull << 50},
	    {"pib", 1ull << 50},
	    {"e", 1000000000000000000ull},
	    {"eb", 1000000000000000000ull},
	    {"ei", 1ull << 60},
	    {"eib", 1ull << 60},
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].name, u) == 0)
			return units[i].mult;
	return 0;
}

int
dtool_size_parse(const char *text, const char *what, uint64_t min, uint64_t max,
		 uint64_t *bytes, char *errbuf, size_t errlen)
{
	char        q[DTOOL_QUOTE_MAX + 4];
	char        unit[8];
	const char *p = text;
	uint64_t    ipart = 0, mult;
	uint64_t    frac = 0, frac_div = 1;
	size_t      ulen = 0;
	bool        digits = false;
	long double val;

	d_errbuf_quote(q, text, strlen(text), DTOOL_QUOTE_MAX);
	while (*p == ' ')
		p++;
	for (; *p >= '0' && *p <= '9'; p++) {
		digits = true;
		if (ipart > (UINT64_MAX - 9) / 10)
			goto too_large;
		ipart = ipart * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			digits = true;
			/* digits past 18 cannot change a byte count */
			if (frac_div < 1000000000000000000ull) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			}
		}
	}
	if (!digits) {
		d_errbuf_printf(errbuf, errlen, "invalid %s '%s': not a size (e.g. 1MiB, 512K)",
				what, q);
		return -DER_INVAL;
	}
	while (*p == ' ')
		p++;
	for (; *p != '\0' && *p != ' '; p++) {
		if (ulen + 1 >= sizeof(unit))
			goto bad_unit;
		unit[ulen++] = (char)tolower((unsigned char)*p);
	}
	unit[ulen] = '\0';
	while (*p == ' ')
		p++;
	if (*p != '\0')
		goto bad_unit;
	mult = unit_mult(unit);
	if (mult == 0)
		goto bad_unit;
	/* long double has a 64-bit mantissa on x86-64: exact for every size we keep */
	val = ((long double)ipart + (long double)frac / (long double)frac_div) * (long double)mult;
	if (val > (long double)max)
		goto too_large;
	*bytes = (uint64_t)(val + 0.5L);
	if (*bytes < min) {
		d_errbuf_printf(errbuf, errlen, "invalid %s '%s': less than %" PRIu64 " bytes",
				what, q, min);
		return -DER_INVAL;
	}
	return 0;
bad_unit:
	d_errbuf_printf(errbuf, errlen,
			"invalid %s '%s': unknown unit (use B, K, M, G, T, P, E with an "
			"optional B, or KiB, MiB, GiB, TiB, PiB, EiB)",
			what, q);
	return -DER_INVAL;
too_large:
	d_errbuf_printf(errbuf, errlen, "invalid %s '%s': larger than %" PRIu64 " bytes", what,
			q, max);
	return -DER_INVAL;
}

int
dtool_u64_parse(const char *text, size_t len, uint64_t *val)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t   i = 0;

	if (len == 0)
		return -DER_INVAL;
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < len; i++) {
		char     c = text[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -DER_INVAL;
		if (v > (UINT64_MAX - d) / base)
			return -DER_INVAL;
		v = v * base + d;
	}
	*val = v;
	return 0;
}

/* One unsigned decimal of an object id, all of s[0..len). */
static int
oid_part(const char *s, size_t len, uint64_t *val)
{
	uint64_t v = 0;

	if (len == 0)
		return -DER_INVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -DER_INVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -DER_INVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*val = v;
	return 0;
}

int
dtool_oid_parse(const char *text, daos_obj_id_t *oid, char *errbuf, size_t errlen)
{
	const char *dot = strchr(text, '.');
	char        q[DTOOL_QUOTE_MAX + 4];
	uint64_t    hi, lo;

	if (dot == NULL || oid_part(text, (size_t)(dot - text), &hi) != 0 ||
	    oid_part(dot + 1, strlen(dot + 1), &lo) != 0) {
		d_errbuf_printf(errbuf, errlen,
				"invalid object id '%s': expected HI.LO, two unsigned 64-bit "
				"decimal numbers",
				d_errbuf_quote(q, text, strlen(text), DTOOL_QUOTE_MAX));
		return -DER_INVAL;
	}
	oid->hi = hi;
	oid->lo = lo;
	return 0;
}

void
dtool_oid_str(daos_obj_id_t oid, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%" PRIu64, oid.hi, oid.lo);
}

int
dtool_epoch_parse(const char *text, const char *what, uint64_t *epoch, char *errbuf,
		  size_t errlen)
{
	char     q[DTOOL_QUOTE_MAX + 4];
	uint64_t v;

	if (dtool_u64_parse(text, strlen(text), &v) != 0 || v == 0) {
		d_errbuf_printf(errbuf, errlen,
				"invalid %s '%s': expected an epoch (a number above 0, decimal "
				"or 0x hex)",
				what, d_errbuf_quote(q, text, strlen(text), DTOOL_QUOTE_MAX));
		return -DER_INVAL;
	}
	*epoch = v;
	return 0;
}

int
dtool_epoch_range_parse(const char *text, daos_epoch_range_t *epr, char *errbuf,
			size_t errlen)
{
	const char *dash = strchr(text, '-');
	char        q[DTOOL_QUOTE_MAX + 4];
	uint64_t    lo, hi;

	d_errbuf_quote(q, text, strlen(text), DTOOL_QUOTE_MAX);
	if (dash == NULL || dtool_u64_parse(text, (size_t)(dash - text), &lo) != 0 ||
	    dtool_u64_parse(dash + 1, strlen(dash + 1), &hi) != 0 || lo == 0 || hi == 0) {
		d_errbuf_printf(errbuf, errlen,
				"invalid --epcrange '%s': expected A-B, two epochs above 0", q);
		return -DER_INVAL;
	}
	if (lo > hi) {
		d_errbuf_printf(errbuf, errlen,
				"invalid --epcrange '%s': the first epoch is after the second", q);
		return -DER_INVAL;
	}
	epr->epr_lo = lo;
	epr->epr_hi = hi;
	return 0;
}

void
dtool_hlc_str(uint64_t hlc, char *buf, size_t len)
{
	struct timespec ts;
	struct tm       tm;
	time_t          sec;

	d_hlc2timespec(hlc, &ts);
	sec = ts.tv_sec;
	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(buf, len, "invalid time");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%09ld +0000 UTC", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)ts.tv_nsec);
}

int
dtool_status(int rc)
{
	if (rc == 0)
		return 0;
	if (rc > 0 || strcmp(d_errstr(rc), "DER_UNKNOWN") == 0)
		return -DER_MISC;
	return rc;
}

int
dtool_envelope(const json_t *response, const char *error, int rc, struct dtool_out *out)
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
	/* A message quoting text that is not UTF-8 makes json_string fail. */
	if (ret != 0 && error != NULL)
		ret = json_object_set_new(env, "error", json_string("(message not UTF-8)"));
	if (ret == 0)
		ret = json_object_set_new(env, "status", json_integer(dtool_status(rc)));
	if (ret != 0) {
		json_decref(env);
		return -DER_NOMEM;
	}
	text = json_dumps(env, JSON_INDENT(2));
	json_decref(env);
	if (text == NULL)
		return -DER_NOMEM;
	ret = dtool_out_printf(out, "%s\n", text);
	free(text);
	return ret;
}

char *
dtool_base64(const void *buf, size_t n)
{
	static const char  tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t     *p = buf;
	char              *s;
	size_t             o = 0;

	if (n > DTOOL_OUT_MAX)
		return NULL;
	s = malloc((n + 2) / 3 * 4 + 1);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		s[o++] = tab[(v >> 18) & 63];
		s[o++] = tab[(v >> 12) & 63];
		s[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		s[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	s[o] = '\0';
	return s;
}

void
dtool_info(const struct dtool_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->dc_log == NULL)
		return;
	va_start(ap, fmt);
	fprintf(ctx->dc_log, "daos: ");
	vfprintf(ctx->dc_log, fmt, ap);
	fprintf(ctx->dc_log, "\n");
	va_end(ap);
}
