/*
 * ms_cmd.c: encoding and strict decoding of Management Service commands
 * (the Raft log entries). See ms_db.h for the command rules.
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/checksum.h"
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "control/ms_db.h"
#include "control/ms_internal.h"

/*
 * Commands
 */

static const char *const ms_op_names[] = {
	[MS_CMD_NOOP] = "noop",           [MS_CMD_INIT] = "init",
	[MS_CMD_JOIN] = "join",           [MS_CMD_SET_STATE] = "set_state",
	[MS_CMD_REMOVE] = "remove",       [MS_CMD_ERASE] = "erase",
};

static int
dec_join(const struct ms_jctx *c, json_t *o, struct ms_dcmd *d)
{
	static const char *const keys[] = {"v",          "op",           "uuid",    "rank",
					   "replace",    "ctl_addr",     "fabric_uri",
					   "fault_domain", "targets",    "inc",     "time", NULL};
	uint64_t                 u;
	int                      rc;

	rc = msj_jkeys(c, o, keys);
	if (rc == 0)
		rc = msj_juuid(c, o, "uuid", false, d->dc_uuid);
	if (rc == 0) {
		rc = msj_juint(c, o, "rank", false, 0, D_RANK_MAX, &u);
		d->dc_rank = rc == 1 ? (uint32_t)u : D_RANK_NIL;
	}
	if (rc >= 0)
		rc = msj_jbool(c, o, "replace", false, &d->dc_replace);
	if (rc >= 0)
		rc = msj_jstr(c, o, "ctl_addr", true, MS_STR_CTL_ADDR, d->dc_ctl_addr,
			  sizeof(d->dc_ctl_addr));
	if (rc >= 0)
		rc = msj_jstr(c, o, "fabric_uri", true, MS_STR_FABRIC_URI, d->dc_fabric_uri,
			  sizeof(d->dc_fabric_uri));
	if (rc >= 0)
		rc = msj_jstr(c, o, "fault_domain", true, MS_STR_FAULT_DOMAIN, d->dc_fault_domain,
			  sizeof(d->dc_fault_domain));
	if (rc >= 0) {
		rc = msj_juint(c, o, "targets", true, 1, MS_TARGETS_MAX, &u);
		d->dc_nr_targets = (uint32_t)u;
	}
	if (rc >= 0)
		rc = msj_juint(c, o, "inc", true, 1, MS_INT_MAX, &d->dc_inc);
	if (rc >= 0)
		rc = msj_juint(c, o, "time", true, 0, MS_INT_MAX, &d->dc_time);
	if (rc >= 0 && d->dc_replace && d->dc_rank == D_RANK_NIL) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"join: field 'replace' needs a field 'rank' to replace");
		rc = -DER_INVAL;
	}
	return rc < 0 ? rc : 0;
}

static int
dec_set_state(const struct ms_jctx *c, json_t *o, struct ms_dcmd *d)
{
	static const char *const keys[] = {"v",      "op",  "ranks", "state", "from",
					   "reason", "inc", "time",  NULL};
	char                     state[32];
	char                     msg[MS_MSG_MAX];
	json_t                  *v;
	uint64_t                 u;
	uint64_t                 nr;
	int                      rc;

	rc = msj_jkeys(c, o, keys);
	if (rc == 0)
		rc = msj_jfetch(c, o, "ranks", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		return rc;
	if (json_string_length(v) != strlen(json_string_value(v))) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"set_state: field 'ranks' holds a NUL character");
		return -DER_INVAL;
	}
	rc = d_rankset_parse(json_string_value(v), &d->dc_ranks, msg, sizeof(msg));
	if (rc == -DER_NOMEM)
		return rc;
	if (rc != 0) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "set_state: field 'ranks': %s", msg);
		return -DER_INVAL;
	}
	nr = d_rankset_count(&d->dc_ranks);
	if (nr == 0) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "set_state: field 'ranks' is empty");
		return -DER_INVAL;
	}
	if (nr > MS_MEMBERS_MAX) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"set_state: field 'ranks' names %" PRIu64 " ranks, more than %d",
				nr, MS_MEMBERS_MAX);
		return -DER_INVAL;
	}
	rc = msj_jfetch(c, o, "state", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		return rc;
	if (json_string_length(v) >= sizeof(state) ||
	    ms_state_from_name(json_string_value(v), &d->dc_state) != 0) {
		char q[MS_QUOTE_MAX + 4];

		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "set_state: unknown state '%s'",
				msj_quote(q, json_string_value(v)));
		return -DER_INVAL;
	}
	rc = msj_juint(c, o, "from", false, 1, MS_STATE_ALL, &u);
	if (rc < 0)
		return rc;
	d->dc_from = rc == 1 ? (uint32_t)u : 0;
	rc = msj_jstr(c, o, "reason", false, MS_STR_TEXT, d->dc_reason, sizeof(d->dc_reason));
	if (rc >= 0)
		rc = msj_juint(c, o, "inc", false, 1, MS_INT_MAX, &d->dc_inc);
	if (rc == 1 && nr != 1) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"set_state: field 'inc' needs exactly one rank, got %" PRIu64, nr);
		return -DER_INVAL;
	}
	if (rc >= 0)
		rc = msj_juint(c, o, "time", true, 0, MS_INT_MAX, &d->dc_time);
	return rc < 0 ? rc : 0;
}

/*
 * Decode and check a command into @d (which the caller finalises with
 * ms_cmd_fini() whatever the result).
 */
int
ms_cmd_decode(const void *buf, size_t len, struct ms_dcmd *d, char *errbuf, size_t errlen)
{
	static const char *const bare_keys[]   = {"v", "op", NULL};
	static const char *const init_keys[]   = {"v", "op", "uuid", "name", NULL};
	static const char *const remove_keys[] = {"v", "op", "rank", NULL};
	struct ms_jctx              c             = {"command", errbuf, errlen};
	json_t                  *root          = NULL;
	json_t                  *v;
	uint64_t                 u = 0;
	const char              *op;
	char                     q[MS_QUOTE_MAX + 4];
	int                      rc;

	memset(d, 0, sizeof(*d));
	d_rankset_init(&d->dc_ranks);
	d->dc_rank = D_RANK_NIL;

	rc = msj_jload("command", buf, len, MS_CMD_MAX, -DER_INVAL, &root, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = msj_jfetch(&c, root, "v", true, JSON_INTEGER, "an integer", &v);
	if (rc < 0)
		goto out;
	if (json_integer_value(v) != MS_CMD_VERSION) {
		d_errbuf_printf(errbuf, errlen,
				"command version %lld is not supported (this build reads version %d)",
				(long long)json_integer_value(v), MS_CMD_VERSION);
		rc = -DER_PROTO;
		goto out;
	}
	rc = msj_jfetch(&c, root, "op", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		goto out;
	op = json_string_value(v);
	for (d->dc_op = MS_CMD_NOOP; d->dc_op <= MS_CMD_ERASE; d->dc_op++)
		if (strcmp(op, ms_op_names[d->dc_op]) == 0)
			break;
	if (d->dc_op > MS_CMD_ERASE)
		d->dc_op = msp_op_lookup(op);
	if (d->dc_op == 0) {
		d_errbuf_printf(errbuf, errlen, "unknown command '%s'", msj_quote(q, op));
		rc = -DER_PROTO;
		goto out;
	}
	c.jc_what = d->dc_op <= MS_CMD_ERASE ? ms_op_names[d->dc_op] : msp_op_name(d->dc_op);
	switch (d->dc_op) {
	case MS_CMD_NOOP:
	case MS_CMD_ERASE:
		rc = msj_jkeys(&c, root, bare_keys);
		break;
	case MS_CMD_INIT:
		rc = msj_jkeys(&c, root, init_keys);
		if (rc == 0)
			rc = msj_juuid(&c, root, "uuid", false, d->dc_uuid);
		if (rc == 0)
			rc = msj_jstr(&c, root, "name", true, MS_STR_NAME, d->dc_name,
				  sizeof(d->dc_name));
		break;
	case MS_CMD_JOIN:
		rc = dec_join(&c, root, d);
		break;
	case MS_CMD_SET_STATE:
		rc = dec_set_state(&c, root, d);
		break;
	case MS_CMD_REMOVE:
		rc = msj_jkeys(&c, root, remove_keys);
		if (rc == 0)
			rc = msj_juint(&c, root, "rank", true, 0, D_RANK_MAX, &u);
		d->dc_rank = (uint32_t)u;
		break;
	default:
		rc = msp_decode(&c, root, d);
		break;
	}
	rc = rc < 0 ? rc : 0;
out:
	json_decref(root);
	return rc;
}

void
ms_cmd_fini(struct ms_dcmd *d)
{
	d_rankset_fini(&d->dc_ranks);
	msp_cmd_free(d->dc_pool);
	d->dc_pool = NULL;
}

int
ms_cmd_validate(const void *buf, size_t len, char *errbuf, size_t errlen)
{
	struct ms_dcmd *d;
	int             rc;

	if (buf == NULL && len > 0)
		return -DER_INVAL;
	d = malloc(sizeof(*d));
	if (d == NULL)
		return -DER_NOMEM;
	rc = ms_cmd_decode(buf, len, d, errbuf, errlen);
	ms_cmd_fini(d);
	free(d);
	return rc;
}

/* json_object_set_new that keeps the first failure in *rc. */
/* Encoder side: a string field must be present and valid UTF-8 to be put in
 * JSON at all; the decoder then checks everything else. */
static int
enc_str(json_t *o, const char *what, const char *key, const char *s, int *rc, char *errbuf,
	size_t errlen)
{
	if (*rc != 0)
		return *rc;
	if (s == NULL) {
		d_errbuf_printf(errbuf, errlen, "%s: missing field '%s'", what, key);
		return *rc = -DER_INVAL;
	}
	if (strlen(s) >= MS_CMD_MAX || !msj_text_ok(s)) {
		d_errbuf_printf(errbuf, errlen, "%s: field '%s' %s", what, key,
				strlen(s) >= MS_CMD_MAX ? "is too long" : msj_str_rule(MS_STR_TEXT));
		return *rc = -DER_INVAL;
	}
	msj_jset(o, key, json_string(s), rc);
	return *rc;
}

static int
enc_int(json_t *o, const char *what, const char *key, uint64_t val, int *rc, char *errbuf,
	size_t errlen)
{
	if (*rc != 0)
		return *rc;
	if (val > MS_INT_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"%s: field '%s' must be in [0, %" PRIu64 "], got %" PRIu64, what, key,
				MS_INT_MAX, val);
		return *rc = -DER_INVAL;
	}
	msj_jset(o, key, json_integer((json_int_t)val), rc);
	return *rc;
}

int
ms_cmd_encode(const struct ms_cmd *cmd, void **buf, size_t *len, char *errbuf, size_t errlen)
{
	json_t     *o;
	char        ustr[37];
	char       *ranks = NULL;
	char       *out   = NULL;
	const char *what;
	size_t      n;
	int         rc = 0;

	if (cmd == NULL || buf == NULL || len == NULL) {
		d_errbuf_printf(errbuf, errlen, "ms_cmd_encode: NULL argument");
		return -DER_INVAL;
	}
	if (msp_op_name(cmd->mc_op) != NULL) {
		d_errbuf_printf(errbuf, errlen, "%s: ms_cmd_encode does not encode this command",
				msp_op_name(cmd->mc_op));
		return -DER_INVAL;
	}
	if (cmd->mc_op < MS_CMD_NOOP || cmd->mc_op > MS_CMD_ERASE) {
		d_errbuf_printf(errbuf, errlen, "unknown command type %d", (int)cmd->mc_op);
		return -DER_INVAL;
	}
	what = ms_op_names[cmd->mc_op];
	o    = json_object();
	if (o == NULL)
		return -DER_NOMEM;
	msj_jset(o, "v", json_integer(MS_CMD_VERSION), &rc);
	msj_jset(o, "op", json_string(what), &rc);
	uuid_unparse_lower(cmd->mc_uuid, ustr);
	switch (cmd->mc_op) {
	case MS_CMD_INIT:
		msj_jset(o, "uuid", json_string(ustr), &rc);
		enc_str(o, what, "name", cmd->mc_name, &rc, errbuf, errlen);
		break;
	case MS_CMD_JOIN:
		msj_jset(o, "uuid", json_string(ustr), &rc);
		if (cmd->mc_rank != D_RANK_NIL)
			msj_jset(o, "rank", json_integer(cmd->mc_rank), &rc);
		if (cmd->mc_replace)
			msj_jset(o, "replace", json_true(), &rc);
		enc_str(o, what, "ctl_addr", cmd->mc_ctl_addr, &rc, errbuf, errlen);
		enc_str(o, what, "fabric_uri", cmd->mc_fabric_uri, &rc, errbuf, errlen);
		enc_str(o, what, "fault_domain", cmd->mc_fault_domain, &rc, errbuf, errlen);
		msj_jset(o, "targets", json_integer(cmd->mc_nr_targets), &rc);
		enc_int(o, what, "inc", cmd->mc_inc, &rc, errbuf, errlen);
		enc_int(o, what, "time", cmd->mc_time, &rc, errbuf, errlen);
		break;
	case MS_CMD_SET_STATE:
		if (cmd->mc_ranks == NULL) {
			d_errbuf_printf(errbuf, errlen, "set_state: missing field 'ranks'");
			rc = -DER_INVAL;
			break;
		}
		n     = d_rankset_format_len(cmd->mc_ranks, false);
		ranks = malloc(n);
		if (ranks == NULL) {
			rc = -DER_NOMEM;
			break;
		}
		d_rankset_format(cmd->mc_ranks, ranks, n, false);
		msj_jset(o, "ranks", json_string(ranks), &rc);
		if (rc == 0 && ms_state_name(cmd->mc_state) == NULL) {
			d_errbuf_printf(errbuf, errlen, "set_state: invalid state 0x%x",
					cmd->mc_state);
			rc = -DER_INVAL;
		}
		msj_jset(o, "state", json_string(ms_state_name(cmd->mc_state)), &rc);
		if (cmd->mc_from != 0)
			msj_jset(o, "from", json_integer(cmd->mc_from), &rc);
		enc_str(o, what, "reason", cmd->mc_reason == NULL ? "" : cmd->mc_reason, &rc,
			errbuf, errlen);
		if (cmd->mc_inc != 0)
			enc_int(o, what, "inc", cmd->mc_inc, &rc, errbuf, errlen);
		enc_int(o, what, "time", cmd->mc_time, &rc, errbuf, errlen);
		break;
	case MS_CMD_REMOVE:
		msj_jset(o, "rank", json_integer(cmd->mc_rank), &rc);
		break;
	default:
		break;
	}
	if (rc != 0)
		goto out;
	n = json_dumpb(o, NULL, 0, JSON_COMPACT);
	if (n == 0) {
		rc = -DER_NOMEM;
		goto out;
	}
	out = malloc(n);
	if (out == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	if (json_dumpb(o, out, n, JSON_COMPACT) != n) {
		rc = -DER_NOMEM;
		goto out;
	}
	/* One set of rules: what encodes is exactly what the decoder accepts. */
	rc = ms_cmd_validate(out, n, errbuf, errlen);
	if (rc != 0)
		goto out;
	*buf = out;
	*len = n;
	out  = NULL;
out:
	free(out);
	free(ranks);
	json_decref(o);
	return rc;
}
