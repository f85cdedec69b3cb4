/*
 * test_syslog_sink.c: RAS/daemon messages to a syslog socket (gurt/syslog_sink.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/syslog_sink.h"

static char dir[64];
static char path[96];

static int
bind_sock(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int                fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct timeval     tv = {.tv_sec = 5};

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/syslog.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log.sock", dir);
	setenv(D_SYSLOG_ENV, path, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	d_syslog_close();
	unlink(path);
	rmdir(dir);
	return 0;
}

/* SYSL01: the RFC 3164 form with facility daemon and the severity, identity and pid */
static void
sysl01_format(void **state)
{
	char    buf[D_SYSLOG_MSG_MAX + 16];
	char    expect[64];
	regex_t re;
	ssize_t n;
	int     fd = bind_sock();

	(void)state;
	d_syslog_open("daos server", LOG_DAEMON); /* a space becomes '_' */
	assert_int_equal(d_syslog(LOG_ERR, "engine %d died", 3), 0);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	snprintf(expect, sizeof(expect), " daos_server[%d]: engine 3 died", (int)getpid());
	assert_int_equal(strncmp(buf, "<27>", 4), 0);
	assert_int_equal(regcomp(&re, "^<27>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} ",
				 REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, buf, 0, NULL, 0), 0);
	regfree(&re);
	assert_non_null(strstr(buf, expect + 1));
	assert_int_equal(d_syslog(LOG_NOTICE, "x"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	assert_int_equal(strncmp(buf, "<29>", 4), 0);
	close(fd);
}

/* SYSL02: no receiver -> dropped (-DER_UNREACH, counted); a receiver appearing
 * later gets the next message; over-long messages are cut */
static void
sysl02_drop_and_cut(void **state)
{
	static char big[2 * D_SYSLOG_MSG_MAX];
	char        buf[2 * D_SYSLOG_MSG_MAX];
	uint64_t    dropped = d_syslog_dropped();
	ssize_t     n;
	int         fd;

	(void)state;
	d_syslog_close();
	unlink(path);
	assert_int_equal(d_syslog(LOG_WARNING, "nobody listens"), -DER_UNREACH);
	assert_int_equal(d_syslog_dropped(), dropped + 1);
	fd = bind_sock();
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(d_syslog(LOG_WARNING, "%s", big), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, D_SYSLOG_MSG_MAX - 1);
	assert_int_equal(strncmp(buf, "<28>", 4), 0);
	close(fd);
	/* the receiver went away: the next send reconnects, fails, and is counted */
	unlink(path);
	assert_int_equal(d_syslog(LOG_WARNING, "gone"), -DER_UNREACH);
	assert_int_equal(d_syslog_dropped(), dropped + 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(sysl01_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(sysl02_drop_and_cut, setup, teardown),
	};

	return cmocka_run_group_tests_name("syslog_sink", tests, NULL, NULL);
}
