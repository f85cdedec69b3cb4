/*
 * harness_nvme.c: the engine's NVMe list, <scm_mount>/daos_nvme.json
 * (docs/design.md C2), written by the harness before each engine start and
 * after a format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "bio/bio.h"
#include "control/harness.h"

/* File the engine reads its bdev list from, in its SCM mount. */
#define HE_NVME_CONF      "daos_nvme.json"
#define HE_NVME_CONF_TMP  "daos_nvme.json.tmp"

/*
 * Write <scm_mount>/daos_nvme.json for engine @ec, atomically (temp file,
 * fsync, rename, fsync of the directory):
 *   {"version":1,"devices":[{"path":P,"class":"file"|"kdev","size":BYTES}]}
 * one entry per bdev_list path of the file and kdev tiers, [] without one. A
 * file's size is bdev_size rounded down to BIO_ALIGN, the size format creates;
 * a kdev's is 0 (the whole device). nvme (SPDK) tiers cannot be formatted on
 * this machine and are left out. A missing SCM mount (never formatted) is not
 * an error: the engine waits for a format, after which this runs again.
 */
int
srv_nvme_conf_write(const struct srv_engine_cfg *ec, char *errbuf, size_t errlen)
{
	const char                  *scm = ec->ec_tiers[0].tc_scm_mount;
	json_t                      *root, *devs;
	char                         path[SRV_HARNESS_PATH_MAX];
	char                         tmp[SRV_HARNESS_PATH_MAX];
	char                        *text = NULL;
	struct stat                  sb;
	size_t                       len, off = 0;
	int                          fd = -1;
	int                          rc = 0;

	if (scm == NULL || stat(scm, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		D_DEBUG("%s: no SCM mount yet, %s written after the format\n",
			scm != NULL ? scm : "(no scm_mount)", HE_NVME_CONF);
		return 0;
	}
	if (snprintf(path, sizeof(path), "%s/%s", scm, HE_NVME_CONF) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/%s", scm, HE_NVME_CONF_TMP) >= (int)sizeof(tmp)) {
		d_errbuf_printf(errbuf, errlen, "SCM mount path %s too long", scm);
		return -DER_INVAL;
	}
	root = json_pack("{s:i, s:[]}", "version", 1, "devices");
	devs = root != NULL ? json_object_get(root, "devices") : NULL;
	if (devs == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (uint32_t t = 1; t < ec->ec_tiers_nr && rc == 0; t++) {
		const struct srv_tier_cfg *tc = &ec->ec_tiers[t];
		const char                *cls;
		uint64_t                   size;

		if (tc->tc_class == SRV_TIER_FILE) {
			cls  = "file";
			size = tc->tc_bdev_size_bytes / BIO_ALIGN * BIO_ALIGN;
		} else if (tc->tc_class == SRV_TIER_KDEV) {
			cls  = "kdev";
			size = 0;
		} else {
			continue;
		}
		for (uint32_t i = 0; i < tc->tc_bdev_list.sl_nr && rc == 0; i++) {
			json_t *d = json_pack("{s:s, s:s, s:I}", "path", tc->tc_bdev_list.sl_items[i],
					      "class", cls, "size", (json_int_t)size);

			if (d == NULL || json_array_append_new(devs, d) != 0)
				rc = -DER_NOMEM;
		}
	}
	if (rc == 0) {
		text = json_dumps(root, JSON_COMPACT);
		if (text == NULL)
			rc = -DER_NOMEM;
	}
	if (rc != 0)
		goto out;
	len = strlen(text);
	fd  = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail_errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_errno;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail_errno;
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail_errno;
	fd = open(scm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		goto fail_errno;
	D_DEBUG("wrote %s: %s\n", path, text);
	goto out;
fail_errno:
	{
		int err = errno;

		d_errbuf_printf(errbuf, errlen, "cannot write %s: %s", path,
				strerror(err));
		rc = err == ENOSPC ? -DER_NOSPACE : (err == EACCES || err == EPERM ||
						     err == EROFS) ? -DER_NO_PERM : -DER_IO;
		(void)unlink(tmp);
	}
out:
	if (fd >= 0)
		close(fd);
	free(text);
	json_decref(root);
	return rc;
}
