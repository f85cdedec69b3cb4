/*
 * dmg_args.c: dmg's command tree, flag parser and help text.
 *
 * The tree is static: groups (system, storage, server, storage query, pool,
 * telemetry, telemetry metrics) and leaves (the commands); a group may have
 * flags of its own (telemetry's -l/--host and -p/--port, so that DAOS's
 * "dmg telemetry -l h -p 9191 metrics list" parses). The walk over argv,
 * go-flags' rules and messages and the help layout are the shared parser's
 * (src/tools/common/cli_args.h): a command's flag must come after the
 * command's name, and its own flags win over the global ones ("pool create
 * -l" is --label, "-l" before the command is --host-list). This file gives
 * the tree, the flag table and what each flag and positional means.
 * Every value is checked when it is read, with the gurt parsers (rank sets,
 * host sets, log masks) whose message is quoted, and the rules that involve
 * several flags are checked at the end. Nothing is allocated but the rank and
 * host sets and the -l array, all released by dmg_args_fini().
 *
 * Invariants:
 *  1. da_depth >= 1 and da_path[0] is the root once dmg_args_parse() started;
 *     da_path[i + 1] is a sub-command of da_path[i].
 *  2. On success without help, da_cmd is the leaf at da_path[da_depth - 1].
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hostset.h"
#include "gurt/log.h"
#include "gurt/rankset.h"
#include "control/ms_db.h"
#include "control/ms_pool.h"
#include "tools/common/cli_args.h"
#include "tools/dmg/dmg.h"

enum dmg_flag_id {
	F_NONE = 0,
	/* global */
	F_CONFIG,
	F_HOSTLIST,
	F_INSECURE,
	F_DEBUG,
	F_JSON,
	F_HELP,
	/* commands */
	F_RANKS,
	F_RANK_HOSTS,
	F_HOST_RANKS,
	F_VERBOSE,
	F_FORCE,
	F_REPLACE,
	F_NOT_OK,
	F_WITH_STATES,
	F_DOWN_REPLICAS,
	F_MASKS,
	/* pools */
	F_SIZE,
	F_TIER_RATIO,
	F_SCM_SIZE,
	F_NVME_SIZE,
	F_NRANKS,
	F_LABEL,
	F_NSVC,
	F_PROPERTIES,
	F_USER,
	F_GROUP,
	F_NO_QUERY,
	F_POOL_FORCE,
	F_RECURSIVE,
	F_RANK,
	F_TARGET_IDX,
	F_SHOW_ENABLED,
	F_SHOW_DISABLED,
	/* telemetry */
	F_TM_HOST,
	F_TM_PORT,
	F_TM_CFG_PORT,
	F_TM_METRICS,
	F_TM_INSTALL_DIR,
	F_TM_SYSTEM,
	/* SSD management */
	F_SMD_RANK,
	F_DEV_UUID,
	F_POOL_UUID,
	F_OLD_UUID,
	F_NEW_UUID,
	F_HEALTH,
	F_TGTID,
	F_DEV_FORCE,
	F_NVME_META,
	F_NVME_HEALTH,
};

static const struct cli_flag dmg_flags[] = {
	{F_CONFIG, "config-path", 'o', true, "Client config file path"},
	{F_HOSTLIST, "host-list", 'l', true,
	 "A comma separated list of addresses <ipv4addr/hostname[:port]> to connect to"},
	{F_INSECURE, "insecure", 'i', false, "Have dmg attempt to connect without certificates"},
	{F_DEBUG, "debug", 'd', false, "Enable debug output"},
	{F_JSON, "json", 'j', false, "Enable JSON output"},
	{F_HELP, "help", 'h', false, "Show this help message"},
	{F_RANKS, "ranks", 'r', true, "Rank set to act on (e.g. 0,5-10,20-100)"},
	{F_RANK_HOSTS, "rank-hosts", 0, true,
	 "Host set whose ranks to act on (e.g. storagehost[0,5-10])"},
	{F_HOST_RANKS, "host-ranks", 0, true, "Same as --rank-hosts"},
	{F_VERBOSE, "verbose", 'v', false, "Show more details"},
	{F_FORCE, "force", 0, false, "Do not wait for a clean shutdown; reformat existing storage"},
	{F_REPLACE, "replace", 0, false, "Replace the storage of a rank lost with its media"},
	{F_NOT_OK, "not-ok", 0, false, "Only show members that are not in the Joined state"},
	{F_WITH_STATES, "with-states", 0, true,
	 "Only show members in these states (e.g. Joined,Excluded)"},
	{F_DOWN_REPLICAS, "down-replicas", 'N', false, "Also show replicas that are down"},
	{F_MASKS, "masks", 'm', true,
	 "Log masks in D_LOG_MASK syntax (e.g. ERR,mgmt=DEBUG); none: reset to the config"},
	{F_SIZE, "size", 'z', true,
	 "Total size of the pool (e.g. 1T, 512G) or a percentage of the free space (10%)"},
	{F_TIER_RATIO, "tier-ratio", 't', true,
	 "Percentage of --size on SCM and NVMe (default 6,94; 100,0: SCM only)"},
	{F_SCM_SIZE, "scm-size", 's', true, "SCM size per engine (rank) of the pool"},
	{F_NVME_SIZE, "nvme-size", 'n', true, "NVMe size per engine (rank) of the pool"},
	{F_NRANKS, "nranks", 'k', true, "Number of ranks to use (default: all)"},
	{F_LABEL, "label", 'l', true, "Pool label (also the positional argument)"},
	{F_NSVC, "nsvc", 'v', true, "Number of pool service replicas"},
	{F_PROPERTIES, "properties", 'P', true,
	 "Pool properties as name:value,name:value (e.g. reclaim:lazy,space_rb:10)"},
	{F_USER, "user", 'u', true, "Pool owner user (default: the user running dmg)"},
	{F_GROUP, "group", 'g', true, "Pool owner group (default: the user's group)"},
	{F_NO_QUERY, "no-query", 'n', false, "Do not query the pools' space"},
	{F_POOL_FORCE, "force", 'f', false, "Do it even when the pool is in use"},
	{F_RECURSIVE, "recursive", 'r', false, "Destroy the pool's containers too"},
	{F_RANK, "rank", 0, true, "Engine rank of the targets"},
	{F_TARGET_IDX, "target-idx", 0, true, "Target indices on the rank (e.g. 0,2-3)"},
	{F_SHOW_ENABLED, "show-enabled", 'e', false, "Show the enabled ranks"},
	{F_SHOW_DISABLED, "show-disabled", 'b', false, "Show the disabled ranks"},
	{F_TM_HOST, "host", 'l', true, "DAOS server host to query (default: localhost)"},
	{F_TM_PORT, "port", 'p', true, "Telemetry port of the server (default: 9191)"},
	{F_TM_CFG_PORT, "port", 'p', true,
	 "Telemetry port of every host (default: each server's telemetry_port, else 9191)"},
	{F_TM_METRICS, "metrics", 'm', true,
	 "Comma-separated list of metric names (default: all)"},
	{F_TM_INSTALL_DIR, "install-dir", 'i', true,
	 "Directory where prometheus is made available (default: the first writable "
	 "directory of $PATH)"},
	{F_TM_SYSTEM, "system", 's', true, "Telemetry system to configure (default: prometheus)"},
	{F_SMD_RANK, "rank", 'r', true, "Engine rank (default: every rank of the hosts)"},
	{F_DEV_UUID, "uuid", 'u', true, "Device UUID"},
	{F_POOL_UUID, "uuid", 'u', true, "Pool UUID"},
	{F_OLD_UUID, "old-uuid", 0, true, "UUID of the FAULTY or EVICTED device to replace"},
	{F_NEW_UUID, "new-uuid", 0, true,
	 "UUID of the NEW device replacing it (the same UUID reuses the device)"},
	{F_HEALTH, "health", 'b', false, "Include each device's health (I/O counters)"},
	{F_TGTID, "tgtid", 't', true, "VOS target index on the rank"},
	{F_DEV_FORCE, "force", 'f', false, "Do not require confirmation"},
	{F_NVME_META, "nvme-meta", 'm', false,
	 "Show the SMD metadata (device UUIDs, targets, states) of each NVMe device"},
	{F_NVME_HEALTH, "nvme-health", 'n', false, "Show the health of each NVMe device"},
};

#define DMG_NFLAGS (sizeof(dmg_flags) / sizeof(dmg_flags[0]))

static const int global_flags[] = {F_CONFIG, F_HOSTLIST, F_INSECURE, F_DEBUG, F_JSON, 0};

static const int sysq_flags[] = {F_RANKS, F_RANK_HOSTS, F_HOST_RANKS, F_VERBOSE,
				 F_NOT_OK, F_WITH_STATES, 0};
static const int sysstop_flags[] = {F_RANKS, F_RANK_HOSTS, F_HOST_RANKS, F_FORCE, 0};
static const int sysstart_flags[] = {F_RANKS, F_RANK_HOSTS, F_HOST_RANKS, 0};
static const int leader_flags[] = {F_DOWN_REPLICAS, 0};
static const int scan_flags[] = {F_VERBOSE, F_NVME_META, F_NVME_HEALTH, 0};
static const int lsdev_flags[] = {F_SMD_RANK, F_DEV_UUID, F_HEALTH, 0};
static const int lspool_flags[] = {F_SMD_RANK, F_POOL_UUID, F_VERBOSE, 0};
static const int devhealth_flags[] = {F_DEV_UUID, 0};
static const int tgthealth_flags[] = {F_SMD_RANK, F_TGTID, 0};
static const int faulty_flags[] = {F_DEV_UUID, F_DEV_FORCE, 0};
static const int replace_flags[] = {F_OLD_UUID, F_NEW_UUID, 0};
static const int identify_flags[] = {F_DEV_UUID, 0};
static const int format_flags[] = {F_VERBOSE, F_FORCE, F_REPLACE, 0};
static const int slm_flags[] = {F_MASKS, 0};
static const int pcreate_flags[] = {F_SIZE,  F_TIER_RATIO, F_SCM_SIZE,   F_NVME_SIZE,
				    F_NRANKS, F_RANKS,     F_LABEL,      F_NSVC,
				    F_PROPERTIES, F_USER,  F_GROUP,      0};
static const int plist_flags[] = {F_VERBOSE, F_NO_QUERY, 0};
static const int pquery_flags[] = {F_SHOW_ENABLED, F_SHOW_DISABLED, 0};
static const int pqt_flags[] = {F_RANK, F_TARGET_IDX, 0};
static const int pdestroy_flags[] = {F_POOL_FORCE, F_RECURSIVE, 0};
static const int ptgt_flags[] = {F_RANK, F_TARGET_IDX, 0};
static const int tm_flags[] = {F_TM_HOST, F_TM_PORT, 0};
static const int tm_query_flags[] = {F_TM_HOST, F_TM_PORT, F_TM_METRICS, 0};
static const int tm_config_flags[] = {F_TM_INSTALL_DIR, F_TM_SYSTEM, F_TM_CFG_PORT, 0};

static const struct cli_node n_sys_erase = {
	"erase", NULL, NULL, "Erase system metadata prior to reformat", DMG_CMD_SYSTEM_ERASE, NULL,
	NULL, NULL, 0, 0};
static const struct cli_node n_sys_leader = {
	"leader-query", NULL, NULL, "Query for the current Management Service leader",
	DMG_CMD_SYSTEM_LEADER_QUERY, NULL, leader_flags, NULL, 0, 0};
static const struct cli_node n_sys_query = {
	"query", NULL, NULL, "Query DAOS system status", DMG_CMD_SYSTEM_QUERY, NULL, sysq_flags,
	NULL, 0, 0};
static const struct cli_node n_sys_start = {
	"start", NULL, NULL, "Start the engines of a stopped DAOS system", DMG_CMD_SYSTEM_START,
	NULL, sysstart_flags, NULL, 0, 0};
static const struct cli_node n_sys_stop = {
	"stop", NULL, NULL, "Stop the engines of the DAOS system (controlled shutdown)",
	DMG_CMD_SYSTEM_STOP, NULL, sysstop_flags, NULL, 0, 0};
static const struct cli_node n_sys_list_pools = {
	"list-pools", NULL, NULL, "List the pools of the system (as pool list)",
	DMG_CMD_SYSTEM_LIST_POOLS, NULL, plist_flags, NULL, 0, 0};
static const struct cli_node *const sys_subs[] = {&n_sys_erase, &n_sys_leader, &n_sys_list_pools,
						  &n_sys_query, &n_sys_start, &n_sys_stop, NULL};
static const struct cli_node n_system = {
	"system", "sys", NULL, "Perform distributed tasks related to the DAOS system", DMG_CMD_NONE,
	sys_subs, NULL, NULL, 0, 0};

static const struct cli_node n_sto_usage = {
	"usage", NULL, NULL, "Show SCM and NVMe space use per storage server",
	DMG_CMD_STORAGE_QUERY_USAGE, NULL, NULL, NULL, 0, 0};
static const struct cli_node n_sto_devhealth = {
	"device-health", NULL, NULL, "Query the health of an NVMe device (I/O counters)",
	DMG_CMD_STORAGE_DEVICE_HEALTH, NULL, devhealth_flags, NULL, 0, 0};
static const struct cli_node n_sto_lsdev = {
	"list-devices", NULL, NULL,
	"List the NVMe devices in the engines' SMD, their targets and state",
	DMG_CMD_STORAGE_LIST_DEVICES, NULL, lsdev_flags, NULL, 0, 0};
static const struct cli_node n_sto_lspool = {
	"list-pools", NULL, NULL,
	"List the pools in the engines' SMD, their targets (and blob IDs)",
	DMG_CMD_STORAGE_LIST_POOLS, NULL, lspool_flags, NULL, 0, 0};
static const struct cli_node n_sto_tgthealth = {
	"target-health", NULL, NULL, "Query the health of the NVMe device of a VOS target",
	DMG_CMD_STORAGE_TARGET_HEALTH, NULL, tgthealth_flags, NULL, 0, 0};
static const struct cli_node *const stoq_subs[] = {&n_sto_devhealth, &n_sto_lsdev, &n_sto_lspool,
						   &n_sto_tgthealth, &n_sto_usage, NULL};
static const struct cli_node n_sto_query = {
	"query", NULL, NULL, "Query the storage of the servers", DMG_CMD_NONE, stoq_subs, NULL,
	NULL, 0, 0};
static const struct cli_node n_sto_format = {
	"format", NULL, NULL, "Format the SCM and NVMe storage of the servers",
	DMG_CMD_STORAGE_FORMAT, NULL, format_flags, NULL, 0, 0};
static const struct cli_node n_sto_scan = {
	"scan", NULL, NULL, "Scan the SCM and NVMe storage of the servers", DMG_CMD_STORAGE_SCAN,
	NULL, scan_flags, NULL, 0, 0};
static const struct cli_node n_sto_faulty = {
	"nvme-faulty", NULL, NULL, "Set an NVMe device FAULTY: its targets stop using it",
	DMG_CMD_STORAGE_SET_FAULTY, NULL, faulty_flags, NULL, 0, 0};
static const struct cli_node *const stoset_subs[] = {&n_sto_faulty, NULL};
static const struct cli_node n_sto_set = {
	"set", NULL, NULL, "Set the state of storage devices", DMG_CMD_NONE, stoset_subs, NULL,
	NULL, 0, 0};
static const struct cli_node n_sto_repl_nvme = {
	"nvme", NULL, NULL, "Replace an evicted NVMe device by a NEW one, or reuse it (same UUID)",
	DMG_CMD_STORAGE_REPLACE_NVME, NULL, replace_flags, NULL, 0, 0};
static const struct cli_node *const storepl_subs[] = {&n_sto_repl_nvme, NULL};
static const struct cli_node n_sto_replace = {
	"replace", NULL, NULL, "Replace storage devices", DMG_CMD_NONE, storepl_subs, NULL, NULL, 0,
	0};
static const struct cli_node n_sto_ident_vmd = {
	"vmd", NULL, NULL, "Blink the status LED of an NVMe device behind a VMD",
	DMG_CMD_STORAGE_IDENTIFY_VMD, NULL, identify_flags, NULL, 0, 0};
static const struct cli_node *const stoident_subs[] = {&n_sto_ident_vmd, NULL};
static const struct cli_node n_sto_identify = {
	"identify", NULL, NULL, "Identify storage devices (LED)", DMG_CMD_NONE, stoident_subs, NULL,
	NULL, 0, 0};
static const struct cli_node *const sto_subs[] = {&n_sto_format, &n_sto_identify, &n_sto_query,
						  &n_sto_replace, &n_sto_scan, &n_sto_set, NULL};
static const struct cli_node n_storage = {
	"storage", "sto", NULL, "Perform tasks related to the storage of the servers", DMG_CMD_NONE,
	sto_subs, NULL, NULL, 0, 0};

static const struct cli_node n_srv_slm = {
	"set-logmasks", "slm", NULL,
	"Set the engines' log masks (D_LOG_MASK syntax); without masks, reset them to the "
	"server config",
	DMG_CMD_SERVER_SET_LOGMASKS, NULL, slm_flags, "[masks]", 0, 1};
static const struct cli_node *const srv_subs[] = {&n_srv_slm, NULL};
static const struct cli_node n_server = {
	"server", "srv", NULL, "Perform tasks related to the servers", DMG_CMD_NONE, srv_subs, NULL,
	NULL, 0, 0};

static const struct cli_node n_pool_create = {
	"create", NULL, NULL, "Create a DAOS pool", DMG_CMD_POOL_CREATE, NULL, pcreate_flags,
	"[label]", 0, 1};
static const struct cli_node n_pool_destroy = {
	"destroy", NULL, NULL, "Destroy a DAOS pool", DMG_CMD_POOL_DESTROY, NULL, pdestroy_flags,
	"<pool>", 0, 1};
static const struct cli_node n_pool_exclude = {
	"exclude", NULL, NULL, "Exclude targets of a rank from a pool (no data is moved)",
	DMG_CMD_POOL_EXCLUDE, NULL, ptgt_flags, "<pool>", 0, 1};
static const struct cli_node n_pool_get_prop = {
	"get-prop", NULL, NULL, "Get a pool's properties", DMG_CMD_POOL_GET_PROP, NULL, NULL,
	"<pool> [name,name...]", 0, 2};
static const struct cli_node n_pool_list = {
	"list", "ls", NULL, "List the pools of the system", DMG_CMD_POOL_LIST, NULL, plist_flags,
	NULL, 0, 0};
static const struct cli_node n_pool_query = {
	"query", NULL, NULL, "Query a pool's state and space", DMG_CMD_POOL_QUERY, NULL,
	pquery_flags, "<pool>", 0, 1};
static const struct cli_node n_pool_query_targets = {
	"query-targets", NULL, NULL, "Query the state and space of a pool's targets on a rank",
	DMG_CMD_POOL_QUERY_TARGETS, NULL, pqt_flags, "<pool>", 0, 1};
static const struct cli_node n_pool_reint = {
	"reintegrate", "reint", NULL, "Reintegrate targets of a rank into a pool",
	DMG_CMD_POOL_REINTEGRATE, NULL, ptgt_flags, "<pool>", 0, 1};
static const struct cli_node n_pool_set_prop = {
	"set-prop", NULL, NULL, "Set pool properties", DMG_CMD_POOL_SET_PROP, NULL, NULL,
	"<pool> <name:value,name:value...>", 0, 2};
static const struct cli_node *const pool_subs[] = {
	&n_pool_create, &n_pool_destroy, &n_pool_exclude, &n_pool_get_prop, &n_pool_list,
	&n_pool_query, &n_pool_query_targets, &n_pool_reint, &n_pool_set_prop, NULL};
static const struct cli_node n_pool = {
	"pool", NULL, NULL, "Perform tasks related to DAOS pools", DMG_CMD_NONE, pool_subs, NULL,
	NULL, 0, 0};

static const struct cli_node n_tm_list = {
	"list", NULL, NULL, "List the metrics a DAOS server publishes",
	DMG_CMD_TELEMETRY_METRICS_LIST, NULL, tm_flags, NULL, 0, 0};
static const struct cli_node n_tm_query = {
	"query", NULL, NULL, "Query the values of a DAOS server's metrics",
	DMG_CMD_TELEMETRY_METRICS_QUERY, NULL, tm_query_flags, NULL, 0, 0};
static const struct cli_node *const tm_metrics_subs[] = {&n_tm_list, &n_tm_query, NULL};
static const struct cli_node n_tm_metrics = {
	"metrics", NULL, NULL, "Retrieve the metrics of one DAOS server (telemetry_port)",
	DMG_CMD_NONE, tm_metrics_subs, tm_flags, NULL, 0, 0};
static const struct cli_node n_tm_config = {
	"config", NULL, NULL,
	"Configure Prometheus ($HOME/.prometheus.yml) to scrape the servers of the host list",
	DMG_CMD_TELEMETRY_CONFIG, NULL, tm_config_flags, NULL, 0, 0};
static const struct cli_node *const tm_subs[] = {&n_tm_config, &n_tm_metrics, NULL};
static const struct cli_node n_telemetry = {
	"telemetry", "telem", NULL, "Perform telemetry operations", DMG_CMD_NONE, tm_subs, tm_flags,
	NULL, 0, 0};

static const struct cli_node *const root_subs[] = {&n_pool, &n_server, &n_storage, &n_system,
						   &n_telemetry, NULL};
static const struct cli_node n_root = {
	"dmg", NULL, NULL, "The DAOS management tool", DMG_CMD_NONE, root_subs, NULL, NULL, 0, 0};

static const struct cli_tree dmg_tree = {
	.ct_root        = &n_root,
	.ct_flags       = dmg_flags,
	.ct_nflags      = DMG_NFLAGS,
	.ct_global      = global_flags,
	.ct_help_id     = F_HELP,
	.ct_depth_max   = DMG_DEPTH_MAX,
	.ct_args_max    = DMG_ARGS_MAX,
	.ct_arg_len_max = DMG_ARG_LEN_MAX,
	.ct_name_single = true,
};

/* Leaf names for messages, indexed by enum dmg_cmd. */
static const char *const dmg_cmd_names[] = {
	[DMG_CMD_NONE]                = "",
	[DMG_CMD_SYSTEM_QUERY]        = "system query",
	[DMG_CMD_SYSTEM_STOP]         = "system stop",
	[DMG_CMD_SYSTEM_START]        = "system start",
	[DMG_CMD_SYSTEM_ERASE]        = "system erase",
	[DMG_CMD_SYSTEM_LEADER_QUERY] = "system leader-query",
	[DMG_CMD_STORAGE_SCAN]        = "storage scan",
	[DMG_CMD_STORAGE_FORMAT]      = "storage format",
	[DMG_CMD_STORAGE_QUERY_USAGE] = "storage query usage",
	[DMG_CMD_SERVER_SET_LOGMASKS] = "server set-logmasks",
	[DMG_CMD_SYSTEM_LIST_POOLS]   = "system list-pools",
	[DMG_CMD_POOL_CREATE]         = "pool create",
	[DMG_CMD_POOL_DESTROY]        = "pool destroy",
	[DMG_CMD_POOL_LIST]           = "pool list",
	[DMG_CMD_POOL_QUERY]          = "pool query",
	[DMG_CMD_POOL_QUERY_TARGETS]  = "pool query-targets",
	[DMG_CMD_POOL_GET_PROP]       = "pool get-prop",
	[DMG_CMD_POOL_SET_PROP]       = "pool set-prop",
	[DMG_CMD_POOL_EXCLUDE]        = "pool exclude",
	[DMG_CMD_POOL_REINTEGRATE]    = "pool reintegrate",
	[DMG_CMD_TELEMETRY_METRICS_LIST]  = "telemetry metrics list",
	[DMG_CMD_TELEMETRY_METRICS_QUERY] = "telemetry metrics query",
	[DMG_CMD_TELEMETRY_CONFIG]        = "telemetry config",
	[DMG_CMD_STORAGE_LIST_DEVICES]    = "storage query list-devices",
	[DMG_CMD_STORAGE_LIST_POOLS]      = "storage query list-pools",
	[DMG_CMD_STORAGE_DEVICE_HEALTH]   = "storage query device-health",
	[DMG_CMD_STORAGE_TARGET_HEALTH]   = "storage query target-health",
	[DMG_CMD_STORAGE_SET_FAULTY]      = "storage set nvme-faulty",
	[DMG_CMD_STORAGE_REPLACE_NVME]    = "storage replace nvme",
	[DMG_CMD_STORAGE_IDENTIFY_VMD]    = "storage identify vmd",
};

const char *
dmg_cmd_name(enum dmg_cmd cmd)
{
	if ((unsigned int)cmd >= sizeof(dmg_cmd_names) / sizeof(dmg_cmd_names[0]))
		return "";
	return dmg_cmd_names[cmd];
}

static const struct cli_flag *
flag_by_id(int id)
{
	return cli_flag_by_id(&dmg_tree, id);
}

static const struct cli_node *
args_node(const struct dmg_args *a)
{
	return a->da_path[a->da_depth - 1];
}

void
dmg_args_path(const struct dmg_args *args, char *buf, size_t len)
{
	cli_path(args->da_path, args->da_depth, buf, len);
}

/* --with-states: comma-separated state names, any case. */
static int
parse_states(const char *val, uint32_t *mask, char *errbuf, size_t errlen)
{
	char        q[CLI_QUOTE_MAX + 4];
	char        name[32];
	const char *p = val;
	uint32_t    m = 0;

	if (*val == '\0') {
		d_errbuf_printf(errbuf, errlen, "invalid --with-states: no state given");
		return -DER_INVAL;
	}
	for (;;) {
		const char *end = strchr(p, ',');
		size_t      len = end != NULL ? (size_t)(end - p) : strlen(p);
		uint32_t    st;

		if (len == 0 || len >= sizeof(name)) {
			d_errbuf_printf(errbuf, errlen,
					"invalid --with-states: %s state name in '%s'",
					len == 0 ? "empty" : "unknown",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (ms_state_from_name(name, &st) != 0) {
			d_errbuf_printf(errbuf, errlen,
					"invalid --with-states: unknown state '%s' (states: "
					"Unknown, AwaitFormat, Starting, Ready, Joined, Stopping, "
					"Stopped, Excluded, Errored, Unresponsive, AdminExcluded, "
					"CheckerStarted)",
					d_errbuf_quote(q, name, len, CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		/* Unknown is 0: give it a bit of its own outside the state bits. */
		m |= st != 0 ? st : (1u << 31);
		if (end == NULL)
			break;
		p = end + 1;
	}
	*mask = m;
	return 0;
}

/* An unsigned decimal integer in [min, max]. */
static int
parse_uint(const char *val, uint64_t min, uint64_t max, uint64_t *out)
{
	char              *end;
	unsigned long long v;

	if (*val < '0' || *val > '9' || strlen(val) > 20)
		return -DER_INVAL;
	errno = 0;
	v     = strtoull(val, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max)
		return -DER_INVAL;
	*out = v;
	return 0;
}

/* A size in bytes ("1T", "512G", "1.5GiB", "1073741824"). */
static int
parse_bytes(const char *flag, const char *val, bool zero_ok, uint64_t *out, char *errbuf,
	    size_t errlen)
{
	char q[CLI_QUOTE_MAX + 4];
	int  rc = ms_size_parse(val, out);

	if (rc == 0 && *out == 0 && !zero_ok)
		rc = -DER_INVAL;
	if (rc == 0)
		return 0;
	d_errbuf_printf(errbuf, errlen,
			"invalid %s: '%s' (expected a %ssize in bytes with an optional unit, e.g. "
			"512M, 10G, 1T, 1TiB)", flag, d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX),
			zero_ok ? "" : "non-zero ");
	return -DER_INVAL;
}

/* A percentage with at most two decimals, into *out. */
static int
parse_pct(const char *s, size_t len, double *out)
{
	char   buf[16];
	char  *end;
	char  *dot;
	double v;

	if (len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
		return -DER_INVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dot      = strchr(buf, '.');
	if (dot != NULL && (strlen(dot + 1) == 0 || strlen(dot + 1) > 2))
		return -DER_INVAL;
	for (char *p = buf; *p != '\0'; p++)
		if ((*p < '0' || *p > '9') && p != dot)
			return -DER_INVAL;
	v = strtod(buf, &end);
	if (*end != '\0' || v < 0.0 || v > 100.0)
		return -DER_INVAL;
	*out = v;
	return 0;
}

/* -z: bytes, or N% of the free space. */
static int
parse_pool_size(struct dmg_args *a, const char *val, char *errbuf, size_t errlen)
{
	char     q[CLI_QUOTE_MAX + 4];
	size_t   n = strlen(val);
	uint64_t pct;

	if (n > 1 && val[n - 1] == '%') {
		char num[8];

		if (n - 1 >= sizeof(num))
			goto bad_pct;
		memcpy(num, val, n - 1);
		num[n - 1] = '\0';
		if (parse_uint(num, 1, 100, &pct) != 0)
			goto bad_pct;
		a->da_size_pct = (uint32_t)pct;
		a->da_size     = 0;
		a->da_size_set = true;
		return 0;
	}
	a->da_size_pct = 0;
	a->da_size_set = true;
	return parse_bytes("--size", val, false, &a->da_size, errbuf, errlen);
bad_pct:
	d_errbuf_printf(errbuf, errlen, "invalid --size: '%s' (a percentage must be 1%% to 100%%)",
			d_errbuf_quote(q, val, n, CLI_QUOTE_MAX));
	return -DER_INVAL;
}

/* -t: "SCM,NVMe" percentages summing to 100, or "SCM" alone. */
static int
parse_tier_ratio(struct dmg_args *a, const char *val, char *errbuf, size_t errlen)
{
	char        q[CLI_QUOTE_MAX + 4];
	const char *comma = strchr(val, ',');
	double      r[2];
	int         rc;

	if (comma == NULL) {
		rc = parse_pct(val, strlen(val), &r[0]);
		r[1] = 100.0 - r[0];
	} else {
		rc = parse_pct(val, (size_t)(comma - val), &r[0]);
		if (rc == 0)
			rc = parse_pct(comma + 1, strlen(comma + 1), &r[1]);
		if (rc == 0 && (r[0] + r[1] < 99.995 || r[0] + r[1] > 100.005))
			rc = -DER_INVAL;
	}
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen,
				"invalid --tier-ratio: '%s' (expected SCM,NVMe percentages summing "
				"to 100, e.g. 6,94)",
				d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
		return -DER_INVAL;
	}
	a->da_tier_ratio[0]  = r[0];
	a->da_tier_ratio[1]  = r[1];
	a->da_tier_ratio_set = true;
	return 0;
}

/*
 * "name:value,name:value": a piece without ':' continues the previous value
 * ("self_heal:exclude,rebuild"). Every property is checked (at create when
 * @create) and stored canonical in *props (a new object).
 */
static int
parse_props(const char *flag, const char *val, bool create, json_t **props, char *errbuf,
	    size_t errlen)
{
	char        q[CLI_QUOTE_MAX + 4];
	char        name[64];
	char        value[MS_PROP_VALUE_MAX];
	char        canon[MS_PROP_VALUE_MAX];
	char        why[DMG_MSG_MAX];
	const char *p = val;
	json_t     *o;
	int         rc = 0;

	if (*val != '\0' && val[strlen(val) - 1] == ',') {
		d_errbuf_printf(errbuf, errlen, "invalid %s: trailing ','", flag);
		return -DER_INVAL;
	}
	o = json_object();
	if (o == NULL)
		return -DER_NOMEM;
	while (*p != '\0' && rc == 0) {
		const char *colon = strchr(p, ':');
		const char *end;
		size_t      nl, vl;

		if (colon == NULL || colon == p || (size_t)(colon - p) >= sizeof(name) ||
		    memchr(p, ',', (size_t)(colon - p)) != NULL) {
			d_errbuf_printf(errbuf, errlen,
					"invalid %s: '%s' (expected name:value,name:value)", flag,
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
			rc = -DER_INVAL;
			break;
		}
		nl = (size_t)(colon - p);
		memcpy(name, p, nl);
		name[nl] = '\0';
		/* The value runs to the next ",name:" (or the end). */
		end = colon + 1;
		for (;;) {
			const char *c = strchr(end, ',');
			const char *nc;

			if (c == NULL) {
				end += strlen(end);
				break;
			}
			nc = strchr(c + 1, ':');
			if (nc != NULL && memchr(c + 1, ',', (size_t)(nc - c - 1)) == NULL) {
				end = c;
				break;
			}
			end = c + 1;
		}
		vl = (size_t)(end - colon - 1);
		if (vl >= sizeof(value)) {
			d_errbuf_printf(errbuf, errlen, "invalid %s: the value of '%s' is too long",
					flag, name);
			rc = -DER_INVAL;
			break;
		}
		memcpy(value, colon + 1, vl);
		value[vl] = '\0';
		if (json_object_get(o, name) != NULL) {
			d_errbuf_printf(errbuf, errlen, "invalid %s: property '%s' given twice",
					flag, name);
			rc = -DER_INVAL;
			break;
		}
		rc = ms_pool_prop_check(name, value, create, canon, sizeof(canon), why,
					sizeof(why));
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid %s: %s", flag, why);
			rc = -DER_INVAL;
			break;
		}
		if (json_object_set_new(o, name, json_string(canon)) != 0)
			rc = -DER_NOMEM;
		p = *end == ',' ? end + 1 : end;
	}
	if (rc == 0 && json_object_size(o) == 0) {
		d_errbuf_printf(errbuf, errlen, "invalid %s: no property given", flag);
		rc = -DER_INVAL;
	}
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	json_decref(*props);
	*props = o;
	return 0;
}

/* -u/-g: a name, '@' appended when missing; printable, no blanks. */
static int
parse_principal(const char *flag, const char *val, char *out, char *errbuf, size_t errlen)
{
	char        q[CLI_QUOTE_MAX + 4];
	const char *at = strchr(val, '@');
	size_t      n  = strlen(val);
	bool        ok = n > 0 && n + (at == NULL ? 1 : 0) < DMG_PRINCIPAL_MAX && at != val &&
		  (at == NULL || strchr(at + 1, '@') == NULL);

	for (const char *p = val; ok && *p != '\0'; p++)
		ok = *p > 0x20 && *p < 0x7f;
	if (!ok) {
		d_errbuf_printf(errbuf, errlen, "invalid %s: '%s' is not a user or group name",
				flag, d_errbuf_quote(q, val, n, CLI_QUOTE_MAX));
		return -DER_INVAL;
	}
	snprintf(out, DMG_PRINCIPAL_MAX, "%s%s", val, at == NULL ? "@" : "");
	return 0;
}

/* -l/--host of telemetry: one host name or IPv4 address, without a port. */
static int
parse_tm_host(struct dmg_args *a, const char *val, char *errbuf, size_t errlen)
{
	char   q[CLI_QUOTE_MAX + 4];
	size_t n = strlen(val);
	bool   ok = n > 0 && n <= DMG_TM_HOST_MAX && val[0] != '-' && val[0] != '.';

	for (const char *p = val; ok && *p != '\0'; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		     (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_';
	if (!ok) {
		d_errbuf_printf(errbuf, errlen,
				"invalid --host: '%s' (expected one host name or IPv4 address, "
				"without a port: give the port with --port)",
				d_errbuf_quote(q, val, n, CLI_QUOTE_MAX));
		return -DER_INVAL;
	}
	a->da_tm_host = val;
	return 0;
}

/* A Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
static bool
tm_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > DMG_TM_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/* -m/--metrics: "name,name" into a new array (names checked, no repeats). */
static int
parse_tm_metrics(struct dmg_args *a, const char *val, char *errbuf, size_t errlen)
{
	char        q[CLI_QUOTE_MAX + 4];
	char        name[DMG_TM_NAME_MAX + 1];
	const char *p = val;
	json_t     *arr;
	int         rc = 0;

	if (a->da_tm_metrics != NULL) {
		d_errbuf_printf(errbuf, errlen, "--metrics given more than once");
		return -DER_INVAL;
	}
	arr = json_array();
	if (arr == NULL)
		return -DER_NOMEM;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t      n = c != NULL ? (size_t)(c - p) : strlen(p);

		if (!tm_name_ok(p, n)) {
			d_errbuf_printf(errbuf, errlen,
					"invalid --metrics: '%s' is not a metric name "
					"([a-zA-Z_:][a-zA-Z0-9_:]*, at most %d characters)",
					d_errbuf_quote(q, p, n, CLI_QUOTE_MAX), DMG_TM_NAME_MAX);
			rc = -DER_INVAL;
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		for (size_t i = 0; i < json_array_size(arr); i++)
			if (strcmp(json_string_value(json_array_get(arr, i)), name) == 0) {
				d_errbuf_printf(errbuf, errlen,
						"invalid --metrics: '%s' is given twice",
						d_errbuf_quote(q, name, n, CLI_QUOTE_MAX));
				rc = -DER_INVAL;
				break;
			}
		if (rc != 0)
			break;
		if (json_array_size(arr) >= DMG_TM_QUERY_NAMES_MAX) {
			d_errbuf_printf(errbuf, errlen, "invalid --metrics: more than %d names",
					DMG_TM_QUERY_NAMES_MAX);
			rc = -DER_INVAL;
			break;
		}
		if (json_array_append_new(arr, json_string(name)) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		if (c == NULL)
			break;
		p = c + 1;
	}
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	a->da_tm_metrics = arr;
	return 0;
}

/* --uuid, --old-uuid, --new-uuid: a UUID (36 characters). */
static int
parse_uuid(struct dmg_args *a, const struct cli_flag *f, const char *typed, const char *val,
	   char *errbuf, size_t errlen)
{
	char   q[CLI_QUOTE_MAX + 4];
	uuid_t u;

	if (strlen(val) != 36 || uuid_parse(val, u) != 0) {
		d_errbuf_printf(errbuf, errlen, "invalid %s: '%s' is not a UUID", typed,
				d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
		return -DER_INVAL;
	}
	if (f->f_id == F_NEW_UUID)
		a->da_new_uuid = val;
	else
		a->da_uuid = val;
	return 0;
}

/* Apply one flag and its value (NULL for booleans). */
static int
apply_flag(struct dmg_args *a, const struct cli_flag *f, const char *typed, const char *val,
	   char *errbuf, size_t errlen)
{
	char   msg[DMG_MSG_MAX];
	char **tmp;
	int    rc;

	switch (f->f_id) {
	case F_CONFIG:
		if (*val == '\0') {
			d_errbuf_printf(errbuf, errlen, "invalid -o/--config-path: empty path");
			return -DER_INVAL;
		}
		a->da_config_path = val;
		return 0;
	case F_HOSTLIST: {
		struct d_hostset hs;

		d_hostset_init(&hs);
		rc = d_hostset_parse(val, &hs, msg, sizeof(msg));
		if (rc == 0 && d_hostset_count(&hs) == 0) {
			snprintf(msg, sizeof(msg), "no host given");
			rc = -DER_INVAL;
		}
		if (rc == 0 && d_hostset_count(&hs) > DMG_HOSTS_MAX) {
			snprintf(msg, sizeof(msg), "more than %d hosts", DMG_HOSTS_MAX);
			rc = -DER_INVAL;
		}
		d_hostset_fini(&hs);
		if (rc == -DER_NOMEM)
			return rc;
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid -l/--host-list: %s", msg);
			return -DER_INVAL;
		}
		if (a->da_hostlist_nr >= DMG_ARGS_MAX) {
			d_errbuf_printf(errbuf, errlen, "too many -l/--host-list flags");
			return -DER_INVAL;
		}
		tmp = realloc(a->da_hostlist, (a->da_hostlist_nr + 1) * sizeof(*tmp));
		if (tmp == NULL)
			return -DER_NOMEM;
		a->da_hostlist = tmp;
		a->da_hostlist[a->da_hostlist_nr++] = (char *)val;
		return 0;
	}
	case F_INSECURE:
		a->da_insecure = true;
		return 0;
	case F_DEBUG:
		a->da_debug = true;
		return 0;
	case F_JSON:
		a->da_json = true;
		return 0;
	case F_RANKS: {
		struct d_rankset tmpset;

		d_rankset_init(&tmpset);
		rc = d_rankset_parse(val, &tmpset, msg, sizeof(msg));
		if (rc == 0 && d_rankset_count(&tmpset) == 0) {
			snprintf(msg, sizeof(msg), "empty rank set");
			rc = -DER_INVAL;
		}
		if (rc == 0)
			rc = d_rankset_union(&a->da_ranks, &a->da_ranks, &tmpset);
		d_rankset_fini(&tmpset);
		if (rc == -DER_NOMEM)
			return rc;
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid --ranks: %s", msg);
			return -DER_INVAL;
		}
		a->da_ranks_set = true;
		a->da_ranks_text = val;
		return 0;
	}
	case F_RANK_HOSTS:
	case F_HOST_RANKS: {
		struct d_hostset tmpset;

		d_hostset_init(&tmpset);
		rc = d_hostset_parse(val, &tmpset, msg, sizeof(msg));
		if (rc == 0 && d_hostset_count(&tmpset) == 0) {
			snprintf(msg, sizeof(msg), "no host given");
			rc = -DER_INVAL;
		}
		if (rc == 0)
			rc = d_hostset_union(&a->da_rank_hosts, &a->da_rank_hosts, &tmpset);
		d_hostset_fini(&tmpset);
		if (rc == -DER_NOMEM)
			return rc;
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid %s: %s", typed, msg);
			return -DER_INVAL;
		}
		a->da_rank_hosts_set = true;
		a->da_rank_hosts_text = val;
		a->da_rank_hosts_flag = f->f_id == F_RANK_HOSTS ? "--rank-hosts" : "--host-ranks";
		return 0;
	}
	case F_VERBOSE:
		a->da_verbose = true;
		return 0;
	case F_FORCE:
		a->da_force = true;
		return 0;
	case F_REPLACE:
		a->da_replace = true;
		return 0;
	case F_NOT_OK:
		a->da_not_ok = true;
		return 0;
	case F_DOWN_REPLICAS:
		a->da_down_replicas = true;
		return 0;
	case F_WITH_STATES: {
		uint32_t m;

		rc = parse_states(val, &m, errbuf, errlen);
		if (rc != 0)
			return rc;
		a->da_states |= m;
		a->da_states_set = true;
		return 0;
	}
	case F_MASKS: {
		uint8_t levels[D_FAC_NR] = {0};

		if (a->da_masks != NULL) {
			d_errbuf_printf(errbuf, errlen, "log masks given more than once");
			return -DER_INVAL;
		}
		rc = d_log_parse_masks(val, levels, msg, sizeof(msg));
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid log masks: %s", msg);
			return rc == -DER_NOMEM ? rc : -DER_INVAL;
		}
		a->da_masks = val;
		return 0;
	}
	case F_SIZE:
		return parse_pool_size(a, val, errbuf, errlen);
	case F_TIER_RATIO:
		return parse_tier_ratio(a, val, errbuf, errlen);
	case F_SCM_SIZE:
		a->da_scm_size_set = true;
		return parse_bytes("--scm-size", val, false, &a->da_scm_size, errbuf, errlen);
	case F_NVME_SIZE:
		a->da_nvme_size_set = true;
		return parse_bytes("--nvme-size", val, true, &a->da_nvme_size, errbuf, errlen);
	case F_NRANKS:
	case F_NSVC:
	case F_SMD_RANK:
	case F_RANK: {
		uint64_t v;
		uint64_t max = f->f_id == F_NRANKS ? MS_MEMBERS_MAX
			       : f->f_id == F_NSVC ? MS_POOL_SVC_MAX
						   : D_RANK_MAX;
		uint64_t min = f->f_id == F_RANK || f->f_id == F_SMD_RANK ? 0 : 1;
		char     q[CLI_QUOTE_MAX + 4];

		if (parse_uint(val, min, max, &v) != 0) {
			d_errbuf_printf(errbuf, errlen,
					"invalid %s: '%s' (expected an integer from %llu to %llu)",
					typed, d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX),
					(unsigned long long)min, (unsigned long long)max);
			return -DER_INVAL;
		}
		if (f->f_id == F_NRANKS) {
			a->da_nranks = (uint32_t)v;
		} else if (f->f_id == F_NSVC) {
			a->da_nsvc = (uint32_t)v;
		} else {
			a->da_rank     = (uint32_t)v;
			a->da_rank_set = true;
		}
		return 0;
	}
	case F_LABEL:
		if (!ms_label_valid(val)) {
			char q[CLI_QUOTE_MAX + 4];

			d_errbuf_printf(errbuf, errlen,
					"invalid --label: '%s' (1 to 127 of A-Z a-z 0-9 _ . : -, not "
					"a UUID)", d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		a->da_label = val;
		return 0;
	case F_PROPERTIES:
		return parse_props("--properties", val, true, &a->da_props, errbuf, errlen);
	case F_USER:
		return parse_principal("--user", val, a->da_user, errbuf, errlen);
	case F_GROUP:
		return parse_principal("--group", val, a->da_group, errbuf, errlen);
	case F_NO_QUERY:
		a->da_no_query = true;
		return 0;
	case F_POOL_FORCE:
		a->da_pool_force = true;
		return 0;
	case F_RECURSIVE:
		a->da_recursive = true;
		return 0;
	case F_SHOW_ENABLED:
		a->da_show_enabled = true;
		return 0;
	case F_SHOW_DISABLED:
		a->da_show_disabled = true;
		return 0;
	case F_TM_HOST:
		return parse_tm_host(a, val, errbuf, errlen);
	case F_DEV_UUID:
	case F_POOL_UUID:
	case F_OLD_UUID:
	case F_NEW_UUID:
		return parse_uuid(a, f, typed, val, errbuf, errlen);
	case F_HEALTH:
		a->da_health = true;
		return 0;
	case F_DEV_FORCE:
		a->da_dev_force = true;
		return 0;
	case F_NVME_META:
		a->da_nvme_meta = true;
		return 0;
	case F_NVME_HEALTH:
		a->da_nvme_health = true;
		return 0;
	case F_TGTID: {
		uint64_t v;
		char     q[CLI_QUOTE_MAX + 4];

		if (parse_uint(val, 0, DMG_NVME_TGTS_MAX - 1, &v) != 0) {
			d_errbuf_printf(errbuf, errlen,
					"invalid --tgtid: '%s' (expected an integer from 0 to %d)",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX),
					DMG_NVME_TGTS_MAX - 1);
			return -DER_INVAL;
		}
		a->da_tgtid     = (uint32_t)v;
		a->da_tgtid_set = true;
		return 0;
	}
	case F_TM_PORT:
	case F_TM_CFG_PORT: {
		uint64_t v;
		char     q[CLI_QUOTE_MAX + 4];

		if (parse_uint(val, 1, 65535, &v) != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid --port: '%s' (expected an "
					"integer from 1 to 65535)",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		a->da_tm_port     = (uint32_t)v;
		a->da_tm_port_set = true;
		return 0;
	}
	case F_TM_METRICS:
		return parse_tm_metrics(a, val, errbuf, errlen);
	case F_TM_INSTALL_DIR:
		if (*val == '\0' || strlen(val) >= DMG_TM_PATH_MAX - sizeof("/prometheus")) {
			d_errbuf_printf(errbuf, errlen, "invalid --install-dir: %s",
					*val == '\0' ? "empty path" : "path too long");
			return -DER_INVAL;
		}
		a->da_tm_install_dir = val;
		return 0;
	case F_TM_SYSTEM: {
		char q[CLI_QUOTE_MAX + 4];

		/* DAOS compares the name in lower case; Prometheus is the only one. */
		if (strcasecmp(val, "prometheus") != 0) {
			d_errbuf_printf(errbuf, errlen, "unsupported telemetry system: '%s' "
					"(supported: prometheus)",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		a->da_tm_system = val;
		return 0;
	}
	case F_TARGET_IDX: {
		struct d_rankset tmpset;

		d_rankset_init(&tmpset);
		rc = d_rankset_parse(val, &tmpset, msg, sizeof(msg));
		if (rc == 0 && d_rankset_count(&tmpset) == 0) {
			snprintf(msg, sizeof(msg), "empty target list");
			rc = -DER_INVAL;
		}
		if (rc == 0 && tmpset.rs_ranges[tmpset.rs_nr - 1].rr_hi >= 64) {
			snprintf(msg, sizeof(msg), "target index %u is above 63",
				 tmpset.rs_ranges[tmpset.rs_nr - 1].rr_hi);
			rc = -DER_INVAL;
		}
		if (rc == 0)
			rc = d_rankset_union(&a->da_tgt_idx, &a->da_tgt_idx, &tmpset);
		d_rankset_fini(&tmpset);
		if (rc == -DER_NOMEM)
			return rc;
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid --target-idx: %s", msg);
			return -DER_INVAL;
		}
		a->da_tgt_idx_set = true;
		return 0;
	}
	default:
		break;
	}
	d_errbuf_printf(errbuf, errlen, "internal error: flag %d", f->f_id);
	return -DER_INVAL;
}

/* cli_parse()'s flag callback: dmg's messages name the flag as typed ("--ranks"). */
static int
on_flag(void *arg, const struct cli_flag *f, const char *val, char *errbuf, size_t errlen)
{
	char typed[CLI_FLAG_LABEL_MAX + 8];

	snprintf(typed, sizeof(typed), "--%s", f->f_long);
	return apply_flag(arg, f, typed, val, errbuf, errlen);
}

/* cli_parse()'s word callback: a leaf's positional argument (set-logmasks'
 * is its masks); 1 when the leaf takes no more. */
static int
on_word(void *arg, const struct cli_node *leaf, const char *word, char *errbuf, size_t errlen)
{
	struct dmg_args *a = arg;

	if (leaf->n_args == NULL || a->da_pos_nr >= leaf->n_pos_max || a->da_pos_nr >= DMG_POS_MAX)
		return 1;
	if (leaf->n_cmd == DMG_CMD_SERVER_SET_LOGMASKS) {
		a->da_pos_nr++;
		return apply_flag(a, flag_by_id(F_MASKS), "--masks", word, errbuf, errlen);
	}
	a->da_pos[a->da_pos_nr++] = word;
	return 0;
}

/* A pool named by label or UUID. */
static bool
pool_id_ok(const char *s)
{
	uuid_t u;

	return ms_label_valid(s) || (strlen(s) == 36 && uuid_parse(s, u) == 0);
}

/* get-prop's names: "name,name" of known properties, into a new array. */
static int
parse_prop_names(struct dmg_args *a, const char *val, char *errbuf, size_t errlen)
{
	char        q[CLI_QUOTE_MAX + 4];
	char        name[64];
	const char *p = val;
	json_t     *arr = json_array();

	if (arr == NULL)
		return -DER_NOMEM;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t      n = c != NULL ? (size_t)(c - p) : strlen(p);

		if (n == 0 || n >= sizeof(name)) {
			d_errbuf_printf(errbuf, errlen, "invalid property names '%s'",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
			json_decref(arr);
			return -DER_INVAL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (ms_pool_prop_find(name) < 0) {
			d_errbuf_printf(errbuf, errlen, "unknown pool property '%s'",
					d_errbuf_quote(q, name, n, CLI_QUOTE_MAX));
			json_decref(arr);
			return -DER_INVAL;
		}
		if (json_array_size(arr) >= DMG_PROPS_MAX ||
		    json_array_append_new(arr, json_string(name)) != 0) {
			json_decref(arr);
			return -DER_NOMEM;
		}
		if (c == NULL)
			break;
		p = c + 1;
	}
	a->da_prop_names = arr;
	return 0;
}

/* The pool commands' positional arguments and flag rules. */
static int
check_pool(struct dmg_args *a, char *errbuf, size_t errlen)
{
	char q[CLI_QUOTE_MAX + 4];
	int  rc;

	switch (a->da_cmd) {
	case DMG_CMD_POOL_CREATE:
		if (a->da_pos_nr > 0) {
			if (!ms_label_valid(a->da_pos[0])) {
				d_errbuf_printf(errbuf, errlen,
						"invalid pool label '%s' (1 to 127 of A-Z a-z 0-9 _ "
						". : -, not a UUID)",
						d_errbuf_quote(q, a->da_pos[0], strlen(a->da_pos[0]),
							       CLI_QUOTE_MAX));
				return -DER_INVAL;
			}
			if (a->da_label != NULL && strcmp(a->da_label, a->da_pos[0]) != 0) {
				d_errbuf_printf(errbuf, errlen,
						"the pool label is given twice: '%s' and --label '%s'",
						a->da_pos[0], a->da_label);
				return -DER_INVAL;
			}
			a->da_label = a->da_pos[0];
		}
		if (a->da_props != NULL && json_object_get(a->da_props, "label") != NULL) {
			const char *pl = json_string_value(json_object_get(a->da_props, "label"));

			if (a->da_label != NULL && strcmp(a->da_label, pl) != 0) {
				d_errbuf_printf(errbuf, errlen,
						"the pool label is given twice: '%s' and property "
						"label '%s'", a->da_label, pl);
				return -DER_INVAL;
			}
			a->da_label = pl;
		}
		if (a->da_size_set && (a->da_scm_size_set || a->da_nvme_size_set)) {
			d_errbuf_printf(errbuf, errlen,
					"--size cannot be used with --scm-size or --nvme-size");
			return -DER_INVAL;
		}
		if (!a->da_size_set && !a->da_scm_size_set) {
			d_errbuf_printf(errbuf, errlen,
					"the pool size is missing: give --size, or --scm-size (and "
					"--nvme-size)");
			return -DER_INVAL;
		}
		if (a->da_tier_ratio_set && !a->da_size_set) {
			d_errbuf_printf(errbuf, errlen, "--tier-ratio goes with --size");
			return -DER_INVAL;
		}
		if (a->da_tier_ratio_set && a->da_size_pct != 0) {
			d_errbuf_printf(errbuf, errlen,
					"--tier-ratio cannot be used with a percentage --size");
			return -DER_INVAL;
		}
		if (a->da_nranks != 0 && a->da_ranks_set) {
			d_errbuf_printf(errbuf, errlen,
					"--nranks and --ranks cannot be used together");
			return -DER_INVAL;
		}
		return 0;
	case DMG_CMD_POOL_LIST:
	case DMG_CMD_SYSTEM_LIST_POOLS:
		return 0;
	default:
		break;
	}
	if (a->da_pos_nr == 0) {
		d_errbuf_printf(errbuf, errlen, "the required argument `<pool>' was not provided");
		return -DER_INVAL;
	}
	if (!pool_id_ok(a->da_pos[0])) {
		d_errbuf_printf(errbuf, errlen, "invalid pool label or UUID '%s'",
				d_errbuf_quote(q, a->da_pos[0], strlen(a->da_pos[0]), CLI_QUOTE_MAX));
		return -DER_INVAL;
	}
	a->da_pool = a->da_pos[0];
	switch (a->da_cmd) {
	case DMG_CMD_POOL_QUERY_TARGETS:
	case DMG_CMD_POOL_EXCLUDE:
	case DMG_CMD_POOL_REINTEGRATE:
		if (!a->da_rank_set) {
			d_errbuf_printf(errbuf, errlen,
					"the required flag `--rank' was not specified");
			return -DER_INVAL;
		}
		return 0;
	case DMG_CMD_POOL_SET_PROP:
		if (a->da_pos_nr < 2) {
			d_errbuf_printf(errbuf, errlen,
					"the required argument `<name:value,name:value...>' was not "
					"provided");
			return -DER_INVAL;
		}
		return parse_props("properties", a->da_pos[1], false, &a->da_props, errbuf, errlen);
	case DMG_CMD_POOL_GET_PROP:
		if (a->da_pos_nr < 2)
			return 0;
		rc = parse_prop_names(a, a->da_pos[1], errbuf, errlen);
		return rc;
	default:
		return 0;
	}
}

/* The SSD management commands' required flags. */
static int
check_nvme(struct dmg_args *a, char *errbuf, size_t errlen)
{
	const char *missing = NULL;

	switch (a->da_cmd) {
	case DMG_CMD_STORAGE_DEVICE_HEALTH:
	case DMG_CMD_STORAGE_SET_FAULTY:
	case DMG_CMD_STORAGE_IDENTIFY_VMD:
		if (a->da_uuid == NULL)
			missing = "-u, --uuid";
		break;
	case DMG_CMD_STORAGE_TARGET_HEALTH:
		if (!a->da_rank_set)
			missing = "-r, --rank";
		else if (!a->da_tgtid_set)
			missing = "-t, --tgtid";
		break;
	case DMG_CMD_STORAGE_REPLACE_NVME:
		if (a->da_uuid == NULL)
			missing = "--old-uuid";
		else if (a->da_new_uuid == NULL)
			missing = "--new-uuid";
		break;
	case DMG_CMD_STORAGE_SCAN:
		if (a->da_nvme_meta && a->da_nvme_health) {
			d_errbuf_printf(errbuf, errlen,
					"--nvme-meta and --nvme-health cannot be used together");
			return -DER_INVAL;
		}
		if (a->da_verbose && (a->da_nvme_meta || a->da_nvme_health)) {
			d_errbuf_printf(errbuf, errlen,
					"--verbose cannot be used with --nvme-meta or --nvme-health");
			return -DER_INVAL;
		}
		break;
	default:
		break;
	}
	if (missing != NULL) {
		d_errbuf_printf(errbuf, errlen, "the required flag `%s' was not specified",
				missing);
		return -DER_INVAL;
	}
	return 0;
}

/* Rules that involve several flags. */
static int
check_combinations(struct dmg_args *a, char *errbuf, size_t errlen)
{
	if (a->da_ranks_set && a->da_rank_hosts_set) {
		d_errbuf_printf(errbuf, errlen, "--ranks and %s cannot be used together",
				a->da_rank_hosts_flag);
		return -DER_INVAL;
	}
	if (a->da_not_ok && a->da_states_set) {
		d_errbuf_printf(errbuf, errlen, "--not-ok and --with-states cannot be used together");
		return -DER_INVAL;
	}
	return 0;
}

int
dmg_args_parse(int argc, char **argv, struct dmg_args *a, char *errbuf, size_t errlen)
{
	struct cli_parser p = {
		.cp_tree  = &dmg_tree,
		.cp_path  = a->da_path,
		.cp_depth = &a->da_depth,
		.cp_help  = &a->da_help,
		.cp_flag  = on_flag,
		.cp_word  = on_word,
		.cp_arg   = a,
	};
	int rc;

	memset(a, 0, sizeof(*a));
	d_rankset_init(&a->da_ranks);
	d_hostset_init(&a->da_rank_hosts);
	d_rankset_init(&a->da_tgt_idx);
	a->da_tm_port = DMG_TM_DEFAULT_PORT;
	rc = cli_parse(&p, argc, argv, errbuf, errlen);
	if (rc != 0 || a->da_help)
		return rc;
	rc = check_combinations(a, errbuf, errlen);
	if (rc != 0)
		return rc;
	a->da_cmd = args_node(a)->n_cmd;
	if (a->da_cmd >= DMG_CMD_SYSTEM_LIST_POOLS && a->da_cmd <= DMG_CMD_POOL_REINTEGRATE) {
		rc = check_pool(a, errbuf, errlen);
		if (rc != 0)
			a->da_cmd = DMG_CMD_NONE;
	}
	if (rc == 0) {
		rc = check_nvme(a, errbuf, errlen);
		if (rc != 0)
			a->da_cmd = DMG_CMD_NONE;
	}
	return rc;
}

void
dmg_args_fini(struct dmg_args *a)
{
	d_rankset_fini(&a->da_ranks);
	d_hostset_fini(&a->da_rank_hosts);
	d_rankset_fini(&a->da_tgt_idx);
	json_decref(a->da_props);
	json_decref(a->da_prop_names);
	json_decref(a->da_tm_metrics);
	a->da_props      = NULL;
	a->da_prop_names = NULL;
	a->da_tm_metrics = NULL;
	free(a->da_hostlist);
	a->da_hostlist = NULL;
	a->da_hostlist_nr = 0;
}

int
dmg_args_usage(const struct dmg_args *a, struct cli_out *out)
{
	return cli_usage(&dmg_tree, a->da_path, a->da_depth, out);
}
