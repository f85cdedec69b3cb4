/*
 * dc_pool_blob.c: pool handles shared between processes
 * (daos_pool_local2global/global2local, daos_pool.h). A pool handle is its map
 * and the ranks' addresses, so the blob carries them and the receiving process
 * works without a connect.
 *
 * Pool blob (after the envelope of dc_blob_seal, magic "DCPH"):
 *   uuid[16], u32 connect flags, str label, str sys, u32 map length, map
 *   bytes, u32 address count, per address: u32 rank, str URI, u32 property
 *   count, per property: str name, str value.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "gurt/errbuf.h"

#define DC_POOL_BLOB_MAGIC 0x48504344u /* "DCPH" */

int
dc_pool_blob_encode(struct dc_pool *pool, void *buf, size_t buflen, size_t *needed)
{
	struct dc_wbuf w = {.wb_buf = buf, .wb_cap = buflen};
	size_t         map_len;
	int            rc = 0;

	pthread_rwlock_rdlock(&pool->dp_lock);
	map_len = pl_map_encoded_size(pool->dp_map);
	dc_w_bytes(&w, (uint8_t[DC_BLOB_HDR_SIZE]){0}, DC_BLOB_HDR_SIZE);
	dc_w_bytes(&w, pool->dp_uuid, sizeof(uuid_t));
	dc_w_u32(&w, pool->dp_flags);
	dc_w_str(&w, pool->dp_label);
	dc_w_str(&w, pool->dp_sys);
	dc_w_u32(&w, (uint32_t)map_len);
	if (buf != NULL && w.wb_len + map_len <= buflen)
		rc = pl_map_encode(pool->dp_map, (uint8_t *)buf + w.wb_len, map_len, NULL);
	w.wb_len += map_len;
	dc_w_u32(&w, pool->dp_nr_addrs);
	for (uint32_t i = 0; i < pool->dp_nr_addrs; i++) {
		dc_w_u32(&w, pool->dp_addrs[i].ra_rank);
		dc_w_str(&w, pool->dp_addrs[i].ra_uri);
	}
	dc_w_u32(&w, pool->dp_nr_props);
	for (uint32_t i = 0; i < pool->dp_nr_props; i++) {
		dc_w_str(&w, pool->dp_props[i].pt_name);
		dc_w_str(&w, pool->dp_props[i].pt_value);
	}
	pthread_rwlock_unlock(&pool->dp_lock);
	if (needed != NULL)
		*needed = w.wb_len;
	if (rc != 0)
		return rc;
	if (buf == NULL)
		return 0;
	if (w.wb_len > buflen)
		return -DER_TRUNC;
	dc_blob_seal(buf, w.wb_len, DC_POOL_BLOB_MAGIC);
	return 0;
}

int
dc_pool_blob_decode(const void *buf, size_t len, struct dc_pool **out, char *errbuf,
		    size_t errlen)
{
	struct dc_rbuf  r = {.rb_buf = buf, .rb_len = len, .rb_off = DC_BLOB_HDR_SIZE};
	struct dc_pool *pool = NULL;
	const uint8_t  *p;
	uint32_t        map_len, nr;
	char            msg[192];
	unsigned int    mode;
	int             rc;

	rc = dc_blob_open(buf, len, DC_POOL_BLOB_MAGIC, "pool", errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = dc_pool_alloc(&pool);
	if (rc != 0)
		return rc;
	rc = -DER_INVAL;
	p  = dc_r_bytes(&r, sizeof(uuid_t));
	if (p == NULL)
		goto trunc;
	memcpy(pool->dp_uuid, p, sizeof(uuid_t));
	uuid_unparse_lower(pool->dp_uuid, pool->dp_uuid_str);
	pool->dp_flags = dc_r_u32(&r);
	mode           = pool->dp_flags & DAOS_PC_MASK;
	if (!r.rb_err && ((pool->dp_flags & ~DAOS_PC_MASK) != 0 ||
			  (mode != DAOS_PC_RO && mode != DAOS_PC_RW && mode != DAOS_PC_EX))) {
		d_errbuf_printf(errbuf, errlen, "pool handle blob: bad connect flags 0x%x",
				pool->dp_flags);
		goto err;
	}
	dc_r_str(&r, pool->dp_label, sizeof(pool->dp_label));
	dc_r_str(&r, pool->dp_sys, sizeof(pool->dp_sys));
	map_len = dc_r_u32(&r);
	p       = dc_r_bytes(&r, map_len);
	if (p == NULL)
		goto trunc;
	rc = pl_map_decode(p, map_len, &pool->dp_map, msg, sizeof(msg));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool handle blob: bad pool map: %s", msg);
		rc = rc == -DER_NOMEM ? rc : -DER_INVAL;
		goto err;
	}
	rc = -DER_INVAL;
	nr = dc_r_u32(&r);
	if (r.rb_err)
		goto trunc;
	if (nr > DC_RANKS_MAX) {
		d_errbuf_printf(errbuf, errlen, "pool handle blob: %u addresses (limit %u)", nr,
				DC_RANKS_MAX);
		goto err;
	}
	if (nr > 0) {
		pool->dp_addrs = calloc(nr, sizeof(*pool->dp_addrs));
		if (pool->dp_addrs == NULL) {
			rc = -DER_NOMEM;
			goto err;
		}
	}
	for (uint32_t i = 0; i < nr; i++) {
		char     uri[DC_URI_MAX];
		uint32_t rank = dc_r_u32(&r);

		dc_r_str(&r, uri, sizeof(uri));
		if (r.rb_err)
			goto trunc;
		rc = dc_addr_set(&pool->dp_addrs[i], rank, uri, msg, sizeof(msg));
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "pool handle blob: %s", msg);
			rc = -DER_INVAL;
			goto err;
		}
		pool->dp_nr_addrs++;
	}
	rc = dc_addrs_sort(pool->dp_addrs, pool->dp_nr_addrs, msg, sizeof(msg));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool handle blob: %s", msg);
		rc = -DER_INVAL;
		goto err;
	}
	rc = -DER_INVAL;
	nr = dc_r_u32(&r);
	if (r.rb_err)
		goto trunc;
	if (nr > DC_PROPS_MAX) {
		d_errbuf_printf(errbuf, errlen, "pool handle blob: %u properties (limit %u)", nr,
				DC_PROPS_MAX);
		goto err;
	}
	if (nr > 0) {
		pool->dp_props = calloc(nr, sizeof(*pool->dp_props));
		if (pool->dp_props == NULL) {
			rc = -DER_NOMEM;
			goto err;
		}
	}
	for (uint32_t i = 0; i < nr; i++) {
		dc_r_str(&r, pool->dp_props[i].pt_name, sizeof(pool->dp_props[i].pt_name));
		dc_r_str(&r, pool->dp_props[i].pt_value, sizeof(pool->dp_props[i].pt_value));
		if (r.rb_err)
			goto trunc;
		pool->dp_nr_props++;
	}
	if (r.rb_err)
		goto trunc;
	if (r.rb_off != len) {
		d_errbuf_printf(errbuf, errlen, "pool handle blob: %zu bytes after the end",
				len - r.rb_off);
		goto err;
	}
	*out = pool;
	return 0;
trunc:
	d_errbuf_printf(errbuf, errlen, "pool handle blob: truncated or bad string at offset %zu",
			r.rb_off);
	rc = -DER_INVAL;
err:
	dc_pool_put(pool);
	return rc;
}

/* dc_pool_blob_encode for dc_glob_fill. */
static int
pool_blob_enc(void *obj, void *buf, size_t buflen, size_t *needed)
{
	return dc_pool_blob_encode(obj, buf, buflen, needed);
}

int
daos_pool_local2global(daos_handle_t poh, d_iov_t *glob)
{
	struct dc_pool *pool;
	int             rc;

	if (glob == NULL)
		return -DER_INVAL;
	pool = dc_pool_get(poh);
	if (pool == NULL)
		return -DER_NO_HDL;
	rc = dc_glob_fill(glob, pool_blob_enc, pool);
	dc_pool_put(pool);
	return rc;
}

int
daos_pool_global2local(d_iov_t glob, daos_handle_t *poh)
{
	struct dc_pool *pool = NULL;
	char            err[256];
	int             rc;

	if (poh == NULL || glob.iov_buf == NULL || glob.iov_len == 0 ||
	    glob.iov_len > glob.iov_buf_len || glob.iov_len > DC_GLOB_MAX)
		return -DER_INVAL;
	if (!dc_initialized())
		return -DER_UNINIT;
	rc = dc_pool_blob_decode(glob.iov_buf, glob.iov_len, &pool, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("daos_pool_global2local: %s\n", err);
		return rc;
	}
	rc = dc_hdl_insert(&pool->dp_hdl, poh);
	dc_pool_put(pool);
	return rc;
}
