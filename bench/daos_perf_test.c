/*
 * daos_perf_test.c: unit tests of daos_perf's command line, histograms, slot
 * orders and data stamps (bench/daos_perf_args.c, daos_perf_stats.c). No
 * server is needed: `meson test daos_perf`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daos_perf.h"

/* Parse a NULL-terminated argument list (argv[0] added). */
static int
parse(struct dperf_cfg *cfg, char *err, size_t len, int tty, ...)
{
	char   *argv[64];
	int     argc = 0;
	va_list ap;

	argv[argc++] = "daos_perf";
	va_start(ap, tty);
	for (char *a = va_arg(ap, char *); a != NULL; a = va_arg(ap, char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return dperf_args_parse(argc, argv, tty != 0, cfg, err, len);
}

#define PARSE(cfg, err, ...) parse(cfg, err, sizeof(err), 0, __VA_ARGS__, (char *)NULL)

/* PERF01: sizes take binary (K, KiB...) and decimal (KB...) suffixes, any case; junk is refused */
static void
perf01_parse_size(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(dperf_parse_size("64", &v), 0);
	assert_int_equal(v, 64);
	assert_int_equal(dperf_parse_size("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(dperf_parse_size("4k", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(dperf_parse_size("4KiB", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(dperf_parse_size("4KB", &v), 0);
	assert_int_equal(v, 4000);
	assert_int_equal(dperf_parse_size("16M", &v), 0);
	assert_int_equal(v, 16ULL << 20);
	assert_int_equal(dperf_parse_size("2mb", &v), 0);
	assert_int_equal(v, 2000000);
	assert_int_equal(dperf_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(dperf_parse_size("3TiB", &v), 0);
	assert_int_equal(v, 3ULL << 40);
	assert_int_equal(dperf_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(dperf_parse_size("", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size("K", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size("4X", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size("-1", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size("1.5M", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size(" 4K", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size("4K ", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size("4KiBibyte", &v), -DER_INVAL);
	assert_int_equal(dperf_parse_size("18446744073709551616", &v), -DER_OVERFLOW);
	assert_int_equal(dperf_parse_size("99999999999999999999999999", &v), -DER_OVERFLOW);
	assert_int_equal(dperf_parse_size("16777216T", &v), -DER_OVERFLOW);
	assert_int_equal(dperf_parse_size(NULL, &v), -DER_INVAL);
}

/* PERF02: the defaults with only -P */
static void
perf02_defaults(void **state)
{
	struct dperf_cfg cfg;
	char             err[256];

	(void)state;
	assert_int_equal(PARSE(&cfg, err, "-P", "pool1"), 0);
	assert_string_equal(cfg.pc_pool, "pool1");
	assert_string_equal(cfg.pc_cont, "");
	assert_int_equal(cfg.pc_nwl, 1);
	assert_int_equal(cfg.pc_wl[0], DPERF_WL_ARRAY);
	assert_int_equal(cfg.pc_nsizes, 0);
	assert_int_equal(cfg.pc_noc, 1);
	assert_int_equal(cfg.pc_oc[0], OC_S1);
	assert_string_equal(cfg.pc_oc_name[0], "S1");
	assert_int_equal(cfg.pc_threads, 1);
	assert_int_equal(cfg.pc_depth, 16);
	assert_int_equal(cfg.pc_objects, 1);
	assert_true(cfg.pc_seconds == 5.0);
	assert_int_equal(cfg.pc_bytes, 0);
	assert_int_equal(cfg.pc_span, 256ULL << 20);
	assert_int_equal(cfg.pc_chunk, 1ULL << 20);
	assert_false(cfg.pc_random);
	assert_false(cfg.pc_json);
	assert_false(cfg.pc_progress);
	assert_false(cfg.pc_keep);
	assert_true(cfg.pc_verify);
	assert_false(cfg.pc_help);
	assert_int_equal(dperf_wl_default_size(DPERF_WL_ARRAY), 1 << 20);
	assert_int_equal(dperf_wl_default_size(DPERF_WL_SV), 64);
	assert_int_equal(dperf_wl_default_size(DPERF_WL_KV), 64);
}

/* PERF03: every option, long and short, lands in its field */
static void
perf03_all_options(void **state)
{
	struct dperf_cfg cfg;
	char             err[256];

	(void)state;
	assert_int_equal(PARSE(&cfg, err, "--pool", "p", "--cont", "c-1", "--workload",
			       "kv,sv,array", "--sizes", "64,4K,1M", "--oclass", "s1,SX",
			       "--threads", "4", "--depth", "32", "--data", "64M", "--rand",
			       "--objects", "8", "--chunk", "4M", "--seed", "7", "--json", "--keep",
			       "--no-verify"),
			 0);
	assert_string_equal(cfg.pc_pool, "p");
	assert_string_equal(cfg.pc_cont, "c-1");
	assert_int_equal(cfg.pc_nwl, 3);
	assert_int_equal(cfg.pc_wl[0], DPERF_WL_KV);
	assert_int_equal(cfg.pc_wl[1], DPERF_WL_SV);
	assert_int_equal(cfg.pc_wl[2], DPERF_WL_ARRAY);
	assert_int_equal(cfg.pc_nsizes, 3);
	assert_int_equal(cfg.pc_sizes[1], 4096);
	assert_int_equal(cfg.pc_noc, 2);
	assert_string_equal(cfg.pc_oc_name[0], "S1");
	assert_string_equal(cfg.pc_oc_name[1], "SX");
	assert_int_equal(cfg.pc_oc[1], OC_SX);
	assert_int_equal(cfg.pc_threads, 4);
	assert_int_equal(cfg.pc_depth, 32);
	assert_int_equal(cfg.pc_bytes, 64ULL << 20);
	assert_true(cfg.pc_seconds == 0);
	assert_true(cfg.pc_random);
	assert_int_equal(cfg.pc_objects, 8);
	assert_int_equal(cfg.pc_chunk, 4ULL << 20);
	assert_int_equal(cfg.pc_seed, 7);
	assert_true(cfg.pc_json);
	assert_true(cfg.pc_keep);
	assert_false(cfg.pc_verify);

	assert_int_equal(PARSE(&cfg, err, "-P", "p", "-C", "c", "-w", "sv", "-s", "4k", "-o",
			       "RP_2G1", "-t", "2", "-q", "8", "-T", "0.5", "-n", "3", "--seq",
			       "--span", "1M", "-j"),
			 0);
	assert_int_equal(cfg.pc_wl[0], DPERF_WL_SV);
	assert_int_equal(cfg.pc_sizes[0], 4096);
	assert_string_equal(cfg.pc_oc_name[0], "RP_2G1"); /* refused later, by libdaos */
	assert_true(cfg.pc_seconds == 0.5);
	assert_int_equal(cfg.pc_span, 1ULL << 20);
	assert_false(cfg.pc_random);
	assert_int_equal(PARSE(&cfg, err, "-P", "p", "--random"), 0);
	assert_true(cfg.pc_random);
	/* a later list replaces an earlier one */
	assert_int_equal(PARSE(&cfg, err, "-P", "p", "-s", "4K", "-s", "8K"), 0);
	assert_int_equal(cfg.pc_nsizes, 1);
	assert_int_equal(cfg.pc_sizes[0], 8192);
}

struct bad_case {
	const char *bc_args[12];
	const char *bc_msg;
};

/* PERF04: every class of bad value is refused with -DER_INVAL and its reason */
static void
perf04_bad_values(void **state)
{
	static const struct bad_case cases[] = {
	    {{NULL}, "no pool: give -P POOL (a label or a UUID)"},
	    {{"-P", ""}, "-P: a name of 1..127 characters is needed"},
	    {{"-P", "a b"}, "-P 'a b': a label has only letters, digits and - _ . :"},
	    {{"-P", "p", "-C", "x/y"}, "-C 'x/y': a label has only letters, digits and - _ . :"},
	    {{"-P", "p", "-w", "foo"}, "-w 'foo': unknown workload (array, sv, kv)"},
	    {{"-P", "p", "-w", "posix"},
	     "-w posix: POSIX metadata needs libdfs, which does not exist in this tree yet"},
	    {{"-P", "p", "-w", "array,,sv"}, "-w 'array,,sv': empty item in the list"},
	    {{"-P", "p", "-w", ""}, "-w '': empty item in the list"},
	    {{"-P", "p", "-w", "sv,sv"}, "-w: workload 'sv' is given twice"},
	    {{"-P", "p", "-s", "0"}, "-s '0': not a size in bytes (e.g. 64, 4K, 1M; at least 1)"},
	    {{"-P", "p", "-s", "4Q"}, "-s '4Q': not a size in bytes (e.g. 64, 4K, 1M; at least 1)"},
	    {{"-P", "p", "-s", "128M"}, "-s 128M: larger than 64 MiB"},
	    {{"-P", "p", "-s", "4K,4096"}, "-s: size 4096 is given twice"},
	    {{"-P", "p", "-w", "sv", "-s", "2M"}, "-s 2MiB: a sv value is at most 1MiB"},
	    {{"-P", "p", "-o", "Z9"},
	     "-o 'Z9': unknown object class (e.g. S1, S2, S4, S8, SX, RP_2G1, EC_2P1G1)"},
	    {{"-P", "p", "-o", "S1,s1"}, "-o: class S1 is given twice"},
	    {{"-P", "p", "-t", "0"}, "-t '0': not a whole number in 1..64"},
	    {{"-P", "p", "-t", "65"}, "-t '65': not a whole number in 1..64"},
	    {{"-P", "p", "-t", "2x"}, "-t '2x': not a whole number in 1..64"},
	    {{"-P", "p", "-q", "257"}, "-q '257': not a whole number in 1..256"},
	    {{"-P", "p", "-q", "-1"}, "-q '-1': not a whole number in 1..256"},
	    {{"-P", "p", "-n", "4097"}, "-n '4097': not a whole number in 1..4096"},
	    {{"-P", "p", "-T", "0"}, "-T '0': not a number of seconds in (0, 86400]"},
	    {{"-P", "p", "-T", "nan"}, "-T 'nan': not a number of seconds in (0, 86400]"},
	    {{"-P", "p", "-T", "1e9"}, "-T '1e9': not a number of seconds in (0, 86400]"},
	    {{"-P", "p", "-T", "5s"}, "-T '5s': not a number of seconds in (0, 86400]"},
	    {{"-P", "p", "-D", "0"}, "-D '0': not a size in 1 B .. 1 PiB (e.g. 64M, 2G)"},
	    {{"-P", "p", "-D", "2048T"}, "-D '2048T': not a size in 1 B .. 1 PiB (e.g. 64M, 2G)"},
	    {{"-P", "p", "--span", "x"}, "--span 'x': not a size in 1 B .. 1 PiB (e.g. 64M, 2G)"},
	    {{"-P", "p", "--chunk", "128M"}, "--chunk 128M: at most 64 MiB"},
	    {{"-P", "p", "--seed", "-3"}, "--seed '-3': not a whole number"},
	    {{"-P", "p", "-T", "1", "-D", "1M"}, "-T and -D exclude each other"},
	    {{"-P", "p", "--seq", "--rand"}, "--seq and --rand exclude each other"},
	    {{"-P", "p", "-D", "1M", "--span", "1M"},
	     "--span applies to -T runs: -D already fixes the data"},
	    {{"-P", "p", "-D", "1M", "-t", "2"},
	     "-D 1MiB over 2 threads is less than one 1MiB operation per thread"},
	    {{"-P", "p", "--span", "1K", "-s", "4K"},
	     "--span 1KiB is less than one 4KiB operation"},
	    {{"-P", "p", "-s", "64M", "-t", "8", "-q", "16"},
	     "-t 8 x -q 16 x -s 64MiB needs 8192 MiB of buffers, more than 4096 MiB"},
	    {{"-P", "p", "-s", "16M", "-t", "16", "-q", "16"},
	     "-t 16 x -q 16 of 16MiB arrays in 1MiB chunks may put 4352 calls in flight, more "
	     "than libdaos's 4096: lower -t or -q, or raise --chunk"},
	    {{"-P", "p", "-x"}, "unknown option -x"},
	    {{"-P", "p", "--frobnicate"}, "unknown option --frobnicate"},
	    {{"-P", "p", "-t"}, "-t needs a value"},
	    {{"-P", "p", "--threads"}, "--threads needs a value"},
	    {{"-P", "p", "extra"}, "unexpected argument 'extra'"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char            *argv[14] = {"daos_perf"};
		int              argc     = 1;
		struct dperf_cfg cfg;
		char             err[256];

		for (int k = 0; cases[i].bc_args[k] != NULL; k++)
			argv[argc++] = (char *)cases[i].bc_args[k];
		argv[argc] = NULL;
		assert_int_equal(dperf_args_parse(argc, argv, false, &cfg, err, sizeof(err)),
				 -DER_INVAL);
		if (strcmp(err, cases[i].bc_msg) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].bc_msg);
	}
}

/* PERF05: the progress line follows the terminal unless asked; never by default with -j */
static void
perf05_progress_default(void **state)
{
	struct dperf_cfg cfg;
	char             err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, sizeof(err), 1, "-P", "p", (char *)NULL), 0);
	assert_true(cfg.pc_progress);
	assert_int_equal(parse(&cfg, err, sizeof(err), 1, "-P", "p", "-j", (char *)NULL), 0);
	assert_false(cfg.pc_progress);
	assert_int_equal(parse(&cfg, err, sizeof(err), 1, "-P", "p", "--no-progress",
			       (char *)NULL), 0);
	assert_false(cfg.pc_progress);
	assert_int_equal(parse(&cfg, err, sizeof(err), 0, "-P", "p", "--progress",
			       (char *)NULL), 0);
	assert_true(cfg.pc_progress);
	assert_int_equal(parse(&cfg, err, sizeof(err), 0, "-P", "p", "-j", "--progress",
			       (char *)NULL), 0);
	assert_true(cfg.pc_progress);
}

/* PERF06: --help stops parsing; the usage names every option and says POSIX is not there */
static void
perf06_help(void **state)
{
	static const char *const opts[] = {
	    "--pool", "--cont", "--workload", "--sizes", "--oclass", "--threads", "--depth",
	    "--time", "--data", "--seq", "--rand", "--objects", "--span", "--chunk", "--seed",
	    "--json", "--progress", "--no-progress", "--keep", "--no-verify", "--help",
	};
	struct dperf_cfg cfg;
	char             err[256];

	(void)state;
	assert_int_equal(PARSE(&cfg, err, "-h", "-t", "0"), 0);
	assert_true(cfg.pc_help);
	assert_int_equal(PARSE(&cfg, err, "--help"), 0);
	assert_true(cfg.pc_help);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		assert_non_null(strstr(dperf_usage, opts[i]));
	assert_non_null(strstr(dperf_usage, "libdfs does not exist"));
}

/* PERF07: every value falls in a bucket whose bounds hold it; buckets are at most 1/32 wide */
static void
perf07_hist_buckets(void **state)
{
	uint64_t prev_hi = 0;

	(void)state;
	for (unsigned i = 0; i < DPERF_HIST_BUCKETS; i++) {
		uint64_t lo, hi;

		dperf_hist_bounds(i, &lo, &hi);
		assert_true(lo <= hi);
		if (i > 0)
			assert_int_equal(lo, prev_hi + 1); /* contiguous, no gap */
		if (lo >= 32)
			assert_true((hi - lo + 1) * 32 <= lo);
		assert_int_equal(dperf_hist_index(lo), i);
		assert_int_equal(dperf_hist_index(hi), i);
		prev_hi = hi;
	}
	/* past the last octave: the last bucket */
	assert_int_equal(dperf_hist_index(UINT64_MAX), DPERF_HIST_BUCKETS - 1);
	assert_int_equal(dperf_hist_index(0), 0);
	assert_int_equal(dperf_hist_index(31), 31);
	assert_int_equal(dperf_hist_index(32), 32);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* PERF08: percentiles within 2% of the exact ones; ordered; empty and single-value cases */
static void
perf08_hist_percentiles(void **state)
{
	const size_t       n  = 200000;
	static const double ps[] = {1, 50, 90, 95, 99, 99.9};
	uint64_t          *v  = malloc(n * sizeof(*v));
	struct dperf_hist *h  = malloc(sizeof(*h));
	uint64_t           x  = 12345;

	(void)state;
	assert_non_null(v);
	assert_non_null(h);
	dperf_hist_reset(h);
	assert_true(dperf_hist_pct(h, 50) == 0);
	/* a long-tailed mix: 20 us typical, a few ms outliers */
	for (size_t i = 0; i < n; i++) {
		double u;

		x    = dperf_mix64(x);
		u    = (double)(x >> 11) / (double)(1ULL << 53);
		v[i] = (uint64_t)(20000.0 * exp(2.0 * (u - 0.5)));
		if (i % 997 == 0)
			v[i] *= 150;
		dperf_hist_add(h, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		double exact = (double)v[(size_t)ceil(ps[k] / 100.0 * (double)n) - 1];
		double got   = dperf_hist_pct(h, ps[k]);

		if (fabs(got - exact) > 0.02 * exact)
			fail_msg("p%g: %f vs exact %f", ps[k], got, exact);
	}
	assert_true(dperf_hist_pct(h, 50) <= dperf_hist_pct(h, 95));
	assert_true(dperf_hist_pct(h, 95) <= dperf_hist_pct(h, 99));
	assert_true(dperf_hist_pct(h, 99) <= (double)h->h_max);
	assert_true(dperf_hist_pct(h, 100) == (double)v[n - 1]);
	assert_int_equal(h->h_max, v[n - 1]);
	assert_int_equal(h->h_min, v[0]);
	assert_int_equal(h->h_count, n);
	/* one value: every percentile is that value exactly (clamped to min/max) */
	dperf_hist_reset(h);
	dperf_hist_add(h, 123457);
	assert_true(dperf_hist_pct(h, 50) == 123457);
	assert_true(dperf_hist_pct(h, 99) == 123457);
	free(v);
	free(h);
}

/* PERF09: merging histograms equals adding every value into one */
static void
perf09_hist_merge(void **state)
{
	struct dperf_hist *a   = malloc(sizeof(*a));
	struct dperf_hist *b   = malloc(sizeof(*b));
	struct dperf_hist *all = malloc(sizeof(*all));

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(all);
	dperf_hist_reset(a);
	dperf_hist_reset(b);
	dperf_hist_reset(all);
	for (uint64_t i = 1; i < 5000; i++) {
		uint64_t val = dperf_mix64(i) % 10000000;

		dperf_hist_add(i % 3 ? a : b, val);
		dperf_hist_add(all, val);
	}
	dperf_hist_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	dperf_hist_reset(b);
	dperf_hist_merge(a, b); /* an empty one changes nothing */
	assert_memory_equal(a, all, sizeof(*a));
	free(a);
	free(b);
	free(all);
}

/* PERF10: orders are bijections of [0, n); random ones depend on the key; seq is identity */
static void
perf10_perm(void **state)
{
	static const uint64_t ns[] = {1, 2, 3, 5, 64, 1000, 4097, 65536, 100003};

	(void)state;
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		uint64_t          n    = ns[k];
		uint8_t          *seen = calloc(n, 1);
		struct dperf_perm p, q, s;
		uint64_t          same = 0;

		assert_non_null(seen);
		dperf_perm_init(&p, n, true, 42);
		dperf_perm_init(&q, n, true, 43);
		dperf_perm_init(&s, n, false, 42);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t y = dperf_perm_at(&p, i);

			assert_true(y < n);
			assert_int_equal(seen[y], 0);
			seen[y] = 1;
			same += y == dperf_perm_at(&q, i);
			assert_int_equal(dperf_perm_at(&s, i), i);
		}
		if (n >= 1000)
			assert_true(same < n / 50); /* another key, another order */
		free(seen);
	}
}

/* PERF11: stamps pass their own check and fail on a changed byte, index or object */
static void
perf11_stamp(void **state)
{
	unsigned char buf[64];

	(void)state;
	for (uint64_t size = 1; size <= sizeof(buf); size++) {
		memset(buf, 0xee, sizeof(buf));
		dperf_stamp(buf, size, 1, 77, 5);
		assert_true(dperf_check(buf, size, 1, 77, 5));
		assert_false(dperf_check(buf, size, 1, 77, 6));
		assert_false(dperf_check(buf, size, 1, 78, 5));
		assert_false(dperf_check(buf, size, 2, 77, 5));
		buf[0] ^= 1;
		assert_false(dperf_check(buf, size, 1, 77, 5));
		buf[0] ^= 1;
		buf[size - 1] ^= 0x80;
		assert_false(dperf_check(buf, size, 1, 77, 5));
		buf[size - 1] ^= 0x80;
		if (size > 16) { /* the middle is not checked: that is the point (cheap) */
			buf[size / 2] ^= 1;
			assert_true(dperf_check(buf, size, 1, 77, 5));
		}
		if (size < sizeof(buf)) /* nothing written past the value */
			assert_int_equal(buf[size], 0xee);
	}
}

/* PERF12: sizes print compactly and exactly */
static void
perf12_size_str(void **state)
{
	char b[32];

	(void)state;
	dperf_size_str(64, b, sizeof(b));
	assert_string_equal(b, "64");
	dperf_size_str(4096, b, sizeof(b));
	assert_string_equal(b, "4KiB");
	dperf_size_str(1 << 20, b, sizeof(b));
	assert_string_equal(b, "1MiB");
	dperf_size_str(16ULL << 30, b, sizeof(b));
	assert_string_equal(b, "16GiB");
	dperf_size_str(4000, b, sizeof(b));
	assert_string_equal(b, "4000");
	dperf_size_str(1536, b, sizeof(b));
	assert_string_equal(b, "1536");
	dperf_size_str(0, b, sizeof(b));
	assert_string_equal(b, "0");
	assert_string_equal(dperf_wl_name(DPERF_WL_SV), "sv");
	assert_string_equal(dperf_wl_name(DPERF_WL_NR), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(perf01_parse_size),     cmocka_unit_test(perf02_defaults),
	    cmocka_unit_test(perf03_all_options),    cmocka_unit_test(perf04_bad_values),
	    cmocka_unit_test(perf05_progress_default), cmocka_unit_test(perf06_help),
	    cmocka_unit_test(perf07_hist_buckets),   cmocka_unit_test(perf08_hist_percentiles),
	    cmocka_unit_test(perf09_hist_merge),     cmocka_unit_test(perf10_perm),
	    cmocka_unit_test(perf11_stamp),          cmocka_unit_test(perf12_size_str),
	};

	return cmocka_run_group_tests_name("daos_perf", tests, NULL, NULL);
}
