/*
 * test_telemetry.c: telemetry in shared memory (src/gurt/telemetry.c,
 * tm_reader.c, tm_export.c; layout invariants in tm_internal.h).
 *
 * Every test takes its SysV keys from key_new() (derived from the pid) and
 * its handles from seg_new()/rd_new(); the teardown removes every segment and
 * frees every handle, also when a test fails half-way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <daos_errno.h>

#include "gurt/telemetry.h"
#include "gurt/tm_internal.h"

#define NODE_SZ  sizeof(struct d_tm_node)
#define HDR_SZ   sizeof(struct d_tm_shm_hdr)
#define SEG_SIZE (64 * 1024)
#define UUID1    "11111111-2222-3333-4444-555555555555"

/* ---- resources, released by the teardown ---- */

#define RES_MAX 32
static key_t               tm_keys[RES_MAX];
static int                 tm_nkeys;
static unsigned int        tm_key_seq;
static struct d_tm_seg    *tm_segs[RES_MAX];
static struct d_tm_reader *tm_rds[RES_MAX];
static void               *tm_raw[RES_MAX]; /* shmat'ed raw segments */

static void
key_rm(key_t key)
{
	int id = shmget(key, 0, 0);

	if (id >= 0)
		shmctl(id, IPC_RMID, NULL);
}

/* A key of this process, not used before in this run. */
static key_t
key_new(void)
{
	key_t key = (key_t)(0x5a000000u | ((unsigned)(getpid() & 0xffff) << 8) |
			    (++tm_key_seq & 0xff));

	assert_true(tm_nkeys < RES_MAX);
	key_rm(key); /* a leftover of a crashed earlier run with the same pid */
	tm_keys[tm_nkeys++] = key;
	return key;
}

static struct d_tm_seg *
seg_new(key_t key, size_t size)
{
	struct d_tm_seg *seg = NULL;

	assert_int_equal(d_tm_seg_create(key, size, &seg), 0);
	for (int i = 0; i < RES_MAX; i++)
		if (tm_segs[i] == NULL) {
			tm_segs[i] = seg;
			return seg;
		}
	fail();
	return NULL;
}

static void
seg_close(struct d_tm_seg *seg, bool remove)
{
	for (int i = 0; i < RES_MAX; i++)
		if (tm_segs[i] == seg)
			tm_segs[i] = NULL;
	d_tm_seg_destroy(seg, remove);
}

static struct d_tm_reader *
rd_new(key_t key)
{
	struct d_tm_reader *r = NULL;

	assert_int_equal(d_tm_reader_open(key, &r), 0);
	for (int i = 0; i < RES_MAX; i++)
		if (tm_rds[i] == NULL) {
			tm_rds[i] = r;
			return r;
		}
	fail();
	return NULL;
}

static void
rd_close(struct d_tm_reader *r)
{
	for (int i = 0; i < RES_MAX; i++)
		if (tm_rds[i] == r)
			tm_rds[i] = NULL;
	d_tm_reader_close(r);
}

/* A raw segment of \a size for \a key, attached read-write. */
static char *
raw_new(key_t key, size_t size)
{
	int   id = shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
	void *p;

	assert_true(id >= 0);
	p = shmat(id, NULL, 0);
	assert_true(p != (void *)-1);
	for (int i = 0; i < RES_MAX; i++)
		if (tm_raw[i] == NULL) {
			tm_raw[i] = p;
			return p;
		}
	fail();
	return NULL;
}

/* Attach the producer's segment of \a key read-write (test only). */
static char *
raw_attach(key_t key)
{
	int   id = shmget(key, 0, 0);
	void *p;

	assert_true(id >= 0);
	p = shmat(id, NULL, 0);
	assert_true(p != (void *)-1);
	for (int i = 0; i < RES_MAX; i++)
		if (tm_raw[i] == NULL) {
			tm_raw[i] = p;
			return p;
		}
	fail();
	return NULL;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < RES_MAX; i++) {
		if (tm_rds[i] != NULL)
			d_tm_reader_close(tm_rds[i]);
		if (tm_segs[i] != NULL)
			d_tm_seg_destroy(tm_segs[i], true);
		if (tm_raw[i] != NULL)
			shmdt(tm_raw[i]);
		tm_rds[i] = NULL;
		tm_segs[i] = NULL;
		tm_raw[i]  = NULL;
	}
	for (int i = 0; i < tm_nkeys; i++)
		key_rm(tm_keys[i]);
	tm_nkeys = 0;
	return 0;
}

/* ---- walk collection ---- */

#define COLL_MAX 64
struct coll_item {
	char     ci_path[D_TM_PATH_MAX];
	char     ci_desc[D_TM_DESC_MAX];
	char     ci_units[D_TM_UNITS_MAX];
	int      ci_type;
	uint64_t ci_value, ci_min, ci_max, ci_sum, ci_samples;
	double   ci_mean, ci_stddev, ci_sumsq;
};
struct coll {
	int              c_nr;
	int              c_stop_at; /* return 42 at this item; 0 = never */
	struct coll_item c_items[COLL_MAX];
};

static int
coll_cb(const struct d_tm_sample *s, void *arg)
{
	struct coll      *c = arg;
	struct coll_item *it;

	if (c->c_nr >= COLL_MAX)
		return -1;
	it = &c->c_items[c->c_nr++];
	snprintf(it->ci_path, sizeof(it->ci_path), "%s", s->ts_path);
	snprintf(it->ci_desc, sizeof(it->ci_desc), "%s", s->ts_desc);
	snprintf(it->ci_units, sizeof(it->ci_units), "%s", s->ts_units);
	it->ci_type    = s->ts_type;
	it->ci_value   = s->ts_value;
	it->ci_min     = s->ts_min;
	it->ci_max     = s->ts_max;
	it->ci_sum     = s->ts_sum;
	it->ci_samples = s->ts_samples;
	it->ci_mean    = s->ts_mean;
	it->ci_stddev  = s->ts_stddev;
	it->ci_sumsq   = s->ts_sumsquares;
	return c->c_nr == c->c_stop_at ? 42 : 0;
}

static const struct coll_item *
coll_find(const struct coll *c, const char *path)
{
	for (int i = 0; i < c->c_nr; i++)
		if (strcmp(c->c_items[i].ci_path, path) == 0)
			return &c->c_items[i];
	return NULL;
}

static int
walk(struct d_tm_reader *r, const char *sub, struct coll *c)
{
	memset(c, 0, sizeof(*c));
	return d_tm_walk(r, sub, coll_cb, c);
}

/* Compare \a got with \a want line by line, so a failure names the line. */
static void
text_equal(const char *got, const char *want)
{
	int line = 1;

	while (*got != '\0' || *want != '\0') {
		const char *ge = strchr(got, '\n');
		const char *we = strchr(want, '\n');
		char        gl[512];
		char        wl[512];

		snprintf(gl, sizeof(gl), "%d: %.*s", line,
			 (int)(ge != NULL ? ge - got : (ptrdiff_t)strlen(got)), got);
		snprintf(wl, sizeof(wl), "%d: %.*s", line,
			 (int)(we != NULL ? we - want : (ptrdiff_t)strlen(want)), want);
		assert_string_equal(gl, wl);
		assert_true((ge == NULL) == (we == NULL));
		if (ge == NULL)
			break;
		got  = ge + 1;
		want = we + 1;
		line++;
	}
}

static char *
prom_text(const struct d_tm_source *srcs, int n, int expect_rc)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(d_tm_export_prometheus(srcs, n, "engine", f), expect_rc);
	fclose(f);
	return buf;
}

static char *
csv_text(struct d_tm_reader *r, const char *sub, bool meta)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(d_tm_export_csv(r, sub, meta, f), 0);
	fclose(f);
	return buf;
}

/* ---- tests ---- */

/* TM01: create, attach, empty walk; argument and missing-segment errors. */
static void
tm01_create_open(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = NULL;
	struct d_tm_reader *r   = NULL;
	struct coll         c;

	(void)state;
	assert_int_equal(d_tm_seg_create(IPC_PRIVATE, SEG_SIZE, &seg), -DER_INVAL);
	assert_int_equal(d_tm_seg_create(key, D_TM_SEG_SIZE_MIN - 1, &seg), -DER_INVAL);
	assert_int_equal(d_tm_seg_create(key, D_TM_SEG_SIZE_MAX + 1, &seg), -DER_INVAL);
	assert_int_equal(d_tm_seg_create(key, SEG_SIZE, NULL), -DER_INVAL);
	assert_null(seg);
	assert_int_equal(d_tm_reader_open(key, &r), -DER_NONEXIST);
	assert_int_equal(d_tm_reader_open(IPC_PRIVATE, &r), -DER_INVAL);
	assert_int_equal(d_tm_reader_open(key, NULL), -DER_INVAL);
	assert_null(r);

	seg = seg_new(key, SEG_SIZE);
	r   = rd_new(key);
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(c.c_nr, 0);
	assert_int_equal(walk(r, "", &c), 0);
	assert_false(d_tm_reader_stale(r));
	assert_int_equal(d_tm_walk(NULL, NULL, coll_cb, &c), -DER_INVAL);
	assert_int_equal(d_tm_walk(r, NULL, NULL, &c), -DER_INVAL);

	/* removal: the attached reader is told, a new open finds nothing */
	seg_close(seg, true);
	assert_true(d_tm_reader_stale(r));
	assert_int_equal(walk(r, NULL, &c), 0); /* the old mapping stays readable */
	assert_int_equal(d_tm_reader_open(key, &r), -DER_NONEXIST);
	d_tm_seg_destroy(NULL, true);
	d_tm_reader_close(NULL);
}

/* TM02: each type is added, updated and read back with its desc and units. */
static void
tm02_types(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = seg_new(key, SEG_SIZE);
	struct d_tm_reader *r;
	struct d_tm_node   *cnt, *g, *ts, *dur, *st, *dir;
	const struct coll_item *it;
	struct coll         c;
	time_t              t0, t1;

	(void)state;
	assert_int_equal(d_tm_add_metric(seg, &cnt, D_TM_COUNTER, "ops done", "ops", "a/cnt"), 0);
	assert_int_equal(d_tm_add_metric(seg, &g, D_TM_GAUGE, "queue", "req", "a/g"), 0);
	assert_int_equal(d_tm_add_metric(seg, &ts, D_TM_TIMESTAMP, "start", NULL, "ts"), 0);
	assert_int_equal(d_tm_add_metric(seg, &dur, D_TM_DURATION, "cycle", "us", "b/%s_%d", "xs",
					 1),
			 0);
	assert_int_equal(d_tm_add_metric(seg, &st, D_TM_STATS_GAUGE, "lat", "us", "b/st"), 0);
	assert_int_equal(d_tm_add_metric(seg, &dir, D_TM_DIRECTORY, NULL, NULL, "empty"), 0);

	d_tm_inc_counter(cnt, 5);
	d_tm_inc_counter(cnt, 2);
	d_tm_set_gauge(g, 10);
	d_tm_inc_gauge(g, 5);
	d_tm_dec_gauge(g, 3);
	t0 = time(NULL);
	d_tm_record_timestamp(ts);
	t1 = time(NULL);
	d_tm_set_duration_us(dur, 250);
	d_tm_set_gauge(st, 7);

	r = rd_new(key);
	assert_int_equal(walk(r, NULL, &c), 0);
	/* depth first, children in creation order, directories included */
	assert_int_equal(c.c_nr, 8);
	assert_string_equal(c.c_items[0].ci_path, "a");
	assert_string_equal(c.c_items[1].ci_path, "a/cnt");
	assert_string_equal(c.c_items[2].ci_path, "a/g");
	assert_string_equal(c.c_items[3].ci_path, "ts");
	assert_string_equal(c.c_items[4].ci_path, "b");
	assert_string_equal(c.c_items[5].ci_path, "b/xs_1");
	assert_string_equal(c.c_items[6].ci_path, "b/st");
	assert_string_equal(c.c_items[7].ci_path, "empty");

	it = coll_find(&c, "a");
	assert_int_equal(it->ci_type, D_TM_DIRECTORY);
	it = coll_find(&c, "a/cnt");
	assert_int_equal(it->ci_type, D_TM_COUNTER);
	assert_int_equal(it->ci_value, 7);
	assert_string_equal(it->ci_desc, "ops done");
	assert_string_equal(it->ci_units, "ops");
	it = coll_find(&c, "a/g");
	assert_int_equal(it->ci_type, D_TM_GAUGE);
	assert_int_equal(it->ci_value, 12);
	it = coll_find(&c, "ts");
	assert_int_equal(it->ci_type, D_TM_TIMESTAMP);
	assert_in_range(it->ci_value, (uint64_t)t0, (uint64_t)t1);
	assert_string_equal(it->ci_units, "");
	it = coll_find(&c, "b/xs_1");
	/* a duration without a clock flag gets REALTIME */
	assert_int_equal(it->ci_type, D_TM_DURATION | D_TM_CLOCK_REALTIME);
	assert_int_equal(it->ci_value, 250);
	assert_int_equal(it->ci_samples, 1);
	it = coll_find(&c, "b/st");
	assert_int_equal(it->ci_type, D_TM_STATS_GAUGE);
	assert_int_equal(it->ci_value, 7);
	assert_int_equal(it->ci_min, 7);
	assert_int_equal(it->ci_max, 7);
	assert_int_equal(it->ci_samples, 1);

	/* set_counter, gauge saturation at 0, wrong types and NULL are no-ops */
	d_tm_set_counter(cnt, 100);
	d_tm_dec_gauge(g, 1000);
	d_tm_inc_counter(g, 1);
	d_tm_set_gauge(cnt, 1);
	d_tm_record_timestamp(cnt);
	d_tm_set_duration_us(st, 1);
	d_tm_inc_counter(NULL, 1);
	d_tm_set_counter(NULL, 1);
	d_tm_set_gauge(NULL, 1);
	d_tm_inc_gauge(NULL, 1);
	d_tm_dec_gauge(NULL, 1);
	d_tm_record_timestamp(NULL);
	d_tm_mark_duration_start(NULL);
	d_tm_mark_duration_end(NULL);
	d_tm_set_duration_us(NULL, 1);
	d_tm_mark_duration_start(cnt);
	d_tm_mark_duration_end(cnt);
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(coll_find(&c, "a/cnt")->ci_value, 100);
	assert_int_equal(coll_find(&c, "a/g")->ci_value, 0);
	assert_int_equal(coll_find(&c, "b/st")->ci_samples, 1);
}

/* TM03: add is idempotent per type; another type is -DER_EXIST; -DER_NOTDIR. */
static void
tm03_idempotent(void **state)
{
	key_t             key = key_new();
	struct d_tm_seg  *seg = seg_new(key, SEG_SIZE);
	struct d_tm_node *a = NULL, *b = NULL, *keep = (struct d_tm_node *)&keep;
	struct coll       c;

	(void)state;
	assert_int_equal(d_tm_add_metric(seg, &a, D_TM_COUNTER, "first", "ops", "x/y"), 0);
	assert_int_equal(d_tm_add_metric(seg, &b, D_TM_COUNTER, "second", "bytes", "x/y"), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "x/y"), 0);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_GAUGE, NULL, NULL, "x/y"), -DER_EXIST);
	assert_ptr_equal(keep, (struct d_tm_node *)&keep);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, NULL, "x"), -DER_EXIST);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_DIRECTORY, NULL, NULL, "x"), 0);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_GAUGE, NULL, NULL, "x/y/z"),
			 -DER_NOTDIR);
	/* same duration type with and without the default clock flag */
	assert_int_equal(d_tm_add_metric(seg, &a, D_TM_DURATION, NULL, NULL, "d"), 0);
	assert_int_equal(
	    d_tm_add_metric(seg, &b, D_TM_DURATION | D_TM_CLOCK_REALTIME, NULL, NULL, "d"), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(d_tm_add_metric(seg, &b, D_TM_DURATION | D_TM_CLOCK_THREAD_CPUTIME, NULL,
					 NULL, "d"),
			 -DER_EXIST);

	assert_int_equal(walk(rd_new(key), NULL, &c), 0);
	assert_int_equal(c.c_nr, 3);
	assert_string_equal(coll_find(&c, "x/y")->ci_desc, "first");
	assert_string_equal(coll_find(&c, "x/y")->ci_units, "ops");
}

/* TM04: every class of bad name, type and text is refused with its code. */
static void
tm04_bad_input(void **state)
{
	key_t             key  = key_new();
	struct d_tm_seg  *seg  = seg_new(key, SEG_SIZE);
	struct d_tm_node *keep = (struct d_tm_node *)&keep;
	char              longtxt[D_TM_DESC_MAX + 1];
	static const char *const bad_paths[] = {
	    "", "/a", "a/", "/", "a//b", "a b", "a/./b", "..", "a/../b", "a,b", "a\"b", "a\\b",
	    "a=b", "a\nb", "caf\xc3\xa9", "a\tb", "a*b", "a/b/",
	};
	static const int bad_types[] = {
	    0, D_TM_COUNTER | D_TM_GAUGE, D_TM_TIMER_SNAPSHOT, D_TM_COUNTER | D_TM_CLOCK_REALTIME,
	    D_TM_DURATION | D_TM_CLOCK_REALTIME | D_TM_CLOCK_PROCESS_CPUTIME, 0x400, 0x800, -1,
	    D_TM_CLOCK_REALTIME,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, NULL, "%s",
						 bad_paths[i]),
				 -DER_INVAL);
		assert_int_equal(d_tm_del_node(seg, bad_paths[i]), -DER_INVAL);
	}
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
		assert_int_equal(d_tm_add_metric(seg, &keep, bad_types[i], NULL, NULL, "t"),
				 -DER_INVAL);
	memset(longtxt, 'd', sizeof(longtxt) - 1);
	longtxt[sizeof(longtxt) - 1] = '\0';
	longtxt[D_TM_DESC_MAX]       = '\0';
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, longtxt, NULL, "t"),
			 -DER_OVERFLOW);
	longtxt[D_TM_DESC_MAX - 1] = '\0';
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, longtxt, NULL, "t1"), 0);
	longtxt[D_TM_UNITS_MAX] = '\0';
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, longtxt, "t"),
			 -DER_OVERFLOW);
	longtxt[D_TM_UNITS_MAX - 1] = '\0';
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, longtxt, "t2"), 0);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, "a\nb", NULL, "t"), -DER_INVAL);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, "\x7f", "t"), -DER_INVAL);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, "\xc2\xb5s", NULL, "t"),
			 -DER_INVAL);
	assert_int_equal(d_tm_add_metric(NULL, &keep, D_TM_COUNTER, NULL, NULL, "t"), -DER_INVAL);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(d_tm_del_node(NULL, "t1"), -DER_INVAL);
	assert_int_equal(d_tm_del_node(seg, NULL), -DER_INVAL);
	assert_int_equal(d_tm_seg_set_reuse_grace(NULL, 1), -DER_INVAL);
	assert_int_equal(d_tm_seg_set_reuse_grace(seg, D_TM_REUSE_GRACE_MAX_S + 1), -DER_INVAL);
	assert_ptr_equal(keep, (struct d_tm_node *)&keep);
	/* every allowed character */
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL,
					 "net/ofi+tcp;ofi_rxm/A-z_0.9:x"),
			 0);
}

/* TM05: path, component and depth limits, at and just over the limit. */
static void
tm05_path_limits(void **state)
{
	key_t             key  = key_new();
	struct d_tm_seg  *seg  = seg_new(key, SEG_SIZE);
	struct d_tm_node *keep = (struct d_tm_node *)&keep;
	char              comp[D_TM_NAME_MAX + 1];
	char              path[D_TM_PATH_MAX + 64];
	struct coll       c;
	size_t            len = 0;

	(void)state;
	memset(comp, 'c', D_TM_NAME_MAX);
	comp[D_TM_NAME_MAX] = '\0';
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, NULL, "%s", comp),
			 -DER_EXCEEDS_PATH_LEN);
	comp[D_TM_NAME_MAX - 1] = '\0';
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "%s", comp), 0);

	/* 255 characters: accepted; 256: refused */
	memset(path, 0, sizeof(path));
	for (int i = 0; i < 3; i++) {
		memset(path + i * 64, 'p', 63);
		path[i * 64 + 63] = '/';
	}
	memset(path + 192, 'q', 63); /* 4 x 63 + 3 = 255 */
	assert_int_equal(strlen(path), D_TM_PATH_MAX - 1);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "%s", path), 0);
	path[255] = 'q';
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, NULL, "%s", path),
			 -DER_EXCEEDS_PATH_LEN);
	assert_int_equal(d_tm_del_node(seg, path), -DER_EXCEEDS_PATH_LEN);

	/* 16 components: accepted; 17: refused */
	len = 0;
	for (int i = 0; i < D_TM_DEPTH_MAX; i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%sl%d", i ? "/" : "", i);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_GAUGE, NULL, NULL, "%s", path), 0);
	snprintf(path + len, sizeof(path) - len, "/l16");
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_GAUGE, NULL, NULL, "%s", path),
			 -DER_EXCEEDS_PATH_LEN);
	assert_ptr_equal(keep, (struct d_tm_node *)&keep);
	assert_int_equal(walk(rd_new(key), NULL, &c), 0);
}

/* TM06: a full segment gives -DER_NO_SHMEM and creates nothing (capacity checked first). */
static void
tm06_full(void **state)
{
	key_t               key   = key_new();
	struct d_tm_seg    *seg   = seg_new(key, D_TM_SEG_SIZE_MIN);
	struct d_tm_reader *r     = rd_new(key);
	struct d_tm_node   *keep  = (struct d_tm_node *)&keep;
	int                 slots = (D_TM_SEG_SIZE_MIN - HDR_SZ) / NODE_SZ - 1; /* but root */
	struct coll         c;

	(void)state;
	assert_int_equal(slots, 9);
	for (int i = 0; i < slots - 2; i++)
		assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "c%d", i), 0);
	/* two slots left: a three-node branch does not fit, and leaves no trace */
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, NULL, "x/y/z"),
			 -DER_NO_SHMEM);
	assert_ptr_equal(keep, (struct d_tm_node *)&keep);
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(c.c_nr, slots - 2);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "x/y"), 0);
	assert_int_equal(d_tm_add_metric(seg, &keep, D_TM_COUNTER, NULL, NULL, "z"),
			 -DER_NO_SHMEM);
	/* an existing metric is still found in a full segment */
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "x/y"), 0);
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(c.c_nr, slots);
}

/* TM07: del_node unlinks a subtree; its slots are reused after the grace period only (P1, P3). */
static void
tm07_delete(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = seg_new(key, D_TM_SEG_SIZE_MIN);
	struct d_tm_reader *r   = rd_new(key);
	struct d_tm_node   *n;
	struct coll         c;

	(void)state;
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "pool/p1/ops/a"), 0);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "pool/p1/ops/b"), 0);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "pool/p1/ops/c"), 0);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "pool/p2/x"), 0);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "last"), 0);
	/* 9 of 9 slots used */
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "z"), -DER_NO_SHMEM);

	assert_int_equal(d_tm_del_node(seg, "pool/p1/nope"), -DER_METRIC_NOT_FOUND);
	assert_int_equal(d_tm_del_node(seg, "last/x"), -DER_METRIC_NOT_FOUND);
	assert_int_equal(d_tm_del_node(seg, "pool/p1"), 0);
	assert_int_equal(d_tm_del_node(seg, "pool/p1"), -DER_METRIC_NOT_FOUND);
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(c.c_nr, 4);
	assert_string_equal(c.c_items[0].ci_path, "pool");
	assert_string_equal(c.c_items[1].ci_path, "pool/p2");
	assert_string_equal(c.c_items[2].ci_path, "pool/p2/x");
	assert_string_equal(c.c_items[3].ci_path, "last");

	/* quarantined (default grace): still full */
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "z"), -DER_NO_SHMEM);
	/* grace 0: the five slots of pool/p1 come back */
	assert_int_equal(d_tm_seg_set_reuse_grace(seg, 0), 0);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_STATS_GAUGE, NULL, NULL, "q/r/s/t"), 0);
	d_tm_set_gauge(n, 3);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "z1"), 0);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "z2"), -DER_NO_SHMEM);

	/* delete the last child, then append: creation order kept */
	assert_int_equal(d_tm_del_node(seg, "last"), 0);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_GAUGE, NULL, NULL, "z"), 0);
	assert_int_equal(d_tm_del_node(seg, "pool/p2/x"), 0); /* only child */
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(c.c_nr, 8);
	assert_string_equal(c.c_items[1].ci_path, "pool/p2");
	assert_string_equal(c.c_items[2].ci_path, "q");
	assert_string_equal(c.c_items[5].ci_path, "q/r/s/t");
	assert_int_equal(c.c_items[5].ci_samples, 1); /* a reused slot starts clean */
	assert_int_equal(c.c_items[5].ci_min, 3);
	assert_string_equal(c.c_items[6].ci_path, "z1");
	assert_int_equal(c.c_items[6].ci_value, 0);
	assert_string_equal(c.c_items[7].ci_path, "z");
	assert_int_equal(c.c_items[7].ci_type, D_TM_GAUGE);
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "pool/p2/y"), 0);
	assert_int_equal(walk(r, "pool", &c), 0);
	assert_int_equal(c.c_nr, 3);
	assert_string_equal(c.c_items[2].ci_path, "pool/p2/y");
}

/* TM08: stats math against hand-computed values. */
static void
tm08_stats(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = seg_new(key, SEG_SIZE);
	struct d_tm_reader *r   = rd_new(key);
	struct d_tm_node   *st, *one, *none, *dur, *inc;
	static const uint64_t vals[] = {4, 2, 4, 5, 4, 9, 5, 7};
	const struct coll_item *it;
	struct coll         c;

	(void)state;
	assert_int_equal(d_tm_add_metric(seg, &st, D_TM_STATS_GAUGE, NULL, NULL, "st"), 0);
	assert_int_equal(d_tm_add_metric(seg, &one, D_TM_STATS_GAUGE, NULL, NULL, "one"), 0);
	assert_int_equal(d_tm_add_metric(seg, &none, D_TM_STATS_GAUGE, NULL, NULL, "none"), 0);
	assert_int_equal(d_tm_add_metric(seg, &dur, D_TM_DURATION, NULL, NULL, "dur"), 0);
	assert_int_equal(d_tm_add_metric(seg, &inc, D_TM_STATS_GAUGE, NULL, NULL, "inc"), 0);
	for (size_t i = 0; i < 8; i++)
		d_tm_set_gauge(st, vals[i]);
	d_tm_set_gauge(one, 42);
	d_tm_set_duration_us(dur, 100);
	d_tm_set_duration_us(dur, 300);
	d_tm_inc_gauge(inc, 10); /* 10 */
	d_tm_inc_gauge(inc, 5);  /* 15 */
	d_tm_dec_gauge(inc, 12); /* 3 */
	d_tm_dec_gauge(inc, 9);  /* 0, saturated */

	assert_int_equal(walk(r, NULL, &c), 0);
	it = coll_find(&c, "st");
	assert_int_equal(it->ci_value, 7);
	assert_int_equal(it->ci_min, 2);
	assert_int_equal(it->ci_max, 9);
	assert_int_equal(it->ci_sum, 40);
	assert_int_equal(it->ci_samples, 8);
	assert_true(it->ci_sumsq == 232.0);
	assert_true(it->ci_mean == 5.0);
	/* sample stddev: sqrt((232 - 8 * 25) / 7) */
	assert_true(fabs(it->ci_stddev - 2.1380899352993952) < 1e-12);

	it = coll_find(&c, "one");
	assert_int_equal(it->ci_samples, 1);
	assert_true(it->ci_mean == 42.0);
	assert_true(it->ci_stddev == 0.0);
	it = coll_find(&c, "none");
	assert_int_equal(it->ci_samples, 0);
	assert_true(it->ci_mean == 0.0 && it->ci_stddev == 0.0);
	it = coll_find(&c, "dur");
	assert_int_equal(it->ci_value, 300);
	assert_int_equal(it->ci_min, 100);
	assert_true(it->ci_mean == 200.0);
	assert_true(fabs(it->ci_stddev - sqrt(20000.0)) < 1e-9);
	it = coll_find(&c, "inc");
	assert_int_equal(it->ci_value, 0);
	assert_int_equal(it->ci_samples, 4);
	assert_int_equal(it->ci_min, 0);
	assert_int_equal(it->ci_max, 15);
	assert_int_equal(it->ci_sum, 28);
}

/* A fixed tree of one engine (TM09, TM11). */
static void
fixed_tree(struct d_tm_seg *seg, uint64_t scale)
{
	struct d_tm_node *n;

	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_TIMESTAMP, "Timestamp of last engine startup",
					 NULL, "started_at"),
			 0);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_COUNTER,
					 "Total number of processed object RPCs", "ops",
					 "pool/" UUID1 "/ops/update"),
			 0);
	d_tm_inc_counter(n, 7 * scale);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_STATS_GAUGE, "update RPC processing time",
					 "us", "io/latency/update/4KB/tgt_0"),
			 0);
	for (uint64_t v = 1; v <= 3; v++)
		d_tm_set_gauge(n, v * 2 * scale);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_GAUGE, "Active RPCs", NULL,
					 "net/ofi+tcp;ofi_rxm/hg/active_rpcs/ctx_0"),
			 0);
	d_tm_set_gauge(n, 3);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_COUNTER, "Number of NVMe read errors, all",
					 "errs", "nvme/0000:81:00.0/commands/read_errs"),
			 0);
	d_tm_inc_counter(n, 1);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_DURATION, "Scheduler \"cycle\" time", "us",
					 "sched/cycle_duration/xs_2"),
			 0);
	d_tm_set_duration_us(n, 100);
	d_tm_set_duration_us(n, 300);
}

/* TM09: Prometheus text of a fixed tree: names, labels, HELP/TYPE, untyped, siblings. */
static void
tm09_prometheus(void **state)
{
	key_t              key = key_new();
	struct d_tm_seg   *seg = seg_new(key, SEG_SIZE);
	struct d_tm_source src;
	char              *got;
	static const char  want[] =
	    "# HELP engine_io_latency_update update RPC processing time (us)\n"
	    "# TYPE engine_io_latency_update gauge\n"
	    "engine_io_latency_update{rank=\"3\",size=\"4KB\",target=\"0\"} 6\n"
	    "# HELP engine_io_latency_update_max update RPC processing time (us, max)\n"
	    "# TYPE engine_io_latency_update_max gauge\n"
	    "engine_io_latency_update_max{rank=\"3\",size=\"4KB\",target=\"0\"} 6\n"
	    "# HELP engine_io_latency_update_mean update RPC processing time (us, mean)\n"
	    "# TYPE engine_io_latency_update_mean gauge\n"
	    "engine_io_latency_update_mean{rank=\"3\",size=\"4KB\",target=\"0\"} 4\n"
	    "# HELP engine_io_latency_update_min update RPC processing time (us, min)\n"
	    "# TYPE engine_io_latency_update_min gauge\n"
	    "engine_io_latency_update_min{rank=\"3\",size=\"4KB\",target=\"0\"} 2\n"
	    "# HELP engine_io_latency_update_samples update RPC processing time (samples)\n"
	    "# TYPE engine_io_latency_update_samples gauge\n"
	    "engine_io_latency_update_samples{rank=\"3\",size=\"4KB\",target=\"0\"} 3\n"
	    "# HELP engine_io_latency_update_stddev update RPC processing time (us, stddev)\n"
	    "# TYPE engine_io_latency_update_stddev gauge\n"
	    "engine_io_latency_update_stddev{rank=\"3\",size=\"4KB\",target=\"0\"} 2\n"
	    "# HELP engine_io_latency_update_sum update RPC processing time (us, sum)\n"
	    "# TYPE engine_io_latency_update_sum untyped\n"
	    "engine_io_latency_update_sum{rank=\"3\",size=\"4KB\",target=\"0\"} 12\n"
	    "# HELP engine_io_latency_update_sumsquares update RPC processing time (us, "
	    "sumsquares)\n"
	    "# TYPE engine_io_latency_update_sumsquares gauge\n"
	    "engine_io_latency_update_sumsquares{rank=\"3\",size=\"4KB\",target=\"0\"} 56\n"
	    "# HELP engine_net_hg_active_rpcs Active RPCs\n"
	    "# TYPE engine_net_hg_active_rpcs gauge\n"
	    "engine_net_hg_active_rpcs{context=\"0\",provider=\"ofi+tcp;ofi_rxm\",rank=\"3\"} 3\n"
	    "# HELP engine_nvme_commands_read_errs Number of NVMe read errors, all (errs)\n"
	    "# TYPE engine_nvme_commands_read_errs untyped\n"
	    "engine_nvme_commands_read_errs{device=\"0000:81:00.0\",rank=\"3\"} 1\n"
	    "# HELP engine_pool_ops_update Total number of processed object RPCs (ops)\n"
	    "# TYPE engine_pool_ops_update untyped\n"
	    "engine_pool_ops_update{pool=\"" UUID1 "\",rank=\"3\"} 7\n"
	    "# HELP engine_sched_cycle_duration Scheduler \"cycle\" time (us)\n"
	    "# TYPE engine_sched_cycle_duration gauge\n"
	    "engine_sched_cycle_duration{rank=\"3\",xstream=\"2\"} 300\n"
	    "# HELP engine_sched_cycle_duration_max Scheduler \"cycle\" time (us, max)\n"
	    "# TYPE engine_sched_cycle_duration_max gauge\n"
	    "engine_sched_cycle_duration_max{rank=\"3\",xstream=\"2\"} 300\n"
	    "# HELP engine_sched_cycle_duration_mean Scheduler \"cycle\" time (us, mean)\n"
	    "# TYPE engine_sched_cycle_duration_mean gauge\n"
	    "engine_sched_cycle_duration_mean{rank=\"3\",xstream=\"2\"} 200\n"
	    "# HELP engine_sched_cycle_duration_min Scheduler \"cycle\" time (us, min)\n"
	    "# TYPE engine_sched_cycle_duration_min gauge\n"
	    "engine_sched_cycle_duration_min{rank=\"3\",xstream=\"2\"} 100\n"
	    "# HELP engine_sched_cycle_duration_samples Scheduler \"cycle\" time (samples)\n"
	    "# TYPE engine_sched_cycle_duration_samples gauge\n"
	    "engine_sched_cycle_duration_samples{rank=\"3\",xstream=\"2\"} 2\n"
	    "# HELP engine_sched_cycle_duration_stddev Scheduler \"cycle\" time (us, stddev)\n"
	    "# TYPE engine_sched_cycle_duration_stddev gauge\n"
	    "engine_sched_cycle_duration_stddev{rank=\"3\",xstream=\"2\"} 141.42135623730951\n"
	    "# HELP engine_sched_cycle_duration_sum Scheduler \"cycle\" time (us, sum)\n"
	    "# TYPE engine_sched_cycle_duration_sum untyped\n"
	    "engine_sched_cycle_duration_sum{rank=\"3\",xstream=\"2\"} 400\n"
	    "# HELP engine_sched_cycle_duration_sumsquares Scheduler \"cycle\" time (us, "
	    "sumsquares)\n"
	    "# TYPE engine_sched_cycle_duration_sumsquares gauge\n"
	    "engine_sched_cycle_duration_sumsquares{rank=\"3\",xstream=\"2\"} 100000\n"
	    "# HELP engine_started_at Timestamp of last engine startup\n"
	    "# TYPE engine_started_at gauge\n"
	    "engine_started_at{rank=\"3\"} 0\n";

	(void)state;
	fixed_tree(seg, 1);
	src.src_reader = rd_new(key);
	src.src_rank   = 3;
	got            = prom_text(&src, 1, 0);
	text_equal(got, want);
	free(got);

	/* no source: empty output */
	got = prom_text(NULL, 0, 0);
	assert_string_equal(got, "");
	free(got);
}

/* TM10: several sources merge into contiguous, unique families; TYPE rules. */
static void
tm10_prometheus_merge(void **state)
{
	key_t              ka = key_new();
	key_t              kb = key_new();
	struct d_tm_seg   *sa = seg_new(ka, SEG_SIZE);
	struct d_tm_seg   *sb = seg_new(kb, SEG_SIZE);
	struct d_tm_node  *n;
	struct d_tm_source srcs[3];
	char              *got;
	static const char  want[] =
	    "# HELP engine_dtx_committed_total committed (ops)\n"
	    "# TYPE engine_dtx_committed_total counter\n"
	    "engine_dtx_committed_total{rank=\"0\"} 5\n"
	    "# HELP engine_mix mixed a\n"
	    "# TYPE engine_mix untyped\n"
	    "engine_mix{rank=\"0\"} 1\n"
	    "engine_mix{rank=\"1\"} 2\n"
	    "# HELP engine_pool_ops_update ops\n"
	    "# TYPE engine_pool_ops_update untyped\n"
	    "engine_pool_ops_update{pool=\"p1\",rank=\"0\"} 10\n"
	    "engine_pool_ops_update{pool=\"p1\",rank=\"1\"} 20\n"
	    "engine_pool_ops_update{pool=\"p2\",rank=\"1\"} 30\n"
	    "# HELP engine_q_count queue count\n"
	    "# TYPE engine_q_count untyped\n"
	    "engine_q_count{rank=\"1\"} 4\n"
	    "# HELP engine_tgt_2_x x (a\\\\b)\n"
	    "# TYPE engine_tgt_2_x gauge\n"
	    "engine_tgt_2_x{rank=\"0\",target=\"1\"} 0\n"
	    "# HELP engine_uri_x_y_z_w_c_d uri\n"
	    "# TYPE engine_uri_x_y_z_w_c_d gauge\n"
	    "engine_uri_x_y_z_w_c_d{rank=\"0\"} 0\n"
	    "# HELP engine_xfer_total bytes\n"
	    "# TYPE engine_xfer_total untyped\n"
	    "engine_xfer_total{rank=\"1\"} 6\n";

	(void)state;
	/* source A, rank 0 */
	assert_int_equal(d_tm_add_metric(sa, &n, D_TM_COUNTER, "ops", NULL, "pool/p1/ops/update"), 0);
	d_tm_inc_counter(n, 10);
	assert_int_equal(d_tm_add_metric(sa, &n, D_TM_COUNTER, "committed", "ops",
					 "dtx/committed_total"),
			 0);
	d_tm_inc_counter(n, 5);
	assert_int_equal(d_tm_add_metric(sa, &n, D_TM_COUNTER, "mixed a", NULL, "mix"), 0);
	d_tm_inc_counter(n, 1);
	/* a second tgt_ stays in the name; a backslash in HELP is escaped */
	assert_int_equal(d_tm_add_metric(sa, NULL, D_TM_GAUGE, "x", "a\\b", "tgt_1/tgt_2/x"), 0);
	/* net/uri takes no provider; dots, colons and dashes become '_' */
	assert_int_equal(d_tm_add_metric(sa, NULL, D_TM_GAUGE, "uri", NULL, "uri/x.y/z:w/c-d"), 0);
	/* source B, rank 1: same family interleaved, a type clash, reserved suffixes */
	assert_int_equal(d_tm_add_metric(sb, &n, D_TM_COUNTER, "ops", NULL, "pool/p2/ops/update"), 0);
	d_tm_inc_counter(n, 30);
	assert_int_equal(d_tm_add_metric(sb, &n, D_TM_COUNTER, "ops", NULL, "pool/p1/ops/update"), 0);
	d_tm_inc_counter(n, 20);
	assert_int_equal(d_tm_add_metric(sb, &n, D_TM_GAUGE, "mixed b", NULL, "mix"), 0);
	d_tm_set_gauge(n, 2);
	assert_int_equal(d_tm_add_metric(sb, &n, D_TM_GAUGE, "bytes", NULL, "xfer_total"), 0);
	d_tm_set_gauge(n, 6);
	assert_int_equal(d_tm_add_metric(sb, &n, D_TM_GAUGE, "queue count", NULL, "q_count"), 0);
	d_tm_set_gauge(n, 4);

	srcs[0].src_reader = rd_new(ka);
	srcs[0].src_rank   = 0;
	srcs[1].src_reader = rd_new(kb);
	srcs[1].src_rank   = 1;
	/* the same engine twice under one rank: duplicates are dropped */
	srcs[2]            = srcs[1];
	got                = prom_text(srcs, 3, 0);
	text_equal(got, want);
	free(got);

	/* bad arguments */
	assert_int_equal(d_tm_export_prometheus(srcs, 2, "", stdout), -DER_INVAL);
	assert_int_equal(d_tm_export_prometheus(srcs, 2, NULL, stdout), -DER_INVAL);
	assert_int_equal(d_tm_export_prometheus(srcs, 2, "9x", stdout), -DER_INVAL);
	assert_int_equal(d_tm_export_prometheus(srcs, 2, "a-b", stdout), -DER_INVAL);
	assert_int_equal(
	    d_tm_export_prometheus(srcs, 2, "p23456789012345678901234567890123", stdout),
	    -DER_INVAL);
	assert_int_equal(d_tm_export_prometheus(srcs, -1, "engine", stdout), -DER_INVAL);
	assert_int_equal(d_tm_export_prometheus(srcs, D_TM_EXPORT_SOURCES_MAX + 1, "engine",
						stdout),
			 -DER_INVAL);
	assert_int_equal(d_tm_export_prometheus(NULL, 1, "engine", stdout), -DER_INVAL);
	assert_int_equal(d_tm_export_prometheus(srcs, 2, "engine", NULL), -DER_INVAL);
	srcs[0].src_reader = NULL;
	assert_int_equal(d_tm_export_prometheus(srcs, 2, "engine", stdout), -DER_INVAL);
}

/* TM11: CSV rows exactly, with and without meta; RFC 4180 quoting. */
static void
tm11_csv(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = seg_new(key, SEG_SIZE);
	struct d_tm_reader *r;
	char               *got;
	FILE               *full;
	static const char   want[] =
	    "started_at,0\n"
	    "pool/" UUID1 "/ops/update,7\n"
	    "io/latency/update/4KB/tgt_0,6,2,6,4,3,12,2\n"
	    "net/ofi+tcp;ofi_rxm/hg/active_rpcs/ctx_0,3\n"
	    "nvme/0000:81:00.0/commands/read_errs,1\n"
	    "sched/cycle_duration/xs_2,300,100,300,200,2,400,141.42135623730951\n";
	static const char want_meta[] =
	    "name,value,min,max,mean,sample_size,sum,std_dev,description,units\n"
	    "started_at,0,,,,,,,Timestamp of last engine startup,\n"
	    "pool/" UUID1 "/ops/update,7,,,,,,,Total number of processed object RPCs,ops\n"
	    "io/latency/update/4KB/tgt_0,6,2,6,4,3,12,2,update RPC processing time,us\n"
	    "net/ofi+tcp;ofi_rxm/hg/active_rpcs/ctx_0,3,,,,,,,Active RPCs,\n"
	    "nvme/0000:81:00.0/commands/read_errs,1,,,,,,,\"Number of NVMe read errors, "
	    "all\",errs\n"
	    "sched/cycle_duration/xs_2,300,100,300,200,2,400,141.42135623730951,"
	    "\"Scheduler \"\"cycle\"\" time\",us\n";

	(void)state;
	fixed_tree(seg, 1);
	r   = rd_new(key);
	got = csv_text(r, NULL, false);
	text_equal(got, want);
	free(got);
	got = csv_text(r, NULL, true);
	text_equal(got, want_meta);
	free(got);
	got = csv_text(r, "io/latency", false);
	text_equal(got, "io/latency/update/4KB/tgt_0,6,2,6,4,3,12,2\n");
	free(got);

	assert_int_equal(d_tm_export_csv(NULL, NULL, false, stdout), -DER_INVAL);
	assert_int_equal(d_tm_export_csv(r, NULL, false, NULL), -DER_INVAL);
	assert_int_equal(d_tm_export_csv(r, "nope", false, stdout), -DER_METRIC_NOT_FOUND);
	/* a write error is reported */
	full = fopen("/dev/full", "w");
	if (full != NULL) {
		assert_int_equal(d_tm_export_csv(r, NULL, true, full), -DER_IO);
		fclose(full);
		full = fopen("/dev/full", "w");
		assert_non_null(full);
		{
			struct d_tm_source src = {.src_reader = r, .src_rank = 0};

			assert_int_equal(d_tm_export_prometheus(&src, 1, "engine", full), -DER_IO);
		}
		fclose(full);
	}
}

/* TM12: walking a subpath, stopping on the callback, bad subpaths. */
static void
tm12_walk_subpath(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = seg_new(key, SEG_SIZE);
	struct d_tm_reader *r;
	struct coll         c;

	(void)state;
	fixed_tree(seg, 1);
	r = rd_new(key);
	assert_int_equal(walk(r, "io/latency/update", &c), 0);
	assert_int_equal(c.c_nr, 3);
	assert_string_equal(c.c_items[0].ci_path, "io/latency/update");
	assert_string_equal(c.c_items[1].ci_path, "io/latency/update/4KB");
	assert_string_equal(c.c_items[2].ci_path, "io/latency/update/4KB/tgt_0");
	assert_int_equal(walk(r, "started_at", &c), 0);
	assert_int_equal(c.c_nr, 1);
	assert_string_equal(c.c_items[0].ci_path, "started_at");
	assert_int_equal(walk(r, "started_at/x", &c), -DER_METRIC_NOT_FOUND);
	assert_int_equal(walk(r, "io/nope", &c), -DER_METRIC_NOT_FOUND);
	assert_int_equal(walk(r, "io//latency", &c), -DER_INVAL);
	assert_int_equal(walk(r, "/io", &c), -DER_INVAL);
	memset(&c, 0, sizeof(c));
	c.c_stop_at = 2;
	assert_int_equal(d_tm_walk(r, NULL, coll_cb, &c), 42);
	assert_int_equal(c.c_nr, 2);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int
noop_cb(const struct d_tm_sample *s, void *arg)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

/* Offset of the node named \a name in a segment image (first match). */
static uint64_t
img_find(const char *base, const char *name)
{
	const struct d_tm_shm_hdr *h = (const void *)base;

	for (uint64_t off = HDR_SZ; off < h->sh_hwm; off += NODE_SZ)
		if (strcmp(((const struct d_tm_node *)(base + off))->tn_name, name) == 0)
			return off;
	fail_msg("no node %s", name);
	return 0;
}

#define IMG_NODE(base, off) ((struct d_tm_node *)((base) + (off)))

/* Build a source tree, copy its image into a raw segment of \a ckey; returns both. */
static void
img_setup(key_t *ckey, char **pristine, char **copy, size_t size)
{
	key_t             key = key_new();
	struct d_tm_seg  *seg = seg_new(key, size);
	struct d_tm_node *n;

	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_COUNTER, "c", NULL, "a/b/c"), 0);
	d_tm_inc_counter(n, 3);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_STATS_GAUGE, "d", "us", "a/d"), 0);
	d_tm_set_gauge(n, 5);
	assert_int_equal(d_tm_add_metric(seg, &n, D_TM_GAUGE, "e", NULL, "e"), 0);
	*pristine = raw_attach(key);
	*ckey     = key_new();
	*copy     = raw_new(*ckey, size);
	memcpy(*copy, *pristine, size);
}

/* TM13: a corrupted header is refused at open with the right code (R1). */
static void
tm13_corrupt_header(void **state)
{
	struct d_tm_reader  *r = NULL;
	struct d_tm_shm_hdr *h;
	char                *orig, *img;
	key_t                ck;
	key_t                tiny = key_new();

	(void)state;
	img_setup(&ck, &orig, &img, SEG_SIZE);
	h = (void *)img;
#define REOPEN(expect)                                                                    \
	do {                                                                              \
		assert_int_equal(d_tm_reader_open(ck, &r), expect);                       \
		memcpy(img, orig, SEG_SIZE);                                              \
	} while (0)
	h->sh_magic ^= 1;
	REOPEN(-DER_DF_INVAL);
	h->sh_magic = 0;
	REOPEN(-DER_AGAIN);
	h->sh_version = 99;
	REOPEN(-DER_DF_INCOMPT);
	h->sh_node_size = 256;
	REOPEN(-DER_DF_INCOMPT);
	h->sh_first = 0;
	REOPEN(-DER_DF_INCOMPT);
	h->sh_size = SEG_SIZE * 2;
	REOPEN(-DER_DF_INVAL);
	h->sh_root = 1ULL << 40;
	REOPEN(-DER_DF_INVAL);
	h->sh_root = HDR_SZ + 8;
	REOPEN(-DER_DF_INVAL);
	h->sh_root = 0;
	REOPEN(-DER_DF_INVAL);
	h->sh_root = (SEG_SIZE - HDR_SZ) / NODE_SZ * NODE_SZ + HDR_SZ; /* past the last slot */
	REOPEN(-DER_DF_INVAL);
	assert_null(r);
	memset(raw_new(tiny, 100), 0xff, 100); /* smaller than a header and a node */
	assert_int_equal(d_tm_reader_open(tiny, &r), -DER_DF_INVAL);
#undef REOPEN
}

/* A directory node crafted into slot \a off of an image. */
static void
img_craft(char *img, uint64_t off, uint32_t type, const char *name, uint64_t parent)
{
	struct d_tm_node *n = IMG_NODE(img, off);

	memset(n, 0, NODE_SZ);
	n->tn_type   = type;
	n->tn_parent = parent;
	snprintf(n->tn_name, sizeof(n->tn_name), "%s", name);
}

/* TM14: corrupted links, names, types and seqlocks: an error, never a crash or a hang (R1-R4). */
static void
tm14_corrupt_nodes(void **state)
{
	struct d_tm_reader *r;
	struct coll         c;
	char               *orig, *img;
	key_t               ck;
	uint64_t            a, b, cc, d, e, root;
	struct timespec     t0, t1;

	(void)state;
	img_setup(&ck, &orig, &img, SEG_SIZE);
	r    = rd_new(ck);
	root = HDR_SZ;
	a    = img_find(img, "a");
	b    = img_find(img, "b");
	cc   = img_find(img, "c");
	d    = img_find(img, "d");
	e    = img_find(img, "e");
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(c.c_nr, 5);
#define REWALK(expect)                                                                    \
	do {                                                                              \
		int n_ = 0;                                                               \
		assert_int_equal(d_tm_walk(r, NULL, noop_cb, &n_), expect);               \
		memcpy(img, orig, SEG_SIZE);                                              \
	} while (0)
	IMG_NODE(img, a)->tn_child = SEG_SIZE + NODE_SZ; /* outside */
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, a)->tn_child = b + 8; /* misaligned */
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, a)->tn_child = SEG_SIZE - 8; /* the partial last slot */
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, e)->tn_next = a; /* sibling loop through the root's children */
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, cc)->tn_next = cc; /* self loop */
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, b)->tn_child = a; /* child pointing at an ancestor */
	REWALK(-DER_DF_INVAL);
	memset(IMG_NODE(img, cc)->tn_name, 'x', D_TM_NAME_MAX); /* no NUL */
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, cc)->tn_name[0] = '/';
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, cc)->tn_name[0] = '\0';
	REWALK(-DER_DF_INVAL);
	strcpy(IMG_NODE(img, cc)->tn_name, "..");
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, cc)->tn_type = D_TM_COUNTER | D_TM_GAUGE;
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, cc)->tn_type = 0;
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, root)->tn_type = D_TM_COUNTER;
	REWALK(-DER_DF_INVAL);
	IMG_NODE(img, root)->tn_name[0] = 'r';
	REWALK(-DER_DF_INVAL);
	memset(IMG_NODE(img, d)->tn_desc, 'x', D_TM_DESC_MAX);
	REWALK(-DER_DF_INVAL);
	memset(IMG_NODE(img, d)->tn_units, 'x', D_TM_UNITS_MAX);
	REWALK(-DER_DF_INVAL);
	/* a counter with children is only a leaf to the reader */
	IMG_NODE(img, cc)->tn_child = a;
	REWALK(0);

	/* control characters are made printable */
	strcpy(IMG_NODE(img, d)->tn_desc, "a\x01\xff");
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_string_equal(coll_find(&c, "a/d")->ci_desc, "a??");
	memcpy(img, orig, SEG_SIZE);

	/* a NaN sum of squares: stddev 0, Prometheus prints NaN */
	{
		double             nan_v = NAN;
		struct d_tm_source src   = {.src_reader = r, .src_rank = 0};
		char              *got;

		memcpy(&IMG_NODE(img, d)->tn_sumsq, &nan_v, sizeof(nan_v));
		IMG_NODE(img, d)->tn_samples = 2;
		assert_int_equal(walk(r, NULL, &c), 0);
		assert_true(coll_find(&c, "a/d")->ci_stddev == 0);
		got = prom_text(&src, 1, 0);
		assert_non_null(strstr(got, "engine_a_d_sumsquares{rank=\"0\"} NaN\n"));
		free(got);
		memcpy(img, orig, SEG_SIZE);
	}

	/* a seqlock left odd (writer died mid-update): skipped, -DER_AGAIN, bounded */
	IMG_NODE(img, d)->tn_seq |= 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(walk(r, NULL, &c), -DER_AGAIN);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	assert_int_equal(c.c_nr, 4);
	assert_null(coll_find(&c, "a/d"));
	assert_non_null(coll_find(&c, "e"));
	{
		struct d_tm_source src = {.src_reader = r, .src_rank = 0};
		char              *got = prom_text(&src, 1, -DER_AGAIN);

		assert_non_null(strstr(got, "engine_e{rank=\"0\"} 0\n"));
		assert_null(strstr(got, "engine_a_d"));
		free(got);
	}
	memcpy(img, orig, SEG_SIZE);

	/* a chain deeper than D_TM_DEPTH_MAX, each link consistent */
	{
		uint64_t prev = root;
		uint64_t off  = ((const struct d_tm_shm_hdr *)img)->sh_hwm;

		IMG_NODE(img, e)->tn_next = off;
		for (int i = 0; i <= D_TM_DEPTH_MAX; i++, off += NODE_SZ) {
			img_craft(img, off, D_TM_DIRECTORY, "l", prev);
			if (prev != root)
				IMG_NODE(img, prev)->tn_child = off;
			prev = off;
		}
		REWALK(-DER_DF_INVAL);
	}
	/* a chain of 63-character names longer than D_TM_PATH_MAX */
	{
		char     name[D_TM_NAME_MAX];
		uint64_t prev = root;
		uint64_t off  = ((const struct d_tm_shm_hdr *)img)->sh_hwm;

		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1]    = '\0';
		IMG_NODE(img, e)->tn_next = off;
		for (int i = 0; i < 5; i++, off += NODE_SZ) {
			img_craft(img, off, D_TM_DIRECTORY, name, prev);
			if (prev != root)
				IMG_NODE(img, prev)->tn_child = off;
			prev = off;
		}
		REWALK(-DER_DF_INVAL);
	}
#undef REWALK
}

/* TM15: random byte corruption (seeded) never crashes a reader or an export. */
static void
tm15_corrupt_random(void **state)
{
	char    *orig, *img;
	key_t    ck;
	uint64_t seed  = 0x5eed1234abcdULL;
	size_t   used;
	int      ok = 0;

	(void)state;
	img_setup(&ck, &orig, &img, D_TM_SEG_SIZE_MIN * 2);
	used = ((const struct d_tm_shm_hdr *)orig)->sh_hwm;
	for (int iter = 0; iter < 3000; iter++) {
		struct d_tm_reader *r = NULL;
		int                 nflip = 1 + (int)(xorshift(&seed) % 8);
		int                 rc;
		int                 count = 0;

		memcpy(img, orig, D_TM_SEG_SIZE_MIN * 2);
		for (int i = 0; i < nflip; i++) {
			size_t at = (size_t)(xorshift(&seed) % used);

			/* mostly single bits, sometimes a whole byte */
			if (i % 2)
				img[at] = (char)xorshift(&seed);
			else
				img[at] ^= (char)(1u << (xorshift(&seed) % 8));
		}
		rc = d_tm_reader_open(ck, &r);
		if (rc != 0) {
			assert_true(rc == -DER_DF_INVAL || rc == -DER_DF_INCOMPT ||
				    rc == -DER_AGAIN);
			continue;
		}
		rc = d_tm_walk(r, NULL, noop_cb, &count);
		assert_true(rc == 0 || rc == -DER_DF_INVAL || rc == -DER_AGAIN);
		assert_true(count <= (int)((D_TM_SEG_SIZE_MIN * 2 - HDR_SZ) / NODE_SZ));
		if (rc == 0)
			ok++;
		{
			struct d_tm_source src = {.src_reader = r, .src_rank = 1};
			FILE              *f   = fopen("/dev/null", "w");

			assert_non_null(f);
			rc = d_tm_export_prometheus(&src, 1, "engine", f);
			assert_true(rc == 0 || rc == -DER_DF_INVAL || rc == -DER_AGAIN);
			rc = d_tm_export_csv(r, NULL, true, f);
			assert_true(rc == 0 || rc == -DER_DF_INVAL || rc == -DER_AGAIN);
			fclose(f);
		}
		d_tm_reader_close(r);
	}
	print_message("%d of 3000 corrupted images still walked cleanly\n", ok);
}

/* TM16: a leftover segment is recreated when ours, refused when another uid's. */
static void
tm16_leftover(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = seg_new(key, SEG_SIZE);
	struct d_tm_seg    *seg2;
	struct d_tm_reader *r;
	struct shmid_ds     ds;
	struct coll         c;
	int                 id;

	(void)state;
	assert_int_equal(d_tm_add_metric(seg, NULL, D_TM_COUNTER, NULL, NULL, "old"), 0);
	r = rd_new(key);
	seg_close(seg, false); /* an engine that died: the segment stays */
	assert_false(d_tm_reader_stale(r));
	seg2 = seg_new(key, SEG_SIZE * 2);
	assert_true(d_tm_reader_stale(r));
	rd_close(r);
	r = rd_new(key);
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(c.c_nr, 0);
	seg_close(seg2, false);
	rd_close(r);

	if (geteuid() != 0) {
		print_message("not root: the foreign-owner case needs IPC_SET to another uid\n");
		return;
	}
	id = shmget(key, 0, 0);
	assert_true(id >= 0);
	assert_int_equal(shmctl(id, IPC_STAT, &ds), 0);
	ds.shm_perm.uid = 65534;
	assert_int_equal(shmctl(id, IPC_SET, &ds), 0);
	seg2 = NULL;
	assert_int_equal(d_tm_seg_create(key, SEG_SIZE, &seg2), -DER_SHMEM_PERMS);
	assert_null(seg2);
}

struct dur_arg {
	struct d_tm_node *da_node;
};

static void *
dur_end_thread(void *arg)
{
	d_tm_mark_duration_end(((struct dur_arg *)arg)->da_node);
	return NULL;
}

/* TM17: durations are timed per thread; nesting; an end without a start is ignored. */
static void
tm17_durations(void **state)
{
	key_t               key = key_new();
	struct d_tm_seg    *seg = seg_new(key, SEG_SIZE);
	struct d_tm_reader *r   = rd_new(key);
	struct d_tm_node   *outer, *inner, *cpu, *many[D_TM_DURATION_NEST_MAX + 1];
	struct dur_arg      da;
	pthread_t           th;
	struct timespec     nap = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
	const struct coll_item *it;
	struct coll         c;

	(void)state;
	assert_int_equal(d_tm_add_metric(seg, &outer, D_TM_DURATION, NULL, "us", "outer"), 0);
	assert_int_equal(d_tm_add_metric(seg, &inner, D_TM_DURATION, NULL, "us", "inner"), 0);
	assert_int_equal(d_tm_add_metric(seg, &cpu, D_TM_DURATION | D_TM_CLOCK_THREAD_CPUTIME,
					 NULL, "us", "cpu"),
			 0);
	d_tm_mark_duration_end(outer); /* no start */
	d_tm_mark_duration_start(outer);
	d_tm_mark_duration_start(inner);
	d_tm_mark_duration_start(cpu);
	nanosleep(&nap, NULL);
	d_tm_mark_duration_end(inner);
	d_tm_mark_duration_end(cpu);
	/* another thread cannot end this thread's duration */
	da.da_node = outer;
	assert_int_equal(pthread_create(&th, NULL, dur_end_thread, &da), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(coll_find(&c, "outer")->ci_samples, 0);
	d_tm_mark_duration_end(outer);
	d_tm_mark_duration_end(outer); /* a second end is ignored */

	assert_int_equal(walk(r, NULL, &c), 0);
	it = coll_find(&c, "outer");
	assert_int_equal(it->ci_samples, 1);
	assert_true(it->ci_value >= 20000 && it->ci_value < 10000000);
	it = coll_find(&c, "inner");
	assert_int_equal(it->ci_samples, 1);
	assert_true(it->ci_value >= 20000);
	assert_true(coll_find(&c, "outer")->ci_value >= it->ci_value);
	it = coll_find(&c, "cpu");
	assert_int_equal(it->ci_type, D_TM_DURATION | D_TM_CLOCK_THREAD_CPUTIME);
	assert_int_equal(it->ci_samples, 1);
	assert_true(it->ci_value < 20000); /* sleeping costs no CPU */

	/* more open durations than the table holds: the oldest start is dropped */
	for (int i = 0; i <= D_TM_DURATION_NEST_MAX; i++) {
		assert_int_equal(d_tm_add_metric(seg, &many[i], D_TM_DURATION, NULL, NULL, "m/%d",
						 i),
				 0);
		d_tm_mark_duration_start(many[i]);
	}
	for (int i = 0; i <= D_TM_DURATION_NEST_MAX; i++)
		d_tm_mark_duration_end(many[i]);
	assert_int_equal(walk(r, "m", &c), 0);
	assert_int_equal(c.c_items[1].ci_samples, 0);
	for (int i = 1; i <= D_TM_DURATION_NEST_MAX; i++)
		assert_int_equal(c.c_items[i + 1].ci_samples, 1);
}

/* ---- TM18: a writer process and a reader process at once ---- */

#define CONC_THREADS 2

struct conc_w {
	struct d_tm_node *cw_cnt;
	struct d_tm_node *cw_st;
	struct d_tm_node *cw_g;
	uint64_t          cw_ops;
	volatile int     *cw_stop;
};

static void *
conc_writer(void *arg)
{
	struct conc_w *w    = arg;
	uint64_t       seed = (uint64_t)(uintptr_t)arg | 1;

	while (!*w->cw_stop) {
		/* the stats gauge is shared by both threads: its spin flag serialises them */
		d_tm_set_gauge(w->cw_st, 10 + xorshift(&seed) % 991);
		d_tm_inc_counter(w->cw_cnt, 1);
		d_tm_inc_gauge(w->cw_g, 1);
		d_tm_dec_gauge(w->cw_g, 1);
		w->cw_ops++;
	}
	return NULL;
}

/* The child: write for ~1 s from two threads, report the totals, keep the segment. */
static void
conc_child(key_t key, int fd)
{
	struct d_tm_seg  *seg;
	struct d_tm_node *cnt, *st, *g;
	struct conc_w     w[CONC_THREADS];
	pthread_t         th[CONC_THREADS];
	volatile int      stop = 0;
	struct timespec   sec  = {.tv_sec = 1, .tv_nsec = 0};
	uint64_t          total = 0;

	if (d_tm_seg_create(key, SEG_SIZE, &seg) != 0 ||
	    d_tm_add_metric(seg, &cnt, D_TM_COUNTER, NULL, NULL, "ops/count") != 0 ||
	    d_tm_add_metric(seg, &st, D_TM_STATS_GAUGE, NULL, NULL, "ops/lat/tgt_0") != 0 ||
	    d_tm_add_metric(seg, &g, D_TM_GAUGE, NULL, NULL, "ops/active") != 0)
		_exit(2);
	if (write(fd, "R", 1) != 1)
		_exit(3);
	for (int i = 0; i < CONC_THREADS; i++) {
		w[i] = (struct conc_w){.cw_cnt = cnt, .cw_st = st, .cw_g = g, .cw_stop = &stop};
		if (pthread_create(&th[i], NULL, conc_writer, &w[i]) != 0)
			_exit(4);
	}
	nanosleep(&sec, NULL);
	stop = 1;
	for (int i = 0; i < CONC_THREADS; i++) {
		pthread_join(th[i], NULL);
		total += w[i].cw_ops;
	}
	if (write(fd, &total, sizeof(total)) != sizeof(total))
		_exit(5);
	d_tm_seg_destroy(seg, false); /* the parent removes it */
	_exit(0);
}

/*
 * TM18: a concurrent writer process: counters monotonic, stats consistent
 * (invariant 4), final totals exact.
 */
static void
tm18_concurrent(void **state)
{
	key_t               key = key_new();
	struct d_tm_reader *r;
	struct coll         c;
	int                 fds[2];
	pid_t               pid;
	char                ready = 0;
	uint64_t            total = 0;
	uint64_t            last_cnt = 0, last_samples = 0;
	int                 status, walks = 0, again = 0;
	struct timespec     t0, now;
	bool                done = false;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		conc_child(key, fds[1]);
	}
	close(fds[1]);
	/* bounded: the child signals readiness at once or has died */
	assert_int_equal(read(fds[0], &ready, 1), 1);
	assert_int_equal(ready, 'R');
	r = rd_new(key);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!done) {
		const struct coll_item *cnt, *st, *g;
		int                     rc;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 20) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the writer did not finish in 20 s");
		}
		done = waitpid(pid, &status, WNOHANG) == pid;
		rc   = walk(r, NULL, &c);
		if (rc == -DER_AGAIN) {
			again++;
			continue;
		}
		assert_int_equal(rc, 0);
		walks++;
		cnt = coll_find(&c, "ops/count");
		st  = coll_find(&c, "ops/lat/tgt_0");
		g   = coll_find(&c, "ops/active");
		assert_non_null(cnt);
		assert_non_null(st);
		assert_non_null(g);
		assert_true(cnt->ci_value >= last_cnt);
		assert_true(st->ci_samples >= last_samples);
		assert_true(g->ci_value <= CONC_THREADS);
		last_cnt     = cnt->ci_value;
		last_samples = st->ci_samples;
		if (st->ci_samples > 0) {
			assert_true(st->ci_min >= 10 && st->ci_max <= 1000);
			assert_true(st->ci_min <= st->ci_value && st->ci_value <= st->ci_max);
			assert_true((double)st->ci_min <= st->ci_mean + 1e-9);
			assert_true(st->ci_mean <= (double)st->ci_max + 1e-9);
			assert_true(st->ci_sum >= st->ci_min * st->ci_samples);
			assert_true(st->ci_sum <= st->ci_max * st->ci_samples);
			assert_true(st->ci_stddev >= 0 && st->ci_stddev <= 1000);
		}
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(read(fds[0], &total, sizeof(total)), sizeof(total));
	close(fds[0]);

	/* after the writer: every increment and every sample is there */
	assert_int_equal(walk(r, NULL, &c), 0);
	assert_int_equal(coll_find(&c, "ops/count")->ci_value, total);
	assert_int_equal(coll_find(&c, "ops/lat/tgt_0")->ci_samples, total);
	assert_int_equal(coll_find(&c, "ops/active")->ci_value, 0);
	print_message("%d consistent walks (%d retried), %" PRIu64 " writes\n", walks, again,
		      total);
	assert_true(walks > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(tm01_create_open, teardown),
	    cmocka_unit_test_teardown(tm02_types, teardown),
	    cmocka_unit_test_teardown(tm03_idempotent, teardown),
	    cmocka_unit_test_teardown(tm04_bad_input, teardown),
	    cmocka_unit_test_teardown(tm05_path_limits, teardown),
	    cmocka_unit_test_teardown(tm06_full, teardown),
	    cmocka_unit_test_teardown(tm07_delete, teardown),
	    cmocka_unit_test_teardown(tm08_stats, teardown),
	    cmocka_unit_test_teardown(tm09_prometheus, teardown),
	    cmocka_unit_test_teardown(tm10_prometheus_merge, teardown),
	    cmocka_unit_test_teardown(tm11_csv, teardown),
	    cmocka_unit_test_teardown(tm12_walk_subpath, teardown),
	    cmocka_unit_test_teardown(tm13_corrupt_header, teardown),
	    cmocka_unit_test_teardown(tm14_corrupt_nodes, teardown),
	    cmocka_unit_test_teardown(tm15_corrupt_random, teardown),
	    cmocka_unit_test_teardown(tm16_leftover, teardown),
	    cmocka_unit_test_teardown(tm17_durations, teardown),
	    cmocka_unit_test_teardown(tm18_concurrent, teardown),
	};

	return cmocka_run_group_tests_name("telemetry", tests, NULL, NULL);
}
