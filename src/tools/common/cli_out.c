/*
 * cli_out.c: the output of the command-line tools (dmg, daos): the bounded
 * output buffer, DAOS-style tables and entity blocks, sizes and the -j
 * envelope (see cli_out.h).
 *
 * Invariants:
 *  1. A struct cli_out never holds more than CLI_OUT_MAX bytes, and o_buf is
 *     NUL-terminated at o_len whenever it is not NULL.
 *  2. A table cell or entity value holds no control character and at most
 *     CLI_CELL_MAX bytes (plus "..." when cut; CLI_OUT_MAX in a column of
 *     text the tool formatted itself), so rendering never emits terminal
 *     control sequences that came from a server.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "tools/common/cli_out.h"

/* First allocation of an output buffer. */
#define OUT_INIT 4096

void
cli_out_init(struct cli_out *out)
{
	memset(out, 0, sizeof(*out));
}

void
cli_out_fini(struct cli_out *out)
{
	free(out->o_buf);
	memset(out, 0, sizeof(*out));
}

/* Make room for n more bytes and the NUL (invariant 1). */
static int
out_reserve(struct cli_out *out, size_t n)
{
	size_t need, cap;
	char  *buf;

	if (n > CLI_OUT_MAX || out->o_len + n > CLI_OUT_MAX)
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
cli_out_printf(struct cli_out *out, const char *fmt, ...)
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

void
cli_out_write(const struct cli_out *out, FILE *fp)
{
	if (out->o_len > 0)
		fwrite(out->o_buf, 1, out->o_len, fp);
	fflush(fp);
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
cli_out_put_safe(struct cli_out *out, const char *s, size_t n)
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

int
cli_out_puts_safe(struct cli_out *out, const char *s)
{
	return cli_out_put_safe(out, s, strnlen(s, CLI_OUT_MAX + 1));
}

/*
 * Tables
 */

int
cli_table_init(struct cli_table *t, uint32_t ncols, const char *const *titles, uint32_t indent)
{
	memset(t, 0, sizeof(*t));
	if (ncols == 0 || ncols > CLI_TABLE_COLS_MAX || titles == NULL)
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
cli_table_fini(struct cli_table *t)
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
	size_t len = strnlen(s, full ? CLI_OUT_MAX : CLI_CELL_MAX + 1);
	bool   cut = !full && len > CLI_CELL_MAX;
	char  *c;

	if (cut) {
		len = CLI_CELL_MAX;
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
cli_table_add(struct cli_table *t, const char *const *cells)
{
	char   **row;
	uint32_t i;

	if (t->t_nrows >= CLI_TABLE_ROWS_MAX)
		return -DER_OVERFLOW;
	if (t->t_nrows == t->t_cap) {
		uint32_t cap = t->t_cap == 0 ? 16 : t->t_cap * 2;
		char   **cellv;

		if (cap > CLI_TABLE_ROWS_MAX)
			cap = CLI_TABLE_ROWS_MAX;
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
table_line(const struct cli_table *t, const char *const *cells, const size_t *width,
	   struct cli_out *out)
{
	size_t start = out->o_len;
	int    rc;

	rc = cli_out_printf(out, "%*s", (int)t->t_indent, "");
	for (uint32_t c = 0; rc == 0 && c < t->t_ncols; c++) {
		size_t pad = c + 1 < t->t_ncols ? width[c] - text_width(cells[c]) : 0;

		rc = cli_out_printf(out, "%s%*s%s", cells[c], (int)pad, "",
				    c + 1 < t->t_ncols ? " " : "");
	}
	if (rc != 0)
		return rc;
	while (out->o_len > start && out->o_buf[out->o_len - 1] == ' ')
		out->o_len--;
	out->o_buf[out->o_len] = '\0';
	return cli_out_printf(out, "\n");
}

int
cli_table_render(const struct cli_table *t, struct cli_out *out)
{
	size_t      width[CLI_TABLE_COLS_MAX];
	const char *dashes[CLI_TABLE_COLS_MAX];
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
 * Entity blocks
 */
void
cli_entity_init(struct cli_entity *e)
{
	memset(e, 0, sizeof(*e));
}

void
cli_entity_fini(struct cli_entity *e)
{
	for (uint32_t i = 0; i < e->e_nr; i++)
		free(e->e_vals[i]);
	memset(e, 0, sizeof(*e));
}

int
cli_entity_add(struct cli_entity *e, const char *key, const char *fmt, ...)
{
	char    val[CLI_CELL_MAX + 1];
	va_list ap;

	if (e->e_nr >= CLI_ENTITY_ROWS_MAX)
		return -DER_OVERFLOW;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	e->e_vals[e->e_nr] = cell_dup(val, false);
	if (e->e_vals[e->e_nr] == NULL)
		return -DER_NOMEM;
	e->e_keys[e->e_nr] = key;
	e->e_nr++;
	return 0;
}

int
cli_entity_render(const struct cli_entity *e, struct cli_out *out)
{
	size_t width = 0;
	int    rc = 0;

	for (uint32_t i = 0; i < e->e_nr; i++)
		if (text_width(e->e_keys[i]) > width)
			width = text_width(e->e_keys[i]);
	for (uint32_t i = 0; rc == 0 && i < e->e_nr; i++)
		rc = cli_out_printf(out, "  %s%*s: %s\n", e->e_keys[i],
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
cli_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

	size_fmt(bytes, 1000, units, sizeof(units) / sizeof(units[0]), buf, len);
}

void
cli_isize_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

	size_fmt(bytes, 1024, units, sizeof(units) / sizeof(units[0]), buf, len);
}

/*
 * JSON
 */
int
cli_status(int rc)
{
	if (rc == 0)
		return 0;
	if (rc > 0 || strcmp(d_errstr(rc), "DER_UNKNOWN") == 0)
		return -DER_MISC;
	return rc;
}

int
cli_envelope(const json_t *response, const char *error, int rc, struct cli_out *out)
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
	/* A message quoting text that is not UTF-8 (from a server or the command
	 * line) makes json_string fail. */
	if (ret != 0 && error != NULL)
		ret = json_object_set_new(env, "error", json_string("(message not UTF-8)"));
	if (ret == 0)
		ret = json_object_set_new(env, "status", json_integer(cli_status(rc)));
	if (ret != 0) {
		json_decref(env);
		return -DER_NOMEM;
	}
	text = json_dumps(env, JSON_INDENT(2));
	json_decref(env);
	if (text == NULL)
		return -DER_NOMEM;
	ret = cli_out_printf(out, "%s\n", text);
	free(text);
	return ret;
}
