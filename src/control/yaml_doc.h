/*
 * yaml_doc.h: a small YAML document tree for configuration files.
 *
 * ydoc_parse() runs libyaml's event parser over a buffer and builds a tree of
 * maps, sequences and scalars, each node carrying the 1-based line and column
 * where it starts, so that the configuration layer can name the exact place of
 * a mistake. Only the subset of YAML that configuration files need is
 * accepted:
 *   - one document (an empty stream, or one with only comments, gives no root);
 *   - block and flow collections ("[a, b]", "{k: v}");
 *   - map keys are scalars and unique within their map;
 *   - anchors, aliases and explicit tags are refused with a clear message,
 *     since they make a value's place in the file ambiguous;
 *   - scalars stay untyped strings (YAML 1.1 typing is the schema's job);
 *     a scalar holding a NUL character is refused, so every scalar is a C
 *     string.
 *
 * Error messages (into errbuf) start with "<name>:<line>:<col>: " where name is
 * the caller's name for the input (a file name) and line/col are 1-based, or
 * with "<name>: " for a problem of the whole input. A problem inside a
 * collection also names its path ("engines[1].storage[0]").
 *
 * Invariants of a parsed struct ydoc:
 *  1. every node is reachable from yd_root exactly once; freeing the root
 *     frees the whole tree;
 *  2. a map's keys are scalars, pairwise different, and yn_keys[i] goes with
 *     yn_items[i]; a sequence has yn_keys NULL;
 *  3. depth <= YDOC_DEPTH_MAX, yd_nodes <= YDOC_NODES_MAX, every collection
 *     has at most YDOC_ITEMS_MAX items;
 *  4. every scalar's yn_str is NUL-terminated at yn_len with no NUL before.
 */
#ifndef CONTROL_YAML_DOC_H
#define CONTROL_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits
 */
/** Largest input (bytes): a full daos_server.yml with 16 engines and every
 *  comment is under 64 KiB, so 1 MiB is generous yet bounds time and memory. */
#define YDOC_BUF_MAX    (1u << 20)
/** Deepest nesting of collections: daos_server.yml needs 6 levels (root, engines,
 *  engine, storage, tier, bdev_list); 16 leaves room without letting
 *  "[[[[..." grow stacks. */
#define YDOC_DEPTH_MAX  16
/** Most nodes (keys included) in a document: a large configuration has a few
 *  hundred; 16 Ki bounds memory to about 1 MiB of nodes. */
#define YDOC_NODES_MAX  16384
/** Most entries in one map or sequence: the longest real list (bdev_list,
 *  env_vars) has tens of entries; the bound also keeps duplicate-key checks,
 *  which are quadratic in a map's size, cheap. */
#define YDOC_ITEMS_MAX  1024
/** Most bytes of a key or value quoted in a message; longer text is cut. */
#define YDOC_QUOTE_MAX  64

/** Kinds of node. */
enum ydoc_kind {
	YDOC_SCALAR = 1,
	YDOC_SEQ,
	YDOC_MAP,
};

/** One node of the tree; read-only for callers. */
struct ydoc_node {
	enum ydoc_kind     yn_kind;
	uint32_t           yn_line;  /**< 1-based line of the node's start */
	uint32_t           yn_col;   /**< 1-based column of the node's start */
	/* scalar */
	char              *yn_str;   /**< NUL-terminated value (scalar only) */
	size_t             yn_len;   /**< bytes of yn_str */
	bool               yn_plain; /**< written without quotes (plain style) */
	/* sequence and map */
	uint32_t           yn_nr;    /**< items (sequence) or entries (map) */
	uint32_t           yn_cap;
	struct ydoc_node **yn_items; /**< sequence items, or map values */
	struct ydoc_node **yn_keys;  /**< map keys (scalars); NULL for a sequence */
};

/** A parsed document. */
struct ydoc {
	struct ydoc_node *yd_root;  /**< NULL for an empty stream */
	uint32_t          yd_nodes; /**< nodes in the tree */
};

/**
 * Parse buf[0..len) (untrusted; need not be NUL-terminated) into doc.
 * \param name   how messages name the input, e.g. "daos_server.yml"
 * \param doc    output; on success the caller frees it with ydoc_fini()
 * \return 0; -DER_INVAL with the reason in errbuf (too large, not text,
 *         syntax error, alias/anchor/tag, duplicate key, over a limit);
 *         -DER_NOMEM. On error doc is left empty (nothing to free).
 */
int ydoc_parse(const char *buf, size_t len, const char *name, struct ydoc *doc, char *errbuf,
	       size_t errlen);

/** Free a document's tree; doc is left empty. Safe on an empty doc. */
void ydoc_fini(struct ydoc *doc);

/**
 * Read a whole regular file of at most YDOC_BUF_MAX bytes.
 * \param bufp  out: malloc'ed contents (NUL-terminated for convenience), the
 *              caller frees it
 * \return 0; -DER_NONEXIST (no such file or directory on the path),
 *         -DER_NO_PERM (permission denied), -DER_INVAL (a directory, not a
 *         regular file, too large, read error), -DER_NOMEM. Messages start
 *         with "<path>: ".
 */
int ydoc_read_file(const char *path, char **bufp, size_t *lenp, char *errbuf, size_t errlen);

/** Index of `key` in a map, or -1 (also when map is NULL or not a map). */
int ydoc_map_find(const struct ydoc_node *map, const char *key);

/** Value of `key` in a map, or NULL. */
struct ydoc_node *ydoc_map_get(const struct ydoc_node *map, const char *key);

/**
 * Is this the YAML null value? A plain scalar "", "~", "null", "Null" or
 * "NULL" (what `key:` with nothing after it gives). NULL is null too.
 */
bool ydoc_is_null(const struct ydoc_node *node);

/** "a scalar", "a list" or "a map", for messages. */
const char *ydoc_kind_name(enum ydoc_kind kind);

#endif /* CONTROL_YAML_DOC_H */
