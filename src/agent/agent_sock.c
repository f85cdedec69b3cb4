/*
 * agent_sock.c: the agent's listening socket <runtime_dir>/daos_agent.sock.
 *
 * One agent per socket. Opening: create the runtime directory (0755, with its
 * parents) when missing; take an exclusive flock on daos_agent.sock.lock
 * beside the socket, which makes "is an agent alive? if not, take the socket
 * over" atomic between agents starting at once; then refuse a socket a live
 * process answers on (an agent of another build without the lock), remove a
 * stale one (connection refused: its agent died), never remove anything that
 * is not a socket; bind, chmod 0666 (every local user's processes are
 * clients; peers are checked per connection), listen.
 *
 * Invariants:
 *   1. as_lfd >= 0 implies as_lockfd holds the lock and the socket file
 *      (as_dev, as_ino) was bound by us.
 *   2. The socket file is removed only while it is still ours (same device and
 *      inode), so a stopping agent never removes a successor's socket.
 *   3. The lock file is never removed: unlinking it would let a third agent
 *      lock a new file while a second one still holds the old.
 */
#define D_LOGFAC DD_FAC(agent)

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "agent/agent.h"

/** Listen backlog: the clients of a whole job starting at once. */
#define AGENT_LISTEN_BACKLOG 128

static int
errno_rc(int err)
{
	return err == EACCES || err == EPERM || err == EROFS ? -DER_NO_PERM : -DER_MISC;
}

/* mkdir -p: missing directories are created 0755 whatever the umask. */
static int
dir_make(const char *dir, char *errbuf, size_t errlen)
{
	char        path[CFG_PATH_MAX + 1];
	struct stat st;
	size_t      len = strlen(dir);
	int         err;

	if (len == 0 || len > CFG_PATH_MAX) {
		d_errbuf_printf(errbuf, errlen, "runtime_dir: expected 1 to %d bytes", CFG_PATH_MAX);
		return -DER_INVAL;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) == 0) {
			if (chmod(path, 0755) != 0) {
				err = errno;
				d_errbuf_printf(errbuf, errlen, "cannot chmod %s: %s", path,
						strerror(err));
				return errno_rc(err);
			}
			D_INFO("created %s\n", path);
		} else if (errno != EEXIST) {
			err = errno;
			d_errbuf_printf(errbuf, errlen, "cannot create runtime_dir %s: %s", path,
					strerror(err));
			return errno_rc(err);
		}
		path[i] = dir[i];
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		d_errbuf_printf(errbuf, errlen, "runtime_dir %s is not a directory", dir);
		return -DER_INVAL;
	}
	return 0;
}

/* A socket file is at the path: refuse a live one, remove a stale one. */
static int
stale_remove(struct agent_sock *s, const struct sockaddr_un *sa, char *errbuf, size_t errlen)
{
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "socket: %s", strerror(err));
		return errno_rc(err);
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		close(fd);
		d_errbuf_printf(errbuf, errlen, "another daos_agent is serving %s", s->as_path);
		return -DER_BUSY;
	}
	err = errno;
	close(fd);
	if (err != ECONNREFUSED) {
		d_errbuf_printf(errbuf, errlen, "cannot check %s: %s", s->as_path, strerror(err));
		return errno_rc(err);
	}
	if (unlink(s->as_path) != 0 && errno != ENOENT) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "cannot remove the stale socket %s: %s", s->as_path,
				strerror(err));
		return errno_rc(err);
	}
	D_NOTE("removed the stale socket %s\n", s->as_path);
	return 0;
}

int
agent_sock_open(struct agent_sock *s, const char *dir, char *errbuf, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat        st;
	const char        *what;
	size_t             len;
	int                rc, err;

	if (s == NULL || dir == NULL) {
		d_errbuf_printf(errbuf, errlen, "no socket or directory given");
		return -DER_INVAL;
	}
	memset(s, 0, sizeof(*s));
	s->as_lfd    = -1;
	s->as_lockfd = -1;
	rc = agent_proto_sock_path(dir, s->as_path, sizeof(s->as_path), errbuf, errlen);
	if (rc == 0)
		rc = dir_make(dir, errbuf, errlen);
	if (rc != 0)
		goto err;
	len             = strlen(s->as_path);
	s->as_lock_path = malloc(len + sizeof(".lock"));
	if (s->as_lock_path == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		rc = -DER_NOMEM;
		goto err;
	}
	snprintf(s->as_lock_path, len + sizeof(".lock"), "%s.lock", s->as_path);
	s->as_lockfd = open(s->as_lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->as_lockfd < 0) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "cannot open %s: %s", s->as_lock_path,
				strerror(err));
		rc = errno_rc(err);
		goto err;
	}
	if (flock(s->as_lockfd, LOCK_EX | LOCK_NB) != 0) {
		err = errno;
		if (err == EWOULDBLOCK)
			d_errbuf_printf(errbuf, errlen,
					"another daos_agent is serving %s (it holds %s)", s->as_path,
					s->as_lock_path);
		else
			d_errbuf_printf(errbuf, errlen, "cannot lock %s: %s", s->as_lock_path,
					strerror(err));
		rc = err == EWOULDBLOCK ? -DER_BUSY : errno_rc(err);
		goto err;
	}
	memcpy(sa.sun_path, s->as_path, len + 1);
	if (lstat(s->as_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			d_errbuf_printf(errbuf, errlen, "%s exists and is not a socket: remove it",
					s->as_path);
			rc = -DER_EXIST;
			goto err;
		}
		rc = stale_remove(s, &sa, errbuf, errlen);
		if (rc != 0)
			goto err;
	}
	s->as_lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->as_lfd < 0) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "socket: %s", strerror(err));
		rc = errno_rc(err);
		goto err;
	}
	if (bind(s->as_lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "cannot bind %s: %s", s->as_path, strerror(err));
		close(s->as_lfd);
		s->as_lfd = -1;
		rc        = errno_rc(err);
		goto err;
	}
	/* Every local user's processes may connect: peers are checked per connection. */
	what = NULL;
	if (chmod(s->as_path, 0666) != 0)
		what = "chmod";
	else if (lstat(s->as_path, &st) != 0)
		what = "stat";
	else if (listen(s->as_lfd, AGENT_LISTEN_BACKLOG) != 0)
		what = "listen on";
	if (what != NULL) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "cannot %s %s: %s", what, s->as_path,
				strerror(err));
		unlink(s->as_path);
		close(s->as_lfd);
		s->as_lfd = -1;
		rc        = errno_rc(err);
		goto err;
	}
	s->as_dev = st.st_dev;
	s->as_ino = st.st_ino;
	return 0;
err:
	agent_sock_close(s);
	return rc;
}

void
agent_sock_unlisten(struct agent_sock *s)
{
	struct stat st;

	if (s->as_lfd < 0)
		return;
	close(s->as_lfd);
	s->as_lfd = -1;
	if (lstat(s->as_path, &st) == 0 && st.st_dev == s->as_dev && st.st_ino == s->as_ino &&
	    unlink(s->as_path) != 0)
		D_ERROR("cannot remove %s: %s\n", s->as_path, strerror(errno));
}

void
agent_sock_close(struct agent_sock *s)
{
	agent_sock_unlisten(s);
	if (s->as_lockfd >= 0)
		close(s->as_lockfd); /* releases the lock */
	s->as_lockfd = -1;
	free(s->as_lock_path);
	s->as_lock_path = NULL;
}
