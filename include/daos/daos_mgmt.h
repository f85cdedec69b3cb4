/*
 * daos_mgmt.h: system information as the local daos_agent knows it, and the
 * pool list (which daos_server allows to administrators only).
 */
#ifndef DAOS_MGMT_H
#define DAOS_MGMT_H

#include <stdint.h>
#include <uuid/uuid.h>

#include <daos_event.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest system name and provider name (characters, NUL excluded). */
#define DAOS_SYS_INFO_STRING_MAX 63

/** A pool in daos_mgmt_list_pools(). */
typedef struct {
	uuid_t         mgpi_uuid;
	char          *mgpi_label; /**< allocated; free with free() */
	d_rank_list_t *mgpi_svc;   /**< allocated; free with d_rank_list_free() */
	d_rank_t       mgpi_ldr;
} daos_mgmt_pool_info_t;

/** One engine of the system. */
struct daos_rank_uri {
	uint32_t dru_rank;
	char    *dru_uri;
	uint32_t dru_nr_targets;
	uint32_t dru_pad;
};

/** The system as the agent sees it. */
struct daos_sys_info {
	char                  dsi_system_name[DAOS_SYS_INFO_STRING_MAX + 1];
	char                  dsi_fabric_provider[DAOS_SYS_INFO_STRING_MAX + 1];
	char                  dsi_agent_path[4096];
	uint32_t              dsi_nr_ranks;
	struct daos_rank_uri *dsi_ranks;
	uint32_t              dsi_nr_ms_ranks;
	uint32_t             *dsi_ms_ranks;
	uint32_t              dsi_map_version;
	uint32_t              dsi_pad;
};

/**
 * List pools of system `group` (NULL: the agent's). *npools: in the capacity
 * of pools (pools NULL: count only), out the number of pools. Through the
 * agent; daos_server answers -DER_NO_PERM to non-administrators.
 */
int daos_mgmt_list_pools(const char *group, daos_size_t *npools, daos_mgmt_pool_info_t *pools,
			 daos_event_t *ev);

/** System information from the agent (free with daos_mgmt_put_sys_info()). */
int daos_mgmt_get_sys_info(const char *sys, struct daos_sys_info **info);

/** Free what daos_mgmt_get_sys_info() returned; NULL is fine. */
void daos_mgmt_put_sys_info(struct daos_sys_info *info);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_MGMT_H */
