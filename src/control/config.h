/*
 * config.h: the control plane's configuration files.
 *
 *   daos_server.yml   srv_config_*    daos_server (global keys, engines, storage tiers)
 *   daos_control.yml  ctl_config_*    dmg (name, port, hostlist, transport_config)
 *   daos_agent.yml    agent_config_*  daos_agent
 *
 * Keys, defaults and rules follow DAOS v2.6 (reference/daos-facts.md section 2).
 * Each file is parsed into a YAML tree (yaml_doc.h) and checked against a
 * table per section that gives every key's type, range, default and whether
 * it is required, so that unknown keys, wrong types and impossible values
 * are all reported the same way, then cross-key rules are checked.
 *
 * Error messages (errbuf), one line, exactly:
 *   <file>:<line>: <keypath>: <problem>
 *   daos_server.yml:14: engines[1].targets: expected an integer in [1, 64], got 'abc'
 *   daos_server.yml:3: unknown key 'acces_points' (did you mean 'access_points'?)
 * where <file> is the name given for messages (the path for *_load), <line>
 * is 1-based and "<keypath>: " is left out at the top level. YAML-level
 * problems (syntax, aliases, anchors, not text) give "<file>:<line>:<col>: ",
 * problems of the whole file (missing, empty, too large) "<file>: ".
 *
 * Units: every size is stored in bytes. scm_size and system_ram_reserved are
 * written in GiB (2^30 bytes); bdev_size is written in GB, 10^9 bytes, as DAOS
 * treats it (base 10).
 *
 * Values: a key written with no value (`key:`, `~`, `null`) counts as absent,
 * so its default applies; a required key must have a value. Booleans are
 * true/false, yes/no, on/off (any case); integers are decimal or 0x hex.
 *
 * Ownership: a parsed config owns all its strings and lists; free it with the
 * matching *_free(). On error the output is left zeroed (free is then a no-op,
 * and safe). All functions return 0, -DER_INVAL (bad content, message in
 * errbuf), -DER_NONEXIST (file missing), -DER_NO_PERM (file unreadable) or
 * -DER_NOMEM. errbuf (may be NULL with errlen 0) is "" after a success and
 * is cut, NUL-terminated, when the message is longer than errlen. Not thread-safe per config object; distinct objects are
 * independent.
 */
#ifndef CONTROL_CONFIG_H
#define CONTROL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gurt/hostset.h"

/*
 * Limits
 */
/** Longest system name: DAOS_SYS_NAME_MAX, the system name travels in fixed
 *  16-byte fields of the wire protocols. */
#define CFG_NAME_MAX            15
/** Longest path (bytes): PATH_MAX less the NUL. */
#define CFG_PATH_MAX            4095
/** Longest free-form string value (device names, keys, ranges). */
#define CFG_STR_MAX             1024
/** Longest network interface name: IFNAMSIZ less the NUL. */
#define CFG_IFNAME_MAX          15
/** Most access points: the MS is a Raft group, which gains nothing past 7 replicas
 *  and slows every commit; 9 leaves room for odd layouts. */
#define CFG_AP_MAX              9
/** Most engines per server: DAOS hosts run 1-4 (one per socket or NUMA domain);
 *  16 is far above any hardware while keeping the config struct small. */
#define SRV_ENGINES_MAX         16
/** Storage tiers per engine: one SCM/ram tier and up to three bdev tiers (the
 *  wal, meta and data roles). */
#define SRV_TIERS_MAX           4
/** Most targets per engine: DAOS's limit of 64 per SSD. */
#define SRV_TARGETS_MAX         64
/** Most helper xstreams per engine (DAOS: about one per four targets). */
#define SRV_HELPERS_MAX         64
/** Highest CPU core number (first_core): Linux's default NR_CPUS limit. */
#define SRV_CORE_MAX            8191
/** Highest NUMA node number (pinned_numa_node, agent numa_node): MAX_NUMNODES. */
#define CFG_NUMA_MAX            1023
/** Most entries in one bdev_list, scm_list or bdev_exclude: a host has at most
 *  a few dozen NVMe slots. */
#define SRV_BDEVS_MAX           64
/** Most env_vars / env_pass_through / client_env_vars entries. */
#define CFG_ENV_MAX             128
/** Most levels in fault_path ("/rack/host" has 2); DAOS fault domains are shallow. */
#define SRV_FAULT_DEPTH_MAX     8
/** Largest scm_size (GiB): 64 TiB, above any host's memory or PMem. */
#define SRV_SCM_SIZE_GIB_MAX    65536
/** Largest bdev_size (GB): one PB per emulated device. */
#define SRV_BDEV_SIZE_GB_MAX    1000000
/** Largest nr_hugepages: 8 TiB of 2 MiB pages. */
#define SRV_HUGEPAGES_MAX       (1u << 22)
/** Largest crt_timeout (seconds): an hour; longer RPC timeouts only hide failures. */
#define CFG_CRT_TIMEOUT_MAX     3600
/** Most hosts in dmg's hostlist after expanding ranges. */
#define CTL_HOSTS_MAX           4096
/** Most hostlist entries (each may be a range). */
#define CTL_HOSTLIST_MAX        256
/** Largest agent cache_expiration (minutes): a week. */
#define AGENT_CACHE_EXP_MAX     10080
/** Largest agent telemetry_retain (seconds): a week. */
#define AGENT_RETAIN_MAX        604800
/** Most NUMA entries in the agent's fabric_ifaces. */
#define AGENT_NUMA_MAX          16
/** Most devices per NUMA entry of the agent's fabric_ifaces. */
#define AGENT_NUMA_DEVS_MAX     16
/** Most exclude_fabric_ifaces entries. */
#define AGENT_EXCLUDE_MAX       64

/** Defaults. */
#define CFG_DEFAULT_NAME        "daos_server"
#define CFG_DEFAULT_PORT        10001
#define SRV_DEFAULT_SOCKET_DIR  "/var/run/daos_server"
#define SRV_DEFAULT_CERT_DIR    "/etc/daos/certs/clients"
#define SRV_DEFAULT_HELPERS     2
#define SRV_DEFAULT_LOG_MASK    "ERR"
#define SRV_DEFAULT_CORE_FILTER 0x13
#define SRV_DEFAULT_RAM_RESERVED_GIB 16
#define AGENT_DEFAULT_RUNTIME_DIR "/var/run/daos_agent"
#define AGENT_DEFAULT_LOG_FILE  "/tmp/daos_agent.log"
#define AGENT_DEFAULT_TELEMETRY_PORT 9192
/** The one provider this project implements, as stored after normalisation. */
#define CFG_PROVIDER_TCP        "ofi+tcp;ofi_rxm"

/** control_log_mask values (DAOS control-plane levels). */
enum cfg_log_level {
	CFG_LOG_DISABLED = 0,
	CFG_LOG_TRACE,
	CFG_LOG_DEBUG,
	CFG_LOG_INFO,
	CFG_LOG_NOTICE,
	CFG_LOG_ERROR,
};

/** An owned list of owned strings. */
struct cfg_strlist {
	char   **sl_items;
	uint32_t sl_nr;
};

/** transport_config. Paths are NULL when not set. */
struct cfg_transport {
	bool  tr_allow_insecure;
	char *tr_client_cert_dir; /**< server only; default SRV_DEFAULT_CERT_DIR */
	char *tr_ca_cert;
	char *tr_cert;
	char *tr_key;
};

/** Storage tier classes. */
enum srv_tier_class {
	SRV_TIER_RAM = 0,
	SRV_TIER_DCPM,
	SRV_TIER_FILE,
	SRV_TIER_KDEV,
	SRV_TIER_NVME,
};

/** bdev_roles bits. */
#define SRV_ROLE_WAL   (1u << 0)
#define SRV_ROLE_META  (1u << 1)
#define SRV_ROLE_DATA  (1u << 2)
#define SRV_ROLE_ALL   (SRV_ROLE_WAL | SRV_ROLE_META | SRV_ROLE_DATA)

/** One storage tier of an engine. Tier 0 is ram/dcpm, tiers 1.. are bdevs. */
struct srv_tier_cfg {
	enum srv_tier_class tc_class;
	char               *tc_scm_mount;       /**< ram, dcpm */
	uint64_t            tc_scm_size_bytes;  /**< ram: 0 = size automatically */
	bool                tc_scm_hugepages_disabled;
	struct cfg_strlist  tc_scm_list;        /**< dcpm: /dev/pmemN */
	struct cfg_strlist  tc_bdev_list;       /**< file: absolute paths; kdev: /dev/..;
						  *  nvme: PCI addresses, lower case */
	uint64_t            tc_bdev_size_bytes; /**< file: bytes (GB x 10^9) */
	uint32_t            tc_bdev_roles;      /**< SRV_ROLE_* bits, 0 = none given */
	char               *tc_bdev_busid_range;
};

/** bdev_auto_faulty of an engine. */
struct srv_auto_faulty {
	bool     af_enable;         /**< default true */
	uint32_t af_max_io_errs;    /**< default 10 */
	uint32_t af_max_csum_errs;  /**< default UINT32_MAX */
};

/** One entry of engines[]. */
struct srv_engine_cfg {
	uint32_t               ec_targets;
	uint32_t               ec_nr_xs_helpers;     /**< default SRV_DEFAULT_HELPERS */
	uint32_t               ec_first_core;
	bool                   ec_first_core_set;
	uint32_t               ec_pinned_numa_node;
	bool                   ec_pinned_numa_node_set;
	char                  *ec_fabric_iface;
	uint32_t               ec_fabric_iface_port; /**< system context; targets use
						      *  the next ec_targets ports */
	char                  *ec_provider;          /**< always set: own or global,
						      *  normalised to CFG_PROVIDER_TCP */
	uint32_t               ec_crt_timeout_s;     /**< 0 = global/default */
	char                  *ec_log_file;          /**< NULL = engine default */
	char                  *ec_log_mask;          /**< D_LOG_MASK syntax, default "ERR" */
	struct cfg_strlist     ec_env_vars;          /**< "K=V" */
	struct cfg_strlist     ec_env_pass_through;  /**< variable names */
	bool                   ec_bypass_health_chk;
	struct srv_auto_faulty ec_auto_faulty;
	struct srv_tier_cfg    ec_tiers[SRV_TIERS_MAX];
	uint32_t               ec_tiers_nr;
};

/** control_metadata. */
struct srv_ctl_metadata {
	char *cm_path;   /**< NULL = not set */
	char *cm_device;
};

/** daos_server.yml. */
struct srv_config {
	char                   *sc_name;
	struct cfg_strlist      sc_access_points;  /**< "host:port", port always given */
	uint32_t                sc_port;
	struct cfg_transport    sc_transport;
	char                   *sc_provider;       /**< global; NULL if only per engine */
	char                   *sc_socket_dir;
	int                     sc_control_log_mask; /**< enum cfg_log_level */
	char                   *sc_control_log_file; /**< NULL = stderr */
	bool                    sc_control_log_json;
	char                   *sc_helper_log_file;
	char                   *sc_firmware_helper_log_file;
	uint32_t                sc_telemetry_port;   /**< 0 = disabled */
	char                   *sc_fault_path;       /**< NULL = "/<hostname>" at start */
	char                   *sc_fault_cb;
	uint32_t                sc_core_dump_filter;
	uint32_t                sc_nr_hugepages;
	bool                    sc_disable_hugepages;
	bool                    sc_allow_thp;
	uint64_t                sc_system_ram_reserved_bytes;
	uint32_t                sc_crt_timeout_s;    /**< 0 = default */
	bool                    sc_disable_srx;
	bool                    sc_disable_vfio;
	bool                    sc_disable_vmd;
	bool                    sc_enable_hotplug;
	bool                    sc_hyperthreads;
	char                   *sc_fabric_auth_key;
	struct cfg_strlist      sc_bdev_exclude;     /**< PCI addresses, lower case */
	struct cfg_strlist      sc_client_env_vars;  /**< "K=V" */
	struct srv_ctl_metadata sc_ctl_metadata;
	struct srv_engine_cfg   sc_engines[SRV_ENGINES_MAX];
	uint32_t                sc_engines_nr;       /**< 0: discovery mode */
};

/** daos_control.yml (dmg). */
struct ctl_config {
	char                *cc_name;
	uint32_t             cc_port;
	struct cfg_strlist   cc_hostlist;   /**< entries as written (may hold ranges) */
	struct d_hostset     cc_hosts;      /**< expanded; every host carries ":port"
					     *  (cc_port when the entry had none) */
	struct cfg_transport cc_transport;
};

/** One device of the agent's fabric_ifaces. */
struct agent_fabric_dev {
	char *fd_iface;
	char *fd_domain; /**< NULL = same as iface */
};

/** One NUMA node of the agent's fabric_ifaces. */
struct agent_numa_ifaces {
	uint32_t                ni_numa_node;
	struct agent_fabric_dev ni_devs[AGENT_NUMA_DEVS_MAX];
	uint32_t                ni_devs_nr;
};

/** daos_agent.yml. */
struct agent_config {
	char                    *ac_name;
	struct cfg_strlist       ac_access_points; /**< "host:port", port always given */
	uint32_t                 ac_port;
	struct cfg_transport     ac_transport;
	char                    *ac_runtime_dir;
	char                    *ac_log_file;
	int                      ac_control_log_mask; /**< enum cfg_log_level */
	bool                     ac_disable_caching;
	uint32_t                 ac_cache_expiration_min; /**< 0 = never */
	bool                     ac_disable_auto_evict;
	bool                     ac_enable_evict_on_start;
	struct cfg_strlist       ac_exclude_fabric_ifaces;
	struct agent_numa_ifaces ac_fabric_ifaces[AGENT_NUMA_MAX];
	uint32_t                 ac_fabric_ifaces_nr;
	uint32_t                 ac_telemetry_port;
	bool                     ac_telemetry_enabled;
	uint32_t                 ac_telemetry_retain_s; /**< Go duration ("1h30m") in seconds */
};

/**
 * Read and check daos_server.yml. Messages name the file as `path`.
 * \return 0, -DER_INVAL, -DER_NONEXIST, -DER_NO_PERM, -DER_NOMEM (see top)
 */
int srv_config_load(const char *path, struct srv_config *cfg, char *errbuf, size_t errlen);

/**
 * Parse and check daos_server.yml text buf[0..len) (untrusted, at most
 * YDOC_BUF_MAX = 1 MiB, need not be NUL-terminated).
 * \param name  file name used in messages (NULL: "daos_server.yml")
 */
int srv_config_parse(const char *buf, size_t len, const char *name, struct srv_config *cfg,
		     char *errbuf, size_t errlen);

/** Free what a config owns and zero it. Safe on a zeroed or failed config. */
void srv_config_free(struct srv_config *cfg);

/**
 * The embedded default used by the quick start: one server, access point
 * 127.0.0.1, insecure transport, provider ofi+tcp, telemetry on 9191, two
 * engines of 2 targets on interface lo (fabric ports 20000 and 21000), each
 * with emulated SCM (class ram, 1 GiB at <root>/scm<i>) and emulated NVMe
 * (class file, one 2 GB file <root>/bdev<i>.img); sockets in <root>/run,
 * logs in <root>/log. It is built as YAML text and goes through the same
 * parser and checks as a file.
 * \param root_dir  absolute path, at most CFG_PATH_MAX - 64 bytes, printable
 *                  ASCII
 * \return 0, -DER_INVAL (bad root_dir), -DER_NOMEM
 */
int srv_config_default(struct srv_config *cfg, const char *root_dir);

/** Read / parse / free daos_control.yml (name default "daos_control.yml"). */
int ctl_config_load(const char *path, struct ctl_config *cfg, char *errbuf, size_t errlen);
int ctl_config_parse(const char *buf, size_t len, const char *name, struct ctl_config *cfg,
		     char *errbuf, size_t errlen);
void ctl_config_free(struct ctl_config *cfg);

/** Read / parse / free daos_agent.yml (name default "daos_agent.yml"). */
int agent_config_load(const char *path, struct agent_config *cfg, char *errbuf, size_t errlen);
int agent_config_parse(const char *buf, size_t len, const char *name, struct agent_config *cfg,
		       char *errbuf, size_t errlen);
void agent_config_free(struct agent_config *cfg);

/** Name of a control_log_mask level ("INFO"); NULL when out of range. */
const char *cfg_log_level_name(int level);

/** Name of a tier class ("ram"); NULL when out of range. */
const char *srv_tier_class_name(int cls);

#endif /* CONTROL_CONFIG_H */
