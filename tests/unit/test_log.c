/*
 * test_log.c: the GURT debug log (src/gurt/log.c): names, mask parsing and
 * formatting, the line format, truncation, stderr fallback, rotation, the
 * environment, and concurrent writers while the masks change.
 *
 * Every test that opens the log closes it; the teardown removes the temporary
 * directory, unsets the D_LOG_* variables and restores stderr.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <printf.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <daos_errno.h>

#define D_LOGFAC DD_FAC(mgmt)
#include "gurt/log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char test_dir[64];
static char test_file[PATH_MAX];
static char test_old[PATH_MAX + 8];
static int  saved_stderr = -1;

static const char *const env_vars[] = {"D_LOG_FILE", "D_LOG_MASK", "DD_STDERR", "D_LOG_SIZE",
				       "D_LOG_TRUNCATE"};

static int
setup(void **state)
{
	(void)state;
	snprintf(test_dir, sizeof(test_dir), "/tmp/test_log.XXXXXX");
	if (mkdtemp(test_dir) == NULL)
		return -1;
	snprintf(test_file, sizeof(test_file), "%s/daos.log", test_dir);
	snprintf(test_old, sizeof(test_old), "%s.old", test_file);
	return 0;
}

static void
stderr_restore(void)
{
	if (saved_stderr >= 0) {
		fflush(stderr);
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static int
teardown(void **state)
{
	DIR           *d;
	struct dirent *de;
	char           path[PATH_MAX + 256];

	(void)state;
	stderr_restore();
	for (size_t i = 0; i < ARRAY_SIZE(env_vars); i++)
		unsetenv(env_vars[i]);
	d_log_set_thread_tag(0);
	d = opendir(test_dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", test_dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(test_dir);
	/* Levels outlive d_log_fini(); start every test from the default. */
	return d_log_setmasks("INFO", NULL, 0) == 0 ? 0 : -1;
}

/* Send fd 2 to a file of the test directory until stderr_restore(). */
static void
stderr_capture(const char *name, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", test_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Whole file as a NUL-terminated string (caller frees); "" when it does not exist. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char       *buf;
	size_t      len = 0;
	ssize_t     n;
	int         fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		buf = calloc(1, 1);
		assert_non_null(buf);
		if (lenp != NULL)
			*lenp = 0;
		return buf;
	}
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size + 1);
	assert_non_null(buf);
	while (len < (size_t)st.st_size && (n = read(fd, buf + len, st.st_size - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static size_t
count_lines(const char *buf)
{
	size_t n = 0;

	for (; *buf != '\0'; buf++)
		n += *buf == '\n';
	return n;
}

/* The fields of one log line. */
struct line {
	char date[16]; /* MM/DD-HH:MM:SS */
	int  cc;
	char host[D_LOG_HOST_MAX + 1];
	long pid, tid, tag;
	char fac[32];
	char prio[8]; /* without the padding of "ERR " */
	char file[256];
	long lineno;
	char func[128];
	char msg[D_LOG_LINE_MAX];
};

static regex_t line_re;
static bool    line_re_ready;

static void
copy_match(char *dst, size_t cap, const char *s, const regmatch_t *m)
{
	size_t n = (size_t)(m->rm_eo - m->rm_so);

	assert_true(n < cap);
	memcpy(dst, s + m->rm_so, n);
	dst[n] = '\0';
}

/*
 * Parse one line (without its '\n'); false when it is not in the log format,
 * including a facility not padded to 4 columns.
 */
static bool
parse_line(const char *s, struct line *l)
{
	regmatch_t m[14];
	char       tmp[32];
	size_t     fac_len, pad_len;

	if (!line_re_ready) {
		assert_int_equal(regcomp(&line_re,
					 "^([0-9]{2}/[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2})"
					 "\\.([0-9]{2}) "
					 "([^ ]+) DAOS\\[([0-9]+)/([0-9]+)/(-?[0-9]+)\\] "
					 "([a-z_]+)( *) "
					 "(DBUG|INFO|NOTE|WARN|ERR |CRIT|ALRT|EMRG|EMIT) "
					 "([^ ]+):([0-9]+) ([A-Za-z0-9_?]+)\\(\\) (.*)$",
					 REG_EXTENDED),
				 0);
		line_re_ready = true;
	}
	if (regexec(&line_re, s, ARRAY_SIZE(m), m, 0) != 0)
		return false;
	fac_len = m[7].rm_eo - m[7].rm_so;
	pad_len = m[8].rm_eo - m[8].rm_so;
	if (fac_len + pad_len != (fac_len < 4 ? 4 : fac_len))
		return false;
	copy_match(l->date, sizeof(l->date), s, &m[1]);
	copy_match(tmp, sizeof(tmp), s, &m[2]);
	l->cc = atoi(tmp);
	copy_match(l->host, sizeof(l->host), s, &m[3]);
	copy_match(tmp, sizeof(tmp), s, &m[4]);
	l->pid = atol(tmp);
	copy_match(tmp, sizeof(tmp), s, &m[5]);
	l->tid = atol(tmp);
	copy_match(tmp, sizeof(tmp), s, &m[6]);
	l->tag = atol(tmp);
	copy_match(l->fac, sizeof(l->fac), s, &m[7]);
	copy_match(l->prio, sizeof(l->prio), s, &m[9]);
	if (strcmp(l->prio, "ERR ") == 0)
		l->prio[3] = '\0';
	copy_match(l->file, sizeof(l->file), s, &m[10]);
	copy_match(tmp, sizeof(tmp), s, &m[11]);
	l->lineno = atol(tmp);
	copy_match(l->func, sizeof(l->func), s, &m[12]);
	copy_match(l->msg, sizeof(l->msg), s, &m[13]);
	return true;
}

/* Call fn on every line of buf; every line must parse. Returns the number of lines. */
static size_t
for_each_line(char *buf, void (*fn)(const struct line *l, void *arg), void *arg)
{
	static struct line l;
	char              *p = buf, *nl;
	size_t             n = 0;

	while ((nl = strchr(p, '\n')) != NULL) {
		*nl = '\0';
		if (!parse_line(p, &l))
			fail_msg("malformed log line: '%s'", p);
		if (fn != NULL)
			fn(&l, arg);
		*nl = '\n';
		p = nl + 1;
		n++;
	}
	assert_string_equal(p, ""); /* the last line is complete too */
	return n;
}

static void
short_hostname(char *buf, size_t len)
{
	char *dot;

	assert_int_equal(gethostname(buf, len), 0);
	buf[len - 1] = '\0';
	dot = strchr(buf, '.');
	if (dot != NULL && dot != buf)
		*dot = '\0';
}

static void
levels_fill(uint8_t *levels, int prio)
{
	memset(levels, prio, D_FAC_NR);
}

/* LOG01: level words, any case, map to priorities; priorities have 4-letter names. */
static void
log01_level_names(void **state)
{
	static const struct {
		const char *word;
		int         prio;
	} words[] = {
	    {"debug", D_LOG_DBUG}, {"DBUG", D_LOG_DBUG}, {"info", D_LOG_INFO},
	    {"Note", D_LOG_NOTE},  {"WARN", D_LOG_WARN}, {"error", D_LOG_ERR},
	    {"ERR", D_LOG_ERR},    {"crit", D_LOG_CRIT}, {"alrt", D_LOG_ALRT},
	    {"FATAL", D_LOG_EMRG}, {"emrg", D_LOG_EMRG}, {"eMiT", D_LOG_EMIT},
	};
	static const char *const bad[] = {"", "LOUD", "deb", "debugg", "warning", "notice",
					  "alert", "critical", " info", "info ", "emerg"};
	static const char *const names[] = {"DBUG", "INFO", "NOTE", "WARN", "ERR",
					    "CRIT", "ALRT", "EMRG", "EMIT"};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		assert_int_equal(d_log_level_from_name(words[i].word), words[i].prio);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(d_log_level_from_name(bad[i]), -DER_INVAL);
	assert_int_equal(d_log_level_from_name(NULL), -DER_INVAL);

	assert_int_equal(D_LOG_PRIO_NR, ARRAY_SIZE(names));
	for (int p = 0; p < D_LOG_PRIO_NR; p++) {
		assert_string_equal(d_log_level_name(p), names[p]);
		/* every printed name is accepted back */
		assert_int_equal(d_log_level_from_name(names[p]), p);
	}
	assert_null(d_log_level_name(-1));
	assert_null(d_log_level_name(D_LOG_PRIO_NR));
	/* severity order low to high */
	assert_true(D_LOG_DBUG < D_LOG_INFO && D_LOG_INFO < D_LOG_NOTE &&
		    D_LOG_NOTE < D_LOG_WARN && D_LOG_WARN < D_LOG_ERR && D_LOG_ERR < D_LOG_CRIT &&
		    D_LOG_CRIT < D_LOG_ALRT && D_LOG_ALRT < D_LOG_EMRG && D_LOG_EMRG < D_LOG_EMIT);
}

/* LOG02: every facility has a unique short name; long-name aliases and any case work. */
static void
log02_fac_names(void **state)
{
	static const struct {
		const char *name;
		int         fac;
	} alias[] = {
	    {"cart", D_FAC_CRT},     {"group", D_FAC_GRP},         {"livenessmap", D_FAC_LM},
	    {"mercury", D_FAC_HG},   {"self_test", D_FAC_ST},      {"VOS", D_FAC_VOS},
	    {"MGMT", D_FAC_MGMT},    {"Container", D_FAC_CONTAINER}, {"control", D_FAC_CONTROL},
	    {"agent", D_FAC_AGENT},  {"net", D_FAC_NET},           {"engine", D_FAC_ENGINE},
	    {"telem", D_FAC_TELEM},  {"stack", D_FAC_STACK},       {"daos", D_FAC_DAOS},
	};
	static const char *const bad[] = {"", "foo", "mgm", "mgmtt", "vos ", "all"};

	(void)state;
	assert_int_equal(D_FAC_NR, 50);
	assert_int_equal(DD_FAC(vos), D_FAC_VOS);
	assert_int_equal(DD_FAC(mgmt), D_FAC_MGMT);
	assert_int_equal(D_LOGFAC, D_FAC_MGMT);
	assert_int_equal(D_FAC_DAOS, 0);
	for (int f = 0; f < D_FAC_NR; f++) {
		const char *name = d_log_fac_name(f);

		assert_non_null(name);
		assert_int_equal(d_log_fac_from_name(name), f);
		/* no facility is named like a level word: "ERR" must stay unambiguous */
		assert_int_equal(d_log_level_from_name(name), -DER_INVAL);
		for (int g = 0; g < f; g++)
			assert_string_not_equal(name, d_log_fac_name(g));
	}
	assert_string_equal(d_log_fac_name(D_FAC_CRT), "crt");
	assert_string_equal(d_log_fac_name(D_FAC_ENGINE), "engine");
	for (size_t i = 0; i < ARRAY_SIZE(alias); i++)
		assert_int_equal(d_log_fac_from_name(alias[i].name), alias[i].fac);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(d_log_fac_from_name(bad[i]), -DER_NONEXIST);
	assert_int_equal(d_log_fac_from_name(NULL), -DER_INVAL);
	assert_null(d_log_fac_name(-1));
	assert_null(d_log_fac_name(D_FAC_NR));
}

/* LOG03: good masks: bare level, FAC=LEVEL, aliases, any case, blanks, left-to-right. */
static void
log03_parse_good(void **state)
{
	uint8_t levels[D_FAC_NR];
	char    err[D_LOG_ERRBUF_SIZE];

	(void)state;
	/* a bare level sets every facility */
	levels_fill(levels, D_LOG_INFO);
	assert_int_equal(d_log_parse_masks("ERR", levels, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	for (int f = 0; f < D_FAC_NR; f++)
		assert_int_equal(levels[f], D_LOG_ERR);

	/* FAC=LEVEL changes one; the others keep their current level */
	levels_fill(levels, D_LOG_WARN);
	assert_int_equal(d_log_parse_masks("mgmt=DEBUG", levels, err, sizeof(err)), 0);
	for (int f = 0; f < D_FAC_NR; f++)
		assert_int_equal(levels[f], f == D_FAC_MGMT ? D_LOG_DBUG : D_LOG_WARN);

	/* the classic example */
	levels_fill(levels, D_LOG_INFO);
	assert_int_equal(d_log_parse_masks("ERR,mgmt=DEBUG", levels, err, sizeof(err)), 0);
	for (int f = 0; f < D_FAC_NR; f++)
		assert_int_equal(levels[f], f == D_FAC_MGMT ? D_LOG_DBUG : D_LOG_ERR);

	/* left to right: a later bare level overrides earlier elements */
	assert_int_equal(d_log_parse_masks("mgmt=DEBUG,WARN", levels, err, sizeof(err)), 0);
	for (int f = 0; f < D_FAC_NR; f++)
		assert_int_equal(levels[f], D_LOG_WARN);
	assert_int_equal(d_log_parse_masks("vos=ERR,vos=note", levels, err, sizeof(err)), 0);
	assert_int_equal(levels[D_FAC_VOS], D_LOG_NOTE);

	/* aliases, case, blanks around names, DAOS's documented example */
	levels_fill(levels, D_LOG_INFO);
	assert_int_equal(d_log_parse_masks("DEBUG,MEM=ERR,SWIM=ERR", levels, err, sizeof(err)),
			 0);
	assert_int_equal(levels[D_FAC_MEM], D_LOG_ERR);
	assert_int_equal(levels[D_FAC_SWIM], D_LOG_ERR);
	assert_int_equal(levels[D_FAC_VOS], D_LOG_DBUG);
	assert_int_equal(d_log_parse_masks(" info , cart = fatal ,\tLivenessMap=Emit,group=alrt,"
					   "mercury=crit,self_test=dbug ",
					   levels, err, sizeof(err)),
			 0);
	assert_int_equal(levels[D_FAC_CRT], D_LOG_EMRG);
	assert_int_equal(levels[D_FAC_LM], D_LOG_EMIT);
	assert_int_equal(levels[D_FAC_GRP], D_LOG_ALRT);
	assert_int_equal(levels[D_FAC_HG], D_LOG_CRIT);
	assert_int_equal(levels[D_FAC_ST], D_LOG_DBUG);
	assert_int_equal(levels[D_FAC_POOL], D_LOG_INFO);

	/* errbuf is optional */
	assert_int_equal(d_log_parse_masks("ERR", levels, NULL, 0), 0);
	assert_int_equal(levels[D_FAC_POOL], D_LOG_ERR);
}

/* LOG04: every class of bad mask is refused with its exact reason; levels stay untouched. */
static void
log04_parse_bad(void **state)
{
	static const struct {
		const char *mask;
		const char *err;
	} cases[] = {
	    {"", "empty log mask"},
	    {"  \t ", "empty log mask"},
	    {"ERR,,mgmt=DEBUG", "empty element in log mask 'ERR,,mgmt=DEBUG'"},
	    {",ERR", "empty element in log mask ',ERR'"},
	    {"ERR,", "empty element in log mask 'ERR,'"},
	    {"ERR, ,INFO", "empty element in log mask 'ERR, ,INFO'"},
	    {",", "empty element in log mask ','"},
	    {"ERR,mgmt=LOUD", "unknown log level 'LOUD' in 'ERR,mgmt=LOUD'"},
	    {"LOUD", "unknown log level 'LOUD' in 'LOUD'"},
	    {"ERR,deb", "unknown log level 'deb' in 'ERR,deb'"},
	    {"D E B U G", "unknown log level 'D E B U G' in 'D E B U G'"},
	    {"mgmt=warning", "unknown log level 'warning' in 'mgmt=warning'"},
	    {"foo=DEBUG", "unknown facility 'foo' in 'foo=DEBUG'"},
	    {"ERR, mgm =DEBUG", "unknown facility 'mgm' in 'ERR, mgm =DEBUG'"},
	    {"foo=LOUD", "unknown facility 'foo' in 'foo=LOUD'"},
	    {"=DEBUG", "missing facility before '=' in '=DEBUG'"},
	    {"ERR, =DEBUG", "missing facility before '=' in 'ERR, =DEBUG'"},
	    {"=", "missing facility before '=' in '='"},
	    {"mgmt=", "missing log level after '=' in 'mgmt='"},
	    {"ERR,mgmt= ", "missing log level after '=' in 'ERR,mgmt= '"},
	    {"mgmt=DEBUG=ERR", "more than one '=' in element 'mgmt=DEBUG=ERR' of 'mgmt=DEBUG=ERR'"},
	    {"ERR,a==b", "more than one '=' in element 'a==b' of 'ERR,a==b'"},
	    {"ERR,mgmt", "missing '=LEVEL' after facility 'mgmt' in 'ERR,mgmt'"},
	    {"livenessmap", "missing '=LEVEL' after facility 'livenessmap' in 'livenessmap'"},
	    {"ERR\n", "invalid character 0x0a at offset 3 in log mask"},
	    {"ERR,m\xc3\xa9=INFO", "invalid character 0xc3 at offset 5 in log mask"},
	    {"\x7f", "invalid character 0x7f at offset 0 in log mask"},
	    {"\x1b[31mERR", "invalid character 0x1b at offset 0 in log mask"},
	};
	uint8_t levels[D_FAC_NR], before[D_FAC_NR];
	char    err[D_LOG_ERRBUF_SIZE];

	(void)state;
	for (int f = 0; f < D_FAC_NR; f++)
		before[f] = f % D_LOG_PRIO_NR;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(levels, before, sizeof(levels));
		memset(err, 'x', sizeof(err));
		assert_int_equal(d_log_parse_masks(cases[i].mask, levels, err, sizeof(err)),
				 -DER_INVAL);
		assert_string_equal(err, cases[i].err);
		assert_memory_equal(levels, before, sizeof(levels));
		/* the same without an error buffer */
		assert_int_equal(d_log_parse_masks(cases[i].mask, levels, NULL, 0), -DER_INVAL);
		assert_memory_equal(levels, before, sizeof(levels));
	}

	/* NULL arguments */
	assert_int_equal(d_log_parse_masks(NULL, levels, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "log mask is NULL");
	assert_int_equal(d_log_parse_masks("ERR", NULL, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "log levels array is NULL");

	/* a short errbuf gets a cut, terminated message; errlen 0 leaves it alone */
	assert_int_equal(d_log_parse_masks("LOUD", levels, err, 8), -DER_INVAL);
	assert_string_equal(err, "unknown");
	strcpy(err, "keep");
	assert_int_equal(d_log_parse_masks("LOUD", levels, err, 0), -DER_INVAL);
	assert_string_equal(err, "keep");
	assert_memory_equal(levels, before, sizeof(levels));
}

/* LOG05: the length limit: D_LOG_MASK_MAX bytes parse, one more is refused with the size. */
static void
log05_parse_limits(void **state)
{
	char    mask[D_LOG_MASK_MAX + 2];
	char    big[10001];
	uint8_t levels[D_FAC_NR];
	char    err[D_LOG_ERRBUF_SIZE];
	size_t  len;

	(void)state;
	/* "INFO" then ",ERR" x 1023 = exactly 4096 bytes; the last element wins */
	strcpy(mask, "INFO");
	for (len = 4; len + 4 <= D_LOG_MASK_MAX; len += 4)
		memcpy(mask + len, ",ERR", 4);
	mask[len] = '\0';
	assert_int_equal(len, D_LOG_MASK_MAX);
	levels_fill(levels, D_LOG_DBUG);
	assert_int_equal(d_log_parse_masks(mask, levels, err, sizeof(err)), 0);
	assert_int_equal(levels[D_FAC_VOS], D_LOG_ERR);

	strcat(mask, "R");
	levels_fill(levels, D_LOG_DBUG);
	assert_int_equal(d_log_parse_masks(mask, levels, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "log mask too long (4097 bytes, max 4096)");
	assert_int_equal(levels[D_FAC_VOS], D_LOG_DBUG);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(d_log_parse_masks(big, levels, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "log mask too long (10000 bytes, max 4096)");

	/* a long unknown name near the limit: the message is cut to errbuf, never overflows */
	memset(big, 'z', D_LOG_MASK_MAX);
	big[D_LOG_MASK_MAX] = '\0';
	assert_int_equal(d_log_parse_masks(big, levels, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(strncmp(err, "unknown log level 'zzz", 22), 0);
}

/* LOG06: the compact formatter: most common level first, exceptions in facility order. */
static void
log06_format(void **state)
{
	uint8_t      levels[D_FAC_NR], back[D_FAC_NR];
	char         buf[D_LOG_MASK_BUF_SIZE];
	size_t       worst;
	unsigned int seed = 20240601;

	(void)state;
	levels_fill(levels, D_LOG_INFO);
	assert_int_equal(d_log_format_masks(levels, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "INFO");

	assert_int_equal(d_log_parse_masks("ERR,mgmt=DEBUG", levels, NULL, 0), 0);
	assert_int_equal(d_log_format_masks(levels, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ERR,mgmt=DBUG");

	assert_int_equal(d_log_parse_masks("error,livenessmap=warn,mgmt=debug,vos=fatal,"
					   "engine=emit,daos=INFO",
					   levels, NULL, 0),
			 0);
	assert_int_equal(d_log_format_masks(levels, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ERR,daos=INFO,vos=EMRG,mgmt=DBUG,lm=WARN,engine=EMIT");

	/* a tie goes to the lower level */
	for (int f = 0; f < D_FAC_NR; f++)
		levels[f] = f < D_FAC_NR / 2 ? D_LOG_WARN : D_LOG_DBUG;
	assert_int_equal(d_log_format_masks(levels, buf, sizeof(buf)), 0);
	assert_int_equal(strncmp(buf, "DBUG,daos=WARN,", 15), 0);

	/* exactly fits, one byte short */
	levels_fill(levels, D_LOG_INFO);
	assert_int_equal(d_log_format_masks(levels, buf, 5), 0);
	assert_string_equal(buf, "INFO");
	assert_int_equal(d_log_format_masks(levels, buf, 4), -DER_TRUNC);
	assert_string_equal(buf, "");
	levels[D_FAC_MGMT] = D_LOG_DBUG;
	assert_int_equal(d_log_format_masks(levels, buf, 15), 0);
	assert_string_equal(buf, "INFO,mgmt=DBUG");
	assert_int_equal(d_log_format_masks(levels, buf, 14), -DER_TRUNC);
	assert_string_equal(buf, "");

	/* bad arguments */
	assert_int_equal(d_log_format_masks(NULL, buf, sizeof(buf)), -DER_INVAL);
	assert_int_equal(d_log_format_masks(levels, NULL, sizeof(buf)), -DER_INVAL);
	assert_int_equal(d_log_format_masks(levels, buf, 0), -DER_INVAL);
	levels[D_FAC_VOS] = D_LOG_PRIO_NR;
	assert_int_equal(d_log_format_masks(levels, buf, sizeof(buf)), -DER_INVAL);

	/* the worst case (every facility but one an exception) fits both limits */
	worst = strlen("DBUG") + 1;
	for (int f = 0; f < D_FAC_NR; f++)
		worst += strlen(",=DBUG") + strlen(d_log_fac_name(f));
	assert_true(worst <= D_LOG_MASK_BUF_SIZE);
	assert_true(worst <= D_LOG_MASK_MAX);

	/* round trip from random levels, re-parsed over other random levels */
	for (int i = 0; i < 2000; i++) {
		for (int f = 0; f < D_FAC_NR; f++) {
			levels[f] = rand_r(&seed) % D_LOG_PRIO_NR;
			back[f] = rand_r(&seed) % D_LOG_PRIO_NR;
		}
		assert_int_equal(d_log_format_masks(levels, buf, sizeof(buf)), 0);
		assert_int_equal(d_log_parse_masks(buf, back, NULL, 0), 0);
		assert_memory_equal(levels, back, sizeof(levels));
	}
}

/* LOG07: setmasks is all or nothing; getmasks shows the result; the fast path follows. */
static void
log07_setmasks(void **state)
{
	char buf[D_LOG_MASK_BUF_SIZE];
	char err[D_LOG_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(d_log_setmasks("ERR,mgmt=DEBUG", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(d_log_getmasks(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ERR,mgmt=DBUG");
	assert_true(d_log_enabled(D_FAC_MGMT, D_LOG_DBUG));
	assert_false(d_log_enabled(D_FAC_VOS, D_LOG_WARN));
	assert_true(d_log_enabled(D_FAC_VOS, D_LOG_ERR));
	assert_true(d_log_enabled(D_FAC_VOS, D_LOG_EMIT));

	/* a good first element does not apply when a later one is bad */
	assert_int_equal(d_log_setmasks("DEBUG,vos=LOUD", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "unknown log level 'LOUD' in 'DEBUG,vos=LOUD'");
	assert_int_equal(d_log_getmasks(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ERR,mgmt=DBUG");
	assert_false(d_log_enabled(D_FAC_VOS, D_LOG_WARN));

	assert_int_equal(d_log_setmasks("", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "empty log mask");
	assert_int_equal(d_log_setmasks(NULL, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "log mask is NULL");
	assert_int_equal(d_log_getmasks(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ERR,mgmt=DBUG");

	/* unmentioned facilities keep their level */
	assert_int_equal(d_log_setmasks("vos=debug", NULL, 0), 0);
	assert_int_equal(d_log_getmasks(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ERR,vos=DBUG,mgmt=DBUG");

	assert_int_equal(d_log_getmasks(NULL, 10), -DER_INVAL);
	assert_int_equal(d_log_getmasks(buf, 0), -DER_INVAL);
	assert_int_equal(d_log_getmasks(buf, 8), -DER_TRUNC);
	assert_string_equal(buf, "");

	/* out-of-range arguments of the fast path are never enabled */
	assert_false(d_log_enabled(-1, D_LOG_EMIT));
	assert_false(d_log_enabled(D_FAC_NR, D_LOG_EMIT));
}

/* Time stamps (MM/DD-HH:MM:SS) of every second in [t0, t1]: does date match one? */
static bool
date_in_range(const char *date, time_t t0, time_t t1)
{
	struct tm tm;
	char      want[32];

	for (time_t t = t0; t <= t1; t++) {
		localtime_r(&t, &tm);
		strftime(want, sizeof(want), "%m/%d-%H:%M:%S", &tm);
		if (strcmp(want, date) == 0)
			return true;
	}
	return false;
}

/* LOG08: the line format, field by field: time, host, DAOS[pid/tid/tag], fac, prio, where, msg. */
static void
log08_line_format(void **state)
{
	struct timespec ts;
	struct line     l;
	char            err[D_LOG_ERRBUF_SIZE];
	char            cap[PATH_MAX + 32];
	char            host[256];
	char           *buf, *p, *nl;
	time_t          t0, t1;
	int             line;

	(void)state;
	short_hostname(host, sizeof(host));
	stderr_capture("stderr.txt", cap, sizeof(cap));
	assert_int_equal(d_log_open(test_file, "DEBUG", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	d_log_set_thread_tag(7);
	clock_gettime(CLOCK_REALTIME, &ts);
	t0 = ts.tv_sec;
	line = __LINE__ + 1;
	D_INFO("hello %d %s\n", 42, "world");
	D_DEBUG("d");
	D_NOTE("n");
	D_WARN("w");
	D_ERROR("e");
	D_CRIT("c");
	D_ALERT("a");
	D_FATAL("f");
	D_EMIT("x");
	d_log_write(D_FAC_VOS, D_LOG_ERR, "src/vos/vos_io.c", 99, "vos_update", "%s", "raw");
	d_log_write(D_FAC_CONTAINER, D_LOG_INFO, "../src/a.c", 1, "f", "long facility");
	clock_gettime(CLOCK_REALTIME, &ts);
	t1 = ts.tv_sec;
	d_log_fini();
	stderr_restore();

	buf = slurp(test_file, NULL);
	assert_int_equal(count_lines(buf), 11);
	p = buf;
	nl = strchr(p, '\n');
	*nl = '\0';
	assert_true(parse_line(p, &l));
	assert_true(date_in_range(l.date, t0, t1));
	assert_true(l.cc >= 0 && l.cc <= 99);
	assert_string_equal(l.host, host);
	assert_int_equal(l.pid, getpid());
	assert_int_equal(l.tid, gettid());
	assert_int_equal(l.tag, 7);
	assert_string_equal(l.fac, "mgmt");
	assert_string_equal(l.prio, "INFO");
	assert_non_null(strstr(l.file, "tests/unit/test_log.c"));
	assert_true(strncmp(l.file, "../", 3) != 0 && strncmp(l.file, "./", 2) != 0);
	assert_int_equal(l.lineno, line);
	assert_string_equal(l.func, "log08_line_format");
	assert_string_equal(l.msg, "hello 42 world"); /* its "\n" was not doubled */
	/* the priorities in order, each a 4-column token */
	for (int i = 0; i < 8; i++) {
		static const char *const order[] = {"DBUG", "NOTE", "WARN", "ERR",
						    "CRIT", "ALRT", "EMRG", "EMIT"};

		p = nl + 1;
		nl = strchr(p, '\n');
		*nl = '\0';
		assert_true(parse_line(p, &l));
		assert_string_equal(l.prio, order[i]);
		assert_int_equal(d_log_level_from_name(l.prio), i == 0 ? 0 : i + 1);
	}
	p = nl + 1;
	nl = strchr(p, '\n');
	*nl = '\0';
	assert_non_null(strstr(p, "] vos  ERR  src/vos/vos_io.c:99 vos_update() raw"));
	p = nl + 1;
	nl = strchr(p, '\n');
	*nl = '\0';
	assert_non_null(strstr(p, "] container INFO src/a.c:1 f() long facility"));
	assert_true(parse_line(p, &l));
	free(buf);
	/* the default DD_STDERR (CRIT) copied CRIT, ALRT, EMRG and EMIT */
	buf = slurp(cap, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 4);
	free(buf);
}

/* LOG09: a disabled level writes nothing and does not even evaluate its arguments. */
static void
log09_disabled(void **state)
{
	char   err[D_LOG_ERRBUF_SIZE];
	char   cap[PATH_MAX + 32];
	char  *buf;
	size_t len;
	int    evals = 0;

	(void)state;
	stderr_capture("stderr.txt", cap, sizeof(cap));
	assert_int_equal(d_log_open(test_file, "ERR", err, sizeof(err)), 0);
	D_DEBUG("%d", ++evals);
	D_INFO("%d", ++evals);
	D_WARN("%d", ++evals);
	assert_int_equal(evals, 0);
	buf = slurp(test_file, &len);
	assert_int_equal(len, 0);
	free(buf);

	D_ERROR("shown %d", ++evals);
	assert_int_equal(evals, 1);
	assert_int_equal(d_log_setmasks("mgmt=DEBUG", NULL, 0), 0);
	D_DEBUG("now %d", ++evals);
	assert_int_equal(d_log_setmasks("mgmt=EMIT", NULL, 0), 0);
	D_FATAL("hidden %d", ++evals);
	D_EMIT("emit %d", ++evals);
	d_log_fini();
	stderr_restore();

	assert_int_equal(evals, 3);
	buf = slurp(test_file, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 3);
	assert_non_null(strstr(buf, " ERR  "));
	assert_non_null(strstr(buf, "() shown 1\n"));
	assert_non_null(strstr(buf, "() now 2\n"));
	assert_non_null(strstr(buf, "() emit 3\n"));
	assert_null(strstr(buf, "hidden"));
	free(buf);
}

/* LOG10: long messages are cut to D_LOG_LINE_MAX with "..."; newlines never split a message. */
static void
log10_truncation(void **state)
{
	static char big[3 * D_LOG_LINE_MAX];
	static char longfile[D_LOG_LINE_MAX + 100];
	char        err[D_LOG_ERRBUF_SIZE];
	char       *buf, *p, *nl;
	size_t      len;

	(void)state;
	assert_int_equal(d_log_open(test_file, NULL, err, sizeof(err)), 0);

	memset(big, 'x', sizeof(big) - 1);
	D_INFO("%s", big);
	/* 3-byte UTF-8 characters: the cut must not split one */
	big[0] = '\0';
	for (size_t i = 0; i + 3 < sizeof(big); i += 3)
		strcat(big + i, "\xe2\x82\xac");
	D_INFO("%s", big);
	/* a path as long as a line: the prefix itself is cut */
	memset(longfile, 'f', sizeof(longfile) - 1);
	d_log_write(D_FAC_VOS, D_LOG_INFO, longfile, 1, "fn", "lost");
	/* newlines: one trailing dropped, the others become spaces */
	D_INFO("a\nb\n");
	D_INFO("c\n\n");
	D_INFO("%s", "");
	d_log_fini();

	buf = slurp(test_file, &len);
	assert_int_equal(count_lines(buf), 6);
	p = buf;
	nl = strchr(p, '\n');
	assert_int_equal(nl - p + 1, D_LOG_LINE_MAX);
	assert_memory_equal(nl - 3, "...", 3);
	assert_int_equal(nl[-4], 'x');
	p = nl + 1;
	nl = strchr(p, '\n');
	assert_true(nl - p + 1 <= D_LOG_LINE_MAX && nl - p + 1 >= D_LOG_LINE_MAX - 2);
	assert_memory_equal(nl - 3, "...", 3);
	assert_int_equal((unsigned char)nl[-4], 0xac); /* a whole character before the marker */
	p = nl + 1;
	nl = strchr(p, '\n');
	assert_int_equal(nl - p + 1, D_LOG_LINE_MAX);
	assert_memory_equal(nl - 3, "...", 3);
	assert_int_equal(nl[-4], 'f');
	p = nl + 1;
	assert_non_null(strstr(p, "() a b\n"));
	assert_non_null(strstr(p, "() c \n"));
	nl = strrchr(buf, '\n');
	*nl = '\0';
	nl = strrchr(buf, '\n');
	assert_true(nl != NULL && strlen(nl) > 3);
	assert_string_equal(nl + strlen(nl) - 3, "() "); /* the empty message */
	free(buf);
}

/* LOG11: a log file that cannot be opened falls back to stderr and says why, rc 0. */
static void
log11_stderr_fallback(void **state)
{
	char  path[PATH_MAX + 32];
	char  cap[PATH_MAX + 32];
	char  err[D_LOG_ERRBUF_SIZE];
	char  want[PATH_MAX + 128];
	char *buf;

	(void)state;
	snprintf(path, sizeof(path), "%s/no/such/dir/daos.log", test_dir);
	stderr_capture("stderr.txt", cap, sizeof(cap));
	assert_int_equal(d_log_open(path, "INFO", err, sizeof(err)), 0);
	D_INFO("after the fallback");
	D_DEBUG("not shown");
	d_log_fini();
	stderr_restore();

	snprintf(want, sizeof(want),
		 "cannot open log file '%s': No such file or directory; logging to stderr", path);
	assert_string_equal(err, want);
	buf = slurp(cap, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 2);
	assert_non_null(strstr(buf, " misc ERR  "));
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "() after the fallback\n"));
	free(buf);
	/* nothing was created */
	assert_int_equal(access(path, F_OK), -1);
}

struct seq_check {
	int  next;       /* expected seq of the next line */
	int  first;      /* first seq seen, -1 if none */
	char tag[16];    /* message prefix of the writer checked */
	bool contiguous; /* lines must follow each other by 1 */
};

static void
seq_line(const struct line *l, void *arg)
{
	struct seq_check *sc = arg;
	size_t            tl = strlen(sc->tag);
	int               seq;

	if (strncmp(l->msg, sc->tag, tl) != 0)
		return;
	seq = atoi(l->msg + tl);
	if (sc->first < 0)
		sc->first = seq;
	else if (sc->contiguous)
		assert_int_equal(seq, sc->next);
	else
		assert_true(seq >= sc->next);
	sc->next = seq + 1;
}

/* LOG12: past D_LOG_SIZE the file is renamed to <file>.old and a new one started. */
static void
log12_rotation(void **state)
{
	struct seq_check sc_old = {.first = -1, .tag = "seq ", .contiguous = true};
	struct seq_check sc_cur = {.first = -1, .tag = "seq ", .contiguous = true};
	struct stat      st;
	char            *buf;
	size_t           len_old;
	int              i, rotated_at = -1;

	(void)state;
	setenv("D_LOG_FILE", test_file, 1);
	setenv("D_LOG_SIZE", "8k", 1);
	assert_int_equal(d_log_init(), 0);
	for (i = 0; i < 400; i++) {
		D_INFO("seq %d padding padding padding padding padding padding", i);
		if (rotated_at < 0 && stat(test_old, &st) == 0)
			rotated_at = i;
		if (rotated_at >= 0 && i == rotated_at + 20)
			break;
	}
	d_log_fini();
	assert_true(rotated_at > 0);

	buf = slurp(test_old, &len_old);
	assert_true(len_old > 8192);
	/* the line that crossed the limit was the last one of the old file */
	buf[len_old - 1] = '\0';
	assert_true((size_t)(strrchr(buf, '\n') + 1 - buf) <= 8192);
	buf[len_old - 1] = '\n';
	for_each_line(buf, seq_line, &sc_old);
	assert_int_equal(sc_old.first, 0);
	assert_int_equal(sc_old.next, rotated_at + 1);
	free(buf);

	buf = slurp(test_file, NULL);
	assert_int_equal(for_each_line(buf, seq_line, &sc_cur), 20);
	assert_int_equal(sc_cur.first, rotated_at + 1);
	assert_true(strlen(buf) < 8192);
	free(buf);
}

/* LOG13: d_log_init from the environment, D_LOG_TRUNCATE, append, reference counting. */
static void
log13_env_init(void **state)
{
	char  masks[D_LOG_MASK_BUF_SIZE];
	char  cap[PATH_MAX + 32];
	char *buf;
	FILE *f;

	(void)state;
	f = fopen(test_file, "w");
	assert_non_null(f);
	fputs("old content\n", f);
	fclose(f);

	/* appends by default */
	setenv("D_LOG_FILE", test_file, 1);
	setenv("D_LOG_MASK", "ERR,mgmt=DEBUG", 1);
	assert_int_equal(d_log_init(), 0);
	assert_int_equal(d_log_getmasks(masks, sizeof(masks)), 0);
	assert_string_equal(masks, "ERR,mgmt=DBUG");
	D_DEBUG("appended");
	d_log_fini();
	buf = slurp(test_file, NULL);
	assert_int_equal(strncmp(buf, "old content\n", 12), 0);
	assert_non_null(strstr(buf, "() appended\n"));
	free(buf);

	/* D_LOG_TRUNCATE=1; unset mask means INFO; refcount: a second init changes nothing */
	setenv("D_LOG_TRUNCATE", "1", 1);
	unsetenv("D_LOG_MASK");
	assert_int_equal(d_log_init(), 0);
	assert_int_equal(d_log_getmasks(masks, sizeof(masks)), 0);
	assert_string_equal(masks, "INFO");
	setenv("D_LOG_MASK", "DEBUG", 1);
	assert_int_equal(d_log_init(), 0);
	assert_int_equal(d_log_open(NULL, "EMIT", NULL, 0), 0);
	assert_int_equal(d_log_getmasks(masks, sizeof(masks)), 0);
	assert_string_equal(masks, "INFO");
	D_INFO("one");
	d_log_fini();
	d_log_fini();
	D_INFO("two"); /* still one reference */
	d_log_fini();
	stderr_capture("stderr.txt", cap, sizeof(cap));
	D_INFO("three"); /* closed: stderr */
	d_log_fini();    /* extra fini: no-op */
	stderr_restore();

	buf = slurp(test_file, NULL);
	assert_null(strstr(buf, "old content"));
	assert_null(strstr(buf, "appended"));
	assert_int_equal(for_each_line(buf, NULL, NULL), 2);
	assert_non_null(strstr(buf, "() one\n"));
	assert_non_null(strstr(buf, "() two\n"));
	free(buf);
	buf = slurp(cap, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 1);
	assert_non_null(strstr(buf, "() three\n"));
	free(buf);

	/* empty variables mean unset: stderr, INFO */
	setenv("D_LOG_FILE", "", 1);
	setenv("D_LOG_MASK", "", 1);
	setenv("D_LOG_SIZE", "", 1);
	setenv("DD_STDERR", "", 1);
	setenv("D_LOG_TRUNCATE", "0", 1);
	stderr_capture("stderr2.txt", cap, sizeof(cap));
	assert_int_equal(d_log_init(), 0);
	D_INFO("to stderr");
	d_log_fini();
	stderr_restore();
	buf = slurp(cap, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 1);
	free(buf);
}

/* LOG14: a bad environment variable fails d_log_init with its reason on stderr. */
static void
log14_env_bad(void **state)
{
	static const struct {
		const char *var, *value;
		int         rc;
		const char *msg;
	} cases[] = {
	    {"D_LOG_MASK", "ERR,mgmt=LOUD", -DER_INVAL,
	     "d_log_init: D_LOG_MASK: unknown log level 'LOUD' in 'ERR,mgmt=LOUD'\n"},
	    {"D_LOG_MASK", "ERR,,vos=DEBUG", -DER_INVAL,
	     "d_log_init: D_LOG_MASK: empty element in log mask 'ERR,,vos=DEBUG'\n"},
	    {"DD_STDERR", "LOUD", -DER_INVAL, "d_log_init: DD_STDERR: unknown log level 'LOUD'\n"},
	    {"D_LOG_SIZE", "12x", -DER_INVAL,
	     "d_log_init: D_LOG_SIZE: '12x' is not a size (digits with an optional k, m or g "
	     "suffix)\n"},
	    {"D_LOG_SIZE", "-1", -DER_INVAL,
	     "d_log_init: D_LOG_SIZE: '-1' is not a size (digits with an optional k, m or g "
	     "suffix)\n"},
	    {"D_LOG_SIZE", "100", -DER_INVAL,
	     "d_log_init: D_LOG_SIZE: '100' is below the minimum of 8192 bytes\n"},
	    {"D_LOG_SIZE", "2048g", -DER_OVERFLOW,
	     "d_log_init: D_LOG_SIZE: '2048g' is above the maximum of 1099511627776 bytes\n"},
	    {"D_LOG_TRUNCATE", "yes", -DER_INVAL,
	     "d_log_init: D_LOG_TRUNCATE: 'yes' is not 0 or 1\n"},
	};
	char  cap[PATH_MAX + 32];
	char  masks[D_LOG_MASK_BUF_SIZE];
	char *buf;

	(void)state;
	setenv("D_LOG_FILE", test_file, 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		setenv(cases[i].var, cases[i].value, 1);
		stderr_capture("stderr.txt", cap, sizeof(cap));
		assert_int_equal(d_log_init(), cases[i].rc);
		stderr_restore();
		unsetenv(cases[i].var);
		buf = slurp(cap, NULL);
		assert_string_equal(buf, cases[i].msg);
		free(buf);
		/* nothing was opened or changed */
		assert_int_equal(access(test_file, F_OK), -1);
		assert_int_equal(d_log_getmasks(masks, sizeof(masks)), 0);
		assert_string_equal(masks, "INFO");
	}
	/* a path too long for "<path>.old" */
	{
		static char longpath[D_LOG_PATH_MAX];

		memset(longpath, 'p', sizeof(longpath) - 1);
		longpath[0] = '/';
		longpath[sizeof(longpath) - 4] = '\0'; /* 4092 bytes: no room for ".old" */
		setenv("D_LOG_FILE", longpath, 1);
		stderr_capture("stderr.txt", cap, sizeof(cap));
		assert_int_equal(d_log_init(), -DER_INVAL);
		stderr_restore();
		buf = slurp(cap, NULL);
		assert_string_equal(buf, "d_log_init: D_LOG_FILE: log file path too long "
					 "(4092 bytes, max 4091)\n");
		free(buf);
	}
	/* the log is still closed: a plain open works and takes the first reference */
	assert_int_equal(d_log_open(test_file, "WARN", NULL, 0), 0);
	assert_int_equal(d_log_getmasks(masks, sizeof(masks)), 0);
	assert_string_equal(masks, "WARN");
	d_log_fini();
}

/* LOG15: D_LOG_SIZE syntax: bytes or k/m/g (x1024), bounded. */
static void
log15_parse_size(void **state)
{
	static const struct {
		const char *s;
		int         rc;
		uint64_t    v;
	} cases[] = {
	    {"0", 0, 0},
	    {"8192", 0, 8192},
	    {"16k", 0, 16384},
	    {"16K", 0, 16384},
	    {"3m", 0, 3ULL << 20},
	    {"3M", 0, 3ULL << 20},
	    {"1g", 0, 1ULL << 30},
	    {"1024G", 0, 1ULL << 40},
	    {"1099511627776", 0, 1ULL << 40},
	    {"1099511627777", -DER_OVERFLOW, 0},
	    {"1025g", -DER_OVERFLOW, 0},
	    {"99999999999999999999999999", -DER_OVERFLOW, 0},
	    {"", -DER_INVAL, 0},
	    {"k", -DER_INVAL, 0},
	    {"-1", -DER_INVAL, 0},
	    {"+1", -DER_INVAL, 0},
	    {" 1", -DER_INVAL, 0},
	    {"1 ", -DER_INVAL, 0},
	    {"1kb", -DER_INVAL, 0},
	    {"1t", -DER_INVAL, 0},
	    {"1.5g", -DER_INVAL, 0},
	    {"0x10", -DER_INVAL, 0},
	    {"99999999999999999999999999x", -DER_INVAL, 0},
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		v = 12345;
		assert_int_equal(d_log_parse_size(cases[i].s, &v), cases[i].rc);
		assert_int_equal(v, cases[i].rc == 0 ? cases[i].v : 12345);
	}
	assert_int_equal(d_log_parse_size(NULL, &v), -DER_INVAL);
	assert_int_equal(d_log_parse_size("1", NULL), -DER_INVAL);
}

/* LOG16: DD_STDERR copies lines at or above its level to stderr as well as to the file. */
static void
log16_stderr_copy(void **state)
{
	char  cap[PATH_MAX + 32];
	char *buf;

	(void)state;
	setenv("D_LOG_FILE", test_file, 1);
	setenv("DD_STDERR", "err", 1);
	stderr_capture("stderr.txt", cap, sizeof(cap));
	assert_int_equal(d_log_init(), 0);
	D_WARN("file only");
	D_ERROR("both");
	D_FATAL("both too");
	d_log_fini();
	stderr_restore();

	buf = slurp(test_file, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 3);
	free(buf);
	buf = slurp(cap, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 2);
	assert_null(strstr(buf, "file only"));
	assert_non_null(strstr(buf, "() both\n"));
	assert_non_null(strstr(buf, "() both too\n"));
	free(buf);

	/* the default (CRIT): an ERR stays in the file */
	unsetenv("DD_STDERR");
	stderr_capture("stderr2.txt", cap, sizeof(cap));
	assert_int_equal(d_log_init(), 0);
	D_ERROR("quiet");
	D_CRIT("loud");
	d_log_fini();
	stderr_restore();
	buf = slurp(cap, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 1);
	assert_non_null(strstr(buf, "() loud\n"));
	free(buf);
}

/* LOG17: d_log_open arguments: bad mask or path refused with the reason; NULL file = stderr. */
static void
log17_open_args(void **state)
{
	char  err[D_LOG_ERRBUF_SIZE];
	char  masks[D_LOG_MASK_BUF_SIZE];
	char  cap[PATH_MAX + 32];
	char *buf;

	(void)state;
	assert_int_equal(d_log_open(test_file, "ERR,foo=DEBUG", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "unknown facility 'foo' in 'ERR,foo=DEBUG'");
	assert_int_equal(d_log_open(test_file, "", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "empty log mask");
	assert_int_equal(d_log_open("", NULL, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "empty log file path");
	assert_int_equal(access(test_file, F_OK), -1);
	assert_int_equal(d_log_getmasks(masks, sizeof(masks)), 0);
	assert_string_equal(masks, "INFO");

	stderr_capture("stderr.txt", cap, sizeof(cap));
	assert_int_equal(d_log_open(NULL, "NOTE", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	D_INFO("hidden");
	D_NOTE("on stderr");
	d_log_fini();
	stderr_restore();
	buf = slurp(cap, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 1);
	assert_non_null(strstr(buf, "() on stderr\n"));
	free(buf);
}

struct tag_arg {
	pid_t tid;
};

static void *
tag_thread(void *arg)
{
	struct tag_arg *ta = arg;

	ta->tid = gettid();
	d_log_set_thread_tag(5);
	D_INFO("from thread");
	return NULL;
}

struct tag_seen {
	long tid_thread, tag_thread, tid_main, tag_main;
};

static void
tag_line(const struct line *l, void *arg)
{
	struct tag_seen *ts = arg;

	if (strcmp(l->msg, "from thread") == 0) {
		ts->tid_thread = l->tid;
		ts->tag_thread = l->tag;
	} else {
		ts->tid_main = l->tid;
		ts->tag_main = l->tag;
	}
}

/* LOG18: tid and tag are per thread: the kernel tid, and 0 until the thread sets a tag. */
static void
log18_thread_tag(void **state)
{
	struct tag_arg  ta = {0};
	struct tag_seen ts = {0};
	pthread_t       th;
	char           *buf;

	(void)state;
	assert_int_equal(d_log_open(test_file, NULL, NULL, 0), 0);
	assert_int_equal(pthread_create(&th, NULL, tag_thread, &ta), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	D_INFO("from main");
	d_log_fini();

	buf = slurp(test_file, NULL);
	assert_int_equal(for_each_line(buf, tag_line, &ts), 2);
	free(buf);
	assert_int_equal(ts.tid_thread, ta.tid);
	assert_int_equal(ts.tag_thread, 5);
	assert_int_equal(ts.tid_main, gettid());
	assert_int_equal(ts.tag_main, 0);
	assert_true(ts.tid_main != ts.tid_thread);
}

struct fork_seen {
	long pid, tid;
	int  n;
};

static void
fork_line(const struct line *l, void *arg)
{
	struct fork_seen *fs = arg;

	if (strcmp(l->msg, "child") == 0) {
		fs->pid = l->pid;
		fs->tid = l->tid;
		fs->n++;
	}
}

/* LOG19: a forked child prints its own pid and tid, not the cached ones of its parent. */
static void
log19_fork(void **state)
{
	struct fork_seen fs = {0};
	char            *buf;
	pid_t            child;
	int              status;

	(void)state;
	assert_int_equal(d_log_open(test_file, NULL, NULL, 0), 0);
	D_INFO("parent"); /* caches pid and tid in this thread */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		D_INFO("child");
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	D_INFO("parent again");
	d_log_fini();

	buf = slurp(test_file, NULL);
	assert_int_equal(for_each_line(buf, fork_line, &fs), 3);
	free(buf);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.pid, child);
	assert_int_equal(fs.tid, child);
}

#define CONC_WRITERS 4
#define CONC_LINES   3000

struct conc {
	int id;
};

/* cmocka assertions must run on the main thread: other threads count their failures. */
static _Atomic int conc_failures;

static void *
conc_writer(void *arg)
{
	struct conc *c = arg;

	d_log_set_thread_tag(c->id);
	for (int i = 0; i < CONC_LINES; i++) {
		D_WARN("w%d seq %d some text to make the line longer than a few words", c->id, i);
		D_DEBUG("w%d dbg %d", c->id, i);
	}
	return NULL;
}

static const char *const conc_masks[] = {"DEBUG", "INFO", "WARN,mgmt=INFO",
					 "ERR,mgmt=WARN", "mgmt=DEBUG", "EMIT,mgmt=DBUG"};

static void *
conc_flipper(void *arg)
{
	_Atomic int *writers_done = arg;
	char         buf[D_LOG_MASK_BUF_SIZE];
	unsigned int i = 0;

	while (atomic_load(writers_done) < CONC_WRITERS) {
		if (d_log_setmasks(conc_masks[i++ % ARRAY_SIZE(conc_masks)], NULL, 0) != 0 ||
		    d_log_getmasks(buf, sizeof(buf)) != 0)
			atomic_fetch_add(&conc_failures, 1);
		sched_yield();
	}
	return NULL;
}

static void
conc_run(void)
{
	struct conc  c[CONC_WRITERS];
	pthread_t    w[CONC_WRITERS], flip;
	_Atomic int  done = 0;

	for (int t = 0; t < CONC_WRITERS; t++) {
		c[t].id = t;
		assert_int_equal(pthread_create(&w[t], NULL, conc_writer, &c[t]), 0);
	}
	assert_int_equal(pthread_create(&flip, NULL, conc_flipper, &done), 0);
	for (int t = 0; t < CONC_WRITERS; t++) {
		assert_int_equal(pthread_join(w[t], NULL), 0);
		atomic_fetch_add(&done, 1);
	}
	assert_int_equal(pthread_join(flip, NULL), 0);
	assert_int_equal(atomic_load(&conc_failures), 0);
}

/* LOG20: 4 writers and a thread flipping masks: every line complete, none interleaved or lost. */
static void
log20_concurrent_masks(void **state)
{
	struct seq_check warn[CONC_WRITERS], dbg[CONC_WRITERS];
	char            *buf;
	size_t           n;

	(void)state;
	assert_int_equal(d_log_open(test_file, "DEBUG", NULL, 0), 0);
	conc_run();
	d_log_fini();

	buf = slurp(test_file, NULL);
	n = for_each_line(buf, NULL, NULL);
	assert_true(n >= CONC_WRITERS * CONC_LINES && n <= 2 * CONC_WRITERS * CONC_LINES);
	for (int t = 0; t < CONC_WRITERS; t++) {
		/* WARN is always enabled for mgmt: every one is there, in order */
		warn[t] = (struct seq_check){.first = -1, .contiguous = true};
		snprintf(warn[t].tag, sizeof(warn[t].tag), "w%d seq ", t);
		for_each_line(buf, seq_line, &warn[t]);
		assert_int_equal(warn[t].first, 0);
		assert_int_equal(warn[t].next, CONC_LINES);
		/* DEBUG comes and goes: what is there is in order */
		dbg[t] = (struct seq_check){.first = -1, .contiguous = false};
		snprintf(dbg[t].tag, sizeof(dbg[t].tag), "w%d dbg ", t);
		for_each_line(buf, seq_line, &dbg[t]);
	}
	free(buf);
}

/* LOG21: 4 writers while the file rotates under them: both files hold whole lines only, and
 * each writer's lines continue from <file>.old into <file> without a gap. */
static void
log21_concurrent_rotation(void **state)
{
	struct seq_check old[CONC_WRITERS], cur[CONC_WRITERS];
	char            *buf_old, *buf_cur;

	(void)state;
	setenv("D_LOG_FILE", test_file, 1);
	setenv("D_LOG_SIZE", "64k", 1);
	setenv("D_LOG_MASK", "DEBUG", 1);
	assert_int_equal(d_log_init(), 0);
	conc_run();
	d_log_fini();

	buf_old = slurp(test_old, NULL);
	buf_cur = slurp(test_file, NULL);
	assert_true(strlen(buf_old) > 0);
	for (int t = 0; t < CONC_WRITERS; t++) {
		old[t] = (struct seq_check){.first = -1, .contiguous = true};
		snprintf(old[t].tag, sizeof(old[t].tag), "w%d seq ", t);
		cur[t] = old[t];
		for_each_line(buf_old, seq_line, &old[t]);
		for_each_line(buf_cur, seq_line, &cur[t]);
		if (old[t].first >= 0 && cur[t].first >= 0)
			assert_int_equal(cur[t].first, old[t].next);
		if (cur[t].first >= 0)
			assert_int_equal(cur[t].next, CONC_LINES);
	}
	free(buf_old);
	free(buf_cur);
}

/* A printf conversion that logs while d_log_write() is formatting on the same thread. */
static int
nested_print(FILE *stream, const struct printf_info *info, const void *const *args)
{
	int v = **(const int *const *)args;

	(void)info;
	d_log_write(D_FAC_VOS, D_LOG_INFO, "nested.c", 1, "nested", "inner %d", v);
	return fprintf(stream, "outer%d", v);
}

static int
nested_arginfo(const struct printf_info *info, size_t n, int *argtypes, int *size)
{
	(void)info;
	if (n > 0) {
		argtypes[0] = PA_INT;
		size[0] = sizeof(int);
	}
	return 1;
}

/* LOG22: a message logged while the same thread formats another (invariant 6): both intact. */
static void
log22_nested(void **state)
{
	/*
	 * %C (a wide character, unused in this program) rather than a new letter: the
	 * ASan printf interceptor knows %C and takes its argument as an integer, while
	 * an unknown letter would make it print a warning.
	 */
	const char *fmt = "value %C end";
	char       *buf;

	(void)state;
	assert_int_equal(register_printf_specifier('C', nested_print, nested_arginfo), 0);
	assert_int_equal(d_log_open(test_file, NULL, NULL, 0), 0);
	d_log_write(D_FAC_MGMT, D_LOG_INFO, __FILE__, __LINE__, __func__, fmt, 5);
	d_log_fini();

	buf = slurp(test_file, NULL);
	assert_int_equal(for_each_line(buf, NULL, NULL), 2);
	assert_non_null(strstr(buf, " vos  INFO nested.c:1 nested() inner 5\n"));
	assert_non_null(strstr(buf, "() value outer5 end\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(log01_level_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(log02_fac_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(log03_parse_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(log04_parse_bad, setup, teardown),
	    cmocka_unit_test_setup_teardown(log05_parse_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(log06_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(log07_setmasks, setup, teardown),
	    cmocka_unit_test_setup_teardown(log08_line_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(log09_disabled, setup, teardown),
	    cmocka_unit_test_setup_teardown(log10_truncation, setup, teardown),
	    cmocka_unit_test_setup_teardown(log11_stderr_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(log12_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(log13_env_init, setup, teardown),
	    cmocka_unit_test_setup_teardown(log14_env_bad, setup, teardown),
	    cmocka_unit_test_setup_teardown(log15_parse_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(log16_stderr_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(log17_open_args, setup, teardown),
	    cmocka_unit_test_setup_teardown(log18_thread_tag, setup, teardown),
	    cmocka_unit_test_setup_teardown(log19_fork, setup, teardown),
	    cmocka_unit_test_setup_teardown(log20_concurrent_masks, setup, teardown),
	    cmocka_unit_test_setup_teardown(log21_concurrent_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(log22_nested, setup, teardown),
	};
	int rc;

	rc = cmocka_run_group_tests_name("log", tests, NULL, NULL);
	if (line_re_ready)
		regfree(&line_re);
	return rc;
}
