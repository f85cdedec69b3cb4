/*
 * vos_pool.c: pool create, open, close, destroy and query.
 *
 * A pool is a directory holding one LMDB environment (data.mdb, lock.mdb).
 * The directory is flock'ed for as long as the pool is open or being
 * created or destroyed: LMDB must never see one environment opened twice in
 * a process (its fcntl locks would be released by the second close), and a
 * second process must not write it either.
 *
 * Invariants
 *   P1. A pool exists when data.mdb holds a header record; create writes the
 *       tables and the header in one synced transaction, so a crash leaves
 *       either no header (destroy removes it, create refuses it) or a pool.
 *   P2. Every header, whatever its layout version, starts with magic (8),
 *       version (4), flags (4) and the pool UUID (16): destroy and a version
 *       refusal can read them from any future layout.
 *   P3. The LMDB map size is the header's scm_size, set before any
 *       transaction of the open pool.
 *   P4. A pool is bound to at most one blob, for life: the first open with
 *       a blob writes its id and size into the header together with the
 *       free extent covering all of it; every later open must bring the same
 *       blob, and a pool with blob values is never opened without it.
 */
#define D_LOGFAC DD_FAC(vos)

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "vos/vos_internal.h"

const char *const vos_db_names[VOS_DB_NR] = {
    [VOS_DB_HDR] = "hdr",   [VOS_DB_CONT] = "cont",   [VOS_DB_OBJ] = "obj",
    [VOS_DB_KEY] = "key",   [VOS_DB_SV] = "sv",       [VOS_DB_EV] = "ev",
    [VOS_DB_PUNCH] = "punch", [VOS_DB_FREE] = "free", [VOS_DB_FREE_SZ] = "free_sz",
    [VOS_DB_PEND] = "pend",
};

/** LMDB environment flags (docs/design.md, "Group commit"). */
#define VOS_ENV_FLAGS (MDB_NOTLS | MDB_NOMETASYNC)

int
vos_scratch_reserve(struct vos_scratch *sc, size_t size)
{
	size_t n;
	void  *p;

	if (size <= sc->sc_size)
		return 0;
	n = sc->sc_size == 0 ? 4096 : sc->sc_size;
	while (n < size) {
		if (n > SIZE_MAX / 2)
			return -DER_NOMEM;
		n *= 2;
	}
	p = realloc(sc->sc_buf, n);
	if (p == NULL)
		return -DER_NOMEM;
	sc->sc_buf  = p;
	sc->sc_size = n;
	return 0;
}

void
vos_scratch_free(struct vos_scratch *sc)
{
	free(sc->sc_buf);
	sc->sc_buf  = NULL;
	sc->sc_size = 0;
}


static int
check_dir_arg(const char *dir)
{
	size_t len;

	if (dir == NULL)
		return -DER_INVAL;
	len = strnlen(dir, VOS_PATH_MAX);
	/* Room for "/data.mdb" so every file path fits VOS_PATH_MAX too. */
	if (len == 0 || len + sizeof("/" VOS_DATA_FILE) > VOS_PATH_MAX)
		return -DER_INVAL;
	return 0;
}

/* Opens and flocks `dir`; -DER_BUSY when another opener holds it. */
static int
dir_lock(const char *dir, int *fdp)
{
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return d_errno2der(errno);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int rc = errno == EWOULDBLOCK ? -DER_BUSY : d_errno2der(errno);

		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

static void
dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

/* 0 when the data file exists, -DER_NONEXIST when not, other errors as is. */
static int
data_file_exists(const char *dir)
{
	char        path[VOS_PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, VOS_DATA_FILE);
	if (stat(path, &st) != 0)
		return d_errno2der(errno);
	if (!S_ISREG(st.st_mode))
		return -DER_DF_INVAL;
	return 0;
}

static void
remove_files(const char *dir)
{
	char path[VOS_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, VOS_DATA_FILE);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, VOS_LOCK_FILE);
	(void)unlink(path);
}

static int
env_open(const char *dir, uint64_t mapsize, MDB_env **envp)
{
	MDB_env *env;
	int      rc;

	rc = mdb_env_create(&env);
	if (rc != 0)
		return vos_mdb2der(rc);
	rc = mdb_env_set_maxdbs(env, VOS_DB_NR);
	if (rc == 0 && mapsize != 0)
		rc = mdb_env_set_mapsize(env, mapsize);
	if (rc == 0)
		rc = mdb_env_open(env, dir, VOS_ENV_FLAGS, 0600);
	if (rc != 0) {
		D_ERROR("%s: cannot open the LMDB environment: %s\n", dir, mdb_strerror(rc));
		mdb_env_close(env);
		return vos_mdb2der(rc);
	}
	*envp = env;
	return 0;
}

int
vos_pool_create(const char *dir, const uuid_t pool_uuid, uint64_t scm_size, unsigned flags)
{
	struct vos_hdr_df hdr = {0};
	uint8_t           buf[VOS_HDR_DF_LEN];
	MDB_env          *env = NULL;
	MDB_txn          *txn = NULL;
	MDB_dbi           dbi[VOS_DB_NR];
	MDB_val           k;
	MDB_val           v;
	int               lock_fd = -1;
	bool              created = false;
	int               rc;

	rc = check_dir_arg(dir);
	if (rc != 0)
		return rc;
	if (pool_uuid == NULL || uuid_is_null(pool_uuid) || flags != 0)
		return -DER_INVAL;
	/* The map is a whole number of I/O pages. */
	scm_size -= scm_size % BIO_ALIGN;
	if (scm_size < VOS_SCM_SIZE_MIN || scm_size > VOS_SCM_SIZE_MAX)
		return -DER_INVAL;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return d_errno2der(errno);
	rc = dir_lock(dir, &lock_fd);
	if (rc != 0)
		return rc;
	rc = data_file_exists(dir);
	if (rc != -DER_NONEXIST) {
		rc = rc == 0 ? -DER_EXIST : rc;
		goto out;
	}

	rc = env_open(dir, scm_size, &env);
	if (rc != 0)
		goto out;
	created = true;
	rc = mdb_txn_begin(env, NULL, 0, &txn);
	for (int db = 0; rc == 0 && db < VOS_DB_NR; db++)
		rc = mdb_dbi_open(txn, vos_db_names[db], MDB_CREATE, &dbi[db]);
	if (rc == 0) {
		hdr.hd_magic      = VOS_POOL_MAGIC;
		hdr.hd_version    = VOS_POOL_DF_VERSION;
		hdr.hd_scm_size   = scm_size;
		hdr.hd_inline_max = VOS_INLINE_THRESHOLD;
		hdr.hd_next_cont  = 1;
		uuid_copy(hdr.hd_uuid, pool_uuid);
		vos_hdr_encode(&hdr, buf);
		k.mv_data = VOS_HDR_KEY;
		k.mv_size = sizeof(VOS_HDR_KEY) - 1;
		v.mv_data = buf;
		v.mv_size = sizeof(buf);
		rc        = mdb_put(txn, dbi[VOS_DB_HDR], &k, &v, 0);
	}
	if (rc == 0) {
		uint8_t seq[8] = {0};

		k.mv_data = VOS_TXN_KEY;
		k.mv_size = sizeof(VOS_TXN_KEY) - 1;
		v.mv_data = seq;
		v.mv_size = sizeof(seq);
		rc        = mdb_put(txn, dbi[VOS_DB_HDR], &k, &v, 0);
	}
	if (rc == 0) {
		rc  = mdb_txn_commit(txn);
		txn = NULL;
	}
	if (rc == 0)
		rc = mdb_env_sync(env, 1);
	if (rc != 0) {
		D_ERROR("%s: pool create: %s\n", dir, mdb_strerror(rc));
		rc = vos_mdb2der(rc);
	}
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	if (rc != 0 && created)
		remove_files(dir); /* P1: nothing half-made is left behind */
	dir_unlock(lock_fd);
	return rc;
}

/* Reads and checks the header through a read transaction that also opens the tables. */
static int
pool_load(struct vos_pool *pool, const uuid_t pool_uuid)
{
	MDB_txn *txn;
	MDB_val  k = {.mv_size = sizeof(VOS_HDR_KEY) - 1, .mv_data = VOS_HDR_KEY};
	MDB_val  v;
	int      rc;

	rc = mdb_txn_begin(pool->vp_env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return vos_mdb2der(rc);
	for (int db = 0; rc == 0 && db < VOS_DB_NR; db++)
		rc = mdb_dbi_open(txn, vos_db_names[db], 0, &pool->vp_dbi[db]);
	if (rc == MDB_NOTFOUND) {
		D_ERROR("%s: not a VOS pool (tables missing)\n", pool->vp_dir);
		rc = -DER_DF_INVAL;
		goto out;
	}
	if (rc != 0) {
		rc = vos_mdb2der(rc);
		goto out;
	}
	rc = mdb_get(txn, pool->vp_dbi[VOS_DB_HDR], &k, &v);
	if (rc != 0) {
		D_ERROR("%s: no pool header: %s\n", pool->vp_dir, mdb_strerror(rc));
		rc = rc == MDB_NOTFOUND ? -DER_DF_INVAL : vos_mdb2der(rc);
		goto out;
	}
	rc = vos_hdr_decode(&v, &pool->vp_hdr);
	if (rc == -DER_DF_INCOMPT) {
		D_ERROR("%s: pool layout version %u outside [%u, %u]\n", pool->vp_dir,
			pool->vp_hdr.hd_version, VOS_POOL_DF_VERSION_MIN, VOS_POOL_DF_VERSION_MAX);
		goto out;
	}
	if (rc != 0) {
		D_ERROR("%s: bad pool header\n", pool->vp_dir);
		goto out;
	}
	if (uuid_compare(pool->vp_hdr.hd_uuid, pool_uuid) != 0) {
		D_ERROR("%s: pool UUID differs from the one asked for\n", pool->vp_dir);
		rc = -DER_MISMATCH;
		goto out;
	}
	k.mv_data = VOS_TXN_KEY;
	k.mv_size = sizeof(VOS_TXN_KEY) - 1;
	rc        = mdb_get(txn, pool->vp_dbi[VOS_DB_HDR], &k, &v);
	if (rc != 0 || v.mv_size != 8) {
		D_ERROR("%s: no commit sequence\n", pool->vp_dir);
		rc = rc == 0 || rc == MDB_NOTFOUND ? -DER_DF_INVAL : vos_mdb2der(rc);
		goto out;
	}
	pool->vp_commit_seq = d_get_le64(v.mv_data);
	/* Keeps the table handles in the environment. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		rc = vos_mdb2der(rc);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rc;
}

static void
pool_free(struct vos_pool *pool)
{
	struct vos_cont *c;

	vos_rtx_fini(pool);
	while ((c = pool->vp_conts) != NULL) {
		pool->vp_conts = c->vc_next;
		free(c);
	}
	if (pool->vp_env != NULL)
		mdb_env_close(pool->vp_env);
	dir_unlock(pool->vp_lock_fd);
	vos_scratch_free(&pool->vp_ext);
	vos_scratch_free(&pool->vp_heap);
	vos_scratch_free(&pool->vp_piece);
	vos_scratch_free(&pool->vp_alloc);
	vos_scratch_free(&pool->vp_agg);
	vos_blob_fini(pool);
	free(pool);
}

/* P4: binds the blob at first open, or checks it is the bound one. */
static int
pool_blob_setup(struct vos_pool *pool, struct bio_ring *ring, const struct bio_blob *blob)
{
	int rc;

	if (ring == NULL) {
		if (pool->vp_hdr.hd_blob_id != 0) {
			D_ERROR("%s: pool is bound to blob %" PRIu64 "; open it with that blob\n",
				pool->vp_dir, pool->vp_hdr.hd_blob_id);
			return -DER_INVAL;
		}
		return 0;
	}
	if (pool->vp_hdr.hd_blob_id != 0 && (pool->vp_hdr.hd_blob_id != blob->bb_id ||
					     pool->vp_hdr.hd_blob_size != blob->bb_size)) {
		D_ERROR("%s: pool is bound to blob %" PRIu64 " of %" PRIu64 " bytes, not blob %"
			PRIu64 " of %" PRIu64 "\n", pool->vp_dir, pool->vp_hdr.hd_blob_id,
			pool->vp_hdr.hd_blob_size, blob->bb_id, blob->bb_size);
		return -DER_MISMATCH;
	}
	rc = vos_blob_init(pool);
	if (rc != 0)
		return rc;
	pool->vp_ring = ring;
	pool->vp_blob = *blob;
	if (pool->vp_hdr.hd_blob_id == 0) {
		rc = vos_blob_bind(pool, blob);
		if (rc != 0)
			return rc;
	}
	return vos_blob_load(pool);
}

int
vos_pool_open(const char *dir, const uuid_t pool_uuid, struct bio_ring *ring,
	      const struct bio_blob *blob, struct vos_pool **poolp)
{
	struct vos_pool *pool;
	MDB_envinfo      info;
	MDB_stat         st;
	int              rc;

	rc = check_dir_arg(dir);
	if (rc != 0)
		return rc;
	if (pool_uuid == NULL || poolp == NULL || (ring == NULL) != (blob == NULL))
		return -DER_INVAL;
	if (blob != NULL && (blob->bb_dev == NULL || blob->bb_id == 0 || blob->bb_size == 0 ||
			     blob->bb_size % BIO_ALIGN != 0 || blob->bb_size > BIO_DEV_SIZE_MAX))
		return -DER_INVAL;

	pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return -DER_NOMEM;
	pool->vp_lock_fd = -1;
	snprintf(pool->vp_dir, sizeof(pool->vp_dir), "%s", dir);

	rc = dir_lock(dir, &pool->vp_lock_fd);
	if (rc != 0)
		goto fail;
	rc = data_file_exists(dir);
	if (rc != 0)
		goto fail;
	/* Map size 0: LMDB takes the one recorded in the file; P3 sets ours below. */
	rc = env_open(dir, 0, &pool->vp_env);
	if (rc != 0)
		goto fail;
	rc = pool_load(pool, pool_uuid);
	if (rc != 0)
		goto fail;
	rc = mdb_env_stat(pool->vp_env, &st);
	if (rc == 0)
		rc = mdb_env_info(pool->vp_env, &info);
	if (rc == 0 && info.me_mapsize != pool->vp_hdr.hd_scm_size) {
		if (((uint64_t)info.me_last_pgno + 1) * st.ms_psize > pool->vp_hdr.hd_scm_size) {
			D_ERROR("%s: data file larger than the pool's SCM size\n", dir);
			rc = -DER_DF_INVAL;
			goto fail;
		}
		rc = mdb_env_set_mapsize(pool->vp_env, pool->vp_hdr.hd_scm_size);
	}
	if (rc != 0) {
		rc = vos_mdb2der(rc);
		goto fail;
	}
	vos_space_init(pool, st.ms_psize);
	rc = pool_blob_setup(pool, ring, blob);
	if (rc != 0)
		goto fail;

	rc = vos_cont_resume_destroys(pool);
	if (rc != 0)
		goto fail;
	*poolp = pool;
	return 0;
fail:
	pool_free(pool);
	return rc;
}

void
vos_pool_set_buffer_hold(struct vos_pool *pool, bool hold)
{
	pool->vp_zc_hold = hold;
}

int
vos_pool_close(struct vos_pool *pool)
{
	if (pool == NULL)
		return -DER_INVAL;
	for (struct vos_cont *c = pool->vp_conts; c != NULL; c = c->vc_next)
		if (c->vc_ref > 0)
			return -DER_BUSY;
	/* F1 (vos_fetch.c): fetches' reads complete (their callbacks run) before the pool goes. */
	if (pool->vp_ring != NULL)
		vos_pool_drain_reads(pool);
	vos_tx_abort(pool);
	pool_free(pool);
	return 0;
}

int
vos_pool_destroy(const char *dir, const uuid_t pool_uuid)
{
	MDB_env *env     = NULL;
	MDB_txn *txn     = NULL;
	MDB_dbi  dbi;
	MDB_val  k       = {.mv_size = sizeof(VOS_HDR_KEY) - 1, .mv_data = VOS_HDR_KEY};
	MDB_val  v;
	int      lock_fd = -1;
	int      rc;

	rc = check_dir_arg(dir);
	if (rc != 0)
		return rc;
	if (pool_uuid == NULL)
		return -DER_INVAL;
	rc = dir_lock(dir, &lock_fd);
	if (rc != 0)
		return rc;
	rc = data_file_exists(dir);
	if (rc != 0)
		goto out;
	rc = env_open(dir, 0, &env);
	if (rc != 0)
		goto out;
	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc != 0) {
		rc = vos_mdb2der(rc);
		goto out;
	}
	rc = mdb_dbi_open(txn, vos_db_names[VOS_DB_HDR], 0, &dbi);
	if (rc == 0)
		rc = mdb_get(txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND) {
		/* P1: creation never committed; nothing but LMDB's empty files is there. */
		rc = 0;
	} else if (rc != 0) {
		rc = vos_mdb2der(rc);
	} else if (v.mv_size < 32 || d_get_le64(v.mv_data) != VOS_POOL_MAGIC) {
		D_ERROR("%s: not a VOS pool header; nothing removed\n", dir);
		rc = -DER_DF_INVAL;
	} else if (memcmp((const uint8_t *)v.mv_data + 16, pool_uuid, 16) != 0) {
		rc = -DER_MISMATCH; /* P2: the UUID's place never moves */
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	env = NULL;
	if (rc == 0) {
		remove_files(dir);
		if (rmdir(dir) != 0 && errno != ENOTEMPTY && errno != EEXIST)
			D_WARN("%s: rmdir: %s\n", dir, strerror(errno));
	}
out:
	if (env != NULL)
		mdb_env_close(env);
	dir_unlock(lock_fd);
	return rc;
}

int
vos_pool_df_version(const char *dir, uint32_t *version)
{
	MDB_env *env     = NULL;
	MDB_txn *txn     = NULL;
	MDB_dbi  dbi;
	MDB_val  k       = {.mv_size = sizeof(VOS_HDR_KEY) - 1, .mv_data = VOS_HDR_KEY};
	MDB_val  v;
	int      lock_fd = -1;
	int      rc;

	rc = check_dir_arg(dir);
	if (rc != 0 || version == NULL)
		return -DER_INVAL;
	rc = dir_lock(dir, &lock_fd);
	if (rc != 0)
		return rc;
	rc = data_file_exists(dir);
	if (rc == 0)
		rc = env_open(dir, 0, &env);
	if (rc != 0)
		goto out;
	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc != 0) {
		rc = vos_mdb2der(rc);
		goto out;
	}
	rc = mdb_dbi_open(txn, vos_db_names[VOS_DB_HDR], 0, &dbi);
	if (rc == 0)
		rc = mdb_get(txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND) {
		rc = -DER_DF_INVAL;
	} else if (rc != 0) {
		rc = vos_mdb2der(rc);
	} else if (v.mv_size < 12 || d_get_le64(v.mv_data) != VOS_POOL_MAGIC) {
		rc = -DER_DF_INVAL;
	} else {
		/* P2: magic and version keep their place in every layout. */
		*version = d_get_le32((const uint8_t *)v.mv_data + 8);
	}
	mdb_txn_abort(txn);
out:
	if (env != NULL)
		mdb_env_close(env);
	dir_unlock(lock_fd);
	return rc;
}

int
vos_pool_query(struct vos_pool *pool, struct vos_pool_info *info)
{
	struct vos_txh *rtx;
	MDB_stat        st;
	uint64_t        live;
	int             rc;

	if (pool == NULL || info == NULL)
		return -DER_INVAL;
	rc = vos_rtx_get(pool, &rtx);
	if (rc != 0)
		return rc;
	rc = vos_space_live_pages(pool, rtx->th_txn, &live);
	if (rc != 0)
		return rc;
	rc = mdb_stat(rtx->th_txn, pool->vp_dbi[VOS_DB_CONT], &st);
	if (rc != 0)
		return vos_mdb2der(rc);
	memset(info, 0, sizeof(*info));
	uuid_copy(info->pi_uuid, pool->vp_hdr.hd_uuid);
	info->pi_df_version  = pool->vp_hdr.hd_version;
	info->pi_cont_nr     = (uint32_t)st.ms_entries;
	info->pi_scm_total   = pool->vp_space.sp_quota_pages * pool->vp_space.sp_psize;
	info->pi_scm_used    = live * pool->vp_space.sp_psize;
	info->pi_scm_map     = pool->vp_hdr.hd_scm_size;
	info->pi_nvme_total  = pool->vp_hdr.hd_blob_size;
	info->pi_nvme_used   = pool->vp_hdr.hd_blob_size - pool->vp_nvme_free;
	info->pi_csum_errors = pool->vp_csum_errs;
	return 0;
}
