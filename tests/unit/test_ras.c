/*
 * test_ras.c: RAS events (src/gurt/ras.c): the catalogue, the engine and
 * control-plane text lines, the timestamp arithmetic, the overflow rule, and
 * the JSON encoding with its strict parser. Invariants cited are ras.h's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <daos_errno.h>
#include "gurt/ras.h"

/* The seed's example, 2021-11-21T13:32:31.747408+0000. */
#define SEED_SEC  1637501551LL
#define SEED_USEC 747408
#define SEED_INC  0x63a058833280000ULL
#define SEED_LINE                                                                                  \
	"&&& RAS EVENT id: [swim_rank_dead] ts: [2021-11-21T13:32:31.747408+0000] "                \
	"host: [wolf-112.wolf.hpdd.intel.com] type: [STATE_CHANGE] sev: [NOTICE] "                 \
	"msg: [SWIM marked rank as dead.] pid: [253454] tid: [1] rank: [6] inc: [63a058833280000]"

#define POOL_STR "2f1c0e4a-8d5b-4b0e-9a3e-6d7e5f4a3b2c"
#define CONT_STR "b3f2d1c0-1111-4222-8333-944455556666"

/* Build the seed's event by hand. */
static void
make_seed(struct d_ras_event *ev)
{
	assert_int_equal(d_ras_event_init(ev, RAS_SWIM_RANK_DEAD, "SWIM marked rank as dead."), 0);
	assert_int_equal(d_ras_event_set_ts(ev, SEED_SEC, SEED_USEC, 0), 0);
	d_ras_event_set_host(ev, "wolf-112.wolf.hpdd.intel.com");
	assert_int_equal(d_ras_event_set_pid(ev, 253454), 0);
	assert_int_equal(d_ras_event_set_tid(ev, 1), 0);
	d_ras_event_set_rank(ev, 6);
	d_ras_event_set_inc(ev, SEED_INC);
}

/* An event with every optional field set. */
static void
make_full(struct d_ras_event *ev)
{
	uuid_t pool;
	uuid_t cont;

	assert_int_equal(uuid_parse(POOL_STR, pool), 0);
	assert_int_equal(uuid_parse(CONT_STR, cont), 0);
	assert_int_equal(d_ras_event_init(ev, RAS_DEVICE_MEDIA_ERROR,
					  "Device 0000:81:00.0 write error on target 3"),
			 0);
	assert_int_equal(d_ras_event_set_ts(ev, SEED_SEC, 5, -5 * 3600), 0);
	d_ras_event_set_host(ev, "wolf-112");
	assert_int_equal(d_ras_event_set_pid(ev, 42), 0);
	assert_int_equal(d_ras_event_set_tid(ev, 7), 0);
	d_ras_event_set_hwid(ev, "0000:81:00.0");
	d_ras_event_set_rank(ev, 3);
	d_ras_event_set_inc(ev, SEED_INC);
	d_ras_event_set_jobid(ev, "slurm-1234");
	d_ras_event_set_pool(ev, pool);
	d_ras_event_set_cont(ev, cont);
	d_ras_event_set_oid(ev, 1234, 5678);
	d_ras_event_set_ctlop(ev, "exclude");
	d_ras_event_set_data(ev, "tgt=3 op=write");
}

#define FULL_LINE_TAIL                                                                             \
	"hwid: [0000:81:00.0] rank: [3] %s jobid: [slurm-1234] pool: [" POOL_STR "] "              \
	"container: [" CONT_STR "] objid: [1234.5678] ctlop: [exclude] data: [tgt=3 op=write]"

#define FULL_JSON                                                                                  \
	"{\"id\":\"device_media_error\",\"type\":\"INFO\",\"severity\":\"ERROR\","                 \
	"\"timestamp\":\"2021-11-21T08:32:31.000005-0500\","                                       \
	"\"msg\":\"Device 0000:81:00.0 write error on target 3\",\"hostname\":\"wolf-112\","       \
	"\"pid\":42,\"tid\":7,\"hw_id\":\"0000:81:00.0\",\"rank\":3,"                              \
	"\"incarnation\":\"448677195408736256\",\"job_id\":\"slurm-1234\","                        \
	"\"pool_uuid\":\"" POOL_STR "\",\"cont_uuid\":\"" CONT_STR "\","                           \
	"\"object_id\":\"1234.5678\",\"ctl_op\":\"exclude\",\"data\":\"tgt=3 op=write\"}"

/* Field-by-field equality: the struct has padding, so no memcmp of the whole. */
static void
assert_event_equal(const struct d_ras_event *a, const struct d_ras_event *b)
{
	assert_int_equal(a->ev_id, b->ev_id);
	assert_int_equal(a->ev_type, b->ev_type);
	assert_int_equal(a->ev_sev, b->ev_sev);
	assert_int_equal(a->ev_flags, b->ev_flags);
	assert_true(a->ev_ts_sec == b->ev_ts_sec);
	assert_int_equal(a->ev_ts_usec, b->ev_ts_usec);
	assert_int_equal(a->ev_tz_off, b->ev_tz_off);
	assert_int_equal(a->ev_pid, b->ev_pid);
	assert_int_equal(a->ev_tid, b->ev_tid);
	assert_int_equal(a->ev_rank, b->ev_rank);
	assert_true(a->ev_inc == b->ev_inc);
	assert_true(a->ev_oid_hi == b->ev_oid_hi);
	assert_true(a->ev_oid_lo == b->ev_oid_lo);
	assert_memory_equal(a->ev_pool, b->ev_pool, sizeof(uuid_t));
	assert_memory_equal(a->ev_cont, b->ev_cont, sizeof(uuid_t));
	/* Whole arrays: the tails must be zero on both sides (invariant 5). */
	assert_memory_equal(a->ev_id_str, b->ev_id_str, sizeof(a->ev_id_str));
	assert_memory_equal(a->ev_msg, b->ev_msg, sizeof(a->ev_msg));
	assert_memory_equal(a->ev_hostname, b->ev_hostname, sizeof(a->ev_hostname));
	assert_memory_equal(a->ev_hwid, b->ev_hwid, sizeof(a->ev_hwid));
	assert_memory_equal(a->ev_jobid, b->ev_jobid, sizeof(a->ev_jobid));
	assert_memory_equal(a->ev_ctlop, b->ev_ctlop, sizeof(a->ev_ctlop));
	assert_memory_equal(a->ev_data, b->ev_data, sizeof(a->ev_data));
}

/*
 * format (both forms) -> to_json -> from_json -> compare the structs and the
 * re-formatted lines. Returns the JSON length.
 */
static size_t
round_trip(const struct d_ras_event *ev)
{
	struct d_ras_event back;
	char               line1[D_RAS_LINE_MAX];
	char               line2[D_RAS_LINE_MAX];
	char               err[256] = "untouched";
	char              *json     = NULL;
	char              *json2    = NULL;
	size_t             len;
	int                form;

	assert_int_equal(d_ras_event_to_json(ev, &json), 0);
	assert_non_null(json);
	len = strlen(json);
	assert_true(len <= D_RAS_JSON_MAX);
	memset(&back, 0x5a, sizeof(back));
	assert_int_equal(d_ras_event_from_json(json, len, &back, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_event_equal(ev, &back);
	for (form = D_RAS_FORM_ENGINE; form <= D_RAS_FORM_CONTROL; form++) {
		assert_int_equal(d_ras_event_format(ev, form, line1, sizeof(line1)), 0);
		assert_int_equal(d_ras_event_format(&back, form, line2, sizeof(line2)), 0);
		assert_string_equal(line1, line2);
	}
	assert_int_equal(d_ras_event_to_json(&back, &json2), 0);
	assert_string_equal(json, json2);
	free(json);
	free(json2);
	return len;
}

/* RAS01: the catalogue: count, names in order, positions, types, severities, messages. */
static void
ras01_catalogue(void **state)
{
	static const char *names[] = {
	    "unknown_ras_event",
	    "engine_format_required",
	    "engine_died",
	    "engine_asserted",
	    "engine_clock_drift",
	    "pool_corruption_detected",
	    "pool_rebuild_started",
	    "pool_rebuild_finished",
	    "pool_rebuild_failed",
	    "pool_replicas_updated",
	    "pool_durable_format_incompat",
	    "pool_destroy_deferred",
	    "pool_start_failed",
	    "container_durable_format_incompat",
	    "rdb_durable_format_incompatible",
	    "swim_rank_alive",
	    "swim_rank_dead",
	    "system_start_failed",
	    "system_stop_failed",
	    "device_set_faulty",
	    "device_media_error",
	    "device_unplugged",
	    "device_plugged",
	    "device_replace",
	    "system_fabric_provider_changed",
	    "engine_join_failed",
	    "device_link_speed_changed",
	    "device_link_width_changed",
	    "engine_self_terminated",
	    "obj_csum_error",
	    "device_led_set",
	};
	const struct d_ras_event_desc *d;
	size_t                         i;

	(void)state;
	assert_int_equal(RAS_EVENT_NR, 31);
	assert_int_equal(sizeof(names) / sizeof(names[0]), RAS_EVENT_NR);
	for (i = 0; i < RAS_EVENT_NR; i++) {
		d = d_ras_event_desc((enum d_ras_event_id)i);
		assert_non_null(d);
		assert_int_equal(d->rd_id, i);
		assert_string_equal(d->rd_name, names[i]);
		assert_true(strlen(d->rd_name) < D_RAS_ID_MAX);
		assert_true(d->rd_type == RAS_TYPE_STATE_CHANGE || d->rd_type == RAS_TYPE_INFO);
		assert_true(d->rd_sev >= RAS_SEV_ERROR && d->rd_sev <= RAS_SEV_NOTICE);
		assert_non_null(d->rd_msg);
		assert_true(strlen(d->rd_msg) > 0 && strlen(d->rd_msg) < D_RAS_MSG_MAX);
		assert_ptr_equal(d_ras_event_desc_by_name(names[i]), d);
	}
	assert_null(d_ras_event_desc(RAS_EVENT_NR));
	assert_null(d_ras_event_desc((enum d_ras_event_id)-1));
	assert_null(d_ras_event_desc_by_name("foo"));
	assert_null(d_ras_event_desc_by_name(""));
	assert_null(d_ras_event_desc_by_name("SWIM_RANK_DEAD"));
	assert_null(d_ras_event_desc_by_name(NULL));

	/* Positions used by the enum. */
	assert_int_equal(RAS_UNKNOWN_EVENT, 0);
	assert_int_equal(RAS_ENGINE_DIED, 2);
	assert_int_equal(RAS_POOL_DURABLE_FORMAT_INCOMPAT, 10);
	assert_int_equal(RAS_SWIM_RANK_DEAD, 16);
	assert_int_equal(RAS_DEVICE_LINK_WIDTH_CHANGED, 27);
	assert_int_equal(RAS_DEVICE_LED_SET, 30);

	/* A sample of types, severities and messages. */
	d = d_ras_event_desc(RAS_ENGINE_DIED);
	assert_int_equal(d->rd_type, RAS_TYPE_STATE_CHANGE);
	assert_int_equal(d->rd_sev, RAS_SEV_ERROR);
	assert_string_equal(d->rd_msg, "DAOS engine %d exited unexpectedly: %s");
	d = d_ras_event_desc(RAS_SWIM_RANK_DEAD);
	assert_int_equal(d->rd_type, RAS_TYPE_STATE_CHANGE);
	assert_int_equal(d->rd_sev, RAS_SEV_NOTICE);
	assert_string_equal(d->rd_msg, "SWIM rank marked as dead.");
	d = d_ras_event_desc(RAS_POOL_DURABLE_FORMAT_INCOMPAT);
	assert_int_equal(d->rd_type, RAS_TYPE_INFO);
	assert_int_equal(d->rd_sev, RAS_SEV_ERROR);
	assert_string_equal(d->rd_msg, "incompatible layout version: %u not in [%u, %u]");
	d = d_ras_event_desc(RAS_POOL_DESTROY_DEFERRED);
	assert_int_equal(d->rd_type, RAS_TYPE_INFO);
	assert_int_equal(d->rd_sev, RAS_SEV_WARNING);
	d = d_ras_event_desc(RAS_UNKNOWN_EVENT);
	assert_int_equal(d->rd_type, RAS_TYPE_INFO);
	assert_int_equal(d->rd_sev, RAS_SEV_NOTICE);
	assert_string_equal(d->rd_msg, "Unknown RAS event");
	d = d_ras_event_desc(RAS_ENGINE_SELF_TERMINATED);
	assert_int_equal(d->rd_type, RAS_TYPE_STATE_CHANGE);
	assert_int_equal(d->rd_sev, RAS_SEV_ERROR);

	/* Spellings of other releases resolve to the canonical entry. */
	assert_ptr_equal(d_ras_event_desc_by_name("pool_durable_format_incompatible"),
			 d_ras_event_desc(RAS_POOL_DURABLE_FORMAT_INCOMPAT));
	assert_ptr_equal(d_ras_event_desc_by_name("container_durable_format_incompatible"),
			 d_ras_event_desc(RAS_CONTAINER_DURABLE_FORMAT_INCOMPAT));
	assert_ptr_equal(d_ras_event_desc_by_name("corruption_detected"),
			 d_ras_event_desc(RAS_POOL_CORRUPTION_DETECTED));

	assert_string_equal(d_ras_type2str(RAS_TYPE_STATE_CHANGE), "STATE_CHANGE");
	assert_string_equal(d_ras_type2str(RAS_TYPE_INFO), "INFO");
	assert_string_equal(d_ras_type2str(RAS_TYPE_ANY), "INFO");
	assert_string_equal(d_ras_sev2str(RAS_SEV_ERROR), "ERROR");
	assert_string_equal(d_ras_sev2str(RAS_SEV_WARNING), "WARNING");
	assert_string_equal(d_ras_sev2str(RAS_SEV_NOTICE), "NOTICE");
	assert_string_equal(d_ras_sev2str(RAS_SEV_UNKNOWN), "NOTICE");
}

/* RAS02: the seed's example line, byte for byte. */
static void
ras02_seed_line(void **state)
{
	struct d_ras_event ev;
	char               buf[D_RAS_LINE_MAX];

	(void)state;
	make_seed(&ev);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_string_equal(buf, SEED_LINE);
}

/* RAS03: control-plane form: no prefix, decimal incarnation, pid/tid only when non-zero. */
static void
ras03_control_form(void **state)
{
	struct d_ras_event ev;
	char               buf[D_RAS_LINE_MAX];

	(void)state;
	make_seed(&ev);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "id: [swim_rank_dead] ts: [2021-11-21T13:32:31.747408+0000] "
				 "host: [wolf-112.wolf.hpdd.intel.com] type: [STATE_CHANGE] "
				 "sev: [NOTICE] msg: [SWIM marked rank as dead.] pid: [253454] "
				 "tid: [1] rank: [6] incarnation: [448677195408736256]");

	/* Zero pid/tid: left out of the control form, printed as 0 in the engine form. */
	assert_int_equal(d_ras_event_set_pid(&ev, 0), 0);
	assert_int_equal(d_ras_event_set_tid(&ev, 0), 0);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "id: [swim_rank_dead] ts: [2021-11-21T13:32:31.747408+0000] "
				 "host: [wolf-112.wolf.hpdd.intel.com] type: [STATE_CHANGE] "
				 "sev: [NOTICE] msg: [SWIM marked rank as dead.] rank: [6] "
				 "incarnation: [448677195408736256]");
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "] pid: [0] tid: [0] rank: [6] inc: [63a058833280000]"));

	/* Unset pid/tid/host (no flag): the same, with an empty host. */
	ev.ev_flags &= ~(D_RAS_F_PID | D_RAS_F_TID);
	ev.ev_pid = 99; /* ignored without its flag */
	d_ras_event_set_host(&ev, NULL);
	assert_int_equal(ev.ev_flags & D_RAS_F_HOST, 0);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "id: [swim_rank_dead] ts: [2021-11-21T13:32:31.747408+0000] "
				 "host: [] type: [STATE_CHANGE] sev: [NOTICE] "
				 "msg: [SWIM marked rank as dead.] rank: [6] "
				 "incarnation: [448677195408736256]");
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&&& RAS EVENT id: [swim_rank_dead] "
				 "ts: [2021-11-21T13:32:31.747408+0000] host: [] "
				 "type: [STATE_CHANGE] sev: [NOTICE] msg: [SWIM marked rank as dead.] "
				 "pid: [0] tid: [0] rank: [6] inc: [63a058833280000]");
}

/* RAS04: every optional field, in DAOS's order, each only when set (invariant 5). */
static void
ras04_optional_fields(void **state)
{
	struct d_ras_event ev;
	char               buf[D_RAS_LINE_MAX];
	char               want[D_RAS_LINE_MAX];

	(void)state;
	make_full(&ev);
	assert_int_equal(ev.ev_flags, D_RAS_F_ALL);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want),
		 "&&& RAS EVENT id: [device_media_error] ts: [2021-11-21T08:32:31.000005-0500] "
		 "host: [wolf-112] type: [INFO] sev: [ERROR] "
		 "msg: [Device 0000:81:00.0 write error on target 3] pid: [42] tid: [7] " FULL_LINE_TAIL,
		 "inc: [63a058833280000]");
	assert_string_equal(buf, want);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want),
		 "id: [device_media_error] ts: [2021-11-21T08:32:31.000005-0500] "
		 "host: [wolf-112] type: [INFO] sev: [ERROR] "
		 "msg: [Device 0000:81:00.0 write error on target 3] pid: [42] tid: [7] " FULL_LINE_TAIL,
		 "incarnation: [448677195408736256]");
	assert_string_equal(buf, want);

	/* Clearing: NULL strings, D_RAS_NO_RANK, or the flag bit. */
	d_ras_event_set_hwid(&ev, NULL);
	d_ras_event_set_rank(&ev, D_RAS_NO_RANK);
	d_ras_event_set_jobid(&ev, NULL);
	d_ras_event_set_ctlop(&ev, NULL);
	d_ras_event_set_data(&ev, NULL);
	ev.ev_flags &= ~(D_RAS_F_INC | D_RAS_F_POOL | D_RAS_F_CONT);
	assert_int_equal(ev.ev_flags, D_RAS_F_PID | D_RAS_F_TID | D_RAS_F_HOST | D_RAS_F_OID);
	assert_int_equal(ev.ev_rank, 0);
	assert_string_equal(ev.ev_hwid, "");
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&&& RAS EVENT id: [device_media_error] "
				 "ts: [2021-11-21T08:32:31.000005-0500] host: [wolf-112] type: [INFO] "
				 "sev: [ERROR] msg: [Device 0000:81:00.0 write error on target 3] "
				 "pid: [42] tid: [7] objid: [1234.5678]");

	/* Rank 0 and incarnation 0 are values, not "unset"; u64 extremes print in full. */
	d_ras_event_set_rank(&ev, 0);
	d_ras_event_set_inc(&ev, 0);
	d_ras_event_set_oid(&ev, UINT64_MAX, 0);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "] tid: [7] rank: [0] inc: [0] objid: [18446744073709551615.0]"));
	d_ras_event_set_inc(&ev, UINT64_MAX);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, " incarnation: [18446744073709551615] "));
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, " inc: [ffffffffffffffff] "));

	/* Severity and type written by the caller override the catalogue. */
	ev.ev_sev  = RAS_SEV_WARNING;
	ev.ev_type = RAS_TYPE_STATE_CHANGE;
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, " type: [STATE_CHANGE] sev: [WARNING] "));
	ev.ev_sev = RAS_SEV_UNKNOWN;
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, " sev: [NOTICE] "));
}

static void
format_ts(int64_t sec, uint32_t usec, int32_t off, char *ts)
{
	struct d_ras_event ev;
	char               buf[D_RAS_LINE_MAX];
	char              *p;

	assert_int_equal(d_ras_event_init(&ev, RAS_UNKNOWN_EVENT, NULL), 0);
	assert_int_equal(d_ras_event_set_ts(&ev, sec, usec, off), 0);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf)), 0);
	p = strstr(buf, " ts: [");
	assert_non_null(p);
	memcpy(ts, p + 6, D_RAS_TS_SIZE - 1);
	ts[D_RAS_TS_SIZE - 1] = '\0';
	assert_int_equal(p[6 + D_RAS_TS_SIZE - 1], ']');
}

/* RAS05: timestamps: offsets both ways, leading-zero microseconds, date edges (invariant 3). */
static void
ras05_timestamps(void **state)
{
	struct d_ras_event ev;
	struct d_ras_event before;
	char               ts[D_RAS_TS_SIZE];
	char               buf[D_RAS_LINE_MAX];

	(void)state;
	format_ts(SEED_SEC, SEED_USEC, 0, ts);
	assert_string_equal(ts, "2021-11-21T13:32:31.747408+0000");
	format_ts(SEED_SEC, 42, -5 * 3600, ts);
	assert_string_equal(ts, "2021-11-21T08:32:31.000042-0500");
	format_ts(SEED_SEC, 0, 5 * 3600 + 30 * 60, ts);
	assert_string_equal(ts, "2021-11-21T19:02:31.000000+0530");
	format_ts(SEED_SEC, 999999, -(9 * 3600 + 30 * 60), ts);
	assert_string_equal(ts, "2021-11-21T04:02:31.999999-0930");
	/* Offset moves the local date across midnight and the year. */
	format_ts(1609466400LL /* 2021-01-01T02:00:00Z */, 7, -5 * 3600, ts);
	assert_string_equal(ts, "2020-12-31T21:00:00.000007-0500");
	format_ts(1609459199LL /* 2020-12-31T23:59:59Z */, 0, 45 * 60, ts);
	assert_string_equal(ts, "2021-01-01T00:44:59.000000+0045");
	/* Leap days, the epoch and the first moment before it. */
	format_ts(1709208000LL /* 2024-02-29T12:00:00Z */, 0, 0, ts);
	assert_string_equal(ts, "2024-02-29T12:00:00.000000+0000");
	format_ts(951825600LL /* 2000-02-29T12:00:00Z */, 0, 0, ts);
	assert_string_equal(ts, "2000-02-29T12:00:00.000000+0000");
	format_ts(0, 0, 0, ts);
	assert_string_equal(ts, "1970-01-01T00:00:00.000000+0000");
	format_ts(-1, 999999, 0, ts);
	assert_string_equal(ts, "1969-12-31T23:59:59.999999+0000");
	/* The ends of the range, years 0000 and 9999, and the widest offsets. */
	format_ts(-62167219200LL, 0, 0, ts);
	assert_string_equal(ts, "0000-01-01T00:00:00.000000+0000");
	format_ts(253402300799LL, 999999, 0, ts);
	assert_string_equal(ts, "9999-12-31T23:59:59.999999+0000");
	format_ts(253402300799LL + D_RAS_TZ_OFF_MAX, 0, -D_RAS_TZ_OFF_MAX, ts);
	assert_string_equal(ts, "9999-12-31T23:59:59.000000-2359");
	format_ts(-62167219200LL - D_RAS_TZ_OFF_MAX, 0, D_RAS_TZ_OFF_MAX, ts);
	assert_string_equal(ts, "0000-01-01T00:00:00.000000+2359");

	/* Refused: the event is left as it was. */
	assert_int_equal(d_ras_event_init(&ev, RAS_UNKNOWN_EVENT, NULL), 0);
	before = ev;
	assert_int_equal(d_ras_event_set_ts(&ev, SEED_SEC, 1000000, 0), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, SEED_SEC, 0, 30), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, SEED_SEC, 0, D_RAS_TZ_OFF_MAX + 60), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, SEED_SEC, 0, -D_RAS_TZ_OFF_MAX - 60), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, -62167219201LL, 0, 0), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, 253402300800LL, 0, 0), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, 253402300799LL, 0, 60), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, INT64_MAX, 0, D_RAS_TZ_OFF_MAX), -DER_INVAL);
	assert_int_equal(d_ras_event_set_ts(&ev, INT64_MIN, 0, -D_RAS_TZ_OFF_MAX), -DER_INVAL);
	assert_event_equal(&ev, &before);

	/* A timestamp broken by a direct write is refused by format, not printed. */
	ev.ev_ts_usec = 1000000;
	strcpy(buf, "canary");
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), -DER_INVAL);
	ev.ev_ts_usec = 0;
	ev.ev_ts_sec  = INT64_MAX;
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), -DER_INVAL);
}

/*
 * RAS06: the calendar agrees with libc's gmtime_r over a seeded spread of
 * instants and offsets, and every timestamp parses back to the same instant.
 */
static void
ras06_calendar_vs_libc(void **state)
{
	static const int32_t offs[] = {0, 60, -60, 3600, -3600, 19800, -34200, 45900, -43200,
				       D_RAS_TZ_OFF_MAX, -D_RAS_TZ_OFF_MAX};
	uint64_t             seed   = 0x5eed0001ULL;
	struct d_ras_event   ev;
	char                 ts[D_RAS_TS_SIZE];
	char                 want[64];
	struct tm            tm;
	int                  i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		int64_t  sec;
		int32_t  off;
		uint32_t usec;
		time_t   local;
		char    *json = NULL;
		char     err[256];
		struct d_ras_event back;

		/* 64-bit LCG (Knuth's MMIX constants): reproducible. */
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		sec  = (int64_t)(seed >> 20) % (253402300799LL + 62167219200LL) - 62167219200LL;
		off  = offs[(seed >> 8) % (sizeof(offs) / sizeof(offs[0]))];
		usec = (uint32_t)((seed >> 3) % 1000000);
		if (sec + off < -62167219200LL || sec + off > 253402300799LL)
			continue;
		format_ts(sec, usec, off, ts);

		local = (time_t)(sec + off);
		assert_non_null(gmtime_r(&local, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06u%c%02d%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, usec, off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60);
		assert_string_equal(ts, want);

		/* Parse back through JSON: the same instant and offset. */
		assert_int_equal(d_ras_event_init(&ev, RAS_UNKNOWN_EVENT, NULL), 0);
		assert_int_equal(d_ras_event_set_ts(&ev, sec, usec, off), 0);
		assert_int_equal(d_ras_event_to_json(&ev, &json), 0);
		assert_int_equal(d_ras_event_from_json(json, strlen(json), &back, err, sizeof(err)),
				 0);
		free(json);
		assert_true(back.ev_ts_sec == sec);
		assert_int_equal(back.ev_ts_usec, usec);
		assert_int_equal(back.ev_tz_off, off);
	}
}

/* RAS07: the overflow rule: cut at a character boundary, '$' last; sanitising (invariant 4). */
static void
ras07_overflow(void **state)
{
	struct d_ras_event ev;
	char               big[3000];
	char               want[D_RAS_DATA_MAX];

	(void)state;
	/* Message: 127 bytes fit; 128 and more become 126 + '$'. */
	memset(big, 'a', sizeof(big));
	big[127] = '\0';
	assert_int_equal(d_ras_event_init(&ev, RAS_ENGINE_DIED, big), 0);
	assert_int_equal(strlen(ev.ev_msg), 127);
	assert_int_equal(ev.ev_msg[126], 'a');
	big[127] = 'b';
	big[128] = '\0';
	d_ras_event_set_msg(&ev, big);
	assert_int_equal(strlen(ev.ev_msg), 127);
	assert_memory_equal(ev.ev_msg, big, 126);
	assert_int_equal(ev.ev_msg[126], '$');
	big[128] = 'a';
	big[200] = '\0';
	assert_int_equal(d_ras_event_init(&ev, RAS_ENGINE_DIED, big), 0);
	assert_int_equal(strlen(ev.ev_msg), 127);
	assert_int_equal(ev.ev_msg[126], '$');

	/* A two-byte character straddling the cut is dropped whole. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 125, "\xc3\xa9", 2); /* é at bytes 125-126 */
	big[200] = '\0';
	d_ras_event_set_msg(&ev, big);
	assert_int_equal(strlen(ev.ev_msg), 126);
	assert_int_equal(ev.ev_msg[124], 'a');
	assert_int_equal(ev.ev_msg[125], '$');
	/* ... and kept when it ends before the '$'. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 124, "\xc3\xa9", 2);
	big[200] = '\0';
	d_ras_event_set_msg(&ev, big);
	assert_int_equal(strlen(ev.ev_msg), 127);
	assert_memory_equal(ev.ev_msg + 124, "\xc3\xa9$", 3);

	/* The other string fields and their limits. */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	d_ras_event_set_host(&ev, big);
	d_ras_event_set_hwid(&ev, big);
	d_ras_event_set_jobid(&ev, big);
	d_ras_event_set_ctlop(&ev, big);
	d_ras_event_set_data(&ev, big);
	assert_int_equal(strlen(ev.ev_hostname), D_RAS_HOST_MAX - 1);
	assert_int_equal(ev.ev_hostname[D_RAS_HOST_MAX - 2], '$');
	assert_int_equal(strlen(ev.ev_hwid), D_RAS_HWID_MAX - 1);
	assert_int_equal(ev.ev_hwid[D_RAS_HWID_MAX - 2], '$');
	assert_int_equal(strlen(ev.ev_jobid), D_RAS_JOBID_MAX - 1);
	assert_int_equal(ev.ev_jobid[D_RAS_JOBID_MAX - 2], '$');
	assert_int_equal(strlen(ev.ev_ctlop), D_RAS_CTLOP_MAX - 1);
	assert_int_equal(ev.ev_ctlop[D_RAS_CTLOP_MAX - 2], '$');
	memset(want, 'x', sizeof(want));
	want[D_RAS_DATA_MAX - 2] = '$';
	want[D_RAS_DATA_MAX - 1] = '\0';
	assert_string_equal(ev.ev_data, want);
	/* Exactly the limit: no '$'. */
	big[D_RAS_DATA_MAX - 1] = '\0';
	d_ras_event_set_data(&ev, big);
	assert_int_equal(strlen(ev.ev_data), D_RAS_DATA_MAX - 1);
	assert_int_equal(ev.ev_data[D_RAS_DATA_MAX - 2], 'x');

	/* Control characters become spaces, invalid UTF-8 bytes '?', valid UTF-8 stays. */
	d_ras_event_set_msg(&ev, "a\nb\tc\rd\x7f" "e");
	assert_string_equal(ev.ev_msg, "a b c d e");
	d_ras_event_set_jobid(&ev, "\xff\xc3(\xed\xa0\x80|\xc0\xaf|\xf4\x90\x80\x80|\xe2\x82\xac");
	assert_string_equal(ev.ev_jobid, "\?\?(\?\?\?|\?\?|\?\?\?\?|\xe2\x82\xac");
	d_ras_event_set_data(&ev, "tail\xe2\x82"); /* truncated sequence at the end */
	assert_string_equal(ev.ev_data, "tail??");

	/* A shorter value after a longer one leaves no stale bytes (invariant 5). */
	d_ras_event_set_hwid(&ev, "short");
	assert_int_equal(ev.ev_hwid[6], '\0');
	/* A field handed its own contents stays as it is. */
	d_ras_event_set_hwid(&ev, ev.ev_hwid);
	assert_string_equal(ev.ev_hwid, "short");
	assert_int_equal(ev.ev_hwid[D_RAS_HWID_MAX - 1], '\0');
	assert_int_equal(ev.ev_hwid[D_RAS_HWID_MAX - 2], '\0');

	/* NULL message: the catalogue's text verbatim, never formatted. */
	assert_int_equal(d_ras_event_init(&ev, RAS_ENGINE_DIED, NULL), 0);
	assert_string_equal(ev.ev_msg, "DAOS engine %d exited unexpectedly: %s");
	d_ras_event_set_msg(&ev, "other");
	d_ras_event_set_msg(&ev, NULL);
	assert_string_equal(ev.ev_msg, "DAOS engine %d exited unexpectedly: %s");
	d_ras_event_set_msg(&ev, "");
	assert_string_equal(ev.ev_msg, "");
}

/* RAS08: -DER_TRUNC for every short buffer, never a write past it; bad arguments. */
static void
ras08_trunc(void **state)
{
	struct d_ras_event ev;
	char               full[D_RAS_LINE_MAX];
	char               buf[D_RAS_LINE_MAX + 16];
	size_t             need;
	size_t             len;
	int                form;

	(void)state;
	make_full(&ev);
	for (form = D_RAS_FORM_ENGINE; form <= D_RAS_FORM_CONTROL; form++) {
		assert_int_equal(d_ras_event_format(&ev, form, full, sizeof(full)), 0);
		need = strlen(full) + 1;
		for (len = 0; len < need; len++) {
			memset(buf, '#', sizeof(buf));
			assert_int_equal(d_ras_event_format(&ev, form, buf, len), -DER_TRUNC);
			if (len > 0)
				assert_int_equal(buf[0], '\0');
			else
				assert_int_equal(buf[0], '#');
			for (size_t i = len; i < sizeof(buf); i++)
				assert_int_equal(buf[i], '#');
		}
		memset(buf, '#', sizeof(buf));
		assert_int_equal(d_ras_event_format(&ev, form, buf, need), 0);
		assert_string_equal(buf, full);
		assert_int_equal(buf[need], '#');
	}

	assert_int_equal(d_ras_event_format(NULL, D_RAS_FORM_ENGINE, buf, sizeof(buf)), -DER_INVAL);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, NULL, 10), -DER_INVAL);
	assert_int_equal(d_ras_event_format(&ev, 2, buf, sizeof(buf)), -DER_INVAL);
	assert_int_equal(d_ras_event_format(&ev, -1, buf, sizeof(buf)), -DER_INVAL);
}

/* RAS09: JSON of an event with no optional field, exact, and its round trip. */
static void
ras09_json_minimal(void **state)
{
	struct d_ras_event ev;
	char              *json = NULL;

	(void)state;
	assert_int_equal(d_ras_event_init(&ev, RAS_ENGINE_DIED, "DAOS engine 1 exited unexpectedly: "
								"process exited with 0"),
			 0);
	assert_int_equal(d_ras_event_set_ts(&ev, SEED_SEC, 0, 19800), 0);
	d_ras_event_set_host(&ev, NULL);
	ev.ev_flags = 0;
	ev.ev_pid   = 0;
	ev.ev_tid   = 0;
	assert_int_equal(d_ras_event_to_json(&ev, &json), 0);
	assert_string_equal(json, "{\"id\":\"engine_died\",\"type\":\"STATE_CHANGE\","
				  "\"severity\":\"ERROR\","
				  "\"timestamp\":\"2021-11-21T19:02:31.000000+0530\","
				  "\"msg\":\"DAOS engine 1 exited unexpectedly: process exited with 0\"}");
	free(json);
	round_trip(&ev);

	/* The seed event, as made by init, and with special characters. */
	make_seed(&ev);
	round_trip(&ev);
	d_ras_event_set_msg(&ev, "quote \" backslash \\ slash / unicode \xe2\x82\xac \xf0\x9f\x98\x80");
	round_trip(&ev);
	assert_int_equal(d_ras_event_init(&ev, RAS_DEVICE_LED_SET, NULL), 0);
	round_trip(&ev);
}

/* RAS10: JSON of an event with every field, exact, and its round trip. */
static void
ras10_json_full(void **state)
{
	struct d_ras_event ev;
	struct d_ras_event back;
	char              *json = NULL;
	char               err[128];

	(void)state;
	make_full(&ev);
	assert_int_equal(d_ras_event_to_json(&ev, &json), 0);
	assert_string_equal(json, FULL_JSON);
	free(json);
	round_trip(&ev);

	/* Input order, upper-case UUIDs, INFO_ONLY and an alias id are accepted. */
	assert_int_equal(
	    d_ras_event_from_json(
		"{\"msg\":\"m\",\"pool_uuid\":\"2F1C0E4A-8D5B-4B0E-9A3E-6D7E5F4A3B2C\","
		"\"severity\":\"WARNING\",\"type\":\"INFO_ONLY\","
		"\"timestamp\":\"2021-11-21T13:32:31.747408+0000\","
		"\"id\":\"pool_durable_format_incompatible\"}",
		strlen("{\"msg\":\"m\",\"pool_uuid\":\"2F1C0E4A-8D5B-4B0E-9A3E-6D7E5F4A3B2C\","
		       "\"severity\":\"WARNING\",\"type\":\"INFO_ONLY\","
		       "\"timestamp\":\"2021-11-21T13:32:31.747408+0000\","
		       "\"id\":\"pool_durable_format_incompatible\"}"),
		&back, err, sizeof(err)),
	    0);
	assert_int_equal(back.ev_id, RAS_POOL_DURABLE_FORMAT_INCOMPAT);
	assert_string_equal(back.ev_id_str, "pool_durable_format_incompat");
	assert_int_equal(back.ev_type, RAS_TYPE_INFO);
	assert_int_equal(back.ev_sev, RAS_SEV_WARNING);
	assert_int_equal(back.ev_flags, D_RAS_F_POOL);
	assert_memory_equal(back.ev_pool, ev.ev_pool, sizeof(uuid_t));
	assert_true(back.ev_ts_sec == SEED_SEC);
	assert_int_equal(back.ev_ts_usec, SEED_USEC);
	assert_int_equal(back.ev_tz_off, 0);
	assert_int_equal(d_ras_event_to_json(&back, &json), 0);
	assert_non_null(strstr(json, "\"pool_uuid\":\"" POOL_STR "\""));
	assert_non_null(strstr(json, "\"type\":\"INFO\""));
	free(json);

	/* An offset written -0000 reads as +0000. */
	{
		const char *z = "{\"id\":\"engine_died\",\"type\":\"INFO\",\"severity\":\"ERROR\","
				"\"timestamp\":\"2021-11-21T13:32:31.000001-0000\",\"msg\":\"\"}";

		assert_int_equal(d_ras_event_from_json(z, strlen(z), &back, err, sizeof(err)), 0);
		assert_true(back.ev_ts_sec == SEED_SEC);
		assert_int_equal(back.ev_ts_usec, 1);
		assert_int_equal(back.ev_tz_off, 0);
		assert_int_equal(back.ev_flags, 0);
		assert_string_equal(back.ev_msg, "");
	}

	/* No NUL needed after the input: only len bytes are read. */
	{
		size_t n   = strlen(FULL_JSON);
		char  *raw = malloc(n);

		assert_non_null(raw);
		memcpy(raw, FULL_JSON, n);
		assert_int_equal(d_ras_event_from_json(raw, n, &back, err, sizeof(err)), 0);
		assert_event_equal(&ev, &back);
		free(raw);
	}
}

/* RAS11: maximal fields (with characters JSON must escape) round-trip and fit the limits. */
static void
ras11_json_max(void **state)
{
	struct d_ras_event ev;
	char               big[3000];
	char               line[D_RAS_LINE_MAX];
	size_t             len;
	int                i;

	(void)state;
	for (i = 0; i < 2; i++) {
		make_full(&ev);
		/* Pass 0: all '"' (each escaped to two bytes); pass 1: 3-byte characters. */
		if (i == 0) {
			memset(big, '"', sizeof(big));
			big[sizeof(big) - 1] = '\0';
		} else {
			for (size_t j = 0; j + 3 < sizeof(big); j += 3)
				memcpy(big + j, "\xe2\x82\xac", 3);
			big[sizeof(big) - 3] = '\0';
		}
		d_ras_event_set_msg(&ev, big);
		d_ras_event_set_host(&ev, big);
		d_ras_event_set_hwid(&ev, big);
		d_ras_event_set_jobid(&ev, big);
		d_ras_event_set_ctlop(&ev, big);
		d_ras_event_set_data(&ev, big);
		d_ras_event_set_rank(&ev, D_RAS_NO_RANK - 1);
		d_ras_event_set_inc(&ev, UINT64_MAX);
		d_ras_event_set_oid(&ev, UINT64_MAX, UINT64_MAX);
		assert_int_equal(d_ras_event_set_pid(&ev, INT32_MAX), 0);
		assert_int_equal(d_ras_event_set_tid(&ev, INT32_MAX), 0);
		assert_int_equal(d_ras_event_set_ts(&ev, -62167219200LL - D_RAS_TZ_OFF_MAX, 999999,
						    D_RAS_TZ_OFF_MAX),
				 0);
		len = round_trip(&ev);
		assert_true(len < D_RAS_JSON_MAX / 2);
		assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, line, sizeof(line)), 0);
		assert_true(strlen(line) < D_RAS_LINE_MAX * 3 / 4);
		assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_CONTROL, line, sizeof(line)), 0);
		assert_non_null(strstr(line, " rank: [4294967294] incarnation: [18446744073709551615] "));
	}
}

/* The valid base of the bad-JSON cases, without its closing brace. */
#define BASE                                                                                       \
	"{\"id\":\"swim_rank_dead\",\"type\":\"STATE_CHANGE\",\"severity\":\"NOTICE\","            \
	"\"timestamp\":\"2021-11-21T13:32:31.747408+0000\",\"msg\":\"m\""

/* Parse @json, expect -DER_INVAL with exactly @want, and @ev untouched. */
static void
expect_bad_n(const char *json, size_t len, const char *want)
{
	struct d_ras_event ev;
	struct d_ras_event canary;
	char               err[256];
	int                rc;

	memset(&ev, 0xa5, sizeof(ev));
	memset(&canary, 0xa5, sizeof(canary));
	strcpy(err, "untouched");
	rc = d_ras_event_from_json(json, len, &ev, err, sizeof(err));
	if (rc != -DER_INVAL || strcmp(err, want) != 0)
		print_error("input: %.*s\n", (int)(len > 200 ? 200 : len), json ? json : "(null)");
	assert_int_equal(rc, -DER_INVAL);
	assert_string_equal(err, want);
	assert_memory_equal(&ev, &canary, sizeof(ev));
}

static void
expect_bad(const char *json, const char *want)
{
	expect_bad_n(json, strlen(json), want);
}

/* RAS12: malformed JSON, wrong top level, unknown, duplicate and missing keys. */
static void
ras12_bad_json_shape(void **state)
{
	struct d_ras_event ev;
	char              *huge;
	char               err[256];

	(void)state;
	/* The base itself is fine. */
	assert_int_equal(d_ras_event_from_json(BASE "}", strlen(BASE "}"), &ev, err, sizeof(err)),
			 0);

	expect_bad("", "ras: invalid JSON at line 1 column 0: '[' or '{' expected near end of file");
	expect_bad("{\"id\":", "ras: invalid JSON at line 1 column 6: unexpected token near end of "
			       "file");
	expect_bad(BASE "} x", "ras: invalid JSON at line 1 column 123: end of file expected near 'x'");
	expect_bad("1", "ras: invalid JSON at line 1 column 1: '[' or '{' expected near '1'");
	expect_bad(BASE ",\"msg\":\"n\"}",
		   "ras: invalid JSON at line 1 column 126: duplicate object key near '\"msg\"'");
	expect_bad("[]", "ras: JSON top level must be an object");
	expect_bad("[" BASE "}]", "ras: JSON top level must be an object");
	expect_bad(BASE ",\"foo\":1}", "ras: unknown field 'foo'");
	expect_bad(BASE ",\"Rank\":1}", "ras: unknown field 'Rank'");
	expect_bad(BASE ",\"\":1}", "ras: unknown field ''");
	expect_bad(BASE ",\"r\\u00e9\\n\":1}", "ras: unknown field 'r\?\?\?'");
	expect_bad("{}", "ras: missing field 'id'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"severity\":\"NOTICE\","
		   "\"timestamp\":\"2021-11-21T13:32:31.747408+0000\",\"msg\":\"m\"}",
		   "ras: missing field 'type'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"type\":\"INFO\","
		   "\"timestamp\":\"2021-11-21T13:32:31.747408+0000\",\"msg\":\"m\"}",
		   "ras: missing field 'severity'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"type\":\"INFO\",\"severity\":\"NOTICE\","
		   "\"msg\":\"m\"}",
		   "ras: missing field 'timestamp'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"type\":\"INFO\",\"severity\":\"NOTICE\","
		   "\"timestamp\":\"2021-11-21T13:32:31.747408+0000\"}",
		   "ras: missing field 'msg'");

	/* Length bound, checked before parsing; len counts, not the NUL. */
	huge = malloc(D_RAS_JSON_MAX + 2);
	assert_non_null(huge);
	memset(huge, ' ', D_RAS_JSON_MAX + 1);
	huge[D_RAS_JSON_MAX + 1] = '\0';
	memcpy(huge, BASE "}", strlen(BASE "}"));
	assert_int_equal(d_ras_event_from_json(huge, D_RAS_JSON_MAX, &ev, err, sizeof(err)), 0);
	expect_bad_n(huge, D_RAS_JSON_MAX + 1,
		     "ras: JSON input of 16385 bytes exceeds the limit of 16384 bytes");
	expect_bad_n(BASE "}", strlen(BASE "}") - 1,
		     "ras: invalid JSON at line 1 column 120: '}' expected near end of file");
	free(huge);

	/* NUL arguments. */
	expect_bad_n(NULL, 0, "ras: no JSON input");
	assert_int_equal(d_ras_event_from_json(BASE "}", strlen(BASE "}"), NULL, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "ras: no event");
	/* No error buffer, and a short one (cut, NUL-terminated). */
	assert_int_equal(d_ras_event_from_json("[]", 2, &ev, NULL, 0), -DER_INVAL);
	memset(err, '#', sizeof(err));
	assert_int_equal(d_ras_event_from_json("[]", 2, &ev, err, 10), -DER_INVAL);
	assert_string_equal(err, "ras: JSON");
	assert_int_equal(err[10], '#');
}

/* RAS13: wrong value types and out-of-range integers, with the exact reason. */
static void
ras13_bad_json_types(void **state)
{
	(void)state;
	expect_bad("{\"id\":1}", "ras: field 'id' must be a string");
	expect_bad(BASE ",\"hostname\":[\"x\"]}", "ras: field 'hostname' must be a string");
	expect_bad(BASE ",\"data\":{}}", "ras: field 'data' must be a string");
	expect_bad(BASE ",\"hw_id\":null}", "ras: field 'hw_id' must be a string");
	expect_bad(BASE ",\"job_id\":true}", "ras: field 'job_id' must be a string");
	expect_bad(BASE ",\"incarnation\":5}", "ras: field 'incarnation' must be a string");
	expect_bad(BASE ",\"object_id\":1.5}", "ras: field 'object_id' must be a string");
	expect_bad(BASE ",\"pool_uuid\":7}", "ras: field 'pool_uuid' must be a string");
	expect_bad("{\"timestamp\":1637501551}", "ras: field 'timestamp' must be a string");
	expect_bad("{\"type\":1}", "ras: field 'type' must be a string");
	expect_bad("{\"severity\":3}", "ras: field 'severity' must be a string");

	expect_bad(BASE ",\"rank\":\"6\"}", "ras: field 'rank' must be an integer in [0, 4294967294]");
	expect_bad(BASE ",\"rank\":6.0}", "ras: field 'rank' must be an integer in [0, 4294967294]");
	expect_bad(BASE ",\"rank\":-1}", "ras: field 'rank' must be an integer in [0, 4294967294]");
	expect_bad(BASE ",\"rank\":4294967295}",
		   "ras: field 'rank' must be an integer in [0, 4294967294]");
	expect_bad(BASE ",\"rank\":null}", "ras: field 'rank' must be an integer in [0, 4294967294]");
	expect_bad(BASE ",\"pid\":-1}", "ras: field 'pid' must be an integer in [0, 2147483647]");
	expect_bad(BASE ",\"pid\":2147483648}",
		   "ras: field 'pid' must be an integer in [0, 2147483647]");
	expect_bad(BASE ",\"tid\":\"1\"}", "ras: field 'tid' must be an integer in [0, 2147483647]");
	expect_bad(BASE ",\"tid\":9223372036854775807}",
		   "ras: field 'tid' must be an integer in [0, 2147483647]");
	expect_bad(BASE ",\"tid\":18446744073709551615}",
		   "ras: invalid JSON at line 1 column 147: too big integer near "
		   "'18446744073709551615'");
	expect_bad(BASE ",\"rank\":07}", "ras: invalid JSON at line 1 column 129: invalid token "
					"near '0'");
}

/* RAS14: unknown id, type and severity strings; string limits and control characters. */
static void
ras14_bad_json_values(void **state)
{
	char json[4096];
	char want[256];

	(void)state;
	expect_bad("{\"id\":\"foo\"}", "ras: unknown event id 'foo'");
	expect_bad("{\"id\":\"\"}", "ras: unknown event id ''");
	expect_bad("{\"id\":\"SWIM_RANK_DEAD\"}", "ras: unknown event id 'SWIM_RANK_DEAD'");
	expect_bad("{\"id\":\"swim_rank_dead \"}", "ras: unknown event id 'swim_rank_dead '");
	expect_bad("{\"id\":\"\\u00e9\\n\"}", "ras: unknown event id '\?\?\?'");
	/* A long id is echoed cut, with "...". */
	snprintf(json, sizeof(json), "{\"id\":\"%0100d\"}", 7);
	snprintf(want, sizeof(want), "ras: unknown event id '%064d...'", 0);
	expect_bad(json, want);

	expect_bad("{\"id\":\"swim_rank_dead\",\"type\":\"ANY\"}", "ras: unknown event type 'ANY'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"type\":\"info\"}", "ras: unknown event type 'info'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"type\":\"\"}", "ras: unknown event type ''");
	expect_bad("{\"id\":\"swim_rank_dead\",\"severity\":\"notice\"}",
		   "ras: unknown severity 'notice'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"severity\":\"UNKNOWN\"}",
		   "ras: unknown severity 'UNKNOWN'");
	expect_bad("{\"id\":\"swim_rank_dead\",\"severity\":\"ERR\"}", "ras: unknown severity 'ERR'");

	/* Strings one byte over their limit are refused, not cut. */
	snprintf(json, sizeof(json), BASE ",\"hw_id\":\"%0128d\"}", 0);
	expect_bad(json, "ras: field 'hw_id' is longer than 127 bytes");
	snprintf(json, sizeof(json), "{\"msg\":\"%0128d\"}", 0);
	expect_bad(json, "ras: field 'msg' is longer than 127 bytes");
	snprintf(json, sizeof(json), BASE ",\"hostname\":\"%0256d\"}", 0);
	expect_bad(json, "ras: field 'hostname' is longer than 255 bytes");
	snprintf(json, sizeof(json), BASE ",\"job_id\":\"%0128d\"}", 0);
	expect_bad(json, "ras: field 'job_id' is longer than 127 bytes");
	snprintf(json, sizeof(json), BASE ",\"ctl_op\":\"%0128d\"}", 0);
	expect_bad(json, "ras: field 'ctl_op' is longer than 127 bytes");
	snprintf(json, sizeof(json), BASE ",\"data\":\"%01024d\"}", 0);
	expect_bad(json, "ras: field 'data' is longer than 1023 bytes");
	/* Escapes count decoded: 127 two-byte characters are 254 bytes. */
	json[0] = '\0';
	strcat(json, BASE ",\"ctl_op\":\"");
	for (int i = 0; i < 64; i++)
		strcat(json, "\\u00e9");
	strcat(json, "\"}");
	expect_bad(json, "ras: field 'ctl_op' is longer than 127 bytes");

	expect_bad(BASE ",\"data\":\"a\\nb\"}", "ras: field 'data' contains a control character");
	expect_bad(BASE ",\"hostname\":\"\\u007f\"}",
		   "ras: field 'hostname' contains a control character");
	expect_bad("{\"msg\":\"\\t\"}", "ras: field 'msg' contains a control character");
	expect_bad(BASE ",\"data\":\"a\\u0000b\"}",
		   "ras: invalid JSON at line 1 column 138: \\u0000 is not allowed without "
		   "JSON_ALLOW_NUL near '\"a\\u0000b\"'");
	expect_bad(BASE ",\"data\":\"\xff\"}",
		   "ras: invalid JSON at line 1 column 129: unable to decode byte 0xff near '\"'");
	expect_bad(BASE ",\"data\":\"\\ud800\"}",
		   "ras: invalid JSON at line 1 column 136: invalid Unicode '\\uD800' near "
		   "'\"\\ud800\"'");
}

/* RAS15: timestamps, UUIDs, incarnation and object id strings that do not parse. */
static void
ras15_bad_json_formats(void **state)
{
	static const struct {
		const char *ts;
		const char *why;
	} bad_ts[] = {
	    {"", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21T13:32:31.747408", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21T13:32:31.747408Z", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21T13:32:31.747408+00:00", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21 13:32:31.747408+0000", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21T13:32:31,747408+0000", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21T13:32:31.74740+00000", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-2lT13:32:31.747408+0000", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21T13:32:31.7474 8+0000", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-11-21T13:32:31.747408+-100", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"+021-11-21T13:32:31.747408+0000", "expected YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm"},
	    {"2021-00-21T13:32:31.747408+0000", "month out of range"},
	    {"2021-13-21T13:32:31.747408+0000", "month out of range"},
	    {"2021-11-00T13:32:31.747408+0000", "day out of range"},
	    {"2021-11-31T13:32:31.747408+0000", "day out of range"},
	    {"2021-02-29T13:32:31.747408+0000", "day out of range"},
	    {"1900-02-29T13:32:31.747408+0000", "day out of range"},
	    {"2021-11-21T24:00:00.000000+0000", "time of day out of range"},
	    {"2021-11-21T13:60:31.747408+0000", "time of day out of range"},
	    {"2021-11-21T13:32:60.747408+0000", "time of day out of range"},
	    {"2021-11-21T13:32:31.747408+2400", "UTC offset out of range"},
	    {"2021-11-21T13:32:31.747408-0060", "UTC offset out of range"},
	};
	static const char *bad_uuid[] = {
	    "",
	    "xyz",
	    "2f1c0e4a-8d5b-4b0e-9a3e-6d7e5f4a3b2",
	    "2f1c0e4a-8d5b-4b0e-9a3e-6d7e5f4a3b2cd",
	    "2f1c0e4a-8d5b-4b0e-9a3e-6d7e5f4a3b2g",
	    "2f1c0e4a8d5b-4b0e-9a3e-6d7e5f4a3b2c0",
	    "{2f1c0e4a-8d5b-4b0e-9a3e-6d7e5f4a3b}",
	};
	static const char *bad_u64[] = {
	    "", "-1", "+1", "01", " 1", "1 ", "0x10", "12a", "18446744073709551616",
	    "99999999999999999999", "100000000000000000000",
	};
	static const char *bad_oid[] = {
	    "", "1", "1.", ".1", "1.2.3", "a.b", "1.-2", "01.2", "1.02", "18446744073709551616.0",
	    "0.18446744073709551616", "1:2",
	};
	char   json[512];
	char   want[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_ts) / sizeof(bad_ts[0]); i++) {
		snprintf(json, sizeof(json), "{\"timestamp\":\"%s\"}", bad_ts[i].ts);
		snprintf(want, sizeof(want), "ras: malformed timestamp '%s': %s", bad_ts[i].ts,
			 bad_ts[i].why);
		expect_bad(json, want);
	}
	for (i = 0; i < sizeof(bad_uuid) / sizeof(bad_uuid[0]); i++) {
		snprintf(json, sizeof(json), BASE ",\"cont_uuid\":\"%s\"}", bad_uuid[i]);
		snprintf(want, sizeof(want), "ras: field 'cont_uuid' is not a valid UUID: '%s'",
			 bad_uuid[i]);
		expect_bad(json, want);
	}
	for (i = 0; i < sizeof(bad_u64) / sizeof(bad_u64[0]); i++) {
		snprintf(json, sizeof(json), BASE ",\"incarnation\":\"%s\"}", bad_u64[i]);
		snprintf(want, sizeof(want),
			 "ras: field 'incarnation' must be a decimal integer in "
			 "[0, 18446744073709551615], got '%s'",
			 bad_u64[i]);
		expect_bad(json, want);
	}
	for (i = 0; i < sizeof(bad_oid) / sizeof(bad_oid[0]); i++) {
		snprintf(json, sizeof(json), BASE ",\"object_id\":\"%s\"}", bad_oid[i]);
		snprintf(want, sizeof(want),
			 "ras: field 'object_id' must be \"<hi>.<lo>\" with decimal u64 halves, "
			 "got '%s'",
			 bad_oid[i]);
		expect_bad(json, want);
	}
}

/* RAS16: to_json refuses an event that would not parse back; its output stays untouched. */
static void
ras16_to_json_invalid(void **state)
{
	struct d_ras_event good;
	struct d_ras_event ev;
	char              *json = (char *)"untouched";
	int                i;

	(void)state;
	make_full(&good);
	for (i = 0;; i++) {
		ev = good;
		switch (i) {
		case 0: ev.ev_id = RAS_EVENT_NR; break;
		case 1: strcpy(ev.ev_id_str, "engine_died"); break;
		case 2: memset(ev.ev_id_str, 'a', sizeof(ev.ev_id_str)); break;
		case 3: ev.ev_type = RAS_TYPE_ANY; break;
		case 4: ev.ev_sev = RAS_SEV_UNKNOWN; break;
		case 5: ev.ev_ts_usec = 1000000; break;
		case 6: ev.ev_tz_off = 61; break;
		case 7: ev.ev_flags |= 1U << 12; break;
		case 8: memset(ev.ev_msg, 'a', sizeof(ev.ev_msg)); break;
		case 9: strcpy(ev.ev_msg, "bad\xff"); break;
		case 10: strcpy(ev.ev_data, "new\nline"); break;
		case 11: memset(ev.ev_hostname, 'h', sizeof(ev.ev_hostname)); break;
		case 12: strcpy(ev.ev_hwid, "\xc0\xaf"); break;
		case 13: strcpy(ev.ev_jobid, "\x1b[31m"); break;
		case 14: memset(ev.ev_ctlop, 'c', sizeof(ev.ev_ctlop)); break;
		case 15: ev.ev_rank = D_RAS_NO_RANK; break;
		case 16: ev.ev_pid = -1; break;
		case 17: ev.ev_tid = INT32_MIN; break;
		default: goto done;
		}
		assert_int_equal(d_ras_event_to_json(&ev, &json), -DER_INVAL);
		assert_string_equal(json, "untouched");
	}
done:
	/* Fields without their flag are not looked at. */
	ev = good;
	ev.ev_flags &= ~(D_RAS_F_DATA | D_RAS_F_RANK);
	strcpy(ev.ev_data, "new\nline");
	ev.ev_rank = D_RAS_NO_RANK;
	assert_int_equal(d_ras_event_to_json(&ev, &json), 0);
	assert_null(strstr(json, "\"data\""));
	assert_null(strstr(json, "\"rank\""));
	free(json);

	assert_int_equal(d_ras_event_to_json(NULL, &json), -DER_INVAL);
	assert_int_equal(d_ras_event_to_json(&good, NULL), -DER_INVAL);
	/* Negative pid/tid are refused by the setters too. */
	assert_int_equal(d_ras_event_set_pid(&ev, -1), -DER_INVAL);
	assert_int_equal(d_ras_event_set_tid(&ev, -5), -DER_INVAL);
	assert_int_equal(ev.ev_pid, good.ev_pid);
	assert_int_equal(ev.ev_tid, good.ev_tid);
}

/* RAS17: init fills id, type, severity, hostname, pid, tid, the time and the local offset. */
static void
ras17_init(void **state)
{
	struct d_ras_event ev;
	struct timespec    t0;
	struct timespec    t1;
	struct tm          tm;
	char               host[D_RAS_HOST_MAX];
	long               off;

	(void)state;
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &t0), 0);
	assert_int_equal(d_ras_event_init(&ev, RAS_SWIM_RANK_DEAD, NULL), 0);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &t1), 0);

	assert_int_equal(ev.ev_id, RAS_SWIM_RANK_DEAD);
	assert_string_equal(ev.ev_id_str, "swim_rank_dead");
	assert_int_equal(ev.ev_type, RAS_TYPE_STATE_CHANGE);
	assert_int_equal(ev.ev_sev, RAS_SEV_NOTICE);
	assert_string_equal(ev.ev_msg, "SWIM rank marked as dead.");
	assert_int_equal(ev.ev_flags, D_RAS_F_HOST | D_RAS_F_PID | D_RAS_F_TID);
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	assert_string_equal(ev.ev_hostname, host);
	assert_int_equal(ev.ev_pid, getpid());
	assert_int_equal(ev.ev_tid, gettid());
	assert_true(ev.ev_ts_usec < 1000000);
	assert_true((ev.ev_ts_sec > t0.tv_sec ||
		     (ev.ev_ts_sec == t0.tv_sec && ev.ev_ts_usec >= t0.tv_nsec / 1000)));
	assert_true((ev.ev_ts_sec < t1.tv_sec ||
		     (ev.ev_ts_sec == t1.tv_sec && ev.ev_ts_usec <= t1.tv_nsec / 1000)));
	assert_non_null(localtime_r(&t0.tv_sec, &tm));
	off = tm.tm_gmtoff - tm.tm_gmtoff % 60;
	assert_int_equal(ev.ev_tz_off, off);
	assert_int_equal(ev.ev_rank, 0);
	assert_true(ev.ev_inc == 0);
	round_trip(&ev);

	assert_int_equal(d_ras_event_init(NULL, RAS_SWIM_RANK_DEAD, NULL), -DER_INVAL);
	assert_int_equal(d_ras_event_init(&ev, RAS_EVENT_NR, NULL), -DER_INVAL);
	assert_int_equal(d_ras_event_init(&ev, (enum d_ras_event_id)-1, NULL), -DER_INVAL);
}

/* RAS18: the offset is the process's local one at init; printing ignores the current TZ. */
static void
ras18_timezone(void **state)
{
	struct d_ras_event ev;
	char              *saved = getenv("TZ");
	char              *copy  = saved ? strdup(saved) : NULL;
	char               a[D_RAS_LINE_MAX];
	char               b[D_RAS_LINE_MAX];

	(void)state;
	assert_true(saved == NULL || copy != NULL);
	/* POSIX TZ strings: no tz database needed. */
	assert_int_equal(setenv("TZ", "IST-5:30", 1), 0);
	tzset();
	assert_int_equal(d_ras_event_init(&ev, RAS_ENGINE_CLOCK_DRIFT, NULL), 0);
	assert_int_equal(ev.ev_tz_off, 19800);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, a, sizeof(a)), 0);
	assert_non_null(strstr(a, "+0530] host: ["));

	assert_int_equal(setenv("TZ", "EST5", 1), 0);
	tzset();
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, b, sizeof(b)), 0);
	assert_string_equal(a, b);
	assert_int_equal(d_ras_event_init(&ev, RAS_ENGINE_CLOCK_DRIFT, NULL), 0);
	assert_int_equal(ev.ev_tz_off, -18000);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, b, sizeof(b)), 0);
	assert_non_null(strstr(b, "-0500] host: ["));

	/* An offset with seconds (historic zones) is cut to whole minutes. */
	assert_int_equal(setenv("TZ", "LMT-0:19:32", 1), 0);
	tzset();
	assert_int_equal(d_ras_event_init(&ev, RAS_ENGINE_CLOCK_DRIFT, NULL), 0);
	assert_int_equal(ev.ev_tz_off, 19 * 60);

	if (copy != NULL)
		assert_int_equal(setenv("TZ", copy, 1), 0);
	else
		assert_int_equal(unsetenv("TZ"), 0);
	tzset();
	free(copy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ras01_catalogue),       cmocka_unit_test(ras02_seed_line),
	    cmocka_unit_test(ras03_control_form),    cmocka_unit_test(ras04_optional_fields),
	    cmocka_unit_test(ras05_timestamps),      cmocka_unit_test(ras06_calendar_vs_libc),
	    cmocka_unit_test(ras07_overflow),        cmocka_unit_test(ras08_trunc),
	    cmocka_unit_test(ras09_json_minimal),    cmocka_unit_test(ras10_json_full),
	    cmocka_unit_test(ras11_json_max),        cmocka_unit_test(ras12_bad_json_shape),
	    cmocka_unit_test(ras13_bad_json_types),  cmocka_unit_test(ras14_bad_json_values),
	    cmocka_unit_test(ras15_bad_json_formats), cmocka_unit_test(ras16_to_json_invalid),
	    cmocka_unit_test(ras17_init),            cmocka_unit_test(ras18_timezone),
	};

	return cmocka_run_group_tests_name("ras", tests, NULL, NULL);
}
