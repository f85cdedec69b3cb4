/*
 * dc_prop.c: property lists (daos_prop_*) and the mapping between DAOS's
 * container property types and the Management Service's container record.
 *
 * The MS keeps a container's properties as text (name -> value, C4), with
 * the label, layout type, owner and group as fields of the record. Names
 * are the daos tool's (`daos container get-prop`): cksum, cksum_size,
 * srv_cksum, rd_fac, rd_lvl, max_snapshot, acl, compression, encryption,
 * dedup, dedup_threshold, roots, status, alloc_oid, ec_cell_sz, ec_pda,
 * rp_pda, global_version, scrubber_disabled, obj_version, perf_domain, plus
 * this implementation's oclass and chunk_size. Values are the daos tool's
 * words (crc32, on, node, HEALTHY, ...) or decimal numbers; roots are four
 * "hi.lo" hex pairs; the ACL is its ACE strings joined by ','.
 * A query fills every type: from the record, else DAOS's default.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client_internal.h"
#include "gurt/errbuf.h"

static const struct dc_co_prop_def dc_co_props[] = {
	{DAOS_PROP_CO_LABEL, "label", DC_PK_STR, true},
	{DAOS_PROP_CO_LAYOUT_TYPE, "layout_type", DC_PK_VAL, false},
	{DAOS_PROP_CO_LAYOUT_VER, "layout_version", DC_PK_VAL, false},
	{DAOS_PROP_CO_CSUM, "cksum", DC_PK_VAL, false},
	{DAOS_PROP_CO_CSUM_CHUNK_SIZE, "cksum_size", DC_PK_VAL, false},
	{DAOS_PROP_CO_CSUM_SERVER_VERIFY, "srv_cksum", DC_PK_VAL, false},
	{DAOS_PROP_CO_REDUN_FAC, "rd_fac", DC_PK_VAL, false},
	{DAOS_PROP_CO_REDUN_LVL, "rd_lvl", DC_PK_VAL, false},
	{DAOS_PROP_CO_SNAPSHOT_MAX, "max_snapshot", DC_PK_VAL, true},
	{DAOS_PROP_CO_ACL, "acl", DC_PK_PTR, true},
	{DAOS_PROP_CO_COMPRESS, "compression", DC_PK_VAL, false},
	{DAOS_PROP_CO_ENCRYPT, "encryption", DC_PK_VAL, false},
	{DAOS_PROP_CO_OWNER, "owner", DC_PK_STR, true},
	{DAOS_PROP_CO_OWNER_GROUP, "group", DC_PK_STR, true},
	{DAOS_PROP_CO_DEDUP, "dedup", DC_PK_VAL, false},
	{DAOS_PROP_CO_DEDUP_THRESHOLD, "dedup_threshold", DC_PK_VAL, false},
	{DAOS_PROP_CO_ROOTS, "roots", DC_PK_PTR, true},
	{DAOS_PROP_CO_STATUS, "status", DC_PK_VAL, true},
	{DAOS_PROP_CO_ALLOCED_OID, "alloc_oid", DC_PK_VAL, true},
	{DAOS_PROP_CO_EC_CELL_SZ, "ec_cell_sz", DC_PK_VAL, false},
	{DAOS_PROP_CO_EC_PDA, "ec_pda", DC_PK_VAL, false},
	{DAOS_PROP_CO_RP_PDA, "rp_pda", DC_PK_VAL, false},
	{DAOS_PROP_CO_GLOBAL_VERSION, "global_version", DC_PK_VAL, false},
	{DAOS_PROP_CO_SCRUBBER_DISABLED, "scrubber_disabled", DC_PK_VAL, true},
	{DAOS_PROP_CO_OBJ_VERSION, "obj_version", DC_PK_VAL, false},
	{DAOS_PROP_CO_PERF_DOMAIN, "perf_domain", DC_PK_VAL, false},
	{DAOS_PROP_CO_EXT_OCLASS, "oclass", DC_PK_VAL, false},
	{DAOS_PROP_CO_EXT_CHUNK_SIZE, "chunk_size", DC_PK_VAL, false},
};

#define DC_NR_CO_PROPS (sizeof(dc_co_props) / sizeof(dc_co_props[0]))

const struct dc_co_prop_def *
dc_co_prop_def(uint32_t type)
{
	for (size_t i = 0; i < DC_NR_CO_PROPS; i++)
		if (dc_co_props[i].cpd_type == type)
			return &dc_co_props[i];
	return NULL;
}

/* Word tables: position = value. */
static const char *const dc_csum_names[] = {"off",    "crc16",  "crc32",  "crc64",
					    "sha1",   "sha256", "sha512", "adler32"};
static const char *const dc_onoff_names[] = {"off", "on"};
static const char *const dc_dedup_names[] = {"off", "memcmp", "hash"};
static const char *const dc_compress_names[] = {"off",      "lz4",      "deflate", "deflate1",
						"deflate2", "deflate3", "deflate4"};
static const char *const dc_encrypt_names[] = {"off",        "aes-xts128", "aes-xts256",
					       "aes-cbc128", "aes-cbc192", "aes-cbc256",
					       "aes-gcm128", "aes-gcm256"};
static const char *const dc_layout_names[] = {"unknown",  "POSIX", "HDF5",    "PYTHON", "SPARK",
					      "DATABASE", "ROOT",  "SEISMIC", "METEO"};

#define DC_WORDS(tab) tab, (sizeof(tab) / sizeof(tab[0]))

static int
dc_word_find(const char *const *tab, size_t nr, const char *word, uint64_t *val)
{
	for (size_t i = 0; i < nr; i++) {
		if (strcasecmp(tab[i], word) == 0) {
			*val = i;
			return 0;
		}
	}
	return -DER_INVAL;
}

int
dc_layout_from_name(const char *name, uint64_t *val)
{
	if (name == NULL)
		return -DER_INVAL;
	return dc_word_find(DC_WORDS(dc_layout_names), name, val);
}

const char *
dc_layout_name(uint64_t val)
{
	return val < DAOS_PROP_CO_LAYOUT_MAX ? dc_layout_names[val] : NULL;
}

/* Decimal u64 (the whole string); false on anything else. */
static bool
dc_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

/* Value of a VAL-kind property from its MS text; false for a bad text. */
static bool
dc_text_to_val(uint32_t type, const char *text, uint64_t *v)
{
	switch (type) {
	case DAOS_PROP_CO_CSUM:
		return dc_word_find(DC_WORDS(dc_csum_names), text, v) == 0;
	case DAOS_PROP_CO_CSUM_SERVER_VERIFY:
		return dc_word_find(DC_WORDS(dc_onoff_names), text, v) == 0;
	case DAOS_PROP_CO_DEDUP:
		return dc_word_find(DC_WORDS(dc_dedup_names), text, v) == 0;
	case DAOS_PROP_CO_COMPRESS:
		return dc_word_find(DC_WORDS(dc_compress_names), text, v) == 0;
	case DAOS_PROP_CO_ENCRYPT:
		return dc_word_find(DC_WORDS(dc_encrypt_names), text, v) == 0;
	case DAOS_PROP_CO_LAYOUT_TYPE:
		return dc_layout_from_name(text, v) == 0;
	case DAOS_PROP_CO_REDUN_FAC:
		if (strncasecmp(text, "rd_fac", 6) == 0)
			text += 6;
		else if (strncasecmp(text, "rf", 2) == 0)
			text += 2;
		return dc_parse_u64(text, v) && *v <= DAOS_PROP_CO_REDUN_RF4;
	case DAOS_PROP_CO_REDUN_LVL:
		if (strcasecmp(text, "rank") == 0) {
			*v = DAOS_PROP_CO_REDUN_RANK;
			return true;
		}
		if (strcasecmp(text, "node") == 0) {
			*v = DAOS_PROP_CO_REDUN_NODE;
			return true;
		}
		return dc_parse_u64(text, v) && *v >= DAOS_PROP_CO_REDUN_MIN &&
		       *v <= DAOS_PROP_CO_REDUN_MAX;
	case DAOS_PROP_CO_STATUS:
		if (strcasecmp(text, "HEALTHY") == 0) {
			*v = DAOS_PROP_CO_HEALTHY;
			return true;
		}
		if (strcasecmp(text, "UNCLEAN") == 0) {
			*v = DAOS_PROP_CO_UNCLEAN;
			return true;
		}
		return false;
	case DAOS_PROP_CO_EXT_OCLASS: {
		int id = daos_oclass_name2id(text);

		*v = (uint64_t)id;
		return id != OC_UNKNOWN;
	}
	default:
		return dc_parse_u64(text, v);
	}
}

/* MS text of a VAL-kind property; -DER_INVAL for a value out of its set. */
static int
dc_val_to_text(uint32_t type, uint64_t v, char *out, size_t len)
{
	const char *const *tab = NULL;
	size_t             nr  = 0;

	switch (type) {
	case DAOS_PROP_CO_CSUM:
		tab = dc_csum_names;
		nr  = sizeof(dc_csum_names) / sizeof(dc_csum_names[0]);
		break;
	case DAOS_PROP_CO_CSUM_SERVER_VERIFY:
		tab = dc_onoff_names;
		nr  = 2;
		break;
	case DAOS_PROP_CO_DEDUP:
		tab = dc_dedup_names;
		nr  = 3;
		break;
	case DAOS_PROP_CO_COMPRESS:
		tab = dc_compress_names;
		nr  = sizeof(dc_compress_names) / sizeof(dc_compress_names[0]);
		break;
	case DAOS_PROP_CO_ENCRYPT:
		tab = dc_encrypt_names;
		nr  = sizeof(dc_encrypt_names) / sizeof(dc_encrypt_names[0]);
		break;
	case DAOS_PROP_CO_LAYOUT_TYPE:
		tab = dc_layout_names;
		nr  = DAOS_PROP_CO_LAYOUT_MAX;
		break;
	case DAOS_PROP_CO_REDUN_FAC:
		if (v > DAOS_PROP_CO_REDUN_RF4)
			return -DER_INVAL;
		break;
	case DAOS_PROP_CO_REDUN_LVL:
		if (v < DAOS_PROP_CO_REDUN_MIN || v > DAOS_PROP_CO_REDUN_MAX)
			return -DER_INVAL;
		if (v == DAOS_PROP_CO_REDUN_RANK || v == DAOS_PROP_CO_REDUN_NODE) {
			snprintf(out, len, "%s", v == DAOS_PROP_CO_REDUN_RANK ? "rank" : "node");
			return 0;
		}
		break;
	case DAOS_PROP_CO_STATUS: {
		struct daos_co_status st;

		daos_prop_val_2_co_status(v, &st);
		/* only HEALTHY can be set (DAOS: set-prop status:healthy clears UNCLEAN) */
		if (st.dcs_status != DAOS_PROP_CO_HEALTHY)
			return -DER_INVAL;
		snprintf(out, len, "HEALTHY");
		return 0;
	}
	case DAOS_PROP_CO_EXT_OCLASS: {
		char name[MAX_OBJ_CLASS_NAME_LEN];

		if (v > UINT32_MAX || daos_oclass_id2name((daos_oclass_id_t)v, name) != 0)
			return -DER_INVAL;
		snprintf(out, len, "%s", name);
		return 0;
	}
	default:
		break;
	}
	if (tab != NULL) {
		if (v >= nr)
			return -DER_INVAL;
		snprintf(out, len, "%s", tab[v]);
	} else {
		snprintf(out, len, "%" PRIu64, v);
	}
	return 0;
}

static int
dc_roots_to_text(const struct daos_prop_co_roots *r, char *out, size_t len)
{
	int n = snprintf(out, len, "%" PRIx64 ".%" PRIx64 ",%" PRIx64 ".%" PRIx64 ",%" PRIx64
				   ".%" PRIx64 ",%" PRIx64 ".%" PRIx64,
			 r->cr_oids[0].hi, r->cr_oids[0].lo, r->cr_oids[1].hi, r->cr_oids[1].lo,
			 r->cr_oids[2].hi, r->cr_oids[2].lo, r->cr_oids[3].hi, r->cr_oids[3].lo);

	return n < 0 || (size_t)n >= len ? -DER_OVERFLOW : 0;
}

static int
dc_roots_from_text(const char *text, struct daos_prop_co_roots *r)
{
	const char *p = text;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 4; i++) {
		char    *end;
		uint64_t hi, lo;

		if (*p < '0' || (*p > '9' && (*p | 0x20) < 'a') || (*p | 0x20) > 'f')
			return -DER_INVAL;
		hi = strtoull(p, &end, 16);
		if (*end != '.')
			return -DER_INVAL;
		p = end + 1;
		if (*p < '0' || (*p > '9' && (*p | 0x20) < 'a') || (*p | 0x20) > 'f')
			return -DER_INVAL;
		lo = strtoull(p, &end, 16);
		if ((i < 3 && *end != ',') || (i == 3 && *end != '\0'))
			return -DER_INVAL;
		p                = end + 1;
		r->cr_oids[i].hi = hi;
		r->cr_oids[i].lo = lo;
	}
	return 0;
}

int
dc_co_prop_to_text(const struct daos_prop_entry *e, char name[DC_PROP_NAME_MAX],
		   char value[DC_PROP_VALUE_MAX], char *errbuf, size_t errlen)
{
	const struct dc_co_prop_def *def = dc_co_prop_def(e->dpe_type);
	int                          rc  = 0;

	if (def == NULL) {
		d_errbuf_printf(errbuf, errlen, "property type 0x%x is not a container property",
				e->dpe_type);
		return -DER_INVAL;
	}
	snprintf(name, DC_PROP_NAME_MAX, "%s", def->cpd_name);
	switch (def->cpd_kind) {
	case DC_PK_STR:
		if (e->dpe_str == NULL ||
		    strnlen(e->dpe_str, DC_PROP_VALUE_MAX) >= DC_PROP_VALUE_MAX) {
			d_errbuf_printf(errbuf, errlen, "property %s: string missing or longer than "
					"%d bytes", def->cpd_name, DC_PROP_VALUE_MAX - 1);
			return -DER_INVAL;
		}
		if (e->dpe_type == DAOS_PROP_CO_LABEL && !daos_label_is_valid(e->dpe_str)) {
			d_errbuf_printf(errbuf, errlen, "label '%.64s' is not a valid label",
					e->dpe_str);
			return -DER_INVAL;
		}
		if ((e->dpe_type == DAOS_PROP_CO_OWNER || e->dpe_type == DAOS_PROP_CO_OWNER_GROUP) &&
		    !daos_acl_principal_is_valid(e->dpe_str)) {
			d_errbuf_printf(errbuf, errlen, "%s '%.64s' is not a principal name@[domain]",
					def->cpd_name, e->dpe_str);
			return -DER_INVAL;
		}
		snprintf(value, DC_PROP_VALUE_MAX, "%s", e->dpe_str);
		break;
	case DC_PK_PTR:
		if (e->dpe_val_ptr == NULL) {
			d_errbuf_printf(errbuf, errlen, "property %s: no value", def->cpd_name);
			return -DER_INVAL;
		}
		if (e->dpe_type == DAOS_PROP_CO_ROOTS) {
			rc = dc_roots_to_text(e->dpe_val_ptr, value, DC_PROP_VALUE_MAX);
		} else {
			char *t;

			if (daos_acl_cont_validate(e->dpe_val_ptr) != 0) {
				d_errbuf_printf(errbuf, errlen, "the ACL is not valid for a container");
				return -DER_INVAL;
			}
			t = dc_acl_to_text(e->dpe_val_ptr);
			if (t == NULL)
				return -DER_NOMEM;
			if (strlen(t) >= DC_PROP_VALUE_MAX) {
				d_errbuf_printf(errbuf, errlen, "the ACL takes %zu bytes as text; at "
						"most %d are stored", strlen(t), DC_PROP_VALUE_MAX - 1);
				rc = -DER_OVERFLOW;
			} else {
				snprintf(value, DC_PROP_VALUE_MAX, "%s", t);
			}
			free(t);
		}
		break;
	default:
		rc = dc_val_to_text(e->dpe_type, e->dpe_val, value, DC_PROP_VALUE_MAX);
		if (rc != 0)
			d_errbuf_printf(errbuf, errlen, "property %s: value %" PRIu64 " is not valid",
					def->cpd_name, e->dpe_val);
		break;
	}
	return rc;
}

static const char *
dc_md_prop(const struct dc_cont_md *md, const char *name)
{
	for (uint32_t i = 0; i < md->cm_nr_props; i++)
		if (strcmp(md->cm_props[i].pt_name, name) == 0)
			return md->cm_props[i].pt_value;
	return NULL;
}

/* DAOS's default of a VAL-kind container property. */
static uint64_t
dc_co_default(uint32_t type, const struct dc_cont_md *md)
{
	switch (type) {
	case DAOS_PROP_CO_LAYOUT_VER:
		return 1;
	case DAOS_PROP_CO_CSUM_CHUNK_SIZE:
		return 32 * 1024;
	case DAOS_PROP_CO_REDUN_LVL:
		return DAOS_PROP_CO_REDUN_DEFAULT;
	case DAOS_PROP_CO_DEDUP_THRESHOLD:
		return 4096;
	case DAOS_PROP_CO_STATUS:
		return DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_HEALTHY, 0, md->cm_map_version);
	case DAOS_PROP_CO_ALLOCED_OID:
		return md->cm_next_oid > 0 ? md->cm_next_oid - 1 : 0;
	case DAOS_PROP_CO_EC_CELL_SZ:
		return 64 * 1024;
	case DAOS_PROP_CO_EC_PDA:
		return DAOS_PROP_PO_EC_PDA_DEFAULT;
	case DAOS_PROP_CO_RP_PDA:
		return DAOS_PROP_PO_RP_PDA_DEFAULT;
	case DAOS_PROP_CO_GLOBAL_VERSION:
		return 3;
	case DAOS_PROP_CO_OBJ_VERSION:
		return 2;
	case DAOS_PROP_CO_PERF_DOMAIN:
		return DAOS_PROP_CO_PERF_DOMAIN_DEFAULT;
	case DAOS_PROP_CO_EXT_CHUNK_SIZE:
		return DC_ARRAY_CHUNK_DEFAULT;
	default:
		return 0; /* off, RF0, no limit, OC_UNKNOWN, ... */
	}
}

void
dc_prop_entry_clear(struct daos_prop_entry *e)
{
	if (daos_prop_has_str(e))
		free(e->dpe_str);
	else if (e->dpe_type == DAOS_PROP_PO_SVC_LIST)
		d_rank_list_free(e->dpe_val_ptr);
	else if (daos_prop_has_ptr(e))
		free(e->dpe_val_ptr);
	e->dpe_val   = 0;
	e->dpe_flags = 0;
}

int
dc_co_prop_fill(struct daos_prop_entry *e, const struct dc_cont_md *md)
{
	const struct dc_co_prop_def *def = dc_co_prop_def(e->dpe_type);
	const char                  *text;
	uint64_t                     v;
	int                          rc = 0;

	if (def == NULL)
		return -DER_INVAL;
	dc_prop_entry_clear(e);
	switch (e->dpe_type) {
	case DAOS_PROP_CO_LABEL:
		text = md->cm_label != NULL && md->cm_label[0] != '\0' ? md->cm_label
								       : DAOS_PROP_CO_LABEL_DEFAULT;
		return daos_prop_entry_set_str(e, text, DAOS_PROP_LABEL_MAX_LEN + 1);
	case DAOS_PROP_CO_LAYOUT_TYPE:
		if (md->cm_type == NULL || dc_layout_from_name(md->cm_type, &v) != 0)
			v = DAOS_PROP_CO_LAYOUT_UNKNOWN;
		e->dpe_val = v;
		return 0;
	case DAOS_PROP_CO_OWNER:
	case DAOS_PROP_CO_OWNER_GROUP: {
		bool  user = e->dpe_type == DAOS_PROP_CO_OWNER;
		char *mine = NULL;

		text = user ? md->cm_owner : md->cm_group;
		if (text == NULL || *text == '\0')
			text = dc_md_prop(md, def->cpd_name);
		if (text == NULL || *text == '\0') {
			/* no owner on record: the caller's identity, as the creator */
			rc   = user ? daos_acl_uid_to_principal(geteuid(), &mine)
				    : daos_acl_gid_to_principal(getegid(), &mine);
			text = rc == 0 ? mine : (user ? "nobody@" : "nogroup@");
		}
		rc = daos_prop_entry_set_str(e, text, DC_PRINCIPAL_MAX);
		free(mine);
		return rc;
	}
	case DAOS_PROP_CO_ACL: {
		struct daos_acl *acl = NULL;

		text = dc_md_prop(md, def->cpd_name);
		if (text == NULL || dc_acl_from_text(text, &acl) != 0)
			acl = dc_acl_default_cont();
		if (acl == NULL)
			return -DER_NOMEM;
		e->dpe_val_ptr = acl;
		return 0;
	}
	case DAOS_PROP_CO_ROOTS: {
		struct daos_prop_co_roots *r = calloc(1, sizeof(*r));

		if (r == NULL)
			return -DER_NOMEM;
		text = dc_md_prop(md, def->cpd_name);
		if (text != NULL && dc_roots_from_text(text, r) != 0) {
			D_WARN("container property roots '%s' is not valid; reporting none\n", text);
			memset(r, 0, sizeof(*r));
		}
		e->dpe_val_ptr = r;
		return 0;
	}
	case DAOS_PROP_CO_STATUS:
		text = dc_md_prop(md, def->cpd_name);
		if (text != NULL && dc_text_to_val(e->dpe_type, text, &v))
			e->dpe_val = DAOS_PROP_CO_STATUS_VAL(v, 0, md->cm_map_version);
		else
			e->dpe_val = dc_co_default(e->dpe_type, md);
		return 0;
	case DAOS_PROP_CO_ALLOCED_OID:
		e->dpe_val = dc_co_default(e->dpe_type, md);
		return 0;
	default:
		text = dc_md_prop(md, def->cpd_name);
		if (text != NULL && dc_text_to_val(e->dpe_type, text, &v)) {
			e->dpe_val = v;
		} else {
			if (text != NULL)
				D_WARN("container property %s '%s' is not valid; reporting the "
				       "default\n", def->cpd_name, text);
			e->dpe_val = dc_co_default(e->dpe_type, md);
		}
		return 0;
	}
}

/* ---- daos_prop_* ---------------------------------------------------------- */

bool
daos_prop_has_str(struct daos_prop_entry *entry)
{
	if (entry == NULL)
		return false;
	switch (entry->dpe_type) {
	case DAOS_PROP_PO_LABEL:
	case DAOS_PROP_PO_OWNER:
	case DAOS_PROP_PO_OWNER_GROUP:
	case DAOS_PROP_PO_POLICY:
	case DAOS_PROP_CO_LABEL:
	case DAOS_PROP_CO_OWNER:
	case DAOS_PROP_CO_OWNER_GROUP:
		return true;
	default:
		return false;
	}
}

bool
daos_prop_has_ptr(struct daos_prop_entry *entry)
{
	if (entry == NULL)
		return false;
	switch (entry->dpe_type) {
	case DAOS_PROP_PO_ACL:
	case DAOS_PROP_PO_SVC_LIST:
	case DAOS_PROP_CO_ACL:
	case DAOS_PROP_CO_ROOTS:
		return true;
	default:
		return false;
	}
}

daos_prop_t *
daos_prop_alloc(uint32_t entries_nr)
{
	daos_prop_t *prop;

	if (entries_nr > DAOS_PROP_ENTRIES_MAX_NR) {
		D_ERROR("daos_prop_alloc: %u entries (limit %d)\n", entries_nr,
			DAOS_PROP_ENTRIES_MAX_NR);
		return NULL;
	}
	prop = calloc(1, sizeof(*prop));
	if (prop == NULL)
		return NULL;
	if (entries_nr > 0) {
		prop->dpp_entries = calloc(entries_nr, sizeof(*prop->dpp_entries));
		if (prop->dpp_entries == NULL) {
			free(prop);
			return NULL;
		}
	}
	prop->dpp_nr = entries_nr;
	return prop;
}

void
daos_prop_fini(daos_prop_t *prop)
{
	if (prop == NULL)
		return;
	if (prop->dpp_entries != NULL) {
		for (uint32_t i = 0; i < prop->dpp_nr; i++)
			dc_prop_entry_clear(&prop->dpp_entries[i]);
		free(prop->dpp_entries);
	}
	prop->dpp_entries = NULL;
	prop->dpp_nr      = 0;
}

void
daos_prop_free(daos_prop_t *prop)
{
	if (prop == NULL)
		return;
	daos_prop_fini(prop);
	free(prop);
}

struct daos_prop_entry *
daos_prop_entry_get(daos_prop_t *prop, uint32_t type)
{
	if (prop == NULL || prop->dpp_entries == NULL)
		return NULL;
	for (uint32_t i = 0; i < prop->dpp_nr; i++)
		if (prop->dpp_entries[i].dpe_type == type)
			return &prop->dpp_entries[i];
	return NULL;
}

int
daos_prop_entry_set_str(struct daos_prop_entry *entry, const char *str, daos_size_t len)
{
	size_t n;
	char  *dup;

	if (entry == NULL || str == NULL || len == 0 || !daos_prop_has_str(entry))
		return -DER_INVAL;
	n   = strnlen(str, len);
	dup = malloc(n + 1);
	if (dup == NULL)
		return -DER_NOMEM;
	memcpy(dup, str, n);
	dup[n] = '\0';
	free(entry->dpe_str);
	entry->dpe_str = dup;
	entry->dpe_flags &= ~DAOS_PROP_ENTRY_NOT_SET;
	return 0;
}

int
daos_prop_set_str(daos_prop_t *prop, uint32_t type, const char *str, daos_size_t len)
{
	return daos_prop_entry_set_str(daos_prop_entry_get(prop, type), str, len);
}

int
daos_prop_entry_set_ptr(struct daos_prop_entry *entry, const void *ptr, daos_size_t size)
{
	void *dup;

	if (entry == NULL || !daos_prop_has_ptr(entry) || entry->dpe_type == DAOS_PROP_PO_SVC_LIST)
		return -DER_INVAL;
	if (ptr == NULL || size == 0) {
		free(entry->dpe_val_ptr);
		entry->dpe_val_ptr = NULL;
		return 0;
	}
	if (size > (1u << 20))
		return -DER_INVAL;
	dup = malloc(size);
	if (dup == NULL)
		return -DER_NOMEM;
	memcpy(dup, ptr, size);
	free(entry->dpe_val_ptr);
	entry->dpe_val_ptr = dup;
	entry->dpe_flags &= ~DAOS_PROP_ENTRY_NOT_SET;
	return 0;
}

int
daos_prop_set_ptr(daos_prop_t *prop, uint32_t type, const void *ptr, daos_size_t size)
{
	return daos_prop_entry_set_ptr(daos_prop_entry_get(prop, type), ptr, size);
}

int
daos_prop_entry_dup_ptr(struct daos_prop_entry *entry_dst, struct daos_prop_entry *entry_src,
			size_t len)
{
	if (entry_dst == NULL || entry_src == NULL)
		return -DER_INVAL;
	return daos_prop_entry_set_ptr(entry_dst, entry_src->dpe_val_ptr, len);
}

int
daos_prop_entry_dup_co_roots(struct daos_prop_entry *dst, struct daos_prop_entry *src)
{
	if (dst == NULL || src == NULL || src->dpe_type != DAOS_PROP_CO_ROOTS ||
	    src->dpe_val_ptr == NULL)
		return -DER_INVAL;
	return daos_prop_entry_set_ptr(dst, src->dpe_val_ptr, sizeof(struct daos_prop_co_roots));
}

/* Copy one entry (deep). */
static int
dc_prop_entry_copy(struct daos_prop_entry *dst, const struct daos_prop_entry *src)
{
	*dst = *src;
	if (daos_prop_has_str(dst)) {
		dst->dpe_str = NULL;
		if (src->dpe_str != NULL && (dst->dpe_str = strdup(src->dpe_str)) == NULL)
			return -DER_NOMEM;
	} else if (dst->dpe_type == DAOS_PROP_PO_SVC_LIST) {
		const d_rank_list_t *s = src->dpe_val_ptr;
		d_rank_list_t       *d;

		dst->dpe_val_ptr = NULL;
		if (s == NULL)
			return 0;
		d = calloc(1, sizeof(*d));
		if (d == NULL)
			return -DER_NOMEM;
		if (s->rl_nr > 0) {
			d->rl_ranks = malloc(sizeof(d_rank_t) * s->rl_nr);
			if (d->rl_ranks == NULL) {
				free(d);
				return -DER_NOMEM;
			}
			memcpy(d->rl_ranks, s->rl_ranks, sizeof(d_rank_t) * s->rl_nr);
			d->rl_nr = s->rl_nr;
		}
		dst->dpe_val_ptr = d;
	} else if (daos_prop_has_ptr(dst)) {
		dst->dpe_val_ptr = NULL;
		if (src->dpe_val_ptr == NULL)
			return 0;
		if (dst->dpe_type == DAOS_PROP_CO_ROOTS) {
			dst->dpe_val_ptr = malloc(sizeof(struct daos_prop_co_roots));
			if (dst->dpe_val_ptr == NULL)
				return -DER_NOMEM;
			memcpy(dst->dpe_val_ptr, src->dpe_val_ptr, sizeof(struct daos_prop_co_roots));
		} else {
			dst->dpe_val_ptr = daos_acl_dup(src->dpe_val_ptr);
			if (dst->dpe_val_ptr == NULL)
				return -DER_NOMEM;
		}
	}
	return 0;
}

daos_prop_t *
daos_prop_dup(daos_prop_t *prop, bool pool, bool input)
{
	daos_prop_t *dup;

	(void)pool;
	(void)input;
	if (prop == NULL)
		return NULL;
	dup = daos_prop_alloc(prop->dpp_nr);
	if (dup == NULL)
		return NULL;
	for (uint32_t i = 0; i < prop->dpp_nr; i++) {
		if (dc_prop_entry_copy(&dup->dpp_entries[i], &prop->dpp_entries[i]) != 0) {
			dup->dpp_nr = i + 1;
			daos_prop_free(dup);
			return NULL;
		}
	}
	return dup;
}

int
daos_prop_merge2(daos_prop_t *old_prop, daos_prop_t *new_prop, daos_prop_t **out_prop)
{
	daos_prop_t *out;
	uint32_t     nr = 0, k = 0;

	if (old_prop == NULL || new_prop == NULL || out_prop == NULL)
		return -DER_INVAL;
	nr = new_prop->dpp_nr;
	for (uint32_t i = 0; i < old_prop->dpp_nr; i++)
		if (daos_prop_entry_get(new_prop, old_prop->dpp_entries[i].dpe_type) == NULL)
			nr++;
	if (nr > DAOS_PROP_ENTRIES_MAX_NR)
		return -DER_INVAL;
	out = daos_prop_alloc(nr);
	if (out == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < old_prop->dpp_nr; i++) {
		if (daos_prop_entry_get(new_prop, old_prop->dpp_entries[i].dpe_type) != NULL)
			continue;
		if (dc_prop_entry_copy(&out->dpp_entries[k++], &old_prop->dpp_entries[i]) != 0)
			goto nomem;
	}
	for (uint32_t i = 0; i < new_prop->dpp_nr; i++)
		if (dc_prop_entry_copy(&out->dpp_entries[k++], &new_prop->dpp_entries[i]) != 0)
			goto nomem;
	*out_prop = out;
	return 0;
nomem:
	out->dpp_nr = k;
	daos_prop_free(out);
	return -DER_NOMEM;
}

daos_prop_t *
daos_prop_merge(daos_prop_t *old_prop, daos_prop_t *new_prop)
{
	daos_prop_t *out = NULL;

	return daos_prop_merge2(old_prop, new_prop, &out) == 0 ? out : NULL;
}

int
daos_prop_from_str(const char *str, daos_size_t len, daos_prop_t **prop)
{
	static const struct {
		const char *name;
		uint32_t    type;
	} names[] = {
		{"label", DAOS_PROP_CO_LABEL},
		{"cksum", DAOS_PROP_CO_CSUM},
		{"cksum_size", DAOS_PROP_CO_CSUM_CHUNK_SIZE},
		{"srv_cksum", DAOS_PROP_CO_CSUM_SERVER_VERIFY},
		{"dedup", DAOS_PROP_CO_DEDUP},
		{"dedup_threshold", DAOS_PROP_CO_DEDUP_THRESHOLD},
		{"compression", DAOS_PROP_CO_COMPRESS},
		{"encryption", DAOS_PROP_CO_ENCRYPT},
		{"rd_fac", DAOS_PROP_CO_REDUN_FAC},
		{"rf", DAOS_PROP_CO_REDUN_FAC},
		{"rd_lvl", DAOS_PROP_CO_REDUN_LVL},
		{"ec_cell_sz", DAOS_PROP_CO_EC_CELL_SZ},
		{"max_snapshot", DAOS_PROP_CO_SNAPSHOT_MAX},
		{"layout_type", DAOS_PROP_CO_LAYOUT_TYPE},
	};
	daos_prop_t *out = NULL;
	char        *copy, *save = NULL, *tok;
	uint32_t     nr  = 0;
	int          rc  = 0;

	if (str == NULL || prop == NULL || len == 0 || len > 4096 || strnlen(str, len) == 0)
		return -DER_INVAL;
	copy = strndup(str, strnlen(str, len));
	if (copy == NULL)
		return -DER_NOMEM;
	for (const char *p = copy; *p != '\0'; p++)
		nr += (*p == ';');
	out = daos_prop_alloc(0);
	if (out == NULL) {
		free(copy);
		return -DER_NOMEM;
	}
	out->dpp_entries = calloc(nr + 1, sizeof(*out->dpp_entries));
	if (out->dpp_entries == NULL || nr + 1 > DAOS_PROP_ENTRIES_MAX_NR) {
		rc = out->dpp_entries == NULL ? -DER_NOMEM : -DER_INVAL;
		goto out;
	}
	for (tok = strtok_r(copy, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save)) {
		char                   *colon = strchr(tok, ':');
		struct daos_prop_entry *e     = &out->dpp_entries[out->dpp_nr];
		size_t                  i;

		if (colon == NULL || colon == tok || colon[1] == '\0') {
			D_ERROR("daos_prop_from_str: '%.64s' is not name:value\n", tok);
			rc = -DER_INVAL;
			goto out;
		}
		*colon = '\0';
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(names[i].name, tok) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			D_ERROR("daos_prop_from_str: unknown property '%.64s'\n", tok);
			rc = -DER_INVAL;
			goto out;
		}
		e->dpe_type = names[i].type;
		out->dpp_nr++;
		if (e->dpe_type == DAOS_PROP_CO_LABEL) {
			if (!daos_label_is_valid(colon + 1)) {
				rc = -DER_INVAL;
				goto out;
			}
			rc = daos_prop_entry_set_str(e, colon + 1, DAOS_PROP_LABEL_MAX_LEN + 1);
			if (rc != 0)
				goto out;
		} else if (!dc_text_to_val(e->dpe_type, colon + 1, &e->dpe_val)) {
			D_ERROR("daos_prop_from_str: bad value '%.64s' for %s\n", colon + 1, tok);
			rc = -DER_INVAL;
			goto out;
		}
	}
out:
	free(copy);
	if (rc != 0 || out->dpp_nr == 0) {
		daos_prop_free(out);
		return rc != 0 ? rc : -DER_INVAL;
	}
	*prop = out;
	return 0;
}
