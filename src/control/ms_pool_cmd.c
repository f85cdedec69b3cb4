/*
 * ms_pool_cmd.c: decoding and checking of the pool and container commands (the JSON
 * format of ms_pool.h) into struct msp_cmd.
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
 * Command decoding
 */

void
msp_cmd_free(struct msp_cmd *pc)
{
	if (pc == NULL)
		return;
	free(pc->pc_ranks);
	d_rankset_fini(&pc->pc_tgts);
	msp_kvs_free(&pc->pc_props);
	msp_kvs_free(&pc->pc_attrs);
	for (uint32_t i = 0; i < pc->pc_nr_del; i++)
		free(pc->pc_del[i]);
	free(pc->pc_del);
	free(pc);
}

/* A string field holding no NUL, copied (at most @size - 1 bytes) after @ok. */
static int
jstr_rule(const struct ms_jctx *c, json_t *o, const char *key, bool required,
	  bool (*ok)(const char *), const char *rule, char *dst, size_t size)
{
	char q[MS_QUOTE_MAX + 4];
	int  rc;

	rc = msj_jstr(c, o, key, required, MS_STR_TEXT, dst, size);
	if (rc <= 0)
		return rc;
	if (!ok(dst)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' value '%s' %s",
				c->jc_what, key, msj_quote(q, dst), rule);
		return -DER_INVAL;
	}
	return 1;
}

#define PRINCIPAL_RULE "is not a principal (name@[domain], printable, no blanks)"

static int
jlabel(const struct ms_jctx *c, json_t *o, const char *key, bool required, char *dst)
{
	dst[0] = '\0';
	return jstr_rule(c, o, key, required, ms_label_valid, LABEL_RULE, dst, MS_LABEL_MAX);
}

int
msp_jprincipal(const struct ms_jctx *c, json_t *o, const char *key, char *dst)
{
	return jstr_rule(c, o, key, true, msp_principal_ok, PRINCIPAL_RULE, dst, MS_PRINCIPAL_MAX);
}

/* A rank set string with 1..@max members, all at most @top. */
int
msp_jrankset(const struct ms_jctx *c, json_t *o, const char *key, bool required, uint64_t max,
	     uint32_t top, struct d_rankset *rs)
{
	char     msg[MS_MSG_MAX];
	json_t  *v;
	uint64_t nr;
	int      rc;

	rc = msj_jfetch(c, o, key, required, JSON_STRING, "a string", &v);
	if (rc <= 0)
		return rc;
	if (json_string_length(v) != strlen(json_string_value(v))) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' holds a NUL character",
				c->jc_what, key);
		return -DER_INVAL;
	}
	rc = d_rankset_parse(json_string_value(v), rs, msg, sizeof(msg));
	if (rc == -DER_NOMEM)
		return rc;
	if (rc != 0) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': %s", c->jc_what, key,
				msg);
		return -DER_INVAL;
	}
	nr = d_rankset_count(rs);
	if (nr == 0) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' is empty", c->jc_what,
				key);
		return -DER_INVAL;
	}
	if (nr > max) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field '%s' names %" PRIu64 " elements, more than %" PRIu64,
				c->jc_what, key, nr, max);
		return -DER_INVAL;
	}
	if (rs->rs_ranges[rs->rs_nr - 1].rr_hi > top) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' names %u, above %u",
				c->jc_what, key, rs->rs_ranges[rs->rs_nr - 1].rr_hi, top);
		return -DER_INVAL;
	}
	return 1;
}

/* Rank set to a sorted array of @nr (its count) entries. */
void
msp_rankset_to_array(const struct d_rankset *rs, uint32_t *arr)
{
	uint32_t r;
	uint32_t n = 0;

	for (bool ok = d_rankset_first(rs, &r); ok; ok = d_rankset_next(rs, &r))
		arr[n++] = r;
}

/*
 * A props object into sorted @ks; a "label" key goes to @label (with *has set)
 * when @label is not NULL, and is refused otherwise.
 */
static int
jprops(const struct ms_jctx *c, json_t *o, const char *key, bool required, bool nonempty,
       struct msp_kvs *ks, char *label, bool *has)
{
	char        q[MS_QUOTE_MAX + 4];
	const char *name;
	json_t     *obj;
	json_t     *v;
	size_t      nr;
	int         rc;

	rc = msj_jfetch(c, o, key, required, JSON_OBJECT, "an object", &obj);
	if (rc <= 0)
		return rc;
	nr = json_object_size(obj);
	if (nr == 0 && nonempty) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' is empty", c->jc_what,
				key);
		return -DER_INVAL;
	}
	if (nr > MS_PROPS_MAX) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field '%s' holds %zu properties, more than %d", c->jc_what, key,
				nr, MS_PROPS_MAX);
		return -DER_INVAL;
	}
	if (nr > 0) {
		ks->ks_arr = calloc(nr, sizeof(*ks->ks_arr));
		if (ks->ks_arr == NULL)
			return -DER_NOMEM;
	}
	json_object_foreach(obj, name, v) {
		const char *s;

		if (!msp_prop_name_ok(name)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property name '%s' is not 1 to %d of a-z and '_'",
					c->jc_what, msj_quote(q, name), MS_PROP_NAME_MAX - 1);
			return -DER_INVAL;
		}
		if (!json_is_string(v)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property '%s' must be a string, got %s", c->jc_what,
					name, d_json_type_name(v));
			return -DER_INVAL;
		}
		s = json_string_value(v);
		if (strcmp(name, "label") == 0) {
			if (label == NULL) {
				d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
						"%s: field '%s' may not hold 'label' (use field "
						"'label')",
						c->jc_what, key);
				return -DER_INVAL;
			}
			rc = jlabel(c, obj, name, true, label);
			if (rc < 0)
				return rc;
			*has = true;
			continue;
		}
		if (json_string_length(v) != strlen(s)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property '%s' holds a NUL character", c->jc_what, name);
			return -DER_INVAL;
		}
		if (strlen(s) >= MS_PROP_VALUE_MAX || !msj_text_ok(s)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property '%s' %s", c->jc_what, name,
					strlen(s) >= MS_PROP_VALUE_MAX
					    ? "is longer than 256 bytes"
					    : msj_str_rule(MS_STR_TEXT));
			return -DER_INVAL;
		}
		rc = msp_kv_set(&ks->ks_arr[ks->ks_nr], name, s, (uint32_t)strlen(s));
		if (rc != 0)
			return rc;
		ks->ks_nr++;
	}
	qsort(ks->ks_arr, ks->ks_nr, sizeof(*ks->ks_arr), msp_kv_cmp);
	return 1;
}

static bool
attr_name_ok(const struct ms_jctx *c, const char *name, size_t len)
{
	char q[MS_QUOTE_MAX + 4];

	if (len == 0 || len >= MS_ATTR_NAME_MAX || len != strlen(name) || !msj_text_ok(name)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: attribute name '%s' is not 1 to %d bytes of printable text",
				c->jc_what, d_errbuf_quote(q, name, len, MS_QUOTE_MAX),
				MS_ATTR_NAME_MAX - 1);
		return false;
	}
	return true;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
jattrs(const struct ms_jctx *c, json_t *o, struct msp_cmd *pc)
{
	const char *name;
	json_t     *obj = NULL;
	json_t     *arr = NULL;
	json_t     *v;
	uint8_t    *buf = NULL;
	size_t      i;
	int         rc;

	rc = msj_jfetch(c, o, "attrs", false, JSON_OBJECT, "an object", &obj);
	if (rc >= 0)
		rc = msj_jfetch(c, o, "delete", false, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		return rc;
	if ((obj == NULL || json_object_size(obj) == 0) && (arr == NULL || json_array_size(arr) == 0)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: nothing to do: fields 'attrs' and 'delete' are absent or empty",
				c->jc_what);
		return -DER_INVAL;
	}
	if ((obj != NULL && json_object_size(obj) > MS_ATTRS_MAX) ||
	    (arr != NULL && json_array_size(arr) > MS_ATTRS_MAX)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: more than %d attributes in field '%s'", c->jc_what,
				MS_ATTRS_MAX,
				obj != NULL && json_object_size(obj) > MS_ATTRS_MAX ? "attrs"
										    : "delete");
		return -DER_INVAL;
	}
	if (arr != NULL && json_array_size(arr) > 0) {
		pc->pc_del = calloc(json_array_size(arr), sizeof(*pc->pc_del));
		if (pc->pc_del == NULL)
			return -DER_NOMEM;
		json_array_foreach(arr, i, v) {
			if (!json_is_string(v)) {
				d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
						"%s: field 'delete' item %zu must be a string, got %s",
						c->jc_what, i, d_json_type_name(v));
				return -DER_INVAL;
			}
			if (!attr_name_ok(c, json_string_value(v), json_string_length(v)))
				return -DER_INVAL;
			pc->pc_del[pc->pc_nr_del] = strdup(json_string_value(v));
			if (pc->pc_del[pc->pc_nr_del] == NULL)
				return -DER_NOMEM;
			pc->pc_nr_del++;
		}
		qsort(pc->pc_del, pc->pc_nr_del, sizeof(*pc->pc_del), str_cmp);
		for (uint32_t k = 1; k < pc->pc_nr_del; k++) {
			if (strcmp(pc->pc_del[k - 1], pc->pc_del[k]) == 0) {
				char q[MS_QUOTE_MAX + 4];

				d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
						"%s: field 'delete' names '%s' twice", c->jc_what,
						msj_quote(q, pc->pc_del[k]));
				return -DER_INVAL;
			}
		}
	}
	if (obj == NULL || json_object_size(obj) == 0)
		return 0;
	pc->pc_attrs.ks_arr = calloc(json_object_size(obj), sizeof(*pc->pc_attrs.ks_arr));
	buf                 = malloc(msp_b64_len(MS_ATTR_VALUE_MAX));
	if (pc->pc_attrs.ks_arr == NULL || buf == NULL) {
		free(buf);
		return -DER_NOMEM;
	}
	rc = 0;
	json_object_foreach(obj, name, v) {
		char q[MS_QUOTE_MAX + 4];
		long n;

		if (!attr_name_ok(c, name, strlen(name))) {
			rc = -DER_INVAL;
			break;
		}
		if (msp_del_has(pc->pc_del, pc->pc_nr_del, name)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is both set and deleted", c->jc_what,
					msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		if (!json_is_string(v)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' must be a base64 string, got %s",
					c->jc_what, msj_quote(q, name), d_json_type_name(v));
			rc = -DER_INVAL;
			break;
		}
		if (json_string_length(v) > msp_b64_len(MS_ATTR_VALUE_MAX)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is longer than %d bytes", c->jc_what,
					msj_quote(q, name), MS_ATTR_VALUE_MAX);
			rc = -DER_INVAL;
			break;
		}
		n = msp_b64_decode(json_string_value(v), json_string_length(v), buf);
		if (n < 0) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is not canonical base64", c->jc_what,
					msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		if (n > MS_ATTR_VALUE_MAX) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is longer than %d bytes", c->jc_what,
					msj_quote(q, name), MS_ATTR_VALUE_MAX);
			rc = -DER_INVAL;
			break;
		}
		rc = msp_kv_set(&pc->pc_attrs.ks_arr[pc->pc_attrs.ks_nr], name, buf, (uint32_t)n);
		if (rc != 0)
			break;
		pc->pc_attrs.ks_nr++;
	}
	free(buf);
	if (rc != 0)
		return rc;
	qsort(pc->pc_attrs.ks_arr, pc->pc_attrs.ks_nr, sizeof(*pc->pc_attrs.ks_arr), msp_kv_cmp);
	return 0;
}

int
msp_jtype(const struct ms_jctx *c, json_t *o, char *dst)
{
	char        q[MS_QUOTE_MAX + 4];
	const char *canon;
	json_t     *v;
	int         rc;

	rc = msj_jfetch(c, o, "type", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		return rc;
	canon = msp_cont_type_canon(json_string_value(v), json_string_length(v));
	if (canon != NULL) {
		strcpy(dst, canon);
		return 0;
	}
	d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: unknown container type '%s'", c->jc_what,
			msj_quote(q, json_string_value(v)));
	return -DER_INVAL;
}

static int
jstate(const struct ms_jctx *c, json_t *o, bool pool, uint32_t *state)
{
	char        q[MS_QUOTE_MAX + 4];
	json_t     *v;
	const char *s;
	int         rc;

	rc = msj_jfetch(c, o, "state", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		return rc;
	s = json_string_value(v);
	if (json_string_length(v) == strlen(s)) {
		if (pool) {
			for (uint32_t i = 0; i <= MS_POOL_DESTROYING; i++) {
				if (strcasecmp(s, ms_pool_state_name(i)) == 0) {
					*state = i;
					return 0;
				}
			}
		} else {
			if (msp_tgt_state_from_name(s, state) == 0)
				return 0;
		}
	}
	d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: unknown %s state '%s'", c->jc_what,
			pool ? "pool" : "target", msj_quote(q, s));
	return -DER_INVAL;
}

static int
dec_pool_create(const struct ms_jctx *c, json_t *o, struct ms_dcmd *d, struct msp_cmd *pc)
{
	static const char *const keys[] = {"v",   "op",    "uuid",  "label", "ranks", "targets",
					   "scm", "nvme",  "svc",   "props", "owner", "group",
					   "time", NULL};
	struct d_rankset         svc;
	json_t                  *arr;
	json_t                  *v;
	size_t                   i;
	int                      rc;

	d_rankset_init(&svc);
	rc = msj_jkeys(c, o, keys);
	if (rc == 0)
		rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
	if (rc >= 0)
		rc = jlabel(c, o, "label", false, pc->pc_label);
	if (rc >= 0)
		rc = msp_jrankset(c, o, "ranks", true, MS_MEMBERS_MAX, D_RANK_MAX, &d->dc_ranks);
	if (rc >= 0)
		rc = msj_jfetch(c, o, "targets", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		goto out;
	pc->pc_nr_ranks = (uint32_t)d_rankset_count(&d->dc_ranks);
	if (json_array_size(arr) != pc->pc_nr_ranks) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field 'targets' has %zu counts for %u ranks", c->jc_what,
				json_array_size(arr), pc->pc_nr_ranks);
		rc = -DER_INVAL;
		goto out;
	}
	pc->pc_ranks = calloc((size_t)pc->pc_nr_ranks * 2, sizeof(uint32_t));
	if (pc->pc_ranks == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	pc->pc_targets = pc->pc_ranks + pc->pc_nr_ranks;
	msp_rankset_to_array(&d->dc_ranks, pc->pc_ranks);
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > MS_TARGETS_MAX) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: field 'targets' item %zu must be an integer in [1, %d]",
					c->jc_what, i, MS_TARGETS_MAX);
			rc = -DER_INVAL;
			goto out;
		}
		pc->pc_targets[i] = (uint32_t)json_integer_value(v);
	}
	rc = msj_juint(c, o, "scm", true, MS_POOL_SCM_MIN, MS_INT_MAX, &pc->pc_scm);
	if (rc >= 0)
		rc = msj_juint(c, o, "nvme", true, 0, MS_INT_MAX, &pc->pc_nvme);
	if (rc >= 0 && pc->pc_nvme != 0 && pc->pc_nvme < MS_POOL_NVME_MIN) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field 'nvme' must be 0 or at least %llu, got %" PRIu64,
				c->jc_what, MS_POOL_NVME_MIN, pc->pc_nvme);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = msp_jrankset(c, o, "svc", true, MS_POOL_SVC_MAX, D_RANK_MAX, &svc);
	if (rc < 0)
		goto out;
	pc->pc_nr_svc = (uint32_t)d_rankset_count(&svc);
	msp_rankset_to_array(&svc, pc->pc_svc);
	for (uint32_t k = 0; k < pc->pc_nr_svc; k++) {
		if (!d_rankset_contains(&d->dc_ranks, pc->pc_svc[k])) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: service rank %u is not in field 'ranks'", c->jc_what,
					pc->pc_svc[k]);
			rc = -DER_INVAL;
			goto out;
		}
	}
	rc = jprops(c, o, "props", false, false, &pc->pc_props, NULL, NULL);
	if (rc >= 0)
		rc = msp_jprincipal(c, o, "owner", pc->pc_owner);
	if (rc >= 0)
		rc = msp_jprincipal(c, o, "group", pc->pc_group);
	if (rc >= 0)
		rc = msj_juint(c, o, "time", true, 0, MS_INT_MAX, &pc->pc_time);
out:
	d_rankset_fini(&svc);
	return rc < 0 ? rc : 0;
}

/* "pool" and "cont" of a container command. */
static int
dec_pool_cont(const struct ms_jctx *c, json_t *o, const char *const *keys, struct msp_cmd *pc)
{
	int rc = msj_jkeys(c, o, keys);

	if (rc == 0)
		rc = msj_juuid(c, o, "pool", false, pc->pc_pool);
	if (rc == 0)
		rc = msj_juuid(c, o, "cont", false, pc->pc_cont);
	return rc;
}

int
msp_decode(const struct ms_jctx *c, json_t *o, struct ms_dcmd *d)
{
	static const char *const k_set_state[] = {"v", "op", "uuid", "state", NULL};
	static const char *const k_destroy[]   = {"v", "op", "uuid", NULL};
	static const char *const k_set_prop[]  = {"v", "op", "uuid", "props", NULL};
	static const char *const k_tgt[] = {"v", "op", "uuid", "ranks", "targets", "state", NULL};
	static const char *const k_ccreate[]   = {"v",     "op",    "pool",  "uuid", "label",
						  "type",  "props", "owner", "group", "time", NULL};
	static const char *const k_cdestroy[]  = {"v", "op", "pool", "cont", NULL};
	static const char *const k_cprop[]     = {"v", "op", "pool", "cont", "props", NULL};
	static const char *const k_cattr[] = {"v", "op", "pool", "cont", "attrs", "delete", NULL};
	static const char *const k_snap[]  = {"v", "op", "pool", "cont", "epoch", "name", NULL};
	static const char *const k_sdel[]  = {"v", "op", "pool", "cont", "epoch", NULL};
	static const char *const k_oids[]  = {"v", "op", "pool", "cont", "count", NULL};
	static const char *const k_pattr[] = {"v", "op", "uuid", "attrs", "delete", NULL};
	struct msp_cmd          *pc;
	int                      rc = 0;

	pc = calloc(1, sizeof(*pc));
	if (pc == NULL)
		return -DER_NOMEM;
	d_rankset_init(&pc->pc_tgts);
	d->dc_pool = pc;
	switch (d->dc_op) {
	case MS_CMD_POOL_CREATE:
		rc = dec_pool_create(c, o, d, pc);
		break;
	case MS_CMD_POOL_SET_STATE:
		rc = msj_jkeys(c, o, k_set_state);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		if (rc == 0)
			rc = jstate(c, o, true, &pc->pc_state);
		break;
	case MS_CMD_POOL_DESTROY:
		rc = msj_jkeys(c, o, k_destroy);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		break;
	case MS_CMD_POOL_SET_PROP:
		rc = msj_jkeys(c, o, k_set_prop);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		if (rc == 0)
			rc = jprops(c, o, "props", true, true, &pc->pc_props, pc->pc_label,
				    &pc->pc_set_label);
		break;
	case MS_CMD_POOL_TGT_STATE:
		rc = msj_jkeys(c, o, k_tgt);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		if (rc == 0)
			rc = msp_jrankset(c, o, "ranks", true, MS_MEMBERS_MAX, D_RANK_MAX,
					  &d->dc_ranks);
		if (rc >= 0)
			rc = msp_jrankset(c, o, "targets", false, MS_TARGETS_MAX,
					  MS_TARGETS_MAX - 1, &pc->pc_tgts);
		pc->pc_has_tgts = rc == 1;
		if (rc >= 0)
			rc = jstate(c, o, false, &pc->pc_state);
		break;
	case MS_CMD_CONT_CREATE:
		rc = msj_jkeys(c, o, k_ccreate);
		if (rc == 0)
			rc = msj_juuid(c, o, "pool", false, pc->pc_pool);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_cont);
		if (rc == 0)
			rc = jlabel(c, o, "label", false, pc->pc_label);
		if (rc >= 0)
			rc = msp_jtype(c, o, pc->pc_type);
		if (rc >= 0)
			rc = jprops(c, o, "props", false, false, &pc->pc_props, NULL, NULL);
		if (rc >= 0)
			rc = msp_jprincipal(c, o, "owner", pc->pc_owner);
		if (rc >= 0)
			rc = msp_jprincipal(c, o, "group", pc->pc_group);
		if (rc >= 0)
			rc = msj_juint(c, o, "time", true, 0, MS_INT_MAX, &pc->pc_time);
		break;
	case MS_CMD_CONT_DESTROY:
		rc = dec_pool_cont(c, o, k_cdestroy, pc);
		break;
	case MS_CMD_CONT_SET_PROP:
		rc = dec_pool_cont(c, o, k_cprop, pc);
		if (rc == 0)
			rc = jprops(c, o, "props", true, true, &pc->pc_props, pc->pc_label,
				    &pc->pc_set_label);
		break;
	case MS_CMD_CONT_SET_ATTR:
		rc = dec_pool_cont(c, o, k_cattr, pc);
		if (rc == 0)
			rc = jattrs(c, o, pc);
		break;
	case MS_CMD_CONT_SNAP_CREATE:
		rc = dec_pool_cont(c, o, k_snap, pc);
		if (rc == 0)
			rc = msj_juint(c, o, "epoch", true, 1, MS_INT_MAX, &pc->pc_epoch);
		if (rc >= 0)
			rc = msj_jstr(c, o, "name", false, MS_STR_TEXT, pc->pc_name,
				      sizeof(pc->pc_name));
		if (rc == 1 && pc->pc_name[0] == '\0') {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field 'name' is empty",
					c->jc_what);
			rc = -DER_INVAL;
		}
		break;
	case MS_CMD_CONT_SNAP_DESTROY:
		rc = dec_pool_cont(c, o, k_sdel, pc);
		if (rc == 0)
			rc = msj_juint(c, o, "epoch", true, 1, MS_INT_MAX, &pc->pc_epoch);
		break;
	case MS_CMD_CONT_ALLOC_OIDS:
		rc = dec_pool_cont(c, o, k_oids, pc);
		if (rc == 0)
			rc = msj_juint(c, o, "count", true, 1, MS_INT_MAX, &pc->pc_count);
		break;
	case MS_CMD_POOL_SET_ATTR:
		rc = msj_jkeys(c, o, k_pattr);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		if (rc == 0)
			rc = jattrs(c, o, pc);
		break;
	default:
		assert(0);
		rc = -DER_INVAL;
		break;
	}
	return rc < 0 ? rc : 0;
}
