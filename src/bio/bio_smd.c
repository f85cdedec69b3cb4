/*
 * bio_smd.c: per-server metadata: the device table, the pool -> blob table and
 * the device free maps, kept in memory and written through to one file.
 *
 * Every mutation follows the same steps, so a failure never leaves memory and
 * disk disagreeing silently:
 *   1. check the arguments against the tables (nothing changed yet);
 *   2. reserve every array slot the change needs (the only allocations);
 *   3. apply the change in memory (cannot fail);
 *   4. write the file atomically (smd_save);
 *   5. if the write failed before the rename: undo step 3 (cannot fail: the
 *      slots are still reserved) and return the error. If only the directory
 *      fsync failed: keep the change, mark the handle FAILED, return -DER_IO.
 *
 * Handle state:
 *     OPEN --(directory fsync failed: durability unknown)--> FAILED
 *     FAILED: reads still answer from memory, every mutation returns -DER_IO.
 *
 * Invariants: T1..T6 of bio_smd_internal.h, plus
 *   S1. The directory is flock'ed while the handle is open: one writer.
 *   S2. After a successful mutation the file holds exactly the tables.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/errbuf.h"
#include "bio/bio_internal.h"
#include "bio/bio_smd_internal.h"

#define SMD_TMP_FILE BIO_SMD_FILE ".tmp"

struct bio_smd {
	int                sm_dirfd;
	bool               sm_failed;
	enum bio_smd_fault sm_fault;
	struct smd_tables  sm_t;
	char               sm_path[BIO_PATH_MAX + sizeof(BIO_SMD_FILE)];
};

/* ---- Tables ---- */

void
smd_tables_fini(struct smd_tables *t)
{
	for (unsigned i = 0; i < t->st_dev_nr; i++)
		free(t->st_devs[i].sdv_exts);
	for (unsigned i = 0; i < t->st_pool_nr; i++)
		free(t->st_pools[i].spl_blobs);
	free(t->st_devs);
	free(t->st_pools);
	memset(t, 0, sizeof(*t));
}

/* Grows an array to hold `need` elements (doubling, at least 4). */
static int
grow(void **arr, unsigned *cap, unsigned need, size_t elem)
{
	unsigned ncap;
	void    *p;

	if (need <= *cap)
		return 0;
	ncap = *cap < 4 ? 4 : *cap;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, (size_t)ncap * elem);
	if (p == NULL)
		return -DER_NOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int
smd_ext_reserve(struct smd_dev *dev, unsigned more)
{
	return grow((void **)&dev->sdv_exts, &dev->sdv_ext_cap, dev->sdv_ext_nr + more,
		    sizeof(*dev->sdv_exts));
}

int
smd_blob_reserve(struct smd_pool *pool, unsigned more)
{
	return grow((void **)&pool->spl_blobs, &pool->spl_cap, pool->spl_nr + more,
		    sizeof(*pool->spl_blobs));
}

int
smd_pool_reserve(struct smd_tables *t, unsigned more)
{
	return grow((void **)&t->st_pools, &t->st_pool_cap, t->st_pool_nr + more,
		    sizeof(*t->st_pools));
}

int
smd_dev_find(const struct smd_tables *t, const uuid_t uuid)
{
	for (unsigned i = 0; i < t->st_dev_nr; i++)
		if (uuid_compare(t->st_devs[i].sdv_info.sd_uuid, uuid) == 0)
			return (int)i;
	return -1;
}

int
smd_pool_find(const struct smd_tables *t, const uuid_t uuid)
{
	for (unsigned i = 0; i < t->st_pool_nr; i++)
		if (uuid_compare(t->st_pools[i].spl_uuid, uuid) == 0)
			return (int)i;
	return -1;
}

static bool
dev_has_tgt(const struct bio_smd_dev *d, uint32_t tgt)
{
	for (unsigned i = 0; i < d->sd_tgt_nr; i++)
		if (d->sd_tgts[i] == tgt)
			return true;
	return false;
}

int
smd_dev_check(const struct smd_tables *t, const struct bio_smd_dev *d, const char **why)
{
	size_t alen = strnlen(d->sd_tr_addr, BIO_PATH_MAX);

	if (alen == 0 || alen == BIO_PATH_MAX) {
		*why = "transport address is empty or too long";
		return -DER_INVAL;
	}
	if (d->sd_class != BIO_DEV_FILE && d->sd_class != BIO_DEV_KDEV) {
		*why = "unknown device class";
		return -DER_INVAL;
	}
	if (d->sd_size == 0 || d->sd_size % BIO_ALIGN != 0 || d->sd_size > BIO_DEV_SIZE_MAX) {
		*why = "size must be a positive multiple of 4096 up to 1 PiB";
		return -DER_INVAL;
	}
	if (bio_dev_state_str(d->sd_state) == NULL) {
		*why = "unknown device state";
		return -DER_INVAL;
	}
	if (bio_led_state_str(d->sd_led) == NULL) {
		*why = "unknown LED state";
		return -DER_INVAL;
	}
	if (d->sd_tgt_nr > BIO_TGT_MAX) {
		*why = "too many targets";
		return -DER_INVAL;
	}
	for (unsigned i = 0; i < d->sd_tgt_nr; i++) {
		if (d->sd_tgts[i] >= BIO_TGT_MAX) {
			*why = "target id out of range";
			return -DER_INVAL;
		}
		for (unsigned k = 0; k < i; k++) {
			if (d->sd_tgts[k] == d->sd_tgts[i]) {
				*why = "target listed twice";
				return -DER_INVAL;
			}
		}
	}
	for (unsigned i = 0; i < t->st_dev_nr; i++) {
		const struct bio_smd_dev *o = &t->st_devs[i].sdv_info;

		if (uuid_compare(o->sd_uuid, d->sd_uuid) == 0) {
			*why = "duplicate device UUID";
			return -DER_EXIST;
		}
		if (strcmp(o->sd_tr_addr, d->sd_tr_addr) == 0) {
			*why = "duplicate transport address";
			return -DER_EXIST;
		}
		for (unsigned k = 0; k < d->sd_tgt_nr; k++) {
			if (dev_has_tgt(o, d->sd_tgts[k])) {
				*why = "target already mapped to another device";
				return -DER_EXIST;
			}
		}
	}
	if (t->st_dev_nr >= BIO_SMD_DEV_MAX) {
		*why = "too many devices";
		return -DER_OVERFLOW;
	}
	return 0;
}

int
smd_dev_append(struct smd_tables *t, const struct bio_smd_dev *d)
{
	struct smd_dev *dev;
	int             rc;

	rc = grow((void **)&t->st_devs, &t->st_dev_cap, t->st_dev_nr + 1, sizeof(*t->st_devs));
	if (rc != 0)
		return rc;
	dev = &t->st_devs[t->st_dev_nr++];
	memset(dev, 0, sizeof(*dev));
	dev->sdv_info         = *d;
	dev->sdv_info.sd_used = 0;
	return 0;
}

/* Inserts an extent at position `pos` (room reserved by the caller). */
static void
ext_insert(struct smd_dev *dev, unsigned pos, const struct smd_ext *e)
{
	memmove(&dev->sdv_exts[pos + 1], &dev->sdv_exts[pos],
		(dev->sdv_ext_nr - pos) * sizeof(*dev->sdv_exts));
	dev->sdv_exts[pos] = *e;
	dev->sdv_ext_nr++;
	dev->sdv_info.sd_used += e->se_size;
}

/* Position of the extent starting at `off`, or of the first one after it. */
static unsigned
ext_pos(const struct smd_dev *dev, uint64_t off)
{
	unsigned lo = 0, hi = dev->sdv_ext_nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (dev->sdv_exts[mid].se_off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
ext_remove(struct smd_dev *dev, uint64_t off)
{
	unsigned pos = ext_pos(dev, off);

	assert(pos < dev->sdv_ext_nr && dev->sdv_exts[pos].se_off == off);
	dev->sdv_info.sd_used -= dev->sdv_exts[pos].se_size;
	memmove(&dev->sdv_exts[pos], &dev->sdv_exts[pos + 1],
		(dev->sdv_ext_nr - pos - 1) * sizeof(*dev->sdv_exts));
	dev->sdv_ext_nr--;
}

/* First fit: lowest free offset with `size` bytes (all extents are aligned, T2). */
static int
first_fit(const struct smd_dev *dev, uint64_t size, uint64_t *off, unsigned *pos)
{
	uint64_t prev_end = 0;

	for (unsigned i = 0; i < dev->sdv_ext_nr; i++) {
		if (dev->sdv_exts[i].se_off - prev_end >= size) {
			*off = prev_end;
			*pos = i;
			return 0;
		}
		prev_end = dev->sdv_exts[i].se_off + dev->sdv_exts[i].se_size;
	}
	if (dev->sdv_info.sd_size - prev_end >= size) {
		*off = prev_end;
		*pos = dev->sdv_ext_nr;
		return 0;
	}
	return -DER_NOSPACE;
}

/* ---- The file ---- */

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

/*
 * Writes the tables atomically. *committed tells whether the rename happened
 * (then the new content may be on disk even when an error is returned).
 */
static int
smd_save(struct bio_smd *smd, bool *committed)
{
	enum bio_smd_fault fault = smd->sm_fault;
	char              *buf   = NULL;
	size_t             len;
	int                fd = -1;
	int                rc;

	*committed    = false;
	smd->sm_fault = BIO_SMD_FAULT_NONE;
	rc            = smd_encode(&smd->sm_t, &buf, &len);
	if (rc != 0)
		return rc;
	/* T6 bounds the tables, so this holds; checked because load enforces it. */
	if (len > BIO_SMD_FILE_MAX) {
		rc = -DER_OVERFLOW;
		goto out;
	}
	fd = openat(smd->sm_dirfd, SMD_TMP_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = d_errno2der(errno) == -DER_NOSPACE ? -DER_NOSPACE : -DER_IO;
		goto out;
	}
	rc = fault == BIO_SMD_FAULT_WRITE ? -DER_IO : write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) != 0)
		rc = -DER_IO;
	if (close(fd) != 0 && rc == 0)
		rc = -DER_IO;
	fd = -1;
	if (rc == 0 && renameat(smd->sm_dirfd, SMD_TMP_FILE, smd->sm_dirfd, BIO_SMD_FILE) != 0)
		rc = -DER_IO;
	if (rc != 0) {
		(void)unlinkat(smd->sm_dirfd, SMD_TMP_FILE, 0);
		goto out;
	}
	*committed = true;
	if (fault == BIO_SMD_FAULT_DIRSYNC || fsync(smd->sm_dirfd) != 0) {
		/* Renamed but maybe not durable: no way to know, so fail-stop. */
		smd->sm_failed = true;
		rc             = -DER_IO;
	}
out:
	free(buf);
	return rc;
}

void
bio_smd_fault_inject(struct bio_smd *smd, enum bio_smd_fault where)
{
	smd->sm_fault = where;
}

/* Reads the whole SMD file into *bufp (*lenp bytes). -DER_NONEXIST when absent. */
static int
file_read(struct bio_smd *smd, char **bufp, size_t *lenp, char *errbuf, size_t errlen)
{
	struct stat st;
	char       *buf = NULL;
	size_t      len = 0;
	int         fd;
	int         rc = 0;

	fd = openat(smd->sm_dirfd, BIO_SMD_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return -DER_NONEXIST;
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "SMD file %s: cannot open it: %s", smd->sm_path,
			   strerror(errno));
		return rc == -DER_INVAL ? -DER_DF_INVAL : rc; /* ELOOP: a symlink */
	}
	if (fstat(fd, &st) != 0) {
		rc = d_errno2der(errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "SMD file %s: not a regular file", smd->sm_path);
		rc = -DER_DF_INVAL;
		goto out;
	}
	if (st.st_size > BIO_SMD_FILE_MAX) {
		d_errbuf_printf(errbuf, errlen, "SMD file %s: %lld bytes, larger than the limit of %u",
			   smd->sm_path, (long long)st.st_size, BIO_SMD_FILE_MAX);
		rc = -DER_DF_INVAL;
		goto out;
	}
	/* One byte more than the size, to see a file that grew (it would be refused). */
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	while (len <= (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			d_errbuf_printf(errbuf, errlen, "SMD file %s: read failed: %s", smd->sm_path,
				   strerror(errno));
			rc = -DER_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		d_errbuf_printf(errbuf, errlen, "SMD file %s: changed while being read", smd->sm_path);
		rc = -DER_IO;
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf   = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int
bio_smd_open(const char *dir, struct bio_smd **smdp, char *errbuf, size_t errlen)
{
	struct bio_smd *smd;
	char           *buf = NULL;
	size_t          len = 0;
	size_t          dlen;
	int             rc;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (dir == NULL || smdp == NULL) {
		d_errbuf_printf(errbuf, errlen, "invalid arguments");
		return -DER_INVAL;
	}
	dlen = strnlen(dir, BIO_PATH_MAX);
	if (dlen == 0 || dlen == BIO_PATH_MAX) {
		d_errbuf_printf(errbuf, errlen, "SMD directory path is empty or longer than %d bytes",
			   BIO_PATH_MAX - 1);
		return -DER_INVAL;
	}
	smd = calloc(1, sizeof(*smd));
	if (smd == NULL)
		return -DER_NOMEM;
	snprintf(smd->sm_path, sizeof(smd->sm_path), "%s/%s", dir, BIO_SMD_FILE);
	smd->sm_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (smd->sm_dirfd < 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "SMD directory %s: %s", dir, strerror(errno));
		goto err;
	}
	if (flock(smd->sm_dirfd, LOCK_EX | LOCK_NB) != 0) {
		rc = d_errno2der(errno);
		d_errbuf_printf(errbuf, errlen, "SMD directory %s: %s", dir,
			   rc == -DER_BUSY ? "in use by another SMD handle" : strerror(errno));
		goto err_dir;
	}
	/* A leftover temporary file is a write that never committed (S1: it is ours). */
	(void)unlinkat(smd->sm_dirfd, SMD_TMP_FILE, 0);

	rc = file_read(smd, &buf, &len, errbuf, errlen);
	if (rc == -DER_NONEXIST) {
		smd->sm_t.st_next_id = BIO_BLOB_ID_BASE;
		rc                   = 0;
	} else if (rc == 0) {
		rc = smd_decode(buf, len, smd->sm_path, &smd->sm_t, errbuf, errlen);
		free(buf);
	}
	if (rc != 0)
		goto err_dir;
	*smdp = smd;
	return 0;

err_dir:
	close(smd->sm_dirfd);
err:
	free(smd);
	return rc;
}

void
bio_smd_close(struct bio_smd *smd)
{
	if (smd == NULL)
		return;
	smd_tables_fini(&smd->sm_t);
	close(smd->sm_dirfd); /* releases the flock (S1) */
	free(smd);
}

/* ---- Devices ---- */

int
bio_smd_dev_add(struct bio_smd *smd, const struct bio_smd_dev *dev)
{
	const char *why;
	bool        committed;
	int         rc;

	if (smd == NULL || dev == NULL)
		return -DER_INVAL;
	if (smd->sm_failed)
		return -DER_IO;
	rc = smd_dev_check(&smd->sm_t, dev, &why);
	if (rc != 0)
		return rc;
	rc = smd_dev_append(&smd->sm_t, dev);
	if (rc != 0)
		return rc;
	rc = smd_save(smd, &committed);
	if (rc != 0 && !committed)
		smd->sm_t.st_dev_nr--; /* the appended device has no extents to free */
	return rc;
}

int
bio_smd_dev_get(struct bio_smd *smd, const uuid_t dev_uuid, struct bio_smd_dev *out)
{
	int i;

	if (smd == NULL || out == NULL)
		return -DER_INVAL;
	i = smd_dev_find(&smd->sm_t, dev_uuid);
	if (i < 0)
		return -DER_NONEXIST;
	*out = smd->sm_t.st_devs[i].sdv_info;
	return 0;
}

/* Sets the state (led == false) or the LED (led == true) of a device. */
static int
dev_set(struct bio_smd *smd, const uuid_t dev_uuid, bool led, unsigned val)
{
	struct bio_smd_dev *d;
	unsigned            old;
	bool                committed;
	int                 i, rc;

	if (smd == NULL || (led ? bio_led_state_str((enum bio_led_state)val) == NULL
				: bio_dev_state_str((enum bio_dev_state)val) == NULL))
		return -DER_INVAL;
	if (smd->sm_failed)
		return -DER_IO;
	i = smd_dev_find(&smd->sm_t, dev_uuid);
	if (i < 0)
		return -DER_NONEXIST;
	d = &smd->sm_t.st_devs[i].sdv_info;
	if (led) {
		old        = d->sd_led;
		d->sd_led  = (enum bio_led_state)val;
	} else {
		old         = d->sd_state;
		d->sd_state = (enum bio_dev_state)val;
	}
	rc = smd_save(smd, &committed);
	if (rc != 0 && !committed) {
		if (led)
			d->sd_led = (enum bio_led_state)old;
		else
			d->sd_state = (enum bio_dev_state)old;
	}
	return rc;
}

int
bio_smd_dev_set_state(struct bio_smd *smd, const uuid_t dev_uuid, enum bio_dev_state st)
{
	return dev_set(smd, dev_uuid, false, (unsigned)st);
}

int
bio_smd_dev_set_led(struct bio_smd *smd, const uuid_t dev_uuid, enum bio_led_state led)
{
	return dev_set(smd, dev_uuid, true, (unsigned)led);
}

int
bio_smd_tgt_dev(struct bio_smd *smd, uint32_t tgt, uuid_t dev_uuid)
{
	if (smd == NULL)
		return -DER_INVAL;
	for (unsigned i = 0; i < smd->sm_t.st_dev_nr; i++) {
		if (dev_has_tgt(&smd->sm_t.st_devs[i].sdv_info, tgt)) {
			uuid_copy(dev_uuid, smd->sm_t.st_devs[i].sdv_info.sd_uuid);
			return 0;
		}
	}
	return -DER_NONEXIST;
}

int
bio_smd_dev_iter(struct bio_smd *smd, int (*cb)(const struct bio_smd_dev *dev, void *arg),
		 void *arg)
{
	if (smd == NULL || cb == NULL)
		return -DER_INVAL;
	for (unsigned i = 0; i < smd->sm_t.st_dev_nr; i++) {
		int rc = cb(&smd->sm_t.st_devs[i].sdv_info, arg);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- Blobs ---- */

static void
blob_out(const struct smd_tables *t, const struct smd_pool *pool, const struct smd_blob *b,
	 struct bio_smd_blob *out)
{
	memset(out, 0, sizeof(*out)); /* padding too: callers may compare records bytewise */
	uuid_copy(out->sb_pool, pool->spl_uuid);
	out->sb_tgt = b->sbl_tgt;
	uuid_copy(out->sb_dev, t->st_devs[b->sbl_dev].sdv_info.sd_uuid);
	out->sb_id   = b->sbl_id;
	out->sb_off  = b->sbl_off;
	out->sb_size = b->sbl_size;
}

int
bio_smd_blob_alloc(struct bio_smd *smd, const uuid_t pool_uuid, uint32_t tgt,
		   const uuid_t dev_uuid, uint64_t size, struct bio_smd_blob *out)
{
	struct smd_tables *t;
	struct smd_dev    *dev;
	struct smd_pool   *pool;
	struct smd_blob   *b;
	struct smd_ext     e;
	unsigned           pos;
	bool               new_pool, committed;
	int                di, pi, rc;

	if (smd == NULL || out == NULL || tgt >= BIO_TGT_MAX || size == 0)
		return -DER_INVAL;
	if (smd->sm_failed)
		return -DER_IO;
	t  = &smd->sm_t;
	di = smd_dev_find(t, dev_uuid);
	if (di < 0)
		return -DER_NONEXIST;
	dev = &t->st_devs[di];
	if (!dev_has_tgt(&dev->sdv_info, tgt) || size > dev->sdv_info.sd_size)
		return -DER_INVAL;
	if (dev->sdv_info.sd_state != BIO_STATE_NORMAL)
		return -DER_NOTAPPLICABLE;
	size = (size + BIO_BLOB_ALIGN - 1) & ~(BIO_BLOB_ALIGN - 1); /* size <= 2^50: no overflow */

	pi       = smd_pool_find(t, pool_uuid);
	new_pool = pi < 0;
	if (!new_pool) {
		for (unsigned i = 0; i < t->st_pools[pi].spl_nr; i++)
			if (t->st_pools[pi].spl_blobs[i].sbl_tgt == tgt)
				return -DER_EXIST;
	}
	if (t->st_blob_nr >= BIO_SMD_BLOB_MAX || (new_pool && t->st_pool_nr >= BIO_SMD_POOL_MAX))
		return -DER_OVERFLOW;
	rc = first_fit(dev, size, &e.se_off, &pos);
	if (rc != 0)
		return rc;

	/* Step 2: reserve. */
	rc = smd_ext_reserve(dev, 1);
	if (rc == 0 && new_pool)
		rc = smd_pool_reserve(t, 1);
	if (rc != 0)
		return rc;
	if (new_pool) {
		pool = &t->st_pools[t->st_pool_nr];
		memset(pool, 0, sizeof(*pool));
		uuid_copy(pool->spl_uuid, pool_uuid);
	} else {
		pool = &t->st_pools[pi];
	}
	rc = smd_blob_reserve(pool, 1);
	if (rc != 0)
		return rc; /* a new pool is not counted yet: nothing to undo */

	/* Step 3: apply. */
	e.se_size    = size;
	e.se_id      = t->st_next_id;
	e.se_matched = false;
	ext_insert(dev, pos, &e);
	if (new_pool)
		t->st_pool_nr++;
	b           = &pool->spl_blobs[pool->spl_nr++];
	b->sbl_tgt  = tgt;
	b->sbl_dev  = (unsigned)di;
	b->sbl_id   = e.se_id;
	b->sbl_off  = e.se_off;
	b->sbl_size = size;
	t->st_blob_nr++;
	t->st_next_id++;

	rc = smd_save(smd, &committed);
	if (rc != 0 && !committed) {
		t->st_next_id--;
		t->st_blob_nr--;
		pool->spl_nr--;
		if (new_pool) {
			free(pool->spl_blobs);
			t->st_pool_nr--;
		}
		ext_remove(dev, e.se_off);
		return rc;
	}
	blob_out(t, pool, b, out);
	return rc;
}

int
bio_smd_blob_free(struct bio_smd *smd, const uuid_t pool_uuid)
{
	struct smd_tables *t;
	struct smd_pool    pool;
	bool               committed;
	int                pi, rc;

	if (smd == NULL)
		return -DER_INVAL;
	if (smd->sm_failed)
		return -DER_IO;
	t  = &smd->sm_t;
	pi = smd_pool_find(t, pool_uuid);
	if (pi < 0)
		return -DER_NONEXIST;

	/* Apply: removals never allocate, and leave room to undo them. */
	pool = t->st_pools[pi];
	for (unsigned i = 0; i < pool.spl_nr; i++)
		ext_remove(&t->st_devs[pool.spl_blobs[i].sbl_dev], pool.spl_blobs[i].sbl_off);
	memmove(&t->st_pools[pi], &t->st_pools[pi + 1],
		(t->st_pool_nr - (unsigned)pi - 1) * sizeof(*t->st_pools));
	t->st_pool_nr--;
	t->st_blob_nr -= pool.spl_nr;

	rc = smd_save(smd, &committed);
	if (rc != 0 && !committed) {
		memmove(&t->st_pools[pi + 1], &t->st_pools[pi],
			(t->st_pool_nr - (unsigned)pi) * sizeof(*t->st_pools));
		t->st_pools[pi] = pool;
		t->st_pool_nr++;
		t->st_blob_nr += pool.spl_nr;
		for (unsigned i = 0; i < pool.spl_nr; i++) {
			const struct smd_blob *b   = &pool.spl_blobs[i];
			struct smd_dev        *dev = &t->st_devs[b->sbl_dev];
			struct smd_ext         e   = {b->sbl_off, b->sbl_size, b->sbl_id, false};

			ext_insert(dev, ext_pos(dev, e.se_off), &e);
		}
		return rc;
	}
	free(pool.spl_blobs);
	return rc;
}

int
bio_smd_blob_lookup(struct bio_smd *smd, const uuid_t pool_uuid, uint32_t tgt,
		    struct bio_smd_blob *out)
{
	const struct smd_pool *pool;
	int                    pi;

	if (smd == NULL || out == NULL)
		return -DER_INVAL;
	pi = smd_pool_find(&smd->sm_t, pool_uuid);
	if (pi < 0)
		return -DER_NONEXIST;
	pool = &smd->sm_t.st_pools[pi];
	for (unsigned i = 0; i < pool->spl_nr; i++) {
		if (pool->spl_blobs[i].sbl_tgt == tgt) {
			blob_out(&smd->sm_t, pool, &pool->spl_blobs[i], out);
			return 0;
		}
	}
	return -DER_NONEXIST;
}

int
bio_smd_blob_iter(struct bio_smd *smd, int (*cb)(const struct bio_smd_blob *blob, void *arg),
		  void *arg)
{
	if (smd == NULL || cb == NULL)
		return -DER_INVAL;
	for (unsigned i = 0; i < smd->sm_t.st_pool_nr; i++) {
		const struct smd_pool *pool = &smd->sm_t.st_pools[i];

		for (unsigned k = 0; k < pool->spl_nr; k++) {
			struct bio_smd_blob b;
			int                 rc;

			blob_out(&smd->sm_t, pool, &pool->spl_blobs[k], &b);
			rc = cb(&b, arg);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}
