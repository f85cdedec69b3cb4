/*
 * bio_fault.c: the fault switch of a device (next N operations fail) and the
 * D_BIO_FAULT rules that arm it at device open.
 *
 * The switch sits on the I/O path, so it is two atomics and no lock: an
 * unarmed device costs one relaxed load per I/O. The rules are touched only
 * at bio_fault_from_env() and bio_dev_open(), under a mutex.
 *
 * Invariants
 *   F1. bd_fault_count only decreases on the I/O path, by compare-and-swap,
 *       so N armed failures are taken at most N times across all threads.
 *   F2. g_rules holds at most BIO_FAULT_RULE_MAX rules with distinct dev
 *       paths; a rule is applied to at most one device open (then consumed).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <daos_errno.h>

#include "bio/bio_internal.h"

static pthread_mutex_t       g_rules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bio_fault_rule g_rules[BIO_FAULT_RULE_MAX];
static bool                  g_rule_done[BIO_FAULT_RULE_MAX];
static unsigned              g_rule_nr;

int
bio_fault_inject(struct bio_dev *dev, unsigned ops_mask, unsigned count)
{
	if (dev == NULL || (ops_mask & ~(unsigned)BIO_OP_ALL) != 0 ||
	    (ops_mask == 0 && count != 0) || count > BIO_FAULT_COUNT_MAX)
		return -DER_INVAL;
	/* Disarm before changing the mask so a racing I/O never sees new mask + old count. */
	atomic_store_explicit(&dev->bd_fault_count, 0, memory_order_release);
	atomic_store_explicit(&dev->bd_fault_ops, count == 0 ? 0 : ops_mask, memory_order_release);
	atomic_store_explicit(&dev->bd_fault_count, count, memory_order_release);
	return 0;
}

unsigned
bio_fault_pending(const struct bio_dev *dev)
{
	return atomic_load_explicit(&dev->bd_fault_count, memory_order_acquire);
}

bool
bio_fault_take(struct bio_dev *dev, enum bio_op op)
{
	unsigned n;

	if ((atomic_load_explicit(&dev->bd_fault_ops, memory_order_relaxed) & (unsigned)op) == 0)
		return false;
	n = atomic_load_explicit(&dev->bd_fault_count, memory_order_acquire);
	while (n > 0) {
		/* F1: on failure n is reloaded and the loop retries. */
		if (atomic_compare_exchange_weak_explicit(&dev->bd_fault_count, &n, n - 1,
							  memory_order_acq_rel,
							  memory_order_acquire))
			return true;
	}
	return false;
}

/* One op name, or 0 when unknown. */
static unsigned
op_from_name(const char *name)
{
	static const struct {
		const char *name;
		unsigned    ops;
	} names[] = {
	    {"read", BIO_OP_READ},   {"write", BIO_OP_WRITE}, {"flush", BIO_OP_FLUSH},
	    {"sync", BIO_OP_FLUSH},  {"unmap", BIO_OP_UNMAP}, {"all", BIO_OP_ALL},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].ops;
	return 0;
}

/* Strict decimal in [1, BIO_FAULT_COUNT_MAX]: digits only, no sign, no blanks. */
static bool
count_parse(const char *s, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > BIO_FAULT_COUNT_MAX)
			return false;
	}
	if (v == 0)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Parses one rule (a writable copy, ',' separated items). Message into errbuf. */
static int
rule_parse(char *text, unsigned no, struct bio_fault_rule *rule, char *errbuf, size_t errlen)
{
	bool  have_dev = false, have_op = false, have_count = false;
	char *item     = text;

	memset(rule, 0, sizeof(*rule));
	rule->bfr_count = 1;
	if (*text == '\0') {
		d_errbuf_printf(errbuf, errlen, "rule %u: empty rule", no);
		return -DER_INVAL;
	}
	while (item != NULL) {
		char *next = strchr(item, ',');
		char *val;

		if (next != NULL)
			*next++ = '\0';
		if (*item == '\0') {
			d_errbuf_printf(errbuf, errlen, "rule %u: empty item", no);
			return -DER_INVAL;
		}
		val = strchr(item, '=');
		if (val == NULL) {
			d_errbuf_printf(errbuf, errlen, "rule %u: '%s' is not key=value", no, item);
			return -DER_INVAL;
		}
		*val++ = '\0';
		if (strcmp(item, "dev") != 0 && strcmp(item, "op") != 0 &&
		    strcmp(item, "count") != 0) {
			d_errbuf_printf(errbuf, errlen,
				   "rule %u: unknown key '%s' (expected dev, op or count)", no, item);
			return -DER_INVAL;
		}
		if ((item[0] == 'd' && have_dev) || (item[0] == 'o' && have_op) ||
		    (item[0] == 'c' && have_count)) {
			d_errbuf_printf(errbuf, errlen, "rule %u: key '%s' given twice", no, item);
			return -DER_INVAL;
		}
		if (*val == '\0') {
			d_errbuf_printf(errbuf, errlen, "rule %u: empty value for '%s'", no, item);
			return -DER_INVAL;
		}
		if (item[0] == 'd') {
			if (val[0] != '/') {
				d_errbuf_printf(errbuf, errlen, "rule %u: dev '%s' is not an absolute path",
					   no, val);
				return -DER_INVAL;
			}
			if (strlen(val) >= BIO_PATH_MAX) {
				d_errbuf_printf(errbuf, errlen, "rule %u: dev path longer than %d bytes",
					   no, BIO_PATH_MAX - 1);
				return -DER_INVAL;
			}
			strcpy(rule->bfr_dev, val);
			have_dev = true;
		} else if (item[0] == 'o') {
			char *name = val;

			while (name != NULL) {
				char    *plus = strchr(name, '+');
				unsigned ops;

				if (plus != NULL)
					*plus++ = '\0';
				ops = op_from_name(name);
				if (ops == 0) {
					d_errbuf_printf(errbuf, errlen,
						   "rule %u: unknown op '%s' (expected read, write, "
						   "flush, sync, unmap or all)",
						   no, name);
					return -DER_INVAL;
				}
				rule->bfr_ops |= ops;
				name = plus;
			}
			have_op = true;
		} else {
			if (!count_parse(val, &rule->bfr_count)) {
				d_errbuf_printf(errbuf, errlen,
					   "rule %u: count '%s' is not a number in [1, %u]", no, val,
					   BIO_FAULT_COUNT_MAX);
				return -DER_INVAL;
			}
			have_count = true;
		}
		item = next;
	}
	if (!have_dev) {
		d_errbuf_printf(errbuf, errlen, "rule %u: missing 'dev'", no);
		return -DER_INVAL;
	}
	if (!have_op) {
		d_errbuf_printf(errbuf, errlen, "rule %u: missing 'op'", no);
		return -DER_INVAL;
	}
	return 0;
}

int
bio_fault_parse(const char *spec, struct bio_fault_rule *rules, unsigned max, unsigned *nr,
		char *errbuf, size_t errlen)
{
	char    *copy;
	char    *text;
	size_t   len;
	unsigned n  = 0;
	int      rc = 0;

	if (spec == NULL || nr == NULL || (rules == NULL && max > 0)) {
		d_errbuf_printf(errbuf, errlen, "invalid arguments");
		return -DER_INVAL;
	}
	len = strnlen(spec, BIO_FAULT_SPEC_MAX);
	if (len == BIO_FAULT_SPEC_MAX) {
		d_errbuf_printf(errbuf, errlen, "specification longer than %u bytes",
			   BIO_FAULT_SPEC_MAX - 1);
		return -DER_INVAL;
	}
	if (len == 0) {
		*nr = 0;
		return 0;
	}
	copy = strdup(spec);
	if (copy == NULL) {
		d_errbuf_printf(errbuf, errlen, "out of memory");
		return -DER_NOMEM;
	}
	text = copy;
	while (text != NULL) {
		char *next = strchr(text, ';');

		if (next != NULL)
			*next++ = '\0';
		if (n >= max) {
			d_errbuf_printf(errbuf, errlen, "more than %u rules", max);
			rc = -DER_INVAL;
			goto out;
		}
		rc = rule_parse(text, n + 1, &rules[n], errbuf, errlen);
		if (rc != 0)
			goto out;
		for (unsigned i = 0; i < n; i++) {
			if (strcmp(rules[i].bfr_dev, rules[n].bfr_dev) == 0) {
				d_errbuf_printf(errbuf, errlen, "rule %u: dev '%s' already named by rule %u",
					   n + 1, rules[n].bfr_dev, i + 1);
				rc = -DER_INVAL;
				goto out;
			}
		}
		n++;
		text = next;
	}
	*nr = n;
out:
	free(copy);
	return rc;
}

int
bio_fault_from_env(char *errbuf, size_t errlen)
{
	struct bio_fault_rule *rules;
	const char            *spec = getenv("D_BIO_FAULT");
	char                   msg[BIO_ERRMSG_LEN];
	unsigned               nr = 0;
	int                    rc = 0;

	/* The rules are large (paths): keep them off the stack. */
	rules = calloc(BIO_FAULT_RULE_MAX, sizeof(*rules));
	if (rules == NULL) {
		d_errbuf_printf(errbuf, errlen, "D_BIO_FAULT: out of memory");
		return -DER_NOMEM;
	}
	if (spec != NULL) {
		rc = bio_fault_parse(spec, rules, BIO_FAULT_RULE_MAX, &nr, msg, sizeof(msg));
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "D_BIO_FAULT: %s", msg);
			nr = 0;
		}
	}
	pthread_mutex_lock(&g_rules_lock);
	memcpy(g_rules, rules, nr * sizeof(*rules));
	memset(g_rule_done, 0, sizeof(g_rule_done));
	g_rule_nr = nr;
	pthread_mutex_unlock(&g_rules_lock);
	free(rules);
	return rc;
}

unsigned
bio_fault_rules_pending(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&g_rules_lock);
	for (unsigned i = 0; i < g_rule_nr; i++)
		n += g_rule_done[i] ? 0 : 1;
	pthread_mutex_unlock(&g_rules_lock);
	return n;
}

void
bio_fault_apply_rules(struct bio_dev *dev)
{
	struct stat st;

	pthread_mutex_lock(&g_rules_lock);
	for (unsigned i = 0; i < g_rule_nr; i++) {
		if (g_rule_done[i] || stat(g_rules[i].bfr_dev, &st) != 0)
			continue;
		/* Same inode: the rule may name the device through another path. */
		if (st.st_dev != dev->bd_st_dev || st.st_ino != dev->bd_st_ino)
			continue;
		/* Parsed rules are within the limits: arming cannot fail. */
		(void)bio_fault_inject(dev, g_rules[i].bfr_ops, g_rules[i].bfr_count);
		g_rule_done[i] = true;
		break; /* F2: distinct paths, but two may name the same inode: first wins */
	}
	pthread_mutex_unlock(&g_rules_lock);
}
