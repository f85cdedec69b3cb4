/*
 * agent_proto.c: frames of the daos_agent socket (see agent_proto.h).
 *
 * The codec functions are pure; the blocking helpers poll before every
 * recv/send and use MSG_DONTWAIT, so a deadline holds whether the caller's
 * socket is blocking or not, and MSG_NOSIGNAL, so a closed peer is an error
 * rather than SIGPIPE.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <daos_errno.h>
#include "gurt/byteorder.h"
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "agent/agent_proto.h"

int
agent_proto_encode(const json_t *obj, void **buf, size_t *len, char *errbuf, size_t errlen)
{
	uint8_t *out;
	size_t   need, got;

	if (!json_is_object(obj)) {
		d_errbuf_printf(errbuf, errlen, "message must be a JSON object, got %s",
				obj == NULL ? "nothing" : d_json_type_name(obj));
		return -DER_INVAL;
	}
	need = json_dumpb(obj, NULL, 0, JSON_COMPACT);
	if (need == 0) {
		d_errbuf_printf(errbuf, errlen, "cannot encode the message as JSON");
		return -DER_INVAL;
	}
	if (need > AGENT_PROTO_MSG_MAX) {
		d_errbuf_printf(errbuf, errlen, "message of %zu bytes exceeds the limit of %u bytes",
				need, AGENT_PROTO_MSG_MAX);
		return -DER_OVERFLOW;
	}
	out = malloc(AGENT_PROTO_HDR_SIZE + need);
	if (out == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	got = json_dumpb(obj, (char *)out + AGENT_PROTO_HDR_SIZE, need, JSON_COMPACT);
	if (got != need) { /* the object changed under us: a caller bug */
		free(out);
		d_errbuf_printf(errbuf, errlen, "cannot encode the message as JSON");
		return -DER_INVAL;
	}
	d_put_le32(out, (uint32_t)need);
	*buf = out;
	*len = AGENT_PROTO_HDR_SIZE + need;
	return 0;
}

int
agent_proto_hdr_decode(const void *hdr, uint32_t *len, char *errbuf, size_t errlen)
{
	uint32_t n = d_get_le32(hdr);

	if (n == 0) {
		d_errbuf_printf(errbuf, errlen, "empty message (length 0)");
		return -DER_PROTO;
	}
	if (n > AGENT_PROTO_MSG_MAX) {
		d_errbuf_printf(errbuf, errlen, "message of %u bytes exceeds the limit of %u bytes",
				n, AGENT_PROTO_MSG_MAX);
		return -DER_OVERFLOW;
	}
	*len = n;
	return 0;
}

int
agent_proto_body_decode(const void *body, size_t len, json_t **obj, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	const char  *nul;
	json_t      *j;

	if (len == 0) {
		d_errbuf_printf(errbuf, errlen, "empty message (length 0)");
		return -DER_PROTO;
	}
	if (len > AGENT_PROTO_MSG_MAX) {
		d_errbuf_printf(errbuf, errlen, "message of %zu bytes exceeds the limit of %u bytes",
				len, AGENT_PROTO_MSG_MAX);
		return -DER_OVERFLOW;
	}
	/* jansson would stop at a raw NUL with a vaguer message. */
	nul = memchr(body, '\0', len);
	if (nul != NULL) {
		d_errbuf_printf(errbuf, errlen, "invalid JSON: NUL byte at offset %zu",
				(size_t)(nul - (const char *)body));
		return -DER_PROTO;
	}
	/* Without JSON_DECODE_ANY only an object or array is accepted; without
	 * JSON_DISABLE_EOF_CHECK trailing data is refused; without JSON_ALLOW_NUL
	 * "\u0000" is refused. */
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			d_errbuf_printf(errbuf, errlen, "out of memory");
			return -DER_NOMEM;
		}
		d_errbuf_printf(errbuf, errlen, "invalid JSON: %s (line %d, column %d)", jerr.text,
				jerr.line, jerr.column);
		return -DER_PROTO;
	}
	if (!json_is_object(j)) {
		d_errbuf_printf(errbuf, errlen, "message must be a JSON object, got %s",
				d_json_type_name(j));
		json_decref(j);
		return -DER_PROTO;
	}
	*obj = j;
	return 0;
}

int
agent_proto_decode(const void *buf, size_t len, json_t **obj, size_t *used, char *errbuf,
		   size_t errlen)
{
	uint32_t n;
	int      rc;

	if (len < AGENT_PROTO_HDR_SIZE) {
		d_errbuf_printf(errbuf, errlen, "incomplete frame: %zu of %u header bytes", len,
				AGENT_PROTO_HDR_SIZE);
		return -DER_TRUNC;
	}
	rc = agent_proto_hdr_decode(buf, &n, errbuf, errlen);
	if (rc != 0)
		return rc;
	if (len - AGENT_PROTO_HDR_SIZE < n) {
		d_errbuf_printf(errbuf, errlen, "incomplete frame: %zu of %u body bytes",
				len - AGENT_PROTO_HDR_SIZE, n);
		return -DER_TRUNC;
	}
	rc = agent_proto_body_decode((const uint8_t *)buf + AGENT_PROTO_HDR_SIZE, n, obj, errbuf,
				     errlen);
	if (rc == 0)
		*used = AGENT_PROTO_HDR_SIZE + (size_t)n;
	return rc;
}

int
agent_proto_sock_path(const char *dir, char *path, size_t pathlen, char *errbuf, size_t errlen)
{
	char q[64 + 4];
	int  n;

	if (dir == NULL) {
		dir = getenv(AGENT_PROTO_DIR_ENV);
		if (dir == NULL || dir[0] == '\0')
			dir = AGENT_PROTO_DIR_DEFAULT;
	}
	if (dir[0] == '\0') {
		d_errbuf_printf(errbuf, errlen, "socket directory is empty");
		return -DER_INVAL;
	}
	n = snprintf(path, pathlen, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		     AGENT_PROTO_SOCK_NAME);
	if (n < 0 || (size_t)n > AGENT_PROTO_PATH_MAX || (size_t)n >= pathlen) {
		d_errbuf_printf(errbuf, errlen, "socket path '%s/%s' is longer than %u bytes",
				d_errbuf_quote(q, dir, strlen(dir), 64), AGENT_PROTO_SOCK_NAME,
				AGENT_PROTO_PATH_MAX);
		if (pathlen > 0)
			path[0] = '\0';
		return -DER_INVAL;
	}
	return 0;
}

int
agent_proto_connect(const char *dir, int *fd, char *errbuf, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int                s, rc;

	rc = agent_proto_sock_path(dir, sa.sun_path, sizeof(sa.sun_path), errbuf, errlen);
	if (rc != 0)
		return rc;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		d_errbuf_printf(errbuf, errlen, "cannot create a socket: %s", strerror(errno));
		return -DER_AGENT_COMM;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		d_errbuf_printf(errbuf, errlen, "cannot connect to %s: %s (is daos_agent running?)",
				sa.sun_path, strerror(errno));
		close(s);
		return -DER_AGENT_COMM;
	}
	*fd = s;
	return 0;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
check_timeout(int timeout_ms, char *errbuf, size_t errlen)
{
	if (timeout_ms < 1 || timeout_ms > AGENT_PROTO_TIMEOUT_MAX_MS) {
		d_errbuf_printf(errbuf, errlen, "timeout of %d ms is out of range [1, %d]",
				timeout_ms, AGENT_PROTO_TIMEOUT_MAX_MS);
		return -DER_INVAL;
	}
	return 0;
}

/* Wait until fd is ready for @events or the deadline passes. */
static int
wait_fd(int fd, short events, uint64_t deadline, const char *what, char *errbuf, size_t errlen)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		uint64_t      now = mono_ms();
		int           n;

		if (now >= deadline) {
			d_errbuf_printf(errbuf, errlen, "timed out %s the agent", what);
			return -DER_TIMEDOUT;
		}
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0)
			return 0; /* ready, or an error the next call reports */
		if (n < 0 && errno != EINTR) {
			d_errbuf_printf(errbuf, errlen, "poll failed %s the agent: %s", what,
					strerror(errno));
			return -DER_AGENT_COMM;
		}
	}
}

static int
send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline, char *errbuf, size_t errlen)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		int     rc;

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			d_errbuf_printf(errbuf, errlen, "cannot send to the agent: %s",
					strerror(errno));
			return -DER_AGENT_COMM;
		}
		rc = wait_fd(fd, POLLOUT, deadline, "sending to", errbuf, errlen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
recv_all(int fd, uint8_t *buf, size_t len, size_t before, size_t total, uint64_t deadline,
	 char *errbuf, size_t errlen)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, buf + done, len - done, MSG_DONTWAIT);
		int     rc;

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0) {
			d_errbuf_printf(errbuf, errlen,
					"peer closed the connection after %zu of %zu bytes",
					before + done, total);
			return -DER_PROTO;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			d_errbuf_printf(errbuf, errlen, "cannot receive from the agent: %s",
					strerror(errno));
			return -DER_AGENT_COMM;
		}
		rc = wait_fd(fd, POLLIN, deadline, "receiving from", errbuf, errlen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
send_deadline(int fd, const json_t *obj, uint64_t deadline, char *errbuf, size_t errlen)
{
	void  *buf;
	size_t len;
	int    rc;

	rc = agent_proto_encode(obj, &buf, &len, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = send_all(fd, buf, len, deadline, errbuf, errlen);
	free(buf);
	return rc;
}

static int
recv_deadline(int fd, json_t **obj, uint64_t deadline, char *errbuf, size_t errlen)
{
	uint8_t  hdr[AGENT_PROTO_HDR_SIZE];
	uint8_t *body;
	uint32_t n;
	int      rc;

	rc = recv_all(fd, hdr, sizeof(hdr), 0, sizeof(hdr), deadline, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = agent_proto_hdr_decode(hdr, &n, errbuf, errlen);
	if (rc != 0)
		return rc;
	body = malloc(n);
	if (body == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	rc = recv_all(fd, body, n, sizeof(hdr), sizeof(hdr) + (size_t)n, deadline, errbuf, errlen);
	if (rc == 0)
		rc = agent_proto_body_decode(body, n, obj, errbuf, errlen);
	free(body);
	return rc;
}

int
agent_proto_send(int fd, const json_t *obj, int timeout_ms, char *errbuf, size_t errlen)
{
	int rc = check_timeout(timeout_ms, errbuf, errlen);

	if (rc != 0)
		return rc;
	return send_deadline(fd, obj, mono_ms() + (uint64_t)timeout_ms, errbuf, errlen);
}

int
agent_proto_recv(int fd, json_t **obj, int timeout_ms, char *errbuf, size_t errlen)
{
	int rc = check_timeout(timeout_ms, errbuf, errlen);

	if (rc != 0)
		return rc;
	return recv_deadline(fd, obj, mono_ms() + (uint64_t)timeout_ms, errbuf, errlen);
}

int
agent_proto_call(const char *dir, const json_t *req, json_t **reply, int timeout_ms, char *errbuf,
		 size_t errlen)
{
	uint64_t deadline;
	int      fd = -1;
	int      rc;

	rc = check_timeout(timeout_ms, errbuf, errlen);
	if (rc != 0)
		return rc;
	deadline = mono_ms() + (uint64_t)timeout_ms;
	rc       = agent_proto_connect(dir, &fd, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = send_deadline(fd, req, deadline, errbuf, errlen);
	if (rc == 0)
		rc = recv_deadline(fd, reply, deadline, errbuf, errlen);
	close(fd);
	return rc;
}
