/*
 * config_client.c: daos_control.yml (dmg) and daos_agent.yml (see config.h).
 *
 * Both share the schema walk of config_schema.c. dmg's hostlist entries may be
 * ranges ("node[1-8]:10001"); they are expanded with d_hostset_parse() into
 * cc_hosts, every host with a port. The agent's access_points are single hosts
 * (ports filled in from `port`, no duplicates); unlike the server it does not
 * need an odd count, since it only has to reach one of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/hostset.h"
#include "control/config_internal.h"

#define CLI_PORT_MAX 65535

/* A hostlist entry: one host set pattern, checked by the host set parser. */
static int
ctl_check_hostlist(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	struct d_hostset set;
	char             err[256];
	int              rc;

	d_hostset_init(&set);
	rc = d_hostset_parse(*str, &set, err, sizeof(err));
	if (rc == 0 && d_hostset_count(&set) == 0) {
		snprintf(err, sizeof(err), "no host in the entry");
		rc = -DER_INVAL;
	}
	if (rc == 0 && d_hostset_count(&set) > CTL_HOSTS_MAX) {
		snprintf(err, sizeof(err), "more than %d hosts", CTL_HOSTS_MAX);
		rc = -DER_INVAL;
	}
	d_hostset_fini(&set);
	if (rc == -DER_NOMEM)
		return rc;
	if (rc != 0) {
		cfg_error(ctx, node, "%s", err);
		return -DER_INVAL;
	}
	return 0;
}

/* transport_config of a client (dmg, agent): no client_cert_dir. */
static const struct cfg_key cli_transport_keys[] = {
	CK_BOOL("allow_insecure", struct cfg_transport, tr_allow_insecure, 0),
	CK_STR("ca_cert", struct cfg_transport, tr_ca_cert, CFG_PATH_MAX, NULL, 0, NULL),
	CK_STR("cert", struct cfg_transport, tr_cert, CFG_PATH_MAX, NULL, 0, NULL),
	CK_STR("key", struct cfg_transport, tr_key, CFG_PATH_MAX, NULL, 0, NULL),
};
static const struct cfg_schema cli_transport_schema = CFG_SCHEMA(cli_transport_keys);

/*
 * daos_control.yml
 */
static const struct cfg_key ctl_keys[] = {
	CK_STR("name", struct ctl_config, cc_name, CFG_NAME_MAX, CFG_DEFAULT_NAME, 0,
	       cfg_check_sysname),
	CK_UINT("port", struct ctl_config, cc_port, 1, CLI_PORT_MAX, CFG_DEFAULT_PORT, 0),
	CK_LIST("hostlist", struct ctl_config, cc_hostlist, 1, CTL_HOSTLIST_MAX, CFG_STR_MAX,
		"localhost", 0, ctl_check_hostlist),
	CK_MAP("transport_config", struct ctl_config, cc_transport, &cli_transport_schema),
};
static const struct cfg_schema ctl_schema = CFG_SCHEMA(ctl_keys);

/* Expand the hostlist into cc_hosts, adding ":port" to hosts without one. */
static int
ctl_expand_hosts(struct cfg_ctx *ctx, const struct ydoc_node *root, struct ctl_config *cfg)
{
	struct d_hostset set;
	char             host[D_HOSTSET_HOST_BUF];
	char             path[CFG_KEYPATH_BUF];
	uint32_t         i, h;
	int              rc = 0;

	d_hostset_init(&cfg->cc_hosts);
	for (i = 0; i < cfg->cc_hostlist.sl_nr && rc == 0; i++) {
		d_hostset_init(&set);
		/* Checked by ctl_check_hostlist: only memory can fail now. */
		rc = d_hostset_parse(cfg->cc_hostlist.sl_items[i], &set, NULL, 0);
		for (h = 0; rc == 0 && h < d_hostset_count(&set); h++) {
			if (d_hostset_count(&cfg->cc_hosts) >= CTL_HOSTS_MAX) {
				snprintf(path, sizeof(path), "hostlist[%u]", i);
				cfg_error_path(ctx, cfg_key_line(root, "hostlist"), path,
					       "more than %d hosts in the hostlist",
					       CTL_HOSTS_MAX);
				rc = -DER_INVAL;
				break;
			}
			rc = d_hostset_get(&set, h, host, sizeof(host));
			if (rc == 0 && set.hs_hosts[h].he_port == 0) {
				size_t n = strlen(host);

				/* D_HOSTSET_HOST_BUF has room for ":65535". */
				snprintf(host + n, sizeof(host) - n, ":%u", cfg->cc_port);
			}
			if (rc == 0)
				rc = d_hostset_add(&cfg->cc_hosts, host);
		}
		d_hostset_fini(&set);
	}
	return rc;
}

static int
ctl_post(struct cfg_ctx *ctx, const struct ydoc_node *root, void *obj)
{
	struct ctl_config *cfg = obj;
	int                rc;

	rc = cfg_check_transport(ctx, root, &cfg->cc_transport);
	if (rc != 0)
		return rc;
	return ctl_expand_hosts(ctx, root, cfg);
}

void
ctl_config_free(struct ctl_config *cfg)
{
	if (cfg == NULL)
		return;
	cfg_free_obj(&ctl_schema, cfg);
	d_hostset_fini(&cfg->cc_hosts);
	memset(cfg, 0, sizeof(*cfg));
}

static void
ctl_free_obj(void *obj)
{
	ctl_config_free(obj);
}

static const struct cfg_file_ops ctl_ops = {
	.fo_schema       = &ctl_schema,
	.fo_size         = sizeof(struct ctl_config),
	.fo_default_name = "daos_control.yml",
	.fo_post         = ctl_post,
	.fo_free         = ctl_free_obj,
};

int
ctl_config_parse(const char *buf, size_t len, const char *name, struct ctl_config *cfg,
		 char *errbuf, size_t errlen)
{
	return cfg_run(&ctl_ops, buf, len, name, cfg, errbuf, errlen);
}

int
ctl_config_load(const char *path, struct ctl_config *cfg, char *errbuf, size_t errlen)
{
	return cfg_load(&ctl_ops, path, cfg, errbuf, errlen);
}

/*
 * daos_agent.yml
 */
static const struct cfg_key agent_dev_keys[] = {
	CK_STR("iface", struct agent_fabric_dev, fd_iface, CFG_IFNAME_MAX, NULL, CK_REQUIRED,
	       cfg_check_ifname),
	CK_STR("domain", struct agent_fabric_dev, fd_domain, CFG_STR_MAX, NULL, 0, NULL),
};
static const struct cfg_schema agent_dev_schema = CFG_SCHEMA(agent_dev_keys);

static const struct cfg_key agent_numa_keys[] = {
	CK_UINT("numa_node", struct agent_numa_ifaces, ni_numa_node, 0, CFG_NUMA_MAX, 0,
		CK_REQUIRED),
	CK_MAPLIST("devices", struct agent_numa_ifaces, ni_devs, ni_devs_nr, 1,
		   AGENT_NUMA_DEVS_MAX, &agent_dev_schema, CK_REQUIRED),
};
static const struct cfg_schema agent_numa_schema = CFG_SCHEMA(agent_numa_keys);

static const struct cfg_key agent_keys[] = {
	CK_STR("name", struct agent_config, ac_name, CFG_NAME_MAX, CFG_DEFAULT_NAME, 0,
	       cfg_check_sysname),
	CK_LIST("access_points", struct agent_config, ac_access_points, 1, CFG_AP_MAX,
		D_HOSTSET_NAME_MAX + 6, "localhost", 0, cfg_check_host),
	CK_UINT("port", struct agent_config, ac_port, 1, CLI_PORT_MAX, CFG_DEFAULT_PORT, 0),
	CK_MAP("transport_config", struct agent_config, ac_transport, &cli_transport_schema),
	CK_STR("runtime_dir", struct agent_config, ac_runtime_dir, CFG_PATH_MAX,
	       AGENT_DEFAULT_RUNTIME_DIR, CK_ABSPATH, NULL),
	CK_STR("log_file", struct agent_config, ac_log_file, CFG_PATH_MAX, AGENT_DEFAULT_LOG_FILE,
	       0, NULL),
	CK_ENUM("control_log_mask", struct agent_config, ac_control_log_mask,
		cfg_log_level_names, CFG_LOG_INFO),
	CK_BOOL("disable_caching", struct agent_config, ac_disable_caching, 0),
	CK_UINT("cache_expiration", struct agent_config, ac_cache_expiration_min, 0,
		AGENT_CACHE_EXP_MAX, 0, 0),
	CK_BOOL("disable_auto_evict", struct agent_config, ac_disable_auto_evict, 0),
	CK_BOOL("enable_evict_on_start", struct agent_config, ac_enable_evict_on_start, 0),
	CK_LIST("exclude_fabric_ifaces", struct agent_config, ac_exclude_fabric_ifaces, 0,
		AGENT_EXCLUDE_MAX, CFG_IFNAME_MAX, NULL, CK_UNIQUE, cfg_check_ifname),
	CK_MAPLIST("fabric_ifaces", struct agent_config, ac_fabric_ifaces, ac_fabric_ifaces_nr, 0,
		   AGENT_NUMA_MAX, &agent_numa_schema, 0),
	CK_UINT("telemetry_port", struct agent_config, ac_telemetry_port, 1, CLI_PORT_MAX,
		AGENT_DEFAULT_TELEMETRY_PORT, 0),
	CK_BOOL("telemetry_enabled", struct agent_config, ac_telemetry_enabled, 0),
	CK_DURATION("telemetry_retain", struct agent_config, ac_telemetry_retain_s,
		    AGENT_RETAIN_MAX),
};
static const struct cfg_schema agent_schema = CFG_SCHEMA(agent_keys);

static int
agent_post(struct cfg_ctx *ctx, const struct ydoc_node *root, void *obj)
{
	struct agent_config    *cfg = obj;
	const struct ydoc_node *fi  = ydoc_map_get(root, "fabric_ifaces");
	char                    path[CFG_KEYPATH_BUF];
	uint32_t                i, j;
	int                     rc;

	rc = cfg_norm_access_points(ctx, root, &cfg->ac_access_points, cfg->ac_port, false);
	if (rc != 0)
		return rc;
	rc = cfg_check_transport(ctx, root, &cfg->ac_transport);
	if (rc != 0)
		return rc;
	for (i = 0; i < cfg->ac_fabric_ifaces_nr; i++) {
		for (j = 0; j < i; j++) {
			if (cfg->ac_fabric_ifaces[i].ni_numa_node !=
			    cfg->ac_fabric_ifaces[j].ni_numa_node)
				continue;
			/* The walk succeeded: fabric_ifaces is a list of maps. */
			snprintf(path, sizeof(path), "fabric_ifaces[%u].numa_node", i);
			cfg_error_path(ctx, cfg_key_line(fi->yn_items[i], "numa_node"), path,
				       "NUMA node %u is also listed in fabric_ifaces[%u]",
				       cfg->ac_fabric_ifaces[i].ni_numa_node, j);
			return -DER_INVAL;
		}
	}
	return 0;
}

void
agent_config_free(struct agent_config *cfg)
{
	if (cfg == NULL)
		return;
	cfg_free_obj(&agent_schema, cfg);
	memset(cfg, 0, sizeof(*cfg));
}

static void
agent_free_obj(void *obj)
{
	agent_config_free(obj);
}

static const struct cfg_file_ops agent_ops = {
	.fo_schema       = &agent_schema,
	.fo_size         = sizeof(struct agent_config),
	.fo_default_name = "daos_agent.yml",
	.fo_post         = agent_post,
	.fo_free         = agent_free_obj,
};

int
agent_config_parse(const char *buf, size_t len, const char *name, struct agent_config *cfg,
		   char *errbuf, size_t errlen)
{
	return cfg_run(&agent_ops, buf, len, name, cfg, errbuf, errlen);
}

int
agent_config_load(const char *path, struct agent_config *cfg, char *errbuf, size_t errlen)
{
	return cfg_load(&agent_ops, path, cfg, errbuf, errlen);
}
