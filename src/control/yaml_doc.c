/*
 * yaml_doc.c: YAML document tree built from libyaml events (see yaml_doc.h).
 *
 * The builder keeps a stack of open collections. Frame 0 stands for the
 * document and receives the root; frame i > 0 holds the collection opened at
 * nesting level i and, for a map, the key whose value is being built. A node
 * is attached to its parent only when it is complete (a scalar at once, a
 * collection at its end event), so until then it is owned by its frame.
 *
 * Invariants of the builder (between events):
 *  1. b_stack[1..b_depth) hold open collections, each owned by its frame and
 *     not yet reachable from any other node; b_root is owned by the builder;
 *  2. a map frame's f_key, when set, is a key already checked unique in that
 *     map and owned by the frame;
 *  3. b_nodes counts every node allocated, <= YDOC_NODES_MAX (after an error
 *     the count no longer matters: everything is freed).
 * On error everything the builder owns is freed, so no partial tree escapes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "control/yaml_doc.h"

/* Room for one quoted text: the bytes, "...", the NUL. */
#define YD_QUOTE_BUF   (YDOC_QUOTE_MAX + 4)
/* Room for the path of a node in a message ("engines[12].storage[3].bdev_list[1000]"). */
#define YD_PATH_BUF    256
/* First capacity of a collection's arrays; doubled as it grows. */
#define YD_CAP_FIRST   4
/* Largest read buffer: one byte past the limit, and the NUL. */
#define YD_READ_CAP    ((size_t)YDOC_BUF_MAX + 2)

struct yd_frame {
	struct ydoc_node *f_node; /* open collection; NULL in frame 0 */
	struct ydoc_node *f_key;  /* map only: key waiting for its value */
};

struct yd_builder {
	const char      *b_name;
	const char      *b_buf;
	size_t           b_len;
	char            *b_errbuf;
	size_t           b_errlen;
	struct yd_frame  b_stack[YDOC_DEPTH_MAX + 1];
	int              b_depth; /* frames in use, frame 0 included */
	struct ydoc_node *b_root;
	uint32_t         b_nodes;
	uint32_t         b_docs;
};

static void
yd_node_free(struct ydoc_node *n)
{
	uint32_t i;

	if (n == NULL)
		return;
	/* Recursion is bounded by YDOC_DEPTH_MAX (invariant 3). */
	for (i = 0; i < n->yn_nr; i++) {
		yd_node_free(n->yn_items[i]);
		if (n->yn_keys != NULL)
			yd_node_free(n->yn_keys[i]);
	}
	free(n->yn_items);
	free(n->yn_keys);
	free(n->yn_str);
	free(n);
}

void
ydoc_fini(struct ydoc *doc)
{
	if (doc == NULL)
		return;
	yd_node_free(doc->yd_root);
	doc->yd_root  = NULL;
	doc->yd_nodes = 0;
}

const char *
ydoc_kind_name(enum ydoc_kind kind)
{
	switch (kind) {
	case YDOC_SCALAR:
		return "a scalar";
	case YDOC_SEQ:
		return "a list";
	case YDOC_MAP:
		return "a map";
	}
	return "an unknown node";
}

int
ydoc_map_find(const struct ydoc_node *map, const char *key)
{
	uint32_t i;

	if (map == NULL || map->yn_kind != YDOC_MAP || key == NULL)
		return -1;
	for (i = 0; i < map->yn_nr; i++)
		if (strcmp(map->yn_keys[i]->yn_str, key) == 0)
			return (int)i;
	return -1;
}

struct ydoc_node *
ydoc_map_get(const struct ydoc_node *map, const char *key)
{
	int i = ydoc_map_find(map, key);

	return i < 0 ? NULL : map->yn_items[i];
}

bool
ydoc_is_null(const struct ydoc_node *n)
{
	if (n == NULL)
		return true;
	if (n->yn_kind != YDOC_SCALAR || !n->yn_plain)
		return false;
	return n->yn_len == 0 || strcmp(n->yn_str, "~") == 0 || strcmp(n->yn_str, "null") == 0 ||
	       strcmp(n->yn_str, "Null") == 0 || strcmp(n->yn_str, "NULL") == 0;
}

/*
 * Path of the node being built at the top of the stack: the collections of
 * frames 2.., plus, when `pending`, the place the next node attached to the
 * top frame will take. Always NUL-terminated; cut when too long.
 */
static void
yd_path(const struct yd_builder *b, bool pending, char *out, size_t len)
{
	char   q[YD_QUOTE_BUF];
	size_t n = 0;
	int    top = pending ? b->b_depth : b->b_depth - 1;
	int    j, w;

	out[0] = '\0';
	for (j = 2; j <= top; j++) {
		const struct yd_frame *pf = &b->b_stack[j - 1];

		if (pf->f_node->yn_kind == YDOC_MAP) {
			if (pf->f_key == NULL)
				break;
			d_errbuf_quote(q, pf->f_key->yn_str, pf->f_key->yn_len, YDOC_QUOTE_MAX);
			w = snprintf(out + n, len - n, "%s%s", n == 0 ? "" : ".", q);
		} else {
			w = snprintf(out + n, len - n, "[%u]", pf->f_node->yn_nr);
		}
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

/* "<name>:<line>:<col>: " message (1-based position) with an optional path. */
static void
yd_err_pos(struct yd_builder *b, size_t line, size_t col, bool with_path, const char *msg)
{
	char path[YD_PATH_BUF] = "";

	if (with_path)
		yd_path(b, true, path, sizeof(path));
	d_errbuf_printf(b->b_errbuf, b->b_errlen, "%s:%zu:%zu: %s%s%s", b->b_name, line, col,
			path, path[0] != '\0' ? ": " : "", msg);
}

/* As yd_err_pos() at a libyaml (0-based) mark. */
static void
yd_err_at(struct yd_builder *b, const yaml_mark_t *mark, bool with_path, const char *msg)
{
	yd_err_pos(b, mark->line + 1, mark->column + 1, with_path, msg);
}

static struct ydoc_node *
yd_node_new(struct yd_builder *b, enum ydoc_kind kind, const yaml_event_t *ev, int *rc)
{
	struct ydoc_node *n;

	if (b->b_nodes >= YDOC_NODES_MAX) {
		char msg[64];

		snprintf(msg, sizeof(msg), "more than %d nodes in the document", YDOC_NODES_MAX);
		yd_err_at(b, &ev->start_mark, false, msg);
		*rc = -DER_INVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		*rc = -DER_NOMEM;
		return NULL;
	}
	n->yn_kind = kind;
	/* libyaml marks are 0-based; messages and callers use 1-based positions. */
	n->yn_line = ev->start_mark.line >= UINT32_MAX ? UINT32_MAX : (uint32_t)ev->start_mark.line + 1;
	n->yn_col  = ev->start_mark.column >= UINT32_MAX ? UINT32_MAX
							  : (uint32_t)ev->start_mark.column + 1;
	b->b_nodes++;
	return n;
}

/* Make room for one more entry in a collection. */
static int
yd_grow(struct ydoc_node *c)
{
	struct ydoc_node **items, **keys;
	uint32_t           cap;

	if (c->yn_nr < c->yn_cap)
		return 0;
	cap   = c->yn_cap == 0 ? YD_CAP_FIRST : c->yn_cap * 2;
	if (cap > YDOC_ITEMS_MAX)
		cap = YDOC_ITEMS_MAX;
	items = realloc(c->yn_items, cap * sizeof(*items));
	if (items == NULL)
		return -DER_NOMEM;
	c->yn_items = items;
	if (c->yn_kind == YDOC_MAP) {
		keys = realloc(c->yn_keys, cap * sizeof(*keys));
		if (keys == NULL)
			return -DER_NOMEM;
		c->yn_keys = keys;
	}
	c->yn_cap = cap;
	return 0;
}

/*
 * Attach a complete node to the collection at the top of the stack (or make
 * it the root). On success the parent owns it; on error the caller still does.
 */
static int
yd_attach(struct yd_builder *b, struct ydoc_node *n)
{
	struct yd_frame  *top = &b->b_stack[b->b_depth - 1];
	struct ydoc_node *c   = top->f_node;
	char              msg[128 + YD_QUOTE_BUF];
	char              q[YD_QUOTE_BUF];
	char              path[YD_PATH_BUF];
	uint32_t          i;
	int               rc;

	if (b->b_depth == 1) {
		/* One document (yd_event), hence one root; checked, not assumed. */
		if (b->b_root != NULL) {
			d_errbuf_printf(b->b_errbuf, b->b_errlen,
					"%s: unexpected YAML event sequence", b->b_name);
			return -DER_INVAL;
		}
		b->b_root = n;
		return 0;
	}
	if (c->yn_kind == YDOC_MAP && top->f_key == NULL) {
		if (n->yn_kind != YDOC_SCALAR) {
			snprintf(msg, sizeof(msg), "a map key must be a scalar, got %s",
				 ydoc_kind_name(n->yn_kind));
			yd_err_pos(b, n->yn_line, n->yn_col, false, msg);
			return -DER_INVAL;
		}
		for (i = 0; i < c->yn_nr; i++) {
			if (c->yn_keys[i]->yn_len == n->yn_len &&
			    memcmp(c->yn_keys[i]->yn_str, n->yn_str, n->yn_len) == 0) {
				yd_path(b, false, path, sizeof(path));
				d_errbuf_quote(q, n->yn_str, n->yn_len, YDOC_QUOTE_MAX);
				d_errbuf_printf(b->b_errbuf, b->b_errlen,
						"%s:%u: %s%sduplicate key '%s' (first at line %u)",
						b->b_name, n->yn_line, path, path[0] ? ": " : "", q,
						c->yn_keys[i]->yn_line);
				return -DER_INVAL;
			}
		}
		if (c->yn_nr >= YDOC_ITEMS_MAX) {
			snprintf(msg, sizeof(msg), "more than %d entries in one map",
				 YDOC_ITEMS_MAX);
			yd_err_pos(b, n->yn_line, n->yn_col, false, msg);
			return -DER_INVAL;
		}
		top->f_key = n;
		return 0;
	}
	if (c->yn_nr >= YDOC_ITEMS_MAX) {
		snprintf(msg, sizeof(msg), "more than %d items in one %s", YDOC_ITEMS_MAX,
			 c->yn_kind == YDOC_MAP ? "map" : "list");
		yd_err_pos(b, n->yn_line, n->yn_col, false, msg);
		return -DER_INVAL;
	}
	rc = yd_grow(c);
	if (rc != 0)
		return rc;
	c->yn_items[c->yn_nr] = n;
	if (c->yn_kind == YDOC_MAP) {
		c->yn_keys[c->yn_nr] = top->f_key;
		top->f_key           = NULL;
	}
	c->yn_nr++;
	return 0;
}

/* Refuse anchors and tags: configuration values must be written out in place. */
static int
yd_check_props(struct yd_builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
	       const yaml_char_t *tag)
{
	char msg[96 + YD_QUOTE_BUF];
	char q[YD_QUOTE_BUF];

	if (anchor != NULL) {
		d_errbuf_quote(q, (const char *)anchor, strlen((const char *)anchor),
			       YDOC_QUOTE_MAX);
		snprintf(msg, sizeof(msg),
			 "YAML anchor '&%s' is not supported in configuration files", q);
		yd_err_at(b, &ev->start_mark, false, msg);
		return -DER_INVAL;
	}
	if (tag != NULL) {
		d_errbuf_quote(q, (const char *)tag, strlen((const char *)tag), YDOC_QUOTE_MAX);
		snprintf(msg, sizeof(msg), "YAML tag '%s' is not supported in configuration files",
			 q);
		yd_err_at(b, &ev->start_mark, false, msg);
		return -DER_INVAL;
	}
	return 0;
}

static int
yd_scalar(struct yd_builder *b, const yaml_event_t *ev)
{
	struct ydoc_node *n;
	const char       *v   = (const char *)ev->data.scalar.value;
	size_t            len = ev->data.scalar.length;
	int               rc  = 0;

	rc = yd_check_props(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
	if (rc != 0)
		return rc;
	if (len > 0 && memchr(v, '\0', len) != NULL) {
		yd_err_at(b, &ev->start_mark, true, "a value contains a NUL character");
		return -DER_INVAL;
	}
	n = yd_node_new(b, YDOC_SCALAR, ev, &rc);
	if (n == NULL)
		return rc;
	n->yn_str = malloc(len + 1);
	if (n->yn_str == NULL) {
		yd_node_free(n);
		return -DER_NOMEM;
	}
	if (len > 0)
		memcpy(n->yn_str, v, len);
	n->yn_str[len] = '\0';
	n->yn_len      = len;
	n->yn_plain    = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	rc             = yd_attach(b, n);
	if (rc != 0)
		yd_node_free(n);
	return rc;
}

static int
yd_open(struct yd_builder *b, const yaml_event_t *ev, enum ydoc_kind kind)
{
	struct ydoc_node *n;
	char              msg[64];
	int               rc;

	if (kind == YDOC_SEQ)
		rc = yd_check_props(b, ev, ev->data.sequence_start.anchor,
				    ev->data.sequence_start.tag);
	else
		rc = yd_check_props(b, ev, ev->data.mapping_start.anchor,
				    ev->data.mapping_start.tag);
	if (rc != 0)
		return rc;
	if (b->b_depth > YDOC_DEPTH_MAX) {
		snprintf(msg, sizeof(msg), "nesting deeper than %d levels", YDOC_DEPTH_MAX);
		yd_err_at(b, &ev->start_mark, false, msg);
		return -DER_INVAL;
	}
	n = yd_node_new(b, kind, ev, &rc);
	if (n == NULL)
		return rc;
	b->b_stack[b->b_depth].f_node = n;
	b->b_stack[b->b_depth].f_key  = NULL;
	b->b_depth++;
	return 0;
}

static int
yd_close(struct yd_builder *b)
{
	struct yd_frame  *f;
	struct ydoc_node *n;
	int               rc;

	/*
	 * libyaml pairs start and end events and gives every key a value; the
	 * events still come from untrusted input, so a broken sequence is an
	 * error rather than an assertion.
	 */
	if (b->b_depth <= 1 || b->b_stack[b->b_depth - 1].f_key != NULL) {
		d_errbuf_printf(b->b_errbuf, b->b_errlen, "%s: unexpected YAML event sequence",
				b->b_name);
		return -DER_INVAL;
	}
	f = &b->b_stack[b->b_depth - 1];
	n = f->f_node;
	b->b_depth--;
	rc = yd_attach(b, n);
	if (rc != 0)
		yd_node_free(n);
	return rc;
}

/* Line and column (1-based) of a byte offset, for reader errors that carry no mark. */
static void
yd_offset_pos(const struct yd_builder *b, size_t off, size_t *line, size_t *col)
{
	size_t i, l = 1, c = 1;

	if (off > b->b_len)
		off = b->b_len;
	for (i = 0; i < off; i++) {
		if (b->b_buf[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col  = c;
}

static int
yd_parser_error(struct yd_builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem != NULL ? p->problem : "unknown error";
	size_t      line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		d_errbuf_printf(b->b_errbuf, b->b_errlen, "%s: out of memory parsing YAML",
				b->b_name);
		return -DER_NOMEM;
	case YAML_READER_ERROR:
		yd_offset_pos(b, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			d_errbuf_printf(b->b_errbuf, b->b_errlen,
					"%s:%zu:%zu: not valid text: %s (byte 0x%02x)", b->b_name,
					line, col, problem, (unsigned int)p->problem_value & 0xffu);
		else
			d_errbuf_printf(b->b_errbuf, b->b_errlen, "%s:%zu:%zu: not valid text: %s",
					b->b_name, line, col, problem);
		return -DER_INVAL;
	default:
		break;
	}
	if (p->context != NULL)
		d_errbuf_printf(b->b_errbuf, b->b_errlen,
				"%s:%zu:%zu: YAML syntax error: %s (%s at line %zu, column %zu)",
				b->b_name, p->problem_mark.line + 1, p->problem_mark.column + 1,
				problem, p->context, p->context_mark.line + 1,
				p->context_mark.column + 1);
	else
		d_errbuf_printf(b->b_errbuf, b->b_errlen, "%s:%zu:%zu: YAML syntax error: %s",
				b->b_name, p->problem_mark.line + 1, p->problem_mark.column + 1,
				problem);
	return -DER_INVAL;
}

static int
yd_event(struct yd_builder *b, const yaml_event_t *ev, bool *done)
{
	char q[YD_QUOTE_BUF];
	char msg[96 + YD_QUOTE_BUF];

	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		return 0;
	case YAML_NO_EVENT: /* only after the end: stop rather than loop */
	case YAML_STREAM_END_EVENT:
		*done = true;
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (b->b_docs > 0) {
			yd_err_at(b, &ev->start_mark, false,
				  "more than one YAML document (only one is allowed)");
			return -DER_INVAL;
		}
		b->b_docs++;
		return 0;
	case YAML_ALIAS_EVENT:
		d_errbuf_quote(q, (const char *)ev->data.alias.anchor,
			       strlen((const char *)ev->data.alias.anchor), YDOC_QUOTE_MAX);
		snprintf(msg, sizeof(msg),
			 "YAML alias '*%s' is not supported in configuration files", q);
		yd_err_at(b, &ev->start_mark, false, msg);
		return -DER_INVAL;
	case YAML_SCALAR_EVENT:
		return yd_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return yd_open(b, ev, YDOC_SEQ);
	case YAML_MAPPING_START_EVENT:
		return yd_open(b, ev, YDOC_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return yd_close(b);
	}
	return 0;
}

static void
yd_builder_cleanup(struct yd_builder *b)
{
	int i;

	for (i = b->b_depth - 1; i >= 1; i--) {
		yd_node_free(b->b_stack[i].f_key);
		yd_node_free(b->b_stack[i].f_node);
	}
	b->b_depth = 1;
	yd_node_free(b->b_root);
	b->b_root = NULL;
}

int
ydoc_parse(const char *buf, size_t len, const char *name, struct ydoc *doc, char *errbuf,
	   size_t errlen)
{
	struct yd_builder b;
	yaml_parser_t     parser;
	yaml_event_t      ev;
	bool              done = false;
	int               rc   = 0;

	if (doc == NULL)
		return -DER_INVAL;
	doc->yd_root  = NULL;
	doc->yd_nodes = 0;
	if (name == NULL)
		name = "<input>";
	if (buf == NULL && len > 0) {
		d_errbuf_printf(errbuf, errlen, "%s: no input buffer", name);
		return -DER_INVAL;
	}
	if (len > YDOC_BUF_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: too large (%zu bytes, max %u)", name, len,
				YDOC_BUF_MAX);
		return -DER_INVAL;
	}

	memset(&b, 0, sizeof(b));
	b.b_name   = name;
	b.b_buf    = buf;
	b.b_len    = len;
	b.b_errbuf = errbuf;
	b.b_errlen = errlen;
	b.b_depth  = 1;

	if (!yaml_parser_initialize(&parser))
		return -DER_NOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)(buf != NULL ? buf : ""),
				     len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = yd_parser_error(&b, &parser);
			break;
		}
		rc = yd_event(&b, &ev, &done);
		yaml_event_delete(&ev);
		if (rc != 0)
			break;
	}
	yaml_parser_delete(&parser);

	if (rc != 0) {
		yd_builder_cleanup(&b);
		return rc;
	}
	if (b.b_depth != 1) {
		d_errbuf_printf(errbuf, errlen, "%s: unexpected YAML event sequence", name);
		yd_builder_cleanup(&b);
		return -DER_INVAL;
	}
	doc->yd_root  = b.b_root;
	doc->yd_nodes = b.b_nodes;
	return 0;
}

int
ydoc_read_file(const char *path, char **bufp, size_t *lenp, char *errbuf, size_t errlen)
{
	struct stat st;
	char       *buf = NULL, *nbuf;
	size_t      cap, len = 0;
	ssize_t     n;
	int         fd, err, rc = 0;

	if (path == NULL || bufp == NULL || lenp == NULL) {
		d_errbuf_printf(errbuf, errlen, "no file name given");
		return -DER_INVAL;
	}
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "%s: cannot open: %s", path, strerror(err));
		if (err == ENOENT || err == ENOTDIR)
			return -DER_NONEXIST;
		if (err == EACCES || err == EPERM)
			return -DER_NO_PERM;
		return -DER_INVAL;
	}
	if (fstat(fd, &st) != 0) {
		d_errbuf_printf(errbuf, errlen, "%s: cannot stat: %s", path, strerror(errno));
		rc = -DER_INVAL;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "%s: is a directory, not a file", path);
		rc = -DER_INVAL;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "%s: not a regular file", path);
		rc = -DER_INVAL;
		goto out;
	}
	if (st.st_size > (off_t)YDOC_BUF_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: too large (%lld bytes, max %u)", path,
				(long long)st.st_size, YDOC_BUF_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	/* st_size is a hint only (a file may grow, /proc files say 0): read to EOF, bounded. */
	cap = (size_t)st.st_size + 1;
	if (cap < 4096)
		cap = 4096;
	buf = malloc(cap);
	if (buf == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			/* At YD_READ_CAP, having read YDOC_BUF_MAX + 1 bytes proves "too large". */
			if (cap >= YD_READ_CAP) {
				d_errbuf_printf(errbuf, errlen, "%s: too large (more than %u bytes)",
						path, YDOC_BUF_MAX);
				rc = -DER_INVAL;
				goto out;
			}
			cap  = cap * 2 > YD_READ_CAP ? YD_READ_CAP : cap * 2;
			nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				rc = -DER_NOMEM;
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			d_errbuf_printf(errbuf, errlen, "%s: read error: %s", path,
					strerror(errno));
			rc = -DER_INVAL;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > YDOC_BUF_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: too large (more than %u bytes)", path,
				YDOC_BUF_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	buf[len] = '\0';
	*bufp    = buf;
	*lenp    = len;
	buf      = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}
