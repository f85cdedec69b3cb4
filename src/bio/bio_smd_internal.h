/*
 * bio_smd_internal.h: the in-memory SMD tables shared by bio_smd.c (the
 * operations) and bio_smd_json.c (the file format).
 *
 * Invariants of struct smd_tables (checked on load, kept by every operation)
 *   T1. Devices have distinct UUIDs, distinct addresses, and each target id
 *       appears on at most one device. Devices are never removed, so a device
 *       index is stable.
 *   T2. A device's extents are sorted by offset, do not overlap, are
 *       BIO_BLOB_ALIGN-aligned with a positive aligned size, and end inside
 *       the device. sd_used is the sum of their sizes.
 *   T3. Extents and blobs correspond one to one: each blob (pool, tgt) has
 *       exactly one extent on its device with the same offset, size and id.
 *   T4. Pools have distinct UUIDs and at least one blob; a pool has at most
 *       one blob per target, and that target is one of its device's targets.
 *   T5. Blob ids are distinct and in [BIO_BLOB_ID_BASE, st_next_id).
 *   T6. Counts stay within BIO_SMD_DEV_MAX, BIO_SMD_POOL_MAX, BIO_SMD_BLOB_MAX.
 */
#ifndef BIO_SMD_INTERNAL_H
#define BIO_SMD_INTERNAL_H

#include "bio/bio.h"

struct smd_ext {
	uint64_t se_off;
	uint64_t se_size;
	uint64_t se_id;
	bool     se_matched; /* used only while loading (T3 check) */
};

struct smd_dev {
	struct bio_smd_dev sdv_info;
	struct smd_ext    *sdv_exts;
	unsigned           sdv_ext_nr;
	unsigned           sdv_ext_cap;
};

struct smd_blob {
	uint32_t sbl_tgt;
	unsigned sbl_dev; /* index into st_devs */
	uint64_t sbl_id;
	uint64_t sbl_off;
	uint64_t sbl_size;
};

struct smd_pool {
	uuid_t           spl_uuid;
	struct smd_blob *spl_blobs;
	unsigned         spl_nr;
	unsigned         spl_cap;
};

struct smd_tables {
	struct smd_dev  *st_devs;
	unsigned         st_dev_nr;
	unsigned         st_dev_cap;
	struct smd_pool *st_pools;
	unsigned         st_pool_nr;
	unsigned         st_pool_cap;
	unsigned         st_blob_nr;
	uint64_t         st_next_id;
};

/* Frees everything the tables own and empties them. */
void smd_tables_fini(struct smd_tables *t);

/*
 * Checks a new device against the tables (T1, T6 and field ranges). Returns
 * 0, -DER_INVAL, -DER_EXIST or -DER_OVERFLOW with the reason in *why.
 */
int smd_dev_check(const struct smd_tables *t, const struct bio_smd_dev *d, const char **why);

/* Appends a checked device (no extents). -DER_NOMEM. */
int smd_dev_append(struct smd_tables *t, const struct bio_smd_dev *d);

/* Index of the device with this UUID, or -1. */
int smd_dev_find(const struct smd_tables *t, const uuid_t uuid);

/* Index of the pool with this UUID, or -1. */
int smd_pool_find(const struct smd_tables *t, const uuid_t uuid);

/* Makes room for `more` extents on a device / blobs in a pool / pools. -DER_NOMEM. */
int smd_ext_reserve(struct smd_dev *dev, unsigned more);
int smd_blob_reserve(struct smd_pool *pool, unsigned more);
int smd_pool_reserve(struct smd_tables *t, unsigned more);

/*
 * Parses and checks an SMD file image into empty tables. `path` names the file
 * in messages ("SMD file <path>: <problem>"). -DER_DF_INVAL, -DER_DF_INCOMPT,
 * -DER_NOMEM. On error the tables are left empty.
 */
int smd_decode(const char *buf, size_t len, const char *path, struct smd_tables *t,
	       char *errbuf, size_t errlen);

/* Serialises the tables; *out is malloc'ed (free()). -DER_NOMEM. */
int smd_encode(const struct smd_tables *t, char **out, size_t *len);

#endif /* BIO_SMD_INTERNAL_H */
