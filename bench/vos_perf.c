/*
 * vos_perf.c: single-target VOS benchmark (no network): update and fetch of
 * values of given sizes, with group commit, against a pool whose index is on
 * an SCM directory (tmpfs by default) and whose blob is a file device, and,
 * in the same run, the raw speed of the same file system for the same bytes
 * and durability.
 *
 *   vos_perf [--scm DIR] [--dev FILE] [--sizes 64,4096,1048576]
 *            [--count N[,N...]] [--batch N[,N...]] [--time SEC]
 *            [--order seq|random] [--rounds N] [--fresh] [--no-raw]
 *            [--no-fetch] [--progress] [-j]
 *
 * Per size: UPDATE writes `count` values (one akey of a new dkey each, one
 * object), `batch` updates per vos_tx_commit(); FETCH reads them back in a
 * random order (or the write order), one value per vos_obj_fetch() at
 * DAOS_EPOCH_MAX; RAW (for values stored in the blob) writes the same number
 * of bytes sequentially with O_DIRECT pwrite() in the same sizes to a file
 * beside the device, with one fdatasync() per batch, like the blob's commit
 * (the data writes, then one flush); LMDB (for values kept in the index)
 * looks the same number of keys of the same lengths up in a plain LMDB
 * environment beside the pool, in the fetch order: the floor under a fetch.
 * For blob sizes, UPDATE and RAW alternate
 * in `rounds` rounds over the values, so that the device's drift weighs on
 * both alike. The device and the raw file are written once before (unless
 * --fresh): an NVMe device has no unwritten extents, a fallocated ext4 file
 * does. Printed: ops/s, MB/s (10^6 bytes), p50 and p99 latency per operation
 * (the update or fetch call) and per commit, the ratio VOS / raw
 * bandwidth and the ratio of fetches to floor lookups per second. Details: docs/performance.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "vos/vos_internal.h"

/* ---- Limits ---- */

/** Value sizes per run. */
#define PERF_SIZES_MAX   8
/** Operations per phase: bounds the latency arrays (8 bytes each). */
#define PERF_COUNT_MAX   (16U << 20)
/** Updates per commit. */
#define PERF_BATCH_MAX   4096U
/** Largest value: one VOS single value with a blob. */
#define PERF_SIZE_MAX    VOS_SV_BLOB_MAX
/** SCM map of the pool (address space; tmpfs pages only as used). */
#define PERF_SCM_SIZE    (8ULL << 30)
/** Device slack beyond the bytes written (the free map never needs more). */
#define PERF_DEV_SLACK   (64ULL << 20)
/** Default operations per size class. */
#define PERF_COUNT_SMALL 500000U
#define PERF_COUNT_4K    100000U
#define PERF_COUNT_LARGE 2048U
/** Ring depth: more than the writes of one batch of large values in flight. */
#define PERF_RING_DEPTH  256U
/** Alternating VOS/raw rounds of a blob size. */
#define PERF_ROUNDS_MAX  64U

struct lat {
	uint64_t *l_ns;
	uint64_t  l_nr;
};

struct phase {
	uint64_t ph_ops;
	uint64_t ph_bytes;
	uint64_t ph_ns;
	struct lat ph_op;
	struct lat ph_commit;
};

struct sizecfg {
	uint64_t sc_size;
	uint64_t sc_count;
	unsigned sc_batch;
	struct phase sc_upd;
	struct phase sc_fetch;
	struct phase sc_raw;
	struct phase sc_floor; /* plain LMDB lookups (values kept in the index) */
	bool     sc_blob; /* values go to the blob */
};

static struct {
	char            o_scm[1024];
	char            o_dev[1024];
	struct sizecfg  o_sz[PERF_SIZES_MAX];
	unsigned        o_nsz;
	double          o_time;
	unsigned        o_rounds;
	bool            o_raw;
	bool            o_seq;      /* fetch in write order instead of a random one */
	bool            o_fresh;    /* do not pre-write the device and raw files */
	bool            o_nofetch;  /* updates only */
	bool            o_json;
	bool            o_progress;
	bool            o_own_dev;  /* this run created the device (and raw) files */
	bool            o_own_scm;  /* this run created the pool */
} g;

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Best effort: the device and raw files can be gigabytes; the pool directory holds LMDB's two. */
static void
cleanup_files(void)
{
	char path[1100];

	if (g.o_own_dev) {
		unlink(g.o_dev);
		snprintf(path, sizeof(path), "%s.raw", g.o_dev);
		unlink(path);
	}
	if (g.o_own_scm) {
		snprintf(path, sizeof(path), "%s/data.mdb", g.o_scm);
		unlink(path);
		snprintf(path, sizeof(path), "%s/lock.mdb", g.o_scm);
		unlink(path);
		rmdir(g.o_scm);
	}
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vos_perf: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	cleanup_files();
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
lat_init(struct lat *l, uint64_t n)
{
	l->l_ns = calloc(n > 0 ? n : 1, sizeof(*l->l_ns));
	l->l_nr = 0;
	if (l->l_ns == NULL)
		die("out of memory");
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a;
	uint64_t y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Percentile p (0..100) in microseconds; sorts the samples. */
static double
lat_pct(struct lat *l, double p)
{
	uint64_t i;

	if (l->l_nr == 0)
		return 0;
	qsort(l->l_ns, l->l_nr, sizeof(*l->l_ns), cmp_u64);
	i = (uint64_t)(p / 100.0 * (double)(l->l_nr - 1) + 0.5);
	return (double)l->l_ns[i] / 1000.0;
}

static void
progress(const char *what, const struct sizecfg *sc, uint64_t done, uint64_t t0)
{
	double s = (double)(now_ns() - t0) / 1e9;

	if (!g.o_progress)
		return;
	fprintf(stderr, "\r%-6s %8" PRIu64 " B: %10" PRIu64 "/%-10" PRIu64 " %12.0f ops/s   ", what,
		sc->sc_size, done, sc->sc_count, s > 0 ? (double)done / s : 0);
	fflush(stderr);
}

static void
progress_end(void)
{
	if (g.o_progress)
		fprintf(stderr, "\r%80s\r", "");
}

/* ---- Options ---- */

static uint64_t
parse_u64(const char *s, const char *what)
{
	char              *end;
	unsigned long long v;

	errno = 0;
	v     = strtoull(s, &end, 0);
	if (errno != 0 || end == s || (*end != '\0' && *end != ','))
		die("bad %s '%s'", what, s);
	return v;
}

/* Splits a comma list into at most PERF_SIZES_MAX numbers. */
static unsigned
parse_list(const char *s, uint64_t *out, const char *what)
{
	unsigned n = 0;

	while (*s != '\0') {
		if (n == PERF_SIZES_MAX)
			die("more than %u %s", PERF_SIZES_MAX, what);
		out[n++] = parse_u64(s, what);
		s        = strchr(s, ',');
		if (s == NULL)
			break;
		s++;
	}
	return n;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: vos_perf [--scm DIR] [--dev FILE] [--sizes N,...] [--count N,...]\n"
		"                [--batch N,...] [--time SEC] [--order seq|random] [--rounds N]\n"
		"                [--fresh] [--no-raw] [--no-fetch] [--progress] [-j]\n"
		"  --scm DIR     pool (LMDB) directory, created and removed (default /dev/shm/vos_perf.PID)\n"
		"  --dev FILE    blob device file, created and removed (default /var/tmp/vos_perf.PID.bdev)\n"
		"  --sizes       value sizes in bytes (default 64,4096,1048576)\n"
		"  --count       operations per size (default 500000 up to 1 KiB, 100000 up to\n"
		"                64 KiB, 2048 above)\n"
		"  --batch       updates per commit (default 64, and 8 above 64 KiB)\n"
		"  --time SEC    stop a phase after SEC seconds (default: no limit)\n"
		"  --order       fetch order: random (default) or seq (the write order)\n"
		"  --rounds N    alternate VOS and raw in N rounds for blob sizes (default 4)\n"
		"  --fresh       leave the device and raw files fallocated but unwritten (ext4 then\n"
		"                converts extents on first write; default: write them once first)\n"
		"  --no-raw      skip the raw file-system measurement and the index floor\n"
		"  --no-fetch    updates only (to profile them)\n"
		"  --progress    progress line on stderr (default: when stderr is a terminal)\n"
		"  -j            JSON output\n");
	exit(2);
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"scm", required_argument, NULL, 's'},   {"dev", required_argument, NULL, 'd'},
	    {"sizes", required_argument, NULL, 'z'}, {"count", required_argument, NULL, 'c'},
	    {"batch", required_argument, NULL, 'b'}, {"time", required_argument, NULL, 't'},
	    {"no-raw", no_argument, NULL, 'r'},      {"progress", no_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
	    {"order", required_argument, NULL, 'o'},  {"fresh", no_argument, NULL, 'f'},
	    {"rounds", required_argument, NULL, 'R'}, {"no-fetch", no_argument, NULL, 'F'},
	    {NULL, 0, NULL, 0}};
	uint64_t sizes[PERF_SIZES_MAX] = {64, 4096, 1 << 20};
	uint64_t counts[PERF_SIZES_MAX];
	uint64_t batches[PERF_SIZES_MAX];
	unsigned nsz = 3, nc = 0, nb = 0;
	int      c;

	snprintf(g.o_scm, sizeof(g.o_scm), "/dev/shm/vos_perf.%d", (int)getpid());
	snprintf(g.o_dev, sizeof(g.o_dev), "/var/tmp/vos_perf.%d.bdev", (int)getpid());
	g.o_raw      = true;
	g.o_rounds   = 4;
	g.o_progress = isatty(2);
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			snprintf(g.o_scm, sizeof(g.o_scm), "%s", optarg);
			break;
		case 'd':
			snprintf(g.o_dev, sizeof(g.o_dev), "%s", optarg);
			break;
		case 'z':
			nsz = parse_list(optarg, sizes, "sizes");
			break;
		case 'c':
			nc = parse_list(optarg, counts, "counts");
			break;
		case 'b':
			nb = parse_list(optarg, batches, "batches");
			break;
		case 't':
			g.o_time = strtod(optarg, NULL);
			if (g.o_time <= 0)
				die("bad time '%s'", optarg);
			break;
		case 'r':
			g.o_raw = false;
			break;
		case 'p':
			g.o_progress = true;
			break;
		case 'f':
			g.o_fresh = true;
			break;
		case 'F':
			g.o_nofetch = true;
			break;
		case 'R':
			g.o_rounds = (unsigned)parse_u64(optarg, "rounds");
			if (g.o_rounds == 0 || g.o_rounds > PERF_ROUNDS_MAX)
				die("rounds out of 1..%u", PERF_ROUNDS_MAX);
			break;
		case 'o':
			if (strcmp(optarg, "seq") == 0)
				g.o_seq = true;
			else if (strcmp(optarg, "random") != 0)
				die("bad order '%s' (seq or random)", optarg);
			break;
		case 'j':
			g.o_json = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nsz == 0)
		usage();
	g.o_nsz = nsz;
	for (unsigned i = 0; i < nsz; i++) {
		struct sizecfg *sc = &g.o_sz[i];

		sc->sc_size = sizes[i];
		if (sc->sc_size == 0 || sc->sc_size > PERF_SIZE_MAX)
			die("size %" PRIu64 " out of 1..%llu", sc->sc_size,
			    (unsigned long long)PERF_SIZE_MAX);
		sc->sc_count = sc->sc_size <= 1024 ? PERF_COUNT_SMALL
			       : sc->sc_size <= 65536 ? PERF_COUNT_4K : PERF_COUNT_LARGE;
		if (nc > 0)
			sc->sc_count = counts[i < nc ? i : nc - 1];
		sc->sc_batch = sc->sc_size <= 65536 ? 64 : 8;
		if (nb > 0)
			sc->sc_batch = (unsigned)batches[i < nb ? i : nb - 1];
		if (sc->sc_count == 0 || sc->sc_count > PERF_COUNT_MAX)
			die("count out of 1..%u", PERF_COUNT_MAX);
		if (sc->sc_batch == 0 || sc->sc_batch > PERF_BATCH_MAX)
			die("batch out of 1..%u", PERF_BATCH_MAX);
		sc->sc_blob = sc->sc_size > VOS_INLINE_THRESHOLD;
	}
}

/*
 * Writes zeros over [0, len) of `fd` (O_DIRECT, 8 MiB at a time) and syncs: an
 * NVMe device has no unwritten extents, a fallocated file does, and converting
 * them on first write costs ext4 journal work that has nothing to do with VOS.
 */
static void
prewrite(int fd, uint64_t len, const char *path)
{
	const uint64_t chunk = 8ULL << 20;
	void          *z;

	if (g.o_fresh)
		return;
	if (posix_memalign(&z, 4096, chunk) != 0)
		die("out of memory");
	memset(z, 0, chunk);
	for (uint64_t off = 0; off < len; off += chunk) {
		uint64_t n = len - off < chunk ? len - off : chunk;

		if (pwrite(fd, z, n, (off_t)off) != (ssize_t)n)
			die("%s: pre-write: %s", path, strerror(errno));
	}
	if (fsync(fd) != 0)
		die("%s: fsync: %s", path, strerror(errno));
	free(z);
}

/* ---- VOS ---- */

struct env {
	struct bio_dev  *e_dev;
	struct bio_ring *e_ring;
	struct bio_blob  e_blob;
	struct vos_pool *e_pool;
	struct vos_cont *e_cont;
	uuid_t           e_puuid;
	uuid_t           e_cuuid;
	uint64_t         e_dev_size;
};

static void
env_create(struct env *e)
{
	uint64_t need = 0;
	int      rc;

	for (unsigned i = 0; i < g.o_nsz; i++)
		if (g.o_sz[i].sc_blob)
			need += g.o_sz[i].sc_count * ((g.o_sz[i].sc_size + 4095) / 4096 * 4096);
	e->e_dev_size = (need + PERF_DEV_SLACK + (1 << 20) - 1) / (1 << 20) * (1 << 20);
	if (access(g.o_dev, F_OK) == 0)
		die("%s exists: remove it or name another --dev", g.o_dev);
	rc = bio_dev_create_file(g.o_dev, e->e_dev_size);
	if (rc != 0)
		die("device %s: " DF_RC, g.o_dev, DP_RC(rc));
	g.o_own_dev = true;
	{
		int fd = open(g.o_dev, O_RDWR | O_DIRECT);

		if (fd < 0)
			die("%s: %s", g.o_dev, strerror(errno));
		prewrite(fd, e->e_dev_size, g.o_dev);
		close(fd);
	}
	rc = bio_dev_open(g.o_dev, BIO_DEV_FILE, 0, &e->e_dev);
	if (rc == 0)
		rc = bio_ring_create(0, PERF_RING_DEPTH, &e->e_ring);
	if (rc == 0)
		rc = bio_blob_init(&e->e_blob, e->e_dev, BIO_BLOB_ID_BASE, 0, e->e_dev_size);
	if (rc != 0)
		die("device setup: " DF_RC, DP_RC(rc));
	uuid_generate(e->e_puuid);
	uuid_generate(e->e_cuuid);
	rc = vos_pool_create(g.o_scm, e->e_puuid, PERF_SCM_SIZE, 0);
	if (rc == 0)
		g.o_own_scm = true;
	if (rc == 0)
		rc = vos_pool_open(g.o_scm, e->e_puuid, e->e_ring, &e->e_blob, &e->e_pool);
	if (rc == 0)
		rc = vos_cont_create(e->e_pool, e->e_cuuid);
	if (rc == 0)
		rc = vos_cont_open(e->e_pool, e->e_cuuid, &e->e_cont);
	if (rc != 0)
		die("pool setup in %s: " DF_RC, g.o_scm, DP_RC(rc));
}

static void
env_destroy(struct env *e)
{
	vos_cont_close(e->e_cont);
	if (vos_pool_close(e->e_pool) != 0 || vos_pool_destroy(g.o_scm, e->e_puuid) != 0)
		fprintf(stderr, "vos_perf: could not remove %s\n", g.o_scm);
	bio_ring_destroy(e->e_ring);
	bio_dev_close(e->e_dev);
	unlink(g.o_dev);
}

static void
fill(uint8_t *buf, uint64_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;

	for (uint64_t i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	for (uint64_t i = len & ~7ULL; i < len; i++)
		buf[i] = (uint8_t)i;
}

/* dkey of operation i of size class `cls`: 1 byte class, 8 bytes index (big-endian). */
static void
dkey_of(uint8_t *kb, unsigned cls, uint64_t i)
{
	kb[0] = (uint8_t)cls;
	for (int b = 0; b < 8; b++)
		kb[1 + b] = (uint8_t)(i >> (56 - 8 * b));
}

static bool
time_up(uint64_t t0)
{
	return g.o_time > 0 && (double)(now_ns() - t0) / 1e9 > g.o_time;
}

/* Updates values [from, to) of size class `cls` (the phase accumulates over calls). */
static void
run_update(struct env *e, unsigned cls, struct sizecfg *sc, uint8_t *buf, uint64_t from,
	   uint64_t to)
{
	struct phase *ph   = &sc->sc_upd;
	daos_obj_id_t oid  = {.hi = 1, .lo = cls};
	uint8_t       kb[9];
	char          akey = 'a';
	daos_key_t    dkey;
	daos_iod_t    iod  = {.iod_type = DAOS_IOD_SINGLE, .iod_size = sc->sc_size, .iod_nr = 1};
	d_iov_t       iov;
	d_sg_list_t   sgl  = {.sg_nr = 1, .sg_iovs = &iov};
	uint64_t      t0;
	uint64_t      i;
	int           rc;

	if (ph->ph_op.l_ns == NULL) {
		lat_init(&ph->ph_op, sc->sc_count);
		lat_init(&ph->ph_commit, sc->sc_count / sc->sc_batch + PERF_ROUNDS_MAX + 1);
	}
	d_iov_set(&dkey, kb, sizeof(kb));
	d_iov_set(&iod.iod_name, &akey, 1);
	d_iov_set(&iov, buf, sc->sc_size);
	t0 = now_ns();
	for (i = from; i < to;) {
		daos_epoch_t epoch = 1 + i / sc->sc_batch;
		uint64_t     t1;
		uint64_t     end = i + sc->sc_batch < to ? i + sc->sc_batch : to;

		rc = vos_tx_begin(e->e_pool);
		if (rc != 0)
			die("tx begin: " DF_RC, DP_RC(rc));
		for (; i < end; i++) {
			uint64_t t2 = now_ns();

			dkey_of(kb, cls, i);
			/* A different first word per value, so no two blob writes are equal. */
			memcpy(buf, &i, sizeof(i));
			rc = vos_obj_update(e->e_cont, oid, epoch, &dkey, 1, &iod, &sgl);
			if (rc != 0)
				die("update %" PRIu64 " of %" PRIu64 " bytes: " DF_RC, i, sc->sc_size,
				    DP_RC(rc));
			ph->ph_op.l_ns[ph->ph_op.l_nr++] = now_ns() - t2;
		}
		t1 = now_ns();
		rc = vos_tx_commit(e->e_pool);
		if (rc != 0)
			die("commit: " DF_RC, DP_RC(rc));
		ph->ph_commit.l_ns[ph->ph_commit.l_nr++] = now_ns() - t1;
		if ((i / sc->sc_batch) % 64 == 0)
			progress("update", sc, i, t0);
		if (time_up(t0))
			break;
	}
	ph->ph_ns += now_ns() - t0;
	ph->ph_ops += i - from;
	ph->ph_bytes += (i - from) * sc->sc_size;
	progress_end();
}

/* A random permutation of [0, n) (xorshift Fisher-Yates), or the identity with --order seq. */
static uint64_t *
make_order(uint64_t n)
{
	uint64_t *order = malloc((n > 0 ? n : 1) * sizeof(*order));
	uint64_t  x     = 88172645463325252ULL;

	if (order == NULL)
		die("out of memory");
	for (uint64_t i = 0; i < n; i++)
		order[i] = i;
	for (uint64_t i = n; i > 1 && !g.o_seq; i--) {
		uint64_t j;
		uint64_t t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j            = x % i;
		t            = order[i - 1];
		order[i - 1] = order[j];
		order[j]     = t;
	}
	return order;
}

/* Fetches the values order[from..to) (the phase accumulates over calls); false once --time ran out. */
static bool
run_fetch(struct env *e, unsigned cls, struct sizecfg *sc, uint8_t *buf, const uint64_t *order,
	  uint64_t from, uint64_t to)
{
	struct phase *ph  = &sc->sc_fetch;
	daos_obj_id_t oid = {.hi = 1, .lo = cls};
	uint8_t       kb[9];
	char          akey = 'a';
	daos_key_t    dkey;
	daos_iod_t    iod = {.iod_type = DAOS_IOD_SINGLE, .iod_nr = 1};
	d_iov_t       iov;
	d_sg_list_t   sgl = {.sg_nr = 1, .sg_iovs = &iov};
	bool          more = true;
	uint64_t      t0;
	uint64_t      i;
	int           rc;

	d_iov_set(&dkey, kb, sizeof(kb));
	d_iov_set(&iod.iod_name, &akey, 1);
	t0 = now_ns();
	for (i = from; i < to; i++) {
		uint64_t t2 = now_ns();

		dkey_of(kb, cls, order[i]);
		iod.iod_size = DAOS_REC_ANY;
		iov          = (d_iov_t){.iov_buf = buf, .iov_buf_len = sc->sc_size};
		rc           = vos_obj_fetch(e->e_cont, oid, DAOS_EPOCH_MAX, &dkey, 1, &iod, &sgl);
		if (rc != 0 || iod.iod_size != sc->sc_size)
			die("fetch %" PRIu64 ": " DF_RC " size %" PRIu64, order[i], DP_RC(rc),
			    (uint64_t)iod.iod_size);
		ph->ph_op.l_ns[ph->ph_op.l_nr++] = now_ns() - t2;
		if (i % 65536 == 0)
			progress("fetch", sc, i, t0);
		if ((i & 1023) == 0 && time_up(t0)) {
			i++;
			more = false;
			break;
		}
	}
	ph->ph_ns += now_ns() - t0;
	ph->ph_ops += i - from;
	ph->ph_bytes += (i - from) * sc->sc_size;
	progress_end();
	return more;
}

/*
 * The index floor (values kept in the index only): a plain LMDB environment
 * beside the pool, on the same file system, with the same environment flags,
 * holding as many keys as the fetch phase reads, each of the length of a VOS
 * single-value key (objkey, dkey, akey and epoch) with a value of the length
 * of its inline record, looked up in the same order with the same cursor call
 * (MDB_SET_RANGE in one long read transaction). A fetch cannot be faster than
 * this lookup: the ratio vos/lmdb is what VOS adds around it.
 */
/* Keeps the floor's value reads from being optimised away. */
static volatile uint64_t perf_sink;

struct floor {
	MDB_env    *f_env;
	MDB_txn    *f_txn;
	MDB_cursor *f_cur;
	MDB_dbi     f_dbi;
	char        f_dir[1100];
	size_t      f_klen;
};

/* The floor's key of value i: a constant objkey and akey around an 8-byte index, as dkey_of(). */
static void
floor_key(uint8_t *k, size_t klen, uint64_t i)
{
	memset(k, 0x11, klen);
	d_put_be64(k + klen - 8 - 3 - 8, i);
}

static void
floor_create(struct floor *f, unsigned cls, struct sizecfg *sc, uint64_t n)
{
	uint8_t  k[VOS_KEY_BUF];
	uint8_t *v;
	size_t   vlen = VOS_VAL_HDR_LEN + sc->sc_size;
	MDB_txn *txn;
	int      rc;

	(void)cls;
	/* objkey | be16 len, dkey (class byte + be64) | be16 len, akey 'a' | ~epoch */
	f->f_klen = VOS_OBJKEY_LEN + 2 + 9 + 2 + 1 + 8;
	snprintf(f->f_dir, sizeof(f->f_dir), "%s.lmdb", g.o_scm);
	if (mkdir(f->f_dir, 0700) != 0)
		die("%s: %s", f->f_dir, strerror(errno));
	v = calloc(1, vlen);
	if (v == NULL)
		die("out of memory");
	rc = mdb_env_create(&f->f_env);
	if (rc == 0)
		rc = mdb_env_set_mapsize(f->f_env, PERF_SCM_SIZE);
	if (rc == 0)
		rc = mdb_env_open(f->f_env, f->f_dir, MDB_NOTLS | MDB_NOMETASYNC | MDB_NOSYNC, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(f->f_env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, NULL, 0, &f->f_dbi);
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		MDB_val kv = {.mv_size = f->f_klen, .mv_data = k};
		MDB_val vv = {.mv_size = vlen, .mv_data = v};

		floor_key(k, f->f_klen, i);
		rc = mdb_put(txn, f->f_dbi, &kv, &vv, MDB_APPEND);
		if (rc == 0 && (i + 1) % sc->sc_batch == 0) {
			rc = mdb_txn_commit(txn);
			if (rc == 0)
				rc = mdb_txn_begin(f->f_env, NULL, 0, &txn);
		}
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	if (rc == 0)
		rc = mdb_txn_begin(f->f_env, NULL, MDB_RDONLY, &f->f_txn);
	if (rc == 0)
		rc = mdb_cursor_open(f->f_txn, f->f_dbi, &f->f_cur);
	free(v);
	if (rc != 0)
		die("index floor in %s: %s", f->f_dir, mdb_strerror(rc));
	lat_init(&sc->sc_floor.ph_op, n);
}

static void
floor_destroy(struct floor *f)
{
	char path[1200];

	mdb_cursor_close(f->f_cur);
	mdb_txn_abort(f->f_txn);
	mdb_env_close(f->f_env);
	snprintf(path, sizeof(path), "%s/data.mdb", f->f_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->f_dir);
	unlink(path);
	rmdir(f->f_dir);
}

/* Looks up keys order[from..to) in the floor environment (the phase accumulates over calls). */
static void
run_floor(struct floor *f, struct sizecfg *sc, const uint64_t *order, uint64_t from, uint64_t to)
{
	struct phase *ph = &sc->sc_floor;
	uint8_t       k[VOS_KEY_BUF];
	uint64_t      t0;

	t0 = now_ns();
	for (uint64_t i = from; i < to; i++) {
		uint64_t t2 = now_ns();
		MDB_val  kv = {.mv_size = f->f_klen, .mv_data = k};
		MDB_val  vv;
		int      rc;

		floor_key(k, f->f_klen, order[i]);
		rc = mdb_cursor_get(f->f_cur, &kv, &vv, MDB_SET_RANGE);
		if (rc != 0 || vv.mv_size != VOS_VAL_HDR_LEN + sc->sc_size)
			die("index floor lookup %" PRIu64 ": %s", order[i], mdb_strerror(rc));
		perf_sink += ((const uint8_t *)vv.mv_data)[0]; /* touch the value as a fetch does */
		ph->ph_op.l_ns[ph->ph_op.l_nr++] = now_ns() - t2;
	}
	ph->ph_ns += now_ns() - t0;
	ph->ph_ops += to - from;
	ph->ph_bytes += (to - from) * sc->sc_size;
}

/*
 * The same bytes straight to the file system: a fresh fallocated file beside
 * the device (written once first, as the device is), sequential O_DIRECT
 * pwrite()s of the value size (rounded up to 4 KiB as the blob does), one
 * fdatasync() per batch. raw_open() makes the file for `n` values.
 */
static int
raw_open(struct sizecfg *sc, uint64_t n, char *path, size_t plen)
{
	uint64_t len = (sc->sc_size + 4095) / 4096 * 4096;
	int      fd;

	snprintf(path, plen, "%s.raw", g.o_dev);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (posix_fallocate(fd, 0, (off_t)(len * n)) != 0)
		die("%s: fallocate failed", path);
	if (fsync(fd) != 0)
		die("%s: fsync: %s", path, strerror(errno));
	prewrite(fd, len * n, path);
	lat_init(&sc->sc_raw.ph_op, n);
	lat_init(&sc->sc_raw.ph_commit, n / sc->sc_batch + PERF_ROUNDS_MAX + 1);
	return fd;
}

/* Writes values [from, to) to the raw file (the phase accumulates over calls). */
static void
run_raw(int fd, struct sizecfg *sc, const uint8_t *buf, uint64_t from, uint64_t to)
{
	struct phase *ph  = &sc->sc_raw;
	uint64_t      len = (sc->sc_size + 4095) / 4096 * 4096;
	uint64_t      t0;
	uint64_t      i;

	t0 = now_ns();
	for (i = from; i < to;) {
		uint64_t end = i + sc->sc_batch < to ? i + sc->sc_batch : to;
		uint64_t t1;

		for (; i < end; i++) {
			uint64_t t2 = now_ns();

			if (pwrite(fd, buf, len, (off_t)(i * len)) != (ssize_t)len)
				die("raw pwrite: %s", strerror(errno));
			ph->ph_op.l_ns[ph->ph_op.l_nr++] = now_ns() - t2;
		}
		t1 = now_ns();
		if (fdatasync(fd) != 0)
			die("raw fdatasync: %s", strerror(errno));
		ph->ph_commit.l_ns[ph->ph_commit.l_nr++] = now_ns() - t1;
		if ((i / sc->sc_batch) % 16 == 0)
			progress("raw", sc, i, t0);
	}
	ph->ph_ns += now_ns() - t0;
	ph->ph_ops += to - from;
	ph->ph_bytes += (to - from) * sc->sc_size;
	progress_end();
}

/* ---- Output ---- */

struct fig {
	double f_ops;   /* ops/s */
	double f_mbs;   /* MB/s */
	double f_p50;   /* us */
	double f_p99;
	double f_c50;
	double f_c99;
};

static struct fig
figures(struct phase *ph)
{
	struct fig f = {0};
	double     s = (double)ph->ph_ns / 1e9;

	if (ph->ph_ops == 0 || s <= 0)
		return f;
	f.f_ops = (double)ph->ph_ops / s;
	f.f_mbs = (double)ph->ph_bytes / s / 1e6;
	f.f_p50 = lat_pct(&ph->ph_op, 50);
	f.f_p99 = lat_pct(&ph->ph_op, 99);
	f.f_c50 = lat_pct(&ph->ph_commit, 50);
	f.f_c99 = lat_pct(&ph->ph_commit, 99);
	return f;
}

static void
print_text(struct sizecfg *sc, struct fig *u, struct fig *fe, struct fig *r, struct fig *fl)
{
	printf("%8" PRIu64 " B  %-7s  batch %4u  %9" PRIu64 " ops  %12.0f ops/s  %9.1f MB/s  "
	       "op p50 %8.2f us  p99 %8.2f us  commit p50 %9.1f us  p99 %9.1f us\n",
	       sc->sc_size, "update", sc->sc_batch, sc->sc_upd.ph_ops, u->f_ops, u->f_mbs, u->f_p50,
	       u->f_p99, u->f_c50, u->f_c99);
	if (sc->sc_fetch.ph_ops > 0)
		printf("%8" PRIu64 " B  %-7s  %10s  %9" PRIu64 " ops  %12.0f ops/s  %9.1f MB/s  "
		       "op p50 %8.2f us  p99 %8.2f us\n", sc->sc_size, "fetch", "",
		       sc->sc_fetch.ph_ops, fe->f_ops, fe->f_mbs, fe->f_p50, fe->f_p99);
	if (sc->sc_floor.ph_ops > 0)
		printf("%8" PRIu64 " B  %-7s  %10s  %9" PRIu64 " ops  %12.0f ops/s  %9.1f MB/s  "
		       "op p50 %8.2f us  p99 %8.2f us  vos/lmdb %.3f\n", sc->sc_size, "lmdb", "",
		       sc->sc_floor.ph_ops, fl->f_ops, fl->f_mbs, fl->f_p50, fl->f_p99,
		       fl->f_ops > 0 ? fe->f_ops / fl->f_ops : 0);
	if (sc->sc_raw.ph_ops > 0)
		printf("%8" PRIu64 " B  %-7s  batch %4u  %9" PRIu64 " ops  %12.0f ops/s  %9.1f MB/s  "
		       "op p50 %8.2f us  p99 %8.2f us  sync   p50 %9.1f us  p99 %9.1f us  "
		       "vos/raw %.3f\n", sc->sc_size, "raw", sc->sc_batch, sc->sc_raw.ph_ops, r->f_ops,
		       r->f_mbs, r->f_p50, r->f_p99, r->f_c50, r->f_c99,
		       r->f_mbs > 0 ? u->f_mbs / r->f_mbs : 0);
}

static void
json_fig(const char *name, const struct phase *ph, const struct fig *f, bool commit, bool last)
{
	printf("      \"%s\": {\"ops\": %" PRIu64 ", \"seconds\": %.6f, \"ops_per_s\": %.1f, "
	       "\"mb_per_s\": %.2f, \"op_p50_us\": %.3f, \"op_p99_us\": %.3f", name, ph->ph_ops,
	       (double)ph->ph_ns / 1e9, f->f_ops, f->f_mbs, f->f_p50, f->f_p99);
	if (commit)
		printf(", \"commit_p50_us\": %.3f, \"commit_p99_us\": %.3f", f->f_c50, f->f_c99);
	printf("}%s\n", last ? "" : ",");
}

int
main(int argc, char **argv)
{
	struct env     e = {0};
	struct utsname un;
	uint8_t       *buf;
	uint64_t       maxsz = 0;
	struct fig     u[PERF_SIZES_MAX], fe[PERF_SIZES_MAX], r[PERF_SIZES_MAX];
	struct fig     fl[PERF_SIZES_MAX];
	time_t         now   = time(NULL);
	char           date[64];

	parse_args(argc, argv);
	for (unsigned i = 0; i < g.o_nsz; i++)
		if (g.o_sz[i].sc_size > maxsz)
			maxsz = g.o_sz[i].sc_size;
	if (posix_memalign((void **)&buf, 4096, (maxsz + 4095) / 4096 * 4096) != 0)
		die("out of memory");
	fill(buf, (maxsz + 4095) / 4096 * 4096, 42);
	env_create(&e);
	for (unsigned i = 0; i < g.o_nsz; i++) {
		struct sizecfg *sc = &g.o_sz[i];

		bool     raw    = g.o_raw && sc->sc_blob;
		unsigned rounds = raw ? g.o_rounds : 1;
		char     rpath[1100];
		int      rfd    = raw ? raw_open(sc, sc->sc_count, rpath, sizeof(rpath)) : -1;

		/*
		 * VOS and raw in alternating rounds over the same count, each round
		 * starting with the other one, so that the device's drift (host
		 * caches, other guests) weighs on both alike.
		 */
		for (unsigned r = 0; r < rounds; r++) {
			uint64_t from = sc->sc_count * r / rounds;
			uint64_t to   = sc->sc_count * (r + 1) / rounds;

			if (raw && r % 2 == 1)
				run_raw(rfd, sc, buf, from, to);
			run_update(&e, i, sc, buf, from, to);
			if (sc->sc_upd.ph_ops < to)
				break; /* --time ran out */
			if (raw && r % 2 == 0)
				run_raw(rfd, sc, buf, from, to);
		}
		if (rfd >= 0) {
			close(rfd);
			unlink(rpath);
		}
		if (!g.o_nofetch) {
			uint64_t     n     = sc->sc_upd.ph_ops;
			uint64_t    *order = make_order(n);
			bool         floor = g.o_raw && !sc->sc_blob && n > 0;
			unsigned     fr    = floor ? g.o_rounds : 1;
			struct floor fl;

			lat_init(&sc->sc_fetch.ph_op, n);
			if (floor)
				floor_create(&fl, i, sc, n);
			/* Fetch and the floor alternate as update and raw do. */
			for (unsigned r = 0; r < fr; r++) {
				uint64_t from = n * r / fr;
				uint64_t to   = n * (r + 1) / fr;

				if (floor && r % 2 == 1)
					run_floor(&fl, sc, order, from, to);
				if (!run_fetch(&e, i, sc, buf, order, from, to))
					break; /* --time ran out */
				if (floor && r % 2 == 0)
					run_floor(&fl, sc, order, from, to);
			}
			if (floor)
				floor_destroy(&fl);
			free(order);
		}
		u[i]  = figures(&sc->sc_upd);
		fe[i] = figures(&sc->sc_fetch);
		r[i]  = figures(&sc->sc_raw);
		fl[i] = figures(&sc->sc_floor);
	}
	env_destroy(&e);
	uname(&un);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	if (g.o_json) {
		printf("{\n  \"date\": \"%s\", \"host\": \"%s\", \"kernel\": \"%s\", \"cpus\": %ld,\n"
		       "  \"scm\": \"%s\", \"dev\": \"%s\", \"inline_threshold\": %u,\n  \"results\": [\n",
		       date, un.nodename, un.release, sysconf(_SC_NPROCESSORS_ONLN), g.o_scm, g.o_dev,
		       VOS_INLINE_THRESHOLD);
		for (unsigned i = 0; i < g.o_nsz; i++) {
			struct sizecfg *sc = &g.o_sz[i];
			bool            raw = sc->sc_raw.ph_ops > 0;
			bool            flr = sc->sc_floor.ph_ops > 0;

			printf("    {\"size\": %" PRIu64 ", \"batch\": %u, \"blob\": %s,\n", sc->sc_size,
			       sc->sc_batch, sc->sc_blob ? "true" : "false");
			json_fig("update", &sc->sc_upd, &u[i], true, false);
			json_fig("fetch", &sc->sc_fetch, &fe[i], false, !raw && !flr);
			if (flr) {
				json_fig("lmdb", &sc->sc_floor, &fl[i], false, false);
				printf("      \"vos_lmdb_ratio\": %.4f%s\n",
				       fl[i].f_ops > 0 ? fe[i].f_ops / fl[i].f_ops : 0, raw ? "," : "");
			}
			if (raw) {
				json_fig("raw", &sc->sc_raw, &r[i], true, false);
				printf("      \"vos_raw_ratio\": %.4f\n",
				       r[i].f_mbs > 0 ? u[i].f_mbs / r[i].f_mbs : 0);
			}
			printf("    }%s\n", i + 1 < g.o_nsz ? "," : "");
		}
		printf("  ]\n}\n");
	} else {
		printf("vos_perf %s on %s (%s, %ld CPUs): SCM %s, blob %s\n", date, un.nodename,
		       un.release, sysconf(_SC_NPROCESSORS_ONLN), g.o_scm, g.o_dev);
		for (unsigned i = 0; i < g.o_nsz; i++)
			print_text(&g.o_sz[i], &u[i], &fe[i], &r[i], &fl[i]);
	}
	for (unsigned i = 0; i < g.o_nsz; i++) {
		struct phase *ph[4] = {&g.o_sz[i].sc_upd, &g.o_sz[i].sc_fetch, &g.o_sz[i].sc_raw,
				       &g.o_sz[i].sc_floor};

		for (int p = 0; p < 4; p++) {
			free(ph[p]->ph_op.l_ns);
			free(ph[p]->ph_commit.l_ns);
		}
	}
	free(buf);
	return 0;
}
