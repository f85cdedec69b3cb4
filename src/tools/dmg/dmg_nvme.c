/*
 * dmg_nvme.c: SSD management (docs/design.md, "SSD management"):
 *   storage query list-devices [-r R] [-u U] [-b]   smd_query {what: devices}
 *   storage query list-pools [-r R] [-u U] [-v]     smd_query {what: pools}
 *   storage query device-health -u U                smd_query {devices, uuid, health}
 *   storage query target-health -r R -t T           smd_query {devices, rank, tgt, health}
 *   storage scan --nvme-meta | --nvme-health        smd_query {devices[, health]}
 *   storage set nvme-faulty -u U [-f]               dev_set_faulty {uuid}
 *   storage replace nvme --old-uuid A --new-uuid B  dev_replace {old_uuid, new_uuid}
 *   storage identify vmd -u U                       dev_identify {uuid}
 * One call per host of the host list, in parallel (dmg_fanout). Replies
 * (srv_nvme.c) carry the host's devices or pools, each with its rank, the
 * ranks that answered and the engines' errors; every field is checked here
 * before it is printed.
 *
 * Output is DAOS's: per host a banner (the host between lines of dashes as
 * long as its name), then "  Devices" or "  Pools" and the entries:
 *     UUID:<uuid> [TrAddr:<addr>]
 *       Targets:[0 2] Rank:0 State:NORMAL
 * set/replace print the device and its new state on one line
 * ("UUID:<uuid> Targets:[] Rank:1 State:FAULTY", as the administration
 * guide shows). Errors read as DAOS's ("<host> DAOS error (-1010):
 * DER_NOSYS"), followed by the reason the server gave.
 *
 * Emulated devices have no SMART data: the health block says so and shows
 * the engine's in-memory I/O counters under the guide's field names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "tools/dmg/dmg.h"

/* Health counters of a reply, in print order: field, label. */
static const char *const health_ctrs[][2] = {
	{"read_errs", "Read Errors"},     {"write_errs", "Write Errors"},
	{"unmap_errs", "Unmap Errors"},   {"csum_errs", "Checksum Errors"},
	{"flush_errs", "Flush Errors"},   {"read_ops", "Read Ops"},
	{"write_ops", "Write Ops"},       {"flush_ops", "Flush Ops"},
	{"unmap_ops", "Unmap Ops"},       {"bytes_read", "Bytes Read"},
	{"bytes_written", "Bytes Written"},
};
#define HEALTH_CTRS (sizeof(health_ctrs) / sizeof(health_ctrs[0]))

/* Longest health timestamp ("2021-09-13T11:12:34.000+00:00" is 29). */
#define TS_MAX 64

static const char *const dev_states[] = {"NORMAL", "FAULTY", "EVICTED", "NEW", "UNPLUGGED",
					 NULL};
static const char *const led_states[] = {"NA", "QUICK_BLINK", "ON", "SLOW_BLINK", "OFF", NULL};

struct nv_health {
	const char *h_ts;
	bool        h_counters;
	uint64_t    h_ctr[HEALTH_CTRS];
	bool        h_failed;
	const char *h_failed_op;
};

struct nv_dev {
	const char      *d_uuid;
	const char      *d_addr;
	const char      *d_class;
	const char      *d_state;
	const char      *d_led;
	uint64_t         d_size;
	bool             d_has_rank;
	uint32_t         d_rank;
	uint32_t         d_tgts[DMG_NVME_TGTS_MAX];
	uint32_t         d_tgt_nr;
	bool             d_has_health;
	struct nv_health d_health;
	size_t           d_pos;
};

struct nv_pool {
	const char *p_uuid;
	bool        p_has_rank;
	uint32_t    p_rank;
	uint32_t    p_tgts[DMG_NVME_TGTS_MAX];
	uint64_t    p_blobs[DMG_NVME_TGTS_MAX];
	uint32_t    p_nr;
	size_t      p_pos;
	size_t      p_group; /* position of the first entry of the same pool */
};

/* Errors of one run: lines "<host> DAOS error (rc): NAME: msg". */
struct nv_errs {
	struct cli_out e_text;
	uint32_t       e_nr;
	int            e_first_rc;
	char           e_first[DMG_MSG_MAX];
};

/* ---- Requests ---- */

bool
dmg_nvme_cmd(const struct dmg_args *a)
{
	switch (a->da_cmd) {
	case DMG_CMD_STORAGE_LIST_DEVICES:
	case DMG_CMD_STORAGE_LIST_POOLS:
	case DMG_CMD_STORAGE_DEVICE_HEALTH:
	case DMG_CMD_STORAGE_TARGET_HEALTH:
	case DMG_CMD_STORAGE_SET_FAULTY:
	case DMG_CMD_STORAGE_REPLACE_NVME:
	case DMG_CMD_STORAGE_IDENTIFY_VMD:
		return true;
	case DMG_CMD_STORAGE_SCAN:
		return a->da_nvme_meta || a->da_nvme_health;
	default:
		return false;
	}
}

/* Lower-case canonical form of a validated UUID. */
static json_t *
uuid_json(const char *s)
{
	uuid_t u;
	char   str[37];

	if (s == NULL || uuid_parse(s, u) != 0)
		return NULL;
	uuid_unparse_lower(u, str);
	return json_string(str);
}

json_t *
dmg_nvme_request(const struct dmg_args *a, const char **method)
{
	json_t *r = json_object();
	int     rc = 0;

	if (r == NULL)
		return NULL;
	*method = "smd_query";
	switch (a->da_cmd) {
	case DMG_CMD_STORAGE_LIST_POOLS:
		rc = json_object_set_new(r, "what", json_string("pools"));
		if (rc == 0 && a->da_rank_set)
			rc = json_object_set_new(r, "rank", json_integer(a->da_rank));
		if (rc == 0 && a->da_uuid != NULL)
			rc = json_object_set_new(r, "uuid", uuid_json(a->da_uuid));
		break;
	case DMG_CMD_STORAGE_LIST_DEVICES:
	case DMG_CMD_STORAGE_DEVICE_HEALTH:
	case DMG_CMD_STORAGE_TARGET_HEALTH:
	case DMG_CMD_STORAGE_SCAN:
		rc = json_object_set_new(r, "what", json_string("devices"));
		if (rc == 0 && a->da_rank_set)
			rc = json_object_set_new(r, "rank", json_integer(a->da_rank));
		if (rc == 0 && a->da_uuid != NULL)
			rc = json_object_set_new(r, "uuid", uuid_json(a->da_uuid));
		if (rc == 0 && a->da_cmd == DMG_CMD_STORAGE_TARGET_HEALTH)
			rc = json_object_set_new(r, "tgt", json_integer(a->da_tgtid));
		if (rc == 0 && (a->da_health || a->da_nvme_health ||
				a->da_cmd == DMG_CMD_STORAGE_DEVICE_HEALTH ||
				a->da_cmd == DMG_CMD_STORAGE_TARGET_HEALTH))
			rc = json_object_set_new(r, "health", json_true());
		break;
	case DMG_CMD_STORAGE_SET_FAULTY:
	case DMG_CMD_STORAGE_IDENTIFY_VMD:
		*method = a->da_cmd == DMG_CMD_STORAGE_SET_FAULTY ? "dev_set_faulty" : "dev_identify";
		rc = json_object_set_new(r, "uuid", uuid_json(a->da_uuid));
		break;
	case DMG_CMD_STORAGE_REPLACE_NVME:
		*method = "dev_replace";
		rc = json_object_set_new(r, "old_uuid", uuid_json(a->da_uuid));
		if (rc == 0)
			rc = json_object_set_new(r, "new_uuid", uuid_json(a->da_new_uuid));
		break;
	default:
		rc = -1;
		break;
	}
	if (rc != 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* ---- Reply parsing (untrusted) ---- */

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static int
bad_field(const struct dmg_reply_ctx *c, const char *path, const char *key, const char *what)
{
	d_errbuf_printf(c->rc_err, c->rc_errlen, "invalid reply from %s: %s.%s: %s", c->rc_who,
			path, key, what);
	return -DER_PROTO;
}

static int
parse_uuid_field(const struct dmg_reply_ctx *c, const json_t *o, const char *path,
		 const char **out)
{
	uuid_t u;
	int    rc = dmg_json_str(c, o, path, "uuid", true, out);

	if (rc == 0 && (strlen(*out) != 36 || uuid_parse(*out, u) != 0))
		return bad_field(c, path, "uuid", "not a UUID");
	return rc;
}

static int
parse_rank(const struct dmg_reply_ctx *c, const json_t *o, const char *path, bool *has,
	   uint32_t *rank)
{
	int64_t v;
	int     rc;

	*has = json_object_get(o, "rank") != NULL;
	if (!*has)
		return 0;
	rc = dmg_json_int(c, o, path, "rank", 0, D_RANK_MAX, &v);
	*rank = (uint32_t)v;
	return rc;
}

/* An array of at most DMG_NVME_TGTS_MAX integers in [0, max]. */
static int
parse_u64s(const struct dmg_reply_ctx *c, const json_t *o, const char *path, const char *key,
	   uint64_t max, uint64_t *vals, uint32_t *nr)
{
	const json_t *arr, *v;
	size_t        i;
	int           rc;

	rc = dmg_json_array(c, o, path, key, true, DMG_NVME_TGTS_MAX, &arr);
	if (rc != 0)
		return rc;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    (uint64_t)json_integer_value(v) > max)
			return bad_field(c, path, key, "expected integers in range");
		vals[i] = (uint64_t)json_integer_value(v);
	}
	*nr = (uint32_t)json_array_size(arr);
	return 0;
}

static int
parse_health(const struct dmg_reply_ctx *c, const json_t *h, const char *path,
	     struct nv_health *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(h))
		return bad_field(c, path, "health", "expected an object");
	rc = dmg_json_str(c, h, path, "timestamp", true, &out->h_ts);
	if (rc == 0 && strlen(out->h_ts) > TS_MAX)
		return bad_field(c, path, "timestamp", "too long");
	if (rc == 0 && !json_is_boolean(json_object_get(h, "counters")))
		return bad_field(c, path, "counters", "expected true or false");
	if (rc != 0)
		return rc;
	out->h_counters = json_is_true(json_object_get(h, "counters"));
	if (!out->h_counters)
		return 0;
	for (size_t k = 0; k < HEALTH_CTRS && rc == 0; k++)
		rc = dmg_json_u64(c, h, path, health_ctrs[k][0], true, UINT64_MAX >> 1,
				  &out->h_ctr[k]);
	if (rc == 0 && json_object_get(h, "io_failed") != NULL &&
	    !json_is_boolean(json_object_get(h, "io_failed")))
		return bad_field(c, path, "io_failed", "expected true or false");
	out->h_failed = json_is_true(json_object_get(h, "io_failed"));
	if (rc == 0)
		rc = dmg_json_str(c, h, path, "io_failed_op", false, &out->h_failed_op);
	if (rc == 0 && strlen(out->h_failed_op) > 16)
		return bad_field(c, path, "io_failed_op", "too long");
	return rc;
}

static int
parse_dev(const struct dmg_reply_ctx *c, const json_t *o, const char *path, struct nv_dev *d)
{
	uint64_t tgts[DMG_NVME_TGTS_MAX];
	int      rc;

	memset(d, 0, sizeof(*d));
	rc = parse_uuid_field(c, o, path, &d->d_uuid);
	if (rc == 0)
		rc = dmg_json_str(c, o, path, "tr_addr", true, &d->d_addr);
	if (rc == 0 && strlen(d->d_addr) > DMG_NVME_ADDR_MAX)
		return bad_field(c, path, "tr_addr", "too long");
	if (rc == 0)
		rc = dmg_json_str(c, o, path, "class", false, &d->d_class);
	if (rc == 0 && d->d_class[0] != '\0' && strcmp(d->d_class, "file") != 0 &&
	    strcmp(d->d_class, "kdev") != 0)
		return bad_field(c, path, "class", "not file or kdev");
	if (rc == 0)
		rc = dmg_json_u64(c, o, path, "size", false, UINT64_MAX >> 1, &d->d_size);
	if (rc == 0)
		rc = dmg_json_str(c, o, path, "state", true, &d->d_state);
	if (rc == 0 && !in_list(d->d_state, dev_states))
		return bad_field(c, path, "state", "not a device state");
	if (rc == 0)
		rc = dmg_json_str(c, o, path, "led", false, &d->d_led);
	if (rc == 0 && d->d_led[0] != '\0' && !in_list(d->d_led, led_states))
		return bad_field(c, path, "led", "not a LED state");
	if (rc == 0)
		rc = parse_rank(c, o, path, &d->d_has_rank, &d->d_rank);
	if (rc == 0)
		rc = parse_u64s(c, o, path, "targets", DMG_NVME_TGTS_MAX - 1, tgts, &d->d_tgt_nr);
	for (uint32_t i = 0; rc == 0 && i < d->d_tgt_nr; i++)
		d->d_tgts[i] = (uint32_t)tgts[i];
	d->d_has_health = json_object_get(o, "health") != NULL;
	if (rc == 0 && d->d_has_health)
		rc = parse_health(c, json_object_get(o, "health"), path, &d->d_health);
	return rc;
}

static int
parse_pool(const struct dmg_reply_ctx *c, const json_t *o, const char *path, struct nv_pool *p)
{
	uint64_t tgts[DMG_NVME_TGTS_MAX];
	uint32_t nb = 0;
	int      rc;

	memset(p, 0, sizeof(*p));
	rc = parse_uuid_field(c, o, path, &p->p_uuid);
	if (rc == 0)
		rc = parse_rank(c, o, path, &p->p_has_rank, &p->p_rank);
	if (rc == 0)
		rc = parse_u64s(c, o, path, "targets", DMG_NVME_TGTS_MAX - 1, tgts, &p->p_nr);
	if (rc == 0)
		rc = parse_u64s(c, o, path, "blobs", UINT64_MAX >> 1, p->p_blobs, &nb);
	if (rc == 0 && nb != p->p_nr)
		return bad_field(c, path, "blobs", "not one blob ID per target");
	for (uint32_t i = 0; rc == 0 && i < p->p_nr; i++)
		p->p_tgts[i] = (uint32_t)tgts[i];
	return rc;
}

/* ---- Text ---- */

static int
put_tgts(struct cli_out *out, const uint32_t *tgts, uint32_t nr)
{
	int rc = cli_out_printf(out, "Targets:[");

	for (uint32_t i = 0; rc == 0 && i < nr; i++)
		rc = cli_out_printf(out, "%s%u", i == 0 ? "" : " ", tgts[i]);
	if (rc == 0)
		rc = cli_out_printf(out, "]");
	return rc;
}

static int
put_rank(struct cli_out *out, bool has, uint32_t rank)
{
	if (has)
		return cli_out_printf(out, "Rank:%u", rank);
	return cli_out_printf(out, "Rank:N/A");
}

/* Server text (addresses, timestamps) is printed with control characters masked. */
static int
put_safe(struct cli_out *out, const char *prefix, const char *s, const char *suffix)
{
	int rc = cli_out_printf(out, "%s", prefix);

	if (rc == 0)
		rc = cli_out_puts_safe(out, s);
	if (rc == 0)
		rc = cli_out_printf(out, "%s", suffix);
	return rc;
}

static int
render_health(struct cli_out *out, const struct nv_health *h, int indent)
{
	int rc;

	rc = cli_out_printf(out, "%*sHealth Stats:\n", indent, "");
	if (rc == 0)
		rc = cli_out_printf(out, "%*s", indent + 2, "");
	if (rc == 0)
		rc = put_safe(out, "Timestamp:", h->h_ts, "\n");
	if (rc == 0)
		rc = cli_out_printf(out, "%*sSMART data is not available for emulated devices\n",
				    indent + 2, "");
	if (rc == 0 && !h->h_counters)
		return cli_out_printf(out, "%*sI/O counters are not available: the engine does "
				      "not have the device open\n", indent + 2, "");
	for (size_t k = 0; rc == 0 && k < HEALTH_CTRS; k++)
		rc = cli_out_printf(out, "%*s%s:%llu\n", indent + 2, "", health_ctrs[k][1],
				    (unsigned long long)h->h_ctr[k]);
	if (rc == 0 && h->h_failed) {
		rc = cli_out_printf(out, "%*s", indent + 2, "");
		if (rc == 0)
			rc = put_safe(out, "I/O Failed:YES (", h->h_failed_op,
				      strcmp(h->h_failed_op, "set faulty") == 0
					      ? "; writes are refused)\n"
					      : " error; writes are refused)\n");
	}
	return rc;
}

/* A device as list-devices shows it, at @indent ("UUID:..." then "  Targets:..."). */
static int
render_dev(struct cli_out *out, const struct nv_dev *d, int indent, bool health)
{
	int rc;

	rc = cli_out_printf(out, "%*sUUID:%s ", indent, "", d->d_uuid);
	if (rc == 0)
		rc = put_safe(out, "[TrAddr:", d->d_addr, "]\n");
	if (rc == 0)
		rc = cli_out_printf(out, "%*s", indent + 2, "");
	if (rc == 0)
		rc = put_tgts(out, d->d_tgts, d->d_tgt_nr);
	if (rc == 0)
		rc = cli_out_printf(out, " ");
	if (rc == 0)
		rc = put_rank(out, d->d_has_rank, d->d_rank);
	if (rc == 0)
		rc = cli_out_printf(out, " State:%s\n", d->d_state);
	if (rc == 0 && health && d->d_has_health)
		rc = render_health(out, &d->d_health, indent + 2);
	return rc;
}

/* "UUID:<u> Targets:[] Rank:1 State:FAULTY": the result of set and replace. */
static int
render_dev_result(struct cli_out *out, const struct nv_dev *d, enum dmg_cmd cmd)
{
	int rc;

	if (cmd == DMG_CMD_STORAGE_IDENTIFY_VMD) {
		rc = cli_out_printf(out, "    UUID:%s ", d->d_uuid);
		if (rc == 0)
			rc = put_safe(out, "[TrAddr:", d->d_addr, "]");
		if (rc == 0)
			rc = cli_out_printf(out, " LED:%s\n", d->d_led[0] != '\0' ? d->d_led : "NA");
		return rc;
	}
	rc = cli_out_printf(out, "    UUID:%s Targets:[] ", d->d_uuid);
	if (rc == 0)
		rc = put_rank(out, d->d_has_rank, d->d_rank);
	if (rc == 0)
		rc = cli_out_printf(out, " State:%s\n", d->d_state);
	return rc;
}

/* scan --nvme-meta / --nvme-health: one block per controller. */
static int
render_scan_dev(struct cli_out *out, const struct nv_dev *d, bool health)
{
	char size[32];
	int  rc;

	cli_size_str(d->d_size, size, sizeof(size));
	rc = put_safe(out, "TrAddr:", d->d_addr, "");
	if (rc == 0)
		rc = cli_out_printf(out, " Class:%s Capacity:%s\n",
				    d->d_class[0] != '\0' ? d->d_class : "N/A", size);
	if (rc != 0)
		return rc;
	if (health)
		return d->d_has_health ? render_health(out, &d->d_health, 2)
				       : cli_out_printf(out, "  Health Stats: N/A\n");
	rc = cli_out_printf(out, "  SMD Devices\n");
	if (rc == 0)
		rc = render_dev(out, d, 4, false);
	return rc;
}

/* "      Rank:0 Targets:[0 1] Blobs:[4294967296 4294967297]" */
static int
render_pool_rank(struct cli_out *out, const struct nv_pool *p, bool verbose)
{
	int rc = cli_out_printf(out, "      ");

	if (rc == 0)
		rc = put_rank(out, p->p_has_rank, p->p_rank);
	if (rc == 0)
		rc = cli_out_printf(out, " ");
	if (rc == 0)
		rc = put_tgts(out, p->p_tgts, p->p_nr);
	if (rc == 0 && verbose)
		rc = cli_out_printf(out, " Blobs:[");
	for (uint32_t t = 0; rc == 0 && verbose && t < p->p_nr; t++)
		rc = cli_out_printf(out, "%s%llu", t == 0 ? "" : " ",
				    (unsigned long long)p->p_blobs[t]);
	if (rc == 0 && verbose)
		rc = cli_out_printf(out, "]");
	if (rc == 0)
		rc = cli_out_printf(out, "\n");
	return rc;
}

/* Pools by UUID, then position: equal UUIDs become adjacent. */
static int
cmp_pool_uuid(const void *a, const void *b)
{
	const struct nv_pool *x = a, *y = b;
	int                   c = strcmp(x->p_uuid, y->p_uuid);

	if (c != 0)
		return c;
	return x->p_pos < y->p_pos ? -1 : x->p_pos > y->p_pos;
}

/* Pools by first appearance of their UUID, then rank, then position. */
static int
cmp_pool_group(const void *a, const void *b)
{
	const struct nv_pool *x = a, *y = b;
	uint64_t              rx = x->p_has_rank ? x->p_rank : UINT64_MAX;
	uint64_t              ry = y->p_has_rank ? y->p_rank : UINT64_MAX;

	if (x->p_group != y->p_group)
		return x->p_group < y->p_group ? -1 : 1;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->p_pos < y->p_pos ? -1 : x->p_pos > y->p_pos;
}

static int
render_banner(struct cli_out *out, const char *label)
{
	size_t n = strlen(label);
	char   dashes[D_HOSTSET_HOST_BUF];

	if (n >= sizeof(dashes))
		n = sizeof(dashes) - 1;
	memset(dashes, '-', n);
	dashes[n] = '\0';
	return cli_out_printf(out, "%s\n%s\n%s\n", dashes, label, dashes);
}

static int
cmp_dev(const void *a, const void *b)
{
	const struct nv_dev *x = a, *y = b;
	uint64_t             rx = x->d_has_rank ? x->d_rank : UINT64_MAX;
	uint64_t             ry = y->d_has_rank ? y->d_rank : UINT64_MAX;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->d_pos < y->d_pos ? -1 : x->d_pos > y->d_pos;
}

/* ---- Errors ---- */

/* "<label> DAOS error (<rc>): <NAME>[: <msg>]" (label may be NULL). */
static void
err_line(char *buf, size_t len, const char *label, int rc, const char *msg)
{
	d_errbuf_printf(buf, len, "%s%sDAOS error (%d): %s%s%.*s", label != NULL ? label : "",
			label != NULL ? " " : "", rc, d_errstr(rc),
			msg != NULL && msg[0] != '\0' ? ": " : "", CLI_CELL_MAX,
			msg != NULL ? msg : "");
}

static int
errs_add(struct nv_errs *e, const char *label, int rc, const char *msg)
{
	char line[DMG_MSG_MAX];

	err_line(line, sizeof(line), label, rc, msg);
	if (e->e_nr++ == 0) {
		e->e_first_rc = rc;
		snprintf(e->e_first, sizeof(e->e_first), "%s", line);
	}
	return cli_out_printf(&e->e_text, "  %s\n", line);
}

/* The message of a failed host without the "host:port: " fan-out prefix. */
static const char *
host_msg(const struct dmg_host_result *r)
{
	size_t n = strlen(r->hr_addr);

	if (strncmp(r->hr_err, r->hr_addr, n) == 0 && r->hr_err[n] == ':' &&
	    r->hr_err[n + 1] == ' ')
		return r->hr_err + n + 2;
	return r->hr_err;
}

/* The engines' errors of a host reply. */
static int
engine_errors(const struct dmg_reply_ctx *c, const json_t *reply, const char *label,
	      struct nv_errs *errs, uint32_t *count, bool check_only)
{
	const json_t *arr = NULL, *e;
	size_t        i;
	int           rc;

	*count = 0;
	rc = dmg_json_array(c, reply, "", "engine_errors", false, DMG_NVME_ERRORS_MAX, &arr);
	if (rc != 0 || arr == NULL)
		return rc;
	json_array_foreach(arr, i, e) {
		char        path[48];
		const char *msg;
		int64_t     st;

		snprintf(path, sizeof(path), "engine_errors[%zu]", i);
		rc = dmg_json_elem_obj(c, arr, i, "engine_errors", &e);
		if (rc == 0)
			rc = dmg_json_int(c, e, path, "status", -(int64_t)DER_UNKNOWN, -1, &st);
		if (rc == 0)
			rc = dmg_json_str(c, e, path, "msg", false, &msg);
		if (rc != 0)
			return rc;
		(*count)++;
		if (!check_only) {
			rc = errs_add(errs, label, (int)st, msg);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* ---- One host ---- */

struct nv_run {
	const struct dmg_args *nr_args;
	uint32_t               nr_port;
	struct nv_errs         nr_errs;
	uint32_t               nr_failed_hosts;
	uint32_t               nr_nonexist;     /* device operations: hosts without it */
	uint32_t               nr_entries;      /* devices or pools printed */
	bool                   nr_rank_seen;    /* the --rank asked for answered somewhere */
};

/* Parse host @r's reply and append its block to @out; a malformed reply fails it. */
static int
render_host(struct nv_run *run, struct dmg_host_result *r, struct cli_out *out)
{
	const struct dmg_args *a = run->nr_args;
	struct dmg_reply_ctx   c = {r->hr_addr, r->hr_err, sizeof(r->hr_err)};
	bool                   pools = a->da_cmd == DMG_CMD_STORAGE_LIST_POOLS;
	bool                   devop = a->da_cmd == DMG_CMD_STORAGE_SET_FAULTY ||
				       a->da_cmd == DMG_CMD_STORAGE_REPLACE_NVME ||
				       a->da_cmd == DMG_CMD_STORAGE_IDENTIFY_VMD;
	const json_t          *arr = NULL, *ranks = NULL, *o;
	struct nv_dev         *devs = NULL;
	struct nv_pool        *pls = NULL;
	struct cli_out         blk;
	char                   label[D_HOSTSET_HOST_BUF];
	uint32_t               n = 0, eng_errs = 0;
	size_t                 i;
	int                    rc;

	dmg_host_label(r->hr_addr, run->nr_port, label, sizeof(label));
	cli_out_init(&blk);
	rc = dmg_json_array(&c, r->hr_reply, "", pools ? "pools" : "devices", true,
			    pools ? DMG_NVME_POOLS_MAX : DMG_NVME_DEVS_MAX, &arr);
	if (rc == 0 && !devop)
		rc = dmg_json_array(&c, r->hr_reply, "", "ranks", true, DMG_ENGINES_MAX, &ranks);
	if (rc == 0)
		rc = engine_errors(&c, r->hr_reply, label, &run->nr_errs, &eng_errs, true);
	if (rc == 0 && json_array_size(arr) > 0) {
		if (pools)
			pls = calloc(json_array_size(arr), sizeof(*pls));
		else
			devs = calloc(json_array_size(arr), sizeof(*devs));
		if (pls == NULL && devs == NULL)
			rc = -DER_NOMEM;
	}
	json_array_foreach(arr, i, o) {
		char path[48];

		if (rc != 0)
			break;
		snprintf(path, sizeof(path), "%s[%zu]", pools ? "pools" : "devices", i);
		rc = dmg_json_elem_obj(&c, arr, i, pools ? "pools" : "devices", &o);
		if (rc == 0 && pools)
			rc = parse_pool(&c, o, path, &pls[i]);
		else if (rc == 0)
			rc = parse_dev(&c, o, path, &devs[i]);
		if (pools)
			pls[i].p_pos = i;
		else
			devs[i].d_pos = i;
		n++;
	}
	json_array_foreach(ranks, i, o) {
		if (rc != 0)
			break;
		if (!json_is_integer(o) || json_integer_value(o) < 0 ||
		    json_integer_value(o) > D_RANK_MAX)
			rc = bad_field(&c, "", "ranks", "expected ranks");
		else if (a->da_rank_set && (uint32_t)json_integer_value(o) == a->da_rank)
			run->nr_rank_seen = true;
	}
	if (rc == -DER_PROTO) {
		/* the message is in hr_err: the host counts as failed */
		r->hr_rc = rc;
		json_decref(r->hr_reply);
		r->hr_reply = NULL;
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = engine_errors(&c, r->hr_reply, label, &run->nr_errs, &eng_errs, false);
	if (rc != 0)
		goto out;
	if (eng_errs > 0)
		run->nr_failed_hosts++;
	/* Hosts with nothing to show are left out when a filter was given. */
	if (n == 0 && (devop || a->da_uuid != NULL || a->da_rank_set))
		goto out;
	run->nr_entries += n;
	rc = render_banner(&blk, label);
	if (rc == 0 && pools) {
		rc = cli_out_printf(&blk, "  Pools\n");
		if (rc == 0 && n == 0)
			rc = cli_out_printf(&blk, "    No pools found\n");
		/* Grouped by pool, in first-appearance order, ranks ascending. */
		if (n > 1) {
			qsort(pls, n, sizeof(*pls), cmp_pool_uuid);
			for (uint32_t q = 0; q < n; q++)
				pls[q].p_group = q > 0 && strcmp(pls[q].p_uuid,
								 pls[q - 1].p_uuid) == 0
							 ? pls[q - 1].p_group
							 : pls[q].p_pos;
			qsort(pls, n, sizeof(*pls), cmp_pool_group);
		}
		for (uint32_t q = 0; rc == 0 && q < n; q++) {
			if (q == 0 || pls[q].p_group != pls[q - 1].p_group)
				rc = cli_out_printf(&blk, "    UUID:%s\n", pls[q].p_uuid);
			if (rc == 0)
				rc = render_pool_rank(&blk, &pls[q], a->da_verbose);
		}
	} else if (rc == 0 && a->da_cmd == DMG_CMD_STORAGE_SCAN) {
		if (n > 1)
			qsort(devs, n, sizeof(*devs), cmp_dev);
		if (n == 0)
			rc = cli_out_printf(&blk, "  No NVMe devices found\n");
		for (uint32_t d = 0; rc == 0 && d < n; d++)
			rc = render_scan_dev(&blk, &devs[d], a->da_nvme_health);
	} else if (rc == 0) {
		bool health = a->da_health || a->da_cmd == DMG_CMD_STORAGE_DEVICE_HEALTH ||
			      a->da_cmd == DMG_CMD_STORAGE_TARGET_HEALTH;

		if (n > 1)
			qsort(devs, n, sizeof(*devs), cmp_dev);
		rc = cli_out_printf(&blk, "  Devices\n");
		if (rc == 0 && n == 0)
			rc = cli_out_printf(&blk, "    No devices found\n");
		for (uint32_t d = 0; rc == 0 && d < n; d++)
			rc = devop ? render_dev_result(&blk, &devs[d], a->da_cmd)
				   : render_dev(&blk, &devs[d], 4, health);
	}
	if (rc == 0 && blk.o_len > 0)
		rc = cli_out_printf(out, "%s", blk.o_buf);
out:
	cli_out_fini(&blk);
	free(devs);
	free(pls);
	return rc;
}

int
dmg_render_nvme(struct dmg_host_result *res, uint32_t nr, const struct dmg_args *a,
		uint32_t default_port, struct cli_out *out, char *errbuf, size_t errlen)
{
	struct nv_run  run;
	struct cli_out body;
	bool           devop = a->da_cmd == DMG_CMD_STORAGE_SET_FAULTY ||
			       a->da_cmd == DMG_CMD_STORAGE_REPLACE_NVME ||
			       a->da_cmd == DMG_CMD_STORAGE_IDENTIFY_VMD;
	char           label[D_HOSTSET_HOST_BUF];
	char           what[96];
	int            rc = 0;

	memset(&run, 0, sizeof(run));
	run.nr_args = a;
	run.nr_port = default_port;
	cli_out_init(&run.nr_errs.e_text);
	cli_out_init(&body);
	d_errbuf_printf(errbuf, errlen, "%s", "");
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		if (res[i].hr_rc == 0)
			rc = render_host(&run, &res[i], &body);
		if (rc != 0 || res[i].hr_rc == 0)
			continue;
		/* A device operation's host without the device is not an error. */
		if (devop && res[i].hr_rc == -DER_NONEXIST) {
			run.nr_nonexist++;
			continue;
		}
		dmg_host_label(res[i].hr_addr, default_port, label, sizeof(label));
		run.nr_failed_hosts++;
		rc = errs_add(&run.nr_errs, label, res[i].hr_rc, host_msg(&res[i]));
	}
	if (rc != 0)
		goto out;
	/* A device operation that found its device succeeded: what other hosts or
	 * engines said (no such device, not running) does not matter to it. */
	if (devop && run.nr_entries > 0)
		run.nr_errs.e_nr = 0;
	if (run.nr_errs.e_nr > 1)
		rc = cli_out_printf(out, "Errors:\n%s\n", run.nr_errs.e_text.o_buf);
	if (rc == 0 && body.o_len > 0)
		rc = cli_out_printf(out, "%s", body.o_buf);
	if (rc != 0)
		goto out;
	if (run.nr_errs.e_nr == 1) {
		d_errbuf_printf(errbuf, errlen, "%s", run.nr_errs.e_first);
		rc = run.nr_errs.e_first_rc;
	} else if (run.nr_errs.e_nr > 1) {
		d_errbuf_printf(errbuf, errlen, "DAOS error (%d): %s: %s failed on %u of %u host%s "
				"(errors listed above)", run.nr_errs.e_first_rc,
				d_errstr(run.nr_errs.e_first_rc), dmg_cmd_name(a->da_cmd),
				run.nr_failed_hosts, nr, nr == 1 ? "" : "s");
		rc = run.nr_errs.e_first_rc;
	} else if (devop && run.nr_entries == 0) {
		if (nr == 1) {
			dmg_host_label(res[0].hr_addr, default_port, label, sizeof(label));
			err_line(errbuf, errlen, label, -DER_NONEXIST, host_msg(&res[0]));
		} else {
			snprintf(what, sizeof(what), "no NVMe device %s on any of the %u hosts",
				 a->da_uuid, nr);
			err_line(errbuf, errlen, NULL, -DER_NONEXIST, what);
		}
		rc = -DER_NONEXIST;
	} else if (!devop && a->da_rank_set && !run.nr_rank_seen) {
		snprintf(what, sizeof(what), "rank %u is not a rank of the host%s queried",
			 a->da_rank, nr == 1 ? "" : "s");
		err_line(errbuf, errlen, NULL, -DER_NONEXIST, what);
		rc = -DER_NONEXIST;
	} else if (!devop && a->da_uuid != NULL && run.nr_entries == 0) {
		snprintf(what, sizeof(what), "no %s %s on the host%s queried",
			 a->da_cmd == DMG_CMD_STORAGE_LIST_POOLS ? "pool" : "NVMe device",
			 a->da_uuid, nr == 1 ? "" : "s");
		err_line(errbuf, errlen, NULL, -DER_NONEXIST, what);
		rc = -DER_NONEXIST;
	}
out:
	if (rc == -DER_NOMEM || rc == -DER_OVERFLOW)
		d_errbuf_printf(errbuf, errlen, "DAOS error (%d): %s: cannot print the results", rc,
				d_errstr(rc));
	cli_out_fini(&run.nr_errs.e_text);
	cli_out_fini(&body);
	return rc;
}

int
dmg_nvme_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
	     size_t errlen)
{
	const struct dmg_args  *a = ctx->dc_args;
	struct dmg_host_result *res = NULL;
	const char             *method;
	json_t                 *req;
	int                     rc;

	*response = NULL;
	if (!dmg_nvme_cmd(a)) {
		d_errbuf_printf(errbuf, errlen, "not an SSD management command");
		return -DER_INVAL;
	}
	req = dmg_nvme_request(a, &method);
	if (req == NULL) {
		d_errbuf_printf(errbuf, errlen, "DAOS error (%d): %s: out of memory", -DER_NOMEM,
				d_errstr(-DER_NOMEM));
		return -DER_NOMEM;
	}
	rc = dmg_fanout(ctx, method, req, &res);
	json_decref(req);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "DAOS error (%d): %s: cannot call the hosts", rc,
				d_errstr(rc));
		return rc;
	}
	rc = dmg_render_nvme(res, ctx->dc_hosts_nr, a, ctx->dc_port, out, errbuf, errlen);
	*response = dmg_fanout_response(res, ctx->dc_hosts_nr);
	if (*response == NULL && rc == 0) {
		d_errbuf_printf(errbuf, errlen, "DAOS error (%d): %s: out of memory", -DER_NOMEM,
				d_errstr(-DER_NOMEM));
		rc = -DER_NOMEM;
	}
	dmg_results_free(res, ctx->dc_hosts_nr);
	return rc;
}
