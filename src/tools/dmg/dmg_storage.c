/*
 * dmg_storage.c: dmg storage scan|format|query usage.
 *
 * Each is one call per host of the host list, in parallel (dmg_fanout).
 * Requests:
 *   storage_scan    {"verbose": <bool>}
 *   storage_format  {"force": <bool>, "replace": <bool>}
 *   storage_usage   {}
 * Reply fields read:
 *   storage_scan    scm: [{size, mount?, class?, used?}],
 *                   nvme: [{size, path?, class?, used?}]      (sizes in bytes)
 *   storage_format  results: [{idx, scm: "ok"|<error>, nvme?: "ok"|<error>|null,
 *                   rank?}]                   (nvme null or absent: no NVMe tier)
 *   storage_usage   scm_total, scm_free, nvme_total, nvme_free (bytes; the sums
 *                   over the host's running ranks)
 * Tables follow DAOS: hosts with identical results share a row (scan,
 * format); usage has one row per host, as in the administration guide.
 * format --force without -l first asks the MS for the membership
 * (system_query): the hosts of ranks on record are the ones formatted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "tools/dmg/dmg.h"

/* Largest size accepted in a reply: sums of DMG_DEVICES_MAX of them cannot
 * overflow 64 bits. */
#define STO_SIZE_MAX (UINT64_MAX / (2 * DMG_DEVICES_MAX))

/* Mark a host failed because its reply is malformed (message already in hr_err). */
static void
host_bad_reply(struct dmg_host_result *r, int rc)
{
	r->hr_rc = rc;
	json_decref(r->hr_reply);
	r->hr_reply = NULL;
}

static void
count_failed(const struct dmg_host_result *res, uint32_t nr, uint32_t *failed, int *first_rc)
{
	for (uint32_t i = 0; i < nr; i++) {
		if (res[i].hr_rc == 0)
			continue;
		if (*failed == 0)
			*first_rc = res[i].hr_rc;
		(*failed)++;
	}
}

/*
 * scan
 */

/* One kind of devices of a scan reply: totals and the verbose table. */
static int
scan_devices(const struct dmg_reply_ctx *c, const json_t *reply, const char *key,
	     const char *name_key, const char *title, uint64_t *total, uint32_t *count,
	     struct cli_out *verbose)
{
	const char *const titles[] = {title, "Class", "Capacity", "Used"};
	const json_t     *arr;
	struct cli_table  t;
	int               rc;

	*total = 0;
	*count = 0;
	rc = dmg_json_array(c, reply, "", key, false, DMG_DEVICES_MAX, &arr);
	if (rc != 0)
		return rc;
	rc = cli_table_init(&t, 4, titles, 0);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
		const json_t *d;
		const char   *cells[4];
		char          path[32], size[32], used[32];
		uint64_t      sz, u;

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		rc = dmg_json_elem_obj(c, arr, i, key, &d);
		if (rc == 0)
			rc = dmg_json_u64(c, d, path, "size", true, STO_SIZE_MAX, &sz);
		if (rc == 0)
			rc = dmg_json_u64(c, d, path, "used", false, STO_SIZE_MAX, &u);
		if (rc == 0)
			rc = dmg_json_str(c, d, path, name_key, false, &cells[0]);
		if (rc == 0)
			rc = dmg_json_str(c, d, path, "class", false, &cells[1]);
		if (rc != 0)
			break;
		*total += sz;
		(*count)++;
		cli_size_str(sz, size, sizeof(size));
		cli_size_str(u, used, sizeof(used));
		cells[2] = size;
		cells[3] = used;
		rc = cli_table_add(&t, cells);
	}
	if (rc == 0 && verbose != NULL) {
		if (*count == 0)
			rc = cli_out_printf(verbose, "No %s devices found\n",
					    strcmp(key, "scm") == 0 ? "SCM" : "NVMe");
		else
			rc = cli_table_render(&t, verbose);
	}
	cli_table_fini(&t);
	return rc;
}

int
dmg_render_scan(struct dmg_host_result *res, uint32_t nr, bool verbose, uint32_t default_port,
		struct cli_out *out, uint32_t *failed, int *first_rc)
{
	static const char *const titles[] = {"Hosts", "SCM Total", "NVMe Total"};
	struct dmg_groups        g, errs;
	struct cli_table         t;
	int                      rc = 0;

	*failed = 0;
	*first_rc = 0;
	dmg_groups_init(&g);
	dmg_groups_init(&errs);
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		struct dmg_reply_ctx c = {res[i].hr_addr, res[i].hr_err, sizeof(res[i].hr_err)};
		struct cli_out       block;
		char                 label[D_HOSTSET_HOST_BUF];
		char                 scm[64], nvme[64], key[160];
		uint64_t             scm_total, nvme_total;
		uint32_t             scm_n, nvme_n;
		int                  hrc;

		if (res[i].hr_rc != 0)
			continue;
		cli_out_init(&block);
		hrc = scan_devices(&c, res[i].hr_reply, "scm", "mount", "SCM Mount", &scm_total,
				   &scm_n, verbose ? &block : NULL);
		if (hrc == 0 && verbose)
			hrc = cli_out_printf(&block, "\n");
		if (hrc == 0)
			hrc = scan_devices(&c, res[i].hr_reply, "nvme", "path", "NVMe Path",
					   &nvme_total, &nvme_n, verbose ? &block : NULL);
		if (hrc == -DER_PROTO) {
			host_bad_reply(&res[i], hrc);
			cli_out_fini(&block);
			continue;
		}
		if (hrc == 0) {
			dmg_host_label(res[i].hr_addr, default_port, label, sizeof(label));
			if (verbose) {
				rc = dmg_groups_add_host(&g, block.o_buf != NULL ? block.o_buf : "",
							 label);
			} else {
				cli_size_str(scm_total, scm, sizeof(scm));
				cli_size_str(nvme_total, nvme, sizeof(nvme));
				snprintf(key, sizeof(key), "%s (%u namespace%s)\t%s (%u controller%s)",
					 scm, scm_n, scm_n == 1 ? "" : "s", nvme, nvme_n,
					 nvme_n == 1 ? "" : "s");
				rc = dmg_groups_add_host(&g, key, label);
			}
		} else {
			rc = hrc;
		}
		cli_out_fini(&block);
	}
	count_failed(res, nr, failed, first_rc);
	if (rc == 0)
		rc = dmg_errors_add_failed(&errs, res, nr, default_port);
	if (rc == 0)
		rc = dmg_render_errors(&errs, out);
	if (rc == 0 && dmg_groups_count(&g) > 0)
		rc = dmg_groups_sort_hosts(&g);
	if (rc != 0 || dmg_groups_count(&g) == 0)
		goto out;
	if (verbose) {
		for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(&g); i++) {
			const char *block, *hosts;
			char       *dash;
			size_t      w;

			rc = dmg_groups_get(&g, i, &block, &hosts);
			if (rc != 0)
				break;
			w = strlen(hosts);
			dash = malloc(w + 1);
			if (dash == NULL) {
				rc = -DER_NOMEM;
				break;
			}
			memset(dash, '-', w);
			dash[w] = '\0';
			rc = cli_out_printf(out, "%s%s\n%s\n%s\n\n%s", i > 0 ? "\n" : "", dash,
					    hosts, dash, block);
			free(dash);
		}
		goto out;
	}
	rc = cli_table_init(&t, 3, titles, 0);
	t.t_full_cols = 1u << 0; /* the host or rank set */
	for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(&g); i++) {
		const char *key, *hosts, *tab;
		char        scm[64];
		const char *cells[3];

		rc = dmg_groups_get(&g, i, &key, &hosts);
		if (rc != 0)
			break;
		tab = strchr(key, '\t');
		snprintf(scm, sizeof(scm), "%.*s", (int)(tab - key), key);
		cells[0] = hosts;
		cells[1] = scm;
		cells[2] = tab + 1;
		rc = cli_table_add(&t, cells);
	}
	if (rc == 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
out:
	dmg_groups_fini(&g);
	dmg_groups_fini(&errs);
	return rc;
}

/*
 * format
 */

/* One engine's result of a format reply. */
static int
format_entry(const struct dmg_reply_ctx *c, const json_t *arr, size_t e, int64_t *idx,
	     const char **scm, const char **nvme)
{
	const json_t *r;
	char          path[32];
	int           rc;

	snprintf(path, sizeof(path), "results[%zu]", e);
	rc = dmg_json_elem_obj(c, arr, e, "results", &r);
	if (rc == 0)
		rc = dmg_json_int(c, r, path, "idx", 0, DMG_ENGINES_MAX - 1, idx);
	if (rc == 0)
		rc = dmg_json_str(c, r, path, "scm", true, scm);
	if (rc == 0)
		rc = dmg_json_str(c, r, path, "nvme", false, nvme);
	return rc;
}

int
dmg_render_format(struct dmg_host_result *res, uint32_t nr, uint32_t default_port,
		  struct cli_out *out, uint32_t *failed, int *first_rc)
{
	static const char *const titles[] = {"Hosts", "SCM Devices", "NVMe Devices"};
	struct dmg_groups        g, errs;
	struct cli_table         t;
	uint32_t                 engine_failed = 0;
	int                      rc = 0;

	*failed = 0;
	*first_rc = 0;
	dmg_groups_init(&g);
	dmg_groups_init(&errs);
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		struct dmg_reply_ctx c = {res[i].hr_addr, res[i].hr_err, sizeof(res[i].hr_err)};
		const json_t        *arr;
		const char          *scm, *nvme;
		char                 label[D_HOSTSET_HOST_BUF];
		char                 key[32];
		int64_t              idx;
		uint32_t             scm_ok = 0, nvme_ok = 0;
		bool                 host_err = false;
		int                  hrc;

		if (res[i].hr_rc != 0)
			continue;
		dmg_host_label(res[i].hr_addr, default_port, label, sizeof(label));
		/* Check the whole reply first: a malformed one fails the host with
		 * nothing of it counted. */
		hrc = dmg_json_array(&c, res[i].hr_reply, "", "results", true, DMG_ENGINES_MAX,
				     &arr);
		for (size_t e = 0; hrc == 0 && e < json_array_size(arr); e++)
			hrc = format_entry(&c, arr, e, &idx, &scm, &nvme);
		for (size_t e = 0; hrc == 0 && rc == 0 && e < json_array_size(arr); e++) {
			char msg[DMG_MSG_MAX];

			format_entry(&c, arr, e, &idx, &scm, &nvme);
			if (strcmp(scm, "ok") == 0) {
				scm_ok++;
			} else {
				snprintf(msg, sizeof(msg), "engine %d: SCM format failed: %.*s",
					 (int)idx, CLI_CELL_MAX, scm);
				rc = dmg_groups_add_host(&errs, msg, label);
				host_err = true;
			}
			if (strcmp(nvme, "ok") == 0) {
				nvme_ok++;
			} else if (nvme[0] != '\0' && rc == 0) {
				snprintf(msg, sizeof(msg), "engine %d: NVMe format failed: %.*s",
					 (int)idx, CLI_CELL_MAX, nvme);
				rc = dmg_groups_add_host(&errs, msg, label);
				host_err = true;
			}
		}
		if (hrc == -DER_PROTO) {
			host_bad_reply(&res[i], hrc);
			continue;
		}
		if (rc == 0)
			rc = hrc;
		if (host_err)
			engine_failed++;
		snprintf(key, sizeof(key), "%u\t%u", scm_ok, nvme_ok);
		if (rc == 0)
			rc = dmg_groups_add_host(&g, key, label);
	}
	count_failed(res, nr, failed, first_rc);
	if (engine_failed > 0 && *failed == 0)
		*first_rc = -DER_MISC;
	*failed += engine_failed;
	if (rc == 0)
		rc = dmg_errors_add_failed(&errs, res, nr, default_port);
	if (rc == 0)
		rc = dmg_render_errors(&errs, out);
	if (rc == 0 && dmg_groups_count(&g) > 0)
		rc = dmg_groups_sort_hosts(&g);
	if (rc != 0 || dmg_groups_count(&g) == 0)
		goto out;
	rc = cli_table_init(&t, 3, titles, 2);
	t.t_full_cols = 1u << 0; /* the host or rank set */
	for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(&g); i++) {
		const char *key, *hosts, *tab;
		char        scm[16];
		const char *cells[3];

		rc = dmg_groups_get(&g, i, &key, &hosts);
		if (rc != 0)
			break;
		tab = strchr(key, '\t');
		snprintf(scm, sizeof(scm), "%.*s", (int)(tab - key), key);
		cells[0] = hosts;
		cells[1] = scm;
		cells[2] = tab + 1;
		rc = cli_table_add(&t, cells);
	}
	if (rc == 0)
		rc = cli_out_printf(out, "Format Summary:\n");
	if (rc == 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
out:
	dmg_groups_fini(&g);
	dmg_groups_fini(&errs);
	return rc;
}

/*
 * query usage
 */
int
dmg_render_usage(struct dmg_host_result *res, uint32_t nr, uint32_t default_port,
		 struct cli_out *out, uint32_t *failed, int *first_rc)
{
	static const char *const titles[] = {"Hosts",      "SCM-Total", "SCM-Free", "SCM-Used",
					     "NVMe-Total", "NVMe-Free", "NVMe-Used"};
	struct dmg_groups        errs;
	struct cli_table         t;
	int                      rc;

	*failed = 0;
	*first_rc = 0;
	dmg_groups_init(&errs);
	rc = cli_table_init(&t, 7, titles, 0);
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		struct dmg_reply_ctx c = {res[i].hr_addr, res[i].hr_err, sizeof(res[i].hr_err)};
		const json_t        *r = res[i].hr_reply;
		char                 label[D_HOSTSET_HOST_BUF];
		char                 v[6][32];
		const char          *cells[7];
		uint64_t             st, sf, nt, nf;
		int                  hrc;

		if (res[i].hr_rc != 0)
			continue;
		hrc = dmg_json_u64(&c, r, "", "scm_total", true, UINT64_MAX >> 1, &st);
		if (hrc == 0)
			hrc = dmg_json_u64(&c, r, "", "scm_free", true, st, &sf);
		if (hrc == 0)
			hrc = dmg_json_u64(&c, r, "", "nvme_total", true, UINT64_MAX >> 1, &nt);
		if (hrc == 0)
			hrc = dmg_json_u64(&c, r, "", "nvme_free", true, nt, &nf);
		if (hrc != 0) {
			host_bad_reply(&res[i], hrc);
			continue;
		}
		dmg_host_label(res[i].hr_addr, default_port, label, sizeof(label));
		cli_size_str(st, v[0], sizeof(v[0]));
		cli_size_str(sf, v[1], sizeof(v[1]));
		dmg_pct_str(st - sf, st, v[2], sizeof(v[2]));
		cli_size_str(nt, v[3], sizeof(v[3]));
		cli_size_str(nf, v[4], sizeof(v[4]));
		dmg_pct_str(nt - nf, nt, v[5], sizeof(v[5]));
		cells[0] = label;
		for (int k = 0; k < 6; k++)
			cells[k + 1] = v[k];
		rc = cli_table_add(&t, cells);
	}
	count_failed(res, nr, failed, first_rc);
	if (rc == 0)
		rc = dmg_errors_add_failed(&errs, res, nr, default_port);
	if (rc == 0)
		rc = dmg_render_errors(&errs, out);
	if (rc == 0 && t.t_nrows > 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
	dmg_groups_fini(&errs);
	return rc;
}

/*
 * Storage reformat (format --force without -l): when the system membership has
 * records of ranks, the hosts formatted are the hosts of those ranks, in rank
 * order; with no record (no MS answer, or no member) the configured hostlist.
 * Only a reply that parses replaces the list. 0 or -DER_NOMEM.
 */
static int
format_hosts_from_members(struct dmg_ctx *ctx)
{
	char     who[D_HOSTSET_HOST_BUF];
	char     msg[DMG_MSG_MAX];
	json_t  *req, *reply = NULL, *members, *m;
	char   **hosts = NULL;
	uint32_t nr = 0;
	size_t   i;
	int      rc;

	req = json_object();
	if (req == NULL)
		return -DER_NOMEM;
	rc = dmg_ms_call(ctx, "system_query", req, who, &reply, msg, sizeof(msg));
	json_decref(req);
	if (rc != 0) {
		dmg_debug(ctx, "no membership record (%s): formatting the hostlist", msg);
		return 0;
	}
	members = json_object_get(reply, "members");
	if (!json_is_array(members) || json_array_size(members) == 0 ||
	    json_array_size(members) > DMG_MEMBERS_MAX) {
		dmg_debug(ctx, "no ranks in the membership: formatting the hostlist");
		json_decref(reply);
		return 0;
	}
	rc = 0;
	json_array_foreach(members, i, m) {
		const char *addr = json_string_value(json_object_get(m, "ctl_addr"));

		if (addr == NULL) {
			rc = -DER_PROTO;
			break;
		}
		rc = dmg_hosts_add(&hosts, &nr, addr, ctx->dc_port, msg, sizeof(msg));
		if (rc != 0)
			break;
	}
	json_decref(reply);
	if (rc != 0 || nr == 0) {
		dmg_hosts_free(hosts, nr);
		if (rc == -DER_NOMEM)
			return rc;
		dmg_debug(ctx, "unusable membership from %s: formatting the hostlist", who);
		return 0;
	}
	dmg_debug(ctx, "membership has records of %zu ranks on %u hosts: formatting those",
		  json_array_size(members), nr);
	dmg_hosts_free(ctx->dc_hosts, ctx->dc_hosts_nr);
	ctx->dc_hosts    = hosts;
	ctx->dc_hosts_nr = nr;
	return 0;
}

int
dmg_storage_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
		size_t errlen)
{
	const struct dmg_args  *a = ctx->dc_args;
	struct dmg_host_result *res = NULL;
	const char             *method;
	json_t                 *req;
	uint32_t                failed = 0;
	int                     first = 0;
	int                     rc;

	*response = NULL;
	switch (a->da_cmd) {
	case DMG_CMD_STORAGE_SCAN:
		method = "storage_scan";
		req = json_pack("{s:b}", "verbose", a->da_verbose);
		break;
	case DMG_CMD_STORAGE_FORMAT:
		method = "storage_format";
		if (a->da_force && a->da_hostlist_nr == 0) {
			rc = format_hosts_from_members(ctx);
			if (rc != 0) {
				d_errbuf_printf(errbuf, errlen, "out of memory");
				return rc;
			}
		}
		req = json_pack("{s:b,s:b}", "force", a->da_force, "replace", a->da_replace);
		break;
	case DMG_CMD_STORAGE_QUERY_USAGE:
		method = "storage_usage";
		req = json_object();
		break;
	default:
		d_errbuf_printf(errbuf, errlen, "not a storage command");
		return -DER_INVAL;
	}
	if (req == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	rc = dmg_fanout(ctx, method, req, &res);
	json_decref(req);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot call the hosts: %s", d_errdesc(rc));
		return rc;
	}
	if (a->da_cmd == DMG_CMD_STORAGE_SCAN)
		rc = dmg_render_scan(res, ctx->dc_hosts_nr, a->da_verbose, ctx->dc_port, out,
				     &failed, &first);
	else if (a->da_cmd == DMG_CMD_STORAGE_FORMAT)
		rc = dmg_render_format(res, ctx->dc_hosts_nr, ctx->dc_port, out, &failed, &first);
	else
		rc = dmg_render_usage(res, ctx->dc_hosts_nr, ctx->dc_port, out, &failed, &first);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot print the results: %s", d_errdesc(rc));
		goto out;
	}
	*response = dmg_fanout_response(res, ctx->dc_hosts_nr);
	if (*response == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		rc = -DER_NOMEM;
		goto out;
	}
	rc = dmg_fanout_error(a, res, ctx->dc_hosts_nr, failed, first, errbuf, errlen);
out:
	dmg_results_free(res, ctx->dc_hosts_nr);
	return rc;
}
