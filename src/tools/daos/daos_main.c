/*
 * daos_main.c: entry point of daos, the DAOS user tool.
 *
 * Parse the whole command line first (a bad one is refused with nothing
 * sent), then initialise libdaos, run the command, and print the human text
 * (or, with -j, DAOS's JSON envelope) on stdout. Errors go to stderr as
 * "ERROR: daos: <what failed>: DER_X(-N): '<description>'" (in the envelope
 * with -j). Exit code 0 on success, 1 on any error; help exits 0.
 *
 * libdaos' own log (gurt, on stderr without D_LOG_FILE) is kept to CRIT
 * unless --debug (DEBUG) or the user's D_LOG_MASK says otherwise, so that
 * the tool's output is only what it prints.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos.h>
#include "tools/daos/daos_tool.h"

/* Report a failed command: in the envelope with -j, else on stderr. */
static void
report(const struct dtool_args *args, const char *what, int rc)
{
	struct cli_out   out;
	char             msg[DTOOL_MSG_MAX + 128];

	if (what[0] != '\0')
		snprintf(msg, sizeof(msg), "%s: " DF_RC, what, DP_RC(rc));
	else
		snprintf(msg, sizeof(msg), DF_RC, DP_RC(rc));
	if (!args->da_json) {
		fprintf(stderr, "ERROR: daos: %s\n", msg);
		return;
	}
	cli_out_init(&out);
	if (cli_envelope(NULL, msg, rc, &out) == 0)
		cli_out_write(&out, stdout);
	else
		fprintf(stderr, "ERROR: daos: %s\n", msg);
	cli_out_fini(&out);
}

static int
run(struct dtool_ctx *ctx, struct cli_out *out, json_t **response, char *err, size_t errlen)
{
	switch (ctx->dc_args->da_cmd) {
	case DTOOL_CMD_POOL_QUERY:
	case DTOOL_CMD_POOL_LIST_CONT:
	case DTOOL_CMD_POOL_LIST_ATTR:
	case DTOOL_CMD_POOL_GET_ATTR:
	case DTOOL_CMD_POOL_SET_ATTR:
	case DTOOL_CMD_POOL_DEL_ATTR:
		return dtool_pool_run(ctx, out, response, err, errlen);
	case DTOOL_CMD_OBJ_QUERY:
		return dtool_obj_run(ctx, out, response, err, errlen);
	case DTOOL_CMD_NONE:
	case DTOOL_CMD_NR:
		snprintf(err, errlen, "no command");
		return -DER_INVAL;
	default:
		return dtool_cont_run(ctx, out, response, err, errlen);
	}
}

int
main(int argc, char **argv)
{
	struct dtool_args args;
	struct dtool_ctx  ctx;
	struct cli_out    out;
	json_t           *response = NULL;
	char              err[DTOOL_MSG_MAX];
	char              path[128];
	int               ret = 0;
	int               rc;

	/* A peer closing a socket must not kill us through a write. */
	signal(SIGPIPE, SIG_IGN);
	cli_out_init(&out);

	rc = dtool_args_parse(argc, argv, &args, err, sizeof(err));
	if (rc != 0) {
		dtool_args_path(&args, path, sizeof(path));
		fprintf(stderr, "ERROR: daos: %s\n", err);
		fprintf(stderr, "Run '%s --help' for usage.\n", path);
		ret = DTOOL_EXIT_ERROR;
		goto out;
	}
	if (args.da_help) {
		rc = dtool_args_usage(&args, &out);
		cli_out_write(&out, stdout);
		ret = rc == 0 ? 0 : DTOOL_EXIT_ERROR;
		goto out;
	}
	/*
	 * libdaos logs to stderr unless D_LOG_FILE says otherwise. The tool
	 * reports every failure itself, with its context, so the library's
	 * own lines are only wanted with --debug (everything) or when the user
	 * set D_LOG_MASK; by default only its critical lines get through.
	 */
	if (getenv("D_LOG_MASK") == NULL)
		setenv("D_LOG_MASK", args.da_debug ? "DEBUG" : "CRIT", 1);

	memset(&ctx, 0, sizeof(ctx));
	ctx.dc_args = &args;
	ctx.dc_log = args.da_verbose || args.da_debug ? stderr : NULL;

	rc = daos_init();
	if (rc != 0) {
		report(&args, "failed to initialize daos", rc);
		ret = DTOOL_EXIT_ERROR;
		goto out;
	}
	err[0] = '\0';
	rc = run(&ctx, &out, &response, err, sizeof(err));
	daos_fini();

	if (args.da_json) {
		if (rc == 0) {
			cli_out_fini(&out);
			cli_out_init(&out);
			if (cli_envelope(response, NULL, 0, &out) != 0) {
				fprintf(stderr, "ERROR: daos: out of memory\n");
				rc = -DER_NOMEM;
			}
			cli_out_write(&out, stdout);
		}
	} else {
		cli_out_write(&out, stdout);
	}
	if (rc != 0) {
		report(&args, err, rc);
		ret = DTOOL_EXIT_ERROR;
	}
	json_decref(response);
out:
	cli_out_fini(&out);
	return ret;
}
