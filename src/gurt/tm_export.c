/*
 * tm_export.c: telemetry export as Prometheus text exposition (several
 * engines merged) and as daos_metrics-style CSV. Naming and TYPE rules are
 * explained in telemetry.h.
 *
 * Prometheus output is built in two passes: every source is walked and each
 * series (name, label set, HELP, natural type, value) collected in memory;
 * the series are then sorted by (name, labels, source, order) and printed
 * family by family. This gives the format's requirements regardless of how
 * the trees interleave: E1. one HELP and one TYPE line per family, before its
 * series; E2. a family's series contiguous; E3. no two series with the same
 * name and labels (a later duplicate is dropped); E4. output ends with '\n'.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "gurt/telemetry.h"
#include "gurt/tm_internal.h"

/* Natural type of one series; a family's TYPE is derived from its series. */
enum xp_kind {
	XP_COUNTER,
	XP_GAUGE,
};

struct xp_series {
	const char  *xs_name;   /* points into xs_buf */
	const char  *xs_labels; /* "{...}", into xs_buf */
	const char  *xs_help;   /* into xs_buf */
	char        *xs_buf;    /* one allocation per series */
	enum xp_kind xs_kind;
	char         xs_value[40];
	int          xs_src;
	size_t       xs_order;
};

struct xp_ctx {
	struct xp_series *xc_v;
	size_t            xc_nr;
	size_t            xc_cap;
	const char       *xc_prefix;
	uint32_t          xc_rank;
	int               xc_src;
};

/* Shortest of %.15g / %.17g that reads back exactly; NaN/Inf as Prometheus spells them. */
static void
xp_fmt_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

/* ---- names and labels ---- */

/* Labels, in the (alphabetical) order they are printed. */
enum xp_label {
	XL_CONTEXT,
	XL_DEVICE,
	XL_POOL,
	XL_PROVIDER,
	XL_RANK,
	XL_SIZE,
	XL_TARGET,
	XL_XSTREAM,
	XL_NR,
};

static const char *const xp_label_names[XL_NR] = {
    "context", "device", "pool", "provider", "rank", "size", "target", "xstream",
};

struct xp_name {
	char        xn_name[D_TM_PREFIX_MAX + 1 + D_TM_PATH_MAX];
	size_t      xn_len;
	const char *xn_labels[XL_NR]; /* values, or NULL */
	char        xn_rank[16];
};

static void
xp_name_append(struct xp_name *xn, const char *comp)
{
	/* Capacity: prefix + '_' + a path of at most D_TM_PATH_MAX - 1 chars. */
	xn->xn_name[xn->xn_len++] = '_';
	for (; *comp != '\0'; comp++) {
		char c = *comp;
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		xn->xn_name[xn->xn_len++] = alnum ? c : '_';
	}
	xn->xn_name[xn->xn_len] = '\0';
}

/* "tgt_12" with \a prefix "tgt_" gives "12"; NULL unless digits follow. */
static const char *
xp_indexed(const char *comp, const char *prefix)
{
	size_t plen = strlen(prefix);

	if (strncmp(comp, prefix, plen) != 0 || comp[plen] == '\0')
		return NULL;
	for (const char *p = comp + plen; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return NULL;
	return comp + plen;
}

/*
 * DAOS's name and labels of \a path (see telemetry.h). \a comps must outlive
 * \a xn (label values point into it).
 */
static int
xp_name_build(const char *prefix, const char *path, uint32_t rank,
	      char comps[][D_TM_NAME_MAX], struct xp_name *xn)
{
	int n;
	int i = 0;
	int rc;

	rc = d_tm_path_split(path, false, comps, &n);
	if (rc != 0)
		return rc;
	memset(xn, 0, sizeof(*xn));
	xn->xn_len = strlen(prefix);
	memcpy(xn->xn_name, prefix, xn->xn_len + 1);

	if (strcmp(comps[0], "pool") == 0 && n >= 2) {
		xp_name_append(xn, "pool");
		xn->xn_labels[XL_POOL] = comps[1];
		i                      = 2;
	} else if (strcmp(comps[0], "io") == 0 && n >= 4 && strcmp(comps[1], "latency") == 0) {
		xp_name_append(xn, "io");
		xp_name_append(xn, "latency");
		xp_name_append(xn, comps[2]);
		xn->xn_labels[XL_SIZE] = comps[3];
		i                      = 4;
	} else if (strcmp(comps[0], "net") == 0 && n >= 2 && strcmp(comps[1], "uri") != 0) {
		xp_name_append(xn, "net");
		xn->xn_labels[XL_PROVIDER] = comps[1];
		i                          = 2;
	} else if (strcmp(comps[0], "nvme") == 0 && n >= 2) {
		xp_name_append(xn, "nvme");
		xn->xn_labels[XL_DEVICE] = comps[1];
		i                        = 2;
	}
	for (; i < n; i++) {
		const char *v;

		if ((v = xp_indexed(comps[i], "tgt_")) != NULL && xn->xn_labels[XL_TARGET] == NULL)
			xn->xn_labels[XL_TARGET] = v;
		else if ((v = xp_indexed(comps[i], "xs_")) != NULL &&
			 xn->xn_labels[XL_XSTREAM] == NULL)
			xn->xn_labels[XL_XSTREAM] = v;
		else if ((v = xp_indexed(comps[i], "ctx_")) != NULL &&
			 xn->xn_labels[XL_CONTEXT] == NULL)
			xn->xn_labels[XL_CONTEXT] = v;
		else
			xp_name_append(xn, comps[i]);
	}
	snprintf(xn->xn_rank, sizeof(xn->xn_rank), "%" PRIu32, rank);
	xn->xn_labels[XL_RANK] = xn->xn_rank;
	return 0;
}

/* Length of the label set text of \a xn, escapes included, or the text itself. */
static size_t
xp_labels_fmt(const struct xp_name *xn, char *out)
{
	size_t len = 0;
	bool   first = true;

#define PUT(c)                                                                            \
	do {                                                                              \
		if (out != NULL)                                                          \
			out[len] = (c);                                                   \
		len++;                                                                    \
	} while (0)
	PUT('{');
	for (int l = 0; l < XL_NR; l++) {
		const char *v = xn->xn_labels[l];

		if (v == NULL)
			continue;
		if (!first)
			PUT(',');
		first = false;
		for (const char *p = xp_label_names[l]; *p != '\0'; p++)
			PUT(*p);
		PUT('=');
		PUT('"');
		for (; *v != '\0'; v++) {
			if (*v == '\\' || *v == '"') {
				PUT('\\');
				PUT(*v);
			} else if (*v == '\n') {
				PUT('\\');
				PUT('n');
			} else {
				PUT(*v);
			}
		}
		PUT('"');
	}
	PUT('}');
	PUT('\0');
#undef PUT
	return len;
}

/* ---- collection ---- */

static int
xp_add(struct xp_ctx *xc, const struct xp_name *xn, const char *suffix, const char *desc,
       const char *path, const char *units, const char *stat, enum xp_kind kind,
       const char *value)
{
	struct xp_series *s;
	size_t            name_len   = xn->xn_len + strlen(suffix) + 1;
	size_t            labels_len = xp_labels_fmt(xn, NULL);
	size_t            help_len;
	char              help[D_TM_DESC_MAX + D_TM_PATH_MAX + D_TM_UNITS_MAX + 32];
	char             *buf;

	/* HELP is never empty: promtool lints a family without help text. */
	if (units[0] != '\0' && stat != NULL)
		snprintf(help, sizeof(help), "%s (%s, %s)", desc[0] ? desc : path, units, stat);
	else if (units[0] != '\0' || stat != NULL)
		snprintf(help, sizeof(help), "%s (%s)", desc[0] ? desc : path,
			 stat != NULL ? stat : units);
	else
		snprintf(help, sizeof(help), "%s", desc[0] ? desc : path);
	help_len = strlen(help) + 1;

	if (xc->xc_nr == xc->xc_cap) {
		size_t            cap = xc->xc_cap ? xc->xc_cap * 2 : 256;
		struct xp_series *v   = realloc(xc->xc_v, cap * sizeof(*v));

		if (v == NULL)
			return -DER_NOMEM;
		xc->xc_v   = v;
		xc->xc_cap = cap;
	}
	buf = malloc(name_len + labels_len + help_len);
	if (buf == NULL)
		return -DER_NOMEM;
	s = &xc->xc_v[xc->xc_nr];
	snprintf(buf, name_len, "%s%s", xn->xn_name, suffix);
	xp_labels_fmt(xn, buf + name_len);
	memcpy(buf + name_len + labels_len, help, help_len);
	s->xs_buf    = buf;
	s->xs_name   = buf;
	s->xs_labels = buf + name_len;
	s->xs_help   = buf + name_len + labels_len;
	s->xs_kind   = kind;
	s->xs_src    = xc->xc_src;
	s->xs_order  = xc->xc_nr;
	snprintf(s->xs_value, sizeof(s->xs_value), "%s", value);
	xc->xc_nr++;
	return 0;
}

static int
xp_collect_cb(const struct d_tm_sample *s, void *arg)
{
	struct xp_ctx *xc = arg;
	char           comps[D_TM_DEPTH_MAX][D_TM_NAME_MAX];
	struct xp_name xn;
	char           v[8][40];
	int            type = s->ts_type & ~D_TM_CLOCK_MASK;
	int            rc;

	if (type == D_TM_DIRECTORY)
		return 0;
	rc = xp_name_build(xc->xc_prefix, s->ts_path, xc->xc_rank, comps, &xn);
	if (rc != 0)
		return rc;
	snprintf(v[0], sizeof(v[0]), "%" PRIu64, s->ts_value);
	if (type == D_TM_COUNTER)
		return xp_add(xc, &xn, "", s->ts_desc, s->ts_path, s->ts_units, NULL, XP_COUNTER,
			      v[0]);
	rc = xp_add(xc, &xn, "", s->ts_desc, s->ts_path, s->ts_units, NULL, XP_GAUGE, v[0]);
	if (rc != 0 || !d_tm_type_has_stats((uint32_t)type))
		return rc;

	snprintf(v[1], sizeof(v[1]), "%" PRIu64, s->ts_min);
	snprintf(v[2], sizeof(v[2]), "%" PRIu64, s->ts_max);
	xp_fmt_double(s->ts_mean, v[3], sizeof(v[3]));
	xp_fmt_double(s->ts_stddev, v[4], sizeof(v[4]));
	xp_fmt_double(s->ts_sumsquares, v[5], sizeof(v[5]));
	snprintf(v[6], sizeof(v[6]), "%" PRIu64, s->ts_samples);
	snprintf(v[7], sizeof(v[7]), "%" PRIu64, s->ts_sum);
	{
		static const char *const suffix[] = {"_min",        "_max",     "_mean", "_stddev",
						     "_sumsquares", "_samples", "_sum"};
		static const char *const stat[]   = {"min",         "max",     "mean", "stddev",
						     "sumsquares",  "samples", "sum"};

		for (int i = 0; i < 7 && rc == 0; i++)
			rc = xp_add(xc, &xn, suffix[i], s->ts_desc, s->ts_path,
				    i == 5 ? "" : s->ts_units, stat[i], XP_GAUGE, v[i + 1]);
	}
	return rc;
}

static int
xp_cmp(const void *a, const void *b)
{
	const struct xp_series *x = a;
	const struct xp_series *y = b;
	int                     c;

	c = strcmp(x->xs_name, y->xs_name);
	if (c == 0)
		c = strcmp(x->xs_labels, y->xs_labels);
	if (c == 0)
		c = (x->xs_src > y->xs_src) - (x->xs_src < y->xs_src);
	if (c == 0)
		c = (x->xs_order > y->xs_order) - (x->xs_order < y->xs_order);
	return c;
}

static bool
xp_has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name);
	size_t s = strlen(suffix);

	return n >= s && strcmp(name + n - s, suffix) == 0;
}

/* The TYPE of the family of series v[0..nr) (telemetry.h, "TYPE decision"). */
static const char *
xp_family_type(const struct xp_series *v, size_t nr)
{
	const char *name = v[0].xs_name;

	for (size_t i = 1; i < nr; i++)
		if (v[i].xs_kind != v[0].xs_kind)
			return "untyped";
	if (v[0].xs_kind == XP_COUNTER)
		return xp_has_suffix(name, "_total") ? "counter" : "untyped";
	if (xp_has_suffix(name, "_total") || xp_has_suffix(name, "_count") ||
	    xp_has_suffix(name, "_bucket") || xp_has_suffix(name, "_sum"))
		return "untyped";
	return "gauge";
}

static int
xp_print_help(FILE *out, const char *name, const char *help)
{
	if (fprintf(out, "# HELP %s ", name) < 0)
		return -DER_IO;
	for (; *help != '\0'; help++) {
		int rc;

		if (*help == '\\')
			rc = fputs("\\\\", out);
		else if (*help == '\n')
			rc = fputs("\\n", out);
		else
			rc = fputc(*help, out);
		if (rc == EOF)
			return -DER_IO;
	}
	return fputc('\n', out) == EOF ? -DER_IO : 0;
}

static int
xp_print(FILE *out, struct xp_series *v, size_t nr)
{
	size_t i = 0;

	while (i < nr) {
		size_t end = i + 1;
		int    rc;

		while (end < nr && strcmp(v[end].xs_name, v[i].xs_name) == 0)
			end++;
		rc = xp_print_help(out, v[i].xs_name, v[i].xs_help);
		if (rc != 0)
			return rc;
		if (fprintf(out, "# TYPE %s %s\n", v[i].xs_name, xp_family_type(v + i, end - i)) <
		    0)
			return -DER_IO;
		for (size_t j = i; j < end; j++) {
			/* E3: sorted, so a duplicate follows its first */
			if (j > i && strcmp(v[j].xs_labels, v[j - 1].xs_labels) == 0)
				continue;
			if (fprintf(out, "%s%s %s\n", v[j].xs_name, v[j].xs_labels,
				    v[j].xs_value) < 0)
				return -DER_IO;
		}
		i = end;
	}
	return 0;
}

static bool
xp_prefix_ok(const char *prefix)
{
	size_t len;

	if (prefix == NULL)
		return false;
	len = strnlen(prefix, D_TM_PREFIX_MAX + 1);
	if (len == 0 || len > D_TM_PREFIX_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = prefix[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

int
d_tm_export_prometheus(const struct d_tm_source *srcs, int nsrcs, const char *prefix, FILE *out)
{
	struct xp_ctx xc    = {.xc_prefix = prefix};
	bool          again = false;
	int           rc    = 0;

	if (out == NULL || nsrcs < 0 || nsrcs > D_TM_EXPORT_SOURCES_MAX ||
	    (nsrcs > 0 && srcs == NULL) || !xp_prefix_ok(prefix))
		return -DER_INVAL;
	for (int i = 0; i < nsrcs; i++)
		if (srcs[i].src_reader == NULL)
			return -DER_INVAL;

	for (int i = 0; i < nsrcs; i++) {
		xc.xc_src  = i;
		xc.xc_rank = srcs[i].src_rank;
		rc         = d_tm_walk(srcs[i].src_reader, NULL, xp_collect_cb, &xc);
		if (rc == -DER_AGAIN) {
			again = true;
			rc    = 0;
		}
		if (rc != 0)
			goto out;
	}
	if (xc.xc_nr > 0)
		qsort(xc.xc_v, xc.xc_nr, sizeof(*xc.xc_v), xp_cmp);
	rc = xp_print(out, xc.xc_v, xc.xc_nr);
	if (rc == 0 && (fflush(out) != 0 || ferror(out)))
		rc = -DER_IO;
	if (rc == 0 && again)
		rc = -DER_AGAIN;
out:
	for (size_t i = 0; i < xc.xc_nr; i++)
		free(xc.xc_v[i].xs_buf);
	free(xc.xc_v);
	return rc;
}

/* ---- CSV ---- */

struct csv_ctx {
	FILE *cc_out;
	bool  cc_meta;
};

/* One RFC 4180 field: quoted when it holds ',', '"', CR or LF. */
static int
csv_field(FILE *out, const char *f, bool first)
{
	if (!first && fputc(',', out) == EOF)
		return -DER_IO;
	if (strpbrk(f, ",\"\r\n") == NULL)
		return fputs(f, out) == EOF ? -DER_IO : 0;
	if (fputc('"', out) == EOF)
		return -DER_IO;
	for (; *f != '\0'; f++) {
		if (*f == '"' && fputc('"', out) == EOF)
			return -DER_IO;
		if (fputc(*f, out) == EOF)
			return -DER_IO;
	}
	return fputc('"', out) == EOF ? -DER_IO : 0;
}

static int
csv_cb(const struct d_tm_sample *s, void *arg)
{
	struct csv_ctx *cc   = arg;
	int             type = s->ts_type & ~D_TM_CLOCK_MASK;
	bool            stats;
	char            f[7][40];
	int             nf = 0;
	int             rc;

	if (type == D_TM_DIRECTORY)
		return 0;
	stats = d_tm_type_has_stats((uint32_t)type);
	snprintf(f[nf++], sizeof(f[0]), "%" PRIu64, s->ts_value);
	if (stats) {
		snprintf(f[nf++], sizeof(f[0]), "%" PRIu64, s->ts_min);
		snprintf(f[nf++], sizeof(f[0]), "%" PRIu64, s->ts_max);
		xp_fmt_double(s->ts_mean, f[nf++], sizeof(f[0]));
		snprintf(f[nf++], sizeof(f[0]), "%" PRIu64, s->ts_samples);
		snprintf(f[nf++], sizeof(f[0]), "%" PRIu64, s->ts_sum);
		xp_fmt_double(s->ts_stddev, f[nf++], sizeof(f[0]));
	} else if (cc->cc_meta) {
		for (; nf < 7; nf++)
			f[nf][0] = '\0'; /* keep the header's ten columns */
	}
	rc = csv_field(cc->cc_out, s->ts_path, true);
	for (int i = 0; i < nf && rc == 0; i++)
		rc = csv_field(cc->cc_out, f[i], false);
	if (rc == 0 && cc->cc_meta)
		rc = csv_field(cc->cc_out, s->ts_desc, false);
	if (rc == 0 && cc->cc_meta)
		rc = csv_field(cc->cc_out, s->ts_units, false);
	if (rc == 0 && fputc('\n', cc->cc_out) == EOF)
		rc = -DER_IO;
	return rc;
}

int
d_tm_export_csv(struct d_tm_reader *r, const char *subpath, bool meta, FILE *out)
{
	struct csv_ctx cc = {.cc_out = out, .cc_meta = meta};
	int            rc;

	if (r == NULL || out == NULL)
		return -DER_INVAL;
	if (meta && fputs("name,value,min,max,mean,sample_size,sum,std_dev,description,units\n",
			  out) == EOF)
		return -DER_IO;
	rc = d_tm_walk(r, subpath, csv_cb, &cc);
	if ((rc == 0 || rc == -DER_AGAIN) && (fflush(out) != 0 || ferror(out)))
		rc = -DER_IO;
	return rc;
}
