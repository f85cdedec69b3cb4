/*
 * errno.c: names and descriptions of the DER_* codes.
 *
 * The codes are dense inside each range, so a lookup is an index into a table
 * built at compile time from the X-macros of daos_errno.h. No allocation, no
 * locks: safe from any thread and from signal handlers.
 */
#include <stddef.h>

#include <daos_errno.h>

#define GURT_COUNT(name, value, desc) +1
#define DAOS_COUNT(name, value, desc) +1
enum {
	GURT_ERR_NR = 0 D_FOREACH_GURT_ERR(GURT_COUNT),
	DAOS_ERR_NR = 0 D_FOREACH_DAOS_ERR(DAOS_COUNT),
};
#undef GURT_COUNT
#undef DAOS_COUNT

struct err_entry {
	int         value;
	const char *name;
	const char *desc;
};

#define ERR_ENTRY(name, value, desc) [value - DER_ERR_GURT_BASE - 1] = {value, #name, desc},
static const struct err_entry gurt_errs[GURT_ERR_NR] = {D_FOREACH_GURT_ERR(ERR_ENTRY)};
#undef ERR_ENTRY
#define ERR_ENTRY(name, value, desc) [value - DER_ERR_DAOS_BASE - 1] = {value, #name, desc},
static const struct err_entry daos_errs[DAOS_ERR_NR] = {D_FOREACH_DAOS_ERR(ERR_ENTRY)};
#undef ERR_ENTRY

/* Each range must be dense (no gap in the numbers): test_errno ERR02 checks it. */

static const struct err_entry *
err_lookup(int rc)
{
	long                    v = rc < 0 ? -(long)rc : (long)rc;
	const struct err_entry *e = NULL;

	if (v > DER_ERR_GURT_BASE && v <= DER_ERR_GURT_BASE + GURT_ERR_NR)
		e = &gurt_errs[v - DER_ERR_GURT_BASE - 1];
	else if (v > DER_ERR_DAOS_BASE && v <= DER_ERR_DAOS_BASE + DAOS_ERR_NR)
		e = &daos_errs[v - DER_ERR_DAOS_BASE - 1];
	/* A gap in a range would leave an empty slot: treat it as unknown. */
	return e != NULL && e->name != NULL ? e : NULL;
}

const char *
d_errstr(int rc)
{
	const struct err_entry *e;

	if (rc == 0)
		return "DER_SUCCESS";
	e = err_lookup(rc);
	return e != NULL ? e->name : "DER_UNKNOWN";
}

const char *
d_errdesc(int rc)
{
	const struct err_entry *e;

	if (rc == 0)
		return "Success";
	e = err_lookup(rc);
	return e != NULL ? e->desc : "Unknown error code";
}
