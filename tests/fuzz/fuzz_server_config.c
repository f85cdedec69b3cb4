/*
 * fuzz_server_config.c: libFuzzer target for the configuration parsers
 * (src/control/config_*.c on src/control/yaml_doc.c).
 *
 * Every input is given to srv_config_parse, and also to ctl_config_parse and
 * agent_config_parse, which share the YAML tree and schema walk. Properties
 * checked (abort on violation):
 *  1. parse never crashes or leaks (ASan/LSan);
 *  2. it returns 0, -DER_INVAL with a non-empty message naming the input, or
 *     -DER_NOMEM; on error the config is left all zero;
 *  3. a parsed server config keeps the documented limits and derived fields:
 *     engine and tier counts within limits, every engine has a provider
 *     (normalised), targets in range, tier 0 is ram/dcpm, every access point
 *     carries ":port", an odd number of access points;
 *  4. *_free leaves the config zeroed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "control/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Name used in messages: every message must start with it. */
#define FUZZ_NAME "fuzz.yml"

static void
check_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t               i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			abort();
}

static void
check_rc(int rc, const char *err)
{
	if (rc == 0)
		return;
	if (rc == -DER_NOMEM)
		return;
	if (rc != -DER_INVAL || strncmp(err, FUZZ_NAME, strlen(FUZZ_NAME)) != 0) {
		fprintf(stderr, "rc %d message '%s'\n", rc, err);
		abort();
	}
}

static void
check_server(const struct srv_config *c)
{
	uint32_t i, t;

	if (c->sc_engines_nr > SRV_ENGINES_MAX || c->sc_access_points.sl_nr == 0 ||
	    c->sc_access_points.sl_nr % 2 == 0 || c->sc_name == NULL ||
	    c->sc_socket_dir == NULL)
		abort();
	for (i = 0; i < c->sc_access_points.sl_nr; i++)
		if (strchr(c->sc_access_points.sl_items[i], ':') == NULL)
			abort();
	for (i = 0; i < c->sc_engines_nr; i++) {
		const struct srv_engine_cfg *e = &c->sc_engines[i];

		if (e->ec_provider == NULL || strcmp(e->ec_provider, CFG_PROVIDER_TCP) != 0 ||
		    e->ec_targets < 1 || e->ec_targets > SRV_TARGETS_MAX ||
		    e->ec_tiers_nr < 1 || e->ec_tiers_nr > SRV_TIERS_MAX ||
		    e->ec_fabric_iface == NULL ||
		    e->ec_fabric_iface_port + e->ec_targets > 65535)
			abort();
		if (e->ec_tiers[0].tc_class != SRV_TIER_RAM &&
		    e->ec_tiers[0].tc_class != SRV_TIER_DCPM)
			abort();
		for (t = 1; t < e->ec_tiers_nr; t++)
			if (e->ec_tiers[t].tc_bdev_list.sl_nr == 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_config   srv;
	struct ctl_config   ctl;
	struct agent_config agent;
	char                err[512];
	int                 rc;

	err[0] = '\0';
	rc     = srv_config_parse((const char *)data, size, FUZZ_NAME, &srv, err, sizeof(err));
	check_rc(rc, err);
	if (rc == 0)
		check_server(&srv);
	else
		check_zero(&srv, sizeof(srv));
	srv_config_free(&srv);
	check_zero(&srv, sizeof(srv));

	err[0] = '\0';
	rc     = ctl_config_parse((const char *)data, size, FUZZ_NAME, &ctl, err, sizeof(err));
	check_rc(rc, err);
	if (rc == 0 && d_hostset_count(&ctl.cc_hosts) == 0)
		abort();
	ctl_config_free(&ctl);
	check_zero(&ctl, sizeof(ctl));

	err[0] = '\0';
	rc = agent_config_parse((const char *)data, size, FUZZ_NAME, &agent, err, sizeof(err));
	check_rc(rc, err);
	agent_config_free(&agent);
	check_zero(&agent, sizeof(agent));
	return 0;
}
