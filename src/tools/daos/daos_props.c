/*
 * daos_props.c: container properties as the daos tool names, parses and
 * prints them.
 *
 * One static table holds every property the tool knows: DAOS's name, an
 * alias DAOS also accepts, the display name get-prop prints ("Checksum Chunk
 * Size (cksum_size)"), the DAOS_PROP_CO_* type, how its value is written and
 * read, and where it may be given (create, set-prop, neither: read only).
 * Parsing checks every value completely (choices, sizes and their bounds,
 * labels) so a bad property is refused before anything is sent.
 *
 * Invariants:
 *  1. The table is sorted by pd_name (get-prop prints it in that order) and
 *     names and aliases are unique.
 *  2. A parsed list (struct dtool_props) never holds two values of the same
 *     property and only holds properties allowed where it was parsed for.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <daos_errno.h>
#include <daos_prop.h>
#include "gurt/errbuf.h"
#include "tools/daos/daos_tool.h"

static const struct dtool_choice ch_cksum[] = {
	{"off", DAOS_PROP_CO_CSUM_OFF},       {"adler32", DAOS_PROP_CO_CSUM_ADLER32},
	{"crc16", DAOS_PROP_CO_CSUM_CRC16},   {"crc32", DAOS_PROP_CO_CSUM_CRC32},
	{"crc64", DAOS_PROP_CO_CSUM_CRC64},   {"sha1", DAOS_PROP_CO_CSUM_SHA1},
	{"sha256", DAOS_PROP_CO_CSUM_SHA256}, {"sha512", DAOS_PROP_CO_CSUM_SHA512},
	{NULL, 0},
};

static const struct dtool_choice ch_onoff[] = {
	{"off", DAOS_PROP_CO_CSUM_SV_OFF},
	{"on", DAOS_PROP_CO_CSUM_SV_ON},
	{NULL, 0},
};

static const struct dtool_choice ch_dedup[] = {
	{"off", DAOS_PROP_CO_DEDUP_OFF},
	{"memcmp", DAOS_PROP_CO_DEDUP_MEMCMP},
	{"hash", DAOS_PROP_CO_DEDUP_HASH},
	{NULL, 0},
};

static const struct dtool_choice ch_compress[] = {
	{"off", DAOS_PROP_CO_COMPRESS_OFF},
	{"lz4", DAOS_PROP_CO_COMPRESS_LZ4},
	{"deflate", DAOS_PROP_CO_COMPRESS_DEFLATE},
	{"deflate1", DAOS_PROP_CO_COMPRESS_DEFLATE1},
	{"deflate2", DAOS_PROP_CO_COMPRESS_DEFLATE2},
	{"deflate3", DAOS_PROP_CO_COMPRESS_DEFLATE3},
	{"deflate4", DAOS_PROP_CO_COMPRESS_DEFLATE4},
	{NULL, 0},
};

static const struct dtool_choice ch_encrypt[] = {
	{"off", DAOS_PROP_CO_ENCRYPT_OFF},
	{"aes-xts128", DAOS_PROP_CO_ENCRYPT_AES_XTS128},
	{"aes-xts256", DAOS_PROP_CO_ENCRYPT_AES_XTS256},
	{"aes-cbc128", DAOS_PROP_CO_ENCRYPT_AES_CBC128},
	{"aes-cbc192", DAOS_PROP_CO_ENCRYPT_AES_CBC192},
	{"aes-cbc256", DAOS_PROP_CO_ENCRYPT_AES_CBC256},
	{"aes-gcm128", DAOS_PROP_CO_ENCRYPT_AES_GCM128},
	{"aes-gcm256", DAOS_PROP_CO_ENCRYPT_AES_GCM256},
	{NULL, 0},
};

#define C_ DTOOL_PF_CREATE
#define S_ DTOOL_PF_SET

/* Sorted by name (invariant 1). */
static const struct dtool_prop_desc prop_table[] = {
	{"acl", NULL, "Access Control List", DAOS_PROP_CO_ACL, DTOOL_PK_ACL, NULL, 0, 0, 0},
	{"alloc_oid", NULL, "Highest Allocated OID", DAOS_PROP_CO_ALLOCED_OID, DTOOL_PK_UINT,
	 NULL, S_, 0, UINT64_MAX},
	{"cksum", NULL, "Checksum", DAOS_PROP_CO_CSUM, DTOOL_PK_CHOICE, ch_cksum, C_, 0, 0},
	{"cksum_size", NULL, "Checksum Chunk Size", DAOS_PROP_CO_CSUM_CHUNK_SIZE, DTOOL_PK_SIZE,
	 NULL, C_, 1, DTOOL_PROP_SIZE_MAX},
	{"compression", NULL, "Compression", DAOS_PROP_CO_COMPRESS, DTOOL_PK_CHOICE,
	 ch_compress, C_, 0, 0},
	{"dedup", NULL, "Deduplication", DAOS_PROP_CO_DEDUP, DTOOL_PK_CHOICE, ch_dedup, C_, 0,
	 0},
	{"dedup_threshold", NULL, "Dedupe Threshold", DAOS_PROP_CO_DEDUP_THRESHOLD,
	 DTOOL_PK_SIZE, NULL, C_, 1, DTOOL_PROP_SIZE_MAX},
	{"ec_cell_sz", "ec_cell", "EC Cell Size", DAOS_PROP_CO_EC_CELL_SZ, DTOOL_PK_SIZE, NULL,
	 C_, DAOS_PROP_PO_EC_CELL_SZ_MIN, DAOS_PROP_PO_EC_CELL_SZ_MAX},
	{"ec_pda", NULL, "Performance domain affinity level of EC", DAOS_PROP_CO_EC_PDA,
	 DTOOL_PK_PDA, NULL, C_, 0, UINT32_MAX},
	{"encryption", NULL, "Encryption", DAOS_PROP_CO_ENCRYPT, DTOOL_PK_CHOICE, ch_encrypt, C_,
	 0, 0},
	{"global_version", NULL, "Global Version", DAOS_PROP_CO_GLOBAL_VERSION, DTOOL_PK_UINT,
	 NULL, 0, 0, UINT32_MAX},
	{"group", NULL, "Group", DAOS_PROP_CO_OWNER_GROUP, DTOOL_PK_STR, NULL, 0, 0, 0},
	{"label", NULL, "Label", DAOS_PROP_CO_LABEL, DTOOL_PK_STR, NULL, C_ | S_, 0, 0},
	{"layout_type", NULL, "Layout Type", DAOS_PROP_CO_LAYOUT_TYPE, DTOOL_PK_LAYOUT, NULL, 0,
	 0, 0},
	{"layout_version", NULL, "Layout Version", DAOS_PROP_CO_LAYOUT_VER, DTOOL_PK_UINT, NULL,
	 0, 0, UINT32_MAX},
	{"max_snapshot", NULL, "Max Snapshot", DAOS_PROP_CO_SNAPSHOT_MAX, DTOOL_PK_UINT, NULL,
	 C_ | S_, 0, UINT32_MAX},
	{"obj_version", NULL, "Object Version", DAOS_PROP_CO_OBJ_VERSION, DTOOL_PK_UINT, NULL, 0,
	 0, UINT32_MAX},
	{"owner", NULL, "Owner", DAOS_PROP_CO_OWNER, DTOOL_PK_STR, NULL, 0, 0, 0},
	{"perf_domain", NULL, "Performance domain level", DAOS_PROP_CO_PERF_DOMAIN,
	 DTOOL_PK_PERF, NULL, 0, 0, 0},
	{"rd_fac", "rf", "Redundancy Factor", DAOS_PROP_CO_REDUN_FAC, DTOOL_PK_RF, NULL, C_, 0,
	 DAOS_PROP_CO_REDUN_RF4},
	{"rd_lvl", "rf_lvl", "Redundancy Level", DAOS_PROP_CO_REDUN_LVL, DTOOL_PK_RF_LVL, NULL,
	 C_, 0, 0},
	{"rp_pda", NULL, "Performance domain affinity level of RP", DAOS_PROP_CO_RP_PDA,
	 DTOOL_PK_PDA, NULL, C_, 0, UINT32_MAX},
	{"srv_cksum", NULL, "Server Checksumming", DAOS_PROP_CO_CSUM_SERVER_VERIFY,
	 DTOOL_PK_CHOICE, ch_onoff, C_, 0, 0},
	{"status", NULL, "Health", DAOS_PROP_CO_STATUS, DTOOL_PK_STATUS, NULL, S_, 0, 0},
};

#undef C_
#undef S_

#define PROP_NR (sizeof(prop_table) / sizeof(prop_table[0]))

const struct dtool_prop_desc *
dtool_prop_table(uint32_t *nr)
{
	*nr = PROP_NR;
	return prop_table;
}

static bool
name_is(const char *want, const char *name, size_t len)
{
	return want != NULL && strlen(want) == len && strncasecmp(want, name, len) == 0;
}

const struct dtool_prop_desc *
dtool_prop_find(const char *name, size_t len)
{
	for (size_t i = 0; i < PROP_NR; i++)
		if (name_is(prop_table[i].pd_name, name, len) ||
		    name_is(prop_table[i].pd_alias, name, len))
			return &prop_table[i];
	return NULL;
}

const struct dtool_prop_desc *
dtool_prop_by_type(uint32_t type)
{
	for (size_t i = 0; i < PROP_NR; i++)
		if (prop_table[i].pd_type == type)
			return &prop_table[i];
	return NULL;
}

/*
 * Container layout types (daos_parse_ctype/daos_unparse_ctype names).
 */
static const struct dtool_choice ctypes[] = {
	{"unknown", DAOS_PROP_CO_LAYOUT_UNKNOWN}, {"POSIX", DAOS_PROP_CO_LAYOUT_POSIX},
	{"HDF5", DAOS_PROP_CO_LAYOUT_HDF5},       {"PYTHON", DAOS_PROP_CO_LAYOUT_PYTHON},
	{"SPARK", DAOS_PROP_CO_LAYOUT_SPARK},     {"DATABASE", DAOS_PROP_CO_LAYOUT_DATABASE},
	{"ROOT", DAOS_PROP_CO_LAYOUT_ROOT},       {"SEISMIC", DAOS_PROP_CO_LAYOUT_SEISMIC},
	{"METEO", DAOS_PROP_CO_LAYOUT_METEO},     {NULL, 0},
};

int
dtool_ctype_parse(const char *name, uint16_t *type, char *errbuf, size_t errlen)
{
	char q[DTOOL_QUOTE_MAX + 4];

	for (size_t i = 0; ctypes[i].ch_name != NULL; i++)
		if (strcasecmp(ctypes[i].ch_name, name) == 0) {
			*type = (uint16_t)ctypes[i].ch_val;
			return 0;
		}
	d_errbuf_printf(errbuf, errlen,
			"invalid --type '%s' (valid: POSIX, HDF5, PYTHON, SPARK, DATABASE, ROOT, "
			"SEISMIC, METEO, unknown)",
			d_errbuf_quote(q, name, strlen(name), DTOOL_QUOTE_MAX));
	return -DER_INVAL;
}

const char *
dtool_ctype_name(uint64_t type)
{
	for (size_t i = 0; ctypes[i].ch_name != NULL; i++)
		if (ctypes[i].ch_val == type)
			return ctypes[i].ch_name;
	return "unknown";
}

/* Every property, for list_words(). */
#define DTOOL_PF_ALL 0xffffffffu

/* "a, b, c": the words of a choice list, or the names of the properties
 * allowed at `where` (DTOOL_PF_ALL: all). */
static void
list_words(const struct dtool_choice *ch, uint32_t where, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (ch != NULL) {
		for (size_t i = 0; ch[i].ch_name != NULL; i++) {
			int w = snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : ", ",
					 ch[i].ch_name);

			if (w < 0 || (size_t)w >= len - n)
				return;
			n += (size_t)w;
		}
		return;
	}
	for (size_t i = 0; i < PROP_NR; i++) {
		int w;

		if (where != DTOOL_PF_ALL && (prop_table[i].pd_flags & where) == 0)
			continue;
		w = snprintf(buf + n, len - n, "%s%s", n == 0 ? "" : ", ", prop_table[i].pd_name);
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
}

bool
dtool_uuid_shaped(const char *s, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

bool
dtool_label_ok(const char *s, size_t len)
{
	if (len == 0 || len > DTOOL_LABEL_MAX || dtool_uuid_shaped(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ':' || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int
dtool_props_add(struct dtool_props *props, const struct dtool_prop_desc *desc, uint64_t num,
		const char *str, char *errbuf, size_t errlen)
{
	struct dtool_prop_val *pv;

	if (dtool_props_get(props, desc->pd_type) != NULL) {
		d_errbuf_printf(errbuf, errlen, "property '%s' given more than once",
				desc->pd_name);
		return -DER_INVAL;
	}
	if (props->pl_nr >= DTOOL_PROPS_MAX) {
		d_errbuf_printf(errbuf, errlen, "more than %d properties", DTOOL_PROPS_MAX);
		return -DER_INVAL;
	}
	pv = &props->pl_vals[props->pl_nr];
	memset(pv, 0, sizeof(*pv));
	pv->pv_desc = desc;
	pv->pv_num = num;
	if (str != NULL) {
		if (strlen(str) > DTOOL_PROP_STR_MAX) {
			d_errbuf_printf(errbuf, errlen, "value of '%s' is longer than %d bytes",
					desc->pd_name, DTOOL_PROP_STR_MAX);
			return -DER_INVAL;
		}
		strcpy(pv->pv_str, str);
	}
	props->pl_nr++;
	return 0;
}

const struct dtool_prop_val *
dtool_props_get(const struct dtool_props *props, uint32_t type)
{
	for (uint32_t i = 0; i < props->pl_nr; i++)
		if (props->pl_vals[i].pv_desc->pd_type == type)
			return &props->pl_vals[i];
	return NULL;
}

/* The value of one "name:value" entry, checked for its property's kind. */
static int
prop_value(const struct dtool_prop_desc *d, const char *entry, const char *val, size_t vlen,
	   uint64_t *num, char *str, char *errbuf, size_t errlen)
{
	char     q[DTOOL_QUOTE_MAX + 4];
	char     vq[DTOOL_QUOTE_MAX + 4];
	char     words[256];
	char     vbuf[DTOOL_PROP_STR_MAX + 1];
	uint64_t v;

	d_errbuf_quote(q, entry, strlen(entry), DTOOL_QUOTE_MAX);
	d_errbuf_quote(vq, val, vlen, DTOOL_QUOTE_MAX);
	if (vlen == 0) {
		d_errbuf_printf(errbuf, errlen, "invalid property '%s': no value for %s", q,
				d->pd_name);
		return -DER_INVAL;
	}
	if (vlen > DTOOL_PROP_STR_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"invalid property '%s': value of %s is longer than %d bytes", q,
				d->pd_name, DTOOL_PROP_STR_MAX);
		return -DER_INVAL;
	}
	memcpy(vbuf, val, vlen);
	vbuf[vlen] = '\0';

	switch (d->pd_kind) {
	case DTOOL_PK_STR:
		/* label is the only string settable here */
		if (!dtool_label_ok(vbuf, vlen)) {
			d_errbuf_printf(errbuf, errlen,
					"invalid property '%s': invalid label '%s' (1 to %d of "
					"A-Z a-z 0-9 : . _ -, not a UUID)",
					q, vq, DTOOL_LABEL_MAX);
			return -DER_INVAL;
		}
		strcpy(str, vbuf);
		return 0;
	case DTOOL_PK_CHOICE:
		for (size_t i = 0; d->pd_choices[i].ch_name != NULL; i++)
			if (strcasecmp(d->pd_choices[i].ch_name, vbuf) == 0) {
				*num = d->pd_choices[i].ch_val;
				return 0;
			}
		list_words(d->pd_choices, 0, words, sizeof(words));
		d_errbuf_printf(errbuf, errlen,
				"invalid property '%s': invalid choice '%s' for %s (valid: %s)", q,
				vq, d->pd_name, words);
		return -DER_INVAL;
	case DTOOL_PK_SIZE: {
		char msg[DTOOL_MSG_MAX];
		int  rc;

		rc = dtool_size_parse(vbuf, d->pd_name, d->pd_min, d->pd_max, num, msg,
				      sizeof(msg));
		if (rc != 0) {
			d_errbuf_printf(errbuf, errlen, "invalid property '%s': %s", q, msg);
			return rc;
		}
		return 0;
	}
	case DTOOL_PK_UINT:
	case DTOOL_PK_PDA:
		if (dtool_u64_parse(vbuf, vlen, &v) != 0 || v < d->pd_min || v > d->pd_max) {
			d_errbuf_printf(errbuf, errlen,
					"invalid property '%s': %s must be a number from %" PRIu64
					" to %" PRIu64,
					q, d->pd_name, d->pd_min, d->pd_max);
			return -DER_INVAL;
		}
		*num = v;
		return 0;
	case DTOOL_PK_RF: {
		const char *digits = vbuf;

		/* "1", or "rd_fac1"/"rf1" as get-prop prints it */
		if (strncasecmp(digits, "rd_fac", 6) == 0)
			digits += 6;
		else if (strncasecmp(digits, "rf", 2) == 0)
			digits += 2;
		if (dtool_u64_parse(digits, strlen(digits), &v) != 0 || v > d->pd_max) {
			d_errbuf_printf(errbuf, errlen,
					"invalid property '%s': %s must be 0 to %" PRIu64, q,
					d->pd_name, d->pd_max);
			return -DER_INVAL;
		}
		*num = v;
		return 0;
	}
	case DTOOL_PK_RF_LVL:
		if (strcasecmp(vbuf, "rank") == 0 || strcmp(vbuf, "1") == 0) {
			*num = DAOS_PROP_CO_REDUN_RANK;
			return 0;
		}
		if (strcasecmp(vbuf, "node") == 0 || strcmp(vbuf, "2") == 0) {
			*num = DAOS_PROP_CO_REDUN_NODE;
			return 0;
		}
		d_errbuf_printf(errbuf, errlen,
				"invalid property '%s': invalid choice '%s' for %s (valid: rank, "
				"node)",
				q, vq, d->pd_name);
		return -DER_INVAL;
	case DTOOL_PK_STATUS:
		if (strcasecmp(vbuf, "healthy") == 0) {
			*num = DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_HEALTHY, DAOS_PROP_CO_CLEAR, 0);
			return 0;
		}
		d_errbuf_printf(errbuf, errlen,
				"invalid property '%s': invalid choice '%s' for %s (valid: "
				"healthy)",
				q, vq, d->pd_name);
		return -DER_INVAL;
	default:
		break;
	}
	d_errbuf_printf(errbuf, errlen, "invalid property '%s': %s is read-only", q, d->pd_name);
	return -DER_INVAL;
}

int
dtool_props_parse(const char *text, uint32_t where, struct dtool_props *props, char *errbuf,
		  size_t errlen)
{
	const char *p = text;
	char        words[512];
	char        q[DTOOL_QUOTE_MAX + 4];
	int         rc;

	props->pl_nr = 0;
	if (*text == '\0') {
		d_errbuf_printf(errbuf, errlen, "no property given (expected name:value[,...])");
		return -DER_INVAL;
	}
	for (;;) {
		const char                   *end = strchr(p, ',');
		size_t                        len = end != NULL ? (size_t)(end - p) : strlen(p);
		const char                   *colon = memchr(p, ':', len);
		const struct dtool_prop_desc *d;
		char                          entry[DTOOL_PROP_STR_MAX + 64];
		char                          name[DTOOL_QUOTE_MAX + 4];
		char                          str[DTOOL_PROP_STR_MAX + 1] = "";
		uint64_t                      num = 0;

		snprintf(entry, sizeof(entry), "%.*s", (int)len, p);
		d_errbuf_quote(q, p, len, DTOOL_QUOTE_MAX);
		if (len == 0) {
			d_errbuf_printf(errbuf, errlen, "invalid properties '%s': empty entry",
					d_errbuf_quote(q, text, strlen(text), DTOOL_QUOTE_MAX));
			return -DER_INVAL;
		}
		if (colon == NULL) {
			d_errbuf_printf(errbuf, errlen,
					"invalid property '%s': expected name:value", q);
			return -DER_INVAL;
		}
		d = dtool_prop_find(p, (size_t)(colon - p));
		if (d == NULL) {
			list_words(NULL, where, words, sizeof(words));
			d_errbuf_printf(errbuf, errlen,
					"invalid property '%s': unknown property '%s' (valid: "
					"%s)",
					q, d_errbuf_quote(name, p, (size_t)(colon - p),
							  DTOOL_QUOTE_MAX),
					words);
			return -DER_INVAL;
		}
		if ((d->pd_flags & where) == 0) {
			d_errbuf_printf(errbuf, errlen, "invalid property '%s': %s %s", q,
					d->pd_name,
					d->pd_flags == 0 ? "is read-only"
					: where == DTOOL_PF_CREATE
					    ? "can only be changed after the container is created"
					    : "can only be set when the container is created");
			return -DER_INVAL;
		}
		rc = prop_value(d, entry, colon + 1, len - (size_t)(colon + 1 - p), &num, str,
				errbuf, errlen);
		if (rc != 0)
			return rc;
		rc = dtool_props_add(props, d, num, d->pd_kind == DTOOL_PK_STR ? str : NULL,
				     errbuf, errlen);
		if (rc != 0)
			return rc;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

int
dtool_prop_names_parse(const char *text, const struct dtool_prop_desc **descs, uint32_t *nr,
		       char *errbuf, size_t errlen)
{
	const char *p = text;
	char        words[512];
	char        q[DTOOL_QUOTE_MAX + 4];
	uint32_t    n = 0;

	if (*text == '\0') {
		d_errbuf_printf(errbuf, errlen, "no property name given");
		return -DER_INVAL;
	}
	for (;;) {
		const char                   *end = strchr(p, ',');
		size_t                        len = end != NULL ? (size_t)(end - p) : strlen(p);
		const struct dtool_prop_desc *d = dtool_prop_find(p, len);
		bool                          dup = false;

		if (d == NULL) {
			list_words(NULL, DTOOL_PF_ALL, words, sizeof(words));
			d_errbuf_printf(errbuf, errlen, "unknown property '%s' (valid: %s)",
					d_errbuf_quote(q, p, len, DTOOL_QUOTE_MAX), words);
			return -DER_INVAL;
		}
		for (uint32_t i = 0; i < n; i++)
			dup |= descs[i] == d;
		if (!dup) {
			/* the table has fewer entries than DTOOL_PROPS_MAX */
			descs[n++] = d;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	*nr = n;
	return 0;
}

void
dtool_prop_str(const struct dtool_prop_desc *d, uint64_t num, const char *str, char *buf,
	       size_t len)
{
	switch (d->pd_kind) {
	case DTOOL_PK_STR:
		if (str == NULL && d->pd_type == DAOS_PROP_CO_LABEL)
			snprintf(buf, len, "%s", DAOS_PROP_CO_LABEL_DEFAULT);
		else
			snprintf(buf, len, "%.*s", DTOOL_PROP_STR_MAX, str != NULL ? str : "");
		return;
	case DTOOL_PK_CHOICE:
		for (size_t i = 0; d->pd_choices[i].ch_name != NULL; i++)
			if (d->pd_choices[i].ch_val == num) {
				snprintf(buf, len, "%s", d->pd_choices[i].ch_name);
				return;
			}
		break;
	case DTOOL_PK_SIZE:
		cli_isize_str(num, buf, len);
		return;
	case DTOOL_PK_UINT:
	case DTOOL_PK_PDA:
		snprintf(buf, len, "%" PRIu64, num);
		return;
	case DTOOL_PK_RF:
		snprintf(buf, len, "rd_fac%" PRIu64, num);
		return;
	case DTOOL_PK_RF_LVL:
		if (num == DAOS_PROP_CO_REDUN_RANK)
			snprintf(buf, len, "rank (%" PRIu64 ")", num);
		else if (num == DAOS_PROP_CO_REDUN_NODE)
			snprintf(buf, len, "node (%" PRIu64 ")", num);
		else
			snprintf(buf, len, "(%" PRIu64 ")", num);
		return;
	case DTOOL_PK_STATUS: {
		uint64_t st = (num >> 32) & 0xffff;

		if (st == DAOS_PROP_CO_HEALTHY)
			snprintf(buf, len, "HEALTHY");
		else if (st == DAOS_PROP_CO_UNCLEAN)
			snprintf(buf, len, "UNCLEAN");
		else
			break;
		return;
	}
	case DTOOL_PK_LAYOUT:
		snprintf(buf, len, "%s (%" PRIu64 ")", dtool_ctype_name(num), num);
		return;
	case DTOOL_PK_PERF:
		if (num == DAOS_PROP_PERF_DOMAIN_ROOT)
			snprintf(buf, len, "root");
		else if (num == DAOS_PROP_PERF_DOMAIN_GROUP)
			snprintf(buf, len, "group");
		else
			break;
		return;
	case DTOOL_PK_ACL:
		snprintf(buf, len, "%s", str != NULL ? str : "");
		return;
	}
	snprintf(buf, len, "property \"%s\": invalid value %#" PRIx64, d->pd_name, num);
}
