/*
 * dmg_prom.c: a strict parser of the Prometheus text exposition format
 * (version 0.0.4) for dmg telemetry, and Go's %g formatting of values (what
 * DAOS's dmg prints).
 *
 * Lines: "# HELP name text", "# TYPE name type", other comments, blank lines
 * and samples "name[{label="value",...}] value [timestamp]". The format's
 * rules are enforced rather than tolerated: a family's HELP and TYPE come
 * before its samples and at most once, its lines are contiguous, no series
 * repeats, names and escapes are valid, label values and help are UTF-8,
 * summaries carry quantile labels and histogram buckets le labels, and every
 * size is bounded (DMG_TM_* in dmg.h) before anything is allocated for it.
 * Values are decimal numbers or Go's NaN/Inf spellings (hexadecimal floats,
 * which Go would also read, are refused: no exporter writes them).
 *
 * The family table keeps text order with a name hash beside it; samples own
 * one allocation each (sorted labels and their strings). Invariants:
 *  1. pm_index is at most half full and holds every family once (a name seen
 *     again is a non-contiguous family, which is refused).
 *  2. pm_samples is the sum of pf_nr and at most DMG_TM_SAMPLES_MAX; pm_nr is
 *     at most DMG_TM_FAMILIES_MAX.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "tools/dmg/dmg.h"

/* Longest piece of input quoted in a message. */
#define TM_QUOTE_MAX 64

/* ---- Values ---- */

const char *
dmg_prom_type_name(enum dmg_prom_type t)
{
	switch (t) {
	case DMG_PROM_COUNTER:
		return "Counter";
	case DMG_PROM_GAUGE:
		return "Gauge";
	case DMG_PROM_SUMMARY:
		return "Summary";
	case DMG_PROM_HISTOGRAM:
		return "Histogram";
	default:
		return "Generic";
	}
}

void
dmg_prom_fmt_value(double v, char *buf, size_t len)
{
	char   e[48];
	char   digs[24];
	size_t nd = 0;
	int    x, dp, prec;
	bool   neg = signbit(v);

	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		snprintf(buf, len, "%s", neg ? "-0" : "0");
		return;
	}
	/* The shortest decimal that reads back exactly, as Go's strconv finds it. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, fabs(v));
		if (strtod(e, NULL) == fabs(v))
			break;
	}
	for (const char *p = e; *p != '\0' && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < sizeof(digs) - 1)
			digs[nd++] = *p;
	while (nd > 1 && digs[nd - 1] == '0')
		nd--;
	digs[nd] = '\0';
	x        = atoi(strchr(e, 'e') + 1);
	dp       = x + 1;
	/* Go's %g: %e when the exponent is < -4 or >= 6 (shortest precision). */
	if (x < -4 || x >= 6) {
		snprintf(buf, len, "%s%c%s%se%c%02d", neg ? "-" : "", digs[0], nd > 1 ? "." : "",
			 digs + 1, x < 0 ? '-' : '+', x < 0 ? -x : x);
		return;
	}
	{
		char   f[48];
		size_t o = 0;

		if (neg)
			f[o++] = '-';
		if (dp <= 0) { /* 0.000ddd */
			f[o++] = '0';
			f[o++] = '.';
			for (int z = 0; z < -dp; z++)
				f[o++] = '0';
			memcpy(f + o, digs, nd);
			o += nd;
		} else if ((size_t)dp >= nd) { /* ddd000 */
			memcpy(f + o, digs, nd);
			o += nd;
			for (size_t z = nd; z < (size_t)dp; z++)
				f[o++] = '0';
		} else { /* dd.ddd */
			memcpy(f + o, digs, (size_t)dp);
			o += (size_t)dp;
			f[o++] = '.';
			memcpy(f + o, digs + dp, nd - (size_t)dp);
			o += nd - (size_t)dp;
		}
		f[o] = '\0';
		snprintf(buf, len, "%s", f);
	}
}

/* ---- Parser ---- */

struct tm_parse {
	struct dmg_prom        *tp_p;
	uint32_t                tp_line;
	char                   *tp_err;
	size_t                  tp_errlen;
	struct dmg_prom_family *tp_cur; /* family of the previous line, or NULL */
};

static int tm_err(struct tm_parse *tp, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
tm_err(struct tm_parse *tp, int rc, const char *fmt, ...)
{
	char    msg[DMG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d_errbuf_printf(tp->tp_err, tp->tp_errlen, "line %u: %s", tp->tp_line, msg);
	return rc;
}

static bool
tm_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
tm_skip_blanks(const char *p, const char *end)
{
	while (p < end && tm_blank(*p))
		p++;
	return p;
}

static bool
tm_name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Length of the name at p (metric names allow ':'), 0 when none. */
static size_t
tm_name_len(const char *p, const char *end, bool colon)
{
	size_t n = 0;

	while (p + n < end && tm_name_char(p[n], n == 0, colon))
		n++;
	return n;
}

/* Quote input for a message. */
static const char *
tm_q(char *q, const char *s, size_t n)
{
	return d_errbuf_quote(q, s, n, TM_QUOTE_MAX);
}

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
static bool
tm_utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t               i = 0;

	while (i < n) {
		unsigned char c = u[i];
		size_t        k;
		uint32_t      cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k  = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k  = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k  = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= k) /* the lead byte and k continuation bytes must fit */
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((u[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/*
 * A value: decimal ([+-]digits[.digits][e[+-]digits], or .digits) or the
 * spellings Go's ParseFloat accepts for NaN and infinities (any case).
 */
static bool
tm_value_parse(const char *s, size_t n, double *out)
{
	char        buf[DMG_TM_VALUE_TOKEN_MAX + 1];
	const char *p   = buf;
	bool        dig = false;
	char       *end;

	if (n == 0 || n > DMG_TM_VALUE_TOKEN_MAX)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (*p == '+' || *p == '-')
		p++;
	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0) {
		*out = buf[0] == '-' ? -INFINITY : INFINITY;
		return true;
	}
	if (strcasecmp(buf, "nan") == 0) {
		*out = NAN;
		return true;
	}
	for (; *p >= '0' && *p <= '9'; p++)
		dig = true;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			dig = true;
	}
	if (!dig)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return false;
	errno = 0;
	*out  = strtod(buf, &end);
	/* Overflow is refused, as Go's ParseFloat refuses it; underflow gives a
	 * denormal or 0, as in Go. */
	return *end == '\0' && !(errno == ERANGE && isinf(*out));
}

/* A timestamp: an optional '-' and decimal digits fitting in int64. */
static bool
tm_ts_parse(const char *s, size_t n, int64_t *out)
{
	char      buf[DMG_TM_VALUE_TOKEN_MAX + 1];
	char     *end;
	long long v;

	if (n == 0 || n > DMG_TM_VALUE_TOKEN_MAX)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = buf[0] == '-' ? 1 : 0; i < n; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return false;
	if (n == 1 && buf[0] == '-')
		return false;
	errno = 0;
	v     = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

static uint32_t
tm_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The family named name[0..n), or NULL with *slot (may be NULL) its free index slot. */
static struct dmg_prom_family *
tm_fam_lookup(const struct dmg_prom *p, const char *name, size_t n, uint32_t *slot)
{
	uint32_t mask = p->pm_slots - 1;
	uint32_t i;

	if (p->pm_slots == 0)
		return NULL;
	for (i = tm_hash(name, n) & mask;; i = (i + 1) & mask) {
		uint32_t v = p->pm_index[i];

		if (v == 0) {
			if (slot != NULL)
				*slot = i;
			return NULL;
		}
		if (strlen(p->pm_fams[v - 1].pf_name) == n &&
		    memcmp(p->pm_fams[v - 1].pf_name, name, n) == 0)
			return &p->pm_fams[v - 1];
	}
}

const struct dmg_prom_family *
dmg_prom_find(const struct dmg_prom *p, const char *name)
{
	return tm_fam_lookup(p, name, strlen(name), NULL);
}

static int
tm_index_grow(struct dmg_prom *p)
{
	uint32_t  slots = p->pm_slots == 0 ? 64 : p->pm_slots * 2;
	uint32_t *idx   = calloc(slots, sizeof(*idx));

	if (idx == NULL)
		return -DER_NOMEM;
	for (uint32_t f = 0; f < p->pm_nr; f++) {
		const char *name = p->pm_fams[f].pf_name;
		uint32_t    i    = tm_hash(name, strlen(name)) & (slots - 1);

		while (idx[i] != 0)
			i = (i + 1) & (slots - 1);
		idx[i] = f + 1;
	}
	free(p->pm_index);
	p->pm_index = idx;
	p->pm_slots = slots;
	return 0;
}

/* A new family name[0..n) (not yet in the table), made current. */
static int
tm_fam_new(struct tm_parse *tp, const char *name, size_t n, struct dmg_prom_family **out)
{
	struct dmg_prom        *p = tp->tp_p;
	struct dmg_prom_family *f;
	uint32_t                slot = 0;
	int                     rc;

	if (p->pm_nr >= DMG_TM_FAMILIES_MAX)
		return tm_err(tp, -DER_OVERFLOW, "more than %d metric families",
			      DMG_TM_FAMILIES_MAX);
	if (2 * (p->pm_nr + 1) > p->pm_slots) {
		rc = tm_index_grow(p);
		if (rc != 0)
			return rc;
	}
	if (p->pm_nr == p->pm_cap) {
		uint32_t                cap = p->pm_cap == 0 ? 64 : p->pm_cap * 2;
		struct dmg_prom_family *v;

		if (cap > DMG_TM_FAMILIES_MAX)
			cap = DMG_TM_FAMILIES_MAX;
		v = realloc(p->pm_fams, cap * sizeof(*v));
		if (v == NULL)
			return -DER_NOMEM;
		p->pm_fams = v;
		p->pm_cap  = cap;
	}
	(void)tm_fam_lookup(p, name, n, &slot);
	f = &p->pm_fams[p->pm_nr];
	memset(f, 0, sizeof(*f));
	f->pf_name = strndup(name, n);
	if (f->pf_name == NULL)
		return -DER_NOMEM;
	f->pf_line        = tp->tp_line;
	p->pm_index[slot] = ++p->pm_nr;
	tp->tp_cur        = f;
	*out              = f;
	return 0;
}

/*
 * The family a HELP or TYPE line (sample == false) or a sample of name[0..n)
 * belongs to, created when new (invariant 1). *sfx: which sample of a summary
 * or histogram it is.
 */
static int
tm_fam_for(struct tm_parse *tp, const char *name, size_t n, bool sample,
	   struct dmg_prom_family **out, enum dmg_prom_suffix *sfx)
{
	static const struct {
		const char          *s;
		enum dmg_prom_suffix x;
	} sfxs[]                    = {{"_sum", DMG_PROM_SFX_SUM},
				       {"_count", DMG_PROM_SFX_COUNT},
				       {"_bucket", DMG_PROM_SFX_BUCKET}};
	struct dmg_prom_family *cur = tp->tp_cur;
	struct dmg_prom_family *f;
	char                    q[TM_QUOTE_MAX + 4];

	*sfx = DMG_PROM_SFX_NONE;
	if (sample && cur != NULL &&
	    (cur->pf_type == DMG_PROM_SUMMARY || cur->pf_type == DMG_PROM_HISTOGRAM)) {
		size_t cl = strlen(cur->pf_name);

		for (size_t i = 0; i < sizeof(sfxs) / sizeof(sfxs[0]); i++) {
			if (sfxs[i].x == DMG_PROM_SFX_BUCKET && cur->pf_type != DMG_PROM_HISTOGRAM)
				continue;
			if (n == cl + strlen(sfxs[i].s) && memcmp(name, cur->pf_name, cl) == 0 &&
			    memcmp(name + cl, sfxs[i].s, n - cl) == 0) {
				*sfx = sfxs[i].x;
				*out = cur;
				return 0;
			}
		}
	}
	if (cur != NULL && strlen(cur->pf_name) == n && memcmp(cur->pf_name, name, n) == 0) {
		*out = cur;
		return 0;
	}
	f = tm_fam_lookup(tp->tp_p, name, n, NULL);
	if (f != NULL)
		return tm_err(tp, -DER_INVAL,
			      "metric family '%s' continues after other families (first seen on "
			      "line %u): a family's lines must be contiguous",
			      tm_q(q, name, n), f->pf_line);
	return tm_fam_new(tp, name, n, out);
}

/* "# HELP name text" or "# TYPE name type"; other comments are ignored. */
static int
tm_comment(struct tm_parse *tp, const char *p, const char *end)
{
	static const char *const types[] = {"untyped", "counter", "gauge", "summary", "histogram"};
	struct dmg_prom_family  *f;
	enum dmg_prom_suffix     sfx;
	const char              *kw = tm_skip_blanks(p + 1, end);
	const char              *name;
	size_t                   kwlen = 0, n;
	bool                     help;
	char                     q[TM_QUOTE_MAX + 4];
	int                      rc;

	while (kw + kwlen < end && !tm_blank(kw[kwlen]))
		kwlen++;
	if (kwlen == 4 && memcmp(kw, "HELP", 4) == 0)
		help = true;
	else if (kwlen == 4 && memcmp(kw, "TYPE", 4) == 0)
		help = false;
	else
		return 0;
	p = kw + 4;
	if (p == end || !tm_blank(*p))
		return tm_err(tp, -DER_INVAL, "expected a metric name after %s",
			      help ? "HELP" : "TYPE");
	name = tm_skip_blanks(p, end);
	n    = tm_name_len(name, end, true);
	if (n == 0 || (name + n < end && !tm_blank(name[n])))
		return tm_err(tp, -DER_INVAL, "invalid metric name '%s' after %s",
			      tm_q(q, name, (size_t)(end - name)), help ? "HELP" : "TYPE");
	if (n > DMG_TM_NAME_MAX)
		return tm_err(tp, -DER_OVERFLOW, "metric name longer than %d characters",
			      DMG_TM_NAME_MAX);
	rc = tm_fam_for(tp, name, n, false, &f, &sfx);
	if (rc != 0)
		return rc;
	p = tm_skip_blanks(name + n, end);
	if (help) {
		char  *h;
		size_t hl = 0;

		if (f->pf_help != NULL)
			return tm_err(tp, -DER_INVAL, "second HELP line for metric family '%s'",
				      f->pf_name);
		if (f->pf_nr > 0)
			return tm_err(tp, -DER_INVAL,
				      "HELP line for metric family '%s' after its samples",
				      f->pf_name);
		if ((size_t)(end - p) > DMG_TM_HELP_MAX)
			return tm_err(tp, -DER_OVERFLOW, "help text of '%s' longer than %d bytes",
				      f->pf_name, DMG_TM_HELP_MAX);
		h = malloc((size_t)(end - p) + 1);
		if (h == NULL)
			return -DER_NOMEM;
		for (; p < end; p++) {
			if (*p != '\\') {
				h[hl++] = *p;
				continue;
			}
			if (p + 1 < end && (p[1] == '\\' || p[1] == 'n')) {
				h[hl++] = p[1] == 'n' ? '\n' : '\\';
				p++;
				continue;
			}
			free(h);
			return tm_err(
				tp, -DER_INVAL,
				"invalid escape sequence '%s' in the help of '%s' (only \\\\ and "
				"\\n)",
				tm_q(q, p, p + 1 < end ? 2 : 1), f->pf_name);
		}
		h[hl] = '\0';
		if (!tm_utf8_ok(h, hl)) {
			free(h);
			return tm_err(tp, -DER_INVAL, "help text of '%s' is not valid UTF-8",
				      f->pf_name);
		}
		f->pf_help = h;
		return 0;
	}
	if (f->pf_typed)
		return tm_err(tp, -DER_INVAL, "second TYPE line for metric family '%s'",
			      f->pf_name);
	if (f->pf_nr > 0)
		return tm_err(tp, -DER_INVAL, "TYPE line for metric family '%s' after its samples",
			      f->pf_name);
	n = 0;
	while (p + n < end && !tm_blank(p[n]))
		n++;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		if (strlen(types[t]) != n || memcmp(types[t], p, n) != 0)
			continue;
		if (tm_skip_blanks(p + n, end) != end)
			return tm_err(tp, -DER_INVAL, "unexpected text '%s' after the type of '%s'",
				      tm_q(q, tm_skip_blanks(p + n, end),
					   (size_t)(end - tm_skip_blanks(p + n, end))),
				      f->pf_name);
		f->pf_type  = (enum dmg_prom_type)t;
		f->pf_typed = true;
		return 0;
	}
	return tm_err(tp, -DER_INVAL,
		      "unknown metric type '%s' for '%s' (counter, gauge, histogram, summary or "
		      "untyped)",
		      tm_q(q, p, n), f->pf_name);
}

/* Labels being read: offsets into the scratch buffer (names and values). */
struct tm_lab {
	size_t tl_name;
	size_t tl_value;
};

static int
tm_lab_cmp(const void *a, const void *b)
{
	const struct dmg_prom_label *x = a;
	const struct dmg_prom_label *y = b;

	return strcmp(x->pl_name, y->pl_name);
}

const char *
dmg_prom_label(const struct dmg_prom_sample *s, const char *name)
{
	for (uint32_t i = 0; i < s->ps_nlabels; i++)
		if (strcmp(s->ps_labels[i].pl_name, name) == 0)
			return s->ps_labels[i].pl_value;
	return NULL;
}

/*
 * The "{...}" at *pp (past the '{') into scratch (names and unescaped values,
 * NUL-terminated) and labs; *pp is left past the '}'.
 */
static int
tm_labels(struct tm_parse *tp, const char **pp, const char *end, char *scratch, size_t *used,
	  struct tm_lab *labs, uint32_t *nlabs)
{
	const char *p = *pp;
	char        q[TM_QUOTE_MAX + 4];

	*nlabs = 0;
	for (;;) {
		size_t n, v0;

		p = tm_skip_blanks(p, end);
		if (p < end && *p == '}') {
			*pp = p + 1;
			return 0;
		}
		n = tm_name_len(p, end, false);
		if (n == 0)
			return tm_err(tp, -DER_INVAL, "invalid label name at '%s'",
				      tm_q(q, p, (size_t)(end - p)));
		if (n > DMG_TM_NAME_MAX)
			return tm_err(tp, -DER_OVERFLOW, "label name longer than %d characters",
				      DMG_TM_NAME_MAX);
		if (n >= 2 && p[0] == '_' && p[1] == '_')
			return tm_err(tp, -DER_INVAL,
				      "label name '%s' is reserved (starts with __)",
				      tm_q(q, p, n));
		if (*nlabs >= DMG_TM_LABELS_MAX)
			return tm_err(tp, -DER_OVERFLOW, "more than %d labels", DMG_TM_LABELS_MAX);
		labs[*nlabs].tl_name = *used;
		memcpy(scratch + *used, p, n);
		*used += n;
		scratch[(*used)++] = '\0';
		p                  = tm_skip_blanks(p + n, end);
		if (p == end || *p != '=')
			return tm_err(tp, -DER_INVAL, "expected '=' after label name '%s'",
				      scratch + labs[*nlabs].tl_name);
		p = tm_skip_blanks(p + 1, end);
		if (p == end || *p != '"')
			return tm_err(tp, -DER_INVAL,
				      "expected '\"' to open the value of label '%s'",
				      scratch + labs[*nlabs].tl_name);
		p++;
		v0 = *used;
		for (;;) {
			if (p == end)
				return tm_err(tp, -DER_INVAL, "unterminated value of label '%s'",
					      scratch + labs[*nlabs].tl_name);
			if (*p == '"')
				break;
			if (*used - v0 >= DMG_TM_LABEL_VALUE_MAX)
				return tm_err(tp, -DER_OVERFLOW,
					      "value of label '%s' longer than %d bytes",
					      scratch + labs[*nlabs].tl_name,
					      DMG_TM_LABEL_VALUE_MAX);
			if (*p != '\\') {
				scratch[(*used)++] = *p++;
				continue;
			}
			if (p + 1 < end && (p[1] == '\\' || p[1] == '"' || p[1] == 'n')) {
				scratch[(*used)++] = p[1] == 'n' ? '\n' : p[1];
				p += 2;
				continue;
			}
			return tm_err(
				tp, -DER_INVAL,
				"invalid escape sequence '%s' in the value of label '%s' (only "
				"\\\\, \\\" and \\n)",
				tm_q(q, p, p + 1 < end ? 2 : 1), scratch + labs[*nlabs].tl_name);
		}
		if (!tm_utf8_ok(scratch + v0, *used - v0))
			return tm_err(tp, -DER_INVAL, "value of label '%s' is not valid UTF-8",
				      scratch + labs[*nlabs].tl_name);
		scratch[(*used)++]    = '\0';
		labs[*nlabs].tl_value = v0;
		for (uint32_t i = 0; i < *nlabs; i++)
			if (strcmp(scratch + labs[i].tl_name, scratch + labs[*nlabs].tl_name) == 0)
				return tm_err(tp, -DER_INVAL, "label '%s' given twice",
					      scratch + labs[i].tl_name);
		(*nlabs)++;
		p = tm_skip_blanks(p + 1, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			continue;
		return tm_err(tp, -DER_INVAL, "expected ',' or '}' after the value of label '%s'",
			      scratch + labs[*nlabs - 1].tl_name);
	}
}

static int
tm_sample(struct tm_parse *tp, const char *p, const char *end, char *scratch)
{
	struct dmg_prom        *pm = tp->tp_p;
	struct dmg_prom_family *f;
	struct dmg_prom_sample *s;
	struct tm_lab           labs[DMG_TM_LABELS_MAX];
	enum dmg_prom_suffix    sfx;
	uint32_t                nlabs = 0;
	size_t                  used  = 0;
	const char             *name  = p;
	const char             *tok;
	size_t                  n = tm_name_len(p, end, true);
	size_t                  tl;
	double                  value;
	int64_t                 ts     = 0;
	bool                    has_ts = false;
	char                    q[TM_QUOTE_MAX + 4];
	char                    q2[TM_QUOTE_MAX + 4];
	int                     rc;

	if (n == 0)
		return tm_err(tp, -DER_INVAL, "invalid metric name at '%s'",
			      tm_q(q, p, (size_t)(end - p)));
	if (n > DMG_TM_NAME_MAX)
		return tm_err(tp, -DER_OVERFLOW, "metric name longer than %d characters",
			      DMG_TM_NAME_MAX);
	p += n;
	if (p < end && *p == '{') {
		p++;
		rc = tm_labels(tp, &p, end, scratch, &used, labs, &nlabs);
		if (rc != 0)
			return rc;
	} else if (p < end && !tm_blank(*p)) {
		return tm_err(tp, -DER_INVAL, "invalid character '%s' in metric name '%s'",
			      tm_q(q, p, 1), tm_q(q2, name, n));
	}
	tok = tm_skip_blanks(p, end);
	if (tok == end)
		return tm_err(tp, -DER_INVAL, "expected a value after '%s'", tm_q(q, name, n));
	for (tl = 0; tok + tl < end && !tm_blank(tok[tl]);)
		tl++;
	if (!tm_value_parse(tok, tl, &value))
		return tm_err(tp, -DER_INVAL,
			      "invalid value '%s' of '%s' (expected a decimal number, NaN, +Inf or "
			      "-Inf)",
			      tm_q(q, tok, tl), tm_q(q2, name, n));
	p = tm_skip_blanks(tok + tl, end);
	if (p < end) {
		for (tl = 0; p + tl < end && !tm_blank(p[tl]);)
			tl++;
		if (!tm_ts_parse(p, tl, &ts))
			return tm_err(tp, -DER_INVAL,
				      "invalid timestamp '%s' (expected integer milliseconds)",
				      tm_q(q, p, tl));
		has_ts = true;
		p      = tm_skip_blanks(p + tl, end);
		if (p < end)
			return tm_err(tp, -DER_INVAL, "unexpected text '%s' after the timestamp",
				      tm_q(q, p, (size_t)(end - p)));
	}

	rc = tm_fam_for(tp, name, n, true, &f, &sfx);
	if (rc != 0)
		return rc;
	if (pm->pm_samples >= DMG_TM_SAMPLES_MAX)
		return tm_err(tp, -DER_OVERFLOW, "more than %u samples", DMG_TM_SAMPLES_MAX);
	if (f->pf_nr == f->pf_cap) {
		uint32_t                cap = f->pf_cap == 0 ? 8 : f->pf_cap * 2;
		struct dmg_prom_sample *v   = realloc(f->pf_samples, cap * sizeof(*v));

		if (v == NULL)
			return -DER_NOMEM;
		f->pf_samples = v;
		f->pf_cap     = cap;
	}
	s = &f->pf_samples[f->pf_nr];
	memset(s, 0, sizeof(*s));
	s->ps_buf = malloc(nlabs * sizeof(struct dmg_prom_label) + used + 1);
	if (s->ps_buf == NULL)
		return -DER_NOMEM;
	s->ps_labels = (struct dmg_prom_label *)s->ps_buf;
	memcpy(s->ps_buf + nlabs * sizeof(struct dmg_prom_label), scratch, used);
	for (uint32_t i = 0; i < nlabs; i++) {
		char *base = s->ps_buf + nlabs * sizeof(struct dmg_prom_label);

		s->ps_labels[i].pl_name  = base + labs[i].tl_name;
		s->ps_labels[i].pl_value = base + labs[i].tl_value;
	}
	s->ps_nlabels = nlabs;
	if (nlabs > 1)
		qsort(s->ps_labels, nlabs, sizeof(*s->ps_labels), tm_lab_cmp);
	s->ps_suffix = sfx;
	s->ps_value  = value;
	s->ps_has_ts = has_ts;
	s->ps_ts     = ts;
	s->ps_line   = tp->tp_line;
	f->pf_nr++;
	pm->pm_samples++;

	/* The labels a summary's quantiles and a histogram's buckets need. */
	if ((f->pf_type == DMG_PROM_SUMMARY && sfx == DMG_PROM_SFX_NONE) ||
	    sfx == DMG_PROM_SFX_BUCKET) {
		const char *lname = sfx == DMG_PROM_SFX_BUCKET ? "le" : "quantile";
		const char *lv    = dmg_prom_label(s, lname);
		double      d;

		if (lv == NULL)
			return tm_err(tp, -DER_INVAL, "%s '%s' without a '%s' label",
				      sfx == DMG_PROM_SFX_BUCKET ? "histogram bucket"
								 : "summary sample",
				      tm_q(q, name, n), lname);
		if (!tm_value_parse(lv, strlen(lv), &d) || isnan(d))
			return tm_err(tp, -DER_INVAL, "invalid '%s' label value '%s' of '%s'",
				      lname, tm_q(q, lv, strlen(lv)), f->pf_name);
	} else if (f->pf_type == DMG_PROM_SUMMARY || f->pf_type == DMG_PROM_HISTOGRAM) {
		/* _sum and _count carry the group's labels only. */
		if (dmg_prom_label(s, f->pf_type == DMG_PROM_SUMMARY ? "quantile" : "le") != NULL)
			return tm_err(tp, -DER_INVAL, "sample '%s' must not have a '%s' label",
				      tm_q(q, name, n),
				      f->pf_type == DMG_PROM_SUMMARY ? "quantile" : "le");
	}
	return 0;
}

/* Order of series within a family: suffix, then the sorted label set. */
static int
tm_series_cmp(const struct dmg_prom_sample *a, const struct dmg_prom_sample *b)
{
	if (a->ps_suffix != b->ps_suffix)
		return a->ps_suffix < b->ps_suffix ? -1 : 1;
	if (a->ps_nlabels != b->ps_nlabels)
		return a->ps_nlabels < b->ps_nlabels ? -1 : 1;
	for (uint32_t i = 0; i < a->ps_nlabels; i++) {
		int c = strcmp(a->ps_labels[i].pl_name, b->ps_labels[i].pl_name);

		if (c == 0)
			c = strcmp(a->ps_labels[i].pl_value, b->ps_labels[i].pl_value);
		if (c != 0)
			return c;
	}
	return 0;
}

static int
tm_ptr_cmp(const void *a, const void *b)
{
	const struct dmg_prom_sample *x = *(const struct dmg_prom_sample *const *)a;
	const struct dmg_prom_sample *y = *(const struct dmg_prom_sample *const *)b;
	int                           c = tm_series_cmp(x, y);

	if (c == 0)
		c = x->ps_line < y->ps_line ? -1 : (x->ps_line > y->ps_line ? 1 : 0);
	return c;
}

/* No two samples of a family with the same name and labels. */
static int
tm_check_dups(struct tm_parse *tp, const struct dmg_prom_family *f)
{
	const struct dmg_prom_sample **v;
	int                            rc = 0;

	if (f->pf_nr < 2)
		return 0;
	v = malloc(f->pf_nr * sizeof(*v));
	if (v == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < f->pf_nr; i++)
		v[i] = &f->pf_samples[i];
	qsort(v, f->pf_nr, sizeof(*v), tm_ptr_cmp);
	for (uint32_t i = 1; i < f->pf_nr && rc == 0; i++) {
		static const char *const sfx[] = {"", "_sum", "_count", "_bucket"};

		if (tm_series_cmp(v[i - 1], v[i]) != 0)
			continue;
		tp->tp_line = v[i]->ps_line;
		rc          = tm_err(tp, -DER_INVAL,
				     "duplicate sample of '%s%s' with the same labels as "
					      "line %u",
				     f->pf_name, sfx[v[i]->ps_suffix], v[i - 1]->ps_line);
	}
	free(v);
	return rc;
}

int
dmg_prom_parse(const char *text, size_t len, struct dmg_prom *p, char *errbuf, size_t errlen)
{
	struct tm_parse tp      = {.tp_p = p, .tp_err = errbuf, .tp_errlen = errlen};
	const char     *end     = text + len;
	const char     *line    = text;
	char           *scratch = NULL;
	int             rc      = 0;

	memset(p, 0, sizeof(*p));
	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (text == NULL && len > 0)
		return -DER_INVAL;
	if (len > DMG_TM_BODY_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"metrics text of %zu bytes exceeds the limit of %u "
				"bytes",
				len, DMG_TM_BODY_MAX);
		return -DER_OVERFLOW;
	}
	/* Names and values of one line, each NUL-terminated: never more than the line. */
	scratch = malloc(DMG_TM_LINE_MAX + DMG_TM_LABELS_MAX + 1);
	if (scratch == NULL)
		return -DER_NOMEM;
	while (line < end && rc == 0) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl != NULL ? nl : end;
		const char *b;

		tp.tp_line++;
		if ((size_t)(le - line) > DMG_TM_LINE_MAX) {
			rc = tm_err(&tp, -DER_OVERFLOW, "line longer than %u bytes",
				    DMG_TM_LINE_MAX);
			break;
		}
		if (memchr(line, '\0', (size_t)(le - line)) != NULL) {
			rc = tm_err(&tp, -DER_INVAL, "NUL byte in the metrics text");
			break;
		}
		b = tm_skip_blanks(line, le);
		if (b == le)
			; /* blank line */
		else if (*b == '#')
			rc = tm_comment(&tp, b, le);
		else
			rc = tm_sample(&tp, b, le, scratch);
		line = nl != NULL ? nl + 1 : end;
	}
	for (uint32_t f = 0; f < p->pm_nr && rc == 0; f++)
		rc = tm_check_dups(&tp, &p->pm_fams[f]);
	free(scratch);
	if (rc == -DER_NOMEM)
		d_errbuf_printf(errbuf, errlen, "out of memory");
	return rc;
}

void
dmg_prom_fini(struct dmg_prom *p)
{
	for (uint32_t f = 0; f < p->pm_nr; f++) {
		struct dmg_prom_family *fam = &p->pm_fams[f];

		for (uint32_t s = 0; s < fam->pf_nr; s++)
			free(fam->pf_samples[s].ps_buf);
		free(fam->pf_samples);
		free(fam->pf_name);
		free(fam->pf_help);
	}
	free(p->pm_fams);
	free(p->pm_index);
	memset(p, 0, sizeof(*p));
}
