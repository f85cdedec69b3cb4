/*
 * fuzz_ras_json.c: RAS event JSON decoder (d_ras_event_from_json).
 *
 * Property: anything the decoder accepts prints in both text forms, encodes
 * back to JSON, decodes again, and prints the same engine line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gurt/ras.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct d_ras_event ev, back;
	char               err[256], l1[D_RAS_LINE_MAX], l2[D_RAS_LINE_MAX];
	char              *json = NULL;

	if (d_ras_event_from_json((const char *)data, size, &ev, err, sizeof(err)) != 0)
		return 0;
	if (d_ras_event_format(&ev, D_RAS_FORM_CONTROL, l1, sizeof(l1)) != 0)
		abort();
	if (d_ras_event_format(&ev, D_RAS_FORM_ENGINE, l1, sizeof(l1)) != 0)
		abort();
	if (d_ras_event_to_json(&ev, &json) != 0)
		abort();
	if (d_ras_event_from_json(json, strlen(json), &back, err, sizeof(err)) != 0)
		abort();
	if (d_ras_event_format(&back, D_RAS_FORM_ENGINE, l2, sizeof(l2)) != 0)
		abort();
	if (strcmp(l1, l2) != 0)
		abort();
	free(json);
	return 0;
}
