/*
 * dc_cont.c: containers (daos_cont.h), through the agent's C4 methods
 * cont_create, cont_open/cont_query, cont_destroy, cont_set_prop,
 * cont_{set,get,del}_attr, cont_snap_{create,list,destroy} and
 * cont_alloc_oids. A container handle is the pool handle plus the
 * container's UUID and what the record said at open (type, properties):
 * targets create containers lazily on the first update (C3), so nothing is
 * registered on them.
 *
 * Container blob (envelope magic "DCCH"): pool uuid[16], container uuid[16],
 * u32 open flags, str label, str type, u32 property count, per property str
 * name, str value.
 *
 * Invariants:
 *  C1. A container record references its pool; while its handle is open the
 *      pool's dp_nr_conts counts it (disconnect is then -DER_BUSY).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "gurt/errbuf.h"

#define DC_CONT_BLOB_MAGIC 0x48434344u /* "DCCH" */

static void
dc_cont_free_hdl(struct dc_hdl *hdl)
{
	struct dc_cont *cont = container_of(hdl, struct dc_cont, dc_hdl);

	dc_pool_put(cont->dc_pool);
	free(cont->dc_props);
	free(cont);
}

int
dc_cont_alloc(struct dc_pool *pool, struct dc_cont **out)
{
	struct dc_cont *cont = calloc(1, sizeof(*cont));

	if (cont == NULL)
		return -DER_NOMEM;
	dc_hdl_init(&cont->dc_hdl, DC_HDL_CONT, dc_cont_free_hdl);
	dc_hdl_addref(&pool->dp_hdl);
	cont->dc_pool = pool;
	*out          = cont;
	return 0;
}

struct dc_cont *
dc_cont_get(daos_handle_t coh)
{
	struct dc_hdl *h = dc_hdl_lookup(coh, DC_HDL_CONT);

	return h == NULL ? NULL : container_of(h, struct dc_cont, dc_hdl);
}

void
dc_cont_put(struct dc_cont *cont)
{
	if (cont != NULL)
		dc_hdl_decref(&cont->dc_hdl);
}

bool
dc_cont_writable(const struct dc_cont *cont)
{
	return (cont->dc_flags & (DAOS_COO_RW | DAOS_COO_EX)) != 0 &&
	       (cont->dc_pool->dp_flags & (DAOS_PC_RW | DAOS_PC_EX)) != 0;
}

static const char *
dc_cont_prop(const struct dc_cont *cont, const char *name)
{
	for (uint32_t i = 0; i < cont->dc_nr_props; i++)
		if (strcmp(cont->dc_props[i].pt_name, name) == 0)
			return cont->dc_props[i].pt_value;
	return NULL;
}

void
dc_cont_apply_props(struct dc_cont *cont)
{
	const char *v;

	v = dc_cont_prop(cont, "oclass");
	cont->dc_oclass = v != NULL ? (daos_oclass_id_t)daos_oclass_name2id(v) : OC_UNKNOWN;
	v = dc_cont_prop(cont, "chunk_size");
	cont->dc_chunk_size = v != NULL ? strtoull(v, NULL, 10) : 0;
	v = dc_cont_prop(cont, "rd_fac");
	cont->dc_rf = v != NULL ? (uint32_t)strtoul(v, NULL, 10) : 0;
}

/* ---- the container record of a C4 reply ---------------------------------- */

struct dc_cont_rep {
	uuid_t               cr_uuid;
	char                 cr_label[DAOS_PROP_LABEL_MAX_LEN + 1];
	char                 cr_type[DC_CONT_TYPE_MAX];
	char                 cr_owner[DC_PRINCIPAL_MAX];
	char                 cr_group[DC_PRINCIPAL_MAX];
	uint64_t             cr_next_oid;
	uint64_t             cr_time;
	uint32_t             cr_nr_props;
	struct dc_prop_text *cr_props;
	uint32_t             cr_nr_snaps;
	daos_epoch_t        *cr_snaps;
};

static void
dc_cont_rep_fini(struct dc_cont_rep *cr)
{
	free(cr->cr_props);
	free(cr->cr_snaps);
	memset(cr, 0, sizeof(*cr));
}

static int
dc_epoch_cmp(const void *a, const void *b)
{
	const daos_epoch_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Parse a cont_open / cont_query reply (C4; untrusted). */
static int
dc_cont_rep_parse(const json_t *rep, struct dc_cont_rep *cr, char *errbuf, size_t errlen)
{
	const char *s, *key;
	json_t     *props, *snaps, *val;
	int64_t     v;
	uint32_t    n = 0;

	memset(cr, 0, sizeof(*cr));
	s = dc_json_str(rep, "uuid");
	if (s == NULL || !dc_is_uuid_str(s)) {
		d_errbuf_printf(errbuf, errlen, "container reply: bad or missing \"uuid\"");
		return -DER_PROTO;
	}
	uuid_parse(s, cr->cr_uuid);
	if (((s = dc_json_str(rep, "label")) != NULL &&
	     dc_strcpy(cr->cr_label, sizeof(cr->cr_label), s) != 0) ||
	    ((s = dc_json_str(rep, "type")) != NULL &&
	     dc_strcpy(cr->cr_type, sizeof(cr->cr_type), s) != 0) ||
	    ((s = dc_json_str(rep, "owner")) != NULL &&
	     dc_strcpy(cr->cr_owner, sizeof(cr->cr_owner), s) != 0) ||
	    ((s = dc_json_str(rep, "group")) != NULL &&
	     dc_strcpy(cr->cr_group, sizeof(cr->cr_group), s) != 0)) {
		d_errbuf_printf(errbuf, errlen, "container reply: a text field is too long");
		return -DER_PROTO;
	}
	if (dc_json_int(rep, "next_oid", 0, INT64_MAX, &v) == 0)
		cr->cr_next_oid = (uint64_t)v;
	if (dc_json_int(rep, "time", 0, INT64_MAX, &v) == 0)
		cr->cr_time = (uint64_t)v;
	props = json_object_get(rep, "props");
	if (props != NULL && !json_is_null(props)) {
		if (!json_is_object(props) || json_object_size(props) > DC_PROPS_MAX) {
			d_errbuf_printf(errbuf, errlen, "container reply: bad \"props\"");
			return -DER_PROTO;
		}
		if (json_object_size(props) > 0) {
			cr->cr_props = calloc(json_object_size(props), sizeof(*cr->cr_props));
			if (cr->cr_props == NULL)
				return -DER_NOMEM;
		}
		json_object_foreach(props, key, val) {
			struct dc_prop_text *p = &cr->cr_props[n];
			int                  w;

			if (dc_strcpy(p->pt_name, sizeof(p->pt_name), key) != 0) {
				d_errbuf_printf(errbuf, errlen,
						"container reply: property name '%.40s...' too long", key);
				dc_cont_rep_fini(cr);
				return -DER_PROTO;
			}
			w = dc_json_text(val, p->pt_value, sizeof(p->pt_value));
			if (w < 0 || (size_t)w >= sizeof(p->pt_value)) {
				D_DEBUG("container property '%s' left out: not a short text\n", key);
				continue;
			}
			n++;
		}
		cr->cr_nr_props = n;
	}
	snaps = json_object_get(rep, "snapshots");
	if (snaps != NULL && !json_is_null(snaps)) {
		if (!json_is_array(snaps) || json_array_size(snaps) > DC_SNAPS_MAX) {
			d_errbuf_printf(errbuf, errlen, "container reply: bad \"snapshots\"");
			dc_cont_rep_fini(cr);
			return -DER_PROTO;
		}
		if (json_array_size(snaps) > 0) {
			cr->cr_snaps = calloc(json_array_size(snaps), sizeof(*cr->cr_snaps));
			if (cr->cr_snaps == NULL) {
				dc_cont_rep_fini(cr);
				return -DER_NOMEM;
			}
		}
		for (size_t i = 0; i < json_array_size(snaps); i++) {
			json_t *e = json_array_get(snaps, i);

			/* [epoch, ...] or [{epoch, name}, ...] */
			if (json_is_object(e))
				e = json_object_get(e, "epoch");
			if (!json_is_integer(e) || json_integer_value(e) <= 0) {
				d_errbuf_printf(errbuf, errlen, "container reply: snapshot %zu has "
						"no valid epoch", i);
				dc_cont_rep_fini(cr);
				return -DER_PROTO;
			}
			cr->cr_snaps[cr->cr_nr_snaps++] = (daos_epoch_t)json_integer_value(e);
		}
		if (cr->cr_nr_snaps > 1) /* qsort(NULL, 0) is undefined */
			qsort(cr->cr_snaps, cr->cr_nr_snaps, sizeof(*cr->cr_snaps), dc_epoch_cmp);
	}
	return 0;
}

static void
dc_cont_info_fill(daos_cont_info_t *info, const struct dc_cont_rep *cr)
{
	const char *rf = NULL;

	memset(info, 0, sizeof(*info));
	uuid_copy(info->ci_uuid, cr->cr_uuid);
	info->ci_nsnapshots = cr->cr_nr_snaps;
	info->ci_lsnapshot  = cr->cr_nr_snaps > 0 ? cr->cr_snaps[cr->cr_nr_snaps - 1] : 0;
	info->ci_md_mtime   = cr->cr_time;
	info->ci_md_otime   = cr->cr_time;
	for (uint32_t i = 0; i < cr->cr_nr_props; i++)
		if (strcmp(cr->cr_props[i].pt_name, "rd_fac") == 0)
			rf = cr->cr_props[i].pt_value;
	info->ci_redun_fac = rf != NULL ? (uint32_t)strtoul(rf, NULL, 10) : 0;
}

/* cont_query of the container -> parsed record. */
static int
dc_cont_fetch(struct dc_pool *pool, const char *cont, struct dc_cont_rep *cr, const char *method)
{
	char    err[256] = "";
	json_t *body, *rep = NULL;
	int     rc;

	body = json_pack("{s:s, s:s}", "pool", pool->dp_uuid_str, "cont", cont);
	rc   = dc_agent_call(method, body, &rep, err, sizeof(err));
	if (rc == 0)
		rc = dc_cont_rep_parse(rep, cr, err, sizeof(err));
	json_decref(rep);
	if (rc != 0 && rc != -DER_NONEXIST)
		D_ERROR("%s of '%s' in pool %s: " DF_RC ": %s\n", method, cont, pool->dp_uuid_str,
			DP_RC(rc), err);
	return rc;
}

/* ---- create ---------------------------------------------------------------- */

struct dc_create_args {
	struct dc_pool *ca_pool;
	const char     *ca_label;
	daos_prop_t    *ca_prop;
	uuid_t         *ca_uuid;
};

/* Build the cont_create body from the properties (validated here). */
static int
dc_cont_create_body(struct dc_create_args *ca, json_t **out, char *errbuf, size_t errlen)
{
	const char *label = ca->ca_label;
	json_t     *body, *props;
	int         rc = 0;

	body  = json_pack("{s:s}", "pool", ca->ca_pool->dp_uuid_str);
	props = json_object();
	if (body == NULL || props == NULL) {
		json_decref(body);
		json_decref(props);
		return -DER_NOMEM;
	}
	for (uint32_t i = 0; ca->ca_prop != NULL && i < ca->ca_prop->dpp_nr && rc == 0; i++) {
		struct daos_prop_entry *e = &ca->ca_prop->dpp_entries[i];
		char                    name[DC_PROP_NAME_MAX], value[DC_PROP_VALUE_MAX];

		for (uint32_t j = 0; j < i; j++) {
			if (ca->ca_prop->dpp_entries[j].dpe_type == e->dpe_type) {
				d_errbuf_printf(errbuf, errlen, "property 0x%x given twice",
						e->dpe_type);
				rc = -DER_INVAL;
			}
		}
		if (rc != 0)
			break;
		if (e->dpe_type == DAOS_PROP_CO_LABEL) {
			if (e->dpe_str == NULL || !daos_label_is_valid(e->dpe_str)) {
				d_errbuf_printf(errbuf, errlen, "label property is not a valid label");
				rc = -DER_INVAL;
			} else if (label == NULL) {
				label = e->dpe_str;
			}
			continue;
		}
		if (e->dpe_type == DAOS_PROP_CO_LAYOUT_TYPE) {
			const char *t = dc_layout_name(e->dpe_val);

			if (t == NULL) {
				d_errbuf_printf(errbuf, errlen, "layout type %" PRIu64 " is not known",
						e->dpe_val);
				rc = -DER_INVAL;
			} else if (json_object_set_new(body, "type", json_string(t)) != 0) {
				rc = -DER_NOMEM;
			}
			continue;
		}
		rc = dc_co_prop_to_text(e, name, value, errbuf, errlen);
		if (rc == 0 && json_object_set_new(props, name, json_string(value)) != 0)
			rc = -DER_NOMEM;
	}
	if (rc == 0 && label != NULL && json_object_set_new(body, "label", json_string(label)) != 0)
		rc = -DER_NOMEM;
	if (rc == 0 && json_object_size(props) > 0) {
		rc = json_object_set_new(body, "props", props) == 0 ? 0 : -DER_NOMEM;
		props = NULL;
	}
	json_decref(props);
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	*out = body;
	return 0;
}

static int
dc_cont_create_fn(void *arg)
{
	struct dc_create_args *ca = arg;
	char                   err[256] = "";
	json_t                *body = NULL, *rep = NULL;
	const char            *u;
	int                    rc;

	if (!(ca->ca_pool->dp_flags & (DAOS_PC_RW | DAOS_PC_EX))) {
		D_ERROR("pool %s is connected read-only: cannot create a container\n",
			ca->ca_pool->dp_uuid_str);
		return -DER_NO_PERM;
	}
	rc = dc_cont_create_body(ca, &body, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("container create: " DF_RC ": %s\n", DP_RC(rc), err);
		return rc;
	}
	rc = dc_agent_call("cont_create", body, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("container create in pool %s: " DF_RC ": %s\n", ca->ca_pool->dp_uuid_str,
			DP_RC(rc), err);
		return rc;
	}
	u = dc_json_str(rep, "uuid");
	if (u == NULL || !dc_is_uuid_str(u)) {
		D_ERROR("cont_create reply has no valid uuid\n");
		rc = -DER_PROTO;
	} else if (ca->ca_uuid != NULL) {
		uuid_parse(u, *ca->ca_uuid);
	}
	json_decref(rep);
	return rc;
}

static int
dc_prop_input_check(daos_prop_t *prop)
{
	if (prop == NULL)
		return 0;
	if (prop->dpp_nr > DAOS_PROP_ENTRIES_MAX_NR || (prop->dpp_nr > 0 && prop->dpp_entries == NULL))
		return -DER_INVAL;
	for (uint32_t i = 0; i < prop->dpp_nr; i++)
		if (dc_co_prop_def(prop->dpp_entries[i].dpe_type) == NULL)
			return -DER_INVAL;
	return 0;
}

int
daos_cont_create2(daos_handle_t poh, uuid_t *uuid, daos_prop_t *cont_prop, daos_event_t *ev)
{
	struct dc_create_args ca = {NULL, NULL, cont_prop, uuid};
	int                   rc;

	if (dc_prop_input_check(cont_prop) != 0)
		return -DER_INVAL;
	ca.ca_pool = dc_pool_get(poh);
	if (ca.ca_pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_create_fn, &ca);
	dc_pool_put(ca.ca_pool);
	return rc;
}

int
daos_cont_create_with_label(daos_handle_t poh, const char *label, daos_prop_t *cont_prop,
			    uuid_t *uuid, daos_event_t *ev)
{
	struct dc_create_args ca = {NULL, label, cont_prop, uuid};
	int                   rc;

	if (!daos_label_is_valid(label) || dc_prop_input_check(cont_prop) != 0)
		return -DER_INVAL;
	ca.ca_pool = dc_pool_get(poh);
	if (ca.ca_pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_create_fn, &ca);
	dc_pool_put(ca.ca_pool);
	return rc;
}

/* ---- open / close / destroy ---------------------------------------------- */

struct dc_open_args {
	struct dc_pool   *oa_pool;
	const char       *oa_cont;
	unsigned int      oa_flags;
	daos_handle_t    *oa_coh;
	daos_cont_info_t *oa_info;
};

static int
dc_cont_open_fn(void *arg)
{
	struct dc_open_args *oa   = arg;
	struct dc_cont      *cont = NULL;
	struct dc_cont_rep   cr;
	int                  rc;

	if ((oa->oa_flags & (DAOS_COO_RW | DAOS_COO_EX)) &&
	    !(oa->oa_pool->dp_flags & (DAOS_PC_RW | DAOS_PC_EX))) {
		D_ERROR("container %s: read-write open on a read-only pool connection\n",
			oa->oa_cont);
		return -DER_NO_PERM;
	}
	rc = dc_cont_fetch(oa->oa_pool, oa->oa_cont, &cr, "cont_open");
	if (rc != 0)
		return rc;
	rc = dc_cont_alloc(oa->oa_pool, &cont);
	if (rc != 0)
		goto out;
	uuid_copy(cont->dc_uuid, cr.cr_uuid);
	uuid_unparse_lower(cont->dc_uuid, cont->dc_uuid_str);
	memcpy(cont->dc_label, cr.cr_label, sizeof(cont->dc_label));
	memcpy(cont->dc_type, cr.cr_type, sizeof(cont->dc_type));
	cont->dc_flags = oa->oa_flags;
	if (oa->oa_info != NULL)
		dc_cont_info_fill(oa->oa_info, &cr);
	cont->dc_props    = cr.cr_props;
	cont->dc_nr_props = cr.cr_nr_props;
	cr.cr_props       = NULL;
	cr.cr_nr_props    = 0;
	dc_cont_apply_props(cont);
	rc = dc_hdl_insert(&cont->dc_hdl, oa->oa_coh);
	if (rc == 0)
		atomic_fetch_add(&oa->oa_pool->dp_nr_conts, 1);
out:
	dc_cont_put(cont);
	dc_cont_rep_fini(&cr);
	return rc;
}

int
daos_cont_open2(daos_handle_t poh, const char *cont, unsigned int flags, daos_handle_t *coh,
		daos_cont_info_t *info, daos_event_t *ev)
{
	struct dc_open_args oa = {NULL, cont, flags, coh, info};
	unsigned int        mode = flags & (DAOS_COO_RO | DAOS_COO_RW | DAOS_COO_EX);
	int                 rc;

	if (!dc_name_valid(cont) || coh == NULL || (flags & ~DAOS_COO_MASK) != 0 ||
	    (mode != DAOS_COO_RO && mode != DAOS_COO_RW && mode != DAOS_COO_EX))
		return -DER_INVAL;
	oa.oa_pool = dc_pool_get(poh);
	if (oa.oa_pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_open_fn, &oa);
	dc_pool_put(oa.oa_pool);
	return rc;
}

static int
dc_cont_close_fn(void *arg)
{
	struct dc_cont *cont = arg;
	int             rc;

	rc = dc_hdl_delete(&cont->dc_hdl);
	if (rc == 0) {
		cont->dc_closed = true;
		atomic_fetch_sub(&cont->dc_pool->dp_nr_conts, 1);
	}
	return rc;
}

int
daos_cont_close(daos_handle_t coh, daos_event_t *ev)
{
	struct dc_cont *cont = dc_cont_get(coh);
	int             rc;

	if (cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_close_fn, cont);
	dc_cont_put(cont);
	return rc;
}

struct dc_destroy_args {
	struct dc_pool *da_pool;
	const char     *da_cont;
	int             da_force;
};

static int
dc_cont_destroy_fn(void *arg)
{
	struct dc_destroy_args *da = arg;
	char                    err[256] = "";
	json_t                 *body, *rep = NULL;
	int                     rc;

	if (!(da->da_pool->dp_flags & (DAOS_PC_RW | DAOS_PC_EX)))
		return -DER_NO_PERM;
	body = json_pack("{s:s, s:s, s:b}", "pool", da->da_pool->dp_uuid_str, "cont", da->da_cont,
			 "force", da->da_force != 0);
	rc   = dc_agent_call("cont_destroy", body, &rep, err, sizeof(err));
	json_decref(rep);
	if (rc != 0)
		D_ERROR("container destroy '%s': " DF_RC ": %s\n", da->da_cont, DP_RC(rc), err);
	return rc;
}

int
daos_cont_destroy2(daos_handle_t poh, const char *cont, int force, daos_event_t *ev)
{
	struct dc_destroy_args da = {NULL, cont, force};
	int                    rc;

	if (!dc_name_valid(cont))
		return -DER_INVAL;
	da.da_pool = dc_pool_get(poh);
	if (da.da_pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_destroy_fn, &da);
	dc_pool_put(da.da_pool);
	return rc;
}

/* ---- query / properties ----------------------------------------------------- */

struct dc_cquery_args {
	struct dc_cont   *qa_cont;
	daos_cont_info_t *qa_info;
	daos_prop_t      *qa_prop;
};

static int
dc_cont_query_fn(void *arg)
{
	struct dc_cquery_args *qa   = arg;
	struct dc_cont        *cont = qa->qa_cont;
	struct dc_cont_rep     cr;
	struct dc_cont_md      md;
	int                    rc;

	rc = dc_cont_fetch(cont->dc_pool, cont->dc_uuid_str, &cr, "cont_query");
	if (rc != 0)
		return rc;
	if (qa->qa_info != NULL)
		dc_cont_info_fill(qa->qa_info, &cr);
	if (qa->qa_prop != NULL) {
		md.cm_label       = cr.cr_label;
		md.cm_type        = cr.cr_type;
		md.cm_owner       = cr.cr_owner;
		md.cm_group       = cr.cr_group;
		md.cm_next_oid    = cr.cr_next_oid;
		md.cm_map_version = dc_pool_map_version(cont->dc_pool);
		md.cm_nr_props    = cr.cr_nr_props;
		md.cm_props       = cr.cr_props;
		if (qa->qa_prop->dpp_nr == 0) {
			/* every property (DAOS: dpp_entries NULL asks for all) */
			uint32_t n = DAOS_PROP_CO_MAX - DAOS_PROP_CO_MIN - 1;

			qa->qa_prop->dpp_entries = calloc(n, sizeof(*qa->qa_prop->dpp_entries));
			if (qa->qa_prop->dpp_entries == NULL) {
				rc = -DER_NOMEM;
				goto out;
			}
			qa->qa_prop->dpp_nr = n;
			for (uint32_t i = 0; i < n; i++)
				qa->qa_prop->dpp_entries[i].dpe_type = DAOS_PROP_CO_MIN + 1 + i;
		}
		for (uint32_t i = 0; i < qa->qa_prop->dpp_nr && rc == 0; i++)
			rc = dc_co_prop_fill(&qa->qa_prop->dpp_entries[i], &md);
	}
out:
	dc_cont_rep_fini(&cr);
	return rc;
}

int
daos_cont_query(daos_handle_t coh, daos_cont_info_t *info, daos_prop_t *cont_prop,
		daos_event_t *ev)
{
	struct dc_cquery_args qa = {NULL, info, cont_prop};
	int                   rc;

	if (cont_prop != NULL) {
		if (cont_prop->dpp_nr > DAOS_PROP_ENTRIES_MAX_NR ||
		    (cont_prop->dpp_nr > 0 && cont_prop->dpp_entries == NULL))
			return -DER_INVAL;
		for (uint32_t i = 0; i < cont_prop->dpp_nr; i++)
			if (dc_co_prop_def(cont_prop->dpp_entries[i].dpe_type) == NULL)
				return -DER_INVAL;
	}
	qa.qa_cont = dc_cont_get(coh);
	if (qa.qa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_query_fn, &qa);
	dc_cont_put(qa.qa_cont);
	return rc;
}

static int
dc_cont_get_acl_prop(struct dc_cont *cont, daos_prop_t **out)
{
	struct dc_cquery_args qa = {cont, NULL, NULL};
	daos_prop_t          *prop;
	int                   rc;

	prop = daos_prop_alloc(3);
	if (prop == NULL)
		return -DER_NOMEM;
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_ACL;
	prop->dpp_entries[1].dpe_type = DAOS_PROP_CO_OWNER;
	prop->dpp_entries[2].dpe_type = DAOS_PROP_CO_OWNER_GROUP;
	qa.qa_prop                    = prop;
	rc                            = dc_cont_query_fn(&qa);
	if (rc != 0) {
		daos_prop_free(prop);
		return rc;
	}
	*out = prop;
	return 0;
}

struct dc_getacl_args {
	struct dc_cont *ga_cont;
	daos_prop_t   **ga_out;
};

static int
dc_cont_get_acl_fn(void *arg)
{
	struct dc_getacl_args *ga = arg;

	return dc_cont_get_acl_prop(ga->ga_cont, ga->ga_out);
}

int
daos_cont_get_acl(daos_handle_t coh, daos_prop_t **acl_prop, daos_event_t *ev)
{
	struct dc_getacl_args ga = {NULL, acl_prop};
	int                   rc;

	if (acl_prop == NULL)
		return -DER_INVAL;
	ga.ga_cont = dc_cont_get(coh);
	if (ga.ga_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_get_acl_fn, &ga);
	dc_cont_put(ga.ga_cont);
	return rc;
}

struct dc_setprop_args {
	struct dc_cont *sa_cont;
	daos_prop_t    *sa_prop;
};

/* cont_set_prop with the entries of prop (every one mutable and valid). */
static int
dc_cont_set_prop_fn(void *arg)
{
	struct dc_setprop_args *sa = arg;
	struct dc_cont         *cont = sa->sa_cont;
	char                    err[256] = "";
	json_t                 *body, *props, *rep = NULL;
	int                     rc = 0;

	if (!dc_cont_writable(cont)) {
		D_ERROR("container %s: set-prop through a read-only handle\n", cont->dc_uuid_str);
		return -DER_NO_PERM;
	}
	props = json_object();
	if (props == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < sa->sa_prop->dpp_nr && rc == 0; i++) {
		struct daos_prop_entry      *e   = &sa->sa_prop->dpp_entries[i];
		const struct dc_co_prop_def *def = dc_co_prop_def(e->dpe_type);
		char                         name[DC_PROP_NAME_MAX], value[DC_PROP_VALUE_MAX];

		if (def == NULL || !def->cpd_mutable) {
			snprintf(err, sizeof(err), "property %s cannot change after creation",
				 def != NULL ? def->cpd_name : "(unknown)");
			rc = -DER_INVAL;
			break;
		}
		rc = dc_co_prop_to_text(e, name, value, err, sizeof(err));
		if (rc == 0 && json_object_set_new(props, name, json_string(value)) != 0)
			rc = -DER_NOMEM;
	}
	if (rc != 0) {
		json_decref(props);
		D_ERROR("container %s: set-prop: " DF_RC ": %s\n", cont->dc_uuid_str, DP_RC(rc),
			err);
		return rc;
	}
	body = json_pack("{s:s, s:s, s:o}", "pool", cont->dc_pool->dp_uuid_str, "cont",
			 cont->dc_uuid_str, "props", props);
	rc   = dc_agent_call("cont_set_prop", body, &rep, err, sizeof(err));
	json_decref(rep);
	if (rc != 0)
		D_ERROR("container %s: cont_set_prop: " DF_RC ": %s\n", cont->dc_uuid_str,
			DP_RC(rc), err);
	return rc;
}

int
daos_cont_set_prop(daos_handle_t coh, daos_prop_t *prop, daos_event_t *ev)
{
	struct dc_setprop_args sa = {NULL, prop};
	int                    rc;

	if (prop == NULL || prop->dpp_nr == 0 || dc_prop_input_check(prop) != 0)
		return -DER_INVAL;
	for (uint32_t i = 0; i < prop->dpp_nr; i++) {
		const struct dc_co_prop_def *def = dc_co_prop_def(prop->dpp_entries[i].dpe_type);

		if (!def->cpd_mutable)
			return -DER_INVAL;
	}
	sa.sa_cont = dc_cont_get(coh);
	if (sa.sa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_set_prop_fn, &sa);
	dc_cont_put(sa.sa_cont);
	return rc;
}

/* Set one entry now (helpers below). */
static int
dc_cont_set_one(struct dc_cont *cont, struct daos_prop_entry *e)
{
	daos_prop_t            prop = {.dpp_nr = 1, .dpp_entries = e};
	struct dc_setprop_args sa   = {cont, &prop};

	return dc_cont_set_prop_fn(&sa);
}

struct dc_acl_args {
	struct dc_cont              *aa_cont;
	struct daos_acl             *aa_acl;
	int                          aa_op; /* 0 overwrite, 1 update, 2 delete */
	enum daos_acl_principal_type aa_type;
	const char                  *aa_name;
};

static int
dc_cont_acl_fn(void *arg)
{
	struct dc_acl_args    *aa  = arg;
	struct daos_prop_entry e   = {.dpe_type = DAOS_PROP_CO_ACL};
	daos_prop_t           *cur = NULL;
	struct daos_acl       *acl = NULL;
	struct daos_ace       *ace;
	int                    rc  = 0;

	if (aa->aa_op == 0) {
		e.dpe_val_ptr = aa->aa_acl;
		return dc_cont_set_one(aa->aa_cont, &e);
	}
	rc = dc_cont_get_acl_prop(aa->aa_cont, &cur);
	if (rc != 0)
		return rc;
	acl = daos_acl_dup(daos_prop_entry_get(cur, DAOS_PROP_CO_ACL)->dpe_val_ptr);
	daos_prop_free(cur);
	if (acl == NULL)
		return -DER_NOMEM;
	if (aa->aa_op == 1) {
		for (ace = daos_acl_get_next_ace(aa->aa_acl, NULL); ace != NULL && rc == 0;
		     ace = daos_acl_get_next_ace(aa->aa_acl, ace))
			rc = daos_acl_add_ace(&acl, ace);
	} else {
		rc = daos_acl_remove_ace(&acl, aa->aa_type, aa->aa_name);
	}
	if (rc == 0) {
		e.dpe_val_ptr = acl;
		rc            = dc_cont_set_one(aa->aa_cont, &e);
	}
	daos_acl_free(acl);
	return rc;
}

static int
dc_cont_acl_op(daos_handle_t coh, struct dc_acl_args *aa, daos_event_t *ev)
{
	int rc;

	aa->aa_cont = dc_cont_get(coh);
	if (aa->aa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_acl_fn, aa);
	dc_cont_put(aa->aa_cont);
	return rc;
}

int
daos_cont_overwrite_acl(daos_handle_t coh, struct daos_acl *acl, daos_event_t *ev)
{
	struct dc_acl_args aa = {.aa_acl = acl, .aa_op = 0};

	if (daos_acl_cont_validate(acl) != 0)
		return -DER_INVAL;
	return dc_cont_acl_op(coh, &aa, ev);
}

int
daos_cont_update_acl(daos_handle_t coh, struct daos_acl *acl, daos_event_t *ev)
{
	struct dc_acl_args aa = {.aa_acl = acl, .aa_op = 1};

	if (daos_acl_cont_validate(acl) != 0)
		return -DER_INVAL;
	return dc_cont_acl_op(coh, &aa, ev);
}

int
daos_cont_delete_acl(daos_handle_t coh, enum daos_acl_principal_type type, char *name,
		     daos_event_t *ev)
{
	struct dc_acl_args aa = {.aa_op = 2, .aa_type = type, .aa_name = name};

	if ((unsigned int)type >= NUM_DAOS_ACL_TYPES ||
	    ((type == DAOS_ACL_USER || type == DAOS_ACL_GROUP) && !daos_acl_principal_is_valid(name)))
		return -DER_INVAL;
	return dc_cont_acl_op(coh, &aa, ev);
}

int
daos_cont_set_owner(daos_handle_t coh, char *user, char *group, daos_event_t *ev)
{
	struct daos_prop_entry e[2];
	daos_prop_t            prop = {.dpp_nr = 0, .dpp_entries = e};

	if ((user == NULL && group == NULL) ||
	    (user != NULL && !daos_acl_principal_is_valid(user)) ||
	    (group != NULL && !daos_acl_principal_is_valid(group)))
		return -DER_INVAL;
	memset(e, 0, sizeof(e));
	if (user != NULL) {
		e[prop.dpp_nr].dpe_type = DAOS_PROP_CO_OWNER;
		e[prop.dpp_nr].dpe_str  = user;
		prop.dpp_nr++;
	}
	if (group != NULL) {
		e[prop.dpp_nr].dpe_type = DAOS_PROP_CO_OWNER_GROUP;
		e[prop.dpp_nr].dpe_str  = group;
		prop.dpp_nr++;
	}
	return daos_cont_set_prop(coh, &prop, ev);
}

int
daos_cont_status_clear(daos_handle_t coh, daos_event_t *ev)
{
	struct daos_prop_entry e = {.dpe_type = DAOS_PROP_CO_STATUS};
	daos_prop_t            prop = {.dpp_nr = 1, .dpp_entries = &e};

	e.dpe_val = DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_HEALTHY, DAOS_PROP_CO_CLEAR, 0);
	return daos_cont_set_prop(coh, &prop, ev);
}

/* ---- attributes ------------------------------------------------------------ */

static json_t *
dc_cont_target(struct dc_cont *cont)
{
	return json_pack("{s:s, s:s}", "pool", cont->dc_pool->dp_uuid_str, "cont",
			 cont->dc_uuid_str);
}

int
daos_cont_list_attr(daos_handle_t coh, char *buffer, size_t *size, daos_event_t *ev)
{
	struct dc_cont *cont;
	json_t         *t;
	int             rc;

	if (size == NULL || (buffer != NULL && *size == 0))
		return -DER_INVAL;
	cont = dc_cont_get(coh);
	if (cont == NULL)
		return -DER_NO_HDL;
	t  = dc_cont_target(cont);
	rc = t == NULL ? -DER_NOMEM : dc_attr_list("cont", t, buffer, size, ev);
	json_decref(t);
	dc_cont_put(cont);
	return rc;
}

int
daos_cont_get_attr(daos_handle_t coh, int n, char const *const names[], void *const buffers[],
		   size_t sizes[], daos_event_t *ev)
{
	struct dc_cont *cont;
	json_t         *t;
	int             rc;

	if (dc_attr_check(n, names, NULL, NULL, false) != 0 || sizes == NULL)
		return -DER_INVAL;
	cont = dc_cont_get(coh);
	if (cont == NULL)
		return -DER_NO_HDL;
	t  = dc_cont_target(cont);
	rc = t == NULL ? -DER_NOMEM : dc_attr_get("cont", t, n, names, buffers, sizes, ev);
	json_decref(t);
	dc_cont_put(cont);
	return rc;
}

int
daos_cont_set_attr(daos_handle_t coh, int n, char const *const names[],
		   void const *const values[], size_t const sizes[], daos_event_t *ev)
{
	struct dc_cont *cont;
	json_t         *t;
	int             rc;

	rc = dc_attr_check(n, names, values, sizes, true);
	if (rc != 0)
		return rc;
	cont = dc_cont_get(coh);
	if (cont == NULL)
		return -DER_NO_HDL;
	if (!dc_cont_writable(cont)) {
		dc_cont_put(cont);
		return -DER_NO_PERM;
	}
	t  = dc_cont_target(cont);
	rc = t == NULL ? -DER_NOMEM : dc_attr_set("cont", t, n, names, values, sizes, ev);
	json_decref(t);
	dc_cont_put(cont);
	return rc;
}

int
daos_cont_del_attr(daos_handle_t coh, int n, char const *const names[], daos_event_t *ev)
{
	struct dc_cont *cont;
	json_t         *t;
	int             rc;

	if (dc_attr_check(n, names, NULL, NULL, false) != 0)
		return -DER_INVAL;
	cont = dc_cont_get(coh);
	if (cont == NULL)
		return -DER_NO_HDL;
	if (!dc_cont_writable(cont)) {
		dc_cont_put(cont);
		return -DER_NO_PERM;
	}
	t  = dc_cont_target(cont);
	rc = t == NULL ? -DER_NOMEM : dc_attr_del("cont", t, n, names, ev);
	json_decref(t);
	dc_cont_put(cont);
	return rc;
}

/* ---- object ids ------------------------------------------------------------- */

struct dc_oids_args {
	struct dc_cont *oa_cont;
	daos_size_t     oa_num;
	uint64_t       *oa_oid;
};

static int
dc_cont_alloc_oids_fn(void *arg)
{
	struct dc_oids_args *oa = arg;
	char                 err[256] = "";
	json_t              *body, *rep = NULL;
	int64_t              first;
	int                  rc;

	body = json_pack("{s:s, s:s, s:I}", "pool", oa->oa_cont->dc_pool->dp_uuid_str, "cont",
			 oa->oa_cont->dc_uuid_str, "count", (json_int_t)oa->oa_num);
	rc   = dc_agent_call("cont_alloc_oids", body, &rep, err, sizeof(err));
	if (rc == 0) {
		if (dc_json_int(rep, "first", 0, INT64_MAX, &first) != 0) {
			D_ERROR("cont_alloc_oids reply has no valid \"first\"\n");
			rc = -DER_PROTO;
		} else {
			*oa->oa_oid = (uint64_t)first;
		}
	} else {
		D_ERROR("cont_alloc_oids: " DF_RC ": %s\n", DP_RC(rc), err);
	}
	json_decref(rep);
	return rc;
}

int
daos_cont_alloc_oids(daos_handle_t coh, daos_size_t num_oids, uint64_t *oid, daos_event_t *ev)
{
	struct dc_oids_args oa = {NULL, num_oids, oid};
	int                 rc;

	if (oid == NULL || num_oids == 0 || num_oids > (uint64_t)INT64_MAX)
		return -DER_INVAL;
	oa.oa_cont = dc_cont_get(coh);
	if (oa.oa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_alloc_oids_fn, &oa);
	dc_cont_put(oa.oa_cont);
	return rc;
}

/* ---- snapshots --------------------------------------------------------------- */

int
dc_cont_snapshots(struct dc_cont *cont, daos_epoch_t **epochs, char (**names)[128],
		  uint32_t *nr)
{
	char          err[256] = "";
	json_t       *body, *rep = NULL, *snaps;
	daos_epoch_t *e = NULL;
	char        (*n)[128] = NULL;
	size_t        cnt;
	int           rc;

	body = dc_cont_target(cont);
	rc   = dc_agent_call("cont_snap_list", body, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("cont_snap_list: " DF_RC ": %s\n", DP_RC(rc), err);
		return rc;
	}
	snaps = json_object_get(rep, "snapshots");
	cnt   = json_is_array(snaps) ? json_array_size(snaps) : 0;
	if ((snaps != NULL && !json_is_array(snaps)) || cnt > DC_SNAPS_MAX) {
		rc = -DER_PROTO;
		goto out;
	}
	e = calloc(cnt > 0 ? cnt : 1, sizeof(*e));
	n = calloc(cnt > 0 ? cnt : 1, sizeof(*n));
	if (e == NULL || n == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < cnt; i++) {
		json_t     *s = json_array_get(snaps, i);
		json_t     *ep = json_is_object(s) ? json_object_get(s, "epoch") : s;
		const char *nm = json_is_object(s) ? dc_json_str(s, "name") : NULL;

		if (!json_is_integer(ep) || json_integer_value(ep) <= 0) {
			rc = -DER_PROTO;
			goto out;
		}
		e[i] = (daos_epoch_t)json_integer_value(ep);
		if (nm != NULL)
			snprintf(n[i], sizeof(n[i]), "%s", nm);
	}
	/* sort by epoch, names alongside (few entries: insertion sort) */
	for (size_t i = 1; i < cnt; i++) {
		for (size_t j = i; j > 0 && e[j - 1] > e[j]; j--) {
			daos_epoch_t t = e[j];
			char         tn[128];

			e[j]     = e[j - 1];
			e[j - 1] = t;
			memcpy(tn, n[j], sizeof(tn));
			memcpy(n[j], n[j - 1], sizeof(tn));
			memcpy(n[j - 1], tn, sizeof(tn));
		}
	}
	*epochs = e;
	e       = NULL;
	if (names != NULL) {
		*names = n;
		n      = NULL;
	}
	*nr = (uint32_t)cnt;
out:
	if (rc == -DER_PROTO)
		D_ERROR("cont_snap_list reply is malformed\n");
	free(e);
	free(n);
	json_decref(rep);
	return rc;
}

struct dc_snap_args {
	struct dc_cont     *sa_cont;
	daos_epoch_t       *sa_epoch;
	const char         *sa_name;
	int                *sa_nr;
	daos_epoch_t       *sa_epochs;
	char              **sa_names;
	daos_anchor_t      *sa_anchor;
	daos_epoch_range_t  sa_epr;
};

static int
dc_cont_snap_create_fn(void *arg)
{
	struct dc_snap_args *sa = arg;
	char                 err[256] = "";
	json_t              *body, *rep = NULL;
	int64_t              epoch;
	int                  rc;

	if (!dc_cont_writable(sa->sa_cont))
		return -DER_NO_PERM;
	body = dc_cont_target(sa->sa_cont);
	if (body != NULL && sa->sa_name != NULL &&
	    json_object_set_new(body, "name", json_string(sa->sa_name)) != 0) {
		json_decref(body);
		body = NULL;
	}
	rc = dc_agent_call("cont_snap_create", body, &rep, err, sizeof(err));
	if (rc == 0) {
		if (dc_json_int(rep, "epoch", 1, INT64_MAX, &epoch) != 0) {
			D_ERROR("cont_snap_create reply has no valid \"epoch\"\n");
			rc = -DER_PROTO;
		} else {
			*sa->sa_epoch = (daos_epoch_t)epoch;
		}
	} else {
		D_ERROR("cont_snap_create: " DF_RC ": %s\n", DP_RC(rc), err);
	}
	json_decref(rep);
	return rc;
}

int
daos_cont_create_snap_opt(daos_handle_t coh, daos_epoch_t *epoch, char *name,
			  enum daos_snapshot_opts opts, daos_event_t *ev)
{
	struct dc_snap_args sa = {.sa_epoch = epoch, .sa_name = name};
	int                 rc;

	if (epoch == NULL || !(opts & DAOS_SNAP_OPT_CR) ||
	    (opts & ~(DAOS_SNAP_OPT_CR | DAOS_SNAP_OPT_OIT)) != 0 ||
	    (name != NULL && (*name == '\0' || strnlen(name, DAOS_PROP_LABEL_MAX_LEN + 1) >
						   DAOS_PROP_LABEL_MAX_LEN)))
		return -DER_INVAL;
	sa.sa_cont = dc_cont_get(coh);
	if (sa.sa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_snap_create_fn, &sa);
	dc_cont_put(sa.sa_cont);
	return rc;
}

int
daos_cont_create_snap(daos_handle_t coh, daos_epoch_t *epoch, char *name, daos_event_t *ev)
{
	return daos_cont_create_snap_opt(coh, epoch, name, DAOS_SNAP_OPT_CR, ev);
}

static int
dc_cont_list_snap_fn(void *arg)
{
	struct dc_snap_args *sa = arg;
	daos_epoch_t        *epochs = NULL;
	char               (*names)[128] = NULL;
	uint32_t             nr = 0, start = 0, n = 0;
	int                  rc;

	rc = dc_cont_snapshots(sa->sa_cont, &epochs, &names, &nr);
	if (rc != 0)
		return rc;
	if (sa->sa_anchor != NULL) {
		if (daos_anchor_is_eof(sa->sa_anchor)) {
			*sa->sa_nr = 0;
			goto out;
		}
		if (sa->sa_anchor->da_type == DAOS_ANCHOR_TYPE_KEY) {
			daos_epoch_t last;

			memcpy(&last, sa->sa_anchor->da_buf, sizeof(last));
			while (start < nr && epochs[start] <= last)
				start++;
		}
	}
	if (sa->sa_epochs == NULL && sa->sa_names == NULL) {
		*sa->sa_nr = (int)(nr - start);
		goto out;
	}
	for (n = 0; start + n < nr && n < (uint32_t)*sa->sa_nr; n++) {
		if (sa->sa_epochs != NULL)
			sa->sa_epochs[n] = epochs[start + n];
		if (sa->sa_names != NULL && sa->sa_names[n] != NULL)
			snprintf(sa->sa_names[n], DAOS_PROP_LABEL_MAX_LEN + 1, "%s",
				 names[start + n]);
	}
	if (sa->sa_anchor != NULL) {
		if (start + n >= nr) {
			daos_anchor_set_eof(sa->sa_anchor);
		} else {
			sa->sa_anchor->da_type = DAOS_ANCHOR_TYPE_KEY;
			memcpy(sa->sa_anchor->da_buf, &epochs[start + n - 1], sizeof(daos_epoch_t));
		}
	} else if (start + n < nr) {
		/* no anchor and not enough room: say how many there are */
		*sa->sa_nr = (int)nr;
		rc         = -DER_TRUNC;
		goto out;
	}
	*sa->sa_nr = (int)n;
out:
	free(epochs);
	free(names);
	return rc;
}

int
daos_cont_list_snap(daos_handle_t coh, int *nr, daos_epoch_t *epochs, char **names,
		    daos_anchor_t *anchor, daos_event_t *ev)
{
	struct dc_snap_args sa = {.sa_nr = nr, .sa_epochs = epochs, .sa_names = names,
				  .sa_anchor = anchor};
	int                 rc;

	if (nr == NULL || *nr < 0 || ((epochs != NULL || names != NULL) && *nr == 0))
		return -DER_INVAL;
	sa.sa_cont = dc_cont_get(coh);
	if (sa.sa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_list_snap_fn, &sa);
	dc_cont_put(sa.sa_cont);
	return rc;
}

static int
dc_cont_destroy_snap_fn(void *arg)
{
	struct dc_snap_args *sa = arg;
	daos_epoch_t        *epochs = NULL;
	uint32_t             nr = 0, done = 0;
	int                  rc;

	if (!dc_cont_writable(sa->sa_cont))
		return -DER_NO_PERM;
	rc = dc_cont_snapshots(sa->sa_cont, &epochs, NULL, &nr);
	for (uint32_t i = 0; rc == 0 && i < nr; i++) {
		char    err[256] = "";
		json_t *body, *rep = NULL;

		if (epochs[i] < sa->sa_epr.epr_lo || epochs[i] > sa->sa_epr.epr_hi)
			continue;
		body = dc_cont_target(sa->sa_cont);
		if (body != NULL &&
		    json_object_set_new(body, "epoch", json_integer((json_int_t)epochs[i])) != 0) {
			json_decref(body);
			body = NULL;
		}
		rc = dc_agent_call("cont_snap_destroy", body, &rep, err, sizeof(err));
		json_decref(rep);
		if (rc != 0)
			D_ERROR("cont_snap_destroy of epoch %" PRIu64 ": " DF_RC ": %s\n", epochs[i],
				DP_RC(rc), err);
		else
			done++;
	}
	free(epochs);
	if (rc == 0 && done == 0)
		rc = -DER_NONEXIST;
	return rc;
}

int
daos_cont_destroy_snap(daos_handle_t coh, daos_epoch_range_t epr, daos_event_t *ev)
{
	struct dc_snap_args sa = {.sa_epr = epr};
	int                 rc;

	if (epr.epr_lo > epr.epr_hi || epr.epr_hi == 0)
		return -DER_INVAL;
	sa.sa_cont = dc_cont_get(coh);
	if (sa.sa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_cont_destroy_snap_fn, &sa);
	dc_cont_put(sa.sa_cont);
	return rc;
}

/* ---- local2global / global2local ------------------------------------------- */

int
dc_cont_blob_encode(struct dc_cont *cont, void *buf, size_t buflen, size_t *needed)
{
	struct dc_wbuf w = {.wb_buf = buf, .wb_cap = buflen};

	dc_w_bytes(&w, (uint8_t[DC_BLOB_HDR_SIZE]){0}, DC_BLOB_HDR_SIZE);
	dc_w_bytes(&w, cont->dc_pool->dp_uuid, sizeof(uuid_t));
	dc_w_bytes(&w, cont->dc_uuid, sizeof(uuid_t));
	dc_w_u32(&w, cont->dc_flags);
	dc_w_str(&w, cont->dc_label);
	dc_w_str(&w, cont->dc_type);
	dc_w_u32(&w, cont->dc_nr_props);
	for (uint32_t i = 0; i < cont->dc_nr_props; i++) {
		dc_w_str(&w, cont->dc_props[i].pt_name);
		dc_w_str(&w, cont->dc_props[i].pt_value);
	}
	if (needed != NULL)
		*needed = w.wb_len;
	if (buf == NULL)
		return 0;
	if (w.wb_len > buflen)
		return -DER_TRUNC;
	dc_blob_seal(buf, w.wb_len, DC_CONT_BLOB_MAGIC);
	return 0;
}

int
dc_cont_blob_decode(struct dc_pool *pool, const void *buf, size_t len, struct dc_cont **out,
		    char *errbuf, size_t errlen)
{
	struct dc_rbuf  r = {.rb_buf = buf, .rb_len = len, .rb_off = DC_BLOB_HDR_SIZE};
	struct dc_cont *cont = NULL;
	const uint8_t  *p;
	uint32_t        nr;
	unsigned int    mode;
	int             rc;

	rc = dc_blob_open(buf, len, DC_CONT_BLOB_MAGIC, "container", errbuf, errlen);
	if (rc != 0)
		return rc;
	p = dc_r_bytes(&r, sizeof(uuid_t));
	if (p == NULL)
		goto trunc;
	if (uuid_compare(p, pool->dp_uuid) != 0) {
		d_errbuf_printf(errbuf, errlen, "container handle blob belongs to another pool");
		return -DER_INVAL;
	}
	rc = dc_cont_alloc(pool, &cont);
	if (rc != 0)
		return rc;
	rc = -DER_INVAL;
	p  = dc_r_bytes(&r, sizeof(uuid_t));
	if (p == NULL)
		goto trunc;
	memcpy(cont->dc_uuid, p, sizeof(uuid_t));
	uuid_unparse_lower(cont->dc_uuid, cont->dc_uuid_str);
	cont->dc_flags = dc_r_u32(&r);
	mode           = cont->dc_flags & (DAOS_COO_RO | DAOS_COO_RW | DAOS_COO_EX);
	if (!r.rb_err && ((cont->dc_flags & ~DAOS_COO_MASK) != 0 ||
			  (mode != DAOS_COO_RO && mode != DAOS_COO_RW && mode != DAOS_COO_EX))) {
		d_errbuf_printf(errbuf, errlen, "container handle blob: bad open flags 0x%x",
				cont->dc_flags);
		goto err;
	}
	dc_r_str(&r, cont->dc_label, sizeof(cont->dc_label));
	dc_r_str(&r, cont->dc_type, sizeof(cont->dc_type));
	nr = dc_r_u32(&r);
	if (r.rb_err)
		goto trunc;
	if (nr > DC_PROPS_MAX) {
		d_errbuf_printf(errbuf, errlen, "container handle blob: %u properties (limit %u)",
				nr, DC_PROPS_MAX);
		goto err;
	}
	if (nr > 0) {
		cont->dc_props = calloc(nr, sizeof(*cont->dc_props));
		if (cont->dc_props == NULL) {
			rc = -DER_NOMEM;
			goto err;
		}
	}
	for (uint32_t i = 0; i < nr; i++) {
		dc_r_str(&r, cont->dc_props[i].pt_name, sizeof(cont->dc_props[i].pt_name));
		dc_r_str(&r, cont->dc_props[i].pt_value, sizeof(cont->dc_props[i].pt_value));
		if (r.rb_err)
			goto trunc;
		cont->dc_nr_props++;
	}
	if (r.rb_off != len) {
		d_errbuf_printf(errbuf, errlen, "container handle blob: %zu bytes after the end",
				len - r.rb_off);
		goto err;
	}
	dc_cont_apply_props(cont);
	*out = cont;
	return 0;
trunc:
	d_errbuf_printf(errbuf, errlen,
			"container handle blob: truncated or bad string at offset %zu", r.rb_off);
	rc = -DER_INVAL;
err:
	dc_cont_put(cont);
	return rc;
}

/* dc_cont_blob_encode for dc_glob_fill. */
static int
cont_blob_enc(void *obj, void *buf, size_t buflen, size_t *needed)
{
	return dc_cont_blob_encode(obj, buf, buflen, needed);
}

int
daos_cont_local2global(daos_handle_t coh, d_iov_t *glob)
{
	struct dc_cont *cont;
	int             rc;

	if (glob == NULL)
		return -DER_INVAL;
	cont = dc_cont_get(coh);
	if (cont == NULL)
		return -DER_NO_HDL;
	rc = dc_glob_fill(glob, cont_blob_enc, cont);
	dc_cont_put(cont);
	return rc;
}

int
daos_cont_global2local(daos_handle_t poh, d_iov_t glob, daos_handle_t *coh)
{
	struct dc_pool *pool;
	struct dc_cont *cont = NULL;
	char            err[256];
	int             rc;

	if (coh == NULL || glob.iov_buf == NULL || glob.iov_len == 0 ||
	    glob.iov_len > glob.iov_buf_len || glob.iov_len > DC_GLOB_MAX)
		return -DER_INVAL;
	pool = dc_pool_get(poh);
	if (pool == NULL)
		return -DER_NO_HDL;
	rc = dc_cont_blob_decode(pool, glob.iov_buf, glob.iov_len, &cont, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("daos_cont_global2local: %s\n", err);
		goto out;
	}
	rc = dc_hdl_insert(&cont->dc_hdl, coh);
	if (rc == 0)
		atomic_fetch_add(&pool->dp_nr_conts, 1);
	dc_cont_put(cont);
out:
	dc_pool_put(pool);
	return rc;
}
