/*
 * fuzz_hostset.c: libFuzzer target for d_hostset_parse (src/gurt/hostset.c).
 *
 * Properties checked on every input (abort on violation):
 *  1. parse never crashes; it fails only with -DER_INVAL and a message, and
 *     leaves the output set empty;
 *  2. a parsed set satisfies hostset.h invariants 1-3 (strictly sorted,
 *     every host valid, within the limits);
 *  3. its compressed printed form parses back to exactly the same set (same
 *     count, same host at every index), unless the text exceeds
 *     D_HOSTSET_STR_MAX (a few kilobytes of pattern can name 64 Ki hosts
 *     that do not compress, e.g. "x[0-65535]y"); then parse must refuse it
 *     as too long;
 *  4. every host of the set is found by d_hostset_contains and accepted by
 *     d_hostset_add.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/hostset.h"

/* Inputs are cut to this many bytes: long enough for every grammar path. */
#define FUZZ_INPUT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_invariants(const struct d_hostset *s)
{
	uint32_t i;

	if (s->hs_nr > s->hs_cap || s->hs_nr > D_HOSTSET_HOSTS_MAX ||
	    (s->hs_hosts == NULL) != (s->hs_cap == 0))
		abort();
	for (i = 0; i < s->hs_nr; i++) {
		const char *h = s->hs_hosts[i].he_name;

		if (strlen(h) >= D_HOSTSET_HOST_BUF || !d_hostset_contains(s, h))
			abort();
		if (i > 0 && strcmp(s->hs_hosts[i - 1].he_name, h) == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct d_hostset a, r, one;
	char             in[FUZZ_INPUT_MAX + 1];
	char             err[256];
	char             h1[D_HOSTSET_HOST_BUF];
	char             h2[D_HOSTSET_HOST_BUF];
	char            *buf = NULL;
	size_t           len;
	uint32_t         i;
	int              rc;

	if (size > FUZZ_INPUT_MAX)
		size = FUZZ_INPUT_MAX;
	memcpy(in, data, size);
	in[size] = '\0';

	d_hostset_init(&a);
	d_hostset_init(&r);
	d_hostset_init(&one);
	err[0] = 'x';
	rc     = d_hostset_parse(in, &a, err, sizeof(err));
	if (rc != 0) {
		if (rc != -DER_INVAL || err[0] == '\0' || a.hs_nr != 0)
			abort();
		goto out;
	}
	check_invariants(&a);

	len = d_hostset_format_len(&a);
	buf = malloc(len);
	if (buf == NULL)
		abort();
	if (d_hostset_format(&a, buf, len) != 0 || strlen(buf) + 1 != len)
		abort();
	rc = d_hostset_parse(buf, &r, err, sizeof(err));
	if (len - 1 > D_HOSTSET_STR_MAX) {
		if (rc != -DER_INVAL || strncmp(err, "host set too long", 17) != 0)
			abort();
		goto out;
	}
	if (rc != 0) {
		fprintf(stderr, "reparse of '%s' failed: %s\n", buf, err);
		abort();
	}
	if (d_hostset_count(&r) != d_hostset_count(&a) || !d_hostset_equal(&a, &r))
		abort();
	for (i = 0; i < d_hostset_count(&a); i++) {
		if (d_hostset_get(&a, i, h1, sizeof(h1)) != 0 ||
		    d_hostset_get(&r, i, h2, sizeof(h2)) != 0 || strcmp(h1, h2) != 0)
			abort();
		if (i < 64 && (d_hostset_add(&one, h1) != 0 || !d_hostset_contains(&one, h1)))
			abort();
	}
out:
	free(buf);
	d_hostset_fini(&a);
	d_hostset_fini(&r);
	d_hostset_fini(&one);
	return 0;
}
