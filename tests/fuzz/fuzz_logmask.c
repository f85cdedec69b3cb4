/*
 * fuzz_logmask.c: libFuzzer target for the D_LOG_MASK parser (src/gurt/log.c).
 *
 * Any input must be parsed or refused without a crash, an out-of-bounds access
 * or undefined behaviour. On refusal the levels must be untouched and the
 * error message non-empty and terminated. On success the levels must be valid,
 * and d_log_format_masks() of them must fit D_LOG_MASK_BUF_SIZE and re-parse
 * to the same levels from a different starting array. A broken property
 * abort()s so libFuzzer keeps the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "gurt/log.h"

/* Room for the longest accepted mask plus some, so "too long" is reached too. */
#define FUZZ_INPUT_MAX (D_LOG_MASK_MAX + 64)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char mask[FUZZ_INPUT_MAX + 1];
	uint8_t     start[D_FAC_NR], levels[D_FAC_NR], back[D_FAC_NR];
	char        err[D_LOG_ERRBUF_SIZE];
	char        fmt[D_LOG_MASK_BUF_SIZE];
	int         rc, f;

	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	memcpy(mask, data, size);
	mask[size] = '\0';

	/* Start from mixed levels so "unmentioned facilities keep theirs" is exercised. */
	for (f = 0; f < D_FAC_NR; f++)
		start[f] = (uint8_t)((f * 7 + size) % D_LOG_PRIO_NR);
	memcpy(levels, start, sizeof(levels));
	memset(err, 0x5a, sizeof(err));

	rc = d_log_parse_masks(mask, levels, err, sizeof(err));
	if (rc != 0) {
		if (rc != -DER_INVAL || memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
		    memcmp(levels, start, sizeof(levels)) != 0)
			abort();
		return 0;
	}
	if (err[0] != '\0')
		abort();
	for (f = 0; f < D_FAC_NR; f++) {
		if (levels[f] >= D_LOG_PRIO_NR)
			abort();
	}

	if (d_log_format_masks(levels, fmt, sizeof(fmt)) != 0)
		abort();
	if (strlen(fmt) > D_LOG_MASK_MAX)
		abort();
	for (f = 0; f < D_FAC_NR; f++)
		back[f] = (uint8_t)((levels[f] + 1 + f) % D_LOG_PRIO_NR);
	if (d_log_parse_masks(fmt, back, err, sizeof(err)) != 0)
		abort();
	if (memcmp(levels, back, sizeof(levels)) != 0)
		abort();
	return 0;
}
