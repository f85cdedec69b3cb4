/*
 * ms_pool_prop.c: DAOS's pool properties (names, descriptions, value checks,
 * defaults and display), and the size syntax of DAOS's tools. Shared by
 * daos_server (pool create and set-prop check what they store) and dmg (bad
 * values are refused before anything is sent). See ms_pool.h.
 *
 * A property's canonical text is what the MS stores: numbers in decimal,
 * sizes in bytes, enumerations and sets by their DAOS names in a fixed order.
 * Display adds units ("25%", "64 KiB") as dmg pool get-prop prints them.
 * Pure: no state, no allocation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "control/ms_pool.h"

/* Longest part of a user's value quoted in a message. */
#define PROP_QUOTE_MAX 64

enum prop_kind {
	PK_ENUM,     /* one of pd_values */
	PK_SET,      /* self_heal: a combination of pd_values (see heal_*) */
	PK_NUM,      /* integer in [pd_min, pd_max] */
	PK_PERCENT,  /* integer in [pd_min, pd_max], shown with '%' ("25" or "25%" in) */
	PK_SIZE,     /* bytes in [pd_min, pd_max], sizes with units in, IEC units out */
	PK_LABEL,    /* the pool's label */
	PK_RO,       /* fixed, never set */
};

struct prop_def {
	const char        *pd_name;
	const char        *pd_desc;
	enum prop_kind     pd_kind;
	const char        *pd_default;   /* canonical text; "" for label and svc_list */
	const char *const *pd_values;    /* PK_ENUM / PK_SET, NULL-terminated */
	uint64_t           pd_min;
	uint64_t           pd_max;
	bool               pd_create_only;
};

static const char *const v_checkpoint[]    = {"timed", "lazy", "disabled", NULL};
static const char *const v_perf_domain[]   = {"root", "group", NULL};
static const char *const v_reclaim[]       = {"disabled", "lazy", "time", NULL};
static const char *const v_reintegration[] = {"data_sync", "no_data_sync", NULL};
static const char *const v_scrub[]         = {"off", "lazy", "timed", NULL};
static const char *const v_self_heal[]     = {"exclude", "rebuild", "delay_rebuild", NULL};

/* Sorted by name (the order dmg pool get-prop prints). */
static const struct prop_def prop_defs[] = {
	{"checkpoint", "WAL Checkpointing behavior", PK_ENUM, "timed", v_checkpoint, 0, 0, false},
	{"checkpoint_freq", "WAL Checkpointing frequency, in seconds", PK_NUM, "5", NULL, 1,
	 1000000, false},
	{"checkpoint_thresh", "Usage of WAL before checkpoint is triggered, as a percentage",
	 PK_NUM, "50", NULL, 10, 75, false},
	{"data_thresh", "Data bdev threshold size", PK_SIZE, "4096", NULL, 0, 1ull << 30, false},
	{"ec_cell_sz", "EC cell size", PK_SIZE, "65536", NULL, 1024, 1ull << 30, false},
	{"ec_pda", "Performance domain affinity level of EC", PK_NUM, "1", NULL, 1, UINT32_MAX,
	 false},
	{"global_version", "Global Version", PK_RO, "3", NULL, 0, 0, false},
	{"label", "Pool label", PK_LABEL, "", NULL, 0, 0, false},
	{"perf_domain", "Pool performance domain", PK_ENUM, "root", v_perf_domain, 0, 0, true},
	{"rd_fac", "Pool redundancy factor", PK_NUM, "0", NULL, 0, 4, false},
	{"reclaim", "Reclaim strategy", PK_ENUM, "lazy", v_reclaim, 0, 0, false},
	{"reintegration", "Reintegration mode", PK_ENUM, "data_sync", v_reintegration, 0, 0,
	 false},
	{"rp_pda", "Performance domain affinity level of RP", PK_NUM, "3", NULL, 1, UINT32_MAX,
	 false},
	{"scrub", "Checksum scrubbing mode", PK_ENUM, "off", v_scrub, 0, 0, false},
	{"scrub_freq", "Checksum scrubbing frequency", PK_NUM, "604800", NULL, 1, UINT32_MAX,
	 false},
	{"scrub_thresh", "Checksum scrubbing threshold", PK_NUM, "0", NULL, 0, UINT32_MAX, false},
	{"self_heal", "Self-healing policy", PK_SET, "exclude,rebuild", v_self_heal, 0, 0, false},
	{"space_rb", "Rebuild space ratio", PK_PERCENT, "0", NULL, 0, 100, false},
	{"svc_list", "Pool service replica list", PK_RO, "", NULL, 0, 0, false},
	{"svc_ops_enabled", "Metadata duplicate operations detection enabled", PK_NUM, "1", NULL,
	 0, 1, false},
	{"svc_ops_entry_age", "Metadata duplicate operations KVS max entry age, in seconds",
	 PK_NUM, "300", NULL, 150, 600, false},
	{"svc_rf", "Pool service redundancy factor", PK_NUM, "2", NULL, 0, 4, true},
	{"upgrade_status", "Upgrade Status", PK_RO, "not started", NULL, 0, 0, false},
};

#define PROP_NR (sizeof(prop_defs) / sizeof(prop_defs[0]))

uint32_t
ms_pool_prop_nr(void)
{
	return (uint32_t)PROP_NR;
}

const char *
ms_pool_prop_name(uint32_t i)
{
	return i < PROP_NR ? prop_defs[i].pd_name : NULL;
}

const char *
ms_pool_prop_desc(uint32_t i)
{
	return i < PROP_NR ? prop_defs[i].pd_desc : NULL;
}

int
ms_pool_prop_find(const char *name)
{
	for (uint32_t i = 0; name != NULL && i < PROP_NR; i++)
		if (strcmp(prop_defs[i].pd_name, name) == 0)
			return (int)i;
	return -1;
}

bool
ms_pool_prop_numeric(uint32_t i)
{
	return i < PROP_NR && (prop_defs[i].pd_kind == PK_NUM ||
			       prop_defs[i].pd_kind == PK_PERCENT ||
			       prop_defs[i].pd_kind == PK_SIZE ||
			       strcmp(prop_defs[i].pd_name, "global_version") == 0);
}

const char *
ms_pool_prop_value(uint32_t i, const char *stored)
{
	if (i >= PROP_NR)
		return NULL;
	return stored != NULL ? stored : prop_defs[i].pd_default;
}

/*
 * Sizes
 */

/* Multiplier of a unit (already lower-cased, at most 3 characters); 0 if unknown. */
static uint64_t
unit_mult(const char *u)
{
	static const char  letters[] = "kmgtpe";
	const char        *p;
	uint64_t           m = 1;
	size_t             n = strlen(u);

	if (n == 0 || strcmp(u, "b") == 0)
		return 1;
	p = strchr(letters, u[0]);
	if (p == NULL || u[0] == '\0')
		return 0;
	/* "k", "kb": 1000^x; "ki", "kib": 1024^x. */
	if (n == 1 || (n == 2 && u[1] == 'b')) {
		for (long e = 0; e <= p - letters; e++)
			m *= 1000;
		return m;
	}
	if ((n == 2 && u[1] == 'i') || (n == 3 && u[1] == 'i' && u[2] == 'b')) {
		for (long e = 0; e <= p - letters; e++)
			m *= 1024;
		return m;
	}
	return 0;
}

int
ms_size_parse(const char *s, uint64_t *out)
{
	uint64_t    whole = 0;
	uint64_t    frac = 0;
	uint64_t    scale = 1;
	uint64_t    mult;
	uint64_t    v;
	char        unit[4];
	const char *p = s;
	size_t      n;

	if (s == NULL || out == NULL || *p < '0' || *p > '9')
		return -DER_INVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -DER_OVERFLOW;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -DER_INVAL;
		/* Up to 18 fractional digits count; more are below any unit. */
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000000000000ull) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (*p == ' ')
		p++;
	n = strlen(p);
	if (n >= sizeof(unit))
		return -DER_INVAL;
	for (size_t i = 0; i <= n; i++)
		unit[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
	mult = unit_mult(unit);
	if (mult == 0)
		return -DER_INVAL;
	if (whole != 0 && mult > UINT64_MAX / whole)
		return -DER_OVERFLOW;
	v = whole * mult;
	if (frac != 0) {
		/* frac / scale * mult, without overflow: scale and mult are <= 10^18. */
		unsigned __int128 f = (unsigned __int128)frac * mult / scale;

		if (f > UINT64_MAX - v)
			return -DER_OVERFLOW;
		v += (uint64_t)f;
	}
	*out = v;
	return 0;
}

/* IEC units as DAOS shows them: "4.0 KiB", "64 KiB", "1.0 MiB". */
static void
iec_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned int             e = 0;
	long double              v = (long double)bytes;

	if (bytes < 10) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return;
	}
	while (e + 1 < sizeof(units) / sizeof(units[0]) && v >= 1024.0L) {
		v /= 1024.0L;
		e++;
	}
	v = (long double)(uint64_t)(v * 10.0L + 0.5L) / 10.0L;
	snprintf(buf, len, v < 10.0L ? "%.1Lf %s" : "%.0Lf %s", v, units[e]);
}

/*
 * Checks
 */

static int
parse_u64(const char *s, uint64_t *out)
{
	char              *end;
	unsigned long long v;

	if (*s < '0' || *s > '9' || strlen(s) > 20)
		return -DER_INVAL;
	errno = 0;
	v     = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return -DER_INVAL;
	*out = v;
	return 0;
}

/* "a, b or c" of a value list, for messages. */
static void
values_text(const char *const *v, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; v[i] != NULL; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : ", ", v[i]);

		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

/* self_heal: exclude and/or one of rebuild, delay_rebuild; canonical order
 * "exclude,rebuild". */
static int
heal_check(const char *value, char *out, size_t outlen)
{
	bool        exclude = false, rebuild = false, delay = false;
	const char *p = value;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t      n = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (n == 7 && strncmp(p, "exclude", n) == 0 && !exclude)
			exclude = true;
		else if (n == 7 && strncmp(p, "rebuild", n) == 0 && !rebuild)
			rebuild = true;
		else if (n == 13 && strncmp(p, "delay_rebuild", n) == 0 && !delay)
			delay = true;
		else
			return -DER_INVAL;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (rebuild && delay)
		return -DER_INVAL;
	snprintf(out, outlen, "%s%s%s", exclude ? "exclude" : "",
		 exclude && (rebuild || delay) ? "," : "",
		 rebuild ? "rebuild" : delay ? "delay_rebuild" : "");
	return 0;
}

int
ms_pool_prop_check(const char *name, const char *value, bool create, char *out, size_t outlen,
		   char *errbuf, size_t errlen)
{
	const struct prop_def *d;
	char                   q[PROP_QUOTE_MAX + 4];
	char                   vals[128];
	char                   lo[32], hi[32];
	uint64_t               v = 0;
	int                    i = ms_pool_prop_find(name);
	int                    rc = 0;

	if (name == NULL || value == NULL || out == NULL) {
		d_errbuf_printf(errbuf, errlen, "missing property name or value");
		return -DER_INVAL;
	}
	if (i < 0) {
		d_errbuf_printf(errbuf, errlen, "unknown pool property '%s'",
				d_errbuf_quote(q, name, strlen(name), PROP_QUOTE_MAX));
		return -DER_INVAL;
	}
	d = &prop_defs[i];
	if (d->pd_kind == PK_RO) {
		d_errbuf_printf(errbuf, errlen, "pool property '%s' is read-only", d->pd_name);
		return -DER_INVAL;
	}
	if (d->pd_create_only && !create) {
		d_errbuf_printf(errbuf, errlen, "pool property '%s' can only be set at pool create",
				d->pd_name);
		return -DER_INVAL;
	}
	d_errbuf_quote(q, value, strlen(value), PROP_QUOTE_MAX);
	switch (d->pd_kind) {
	case PK_LABEL:
		if (!ms_label_valid(value)) {
			d_errbuf_printf(errbuf, errlen,
					"invalid label '%s' (1 to 127 of A-Z a-z 0-9 _ . : -, not "
					"a UUID)", q);
			return -DER_INVAL;
		}
		snprintf(out, outlen, "%s", value);
		return 0;
	case PK_ENUM:
		for (uint32_t k = 0; d->pd_values[k] != NULL; k++) {
			if (strcmp(value, d->pd_values[k]) == 0) {
				snprintf(out, outlen, "%s", value);
				return 0;
			}
		}
		values_text(d->pd_values, vals, sizeof(vals));
		d_errbuf_printf(errbuf, errlen, "invalid %s value %s (valid values: %s)",
				d->pd_name, q, vals);
		return -DER_INVAL;
	case PK_SET:
		if (heal_check(value, out, outlen) == 0)
			return 0;
		d_errbuf_printf(errbuf, errlen,
				"invalid %s value %s (valid values: exclude, rebuild, delay_rebuild, "
				"exclude,rebuild, exclude,delay_rebuild)",
				d->pd_name, q);
		return -DER_INVAL;
	case PK_PERCENT:
	case PK_NUM: {
		char   num[24];
		size_t n = strlen(value);

		if (d->pd_kind == PK_PERCENT && n > 0 && value[n - 1] == '%')
			n--;
		if (n == 0 || n >= sizeof(num)) {
			rc = -DER_INVAL;
		} else {
			memcpy(num, value, n);
			num[n] = '\0';
			rc = parse_u64(num, &v);
		}
		if (rc == 0 && (v < d->pd_min || v > d->pd_max))
			rc = -DER_INVAL;
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen,
					"invalid %s value %s (valid values: %" PRIu64 "-%" PRIu64 ")",
					d->pd_name, q, d->pd_min, d->pd_max);
			return -DER_INVAL;
		}
		snprintf(out, outlen, "%" PRIu64, v);
		return 0;
	}
	case PK_SIZE:
		rc = ms_size_parse(value, &v);
		if (rc == 0 && (v < d->pd_min || v > d->pd_max))
			rc = -DER_INVAL;
		if (rc != 0) {
			iec_str(d->pd_min, lo, sizeof(lo));
			iec_str(d->pd_max, hi, sizeof(hi));
			d_errbuf_printf(errbuf, errlen, "invalid %s value %s (valid values: %s - %s)",
					d->pd_name, q, lo, hi);
			return -DER_INVAL;
		}
		snprintf(out, outlen, "%" PRIu64, v);
		return 0;
	default:
		break;
	}
	d_errbuf_printf(errbuf, errlen, "pool property '%s' cannot be set", d->pd_name);
	return -DER_INVAL;
}

int
ms_pool_prop_show(uint32_t i, const char *stored, char *out, size_t len)
{
	const char *v;
	uint64_t    n;
	int         w;

	if (i >= PROP_NR || out == NULL || len == 0)
		return -DER_INVAL;
	v = ms_pool_prop_value(i, stored);
	switch (prop_defs[i].pd_kind) {
	case PK_PERCENT:
		w = snprintf(out, len, "%s%%", v);
		break;
	case PK_SIZE: {
		char buf[32];

		if (parse_u64(v, &n) != 0) {
			w = snprintf(out, len, "%s", v);
			break;
		}
		iec_str(n, buf, sizeof(buf));
		w = snprintf(out, len, "%s", buf);
		break;
	}
	default:
		w = snprintf(out, len, "%s", v);
		break;
	}
	return w < 0 || (size_t)w >= len ? -DER_TRUNC : 0;
}
