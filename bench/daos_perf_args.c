/*
 * daos_perf_args.c: daos_perf's command line.
 *
 * Every value is checked here, before libdaos is initialised, so that a bad
 * command line exits 1 with one sentence naming the option and the value,
 * and nothing is sent to the agent or an engine. Checks that combine options
 * (buffer memory, transport calls in flight, -D against the thread count and
 * sizes) are made once all options are known.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daos_perf.h"

const char dperf_usage[] =
	"usage: daos_perf -P POOL [-C CONT] [-w WORKLOADS] [-s SIZES] [-o CLASSES]\n"
	"                 [-t THREADS] [-q DEPTH] [-T SECONDS | -D BYTES] [--seq | --rand]\n"
	"                 [-n OBJECTS] [--span BYTES] [--chunk BYTES] [--seed N]\n"
	"                 [-j] [--progress | --no-progress] [--keep] [--no-verify]\n"
	"\n"
	"Measures a DAOS system through libdaos (the local daos_agent finds it): THREADS\n"
	"threads, each with its own event queue and DEPTH operations in flight, write then\n"
	"read back, for a time (-T) or an amount of data (-D). Prints ops/s, MB/s and the\n"
	"latency p50/p95/p99/max of every phase, and the client's peak RSS.\n"
	"\n"
	"  -P, --pool POOL        pool label or UUID (required)\n"
	"  -C, --cont CONT        use this container (objects are left in it); default: create\n"
	"                         daos_perf-<pid>, new for each run, destroyed at the end\n"
	"  -w, --workload LIST    comma list of (default array):\n"
	"                           array  byte arrays: daos_array_write, then daos_array_read\n"
	"                           sv     single values, one integer dkey each:\n"
	"                                  daos_obj_update, then daos_obj_fetch\n"
	"                           kv     daos_kv_put, daos_kv_get, then daos_kv_list\n"
	"                           posix  POSIX metadata through libdfs: not available yet\n"
	"                                  (libdfs does not exist in this tree)\n"
	"  -s, --sizes LIST       transfer sizes, e.g. 4K,1M,16M (K/M/G = KiB/MiB/GiB;\n"
	"                         KB/MB/GB = powers of 1000); array 1 B .. 64 MiB, sv and kv\n"
	"                         1 B .. 1 MiB; default array 1M, sv and kv 64\n"
	"  -o, --oclass LIST      object classes, e.g. S1,SX (default S1); replicated and\n"
	"                         erasure-coded classes (RP_*, EC_*) are refused by libdaos\n"
	"                         today (DER_NOSYS) and reported as such\n"
	"  -t, --threads N        client threads, 1..64 (default 1)\n"
	"  -q, --depth N          operations in flight per thread, 1..256 (default 16)\n"
	"  -T, --time SECONDS     length of each phase (default 5); a write phase also ends\n"
	"                         when it has covered its span\n"
	"  -D, --data BYTES       instead of -T: each phase moves exactly BYTES, split\n"
	"                         evenly over the threads\n"
	"      --seq, --rand      slot order: sequential (default) or a random permutation\n"
	"  -n, --objects N        objects per thread, 1..4096 (default 1); consecutive\n"
	"                         operations of a thread go to its objects in turn\n"
	"      --span BYTES       with -T: bytes per thread a write phase may cover\n"
	"                         (default 256M); the pool must hold threads x span per run\n"
	"      --chunk BYTES      array chunk size (default 1M, at most 64M)\n"
	"      --seed N           data pattern and random order seed (default 1)\n"
	"  -j, --json             JSON on stdout instead of the table (no progress line)\n"
	"      --progress         progress line on stderr (default: when stderr is a terminal\n"
	"      --no-progress      and -j is not given)\n"
	"      --keep             keep the container daos_perf creates (one for all runs)\n"
	"      --no-verify        do not check what reads return (first/last 8 bytes)\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 when every operation succeeded, 1 otherwise (bad arguments, a\n"
	"refused class, failed operations). Details: docs/performance.md, \"daos_perf\".\n";

static const char *const dperf_wl_names[DPERF_WL_NR] = {"array", "sv", "kv"};

const char *
dperf_wl_name(enum dperf_wl wl)
{
	return (unsigned)wl < DPERF_WL_NR ? dperf_wl_names[wl] : "?";
}

uint64_t
dperf_wl_default_size(enum dperf_wl wl)
{
	return wl == DPERF_WL_ARRAY ? DPERF_DEF_ARRAY_SIZE : DPERF_DEF_VALUE_SIZE;
}

static uint64_t
dperf_wl_size_max(enum dperf_wl wl)
{
	return wl == DPERF_WL_ARRAY ? DPERF_ARRAY_SIZE_MAX : DPERF_VALUE_SIZE_MAX;
}

static void
dperf_err(char *errbuf, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
dperf_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* Strict unsigned decimal: digits only, no sign, no space. */
static int
dperf_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -DER_INVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -DER_INVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -DER_OVERFLOW;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int
dperf_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *sfx;
		uint64_t    mul;
	} sfx[] = {
	    {"", 1},
	    {"k", 1ULL << 10}, {"kib", 1ULL << 10}, {"kb", 1000ULL},
	    {"m", 1ULL << 20}, {"mib", 1ULL << 20}, {"mb", 1000000ULL},
	    {"g", 1ULL << 30}, {"gib", 1ULL << 30}, {"gb", 1000000000ULL},
	    {"t", 1ULL << 40}, {"tib", 1ULL << 40}, {"tb", 1000000000000ULL},
	};
	char     digits[24];
	char     unit[8];
	size_t   nd = 0, nu = 0;
	uint64_t v;
	int      rc;

	if (s == NULL)
		return -DER_INVAL;
	while (s[nd] >= '0' && s[nd] <= '9') {
		if (nd + 1 >= sizeof(digits))
			return -DER_OVERFLOW;
		digits[nd] = s[nd];
		nd++;
	}
	digits[nd] = '\0';
	for (const char *u = s + nd; *u != '\0'; u++) {
		if (nu + 1 >= sizeof(unit))
			return -DER_INVAL;
		unit[nu++] = (char)tolower((unsigned char)*u);
	}
	unit[nu] = '\0';
	rc = dperf_parse_u64(digits, &v);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (strcmp(unit, sfx[i].sfx) != 0)
			continue;
		if (v > UINT64_MAX / sfx[i].mul)
			return -DER_OVERFLOW;
		*out = v * sfx[i].mul;
		return 0;
	}
	return -DER_INVAL;
}

void
dperf_size_str(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	int                      u       = -1;
	uint64_t                 v       = size;

	while (v >= 1024 && v % 1024 == 0 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, size);
	else
		snprintf(buf, len, "%" PRIu64 "%s", v, units[u]);
}

/*
 * Split a comma list into at most DPERF_LIST_MAX items, each handed to fn.
 * An empty item, too many items, or fn's refusal: -DER_INVAL (fn wrote the
 * reason for its own refusals).
 */
static int
dperf_list(const char *opt, const char *arg, int (*fn)(struct dperf_cfg *, const char *, char *,
						       size_t),
	   struct dperf_cfg *cfg, unsigned *count, char *errbuf, size_t errlen)
{
	char        item[64];
	const char *p = arg;
	int         rc;

	*count = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t      n     = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (n == 0) {
			dperf_err(errbuf, errlen, "%s '%s': empty item in the list", opt, arg);
			return -DER_INVAL;
		}
		if (n >= sizeof(item)) {
			dperf_err(errbuf, errlen, "%s '%.40s...': item longer than %zu characters",
				  opt, p, sizeof(item) - 1);
			return -DER_INVAL;
		}
		if (*count == DPERF_LIST_MAX) {
			dperf_err(errbuf, errlen, "%s '%s': more than %u items", opt, arg,
				  DPERF_LIST_MAX);
			return -DER_INVAL;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		rc      = fn(cfg, item, errbuf, errlen);
		if (rc != 0)
			return rc;
		(*count)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
dperf_add_wl(struct dperf_cfg *cfg, const char *item, char *errbuf, size_t errlen)
{
	enum dperf_wl wl;

	if (strcmp(item, "posix") == 0 || strcmp(item, "dfs") == 0) {
		dperf_err(errbuf, errlen,
			  "-w %s: POSIX metadata needs libdfs, which does not exist in this tree "
			  "yet", item);
		return -DER_INVAL;
	}
	for (wl = 0; wl < DPERF_WL_NR; wl++)
		if (strcmp(item, dperf_wl_names[wl]) == 0)
			break;
	if (wl == DPERF_WL_NR) {
		dperf_err(errbuf, errlen, "-w '%s': unknown workload (array, sv, kv)", item);
		return -DER_INVAL;
	}
	for (unsigned i = 0; i < cfg->pc_nwl; i++) {
		if (cfg->pc_wl[i] == wl) {
			dperf_err(errbuf, errlen, "-w: workload '%s' is given twice", item);
			return -DER_INVAL;
		}
	}
	cfg->pc_wl[cfg->pc_nwl++] = wl;
	return 0;
}

static int
dperf_add_size(struct dperf_cfg *cfg, const char *item, char *errbuf, size_t errlen)
{
	uint64_t v;
	int      rc = dperf_parse_size(item, &v);

	if (rc != 0 || v == 0) {
		dperf_err(errbuf, errlen,
			  "-s '%s': not a size in bytes (e.g. 64, 4K, 1M; at least 1)", item);
		return -DER_INVAL;
	}
	if (v > DPERF_ARRAY_SIZE_MAX) {
		dperf_err(errbuf, errlen, "-s %s: larger than %llu MiB", item,
			  (unsigned long long)(DPERF_ARRAY_SIZE_MAX >> 20));
		return -DER_INVAL;
	}
	for (unsigned i = 0; i < cfg->pc_nsizes; i++) {
		if (cfg->pc_sizes[i] == v) {
			dperf_err(errbuf, errlen, "-s: size %s is given twice", item);
			return -DER_INVAL;
		}
	}
	cfg->pc_sizes[cfg->pc_nsizes++] = v;
	return 0;
}

static int
dperf_add_oc(struct dperf_cfg *cfg, const char *item, char *errbuf, size_t errlen)
{
	char name[MAX_OBJ_CLASS_NAME_LEN];
	int  id;
	size_t n = strlen(item);

	if (n >= sizeof(name)) {
		dperf_err(errbuf, errlen, "-o '%s': unknown object class", item);
		return -DER_INVAL;
	}
	for (size_t i = 0; i <= n; i++)
		name[i] = (char)toupper((unsigned char)item[i]);
	id = daos_oclass_name2id(name);
	if (id == OC_UNKNOWN) {
		dperf_err(errbuf, errlen,
			  "-o '%s': unknown object class (e.g. S1, S2, S4, S8, SX, RP_2G1, "
			  "EC_2P1G1)", item);
		return -DER_INVAL;
	}
	for (unsigned i = 0; i < cfg->pc_noc; i++) {
		if (cfg->pc_oc[i] == (daos_oclass_id_t)id) {
			dperf_err(errbuf, errlen, "-o: class %s is given twice", name);
			return -DER_INVAL;
		}
	}
	/* the canonical name, whatever the spelling */
	if (daos_oclass_id2name((daos_oclass_id_t)id, cfg->pc_oc_name[cfg->pc_noc]) != 0)
		snprintf(cfg->pc_oc_name[cfg->pc_noc], MAX_OBJ_CLASS_NAME_LEN, "%s", name);
	cfg->pc_oc[cfg->pc_noc++] = (daos_oclass_id_t)id;
	return 0;
}

/* A count option in [lo, hi]. */
static int
dperf_count(const char *opt, const char *arg, uint64_t lo, uint64_t hi, unsigned *out,
	    char *errbuf, size_t errlen)
{
	uint64_t v;

	if (dperf_parse_u64(arg, &v) != 0 || v < lo || v > hi) {
		dperf_err(errbuf, errlen, "%s '%s': not a whole number in %" PRIu64 "..%" PRIu64,
			  opt, arg, lo, hi);
		return -DER_INVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int
dperf_name(const char *opt, const char *arg, char *out, char *errbuf, size_t errlen)
{
	size_t n = strnlen(arg, DPERF_NAME_MAX + 1);

	if (n == 0 || n > DPERF_NAME_MAX) {
		dperf_err(errbuf, errlen, "%s: a name of 1..%u characters is needed", opt,
			  DPERF_NAME_MAX);
		return -DER_INVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)arg[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':') {
			dperf_err(errbuf, errlen,
				  "%s '%s': a label has only letters, digits and - _ . :", opt, arg);
			return -DER_INVAL;
		}
	}
	memcpy(out, arg, n + 1);
	return 0;
}

static int
dperf_seconds(const char *arg, double *out, char *errbuf, size_t errlen)
{
	char  *end = NULL;
	double v;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		v = NAN;
	else
		v = strtod(arg, &end);
	if (errno != 0 || end == NULL || *end != '\0' || !isfinite(v) || v <= 0 ||
	    v > DPERF_SECONDS_MAX) {
		dperf_err(errbuf, errlen, "-T '%s': not a number of seconds in (0, %.0f]", arg,
			  DPERF_SECONDS_MAX);
		return -DER_INVAL;
	}
	*out = v;
	return 0;
}

static int
dperf_bytes(const char *opt, const char *arg, uint64_t *out, char *errbuf, size_t errlen)
{
	uint64_t v;

	if (dperf_parse_size(arg, &v) != 0 || v == 0 || v > DPERF_BYTES_MAX) {
		dperf_err(errbuf, errlen, "%s '%s': not a size in 1 B .. 1 PiB (e.g. 64M, 2G)",
			  opt, arg);
		return -DER_INVAL;
	}
	*out = v;
	return 0;
}

/* The checks that need every option. */
static int
dperf_check_all(struct dperf_cfg *cfg, bool span_given, char *errbuf, size_t errlen)
{
	uint64_t per_thread = 0;
	char     s1[32], s2[32];

	if (cfg->pc_pool[0] == '\0') {
		dperf_err(errbuf, errlen, "no pool: give -P POOL (a label or a UUID)");
		return -DER_INVAL;
	}
	if (span_given && cfg->pc_bytes != 0) {
		dperf_err(errbuf, errlen, "--span applies to -T runs: -D already fixes the data");
		return -DER_INVAL;
	}
	if (cfg->pc_bytes != 0)
		per_thread = cfg->pc_bytes / cfg->pc_threads;
	for (unsigned w = 0; w < cfg->pc_nwl; w++) {
		enum dperf_wl wl     = cfg->pc_wl[w];
		unsigned      nsizes = cfg->pc_nsizes > 0 ? cfg->pc_nsizes : 1;

		for (unsigned i = 0; i < nsizes; i++) {
			uint64_t size = cfg->pc_nsizes > 0 ? cfg->pc_sizes[i]
							  : dperf_wl_default_size(wl);
			uint64_t bufs;

			dperf_size_str(size, s1, sizeof(s1));
			if (size > dperf_wl_size_max(wl)) {
				dperf_size_str(dperf_wl_size_max(wl), s2, sizeof(s2));
				dperf_err(errbuf, errlen, "-s %s: a %s value is at most %s", s1,
					  dperf_wl_name(wl), s2);
				return -DER_INVAL;
			}
			bufs = (uint64_t)cfg->pc_threads * cfg->pc_depth * size;
			if (bufs > DPERF_BUF_BYTES_MAX) {
				dperf_err(errbuf, errlen,
					  "-t %u x -q %u x -s %s needs %" PRIu64 " MiB of buffers, "
					  "more than %llu MiB",
					  cfg->pc_threads, cfg->pc_depth, s1, bufs >> 20,
					  (unsigned long long)(DPERF_BUF_BYTES_MAX >> 20));
				return -DER_INVAL;
			}
			if (wl == DPERF_WL_ARRAY) {
				/* an operation may straddle one more chunk than it fills */
				uint64_t calls = (uint64_t)cfg->pc_threads * cfg->pc_depth *
						 ((size + cfg->pc_chunk - 1) / cfg->pc_chunk + 1);

				if (calls > DPERF_CALLS_MAX) {
					dperf_size_str(cfg->pc_chunk, s2, sizeof(s2));
					dperf_err(errbuf, errlen,
						  "-t %u x -q %u of %s arrays in %s chunks may put %" PRIu64
						  " calls in flight, more than libdaos's %u: lower -t or "
						  "-q, or raise --chunk",
						  cfg->pc_threads, cfg->pc_depth, s1, s2, calls,
						  DPERF_CALLS_MAX);
					return -DER_INVAL;
				}
			}
			if (cfg->pc_bytes != 0 && per_thread / size == 0) {
				dperf_size_str(cfg->pc_bytes, s2, sizeof(s2));
				dperf_err(errbuf, errlen,
					  "-D %s over %u threads is less than one %s operation per "
					  "thread", s2, cfg->pc_threads, s1);
				return -DER_INVAL;
			}
			if (cfg->pc_bytes == 0 && cfg->pc_span / size == 0) {
				dperf_size_str(cfg->pc_span, s2, sizeof(s2));
				dperf_err(errbuf, errlen,
					  "--span %s is less than one %s operation", s2, s1);
				return -DER_INVAL;
			}
		}
	}
	return 0;
}

int
dperf_args_parse(int argc, char **argv, bool isatty_stderr, struct dperf_cfg *cfg, char *errbuf,
		 size_t errlen)
{
	enum {
		OPT_SEQ = 256,
		OPT_RAND,
		OPT_SPAN,
		OPT_CHUNK,
		OPT_SEED,
		OPT_PROGRESS,
		OPT_NO_PROGRESS,
		OPT_KEEP,
		OPT_NO_VERIFY,
	};
	static const struct option opts[] = {
	    {"pool", required_argument, NULL, 'P'},
	    {"cont", required_argument, NULL, 'C'},
	    {"workload", required_argument, NULL, 'w'},
	    {"sizes", required_argument, NULL, 's'},
	    {"oclass", required_argument, NULL, 'o'},
	    {"threads", required_argument, NULL, 't'},
	    {"depth", required_argument, NULL, 'q'},
	    {"time", required_argument, NULL, 'T'},
	    {"data", required_argument, NULL, 'D'},
	    {"objects", required_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"seq", no_argument, NULL, OPT_SEQ},
	    {"rand", no_argument, NULL, OPT_RAND},
	    {"random", no_argument, NULL, OPT_RAND},
	    {"span", required_argument, NULL, OPT_SPAN},
	    {"chunk", required_argument, NULL, OPT_CHUNK},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"progress", no_argument, NULL, OPT_PROGRESS},
	    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
	    {NULL, 0, NULL, 0},
	};
	bool     seq = false, rnd = false, time_given = false, span_given = false;
	int      progress = -1; /* -1: default, 0 / 1: asked */
	unsigned n;
	int      c, rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->pc_threads = DPERF_DEF_THREADS;
	cfg->pc_depth   = DPERF_DEF_DEPTH;
	cfg->pc_objects = DPERF_DEF_OBJECTS;
	cfg->pc_seconds = DPERF_DEF_SECONDS;
	cfg->pc_span    = DPERF_DEF_SPAN;
	cfg->pc_chunk   = DPERF_DEF_CHUNK;
	cfg->pc_seed    = 1;
	cfg->pc_verify  = true;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';

	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":P:C:w:s:o:t:q:T:D:n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			rc = dperf_name("-P", optarg, cfg->pc_pool, errbuf, errlen);
			break;
		case 'C':
			rc = dperf_name("-C", optarg, cfg->pc_cont, errbuf, errlen);
			break;
		case 'w':
			cfg->pc_nwl = 0;
			rc = dperf_list("-w", optarg, dperf_add_wl, cfg, &n, errbuf, errlen);
			break;
		case 's':
			cfg->pc_nsizes = 0;
			rc = dperf_list("-s", optarg, dperf_add_size, cfg, &n, errbuf, errlen);
			break;
		case 'o':
			cfg->pc_noc = 0;
			rc = dperf_list("-o", optarg, dperf_add_oc, cfg, &n, errbuf, errlen);
			break;
		case 't':
			rc = dperf_count("-t", optarg, 1, DPERF_THREADS_MAX, &cfg->pc_threads, errbuf,
					 errlen);
			break;
		case 'q':
			rc = dperf_count("-q", optarg, 1, DPERF_DEPTH_MAX, &cfg->pc_depth, errbuf,
					 errlen);
			break;
		case 'n':
			rc = dperf_count("-n", optarg, 1, DPERF_OBJECTS_MAX, &cfg->pc_objects,
					 errbuf, errlen);
			break;
		case 'T':
			rc         = dperf_seconds(optarg, &cfg->pc_seconds, errbuf, errlen);
			time_given = true;
			break;
		case 'D':
			rc = dperf_bytes("-D", optarg, &cfg->pc_bytes, errbuf, errlen);
			break;
		case OPT_SPAN:
			rc         = dperf_bytes("--span", optarg, &cfg->pc_span, errbuf, errlen);
			span_given = true;
			break;
		case OPT_CHUNK:
			rc = dperf_bytes("--chunk", optarg, &cfg->pc_chunk, errbuf, errlen);
			if (rc == 0 && cfg->pc_chunk > DPERF_CHUNK_MAX) {
				dperf_err(errbuf, errlen, "--chunk %s: at most 64 MiB", optarg);
				rc = -DER_INVAL;
			}
			break;
		case OPT_SEED:
			if (dperf_parse_u64(optarg, &cfg->pc_seed) != 0) {
				dperf_err(errbuf, errlen, "--seed '%s': not a whole number", optarg);
				rc = -DER_INVAL;
			}
			break;
		case OPT_SEQ:
			seq = true;
			break;
		case OPT_RAND:
			rnd = true;
			break;
		case 'j':
			cfg->pc_json = true;
			break;
		case OPT_PROGRESS:
			progress = 1;
			break;
		case OPT_NO_PROGRESS:
			progress = 0;
			break;
		case OPT_KEEP:
			cfg->pc_keep = true;
			break;
		case OPT_NO_VERIFY:
			cfg->pc_verify = false;
			break;
		case 'h':
			cfg->pc_help = true;
			return 0;
		case ':':
			dperf_err(errbuf, errlen, "%s needs a value", argv[optind - 1]);
			rc = -DER_INVAL;
			break;
		default:
			if (optopt != 0)
				dperf_err(errbuf, errlen, "unknown option -%c", optopt);
			else
				dperf_err(errbuf, errlen, "unknown option %s", argv[optind - 1]);
			rc = -DER_INVAL;
			break;
		}
	}
	if (rc != 0)
		return rc;
	if (optind < argc) {
		dperf_err(errbuf, errlen, "unexpected argument '%s'", argv[optind]);
		return -DER_INVAL;
	}
	if (seq && rnd) {
		dperf_err(errbuf, errlen, "--seq and --rand exclude each other");
		return -DER_INVAL;
	}
	if (time_given && cfg->pc_bytes != 0) {
		dperf_err(errbuf, errlen, "-T and -D exclude each other");
		return -DER_INVAL;
	}
	if (cfg->pc_bytes != 0)
		cfg->pc_seconds = 0;
	cfg->pc_random = rnd;
	if (cfg->pc_nwl == 0)
		cfg->pc_wl[cfg->pc_nwl++] = DPERF_WL_ARRAY;
	if (cfg->pc_noc == 0) {
		cfg->pc_oc[0] = OC_S1;
		snprintf(cfg->pc_oc_name[0], MAX_OBJ_CLASS_NAME_LEN, "S1");
		cfg->pc_noc = 1;
	}
	cfg->pc_progress = progress == 1 || (progress == -1 && isatty_stderr && !cfg->pc_json);
	return dperf_check_all(cfg, span_given, errbuf, errlen);
}
