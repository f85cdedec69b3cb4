/*
 * srv_cont.c: the container methods of the control API on the MS leader, and
 * the pool attribute methods (docs/design.md, C4). Admin or agent callers:
 * daos_agent forwards its clients' calls here.
 *
 *   cont_create       {pool, label?, uuid?, type?, props?, owner?, group?}
 *                     -> {uuid, label}
 *   cont_open         {pool, cont} -> {uuid, label, type, props, owner, group,
 *   cont_query        time, snapshots: [epoch], next_oid, pool, nr_attrs}
 *   cont_destroy      {pool, cont, force?} -> {}
 *   cont_list         {pool} -> {containers: [{uuid, label, type}]}
 *   cont_set_prop     {pool, cont, props} -> {}
 *   cont_set_attr     {pool, cont, attrs: {name: base64}} -> {}
 *   cont_get_attr     {pool, cont, names?} -> {attrs: {name: base64}}
 *   cont_del_attr     {pool, cont, names} -> {}
 *   cont_snap_create  {pool, cont, name?} -> {epoch}
 *   cont_snap_list    {pool, cont} -> {snapshots: [{epoch, name}]}
 *   cont_snap_destroy {pool, cont, epoch} -> {}
 *   cont_alloc_oids   {pool, cont, count} -> {first}
 *   pool_set_attr, pool_get_attr, pool_del_attr: as the container ones, on
 *                     {pool}
 *
 * Every method reads after a barrier (srv_after_barrier) and names pools and
 * containers by label or UUID. Containers live in the MS: cont_create only
 * records one (targets create theirs lazily, C3); cont_destroy sends
 * TGT_CONT_DESTROY to every available target of the pool first (a failure is
 * an error unless force, which removes the record anyway). A snapshot's
 * epoch is the leader's HLC when it is taken.
 *
 * Invariant: every operation owns its call until it replies, exactly once,
 * and is freed then.
 */
#define D_LOGFAC DD_FAC(container)

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hlc.h"
#include "gurt/log.h"
#include "control/ms_pool.h"
#include "control/srv_internal.h"

struct cont_op {
	struct srv_ctx     *co_ctx;
	struct srv_call    *co_call;
	uuid_t              co_pool;
	uuid_t              co_cont;
	bool                co_force;
	uint64_t            co_epoch;
	struct srv_tgt_fan  co_fan;
};

static void
cont_op_free(struct cont_op *op)
{
	srv_tgt_fan_fini(&op->co_fan);
	free(op);
}

static void
cont_op_error(struct cont_op *op, int rc, const char *msg)
{
	srv_reply_error(op->co_call, rc, "%s", msg[0] != '\0' ? msg : d_errdesc(rc));
	cont_op_free(op);
}

static void
cont_op_reply(struct cont_op *op, json_t *r)
{
	if (r == NULL)
		srv_reply_error(op->co_call, -DER_NOMEM, "out of memory");
	else
		srv_reply(op->co_call, r);
	cont_op_free(op);
}

/* A new op with body["pool"] (and body["cont"] when @cont) resolved; NULL
 * when the call was answered. */
static struct cont_op *
cont_op_get(struct srv_ctx *ctx, struct srv_call *call, json_t *body, bool cont)
{
	struct cont_op *op = calloc(1, sizeof(*op));
	char            err[SRV_MSG_MAX] = "";
	int             rc;

	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return NULL;
	}
	op->co_ctx  = ctx;
	op->co_call = call;
	rc          = srv_body_pool(ctx, body, "pool", op->co_pool, err, sizeof(err));
	if (rc == 0 && cont)
		rc = srv_body_cont(ctx, op->co_pool, body, "cont", op->co_cont, err, sizeof(err));
	if (rc != 0) {
		cont_op_error(op, rc, err);
		return NULL;
	}
	return op;
}

/* {"v":1,"op":@name,"pool":U[,"cont":U]} (NULL on no memory). */
static json_t *
cont_cmd(const char *name, const struct cont_op *op, bool cont)
{
	json_t *cmd = srv_ms_cmd_new(name);
	char    ps[37], cs[37];

	uuid_unparse_lower(op->co_pool, ps);
	uuid_unparse_lower(op->co_cont, cs);
	if (cmd != NULL && (json_object_set_new(cmd, "pool", json_string(ps)) != 0 ||
			    (cont && json_object_set_new(cmd, "cont", json_string(cs)) != 0))) {
		json_decref(cmd);
		cmd = NULL;
	}
	return cmd;
}

/* Set key of @cmd to @v (borrowed); NULL @cmd stays NULL. */
static json_t *
cmd_set(json_t *cmd, const char *key, json_t *v)
{
	if (cmd != NULL && (v == NULL || json_object_set(cmd, key, v) != 0)) {
		json_decref(cmd);
		return NULL;
	}
	return cmd;
}

static json_t *
cmd_set_new(json_t *cmd, const char *key, json_t *v)
{
	cmd = cmd_set(cmd, key, v);
	json_decref(v);
	return cmd;
}

/* The command's outcome: {} or the refusal. */
static void
done_empty(void *arg, int rc, const struct ms_db_result *res)
{
	struct cont_op *op = arg;

	if (rc != 0) {
		srv_reply_ms_error(op->co_call, rc, res);
		cont_op_free(op);
		return;
	}
	cont_op_reply(op, json_object());
}

static void
submit(struct cont_op *op, json_t *cmd, ms_raft_apply_cb cb)
{
	char err[SRV_MSG_MAX] = "";
	int  rc = srv_ms_submit_json(op->co_ctx, cmd, cb, op, err, sizeof(err));

	if (rc != 0)
		cont_op_error(op, rc, err);
}

/* ---- cont_create ---- */

struct create_op {
	struct cont_op cr_op;
	uuid_t         cr_uuid;
	char           cr_label[MS_LABEL_MAX];
};

static void
create_done(void *arg, int rc, const struct ms_db_result *res)
{
	struct create_op *cr = arg;
	char              us[37];

	if (rc != 0) {
		srv_reply_ms_error(cr->cr_op.co_call, rc, res);
		cont_op_free(&cr->cr_op);
		return;
	}
	uuid_unparse_lower(cr->cr_uuid, us);
	D_INFO("container %s%s%s created\n", us, cr->cr_label[0] ? " " : "", cr->cr_label);
	cont_op_reply(&cr->cr_op, json_pack("{s:s, s:s}", "uuid", us, "label", cr->cr_label));
}

static void
create_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct create_op *cr = calloc(1, sizeof(*cr));
	struct cont_op   *op;
	const char       *label = NULL, *type = NULL, *s = NULL;
	char              owner[MS_PRINCIPAL_MAX], group[MS_PRINCIPAL_MAX];
	char              err[SRV_MSG_MAX] = "";
	char              us[37];
	json_t           *props = json_object_get(body, "props");
	json_t           *pcopy = NULL, *cmd = NULL, *pl;
	bool              set;
	int               rc;

	if (cr == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op          = &cr->cr_op;
	op->co_ctx  = ctx;
	op->co_call = call;
	rc          = srv_body_pool(ctx, body, "pool", op->co_pool, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_uuid(body, "uuid", cr->cr_uuid, &set, err, sizeof(err));
	if (rc == 0 && !set)
		uuid_generate(cr->cr_uuid);
	if (rc == 0)
		rc = srv_body_str(body, "label", false, MS_LABEL_MAX - 1, &label, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_str(body, "type", false, MS_CONT_TYPE_MAX - 1, &type, err,
				  sizeof(err));
	if (rc == 0 && props != NULL && !json_is_null(props) && !json_is_object(props)) {
		snprintf(err, sizeof(err), "props: expected an object");
		rc = -DER_INVAL;
	}
	/* A label may also come as the "label" property (DAOS's way). */
	pl = json_is_object(props) ? json_object_get(props, "label") : NULL;
	if (rc == 0 && pl != NULL) {
		if (!json_is_string(pl) ||
		    (label != NULL && strcmp(label, json_string_value(pl)) != 0)) {
			snprintf(err, sizeof(err), "label given twice, or not a string");
			rc = -DER_INVAL;
		} else {
			label = json_string_value(pl);
		}
	}
	if (rc == 0 && label != NULL && !ms_label_valid(label)) {
		snprintf(err, sizeof(err),
			 "label: '%.64s' is not a label (1 to 127 of A-Z a-z 0-9 _ . : -, not a "
			 "UUID)", label);
		rc = -DER_INVAL;
	}
	srv_self_principals(owner, group);
	if (rc == 0)
		rc = srv_body_str(body, "owner", false, MS_PRINCIPAL_MAX - 2, &s, err, sizeof(err));
	if (rc == 0 && s != NULL)
		rc = srv_principal(s, "owner", owner, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_str(body, "group", false, MS_PRINCIPAL_MAX - 2, &s, err, sizeof(err));
	if (rc == 0 && s != NULL)
		rc = srv_principal(s, "group", group, err, sizeof(err));
	if (rc != 0) {
		cont_op_error(op, rc, err);
		return;
	}
	snprintf(cr->cr_label, sizeof(cr->cr_label), "%s", label != NULL ? label : "");
	if (json_is_object(props) && json_object_size(props) > (pl != NULL ? 1 : 0)) {
		pcopy = json_copy(props);
		if (pcopy != NULL && pl != NULL)
			json_object_del(pcopy, "label");
	}
	uuid_unparse_lower(cr->cr_uuid, us);
	cmd = cont_cmd("cont_create", op, false);
	cmd = cmd_set_new(cmd, "uuid", json_string(us));
	if (label != NULL)
		cmd = cmd_set_new(cmd, "label", json_string(label));
	cmd = cmd_set_new(cmd, "type", json_string(type != NULL ? type : "unknown"));
	if (pcopy != NULL)
		cmd = cmd_set(cmd, "props", pcopy);
	cmd = cmd_set_new(cmd, "owner", json_string(owner));
	cmd = cmd_set_new(cmd, "group", json_string(group));
	cmd = cmd_set_new(cmd, "time", json_integer((json_int_t)d_hlc_get()));
	json_decref(pcopy);
	submit(op, cmd, create_done);
}

void
srv_h_cont_create(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, create_step);
}

/* ---- cont_open / cont_query, cont_list ---- */

static json_t *
props_json(const struct ms_prop *props, uint32_t nr)
{
	json_t *o = json_object();

	for (uint32_t i = 0; o != NULL && i < nr; i++) {
		if (json_object_set_new(o, props[i].mp_name, json_string(props[i].mp_value)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static void
open_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op     *op = cont_op_get(ctx, call, body, true);
	struct ms_cont_rec *rec = NULL;
	struct ms_snap     *snaps = NULL;
	uint32_t            nsnaps = 0;
	char                cs[37], ps[37];
	json_t             *arr = NULL, *r = NULL;
	int                 rc;

	if (op == NULL)
		return;
	rc = ms_cont_get(ctx->sc_db, op->co_pool, op->co_cont, &rec);
	if (rc == 0)
		rc = ms_cont_snaps(ctx->sc_db, op->co_pool, op->co_cont, &snaps, &nsnaps);
	if (rc == 0) {
		arr = json_array();
		for (uint32_t i = 0; arr != NULL && i < nsnaps; i++)
			if (json_array_append_new(arr,
						  json_integer((json_int_t)snaps[i].ms_epoch)) != 0)
				break;
		uuid_unparse_lower(op->co_cont, cs);
		uuid_unparse_lower(op->co_pool, ps);
		if (arr != NULL && json_array_size(arr) == nsnaps)
			r = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:O, s:I, s:s, s:i}",
				      "uuid", cs, "label", rec->cr_info.ci_label, "type",
				      rec->cr_info.ci_type, "props",
				      props_json(rec->cr_props, rec->cr_nr_props), "owner",
				      rec->cr_owner, "group", rec->cr_group, "time",
				      (json_int_t)rec->cr_time, "snapshots", arr, "next_oid",
				      (json_int_t)rec->cr_next_oid, "pool", ps, "nr_attrs",
				      (int)rec->cr_nr_attrs);
	}
	json_decref(arr);
	free(snaps);
	free(rec);
	if (rc != 0) {
		cont_op_error(op, rc, "cannot read the container");
		return;
	}
	cont_op_reply(op, r);
}

void
srv_h_cont_open(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, open_step);
}

static void
list_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op      *op = cont_op_get(ctx, call, body, false);
	struct ms_cont_info *list = NULL;
	uint32_t             nr = 0;
	json_t              *arr, *r;

	if (op == NULL)
		return;
	if (ms_cont_list(ctx->sc_db, op->co_pool, &list, &nr) != 0) {
		cont_op_error(op, -DER_NOMEM, "out of memory");
		return;
	}
	arr = json_array();
	r   = json_pack("{s:o}", "containers", arr);
	for (uint32_t i = 0; r != NULL && i < nr; i++) {
		char cs[37];

		uuid_unparse_lower(list[i].ci_uuid, cs);
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "uuid", cs, "label",
							 list[i].ci_label, "type",
							 list[i].ci_type)) != 0) {
			json_decref(r);
			r = NULL;
		}
	}
	free(list);
	cont_op_reply(op, r);
}

void
srv_h_cont_list(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, list_step);
}

/* ---- cont_destroy ---- */

static void
destroy_tgts_done(struct srv_ctx *ctx, struct srv_tgt_fan *f, void *arg)
{
	struct cont_op *op = arg;
	char            err[SRV_MSG_MAX * 2] = "";

	(void)ctx;
	if (f->tf_failed > 0 && !op->co_force) {
		snprintf(err, sizeof(err),
			 "container destroy failed on %u of %u targets (retry, or use force): %s",
			 f->tf_failed, f->tf_nr, f->tf_err);
		cont_op_error(op, f->tf_rc, err);
		return;
	}
	submit(op, cont_cmd("cont_destroy", op, true), done_empty);
}

static void
destroy_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op     *op = cont_op_get(ctx, call, body, true);
	struct ms_pool_rec *rec = NULL;
	char                err[SRV_MSG_MAX] = "";
	int                 rc;

	if (op == NULL)
		return;
	rc = srv_body_bool(body, "force", &op->co_force, err, sizeof(err));
	if (rc == 0) {
		rc = ms_pool_get(ctx->sc_db, op->co_pool, &rec);
		if (rc != 0)
			snprintf(err, sizeof(err), "cannot read the pool: %s", d_errdesc(rc));
	}
	if (rc == 0 && rec->pr_info.pi_state != MS_POOL_READY) {
		char ps[37];

		uuid_unparse_lower(op->co_pool, ps);
		snprintf(err, sizeof(err), "pool %s is %s", ps,
			 ms_pool_state_name(rec->pr_info.pi_state));
		rc = -DER_BUSY;
	}
	if (rc == 0) {
		srv_tgt_fan_init(&op->co_fan, PROTO_OP_TGT_CONT_DESTROY, SRV_TGT_CALL_TIMEOUT_MS);
		uuid_copy(op->co_fan.tf_cont, op->co_cont);
		op->co_fan.tf_map_version = rec->pr_info.pi_map_version;
		rc = srv_tgt_fan_add_pool(ctx, &op->co_fan, rec, true, 0, NULL, err, sizeof(err));
	}
	free(rec);
	if (rc == 0)
		rc = srv_tgt_fan_start(ctx, &op->co_fan, destroy_tgts_done, op);
	if (rc != 0)
		cont_op_error(op, rc, err[0] != '\0' ? err : d_errdesc(rc));
}

void
srv_h_cont_destroy(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, destroy_step);
}

/* ---- cont_set_prop ---- */

static void
set_prop_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op *op = cont_op_get(ctx, call, body, true);
	json_t         *props = json_object_get(body, "props");

	if (op == NULL)
		return;
	if (!json_is_object(props) || json_object_size(props) == 0) {
		cont_op_error(op, -DER_INVAL, "props: expected an object of 1 or more properties");
		return;
	}
	submit(op, cmd_set(cont_cmd("cont_set_prop", op, true), "props", props), done_empty);
}

void
srv_h_cont_set_prop(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, set_prop_step);
}

/* ---- Attributes of containers and pools ---- */

/* body["names"]: an array of 1.. strings (@required) or absent. */
static int
names_of(json_t *body, bool required, json_t **names, char *err, size_t errlen)
{
	json_t *v = json_object_get(body, "names");
	json_t *e;
	size_t  i;

	*names = NULL;
	if ((v == NULL || json_is_null(v)) && !required)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MS_ATTRS_MAX) {
		d_errbuf_printf(err, errlen, "names: expected an array of 1 to %d attribute names",
				MS_ATTRS_MAX);
		return -DER_INVAL;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) >= MS_ATTR_NAME_MAX) {
			d_errbuf_printf(err, errlen, "names[%zu]: expected an attribute name", i);
			return -DER_INVAL;
		}
	}
	*names = v;
	return 0;
}

/* {attrs: {name: base64}} of @attrs, only @names (all when NULL). */
static int
attrs_reply(const struct ms_attr *attrs, uint32_t nr, json_t *names, const char *what,
	    json_t **out, char *err, size_t errlen)
{
	json_t *o = json_object();
	json_t *e;
	size_t  k;
	int     rc = o == NULL ? -DER_NOMEM : 0;

	json_array_foreach(names, k, e) {
		bool found = false;

		for (uint32_t i = 0; i < nr && !found; i++)
			found = strcmp(attrs[i].ma_name, json_string_value(e)) == 0;
		if (!found && rc == 0) {
			d_errbuf_printf(err, errlen, "attribute '%.64s' does not exist in %s",
					json_string_value(e), what);
			rc = -DER_NONEXIST;
		}
	}
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		bool  want = names == NULL;
		char *b64;

		json_array_foreach(names, k, e)
			want = want || strcmp(attrs[i].ma_name, json_string_value(e)) == 0;
		if (!want)
			continue;
		b64 = malloc(ms_b64_len(attrs[i].ma_len) + 1);
		if (b64 == NULL) {
			rc = -DER_NOMEM;
			break;
		}
		ms_b64_encode(attrs[i].ma_value, attrs[i].ma_len, b64);
		if (json_object_set_new(o, attrs[i].ma_name, json_string(b64)) != 0)
			rc = -DER_NOMEM;
		free(b64);
	}
	if (rc == 0) {
		*out = json_pack("{s:o}", "attrs", o);
		return *out == NULL ? -DER_NOMEM : 0;
	}
	if (rc == -DER_NOMEM)
		d_errbuf_printf(err, errlen, "out of memory");
	json_decref(o);
	return rc;
}

static void
attr_get(struct srv_ctx *ctx, struct srv_call *call, json_t *body, bool cont)
{
	struct cont_op *op = cont_op_get(ctx, call, body, cont);
	struct ms_attr *attrs = NULL;
	uint32_t        nr = 0;
	char            err[SRV_MSG_MAX] = "";
	char            what[64];
	char            us[37];
	json_t         *names, *r = NULL;
	int             rc;

	if (op == NULL)
		return;
	rc = names_of(body, false, &names, err, sizeof(err));
	if (rc == 0) {
		rc = cont ? ms_cont_attrs(ctx->sc_db, op->co_pool, op->co_cont, &attrs, &nr)
			  : ms_pool_attrs(ctx->sc_db, op->co_pool, &attrs, &nr);
		if (rc != 0)
			snprintf(err, sizeof(err), "cannot read the attributes: %s", d_errdesc(rc));
	}
	if (rc == 0) {
		uuid_unparse_lower(cont ? op->co_cont : op->co_pool, us);
		snprintf(what, sizeof(what), "%s %s", cont ? "container" : "pool", us);
		rc = attrs_reply(attrs, nr, names, what, &r, err, sizeof(err));
	}
	free(attrs);
	if (rc != 0) {
		cont_op_error(op, rc, err);
		return;
	}
	cont_op_reply(op, r);
}

static void
attr_set(struct srv_ctx *ctx, struct srv_call *call, json_t *body, bool cont, bool del)
{
	struct cont_op *op = cont_op_get(ctx, call, body, cont);
	char            err[SRV_MSG_MAX] = "";
	json_t         *v, *cmd;
	int             rc;

	if (op == NULL)
		return;
	if (del) {
		rc = names_of(body, true, &v, err, sizeof(err));
		if (rc != 0) {
			cont_op_error(op, rc, err);
			return;
		}
	} else {
		v = json_object_get(body, "attrs");
		if (!json_is_object(v) || json_object_size(v) == 0) {
			cont_op_error(op, -DER_INVAL,
				      "attrs: expected an object of 1 or more name: base64 value");
			return;
		}
	}
	if (cont) {
		cmd = cont_cmd("cont_set_attr", op, true);
	} else {
		char us[37];

		uuid_unparse_lower(op->co_pool, us);
		cmd = cmd_set_new(srv_ms_cmd_new("pool_set_attr"), "uuid", json_string(us));
	}
	submit(op, cmd_set(cmd, del ? "delete" : "attrs", v), done_empty);
}

static void
cont_set_attr_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	attr_set(ctx, call, body, true, false);
}

static void
cont_del_attr_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	attr_set(ctx, call, body, true, true);
}

static void
cont_get_attr_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	attr_get(ctx, call, body, true);
}

static void
pool_set_attr_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	attr_set(ctx, call, body, false, false);
}

static void
pool_del_attr_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	attr_set(ctx, call, body, false, true);
}

static void
pool_get_attr_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	attr_get(ctx, call, body, false);
}

void
srv_h_cont_set_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, cont_set_attr_step);
}

void
srv_h_cont_get_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, cont_get_attr_step);
}

void
srv_h_cont_del_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, cont_del_attr_step);
}

void
srv_h_pool_set_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pool_set_attr_step);
}

void
srv_h_pool_get_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pool_get_attr_step);
}

void
srv_h_pool_del_attr(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, pool_del_attr_step);
}

/* ---- Snapshots ---- */

static void
snap_created(void *arg, int rc, const struct ms_db_result *res)
{
	struct cont_op *op = arg;

	if (rc != 0) {
		srv_reply_ms_error(op->co_call, rc, res);
		cont_op_free(op);
		return;
	}
	cont_op_reply(op, json_pack("{s:I}", "epoch", (json_int_t)op->co_epoch));
}

static void
snap_create_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op *op = cont_op_get(ctx, call, body, true);
	const char     *name = NULL;
	char            err[SRV_MSG_MAX] = "";
	json_t         *cmd;
	int             rc;

	if (op == NULL)
		return;
	rc = srv_body_str(body, "name", false, MS_SNAP_NAME_MAX - 1, &name, err, sizeof(err));
	if (rc != 0) {
		cont_op_error(op, rc, err);
		return;
	}
	/* The snapshot's epoch: now on the leader's clock, which every epoch
	 * written before this call is below (HLC, docs/design.md). */
	op->co_epoch = d_hlc_get();
	cmd = cmd_set_new(cont_cmd("cont_snap_create", op, true), "epoch",
			  json_integer((json_int_t)op->co_epoch));
	if (name != NULL)
		cmd = cmd_set_new(cmd, "name", json_string(name));
	submit(op, cmd, snap_created);
}

void
srv_h_cont_snap_create(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, snap_create_step);
}

static void
snap_list_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op *op = cont_op_get(ctx, call, body, true);
	struct ms_snap *snaps = NULL;
	uint32_t        nr = 0;
	json_t         *arr, *r;

	if (op == NULL)
		return;
	if (ms_cont_snaps(ctx->sc_db, op->co_pool, op->co_cont, &snaps, &nr) != 0) {
		cont_op_error(op, -DER_NOMEM, "out of memory");
		return;
	}
	arr = json_array();
	r   = json_pack("{s:o}", "snapshots", arr);
	for (uint32_t i = 0; r != NULL && i < nr; i++) {
		if (json_array_append_new(arr, json_pack("{s:I, s:s}", "epoch",
							 (json_int_t)snaps[i].ms_epoch, "name",
							 snaps[i].ms_name)) != 0) {
			json_decref(r);
			r = NULL;
		}
	}
	free(snaps);
	cont_op_reply(op, r);
}

void
srv_h_cont_snap_list(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, snap_list_step);
}

static void
snap_destroy_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op *op = cont_op_get(ctx, call, body, true);
	char            err[SRV_MSG_MAX] = "";
	int64_t         epoch = 0;
	bool            set = false;
	int             rc;

	if (op == NULL)
		return;
	rc = srv_body_int(body, "epoch", 1, INT64_MAX, &epoch, &set, err, sizeof(err));
	if (rc == 0 && !set) {
		snprintf(err, sizeof(err), "epoch: missing");
		rc = -DER_INVAL;
	}
	if (rc != 0) {
		cont_op_error(op, rc, err);
		return;
	}
	submit(op,
	       cmd_set_new(cont_cmd("cont_snap_destroy", op, true), "epoch",
			   json_integer(epoch)),
	       done_empty);
}

void
srv_h_cont_snap_destroy(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, snap_destroy_step);
}

/* ---- cont_alloc_oids ---- */

static void
oids_done(void *arg, int rc, const struct ms_db_result *res)
{
	struct cont_op *op = arg;

	if (rc != 0) {
		srv_reply_ms_error(op->co_call, rc, res);
		cont_op_free(op);
		return;
	}
	cont_op_reply(op, json_pack("{s:I}", "first", (json_int_t)res->mr_value));
}

static void
oids_step(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	struct cont_op *op = cont_op_get(ctx, call, body, true);
	char            err[SRV_MSG_MAX] = "";
	int64_t         count = 0;
	bool            set = false;
	int             rc;

	if (op == NULL)
		return;
	rc = srv_body_int(body, "count", 1, INT64_MAX, &count, &set, err, sizeof(err));
	if (rc == 0 && !set) {
		snprintf(err, sizeof(err), "count: missing");
		rc = -DER_INVAL;
	}
	if (rc != 0) {
		cont_op_error(op, rc, err);
		return;
	}
	submit(op, cmd_set_new(cont_cmd("cont_alloc_oids", op, true), "count", json_integer(count)),
	       oids_done);
}

void
srv_h_cont_alloc_oids(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	(void)body;
	srv_after_barrier(ctx, call, oids_step);
}
