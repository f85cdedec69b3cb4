/*
 * bio_smd_json.c: the SMD file format (JSON, jansson) and its validation.
 *
 * Layout version 1:
 *   {
 *     "version": 1,
 *     "next_blob_id": "4294967299",
 *     "devices": [
 *       { "uuid": "<uuid>", "tr_addr": "/var/tmp/bdev0", "class": "file",
 *         "size": "1073741824", "targets": [0, 1], "state": "NORMAL", "led": "NA",
 *         "allocated": [ { "off": "0", "size": "1048576", "id": "4294967296" } ] }
 *     ],
 *     "pools": [
 *       { "uuid": "<uuid>",
 *         "blobs": [ { "tgt": 0, "dev": "<uuid>", "id": "4294967296",
 *                      "off": "0", "size": "1048576" } ] }
 *     ]
 *   }
 * u64 values travel as decimal strings (jansson integers are int64), UUIDs as
 * lower-case strings, states by name. "allocated" is each device's free-space
 * map (the regions in use); it must agree exactly with the pool table (T3).
 *
 * The file is input from disk, hence untrusted: the version is checked first
 * (a newer layout may differ in everything else), then every field's presence,
 * type and range, no unknown fields, and the table invariants T1..T6 of
 * bio_smd_internal.h. Any problem gives -DER_DF_INVAL (-DER_DF_INCOMPT for the
 * version) and a message naming the file, the place and the problem.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "bio/bio_internal.h"
#include "bio/bio_smd_internal.h"

/* Location prefix of a message, e.g. "pools[4095]: "; nested ones are twice as long. */
#define SMD_CTX_LEN 64

struct dctx {
	const char *dc_path;
	char       *dc_errbuf;
	size_t      dc_errlen;
};

static const char *const state_names[] = {"NORMAL", "FAULTY", "EVICTED", "NEW", "UNPLUGGED"};
static const char *const led_names[]   = {"NA", "QUICK_BLINK", "ON", "SLOW_BLINK", "OFF"};
#define NAMES_NR(a) (sizeof(a) / sizeof((a)[0]))

const char *
bio_dev_state_str(enum bio_dev_state st)
{
	return (unsigned)st < NAMES_NR(state_names) ? state_names[st] : NULL;
}

const char *
bio_led_state_str(enum bio_led_state led)
{
	return (unsigned)led < NAMES_NR(led_names) ? led_names[led] : NULL;
}

static const char *
class_str(enum bio_dev_class cls)
{
	return cls == BIO_DEV_FILE ? "file" : "kdev";
}

/* Formats "SMD file <path>: <ctx><message>" and returns `rc`. */
static int __attribute__((format(printf, 4, 5)))
fail(const struct dctx *c, int rc, const char *ctx, const char *fmt, ...)
{
	char    msg[BIO_ERRMSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d_errbuf_printf(c->dc_errbuf, c->dc_errlen, "SMD file %s: %s%s", c->dc_path, ctx, msg);
	return rc;
}

#define BAD(c, ctx, ...) fail(c, -DER_DF_INVAL, ctx, __VA_ARGS__)

/* Refuses any key of obj not in keys[] (same layout version, so a stray key is damage). */
static int
keys_check(const struct dctx *c, json_t *obj, const char *ctx, const char *const *keys,
	   size_t nkeys)
{
	const char *key;
	json_t     *val;

	json_object_foreach(obj, key, val) {
		size_t i;

		(void)val;
		for (i = 0; i < nkeys; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i == nkeys)
			return BAD(c, ctx, "unknown field '%.64s'", key);
	}
	return 0;
}

static int
field_get(const struct dctx *c, json_t *obj, const char *ctx, const char *key, json_t **out)
{
	*out = json_object_get(obj, key);
	if (*out == NULL)
		return BAD(c, ctx, "missing field '%s'", key);
	return 0;
}

static int
str_get(const struct dctx *c, json_t *obj, const char *ctx, const char *key, const char **out)
{
	json_t *v;
	int     rc;

	rc = field_get(c, obj, ctx, key, &v);
	if (rc != 0)
		return rc;
	if (!json_is_string(v))
		return BAD(c, ctx, "field '%s' must be a string", key);
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return BAD(c, ctx, "field '%s' contains a NUL byte", key);
	return 0;
}

/* Strict decimal u64: 1..20 digits, no sign, no leading zero, no overflow. */
static bool
u64_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t   n = strlen(s);

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int
u64_get(const struct dctx *c, json_t *obj, const char *ctx, const char *key, uint64_t *out)
{
	const char *s;
	int         rc;

	rc = str_get(c, obj, ctx, key, &s);
	if (rc != 0)
		return rc;
	if (!u64_parse(s, out))
		return BAD(c, ctx, "field '%s' is not a decimal 64-bit unsigned integer: '%.32s'",
			   key, s);
	return 0;
}

static int
uuid_get(const struct dctx *c, json_t *obj, const char *ctx, const char *key, uuid_t out)
{
	const char *s;
	int         rc;

	rc = str_get(c, obj, ctx, key, &s);
	if (rc != 0)
		return rc;
	if (strlen(s) != 36 || uuid_parse(s, out) != 0)
		return BAD(c, ctx, "field '%s' is not a UUID: '%.40s'", key, s);
	return 0;
}

/* An integer in [0, max). */
static int
idx_get(const struct dctx *c, json_t *v, const char *ctx, const char *what, unsigned max,
	uint32_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) >= (json_int_t)max)
		return BAD(c, ctx, "%s must be an integer in [0, %u]", what, max - 1);
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int
array_get(const struct dctx *c, json_t *obj, const char *ctx, const char *key, size_t max,
	  json_t **out)
{
	int rc;

	rc = field_get(c, obj, ctx, key, out);
	if (rc != 0)
		return rc;
	if (!json_is_array(*out))
		return BAD(c, ctx, "field '%s' must be an array", key);
	if (json_array_size(*out) > max)
		return BAD(c, ctx, "field '%s' has more than %zu entries", key, max);
	return 0;
}

/* Looks a name up in a table; -1 when absent. */
static int
name_idx(const char *const *names, size_t nr, const char *s)
{
	for (size_t i = 0; i < nr; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int
extents_decode(const struct dctx *c, json_t *arr, const char *dctx_s, struct smd_dev *dev,
	       uint64_t next_id, unsigned *ext_total)
{
	static const char *const keys[] = {"off", "size", "id"};
	char                     ctx[2 * SMD_CTX_LEN];
	uint64_t                 prev_end = 0;
	size_t                   i;
	json_t                  *e;
	int                      rc;

	if (*ext_total + json_array_size(arr) > BIO_SMD_BLOB_MAX)
		return BAD(c, dctx_s, "more than %u blobs in the file", BIO_SMD_BLOB_MAX);
	rc = smd_ext_reserve(dev, (unsigned)json_array_size(arr));
	if (rc != 0)
		return rc;
	json_array_foreach(arr, i, e) {
		struct smd_ext x = {0};

		snprintf(ctx, sizeof(ctx), "%sallocated[%zu]: ", dctx_s, i);
		if (!json_is_object(e))
			return BAD(c, ctx, "must be an object");
		rc = keys_check(c, e, ctx, keys, NAMES_NR(keys));
		if (rc == 0)
			rc = u64_get(c, e, ctx, "off", &x.se_off);
		if (rc == 0)
			rc = u64_get(c, e, ctx, "size", &x.se_size);
		if (rc == 0)
			rc = u64_get(c, e, ctx, "id", &x.se_id);
		if (rc != 0)
			return rc;
		if (x.se_size == 0 || x.se_off % BIO_BLOB_ALIGN != 0 ||
		    x.se_size % BIO_BLOB_ALIGN != 0)
			return BAD(c, ctx, "region %" PRIu64 "+%" PRIu64 " is not a non-empty "
				   "multiple of %llu bytes", x.se_off, x.se_size,
				   (unsigned long long)BIO_BLOB_ALIGN);
		if (x.se_off > dev->sdv_info.sd_size ||
		    x.se_size > dev->sdv_info.sd_size - x.se_off)
			return BAD(c, ctx, "region %" PRIu64 "+%" PRIu64 " ends beyond the device "
				   "size %" PRIu64, x.se_off, x.se_size, dev->sdv_info.sd_size);
		if (x.se_off < prev_end)
			return BAD(c, ctx, "region at %" PRIu64 " overlaps or precedes the previous "
				   "one (regions must be sorted and disjoint)", x.se_off);
		if (x.se_id < BIO_BLOB_ID_BASE || x.se_id >= next_id)
			return BAD(c, ctx, "blob id %" PRIu64 " is outside [%llu, next_blob_id %"
				   PRIu64 ")", x.se_id, (unsigned long long)BIO_BLOB_ID_BASE,
				   next_id);
		++*ext_total;
		prev_end                           = x.se_off + x.se_size;
		dev->sdv_exts[dev->sdv_ext_nr++]   = x;
		dev->sdv_info.sd_used             += x.se_size;
	}
	return 0;
}

static int
devices_decode(const struct dctx *c, json_t *arr, struct smd_tables *t, unsigned *ext_total)
{
	static const char *const keys[] = {"uuid", "tr_addr", "class", "size", "targets",
					   "state", "led", "allocated"};
	static const char *const classes[] = {"file", "kdev"};
	char                     ctx[SMD_CTX_LEN];
	size_t                   i;
	json_t                  *d;
	int                      rc;

	json_array_foreach(arr, i, d) {
		struct bio_smd_dev *info;
		const char         *s, *why;
		json_t             *tg, *alloc, *v;
		size_t              j;
		int                 k;

		snprintf(ctx, sizeof(ctx), "devices[%zu]: ", i);
		if (!json_is_object(d))
			return BAD(c, ctx, "must be an object");
		rc = keys_check(c, d, ctx, keys, NAMES_NR(keys));
		if (rc != 0)
			return rc;
		/* Built in place at the end of the table, committed by smd_dev_append(). */
		info = calloc(1, sizeof(*info));
		if (info == NULL)
			return -DER_NOMEM;
		rc = uuid_get(c, d, ctx, "uuid", info->sd_uuid);
		if (rc == 0)
			rc = str_get(c, d, ctx, "tr_addr", &s);
		if (rc == 0 && (s[0] == '\0' || strlen(s) >= BIO_PATH_MAX))
			rc = BAD(c, ctx, "field 'tr_addr' must have 1 to %d bytes",
				 BIO_PATH_MAX - 1);
		if (rc == 0) {
			strcpy(info->sd_tr_addr, s);
			rc = str_get(c, d, ctx, "class", &s);
		}
		if (rc == 0) {
			k = name_idx(classes, NAMES_NR(classes), s);
			if (k < 0)
				rc = BAD(c, ctx, "unknown class '%.32s'", s);
			info->sd_class = k == 0 ? BIO_DEV_FILE : BIO_DEV_KDEV;
		}
		if (rc == 0)
			rc = u64_get(c, d, ctx, "size", &info->sd_size);
		if (rc == 0)
			rc = str_get(c, d, ctx, "state", &s);
		if (rc == 0) {
			k = name_idx(state_names, NAMES_NR(state_names), s);
			if (k < 0)
				rc = BAD(c, ctx, "unknown state '%.32s'", s);
			info->sd_state = (enum bio_dev_state)k;
		}
		if (rc == 0)
			rc = str_get(c, d, ctx, "led", &s);
		if (rc == 0) {
			k = name_idx(led_names, NAMES_NR(led_names), s);
			if (k < 0)
				rc = BAD(c, ctx, "unknown LED state '%.32s'", s);
			info->sd_led = (enum bio_led_state)k;
		}
		if (rc == 0)
			rc = array_get(c, d, ctx, "targets", BIO_TGT_MAX, &tg);
		if (rc == 0) {
			json_array_foreach(tg, j, v) {
				rc = idx_get(c, v, ctx, "each target", BIO_TGT_MAX,
					     &info->sd_tgts[j]);
				if (rc != 0)
					break;
			}
			info->sd_tgt_nr = (unsigned)json_array_size(tg);
		}
		if (rc == 0) {
			rc = smd_dev_check(t, info, &why);
			if (rc != 0)
				rc = BAD(c, ctx, "%s", why);
		}
		if (rc == 0)
			rc = smd_dev_append(t, info);
		free(info);
		if (rc != 0)
			return rc;
		rc = array_get(c, d, ctx, "allocated", BIO_SMD_BLOB_MAX, &alloc);
		if (rc == 0)
			rc = extents_decode(c, alloc, ctx, &t->st_devs[t->st_dev_nr - 1],
					    t->st_next_id, ext_total);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Binary search of the extent at `off`; NULL when none starts there. */
static struct smd_ext *
ext_at(struct smd_dev *dev, uint64_t off)
{
	unsigned lo = 0, hi = dev->sdv_ext_nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (dev->sdv_exts[mid].se_off == off)
			return &dev->sdv_exts[mid];
		if (dev->sdv_exts[mid].se_off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
blobs_decode(const struct dctx *c, json_t *arr, const char *pctx, struct smd_tables *t,
	     struct smd_pool *pool)
{
	static const char *const keys[] = {"tgt", "dev", "id", "off", "size"};
	char                     ctx[2 * SMD_CTX_LEN];
	size_t                   i;
	json_t                  *b, *v;
	int                      rc;

	if (json_array_size(arr) == 0)
		return BAD(c, pctx, "field 'blobs' is empty");
	rc = smd_blob_reserve(pool, (unsigned)json_array_size(arr));
	if (rc != 0)
		return rc;
	json_array_foreach(arr, i, b) {
		struct smd_blob x = {0};
		struct smd_dev *dev;
		struct smd_ext *e;
		uuid_t          dev_uuid;
		int             di;
		unsigned        k;

		snprintf(ctx, sizeof(ctx), "%sblobs[%zu]: ", pctx, i);
		if (!json_is_object(b))
			return BAD(c, ctx, "must be an object");
		rc = keys_check(c, b, ctx, keys, NAMES_NR(keys));
		if (rc == 0)
			rc = field_get(c, b, ctx, "tgt", &v);
		if (rc == 0)
			rc = idx_get(c, v, ctx, "field 'tgt'", BIO_TGT_MAX, &x.sbl_tgt);
		if (rc == 0)
			rc = uuid_get(c, b, ctx, "dev", dev_uuid);
		if (rc == 0)
			rc = u64_get(c, b, ctx, "id", &x.sbl_id);
		if (rc == 0)
			rc = u64_get(c, b, ctx, "off", &x.sbl_off);
		if (rc == 0)
			rc = u64_get(c, b, ctx, "size", &x.sbl_size);
		if (rc != 0)
			return rc;
		for (k = 0; k < pool->spl_nr; k++)
			if (pool->spl_blobs[k].sbl_tgt == x.sbl_tgt)
				return BAD(c, ctx, "target %u has two blobs in this pool", x.sbl_tgt);
		di = smd_dev_find(t, dev_uuid);
		if (di < 0)
			return BAD(c, ctx, "unknown device");
		dev       = &t->st_devs[di];
		x.sbl_dev = (unsigned)di;
		for (k = 0; k < dev->sdv_info.sd_tgt_nr; k++)
			if (dev->sdv_info.sd_tgts[k] == x.sbl_tgt)
				break;
		if (k == dev->sdv_info.sd_tgt_nr)
			return BAD(c, ctx, "target %u is not one of its device's targets",
				   x.sbl_tgt);
		e = ext_at(dev, x.sbl_off);
		if (e == NULL || e->se_size != x.sbl_size || e->se_id != x.sbl_id || e->se_matched)
			return BAD(c, ctx, "blob %" PRIu64 " at %" PRIu64 "+%" PRIu64 " does not "
				   "match a region of its device's allocation map",
				   x.sbl_id, x.sbl_off, x.sbl_size);
		e->se_matched                    = true;
		pool->spl_blobs[pool->spl_nr++] = x;
		t->st_blob_nr++;
	}
	return 0;
}

static int
pools_decode(const struct dctx *c, json_t *arr, struct smd_tables *t)
{
	static const char *const keys[] = {"uuid", "blobs"};
	char                     ctx[SMD_CTX_LEN];
	size_t                   i;
	json_t                  *p, *blobs;
	int                      rc;

	rc = smd_pool_reserve(t, (unsigned)json_array_size(arr));
	if (rc != 0)
		return rc;
	json_array_foreach(arr, i, p) {
		struct smd_pool *pool = &t->st_pools[t->st_pool_nr];
		uuid_t           uuid;

		snprintf(ctx, sizeof(ctx), "pools[%zu]: ", i);
		if (!json_is_object(p))
			return BAD(c, ctx, "must be an object");
		rc = keys_check(c, p, ctx, keys, NAMES_NR(keys));
		if (rc == 0)
			rc = uuid_get(c, p, ctx, "uuid", uuid);
		if (rc == 0 && smd_pool_find(t, uuid) >= 0)
			rc = BAD(c, ctx, "duplicate pool UUID");
		if (rc == 0)
			rc = array_get(c, p, ctx, "blobs", BIO_TGT_MAX, &blobs);
		if (rc != 0)
			return rc;
		/* Count the pool now so that smd_tables_fini() frees its blobs on error. */
		memset(pool, 0, sizeof(*pool));
		uuid_copy(pool->spl_uuid, uuid);
		t->st_pool_nr++;
		rc = blobs_decode(c, blobs, ctx, t, pool);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
decode_root(const struct dctx *c, json_t *root, struct smd_tables *t)
{
	static const char *const keys[] = {"version", "next_blob_id", "devices", "pools"};
	unsigned                 ext_total = 0;
	json_t                  *v, *devs, *pools;
	int                      rc;

	if (!json_is_object(root))
		return BAD(c, "", "the top level must be an object");
	/* The version first: a newer layout may change everything else. */
	rc = field_get(c, root, "", "version", &v);
	if (rc != 0)
		return rc;
	if (!json_is_integer(v))
		return BAD(c, "", "field 'version' must be an integer");
	if (json_integer_value(v) != BIO_SMD_VERSION)
		return fail(c, -DER_DF_INCOMPT, "",
			    "layout version %" JSON_INTEGER_FORMAT " is not supported (this "
			    "build reads version %d)", json_integer_value(v), BIO_SMD_VERSION);
	rc = keys_check(c, root, "", keys, NAMES_NR(keys));
	if (rc == 0)
		rc = u64_get(c, root, "", "next_blob_id", &t->st_next_id);
	if (rc == 0 && t->st_next_id < BIO_BLOB_ID_BASE)
		rc = BAD(c, "", "field 'next_blob_id' is below %llu",
			 (unsigned long long)BIO_BLOB_ID_BASE);
	if (rc == 0)
		rc = array_get(c, root, "", "devices", BIO_SMD_DEV_MAX, &devs);
	if (rc == 0)
		rc = array_get(c, root, "", "pools", BIO_SMD_POOL_MAX, &pools);
	if (rc == 0)
		rc = devices_decode(c, devs, t, &ext_total);
	if (rc == 0)
		rc = pools_decode(c, pools, t);
	if (rc != 0)
		return rc;
	/* T3: every region in use belongs to a blob (blobs_decode matched the others). */
	for (unsigned i = 0; i < t->st_dev_nr; i++) {
		struct smd_dev *dev = &t->st_devs[i];

		for (unsigned k = 0; k < dev->sdv_ext_nr; k++) {
			char ctx[SMD_CTX_LEN];

			if (dev->sdv_exts[k].se_matched)
				continue;
			snprintf(ctx, sizeof(ctx), "devices[%u]: ", i);
			return BAD(c, ctx, "allocated region at %" PRIu64 " belongs to no pool",
				   dev->sdv_exts[k].se_off);
		}
	}
	/* The matched flags served this check only. */
	for (unsigned i = 0; i < t->st_dev_nr; i++) {
		for (unsigned k = 0; k < t->st_devs[i].sdv_ext_nr; k++)
			t->st_devs[i].sdv_exts[k].se_matched = false;
	}
	return 0;
}

/* qsort comparator of u64. */
static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* T5: blob ids are distinct across the whole server. */
static int
ids_check(const struct dctx *c, const struct smd_tables *t)
{
	uint64_t *ids;
	unsigned  n = 0;
	int       rc = 0;

	if (t->st_blob_nr == 0)
		return 0;
	ids = malloc(t->st_blob_nr * sizeof(*ids));
	if (ids == NULL)
		return -DER_NOMEM;
	for (unsigned i = 0; i < t->st_pool_nr; i++)
		for (unsigned k = 0; k < t->st_pools[i].spl_nr; k++)
			ids[n++] = t->st_pools[i].spl_blobs[k].sbl_id;
	qsort(ids, n, sizeof(*ids), u64_cmp);
	for (unsigned i = 1; i < n; i++) {
		if (ids[i] == ids[i - 1]) {
			rc = BAD(c, "", "blob id %" PRIu64 " is used twice", ids[i]);
			break;
		}
	}
	free(ids);
	return rc;
}

int
smd_decode(const char *buf, size_t len, const char *path, struct smd_tables *t, char *errbuf,
	   size_t errlen)
{
	struct dctx  c = {path, errbuf, errlen};
	json_error_t jerr;
	json_t      *root;
	int          rc;

	if (len == 0)
		return BAD(&c, "", "the file is empty");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return BAD(&c, "", "invalid JSON at line %d, column %d: %s", jerr.line,
			   jerr.column, jerr.text);
	rc = decode_root(&c, root, t);
	if (rc == 0)
		rc = ids_check(&c, t);
	json_decref(root);
	if (rc != 0)
		smd_tables_fini(t);
	return rc;
}

/* ---- Encoding ---- */

static json_t *
u64_json(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

static json_t *
uuid_json(const uuid_t u)
{
	char buf[37];

	uuid_unparse_lower(u, buf);
	return json_string(buf);
}

/* json_object_set_new() releases the value on failure and refuses NULL. */
#define SET(obj, key, val)                                                                  \
	do {                                                                                \
		if (json_object_set_new(obj, key, val) != 0)                                \
			goto nomem;                                                         \
	} while (0)
#define APPEND(arr, val)                                                                    \
	do {                                                                                \
		if (json_array_append_new(arr, val) != 0)                                   \
			goto nomem;                                                         \
	} while (0)

static json_t *
dev_json(const struct smd_dev *dev)
{
	const struct bio_smd_dev *d = &dev->sdv_info;
	json_t                   *o = json_object();
	json_t                   *a;

	if (o == NULL)
		return NULL;
	SET(o, "uuid", uuid_json(d->sd_uuid));
	SET(o, "tr_addr", json_string(d->sd_tr_addr));
	SET(o, "class", json_string(class_str(d->sd_class)));
	SET(o, "size", u64_json(d->sd_size));
	a = json_array();
	SET(o, "targets", a);
	for (unsigned i = 0; i < d->sd_tgt_nr; i++)
		APPEND(a, json_integer(d->sd_tgts[i]));
	SET(o, "state", json_string(bio_dev_state_str(d->sd_state)));
	SET(o, "led", json_string(bio_led_state_str(d->sd_led)));
	a = json_array();
	SET(o, "allocated", a);
	for (unsigned i = 0; i < dev->sdv_ext_nr; i++) {
		json_t *e = json_object();

		APPEND(a, e);
		SET(e, "off", u64_json(dev->sdv_exts[i].se_off));
		SET(e, "size", u64_json(dev->sdv_exts[i].se_size));
		SET(e, "id", u64_json(dev->sdv_exts[i].se_id));
	}
	return o;
nomem:
	json_decref(o);
	return NULL;
}

static json_t *
pool_json(const struct smd_tables *t, const struct smd_pool *pool)
{
	json_t *o = json_object();
	json_t *a;

	if (o == NULL)
		return NULL;
	SET(o, "uuid", uuid_json(pool->spl_uuid));
	a = json_array();
	SET(o, "blobs", a);
	for (unsigned i = 0; i < pool->spl_nr; i++) {
		const struct smd_blob *b = &pool->spl_blobs[i];
		json_t                *e = json_object();

		APPEND(a, e);
		SET(e, "tgt", json_integer(b->sbl_tgt));
		SET(e, "dev", uuid_json(t->st_devs[b->sbl_dev].sdv_info.sd_uuid));
		SET(e, "id", u64_json(b->sbl_id));
		SET(e, "off", u64_json(b->sbl_off));
		SET(e, "size", u64_json(b->sbl_size));
	}
	return o;
nomem:
	json_decref(o);
	return NULL;
}

int
smd_encode(const struct smd_tables *t, char **out, size_t *len)
{
	json_t *root = json_object();
	json_t *a;
	char   *s;

	if (root == NULL)
		return -DER_NOMEM;
	SET(root, "version", json_integer(BIO_SMD_VERSION));
	SET(root, "next_blob_id", u64_json(t->st_next_id));
	a = json_array();
	SET(root, "devices", a);
	for (unsigned i = 0; i < t->st_dev_nr; i++)
		APPEND(a, dev_json(&t->st_devs[i]));
	a = json_array();
	SET(root, "pools", a);
	for (unsigned i = 0; i < t->st_pool_nr; i++)
		APPEND(a, pool_json(t, &t->st_pools[i]));
	s = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	if (s == NULL)
		return -DER_NOMEM;
	*len = strlen(s);
	*out = s;
	return 0;
nomem:
	json_decref(root);
	return -DER_NOMEM;
}
