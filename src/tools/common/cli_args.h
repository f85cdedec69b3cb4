/*
 * cli_args.h: the generic part of the command-line parser of dmg and daos.
 *
 * Both tools parse their command line as go-flags (which DAOS's tools use)
 * does, over a static command tree of their own. This library walks argv
 * once, left to right:
 *   - a word names a sub-command of the current node (by name or alias) or,
 *     at a leaf, is handed to the tool (a positional argument);
 *   - "--name", "--name=value", "-x", "-xVALUE", "-x=VALUE", "-x VALUE" and
 *     clusters of short booleans ("-jv") are flags; the flags known at a
 *     point are the current node's, then the global ones, then the help
 *     flag (a command's flag wins over a global one of the same name); a
 *     value is never taken from a next word that looks like a flag;
 *   - "--" ends flags; the help flag stops parsing and asks for the help of
 *     the node reached.
 * It gives go-flags' messages ("Unknown command `x', did you mean `y'?",
 * "expected argument for flag `-r, --ranks'", "Please specify one command
 * of: a, b or c", ...) and renders the help text in go-flags' layout. What a
 * flag or a positional means is the tool's business (callbacks).
 */
#ifndef TOOLS_COMMON_CLI_ARGS_H
#define TOOLS_COMMON_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/common/cli_out.h"

/*
 * Limits
 */
/** Longest piece of a command-line word quoted in a message: enough to
 *  recognise it, short enough that a huge argument cannot flood the terminal. */
#define CLI_QUOTE_MAX           64
/** Longest word for which a misspelt command gets a suggestion (the edit
 *  distance row is on the stack). */
#define CLI_SUGGEST_MAX         64
/** Longest "a, b or c" list of sub-commands in a message (bytes, with the
 *  NUL): far above any group's (dmg's root list is 43 bytes); cut beyond. */
#define CLI_NAMES_MAX           512
/** Longest command path ("dmg storage query list-devices") in messages and
 *  help (bytes, with the NUL); cut beyond. */
#define CLI_PATH_MAX            128
/** Longest "-x, --name" label of a flag in messages (bytes, with the NUL). */
#define CLI_FLAG_LABEL_MAX      64

/** A flag as the tool declares it (static table). */
struct cli_flag {
	int         f_id;    /**< the tool's id, not 0 */
	const char *f_long;  /**< name without "--" */
	char        f_short; /**< letter, 0: none */
	bool        f_value; /**< takes a value */
	const char *f_help;
};

/** A node of a command tree (static tables): a group (n_subs) or a leaf. */
struct cli_node {
	const char                   *n_name;
	const char                   *n_alias;   /**< NULL: none */
	const char                   *n_alias2;  /**< NULL: none (needs n_alias) */
	const char                   *n_help;
	int                           n_cmd;     /**< the tool's leaf command; 0 for a group */
	const struct cli_node *const *n_subs;    /**< NULL-terminated, sorted; NULL: a leaf */
	const int                    *n_flags;   /**< 0-terminated ids; NULL: none */
	const char                   *n_args;    /**< positionals for help; NULL: none */
	uint32_t                      n_pos_min; /**< required positionals (the tool checks) */
	uint32_t                      n_pos_max; /**< accepted positionals (the tool checks) */
};

/** A tool's command tree and its limits. */
struct cli_tree {
	const struct cli_node *ct_root;      /**< its name is the program's ("dmg") */
	const struct cli_flag *ct_flags;     /**< every flag of the tool */
	size_t                 ct_nflags;
	const int             *ct_global;    /**< 0-terminated ids, known everywhere */
	int                    ct_help_id;   /**< id of the help flag (-h, --help) */
	uint32_t               ct_depth_max; /**< deepest path (size of the path array) */
	uint32_t               ct_args_max;  /**< most words, argv[0] included */
	uint32_t               ct_arg_len_max; /**< longest word (bytes) */
	/** A group of one sub-command asks "Please specify the <name> command"
	 *  (go-flags' message, dmg's); false: "one command of: <name>" (daos's). */
	bool                   ct_name_single;
};

/** One parse: the tree, where the path goes, and the tool's callbacks. */
struct cli_parser {
	const struct cli_tree  *cp_tree;
	const struct cli_node **cp_path;  /**< ct_depth_max entries: root .. node reached */
	uint32_t               *cp_depth; /**< nodes in cp_path */
	bool                   *cp_help;  /**< set when the help flag was given */
	/**
	 * A flag was read: apply it. \a val is its value (NULL for a
	 * boolean). \return 0 or an error (message in errbuf).
	 */
	int (*cp_flag)(void *arg, const struct cli_flag *f, const char *val, char *errbuf,
		       size_t errlen);
	/**
	 * A word at a leaf: take it as a positional (0), or refuse it (1: the
	 * parser says "unexpected argument `w' for `<path>'"), or fail (< 0,
	 * message in errbuf).
	 */
	int (*cp_word)(void *arg, const struct cli_node *leaf, const char *word, char *errbuf,
		       size_t errlen);
	void *cp_arg;
};

/**
 * Parse argv (argv[0] is the program, skipped; a NULL entry ends it early).
 * The path starts at the root; on error it names the deepest node reached.
 * \return 0 with the path at a leaf, or *cp_help set (the path is where help
 *         was asked); -DER_INVAL (too many or too long words, an unknown
 *         command or flag, a missing value, a group without its command, a
 *         refused positional; message in errbuf) or a callback's error.
 */
int cli_parse(const struct cli_parser *p, int argc, char **argv, char *errbuf, size_t errlen);

/** The flag of the tree with id \a id, NULL when there is none. */
const struct cli_flag *cli_flag_by_id(const struct cli_tree *t, int id);

/** The flag known at \a node by long name (name[0..len), when name is not
 *  NULL) or short letter \a sh: the node's own, then the global ones, then
 *  help. NULL when unknown. */
const struct cli_flag *cli_flag_find(const struct cli_tree *t, const struct cli_node *node,
				     const char *name, size_t len, char sh);

/** "-r, --ranks" or "--rank-hosts", as go-flags names a flag in messages. */
void cli_flag_label(const struct cli_flag *f, char *buf, size_t len);

/** "dmg system query": the names of path[0..depth) (always NUL-terminated,
 *  cut when it does not fit). */
void cli_path(const struct cli_node *const *path, uint32_t depth, char *buf, size_t len);

/** Levenshtein distance of a and b, both at most CLI_SUGGEST_MAX bytes
 *  (longer ones compare as far apart: SIZE_MAX). */
size_t cli_edit_distance(const char *a, const char *b);

/** "Unknown command `w', did you mean `x'?" when less than half of the closest
 *  sub-command's name would change, else "Unknown command `w'. Please specify
 *  one command of: ..." (go-flags'). \return -DER_INVAL */
int cli_err_unknown_command(const struct cli_node *group, const char *word, char *errbuf,
			    size_t errlen);

/** The help text of path[depth - 1] in go-flags' layout: usage line, the node's
 *  help, the global options, the help option, the command's options, the
 *  available sub-commands with their aliases.
 *  \return 0, -DER_OVERFLOW, -DER_NOMEM */
int cli_usage(const struct cli_tree *t, const struct cli_node *const *path, uint32_t depth,
	      struct cli_out *out);

#endif /* TOOLS_COMMON_CLI_ARGS_H */
