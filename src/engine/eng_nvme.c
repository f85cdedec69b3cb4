/*
 * eng_nvme.c: the engine's storage shared by its targets (docs/design.md C2):
 * daos_nvme.json (written by daos_server before each start), SMD
 * (<scm_mount>/daos_smd.json), the devices, the engine-wide pool table and
 * the SCM reservation.
 *
 * Invariants:
 *  1. es_lock guards es_smd, es_pools and es_scm_reserved; it is taken by pool
 *     create/destroy/open and at start-up only, never by I/O.
 *  2. es_devs lists every device SMD knows; ed_dev is non-NULL exactly for the
 *     NORMAL devices of daos_nvme.json that opened with at least their SMD size.
 *     Devices are opened once, before any target starts, and closed after
 *     every target stopped.
 *  3. sp_tgts of a pool has bit t set exactly while target t holds the pool
 *     open (or is creating it); es_scm_reserved is the sum of the SCM sizes of
 *     those (pool, target) pairs. An entry with no bit set is removed.
 *  4. SMD blobs of a pool are freed (bio_smd_blob_free, all targets at once)
 *     only when the pool was destroyed and no target holds it any more, or at
 *     start-up when no directory of the pool is left under pools/.
 */
#define D_LOGFAC DD_FAC(engine)

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
#include "engine/eng_internal.h"

/* ---- daos_nvme.json ---- */

static int
conf_fail(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
conf_fail(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
{
	char    msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d_errbuf_printf(errbuf, errlen, "%s: %s", ENG_NVME_CONF_FILE, msg);
	return rc;
}

/* Whether @obj has only keys of @keys (NULL-terminated); *bad names the first other one. */
static bool
only_keys(json_t *obj, const char *const *keys, const char **bad)
{
	const char *k;
	json_t     *v;

	json_object_foreach(obj, k, v) {
		bool known = false;

		(void)v;
		for (unsigned i = 0; keys[i] != NULL; i++)
			known = known || strcmp(k, keys[i]) == 0;
		if (!known) {
			*bad = k;
			return false;
		}
	}
	return true;
}

static int
conf_dev(json_t *d, uint32_t i, struct eng_nvme_dev *out, char *errbuf, size_t errlen)
{
	static const char *const keys[] = {"path", "class", "size", NULL};
	const char              *bad = NULL;
	json_t                  *path, *cls, *size;
	char                     q[68];

	if (!json_is_object(d))
		return conf_fail(errbuf, errlen, -DER_INVAL, "devices[%u] is %s, not an object", i,
				 d_json_type_name(d));
	if (!only_keys(d, keys, &bad))
		return conf_fail(errbuf, errlen, -DER_INVAL, "devices[%u]: unknown key '%s'", i,
				 d_errbuf_quote(q, bad, strlen(bad), 64));
	path = json_object_get(d, "path");
	cls  = json_object_get(d, "class");
	size = json_object_get(d, "size");
	if (!json_is_string(path) || json_string_length(path) == 0 ||
	    strlen(json_string_value(path)) != json_string_length(path))
		return conf_fail(errbuf, errlen, -DER_INVAL,
				 "devices[%u]: 'path' must be a non-empty string", i);
	if (json_string_value(path)[0] != '/' || json_string_length(path) >= BIO_PATH_MAX)
		return conf_fail(errbuf, errlen, -DER_INVAL,
				 "devices[%u]: path '%s' must be absolute and shorter than %d bytes",
				 i, d_errbuf_quote(q, json_string_value(path),
						   json_string_length(path), 64),
				 BIO_PATH_MAX);
	if (!json_is_string(cls))
		return conf_fail(errbuf, errlen, -DER_INVAL,
				 "devices[%u]: 'class' must be \"file\" or \"kdev\"", i);
	if (strcmp(json_string_value(cls), "file") == 0)
		out->nd_class = BIO_DEV_FILE;
	else if (strcmp(json_string_value(cls), "kdev") == 0)
		out->nd_class = BIO_DEV_KDEV;
	else
		return conf_fail(errbuf, errlen, -DER_INVAL,
				 "devices[%u]: class '%s' is not \"file\" or \"kdev\"", i,
				 d_errbuf_quote(q, json_string_value(cls),
						json_string_length(cls), 64));
	if (!json_is_integer(size) || json_integer_value(size) < 0 ||
	    (uint64_t)json_integer_value(size) > BIO_DEV_SIZE_MAX)
		return conf_fail(errbuf, errlen, -DER_INVAL,
				 "devices[%u]: 'size' must be an integer in [0, %llu]", i,
				 (unsigned long long)BIO_DEV_SIZE_MAX);
	out->nd_size = (uint64_t)json_integer_value(size);
	if (out->nd_class == BIO_DEV_FILE &&
	    (out->nd_size == 0 || out->nd_size % BIO_ALIGN != 0))
		return conf_fail(errbuf, errlen, -DER_INVAL,
				 "devices[%u]: size %llu of a file device must be a non-zero "
				 "multiple of %u", i, (unsigned long long)out->nd_size, BIO_ALIGN);
	memcpy(out->nd_path, json_string_value(path), json_string_length(path) + 1);
	return 0;
}

int
eng_nvme_conf_parse(const char *text, size_t len, struct eng_nvme_dev *devs, uint32_t max,
		    uint32_t *nr, char *errbuf, size_t errlen)
{
	static const char *const keys[] = {"version", "devices", NULL};
	json_error_t             jerr;
	json_t                  *root, *ver, *arr;
	const char              *bad = NULL;
	char                     q[68];
	size_t                   n;
	int                      rc = 0;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (text == NULL || nr == NULL || (devs == NULL && max > 0))
		return conf_fail(errbuf, errlen, -DER_INVAL, "bad arguments");
	if (len > ENG_NVME_CONF_MAX)
		return conf_fail(errbuf, errlen, -DER_INVAL, "%zu bytes, at most %u", len,
				 ENG_NVME_CONF_MAX);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return conf_fail(errbuf, errlen, -DER_INVAL, "not JSON: %s at line %d column %d",
				 jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root)) {
		rc = conf_fail(errbuf, errlen, -DER_INVAL, "top level is %s, not an object",
			       d_json_type_name(root));
		goto out;
	}
	if (!only_keys(root, keys, &bad)) {
		rc = conf_fail(errbuf, errlen, -DER_INVAL, "unknown key '%s'",
			       d_errbuf_quote(q, bad, strlen(bad), 64));
		goto out;
	}
	ver = json_object_get(root, "version");
	if (!json_is_integer(ver)) {
		rc = conf_fail(errbuf, errlen, -DER_INVAL, "'version' must be an integer");
		goto out;
	}
	if (json_integer_value(ver) != ENG_NVME_CONF_VERSION) {
		rc = conf_fail(errbuf, errlen, -DER_DF_INCOMPT,
			       "version %lld is not supported (this engine reads %d)",
			       (long long)json_integer_value(ver), ENG_NVME_CONF_VERSION);
		goto out;
	}
	arr = json_object_get(root, "devices");
	if (!json_is_array(arr)) {
		rc = conf_fail(errbuf, errlen, -DER_INVAL, "'devices' must be an array");
		goto out;
	}
	n = json_array_size(arr);
	if (n > max) {
		rc = conf_fail(errbuf, errlen, -DER_OVERFLOW, "%zu devices, at most %u", n, max);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		rc = conf_dev(json_array_get(arr, i), (uint32_t)i, &devs[i], errbuf, errlen);
		if (rc != 0)
			goto out;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(devs[j].nd_path, devs[i].nd_path) == 0) {
				rc = conf_fail(errbuf, errlen, -DER_INVAL,
					       "devices[%zu]: path '%s' is also devices[%zu]", i,
					       d_errbuf_quote(q, devs[i].nd_path,
							      strlen(devs[i].nd_path), 64), j);
				goto out;
			}
		}
	}
	*nr = (uint32_t)n;
out:
	json_decref(root);
	return rc;
}

/* Read and parse <scm>/daos_nvme.json; -DER_NONEXIST when absent. */
static int
conf_read(const char *scm, struct eng_nvme_dev *devs, uint32_t *nr, char *errbuf, size_t errlen)
{
	char        path[VOS_PATH_MAX];
	struct stat sb;
	char       *text = NULL;
	ssize_t     got;
	size_t      off = 0;
	int         fd;
	int         rc;

	snprintf(path, sizeof(path), "%s/%s", scm, ENG_NVME_CONF_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -DER_NONEXIST;
		d_errbuf_printf(errbuf, errlen, "cannot open %s: %s", path, strerror(errno));
		return -DER_IO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > ENG_NVME_CONF_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s is not a regular file of at most %u bytes", path,
				ENG_NVME_CONF_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	text = malloc((size_t)sb.st_size + 1);
	if (text == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	while (off < (size_t)sb.st_size) {
		got = read(fd, text + off, (size_t)sb.st_size - off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			d_errbuf_printf(errbuf, errlen, "cannot read %s: %s", path,
					got < 0 ? strerror(errno) : "file shrank");
			rc = -DER_IO;
			goto out;
		}
		off += (size_t)got;
	}
	rc = eng_nvme_conf_parse(text, off, devs, ENG_NVME_DEVS_MAX, nr, errbuf, errlen);
out:
	free(text);
	close(fd);
	return rc;
}

/* ---- Storage ---- */

struct dev_find {
	const char        *df_path;
	struct bio_smd_dev df_dev;
	bool               df_found;
};

static int
dev_find_cb(const struct bio_smd_dev *dev, void *arg)
{
	struct dev_find *f = arg;

	if (strcmp(dev->sd_tr_addr, f->df_path) != 0)
		return 0;
	f->df_dev   = *dev;
	f->df_found = true;
	return 1;
}

static struct eng_dev *
dev_by_uuid(struct eng_storage *st, const uuid_t uuid)
{
	for (uint32_t i = 0; i < st->es_dev_nr; i++)
		if (uuid_compare(st->es_devs[i].ed_uuid, uuid) == 0)
			return &st->es_devs[i];
	return NULL;
}

/* Open a device and check it holds at least @need bytes; NULL (logged) otherwise. */
static struct bio_dev *
dev_open(const char *path, enum bio_dev_class cls, uint64_t need)
{
	struct bio_dev_info info;
	struct bio_dev     *dev = NULL;
	int                 rc;

	rc = bio_dev_open(path, cls, 0, &dev);
	if (rc != 0) {
		D_ERROR("NVMe device %s cannot be opened: " DF_RC "; its targets have no NVMe\n",
			path, DP_RC(rc));
		return NULL;
	}
	bio_dev_query(dev, &info);
	if (info.bdi_size < need) {
		D_ERROR("NVMe device %s holds %" PRIu64 " bytes, SMD records %" PRIu64
			"; not used\n", path, info.bdi_size, need);
		bio_dev_close(dev);
		return NULL;
	}
	return dev;
}

/* Add (first time) or open (known) the device at @pos of daos_nvme.json. */
static int
storage_dev(struct eng_storage *st, const struct eng_nvme_dev *nd, uint32_t pos, uint32_t ndev)
{
	struct dev_find     f = {.df_path = nd->nd_path};
	struct eng_dev     *ed;
	struct bio_dev_info info;
	int                 rc;

	(void)bio_smd_dev_iter(st->es_smd, dev_find_cb, &f);
	if (f.df_found) {
		ed = dev_by_uuid(st, f.df_dev.sd_uuid);
		assert(ed != NULL);
		if (f.df_dev.sd_state != BIO_STATE_NORMAL) {
			D_WARN("NVMe device %s is %s in SMD: not used\n", nd->nd_path,
			       bio_dev_state_str(f.df_dev.sd_state));
			return 0;
		}
		if (f.df_dev.sd_class != nd->nd_class)
			D_WARN("NVMe device %s: class differs between SMD and %s; SMD's kept\n",
			       nd->nd_path, ENG_NVME_CONF_FILE);
		ed->ed_dev = dev_open(nd->nd_path, f.df_dev.sd_class, f.df_dev.sd_size);
		return 0;
	}

	/* Seen for the first time: C2 maps targets t with t mod ndev == pos to it. */
	{
		struct bio_smd_dev sd;
		struct bio_dev    *dev;

		dev = dev_open(nd->nd_path, nd->nd_class, nd->nd_size);
		if (dev == NULL)
			return 0;
		bio_dev_query(dev, &info);
		if (nd->nd_class == BIO_DEV_FILE && info.bdi_size != nd->nd_size) {
			D_ERROR("NVMe device %s holds %" PRIu64 " bytes, %s says %" PRIu64
				"; not used\n", nd->nd_path, info.bdi_size, ENG_NVME_CONF_FILE,
				nd->nd_size);
			bio_dev_close(dev);
			return 0;
		}
		memset(&sd, 0, sizeof(sd));
		uuid_generate(sd.sd_uuid);
		snprintf(sd.sd_tr_addr, sizeof(sd.sd_tr_addr), "%s", nd->nd_path);
		sd.sd_class = nd->nd_class;
		sd.sd_size  = info.bdi_size;
		sd.sd_state = BIO_STATE_NORMAL;
		sd.sd_led   = BIO_LED_NA;
		for (uint32_t t = 0; t < st->es_tgt_nr; t++)
			if (t % ndev == pos)
				sd.sd_tgts[sd.sd_tgt_nr++] = t;
		for (uint32_t i = 0; i < sd.sd_tgt_nr; i++) {
			uuid_t owner;

			if (bio_smd_tgt_dev(st->es_smd, sd.sd_tgts[i], owner) != 0)
				continue;
			/* Its targets are served already: a device added to the
			 * configuration later is a spare, NEW and unused until
			 * `dmg storage replace nvme` (docs/design.md, SSD management). */
			sd.sd_tgt_nr = 0;
			sd.sd_state  = BIO_STATE_NEW;
			break;
		}
		rc = bio_smd_dev_add(st->es_smd, &sd);
		if (rc != 0) {
			D_ERROR("cannot add NVMe device %s to SMD: " DF_RC "; not used\n",
				nd->nd_path, DP_RC(rc));
			bio_dev_close(dev);
			return rc == -DER_IO ? rc : 0;
		}
		if (st->es_dev_nr >= ENG_NVME_DEVS_MAX) {
			bio_dev_close(dev);
			return -DER_OVERFLOW;
		}
		ed = &st->es_devs[st->es_dev_nr++];
		uuid_copy(ed->ed_uuid, sd.sd_uuid);
		snprintf(ed->ed_path, sizeof(ed->ed_path), "%s", nd->nd_path);
		ed->ed_dev = dev;
		if (sd.sd_state == BIO_STATE_NEW) {
			/* Invariant 2: only NORMAL devices stay open. */
			bio_dev_close(dev);
			ed->ed_dev = NULL;
			D_NOTE("NVMe device %s (%" PRIu64 " bytes) added to SMD as NEW (a spare: "
			       "every target has a device)\n", nd->nd_path, info.bdi_size);
			return 0;
		}
		D_NOTE("NVMe device %s (%" PRIu64 " bytes) added to SMD for %u target(s)\n",
		       nd->nd_path, info.bdi_size, sd.sd_tgt_nr);
	}
	return 0;
}

static int
dev_record_cb(const struct bio_smd_dev *dev, void *arg)
{
	struct eng_storage *st = arg;
	struct eng_dev     *ed;

	if (st->es_dev_nr >= ENG_NVME_DEVS_MAX)
		return -DER_OVERFLOW;
	ed = &st->es_devs[st->es_dev_nr++];
	uuid_copy(ed->ed_uuid, dev->sd_uuid);
	snprintf(ed->ed_path, sizeof(ed->ed_path), "%s", dev->sd_tr_addr);
	ed->ed_dev = NULL;
	return 0;
}

struct orphan_scan {
	struct eng_storage *os_st;
	uuid_t              os_pools[ENG_POOLS_MAX];
	uint32_t            os_nr;
};

static int
orphan_cb(const struct bio_smd_blob *b, void *arg)
{
	struct orphan_scan *os = arg;
	char                path[VOS_PATH_MAX];
	char                str[37];
	struct stat         sb;

	for (uint32_t i = 0; i < os->os_nr; i++)
		if (uuid_compare(os->os_pools[i], b->sb_pool) == 0)
			return 0;
	uuid_unparse_lower(b->sb_pool, str);
	snprintf(path, sizeof(path), "%s/%s/%s", os->os_st->es_scm, ENG_POOLS_DIR, str);
	if (stat(path, &sb) == 0 || errno != ENOENT)
		return 0;
	if (os->os_nr < ENG_POOLS_MAX)
		uuid_copy(os->os_pools[os->os_nr++], b->sb_pool);
	return 0;
}

/* Invariant 4: blobs of pools with no directory left (a crash after a destroy). */
static void
storage_free_orphans(struct eng_storage *st)
{
	struct orphan_scan *os = calloc(1, sizeof(*os));
	char                str[37];

	if (os == NULL)
		return;
	os->os_st = st;
	(void)bio_smd_blob_iter(st->es_smd, orphan_cb, os);
	for (uint32_t i = 0; i < os->os_nr; i++) {
		int rc = bio_smd_blob_free(st->es_smd, os->os_pools[i]);

		uuid_unparse_lower(os->os_pools[i], str);
		if (rc == 0)
			D_NOTE("freed the NVMe blobs of pool %s: the pool has no directory left\n",
			       str);
		else
			D_ERROR("cannot free the NVMe blobs of pool %s: " DF_RC "\n", str,
				DP_RC(rc));
	}
	free(os);
}

/* <scm>/pools exists from the first start on, so the SCM a formatted engine uses is
 * the same before a pool is created and after it is destroyed. */
static int
pools_dir_create(const char *scm_mount, char *errbuf, size_t errlen)
{
	char path[ENG_SCM_PATH_MAX + sizeof(ENG_POOLS_DIR) + 1];
	int  rc;

	snprintf(path, sizeof(path), "%s/%s", scm_mount, ENG_POOLS_DIR);
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	rc = d_errno2der(errno);
	d_errbuf_printf(errbuf, errlen, "cannot create %s: %s", path, strerror(errno));
	return rc;
}

int
eng_storage_open(const char *scm_mount, uint32_t tgt_nr, struct eng_storage **out, char *errbuf,
		 size_t errlen)
{
	struct eng_storage  *st;
	struct eng_nvme_dev *devs = NULL;
	uint32_t             ndev = 0;
	size_t               slen;
	int                  rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	slen = scm_mount != NULL ? strlen(scm_mount) : 0;
	if (slen == 0 || scm_mount[0] != '/' || out == NULL || tgt_nr == 0 ||
	    tgt_nr > ENG_TARGETS_MAX || tgt_nr > BIO_TGT_MAX) {
		d_errbuf_printf(errbuf, errlen, "storage: bad arguments");
		return -DER_INVAL;
	}
	if (slen >= ENG_SCM_PATH_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"storage: SCM mount path of %zu bytes is too long (at most %d: pool "
				"paths must stay below %u bytes)", slen, ENG_SCM_PATH_MAX - 1,
				VOS_PATH_MAX);
		return -DER_INVAL;
	}
	st = calloc(1, sizeof(*st));
	devs = calloc(ENG_NVME_DEVS_MAX, sizeof(*devs));
	if (st == NULL || devs == NULL) {
		free(st);
		free(devs);
		return -DER_NOMEM;
	}
	memcpy(st->es_scm, scm_mount, slen + 1);
	st->es_tgt_nr = tgt_nr;
	rc = pthread_mutex_init(&st->es_lock, NULL);
	if (rc != 0) {
		free(st);
		free(devs);
		return -DER_NOMEM;
	}
	if (eng_ras_init(st) != 0) {
		pthread_mutex_destroy(&st->es_lock);
		free(st);
		free(devs);
		return -DER_NOMEM;
	}

	rc = conf_read(scm_mount, devs, &ndev, errbuf, errlen);
	if (rc == -DER_NONEXIST) {
		D_WARN("%s/%s is missing: no NVMe tier (every pool is SCM only)\n", scm_mount,
		       ENG_NVME_CONF_FILE);
		ndev = 0;
		rc   = 0;
	}
	if (rc != 0)
		goto fail;
	rc = bio_fault_from_env(errbuf, errlen);
	if (rc != 0)
		goto fail;
	rc = bio_smd_open(scm_mount, &st->es_smd, errbuf, errlen);
	if (rc != 0)
		goto fail;
	rc = pools_dir_create(scm_mount, errbuf, errlen);
	if (rc != 0)
		goto fail;
	rc = bio_smd_dev_iter(st->es_smd, dev_record_cb, st);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "SMD: " DF_RC, DP_RC(rc));
		goto fail;
	}
	for (uint32_t i = 0; i < ndev; i++) {
		rc = storage_dev(st, &devs[i], i, ndev);
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "NVMe device %s: " DF_RC, devs[i].nd_path,
					DP_RC(rc));
			goto fail;
		}
	}
	for (uint32_t i = 0; i < st->es_dev_nr; i++) {
		bool listed = false;

		for (uint32_t j = 0; j < ndev; j++)
			listed = listed || strcmp(devs[j].nd_path, st->es_devs[i].ed_path) == 0;
		if (!listed)
			D_WARN("NVMe device %s is in SMD but not in %s: not used\n",
			       st->es_devs[i].ed_path, ENG_NVME_CONF_FILE);
	}
	storage_free_orphans(st);
	free(devs);
	D_INFO("storage %s: %u NVMe device(s) known, %u target(s)\n", scm_mount, st->es_dev_nr,
	       tgt_nr);
	*out = st;
	return 0;
fail:
	free(devs);
	eng_storage_close(st);
	return rc;
}

void
eng_storage_close(struct eng_storage *st)
{
	if (st == NULL)
		return;
	for (uint32_t i = 0; i < st->es_dev_nr; i++)
		bio_dev_close(st->es_devs[i].ed_dev);
	if (st->es_smd != NULL)
		bio_smd_close(st->es_smd);
	eng_ras_fini(st);
	pthread_mutex_destroy(&st->es_lock);
	free(st);
}

/* ---- Used by the targets ---- */

/* The device of @tgt (es_lock held). */
static struct eng_dev *
tgt_dev_locked(struct eng_storage *st, uint32_t tgt)
{
	uuid_t uuid;

	if (bio_smd_tgt_dev(st->es_smd, tgt, uuid) != 0)
		return NULL;
	return dev_by_uuid(st, uuid);
}

static struct eng_spool *
spool_get(struct eng_storage *st, const uuid_t pool, bool add)
{
	struct eng_spool *sp;

	for (uint32_t i = 0; i < st->es_pool_nr; i++)
		if (uuid_compare(st->es_pools[i].sp_uuid, pool) == 0)
			return &st->es_pools[i];
	if (!add || st->es_pool_nr >= ENG_POOLS_MAX)
		return NULL;
	sp = &st->es_pools[st->es_pool_nr++];
	memset(sp, 0, sizeof(*sp));
	uuid_copy(sp->sp_uuid, pool);
	return sp;
}

/* Invariant 3: drop an entry no target holds. */
static void
spool_put(struct eng_storage *st, struct eng_spool *sp)
{
	if (sp->sp_tgts != 0)
		return;
	*sp = st->es_pools[--st->es_pool_nr];
}

/* Blob of @sb as an I/O-ready bio_blob (es_lock held). */
static int
blob_setup(struct eng_storage *st, const struct bio_smd_blob *sb, struct bio_blob *bb)
{
	struct eng_dev *ed = dev_by_uuid(st, sb->sb_dev);

	if (ed == NULL || ed->ed_dev == NULL)
		return -DER_NONEXIST;
	return bio_blob_init(bb, ed->ed_dev, sb->sb_id, sb->sb_off, sb->sb_size);
}

int
eng_st_pool_reserve(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm,
		    uint64_t nvme, struct bio_blob *bb, bool *has_blob)
{
	struct eng_spool   *sp;
	struct bio_smd_blob sb;
	struct statvfs      vfs;
	struct eng_dev     *ed;
	uint64_t            total;
	bool                allocated = false;
	char                str[37];
	int                 rc;

	uuid_unparse_lower(pool, str);
	pthread_mutex_lock(&st->es_lock);
	if (statvfs(st->es_scm, &vfs) != 0) {
		D_ERROR("statvfs(%s): %s\n", st->es_scm, strerror(errno));
		rc = -DER_IO;
		goto out;
	}
	total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	if (scm > total || st->es_scm_reserved > total - scm) {
		D_ERROR("pool %s target %u: %" PRIu64 " bytes of SCM asked, %" PRIu64
			" of the mount's %" PRIu64 " are reserved already\n", str, tgt, scm,
			st->es_scm_reserved, total);
		rc = -DER_NOSPACE;
		goto out;
	}
	sp = spool_get(st, pool, true);
	if (sp == NULL) {
		D_ERROR("pool %s: the engine serves %u pools, the most it can\n", str,
			ENG_POOLS_MAX);
		rc = -DER_OVERFLOW;
		goto out;
	}
	*has_blob = false;
	rc = bio_smd_blob_lookup(st->es_smd, pool, tgt, &sb);
	if (rc == 0 && sb.sb_size != nvme) {
		/* Left by an earlier create that failed half way, with another size. */
		D_ERROR("pool %s target %u: SMD holds a blob of %" PRIu64 " bytes, %" PRIu64
			" asked\n", str, tgt, sb.sb_size, nvme);
		rc = -DER_EXIST;
		goto undo;
	}
	if (rc == -DER_NONEXIST && nvme > 0) {
		ed = tgt_dev_locked(st, tgt);
		if (ed == NULL || ed->ed_dev == NULL) {
			D_ERROR("pool %s target %u: %" PRIu64 " bytes of NVMe asked, the target "
				"has no usable NVMe device\n", str, tgt, nvme);
			rc = -DER_NOSPACE;
			goto undo;
		}
		rc = bio_smd_blob_alloc(st->es_smd, pool, tgt, ed->ed_uuid, nvme, &sb);
		if (rc == -DER_INVAL || rc == -DER_NOSPACE) {
			D_ERROR("pool %s target %u: no room for %" PRIu64 " bytes on %s\n", str,
				tgt, nvme, ed->ed_path);
			rc = -DER_NOSPACE;
		}
		if (rc != 0)
			goto undo;
		allocated = true;
	}
	if (rc == 0 && nvme > 0) {
		rc = blob_setup(st, &sb, bb);
		if (rc != 0) {
			D_ERROR("pool %s target %u: blob %" PRIu64 " is on an unusable device\n",
				str, tgt, sb.sb_id);
			rc = -DER_NOSPACE;
			goto undo;
		}
		*has_blob = true;
	} else if (rc == -DER_NONEXIST) {
		rc = 0;
	}
	if (rc != 0)
		goto undo;
	sp->sp_tgts |= 1ULL << tgt;
	sp->sp_scm += scm;
	st->es_scm_reserved += scm;
	goto out;
undo:
	/* Invariant 4: a blob just carved is given back when nobody else holds the pool. */
	if (allocated && sp->sp_tgts == 0)
		(void)bio_smd_blob_free(st->es_smd, pool);
	spool_put(st, sp);
out:
	pthread_mutex_unlock(&st->es_lock);
	return rc;
}

int
eng_st_blob_lookup(struct eng_storage *st, const uuid_t pool, uint32_t tgt, struct bio_blob *bb,
		   bool *has_blob)
{
	struct bio_smd_blob sb;
	int                 rc;

	pthread_mutex_lock(&st->es_lock);
	*has_blob = false;
	rc = bio_smd_blob_lookup(st->es_smd, pool, tgt, &sb);
	if (rc == 0) {
		rc = blob_setup(st, &sb, bb);
		*has_blob = rc == 0;
	} else if (rc == -DER_NONEXIST) {
		rc = 0;
	}
	pthread_mutex_unlock(&st->es_lock);
	return rc;
}

int
eng_st_pool_hold(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm)
{
	struct eng_spool *sp;
	int               rc = 0;

	pthread_mutex_lock(&st->es_lock);
	sp = spool_get(st, pool, true);
	if (sp == NULL) {
		rc = -DER_OVERFLOW;
	} else if (!(sp->sp_tgts & (1ULL << tgt))) {
		sp->sp_tgts |= 1ULL << tgt;
		sp->sp_scm += scm;
		st->es_scm_reserved += scm;
	}
	pthread_mutex_unlock(&st->es_lock);
	return rc;
}

void
eng_st_pool_release(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm,
		    bool destroyed)
{
	struct eng_spool *sp;
	char              str[37];
	int               rc;

	pthread_mutex_lock(&st->es_lock);
	sp = spool_get(st, pool, destroyed);
	if (sp == NULL)
		goto out;
	if (sp->sp_tgts & (1ULL << tgt)) {
		sp->sp_tgts &= ~(1ULL << tgt);
		sp->sp_scm -= scm;
		st->es_scm_reserved -= scm;
	}
	if (sp->sp_tgts == 0 && destroyed) {
		rc = bio_smd_blob_free(st->es_smd, pool);
		if (rc != 0 && rc != -DER_NONEXIST) {
			uuid_unparse_lower(pool, str);
			D_ERROR("pool %s: cannot free its NVMe blobs: " DF_RC "\n", str,
				DP_RC(rc));
		}
	}
	spool_put(st, sp);
out:
	pthread_mutex_unlock(&st->es_lock);
}
