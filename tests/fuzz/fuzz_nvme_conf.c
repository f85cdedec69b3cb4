/*
 * fuzz_nvme_conf.c: the engine's reader of <scm_mount>/daos_nvme.json
 * (eng_nvme_conf_parse in src/engine/eng_nvme.c), written by daos_server but
 * read as untrusted input.
 *
 * Properties: never a crash or a read past the text; every refusal says why;
 * what is accepted is within the limits (count, absolute paths that fit,
 * a known class, a size only for files).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "engine/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_DEVS_MAX 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eng_nvme_dev devs[FUZZ_DEVS_MAX];
	uint32_t            nr = 0;
	char                err[512];
	int                 rc;

	err[0] = '\0';
	rc     = eng_nvme_conf_parse((const char *)data, size, devs, FUZZ_DEVS_MAX, &nr, err,
				     sizeof(err));
	if (rc != 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (nr > FUZZ_DEVS_MAX)
		abort();
	for (uint32_t i = 0; i < nr; i++) {
		if (devs[i].nd_path[0] != '/' ||
		    strnlen(devs[i].nd_path, sizeof(devs[i].nd_path)) == sizeof(devs[i].nd_path))
			abort();
		if (devs[i].nd_class != BIO_DEV_FILE && devs[i].nd_class != BIO_DEV_KDEV)
			abort();
		if (devs[i].nd_class == BIO_DEV_FILE &&
		    (devs[i].nd_size == 0 || devs[i].nd_size % BIO_ALIGN != 0))
			abort();
	}
	return 0;
}
