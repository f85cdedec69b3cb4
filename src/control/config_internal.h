/*
 * config_internal.h: the schema-driven checker shared by the three
 * configuration files (config_schema.c), and the value checks they share.
 *
 * A schema is a table of keys for one YAML map; each key gives its type, where
 * the converted value goes in the output struct, its range or maximum length,
 * its default and whether it is required. cfg_run() parses the text, applies
 * every default, walks the tree against the top schema (catching unknown keys,
 * wrong types, out-of-range values and missing keys), then calls the file's
 * own cross-key checks. All messages go through cfg_error() so they share the
 * "<file>:<line>: <keypath>: <problem>" form.
 *
 * Invariants of a walk:
 *  1. every owned pointer in the output is NULL or a live allocation
 *     described by the schema (or freed by the file's free function), so a
 *     failed walk can always be freed;
 *  2. a list's count is raised before its new element is filled, so a
 *     half-filled element is freed too;
 *  3. cx_path is the key path of the value being checked, NUL-terminated.
 */
#ifndef CONTROL_CONFIG_INTERNAL_H
#define CONTROL_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "control/yaml_doc.h"

/* Room for a key path ("engines[15].storage[3].bdev_list[63]"); cut if longer. */
#define CFG_KEYPATH_BUF 256
/* Room for a quoted value in a message. */
#define CFG_QUOTE_BUF   (YDOC_QUOTE_MAX + 4)
/* Most keys in one schema (the seen-keys bitmap is 64 bits). */
#define CFG_SCHEMA_KEYS_MAX 64
/* Unknown keys within this edit distance of a known key get a suggestion. */
#define CFG_SUGGEST_DIST 2

enum cfg_type {
	CT_BOOL,    /* bool */
	CT_UINT,    /* unsigned integer of ck_size bytes, [ck_min, ck_max], x ck_mult */
	CT_STR,     /* char *, 1..ck_len_max bytes */
	CT_ENUM,    /* int: index in ck_names (case-insensitive) */
	CT_FLAGS,   /* uint32_t: bit i for each list item ck_names[i], no repeats */
	CT_STRLIST, /* struct cfg_strlist, ck_min..ck_max items of 1..ck_len_max bytes */
	CT_MAP,     /* nested struct at ck_off, keys in ck_sub */
	CT_MAPLIST, /* array of ck_size-byte structs at ck_off, count (uint32_t) at
		     * ck_nr_off, ck_min..ck_max elements, keys in ck_sub */
	CT_DURATION, /* uint32_t seconds from a Go duration ("90s", "1h30m", "0"),
		      * at most ck_max */
};

/* Key flags. */
#define CK_REQUIRED (1u << 0) /* must be present with a value */
#define CK_ABSPATH  (1u << 1) /* string / items: absolute path */
#define CK_UNIQUE   (1u << 2) /* list: no item twice */
#define CK_HAS_SET  (1u << 3) /* a bool at ck_set_off records that the key was given */

struct cfg_ctx;
struct cfg_schema;

/*
 * Extra check of one converted string (a CT_STR value or a CT_STRLIST item).
 * May replace *str (free the old one, store a new allocation) to normalise it.
 * Returns 0 or -DER_INVAL after cfg_error() at `node`, or -DER_NOMEM.
 */
typedef int (*cfg_check_fn)(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);

struct cfg_key {
	const char              *ck_name;
	enum cfg_type            ck_type;
	unsigned int             ck_flags;
	size_t                   ck_off;
	size_t                   ck_size;    /* field size; CT_MAPLIST: element size */
	uint64_t                 ck_min;
	uint64_t                 ck_max;
	uint64_t                 ck_mult;    /* CT_UINT: unit in bytes etc.; 0 = 1 */
	uint64_t                 ck_def;     /* CT_BOOL, CT_UINT (in written units), CT_ENUM */
	size_t                   ck_len_max; /* CT_STR, CT_STRLIST items */
	const char              *ck_def_str; /* CT_STR default; CT_STRLIST one default item */
	const char *const       *ck_names;   /* CT_ENUM, CT_FLAGS: NULL-terminated */
	const struct cfg_schema *ck_sub;     /* CT_MAP, CT_MAPLIST */
	size_t                   ck_nr_off;  /* CT_MAPLIST */
	size_t                   ck_set_off; /* CK_HAS_SET */
	cfg_check_fn             ck_check;
};

struct cfg_schema {
	const struct cfg_key *cs_keys;
	uint32_t              cs_nr;
};

#define CFG_SCHEMA(tbl) { .cs_keys = (tbl), .cs_nr = sizeof(tbl) / sizeof((tbl)[0]) }

#define CFG_FSIZE(T, f) sizeof(((T *)0)->f)

#define CK_BOOL(n, T, f, def)                                                                 \
	{ .ck_name = (n), .ck_type = CT_BOOL, .ck_off = offsetof(T, f),                       \
	  .ck_size = CFG_FSIZE(T, f), .ck_def = (def) }
#define CK_UINT(n, T, f, lo, hi, def, fl)                                                     \
	{ .ck_name = (n), .ck_type = CT_UINT, .ck_flags = (fl), .ck_off = offsetof(T, f),     \
	  .ck_size = CFG_FSIZE(T, f), .ck_min = (lo), .ck_max = (hi), .ck_def = (def) }
#define CK_UINT_SET(n, T, f, setf, lo, hi)                                                    \
	{ .ck_name = (n), .ck_type = CT_UINT, .ck_flags = CK_HAS_SET,                         \
	  .ck_off = offsetof(T, f), .ck_size = CFG_FSIZE(T, f), .ck_min = (lo),               \
	  .ck_max = (hi), .ck_set_off = offsetof(T, setf) }
#define CK_UINT_UNIT(n, T, f, lo, hi, def, unit, fl)                                          \
	{ .ck_name = (n), .ck_type = CT_UINT, .ck_flags = (fl), .ck_off = offsetof(T, f),     \
	  .ck_size = CFG_FSIZE(T, f), .ck_min = (lo), .ck_max = (hi), .ck_def = (def),        \
	  .ck_mult = (unit) }
#define CK_STR(n, T, f, maxlen, def, fl, chk)                                                 \
	{ .ck_name = (n), .ck_type = CT_STR, .ck_flags = (fl), .ck_off = offsetof(T, f),      \
	  .ck_size = CFG_FSIZE(T, f), .ck_len_max = (maxlen), .ck_def_str = (def),            \
	  .ck_check = (chk) }
#define CK_ENUM(n, T, f, names, def)                                                          \
	{ .ck_name = (n), .ck_type = CT_ENUM, .ck_off = offsetof(T, f),                       \
	  .ck_size = CFG_FSIZE(T, f), .ck_names = (names), .ck_def = (def) }
#define CK_ENUM_REQ(n, T, f, names)                                                           \
	{ .ck_name = (n), .ck_type = CT_ENUM, .ck_flags = CK_REQUIRED,                        \
	  .ck_off = offsetof(T, f), .ck_size = CFG_FSIZE(T, f), .ck_names = (names) }
#define CK_FLAGS(n, T, f, names)                                                              \
	{ .ck_name = (n), .ck_type = CT_FLAGS, .ck_off = offsetof(T, f),                      \
	  .ck_size = CFG_FSIZE(T, f), .ck_names = (names) }
#define CK_LIST(n, T, f, lo, hi, itemmax, def, fl, chk)                                       \
	{ .ck_name = (n), .ck_type = CT_STRLIST, .ck_flags = (fl), .ck_off = offsetof(T, f),  \
	  .ck_size = CFG_FSIZE(T, f), .ck_min = (lo), .ck_max = (hi),                         \
	  .ck_len_max = (itemmax), .ck_def_str = (def), .ck_check = (chk) }
#define CK_DURATION(n, T, f, hi)                                                              \
	{ .ck_name = (n), .ck_type = CT_DURATION, .ck_off = offsetof(T, f),                   \
	  .ck_size = CFG_FSIZE(T, f), .ck_max = (hi) }
#define CK_MAP(n, T, f, sub)                                                                  \
	{ .ck_name = (n), .ck_type = CT_MAP, .ck_off = offsetof(T, f),                        \
	  .ck_size = CFG_FSIZE(T, f), .ck_sub = (sub) }
#define CK_MAPLIST(n, T, f, nrf, lo, hi, sub, fl)                                             \
	{ .ck_name = (n), .ck_type = CT_MAPLIST, .ck_flags = (fl), .ck_off = offsetof(T, f),  \
	  .ck_size = sizeof(((T *)0)->f[0]), .ck_min = (lo), .ck_max = (hi), .ck_sub = (sub), \
	  .ck_nr_off = offsetof(T, nrf) }

/* Walk state. */
struct cfg_ctx {
	const char             *cx_file;
	char                   *cx_errbuf;
	size_t                  cx_errlen;
	char                    cx_path[CFG_KEYPATH_BUF];
	size_t                  cx_plen;
	const struct ydoc_node *cx_root;
};

/* The file-specific part of cfg_run(). */
struct cfg_file_ops {
	const struct cfg_schema *fo_schema;   /* top-level keys */
	size_t                   fo_size;     /* sizeof the output struct */
	const char              *fo_default_name;
	/* cross-key checks after a successful walk; may fill derived fields */
	int (*fo_post)(struct cfg_ctx *ctx, const struct ydoc_node *root, void *obj);
	/* frees everything obj owns and zeroes it */
	void (*fo_free)(void *obj);
};

/*
 * Parse buf[0..len) as file `name` into obj (zeroed first). On error obj is
 * freed and zeroed, and errbuf says why. errbuf is "" on success.
 */
int cfg_run(const struct cfg_file_ops *ops, const char *buf, size_t len, const char *name,
	    void *obj, char *errbuf, size_t errlen);

/* Read file `path` (see ydoc_read_file) and cfg_run() it with its path as name. */
int cfg_load(const struct cfg_file_ops *ops, const char *path, void *obj, char *errbuf,
	     size_t errlen);

/* Free every owned field of obj described by schema s (not obj itself). */
void cfg_free_obj(const struct cfg_schema *s, void *obj);

/* Free a string list's items and array; it is left empty. */
void cfg_strlist_free(struct cfg_strlist *l);

/* "<file>:<line of at>: <cx_path>: <message>" ("<file>:1: " when at is NULL). */
void cfg_error(struct cfg_ctx *ctx, const struct ydoc_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As cfg_error() with an explicit line and key path ("" for the top level). */
void cfg_error_path(struct cfg_ctx *ctx, uint32_t line, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Append ".key" / "[i]" to cx_path; return the old length for cfg_path_pop(). */
size_t cfg_path_push_key(struct cfg_ctx *ctx, const char *key);
size_t cfg_path_push_idx(struct cfg_ctx *ctx, uint32_t idx);
void   cfg_path_pop(struct cfg_ctx *ctx, size_t saved);

/* Quote a value for a message (d_errbuf_quote, YDOC_QUOTE_MAX bytes). */
const char *cfg_quote(char dst[CFG_QUOTE_BUF], const char *s);

/* Line of `key` in map (of the map itself if absent; 1 if map is NULL). */
uint32_t cfg_key_line(const struct ydoc_node *map, const char *key);

/* Value node of `key` in map, or the map itself when absent (for error lines). */
const struct ydoc_node *cfg_val_or_map(const struct ydoc_node *map, const char *key);

/* Names of control_log_mask levels (enum cfg_log_level order), NULL-terminated. */
extern const char *const cfg_log_level_names[];

/*
 * Shared value checks (cfg_check_fn). Each reports at `node` under cx_path.
 */
/* System name: [A-Za-z0-9_.-]. */
int cfg_check_sysname(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);
/* One host, optionally ":port" (no ranges): an access point. */
int cfg_check_host(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);
/* Provider: must be ofi+tcp or ofi+tcp;ofi_rxm; normalised to CFG_PROVIDER_TCP. */
int cfg_check_provider(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);
/* Environment "NAME=VALUE": valid variable name, no quote characters. */
int cfg_check_env_kv(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);
/* Environment variable name. */
int cfg_check_env_name(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);
/* Network interface name. */
int cfg_check_ifname(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);
/* PCI address DDDD:BB:DD.F (hex); normalised to lower case. */
int cfg_check_pci(struct cfg_ctx *ctx, const struct ydoc_node *node, char **str);

/*
 * access_points: add ":port" where missing, refuse duplicates after that, and
 * (odd_required) an even count. `key_line` is the line of the key.
 */
int cfg_norm_access_points(struct cfg_ctx *ctx, const struct ydoc_node *root,
			   struct cfg_strlist *aps, uint32_t port, bool odd_required);

/*
 * transport_config rules: with allow_insecure false, ca_cert, cert and key are
 * required.
 */
int cfg_check_transport(struct cfg_ctx *ctx, const struct ydoc_node *root,
			const struct cfg_transport *tr);

#endif /* CONTROL_CONFIG_INTERNAL_H */
