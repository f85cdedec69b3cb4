/*
 * cli_args.c: the generic command-tree parser of dmg and daos, go-flags'
 * messages and help layout (see cli_args.h).
 *
 * Invariants:
 *  1. Once cli_parse() started, *cp_depth >= 1, cp_path[0] is the root and
 *     cp_path[i + 1] is a sub-command of cp_path[i]; *cp_depth never exceeds
 *     ct_depth_max.
 *  2. cli_parse() returns 0 only with *cp_help set or with cp_path ending at
 *     a leaf.
 */
#include <stdio.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "tools/common/cli_args.h"

const struct cli_flag *
cli_flag_by_id(const struct cli_tree *t, int id)
{
	for (size_t i = 0; i < t->ct_nflags; i++)
		if (t->ct_flags[i].f_id == id)
			return &t->ct_flags[i];
	return NULL;
}

static bool
flag_match(const struct cli_flag *f, const char *name, size_t len, char sh)
{
	if (f == NULL)
		return false;
	if (name != NULL)
		return strlen(f->f_long) == len && strncmp(f->f_long, name, len) == 0;
	return sh != 0 && f->f_short == sh;
}

const struct cli_flag *
cli_flag_find(const struct cli_tree *t, const struct cli_node *node, const char *name,
	      size_t len, char sh)
{
	/* The command's own first: "dmg pool create -l" is its --label, while
	 * "-l" before the command is the global --host-list. */
	const int *lists[] = {node->n_flags, t->ct_global};

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (const int *id = lists[l]; id != NULL && *id != 0; id++) {
			const struct cli_flag *f = cli_flag_by_id(t, *id);

			if (flag_match(f, name, len, sh))
				return f;
		}
	if (flag_match(cli_flag_by_id(t, t->ct_help_id), name, len, sh))
		return cli_flag_by_id(t, t->ct_help_id);
	return NULL;
}

void
cli_flag_label(const struct cli_flag *f, char *buf, size_t len)
{
	if (f->f_short != 0)
		snprintf(buf, len, "-%c, --%s", f->f_short, f->f_long);
	else
		snprintf(buf, len, "--%s", f->f_long);
}

void
cli_path(const struct cli_node *const *path, uint32_t depth, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (uint32_t i = 0; i < depth; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : " ", path[i]->n_name);

		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

size_t
cli_edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, CLI_SUGGEST_MAX + 1), lb = strnlen(b, CLI_SUGGEST_MAX + 1);
	size_t row[CLI_SUGGEST_MAX + 1];

	if (la > CLI_SUGGEST_MAX || lb > CLI_SUGGEST_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* "a, b or c": the sub-commands of a group, for messages. */
static void
sub_names(const struct cli_node *group, char *buf, size_t len)
{
	size_t   n = 0, count = 0;
	uint32_t i;

	buf[0] = '\0';
	while (group->n_subs[count] != NULL)
		count++;
	for (i = 0; i < count; i++) {
		const char *sep = i == 0 ? "" : (i + 1 == count ? " or " : ", ");
		int         w = snprintf(buf + n, len - n, "%s%s", sep, group->n_subs[i]->n_name);

		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

int
cli_err_unknown_command(const struct cli_node *group, const char *word, char *errbuf,
			size_t errlen)
{
	char        q[CLI_QUOTE_MAX + 4];
	char        names[CLI_NAMES_MAX];
	const char *best = NULL;
	size_t      best_d = 0;
	size_t      wlen = strlen(word);

	d_errbuf_quote(q, word, wlen, CLI_QUOTE_MAX);
	if (wlen <= CLI_SUGGEST_MAX) {
		for (uint32_t i = 0; group->n_subs[i] != NULL; i++) {
			size_t d = cli_edit_distance(word, group->n_subs[i]->n_name);

			if (best == NULL || d < best_d) {
				best = group->n_subs[i]->n_name;
				best_d = d;
			}
		}
	}
	/* As go-flags: suggest when less than half of the name would change. */
	if (best != NULL && 2 * best_d < strlen(best)) {
		d_errbuf_printf(errbuf, errlen, "Unknown command `%s', did you mean `%s'?", q, best);
	} else {
		sub_names(group, names, sizeof(names));
		d_errbuf_printf(errbuf, errlen,
				"Unknown command `%s'. Please specify one command of: %s", q,
				names);
	}
	return -DER_INVAL;
}

static int
err_missing_command(const struct cli_tree *t, const struct cli_node *group, char *errbuf,
		    size_t errlen)
{
	char names[CLI_NAMES_MAX];

	if (t->ct_name_single && group->n_subs[0] != NULL && group->n_subs[1] == NULL) {
		d_errbuf_printf(errbuf, errlen, "Please specify the %s command",
				group->n_subs[0]->n_name);
	} else {
		sub_names(group, names, sizeof(names));
		d_errbuf_printf(errbuf, errlen, "Please specify one command of: %s", names);
	}
	return -DER_INVAL;
}

static const struct cli_node *
cur_node(const struct cli_parser *p)
{
	return p->cp_path[*p->cp_depth - 1];
}

/* The value of flag f is the next word, unless there is none or it is a flag. */
static int
next_value(const struct cli_parser *p, const struct cli_flag *f, int argc, char **argv, int *i,
	   char *errbuf, size_t errlen)
{
	char label[CLI_FLAG_LABEL_MAX];

	if (*i + 1 >= argc || argv[*i + 1] == NULL ||
	    (argv[*i + 1][0] == '-' && argv[*i + 1][1] != '\0')) {
		cli_flag_label(f, label, sizeof(label));
		d_errbuf_printf(errbuf, errlen, "expected argument for flag `%s'", label);
		return -DER_INVAL;
	}
	(*i)++;
	return p->cp_flag(p->cp_arg, f, argv[*i], errbuf, errlen);
}

/* One "--name[=value]" word at argv[*i]; may consume argv[*i + 1]. */
static int
parse_long(const struct cli_parser *p, int argc, char **argv, int *i, char *errbuf,
	   size_t errlen)
{
	const char            *word = argv[*i] + 2;
	const char            *eq = strchr(word, '=');
	size_t                 nlen = eq != NULL ? (size_t)(eq - word) : strlen(word);
	const struct cli_flag *f = cli_flag_find(p->cp_tree, cur_node(p), word, nlen, 0);
	char                   q[CLI_QUOTE_MAX + 4];

	if (f == NULL) {
		d_errbuf_printf(errbuf, errlen, "unknown flag `--%s'",
				d_errbuf_quote(q, word, nlen, CLI_QUOTE_MAX));
		return -DER_INVAL;
	}
	if (!f->f_value) {
		if (eq != NULL) {
			d_errbuf_printf(errbuf, errlen, "bool flag `--%s' cannot have an argument",
					f->f_long);
			return -DER_INVAL;
		}
		if (f->f_id == p->cp_tree->ct_help_id) {
			*p->cp_help = true;
			return 0;
		}
		return p->cp_flag(p->cp_arg, f, NULL, errbuf, errlen);
	}
	if (eq != NULL)
		return p->cp_flag(p->cp_arg, f, eq + 1, errbuf, errlen);
	return next_value(p, f, argc, argv, i, errbuf, errlen);
}

/* One "-x..." word: a cluster of short flags; a flag with a value takes the
 * rest of the word ("-rVALUE", or "-r=VALUE" as go-flags also accepts) or the
 * next word. */
static int
parse_short(const struct cli_parser *p, int argc, char **argv, int *i, char *errbuf,
	    size_t errlen)
{
	const char *word = argv[*i];
	char        q[CLI_QUOTE_MAX + 4];
	int         rc;

	for (size_t j = 1; word[j] != '\0'; j++) {
		const struct cli_flag *f = cli_flag_find(p->cp_tree, cur_node(p), NULL, 0, word[j]);

		if (f == NULL) {
			d_errbuf_printf(errbuf, errlen, "unknown flag `-%s'",
					d_errbuf_quote(q, &word[j], 1, CLI_QUOTE_MAX));
			return -DER_INVAL;
		}
		if (f->f_id == p->cp_tree->ct_help_id) {
			*p->cp_help = true;
			return 0;
		}
		if (!f->f_value) {
			rc = p->cp_flag(p->cp_arg, f, NULL, errbuf, errlen);
			if (rc != 0)
				return rc;
			continue;
		}
		if (word[j + 1] == '=')
			return p->cp_flag(p->cp_arg, f, &word[j + 2], errbuf, errlen);
		if (word[j + 1] != '\0')
			return p->cp_flag(p->cp_arg, f, &word[j + 1], errbuf, errlen);
		return next_value(p, f, argc, argv, i, errbuf, errlen);
	}
	return 0;
}

static bool
node_named(const struct cli_node *n, const char *word)
{
	return strcmp(n->n_name, word) == 0 || (n->n_alias != NULL && strcmp(n->n_alias, word) == 0) ||
	       (n->n_alias2 != NULL && strcmp(n->n_alias2, word) == 0);
}

/* A word that is not a flag: a sub-command, or the leaf's (the tool's). */
static int
parse_word(const struct cli_parser *p, const char *word, char *errbuf, size_t errlen)
{
	const struct cli_node *node = cur_node(p);
	char                   q[CLI_QUOTE_MAX + 4];
	char                   path[CLI_PATH_MAX];
	int                    rc;

	if (node->n_subs != NULL) {
		for (uint32_t i = 0; node->n_subs[i] != NULL; i++) {
			if (!node_named(node->n_subs[i], word))
				continue;
			if (*p->cp_depth >= p->cp_tree->ct_depth_max) /* the tree is shallower */
				break;
			p->cp_path[(*p->cp_depth)++] = node->n_subs[i];
			return 0;
		}
		return cli_err_unknown_command(node, word, errbuf, errlen);
	}
	rc = p->cp_word(p->cp_arg, node, word, errbuf, errlen);
	if (rc <= 0)
		return rc;
	cli_path(p->cp_path, *p->cp_depth, path, sizeof(path));
	d_errbuf_printf(errbuf, errlen, "unexpected argument `%s' for `%s'",
			d_errbuf_quote(q, word, strlen(word), CLI_QUOTE_MAX), path);
	return -DER_INVAL;
}

int
cli_parse(const struct cli_parser *p, int argc, char **argv, char *errbuf, size_t errlen)
{
	const struct cli_tree *t = p->cp_tree;
	bool                   flags_done = false;
	int                    rc = 0;

	p->cp_path[0] = t->ct_root;
	*p->cp_depth = 1;
	*p->cp_help = false;
	d_errbuf_printf(errbuf, errlen, "%s", "");

	if (argc > 0 && (uint32_t)argc > t->ct_args_max) {
		d_errbuf_printf(errbuf, errlen, "too many arguments (%d, at most %u)", argc - 1,
				t->ct_args_max - 1);
		return -DER_INVAL;
	}
	for (int i = 1; i < argc && argv[i] != NULL; i++) {
		if (strnlen(argv[i], (size_t)t->ct_arg_len_max + 1) > t->ct_arg_len_max) {
			d_errbuf_printf(errbuf, errlen, "argument %d is longer than %u bytes", i,
					t->ct_arg_len_max);
			return -DER_INVAL;
		}
	}
	for (int i = 1; i < argc && argv[i] != NULL && rc == 0; i++) {
		const char *w = argv[i];

		if (!flags_done && strcmp(w, "--") == 0)
			flags_done = true;
		else if (!flags_done && w[0] == '-' && w[1] == '-')
			rc = parse_long(p, argc, argv, &i, errbuf, errlen);
		else if (!flags_done && w[0] == '-' && w[1] != '\0')
			rc = parse_short(p, argc, argv, &i, errbuf, errlen);
		else
			rc = parse_word(p, w, errbuf, errlen);
		if (rc == 0 && *p->cp_help)
			return 0;
	}
	if (rc != 0)
		return rc;
	if (cur_node(p)->n_subs != NULL)
		return err_missing_command(t, cur_node(p), errbuf, errlen);
	return 0;
}

/*
 * Help
 */

/* Width of the "  -o, --config-path=" part of a flag line: "-x, " or four
 * blanks, "--", the name, "=" for a value. */
static size_t
flag_spec_len(const struct cli_flag *f)
{
	return 4 + 2 + strlen(f->f_long) + (f->f_value ? 1 : 0);
}

static int
print_flag(struct cli_out *out, const struct cli_flag *f, size_t indent, size_t width)
{
	char spec[96];

	if (f->f_short != 0)
		snprintf(spec, sizeof(spec), "-%c, --%s%s", f->f_short, f->f_long,
			 f->f_value ? "=" : "");
	else
		snprintf(spec, sizeof(spec), "    --%s%s", f->f_long, f->f_value ? "=" : "");
	return cli_out_printf(out, "%*s%-*s  %s\n", (int)indent, "", (int)width, spec, f->f_help);
}

int
cli_usage(const struct cli_tree *t, const struct cli_node *const *path, uint32_t depth,
	  struct cli_out *out)
{
	const struct cli_node *node = path[depth - 1];
	const struct cli_flag *f;
	char                   buf[CLI_PATH_MAX];
	size_t                 width = 0;
	size_t                 root_len = strlen(t->ct_root->n_name);
	int                    rc;

	/* "dmg system query" without the leading "dmg " */
	cli_path(path, depth, buf, sizeof(buf));
	rc = cli_out_printf(out, "Usage:\n  %s [OPTIONS]%s%s", t->ct_root->n_name,
			    depth > 1 ? " " : "",
			    depth > 1 && strlen(buf) > root_len ? buf + root_len + 1 : "");
	if (rc == 0 && node->n_subs != NULL)
		rc = cli_out_printf(out, " <command>");
	if (rc == 0 && node->n_flags != NULL)
		rc = cli_out_printf(out, " [%s-OPTIONS]", node->n_name);
	if (rc == 0 && node->n_args != NULL)
		rc = cli_out_printf(out, " %s", node->n_args);
	if (rc == 0)
		rc = cli_out_printf(out, "\n\n%s\n\nApplication Options:\n", node->n_help);

	/* The command's options are indented four more, in the same column. */
	for (const int *id = t->ct_global; *id != 0; id++)
		if ((f = cli_flag_by_id(t, *id)) != NULL && flag_spec_len(f) > width)
			width = flag_spec_len(f);
	for (const int *id = node->n_flags; id != NULL && *id != 0; id++)
		if ((f = cli_flag_by_id(t, *id)) != NULL && flag_spec_len(f) + 4 > width)
			width = flag_spec_len(f) + 4;
	for (const int *id = t->ct_global; rc == 0 && *id != 0; id++)
		if ((f = cli_flag_by_id(t, *id)) != NULL)
			rc = print_flag(out, f, 2, width);
	if (rc == 0)
		rc = cli_out_printf(out, "\nHelp Options:\n");
	if (rc == 0 && (f = cli_flag_by_id(t, t->ct_help_id)) != NULL)
		rc = print_flag(out, f, 2, width);
	if (rc == 0 && node->n_flags != NULL)
		rc = cli_out_printf(out, "\n[%s command options]\n", node->n_name);
	for (const int *id = node->n_flags; rc == 0 && id != NULL && *id != 0; id++)
		if ((f = cli_flag_by_id(t, *id)) != NULL)
			rc = print_flag(out, f, 6, width - 4);
	if (rc == 0 && node->n_subs != NULL) {
		size_t nw = 0;

		for (uint32_t i = 0; node->n_subs[i] != NULL; i++)
			if (strlen(node->n_subs[i]->n_name) > nw)
				nw = strlen(node->n_subs[i]->n_name);
		rc = cli_out_printf(out, "\nAvailable commands:\n");
		for (uint32_t i = 0; rc == 0 && node->n_subs[i] != NULL; i++) {
			const struct cli_node *s = node->n_subs[i];

			rc = cli_out_printf(out, "  %-*s  %s", (int)nw, s->n_name, s->n_help);
			if (rc == 0 && s->n_alias != NULL)
				rc = cli_out_printf(out, " (aliases: %s%s%s)", s->n_alias,
						    s->n_alias2 != NULL ? ", " : "",
						    s->n_alias2 != NULL ? s->n_alias2 : "");
			if (rc == 0)
				rc = cli_out_printf(out, "\n");
		}
	}
	return rc;
}
