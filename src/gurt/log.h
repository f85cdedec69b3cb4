/*
 * log.h: the GURT debug log (DAOS "dlog" compatible).
 *
 * Every message has a facility (the subsystem that logs it) and a priority.
 * Each facility has a level; a message is written when its priority is at
 * least the level of its facility. Levels are set with masks in the
 * D_LOG_MASK syntax: comma-separated elements, each a bare LEVEL (applies to
 * every facility) or FAC=LEVEL, processed left to right, e.g.
 * "ERR,mgmt=DEBUG". Facilities a mask does not mention keep their level.
 *
 * Output is one line per message:
 *   MM/DD-HH:MM:SS.cc <host> DAOS[<pid>/<tid>/<tag>] <fac> <PRIO> <file>:<line> <func>() <msg>
 * written with a single write(2) to an O_APPEND file, so lines written by
 * concurrent threads (or processes sharing the file) never interleave.
 *
 * Usage in a module:
 *   #define D_LOGFAC DD_FAC(vos)      (before this header; default D_FAC_COMMON)
 *   #include "gurt/log.h"
 *   D_ERROR("update failed: " DF_RC "\n", DP_RC(rc));
 * A disabled message costs one relaxed atomic load: its arguments are not
 * evaluated and nothing is formatted.
 *
 * Threads: everything here may be called from any thread. The levels may be
 * changed (d_log_setmasks) while other threads log; writers take no lock.
 * The final d_log_fini() should not race with logging threads; a line that
 * does race goes to stderr rather than to a recycled descriptor.
 * Not async-signal-safe (vsnprintf, localtime_r).
 */
#ifndef GURT_LOG_H
#define GURT_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits */

/** Longest line written, newline included; longer messages are cut and end in "...". */
#define D_LOG_LINE_MAX          4096
/** Line buffer of a message logged while the same thread is already formatting one
 *  (a signal handler); kept small because it lives on the stack. */
#define D_LOG_NESTED_LINE_MAX   512
/** Longest mask accepted (bytes, NUL excluded): every facility named by its longest
 *  alias with a level word takes about 900 bytes, so this leaves room for repeats
 *  while bounding parse time and the size of error messages. */
#define D_LOG_MASK_MAX          4096
/** A buffer this large always holds d_log_getmasks()/d_log_format_masks() output
 *  (bare level + every other facility as "fac=LVL", NUL included). */
#define D_LOG_MASK_BUF_SIZE     1024
/** Longest log file path, ".old" suffix and NUL included (PATH_MAX on Linux). */
#define D_LOG_PATH_MAX          4096
/** Longest host name printed (HOST_NAME_MAX on Linux); the domain part is dropped. */
#define D_LOG_HOST_MAX          64
/** Suggested size of the errbuf given to the functions below: holds any message in full
 *  except for masks near D_LOG_MASK_MAX, which are then cut. */
#define D_LOG_ERRBUF_SIZE       256
/** Default rotation size (D_LOG_SIZE unset), as in DAOS. */
#define D_LOG_SIZE_DEFAULT      (1ULL << 30)
/** Smallest D_LOG_SIZE: rotating every couple of lines would spend more time
 *  renaming than logging. */
#define D_LOG_SIZE_MIN          (2ULL * D_LOG_LINE_MAX)
/** Largest D_LOG_SIZE (1 TiB): bigger text logs cannot be handled by any tool, and
 *  the bound keeps the byte counter far from overflow. */
#define D_LOG_SIZE_MAX          (1ULL << 40)

/** Priorities, low to high severity. DAOS's D_FATAL is EMRG. */
enum d_log_prio {
	D_LOG_DBUG = 0,
	D_LOG_INFO,
	D_LOG_NOTE,
	D_LOG_WARN,
	D_LOG_ERR,
	D_LOG_CRIT,
	D_LOG_ALRT,
	D_LOG_EMRG,
	D_LOG_EMIT,
	D_LOG_PRIO_NR
};

/** Level every facility gets when the log is opened, before the mask is applied. */
#define D_LOG_DEFAULT_LEVEL     D_LOG_INFO
/** Default level copied to stderr when logging to a file (DD_STDERR unset). */
#define D_LOG_DEFAULT_STDERR    D_LOG_CRIT

/*
 * Facilities: ACTION(ID, short name, long name). The short name is printed and
 * used by d_log_getmasks(); both names are accepted in masks. Append only: the
 * order is the order of d_log_getmasks() output.
 */
#define D_FOREACH_LOG_FAC(ACTION)                                                         \
	/* DAOS */                                                                         \
	ACTION(DAOS, daos, daos)                                                           \
	ACTION(ARRAY, array, array)                                                        \
	ACTION(KV, kv, kv)                                                                 \
	ACTION(COMMON, common, common)                                                     \
	ACTION(TREE, tree, tree)                                                           \
	ACTION(VOS, vos, vos)                                                              \
	ACTION(PMDK, pmdk, pmdk)                                                           \
	ACTION(CLIENT, client, client)                                                     \
	ACTION(SERVER, server, server)                                                     \
	ACTION(RDB, rdb, rdb)                                                              \
	ACTION(RSVC, rsvc, rsvc)                                                           \
	ACTION(POOL, pool, pool)                                                           \
	ACTION(CONTAINER, container, container)                                            \
	ACTION(OBJECT, object, object)                                                     \
	ACTION(PLACEMENT, placement, placement)                                             \
	ACTION(REBUILD, rebuild, rebuild)                                                  \
	ACTION(MGMT, mgmt, mgmt)                                                           \
	ACTION(BIO, bio, bio)                                                              \
	ACTION(TESTS, tests, tests)                                                        \
	ACTION(DFS, dfs, dfs)                                                              \
	ACTION(DUNS, duns, duns)                                                           \
	ACTION(DRPC, drpc, drpc)                                                           \
	ACTION(SECURITY, security, security)                                               \
	ACTION(DTX, dtx, dtx)                                                              \
	ACTION(CHK, chk, chk)                                                              \
	ACTION(DFUSE, dfuse, dfuse)                                                        \
	ACTION(IL, il, il)                                                                 \
	ACTION(CSUM, csum, csum)                                                           \
	ACTION(PIPELINE, pipeline, pipeline)                                               \
	ACTION(STACK, stack, stack)                                                        \
	/* GURT */                                                                         \
	ACTION(MISC, misc, misc)                                                           \
	ACTION(MEM, mem, mem)                                                              \
	ACTION(SWIM, swim, swim)                                                           \
	ACTION(FI, fi, fi)                                                                 \
	ACTION(TELEM, telem, telem)                                                        \
	/* CaRT */                                                                         \
	ACTION(CRT, crt, cart)                                                             \
	ACTION(RPC, rpc, rpc)                                                              \
	ACTION(BULK, bulk, bulk)                                                           \
	ACTION(CORPC, corpc, corpc)                                                        \
	ACTION(GRP, grp, group)                                                            \
	ACTION(LM, lm, livenessmap)                                                        \
	ACTION(HG, hg, mercury)                                                            \
	ACTION(EXTERNAL, external, external)                                               \
	ACTION(ST, st, self_test)                                                          \
	ACTION(IV, iv, iv)                                                                 \
	ACTION(CTL, ctl, ctl)                                                              \
	/* this project */                                                                 \
	ACTION(CONTROL, control, control)                                                  \
	ACTION(AGENT, agent, agent)                                                        \
	ACTION(NET, net, net)                                                              \
	ACTION(ENGINE, engine, engine)

#define D_LOG_FAC_ENUM(id, sname, lname)  D_FAC_##id,
enum d_log_fac { D_FOREACH_LOG_FAC(D_LOG_FAC_ENUM) D_FAC_NR };
#undef D_LOG_FAC_ENUM

/* DD_FAC(vos) == D_FAC_VOS, so a module names its facility as it appears in masks. */
#define D_LOG_FAC_ALIAS(id, sname, lname) DD_FAC_##sname = D_FAC_##id,
enum d_log_fac_alias { D_FOREACH_LOG_FAC(D_LOG_FAC_ALIAS) };
#undef D_LOG_FAC_ALIAS
#define DD_FAC(name) DD_FAC_##name

#ifndef D_LOGFAC
#define D_LOGFAC D_FAC_COMMON
#endif

/**
 * Level of each facility. Internal: read by d_log_enabled(), written only by
 * d_log_open()/d_log_init()/d_log_setmasks(). Starts at D_LOG_DEFAULT_LEVEL.
 */
extern _Atomic uint8_t d_log_levels[D_FAC_NR];

/**
 * Open the log from the environment. Reference-counted with d_log_open(): only
 * the first call configures the log, later ones take a reference and return 0.
 *   D_LOG_FILE      path of the log file; unset or empty: stderr
 *   D_LOG_MASK      mask applied over the default INFO; unset or empty: INFO
 *   DD_STDERR       level also copied to stderr when logging to a file (CRIT)
 *   D_LOG_SIZE      rotate the file past this size: bytes, or k/m/g (x1024)
 *                   suffix; D_LOG_SIZE_MIN..D_LOG_SIZE_MAX; default 1 GiB
 *   D_LOG_TRUNCATE  "1": truncate the file when opening it; "0" or unset: append
 * A bad value of any of them: -DER_INVAL (size above the maximum:
 * -DER_OVERFLOW), a line saying why on stderr, and nothing is opened. A file
 * that cannot be opened falls back to stderr as in d_log_open().
 */
int d_log_init(void);

/**
 * Open the log (first reference) with default size limit, stderr level CRIT and
 * no truncation: every facility is set to INFO, then \a masks is applied.
 * \param file   log file path, appended to and created 0644; NULL: stderr
 * \param masks  D_LOG_MASK syntax; NULL: "INFO"
 * \param errbuf receives the reason of an error or of the stderr fallback
 *               ("" otherwise); may be NULL
 * \return 0; -DER_INVAL for a bad mask, an empty path or a path longer than
 *         D_LOG_PATH_MAX - 5 (nothing changes then).
 * Stderr fallback: when the file cannot be opened (missing directory,
 * permissions), the log goes to stderr, one line saying why is written there
 * and in errbuf, and 0 is returned: losing the log is better than failing
 * to start.
 * Already open: takes a reference and returns 0; the arguments are ignored.
 */
int d_log_open(const char *file, const char *masks, char *errbuf, size_t errlen);

/**
 * Drop a reference; the last one closes the file and lines go to stderr again.
 * No-op when the log is not open. The descriptor number the file had stays
 * open as a copy of stderr (one fd per process), so that a thread still
 * writing cannot hit a recycled descriptor. Levels keep their values.
 */
void d_log_fini(void);

/**
 * Parse a mask. Pure: touches no global state.
 * \param masks  D_LOG_MASK syntax; blanks (space, tab) around names are ignored,
 *               names are case-insensitive
 * \param levels in: the current level of each facility; out: the new levels.
 *               Left untouched on error.
 * \return 0, or -DER_INVAL with the reason in errbuf (cut to errlen; errbuf may
 *         be NULL). NULL, empty and all-blank masks are errors.
 */
int d_log_parse_masks(const char *masks, uint8_t levels[D_FAC_NR], char *errbuf,
		      size_t errlen);

/**
 * Apply a mask to the running log, all or nothing: on error no level changes.
 * Concurrent readers may briefly see some facilities changed and not others.
 * \return 0 or -DER_INVAL (reason in errbuf, as d_log_parse_masks()).
 */
int d_log_setmasks(const char *masks, char *errbuf, size_t errlen);

/**
 * Current levels in compact mask syntax ("ERR,mgmt=DBUG"); see d_log_format_masks().
 * \return 0, -DER_INVAL (buf NULL or len 0), -DER_TRUNC (does not fit; buf is "").
 */
int d_log_getmasks(char *buf, size_t len);

/**
 * Format levels as a mask: the most common level (ties: the lower one) as a bare
 * level, then "fac=LVL" for every other facility in facility order, with short
 * names and 4-letter level names. d_log_parse_masks() of the output gives back
 * exactly \a levels, whatever the levels it starts from.
 * \return 0, -DER_INVAL (NULL argument, len 0 or a level >= D_LOG_PRIO_NR),
 *         -DER_TRUNC (does not fit in len bytes; buf is then "").
 */
int d_log_format_masks(const uint8_t levels[D_FAC_NR], char *buf, size_t len);

/**
 * Parse a D_LOG_SIZE value: decimal digits with an optional k, m or g suffix (any
 * case, powers of 1024). Exposed for tests.
 * \return 0, -DER_INVAL (NULL, empty, not that syntax), -DER_OVERFLOW (> D_LOG_SIZE_MAX).
 */
int d_log_parse_size(const char *str, uint64_t *bytes);

/** Level word (debug/dbug, info, note, warn, error/err, crit, alrt, fatal/emrg, emit;
 *  any case) to priority; NULL or unknown: -DER_INVAL. */
int d_log_level_from_name(const char *name);

/** Name of a priority: "DBUG", "INFO", "NOTE", "WARN", "ERR", "CRIT", "ALRT", "EMRG",
 *  "EMIT"; NULL when out of range. */
const char *d_log_level_name(int prio);

/** Facility short or long name (any case) to facility; NULL: -DER_INVAL; unknown: -DER_NONEXIST. */
int d_log_fac_from_name(const char *name);

/** Short name of a facility ("vos"); NULL when out of range. */
const char *d_log_fac_name(int fac);

/** Set the calling thread's tag, printed third in DAOS[pid/tid/tag] (target or xstream number). */
void d_log_set_thread_tag(int tag);

/** Would a message of this facility and priority be written? The fast path: one relaxed load. */
static inline bool
d_log_enabled(int fac, int prio)
{
	return (unsigned int)fac < D_FAC_NR &&
	       prio >= (int)atomic_load_explicit(&d_log_levels[fac], memory_order_relaxed);
}

/**
 * Format and write one line. Does NOT check the level (use the macros or
 * d_log_enabled()); ignores an out-of-range fac or prio and a NULL fmt. One
 * trailing newline of the message is dropped and other newlines become spaces,
 * so every message is exactly one line. Keeps errno. No allocation.
 */
void d_log_write(int fac, int prio, const char *file, int line, const char *func,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define D_LOG_AT(prio, fmt, ...)                                                           \
	do {                                                                               \
		if (d_log_enabled(D_LOGFAC, (prio)))                                       \
			d_log_write(D_LOGFAC, (prio), __FILE__, __LINE__, __func__, fmt,   \
				    ##__VA_ARGS__);                                        \
	} while (0)

#define D_DEBUG(fmt, ...) D_LOG_AT(D_LOG_DBUG, fmt, ##__VA_ARGS__)
#define D_INFO(fmt, ...)  D_LOG_AT(D_LOG_INFO, fmt, ##__VA_ARGS__)
#define D_NOTE(fmt, ...)  D_LOG_AT(D_LOG_NOTE, fmt, ##__VA_ARGS__)
#define D_WARN(fmt, ...)  D_LOG_AT(D_LOG_WARN, fmt, ##__VA_ARGS__)
#define D_ERROR(fmt, ...) D_LOG_AT(D_LOG_ERR, fmt, ##__VA_ARGS__)
#define D_CRIT(fmt, ...)  D_LOG_AT(D_LOG_CRIT, fmt, ##__VA_ARGS__)
#define D_ALERT(fmt, ...) D_LOG_AT(D_LOG_ALRT, fmt, ##__VA_ARGS__)
#define D_FATAL(fmt, ...) D_LOG_AT(D_LOG_EMRG, fmt, ##__VA_ARGS__)
#define D_EMIT(fmt, ...)  D_LOG_AT(D_LOG_EMIT, fmt, ##__VA_ARGS__)

#endif /* GURT_LOG_H */
