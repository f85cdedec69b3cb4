/*
 * vos_crash.c: crash-consistency driver for VOS with a blob (used by
 * tests/integration/test_vos_crash.py).
 *
 *   vos_crash write  --dir D --seed S   writes batches forever (until killed)
 *   vos_crash verify --dir D            checks what survived; exit 0 when good
 *
 * Layout of D: `pool/` (the VOS pool, on D's file system), `bdev` (a file
 * device; the blob is all of it), `ack.log` (the acknowledgement log).
 *
 * The writer works on a fixed key space (one container, one object, NDKEY x
 * NAKEY akeys; akeys 0..5 single values, 6..7 arrays of 1-byte records of a
 * fixed length per key) with a mix of inline (<= 4 KiB) and blob values,
 * new versions, akey punches, rewrites of a version at the same epoch (an
 * earlier batch's epoch above the last aggregation: this frees a committed
 * blob extent in a transaction that allocates, the case the deferred free
 * exists for) and, every AGG_EVERY batches, an aggregation up to the last
 * acknowledged epoch in steps of a small budget. Each batch has its own
 * epoch ((run << 32) | batch), so epochs never repeat across runs.
 * For every batch it appends to the log, with write(2):
 *   - before vos_tx_commit(): one INTENT record per (key, epoch) the batch
 *     changes (size and CRC32C of the expected content; size 0 is a punch;
 *     a punch wins over a write at its epoch), tagged with the batch;
 *   - after vos_tx_commit() returned 0: an ACK record of the batch, then
 *     fdatasync, so the log never claims more than VOS acknowledged.
 * Before an aggregation it logs and syncs an AGG record with its upper epoch.
 * Values are a function of (key, epoch, size), so the log needs no data.
 *
 * The verifier reopens the pool, runs vos_pool_check() (free map, deferred
 * frees and referenced extents tile the blob; accounting), then per key,
 * with state(e) = a punch if an acknowledged punch at e exists, else the
 * last acknowledged write at e:
 *   - a read at DAOS_EPOCH_MAX returns state(newest acknowledged epoch), or
 *     what an unacknowledged INTENT of the key at that epoch or later says
 *     (an unacknowledged batch may have committed);
 *   - for every acknowledged epoch e above the last AGG upper, a read at
 *     exactly e returns state(e), or what an unacknowledged INTENT at e says.
 * Anything else exits 1 with a message naming the key and epoch.
 *
 * VOS_CRASH_KILL_AT=K makes the writer raise(SIGKILL) from the commit hook
 * of its K-th commit: after the blob data is flushed, before the LMDB commit
 * (vos_commit_hook_set()), the window a kill -9 during a commit hits.
 *
 * What this proves: a process crash at any point (including inside the
 * commit, between the blob flush and the index commit) loses nothing
 * acknowledged and corrupts nothing. It does not simulate power loss: the
 * kernel keeps the unsynced page cache of a killed process.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/checksum.h"
#include "vos/vos.h"

/* ---- Limits ---- */

/** dkeys x akeys of the key space: small, so keys are overwritten often. */
#define NDKEY        8
#define NAKEY        8
#define NKEY         (NDKEY * NAKEY)
/** akeys below this are single values, the others arrays. */
#define NSINGLE      6
/** Largest single value: a quarter of a MiB, several blob chunks of checksums. */
#define SV_MAX       (256U << 10)
/** Largest array (1-byte records, fixed per key). */
#define AR_MAX       (96U << 10)
/** Operations per batch. */
#define BATCH_MAX    8
/** Aggregate every this many batches. */
#define AGG_EVERY    8
/** Aggregation budget per call: many small committed steps. */
#define AGG_BUDGET   16
/** Device (= blob) size. */
#define DEV_SIZE     (64ULL << 20)
/** SCM (LMDB map) size. */
#define SCM_SIZE     (64ULL << 20)
/** Log records the verifier reads: far more than any test run writes. */
#define LOG_REC_MAX  (1U << 22)
/** Longest path under D. */
#define PATH_MAX_LEN 1024
/** How long to wait for a killed process's locks: the kernel tears its io_uring down
 *  asynchronously, and the device's flock goes with the last reference. */
#define BUSY_WAIT_MS 20000
#define BUSY_POLL_MS 10

static const uuid_t g_pool_uuid = {0x5c, 0x7a, 0x51, 0x10, 0x6e, 0x2b, 0x4f, 0x0d,
				   0x9a, 0x11, 0x3c, 0x2d, 0x4e, 0x5f, 0x60, 0x71};
static const uuid_t g_cont_uuid = {0xc0, 0x27, 0x3a, 0x5b, 0x11, 0x22, 0x4c, 0x33,
				   0x84, 0x95, 0xa6, 0xb7, 0xc8, 0xd9, 0xea, 0xfb};
static const daos_obj_id_t g_oid = {.hi = 0x11, .lo = 0xc4a5};

/* ---- Log ---- */

enum rec_type { REC_RUN = 1, REC_INTENT = 2, REC_ACK = 3, REC_AGG = 4 };

#define REC_MAGIC 0x564f5343U /* "CSOV" */

struct rec {
	uint32_t r_magic;
	uint8_t  r_type;
	uint8_t  r_pad;
	uint16_t r_key;
	uint64_t r_epoch; /* INTENT: of the operation; ACK, AGG: of the batch, the upper */
	uint64_t r_batch; /* INTENT: the batch's epoch (its ACK's r_epoch) */
	uint32_t r_size;  /* bytes (array: records); 0: punch */
	uint32_t r_crc;   /* of the content */
	uint32_t r_aux;   /* RUN: the run number */
	uint32_t r_self;  /* CRC32C of the bytes before it */
};

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vos_crash: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void
rec_seal(struct rec *r)
{
	r->r_magic = REC_MAGIC;
	r->r_self  = d_crc32c(0, r, offsetof(struct rec, r_self));
}

static void
log_write(int fd, const struct rec *recs, size_t n, bool sync)
{
	size_t  len = n * sizeof(*recs);
	ssize_t w   = write(fd, recs, len);

	if (w != (ssize_t)len)
		die("log write: %s", w < 0 ? strerror(errno) : "short");
	if (sync && fdatasync(fd) != 0)
		die("log fdatasync: %s", strerror(errno));
}

/* ---- Content ---- */

static bool
key_is_array(unsigned key)
{
	return key % NAKEY >= NSINGLE;
}

/* Fixed record count of array key `key`: inline for some, blob for others. */
static uint32_t
array_len(unsigned key)
{
	static const uint32_t lens[NDKEY] = {1000, 4096, 4097, 20000, 65536, 70001, 98304, 3000};

	return lens[(key / NAKEY) % NDKEY];
}

static void
content(unsigned key, uint64_t epoch, uint32_t size, uint8_t *buf)
{
	uint64_t x = (epoch * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)key << 40) ^ size;

	for (uint32_t i = 0; i < size; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		buf[i] = (uint8_t)((x * 2685821657736338717ULL) >> 56);
	}
}

static void
key_names(unsigned key, char *dk, char *ak)
{
	snprintf(dk, 16, "dkey-%u", key / NAKEY);
	snprintf(ak, 16, "akey-%u", key % NAKEY);
}

/* ---- Pool ---- */

struct env {
	char             e_dir[PATH_MAX_LEN];
	char             e_pool[PATH_MAX_LEN];
	char             e_dev[PATH_MAX_LEN];
	char             e_log[PATH_MAX_LEN];
	struct bio_dev  *e_bdev;
	struct bio_ring *e_ring;
	struct bio_blob  e_blob;
	struct vos_pool *e_vp;
	struct vos_cont *e_cont;
};

static void
env_paths(struct env *e, const char *dir)
{
	if (strlen(dir) > PATH_MAX_LEN - 16)
		die("directory path too long");
	snprintf(e->e_dir, sizeof(e->e_dir), "%s", dir);
	snprintf(e->e_pool, sizeof(e->e_pool), "%s/pool", dir);
	snprintf(e->e_dev, sizeof(e->e_dev), "%s/bdev", dir);
	snprintf(e->e_log, sizeof(e->e_log), "%s/ack.log", dir);
}

/* Opens the device and the pool; `create` makes whatever is missing. 1: no pool (verify). */
static int
env_open(struct env *e, bool create)
{
	int rc;

	if (create) {
		rc = bio_dev_create_file(e->e_dev, DEV_SIZE);
		if (rc != 0)
			die("device %s: " DF_RC, e->e_dev, DP_RC(rc));
	}
	for (unsigned waited = 0;; waited += BUSY_POLL_MS) {
		rc = bio_dev_open(e->e_dev, BIO_DEV_FILE, 0, &e->e_bdev);
		if (rc != -DER_BUSY || waited >= BUSY_WAIT_MS)
			break;
		usleep(BUSY_POLL_MS * 1000);
	}
	if (rc == -DER_NONEXIST && !create)
		return 1;
	if (rc != 0)
		die("device open %s: " DF_RC, e->e_dev, DP_RC(rc));
	rc = bio_ring_create(0, 64, &e->e_ring);
	if (rc == 0)
		rc = bio_blob_init(&e->e_blob, e->e_bdev, BIO_BLOB_ID_BASE, 0, DEV_SIZE);
	if (rc != 0)
		die("ring/blob: " DF_RC, DP_RC(rc));
	if (create) {
		rc = vos_pool_create(e->e_pool, g_pool_uuid, SCM_SIZE, 0);
		if (rc != 0 && rc != -DER_EXIST)
			die("pool create: " DF_RC, DP_RC(rc));
	}
	for (unsigned waited = 0;; waited += BUSY_POLL_MS) {
		rc = vos_pool_open(e->e_pool, g_pool_uuid, e->e_ring, &e->e_blob, &e->e_vp);
		if (rc != -DER_BUSY || waited >= BUSY_WAIT_MS)
			break;
		usleep(BUSY_POLL_MS * 1000);
	}
	if (rc == -DER_NONEXIST && !create)
		return 1;
	if (rc != 0)
		die("pool open: " DF_RC, DP_RC(rc));
	if (create) {
		rc = vos_cont_create(e->e_vp, g_cont_uuid);
		if (rc != 0 && rc != -DER_EXIST)
			die("container create: " DF_RC, DP_RC(rc));
	}
	rc = vos_cont_open(e->e_vp, g_cont_uuid, &e->e_cont);
	if (rc == -DER_NONEXIST && !create)
		return 1;
	if (rc != 0)
		die("container open: " DF_RC, DP_RC(rc));
	return 0;
}

/* ---- Writer ---- */

static uint64_t g_rng;

static uint64_t
rnd(void)
{
	g_rng ^= g_rng >> 12;
	g_rng ^= g_rng << 25;
	g_rng ^= g_rng >> 27;
	return g_rng * 2685821657736338717ULL;
}

static uint64_t
rnd_below(uint64_t n)
{
	return rnd() % n;
}

static unsigned g_kill_at;
static unsigned g_commits;

static void
kill_hook(void *arg)
{
	(void)arg;
	if (g_kill_at != 0 && ++g_commits == g_kill_at)
		raise(SIGKILL); /* blob data flushed, index not committed */
}

/* Counts the RUN records of the log: the next run's number. */
static uint32_t
next_run(const char *path)
{
	struct rec r;
	uint32_t   runs = 0;
	int        fd   = open(path, O_RDONLY);

	if (fd < 0)
		return 1;
	while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
		if (r.r_magic == REC_MAGIC && r.r_type == REC_RUN &&
		    r.r_self == d_crc32c(0, &r, offsetof(struct rec, r_self)))
			runs = r.r_aux;
	close(fd);
	return runs + 1;
}

struct op {
	unsigned     o_key;
	daos_epoch_t o_epoch;
	uint32_t     o_size; /* 0: punch */
};

static int
do_update(struct env *e, unsigned key, daos_epoch_t epoch, uint32_t size, uint8_t *buf)
{
	char        dk[16];
	char        ak[16];
	daos_key_t  dkey;
	daos_recx_t rx = {.rx_idx = 0, .rx_nr = size};
	daos_iod_t  iod = {.iod_nr = 1};
	d_iov_t     iov;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};

	key_names(key, dk, ak);
	d_iov_set(&dkey, dk, strlen(dk));
	d_iov_set(&iod.iod_name, ak, strlen(ak));
	if (size == 0) {
		daos_key_t akey = iod.iod_name;

		return vos_obj_punch_akeys(e->e_cont, g_oid, epoch, &dkey, 1, &akey);
	}
	content(key, epoch, size, buf);
	d_iov_set(&iov, buf, size);
	if (key_is_array(key)) {
		iod.iod_type  = DAOS_IOD_ARRAY;
		iod.iod_size  = 1;
		iod.iod_recxs = &rx;
	} else {
		iod.iod_type = DAOS_IOD_SINGLE;
		iod.iod_size = size;
	}
	return vos_obj_update(e->e_cont, g_oid, epoch, &dkey, 1, &iod, &sgl);
}

static void
aggregate(struct env *e, int logfd, daos_epoch_t upper)
{
	struct vos_agg_anchor an = VOS_AGG_ANCHOR_INIT;
	struct rec            r  = {.r_type = REC_AGG, .r_epoch = upper};
	int                   rc;

	rec_seal(&r);
	log_write(logfd, &r, 1, true); /* before anything is removed */
	do {
		rc = vos_aggregate(e->e_cont, NULL, 0, upper, &an, AGG_BUDGET, NULL);
	} while (rc == 0);
	if (rc != 1)
		die("aggregate: " DF_RC, DP_RC(rc));
}

static int
cmd_write(const char *dir, uint64_t seed)
{
	struct env  e = {0};
	struct rec  recs[BATCH_MAX + 1];
	struct op   ops[BATCH_MAX];
	uint8_t    *buf;
	const char *ka = getenv("VOS_CRASH_KILL_AT");
	uint32_t    run;
	uint64_t    batch     = 0;
	uint64_t    agg_batch = 0; /* batch of the last aggregation (its upper) */
	int         logfd;
	int         rc;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		die("mkdir %s: %s", dir, strerror(errno));
	env_paths(&e, dir);
	buf = malloc(SV_MAX > AR_MAX ? SV_MAX : AR_MAX);
	if (buf == NULL)
		die("out of memory");
	g_rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	run   = next_run(e.e_log);
	logfd = open(e.e_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (logfd < 0)
		die("log %s: %s", e.e_log, strerror(errno));
	{
		struct rec r = {.r_type = REC_RUN, .r_aux = run};

		rec_seal(&r);
		log_write(logfd, &r, 1, true);
	}
	env_open(&e, true);
	if (ka != NULL && atoi(ka) > 0) {
		g_kill_at = (unsigned)atoi(ka);
		vos_commit_hook_set(e.e_vp, kill_hook, NULL);
	}
	printf("ready run %u\n", run);
	fflush(stdout);

	for (;;) {
		daos_epoch_t epoch = ((uint64_t)run << 32) | ++batch;
		unsigned     nops  = 1 + (unsigned)rnd_below(BATCH_MAX);
		unsigned     nrec  = 0;

		for (unsigned i = 0; i < nops; i++) {
			unsigned key = (unsigned)rnd_below(NKEY);
			uint64_t r   = rnd_below(100);

			ops[i].o_key   = key;
			ops[i].o_epoch = epoch;
			/* A rewrite at an earlier batch's epoch, above the last aggregation. */
			if (batch - agg_batch > 1 && rnd_below(100) < 15)
				ops[i].o_epoch = ((uint64_t)run << 32) | (agg_batch + 1 +
						 rnd_below(batch - agg_batch - 1));
			if (r < 12)
				ops[i].o_size = 0;
			else if (key_is_array(key))
				ops[i].o_size = array_len(key);
			else if (r < 55)
				ops[i].o_size = 1 + (uint32_t)rnd_below(4096);
			else
				ops[i].o_size = 4097 + (uint32_t)rnd_below(SV_MAX - 4096);
		}
		rc = vos_tx_begin(e.e_vp);
		if (rc != 0)
			die("tx begin: " DF_RC, DP_RC(rc));
		for (unsigned i = 0; i < nops; i++) {
			rc = do_update(&e, ops[i].o_key, ops[i].o_epoch, ops[i].o_size, buf);
			if (rc == -DER_NOSPACE) {
				ops[i].o_key = NKEY; /* refused: not part of the batch */
				continue;
			}
			if (rc != 0)
				die("update: " DF_RC, DP_RC(rc));
		}
		/* One INTENT per (key, epoch): a punch wins; else the last write. */
		for (unsigned i = 0; i < nops; i++) {
			struct rec *r = NULL;

			if (ops[i].o_key == NKEY)
				continue;
			for (unsigned j = 0; j < nrec; j++)
				if (recs[j].r_key == ops[i].o_key && recs[j].r_epoch == ops[i].o_epoch)
					r = &recs[j];
			if (r == NULL) {
				r = &recs[nrec++];
				memset(r, 0, sizeof(*r));
			} else if (r->r_size == 0) {
				continue;
			}
			r->r_type  = REC_INTENT;
			r->r_key   = (uint16_t)ops[i].o_key;
			r->r_epoch = ops[i].o_epoch;
			r->r_batch = epoch;
			r->r_size  = ops[i].o_size;
			r->r_crc   = 0;
			if (r->r_size > 0) {
				content(ops[i].o_key, ops[i].o_epoch, r->r_size, buf);
				r->r_crc = d_crc32c(0, buf, r->r_size);
			}
		}
		for (unsigned j = 0; j < nrec; j++)
			rec_seal(&recs[j]);
		if (nrec > 0)
			log_write(logfd, recs, nrec, false);
		rc = vos_tx_commit(e.e_vp);
		if (rc != 0)
			die("commit: " DF_RC, DP_RC(rc));
		{
			struct rec ack = {.r_type = REC_ACK, .r_epoch = epoch};

			rec_seal(&ack);
			log_write(logfd, &ack, 1, true);
		}
		if (batch % AGG_EVERY == 0) {
			aggregate(&e, logfd, epoch);
			agg_batch = batch;
		}
	}
}

/* ---- Verifier ---- */

struct kstate {
	struct rec *k_ops;  /* acknowledged operations, in log order */
	unsigned    k_nops;
	unsigned    k_cap;
	struct rec *k_pend; /* unacknowledged intents */
	unsigned    k_npend;
	unsigned    k_pcap;
};

static void
kpush(struct rec **v, unsigned *n, unsigned *cap, const struct rec *r)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		*v   = realloc(*v, *cap * sizeof(**v));
		if (*v == NULL)
			die("out of memory");
	}
	(*v)[(*n)++] = *r;
}

/* Reads key `key` at `epoch` into buf (capacity cap); *size the size (0: none). */
static int
do_read(struct env *e, unsigned key, daos_epoch_t epoch, uint8_t *buf, uint32_t cap,
	uint32_t *size)
{
	char        dk[16];
	char        ak[16];
	daos_key_t  dkey;
	daos_recx_t rx = {.rx_idx = 0, .rx_nr = key_is_array(key) ? array_len(key) : 0};
	daos_iod_t  iod = {.iod_nr = 1};
	d_iov_t     iov = {.iov_buf = buf, .iov_buf_len = cap};
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};
	int         rc;

	key_names(key, dk, ak);
	d_iov_set(&dkey, dk, strlen(dk));
	d_iov_set(&iod.iod_name, ak, strlen(ak));
	if (key_is_array(key)) {
		iod.iod_type  = DAOS_IOD_ARRAY;
		iod.iod_size  = 1;
		iod.iod_recxs = &rx;
	} else {
		iod.iod_type = DAOS_IOD_SINGLE;
		iod.iod_size = DAOS_REC_ANY;
	}
	rc = vos_obj_fetch(e->e_cont, g_oid, epoch, &dkey, 1, &iod, &sgl);
	if (rc != 0)
		return rc;
	*size = iod.iod_size == 0 ? 0 : (uint32_t)iov.iov_len;
	return 0;
}

/* Does (size, data) match operation r? */
static bool
matches(const struct rec *r, uint32_t size, const uint8_t *data)
{
	if (r->r_size == 0)
		return size == 0;
	return size == r->r_size && d_crc32c(0, data, size) == r->r_crc;
}

/* state(e) of a key: an acknowledged punch at e, else the last acknowledged write at e. */
static const struct rec *
state_at(const struct kstate *k, daos_epoch_t e)
{
	const struct rec *w = NULL;

	for (unsigned i = 0; i < k->k_nops; i++) {
		if (k->k_ops[i].r_epoch != e)
			continue;
		if (k->k_ops[i].r_size == 0)
			return &k->k_ops[i];
		w = &k->k_ops[i];
	}
	return w;
}

/* Does an unacknowledged intent of the key at an epoch in [lo, hi] match? */
static bool
pending_matches(const struct kstate *k, daos_epoch_t lo, daos_epoch_t hi, uint32_t size,
		const uint8_t *data)
{
	for (unsigned p = 0; p < k->k_npend; p++)
		if (k->k_pend[p].r_epoch >= lo && k->k_pend[p].r_epoch <= hi &&
		    matches(&k->k_pend[p], size, data))
			return true;
	return false;
}

static int
cmd_verify(const char *dir)
{
	struct env     e = {0};
	struct kstate *ks;
	struct rec    *log;
	uint8_t       *buf;
	char           err[512];
	size_t         nlog = 0;
	uint64_t       agg  = 0;
	unsigned       acked = 0, checked = 0;
	int            fd;
	int            rc;

	env_paths(&e, dir);
	ks  = calloc(NKEY, sizeof(*ks));
	buf = malloc(SV_MAX > AR_MAX ? SV_MAX : AR_MAX);
	log = malloc(LOG_REC_MAX * sizeof(*log));
	if (ks == NULL || buf == NULL || log == NULL)
		die("out of memory");
	fd = open(e.e_log, O_RDONLY);
	if (fd >= 0) {
		ssize_t n;

		while (nlog < LOG_REC_MAX &&
		       (n = read(fd, &log[nlog], sizeof(*log))) == (ssize_t)sizeof(*log)) {
			const struct rec *r = &log[nlog];

			/* A torn last record (the writer died inside write(2)) ends the log. */
			if (r->r_magic != REC_MAGIC ||
			    r->r_self != d_crc32c(0, r, offsetof(struct rec, r_self)))
				break;
			nlog++;
		}
		close(fd);
	}
	/* An ACK right after a batch's intents acknowledges them. */
	for (size_t i = 0; i < nlog; i++) {
		const struct rec *r = &log[i];
		bool              ok = false;

		if (r->r_type == REC_AGG && r->r_epoch > agg)
			agg = r->r_epoch;
		if (r->r_type != REC_INTENT)
			continue;
		if (r->r_key >= NKEY)
			die("log: key %u out of range", r->r_key);
		for (size_t j = i + 1; j < nlog; j++) {
			if (log[j].r_type == REC_ACK && log[j].r_epoch == r->r_batch) {
				ok = true;
				break;
			}
			if (log[j].r_type != REC_INTENT || log[j].r_batch != r->r_batch)
				break;
		}
		if (ok) {
			kpush(&ks[r->r_key].k_ops, &ks[r->r_key].k_nops, &ks[r->r_key].k_cap, r);
			acked++;
		} else {
			kpush(&ks[r->r_key].k_pend, &ks[r->r_key].k_npend, &ks[r->r_key].k_pcap, r);
		}
	}

	rc = env_open(&e, false);
	if (rc == 1) {
		if (acked > 0)
			die("no pool, but %u acknowledged operations in the log", acked);
		printf("verify: no pool yet, nothing acknowledged\n");
		return 0;
	}
	rc = vos_pool_check(e.e_vp, err, sizeof(err));
	if (rc != 0)
		die("vos_pool_check: " DF_RC ": %s", DP_RC(rc), err);

	for (unsigned key = 0; key < NKEY; key++) {
		struct kstate    *k = &ks[key];
		const struct rec *want;
		daos_epoch_t      newest = 0;
		uint32_t          size;

		if (k->k_nops == 0)
			continue;
		for (unsigned i = 0; i < k->k_nops; i++)
			if (k->k_ops[i].r_epoch > newest)
				newest = k->k_ops[i].r_epoch;
		want = state_at(k, newest);
		rc   = do_read(&e, key, DAOS_EPOCH_MAX, buf, SV_MAX, &size);
		if (rc != 0)
			die("key %u: read at MAX: " DF_RC, key, DP_RC(rc));
		if (!matches(want, size, buf) &&
		    !pending_matches(k, newest, DAOS_EPOCH_MAX, size, buf))
			die("key %u: latest read (size %u) is neither the acknowledged state at epoch "
			    "%#" PRIx64 " (size %u) nor a later unacknowledged one", key, size, newest,
			    want->r_size);
		checked++;
		for (unsigned i = 0; i < k->k_nops; i++) {
			daos_epoch_t ep = k->k_ops[i].r_epoch;

			if (ep <= agg || state_at(k, ep) != &k->k_ops[i])
				continue; /* aggregated away, or superseded at its epoch */
			want = &k->k_ops[i];
			rc   = do_read(&e, key, ep, buf, SV_MAX, &size);
			if (rc != 0)
				die("key %u: read at %#" PRIx64 ": " DF_RC, key, ep, DP_RC(rc));
			if (!matches(want, size, buf) && !pending_matches(k, ep, ep, size, buf))
				die("key %u: acknowledged state at epoch %#" PRIx64 " (size %u) reads back "
				    "as size %u or different content", key, ep, want->r_size, size);
			checked++;
		}
	}
	{
		struct vos_pool_info pi;

		rc = vos_pool_query(e.e_vp, &pi);
		if (rc != 0)
			die("query: " DF_RC, DP_RC(rc));
		printf("verify: ok: %zu log records, %u acknowledged operations, %u reads checked, "
		       "blob %" PRIu64 "/%" PRIu64 " bytes used\n", nlog, acked, checked,
		       pi.pi_nvme_used, pi.pi_nvme_total);
	}
	vos_cont_close(e.e_cont);
	rc = vos_pool_close(e.e_vp);
	if (rc != 0)
		die("pool close: " DF_RC, DP_RC(rc));
	bio_ring_destroy(e.e_ring);
	bio_dev_close(e.e_bdev);
	for (unsigned key = 0; key < NKEY; key++) {
		free(ks[key].k_ops);
		free(ks[key].k_pend);
	}
	free(ks);
	free(buf);
	free(log);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: vos_crash write --dir DIR --seed N\n"
			"       vos_crash verify --dir DIR\n"
			"VOS_CRASH_KILL_AT=K: the writer kills itself at its K-th commit, between "
			"the blob flush and the index commit\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *dir  = NULL;
	uint64_t    seed = 1;
	bool        have_seed = false;

	if (argc < 2)
		usage();
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			char *end;

			errno = 0;
			seed  = strtoull(argv[++i], &end, 0);
			if (errno != 0 || *end != '\0')
				usage();
			have_seed = true;
		} else {
			usage();
		}
	}
	if (dir == NULL)
		usage();
	if (strcmp(argv[1], "write") == 0 && have_seed)
		return cmd_write(dir, seed);
	if (strcmp(argv[1], "verify") == 0 && !have_seed)
		return cmd_verify(dir);
	usage();
}
