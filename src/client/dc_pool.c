/*
 * dc_pool.c: pool handles (daos_pool.h).
 *
 * daos_pool_connect2() asks the agent for attach info (once, cached) and then
 * calls C4 `pool_connect`, whose reply carries the pool's UUID, label, map
 * (pl_map_encode, base64) and the URIs of its ranks. The record keeps the
 * decoded map and the addresses; object I/O reads them under dp_lock and a
 * map refresh (after -DER_STALE/-DER_UNREACH from a target) replaces them
 * under it. Nothing is registered on the servers: a pool handle is the map
 * and the addresses, so daos_pool_local2global() can hand a working handle
 * to another process as a blob (dc_pool_blob.c).
 *
 * Invariants:
 *  P1. dp_map is never NULL once the record is built; dp_addrs is sorted by
 *      rank without duplicates; both change together under dp_lock.
 *  P2. dp_nr_conts counts open container handles; disconnect refuses while
 *      it is not 0 (-DER_BUSY).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "gurt/errbuf.h"


int
dc_pool_alloc(struct dc_pool **out)
{
	struct dc_pool *pool = calloc(1, sizeof(*pool));

	if (pool == NULL)
		return -DER_NOMEM;
	if (pthread_rwlock_init(&pool->dp_lock, NULL) != 0) {
		free(pool);
		return -DER_NOMEM;
	}
	if (pthread_mutex_init(&pool->dp_refresh_lock, NULL) != 0) {
		pthread_rwlock_destroy(&pool->dp_lock);
		free(pool);
		return -DER_NOMEM;
	}
	dc_hdl_init(&pool->dp_hdl, DC_HDL_POOL, dc_pool_free_hdl);
	*out = pool;
	return 0;
}

void
dc_pool_free_hdl(struct dc_hdl *hdl)
{
	struct dc_pool *pool = container_of(hdl, struct dc_pool, dp_hdl);

	pl_map_free(pool->dp_map);
	free(pool->dp_addrs);
	free(pool->dp_props);
	pthread_rwlock_destroy(&pool->dp_lock);
	pthread_mutex_destroy(&pool->dp_refresh_lock);
	free(pool);
}

struct dc_pool *
dc_pool_get(daos_handle_t poh)
{
	struct dc_hdl *h = dc_hdl_lookup(poh, DC_HDL_POOL);

	return h == NULL ? NULL : container_of(h, struct dc_pool, dp_hdl);
}

void
dc_pool_put(struct dc_pool *pool)
{
	if (pool != NULL)
		dc_hdl_decref(&pool->dp_hdl);
}

uint32_t
dc_pool_map_version(struct dc_pool *pool)
{
	uint32_t v;

	pthread_rwlock_rdlock(&pool->dp_lock);
	v = pool->dp_map->pm_version;
	pthread_rwlock_unlock(&pool->dp_lock);
	return v;
}

uint32_t
dc_pool_nr_targets(struct dc_pool *pool)
{
	uint32_t n;

	pthread_rwlock_rdlock(&pool->dp_lock);
	n = pool->dp_map->pm_nr_targets;
	pthread_rwlock_unlock(&pool->dp_lock);
	return n;
}

const char *
dc_pool_prop(struct dc_pool *pool, const char *name)
{
	for (uint32_t i = 0; i < pool->dp_nr_props; i++)
		if (strcmp(pool->dp_props[i].pt_name, name) == 0)
			return pool->dp_props[i].pt_value;
	return NULL;
}

static int
dc_addr_cmp(const void *a, const void *b)
{
	const struct dc_rank_addr *x = a, *y = b;

	return x->ra_rank < y->ra_rank ? -1 : x->ra_rank > y->ra_rank;
}

static struct dc_rank_addr *
dc_addr_find(struct dc_rank_addr *addrs, uint32_t nr, uint32_t rank)
{
	struct dc_rank_addr key = {.ra_rank = rank};

	return nr == 0 ? NULL : bsearch(&key, addrs, nr, sizeof(*addrs), dc_addr_cmp);
}

int
dc_pool_addr(struct dc_pool *pool, uint32_t rank, struct dc_rank_addr *addr)
{
	struct dc_rank_addr *a;
	int                  rc = -DER_NONEXIST;

	pthread_rwlock_rdlock(&pool->dp_lock);
	a = dc_addr_find(pool->dp_addrs, pool->dp_nr_addrs, rank);
	if (a != NULL) {
		*addr = *a;
		rc    = 0;
	}
	pthread_rwlock_unlock(&pool->dp_lock);
	return rc;
}

/* Sort addresses and refuse duplicates (P1). */
int
dc_addrs_sort(struct dc_rank_addr *addrs, uint32_t nr, char *errbuf, size_t errlen)
{
	if (nr > 1)
		qsort(addrs, nr, sizeof(*addrs), dc_addr_cmp);
	for (uint32_t i = 1; i < nr; i++) {
		if (addrs[i].ra_rank == addrs[i - 1].ra_rank) {
			d_errbuf_printf(errbuf, errlen, "rank %u is listed twice", addrs[i].ra_rank);
			return -DER_PROTO;
		}
	}
	return 0;
}

/* Fill one address from a rank number and URI (untrusted). */
int
dc_addr_set(struct dc_rank_addr *a, uint32_t rank, const char *uri, char *errbuf, size_t errlen)
{
	char msg[160];
	int  rc;

	a->ra_rank = rank;
	if (dc_strcpy(a->ra_uri, sizeof(a->ra_uri), uri) != 0) {
		d_errbuf_printf(errbuf, errlen, "rank %u: URI too long", rank);
		return -DER_PROTO;
	}
	rc = dc_uri_parse(uri, a->ra_ip, &a->ra_port, msg, sizeof(msg));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "rank %u: %s", rank, msg);
		return -DER_PROTO;
	}
	return 0;
}

/* props {name: text} of a C4 reply into a new array (untrusted). */
static int
dc_props_parse(const json_t *obj, struct dc_prop_text **out, uint32_t *nr, char *errbuf,
	       size_t errlen)
{
	struct dc_prop_text *props = NULL;
	const char          *key;
	json_t              *val;
	uint32_t             n = 0;

	*out = NULL;
	*nr  = 0;
	if (obj == NULL || json_is_null(obj))
		return 0;
	if (!json_is_object(obj) || json_object_size(obj) > DC_PROPS_MAX) {
		d_errbuf_printf(errbuf, errlen, "\"props\" is not an object of at most %u names",
				DC_PROPS_MAX);
		return -DER_PROTO;
	}
	if (json_object_size(obj) == 0)
		return 0;
	props = calloc(json_object_size(obj), sizeof(*props));
	if (props == NULL)
		return -DER_NOMEM;
	json_object_foreach((json_t *)obj, key, val) {
		struct dc_prop_text *p = &props[n];
		int                  w;

		if (dc_strcpy(p->pt_name, sizeof(p->pt_name), key) != 0) {
			d_errbuf_printf(errbuf, errlen, "property name '%.40s...' too long", key);
			goto bad;
		}
		w = dc_json_text(val, p->pt_value, sizeof(p->pt_value));
		if (w < 0 || (size_t)w >= sizeof(p->pt_value)) {
			/* a value the client has no use for (e.g. a long list): left out */
			D_DEBUG("pool property '%s' left out: not a text of at most %d bytes\n", key,
				DC_PROP_VALUE_MAX - 1);
			continue;
		}
		n++;
	}
	*out = props;
	*nr  = n;
	return 0;
bad:
	free(props);
	return -DER_PROTO;
}

/*
 * The parts of a pool_connect reply (C4): map, addresses, properties. On
 * success the outputs are new allocations owned by the caller.
 */
struct dc_connect_rep {
	uuid_t               cr_uuid;
	char                 cr_label[DAOS_PROP_LABEL_MAX_LEN + 1];
	struct pl_pool_map  *cr_map;
	struct dc_rank_addr *cr_addrs;
	uint32_t             cr_nr_addrs;
	struct dc_prop_text *cr_props;
	uint32_t             cr_nr_props;
};

static void
dc_connect_rep_fini(struct dc_connect_rep *cr)
{
	pl_map_free(cr->cr_map);
	free(cr->cr_addrs);
	free(cr->cr_props);
	memset(cr, 0, sizeof(*cr));
}

static int
dc_connect_rep_parse(const json_t *rep, struct dc_connect_rep *cr, char *errbuf, size_t errlen)
{
	const char *s;
	json_t     *ranks;
	uint8_t    *map = NULL;
	size_t      map_len;
	char        msg[192];
	int64_t     v;
	int         rc;

	memset(cr, 0, sizeof(*cr));
	s = dc_json_str(rep, "uuid");
	if (s == NULL || !dc_is_uuid_str(s)) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: bad or missing \"uuid\"");
		return -DER_PROTO;
	}
	uuid_parse(s, cr->cr_uuid);
	s = dc_json_str(rep, "label");
	if (s != NULL && dc_strcpy(cr->cr_label, sizeof(cr->cr_label), s) != 0) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: \"label\" too long");
		return -DER_PROTO;
	}
	s = dc_json_str(rep, "map");
	if (s == NULL) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: missing \"map\"");
		return -DER_PROTO;
	}
	rc = dc_base64_decode(s, PL_MAP_ENC_MAX, &map, &map_len);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: \"map\" is not base64 of at "
				"most %zu bytes", (size_t)PL_MAP_ENC_MAX);
		return rc == -DER_NOMEM ? rc : -DER_PROTO;
	}
	rc = pl_map_decode(map, map_len, &cr->cr_map, msg, sizeof(msg));
	free(map);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: bad pool map: %s", msg);
		return rc == -DER_NOMEM ? rc : -DER_PROTO;
	}
	if (dc_json_int(rep, "map_version", 0, UINT32_MAX, &v) == 0 &&
	    (uint32_t)v != cr->cr_map->pm_version)
		D_WARN("pool_connect reply: map_version %u but the map is version %u\n",
		       (uint32_t)v, cr->cr_map->pm_version);
	ranks = json_object_get(rep, "ranks");
	if (!json_is_array(ranks) || json_array_size(ranks) > DC_RANKS_MAX) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: \"ranks\" is not a list");
		rc = -DER_PROTO;
		goto err;
	}
	if (json_array_size(ranks) > 0) {
		cr->cr_addrs = calloc(json_array_size(ranks), sizeof(*cr->cr_addrs));
		if (cr->cr_addrs == NULL) {
			rc = -DER_NOMEM;
			goto err;
		}
	}
	for (size_t i = 0; i < json_array_size(ranks); i++) {
		json_t     *r = json_array_get(ranks, i);
		const char *uri;

		if (!json_is_object(r) || dc_json_int(r, "rank", 0, UINT32_MAX - 1, &v) != 0) {
			d_errbuf_printf(errbuf, errlen, "pool_connect reply: ranks[%zu] has no "
					"valid \"rank\"", i);
			rc = -DER_PROTO;
			goto err;
		}
		uri = dc_json_str(r, "uri");
		if (uri == NULL || *uri == '\0')
			continue; /* filled from attach info, if it knows one */
		rc = dc_addr_set(&cr->cr_addrs[cr->cr_nr_addrs], (uint32_t)v, uri, msg,
				 sizeof(msg));
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "pool_connect reply: %s", msg);
			goto err;
		}
		cr->cr_nr_addrs++;
	}
	rc = dc_addrs_sort(cr->cr_addrs, cr->cr_nr_addrs, msg, sizeof(msg));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: %s", msg);
		goto err;
	}
	rc = dc_props_parse(json_object_get(rep, "props"), &cr->cr_props, &cr->cr_nr_props, msg,
			    sizeof(msg));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply: %s", msg);
		goto err;
	}
	return 0;
err:
	dc_connect_rep_fini(cr);
	return rc;
}

/*
 * Add the addresses the attach info knows for ranks of the map that the
 * pool_connect reply gave no URI for (best effort: a rank with no address
 * at all fails its I/O with -DER_UNREACH).
 */
static int
dc_addrs_complete(struct dc_connect_rep *cr, const struct dc_attach *a)
{
	struct dc_rank_addr *addrs;
	uint32_t             nr = cr->cr_nr_addrs;

	if (a == NULL)
		return 0;
	addrs = malloc(sizeof(*addrs) * (cr->cr_nr_addrs + cr->cr_map->pm_nr_ranks));
	if (addrs == NULL)
		return -DER_NOMEM;
	if (nr > 0)
		memcpy(addrs, cr->cr_addrs, sizeof(*addrs) * nr);
	for (uint32_t i = 0; i < cr->cr_map->pm_nr_ranks; i++) {
		uint32_t rank = cr->cr_map->pm_ranks[i].pr_rank;

		if (dc_addr_find(cr->cr_addrs, cr->cr_nr_addrs, rank) != NULL)
			continue;
		for (uint32_t j = 0; j < a->da_nr_ranks; j++) {
			if (a->da_ranks[j].ar_rank == rank && a->da_ranks[j].ar_uri[0] != '\0' &&
			    dc_addr_set(&addrs[nr], rank, a->da_ranks[j].ar_uri, NULL, 0) == 0) {
				nr++;
				break;
			}
		}
	}
	qsort(addrs, nr, sizeof(*addrs), dc_addr_cmp);
	free(cr->cr_addrs);
	cr->cr_addrs    = addrs;
	cr->cr_nr_addrs = nr;
	return 0;
}

int
dc_pool_from_connect(const json_t *rep, unsigned int flags, const struct dc_attach *a,
		     struct dc_pool **out, char *errbuf, size_t errlen)
{
	struct dc_connect_rep cr;
	struct dc_pool       *pool;
	int                   rc;

	rc = dc_connect_rep_parse(rep, &cr, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = dc_addrs_complete(&cr, a);
	if (rc == 0)
		rc = dc_pool_alloc(&pool);
	if (rc != 0) {
		dc_connect_rep_fini(&cr);
		return rc;
	}
	uuid_copy(pool->dp_uuid, cr.cr_uuid);
	uuid_unparse_lower(pool->dp_uuid, pool->dp_uuid_str);
	memcpy(pool->dp_label, cr.cr_label, sizeof(pool->dp_label));
	if (a != NULL)
		snprintf(pool->dp_sys, sizeof(pool->dp_sys), "%s", a->da_sys);
	pool->dp_flags    = flags;
	pool->dp_map      = cr.cr_map;
	pool->dp_addrs    = cr.cr_addrs;
	pool->dp_nr_addrs = cr.cr_nr_addrs;
	pool->dp_props    = cr.cr_props;
	pool->dp_nr_props = cr.cr_nr_props;
	*out              = pool;
	return 0;
}

int
dc_pool_update_from_connect(struct dc_pool *pool, const json_t *rep, char *errbuf, size_t errlen)
{
	struct dc_connect_rep cr;
	struct dc_attach     *a = NULL;
	int                   rc;

	rc = dc_connect_rep_parse(rep, &cr, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (uuid_compare(cr.cr_uuid, pool->dp_uuid) != 0) {
		d_errbuf_printf(errbuf, errlen, "pool_connect reply is for another pool");
		dc_connect_rep_fini(&cr);
		return -DER_PROTO;
	}
	/* Addresses of ranks the reply leaves out: ask the agent afresh (a restart moves them). */
	if (dc_attach_get(pool->dp_sys[0] ? pool->dp_sys : NULL, true, &a, NULL, 0) == 0)
		rc = dc_addrs_complete(&cr, a);
	dc_attach_free(a);
	if (rc != 0) {
		dc_connect_rep_fini(&cr);
		return rc;
	}
	pthread_rwlock_wrlock(&pool->dp_lock);
	if (cr.cr_map->pm_version >= pool->dp_map->pm_version) {
		struct pl_pool_map  *old_map   = pool->dp_map;
		struct dc_rank_addr *old_addrs = pool->dp_addrs;

		pool->dp_map      = cr.cr_map;
		pool->dp_addrs    = cr.cr_addrs;
		pool->dp_nr_addrs = cr.cr_nr_addrs;
		cr.cr_map         = old_map;
		cr.cr_addrs       = old_addrs;
	}
	pthread_rwlock_unlock(&pool->dp_lock);
	dc_connect_rep_fini(&cr);
	return 0;
}

int
dc_pool_refresh(struct dc_pool *pool, uint32_t seen)
{
	char    err[256] = "";
	json_t *body, *rep = NULL;
	int     rc       = 0;

	pthread_mutex_lock(&pool->dp_refresh_lock);
	if (dc_pool_map_version(pool) > seen)
		goto out;
	body = json_pack("{s:s}", "pool", pool->dp_uuid_str);
	rc   = dc_agent_call("pool_connect", body, &rep, err, sizeof(err));
	if (rc == 0)
		rc = dc_pool_update_from_connect(pool, rep, err, sizeof(err));
	json_decref(rep);
	if (rc != 0)
		D_ERROR("pool %s: map refresh failed: " DF_RC ": %s\n", pool->dp_uuid_str,
			DP_RC(rc), err);
	else
		D_DEBUG("pool %s: map refreshed to version %u (had %u)\n", pool->dp_uuid_str,
			dc_pool_map_version(pool), seen);
out:
	pthread_mutex_unlock(&pool->dp_refresh_lock);
	return rc;
}

/* ---- connect / disconnect ----------------------------------------------- */

struct dc_connect_args {
	const char       *ca_pool;
	const char       *ca_sys;
	unsigned int      ca_flags;
	daos_handle_t    *ca_poh;
	daos_pool_info_t *ca_info;
};

static int dc_pool_query_info(struct dc_pool *pool, daos_pool_info_t *info, char *errbuf,
			      size_t errlen);

static int
dc_pool_connect_fn(void *arg)
{
	struct dc_connect_args *ca = arg;
	struct dc_attach       *a  = NULL;
	struct dc_pool         *pool = NULL;
	char                    err[256] = "";
	json_t                 *body, *rep = NULL;
	daos_handle_t           h;
	int                     rc;

	rc = dc_attach_get(ca->ca_sys, false, &a, err, sizeof(err));
	if (rc != 0)
		goto out;
	body = json_pack("{s:s}", "pool", ca->ca_pool);
	rc   = dc_agent_call("pool_connect", body, &rep, err, sizeof(err));
	if (rc == 0)
		rc = dc_pool_from_connect(rep, ca->ca_flags, a, &pool, err, sizeof(err));
	if (rc == 0 && ca->ca_info != NULL)
		rc = dc_pool_query_info(pool, ca->ca_info, err, sizeof(err));
	if (rc != 0)
		goto out;
	rc = dc_hdl_insert(&pool->dp_hdl, &h);
	if (rc == 0) {
		*ca->ca_poh = h;
		D_INFO("connected to pool %s (%s): map version %u, %u ranks, %u targets\n",
		       pool->dp_uuid_str, pool->dp_label, pool->dp_map->pm_version,
		       pool->dp_map->pm_nr_ranks, pool->dp_map->pm_nr_targets);
	}
out:
	if (rc != 0)
		D_ERROR("pool connect to '%s' failed: " DF_RC "%s%s\n", ca->ca_pool, DP_RC(rc),
			err[0] ? ": " : "", err);
	dc_pool_put(pool);
	dc_attach_free(a);
	json_decref(rep);
	return rc;
}

int
daos_pool_connect2(const char *pool, const char *sys, unsigned int flags, daos_handle_t *poh,
		   daos_pool_info_t *info, daos_event_t *ev)
{
	struct dc_connect_args ca = {pool, sys, flags, poh, info};
	unsigned int           mode = flags & DAOS_PC_MASK;

	if (!dc_name_valid(pool) || poh == NULL || (flags & ~DAOS_PC_MASK) != 0 ||
	    (mode != DAOS_PC_RO && mode != DAOS_PC_RW && mode != DAOS_PC_EX))
		return -DER_INVAL;
	if (sys != NULL && (*sys == '\0' || strnlen(sys, DC_SYS_NAME_MAX) >= DC_SYS_NAME_MAX))
		return -DER_INVAL;
	if (!dc_initialized())
		return -DER_UNINIT;
	return dc_ev_run_sync(ev, dc_pool_connect_fn, &ca);
}

static int
dc_pool_disconnect_fn(void *arg)
{
	struct dc_pool *pool = arg;

	if (atomic_load(&pool->dp_nr_conts) > 0) {
		D_ERROR("pool %s: disconnect with %u container handles open\n", pool->dp_uuid_str,
			atomic_load(&pool->dp_nr_conts));
		return -DER_BUSY;
	}
	return dc_hdl_delete(&pool->dp_hdl);
}

int
daos_pool_disconnect(daos_handle_t poh, daos_event_t *ev)
{
	struct dc_pool *pool = dc_pool_get(poh);
	int             rc;

	if (pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_pool_disconnect_fn, pool);
	dc_pool_put(pool);
	return rc;
}

/* ---- query --------------------------------------------------------------- */

static int
dc_media_index(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcasecmp(name, "scm") == 0)
		return DAOS_MEDIA_SCM;
	if (strcasecmp(name, "nvme") == 0)
		return DAOS_MEDIA_NVME;
	return -1;
}

static uint64_t
dc_json_u64(const json_t *obj, const char *key)
{
	int64_t v = 0;

	if (dc_json_int(obj, key, 0, INT64_MAX, &v) != 0)
		v = 0;
	return (uint64_t)v;
}

/* Fill info from a pool_query reply (C4); unknown or missing fields stay 0. */
static void
dc_pool_info_from_query(struct dc_pool *pool, const json_t *rep, daos_pool_info_t *info)
{
	uint64_t bits = info->pi_bits;
	json_t  *tiers, *reb, *svc;

	memset(info, 0, sizeof(*info));
	info->pi_bits = bits;
	uuid_copy(info->pi_uuid, pool->dp_uuid);
	info->pi_ntargets  = (uint32_t)dc_json_u64(rep, "total_targets");
	info->pi_nnodes    = (uint32_t)dc_json_u64(rep, "total_engines");
	info->pi_ndisabled = (uint32_t)dc_json_u64(rep, "disabled_targets");
	info->pi_map_ver   = (uint32_t)dc_json_u64(rep, "map_version");
	if (info->pi_map_ver == 0)
		info->pi_map_ver = dc_pool_map_version(pool);
	if (info->pi_ntargets == 0) {
		pthread_rwlock_rdlock(&pool->dp_lock);
		info->pi_ntargets = pool->dp_map->pm_nr_targets;
		info->pi_nnodes   = pool->dp_map->pm_nr_ranks;
		pthread_rwlock_unlock(&pool->dp_lock);
	}
	svc = json_object_get(rep, "svc_reps");
	if (json_is_array(svc) && json_array_size(svc) > 0 &&
	    json_is_integer(json_array_get(svc, 0)))
		info->pi_leader = (uint32_t)json_integer_value(json_array_get(svc, 0));
	else if (json_is_string(svc))
		info->pi_leader = (uint32_t)strtoul(json_string_value(svc), NULL, 10);
	if (bits & DPI_SPACE) {
		tiers = json_object_get(rep, "tier_stats");
		info->pi_space.ps_ntargets = (uint32_t)dc_json_u64(rep, "active_targets");
		for (size_t i = 0; json_is_array(tiers) && i < json_array_size(tiers); i++) {
			json_t *t = json_array_get(tiers, i);
			int     m = dc_media_index(dc_json_str(t, "media_type"));

			if (m < 0)
				continue;
			info->pi_space.ps_space.s_total[m] = dc_json_u64(t, "total");
			info->pi_space.ps_space.s_free[m]  = dc_json_u64(t, "free");
			info->pi_space.ps_free_min[m]      = dc_json_u64(t, "min");
			info->pi_space.ps_free_max[m]      = dc_json_u64(t, "max");
			info->pi_space.ps_free_mean[m]     = dc_json_u64(t, "mean");
		}
	}
	if (bits & DPI_REBUILD_STATUS) {
		const char *st;

		reb = json_object_get(rep, "rebuild");
		info->pi_rebuild_st.rs_version = info->pi_map_ver;
		info->pi_rebuild_st.rs_state   = DRS_NOT_STARTED;
		info->pi_rebuild_st.rs_done    = 1;
		if (json_is_object(reb)) {
			int64_t status = 0;

			st = dc_json_str(reb, "state");
			if (st != NULL && strcasecmp(st, "busy") == 0) {
				info->pi_rebuild_st.rs_state = DRS_IN_PROGRESS;
				info->pi_rebuild_st.rs_done  = 0;
			} else if (st != NULL && strcasecmp(st, "done") == 0) {
				info->pi_rebuild_st.rs_state = DRS_COMPLETED;
			}
			if (dc_json_int(reb, "status", INT32_MIN, INT32_MAX, &status) == 0)
				info->pi_rebuild_st.rs_errno = (int32_t)status;
			info->pi_rebuild_st.rs_obj_nr = dc_json_u64(reb, "objects");
			info->pi_rebuild_st.rs_rec_nr = dc_json_u64(reb, "records");
		}
	}
}

static int
dc_pool_query_info(struct dc_pool *pool, daos_pool_info_t *info, char *errbuf, size_t errlen)
{
	json_t *body, *rep = NULL;
	int     rc;

	body = json_pack("{s:s}", "pool", pool->dp_uuid_str);
	rc   = dc_agent_call("pool_query", body, &rep, errbuf, errlen);
	if (rc == 0)
		dc_pool_info_from_query(pool, rep, info);
	json_decref(rep);
	return rc;
}

/* Ranks of the map with at least one target in service. */
static int
dc_pool_ranks(struct dc_pool *pool, d_rank_list_t **out)
{
	d_rank_list_t *l = calloc(1, sizeof(*l));
	int            rc = 0;

	if (l == NULL)
		return -DER_NOMEM;
	pthread_rwlock_rdlock(&pool->dp_lock);
	l->rl_ranks = calloc(pool->dp_map->pm_nr_ranks, sizeof(d_rank_t));
	if (l->rl_ranks == NULL) {
		rc = -DER_NOMEM;
	} else {
		for (uint32_t i = 0; i < pool->dp_map->pm_nr_ranks; i++) {
			const struct pl_rank *r = &pool->dp_map->pm_ranks[i];
			bool                  up = false;

			for (uint32_t t = 0; t < r->pr_nr_targets && !up; t++)
				up = pl_target_available(
				    pool->dp_map->pm_targets[r->pr_tgt_first + t].pt_state);
			if (up)
				l->rl_ranks[l->rl_nr++] = r->pr_rank;
		}
	}
	pthread_rwlock_unlock(&pool->dp_lock);
	if (rc != 0) {
		d_rank_list_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

/* Pool properties from what pool_connect returned, with DAOS's defaults. */
static int
dc_pool_prop_fill(struct dc_pool *pool, daos_prop_t *prop)
{
	for (uint32_t i = 0; i < prop->dpp_nr; i++) {
		struct daos_prop_entry *e = &prop->dpp_entries[i];
		const char             *v;
		int                     rc = 0;

		switch (e->dpe_type) {
		case DAOS_PROP_PO_LABEL:
			rc = daos_prop_entry_set_str(e, pool->dp_label[0] ? pool->dp_label
									 : DAOS_PROP_PO_LABEL_DEFAULT,
						     DAOS_PROP_LABEL_MAX_LEN + 1);
			break;
		case DAOS_PROP_PO_OWNER:
		case DAOS_PROP_PO_OWNER_GROUP:
			v  = dc_pool_prop(pool, e->dpe_type == DAOS_PROP_PO_OWNER ? "owner" : "group");
			rc = daos_prop_entry_set_str(e, v != NULL ? v : "", DC_PROP_VALUE_MAX);
			break;
		case DAOS_PROP_PO_EC_CELL_SZ:
			v          = dc_pool_prop(pool, "ec_cell_sz");
			e->dpe_val = v != NULL ? strtoull(v, NULL, 0) : 65536;
			break;
		case DAOS_PROP_PO_REDUN_FAC:
			v          = dc_pool_prop(pool, "rd_fac");
			e->dpe_val = v != NULL ? strtoull(v, NULL, 0) : DAOS_PROP_PO_REDUN_FAC_DEFAULT;
			break;
		case DAOS_PROP_PO_SVC_REDUN_FAC:
			v          = dc_pool_prop(pool, "svc_rf");
			e->dpe_val = v != NULL ? strtoull(v, NULL, 0)
					       : DAOS_PROP_PO_SVC_REDUN_FAC_DEFAULT;
			break;
		case DAOS_PROP_PO_EC_PDA:
			e->dpe_val = DAOS_PROP_PO_EC_PDA_DEFAULT;
			break;
		case DAOS_PROP_PO_RP_PDA:
			e->dpe_val = DAOS_PROP_PO_RP_PDA_DEFAULT;
			break;
		case DAOS_PROP_PO_SPACE_RB:
		case DAOS_PROP_PO_SCRUB_THRESH:
			e->dpe_val = 0;
			break;
		case DAOS_PROP_PO_SELF_HEAL:
			e->dpe_val = DAOS_SELF_HEAL_AUTO_EXCLUDE | DAOS_SELF_HEAL_AUTO_REBUILD;
			break;
		case DAOS_PROP_PO_RECLAIM:
			e->dpe_val = DAOS_RECLAIM_LAZY;
			break;
		case DAOS_PROP_PO_GLOBAL_VERSION:
			e->dpe_val = 3;
			break;
		case DAOS_PROP_PO_OBJ_VERSION:
			e->dpe_val = 2;
			break;
		case DAOS_PROP_PO_UPGRADE_STATUS:
			e->dpe_val = DAOS_UPGRADE_STATUS_NOT_STARTED;
			break;
		case DAOS_PROP_PO_SCRUB_MODE:
			e->dpe_val = DAOS_SCRUB_MODE_OFF;
			break;
		case DAOS_PROP_PO_SCRUB_FREQ:
			e->dpe_val = DAOS_PROP_PO_SCRUB_FREQ_DEFAULT;
			break;
		case DAOS_PROP_PO_PERF_DOMAIN:
			e->dpe_val = DAOS_PROP_PO_PERF_DOMAIN_DEFAULT;
			break;
		case DAOS_PROP_PO_CHECKPOINT_MODE:
			e->dpe_val = 1;
			break;
		case DAOS_PROP_PO_CHECKPOINT_FREQ:
			e->dpe_val = 5;
			break;
		case DAOS_PROP_PO_CHECKPOINT_THRESH:
			e->dpe_val = 50;
			break;
		case DAOS_PROP_PO_REINT_MODE:
			e->dpe_val = 0;
			break;
		case DAOS_PROP_PO_ACL:
		case DAOS_PROP_PO_SVC_LIST:
		case DAOS_PROP_PO_POLICY:
			e->dpe_flags |= DAOS_PROP_ENTRY_NOT_SET;
			break;
		default:
			return -DER_INVAL;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct dc_query_args {
	struct dc_pool   *qa_pool;
	d_rank_list_t   **qa_ranks;
	daos_pool_info_t *qa_info;
	daos_prop_t      *qa_prop;
};

static int
dc_pool_query_fn(void *arg)
{
	struct dc_query_args *qa = arg;
	d_rank_list_t        *ranks = NULL;
	char                  err[256] = "";
	int                   rc = 0;

	if (qa->qa_info != NULL) {
		rc = dc_pool_query_info(qa->qa_pool, qa->qa_info, err, sizeof(err));
		if (rc != 0) {
			D_ERROR("pool %s: query failed: " DF_RC ": %s\n", qa->qa_pool->dp_uuid_str,
				DP_RC(rc), err);
			return rc;
		}
	}
	if (qa->qa_prop != NULL) {
		rc = dc_pool_prop_fill(qa->qa_pool, qa->qa_prop);
		if (rc != 0)
			return rc;
	}
	if (qa->qa_ranks != NULL) {
		rc = dc_pool_ranks(qa->qa_pool, &ranks);
		if (rc == 0)
			*qa->qa_ranks = ranks;
	}
	return rc;
}

int
daos_pool_query(daos_handle_t poh, d_rank_list_t **ranks, daos_pool_info_t *info,
		daos_prop_t *pool_prop, daos_event_t *ev)
{
	struct dc_query_args qa = {NULL, ranks, info, pool_prop};
	int                  rc;

	if (pool_prop != NULL) {
		if (pool_prop->dpp_nr > DAOS_PROP_ENTRIES_MAX_NR ||
		    (pool_prop->dpp_nr > 0 && pool_prop->dpp_entries == NULL))
			return -DER_INVAL;
		for (uint32_t i = 0; i < pool_prop->dpp_nr; i++)
			if (pool_prop->dpp_entries[i].dpe_type <= DAOS_PROP_PO_MIN ||
			    pool_prop->dpp_entries[i].dpe_type >= DAOS_PROP_PO_MAX)
				return -DER_INVAL;
	}
	qa.qa_pool = dc_pool_get(poh);
	if (qa.qa_pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_pool_query_fn, &qa);
	dc_pool_put(qa.qa_pool);
	return rc;
}

struct dc_qtgt_args {
	struct dc_pool     *qt_pool;
	uint32_t            qt_tgt;
	d_rank_t            qt_rank;
	daos_target_info_t *qt_info;
};

static daos_target_state_t
dc_tgt_state(uint32_t st)
{
	switch (st) {
	case PL_NEW:
		return DAOS_TS_NEW;
	case PL_UP:
		return DAOS_TS_UP;
	case PL_UP_IN:
		return DAOS_TS_UP_IN;
	case PL_DOWN:
		return DAOS_TS_DOWN;
	case PL_DOWN_OUT:
		return DAOS_TS_DOWN_OUT;
	case PL_DRAIN:
		return DAOS_TS_DRAIN;
	default:
		return DAOS_TS_UNKNOWN;
	}
}

static int
dc_pool_query_target_fn(void *arg)
{
	struct dc_qtgt_args       *qt = arg;
	struct dc_pool            *pool = qt->qt_pool;
	const struct pl_rank      *r;
	struct dc_rank_addr        addr;
	struct proto_tgt_pool      req;
	struct proto_tgt_query_rep rep;
	struct proto_msg           m;
	const struct iovec        *iov;
	struct net_call_reply     *reply = NULL;
	uint32_t                   state = 0, ver;
	int                        iovcnt, rc;
	char                       err[128];

	pthread_rwlock_rdlock(&pool->dp_lock);
	r = pl_map_find_rank(pool->dp_map, qt->qt_rank);
	if (r != NULL && qt->qt_tgt < r->pr_nr_targets)
		state = pool->dp_map->pm_targets[r->pr_tgt_first + qt->qt_tgt].pt_state;
	ver = pool->dp_map->pm_version;
	pthread_rwlock_unlock(&pool->dp_lock);
	if (state == 0)
		return -DER_NONEXIST;
	memset(qt->qt_info, 0, sizeof(*qt->qt_info));
	qt->qt_info->ta_type  = DAOS_TP_UNKNOWN;
	qt->qt_info->ta_state = dc_tgt_state(state);
	if (!pl_target_available(state))
		return 0;
	rc = dc_pool_addr(pool, qt->qt_rank, &addr);
	if (rc != 0)
		return -DER_UNREACH;
	uuid_copy(req.tp_pool, pool->dp_uuid);
	proto_msg_init(&m);
	rc = proto_tgt_pool_enc(&req, &m);
	if (rc == 0)
		rc = proto_msg_iov(&m, &iov, &iovcnt);
	if (rc == 0)
		rc = net_call(dc_net(), addr.ra_ip, (uint16_t)(addr.ra_port + 1 + qt->qt_tgt),
			      PROTO_OP_TGT_QUERY, ver, iov, iovcnt, dc_timeout_ms(), &reply);
	proto_msg_fini(&m);
	if (rc == 0) {
		rc = proto_tgt_query_rep_dec(reply->cr_body, reply->cr_len, &rep, err, sizeof(err));
		if (rc == 0) {
			qt->qt_info->ta_space.s_total[DAOS_MEDIA_SCM]  = rep.tqr_scm_total;
			qt->qt_info->ta_space.s_free[DAOS_MEDIA_SCM]   = rep.tqr_scm_free;
			qt->qt_info->ta_space.s_total[DAOS_MEDIA_NVME] = rep.tqr_nvme_total;
			qt->qt_info->ta_space.s_free[DAOS_MEDIA_NVME]  = rep.tqr_nvme_free;
		} else {
			D_ERROR("rank %u target %u: bad TGT_QUERY reply: %s\n", qt->qt_rank,
				qt->qt_tgt, err);
		}
	}
	net_reply_free(reply);
	return rc;
}

int
daos_pool_query_target(daos_handle_t poh, uint32_t tgt, d_rank_t rank, daos_target_info_t *info,
		       daos_event_t *ev)
{
	struct dc_qtgt_args qt = {NULL, tgt, rank, info};
	int                 rc;

	if (info == NULL || tgt >= PL_TARGETS_PER_RANK_MAX)
		return -DER_INVAL;
	qt.qt_pool = dc_pool_get(poh);
	if (qt.qt_pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_pool_query_target_fn, &qt);
	dc_pool_put(qt.qt_pool);
	return rc;
}

/* ---- attributes (shared with containers) ---------------------------------- */

struct dc_attr_args {
	const char         *aa_method_prefix; /* "pool" or "cont" */
	json_t             *aa_target;        /* {pool[, cont]} template */
	char               *aa_list_buf;
	size_t             *aa_list_size;
	int                 aa_n;
	char const *const  *aa_names;
	void *const        *aa_bufs;
	void const *const  *aa_values;
	size_t             *aa_sizes;
	size_t const       *aa_in_sizes;
};

int
dc_attr_check(int n, char const *const names[], void const *const values[], size_t const sizes[],
	      bool need_values)
{
	if (n <= 0 || n > DC_ATTR_NR_MAX || names == NULL)
		return -DER_INVAL;
	for (int i = 0; i < n; i++) {
		size_t len;

		if (names[i] == NULL)
			return -DER_INVAL;
		len = strnlen(names[i], DC_ATTR_NAME_MAX + 1);
		if (len == 0 || len > DC_ATTR_NAME_MAX)
			return -DER_INVAL;
		if (need_values) {
			if (values == NULL || sizes == NULL || values[i] == NULL || sizes[i] == 0 ||
			    sizes[i] > DC_ATTR_VALUE_MAX)
				return -DER_INVAL;
		}
	}
	return 0;
}

static json_t *
dc_attr_body(const struct dc_attr_args *aa)
{
	return json_deep_copy(aa->aa_target);
}

/* Calls <prefix>_<verb>_attr with the owner's body plus payload under key (consumed). */
static int
dc_attr_send(const struct dc_attr_args *aa, const char *verb, const char *key, json_t *payload)
{
	char    method[32], err[256] = "";
	json_t *body = dc_attr_body(aa);
	json_t *rep  = NULL;
	int     rc;

	if (body == NULL || payload == NULL) {
		json_decref(body);
		json_decref(payload);
		return -DER_NOMEM;
	}
	if (json_object_set_new(body, key, payload) != 0) { /* payload is released either way */
		json_decref(body);
		return -DER_NOMEM;
	}
	snprintf(method, sizeof(method), "%s_%s_attr", aa->aa_method_prefix, verb);
	rc = dc_agent_call(method, body, &rep, err, sizeof(err));
	json_decref(rep);
	if (rc != 0)
		D_ERROR("%s: " DF_RC ": %s\n", method, DP_RC(rc), err);
	return rc;
}

static int
dc_attr_set_fn(void *arg)
{
	struct dc_attr_args *aa    = arg;
	json_t              *attrs = json_object();

	for (int i = 0; attrs != NULL && i < aa->aa_n; i++) {
		char *b64 = dc_base64_encode(aa->aa_values[i], aa->aa_in_sizes[i]);

		if (b64 == NULL ||
		    json_object_set_new(attrs, aa->aa_names[i], json_string(b64)) != 0) {
			json_decref(attrs);
			attrs = NULL;
		}
		free(b64);
	}
	return dc_attr_send(aa, "set", "attrs", attrs);
}

static int
dc_attr_del_fn(void *arg)
{
	struct dc_attr_args *aa    = arg;
	json_t              *names = json_array();

	for (int i = 0; names != NULL && i < aa->aa_n; i++) {
		if (json_array_append_new(names, json_string(aa->aa_names[i])) != 0) {
			json_decref(names);
			names = NULL;
		}
	}
	return dc_attr_send(aa, "del", "names", names);
}

/* get_attr with names (NULL: every attribute) -> the "attrs" object of the reply. */
static int
dc_attr_fetch(struct dc_attr_args *aa, bool all, json_t **attrs_out)
{
	char    method[32], err[256] = "";
	json_t *body, *rep = NULL, *attrs;
	int     rc = 0;

	body = dc_attr_body(aa);
	if (body == NULL)
		return -DER_NOMEM;
	if (!all) {
		json_t *names = json_array();

		if (names == NULL) {
			json_decref(body);
			return -DER_NOMEM;
		}
		for (int i = 0; i < aa->aa_n; i++)
			if (json_array_append_new(names, json_string(aa->aa_names[i])) != 0)
				rc = -DER_NOMEM;
		if (rc != 0 || json_object_set_new(body, "names", names) != 0) {
			json_decref(body);
			return -DER_NOMEM;
		}
	}
	snprintf(method, sizeof(method), "%s_get_attr", aa->aa_method_prefix);
	rc = dc_agent_call(method, body, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("%s: " DF_RC ": %s\n", method, DP_RC(rc), err);
		return rc;
	}
	attrs = json_object_get(rep, "attrs");
	if (attrs == NULL)
		attrs = json_object();
	else if (!json_is_object(attrs))
		attrs = NULL;
	else
		json_incref(attrs);
	json_decref(rep);
	if (attrs == NULL) {
		D_ERROR("%s: reply \"attrs\" is not an object\n", method);
		return -DER_PROTO;
	}
	*attrs_out = attrs;
	return 0;
}

static int
dc_attr_get_fn(void *arg)
{
	struct dc_attr_args *aa    = arg;
	json_t              *attrs = NULL;
	int                  rc;

	rc = dc_attr_fetch(aa, false, &attrs);
	if (rc != 0)
		return rc;
	for (int i = 0; i < aa->aa_n && rc == 0; i++) {
		const char *b64 = json_string_value(json_object_get(attrs, aa->aa_names[i]));
		uint8_t    *val = NULL;
		size_t      len = 0;

		if (b64 == NULL) {
			rc = -DER_NONEXIST;
			break;
		}
		rc = dc_base64_decode(b64, DC_ATTR_VALUE_MAX, &val, &len);
		if (rc != 0) {
			rc = rc == -DER_NOMEM ? rc : -DER_PROTO;
			break;
		}
		if (aa->aa_bufs != NULL && aa->aa_bufs[i] != NULL)
			memcpy(aa->aa_bufs[i], val, len < aa->aa_sizes[i] ? len : aa->aa_sizes[i]);
		aa->aa_sizes[i] = len;
		free(val);
	}
	json_decref(attrs);
	return rc;
}

static int
dc_attr_list_fn(void *arg)
{
	struct dc_attr_args *aa    = arg;
	json_t              *attrs = NULL;
	const char          *key;
	json_t              *val;
	size_t               total = 0, cap = *aa->aa_list_size, off = 0;
	int                  rc;

	rc = dc_attr_fetch(aa, true, &attrs);
	if (rc != 0)
		return rc;
	json_object_foreach(attrs, key, val) {
		size_t len = strlen(key) + 1;

		(void)val;
		/* only whole names are copied (DAOS: no truncation) */
		if (aa->aa_list_buf != NULL && off + len <= cap) {
			memcpy(aa->aa_list_buf + off, key, len);
			off += len;
		}
		total += len;
	}
	*aa->aa_list_size = total;
	json_decref(attrs);
	return 0;
}

int
dc_attr_list(const char *prefix, json_t *target, char *buffer, size_t *size, daos_event_t *ev)
{
	struct dc_attr_args aa = {.aa_method_prefix = prefix, .aa_target = target};

	aa.aa_list_buf  = buffer;
	aa.aa_list_size = size;
	return dc_ev_run_sync(ev, dc_attr_list_fn, &aa);
}

int
dc_attr_get(const char *prefix, json_t *target, int n, char const *const names[],
	    void *const buffers[], size_t sizes[], daos_event_t *ev)
{
	struct dc_attr_args aa = {.aa_method_prefix = prefix, .aa_target = target};

	aa.aa_n     = n;
	aa.aa_names = names;
	aa.aa_bufs  = buffers;
	aa.aa_sizes = sizes;
	return dc_ev_run_sync(ev, dc_attr_get_fn, &aa);
}

int
dc_attr_set(const char *prefix, json_t *target, int n, char const *const names[],
	    void const *const values[], size_t const sizes[], daos_event_t *ev)
{
	struct dc_attr_args aa = {.aa_method_prefix = prefix, .aa_target = target};

	aa.aa_n        = n;
	aa.aa_names    = names;
	aa.aa_values   = values;
	aa.aa_in_sizes = sizes;
	return dc_ev_run_sync(ev, dc_attr_set_fn, &aa);
}

int
dc_attr_del(const char *prefix, json_t *target, int n, char const *const names[],
	    daos_event_t *ev)
{
	struct dc_attr_args aa = {.aa_method_prefix = prefix, .aa_target = target};

	aa.aa_n     = n;
	aa.aa_names = names;
	return dc_ev_run_sync(ev, dc_attr_del_fn, &aa);
}

/* {pool: uuid} of a pool handle, or NULL (NOMEM). */
static json_t *
dc_pool_target(struct dc_pool *pool)
{
	return json_pack("{s:s}", "pool", pool->dp_uuid_str);
}

int
daos_pool_list_attr(daos_handle_t poh, char *buffer, size_t *size, daos_event_t *ev)
{
	struct dc_pool *pool;
	json_t         *t;
	int             rc;

	if (size == NULL || (buffer != NULL && *size == 0))
		return -DER_INVAL;
	pool = dc_pool_get(poh);
	if (pool == NULL)
		return -DER_NO_HDL;
	t  = dc_pool_target(pool);
	rc = t == NULL ? -DER_NOMEM : dc_attr_list("pool", t, buffer, size, ev);
	json_decref(t);
	dc_pool_put(pool);
	return rc;
}

int
daos_pool_get_attr(daos_handle_t poh, int n, char const *const names[], void *const buffers[],
		   size_t sizes[], daos_event_t *ev)
{
	struct dc_pool *pool;
	json_t         *t;
	int             rc;

	rc = dc_attr_check(n, names, NULL, NULL, false);
	if (rc != 0 || sizes == NULL)
		return -DER_INVAL;
	pool = dc_pool_get(poh);
	if (pool == NULL)
		return -DER_NO_HDL;
	t  = dc_pool_target(pool);
	rc = t == NULL ? -DER_NOMEM : dc_attr_get("pool", t, n, names, buffers, sizes, ev);
	json_decref(t);
	dc_pool_put(pool);
	return rc;
}

int
daos_pool_set_attr(daos_handle_t poh, int n, char const *const names[],
		   void const *const values[], size_t const sizes[], daos_event_t *ev)
{
	struct dc_pool *pool;
	json_t         *t;
	int             rc;

	rc = dc_attr_check(n, names, values, sizes, true);
	if (rc != 0)
		return rc;
	pool = dc_pool_get(poh);
	if (pool == NULL)
		return -DER_NO_HDL;
	t  = dc_pool_target(pool);
	rc = t == NULL ? -DER_NOMEM : dc_attr_set("pool", t, n, names, values, sizes, ev);
	json_decref(t);
	dc_pool_put(pool);
	return rc;
}

int
daos_pool_del_attr(daos_handle_t poh, int n, char const *const names[], daos_event_t *ev)
{
	struct dc_pool *pool;
	json_t         *t;
	int             rc;

	rc = dc_attr_check(n, names, NULL, NULL, false);
	if (rc != 0)
		return rc;
	pool = dc_pool_get(poh);
	if (pool == NULL)
		return -DER_NO_HDL;
	t  = dc_pool_target(pool);
	rc = t == NULL ? -DER_NOMEM : dc_attr_del("pool", t, n, names, ev);
	json_decref(t);
	dc_pool_put(pool);
	return rc;
}

/* ---- container list ---------------------------------------------------- */

struct dc_list_cont_args {
	struct dc_pool             *lc_pool;
	daos_size_t                *lc_ncont;
	struct daos_pool_cont_info *lc_cbuf;
};

static int
dc_pool_list_cont_fn(void *arg)
{
	struct dc_list_cont_args *lc = arg;
	char                      err[256] = "";
	json_t                   *body, *rep = NULL, *conts;
	size_t                    nr;
	int                       rc;

	body = dc_pool_target(lc->lc_pool);
	rc   = dc_agent_call("cont_list", body, &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("cont_list: " DF_RC ": %s\n", DP_RC(rc), err);
		return rc;
	}
	conts = json_object_get(rep, "containers");
	if (conts == NULL) {
		nr = 0;
	} else if (!json_is_array(conts) || json_array_size(conts) > DC_CONTS_MAX) {
		rc = -DER_PROTO;
		goto out;
	} else {
		nr = json_array_size(conts);
	}
	if (lc->lc_cbuf != NULL) {
		if (*lc->lc_ncont < nr) {
			*lc->lc_ncont = nr;
			rc            = -DER_TRUNC;
			goto out;
		}
		for (size_t i = 0; i < nr; i++) {
			json_t     *c = json_array_get(conts, i);
			const char *u = dc_json_str(c, "uuid");
			const char *l = dc_json_str(c, "label");

			memset(&lc->lc_cbuf[i], 0, sizeof(lc->lc_cbuf[i]));
			if (u == NULL || !dc_is_uuid_str(u)) {
				rc = -DER_PROTO;
				goto out;
			}
			uuid_parse(u, lc->lc_cbuf[i].pci_uuid);
			if (l != NULL)
				snprintf(lc->lc_cbuf[i].pci_label, sizeof(lc->lc_cbuf[i].pci_label),
					 "%s", l);
		}
	}
	*lc->lc_ncont = nr;
out:
	json_decref(rep);
	return rc;
}

int
daos_pool_list_cont(daos_handle_t poh, daos_size_t *ncont, struct daos_pool_cont_info *cbuf,
		    daos_event_t *ev)
{
	struct dc_list_cont_args lc = {NULL, ncont, cbuf};
	int                      rc;

	if (ncont == NULL)
		return -DER_INVAL;
	lc.lc_pool = dc_pool_get(poh);
	if (lc.lc_pool == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_pool_list_cont_fn, &lc);
	dc_pool_put(lc.lc_pool);
	return rc;
}
