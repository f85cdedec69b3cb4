/*
 * test_vos_blob.c: the versioned object store with a blob (src/vos, stage B):
 * binding, values in the blob, deferred frees, space, checksums, device
 * faults, the consistency check and aggregation.
 *
 * Each test makes a scratch directory under /var/tmp (ext4, so O_DIRECT is
 * real) holding the pool and a file device; the blob starts 1 MiB into the
 * device so that blob offsets and device offsets differ. Invariant numbers
 * (B1..B6, G1..G3, T2, T5, C5, I5) refer to the file comments of src/vos.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <daos_errno.h>

#include "vos/vos.h"
#include "vos/vos_internal.h"

#define MiB (1ULL << 20)
#define KiB (1ULL << 10)

/* ---- Scratch directories ---- */

static char g_tdir[96];

static bool
tree_remove(const char *dir)
{
	DIR           *d = opendir(dir);
	struct dirent *e;
	bool           ok = true;

	if (d == NULL)
		return errno == ENOENT;
	while ((e = readdir(d)) != NULL) {
		char path[512];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0 && !tree_remove(path))
			ok = false;
	}
	closedir(d);
	return rmdir(dir) == 0 && ok;
}

static int
tdir_teardown(void **state)
{
	(void)state;
	if (g_tdir[0] != '\0')
		tree_remove(g_tdir);
	g_tdir[0] = '\0';
	return 0;
}

/* ---- A pool with a blob and one open container ---- */

/** The blob starts this far into the device file. */
#define TB_BLOB_OFF (1 * MiB)
#define TB_BLOB_ID  ((1ULL << 32) + 7)

struct tb {
	char             tb_pdir[160];
	char             tb_dpath[160];
	uuid_t           tb_uuid;
	uuid_t           tb_cuuid;
	uint64_t         tb_size;
	struct bio_dev  *tb_dev;
	struct bio_ring *tb_ring;
	struct bio_blob  tb_blob;
	struct vos_pool *tb_pool;
	struct vos_cont *tb_cont;
};

static void
tb_dev_open(struct tb *t)
{
	assert_int_equal(bio_dev_open(t->tb_dpath, BIO_DEV_FILE, 0, &t->tb_dev), 0);
	assert_int_equal(bio_ring_create(0, 64, &t->tb_ring), 0);
	assert_int_equal(bio_blob_init(&t->tb_blob, t->tb_dev, TB_BLOB_ID, TB_BLOB_OFF, t->tb_size),
			 0);
}

static void
tb_dev_close(struct tb *t)
{
	bio_ring_destroy(t->tb_ring);
	bio_dev_close(t->tb_dev);
	t->tb_ring = NULL;
	t->tb_dev  = NULL;
}

static void
tb_open(struct tb *t)
{
	assert_int_equal(vos_pool_open(t->tb_pdir, t->tb_uuid, t->tb_ring, &t->tb_blob, &t->tb_pool),
			 0);
	assert_int_equal(vos_cont_open(t->tb_pool, t->tb_cuuid, &t->tb_cont), 0);
}

static void
tb_close(struct tb *t)
{
	if (t->tb_cont != NULL)
		vos_cont_close(t->tb_cont);
	t->tb_cont = NULL;
	assert_int_equal(vos_pool_close(t->tb_pool), 0);
	t->tb_pool = NULL;
}

static void
tb_check(struct tb *t)
{
	char err[256];
	int  rc = vos_pool_check(t->tb_pool, err, sizeof(err));

	if (rc != 0)
		fail_msg("vos_pool_check: %d: %s", rc, err);
}

static void
tb_create(struct tb *t, uint64_t blob_size, uint64_t scm)
{
	memset(t, 0, sizeof(*t));
	snprintf(g_tdir, sizeof(g_tdir), "/var/tmp/test_vos_blob.XXXXXX");
	assert_non_null(mkdtemp(g_tdir));
	snprintf(t->tb_pdir, sizeof(t->tb_pdir), "%s/pool", g_tdir);
	snprintf(t->tb_dpath, sizeof(t->tb_dpath), "%s/bdev", g_tdir);
	t->tb_size = blob_size;
	uuid_generate(t->tb_uuid);
	uuid_generate(t->tb_cuuid);
	assert_int_equal(bio_dev_create_file(t->tb_dpath, TB_BLOB_OFF + blob_size + MiB), 0);
	tb_dev_open(t);
	assert_int_equal(vos_pool_create(t->tb_pdir, t->tb_uuid, scm, 0), 0);
	assert_int_equal(vos_pool_open(t->tb_pdir, t->tb_uuid, t->tb_ring, &t->tb_blob, &t->tb_pool),
			 0);
	assert_int_equal(vos_cont_create(t->tb_pool, t->tb_cuuid), 0);
	assert_int_equal(vos_cont_open(t->tb_pool, t->tb_cuuid, &t->tb_cont), 0);
}

static void
tb_destroy(struct tb *t)
{
	if (t->tb_pool != NULL)
		tb_close(t);
	tb_dev_close(t);
	assert_int_equal(vos_pool_destroy(t->tb_pdir, t->tb_uuid), 0);
}

static void
tb_query(struct tb *t, struct vos_pool_info *pi, struct vos_cont_info *ci)
{
	assert_int_equal(vos_pool_query(t->tb_pool, pi), 0);
	if (ci != NULL)
		assert_int_equal(vos_cont_query(t->tb_cont, ci), 0);
}

/* One empty transaction: releases the extents the last commits freed (B3). */
static void
tb_empty_commit(struct tb *t)
{
	assert_int_equal(vos_tx_begin(t->tb_pool), 0);
	assert_int_equal(vos_tx_commit(t->tb_pool), 0);
}

/* ---- I/O helpers ---- */

static daos_obj_id_t
oid_of(uint64_t n)
{
	return (daos_obj_id_t){.hi = n, .lo = 0xb10b};
}

static daos_key_t
key_of(const char *s)
{
	daos_key_t k;

	d_iov_set(&k, (void *)s, strlen(s));
	return k;
}

static void
pattern(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		buf[i] = (uint8_t)((x * 2685821657736338717ULL) >> 56);
	}
}

/* Writes a single value from up to three iovs (split at thirds). */
static int
put_sv(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
       const uint8_t *buf, size_t len)
{
	daos_key_t  dkey = key_of(dk);
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_SINGLE,
			    .iod_size = len, .iod_nr = 1};
	d_iov_t     iov[3];
	d_sg_list_t sgl = {.sg_nr = 3, .sg_iovs = iov};

	d_iov_set(&iov[0], (void *)buf, len / 3);
	d_iov_set(&iov[1], (void *)(buf + len / 3), len / 3);
	d_iov_set(&iov[2], (void *)(buf + 2 * (len / 3)), len - 2 * (len / 3));
	return vos_obj_update(c, oid, e, &dkey, 1, &iod, &sgl);
}

static int
get_sv(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
       uint8_t *buf, size_t cap, size_t *size)
{
	daos_key_t  dkey = key_of(dk);
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_SINGLE,
			    .iod_size = DAOS_REC_ANY, .iod_nr = 1};
	d_iov_t     iov[2] = {{.iov_buf = buf, .iov_buf_len = cap / 2},
			      {.iov_buf = buf + cap / 2, .iov_buf_len = cap - cap / 2}};
	d_sg_list_t sgl  = {.sg_nr = 2, .sg_iovs = iov};
	int         rc;

	rc    = vos_obj_fetch(c, oid, e, &dkey, 1, &iod, &sgl);
	*size = iod.iod_size;
	return rc;
}

static void
check_sv(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
	 const uint8_t *want, size_t len)
{
	uint8_t *buf = malloc(len + 16);
	size_t   size;

	assert_non_null(buf);
	assert_int_equal(get_sv(c, oid, e, dk, ak, buf, len + 16, &size), 0);
	assert_int_equal(size, len);
	if (len > 0)
		assert_memory_equal(buf, want, len);
	free(buf);
}

static int
put_ar(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
       uint64_t rsize, uint64_t idx, uint64_t nr, const uint8_t *data)
{
	daos_key_t  dkey = key_of(dk);
	daos_recx_t rx   = {.rx_idx = idx, .rx_nr = nr};
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_ARRAY,
			    .iod_size = data != NULL ? rsize : 0, .iod_nr = 1, .iod_recxs = &rx};
	d_iov_t     iov;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};

	d_iov_set(&iov, (void *)data, data != NULL ? nr * rsize : 0);
	return vos_obj_update(c, oid, e, &dkey, 1, &iod, data != NULL ? &sgl : NULL);
}

static int
get_ar(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
       uint64_t rsize, uint64_t idx, uint64_t nr, uint8_t *buf)
{
	daos_key_t  dkey = key_of(dk);
	daos_recx_t rx   = {.rx_idx = idx, .rx_nr = nr};
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_ARRAY,
			    .iod_size = rsize, .iod_nr = 1, .iod_recxs = &rx};
	d_iov_t     iov  = {.iov_buf = buf, .iov_buf_len = nr * rsize};
	d_sg_list_t sgl  = {.sg_nr = 1, .sg_iovs = &iov};

	return vos_obj_fetch(c, oid, e, &dkey, 1, &iod, &sgl);
}

/* Device-file offset of the blob extent of a value (test accessor). */
static uint64_t
value_dev_off(struct tb *t, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
	      uint64_t idx, uint64_t *len)
{
	daos_key_t dkey = key_of(dk);
	daos_key_t akey = key_of(ak);
	uint64_t   off;
	uint64_t   l;

	assert_int_equal(vos_blob_value_extent(t->tb_cont, oid, e, &dkey, &akey, idx, &off, &l), 0);
	if (len != NULL)
		*len = l;
	return TB_BLOB_OFF + off;
}

static void
flip_dev_byte(const char *path, uint64_t off)
{
	int     fd = open(path, O_RDWR);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

/* ---- VOSB01 ---- */

/* VOSB01: the first open with a blob binds it (P4); later opens must bring the same blob */
static void
vosb01_bind(void **state)
{
	struct vos_pool_info pi;
	struct vos_pool     *pool;
	struct bio_blob      other;
	struct tb            t;
	char                 err[128];

	(void)state;
	tb_create(&t, 8 * MiB, 16 * MiB);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_total, 8 * MiB);
	assert_int_equal(pi.pi_nvme_used, 0);
	assert_int_equal(vos_pool_check(t.tb_pool, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(vos_pool_check(NULL, err, sizeof(err)), -DER_INVAL);
	tb_close(&t);

	/* Ring and blob come together, and the blob must be usable. */
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, t.tb_ring, NULL, &pool), -DER_INVAL);
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, NULL, &t.tb_blob, &pool), -DER_INVAL);
	other         = t.tb_blob;
	other.bb_size = 0;
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, t.tb_ring, &other, &pool), -DER_INVAL);
	other         = t.tb_blob;
	other.bb_size = 8 * MiB + 512;
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, t.tb_ring, &other, &pool), -DER_INVAL);
	other        = t.tb_blob;
	other.bb_dev = NULL;
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, t.tb_ring, &other, &pool), -DER_INVAL);
	other       = t.tb_blob;
	other.bb_id = 0;
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, t.tb_ring, &other, &pool), -DER_INVAL);
	/* Bound: another blob, another size, or no blob at all is refused. */
	other = t.tb_blob;
	other.bb_id++;
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, t.tb_ring, &other, &pool),
			 -DER_MISMATCH);
	other         = t.tb_blob;
	other.bb_size = 4 * MiB;
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, t.tb_ring, &other, &pool),
			 -DER_MISMATCH);
	assert_int_equal(vos_pool_open(t.tb_pdir, t.tb_uuid, NULL, NULL, &pool), -DER_INVAL);
	/* The binding survived the failed opens. */
	tb_open(&t);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_total, 8 * MiB);
	assert_int_equal(pi.pi_nvme_used, 0);
	tb_check(&t);
	tb_destroy(&t);
}

/* ---- VOSB02 ---- */

/* VOSB02: single values of 4 KiB+1 .. 8 MiB and array extents round-trip through the blob */
static void
vosb02_round_trips(void **state)
{
	static const size_t sizes[] = {4096, 4097, 8191, 8192, 65537, MiB - 1, MiB, MiB + 1,
				       3 * MiB + 5, 8 * MiB};
	const size_t        nsz     = sizeof(sizes) / sizeof(sizes[0]);
	struct vos_pool_info pi;
	struct vos_cont_info ci;
	struct tb            t;
	daos_obj_id_t        oid = oid_of(1);
	uint64_t             want_nvme = 0;
	uint8_t             *data = malloc(8 * MiB + 64);
	uint8_t             *back = malloc(8 * MiB + 64);
	char                 ak[16];
	size_t               size;

	(void)state;
	assert_non_null(data);
	assert_non_null(back);
	tb_create(&t, 64 * MiB, 32 * MiB);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	for (size_t i = 0; i < nsz; i++) {
		snprintf(ak, sizeof(ak), "sv%zu", i);
		pattern(data, sizes[i], i);
		assert_int_equal(put_sv(t.tb_cont, oid, 10, "dk", ak, data, sizes[i]), 0);
		if (sizes[i] > VOS_INLINE_THRESHOLD)
			want_nvme += vos_blob_round(sizes[i]);
	}
	/* Staged, not committed: nothing visible yet (V5). */
	assert_int_equal(get_sv(t.tb_cont, oid, 10, "dk", "sv9", back, 8 * MiB, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), 0);
	tb_query(&t, &pi, &ci);
	assert_int_equal(pi.pi_nvme_used, want_nvme);
	assert_int_equal(ci.ci_nvme_used, want_nvme);
	/* 4096 bytes stay inline: exactly the threshold. */
	{
		daos_key_t dk = key_of("dk");
		daos_key_t a0 = key_of("sv0");
		uint64_t   off;
		uint64_t   len;

		assert_int_equal(vos_blob_value_extent(t.tb_cont, oid, 10, &dk, &a0, 0, &off, &len),
				 -DER_NONEXIST);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nsz; i++) {
			snprintf(ak, sizeof(ak), "sv%zu", i);
			pattern(data, sizes[i], i);
			check_sv(t.tb_cont, oid, 10, "dk", ak, data, sizes[i]);
			check_sv(t.tb_cont, oid, DAOS_EPOCH_MAX, "dk", ak, data, sizes[i]);
		}
		/* A buffer one byte short: REC2BIG and the size, nothing read. */
		assert_int_equal(get_sv(t.tb_cont, oid, 10, "dk", "sv9", back, 8 * MiB - 1, &size),
				 -DER_REC2BIG);
		assert_int_equal(size, 8 * MiB);
		tb_close(&t);
		tb_open(&t);
	}
	tb_check(&t);

	/* Arrays: 1-byte records over several 1 MiB chunks, and 3000-byte records. */
	pattern(data, 2 * MiB + 3, 100);
	assert_int_equal(put_ar(t.tb_cont, oid, 11, "dk", "bytes", 1, 100, 2 * MiB + 3, data), 0);
	memset(back, 0xee, 2 * MiB + 200);
	assert_int_equal(get_ar(t.tb_cont, oid, 11, "dk", "bytes", 1, 0, 2 * MiB + 200, back), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(back[i], 0);
	assert_memory_equal(back + 100, data, 2 * MiB + 3);
	for (int i = 0; i < 97; i++)
		assert_int_equal(back[100 + 2 * MiB + 3 + i], 0);
	/* Reads inside one chunk, across chunk (1 MiB) and checksum (32 KiB) boundaries. */
	assert_int_equal(get_ar(t.tb_cont, oid, 11, "dk", "bytes", 1, 100 + 5, 10, back), 0);
	assert_memory_equal(back, data + 5, 10);
	assert_int_equal(get_ar(t.tb_cont, oid, 11, "dk", "bytes", 1, 100 + MiB - 7, 70000, back),
			 0);
	assert_memory_equal(back, data + MiB - 7, 70000);
	assert_int_equal(get_ar(t.tb_cont, oid, 11, "dk", "bytes", 1, 100 + 32 * KiB - 1, 2, back),
			 0);
	assert_memory_equal(back, data + 32 * KiB - 1, 2);
	/* Overwrite the middle with a newer inline extent, then with a newer blob extent. */
	pattern(data + 4 * MiB, 4000, 7);
	assert_int_equal(put_ar(t.tb_cont, oid, 12, "dk", "bytes", 1, 1000, 4000, data + 4 * MiB),
			 0);
	pattern(data + 5 * MiB, 9000, 8);
	assert_int_equal(put_ar(t.tb_cont, oid, 13, "dk", "bytes", 1, 3000, 9000, data + 5 * MiB),
			 0);
	assert_int_equal(get_ar(t.tb_cont, oid, 13, "dk", "bytes", 1, 100, 20000, back), 0);
	assert_memory_equal(back, data, 900);
	assert_memory_equal(back + 900, data + 4 * MiB, 2000);
	assert_memory_equal(back + 2900, data + 5 * MiB, 9000);
	assert_memory_equal(back + 11900, data + 11900, 20000 - 11900);
	/* The older epoch still reads the first write. */
	assert_int_equal(get_ar(t.tb_cont, oid, 11, "dk", "bytes", 1, 100, 20000, back), 0);
	assert_memory_equal(back, data, 20000);
	/* 3000-byte records: two records per extent stay inline, three go to the blob. */
	pattern(data, 30 * 3000, 9);
	assert_int_equal(put_ar(t.tb_cont, oid, 14, "dk", "big", 3000, 0, 1, data), 0);
	assert_int_equal(put_ar(t.tb_cont, oid, 14, "dk", "big", 3000, 1, 29, data + 3000), 0);
	assert_int_equal(get_ar(t.tb_cont, oid, 14, "dk", "big", 3000, 0, 30, back), 0);
	assert_memory_equal(back, data, 30 * 3000);
	assert_int_equal(get_ar(t.tb_cont, oid, 14, "dk", "big", 3000, 17, 2, back), 0);
	assert_memory_equal(back, data + 17 * 3000, 2 * 3000);
	tb_check(&t);
	tb_query(&t, &pi, &ci);
	assert_int_equal(pi.pi_nvme_used, ci.ci_nvme_used);
	tb_destroy(&t);
	free(data);
	free(back);
}

/* ---- VOSB03 ---- */

/* VOSB03: an overwrite at the same epoch frees the old extent after the next commit (B3) */
static void
vosb03_overwrite_frees(void **state)
{
	struct vos_pool_info pi;
	struct vos_cont_info ci;
	struct tb            t;
	daos_obj_id_t        oid = oid_of(2);
	static uint8_t       a[2 * MiB], b[MiB], c[MiB];

	(void)state;
	pattern(a, sizeof(a), 1);
	pattern(b, MiB, 2);
	pattern(c, MiB, 3);
	tb_create(&t, 16 * MiB, 16 * MiB);
	assert_int_equal(put_sv(t.tb_cont, oid, 5, "dk", "ak", a, MiB), 0);
	tb_query(&t, &pi, &ci);
	assert_int_equal(pi.pi_nvme_used, MiB);
	assert_int_equal(put_sv(t.tb_cont, oid, 5, "dk", "ak", b, MiB), 0);
	check_sv(t.tb_cont, oid, 5, "dk", "ak", b, MiB);
	/* The old extent waits for a later transaction: 2 MiB not in the free map. */
	tb_query(&t, &pi, &ci);
	assert_int_equal(pi.pi_nvme_used, 2 * MiB);
	assert_int_equal(ci.ci_nvme_used, MiB);
	tb_check(&t);
	tb_empty_commit(&t);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, MiB);
	tb_check(&t);

	/* Twice in one batch: the first one's fresh extent is deferred too. */
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 6, "dk", "ak", a, MiB), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 6, "dk", "ak", c, MiB), 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), 0);
	check_sv(t.tb_cont, oid, 6, "dk", "ak", c, MiB);
	check_sv(t.tb_cont, oid, 5, "dk", "ak", b, MiB);
	tb_query(&t, &pi, &ci);
	assert_int_equal(pi.pi_nvme_used, 3 * MiB);
	assert_int_equal(ci.ci_nvme_used, 2 * MiB);
	/* A reopen keeps the pending free (it is in the index), the next commit frees it. */
	tb_close(&t);
	tb_open(&t);
	tb_check(&t);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 3 * MiB);
	tb_empty_commit(&t);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 2 * MiB);

	/* Blob replaced by inline, and inline by blob, at one epoch. */
	assert_int_equal(put_sv(t.tb_cont, oid, 6, "dk", "ak", a, 100), 0);
	check_sv(t.tb_cont, oid, 6, "dk", "ak", a, 100);
	assert_int_equal(put_sv(t.tb_cont, oid, 6, "dk", "ak", b, 5000), 0);
	check_sv(t.tb_cont, oid, 6, "dk", "ak", b, 5000);
	tb_empty_commit(&t);
	tb_query(&t, &pi, &ci);
	assert_int_equal(pi.pi_nvme_used, MiB + 8 * KiB);
	assert_int_equal(ci.ci_nvme_used, MiB + 8 * KiB);
	tb_check(&t);

	/* An aborted batch gives back what it allocated (B6). */
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 7, "dk", "ak", a, MiB), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 7, "dk", "ak2", a, 3 * MiB / 2), 0);
	vos_tx_abort(t.tb_pool);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, MiB + 8 * KiB);
	tb_check(&t);
	tb_destroy(&t);
}

/* ---- VOSB04 ---- */

/* VOSB04: a full blob refuses with DER_NOSPACE (batch intact, nothing half-allocated); destroy returns it all (C5) */
static void
vosb04_blob_full(void **state)
{
	struct vos_pool_info pi;
	struct vos_cont_info ci;
	struct tb            t;
	daos_obj_id_t        oid = oid_of(3);
	static uint8_t       val[MiB];
	char                 ak[16];
	int                  n  = 0;
	int                  rc = 0;

	(void)state;
	pattern(val, sizeof(val), 4);
	tb_create(&t, 8 * MiB, 32 * MiB);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	while (n < 20) {
		snprintf(ak, sizeof(ak), "a%d", n);
		rc = put_sv(t.tb_cont, oid, 1, "dk", ak, val, MiB - 100);
		if (rc != 0)
			break;
		n++;
	}
	assert_int_equal(rc, -DER_NOSPACE);
	assert_int_equal(n, 8);
	/* The refusal left the batch usable: a small inline value still goes in. */
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "small", val, 100), 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), 0);
	for (int i = 0; i < n; i++) {
		snprintf(ak, sizeof(ak), "a%d", i);
		check_sv(t.tb_cont, oid, 1, "dk", ak, val, MiB - 100);
	}
	tb_query(&t, &pi, &ci);
	assert_int_equal(pi.pi_nvme_used, 8 * MiB);
	assert_int_equal(ci.ci_nvme_used, 8 * MiB);
	tb_check(&t);
	/* Self-committing updates are refused the same way. */
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "x", val, 5000), -DER_NOSPACE);
	tb_close(&t);

	/* Free 2 MiB (same-epoch overwrites of a0 and a1, adjacent at the blob's start, by
	 * small values), then a two-iod update of 1 + 2 MiB: the first iod fits, the second
	 * not; the update is refused whole and the first iod's extent given back (I5). */
	tb_open(&t);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "a0", val, 10), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "a1", val, 10), 0);
	tb_empty_commit(&t);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 6 * MiB);
	tb_check(&t);
	{
		daos_key_t  dk      = key_of("dk");
		daos_iod_t  iods[2] = {
		     {.iod_name = key_of("p"), .iod_type = DAOS_IOD_SINGLE, .iod_size = MiB,
		      .iod_nr = 1},
		     {.iod_name = key_of("q"), .iod_type = DAOS_IOD_SINGLE, .iod_size = 2 * MiB,
		      .iod_nr = 1}};
		uint8_t    *big = calloc(1, 2 * MiB);
		d_iov_t     iov[2];
		d_sg_list_t sgls[2] = {{.sg_nr = 1, .sg_iovs = &iov[0]},
				       {.sg_nr = 1, .sg_iovs = &iov[1]}};

		assert_non_null(big);
		d_iov_set(&iov[0], val, MiB);
		d_iov_set(&iov[1], big, 2 * MiB);
		assert_int_equal(vos_tx_begin(t.tb_pool), 0);
		assert_int_equal(vos_obj_update(t.tb_cont, oid, 3, &dk, 2, iods, sgls),
				 -DER_NOSPACE);
		/* Each alone fits (the 2 MiB free extent is whole again). */
		assert_int_equal(vos_obj_update(t.tb_cont, oid, 3, &dk, 1, &iods[1], &sgls[1]), 0);
		assert_int_equal(vos_tx_commit(t.tb_pool), 0);
		tb_query(&t, &pi, NULL);
		assert_int_equal(pi.pi_nvme_used, 8 * MiB);
		check_sv(t.tb_cont, oid, 3, "dk", "q", big, 2 * MiB);
		free(big);
		tb_check(&t);
	}

	/* Destroy returns everything at once. */
	vos_cont_close(t.tb_cont);
	t.tb_cont = NULL;
	assert_int_equal(vos_cont_destroy(t.tb_pool, t.tb_cuuid), 0);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 0);
	tb_check(&t);
	/* And the space is usable again. */
	assert_int_equal(vos_cont_create(t.tb_pool, t.tb_cuuid), 0);
	assert_int_equal(vos_cont_open(t.tb_pool, t.tb_cuuid, &t.tb_cont), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "again", val, sizeof(val)), 0);
	check_sv(t.tb_cont, oid, 1, "dk", "again", val, sizeof(val));
	tb_check(&t);
	tb_destroy(&t);
}

/* ---- VOSB05 ---- */

/* VOSB05: a byte flipped in the blob file is DER_CSUM, counted by the pool and bio; per-chunk array checksums localise it */
static void
vosb05_checksum(void **state)
{
	struct vos_pool_info pi;
	struct bio_counters  rc_ring;
	struct bio_counters  rc_dev;
	struct tb            t;
	daos_obj_id_t        oid = oid_of(4);
	static uint8_t       data[2 * MiB];
	static uint8_t       back[2 * MiB];
	size_t               size;
	uint64_t             off;
	uint64_t             len;

	(void)state;
	pattern(data, sizeof(data), 5);
	tb_create(&t, 16 * MiB, 16 * MiB);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "sv", data, 300000), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "ok", data, 9000), 0);
	assert_int_equal(put_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 0, 256 * KiB, data), 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), 0);

	off = value_dev_off(&t, oid, 1, "dk", "sv", 0, &len);
	assert_int_equal(len, vos_blob_round(300000));
	flip_dev_byte(t.tb_dpath, off + 299999); /* the last byte of the value */
	off = value_dev_off(&t, oid, 1, "dk", "arr", 0, &len);
	assert_int_equal(len, 256 * KiB);
	flip_dev_byte(t.tb_dpath, off + 100 * KiB); /* in the fourth 32 KiB chunk */

	assert_int_equal(get_sv(t.tb_cont, oid, 1, "dk", "sv", back, sizeof(back), &size),
			 -DER_CSUM);
	check_sv(t.tb_cont, oid, 1, "dk", "ok", data, 9000);
	assert_int_equal(get_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 0, 256 * KiB, back), -DER_CSUM);
	assert_int_equal(get_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 100 * KiB - 1, 2, back),
			 -DER_CSUM);
	/* Chunks not holding the flipped byte read and verify fine. */
	assert_int_equal(get_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 0, 96 * KiB, back), 0);
	assert_memory_equal(back, data, 96 * KiB);
	assert_int_equal(get_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 128 * KiB, 128 * KiB, back), 0);
	assert_memory_equal(back, data + 128 * KiB, 128 * KiB);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_csum_errors, 3);
	bio_ring_counters(t.tb_ring, &rc_ring);
	bio_dev_counters(t.tb_dev, &rc_dev);
	assert_int_equal(rc_ring.bc_csum_errs, 3);
	assert_int_equal(rc_dev.bc_csum_errs, 3);
	/* A size query does not read the data. */
	{
		daos_key_t dk  = key_of("dk");
		daos_iod_t iod = {.iod_name = key_of("sv"), .iod_type = DAOS_IOD_SINGLE,
				  .iod_size = DAOS_REC_ANY, .iod_nr = 1};

		assert_int_equal(vos_obj_fetch(t.tb_cont, oid, 1, &dk, 1, &iod, NULL), 0);
		assert_int_equal(iod.iod_size, 300000);
	}
	/* Rewritten at a later epoch, the value reads fine; the space check is unaffected. */
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "sv", data, 300000), 0);
	check_sv(t.tb_cont, oid, 2, "dk", "sv", data, 300000);
	tb_check(&t);
	tb_destroy(&t);
}

/* ---- VOSB06 ---- */

/* VOSB06: a failed blob write or flush fails the batch and the pool (T2, T5); nothing acknowledged, reads served */
static void
vosb06_device_faults(void **state)
{
	struct vos_pool_info pi;
	struct tb            t;
	daos_obj_id_t        oid = oid_of(5);
	static uint8_t       a[64 * KiB];
	static uint8_t       b[64 * KiB];
	size_t               size;
	static uint8_t       back[64 * KiB];

	(void)state;
	pattern(a, sizeof(a), 6);
	pattern(b, sizeof(b), 7);
	tb_create(&t, 8 * MiB, 16 * MiB);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "ak", a, sizeof(a)), 0);

	/* Write failure: submitted fine, fails on completion; the commit reports it. */
	assert_int_equal(bio_fault_inject(t.tb_dev, BIO_OP_WRITE, 1), 0);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "ak", b, sizeof(b)), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "small", b, 10), 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), -DER_NVME_IO);
	assert_int_equal(put_sv(t.tb_cont, oid, 3, "dk", "small", b, 10), -DER_IO);
	assert_int_equal(vos_tx_begin(t.tb_pool), -DER_IO);
	check_sv(t.tb_cont, oid, 3, "dk", "ak", a, sizeof(a));
	assert_int_equal(get_sv(t.tb_cont, oid, 3, "dk", "small", back, sizeof(back), &size), 0);
	assert_int_equal(size, 0);
	tb_check(&t);
	tb_close(&t);

	/* The device stays FAILED while open: a write is now refused at submission. */
	tb_open(&t);
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "ak", b, sizeof(b)), -DER_NVME_IO);
	assert_int_equal(put_sv(t.tb_cont, oid, 3, "dk", "small", b, 10), -DER_IO);
	check_sv(t.tb_cont, oid, 3, "dk", "ak", a, sizeof(a));
	tb_close(&t);

	/* A replaced device (reopened: healthy); a flush failure fails the commit. */
	tb_dev_close(&t);
	tb_dev_open(&t);
	tb_open(&t);
	tb_check(&t);
	assert_int_equal(bio_fault_inject(t.tb_dev, BIO_OP_FLUSH, 1), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "ak", b, sizeof(b)), -DER_NVME_IO);
	assert_int_equal(put_sv(t.tb_cont, oid, 3, "dk", "ak", b, sizeof(b)), -DER_IO);
	check_sv(t.tb_cont, oid, 3, "dk", "ak", a, sizeof(a));
	tb_close(&t);

	/* A batch without blob data never flushes, so it commits on a failed device. */
	tb_open(&t);
	assert_int_equal(put_sv(t.tb_cont, oid, 4, "dk", "small", b, 10), 0);
	check_sv(t.tb_cont, oid, 4, "dk", "small", b, 10);
	tb_close(&t);

	/* A read failure is reported and does not fail the pool. */
	tb_dev_close(&t);
	tb_dev_open(&t);
	tb_open(&t);
	assert_int_equal(bio_fault_inject(t.tb_dev, BIO_OP_READ, 1), 0);
	assert_int_equal(get_sv(t.tb_cont, oid, 3, "dk", "ak", back, sizeof(back), &size),
			 -DER_NVME_IO);
	check_sv(t.tb_cont, oid, 3, "dk", "ak", a, sizeof(a));
	assert_int_equal(put_sv(t.tb_cont, oid, 5, "dk", "ak", b, sizeof(b)), 0);
	check_sv(t.tb_cont, oid, 5, "dk", "ak", b, sizeof(b));
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 2 * sizeof(a));
	tb_check(&t);
	tb_destroy(&t);
}

/* ---- VOSB07 ---- */

struct raw {
	MDB_env *r_env;
	MDB_txn *r_txn;
	MDB_dbi  r_dbi;
};

static void
raw_open(struct raw *r, const char *dir, const char *db)
{
	assert_int_equal(mdb_env_create(&r->r_env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->r_env, VOS_DB_NR), 0);
	assert_int_equal(mdb_env_open(r->r_env, dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->r_env, NULL, 0, &r->r_txn), 0);
	assert_int_equal(mdb_dbi_open(r->r_txn, db, 0, &r->r_dbi), 0);
}

static void
raw_close(struct raw *r)
{
	assert_int_equal(mdb_txn_commit(r->r_txn), 0);
	mdb_env_close(r->r_env);
}

static void
raw_free_put(const char *dir, uint64_t off, uint64_t len, bool both)
{
	struct raw r;
	uint8_t    kb[16];
	uint8_t    vb[8];
	MDB_val    k = {.mv_size = 8, .mv_data = kb};
	MDB_val    v = {.mv_size = 8, .mv_data = vb};

	raw_open(&r, dir, "free");
	d_put_be64(kb, off);
	d_put_le64(vb, len);
	assert_int_equal(mdb_put(r.r_txn, r.r_dbi, &k, &v, 0), 0);
	raw_close(&r);
	if (!both)
		return;
	raw_open(&r, dir, "free_sz");
	d_put_be64(kb, len);
	d_put_be64(kb + 8, off);
	k.mv_size = 16;
	v.mv_size = 0;
	assert_int_equal(mdb_put(r.r_txn, r.r_dbi, &k, &v, 0), 0);
	raw_close(&r);
}

static void
raw_free_del(const char *dir, uint64_t off, uint64_t len, bool both)
{
	struct raw r;
	uint8_t    kb[16];
	MDB_val    k = {.mv_size = 8, .mv_data = kb};

	raw_open(&r, dir, "free");
	d_put_be64(kb, off);
	assert_int_equal(mdb_del(r.r_txn, r.r_dbi, &k, NULL), 0);
	raw_close(&r);
	if (!both)
		return;
	raw_open(&r, dir, "free_sz");
	d_put_be64(kb, len);
	d_put_be64(kb + 8, off);
	k.mv_size = 16;
	assert_int_equal(mdb_del(r.r_txn, r.r_dbi, &k, NULL), 0);
	raw_close(&r);
}

/* Expects vos_pool_check to find `want` (a substring) after reopening. */
static void
expect_damage(struct tb *t, const char *want)
{
	char err[256];

	tb_open(t);
	assert_int_equal(vos_pool_check(t->tb_pool, err, sizeof(err)), -DER_DF_INVAL);
	if (strstr(err, want) == NULL)
		fail_msg("check said '%s', expected '%s'", err, want);
	tb_close(t);
}

/* VOSB07: vos_pool_check finds leaks, overlaps, uncoalesced or unmirrored free extents, bad accounting (B1, B2, C5) */
static void
vosb07_check_finds_damage(void **state)
{
	struct tb      t;
	daos_obj_id_t  oid = oid_of(6);
	static uint8_t val[64 * KiB];
	uint64_t       off;
	char           err[256];

	(void)state;
	tb_create(&t, 8 * MiB, 16 * MiB);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "ak", val, 64 * KiB), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "ak2", val, 64 * KiB), 0);
	off = value_dev_off(&t, oid, 1, "dk", "ak", 0, NULL) - TB_BLOB_OFF;
	assert_int_equal(off, 0); /* best fit from the start */
	tb_check(&t);
	tb_close(&t);

	/* The free extent after the values: [128 KiB, 8 MiB). */
	raw_free_del(t.tb_pdir, 128 * KiB, 8 * MiB - 128 * KiB, true);
	/* vos_blob_load() counts the free map: 0 bytes now; the check reports the leak. */
	expect_damage(&t, "neither free nor referenced (leaked)");
	raw_free_put(t.tb_pdir, 64 * KiB, 8 * MiB - 64 * KiB, true);
	expect_damage(&t, "overlaps");
	raw_free_del(t.tb_pdir, 64 * KiB, 8 * MiB - 64 * KiB, true);
	raw_free_put(t.tb_pdir, 128 * KiB, 4 * MiB, true);
	raw_free_put(t.tb_pdir, 128 * KiB + 4 * MiB, 4 * MiB - 128 * KiB, true);
	expect_damage(&t, "adjacent (not coalesced)");
	raw_free_del(t.tb_pdir, 128 * KiB + 4 * MiB, 4 * MiB - 128 * KiB, true);
	raw_free_del(t.tb_pdir, 128 * KiB, 4 * MiB, true);
	raw_free_put(t.tb_pdir, 128 * KiB, 8 * MiB - 128 * KiB, false);
	expect_damage(&t, "missing from the by-size index");
	raw_free_del(t.tb_pdir, 128 * KiB, 8 * MiB - 128 * KiB, false);
	raw_free_put(t.tb_pdir, 128 * KiB, 8 * MiB - 128 * KiB, true);
	/* Repaired. */
	tb_open(&t);
	assert_int_equal(vos_pool_check(t.tb_pool, err, sizeof(err)), 0);
	tb_close(&t);

	/* Container accounting that disagrees with its values. */
	{
		struct raw r;
		MDB_val    k = {.mv_size = 16, .mv_data = t.tb_cuuid};
		MDB_val    v;
		uint8_t    rec[VOS_CONT_DF_LEN];

		raw_open(&r, t.tb_pdir, "cont");
		assert_int_equal(mdb_get(r.r_txn, r.r_dbi, &k, &v), 0);
		memcpy(rec, v.mv_data, sizeof(rec));
		d_put_le64(rec + 16, 64 * KiB);
		v = (MDB_val){.mv_size = sizeof(rec), .mv_data = rec};
		assert_int_equal(mdb_put(r.r_txn, r.r_dbi, &k, &v, 0), 0);
		raw_close(&r);
	}
	expect_damage(&t, "references 131072 blob bytes, its record says 65536");
	tb_open(&t);
	tb_destroy(&t);
}

/* ---- VOSB08 ---- */

static struct vos_agg_stats
agg_all(struct vos_cont *c, const daos_epoch_t *snaps, unsigned nr, daos_epoch_t upper)
{
	struct vos_agg_anchor an = VOS_AGG_ANCHOR_INIT;
	struct vos_agg_stats  st = {0};

	assert_int_equal(vos_aggregate(c, snaps, nr, upper, &an, 1000000, &st), 1);
	return st;
}

/* VOSB08: aggregation keeps what the snapshots and upper read, drops the rest, frees blob space (G1, G2, G4) */
static void
vosb08_aggregate(void **state)
{
	struct vos_pool_info pi;
	struct vos_agg_stats st;
	struct tb            t;
	daos_obj_id_t        oid  = oid_of(7);
	daos_epoch_t         snaps[] = {3, 7, 50};
	static uint8_t       v[11][8192];
	static uint8_t       back[64 * KiB];
	size_t               size;

	(void)state;
	tb_create(&t, 16 * MiB, 16 * MiB);
	for (int e = 1; e <= 10; e++) {
		pattern(v[e], sizeof(v[e]), (uint64_t)e);
		assert_int_equal(put_sv(t.tb_cont, oid, (daos_epoch_t)e, "dk", "sv", v[e], 8192), 0);
	}
	/* An akey punched at 5 and written at 2 and 4: hidden at 7 and at upper. */
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "gone", v[2], 6000), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 4, "dk", "gone", v[4], 6000), 0);
	{
		daos_key_t dk = key_of("dk");
		daos_key_t ak = key_of("gone");

		assert_int_equal(vos_obj_punch_akeys(t.tb_cont, oid, 5, &dk, 1, &ak), 0);
	}
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 12 * 8192);

	/* Views {3, 7, 9}; the snapshot 50 is above upper and ignored. */
	st = agg_all(t.tb_cont, snaps, 3, 9);
	/* sv keeps 3, 7, 9, 10 (10 > upper); drops 1, 2, 4, 5, 6, 8. "gone" keeps 2 (read at 3)
	 * and its punch (which hides 2 from 7 on), drops 4 (read nowhere). */
	assert_int_equal(st.as_sv_dropped, 7);
	assert_int_equal(st.as_nvme_freed, 7 * 8192);
	assert_int_equal(st.as_punch_dropped, 0);
	for (int e = 1; e <= 12; e++) {
		static const int want[] = {0, 0, 0, 3, 3, 3, 3, 7, 7, 9, 10, 10, 10};

		if (e != 3 && e != 7 && e < 9)
			continue;
		check_sv(t.tb_cont, oid, (daos_epoch_t)e, "dk", "sv", v[want[e]], 8192);
	}
	check_sv(t.tb_cont, oid, 3, "dk", "gone", v[2], 6000);
	assert_int_equal(get_sv(t.tb_cont, oid, 7, "dk", "gone", back, sizeof(back), &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(get_sv(t.tb_cont, oid, 9, "dk", "gone", back, sizeof(back), &size), 0);
	assert_int_equal(size, 0);
	/* Freed space comes back with the next transaction. */
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 12 * 8192);
	tb_empty_commit(&t);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 5 * 8192);
	tb_check(&t);

	/* Without snapshots: "gone" is hidden at upper, so all of it goes, akey record too. */
	st = agg_all(t.tb_cont, NULL, 0, 9);
	assert_int_equal(st.as_sv_dropped, 3); /* sv 3, 7; gone 2 */
	assert_int_equal(st.as_punch_dropped, 1);
	assert_int_equal(st.as_akey_dropped, 1);
	check_sv(t.tb_cont, oid, 9, "dk", "sv", v[9], 8192);
	check_sv(t.tb_cont, oid, 100, "dk", "sv", v[10], 8192);
	/* Again: nothing more to do. */
	st = agg_all(t.tb_cont, NULL, 0, 9);
	assert_int_equal(st.as_sv_dropped + st.as_punch_dropped + st.as_akey_dropped, 0);
	tb_empty_commit(&t);
	tb_query(&t, &pi, NULL);
	assert_int_equal(pi.pi_nvme_used, 2 * 8192);
	tb_check(&t);

	/* Arrays: a blob extent fully covered by newer ones goes; a partly covered one stays. */
	{
		static uint8_t d1[20000], d2[20000], d3[20000];

		pattern(d1, sizeof(d1), 11);
		pattern(d2, sizeof(d2), 12);
		pattern(d3, sizeof(d3), 13);
		assert_int_equal(put_ar(t.tb_cont, oid, 20, "dk", "arr", 1, 0, 10000, d1), 0);
		assert_int_equal(put_ar(t.tb_cont, oid, 21, "dk", "arr", 1, 0, 20000, d2), 0);
		assert_int_equal(put_ar(t.tb_cont, oid, 22, "dk", "arr", 1, 15000, 5000, d3), 0);
		/* A hole over [100, 200) at 23 and data under it at 21 only. */
		assert_int_equal(put_ar(t.tb_cont, oid, 23, "dk", "arr", 1, 100, 100, NULL), 0);
		st = agg_all(t.tb_cont, NULL, 0, 30);
		/* d1 (covered by d2) goes; d2, d3 and the hole (hides d2) stay. */
		assert_int_equal(st.as_ext_dropped, 1);
		assert_int_equal(get_ar(t.tb_cont, oid, 30, "dk", "arr", 1, 0, 20000, back), 0);
		assert_memory_equal(back, d2, 100);
		for (int i = 100; i < 200; i++)
			assert_int_equal(back[i], 0);
		assert_memory_equal(back + 200, d2 + 200, 14800);
		assert_memory_equal(back + 15000, d3, 5000);
		tb_empty_commit(&t);
		tb_check(&t);
	}
	tb_destroy(&t);
}

/* ---- VOSB09 ---- */

/* VOSB09: aggregation is bounded and resumable: budget 1 gives the result of one pass; bad arguments are refused */
static void
vosb09_aggregate_steps(void **state)
{
	struct vos_agg_anchor an = VOS_AGG_ANCHOR_INIT;
	struct vos_agg_stats  st = {0};
	struct vos_cont      *c2;
	uuid_t                cu2;
	struct tb             t;
	daos_epoch_t          snap = 4;
	uint8_t               val[64];
	int                   calls = 0;
	int                   rc;

	(void)state;
	tb_create(&t, 8 * MiB, 16 * MiB);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	for (int o = 0; o < 3; o++)
		for (int a = 0; a < 5; a++)
			for (int e = 1; e <= 6; e++) {
				char ak[8];

				snprintf(ak, sizeof(ak), "a%d", a);
				pattern(val, sizeof(val), (uint64_t)(o * 100 + a * 10 + e));
				assert_int_equal(put_sv(t.tb_cont, oid_of(10 + (uint64_t)o),
							(daos_epoch_t)e, "dk", ak, val, 64), 0);
			}
	assert_int_equal(vos_tx_commit(t.tb_pool), 0);

	/* Argument checks. */
	assert_int_equal(vos_aggregate(NULL, NULL, 0, 5, &an, 1, &st), -DER_INVAL);
	assert_int_equal(vos_aggregate(t.tb_cont, NULL, 0, 5, NULL, 1, &st), -DER_INVAL);
	assert_int_equal(vos_aggregate(t.tb_cont, NULL, 0, 5, &an, 0, &st), -DER_INVAL);
	assert_int_equal(vos_aggregate(t.tb_cont, NULL, 0, 0, &an, 1, &st), -DER_INVAL);
	assert_int_equal(vos_aggregate(t.tb_cont, NULL, 0, DAOS_EPOCH_MAX, &an, 1, &st),
			 -DER_INVAL);
	assert_int_equal(vos_aggregate(t.tb_cont, NULL, 1, 5, &an, 1, &st), -DER_INVAL);
	assert_int_equal(vos_aggregate(t.tb_cont, &snap, VOS_AGG_SNAP_MAX + 1, 5, &an, 1, &st),
			 -DER_INVAL);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(vos_aggregate(t.tb_cont, &snap, 1, 5, &an, 1, &st), -DER_BUSY);
	vos_tx_abort(t.tb_pool);

	while ((rc = vos_aggregate(t.tb_cont, &snap, 1, 5, &an, 1, &st)) == 0)
		calls++;
	assert_int_equal(rc, 1);
	/* 15 akeys of 6 versions: one unit per call, and more than one call per akey. */
	assert_true(calls >= 15 * 6);
	/* Per akey: 4 (snapshot) and 5 (upper) and 6 (newer) stay; 1, 2, 3 go. */
	assert_int_equal(st.as_sv_dropped, 15 * 3);
	assert_true(st.as_examined >= 15 * 7);
	/* Done stays done. */
	assert_int_equal(vos_aggregate(t.tb_cont, &snap, 1, 5, &an, 1, &st), 1);
	for (int o = 0; o < 3; o++)
		for (int a = 0; a < 5; a++) {
			char ak[8];

			snprintf(ak, sizeof(ak), "a%d", a);
			for (int e = 4; e <= 6; e++) {
				pattern(val, sizeof(val), (uint64_t)(o * 100 + a * 10 + e));
				check_sv(t.tb_cont, oid_of(10 + (uint64_t)o), (daos_epoch_t)e, "dk", ak,
					 val, 64);
			}
		}
	/* An anchor belongs to its container. */
	uuid_generate(cu2);
	assert_int_equal(vos_cont_create(t.tb_pool, cu2), 0);
	assert_int_equal(vos_cont_open(t.tb_pool, cu2, &c2), 0);
	memset(&an, 0, sizeof(an));
	assert_int_equal(vos_aggregate(t.tb_cont, NULL, 0, 5, &an, 1, &st), 0);
	assert_int_equal(vos_aggregate(c2, NULL, 0, 5, &an, 1, &st), -DER_INVAL);
	memset(&an, 0, sizeof(an));
	assert_int_equal(vos_aggregate(c2, NULL, 0, 5, &an, 1, &st), 1); /* empty container */
	vos_cont_close(c2);
	tb_check(&t);
	tb_destroy(&t);
}

/* ---- VOSB10 ---- */

struct hook_state {
	struct tb *hs_tb;
	int        hs_calls;
	uint64_t   hs_flushes;
};

static void
hook_fn(void *arg)
{
	struct hook_state  *hs = arg;
	struct bio_counters c;

	hs->hs_calls++;
	bio_dev_counters(hs->hs_tb->tb_dev, &c);
	hs->hs_flushes = c.bc_flush_ops;
}

/* VOSB10: the commit hook runs after the one blob flush and before the index commit (T5) */
static void
vosb10_commit_hook(void **state)
{
	struct hook_state   hs  = {0};
	struct bio_counters c0;
	struct bio_counters c1;
	struct tb           t;
	daos_obj_id_t       oid = oid_of(8);
	uint8_t            *val = NULL;
	uint8_t             back[64];
	size_t              size;

	(void)state;
	assert_int_equal(posix_memalign((void **)&val, 4096, 3 * MiB + 4096), 0);
	pattern(val, 3 * MiB + 4096, 10);
	hs.hs_tb = &t;
	tb_create(&t, 16 * MiB, 16 * MiB);
	vos_commit_hook_set(t.tb_pool, hook_fn, &hs);
	bio_dev_counters(t.tb_dev, &c0);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	/* Misaligned: copied and written in VOS_STAGE_PIECE pieces (12), asynchronously. */
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "a", val + 1, 3 * MiB), 0);
	assert_int_equal(put_sv(t.tb_cont, oid, 1, "dk", "b", val, 5000), 0);
	assert_int_equal(put_ar(t.tb_cont, oid, 1, "dk", "c", 1, 0, 100000, val), 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), 0);
	bio_dev_counters(t.tb_dev, &c1);
	assert_int_equal(hs.hs_calls, 1);
	/* One flush for the whole batch, done by the time the hook runs. */
	assert_int_equal(c1.bc_flush_ops - c0.bc_flush_ops, 1);
	assert_int_equal(hs.hs_flushes, c1.bc_flush_ops);
	assert_int_equal(c1.bc_write_ops - c0.bc_write_ops, 3 * MiB / VOS_STAGE_PIECE + 2);
	check_sv(t.tb_cont, oid, 1, "dk", "a", val + 1, 3 * MiB);
	/* A batch without blob data: the hook runs, no flush. */
	assert_int_equal(put_sv(t.tb_cont, oid, 2, "dk", "d", val, 10), 0);
	bio_dev_counters(t.tb_dev, &c0);
	assert_int_equal(c0.bc_flush_ops, c1.bc_flush_ops);
	assert_int_equal(hs.hs_calls, 2);
	vos_commit_hook_set(t.tb_pool, NULL, NULL);
	assert_int_equal(put_sv(t.tb_cont, oid, 3, "dk", "d", val, 10), 0);
	assert_int_equal(hs.hs_calls, 2);
	assert_int_equal(get_sv(t.tb_cont, oid, 3, "dk", "d", back, sizeof(back), &size), 0);
	assert_int_equal(size, 10);
	tb_check(&t);
	tb_destroy(&t);
	free(val);
}

/* ---- VOSB11 ---- */

/* One iov (put_sv splits in three, which would not stay aligned). */
static int
put_sv1(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *ak,
	const uint8_t *buf, size_t len)
{
	daos_key_t  dkey = key_of("dk");
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_SINGLE,
			    .iod_size = len, .iod_nr = 1};
	d_iov_t     iov;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};

	d_iov_set(&iov, (void *)buf, len);
	return vos_obj_update(c, oid, e, &dkey, 1, &iod, &sgl);
}

/* Fetches a single value into one buffer of capacity cap. */
static int
get_sv1(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *ak, uint8_t *buf,
	size_t cap, size_t *size)
{
	daos_key_t  dkey = key_of("dk");
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_SINGLE,
			    .iod_size = DAOS_REC_ANY, .iod_nr = 1};
	d_iov_t     iov  = {.iov_buf = buf, .iov_buf_len = cap};
	d_sg_list_t sgl  = {.sg_nr = 1, .sg_iovs = &iov};
	int         rc;

	rc    = vos_obj_fetch(c, oid, e, &dkey, 1, &iod, &sgl);
	*size = iod.iod_size;
	if (rc == 0)
		assert_int_equal(iov.iov_len, iod.iod_size);
	return rc;
}

/* VOSB11: large values in aligned buffers are written and read without a copy: one write, a staged tail block, per-chunk array checksums; a failure fails the update */
static void
vosb11_zero_copy(void **state)
{
	struct bio_counters c0;
	struct bio_counters c1;
	struct tb           t;
	daos_obj_id_t       oid = oid_of(9);
	uint8_t            *val = NULL;
	uint8_t            *back;

	(void)state;
	assert_int_equal(posix_memalign((void **)&val, 4096, 4 * MiB), 0);
	back = malloc(4 * MiB);
	assert_non_null(back);
	pattern(val, 4 * MiB, 11);
	tb_create(&t, 32 * MiB, 16 * MiB);

	/* Exactly aligned: one write of 1 MiB; with a tail: one write (data + tail block). */
	bio_dev_counters(t.tb_dev, &c0);
	assert_int_equal(put_sv1(t.tb_cont, oid, 1, "a", val, MiB), 0);
	assert_int_equal(put_sv1(t.tb_cont, oid, 1, "b", val, 3 * MiB + 100), 0);
	bio_dev_counters(t.tb_dev, &c1);
	assert_int_equal(c1.bc_write_ops - c0.bc_write_ops, 2);
	check_sv(t.tb_cont, oid, 1, "dk", "a", val, MiB);
	check_sv(t.tb_cont, oid, 1, "dk", "b", val, 3 * MiB + 100);
	/* Read back into one aligned buffer: straight into it, the tail through the bounce. */
	{
		uint8_t *rb = NULL;
		size_t   size;

		assert_int_equal(posix_memalign((void **)&rb, 4096, 4 * MiB), 0);
		memset(rb, 0xee, 4 * MiB);
		assert_int_equal(get_sv1(t.tb_cont, oid, 1, "b", rb, 4 * MiB, &size), 0);
		assert_int_equal(size, 3 * MiB + 100);
		assert_memory_equal(rb, val, 3 * MiB + 100);
		assert_int_equal(rb[3 * MiB + 100], 0xee); /* nothing past the value */
		assert_int_equal(get_sv1(t.tb_cont, oid, 1, "a", rb, MiB, &size), 0);
		assert_memory_equal(rb, val, MiB);
		/* Too small a buffer: REC2BIG, nothing read. */
		assert_int_equal(get_sv1(t.tb_cont, oid, 1, "b", rb, 3 * MiB, &size),
				 -DER_REC2BIG);
		/* Corruption is caught on this path too. */
		flip_dev_byte(t.tb_dpath, value_dev_off(&t, oid, 1, "dk", "b", 0, NULL) + 12345);
		assert_int_equal(get_sv1(t.tb_cont, oid, 1, "b", rb, 4 * MiB, &size), -DER_CSUM);
		flip_dev_byte(t.tb_dpath, value_dev_off(&t, oid, 1, "dk", "b", 0, NULL) + 12345);
		assert_int_equal(get_sv1(t.tb_cont, oid, 1, "b", rb, 4 * MiB, &size), 0);
		free(rb);
	}
	/* The caller's buffer is free on return: changing it changes nothing stored. */
	pattern(val, MiB, 12);
	assert_int_equal(put_sv1(t.tb_cont, oid, 2, "a", val, MiB), 0);
	memset(val, 0, MiB);
	pattern(back, MiB, 12);
	check_sv(t.tb_cont, oid, 2, "dk", "a", back, MiB);
	pattern(val, 4 * MiB, 11);
	/* Below VOS_ZC_MIN: copied even when aligned (one piece, one write). */
	bio_dev_counters(t.tb_dev, &c0);
	assert_int_equal(put_sv1(t.tb_cont, oid, 1, "c", val, VOS_ZC_MIN - 4096), 0);
	bio_dev_counters(t.tb_dev, &c1);
	assert_int_equal(c1.bc_write_ops - c0.bc_write_ops, 1);
	check_sv(t.tb_cont, oid, 1, "dk", "c", val, VOS_ZC_MIN - 4096);

	/* An array of 2 MiB + 3 one-byte records: two 1 MiB chunks without copy, a copied tail. */
	bio_dev_counters(t.tb_dev, &c0);
	assert_int_equal(put_ar(t.tb_cont, oid, 3, "dk", "arr", 1, 0, 2 * MiB + 3, val), 0);
	bio_dev_counters(t.tb_dev, &c1);
	assert_int_equal(c1.bc_write_ops - c0.bc_write_ops, 3);
	assert_int_equal(get_ar(t.tb_cont, oid, 3, "dk", "arr", 1, 0, 2 * MiB + 3, back), 0);
	assert_memory_equal(back, val, 2 * MiB + 3);
	assert_int_equal(get_ar(t.tb_cont, oid, 3, "dk", "arr", 1, MiB - 5, 40000, back), 0);
	assert_memory_equal(back, val + MiB - 5, 40000);
	/* Chunk checksums were computed on the caller's memory: a flipped byte is caught. */
	flip_dev_byte(t.tb_dpath, value_dev_off(&t, oid, 3, "dk", "arr", MiB, NULL) + 70000);
	assert_int_equal(get_ar(t.tb_cont, oid, 3, "dk", "arr", 1, MiB + 69999, 2, back),
			 -DER_CSUM);
	assert_int_equal(get_ar(t.tb_cont, oid, 3, "dk", "arr", 1, MiB, 65536, back), 0);
	tb_check(&t);

	/* A failed zero-copy write fails the update itself, and the pool. */
	assert_int_equal(bio_fault_inject(t.tb_dev, BIO_OP_WRITE, 1), 0);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(put_sv1(t.tb_cont, oid, 4, "a", val, MiB), -DER_NVME_IO);
	assert_int_equal(vos_tx_commit(t.tb_pool), -DER_NVME_IO);
	assert_int_equal(put_sv1(t.tb_cont, oid, 4, "z", val, 10), -DER_IO);
	pattern(back, MiB, 12);
	check_sv(t.tb_cont, oid, 4, "dk", "a", back, MiB); /* still epoch 2's */
	tb_close(&t);
	tb_dev_close(&t);
	tb_dev_open(&t);
	tb_open(&t);
	tb_check(&t);
	pattern(back, MiB, 12);
	check_sv(t.tb_cont, oid, 4, "dk", "a", back, MiB);
	tb_destroy(&t);
	free(val);
	free(back);
}

/* ---- Asynchronous fetch (vos_fetch.c F1-F3) ---- */

struct afetch {
	daos_key_t  af_dkey;
	daos_iod_t  af_iod;
	daos_recx_t af_recx;
	d_iov_t     af_iov;
	d_sg_list_t af_sgl;
	int         af_rc;
	int         af_calls;
};

static void
afetch_cb(void *arg, int rc)
{
	struct afetch *af = arg;

	af->af_rc = rc;
	af->af_calls++;
}

/* Starts the fetch of single value ak of "dk" (epoch e) into buf. */
static int
afetch_sv(struct tb *t, struct afetch *af, daos_obj_id_t oid, daos_epoch_t e, const char *ak,
	  uint8_t *buf, size_t cap)
{
	memset(af, 0, sizeof(*af));
	af->af_dkey = key_of("dk");
	af->af_iod  = (daos_iod_t){.iod_name = key_of(ak), .iod_type = DAOS_IOD_SINGLE,
				   .iod_size = DAOS_REC_ANY, .iod_nr = 1};
	af->af_iov  = (d_iov_t){.iov_buf = buf, .iov_buf_len = cap};
	af->af_sgl  = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &af->af_iov};
	return vos_obj_fetch_begin(t->tb_cont, oid, e, &af->af_dkey, 1, &af->af_iod, &af->af_sgl,
				   afetch_cb, af);
}

/* Polls the ring until every fetch of the pool completed. */
static void
afetch_wait(struct tb *t)
{
	vos_pool_drain_reads(t->tb_pool);
	assert_int_equal(t->tb_pool->vp_reads_inflight, 0);
}

static void
vosb12_fetch_async(void **state)
{
	struct tb     t;
	daos_obj_id_t oid = oid_of(12);
	struct afetch af[8];
	struct afetch ar;
	struct afetch in;
	uint8_t      *val = NULL;
	uint8_t      *rb  = NULL;
	uint8_t      *ub;
	char          ak[8][4];
	uint64_t      pend;

	(void)state;
	assert_int_equal(posix_memalign((void **)&val, 4096, 8 * MiB), 0);
	assert_int_equal(posix_memalign((void **)&rb, 4096, 8 * MiB), 0);
	ub = malloc(2 * MiB + 64);
	assert_non_null(ub);
	pattern(val, 8 * MiB, 12);
	tb_create(&t, 64 * MiB, 16 * MiB);
	for (int i = 0; i < 8; i++) {
		snprintf(ak[i], sizeof(ak[i]), "v%d", i);
		assert_int_equal(put_sv1(t.tb_cont, oid, 1, ak[i], val + i * MiB, MiB), 0);
	}
	assert_int_equal(put_sv1(t.tb_cont, oid, 1, "small", val, 100), 0);
	assert_int_equal(put_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 0, 2 * MiB + 3, val), 0);

	/* Eight 1 MiB values in flight at once, straight into an aligned buffer each. */
	memset(rb, 0xee, 8 * MiB);
	for (int i = 0; i < 8; i++)
		assert_int_equal(afetch_sv(&t, &af[i], oid, 1, ak[i], rb + i * MiB, MiB),
				 VOS_FETCH_PENDING);
	assert_int_equal(t.tb_pool->vp_reads_inflight, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(af[i].af_calls, 0); /* only a ring poll runs callbacks */
		assert_int_equal(af[i].af_iod.iod_size, MiB);
	}
	/* An array read into an unaligned buffer goes through bounce memory. */
	memset(&ar, 0, sizeof(ar));
	ar.af_dkey = key_of("dk");
	ar.af_recx = (daos_recx_t){.rx_idx = 5, .rx_nr = 2 * MiB - 2};
	ar.af_iod  = (daos_iod_t){.iod_name = key_of("arr"), .iod_type = DAOS_IOD_ARRAY,
				  .iod_size = 1, .iod_nr = 1, .iod_recxs = &ar.af_recx};
	ar.af_iov  = (d_iov_t){.iov_buf = ub + 1, .iov_buf_len = 2 * MiB - 2};
	ar.af_sgl  = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &ar.af_iov};
	assert_int_equal(vos_obj_fetch_begin(t.tb_cont, oid, 1, &ar.af_dkey, 1, &ar.af_iod,
					     &ar.af_sgl, afetch_cb, &ar),
			 VOS_FETCH_PENDING);
	/* Inline data needs no read: complete on return, the callback never runs. */
	assert_int_equal(afetch_sv(&t, &in, oid, 1, "small", ub, 4096), 0);
	assert_int_equal(in.af_iod.iod_size, 100);
	assert_memory_equal(ub, val, 100);

	/* F1: an extent freed while reads are in flight is not reusable yet (an inline
	 * replacement: a blob write would poll the ring and so complete the reads). */
	assert_int_equal(t.tb_pool->vp_reads_inflight, 9);
	assert_int_equal(put_sv1(t.tb_cont, oid, 1, ak[0], val, 100), 0); /* replaces v0 */
	tb_empty_commit(&t);
	assert_int_equal(t.tb_pool->vp_reads_inflight, 9);
	pend = t.tb_pool->vp_pend_nr;
	assert_true(pend > 0);
	afetch_wait(&t);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(af[i].af_calls, 1);
		assert_int_equal(af[i].af_rc, 0);
		assert_int_equal(af[i].af_iov.iov_len, MiB);
	}
	assert_memory_equal(rb, val, 8 * MiB); /* v0 as of the fetch's start */
	assert_int_equal(ar.af_calls, 1);
	assert_int_equal(ar.af_rc, 0);
	assert_memory_equal(ub + 1, val + 5, 2 * MiB - 2);
	assert_int_equal(in.af_calls, 0);
	tb_empty_commit(&t);
	assert_true(t.tb_pool->vp_pend_nr < pend);
	tb_check(&t);

	/* ... while an extent freed before every fetch in flight started is released. */
	assert_int_equal(put_sv1(t.tb_cont, oid, 1, ak[1], val, 100), 0); /* frees v1's extent */
	pend = t.tb_pool->vp_pend_nr;
	assert_true(pend > 0);
	assert_int_equal(afetch_sv(&t, &af[0], oid, 1, ak[2], rb, MiB), VOS_FETCH_PENDING);
	tb_empty_commit(&t);
	assert_int_equal(t.tb_pool->vp_reads_inflight, 1);
	assert_true(t.tb_pool->vp_pend_nr < pend);
	afetch_wait(&t);
	assert_int_equal(af[0].af_rc, 0);
	assert_memory_equal(rb, val + 2 * MiB, MiB);
	tb_check(&t);

	/* Corruption and device errors reach the callback. */
	flip_dev_byte(t.tb_dpath, value_dev_off(&t, oid, 1, "dk", ak[3], 0, NULL) + 777);
	assert_int_equal(afetch_sv(&t, &af[0], oid, 1, ak[3], rb, MiB), VOS_FETCH_PENDING);
	afetch_wait(&t);
	assert_int_equal(af[0].af_calls, 1);
	assert_int_equal(af[0].af_rc, -DER_CSUM);
	flip_dev_byte(t.tb_dpath, value_dev_off(&t, oid, 1, "dk", ak[3], 0, NULL) + 777);
	assert_int_equal(bio_fault_inject(t.tb_dev, BIO_OP_READ, 1), 0);
	assert_int_equal(afetch_sv(&t, &af[1], oid, 1, ak[4], rb, MiB), VOS_FETCH_PENDING);
	afetch_wait(&t);
	assert_int_equal(af[1].af_rc, -DER_NVME_IO);
	assert_int_equal(afetch_sv(&t, &af[2], oid, 1, ak[4], rb, MiB), VOS_FETCH_PENDING);
	afetch_wait(&t);
	assert_int_equal(af[2].af_rc, 0);
	assert_memory_equal(rb, val + 4 * MiB, MiB);

	/* Bad arguments are refused at once; too small a buffer: REC2BIG, sizes reported. */
	assert_int_equal(vos_obj_fetch_begin(t.tb_cont, oid, 1, &af[0].af_dkey, 1, &af[0].af_iod,
					     &af[0].af_sgl, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(afetch_sv(&t, &af[3], oid, 1, ak[5], rb, MiB - 1), -DER_REC2BIG);
	assert_int_equal(af[3].af_iod.iod_size, MiB);
	assert_int_equal(af[3].af_calls, 0);

	/* Closing the pool waits for the reads in flight and runs their callbacks. */
	assert_int_equal(afetch_sv(&t, &af[4], oid, 1, ak[6], rb, MiB), VOS_FETCH_PENDING);
	tb_close(&t);
	assert_int_equal(af[4].af_calls, 1);
	assert_int_equal(af[4].af_rc, 0);
	assert_memory_equal(rb, val + 6 * MiB, MiB);
	tb_destroy(&t);
	free(val);
	free(rb);
	free(ub);
}

/* Buffer hold (B7): zero-copy writes run on after the update, the commit waits for them. */
static void
vosb13_buffer_hold(void **state)
{
	struct tb     t;
	daos_obj_id_t oid = oid_of(13);
	uint8_t      *val = NULL;
	uint8_t      *keep;

	(void)state;
	assert_int_equal(posix_memalign((void **)&val, 4096, 4 * MiB), 0);
	keep = malloc(4 * MiB);
	assert_non_null(keep);
	pattern(val, 4 * MiB, 13);
	memcpy(keep, val, 4 * MiB);
	tb_create(&t, 32 * MiB, 16 * MiB);
	vos_pool_set_buffer_hold(t.tb_pool, true);

	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(put_sv1(t.tb_cont, oid, 1, "a", val, 3 * MiB + 100), 0);
	assert_int_equal(put_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 0, 2 * MiB, val), 0);
	/* Still in flight after the updates returned (only a ring poll completes them). */
	assert_true(t.tb_pool->vp_stage.st_zc_inflight > 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), 0);
	assert_int_equal(t.tb_pool->vp_stage.st_zc_inflight, 0);
	memset(val, 0, 4 * MiB); /* free again after the commit */
	check_sv(t.tb_cont, oid, 1, "dk", "a", keep, 3 * MiB + 100);
	{
		uint8_t *back = malloc(2 * MiB);

		assert_non_null(back);
		assert_int_equal(get_ar(t.tb_cont, oid, 1, "dk", "arr", 1, 0, 2 * MiB, back), 0);
		assert_memory_equal(back, keep, 2 * MiB);
		free(back);
	}
	tb_check(&t);

	/* A failed held write fails the commit of its batch; the earlier data stays. */
	memcpy(val, keep, 4 * MiB);
	assert_int_equal(bio_fault_inject(t.tb_dev, BIO_OP_WRITE, 1), 0);
	assert_int_equal(vos_tx_begin(t.tb_pool), 0);
	assert_int_equal(put_sv1(t.tb_cont, oid, 2, "a", val + 4096, MiB), 0);
	assert_int_equal(vos_tx_commit(t.tb_pool), -DER_NVME_IO);
	assert_int_equal(t.tb_pool->vp_stage.st_zc_inflight, 0);
	check_sv(t.tb_cont, oid, 2, "dk", "a", keep, 3 * MiB + 100); /* still epoch 1's */
	tb_close(&t);
	tb_dev_close(&t);
	tb_dev_open(&t);
	tb_open(&t);
	tb_check(&t);
	check_sv(t.tb_cont, oid, 2, "dk", "a", keep, 3 * MiB + 100);
	tb_destroy(&t);
	free(val);
	free(keep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(vosb01_bind, tdir_teardown),
	    cmocka_unit_test_teardown(vosb02_round_trips, tdir_teardown),
	    cmocka_unit_test_teardown(vosb03_overwrite_frees, tdir_teardown),
	    cmocka_unit_test_teardown(vosb04_blob_full, tdir_teardown),
	    cmocka_unit_test_teardown(vosb05_checksum, tdir_teardown),
	    cmocka_unit_test_teardown(vosb06_device_faults, tdir_teardown),
	    cmocka_unit_test_teardown(vosb07_check_finds_damage, tdir_teardown),
	    cmocka_unit_test_teardown(vosb08_aggregate, tdir_teardown),
	    cmocka_unit_test_teardown(vosb09_aggregate_steps, tdir_teardown),
	    cmocka_unit_test_teardown(vosb10_commit_hook, tdir_teardown),
	    cmocka_unit_test_teardown(vosb11_zero_copy, tdir_teardown),
	    cmocka_unit_test_teardown(vosb12_fetch_async, tdir_teardown),
	    cmocka_unit_test_teardown(vosb13_buffer_hold, tdir_teardown),
	};

	return cmocka_run_group_tests_name("vos_blob", tests, NULL, NULL);
}
