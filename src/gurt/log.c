/*
 * log.c: the GURT debug log (see log.h for the format and the mask syntax).
 *
 * Fast path: a macro loads the facility's level (one relaxed atomic load) and
 * only then calls d_log_write(), which formats into a per-thread buffer and
 * hands the whole line to one write(2). Writers take no lock, never allocate
 * and never block on another writer. Configuration (open, fini, setmasks)
 * serialises on log_cfg_lock; file rotation on log_rot_lock, taken only with
 * trylock by writers.
 *
 * Invariants:
 * 1. Every d_log_levels[] entry is < D_LOG_PRIO_NR: entries are only stored
 *    from arrays that d_log_parse_masks() produced, under log_cfg_lock.
 * 2. log_fd is -1 (lines go to fd 2) or equals log_slot. While the log is
 *    open the descriptor number log_slot is never closed: rotation swaps the
 *    file behind it with dup3(), which the kernel does atomically, so a writer
 *    that loaded the number writes either to the old file or to the new one,
 *    never to a closed or recycled descriptor. After the last d_log_fini()
 *    log_slot stays open as a copy of stderr for the same reason (one fd).
 * 3. A line is at most D_LOG_LINE_MAX bytes, ends with its only '\n' and is
 *    passed to a single write(2) on an O_APPEND descriptor: lines of
 *    concurrent writers never interleave.
 * 4. log_refcount > 0 iff the log has been configured by d_log_open() or
 *    d_log_init(); it changes only under log_cfg_lock.
 * 5. log_path, log_path_old and log_slot change only with both locks held;
 *    rotation reads them with log_rot_lock held. Lock order: cfg, then rot.
 * 6. The per-thread line buffer is used by one call at a time: a nested call
 *    on the same thread (a signal handler) formats into its own stack buffer.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/log.h"
#include "gurt/errbuf.h"

#define LOG_LEVEL_INIT(id, sname, lname) [D_FAC_##id] = D_LOG_DEFAULT_LEVEL,
_Atomic uint8_t d_log_levels[D_FAC_NR] = {D_FOREACH_LOG_FAC(LOG_LEVEL_INIT)};
#undef LOG_LEVEL_INIT

struct log_fac_names {
	const char *fn_short;
	const char *fn_long;
};

#define LOG_FAC_NAMES(id, sname, lname) [D_FAC_##id] = {#sname, #lname},
static const struct log_fac_names log_facs[D_FAC_NR] = {D_FOREACH_LOG_FAC(LOG_FAC_NAMES)};
#undef LOG_FAC_NAMES

static const char *const log_prio_names[D_LOG_PRIO_NR] = {
	[D_LOG_DBUG] = "DBUG", [D_LOG_INFO] = "INFO", [D_LOG_NOTE] = "NOTE",
	[D_LOG_WARN] = "WARN", [D_LOG_ERR] = "ERR",   [D_LOG_CRIT] = "CRIT",
	[D_LOG_ALRT] = "ALRT", [D_LOG_EMRG] = "EMRG", [D_LOG_EMIT] = "EMIT",
};

struct log_level_word {
	const char *lw_name;
	uint8_t     lw_prio;
};

/* The words DAOS accepts in masks; the printed names are among them. */
static const struct log_level_word log_level_words[] = {
	{"debug", D_LOG_DBUG}, {"dbug", D_LOG_DBUG}, {"info", D_LOG_INFO},
	{"note", D_LOG_NOTE},  {"warn", D_LOG_WARN}, {"error", D_LOG_ERR},
	{"err", D_LOG_ERR},    {"crit", D_LOG_CRIT}, {"alrt", D_LOG_ALRT},
	{"fatal", D_LOG_EMRG}, {"emrg", D_LOG_EMRG}, {"emit", D_LOG_EMIT},
};

#define LOG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LOG_OLD_SUFFIX    ".old"

static pthread_mutex_t log_cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t log_rot_lock = PTHREAD_MUTEX_INITIALIZER;
static int             log_refcount;
static int             log_slot = -1;
static char            log_path[D_LOG_PATH_MAX];
static char            log_path_old[D_LOG_PATH_MAX];

static _Atomic int      log_fd = -1;
static _Atomic uint8_t  log_stderr_prio = D_LOG_DEFAULT_STDERR;
static _Atomic uint64_t log_size;
static _Atomic uint64_t log_limit = D_LOG_SIZE_DEFAULT;

/* Process identity: set once (log_identity_init), pid again in a forked child. */
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static char           log_host[D_LOG_HOST_MAX + 1];
static int            log_pid;

static __thread pid_t                 log_tls_tid;
static __thread int                   log_tls_tag;
static __thread volatile sig_atomic_t log_tls_busy;
static __thread time_t                log_tls_sec = (time_t)-1;
static __thread char                  log_tls_date[16];
static __thread char                  log_tls_line[D_LOG_LINE_MAX];

_Static_assert(D_FAC_NR <= 255, "a facility index must fit the level counters");
_Static_assert(D_LOG_PRIO_NR <= UINT8_MAX, "levels are stored in uint8_t");
_Static_assert(D_LOG_NESTED_LINE_MAX >= 64 && D_LOG_LINE_MAX >= D_LOG_NESTED_LINE_MAX,
	       "line buffers must hold a prefix and the cut marker");

static void
log_clearerr(char *errbuf, size_t errlen)
{
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
}

/* ASCII-only, so the result does not depend on the locale (Turkish 'I'). */
static int
log_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Is [p, p + n) the word, ignoring ASCII case? */
static bool
log_word_eq(const char *p, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (word[i] == '\0' || log_lower((unsigned char)p[i]) != word[i])
			return false;
	}
	return word[n] == '\0';
}

static int
log_level_lookup(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < LOG_ARRAY_SIZE(log_level_words); i++) {
		if (log_word_eq(p, n, log_level_words[i].lw_name))
			return log_level_words[i].lw_prio;
	}
	return -DER_INVAL;
}

static int
log_fac_lookup(const char *p, size_t n)
{
	int f;

	for (f = 0; f < D_FAC_NR; f++) {
		if (log_word_eq(p, n, log_facs[f].fn_short) ||
		    log_word_eq(p, n, log_facs[f].fn_long))
			return f;
	}
	return -DER_NONEXIST;
}

int
d_log_level_from_name(const char *name)
{
	if (name == NULL)
		return -DER_INVAL;
	return log_level_lookup(name, strlen(name));
}

const char *
d_log_level_name(int prio)
{
	if (prio < 0 || prio >= D_LOG_PRIO_NR)
		return NULL;
	return log_prio_names[prio];
}

int
d_log_fac_from_name(const char *name)
{
	if (name == NULL)
		return -DER_INVAL;
	return log_fac_lookup(name, strlen(name));
}

const char *
d_log_fac_name(int fac)
{
	if (fac < 0 || fac >= D_FAC_NR)
		return NULL;
	return log_facs[fac].fn_short;
}

static bool
log_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Narrow [*p, *e) to drop the blanks at both ends. */
static void
log_trim(const char **p, const char **e)
{
	while (*p < *e && log_is_blank(**p))
		(*p)++;
	while (*e > *p && log_is_blank((*e)[-1]))
		(*e)--;
}

/*
 * Apply one element [p, e) of the mask to levels. The whole mask is only
 * used in error messages.
 */
static int
log_parse_elem(const char *mask, const char *p, const char *e, uint8_t *levels,
	       char *errbuf, size_t errlen)
{
	const char *eq;
	const char *fp, *fe, *lp, *le;
	int         fac, prio, f;

	log_trim(&p, &e);
	if (p == e) {
		d_errbuf_printf(errbuf, errlen, "empty element in log mask '%s'", mask);
		return -DER_INVAL;
	}

	eq = memchr(p, '=', e - p);
	if (eq == NULL) {
		prio = log_level_lookup(p, e - p);
		if (prio < 0) {
			if (log_fac_lookup(p, e - p) >= 0)
				d_errbuf_printf(errbuf, errlen,
					   "missing '=LEVEL' after facility '%.*s' in '%s'",
					   (int)(e - p), p, mask);
			else
				d_errbuf_printf(errbuf, errlen, "unknown log level '%.*s' in '%s'",
					   (int)(e - p), p, mask);
			return -DER_INVAL;
		}
		for (f = 0; f < D_FAC_NR; f++)
			levels[f] = (uint8_t)prio;
		return 0;
	}

	if (memchr(eq + 1, '=', e - (eq + 1)) != NULL) {
		d_errbuf_printf(errbuf, errlen, "more than one '=' in element '%.*s' of '%s'",
			   (int)(e - p), p, mask);
		return -DER_INVAL;
	}
	fp = p;
	fe = eq;
	lp = eq + 1;
	le = e;
	log_trim(&fp, &fe);
	log_trim(&lp, &le);
	if (fp == fe) {
		d_errbuf_printf(errbuf, errlen, "missing facility before '=' in '%s'", mask);
		return -DER_INVAL;
	}
	if (lp == le) {
		d_errbuf_printf(errbuf, errlen, "missing log level after '=' in '%s'", mask);
		return -DER_INVAL;
	}
	fac = log_fac_lookup(fp, fe - fp);
	if (fac < 0) {
		d_errbuf_printf(errbuf, errlen, "unknown facility '%.*s' in '%s'", (int)(fe - fp), fp,
			   mask);
		return -DER_INVAL;
	}
	prio = log_level_lookup(lp, le - lp);
	if (prio < 0) {
		d_errbuf_printf(errbuf, errlen, "unknown log level '%.*s' in '%s'", (int)(le - lp), lp,
			   mask);
		return -DER_INVAL;
	}
	levels[fac] = (uint8_t)prio;
	return 0;
}

int
d_log_parse_masks(const char *masks, uint8_t levels[D_FAC_NR], char *errbuf, size_t errlen)
{
	uint8_t     next[D_FAC_NR];
	const char *p, *e, *end;
	size_t      len, i;
	int         rc;

	log_clearerr(errbuf, errlen);
	if (masks == NULL) {
		d_errbuf_printf(errbuf, errlen, "log mask is NULL");
		return -DER_INVAL;
	}
	if (levels == NULL) {
		d_errbuf_printf(errbuf, errlen, "log levels array is NULL");
		return -DER_INVAL;
	}
	len = strnlen(masks, D_LOG_MASK_MAX + 1);
	if (len > D_LOG_MASK_MAX) {
		d_errbuf_printf(errbuf, errlen, "log mask too long (%zu bytes, max %d)", strlen(masks),
			   D_LOG_MASK_MAX);
		return -DER_INVAL;
	}
	/* Reject control and non-ASCII bytes before echoing the mask in any message. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)masks[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			d_errbuf_printf(errbuf, errlen,
				   "invalid character 0x%02x at offset %zu in log mask", c, i);
			return -DER_INVAL;
		}
	}
	p = masks;
	end = masks + len;
	log_trim(&p, &end);
	if (p == end) {
		d_errbuf_printf(errbuf, errlen, "empty log mask");
		return -DER_INVAL;
	}

	memcpy(next, levels, sizeof(next));
	p = masks;
	end = masks + len;
	for (;;) {
		e = memchr(p, ',', end - p);
		if (e == NULL)
			e = end;
		rc = log_parse_elem(masks, p, e, next, errbuf, errlen);
		if (rc != 0)
			return rc;
		if (e == end)
			break;
		p = e + 1;
	}
	memcpy(levels, next, sizeof(next));
	return 0;
}

int
d_log_format_masks(const uint8_t levels[D_FAC_NR], char *buf, size_t len)
{
	unsigned int count[D_LOG_PRIO_NR] = {0};
	size_t       off;
	int          common = 0;
	int          f, p, n;

	if (levels == NULL || buf == NULL || len == 0)
		return -DER_INVAL;
	buf[0] = '\0';
	for (f = 0; f < D_FAC_NR; f++) {
		if (levels[f] >= D_LOG_PRIO_NR)
			return -DER_INVAL;
		count[levels[f]]++;
	}
	for (p = 1; p < D_LOG_PRIO_NR; p++) {
		if (count[p] > count[common])
			common = p;
	}

	n = snprintf(buf, len, "%s", log_prio_names[common]);
	if (n < 0 || (size_t)n >= len)
		goto trunc;
	off = n;
	for (f = 0; f < D_FAC_NR; f++) {
		if (levels[f] == common)
			continue;
		n = snprintf(buf + off, len - off, ",%s=%s", log_facs[f].fn_short,
			     log_prio_names[levels[f]]);
		if (n < 0 || (size_t)n >= len - off)
			goto trunc;
		off += n;
	}
	return 0;
trunc:
	buf[0] = '\0';
	return -DER_TRUNC;
}

int
d_log_parse_size(const char *str, uint64_t *bytes)
{
	const char *p = str;
	uint64_t    v = 0;
	uint64_t    mult = 1;
	bool        over = false;

	if (str == NULL || bytes == NULL || *p < '0' || *p > '9')
		return -DER_INVAL;
	/* v stays <= D_LOG_SIZE_MAX (2^40), so v * 10 + 9 cannot wrap. */
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > D_LOG_SIZE_MAX)
			over = true;
		else
			v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K':
		mult = 1ULL << 10;
		p++;
		break;
	case 'm': case 'M':
		mult = 1ULL << 20;
		p++;
		break;
	case 'g': case 'G':
		mult = 1ULL << 30;
		p++;
		break;
	default:
		break;
	}
	if (*p != '\0')
		return -DER_INVAL;
	if (over || v > D_LOG_SIZE_MAX / mult)
		return -DER_OVERFLOW;
	*bytes = v * mult;
	return 0;
}

static void
log_atfork_prepare(void)
{
	pthread_mutex_lock(&log_cfg_lock);
	pthread_mutex_lock(&log_rot_lock);
}

static void
log_atfork_parent(void)
{
	pthread_mutex_unlock(&log_rot_lock);
	pthread_mutex_unlock(&log_cfg_lock);
}

/* Runs in the child's only thread, the one that forked: its cached tid is stale. */
static void
log_atfork_child(void)
{
	log_pid = (int)getpid();
	log_tls_tid = 0;
	pthread_mutex_unlock(&log_rot_lock);
	pthread_mutex_unlock(&log_cfg_lock);
}

static void
log_identity_init(void)
{
	char *dot;

	if (gethostname(log_host, sizeof(log_host)) != 0 || log_host[0] == '\0')
		snprintf(log_host, sizeof(log_host), "%s", "unknown");
	log_host[sizeof(log_host) - 1] = '\0';
	dot = strchr(log_host, '.');
	if (dot != NULL && dot != log_host)
		*dot = '\0';
	log_pid = (int)getpid();
	/* Load the time zone now rather than inside the first localtime_r() of a writer. */
	tzset();
	/* Failure (ENOMEM) only costs stale pid/tid in a forked child's lines. */
	(void)pthread_atfork(log_atfork_prepare, log_atfork_parent, log_atfork_child);
}

/* Drop the "./" and "../" that out-of-tree builds put in front of __FILE__. */
static const char *
log_short_path(const char *file)
{
	if (file == NULL)
		return "?";
	for (;;) {
		if (strncmp(file, "./", 2) == 0)
			file += 2;
		else if (strncmp(file, "../", 3) == 0)
			file += 3;
		else
			return file;
	}
}

/* "MM/DD-HH:MM:SS" of a time, local time zone; date must hold 16 bytes. */
static void
log_fmt_date(time_t sec, char *date)
{
	struct tm tm;

	if (localtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* Unsigned and modulo 100 so the compiler can see that 15 bytes are enough. */
	snprintf(date, 16, "%02u/%02u-%02u:%02u:%02u", (unsigned int)(tm.tm_mon + 1) % 100,
		 (unsigned int)tm.tm_mday % 100, (unsigned int)tm.tm_hour % 100,
		 (unsigned int)tm.tm_min % 100, (unsigned int)tm.tm_sec % 100);
}

/*
 * Format one line into buf (cap bytes, >= 64) and return its length, trailing
 * newline included (invariant 3). use_cache: reuse this thread's formatted
 * date when the second has not changed (not for nested calls, which could
 * interrupt the update of the cache).
 */
static size_t
log_format(char *buf, size_t cap, bool use_cache, int fac, int prio, const char *file,
	   int line, const char *func, const char *fmt, va_list ap)
{
	struct timespec ts;
	char            date_local[16];
	const char     *date;
	size_t          len, msg, max = cap - 1; /* last byte for the '\n' */
	bool            cut = false;
	char           *nl;
	int             n, m;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		memset(&ts, 0, sizeof(ts));
	if (use_cache) {
		if (ts.tv_sec != log_tls_sec) {
			log_fmt_date(ts.tv_sec, log_tls_date);
			log_tls_sec = ts.tv_sec;
		}
		date = log_tls_date;
	} else {
		log_fmt_date(ts.tv_sec, date_local);
		date = date_local;
	}
	if (log_tls_tid == 0)
		log_tls_tid = gettid();

	n = snprintf(buf, cap, "%s.%02ld %s DAOS[%d/%d/%d] %-4s %-4s %s:%d %s() ", date,
		     ts.tv_nsec / 10000000L, log_host, log_pid, (int)log_tls_tid, log_tls_tag,
		     log_facs[fac].fn_short, log_prio_names[prio], log_short_path(file), line,
		     func != NULL ? func : "?");
	if (n < 0)
		n = 0;
	if ((size_t)n >= max) {
		/* A path or function name as long as a line: keep what fits. */
		len = max;
		msg = max;
		cut = true;
	} else {
		msg = n;
		m = vsnprintf(buf + msg, cap - msg, fmt, ap);
		if (m < 0)
			m = snprintf(buf + msg, cap - msg, "(bad log format)");
		if ((size_t)m > max - msg) {
			len = max;
			cut = true;
		} else {
			len = msg + m;
		}
	}

	if (cut) {
		size_t pos = max - 3, back = 0;

		/* Do not leave half of a UTF-8 character before the marker. */
		while (pos > msg && back < 3 && ((unsigned char)buf[pos] & 0xC0) == 0x80) {
			pos--;
			back++;
		}
		memcpy(buf + pos, "...", 3);
		len = pos + 3;
		if (msg > len)
			msg = len;
	} else if (len > msg && buf[len - 1] == '\n') {
		len--;
	}
	/* One message, one line: the file can be split on '\n' without ambiguity. */
	for (nl = buf + msg; (nl = memchr(nl, '\n', buf + len - nl)) != NULL; nl++)
		*nl = ' ';
	buf[len++] = '\n';
	assert(len <= cap);
	return len;
}

/* Write all of it; retry on EINTR. Errors are dropped: there is nowhere to report them. */
static void
log_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Note a rotation problem on stderr (not in the log: we are inside its writer). */
static void
log_rotate_warn(const char *what, const char *path, int err)
{
	char msg[256];
	char eb[64];
	int  n;

	n = snprintf(msg, sizeof(msg), "d_log: cannot rotate log file: %s '%.120s': %s\n", what,
		     path, strerror_r(err, eb, sizeof(eb)));
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	log_write_all(STDERR_FILENO, msg, (size_t)n);
}

/*
 * Rotate the log file if it is still above the limit: rename it to
 * <file>.old, create a new one and move it behind log_slot (invariant 2).
 * Only the thread that gets log_rot_lock does it; the others carry on
 * writing to the file that log_slot refers to at that moment.
 */
static void
log_rotate(void)
{
	struct stat st;
	int         fd;

	if (pthread_mutex_trylock(&log_rot_lock) != 0)
		return;
	if (log_slot < 0 || atomic_load_explicit(&log_fd, memory_order_relaxed) < 0 ||
	    atomic_load_explicit(&log_size, memory_order_relaxed) <=
		atomic_load_explicit(&log_limit, memory_order_relaxed))
		goto out;

	if (rename(log_path, log_path_old) != 0 && errno != ENOENT) {
		log_rotate_warn("rename", log_path, errno);
		goto retry_later;
	}
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_rotate_warn("open", log_path, errno);
		goto retry_later;
	}
	if (dup3(fd, log_slot, O_CLOEXEC) < 0) {
		log_rotate_warn("dup3", log_path, errno);
		close(fd);
		goto retry_later;
	}
	close(fd);
	atomic_store_explicit(&log_size, fstat(log_slot, &st) == 0 ? (uint64_t)st.st_size : 0,
			      memory_order_relaxed);
	goto out;

retry_later:
	/* Keep writing to the big file; try again after another D_LOG_SIZE bytes. */
	atomic_store_explicit(&log_size, 0, memory_order_relaxed);
out:
	pthread_mutex_unlock(&log_rot_lock);
}

static void
log_emit(const char *buf, size_t len, int prio)
{
	int      fd = atomic_load_explicit(&log_fd, memory_order_acquire);
	uint64_t size;

	if (fd < 0) {
		log_write_all(STDERR_FILENO, buf, len);
		return;
	}
	log_write_all(fd, buf, len);
	if (prio >= atomic_load_explicit(&log_stderr_prio, memory_order_relaxed))
		log_write_all(STDERR_FILENO, buf, len);
	size = atomic_fetch_add_explicit(&log_size, len, memory_order_relaxed) + len;
	if (size > atomic_load_explicit(&log_limit, memory_order_relaxed))
		log_rotate();
}

/* Kept out of line so the nested buffer costs stack only when it is used. */
static void __attribute__((noinline))
log_write_nested(int fac, int prio, const char *file, int line, const char *func,
		 const char *fmt, va_list ap)
{
	char   buf[D_LOG_NESTED_LINE_MAX];
	size_t len;

	len = log_format(buf, sizeof(buf), false, fac, prio, file, line, func, fmt, ap);
	log_emit(buf, len, prio);
}

void
d_log_write(int fac, int prio, const char *file, int line, const char *func, const char *fmt,
	    ...)
{
	va_list ap;
	size_t  len;
	int     saved_errno = errno;

	if ((unsigned int)fac >= D_FAC_NR || (unsigned int)prio >= D_LOG_PRIO_NR || fmt == NULL)
		return;
	(void)pthread_once(&log_once, log_identity_init);

	va_start(ap, fmt);
	if (!log_tls_busy) {
		log_tls_busy = 1;
		len = log_format(log_tls_line, sizeof(log_tls_line), true, fac, prio, file, line,
				 func, fmt, ap);
		log_emit(log_tls_line, len, prio);
		log_tls_busy = 0;
	} else {
		log_write_nested(fac, prio, file, line, func, fmt, ap);
	}
	va_end(ap);
	errno = saved_errno;
}

void
d_log_set_thread_tag(int tag)
{
	log_tls_tag = tag;
}

/* What d_log_open() and d_log_init() configure. */
struct log_conf {
	const char *lc_file;     /* NULL: stderr */
	const char *lc_masks;    /* NULL: default level only */
	uint64_t    lc_limit;    /* rotation size */
	uint8_t     lc_stderr;   /* level copied to stderr */
	bool        lc_truncate; /* O_TRUNC the file */
};

/* Move fd above the standard descriptors, so that the log never masquerades as stderr. */
static int
log_fd_above_std(int fd)
{
	int nfd, err;

	if (fd > STDERR_FILENO)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	err = errno;
	close(fd);
	errno = err;
	return nfd;
}

static int
log_open_conf(const struct log_conf *conf, char *errbuf, size_t errlen)
{
	uint8_t     levels[D_FAC_NR];
	char        reason[D_LOG_ERRBUF_SIZE] = "";
	struct stat st;
	uint64_t    size = 0;
	size_t      flen = 0;
	int         fd = -1;
	int         rc = 0;
	int         f;

	(void)pthread_once(&log_once, log_identity_init);
	log_clearerr(errbuf, errlen);
	pthread_mutex_lock(&log_cfg_lock);
	if (log_refcount > 0) {
		log_refcount++;
		goto out;
	}

	/* Validate everything before changing anything. */
	memset(levels, D_LOG_DEFAULT_LEVEL, sizeof(levels));
	if (conf->lc_masks != NULL) {
		rc = d_log_parse_masks(conf->lc_masks, levels, errbuf, errlen);
		if (rc != 0)
			goto out;
	}
	if (conf->lc_file != NULL) {
		flen = strnlen(conf->lc_file, D_LOG_PATH_MAX);
		if (flen == 0) {
			d_errbuf_printf(errbuf, errlen, "empty log file path");
			rc = -DER_INVAL;
			goto out;
		}
		if (flen + sizeof(LOG_OLD_SUFFIX) > D_LOG_PATH_MAX) {
			d_errbuf_printf(errbuf, errlen, "log file path too long (%zu bytes, max %zu)",
				   strlen(conf->lc_file), D_LOG_PATH_MAX - sizeof(LOG_OLD_SUFFIX));
			rc = -DER_INVAL;
			goto out;
		}
		fd = open(conf->lc_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
					   (conf->lc_truncate ? O_TRUNC : 0), 0644);
		if (fd >= 0)
			fd = log_fd_above_std(fd);
		if (fd < 0) {
			char eb[64];

			/* The path is cut so that the cause always fits in the message. */
			snprintf(reason, sizeof(reason),
				 "cannot open log file '%.160s': %s; logging to stderr",
				 conf->lc_file, strerror_r(errno, eb, sizeof(eb)));
		} else if (fstat(fd, &st) == 0) {
			size = (uint64_t)st.st_size;
		}
	}

	for (f = 0; f < D_FAC_NR; f++)
		atomic_store_explicit(&d_log_levels[f], levels[f], memory_order_release);
	atomic_store_explicit(&log_stderr_prio, conf->lc_stderr, memory_order_relaxed);
	atomic_store_explicit(&log_limit, conf->lc_limit, memory_order_relaxed);
	if (fd >= 0) {
		pthread_mutex_lock(&log_rot_lock);
		memcpy(log_path, conf->lc_file, flen);
		log_path[flen] = '\0';
		memcpy(log_path_old, conf->lc_file, flen);
		memcpy(log_path_old + flen, LOG_OLD_SUFFIX, sizeof(LOG_OLD_SUFFIX));
		/* Reuse the number kept by the last d_log_fini() (invariant 2). */
		if (log_slot >= 0 && dup3(fd, log_slot, O_CLOEXEC) == log_slot) {
			close(fd);
		} else {
			if (log_slot >= 0)
				close(log_slot);
			log_slot = fd;
		}
		atomic_store_explicit(&log_size, size, memory_order_relaxed);
		atomic_store_explicit(&log_fd, log_slot, memory_order_release);
		pthread_mutex_unlock(&log_rot_lock);
	}
	log_refcount = 1;
	if (reason[0] != '\0') {
		d_log_write(D_FAC_MISC, D_LOG_ERR, __FILE__, __LINE__, __func__, "%s", reason);
		d_errbuf_printf(errbuf, errlen, "%s", reason);
	}
out:
	pthread_mutex_unlock(&log_cfg_lock);
	return rc;
}

int
d_log_open(const char *file, const char *masks, char *errbuf, size_t errlen)
{
	struct log_conf conf = {
		.lc_file = file,
		.lc_masks = masks,
		.lc_limit = D_LOG_SIZE_DEFAULT,
		.lc_stderr = D_LOG_DEFAULT_STDERR,
		.lc_truncate = false,
	};

	return log_open_conf(&conf, errbuf, errlen);
}

/* An environment variable, or NULL when unset or empty (both mean "default"). */
static const char *
log_getenv(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && v[0] != '\0') ? v : NULL;
}

int
d_log_init(void)
{
	struct log_conf conf = {
		.lc_limit = D_LOG_SIZE_DEFAULT,
		.lc_stderr = D_LOG_DEFAULT_STDERR,
	};
	char        errbuf[D_LOG_ERRBUF_SIZE];
	const char *v;
	int         rc;

	pthread_mutex_lock(&log_cfg_lock);
	if (log_refcount > 0) {
		log_refcount++;
		pthread_mutex_unlock(&log_cfg_lock);
		return 0;
	}
	pthread_mutex_unlock(&log_cfg_lock);

	conf.lc_file = log_getenv("D_LOG_FILE");
	conf.lc_masks = log_getenv("D_LOG_MASK");
	if (conf.lc_masks != NULL) {
		/* Checked here so the message names the variable; applied by log_open_conf(). */
		uint8_t levels[D_FAC_NR];

		memset(levels, D_LOG_DEFAULT_LEVEL, sizeof(levels));
		rc = d_log_parse_masks(conf.lc_masks, levels, errbuf, sizeof(errbuf));
		if (rc != 0) {
			fprintf(stderr, "d_log_init: D_LOG_MASK: %s\n", errbuf);
			return rc;
		}
	}

	v = log_getenv("DD_STDERR");
	if (v != NULL) {
		rc = d_log_level_from_name(v);
		if (rc < 0) {
			fprintf(stderr, "d_log_init: DD_STDERR: unknown log level '%.64s'\n", v);
			return rc;
		}
		conf.lc_stderr = (uint8_t)rc;
	}

	v = log_getenv("D_LOG_SIZE");
	if (v != NULL) {
		rc = d_log_parse_size(v, &conf.lc_limit);
		if (rc == -DER_OVERFLOW) {
			fprintf(stderr, "d_log_init: D_LOG_SIZE: '%.64s' is above the maximum "
				"of %llu bytes\n", v, (unsigned long long)D_LOG_SIZE_MAX);
			return rc;
		}
		if (rc != 0) {
			fprintf(stderr,
				"d_log_init: D_LOG_SIZE: '%.64s' is not a size (digits with an "
				"optional k, m or g suffix)\n",
				v);
			return rc;
		}
		if (conf.lc_limit < D_LOG_SIZE_MIN) {
			fprintf(stderr, "d_log_init: D_LOG_SIZE: '%.64s' is below the minimum "
				"of %llu bytes\n", v, (unsigned long long)D_LOG_SIZE_MIN);
			return -DER_INVAL;
		}
	}

	v = log_getenv("D_LOG_TRUNCATE");
	if (v != NULL) {
		if (strcmp(v, "1") == 0) {
			conf.lc_truncate = true;
		} else if (strcmp(v, "0") != 0) {
			fprintf(stderr, "d_log_init: D_LOG_TRUNCATE: '%.64s' is not 0 or 1\n", v);
			return -DER_INVAL;
		}
	}

	rc = log_open_conf(&conf, errbuf, sizeof(errbuf));
	if (rc != 0)
		fprintf(stderr, "d_log_init: D_LOG_FILE: %s\n", errbuf);
	return rc;
}

void
d_log_fini(void)
{
	pthread_mutex_lock(&log_cfg_lock);
	if (log_refcount == 0 || --log_refcount > 0)
		goto out;

	pthread_mutex_lock(&log_rot_lock);
	atomic_store_explicit(&log_fd, -1, memory_order_release);
	/* Keep the number valid for writers still holding it (invariant 2). */
	if (log_slot >= 0 && dup3(STDERR_FILENO, log_slot, O_CLOEXEC) < 0) {
		close(log_slot);
		log_slot = -1;
	}
	log_path[0] = '\0';
	log_path_old[0] = '\0';
	atomic_store_explicit(&log_size, 0, memory_order_relaxed);
	atomic_store_explicit(&log_limit, D_LOG_SIZE_DEFAULT, memory_order_relaxed);
	atomic_store_explicit(&log_stderr_prio, D_LOG_DEFAULT_STDERR, memory_order_relaxed);
	pthread_mutex_unlock(&log_rot_lock);
out:
	pthread_mutex_unlock(&log_cfg_lock);
}

int
d_log_setmasks(const char *masks, char *errbuf, size_t errlen)
{
	uint8_t levels[D_FAC_NR];
	int     rc, f;

	pthread_mutex_lock(&log_cfg_lock);
	for (f = 0; f < D_FAC_NR; f++)
		levels[f] = atomic_load_explicit(&d_log_levels[f], memory_order_relaxed);
	rc = d_log_parse_masks(masks, levels, errbuf, errlen);
	if (rc == 0) {
		for (f = 0; f < D_FAC_NR; f++)
			atomic_store_explicit(&d_log_levels[f], levels[f], memory_order_release);
	}
	pthread_mutex_unlock(&log_cfg_lock);
	return rc;
}

int
d_log_getmasks(char *buf, size_t len)
{
	uint8_t levels[D_FAC_NR];
	int     f;

	pthread_mutex_lock(&log_cfg_lock);
	for (f = 0; f < D_FAC_NR; f++)
		levels[f] = atomic_load_explicit(&d_log_levels[f], memory_order_relaxed);
	pthread_mutex_unlock(&log_cfg_lock);
	return d_log_format_masks(levels, buf, len);
}
