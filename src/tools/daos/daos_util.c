/*
 * daos_util.c: the small value parsers and printers of the daos tool: sizes
 * with DAOS's units, object ids, epochs and epoch ranges, HLC dates, base64,
 * and the --verbose/--debug log line. What the tool prints goes through the
 * shared output library (src/tools/common/cli_out.h), as dmg's does, so both
 * tools print alike.
 */
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

/*
 * Sizes
 */

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

char *
dtool_base64(const void *buf, size_t n)
{
	static const char  tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t     *p = buf;
	char              *s;
	size_t             o = 0;

	if (n > CLI_OUT_MAX)
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
