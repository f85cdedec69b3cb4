/*
 * syslog_sink.c: see syslog_sink.h.
 *
 * Invariants (under sl_lock): sl_fd is -1 or a SOCK_DGRAM unix socket
 * connected to the path of the last successful connect; sl_ident is a
 * NUL-terminated string without control characters.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/syslog_sink.h"

static pthread_mutex_t  sl_lock = PTHREAD_MUTEX_INITIALIZER;
static int              sl_fd   = -1;
static int              sl_facility = LOG_DAEMON;
static char             sl_ident[D_SYSLOG_IDENT_MAX] = "daos";
static _Atomic uint64_t sl_dropped;

void
d_syslog_open(const char *ident, int facility)
{
	pthread_mutex_lock(&sl_lock);
	if (ident != NULL) {
		size_t i;

		for (i = 0; ident[i] != '\0' && i < sizeof(sl_ident) - 1; i++)
			sl_ident[i] = (ident[i] < 0x21 || ident[i] == 0x7f) ? '_' : ident[i];
		sl_ident[i] = '\0';
	}
	sl_facility = facility & LOG_FACMASK;
	pthread_mutex_unlock(&sl_lock);
}

/* Connect sl_fd to the configured socket; under sl_lock. */
static int
sl_connect(void)
{
	struct sockaddr_un sa;
	const char        *path = getenv(D_SYSLOG_ENV);
	int                fd;

	if (path == NULL || path[0] == '\0')
		path = D_SYSLOG_PATH_DEFAULT;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -DER_INVAL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -DER_NOMEM;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -DER_UNREACH;
	}
	sl_fd = fd;
	return 0;
}

int
d_syslog(int severity, const char *fmt, ...)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char      msg[D_SYSLOG_MSG_MAX];
	struct tm tm;
	time_t    now = time(NULL);
	va_list   ap;
	int       n, m, rc = 0;

	if (localtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	pthread_mutex_lock(&sl_lock);
	n = snprintf(msg, sizeof(msg), "<%d>%s %2d %02d:%02d:%02d %s[%d]: ",
		     sl_facility | (severity & LOG_PRIMASK), mon[tm.tm_mon % 12], tm.tm_mday,
		     tm.tm_hour, tm.tm_min, tm.tm_sec, sl_ident, (int)getpid());
	va_start(ap, fmt);
	m = vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) >= sizeof(msg))
		m = (int)(sizeof(msg) - 1 - (size_t)n); /* cut */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (sl_fd < 0) {
			rc = sl_connect();
			if (rc != 0)
				break;
		}
		if (send(sl_fd, msg, (size_t)(n + m), MSG_NOSIGNAL) >= 0) {
			rc = 0;
			break;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			rc = -DER_AGAIN; /* the receiver's queue is full: drop */
			break;
		}
		/* the receiver restarted, or went away: reconnect once */
		rc = -DER_UNREACH;
		close(sl_fd);
		sl_fd = -1;
	}
	pthread_mutex_unlock(&sl_lock);
	if (rc != 0)
		atomic_fetch_add(&sl_dropped, 1);
	return rc;
}

uint64_t
d_syslog_dropped(void)
{
	return atomic_load(&sl_dropped);
}

void
d_syslog_close(void)
{
	pthread_mutex_lock(&sl_lock);
	if (sl_fd >= 0)
		close(sl_fd);
	sl_fd = -1;
	pthread_mutex_unlock(&sl_lock);
}
