/*
 * srv_tgt.c: what daos_server's pool and container methods (srv_pool.c,
 * srv_cont.c) share.
 *
 *  - Read barriers: a method that reads the MS state first puts a no-op
 *    through the Raft log, so that it sees every change committed before it
 *    (also right after an election), as system_query does.
 *  - Commands: pool and container commands are JSON objects built here and
 *    checked with ms_cmd_validate() before they are proposed.
 *  - Names: pools and containers are named by label or UUID everywhere;
 *    owners and groups are "name@" principals (default: this process's).
 *  - The pool map of a record: pl_map of the pool's ranks, their members'
 *    fault domains, the record's target states and map version.
 *  - Fan-outs of target operations (docs/design.md C1, C3): one worker job
 *    sends the same TGT_* operation to many targets over one net client of
 *    its own, at most SRV_TGT_INFLIGHT_MAX at a time, each call with the
 *    fan-out's timeout, and reports every target's outcome to the loop.
 *
 * Invariants of a fan-out (struct srv_tgt_fan):
 *  1. Between srv_tgt_fan_start() and the done callback only the job's
 *     thread touches the fan-out; the loop gets it back in the callback.
 *  2. When the done callback runs, every call has a final tc_rc (0 or a
 *     -DER_* code) and tf_failed counts the calls whose tc_rc is not 0.
 *  3. tf_inflight counts submitted calls whose net callback has not run; the
 *     job never returns while it is non-zero (destroying the net client
 *     completes the remaining ones with -DER_CANCELED).
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "control/ms_pool.h"
#include "control/srv_internal.h"
#include "net/net.h"
#include "placement/placement.h"

/* ---- Read barrier ---- */

struct barrier_op {
	struct srv_ctx  *bo_ctx;
	struct srv_call *bo_call;
	srv_step_fn      bo_fn;
};

static void
barrier_cb(void *arg, int rc, const struct ms_db_result *res)
{
	struct barrier_op *op   = arg;
	struct srv_call   *call = op->bo_call;
	struct srv_ctx    *ctx  = op->bo_ctx;
	srv_step_fn        fn   = op->bo_fn;

	(void)res;
	free(op);
	if (rc != 0) {
		srv_reply_error(call, rc, "MS read barrier failed: %s", d_errdesc(rc));
		return;
	}
	fn(ctx, call, srv_call_body(call));
}

void
srv_after_barrier(struct srv_ctx *ctx, struct srv_call *call, srv_step_fn fn)
{
	struct ms_cmd      cmd = {.mc_op = MS_CMD_NOOP};
	struct barrier_op *op;
	char               err[SRV_MSG_MAX] = "";
	int                rc;

	op = malloc(sizeof(*op));
	if (op == NULL) {
		srv_reply_error(call, -DER_NOMEM, "out of memory");
		return;
	}
	op->bo_ctx  = ctx;
	op->bo_call = call;
	op->bo_fn   = fn;
	rc          = srv_ms_submit(ctx, &cmd, barrier_cb, op, err, sizeof(err));
	if (rc != 0) {
		free(op);
		srv_reply_error(call, rc, "%s", err);
	}
}

/* ---- Commands ---- */

json_t *
srv_ms_cmd_new(const char *op)
{
	return json_pack("{s:i, s:s}", "v", MS_CMD_VERSION, "op", op);
}

int
srv_ms_submit_json(struct srv_ctx *ctx, json_t *cmd, ms_raft_apply_cb cb, void *arg,
		   char *errbuf, size_t errlen)
{
	char  *text = NULL;
	size_t len;
	int    rc;

	if (cmd == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	if (ctx->sc_raft == NULL) {
		json_decref(cmd);
		d_errbuf_printf(errbuf, errlen, "this server is not an MS replica");
		return -DER_NOTREPLICA;
	}
	text = json_dumps(cmd, JSON_COMPACT);
	json_decref(cmd);
	if (text == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	len = strlen(text);
	/* The leader's check: a malformed command is refused here, not by the
	 * replicas (where it would cost a log entry). */
	rc = ms_cmd_validate(text, len, errbuf, errlen);
	if (rc == 0) {
		rc = ms_raft_submit(ctx->sc_raft, text, len, cb, arg);
		if (rc != 0)
			d_errbuf_printf(errbuf, errlen, "cannot propose the MS change: %s",
					d_errdesc(rc));
	}
	free(text);
	return rc;
}

void
srv_reply_ms_error(struct srv_call *call, int rc, const struct ms_db_result *res)
{
	if (res != NULL && res->mr_msg[0] != '\0')
		srv_reply_error(call, rc, "%s", res->mr_msg);
	else
		srv_reply_error(call, rc, "MS change not applied: %s", d_errdesc(rc));
}

/* ---- Names ---- */

int
srv_body_uuid(json_t *body, const char *key, uuid_t out, bool *set, char *errbuf, size_t errlen)
{
	const char *s;
	int         rc;

	*set = false;
	rc   = srv_body_str(body, key, false, 36, &s, errbuf, errlen);
	if (rc != 0 || s == NULL)
		return rc;
	if (strlen(s) != 36 || uuid_parse(s, out) != 0) {
		d_errbuf_printf(errbuf, errlen, "%s: '%s' is not a UUID", key, s);
		return -DER_INVAL;
	}
	*set = true;
	return 0;
}

/* A label or UUID string of body[key]. */
static int
body_id(json_t *body, const char *key, const char **id, char *errbuf, size_t errlen)
{
	char   q[64 + 4];
	uuid_t u;
	int    rc;

	rc = srv_body_str(body, key, true, MS_LABEL_MAX - 1, id, errbuf, errlen);
	if (rc != 0)
		return rc;
	if ((strlen(*id) == 36 && uuid_parse(*id, u) == 0) || ms_label_valid(*id))
		return 0;
	d_errbuf_printf(errbuf, errlen, "%s: '%s' is neither a UUID nor a label", key,
			d_errbuf_quote(q, *id, strlen(*id), 64));
	return -DER_INVAL;
}

int
srv_body_pool(struct srv_ctx *ctx, json_t *body, const char *key, uuid_t out, char *errbuf,
	      size_t errlen)
{
	const char *id;
	int         rc;

	rc = body_id(body, key, &id, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = ms_pool_find(ctx->sc_db, id, out);
	if (rc == -DER_NONEXIST)
		d_errbuf_printf(errbuf, errlen, "pool '%s' does not exist", id);
	else if (rc != 0)
		d_errbuf_printf(errbuf, errlen, "%s: '%s' is neither a UUID nor a label", key, id);
	return rc;
}

int
srv_body_cont(struct srv_ctx *ctx, const uuid_t pool, json_t *body, const char *key, uuid_t out,
	      char *errbuf, size_t errlen)
{
	const char *id;
	char        ps[37];
	int         rc;

	rc = body_id(body, key, &id, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = ms_cont_find(ctx->sc_db, pool, id, out);
	if (rc == -DER_NONEXIST) {
		uuid_unparse_lower(pool, ps);
		d_errbuf_printf(errbuf, errlen, "container '%s' does not exist in pool %s", id,
				ps);
	} else if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "%s: '%s' is neither a UUID nor a label", key, id);
	}
	return rc;
}

json_t *
srv_ranks_json(const uint32_t *ranks, uint32_t nr)
{
	json_t *a = json_array();

	for (uint32_t i = 0; a != NULL && i < nr; i++) {
		if (json_array_append_new(a, json_integer(ranks[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

void
srv_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	uint64_t                 div = 1;
	unsigned int             e   = 0;
	double                   val;

	if (bytes < 10) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return;
	}
	while (e + 1 < sizeof(units) / sizeof(units[0]) && bytes / div >= 1000) {
		div *= 1000;
		e++;
	}
	val = (double)(uint64_t)((double)bytes / (double)div * 10.0 + 0.5) / 10.0;
	snprintf(buf, len, val < 10.0 ? "%.1f %s" : "%.0f %s", val, units[e]);
}

/* ---- Principals ---- */

/* "name@" principal: printable, no blanks, one '@' not first (the MS's rule). */
int
srv_principal(const char *s, const char *key, char *out, char *errbuf, size_t errlen)
{
	const char *at;
	int         n;

	n = snprintf(out, MS_PRINCIPAL_MAX, "%s%s", s, strchr(s, '@') != NULL ? "" : "@");
	at = strchr(out, '@');
	if (n <= 0 || n >= MS_PRINCIPAL_MAX || at == out || strchr(at + 1, '@') != NULL)
		goto bad;
	for (const char *p = out; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			goto bad;
	return 0;
bad:
	d_errbuf_printf(errbuf, errlen, "%s: '%.64s' is not a user or group name", key, s);
	return -DER_INVAL;
}

/* This process's user and group as principals (defaults of an owner). */
void
srv_self_principals(char *user, char *group)
{
	struct passwd *pw = getpwuid(geteuid());
	struct group  *gr = getgrgid(getegid());

	if (pw == NULL || srv_principal(pw->pw_name, "user", user, NULL, 0) != 0)
		snprintf(user, MS_PRINCIPAL_MAX, "root@");
	if (gr == NULL || srv_principal(gr->gr_name, "group", group, NULL, 0) != 0)
		snprintf(group, MS_PRINCIPAL_MAX, "root@");
}

/* ---- Target addresses (C1) ---- */

int
srv_tgt_addr(const char *uri, uint32_t tgt, char *ip, size_t iplen, uint16_t *port, char *errbuf,
	     size_t errlen)
{
	const char   *p = strstr(uri, "://");
	const char   *colon;
	char          host[INET_ADDRSTRLEN];
	struct in_addr a;
	unsigned long pn;
	char         *end;
	size_t        hl;

	if (p == NULL)
		goto bad;
	p += 3;
	colon = strrchr(p, ':');
	if (colon == NULL || (hl = (size_t)(colon - p)) == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1 || colon[1] < '0' || colon[1] > '9')
		goto bad;
	pn = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || pn == 0 || pn > 65535)
		goto bad;
	if (pn + 1 + tgt > 65535) {
		d_errbuf_printf(errbuf, errlen, "fabric URI '%s': target %u would be on port %lu",
				uri, tgt, pn + 1 + tgt);
		return -DER_INVAL;
	}
	if (strlen(host) >= iplen)
		goto bad;
	strcpy(ip, host);
	*port = (uint16_t)(pn + 1 + tgt);
	return 0;
bad:
	d_errbuf_printf(errbuf, errlen, "fabric URI '%s' is not <provider>://<IPv4>:<port>", uri);
	return -DER_INVAL;
}

/* ---- Pool map ---- */

/* A member's fault domain for the map: its own, else the host of its control
 * address (the map needs 1..PL_DOMAIN_MAX printable bytes). */
static void
member_domain(const struct ms_member *m, char *buf, size_t len)
{
	bool ok = m->mm_fault_domain[0] != '\0' && strlen(m->mm_fault_domain) <= PL_DOMAIN_MAX;

	for (const char *p = m->mm_fault_domain; ok && *p != '\0'; p++)
		ok = *p > 0x20 && *p < 0x7f;
	if (ok) {
		snprintf(buf, len, "%s", m->mm_fault_domain);
		return;
	}
	if (ms_addr_host(m->mm_ctl_addr, buf, len) != 0 || buf[0] == '\0')
		snprintf(buf, len, "rank%u", m->mm_rank);
}

int
srv_pool_map_encode(struct srv_ctx *ctx, const struct ms_pool_rec *rec, void **buf, size_t *len,
		    char *errbuf, size_t errlen)
{
	const struct ms_pool_info *pi    = &rec->pr_info;
	struct pl_rank_desc       *descs = NULL;
	struct pl_pool_map        *map   = NULL;
	struct ms_member          *m     = NULL;
	char                     (*doms)[PL_DOMAIN_MAX + 1] = NULL;
	uint32_t                   off   = 0;
	size_t                     need;
	void                      *b = NULL;
	int                        rc;

	descs = calloc(pi->pi_nr_ranks, sizeof(*descs));
	doms  = calloc(pi->pi_nr_ranks, sizeof(*doms));
	m     = malloc(sizeof(*m));
	if (descs == NULL || doms == NULL || m == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < pi->pi_nr_ranks; i++) {
		if (ms_db_member_by_rank(ctx->sc_db, rec->pr_ranks[i], m) != 0) {
			d_errbuf_printf(errbuf, errlen, "rank %u of the pool is not a member",
					rec->pr_ranks[i]);
			rc = -DER_NONEXIST;
			goto out;
		}
		member_domain(m, doms[i], sizeof(doms[i]));
		descs[i].rd_rank       = rec->pr_ranks[i];
		descs[i].rd_domain     = doms[i];
		descs[i].rd_nr_targets = rec->pr_nr_targets[i];
	}
	rc = pl_map_create(descs, pi->pi_nr_ranks, &map, errbuf, errlen);
	if (rc != 0)
		goto out;
	/* The record is rank-major in rank order, as the map. */
	for (uint32_t i = 0; i < pi->pi_nr_ranks && rc == 0; i++) {
		for (uint32_t t = 0; t < rec->pr_nr_targets[i] && rc == 0; t++) {
			uint8_t st = rec->pr_tgt_states[off + t];

			if (st != MS_TGT_UP_IN)
				rc = pl_map_set_target_state(map, rec->pr_ranks[i], t, st);
		}
		off += rec->pr_nr_targets[i];
	}
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool map: cannot set a target state: %s",
				d_errdesc(rc));
		goto out;
	}
	/* The MS record owns the version (it bumps it once per state change,
	 * whatever number of targets changed); the map carries it as is. */
	map->pm_version = pi->pi_map_version;
	need            = pl_map_encoded_size(map);
	b               = malloc(need);
	if (b == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = pl_map_encode(map, b, need, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool map: cannot encode: %s", d_errdesc(rc));
		goto out;
	}
	*buf = b;
	*len = need;
	b    = NULL;
out:
	if (rc == -DER_NOMEM)
		d_errbuf_printf(errbuf, errlen, "out of memory");
	free(b);
	pl_map_free(map);
	free(m);
	free(doms);
	free(descs);
	return rc;
}

/* ---- Fan-outs ---- */

void
srv_tgt_fan_init(struct srv_tgt_fan *f, uint16_t opcode, uint32_t timeout_ms)
{
	memset(f, 0, sizeof(*f));
	f->tf_opcode     = opcode;
	f->tf_timeout_ms = timeout_ms;
}

void
srv_tgt_fan_fini(struct srv_tgt_fan *f)
{
	free(f->tf_calls);
	free(f->tf_map);
	f->tf_calls = NULL;
	f->tf_map   = NULL;
	f->tf_nr = f->tf_cap = 0;
}

int
srv_tgt_fan_add(struct srv_tgt_fan *f, const uuid_t pool, const struct ms_member *m, uint32_t tgt,
		uint32_t tag, char *errbuf, size_t errlen)
{
	struct srv_tgt_call *c;
	int                  rc;

	if (f->tf_nr >= SRV_TGT_CALLS_MAX) {
		d_errbuf_printf(errbuf, errlen, "more than %u target calls", SRV_TGT_CALLS_MAX);
		return -DER_OVERFLOW;
	}
	if (f->tf_nr == f->tf_cap) {
		uint32_t             cap = f->tf_cap == 0 ? 16 : f->tf_cap * 2;
		struct srv_tgt_call *a;

		if (cap > SRV_TGT_CALLS_MAX)
			cap = SRV_TGT_CALLS_MAX;
		a = realloc(f->tf_calls, (size_t)cap * sizeof(*a));
		if (a == NULL) {
			d_errbuf_printf(errbuf, errlen, "out of memory");
			return -DER_NOMEM;
		}
		f->tf_calls = a;
		f->tf_cap   = cap;
	}
	c = &f->tf_calls[f->tf_nr];
	memset(c, 0, sizeof(*c));
	rc = srv_tgt_addr(m->mm_fabric_uri, tgt, c->tc_ip, sizeof(c->tc_ip), &c->tc_port, errbuf,
			  errlen);
	if (rc != 0)
		return rc;
	uuid_copy(c->tc_pool, pool);
	c->tc_rank = m->mm_rank;
	c->tc_tgt  = tgt;
	c->tc_tag  = tag;
	f->tf_nr++;
	return 0;
}

static bool
tgt_available(uint32_t state)
{
	return state == MS_TGT_UP_IN || state == MS_TGT_UP || state == MS_TGT_DRAIN;
}

int
srv_tgt_fan_add_pool(struct srv_ctx *ctx, struct srv_tgt_fan *f, const struct ms_pool_rec *rec,
		     bool available, uint32_t tag, uint32_t *skipped, char *errbuf, size_t errlen)
{
	struct ms_member *m = malloc(sizeof(*m));
	uint32_t          off = 0;
	int               rc  = 0;

	if (skipped != NULL)
		*skipped = 0;
	if (m == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	for (uint32_t i = 0; i < rec->pr_info.pi_nr_ranks && rc == 0; i++) {
		uint32_t nt = rec->pr_nr_targets[i];

		if (ms_db_member_by_rank(ctx->sc_db, rec->pr_ranks[i], m) != 0 ||
		    m->mm_state != MS_STATE_JOINED) {
			if (skipped != NULL)
				(*skipped)++;
			off += nt;
			continue;
		}
		for (uint32_t t = 0; t < nt && rc == 0; t++)
			if (!available || tgt_available(rec->pr_tgt_states[off + t]))
				rc = srv_tgt_fan_add(f, rec->pr_info.pi_uuid, m, t, tag, errbuf,
						     errlen);
		off += nt;
	}
	free(m);
	return rc;
}

/* Completion of one target call (job thread, inside net_client_progress). */
static void
tgt_call_cb(void *arg, int status, const struct proto_hdr *reply_hdr, const uint8_t *body,
	    uint32_t len)
{
	struct srv_tgt_call *c = arg;
	char                 err[SRV_MSG_MAX] = "";

	(void)reply_hdr;
	c->tc_rc = status;
	if (status == 0 && c->tc_fan->tf_opcode == PROTO_OP_TGT_QUERY) {
		c->tc_rc = proto_tgt_query_rep_dec(body, len, &c->tc_query, err, sizeof(err));
		if (c->tc_rc != 0)
			d_errbuf_printf(c->tc_err, sizeof(c->tc_err),
					"rank %u target %u (%s:%u): invalid reply: %s", c->tc_rank,
					c->tc_tgt, c->tc_ip, c->tc_port, err);
	} else if (status != 0) {
		/* A -DER_PROTO reply carries the target's reason as text. */
		if (status == -DER_PROTO && body != NULL && len > 0)
			d_errbuf_printf(c->tc_err, sizeof(c->tc_err),
					"rank %u target %u (%s:%u): %.*s", c->tc_rank, c->tc_tgt,
					c->tc_ip, c->tc_port, (int)(len < 160 ? len : 160),
					(const char *)body);
		else
			d_errbuf_printf(c->tc_err, sizeof(c->tc_err), "rank %u target %u (%s:%u): %s",
					c->tc_rank, c->tc_tgt, c->tc_ip, c->tc_port,
					d_errdesc(status));
	}
	c->tc_fan->tf_inflight--;
}

/* The request body of call @c into @m. */
static int
tgt_body(const struct srv_tgt_fan *f, const struct srv_tgt_call *c, struct proto_msg *m)
{
	switch (f->tf_opcode) {
	case PROTO_OP_TGT_POOL_CREATE: {
		struct proto_tgt_pool_create r;

		uuid_copy(r.tpc_pool, c->tc_pool);
		r.tpc_scm_bytes  = f->tf_scm;
		r.tpc_nvme_bytes = f->tf_nvme;
		return proto_tgt_pool_create_enc(&r, m);
	}
	case PROTO_OP_TGT_POOL_DESTROY:
	case PROTO_OP_TGT_QUERY: {
		struct proto_tgt_pool r;

		uuid_copy(r.tp_pool, c->tc_pool);
		return proto_tgt_pool_enc(&r, m);
	}
	case PROTO_OP_TGT_CONT_CREATE:
	case PROTO_OP_TGT_CONT_DESTROY: {
		struct proto_tgt_cont r;

		uuid_copy(r.tc_pool, c->tc_pool);
		uuid_copy(r.tc_cont, f->tf_cont);
		return proto_tgt_cont_enc(&r, m);
	}
	case PROTO_OP_TGT_MAP_UPDATE: {
		struct proto_tgt_map_update r;

		uuid_copy(r.tmu_pool, c->tc_pool);
		r.tmu_map_version   = f->tf_map_version;
		r.tmu_map.iov_buf   = f->tf_map;
		r.tmu_map.iov_len   = f->tf_map_len;
		r.tmu_map.iov_buf_len = f->tf_map_len;
		return proto_tgt_map_update_enc(&r, m);
	}
	default:
		return -DER_INVAL;
	}
}

static void
tgt_fail(struct srv_tgt_call *c, int rc, const char *what)
{
	c->tc_rc = rc;
	d_errbuf_printf(c->tc_err, sizeof(c->tc_err), "rank %u target %u (%s:%u): %s: %s",
			c->tc_rank, c->tc_tgt, c->tc_ip, c->tc_port, what, d_errdesc(rc));
}

static void
fan_work(struct srv_ctx *ctx, void *arg)
{
	struct srv_tgt_fan *f  = arg;
	struct net_client  *cl = NULL;
	struct proto_msg    m;
	uint32_t            next = 0;
	int                 rc;

	proto_msg_init(&m);
	f->tf_inflight = 0;
	for (uint32_t i = 0; i < f->tf_nr; i++) {
		f->tf_calls[i].tc_fan = f;
		f->tf_calls[i].tc_rc  = -DER_CANCELED;
	}
	rc = net_client_create(&cl);
	if (rc != 0) {
		for (uint32_t i = 0; i < f->tf_nr; i++)
			tgt_fail(&f->tf_calls[i], rc, "no network client");
		goto out;
	}
	while (next < f->tf_nr || f->tf_inflight > 0) {
		while (next < f->tf_nr && f->tf_inflight < SRV_TGT_INFLIGHT_MAX &&
		       !ctx->sc_stopping) {
			struct srv_tgt_call *c = &f->tf_calls[next++];
			const struct iovec  *iov;
			int                  iovcnt;

			proto_msg_reset(&m);
			rc = tgt_body(f, c, &m);
			if (rc == 0)
				rc = proto_msg_iov(&m, &iov, &iovcnt);
			if (rc != 0) {
				tgt_fail(c, rc, "cannot encode the request");
				continue;
			}
			/* The body is copied: the message is reused at once. */
			rc = net_call_submit(cl, c->tc_ip, c->tc_port, f->tf_opcode,
					     f->tf_map_version, iov, iovcnt, f->tf_timeout_ms,
					     tgt_call_cb, c, NULL);
			if (rc != 0) {
				tgt_fail(c, rc, "cannot send the request");
				continue;
			}
			f->tf_inflight++;
		}
		if (ctx->sc_stopping) {
			for (; next < f->tf_nr; next++)
				tgt_fail(&f->tf_calls[next], -DER_SHUTDOWN, "not sent");
			break;
		}
		if (f->tf_inflight == 0)
			continue;
		rc = net_client_progress(cl, 100);
		if (rc < 0) {
			D_ERROR("target fan-out: network progress failed: " DF_RC "\n", DP_RC(rc));
			for (; next < f->tf_nr; next++)
				tgt_fail(&f->tf_calls[next], rc, "not sent");
			break;
		}
	}
	/* Calls still in flight (shutdown, progress failure) complete here with
	 * -DER_CANCELED (invariant 3). */
	net_client_destroy(cl);
out:
	proto_msg_fini(&m);
	f->tf_failed = 0;
	f->tf_rc     = 0;
	f->tf_err[0] = '\0';
	for (uint32_t i = 0; i < f->tf_nr; i++) {
		struct srv_tgt_call *c = &f->tf_calls[i];

		if (c->tc_rc == 0)
			continue;
		if (c->tc_err[0] == '\0')
			d_errbuf_printf(c->tc_err, sizeof(c->tc_err), "rank %u target %u (%s:%u): %s",
					c->tc_rank, c->tc_tgt, c->tc_ip, c->tc_port,
					d_errdesc(c->tc_rc));
		if (f->tf_failed++ == 0) {
			f->tf_rc = c->tc_rc;
			snprintf(f->tf_err, sizeof(f->tf_err), "%s", c->tc_err);
		}
	}
}

static void
fan_done(struct srv_ctx *ctx, void *arg)
{
	struct srv_tgt_fan *f = arg;

	if (f->tf_failed > 0)
		D_ERROR("%s failed on %u of %u targets; first: %s\n",
			proto_opcode_name(f->tf_opcode), f->tf_failed, f->tf_nr, f->tf_err);
	f->tf_done(ctx, f, f->tf_arg);
}

int
srv_tgt_fan_start(struct srv_ctx *ctx, struct srv_tgt_fan *f, srv_tgt_done_fn done, void *arg)
{
	f->tf_done = done;
	f->tf_arg  = arg;
	D_DEBUG("%s to %u targets\n", proto_opcode_name(f->tf_opcode), f->tf_nr);
	return srv_job_start(ctx, fan_work, fan_done, f);
}
