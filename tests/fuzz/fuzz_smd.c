/*
 * fuzz_smd.c: the SMD file decoder (src/bio/bio_smd_json.c).
 *
 * Property: whatever the decoder accepts encodes back, and the encoding
 * decodes to tables that encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bio/bio_smd_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smd_tables t1, t2;
	char              err[512];
	char             *e1 = NULL, *e2 = NULL;
	size_t            l1, l2;

	memset(&t1, 0, sizeof(t1));
	memset(&t2, 0, sizeof(t2));
	if (smd_decode((const char *)data, size, "fuzz", &t1, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort(); /* every refusal says why */
		return 0;
	}
	if (smd_encode(&t1, &e1, &l1) != 0)
		abort();
	if (smd_decode(e1, l1, "fuzz", &t2, err, sizeof(err)) != 0)
		abort();
	if (smd_encode(&t2, &e2, &l2) != 0)
		abort();
	if (l1 != l2 || memcmp(e1, e2, l1) != 0)
		abort();
	free(e1);
	free(e2);
	smd_tables_fini(&t1);
	smd_tables_fini(&t2);
	return 0;
}
