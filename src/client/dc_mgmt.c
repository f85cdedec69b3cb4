/*
 * dc_mgmt.c: daos_mgmt.h: system information from the agent's attach info,
 * and the pool list (C4 pool_list, which daos_server keeps for
 * administrators: through the agent it is refused with -DER_NO_PERM).
 */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

void
daos_mgmt_put_sys_info(struct daos_sys_info *info)
{
	if (info == NULL)
		return;
	for (uint32_t i = 0; i < info->dsi_nr_ranks; i++)
		free(info->dsi_ranks[i].dru_uri);
	free(info->dsi_ranks);
	free(info->dsi_ms_ranks);
	free(info);
}

int
daos_mgmt_get_sys_info(const char *sys, struct daos_sys_info **out)
{
	struct dc_attach     *a = NULL;
	struct daos_sys_info *info;
	char                  err[256] = "";
	int                   rc;

	if (out == NULL || (sys != NULL && (*sys == '\0' || strlen(sys) >= DC_SYS_NAME_MAX)))
		return -DER_INVAL;
	if (!dc_initialized())
		return -DER_UNINIT;
	rc = dc_attach_get(sys, false, &a, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("daos_mgmt_get_sys_info: " DF_RC ": %s\n", DP_RC(rc), err);
		return rc;
	}
	info = calloc(1, sizeof(*info));
	if (info == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	snprintf(info->dsi_system_name, sizeof(info->dsi_system_name), "%s", a->da_sys);
	snprintf(info->dsi_fabric_provider, sizeof(info->dsi_fabric_provider), "%s",
		 a->da_provider);
	snprintf(info->dsi_agent_path, sizeof(info->dsi_agent_path), "%s", dc_agent_path());
	info->dsi_map_version = a->da_map_version;
	if (a->da_nr_ranks > 0) {
		info->dsi_ranks = calloc(a->da_nr_ranks, sizeof(*info->dsi_ranks));
		if (info->dsi_ranks == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
	}
	for (uint32_t i = 0; i < a->da_nr_ranks; i++) {
		struct daos_rank_uri *r = &info->dsi_ranks[i];

		r->dru_rank       = a->da_ranks[i].ar_rank;
		r->dru_nr_targets = a->da_ranks[i].ar_targets;
		r->dru_uri        = strdup(a->da_ranks[i].ar_uri);
		if (r->dru_uri == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		info->dsi_nr_ranks++;
	}
	*out = info;
	info = NULL;
out:
	daos_mgmt_put_sys_info(info);
	dc_attach_free(a);
	return rc;
}

struct dc_list_pools_args {
	daos_size_t           *la_npools;
	daos_mgmt_pool_info_t *la_pools;
};

static int
dc_list_pools_fn(void *arg)
{
	struct dc_list_pools_args *la = arg;
	char                       err[256] = "";
	json_t                    *rep = NULL, *pools;
	size_t                     nr;
	int                        rc;

	rc = dc_agent_call("pool_list", json_object(), &rep, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("daos_mgmt_list_pools: " DF_RC ": %s\n", DP_RC(rc), err);
		return rc;
	}
	pools = json_object_get(rep, "pools");
	nr    = json_is_array(pools) ? json_array_size(pools) : 0;
	if (la->la_pools != NULL && *la->la_npools < nr) {
		*la->la_npools = nr;
		rc             = -DER_TRUNC;
		goto out;
	}
	for (size_t i = 0; la->la_pools != NULL && i < nr; i++) {
		json_t                *p = json_array_get(pools, i);
		daos_mgmt_pool_info_t *o = &la->la_pools[i];
		const char            *u = dc_json_str(p, "uuid");
		const char            *l = dc_json_str(p, "label");

		memset(o, 0, sizeof(*o));
		if (u == NULL || !dc_is_uuid_str(u)) {
			rc = -DER_PROTO;
			goto out;
		}
		uuid_parse(u, o->mgpi_uuid);
		if (l != NULL && (o->mgpi_label = strdup(l)) == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
	}
	*la->la_npools = nr;
out:
	json_decref(rep);
	return rc;
}

int
daos_mgmt_list_pools(const char *group, daos_size_t *npools, daos_mgmt_pool_info_t *pools,
		     daos_event_t *ev)
{
	struct dc_list_pools_args la = {npools, pools};

	(void)group;
	if (npools == NULL)
		return -DER_INVAL;
	if (!dc_initialized())
		return -DER_UNINIT;
	return dc_ev_run_sync(ev, dc_list_pools_fn, &la);
}
