/*
 * dmg_server.c: dmg server set-logmasks.
 *
 * One call per host, in parallel. Request:
 *   set_logmasks  {"masks": "<D_LOG_MASK syntax>"}, or {"masks": null} to reset
 *                 every engine to the log_mask of its server config
 * Reply fields read:
 *   results: [{idx, status, msg?}]   one per engine of the host
 * Hosts whose engines all answered 0 share a row "OK"; an engine's failure is
 * listed in the Errors table as "engine <idx>: <msg>" and fails the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "tools/dmg/dmg.h"

/* One engine's result of a set_logmasks reply. */
static int
slm_entry(const struct dmg_reply_ctx *c, const json_t *arr, size_t e, int64_t *idx,
	  int64_t *status, const char **msg)
{
	const json_t *r;
	char          path[32];
	int           rc;

	snprintf(path, sizeof(path), "results[%zu]", e);
	rc = dmg_json_elem_obj(c, arr, e, "results", &r);
	if (rc == 0)
		rc = dmg_json_int(c, r, path, "idx", 0, DMG_ENGINES_MAX - 1, idx);
	if (rc == 0)
		rc = dmg_json_int(c, r, path, "status", -(int64_t)DER_UNKNOWN, 0, status);
	if (rc == 0)
		rc = dmg_json_str(c, r, path, "msg", false, msg);
	return rc;
}

int
dmg_render_logmasks(struct dmg_host_result *res, uint32_t nr, uint32_t default_port,
		    struct cli_out *out, uint32_t *failed, int *first_rc)
{
	static const char *const titles[] = {"Hosts", "Result"};
	struct dmg_groups        g, errs;
	struct cli_table         t;
	uint32_t                 engine_failed = 0;
	int                      engine_rc = 0;
	int                      rc = 0;

	*failed = 0;
	*first_rc = 0;
	dmg_groups_init(&g);
	dmg_groups_init(&errs);
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		struct dmg_reply_ctx c = {res[i].hr_addr, res[i].hr_err, sizeof(res[i].hr_err)};
		const json_t        *arr;
		const char          *msg;
		char                 label[D_HOSTSET_HOST_BUF];
		char                 result[32];
		int64_t              idx, status;
		uint32_t             ok = 0;
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
			hrc = slm_entry(&c, arr, e, &idx, &status, &msg);
		for (size_t e = 0; hrc == 0 && rc == 0 && e < json_array_size(arr); e++) {
			char text[DMG_MSG_MAX];

			slm_entry(&c, arr, e, &idx, &status, &msg);
			if (status == 0) {
				ok++;
				continue;
			}
			if (msg[0] != '\0')
				snprintf(text, sizeof(text), "engine %d: %.*s", (int)idx,
					 CLI_CELL_MAX, msg);
			else
				snprintf(text, sizeof(text), "engine %d: %s(%d): %s", (int)idx,
					 d_errstr((int)status), (int)status,
					 d_errdesc((int)status));
			if (engine_rc == 0)
				engine_rc = (int)status;
			host_err = true;
			rc = dmg_groups_add_host(&errs, text, label);
		}
		if (hrc == -DER_PROTO) {
			res[i].hr_rc = hrc;
			json_decref(res[i].hr_reply);
			res[i].hr_reply = NULL;
			continue;
		}
		if (rc == 0)
			rc = hrc;
		if (host_err) {
			engine_failed++;
			continue;
		}
		snprintf(result, sizeof(result), "OK (%u engine%s)", ok, ok == 1 ? "" : "s");
		if (rc == 0)
			rc = dmg_groups_add_host(&g, result, label);
	}
	for (uint32_t i = 0; i < nr; i++) {
		if (res[i].hr_rc == 0)
			continue;
		if (*failed == 0)
			*first_rc = res[i].hr_rc;
		(*failed)++;
	}
	if (*failed == 0 && engine_failed > 0)
		*first_rc = engine_rc;
	*failed += engine_failed;
	if (rc == 0)
		rc = dmg_errors_add_failed(&errs, res, nr, default_port);
	if (rc == 0)
		rc = dmg_render_errors(&errs, out);
	if (rc == 0 && dmg_groups_count(&g) > 0)
		rc = dmg_groups_sort_hosts(&g);
	if (rc != 0 || dmg_groups_count(&g) == 0)
		goto out;
	rc = cli_table_init(&t, 2, titles, 0);
	t.t_full_cols = 1u << 0; /* the host or rank set */
	for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(&g); i++) {
		const char *cells[2];

		rc = dmg_groups_get(&g, i, &cells[1], &cells[0]);
		if (rc == 0)
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

int
dmg_server_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
	       size_t errlen)
{
	const struct dmg_args  *a = ctx->dc_args;
	struct dmg_host_result *res = NULL;
	json_t                 *req;
	uint32_t                failed = 0;
	int                     first = 0;
	int                     rc;

	*response = NULL;
	if (a->da_cmd != DMG_CMD_SERVER_SET_LOGMASKS) {
		d_errbuf_printf(errbuf, errlen, "not a server command");
		return -DER_INVAL;
	}
	req = json_pack("{s:o}", "masks", a->da_masks != NULL ? json_string(a->da_masks)
							      : json_null());
	if (req == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	rc = dmg_fanout(ctx, "set_logmasks", req, &res);
	json_decref(req);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot call the hosts: %s", d_errdesc(rc));
		return rc;
	}
	rc = dmg_render_logmasks(res, ctx->dc_hosts_nr, ctx->dc_port, out, &failed, &first);
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
