/*
 * dmg.h: the admin command line (dmg), internal interfaces.
 *
 * dmg is split so that everything but the process entry point can be tested
 * without a server:
 *   dmg_args.c    the command tree, flag parsing and validation, help text
 *   dmg_output.c  percentages, host labels, rank/host grouping, checked
 *                 reply fields (the output buffer, tables, sizes and the
 *                 JSON envelope are src/tools/common/cli_out.h's)
 *   dmg_call.c    configuration, host lists, the control API calls: fan-out
 *                 to every host, or to the Management Service leader
 *   dmg_system.c  system query|stop|start|erase|leader-query: requests and
 *                 rendering of the replies
 *   dmg_storage.c storage scan|format|query usage
 *   dmg_pool.c    pool create|destroy|list|query|query-targets|get-prop|
 *                 set-prop|exclude|reintegrate, system list-pools
 *   dmg_server.c  server set-logmasks
 *   dmg_nvme.c    storage query list-devices|list-pools|device-health|
 *                 target-health, set nvme-faulty, replace nvme, identify vmd,
 *                 scan --nvme-meta|--nvme-health (SSD management)
 *   dmg_telemetry.c telemetry metrics list|query (plain HTTP GET of a
 *                 server's /metrics) and telemetry config
 *                 ($HOME/.prometheus.yml, the prometheus binary)
 *   dmg_prom.c    the strict Prometheus text parser, Go's %g of values
 *   dmg_main.c    main(): parse, run, print, exit code
 *
 * Conventions: functions return 0 or a negative -DER_* code; a message for
 * the user goes to `char *errbuf, size_t errlen` (one line, no "ERROR:"
 * prefix). Replies from servers are untrusted: every field is type-checked
 * and bounded before use, and a malformed reply is -DER_PROTO with a message
 * naming the field ("invalid reply from <host>: members[2].rank: ...").
 * Text that came from a server is printed with control characters replaced
 * by '?', so a reply cannot drive the terminal.
 */
#ifndef TOOLS_DMG_H
#define TOOLS_DMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "gurt/hostset.h"
#include "gurt/rankset.h"
#include "tools/common/cli_out.h"

/*
 * Limits
 */
/** Most command-line words: far above any real command, bounds the parser's loop. */
#define DMG_ARGS_MAX            1024
/** Longest command-line word (bytes): a rank or host set may be long, and this is
 *  what the gurt set parsers accept (D_RANKSET_STR_MAX, D_HOSTSET_STR_MAX). */
#define DMG_ARG_LEN_MAX         65536
/** Deepest command path ("dmg storage query usage" is 4 nodes). */
#define DMG_DEPTH_MAX           4
/** Most hosts dmg talks to, after expanding -l or the hostlist: the same bound as
 *  daos_control.yml's hostlist (CTL_HOSTS_MAX). */
#define DMG_HOSTS_MAX           4096
/** Most threads of a fan-out: each holds a libcurl handle and a TLS session; 16
 *  calls in flight saturate a 2-core admin node long before the servers. */
#define DMG_FANOUT_THREADS_MAX  16
/** Most leader redirects a system command follows: a Raft group has at most 9
 *  replicas (CFG_AP_MAX), so more hops mean the hints loop (an election). */
#define DMG_LEADER_HOPS_MAX     8
/** Most access points a system command tries in hostlist order before giving up:
 *  the MS has at most 9 replicas, and each unreachable host may cost a connect
 *  timeout. */
#define DMG_AP_TRY_MAX          16
/** Largest output, longest table cell, most table columns: the shared
 *  library's (cli_out.h), under the names dmg's tests use. */
#define DMG_OUT_MAX             CLI_OUT_MAX
#define DMG_CELL_MAX            CLI_CELL_MAX
#define DMG_TABLE_COLS_MAX      CLI_TABLE_COLS_MAX
/** Most groups of ranks or hosts, and most metric families: one per member or
 *  host, with room. */
#define DMG_TABLE_ROWS_MAX      65536
/** Most members accepted in a reply: the MS limit (MS_MEMBERS_MAX). */
#define DMG_MEMBERS_MAX         16384
/** Most results (ranks or engines) in one reply: one per member. */
#define DMG_RESULTS_MAX         DMG_MEMBERS_MAX
/** Most devices of one kind (SCM, NVMe) one host may report: far above any
 *  server's slots. */
#define DMG_DEVICES_MAX         1024
/** Most engines one host may report in a format or set-logmasks reply
 *  (SRV_ENGINES_MAX is 16). */
#define DMG_ENGINES_MAX         64
/** Most replicas printed by leader-query (CFG_AP_MAX is 9, with room). */
#define DMG_REPLICAS_MAX        64
/** Longest group key (bytes): a verbose scan groups hosts by their whole
 *  rendered device tables, about 100 bytes per device. */
#define DMG_GROUP_KEY_MAX       (256u << 10)
/** Most pools in a pool list reply: the MS limit (MS_POOLS_MAX). */
#define DMG_POOLS_MAX           4096
/** Most targets in a query-targets reply: an engine's most (MS_TARGETS_MAX). */
#define DMG_TARGETS_MAX         64
/** Most NVMe devices of one host in an SSD management reply: every engine
 *  (SRV_ENGINES_MAX, 16) at the SMD device limit (BIO_SMD_DEV_MAX, 128). */
#define DMG_NVME_DEVS_MAX       (16 * 128)
/** Most pool entries (pool x rank) of one host: 16 engines x 4096 SMD pools. */
#define DMG_NVME_POOLS_MAX      (16 * 4096)
/** Targets of one engine a device or pool entry may list (BIO_TGT_MAX). */
#define DMG_NVME_TGTS_MAX       64
/** Longest transport address (a device path: bio's BIO_PATH_MAX - 1). */
#define DMG_NVME_ADDR_MAX       1023
/** Most engine errors one host reply may carry (one per engine, with room). */
#define DMG_NVME_ERRORS_MAX     64
/** Most properties in a get-prop reply or a -P/set-prop list (MS_PROPS_MAX). */
#define DMG_PROPS_MAX           64
/** Positional arguments of a command (get-prop: pool and names). */
#define DMG_POS_MAX             2
/** A user or group name with '@' (MS_PRINCIPAL_MAX). */
#define DMG_PRINCIPAL_MAX       257
/** Size of a message buffer: holds a transport error and its context. */
#define DMG_MSG_MAX             1024
/** Default telemetry port of a server (daos_server.yml telemetry_port; DAOS's). */
#define DMG_TM_DEFAULT_PORT     9191
/** Largest /metrics answer read (bytes): the server's own bound
 *  (SRV_METRICS_OUT_MAX); anything bigger is not a DAOS server. */
#define DMG_TM_BODY_MAX         (256u << 20)
/** Whole GET of /metrics (ms): a scrape takes milliseconds; a minute means a
 *  stuck server. */
#define DMG_TM_TIMEOUT_MS       60000
/** Connect timeout of the GET (ms). */
#define DMG_TM_CONNECT_TIMEOUT_MS 5000
/** Longest line of metrics text: a sample with DMG_TM_LABELS_MAX labels of
 *  DMG_TM_LABEL_VALUE_MAX bytes, or a HELP line, fits. */
#define DMG_TM_LINE_MAX         (512u << 10)
/** Longest metric or label name: DAOS's are below 100 bytes. */
#define DMG_TM_NAME_MAX         1024
/** Longest HELP text (after unescaping): one sentence in DAOS. */
#define DMG_TM_HELP_MAX         (16u << 10)
/** Labels of one sample: DAOS puts at most six on a series. */
#define DMG_TM_LABELS_MAX       64
/** Longest label value (after unescaping): a UUID or a provider name in DAOS. */
#define DMG_TM_LABEL_VALUE_MAX  4096
/** Longest value or timestamp token: a %.17g double is at most 24 bytes. */
#define DMG_TM_VALUE_TOKEN_MAX  64
/** Metric families of one answer: one table row each (DMG_TABLE_ROWS_MAX). */
#define DMG_TM_FAMILIES_MAX     DMG_TABLE_ROWS_MAX
/** Samples of one answer: four engines of the largest DAOS segments with room;
 *  bounds the parser's memory (about 100 bytes per sample). */
#define DMG_TM_SAMPLES_MAX      (1u << 22)
/** Names in one -m/--metrics list. */
#define DMG_TM_QUERY_NAMES_MAX  1024
/** Longest host name of -l/--host (a DNS name is at most 253 bytes). */
#define DMG_TM_HOST_MAX         253
/** Longest path (install directory, $HOME/.prometheus.yml). */
#define DMG_TM_PATH_MAX         4096
/** Where Debian's `prometheus` package installs the server binary. */
#define DMG_TM_PROMETHEUS_BIN   "/usr/bin/prometheus"
/** The Prometheus configuration file dmg writes, relative to $HOME (DAOS's). */
#define DMG_TM_PROM_CONFIG      ".prometheus.yml"
/** Scrape interval of the daos job (DAOS's). */
#define DMG_TM_SCRAPE_INTERVAL  "5s"

/** Exit code of a run with an error (DAOS dmg exits 1 on every error). */
#define DMG_EXIT_ERROR          1

/** Default control port, when neither the config nor the host gives one. */
#define DMG_DEFAULT_PORT        10001
/** Config files tried, in order, when -o is not given ($HOME first). */
#define DMG_USER_CONFIG         ".daos_control.yml"
#define DMG_SYSTEM_CONFIG       "/etc/daos/daos_control.yml"
/** Certificates used with the built-in defaults (DAOS's paths). */
#define DMG_DEFAULT_CA_CERT     "/etc/daos/certs/daosCA.crt"
#define DMG_DEFAULT_CERT        "/etc/daos/certs/admin.crt"
#define DMG_DEFAULT_KEY         "/etc/daos/certs/admin.key"

/** Leaf commands. */
enum dmg_cmd {
	DMG_CMD_NONE = 0,
	DMG_CMD_SYSTEM_QUERY,
	DMG_CMD_SYSTEM_STOP,
	DMG_CMD_SYSTEM_START,
	DMG_CMD_SYSTEM_ERASE,
	DMG_CMD_SYSTEM_LEADER_QUERY,
	DMG_CMD_STORAGE_SCAN,
	DMG_CMD_STORAGE_FORMAT,
	DMG_CMD_STORAGE_QUERY_USAGE,
	DMG_CMD_SERVER_SET_LOGMASKS,
	DMG_CMD_SYSTEM_LIST_POOLS,
	DMG_CMD_POOL_CREATE,
	DMG_CMD_POOL_DESTROY,
	DMG_CMD_POOL_LIST,
	DMG_CMD_POOL_QUERY,
	DMG_CMD_POOL_QUERY_TARGETS,
	DMG_CMD_POOL_GET_PROP,
	DMG_CMD_POOL_SET_PROP,
	DMG_CMD_POOL_EXCLUDE,
	DMG_CMD_POOL_REINTEGRATE,
	DMG_CMD_TELEMETRY_METRICS_LIST,
	DMG_CMD_TELEMETRY_METRICS_QUERY,
	DMG_CMD_TELEMETRY_CONFIG,
	/* SSD management (dmg_nvme.c) */
	DMG_CMD_STORAGE_LIST_DEVICES,
	DMG_CMD_STORAGE_LIST_POOLS,
	DMG_CMD_STORAGE_DEVICE_HEALTH,
	DMG_CMD_STORAGE_TARGET_HEALTH,
	DMG_CMD_STORAGE_SET_FAULTY,
	DMG_CMD_STORAGE_REPLACE_NVME,
	DMG_CMD_STORAGE_IDENTIFY_VMD,
};

/** A node of the command tree (static tables in dmg_args.c). */
struct cli_node;

/*
 * Parsed command line (dmg_args.c). Strings point into argv.
 */
struct dmg_args {
	enum dmg_cmd           da_cmd;        /**< leaf command; NONE with da_help */
	bool                   da_help;       /**< -h: print help for da_path, exit 0 */
	const struct cli_node *da_path[DMG_DEPTH_MAX]; /**< root .. deepest node reached */
	uint32_t               da_depth;      /**< nodes in da_path (>= 1) */
	/* global flags */
	const char            *da_config_path; /**< -o, NULL: search */
	char                 **da_hostlist;   /**< -l patterns in order (owned array) */
	uint32_t               da_hostlist_nr;
	bool                   da_insecure;   /**< -i */
	bool                   da_json;       /**< -j */
	bool                   da_debug;      /**< -d */
	/* command flags */
	struct d_rankset       da_ranks;      /**< -r/--ranks */
	bool                   da_ranks_set;
	struct d_hostset       da_rank_hosts; /**< --rank-hosts / --host-ranks */
	bool                   da_rank_hosts_set;
	const char            *da_ranks_text;      /**< as typed (for the request) */
	const char            *da_rank_hosts_text;
	const char            *da_rank_hosts_flag; /**< "--rank-hosts" or "--host-ranks" */
	bool                   da_verbose;
	bool                   da_force;
	bool                   da_replace;
	bool                   da_not_ok;
	bool                   da_down_replicas;
	uint32_t               da_states;     /**< --with-states: mask of MS state bits */
	bool                   da_states_set;
	const char            *da_masks;      /**< set-logmasks: NULL = reset */
	/* positional arguments (a pool, get-prop's names, set-prop's list) */
	const char            *da_pos[DMG_POS_MAX];
	uint32_t               da_pos_nr;
	/* pools (checked when parsed; sizes in bytes) */
	const char            *da_pool;       /**< label or UUID of the pool named */
	const char            *da_label;      /**< create: --label or the positional */
	uint64_t               da_size;       /**< -z in bytes, or ... */
	uint32_t               da_size_pct;   /**< ... -z N% (1..100) */
	bool                   da_size_set;
	double                 da_tier_ratio[2]; /**< -t: SCM and NVMe percent */
	bool                   da_tier_ratio_set;
	uint64_t               da_scm_size;   /**< -s, per rank */
	bool                   da_scm_size_set;
	uint64_t               da_nvme_size;  /**< -n, per rank */
	bool                   da_nvme_size_set;
	uint32_t               da_nranks;     /**< -k; 0: all */
	uint32_t               da_nsvc;       /**< -v on create; 0: default */
	json_t                *da_props;      /**< -P or set-prop: {name: canonical value} */
	json_t                *da_prop_names; /**< get-prop: [names] or NULL (all) */
	char                   da_user[DMG_PRINCIPAL_MAX];  /**< "" unless -u */
	char                   da_group[DMG_PRINCIPAL_MAX]; /**< "" unless -g */
	bool                   da_no_query;
	bool                   da_pool_force;
	bool                   da_recursive;
	bool                   da_show_enabled;
	bool                   da_show_disabled;
	uint32_t               da_rank;       /**< --rank */
	bool                   da_rank_set;
	struct d_rankset       da_tgt_idx;    /**< --target-idx */
	bool                   da_tgt_idx_set;
	/* telemetry */
	const char            *da_tm_host;    /**< -l/--host; NULL: -l before the command,
					       *  else localhost */
	uint32_t               da_tm_port;    /**< -p/--port; DMG_TM_DEFAULT_PORT unless set */
	bool                   da_tm_port_set;
	json_t                *da_tm_metrics; /**< -m: [names] or NULL (all) */
	const char            *da_tm_install_dir; /**< -i/--install-dir; NULL: from $PATH */
	const char            *da_tm_system;  /**< -s/--system (only "prometheus") */
	/* SSD management (--rank is da_rank) */
	const char            *da_uuid;       /**< -u/--uuid (device, or pool for list-pools),
					       *  --old-uuid of replace; a valid UUID */
	const char            *da_new_uuid;   /**< replace --new-uuid; a valid UUID */
	bool                   da_health;     /**< list-devices -b/--health */
	uint32_t               da_tgtid;      /**< target-health -t/--tgtid */
	bool                   da_tgtid_set;
	bool                   da_dev_force;  /**< set nvme-faulty -f/--force (no prompt) */
	bool                   da_nvme_meta;  /**< scan -m/--nvme-meta */
	bool                   da_nvme_health; /**< scan -n/--nvme-health */
};

/**
 * Parse argv. \a args is initialised here (call dmg_args_fini() afterwards in
 * every case). On error da_path still names the deepest command reached, for
 * the "Run 'dmg ... --help'" hint (dmg_args_path()).
 * \return 0 (a command or help), -DER_INVAL (message in errbuf), -DER_NOMEM
 */
int dmg_args_parse(int argc, char **argv, struct dmg_args *args, char *errbuf, size_t errlen);
void dmg_args_fini(struct dmg_args *args);

/** "dmg system query": the command path of da_path (always NUL-terminated). */
void dmg_args_path(const struct dmg_args *args, char *buf, size_t len);

/** Help text of the deepest node of da_path (go-flags layout), into out. */
int dmg_args_usage(const struct dmg_args *args, struct cli_out *out);

/** Name of a leaf command for messages ("system query"). */
const char *dmg_cmd_name(enum dmg_cmd cmd);

/*
 * Output (dmg_output.c; the buffer, tables, sizes and the -j envelope are the
 * shared library's, src/tools/common/cli_out.h)
 */
/*
 * dmg's former names of the shared output functions, kept because
 * tests/unit/test_dmg_args.c and tests/fuzz/fuzz_prom_text.c use them; dmg's
 * own code calls the cli_* names.
 */
#define dmg_out           cli_out
#define dmg_out_init      cli_out_init
#define dmg_out_fini      cli_out_fini
#define dmg_out_printf    cli_out_printf
#define dmg_out_puts_safe cli_out_puts_safe
#define dmg_table         cli_table
#define dmg_table_init    cli_table_init
#define dmg_table_add     cli_table_add
#define dmg_table_render  cli_table_render
#define dmg_table_fini    cli_table_fini
#define dmg_size_str      cli_size_str
#define dmg_status        cli_status
#define dmg_envelope      cli_envelope

/** Used share "68 %" of total, truncated; "N/A" when total is 0. */
void dmg_pct_str(uint64_t used, uint64_t total, char *buf, size_t len);

/** Printable label of an address: "host:port" without ":port" when port is
 *  default_port. */
void dmg_host_label(const char *addr, uint32_t default_port, char *buf, size_t len);

/**
 * Grouping of items by a key, as DAOS groups ranks or hosts with the same
 * result: add (key, rank) or (key, host) pairs, then the groups come out sorted
 * by key (or by first host after dmg_groups_sort_hosts()) with their members
 * as one compressed set.
 */
struct dmg_group;
struct dmg_groups {
	struct dmg_group *g_items;   /**< in insertion order */
	uint32_t          g_nr;
	uint32_t          g_cap;
	uint32_t         *g_index;   /**< hash slots: position + 1, 0 = free */
	uint32_t          g_slots;   /**< power of two, >= 2 * g_nr */
	uint32_t         *g_order;   /**< output order, NULL until asked for */
	bool              g_frozen;  /**< ordered by host: no more adds */
};
void dmg_groups_init(struct dmg_groups *g);
void dmg_groups_fini(struct dmg_groups *g);
/** \return 0, -DER_INVAL (bad rank or host), -DER_OVERFLOW (too many), -DER_NOMEM */
int dmg_groups_add_rank(struct dmg_groups *g, const char *key, uint32_t rank);
int dmg_groups_add_host(struct dmg_groups *g, const char *key, const char *host);
/** Put host groups in the order of their first host (as the host set sorts),
 *  as DAOS lists hosts; afterwards adds are refused (-DER_INVAL).
 *  \return 0 or -DER_NOMEM */
int dmg_groups_sort_hosts(struct dmg_groups *g);
/** Number of groups. */
uint32_t dmg_groups_count(const struct dmg_groups *g);
/** The i-th group in key order: its key and its members as "[0-3,5]" (ranks) or
 *  "wolf-[71-72]" (hosts); *set is owned by the groups. Ranks/hosts of one
 *  groups object must not be mixed. \return 0, -DER_NONEXIST, -DER_NOMEM */
int dmg_groups_get(struct dmg_groups *g, uint32_t i, const char **key, const char **set);

/*
 * Reply field access (dmg_output.c): every getter checks the type and bound
 * and on failure writes "invalid reply from <who>: <path>: <problem>" and
 * returns -DER_PROTO. \a path is the field's path ("members[2]") for messages.
 */
struct dmg_reply_ctx {
	const char *rc_who;   /**< host:port the reply came from */
	char       *rc_err;
	size_t      rc_errlen;
};
int dmg_json_u64(const struct dmg_reply_ctx *c, const json_t *obj, const char *path,
		 const char *key, bool required, uint64_t max, uint64_t *out);
int dmg_json_int(const struct dmg_reply_ctx *c, const json_t *obj, const char *path,
		 const char *key, int64_t min, int64_t max, int64_t *out);
/** A string field; absent or null gives "" unless required. *out is borrowed. */
int dmg_json_str(const struct dmg_reply_ctx *c, const json_t *obj, const char *path,
		 const char *key, bool required, const char **out);
/** An array field of at most max entries; absent or null gives NULL unless required. */
int dmg_json_array(const struct dmg_reply_ctx *c, const json_t *obj, const char *path,
		   const char *key, bool required, size_t max, const json_t **out);
/** An element of an array that must be an object. */
int dmg_json_elem_obj(const struct dmg_reply_ctx *c, const json_t *arr, size_t i,
		      const char *path, const json_t **out);

/*
 * Calls (dmg_call.c)
 */
/** Outcome of one host of a fan-out. */
struct dmg_host_result {
	char    hr_addr[D_HOSTSET_HOST_BUF]; /**< "host:port" called */
	int     hr_rc;                       /**< 0 or the call's -DER code */
	json_t *hr_reply;                    /**< reply on hr_rc == 0 (owned) */
	char    hr_err[DMG_MSG_MAX];         /**< message when hr_rc != 0 */
};

/** Connection context: configuration, host list and client settings. */
struct dmg_ctx {
	const struct dmg_args *dc_args;
	char                 **dc_hosts;     /**< "host:port" in hostlist order */
	uint32_t               dc_hosts_nr;
	uint32_t               dc_port;      /**< port given to hosts without one */
	bool                   dc_insecure;
	char                  *dc_ca_cert;   /**< owned copies (NULL when insecure) */
	char                  *dc_cert;
	char                  *dc_key;
	const char            *dc_config_used; /**< file read, or NULL (defaults) */
	char                   dc_config_buf[4096]; /**< $HOME/.daos_control.yml */
};

/**
 * Load the configuration (-o, else ~/.daos_control.yml, else
 * /etc/daos/daos_control.yml, else the built-in defaults), apply -l and -i,
 * and check that a client can be created with the TLS files.
 * \return 0; -DER_INVAL, -DER_NONEXIST, -DER_NO_PERM (config), -DER_NO_CERT,
 *         -DER_BAD_CERT (TLS files), -DER_NOMEM; message in errbuf.
 */
int dmg_ctx_init(struct dmg_ctx *ctx, const struct dmg_args *args, char *errbuf, size_t errlen);
void dmg_ctx_fini(struct dmg_ctx *ctx);

/**
 * Add the hosts of one host set pattern to an ordered, duplicate-free list,
 * appending ":port" to hosts without one. The pattern's own order is kept
 * between its comma-separated elements (the set parser sorts within one).
 * On error the hosts added before it stay in the list (callers drop it).
 * \return 0, -DER_INVAL (bad pattern, more than DMG_HOSTS_MAX), -DER_NOMEM
 */
int dmg_hosts_add(char ***hosts, uint32_t *nr, const char *pattern, uint32_t port,
		  char *errbuf, size_t errlen);
void dmg_hosts_free(char **hosts, uint32_t nr);

/**
 * Call \a method on every host in parallel (at most DMG_FANOUT_THREADS_MAX
 * threads). Per-host failures are in the results, not the return code.
 * \param res out: dc_hosts_nr results in host order; free with dmg_results_free()
 * \return 0, -DER_NOMEM, -DER_MISC (no thread could be started)
 */
int dmg_fanout(struct dmg_ctx *ctx, const char *method, json_t *request,
	       struct dmg_host_result **res);
void dmg_results_free(struct dmg_host_result *res, uint32_t nr);

/**
 * The error of a fan-out where \a failed hosts failed: the host's own message
 * when there is one host, else "<command> failed on N of M hosts".
 * \return 0 when none failed, else first_rc (-DER_MISC when 0)
 */
int dmg_fanout_error(const struct dmg_args *args, const struct dmg_host_result *res,
		     uint32_t nr, uint32_t failed, int first_rc, char *errbuf, size_t errlen);

/**
 * Call an MS method: the first reachable host of the list in order (hosts
 * that refuse the connection, time out or are not replicas are skipped, at
 * most DMG_AP_TRY_MAX), following "leader" hints of -DER_NOTLEADER replies
 * (at most DMG_LEADER_HOPS_MAX).
 * \param who   out: the host that answered (D_HOSTSET_HOST_BUF bytes)
 * \param reply out: the reply on 0
 * \return 0 or the error of the last attempt, message in errbuf
 */
int dmg_ms_call(struct dmg_ctx *ctx, const char *method, json_t *request, char *who,
		json_t **reply, char *errbuf, size_t errlen);

/** Debug line on stderr when -d was given. */
void dmg_debug(const struct dmg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Commands. Each runs its command and leaves in *response the object -j prints
 * (new reference or NULL), the human text in out; on error the message in
 * errbuf and the return code (non-zero exit).
 */
int dmg_system_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
		   size_t errlen);
int dmg_storage_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
		    size_t errlen);
int dmg_server_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
		   size_t errlen);
/** pool create|destroy|list|query|query-targets|get-prop|set-prop|exclude|
 *  reintegrate and system list-pools (dmg_pool.c). */
int dmg_pool_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
		 size_t errlen);

/*
 * SSD management (dmg_nvme.c): storage query list-devices|list-pools|
 * device-health|target-health, storage set nvme-faulty, storage replace nvme,
 * storage identify vmd, storage scan --nvme-meta|--nvme-health. One call per
 * host (smd_query, dev_set_faulty, dev_replace, dev_identify); every error
 * message names its code as DAOS's does ("<host> DAOS error (-1010):
 * DER_NOSYS: <reason>"), so dmg_main prints it without another code.
 */
int dmg_nvme_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
		 size_t errlen);
/** Whether @cmd is one of dmg_nvme_run's (scan with --nvme-meta/--nvme-health too). */
bool dmg_nvme_cmd(const struct dmg_args *args);
/** The request of an SSD management command (no I/O); new reference or NULL. */
json_t *dmg_nvme_request(const struct dmg_args *args, const char **method);
/**
 * Render the fan-out results of an SSD management command (replies untrusted:
 * a malformed one fails its host with the field named). Hosts with entries
 * get DAOS's banner and blocks; errors (failed hosts, engines' errors) are
 * counted, and listed under "Errors:" first when there are several.
 * \return the command's outcome: 0, the status of the error (message in
 *         errbuf), -DER_NONEXIST when nothing matched a filter, -DER_NOMEM /
 *         -DER_OVERFLOW (output)
 */
int dmg_render_nvme(struct dmg_host_result *res, uint32_t nr, const struct dmg_args *args,
		    uint32_t default_port, struct cli_out *out, char *errbuf, size_t errlen);

/*
 * Telemetry (dmg_telemetry.c, dmg_prom.c). metrics list|query need no configuration (no
 * control API call): dmg_telemetry_metrics_run() is called without a
 * dmg_ctx. config reads the host list of the context and asks each server
 * for its telemetry_port (control API method telemetry_info) unless -p gives
 * one.
 */
int dmg_telemetry_metrics_run(const struct dmg_args *args, struct cli_out *out,
			      json_t **response, char *errbuf, size_t errlen);
int dmg_telemetry_config_run(struct dmg_ctx *ctx, struct cli_out *out, json_t **response,
			     char *errbuf, size_t errlen);

/** Metric types as DAOS names them ("Generic" is Prometheus's untyped). */
enum dmg_prom_type {
	DMG_PROM_UNTYPED = 0,
	DMG_PROM_COUNTER,
	DMG_PROM_GAUGE,
	DMG_PROM_SUMMARY,
	DMG_PROM_HISTOGRAM,
};

/** Which sample of a summary or histogram a line is. */
enum dmg_prom_suffix {
	DMG_PROM_SFX_NONE = 0, /**< the family's name (a summary's quantiles) */
	DMG_PROM_SFX_SUM,
	DMG_PROM_SFX_COUNT,
	DMG_PROM_SFX_BUCKET,
};

struct dmg_prom_label {
	const char *pl_name;
	const char *pl_value; /**< unescaped, valid UTF-8 */
};

struct dmg_prom_sample {
	enum dmg_prom_suffix   ps_suffix;
	struct dmg_prom_label *ps_labels; /**< sorted by name; into ps_buf */
	uint32_t               ps_nlabels;
	double                 ps_value;
	bool                   ps_has_ts;
	int64_t                ps_ts;     /**< milliseconds, when ps_has_ts */
	uint32_t               ps_line;
	char                  *ps_buf;    /**< one allocation: labels and their strings */
};

struct dmg_prom_family {
	char                   *pf_name;
	char                   *pf_help;  /**< NULL: no HELP line */
	enum dmg_prom_type      pf_type;  /**< untyped unless a TYPE line said otherwise */
	bool                    pf_typed;
	uint32_t                pf_line;  /**< where it started */
	struct dmg_prom_sample *pf_samples; /**< in text order */
	uint32_t                pf_nr;
	uint32_t                pf_cap;
};

/** A parsed exposition; families in text order. */
struct dmg_prom {
	struct dmg_prom_family *pm_fams;
	uint32_t                pm_nr;
	uint32_t                pm_cap;
	uint64_t                pm_samples;
	uint32_t               *pm_index; /**< name hash: family position + 1, 0 = free */
	uint32_t                pm_slots; /**< power of two, >= 2 * pm_nr */
};

/**
 * Parse Prometheus text exposition (format 0.0.4) strictly: HELP and TYPE
 * before a family's samples and at most once each, a family's samples
 * contiguous, no duplicate series, valid names, escapes, UTF-8 label values
 * and HELP, decimal values or NaN/Inf spellings, integer timestamps, quantile
 * and le labels on summaries and histogram buckets, every size bounded by the
 * DMG_TM_* limits. \a p is initialised here (dmg_prom_fini() in every case).
 * \return 0, -DER_INVAL ("line N: <problem>" in errbuf), -DER_OVERFLOW (a
 *         limit; message in errbuf), -DER_NOMEM
 */
int dmg_prom_parse(const char *text, size_t len, struct dmg_prom *p, char *errbuf,
		   size_t errlen);
void dmg_prom_fini(struct dmg_prom *p);
/** The value of label \a name of \a s, or NULL. */
const char *dmg_prom_label(const struct dmg_prom_sample *s, const char *name);
/** The family named \a name, or NULL. */
const struct dmg_prom_family *dmg_prom_find(const struct dmg_prom *p, const char *name);
/** "Counter", "Gauge", "Summary", "Histogram", "Generic" (DAOS's). */
const char *dmg_prom_type_name(enum dmg_prom_type t);
/** A value as Go's %g prints it ("125", "2.25", "1.234567e+06", "NaN", "+Inf"). */
void dmg_prom_fmt_value(double v, char *buf, size_t len);

/** The list table (families sorted by name) and its -j response
 *  {"available_metric_sets": [{type, name, description, metrics: null}]}. */
int dmg_render_metrics_list(const struct dmg_prom *p, struct cli_out *out, json_t **response);
/**
 * The query output of the families named in \a names (a JSON array of
 * strings, NULL: every family sorted by name): "- Metric Set: ..." blocks and
 * the -j response {"metric_sets": [...]} as DAOS prints them.
 * \return 0, -DER_NONEXIST ("metric \"x\" not found on host" in errbuf),
 *         -DER_NOMEM, -DER_OVERFLOW
 */
int dmg_render_metrics_query(const struct dmg_prom *p, const json_t *names, struct cli_out *out,
			     json_t **response, char *errbuf, size_t errlen);

/** The Prometheus configuration dmg writes: a daos job scraping \a targets
 *  ("host:port") every DMG_TM_SCRAPE_INTERVAL. */
int dmg_prom_config_text(const char *const *targets, uint32_t nr, struct cli_out *out);
/**
 * Make prometheus available as \a dir/prometheus: nothing when it exists
 * there already (*created false), else a symbolic link to \a bin (an
 * executable file). \a link receives the path (DMG_TM_PATH_MAX bytes).
 * \return 0, -DER_NONEXIST (no \a bin: the message names the package
 *         `prometheus`; or \a dir missing), -DER_INVAL (\a dir not a
 *         directory, path too long), -DER_NO_PERM, -DER_IO; message in errbuf
 */
int dmg_prom_install(const char *dir, const char *bin, char *link, bool *created, char *errbuf,
		     size_t errlen);

/*
 * Pools (dmg_pool.c): the request of each pool command (no I/O; create
 * leaves "user" and "group" out unless -u/-g were given, dmg_pool_run adds
 * the caller's) and the renderers of the replies (untrusted: -DER_PROTO
 * naming the field).
 */
json_t *dmg_pool_request(const struct dmg_args *args);
/** "Creating DAOS pool with ..." (the line dmg prints before a create). */
int dmg_pool_create_intro(const struct dmg_args *args, struct cli_out *out);
int dmg_render_pool_create(const json_t *reply, const char *who, struct cli_out *out,
			   char *errbuf, size_t errlen);
int dmg_render_pool_list(const json_t *reply, bool verbose, const char *who,
			 struct cli_out *out, char *errbuf, size_t errlen);
int dmg_render_pool_query(const json_t *reply, const struct dmg_args *args, const char *who,
			  struct cli_out *out, char *errbuf, size_t errlen);
int dmg_render_pool_targets(const json_t *reply, const char *who, struct cli_out *out,
			    char *errbuf, size_t errlen);
int dmg_render_pool_props(const json_t *reply, const char *pool, const char *who,
			  struct cli_out *out, char *errbuf, size_t errlen);

/*
 * Request builders and renderers, exposed for tests (no I/O). Renderers read a
 * reply (untrusted) and append the human text to out.
 */
/** Request of system query/stop/start: {"ranks": "0-3"?, "hosts": "h[1-2]"?,
 *  "force": b (stop only)}. New reference or NULL (no memory). */
json_t *dmg_system_request(const struct dmg_args *args);
/** Members of a system_query reply after --not-ok/--with-states (new ref). */
int dmg_sysq_members(const json_t *reply, const struct dmg_args *args, const char *who,
		     json_t **members, char *errbuf, size_t errlen);
int dmg_render_sysq(const json_t *reply, const struct dmg_args *args, const char *who,
		    struct cli_out *out, char *errbuf, size_t errlen);
/** The Rank/Operation/Result table of system stop/start/erase; *failed counts
 *  ranks whose status is not 0 and *first_rc is the first such status. */
int dmg_render_results(const json_t *reply, const char *who, struct cli_out *out,
		       uint32_t *failed, int *first_rc, char *errbuf, size_t errlen);
int dmg_render_leader(const json_t *reply, const struct dmg_args *args, const char *who,
		      struct cli_out *out, char *errbuf, size_t errlen);

/**
 * Per-host renderers of fan-out results res[0..nr) (from dmg_fanout()). A host
 * whose reply is malformed becomes a failed host (hr_rc -DER_PROTO, message in
 * hr_err, reply dropped). Failed hosts, and hosts where an engine reported an
 * error, are listed first in an "Errors:" table, then the command's table.
 * Hosts are labelled with dmg_host_label(addr, default_port).
 * \param failed    out: hosts that failed in any way
 * \param first_rc  out: status of the first failure (-DER_MISC for an engine
 *                  error that carries no status)
 * 
eturn 0 or -DER_NOMEM / -DER_OVERFLOW (output), never a host's error
 */
int dmg_render_scan(struct dmg_host_result *res, uint32_t nr, bool verbose,
		    uint32_t default_port, struct cli_out *out, uint32_t *failed, int *first_rc);
int dmg_render_format(struct dmg_host_result *res, uint32_t nr, uint32_t default_port,
		      struct cli_out *out, uint32_t *failed, int *first_rc);
int dmg_render_usage(struct dmg_host_result *res, uint32_t nr, uint32_t default_port,
		     struct cli_out *out, uint32_t *failed, int *first_rc);
int dmg_render_logmasks(struct dmg_host_result *res, uint32_t nr, uint32_t default_port,
			struct cli_out *out, uint32_t *failed, int *first_rc);

/** Add the failed hosts of res to errs (key: message, member: host label). */
int dmg_errors_add_failed(struct dmg_groups *errs, const struct dmg_host_result *res,
			  uint32_t nr, uint32_t default_port);
/** "Errors:" and the indented Hosts/Error table, then a blank line; nothing
 *  when errs is empty. */
int dmg_render_errors(struct dmg_groups *errs, struct cli_out *out);

/** The -j response of a fan-out: {"hosts": {addr: reply}, "host_errors":
 *  {addr: {"status": rc, "error": msg}}} (new reference or NULL). */
json_t *dmg_fanout_response(const struct dmg_host_result *res, uint32_t nr);

#endif /* TOOLS_DMG_H */
