/*
 * config_server.c: daos_server.yml (see config.h).
 *
 * The key tables below give every key's type, range and default; the walk in
 * config_schema.c applies them. srv_post() then checks what a single key
 * cannot: access points (ports filled in, no duplicates, odd count), the
 * transport, port clashes, each engine's placement, fabric port range,
 * provider and storage tiers (class by position, keys allowed per class,
 * device syntax per class, bdev_roles rules), and what engines must not share
 * (scm_mount, bdev devices and files, log files, fabric ports on one
 * interface).
 *
 * Fabric ports: an engine listens on fabric_iface_port (its system context)
 * and on the next `targets` ports (one per target), so it owns
 * [fabric_iface_port, fabric_iface_port + targets]. The control server owns
 * `port`, its Raft replica `port + 1` and `telemetry_port`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "gurt/errbuf.h"
#include "control/config_internal.h"

/* One GiB (scm_size, system_ram_reserved) and one GB (bdev_size, base 10 as in DAOS). */
#define SRV_GIB (1ull << 30)
#define SRV_GB  1000000000ull
/* Highest TCP port. */
#define SRV_PORT_MAX 65535

static const char *const srv_tier_names[] = {"ram", "dcpm", "file", "kdev", "nvme", NULL};
static const char *const srv_role_names[] = {"wal", "meta", "data", NULL};

const char *
srv_tier_class_name(int cls)
{
	if (cls < SRV_TIER_RAM || cls > SRV_TIER_NVME)
		return NULL;
	return srv_tier_names[cls];
}

/* engines[].log_mask: D_LOG_MASK syntax, checked by the log's own parser. */
static int
srv_check_log_mask(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	uint8_t levels[D_FAC_NR] = {0};
	char    err[D_LOG_ERRBUF_SIZE];

	if (d_log_parse_masks(*str, levels, err, sizeof(err)) != 0) {
		cfg_error(ctx, node, "%s", err);
		return -DER_INVAL;
	}
	return 0;
}

/* fault_path: "/level1/level2...", non-empty printable components. */
static int
srv_check_fault_path(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	const char *p = *str;
	char        q[CFG_QUOTE_BUF];
	unsigned    depth = 0;

	if (*p != '/' || p[1] == '\0') {
		cfg_error(ctx, node, "'%s' is not a fault domain path (expected e.g. /rack1/host1)",
			  cfg_quote(q, *str));
		return -DER_INVAL;
	}
	while (*p == '/') {
		p++;
		if (*p == '/' || *p == '\0') {
			cfg_error(ctx, node, "'%s' has an empty level", cfg_quote(q, *str));
			return -DER_INVAL;
		}
		depth++;
		for (; *p != '/' && *p != '\0'; p++) {
			if (*p == ' ' || (unsigned char)*p > 0x7e) {
				cfg_error(ctx, node,
					  "'%s' is not a fault domain path (expected e.g. "
					  "/rack1/host1)",
					  cfg_quote(q, *str));
				return -DER_INVAL;
			}
		}
	}
	if (depth > SRV_FAULT_DEPTH_MAX) {
		cfg_error(ctx, node, "'%s' has %u levels (max %d)", cfg_quote(q, *str), depth,
			  SRV_FAULT_DEPTH_MAX);
		return -DER_INVAL;
	}
	return 0;
}

/* bdev_busid_range: "0xNN-0xNN" (or without 0x), start <= end <= 0xff. */
static int
srv_check_busid_range(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str)
{
	char          q[CFG_QUOTE_BUF];
	unsigned long lo, hi;
	char         *end;
	const char   *p = *str;

	lo = strtoul(p, &end, 16);
	if (end == p || *end != '-' || end[1] == '-' || end[1] == '+' || *p == '-' || *p == '+')
		goto bad;
	p  = end + 1;
	hi = strtoul(p, &end, 16);
	if (end == p || *end != '\0' || lo > hi || hi > 0xff)
		goto bad;
	return 0;
bad:
	cfg_error(ctx, node, "'%s' is not a PCI bus range (expected e.g. 0x80-0x8f)",
		  cfg_quote(q, *str));
	return -DER_INVAL;
}

/*
 * Key tables.
 */
static const struct cfg_key srv_tier_keys[] = {
	CK_ENUM_REQ("class", struct srv_tier_cfg, tc_class, srv_tier_names),
	CK_STR("scm_mount", struct srv_tier_cfg, tc_scm_mount, CFG_PATH_MAX, NULL, CK_ABSPATH,
	       NULL),
	CK_UINT_UNIT("scm_size", struct srv_tier_cfg, tc_scm_size_bytes, 0, SRV_SCM_SIZE_GIB_MAX,
		     0, SRV_GIB, 0),
	CK_BOOL("scm_hugepages_disabled", struct srv_tier_cfg, tc_scm_hugepages_disabled, 0),
	CK_LIST("scm_list", struct srv_tier_cfg, tc_scm_list, 0, SRV_BDEVS_MAX, CFG_PATH_MAX,
		NULL, CK_ABSPATH | CK_UNIQUE, NULL),
	CK_LIST("bdev_list", struct srv_tier_cfg, tc_bdev_list, 0, SRV_BDEVS_MAX, CFG_PATH_MAX,
		NULL, CK_UNIQUE, NULL),
	CK_UINT_UNIT("bdev_size", struct srv_tier_cfg, tc_bdev_size_bytes, 1, SRV_BDEV_SIZE_GB_MAX,
		     0, SRV_GB, 0),
	CK_FLAGS("bdev_roles", struct srv_tier_cfg, tc_bdev_roles, srv_role_names),
	CK_STR("bdev_busid_range", struct srv_tier_cfg, tc_bdev_busid_range, CFG_STR_MAX, NULL, 0,
	       srv_check_busid_range),
};
static const struct cfg_schema srv_tier_schema = CFG_SCHEMA(srv_tier_keys);

static const struct cfg_key srv_faulty_keys[] = {
	CK_BOOL("enable", struct srv_auto_faulty, af_enable, 1),
	CK_UINT("max_io_errs", struct srv_auto_faulty, af_max_io_errs, 0, UINT32_MAX, 10, 0),
	CK_UINT("max_csum_errs", struct srv_auto_faulty, af_max_csum_errs, 0, UINT32_MAX,
		UINT32_MAX, 0),
};
static const struct cfg_schema srv_faulty_schema = CFG_SCHEMA(srv_faulty_keys);

static const struct cfg_key srv_engine_keys[] = {
	CK_UINT("targets", struct srv_engine_cfg, ec_targets, 1, SRV_TARGETS_MAX, 0, CK_REQUIRED),
	CK_UINT("nr_xs_helpers", struct srv_engine_cfg, ec_nr_xs_helpers, 0, SRV_HELPERS_MAX,
		SRV_DEFAULT_HELPERS, 0),
	CK_UINT_SET("first_core", struct srv_engine_cfg, ec_first_core, ec_first_core_set, 0,
		    SRV_CORE_MAX),
	CK_UINT_SET("pinned_numa_node", struct srv_engine_cfg, ec_pinned_numa_node,
		    ec_pinned_numa_node_set, 0, CFG_NUMA_MAX),
	CK_STR("fabric_iface", struct srv_engine_cfg, ec_fabric_iface, CFG_IFNAME_MAX, NULL,
	       CK_REQUIRED, cfg_check_ifname),
	CK_UINT("fabric_iface_port", struct srv_engine_cfg, ec_fabric_iface_port, 1, SRV_PORT_MAX,
		0, CK_REQUIRED),
	CK_STR("provider", struct srv_engine_cfg, ec_provider, CFG_STR_MAX, NULL, 0,
	       cfg_check_provider),
	CK_UINT("crt_timeout", struct srv_engine_cfg, ec_crt_timeout_s, 1, CFG_CRT_TIMEOUT_MAX, 0,
		0),
	CK_STR("log_file", struct srv_engine_cfg, ec_log_file, CFG_PATH_MAX, NULL, 0, NULL),
	CK_STR("log_mask", struct srv_engine_cfg, ec_log_mask, D_LOG_MASK_MAX,
	       SRV_DEFAULT_LOG_MASK, 0, srv_check_log_mask),
	CK_LIST("env_vars", struct srv_engine_cfg, ec_env_vars, 0, CFG_ENV_MAX, CFG_STR_MAX, NULL,
		CK_UNIQUE, cfg_check_env_kv),
	CK_LIST("env_pass_through", struct srv_engine_cfg, ec_env_pass_through, 0, CFG_ENV_MAX,
		CFG_STR_MAX, NULL, CK_UNIQUE, cfg_check_env_name),
	CK_BOOL("bypass_health_chk", struct srv_engine_cfg, ec_bypass_health_chk, 0),
	CK_MAP("bdev_auto_faulty", struct srv_engine_cfg, ec_auto_faulty, &srv_faulty_schema),
	CK_MAPLIST("storage", struct srv_engine_cfg, ec_tiers, ec_tiers_nr, 1, SRV_TIERS_MAX,
		   &srv_tier_schema, CK_REQUIRED),
};
static const struct cfg_schema srv_engine_schema = CFG_SCHEMA(srv_engine_keys);

static const struct cfg_key srv_transport_keys[] = {
	CK_BOOL("allow_insecure", struct cfg_transport, tr_allow_insecure, 0),
	CK_STR("client_cert_dir", struct cfg_transport, tr_client_cert_dir, CFG_PATH_MAX,
	       SRV_DEFAULT_CERT_DIR, 0, NULL),
	CK_STR("ca_cert", struct cfg_transport, tr_ca_cert, CFG_PATH_MAX, NULL, 0, NULL),
	CK_STR("cert", struct cfg_transport, tr_cert, CFG_PATH_MAX, NULL, 0, NULL),
	CK_STR("key", struct cfg_transport, tr_key, CFG_PATH_MAX, NULL, 0, NULL),
};
static const struct cfg_schema srv_transport_schema = CFG_SCHEMA(srv_transport_keys);

static const struct cfg_key srv_md_keys[] = {
	CK_STR("path", struct srv_ctl_metadata, cm_path, CFG_PATH_MAX, NULL, CK_ABSPATH, NULL),
	CK_STR("device", struct srv_ctl_metadata, cm_device, CFG_PATH_MAX, NULL, 0, NULL),
};
static const struct cfg_schema srv_md_schema = CFG_SCHEMA(srv_md_keys);

static const struct cfg_key srv_keys[] = {
	CK_STR("name", struct srv_config, sc_name, CFG_NAME_MAX, CFG_DEFAULT_NAME, 0,
	       cfg_check_sysname),
	CK_LIST("access_points", struct srv_config, sc_access_points, 1, CFG_AP_MAX,
		D_HOSTSET_NAME_MAX + 6, "localhost", 0, cfg_check_host),
	CK_UINT("port", struct srv_config, sc_port, 1, SRV_PORT_MAX, CFG_DEFAULT_PORT, 0),
	CK_MAP("transport_config", struct srv_config, sc_transport, &srv_transport_schema),
	CK_STR("provider", struct srv_config, sc_provider, CFG_STR_MAX, NULL, 0,
	       cfg_check_provider),
	CK_STR("socket_dir", struct srv_config, sc_socket_dir, CFG_PATH_MAX,
	       SRV_DEFAULT_SOCKET_DIR, CK_ABSPATH, NULL),
	CK_ENUM("control_log_mask", struct srv_config, sc_control_log_mask, cfg_log_level_names,
		CFG_LOG_INFO),
	CK_STR("control_log_file", struct srv_config, sc_control_log_file, CFG_PATH_MAX, NULL, 0,
	       NULL),
	CK_BOOL("control_log_json", struct srv_config, sc_control_log_json, 0),
	CK_STR("helper_log_file", struct srv_config, sc_helper_log_file, CFG_PATH_MAX, NULL, 0,
	       NULL),
	CK_STR("firmware_helper_log_file", struct srv_config, sc_firmware_helper_log_file,
	       CFG_PATH_MAX, NULL, 0, NULL),
	CK_UINT("telemetry_port", struct srv_config, sc_telemetry_port, 0, SRV_PORT_MAX, 0, 0),
	CK_STR("fault_path", struct srv_config, sc_fault_path, CFG_PATH_MAX, NULL, 0,
	       srv_check_fault_path),
	CK_STR("fault_cb", struct srv_config, sc_fault_cb, CFG_PATH_MAX, NULL, CK_ABSPATH, NULL),
	CK_UINT("core_dump_filter", struct srv_config, sc_core_dump_filter, 0, 0x1ff,
		SRV_DEFAULT_CORE_FILTER, 0),
	CK_UINT("nr_hugepages", struct srv_config, sc_nr_hugepages, 0, SRV_HUGEPAGES_MAX, 0, 0),
	CK_BOOL("disable_hugepages", struct srv_config, sc_disable_hugepages, 0),
	CK_BOOL("allow_thp", struct srv_config, sc_allow_thp, 0),
	CK_UINT_UNIT("system_ram_reserved", struct srv_config, sc_system_ram_reserved_bytes, 0,
		     SRV_SCM_SIZE_GIB_MAX, SRV_DEFAULT_RAM_RESERVED_GIB, SRV_GIB, 0),
	CK_UINT("crt_timeout", struct srv_config, sc_crt_timeout_s, 1, CFG_CRT_TIMEOUT_MAX, 0, 0),
	CK_BOOL("disable_srx", struct srv_config, sc_disable_srx, 0),
	CK_BOOL("disable_vfio", struct srv_config, sc_disable_vfio, 0),
	CK_BOOL("disable_vmd", struct srv_config, sc_disable_vmd, 0),
	CK_BOOL("enable_hotplug", struct srv_config, sc_enable_hotplug, 0),
	CK_BOOL("hyperthreads", struct srv_config, sc_hyperthreads, 0),
	CK_STR("fabric_auth_key", struct srv_config, sc_fabric_auth_key, CFG_STR_MAX, NULL, 0,
	       NULL),
	CK_LIST("bdev_exclude", struct srv_config, sc_bdev_exclude, 0, SRV_BDEVS_MAX, CFG_STR_MAX,
		NULL, CK_UNIQUE, cfg_check_pci),
	CK_LIST("client_env_vars", struct srv_config, sc_client_env_vars, 0, CFG_ENV_MAX,
		CFG_STR_MAX, NULL, CK_UNIQUE, cfg_check_env_kv),
	CK_MAP("control_metadata", struct srv_config, sc_ctl_metadata, &srv_md_schema),
	CK_MAPLIST("engines", struct srv_config, sc_engines, sc_engines_nr, 0, SRV_ENGINES_MAX,
		   &srv_engine_schema, 0),
};
static const struct cfg_schema srv_schema = CFG_SCHEMA(srv_keys);

/*
 * Cross-key checks.
 */

/* Which tier keys each class allows and requires (bit = 1 << class). */
#define TB(c) (1u << (c))
struct srv_tier_rule {
	const char *tr_key;
	unsigned    tr_allowed;
	unsigned    tr_required;
};
static const struct srv_tier_rule srv_tier_rules[] = {
	{"scm_mount", TB(SRV_TIER_RAM) | TB(SRV_TIER_DCPM), TB(SRV_TIER_RAM) | TB(SRV_TIER_DCPM)},
	{"scm_size", TB(SRV_TIER_RAM), 0},
	{"scm_hugepages_disabled", TB(SRV_TIER_RAM), 0},
	{"scm_list", TB(SRV_TIER_DCPM), TB(SRV_TIER_DCPM)},
	{"bdev_list", TB(SRV_TIER_FILE) | TB(SRV_TIER_KDEV) | TB(SRV_TIER_NVME),
	 TB(SRV_TIER_FILE) | TB(SRV_TIER_KDEV) | TB(SRV_TIER_NVME)},
	{"bdev_size", TB(SRV_TIER_FILE), TB(SRV_TIER_FILE)},
	{"bdev_roles", TB(SRV_TIER_FILE) | TB(SRV_TIER_KDEV) | TB(SRV_TIER_NVME), 0},
	{"bdev_busid_range", TB(SRV_TIER_NVME), 0},
};

/* Walk position of engine i / tier t, for messages. */
struct srv_pos {
	const struct ydoc_node *sp_engine;  /* engines[i] map */
	const struct ydoc_node *sp_storage; /* its storage list */
	uint32_t                sp_idx;
};

static const struct ydoc_node *
srv_tier_node(const struct srv_pos *pos, uint32_t t)
{
	const struct ydoc_node *s = pos->sp_storage;

	if (s != NULL && s->yn_kind == YDOC_SEQ && t < s->yn_nr)
		return s->yn_items[t];
	return pos->sp_engine;
}

/* Item `i` of the list under `key` in map, or the best node to point at. */
static const struct ydoc_node *
srv_item_node(const struct ydoc_node *map, const char *key, uint32_t i)
{
	const struct ydoc_node *l = ydoc_map_get(map, key);

	if (l != NULL && l->yn_kind == YDOC_SEQ && i < l->yn_nr)
		return l->yn_items[i];
	return cfg_val_or_map(map, key);
}

static bool
srv_tier_has(const struct ydoc_node *tier, const char *key)
{
	const struct ydoc_node *v;

	if (ydoc_map_find(tier, key) < 0)
		return false;
	v = ydoc_map_get(tier, key);
	return !ydoc_is_null(v);
}

/* Class by position, keys allowed and required per class, device syntax. */
static int
srv_check_tier(struct cfg_ctx *ctx, const struct srv_pos *pos, struct srv_tier_cfg *tc,
	       uint32_t t)
{
	const struct ydoc_node *tn  = srv_tier_node(pos, t);
	const char             *cls = srv_tier_names[tc->tc_class];
	char                    path[CFG_KEYPATH_BUF];
	char                    q[CFG_QUOTE_BUF];
	size_t                  i;
	int                     rc;

	snprintf(path, sizeof(path), "engines[%u].storage[%u]", pos->sp_idx, t);
	if (t == 0 && tc->tc_class != SRV_TIER_RAM && tc->tc_class != SRV_TIER_DCPM) {
		cfg_error_path(ctx, cfg_key_line(tn, "class"), path,
			       "tier 0 must be class 'ram' or 'dcpm', got '%s'", cls);
		return -DER_INVAL;
	}
	if (t > 0 && (tc->tc_class == SRV_TIER_RAM || tc->tc_class == SRV_TIER_DCPM)) {
		cfg_error_path(ctx, cfg_key_line(tn, "class"), path,
			       "tiers after the first must be class 'file', 'kdev' or 'nvme', "
			       "got '%s'",
			       cls);
		return -DER_INVAL;
	}
	for (i = 0; i < sizeof(srv_tier_rules) / sizeof(srv_tier_rules[0]); i++) {
		const struct srv_tier_rule *r = &srv_tier_rules[i];

		if (ydoc_map_find(tn, r->tr_key) >= 0 && !(r->tr_allowed & TB(tc->tc_class))) {
			cfg_error_path(ctx, cfg_key_line(tn, r->tr_key), path,
				       "key '%s' is not valid for class '%s'", r->tr_key, cls);
			return -DER_INVAL;
		}
		if ((r->tr_required & TB(tc->tc_class)) && !srv_tier_has(tn, r->tr_key)) {
			cfg_error_path(ctx, tn->yn_line, path,
				       "missing required key '%s' (class '%s')", r->tr_key, cls);
			return -DER_INVAL;
		}
	}

	/* Device lists: count and syntax depend on the class. */
	if (tc->tc_class == SRV_TIER_DCPM && tc->tc_scm_list.sl_nr != 1) {
		snprintf(path, sizeof(path), "engines[%u].storage[%u].scm_list", pos->sp_idx, t);
		cfg_error_path(ctx, cfg_val_or_map(tn, "scm_list")->yn_line, path,
			       "expected exactly one PMem namespace (/dev/pmemN), got %u",
			       tc->tc_scm_list.sl_nr);
		return -DER_INVAL;
	}
	if (t > 0 && tc->tc_bdev_list.sl_nr == 0) {
		snprintf(path, sizeof(path), "engines[%u].storage[%u].bdev_list", pos->sp_idx, t);
		cfg_error_path(ctx, cfg_val_or_map(tn, "bdev_list")->yn_line, path,
			       "expected at least 1 item, got 0");
		return -DER_INVAL;
	}
	for (i = 0; i < tc->tc_bdev_list.sl_nr; i++) {
		const struct ydoc_node *it = srv_item_node(tn, "bdev_list", (uint32_t)i);
		char                  **s  = &tc->tc_bdev_list.sl_items[i];

		snprintf(path, sizeof(path), "engines[%u].storage[%u].bdev_list[%zu]", pos->sp_idx,
			 t, i);
		switch (tc->tc_class) {
		case SRV_TIER_FILE:
			if ((*s)[0] != '/') {
				cfg_error_path(ctx, it->yn_line, path, "'%s' is not an absolute path",
					       cfg_quote(q, *s));
				return -DER_INVAL;
			}
			break;
		case SRV_TIER_KDEV:
			if (strncmp(*s, "/dev/", 5) != 0 || (*s)[5] == '\0') {
				cfg_error_path(ctx, it->yn_line, path,
					       "'%s' is not a block device path (expected /dev/...)",
					       cfg_quote(q, *s));
				return -DER_INVAL;
			}
			break;
		case SRV_TIER_NVME:
			/* The shared check reports under cx_path: point it at this item. */
			cfg_path_pop(ctx, 0);
			cfg_path_push_key(ctx, path);
			rc = cfg_check_pci(ctx, it, s);
			cfg_path_pop(ctx, 0);
			if (rc != 0)
				return rc;
			break;
		default:
			break;
		}
	}
	return 0;
}

static const char *
srv_role_name(uint32_t bit)
{
	return bit == SRV_ROLE_WAL ? "wal" : bit == SRV_ROLE_META ? "meta" : "data";
}

/* bdev_roles rules (reference/daos-facts.md, storage tier keys). */
static int
srv_check_roles(struct cfg_ctx *ctx, const struct srv_config *cfg, const struct srv_pos *pos,
		const struct srv_engine_cfg *ec)
{
	const struct ydoc_node *tn;
	char                    path[CFG_KEYPATH_BUF];
	char                    spath[CFG_KEYPATH_BUF];
	uint32_t                nb = ec->ec_tiers_nr - 1, with = 0, assigned = 0, t, bit;
	uint32_t                owner[3]  = {0};
	uint32_t                storage_line = cfg_key_line(pos->sp_engine, "storage");

	snprintf(spath, sizeof(spath), "engines[%u].storage", pos->sp_idx);
	for (t = 1; t < ec->ec_tiers_nr; t++)
		if (ec->ec_tiers[t].tc_bdev_roles != 0)
			with++;

	if (ec->ec_tiers[0].tc_class == SRV_TIER_DCPM) {
		if (nb > 1) {
			cfg_error_path(ctx, storage_line, spath,
				       "with class 'dcpm' only one bdev tier is allowed (got %u)",
				       nb);
			return -DER_INVAL;
		}
		if (nb == 1 && ec->ec_tiers[1].tc_bdev_roles != 0 &&
		    ec->ec_tiers[1].tc_bdev_roles != SRV_ROLE_DATA) {
			tn = srv_tier_node(pos, 1);
			snprintf(path, sizeof(path), "engines[%u].storage[1].bdev_roles", pos->sp_idx);
			cfg_error_path(ctx, cfg_key_line(tn, "bdev_roles"), path,
				       "with class 'dcpm' the only role allowed is 'data'");
			return -DER_INVAL;
		}
		return 0;
	}
	if (with == 0) {
		if (nb > 1) {
			cfg_error_path(ctx, storage_line, spath,
				       "bdev_roles are required when an engine has more than one "
				       "bdev tier");
			return -DER_INVAL;
		}
		return 0;
	}
	for (t = 1; t < ec->ec_tiers_nr; t++) {
		uint32_t roles = ec->ec_tiers[t].tc_bdev_roles;

		tn = srv_tier_node(pos, t);
		snprintf(path, sizeof(path), "engines[%u].storage[%u]", pos->sp_idx, t);
		if (roles == 0) {
			cfg_error_path(ctx, tn->yn_line, path,
				       "bdev_roles must be set on every bdev tier or on none");
			return -DER_INVAL;
		}
		snprintf(path, sizeof(path), "engines[%u].storage[%u].bdev_roles", pos->sp_idx, t);
		if ((roles & SRV_ROLE_WAL) && (roles & SRV_ROLE_DATA) && !(roles & SRV_ROLE_META)) {
			cfg_error_path(ctx, cfg_key_line(tn, "bdev_roles"), path,
				       "'wal' and 'data' may share a tier only together with "
				       "'meta'");
			return -DER_INVAL;
		}
		for (bit = 0; bit < 3; bit++) {
			if (!(roles & (1u << bit)))
				continue;
			if (assigned & (1u << bit)) {
				cfg_error_path(ctx, cfg_key_line(tn, "bdev_roles"), path,
					       "role '%s' is already assigned to storage[%u]",
					       srv_role_name(1u << bit), owner[bit]);
				return -DER_INVAL;
			}
			assigned |= 1u << bit;
			owner[bit] = t;
		}
	}
	for (bit = 0; bit < 3; bit++) {
		if (!(assigned & (1u << bit))) {
			cfg_error_path(ctx, storage_line, spath,
				       "role '%s' is not assigned to any tier",
				       srv_role_name(1u << bit));
			return -DER_INVAL;
		}
	}
	/* Metadata on SSD: the control plane's own metadata needs a home off tmpfs. */
	if (cfg->sc_ctl_metadata.cm_path == NULL) {
		cfg_error_path(ctx, storage_line, spath,
			       "bdev_roles (MD-on-SSD) need control_metadata.path to be set");
		return -DER_INVAL;
	}
	return 0;
}

/* Ports of engine ec clash with the server's own or those of an earlier engine? */
static int
srv_check_ports(struct cfg_ctx *ctx, const struct srv_config *cfg, const struct srv_pos *pos,
		const struct srv_engine_cfg *ec)
{
	char     path[CFG_KEYPATH_BUF];
	char     q[CFG_QUOTE_BUF];
	uint32_t lo   = ec->ec_fabric_iface_port;
	uint32_t hi   = lo + ec->ec_targets;
	uint32_t line = cfg_key_line(pos->sp_engine, "fabric_iface_port");
	uint32_t j;

	snprintf(path, sizeof(path), "engines[%u].fabric_iface_port", pos->sp_idx);
	if (hi > SRV_PORT_MAX) {
		cfg_error_path(ctx, line, path,
			       "ports %u-%u (fabric_iface_port + targets) go past %u", lo, hi,
			       SRV_PORT_MAX);
		return -DER_INVAL;
	}
	if (cfg->sc_port >= lo && cfg->sc_port <= hi) {
		cfg_error_path(ctx, line, path, "ports %u-%u include the control port %u", lo, hi,
			       cfg->sc_port);
		return -DER_INVAL;
	}
	if (cfg->sc_port + 1 >= lo && cfg->sc_port + 1 <= hi) {
		cfg_error_path(ctx, line, path,
			       "ports %u-%u include the Management Service Raft port %u (port + 1)",
			       lo, hi, cfg->sc_port + 1);
		return -DER_INVAL;
	}
	if (cfg->sc_telemetry_port != 0 && cfg->sc_telemetry_port >= lo &&
	    cfg->sc_telemetry_port <= hi) {
		cfg_error_path(ctx, line, path, "ports %u-%u include telemetry_port %u", lo, hi,
			       cfg->sc_telemetry_port);
		return -DER_INVAL;
	}
	for (j = 0; j < pos->sp_idx; j++) {
		const struct srv_engine_cfg *o   = &cfg->sc_engines[j];
		uint32_t                     olo = o->ec_fabric_iface_port;
		uint32_t                     ohi = olo + o->ec_targets;

		if (strcmp(o->ec_fabric_iface, ec->ec_fabric_iface) != 0 || hi < olo || lo > ohi)
			continue;
		cfg_error_path(ctx, line, path,
			       "ports %u-%u overlap ports %u-%u of engines[%u] on interface '%s'",
			       lo, hi, olo, ohi, j, cfg_quote(q, ec->ec_fabric_iface));
		return -DER_INVAL;
	}
	return 0;
}

/* scm_mount, devices and bdev files used twice (within or across engines). */
static int
srv_check_shared(struct cfg_ctx *ctx, const struct srv_config *cfg, const struct srv_pos *pos,
		 const struct srv_engine_cfg *ec)
{
	char     path[CFG_KEYPATH_BUF];
	char     q[CFG_QUOTE_BUF];
	uint32_t i = pos->sp_idx, t, k, j, u, m;

	for (t = 0; t < ec->ec_tiers_nr; t++) {
		const struct srv_tier_cfg *tc = &ec->ec_tiers[t];
		const struct ydoc_node    *tn = srv_tier_node(pos, t);

		for (j = 0; j < i && tc->tc_scm_mount != NULL; j++) {
			const struct srv_tier_cfg *o = &cfg->sc_engines[j].ec_tiers[0];

			if (o->tc_scm_mount == NULL || strcmp(o->tc_scm_mount, tc->tc_scm_mount) != 0)
				continue;
			snprintf(path, sizeof(path), "engines[%u].storage[%u].scm_mount", i, t);
			cfg_error_path(ctx, cfg_key_line(tn, "scm_mount"), path,
				       "'%s' is also the scm_mount of engines[%u]",
				       cfg_quote(q, tc->tc_scm_mount), j);
			return -DER_INVAL;
		}
		for (k = 0; k < tc->tc_bdev_list.sl_nr; k++) {
			const char *dev = tc->tc_bdev_list.sl_items[k];

			/* Every earlier (engine, tier, item), this one's earlier items included. */
			for (j = 0; j <= i; j++) {
				const struct srv_engine_cfg *oe = &cfg->sc_engines[j];

				for (u = 0; u < oe->ec_tiers_nr && (j < i || u <= t); u++) {
					const struct cfg_strlist *ol = &oe->ec_tiers[u].tc_bdev_list;
					uint32_t lim = (j == i && u == t) ? k : ol->sl_nr;

					for (m = 0; m < lim; m++) {
						if (strcmp(ol->sl_items[m], dev) != 0)
							continue;
						snprintf(path, sizeof(path),
							 "engines[%u].storage[%u].bdev_list[%u]", i,
							 t, k);
						cfg_error_path(
						    ctx, srv_item_node(tn, "bdev_list", k)->yn_line,
						    path,
						    "'%s' is also used by engines[%u].storage[%u]",
						    cfg_quote(q, dev), j, u);
						return -DER_INVAL;
					}
				}
			}
		}
	}
	for (j = 0; j < i && ec->ec_log_file != NULL; j++) {
		const char *o = cfg->sc_engines[j].ec_log_file;

		if (o == NULL || strcmp(o, ec->ec_log_file) != 0)
			continue;
		snprintf(path, sizeof(path), "engines[%u].log_file", i);
		cfg_error_path(ctx, cfg_key_line(pos->sp_engine, "log_file"), path,
			       "'%s' is also the log_file of engines[%u]",
			       cfg_quote(q, ec->ec_log_file), j);
		return -DER_INVAL;
	}
	return 0;
}

static int
srv_check_engine(struct cfg_ctx *ctx, struct srv_config *cfg, const struct srv_pos *pos)
{
	struct srv_engine_cfg *ec = &cfg->sc_engines[pos->sp_idx];
	char                   path[CFG_KEYPATH_BUF];
	uint32_t               t;
	int                    rc;

	snprintf(path, sizeof(path), "engines[%u]", pos->sp_idx);
	if (ec->ec_first_core_set && ec->ec_pinned_numa_node_set) {
		cfg_error_path(ctx, cfg_key_line(pos->sp_engine, "pinned_numa_node"), path,
			       "first_core and pinned_numa_node cannot both be set");
		return -DER_INVAL;
	}
	if (ec->ec_provider == NULL) {
		if (cfg->sc_provider == NULL) {
			cfg_error_path(ctx, pos->sp_engine->yn_line, path,
				       "no provider (set 'provider' at the top level or in the "
				       "engine; supported: ofi+tcp, %s)",
				       CFG_PROVIDER_TCP);
			return -DER_INVAL;
		}
		ec->ec_provider = strdup(cfg->sc_provider);
		if (ec->ec_provider == NULL)
			return -DER_NOMEM;
	}
	rc = srv_check_ports(ctx, cfg, pos, ec);
	if (rc != 0)
		return rc;
	for (t = 0; t < ec->ec_tiers_nr; t++) {
		rc = srv_check_tier(ctx, pos, &ec->ec_tiers[t], t);
		if (rc != 0)
			return rc;
	}
	rc = srv_check_roles(ctx, cfg, pos, ec);
	if (rc != 0)
		return rc;
	return srv_check_shared(ctx, cfg, pos, ec);
}

static int
srv_post(struct cfg_ctx *ctx, const struct ydoc_node *root, void *obj)
{
	struct srv_config      *cfg     = obj;
	const struct ydoc_node *engines = ydoc_map_get(root, "engines");
	struct srv_pos          pos;
	uint32_t                i, line;
	int                     rc;

	rc = cfg_norm_access_points(ctx, root, &cfg->sc_access_points, cfg->sc_port, true);
	if (rc != 0)
		return rc;
	rc = cfg_check_transport(ctx, root, &cfg->sc_transport);
	if (rc != 0)
		return rc;
	if (cfg->sc_telemetry_port != 0) {
		line = cfg_key_line(root, "telemetry_port");
		if (cfg->sc_telemetry_port == cfg->sc_port) {
			cfg_error_path(ctx, line, "telemetry_port",
				       "%u is also the control port (port)", cfg->sc_port);
			return -DER_INVAL;
		}
		if (cfg->sc_telemetry_port == cfg->sc_port + 1) {
			cfg_error_path(ctx, line, "telemetry_port",
				       "%u is the Management Service Raft port (port + 1)",
				       cfg->sc_telemetry_port);
			return -DER_INVAL;
		}
	}
	if (cfg->sc_fault_path != NULL && cfg->sc_fault_cb != NULL) {
		cfg_error_path(ctx, cfg_key_line(root, "fault_cb"), "fault_cb",
			       "fault_path and fault_cb cannot both be set");
		return -DER_INVAL;
	}
	for (i = 0; i < cfg->sc_engines_nr; i++) {
		/* The walk succeeded, so engines is a list of sc_engines_nr maps. */
		pos.sp_engine  = engines->yn_items[i];
		pos.sp_storage = ydoc_map_get(pos.sp_engine, "storage");
		pos.sp_idx     = i;
		rc             = srv_check_engine(ctx, cfg, &pos);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
srv_config_free(struct srv_config *cfg)
{
	if (cfg == NULL)
		return;
	cfg_free_obj(&srv_schema, cfg);
	memset(cfg, 0, sizeof(*cfg));
}

static void
srv_free_obj(void *obj)
{
	srv_config_free(obj);
}

static const struct cfg_file_ops srv_ops = {
	.fo_schema       = &srv_schema,
	.fo_size         = sizeof(struct srv_config),
	.fo_default_name = "daos_server.yml",
	.fo_post         = srv_post,
	.fo_free         = srv_free_obj,
};

int
srv_config_parse(const char *buf, size_t len, const char *name, struct srv_config *cfg,
		 char *errbuf, size_t errlen)
{
	return cfg_run(&srv_ops, buf, len, name, cfg, errbuf, errlen);
}

int
srv_config_load(const char *path, struct srv_config *cfg, char *errbuf, size_t errlen)
{
	return cfg_load(&srv_ops, path, cfg, errbuf, errlen);
}

/* Largest root_dir for srv_config_default: room for the longest file name added. */
#define SRV_DEFAULT_ROOT_MAX (CFG_PATH_MAX - 64)

/* Append root + suffix as a YAML single-quoted scalar ('' stands for '). */
static size_t
srv_yaml_path(char *out, const char *root, const char *suffix)
{
	size_t n = 0;
	const char *p;

	out[n++] = '\'';
	for (p = root; *p != '\0'; p++) {
		if (*p == '\'')
			out[n++] = '\'';
		out[n++] = *p;
	}
	for (p = suffix; *p != '\0'; p++)
		out[n++] = *p;
	out[n++] = '\'';
	out[n]   = '\0';
	return n;
}

int
srv_config_default(struct srv_config *cfg, const char *root_dir)
{
	/* Quoted paths: each at most twice the root (quotes doubled) plus a short suffix. */
	char       *paths[7] = {NULL};
	const char *sfx[7]   = {"/run", "/log/daos_server.log", "/log/engine0.log",
				"/scm0", "/bdev0.img", "/log/engine1.log", "/scm1"};
	char       *text = NULL, *root = NULL, *bdev1 = NULL;
	char        err[512];
	size_t      len, cap, i;
	int         n, rc;

	if (cfg == NULL)
		return -DER_INVAL;
	memset(cfg, 0, sizeof(*cfg));
	if (root_dir == NULL || root_dir[0] != '/')
		return -DER_INVAL;
	len = strnlen(root_dir, SRV_DEFAULT_ROOT_MAX + 1);
	if (len > SRV_DEFAULT_ROOT_MAX)
		return -DER_INVAL;
	for (i = 0; i < len; i++)
		if ((unsigned char)root_dir[i] < 0x20 || (unsigned char)root_dir[i] > 0x7e)
			return -DER_INVAL;
	root = strdup(root_dir);
	if (root == NULL)
		return -DER_NOMEM;
	/* "/a/b/" and "/a/b" name the same directory; "/" becomes "" + "/scm0". */
	while (len > 0 && root[len - 1] == '/')
		root[--len] = '\0';

	rc = -DER_NOMEM;
	for (i = 0; i < 7; i++) {
		paths[i] = malloc(2 * len + 32);
		if (paths[i] == NULL)
			goto out;
		srv_yaml_path(paths[i], root, sfx[i]);
	}
	bdev1 = malloc(2 * len + 32);
	if (bdev1 == NULL)
		goto out;
	srv_yaml_path(bdev1, root, "/bdev1.img");

	cap  = 2048 + 8 * (2 * len + 32);
	text = malloc(cap);
	if (text == NULL)
		goto out;
	n = snprintf(text, cap,
		     "name: daos_server\n"
		     "access_points: ['127.0.0.1']\n"
		     "port: 10001\n"
		     "transport_config:\n"
		     "  allow_insecure: true\n"
		     "provider: ofi+tcp\n"
		     "socket_dir: %s\n"
		     "control_log_mask: INFO\n"
		     "control_log_file: %s\n"
		     "telemetry_port: 9191\n"
		     "engines:\n"
		     "  - targets: 2\n"
		     "    nr_xs_helpers: 0\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 20000\n"
		     "    log_file: %s\n"
		     "    log_mask: ERR\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: %s\n"
		     "        scm_size: 1\n"
		     "      - class: file\n"
		     "        bdev_list: [%s]\n"
		     "        bdev_size: 2\n"
		     "  - targets: 2\n"
		     "    nr_xs_helpers: 0\n"
		     "    fabric_iface: lo\n"
		     "    fabric_iface_port: 21000\n"
		     "    log_file: %s\n"
		     "    log_mask: ERR\n"
		     "    storage:\n"
		     "      - class: ram\n"
		     "        scm_mount: %s\n"
		     "        scm_size: 1\n"
		     "      - class: file\n"
		     "        bdev_list: [%s]\n"
		     "        bdev_size: 2\n",
		     paths[0], paths[1], paths[2], paths[3], paths[4], paths[5], paths[6], bdev1);
	if (n < 0 || (size_t)n >= cap) {
		rc = -DER_INVAL;
		goto out;
	}
	rc = srv_config_parse(text, (size_t)n, "<default daos_server.yml>", cfg, err, sizeof(err));
out:
	for (i = 0; i < 7; i++)
		free(paths[i]);
	free(bdev1);
	free(text);
	free(root);
	return rc;
}
