/*
 * daos_tool.h: the user command line (daos), internal interfaces.
 *
 * The tool is split so that everything but the calls into libdaos can be
 * tested without a server:
 *   daos_args.c   the command tree, flag and positional parsing, help text;
 *                 every value (sizes, properties, object ids, epochs,
 *                 attributes) is parsed and checked here, before anything
 *                 is sent
 *   daos_props.c  container properties: DAOS's names, aliases, display names,
 *                 value parsers and printers
 *   daos_util.c   sizes (parse), object ids, epochs, HLC dates, base64 (the
 *                 output buffer, tables, entity blocks, printed sizes and
 *                 the -j envelope are src/tools/common/cli_out.h's)
 *   daos_pool.c   pool query, list-containers, pool attributes
 *   daos_cont.c   container create/list/query/destroy, properties, snapshots,
 *                 container attributes
 *   daos_obj.c    object query
 *   daos_main.c   main(): parse, daos_init, run, print, exit code
 *
 * Conventions: functions return 0 or a negative -DER_* code. A message for
 * the user goes to `char *errbuf, size_t errlen`, one line without the
 * "ERROR: daos: " prefix. A command that fails in libdaos reports
 * "<what failed>" in errbuf and the DER code as its return value; main()
 * prints "ERROR: daos: <what failed>: DER_X(-N): '<description>'" (DF_RC).
 * Text that came from the servers (labels, attribute values, names) is
 * printed with control characters replaced by '?'.
 */
#ifndef TOOLS_DAOS_TOOL_H
#define TOOLS_DAOS_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include <daos_types.h>
#include "tools/common/cli_out.h"

/*
 * Limits
 */
/** Most command-line words: far above any real command, bounds the parser's loop. */
#define DTOOL_ARGS_MAX          1024
/** Longest command-line word (bytes): a property or attribute list is one word;
 *  64 KiB holds DTOOL_ATTRS_MAX attributes of useful size. */
#define DTOOL_ARG_LEN_MAX       65536
/** Deepest command path ("daos container create" is 3 nodes). */
#define DTOOL_DEPTH_MAX         3
/** Most positional arguments of a command (object query: pool, container, oid). */
#define DTOOL_POS_MAX           4
/** Longest pool or container name: DAOS_PROP_LABEL_MAX_LEN (127); a UUID is 36. */
#define DTOOL_LABEL_MAX         127
/** Longest system name (DAOS_SYS_NAME_MAX_LEN). */
#define DTOOL_SYS_NAME_MAX      127
/** Most properties in one --properties list: DAOS_PROP_ENTRIES_MAX_NR. */
#define DTOOL_PROPS_MAX         128
/** Longest string property value (a label; owner and group principals are
 *  shorter). */
#define DTOOL_PROP_STR_MAX      127
/** Most attributes set, read or deleted by one command. */
#define DTOOL_ATTRS_MAX         128
/** Longest attribute name (DAOS_ATTR_NAME_MAX). */
#define DTOOL_ATTR_NAME_MAX     511
/** Largest attribute value given on the command line (bytes): one argument. */
#define DTOOL_ATTR_VALUE_MAX    DTOOL_ARG_LEN_MAX
/** Largest attribute value read back (bytes): values set by other programs may
 *  be larger than what the command line can set; 1 MiB bounds one allocation. */
#define DTOOL_ATTR_READ_MAX     (1u << 20)
/** Largest total size of the attribute names of one pool or container read by
 *  list-attr (bytes): DTOOL_ATTRS_LIST_MAX names of the longest kind. */
#define DTOOL_ATTR_NAMES_MAX    (DTOOL_ATTRS_LIST_MAX * (DTOOL_ATTR_NAME_MAX + 1))
/** Most attributes listed for one pool or container. */
#define DTOOL_ATTRS_LIST_MAX    4096
/** Most containers listed for one pool: the MS bounds a pool's containers far
 *  below this; it bounds the array libdaos fills. */
#define DTOOL_CONTS_MAX         65536
/** Extra room asked for when listing containers, for those created between the
 *  count and the listing (as DAOS's tool does). */
#define DTOOL_CONTS_MARGIN      16
/** Most snapshots listed for one container. */
#define DTOOL_SNAPS_MAX         4096
/** Longest snapshot name (DAOS_SNAPSHOT_MAX_LEN includes the NUL). */
#define DTOOL_SNAP_NAME_MAX     127
/** Largest chunk size (bytes): a chunk is one dkey of an array; 1 GiB is DAOS's
 *  largest EC cell and far above any useful chunk. */
#define DTOOL_CHUNK_SIZE_MAX    (1ull << 30)
/** Largest size accepted for a size-valued property (bytes). */
#define DTOOL_PROP_SIZE_MAX     (1ull << 40)
/** Largest output, longest table cell, most table columns and rows, most rows
 *  of an entity block: the shared library's (cli_out.h; its rows hold a
 *  container list of DTOOL_CONTS_MAX + DTOOL_CONTS_MARGIN), under the names
 *  the tool's tests use. */
#define DTOOL_OUT_MAX           CLI_OUT_MAX
#define DTOOL_CELL_MAX          CLI_CELL_MAX
#define DTOOL_TABLE_COLS_MAX    CLI_TABLE_COLS_MAX
#define DTOOL_TABLE_ROWS_MAX    CLI_TABLE_ROWS_MAX
#define DTOOL_ENTITY_ROWS_MAX   CLI_ENTITY_ROWS_MAX
/** Most ranks listed by pool query (enabled or disabled engines). */
#define DTOOL_RANKS_MAX         16384
/** Most groups or replicas printed by object query. */
#define DTOOL_OBJ_SHARDS_MAX    65536
/** Size of a message buffer. */
#define DTOOL_MSG_MAX           1024
/** Longest piece of user input quoted in a message: enough to recognise it,
 *  short enough that a huge argument cannot flood the terminal. */
#define DTOOL_QUOTE_MAX         64
/** Times a listing (containers, attributes, snapshots) is asked again when it
 *  grew between the call that sized it and the one that fetched it. */
#define DTOOL_CALL_RETRIES      4
/** Longest dkey printed by object query (bytes); a longer key is cut. */
#define DTOOL_DKEY_SHOW_MAX     256
/** Exit code of a run with an error (DAOS's daos exits 1 on every error). */
#define DTOOL_EXIT_ERROR        1

/** Leaf commands. */
enum dtool_cmd {
	DTOOL_CMD_NONE = 0,
	DTOOL_CMD_POOL_QUERY,
	DTOOL_CMD_POOL_LIST_CONT,
	DTOOL_CMD_POOL_LIST_ATTR,
	DTOOL_CMD_POOL_GET_ATTR,
	DTOOL_CMD_POOL_SET_ATTR,
	DTOOL_CMD_POOL_DEL_ATTR,
	DTOOL_CMD_CONT_CREATE,
	DTOOL_CMD_CONT_LIST,
	DTOOL_CMD_CONT_QUERY,
	DTOOL_CMD_CONT_DESTROY,
	DTOOL_CMD_CONT_GET_PROP,
	DTOOL_CMD_CONT_SET_PROP,
	DTOOL_CMD_CONT_CREATE_SNAP,
	DTOOL_CMD_CONT_LIST_SNAPS,
	DTOOL_CMD_CONT_DESTROY_SNAP,
	DTOOL_CMD_CONT_LIST_ATTR,
	DTOOL_CMD_CONT_GET_ATTR,
	DTOOL_CMD_CONT_SET_ATTR,
	DTOOL_CMD_CONT_DEL_ATTR,
	DTOOL_CMD_OBJ_QUERY,
	DTOOL_CMD_NR,
};

/*
 * Container properties (daos_props.c)
 */

/** How a property's value is written and read. */
enum dtool_prop_kind {
	DTOOL_PK_STR,    /**< text (label, owner, group) */
	DTOOL_PK_CHOICE, /**< one word of a fixed list (cksum, srv_cksum, ...) */
	DTOOL_PK_SIZE,   /**< bytes, written with DAOS units (32KiB) */
	DTOOL_PK_UINT,   /**< a number (max_snapshot, alloc_oid, versions) */
	DTOOL_PK_RF,     /**< redundancy factor 0-4, printed rd_facN */
	DTOOL_PK_RF_LVL, /**< redundancy level: rank (1) or node (2) */
	DTOOL_PK_STATUS, /**< container health: HEALTHY/UNCLEAN, settable to healthy */
	DTOOL_PK_LAYOUT, /**< layout type: POSIX (1) ... */
	DTOOL_PK_PDA,    /**< performance domain affinity level (a number) */
	DTOOL_PK_PERF,   /**< performance domain: root or group */
	DTOOL_PK_ACL,    /**< access control list (read only here) */
};

/** Where a property may be given. */
#define DTOOL_PF_CREATE 0x1 /**< in container create --properties */
#define DTOOL_PF_SET    0x2 /**< in container set-prop */

/** One word of a choice property and its value. */
struct dtool_choice {
	const char *ch_name;
	uint64_t    ch_val;
};

/** A container property as the tool knows it (static table). */
struct dtool_prop_desc {
	const char                *pd_name;   /**< DAOS's name ("cksum_size") */
	const char                *pd_alias;  /**< other accepted name, or NULL */
	const char                *pd_desc;   /**< display name ("Checksum Chunk Size") */
	uint32_t                   pd_type;   /**< DAOS_PROP_CO_* */
	enum dtool_prop_kind       pd_kind;
	const struct dtool_choice *pd_choices; /**< CHOICE: NULL-name terminated */
	uint32_t                   pd_flags;  /**< DTOOL_PF_* */
	uint64_t                   pd_min;    /**< SIZE/UINT: smallest value */
	uint64_t                   pd_max;    /**< SIZE/UINT: largest value */
};

/** One parsed "name:value". */
struct dtool_prop_val {
	const struct dtool_prop_desc *pv_desc;
	uint64_t                      pv_num;                         /**< numeric kinds */
	char                          pv_str[DTOOL_PROP_STR_MAX + 1]; /**< STR kind */
};

/** A parsed --properties list (no duplicates). */
struct dtool_props {
	struct dtool_prop_val pl_vals[DTOOL_PROPS_MAX];
	uint32_t              pl_nr;
};

/** The property table, in the order get-prop prints it (by name). */
const struct dtool_prop_desc *dtool_prop_table(uint32_t *nr);
/** Look a property up by name or alias (case-insensitive); NULL when unknown. */
const struct dtool_prop_desc *dtool_prop_find(const char *name, size_t len);
/** Look a property up by its DAOS_PROP_CO_* type; NULL when unknown. */
const struct dtool_prop_desc *dtool_prop_by_type(uint32_t type);

/**
 * Parse "name:value[,name:value...]" for a command that accepts properties
 * with flag `where` (DTOOL_PF_CREATE or DTOOL_PF_SET) into props (reset first).
 * \return 0, -DER_INVAL (message in errbuf: the bad entry and why)
 */
int dtool_props_parse(const char *text, uint32_t where, struct dtool_props *props,
		      char *errbuf, size_t errlen);

/** Add one property value (for positional labels and --type); replaces none.
 *  \return 0 or -DER_INVAL (duplicate, too many; message in errbuf) */
int dtool_props_add(struct dtool_props *props, const struct dtool_prop_desc *desc,
		    uint64_t num, const char *str, char *errbuf, size_t errlen);
/** The value of a property in the list, NULL when absent. */
const struct dtool_prop_val *dtool_props_get(const struct dtool_props *props, uint32_t type);

/**
 * Parse get-prop names "name[,name...]" into an array of descriptors.
 * \param descs  out: at most DTOOL_PROPS_MAX entries, no duplicates
 * \return 0, -DER_INVAL (message in errbuf)
 */
int dtool_prop_names_parse(const char *text, const struct dtool_prop_desc **descs,
			   uint32_t *nr, char *errbuf, size_t errlen);

/**
 * Text of a property value as DAOS prints it ("32 KiB", "rd_fac1",
 * "HEALTHY", "POSIX (1)"). num is the value for numeric kinds, str for STR
 * (NULL: not set). buf holds at least DTOOL_PROP_STR_MAX + 32 bytes.
 */
void dtool_prop_str(const struct dtool_prop_desc *desc, uint64_t num, const char *str,
		    char *buf, size_t len);

/** DAOS's label rules: 1 to DTOOL_LABEL_MAX of [A-Za-z0-9:._-], not UUID-shaped. */
bool dtool_label_ok(const char *s, size_t len);
/** Whether s[0..len) has the shape of a UUID (8-4-4-4-12 hex digits). */
bool dtool_uuid_shaped(const char *s, size_t len);

/** Container layout type names ("POSIX", "HDF5", ..., "unknown"). */
int dtool_ctype_parse(const char *name, uint16_t *type, char *errbuf, size_t errlen);
const char *dtool_ctype_name(uint64_t type);

/*
 * Parsed command line (daos_args.c). Strings point into argv.
 */
struct cli_node;

struct dtool_args {
	enum dtool_cmd           da_cmd;
	bool                     da_help;       /**< -h: print help for da_path, exit 0 */
	const struct cli_node   *da_path[DTOOL_DEPTH_MAX];
	uint32_t                 da_depth;
	/* global flags */
	bool                     da_json;       /**< -j */
	bool                     da_debug;      /**< --debug */
	bool                     da_verbose;    /**< --verbose */
	const char              *da_sys;        /**< -G/--sys-name, NULL: default */
	/* positionals */
	const char              *da_pos[DTOOL_POS_MAX];
	uint32_t                 da_pos_nr;
	const char              *da_pool;       /**< pool label or UUID */
	const char              *da_cont;       /**< container label or UUID */
	const char              *da_label;      /**< container create: new label */
	/* command flags */
	bool                     da_force;      /**< destroy -f */
	bool                     da_show_enabled;  /**< pool query -e */
	bool                     da_show_disabled; /**< pool query -b */
	bool                     da_health_only;   /**< pool query -t */
	bool                     da_values;     /**< list-attr -V */
	bool                     da_type_set;
	uint16_t                 da_type;       /**< create -t: DAOS_PROP_CO_LAYOUT_* */
	bool                     da_oclass_set;
	uint32_t                 da_oclass;     /**< create -o: class id */
	const char              *da_oclass_name;
	bool                     da_chunk_set;
	uint64_t                 da_chunk_size; /**< create -z: bytes */
	bool                     da_props_set;
	struct dtool_props       da_props;      /**< create -P / set-prop */
	const struct dtool_prop_desc *da_get[DTOOL_PROPS_MAX]; /**< get-prop names */
	uint32_t                 da_get_nr;     /**< 0: all */
	const char              *da_snap;       /**< -s/--snap name */
	bool                     da_epoch_set;
	uint64_t                 da_epoch;      /**< -e/--epc */
	bool                     da_epr_set;
	daos_epoch_range_t       da_epr;        /**< -r/--epcrange */
	bool                     da_oid_set;
	daos_obj_id_t            da_oid;        /**< object query oid */
	/* attributes: names (get/del) or name:value pairs (set) */
	const char              *da_attr_names[DTOOL_ATTRS_MAX];
	size_t                   da_attr_name_lens[DTOOL_ATTRS_MAX];
	const char              *da_attr_vals[DTOOL_ATTRS_MAX];
	size_t                   da_attr_val_lens[DTOOL_ATTRS_MAX];
	uint32_t                 da_attr_nr;
};

/**
 * Parse argv. \a args is initialised here. On error da_path still names the
 * deepest command reached (dtool_args_path()). Nothing is allocated.
 * \return 0 (a command or help), -DER_INVAL (message in errbuf)
 */
int dtool_args_parse(int argc, char **argv, struct dtool_args *args, char *errbuf,
		     size_t errlen);
/** "daos container create": the command path (always NUL-terminated). */
void dtool_args_path(const struct dtool_args *args, char *buf, size_t len);
/** Name of a leaf command ("container create"). */
const char *dtool_cmd_name(enum dtool_cmd cmd);

/*
 * Output (daos_util.c; the buffer, tables, entity blocks, sizes and the -j
 * envelope are the shared library's, src/tools/common/cli_out.h)
 */
/*
 * The tool's former names of the shared output functions, kept because
 * tests/unit/test_daos_tool.c uses them; the tool's own code calls the cli_*
 * names.
 */
#define dtool_out            cli_out
#define dtool_out_init       cli_out_init
#define dtool_out_fini       cli_out_fini
#define dtool_out_printf     cli_out_printf
#define dtool_out_put_safe   cli_out_put_safe
#define dtool_table          cli_table
#define dtool_table_init     cli_table_init
#define dtool_table_add      cli_table_add
#define dtool_table_render   cli_table_render
#define dtool_table_fini     cli_table_fini
#define dtool_entity         cli_entity
#define dtool_entity_init    cli_entity_init
#define dtool_entity_add     cli_entity_add
#define dtool_entity_render  cli_entity_render
#define dtool_entity_fini    cli_entity_fini
#define dtool_size_str       cli_size_str
#define dtool_isize_str      cli_isize_str
#define dtool_status         cli_status
#define dtool_envelope       cli_envelope

/** Help text of the deepest node of da_path, into out (daos_args.c). */
int dtool_args_usage(const struct dtool_args *args, struct cli_out *out);

/**
 * Parse a size with DAOS's units: a decimal number (fraction allowed), blanks,
 * then nothing or a unit, case-insensitive: B; K, KB, M, MB, G, GB, T, TB, P,
 * PB, E, EB (powers of 1000); KI, KIB, MI, MIB, ... (powers of 1024).
 * \param what  name of the value for messages ("--chunk-size")
 * \return 0, -DER_INVAL (not a size, above max, below min; message in errbuf)
 */
int dtool_size_parse(const char *text, const char *what, uint64_t min, uint64_t max,
		     uint64_t *bytes, char *errbuf, size_t errlen);

/** Parse an unsigned integer, decimal or 0x hex; -DER_INVAL when not one. */
int dtool_u64_parse(const char *text, size_t len, uint64_t *val);

/** Parse an object id "HI.LO" (two unsigned 64-bit decimals).
 *  \return 0, -DER_INVAL (message in errbuf) */
int dtool_oid_parse(const char *text, daos_obj_id_t *oid, char *errbuf, size_t errlen);
/** "HI.LO" of an object id; len >= 48. */
void dtool_oid_str(daos_obj_id_t oid, char *buf, size_t len);

/** Parse an epoch (decimal or 0x hex, not 0). \return 0, -DER_INVAL */
int dtool_epoch_parse(const char *text, const char *what, uint64_t *epoch, char *errbuf,
		      size_t errlen);
/** Parse an epoch range "A-B" (A <= B, both not 0). \return 0, -DER_INVAL */
int dtool_epoch_range_parse(const char *text, daos_epoch_range_t *epr, char *errbuf,
			    size_t errlen);

/** An HLC timestamp as a date, "2026-11-21 16:35:11.123456789 +0000 UTC". len >= 48. */
void dtool_hlc_str(uint64_t hlc, char *buf, size_t len);

/** Base64 (RFC 4648, padded) of n bytes, a new string or NULL (no memory). */
char *dtool_base64(const void *buf, size_t n);

/*
 * Commands (daos_pool.c, daos_cont.c, daos_obj.c). Each runs its command
 * (libdaos initialised by the caller), appends the human text to out and
 * leaves in *response what -j prints (new reference or NULL). On error: the
 * message in errbuf and the return code.
 */
struct dtool_ctx {
	const struct dtool_args *dc_args;
	FILE                    *dc_log;  /**< --verbose/--debug lines; NULL: none */
};

void dtool_info(const struct dtool_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int dtool_pool_run(struct dtool_ctx *ctx, struct cli_out *out, json_t **response,
		   char *errbuf, size_t errlen);
int dtool_cont_run(struct dtool_ctx *ctx, struct cli_out *out, json_t **response,
		   char *errbuf, size_t errlen);
int dtool_obj_run(struct dtool_ctx *ctx, struct cli_out *out, json_t **response,
		  char *errbuf, size_t errlen);

/*
 * Shared by the command files (daos_pool.c).
 */
/** Connect to the pool of the arguments (read-only or read-write). On failure
 *  errbuf says "failed to connect to pool <id>". */
int dtool_pool_connect(struct dtool_ctx *ctx, bool rw, daos_handle_t *poh, char *errbuf,
		       size_t errlen);
void dtool_pool_disconnect(struct dtool_ctx *ctx, daos_handle_t poh);

/** Which object attributes belong to. */
enum dtool_attr_of { DTOOL_ATTR_POOL, DTOOL_ATTR_CONT };

/** list-attr/get-attr/set-attr/del-attr on an open pool or container handle;
 *  `what` names it in messages and titles ("pool tank", "container c1"). */
int dtool_attr_run(struct dtool_ctx *ctx, enum dtool_attr_of of, daos_handle_t hdl,
		   const char *what, struct cli_out *out, json_t **response, char *errbuf,
		   size_t errlen);

/** The container list table ("UUID Label", or "No containers."). */
int dtool_cont_list_print(daos_handle_t poh, struct cli_out *out, json_t **response,
			  char *errbuf, size_t errlen, const char *pool);

#endif /* TOOLS_DAOS_TOOL_H */
