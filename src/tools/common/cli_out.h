/*
 * cli_out.h: what the command-line tools (dmg, daos) print, shared by both.
 *
 * A bounded output buffer with printf-append, DAOS-style text tables and
 * entity blocks, human sizes, and DAOS's -j envelope. Both tools build their
 * whole output here and write it once, so an error half-way prints nothing
 * partial, and both print tables exactly alike.
 *
 * Conventions: functions return 0 or a negative -DER_* code. Text that came
 * from a server (a cell, an entity value, a "safe" append) is printed with
 * control characters (C0 and DEL) replaced by '?', so a reply cannot drive
 * the terminal.
 */
#ifndef TOOLS_COMMON_CLI_OUT_H
#define TOOLS_COMMON_CLI_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/*
 * Limits
 */
/** Largest output a tool builds in memory (bytes): a verbose query of the
 *  largest system (16384 members of about 1 KiB) fits. */
#define CLI_OUT_MAX             (64u << 20)
/** Longest table cell or entity value (bytes): server text (a reason, an
 *  error) is cut there with "..." so one bad value cannot make every row
 *  megabytes wide. */
#define CLI_CELL_MAX            512
/** Most columns of a table (dmg's verbose pool list has 13). */
#define CLI_TABLE_COLS_MAX      16
/** Most rows of one table: one per member, host, metric family (65536) or
 *  container (65536 and a listing margin of 16). */
#define CLI_TABLE_ROWS_MAX      ((1u << 16) + 16)
/** Most rows of an entity block (daos container query has about 15). */
#define CLI_ENTITY_ROWS_MAX     32

/*
 * Output buffer
 */
/** A growing text buffer of at most CLI_OUT_MAX bytes; NUL-terminated once
 *  anything was written (o_buf NULL while empty). */
struct cli_out {
	char  *o_buf;
	size_t o_len;
	size_t o_cap;
};

void cli_out_init(struct cli_out *out);
/** Free the text; \a out is empty (and reusable) afterwards. */
void cli_out_fini(struct cli_out *out);
/** Append formatted text. On error nothing is appended.
 *  \return 0, -DER_OVERFLOW (past CLI_OUT_MAX), -DER_NOMEM, -DER_INVAL (format) */
int cli_out_printf(struct cli_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Append n bytes of s with control characters (and DEL) shown as '?'.
 *  \return 0, -DER_OVERFLOW, -DER_NOMEM */
int cli_out_put_safe(struct cli_out *out, const char *s, size_t n);
/** Write the text to \a fp and flush it. Write errors (a closed pipe) are not
 *  reported: the tool's exit code already says how the command went. */
void cli_out_write(const struct cli_out *out, FILE *fp);
/** cli_out_put_safe() of a NUL-terminated string (read up to CLI_OUT_MAX + 1
 *  bytes: a longer one overflows). */
int cli_out_puts_safe(struct cli_out *out, const char *s);

/*
 * Tables
 */
/**
 * A text table as DAOS prints it: titles, a line of dashes as long as each
 * title, then the rows; every column but the last is padded to its widest
 * cell (in characters, UTF-8 aware) and columns are separated by one space;
 * trailing blanks are dropped; every line is indented by t_indent spaces.
 */
struct cli_table {
	uint32_t     t_ncols;
	uint32_t     t_indent;
	uint32_t     t_full_cols; /**< bit c: column c is never cut (text the tool made) */
	const char  *t_titles[CLI_TABLE_COLS_MAX]; /**< borrowed, outlive the table */
	char       **t_cells;  /**< t_nrows * t_ncols owned strings */
	uint32_t     t_nrows;
	uint32_t     t_cap;
};

/** \return 0 or -DER_INVAL (0 or too many columns, NULL titles or title) */
int cli_table_init(struct cli_table *t, uint32_t ncols, const char *const *titles,
		   uint32_t indent);
/** Add a row of t_ncols cells (copied; NULL is ""; control characters become '?';
 *  cells longer than CLI_CELL_MAX bytes are cut with "..." unless their column is
 *  in t_full_cols, then at CLI_OUT_MAX).
 *  \return 0, -DER_OVERFLOW (CLI_TABLE_ROWS_MAX), -DER_NOMEM (row not added) */
int cli_table_add(struct cli_table *t, const char *const *cells);
/** \return 0, -DER_OVERFLOW, -DER_NOMEM (out may hold part of the table) */
int cli_table_render(const struct cli_table *t, struct cli_out *out);
void cli_table_fini(struct cli_table *t);

/*
 * Entity blocks
 */
/**
 * An entity block as DAOS prints one object: "  <key> : <value>" lines with
 * the keys padded to the longest (so the colons line up), values sanitised.
 */
struct cli_entity {
	const char *e_keys[CLI_ENTITY_ROWS_MAX]; /**< borrowed */
	char       *e_vals[CLI_ENTITY_ROWS_MAX]; /**< owned */
	uint32_t    e_nr;
};

void cli_entity_init(struct cli_entity *e);
/** Add "key : value" (value formatted; only its first CLI_CELL_MAX bytes are
 *  kept, without "...": values are the tool's own short texts).
 *  \return 0, -DER_OVERFLOW (CLI_ENTITY_ROWS_MAX), -DER_NOMEM */
int cli_entity_add(struct cli_entity *e, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cli_entity_render(const struct cli_entity *e, struct cli_out *out);
void cli_entity_fini(struct cli_entity *e);

/*
 * Sizes
 */
/** Size in base-10 units as DAOS prints it: "0 B", "9 B", "1.0 kB", "6.4 TB",
 *  "15 GB" (one decimal below 10, none from 10 up). len >= 16. */
void cli_size_str(uint64_t bytes, char *buf, size_t len);
/** Size in base-2 units as DAOS prints chunk and cell sizes: "32 KiB",
 *  "1.0 MiB" (same rounding). len >= 16. */
void cli_isize_str(uint64_t bytes, char *buf, size_t len);

/*
 * JSON
 */
/** JSON status of an error: rc when it is a DER code, -DER_MISC (-1025) otherwise. */
int cli_status(int rc);

/**
 * DAOS's -j envelope {"response": ..., "error": ..., "status": ...}, two-space
 * indent, then a newline. An error that is not UTF-8 is printed as
 * "(message not UTF-8)".
 * \param response  borrowed; NULL prints null
 * \param error     NULL (and rc 0) on success
 * \return 0, -DER_NOMEM, -DER_OVERFLOW
 */
int cli_envelope(const json_t *response, const char *error, int rc, struct cli_out *out);

#endif /* TOOLS_COMMON_CLI_OUT_H */
