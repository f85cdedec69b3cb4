/*
 * eng_pool.c: a target's pools (docs/design.md C2, C3): the VOS pool of
 * (pool, target) in <scm_mount>/pools/<uuid>/<t>, its blob from SMD, its pool
 * map (kept in <scm_mount>/pools/<uuid>/map.<t>), its cache of open container
 * handles, and the TGT_* handlers.
 *
 * Invariants:
 *  1. t_pools[0..t_pool_nr) are the pools this target serves, each with an
 *     open VOS pool and its bit set in the engine's pool table (eng_nvme.c).
 *  2. A pool create leaves nothing behind when it fails: the reservation is
 *     given back, a VOS pool it made is destroyed, a blob it carved is freed
 *     when no other target holds the pool (SMD frees blobs per pool).
 *  3. Operations VOS refuses while a batch is open (container create and
 *     destroy, pool close) commit the pool's batch first, so writes staged
 *     before them are durable and answered before them.
 *  4. p_map_version only grows, and the map file is written (atomically)
 *     before it does, so a restart never goes back to an older map.
 *  5. Every cached container handle is of this pool and open; a destroy
 *     closes the cached handle before asking VOS.
 *  6. A served pool has this target's metrics (pool/<uuid>/.../tgt_N) from
 *     its create or open to its destroy; a close at stop keeps them (the
 *     segment goes with the engine).
 *
 * RAS events of a start (eng_pools_open_all), one per target that finds it:
 * a pool VOS refuses for its layout version raises
 * pool_durable_format_incompat ("incompatible layout version: V not in [MIN,
 * MAX]", the pool UUID); a pool that cannot be opened for any other reason
 * raises pool_start_failed (the error, the reason in data); each container of
 * an opened pool whose record has a layout version VOS does not open raises
 * container_durable_format_incompat (pool and container UUIDs) and its I/O is
 * refused with -DER_DF_INCOMPT. Neither kind of pool is served by that target.
 *
 * The TGT_* requests are daos_server's management of the targets: each is
 * logged at DEBUG in the mgmt facility (as DAOS's mgmt module logs its target
 * requests), the rest of this file logs in the pool facility.
 */
#define D_LOGFAC DD_FAC(pool)

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "engine/eng_internal.h"

/* Tries of a create whose parent directory another target removed meanwhile. */
#define POOL_MKDIR_TRIES 3

/* A DEBUG line of the mgmt facility (this file's own facility is pool). */
#define MGMT_DEBUG(fmt, ...)                                                                \
	do {                                                                                \
		if (d_log_enabled(DD_FAC(mgmt), D_LOG_DBUG))                                \
			d_log_write(DD_FAC(mgmt), D_LOG_DBUG, __FILE__, __LINE__, __func__, \
				    fmt, ##__VA_ARGS__);                                     \
	} while (0)

/* ---- Paths ---- */

/*
 * Paths of a pool. eng_storage_open() checked that they fit VOS_PATH_MAX, so
 * none is ever cut; the helpers return snprintf's result all the same.
 */
static int
path_parent(const struct eng_tgt *t, const uuid_t uuid, char *buf, size_t len)
{
	char str[37];

	uuid_unparse_lower(uuid, str);
	return snprintf(buf, len, "%s/%s/%s", t->t_st->es_scm, ENG_POOLS_DIR, str);
}

static int
path_pool(const struct eng_tgt *t, const uuid_t uuid, char *buf, size_t len)
{
	char str[37];

	uuid_unparse_lower(uuid, str);
	return snprintf(buf, len, "%s/%s/%s/%u", t->t_st->es_scm, ENG_POOLS_DIR, str, t->t_idx);
}

static int
path_map(const struct eng_tgt *t, const uuid_t uuid, const char *suffix, char *buf, size_t len)
{
	char str[37];

	uuid_unparse_lower(uuid, str);
	return snprintf(buf, len, "%s/%s/%s/map.%u%s", t->t_st->es_scm, ENG_POOLS_DIR, str,
			t->t_idx, suffix);
}

static int
path_pools(const struct eng_tgt *t, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", t->t_st->es_scm, ENG_POOLS_DIR);
}


/* mkdir -p of <scm>/pools/<uuid> (the SCM mount exists). */
static int
mkdir_parent(const struct eng_tgt *t, const uuid_t uuid)
{
	char path[VOS_PATH_MAX];

	path_pools(t, path, sizeof(path));
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return d_errno2der(errno);
	path_parent(t, uuid, path, sizeof(path));
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return d_errno2der(errno);
	return 0;
}

/* Remove <scm>/pools/<uuid> once no target has anything left in it. */
static void
rmdir_parent(const struct eng_tgt *t, const uuid_t uuid)
{
	char path[VOS_PATH_MAX];

	path_parent(t, uuid, path, sizeof(path));
	if (rmdir(path) != 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
		D_WARN("rmdir %s: %s\n", path, strerror(errno));
}

/* ---- Pool maps ---- */

/* Invariant 4: write the encoded map to map.<t> atomically (temp, fsync, rename, dir fsync). */
static int
map_store(const struct eng_tgt *t, const uuid_t uuid, const void *buf, size_t len)
{
	char    tmp[VOS_PATH_MAX];
	char    dst[VOS_PATH_MAX];
	char    dir[VOS_PATH_MAX];
	size_t  off = 0;
	int     fd;
	int     rc = 0;

	path_map(t, uuid, ".tmp", tmp, sizeof(tmp));
	path_map(t, uuid, "", dst, sizeof(dst));
	path_parent(t, uuid, dir, sizeof(dir));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return d_errno2der(errno);
	while (off < len) {
		ssize_t n = write(fd, (const uint8_t *)buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = d_errno2der(n < 0 ? errno : EIO);
			break;
		}
		off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = d_errno2der(errno);
	close(fd);
	if (rc == 0 && rename(tmp, dst) != 0)
		rc = d_errno2der(errno);
	if (rc != 0) {
		(void)unlink(tmp);
		return rc;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = d_errno2der(errno);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Load map.<t> if present (a bad one is logged and ignored: version 0). */
static void
map_load(const struct eng_tgt *t, struct eng_pool *p)
{
	char                path[VOS_PATH_MAX];
	char                err[256];
	struct stat         sb;
	struct pl_pool_map *map = NULL;
	uint8_t            *buf = NULL;
	size_t              off = 0;
	int                 fd;
	int                 rc;

	path_map(t, p->p_uuid, "", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			D_ERROR("%s: %s; the pool has no map until the next update\n", path,
				strerror(errno));
		return;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0 ||
	    sb.st_size > PROTO_MAP_BLOB_MAX) {
		D_ERROR("%s: not a pool map of 1..%u bytes; ignored\n", path, PROTO_MAP_BLOB_MAX);
		goto out;
	}
	buf = malloc((size_t)sb.st_size);
	if (buf == NULL)
		goto out;
	while (off < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)sb.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	rc = off == (size_t)sb.st_size ? pl_map_decode(buf, off, &map, err, sizeof(err))
				       : -DER_IO;
	if (rc != 0) {
		D_ERROR("%s: unusable (%s); the pool has no map until the next update\n", path,
			rc == -DER_IO ? "short read" : err);
		goto out;
	}
	p->p_map         = map;
	p->p_map_version = map->pm_version;
out:
	free(buf);
	close(fd);
}

/* ---- The pool table ---- */

struct eng_pool *
eng_pool_find(struct eng_tgt *t, const uuid_t uuid)
{
	for (uint32_t i = 0; i < t->t_pool_nr; i++)
		if (uuid_compare(t->t_pools[i]->p_uuid, uuid) == 0)
			return t->t_pools[i];
	return NULL;
}

static void
pool_unlink(struct eng_tgt *t, struct eng_pool *p)
{
	for (uint32_t i = 0; i < t->t_pool_nr; i++) {
		if (t->t_pools[i] == p) {
			t->t_pools[i] = t->t_pools[--t->t_pool_nr];
			return;
		}
	}
}

/* ---- Container handles ---- */

static void
conts_close(struct eng_pool *p)
{
	for (uint32_t i = 0; i < p->p_cont_nr; i++)
		vos_cont_close(p->p_conts[i].ec_cont);
	p->p_cont_nr = 0;
}

static void
cont_forget(struct eng_pool *p, const uuid_t uuid)
{
	for (uint32_t i = 0; i < p->p_cont_nr; i++) {
		if (uuid_compare(p->p_conts[i].ec_uuid, uuid) == 0) {
			vos_cont_close(p->p_conts[i].ec_cont);
			p->p_conts[i] = p->p_conts[--p->p_cont_nr];
			return;
		}
	}
}

int
eng_pool_cont(struct eng_tgt *t, struct eng_pool *p, const uuid_t uuid, bool create,
	      struct vos_cont **contp)
{
	struct vos_cont *c = NULL;
	struct eng_cont *ec;
	int              rc;

	for (uint32_t i = 0; i < p->p_cont_nr; i++) {
		if (uuid_compare(p->p_conts[i].ec_uuid, uuid) == 0) {
			p->p_conts[i].ec_used = ++t->t_tick;
			*contp = p->p_conts[i].ec_cont;
			return 0;
		}
	}
	rc = vos_cont_open(p->p_vos, uuid, &c);
	if (rc == -DER_NONEXIST && create) {
		/* Containers live in the MS; targets learn them from their first write (C3). */
		eng_pool_flush(t, p); /* invariant 3 */
		rc = vos_cont_create(p->p_vos, uuid);
		if (rc == 0 || rc == -DER_EXIST)
			rc = vos_cont_open(p->p_vos, uuid, &c);
	}
	if (rc != 0)
		return rc;
	if (p->p_cont_nr == ENG_CONT_CACHE_MAX) {
		uint32_t lru = 0;

		/* VOS keeps a container with staged writes alive until commit. */
		for (uint32_t i = 1; i < p->p_cont_nr; i++)
			if (p->p_conts[i].ec_used < p->p_conts[lru].ec_used)
				lru = i;
		vos_cont_close(p->p_conts[lru].ec_cont);
		p->p_conts[lru] = p->p_conts[--p->p_cont_nr];
	}
	ec = &p->p_conts[p->p_cont_nr++];
	uuid_copy(ec->ec_uuid, uuid);
	ec->ec_cont = c;
	ec->ec_used = ++t->t_tick;
	*contp      = c;
	return 0;
}

/* ---- Open and close ---- */

/* A pool found at start-up is not served: log why and raise pool_start_failed. */
static void
pool_start_failed(struct eng_tgt *t, const uuid_t uuid, int rc, const char *why)
{
	char str[37];
	char data[D_RAS_DATA_MAX];

	uuid_unparse_lower(uuid, str);
	D_ERROR("target %u: pool %s not served: %s (" DF_RC ")\n", t->t_idx, str, why,
		DP_RC(rc));
	snprintf(data, sizeof(data), "target %u: %s: %s", t->t_idx, why, d_errdesc(rc));
	eng_ras_raise_async(t->t_st, RAS_POOL_START_FAILED, RAS_SEV_UNKNOWN, uuid, NULL, NULL,
			    data, "failed to start pool on target %u: %s", t->t_idx, d_errstr(rc));
}

/* The pool's layout version is one VOS does not read: pool_durable_format_incompat. */
static void
pool_df_incompat(struct eng_tgt *t, struct eng_pool *p)
{
	char     str[37];
	char     data[128];
	uint32_t version;
	int      rc;

	uuid_unparse_lower(p->p_uuid, str);
	snprintf(data, sizeof(data), "target %u: the pool is not served", t->t_idx);
	rc = vos_pool_df_version(p->p_dir, &version);
	if (rc != 0) {
		D_ERROR("target %u: pool %s has a VOS layout this engine cannot read (supported "
			"%d..%d); not served\n", t->t_idx, str, VOS_POOL_DF_VERSION_MIN,
			VOS_POOL_DF_VERSION_MAX);
		eng_ras_raise_async(t->t_st, RAS_POOL_DURABLE_FORMAT_INCOMPAT, RAS_SEV_UNKNOWN,
				    p->p_uuid, NULL, NULL, data, "incompatible layout version");
		return;
	}
	D_ERROR("target %u: pool %s has VOS layout version %u, this engine reads %d..%d; not "
		"served\n", t->t_idx, str, version, VOS_POOL_DF_VERSION_MIN,
		VOS_POOL_DF_VERSION_MAX);
	eng_ras_raise_async(t->t_st, RAS_POOL_DURABLE_FORMAT_INCOMPAT, RAS_SEV_UNKNOWN, p->p_uuid,
			    NULL, NULL, data, "incompatible layout version: %u not in [%u, %u]",
			    version, VOS_POOL_DF_VERSION_MIN, VOS_POOL_DF_VERSION_MAX);
}

struct cont_check {
	struct eng_tgt  *cc_t;
	struct eng_pool *cc_p;
	uint32_t         cc_bad;
};

/* vos_cont_iterate() callback: a container VOS will not open for its layout version. */
static int
cont_check_cb(const uuid_t cont, uint32_t version, void *arg)
{
	struct cont_check *cc = arg;
	struct eng_tgt    *t  = cc->cc_t;
	char               ps[37], cs[37];
	char               data[128];

	if (version - VOS_CONT_DF_VERSION_MIN <= VOS_CONT_DF_VERSION_MAX - VOS_CONT_DF_VERSION_MIN)
		return 0;
	cc->cc_bad++;
	uuid_unparse_lower(cc->cc_p->p_uuid, ps);
	uuid_unparse_lower(cont, cs);
	D_ERROR("target %u: pool %s container %s has layout version %u, this engine reads "
		"%u..%u: its I/O is refused\n", t->t_idx, ps, cs, version, VOS_CONT_DF_VERSION_MIN,
		VOS_CONT_DF_VERSION_MAX);
	snprintf(data, sizeof(data), "target %u: the container is not served", t->t_idx);
	eng_ras_raise_async(t->t_st, RAS_CONTAINER_DURABLE_FORMAT_INCOMPAT, RAS_SEV_UNKNOWN,
			    cc->cc_p->p_uuid, cont, NULL, data,
			    "incompatible layout version: %u not in [%u, %u]", version,
			    VOS_CONT_DF_VERSION_MIN, VOS_CONT_DF_VERSION_MAX);
	return 0;
}

/* Open the pool found at start-up in pools/<uuid>/<t>; failures are logged and raised. */
static void
pool_open_found(struct eng_tgt *t, const uuid_t uuid)
{
	struct vos_pool_info info;
	struct cont_check    cc = {.cc_t = t};
	struct eng_pool     *p;
	char                 str[37];
	int                  rc;

	uuid_unparse_lower(uuid, str);
	if (t->t_pool_nr >= ENG_POOLS_MAX) {
		char why[96];

		snprintf(why, sizeof(why), "%u pools open, the most a target serves",
			 ENG_POOLS_MAX);
		pool_start_failed(t, uuid, -DER_OVERFLOW, why);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		pool_start_failed(t, uuid, -DER_NOMEM, "out of memory");
		return;
	}
	uuid_copy(p->p_uuid, uuid);
	path_pool(t, uuid, p->p_dir, sizeof(p->p_dir));
	rc = eng_st_blob_lookup(t->t_st, uuid, t->t_idx, &p->p_blob, &p->p_has_blob);
	if (rc != 0) {
		pool_start_failed(t, uuid, rc, "the device of its NVMe blob is not usable");
		goto fail;
	}
	rc = vos_pool_open(p->p_dir, uuid, p->p_has_blob ? t->t_ring : NULL,
			   p->p_has_blob ? &p->p_blob : NULL, &p->p_vos);
	if (rc == -DER_DF_INCOMPT) {
		pool_df_incompat(t, p);
		goto fail;
	}
	if (rc != 0) {
		pool_start_failed(t, uuid, rc, "its VOS pool cannot be opened");
		goto fail;
	}
	/* Write request bodies live until their batch is answered (eng_obj.c, invariant 2). */
	vos_pool_set_buffer_hold(p->p_vos, true);
	rc = vos_pool_query(p->p_vos, &info);
	if (rc == 0) {
		p->p_scm = info.pi_scm_map;
		rc       = eng_st_pool_hold(t->t_st, uuid, t->t_idx, p->p_scm);
	}
	if (rc != 0) {
		pool_start_failed(t, uuid, rc, "its VOS pool cannot be queried or held");
		(void)vos_pool_close(p->p_vos);
		goto fail;
	}
	/* Containers VOS will refuse: raised now, at the start, not at their first I/O. */
	cc.cc_p = p;
	rc      = vos_cont_iterate(p->p_vos, cont_check_cb, &cc);
	if (rc != 0)
		D_ERROR("target %u: pool %s: the containers cannot be listed: " DF_RC "\n",
			t->t_idx, str, DP_RC(rc));
	map_load(t, p);
	t->t_pools[t->t_pool_nr++] = p;
	eng_telem_pool_init(t, p); /* invariant 6 */
	D_INFO("target %u: pool %s opened (map version %u%s%s)\n", t->t_idx, str,
	       p->p_map_version, p->p_has_blob ? ", with a blob" : "",
	       cc.cc_bad > 0 ? ", containers of an incompatible layout refused" : "");
	return;
fail:
	free(p);
}

void
eng_pools_open_all(struct eng_tgt *t)
{
	char           path[VOS_PATH_MAX];
	struct dirent *de;
	DIR           *d;
	uint32_t       seen = 0;

	path_pools(t, path, sizeof(path));
	d = opendir(path);
	if (d == NULL) {
		if (errno != ENOENT)
			D_ERROR("target %u: cannot read %s: %s\n", t->t_idx, path,
				strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		uuid_t      uuid;
		char        dir[VOS_PATH_MAX];
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++seen > ENG_POOL_SCAN_MAX) {
			D_ERROR("target %u: more than %u entries in %s: the rest are ignored\n",
				t->t_idx, ENG_POOL_SCAN_MAX, path);
			break;
		}
		if (strlen(de->d_name) != 36 || uuid_parse(de->d_name, uuid) != 0) {
			D_WARN("target %u: %s/%.64s is not a pool directory: ignored\n", t->t_idx,
			       path, de->d_name);
			continue;
		}
		path_pool(t, uuid, dir, sizeof(dir));
		if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
			continue; /* the pool has no shard on this target */
		if (eng_pool_find(t, uuid) == NULL)
			pool_open_found(t, uuid);
	}
	closedir(d);
}

/* Close a pool (invariant 3: its batch is committed first); frees p. */
static void
pool_close(struct eng_tgt *t, struct eng_pool *p)
{
	char str[37];
	int  rc;

	eng_pool_flush(t, p);
	conts_close(p);
	rc = vos_pool_close(p->p_vos);
	if (rc != 0) {
		uuid_unparse_lower(p->p_uuid, str);
		D_ERROR("target %u: closing pool %s: " DF_RC "\n", t->t_idx, str, DP_RC(rc));
	}
	pl_map_free(p->p_map);
	free(p);
}

void
eng_pools_close_all(struct eng_tgt *t)
{
	while (t->t_pool_nr > 0) {
		struct eng_pool *p = t->t_pools[t->t_pool_nr - 1];
		uuid_t           uuid;
		uint64_t         scm = p->p_scm;

		uuid_copy(uuid, p->p_uuid);
		t->t_pool_nr--;
		pool_close(t, p);
		eng_st_pool_release(t->t_st, uuid, t->t_idx, scm, false);
	}
}

/* ---- TGT_* handlers ---- */

static void
tgt_pool_create(struct eng_tgt *t, struct net_req *req, const struct proto_tgt_pool_create *pc)
{
	struct vos_pool_info info;
	struct eng_pool     *p;
	uint64_t             scm  = pc->tpc_scm_bytes - pc->tpc_scm_bytes % BIO_ALIGN;
	uint64_t             nvme = 0;
	bool                 adopt = false;
	char                 str[37];
	int                  rc;

	uuid_unparse_lower(pc->tpc_pool, str);
	if (uuid_is_null(pc->tpc_pool) || scm < VOS_SCM_SIZE_MIN || scm > VOS_SCM_SIZE_MAX) {
		D_ERROR("target %u: pool %s: SCM size %" PRIu64 " outside [%llu, %llu]\n",
			t->t_idx, str, pc->tpc_scm_bytes, (unsigned long long)VOS_SCM_SIZE_MIN,
			(unsigned long long)VOS_SCM_SIZE_MAX);
		eng_reply(req, -DER_INVAL);
		return;
	}
	if (pc->tpc_nvme_bytes > BIO_DEV_SIZE_MAX) {
		D_ERROR("target %u: pool %s: %" PRIu64 " bytes of NVMe is more than any device\n",
			t->t_idx, str, pc->tpc_nvme_bytes);
		eng_reply(req, -DER_NOSPACE);
		return;
	}
	if (pc->tpc_nvme_bytes > 0)
		nvme = (pc->tpc_nvme_bytes + BIO_BLOB_ALIGN - 1) / BIO_BLOB_ALIGN * BIO_BLOB_ALIGN;

	p = eng_pool_find(t, pc->tpc_pool);
	if (p != NULL) {
		/* Idempotent: the same sizes again is the same pool. */
		uint64_t have = p->p_has_blob ? p->p_blob.bb_size : 0;

		if (p->p_scm == scm && have == nvme) {
			eng_reply(req, 0);
		} else {
			D_ERROR("target %u: pool %s exists with %" PRIu64 "/%" PRIu64 " bytes of "
				"SCM/NVMe, %" PRIu64 "/%" PRIu64 " asked\n", t->t_idx, str, p->p_scm,
				have, scm, nvme);
			eng_reply(req, -DER_EXIST);
		}
		return;
	}
	if (t->t_pool_nr >= ENG_POOLS_MAX) {
		D_ERROR("target %u: pool %s: %u pools, the most a target serves\n", t->t_idx, str,
			ENG_POOLS_MAX);
		eng_reply(req, -DER_OVERFLOW);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		eng_reply(req, -DER_NOMEM);
		return;
	}
	uuid_copy(p->p_uuid, pc->tpc_pool);
	p->p_scm = scm;
	path_pool(t, p->p_uuid, p->p_dir, sizeof(p->p_dir));

	rc = eng_st_pool_reserve(t->t_st, p->p_uuid, t->t_idx, scm, nvme, &p->p_blob,
				 &p->p_has_blob);
	if (rc != 0)
		goto fail_free;
	for (int i = 0; i < POOL_MKDIR_TRIES; i++) {
		rc = mkdir_parent(t, p->p_uuid);
		if (rc == 0)
			rc = vos_pool_create(p->p_dir, p->p_uuid, scm, 0);
		if (rc != -DER_NONEXIST)
			break; /* else another target removed the parent meanwhile */
	}
	if (rc == -DER_EXIST) {
		/* On disk but not served: a pool that failed to open, or a crash. */
		adopt = true;
		rc    = 0;
	}
	if (rc != 0) {
		D_ERROR("target %u: pool %s: cannot create %s: " DF_RC "\n", t->t_idx, str,
			p->p_dir, DP_RC(rc));
		goto fail_release;
	}
	rc = vos_pool_open(p->p_dir, p->p_uuid, p->p_has_blob ? t->t_ring : NULL,
			   p->p_has_blob ? &p->p_blob : NULL, &p->p_vos);
	if (rc != 0) {
		D_ERROR("target %u: pool %s: cannot open %s: " DF_RC "\n", t->t_idx, str,
			p->p_dir, DP_RC(rc));
		if (adopt)
			goto fail_keep;
		(void)vos_pool_destroy(p->p_dir, p->p_uuid);
		goto fail_release;
	}
	vos_pool_set_buffer_hold(p->p_vos, true); /* as in the open at start */
	if (adopt) {
		rc = vos_pool_query(p->p_vos, &info);
		if (rc == 0 && info.pi_scm_map != scm) {
			D_ERROR("target %u: pool %s exists on disk with %" PRIu64 " bytes of SCM, "
				"%" PRIu64 " asked\n", t->t_idx, str, info.pi_scm_map, scm);
			rc = -DER_EXIST;
		}
		if (rc != 0) {
			(void)vos_pool_close(p->p_vos);
			goto fail_keep;
		}
		map_load(t, p);
	}
	t->t_pools[t->t_pool_nr++] = p;
	eng_telem_pool_init(t, p); /* invariant 6 */
	eng_telem_tgt_refresh(t);  /* its staging memory */
	D_INFO("target %u: pool %s %s (%" PRIu64 " bytes SCM, %" PRIu64 " bytes NVMe)\n",
	       t->t_idx, str, adopt ? "adopted" : "created", scm, nvme);
	eng_reply(req, 0);
	return;

fail_keep:
	/* The pool on disk is not ours to remove: keep it and its blob. */
	eng_st_pool_release(t->t_st, p->p_uuid, t->t_idx, scm, false);
	goto fail_free;
fail_release:
	/* Invariant 2. */
	eng_st_pool_release(t->t_st, p->p_uuid, t->t_idx, scm, true);
	rmdir_parent(t, p->p_uuid);
fail_free:
	free(p);
	eng_reply(req, rc);
}

static void
tgt_pool_destroy(struct eng_tgt *t, struct net_req *req, const uuid_t uuid)
{
	struct eng_pool *p = eng_pool_find(t, uuid);
	char             dir[VOS_PATH_MAX];
	char             map[VOS_PATH_MAX];
	char             str[37];
	uint64_t         scm = 0;
	int              rc;

	uuid_unparse_lower(uuid, str);
	path_pool(t, uuid, dir, sizeof(dir));
	if (p != NULL) {
		scm = p->p_scm;
		eng_pool_flush(t, p);
		if (p->p_has_blob) {
			/* Advisory: gives the space of a file device back to its file system. */
			rc = bio_unmap(t->t_ring, &p->p_blob, 0, p->p_blob.bb_size);
			if (rc != 0 && rc != -DER_NOTSUPPORTED) {
				D_WARN("target %u: pool %s: unmap of its blob: " DF_RC "\n",
				       t->t_idx, str, DP_RC(rc));
				eng_dev_io_check(t, p->p_blob.bb_dev);
			}
		}
		eng_telem_pool_fini(t, uuid, p); /* invariant 6 */
		pool_unlink(t, p);
		pool_close(t, p);
	} else {
		eng_telem_pool_fini(t, uuid, NULL);
	}
	eng_telem_tgt_refresh(t); /* its staging memory went with the pool */
	rc = vos_pool_destroy(dir, uuid);
	if (rc == -DER_NONEXIST)
		rc = 0; /* absent: destroyed already (C3) */
	if (rc == 0) {
		path_map(t, uuid, "", map, sizeof(map));
		if (unlink(map) != 0 && errno != ENOENT)
			D_WARN("unlink %s: %s\n", map, strerror(errno));
		path_map(t, uuid, ".tmp", map, sizeof(map));
		(void)unlink(map);
		(void)rmdir(dir);
		rmdir_parent(t, uuid);
	} else {
		D_ERROR("target %u: pool %s: cannot destroy %s: " DF_RC "\n", t->t_idx, str, dir,
			DP_RC(rc));
	}
	/* Invariant 4 of eng_nvme.c: blobs go with the last target of the pool. */
	eng_st_pool_release(t->t_st, uuid, t->t_idx, scm, rc == 0);
	if (rc == 0)
		D_INFO("target %u: pool %s destroyed\n", t->t_idx, str);
	eng_reply(req, rc);
}

static void
tgt_cont(struct eng_tgt *t, struct net_req *req, uint16_t op, const struct proto_tgt_cont *tc)
{
	struct eng_pool *p = eng_pool_find(t, tc->tc_pool);
	int              rc;

	if (p == NULL) {
		eng_reply(req, -DER_NONEXIST);
		return;
	}
	eng_pool_flush(t, p); /* invariant 3 */
	if (op == PROTO_OP_TGT_CONT_CREATE) {
		rc = vos_cont_create(p->p_vos, tc->tc_cont);
		if (rc == -DER_EXIST)
			rc = 0;
	} else {
		cont_forget(p, tc->tc_cont); /* invariant 5 */
		rc = vos_cont_destroy(p->p_vos, tc->tc_cont);
		if (rc == -DER_NONEXIST)
			rc = 0;
	}
	if (rc != 0) {
		char ps[37], cs[37];

		uuid_unparse_lower(tc->tc_pool, ps);
		uuid_unparse_lower(tc->tc_cont, cs);
		D_ERROR("target %u: pool %s container %s: %s: " DF_RC "\n", t->t_idx, ps, cs,
			proto_opcode_name(op), DP_RC(rc));
	}
	eng_reply(req, rc);
}

static void
tgt_map_update(struct eng_tgt *t, struct net_req *req, const struct proto_tgt_map_update *mu)
{
	struct eng_pool    *p = eng_pool_find(t, mu->tmu_pool);
	struct pl_pool_map *map = NULL;
	char                err[256];
	int                 rc;

	if (p == NULL) {
		eng_reply(req, -DER_NONEXIST);
		return;
	}
	rc = pl_map_decode(mu->tmu_map.iov_buf, mu->tmu_map.iov_len, &map, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("target %u: map update from %s refused: %s\n", t->t_idx,
			net_req_peer(req), err);
		goto out;
	}
	if (map->pm_version != mu->tmu_map_version) {
		D_ERROR("target %u: map update from %s says version %u, its map is version %u\n",
			t->t_idx, net_req_peer(req), mu->tmu_map_version, map->pm_version);
		rc = -DER_INVAL;
		goto out;
	}
	if (map->pm_version > p->p_map_version) {
		rc = map_store(t, p->p_uuid, mu->tmu_map.iov_buf, mu->tmu_map.iov_len);
		if (rc != 0) {
			D_ERROR("target %u: cannot keep pool map version %u: " DF_RC "\n", t->t_idx,
				map->pm_version, DP_RC(rc));
			goto out;
		}
		pl_map_free(p->p_map);
		p->p_map         = map;
		p->p_map_version = map->pm_version;
		map              = NULL;
	}
out:
	pl_map_free(map);
	net_req_set_reply_map_version(req, p->p_map_version);
	eng_reply(req, rc);
}

static void
tgt_query(struct eng_tgt *t, struct net_req *req, const uuid_t uuid)
{
	struct eng_pool          *p = eng_pool_find(t, uuid);
	struct vos_pool_info      info;
	struct proto_tgt_query_rep rep;
	int                       rc;

	if (p == NULL) {
		eng_reply(req, -DER_NONEXIST);
		return;
	}
	rc = vos_pool_query(p->p_vos, &info);
	if (rc != 0) {
		eng_reply(req, rc);
		return;
	}
	rep.tqr_scm_total  = info.pi_scm_total;
	rep.tqr_scm_free   = info.pi_scm_total > info.pi_scm_used
				     ? info.pi_scm_total - info.pi_scm_used : 0;
	rep.tqr_nvme_total = info.pi_nvme_total;
	rep.tqr_nvme_free  = info.pi_nvme_total > info.pi_nvme_used
				     ? info.pi_nvme_total - info.pi_nvme_used : 0;
	net_req_set_reply_map_version(req, p->p_map_version);
	rc = proto_tgt_query_rep_enc(&rep, &t->t_msg);
	eng_reply_msg(t, req, rc);
}

void
eng_handle_tgt(struct eng_tgt *t, struct net_req *req)
{
	uint16_t          op = net_req_hdr(req)->ph_opcode;
	union proto_body  b;
	char              err[NET_ERRMSG_MAX];
	int               rc;

	MGMT_DEBUG("target %u: %s from %s (%u bytes)\n", t->t_idx,
		   proto_opcode_name(op) != NULL ? proto_opcode_name(op) : "?", net_req_peer(req),
		   net_req_body_len(req));
	rc = proto_body_dec(op, false, net_req_body(req), net_req_body_len(req), &b, err,
			    sizeof(err));
	if (rc == -DER_NOMEM) {
		eng_reply(req, rc);
		return;
	}
	if (rc != 0) {
		eng_reply_proto(t, req, "%s", err);
		return;
	}
	switch (op) {
	case PROTO_OP_TGT_POOL_CREATE:
		tgt_pool_create(t, req, &b.pb_pool_create);
		break;
	case PROTO_OP_TGT_POOL_DESTROY:
		tgt_pool_destroy(t, req, b.pb_pool.tp_pool);
		break;
	case PROTO_OP_TGT_CONT_CREATE:
	case PROTO_OP_TGT_CONT_DESTROY:
		tgt_cont(t, req, op, &b.pb_cont);
		break;
	case PROTO_OP_TGT_MAP_UPDATE:
		tgt_map_update(t, req, &b.pb_map_update);
		break;
	case PROTO_OP_TGT_QUERY:
		tgt_query(t, req, b.pb_pool.tp_pool);
		break;
	default:
		eng_reply_proto(t, req, "opcode %u is not a target operation", op);
		break;
	}
	/* TGT bodies allocate nothing; kept for symmetry with the decoder's contract. */
	proto_body_fini(op, false, &b);
}
