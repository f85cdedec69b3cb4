/*
 * dmg_system.c: dmg system query|stop|start|erase|leader-query.
 *
 * Every system command is one call to the Management Service leader
 * (dmg_ms_call follows the leader hints). Requests (JSON objects):
 *   system_query         {"ranks": "<rank set>"?, "hosts": "<host set>"?}
 *   system_stop          {"ranks"?, "hosts"?, "force": <bool>}
 *   system_start         {"ranks"?, "hosts"?}
 *   system_erase         {}
 *   system_leader_query  {}
 * Rank and host sets travel in their canonical text form ("2-3", "h[1-2]").
 * Reply fields read (anything else is ignored, and kept in -j output):
 *   system_query   members: [{rank, state, uuid?, ctl_addr?, fault_domain?,
 *                  reason?}], absent_ranks? (rank set text), absent_hosts?
 *                  (host set text)
 *   stop/start/erase  results: [{rank, action?, status?, msg?}]
 *   leader_query   leader?, replicas?: [text], down_replicas?: [text]
 * --not-ok and --with-states filter the members here, in dmg.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hostset.h"
#include "gurt/rankset.h"
#include "control/ms_db.h"
#include "tools/dmg/dmg.h"

/* Bit of the Unknown state (value 0) in a --with-states mask (see dmg_args.c). */
#define SYSQ_UNKNOWN_BIT (1u << 31)

json_t *
dmg_system_request(const struct dmg_args *a)
{
	json_t *req = json_object();
	char   *text = NULL;
	size_t  len;
	int     rc = 0;

	if (req == NULL)
		return NULL;
	if (a->da_ranks_set) {
		len = d_rankset_format_len(&a->da_ranks, false);
		text = malloc(len);
		if (text == NULL || d_rankset_format(&a->da_ranks, text, len, false) != 0)
			goto fail;
		rc = json_object_set_new(req, "ranks", json_string(text));
		free(text);
		text = NULL;
	}
	if (rc == 0 && a->da_rank_hosts_set) {
		len = d_hostset_format_len(&a->da_rank_hosts);
		text = malloc(len);
		if (text == NULL || d_hostset_format(&a->da_rank_hosts, text, len) != 0)
			goto fail;
		rc = json_object_set_new(req, "hosts", json_string(text));
		free(text);
		text = NULL;
	}
	if (rc == 0 && a->da_cmd == DMG_CMD_SYSTEM_STOP)
		rc = json_object_set_new(req, "force", json_boolean(a->da_force));
	if (rc != 0)
		goto fail;
	return req;
fail:
	free(text);
	json_decref(req);
	return NULL;
}

/* State bit of a member for filtering; false when the name is not a state. */
static bool
member_state_bit(const char *name, uint32_t *bit)
{
	uint32_t st;

	if (ms_state_from_name(name, &st) != 0)
		return false;
	*bit = st != 0 ? st : SYSQ_UNKNOWN_BIT;
	return true;
}

int
dmg_sysq_members(const json_t *reply, const struct dmg_args *a, const char *who,
		 json_t **members, char *errbuf, size_t errlen)
{
	struct dmg_reply_ctx c = {who, errbuf, errlen};
	const json_t        *arr;
	json_t              *sel;
	int                  rc;

	rc = dmg_json_array(&c, reply, "", "members", true, DMG_MEMBERS_MAX, &arr);
	if (rc != 0)
		return rc;
	sel = json_array();
	if (sel == NULL)
		return -DER_NOMEM;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *m;
		const char   *state;
		char          path[32];
		int64_t       rank;
		uint32_t      bit = 0;
		bool          known;
		bool          keep = true;

		snprintf(path, sizeof(path), "members[%zu]", i);
		rc = dmg_json_elem_obj(&c, arr, i, "members", &m);
		if (rc == 0)
			rc = dmg_json_int(&c, m, path, "rank", 0, D_RANK_MAX, &rank);
		if (rc == 0)
			rc = dmg_json_str(&c, m, path, "state", true, &state);
		if (rc != 0)
			goto fail;
		known = member_state_bit(state, &bit);
		if (a->da_not_ok)
			keep = !known || bit != MS_STATE_JOINED;
		if (a->da_states_set)
			keep = known && (a->da_states & bit) != 0;
		if (keep && json_array_append(sel, (json_t *)m) != 0) {
			rc = -DER_NOMEM;
			goto fail;
		}
	}
	*members = sel;
	return 0;
fail:
	json_decref(sel);
	return rc;
}

/* Ranks asked for (--ranks) that the reply does not list, plus the reply's own
 * absent_ranks; "Unknown N ranks: [..]" and "Unknown N hosts: .." lines. */
static int
print_absent(const json_t *reply, const struct dmg_args *a, const char *who,
	     struct cli_out *out, char *errbuf, size_t errlen)
{
	struct dmg_reply_ctx c = {who, errbuf, errlen};
	struct d_rankset     absent, listed;
	struct d_hostset     hosts;
	const json_t        *arr = json_object_get(reply, "members");
	const char          *text;
	char                *buf = NULL;
	char                 msg[256];
	size_t               len;
	int                  rc = 0;

	d_rankset_init(&absent);
	d_rankset_init(&listed);
	d_hostset_init(&hosts);
	if (a->da_ranks_set) {
		/* members were checked by dmg_sysq_members() */
		for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++)
			rc = d_rankset_add(&listed, (d_rank_t)json_integer_value(json_object_get(
							    json_array_get(arr, i), "rank")));
		if (rc == 0)
			rc = d_rankset_subtract(&absent, &a->da_ranks, &listed);
	}
	if (rc == 0)
		rc = dmg_json_str(&c, reply, "", "absent_ranks", false, &text);
	if (rc == 0 && text[0] != '\0' && d_rankset_parse(text, &absent, msg, sizeof(msg)) != 0) {
		d_errbuf_printf(errbuf, errlen, "invalid reply from %s: absent_ranks: %s", who,
				msg);
		rc = -DER_PROTO;
	}
	if (rc == 0 && d_rankset_count(&absent) > 0) {
		len = d_rankset_format_len(&absent, true);
		buf = malloc(len);
		if (buf == NULL) {
			rc = -DER_NOMEM;
		} else {
			d_rankset_format(&absent, buf, len, true);
			rc = cli_out_printf(out, "\nUnknown %lu rank%s: %s\n",
					    (unsigned long)d_rankset_count(&absent),
					    d_rankset_count(&absent) == 1 ? "" : "s", buf);
		}
	}
	if (rc == 0)
		rc = dmg_json_str(&c, reply, "", "absent_hosts", false, &text);
	if (rc == 0 && text[0] != '\0') {
		if (d_hostset_parse(text, &hosts, msg, sizeof(msg)) != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid reply from %s: absent_hosts: %s",
					who, msg);
			rc = -DER_PROTO;
		} else {
			rc = cli_out_printf(out, "\nUnknown %u host%s: ", d_hostset_count(&hosts),
					    d_hostset_count(&hosts) == 1 ? "" : "s");
			if (rc == 0)
				rc = cli_out_puts_safe(out, text);
			if (rc == 0)
				rc = cli_out_printf(out, "\n");
		}
	}
	free(buf);
	d_rankset_fini(&absent);
	d_rankset_fini(&listed);
	d_hostset_fini(&hosts);
	return rc;
}

static int
cmp_member_rank(const void *x, const void *y)
{
	json_int_t a = json_integer_value(json_object_get(*(json_t *const *)x, "rank"));
	json_int_t b = json_integer_value(json_object_get(*(json_t *const *)y, "rank"));

	return a < b ? -1 : a > b;
}

static int
sysq_verbose(const json_t *members, const char *who, struct cli_out *out, char *errbuf,
	     size_t errlen)
{
	static const char *const titles[] = {"Rank",  "UUID",  "Control Address",
					     "Fault Domain", "State", "Reason"};
	struct dmg_reply_ctx     c = {who, errbuf, errlen};
	size_t                   n = json_array_size(members);
	json_t                 **sorted;
	struct cli_table         t;
	int                      rc;

	sorted = calloc(n + 1, sizeof(*sorted));
	if (sorted == NULL)
		return -DER_NOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_array_get(members, i);
	qsort(sorted, n, sizeof(*sorted), cmp_member_rank);
	rc = cli_table_init(&t, 6, titles, 0);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *cells[6];
		char        rank[16];
		char        path[32];

		snprintf(path, sizeof(path), "members[%zu]", i);
		snprintf(rank, sizeof(rank), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(sorted[i], "rank")));
		cells[0] = rank;
		rc = dmg_json_str(&c, sorted[i], path, "uuid", false, &cells[1]);
		if (rc == 0)
			rc = dmg_json_str(&c, sorted[i], path, "ctl_addr", false, &cells[2]);
		if (rc == 0)
			rc = dmg_json_str(&c, sorted[i], path, "fault_domain", false, &cells[3]);
		if (rc == 0)
			rc = dmg_json_str(&c, sorted[i], path, "state", true, &cells[4]);
		if (rc == 0)
			rc = dmg_json_str(&c, sorted[i], path, "reason", false, &cells[5]);
		if (rc == 0)
			rc = cli_table_add(&t, cells);
	}
	if (rc == 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
	free(sorted);
	return rc;
}

static int
sysq_grouped(const json_t *members, struct cli_out *out)
{
	static const char *const titles[] = {"Rank", "State"};
	struct dmg_groups        g;
	struct cli_table         t;
	int                      rc = 0;

	dmg_groups_init(&g);
	for (size_t i = 0; i < json_array_size(members) && rc == 0; i++) {
		const json_t *m = json_array_get(members, i);

		rc = dmg_groups_add_rank(&g, json_string_value(json_object_get(m, "state")),
					 (uint32_t)json_integer_value(json_object_get(m, "rank")));
	}
	if (rc == 0)
		rc = cli_table_init(&t, 2, titles, 0);
	if (rc != 0) {
		dmg_groups_fini(&g);
		return rc;
	}
	t.t_full_cols = 1u << 0; /* the rank set */
	for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(&g); i++) {
		const char *cells[2];

		rc = dmg_groups_get(&g, i, &cells[1], &cells[0]);
		if (rc == 0)
			rc = cli_table_add(&t, cells);
	}
	if (rc == 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
	dmg_groups_fini(&g);
	return rc;
}

int
dmg_render_sysq(const json_t *reply, const struct dmg_args *a, const char *who,
		struct cli_out *out, char *errbuf, size_t errlen)
{
	json_t *members = NULL;
	int     rc;

	rc = dmg_sysq_members(reply, a, who, &members, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (json_array_size(members) == 0)
		rc = cli_out_printf(out, "Query matches no ranks in system\n");
	else if (a->da_verbose)
		rc = sysq_verbose(members, who, out, errbuf, errlen);
	else
		rc = sysq_grouped(members, out);
	if (rc == 0)
		rc = print_absent(reply, a, who, out, errbuf, errlen);
	json_decref(members);
	return rc;
}

int
dmg_render_results(const json_t *reply, const char *who, struct cli_out *out, uint32_t *failed,
		   int *first_rc, char *errbuf, size_t errlen)
{
	static const char *const titles[] = {"Rank", "Operation", "Result"};
	struct dmg_reply_ctx     c = {who, errbuf, errlen};
	const json_t            *arr;
	struct dmg_groups        g;
	struct cli_table         t;
	int                      rc;

	*failed = 0;
	*first_rc = 0;
	rc = dmg_json_array(&c, reply, "", "results", true, DMG_RESULTS_MAX, &arr);
	if (rc != 0)
		return rc;
	dmg_groups_init(&g);
	for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
		const json_t *r;
		const char   *action, *msg;
		char          path[32];
		char          key[CLI_CELL_MAX * 2 + 2];
		int64_t       rank, status = 0;

		snprintf(path, sizeof(path), "results[%zu]", i);
		rc = dmg_json_elem_obj(&c, arr, i, "results", &r);
		if (rc == 0)
			rc = dmg_json_int(&c, r, path, "rank", 0, D_RANK_MAX, &rank);
		if (rc == 0)
			rc = dmg_json_str(&c, r, path, "action", false, &action);
		if (rc == 0 && json_object_get(r, "status") != NULL)
			rc = dmg_json_int(&c, r, path, "status", -(int64_t)DER_UNKNOWN, 0,
					  &status);
		if (rc == 0)
			rc = dmg_json_str(&c, r, path, "msg", false, &msg);
		if (rc != 0)
			break;
		if (status != 0) {
			if (*failed == 0)
				*first_rc = (int)status;
			(*failed)++;
		}
		/* Group key "operation<TAB>result": ranks with the same outcome share
		 * a row, as DAOS prints them. */
		if (status == 0)
			snprintf(key, sizeof(key), "%.*s\tOK", CLI_CELL_MAX, action);
		else if (msg[0] != '\0')
			snprintf(key, sizeof(key), "%.*s\t%.*s", CLI_CELL_MAX, action,
				 CLI_CELL_MAX, msg);
		else
			snprintf(key, sizeof(key), "%.*s\t%s(%d)", CLI_CELL_MAX, action,
				 d_errstr((int)status), (int)status);
		rc = dmg_groups_add_rank(&g, key, (uint32_t)rank);
	}
	if (rc == 0)
		rc = cli_table_init(&t, 3, titles, 0);
	t.t_full_cols = 1u << 0; /* the rank set */
	if (rc != 0) {
		dmg_groups_fini(&g);
		return rc;
	}
	for (uint32_t i = 0; rc == 0 && i < dmg_groups_count(&g); i++) {
		const char *key, *set, *tab;
		char        op[CLI_CELL_MAX + 1];
		const char *cells[3];

		rc = dmg_groups_get(&g, i, &key, &set);
		if (rc != 0)
			break;
		tab = strchr(key, '\t');
		snprintf(op, sizeof(op), "%.*s", (int)(tab - key), key);
		cells[0] = set;
		cells[1] = op;
		cells[2] = tab + 1;
		rc = cli_table_add(&t, cells);
	}
	if (rc == 0)
		rc = cli_table_render(&t, out);
	cli_table_fini(&t);
	dmg_groups_fini(&g);
	return rc;
}

/* "a, b, c" of an array of strings, into out (sanitised). */
static int
print_list(const struct dmg_reply_ctx *c, const json_t *arr, const char *key,
	   struct cli_out *out)
{
	int rc = 0;

	if (arr == NULL || json_array_size(arr) == 0)
		return cli_out_printf(out, "N/A");
	for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
		const json_t *v = json_array_get(arr, i);

		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			d_errbuf_printf(c->rc_err, c->rc_errlen,
					"invalid reply from %s: %s[%zu]: expected a string",
					c->rc_who, key, i);
			return -DER_PROTO;
		}
		if (i > 0)
			rc = cli_out_printf(out, ", ");
		if (rc == 0)
			rc = cli_out_puts_safe(out, json_string_value(v));
	}
	return rc;
}

int
dmg_render_leader(const json_t *reply, const struct dmg_args *a, const char *who,
		  struct cli_out *out, char *errbuf, size_t errlen)
{
	struct dmg_reply_ctx c = {who, errbuf, errlen};
	const json_t        *replicas, *down;
	const char          *leader;
	int                  rc;

	rc = dmg_json_str(&c, reply, "", "leader", false, &leader);
	if (rc == 0)
		rc = dmg_json_array(&c, reply, "", "replicas", false, DMG_REPLICAS_MAX, &replicas);
	if (rc == 0)
		rc = dmg_json_array(&c, reply, "", "down_replicas", false, DMG_REPLICAS_MAX,
				    &down);
	if (rc != 0)
		return rc;
	/* Colons aligned, as DAOS prints it. */
	rc = cli_out_printf(out, "Current Leader: ");
	if (rc == 0)
		rc = leader[0] != '\0' ? cli_out_puts_safe(out, leader)
				       : cli_out_printf(out, "N/A");
	if (rc == 0)
		rc = cli_out_printf(out, "\n   Replica Set: ");
	if (rc == 0)
		rc = print_list(&c, replicas, "replicas", out);
	if (rc == 0 && a->da_down_replicas) {
		rc = cli_out_printf(out, "\n Down Replicas: ");
		if (rc == 0)
			rc = print_list(&c, down, "down_replicas", out);
	}
	if (rc == 0)
		rc = cli_out_printf(out, "\n");
	return rc;
}

/* Replace the reply's members by the filtered ones, for -j. */
static int
filtered_response(const json_t *reply, const struct dmg_args *a, const char *who,
		  json_t **response, char *errbuf, size_t errlen)
{
	json_t *copy, *members = NULL;
	int     rc;

	rc = dmg_sysq_members(reply, a, who, &members, errbuf, errlen);
	if (rc != 0)
		return rc;
	copy = json_deep_copy(reply);
	if (copy == NULL || json_object_set_new(copy, "members", members) != 0) {
		json_decref(copy);
		return -DER_NOMEM;
	}
	*response = copy;
	return 0;
}

int
dmg_system_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
	       size_t errlen)
{
	const struct dmg_args *a = ctx->dc_args;
	const char            *method;
	json_t                *req = NULL, *reply = NULL;
	char                   who[D_HOSTSET_HOST_BUF] = "";
	uint32_t               failed = 0;
	int                    first = 0;
	int                    rc;

	*response = NULL;
	switch (a->da_cmd) {
	case DMG_CMD_SYSTEM_QUERY:
		method = "system_query";
		break;
	case DMG_CMD_SYSTEM_STOP:
		method = "system_stop";
		break;
	case DMG_CMD_SYSTEM_START:
		method = "system_start";
		break;
	case DMG_CMD_SYSTEM_ERASE:
		method = "system_erase";
		break;
	case DMG_CMD_SYSTEM_LEADER_QUERY:
		method = "system_leader_query";
		break;
	default:
		d_errbuf_printf(errbuf, errlen, "not a system command");
		return -DER_INVAL;
	}
	if (a->da_cmd == DMG_CMD_SYSTEM_ERASE || a->da_cmd == DMG_CMD_SYSTEM_LEADER_QUERY)
		req = json_object();
	else
		req = dmg_system_request(a);
	if (req == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	rc = dmg_ms_call(ctx, method, req, who, &reply, errbuf, errlen);
	json_decref(req);
	if (rc != 0)
		return rc;

	switch (a->da_cmd) {
	case DMG_CMD_SYSTEM_QUERY:
		rc = dmg_render_sysq(reply, a, who, out, errbuf, errlen);
		if (rc == 0)
			rc = filtered_response(reply, a, who, response, errbuf, errlen);
		break;
	case DMG_CMD_SYSTEM_LEADER_QUERY:
		rc = dmg_render_leader(reply, a, who, out, errbuf, errlen);
		break;
	case DMG_CMD_SYSTEM_ERASE:
		/* Nothing to show for an erase that touched no rank. */
		if (json_is_array(json_object_get(reply, "results")) &&
		    json_array_size(json_object_get(reply, "results")) == 0)
			break;
		/* fall through */
	default:
		rc = dmg_render_results(reply, who, out, &failed, &first, errbuf, errlen);
		if (rc == 0 && failed > 0) {
			d_errbuf_printf(errbuf, errlen, "%s failed on %u rank%s",
					dmg_cmd_name(a->da_cmd), failed, failed == 1 ? "" : "s");
			rc = first;
		}
		break;
	}
	if (*response == NULL && rc != -DER_PROTO)
		*response = json_incref(reply);
	json_decref(reply);
	return rc;
}
