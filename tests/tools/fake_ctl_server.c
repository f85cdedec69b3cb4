/*
 * fake_ctl_server.c: a control API server with canned replies, so that dmg
 * can be tested before the real daos_server exists
 * (tests/integration/test_dmg_cli.py).
 *
 *   fake_ctl_server [--bind ADDR] [--port N] [--insecure | --ca F --cert F --key F]
 *                   [--identity NAME] [--log FILE] METHOD=REPLY.json ...
 *
 * It serves POST /v1/<METHOD> for every METHOD given, answering with the JSON
 * object read from REPLY.json at start-up. A reply holding a negative integer
 * "status" is sent as an error reply, with HTTP status "_http" (default 500;
 * "_http" itself is removed), e.g. a follower's
 *   {"status": -2008, "error": "not the leader", "leader": "127.0.0.1:40001"}
 * Other methods get 404. --identity makes every method refuse callers whose
 * certificate CN is not NAME (403, -DER_NO_PERM). --log appends one line of
 * JSON per request: {"method": M, "identity": I, "body": {...}}.
 *
 * Once listening it prints "fake_ctl_server: listening on ADDR:PORT" on
 * stdout, then runs until SIGTERM or SIGINT. Exit codes: 0 after a signal,
 * 1 when the server cannot start, 2 for bad arguments or reply files.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <daos_errno.h>
#include "control/ctl_http.h"

/* Most methods one fake server answers: the contract has a dozen. */
#define FAKE_METHODS_MAX 32

struct fake_method {
	char    fm_name[CTL_HTTP_METHOD_MAX + 1];
	json_t *fm_reply;
	int     fm_http;
};

struct fake {
	struct fake_method f_methods[FAKE_METHODS_MAX];
	int                f_nr;
	const char        *f_identity;
	FILE              *f_log;
	pthread_mutex_t    f_log_lock;
};

static struct fake_method *
fake_lookup(struct fake *f, const char *method)
{
	for (int i = 0; i < f->f_nr; i++)
		if (strcmp(f->f_methods[i].fm_name, method) == 0)
			return &f->f_methods[i];
	return NULL;
}

static unsigned int
fake_method_fn(const char *method, void *arg)
{
	return fake_lookup(arg, method) != NULL ? CTL_HTTP_ALLOW_POST : 0;
}

static void
fake_handler(struct ctl_http_req *req, void *arg)
{
	struct fake        *f = arg;
	const char         *method = ctl_http_req_method(req);
	const char         *id = ctl_http_req_identity(req);
	struct fake_method *m = fake_lookup(f, method);

	if (f->f_log != NULL) {
		json_t *line = json_pack("{s:s,s:s,s:O}", "method", method, "identity", id, "body",
					 ctl_http_req_body(req));

		pthread_mutex_lock(&f->f_log_lock);
		if (line != NULL) {
			json_dumpf(line, f->f_log, JSON_COMPACT);
			fputc('\n', f->f_log);
			fflush(f->f_log);
		}
		pthread_mutex_unlock(&f->f_log_lock);
		json_decref(line);
	}
	if (m == NULL) { /* the method hook lets only known methods through */
		ctl_http_reply_error(req, 404, -DER_NONEXIST, "unknown method '%s'", method);
		return;
	}
	if (f->f_identity != NULL && strcmp(id, f->f_identity) != 0) {
		ctl_http_reply_error(req, 403, -DER_NO_PERM,
				     "method '%s' needs the %s certificate, caller is '%s'", method,
				     f->f_identity, id);
		return;
	}
	ctl_http_reply(req, m->fm_http, json_deep_copy(m->fm_reply));
}

/* METHOD=FILE */
static int
fake_add(struct fake *f, const char *arg)
{
	const char         *eq = strchr(arg, '=');
	struct fake_method *m;
	json_error_t        jerr;
	json_t             *st, *http;

	if (eq == NULL || eq == arg || (size_t)(eq - arg) > CTL_HTTP_METHOD_MAX) {
		fprintf(stderr, "fake_ctl_server: expected METHOD=REPLY.json, got '%s'\n", arg);
		return -1;
	}
	if (f->f_nr >= FAKE_METHODS_MAX) {
		fprintf(stderr, "fake_ctl_server: more than %d methods\n", FAKE_METHODS_MAX);
		return -1;
	}
	m = &f->f_methods[f->f_nr];
	memcpy(m->fm_name, arg, (size_t)(eq - arg));
	m->fm_name[eq - arg] = '\0';
	if (!ctl_http_method_valid(m->fm_name)) {
		fprintf(stderr, "fake_ctl_server: bad method name '%s'\n", m->fm_name);
		return -1;
	}
	m->fm_reply = json_load_file(eq + 1, JSON_REJECT_DUPLICATES, &jerr);
	if (m->fm_reply == NULL || !json_is_object(m->fm_reply)) {
		fprintf(stderr, "fake_ctl_server: %s: %s\n", eq + 1,
			m->fm_reply == NULL ? jerr.text : "not a JSON object");
		json_decref(m->fm_reply);
		return -1;
	}
	m->fm_http = 200;
	st = json_object_get(m->fm_reply, "status");
	if (json_is_integer(st) && json_integer_value(st) < 0) {
		http = json_object_get(m->fm_reply, "_http");
		m->fm_http = json_is_integer(http) ? (int)json_integer_value(http) : 500;
		json_object_del(m->fm_reply, "_http");
	}
	f->f_nr++;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: fake_ctl_server [--bind ADDR] [--port N] [--insecure | --ca F --cert F "
		"--key F]\n"
		"                       [--identity NAME] [--log FILE] METHOD=REPLY.json ...\n");
}

int
main(int argc, char **argv)
{
	static struct fake      f;
	struct ctl_http_cfg     cfg = {0};
	struct ctl_http_server *srv = NULL;
	char                    err[CTL_HTTP_ERRBUF_SIZE];
	const char             *log_path = NULL;
	sigset_t                set;
	int                     sig, rc, ret = 2;

	pthread_mutex_init(&f.f_log_lock, NULL);
	cfg.hc_bind_addr = "127.0.0.1";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--insecure") == 0) {
			cfg.hc_insecure = true;
			continue;
		}
		if (a[0] != '-') {
			if (fake_add(&f, a) != 0)
				goto out;
			continue;
		}
		if (v == NULL) {
			usage();
			goto out;
		}
		i++;
		if (strcmp(a, "--bind") == 0) {
			cfg.hc_bind_addr = v;
		} else if (strcmp(a, "--port") == 0) {
			char *end;
			long  p = strtol(v, &end, 10);

			if (*end != '\0' || p < 0 || p > 65535) {
				fprintf(stderr, "fake_ctl_server: bad port '%s'\n", v);
				goto out;
			}
			cfg.hc_port = (uint16_t)p;
		} else if (strcmp(a, "--ca") == 0) {
			cfg.hc_ca_cert = v;
		} else if (strcmp(a, "--cert") == 0) {
			cfg.hc_cert = v;
		} else if (strcmp(a, "--key") == 0) {
			cfg.hc_key = v;
		} else if (strcmp(a, "--identity") == 0) {
			f.f_identity = v;
		} else if (strcmp(a, "--log") == 0) {
			log_path = v;
		} else {
			usage();
			goto out;
		}
	}
	if (log_path != NULL) {
		f.f_log = fopen(log_path, "a");
		if (f.f_log == NULL) {
			fprintf(stderr, "fake_ctl_server: %s: %s\n", log_path, strerror(errno));
			goto out;
		}
	}
	cfg.hc_method_fn = fake_method_fn;
	cfg.hc_method_arg = &f;

	/* Block the stop signals before any thread starts, so that only sigwait sees
	 * them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = ctl_http_server_start(&cfg, fake_handler, &f, &srv, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "fake_ctl_server: %s\n", err);
		ret = 1;
		goto out;
	}
	printf("fake_ctl_server: listening on %s:%u\n", cfg.hc_bind_addr,
	       ctl_http_server_port(srv));
	fflush(stdout);
	do {
		rc = sigwait(&set, &sig);
	} while (rc != 0 && rc == EINTR);
	ctl_http_server_stop(srv);
	ret = 0;
out:
	for (int i = 0; i < f.f_nr; i++)
		json_decref(f.f_methods[i].fm_reply);
	if (f.f_log != NULL)
		fclose(f.f_log);
	pthread_mutex_destroy(&f.f_log_lock);
	return ret;
}
