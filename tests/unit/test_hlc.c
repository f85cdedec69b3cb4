/*
 * test_hlc.c: hybrid logical clock (src/gurt/hlc.c). The physical clock is
 * simulated through d_hlc_set_clock so every case is deterministic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdlib.h>
#include <cmocka.h>

#include <daos_errno.h>

#include "gurt/hlc.h"

#define NS 1000000000ULL

static uint64_t sim_now_ns;

static uint64_t
sim_clock(void)
{
	return __atomic_load_n(&sim_now_ns, __ATOMIC_RELAXED);
}

static int
setup(void **state)
{
	(void)state;
	/* 2026-01-01T00:00:00Z, later than every value a previous case produced. */
	static uint64_t base = 1767225600ULL * NS;

	base += 1000 * NS;
	sim_now_ns = base;
	d_hlc_set_clock(sim_clock);
	return d_hlc_set_epsilon(D_HLC_EPSILON_NS_DEF);
}

static int
teardown(void **state)
{
	(void)state;
	d_hlc_set_clock(NULL);
	return 0;
}

/* HLC01 (invariant 1): timestamps strictly increase while the clock stands still. */
static void
hlc01_monotonic_frozen_clock(void **state)
{
	uint64_t prev = d_hlc_get();

	(void)state;
	for (int i = 0; i < 10000; i++) {
		uint64_t t = d_hlc_get();

		assert_true(t > prev);
		prev = t;
	}
	/* Only the logical part moved: the physical part is still "now". */
	assert_true((prev & ~D_HLC_LOGICAL_MASK) == d_unix_ns2hlc(sim_now_ns));
}

/* HLC02: when the physical clock moves on, the logical counter restarts at 0. */
static void
hlc02_physical_advance(void **state)
{
	uint64_t t;

	(void)state;
	(void)d_hlc_get();
	(void)d_hlc_get();
	sim_now_ns += NS;
	t = d_hlc_get();
	assert_int_equal(t & D_HLC_LOGICAL_MASK, 0);
	assert_true(t == d_unix_ns2hlc(sim_now_ns));
}

/* HLC03 (invariant 2): a message from a peer slightly ahead moves the clock past it. */
static void
hlc03_recv_ahead_within_epsilon(void **state)
{
	uint64_t msg = d_unix_ns2hlc(sim_now_ns + NS / 2) + 5;
	uint64_t out = 0, off = 0;

	(void)state;
	assert_int_equal(d_hlc_recv(msg, &out, &off), 0);
	assert_true(out > msg);
	assert_true(off > 0 && off <= NS / 2 + 5);
	assert_true(d_hlc_get() > out);
}

/* HLC04 (invariant 2): a peer ahead by more than epsilon is refused with DER_HLC_SYNC. */
static void
hlc04_recv_skew_refused(void **state)
{
	uint64_t before = d_hlc_last();
	uint64_t msg    = d_unix_ns2hlc(sim_now_ns + 2 * NS);
	uint64_t out = 7, off = 0;

	(void)state;
	assert_int_equal(d_hlc_recv(msg, &out, &off), -DER_HLC_SYNC);
	assert_int_equal(out, 7);
	assert_true(off >= 2 * NS - (1ULL << D_HLC_LOGICAL_BITS));
	assert_true(d_hlc_last() == before);
	/* A larger epsilon accepts it. */
	assert_int_equal(d_hlc_set_epsilon(3 * NS), 0);
	assert_int_equal(d_hlc_recv(msg, &out, NULL), 0);
	assert_true(out > msg);
}

/* HLC05: a message from the past does not move the clock back. */
static void
hlc05_recv_past(void **state)
{
	uint64_t now = d_hlc_get();
	uint64_t out, off = 1;

	(void)state;
	assert_int_equal(d_hlc_recv(now - 10 * NS, &out, &off), 0);
	assert_int_equal(off, 0);
	assert_true(out > now);
}

/* HLC06: conversions to Unix time round-trip to the HLC resolution. */
static void
hlc06_conversions(void **state)
{
	uint64_t        unix_ns = 1700000000ULL * NS + 123456789ULL;
	uint64_t        h       = d_unix_ns2hlc(unix_ns);
	struct timespec ts;

	(void)state;
	assert_int_equal(h & D_HLC_LOGICAL_MASK, 0);
	assert_true(unix_ns - d_hlc2unix_ns(h) < (1ULL << D_HLC_LOGICAL_BITS));
	d_hlc2timespec(h, &ts);
	assert_int_equal(ts.tv_sec, 1700000000);
	assert_true(ts.tv_nsec <= 123456789 && ts.tv_nsec > 123456789 - (1 << D_HLC_LOGICAL_BITS));
	/* Before the HLC epoch everything maps to 0. */
	assert_int_equal(d_unix_ns2hlc(0), 0);
	assert_int_equal(d_unix_ns2hlc(D_HLC_EPOCH_UNIX_SEC * NS), 0);
}

/* HLC07: epsilon limits: above the maximum is refused and nothing changes. */
static void
hlc07_epsilon_bounds(void **state)
{
	(void)state;
	assert_int_equal(d_hlc_set_epsilon(D_HLC_EPSILON_NS_MAX + 1), -DER_INVAL);
	assert_true(d_hlc_get_epsilon() == D_HLC_EPSILON_NS_DEF);
	assert_int_equal(d_hlc_set_epsilon(D_HLC_EPSILON_NS_MAX), 0);
	assert_int_equal(d_hlc_set_epsilon(0), 0);
	/* With zero skew allowed, any message ahead of the clock is refused. */
	assert_int_equal(d_hlc_recv(d_unix_ns2hlc(sim_now_ns) + (1ULL << 20), NULL, NULL),
			 -DER_HLC_SYNC);
}

/* HLC08: age in seconds on the simulated clock. */
static void
hlc08_age(void **state)
{
	uint64_t t = d_hlc_get();

	(void)state;
	assert_int_equal(d_hlc_age_sec(t), 0);
	sim_now_ns += 5 * NS + NS / 2;
	assert_int_equal(d_hlc_age_sec(t), 5);
	assert_int_equal(d_hlc_age_sec(t + 100 * NS), 0);
}

#define HLC09_THREADS 4
#define HLC09_PER     20000

static void *
hlc09_worker(void *arg)
{
	uint64_t *out = arg;

	for (int i = 0; i < HLC09_PER; i++) {
		/* Mix local events with merges of the latest value seen anywhere. */
		if (i % 3 == 0 || d_hlc_recv(d_hlc_last(), &out[i], NULL) != 0)
			out[i] = d_hlc_get();
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* HLC09 (invariant 1): concurrent threads never receive the same timestamp. */
static void
hlc09_threads_unique(void **state)
{
	static uint64_t vals[HLC09_THREADS][HLC09_PER];
	pthread_t       th[HLC09_THREADS];
	uint64_t       *all = &vals[0][0];

	(void)state;
	for (int i = 0; i < HLC09_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hlc09_worker, vals[i]), 0);
	for (int i = 0; i < HLC09_THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < HLC09_THREADS; i++)
		for (int j = 1; j < HLC09_PER; j++)
			assert_true(vals[i][j] > vals[i][j - 1]);
	qsort(all, HLC09_THREADS * HLC09_PER, sizeof(uint64_t), cmp_u64);
	for (int i = 1; i < HLC09_THREADS * HLC09_PER; i++)
		assert_true(all[i] != all[i - 1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hlc01_monotonic_frozen_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc02_physical_advance, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc03_recv_ahead_within_epsilon, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc04_recv_skew_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc05_recv_past, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc06_conversions, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc07_epsilon_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc08_age, setup, teardown),
		cmocka_unit_test_setup_teardown(hlc09_threads_unique, setup, teardown),
	};

	return cmocka_run_group_tests_name("hlc", tests, NULL, NULL);
}
