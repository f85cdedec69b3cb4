/*
 * eng_smd_query.c: the engine's side of the SSD management requests of the
 * engine link (control/engine_link.h): list the SMD device and pool tables
 * with the in-memory I/O counters, set a device FAULTY, replace a device,
 * identify a device (LED). daos_server forwards them for `dmg storage
 * query|set|replace|identify` (docs/design.md, "SSD management").
 *
 * Everything runs on the system thread, under es_lock (SMD is shared with the
 * targets' pool create/destroy). Requests are parsed into struct eng_smd_req
 * first (eng_smd_req_parse, pure), then executed (eng_smd_exec).
 *
 * Invariants:
 *  1. A refused request changes nothing: every check (device known, state,
 *     target range) is made before the first SMD write.
 *  2. A list reply holds at most ENG_SMD_PAGE_BYTES of entries; when more
 *     remain it carries "next", the index of the first entry not sent, which
 *     is always greater than the request's "start" (a page holds at least
 *     one entry), so a reader paging through always ends.
 *  3. The LED of a device is written only with the VMD emulation switch
 *     (ENG_SMD_VMD_EMU_ENV): without VMD there is no LED to drive, and
 *     identify answers -DER_NOSYS as DAOS does for a non-VMD device.
 *  4. ed_led_until_ms is non-zero only while the device's LED is
 *     QUICK_BLINK by an identify of this engine's life; once it passed, the
 *     next request puts the LED back to OFF (a LED left blinking by an earlier
 *     life goes OFF at the first request).
 */
#define D_LOGFAC DD_FAC(engine)

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
#include "control/engine_link.h"
#include "engine/eng_internal.h"

/* Quoted piece of a bad value in a message. */
#define SMD_QUOTE_MAX 64

/* ---- Parsing ---- */

bool
eng_smd_op_known(const char *op)
{
	return op != NULL && (strcmp(op, ENGINE_OP_SMD_QUERY) == 0 ||
			      strcmp(op, ENGINE_OP_DEV_SET_FAULTY) == 0 ||
			      strcmp(op, ENGINE_OP_DEV_REPLACE) == 0 ||
			      strcmp(op, ENGINE_OP_DEV_IDENTIFY) == 0);
}

static int
req_fail(char *errbuf, size_t errlen, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
req_fail(char *errbuf, size_t errlen, const char *op, const char *fmt, ...)
{
	char    msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d_errbuf_printf(errbuf, errlen, "%s: %s", op, msg);
	return -DER_INVAL;
}

/* A UUID string field; required or optional (*set). */
static int
req_uuid(json_t *msg, const char *op, const char *key, bool required, uuid_t out, bool *set,
	 char *errbuf, size_t errlen)
{
	json_t *v = json_object_get(msg, key);
	char    q[SMD_QUOTE_MAX + 4];

	if (set != NULL)
		*set = false;
	if (v == NULL) {
		if (required)
			return req_fail(errbuf, errlen, op, "'%s' is missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return req_fail(errbuf, errlen, op, "'%s' is %s, not a UUID string", key,
				d_json_type_name(v));
	if (json_string_length(v) != 36 || strlen(json_string_value(v)) != 36 ||
	    uuid_parse(json_string_value(v), out) != 0)
		return req_fail(errbuf, errlen, op, "'%s' is not a UUID: '%s'", key,
				d_errbuf_quote(q, json_string_value(v), json_string_length(v),
					       SMD_QUOTE_MAX));
	if (set != NULL)
		*set = true;
	return 0;
}

/* An optional integer field in [0, max]. */
static int
req_uint(json_t *msg, const char *op, const char *key, uint32_t max, uint32_t *out, bool *set,
	 char *errbuf, size_t errlen)
{
	json_t *v = json_object_get(msg, key);

	*set = false;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return req_fail(errbuf, errlen, op, "'%s' must be an integer in [0, %u]", key,
				max);
	*out = (uint32_t)json_integer_value(v);
	*set = true;
	return 0;
}

/* Keys of @msg must be "op", "id" and those of @keys (NULL-terminated). */
static int
req_keys(json_t *msg, const char *op, const char *const *keys, char *errbuf, size_t errlen)
{
	const char *k;
	json_t     *v;
	char        q[SMD_QUOTE_MAX + 4];

	json_object_foreach(msg, k, v) {
		bool known = strcmp(k, "op") == 0 || strcmp(k, "id") == 0;

		(void)v;
		for (unsigned i = 0; !known && keys[i] != NULL; i++)
			known = strcmp(k, keys[i]) == 0;
		if (!known)
			return req_fail(errbuf, errlen, op, "unknown key '%s'",
					d_errbuf_quote(q, k, strlen(k), SMD_QUOTE_MAX));
	}
	return 0;
}

static int
parse_query(json_t *msg, struct eng_smd_req *req, char *errbuf, size_t errlen)
{
	static const char *const keys[] = {"what", "uuid", "tgt", "health", "start", NULL};
	const char              *op = ENGINE_OP_SMD_QUERY;
	json_t                  *what = json_object_get(msg, "what");
	json_t                  *health = json_object_get(msg, "health");
	bool                     set;
	int                      rc;

	rc = req_keys(msg, op, keys, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (!json_is_string(what))
		return req_fail(errbuf, errlen, op, "'what' must be \"devices\" or \"pools\"");
	if (strcmp(json_string_value(what), "devices") == 0)
		req->sr_op = ENG_SMD_LIST_DEVS;
	else if (strcmp(json_string_value(what), "pools") == 0)
		req->sr_op = ENG_SMD_LIST_POOLS;
	else
		return req_fail(errbuf, errlen, op, "'what' must be \"devices\" or \"pools\"");
	rc = req_uuid(msg, op, "uuid", false, req->sr_uuid, &req->sr_has_uuid, errbuf, errlen);
	if (rc == 0)
		rc = req_uint(msg, op, "tgt", INT32_MAX, &req->sr_tgt, &req->sr_has_tgt, errbuf,
			      errlen);
	if (rc == 0)
		rc = req_uint(msg, op, "start", BIO_SMD_POOL_MAX, &req->sr_start, &set, errbuf,
			      errlen);
	if (rc != 0)
		return rc;
	if (health != NULL && !json_is_boolean(health))
		return req_fail(errbuf, errlen, op, "'health' must be a boolean");
	req->sr_health = json_is_true(health);
	if (req->sr_op == ENG_SMD_LIST_POOLS && (req->sr_has_tgt || req->sr_health))
		return req_fail(errbuf, errlen, op, "'tgt' and 'health' apply to devices only");
	if (req->sr_has_tgt && req->sr_has_uuid)
		return req_fail(errbuf, errlen, op, "'tgt' and 'uuid' cannot both be given");
	return 0;
}

int
eng_smd_req_parse(json_t *msg, struct eng_smd_req *req, char *errbuf, size_t errlen)
{
	static const char *const k_uuid[] = {"uuid", NULL};
	static const char *const k_repl[] = {"old_uuid", "new_uuid", NULL};
	const char              *op;
	int                      rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (!json_is_object(msg) || req == NULL ||
	    !json_is_string(json_object_get(msg, "op"))) {
		d_errbuf_printf(errbuf, errlen, "not a request object with a string 'op'");
		return -DER_INVAL;
	}
	memset(req, 0, sizeof(*req));
	op = json_string_value(json_object_get(msg, "op"));
	if (strcmp(op, ENGINE_OP_SMD_QUERY) == 0)
		return parse_query(msg, req, errbuf, errlen);
	if (strcmp(op, ENGINE_OP_DEV_REPLACE) == 0) {
		req->sr_op = ENG_SMD_REPLACE;
		rc = req_keys(msg, op, k_repl, errbuf, errlen);
		if (rc == 0)
			rc = req_uuid(msg, op, "old_uuid", true, req->sr_uuid, NULL, errbuf,
				      errlen);
		if (rc == 0)
			rc = req_uuid(msg, op, "new_uuid", true, req->sr_new_uuid, NULL, errbuf,
				      errlen);
		req->sr_has_uuid = rc == 0;
		return rc;
	}
	if (strcmp(op, ENGINE_OP_DEV_SET_FAULTY) == 0)
		req->sr_op = ENG_SMD_SET_FAULTY;
	else if (strcmp(op, ENGINE_OP_DEV_IDENTIFY) == 0)
		req->sr_op = ENG_SMD_IDENTIFY;
	else
		return req_fail(errbuf, errlen, op, "not an SSD management request");
	rc = req_keys(msg, op, k_uuid, errbuf, errlen);
	if (rc == 0)
		rc = req_uuid(msg, op, "uuid", true, req->sr_uuid, NULL, errbuf, errlen);
	req->sr_has_uuid = rc == 0;
	return rc;
}

/* ---- Helpers (es_lock held) ---- */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct eng_dev *
smd_dev_by_uuid(struct eng_storage *st, const uuid_t uuid)
{
	for (uint32_t i = 0; i < st->es_dev_nr; i++)
		if (uuid_compare(st->es_devs[i].ed_uuid, uuid) == 0)
			return &st->es_devs[i];
	return NULL;
}

/* The VMD emulation switch (invariant 3). */
static bool
vmd_emulated(void)
{
	const char *v = getenv(ENG_SMD_VMD_EMU_ENV);

	return v != NULL && strcmp(v, "1") == 0;
}

/* VMD_LED_PERIOD in seconds, or the default when unset or not a number in range. */
static uint32_t
led_period_s(void)
{
	const char   *v = getenv("VMD_LED_PERIOD");
	char         *end;
	unsigned long n;

	if (v == NULL || *v < '0' || *v > '9')
		return ENG_SMD_LED_PERIOD_S;
	errno = 0;
	n     = strtoul(v, &end, 10);
	if (*end != '\0' || errno != 0 || n == 0 || n > ENG_SMD_LED_PERIOD_MAX) {
		D_WARN("VMD_LED_PERIOD '%.16s' is not a number of seconds in [1, %d]: %d used\n",
		       v, ENG_SMD_LED_PERIOD_MAX, ENG_SMD_LED_PERIOD_S);
		return ENG_SMD_LED_PERIOD_S;
	}
	return (uint32_t)n;
}

struct led_scan {
	struct eng_storage *ls_st;
	uint64_t            ls_now;
	uuid_t              ls_off[BIO_SMD_DEV_MAX];
	uint32_t            ls_nr;
};

static int
led_scan_cb(const struct bio_smd_dev *dev, void *arg)
{
	struct led_scan *ls = arg;
	struct eng_dev  *ed = smd_dev_by_uuid(ls->ls_st, dev->sd_uuid);

	if (dev->sd_led != BIO_LED_QUICK_BLINK || ls->ls_nr >= BIO_SMD_DEV_MAX)
		return 0;
	if (ed != NULL && ed->ed_led_until_ms != 0 && ed->ed_led_until_ms > ls->ls_now)
		return 0;
	uuid_copy(ls->ls_off[ls->ls_nr++], dev->sd_uuid);
	return 0;
}

/* Invariant 4: identify periods that ended put their LED back to OFF. */
static void
leds_expire(struct eng_storage *st)
{
	struct led_scan *ls = calloc(1, sizeof(*ls));
	char             str[37];

	if (ls == NULL)
		return;
	ls->ls_st  = st;
	ls->ls_now = now_ms();
	(void)bio_smd_dev_iter(st->es_smd, led_scan_cb, ls);
	for (uint32_t i = 0; i < ls->ls_nr; i++) {
		struct eng_dev *ed = smd_dev_by_uuid(st, ls->ls_off[i]);
		int             rc = bio_smd_dev_set_led(st->es_smd, ls->ls_off[i], BIO_LED_OFF);

		uuid_unparse_lower(ls->ls_off[i], str);
		if (rc != 0)
			D_ERROR("device %s: cannot set its LED back to OFF: " DF_RC "\n", str,
				DP_RC(rc));
		else
			D_INFO("device %s: identify period over, LED OFF\n", str);
		if (ed != NULL)
			ed->ed_led_until_ms = 0;
	}
	free(ls);
}

/* "2021-09-13T11:12:34.000+00:00" (UTC), as DAOS prints health timestamps. */
static void
timestamp_str(char *buf, size_t len)
{
	struct timespec ts;
	struct tm       tm;
	char            base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.24s.%03d+00:00", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

static const char *
op_name(enum bio_op op)
{
	switch (op) {
	case BIO_OP_READ:
		return "read";
	case BIO_OP_WRITE:
		return "write";
	case BIO_OP_FLUSH:
		return "flush";
	case BIO_OP_UNMAP:
		return "unmap";
	default:
		return "none";
	}
}

/* The health object of a device: SMART is never available (emulated devices),
 * the counters only while the engine has the device open. */
static json_t *
dev_health(const struct eng_dev *ed)
{
	struct bio_counters c;
	struct bio_dev_info info;
	char                ts[48];
	json_t             *h;

	timestamp_str(ts, sizeof(ts));
	if (ed == NULL || ed->ed_dev == NULL)
		return json_pack("{s:s, s:b, s:b}", "timestamp", ts, "smart", 0, "counters", 0);
	bio_dev_counters(ed->ed_dev, &c);
	bio_dev_query(ed->ed_dev, &info);
	h = json_pack("{s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:b, s:s}",
		      "timestamp", ts, "smart", 0, "counters", 1,
		      "read_errs", (json_int_t)c.bc_read_errs,
		      "write_errs", (json_int_t)c.bc_write_errs,
		      "unmap_errs", (json_int_t)c.bc_unmap_errs,
		      "flush_errs", (json_int_t)c.bc_flush_errs,
		      "csum_errs", (json_int_t)c.bc_csum_errs,
		      "read_ops", (json_int_t)c.bc_read_ops,
		      "write_ops", (json_int_t)c.bc_write_ops,
		      "flush_ops", (json_int_t)c.bc_flush_ops,
		      "unmap_ops", (json_int_t)c.bc_unmap_ops,
		      "bytes_read", (json_int_t)c.bc_bytes_read,
		      "bytes_written", (json_int_t)c.bc_bytes_written,
		      "io_failed", info.bdi_failed, "io_failed_op",
		      info.bdi_failed_errno == ECANCELED ? "set faulty" : op_name(info.bdi_failed_op));
	return h;
}

/* The JSON entry of a device (with its health when asked). */
static json_t *
dev_json(struct eng_storage *st, const struct bio_smd_dev *d, bool health)
{
	const struct eng_dev *ed = smd_dev_by_uuid(st, d->sd_uuid);
	const char           *state = bio_dev_state_str(d->sd_state);
	const char           *led = bio_led_state_str(d->sd_led);
	json_t               *o, *tgts;
	char                  str[37];

	uuid_unparse_lower(d->sd_uuid, str);
	tgts = json_array();
	for (unsigned i = 0; tgts != NULL && i < d->sd_tgt_nr; i++)
		if (json_array_append_new(tgts, json_integer(d->sd_tgts[i])) != 0) {
			json_decref(tgts);
			tgts = NULL;
		}
	if (tgts == NULL)
		return NULL;
	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:s, s:s, s:b}", "uuid", str, "tr_addr",
		      d->sd_tr_addr, "class", d->sd_class == BIO_DEV_KDEV ? "kdev" : "file",
		      "size", (json_int_t)d->sd_size, "used", (json_int_t)d->sd_used, "targets",
		      tgts, "state", state != NULL ? state : "UNKNOWN", "led",
		      led != NULL ? led : "NA", "open", ed != NULL && ed->ed_dev != NULL);
	if (o != NULL && health && json_object_set_new(o, "health", dev_health(ed)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* One device's entry, as the device operations answer it. */
static int
dev_reply(struct eng_storage *st, const uuid_t uuid, json_t *reply)
{
	struct bio_smd_dev d;
	json_t            *o;
	int                rc;

	rc = bio_smd_dev_get(st->es_smd, uuid, &d);
	if (rc != 0)
		return rc;
	o = dev_json(st, &d, false);
	if (o == NULL || json_object_set_new(reply, "device", o) != 0)
		return -DER_NOMEM;
	return 0;
}

/* ---- Lists ---- */

/* A page of entries: appended while they fit ENG_SMD_PAGE_BYTES (invariant 2). */
struct page {
	json_t  *pg_arr;
	size_t   pg_bytes;
	uint32_t pg_index; /* entries seen so far (matching the filter) */
	uint32_t pg_start;
	bool     pg_full;
	uint32_t pg_next;
	int      pg_rc;
};

/* Offer entry @o (stolen) to the page. */
static void
page_add(struct page *pg, json_t *o)
{
	char  *text;
	size_t n;

	if (pg->pg_rc != 0 || pg->pg_full || pg->pg_index++ < pg->pg_start) {
		json_decref(o);
		return;
	}
	if (o == NULL) {
		pg->pg_rc = -DER_NOMEM;
		return;
	}
	text = json_dumps(o, JSON_COMPACT);
	if (text == NULL) {
		json_decref(o);
		pg->pg_rc = -DER_NOMEM;
		return;
	}
	n = strlen(text) + 1;
	free(text);
	if (json_array_size(pg->pg_arr) > 0 && pg->pg_bytes + n > ENG_SMD_PAGE_BYTES) {
		pg->pg_full = true;
		pg->pg_next = pg->pg_index - 1;
		json_decref(o);
		return;
	}
	if (json_array_append_new(pg->pg_arr, o) != 0) {
		pg->pg_rc = -DER_NOMEM;
		return;
	}
	pg->pg_bytes += n;
}

static int
page_finish(struct page *pg, const char *key, json_t *reply)
{
	if (pg->pg_rc != 0) {
		json_decref(pg->pg_arr);
		return pg->pg_rc;
	}
	if (json_object_set_new(reply, key, pg->pg_arr) != 0)
		return -DER_NOMEM;
	if (pg->pg_full &&
	    json_object_set_new(reply, "next", json_integer(pg->pg_next)) != 0)
		return -DER_NOMEM;
	return 0;
}

struct devs_walk {
	struct eng_storage       *dw_st;
	const struct eng_smd_req *dw_req;
	struct page              *dw_pg;
};

static int
devs_cb(const struct bio_smd_dev *d, void *arg)
{
	struct devs_walk *dw = arg;

	if (dw->dw_req->sr_has_uuid && uuid_compare(d->sd_uuid, dw->dw_req->sr_uuid) != 0)
		return 0;
	page_add(dw->dw_pg, dev_json(dw->dw_st, d, dw->dw_req->sr_health));
	return dw->dw_pg->pg_rc != 0 || dw->dw_pg->pg_full;
}

static int
list_devs(struct eng_storage *st, const struct eng_smd_req *req, json_t *reply, char *errbuf,
	  size_t errlen)
{
	struct eng_smd_req r = *req;
	struct page        pg = {.pg_start = req->sr_start};
	struct devs_walk   dw = {st, &r, &pg};
	int                rc;

	if (req->sr_has_tgt) {
		/* target-health: the device holding the target */
		if (req->sr_tgt >= st->es_tgt_nr) {
			d_errbuf_printf(errbuf, errlen,
					"target %u is out of range: this engine has %u target%s "
					"(0-%u)", req->sr_tgt, st->es_tgt_nr,
					st->es_tgt_nr == 1 ? "" : "s", st->es_tgt_nr - 1);
			return -DER_INVAL;
		}
		rc = bio_smd_tgt_dev(st->es_smd, req->sr_tgt, r.sr_uuid);
		if (rc == -DER_NONEXIST) {
			d_errbuf_printf(errbuf, errlen, "target %u has no NVMe device",
					req->sr_tgt);
			return rc;
		}
		if (rc != 0)
			return rc;
		r.sr_has_uuid = true;
	}
	pg.pg_arr = json_array();
	if (pg.pg_arr == NULL)
		return -DER_NOMEM;
	(void)bio_smd_dev_iter(st->es_smd, devs_cb, &dw);
	return page_finish(&pg, "devices", reply);
}

/* A pool of the engine: targets holding it or having a blob of it. */
struct pool_ent {
	uuid_t   pe_uuid;
	uint64_t pe_tgts;                /* bit t: target t listed */
	uint64_t pe_blobs[BIO_TGT_MAX];  /* blob id of target t, 0: none */
};

struct pools_walk {
	struct pool_ent *pw_ents;
	uint32_t         pw_nr;
	uint32_t         pw_cap;
	bool             pw_has_uuid;
	const uint8_t   *pw_uuid;
};

static struct pool_ent *
pool_ent_get(struct pools_walk *pw, const uuid_t uuid)
{
	for (uint32_t i = 0; i < pw->pw_nr; i++)
		if (uuid_compare(pw->pw_ents[i].pe_uuid, uuid) == 0)
			return &pw->pw_ents[i];
	if (pw->pw_nr >= pw->pw_cap)
		return NULL;
	memset(&pw->pw_ents[pw->pw_nr], 0, sizeof(pw->pw_ents[0]));
	uuid_copy(pw->pw_ents[pw->pw_nr].pe_uuid, uuid);
	return &pw->pw_ents[pw->pw_nr++];
}

static int
pools_cb(const struct bio_smd_blob *b, void *arg)
{
	struct pools_walk *pw = arg;
	struct pool_ent   *pe;

	if ((pw->pw_has_uuid && uuid_compare(b->sb_pool, pw->pw_uuid) != 0) ||
	    b->sb_tgt >= BIO_TGT_MAX)
		return 0;
	pe = pool_ent_get(pw, b->sb_pool);
	if (pe == NULL)
		return -DER_OVERFLOW;
	pe->pe_tgts |= 1ULL << b->sb_tgt;
	pe->pe_blobs[b->sb_tgt] = b->sb_id;
	return 0;
}

static int
count_blob_cb(const struct bio_smd_blob *b, void *arg)
{
	(void)b;
	(*(uint32_t *)arg)++;
	return 0;
}

static json_t *
pool_json(const struct pool_ent *pe)
{
	json_t *tgts = json_array(), *blobs = json_array();
	char    str[37];

	for (uint32_t t = 0; tgts != NULL && blobs != NULL && t < BIO_TGT_MAX; t++) {
		if (!(pe->pe_tgts & (1ULL << t)))
			continue;
		if (json_array_append_new(tgts, json_integer(t)) != 0 ||
		    json_array_append_new(blobs, json_integer((json_int_t)pe->pe_blobs[t])) != 0) {
			json_decref(tgts);
			json_decref(blobs);
			return NULL;
		}
	}
	if (tgts == NULL || blobs == NULL) {
		json_decref(tgts);
		json_decref(blobs);
		return NULL;
	}
	uuid_unparse_lower(pe->pe_uuid, str);
	return json_pack("{s:s, s:o, s:o}", "uuid", str, "targets", tgts, "blobs", blobs);
}

/*
 * The pools of the engine: SMD's pool table (pools with NVMe blobs, in creation
 * order), then the pools the targets hold that have no blob (SCM only). A
 * target without a blob shows blob id 0.
 */
static int
list_pools(struct eng_storage *st, const struct eng_smd_req *req, json_t *reply)
{
	struct pools_walk pw = {.pw_has_uuid = req->sr_has_uuid, .pw_uuid = req->sr_uuid};
	struct page       pg = {.pg_start = req->sr_start};
	uint32_t          blobs = 0;
	int               rc;

	(void)bio_smd_blob_iter(st->es_smd, count_blob_cb, &blobs);
	pw.pw_cap = blobs + st->es_pool_nr;
	if (pw.pw_cap > 0) {
		pw.pw_ents = calloc(pw.pw_cap, sizeof(*pw.pw_ents));
		if (pw.pw_ents == NULL)
			return -DER_NOMEM;
	}
	rc = bio_smd_blob_iter(st->es_smd, pools_cb, &pw);
	for (uint32_t i = 0; rc == 0 && i < st->es_pool_nr; i++) {
		const struct eng_spool *sp = &st->es_pools[i];
		struct pool_ent        *pe;

		if (sp->sp_tgts == 0 ||
		    (pw.pw_has_uuid && uuid_compare(sp->sp_uuid, pw.pw_uuid) != 0))
			continue;
		pe = pool_ent_get(&pw, sp->sp_uuid);
		if (pe == NULL)
			rc = -DER_OVERFLOW;
		else
			pe->pe_tgts |= sp->sp_tgts;
	}
	if (rc == 0) {
		pg.pg_arr = json_array();
		if (pg.pg_arr == NULL)
			rc = -DER_NOMEM;
	}
	for (uint32_t i = 0; rc == 0 && i < pw.pw_nr && !pg.pg_full && pg.pg_rc == 0; i++)
		page_add(&pg, pool_json(&pw.pw_ents[i]));
	if (rc == 0)
		rc = page_finish(&pg, "pools", reply);
	free(pw.pw_ents);
	return rc;
}

/* ---- Device operations ---- */

/* The device @uuid for an operation: known to SMD (-DER_NONEXIST otherwise). */
static int
op_dev(struct eng_storage *st, const uuid_t uuid, struct bio_smd_dev *d, char *errbuf,
       size_t errlen)
{
	char str[37];
	int  rc = bio_smd_dev_get(st->es_smd, uuid, d);

	if (rc == -DER_NONEXIST) {
		uuid_unparse_lower(uuid, str);
		d_errbuf_printf(errbuf, errlen, "no NVMe device %s on this engine", str);
	}
	return rc;
}

static int
set_faulty(struct eng_storage *st, const struct eng_smd_req *req, json_t *reply, char *errbuf,
	   size_t errlen)
{
	struct bio_smd_dev d;
	struct eng_dev    *ed;
	char               str[37];
	int                rc;

	pthread_mutex_lock(&st->es_lock);
	rc = op_dev(st, req->sr_uuid, &d, errbuf, errlen);
	pthread_mutex_unlock(&st->es_lock);
	if (rc != 0)
		return rc;
	uuid_unparse_lower(req->sr_uuid, str);
	if (d.sd_state == BIO_STATE_FAULTY) {
		d_errbuf_printf(errbuf, errlen, "device %s is already FAULTY", str);
		return -DER_ALREADY;
	}
	if (d.sd_state != BIO_STATE_NORMAL) {
		d_errbuf_printf(errbuf, errlen,
				"device %s is %s: only a NORMAL device can be set faulty", str,
				bio_dev_state_str(d.sd_state));
		return -DER_INVAL;
	}
	/* SMD FAULTY (persisted), the targets stop writing to it, device_set_faulty. */
	rc = eng_dev_set_faulty(st, req->sr_uuid, true,
				"set faulty by the administrator (dmg storage set nvme-faulty)");
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "device %s cannot be set faulty: " DF_RC, str,
				DP_RC(rc));
		return rc;
	}
	pthread_mutex_lock(&st->es_lock);
	ed = smd_dev_by_uuid(st, req->sr_uuid);
	/*
	 * The targets stop using it: bio's sticky failed state refuses every
	 * later write, flush and unmap of the device without reaching it, and
	 * serves reads, exactly as after a failed write (durability contract 3).
	 * A device that failed by itself already is in that state.
	 */
	if (ed != NULL && ed->ed_dev != NULL)
		(void)bio_dev_set_failed(ed->ed_dev);
	if (vmd_emulated()) {
		/* An evicted device's LED is the FAULT state: solidly on. */
		if (bio_smd_dev_set_led(st->es_smd, req->sr_uuid, BIO_LED_ON) != 0)
			D_ERROR("device %s: cannot set its LED to ON\n", str);
		if (ed != NULL)
			ed->ed_led_until_ms = 0;
	}
	rc = dev_reply(st, req->sr_uuid, reply);
	pthread_mutex_unlock(&st->es_lock);
	D_NOTE("device %s set FAULTY by the administrator: writes of its %u target(s) are "
	       "refused; their data is not rebuilt elsewhere (rebuild is not implemented yet)\n",
	       str, d.sd_tgt_nr);
	return rc;
}

static int
replace(struct eng_storage *st, const struct eng_smd_req *req, json_t *reply, char *errbuf,
	size_t errlen)
{
	struct bio_smd_dev old_d, new_d;
	char               o[37], n[37];
	int                rc;

	uuid_unparse_lower(req->sr_uuid, o);
	uuid_unparse_lower(req->sr_new_uuid, n);
	pthread_mutex_lock(&st->es_lock);
	rc = op_dev(st, req->sr_uuid, &old_d, errbuf, errlen);
	if (rc != 0)
		goto out;
	if (old_d.sd_state != BIO_STATE_FAULTY && old_d.sd_state != BIO_STATE_EVICTED) {
		d_errbuf_printf(errbuf, errlen,
				"device %s is %s: only a FAULTY or EVICTED device can be replaced "
				"(dmg storage set nvme-faulty first)", o,
				bio_dev_state_str(old_d.sd_state));
		rc = -DER_INVAL;
		goto out;
	}
	if (uuid_compare(req->sr_uuid, req->sr_new_uuid) == 0) {
		/* Reuse: the device keeps its targets and blobs. bio's failed state of
		 * the open device is cleared only by closing and reopening it, which
		 * the targets' open pools prevent: the next start does it. */
		rc = bio_smd_dev_set_state(st->es_smd, req->sr_uuid, BIO_STATE_NORMAL);
		if (rc == 0 && vmd_emulated())
			(void)bio_smd_dev_set_led(st->es_smd, req->sr_uuid, BIO_LED_OFF);
		if (rc == 0)
			rc = dev_reply(st, req->sr_uuid, reply);
		if (rc == 0)
			D_NOTE("device %s reused: NORMAL again; the engine uses it from its next "
			       "start\n", o);
		goto out;
	}
	rc = op_dev(st, req->sr_new_uuid, &new_d, errbuf, errlen);
	if (rc != 0)
		goto out;
	if (new_d.sd_state != BIO_STATE_NEW) {
		d_errbuf_printf(errbuf, errlen,
				"device %s is %s: the replacement must be a NEW device (a bdev added "
				"to the engine's configuration)", n,
				bio_dev_state_str(new_d.sd_state));
		rc = -DER_INVAL;
		goto out;
	}
	/*
	 * Moving the targets (and their pools' blobs) from the old device to the
	 * new one needs an SMD operation bio does not offer (a target may be on
	 * one device only, and devices' target lists are fixed once added), and
	 * the data of those targets would have to be rebuilt, which does not
	 * exist yet either.
	 */
	d_errbuf_printf(errbuf, errlen,
			"replacing device %s by another device (%s) is not supported yet: moving "
			"its targets needs an SMD target remap and rebuild; a FAULTY device can "
			"be reused (same UUID for --old-uuid and --new-uuid)", o, n);
	rc = -DER_NOTSUPPORTED;
out:
	pthread_mutex_unlock(&st->es_lock);
	return rc;
}

static int
identify(struct eng_storage *st, const struct eng_smd_req *req, json_t *reply, char *errbuf,
	 size_t errlen)
{
	struct bio_smd_dev d;
	struct eng_dev    *ed;
	char               str[37];
	uint32_t           period;
	int                rc;

	uuid_unparse_lower(req->sr_uuid, str);
	pthread_mutex_lock(&st->es_lock);
	rc = op_dev(st, req->sr_uuid, &d, errbuf, errlen);
	if (rc != 0)
		goto out;
	if (!vmd_emulated()) {
		d_errbuf_printf(errbuf, errlen,
				"device %s (%s) is not behind a VMD: identification needs Intel "
				"VMD", str, d.sd_tr_addr);
		rc = -DER_NOSYS;
		goto out;
	}
	period = led_period_s();
	rc     = bio_smd_dev_set_led(st->es_smd, req->sr_uuid, BIO_LED_QUICK_BLINK);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "device %s: cannot set its LED: " DF_RC, str,
				DP_RC(rc));
		goto out;
	}
	ed = smd_dev_by_uuid(st, req->sr_uuid);
	if (ed != NULL)
		ed->ed_led_until_ms = now_ms() + (uint64_t)period * 1000;
	rc = dev_reply(st, req->sr_uuid, reply);
	D_NOTE("device %s: LED QUICK_BLINK for %u s (emulated VMD)\n", str, period);
out:
	pthread_mutex_unlock(&st->es_lock);
	return rc;
}

int
eng_smd_exec(struct eng_storage *st, const struct eng_smd_req *req, json_t *reply,
	     char *errbuf, size_t errlen)
{
	int rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (st == NULL || req == NULL || !json_is_object(reply)) {
		d_errbuf_printf(errbuf, errlen, "bad arguments");
		return -DER_INVAL;
	}
	pthread_mutex_lock(&st->es_lock);
	leds_expire(st);
	switch (req->sr_op) {
	case ENG_SMD_LIST_DEVS:
		rc = list_devs(st, req, reply, errbuf, errlen);
		break;
	case ENG_SMD_LIST_POOLS:
		rc = list_pools(st, req, reply);
		break;
	default:
		rc = 1;
		break;
	}
	pthread_mutex_unlock(&st->es_lock);
	if (rc != 1)
		goto out;
	switch (req->sr_op) {
	case ENG_SMD_SET_FAULTY:
		rc = set_faulty(st, req, reply, errbuf, errlen);
		break;
	case ENG_SMD_REPLACE:
		rc = replace(st, req, reply, errbuf, errlen);
		break;
	case ENG_SMD_IDENTIFY:
		rc = identify(st, req, reply, errbuf, errlen);
		break;
	default:
		d_errbuf_printf(errbuf, errlen, "unknown request %d", (int)req->sr_op);
		rc = -DER_INVAL;
		break;
	}
out:
	if (rc != 0 && errbuf != NULL && errlen > 0 && errbuf[0] == '\0')
		d_errbuf_printf(errbuf, errlen, "%s", d_errdesc(rc));
	return rc;
}
