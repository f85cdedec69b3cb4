/*
 * dmg_telemetry.c: dmg telemetry metrics list|query and telemetry config.
 *
 *   metrics list|query  GET http://<host>:<port>/metrics (plain HTTP, as the
 *                       server serves it; host -l/--host or the one host of
 *                       -l before the command, default localhost; port
 *                       -p/--port, default 9191), parse the text strictly
 *                       (dmg_prom.c) and print DAOS's tables: list: Metric
 *                       Set . Type . Description (sorted by name); query:
 *                       "- Metric Set: <name> (Type: <T>)", the description
 *                       and a Metric . Labels . Value table per family, for
 *                       every family or those of -m.
 *   config              write $HOME/.prometheus.yml with a job "daos"
 *                       (scrape_interval 5s) whose targets are the host
 *                       list's hosts at their telemetry port (-p for all, or
 *                       each server's answer to telemetry_info, 9191 when it
 *                       does not answer; servers with telemetry disabled are
 *                       left out), then make prometheus available in the
 *                       install directory (-i, else the first writable
 *                       directory of $PATH) as a symbolic link to Debian's
 *                       /usr/bin/prometheus. An existing .prometheus.yml is
 *                       replaced (atomically), as DAOS's dmg does.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "tools/dmg/dmg.h"

/* The lower-case name DAOS's JSON uses. */
static const char *
tm_type_json(enum dmg_prom_type t)
{
	switch (t) {
	case DMG_PROM_COUNTER:
		return "counter";
	case DMG_PROM_GAUGE:
		return "gauge";
	case DMG_PROM_SUMMARY:
		return "summary";
	case DMG_PROM_HISTOGRAM:
		return "histogram";
	default:
		return "generic";
	}
}

/* ---- Rendering ---- */

static int
tm_fam_ptr_cmp(const void *a, const void *b)
{
	const struct dmg_prom_family *x = *(const struct dmg_prom_family *const *)a;
	const struct dmg_prom_family *y = *(const struct dmg_prom_family *const *)b;

	return strcmp(x->pf_name, y->pf_name);
}

/* Every family, sorted by name (as DAOS lists them); NULL on no memory unless empty. */
static const struct dmg_prom_family **
tm_sorted(const struct dmg_prom *p)
{
	const struct dmg_prom_family **v = malloc((p->pm_nr + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	for (uint32_t i = 0; i < p->pm_nr; i++)
		v[i] = &p->pm_fams[i];
	if (p->pm_nr > 1)
		qsort(v, p->pm_nr, sizeof(*v), tm_fam_ptr_cmp);
	return v;
}

/* A JSON number as Go marshals a float64 (integral values without ".0"); the
 * non-finite ones as DAOS's strings. */
static json_t *
tm_json_num(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "+Inf" : "-Inf");
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static uint64_t
tm_count(double v)
{
	if (isnan(v) || v <= 0)
		return 0;
	if (v >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)v;
}

int
dmg_render_metrics_list(const struct dmg_prom *p, struct cli_out *out, json_t **response)
{
	static const char *const       titles[] = {"Metric Set", "Type", "Description"};
	const struct dmg_prom_family **v;
	struct cli_table               t;
	json_t                        *sets = json_array();
	json_t                        *resp = json_object();
	int                            rc;

	*response = NULL;
	v         = tm_sorted(p);
	rc        = cli_table_init(&t, 3, titles, 0);
	if (rc != 0 || v == NULL || sets == NULL || resp == NULL ||
	    json_object_set(resp, "available_metric_sets", sets) != 0) {
		rc = rc != 0 ? rc : -DER_NOMEM;
		goto out;
	}
	t.t_full_cols = 1u << 0;
	for (uint32_t i = 0; i < p->pm_nr && rc == 0; i++) {
		const char *cells[3] = {v[i]->pf_name, dmg_prom_type_name(v[i]->pf_type),
					v[i]->pf_help != NULL ? v[i]->pf_help : ""};
		json_t     *o;

		rc = cli_table_add(&t, cells);
		if (rc != 0)
			break;
		/* DAOS's key order: type first (its MarshalJSON), then the fields. */
		o = json_pack("{s:s, s:s, s:s, s:n}", "type", tm_type_json(v[i]->pf_type), "name",
			      v[i]->pf_name, "description", cells[2], "metrics");
		if (o == NULL || json_array_append_new(sets, o) != 0)
			rc = -DER_NOMEM;
	}
	if (rc == 0 && p->pm_nr > 0)
		rc = cli_table_render(&t, out);
	if (rc == 0) {
		*response = resp;
		resp      = NULL;
	}
out:
	cli_table_fini(&t);
	json_decref(sets);
	json_decref(resp);
	free(v);
	return rc;
}

/* "(a=x, b=y)" of a sample's labels but @skip (NULL: none); "N/A" without labels. */
static int
tm_labels_str(const struct dmg_prom_sample *s, const char *skip, struct cli_out *o)
{
	uint32_t shown = 0;
	int      rc    = 0;

	for (uint32_t i = 0; i < s->ps_nlabels && rc == 0; i++) {
		if (skip != NULL && strcmp(s->ps_labels[i].pl_name, skip) == 0)
			continue;
		rc = cli_out_printf(o, "%s%s=%s", shown == 0 ? "(" : ", ", s->ps_labels[i].pl_name,
				    s->ps_labels[i].pl_value);
		shown++;
	}
	if (rc == 0)
		rc = cli_out_printf(o, "%s", shown == 0 ? "N/A" : ")");
	return rc;
}

/* {"name": "value", ...} of a sample's labels but @skip (sorted, as Go marshals maps). */
static json_t *
tm_labels_json(const struct dmg_prom_sample *s, const char *skip)
{
	json_t *o = json_object();

	for (uint32_t i = 0; o != NULL && i < s->ps_nlabels; i++) {
		if (skip != NULL && strcmp(s->ps_labels[i].pl_name, skip) == 0)
			continue;
		if (json_object_set_new(o, s->ps_labels[i].pl_name,
					json_string(s->ps_labels[i].pl_value)) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* One table row: the Metric column, the labels (but @skip) and a value text. */
static int
tm_row(struct cli_table *t, const char *metric, const struct dmg_prom_sample *s, const char *skip,
       const char *value)
{
	struct cli_out lab;
	const char    *cells[3];
	int            rc;

	cli_out_init(&lab);
	rc = tm_labels_str(s, skip, &lab);
	if (rc == 0) {
		cells[0] = metric;
		cells[1] = lab.o_buf;
		cells[2] = value;
		rc       = cli_table_add(t, cells);
	}
	cli_out_fini(&lab);
	return rc;
}

/* Group order of a summary's or histogram's samples: labels but @skip, then line. */
static int
tm_group_key_cmp(const struct dmg_prom_sample *a, const struct dmg_prom_sample *b, const char *skip)
{
	uint32_t i = 0, j = 0;

	for (;;) {
		int c;

		while (i < a->ps_nlabels && strcmp(a->ps_labels[i].pl_name, skip) == 0)
			i++;
		while (j < b->ps_nlabels && strcmp(b->ps_labels[j].pl_name, skip) == 0)
			j++;
		if (i == a->ps_nlabels || j == b->ps_nlabels)
			return (i < a->ps_nlabels) - (j < b->ps_nlabels);
		c = strcmp(a->ps_labels[i].pl_name, b->ps_labels[j].pl_name);
		if (c == 0)
			c = strcmp(a->ps_labels[i].pl_value, b->ps_labels[j].pl_value);
		if (c != 0)
			return c;
		i++;
		j++;
	}
}

static int
tm_group_cmp(const void *a, const void *b, void *skip)
{
	const struct dmg_prom_sample *x = *(const struct dmg_prom_sample *const *)a;
	const struct dmg_prom_sample *y = *(const struct dmg_prom_sample *const *)b;
	int                           c = tm_group_key_cmp(x, y, skip);

	if (c == 0)
		c = (x->ps_line > y->ps_line) - (x->ps_line < y->ps_line);
	return c;
}

/* A group: v[g_start .. g_start + g_nr) of the sorted samples. */
struct tm_group {
	uint32_t g_start;
	uint32_t g_nr;
	uint32_t g_line; /* first line: groups print in text order */
};

static int
tm_groupv_cmp(const void *a, const void *b)
{
	const struct tm_group *x = a;
	const struct tm_group *y = b;

	return (x->g_line > y->g_line) - (x->g_line < y->g_line);
}

static int
tm_quant_cmp(const void *a, const void *b)
{
	const struct dmg_prom_sample *x  = *(const struct dmg_prom_sample *const *)a;
	const struct dmg_prom_sample *y  = *(const struct dmg_prom_sample *const *)b;
	double                        qx = strtod(dmg_prom_label(x, "quantile"), NULL);
	double                        qy = strtod(dmg_prom_label(y, "quantile"), NULL);

	return (qx > qy) - (qx < qy);
}

/* The rows and JSON metrics of one summary or histogram group. */
static int
tm_group_render(const struct dmg_prom_family *f, const struct dmg_prom_sample **g, uint32_t nr,
		struct cli_table *t, json_t *metrics)
{
	bool                          hist  = f->pf_type == DMG_PROM_HISTOGRAM;
	const char                   *skip  = hist ? "le" : "quantile";
	const struct dmg_prom_sample *first = g[0];
	uint64_t                      count = 0;
	double                        sum   = 0;
	char                          val[48], name[96];
	json_t                       *m, *parts;
	uint32_t                      np = 0;
	int                           rc;

	for (uint32_t i = 0; i < nr; i++) {
		if (g[i]->ps_suffix == DMG_PROM_SFX_COUNT)
			count = tm_count(g[i]->ps_value);
		else if (g[i]->ps_suffix == DMG_PROM_SFX_SUM)
			sum = g[i]->ps_value;
	}
	/* Quantiles sorted by quantile, buckets in text order (as DAOS shows them). */
	for (uint32_t i = 0; i < nr; i++)
		if ((hist && g[i]->ps_suffix == DMG_PROM_SFX_BUCKET) ||
		    (!hist && g[i]->ps_suffix == DMG_PROM_SFX_NONE))
			g[np++] = g[i];
	if (!hist && np > 1)
		qsort(g, np, sizeof(*g), tm_quant_cmp);

	snprintf(val, sizeof(val), "%" PRIu64, count);
	rc = tm_row(t, "Sample Count", first, skip, val);
	dmg_prom_fmt_value(sum, val, sizeof(val));
	if (rc == 0)
		rc = tm_row(t, "Sample Sum", first, skip, val);
	m     = json_object();
	parts = hist ? json_array() : json_object();
	if (m == NULL || parts == NULL ||
	    json_object_set_new(m, "labels", tm_labels_json(first, skip)) ||
	    json_object_set_new(
		    m, "sample_count",
		    json_integer((json_int_t)(count > INT64_MAX ? INT64_MAX : count))) ||
	    json_object_set_new(m, "sample_sum", tm_json_num(sum)) ||
	    json_object_set(m, hist ? "buckets" : "quantiles", parts) ||
	    json_array_append(metrics, m)) {
		rc = rc != 0 ? rc : -DER_NOMEM;
	}
	for (uint32_t i = 0; i < np && rc == 0; i++) {
		double bound = strtod(dmg_prom_label(g[i], skip), NULL);
		char   bstr[48];

		dmg_prom_fmt_value(bound, bstr, sizeof(bstr));
		if (hist) {
			json_t *b;

			snprintf(name, sizeof(name), "Bucket(%u) Upper Bound", i);
			rc = tm_row(t, name, first, skip, bstr);
			snprintf(name, sizeof(name), "Bucket(%u) Cumulative Count", i);
			snprintf(val, sizeof(val), "%" PRIu64, tm_count(g[i]->ps_value));
			if (rc == 0)
				rc = tm_row(t, name, first, skip, val);
			b = json_pack("{s:s, s:I, s:o}", "label", "", "cumulative_count",
				      (json_int_t)(tm_count(g[i]->ps_value) > INT64_MAX
							   ? INT64_MAX
							   : tm_count(g[i]->ps_value)),
				      "upper_bound", tm_json_num(bound));
			if (rc == 0 && (b == NULL || json_array_append_new(parts, b) != 0))
				rc = -DER_NOMEM;
		} else {
			snprintf(name, sizeof(name), "Quantile(%s)", bstr);
			dmg_prom_fmt_value(g[i]->ps_value, val, sizeof(val));
			rc = tm_row(t, name, first, skip, val);
			if (rc == 0 && json_object_set_new(parts, bstr, json_string(val)) != 0)
				rc = -DER_NOMEM;
		}
	}
	json_decref(parts);
	json_decref(m);
	return rc;
}

/* Table rows and JSON metrics of one family. */
static int
tm_family_rows(const struct dmg_prom_family *f, struct cli_table *t, json_t *metrics)
{
	const struct dmg_prom_sample **v;
	struct tm_group               *groups;
	const char                    *skip;
	uint32_t                       ng = 0;
	char                           val[48];
	int                            rc = 0;

	if (f->pf_type != DMG_PROM_SUMMARY && f->pf_type != DMG_PROM_HISTOGRAM) {
		for (uint32_t i = 0; i < f->pf_nr && rc == 0; i++) {
			const struct dmg_prom_sample *s = &f->pf_samples[i];
			json_t                       *m;

			dmg_prom_fmt_value(s->ps_value, val, sizeof(val));
			rc = tm_row(t, dmg_prom_type_name(f->pf_type), s, NULL, val);
			m  = json_object();
			if (rc == 0 &&
			    (m == NULL ||
			     json_object_set_new(m, "labels", tm_labels_json(s, NULL)) != 0 ||
			     json_object_set_new(m, "value", tm_json_num(s->ps_value)) != 0 ||
			     json_array_append(metrics, m) != 0))
				rc = -DER_NOMEM;
			json_decref(m);
		}
		return rc;
	}
	v      = malloc(f->pf_nr * sizeof(*v));
	groups = malloc(f->pf_nr * sizeof(*groups));
	if (v == NULL || groups == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < f->pf_nr; i++)
		v[i] = &f->pf_samples[i];
	skip = f->pf_type == DMG_PROM_HISTOGRAM ? "le" : "quantile";
	qsort_r(v, f->pf_nr, sizeof(*v), tm_group_cmp, (void *)skip);
	for (uint32_t i = 0; i < f->pf_nr; i++) {
		if (i == 0 || tm_group_key_cmp(v[i - 1], v[i], skip) != 0) {
			groups[ng].g_start = i;
			groups[ng].g_nr    = 0;
			groups[ng].g_line  = v[i]->ps_line;
			ng++;
		}
		groups[ng - 1].g_nr++;
		if (v[i]->ps_line < groups[ng - 1].g_line)
			groups[ng - 1].g_line = v[i]->ps_line;
	}
	qsort(groups, ng, sizeof(*groups), tm_groupv_cmp);
	for (uint32_t g = 0; g < ng && rc == 0; g++)
		rc = tm_group_render(f, v + groups[g].g_start, groups[g].g_nr, t, metrics);
out:
	free(v);
	free(groups);
	return rc;
}

int
dmg_render_metrics_query(const struct dmg_prom *p, const json_t *names, struct cli_out *out,
			 json_t **response, char *errbuf, size_t errlen)
{
	static const char *const       titles[] = {"Metric", "Labels", "Value"};
	const struct dmg_prom_family **v        = NULL;
	uint32_t                       nr       = 0;
	json_t                        *sets     = json_array();
	json_t                        *resp     = json_object();
	int                            rc       = 0;

	*response = NULL;
	if (sets == NULL || resp == NULL || json_object_set(resp, "metric_sets", sets) != 0) {
		rc = -DER_NOMEM;
		goto out;
	}
	if (names != NULL) {
		v = malloc((json_array_size(names) + 1) * sizeof(*v));
		if (v == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < json_array_size(names); i++) {
			const char *n = json_string_value(json_array_get(names, i));

			v[nr] = n != NULL ? dmg_prom_find(p, n) : NULL;
			if (v[nr] == NULL) {
				d_errbuf_printf(errbuf, errlen, "metric \"%s\" not found on host",
						n != NULL ? n : "");
				rc = -DER_NONEXIST;
				goto out;
			}
			nr++;
		}
	} else {
		v  = tm_sorted(p);
		nr = p->pm_nr;
		if (v == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		const struct dmg_prom_family *f = v[i];
		struct cli_table              t;
		json_t                       *metrics = json_array();
		json_t                       *o;

		o = json_pack("{s:s, s:s, s:s, s:O}", "type", tm_type_json(f->pf_type), "name",
			      f->pf_name, "description", f->pf_help != NULL ? f->pf_help : "",
			      "metrics", metrics);
		if (metrics == NULL || o == NULL || json_array_append_new(sets, o) != 0) {
			json_decref(metrics);
			rc = -DER_NOMEM;
			break;
		}
		rc = cli_out_printf(out, "- Metric Set: %s (Type: %s)\n  ", f->pf_name,
				    dmg_prom_type_name(f->pf_type));
		if (rc == 0)
			rc = cli_out_puts_safe(out, f->pf_help != NULL ? f->pf_help : "");
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
		if (rc == 0 && f->pf_nr == 0)
			rc = cli_out_printf(out, "    No metrics found\n");
		if (rc == 0 && f->pf_nr > 0) {
			rc = cli_table_init(&t, 3, titles, 4);
			if (rc == 0) {
				t.t_full_cols = (1u << 0) | (1u << 2);
				rc            = tm_family_rows(f, &t, metrics);
				if (rc == 0)
					rc = cli_table_render(&t, out);
				cli_table_fini(&t);
			}
		}
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
		json_decref(metrics);
	}
	if (rc == 0) {
		*response = resp;
		resp      = NULL;
	}
out:
	json_decref(sets);
	json_decref(resp);
	free(v);
	return rc;
}

/* ---- HTTP ---- */

struct tm_body {
	char  *tb_buf;
	size_t tb_len;
	size_t tb_cap;
	bool   tb_over;
};

static size_t
tm_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct tm_body *b = arg;
	size_t          n = size * nmemb;

	if (n > DMG_TM_BODY_MAX - b->tb_len) {
		b->tb_over = true;
		return 0; /* aborts the transfer */
	}
	if (b->tb_len + n + 1 > b->tb_cap) {
		size_t cap = b->tb_cap == 0 ? 64 << 10 : b->tb_cap;
		char  *buf;

		while (cap < b->tb_len + n + 1)
			cap *= 2;
		if (cap > (size_t)DMG_TM_BODY_MAX + 1)
			cap = (size_t)DMG_TM_BODY_MAX + 1;
		buf = realloc(b->tb_buf, cap);
		if (buf == NULL)
			return 0;
		b->tb_buf = buf;
		b->tb_cap = cap;
	}
	memcpy(b->tb_buf + b->tb_len, data, n);
	b->tb_len += n;
	b->tb_buf[b->tb_len] = '\0';
	return n;
}

/* GET http://host:port/metrics into *body (malloc, NUL-terminated). */
static int
tm_http_get(const char *host, uint32_t port, char **body, size_t *len, char *errbuf, size_t errlen)
{
	struct tm_body b = {0};
	char           url[DMG_TM_HOST_MAX + 32];
	char           cerr[CURL_ERROR_SIZE] = "";
	long           status                = 0;
	CURL          *c;
	CURLcode       cc;
	int            rc = 0;

	*body = NULL;
	*len  = 0;
	snprintf(url, sizeof(url), "http://%s:%u/metrics", host, port);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		d_errbuf_printf(errbuf, errlen, "cannot initialise libcurl");
		return -DER_MISC;
	}
	c = curl_easy_init();
	if (c == NULL) {
		curl_global_cleanup();
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	/* Plain HTTP only, no redirects, never through a proxy (DAOS's dmg uses
	 * one only with --allow-proxy, which we do not have). */
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROXY, "*") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)DMG_TM_TIMEOUT_MS) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)DMG_TM_CONNECT_TIMEOUT_MS) !=
		    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tm_write) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr) != CURLE_OK) {
		d_errbuf_printf(errbuf, errlen, "cannot set up the HTTP request");
		rc = -DER_MISC;
		goto out;
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		const char *why = cerr[0] != '\0' ? cerr : curl_easy_strerror(cc);

		if (b.tb_over) {
			d_errbuf_printf(errbuf, errlen, "the answer of %s exceeds %u bytes", url,
					DMG_TM_BODY_MAX);
			rc = -DER_OVERFLOW;
		} else if (cc == CURLE_OPERATION_TIMEDOUT) {
			d_errbuf_printf(errbuf, errlen, "GET %s: %s", url, why);
			rc = -DER_TIMEDOUT;
		} else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST) {
			d_errbuf_printf(errbuf, errlen, "GET %s: %s", url, why);
			rc = -DER_UNREACH;
		} else if (cc == CURLE_WRITE_ERROR) {
			d_errbuf_printf(errbuf, errlen, "out of memory");
			rc = -DER_NOMEM;
		} else {
			d_errbuf_printf(errbuf, errlen, "GET %s: %s", url, why);
			rc = -DER_IO;
		}
		goto out;
	}
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		d_errbuf_printf(errbuf, errlen, "GET %s: HTTP status %ld", url, status);
		rc = status == 404 ? -DER_NONEXIST : -DER_IO;
		goto out;
	}
	*body    = b.tb_buf;
	*len     = b.tb_len;
	b.tb_buf = NULL;
out:
	free(b.tb_buf);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc;
}

/* A host name or IPv4 address we put in a URL or a YAML string. */
static bool
tm_host_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > DMG_TM_HOST_MAX || h[0] == '-' || h[0] == '.')
		return false;
	for (; *h != '\0'; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '.' || *h == '-' || *h == '_'))
			return false;
	return true;
}

/* "host:port" -> "host" (the part before the last ':'). */
static void
tm_strip_port(const char *addr, char *host, size_t len)
{
	const char *c = strrchr(addr, ':');
	size_t      n = c != NULL ? (size_t)(c - addr) : strlen(addr);

	if (n >= len)
		n = len - 1;
	memcpy(host, addr, n);
	host[n] = '\0';
}

/* The host of metrics commands: --host, else the one host of -l, else localhost. */
static int
tm_metrics_host(const struct dmg_args *args, char *host, size_t len, char *errbuf, size_t errlen)
{
	char   **hosts = NULL;
	uint32_t nr    = 0;
	int      rc    = 0;

	if (args->da_tm_host != NULL) {
		snprintf(host, len, "%s", args->da_tm_host);
		return 0;
	}
	if (args->da_hostlist_nr == 0) {
		snprintf(host, len, "localhost");
		return 0;
	}
	for (uint32_t i = 0; i < args->da_hostlist_nr && rc == 0; i++)
		rc = dmg_hosts_add(&hosts, &nr, args->da_hostlist[i], 1, errbuf, errlen);
	if (rc == 0 && nr != 1) {
		d_errbuf_printf(errbuf, errlen,
				"only one host may be queried at a time (-l names %u hosts)", nr);
		rc = -DER_INVAL;
	}
	if (rc == 0) {
		/* A port in -l is a control port: the telemetry port is -p's. */
		tm_strip_port(hosts[0], host, len);
		if (!tm_host_ok(host)) {
			d_errbuf_printf(errbuf, errlen,
					"cannot query '%s': expected a host name or IPv4 address",
					host);
			rc = -DER_INVAL;
		}
	}
	dmg_hosts_free(hosts, nr);
	return rc;
}

int
dmg_telemetry_metrics_run(const struct dmg_args *args, struct cli_out *out, json_t **response,
			  char *errbuf, size_t errlen)
{
	bool            list = args->da_cmd == DMG_CMD_TELEMETRY_METRICS_LIST;
	const char     *verb = list ? "list" : "query";
	struct dmg_prom prom;
	char            host[DMG_TM_HOST_MAX + 1];
	char            why[DMG_MSG_MAX];
	char           *body = NULL;
	size_t          len  = 0;
	int             rc;

	*response = NULL;
	memset(&prom, 0, sizeof(prom));
	rc = tm_metrics_host(args, host, sizeof(host), errbuf, errlen);
	if (rc != 0)
		return rc;
	if (!args->da_json) {
		rc = cli_out_printf(out, "connecting to %s:%u...\n", host, args->da_tm_port);
		if (rc != 0)
			return rc;
	}
	rc = tm_http_get(host, args->da_tm_port, &body, &len, why, sizeof(why));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "unable to %s metrics: %s", verb, why);
		return rc;
	}
	rc = dmg_prom_parse(body, len, &prom, why, sizeof(why));
	free(body);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen,
				"unable to %s metrics: bad metrics text from %s:%u: %s", verb, host,
				args->da_tm_port, why);
		goto out;
	}
	if (list)
		rc = dmg_render_metrics_list(&prom, out, response);
	else
		rc = dmg_render_metrics_query(&prom, args->da_tm_metrics, out, response, errbuf,
					      errlen);
	if (rc == -DER_NOMEM || rc == -DER_OVERFLOW)
		d_errbuf_printf(errbuf, errlen, "%s",
				rc == -DER_NOMEM ? "out of memory" : "output too large");
out:
	dmg_prom_fini(&prom);
	return rc;
}

/* ---- config ---- */

int
dmg_prom_config_text(const char *const *targets, uint32_t nr, struct cli_out *out)
{
	int rc;

	rc = cli_out_printf(
		out,
		"# Written by 'dmg telemetry config': Prometheus scrapes the telemetry endpoint\n"
		"# (telemetry_port) of the DAOS servers of the dmg host list. Start it with\n"
		"#   prometheus --config.file=<this file>\n"
		"global:\n"
		"  scrape_interval: 15s\n"
		"scrape_configs:\n"
		"  - job_name: daos\n"
		"    scrape_interval: %s\n"
		"    static_configs:\n"
		"      - targets:%s\n",
		DMG_TM_SCRAPE_INTERVAL, nr == 0 ? " []" : "");
	for (uint32_t i = 0; i < nr && rc == 0; i++)
		rc = cli_out_printf(out, "          - '%s'\n", targets[i]);
	return rc;
}

int
dmg_prom_install(const char *dir, const char *bin, char *link, bool *created, char *errbuf,
		 size_t errlen)
{
	struct stat st;

	*created = false;
	if (stat(dir, &st) != 0) {
		d_errbuf_printf(errbuf, errlen, "install directory '%s': %s", dir, strerror(errno));
		return errno == ENOENT ? -DER_NONEXIST : d_errno2der(errno);
	}
	if (!S_ISDIR(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "install directory '%s' is not a directory", dir);
		return -DER_INVAL;
	}
	if ((size_t)snprintf(link, DMG_TM_PATH_MAX, "%s%sprometheus", dir,
			     dir[strlen(dir) - 1] == '/' ? "" : "/") >= DMG_TM_PATH_MAX) {
		d_errbuf_printf(errbuf, errlen, "install directory path is too long");
		return -DER_INVAL;
	}
	if (lstat(link, &st) == 0) {
		/* Already there (our link of an earlier run, or an installation). */
		if (stat(link, &st) == 0 && S_ISREG(st.st_mode) && access(link, X_OK) == 0)
			return 0;
		d_errbuf_printf(
			errbuf, errlen,
			"%s exists but is not an executable prometheus: remove it or choose "
			"another --install-dir",
			link);
		return -DER_EXIST;
	}
	if (stat(bin, &st) != 0 || !S_ISREG(st.st_mode) || access(bin, X_OK) != 0) {
		d_errbuf_printf(errbuf, errlen,
				"prometheus is not installed (no %s): install the Debian package "
				"'prometheus' (apt-get install prometheus), then run this command "
				"again",
				bin);
		return -DER_NONEXIST;
	}
	if (symlink(bin, link) != 0) {
		int err = errno;

		d_errbuf_printf(errbuf, errlen, "cannot create %s: %s", link, strerror(err));
		return d_errno2der(err);
	}
	*created = true;
	return 0;
}

/* The first writable directory of $PATH (DAOS's choice without -i). */
static int
tm_install_dir(char *dir, size_t len, char *errbuf, size_t errlen)
{
	const char *path = getenv("PATH");
	const char *p    = path;

	while (p != NULL && *p != '\0') {
		const char *c = strchr(p, ':');
		size_t      n = c != NULL ? (size_t)(c - p) : strlen(p);
		struct stat st;

		/* Empty entries mean the current directory: never install there silently. */
		if (n > 0 && n < len) {
			memcpy(dir, p, n);
			dir[n] = '\0';
			if (dir[0] == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
			    access(dir, W_OK | X_OK) == 0)
				return 0;
		}
		p = c != NULL ? c + 1 : NULL;
	}
	d_errbuf_printf(
		errbuf, errlen,
		"no writable directory in $PATH for prometheus: give one with --install-dir");
	return -DER_NONEXIST;
}

/* Write @text to @path atomically (temporary file, fsync, rename), mode 0644. */
static int
tm_write_file(const char *path, const char *text, size_t len, char *errbuf, size_t errlen)
{
	char   tmp[DMG_TM_PATH_MAX + 32];
	size_t off = 0;
	int    fd;
	int    err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp)) {
		d_errbuf_printf(errbuf, errlen, "path too long: %s", path);
		return -DER_INVAL;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	if (err == 0 && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, path) != 0)
		err = errno;
	if (err == 0)
		return 0;
	(void)unlink(tmp);
fail:
	d_errbuf_printf(errbuf, errlen, "cannot write %s: %s", path, strerror(err));
	return d_errno2der(err);
}

/* $HOME/.prometheus.yml. */
static int
tm_config_path(char *path, size_t len, char *errbuf, size_t errlen)
{
	const char    *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || home[0] == '\0') {
		pw   = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (home == NULL || home[0] == '\0') {
		d_errbuf_printf(errbuf, errlen, "no home directory ($HOME unset)");
		return -DER_NONEXIST;
	}
	if ((size_t)snprintf(path, len, "%s/%s", home, DMG_TM_PROM_CONFIG) >= len) {
		d_errbuf_printf(errbuf, errlen, "home directory path is too long");
		return -DER_INVAL;
	}
	return 0;
}

/* Append "host:port" to the targets unless listed. */
static int
tm_target_add(json_t *targets, const char *host, uint32_t port)
{
	char t[DMG_TM_HOST_MAX + 16];

	snprintf(t, sizeof(t), "%s:%u", host, port);
	for (size_t i = 0; i < json_array_size(targets); i++)
		if (strcmp(json_string_value(json_array_get(targets, i)), t) == 0)
			return 0;
	return json_array_append_new(targets, json_string(t)) == 0 ? 0 : -DER_NOMEM;
}

/*
 * The scrape targets of the hosts: -p for every host, else each server's
 * telemetry_info (9191 when it cannot say; left out when disabled).
 */
static int
tm_config_targets(struct dmg_ctx *ctx, json_t *targets, json_t *notes, char *errbuf, size_t errlen)
{
	const struct dmg_args  *args = ctx->dc_args;
	struct dmg_ctx          one  = *ctx;
	struct dmg_host_result *res  = NULL;
	char                    addr[D_HOSTSET_HOST_BUF];
	char                   *addrp = addr;
	char                    host[D_HOSTSET_HOST_BUF];
	char                    note[DMG_MSG_MAX + 128];
	json_t                 *req;
	int                     rc = 0;

	if (args->da_tm_host != NULL) {
		/* telemetry -l <host> config: that host, at the configured control port. */
		snprintf(addr, sizeof(addr), "%s:%u", args->da_tm_host, ctx->dc_port);
		one.dc_hosts    = &addrp;
		one.dc_hosts_nr = 1;
	}
	for (uint32_t i = 0; i < one.dc_hosts_nr; i++) {
		tm_strip_port(one.dc_hosts[i], host, sizeof(host));
		if (!tm_host_ok(host)) {
			d_errbuf_printf(
				errbuf, errlen,
				"host '%s' of the host list cannot be a scrape target (expected "
				"a host name or IPv4 address)",
				host);
			return -DER_INVAL;
		}
	}
	if (args->da_tm_port_set) {
		for (uint32_t i = 0; i < one.dc_hosts_nr && rc == 0; i++) {
			tm_strip_port(one.dc_hosts[i], host, sizeof(host));
			rc = tm_target_add(targets, host, args->da_tm_port);
		}
		return rc;
	}
	req = json_object();
	if (req == NULL)
		return -DER_NOMEM;
	rc = dmg_fanout(&one, "telemetry_info", req, &res);
	json_decref(req);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot ask the servers for their telemetry port");
		return rc;
	}
	for (uint32_t i = 0; i < one.dc_hosts_nr && rc == 0; i++) {
		struct dmg_reply_ctx c    = {res[i].hr_addr, res[i].hr_err, sizeof(res[i].hr_err)};
		int64_t              port = 0;
		int                  hrc  = res[i].hr_rc;

		tm_strip_port(res[i].hr_addr, host, sizeof(host));
		if (hrc == 0)
			hrc = dmg_json_int(&c, res[i].hr_reply, "", "telemetry_port", 0, 65535,
					   &port);
		if (hrc != 0) {
			d_errbuf_printf(note, sizeof(note),
					"%s: no telemetry port from the server (%s): using %d",
					res[i].hr_addr, res[i].hr_err, DMG_TM_DEFAULT_PORT);
			port = DMG_TM_DEFAULT_PORT;
		} else if (port == 0) {
			d_errbuf_printf(note, sizeof(note),
					"%s: telemetry is disabled (telemetry_port: 0): left out",
					res[i].hr_addr);
		} else {
			note[0] = '\0';
		}
		if (note[0] != '\0' && json_array_append_new(notes, json_string(note)) != 0)
			rc = -DER_NOMEM;
		if (rc == 0 && port != 0)
			rc = tm_target_add(targets, host, (uint32_t)port);
	}
	dmg_results_free(res, one.dc_hosts_nr);
	return rc;
}

int
dmg_telemetry_config_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
			 size_t errlen)
{
	const struct dmg_args *args = ctx->dc_args;
	char                   cfg_path[DMG_TM_PATH_MAX];
	char                   dir[DMG_TM_PATH_MAX];
	char                   link[DMG_TM_PATH_MAX];
	const char           **tv      = NULL;
	json_t                *targets = json_array();
	json_t                *notes   = json_array();
	struct cli_out         yml;
	bool                   created = false;
	int                    rc;

	*response = NULL;
	cli_out_init(&yml);
	if (targets == NULL || notes == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = tm_config_path(cfg_path, sizeof(cfg_path), errbuf, errlen);
	if (rc == 0) {
		if (args->da_tm_install_dir != NULL)
			snprintf(dir, sizeof(dir), "%s", args->da_tm_install_dir);
		else
			rc = tm_install_dir(dir, sizeof(dir), errbuf, errlen);
	}
	if (rc == 0)
		rc = tm_config_targets(ctx, targets, notes, errbuf, errlen);
	if (rc != 0)
		goto out;
	tv = malloc((json_array_size(targets) + 1) * sizeof(*tv));
	if (tv == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < json_array_size(targets); i++)
		tv[i] = json_string_value(json_array_get(targets, i));
	rc = dmg_prom_config_text(tv, (uint32_t)json_array_size(targets), &yml);
	if (rc == 0)
		rc = tm_write_file(cfg_path, yml.o_buf, yml.o_len, errbuf, errlen);
	if (rc != 0)
		goto out;
	/* The configuration first: it is of use even when prometheus is missing. */
	rc = dmg_prom_install(dir, DMG_TM_PROMETHEUS_BIN, link, &created, errbuf, errlen);
	if (rc != 0) {
		char why[DMG_MSG_MAX];

		snprintf(why, sizeof(why), "%s", errbuf);
		d_errbuf_printf(errbuf, errlen, "%s (%s was written)", why, cfg_path);
		goto out;
	}
	if (!args->da_json) {
		rc = cli_out_printf(out, "Configuring Prometheus for DAOS monitoring...\n");
		for (size_t i = 0; i < json_array_size(notes) && rc == 0; i++) {
			rc = cli_out_printf(out, "Note: ");
			if (rc == 0)
				rc = cli_out_puts_safe(out,
						       json_string_value(json_array_get(notes, i)));
			if (rc == 0)
				rc = cli_out_printf(out, "\n");
		}
		if (rc == 0)
			rc = cli_out_printf(out,
					    "Wrote DAOS monitoring config to %s (job daos, "
					    "targets:",
					    cfg_path);
		for (size_t i = 0; i < json_array_size(targets) && rc == 0; i++)
			rc = cli_out_printf(out, "%s%s", i == 0 ? " " : ", ", tv[i]);
		if (rc == 0)
			rc = cli_out_printf(out, "%s)\n",
					    json_array_size(targets) == 0 ? " none" : "");
		if (rc == 0 && created)
			rc = cli_out_printf(out, "Linked %s to %s\n", link, DMG_TM_PROMETHEUS_BIN);
		else if (rc == 0)
			rc = cli_out_printf(out, "prometheus is already available as %s\n", link);
		if (rc == 0)
			rc = cli_out_printf(out, "Start it with: %s --config.file=%s\n", link,
					    cfg_path);
		if (rc != 0)
			goto out;
	}
	*response = json_pack("{s:s, s:s, s:s, s:O, s:s, s:s?, s:O}", "config_file", cfg_path,
			      "job", "daos", "scrape_interval", DMG_TM_SCRAPE_INTERVAL, "targets",
			      targets, "prometheus", link, "linked_to",
			      created ? DMG_TM_PROMETHEUS_BIN : NULL, "notes", notes);
	if (*response == NULL)
		rc = -DER_NOMEM;
out:
	if (rc == -DER_NOMEM)
		d_errbuf_printf(errbuf, errlen, "out of memory");
	free(tv);
	json_decref(targets);
	json_decref(notes);
	cli_out_fini(&yml);
	return rc;
}
