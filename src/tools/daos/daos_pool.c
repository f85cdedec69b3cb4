/*
 * daos_pool.c: daos pool query, list-containers and the pool attribute
 * commands, and the attribute and container-list code the container
 * commands share.
 *
 * Every command connects to the pool named on the command line (label or
 * UUID, system -G), does its calls and disconnects; a failure is reported
 * as DAOS's tool does, "failed to <what> <pool>" with the DER code, and
 * nothing is printed on stdout for it.
 *
 * Invariants:
 *  1. Every buffer handed to libdaos is sized from a count or size the
 *     library reported, bounded by a DTOOL_* limit before the allocation; a
 *     reply that grew between the two calls is asked again a bounded number
 *     of times (DTOOL_CALL_RETRIES) and never read past what was allocated.
 *  2. Strings from the library (labels, attribute names and values) are
 *     bounded with strnlen by their buffer's size and printed sanitised.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include <daos.h>
#include "gurt/errbuf.h"
#include "gurt/rankset.h"
#include "tools/daos/daos_tool.h"

int
dtool_pool_connect(struct dtool_ctx *ctx, bool rw, daos_handle_t *poh, char *errbuf,
		   size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	int                      rc;

	dtool_info(ctx, "connecting to pool %s%s%s (%s)", a->da_pool, a->da_sys ? " of " : "",
		   a->da_sys ? a->da_sys : "", rw ? "read-write" : "read-only");
	rc = daos_pool_connect(a->da_pool, a->da_sys, rw ? DAOS_PC_RW : DAOS_PC_RO, poh, NULL,
			       NULL);
	if (rc != 0)
		d_errbuf_printf(errbuf, errlen, "failed to connect to pool %s", a->da_pool);
	return rc;
}

void
dtool_pool_disconnect(struct dtool_ctx *ctx, daos_handle_t poh)
{
	int rc = daos_pool_disconnect(poh, NULL);

	/* the command's result stands; a failed disconnect is only worth a note */
	if (rc != 0)
		fprintf(stderr, "daos: pool disconnect failed: " DF_RC "\n", DP_RC(rc));
	else
		dtool_info(ctx, "disconnected from pool %s", ctx->dc_args->da_pool);
}

/* A JSON string of untrusted bytes: bytes that make it invalid UTF-8 become '?'. */
static json_t *
json_str_safe(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char   *copy;

	if (j != NULL || n > CLI_OUT_MAX)
		return j;
	copy = malloc(n + 1);
	if (copy == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		copy[i] = ((unsigned char)s[i] >= 0x80 || s[i] == '\0') ? '?' : s[i];
	copy[n] = '\0';
	j = json_stringn(copy, n);
	free(copy);
	return j;
}

/*
 * Pool query
 */

/* "0-3,5" (no brackets, as DAOS prints rank sets) of a rank list. */
static int
ranks_str(const d_rank_list_t *ranks, char **str, json_t **arr)
{
	struct d_rankset set;
	size_t           len;
	int              rc = 0;

	*str = NULL;
	*arr = json_array();
	if (*arr == NULL)
		return -DER_NOMEM;
	d_rankset_init(&set);
	for (uint32_t i = 0; ranks != NULL && i < ranks->rl_nr && rc == 0; i++) {
		if (i >= DTOOL_RANKS_MAX)
			break;
		rc = d_rankset_add(&set, ranks->rl_ranks[i]);
	}
	if (rc == 0) {
		d_rank_t r;

		for (bool more = d_rankset_first(&set, &r); more && rc == 0;
		     more = d_rankset_next(&set, &r))
			rc = json_array_append_new(*arr, json_integer(r)) == 0 ? 0 : -DER_NOMEM;
	}
	if (rc == 0) {
		len = d_rankset_format_len(&set, false) + 1;
		*str = malloc(len);
		if (*str == NULL)
			rc = -DER_NOMEM;
		else
			rc = d_rankset_format(&set, *str, len, false);
	}
	d_rankset_fini(&set);
	if (rc != 0) {
		free(*str);
		*str = NULL;
		json_decref(*arr);
		*arr = NULL;
	}
	return rc;
}

/* The engines in service (enabled) or not (disabled), as text and JSON. */
static int
query_ranks(daos_handle_t poh, uint64_t bit, char **str, json_t **arr)
{
	daos_pool_info_t info;
	d_rank_list_t   *ranks = NULL;
	int              rc;

	memset(&info, 0, sizeof(info));
	info.pi_bits = bit;
	rc = daos_pool_query(poh, &ranks, &info, NULL, NULL);
	if (rc != 0)
		return rc;
	rc = ranks_str(ranks, str, arr);
	d_rank_list_free(ranks);
	return rc;
}

static const char *
rebuild_state(const struct daos_rebuild_status *rs)
{
	if (rs->rs_state == DRS_IN_PROGRESS)
		return "busy";
	if (rs->rs_state == DRS_COMPLETED && rs->rs_version != 0)
		return "done";
	return "idle";
}

static int
json_set(json_t *obj, const char *key, json_t *val)
{
	/* json_object_set_new releases val on failure too */
	return json_object_set_new(obj, key, val) == 0 ? 0 : -DER_NOMEM;
}

static int
pool_query(struct dtool_ctx *ctx, daos_handle_t poh, struct cli_out *out, json_t **response,
	   char *errbuf, size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	static const char *const tier_names[DAOS_MEDIA_MAX] = {"SCM", "NVMe"};
	static const char *const tier_json[DAOS_MEDIA_MAX] = {"scm", "nvme"};
	daos_pool_info_t         info;
	daos_prop_t             *prop = NULL;
	struct daos_prop_entry  *label;
	char                     uuid[40];
	char                     label_buf[DTOOL_LABEL_MAX + 1] = "";
	char                    *enabled = NULL, *disabled = NULL;
	json_t                  *en_arr = NULL, *dis_arr = NULL;
	json_t                  *resp = NULL, *rebuild = NULL, *tiers = NULL;
	const char              *state;
	int                      rc;

	memset(&info, 0, sizeof(info));
	info.pi_bits = DPI_REBUILD_STATUS | (a->da_health_only ? 0 : DPI_SPACE);
	prop = daos_prop_alloc(1);
	if (prop == NULL)
		return -DER_NOMEM;
	prop->dpp_entries[0].dpe_type = DAOS_PROP_PO_LABEL;
	rc = daos_pool_query(poh, NULL, &info, prop, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to query pool %s", a->da_pool);
		goto out;
	}
	label = daos_prop_entry_get(prop, DAOS_PROP_PO_LABEL);
	if (label != NULL && daos_prop_is_set(label) && label->dpe_str != NULL)
		snprintf(label_buf, sizeof(label_buf), "%.*s", DTOOL_LABEL_MAX,
			 label->dpe_str);
	if (a->da_show_enabled) {
		rc = query_ranks(poh, DPI_ENGINES_ENABLED, &enabled, &en_arr);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "failed to query enabled ranks of pool %s",
					a->da_pool);
			goto out;
		}
	}
	/* With no target disabled there is no disabled engine to ask for. */
	if (a->da_show_disabled && info.pi_ndisabled == 0) {
		dis_arr = json_array();
		if (dis_arr == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
	} else if (a->da_show_disabled) {
		rc = query_ranks(poh, DPI_ENGINES_DISABLED, &disabled, &dis_arr);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen,
					"failed to query disabled ranks of pool %s", a->da_pool);
			goto out;
		}
	}

	uuid_unparse_lower(info.pi_uuid, uuid);
	state = info.pi_ndisabled > 0 ? "Degraded" : "Ready";
	rc = cli_out_printf(out,
			    "Pool %s, ntarget=%u, disabled=%u, leader=%u, version=%u, "
			    "state=%s\nPool health info:\n",
			    uuid, info.pi_ntargets, info.pi_ndisabled, info.pi_leader,
			    info.pi_map_ver, state);
	if (rc == 0 && enabled != NULL && enabled[0] != '\0')
		rc = cli_out_printf(out, "- Enabled ranks: %s\n", enabled);
	if (rc == 0 && disabled != NULL && disabled[0] != '\0')
		rc = cli_out_printf(out, "- Disabled ranks: %s\n", disabled);
	if (rc == 0 && info.pi_rebuild_st.rs_errno != 0)
		rc = cli_out_printf(out, "- Rebuild failed, status=%d\n",
				    info.pi_rebuild_st.rs_errno);
	else if (rc == 0)
		rc = cli_out_printf(out, "- Rebuild %s, %" PRIu64 " objs, %" PRIu64 " recs\n",
				    rebuild_state(&info.pi_rebuild_st),
				    info.pi_rebuild_st.rs_obj_nr, info.pi_rebuild_st.rs_rec_nr);
	if (rc == 0 && !a->da_health_only) {
		const struct daos_pool_space *ps = &info.pi_space;

		rc = cli_out_printf(out, "Pool space info:\n- Target(VOS) count:%u\n",
				    ps->ps_ntargets);
		for (int m = 0; rc == 0 && m < DAOS_MEDIA_MAX; m++) {
			char total[16], free_[16], min[16], max[16], mean[16];

			cli_size_str(ps->ps_space.s_total[m], total, sizeof(total));
			cli_size_str(ps->ps_space.s_free[m], free_, sizeof(free_));
			cli_size_str(ps->ps_free_min[m], min, sizeof(min));
			cli_size_str(ps->ps_free_max[m], max, sizeof(max));
			cli_size_str(ps->ps_free_mean[m], mean, sizeof(mean));
			rc = cli_out_printf(out,
					    "- Storage tier %d (%s):\n  Total size: %s\n"
					    "  Free: %s, min:%s, max:%s, mean:%s\n",
					    m, tier_names[m], total, free_, min, max, mean);
		}
	}
	if (rc != 0)
		goto out;

	/* -j: the keys of DAOS's PoolInfo */
	resp = json_object();
	rebuild = json_object();
	if (resp == NULL || rebuild == NULL) {
		json_decref(rebuild);
		rc = -DER_NOMEM;
		goto out;
	}
	rc = json_set(rebuild, "status", json_integer(info.pi_rebuild_st.rs_errno));
	if (rc == 0)
		rc = json_set(rebuild, "state", json_string(rebuild_state(&info.pi_rebuild_st)));
	if (rc == 0)
		rc = json_set(rebuild, "objects", json_integer((json_int_t)
							       info.pi_rebuild_st.rs_obj_nr));
	if (rc == 0)
		rc = json_set(rebuild, "records", json_integer((json_int_t)
							       info.pi_rebuild_st.rs_rec_nr));
	if (rc != 0) {
		json_decref(rebuild);
		goto out;
	}
	rc = json_set(resp, "uuid", json_string(uuid));
	if (rc == 0)
		rc = json_set(resp, "label", json_str_safe(label_buf, strlen(label_buf)));
	if (rc == 0)
		rc = json_set(resp, "total_targets", json_integer(info.pi_ntargets));
	if (rc == 0)
		rc = json_set(resp, "active_targets",
			      json_integer(a->da_health_only ? 0 : info.pi_space.ps_ntargets));
	if (rc == 0)
		rc = json_set(resp, "total_engines", json_integer(info.pi_nnodes));
	if (rc == 0)
		rc = json_set(resp, "disabled_targets", json_integer(info.pi_ndisabled));
	if (rc == 0)
		rc = json_set(resp, "version", json_integer(info.pi_map_ver));
	if (rc == 0)
		rc = json_set(resp, "svc_ldr", json_integer(info.pi_leader));
	if (rc == 0)
		rc = json_set(resp, "rebuild", rebuild);
	else
		json_decref(rebuild);
	if (rc == 0 && !a->da_health_only) {
		tiers = json_array();
		rc = tiers == NULL ? -DER_NOMEM : 0;
		for (int m = 0; rc == 0 && m < DAOS_MEDIA_MAX; m++) {
			const struct daos_pool_space *ps = &info.pi_space;
			json_t                       *t = json_object();

			if (t == NULL || json_array_append_new(tiers, t) != 0) {
				rc = -DER_NOMEM;
				break;
			}
			rc = json_set(t, "media_type", json_string(tier_json[m]));
			if (rc == 0)
				rc = json_set(t, "total",
					      json_integer((json_int_t)ps->ps_space.s_total[m]));
			if (rc == 0)
				rc = json_set(t, "free",
					      json_integer((json_int_t)ps->ps_space.s_free[m]));
			if (rc == 0)
				rc = json_set(t, "min",
					      json_integer((json_int_t)ps->ps_free_min[m]));
			if (rc == 0)
				rc = json_set(t, "max",
					      json_integer((json_int_t)ps->ps_free_max[m]));
			if (rc == 0)
				rc = json_set(t, "mean",
					      json_integer((json_int_t)ps->ps_free_mean[m]));
		}
		if (rc == 0)
			rc = json_set(resp, "tier_stats", tiers);
		else
			json_decref(tiers);
	}
	if (rc == 0 && en_arr != NULL) {
		rc = json_set(resp, "enabled_ranks", en_arr);
		en_arr = NULL;
	}
	if (rc == 0 && dis_arr != NULL) {
		rc = json_set(resp, "disabled_ranks", dis_arr);
		dis_arr = NULL;
	}
	if (rc == 0)
		rc = json_set(resp, "state", json_string(state));
	if (rc == 0) {
		*response = resp;
		resp = NULL;
	}
out:
	json_decref(resp);
	json_decref(en_arr);
	json_decref(dis_arr);
	free(enabled);
	free(disabled);
	daos_prop_free(prop);
	return rc;
}

/*
 * Container listing (pool list-containers, container list)
 */
int
dtool_cont_list_print(daos_handle_t poh, struct cli_out *out, json_t **response, char *errbuf,
		      size_t errlen, const char *pool)
{
	static const char *const    titles[] = {"UUID", "Label"};
	struct daos_pool_cont_info *conts = NULL;
	struct cli_table            t;
	daos_size_t                 ncont = 0, cap = 0;
	json_t                     *list = NULL;
	bool                        listed;
	int                         rc;

	rc = cli_table_init(&t, 2, titles, 0);
	if (rc != 0)
		return rc;
	rc = daos_pool_list_cont(poh, &ncont, NULL, NULL);
	listed = ncont == 0;
	for (int tries = 0; rc == 0 && !listed && tries < DTOOL_CALL_RETRIES; tries++) {
		struct daos_pool_cont_info *tmp;

		if (ncont > DTOOL_CONTS_MAX) {
			d_errbuf_printf(errbuf, errlen, "pool %s has more than %d containers", pool,
					DTOOL_CONTS_MAX);
			rc = -DER_OVERFLOW;
			goto out;
		}
		/* room for containers created meanwhile (invariant 1) */
		cap = ncont + DTOOL_CONTS_MARGIN;
		tmp = realloc(conts, (size_t)cap * sizeof(*conts));
		if (tmp == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		conts = tmp;
		memset(conts, 0, (size_t)cap * sizeof(*conts));
		ncont = cap;
		rc = daos_pool_list_cont(poh, &ncont, conts, NULL);
		if (rc == 0)
			listed = true;
		if (rc != -DER_TRUNC)
			break;
		/* containers were created meanwhile: again, with the count given */
		rc = 0;
		if (ncont <= cap)
			ncont = cap * 2;
	}
	if (rc == 0 && !listed)
		rc = -DER_AGAIN;
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "unable to list containers for pool %s", pool);
		goto out;
	}
	if (ncont > cap)
		ncont = cap;
	list = json_array();
	if (list == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (daos_size_t i = 0; i < ncont && rc == 0; i++) {
		char        uuid[40];
		const char *label = conts[i].pci_label;
		size_t      llen = strnlen(label, sizeof(conts[i].pci_label));
		char        lbuf[DAOS_PROP_LABEL_MAX_LEN + 1];
		const char *cells[2] = {uuid, lbuf};
		json_t     *c = json_object();

		uuid_unparse_lower(conts[i].pci_uuid, uuid);
		memcpy(lbuf, label, llen);
		lbuf[llen] = '\0';
		if (c == NULL || json_array_append_new(list, c) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		rc = json_set(c, "uuid", json_string(uuid));
		if (rc == 0)
			rc = json_set(c, "label", json_str_safe(lbuf, llen));
		if (rc == 0)
			rc = cli_table_add(&t, cells);
	}
	if (rc != 0)
		goto out;
	if (ncont == 0)
		rc = cli_out_printf(out, "No containers.\n");
	else
		rc = cli_table_render(&t, out);
	if (rc == 0) {
		*response = list;
		list = NULL;
	}
out:
	json_decref(list);
	free(conts);
	cli_table_fini(&t);
	return rc;
}

/*
 * Attributes (pool and container)
 */
static int
attr_list_call(enum dtool_attr_of of, daos_handle_t hdl, char *buf, size_t *size)
{
	return of == DTOOL_ATTR_POOL ? daos_pool_list_attr(hdl, buf, size, NULL)
				     : daos_cont_list_attr(hdl, buf, size, NULL);
}

static int
attr_get_call(enum dtool_attr_of of, daos_handle_t hdl, int n, const char *const *names,
	      void *const *bufs, size_t *sizes)
{
	return of == DTOOL_ATTR_POOL ? daos_pool_get_attr(hdl, n, names, bufs, sizes, NULL)
				     : daos_cont_get_attr(hdl, n, names, bufs, sizes, NULL);
}

/* The names of every attribute, back to back with their NULs, in *buf (owned). */
static int
attr_names(enum dtool_attr_of of, daos_handle_t hdl, char **buf, size_t *size)
{
	size_t want = 0;
	int    rc;

	*buf = NULL;
	*size = 0;
	rc = attr_list_call(of, hdl, NULL, &want);
	for (int tries = 0; rc == 0 && want > 0 && tries < DTOOL_CALL_RETRIES; tries++) {
		size_t have;
		char  *tmp;

		if (want > DTOOL_ATTR_NAMES_MAX) {
			rc = -DER_OVERFLOW;
			break;
		}
		tmp = realloc(*buf, want + 1);
		if (tmp == NULL) {
			rc = -DER_NOMEM;
			break;
		}
		*buf = tmp;
		have = want;
		rc = attr_list_call(of, hdl, *buf, &want);
		if (rc != 0)
			break;
		if (want <= have) {
			/* a terminating NUL even if the library left the last name open */
			(*buf)[want] = '\0';
			*size = want;
			return 0;
		}
		/* names were added meanwhile: ask again with the new size */
	}
	if (rc == 0 && want > 0)
		rc = -DER_AGAIN;
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* Values of n attributes: vals[i] (owned, vlens[i] bytes) for names[i]. */
static int
attr_values(enum dtool_attr_of of, daos_handle_t hdl, uint32_t n, const char *const *names,
	    char **vals, size_t *vlens, char *errbuf, size_t errlen)
{
	size_t *sizes;
	int     rc;

	for (uint32_t i = 0; i < n; i++)
		vals[i] = NULL;
	sizes = calloc(n, sizeof(*sizes));
	if (sizes == NULL)
		return -DER_NOMEM;
	rc = attr_get_call(of, hdl, (int)n, names, NULL, sizes);
	if (rc != 0)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		if (sizes[i] > DTOOL_ATTR_READ_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"attribute '%s' is larger than %u bytes", names[i],
					DTOOL_ATTR_READ_MAX);
			rc = -DER_OVERFLOW;
			goto out;
		}
		/* at least one byte: a NULL buffer would ask for the size only */
		vlens[i] = sizes[i];
		vals[i] = malloc(sizes[i] + 1);
		if (vals[i] == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		sizes[i] = sizes[i] + 1;
	}
	rc = attr_get_call(of, hdl, (int)n, names, (void *const *)vals, sizes);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		/* a value that grew meanwhile is cut at what was allocated */
		if (sizes[i] < vlens[i])
			vlens[i] = sizes[i];
		/* values set by DAOS's tool end with a NUL: not part of the text */
		if (vlens[i] > 0 && vals[i][vlens[i] - 1] == '\0')
			vlens[i]--;
	}
out:
	if (rc != 0)
		for (uint32_t i = 0; i < n; i++) {
			free(vals[i]);
			vals[i] = NULL;
		}
	free(sizes);
	return rc;
}

/* NUL-terminated copies of the attribute names of the arguments. */
static char **
arg_names(const struct dtool_args *a)
{
	char **names = calloc(a->da_attr_nr + 1, sizeof(*names));

	if (names == NULL)
		return NULL;
	for (uint32_t i = 0; i < a->da_attr_nr; i++) {
		names[i] = strndup(a->da_attr_names[i], a->da_attr_name_lens[i]);
		if (names[i] == NULL) {
			for (uint32_t j = 0; j < i; j++)
				free(names[j]);
			free(names);
			return NULL;
		}
	}
	return names;
}

static void
names_free(char **names, uint32_t n)
{
	if (names == NULL)
		return;
	for (uint32_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* "Attributes for <what>:" and the Name (and Value) table; -j response too. */
static int
attr_print(const char *what, uint32_t n, char *const *names, char *const *vals,
	   const size_t *vlens, bool as_map, struct cli_out *out, json_t **response)
{
	static const char *const titles[] = {"Name", "Value"};
	struct cli_table         t;
	json_t                  *resp;
	int                      rc;

	resp = as_map ? json_object() : json_array();
	if (resp == NULL)
		return -DER_NOMEM;
	rc = cli_table_init(&t, vals != NULL ? 2 : 1, titles, 0);
	if (rc != 0) {
		json_decref(resp);
		return rc;
	}
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		char        vbuf[CLI_CELL_MAX + 1];
		const char *cells[2] = {names[i], vbuf};

		vbuf[0] = '\0';
		if (vals != NULL) {
			size_t l = vlens[i] < CLI_CELL_MAX ? vlens[i] : CLI_CELL_MAX;

			/* NULs inside a value would cut the cell: show them as '?' */
			for (size_t k = 0; k < l; k++)
				vbuf[k] = vals[i][k] == '\0' ? '?' : vals[i][k];
			vbuf[l] = '\0';
		}
		rc = cli_table_add(&t, cells);
		if (rc != 0)
			break;
		if (as_map) {
			char   *b64 = dtool_base64(vals[i], vlens[i]);
			json_t *key = json_str_safe(names[i], strlen(names[i]));

			/* a key must be UTF-8: the sanitised name when it is not */
			rc = b64 == NULL || key == NULL
				 ? -DER_NOMEM
				 : json_set(resp, json_string_value(key), json_string(b64));
			json_decref(key);
			free(b64);
		} else if (vals != NULL) {
			char   *b64 = dtool_base64(vals[i], vlens[i]);
			json_t *o = b64 != NULL ? json_object() : NULL;

			/* json_array_append_new releases o when it fails */
			if (o == NULL || json_array_append_new(resp, o) != 0) {
				rc = -DER_NOMEM;
			} else {
				rc = json_set(o, "name", json_str_safe(names[i], strlen(names[i])));
				if (rc == 0)
					rc = json_set(o, "value", json_string(b64));
			}
			free(b64);
		} else {
			rc = json_array_append_new(resp, json_str_safe(names[i], strlen(names[i])));
			rc = rc == 0 ? 0 : -DER_NOMEM;
		}
	}
	if (rc == 0)
		rc = cli_out_printf(out, "Attributes for %s:\n", what);
	if (rc == 0 && n == 0)
		rc = cli_out_printf(out, "  No attributes found.\n");
	else if (rc == 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
	if (rc == 0)
		*response = resp;
	else
		json_decref(resp);
	return rc;
}

int
dtool_attr_run(struct dtool_ctx *ctx, enum dtool_attr_of of, daos_handle_t hdl,
	       const char *what, struct cli_out *out, json_t **response, char *errbuf,
	       size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	enum dtool_cmd           cmd = a->da_cmd;
	char                   **names = NULL;
	char                   **vals = NULL;
	size_t                  *vlens = NULL;
	char                    *nbuf = NULL;
	uint32_t                 n = 0;
	uint32_t                 nvals = 0;
	int                      rc;

	switch (cmd) {
	case DTOOL_CMD_POOL_LIST_ATTR:
	case DTOOL_CMD_CONT_LIST_ATTR: {
		size_t size;

		rc = attr_names(of, hdl, &nbuf, &size);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "failed to list attributes for %s", what);
			goto out;
		}
		/* count, then point at, the names (invariant 2) */
		for (size_t off = 0; off < size; off += strnlen(nbuf + off, size - off) + 1)
			n++;
		if (n > DTOOL_ATTRS_LIST_MAX) {
			d_errbuf_printf(errbuf, errlen, "%s has more than %d attributes", what,
					DTOOL_ATTRS_LIST_MAX);
			rc = -DER_OVERFLOW;
			goto out;
		}
		names = calloc(n + 1, sizeof(*names));
		if (names == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		n = 0;
		for (size_t off = 0; off < size; off += strlen(nbuf + off) + 1)
			names[n++] = nbuf + off;
		if (a->da_values && n > 0) {
			vals = calloc(n, sizeof(*vals));
			vlens = calloc(n, sizeof(*vlens));
			if (vals == NULL || vlens == NULL) {
				rc = -DER_NOMEM;
				goto out;
			}
			nvals = n;
			rc = attr_values(of, hdl, n, (const char *const *)names, vals, vlens,
					 errbuf, errlen);
			if (rc != 0) {
				if (errbuf[0] == '\0')
					d_errbuf_printf(errbuf, errlen,
							"failed to get attribute values of %s",
							what);
				goto out;
			}
		}
		rc = attr_print(what, n, names, a->da_values ? vals : NULL, vlens, a->da_values,
				out, response);
		break;
	}
	case DTOOL_CMD_POOL_GET_ATTR:
	case DTOOL_CMD_CONT_GET_ATTR:
		names = arg_names(a);
		n = a->da_attr_nr;
		vals = calloc(n, sizeof(*vals));
		vlens = calloc(n, sizeof(*vlens));
		if (names == NULL || vals == NULL || vlens == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		nvals = n;
		rc = attr_values(of, hdl, n, (const char *const *)names, vals, vlens, errbuf,
				 errlen);
		if (rc != 0) {
			if (errbuf[0] == '\0')
				d_errbuf_printf(errbuf, errlen,
						"failed to get attribute%s '%s' from %s",
						n > 1 ? "s" : "", n > 1 ? "..." : names[0], what);
			goto out;
		}
		rc = attr_print(what, n, names, vals, vlens, false, out, response);
		break;
	case DTOOL_CMD_POOL_SET_ATTR:
	case DTOOL_CMD_CONT_SET_ATTR: {
		const void **values;

		names = arg_names(a);
		n = a->da_attr_nr;
		values = calloc(n, sizeof(*values));
		if (names == NULL || values == NULL) {
			free(values);
			rc = -DER_NOMEM;
			goto out;
		}
		for (uint32_t i = 0; i < n; i++)
			values[i] = a->da_attr_vals[i];
		if (of == DTOOL_ATTR_POOL)
			rc = daos_pool_set_attr(hdl, (int)n, (const char *const *)names,
						(const void *const *)values, a->da_attr_val_lens,
						NULL);
		else
			rc = daos_cont_set_attr(hdl, (int)n, (const char *const *)names,
						(const void *const *)values, a->da_attr_val_lens,
						NULL);
		free(values);
		if (rc != 0)
			d_errbuf_printf(errbuf, errlen, "failed to set attribute%s '%s' on %s",
					n > 1 ? "s" : "", n > 1 ? "..." : names[0], what);
		break;
	}
	case DTOOL_CMD_POOL_DEL_ATTR:
	case DTOOL_CMD_CONT_DEL_ATTR:
		names = arg_names(a);
		n = a->da_attr_nr;
		if (names == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		rc = of == DTOOL_ATTR_POOL
			 ? daos_pool_del_attr(hdl, (int)n, (const char *const *)names, NULL)
			 : daos_cont_del_attr(hdl, (int)n, (const char *const *)names, NULL);
		if (rc != 0)
			d_errbuf_printf(errbuf, errlen, "failed to delete attribute%s '%s' on %s",
					n > 1 ? "s" : "", n > 1 ? "..." : names[0], what);
		break;
	default:
		d_errbuf_printf(errbuf, errlen, "not an attribute command");
		rc = -DER_INVAL;
		break;
	}
out:
	for (uint32_t i = 0; vals != NULL && i < nvals; i++)
		free(vals[i]);
	free(vals);
	free(vlens);
	if (nbuf != NULL)
		free(names); /* they point into nbuf */
	else
		names_free(names, n);
	free(nbuf);
	return rc;
}

int
dtool_pool_run(struct dtool_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
	       size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	daos_handle_t            poh;
	char                     what[DTOOL_LABEL_MAX + 8];
	bool                     rw;
	int                      rc;

	rw = a->da_cmd == DTOOL_CMD_POOL_SET_ATTR || a->da_cmd == DTOOL_CMD_POOL_DEL_ATTR;
	rc = dtool_pool_connect(ctx, rw, &poh, errbuf, errlen);
	if (rc != 0)
		return rc;
	snprintf(what, sizeof(what), "pool %s", a->da_pool);
	switch (a->da_cmd) {
	case DTOOL_CMD_POOL_QUERY:
		rc = pool_query(ctx, poh, out, response, errbuf, errlen);
		break;
	case DTOOL_CMD_POOL_LIST_CONT:
		rc = dtool_cont_list_print(poh, out, response, errbuf, errlen, a->da_pool);
		break;
	default:
		rc = dtool_attr_run(ctx, DTOOL_ATTR_POOL, poh, what, out, response, errbuf,
				    errlen);
		break;
	}
	dtool_pool_disconnect(ctx, poh);
	return rc;
}
