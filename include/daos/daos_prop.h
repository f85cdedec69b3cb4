/*
 * daos_prop.h: pool and container properties, with DAOS's type ids, value
 * encodings and helper functions (daos_prop_*).
 *
 * A property list (daos_prop_t) is an array of entries; each entry has a
 * type (enum daos_pool_props / daos_cont_props) and a value that is, by
 * type, an integer (dpe_val), a string (dpe_str, owned by the entry) or a
 * pointer to a structure (dpe_val_ptr, owned: struct daos_acl for the ACLs,
 * struct daos_prop_co_roots for DAOS_PROP_CO_ROOTS). daos_prop_free()
 * releases the entries' strings and structures with the list.
 */
#ifndef DAOS_PROP_H
#define DAOS_PROP_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Pool property types, valid in (DAOS_PROP_PO_MIN, DAOS_PROP_PO_MAX). */
enum daos_pool_props {
	DAOS_PROP_PO_MIN = 0,
	DAOS_PROP_PO_LABEL,             /**< string */
	DAOS_PROP_PO_ACL,               /**< struct daos_acl * */
	DAOS_PROP_PO_SPACE_RB,          /**< percent of space reserved for rebuild */
	DAOS_PROP_PO_SELF_HEAL,         /**< DAOS_SELF_HEAL_* bits */
	DAOS_PROP_PO_RECLAIM,           /**< DAOS_RECLAIM_* */
	DAOS_PROP_PO_OWNER,             /**< string "user@" */
	DAOS_PROP_PO_OWNER_GROUP,       /**< string "group@" */
	DAOS_PROP_PO_SVC_LIST,          /**< d_rank_list_t * */
	DAOS_PROP_PO_EC_CELL_SZ,        /**< bytes */
	DAOS_PROP_PO_POLICY,            /**< string */
	DAOS_PROP_PO_REDUN_FAC,         /**< 0..4 */
	DAOS_PROP_PO_EC_PDA,
	DAOS_PROP_PO_RP_PDA,
	DAOS_PROP_PO_GLOBAL_VERSION,
	DAOS_PROP_PO_UPGRADE_STATUS,    /**< DAOS_UPGRADE_STATUS_* */
	DAOS_PROP_PO_SCRUB_MODE,        /**< DAOS_SCRUB_MODE_* */
	DAOS_PROP_PO_SCRUB_FREQ,        /**< seconds */
	DAOS_PROP_PO_SCRUB_THRESH,
	DAOS_PROP_PO_SVC_REDUN_FAC,
	DAOS_PROP_PO_OBJ_VERSION,
	DAOS_PROP_PO_PERF_DOMAIN,
	DAOS_PROP_PO_CHECKPOINT_MODE,
	DAOS_PROP_PO_CHECKPOINT_FREQ,
	DAOS_PROP_PO_CHECKPOINT_THRESH,
	DAOS_PROP_PO_REINT_MODE,
	DAOS_PROP_PO_MAX,
};

#define DAOS_PROP_PO_NUM (DAOS_PROP_PO_MAX - DAOS_PROP_PO_MIN - 1)

#define DAOS_PROP_PO_EC_CELL_SZ_MIN        (1UL << 10)
#define DAOS_PROP_PO_EC_CELL_SZ_MAX        (1UL << 30)
#define DAOS_PROP_PO_REDUN_FAC_MAX         4
#define DAOS_PROP_PO_REDUN_FAC_DEFAULT     0
#define DAOS_PROP_PO_SVC_REDUN_FAC_MAX     4
#define DAOS_PROP_PO_SVC_REDUN_FAC_DEFAULT 2
#define DAOS_PROP_PDA_MAX                  ((uint32_t)-1)
#define DAOS_PROP_PO_RP_PDA_DEFAULT        DAOS_PROP_PDA_MAX
#define DAOS_PROP_PO_EC_PDA_DEFAULT        ((uint32_t)1)
#define DAOS_PROP_PO_SCRUB_FREQ_DEFAULT    604800
#define DAOS_PROP_PO_SCRUB_THRESH_DEFAULT  0

enum {
	DAOS_PROP_PERF_DOMAIN_ROOT  = 255,
	DAOS_PROP_PERF_DOMAIN_GROUP = 3,
};
#define DAOS_PROP_PO_PERF_DOMAIN_DEFAULT DAOS_PROP_PERF_DOMAIN_ROOT
#define DAOS_PROP_CO_PERF_DOMAIN_DEFAULT DAOS_PROP_PERF_DOMAIN_ROOT

enum {
	DAOS_UPGRADE_STATUS_NOT_STARTED = 0,
	DAOS_UPGRADE_STATUS_IN_PROGRESS = 1,
	DAOS_UPGRADE_STATUS_COMPLETED   = 2,
	DAOS_UPGRADE_STATUS_FAILED      = 3,
};

enum {
	DAOS_RECLAIM_DISABLED = 0,
	DAOS_RECLAIM_LAZY,
	DAOS_RECLAIM_SNAPSHOT,
	DAOS_RECLAIM_BATCH,
	DAOS_RECLAIM_TIME,
};

enum {
	DAOS_SCRUB_MODE_OFF     = 0,
	DAOS_SCRUB_MODE_LAZY    = 1,
	DAOS_SCRUB_MODE_TIMED   = 2,
	DAOS_SCRUB_MODE_INVALID = 3,
};

#define DAOS_SELF_HEAL_AUTO_EXCLUDE (1U << 0)
#define DAOS_SELF_HEAL_AUTO_REBUILD (1U << 1)

/** Container property types, valid in (DAOS_PROP_CO_MIN, DAOS_PROP_CO_MAX). */
enum daos_cont_props {
	DAOS_PROP_CO_MIN = 0x1000,
	DAOS_PROP_CO_LABEL,             /**< string; default DAOS_PROP_CO_LABEL_DEFAULT */
	DAOS_PROP_CO_LAYOUT_TYPE,       /**< daos_cont_layout_t */
	DAOS_PROP_CO_LAYOUT_VER,        /**< middleware layout version, default 1 */
	DAOS_PROP_CO_CSUM,              /**< DAOS_PROP_CO_CSUM_* */
	DAOS_PROP_CO_CSUM_CHUNK_SIZE,   /**< bytes, default 32 KiB */
	DAOS_PROP_CO_CSUM_SERVER_VERIFY,/**< DAOS_PROP_CO_CSUM_SV_* */
	DAOS_PROP_CO_REDUN_FAC,         /**< DAOS_PROP_CO_REDUN_RF* */
	DAOS_PROP_CO_REDUN_LVL,         /**< DAOS_PROP_CO_REDUN_RANK / _NODE */
	DAOS_PROP_CO_SNAPSHOT_MAX,      /**< snapshots kept, 0: no limit */
	DAOS_PROP_CO_ACL,               /**< struct daos_acl * */
	DAOS_PROP_CO_COMPRESS,          /**< DAOS_PROP_CO_COMPRESS_* */
	DAOS_PROP_CO_ENCRYPT,           /**< DAOS_PROP_CO_ENCRYPT_* */
	DAOS_PROP_CO_OWNER,             /**< string "user@" */
	DAOS_PROP_CO_OWNER_GROUP,       /**< string "group@" */
	DAOS_PROP_CO_DEDUP,             /**< DAOS_PROP_CO_DEDUP_* */
	DAOS_PROP_CO_DEDUP_THRESHOLD,   /**< bytes, default 4 KiB */
	DAOS_PROP_CO_ROOTS,             /**< struct daos_prop_co_roots * */
	DAOS_PROP_CO_STATUS,            /**< DAOS_PROP_CO_STATUS_VAL(...) */
	DAOS_PROP_CO_ALLOCED_OID,       /**< highest object id handed out */
	DAOS_PROP_CO_EC_CELL_SZ,        /**< bytes */
	DAOS_PROP_CO_EC_PDA,
	DAOS_PROP_CO_RP_PDA,
	DAOS_PROP_CO_GLOBAL_VERSION,
	DAOS_PROP_CO_SCRUBBER_DISABLED,
	DAOS_PROP_CO_OBJ_VERSION,
	DAOS_PROP_CO_PERF_DOMAIN,
	DAOS_PROP_CO_MAX,
};

#define DAOS_PROP_CO_NUM (DAOS_PROP_CO_MAX - DAOS_PROP_CO_MIN - 1)

/*
 * Container property types of this implementation, outside DAOS's range (so
 * that loops over [DAOS_PROP_CO_MIN, DAOS_PROP_CO_MAX) never see them):
 * the container's default object class (dpe_val, a daos_oclass_id_t used by
 * daos_obj_generate_oid() for OC_UNKNOWN without hints) and default array
 * chunk size in bytes (dpe_val).
 */
enum daos_cont_props_ext {
	DAOS_PROP_CO_EXT_OCLASS     = 0x1f00,
	DAOS_PROP_CO_EXT_CHUNK_SIZE = 0x1f01,
};

/** First-citizen objects of a container (DFS: superblock and root directory). */
struct daos_prop_co_roots {
	daos_obj_id_t cr_oids[4];
};

typedef uint16_t daos_cont_layout_t;

/** Container layout types (the misspelt UNKOWN is part of DAOS's API). */
enum {
	DAOS_PROP_CO_LAYOUT_UNKNOWN,
	DAOS_PROP_CO_LAYOUT_UNKOWN = DAOS_PROP_CO_LAYOUT_UNKNOWN,
	DAOS_PROP_CO_LAYOUT_POSIX,
	DAOS_PROP_CO_LAYOUT_HDF5,
	DAOS_PROP_CO_LAYOUT_PYTHON,
	DAOS_PROP_CO_LAYOUT_SPARK,
	DAOS_PROP_CO_LAYOUT_DATABASE,
	DAOS_PROP_CO_LAYOUT_ROOT,
	DAOS_PROP_CO_LAYOUT_SEISMIC,
	DAOS_PROP_CO_LAYOUT_METEO,
	DAOS_PROP_CO_LAYOUT_MAX
};

enum {
	DAOS_PROP_CO_CSUM_OFF,
	DAOS_PROP_CO_CSUM_CRC16,
	DAOS_PROP_CO_CSUM_CRC32,
	DAOS_PROP_CO_CSUM_CRC64,
	DAOS_PROP_CO_CSUM_SHA1,
	DAOS_PROP_CO_CSUM_SHA256,
	DAOS_PROP_CO_CSUM_SHA512,
	DAOS_PROP_CO_CSUM_ADLER32
};

enum {
	DAOS_PROP_CO_CSUM_SV_OFF,
	DAOS_PROP_CO_CSUM_SV_ON
};

enum {
	DAOS_PROP_CO_DEDUP_OFF,
	DAOS_PROP_CO_DEDUP_MEMCMP,
	DAOS_PROP_CO_DEDUP_HASH
};

enum {
	DAOS_PROP_CO_COMPRESS_OFF,
	DAOS_PROP_CO_COMPRESS_LZ4,
	DAOS_PROP_CO_COMPRESS_DEFLATE,
	DAOS_PROP_CO_COMPRESS_DEFLATE1,
	DAOS_PROP_CO_COMPRESS_DEFLATE2,
	DAOS_PROP_CO_COMPRESS_DEFLATE3,
	DAOS_PROP_CO_COMPRESS_DEFLATE4,
};

enum {
	DAOS_PROP_CO_ENCRYPT_OFF,
	DAOS_PROP_CO_ENCRYPT_AES_XTS128,
	DAOS_PROP_CO_ENCRYPT_AES_XTS256,
	DAOS_PROP_CO_ENCRYPT_AES_CBC128,
	DAOS_PROP_CO_ENCRYPT_AES_CBC192,
	DAOS_PROP_CO_ENCRYPT_AES_CBC256,
	DAOS_PROP_CO_ENCRYPT_AES_GCM128,
	DAOS_PROP_CO_ENCRYPT_AES_GCM256
};

enum {
	DAOS_PROP_CO_REDUN_RF0,
	DAOS_PROP_CO_REDUN_RF1,
	DAOS_PROP_CO_REDUN_RF2,
	DAOS_PROP_CO_REDUN_RF3,
	DAOS_PROP_CO_REDUN_RF4,
};

/** Fault-domain level used for placement: rank (1), node (2), admin levels up to 254. */
enum {
	DAOS_PROP_CO_REDUN_MIN  = 1,
	DAOS_PROP_CO_REDUN_RANK = 1,
	DAOS_PROP_CO_REDUN_NODE = 2,
	DAOS_PROP_CO_REDUN_MAX  = 254,
};
#define DAOS_PROP_CO_REDUN_DEFAULT DAOS_PROP_CO_REDUN_NODE

/** Container health (dcs_status). */
enum {
	DAOS_PROP_CO_HEALTHY,
	DAOS_PROP_CO_UNCLEAN,
};

/** dcs_flags: ask to clear the UNCLEAN status. */
#define DAOS_PROP_CO_CLEAR (0x1)

/** Container status, packed into the 64-bit dpe_val of DAOS_PROP_CO_STATUS. */
struct daos_co_status {
	uint16_t dcs_status; /**< DAOS_PROP_CO_HEALTHY / _UNCLEAN */
	uint16_t dcs_flags;  /**< DAOS_PROP_CO_CLEAR */
	uint32_t dcs_pm_ver; /**< pool map version when the status was set */
};

#define DAOS_PROP_CO_STATUS_VAL(status, flag, pm_ver)                                      \
	((((uint64_t)(flag)) << 48) | (((uint64_t)(status) & 0xFFFF) << 32) |              \
	 ((uint64_t)(pm_ver) & 0xFFFFFFFF))

static inline uint64_t
daos_prop_co_status_2_val(const struct daos_co_status *co_status)
{
	return DAOS_PROP_CO_STATUS_VAL(co_status->dcs_status, co_status->dcs_flags,
				       co_status->dcs_pm_ver);
}

static inline void
daos_prop_val_2_co_status(uint64_t val, struct daos_co_status *co_status)
{
	co_status->dcs_flags  = (uint16_t)(val >> 48);
	co_status->dcs_status = (uint16_t)((val >> 32) & 0xFFFF);
	co_status->dcs_pm_ver = (uint32_t)(val & 0xFFFFFFFF);
}

/** dpe_flags: the entry was asked for but has no value. */
enum {
	DAOS_PROP_ENTRY_NOT_SET = (1 << 0),
};

/** One property. */
struct daos_prop_entry {
	uint32_t dpe_type;   /**< enum daos_pool_props / daos_cont_props */
	uint16_t dpe_flags;  /**< DAOS_PROP_ENTRY_NOT_SET */
	uint16_t dpe_reserv;
#if defined(__GNUC__) || defined(__clang__)
	__extension__
#endif
	union {
		uint64_t dpe_val;
		char    *dpe_str;
		void    *dpe_val_ptr;
	};
};

/** Most entries in one daos_prop_t. */
#define DAOS_PROP_ENTRIES_MAX_NR    (128)
/** Longest pool or container label (characters, NUL excluded). */
#define DAOS_PROP_LABEL_MAX_LEN     (127)
#define DAOS_PROP_MAX_LABEL_BUF_LEN (DAOS_PROP_LABEL_MAX_LEN + 1)
#define DAOS_PROP_CO_LABEL_DEFAULT  "container_label_not_set"
#define DAOS_PROP_PO_LABEL_DEFAULT  "pool_label_not_set"

/** A property list. */
typedef struct {
	uint32_t                dpp_nr;
	uint32_t                dpp_reserv;
	struct daos_prop_entry *dpp_entries;
} daos_prop_t;

/**
 * Whether label is a valid DAOS label: 1..DAOS_PROP_LABEL_MAX_LEN characters of
 * [A-Za-z0-9_.:-], not shaped like a UUID (8-4-4-4-12 hex digits).
 */
static inline bool
daos_label_is_valid(const char *label)
{
	int  len         = 0;
	bool maybe_uuid  = false;
	int  i;

	if (label == NULL)
		return false;
	while (len <= DAOS_PROP_LABEL_MAX_LEN && label[len] != '\0') {
		char c = label[len];

		if (c == '-')
			maybe_uuid = true;
		else if (!isalnum((unsigned char)c) && c != '.' && c != '_' && c != ':')
			return false;
		len++;
	}
	if (len == 0 || len > DAOS_PROP_LABEL_MAX_LEN)
		return false;
	if (!maybe_uuid || len != 36)
		return true;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (label[i] != '-')
				return true;
		} else if (!isxdigit((unsigned char)label[i])) {
			return true;
		}
	}
	return false;
}

/** Allocate a list of entries_nr zeroed entries (0 gives an empty list); NULL on failure. */
daos_prop_t *daos_prop_alloc(uint32_t entries_nr);

/** Free the entries (and their strings and structures), keeping prop itself. */
void daos_prop_fini(daos_prop_t *prop);

/** Free the entries and prop. NULL is fine. */
void daos_prop_free(daos_prop_t *prop);

/** A deep copy of prop (NULL on failure or for NULL). */
daos_prop_t *daos_prop_dup(daos_prop_t *prop, bool pool, bool input);

/**
 * A new list with every entry of old_prop and new_prop, new_prop's value
 * winning for a type present in both. 0, -DER_INVAL, -DER_NOMEM.
 */
int daos_prop_merge2(daos_prop_t *old_prop, daos_prop_t *new_prop, daos_prop_t **out_prop);

/** daos_prop_merge2 returning the new list (NULL on failure). */
daos_prop_t *daos_prop_merge(daos_prop_t *old_prop, daos_prop_t *new_prop);

/** The entry of type `type` in prop, or NULL. */
struct daos_prop_entry *daos_prop_entry_get(daos_prop_t *prop, uint32_t type);

/** Set (a copy of) str[0..len) as the string of the entry of `type` in prop. */
int daos_prop_set_str(daos_prop_t *prop, uint32_t type, const char *str, daos_size_t len);
/** Set (a copy of) str[0..len) as the string of entry. 0, -DER_INVAL, -DER_NOMEM. */
int daos_prop_entry_set_str(struct daos_prop_entry *entry, const char *str, daos_size_t len);
/** Set a copy of ptr[0..size) as the structure of the entry of `type` in prop. */
int daos_prop_set_ptr(daos_prop_t *prop, uint32_t type, const void *ptr, daos_size_t size);
/** Set a copy of ptr[0..size) as the structure of entry. 0, -DER_INVAL, -DER_NOMEM. */
int daos_prop_entry_set_ptr(struct daos_prop_entry *entry, const void *ptr, daos_size_t size);
/** Copy len bytes of entry_src's structure into entry_dst. 0, -DER_INVAL, -DER_NOMEM. */
int daos_prop_entry_dup_ptr(struct daos_prop_entry *entry_dst,
			    struct daos_prop_entry *entry_src, size_t len);
/** Copy the container roots of src into dst. 0, -DER_INVAL, -DER_NOMEM. */
int daos_prop_entry_dup_co_roots(struct daos_prop_entry *dst, struct daos_prop_entry *src);
/** Whether the entry's type holds a string. */
bool daos_prop_has_str(struct daos_prop_entry *entry);
/** Whether the entry's type holds a pointer to a structure. */
bool daos_prop_has_ptr(struct daos_prop_entry *entry);

/**
 * Parse "name:value;name:value" (DAOS's daos tool names: label, cksum,
 * cksum_size, srv_cksum, dedup, dedup_threshold, compression, encryption,
 * rd_fac (or rf), rd_lvl, ec_cell_sz, max_snapshot, layout_type) of len bytes
 * into a new list. 0, -DER_INVAL (unknown name or bad value), -DER_NOMEM.
 */
int daos_prop_from_str(const char *str, daos_size_t len, daos_prop_t **prop);

/** Whether the entry has a value (DAOS_PROP_ENTRY_NOT_SET clear). */
static inline bool
daos_prop_is_set(struct daos_prop_entry *entry)
{
	return (entry->dpe_flags & DAOS_PROP_ENTRY_NOT_SET) == 0;
}

#ifdef __cplusplus
}
#endif

#endif /* DAOS_PROP_H */
