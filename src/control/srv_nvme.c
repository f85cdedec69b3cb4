/*
 * srv_nvme.c: daos_server's SSD management methods (docs/design.md, "SSD
 * management"). Each server answers for its own engines: the data (SMD
 * tables, I/O counters) lives in the engines, which the server asks over the
 * engine link (smd_query, dev_set_faulty, dev_replace, dev_identify; see
 * control/engine_link.h). dmg fans the methods out over its host list.
 *
 *   smd_query      {what: "devices"|"pools", rank?, uuid?, tgt? (with rank),
 *                   health?} -> {host, ranks: [answered], devices|pools: [{...,
 *                   rank}], engine_errors: [{idx, rank, status, msg}]}
 *   dev_set_faulty {uuid}                 -> {host, devices: [{..., rank}],
 *   dev_replace    {old_uuid, new_uuid}       engine_errors}
 *   dev_identify   {uuid}
 *
 * A device operation goes to every running engine of the server; the one
 * holding the device acts, the others answer -DER_NONEXIST and change
 * nothing. With no engine acting, the answer is the first engine's other
 * error (its status and message), else -DER_NONEXIST naming the device.
 *
 * Invariants:
 *  1. Every call is answered exactly once, when no engine request is pending
 *     (srv_harness_request calls back exactly once, -DER_SHUTDOWN at close).
 *  2. An engine's list is read page by page (invariant 2 of eng_smd_query.c);
 *     a page whose "next" does not advance, or more than SRV_SMD_PAGES_MAX
 *     pages in one call, ends that engine's part with an error, so a call
 *     always ends and its reply stays bounded.
 *  3. Engine replies are untrusted: lists must be arrays of objects and a
 *     device a JSON object; dmg checks every field before printing.
 */
#define D_LOGFAC DD_FAC(control)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/rankset.h"
#include "control/engine_link.h"
#include "control/srv_internal.h"

enum nvme_kind {
	NVME_QUERY = 1,
	NVME_SET_FAULTY,
	NVME_REPLACE,
	NVME_IDENTIFY,
};

struct nvme_op {
	struct srv_ctx  *no_ctx;
	struct srv_call *no_call;
	enum nvme_kind   no_kind;
	const char      *no_list_key;  /* "devices" or "pools" (queries) */
	json_t          *no_req;       /* the engine request, without "id"/"start" */
	json_t          *no_items;     /* devices or pools gathered, each with its rank, in
					* engine order once every engine answered */
	json_t          *no_eng_items[SRV_ENGINES_MAX]; /* per engine until then */
	json_t          *no_ranks;     /* ranks that answered */
	json_t          *no_errors;    /* [{idx, rank, status, msg}] */
	uint32_t         no_pending;   /* engine requests outstanding (+1 while sending) */
	uint32_t         no_pages;     /* pages read in this call (invariant 2) */
	uint32_t         no_start[SRV_ENGINES_MAX];
	uint32_t         no_nonexist;  /* engines without the device (operations) */
	char             no_dev[40];   /* the device operated on, for messages */
};

static void
op_free(struct nvme_op *op)
{
	json_decref(op->no_req);
	json_decref(op->no_items);
	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++)
		json_decref(op->no_eng_items[i]);
	json_decref(op->no_ranks);
	json_decref(op->no_errors);
	free(op);
}

static void
op_error(struct nvme_op *op, uint32_t idx, int status, const char *msg)
{
	uint32_t rank = srv_engine_rank(op->no_ctx, idx);
	json_t  *e;

	e = json_pack("{s:i, s:i, s:s}", "idx", (int)idx, "status", status, "msg", msg);
	if (e != NULL && rank != D_RANK_NIL &&
	    json_object_set_new(e, "rank", json_integer(rank)) != 0) {
		json_decref(e);
		e = NULL;
	}
	if (e == NULL || json_array_append_new(op->no_errors, e) != 0)
		D_ERROR("engine %u: cannot record its error: out of memory\n", idx);
}

/* Ranks ascending (a handful: insertion sort). */
static void
ranks_sort(json_t *arr)
{
	size_t n = json_array_size(arr);

	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			json_t *a = json_array_get(arr, j - 1), *b = json_array_get(arr, j);

			if (json_integer_value(a) <= json_integer_value(b))
				break;
			json_incref(a);
			json_array_set(arr, j - 1, b);
			json_array_set_new(arr, j, a);
		}
	}
}

/* Invariant 1: answer once every engine request ended. */
static void
op_done(struct nvme_op *op)
{
	json_t *r;

	if (--op->no_pending > 0)
		return;
	/* Engine order, whatever order the replies came in: the reply is stable. */
	for (uint32_t i = 0; i < SRV_ENGINES_MAX; i++) {
		if (op->no_eng_items[i] != NULL &&
		    json_array_extend(op->no_items, op->no_eng_items[i]) != 0) {
			srv_reply_error(op->no_call, -DER_NOMEM, "out of memory");
			op_free(op);
			return;
		}
	}
	ranks_sort(op->no_ranks);
	if (op->no_kind != NVME_QUERY && json_array_size(op->no_items) == 0) {
		json_t     *first = json_array_get(op->no_errors, 0);
		const char *msg;

		if (first != NULL) {
			msg = json_string_value(json_object_get(first, "msg"));
			srv_reply_error(op->no_call,
					(int)json_integer_value(json_object_get(first, "status")),
					"%s", msg != NULL ? msg : "engine error");
		} else {
			srv_reply_error(op->no_call, -DER_NONEXIST,
					"no NVMe device %s on %s", op->no_dev, op->no_ctx->sc_host);
		}
		op_free(op);
		return;
	}
	r = json_pack("{s:s, s:O, s:O}", "host", op->no_ctx->sc_host, "engine_errors",
		      op->no_errors, op->no_kind == NVME_QUERY ? op->no_list_key : "devices",
		      op->no_items);
	if (r != NULL && op->no_kind == NVME_QUERY &&
	    json_object_set(r, "ranks", op->no_ranks) != 0) {
		json_decref(r);
		r = NULL;
	}
	if (r == NULL)
		srv_reply_error(op->no_call, -DER_NOMEM, "out of memory");
	else
		srv_reply(op->no_call, r);
	op_free(op);
}

static void engine_cb(void *arg, uint32_t idx, int status, json_t *reply);

/* Send the op's request (page @start for queries) to engine @idx. */
static int
op_send(struct nvme_op *op, uint32_t idx, uint32_t start)
{
	json_t *msg = json_deep_copy(op->no_req);
	int     rc;

	if (msg == NULL)
		return -DER_NOMEM;
	if (op->no_kind == NVME_QUERY && start > 0 &&
	    json_object_set_new(msg, "start", json_integer(start)) != 0) {
		json_decref(msg);
		return -DER_NOMEM;
	}
	op->no_start[idx] = start;
	rc = srv_harness_request(op->no_ctx->sc_harness, idx, msg, 0, engine_cb, op);
	json_decref(msg);
	if (rc == 0)
		op->no_pending++;
	return rc;
}

/* An entry of engine @idx's reply, copied with its rank (invariant 3). */
static int
item_add(struct nvme_op *op, uint32_t idx, json_t *item, uint32_t rank)
{
	json_t *c;

	if (!json_is_object(item))
		return -DER_PROTO;
	if (op->no_eng_items[idx] == NULL) {
		op->no_eng_items[idx] = json_array();
		if (op->no_eng_items[idx] == NULL)
			return -DER_NOMEM;
	}
	c = json_deep_copy(item);
	if (c == NULL)
		return -DER_NOMEM;
	if ((rank != D_RANK_NIL && json_object_set_new(c, "rank", json_integer(rank)) != 0) ||
	    json_array_append_new(op->no_eng_items[idx], c) != 0)
		return -DER_NOMEM;
	return 0;
}

/* A page of a list: its entries, and the next page when there is one. */
static void
query_page(struct nvme_op *op, uint32_t idx, json_t *reply)
{
	uint32_t rank = srv_engine_rank(op->no_ctx, idx);
	json_t  *arr  = json_object_get(reply, op->no_list_key);
	json_t  *next = json_object_get(reply, "next");
	char     msg[SRV_MSG_MAX];
	size_t   i;
	json_t  *item;
	int      rc = 0;

	if (!json_is_array(arr)) {
		snprintf(msg, sizeof(msg), "engine %u answered without a '%s' list", idx,
			 op->no_list_key);
		op_error(op, idx, -DER_PROTO, msg);
		return;
	}
	json_array_foreach(arr, i, item) {
		rc = item_add(op, idx, item, rank);
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "engine %u: %s", idx,
			 rc == -DER_PROTO ? "a list entry is not an object" : "out of memory");
		op_error(op, idx, rc, msg);
		return;
	}
	if (op->no_start[idx] == 0 && rank != D_RANK_NIL)
		(void)json_array_append_new(op->no_ranks, json_integer(rank));
	if (next == NULL)
		return;
	if (!json_is_integer(next) || json_integer_value(next) <= op->no_start[idx] ||
	    json_integer_value(next) > UINT32_MAX) {
		snprintf(msg, sizeof(msg), "engine %u: 'next' does not advance past %u", idx,
			 op->no_start[idx]);
		op_error(op, idx, -DER_PROTO, msg);
		return;
	}
	if (++op->no_pages >= SRV_SMD_PAGES_MAX) {
		snprintf(msg, sizeof(msg), "engine %u: the %s table does not fit one reply (%u "
			 "pages)", idx, op->no_list_key, SRV_SMD_PAGES_MAX);
		op_error(op, idx, -DER_OVERFLOW, msg);
		return;
	}
	rc = op_send(op, idx, (uint32_t)json_integer_value(next));
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "engine %u: cannot ask for the next page: %s", idx,
			 d_errdesc(rc));
		op_error(op, idx, rc, msg);
	}
}

static void
engine_cb(void *arg, uint32_t idx, int status, json_t *reply)
{
	struct nvme_op *op = arg;
	char            msg[SRV_MSG_MAX];

	if (status != 0) {
		const char *err = json_string_value(json_object_get(reply, "error"));

		if (status == -DER_NONEXIST && op->no_kind != NVME_QUERY) {
			op->no_nonexist++;
		} else {
			if (err == NULL)
				err = d_errdesc(status);
			snprintf(msg, sizeof(msg), "engine %u: %.*s", idx, SRV_MSG_MAX - 32, err);
			op_error(op, idx, status, msg);
		}
	} else if (op->no_kind == NVME_QUERY) {
		query_page(op, idx, reply);
	} else {
		int rc = item_add(op, idx, json_object_get(reply, "device"),
				  srv_engine_rank(op->no_ctx, idx));

		if (rc != 0) {
			snprintf(msg, sizeof(msg), "engine %u: %s", idx,
				 rc == -DER_PROTO ? "answered without a device" : "out of memory");
			op_error(op, idx, rc, msg);
		}
	}
	op_done(op);
}

/* Send the request to the selected engines and answer when all replied. */
static void
op_start(struct nvme_op *op, bool has_rank, uint32_t rank)
{
	struct srv_ctx *ctx = op->no_ctx;
	uint32_t        nr  = ctx->sc_harness != NULL ? srv_harness_engine_nr(ctx->sc_harness)
						      : 0;
	char            msg[SRV_MSG_MAX];

	op->no_pending = 1; /* until every engine was asked */
	for (uint32_t i = 0; i < nr && i < SRV_ENGINES_MAX; i++) {
		uint32_t r = srv_engine_rank(ctx, i);
		int      rc;

		if (has_rank && r != rank)
			continue;
		rc = op_send(op, i, 0);
		if (rc == 0)
			continue;
		if (rc == -DER_UNREACH)
			snprintf(msg, sizeof(msg), "engine %u is not running", i);
		else
			snprintf(msg, sizeof(msg), "engine %u: %s", i, d_errdesc(rc));
		op_error(op, i, rc, msg);
	}
	op_done(op);
}

static struct nvme_op *
op_new(struct srv_ctx *ctx, struct srv_call *call, enum nvme_kind kind, const char *engine_op)
{
	struct nvme_op *op = calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	op->no_ctx    = ctx;
	op->no_call   = call;
	op->no_kind   = kind;
	op->no_req    = json_pack("{s:s}", "op", engine_op);
	op->no_items  = json_array();
	op->no_ranks  = json_array();
	op->no_errors = json_array();
	if (op->no_req == NULL || op->no_items == NULL || op->no_ranks == NULL ||
	    op->no_errors == NULL) {
		op_free(op);
		return NULL;
	}
	return op;
}

/* Copy a validated UUID into the engine request (canonical lower case). */
static int
req_set_uuid(json_t *req, const char *key, const uuid_t u)
{
	char str[37];

	uuid_unparse_lower(u, str);
	return json_object_set_new(req, key, json_string(str)) == 0 ? 0 : -DER_NOMEM;
}

/* Refuse keys other than @keys (NULL-terminated). */
static int
body_keys(json_t *body, const char *const *keys, char *errbuf, size_t errlen)
{
	const char *k;
	json_t     *v;
	char        q[64 + 4];

	json_object_foreach(body, k, v) {
		bool known = false;

		(void)v;
		for (unsigned i = 0; !known && keys[i] != NULL; i++)
			known = strcmp(k, keys[i]) == 0;
		if (!known) {
			d_errbuf_printf(errbuf, errlen, "unknown field '%s'",
					d_errbuf_quote(q, k, strlen(k), 64));
			return -DER_INVAL;
		}
	}
	return 0;
}

void
srv_h_smd_query(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	static const char *const keys[] = {"what", "rank", "uuid", "tgt", "health", NULL};
	struct nvme_op          *op;
	const char              *what;
	char                     err[SRV_MSG_MAX];
	int64_t                  rank = 0, tgt = 0;
	bool                     rank_set, tgt_set, uuid_set, health;
	uuid_t                   uuid;
	int                      rc;

	rc = body_keys(body, keys, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_str(body, "what", true, 16, &what, err, sizeof(err));
	if (rc == 0 && strcmp(what, "devices") != 0 && strcmp(what, "pools") != 0) {
		snprintf(err, sizeof(err), "what: expected \"devices\" or \"pools\"");
		rc = -DER_INVAL;
	}
	if (rc == 0)
		rc = srv_body_int(body, "rank", 0, D_RANK_MAX, &rank, &rank_set, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_int(body, "tgt", 0, INT32_MAX, &tgt, &tgt_set, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_uuid(body, "uuid", uuid, &uuid_set, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_bool(body, "health", &health, err, sizeof(err));
	if (rc == 0 && tgt_set && !rank_set) {
		snprintf(err, sizeof(err), "tgt: a target is named with its rank");
		rc = -DER_INVAL;
	}
	if (rc == 0 && tgt_set && uuid_set) {
		snprintf(err, sizeof(err), "tgt and uuid cannot be used together");
		rc = -DER_INVAL;
	}
	if (rc == 0 && strcmp(what, "pools") == 0 && (tgt_set || health)) {
		snprintf(err, sizeof(err), "tgt and health apply to devices only");
		rc = -DER_INVAL;
	}
	if (rc != 0) {
		srv_reply_error(call, rc, "%s", err);
		return;
	}
	op = op_new(ctx, call, NVME_QUERY, ENGINE_OP_SMD_QUERY);
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->no_list_key = strcmp(what, "devices") == 0 ? "devices" : "pools";
	if (json_object_set_new(op->no_req, "what", json_string(op->no_list_key)) != 0 ||
	    (tgt_set && json_object_set_new(op->no_req, "tgt", json_integer(tgt)) != 0) ||
	    (health && json_object_set_new(op->no_req, "health", json_true()) != 0) ||
	    (uuid_set && req_set_uuid(op->no_req, "uuid", uuid) != 0)) {
		op_free(op);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op_start(op, rank_set, (uint32_t)rank);
}

/* The three device operations: validate, then ask every engine. */
static void
dev_op(struct srv_ctx *ctx, struct srv_call *call, json_t *body, enum nvme_kind kind)
{
	static const char *const k_uuid[] = {"uuid", NULL};
	static const char *const k_repl[] = {"old_uuid", "new_uuid", NULL};
	const char              *engine_op;
	struct nvme_op          *op;
	char                     err[SRV_MSG_MAX];
	uuid_t                   u, n;
	bool                     set = false, nset = false;
	int                      rc;

	engine_op = kind == NVME_SET_FAULTY ? ENGINE_OP_DEV_SET_FAULTY
		    : kind == NVME_REPLACE  ? ENGINE_OP_DEV_REPLACE
					    : ENGINE_OP_DEV_IDENTIFY;
	rc = body_keys(body, kind == NVME_REPLACE ? k_repl : k_uuid, err, sizeof(err));
	if (rc == 0)
		rc = srv_body_uuid(body, kind == NVME_REPLACE ? "old_uuid" : "uuid", u, &set, err,
				   sizeof(err));
	if (rc == 0 && kind == NVME_REPLACE)
		rc = srv_body_uuid(body, "new_uuid", n, &nset, err, sizeof(err));
	if (rc == 0 && (!set || (kind == NVME_REPLACE && !nset))) {
		snprintf(err, sizeof(err), "%s: missing",
			 !set ? (kind == NVME_REPLACE ? "old_uuid" : "uuid") : "new_uuid");
		rc = -DER_INVAL;
	}
	if (rc != 0) {
		srv_reply_error(call, rc, "%s", err);
		return;
	}
	op = op_new(ctx, call, kind, engine_op);
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	uuid_unparse_lower(u, op->no_dev);
	if (req_set_uuid(op->no_req, kind == NVME_REPLACE ? "old_uuid" : "uuid", u) != 0 ||
	    (kind == NVME_REPLACE && req_set_uuid(op->no_req, "new_uuid", n) != 0)) {
		op_free(op);
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op_start(op, false, 0);
}

void
srv_h_dev_set_faulty(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	dev_op(ctx, call, body, NVME_SET_FAULTY);
}

void
srv_h_dev_replace(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	dev_op(ctx, call, body, NVME_REPLACE);
}

void
srv_h_dev_identify(struct srv_ctx *ctx, struct srv_call *call, json_t *body)
{
	dev_op(ctx, call, body, NVME_IDENTIFY);
}
