/*
 * dmg_pool.c: dmg pool create|destroy|list|query|query-targets|get-prop|
 * set-prop|exclude|reintegrate, and system list-pools.
 *
 * Every pool command is one call to the Management Service leader
 * (dmg_ms_call). Requests (JSON objects; sizes in bytes):
 *   pool_create        {label?, ranks? | nranks?, scm_bytes + nvme_bytes? |
 *                      total_bytes + tier_ratio: [scm %, nvme %]? | size_pct,
 *                      nsvc?, props?: {name: value}, user, group}
 *   pool_destroy       {pool, force, recursive}
 *   pool_list          {no_query}
 *   pool_query         {pool}
 *   pool_query_targets {pool, rank, targets?: "0-3"}
 *   pool_get_prop      {pool, names?: [..]}
 *   pool_set_prop      {pool, props: {name: value}}
 *   pool_exclude       {pool, rank, targets?}   (pool_reintegrate the same)
 * The text is DAOS's: the pool create entity block, the pool list table (and
 * its verbose form), pool query's lines, query-targets' blocks, get-prop's
 * Name/Value table and the "... succeeded" lines; -j prints the reply in the
 * envelope. Replies are untrusted: every field read is type-checked.
 */
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/rankset.h"
#include "control/ms_pool.h"
#include "tools/dmg/dmg.h"

/* ---- Requests ---- */

static int
set_new(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

static int
set_rankset(json_t *o, const char *key, const struct d_rankset *rs)
{
	size_t len = d_rankset_format_len(rs, false);
	char  *s   = malloc(len);
	int    rc  = -1;

	if (s != NULL && d_rankset_format(rs, s, len, false) == 0)
		rc = json_object_set_new(o, key, json_string(s));
	free(s);
	return rc;
}

json_t *
dmg_pool_request(const struct dmg_args *a)
{
	json_t *req = json_object();
	int     rc  = 0;

	if (req == NULL)
		return NULL;
	if (a->da_pool != NULL)
		rc = set_new(req, "pool", json_string(a->da_pool));
	switch (a->da_cmd) {
	case DMG_CMD_POOL_CREATE:
		if (rc == 0 && a->da_label != NULL)
			rc = set_new(req, "label", json_string(a->da_label));
		if (rc == 0 && a->da_ranks_set)
			rc = set_rankset(req, "ranks", &a->da_ranks);
		if (rc == 0 && a->da_nranks != 0)
			rc = set_new(req, "nranks", json_integer(a->da_nranks));
		if (rc == 0 && a->da_scm_size_set)
			rc = set_new(req, "scm_bytes", json_integer((json_int_t)a->da_scm_size));
		if (rc == 0 && a->da_nvme_size_set)
			rc = set_new(req, "nvme_bytes", json_integer((json_int_t)a->da_nvme_size));
		if (rc == 0 && a->da_size_set && a->da_size_pct != 0)
			rc = set_new(req, "size_pct", json_integer(a->da_size_pct));
		if (rc == 0 && a->da_size_set && a->da_size_pct == 0)
			rc = set_new(req, "total_bytes", json_integer((json_int_t)a->da_size));
		if (rc == 0 && a->da_tier_ratio_set)
			rc = set_new(req, "tier_ratio", json_pack("[f, f]", a->da_tier_ratio[0],
								  a->da_tier_ratio[1]));
		if (rc == 0 && a->da_nsvc != 0)
			rc = set_new(req, "nsvc", json_integer(a->da_nsvc));
		if (rc == 0 && a->da_props != NULL) {
			json_t *p = json_copy(a->da_props);

			/* The label travels in "label". */
			if (p != NULL)
				json_object_del(p, "label");
			if (p != NULL && json_object_size(p) == 0) {
				json_decref(p);
			} else {
				rc = set_new(req, "props", p);
			}
		}
		if (rc == 0 && a->da_user[0] != '\0')
			rc = set_new(req, "user", json_string(a->da_user));
		if (rc == 0 && a->da_group[0] != '\0')
			rc = set_new(req, "group", json_string(a->da_group));
		break;
	case DMG_CMD_POOL_DESTROY:
		if (rc == 0)
			rc = set_new(req, "force", json_boolean(a->da_pool_force));
		if (rc == 0)
			rc = set_new(req, "recursive", json_boolean(a->da_recursive));
		break;
	case DMG_CMD_POOL_LIST:
	case DMG_CMD_SYSTEM_LIST_POOLS:
		if (rc == 0)
			rc = set_new(req, "no_query", json_boolean(a->da_no_query));
		break;
	case DMG_CMD_POOL_QUERY_TARGETS:
	case DMG_CMD_POOL_EXCLUDE:
	case DMG_CMD_POOL_REINTEGRATE:
		if (rc == 0)
			rc = set_new(req, "rank", json_integer(a->da_rank));
		if (rc == 0 && a->da_tgt_idx_set)
			rc = set_rankset(req, "targets", &a->da_tgt_idx);
		break;
	case DMG_CMD_POOL_GET_PROP:
		if (rc == 0 && a->da_prop_names != NULL)
			rc = json_object_set(req, "names", a->da_prop_names);
		break;
	case DMG_CMD_POOL_SET_PROP:
		if (rc == 0 && a->da_props != NULL)
			rc = json_object_set(req, "props", a->da_props);
		break;
	default:
		break;
	}
	if (rc != 0) {
		json_decref(req);
		return NULL;
	}
	return req;
}

int
dmg_pool_create_intro(const struct dmg_args *a, struct cli_out *out)
{
	char s1[32], s2[32];

	if (a->da_size_set && a->da_size_pct != 0)
		return cli_out_printf(out, "Creating DAOS pool with %u%% of all storage\n",
				      a->da_size_pct);
	if (a->da_size_set) {
		cli_size_str(a->da_size, s1, sizeof(s1));
		if (a->da_tier_ratio_set)
			return cli_out_printf(out,
					      "Creating DAOS pool with automatic storage allocation: "
					      "%s total, %g,%g tier ratio\n",
					      s1, a->da_tier_ratio[0], a->da_tier_ratio[1]);
		return cli_out_printf(out,
				      "Creating DAOS pool with automatic storage allocation: %s "
				      "total, 6,94 tier ratio\n", s1);
	}
	cli_size_str(a->da_scm_size, s1, sizeof(s1));
	cli_size_str(a->da_nvme_size, s2, sizeof(s2));
	return cli_out_printf(out,
			      "Creating DAOS pool with manual per-engine storage allocation: %s "
			      "SCM, %s NVMe (%.2f%% ratio)\n", s1, s2,
			      (double)a->da_scm_size * 100.0 /
				      (double)(a->da_scm_size + a->da_nvme_size));
}

/* ---- Replies ---- */

/* "[0-2,5]" of a JSON array of ranks (checked). */
static int
ranks_text(const struct dmg_reply_ctx *c, const json_t *obj, const char *key, char **text)
{
	const json_t    *arr;
	struct d_rankset rs;
	size_t           len;
	int              rc;

	rc = dmg_json_array(c, obj, "", key, true, DMG_MEMBERS_MAX, &arr);
	if (rc != 0)
		return rc;
	d_rankset_init(&rs);
	for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
		const json_t *v = json_array_get(arr, i);

		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > D_RANK_MAX) {
			d_errbuf_printf(c->rc_err, c->rc_errlen,
					"invalid reply from %s: %s[%zu]: expected a rank", c->rc_who,
					key, i);
			rc = -DER_PROTO;
			break;
		}
		rc = d_rankset_add(&rs, (d_rank_t)json_integer_value(v));
	}
	if (rc == 0) {
		len   = d_rankset_format_len(&rs, true);
		*text = malloc(len);
		if (*text == NULL || d_rankset_format(&rs, *text, len, true) != 0) {
			free(*text);
			*text = NULL;
			rc    = -DER_NOMEM;
		}
	}
	d_rankset_fini(&rs);
	return rc;
}

/* An entity block as DAOS's txtfmt prints one: the title, dashes as long,
 * then "  key<pad>: value" rows (keys padded to the longest), then a blank
 * line. */
static int
entity(struct cli_out *out, const char *title, const char *const *keys,
       const char *const *vals, uint32_t nr)
{
	size_t w = 0;
	int    rc;

	for (uint32_t i = 0; i < nr; i++)
		if (strlen(keys[i]) > w)
			w = strlen(keys[i]);
	rc = cli_out_printf(out, "%s\n", title);
	for (size_t i = 0; rc == 0 && i < strlen(title); i++)
		rc = cli_out_printf(out, "-");
	if (rc == 0)
		rc = cli_out_printf(out, "\n");
	for (uint32_t i = 0; rc == 0 && i < nr; i++) {
		rc = cli_out_printf(out, "  %-*s: ", (int)w, keys[i]);
		if (rc == 0)
			rc = cli_out_puts_safe(out, vals[i]);
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
	}
	if (rc == 0)
		rc = cli_out_printf(out, "\n");
	return rc;
}

int
dmg_render_pool_create(const json_t *reply, const char *who, struct cli_out *out, char *errbuf,
		       size_t errlen)
{
	struct dmg_reply_ctx c = {who, errbuf, errlen};
	const char          *keys[7];
	const char          *vals[7];
	const char          *uuid;
	const json_t        *tiers;
	char                *svc = NULL, *tgt = NULL;
	char                 ldr[16], total[32], t0[96], t1[96], a[32], b[32], title[96];
	uint64_t             tb[2] = {0, 0};
	int64_t              leader;
	size_t               nranks;
	int                  rc;

	rc = dmg_json_str(&c, reply, "", "uuid", true, &uuid);
	if (rc == 0)
		rc = dmg_json_int(&c, reply, "", "svc_ldr", 0, D_RANK_MAX, &leader);
	if (rc == 0)
		rc = ranks_text(&c, reply, "svc_reps", &svc);
	if (rc == 0)
		rc = ranks_text(&c, reply, "tgt_ranks", &tgt);
	if (rc == 0)
		rc = dmg_json_array(&c, reply, "", "tier_bytes", true, 2, &tiers);
	for (size_t i = 0; rc == 0 && i < json_array_size(tiers); i++) {
		const json_t *v = json_array_get(tiers, i);

		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			d_errbuf_printf(errbuf, errlen,
					"invalid reply from %s: tier_bytes[%zu]: expected bytes", who,
					i);
			rc = -DER_PROTO;
		} else {
			tb[i] = (uint64_t)json_integer_value(v);
		}
	}
	if (rc != 0)
		goto out;
	nranks = json_array_size(json_object_get(reply, "tgt_ranks"));
	snprintf(ldr, sizeof(ldr), "%" PRId64, leader);
	cli_size_str((tb[0] + tb[1]) * nranks, total, sizeof(total));
	cli_size_str(tb[0] * nranks, a, sizeof(a));
	cli_size_str(tb[0], b, sizeof(b));
	snprintf(t0, sizeof(t0), "%s (%s / rank)", a, b);
	cli_size_str(tb[1] * nranks, a, sizeof(a));
	cli_size_str(tb[1], b, sizeof(b));
	snprintf(t1, sizeof(t1), "%s (%s / rank)", a, b);
	if (tb[0] + tb[1] > 0)
		snprintf(title, sizeof(title), "Pool created with %.2f%%,%.2f%% storage tier ratio",
			 (double)tb[0] * 100.0 / (double)(tb[0] + tb[1]),
			 (double)tb[1] * 100.0 / (double)(tb[0] + tb[1]));
	else
		snprintf(title, sizeof(title), "Pool created with 0.00%%,0.00%% storage tier ratio");
	keys[0] = "UUID";
	vals[0] = uuid;
	keys[1] = "Service Leader";
	vals[1] = ldr;
	keys[2] = "Service Ranks";
	vals[2] = svc;
	keys[3] = "Storage Ranks";
	vals[3] = tgt;
	keys[4] = "Total Size";
	vals[4] = total;
	keys[5] = "Storage tier 0 (SCM)";
	vals[5] = t0;
	keys[6] = "Storage tier 1 (NVMe)";
	vals[6] = t1;
	rc      = entity(out, title, keys, vals, json_array_size(tiers) > 1 ? 7 : 6);
out:
	free(svc);
	free(tgt);
	return rc;
}

/* One tier of a usage array (pool list) or tier_stats (pool query). */
struct tier {
	uint64_t t_size;
	uint64_t t_free;
	uint64_t t_min;
	uint64_t t_max;
	uint64_t t_mean;
	int64_t  t_imbalance;
};

static int
tier_get(const struct dmg_reply_ctx *c, const json_t *e, const char *path, bool stats,
	 struct tier *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = dmg_json_u64(c, e, path, stats ? "total" : "size", true, UINT64_MAX >> 1, &t->t_size);
	if (rc == 0)
		rc = dmg_json_u64(c, e, path, "free", true, t->t_size, &t->t_free);
	if (rc == 0 && stats)
		rc = dmg_json_u64(c, e, path, "min", true, UINT64_MAX >> 1, &t->t_min);
	if (rc == 0 && stats)
		rc = dmg_json_u64(c, e, path, "max", true, UINT64_MAX >> 1, &t->t_max);
	if (rc == 0 && stats)
		rc = dmg_json_u64(c, e, path, "mean", true, UINT64_MAX >> 1, &t->t_mean);
	if (rc == 0 && !stats)
		rc = dmg_json_int(c, e, path, "imbalance", 0, INT32_MAX, &t->t_imbalance);
	return rc;
}

/* The pool's name in the list: its label, else the first part of its UUID. */
static void
pool_name(const char *label, const char *uuid, char *buf, size_t len)
{
	if (label[0] != '\0')
		snprintf(buf, len, "%s", label);
	else
		snprintf(buf, len, "%.*s", (int)strcspn(uuid, "-"), uuid);
}

int
dmg_render_pool_list(const json_t *reply, bool verbose, const char *who, struct cli_out *out,
		     char *errbuf, size_t errlen)
{
	static const char *const titles[] = {"Pool", "Size", "State", "Used", "Imbalance",
					     "Disabled"};
	static const char *const vtitles[] = {
	    "Label",         "UUID",      "State",    "SvcReps",        "SCM Size",
	    "SCM Used",      "SCM Imbalance", "NVME Size", "NVME Used", "NVME Imbalance",
	    "Disabled",      "UpgradeNeeded?", "Rebuild State"};
	struct dmg_reply_ctx c = {who, errbuf, errlen};
	struct cli_table     t;
	struct cli_out       warn;
	const json_t        *pools;
	bool                 usage_any = false;
	int                  rc;

	rc = dmg_json_array(&c, reply, "", "pools", true, DMG_POOLS_MAX, &pools);
	if (rc != 0)
		return rc;
	if (json_array_size(pools) == 0)
		return cli_out_printf(out, "No pools in system\n");
	for (size_t i = 0; i < json_array_size(pools); i++)
		if (json_is_array(json_object_get(json_array_get(pools, i), "usage")))
			usage_any = true;
	cli_out_init(&warn);
	if (verbose) {
		const char *tt[13];
		uint32_t    n = 0;

		/* The tier columns only when the pools were queried (not -n). */
		for (uint32_t k = 0; k < 13; k++)
			if (usage_any || k < 4 || k >= 10)
				tt[n++] = vtitles[k];
		rc = cli_table_init(&t, n, tt, 0);
	} else {
		rc = cli_table_init(&t, 6, titles, 0);
	}
	for (size_t i = 0; rc == 0 && i < json_array_size(pools); i++) {
		const json_t *p, *usage = NULL;
		const char   *uuid, *label, *state, *qerr;
		struct tier   tiers[2];
		char          path[32], name[MS_LABEL_MAX], disabled[32];
		char          cells[13][48];
		const char   *cv[13];
		char         *svc = NULL;
		int64_t       ttot, tdis;
		uint32_t      n = 0;

		snprintf(path, sizeof(path), "pools[%zu]", i);
		rc = dmg_json_elem_obj(&c, pools, i, "pools", &p);
		if (rc == 0)
			rc = dmg_json_str(&c, p, path, "uuid", true, &uuid);
		if (rc == 0)
			rc = dmg_json_str(&c, p, path, "label", false, &label);
		if (rc == 0)
			rc = dmg_json_str(&c, p, path, "state", true, &state);
		if (rc == 0)
			rc = dmg_json_int(&c, p, path, "targets_total", 0, INT32_MAX, &ttot);
		if (rc == 0)
			rc = dmg_json_int(&c, p, path, "targets_disabled", 0, ttot, &tdis);
		if (rc == 0)
			rc = dmg_json_str(&c, p, path, "query_error_msg", false, &qerr);
		if (rc == 0)
			rc = dmg_json_array(&c, p, path, "usage", false, 2, &usage);
		memset(tiers, 0, sizeof(tiers));
		for (size_t k = 0; rc == 0 && usage != NULL && k < json_array_size(usage); k++) {
			const json_t *e;
			char          up[80];

			snprintf(up, sizeof(up), "%s.usage[%zu]", path, k);
			rc = dmg_json_elem_obj(&c, usage, k, up, &e);
			if (rc == 0)
				rc = tier_get(&c, e, up, false, &tiers[k]);
		}
		if (rc != 0)
			break;
		pool_name(label, uuid, name, sizeof(name));
		if (qerr[0] != '\0') {
			/* As DAOS: a pool whose query failed is left out, with a warning. */
			rc = cli_out_printf(&warn, "Query on pool \"%s\" unsuccessful, error: ", name);
			if (rc == 0)
				rc = cli_out_puts_safe(&warn, qerr);
			if (rc == 0)
				rc = cli_out_printf(&warn, "\n");
			continue;
		}
		snprintf(disabled, sizeof(disabled), "%" PRId64 "/%" PRId64, tdis, ttot);
		if (verbose) {
			rc = ranks_text(&c, p, "svc_reps", &svc);
			if (rc != 0)
				break;
			cv[n++] = label[0] != '\0' ? label : "-";
			cv[n++] = uuid;
			cv[n++] = state;
			cv[n++] = svc;
			for (int k = 0; usage_any && k < 2; k++) {
				cli_size_str(tiers[k].t_size, cells[3 * k], sizeof(cells[0]));
				cli_size_str(tiers[k].t_size - tiers[k].t_free, cells[3 * k + 1],
					     sizeof(cells[0]));
				snprintf(cells[3 * k + 2], sizeof(cells[0]), "%" PRId64 "%%",
					 tiers[k].t_imbalance);
				cv[n++] = cells[3 * k];
				cv[n++] = cells[3 * k + 1];
				cv[n++] = cells[3 * k + 2];
			}
			cv[n++] = disabled;
			cv[n++] = "None";
			cv[n++] = "idle";
			rc      = cli_table_add(&t, cv);
			free(svc);
			continue;
		}
		{
			uint64_t size = 0;
			int64_t  used = 0, imb = 0;

			/* DAOS: the largest non-empty tier's size, the most used and the
			 * most imbalanced tier's figures. */
			for (int k = 1; k >= 0; k--)
				if (size == 0 && tiers[k].t_size != 0)
					size = tiers[k].t_size;
			for (int k = 0; k < 2; k++) {
				int64_t u = tiers[k].t_size == 0
						? 0
						: (int64_t)((long double)(tiers[k].t_size -
									  tiers[k].t_free) *
							    100.0L / (long double)tiers[k].t_size);

				if (u > used)
					used = u;
				if (tiers[k].t_imbalance > imb)
					imb = tiers[k].t_imbalance;
			}
			cli_size_str(size, cells[0], sizeof(cells[0]));
			snprintf(cells[1], sizeof(cells[1]), "%" PRId64 "%%", used);
			snprintf(cells[2], sizeof(cells[2]), "%" PRId64 "%%", imb);
			cv[0] = name;
			cv[1] = cells[0];
			cv[2] = state;
			cv[3] = cells[1];
			cv[4] = cells[2];
			cv[5] = disabled;
			rc    = cli_table_add(&t, cv);
		}
	}
	if (rc == 0 && t.t_nrows > 0)
		rc = cli_table_render(&t, out);
	if (rc == 0 && t.t_nrows > 0)
		rc = cli_out_printf(out, "\n");
	if (rc == 0 && warn.o_len > 0)
		rc = cli_out_printf(out, "%s", warn.o_buf);
	cli_table_fini(&t);
	cli_out_fini(&warn);
	return rc;
}

static const char *
tier_title(int i)
{
	return i == 0 ? "- Storage tier 0 (SCM):" : "- Storage tier 1 (NVMe):";
}

int
dmg_render_pool_query(const json_t *reply, const struct dmg_args *a, const char *who,
		      struct cli_out *out, char *errbuf, size_t errlen)
{
	struct dmg_reply_ctx c = {who, errbuf, errlen};
	const json_t        *stats, *rb;
	const char          *uuid, *state, *en, *dis, *rstate;
	int64_t              ntgt, ndis, nact, ldr, ver, robj = 0, rrec = 0, rstatus = 0;
	int                  rc;

	rc = dmg_json_str(&c, reply, "", "uuid", true, &uuid);
	if (rc == 0)
		rc = dmg_json_str(&c, reply, "", "state", true, &state);
	if (rc == 0)
		rc = dmg_json_int(&c, reply, "", "total_targets", 0, INT32_MAX, &ntgt);
	if (rc == 0)
		rc = dmg_json_int(&c, reply, "", "disabled_targets", 0, ntgt, &ndis);
	if (rc == 0)
		rc = dmg_json_int(&c, reply, "", "active_targets", 0, ntgt, &nact);
	if (rc == 0)
		rc = dmg_json_int(&c, reply, "", "svc_ldr", 0, D_RANK_MAX, &ldr);
	if (rc == 0)
		rc = dmg_json_int(&c, reply, "", "map_version", 0, UINT32_MAX, &ver);
	if (rc == 0)
		rc = dmg_json_str(&c, reply, "", "enabled_ranks", false, &en);
	if (rc == 0)
		rc = dmg_json_str(&c, reply, "", "disabled_ranks", false, &dis);
	if (rc == 0)
		rc = dmg_json_array(&c, reply, "", "tier_stats", true, 2, &stats);
	rb = json_object_get(reply, "rebuild");
	rstate = "idle";
	if (rc == 0 && rb != NULL) {
		rc = dmg_json_str(&c, rb, "rebuild", "state", true, &rstate);
		if (rc == 0)
			rc = dmg_json_int(&c, rb, "rebuild", "status", INT32_MIN, INT32_MAX,
					  &rstatus);
		if (rc == 0)
			rc = dmg_json_int(&c, rb, "rebuild", "objects", 0, INT64_MAX, &robj);
		if (rc == 0)
			rc = dmg_json_int(&c, rb, "rebuild", "records", 0, INT64_MAX, &rrec);
	}
	if (rc != 0)
		return rc;
	rc = cli_out_printf(out, "Pool ");
	if (rc == 0)
		rc = cli_out_puts_safe(out, uuid);
	if (rc == 0)
		rc = cli_out_printf(out,
				    ", ntarget=%" PRId64 ", disabled=%" PRId64 ", leader=%" PRId64
				    ", version=%" PRId64 ", state=", ntgt, ndis, ldr, ver);
	if (rc == 0)
		rc = cli_out_puts_safe(out, state);
	if (rc == 0)
		rc = cli_out_printf(out, "\nPool health info:\n");
	if (rc == 0 && a->da_show_enabled) {
		rc = cli_out_printf(out, "- Enabled ranks: ");
		if (rc == 0)
			rc = cli_out_puts_safe(out, en);
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
	}
	if (rc == 0 && a->da_show_disabled) {
		rc = cli_out_printf(out, "- Disabled ranks: ");
		if (rc == 0)
			rc = cli_out_puts_safe(out, dis);
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
	}
	if (rc == 0 && rstatus == 0) {
		rc = cli_out_printf(out, "- Rebuild ");
		if (rc == 0)
			rc = cli_out_puts_safe(out, rstate);
		if (rc == 0)
			rc = cli_out_printf(out, ", %" PRId64 " objs, %" PRId64 " recs\n", robj,
					    rrec);
	} else if (rc == 0) {
		rc = cli_out_printf(out, "- Rebuild failed, status=%" PRId64 "\n", rstatus);
	}
	if (rc == 0)
		rc = cli_out_printf(out, "Pool space info:\n- Target(VOS) count:%" PRId64 "\n",
				    nact);
	for (size_t i = 0; rc == 0 && i < json_array_size(stats); i++) {
		const json_t *e;
		struct tier   t;
		char          path[48], s[5][32];

		snprintf(path, sizeof(path), "tier_stats[%zu]", i);
		rc = dmg_json_elem_obj(&c, stats, i, "tier_stats", &e);
		if (rc == 0)
			rc = tier_get(&c, e, path, true, &t);
		if (rc != 0)
			break;
		cli_size_str(t.t_size, s[0], sizeof(s[0]));
		cli_size_str(t.t_free, s[1], sizeof(s[1]));
		cli_size_str(t.t_min, s[2], sizeof(s[2]));
		cli_size_str(t.t_max, s[3], sizeof(s[3]));
		cli_size_str(t.t_mean, s[4], sizeof(s[4]));
		rc = cli_out_printf(out,
				    "%s\n  Total size: %s\n  Free: %s, min:%s, max:%s, mean:%s\n",
				    tier_title((int)i), s[0], s[1], s[2], s[3], s[4]);
	}
	return rc;
}

int
dmg_render_pool_targets(const json_t *reply, const char *who, struct cli_out *out,
			char *errbuf, size_t errlen)
{
	struct dmg_reply_ctx c = {who, errbuf, errlen};
	const json_t        *infos;
	int                  rc;

	rc = dmg_json_array(&c, reply, "", "infos", true, DMG_TARGETS_MAX, &infos);
	for (size_t i = 0; rc == 0 && i < json_array_size(infos); i++) {
		const json_t *e, *space;
		const char   *type, *state;
		char          path[32];

		snprintf(path, sizeof(path), "infos[%zu]", i);
		rc = dmg_json_elem_obj(&c, infos, i, "infos", &e);
		if (rc == 0)
			rc = dmg_json_str(&c, e, path, "type", true, &type);
		if (rc == 0)
			rc = dmg_json_str(&c, e, path, "state", true, &state);
		if (rc == 0)
			rc = dmg_json_array(&c, e, path, "space", true, 2, &space);
		if (rc == 0)
			rc = cli_out_printf(out, "Target: type ");
		if (rc == 0)
			rc = cli_out_puts_safe(out, type);
		if (rc == 0)
			rc = cli_out_printf(out, ", state ");
		if (rc == 0)
			rc = cli_out_puts_safe(out, state);
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
		for (size_t k = 0; rc == 0 && k < json_array_size(space); k++) {
			const json_t *s;
			struct tier   t;
			char          sp[80], a[32], b[32];

			snprintf(sp, sizeof(sp), "%s.space[%zu]", path, k);
			rc = dmg_json_elem_obj(&c, space, k, sp, &s);
			if (rc == 0)
				rc = dmg_json_u64(&c, s, sp, "total", true, UINT64_MAX >> 1,
						  &t.t_size);
			if (rc == 0)
				rc = dmg_json_u64(&c, s, sp, "free", true, t.t_size, &t.t_free);
			if (rc != 0)
				break;
			cli_size_str(t.t_size, a, sizeof(a));
			cli_size_str(t.t_free, b, sizeof(b));
			rc = cli_out_printf(out, "%s\n  Total size: %s\n  Free: %s\n",
					    tier_title((int)k), a, b);
		}
	}
	return rc;
}

int
dmg_render_pool_props(const json_t *reply, const char *pool, const char *who,
		      struct cli_out *out, char *errbuf, size_t errlen)
{
	static const char *const titles[] = {"Name", "Value"};
	struct dmg_reply_ctx     c = {who, errbuf, errlen};
	struct cli_table         t;
	const json_t            *props;
	int                      rc;

	rc = dmg_json_array(&c, reply, "", "props", true, DMG_PROPS_MAX, &props);
	if (rc != 0)
		return rc;
	rc = cli_out_printf(out, "Pool ");
	if (rc == 0)
		rc = cli_out_puts_safe(out, pool);
	if (rc == 0)
		rc = cli_out_printf(out, " properties:\n");
	if (rc == 0)
		rc = cli_table_init(&t, 2, titles, 0);
	if (rc != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < json_array_size(props); i++) {
		const json_t *p, *v;
		const char   *name, *desc;
		const char   *cells[2];
		char          path[32], nd[512], val[MS_PROP_VALUE_MAX], canon[MS_PROP_VALUE_MAX];
		char         *svc = NULL;
		int           idx;

		snprintf(path, sizeof(path), "props[%zu]", i);
		rc = dmg_json_elem_obj(&c, props, i, "props", &p);
		if (rc == 0)
			rc = dmg_json_str(&c, p, path, "name", true, &name);
		if (rc == 0)
			rc = dmg_json_str(&c, p, path, "description", true, &desc);
		if (rc != 0)
			break;
		v   = json_object_get(p, "value");
		idx = ms_pool_prop_find(name);
		snprintf(nd, sizeof(nd), "%.200s (%.64s)", desc, name);
		if (json_is_array(v)) {
			rc = ranks_text(&c, p, "value", &svc);
			if (rc != 0)
				break;
			snprintf(val, sizeof(val), "%s", svc);
			free(svc);
		} else if (json_is_integer(v) || json_is_string(v)) {
			if (json_is_integer(v))
				snprintf(canon, sizeof(canon), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));
			else
				snprintf(canon, sizeof(canon), "%s", json_string_value(v));
			/* Units as DAOS shows them ("25%", "64 KiB"). */
			if (idx < 0 || ms_pool_prop_show((uint32_t)idx, canon, val, sizeof(val)) != 0)
				snprintf(val, sizeof(val), "%s", canon);
		} else {
			d_errbuf_printf(errbuf, errlen,
					"invalid reply from %s: %s.value: expected a number, text or "
					"ranks", who, path);
			rc = -DER_PROTO;
			break;
		}
		cells[0] = nd;
		cells[1] = val;
		rc       = cli_table_add(&t, cells);
	}
	if (rc == 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
	return rc;
}

/* ---- Run ---- */

/* The caller's user and group, as DAOS's dmg sends them at pool create. */
static void
self_names(json_t *req)
{
	struct passwd *pw = getpwuid(geteuid());
	struct group  *gr = getgrgid(getegid());
	char           buf[DMG_PRINCIPAL_MAX];

	if (json_object_get(req, "user") == NULL && pw != NULL &&
	    strlen(pw->pw_name) + 2 <= sizeof(buf)) {
		snprintf(buf, sizeof(buf), "%s@", pw->pw_name);
		json_object_set_new(req, "user", json_string(buf));
	}
	if (json_object_get(req, "group") == NULL && gr != NULL &&
	    strlen(gr->gr_name) + 2 <= sizeof(buf)) {
		snprintf(buf, sizeof(buf), "%s@", gr->gr_name);
		json_object_set_new(req, "group", json_string(buf));
	}
}

static const char *
pool_method(enum dmg_cmd cmd)
{
	switch (cmd) {
	case DMG_CMD_POOL_CREATE:
		return "pool_create";
	case DMG_CMD_POOL_DESTROY:
		return "pool_destroy";
	case DMG_CMD_POOL_LIST:
	case DMG_CMD_SYSTEM_LIST_POOLS:
		return "pool_list";
	case DMG_CMD_POOL_QUERY:
		return "pool_query";
	case DMG_CMD_POOL_QUERY_TARGETS:
		return "pool_query_targets";
	case DMG_CMD_POOL_GET_PROP:
		return "pool_get_prop";
	case DMG_CMD_POOL_SET_PROP:
		return "pool_set_prop";
	case DMG_CMD_POOL_EXCLUDE:
		return "pool_exclude";
	case DMG_CMD_POOL_REINTEGRATE:
		return "pool_reintegrate";
	default:
		return NULL;
	}
}

int
dmg_pool_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
	     size_t errlen)
{
	const struct dmg_args *a      = ctx->dc_args;
	const char            *method = pool_method(a->da_cmd);
	char                   who[D_HOSTSET_HOST_BUF] = "";
	json_t                *req, *reply = NULL;
	const char            *warning;
	int                    rc;

	*response = NULL;
	if (method == NULL) {
		d_errbuf_printf(errbuf, errlen, "not a pool command");
		return -DER_INVAL;
	}
	req = dmg_pool_request(a);
	if (req == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	if (a->da_cmd == DMG_CMD_POOL_CREATE) {
		self_names(req);
		rc = dmg_pool_create_intro(a, out);
		if (rc != 0) {
			json_decref(req);
			return rc;
		}
	}
	rc = dmg_ms_call(ctx, method, req, who, &reply, errbuf, errlen);
	json_decref(req);
	if (rc != 0)
		return rc;
	switch (a->da_cmd) {
	case DMG_CMD_POOL_CREATE:
		rc = dmg_render_pool_create(reply, who, out, errbuf, errlen);
		break;
	case DMG_CMD_POOL_DESTROY:
		rc = cli_out_printf(out, "Pool-destroy command succeeded\n");
		break;
	case DMG_CMD_POOL_LIST:
	case DMG_CMD_SYSTEM_LIST_POOLS:
		rc = dmg_render_pool_list(reply, a->da_verbose, who, out, errbuf, errlen);
		break;
	case DMG_CMD_POOL_QUERY:
		rc = dmg_render_pool_query(reply, a, who, out, errbuf, errlen);
		break;
	case DMG_CMD_POOL_QUERY_TARGETS:
		rc = dmg_render_pool_targets(reply, who, out, errbuf, errlen);
		break;
	case DMG_CMD_POOL_GET_PROP:
		rc = dmg_render_pool_props(reply, a->da_pool, who, out, errbuf, errlen);
		break;
	case DMG_CMD_POOL_SET_PROP:
		rc = cli_out_printf(out, "pool set-prop succeeded\n");
		break;
	default: /* exclude, reintegrate */
		rc = cli_out_printf(out, "%s command succeeded\n",
				    a->da_cmd == DMG_CMD_POOL_EXCLUDE ? "Exclude"
								      : "Reintegration");
		warning = json_string_value(json_object_get(reply, "warning"));
		if (rc == 0 && warning != NULL) {
			rc = cli_out_printf(out, "WARNING: ");
			if (rc == 0)
				rc = cli_out_puts_safe(out, warning);
			if (rc == 0)
				rc = cli_out_printf(out, "\n");
		}
		break;
	}
	if (rc != -DER_PROTO)
		*response = json_incref(reply);
	json_decref(reply);
	return rc;
}
