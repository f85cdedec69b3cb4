/*
 * agent_req.c: what the agent accepts from clients and from servers (see agent.h).
 *
 * Pure functions over JSON. Client requests are checked strictly against C5:
 * known keys only, exact types, the method of a call on the whitelist of the
 * methods C4 lets an agent call. Attach info from a server is checked for the
 * fields clients rely on, each within a limit; other keys pass through so
 * that newer servers can add fields.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/rankset.h"
#include "agent/agent.h"

/* Quoted untrusted text in messages is cut to this many bytes. */
#define REQ_QUOTE_MAX 64

struct agent_method {
	const char             *am_name;
	enum agent_method_class am_class;
	bool                    am_read; /* only reads: retry after a timeout is safe */
};

/* C4: admin only are pool_create, pool_destroy, pool_set_prop, pool_list and
 * pool_query_targets; admin or agent is everything else of C4. The control plane's
 * administrative methods are listed so that the refusal says where to go. */
static const struct agent_method agent_methods[] = {
	{"get_attach_info", AGENT_METHOD_AGENT, true},
	{"pool_connect", AGENT_METHOD_AGENT, true},
	{"pool_query", AGENT_METHOD_AGENT, true},
	{"pool_set_attr", AGENT_METHOD_AGENT, false},
	{"pool_get_attr", AGENT_METHOD_AGENT, true},
	{"pool_del_attr", AGENT_METHOD_AGENT, false},
	{"cont_create", AGENT_METHOD_AGENT, false},
	{"cont_open", AGENT_METHOD_AGENT, true},
	{"cont_query", AGENT_METHOD_AGENT, true},
	{"cont_destroy", AGENT_METHOD_AGENT, false},
	{"cont_list", AGENT_METHOD_AGENT, true},
	{"cont_set_prop", AGENT_METHOD_AGENT, false},
	{"cont_set_attr", AGENT_METHOD_AGENT, false},
	{"cont_get_attr", AGENT_METHOD_AGENT, true},
	{"cont_del_attr", AGENT_METHOD_AGENT, false},
	{"cont_snap_create", AGENT_METHOD_AGENT, false},
	{"cont_snap_list", AGENT_METHOD_AGENT, true},
	{"cont_snap_destroy", AGENT_METHOD_AGENT, false},
	{"cont_alloc_oids", AGENT_METHOD_AGENT, false},
	{"pool_create", AGENT_METHOD_ADMIN, false},
	{"pool_destroy", AGENT_METHOD_ADMIN, false},
	{"pool_set_prop", AGENT_METHOD_ADMIN, false},
	{"pool_list", AGENT_METHOD_ADMIN, false},
	{"pool_query_targets", AGENT_METHOD_ADMIN, false},
	{"system_query", AGENT_METHOD_ADMIN, false},
	{"system_stop", AGENT_METHOD_ADMIN, false},
	{"system_start", AGENT_METHOD_ADMIN, false},
	{"system_erase", AGENT_METHOD_ADMIN, false},
	{"storage_scan", AGENT_METHOD_ADMIN, false},
	{"storage_format", AGENT_METHOD_ADMIN, false},
	{"storage_usage", AGENT_METHOD_ADMIN, false},
	{"set_logmasks", AGENT_METHOD_ADMIN, false},
};

static const struct agent_method *
method_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(agent_methods) / sizeof(agent_methods[0]); i++)
		if (strcmp(agent_methods[i].am_name, name) == 0)
			return &agent_methods[i];
	return NULL;
}

enum agent_method_class
agent_method_class(const char *method)
{
	const struct agent_method *m = method_find(method);

	return m == NULL ? AGENT_METHOD_UNKNOWN : m->am_class;
}

bool
agent_method_idempotent(const char *method)
{
	const struct agent_method *m = method_find(method);

	return m != NULL && m->am_class == AGENT_METHOD_AGENT && m->am_read;
}

json_t *
agent_reply_error(int rc, const char *fmt, ...)
{
	char    msg[AGENT_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:i, s:s}", "status", rc, "error", msg);
}

bool
agent_rc_closes(int rc)
{
	return rc == -DER_PROTO || rc == -DER_OVERFLOW || rc == -DER_INVAL || rc == -DER_NOSYS;
}

/* Whether every key of @obj is one of @keys (NULL-terminated); else the message. */
static int
keys_known(json_t *obj, const char *const *keys, const char *op, char *errbuf, size_t errlen)
{
	const char *k;
	json_t     *v;

	json_object_foreach(obj, k, v) {
		size_t i;

		(void)v;
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			char q[REQ_QUOTE_MAX + 4];

			d_errbuf_printf(errbuf, errlen, "unknown key '%s' in a %s request",
					d_errbuf_quote(q, k, strlen(k), REQ_QUOTE_MAX), op);
			return -DER_INVAL;
		}
	}
	return 0;
}

static int
type_error(const char *key, const char *what, const json_t *v, char *errbuf, size_t errlen)
{
	d_errbuf_printf(errbuf, errlen, "\"%s\" must be %s, got %s", key, what,
			d_json_type_name(v));
	return -DER_INVAL;
}

static int
parse_attach(json_t *obj, const char *sys_name, struct agent_req *req, char *errbuf,
	     size_t errlen)
{
	static const char *const keys[] = {"op", "sys", "refresh", NULL};
	json_t                  *v;
	int                      rc;

	rc = keys_known(obj, keys, AGENT_PROTO_OP_ATTACH, errbuf, errlen);
	if (rc != 0)
		return rc;
	v = json_object_get(obj, "sys");
	if (v != NULL && !json_is_null(v)) {
		const char *s;
		char        q[REQ_QUOTE_MAX + 4];

		if (!json_is_string(v))
			return type_error("sys", "a string", v, errbuf, errlen);
		s = json_string_value(v);
		/* "" means the default system, as a NULL name in daos_init() */
		if (s[0] != '\0' && strcmp(s, sys_name) != 0) {
			d_errbuf_printf(errbuf, errlen,
					"system '%s' is not served by this agent (it serves '%s')",
					d_errbuf_quote(q, s, json_string_length(v), REQ_QUOTE_MAX),
					sys_name);
			return -DER_INVAL;
		}
	}
	v = json_object_get(obj, "refresh");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v))
			return type_error("refresh", "true or false", v, errbuf, errlen);
		req->ar_refresh = json_is_true(v);
	}
	req->ar_op = AGENT_OP_ATTACH;
	return 0;
}

static int
parse_call(json_t *obj, struct agent_req *req, char *errbuf, size_t errlen)
{
	static const char *const   keys[] = {"op", "method", "body", NULL};
	const struct agent_method *m;
	const char                *name;
	json_t                    *v, *body;
	char                       q[REQ_QUOTE_MAX + 4];
	int                        rc;

	rc = keys_known(obj, keys, AGENT_PROTO_OP_CALL, errbuf, errlen);
	if (rc != 0)
		return rc;
	v = json_object_get(obj, "method");
	if (v == NULL) {
		d_errbuf_printf(errbuf, errlen, "call request has no \"method\"");
		return -DER_INVAL;
	}
	if (!json_is_string(v))
		return type_error("method", "a string", v, errbuf, errlen);
	body = json_object_get(obj, "body");
	if (body != NULL && !json_is_object(body))
		return type_error("body", "an object", body, errbuf, errlen);
	name = json_string_value(v);
	m    = strlen(name) == json_string_length(v) ? method_find(name) : NULL;
	if (m == NULL || m->am_class != AGENT_METHOD_AGENT) {
		d_errbuf_printf(errbuf, errlen,
				m != NULL ? "method '%s' is admin-only: use dmg"
					  : "method '%s' cannot be called through the agent",
				d_errbuf_quote(q, name, json_string_length(v), REQ_QUOTE_MAX));
		return -DER_NO_PERM;
	}
	req->ar_op         = AGENT_OP_CALL;
	req->ar_method     = m->am_name;
	req->ar_body       = body;
	req->ar_idempotent = m->am_read;
	return 0;
}

int
agent_req_parse(json_t *obj, const char *sys_name, struct agent_req *req, char *errbuf,
		size_t errlen)
{
	struct agent_req r = {0};
	const char      *op;
	json_t          *v;
	char             q[REQ_QUOTE_MAX + 4];
	int              rc;

	if (!json_is_object(obj)) {
		d_errbuf_printf(errbuf, errlen, "request must be a JSON object");
		return -DER_INVAL;
	}
	v = json_object_get(obj, "op");
	if (v == NULL) {
		d_errbuf_printf(errbuf, errlen, "request has no \"op\"");
		return -DER_INVAL;
	}
	if (!json_is_string(v))
		return type_error("op", "a string", v, errbuf, errlen);
	op = json_string_value(v);
	if (strcmp(op, AGENT_PROTO_OP_ATTACH) == 0) {
		rc = parse_attach(obj, sys_name, &r, errbuf, errlen);
	} else if (strcmp(op, AGENT_PROTO_OP_CALL) == 0) {
		rc = parse_call(obj, &r, errbuf, errlen);
	} else {
		d_errbuf_printf(errbuf, errlen, "unknown op '%s' (expected %s or %s)",
				d_errbuf_quote(q, op, json_string_length(v), REQ_QUOTE_MAX),
				AGENT_PROTO_OP_ATTACH, AGENT_PROTO_OP_CALL);
		rc = -DER_NOSYS;
	}
	if (rc == 0)
		*req = r;
	return rc;
}

/* ---- Attach info from a server ---- */

/* A string member of @obj, 1..max bytes without NUL; path names it in messages. */
static int
att_str(const json_t *obj, const char *key, size_t max, const char *path, const char **out,
	char *errbuf, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	size_t        n;

	if (v == NULL) {
		d_errbuf_printf(errbuf, errlen, "%s%s: missing", path, key);
		return -DER_PROTO;
	}
	if (!json_is_string(v)) {
		d_errbuf_printf(errbuf, errlen, "%s%s: expected a string, got %s", path, key,
				d_json_type_name(v));
		return -DER_PROTO;
	}
	n = json_string_length(v);
	if (n == 0 || n > max || strlen(json_string_value(v)) != n) {
		d_errbuf_printf(errbuf, errlen, "%s%s: expected 1 to %zu bytes of text, got %zu",
				path, key, max, n);
		return -DER_PROTO;
	}
	*out = json_string_value(v);
	return 0;
}

static int
att_int(const json_t *obj, const char *key, json_int_t max, const char *path, json_int_t *out,
	char *errbuf, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		d_errbuf_printf(errbuf, errlen, "%s%s: missing", path, key);
		return -DER_PROTO;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		d_errbuf_printf(errbuf, errlen, "%s%s: expected an integer in [0, %lld]", path, key,
				(long long)max);
		return -DER_PROTO;
	}
	*out = json_integer_value(v);
	return 0;
}

static int
att_array(const json_t *obj, const char *key, size_t max, const json_t **out, char *errbuf,
	  size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL) {
		d_errbuf_printf(errbuf, errlen, "%s: missing", key);
		return -DER_PROTO;
	}
	if (!json_is_array(v)) {
		d_errbuf_printf(errbuf, errlen, "%s: expected an array, got %s", key,
				d_json_type_name(v));
		return -DER_PROTO;
	}
	if (json_array_size(v) > max) {
		d_errbuf_printf(errbuf, errlen, "%s: more than %zu entries", key, max);
		return -DER_PROTO;
	}
	*out = v;
	return 0;
}

int
agent_attach_check(const json_t *info, const char *sys_name, uint64_t *map_version,
		   char *errbuf, size_t errlen)
{
	const json_t *aps, *ranks;
	const char   *s;
	json_int_t    mv, n;
	char          q[REQ_QUOTE_MAX + 4];
	size_t        i;
	int           rc;

	if (!json_is_object(info)) {
		d_errbuf_printf(errbuf, errlen, "expected an object, got %s",
				info == NULL ? "nothing" : d_json_type_name(info));
		return -DER_PROTO;
	}
	rc = att_str(info, "sys_name", CFG_NAME_MAX, "", &s, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (strcmp(s, sys_name) != 0) {
		d_errbuf_printf(errbuf, errlen,
				"the servers belong to system '%s', the agent is configured for '%s'",
				d_errbuf_quote(q, s, strlen(s), REQ_QUOTE_MAX), sys_name);
		return -DER_INVAL;
	}
	rc = att_str(info, "provider", AGENT_PROVIDER_MAX, "", &s, errbuf, errlen);
	if (rc == 0)
		rc = att_int(info, "map_version", (json_int_t)INT64_MAX, "", &mv, errbuf, errlen);
	if (rc == 0)
		rc = att_array(info, "access_points", CFG_AP_MAX, &aps, errbuf, errlen);
	for (i = 0; rc == 0 && i < json_array_size(aps); i++) {
		const json_t *v = json_array_get(aps, i);

		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) >= AGENT_ADDR_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			d_errbuf_printf(errbuf, errlen,
					"access_points[%zu]: expected a host:port string", i);
			rc = -DER_PROTO;
		}
	}
	if (rc == 0)
		rc = att_array(info, "ranks", AGENT_ATTACH_RANKS_MAX, &ranks, errbuf, errlen);
	for (i = 0; rc == 0 && i < json_array_size(ranks); i++) {
		const json_t *r = json_array_get(ranks, i);
		char          path[32];

		snprintf(path, sizeof(path), "ranks[%zu].", i);
		if (!json_is_object(r)) {
			d_errbuf_printf(errbuf, errlen, "ranks[%zu]: expected an object, got %s", i,
					d_json_type_name(r));
			rc = -DER_PROTO;
			break;
		}
		rc = att_int(r, "rank", D_RANK_MAX, path, &n, errbuf, errlen);
		if (rc == 0)
			rc = att_str(r, "uri", AGENT_URI_MAX, path, &s, errbuf, errlen);
		if (rc == 0)
			rc = att_int(r, "targets", SRV_TARGETS_MAX, path, &n, errbuf, errlen);
		if (rc == 0)
			rc = att_str(r, "state", AGENT_STATE_MAX, path, &s, errbuf, errlen);
	}
	if (rc == 0)
		*map_version = (uint64_t)mv;
	return rc;
}
