/*
 * test_bio.c: blob I/O (src/bio): devices, rings, buffers, faults, SMD.
 *
 * Devices are files in fresh mkdtemp directories, on ext4 (/var/tmp, which
 * enforces O_DIRECT alignment) and on tmpfs (/dev/shm). Every test removes
 * what it created. Invariant numbers (D1, R4, T3, S1...) refer to the file
 * comments of src/bio.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <daos_errno.h>

#include "bio/bio.h"

#define MiB (1ULL << 20)
#define KiB (1ULL << 10)

/* ---- Helpers ---- */

/*
 * Scratch directories of the running test. A failed assertion skips the
 * test's own tdir_rm(), so the teardown removes whatever is still listed.
 */
#define TDIR_MAX 4
static char g_tdirs[TDIR_MAX][64];

/* Removes a directory and the files (or empty directories) in it; false on any failure. */
static bool
tdir_remove(const char *dir)
{
	DIR           *d = opendir(dir);
	struct dirent *e;
	bool           ok = true;

	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) != 0 &&
		    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0)
			ok = false;
	}
	closedir(d);
	return rmdir(dir) == 0 && ok;
}

/* A scratch directory under `base`; removed (with its files) by tdir_rm(). */
static void
tdir_make(const char *base, char *out, size_t len)
{
	int i;

	snprintf(out, len, "%s/bio-test.XXXXXX", base);
	assert_non_null(mkdtemp(out));
	for (i = 0; i < TDIR_MAX && g_tdirs[i][0] != '\0'; i++)
		;
	assert_true(i < TDIR_MAX && strlen(out) < sizeof(g_tdirs[i]));
	strcpy(g_tdirs[i], out);
}

static void
tdir_rm(const char *dir)
{
	for (int i = 0; i < TDIR_MAX; i++)
		if (strcmp(g_tdirs[i], dir) == 0)
			g_tdirs[i][0] = '\0';
	assert_true(tdir_remove(dir));
}

static int
tdirs_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < TDIR_MAX; i++) {
		if (g_tdirs[i][0] != '\0')
			(void)tdir_remove(g_tdirs[i]);
		g_tdirs[i][0] = '\0';
	}
	return 0;
}

static unsigned
tdir_count(const char *dir)
{
	DIR           *d = opendir(dir);
	struct dirent *e;
	unsigned       n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
pjoin(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void *
abuf(size_t len)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, BIO_ALIGN, len), 0);
	memset(p, 0, len);
	return p;
}

/* Deterministic content: each 8-byte word depends on the seed and its position. */
static void
fill(void *buf, size_t len, uint64_t seed)
{
	uint64_t *w = buf;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = (seed + i) * 0x9E3779B97F4A7C15ULL;
}

static bool
check(const void *buf, size_t len, uint64_t seed)
{
	const uint64_t *w = buf;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i] != (seed + i) * 0x9E3779B97F4A7C15ULL)
			return false;
	return true;
}

static bool
all_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Creates and opens a file device. */
static struct bio_dev *
dev_make(const char *dir, const char *name, uint64_t size, unsigned flags)
{
	char            path[BIO_PATH_MAX];
	struct bio_dev *dev = NULL;

	pjoin(path, sizeof(path), dir, name);
	assert_int_equal(bio_dev_create_file(path, size), 0);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, flags, &dev), 0);
	return dev;
}

struct io_rec {
	bool done;
	int  rc;
	int  order;
};

static int g_order;

static void
rec_cb(void *arg, int rc)
{
	struct io_rec *r = arg;

	assert_false(r->done); /* R3: once */
	r->done  = true;
	r->rc    = rc;
	r->order = ++g_order;
}

/* Polls until nothing is in flight (bounded). */
static void
drain(struct bio_ring *ring)
{
	for (int i = 0; i < 1000 && bio_ring_inflight(ring) > 0; i++)
		assert_true(bio_ring_poll(ring, 100000) >= 0);
	assert_int_equal(bio_ring_inflight(ring), 0);
}

static struct bio_counters
dctr(struct bio_dev *dev)
{
	struct bio_counters c;

	bio_dev_counters(dev, &c);
	return c;
}

static struct bio_counters
rctr(struct bio_ring *ring)
{
	struct bio_counters c;

	bio_ring_counters(ring, &c);
	return c;
}

/* ---- Devices ---- */

/* BIO01: file devices are created at their size, idempotently; bad arguments refused (D4). */
static void
bio01_dev_create(void **state)
{
	char        dir[64], path[BIO_PATH_MAX], longp[BIO_PATH_MAX + 8];
	struct stat st;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	pjoin(path, sizeof(path), dir, "bdev0");
	assert_int_equal(bio_dev_create_file(path, 4 * MiB), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 4 * MiB);
	assert_true((uint64_t)st.st_blocks * 512 >= 4 * MiB); /* fallocated, not sparse */
	assert_int_equal(bio_dev_create_file(path, 4 * MiB), 0);
	assert_int_equal(bio_dev_create_file(path, 8 * MiB), -DER_EXIST);
	assert_int_equal(bio_dev_create_file(path, 2 * MiB), -DER_EXIST);
	assert_int_equal(tdir_count(dir), 1); /* no temporary file left */

	pjoin(path, sizeof(path), dir, "bdev1");
	assert_int_equal(bio_dev_create_file(path, 0), -DER_INVAL);
	assert_int_equal(bio_dev_create_file(path, 4095), -DER_INVAL);
	assert_int_equal(bio_dev_create_file(path, 4096 + 512), -DER_INVAL);
	assert_int_equal(bio_dev_create_file(path, BIO_DEV_SIZE_MAX + BIO_ALIGN), -DER_INVAL);
	assert_int_equal(bio_dev_create_file(NULL, 4096), -DER_INVAL);
	assert_int_equal(bio_dev_create_file("", 4096), -DER_INVAL);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0]                 = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(bio_dev_create_file(longp, 4096), -DER_INVAL);
	pjoin(path, sizeof(path), dir, "nodir/bdev");
	assert_int_equal(bio_dev_create_file(path, 4096), -DER_NONEXIST);
	assert_int_equal(bio_dev_create_file(dir, 4096), -DER_INVAL); /* a directory */
	assert_int_equal(tdir_count(dir), 1);
	tdir_rm(dir);
}

/* BIO02: open reports size and O_DIRECT; wrong kinds of file, sizes and double opens refused (D1, D2). */
static void
bio02_dev_open(void **state)
{
	char                dir[64], path[BIO_PATH_MAX];
	struct bio_dev     *dev, *dev2 = NULL, *dev3;
	struct bio_dev_info info;
	int                 fd;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 8 * MiB, 0);
	bio_dev_query(dev, &info);
	pjoin(path, sizeof(path), dir, "bdev0");
	assert_string_equal(info.bdi_path, path);
	assert_int_equal(info.bdi_class, BIO_DEV_FILE);
	assert_int_equal(info.bdi_size, 8 * MiB);
	assert_true(info.bdi_direct); /* ext4 supports O_DIRECT */
	assert_false(info.bdi_failed);
	assert_int_equal(info.bdi_failed_op, 0);
	assert_int_equal(info.bdi_failed_errno, 0);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev2), -DER_BUSY);
	assert_null(dev2);
	bio_dev_close(dev);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, BIO_OPEN_NO_DIRECT, &dev), 0);
	bio_dev_query(dev, &info);
	assert_false(info.bdi_direct); /* buffered + fdatasync on request */
	bio_dev_close(dev);

	assert_int_equal(bio_dev_open(path, BIO_DEV_KDEV, 0, &dev), -DER_INVAL);
	assert_int_equal(bio_dev_open("/dev/null", BIO_DEV_FILE, 0, &dev), -DER_INVAL);
	assert_int_equal(bio_dev_open("/dev/null", BIO_DEV_KDEV, 0, &dev), -DER_INVAL);
	assert_int_equal(bio_dev_open(dir, BIO_DEV_FILE, 0, &dev), -DER_INVAL);
	assert_int_equal(bio_dev_open(path, 0, 0, &dev), -DER_INVAL);
	assert_int_equal(bio_dev_open(path, 3, 0, &dev), -DER_INVAL);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0x10, &dev), -DER_INVAL);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, NULL), -DER_INVAL);
	assert_int_equal(bio_dev_open(NULL, BIO_DEV_FILE, 0, &dev), -DER_INVAL);
	pjoin(path, sizeof(path), dir, "missing");
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev), -DER_NONEXIST);

	/* A size that is not a multiple of 4 KiB, and an empty file. */
	pjoin(path, sizeof(path), dir, "odd");
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 5000), 0);
	close(fd);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev), -DER_INVAL);
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev), -DER_INVAL);

	/* tmpfs: opens; O_DIRECT is whatever the kernel offers, I/O works either way (BIO05). */
	dev3 = NULL;
	{
		char sdir[64];

		tdir_make("/dev/shm", sdir, sizeof(sdir));
		dev3 = dev_make(sdir, "bdev0", 4 * MiB, 0);
		bio_dev_query(dev3, &info);
		assert_int_equal(info.bdi_size, 4 * MiB);
		bio_dev_close(dev3);
		tdir_rm(sdir);
	}
	tdir_rm(dir);
}

/* BIO03: ring limits, eventfd, blob bounds at init. */
static void
bio03_ring_blob_args(void **state)
{
	char             dir[64];
	struct bio_ring *ring = NULL;
	struct bio_dev  *dev;
	struct bio_blob  bb;

	(void)state;
	assert_int_equal(bio_ring_create(0, 0, &ring), -DER_INVAL);
	assert_int_equal(bio_ring_create(0, BIO_RING_DEPTH_MAX + 1, &ring), -DER_INVAL);
	assert_int_equal(bio_ring_create(BIO_TGT_MAX, 8, &ring), -DER_INVAL);
	assert_int_equal(bio_ring_create(0, 8, NULL), -DER_INVAL);
	assert_null(ring);
	assert_int_equal(bio_ring_create(BIO_TGT_NONE, 8, &ring), 0);
	bio_ring_destroy(ring);
	assert_int_equal(bio_ring_create(BIO_TGT_MAX - 1, 8, &ring), 0);
	assert_true(bio_ring_fd(ring) >= 0);
	assert_int_equal(bio_ring_inflight(ring), 0);
	assert_int_equal(bio_ring_poll(ring, 1000000), 0); /* nothing in flight: no wait */

	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_blob_init(&bb, dev, 7, 0, 4 * MiB), 0);
	assert_int_equal(bb.bb_id, 7);
	assert_ptr_equal(bb.bb_dev, dev);
	assert_int_equal(bio_blob_init(&bb, dev, 7, 4 * MiB, 4096), -DER_INVAL);
	assert_int_equal(bio_blob_init(&bb, dev, 7, 4096, 4 * MiB), -DER_INVAL);
	assert_int_equal(bio_blob_init(&bb, dev, 7, 512, 4096), -DER_INVAL);
	assert_int_equal(bio_blob_init(&bb, dev, 7, 0, 1000), -DER_INVAL);
	assert_int_equal(bio_blob_init(&bb, dev, 7, 0, 0), -DER_INVAL);
	assert_int_equal(bio_blob_init(&bb, dev, 7, UINT64_MAX - 4095, 4096), -DER_INVAL);
	assert_int_equal(bio_blob_init(&bb, NULL, 7, 0, 4096), -DER_INVAL);
	assert_int_equal(bio_blob_init(NULL, dev, 7, 0, 4096), -DER_INVAL);
	bio_dev_close(dev);
	bio_ring_destroy(ring);
	tdir_rm(dir);
}

/*
 * Writes 48 extents of 4 KiB .. 1 MiB (plus one vectored write) with many in
 * flight through a shallow ring (so -DER_AGAIN is met and handled), flushes,
 * reads everything back asynchronously and checks content and counters.
 */
static void
roundtrip(const char *base)
{
	static const size_t sizes[] = {4 * KiB, 8 * KiB, 64 * KiB, 128 * KiB, 1 * MiB, 12 * KiB};
	enum { NR = 48 };
	char                 dir[64];
	struct bio_dev      *dev;
	struct bio_ring     *ring;
	struct bio_buf_pool *pool;
	struct bio_blob      bb;
	struct io_rec        rec[NR + 1], frec = {0};
	void                *buf[NR];
	uint64_t             off[NR], total = 0, vec_off;
	struct iovec         iov[3];
	struct pollfd        pfd;
	struct bio_counters  c, rc_;

	tdir_make(base, dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 64 * MiB, 0);
	assert_int_equal(bio_ring_create(1, 16, &ring), 0);
	assert_int_equal(bio_buf_pool_create(1 * MiB, NR, &pool), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 42, 4 * MiB, 48 * MiB), 0);

	memset(rec, 0, sizeof(rec));
	for (int i = 0; i < NR; i++) {
		struct iovec v;
		int          rc;

		buf[i] = bio_buf_get(pool);
		assert_non_null(buf[i]);
		off[i] = total;
		v.iov_base = buf[i];
		v.iov_len  = sizes[i % 6];
		fill(buf[i], v.iov_len, (uint64_t)i);
		total += v.iov_len;
		while ((rc = bio_submit_write(ring, &bb, off[i], &v, 1, rec_cb, &rec[i])) ==
		       -DER_AGAIN)
			assert_true(bio_ring_poll(ring, 100000) >= 0);
		assert_int_equal(rc, 0);
		if (i == 0) {
			/* R7: the eventfd becomes readable once a completion is posted. */
			pfd.fd     = bio_ring_fd(ring);
			pfd.events = POLLIN;
			assert_int_equal(poll(&pfd, 1, 10000), 1);
		}
	}
	/* A vectored write of three 4 KiB segments taken from three buffers' tails. */
	vec_off = total;
	for (int k = 0; k < 3; k++) {
		iov[k].iov_base = (char *)buf[k] + 512 * KiB;
		iov[k].iov_len  = 4 * KiB;
		fill(iov[k].iov_base, 4 * KiB, 1000 + (uint64_t)k);
	}
	drain(ring);
	assert_int_equal(bio_submit_write(ring, &bb, vec_off, iov, 3, rec_cb, &rec[NR]), 0);
	drain(ring);
	for (int i = 0; i <= NR; i++) {
		assert_true(rec[i].done);
		assert_int_equal(rec[i].rc, 0);
	}
	assert_int_equal(bio_submit_flush(ring, dev, rec_cb, &frec), 0);
	drain(ring);
	assert_int_equal(frec.rc, 0);

	/* Read back into cleared buffers, all in flight again. */
	memset(rec, 0, sizeof(rec));
	for (int i = 0; i < NR; i++) {
		struct iovec v = {buf[i], sizes[i % 6]};
		int          rc;

		memset(buf[i], 0, 1 * MiB);
		while ((rc = bio_submit_read(ring, &bb, off[i], &v, 1, rec_cb, &rec[i])) ==
		       -DER_AGAIN)
			assert_true(bio_ring_poll(ring, 100000) >= 0);
		assert_int_equal(rc, 0);
	}
	drain(ring);
	for (int i = 0; i < NR; i++) {
		assert_int_equal(rec[i].rc, 0);
		assert_true(check(buf[i], sizes[i % 6], (uint64_t)i));
	}
	assert_int_equal(bio_read(ring, &bb, vec_off, buf[0], 12 * KiB), 0);
	for (int k = 0; k < 3; k++)
		assert_true(check((char *)buf[0] + (size_t)k * 4 * KiB, 4 * KiB, 1000 + (uint64_t)k));

	c = dctr(dev);
	assert_int_equal(c.bc_write_ops, NR + 1);
	assert_int_equal(c.bc_bytes_written, total + 12 * KiB);
	assert_int_equal(c.bc_read_ops, NR + 1);
	assert_int_equal(c.bc_bytes_read, total + 12 * KiB);
	assert_int_equal(c.bc_flush_ops, 1);
	assert_int_equal(c.bc_read_errs + c.bc_write_errs + c.bc_flush_errs + c.bc_unmap_errs, 0);
	rc_ = rctr(ring);
	assert_memory_equal(&c, &rc_, sizeof(c)); /* one ring, one device: same numbers */

	for (int i = 0; i < NR; i++)
		bio_buf_put(pool, buf[i]);
	bio_buf_pool_destroy(pool);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO04: write/read round trip, 4 KiB .. 1 MiB, many in flight, on ext4 (alignment enforced). */
static void
bio04_roundtrip_ext4(void **state)
{
	(void)state;
	roundtrip("/var/tmp");
}

/* BIO05: the same round trip on tmpfs. */
static void
bio05_roundtrip_tmpfs(void **state)
{
	(void)state;
	roundtrip("/dev/shm");
}

/* BIO06: buffered mode (no O_DIRECT) round trip and flush. */
static void
bio06_roundtrip_buffered(void **state)
{
	char             dir[64];
	struct bio_dev  *dev;
	struct bio_ring *ring;
	struct bio_blob  bb;
	void            *b = abuf(64 * KiB);

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, BIO_OPEN_NO_DIRECT);
	assert_int_equal(bio_ring_create(0, 4, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 1 * MiB, 1 * MiB), 0);
	fill(b, 64 * KiB, 5);
	assert_int_equal(bio_write(ring, &bb, 128 * KiB, b, 64 * KiB), 0);
	assert_int_equal(bio_flush(ring, dev), 0);
	memset(b, 0, 64 * KiB);
	assert_int_equal(bio_read(ring, &bb, 128 * KiB, b, 64 * KiB), 0);
	assert_true(check(b, 64 * KiB, 5));
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO07: I/O outside the blob or misaligned is refused before submission; neighbours untouched (R4). */
static void
bio07_bounds(void **state)
{
	char             dir[64];
	struct bio_dev  *dev;
	struct bio_ring *ring;
	struct bio_blob  bb, left, right, bad;
	struct io_rec    r   = {0};
	char            *b   = abuf(2 * MiB);
	struct iovec     v17[BIO_IOV_MAX + 1];
	struct iovec     v;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&left, dev, 1, 0, 1 * MiB), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 2, 1 * MiB, 1 * MiB), 0);
	assert_int_equal(bio_blob_init(&right, dev, 3, 2 * MiB, 1 * MiB), 0);
	fill(b, 1 * MiB, 77);
	assert_int_equal(bio_write(ring, &left, 0, b, 1 * MiB), 0);
	assert_int_equal(bio_write(ring, &right, 0, b, 1 * MiB), 0);

	assert_int_equal(bio_write(ring, &bb, 1 * MiB, b, 4096), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, 1 * MiB - 4096, b, 8192), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, 0, b, 2 * MiB), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, UINT64_MAX - 4095, b, 4096), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, 512, b, 4096), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, 0, b, 1000), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, 0, b + 512, 4096), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, 0, NULL, 4096), -DER_INVAL);
	assert_int_equal(bio_write(ring, &bb, 0, b, 0), -DER_INVAL);
	assert_int_equal(bio_read(ring, &bb, 1 * MiB, b, 4096), -DER_INVAL);
	assert_int_equal(bio_read(ring, &bb, 0, b + 8, 4096), -DER_INVAL);
	assert_int_equal(bio_unmap(ring, &bb, 1 * MiB, 4096), -DER_INVAL);
	assert_int_equal(bio_unmap(ring, &bb, 0, 2 * MiB), -DER_INVAL);
	assert_int_equal(bio_unmap(ring, &bb, 0, 0), -DER_INVAL);
	assert_int_equal(bio_unmap(ring, &bb, 100, 4096), -DER_INVAL);
	assert_int_equal(bio_write(NULL, &bb, 0, b, 4096), -DER_INVAL);
	assert_int_equal(bio_flush(ring, NULL), -DER_INVAL);

	v.iov_base = b;
	v.iov_len  = 4096;
	assert_int_equal(bio_submit_write(ring, &bb, 0, &v, 1, NULL, NULL), -DER_INVAL);
	assert_int_equal(bio_submit_write(ring, &bb, 0, &v, 0, rec_cb, &r), -DER_INVAL);
	assert_int_equal(bio_submit_write(ring, &bb, 0, NULL, 1, rec_cb, &r), -DER_INVAL);
	for (unsigned i = 0; i <= BIO_IOV_MAX; i++)
		v17[i] = (struct iovec){b + (size_t)i * 4096, 4096};
	assert_int_equal(bio_submit_write(ring, &bb, 0, v17, BIO_IOV_MAX + 1, rec_cb, &r),
			 -DER_INVAL);
	v17[3].iov_len = 0;
	assert_int_equal(bio_submit_write(ring, &bb, 0, v17, 4, rec_cb, &r), -DER_INVAL);
	v17[3].iov_len = 4096;
	assert_int_equal(bio_submit_write(ring, &bb, 0, v17, BIO_IOV_MAX, rec_cb, &r), 0);
	drain(ring);
	assert_int_equal(r.rc, 0);
	/* Lengths are bounded per I/O. */
	v.iov_len = (size_t)BIO_IO_SIZE_MAX + 4096;
	assert_int_equal(bio_submit_read(ring, &bb, 0, &v, 1, rec_cb, &r), -DER_INVAL);
	assert_int_equal(bio_submit_flush(ring, dev, NULL, NULL), -DER_INVAL);

	/* A blob struct tampered to reach beyond the device is refused at every I/O. */
	bad         = bb;
	bad.bb_size = 4 * MiB;
	assert_int_equal(bio_write(ring, &bad, 2 * MiB, b, 4096), -DER_INVAL);
	bad.bb_off  = 1 * MiB + 512;
	bad.bb_size = 1 * MiB;
	assert_int_equal(bio_write(ring, &bad, 0, b, 4096), -DER_INVAL);
	bad.bb_dev = NULL;
	assert_int_equal(bio_write(ring, &bad, 0, b, 4096), -DER_INVAL);
	assert_int_equal(bio_write(ring, NULL, 0, b, 4096), -DER_INVAL);

	/* Refused I/O is not counted; the neighbours still hold their data. */
	assert_int_equal(dctr(dev).bc_write_ops, 3);
	memset(b, 0, 2 * MiB);
	assert_int_equal(bio_read(ring, &left, 0, b, 1 * MiB), 0);
	assert_int_equal(bio_read(ring, &right, 0, b + 1 * MiB, 1 * MiB), 0);
	assert_true(check(b, 1 * MiB, 77));
	assert_true(check(b + 1 * MiB, 1 * MiB, 77));
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO08: a full ring says -DER_AGAIN, and accepts again after a poll (R1). */
static void
bio08_ring_full(void **state)
{
	char             dir[64];
	struct bio_dev  *dev;
	struct bio_ring *ring;
	struct bio_blob  bb;
	struct io_rec    r[5];
	char            *b = abuf(5 * 4096);

	(void)state;
	memset(r, 0, sizeof(r));
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 4, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	for (int i = 0; i < 4; i++) {
		struct iovec v = {b + i * 4096, 4096};

		assert_int_equal(bio_submit_write(ring, &bb, (uint64_t)i * 4096, &v, 1, rec_cb,
						  &r[i]), 0);
	}
	assert_int_equal(bio_ring_inflight(ring), 4);
	{
		struct iovec v = {b + 4 * 4096, 4096};

		assert_int_equal(bio_submit_write(ring, &bb, 4 * 4096, &v, 1, rec_cb, &r[4]),
				 -DER_AGAIN);
		assert_int_equal(bio_submit_flush(ring, dev, rec_cb, &r[4]), -DER_AGAIN);
		drain(ring);
		assert_int_equal(bio_submit_write(ring, &bb, 4 * 4096, &v, 1, rec_cb, &r[4]), 0);
		drain(ring);
	}
	for (int i = 0; i < 5; i++)
		assert_int_equal(r[i].rc, 0);
	/* Destroy with I/O in flight waits for it and runs its callback. */
	memset(&r[0], 0, sizeof(r[0]));
	assert_int_equal(bio_submit_flush(ring, dev, rec_cb, &r[0]), 0);
	bio_ring_destroy(ring);
	assert_true(r[0].done);
	assert_int_equal(r[0].rc, 0);
	free(b);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO09: injected read faults: N reads fail with -DER_NVME_IO, counted; then reads work; device healthy. */
static void
bio09_fault_read(void **state)
{
	char                dir[64];
	struct bio_dev     *dev;
	struct bio_ring    *ring;
	struct bio_blob     bb;
	struct bio_dev_info info;
	struct bio_counters c;
	char               *b = abuf(8192);

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(2, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	fill(b, 4096, 9);
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), 0);

	assert_int_equal(bio_fault_inject(dev, BIO_OP_READ, 3), 0);
	assert_int_equal(bio_fault_pending(dev), 3);
	assert_int_equal(bio_write(ring, &bb, 4096, b, 4096), 0); /* writes are not armed */
	for (int i = 0; i < 3; i++)
		assert_int_equal(bio_read(ring, &bb, 0, b + 4096, 4096), -DER_NVME_IO);
	assert_int_equal(bio_fault_pending(dev), 0);
	assert_int_equal(bio_read(ring, &bb, 0, b + 4096, 4096), 0);
	assert_true(check(b + 4096, 4096, 9));

	c = dctr(dev);
	assert_int_equal(c.bc_read_ops, 4);
	assert_int_equal(c.bc_read_errs, 3);
	assert_int_equal(c.bc_bytes_read, 4096);
	assert_int_equal(c.bc_write_errs, 0);
	c = rctr(ring);
	assert_int_equal(c.bc_read_errs, 3);
	bio_dev_query(dev, &info);
	assert_false(info.bdi_failed); /* durability contract 4 */
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), 0);
	assert_int_equal(bio_flush(ring, dev), 0);
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/*
 * BIO10: an injected write fault fails the write and makes the device FAILED
 * (sticky): writes, flushes and unmaps refused, reads still served, counters
 * moved; reopening gives a fresh, working device (D3, R5).
 */
static void
bio10_fault_write_sticky(void **state)
{
	char                dir[64], path[BIO_PATH_MAX];
	struct bio_dev     *dev;
	struct bio_ring    *ring;
	struct bio_blob     bb;
	struct bio_dev_info info;
	struct bio_counters c;
	struct io_rec       r[3];
	char               *b = abuf(3 * 4096);

	(void)state;
	memset(r, 0, sizeof(r));
	tdir_make("/var/tmp", dir, sizeof(dir));
	pjoin(path, sizeof(path), dir, "bdev0");
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	fill(b, 4096, 1);
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), 0);
	assert_int_equal(bio_flush(ring, dev), 0); /* durable before the failure */

	/* Three writes in flight, one fault: exactly one fails, the others complete. */
	assert_int_equal(bio_fault_inject(dev, BIO_OP_WRITE, 1), 0);
	for (int i = 0; i < 3; i++) {
		struct iovec v = {b + i * 4096, 4096};

		assert_int_equal(bio_submit_write(ring, &bb, (uint64_t)(i + 1) * 4096, &v, 1,
						  rec_cb, &r[i]), 0);
	}
	drain(ring);
	assert_int_equal(r[0].rc, -DER_NVME_IO); /* the first submitted took the fault */
	assert_int_equal(r[1].rc, 0);
	assert_int_equal(r[2].rc, 0);

	bio_dev_query(dev, &info);
	assert_true(info.bdi_failed);
	assert_int_equal(info.bdi_failed_op, BIO_OP_WRITE);
	assert_int_equal(info.bdi_failed_errno, EIO);
	c = dctr(dev);
	assert_int_equal(c.bc_write_ops, 4);
	assert_int_equal(c.bc_write_errs, 1);

	/* Sticky: nothing that changes the device is accepted any more. */
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), -DER_NVME_IO);
	assert_int_equal(bio_flush(ring, dev), -DER_NVME_IO);
	assert_int_equal(bio_unmap(ring, &bb, 0, 4096), -DER_NVME_IO);
	assert_int_equal(dctr(dev).bc_write_ops, 4); /* refused, not counted */
	memset(b, 0, 4096);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), 0);
	assert_true(check(b, 4096, 1));

	bio_dev_close(dev);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev), 0);
	bio_dev_query(dev, &info);
	assert_false(info.bdi_failed);
	assert_int_equal(bio_fault_pending(dev), 0);
	bb.bb_dev = dev;
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), 0);
	assert_int_equal(bio_flush(ring, dev), 0);
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO27: a device failed on purpose behaves as after a failed write, counts no
 * error, refuses a second failure and is healthy again after a reopen. */
static void
bio27_set_failed(void **state)
{
	char                dir[64], path[BIO_PATH_MAX];
	struct bio_dev     *dev;
	struct bio_ring    *ring;
	struct bio_blob     bb;
	struct bio_dev_info info;
	char               *b = abuf(4096);

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	pjoin(path, sizeof(path), dir, "bdev0");
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	fill(b, 4096, 3);
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), 0);
	assert_int_equal(bio_flush(ring, dev), 0);

	assert_int_equal(bio_dev_set_failed(dev), 0);
	bio_dev_query(dev, &info);
	assert_true(info.bdi_failed);
	assert_int_equal(info.bdi_failed_op, BIO_OP_WRITE);
	assert_int_equal(info.bdi_failed_errno, ECANCELED);
	assert_int_equal(dctr(dev).bc_write_errs, 0);
	assert_int_equal(bio_dev_set_failed(dev), -DER_ALREADY);
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), -DER_NVME_IO);
	assert_int_equal(bio_flush(ring, dev), -DER_NVME_IO);
	memset(b, 0, 4096);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), 0);
	assert_true(check(b, 4096, 3));

	bio_dev_close(dev);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev), 0);
	bio_dev_query(dev, &info);
	assert_false(info.bdi_failed);
	bio_dev_close(dev);
	bio_ring_destroy(ring);
	free(b);
	tdir_rm(dir);
}

/* BIO11: a failed flush is reported and makes the device FAILED; later flushes refused (fsyncgate). */
static void
bio11_fault_flush_sticky(void **state)
{
	char                dir[64];
	struct bio_dev     *dev;
	struct bio_ring    *ring;
	struct bio_blob     bb;
	struct bio_dev_info info;
	struct bio_counters c;
	char               *b = abuf(4096);

	(void)state;
	tdir_make("/dev/shm", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), 0);
	assert_int_equal(bio_fault_inject(dev, BIO_OP_FLUSH, 1), 0);
	assert_int_equal(bio_flush(ring, dev), -DER_NVME_IO);
	bio_dev_query(dev, &info);
	assert_true(info.bdi_failed);
	assert_int_equal(info.bdi_failed_op, BIO_OP_FLUSH);
	/* The fault is used up, but a retried flush must not "succeed". */
	assert_int_equal(bio_fault_pending(dev), 0);
	assert_int_equal(bio_flush(ring, dev), -DER_NVME_IO);
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), -DER_NVME_IO);
	c = dctr(dev);
	assert_int_equal(c.bc_flush_ops, 1);
	assert_int_equal(c.bc_flush_errs, 1);
	assert_int_equal(c.bc_write_errs, 0);
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO12: a flush completing after the device failed reports -DER_NVME_IO (R5). */
static void
bio12_flush_after_failure(void **state)
{
	char             dir[64];
	struct bio_dev  *dev;
	struct bio_ring *ring;
	struct bio_blob  bb;
	struct io_rec    w = {0}, f = {0};
	char            *b = abuf(4096);
	struct iovec     v = {b, 4096};

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	assert_int_equal(bio_submit_flush(ring, dev, rec_cb, &f), 0);
	assert_int_equal(bio_fault_inject(dev, BIO_OP_WRITE, 1), 0);
	assert_int_equal(bio_submit_write(ring, &bb, 0, &v, 1, rec_cb, &w), 0);
	drain(ring);
	assert_int_equal(w.rc, -DER_NVME_IO);
	/* Either order is possible; a flush seen after the failure must not succeed. */
	if (w.order < f.order)
		assert_int_equal(f.rc, -DER_NVME_IO);
	else
		assert_int_equal(f.rc, 0);
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO13: fault switch arguments; "all" covers every op; count 0 disarms. */
static void
bio13_fault_args(void **state)
{
	char             dir[64];
	struct bio_dev  *dev;
	struct bio_ring *ring;
	struct bio_blob  bb;
	char            *b = abuf(4096);

	(void)state;
	tdir_make("/dev/shm", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	assert_int_equal(bio_fault_inject(dev, 0, 1), -DER_INVAL);
	assert_int_equal(bio_fault_inject(dev, 0x10, 1), -DER_INVAL);
	assert_int_equal(bio_fault_inject(dev, BIO_OP_READ, BIO_FAULT_COUNT_MAX + 1), -DER_INVAL);
	assert_int_equal(bio_fault_inject(NULL, BIO_OP_READ, 1), -DER_INVAL);
	assert_int_equal(bio_fault_inject(dev, BIO_OP_ALL, 5), 0);
	assert_int_equal(bio_fault_inject(dev, BIO_OP_ALL, 0), 0); /* disarm */
	assert_int_equal(bio_fault_pending(dev), 0);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), 0);
	assert_int_equal(bio_fault_inject(dev, BIO_OP_ALL, 2), 0);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), -DER_NVME_IO);
	assert_int_equal(bio_unmap(ring, &bb, 0, 4096), -DER_NVME_IO);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), 0);
	assert_int_equal(dctr(dev).bc_unmap_errs, 1);
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO14: unmap deallocates (reads return zeros); its failure is counted but does not fail the device. */
static void
bio14_unmap(void **state)
{
	char                dir[64];
	struct bio_dev     *dev;
	struct bio_ring    *ring;
	struct bio_blob     bb;
	struct bio_dev_info info;
	char               *b = abuf(1 * MiB);

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 1 * MiB, 1 * MiB), 0);
	fill(b, 1 * MiB, 3);
	assert_int_equal(bio_write(ring, &bb, 0, b, 1 * MiB), 0);
	assert_int_equal(bio_unmap(ring, &bb, 256 * KiB, 64 * KiB), 0);
	memset(b, 0xFF, 1 * MiB);
	assert_int_equal(bio_read(ring, &bb, 0, b, 1 * MiB), 0);
	assert_true(check(b, 256 * KiB, 3));
	assert_true(all_zero(b + 256 * KiB, 64 * KiB));
	assert_true(check(b + 320 * KiB, 704 * KiB, 3 + 320 * KiB / 8));
	assert_int_equal(dctr(dev).bc_unmap_ops, 1);

	assert_int_equal(bio_fault_inject(dev, BIO_OP_UNMAP, 1), 0);
	assert_int_equal(bio_unmap(ring, &bb, 0, 4096), -DER_NVME_IO);
	assert_int_equal(dctr(dev).bc_unmap_errs, 1);
	bio_dev_query(dev, &info);
	assert_false(info.bdi_failed);
	assert_int_equal(bio_write(ring, &bb, 0, b, 4096), 0);
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

/* BIO15: the buffer pool is bounded and allocation-free: get gives NULL when empty (P1..P3). */
static void
bio15_buf_pool(void **state)
{
	struct bio_buf_pool *pool = NULL;
	char                *b[8], *lo = NULL;

	(void)state;
	assert_int_equal(bio_buf_pool_create(0, 8, &pool), -DER_INVAL);
	assert_int_equal(bio_buf_pool_create(1000, 8, &pool), -DER_INVAL);
	assert_int_equal(bio_buf_pool_create(BIO_BUF_SIZE_MAX + 4096, 1, &pool), -DER_INVAL);
	assert_int_equal(bio_buf_pool_create(4096, 0, &pool), -DER_INVAL);
	assert_int_equal(bio_buf_pool_create(4096, BIO_BUF_NR_MAX + 1, &pool), -DER_INVAL);
	assert_int_equal(bio_buf_pool_create(BIO_BUF_SIZE_MAX, 17, &pool), -DER_INVAL);
	assert_int_equal(bio_buf_pool_create(4096, 8, NULL), -DER_INVAL);
	assert_null(pool);

	assert_int_equal(bio_buf_pool_create(8192, 8, &pool), 0);
	assert_int_equal(bio_buf_avail(pool), 8);
	for (int i = 0; i < 8; i++) {
		b[i] = bio_buf_get(pool);
		assert_non_null(b[i]);
		assert_int_equal((uintptr_t)b[i] % BIO_ALIGN, 0);
		memset(b[i], i, 8192); /* usable over its whole size (ASan checks) */
		if (lo == NULL || b[i] < lo)
			lo = b[i];
	}
	/* All eight come from one region made at create: distinct slots, no heap calls. */
	for (int i = 0; i < 8; i++) {
		assert_true(b[i] >= lo && b[i] < lo + 8 * 8192);
		assert_int_equal((size_t)(b[i] - lo) % 8192, 0);
		for (int k = 0; k < i; k++)
			assert_ptr_not_equal(b[i], b[k]);
	}
	assert_null(bio_buf_get(pool));
	assert_null(bio_buf_get(pool));
	assert_int_equal(bio_buf_avail(pool), 0);
	assert_int_equal(bio_buf_low_water(pool), 0);
	bio_buf_put(pool, b[5]);
	assert_ptr_equal(bio_buf_get(pool), b[5]);
	for (int i = 0; i < 8; i++)
		bio_buf_put(pool, b[i]);
	assert_int_equal(bio_buf_avail(pool), 8);
	assert_int_equal(bio_buf_low_water(pool), 0);
	bio_buf_pool_destroy(pool);
}

/* BIO16: checksum errors are counted per device and per ring. */
static void
bio16_csum_counter(void **state)
{
	char             dir[64];
	struct bio_dev  *dev;
	struct bio_ring *ring;

	(void)state;
	tdir_make("/dev/shm", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(3, 2, &ring), 0);
	bio_csum_error(ring, dev);
	bio_csum_error(ring, dev);
	bio_csum_error(NULL, dev);
	bio_csum_error(ring, NULL);
	bio_csum_error(NULL, NULL);
	assert_int_equal(dctr(dev).bc_csum_errs, 3);
	assert_int_equal(rctr(ring).bc_csum_errs, 3);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	tdir_rm(dir);
}

struct reent {
	struct bio_ring *re_ring;
	struct bio_dev  *re_dev;
	int              re_poll_rc;
	int              re_flush_rc;
	int              re_submit_rc;
	struct io_rec    re_inner;
	bool             re_done;
};

static void
reent_cb(void *arg, int rc)
{
	struct reent *re = arg;

	assert_int_equal(rc, 0);
	re->re_poll_rc   = bio_ring_poll(re->re_ring, 0);
	re->re_flush_rc  = bio_flush(re->re_ring, re->re_dev);
	re->re_submit_rc = bio_submit_flush(re->re_ring, re->re_dev, rec_cb, &re->re_inner);
	re->re_done      = true;
}

/* BIO17: from a callback, poll and sync helpers are refused (-DER_BUSY), submitting works (R6). */
static void
bio17_callback_reentry(void **state)
{
	char             dir[64];
	struct reent     re = {0};

	(void)state;
	tdir_make("/dev/shm", dir, sizeof(dir));
	re.re_dev = dev_make(dir, "bdev0", 4 * MiB, 0);
	assert_int_equal(bio_ring_create(0, 4, &re.re_ring), 0);
	assert_int_equal(bio_submit_flush(re.re_ring, re.re_dev, reent_cb, &re), 0);
	drain(re.re_ring);
	assert_true(re.re_done);
	assert_int_equal(re.re_poll_rc, -DER_BUSY);
	assert_int_equal(re.re_flush_rc, -DER_BUSY);
	assert_int_equal(re.re_submit_rc, 0);
	assert_true(re.re_inner.done);
	assert_int_equal(re.re_inner.rc, 0);
	bio_ring_destroy(re.re_ring);
	bio_dev_close(re.re_dev);
	tdir_rm(dir);
}

/* ---- D_BIO_FAULT ---- */

static void
parse_err(const char *spec, const char *msg)
{
	struct bio_fault_rule rules[BIO_FAULT_RULE_MAX];
	char                  err[BIO_ERRMSG_LEN] = "";
	unsigned              nr                  = 99;

	assert_int_equal(bio_fault_parse(spec, rules, BIO_FAULT_RULE_MAX, &nr, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, msg);
	assert_int_equal(nr, 99); /* untouched on error */
}

/* BIO18: D_BIO_FAULT syntax: valid forms, and every kind of mistake with its message. */
static void
bio18_fault_parse(void **state)
{
	struct bio_fault_rule rules[BIO_FAULT_RULE_MAX];
	char                  err[BIO_ERRMSG_LEN];
	char                 *big;
	unsigned              nr;

	(void)state;
	assert_int_equal(bio_fault_parse("dev=/var/tmp/b0,op=write,count=3;"
					 "op=read+flush,dev=/var/tmp/b1;dev=/x,op=all,count=1000000",
					 rules, BIO_FAULT_RULE_MAX, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 3);
	assert_string_equal(rules[0].bfr_dev, "/var/tmp/b0");
	assert_int_equal(rules[0].bfr_ops, BIO_OP_WRITE);
	assert_int_equal(rules[0].bfr_count, 3);
	assert_string_equal(rules[1].bfr_dev, "/var/tmp/b1");
	assert_int_equal(rules[1].bfr_ops, BIO_OP_READ | BIO_OP_FLUSH);
	assert_int_equal(rules[1].bfr_count, 1); /* default */
	assert_int_equal(rules[2].bfr_ops, BIO_OP_ALL);
	assert_int_equal(rules[2].bfr_count, BIO_FAULT_COUNT_MAX);
	assert_int_equal(bio_fault_parse("dev=/a,op=sync+unmap", rules, 1, &nr, err, sizeof(err)),
			 0);
	assert_int_equal(rules[0].bfr_ops, BIO_OP_FLUSH | BIO_OP_UNMAP);
	assert_int_equal(bio_fault_parse("", rules, 1, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 0);

	parse_err(";", "rule 1: empty rule");
	parse_err("dev=/a,op=read;", "rule 2: empty rule");
	parse_err("dev=/a,,op=read", "rule 1: empty item");
	parse_err("dev=/a,op=read,", "rule 1: empty item");
	parse_err("dev=/a,read", "rule 1: 'read' is not key=value");
	parse_err("dev=/a,op=read,when=now", "rule 1: unknown key 'when' (expected dev, op or count)");
	parse_err("dev=/a,op=read,op=write", "rule 1: key 'op' given twice");
	parse_err("dev=,op=read", "rule 1: empty value for 'dev'");
	parse_err("dev=rel/path,op=read", "rule 1: dev 'rel/path' is not an absolute path");
	parse_err("dev=/a,op=wrte",
		  "rule 1: unknown op 'wrte' (expected read, write, flush, sync, unmap or all)");
	parse_err("dev=/a,op=read+", "rule 1: unknown op '' (expected read, write, flush, sync, "
				     "unmap or all)");
	parse_err("dev=/a,op=read,count=0", "rule 1: count '0' is not a number in [1, 1000000]");
	parse_err("dev=/a,op=read,count=-1", "rule 1: count '-1' is not a number in [1, 1000000]");
	parse_err("dev=/a,op=read,count=3x", "rule 1: count '3x' is not a number in [1, 1000000]");
	parse_err("dev=/a,op=read,count=1000001",
		  "rule 1: count '1000001' is not a number in [1, 1000000]");
	parse_err("dev=/a,op=read,count= 1", "rule 1: count ' 1' is not a number in [1, 1000000]");
	parse_err("op=read", "rule 1: missing 'dev'");
	parse_err("dev=/a,op=read;dev=/b", "rule 2: missing 'op'");
	parse_err("dev=/a,op=read;dev=/a,op=write", "rule 2: dev '/a' already named by rule 1");
	parse_err("dev=/1,op=read;dev=/2,op=read;dev=/3,op=read;dev=/4,op=read;dev=/5,op=read;"
		  "dev=/6,op=read;dev=/7,op=read;dev=/8,op=read;dev=/9,op=read",
		  "more than 8 rules");

	big = malloc(BIO_FAULT_SPEC_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', BIO_FAULT_SPEC_MAX);
	big[BIO_FAULT_SPEC_MAX] = '\0';
	parse_err(big, "specification longer than 8703 bytes");
	/* A dev path of BIO_PATH_MAX bytes. */
	memcpy(big, "dev=/", 5);
	memset(big + 5, 'p', BIO_PATH_MAX - 1);
	strcpy(big + 4 + BIO_PATH_MAX, ",op=read");
	parse_err(big, "rule 1: dev path longer than 1023 bytes");
	free(big);

	err[0] = '\0';
	assert_int_equal(bio_fault_parse(NULL, rules, 1, &nr, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "invalid arguments");
	/* No error buffer is fine. */
	assert_int_equal(bio_fault_parse("x", rules, 1, &nr, NULL, 0), -DER_INVAL);
}

/* BIO19: D_BIO_FAULT arms the device opened later (same inode), once; bad values are reported. */
static void
bio19_fault_env(void **state)
{
	char             dir[64], path[BIO_PATH_MAX], spec[BIO_PATH_MAX + 64];
	char             err[BIO_ERRMSG_LEN];
	struct bio_dev  *dev;
	struct bio_ring *ring;
	struct bio_blob  bb;
	char            *b = abuf(4096);

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	pjoin(path, sizeof(path), dir, "bdev0");
	assert_int_equal(bio_dev_create_file(path, 4 * MiB), 0);
	/* Through a "//" path: matched by inode, not by string. */
	snprintf(spec, sizeof(spec), "dev=%s//bdev0,op=read,count=2", dir);
	assert_int_equal(setenv("D_BIO_FAULT", spec, 1), 0);
	assert_int_equal(bio_fault_from_env(err, sizeof(err)), 0);
	assert_int_equal(bio_fault_rules_pending(), 1);
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev), 0);
	assert_int_equal(bio_fault_rules_pending(), 0);
	assert_int_equal(bio_fault_pending(dev), 2);
	assert_int_equal(bio_ring_create(0, 4, &ring), 0);
	assert_int_equal(bio_blob_init(&bb, dev, 1, 0, 4 * MiB), 0);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), -DER_NVME_IO);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), -DER_NVME_IO);
	assert_int_equal(bio_read(ring, &bb, 0, b, 4096), 0);
	bio_dev_close(dev);
	/* Consumed: a reopen is not armed again. */
	assert_int_equal(bio_dev_open(path, BIO_DEV_FILE, 0, &dev), 0);
	assert_int_equal(bio_fault_pending(dev), 0);
	bio_dev_close(dev);

	assert_int_equal(setenv("D_BIO_FAULT", "dev=/a,op=reed", 1), 0);
	assert_int_equal(bio_fault_from_env(err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "D_BIO_FAULT: rule 1: unknown op 'reed' (expected read, write, "
				 "flush, sync, unmap or all)");
	assert_int_equal(bio_fault_rules_pending(), 0);
	assert_int_equal(setenv("D_BIO_FAULT", "", 1), 0);
	assert_int_equal(bio_fault_from_env(err, sizeof(err)), 0);
	assert_int_equal(unsetenv("D_BIO_FAULT"), 0);
	assert_int_equal(bio_fault_from_env(err, sizeof(err)), 0);
	assert_int_equal(bio_fault_rules_pending(), 0);
	free(b);
	bio_ring_destroy(ring);
	tdir_rm(dir);
}

/* ---- SMD ---- */

static struct bio_smd *
smd_open_ok(const char *dir)
{
	struct bio_smd *smd = NULL;
	char            err[BIO_ERRMSG_LEN];

	assert_int_equal(bio_smd_open(dir, &smd, err, sizeof(err)), 0);
	return smd;
}

static void
smd_dev_fill(struct bio_smd_dev *d, const char *uuid, const char *addr, uint64_t size,
	     unsigned tgt0, unsigned tgt_nr)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(uuid_parse(uuid, d->sd_uuid), 0);
	snprintf(d->sd_tr_addr, sizeof(d->sd_tr_addr), "%s", addr);
	d->sd_class = BIO_DEV_FILE;
	d->sd_size  = size;
	for (unsigned i = 0; i < tgt_nr; i++)
		d->sd_tgts[i] = tgt0 + i;
	d->sd_tgt_nr = tgt_nr;
	d->sd_state  = BIO_STATE_NORMAL;
	d->sd_led    = BIO_LED_NA;
}

#define DEV_A  "11111111-1111-1111-1111-111111111111"
#define DEV_B  "22222222-2222-2222-2222-222222222222"
#define POOL_1 "aaaaaaaa-0000-0000-0000-000000000001"
#define POOL_2 "aaaaaaaa-0000-0000-0000-000000000002"
#define POOL_3 "aaaaaaaa-0000-0000-0000-000000000003"

static int
count_cb(const struct bio_smd_dev *dev, void *arg)
{
	(void)dev;
	(*(int *)arg)++;
	return 0;
}

static int
stop_cb(const struct bio_smd_dev *dev, void *arg)
{
	(void)dev;
	(void)arg;
	return 42;
}

/* BIO20: SMD device table: add, checks (T1), get, state, LED, target lookup, iteration. */
static void
bio20_smd_devices(void **state)
{
	char               dir[64];
	struct bio_smd    *smd;
	struct bio_smd_dev d, out;
	uuid_t             u;
	int                n = 0;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	smd = smd_open_ok(dir);
	smd_dev_fill(&d, DEV_A, "/var/tmp/a", 64 * MiB, 0, 2);
	d.sd_used = 12345; /* ignored on input */
	assert_int_equal(bio_smd_dev_add(smd, &d), 0);
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_EXIST);          /* same UUID */
	smd_dev_fill(&d, DEV_B, "/var/tmp/a", 64 * MiB, 2, 2);
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_EXIST);          /* same address */
	smd_dev_fill(&d, DEV_B, "/var/tmp/b", 64 * MiB, 1, 2);
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_EXIST);          /* target 1 taken */
	smd_dev_fill(&d, DEV_B, "/var/tmp/b", 64 * MiB, 2, 2);
	d.sd_tgts[1] = 2;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);          /* repeated target */
	d.sd_tgts[1] = BIO_TGT_MAX;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	d.sd_tgts[1] = 3;
	d.sd_tgt_nr  = BIO_TGT_MAX + 1;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	d.sd_tgt_nr = 2;
	d.sd_size   = 1000;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	d.sd_size = 0;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	d.sd_size  = 64 * MiB;
	d.sd_class = 9;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	d.sd_class = BIO_DEV_KDEV;
	d.sd_state = 5;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	d.sd_state = BIO_STATE_NORMAL;
	d.sd_led   = 5;
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	d.sd_led        = BIO_LED_OFF;
	d.sd_tr_addr[0] = '\0';
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	memset(d.sd_tr_addr, 'x', sizeof(d.sd_tr_addr)); /* not terminated */
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_INVAL);
	snprintf(d.sd_tr_addr, sizeof(d.sd_tr_addr), "/dev/sdz");
	assert_int_equal(bio_smd_dev_add(smd, &d), 0);
	assert_int_equal(bio_smd_dev_add(NULL, &d), -DER_INVAL);
	assert_int_equal(bio_smd_dev_add(smd, NULL), -DER_INVAL);

	uuid_parse(DEV_B, u);
	assert_int_equal(bio_smd_dev_get(smd, u, &out), 0);
	assert_string_equal(out.sd_tr_addr, "/dev/sdz");
	assert_int_equal(out.sd_class, BIO_DEV_KDEV);
	assert_int_equal(out.sd_tgt_nr, 2);
	assert_int_equal(out.sd_tgts[0], 2);
	assert_int_equal(out.sd_tgts[1], 3);
	assert_int_equal(out.sd_led, BIO_LED_OFF);
	assert_int_equal(out.sd_used, 0);
	assert_int_equal(bio_smd_dev_set_state(smd, u, BIO_STATE_FAULTY), 0);
	assert_int_equal(bio_smd_dev_set_led(smd, u, BIO_LED_QUICK_BLINK), 0);
	assert_int_equal(bio_smd_dev_set_state(smd, u, 7), -DER_INVAL);
	assert_int_equal(bio_smd_dev_set_led(smd, u, 5), -DER_INVAL);
	assert_int_equal(bio_smd_dev_get(smd, u, &out), 0);
	assert_int_equal(out.sd_state, BIO_STATE_FAULTY);
	assert_int_equal(out.sd_led, BIO_LED_QUICK_BLINK);
	assert_int_equal(bio_smd_tgt_dev(smd, 3, u), 0);
	{
		char us[37];

		uuid_unparse_lower(u, us);
		assert_string_equal(us, DEV_B);
	}
	assert_int_equal(bio_smd_tgt_dev(smd, 9, u), -DER_NONEXIST);
	uuid_parse(POOL_1, u); /* not a device */
	assert_int_equal(bio_smd_dev_get(smd, u, &out), -DER_NONEXIST);
	assert_int_equal(bio_smd_dev_set_state(smd, u, BIO_STATE_NORMAL), -DER_NONEXIST);
	assert_int_equal(bio_smd_dev_iter(smd, count_cb, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(bio_smd_dev_iter(smd, stop_cb, NULL), 42);
	assert_string_equal(bio_dev_state_str(BIO_STATE_UNPLUGGED), "UNPLUGGED");
	assert_string_equal(bio_led_state_str(BIO_LED_SLOW_BLINK), "SLOW_BLINK");
	assert_null(bio_dev_state_str(5));
	assert_null(bio_led_state_str(5));
	/* DAOS's LED enum values. */
	assert_int_equal(BIO_LED_NA, 0);
	assert_int_equal(BIO_LED_QUICK_BLINK, 1);
	assert_int_equal(BIO_LED_ON, 2);
	assert_int_equal(BIO_LED_SLOW_BLINK, 3);
	assert_int_equal(BIO_LED_OFF, 4);
	bio_smd_close(smd);

	/* Persisted (S2). */
	smd = smd_open_ok(dir);
	uuid_parse(DEV_B, u);
	assert_int_equal(bio_smd_dev_get(smd, u, &out), 0);
	assert_int_equal(out.sd_state, BIO_STATE_FAULTY);
	assert_int_equal(out.sd_led, BIO_LED_QUICK_BLINK);
	assert_string_equal(out.sd_tr_addr, "/dev/sdz");
	bio_smd_close(smd);
	tdir_rm(dir);
}

struct blob_list {
	struct bio_smd_blob bl_b[16];
	int                 bl_nr;
};

static int
blob_cb(const struct bio_smd_blob *b, void *arg)
{
	struct blob_list *l = arg;

	assert_true(l->bl_nr < 16);
	l->bl_b[l->bl_nr++] = *b;
	return 0;
}

/* Two devices: A holds targets 0,1 (16 MiB), B holds 2,3 (16 MiB). */
static struct bio_smd *
smd_two_devs(const char *dir)
{
	struct bio_smd    *smd = smd_open_ok(dir);
	struct bio_smd_dev d;

	smd_dev_fill(&d, DEV_A, "/var/tmp/a", 16 * MiB, 0, 2);
	assert_int_equal(bio_smd_dev_add(smd, &d), 0);
	smd_dev_fill(&d, DEV_B, "/var/tmp/b", 16 * MiB, 2, 2);
	assert_int_equal(bio_smd_dev_add(smd, &d), 0);
	return smd;
}

static void
alloc_pool(struct bio_smd *smd, const char *pool, uint64_t size, struct bio_smd_blob *out)
{
	uuid_t p, da, db;

	uuid_parse(pool, p);
	uuid_parse(DEV_A, da);
	uuid_parse(DEV_B, db);
	for (uint32_t t = 0; t < 4; t++)
		assert_int_equal(bio_smd_blob_alloc(smd, p, t, t < 2 ? da : db, size, &out[t]), 0);
}

/*
 * BIO21: blobs for two pools x four targets: disjoint, aligned, unique ids;
 * free one pool and its space is reused first-fit; -DER_NOSPACE; argument
 * checks (T2..T5).
 */
static void
bio21_smd_blobs(void **state)
{
	char                dir[64];
	struct bio_smd     *smd;
	struct bio_smd_blob b1[4], b2[4], b3[4], x;
	struct bio_smd_dev  out;
	struct blob_list    l = {0};
	uuid_t              p1, p2, p4, da, db, unknown;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	smd = smd_two_devs(dir);
	uuid_parse(POOL_1, p1);
	uuid_parse(POOL_2, p2);
	uuid_parse("aaaaaaaa-0000-0000-0000-000000000004", p4);
	uuid_parse(DEV_A, da);
	uuid_parse(DEV_B, db);
	uuid_parse("33333333-3333-3333-3333-333333333333", unknown);

	alloc_pool(smd, POOL_1, 3 * MiB, b1);
	alloc_pool(smd, POOL_2, 2 * MiB + 1, b2); /* rounded up to 3 MiB */
	for (int t = 0; t < 4; t++) {
		assert_int_equal(b1[t].sb_tgt, t);
		assert_int_equal(b1[t].sb_size, 3 * MiB);
		assert_int_equal(b2[t].sb_size, 3 * MiB);
		assert_int_equal(b1[t].sb_off % BIO_BLOB_ALIGN, 0);
		assert_int_equal(uuid_compare(b1[t].sb_pool, p1), 0);
		assert_int_equal(uuid_compare(b1[t].sb_dev, t < 2 ? da : db), 0);
	}
	/* First fit on each device: A gets 0, 3, 6, 9 MiB for tgt0/p1, tgt1/p1, tgt0/p2, tgt1/p2. */
	assert_int_equal(b1[0].sb_off, 0);
	assert_int_equal(b1[1].sb_off, 3 * MiB);
	assert_int_equal(b2[0].sb_off, 6 * MiB);
	assert_int_equal(b2[1].sb_off, 9 * MiB);
	assert_int_equal(b1[2].sb_off, 0);
	assert_int_equal(b2[3].sb_off, 9 * MiB);
	/* Ids are distinct, from BIO_BLOB_ID_BASE upwards in allocation order. */
	for (int t = 0; t < 4; t++) {
		assert_int_equal(b1[t].sb_id, BIO_BLOB_ID_BASE + (uint64_t)t);
		assert_int_equal(b2[t].sb_id, BIO_BLOB_ID_BASE + 4 + (uint64_t)t);
	}
	assert_int_equal(bio_smd_blob_lookup(smd, p2, 3, &x), 0);
	assert_memory_equal(&x, &b2[3], sizeof(x));
	assert_int_equal(bio_smd_dev_get(smd, da, &out), 0);
	assert_int_equal(out.sd_used, 12 * MiB);

	/* Refusals. */
	assert_int_equal(bio_smd_blob_alloc(smd, p1, 0, da, 1 * MiB, &x), -DER_EXIST);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 2, da, 1 * MiB, &x), -DER_INVAL); /* tgt on B */
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 0, unknown, 1 * MiB, &x), -DER_NONEXIST);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 0, da, 0, &x), -DER_INVAL);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 0, da, 17 * MiB, &x), -DER_INVAL);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, BIO_TGT_MAX, da, 1 * MiB, &x), -DER_INVAL);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 0, da, 5 * MiB, &x), -DER_NOSPACE);
	assert_int_equal(bio_smd_blob_alloc(NULL, p4, 0, da, 1 * MiB, &x), -DER_INVAL);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 0, da, 1 * MiB, NULL), -DER_INVAL);
	assert_int_equal(bio_smd_dev_set_state(smd, db, BIO_STATE_EVICTED), 0);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 2, db, 1 * MiB, &x), -DER_NOTAPPLICABLE);
	assert_int_equal(bio_smd_dev_set_state(smd, db, BIO_STATE_NORMAL), 0);
	assert_int_equal(bio_smd_blob_lookup(smd, p4, 0, &x), -DER_NONEXIST);
	assert_int_equal(bio_smd_blob_lookup(smd, p1, 7, &x), -DER_NONEXIST);

	/* Free pool 1: its regions come back and are reused first (first fit). */
	assert_int_equal(bio_smd_blob_free(smd, p1), 0);
	assert_int_equal(bio_smd_blob_free(smd, p1), -DER_NONEXIST);
	assert_int_equal(bio_smd_blob_lookup(smd, p1, 0, &x), -DER_NONEXIST);
	assert_int_equal(bio_smd_dev_get(smd, da, &out), 0);
	assert_int_equal(out.sd_used, 6 * MiB);
	alloc_pool(smd, POOL_3, 3 * MiB, b3);
	for (int t = 0; t < 4; t++) {
		assert_int_equal(b3[t].sb_off, b1[t].sb_off);
		assert_int_equal(b3[t].sb_id, BIO_BLOB_ID_BASE + 8 + (uint64_t)t); /* never reused */
	}
	/* Fill device A to the last byte, then one more MiB does not fit. */
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 0, da, 4 * MiB, &x), 0);
	assert_int_equal(x.sb_off, 12 * MiB);
	assert_int_equal(bio_smd_blob_alloc(smd, p4, 1, da, 1 * MiB, &x), -DER_NOSPACE);
	assert_int_equal(bio_smd_dev_get(smd, da, &out), 0);
	assert_int_equal(out.sd_used, 16 * MiB);

	assert_int_equal(bio_smd_blob_iter(smd, blob_cb, &l), 0);
	assert_int_equal(l.bl_nr, 9); /* pool 2 (4), pool 3 (4), pool 4 (1) */
	assert_int_equal(uuid_compare(l.bl_b[0].sb_pool, p2), 0);
	assert_int_equal(uuid_compare(l.bl_b[8].sb_pool, p4), 0);
	bio_smd_close(smd);
	tdir_rm(dir);
}

/* BIO22: SMD survives close/reopen exactly; ids keep growing; one handle per directory (S1, S2). */
static void
bio22_smd_persist(void **state)
{
	char                dir[64], err[BIO_ERRMSG_LEN];
	struct bio_smd     *smd, *smd2 = NULL;
	struct bio_smd_blob b1[4], b2[4], x;
	struct blob_list    before = {0}, after = {0};
	uuid_t              p1, da;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	smd = smd_two_devs(dir);
	assert_int_equal(bio_smd_open(dir, &smd2, err, sizeof(err)), -DER_BUSY);
	assert_null(smd2);
	assert_string_equal(strstr(err, ": in use"), ": in use by another SMD handle");
	alloc_pool(smd, POOL_1, 1 * MiB, b1);
	alloc_pool(smd, POOL_2, 2 * MiB, b2);
	uuid_parse(POOL_1, p1);
	uuid_parse(DEV_A, da);
	assert_int_equal(bio_smd_blob_free(smd, p1), 0);
	assert_int_equal(bio_smd_blob_iter(smd, blob_cb, &before), 0);
	bio_smd_close(smd);
	assert_int_equal(tdir_count(dir), 1); /* the file only, no temporary left */

	smd = smd_open_ok(dir);
	assert_int_equal(bio_smd_blob_iter(smd, blob_cb, &after), 0);
	assert_int_equal(after.bl_nr, before.bl_nr);
	assert_memory_equal(after.bl_b, before.bl_b, sizeof(after.bl_b[0]) * (size_t)after.bl_nr);
	/* Pool 1's freed region is reused, with a fresh id. */
	assert_int_equal(bio_smd_blob_alloc(smd, p1, 0, da, 1 * MiB, &x), 0);
	assert_int_equal(x.sb_off, b1[0].sb_off);
	assert_int_equal(x.sb_id, BIO_BLOB_ID_BASE + 8);
	bio_smd_close(smd);
	tdir_rm(dir);
}

/* BIO23: a failed SMD write is undone; a failed directory fsync makes the handle FAILED. */
static void
bio23_smd_write_failure(void **state)
{
	char                dir[64];
	struct bio_smd     *smd;
	struct bio_smd_blob x;
	struct bio_smd_dev  d, out;
	uuid_t              p1, p2, da;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	smd = smd_two_devs(dir);
	uuid_parse(POOL_1, p1);
	uuid_parse(POOL_2, p2);
	uuid_parse(DEV_A, da);

	bio_smd_fault_inject(smd, BIO_SMD_FAULT_WRITE);
	assert_int_equal(bio_smd_blob_alloc(smd, p1, 0, da, 1 * MiB, &x), -DER_IO);
	assert_int_equal(bio_smd_blob_lookup(smd, p1, 0, &x), -DER_NONEXIST);
	assert_int_equal(bio_smd_dev_get(smd, da, &out), 0);
	assert_int_equal(out.sd_used, 0);
	assert_int_equal(tdir_count(dir), 1);
	assert_int_equal(bio_smd_blob_alloc(smd, p1, 0, da, 1 * MiB, &x), 0);
	assert_int_equal(x.sb_id, BIO_BLOB_ID_BASE); /* the failed id was never persisted */

	bio_smd_fault_inject(smd, BIO_SMD_FAULT_WRITE);
	assert_int_equal(bio_smd_blob_free(smd, p1), -DER_IO);
	assert_int_equal(bio_smd_blob_lookup(smd, p1, 0, &x), 0); /* undone */
	bio_smd_fault_inject(smd, BIO_SMD_FAULT_WRITE);
	assert_int_equal(bio_smd_dev_set_state(smd, da, BIO_STATE_FAULTY), -DER_IO);
	bio_smd_fault_inject(smd, BIO_SMD_FAULT_WRITE);
	assert_int_equal(bio_smd_dev_set_led(smd, da, BIO_LED_ON), -DER_IO);
	assert_int_equal(bio_smd_dev_get(smd, da, &out), 0);
	assert_int_equal(out.sd_state, BIO_STATE_NORMAL);
	assert_int_equal(out.sd_led, BIO_LED_NA);
	smd_dev_fill(&d, "44444444-4444-4444-4444-444444444444", "/c", 16 * MiB, 8, 1);
	bio_smd_fault_inject(smd, BIO_SMD_FAULT_WRITE);
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_IO);
	assert_int_equal(bio_smd_dev_get(smd, d.sd_uuid, &out), -DER_NONEXIST);

	/* Renamed but the directory fsync failed: kept, and the handle refuses further changes. */
	bio_smd_fault_inject(smd, BIO_SMD_FAULT_DIRSYNC);
	assert_int_equal(bio_smd_blob_alloc(smd, p2, 0, da, 1 * MiB, &x), -DER_IO);
	assert_int_equal(bio_smd_blob_lookup(smd, p2, 0, &x), 0);
	assert_int_equal(bio_smd_blob_alloc(smd, p2, 1, da, 1 * MiB, &x), -DER_IO);
	assert_int_equal(bio_smd_blob_free(smd, p1), -DER_IO);
	assert_int_equal(bio_smd_dev_set_state(smd, da, BIO_STATE_FAULTY), -DER_IO);
	assert_int_equal(bio_smd_dev_add(smd, &d), -DER_IO);
	bio_smd_close(smd);
	smd = smd_open_ok(dir);
	assert_int_equal(bio_smd_blob_lookup(smd, p2, 0, &x), 0);
	assert_int_equal(bio_smd_blob_lookup(smd, p1, 0, &x), 0);
	bio_smd_close(smd);
	tdir_rm(dir);
}

/* A valid version-1 file, the base of the corruption cases. */
#define U_DEV  "11111111-2222-3333-4444-555555555555"
#define U_POOL "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
static const char smd_good[] =
    "{\"version\": 1, \"next_blob_id\": \"4294967298\",\n"
    " \"devices\": [{\"uuid\": \"" U_DEV "\", \"tr_addr\": \"/var/tmp/a\", "
    "\"class\": \"file\", \"size\": \"16777216\", \"targets\": [0, 1], "
    "\"state\": \"NORMAL\", \"led\": \"NA\",\n"
    "   \"allocated\": [{\"off\": \"0\", \"size\": \"1048576\", \"id\": \"4294967296\"}, "
    "{\"off\": \"1048576\", \"size\": \"2097152\", \"id\": \"4294967297\"}]}],\n"
    " \"pools\": [{\"uuid\": \"" U_POOL "\", \"blobs\": ["
    "{\"tgt\": 0, \"dev\": \"" U_DEV "\", \"id\": \"4294967296\", \"off\": \"0\", "
    "\"size\": \"1048576\"}, "
    "{\"tgt\": 1, \"dev\": \"" U_DEV "\", \"id\": \"4294967297\", \"off\": \"1048576\", "
    "\"size\": \"2097152\"}]}]}\n";

static void
file_write(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* smd_good with the first occurrence of `from` replaced by `to`, written as the SMD file. */
static void
smd_write_variant(const char *dir, const char *from, const char *to)
{
	char        path[BIO_PATH_MAX], buf[4096];
	const char *at = from == NULL ? NULL : strstr(smd_good, from);
	int         n;

	if (from == NULL) {
		n = snprintf(buf, sizeof(buf), "%s", smd_good);
	} else {
		assert_non_null(at);
		n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - smd_good), smd_good, to,
			     at + strlen(from));
	}
	assert_true(n > 0 && n < (int)sizeof(buf));
	pjoin(path, sizeof(path), dir, BIO_SMD_FILE);
	file_write(path, buf, (size_t)n);
}

/* Opens and expects rc with the message "SMD file <dir>/daos_smd.json: <msg>". */
static void
smd_expect(const char *dir, int rc, const char *msg)
{
	struct bio_smd *smd = NULL;
	char            err[BIO_ERRMSG_LEN], want[BIO_ERRMSG_LEN];

	snprintf(want, sizeof(want), "SMD file %s/%s: %s", dir, BIO_SMD_FILE, msg);
	assert_int_equal(bio_smd_open(dir, &smd, err, sizeof(err)), rc);
	assert_null(smd);
	assert_string_equal(err, want);
}

static void
smd_case(const char *dir, const char *from, const char *to, int rc, const char *msg)
{
	smd_write_variant(dir, from, to);
	smd_expect(dir, rc, msg);
}

/*
 * BIO24: corrupted SMD files are refused with the exact code and message,
 * never a crash: empty, truncated, bad JSON, wrong or missing version,
 * missing/unknown/mistyped fields, bad values, and tables that disagree (T1..T6).
 */
static void
bio24_smd_corrupt(void **state)
{
	char            dir[64], path[BIO_PATH_MAX];
	struct bio_smd *smd;
	int             fd;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	pjoin(path, sizeof(path), dir, BIO_SMD_FILE);

	/* The base file is valid. */
	smd_write_variant(dir, NULL, NULL);
	smd = smd_open_ok(dir);
	bio_smd_close(smd);

	/* Empty and truncated. */
	file_write(path, "", 0);
	smd_expect(dir, -DER_DF_INVAL, "the file is empty");
	file_write(path, smd_good, 200);
	smd_expect(dir, -DER_DF_INVAL,
		   "invalid JSON at line 2, column 155: premature end of input near '\"NO'");
	file_write(path, "{\"version\": 1,", 14);
	smd_expect(dir, -DER_DF_INVAL,
		   "invalid JSON at line 1, column 14: string or '}' expected near end of file");
	file_write(path, "not json", 8);
	smd_expect(dir, -DER_DF_INVAL, "invalid JSON at line 1, column 3: '[' or '{' expected "
				       "near 'not'");
	file_write(path, "[1, 2]", 6);
	smd_expect(dir, -DER_DF_INVAL, "the top level must be an object");
	file_write(path, "{} trailing", 11);
	smd_expect(dir, -DER_DF_INVAL, "invalid JSON at line 1, column 11: end of file expected "
				       "near 'trailing'");
	file_write(path, "{\"version\": 1, \"version\": 1}", 28);
	smd_expect(dir, -DER_DF_INVAL, "invalid JSON at line 1, column 24: duplicate object key "
				       "near '\"version\"'");

	/* Version. */
	smd_case(dir, "\"version\": 1", "\"version\": 2", -DER_DF_INCOMPT,
		 "layout version 2 is not supported (this build reads version 1)");
	smd_case(dir, "\"version\": 1", "\"version\": 0", -DER_DF_INCOMPT,
		 "layout version 0 is not supported (this build reads version 1)");
	smd_case(dir, "\"version\": 1", "\"version\": \"1\"", -DER_DF_INVAL,
		 "field 'version' must be an integer");
	smd_case(dir, "\"version\": 1,", "", -DER_DF_INVAL, "missing field 'version'");
	/* A newer version is refused before anything else is looked at. */
	smd_case(dir, "\"version\": 1, \"next_blob_id\": \"4294967298\"", "\"version\": 9, \"x\": 0",
		 -DER_DF_INCOMPT, "layout version 9 is not supported (this build reads version 1)");

	/* Top level fields. */
	smd_case(dir, "\"next_blob_id\": \"4294967298\",", "", -DER_DF_INVAL,
		 "missing field 'next_blob_id'");
	smd_case(dir, "\"next_blob_id\"", "\"next_blob\"", -DER_DF_INVAL,
		 "unknown field 'next_blob'");
	smd_case(dir, "\"4294967298\"", "\"7\"", -DER_DF_INVAL,
		 "field 'next_blob_id' is below 4294967296");
	smd_case(dir, "\"4294967298\"", "\"4294967297\"", -DER_DF_INVAL,
		 "devices[0]: allocated[1]: blob id 4294967297 is outside [4294967296, "
		 "next_blob_id 4294967297)");
	smd_case(dir, "\"4294967298\"", "4294967298", -DER_DF_INVAL,
		 "field 'next_blob_id' must be a string");
	smd_case(dir, "\"4294967298\"", "\"18446744073709551616\"", -DER_DF_INVAL,
		 "field 'next_blob_id' is not a decimal 64-bit unsigned integer: "
		 "'18446744073709551616'");
	smd_case(dir, "\"4294967298\"", "\"04294967298\"", -DER_DF_INVAL,
		 "field 'next_blob_id' is not a decimal 64-bit unsigned integer: '04294967298'");
	smd_case(dir, "\"4294967298\"", "\"-1\"", -DER_DF_INVAL,
		 "field 'next_blob_id' is not a decimal 64-bit unsigned integer: '-1'");
	smd_case(dir, "\"devices\": [", "\"devices\": {\"a\": 1}, \"x\": [", -DER_DF_INVAL,
		 "unknown field 'x'");
	smd_case(dir, "\"pools\": [", "\"pools\": 3, \"y\": [", -DER_DF_INVAL,
		 "unknown field 'y'");

	/* Devices. */
	smd_case(dir, "\"devices\": [{", "\"devices\": [7, {", -DER_DF_INVAL,
		 "devices[0]: must be an object");
	smd_case(dir, "\"uuid\": \"" U_DEV "\", \"tr_addr\"", "\"tr_addr\"", -DER_DF_INVAL,
		 "devices[0]: missing field 'uuid'");
	smd_case(dir, "\"uuid\": \"" U_DEV "\", \"tr", "\"uuid\": \"11111111-2222\", \"tr",
		 -DER_DF_INVAL, "devices[0]: field 'uuid' is not a UUID: '11111111-2222'");
	smd_case(dir, "\"/var/tmp/a\"", "\"\"", -DER_DF_INVAL,
		 "devices[0]: field 'tr_addr' must have 1 to 1023 bytes");
	smd_case(dir, "\"/var/tmp/a\"", "\"/var/tmp\\u0000a\"", -DER_DF_INVAL,
		 "invalid JSON at line 2, column 90: \\u0000 is not allowed without JSON_ALLOW_NUL "
		 "near '\"/var/tmp\\u0000a\"'");
	smd_case(dir, "\"file\"", "\"nvme\"", -DER_DF_INVAL, "devices[0]: unknown class 'nvme'");
	smd_case(dir, "\"16777216\"", "\"16777217\"", -DER_DF_INVAL,
		 "devices[0]: size must be a positive multiple of 4096 up to 1 PiB");
	smd_case(dir, "\"16777216\"", "\"2097152\"", -DER_DF_INVAL,
		 "devices[0]: allocated[1]: region 1048576+2097152 ends beyond the device size "
		 "2097152");
	smd_case(dir, "\"NORMAL\"", "\"BROKEN\"", -DER_DF_INVAL,
		 "devices[0]: unknown state 'BROKEN'");
	smd_case(dir, "\"NA\"", "\"BLUE\"", -DER_DF_INVAL, "devices[0]: unknown LED state 'BLUE'");
	smd_case(dir, "\"led\": \"NA\"", "\"led\": 0", -DER_DF_INVAL,
		 "devices[0]: field 'led' must be a string");
	smd_case(dir, "[0, 1]", "[0, 64]", -DER_DF_INVAL,
		 "devices[0]: each target must be an integer in [0, 63]");
	smd_case(dir, "[0, 1]", "[0, -1]", -DER_DF_INVAL,
		 "devices[0]: each target must be an integer in [0, 63]");
	smd_case(dir, "[0, 1]", "[0, 0]", -DER_DF_INVAL, "devices[0]: target listed twice");
	smd_case(dir, "[0, 1]", "\"0,1\"", -DER_DF_INVAL,
		 "devices[0]: field 'targets' must be an array");
	smd_case(dir, "\"led\": \"NA\",", "\"led\": \"NA\", \"color\": 1,", -DER_DF_INVAL,
		 "devices[0]: unknown field 'color'");

	/* Free-space map. */
	smd_case(dir, "{\"off\": \"1048576\", \"size\": \"2097152\"",
		 "{\"off\": \"524288\", \"size\": \"2097152\"", -DER_DF_INVAL,
		 "devices[0]: allocated[1]: region 524288+2097152 is not a non-empty multiple of "
		 "1048576 bytes");
	smd_case(dir, "\"size\": \"1048576\", \"id\": \"4294967296\"",
		 "\"size\": \"2097152\", \"id\": \"4294967296\"", -DER_DF_INVAL,
		 "devices[0]: allocated[1]: region at 1048576 overlaps or precedes the previous "
		 "one (regions must be sorted and disjoint)");
	smd_case(dir, "\"size\": \"1048576\", \"id\": \"4294967296\"",
		 "\"size\": \"0\", \"id\": \"4294967296\"", -DER_DF_INVAL,
		 "devices[0]: allocated[0]: region 0+0 is not a non-empty multiple of 1048576 "
		 "bytes");
	smd_case(dir, "{\"off\": \"0\", \"size\": \"1048576\", \"id\": \"4294967296\"}, ",
		 "{\"off\": \"0\", \"size\": \"1048576\", \"id\": \"4294967296\"}, "
		 "{\"off\": \"8388608\", \"size\": \"1048576\", \"id\": \"4294967296\"}, ",
		 -DER_DF_INVAL, "devices[0]: allocated[2]: region at 1048576 overlaps or precedes "
				"the previous one (regions must be sorted and disjoint)");
	smd_case(dir, "\"id\": \"4294967297\"}]}]", "\"id\": \"4294967297\"}, "
		 "{\"off\": \"8388608\", \"size\": \"1048576\", \"id\": \"4294967297\"}]}]",
		 -DER_DF_INVAL, "devices[0]: allocated region at 8388608 belongs to no pool");
	smd_case(dir, "\"allocated\": [", "\"allocated\": [{\"off\": \"0\"}, ", -DER_DF_INVAL,
		 "devices[0]: allocated[0]: missing field 'size'");

	/* Pools and blobs. */
	smd_case(dir, "\"pools\": [{\"uuid\": \"" U_POOL "\"",
		 "\"pools\": [{\"uuid\": \"" U_POOL "\", \"blobs\": []}, {\"uuid\": \"" U_POOL "\"",
		 -DER_DF_INVAL, "pools[0]: field 'blobs' is empty");
	smd_case(dir, "\"pools\": [{\"uuid\": \"" U_POOL "\", \"blobs\": [",
		 "\"pools\": [{\"uuid\": \"" U_POOL "\", \"blobs\": [{\"tgt\": 0, \"dev\": \"" U_DEV
		 "\", \"id\": \"4294967296\", \"off\": \"0\", \"size\": \"1048576\"}]}, "
		 "{\"uuid\": \"" U_POOL "\", \"blobs\": [",
		 -DER_DF_INVAL, "pools[1]: duplicate pool UUID");
	smd_case(dir, "{\"tgt\": 1,", "{\"tgt\": 0,", -DER_DF_INVAL,
		 "pools[0]: blobs[1]: target 0 has two blobs in this pool");
	smd_case(dir, "{\"tgt\": 1,", "{\"tgt\": 5,", -DER_DF_INVAL,
		 "pools[0]: blobs[1]: target 5 is not one of its device's targets");
	smd_case(dir, "{\"tgt\": 1,", "{\"tgt\": \"1\",", -DER_DF_INVAL,
		 "pools[0]: blobs[1]: field 'tgt' must be an integer in [0, 63]");
	smd_case(dir, "\"dev\": \"" U_DEV "\", \"id\": \"4294967297\"",
		 "\"dev\": \"99999999-2222-3333-4444-555555555555\", \"id\": \"4294967297\"",
		 -DER_DF_INVAL, "pools[0]: blobs[1]: unknown device");
	smd_case(dir, "\"off\": \"1048576\", \"size\": \"2097152\"}]}]",
		 "\"off\": \"1048576\", \"size\": \"1048576\"}]}]", -DER_DF_INVAL,
		 "pools[0]: blobs[1]: blob 4294967297 at 1048576+1048576 does not match a region "
		 "of its device's allocation map");
	smd_case(dir, "\"id\": \"4294967297\", \"off\"", "\"id\": \"4294967296\", \"off\"",
		 -DER_DF_INVAL, "pools[0]: blobs[1]: blob 4294967296 at 1048576+2097152 does not "
				"match a region of its device's allocation map");
	smd_case(dir, "\"size\": \"1048576\"}, {\"tgt\"", "\"size\": \"1048576\", \"z\": 1}, "
		 "{\"tgt\"", -DER_DF_INVAL, "pools[0]: blobs[0]: unknown field 'z'");
	smd_case(dir, "\"pools\": [{\"uuid\": \"" U_POOL "\",", "\"pools\": [{", -DER_DF_INVAL,
		 "pools[0]: missing field 'uuid'");
	smd_case(dir, "\"blobs\": [", "\"blobs\": [[], ", -DER_DF_INVAL,
		 "pools[0]: blobs[0]: must be an object");

	/* Not a regular file, a symlink, and a file over the size limit. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	smd_expect(dir, -DER_DF_INVAL, "not a regular file");
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	smd_expect(dir, -DER_DF_INVAL, "cannot open it: Too many levels of symbolic links");
	assert_int_equal(unlink(path), 0);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, BIO_SMD_FILE_MAX + 1), 0);
	close(fd);
	smd_expect(dir, -DER_DF_INVAL, "33554433 bytes, larger than the limit of 33554432");
	tdir_rm(dir);
}

/* BIO25: SMD directory errors: missing, not a directory, bad arguments. */
static void
bio25_smd_open_args(void **state)
{
	char            dir[64], path[BIO_PATH_MAX], err[BIO_ERRMSG_LEN], want[BIO_ERRMSG_LEN];
	struct bio_smd *smd = NULL;

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	pjoin(path, sizeof(path), dir, "missing");
	assert_int_equal(bio_smd_open(path, &smd, err, sizeof(err)), -DER_NONEXIST);
	snprintf(want, sizeof(want), "SMD directory %s: No such file or directory", path);
	assert_string_equal(err, want);
	pjoin(path, sizeof(path), dir, "file");
	file_write(path, "x", 1);
	assert_int_equal(bio_smd_open(path, &smd, err, sizeof(err)), -DER_NOTDIR);
	assert_int_equal(bio_smd_open("", &smd, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "SMD directory path is empty or longer than 1023 bytes");
	assert_int_equal(bio_smd_open(NULL, &smd, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(bio_smd_open(dir, NULL, NULL, 0), -DER_INVAL);
	assert_null(smd);
	/* A stale temporary file from a crash is removed at open. */
	pjoin(path, sizeof(path), dir, BIO_SMD_FILE ".tmp");
	file_write(path, "{", 1);
	smd = smd_open_ok(dir);
	assert_int_equal(access(path, F_OK), -1);
	bio_smd_close(smd);
	pjoin(path, sizeof(path), dir, "file");
	unlink(path);
	tdir_rm(dir);
}

/* BIO26: end to end: SMD blobs on a file device, I/O through the ring inside each blob. */
static void
bio26_smd_to_io(void **state)
{
	char                dir[64];
	struct bio_smd     *smd;
	struct bio_smd_dev  d;
	struct bio_smd_blob sb[2];
	struct bio_blob     bb[2];
	struct bio_dev     *dev;
	struct bio_ring    *ring;
	uuid_t              p;
	char               *b = abuf(1 * MiB);

	(void)state;
	tdir_make("/var/tmp", dir, sizeof(dir));
	dev = dev_make(dir, "bdev0", 8 * MiB, 0);
	smd = smd_open_ok(dir);
	smd_dev_fill(&d, DEV_A, "unused", 8 * MiB, 0, 2);
	pjoin(d.sd_tr_addr, sizeof(d.sd_tr_addr), dir, "bdev0");
	assert_int_equal(bio_smd_dev_add(smd, &d), 0);
	uuid_parse(POOL_1, p);
	assert_int_equal(bio_ring_create(0, 8, &ring), 0);
	for (uint32_t t = 0; t < 2; t++) {
		assert_int_equal(bio_smd_blob_alloc(smd, p, t, d.sd_uuid, 1 * MiB, &sb[t]), 0);
		assert_int_equal(bio_blob_init(&bb[t], dev, sb[t].sb_id, sb[t].sb_off,
					       sb[t].sb_size), 0);
		fill(b, 1 * MiB, 100 + t);
		assert_int_equal(bio_write(ring, &bb[t], 0, b, 1 * MiB), 0);
	}
	assert_int_equal(bio_flush(ring, dev), 0);
	for (uint32_t t = 0; t < 2; t++) {
		memset(b, 0, 1 * MiB);
		assert_int_equal(bio_read(ring, &bb[t], 0, b, 1 * MiB), 0);
		assert_true(check(b, 1 * MiB, 100 + t));
	}
	free(b);
	bio_ring_destroy(ring);
	bio_dev_close(dev);
	bio_smd_close(smd);
	tdir_rm(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(bio01_dev_create, tdirs_teardown),
	    cmocka_unit_test_teardown(bio02_dev_open, tdirs_teardown),
	    cmocka_unit_test_teardown(bio03_ring_blob_args, tdirs_teardown),
	    cmocka_unit_test_teardown(bio04_roundtrip_ext4, tdirs_teardown),
	    cmocka_unit_test_teardown(bio05_roundtrip_tmpfs, tdirs_teardown),
	    cmocka_unit_test_teardown(bio06_roundtrip_buffered, tdirs_teardown),
	    cmocka_unit_test_teardown(bio07_bounds, tdirs_teardown),
	    cmocka_unit_test_teardown(bio08_ring_full, tdirs_teardown),
	    cmocka_unit_test_teardown(bio09_fault_read, tdirs_teardown),
	    cmocka_unit_test_teardown(bio10_fault_write_sticky, tdirs_teardown),
	    cmocka_unit_test_teardown(bio11_fault_flush_sticky, tdirs_teardown),
	    cmocka_unit_test_teardown(bio12_flush_after_failure, tdirs_teardown),
	    cmocka_unit_test_teardown(bio13_fault_args, tdirs_teardown),
	    cmocka_unit_test_teardown(bio14_unmap, tdirs_teardown),
	    cmocka_unit_test_teardown(bio15_buf_pool, tdirs_teardown),
	    cmocka_unit_test_teardown(bio16_csum_counter, tdirs_teardown),
	    cmocka_unit_test_teardown(bio17_callback_reentry, tdirs_teardown),
	    cmocka_unit_test_teardown(bio18_fault_parse, tdirs_teardown),
	    cmocka_unit_test_teardown(bio19_fault_env, tdirs_teardown),
	    cmocka_unit_test_teardown(bio20_smd_devices, tdirs_teardown),
	    cmocka_unit_test_teardown(bio21_smd_blobs, tdirs_teardown),
	    cmocka_unit_test_teardown(bio22_smd_persist, tdirs_teardown),
	    cmocka_unit_test_teardown(bio23_smd_write_failure, tdirs_teardown),
	    cmocka_unit_test_teardown(bio24_smd_corrupt, tdirs_teardown),
	    cmocka_unit_test_teardown(bio25_smd_open_args, tdirs_teardown),
	    cmocka_unit_test_teardown(bio26_smd_to_io, tdirs_teardown),
	    cmocka_unit_test_teardown(bio27_set_failed, tdirs_teardown),
	};

	return cmocka_run_group_tests_name("bio", tests, NULL, NULL);
}
