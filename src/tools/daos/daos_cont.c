/*
 * daos_cont.c: the daos container commands: create, list, query, destroy,
 * get-prop, set-prop, snapshots (create-snap, list-snaps, destroy-snap) and
 * container attributes.
 *
 * Each command connects to the pool, opens the container when it needs
 * one (read-only unless it changes something), calls libdaos, closes and
 * disconnects. The text is DAOS's: entity blocks for create and query,
 * "Properties for container <id>" and a Name/Value table for get-prop, the
 * snapshot lines of the C tool. Properties are converted from the parsed
 * list (daos_props.c) into a daos_prop_t only here.
 *
 * Invariants:
 *  1. A container handle is closed and the pool disconnected on every path
 *     out of a command that opened them.
 *  2. Values read back (labels, snapshot names, property strings) are
 *     bounded by their buffer or DTOOL_* limit before use.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include <daos.h>
#include "gurt/errbuf.h"
#include "tools/daos/daos_tool.h"

/* Chunk size DAOS's POSIX containers use when none was chosen (1 MiB). */
#define DTOOL_POSIX_CHUNK_DEFAULT (1ull << 20)

static int
json_set(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val) == 0 ? 0 : -DER_NOMEM;
}

static int
cont_open(struct dtool_ctx *ctx, daos_handle_t poh, const char *cont, bool rw,
	  daos_handle_t *coh, daos_cont_info_t *info, char *errbuf, size_t errlen)
{
	int rc;

	dtool_info(ctx, "opening container %s (%s)", cont, rw ? "read-write" : "read-only");
	rc = daos_cont_open(poh, cont, rw ? DAOS_COO_RW : DAOS_COO_RO, coh, info, NULL);
	if (rc != 0)
		d_errbuf_printf(errbuf, errlen, "failed to open container %s", cont);
	return rc;
}

static void
cont_close(struct dtool_ctx *ctx, daos_handle_t coh)
{
	int rc = daos_cont_close(coh, NULL);

	if (rc != 0)
		fprintf(stderr, "daos: container close failed: " DF_RC "\n", DP_RC(rc));
	else
		dtool_info(ctx, "closed container %s", ctx->dc_args->da_cont);
}

/* A daos_prop_t of the parsed properties (and --type, --oclass, --chunk-size). */
static int
props_build(const struct dtool_args *a, bool create, daos_prop_t **out)
{
	const struct dtool_props *pl = &a->da_props;
	daos_prop_t              *prop;
	uint32_t                  n = pl->pl_nr;
	uint32_t                  i = 0;
	int                       rc = 0;

	if (create)
		n += (a->da_type_set ? 1 : 0) + (a->da_oclass_set ? 1 : 0) +
		     (a->da_chunk_set ? 1 : 0);
	*out = NULL;
	if (n == 0)
		return 0;
	prop = daos_prop_alloc(n);
	if (prop == NULL)
		return -DER_NOMEM;
	for (uint32_t p = 0; p < pl->pl_nr && rc == 0; p++, i++) {
		const struct dtool_prop_val *pv = &pl->pl_vals[p];
		struct daos_prop_entry      *e = &prop->dpp_entries[i];

		e->dpe_type = pv->pv_desc->pd_type;
		if (pv->pv_desc->pd_kind == DTOOL_PK_STR)
			rc = daos_prop_entry_set_str(e, pv->pv_str, strlen(pv->pv_str));
		else
			e->dpe_val = pv->pv_num;
	}
	if (create && a->da_type_set) {
		prop->dpp_entries[i].dpe_type = DAOS_PROP_CO_LAYOUT_TYPE;
		prop->dpp_entries[i++].dpe_val = a->da_type;
	}
	if (create && a->da_oclass_set) {
		prop->dpp_entries[i].dpe_type = DAOS_PROP_CO_EXT_OCLASS;
		prop->dpp_entries[i++].dpe_val = a->da_oclass;
	}
	if (create && a->da_chunk_set) {
		prop->dpp_entries[i].dpe_type = DAOS_PROP_CO_EXT_CHUNK_SIZE;
		prop->dpp_entries[i++].dpe_val = a->da_chunk_size;
	}
	if (rc != 0) {
		daos_prop_free(prop);
		return rc;
	}
	*out = prop;
	return 0;
}

/*
 * Container information (create and query)
 */
struct cont_desc {
	char             cd_pool_uuid[40];
	char             cd_uuid[40];
	char             cd_label[DTOOL_LABEL_MAX + 1];
	uint64_t         cd_type;
	uint64_t         cd_rf;
	uint64_t         cd_oclass;
	uint64_t         cd_chunk;
	daos_cont_info_t cd_info;
};

/* Query what create and query print: info, label, type, rf, class, chunk size. */
static int
cont_describe(daos_handle_t coh, struct cont_desc *cd)
{
	static const uint32_t types[] = {DAOS_PROP_CO_LABEL, DAOS_PROP_CO_LAYOUT_TYPE,
					 DAOS_PROP_CO_REDUN_FAC, DAOS_PROP_CO_EXT_OCLASS,
					 DAOS_PROP_CO_EXT_CHUNK_SIZE};
	const uint32_t        ntypes = sizeof(types) / sizeof(types[0]);
	daos_prop_t          *prop;
	int                   rc;

	prop = daos_prop_alloc(ntypes);
	if (prop == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < ntypes; i++)
		prop->dpp_entries[i].dpe_type = types[i];
	rc = daos_cont_query(coh, &cd->cd_info, prop, NULL);
	if (rc == 0) {
		for (uint32_t i = 0; i < prop->dpp_nr; i++) {
			struct daos_prop_entry *e = &prop->dpp_entries[i];

			if (!daos_prop_is_set(e))
				continue;
			switch (e->dpe_type) {
			case DAOS_PROP_CO_LABEL:
				if (e->dpe_str != NULL)
					snprintf(cd->cd_label, sizeof(cd->cd_label), "%.*s",
						 DTOOL_LABEL_MAX, e->dpe_str);
				break;
			case DAOS_PROP_CO_LAYOUT_TYPE:
				cd->cd_type = e->dpe_val;
				break;
			case DAOS_PROP_CO_REDUN_FAC:
				cd->cd_rf = e->dpe_val;
				break;
			case DAOS_PROP_CO_EXT_OCLASS:
				cd->cd_oclass = e->dpe_val;
				break;
			case DAOS_PROP_CO_EXT_CHUNK_SIZE:
				cd->cd_chunk = e->dpe_val;
				break;
			default:
				break;
			}
		}
		uuid_unparse_lower(cd->cd_info.ci_uuid, cd->cd_uuid);
		/* the default label means none */
		if (strcmp(cd->cd_label, DAOS_PROP_CO_LABEL_DEFAULT) == 0)
			cd->cd_label[0] = '\0';
	}
	daos_prop_free(prop);
	return rc;
}

static int
cont_desc_print(const struct cont_desc *cd, bool verbose, struct cli_out *out,
		json_t **response)
{
	struct cli_entity       e;
	const daos_cont_info_t *ci = &cd->cd_info;
	char                    oclass[MAX_OBJ_CLASS_NAME_LEN] = "";
	char                    date[64];
	uint64_t                chunk = cd->cd_chunk;
	json_t                 *j;
	int                     rc;

	/* As DAOS: a chunk size is a POSIX container's (DFS) attribute. */
	if (cd->cd_type != DAOS_PROP_CO_LAYOUT_POSIX)
		chunk = 0;
	else if (chunk == 0)
		chunk = DTOOL_POSIX_CHUNK_DEFAULT;
	if (cd->cd_oclass != 0 && daos_oclass_id2name((daos_oclass_id_t)cd->cd_oclass,
						      oclass) != 0)
		snprintf(oclass, sizeof(oclass), "%" PRIu64, cd->cd_oclass);

	cli_entity_init(&e);
	rc = cli_entity_add(&e, "Container UUID", "%s", cd->cd_uuid);
	if (rc == 0 && cd->cd_label[0] != '\0')
		rc = cli_entity_add(&e, "Container Label", "%s", cd->cd_label);
	if (rc == 0)
		rc = cli_entity_add(&e, "Container Type", "%s", dtool_ctype_name(cd->cd_type));
	if (rc == 0 && verbose) {
		rc = cli_entity_add(&e, "Pool UUID", "%s", cd->cd_pool_uuid);
		if (rc == 0)
			rc = cli_entity_add(&e, "Container redundancy factor", "%" PRIu64,
					    cd->cd_rf);
		if (rc == 0)
			rc = cli_entity_add(&e, "Number of open handles", "%u", ci->ci_nhandles);
		dtool_hlc_str(ci->ci_md_otime, date, sizeof(date));
		if (rc == 0)
			rc = cli_entity_add(&e, "Latest open time", "%#" PRIx64 " (%s)",
					    ci->ci_md_otime, date);
		dtool_hlc_str(ci->ci_md_mtime, date, sizeof(date));
		if (rc == 0)
			rc = cli_entity_add(&e, "Latest close/modify time", "%#" PRIx64 " (%s)",
					    ci->ci_md_mtime, date);
		if (rc == 0)
			rc = cli_entity_add(&e, "Number of snapshots", "%u", ci->ci_nsnapshots);
		dtool_hlc_str(ci->ci_lsnapshot, date, sizeof(date));
		if (rc == 0 && ci->ci_lsnapshot != 0)
			rc = cli_entity_add(&e, "Latest Persistent Snapshot", "%#" PRIx64 " (%s)",
					    ci->ci_lsnapshot, date);
		if (rc == 0 && oclass[0] != '\0')
			rc = cli_entity_add(&e, "Object Class", "%s", oclass);
		if (rc == 0 && chunk != 0) {
			char size[16];

			cli_isize_str(chunk, size, sizeof(size));
			rc = cli_entity_add(&e, "Chunk Size", "%s", size);
		}
	}
	if (rc == 0)
		rc = cli_entity_render(&e, out);
	cli_entity_fini(&e);
	if (rc != 0)
		return rc;

	/* -j: the keys of DAOS's containerInfo */
	j = json_object();
	if (j == NULL)
		return -DER_NOMEM;
	rc = json_set(j, "pool_uuid", json_string(cd->cd_pool_uuid));
	if (rc == 0)
		rc = json_set(j, "container_uuid", json_string(cd->cd_uuid));
	if (rc == 0 && cd->cd_label[0] != '\0')
		rc = json_set(j, "container_label", json_string(cd->cd_label));
	if (rc == 0)
		rc = json_set(j, "latest_snapshot", json_integer((json_int_t)ci->ci_lsnapshot));
	if (rc == 0)
		rc = json_set(j, "redundancy_factor", json_integer((json_int_t)cd->cd_rf));
	if (rc == 0)
		rc = json_set(j, "num_handles", json_integer(ci->ci_nhandles));
	if (rc == 0)
		rc = json_set(j, "num_snapshots", json_integer(ci->ci_nsnapshots));
	if (rc == 0)
		rc = json_set(j, "open_time", json_integer((json_int_t)ci->ci_md_otime));
	if (rc == 0)
		rc = json_set(j, "close_modify_time", json_integer((json_int_t)ci->ci_md_mtime));
	if (rc == 0)
		rc = json_set(j, "container_type", json_string(dtool_ctype_name(cd->cd_type)));
	if (rc == 0 && oclass[0] != '\0')
		rc = json_set(j, "object_class", json_string(oclass));
	if (rc == 0 && chunk != 0)
		rc = json_set(j, "chunk_size", json_integer((json_int_t)chunk));
	if (rc != 0) {
		json_decref(j);
		return rc;
	}
	*response = j;
	return 0;
}

/* The pool's UUID (for "Pool UUID"), from a query without extras. */
static int
pool_uuid(daos_handle_t poh, char *buf)
{
	daos_pool_info_t info;
	int              rc;

	memset(&info, 0, sizeof(info));
	rc = daos_pool_query(poh, NULL, &info, NULL, NULL);
	if (rc == 0)
		uuid_unparse_lower(info.pi_uuid, buf);
	return rc;
}

static int
cont_create(struct dtool_ctx *ctx, daos_handle_t poh, struct cli_out *out, json_t **response,
	    char *errbuf, size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	struct cont_desc         cd;
	daos_prop_t             *prop = NULL;
	daos_handle_t            coh;
	uuid_t                   uuid;
	int                      rc;

	memset(&cd, 0, sizeof(cd));
	rc = props_build(a, true, &prop);
	if (rc != 0)
		return rc;
	rc = daos_cont_create(poh, &uuid, prop, NULL);
	daos_prop_free(prop);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to create container");
		return rc;
	}
	uuid_unparse_lower(uuid, cd.cd_uuid);
	dtool_info(ctx, "created container %s", cd.cd_uuid);

	/* Print what the container says of itself, as DAOS does. */
	rc = pool_uuid(poh, cd.cd_pool_uuid);
	if (rc == 0)
		rc = cont_open(ctx, poh, cd.cd_uuid, false, &coh, NULL, errbuf, errlen);
	if (rc == 0) {
		rc = cont_describe(coh, &cd);
		cont_close(ctx, coh);
	}
	if (rc != 0) {
		/* The container exists: say so, and print what we know. */
		fprintf(stderr, "daos: container %s was created, but query failed: " DF_RC "\n",
			cd.cd_uuid, DP_RC(rc));
		uuid_unparse_lower(uuid, cd.cd_uuid);
		snprintf(cd.cd_label, sizeof(cd.cd_label), "%s", a->da_label ? a->da_label : "");
		cd.cd_type = a->da_type;
		errbuf[0] = '\0';
	}
	rc = cont_desc_print(&cd, false, out, response);
	if (rc == 0)
		rc = cli_out_printf(out, "\nSuccessfully created container %s\n", cd.cd_uuid);
	return rc;
}

static int
cont_query(struct dtool_ctx *ctx, daos_handle_t poh, daos_handle_t coh, struct cli_out *out,
	   json_t **response, char *errbuf, size_t errlen)
{
	struct cont_desc cd;
	int              rc;

	memset(&cd, 0, sizeof(cd));
	rc = pool_uuid(poh, cd.cd_pool_uuid);
	if (rc == 0)
		rc = cont_describe(coh, &cd);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to query container %s",
				ctx->dc_args->da_cont);
		return rc;
	}
	return cont_desc_print(&cd, true, out, response);
}

/*
 * Properties
 */

/* The ACL as DAOS prints it: its entries joined by ", ". */
static void
acl_str(struct daos_acl *acl, char *buf, size_t len)
{
	char **strs = NULL;
	size_t nr = 0, n = 0;

	buf[0] = '\0';
	if (acl == NULL || daos_acl_to_strs(acl, &strs, &nr) != 0)
		return;
	for (size_t i = 0; i < nr; i++) {
		int w = 0;

		if (n < len)
			w = snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : ", ", strs[i]);
		if (w > 0)
			n += (size_t)w;
		free(strs[i]);
	}
	free(strs);
}

static int
cont_get_prop(struct dtool_ctx *ctx, daos_handle_t coh, struct cli_out *out,
	      json_t **response, char *errbuf, size_t errlen)
{
	static const char *const      titles[] = {"Name", "Value"};
	const struct dtool_args      *a = ctx->dc_args;
	const struct dtool_prop_desc *all;
	const struct dtool_prop_desc *want[DTOOL_PROPS_MAX + 1];
	struct cli_table              t;
	daos_prop_t                  *prop = NULL;
	json_t                       *list = NULL;
	uint32_t                      nall, nwant = 0;
	int                           rc;

	all = dtool_prop_table(&nall);
	if (a->da_get_nr > 0) {
		for (uint32_t i = 0; i < a->da_get_nr; i++)
			want[nwant++] = a->da_get[i];
	} else {
		/* every property by name, and the ACL last as DAOS prints it */
		for (uint32_t i = 0; i < nall && nwant < DTOOL_PROPS_MAX; i++)
			if (all[i].pd_kind != DTOOL_PK_ACL)
				want[nwant++] = &all[i];
		want[nwant++] = dtool_prop_by_type(DAOS_PROP_CO_ACL);
	}
	rc = cli_table_init(&t, 2, titles, 0);
	if (rc != 0)
		return rc;
	prop = daos_prop_alloc(nwant);
	list = json_array();
	if (prop == NULL || list == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < nwant; i++)
		prop->dpp_entries[i].dpe_type = want[i]->pd_type;
	rc = daos_cont_query(coh, NULL, prop, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to fetch properties for container %s",
				a->da_cont);
		goto out;
	}
	for (uint32_t i = 0; i < nwant && rc == 0; i++) {
		const struct dtool_prop_desc *d = want[i];
		struct daos_prop_entry       *e = daos_prop_entry_get(prop, d->pd_type);
		char                          val[CLI_CELL_MAX + 1];
		char                          name[128];
		const char                   *cells[2] = {name, val};
		json_t                       *o;
		json_t                       *jv;

		snprintf(name, sizeof(name), "%s (%s)", d->pd_desc, d->pd_name);
		if (e == NULL || !daos_prop_is_set(e)) {
			snprintf(val, sizeof(val), "not set");
			jv = json_null();
		} else if (d->pd_kind == DTOOL_PK_ACL) {
			acl_str(e->dpe_val_ptr, val, sizeof(val));
			jv = json_string(val);
		} else {
			dtool_prop_str(d, e->dpe_val,
				       d->pd_kind == DTOOL_PK_STR ? e->dpe_str : NULL, val,
				       sizeof(val));
			if (d->pd_kind == DTOOL_PK_UINT || d->pd_kind == DTOOL_PK_PDA ||
			    d->pd_kind == DTOOL_PK_SIZE)
				jv = json_integer((json_int_t)e->dpe_val);
			else
				jv = json_string(val);
		}
		rc = cli_table_add(&t, cells);
		if (rc != 0) {
			json_decref(jv);
			break;
		}
		o = json_object();
		/* json_array_append_new releases o when it fails */
		if (o == NULL || json_array_append_new(list, o) != 0) {
			json_decref(jv);
			rc = -DER_NOMEM;
			break;
		}
		rc = json_set(o, "name", json_string(d->pd_name));
		if (rc == 0)
			rc = json_set(o, "description", json_string(d->pd_desc));
		if (rc == 0)
			rc = json_set(o, "value", jv != NULL ? jv : json_string("?"));
		else
			json_decref(jv);
	}
	if (rc == 0)
		rc = cli_out_printf(out, "Properties for container %s\n", a->da_cont);
	if (rc == 0)
		rc = cli_table_render(&t, out);
	if (rc == 0) {
		*response = list;
		list = NULL;
	}
out:
	json_decref(list);
	daos_prop_free(prop);
	cli_table_fini(&t);
	return rc;
}

static int
cont_set_prop(struct dtool_ctx *ctx, daos_handle_t coh, struct cli_out *out, char *errbuf,
	      size_t errlen)
{
	daos_prop_t *prop = NULL;
	int          rc;

	rc = props_build(ctx->dc_args, false, &prop);
	if (rc != 0)
		return rc;
	rc = daos_cont_set_prop(coh, prop, NULL);
	daos_prop_free(prop);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to set properties on container %s",
				ctx->dc_args->da_cont);
		return rc;
	}
	return cli_out_printf(out, "Properties were successfully set\n");
}

/*
 * Snapshots
 */
struct snap_list {
	daos_epoch_t *sl_epochs;
	char        **sl_names;
	char         *sl_name_buf;
	int           sl_nr;
};

static void
snap_list_fini(struct snap_list *sl)
{
	free(sl->sl_epochs);
	free(sl->sl_names);
	free(sl->sl_name_buf);
	memset(sl, 0, sizeof(*sl));
}

/* Every snapshot of the container (epochs and names). */
static int
snap_list(daos_handle_t coh, struct snap_list *sl)
{
	const size_t name_len = DAOS_PROP_LABEL_MAX_LEN + 1;
	int          nr = 0;
	int          rc;

	memset(sl, 0, sizeof(*sl));
	rc = daos_cont_list_snap(coh, &nr, NULL, NULL, NULL, NULL);
	for (int tries = 0; rc == 0 && nr > 0 && tries < DTOOL_CALL_RETRIES; tries++) {
		int cap = nr;

		if (nr < 0 || nr > DTOOL_SNAPS_MAX)
			return -DER_OVERFLOW;
		snap_list_fini(sl);
		sl->sl_epochs = calloc((size_t)cap, sizeof(*sl->sl_epochs));
		sl->sl_names = calloc((size_t)cap, sizeof(*sl->sl_names));
		sl->sl_name_buf = calloc((size_t)cap, name_len);
		if (sl->sl_epochs == NULL || sl->sl_names == NULL || sl->sl_name_buf == NULL) {
			snap_list_fini(sl);
			return -DER_NOMEM;
		}
		for (int i = 0; i < cap; i++)
			sl->sl_names[i] = sl->sl_name_buf + (size_t)i * name_len;
		rc = daos_cont_list_snap(coh, &nr, sl->sl_epochs, sl->sl_names, NULL, NULL);
		if (rc == 0 && nr <= cap) {
			sl->sl_nr = nr;
			for (int i = 0; i < nr; i++)
				sl->sl_names[i][name_len - 1] = '\0';
			return 0;
		}
		/* snapshots were taken meanwhile: again with the new count */
	}
	if (rc == 0 && nr > 0)
		rc = -DER_AGAIN;
	if (rc != 0)
		snap_list_fini(sl);
	return rc;
}

static int
cont_create_snap(struct dtool_ctx *ctx, daos_handle_t coh, struct cli_out *out,
		 json_t **response, char *errbuf, size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	char                     name[DTOOL_SNAP_NAME_MAX + 1];
	daos_epoch_t             epoch = 0;
	json_t                  *j;
	int                      rc;

	if (a->da_snap != NULL)
		snprintf(name, sizeof(name), "%s", a->da_snap);
	rc = daos_cont_create_snap(coh, &epoch, a->da_snap != NULL ? name : NULL, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to create snapshot of container %s",
				a->da_cont);
		return rc;
	}
	rc = cli_out_printf(out, "snapshot/epoch %#" PRIx64 " has been created\n", epoch);
	if (rc != 0)
		return rc;
	j = json_object();
	if (j == NULL)
		return -DER_NOMEM;
	rc = json_set(j, "epoch", json_integer((json_int_t)epoch));
	if (rc == 0 && a->da_snap != NULL)
		rc = json_set(j, "name", json_string(a->da_snap));
	if (rc != 0) {
		json_decref(j);
		return rc;
	}
	*response = j;
	return 0;
}

static int
cont_list_snaps(struct dtool_ctx *ctx, daos_handle_t coh, struct cli_out *out,
		json_t **response, char *errbuf, size_t errlen)
{
	struct snap_list sl;
	json_t          *list;
	int              rc;

	rc = snap_list(coh, &sl);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to list snapshots for container %s",
				ctx->dc_args->da_cont);
		return rc;
	}
	list = json_array();
	if (list == NULL) {
		snap_list_fini(&sl);
		return -DER_NOMEM;
	}
	rc = cli_out_printf(out, "Container's snapshots :\n");
	if (rc == 0 && sl.sl_nr == 0)
		rc = cli_out_printf(out, "no snapshots\n");
	for (int i = 0; i < sl.sl_nr && rc == 0; i++) {
		const char *name = sl.sl_names[i];
		json_t     *o = json_object();

		rc = cli_out_printf(out, "%#" PRIx64 "%s", sl.sl_epochs[i],
				    name[0] != '\0' ? " " : "");
		if (rc == 0)
			rc = cli_out_put_safe(out, name, strlen(name));
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
		if (rc == 0 && (o == NULL || json_array_append_new(list, o) != 0)) {
			rc = -DER_NOMEM;
			break;
		}
		if (rc == 0)
			rc = json_set(o, "epoch", json_integer((json_int_t)sl.sl_epochs[i]));
		if (rc == 0 && name[0] != '\0')
			rc = json_set(o, "name", json_string(name));
	}
	snap_list_fini(&sl);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*response = list;
	return 0;
}

static int
cont_destroy_snap(struct dtool_ctx *ctx, daos_handle_t coh, char *errbuf, size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	daos_epoch_range_t       epr;
	int                      rc;

	if (a->da_snap != NULL) {
		struct snap_list sl;
		int              i;

		rc = snap_list(coh, &sl);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "failed to list snapshots for container %s",
					a->da_cont);
			return rc;
		}
		for (i = 0; i < sl.sl_nr; i++)
			if (strcmp(sl.sl_names[i], a->da_snap) == 0)
				break;
		if (i == sl.sl_nr) {
			snap_list_fini(&sl);
			d_errbuf_printf(errbuf, errlen, "snapshot %s not found in container %s",
					a->da_snap, a->da_cont);
			return -DER_NONEXIST;
		}
		epr.epr_lo = sl.sl_epochs[i];
		epr.epr_hi = sl.sl_epochs[i];
		snap_list_fini(&sl);
	} else if (a->da_epoch_set) {
		epr.epr_lo = a->da_epoch;
		epr.epr_hi = a->da_epoch;
	} else {
		epr = a->da_epr;
	}
	dtool_info(ctx, "destroying snapshots %#" PRIx64 "-%#" PRIx64, epr.epr_lo, epr.epr_hi);
	rc = daos_cont_destroy_snap(coh, epr, NULL);
	if (rc != 0)
		d_errbuf_printf(errbuf, errlen, "failed to destroy snapshot of container %s",
				a->da_cont);
	return rc;
}

int
dtool_cont_run(struct dtool_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
	       size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	enum dtool_cmd           cmd = a->da_cmd;
	daos_handle_t            poh, coh;
	char                     what[DTOOL_LABEL_MAX + 16];
	bool                     pool_rw, cont_rw;
	int                      rc;

	cont_rw = cmd == DTOOL_CMD_CONT_SET_PROP || cmd == DTOOL_CMD_CONT_CREATE_SNAP ||
		  cmd == DTOOL_CMD_CONT_DESTROY_SNAP || cmd == DTOOL_CMD_CONT_SET_ATTR ||
		  cmd == DTOOL_CMD_CONT_DEL_ATTR;
	/*
	 * A command that changes the pool or a container connects read-write:
	 * this libdaos opens a container read-write only through a read-write
	 * pool handle. Without write permission on the pool, the container's
	 * own permissions may still allow the change (as DAOS's tool does, it
	 * then goes on with a read-only connection).
	 */
	pool_rw = cont_rw || cmd == DTOOL_CMD_CONT_CREATE || cmd == DTOOL_CMD_CONT_DESTROY;
	rc = dtool_pool_connect(ctx, pool_rw, &poh, errbuf, errlen);
	if (rc == -DER_NO_PERM && pool_rw && cmd != DTOOL_CMD_CONT_CREATE) {
		errbuf[0] = '\0';
		rc = dtool_pool_connect(ctx, false, &poh, errbuf, errlen);
	}
	if (rc != 0)
		return rc;

	switch (cmd) {
	case DTOOL_CMD_CONT_CREATE:
		rc = cont_create(ctx, poh, out, response, errbuf, errlen);
		goto out_pool;
	case DTOOL_CMD_CONT_LIST:
		rc = dtool_cont_list_print(poh, out, response, errbuf, errlen, a->da_pool);
		goto out_pool;
	case DTOOL_CMD_CONT_DESTROY:
		dtool_info(ctx, "destroying container %s (force: %s)", a->da_cont,
			   a->da_force ? "yes" : "no");
		rc = daos_cont_destroy(poh, a->da_cont, a->da_force ? 1 : 0, NULL);
		if (rc != 0)
			d_errbuf_printf(errbuf, errlen, "failed to destroy container %s",
					a->da_cont);
		else
			rc = cli_out_printf(out, "Successfully destroyed container %s\n",
					    a->da_cont);
		goto out_pool;
	default:
		break;
	}

	rc = cont_open(ctx, poh, a->da_cont, cont_rw, &coh, NULL, errbuf, errlen);
	if (rc != 0)
		goto out_pool;
	snprintf(what, sizeof(what), "container %s", a->da_cont);
	switch (cmd) {
	case DTOOL_CMD_CONT_QUERY:
		rc = cont_query(ctx, poh, coh, out, response, errbuf, errlen);
		break;
	case DTOOL_CMD_CONT_GET_PROP:
		rc = cont_get_prop(ctx, coh, out, response, errbuf, errlen);
		break;
	case DTOOL_CMD_CONT_SET_PROP:
		rc = cont_set_prop(ctx, coh, out, errbuf, errlen);
		break;
	case DTOOL_CMD_CONT_CREATE_SNAP:
		rc = cont_create_snap(ctx, coh, out, response, errbuf, errlen);
		break;
	case DTOOL_CMD_CONT_LIST_SNAPS:
		rc = cont_list_snaps(ctx, coh, out, response, errbuf, errlen);
		break;
	case DTOOL_CMD_CONT_DESTROY_SNAP:
		rc = cont_destroy_snap(ctx, coh, errbuf, errlen);
		break;
	default:
		rc = dtool_attr_run(ctx, DTOOL_ATTR_CONT, coh, what, out, response, errbuf,
				    errlen);
		break;
	}
	cont_close(ctx, coh);
out_pool:
	dtool_pool_disconnect(ctx, poh);
	return rc;
}
