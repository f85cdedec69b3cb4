/*
 * ms_pool_snap.c: the "pools" section of the MS snapshot: encoding and strict
 * restore (every field and cross-table invariant checked).
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
#include "control/ms_db.h"
#include "control/ms_internal.h"
#include "control/ms_pool.h"
#include "control/ms_pool_internal.h"

/*
 * Snapshot
 */

static json_t *
kvs_to_json(const struct msp_kvs *ks, bool binary)
{
	json_t *o = json_object();
	char   *b = NULL;
	int     rc = 0;

	if (o == NULL)
		return NULL;
	for (uint32_t i = 0; rc == 0 && i < ks->ks_nr; i++) {
		const struct msp_kv *kv = &ks->ks_arr[i];

		if (binary) {
			b = malloc(msp_b64_len(kv->kv_len) + 1);
			if (b == NULL) {
				rc = -DER_NOMEM;
				break;
			}
			msp_b64_encode(kv->kv_val, kv->kv_len, b);
			msj_jset(o, kv->kv_name, json_string(b), &rc);
			free(b);
		} else {
			msj_jset(o, kv->kv_name, json_string((const char *)kv->kv_val), &rc);
		}
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Rank array to its rank set text (from malloc()). */
static char *
ranks_text(const uint32_t *ranks, uint32_t nr)
{
	struct d_rankset rs;
	char            *s = NULL;
	size_t           n;

	d_rankset_init(&rs);
	for (uint32_t i = 0; i < nr; i++)
		if (d_rankset_add(&rs, ranks[i]) != 0)
			goto out;
	n = d_rankset_format_len(&rs, false);
	s = malloc(n);
	if (s != NULL && d_rankset_format(&rs, s, n, false) != 0) {
		free(s);
		s = NULL;
	}
out:
	d_rankset_fini(&rs);
	return s;
}

static void
jset_text(json_t *o, const char *key, char *s, int *rc)
{
	msj_jset(o, key, s == NULL ? NULL : json_string(s), rc);
	free(s);
}

static json_t *
cont_to_json(const struct msp_cont *c)
{
	char    us[37];
	json_t *o = json_object();
	json_t *snaps;
	int     rc = 0;

	if (o == NULL)
		return NULL;
	uuid_unparse_lower(c->ct_uuid, us);
	msj_jset(o, "uuid", json_string(us), &rc);
	msj_jset(o, "label", json_string(c->ct_label), &rc);
	msj_jset(o, "type", json_string(c->ct_type), &rc);
	msj_jset(o, "props", kvs_to_json(&c->ct_props, false), &rc);
	msj_jset(o, "owner", json_string(c->ct_owner), &rc);
	msj_jset(o, "group", json_string(c->ct_group), &rc);
	msj_jset(o, "time", json_integer((json_int_t)c->ct_time), &rc);
	msj_jset(o, "next_oid", json_integer((json_int_t)c->ct_next_oid), &rc);
	msj_jset(o, "attrs", kvs_to_json(&c->ct_attrs, true), &rc);
	snaps = json_array();
	msj_jset(o, "snaps", snaps, &rc);
	for (uint32_t i = 0; rc == 0 && i < c->ct_nr_snaps; i++) {
		json_t *s = json_object();

		if (s == NULL || json_array_append_new(snaps, s) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		msj_jset(s, "epoch", json_integer((json_int_t)c->ct_snaps[i].ms_epoch), &rc);
		msj_jset(s, "name", json_string(c->ct_snaps[i].ms_name), &rc);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
pool_to_json(const struct msp_pool *p)
{
	char    us[37];
	json_t *o = json_object();
	json_t *arr;
	char   *states;
	int     rc = 0;

	if (o == NULL)
		return NULL;
	uuid_unparse_lower(p->pl_uuid, us);
	msj_jset(o, "uuid", json_string(us), &rc);
	msj_jset(o, "label", json_string(p->pl_label), &rc);
	msj_jset(o, "state", json_string(ms_pool_state_name(p->pl_state)), &rc);
	jset_text(o, "ranks", ranks_text(p->pl_ranks, p->pl_nr_ranks), &rc);
	arr = json_array();
	msj_jset(o, "targets", arr, &rc);
	for (uint32_t i = 0; rc == 0 && i < p->pl_nr_ranks; i++)
		if (json_array_append_new(arr, json_integer(p->pl_nr_targets[i])) != 0)
			rc = -DER_NOMEM;
	msj_jset(o, "scm", json_integer((json_int_t)p->pl_scm), &rc);
	msj_jset(o, "nvme", json_integer((json_int_t)p->pl_nvme), &rc);
	jset_text(o, "svc", ranks_text(p->pl_svc, p->pl_nr_svc), &rc);
	msj_jset(o, "map_version", json_integer(p->pl_map_version), &rc);
	states = malloc((size_t)p->pl_nr_tgts + 1);
	if (states != NULL) {
		for (uint32_t i = 0; i < p->pl_nr_tgts; i++)
			states[i] = msp_tgt_letter(p->pl_tgt_states[i]);
		states[p->pl_nr_tgts] = '\0';
	}
	jset_text(o, "tgt_states", states, &rc);
	msj_jset(o, "props", kvs_to_json(&p->pl_props, false), &rc);
	msj_jset(o, "owner", json_string(p->pl_owner), &rc);
	msj_jset(o, "group", json_string(p->pl_group), &rc);
	msj_jset(o, "time", json_integer((json_int_t)p->pl_time), &rc);
	msj_jset(o, "attrs", kvs_to_json(&p->pl_attrs, true), &rc);
	arr = json_array();
	msj_jset(o, "conts", arr, &rc);
	for (uint32_t i = 0; rc == 0 && i < p->pl_nr_conts; i++) {
		json_t *c = cont_to_json(p->pl_conts[i]);

		if (c == NULL || json_array_append_new(arr, c) != 0)
			rc = -DER_NOMEM;
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
msp_snapshot(const struct ms_pools *t, json_t **out)
{
	json_t *arr = json_array();

	if (arr == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; t != NULL && i < t->tb_nr; i++) {
		json_t *p = pool_to_json(t->tb_pools[i]);

		if (p == NULL || json_array_append_new(arr, p) != 0) {
			json_decref(arr);
			return -DER_NOMEM;
		}
	}
	*out = arr;
	return 0;
}

/*
 * Restore
 */

/* A props or attrs object of a snapshot: sorted names, valid values. An
 * absent optional object is an empty one. */
static int
kvs_from_json_opt(const struct ms_jctx *c, json_t *o, const char *key, bool binary,
		  bool required, struct msp_kvs *ks)
{
	char        q[MS_QUOTE_MAX + 4];
	const char *name;
	const char *prev = NULL;
	json_t     *obj;
	json_t     *v;
	uint8_t    *buf = NULL;
	size_t      max = binary ? MS_ATTRS_MAX : MS_PROPS_MAX;
	int         rc;

	rc = msj_jfetch(c, o, key, required, JSON_OBJECT, "an object", &obj);
	if (rc <= 0)
		return rc;
	if (json_object_size(obj) > max) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' holds %zu names, more "
				"than %zu", c->jc_what, key, json_object_size(obj), max);
		return -DER_INVAL;
	}
	if (json_object_size(obj) == 0)
		return 0;
	ks->ks_arr = calloc(json_object_size(obj), sizeof(*ks->ks_arr));
	if (binary)
		buf = malloc(msp_b64_len(MS_ATTR_VALUE_MAX));
	if (ks->ks_arr == NULL || (binary && buf == NULL)) {
		free(buf);
		return -DER_NOMEM;
	}
	rc = 0;
	json_object_foreach(obj, name, v) {
		const char *s   = json_is_string(v) ? json_string_value(v) : NULL;
		size_t      len = s == NULL ? 0 : json_string_length(v);
		long        n;
		bool        ok;

		if (binary)
			ok = len <= msp_b64_len(MS_ATTR_VALUE_MAX) && strlen(name) > 0 &&
			     strlen(name) < MS_ATTR_NAME_MAX && msj_text_ok(name);
		else
			ok = msp_prop_name_ok(name) && strcmp(name, "label") != 0 &&
			     len < MS_PROP_VALUE_MAX;
		if (s == NULL || !ok || len != strlen(s) || (!binary && !msj_text_ok(s))) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': entry '%s' "
					"is invalid", c->jc_what, key, msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		if (prev != NULL && strcmp(prev, name) >= 0) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': entry '%s' is "
					"out of order", c->jc_what, key, msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		prev = name;
		if (binary) {
			n = msp_b64_decode(s, len, buf);
			if (n < 0 || n > MS_ATTR_VALUE_MAX) {
				d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': entry "
						"'%s' is invalid", c->jc_what, key,
						msj_quote(q, name));
				rc = -DER_INVAL;
				break;
			}
			rc = msp_kv_set(&ks->ks_arr[ks->ks_nr], name, buf, (uint32_t)n);
		} else {
			rc = msp_kv_set(&ks->ks_arr[ks->ks_nr], name, s, (uint32_t)len);
		}
		if (rc != 0)
			break;
		ks->ks_nr++;
	}
	free(buf);
	if (rc == 0 && binary && msp_kvs_bytes(ks) > MS_ATTRS_BYTES_MAX) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' holds more than %d bytes",
				c->jc_what, key, MS_ATTRS_BYTES_MAX);
		rc = -DER_INVAL;
	}
	return rc;
}

static int
kvs_from_json(const struct ms_jctx *c, json_t *o, const char *key, bool binary,
	      struct msp_kvs *ks)
{
	return kvs_from_json_opt(c, o, key, binary, true, ks);
}

static int
pool_state_from(const struct ms_jctx *c, json_t *o, uint32_t *state)
{
	char    q[MS_QUOTE_MAX + 4];
	json_t *v;
	int     rc = msj_jfetch(c, o, "state", true, JSON_STRING, "a string", &v);

	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i <= MS_POOL_DESTROYING; i++) {
		if (strcmp(json_string_value(v), ms_pool_state_name(i)) == 0) {
			*state = i;
			return 0;
		}
	}
	d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: unknown pool state '%s'", c->jc_what,
			msj_quote(q, json_string_value(v)));
	return -DER_INVAL;
}

static int
cont_from_json(json_t *o, const char *pwhat, size_t idx, struct msp_cont *ct, char *errbuf,
	       size_t errlen)
{
	static const char *const keys[] = {"uuid",  "label", "type",     "props", "owner",
					   "group", "time",  "next_oid", "attrs", "snaps", NULL};
	char                     what[80];
	struct ms_jctx           c = {what, errbuf, errlen};
	json_t                  *arr;
	json_t                  *v;
	size_t                   i;
	int                      rc;

	snprintf(what, sizeof(what), "%s container %zu", pwhat, idx);
	if (!json_is_object(o)) {
		d_errbuf_printf(errbuf, errlen, "%s must be an object, got %s", what,
				d_json_type_name(o));
		return -DER_INVAL;
	}
	rc = msj_jkeys(&c, o, keys);
	if (rc == 0)
		rc = msj_juuid(&c, o, "uuid", false, ct->ct_uuid);
	if (rc == 0)
		rc = msj_jstr(&c, o, "label", true, MS_STR_TEXT, ct->ct_label,
			      sizeof(ct->ct_label));
	if (rc >= 0 && ct->ct_label[0] != '\0' && !ms_label_valid(ct->ct_label)) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'label' %s", what, LABEL_RULE);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = msp_jtype(&c, o, ct->ct_type);
	if (rc >= 0 && (rc = msj_jfetch(&c, o, "type", true, JSON_STRING, "a string", &v)) >= 0 &&
	    strcmp(json_string_value(v), ct->ct_type) != 0) {
		d_errbuf_printf(errbuf, errlen, "%s: container type '%s' is not in DAOS's case",
				what, ct->ct_type);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = kvs_from_json(&c, o, "props", false, &ct->ct_props);
	if (rc >= 0)
		rc = msp_jprincipal(&c, o, "owner", ct->ct_owner);
	if (rc >= 0)
		rc = msp_jprincipal(&c, o, "group", ct->ct_group);
	if (rc >= 0)
		rc = msj_juint(&c, o, "time", true, 0, MS_INT_MAX, &ct->ct_time);
	if (rc >= 0)
		rc = msj_juint(&c, o, "next_oid", true, MS_CONT_OID_FIRST, MS_INT_MAX,
			       &ct->ct_next_oid);
	if (rc >= 0)
		rc = kvs_from_json(&c, o, "attrs", true, &ct->ct_attrs);
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "snaps", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		return rc;
	if (json_array_size(arr) > MS_SNAPS_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: %zu snapshots, more than %d", what,
				json_array_size(arr), MS_SNAPS_MAX);
		return -DER_INVAL;
	}
	if (json_array_size(arr) > 0) {
		ct->ct_snaps = calloc(json_array_size(arr), sizeof(*ct->ct_snaps));
		if (ct->ct_snaps == NULL)
			return -DER_NOMEM;
		ct->ct_cap_snaps = (uint32_t)json_array_size(arr);
	}
	json_array_foreach(arr, i, v) {
		static const char *const skeys[] = {"epoch", "name", NULL};
		char                     swhat[128];
		struct ms_jctx           sc = {swhat, errbuf, errlen};
		struct ms_snap          *s  = &ct->ct_snaps[i];

		snprintf(swhat, sizeof(swhat), "%s snapshot %zu", what, i);
		if (!json_is_object(v)) {
			d_errbuf_printf(errbuf, errlen, "%s must be an object", swhat);
			return -DER_INVAL;
		}
		rc = msj_jkeys(&sc, v, skeys);
		if (rc == 0)
			rc = msj_juint(&sc, v, "epoch", true, 1, MS_INT_MAX, &s->ms_epoch);
		if (rc >= 0)
			rc = msj_jstr(&sc, v, "name", true, MS_STR_TEXT, s->ms_name,
				      sizeof(s->ms_name));
		if (rc < 0)
			return rc;
		if (i > 0 && s->ms_epoch <= ct->ct_snaps[i - 1].ms_epoch) {
			d_errbuf_printf(errbuf, errlen, "%s: epoch %" PRIu64 " is not above the "
					"previous snapshot's", swhat, s->ms_epoch);
			return -DER_INVAL;
		}
		for (size_t k = 0; s->ms_name[0] != '\0' && k < i; k++) {
			if (strcmp(ct->ct_snaps[k].ms_name, s->ms_name) == 0) {
				d_errbuf_printf(errbuf, errlen, "%s: name is also snapshot %zu's",
						swhat, k);
				return -DER_INVAL;
			}
		}
		ct->ct_nr_snaps++;
	}
	ct->ct_cost = msp_cont_cost_now(ct);
	return 0;
}

static int
ranks_from_json(const struct ms_jctx *c, json_t *o, const char *key, uint64_t max,
		uint32_t **arr, uint32_t *nr)
{
	struct d_rankset rs;
	int              rc;

	d_rankset_init(&rs);
	rc = msp_jrankset(c, o, key, true, max, D_RANK_MAX, &rs);
	if (rc >= 0) {
		*nr = (uint32_t)d_rankset_count(&rs);
		if (*arr == NULL)
			*arr = calloc(*nr, sizeof(uint32_t));
		if (*arr == NULL)
			rc = -DER_NOMEM;
		else
			msp_rankset_to_array(&rs, *arr);
	}
	d_rankset_fini(&rs);
	return rc < 0 ? rc : 0;
}

static int
pool_from_json(const struct ms_db *tmp, json_t *o, size_t idx, struct msp_pool *p,
	       char *errbuf, size_t errlen)
{
	static const char *const keys[] = {
	    "uuid", "label", "state", "ranks", "targets", "scm",   "nvme",  "svc",
	    "map_version", "tgt_states", "props", "owner", "group", "time", "attrs", "conts",
	    NULL};
	char                     what[32];
	struct ms_jctx           c = {what, errbuf, errlen};
	struct ms_member        *m = NULL;
	uint32_t                *ranks = NULL;
	uint32_t                *svc   = p->pl_svc;
	uint32_t                 nr;
	uint32_t                 nr_tgts = 0;
	json_t                  *arr;
	json_t                  *v;
	uint64_t                 u = 0;
	size_t                   i;
	int                      rc;

	snprintf(what, sizeof(what), "pool %zu", idx);
	if (!json_is_object(o)) {
		d_errbuf_printf(errbuf, errlen, "%s must be an object, got %s", what,
				d_json_type_name(o));
		return -DER_INVAL;
	}
	rc = msj_jkeys(&c, o, keys);
	if (rc == 0)
		rc = msj_juuid(&c, o, "uuid", false, p->pl_uuid);
	if (rc == 0)
		rc = msj_jstr(&c, o, "label", true, MS_STR_TEXT, p->pl_label,
			      sizeof(p->pl_label));
	if (rc >= 0 && p->pl_label[0] != '\0' && !ms_label_valid(p->pl_label)) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'label' %s", what, LABEL_RULE);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = pool_state_from(&c, o, &p->pl_state);
	if (rc >= 0)
		rc = ranks_from_json(&c, o, "ranks", MS_MEMBERS_MAX, &ranks, &nr);
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "targets", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		goto out;
	if (json_array_size(arr) != nr) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'targets' has %zu counts for %u ranks",
				what, json_array_size(arr), nr);
		rc = -DER_INVAL;
		goto out;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > MS_TARGETS_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"%s: field 'targets' item %zu must be an integer in [1, %d]",
					what, i, MS_TARGETS_MAX);
			rc = -DER_INVAL;
			goto out;
		}
		nr_tgts += (uint32_t)json_integer_value(v);
	}
	rc = msp_pool_alloc_ranks(p, nr, nr_tgts);
	if (rc != 0)
		goto out;
	nr_tgts = 0;
	json_array_foreach(arr, i, v) {
		p->pl_ranks[i]      = ranks[i];
		p->pl_nr_targets[i] = (uint32_t)json_integer_value(v);
		p->pl_tgt_off[i]    = nr_tgts;
		nr_tgts += p->pl_nr_targets[i];
	}
	m = malloc(sizeof(*m));
	if (m == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (ms_db_member_by_rank(tmp, p->pl_ranks[i], m) != 0) {
			d_errbuf_printf(errbuf, errlen, "%s: rank %u is not a member", what,
					p->pl_ranks[i]);
			rc = -DER_INVAL;
			goto out;
		}
	}
	rc = msj_juint(&c, o, "scm", true, MS_POOL_SCM_MIN, MS_INT_MAX, &p->pl_scm);
	if (rc >= 0)
		rc = msj_juint(&c, o, "nvme", true, 0, MS_INT_MAX, &p->pl_nvme);
	if (rc >= 0 && p->pl_nvme != 0 && p->pl_nvme < MS_POOL_NVME_MIN) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'nvme' must be 0 or at least %llu",
				what, MS_POOL_NVME_MIN);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = ranks_from_json(&c, o, "svc", MS_POOL_SVC_MAX, &svc, &p->pl_nr_svc);
	if (rc < 0)
		goto out;
	for (i = 0; i < p->pl_nr_svc; i++) {
		if (msp_rank_index(p, p->pl_svc[i]) < 0) {
			d_errbuf_printf(errbuf, errlen, "%s: service rank %u is not a pool rank",
					what, p->pl_svc[i]);
			rc = -DER_INVAL;
			goto out;
		}
	}
	rc = msj_juint(&c, o, "map_version", true, 1, UINT32_MAX, &u);
	p->pl_map_version = (uint32_t)u;
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "tgt_states", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		goto out;
	if (json_string_length(v) != p->pl_nr_tgts) {
		d_errbuf_printf(errbuf, errlen,
				"%s: field 'tgt_states' has %zu states for %u targets", what,
				json_string_length(v), p->pl_nr_tgts);
		rc = -DER_INVAL;
		goto out;
	}
	for (i = 0; i < p->pl_nr_tgts; i++) {
		uint32_t st = msp_tgt_state_of_letter(json_string_value(v)[i]);

		if (st == 0) {
			d_errbuf_printf(errbuf, errlen,
					"%s: field 'tgt_states' has an invalid state at %zu", what,
					i);
			rc = -DER_INVAL;
			goto out;
		}
		p->pl_tgt_states[i] = (uint8_t)st;
	}
	rc = kvs_from_json(&c, o, "props", false, &p->pl_props);
	if (rc >= 0)
		rc = msp_jprincipal(&c, o, "owner", p->pl_owner);
	if (rc >= 0)
		rc = msp_jprincipal(&c, o, "group", p->pl_group);
	if (rc >= 0)
		rc = msj_juint(&c, o, "time", true, 0, MS_INT_MAX, &p->pl_time);
	/* Optional: snapshots written before pools had attributes lack it. */
	if (rc >= 0)
		rc = kvs_from_json_opt(&c, o, "attrs", true, false, &p->pl_attrs);
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "conts", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		goto out;
	if (json_array_size(arr) > MS_CONTS_PER_POOL_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: %zu containers, more than %d", what,
				json_array_size(arr), MS_CONTS_PER_POOL_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	if (json_array_size(arr) > 0) {
		p->pl_conts = calloc(json_array_size(arr), sizeof(*p->pl_conts));
		if (p->pl_conts == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		p->pl_cap_conts = (uint32_t)json_array_size(arr);
	}
	json_array_foreach(arr, i, v) {
		struct msp_cont *ct = calloc(1, sizeof(*ct));

		if (ct == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		p->pl_conts[p->pl_nr_conts++] = ct;
		rc = cont_from_json(v, what, i, ct, errbuf, errlen);
		if (rc != 0)
			goto out;
		if (i > 0 && uuid_compare(ct->ct_uuid, p->pl_conts[i - 1]->ct_uuid) <= 0) {
			d_errbuf_printf(errbuf, errlen,
					"%s container %zu: UUID is not above the previous "
					"container's", what, i);
			rc = -DER_INVAL;
			goto out;
		}
		for (size_t k = 0; ct->ct_label[0] != '\0' && k < i; k++) {
			if (strcmp(p->pl_conts[k]->ct_label, ct->ct_label) == 0) {
				d_errbuf_printf(errbuf, errlen,
						"%s container %zu: label '%s' is also container "
						"%zu's", what, i, ct->ct_label, k);
				rc = -DER_INVAL;
				goto out;
			}
		}
	}
	p->pl_cost = msp_cost_pool(p);
	rc         = 0;
out:
	free(ranks);
	free(m);
	return rc;
}

int
msp_restore(const struct ms_db *tmp, json_t *arr, struct ms_pools **out, char *errbuf,
	    size_t errlen)
{
	struct ms_pools *t;
	json_t          *v;
	size_t           i;
	int              rc = 0;

	if (json_array_size(arr) > MS_POOLS_MAX) {
		d_errbuf_printf(errbuf, errlen, "snapshot: %zu pools, more than %d",
				json_array_size(arr), MS_POOLS_MAX);
		return -DER_INVAL;
	}
	*out = NULL;
	if (json_array_size(arr) == 0)
		return 0;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -DER_NOMEM;
	t->tb_pools = calloc(json_array_size(arr), sizeof(*t->tb_pools));
	if (t->tb_pools == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	t->tb_cap = (uint32_t)json_array_size(arr);
	json_array_foreach(arr, i, v) {
		struct msp_pool *p = calloc(1, sizeof(*p));

		if (p == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		t->tb_pools[t->tb_nr++] = p;
		rc = pool_from_json(tmp, v, i, p, errbuf, errlen);
		if (rc != 0)
			goto out;
		if (i > 0 && uuid_compare(p->pl_uuid, t->tb_pools[i - 1]->pl_uuid) <= 0) {
			d_errbuf_printf(errbuf, errlen,
					"snapshot: pool %zu: UUID is not above the previous pool's",
					i);
			rc = -DER_INVAL;
			goto out;
		}
		for (size_t k = 0; p->pl_label[0] != '\0' && k < i; k++) {
			if (strcmp(t->tb_pools[k]->pl_label, p->pl_label) == 0) {
				d_errbuf_printf(errbuf, errlen,
						"snapshot: pool %zu: label '%s' is also pool %zu's",
						i, p->pl_label, k);
				rc = -DER_INVAL;
				goto out;
			}
		}
		t->tb_bytes += msp_pool_total_cost(p);
	}
	if (t->tb_bytes > MS_POOLS_BYTES_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"snapshot: the pools exceed their budget of %u encoded bytes",
				MS_POOLS_BYTES_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	*out = t;
	t    = NULL;
out:
	msp_table_free(t);
	return rc;
}
