/*
 * eng_link.c: the engine's side of the engine link (protocol in
 * control/engine_link.h): connect with bounded retries, send and receive one
 * JSON object per SOCK_SEQPACKET packet.
 */
#define D_LOGFAC DD_FAC(engine)

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
#include "control/engine_link.h"
#include "engine/engine.h"

int
eng_link_connect(const char *path, int *fdp, char *errbuf, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int                err = 0;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	if (path == NULL || path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		d_errbuf_printf(errbuf, errlen,
				"socket path must be absolute and shorter than %zu bytes",
				sizeof(sa.sun_path));
		return -DER_INVAL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (unsigned attempt = 0; attempt < ENG_CONNECT_RETRIES; attempt++) {
		struct timespec ts = {0, ENG_CONNECT_INTERVAL_MS * 1000000L};
		int             fd;

		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			d_errbuf_printf(errbuf, errlen, "socket: %s", strerror(errno));
			return -DER_UNREACH;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			int fl = fcntl(fd, F_GETFL);

			if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
				d_errbuf_printf(errbuf, errlen, "fcntl: %s", strerror(errno));
				close(fd);
				return -DER_UNREACH;
			}
			*fdp = fd;
			return 0;
		}
		err = errno;
		close(fd);
		/* Retry only while the server may still be coming up. */
		if (err != ENOENT && err != ECONNREFUSED && err != EAGAIN && err != EINTR)
			break;
		D_DEBUG("connect %s: %s (attempt %u)\n", path, strerror(err), attempt + 1);
		nanosleep(&ts, NULL);
	}
	d_errbuf_printf(errbuf, errlen, "cannot connect to daos_server at %s: %s", path,
			strerror(err));
	return -DER_UNREACH;
}

int
eng_link_send(int fd, json_t *msg)
{
	char  *text;
	size_t len;
	int    rc = 0;

	text = json_dumps(msg, JSON_COMPACT);
	if (text == NULL)
		return -DER_NOMEM;
	len = strlen(text);
	if (len > ENGINE_LINK_MSG_MAX) {
		free(text);
		return -DER_INVAL;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		ssize_t       n   = send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
			D_ERROR("send to daos_server: %s\n", strerror(errno));
			rc = -DER_UNREACH;
			break;
		}
		n = poll(&pfd, 1, ENG_SEND_TIMEOUT_MS);
		if (n == 0) {
			D_ERROR("daos_server did not read for %d ms\n", ENG_SEND_TIMEOUT_MS);
			rc = -DER_UNREACH;
			break;
		}
		if (n < 0 && errno != EINTR) {
			rc = -DER_UNREACH;
			break;
		}
	}
	free(text);
	return rc;
}

int
eng_link_recv(int fd, char *buf, json_t **msg, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t      *root;
	ssize_t      n;

	d_errbuf_printf(errbuf, errlen, "%s", "");
	do {
		n = recv(fd, buf, ENGINE_LINK_MSG_MAX, MSG_TRUNC | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -DER_AGAIN;
		d_errbuf_printf(errbuf, errlen, "recv: %s", strerror(errno));
		return -DER_UNREACH;
	}
	if (n == 0) {
		d_errbuf_printf(errbuf, errlen, "daos_server closed the connection");
		return -DER_UNREACH;
	}
	if ((size_t)n > ENGINE_LINK_MSG_MAX) {
		d_errbuf_printf(errbuf, errlen, "packet of %zd bytes, at most %d", n,
				ENGINE_LINK_MSG_MAX);
		return -DER_PROTO;
	}
	root = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		d_errbuf_printf(errbuf, errlen, "packet is not JSON (%s at column %d)", jerr.text,
				jerr.column);
		return -DER_PROTO;
	}
	if (!json_is_object(root) || !json_is_string(json_object_get(root, "op"))) {
		d_errbuf_printf(errbuf, errlen, "packet is not an object with a string 'op' (%s)",
				d_json_type_name(root));
		json_decref(root);
		return -DER_PROTO;
	}
	*msg = root;
	return 0;
}
