/*
 * daos_args.c: the daos tool's command tree, argument parser and help text.
 *
 * The tree is static: groups (pool, container, object) and leaves (the
 * commands), each with its aliases as DAOS has them. The walk over argv,
 * go-flags' rules and messages and the help layout are the shared parser's
 * (src/tools/common/cli_args.h); a command's flag of the same name as a
 * global one wins (list-attr's -V/--verbose). This file gives the tree, the
 * flag table and what each flag and positional means.
 * Every value is parsed and checked when it is read (sizes, properties,
 * epochs, object ids, classes, attribute lists), and the rules involving
 * several arguments are checked at the end, so a command that parses is
 * complete and valid: nothing is sent for a bad command line.
 *
 * Invariants:
 *  1. da_depth >= 1 and da_path[0] is the root once dtool_args_parse()
 *     started; da_path[i + 1] is a sub-command of da_path[i].
 *  2. On success without help, da_cmd is the leaf at da_path[da_depth - 1]
 *     and every positional the leaf requires is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <daos_errno.h>
#include <daos_obj_class.h>
#include <daos_prop.h>
#include "gurt/errbuf.h"
#include "tools/common/cli_args.h"
#include "tools/daos/daos_tool.h"

enum dtool_flag_id {
	F_NONE = 0,
	/* global */
	F_DEBUG,
	F_VERBOSE,
	F_JSON,
	F_SYS,
	F_HELP,
	/* commands */
	F_SHOW_ENABLED,
	F_SHOW_DISABLED,
	F_HEALTH_ONLY,
	F_VALUES,
	F_TYPE,
	F_PROPS,
	F_OCLASS,
	F_CHUNK,
	F_FORCE,
	F_GET_PROPS,
	F_SET_PROPS,
	F_SNAP,
	F_EPOCH,
	F_EPR,
	F_OID,
};

static const struct cli_flag dtool_flags[] = {
	{F_DEBUG, "debug", 0, false, "Enable debug output"},
	{F_VERBOSE, "verbose", 0, false, "Enable verbose output"},
	{F_JSON, "json", 'j', false, "Enable JSON output"},
	{F_SYS, "sys-name", 'G', true, "DAOS system name"},
	{F_HELP, "help", 'h', false, "Show this help message"},
	{F_SHOW_ENABLED, "show-enabled", 'e', false, "Show engine unique identifiers (ranks) "
						       "which are enabled"},
	{F_SHOW_DISABLED, "show-disabled", 'b', false, "Show engine unique identifiers (ranks) "
							 "which are disabled"},
	{F_HEALTH_ONLY, "health-only", 't', false, "Only perform pool health related queries"},
	{F_VALUES, "verbose", 'V', false, "Include values"},
	{F_TYPE, "type", 't', true, "Container type (POSIX, HDF5, PYTHON, ..., unknown)"},
	{F_PROPS, "properties", 'P', true, "Container properties (name:value[,name:value...])"},
	{F_OCLASS, "oclass", 'o', true, "Default object class (e.g. S1, SX)"},
	{F_CHUNK, "chunk-size", 'z', true, "Default chunk size (e.g. 1MiB, 512K)"},
	{F_FORCE, "force", 'f', false, "Force the container destroy (open handles)"},
	{F_GET_PROPS, "properties", 0, true, "Container properties to get (name[,name...])"},
	{F_SET_PROPS, "properties", 0, true, "Container properties to set (name:value[,...])"},
	{F_SNAP, "snap", 's', true, "Snapshot name"},
	{F_EPOCH, "epc", 'e', true, "Snapshot epoch"},
	{F_EPR, "epcrange", 'r', true, "Range of snapshot epochs (A-B)"},
	{F_OID, "oid", 'i', true, "DAOS object id (HI.LO)"},
};

#define NFLAGS (sizeof(dtool_flags) / sizeof(dtool_flags[0]))

static const int global_flags[] = {F_DEBUG, F_VERBOSE, F_JSON, F_SYS, 0};

static const int pq_flags[] = {F_SHOW_ENABLED, F_SHOW_DISABLED, F_HEALTH_ONLY, 0};
static const int lsattr_flags[] = {F_VALUES, 0};
static const int create_flags[] = {F_TYPE, F_PROPS, F_OCLASS, F_CHUNK, 0};
static const int destroy_flags[] = {F_FORCE, 0};
static const int getprop_flags[] = {F_GET_PROPS, 0};
static const int setprop_flags[] = {F_SET_PROPS, 0};
static const int snap_flags[] = {F_SNAP, 0};
static const int dsnap_flags[] = {F_EPOCH, F_EPR, F_SNAP, 0};
static const int oq_flags[] = {F_OID, 0};

/* pool */
static const struct cli_node n_pool_query = {
	"query", NULL, NULL, "Query a pool", DTOOL_CMD_POOL_QUERY, NULL, pq_flags,
	"<pool>", 1, 1};
static const struct cli_node n_pool_lscont = {
	"list-containers", "list-cont", NULL, "List all containers in a pool",
	DTOOL_CMD_POOL_LIST_CONT, NULL, NULL, "<pool>", 1, 1};
static const struct cli_node n_pool_lsattr = {
	"list-attr", "list-attrs", "lsattr", "List pool user-defined attributes",
	DTOOL_CMD_POOL_LIST_ATTR, NULL, lsattr_flags, "<pool>", 1, 1};
static const struct cli_node n_pool_getattr = {
	"get-attr", "getattr", NULL, "Get pool user-defined attributes",
	DTOOL_CMD_POOL_GET_ATTR, NULL, NULL, "<pool> <name[,name...]>", 2, 2};
static const struct cli_node n_pool_setattr = {
	"set-attr", "setattr", NULL, "Set pool user-defined attributes",
	DTOOL_CMD_POOL_SET_ATTR, NULL, NULL, "<pool> <name:value[,name:value...]> | <pool> <name> "
					     "<value>", 2, 3};
static const struct cli_node n_pool_delattr = {
	"del-attr", "delattr", NULL, "Delete pool user-defined attributes",
	DTOOL_CMD_POOL_DEL_ATTR, NULL, NULL, "<pool> <name[,name...]>", 2, 2};
static const struct cli_node *const pool_subs[] = {
	&n_pool_delattr, &n_pool_getattr, &n_pool_lsattr, &n_pool_lscont, &n_pool_query,
	&n_pool_setattr, NULL};
static const struct cli_node n_pool = {
	"pool", NULL, NULL, "Perform tasks related to DAOS pools", DTOOL_CMD_NONE, pool_subs,
	NULL, NULL, 0, 0};

/* container */
static const struct cli_node n_cont_create = {
	"create", NULL, NULL, "Create a container", DTOOL_CMD_CONT_CREATE, NULL, create_flags,
	"<pool> [label]", 1, 2};
static const struct cli_node n_cont_list = {
	"list", "ls", NULL, "List all containers in a pool", DTOOL_CMD_CONT_LIST, NULL, NULL,
	"<pool>", 1, 1};
static const struct cli_node n_cont_query = {
	"query", NULL, NULL, "Query a container", DTOOL_CMD_CONT_QUERY, NULL, NULL,
	"<pool> <container>", 2, 2};
static const struct cli_node n_cont_destroy = {
	"destroy", NULL, NULL, "Destroy a container", DTOOL_CMD_CONT_DESTROY, NULL,
	destroy_flags, "<pool> <container>", 2, 2};
static const struct cli_node n_cont_getprop = {
	"get-prop", "getprop", NULL, "Get container properties", DTOOL_CMD_CONT_GET_PROP, NULL,
	getprop_flags, "<pool> <container> [name[,name...]]", 2, 3};
static const struct cli_node n_cont_setprop = {
	"set-prop", "setprop", NULL, "Set container properties", DTOOL_CMD_CONT_SET_PROP, NULL,
	setprop_flags, "<pool> <container> <name:value[,name:value...]>", 2, 3};
static const struct cli_node n_cont_snap = {
	"create-snap", "snap", NULL, "Create a container snapshot", DTOOL_CMD_CONT_CREATE_SNAP,
	NULL, snap_flags, "<pool> <container>", 2, 2};
static const struct cli_node n_cont_lssnap = {
	"list-snaps", "list-snap", NULL, "List container snapshots", DTOOL_CMD_CONT_LIST_SNAPS,
	NULL, NULL, "<pool> <container>", 2, 2};
static const struct cli_node n_cont_dsnap = {
	"destroy-snap", NULL, NULL, "Destroy container snapshots", DTOOL_CMD_CONT_DESTROY_SNAP,
	NULL, dsnap_flags, "<pool> <container>", 2, 2};
static const struct cli_node n_cont_lsattr = {
	"list-attr", "list-attrs", "lsattr", "List container user-defined attributes",
	DTOOL_CMD_CONT_LIST_ATTR, NULL, lsattr_flags, "<pool> <container>", 2, 2};
static const struct cli_node n_cont_getattr = {
	"get-attr", "getattr", NULL, "Get container user-defined attributes",
	DTOOL_CMD_CONT_GET_ATTR, NULL, NULL, "<pool> <container> <name[,name...]>", 3, 3};
static const struct cli_node n_cont_setattr = {
	"set-attr", "setattr", NULL, "Set container user-defined attributes",
	DTOOL_CMD_CONT_SET_ATTR, NULL, NULL,
	"<pool> <container> <name:value[,name:value...]> | <pool> <container> <name> <value>", 3,
	4};
static const struct cli_node n_cont_delattr = {
	"del-attr", "delattr", NULL, "Delete container user-defined attributes",
	DTOOL_CMD_CONT_DEL_ATTR, NULL, NULL, "<pool> <container> <name[,name...]>", 3, 3};
static const struct cli_node *const cont_subs[] = {
	&n_cont_create,  &n_cont_snap,    &n_cont_delattr, &n_cont_destroy, &n_cont_dsnap,
	&n_cont_getattr, &n_cont_getprop, &n_cont_list,    &n_cont_lsattr,  &n_cont_lssnap,
	&n_cont_query,   &n_cont_setattr, &n_cont_setprop, NULL};
static const struct cli_node n_cont = {
	"container", "cont", NULL, "Perform tasks related to DAOS containers", DTOOL_CMD_NONE,
	cont_subs, NULL, NULL, 0, 0};

/* object */
static const struct cli_node n_obj_query = {
	"query", NULL, NULL, "Query an object's layout", DTOOL_CMD_OBJ_QUERY, NULL, oq_flags,
	"<pool> <container> <HI.LO>", 2, 3};
static const struct cli_node *const obj_subs[] = {&n_obj_query, NULL};
static const struct cli_node n_obj = {
	"object", "obj", NULL, "Perform tasks related to DAOS objects", DTOOL_CMD_NONE, obj_subs,
	NULL, NULL, 0, 0};

static const struct cli_node *const root_subs[] = {&n_cont, &n_obj, &n_pool, NULL};
static const struct cli_node n_root = {
	"daos", NULL, NULL, "The DAOS user tool", DTOOL_CMD_NONE, root_subs, NULL, NULL, 0, 0};

static const struct cli_tree dtool_tree = {
	.ct_root        = &n_root,
	.ct_flags       = dtool_flags,
	.ct_nflags      = NFLAGS,
	.ct_global      = global_flags,
	.ct_help_id     = F_HELP,
	.ct_depth_max   = DTOOL_DEPTH_MAX,
	.ct_args_max    = DTOOL_ARGS_MAX,
	.ct_arg_len_max = DTOOL_ARG_LEN_MAX,
	.ct_name_single = false, /* "Please specify one command of: query" */
};

/* Leaf names for messages, indexed by enum dtool_cmd. */
static const char *const cmd_names[DTOOL_CMD_NR] = {
	[DTOOL_CMD_NONE]              = "",
	[DTOOL_CMD_POOL_QUERY]        = "pool query",
	[DTOOL_CMD_POOL_LIST_CONT]    = "pool list-containers",
	[DTOOL_CMD_POOL_LIST_ATTR]    = "pool list-attr",
	[DTOOL_CMD_POOL_GET_ATTR]     = "pool get-attr",
	[DTOOL_CMD_POOL_SET_ATTR]     = "pool set-attr",
	[DTOOL_CMD_POOL_DEL_ATTR]     = "pool del-attr",
	[DTOOL_CMD_CONT_CREATE]       = "container create",
	[DTOOL_CMD_CONT_LIST]         = "container list",
	[DTOOL_CMD_CONT_QUERY]        = "container query",
	[DTOOL_CMD_CONT_DESTROY]      = "container destroy",
	[DTOOL_CMD_CONT_GET_PROP]     = "container get-prop",
	[DTOOL_CMD_CONT_SET_PROP]     = "container set-prop",
	[DTOOL_CMD_CONT_CREATE_SNAP]  = "container create-snap",
	[DTOOL_CMD_CONT_LIST_SNAPS]   = "container list-snaps",
	[DTOOL_CMD_CONT_DESTROY_SNAP] = "container destroy-snap",
	[DTOOL_CMD_CONT_LIST_ATTR]    = "container list-attr",
	[DTOOL_CMD_CONT_GET_ATTR]     = "container get-attr",
	[DTOOL_CMD_CONT_SET_ATTR]     = "container set-attr",
	[DTOOL_CMD_CONT_DEL_ATTR]     = "container del-attr",
	[DTOOL_CMD_OBJ_QUERY]         = "object query",
};

const char *
dtool_cmd_name(enum dtool_cmd cmd)
{
	if ((unsigned int)cmd >= DTOOL_CMD_NR)
		return "";
	return cmd_names[cmd];
}

static const struct cli_node *
args_node(const struct dtool_args *a)
{
	return a->da_path[a->da_depth - 1];
}

void
dtool_args_path(const struct dtool_args *args, char *buf, size_t len)
{
	cli_path(args->da_path, args->da_depth, buf, len);
}

/* A pool or container named by the user: a UUID or a DAOS label. */
static int
check_id(const char *id, const char *what, char *errbuf, size_t errlen)
{
	char   q[CLI_QUOTE_MAX + 4];
	size_t len = strlen(id);

	if (dtool_uuid_shaped(id, len) || dtool_label_ok(id, len))
		return 0;
	d_errbuf_printf(errbuf, errlen,
			"invalid %s '%s': not a UUID or a label (1 to %d of A-Z a-z 0-9 : . _ -)",
			what, d_errbuf_quote(q, id, len, CLI_QUOTE_MAX), DTOOL_LABEL_MAX);
	return -DER_INVAL;
}

/* Attribute names "a[,b...]" into da_attr_names. */
static int
parse_attr_names(struct dtool_args *a, const char *text, char *errbuf, size_t errlen)
{
	const char *p = text;
	char        q[CLI_QUOTE_MAX + 4];

	for (;;) {
		const char *end = strchr(p, ',');
		size_t      len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len == 0) {
			d_errbuf_printf(errbuf, errlen, "invalid attribute names '%s': empty name",
					d_errbuf_quote(q, text, strlen(text), CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		if (len > DTOOL_ATTR_NAME_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"invalid attribute name '%s': longer than %d bytes",
					d_errbuf_quote(q, p, len, CLI_QUOTE_MAX),
					DTOOL_ATTR_NAME_MAX);
			return -DER_INVAL;
		}
		if (a->da_attr_nr >= DTOOL_ATTRS_MAX) {
			d_errbuf_printf(errbuf, errlen, "more than %d attributes", DTOOL_ATTRS_MAX);
			return -DER_INVAL;
		}
		a->da_attr_names[a->da_attr_nr] = p;
		a->da_attr_name_lens[a->da_attr_nr] = len;
		a->da_attr_nr++;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

/* One attribute name and value into da_attr_*. */
static int
add_attr(struct dtool_args *a, const char *name, size_t nlen, const char *val, size_t vlen,
	 char *errbuf, size_t errlen)
{
	char q[CLI_QUOTE_MAX + 4];

	d_errbuf_quote(q, name, nlen, CLI_QUOTE_MAX);
	if (nlen == 0) {
		d_errbuf_printf(errbuf, errlen, "invalid attribute: empty name");
		return -DER_INVAL;
	}
	if (nlen > DTOOL_ATTR_NAME_MAX) {
		d_errbuf_printf(errbuf, errlen, "invalid attribute name '%s': longer than %d bytes",
				q, DTOOL_ATTR_NAME_MAX);
		return -DER_INVAL;
	}
	if (vlen == 0) {
		d_errbuf_printf(errbuf, errlen, "invalid attribute '%s': no value", q);
		return -DER_INVAL;
	}
	for (uint32_t i = 0; i < a->da_attr_nr; i++)
		if (a->da_attr_name_lens[i] == nlen &&
		    memcmp(a->da_attr_names[i], name, nlen) == 0) {
			d_errbuf_printf(errbuf, errlen, "attribute '%s' given more than once", q);
			return -DER_INVAL;
		}
	if (a->da_attr_nr >= DTOOL_ATTRS_MAX) {
		d_errbuf_printf(errbuf, errlen, "more than %d attributes", DTOOL_ATTRS_MAX);
		return -DER_INVAL;
	}
	a->da_attr_names[a->da_attr_nr] = name;
	a->da_attr_name_lens[a->da_attr_nr] = nlen;
	a->da_attr_vals[a->da_attr_nr] = val;
	a->da_attr_val_lens[a->da_attr_nr] = vlen;
	a->da_attr_nr++;
	return 0;
}

/* "name:value[,name:value...]" into da_attr_*. */
static int
parse_attr_pairs(struct dtool_args *a, const char *text, char *errbuf, size_t errlen)
{
	const char *p = text;
	char        q[CLI_QUOTE_MAX + 4];
	int         rc;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t      len = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *colon = memchr(p, ':', len);

		if (colon == NULL) {
			d_errbuf_printf(errbuf, errlen,
					"invalid attribute '%s': expected name:value",
					d_errbuf_quote(q, p, len, CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		rc = add_attr(a, p, (size_t)(colon - p), colon + 1, len - (size_t)(colon + 1 - p),
			      errbuf, errlen);
		if (rc != 0)
			return rc;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

/* Apply one flag and its value (NULL for booleans). */
static int
apply_flag(struct dtool_args *a, const struct cli_flag *f, const char *val, char *errbuf,
	   size_t errlen)
{
	char q[CLI_QUOTE_MAX + 4];
	int  rc;

	switch (f->f_id) {
	case F_DEBUG:
		a->da_debug = true;
		return 0;
	case F_VERBOSE:
		a->da_verbose = true;
		return 0;
	case F_JSON:
		a->da_json = true;
		return 0;
	case F_SYS:
		if (*val == '\0' || strlen(val) > DTOOL_SYS_NAME_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"invalid -G/--sys-name '%s': 1 to %d characters",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX),
					DTOOL_SYS_NAME_MAX);
			return -DER_INVAL;
		}
		a->da_sys = val;
		return 0;
	case F_SHOW_ENABLED:
		a->da_show_enabled = true;
		return 0;
	case F_SHOW_DISABLED:
		a->da_show_disabled = true;
		return 0;
	case F_HEALTH_ONLY:
		a->da_health_only = true;
		return 0;
	case F_VALUES:
		a->da_values = true;
		return 0;
	case F_FORCE:
		a->da_force = true;
		return 0;
	case F_TYPE:
		if (a->da_type_set)
			goto twice;
		rc = dtool_ctype_parse(val, &a->da_type, errbuf, errlen);
		if (rc != 0)
			return rc;
		a->da_type_set = true;
		return 0;
	case F_PROPS:
	case F_SET_PROPS:
		if (a->da_props_set)
			goto twice;
		rc = dtool_props_parse(val, f->f_id == F_PROPS ? DTOOL_PF_CREATE : DTOOL_PF_SET,
				       &a->da_props, errbuf, errlen);
		if (rc != 0)
			return rc;
		a->da_props_set = true;
		return 0;
	case F_GET_PROPS:
		if (a->da_get_nr != 0)
			goto twice;
		return dtool_prop_names_parse(val, a->da_get, &a->da_get_nr, errbuf, errlen);
	case F_OCLASS: {
		int id;

		if (a->da_oclass_set)
			goto twice;
		id = daos_oclass_name2id(val);
		if (id <= 0) {
			d_errbuf_printf(errbuf, errlen,
					"invalid -o/--oclass '%s': unknown object class (e.g. S1, "
					"S2, SX)",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		a->da_oclass = (uint32_t)id;
		a->da_oclass_name = val;
		a->da_oclass_set = true;
		return 0;
	}
	case F_CHUNK:
		if (a->da_chunk_set)
			goto twice;
		rc = dtool_size_parse(val, "-z/--chunk-size", 1, DTOOL_CHUNK_SIZE_MAX,
				      &a->da_chunk_size, errbuf, errlen);
		if (rc != 0)
			return rc;
		a->da_chunk_set = true;
		return 0;
	case F_SNAP:
		if (a->da_snap != NULL)
			goto twice;
		if (*val == '\0' || strlen(val) > DTOOL_SNAP_NAME_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"invalid -s/--snap '%s': 1 to %d characters",
					d_errbuf_quote(q, val, strlen(val), CLI_QUOTE_MAX),
					DTOOL_SNAP_NAME_MAX);
			return -DER_INVAL;
		}
		a->da_snap = val;
		return 0;
	case F_EPOCH:
		if (a->da_epoch_set)
			goto twice;
		rc = dtool_epoch_parse(val, "-e/--epc", &a->da_epoch, errbuf, errlen);
		if (rc != 0)
			return rc;
		a->da_epoch_set = true;
		return 0;
	case F_EPR:
		if (a->da_epr_set)
			goto twice;
		rc = dtool_epoch_range_parse(val, &a->da_epr, errbuf, errlen);
		if (rc != 0)
			return rc;
		a->da_epr_set = true;
		return 0;
	case F_OID:
		if (a->da_oid_set)
			goto twice;
		rc = dtool_oid_parse(val, &a->da_oid, errbuf, errlen);
		if (rc != 0)
			return rc;
		a->da_oid_set = true;
		return 0;
	default:
		break;
	}
	d_errbuf_printf(errbuf, errlen, "internal error: flag %d", f->f_id);
	return -DER_INVAL;
twice:
	d_errbuf_printf(errbuf, errlen, "flag `--%s' given more than once", f->f_long);
	return -DER_INVAL;
}

/* cli_parse()'s callbacks: a flag, and a word at a leaf (its next positional;
 * 1 when it takes no more). */
static int
on_flag(void *arg, const struct cli_flag *f, const char *val, char *errbuf, size_t errlen)
{
	return apply_flag(arg, f, val, errbuf, errlen);
}

static int
on_word(void *arg, const struct cli_node *leaf, const char *word, char *errbuf, size_t errlen)
{
	struct dtool_args *a = arg;

	(void)errbuf;
	(void)errlen;
	if (a->da_pos_nr >= leaf->n_pos_max || a->da_pos_nr >= DTOOL_POS_MAX)
		return 1;
	a->da_pos[a->da_pos_nr++] = word;
	return 0;
}

/* Name of the idx-th positional of a command, for "not provided". */
static const char *
missing_pos(enum dtool_cmd cmd, uint32_t idx)
{
	bool on_pool = cmd >= DTOOL_CMD_POOL_QUERY && cmd <= DTOOL_CMD_POOL_DEL_ATTR;
	bool set = cmd == DTOOL_CMD_POOL_SET_ATTR || cmd == DTOOL_CMD_CONT_SET_ATTR;

	if (idx == 0)
		return "pool";
	if (idx == 1 && !on_pool)
		return "container";
	return set ? "name:value[,name:value...]" : "name[,name...]";
}

/* The leaf's positionals into their fields, and the rules that involve
 * several arguments. */
static int
finish(struct dtool_args *a, char *errbuf, size_t errlen)
{
	const struct cli_node *node = args_node(a);
	char                     q[CLI_QUOTE_MAX + 4];
	uint32_t                 extra;
	int                      rc;

	if (a->da_pos_nr < node->n_pos_min) {
		d_errbuf_printf(errbuf, errlen, "the required argument `<%s>' was not provided",
				missing_pos(node->n_cmd, a->da_pos_nr));
		return -DER_INVAL;
	}
	a->da_pool = a->da_pos[0];
	rc = check_id(a->da_pool, "pool", errbuf, errlen);
	if (rc != 0)
		return rc;
	/* commands on a pool take their extra positionals after it */
	switch (node->n_cmd) {
	case DTOOL_CMD_POOL_QUERY:
	case DTOOL_CMD_POOL_LIST_CONT:
	case DTOOL_CMD_POOL_LIST_ATTR:
	case DTOOL_CMD_CONT_LIST:
		return 0;
	case DTOOL_CMD_POOL_GET_ATTR:
	case DTOOL_CMD_POOL_DEL_ATTR:
		return parse_attr_names(a, a->da_pos[1], errbuf, errlen);
	case DTOOL_CMD_POOL_SET_ATTR:
		if (a->da_pos_nr == 3)
			return add_attr(a, a->da_pos[1], strlen(a->da_pos[1]), a->da_pos[2],
					strlen(a->da_pos[2]), errbuf, errlen);
		return parse_attr_pairs(a, a->da_pos[1], errbuf, errlen);
	case DTOOL_CMD_CONT_CREATE:
		if (a->da_pos_nr < 2)
			return 0;
		a->da_label = a->da_pos[1];
		if (dtool_props_get(&a->da_props, DAOS_PROP_CO_LABEL) != NULL) {
			d_errbuf_printf(errbuf, errlen,
					"can't supply label arg and --properties label:");
			return -DER_INVAL;
		}
		if (!dtool_label_ok(a->da_label, strlen(a->da_label))) {
			d_errbuf_printf(errbuf, errlen,
					"invalid label '%s' (1 to %d of A-Z a-z 0-9 : . _ -, not a "
					"UUID)",
					d_errbuf_quote(q, a->da_label, strlen(a->da_label),
						       CLI_QUOTE_MAX),
					DTOOL_LABEL_MAX);
			return -DER_INVAL;
		}
		return dtool_props_add(&a->da_props, dtool_prop_by_type(DAOS_PROP_CO_LABEL), 0,
				       a->da_label, errbuf, errlen);
	default:
		break;
	}

	/* the others name a container */
	a->da_cont = a->da_pos[1];
	rc = check_id(a->da_cont, "container", errbuf, errlen);
	if (rc != 0)
		return rc;
	extra = a->da_pos_nr - 2;
	switch (node->n_cmd) {
	case DTOOL_CMD_CONT_GET_PROP:
		if (extra == 1 && a->da_get_nr != 0) {
			d_errbuf_printf(errbuf, errlen,
					"give the property names either as an argument or with "
					"--properties, not both");
			return -DER_INVAL;
		}
		if (extra == 1)
			return dtool_prop_names_parse(a->da_pos[2], a->da_get, &a->da_get_nr,
						      errbuf, errlen);
		return 0;
	case DTOOL_CMD_CONT_SET_PROP:
		if (extra == 1 && a->da_props_set) {
			d_errbuf_printf(errbuf, errlen,
					"give the properties either as an argument or with "
					"--properties, not both");
			return -DER_INVAL;
		}
		if (extra == 1) {
			rc = dtool_props_parse(a->da_pos[2], DTOOL_PF_SET, &a->da_props, errbuf,
					       errlen);
			if (rc != 0)
				return rc;
			a->da_props_set = true;
		}
		if (!a->da_props_set) {
			d_errbuf_printf(errbuf, errlen,
					"the required argument `<name:value[,name:value...]>' was "
					"not provided");
			return -DER_INVAL;
		}
		return 0;
	case DTOOL_CMD_CONT_DESTROY_SNAP: {
		int given = (int)a->da_epoch_set + (int)a->da_epr_set + (a->da_snap != NULL);

		if (given == 0) {
			d_errbuf_printf(errbuf, errlen,
					"a single epoch (-e), an epoch range (-r) or a snapshot "
					"name (-s) must be provided");
			return -DER_INVAL;
		}
		if (given > 1) {
			d_errbuf_printf(errbuf, errlen,
					"only one of -e/--epc, -r/--epcrange and -s/--snap may be "
					"given");
			return -DER_INVAL;
		}
		return 0;
	}
	case DTOOL_CMD_CONT_GET_ATTR:
	case DTOOL_CMD_CONT_DEL_ATTR:
		return parse_attr_names(a, a->da_pos[2], errbuf, errlen);
	case DTOOL_CMD_CONT_SET_ATTR:
		if (a->da_pos_nr == 4)
			return add_attr(a, a->da_pos[2], strlen(a->da_pos[2]), a->da_pos[3],
					strlen(a->da_pos[3]), errbuf, errlen);
		return parse_attr_pairs(a, a->da_pos[2], errbuf, errlen);
	case DTOOL_CMD_OBJ_QUERY:
		if (extra == 1 && a->da_oid_set) {
			d_errbuf_printf(errbuf, errlen,
					"can't specify --oid and positional argument");
			return -DER_INVAL;
		}
		if (extra == 1) {
			rc = dtool_oid_parse(a->da_pos[2], &a->da_oid, errbuf, errlen);
			if (rc != 0)
				return rc;
			a->da_oid_set = true;
		}
		if (!a->da_oid_set) {
			d_errbuf_printf(errbuf, errlen,
					"the required argument `<HI.LO>' was not provided");
			return -DER_INVAL;
		}
		return 0;
	default:
		return 0;
	}
}

int
dtool_args_parse(int argc, char **argv, struct dtool_args *a, char *errbuf, size_t errlen)
{
	struct cli_parser p = {
		.cp_tree  = &dtool_tree,
		.cp_path  = a->da_path,
		.cp_depth = &a->da_depth,
		.cp_help  = &a->da_help,
		.cp_flag  = on_flag,
		.cp_word  = on_word,
		.cp_arg   = a,
	};
	int rc;

	memset(a, 0, sizeof(*a));
	rc = cli_parse(&p, argc, argv, errbuf, errlen);
	if (rc != 0 || a->da_help)
		return rc;
	rc = finish(a, errbuf, errlen);
	if (rc != 0)
		return rc;
	a->da_cmd = args_node(a)->n_cmd;
	return 0;
}

int
dtool_args_usage(const struct dtool_args *a, struct cli_out *out)
{
	return cli_usage(&dtool_tree, a->da_path, a->da_depth, out);
}
