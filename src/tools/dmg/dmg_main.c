/*
 * dmg_main.c: entry point of dmg, the DAOS management tool.
 *
 * Parse the command line, load the configuration, run the command, print
 * the human text (or, with -j, DAOS's JSON envelope) on stdout and any error
 * as "ERROR: dmg: <message>" on stderr. Exit code 0 on success, 1 on any
 * error (DAOS dmg's convention); help exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "tools/dmg/dmg.h"

/* Report an error: in the envelope with -j, else on stderr. */
static int
report(const struct dmg_args *args, const char *msg, int rc, bool with_rc)
{
	struct cli_out out;

	if (args->da_json) {
		cli_out_init(&out);
		if (cli_envelope(NULL, msg, rc, &out) == 0)
			cli_out_write(&out, stdout);
		cli_out_fini(&out);
		return DMG_EXIT_ERROR;
	}
	if (with_rc)
		fprintf(stderr, "ERROR: dmg: %s: " DF_RC "\n", msg, DP_RC(rc));
	else
		fprintf(stderr, "ERROR: dmg: %s\n", msg);
	return DMG_EXIT_ERROR;
}

int
main(int argc, char **argv)
{
	struct dmg_args args;
	struct dmg_ctx  ctx;
	struct cli_out  out;
	json_t         *response = NULL;
	char            err[DMG_MSG_MAX];
	char            path[128];
	bool            log_open = false;
	bool            need_ctx;
	int             ret = 0;
	int             rc;

	/* A server closing the connection must not kill us through a write. */
	signal(SIGPIPE, SIG_IGN);
	cli_out_init(&out);

	rc = dmg_args_parse(argc, argv, &args, err, sizeof(err));
	if (rc != 0) {
		dmg_args_path(&args, path, sizeof(path));
		fprintf(stderr, "ERROR: dmg: %s\n", rc == -DER_NOMEM ? "out of memory" : err);
		fprintf(stderr, "Run '%s --help' for usage.\n", path);
		ret = DMG_EXIT_ERROR;
		goto out_args;
	}
	if (args.da_help) {
		rc = dmg_args_usage(&args, &out);
		cli_out_write(&out, stdout);
		ret = rc == 0 ? 0 : DMG_EXIT_ERROR;
		goto out_args;
	}
	if (args.da_debug) {
		/* The control API client logs its calls at DEBUG. */
		if (d_log_open(NULL, "ERR,control=DEBUG", NULL, 0) == 0)
			log_open = true;
	}

	/* metrics list|query talk to one telemetry port, not to the control API:
	 * no configuration or certificates are needed. */
	need_ctx = args.da_cmd != DMG_CMD_TELEMETRY_METRICS_LIST &&
		   args.da_cmd != DMG_CMD_TELEMETRY_METRICS_QUERY;
	memset(&ctx, 0, sizeof(ctx));
	rc = need_ctx ? dmg_ctx_init(&ctx, &args, err, sizeof(err)) : 0;
	if (rc != 0) {
		ret = report(&args, err, rc, false);
		goto out_log;
	}
	err[0] = '\0';
	switch (args.da_cmd) {
	case DMG_CMD_SYSTEM_QUERY:
	case DMG_CMD_SYSTEM_STOP:
	case DMG_CMD_SYSTEM_START:
	case DMG_CMD_SYSTEM_ERASE:
	case DMG_CMD_SYSTEM_LEADER_QUERY:
		rc = dmg_system_run(&ctx, &out, &response, err, sizeof(err));
		break;
	case DMG_CMD_STORAGE_SCAN:
	case DMG_CMD_STORAGE_FORMAT:
	case DMG_CMD_STORAGE_QUERY_USAGE:
		if (dmg_nvme_cmd(&args)) /* scan --nvme-meta|--nvme-health */
			rc = dmg_nvme_run(&ctx, &out, &response, err, sizeof(err));
		else
			rc = dmg_storage_run(&ctx, &out, &response, err, sizeof(err));
		break;
	case DMG_CMD_STORAGE_LIST_DEVICES:
	case DMG_CMD_STORAGE_LIST_POOLS:
	case DMG_CMD_STORAGE_DEVICE_HEALTH:
	case DMG_CMD_STORAGE_TARGET_HEALTH:
	case DMG_CMD_STORAGE_SET_FAULTY:
	case DMG_CMD_STORAGE_REPLACE_NVME:
	case DMG_CMD_STORAGE_IDENTIFY_VMD:
		rc = dmg_nvme_run(&ctx, &out, &response, err, sizeof(err));
		break;
	case DMG_CMD_SERVER_SET_LOGMASKS:
		rc = dmg_server_run(&ctx, &out, &response, err, sizeof(err));
		break;
	case DMG_CMD_SYSTEM_LIST_POOLS:
	case DMG_CMD_POOL_CREATE:
	case DMG_CMD_POOL_DESTROY:
	case DMG_CMD_POOL_LIST:
	case DMG_CMD_POOL_QUERY:
	case DMG_CMD_POOL_QUERY_TARGETS:
	case DMG_CMD_POOL_GET_PROP:
	case DMG_CMD_POOL_SET_PROP:
	case DMG_CMD_POOL_EXCLUDE:
	case DMG_CMD_POOL_REINTEGRATE:
		rc = dmg_pool_run(&ctx, &out, &response, err, sizeof(err));
		break;
	case DMG_CMD_TELEMETRY_METRICS_LIST:
	case DMG_CMD_TELEMETRY_METRICS_QUERY:
		rc = dmg_telemetry_metrics_run(&args, &out, &response, err, sizeof(err));
		break;
	case DMG_CMD_TELEMETRY_CONFIG:
		rc = dmg_telemetry_config_run(&ctx, &out, &response, err, sizeof(err));
		break;
	default:
		snprintf(err, sizeof(err), "no command");
		rc = -DER_INVAL;
		break;
	}
	if (args.da_json) {
		cli_out_fini(&out);
		cli_out_init(&out);
		if (cli_envelope(response, rc != 0 ? err : NULL, rc, &out) != 0)
			fprintf(stderr, "ERROR: dmg: out of memory\n");
		cli_out_write(&out, stdout);
		ret = rc != 0 ? DMG_EXIT_ERROR : 0;
	} else {
		cli_out_write(&out, stdout);
		/* SSD management messages name their code already (DAOS's form). */
		if (rc != 0)
			ret = report(&args, err, rc, !dmg_nvme_cmd(&args));
	}
	json_decref(response);
	if (need_ctx)
		dmg_ctx_fini(&ctx);
out_log:
	if (log_open)
		d_log_fini();
out_args:
	dmg_args_fini(&args);
	cli_out_fini(&out);
	return ret;
}
