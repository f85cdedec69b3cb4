/*
 * server_main.c: daos_server's entry point.
 *
 *   daos_server start [-o|--config PATH | --local DIR] [-i|--insecure]
 *       run the control plane (srv_run): engines, MS replica on access
 *       points, the control API on `port`; SIGTERM/SIGINT stop it cleanly.
 *       --local DIR uses the embedded default configuration (one host,
 *       two engines on emulated SCM and file NVMe, everything under DIR:
 *       srv_config_default), the README's quick start.
 *   daos_server storage scan [-o|--config PATH]
 *       print the configured engines' storage as found now
 *   daos_server version
 *
 * The config is /etc/daos/daos_server.yml unless -o names another. Any error
 * before the server runs is one line on stderr,
 *   ERROR: daos_server: <file>:<line>: <keypath>: <problem>
 * (or another one-line reason) and exit status 1.
 *
 * Logs: control_log_file (stderr when unset) at control_log_mask, mapped onto
 * gurt levels: TRACE and DEBUG -> DEBUG, INFO -> INFO, NOTICE -> NOTE,
 * ERROR -> ERR, DISABLED -> EMIT (nothing but emits). RAS events also go to
 * syslog (facility daemon, identity daos_server).
 */
#define D_LOGFAC DD_FAC(control)

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "gurt/syslog_sink.h"
#include "control/config.h"
#include "control/srv_internal.h"
#include "control/storage.h"

/** The config read when -o is not given (DAOS's path). */
#define SRV_CONFIG_DEFAULT "/etc/daos/daos_server.yml"

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: daos_server [OPTIONS] <command>\n"
		"\n"
		"Commands:\n"
		"  start          Start the DAOS control server and its engines\n"
		"  storage scan   Show the storage of the configured engines\n"
		"  version        Print the version\n"
		"\n"
		"Options:\n"
		"  -o, --config=PATH  server config file (default %s)\n"
		"      --local=DIR    use the embedded one-host configuration rooted in DIR\n"
		"  -i, --insecure     (start) allow insecure connections, no certificates\n"
		"  -h, --help         show this help\n",
		SRV_CONFIG_DEFAULT);
}

static const char *
log_mask_of(int level)
{
	switch (level) {
	case CFG_LOG_DISABLED:
		return "EMIT";
	case CFG_LOG_TRACE:
	case CFG_LOG_DEBUG:
		return "DEBUG";
	case CFG_LOG_NOTICE:
		return "NOTE";
	case CFG_LOG_ERROR:
		return "ERR";
	default:
		return "INFO";
	}
}

/* Set by --local: the root of the embedded default configuration. */
static const char *local_root;

static int
config_load(const char *path, struct srv_config *cfg)
{
	char err[1024];
	int  rc;

	err[0] = '\0';
	if (local_root != NULL) {
		rc = srv_config_default(cfg, local_root);
		if (rc != 0) {
			fprintf(stderr, "ERROR: daos_server: --local %s: %s\n", local_root,
				local_root[0] != '/' ? "the directory must be an absolute path"
						     : d_errdesc(rc));
			return 1;
		}
		return 0;
	}
	rc = srv_config_load(path, cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ERROR: daos_server: %s\n", err[0] != '\0' ? err : d_errdesc(rc));
		return 1;
	}
	return 0;
}

static int
cmd_start(const char *path, bool insecure)
{
	struct srv_config cfg;
	char              err[D_LOG_ERRBUF_SIZE];
	bool              in_use;
	int               rc;

	/* libuv and libcurl write to sockets without MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_IGN);
	if (config_load(path, &cfg) != 0)
		return 1;
	rc = d_log_open(cfg.sc_control_log_file, log_mask_of(cfg.sc_control_log_mask), err,
			sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ERROR: daos_server: control_log_file: %s\n", err);
		srv_config_free(&cfg);
		return 1;
	}
	d_syslog_open("daos_server", LOG_DAEMON);
	D_NOTE("daos_server v%s starting with %s (%u engines)\n", DAOS_VERSION,
	       local_root != NULL ? "the embedded default configuration" : path,
	       cfg.sc_engines_nr);
	rc = srv_run(&cfg, insecure, &in_use);
	d_syslog_close();
	if (!in_use) /* else a worker thread still reads it: exit around it */
		srv_config_free(&cfg);
	d_log_fini();
	return rc;
}

static void
size_str(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double                   v       = (double)b;
	int                      u       = 0;

	while (v >= 1000.0 && u < 5) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

static int
cmd_storage_scan(const char *path)
{
	struct srv_config        cfg;
	struct srv_storage_info *si;

	if (config_load(path, &cfg) != 0)
		return 1;
	si = malloc(sizeof(*si));
	if (si == NULL) {
		fprintf(stderr, "ERROR: daos_server: out of memory\n");
		srv_config_free(&cfg);
		return 1;
	}
	if (cfg.sc_engines_nr == 0)
		printf("No engines configured\n");
	for (uint32_t i = 0; i < cfg.sc_engines_nr; i++) {
		const struct srv_scm_info *s = &si->st_scm;
		char                       total[32], used[32];

		if (srv_storage_scan(&cfg.sc_engines[i], si) != 0)
			continue;
		size_str(s->si_total, total, sizeof(total));
		size_str(s->si_used, used, sizeof(used));
		printf("Engine %u:\n  SCM  %-4s %s: total %s, used %s, ", i,
		       srv_tier_class_name(s->si_class), s->si_mount, total, used);
		if (s->si_formatted && s->si_rank != D_RANK_NIL)
			printf("formatted (rank %u)\n", s->si_rank);
		else if (s->si_formatted)
			printf("formatted\n");
		else if (s->si_sb_rc != -DER_NONEXIST && s->si_sb_rc != 0)
			printf("unusable superblock: %s\n", s->si_sb_error);
		else
			printf("not formatted\n");
		for (uint32_t b = 0; b < si->st_bdevs_nr; b++) {
			const struct srv_bdev_info *d = &si->st_bdevs[b];

			size_str(d->bi_exists ? d->bi_size : d->bi_cfg_size, total, sizeof(total));
			printf("  NVMe %-4s %s: %s%s\n", srv_tier_class_name(d->bi_class), d->bi_path,
			       total, d->bi_exists ? "" : " (not created)");
		}
	}
	free(si);
	srv_config_free(&cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path     = SRV_CONFIG_DEFAULT;
	const char *words[2] = {NULL, NULL};
	bool        insecure = false;
	bool        config_given = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-o") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ERROR: daos_server: expected argument for flag `%s'\n",
					a);
				return 1;
			}
			path         = argv[++i];
			config_given = true;
		} else if (strncmp(a, "--config=", 9) == 0) {
			path         = a + 9;
			config_given = true;
		} else if (strcmp(a, "--local") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ERROR: daos_server: expected argument for flag `%s'\n",
					a);
				return 1;
			}
			local_root = argv[++i];
		} else if (strncmp(a, "--local=", 8) == 0) {
			local_root = a + 8;
		} else if (strcmp(a, "-i") == 0 || strcmp(a, "--insecure") == 0) {
			insecure = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "ERROR: daos_server: unknown flag `%s'\n", a);
			usage(stderr);
			return 1;
		} else if (words[0] == NULL) {
			words[0] = a;
		} else if (words[1] == NULL) {
			words[1] = a;
		} else {
			fprintf(stderr, "ERROR: daos_server: unexpected argument '%s'\n", a);
			return 1;
		}
	}
	if (local_root != NULL && config_given) {
		fprintf(stderr, "ERROR: daos_server: --local and --config exclude each other\n");
		return 1;
	}
	if (path[0] == '\0') {
		fprintf(stderr, "ERROR: daos_server: empty config path\n");
		return 1;
	}
	if (words[0] == NULL) {
		usage(stderr);
		return 1;
	}
	if (strcmp(words[0], "version") == 0 && words[1] == NULL) {
		printf("daos_server v%s\n", DAOS_VERSION);
		return 0;
	}
	if (strcmp(words[0], "start") == 0 && words[1] == NULL)
		return cmd_start(path, insecure);
	if (strcmp(words[0], "storage") == 0 && words[1] != NULL && strcmp(words[1], "scan") == 0)
		return cmd_storage_scan(path);
	fprintf(stderr, "ERROR: daos_server: unknown command '%s%s%s'\n", words[0],
		words[1] != NULL ? " " : "", words[1] != NULL ? words[1] : "");
	usage(stderr);
	return 1;
}
