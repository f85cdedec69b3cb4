/*
 * dc_agent.c: the daos_agent client (docs/design.md C5).
 *
 * Each request opens a connection to <DAOS_AGENT_DRPC_DIR>/daos_agent.sock,
 * sends one frame (a 4-byte little-endian length, then that many bytes of
 * one JSON object) and reads one frame back, within the operation timeout.
 * Metadata calls are rare next to I/O, so a connection per call keeps the
 * client free of reconnection logic at no visible cost.
 *
 * The agent is not trusted more than any peer: the reply length is bounded
 * (DC_AGENT_MSG_MAX), the JSON must parse to an object and every field is
 * checked by its user. A missing agent is -DER_AGENT_COMM, as DAOS reports
 * it, with a log line naming the socket path.
 *
 * The framing is the agent's own library (src/agent/agent_proto.h) when the
 * tree has it (DC_HAVE_AGENT_PROTO), so both sides share one implementation
 * of C5; otherwise the equivalent code below is used.
 *
 * The attach info (system name, provider, engines' URIs) is cached for the
 * process; dc_attach_get(refresh=true) asks the agent again (after
 * -DER_STALE or -DER_UNREACH from a target).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client_internal.h"
#include "gurt/byteorder.h"
#include "gurt/errbuf.h"
#ifdef DC_HAVE_AGENT_PROTO
#include "agent/agent_proto.h"
#endif

static pthread_mutex_t   dc_attach_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dc_attach *dc_attach_cache;

#ifndef DC_HAVE_AGENT_PROTO
/* Wait until fd is ready for `events` or the deadline passes. */
static int
dc_agent_wait(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		uint64_t      now = dc_now_ms();
		int           n;

		if (now >= deadline)
			return -DER_TIMEDOUT;
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -DER_AGENT_COMM;
	}
}

static int
dc_agent_write(int fd, const uint8_t *buf, size_t len, uint64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = dc_agent_wait(fd, POLLOUT, deadline);

			if (rc != 0)
				return rc;
			continue;
		}
		return -DER_AGENT_COMM;
	}
	return 0;
}

static int
dc_agent_read(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -DER_AGENT_COMM; /* the agent closed the connection */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int rc = dc_agent_wait(fd, POLLIN, deadline);

			if (rc != 0)
				return rc;
			continue;
		}
		return -DER_AGENT_COMM;
	}
	return 0;
}

static int
dc_agent_connect(int *fdp, char *errbuf, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char        *path = dc_agent_path();
	int                fd, err;

	if (dc_strcpy(sa.sun_path, sizeof(sa.sun_path), path) != 0) {
		d_errbuf_printf(errbuf, errlen, "agent socket path %s is too long", path);
		return -DER_INVAL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		d_errbuf_printf(errbuf, errlen, "cannot create a socket for %s: %s", path,
				strerror(err));
		return -DER_AGENT_COMM;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = errno;
		close(fd);
		d_errbuf_printf(errbuf, errlen,
				"cannot connect to daos_agent at %s: %s (is daos_agent running? "
				"DAOS_AGENT_DRPC_DIR names its runtime_dir)",
				path, strerror(err));
		D_ERROR("cannot connect to daos_agent at %s: %s\n", path, strerror(err));
		return -DER_AGENT_COMM;
	}
	*fdp = fd;
	return 0;
}

#endif

#ifdef DC_HAVE_AGENT_PROTO
int
dc_agent_request(const json_t *req, json_t **rep, char *errbuf, size_t errlen)
{
	char msg[AGENT_PROTO_ERRBUF_SIZE] = "";
	int  rc;

	rc = agent_proto_call(dc_agent_dir(), req, rep, (int)dc_timeout_ms(), msg, sizeof(msg));
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "daos_agent at %s: %s", dc_agent_path(), msg);
		D_ERROR("daos_agent at %s: %s: " DF_RC "\n", dc_agent_path(), msg, DP_RC(rc));
	}
	return rc;
}
#else
int
dc_agent_request(const json_t *req, json_t **rep, char *errbuf, size_t errlen)
{
	uint64_t     deadline = dc_now_ms() + dc_timeout_ms();
	json_error_t jerr;
	char        *text  = NULL;
	uint8_t     *body  = NULL;
	uint8_t      hdr[4];
	size_t       tlen;
	uint32_t     len;
	json_t      *r;
	int          fd = -1;
	int          rc;

	text = json_dumps(req, JSON_COMPACT);
	if (text == NULL)
		return -DER_NOMEM;
	tlen = strlen(text);
	if (tlen > DC_AGENT_MSG_MAX) {
		d_errbuf_printf(errbuf, errlen, "request of %zu bytes exceeds the agent limit %u",
				tlen, DC_AGENT_MSG_MAX);
		rc = -DER_OVERFLOW;
		goto out;
	}
	rc = dc_agent_connect(&fd, errbuf, errlen);
	if (rc != 0)
		goto out;
	d_put_le32(hdr, (uint32_t)tlen);
	rc = dc_agent_write(fd, hdr, sizeof(hdr), deadline);
	if (rc == 0)
		rc = dc_agent_write(fd, (const uint8_t *)text, tlen, deadline);
	if (rc == 0)
		rc = dc_agent_read(fd, hdr, sizeof(hdr), deadline);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "%s talking to daos_agent at %s",
				rc == -DER_TIMEDOUT ? "timed out" : "connection lost",
				dc_agent_path());
		goto out;
	}
	len = d_get_le32(hdr);
	if (len == 0 || len > DC_AGENT_MSG_MAX) {
		d_errbuf_printf(errbuf, errlen, "daos_agent sent a frame of %u bytes (limit %u)",
				len, DC_AGENT_MSG_MAX);
		rc = -DER_PROTO;
		goto out;
	}
	body = malloc(len);
	if (body == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = dc_agent_read(fd, body, len, deadline);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "%s reading the reply of daos_agent at %s",
				rc == -DER_TIMEDOUT ? "timed out" : "connection lost",
				dc_agent_path());
		goto out;
	}
	r = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r == NULL || !json_is_object(r)) {
		d_errbuf_printf(errbuf, errlen, "daos_agent sent a reply that is not a JSON object%s%s",
				r == NULL ? ": " : "", r == NULL ? jerr.text : "");
		json_decref(r);
		rc = -DER_PROTO;
		goto out;
	}
	*rep = r;
out:
	if (fd >= 0)
		close(fd);
	free(body);
	free(text);
	return rc;
}

#endif

/* The reply's status (and error text into errbuf when not 0). */
static int
dc_agent_status(const json_t *rep, char *errbuf, size_t errlen)
{
	int64_t     st;
	const char *err;

	if (dc_json_int(rep, "status", -DER_UNKNOWN, 0, &st) != 0) {
		d_errbuf_printf(errbuf, errlen, "daos_agent reply has no valid \"status\"");
		return -DER_PROTO;
	}
	if (st != 0) {
		err = dc_json_str(rep, "error");
		d_errbuf_printf(errbuf, errlen, "%s", err != NULL ? err : d_errdesc((int)st));
	}
	return (int)st;
}

int
dc_agent_call(const char *method, json_t *body, json_t **out, char *errbuf, size_t errlen)
{
	json_t *req, *rep = NULL, *b;
	int     rc;

	if (body == NULL)
		return -DER_NOMEM;
	req = json_pack("{s:s, s:s, s:o}", "op", "call", "method", method, "body", body);
	if (req == NULL)
		return -DER_NOMEM;
	rc = dc_agent_request(req, &rep, errbuf, errlen);
	json_decref(req);
	if (rc != 0)
		return rc;
	rc = dc_agent_status(rep, errbuf, errlen);
	if (rc == 0) {
		b = json_object_get(rep, "body");
		if (b == NULL) {
			b = json_object();
			if (b == NULL)
				rc = -DER_NOMEM;
		} else if (!json_is_object(b)) {
			d_errbuf_printf(errbuf, errlen, "reply of %s: \"body\" is not an object",
					method);
			rc = -DER_PROTO;
		} else {
			json_incref(b);
		}
		if (rc == 0)
			*out = b;
	} else {
		D_DEBUG("%s: " DF_RC ": %s\n", method, DP_RC(rc), errbuf != NULL ? errbuf : "");
	}
	json_decref(rep);
	return rc;
}

void
dc_attach_free(struct dc_attach *a)
{
	if (a == NULL)
		return;
	free(a->da_ranks);
	free(a->da_aps);
	free(a);
}

static int
dc_attach_copy(const struct dc_attach *src, struct dc_attach **out)
{
	struct dc_attach *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return -DER_NOMEM;
	*a          = *src;
	a->da_ranks = NULL;
	a->da_aps   = NULL;
	if (src->da_nr_ranks > 0) {
		a->da_ranks = malloc(sizeof(*a->da_ranks) * src->da_nr_ranks);
		if (a->da_ranks == NULL)
			goto nomem;
		memcpy(a->da_ranks, src->da_ranks, sizeof(*a->da_ranks) * src->da_nr_ranks);
	}
	if (src->da_nr_aps > 0) {
		a->da_aps = malloc(sizeof(*a->da_aps) * src->da_nr_aps);
		if (a->da_aps == NULL)
			goto nomem;
		memcpy(a->da_aps, src->da_aps, sizeof(*a->da_aps) * src->da_nr_aps);
	}
	*out = a;
	return 0;
nomem:
	dc_attach_free(a);
	return -DER_NOMEM;
}

int
dc_attach_parse(const json_t *rep, struct dc_attach **out, char *errbuf, size_t errlen)
{
	struct dc_attach *a;
	const char       *s;
	json_t           *ranks, *aps;
	int64_t           v;
	int               rc = -DER_PROTO;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -DER_NOMEM;
	s = dc_json_str(rep, "sys_name");
	if (s == NULL || dc_strcpy(a->da_sys, sizeof(a->da_sys), s) != 0 || *s == '\0') {
		d_errbuf_printf(errbuf, errlen, "attach info: bad or missing \"sys_name\"");
		goto err;
	}
	s = dc_json_str(rep, "provider");
	if (s != NULL && dc_strcpy(a->da_provider, sizeof(a->da_provider), s) != 0) {
		d_errbuf_printf(errbuf, errlen, "attach info: \"provider\" too long");
		goto err;
	}
	if (dc_json_int(rep, "map_version", 0, UINT32_MAX, &v) == 0)
		a->da_map_version = (uint32_t)v;
	ranks = json_object_get(rep, "ranks");
	if (!json_is_array(ranks) || json_array_size(ranks) > DC_RANKS_MAX) {
		d_errbuf_printf(errbuf, errlen, "attach info: \"ranks\" is not a list of at most %u",
				DC_RANKS_MAX);
		goto err;
	}
	if (json_array_size(ranks) > 0) {
		a->da_ranks = calloc(json_array_size(ranks), sizeof(*a->da_ranks));
		if (a->da_ranks == NULL) {
			rc = -DER_NOMEM;
			goto err;
		}
	}
	for (size_t i = 0; i < json_array_size(ranks); i++) {
		json_t                *r  = json_array_get(ranks, i);
		struct dc_attach_rank *ar = &a->da_ranks[i];

		if (!json_is_object(r) || dc_json_int(r, "rank", 0, UINT32_MAX - 1, &v) != 0) {
			d_errbuf_printf(errbuf, errlen, "attach info: rank %zu has no valid \"rank\"",
					i);
			goto err;
		}
		ar->ar_rank = (uint32_t)v;
		if (dc_json_int(r, "targets", 0, PL_TARGETS_PER_RANK_MAX, &v) == 0)
			ar->ar_targets = (uint32_t)v;
		s = dc_json_str(r, "uri");
		if (s != NULL && dc_strcpy(ar->ar_uri, sizeof(ar->ar_uri), s) != 0) {
			d_errbuf_printf(errbuf, errlen, "attach info: rank %u URI too long",
					ar->ar_rank);
			goto err;
		}
		s = dc_json_str(r, "state");
		if (s != NULL)
			snprintf(ar->ar_state, sizeof(ar->ar_state), "%s", s);
		a->da_nr_ranks++;
	}
	aps = json_object_get(rep, "access_points");
	if (json_is_array(aps) && json_array_size(aps) > 0 && json_array_size(aps) <= 64) {
		a->da_aps = calloc(json_array_size(aps), sizeof(*a->da_aps));
		if (a->da_aps == NULL) {
			rc = -DER_NOMEM;
			goto err;
		}
		for (size_t i = 0; i < json_array_size(aps); i++) {
			s = json_string_value(json_array_get(aps, i));
			if (s != NULL && dc_strcpy(a->da_aps[a->da_nr_aps], DC_URI_MAX, s) == 0)
				a->da_nr_aps++;
		}
	}
	*out = a;
	return 0;
err:
	dc_attach_free(a);
	return rc;
}

int
dc_attach_get(const char *sys, bool refresh, struct dc_attach **out, char *errbuf, size_t errlen)
{
	struct dc_attach *a   = NULL;
	json_t           *req = NULL, *rep = NULL;
	int               rc;

	pthread_mutex_lock(&dc_attach_lock);
	if (!refresh && dc_attach_cache != NULL) {
		rc = dc_attach_copy(dc_attach_cache, &a);
		goto check;
	}
	req = json_pack("{s:s, s:b}", "op", "get_attach_info", "refresh", refresh);
	if (req == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	if (sys != NULL && json_object_set_new(req, "sys", json_string(sys)) != 0) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = dc_agent_request(req, &rep, errbuf, errlen);
	if (rc != 0)
		goto out;
	rc = dc_agent_status(rep, errbuf, errlen);
	if (rc != 0)
		goto out;
	rc = dc_attach_parse(rep, &a, errbuf, errlen);
	if (rc != 0) {
		D_ERROR("bad attach info from daos_agent: %s\n", errbuf != NULL ? errbuf : "");
		goto out;
	}
	dc_attach_free(dc_attach_cache);
	dc_attach_cache = NULL;
	rc              = dc_attach_copy(a, &dc_attach_cache);
	if (rc != 0)
		goto out;
check:
	if (rc == 0 && sys != NULL && strcmp(sys, a->da_sys) != 0) {
		d_errbuf_printf(errbuf, errlen,
				"system '%.64s' is not the system '%s' of daos_agent at %s", sys,
				a->da_sys, dc_agent_path());
		rc = -DER_INVAL;
	}
out:
	pthread_mutex_unlock(&dc_attach_lock);
	json_decref(req);
	json_decref(rep);
	if (rc == 0)
		*out = a;
	else
		dc_attach_free(a);
	return rc;
}

void
dc_attach_cache_clear(void)
{
	pthread_mutex_lock(&dc_attach_lock);
	dc_attach_free(dc_attach_cache);
	dc_attach_cache = NULL;
	pthread_mutex_unlock(&dc_attach_lock);
}
