/*
 * agent_main.c: daos_agent's entry point.
 *
 *   daos_agent [OPTIONS] [start]   serve the local socket (default command)
 *   daos_agent version             print the version
 *
 * Options, as DAOS's daos_agent: -o/--config-path (default
 * /etc/daos/daos_agent.yml), -i/--insecure (no certificates: plain HTTP to the
 * servers), -s/--runtime_dir (socket directory, overrides runtime_dir),
 * -l/--logfile (overrides log_file), -d/--debug (log at DEBUG),
 * --allow-proxy (keep http_proxy and friends, which are otherwise removed from
 * the environment so that calls to the servers never go through a proxy).
 *
 * Any error before the agent serves is one line on stderr,
 *   ERROR: daos_agent: <file>:<line>: <keypath>: <problem>
 * (or another one-line reason) and exit status 1. SIGTERM and SIGINT stop it
 * (exit 0, socket removed); SIGUSR2 refreshes the attach-info cache.
 *
 * Logs: log_file at control_log_mask, mapped onto gurt levels as daos_server
 * does: TRACE and DEBUG -> DEBUG, INFO -> INFO, NOTICE -> NOTE, ERROR -> ERR,
 * DISABLED -> EMIT.
 */
#define D_LOGFAC DD_FAC(agent)

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "agent/agent.h"

/** The config read when -o is not given (DAOS's path). */
#define AGENT_CONFIG_DEFAULT "/etc/daos/daos_agent.yml"

struct cli {
	const char *cl_config;
	const char *cl_runtime_dir;
	const char *cl_logfile;
	bool        cl_insecure;
	bool        cl_debug;
	bool        cl_allow_proxy;
	const char *cl_cmd;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: daos_agent [OPTIONS] [command]\n"
		"\n"
		"Commands:\n"
		"  start    Start the daos_agent daemon (default)\n"
		"  version  Print the daos_agent version\n"
		"\n"
		"Options:\n"
		"  -o, --config-path=PATH  agent configuration file (default %s)\n"
		"  -i, --insecure          connect to the servers without certificates\n"
		"  -s, --runtime_dir=DIR   directory of the agent socket (overrides runtime_dir)\n"
		"  -l, --logfile=FILE      log file (overrides log_file)\n"
		"  -d, --debug             log at DEBUG level\n"
		"      --allow-proxy       allow proxy configuration through the environment\n"
		"  -h, --help              show this help\n",
		AGENT_CONFIG_DEFAULT);
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

/* Calls to the servers must never go through a proxy unless asked (DAOS). */
static void
scrub_proxies(void)
{
	static const char *const vars[] = {"http_proxy", "https_proxy", "all_proxy", "no_proxy",
					   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static int
cmd_start(const struct cli *cli)
{
	struct agent_config cfg;
	struct agent_opts   opts = {.ao_signals = true, .ao_insecure = cli->cl_insecure};
	struct agent       *agent;
	char                err[1024];
	char                env_err[AGENT_MSG_MAX] = "";
	const char         *env;
	const char         *logfile;
	int                 rc;

	/* libcurl and OpenSSL may write to closed sockets. */
	signal(SIGPIPE, SIG_IGN);
	if (!cli->cl_allow_proxy)
		scrub_proxies();
	rc = agent_config_load(cli->cl_config, &cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ERROR: daos_agent: %s\n", err[0] != '\0' ? err : d_errdesc(rc));
		return 1;
	}
	env = getenv(AGENT_ENV_DISABLE_CACHE);
	if (env != NULL && env[0] != '\0' &&
	    agent_env_bool(env, &opts.ao_disable_cache, env_err, sizeof(env_err)) != 0)
		opts.ao_disable_cache = false; /* as DAOS: an unparsable value is ignored */
	opts.ao_runtime_dir = cli->cl_runtime_dir;
	logfile = cli->cl_logfile != NULL ? cli->cl_logfile : cfg.ac_log_file;
	rc = d_log_open(logfile, cli->cl_debug ? "DEBUG" : log_mask_of(cfg.ac_control_log_mask),
			err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "ERROR: daos_agent: log_file: %s\n", err);
		agent_config_free(&cfg);
		return 1;
	}
	D_NOTE("daos_agent v%s starting with %s\n", DAOS_VERSION, cli->cl_config);
	if (env_err[0] != '\0')
		D_WARN("%s: ignored\n", env_err);
	rc = agent_create(&cfg, &opts, &agent, err, sizeof(err));
	if (rc != 0) {
		D_ERROR("cannot start: %s\n", err);
		fprintf(stderr, "ERROR: daos_agent: %s\n", err);
		d_log_fini();
		agent_config_free(&cfg);
		return 1;
	}
	printf("daos_agent v%s listening on %s\n", DAOS_VERSION, agent_sock_path(agent));
	fflush(stdout);
	rc = agent_run(agent);
	agent_destroy(agent);
	d_log_fini();
	agent_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}

/* The value of option @a at argv[*i]: "--name=value", "-x value", "--name value". */
static int
opt_value(int argc, char **argv, int *i, const char *shrt, const char *lng, const char **out)
{
	const char *a   = argv[*i];
	size_t      len = strlen(lng);

	if (strncmp(a, lng, len) == 0 && a[len] == '=') {
		*out = a + len + 1;
	} else if (strcmp(a, shrt) == 0 || strcmp(a, lng) == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "ERROR: daos_agent: expected argument for flag `%s'\n", a);
			return -1;
		}
		*out = argv[++*i];
	} else {
		return 1; /* not this option */
	}
	if ((*out)[0] == '\0') {
		fprintf(stderr, "ERROR: daos_agent: empty argument for flag `%s'\n", a);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli cli = {.cl_config = AGENT_CONFIG_DEFAULT};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int         rc;

		if ((rc = opt_value(argc, argv, &i, "-o", "--config-path", &cli.cl_config)) <= 0 ||
		    (rc = opt_value(argc, argv, &i, "-s", "--runtime_dir", &cli.cl_runtime_dir)) <=
			0 ||
		    (rc = opt_value(argc, argv, &i, "-l", "--logfile", &cli.cl_logfile)) <= 0) {
			if (rc < 0)
				return 1;
		} else if (strcmp(a, "-i") == 0 || strcmp(a, "--insecure") == 0) {
			cli.cl_insecure = true;
		} else if (strcmp(a, "-d") == 0 || strcmp(a, "--debug") == 0) {
			cli.cl_debug = true;
		} else if (strcmp(a, "--allow-proxy") == 0) {
			cli.cl_allow_proxy = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-') {
			fprintf(stderr, "ERROR: daos_agent: unknown flag `%s'\n", a);
			usage(stderr);
			return 1;
		} else if (cli.cl_cmd == NULL) {
			cli.cl_cmd = a;
		} else {
			fprintf(stderr, "ERROR: daos_agent: unexpected argument '%s'\n", a);
			return 1;
		}
	}
	if (cli.cl_cmd != NULL && strcmp(cli.cl_cmd, "version") == 0) {
		printf("daos_agent v%s\n", DAOS_VERSION);
		return 0;
	}
	if (cli.cl_cmd == NULL || strcmp(cli.cl_cmd, "start") == 0)
		return cmd_start(&cli);
	fprintf(stderr, "ERROR: daos_agent: unknown command '%s'\n", cli.cl_cmd);
	usage(stderr);
	return 1;
}
