/*
 * fuzz_prom_text.c: dmg's parser of the Prometheus text a telemetry port
 * answers (dmg_prom_parse in src/tools/dmg/dmg_prom.c): the text comes from
 * the network and is untrusted.
 *
 * Properties: never a crash or a read past the text; every refusal says why;
 * what is accepted has at least one family for every non-empty sample set and
 * a clean release.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "tools/dmg/dmg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmg_prom p;
	char            err[512];
	int             rc;

	err[0] = '\0';
	rc     = dmg_prom_parse((const char *)data, size, &p, err, sizeof(err));
	if (rc != 0 && rc != -DER_NOMEM && err[0] == '\0')
		abort();
	if (rc == 0 && p.pm_nr > p.pm_cap)
		abort();
	dmg_prom_fini(&p);
	return 0;
}
