/*
 * storage.c: scan, format and erase of an engine's storage, and its
 * superblock (see storage.h for the tiers, the superblock format and the
 * safety rules of wipes).
 *
 * Invariants:
 *  1. A superblock is only ever written by srv_superblock_write(), which
 *     replaces the file with rename(2): a reader sees the old or the new
 *     content, never a mix.
 *  2. A format writes the superblock after every other step succeeded, and
 *     an erase removes it before anything else, so "valid superblock present"
 *     always means "completely formatted".
 *  3. A wipe runs only on a path that srv_storage_path_check() accepted, only
 *     below it, never through a symbolic link and never across a mount point.
 *  4. A parsed superblock satisfies every check of srv_superblock_parse(), so
 *     srv_superblock_encode() of it succeeds and parses back to the same
 *     value.
 */
#define D_LOGFAC DD_FAC(control)

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/magic.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
#include "bio/bio.h"
#include "control/storage.h"

#define SB_TMP_FILE SRV_SB_FILE ".tmp"

/* Directories a wipe must never touch (after resolving links). */
static const char *const stor_forbidden[] = {
	"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
	"/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp",
	"/usr", "/var", "/var/tmp", "/var/lib", "/var/log", "/var/run", NULL,
};


/* ---- Path safety ---- */

static int
path_forbidden(const char *path)
{
	const char *home = getenv("HOME");

	for (unsigned i = 0; stor_forbidden[i] != NULL; i++)
		if (strcmp(path, stor_forbidden[i]) == 0)
			return 1;
	return home != NULL && home[0] == '/' && strcmp(path, home) == 0;
}

int
srv_storage_path_check(const char *path, char *errbuf, size_t errlen)
{
	char        real[PATH_MAX];
	const char *p;
	size_t      len;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (path == NULL || path[0] == '\0') {
		d_errbuf_printf(errbuf, errlen, "scm_mount is empty");
		return -DER_INVAL;
	}
	len = strnlen(path, SRV_SB_PATH_MAX);
	if (len >= SRV_SB_PATH_MAX) {
		d_errbuf_printf(errbuf, errlen, "scm_mount is longer than %d bytes",
				SRV_SB_PATH_MAX - 1);
		return -DER_INVAL;
	}
	if (path[0] != '/') {
		d_errbuf_printf(errbuf, errlen, "scm_mount '%s' is not an absolute path", path);
		return -DER_INVAL;
	}
	/* Every component: no "." or "..", which would let the path leave itself. */
	for (p = path; *p != '\0';) {
		const char *e;
		size_t      n;

		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			d_errbuf_printf(errbuf, errlen,
					"scm_mount '%s' has a '.' or '..' component", path);
			return -DER_INVAL;
		}
		p = e;
	}
	if (path_forbidden(path)) {
		d_errbuf_printf(errbuf, errlen, "scm_mount '%s' is a system directory: refusing to "
				"wipe it", path);
		return -DER_INVAL;
	}
	if (realpath(path, real) != NULL && path_forbidden(real)) {
		d_errbuf_printf(errbuf, errlen, "scm_mount '%s' resolves to the system directory "
				"'%s': refusing to wipe it", path, real);
		return -DER_INVAL;
	}
	return 0;
}

/* ---- Directory walks ---- */

struct walk {
	dev_t    w_dev;      /* file system of the root: never cross it */
	uint64_t w_bytes;    /* usage walk: bytes allocated */
	uint32_t w_entries;  /* usage walk: entries seen */
	bool     w_wipe;     /* remove what is visited */
	int      w_err;      /* first error (DER) */
	char     w_what[SRV_FORMAT_MSG_MAX];
};

static void
walk_fail(struct walk *w, int rc, const char *name, const char *what)
{
	if (w->w_err == 0) {
		w->w_err = rc;
		d_errbuf_printf(w->w_what, sizeof(w->w_what), "%s '%s': %s", what, name, d_errdesc(rc));
	}
}

/* Visit (and for a wipe remove) everything below the open directory dfd. Takes dfd. */
static void
walk_dir(struct walk *w, int dfd, unsigned depth)
{
	DIR           *d;
	struct dirent *de;

	d = fdopendir(dfd);
	if (d == NULL) {
		walk_fail(w, d_errno2der(errno), ".", "cannot read directory");
		close(dfd);
		return;
	}
	for (;;) {
		struct stat st;

		errno = 0;
		de    = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				walk_fail(w, d_errno2der(errno), ".", "cannot read directory");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!w->w_wipe && ++w->w_entries > SRV_WALK_ENTRIES_MAX)
			break;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				walk_fail(w, d_errno2der(errno), de->d_name, "cannot stat");
			continue;
		}
		if (st.st_dev != w->w_dev) {
			/* A mount point below ours: leave it and what it holds alone. */
			if (w->w_wipe)
				walk_fail(w, -DER_BUSY, de->d_name, "is another file system, not wiped");
			continue;
		}
		if (!w->w_wipe)
			w->w_bytes += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth + 1 >= SRV_WALK_DEPTH_MAX) {
				walk_fail(w, -DER_OVERFLOW, de->d_name, "directory tree too deep");
				continue;
			}
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				walk_fail(w, d_errno2der(errno), de->d_name, "cannot open");
				continue;
			}
			walk_dir(w, sub, depth + 1);
			if (w->w_wipe && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) != 0 &&
			    errno != ENOENT)
				walk_fail(w, d_errno2der(errno), de->d_name, "cannot remove");
		} else if (w->w_wipe) {
			if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT)
				walk_fail(w, d_errno2der(errno), de->d_name, "cannot remove");
		}
	}
	closedir(d);
}

/* Walk below @path (a directory). Wipe: remove everything below it. */
static int
walk_path(const char *path, bool wipe, uint64_t *bytes, char *errbuf, size_t errlen)
{
	struct walk w = {.w_wipe = wipe};
	struct stat st;
	int         fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int rc = d_errno2der(errno);

		d_errbuf_printf(errbuf, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		int rc = d_errno2der(errno);

		close(fd);
		d_errbuf_printf(errbuf, errlen, "cannot stat %s: %s", path, strerror(errno));
		return rc;
	}
	w.w_dev = st.st_dev;
	walk_dir(&w, fd, 0);
	if (bytes != NULL)
		*bytes = w.w_bytes;
	if (w.w_err != 0)
		d_errbuf_printf(errbuf, errlen, "wiping %s: %s", path, w.w_what);
	return w.w_err;
}

/* ---- Mounts ---- */

/* Is @path a mount point, and of what file system type? */
static int
mount_info(const char *path, bool *mounted, long *fstype)
{
	char        parent[PATH_MAX + 4];
	struct stat st, pst;
	struct statfs sfs;

	*mounted = false;
	*fstype  = 0;
	if (stat(path, &st) != 0)
		return d_errno2der(errno);
	if (snprintf(parent, sizeof(parent), "%s/..", path) >= (int)sizeof(parent))
		return -DER_INVAL;
	if (stat(parent, &pst) != 0)
		return d_errno2der(errno);
	/* Different device than the parent, or the root itself. */
	*mounted = st.st_dev != pst.st_dev || st.st_ino == pst.st_ino;
	if (statfs(path, &sfs) != 0)
		return d_errno2der(errno);
	*fstype = (long)sfs.f_type;
	return 0;
}

static bool
no_mount_env(void)
{
	const char *v = getenv(SRV_SCM_NO_MOUNT_ENV);

	return v != NULL && strcmp(v, "1") == 0;
}

/* ---- Superblock ---- */

void
srv_superblock_free(struct srv_superblock *sb)
{
	if (sb == NULL)
		return;
	free(sb->sb_bdevs);
	memset(sb, 0, sizeof(*sb));
}

static int
class_from_name(const char *name, enum srv_tier_class *cls)
{
	for (int c = SRV_TIER_RAM; c <= SRV_TIER_NVME; c++) {
		if (strcmp(name, srv_tier_class_name(c)) == 0) {
			*cls = (enum srv_tier_class)c;
			return 0;
		}
	}
	return -DER_INVAL;
}

/* Decoder context: the messages all read "superblock: <key>: <problem>". */
struct sbctx {
	char  *errbuf;
	size_t errlen;
};

#define SB_FAIL(c, ...)                                                                    \
	do {                                                                               \
		d_errbuf_printf((c)->errbuf, (c)->errlen, "superblock: " __VA_ARGS__);     \
		return -DER_DF_INVAL;                                                      \
	} while (0)

static int
sb_keys(const struct sbctx *c, json_t *obj, const char *ctx, const char *const *keys)
{
	const char *key;
	json_t     *val;
	char        q[68];

	json_object_foreach(obj, key, val) {
		unsigned i;

		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			SB_FAIL(c, "%sunknown key '%s'", ctx,
				d_errbuf_quote(q, key, strlen(key), 64));
	}
	return 0;
}

static int
sb_str(const struct sbctx *c, json_t *obj, const char *ctx, const char *key, size_t max,
       const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		SB_FAIL(c, "%smissing key '%s'", ctx, key);
	if (!json_is_string(v))
		SB_FAIL(c, "%s%s: expected a string, got %s", ctx, key, d_json_type_name(v));
	if (json_string_length(v) != strlen(json_string_value(v)))
		SB_FAIL(c, "%s%s: string holds a NUL byte", ctx, key);
	if (json_string_length(v) == 0 || json_string_length(v) >= max)
		SB_FAIL(c, "%s%s: length %zu not in [1, %zu]", ctx, key, json_string_length(v),
			max - 1);
	*out = json_string_value(v);
	return 0;
}

static int
sb_int(const struct sbctx *c, json_t *obj, const char *ctx, const char *key, int64_t min,
       int64_t max, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		SB_FAIL(c, "%smissing key '%s'", ctx, key);
	if (!json_is_integer(v))
		SB_FAIL(c, "%s%s: expected an integer, got %s", ctx, key, d_json_type_name(v));
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		SB_FAIL(c, "%s%s: %lld not in [%lld, %lld]", ctx, key,
			(long long)json_integer_value(v), (long long)min, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

static int
sb_bool(const struct sbctx *c, json_t *obj, const char *ctx, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		SB_FAIL(c, "%smissing key '%s'", ctx, key);
	if (!json_is_boolean(v))
		SB_FAIL(c, "%s%s: expected true or false, got %s", ctx, key, d_json_type_name(v));
	*out = json_is_true(v);
	return 0;
}

static int
sb_path_ok(const char *p)
{
	return p[0] == '/';
}

static const char *const sb_top_keys[] = {
	"magic", "version", "system", "engine_idx", "uuid", "rank", "replace", "format_time",
	"scm", "bdevs", NULL,
};
static const char *const sb_scm_keys[] = {"class", "mount", "size", "tmpfs", NULL};
static const char *const sb_bdev_keys[] = {"tier", "class", "path", "size", NULL};

static int
sb_decode_bdevs(const struct sbctx *c, json_t *arr, struct srv_superblock *sb)
{
	json_t *e;
	size_t  i;

	if (json_array_size(arr) == 0)
		return 0;
	sb->sb_bdevs = calloc(json_array_size(arr), sizeof(*sb->sb_bdevs));
	if (sb->sb_bdevs == NULL)
		return -DER_NOMEM;
	json_array_foreach(arr, i, e) {
		struct srv_sb_bdev *b = &sb->sb_bdevs[i];
		char                ctx[48];
		const char         *s;
		int64_t             n;
		int                 rc;

		snprintf(ctx, sizeof(ctx), "bdevs[%zu].", i);
		if (!json_is_object(e))
			SB_FAIL(c, "%s expected an object, got %s", ctx, d_json_type_name(e));
		rc = sb_keys(c, e, ctx, sb_bdev_keys);
		if (rc == 0)
			rc = sb_int(c, e, ctx, "tier", 1, SRV_TIERS_MAX - 1, &n);
		if (rc != 0)
			return rc;
		b->sbd_tier = (uint32_t)n;
		rc = sb_str(c, e, ctx, "class", 16, &s);
		if (rc != 0)
			return rc;
		if (class_from_name(s, &b->sbd_class) != 0 || b->sbd_class == SRV_TIER_RAM ||
		    b->sbd_class == SRV_TIER_DCPM)
			SB_FAIL(c, "%sclass: '%s' is not a bdev class", ctx, s);
		rc = sb_str(c, e, ctx, "path", SRV_SB_PATH_MAX, &s);
		if (rc != 0)
			return rc;
		memcpy(b->sbd_path, s, strlen(s) + 1);
		rc = sb_int(c, e, ctx, "size", 0, (int64_t)BIO_DEV_SIZE_MAX, &n);
		if (rc != 0)
			return rc;
		b->sbd_size = (uint64_t)n;
		sb->sb_bdevs_nr++;
	}
	return 0;
}

static int
sb_decode(const struct sbctx *c, json_t *root, struct srv_superblock *sb)
{
	const char *s;
	json_t     *scm, *arr;
	int64_t     n;
	int         rc;

	if (!json_is_object(root))
		SB_FAIL(c, "expected an object, got %s", d_json_type_name(root));
	/* Magic, then version, before anything else is trusted. */
	rc = sb_str(c, root, "", "magic", 64, &s);
	if (rc != 0)
		return rc;
	if (strcmp(s, SRV_SB_MAGIC) != 0)
		SB_FAIL(c, "magic: '%s' is not %s", s, SRV_SB_MAGIC);
	rc = sb_int(c, root, "", "version", 0, INT32_MAX, &n);
	if (rc != 0)
		return rc;
	if (n < SRV_SB_VERSION_MIN || n > SRV_SB_VERSION_MAX) {
		d_errbuf_printf(c->errbuf, c->errlen,
				"superblock layout version %lld not in [%d, %d]", (long long)n,
				SRV_SB_VERSION_MIN, SRV_SB_VERSION_MAX);
		return -DER_DF_INCOMPT;
	}
	sb->sb_version = (uint32_t)n;
	rc = sb_keys(c, root, "", sb_top_keys);
	if (rc != 0)
		return rc;

	rc = sb_str(c, root, "", "system", sizeof(sb->sb_system), &s);
	if (rc != 0)
		return rc;
	memcpy(sb->sb_system, s, strlen(s) + 1);
	rc = sb_int(c, root, "", "engine_idx", 0, SRV_ENGINES_MAX - 1, &n);
	if (rc != 0)
		return rc;
	sb->sb_engine_idx = (uint32_t)n;
	rc = sb_str(c, root, "", "uuid", 37, &s);
	if (rc != 0)
		return rc;
	if (strlen(s) != 36 || uuid_parse(s, sb->sb_uuid) != 0 || uuid_is_null(sb->sb_uuid))
		SB_FAIL(c, "uuid: '%s' is not a UUID", s);
	sb->sb_rank = D_RANK_NIL;
	if (json_object_get(root, "rank") != NULL) {
		rc = sb_int(c, root, "", "rank", 0, D_RANK_MAX, &n);
		if (rc != 0)
			return rc;
		sb->sb_rank = (uint32_t)n;
	}
	sb->sb_replace = false;
	if (json_object_get(root, "replace") != NULL) {
		rc = sb_bool(c, root, "", "replace", &sb->sb_replace);
		if (rc != 0)
			return rc;
		if (sb->sb_replace && sb->sb_rank == D_RANK_NIL)
			SB_FAIL(c, "replace: set without a rank");
	}
	rc = sb_int(c, root, "", "format_time", 0, INT64_MAX, &n);
	if (rc != 0)
		return rc;
	sb->sb_format_time = n;

	scm = json_object_get(root, "scm");
	if (scm == NULL)
		SB_FAIL(c, "missing key 'scm'");
	if (!json_is_object(scm))
		SB_FAIL(c, "scm: expected an object, got %s", d_json_type_name(scm));
	rc = sb_keys(c, scm, "scm.", sb_scm_keys);
	if (rc == 0)
		rc = sb_str(c, scm, "scm.", "class", 16, &s);
	if (rc != 0)
		return rc;
	if (class_from_name(s, &sb->sb_scm_class) != 0 ||
	    (sb->sb_scm_class != SRV_TIER_RAM && sb->sb_scm_class != SRV_TIER_DCPM))
		SB_FAIL(c, "scm.class: '%s' is not an SCM class", s);
	rc = sb_str(c, scm, "scm.", "mount", SRV_SB_PATH_MAX, &s);
	if (rc != 0)
		return rc;
	if (!sb_path_ok(s))
		SB_FAIL(c, "scm.mount: '%s' is not an absolute path", s);
	memcpy(sb->sb_scm_mount, s, strlen(s) + 1);
	rc = sb_int(c, scm, "scm.", "size", 0, INT64_MAX, &n);
	if (rc == 0)
		rc = sb_bool(c, scm, "scm.", "tmpfs", &sb->sb_scm_tmpfs);
	if (rc != 0)
		return rc;
	sb->sb_scm_size = (uint64_t)n;

	arr = json_object_get(root, "bdevs");
	if (arr == NULL)
		SB_FAIL(c, "missing key 'bdevs'");
	if (!json_is_array(arr))
		SB_FAIL(c, "bdevs: expected an array, got %s", d_json_type_name(arr));
	if (json_array_size(arr) > SRV_SB_BDEVS_MAX)
		SB_FAIL(c, "bdevs: %zu entries, at most %d", json_array_size(arr),
			SRV_SB_BDEVS_MAX);
	return sb_decode_bdevs(c, arr, sb);
}

int
srv_superblock_parse(const char *buf, size_t len, struct srv_superblock *sb, char *errbuf,
		     size_t errlen)
{
	struct sbctx          c = {errbuf, errlen};
	struct srv_superblock tmp;
	json_error_t          jerr;
	json_t               *root;
	int                   rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (buf == NULL || sb == NULL) {
		d_errbuf_printf(errbuf, errlen, "superblock: no input");
		return -DER_DF_INVAL;
	}
	if (len > SRV_SB_FILE_MAX) {
		d_errbuf_printf(errbuf, errlen, "superblock: %zu bytes, at most %d", len,
				SRV_SB_FILE_MAX);
		return -DER_DF_INVAL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		d_errbuf_printf(errbuf, errlen, "superblock: not JSON: %s at line %d column %d",
				jerr.text, jerr.line, jerr.column);
		return -DER_DF_INVAL;
	}
	memset(&tmp, 0, sizeof(tmp));
	rc = sb_decode(&c, root, &tmp);
	json_decref(root);
	if (rc != 0) {
		srv_superblock_free(&tmp);
		return rc;
	}
	*sb = tmp;
	return 0;
}

static bool
sb_valid(const struct srv_superblock *sb)
{
	size_t sl = strnlen(sb->sb_system, sizeof(sb->sb_system));
	size_t ml = strnlen(sb->sb_scm_mount, sizeof(sb->sb_scm_mount));

	if (sb->sb_version < SRV_SB_VERSION_MIN || sb->sb_version > SRV_SB_VERSION_MAX)
		return false;
	if (sl == 0 || sl == sizeof(sb->sb_system) || ml == 0 || ml == sizeof(sb->sb_scm_mount))
		return false;
	if (sb->sb_scm_mount[0] != '/' || sb->sb_engine_idx >= SRV_ENGINES_MAX)
		return false;
	if (uuid_is_null(sb->sb_uuid) || sb->sb_format_time < 0)
		return false;
	if (sb->sb_scm_class != SRV_TIER_RAM && sb->sb_scm_class != SRV_TIER_DCPM)
		return false;
	if (sb->sb_scm_size > INT64_MAX || sb->sb_bdevs_nr > SRV_SB_BDEVS_MAX ||
	    (sb->sb_bdevs_nr > 0 && sb->sb_bdevs == NULL))
		return false;
	for (uint32_t i = 0; i < sb->sb_bdevs_nr; i++) {
		const struct srv_sb_bdev *b  = &sb->sb_bdevs[i];
		size_t                    pl = strnlen(b->sbd_path, sizeof(b->sbd_path));

		if (b->sbd_tier < 1 || b->sbd_tier >= SRV_TIERS_MAX || pl == 0 ||
		    pl == sizeof(b->sbd_path) || b->sbd_size > BIO_DEV_SIZE_MAX)
			return false;
		if (b->sbd_class != SRV_TIER_FILE && b->sbd_class != SRV_TIER_KDEV &&
		    b->sbd_class != SRV_TIER_NVME)
			return false;
	}
	return true;
}

int
srv_superblock_encode(const struct srv_superblock *sb, char **out)
{
	json_t *root = NULL, *scm, *arr;
	char    us[37];
	char   *s;
	int     rc = -DER_NOMEM;

	if (sb == NULL || out == NULL || !sb_valid(sb))
		return -DER_INVAL;
	uuid_unparse_lower(sb->sb_uuid, us);
	root = json_object();
	scm  = json_object();
	arr  = json_array();
	if (root == NULL || scm == NULL || arr == NULL) {
		json_decref(scm);
		json_decref(arr);
		goto out;
	}
	if (json_object_set_new(root, "magic", json_string(SRV_SB_MAGIC)) ||
	    json_object_set_new(root, "version", json_integer(sb->sb_version)) ||
	    json_object_set_new(root, "system", json_string(sb->sb_system)) ||
	    json_object_set_new(root, "engine_idx", json_integer(sb->sb_engine_idx)) ||
	    json_object_set_new(root, "uuid", json_string(us)) ||
	    (sb->sb_rank != D_RANK_NIL &&
	     json_object_set_new(root, "rank", json_integer(sb->sb_rank))) ||
	    (sb->sb_replace && json_object_set_new(root, "replace", json_true())) ||
	    json_object_set_new(root, "format_time", json_integer(sb->sb_format_time))) {
		json_decref(scm);
		json_decref(arr);
		goto out;
	}
	if (json_object_set_new(scm, "class", json_string(srv_tier_class_name(sb->sb_scm_class))) ||
	    json_object_set_new(scm, "mount", json_string(sb->sb_scm_mount)) ||
	    json_object_set_new(scm, "size", json_integer((json_int_t)sb->sb_scm_size)) ||
	    json_object_set_new(scm, "tmpfs", json_boolean(sb->sb_scm_tmpfs)) ||
	    json_object_set_new(root, "scm", scm)) {
		json_decref(arr);
		goto out;
	}
	for (uint32_t i = 0; i < sb->sb_bdevs_nr; i++) {
		const struct srv_sb_bdev *b = &sb->sb_bdevs[i];
		json_t                   *e = json_object();

		if (e == NULL || json_array_append_new(arr, e) ||
		    json_object_set_new(e, "tier", json_integer(b->sbd_tier)) ||
		    json_object_set_new(e, "class", json_string(srv_tier_class_name(b->sbd_class))) ||
		    json_object_set_new(e, "path", json_string(b->sbd_path)) ||
		    json_object_set_new(e, "size", json_integer((json_int_t)b->sbd_size))) {
			json_decref(arr);
			goto out;
		}
	}
	if (json_object_set_new(root, "bdevs", arr))
		goto out;
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL)
		goto out;
	*out = s;
	rc   = 0;
out:
	json_decref(root);
	return rc;
}

/* Read a whole small regular file relative to dfd. */
static int
read_small(int dfd, const char *name, size_t max, char **buf, size_t *len)
{
	struct stat st;
	char       *b;
	size_t      got = 0;
	int         fd;
	int         rc = 0;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -DER_DF_INVAL : d_errno2der(errno);
	if (fstat(fd, &st) != 0) {
		rc = d_errno2der(errno);
		goto out_fd;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		rc = -DER_DF_INVAL;
		goto out_fd;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL) {
		rc = -DER_NOMEM;
		goto out_fd;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -DER_IO : 0;
			break;
		}
		got += (size_t)n;
	}
	if (rc != 0) {
		free(b);
		goto out_fd;
	}
	b[got] = '\0';
	*buf   = b;
	*len   = got;
out_fd:
	close(fd);
	return rc;
}

int
srv_superblock_read(const char *scm_mount, struct srv_superblock *sb, char *errbuf,
		    size_t errlen)
{
	char  *buf = NULL;
	size_t len = 0;
	char   why[D_LOG_ERRBUF_SIZE];
	int    dfd;
	int    rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (scm_mount == NULL || sb == NULL) {
		d_errbuf_printf(errbuf, errlen, "no SCM mount given");
		return -DER_INVAL;
	}
	dfd = open(scm_mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "%s: %s", scm_mount, strerror(errno));
		return rc;
	}
	rc = read_small(dfd, SRV_SB_FILE, SRV_SB_FILE_MAX, &buf, &len);
	close(dfd);
	if (rc == -DER_NONEXIST) {
		d_errbuf_printf(errbuf, errlen, "%s/%s: no superblock", scm_mount, SRV_SB_FILE);
		return rc;
	}
	if (rc == -DER_DF_INVAL) {
		d_errbuf_printf(errbuf, errlen, "%s/%s: not a regular file of at most %d bytes",
				scm_mount, SRV_SB_FILE, SRV_SB_FILE_MAX);
		return rc;
	}
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "%s/%s: cannot read: %s", scm_mount, SRV_SB_FILE,
				d_errdesc(rc));
		return rc;
	}
	rc = srv_superblock_parse(buf, len, sb, why, sizeof(why));
	free(buf);
	if (rc != 0)
		d_errbuf_printf(errbuf, errlen, "%s/%s: %s", scm_mount, SRV_SB_FILE, why);
	return rc;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return d_errno2der(errno) == -DER_NOSPACE ? -DER_NOSPACE : -DER_IO;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
srv_superblock_write(const char *scm_mount, const struct srv_superblock *sb, char *errbuf,
		     size_t errlen)
{
	char  *text = NULL;
	int    dfd  = -1;
	int    fd   = -1;
	int    rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (scm_mount == NULL || sb == NULL) {
		d_errbuf_printf(errbuf, errlen, "no SCM mount or superblock given");
		return -DER_INVAL;
	}
	rc = srv_superblock_encode(sb, &text);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "superblock for %s: %s", scm_mount,
				rc == -DER_INVAL ? "a field is out of range" : d_errdesc(rc));
		return rc;
	}
	dfd = open(scm_mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "%s: %s", scm_mount, strerror(errno));
		goto out;
	}
	fd = openat(dfd, SB_TMP_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "%s/%s: %s", scm_mount, SB_TMP_FILE,
				strerror(errno));
		goto out;
	}
	rc = write_all(fd, text, strlen(text));
	if (rc == 0 && fsync(fd) != 0)
		rc = -DER_IO;
	if (close(fd) != 0 && rc == 0)
		rc = -DER_IO;
	fd = -1;
	if (rc == 0 && renameat(dfd, SB_TMP_FILE, dfd, SRV_SB_FILE) != 0)
		rc = d_errno2der(errno);
	if (rc != 0) {
		(void)unlinkat(dfd, SB_TMP_FILE, 0);
		d_errbuf_printf(errbuf, errlen, "%s/%s: write failed: %s", scm_mount, SRV_SB_FILE,
				d_errdesc(rc));
		goto out;
	}
	if (fsync(dfd) != 0) {
		rc = -DER_IO;
		d_errbuf_printf(errbuf, errlen, "%s: directory sync failed: %s", scm_mount,
				strerror(errno));
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(text);
	return rc;
}

int
srv_superblock_set_rank(const char *scm_mount, uint32_t rank, char *errbuf, size_t errlen)
{
	struct srv_superblock sb;
	int                   rc;

	rc = srv_superblock_read(scm_mount, &sb, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (sb.sb_rank != rank || sb.sb_replace) {
		sb.sb_rank    = rank;
		sb.sb_replace = false;
		rc         = srv_superblock_write(scm_mount, &sb, errbuf, errlen);
	}
	srv_superblock_free(&sb);
	return rc;
}

/* ---- Scan ---- */

static const struct srv_tier_cfg *
scm_tier(const struct srv_engine_cfg *ec)
{
	if (ec == NULL || ec->ec_tiers_nr == 0 || ec->ec_tiers_nr > SRV_TIERS_MAX)
		return NULL;
	if (ec->ec_tiers[0].tc_class != SRV_TIER_RAM && ec->ec_tiers[0].tc_class != SRV_TIER_DCPM)
		return NULL;
	if (ec->ec_tiers[0].tc_scm_mount == NULL)
		return NULL;
	return &ec->ec_tiers[0];
}

static uint64_t
blkdev_size(const char *path)
{
	uint64_t size = 0;
	int      fd   = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return 0;
	if (ioctl(fd, BLKGETSIZE64, &size) != 0)
		size = 0;
	close(fd);
	return size;
}

static void
scan_scm(const struct srv_tier_cfg *t, struct srv_scm_info *si)
{
	struct srv_superblock sb;
	struct stat           st;
	long                  fstype = 0;

	si->si_mount    = t->tc_scm_mount;
	si->si_class    = t->tc_class;
	si->si_device   = t->tc_class == SRV_TIER_DCPM && t->tc_scm_list.sl_nr > 0
			      ? t->tc_scm_list.sl_items[0] : NULL;
	si->si_cfg_size = t->tc_scm_size_bytes;
	si->si_rank     = D_RANK_NIL;
	si->si_exists   = stat(t->tc_scm_mount, &st) == 0 && S_ISDIR(st.st_mode);
	if (!si->si_exists) {
		si->si_sb_rc = -DER_NONEXIST;
		d_errbuf_printf(si->si_sb_error, sizeof(si->si_sb_error), "%s: no such directory",
				t->tc_scm_mount);
		return;
	}
	if (mount_info(t->tc_scm_mount, &si->si_mounted, &fstype) == 0)
		si->si_tmpfs = si->si_mounted && fstype == TMPFS_MAGIC;

	if (si->si_mounted) {
		struct statvfs vfs;

		if (statvfs(t->tc_scm_mount, &vfs) == 0) {
			si->si_total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
			si->si_used  = (uint64_t)(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;
		}
	} else {
		struct statvfs vfs;
		uint64_t       used = 0;

		if (statvfs(t->tc_scm_mount, &vfs) == 0)
			si->si_total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		if (t->tc_scm_size_bytes != 0 && t->tc_scm_size_bytes < si->si_total)
			si->si_total = t->tc_scm_size_bytes;
		(void)walk_path(t->tc_scm_mount, false, &used, NULL, 0);
		si->si_used = used;
	}

	si->si_sb_rc = srv_superblock_read(t->tc_scm_mount, &sb, si->si_sb_error,
					   sizeof(si->si_sb_error));
	if (si->si_sb_rc == 0) {
		si->si_formatted = true;
		uuid_copy(si->si_uuid, sb.sb_uuid);
		si->si_rank = sb.sb_rank;
		srv_superblock_free(&sb);
	}
}

int
srv_storage_scan(const struct srv_engine_cfg *ec, struct srv_storage_info *out)
{
	const struct srv_tier_cfg *scm = scm_tier(ec);

	if (scm == NULL || out == NULL)
		return -DER_INVAL;
	memset(out, 0, sizeof(*out));
	scan_scm(scm, &out->st_scm);
	for (uint32_t t = 1; t < ec->ec_tiers_nr; t++) {
		const struct srv_tier_cfg *tc = &ec->ec_tiers[t];

		for (uint32_t i = 0; i < tc->tc_bdev_list.sl_nr; i++) {
			struct srv_bdev_info *bi;
			struct stat           st;

			if (out->st_bdevs_nr >= SRV_STORAGE_BDEVS_MAX)
				return 0;
			bi           = &out->st_bdevs[out->st_bdevs_nr++];
			bi->bi_tier  = t;
			bi->bi_class = tc->tc_class;
			bi->bi_path  = tc->tc_bdev_list.sl_items[i];
			if (tc->tc_class == SRV_TIER_FILE) {
				bi->bi_cfg_size = tc->tc_bdev_size_bytes;
				if (stat(bi->bi_path, &st) == 0 && S_ISREG(st.st_mode)) {
					bi->bi_exists = true;
					bi->bi_size   = (uint64_t)st.st_size;
				}
			} else if (tc->tc_class == SRV_TIER_KDEV) {
				if (stat(bi->bi_path, &st) == 0 && S_ISBLK(st.st_mode)) {
					bi->bi_exists = true;
					bi->bi_size   = blkdev_size(bi->bi_path);
				}
			}
			/* nvme: SPDK devices are not visible here (bi_exists false). */
		}
	}
	return 0;
}

/* ---- Format ---- */

static bool
pmem_present(void)
{
	glob_t g;
	bool   any;

	if (glob("/dev/pmem*", GLOB_NOSORT, NULL, &g) != 0)
		return false;
	any = g.gl_pathc > 0;
	globfree(&g);
	return any;
}

/* Prepare the SCM tier below a checked, existing or creatable directory. */
static int
format_scm(const struct srv_tier_cfg *t, struct srv_format_result *res, uint64_t *size)
{
	const char *mnt = t->tc_scm_mount;
	char        why[SRV_FORMAT_MSG_MAX];
	bool        mounted = false;
	long        fstype  = 0;
	int         rc;

	if (t->tc_class == SRV_TIER_DCPM) {
		const char *dev = t->tc_scm_list.sl_nr > 0 ? t->tc_scm_list.sl_items[0] : NULL;
		struct stat st, mst;

		if (!pmem_present()) {
			d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg),
					"class dcpm requires PMem hardware (no /dev/pmem* found)");
			return -DER_NOTSUPPORTED;
		}
		if (dev == NULL || stat(dev, &st) != 0 || !S_ISBLK(st.st_mode)) {
			d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg),
					"class dcpm: %s is not a PMem block device", dev ? dev : "(none)");
			return -DER_NONEXIST;
		}
		if (stat(mnt, &mst) != 0 || mst.st_dev != st.st_rdev) {
			d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg),
					"class dcpm: %s is not mounted at %s (mount it with -o dax first)",
					dev, mnt);
			return -DER_NONEXIST;
		}
		rc = walk_path(mnt, true, NULL, why, sizeof(why));
		if (rc != 0) {
			d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg), "%s", why);
			return rc;
		}
		*size = blkdev_size(dev);
		return 0;
	}

	/* ram */
	if (mkdir(mnt, 0700) != 0 && errno != EEXIST) {
		rc = d_errno2der(errno);
		d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg), "cannot create %s: %s", mnt,
				strerror(errno));
		return rc;
	}
	rc = mount_info(mnt, &mounted, &fstype);
	if (rc != 0) {
		d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg), "cannot inspect %s: %s", mnt,
				d_errdesc(rc));
		return rc;
	}
	if (mounted && fstype != TMPFS_MAGIC) {
		d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg),
				"class ram: %s is a mount point of another file system type", mnt);
		return -DER_BUSY;
	}
	/* Wipe first: what lies below would otherwise stay hidden under a new mount. */
	rc = walk_path(mnt, true, NULL, why, sizeof(why));
	if (rc != 0) {
		d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg), "%s", why);
		return rc;
	}
	*size = t->tc_scm_size_bytes;
	if (mounted) {
		char opts[64];

		/* Our earlier tmpfs: resize it to the configured size (best effort). */
		res->fr_scm_tmpfs = true;
		if (t->tc_scm_size_bytes != 0) {
			snprintf(opts, sizeof(opts), "size=%llu",
				 (unsigned long long)t->tc_scm_size_bytes);
			if (mount(NULL, mnt, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, opts) != 0)
				D_WARN("remount of %s with %s failed: %s\n", mnt, opts,
				       strerror(errno));
		}
		return 0;
	}
	if (!no_mount_env()) {
		char opts[64] = "mode=0700";

		if (t->tc_scm_size_bytes != 0)
			snprintf(opts, sizeof(opts), "mode=0700,size=%llu",
				 (unsigned long long)t->tc_scm_size_bytes);
		if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts) == 0) {
			res->fr_scm_tmpfs = true;
			D_INFO("mounted tmpfs (%s) at %s\n", opts, mnt);
			return 0;
		}
		if (errno != EPERM) {
			rc = d_errno2der(errno);
			d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg),
					"mount -t tmpfs -o %s tmpfs %s: %s", opts, mnt, strerror(errno));
			return rc;
		}
		D_NOTE("cannot mount tmpfs at %s (not permitted): using the directory\n", mnt);
	}
	return 0;
}

static int
format_bdevs(const struct srv_engine_cfg *ec, struct srv_superblock *sb,
	     struct srv_format_result *res)
{
	uint32_t nr = 0;

	for (uint32_t t = 1; t < ec->ec_tiers_nr; t++)
		nr += ec->ec_tiers[t].tc_bdev_list.sl_nr;
	if (nr > SRV_SB_BDEVS_MAX) {
		d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg), "%u bdevs, at most %d", nr,
				SRV_SB_BDEVS_MAX);
		return -DER_INVAL;
	}
	if (nr == 0)
		return 0;
	sb->sb_bdevs = calloc(nr, sizeof(*sb->sb_bdevs));
	if (sb->sb_bdevs == NULL)
		return -DER_NOMEM;

	for (uint32_t t = 1; t < ec->ec_tiers_nr; t++) {
		const struct srv_tier_cfg *tc = &ec->ec_tiers[t];

		for (uint32_t i = 0; i < tc->tc_bdev_list.sl_nr; i++) {
			const char         *path = tc->tc_bdev_list.sl_items[i];
			struct srv_sb_bdev *b    = &sb->sb_bdevs[sb->sb_bdevs_nr];
			struct stat         st;
			uint64_t            size;
			int                 rc;

			if (strlen(path) >= SRV_SB_PATH_MAX) {
				d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg),
						"bdev path longer than %d bytes", SRV_SB_PATH_MAX - 1);
				return -DER_INVAL;
			}
			switch (tc->tc_class) {
			case SRV_TIER_FILE:
				size = tc->tc_bdev_size_bytes / BIO_ALIGN * BIO_ALIGN;
				if (size == 0) {
					d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg),
							"class file: bdev_size of %s is below %u bytes",
							path, BIO_ALIGN);
					return -DER_INVAL;
				}
				/* Recreate: old content belongs to the storage being replaced. */
				if (unlink(path) != 0 && errno != ENOENT) {
					rc = d_errno2der(errno);
					d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg),
							"cannot remove old %s: %s", path, strerror(errno));
					return rc;
				}
				rc = bio_dev_create_file(path, size);
				if (rc != 0) {
					d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg),
							"cannot create %s of %llu bytes: %s", path,
							(unsigned long long)size, d_errdesc(rc));
					return rc;
				}
				break;
			case SRV_TIER_KDEV:
				if (stat(path, &st) != 0 || !S_ISBLK(st.st_mode)) {
					d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg),
							"class kdev: %s is not a block device", path);
					return -DER_NONEXIST;
				}
				size = 0;
				break;
			case SRV_TIER_NVME:
				d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg),
						"class nvme: SPDK/NVMe PCI devices are not supported on "
						"this machine (%s; emulation: use bdev_class file)", path);
				return -DER_NOTSUPPORTED;
			default:
				d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg),
						"tier %u: class %s is not a bdev class", t,
						srv_tier_class_name(tc->tc_class));
				return -DER_INVAL;
			}
			b->sbd_tier  = t;
			b->sbd_class = tc->tc_class;
			b->sbd_size  = size;
			memcpy(b->sbd_path, path, strlen(path) + 1);
			sb->sb_bdevs_nr++;
		}
	}
	return 0;
}

int
srv_storage_format(const char *sys_name, const struct srv_engine_cfg *ec, uint32_t idx,
		   bool force, struct srv_format_result *res, char *errbuf, size_t errlen)
{
	const struct srv_tier_cfg *scm = scm_tier(ec);
	struct srv_superblock      old;
	struct srv_superblock      sb;
	uint32_t                   keep_rank = D_RANK_NIL;
	char                       why[SRV_FORMAT_MSG_MAX];
	char                       msg[SRV_FORMAT_MSG_MAX] = "";
	size_t                     nl;
	int                        rc;

	memset(&sb, 0, sizeof(sb));
	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (res == NULL) {
		d_errbuf_printf(errbuf, errlen, "no result buffer");
		return -DER_INVAL;
	}
	memset(res, 0, sizeof(*res));
	nl = sys_name == NULL ? 0 : strnlen(sys_name, CFG_NAME_MAX + 1);
	if (nl == 0 || nl > CFG_NAME_MAX) {
		d_errbuf_printf(msg, sizeof(msg), "system name must have 1 to %d characters",
				CFG_NAME_MAX);
		rc = -DER_INVAL;
		goto fail_scm;
	}
	if (scm == NULL || idx >= SRV_ENGINES_MAX) {
		d_errbuf_printf(msg, sizeof(msg), "engine %u has no SCM tier (ram or dcpm) first", idx);
		rc = -DER_INVAL;
		goto fail_scm;
	}
	rc = srv_storage_path_check(scm->tc_scm_mount, why, sizeof(why));
	if (rc != 0) {
		d_errbuf_printf(msg, sizeof(msg), "engine %u: %s", idx, why);
		goto fail_scm;
	}

	rc = srv_superblock_read(scm->tc_scm_mount, &old, why, sizeof(why));
	if (rc == 0) {
		/* A reformat keeps the engine's place in the system (its rank). */
		if (strcmp(old.sb_system, sys_name) == 0 && old.sb_engine_idx == idx)
			keep_rank = old.sb_rank;
		srv_superblock_free(&old);
		if (!force) {
			d_errbuf_printf(msg, sizeof(msg),
					"storage of engine %u is already formatted (use --force)", idx);
			rc = -DER_EXIST;
			goto fail_scm;
		}
		res->fr_reformat = true;
	} else if (rc != -DER_NONEXIST && !force) {
		/* Something is there that we cannot read: never destroy it silently. */
		d_errbuf_printf(msg, sizeof(msg),
				"storage of engine %u holds an unusable superblock (%s): use --force "
				"to reformat", idx, why);
		rc = -DER_EXIST;
		goto fail_scm;
	}

	rc = format_scm(scm, res, &sb.sb_scm_size);
	if (rc != 0) {
		d_errbuf_printf(msg, sizeof(msg), "engine %u: %s", idx, res->fr_scm_msg);
		goto fail_scm;
	}
	rc = format_bdevs(ec, &sb, res);
	if (rc != 0) {
		if (res->fr_nvme_msg[0] == '\0')
			d_errbuf_printf(res->fr_nvme_msg, sizeof(res->fr_nvme_msg), "%s", d_errdesc(rc));
		res->fr_nvme_rc = rc;
		d_errbuf_printf(errbuf, errlen, "engine %u: %s", idx, res->fr_nvme_msg);
		goto out;
	}

	sb.sb_version = SRV_SB_VERSION;
	memcpy(sb.sb_system, sys_name, nl + 1);
	sb.sb_engine_idx = idx;
	uuid_generate(sb.sb_uuid);
	sb.sb_rank        = keep_rank;
	sb.sb_replace     = keep_rank != D_RANK_NIL;
	sb.sb_format_time = (int64_t)time(NULL);
	sb.sb_scm_class   = scm->tc_class;
	sb.sb_scm_tmpfs   = res->fr_scm_tmpfs;
	/* srv_storage_path_check() bounded the length. */
	memcpy(sb.sb_scm_mount, scm->tc_scm_mount, strlen(scm->tc_scm_mount) + 1);
	rc = srv_superblock_write(scm->tc_scm_mount, &sb, why, sizeof(why));
	if (rc != 0) {
		d_errbuf_printf(msg, sizeof(msg), "engine %u: %s", idx, why);
		goto fail_scm;
	}
	uuid_copy(res->fr_uuid, sb.sb_uuid);
	D_INFO("engine %u storage formatted (scm %s%s, %u bdevs)\n", idx, scm->tc_scm_mount,
	       res->fr_scm_tmpfs ? " tmpfs" : " directory", sb.sb_bdevs_nr);
out:
	srv_superblock_free(&sb);
	return rc;
fail_scm:
	res->fr_scm_rc = rc;
	if (res->fr_scm_msg[0] == '\0')
		d_errbuf_printf(res->fr_scm_msg, sizeof(res->fr_scm_msg), "%s", msg);
	d_errbuf_printf(errbuf, errlen, "%s", msg);
	srv_superblock_free(&sb);
	return rc;
}

/* ---- Erase ---- */

int
srv_storage_erase(const struct srv_engine_cfg *ec, char *errbuf, size_t errlen)
{
	const struct srv_tier_cfg *scm = scm_tier(ec);
	char                       why[SRV_FORMAT_MSG_MAX];
	char                       path[SRV_SB_PATH_MAX + sizeof(SRV_SB_FILE) + 1];
	bool                       mounted = false;
	long                       fstype  = 0;
	struct stat                st;
	int                        first   = 0;
	int                        rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (scm == NULL) {
		d_errbuf_printf(errbuf, errlen, "engine has no SCM tier (ram or dcpm) first");
		return -DER_INVAL;
	}
	rc = srv_storage_path_check(scm->tc_scm_mount, errbuf, errlen);
	if (rc != 0)
		return rc;

	if (stat(scm->tc_scm_mount, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(path, sizeof(path), "%s/%s", scm->tc_scm_mount, SRV_SB_FILE);
		if (unlink(path) != 0 && errno != ENOENT) {
			first = d_errno2der(errno);
			d_errbuf_printf(errbuf, errlen, "cannot remove %s: %s", path,
					strerror(errno));
		}
		rc = walk_path(scm->tc_scm_mount, true, NULL, why, sizeof(why));
		if (rc != 0 && first == 0) {
			first = rc;
			d_errbuf_printf(errbuf, errlen, "%s", why);
		}
		if (scm->tc_class == SRV_TIER_RAM &&
		    mount_info(scm->tc_scm_mount, &mounted, &fstype) == 0 && mounted &&
		    fstype == TMPFS_MAGIC && umount2(scm->tc_scm_mount, 0) != 0 && first == 0) {
			first = d_errno2der(errno);
			d_errbuf_printf(errbuf, errlen, "cannot unmount %s: %s", scm->tc_scm_mount,
					strerror(errno));
		}
	}
	for (uint32_t t = 1; t < ec->ec_tiers_nr; t++) {
		const struct srv_tier_cfg *tc = &ec->ec_tiers[t];

		if (tc->tc_class != SRV_TIER_FILE)
			continue;
		for (uint32_t i = 0; i < tc->tc_bdev_list.sl_nr; i++) {
			const char *p = tc->tc_bdev_list.sl_items[i];

			if (lstat(p, &st) == 0 && !S_ISREG(st.st_mode)) {
				if (first == 0) {
					first = -DER_INVAL;
					d_errbuf_printf(errbuf, errlen,
							"%s is not a regular file: not removed", p);
				}
				continue;
			}
			if (unlink(p) != 0 && errno != ENOENT && first == 0) {
				first = d_errno2der(errno);
				d_errbuf_printf(errbuf, errlen, "cannot remove %s: %s", p,
						strerror(errno));
			}
		}
	}
	return first;
}
