/*
 * test_vos.c: the versioned object store (src/vos): the index, values inline
 * (VOS01-VOS19), and the random model run again with a blob and with
 * aggregation at random points (VOS20, VOS21; the other blob cases are in
 * test_vos_blob.c).
 *
 * Pools live in fresh mkdtemp directories under /tmp and /var/tmp (ext4);
 * every test removes what it created (the teardown removes what a failed
 * assertion left). Invariant and visibility numbers (V1..V5, T2, C2, S1,
 * N1...) refer to vos.h and the file comments of src/vos. Raw LMDB edits of
 * the records use the layout in vos_internal.h.
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
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "vos/vos.h"
#include "vos/vos_internal.h"

#define MiB (1ULL << 20)
#define KiB (1ULL << 10)

/* ---- Scratch directories ---- */

#define TDIR_MAX 4
static char g_tdirs[TDIR_MAX][96];

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

/* A new scratch directory under `base`. */
static const char *
tdir_new(const char *base)
{
	for (int i = 0; i < TDIR_MAX; i++) {
		if (g_tdirs[i][0] != '\0')
			continue;
		snprintf(g_tdirs[i], sizeof(g_tdirs[i]), "%s/test_vos.XXXXXX", base);
		assert_non_null(mkdtemp(g_tdirs[i]));
		return g_tdirs[i];
	}
	fail_msg("too many scratch directories");
	return NULL;
}

static int
tdirs_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < TDIR_MAX; i++) {
		if (g_tdirs[i][0] == '\0')
			continue;
		tree_remove(g_tdirs[i]);
		g_tdirs[i][0] = '\0';
	}
	return 0;
}

/* ---- A pool with one open container ---- */

struct tpool {
	char             tp_dir[128];
	uuid_t           tp_uuid;
	uuid_t           tp_cuuid;
	struct vos_pool *tp_pool;
	struct vos_cont *tp_cont;
	/* With a blob (tp_ring != NULL): a file device beside the pool directory. */
	struct bio_dev  *tp_dev;
	struct bio_ring *tp_ring;
	struct bio_blob  tp_blob;
};

static void
tp_open(struct tpool *tp)
{
	assert_int_equal(vos_pool_open(tp->tp_dir, tp->tp_uuid, tp->tp_ring,
				       tp->tp_ring != NULL ? &tp->tp_blob : NULL, &tp->tp_pool), 0);
	assert_int_equal(vos_cont_open(tp->tp_pool, tp->tp_cuuid, &tp->tp_cont), 0);
}

static void
tp_close(struct tpool *tp)
{
	vos_cont_close(tp->tp_cont);
	tp->tp_cont = NULL;
	assert_int_equal(vos_pool_close(tp->tp_pool), 0);
	tp->tp_pool = NULL;
}

static void
tp_create(struct tpool *tp, const char *base, uint64_t scm)
{
	memset(tp, 0, sizeof(*tp));
	snprintf(tp->tp_dir, sizeof(tp->tp_dir), "%s/pool", tdir_new(base));
	uuid_generate(tp->tp_uuid);
	uuid_generate(tp->tp_cuuid);
	assert_int_equal(vos_pool_create(tp->tp_dir, tp->tp_uuid, scm, 0), 0);
	assert_int_equal(vos_pool_open(tp->tp_dir, tp->tp_uuid, NULL, NULL, &tp->tp_pool), 0);
	assert_int_equal(vos_cont_create(tp->tp_pool, tp->tp_cuuid), 0);
	assert_int_equal(vos_cont_open(tp->tp_pool, tp->tp_cuuid, &tp->tp_cont), 0);
}

/* Like tp_create, with a blob of `blob_size` bytes on a file device in the same directory. */
static void
tp_create_blob(struct tpool *tp, const char *base, uint64_t scm, uint64_t blob_size)
{
	const char *dir;
	char        dev[160];

	memset(tp, 0, sizeof(*tp));
	dir = tdir_new(base);
	snprintf(dev, sizeof(dev), "%s/bdev", dir);
	snprintf(tp->tp_dir, sizeof(tp->tp_dir), "%s/pool", dir);
	uuid_generate(tp->tp_uuid);
	uuid_generate(tp->tp_cuuid);
	assert_int_equal(bio_dev_create_file(dev, blob_size), 0);
	assert_int_equal(bio_dev_open(dev, BIO_DEV_FILE, 0, &tp->tp_dev), 0);
	assert_int_equal(bio_ring_create(0, 32, &tp->tp_ring), 0);
	assert_int_equal(bio_blob_init(&tp->tp_blob, tp->tp_dev, BIO_BLOB_ID_BASE, 0, blob_size), 0);
	assert_int_equal(vos_pool_create(tp->tp_dir, tp->tp_uuid, scm, 0), 0);
	assert_int_equal(vos_pool_open(tp->tp_dir, tp->tp_uuid, tp->tp_ring, &tp->tp_blob,
				       &tp->tp_pool), 0);
	assert_int_equal(vos_cont_create(tp->tp_pool, tp->tp_cuuid), 0);
	assert_int_equal(vos_cont_open(tp->tp_pool, tp->tp_cuuid, &tp->tp_cont), 0);
}

static void
tp_destroy(struct tpool *tp)
{
	if (tp->tp_pool != NULL)
		tp_close(tp);
	assert_int_equal(vos_pool_destroy(tp->tp_dir, tp->tp_uuid), 0);
	if (tp->tp_ring != NULL) {
		bio_ring_destroy(tp->tp_ring);
		bio_dev_close(tp->tp_dev);
		tp->tp_ring = NULL;
		tp->tp_dev  = NULL;
	}
}

/* ---- I/O helpers ---- */

static daos_obj_id_t
oid_of(uint64_t n)
{
	return (daos_obj_id_t){.hi = n, .lo = 0x1234};
}

static daos_key_t
key_of(const char *s)
{
	daos_key_t k;

	d_iov_set(&k, (void *)s, strlen(s));
	return k;
}

static int
put_sv(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
       const void *buf, size_t len)
{
	daos_key_t  dkey = key_of(dk);
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_SINGLE,
			    .iod_size = len, .iod_nr = 1};
	d_iov_t     iov;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};

	d_iov_set(&iov, (void *)buf, len);
	return vos_obj_update(c, oid, e, &dkey, 1, &iod, &sgl);
}

/* Fetches a single value into buf (capacity cap); *size gets iod_size. */
static int
get_sv(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
       void *buf, size_t cap, size_t *size)
{
	daos_key_t  dkey = key_of(dk);
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_SINGLE,
			    .iod_size = DAOS_REC_ANY, .iod_nr = 1};
	d_iov_t     iov  = {.iov_buf = buf, .iov_buf_len = cap, .iov_len = 0};
	d_sg_list_t sgl  = {.sg_nr = 1, .sg_iovs = &iov};
	int         rc;

	rc    = vos_obj_fetch(c, oid, e, &dkey, 1, &iod, &sgl);
	*size = iod.iod_size;
	if (rc == 0)
		assert_int_equal(iov.iov_len, iod.iod_size);
	return rc;
}

/* Expects the single value at epoch e to be exactly `want` (NULL: none). */
static void
check_sv(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
	 const char *want)
{
	char   buf[256];
	size_t size;

	assert_int_equal(get_sv(c, oid, e, dk, ak, buf, sizeof(buf), &size), 0);
	if (want == NULL) {
		assert_int_equal(size, 0);
		return;
	}
	assert_int_equal(size, strlen(want));
	assert_memory_equal(buf, want, size);
}

static int
put_ar(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, const char *ak,
       uint64_t rsize, uint64_t idx, uint64_t nr, const void *data)
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
       uint64_t rsize, uint64_t idx, uint64_t nr, void *buf, daos_size_t *size_out)
{
	daos_key_t  dkey = key_of(dk);
	daos_recx_t rx   = {.rx_idx = idx, .rx_nr = nr};
	daos_iod_t  iod  = {.iod_name = key_of(ak), .iod_type = DAOS_IOD_ARRAY,
			    .iod_size = rsize, .iod_nr = 1, .iod_recxs = &rx};
	d_iov_t     iov  = {.iov_buf = buf, .iov_buf_len = nr * rsize};
	d_sg_list_t sgl  = {.sg_nr = 1, .sg_iovs = &iov};
	int         rc;

	rc = vos_obj_fetch(c, oid, e, &dkey, 1, &iod, &sgl);
	if (size_out != NULL)
		*size_out = iod.iod_size;
	if (rc == 0) {
		assert_int_equal(iov.iov_len, nr * rsize);
		assert_int_equal(sgl.sg_nr_out, 1);
	}
	return rc;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- Raw LMDB access to a closed pool ---- */

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

/* Replaces the pool header with `len` bytes of `hdr`. */
static void
raw_put_hdr(const char *dir, const uint8_t *hdr, size_t len)
{
	struct raw r;
	MDB_val    k = {.mv_size = 4, .mv_data = "pool"};
	MDB_val    v = {.mv_size = len, .mv_data = (void *)hdr};

	raw_open(&r, dir, "hdr");
	assert_int_equal(mdb_put(r.r_txn, r.r_dbi, &k, &v, 0), 0);
	raw_close(&r);
}

static void
raw_get_hdr(const char *dir, uint8_t *hdr)
{
	struct raw r;
	MDB_val    k = {.mv_size = 4, .mv_data = "pool"};
	MDB_val    v;

	raw_open(&r, dir, "hdr");
	assert_int_equal(mdb_get(r.r_txn, r.r_dbi, &k, &v), 0);
	assert_int_equal(v.mv_size, VOS_HDR_DF_LEN);
	memcpy(hdr, v.mv_data, VOS_HDR_DF_LEN);
	raw_close(&r);
}

/* ---- VOS01 ---- */

static void
pool_lifecycle(const char *base)
{
	struct vos_pool_info info;
	struct vos_pool     *pool;
	char                 dir[128];
	uuid_t               uuid;
	struct stat          st;

	snprintf(dir, sizeof(dir), "%s/pool", tdir_new(base));
	uuid_generate(uuid);
	assert_int_equal(vos_pool_create(dir, uuid, 16 * MiB, 0), 0);
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), 0);
	assert_int_equal(vos_pool_query(pool, &info), 0);
	assert_int_equal(info.pi_df_version, VOS_POOL_DF_VERSION);
	assert_int_equal(uuid_compare(info.pi_uuid, uuid), 0);
	assert_int_equal(info.pi_cont_nr, 0);
	assert_int_equal(info.pi_scm_map, 16 * MiB);
	assert_int_equal(info.pi_scm_total, 14 * MiB); /* map minus 1/8 */
	assert_true(info.pi_scm_used > 0 && info.pi_scm_used < 256 * KiB);
	assert_int_equal(info.pi_nvme_total, 0);
	assert_int_equal(info.pi_nvme_used, 0);
	assert_int_equal(info.pi_csum_errors, 0);
	assert_int_equal(vos_pool_close(pool), 0);

	/* Reopen: the header persisted. */
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), 0);
	assert_int_equal(vos_pool_close(pool), 0);
	assert_int_equal(vos_pool_destroy(dir, uuid), 0);
	assert_int_equal(stat(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), -DER_NONEXIST);
	assert_int_equal(vos_pool_destroy(dir, uuid), -DER_NONEXIST);
}

/* VOS01: pool create, open, query, close, reopen, destroy on tmpfs-less ext4 (/tmp, /var/tmp) */
static void
vos01_pool_lifecycle(void **state)
{
	(void)state;
	pool_lifecycle("/tmp");
	pool_lifecycle("/var/tmp");
}

/* ---- VOS05 ---- */

/* VOS05: single values: every epoch between versions reads the newest at or before it (V2) */
static void
vos05_single_versions(void **state)
{
	struct tpool  tp;
	daos_obj_id_t oid = oid_of(1);
	char          buf[64];
	size_t        size;

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	assert_int_equal(put_sv(tp.tp_cont, oid, 10, "dk", "ak", "ten", 3), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 30, "dk", "ak", "thirty", 6), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 20, "dk", "ak", "twenty!", 7), 0);
	for (daos_epoch_t e = 0; e <= 40; e++) {
		const char *want = e < 10 ? NULL : e < 20 ? "ten" : e < 30 ? "twenty!" : "thirty";

		check_sv(tp.tp_cont, oid, e, "dk", "ak", want);
	}
	check_sv(tp.tp_cont, oid, DAOS_EPOCH_MAX, "dk", "ak", "thirty");
	/* Other keys are untouched. */
	check_sv(tp.tp_cont, oid, 40, "dk", "ak2", NULL);
	check_sv(tp.tp_cont, oid, 40, "dk2", "ak", NULL);
	check_sv(tp.tp_cont, oid_of(2), 40, "dk", "ak", NULL);

	/* A second write at the same epoch replaces the first. */
	assert_int_equal(put_sv(tp.tp_cont, oid, 20, "dk", "ak", "20", 2), 0);
	check_sv(tp.tp_cont, oid, 25, "dk", "ak", "20");

	/* Buffer too small: DER_REC2BIG and the size reported. */
	assert_int_equal(get_sv(tp.tp_cont, oid, 35, "dk", "ak", buf, 5, &size), -DER_REC2BIG);
	assert_int_equal(size, 6);

	/* Persisted across reopen. */
	tp_close(&tp);
	tp_open(&tp);
	check_sv(tp.tp_cont, oid, 15, "dk", "ak", "ten");
	check_sv(tp.tp_cont, oid, 25, "dk", "ak", "20");
	check_sv(tp.tp_cont, oid, 31, "dk", "ak", "thirty");
	tp_destroy(&tp);
}

/* ---- VOS02 ---- */

/* VOS02: pool arguments, existence and exclusivity, with the exact codes */
static void
vos02_pool_args(void **state)
{
	struct vos_pool *pool;
	struct vos_pool *pool2;
	const char      *base = tdir_new("/tmp");
	char             dir[128];
	char             missing[160];
	char             longdir[VOS_PATH_MAX + 16];
	uuid_t           uuid;
	uuid_t           other;
	uuid_t           null_uuid = {0};
	struct bio_blob  blob      = {0};

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pool", base);
	snprintf(missing, sizeof(missing), "%s/nodir/pool", base);
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[0]                   = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	uuid_generate(uuid);
	uuid_generate(other);

	assert_int_equal(vos_pool_create(NULL, uuid, 16 * MiB, 0), -DER_INVAL);
	assert_int_equal(vos_pool_create("", uuid, 16 * MiB, 0), -DER_INVAL);
	assert_int_equal(vos_pool_create(longdir, uuid, 16 * MiB, 0), -DER_INVAL);
	assert_int_equal(vos_pool_create(dir, NULL, 16 * MiB, 0), -DER_INVAL);
	assert_int_equal(vos_pool_create(dir, null_uuid, 16 * MiB, 0), -DER_INVAL);
	assert_int_equal(vos_pool_create(dir, uuid, VOS_SCM_SIZE_MIN - BIO_ALIGN, 0), -DER_INVAL);
	assert_int_equal(vos_pool_create(dir, uuid, VOS_SCM_SIZE_MAX + BIO_ALIGN, 0), -DER_INVAL);
	assert_int_equal(vos_pool_create(dir, uuid, 16 * MiB, 1), -DER_INVAL);
	assert_int_equal(vos_pool_create(missing, uuid, 16 * MiB, 0), -DER_NONEXIST);

	/* The size is rounded down to whole pages. */
	assert_int_equal(vos_pool_create(dir, uuid, VOS_SCM_SIZE_MIN + 100, 0), 0);
	assert_int_equal(vos_pool_create(dir, uuid, 16 * MiB, 0), -DER_EXIST);
	assert_int_equal(vos_pool_create(dir, other, 16 * MiB, 0), -DER_EXIST);

	assert_int_equal(vos_pool_open(NULL, uuid, NULL, NULL, &pool), -DER_INVAL);
	assert_int_equal(vos_pool_open(dir, NULL, NULL, NULL, &pool), -DER_INVAL);
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(vos_pool_open(dir, uuid, NULL, &blob, &pool), -DER_INVAL);
	assert_int_equal(vos_pool_open(missing, uuid, NULL, NULL, &pool), -DER_NONEXIST);
	assert_int_equal(vos_pool_open(base, uuid, NULL, NULL, &pool), -DER_NONEXIST);
	assert_int_equal(vos_pool_open(dir, other, NULL, NULL, &pool), -DER_MISMATCH);

	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), 0);
	/* One opener at a time, in this process as in any other. */
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool2), -DER_BUSY);
	assert_int_equal(vos_pool_destroy(dir, uuid), -DER_BUSY);
	assert_int_equal(vos_pool_create(dir, uuid, 16 * MiB, 0), -DER_BUSY);
	assert_int_equal(vos_pool_query(NULL, NULL), -DER_INVAL);
	assert_int_equal(vos_pool_close(NULL), -DER_INVAL);
	assert_int_equal(vos_pool_close(pool), 0);

	assert_int_equal(vos_pool_destroy(dir, NULL), -DER_INVAL);
	assert_int_equal(vos_pool_destroy(NULL, uuid), -DER_INVAL);
	assert_int_equal(vos_pool_destroy(dir, other), -DER_MISMATCH);
	assert_int_equal(vos_pool_destroy(dir, uuid), 0);
}

/* ---- VOS03 ---- */

/* VOS03: the header is checked: magic (DF_INVAL), version range (DF_INCOMPT), UUID (MISMATCH) */
static void
vos03_header(void **state)
{
	struct vos_pool *pool;
	char             dir[128];
	uuid_t           uuid;
	uint8_t          good[VOS_HDR_DF_LEN];
	uint8_t          bad[VOS_HDR_DF_LEN];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pool", tdir_new("/tmp"));
	uuid_generate(uuid);
	assert_int_equal(vos_pool_create(dir, uuid, 8 * MiB, 0), 0);
	raw_get_hdr(dir, good);
	assert_int_equal(d_get_le64(good), VOS_POOL_MAGIC);
	assert_int_equal(d_get_le32(good + 8), VOS_POOL_DF_VERSION);
	assert_memory_equal(good + 16, uuid, 16);

	/* Versions outside [MIN, MAX]. */
	memcpy(bad, good, sizeof(bad));
	d_put_le32(bad + 8, VOS_POOL_DF_VERSION_MAX + 1);
	raw_put_hdr(dir, bad, sizeof(bad));
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), -DER_DF_INCOMPT);
	d_put_le32(bad + 8, VOS_POOL_DF_VERSION_MIN - 1);
	raw_put_hdr(dir, bad, sizeof(bad));
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), -DER_DF_INCOMPT);

	/* Bad magic. */
	memcpy(bad, good, sizeof(bad));
	bad[3] ^= 0x40;
	raw_put_hdr(dir, bad, sizeof(bad));
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), -DER_DF_INVAL);
	/* ... and destroy will not remove what is not provably a VOS pool. */
	assert_int_equal(vos_pool_destroy(dir, uuid), -DER_DF_INVAL);

	/* A truncated header, an impossible field. */
	raw_put_hdr(dir, good, VOS_HDR_DF_LEN - 1);
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), -DER_DF_INVAL);
	memcpy(bad, good, sizeof(bad));
	d_put_le32(bad + 60, 0); /* next container id */
	raw_put_hdr(dir, bad, sizeof(bad));
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), -DER_DF_INVAL);

	/* The UUID in the header decides. */
	memcpy(bad, good, sizeof(bad));
	bad[20] ^= 1;
	raw_put_hdr(dir, bad, sizeof(bad));
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), -DER_MISMATCH);
	assert_int_equal(vos_pool_destroy(dir, uuid), -DER_MISMATCH);

	/* Restored, it opens again; a pool of an unsupported version can still be destroyed. */
	raw_put_hdr(dir, good, sizeof(good));
	assert_int_equal(vos_pool_open(dir, uuid, NULL, NULL, &pool), 0);
	assert_int_equal(vos_pool_close(pool), 0);
	memcpy(bad, good, sizeof(bad));
	d_put_le32(bad + 8, VOS_POOL_DF_VERSION_MAX + 1);
	raw_put_hdr(dir, bad, sizeof(bad));
	assert_int_equal(vos_pool_destroy(dir, uuid), 0);
}

/* ---- VOS04 ---- */

/* VOS04: containers: create, open, query, destroy, busy and missing, ids never reused (C1) */
static void
vos04_containers(void **state)
{
	struct vos_pool_info pinfo;
	struct vos_cont_info info;
	struct vos_cont     *c1;
	struct vos_cont     *c2;
	struct tpool         tp;
	uuid_t               cu;
	uuid_t               null_uuid = {0};
	uint32_t             id1;

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	uuid_generate(cu);
	assert_int_equal(vos_cont_create(NULL, cu), -DER_INVAL);
	assert_int_equal(vos_cont_create(tp.tp_pool, NULL), -DER_INVAL);
	assert_int_equal(vos_cont_create(tp.tp_pool, null_uuid), -DER_INVAL);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu, &c1), -DER_NONEXIST);
	assert_int_equal(vos_cont_destroy(tp.tp_pool, cu), -DER_NONEXIST);
	assert_int_equal(vos_cont_create(tp.tp_pool, cu), 0);
	assert_int_equal(vos_cont_create(tp.tp_pool, cu), -DER_EXIST);
	assert_int_equal(vos_pool_query(tp.tp_pool, &pinfo), 0);
	assert_int_equal(pinfo.pi_cont_nr, 2);

	assert_int_equal(vos_cont_open(tp.tp_pool, cu, NULL), -DER_INVAL);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu, &c1), 0);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu, &c2), 0);
	assert_ptr_equal(c1, c2);
	assert_int_equal(vos_cont_query(c1, &info), 0);
	assert_int_equal(uuid_compare(info.ci_uuid, cu), 0);
	assert_int_equal(info.ci_scm_used, 0);
	assert_int_equal(info.ci_obj_nr, 0);
	id1 = info.ci_id;

	assert_int_equal(put_sv(c1, oid_of(1), 5, "d", "a", "value", 5), 0);
	assert_int_equal(put_sv(c1, oid_of(2), 5, "d", "a", "value", 5), 0);
	assert_int_equal(vos_cont_query(c1, &info), 0);
	assert_int_equal(info.ci_obj_nr, 2);
	assert_true(info.ci_scm_used > 2 * 5);

	/* Open handles and an open batch keep it. */
	assert_int_equal(vos_cont_destroy(tp.tp_pool, cu), -DER_BUSY);
	vos_cont_close(c2);
	assert_int_equal(vos_cont_destroy(tp.tp_pool, cu), -DER_BUSY);
	vos_cont_close(c1);
	assert_int_equal(vos_tx_begin(tp.tp_pool), 0);
	assert_int_equal(vos_cont_destroy(tp.tp_pool, cu), -DER_BUSY);
	assert_int_equal(vos_cont_create(tp.tp_pool, cu), -DER_BUSY);
	vos_tx_abort(tp.tp_pool);
	/* A pool with open containers does not close. */
	assert_int_equal(vos_pool_close(tp.tp_pool), -DER_BUSY);

	assert_int_equal(vos_cont_destroy(tp.tp_pool, cu), 0);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu, &c1), -DER_NONEXIST);
	assert_int_equal(vos_cont_destroy(tp.tp_pool, cu), -DER_NONEXIST);

	/* Recreated: empty, with a new id. */
	assert_int_equal(vos_cont_create(tp.tp_pool, cu), 0);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu, &c1), 0);
	assert_int_equal(vos_cont_query(c1, &info), 0);
	assert_true(info.ci_id > id1);
	assert_int_equal(info.ci_obj_nr, 0);
	assert_int_equal(info.ci_scm_used, 0);
	check_sv(c1, oid_of(1), 10, "d", "a", NULL);
	vos_cont_close(c1);
	vos_cont_close(NULL);
	assert_int_equal(vos_cont_query(NULL, &info), -DER_INVAL);
	tp_destroy(&tp);
}

/* ---- VOS06 ---- */

/* Byte model of one array: every write paints over older ones. */
#define AR_LEN 64

struct ar_write {
	daos_epoch_t aw_epoch;
	uint64_t     aw_idx;
	uint64_t     aw_nr;
	bool         aw_hole;
};

/* VOS06: five overlapping extents at different epochs, read at every epoch against a byte model (V3) */
static void
vos06_array_overlaps(void **state)
{
	/* Written in this order; epochs deliberately out of order. */
	static const struct ar_write writes[] = {
	    {.aw_epoch = 3, .aw_idx = 10, .aw_nr = 20},
	    {.aw_epoch = 1, .aw_idx = 0, .aw_nr = 40},
	    {.aw_epoch = 5, .aw_idx = 25, .aw_nr = 30},
	    {.aw_epoch = 2, .aw_idx = 5, .aw_nr = 10},
	    {.aw_epoch = 4, .aw_idx = 12, .aw_nr = 4, .aw_hole = true},
	    {.aw_epoch = 6, .aw_idx = 0, .aw_nr = 8},
	};
	const size_t  nw = sizeof(writes) / sizeof(writes[0]);
	struct tpool  tp;
	daos_obj_id_t oid = oid_of(7);
	uint8_t       model[AR_LEN];
	uint8_t       got[AR_LEN * 2];
	uint8_t       data[AR_LEN * 2];
	daos_size_t   size;

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	for (size_t w = 0; w < nw; w++) {
		for (uint64_t i = 0; i < writes[w].aw_nr * 2; i++)
			data[i] = (uint8_t)(w * 16 + i + 1);
		assert_int_equal(put_ar(tp.tp_cont, oid, writes[w].aw_epoch, "dk", "arr", 2,
					writes[w].aw_idx, writes[w].aw_nr,
					writes[w].aw_hole ? NULL : data), 0);
	}
	for (daos_epoch_t e = 0; e <= 7; e++) {
		bool any = false;

		/* Model: paint in epoch order. */
		memset(model, 0, sizeof(model));
		for (daos_epoch_t pe = 1; pe <= e; pe++) {
			for (size_t w = 0; w < nw; w++) {
				if (writes[w].aw_epoch != pe)
					continue;
				for (uint64_t i = 0; i < writes[w].aw_nr; i++) {
					uint64_t r = writes[w].aw_idx + i;

					model[r] = writes[w].aw_hole ? 0 : (uint8_t)(w * 16 + 2 * i + 1);
				}
				any |= !writes[w].aw_hole;
			}
		}
		/* Whole range, and every 7-record window, in 2-byte records. */
		memset(got, 0xEE, sizeof(got));
		assert_int_equal(get_ar(tp.tp_cont, oid, e, "dk", "arr", 2, 0, AR_LEN, got, &size),
				 0);
		assert_int_equal(size, any ? 2 : 0);
		for (uint64_t r = 0; r < AR_LEN; r++)
			assert_int_equal(got[2 * r], model[r]);
		for (uint64_t a = 0; a + 7 <= AR_LEN; a += 3) {
			assert_int_equal(get_ar(tp.tp_cont, oid, e, "dk", "arr", 2, a, 7, got, NULL),
					 0);
			for (uint64_t r = 0; r < 7; r++)
				assert_int_equal(got[2 * r], model[a + r]);
		}
	}
	tp_destroy(&tp);
}

/* VOS07: array fetch into several iovs and several extents; sizes, sg_nr_out and size queries */
static void
vos07_array_sgl(void **state)
{
	struct tpool  tp;
	daos_obj_id_t oid  = oid_of(8);
	daos_key_t    dkey = key_of("dk");
	daos_recx_t   rx[3] = {{.rx_idx = 0, .rx_nr = 5}, {.rx_idx = 100, .rx_nr = 3},
			       {.rx_idx = 2, .rx_nr = 2}};
	daos_iod_t    iod  = {.iod_name = key_of("a"), .iod_type = DAOS_IOD_ARRAY, .iod_size = 4,
			      .iod_nr = 3, .iod_recxs = rx};
	uint8_t       in[40];
	uint8_t       b1[7];
	uint8_t       b2[13];
	uint8_t       b3[30];
	uint8_t       out[40];
	d_iov_t       iovs[3];
	d_sg_list_t   sgl = {.sg_nr = 3, .sg_iovs = iovs};

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	for (int i = 0; i < 40; i++)
		in[i] = (uint8_t)(i + 1);
	/* Update from three iovs of odd sizes: 10 records = 40 bytes. */
	d_iov_set(&iovs[0], in, 7);
	d_iov_set(&iovs[1], in + 7, 13);
	d_iov_set(&iovs[2], in + 20, 20);
	assert_int_equal(vos_obj_update(tp.tp_cont, oid, 3, &dkey, 1, &iod, &sgl), 0);

	/* Fetch into three iovs with room to spare in the last. */
	memset(b1, 0, sizeof(b1));
	memset(b2, 0, sizeof(b2));
	memset(b3, 0, sizeof(b3));
	iovs[0] = (d_iov_t){.iov_buf = b1, .iov_buf_len = sizeof(b1)};
	iovs[1] = (d_iov_t){.iov_buf = b2, .iov_buf_len = sizeof(b2)};
	iovs[2] = (d_iov_t){.iov_buf = b3, .iov_buf_len = sizeof(b3)};
	assert_int_equal(vos_obj_fetch(tp.tp_cont, oid, 3, &dkey, 1, &iod, &sgl), 0);
	assert_int_equal(sgl.sg_nr_out, 3);
	assert_int_equal(iovs[0].iov_len, 7);
	assert_int_equal(iovs[1].iov_len, 13);
	assert_int_equal(iovs[2].iov_len, 20);
	assert_int_equal(iod.iod_size, 4);
	memcpy(out, b1, 7);
	memcpy(out + 7, b2, 13);
	memcpy(out + 20, b3, 20);
	/* The third extent overwrote records 2..3 at the same epoch: later wins (V3). */
	assert_memory_equal(out, in, 8);
	assert_memory_equal(out + 8, in + 32, 8);
	assert_memory_equal(out + 16, in + 16, 24);

	/* A buffer too small is refused before anything moves. */
	iovs[2].iov_buf_len = 19;
	assert_int_equal(vos_obj_fetch(tp.tp_cont, oid, 3, &dkey, 1, &iod, &sgl), -DER_REC2BIG);
	iovs[2].iov_buf_len = 30;

	/* Size query: DAOS_REC_ANY, no buffers. */
	iod.iod_size = DAOS_REC_ANY;
	assert_int_equal(vos_obj_fetch(tp.tp_cont, oid, 3, &dkey, 1, &iod, NULL), 0);
	assert_int_equal(iod.iod_size, 4);
	iod.iod_size = DAOS_REC_ANY;
	assert_int_equal(vos_obj_fetch(tp.tp_cont, oid, 2, &dkey, 1, &iod, NULL), 0);
	assert_int_equal(iod.iod_size, 0);

	/* Before the write: zeros and iod_size 0. */
	iod.iod_size = 4;
	memset(b1, 0xFF, sizeof(b1));
	assert_int_equal(vos_obj_fetch(tp.tp_cont, oid, 2, &dkey, 1, &iod, &sgl), 0);
	assert_int_equal(iod.iod_size, 0);
	assert_int_equal(iovs[0].iov_len, 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(b1[i], 0);
	tp_destroy(&tp);
}

/* VOS08: record size fixed per array, single/array fixed per akey, size limits, chunked extents */
static void
vos08_types_and_sizes(void **state)
{
	struct tpool  tp;
	daos_obj_id_t oid = oid_of(9);
	uint8_t      *big;
	uint8_t      *back;
	size_t        size;
	daos_size_t   asize;

	(void)state;
	tp_create(&tp, "/tmp", 64 * MiB);
	big  = malloc(VOS_INLINE_MAX + 1);
	back = malloc(VOS_INLINE_MAX + 1);
	assert_non_null(big);
	assert_non_null(back);
	for (size_t i = 0; i <= VOS_INLINE_MAX; i++)
		big[i] = (uint8_t)(i * 7 + i / 251);

	assert_int_equal(put_ar(tp.tp_cont, oid, 1, "d", "arr", 8, 0, 4, big), 0);
	assert_int_equal(put_ar(tp.tp_cont, oid, 2, "d", "arr", 4, 0, 4, big), -DER_REC_SIZE);
	assert_int_equal(get_ar(tp.tp_cont, oid, 2, "d", "arr", 4, 0, 4, back, NULL),
			 -DER_REC_SIZE);
	assert_int_equal(put_sv(tp.tp_cont, oid, 2, "d", "arr", "x", 1), -DER_INVAL);
	assert_int_equal(get_sv(tp.tp_cont, oid, 2, "d", "arr", back, 8, &size), -DER_INVAL);
	assert_int_equal(put_sv(tp.tp_cont, oid, 1, "d", "sv", "x", 1), 0);
	assert_int_equal(put_ar(tp.tp_cont, oid, 2, "d", "sv", 1, 0, 1, "y"), -DER_INVAL);
	assert_int_equal(get_ar(tp.tp_cont, oid, 2, "d", "sv", 1, 0, 1, back, NULL), -DER_INVAL);
	/* A punch of the array's records does not need the record size. */
	assert_int_equal(put_ar(tp.tp_cont, oid, 3, "d", "arr", 0, 1, 1, NULL), 0);

	/* The largest inline single value, and one byte more. */
	assert_int_equal(put_sv(tp.tp_cont, oid, 4, "d", "big", big, VOS_INLINE_MAX), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 4, "d", "big2", big, VOS_INLINE_MAX + 1),
			 -DER_REC2BIG);
	assert_int_equal(get_sv(tp.tp_cont, oid, 4, "d", "big", back, VOS_INLINE_MAX, &size), 0);
	assert_int_equal(size, VOS_INLINE_MAX);
	assert_memory_equal(back, big, VOS_INLINE_MAX);

	/* A 1 MiB extent of 1-byte records is stored in chunks and reads back whole. */
	assert_int_equal(put_ar(tp.tp_cont, oid, 5, "d", "bytes", 1, 1000, VOS_INLINE_MAX, big),
			 0);
	memset(back, 0, VOS_INLINE_MAX);
	assert_int_equal(get_ar(tp.tp_cont, oid, 5, "d", "bytes", 1, 1000, VOS_INLINE_MAX, back,
				&asize), 0);
	assert_int_equal(asize, 1);
	assert_memory_equal(back, big, VOS_INLINE_MAX);
	/* ... and across chunk boundaries. */
	assert_int_equal(get_ar(tp.tp_cont, oid, 5, "d", "bytes", 1, 1000 + 65530, 20, back,
				NULL), 0);
	assert_memory_equal(back, big + 65530, 20);
	free(big);
	free(back);
	tp_destroy(&tp);
}

/* ---- VOS09 ---- */

/* VOS09: punch of object, dkey, akey and array ranges at an epoch; a later write revives (V1) */
static void
vos09_punch(void **state)
{
	struct tpool  tp;
	daos_obj_id_t oid = oid_of(10);
	daos_key_t    dk  = key_of("dk");
	daos_key_t    ak  = key_of("ak");
	uint8_t       buf[16];
	daos_size_t   size;

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	assert_int_equal(put_sv(tp.tp_cont, oid, 10, "dk", "ak", "v10", 3), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 10, "dk", "other", "o10", 3), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 10, "dk2", "ak", "d2", 2), 0);

	/* akey punch at 20 hides it from 20 on; a write at the punch epoch stays hidden. */
	assert_int_equal(vos_obj_punch_akeys(tp.tp_cont, oid, 20, &dk, 1, &ak), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 20, "dk", "ak", "v20", 3), 0);
	check_sv(tp.tp_cont, oid, 19, "dk", "ak", "v10");
	check_sv(tp.tp_cont, oid, 20, "dk", "ak", NULL);
	check_sv(tp.tp_cont, oid, 25, "dk", "ak", NULL);
	check_sv(tp.tp_cont, oid, 25, "dk", "other", "o10");
	/* Revived by a later write. */
	assert_int_equal(put_sv(tp.tp_cont, oid, 30, "dk", "ak", "v30", 3), 0);
	check_sv(tp.tp_cont, oid, 29, "dk", "ak", NULL);
	check_sv(tp.tp_cont, oid, 30, "dk", "ak", "v30");

	/* dkey punch at 40. */
	assert_int_equal(vos_obj_punch_dkeys(tp.tp_cont, oid, 40, 1, &dk), 0);
	check_sv(tp.tp_cont, oid, 39, "dk", "ak", "v30");
	check_sv(tp.tp_cont, oid, 40, "dk", "ak", NULL);
	check_sv(tp.tp_cont, oid, 40, "dk", "other", NULL);
	check_sv(tp.tp_cont, oid, 40, "dk2", "ak", "d2");

	/* Object punch at 50 hides everything, revived per akey. */
	assert_int_equal(vos_obj_punch(tp.tp_cont, oid, 50), 0);
	check_sv(tp.tp_cont, oid, 49, "dk2", "ak", "d2");
	check_sv(tp.tp_cont, oid, 50, "dk2", "ak", NULL);
	assert_int_equal(put_sv(tp.tp_cont, oid, 60, "dk2", "ak", "d60", 3), 0);
	check_sv(tp.tp_cont, oid, 60, "dk2", "ak", "d60");
	check_sv(tp.tp_cont, oid, 60, "dk", "ak", NULL);

	/* A single-value update of size 0 punches the akey (V2). */
	assert_int_equal(put_sv(tp.tp_cont, oid, 70, "dk2", "ak", NULL, 0), 0);
	check_sv(tp.tp_cont, oid, 69, "dk2", "ak", "d60");
	check_sv(tp.tp_cont, oid, 70, "dk2", "ak", NULL);

	/* Array: records 2..5 punched at 12, rewritten partly at 14. */
	assert_int_equal(put_ar(tp.tp_cont, oid, 11, "dk3", "arr", 1, 0, 8, "ABCDEFGH"), 0);
	assert_int_equal(put_ar(tp.tp_cont, oid, 12, "dk3", "arr", 1, 2, 4, NULL), 0);
	assert_int_equal(put_ar(tp.tp_cont, oid, 14, "dk3", "arr", 1, 4, 1, "x"), 0);
	assert_int_equal(get_ar(tp.tp_cont, oid, 11, "dk3", "arr", 1, 0, 8, buf, &size), 0);
	assert_memory_equal(buf, "ABCDEFGH", 8);
	assert_int_equal(get_ar(tp.tp_cont, oid, 13, "dk3", "arr", 1, 0, 8, buf, &size), 0);
	assert_memory_equal(buf, "AB\0\0\0\0GH", 8);
	assert_int_equal(get_ar(tp.tp_cont, oid, 14, "dk3", "arr", 1, 0, 8, buf, &size), 0);
	assert_memory_equal(buf, "AB\0\0x\0GH", 8);
	/* Only punched records in range: zeros and iod_size 0. */
	assert_int_equal(get_ar(tp.tp_cont, oid, 13, "dk3", "arr", 1, 2, 3, buf, &size), 0);
	assert_int_equal(size, 0);
	/* An array akey punch hides the records, a later write revives. */
	ak = key_of("arr");
	dk = key_of("dk3");
	assert_int_equal(vos_obj_punch_akeys(tp.tp_cont, oid, 15, &dk, 1, &ak), 0);
	assert_int_equal(get_ar(tp.tp_cont, oid, 15, "dk3", "arr", 1, 0, 8, buf, &size), 0);
	assert_int_equal(size, 0);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(put_ar(tp.tp_cont, oid, 16, "dk3", "arr", 1, 7, 1, "z"), 0);
	assert_int_equal(get_ar(tp.tp_cont, oid, 16, "dk3", "arr", 1, 0, 8, buf, &size), 0);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0z", 8);
	/* Punching what does not exist is fine. */
	assert_int_equal(vos_obj_punch(tp.tp_cont, oid_of(999), 5), 0);
	tp_destroy(&tp);
}

/* ---- Enumeration helpers ---- */

#define LK_MAX 96

struct klist {
	int      kl_n;
	size_t   kl_len[LK_MAX];
	uint8_t  kl_key[LK_MAX][VOS_KEYS_MAX];
	uint32_t kl_type[LK_MAX];
};

/*
 * Lists every dkey (akey of dkey `dk` when not NULL) at epoch e, `per` per
 * call, into a `cap`-byte buffer split over two iovs. Each round continues
 * from a copy of the anchor in another variable (N1).
 */
static int
list_keys(struct vos_cont *c, daos_obj_id_t oid, daos_epoch_t e, const char *dk, uint32_t per,
	  size_t cap, struct klist *out, unsigned *calls)
{
	daos_anchor_t anchors[2] = {DAOS_ANCHOR_INIT, DAOS_ANCHOR_INIT};
	int           cur        = 0;
	uint8_t       buf[4096];
	daos_key_t    dkey;

	assert_true(cap <= sizeof(buf) && per <= 16);
	out->kl_n = 0;
	*calls    = 0;
	if (dk != NULL)
		dkey = key_of(dk);
	while (!daos_anchor_is_eof(&anchors[cur])) {
		daos_key_desc_t kds[16];
		d_iov_t         iovs[2] = {{.iov_buf = buf, .iov_buf_len = cap / 3},
					   {.iov_buf = buf + cap / 3, .iov_buf_len = cap - cap / 3}};
		d_sg_list_t     sgl     = {.sg_nr = 2, .sg_iovs = iovs};
		uint32_t        nr      = per;
		size_t          off     = 0;
		int             rc;

		if (dk != NULL)
			rc = vos_akey_list(c, oid, e, &dkey, &nr, kds, &sgl, &anchors[cur]);
		else
			rc = vos_dkey_list(c, oid, e, &nr, kds, &sgl, &anchors[cur]);
		if (rc != 0)
			return rc;
		assert_true(nr <= per);
		for (uint32_t i = 0; i < nr; i++) {
			assert_true(out->kl_n < LK_MAX);
			assert_true(kds[i].kd_key_len <= VOS_KEYS_MAX);
			memcpy(out->kl_key[out->kl_n], buf + off, kds[i].kd_key_len);
			out->kl_len[out->kl_n]  = kds[i].kd_key_len;
			out->kl_type[out->kl_n] = kds[i].kd_val_type;
			out->kl_n++;
			off += kds[i].kd_key_len;
		}
		assert_int_equal(iovs[0].iov_len + (sgl.sg_nr_out > 1 ? iovs[1].iov_len : 0), off);
		/* Continue from a copy. */
		memcpy(&anchors[1 - cur], &anchors[cur], sizeof(anchors[0]));
		memset(&anchors[cur], 0x5A, sizeof(anchors[0]));
		cur = 1 - cur;
		(*calls)++;
		assert_true(*calls < 10000);
	}
	return 0;
}

static int
cmp_klen(size_t la, const uint8_t *a, size_t lb, const uint8_t *b)
{
	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a, b, la);
}

/* The dkey names of VOS10: short, long, and long ones sharing the anchor's prefix. */
#define NDK 40
static void
dkey_name(int i, char *buf, size_t *len)
{
	if (i < 20) {
		*len = (size_t)snprintf(buf, 32, "dkey-%d", i * 37 % 101);
	} else if (i < 30) {
		*len = 100 + (size_t)i * 7;
		memset(buf, 'a' + i % 26, *len);
		buf[*len - 1] = (char)('0' + i % 10);
	} else {
		/* Same length (150) and same first 140 bytes: found by hash when resumed. */
		*len = 150;
		memset(buf, 'Q', *len);
		buf[145] = (char)('a' + i);
	}
}

/* ---- VOS10 ---- */

/* VOS10: dkey/akey/object enumeration: anchors, copies, small buffers, epochs, order, KEY2BIG (N1, N2, V4) */
static void
vos10_enum_keys(void **state)
{
	static struct klist kl;
	struct tpool        tp;
	daos_obj_id_t       oid = oid_of(20);
	char                names[NDK][VOS_KEYS_MAX];
	size_t              lens[NDK];
	unsigned            calls;
	daos_anchor_t       anchor = DAOS_ANCHOR_INIT;
	daos_key_desc_t     kds[4];
	uint8_t             buf[512];
	d_iov_t             iov;
	d_sg_list_t         sgl = {.sg_nr = 1, .sg_iovs = &iov};
	uint32_t            nr;

	(void)state;
	tp_create(&tp, "/tmp", 32 * MiB);
	/* dkey i written at epoch i + 1. */
	for (int i = 0; i < NDK; i++) {
		daos_key_t  dkey;
		daos_iod_t  iod = {.iod_name = key_of("a"), .iod_type = DAOS_IOD_SINGLE,
				   .iod_size = 1, .iod_nr = 1};
		d_iov_t     v;
		d_sg_list_t vs = {.sg_nr = 1, .sg_iovs = &v};

		dkey_name(i, names[i], &lens[i]);
		d_iov_set(&dkey, names[i], lens[i]);
		d_iov_set(&v, "v", 1);
		assert_int_equal(vos_obj_update(tp.tp_cont, oid, (daos_epoch_t)i + 1, &dkey, 1,
						&iod, &vs), 0);
	}
	/* Punch dkeys 0 and 25 at 100. */
	{
		daos_key_t pk[2];

		d_iov_set(&pk[0], names[0], lens[0]);
		d_iov_set(&pk[1], names[25], lens[25]);
		assert_int_equal(vos_obj_punch_dkeys(tp.tp_cont, oid, 100, 2, pk), 0);
	}

	for (daos_epoch_t e = 0; e <= 101; e += (e < 45 ? 5 : 55)) {
		for (uint32_t per = 1; per <= 7; per += 3) {
			int want = 0;
			int prev = -1;

			assert_int_equal(list_keys(tp.tp_cont, oid, e, NULL, per, 1024, &kl, &calls),
					 0);
			for (int i = 0; i < NDK; i++)
				if ((daos_epoch_t)i + 1 <= e && !(e >= 100 && (i == 0 || i == 25)))
					want++;
			assert_int_equal(kl.kl_n, want);
			for (int j = 0; j < kl.kl_n; j++) {
				int found = -1;

				for (int i = 0; i < NDK; i++)
					if (lens[i] == kl.kl_len[j] &&
					    memcmp(names[i], kl.kl_key[j], lens[i]) == 0)
						found = i;
				assert_true(found >= 0 && (daos_epoch_t)found + 1 <= e);
				/* Stable order: by length, then bytes. */
				if (prev >= 0)
					assert_true(cmp_klen(lens[prev], (uint8_t *)names[prev],
							     lens[found], (uint8_t *)names[found]) < 0);
				prev = found;
			}
			if (want > 0)
				assert_true(calls >= (unsigned)(want + per - 1) / per);
		}
	}

	/* A buffer too small for the first key: KEY2BIG with the size needed. */
	iov = (d_iov_t){.iov_buf = buf, .iov_buf_len = 3};
	nr  = 4;
	assert_int_equal(vos_dkey_list(tp.tp_cont, oid, 50, &nr, kds, &sgl, &anchor),
			 -DER_KEY2BIG);
	assert_int_equal(kds[0].kd_key_len, 6); /* "dkey-0" sorts first among length 6 */
	assert_int_equal(nr, 0);
	assert_int_equal(anchor.da_type, DAOS_ANCHOR_TYPE_ZERO);
	/* Room for exactly one key: one per call. */
	iov.iov_buf_len = 6;
	nr              = 4;
	assert_int_equal(vos_dkey_list(tp.tp_cont, oid, 50, &nr, kds, &sgl, &anchor), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(iov.iov_len, 6);
	assert_int_equal(anchor.da_type, DAOS_ANCHOR_TYPE_KEY);
	/* An anchor of another enumeration is refused. */
	nr = 4;
	iov.iov_buf_len = sizeof(buf);
	assert_int_equal(vos_akey_list(tp.tp_cont, oid, 50, &iov, &nr, kds, &sgl, &anchor),
			 -DER_INVAL);
	anchor.da_type = DAOS_ANCHOR_TYPE_HKEY;
	assert_int_equal(vos_dkey_list(tp.tp_cont, oid, 50, &nr, kds, &sgl, &anchor), -DER_INVAL);
	/* EOF returns nothing. */
	anchor.da_type = DAOS_ANCHOR_TYPE_EOF;
	nr             = 4;
	assert_int_equal(vos_dkey_list(tp.tp_cont, oid, 50, &nr, kds, &sgl, &anchor), 0);
	assert_int_equal(nr, 0);

	/* akeys: singles and arrays, types reported, an akey punch filters. */
	for (int i = 0; i < 12; i++) {
		char ak[16];

		snprintf(ak, sizeof(ak), "ak%02d", i);
		if (i % 3 == 0)
			assert_int_equal(put_ar(tp.tp_cont, oid, 10 + i, "akeys", ak, 1, 5, 2, "ab"),
					 0);
		else
			assert_int_equal(put_sv(tp.tp_cont, oid, 10 + i, "akeys", ak, "s", 1), 0);
	}
	{
		daos_key_t dk = key_of("akeys");
		daos_key_t ak = key_of("ak04");

		assert_int_equal(vos_obj_punch_akeys(tp.tp_cont, oid, 30, &dk, 1, &ak), 0);
	}
	assert_int_equal(list_keys(tp.tp_cont, oid, 29, "akeys", 2, 64, &kl, &calls), 0);
	assert_int_equal(kl.kl_n, 12);
	for (int i = 0; i < 12; i++) {
		char ak[16];

		snprintf(ak, sizeof(ak), "ak%02d", i);
		assert_int_equal(kl.kl_len[i], 4);
		assert_memory_equal(kl.kl_key[i], ak, 4);
		assert_int_equal(kl.kl_type[i], i % 3 == 0 ? DAOS_IOD_ARRAY : DAOS_IOD_SINGLE);
	}
	assert_int_equal(list_keys(tp.tp_cont, oid, 30, "akeys", 5, 64, &kl, &calls), 0);
	assert_int_equal(kl.kl_n, 11);
	assert_int_equal(list_keys(tp.tp_cont, oid, 15, "akeys", 16, 4096, &kl, &calls), 0);
	assert_int_equal(kl.kl_n, 6);
	assert_int_equal(calls, 1);

	/* Objects: 30 of them, written at epochs 1..30; some punched at 40. */
	for (uint64_t o = 0; o < 30; o++)
		assert_int_equal(put_sv(tp.tp_cont, oid_of(1000 + o * 7919 % 30), o + 1, "d", "a",
					"x", 1), 0);
	assert_int_equal(vos_obj_punch(tp.tp_cont, oid_of(1003), 40), 0);
	assert_int_equal(vos_obj_punch(tp.tp_cont, oid, 40), 0);
	for (daos_epoch_t e = 0; e <= 45; e += 15) {
		daos_anchor_t a[2] = {DAOS_ANCHOR_INIT, DAOS_ANCHOR_INIT};
		daos_obj_id_t oids[4];
		int           cur  = 0;
		int           seen = 0;
		uint64_t      last = 0;

		while (!daos_anchor_is_eof(&a[cur])) {
			nr = 3;
			assert_int_equal(vos_obj_list(tp.tp_cont, e, &nr, oids, &a[cur]), 0);
			for (uint32_t i = 0; i < nr; i++) {
				assert_true(oids[i].hi > last); /* increasing */
				last = oids[i].hi;
				assert_true(oids[i].hi != 1003 || e < 40);
				seen++;
			}
			a[1 - cur] = a[cur];
			cur        = 1 - cur;
		}
		/* oid_of(20) has data from epoch 1 until its punch at 40. */
		if (e == 0)
			assert_int_equal(seen, 0);
		else if (e < 40)
			assert_int_equal(seen, (int)(e < 30 ? e : 30) + 1);
		else
			assert_int_equal(seen, 29);
	}
	tp_destroy(&tp);
}

/* ---- VOS11 ---- */

/* VOS11: extent enumeration: visible pieces after overlaps and punches, per epoch, resumable */
static void
vos11_enum_recx(void **state)
{
	static const struct ar_write writes[] = {
	    {.aw_epoch = 2, .aw_idx = 0, .aw_nr = 50},
	    {.aw_epoch = 4, .aw_idx = 10, .aw_nr = 10},
	    {.aw_epoch = 3, .aw_idx = 15, .aw_nr = 10},
	    {.aw_epoch = 5, .aw_idx = 30, .aw_nr = 5, .aw_hole = true},
	    {.aw_epoch = 6, .aw_idx = 70, .aw_nr = 3},
	    {.aw_epoch = 6, .aw_idx = 71, .aw_nr = 1}, /* same epoch, later write wins */
	};
	const size_t  nw = sizeof(writes) / sizeof(writes[0]);
	struct tpool  tp;
	daos_obj_id_t oid  = oid_of(30);
	daos_key_t    dkey = key_of("dk");
	daos_key_t    akey = key_of("arr");
	uint8_t       data[64];

	(void)state;
	memset(data, 'd', sizeof(data));
	tp_create(&tp, "/tmp", 16 * MiB);
	for (size_t w = 0; w < nw; w++)
		assert_int_equal(put_ar(tp.tp_cont, oid, writes[w].aw_epoch, "dk", "arr", 1,
					writes[w].aw_idx, writes[w].aw_nr,
					writes[w].aw_hole ? NULL : data), 0);

	for (daos_epoch_t e = 0; e <= 7; e++) {
		/* Model: owner of each record, then runs of one owner. */
		int         owner[128];
		daos_recx_t want[32];
		daos_epoch_t want_e[32];
		int         nwant = 0;

		for (int r = 0; r < 128; r++)
			owner[r] = -1;
		for (daos_epoch_t pe = 1; pe <= e; pe++)
			for (size_t w = 0; w < nw; w++)
				if (writes[w].aw_epoch == pe)
					for (uint64_t i = 0; i < writes[w].aw_nr; i++)
						owner[writes[w].aw_idx + i] =
						    writes[w].aw_hole ? -1 : (int)w;
		for (int r = 0; r < 128; r++) {
			if (owner[r] < 0)
				continue;
			if (r > 0 && owner[r - 1] == owner[r]) {
				want[nwant - 1].rx_nr++;
				continue;
			}
			want[nwant]   = (daos_recx_t){.rx_idx = (uint64_t)r, .rx_nr = 1};
			want_e[nwant] = writes[owner[r]].aw_epoch;
			nwant++;
		}
		for (uint32_t per = 1; per <= 9; per += 8) {
			daos_anchor_t      a = DAOS_ANCHOR_INIT;
			daos_recx_t        got[16];
			daos_epoch_range_t eprs[16];
			int                ngot = 0;

			while (!daos_anchor_is_eof(&a)) {
				daos_size_t rsize = 99;
				uint32_t    nr    = per;
				daos_anchor_t copy;

				assert_int_equal(vos_recx_list(tp.tp_cont, oid, e, &dkey, &akey, &rsize,
							       &nr, got, eprs, &a), 0);
				assert_int_equal(rsize, nwant > 0 ? 1 : 0);
				for (uint32_t i = 0; i < nr; i++, ngot++) {
					assert_true(ngot < nwant);
					assert_int_equal(got[i].rx_idx, want[ngot].rx_idx);
					assert_int_equal(got[i].rx_nr, want[ngot].rx_nr);
					assert_int_equal(eprs[i].epr_lo, want_e[ngot]);
					assert_int_equal(eprs[i].epr_hi, want_e[ngot]);
				}
				copy = a;
				memset(&a, 0, sizeof(a));
				a = copy;
			}
			assert_int_equal(ngot, nwant);
		}
	}

	/* A single value lists as one extent {0, 1} with its size. */
	assert_int_equal(put_sv(tp.tp_cont, oid, 3, "dk", "sv", "hello", 5), 0);
	{
		daos_anchor_t      a     = DAOS_ANCHOR_INIT;
		daos_key_t         sk    = key_of("sv");
		daos_recx_t        rx;
		daos_epoch_range_t epr;
		daos_size_t        rsize = 0;
		uint32_t           nr    = 4;

		assert_int_equal(vos_recx_list(tp.tp_cont, oid, 9, &dkey, &sk, &rsize, &nr, &rx,
					       &epr, &a), 0);
		assert_int_equal(nr, 1);
		assert_int_equal(rsize, 5);
		assert_int_equal(rx.rx_idx, 0);
		assert_int_equal(rx.rx_nr, 1);
		assert_int_equal(epr.epr_lo, 3);
		assert_true(daos_anchor_is_eof(&a));
		memset(&a, 0, sizeof(a));
		nr = 4;
		assert_int_equal(vos_recx_list(tp.tp_cont, oid, 2, &dkey, &sk, &rsize, &nr, &rx,
					       NULL, &a), 0);
		assert_int_equal(nr, 0);
		assert_int_equal(rsize, 0);
	}

	/* A huge hole under sparse data: the walk stays short. */
	{
		uint64_t      far = 1ULL << 40;
		daos_anchor_t a   = DAOS_ANCHOR_INIT;
		daos_key_t    hk  = key_of("huge");
		daos_recx_t   got[4];
		daos_size_t   rsize;
		uint32_t      nr  = 4;
		uint64_t      t0;

		assert_int_equal(put_ar(tp.tp_cont, oid, 1, "dk", "huge", 8, 0, 1, data), 0);
		assert_int_equal(put_ar(tp.tp_cont, oid, 2, "dk", "huge", 0, 0, far * 2, NULL), 0);
		assert_int_equal(put_ar(tp.tp_cont, oid, 3, "dk", "huge", 8, far, 2, data), 0);
		assert_int_equal(put_ar(tp.tp_cont, oid, 3, "dk", "huge", 8, far * 4, 1, data), 0);
		t0 = now_ns();
		assert_int_equal(vos_recx_list(tp.tp_cont, oid, 5, &dkey, &hk, &rsize, &nr, got,
					       NULL, &a), 0);
		assert_true(now_ns() - t0 < 1000000000ULL);
		assert_int_equal(nr, 2);
		assert_int_equal(got[0].rx_idx, far);
		assert_int_equal(got[0].rx_nr, 2);
		assert_int_equal(got[1].rx_idx, far * 4);
		assert_int_equal(rsize, 8);
		/* Fetch across the hole boundary. */
		assert_int_equal(get_ar(tp.tp_cont, oid, 5, "dk", "huge", 8, far - 1, 3, data,
					NULL), 0);
		for (int i = 0; i < 8; i++)
			assert_int_equal(data[i], 0);
		assert_int_equal(data[8], 'd');
	}
	tp_destroy(&tp);
}

/* ---- VOS12 ---- */

/* VOS12: group commit: staged updates are invisible to fetch and enumeration until commit (V5, T3) */
static void
vos12_group_commit(void **state)
{
	struct tpool    tp;
	daos_obj_id_t   oid = oid_of(40);
	daos_key_desc_t kds[4];
	char            buf[64];
	d_iov_t         iov = {.iov_buf = buf, .iov_buf_len = sizeof(buf)};
	d_sg_list_t     sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_anchor_t   a   = DAOS_ANCHOR_INIT;
	uint32_t        nr  = 4;

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	assert_int_equal(put_sv(tp.tp_cont, oid, 1, "dk", "ak", "committed", 9), 0);

	assert_int_equal(vos_tx_begin(tp.tp_pool), 0);
	assert_int_equal(vos_tx_begin(tp.tp_pool), -DER_INPROGRESS);
	assert_int_equal(put_sv(tp.tp_cont, oid, 2, "dk", "ak", "staged", 6), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 2, "dk2", "ak", "staged", 6), 0);
	check_sv(tp.tp_cont, oid, 5, "dk", "ak", "committed");
	check_sv(tp.tp_cont, oid, 5, "dk2", "ak", NULL);
	assert_int_equal(vos_dkey_list(tp.tp_cont, oid, 5, &nr, kds, &sgl, &a), 0);
	assert_int_equal(nr, 1);
	vos_tx_abort(tp.tp_pool);
	vos_tx_abort(tp.tp_pool); /* no-op */
	assert_int_equal(vos_tx_commit(tp.tp_pool), -DER_INVAL);
	check_sv(tp.tp_cont, oid, 5, "dk", "ak", "committed");
	check_sv(tp.tp_cont, oid, 5, "dk2", "ak", NULL);

	/* Many updates in one batch, visible together at commit. */
	assert_int_equal(vos_tx_begin(tp.tp_pool), 0);
	for (int i = 0; i < 100; i++) {
		char ak[16];

		snprintf(ak, sizeof(ak), "a%d", i);
		assert_int_equal(put_sv(tp.tp_cont, oid, 3, "batch", ak, ak, strlen(ak)), 0);
		check_sv(tp.tp_cont, oid, 3, "batch", "a0", NULL);
	}
	assert_int_equal(put_sv(tp.tp_cont, oid, 3, "dk", "ak", "staged", 6), 0);
	assert_int_equal(vos_obj_punch_akeys(tp.tp_cont, oid, 4, &(daos_key_t){.iov_buf = "dk2",
			 .iov_len = 3, .iov_buf_len = 3}, 1, &(daos_key_t){.iov_buf = "ak",
			 .iov_len = 2, .iov_buf_len = 2}), 0);
	check_sv(tp.tp_cont, oid, 5, "dk", "ak", "committed");
	assert_int_equal(vos_tx_commit(tp.tp_pool), 0);
	check_sv(tp.tp_cont, oid, 5, "dk", "ak", "staged");
	check_sv(tp.tp_cont, oid, 5, "batch", "a99", "a99");

	/* An uncommitted batch is gone after close and reopen (the close aborts it). */
	assert_int_equal(vos_tx_begin(tp.tp_pool), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 6, "dk", "ak", "lost", 4), 0);
	tp_close(&tp);
	tp_open(&tp);
	check_sv(tp.tp_cont, oid, 9, "dk", "ak", "staged");
	check_sv(tp.tp_cont, oid, 9, "batch", "a42", "a42");
	tp_destroy(&tp);
}

/* ---- VOS13 ---- */

/* VOS13: a failed commit or sync makes the pool refuse every later write (T2); reads go on */
static void
vos13_sticky_failure(void **state)
{
	struct tpool  tp;
	daos_obj_id_t oid = oid_of(50);
	uuid_t        cu;

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	uuid_generate(cu);
	assert_int_equal(put_sv(tp.tp_cont, oid, 1, "dk", "ak", "one", 3), 0);

	/* Commit failure inside a batch. */
	assert_int_equal(vos_tx_begin(tp.tp_pool), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 2, "dk", "ak", "two", 3), 0);
	vos_fault_inject(tp.tp_pool, VOS_FAULT_COMMIT);
	assert_int_equal(vos_tx_commit(tp.tp_pool), -DER_IO);
	assert_int_equal(put_sv(tp.tp_cont, oid, 3, "dk", "ak", "three", 5), -DER_IO);
	assert_int_equal(vos_obj_punch(tp.tp_cont, oid, 3), -DER_IO);
	assert_int_equal(vos_tx_begin(tp.tp_pool), -DER_IO);
	assert_int_equal(vos_cont_create(tp.tp_pool, cu), -DER_IO);
	assert_int_equal(vos_cont_destroy(tp.tp_pool, tp.tp_cuuid), -DER_IO);
	/* Reads are served. */
	check_sv(tp.tp_cont, oid, 5, "dk", "ak", "one");
	/* Close and reopen: healthy again, the failed batch absent. */
	tp_close(&tp);
	tp_open(&tp);
	check_sv(tp.tp_cont, oid, 5, "dk", "ak", "one");
	assert_int_equal(put_sv(tp.tp_cont, oid, 4, "dk", "ak", "four", 4), 0);

	/* Sync failure of a self-committing update. */
	vos_fault_inject(tp.tp_pool, VOS_FAULT_SYNC);
	assert_int_equal(put_sv(tp.tp_cont, oid, 5, "dk", "ak", "five", 4), -DER_IO);
	assert_int_equal(put_sv(tp.tp_cont, oid, 6, "dk", "ak", "six", 3), -DER_IO);
	assert_int_equal(vos_tx_begin(tp.tp_pool), -DER_IO);
	check_sv(tp.tp_cont, oid, 4, "dk", "ak", "four");
	tp_destroy(&tp);
}

/* ---- VOS14 ---- */

/* Flips one byte at `off` of the first record of `db` whose key starts with `prefix`. */
static void
raw_flip(const char *dir, const char *db, const struct vos_kbuf *prefix, size_t off)
{
	struct raw  r;
	MDB_cursor *cur;
	MDB_val     k = {.mv_size = prefix->kb_len, .mv_data = (void *)prefix->kb_buf};
	MDB_val     v;
	uint8_t     copy[4096];

	raw_open(&r, dir, db);
	assert_int_equal(mdb_cursor_open(r.r_txn, r.r_dbi, &cur), 0);
	assert_int_equal(mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE), 0);
	assert_true(k.mv_size >= prefix->kb_len);
	assert_memory_equal(k.mv_data, prefix->kb_buf, prefix->kb_len);
	assert_true(v.mv_size <= sizeof(copy) && off < v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[off] ^= 0x01;
	v.mv_data = copy;
	assert_int_equal(mdb_cursor_put(cur, &k, &v, MDB_CURRENT), 0);
	mdb_cursor_close(cur);
	raw_close(&r);
}

/* VOS14: a stored value whose bytes changed fails its CRC32C: DER_CSUM, counted */
static void
vos14_checksum(void **state)
{
	struct vos_pool_info info;
	struct vos_cont_info ci;
	struct tpool         tp;
	struct vos_kbuf      kb;
	daos_obj_id_t        oid = oid_of(60);
	daos_key_t           dk  = key_of("dk");
	daos_key_t           ak;
	char                 buf[64];
	size_t               size;

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	assert_int_equal(put_sv(tp.tp_cont, oid, 1, "dk", "sv", "single value", 12), 0);
	assert_int_equal(put_sv(tp.tp_cont, oid, 1, "dk", "ok", "fine", 4), 0);
	assert_int_equal(put_ar(tp.tp_cont, oid, 1, "dk", "arr", 1, 0, 10, "0123456789"), 0);
	assert_int_equal(vos_cont_query(tp.tp_cont, &ci), 0);
	tp_close(&tp);

	ak = key_of("sv");
	vos_key_path(&kb, ci.ci_id, oid, &dk, &ak);
	raw_flip(tp.tp_dir, "sv", &kb, VOS_VAL_HDR_LEN + 3);
	ak = key_of("arr");
	vos_key_path(&kb, ci.ci_id, oid, &dk, &ak);
	raw_flip(tp.tp_dir, "ev", &kb, VOS_VAL_HDR_LEN + 9);

	tp_open(&tp);
	assert_int_equal(get_sv(tp.tp_cont, oid, 2, "dk", "sv", buf, sizeof(buf), &size),
			 -DER_CSUM);
	assert_int_equal(get_ar(tp.tp_cont, oid, 2, "dk", "arr", 1, 0, 10, buf, NULL), -DER_CSUM);
	/* Reading a part still checks the whole extent. */
	assert_int_equal(get_ar(tp.tp_cont, oid, 2, "dk", "arr", 1, 0, 2, buf, NULL), -DER_CSUM);
	check_sv(tp.tp_cont, oid, 2, "dk", "ok", "fine");
	assert_int_equal(vos_pool_query(tp.tp_pool, &info), 0);
	assert_int_equal(info.pi_csum_errors, 3);
	/* A buffer too small gets the size without the data being read. */
	assert_int_equal(get_sv(tp.tp_cont, oid, 2, "dk", "sv", buf, 0, &size), -DER_REC2BIG);
	assert_int_equal(size, 12);
	/* Overwritten at a later epoch, the new value reads fine. */
	assert_int_equal(put_sv(tp.tp_cont, oid, 3, "dk", "sv", "new", 3), 0);
	check_sv(tp.tp_cont, oid, 3, "dk", "sv", "new");
	tp_close(&tp);

	/* A damaged record header (size field) is an invalid durable format. */
	ak = key_of("ok");
	vos_key_path(&kb, ci.ci_id, oid, &dk, &ak);
	raw_flip(tp.tp_dir, "sv", &kb, 8);
	tp_open(&tp);
	assert_int_equal(get_sv(tp.tp_cont, oid, 2, "dk", "ok", buf, sizeof(buf), &size),
			 -DER_DF_INVAL);
	tp_destroy(&tp);
}

/* ---- VOS15 ---- */

/* Writes 6000-byte values a<from>.. in batches of 8 until one is refused; returns the count. */
static int
fill_values(struct tpool *tp, daos_obj_id_t oid, int from, int max, uint8_t *val, size_t len)
{
	int  n       = from;
	int  rc      = 0;
	bool retried = false;
	char ak[16];

	/* Until a batch makes no progress twice in a row (see T6). */
	while (n < max) {
		int staged = 0;

		assert_int_equal(vos_tx_begin(tp->tp_pool), 0);
		for (int i = 0; i < 8 && n + staged < max; i++) {
			snprintf(ak, sizeof(ak), "a%d", n + staged);
			val[0] = (uint8_t)(n + staged);
			rc     = put_sv(tp->tp_cont, oid, 1, "dk", ak, val, len);
			if (rc != 0)
				break;
			staged++;
		}
		/* A refused update poisons nothing: the rest of the batch commits. */
		assert_int_equal(vos_tx_commit(tp->tp_pool), 0);
		n += staged;
		if (rc == 0 || staged > 0) {
			retried = false;
			continue;
		}
		if (retried)
			break;
		retried = true;
	}
	assert_true(rc == 0 || rc == -DER_NOSPACE);
	return n;
}

/* VOS15: a full pool refuses with DER_NOSPACE, the batch survives, reads work, destroy frees (S1) */
static void
vos15_space(void **state)
{
	struct vos_pool_info info;
	struct tpool         tp;
	static uint8_t       val[6000];
	daos_obj_id_t        oid = oid_of(70);
	uuid_t               cu2;
	struct vos_cont     *c2;
	uint64_t             used_full;
	uint64_t             used_punched;
	int                  written;
	int                  written2 = 0;
	int                  rewritten;
	int                  rc = 0;
	char                 ak[16];
	char                 buf[sizeof(val)];
	size_t               size;

	(void)state;
	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(i * 13);
	tp_create(&tp, "/tmp", VOS_SCM_SIZE_MIN);

	/*
	 * Rewriting values in place does not grow the live data, but copy on
	 * write needs new pages before the old ones are free: with the quota far
	 * away, the map guard refuses in time and the batch still commits
	 * (no MDB_MAP_FULL).
	 */
	written = fill_values(&tp, oid, 0, 320, val, sizeof(val));
	assert_int_equal(written, 320);
	assert_int_equal(vos_tx_begin(tp.tp_pool), 0);
	for (rewritten = 0; rewritten < written; rewritten++) {
		snprintf(ak, sizeof(ak), "a%d", rewritten);
		val[0] = 0xEE;
		rc     = put_sv(tp.tp_cont, oid, 1, "dk", ak, val, sizeof(val));
		if (rc != 0)
			break;
	}
	assert_int_equal(rc, -DER_NOSPACE);
	print_message("VOS15: %d of %d values rewritten in one batch\n", rewritten, written);
	assert_true(rewritten > 50 && rewritten < written);
	assert_int_equal(vos_tx_commit(tp.tp_pool), 0);

	/* Batches until the quota refuses an update. */
	written = fill_values(&tp, oid, written, 10000, val, sizeof(val));
	print_message("VOS15: %d values fill the pool\n", written);
	assert_true(written > 400); /* most of 3.5 MiB holds 6000-byte values */
	/* The refused value is absent, every committed one reads back. */
	snprintf(ak, sizeof(ak), "a%d", written);
	check_sv(tp.tp_cont, oid, 2, "dk", ak, NULL);
	for (int i = 0; i < written; i++) {
		snprintf(ak, sizeof(ak), "a%d", i);
		assert_int_equal(get_sv(tp.tp_cont, oid, 2, "dk", ak, buf, sizeof(buf), &size), 0);
		assert_int_equal(size, sizeof(val));
		assert_int_equal((uint8_t)buf[0], i < rewritten ? 0xEE : (uint8_t)i);
		assert_memory_equal(buf + 1, val + 1, sizeof(val) - 1);
	}
	assert_int_equal(vos_pool_query(tp.tp_pool, &info), 0);
	assert_true(info.pi_scm_used <= info.pi_scm_total);
	assert_true(info.pi_scm_used > info.pi_scm_total * 8 / 10);
	used_full = info.pi_scm_used;

	/* Punch does not free space (it may itself be refused for lack of it). */
	rc = vos_obj_punch(tp.tp_cont, oid, 3);
	assert_true(rc == 0 || rc == -DER_NOSPACE);
	assert_int_equal(vos_pool_query(tp.tp_pool, &info), 0);
	used_punched = info.pi_scm_used;
	assert_true(used_punched >= used_full);

	/* Destroy gives it back; a new container takes about as much again. */
	vos_cont_close(tp.tp_cont);
	tp.tp_cont = NULL;
	assert_int_equal(vos_cont_destroy(tp.tp_pool, tp.tp_cuuid), 0);
	assert_int_equal(vos_pool_query(tp.tp_pool, &info), 0);
	assert_true(info.pi_scm_used < used_full / 4);
	uuid_generate(cu2);
	assert_int_equal(vos_cont_create(tp.tp_pool, cu2), 0);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu2, &c2), 0);
	/* Self-committing updates this time. */
	for (rc = 0; rc == 0; written2++) {
		snprintf(ak, sizeof(ak), "b%d", written2);
		rc = put_sv(c2, oid, 1, "dk", ak, val, sizeof(val));
		assert_true(written2 < 10000);
	}
	written2--;
	assert_int_equal(rc, -DER_NOSPACE);
	assert_true(written2 >= written * 9 / 10);
	/* Multi-iod update refused whole: none of its akeys appear. */
	{
		daos_key_t  dkey = key_of("multi");
		daos_iod_t  iods[2];
		d_iov_t     iovs[2];
		d_sg_list_t sgls[2];

		for (int i = 0; i < 2; i++) {
			iods[i] = (daos_iod_t){.iod_name = key_of(i == 0 ? "m0" : "m1"),
					       .iod_type = DAOS_IOD_SINGLE, .iod_size = sizeof(val),
					       .iod_nr = 1};
			d_iov_set(&iovs[i], val, sizeof(val));
			sgls[i] = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iovs[i]};
		}
		assert_int_equal(vos_obj_update(c2, oid, 1, &dkey, 2, iods, sgls), -DER_NOSPACE);
		check_sv(c2, oid, 1, "multi", "m0", NULL);
	}
	vos_cont_close(c2);
	tp_destroy(&tp);
}

/* ---- VOS16 ---- */

/* VOS16: bad arguments everywhere, with the exact codes, and nothing staged by them */
static void
vos16_bad_args(void **state)
{
	struct tpool       tp;
	struct vos_cont   *c   = NULL;
	daos_obj_id_t      oid = oid_of(80);
	daos_key_t         dk  = key_of("dk");
	daos_key_t         bad;
	char               big[VOS_KEYS_MAX + 2];
	uint8_t            data[64] = {0};
	daos_recx_t        rx  = {.rx_idx = 0, .rx_nr = 4};
	daos_iod_t         iod;
	daos_iod_t         iods[VOS_IOD_NR_MAX + 1];
	d_iov_t            iov;
	d_sg_list_t        sgl;
	daos_key_desc_t    kds[2];
	daos_anchor_t      a = DAOS_ANCHOR_INIT;
	daos_recx_t        rxs[2];
	daos_size_t        rsize;
	uint32_t           nr;
	daos_obj_id_t      oids[2];

	(void)state;
	tp_create(&tp, "/tmp", 16 * MiB);
	c = tp.tp_cont;
	memset(big, 'k', sizeof(big));
#define SV_IOD(name, size) \
	((daos_iod_t){.iod_name = (name), .iod_type = DAOS_IOD_SINGLE, .iod_size = (size), \
		      .iod_nr = 1})
#define RESET()                                                                                  \
	do {                                                                                     \
		iod = SV_IOD(key_of("ak"), 4);                                                   \
		d_iov_set(&iov, data, 4);                                                        \
		sgl = (d_sg_list_t){.sg_nr = 1, .sg_iovs = &iov};                                \
	} while (0)

	RESET();
	assert_int_equal(vos_obj_update(NULL, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_update(c, oid, 0, &dk, 1, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_update(c, oid, DAOS_EPOCH_MAX, &dk, 1, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_update(c, oid, 1, NULL, 1, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 0, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, VOS_IOD_NR_MAX + 1, iods, &sgl),
			 -DER_INVAL);
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, NULL, &sgl), -DER_INVAL);
	bad = (daos_key_t){.iov_buf = "x", .iov_buf_len = 1, .iov_len = 0};
	assert_int_equal(vos_obj_update(c, oid, 1, &bad, 1, &iod, &sgl), -DER_INVAL);
	bad = (daos_key_t){.iov_buf = NULL, .iov_buf_len = 1, .iov_len = 1};
	assert_int_equal(vos_obj_update(c, oid, 1, &bad, 1, &iod, &sgl), -DER_INVAL);
	bad = (daos_key_t){.iov_buf = "x", .iov_buf_len = 1, .iov_len = 2};
	assert_int_equal(vos_obj_update(c, oid, 1, &bad, 1, &iod, &sgl), -DER_INVAL);
	d_iov_set(&bad, big, VOS_KEYS_MAX + 1);
	assert_int_equal(vos_obj_update(c, oid, 1, &bad, 1, &iod, &sgl), -DER_KEY2BIG);
	/* dkey + akey together over the limit. */
	d_iov_set(&bad, big, VOS_KEYS_MAX - 1);
	iod.iod_name = key_of("ak");
	assert_int_equal(vos_obj_update(c, oid, 1, &bad, 1, &iod, &sgl), -DER_KEY2BIG);
	d_iov_set(&bad, big, VOS_KEYS_MAX - 2);
	assert_int_equal(vos_obj_update(c, oid, 1, &bad, 1, &iod, &sgl), 0); /* exactly at it */
	iod.iod_name.iov_len = 0;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	RESET();
	iod.iod_type = DAOS_IOD_NONE;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	RESET();
	iod.iod_flags = 1;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	RESET();
	iod.iod_nr = 2;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	RESET();
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, NULL), -DER_INVAL);
	iov.iov_len = 3;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_IO_INVAL);
	iov.iov_len = 5;
	iov.iov_buf_len = 5;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_IO_INVAL);
	RESET();
	iov.iov_buf = NULL;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	RESET();
	sgl.sg_nr = VOS_SGL_NR_MAX + 1;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	RESET();
	sgl.sg_iovs = NULL;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	RESET();
	iod.iod_size = VOS_INLINE_MAX + 1;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_REC2BIG);
	/* Same akey twice in one update. */
	{
		daos_iod_t  two[2] = {SV_IOD(key_of("ak"), 4), SV_IOD(key_of("ak"), 4)};
		d_sg_list_t sg2[2];

		RESET();
		sg2[0] = sgl;
		sg2[1] = sgl;
		assert_int_equal(vos_obj_update(c, oid, 1, &dk, 2, two, sg2), -DER_INVAL);
	}
	/* Arrays. */
	RESET();
	iod = (daos_iod_t){.iod_name = key_of("arr"), .iod_type = DAOS_IOD_ARRAY, .iod_size = 1,
			   .iod_nr = 1, .iod_recxs = &rx};
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), 0);
	iod.iod_recxs = NULL;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	iod.iod_recxs = &rx;
	iod.iod_nr    = 0;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	iod.iod_nr = VOS_RECX_NR_MAX + 1;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	iod.iod_nr = 1;
	rx.rx_nr   = 0;
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	rx = (daos_recx_t){.rx_idx = VOS_ARRAY_IDX_MAX - 2, .rx_nr = 4};
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	rx = (daos_recx_t){.rx_idx = UINT64_MAX - 1, .rx_nr = 4};
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	rx = (daos_recx_t){.rx_idx = 0, .rx_nr = VOS_IOD_SIZE_MAX + 1};
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_REC2BIG);
	rx = (daos_recx_t){.rx_idx = 0, .rx_nr = 5};
	assert_int_equal(vos_obj_update(c, oid, 1, &dk, 1, &iod, &sgl), -DER_IO_INVAL);

	/* Fetch. */
	RESET();
	iov.iov_len = 0;
	assert_int_equal(vos_obj_fetch(NULL, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_fetch(c, oid, 1, NULL, 1, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_fetch(c, oid, 1, &dk, 0, &iod, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_fetch(c, oid, 1, &dk, 1, NULL, &sgl), -DER_INVAL);
	assert_int_equal(vos_obj_fetch(c, oid, 1, &dk, 1, &iod, NULL), -DER_INVAL);
	iod.iod_type = DAOS_IOD_NONE;
	assert_int_equal(vos_obj_fetch(c, oid, 1, &dk, 1, &iod, &sgl), -DER_INVAL);
	iod = (daos_iod_t){.iod_name = key_of("arr"), .iod_type = DAOS_IOD_ARRAY, .iod_size = 1,
			   .iod_nr = 1, .iod_recxs = &rx};
	rx  = (daos_recx_t){.rx_idx = 0, .rx_nr = 5};
	assert_int_equal(vos_obj_fetch(c, oid, 1, &dk, 1, &iod, &sgl), -DER_REC2BIG);
	rx.rx_nr = 4;
	assert_int_equal(vos_obj_fetch(c, oid, 1, &dk, 1, &iod, &sgl), 0);

	/* Punch. */
	assert_int_equal(vos_obj_punch(NULL, oid, 1), -DER_INVAL);
	assert_int_equal(vos_obj_punch(c, oid, 0), -DER_INVAL);
	assert_int_equal(vos_obj_punch(c, oid, DAOS_EPOCH_MAX), -DER_INVAL);
	assert_int_equal(vos_obj_punch_dkeys(c, oid, 1, 0, &dk), -DER_INVAL);
	assert_int_equal(vos_obj_punch_dkeys(c, oid, 1, VOS_IOD_NR_MAX + 1, &dk), -DER_INVAL);
	assert_int_equal(vos_obj_punch_dkeys(c, oid, 1, 1, NULL), -DER_INVAL);
	d_iov_set(&bad, big, VOS_KEYS_MAX + 1);
	assert_int_equal(vos_obj_punch_dkeys(c, oid, 1, 1, &bad), -DER_KEY2BIG);
	assert_int_equal(vos_obj_punch_akeys(c, oid, 1, NULL, 1, &dk), -DER_INVAL);
	d_iov_set(&bad, big, VOS_KEYS_MAX);
	assert_int_equal(vos_obj_punch_akeys(c, oid, 1, &dk, 1, &bad), -DER_KEY2BIG);

	/* Enumeration. */
	d_iov_set(&iov, data, sizeof(data));
	nr = 2;
	assert_int_equal(vos_obj_list(NULL, 1, &nr, oids, &a), -DER_INVAL);
	assert_int_equal(vos_obj_list(c, 1, NULL, oids, &a), -DER_INVAL);
	assert_int_equal(vos_obj_list(c, 1, &nr, NULL, &a), -DER_INVAL);
	assert_int_equal(vos_obj_list(c, 1, &nr, oids, NULL), -DER_INVAL);
	nr = 0;
	assert_int_equal(vos_obj_list(c, 1, &nr, oids, &a), -DER_INVAL);
	nr = VOS_ITER_NR_MAX + 1;
	assert_int_equal(vos_dkey_list(c, oid, 1, &nr, kds, &sgl, &a), -DER_INVAL);
	nr = 2;
	assert_int_equal(vos_dkey_list(c, oid, 1, &nr, NULL, &sgl, &a), -DER_INVAL);
	assert_int_equal(vos_dkey_list(c, oid, 1, &nr, kds, NULL, &a), -DER_INVAL);
	assert_int_equal(vos_akey_list(c, oid, 1, NULL, &nr, kds, &sgl, &a), -DER_INVAL);
	assert_int_equal(vos_recx_list(c, oid, 1, &dk, &iod.iod_name, NULL, &nr, rxs, NULL, &a),
			 -DER_INVAL);
	assert_int_equal(vos_recx_list(c, oid, 1, &dk, &iod.iod_name, &rsize, &nr, NULL, NULL,
				       &a), -DER_INVAL);
	assert_int_equal(vos_recx_list(c, oid, 1, &dk, NULL, &rsize, &nr, rxs, NULL, &a),
			 -DER_INVAL);
	/* A forged resume position is refused. */
	a.da_type   = DAOS_ANCHOR_TYPE_KEY;
	a.da_buf[0] = 'D';
	a.da_buf[1] = 1;
	d_put_be16(a.da_buf + 2, VOS_KEYS_MAX + 1);
	assert_int_equal(vos_dkey_list(c, oid, 1, &nr, kds, &sgl, &a), -DER_INVAL);
	a.da_buf[1] = 9;
	assert_int_equal(vos_dkey_list(c, oid, 1, &nr, kds, &sgl, &a), -DER_INVAL);

	/* Batches and faults take no NULL. */
	assert_int_equal(vos_tx_begin(NULL), -DER_INVAL);
	assert_int_equal(vos_tx_commit(NULL), -DER_INVAL);
	vos_tx_abort(NULL);
	vos_fault_inject(NULL, VOS_FAULT_SYNC);

	/* Nothing but the two good updates was staged. */
	memset(&a, 0, sizeof(a));
	nr = 2;
	d_iov_set(&iov, big, sizeof(big));
	assert_int_equal(vos_dkey_list(c, oid, 5, &nr, kds, &sgl, &a), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(kds[0].kd_key_len, 2);
	assert_int_equal(kds[1].kd_key_len, VOS_KEYS_MAX - 2);
	/* A full batch does not look ahead: the next call finds the end. */
	assert_int_equal(vos_dkey_list(c, oid, 5, &nr, kds, &sgl, &a), 0);
	assert_int_equal(nr, 0);
	assert_true(daos_anchor_is_eof(&a));
	tp_destroy(&tp);
#undef RESET
#undef SV_IOD
}

/* ---- VOS17 ---- */

/* Entries of `db` whose key starts with the container id. */
static size_t
raw_count_cid(const char *dir, const char *db, uint32_t cid)
{
	struct raw  r;
	MDB_cursor *cur;
	uint8_t     p[4];
	MDB_val     k = {.mv_size = 4, .mv_data = p};
	MDB_val     v;
	size_t      n = 0;
	int         rc;

	d_put_be32(p, cid);
	raw_open(&r, dir, db);
	assert_int_equal(mdb_cursor_open(r.r_txn, r.r_dbi, &cur), 0);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size >= 4 && memcmp(k.mv_data, p, 4) == 0) {
		n++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	raw_close(&r);
	return n;
}

static void
fill_cont(struct vos_pool *pool, struct vos_cont *c, int nr)
{
	for (int i = 0; i < nr; i++) {
		char dk[16];

		if (i % 500 == 0)
			assert_int_equal(vos_tx_begin(pool), 0);
		snprintf(dk, sizeof(dk), "d%d", i % 97);
		assert_int_equal(put_sv(c, oid_of(1 + (uint64_t)i % 13), 1 + (uint64_t)i % 5, dk,
					"a", &i, sizeof(i)), 0);
		if (i % 500 == 499 || i == nr - 1)
			assert_int_equal(vos_tx_commit(pool), 0);
	}
}

/* VOS17: destroy removes all of a container's data in bounded rounds; a crash mid-destroy is finished at open (C2) */
static void
vos17_cont_destroy(void **state)
{
	static const char *const tables[] = {"obj", "key", "sv", "ev", "punch"};
	struct vos_cont_info     ci;
	struct vos_cont_info     ci2;
	struct tpool             tp;
	struct vos_cont         *c2;
	uuid_t                   cu2;
	struct raw               r;
	MDB_val                  k;
	MDB_val                  v;
	uint8_t                  rec[VOS_CONT_DF_LEN];

	(void)state;
	tp_create(&tp, "/tmp", 64 * MiB);
	uuid_generate(cu2);
	assert_int_equal(vos_cont_create(tp.tp_pool, cu2), 0);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu2, &c2), 0);
	/* More entries than one destroy transaction deletes. */
	fill_cont(tp.tp_pool, tp.tp_cont, 3 * VOS_DESTROY_BATCH / 2);
	fill_cont(tp.tp_pool, c2, 300);
	assert_int_equal(vos_obj_punch(tp.tp_cont, oid_of(1), 9), 0);
	assert_int_equal(vos_cont_query(tp.tp_cont, &ci), 0);
	assert_int_equal(vos_cont_query(c2, &ci2), 0);
	assert_int_equal(ci.ci_obj_nr, 13);
	vos_cont_close(tp.tp_cont);
	tp.tp_cont = NULL;
	vos_cont_close(c2);
	assert_int_equal(vos_cont_destroy(tp.tp_pool, tp.tp_cuuid), 0);
	assert_int_equal(vos_pool_close(tp.tp_pool), 0);
	tp.tp_pool = NULL;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		assert_int_equal(raw_count_cid(tp.tp_dir, tables[t], ci.ci_id), 0);
	assert_true(raw_count_cid(tp.tp_dir, "sv", ci2.ci_id) > 0);

	/* A crash after the first round: the container is marked DESTROYING. */
	assert_int_equal(vos_pool_open(tp.tp_dir, tp.tp_uuid, NULL, NULL, &tp.tp_pool), 0);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu2, &c2), 0);
	{
		char   buf[8];
		size_t size;

		assert_int_equal(get_sv(c2, oid_of(1), 9, "d0", "a", buf, sizeof(buf), &size), 0);
		assert_int_equal(size, sizeof(int)); /* i == 0 */
	}
	vos_cont_close(c2);
	assert_int_equal(vos_pool_close(tp.tp_pool), 0);
	tp.tp_pool = NULL;
	raw_open(&r, tp.tp_dir, "cont");
	k = (MDB_val){.mv_size = 16, .mv_data = cu2};
	assert_int_equal(mdb_get(r.r_txn, r.r_dbi, &k, &v), 0);
	memcpy(rec, v.mv_data, sizeof(rec));
	d_put_le32(rec + 4, VOS_CONT_DESTROYING);
	v = (MDB_val){.mv_size = sizeof(rec), .mv_data = rec};
	assert_int_equal(mdb_put(r.r_txn, r.r_dbi, &k, &v, 0), 0);
	raw_close(&r);

	assert_int_equal(vos_pool_open(tp.tp_dir, tp.tp_uuid, NULL, NULL, &tp.tp_pool), 0);
	assert_int_equal(vos_cont_open(tp.tp_pool, cu2, &c2), -DER_NONEXIST);
	assert_int_equal(vos_cont_destroy(tp.tp_pool, cu2), -DER_NONEXIST);
	assert_int_equal(vos_pool_close(tp.tp_pool), 0);
	tp.tp_pool = NULL;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		assert_int_equal(raw_count_cid(tp.tp_dir, tables[t], ci2.ci_id), 0);
	tp_destroy(&tp);
}

/* ---- VOS18: random operations against an in-memory model ---- */

#define M_NOBJ   3
#define M_NDK    4
#define M_NAK    4  /* 0, 1: single values; 2: array of 1-byte records; 3: of 4-byte records */
#define M_ALEN   48 /* records of the arrays */
#define M_EPOCHS 30
#define M_SVMAX  3000   /* largest single value (inline runs) */
#define M_SVBLOB 20000  /* largest single value with a blob (above the 4 KiB threshold) */
#define M_RSBLOB 600    /* record size of "a3" with a blob: 7+ records go to the blob */
#define M_BUFMAX (3 * M_ALEN * M_RSBLOB) /* largest fetch of one iod */

static const char *const m_dkeys[M_NDK] = {"d0", "dkey1", "dk2", "a-much-longer-dkey-3"};
static const char *const m_akeys[M_NAK] = {"s0", "single1", "arr2", "a3"};
/* Record sizes (0: single value) and the largest single value of the run. */
static uint64_t          m_rsize[M_NAK] = {0, 0, 1, 4};
static uint32_t          m_svmax        = M_SVMAX;

struct m_ver {
	daos_epoch_t mv_epoch;
	uint32_t     mv_len;
	uint8_t     *mv_data;
};

struct m_ext {
	daos_epoch_t mx_epoch;
	uint64_t     mx_seq;
	uint64_t     mx_idx;
	uint64_t     mx_nr;
	uint8_t     *mx_data; /* NULL: hole */
};

struct m_punches {
	int           mp_n;
	daos_epoch_t *mp_e;
};

struct m_akey {
	int              ma_nv;
	struct m_ver    *ma_v;
	int              ma_nx;
	struct m_ext    *ma_x;
	struct m_punches ma_p;
};

struct m_dkey {
	struct m_akey    md_a[M_NAK];
	struct m_punches md_p;
};

struct m_obj {
	struct m_dkey    mo_d[M_NDK];
	struct m_punches mo_p;
};

struct model {
	struct m_obj m_o[M_NOBJ];
	uint64_t     m_seq;
};

enum m_opk { OP_SV, OP_AR, OP_PUNCH_O, OP_PUNCH_D, OP_PUNCH_A };

struct m_op {
	enum m_opk   op_k;
	int          op_o, op_d, op_a;
	daos_epoch_t op_e;
	uint32_t     op_len;       /* OP_SV */
	uint8_t     *op_data;      /* OP_SV / OP_AR (NULL: array punch) */
	int          op_nrx;       /* OP_AR */
	daos_recx_t  op_rx[3];
};

static uint64_t g_rng;

static uint64_t
rnd(void)
{
	/* xorshift64*: deterministic for a seed, independent of libc. */
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

static void
mp_add(struct m_punches *p, daos_epoch_t e)
{
	for (int i = 0; i < p->mp_n; i++)
		if (p->mp_e[i] == e)
			return;
	p->mp_e = realloc(p->mp_e, sizeof(*p->mp_e) * (size_t)(p->mp_n + 1));
	assert_non_null(p->mp_e);
	p->mp_e[p->mp_n++] = e;
}

static daos_epoch_t
mp_max(const struct m_punches *p, daos_epoch_t e)
{
	daos_epoch_t m = 0;

	for (int i = 0; i < p->mp_n; i++)
		if (p->mp_e[i] <= e && p->mp_e[i] > m)
			m = p->mp_e[i];
	return m;
}

static daos_epoch_t
m_punch(const struct model *m, int o, int d, int a, daos_epoch_t e)
{
	daos_epoch_t p  = mp_max(&m->m_o[o].mo_p, e);
	daos_epoch_t pd = mp_max(&m->m_o[o].mo_d[d].md_p, e);
	daos_epoch_t pa = mp_max(&m->m_o[o].mo_d[d].md_a[a].ma_p, e);

	if (pd > p)
		p = pd;
	return pa > p ? pa : p;
}

static void
m_apply(struct model *m, const struct m_op *op)
{
	struct m_obj  *mo = &m->m_o[op->op_o];
	struct m_akey *ma;

	switch (op->op_k) {
	case OP_PUNCH_O:
		mp_add(&mo->mo_p, op->op_e);
		return;
	case OP_PUNCH_D:
		mp_add(&mo->mo_d[op->op_d].md_p, op->op_e);
		return;
	case OP_PUNCH_A:
		mp_add(&mo->mo_d[op->op_d].md_a[op->op_a].ma_p, op->op_e);
		return;
	default:
		break;
	}
	ma = &mo->mo_d[op->op_d].md_a[op->op_a];
	if (op->op_k == OP_SV) {
		if (op->op_len == 0) {
			mp_add(&ma->ma_p, op->op_e); /* V2 */
			return;
		}
		for (int i = 0; i < ma->ma_nv; i++) {
			if (ma->ma_v[i].mv_epoch == op->op_e) {
				free(ma->ma_v[i].mv_data);
				ma->ma_v[i].mv_len  = op->op_len;
				ma->ma_v[i].mv_data = malloc(op->op_len);
				memcpy(ma->ma_v[i].mv_data, op->op_data, op->op_len);
				return;
			}
		}
		ma->ma_v = realloc(ma->ma_v, sizeof(*ma->ma_v) * (size_t)(ma->ma_nv + 1));
		assert_non_null(ma->ma_v);
		ma->ma_v[ma->ma_nv].mv_epoch = op->op_e;
		ma->ma_v[ma->ma_nv].mv_len   = op->op_len;
		ma->ma_v[ma->ma_nv].mv_data  = malloc(op->op_len);
		memcpy(ma->ma_v[ma->ma_nv].mv_data, op->op_data, op->op_len);
		ma->ma_nv++;
		return;
	}
	/* OP_AR: one extent per recx, data consumed in order. */
	{
		uint64_t off   = 0;
		uint64_t rsize = m_rsize[op->op_a];

		for (int r = 0; r < op->op_nrx; r++) {
			struct m_ext *x;

			ma->ma_x = realloc(ma->ma_x, sizeof(*ma->ma_x) * (size_t)(ma->ma_nx + 1));
			assert_non_null(ma->ma_x);
			x           = &ma->ma_x[ma->ma_nx++];
			x->mx_epoch = op->op_e;
			x->mx_seq   = m->m_seq++;
			x->mx_idx   = op->op_rx[r].rx_idx;
			x->mx_nr    = op->op_rx[r].rx_nr;
			x->mx_data  = NULL;
			if (op->op_data != NULL) {
				x->mx_data = malloc(x->mx_nr * rsize);
				memcpy(x->mx_data, op->op_data + off, x->mx_nr * rsize);
				off += x->mx_nr * rsize;
			}
		}
	}
}

static void
m_free(struct model *m)
{
	for (int o = 0; o < M_NOBJ; o++) {
		for (int d = 0; d < M_NDK; d++) {
			for (int a = 0; a < M_NAK; a++) {
				struct m_akey *ma = &m->m_o[o].mo_d[d].md_a[a];

				for (int i = 0; i < ma->ma_nv; i++)
					free(ma->ma_v[i].mv_data);
				for (int i = 0; i < ma->ma_nx; i++)
					free(ma->ma_x[i].mx_data);
				free(ma->ma_v);
				free(ma->ma_x);
				free(ma->ma_p.mp_e);
			}
			free(m->m_o[o].mo_d[d].md_p.mp_e);
		}
		free(m->m_o[o].mo_p.mp_e);
	}
	memset(m, 0, sizeof(*m));
}

/* Newest visible single value at e, or NULL. */
static const struct m_ver *
m_sv(const struct model *m, int o, int d, int a, daos_epoch_t e)
{
	const struct m_akey *ma   = &m->m_o[o].mo_d[d].md_a[a];
	const struct m_ver  *best = NULL;

	for (int i = 0; i < ma->ma_nv; i++)
		if (ma->ma_v[i].mv_epoch <= e &&
		    (best == NULL || ma->ma_v[i].mv_epoch > best->mv_epoch))
			best = &ma->ma_v[i];
	if (best != NULL && best->mv_epoch <= m_punch(m, o, d, a, e))
		return NULL;
	return best;
}

/* Owner extent of each record at e (-1: none or hole). */
static void
m_owners(const struct model *m, int o, int d, int a, daos_epoch_t e, int *owner)
{
	const struct m_akey *ma = &m->m_o[o].mo_d[d].md_a[a];
	daos_epoch_t         p  = m_punch(m, o, d, a, e);
	int                  top[M_ALEN];

	for (int r = 0; r < M_ALEN; r++)
		top[r] = -1;
	for (int i = 0; i < ma->ma_nx; i++) {
		const struct m_ext *x = &ma->ma_x[i];

		if (x->mx_epoch > e || x->mx_epoch <= p)
			continue;
		for (uint64_t r = x->mx_idx; r < x->mx_idx + x->mx_nr; r++) {
			const struct m_ext *t = top[r] >= 0 ? &ma->ma_x[top[r]] : NULL;

			if (t == NULL || x->mx_epoch > t->mx_epoch ||
			    (x->mx_epoch == t->mx_epoch && x->mx_seq > t->mx_seq))
				top[r] = i;
		}
	}
	for (int r = 0; r < M_ALEN; r++)
		owner[r] = top[r] >= 0 && ma->ma_x[top[r]].mx_data != NULL ? top[r] : -1;
}

static bool
m_akey_exists(const struct model *m, int o, int d, int a, daos_epoch_t e)
{
	const struct m_akey *ma = &m->m_o[o].mo_d[d].md_a[a];
	daos_epoch_t         p;

	if (m_rsize[a] == 0)
		return m_sv(m, o, d, a, e) != NULL;
	p = m_punch(m, o, d, a, e);
	for (int i = 0; i < ma->ma_nx; i++)
		if (ma->ma_x[i].mx_data != NULL && ma->ma_x[i].mx_epoch <= e &&
		    ma->ma_x[i].mx_epoch > p)
			return true;
	return false;
}

static bool
m_dkey_exists(const struct model *m, int o, int d, daos_epoch_t e)
{
	for (int a = 0; a < M_NAK; a++)
		if (m_akey_exists(m, o, d, a, e))
			return true;
	return false;
}

/* Indexes of names sorted as VOS lists keys: by length, then bytes. */
static void
key_order(const char *const *names, int n, int *order)
{
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0; j--) {
			const char *x = names[order[j - 1]];
			const char *y = names[order[j]];

			if (cmp_klen(strlen(x), (const uint8_t *)x, strlen(y), (const uint8_t *)y) <= 0)
				break;
			int t        = order[j];
			order[j]     = order[j - 1];
			order[j - 1] = t;
		}
}

struct mrun {
	struct tpool  mr_tp;
	struct model  mr_model;
	struct m_op  *mr_pending;
	int           mr_npending;
	bool          mr_in_tx;
	unsigned long mr_counts[8];
	/* Aggregation (VOS20, VOS21): reads are checked where aggregation keeps them. */
	bool          mr_agg;
	daos_epoch_t  mr_floor;   /* last upper: writes go above it, reads at or above are kept */
	daos_epoch_t *mr_keep;    /* snapshot epochs below mr_floor still readable */
	int           mr_nkeep;
};

/* The current read/write model: epochs for writes above the aggregation floor. */
static struct mrun *g_mr;

static daos_epoch_t
rnd_write_epoch(void)
{
	return (g_mr != NULL ? g_mr->mr_floor : 0) + 1 + rnd_below(M_EPOCHS);
}

static void
mr_log(struct mrun *mr, const struct m_op *op)
{
	if (!mr->mr_in_tx) {
		m_apply(&mr->mr_model, op);
		free(op->op_data);
		return;
	}
	mr->mr_pending = realloc(mr->mr_pending, sizeof(*op) * (size_t)(mr->mr_npending + 1));
	assert_non_null(mr->mr_pending);
	mr->mr_pending[mr->mr_npending++] = *op;
}

static void
mr_end_tx(struct mrun *mr, bool commit)
{
	if (commit)
		assert_int_equal(vos_tx_commit(mr->mr_tp.tp_pool), 0);
	else
		vos_tx_abort(mr->mr_tp.tp_pool);
	for (int i = 0; i < mr->mr_npending; i++) {
		if (commit)
			m_apply(&mr->mr_model, &mr->mr_pending[i]);
		free(mr->mr_pending[i].op_data);
	}
	mr->mr_npending = 0;
	mr->mr_in_tx    = false;
}

static daos_epoch_t
rnd_read_epoch(void)
{
	if (rnd_below(16) == 0)
		return DAOS_EPOCH_MAX;
	if (g_mr == NULL || !g_mr->mr_agg || g_mr->mr_floor == 0)
		return rnd_below(M_EPOCHS + 3);
	/* After aggregation: a kept snapshot, or at or above the last upper. */
	if (g_mr->mr_nkeep > 0 && rnd_below(3) == 0)
		return g_mr->mr_keep[rnd_below((uint64_t)g_mr->mr_nkeep)];
	return g_mr->mr_floor + rnd_below(M_EPOCHS + 3);
}

/* One update of 1..3 distinct akeys of one dkey. */
static void
mr_update(struct mrun *mr)
{
	int          o    = (int)rnd_below(M_NOBJ);
	int          d    = (int)rnd_below(M_NDK);
	daos_epoch_t e    = rnd_write_epoch();
	int          n    = 1 + (int)rnd_below(3);
	int          used = 0;
	daos_key_t   dkey = key_of(m_dkeys[d]);
	daos_iod_t   iods[3];
	d_iov_t      iovs[3][2];
	d_sg_list_t  sgls[3];
	struct m_op  ops[3];

	for (int i = 0; i < n; i++) {
		struct m_op *op = &ops[i];
		int          a;
		uint64_t     bytes;
		bool         dup;

		do {
			a   = (int)rnd_below(M_NAK);
			dup = false;
			for (int j = 0; j < i; j++)
				dup |= ops[j].op_a == a;
		} while (dup);
		memset(op, 0, sizeof(*op));
		op->op_o = o;
		op->op_d = d;
		op->op_a = a;
		op->op_e = e;
		iods[i]  = (daos_iod_t){.iod_name = key_of(m_akeys[a]), .iod_nr = 1};
		if (m_rsize[a] == 0) {
			uint64_t r = rnd_below(100);

			op->op_k     = OP_SV;
			/* With a blob, a fifth of the values are large (mostly above 4 KiB). */
			uint64_t big = m_svmax > M_SVMAX ? 80 : 95;

			op->op_len   = r < 5 ? 0 : r < big - 15 ? 1 + (uint32_t)rnd_below(64)
					: r < big ? 65 + (uint32_t)rnd_below(600)
						  : 2000 + (uint32_t)rnd_below(m_svmax - 2000);
			bytes        = op->op_len;
			iods[i].iod_type = DAOS_IOD_SINGLE;
			iods[i].iod_size = op->op_len;
		} else {
			bool hole = rnd_below(100) < 15;

			op->op_k   = OP_AR;
			op->op_nrx = 1 + (int)rnd_below(3);
			bytes      = 0;
			for (int r = 0; r < op->op_nrx; r++) {
				uint64_t idx = rnd_below(M_ALEN);
				uint64_t max = M_ALEN - idx < 16 ? M_ALEN - idx : 16;

				op->op_rx[r] = (daos_recx_t){.rx_idx = idx, .rx_nr = 1 + rnd_below(max)};
				bytes += op->op_rx[r].rx_nr * m_rsize[a];
			}
			if (hole)
				bytes = 0;
			iods[i].iod_type  = DAOS_IOD_ARRAY;
			iods[i].iod_size  = hole ? 0 : m_rsize[a];
			iods[i].iod_nr    = (uint32_t)op->op_nrx;
			iods[i].iod_recxs = op->op_rx;
		}
		op->op_data = NULL;
		if (bytes > 0) {
			uint64_t split = rnd_below(bytes + 1);

			op->op_data = malloc(bytes);
			assert_non_null(op->op_data);
			for (uint64_t b = 0; b < bytes; b++)
				op->op_data[b] = (uint8_t)rnd();
			/* Two iovs, split anywhere (possibly empty). */
			d_iov_set(&iovs[i][0], op->op_data, split);
			d_iov_set(&iovs[i][1], op->op_data + split, bytes - split);
			sgls[i] = (d_sg_list_t){.sg_nr = 2, .sg_iovs = iovs[i]};
		} else {
			sgls[i] = (d_sg_list_t){.sg_nr = 0, .sg_iovs = NULL};
		}
		used++;
	}
	assert_int_equal(vos_obj_update(mr->mr_tp.tp_cont, oid_of(100 + (uint64_t)o), e, &dkey,
					(unsigned)used, iods, sgls), 0);
	for (int i = 0; i < used; i++)
		mr_log(mr, &ops[i]);
	mr->mr_counts[0]++;
}

static void
mr_punch(struct mrun *mr)
{
	struct m_op op = {0};
	uint64_t    r  = rnd_below(10);

	op.op_o = (int)rnd_below(M_NOBJ);
	op.op_d = (int)rnd_below(M_NDK);
	op.op_a = (int)rnd_below(M_NAK);
	op.op_e = rnd_write_epoch();
	if (r < 2) {
		op.op_k = OP_PUNCH_O;
		assert_int_equal(vos_obj_punch(mr->mr_tp.tp_cont, oid_of(100 + (uint64_t)op.op_o),
					       op.op_e), 0);
	} else if (r < 5) {
		daos_key_t dk = key_of(m_dkeys[op.op_d]);

		op.op_k = OP_PUNCH_D;
		assert_int_equal(vos_obj_punch_dkeys(mr->mr_tp.tp_cont,
						     oid_of(100 + (uint64_t)op.op_o), op.op_e, 1,
						     &dk), 0);
	} else {
		daos_key_t dk = key_of(m_dkeys[op.op_d]);
		daos_key_t ak = key_of(m_akeys[op.op_a]);

		op.op_k = OP_PUNCH_A;
		assert_int_equal(vos_obj_punch_akeys(mr->mr_tp.tp_cont,
						     oid_of(100 + (uint64_t)op.op_o), op.op_e, &dk,
						     1, &ak), 0);
	}
	mr_log(mr, &op);
	mr->mr_counts[1]++;
}

/* Fetch of 1..4 akeys of one dkey, each checked against the committed model (V5). */
static void
mr_fetch(struct mrun *mr)
{
	const struct model *m    = &mr->mr_model;
	int                 o    = (int)rnd_below(M_NOBJ);
	int                 d    = (int)rnd_below(M_NDK);
	daos_epoch_t        e    = rnd_read_epoch();
	int                 n    = 1 + (int)rnd_below(4);
	daos_key_t          dkey = key_of(m_dkeys[d]);
	daos_iod_t          iods[4];
	d_sg_list_t         sgls[4];
	d_iov_t             iovs[4][3];
	static uint8_t      bufs[4][3][M_BUFMAX];
	daos_recx_t         rxs[4][3];
	int                 as[4];

	for (int i = 0; i < n; i++) {
		int a = (int)rnd_below(M_NAK);

		as[i]   = a;
		iods[i] = (daos_iod_t){.iod_name = key_of(m_akeys[a]), .iod_nr = 1};
		if (m_rsize[a] == 0) {
			iods[i].iod_type = DAOS_IOD_SINGLE;
			iods[i].iod_size = DAOS_REC_ANY;
			/* Room for the largest value over two iovs of random split. */
			size_t split = rnd_below(m_svmax);

			iovs[i][0] = (d_iov_t){.iov_buf = bufs[i][0], .iov_buf_len = split};
			iovs[i][1] = (d_iov_t){.iov_buf = bufs[i][1], .iov_buf_len = m_svmax - split};
			sgls[i]    = (d_sg_list_t){.sg_nr = 2, .sg_iovs = iovs[i]};
		} else {
			int      nrx   = 1 + (int)rnd_below(3);
			uint64_t bytes = 0;
			size_t   split;

			for (int r = 0; r < nrx; r++) {
				uint64_t idx = rnd_below(M_ALEN);

				rxs[i][r] = (daos_recx_t){.rx_idx = idx,
							  .rx_nr  = 1 + rnd_below(M_ALEN - idx)};
				bytes += rxs[i][r].rx_nr * m_rsize[a];
			}
			iods[i].iod_type  = DAOS_IOD_ARRAY;
			iods[i].iod_size  = m_rsize[a];
			iods[i].iod_nr    = (uint32_t)nrx;
			iods[i].iod_recxs = rxs[i];
			split             = rnd_below(bytes + 1);
			iovs[i][0] = (d_iov_t){.iov_buf = bufs[i][0], .iov_buf_len = split};
			iovs[i][1] = (d_iov_t){.iov_buf = bufs[i][1], .iov_buf_len = bytes - split};
			/* A third iov with spare room stays empty and untouched. */
			memset(bufs[i][2], 0xA5, 8);
			iovs[i][2] = (d_iov_t){.iov_buf = bufs[i][2], .iov_buf_len = 8};
			sgls[i]    = (d_sg_list_t){.sg_nr = 3, .sg_iovs = iovs[i]};
		}
	}
	assert_int_equal(vos_obj_fetch(mr->mr_tp.tp_cont, oid_of(100 + (uint64_t)o), e, &dkey,
				       (unsigned)n, iods, sgls), 0);
	for (int i = 0; i < n; i++) {
		int a = as[i];

		if (m_rsize[a] == 0) {
			const struct m_ver *v = m_sv(m, o, d, a, e);
			static uint8_t      got[M_SVBLOB];

			if (v == NULL) {
				assert_int_equal(iods[i].iod_size, 0);
				assert_int_equal(sgls[i].sg_nr_out, 0);
				continue;
			}
			assert_int_equal(iods[i].iod_size, v->mv_len);
			assert_int_equal(iovs[i][0].iov_len + iovs[i][1].iov_len, v->mv_len);
			memcpy(got, bufs[i][0], iovs[i][0].iov_len);
			memcpy(got + iovs[i][0].iov_len, bufs[i][1], iovs[i][1].iov_len);
			assert_memory_equal(got, v->mv_data, v->mv_len);
		} else {
			const struct m_akey *ma = &m->m_o[o].mo_d[d].md_a[a];
			int                  owner[M_ALEN];
			static uint8_t       got[M_BUFMAX];
			uint64_t             off = 0;
			bool                 any = false;
			uint64_t             rs  = m_rsize[a];

			m_owners(m, o, d, a, e, owner);
			assert_int_equal(iovs[i][2].iov_len, 0);
			for (int b = 0; b < 8; b++)
				assert_int_equal(bufs[i][2][b], 0xA5);
			memcpy(got, bufs[i][0], iovs[i][0].iov_len);
			memcpy(got + iovs[i][0].iov_len, bufs[i][1], iovs[i][1].iov_len);
			for (uint32_t r = 0; r < iods[i].iod_nr; r++) {
				for (uint64_t x = rxs[i][r].rx_idx;
				     x < rxs[i][r].rx_idx + rxs[i][r].rx_nr; x++, off += rs) {
					if (owner[x] < 0) {
						for (uint64_t b = 0; b < rs; b++)
							assert_int_equal(got[off + b], 0);
						continue;
					}
					any = true;
					assert_memory_equal(got + off,
							    ma->ma_x[owner[x]].mx_data +
								(x - ma->ma_x[owner[x]].mx_idx) * rs,
							    rs);
				}
			}
			assert_int_equal(iovs[i][0].iov_len + iovs[i][1].iov_len, off);
			assert_int_equal(iods[i].iod_size, any ? rs : 0);
		}
	}
	mr->mr_counts[2]++;
}

static void
mr_enum(struct mrun *mr)
{
	static struct klist kl;
	const struct model *m = &mr->mr_model;
	daos_epoch_t        e = rnd_read_epoch();
	int                 o = (int)rnd_below(M_NOBJ);
	uint64_t            k = rnd_below(4);
	unsigned            calls;
	int                 order[M_NAK > M_NDK ? M_NAK : M_NDK];
	int                 j = 0;

	if (k == 0) { /* dkeys */
		assert_int_equal(list_keys(mr->mr_tp.tp_cont, oid_of(100 + (uint64_t)o), e, NULL,
					   1 + (uint32_t)rnd_below(3), 20 + rnd_below(40), &kl,
					   &calls), 0);
		key_order(m_dkeys, M_NDK, order);
		for (int i = 0; i < M_NDK; i++) {
			const char *name = m_dkeys[order[i]];

			if (!m_dkey_exists(m, o, order[i], e))
				continue;
			assert_true(j < kl.kl_n);
			assert_int_equal(kl.kl_len[j], strlen(name));
			assert_memory_equal(kl.kl_key[j], name, strlen(name));
			j++;
		}
		assert_int_equal(j, kl.kl_n);
	} else if (k == 1) { /* akeys */
		int d = (int)rnd_below(M_NDK);

		assert_int_equal(list_keys(mr->mr_tp.tp_cont, oid_of(100 + (uint64_t)o), e,
					   m_dkeys[d], 1 + (uint32_t)rnd_below(3), 8 + rnd_below(20),
					   &kl, &calls), 0);
		key_order(m_akeys, M_NAK, order);
		for (int i = 0; i < M_NAK; i++) {
			const char *name = m_akeys[order[i]];

			if (!m_akey_exists(m, o, d, order[i], e))
				continue;
			assert_true(j < kl.kl_n);
			assert_int_equal(kl.kl_len[j], strlen(name));
			assert_memory_equal(kl.kl_key[j], name, strlen(name));
			assert_int_equal(kl.kl_type[j],
					 m_rsize[order[i]] ? DAOS_IOD_ARRAY : DAOS_IOD_SINGLE);
			j++;
		}
		assert_int_equal(j, kl.kl_n);
	} else if (k == 2) { /* objects */
		daos_anchor_t a = DAOS_ANCHOR_INIT;
		daos_obj_id_t oids[2];
		int           want = 0;

		while (!daos_anchor_is_eof(&a)) {
			uint32_t nr = 1 + (uint32_t)rnd_below(2);

			assert_int_equal(vos_obj_list(mr->mr_tp.tp_cont, e, &nr, oids, &a), 0);
			for (uint32_t i = 0; i < nr; i++) {
				int x = (int)(oids[i].hi - 100);

				while (want < x) {
					bool exists = false;

					for (int d = 0; d < M_NDK; d++)
						exists |= m_dkey_exists(m, want, d, e);
					assert_false(exists);
					want++;
				}
				assert_int_equal(oids[i].hi, 100 + (uint64_t)want);
				want++;
			}
		}
		for (; want < M_NOBJ; want++) {
			bool exists = false;

			for (int d = 0; d < M_NDK; d++)
				exists |= m_dkey_exists(m, want, d, e);
			assert_false(exists);
		}
	} else { /* extents of one array akey */
		int           d    = (int)rnd_below(M_NDK);
		int           a    = 2 + (int)rnd_below(2);
		daos_key_t    dkey = key_of(m_dkeys[d]);
		daos_key_t    akey = key_of(m_akeys[a]);
		daos_anchor_t an   = DAOS_ANCHOR_INIT;
		int           owner[M_ALEN];
		int           r    = 0;
		const struct m_akey *ma = &m->m_o[o].mo_d[d].md_a[a];

		m_owners(m, o, d, a, e, owner);
		while (!daos_anchor_is_eof(&an)) {
			daos_recx_t        rx[3];
			daos_epoch_range_t ep[3];
			daos_size_t        rsize;
			uint32_t           nr = 1 + (uint32_t)rnd_below(3);

			assert_int_equal(vos_recx_list(mr->mr_tp.tp_cont,
						       oid_of(100 + (uint64_t)o), e, &dkey, &akey,
						       &rsize, &nr, rx, ep, &an), 0);
			assert_int_equal(rsize, m_akey_exists(m, o, d, a, e) ? m_rsize[a] : 0);
			for (uint32_t i = 0; i < nr; i++) {
				/* Next run of one owner in the model. */
				while (r < M_ALEN && owner[r] < 0)
					r++;
				assert_true(r < M_ALEN);
				assert_int_equal(rx[i].rx_idx, (uint64_t)r);
				for (uint64_t x = 0; x < rx[i].rx_nr; x++)
					assert_int_equal(owner[r + (int)x], owner[r]);
				assert_int_equal(ep[i].epr_lo, ma->ma_x[owner[r]].mx_epoch);
				r += (int)rx[i].rx_nr;
				assert_true(r == M_ALEN || owner[r] != owner[r - 1]);
			}
		}
		while (r < M_ALEN && owner[r] < 0)
			r++;
		assert_int_equal(r, M_ALEN);
	}
	mr->mr_counts[3]++;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a;
	uint64_t y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Blob: the free map and the accounting are consistent (B1, B2, C5). */
static void
mr_check(struct mrun *mr)
{
	char err[256];
	int  rc = vos_pool_check(mr->mr_tp.tp_pool, err, sizeof(err));

	if (rc != 0)
		fail_msg("vos_pool_check: %d: %s", rc, err);
}

/*
 * Aggregates the container to a random upper with random snapshots (kept
 * snapshots and new epochs between the last upper and the new one), in
 * steps of random budget. Reads at the snapshots and at or above upper must
 * still match the model (G2); mr_fetch and mr_enum only read there from now
 * on, and writes go above upper (the caller's contract).
 */
static void
mr_aggregate(struct mrun *mr)
{
	struct vos_agg_anchor an = VOS_AGG_ANCHOR_INIT;
	struct vos_agg_stats  st = {0};
	daos_epoch_t          upper = mr->mr_floor + 1 + rnd_below(M_EPOCHS);
	daos_epoch_t          snaps[8];
	unsigned              nsnap = (unsigned)rnd_below(5);
	daos_epoch_t         *keep;
	int                   nkeep = 0;
	int                   rc;
	int                   calls = 0;

	if (mr->mr_in_tx)
		mr_end_tx(mr, true);
	for (unsigned i = 0; i < nsnap; i++) {
		if (mr->mr_nkeep > 0 && rnd_below(2) == 0)
			snaps[i] = mr->mr_keep[rnd_below((uint64_t)mr->mr_nkeep)];
		else
			snaps[i] = mr->mr_floor + rnd_below(upper - mr->mr_floor);
	}
	/* Sometimes a snapshot above upper: ignored by the aggregation. */
	if (rnd_below(4) == 0)
		snaps[nsnap++] = upper + 1 + rnd_below(5);
	do {
		rc = vos_aggregate(mr->mr_tp.tp_cont, snaps, nsnap, upper, &an,
				   1 + (unsigned)rnd_below(rnd_below(2) ? 8 : 200), &st);
		assert_true(rc == 0 || rc == 1);
		calls++;
	} while (rc == 0);
	/* The views that stay readable: the chosen snapshots below upper that were readable. */
	keep = malloc(sizeof(*keep) * (nsnap + 1));
	assert_non_null(keep);
	for (unsigned i = 0; i < nsnap; i++) {
		bool readable = snaps[i] >= mr->mr_floor;

		for (int j = 0; j < mr->mr_nkeep && !readable; j++)
			readable = mr->mr_keep[j] == snaps[i];
		for (int j = 0; j < nkeep && readable; j++)
			readable = keep[j] != snaps[i];
		if (readable && snaps[i] < upper && snaps[i] > 0)
			keep[nkeep++] = snaps[i];
	}
	qsort(keep, (size_t)nkeep, sizeof(*keep), cmp_u64);
	free(mr->mr_keep);
	mr->mr_keep  = keep;
	mr->mr_nkeep = nkeep;
	mr->mr_floor = upper;
	if (mr->mr_tp.tp_ring != NULL)
		mr_check(mr);
	mr->mr_counts[6]++;
	mr->mr_counts[7] += st.as_sv_dropped + st.as_ext_dropped + st.as_punch_dropped;
	(void)calls;
}

static void
model_run(const char *base, uint64_t seed, int steps, bool blob, bool agg)
{
	struct mrun *mr = calloc(1, sizeof(*mr));

	assert_non_null(mr);
	g_rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	print_message("VOS18 %s%s%s: seed %llu, %d steps (VOS_TEST_SEED to override)\n", base,
		      blob ? " with a blob" : "", agg ? " and aggregation" : "",
		      (unsigned long long)seed, steps);
	m_rsize[3] = blob ? M_RSBLOB : 4;
	m_svmax    = blob ? M_SVBLOB : M_SVMAX;
	mr->mr_agg = agg;
	g_mr       = mr;
	if (blob)
		tp_create_blob(&mr->mr_tp, base, 64 * MiB, 64 * MiB);
	else
		tp_create(&mr->mr_tp, base, 64 * MiB);
	for (int step = 0; step < steps; step++) {
		uint64_t r = rnd_below(100);

		if (r < 30) {
			mr_update(mr);
		} else if (r < 36) {
			mr_punch(mr);
		} else if (r < 74) {
			mr_fetch(mr);
		} else if (r < 88) {
			mr_enum(mr);
		} else if (r < 98) {
			/* Batches: open one, or end the open one (one in five aborted). */
			if (!mr->mr_in_tx) {
				assert_int_equal(vos_tx_begin(mr->mr_tp.tp_pool), 0);
				mr->mr_in_tx = true;
			} else {
				mr_end_tx(mr, rnd_below(5) != 0);
			}
			mr->mr_counts[4]++;
		} else if (agg && rnd_below(2) == 0) {
			mr_aggregate(mr);
		} else {
			/* Reopen: an open batch is lost with the close. */
			if (mr->mr_in_tx) {
				for (int i = 0; i < mr->mr_npending; i++)
					free(mr->mr_pending[i].op_data);
				mr->mr_npending = 0;
				mr->mr_in_tx    = false;
			}
			tp_close(&mr->mr_tp);
			tp_open(&mr->mr_tp);
			if (blob)
				mr_check(mr);
			mr->mr_counts[5]++;
		}
	}
	if (mr->mr_in_tx)
		mr_end_tx(mr, true);
	if (blob)
		mr_check(mr);
	print_message("VOS18: %lu updates, %lu punches, %lu fetches, %lu listings, %lu batch ops, "
		      "%lu reopens, %lu aggregations (%lu records removed)\n", mr->mr_counts[0],
		      mr->mr_counts[1], mr->mr_counts[2], mr->mr_counts[3], mr->mr_counts[4],
		      mr->mr_counts[5], mr->mr_counts[6], mr->mr_counts[7]);
	tp_destroy(&mr->mr_tp);
	m_free(&mr->mr_model);
	free(mr->mr_pending);
	free(mr->mr_keep);
	free(mr);
	g_mr       = NULL;
	m_rsize[3] = 4;
	m_svmax    = M_SVMAX;
}

static uint64_t
test_seed(uint64_t dflt)
{
	const char *s = getenv("VOS_TEST_SEED");

	return s != NULL ? strtoull(s, NULL, 0) : dflt;
}

/* VOS18: seeded random updates, punches, batches, reopens, fetches and listings against a model (V1-V5, N1) */
static void
vos18_random_model(void **state)
{
	(void)state;
	model_run("/tmp", test_seed(20240601), 6000, false, false);
}

/* VOS19: the same on /var/tmp (ext4), another seed */
static void
vos19_random_model_ext4(void **state)
{
	(void)state;
	model_run("/var/tmp", test_seed(77) + 1, 3000, false, false);
}

/* VOS20: the random model with a blob (values above 4 KiB and array extents in it), aggregation at random points with random snapshots (G1, G2, B1) */
static void
vos20_random_model_blob_agg(void **state)
{
	(void)state;
	model_run("/var/tmp", test_seed(4242) + 2, 4000, true, true);
}

/* VOS21: the random model inline, with aggregation at random points (G2) */
static void
vos21_random_model_agg(void **state)
{
	(void)state;
	model_run("/tmp", test_seed(31337) + 3, 4000, false, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(vos01_pool_lifecycle, tdirs_teardown),
	    cmocka_unit_test_teardown(vos02_pool_args, tdirs_teardown),
	    cmocka_unit_test_teardown(vos03_header, tdirs_teardown),
	    cmocka_unit_test_teardown(vos04_containers, tdirs_teardown),
	    cmocka_unit_test_teardown(vos05_single_versions, tdirs_teardown),
	    cmocka_unit_test_teardown(vos06_array_overlaps, tdirs_teardown),
	    cmocka_unit_test_teardown(vos07_array_sgl, tdirs_teardown),
	    cmocka_unit_test_teardown(vos08_types_and_sizes, tdirs_teardown),
	    cmocka_unit_test_teardown(vos09_punch, tdirs_teardown),
	    cmocka_unit_test_teardown(vos10_enum_keys, tdirs_teardown),
	    cmocka_unit_test_teardown(vos11_enum_recx, tdirs_teardown),
	    cmocka_unit_test_teardown(vos12_group_commit, tdirs_teardown),
	    cmocka_unit_test_teardown(vos13_sticky_failure, tdirs_teardown),
	    cmocka_unit_test_teardown(vos14_checksum, tdirs_teardown),
	    cmocka_unit_test_teardown(vos15_space, tdirs_teardown),
	    cmocka_unit_test_teardown(vos16_bad_args, tdirs_teardown),
	    cmocka_unit_test_teardown(vos17_cont_destroy, tdirs_teardown),
	    cmocka_unit_test_teardown(vos18_random_model, tdirs_teardown),
	    cmocka_unit_test_teardown(vos19_random_model_ext4, tdirs_teardown),
	    cmocka_unit_test_teardown(vos20_random_model_blob_agg, tdirs_teardown),
	    cmocka_unit_test_teardown(vos21_random_model_agg, tdirs_teardown),
	};

	return cmocka_run_group_tests_name("vos", tests, NULL, NULL);
}
