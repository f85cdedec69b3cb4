/*
 * bio_dev.c: devices (file and kernel block device), their counters and their
 * sticky FAILED state, and blob bounds.
 *
 * Invariants
 *   D1. An open bio_dev holds an exclusive flock on its fd: one bio_dev per
 *       device across all processes, so the FAILED state cannot be bypassed by
 *       a second handle.
 *   D2. bd_size is a positive multiple of BIO_ALIGN and at most
 *       BIO_DEV_SIZE_MAX; every I/O is checked to lie inside it.
 *   D3. bd_failed goes from 0 to a non-zero value once and never back while
 *       the device is open (durability contract 3 of bio.h).
 *   D4. A file device is created under a temporary name and renamed into
 *       place, so an existing device file always has the size it was created
 *       with.
 *   D5. A device is closed only with no I/O in flight (bd_inflight == 0,
 *       asserted).
 *
 * Device state (in memory):
 *     HEALTHY --(write or flush error, real or injected)--> FAILED (until close)
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/errbuf.h"
#include "bio/bio_internal.h"

/* Suffix of the temporary name a file device is created under. */
#define BIO_DEV_TMP_SUFFIX ".bio-tmp"


void
bio_ctrs_snapshot(const struct bio_ctrs *c, struct bio_counters *out)
{
#define LOAD(i) atomic_load_explicit(&c->bcs_v[i], memory_order_relaxed)
	out->bc_read_ops      = LOAD(BIO_C_READ_OPS);
	out->bc_write_ops     = LOAD(BIO_C_WRITE_OPS);
	out->bc_flush_ops     = LOAD(BIO_C_FLUSH_OPS);
	out->bc_unmap_ops     = LOAD(BIO_C_UNMAP_OPS);
	out->bc_bytes_read    = LOAD(BIO_C_BYTES_READ);
	out->bc_bytes_written = LOAD(BIO_C_BYTES_WRITTEN);
	out->bc_read_errs     = LOAD(BIO_C_READ_ERRS);
	out->bc_write_errs    = LOAD(BIO_C_WRITE_ERRS);
	out->bc_flush_errs    = LOAD(BIO_C_FLUSH_ERRS);
	out->bc_unmap_errs    = LOAD(BIO_C_UNMAP_ERRS);
	out->bc_csum_errs     = LOAD(BIO_C_CSUM_ERRS);
#undef LOAD
}

void
bio_dev_counters(const struct bio_dev *dev, struct bio_counters *out)
{
	bio_ctrs_snapshot(&dev->bd_ctrs, out);
}

void
bio_dev_fail(struct bio_dev *dev, enum bio_op op, int err)
{
	uint32_t expected = 0;
	uint32_t val      = ((uint32_t)op << 16) | ((uint32_t)(err > 0 ? err : EIO) & 0xFFFFU);

	/* First failure wins (D3); a later one only confirms the state. */
	atomic_compare_exchange_strong_explicit(&dev->bd_failed, &expected, val,
						memory_order_acq_rel, memory_order_acquire);
}

int
bio_dev_set_failed(struct bio_dev *dev)
{
	if (atomic_load_explicit(&dev->bd_failed, memory_order_acquire) != 0)
		return -DER_ALREADY;
	bio_dev_fail(dev, BIO_OP_WRITE, ECANCELED);
	return 0;
}

void
bio_dev_query(const struct bio_dev *dev, struct bio_dev_info *info)
{
	uint32_t failed = atomic_load_explicit(&dev->bd_failed, memory_order_acquire);

	memset(info, 0, sizeof(*info));
	info->bdi_path         = dev->bd_path;
	info->bdi_class        = dev->bd_class;
	info->bdi_size         = dev->bd_size;
	info->bdi_direct       = dev->bd_direct;
	info->bdi_failed       = failed != 0;
	info->bdi_failed_op    = (enum bio_op)(failed >> 16);
	info->bdi_failed_errno = (int)(failed & 0xFFFFU);
}

/* Checks a path argument: non-empty and, with `extra` bytes appended, short enough. */
static int
path_check(const char *path, size_t extra)
{
	size_t len;

	if (path == NULL)
		return -DER_INVAL;
	len = strnlen(path, BIO_PATH_MAX);
	if (len == 0 || len + extra >= BIO_PATH_MAX)
		return -DER_INVAL;
	return 0;
}

/* Opens the directory containing `path` (for fsync after a rename). */
static int
parent_dir_open(const char *path, int *dfd)
{
	char  dir[BIO_PATH_MAX];
	char *slash;
	int   fd;

	strcpy(dir, path); /* length checked by path_check() */
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return d_errno2der(errno);
	*dfd = fd;
	return 0;
}

/* An existing device file: same size is fine, anything else is refused (D4). */
static int
existing_file_check(const struct stat *st, uint64_t size_bytes)
{
	if (!S_ISREG(st->st_mode))
		return -DER_INVAL;
	if ((uint64_t)st->st_size != size_bytes)
		return -DER_EXIST;
	return 0;
}

int
bio_dev_create_file(const char *path, uint64_t size_bytes)
{
	char        tmp[BIO_PATH_MAX];
	struct stat st;
	int         dfd = -1;
	int         fd  = -1;
	bool        tmp_made = false;
	int         rc;

	rc = path_check(path, sizeof(BIO_DEV_TMP_SUFFIX));
	if (rc != 0)
		return rc;
	if (size_bytes == 0 || size_bytes % BIO_ALIGN != 0 || size_bytes > BIO_DEV_SIZE_MAX)
		return -DER_INVAL;

	if (stat(path, &st) == 0)
		return existing_file_check(&st, size_bytes);
	if (errno != ENOENT)
		return d_errno2der(errno);

	rc = parent_dir_open(path, &dfd);
	if (rc != 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s%s", path, BIO_DEV_TMP_SUFFIX);
	/* A leftover temporary file is ours (a crash mid-create): truncate it. */
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = d_errno2der(errno);
		goto out;
	}
	tmp_made = true;
	if (fallocate(fd, 0, 0, (off_t)size_bytes) != 0) {
		if (errno != EOPNOTSUPP && errno != ENOSYS) {
			rc = d_errno2der(errno);
			goto out;
		}
		if (ftruncate(fd, (off_t)size_bytes) != 0) {
			rc = d_errno2der(errno);
			goto out;
		}
	}
	if (fsync(fd) != 0) {
		rc = -DER_IO;
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		rc = -DER_IO;
		goto out;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
		if (errno == EEXIST) {
			/* Created concurrently: judge that file instead. */
			rc = stat(path, &st) == 0 ? existing_file_check(&st, size_bytes)
						  : d_errno2der(errno);
			goto out;
		}
		if (errno != EINVAL && errno != ENOSYS) {
			rc = d_errno2der(errno);
			goto out;
		}
		/* No RENAME_NOREPLACE on this file system: link() also refuses to replace. */
		if (link(tmp, path) != 0) {
			rc = errno == EEXIST ? (stat(path, &st) == 0
						    ? existing_file_check(&st, size_bytes)
						    : d_errno2der(errno))
					     : d_errno2der(errno);
			goto out;
		}
		/* tmp is removed below. */
	} else {
		tmp_made = false;
	}
	if (fsync(dfd) != 0)
		rc = -DER_IO;
	else
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlink(tmp);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* Usable size of the device behind fd (D2). */
static int
dev_size_get(int fd, const struct stat *st, enum bio_dev_class cls, uint64_t *size)
{
	uint64_t bytes;
	int      sector;

	if (cls == BIO_DEV_FILE) {
		bytes = (uint64_t)st->st_size;
		if (bytes % BIO_ALIGN != 0)
			return -DER_INVAL;
	} else {
		if (ioctl(fd, BLKGETSIZE64, &bytes) != 0)
			return d_errno2der(errno);
		if (ioctl(fd, BLKSSZGET, &sector) != 0)
			return d_errno2der(errno);
		if (sector <= 0 || (unsigned)sector > BIO_ALIGN)
			return -DER_NOTSUPPORTED;
		bytes -= bytes % BIO_ALIGN;
	}
	if (bytes == 0 || bytes > BIO_DEV_SIZE_MAX)
		return -DER_INVAL;
	*size = bytes;
	return 0;
}

/*
 * Tries one aligned O_DIRECT read: some file systems accept the open flag but
 * refuse the I/O with EINVAL. Returns 1 if O_DIRECT works, 0 if not, or an error.
 */
static int
direct_probe(int fd)
{
	void   *buf;
	ssize_t n;
	int     rc;

	rc = posix_memalign(&buf, BIO_ALIGN, BIO_ALIGN);
	if (rc != 0)
		return -DER_NOMEM;
	n = pread(fd, buf, BIO_ALIGN, 0);
	if (n == (ssize_t)BIO_ALIGN)
		rc = 1;
	else if (n < 0 && errno == EINVAL)
		rc = 0;
	else
		rc = -DER_IO;
	free(buf);
	return rc;
}

int
bio_dev_open(const char *path, enum bio_dev_class cls, unsigned flags, struct bio_dev **devp)
{
	struct bio_dev *dev = NULL;
	struct stat     st, fst;
	uint64_t        size = 0;
	bool            direct;
	int             oflags;
	int             fd = -1;
	int             rc;

	rc = path_check(path, 0);
	if (rc != 0 || devp == NULL || (cls != BIO_DEV_FILE && cls != BIO_DEV_KDEV) ||
	    (flags & ~BIO_OPEN_NO_DIRECT) != 0)
		return -DER_INVAL;

	/* Refuse the wrong kind of file before opening it (a tty or FIFO must not be opened). */
	if (stat(path, &st) != 0)
		return d_errno2der(errno);
	if ((cls == BIO_DEV_FILE && !S_ISREG(st.st_mode)) ||
	    (cls == BIO_DEV_KDEV && !S_ISBLK(st.st_mode)))
		return -DER_INVAL;

	/* O_EXCL on a block device claims it: a mounted device is refused (EBUSY). */
	oflags = O_RDWR | O_CLOEXEC | (cls == BIO_DEV_KDEV ? O_EXCL : 0);
	direct = (flags & BIO_OPEN_NO_DIRECT) == 0;
	fd     = open(path, oflags | (direct ? O_DIRECT : 0));
	if (fd < 0 && direct && errno == EINVAL) {
		direct = false;
		fd     = open(path, oflags);
	}
	if (fd < 0)
		return d_errno2der(errno);

	if (fstat(fd, &fst) != 0) {
		rc = d_errno2der(errno);
		goto out;
	}
	if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
		rc = -DER_BUSY; /* replaced between stat and open */
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = d_errno2der(errno); /* EWOULDBLOCK: open elsewhere (D1) */
		goto out;
	}
	rc = dev_size_get(fd, &fst, cls, &size);
	if (rc != 0)
		goto out;
	if (direct) {
		rc = direct_probe(fd);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			direct = false;
			if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT) != 0) {
				rc = d_errno2der(errno);
				goto out;
			}
		}
	}

	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	dev->bd_fd     = fd;
	dev->bd_class  = cls;
	dev->bd_direct = direct;
	dev->bd_size   = size;
	dev->bd_st_dev = fst.st_dev;
	dev->bd_st_ino = fst.st_ino;
	atomic_init(&dev->bd_failed, 0);
	atomic_init(&dev->bd_inflight, 0);
	atomic_init(&dev->bd_fault_ops, 0);
	atomic_init(&dev->bd_fault_count, 0);
	for (int i = 0; i < BIO_C_NR; i++)
		atomic_init(&dev->bd_ctrs.bcs_v[i], 0);
	strcpy(dev->bd_path, path);
	fd = -1;
	bio_fault_apply_rules(dev);
	*devp = dev;
	rc    = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

void
bio_dev_close(struct bio_dev *dev)
{
	if (dev == NULL)
		return;
	/* The kernel and a ring still reference it: closing now would corrupt memory. */
	assert(atomic_load_explicit(&dev->bd_inflight, memory_order_acquire) == 0 &&
	       "device closed with I/O in flight");
	close(dev->bd_fd); /* releases the flock (D1) */
	free(dev);
}

int
bio_blob_init(struct bio_blob *bb, struct bio_dev *dev, uint64_t id, uint64_t off, uint64_t size)
{
	if (bb == NULL || dev == NULL || size == 0 || off % BIO_ALIGN != 0 ||
	    size % BIO_ALIGN != 0 || off > dev->bd_size || size > dev->bd_size - off)
		return -DER_INVAL;
	bb->bb_id   = id;
	bb->bb_dev  = dev;
	bb->bb_off  = off;
	bb->bb_size = size;
	return 0;
}
