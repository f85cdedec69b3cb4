/*
 * daos_security.h: access control lists (ACLs) of pools and containers, with
 * DAOS's binary layout, constants and string form.
 *
 * An ACL is a header followed by variable-length entries (ACEs), each a fixed
 * 32-byte part and, for named users and groups, the principal name padded
 * with NULs to a multiple of 8 bytes. The string form of an ACE is
 * "TYPES:FLAGS:PRINCIPAL:PERMS", e.g. "A::OWNER@:rwdtTaAo",
 * "A:G:GROUP@:rwtT", "A::alice@:rw", "A:G:staff@:r", "A::EVERYONE@:r":
 *   TYPES  A allow, U audit, L alarm (at least one)
 *   FLAGS  G group, P pool inherit, S on success, F on failure
 *   PERMS  r read, w write, c create container, d delete container,
 *          t get property, T set property, a get ACL, A set ACL, o set owner
 * Entries are kept in the order owner, users, owner group, groups, everyone.
 */
#ifndef DAOS_SECURITY_H
#define DAOS_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DAOS_ACL_VERSION               (1)
/** Longest principal "name@domain" (characters, NUL excluded). */
#define DAOS_ACL_MAX_PRINCIPAL_LEN     (255)
#define DAOS_ACL_MAX_PRINCIPAL_BUF_LEN (DAOS_ACL_MAX_PRINCIPAL_LEN + 1)
#define DAOS_ACL_PRINCIPAL_OWNER       "OWNER@"
#define DAOS_ACL_PRINCIPAL_OWNER_GRP   "GROUP@"
#define DAOS_ACL_PRINCIPAL_EVERYONE    "EVERYONE@"
/** Largest dal_len (bytes of entries). */
#define DAOS_ACL_MAX_ACE_LEN           (65536)
/** Longest ACE string, NUL excluded. */
#define DAOS_ACL_MAX_ACE_STR_LEN       (DAOS_ACL_MAX_PRINCIPAL_LEN + 64)

/** ACL header; dal_len bytes of struct daos_ace entries follow. */
struct daos_acl {
	uint16_t dal_ver;
	uint16_t dal_reserv;
	uint32_t dal_len;
	uint8_t  dal_ace[];
};

enum daos_acl_principal_type {
	DAOS_ACL_OWNER,
	DAOS_ACL_USER,
	DAOS_ACL_OWNER_GROUP,
	DAOS_ACL_GROUP,
	DAOS_ACL_EVERYONE,
	NUM_DAOS_ACL_TYPES
};

enum daos_acl_access_type {
	DAOS_ACL_ACCESS_ALLOW = (1U << 0),
	DAOS_ACL_ACCESS_AUDIT = (1U << 1),
	DAOS_ACL_ACCESS_ALARM = (1U << 2)
};
#define DAOS_ACL_ACCESS_ALL                                                                \
	(DAOS_ACL_ACCESS_ALLOW | DAOS_ACL_ACCESS_AUDIT | DAOS_ACL_ACCESS_ALARM)

enum daos_acl_flags {
	DAOS_ACL_FLAG_GROUP          = (1U << 0),
	DAOS_ACL_FLAG_POOL_INHERIT   = (1U << 1),
	DAOS_ACL_FLAG_ACCESS_FAIL    = (1U << 2),
	DAOS_ACL_FLAG_ACCESS_SUCCESS = (1U << 3)
};
#define DAOS_ACL_FLAG_ALL                                                                  \
	(DAOS_ACL_FLAG_GROUP | DAOS_ACL_FLAG_POOL_INHERIT | DAOS_ACL_FLAG_ACCESS_FAIL |    \
	 DAOS_ACL_FLAG_ACCESS_SUCCESS)

enum daos_acl_perm {
	DAOS_ACL_PERM_READ        = (1U << 0),
	DAOS_ACL_PERM_WRITE       = (1U << 1),
	DAOS_ACL_PERM_CREATE_CONT = (1U << 2),
	DAOS_ACL_PERM_DEL_CONT    = (1U << 3),
	DAOS_ACL_PERM_GET_PROP    = (1U << 4),
	DAOS_ACL_PERM_SET_PROP    = (1U << 5),
	DAOS_ACL_PERM_GET_ACL     = (1U << 6),
	DAOS_ACL_PERM_SET_ACL     = (1U << 7),
	DAOS_ACL_PERM_SET_OWNER   = (1U << 8),
};
#define DAOS_ACL_PERM_POOL_ALL                                                             \
	(DAOS_ACL_PERM_READ | DAOS_ACL_PERM_GET_PROP | DAOS_ACL_PERM_WRITE |               \
	 DAOS_ACL_PERM_CREATE_CONT | DAOS_ACL_PERM_DEL_CONT)
#define DAOS_ACL_PERM_CONT_ALL                                                             \
	(DAOS_ACL_PERM_READ | DAOS_ACL_PERM_WRITE | DAOS_ACL_PERM_DEL_CONT |               \
	 DAOS_ACL_PERM_GET_PROP | DAOS_ACL_PERM_SET_PROP | DAOS_ACL_PERM_GET_ACL |         \
	 DAOS_ACL_PERM_SET_ACL | DAOS_ACL_PERM_SET_OWNER)
#define DAOS_ACL_PERM_ALL (DAOS_ACL_PERM_POOL_ALL | DAOS_ACL_PERM_CONT_ALL)

/** One access control entry; dae_principal_len bytes of name follow (0 for special principals). */
struct daos_ace {
	uint8_t  dae_access_types;   /**< enum daos_acl_access_type bits */
	uint8_t  dae_principal_type; /**< enum daos_acl_principal_type */
	uint16_t dae_principal_len;  /**< bytes of dae_principal, a multiple of 8 */
	uint16_t dae_access_flags;   /**< enum daos_acl_flags bits */
	uint16_t dae_reserv;
	uint64_t dae_allow_perms;    /**< enum daos_acl_perm bits */
	uint64_t dae_audit_perms;
	uint64_t dae_alarm_perms;
	char     dae_principal[];
};

/** A new ACL holding copies of aces[0..num_aces) in canonical order; NULL on failure. */
struct daos_acl *daos_acl_create(struct daos_ace *aces[], uint16_t num_aces);
/** A copy of acl; NULL on failure. */
struct daos_acl *daos_acl_dup(struct daos_acl *acl);
/** Free an ACL; NULL is fine. */
void daos_acl_free(struct daos_acl *acl);
/** Header plus entries in bytes, or -DER_INVAL. */
ssize_t daos_acl_get_size(struct daos_acl *acl);
/** The ACE after current_ace (the first when NULL); NULL at the end or on a bad argument. */
struct daos_ace *daos_acl_get_next_ace(struct daos_acl *acl, struct daos_ace *current_ace);
/** The ACE of (type, principal) inside acl. 0, -DER_INVAL, -DER_NONEXIST. */
int daos_acl_get_ace_for_principal(struct daos_acl *acl, enum daos_acl_principal_type type,
				   const char *principal, struct daos_ace **ace);
/** Add (or replace) an ACE; *acl may be reallocated. 0, -DER_INVAL, -DER_NOMEM. */
int daos_acl_add_ace(struct daos_acl **acl, struct daos_ace *new_ace);
/** Remove the ACE of (type, principal); *acl is reallocated. 0, -DER_INVAL, -DER_NONEXIST, -DER_NOMEM. */
int daos_acl_remove_ace(struct daos_acl **acl, enum daos_acl_principal_type type,
			const char *principal_name);
/** Print the ACL to stdout (debugging). */
void daos_acl_dump(struct daos_acl *acl);
/** Check structure, values and order. 0 or -DER_INVAL. */
int daos_acl_validate(struct daos_acl *acl);
/** daos_acl_validate plus only pool permissions. */
int daos_acl_pool_validate(struct daos_acl *acl);
/** daos_acl_validate plus only container permissions. */
int daos_acl_cont_validate(struct daos_acl *acl);
/** A new ACE of that type (principal_name used only for USER and GROUP); NULL on failure. */
struct daos_ace *daos_ace_create(enum daos_acl_principal_type type, const char *principal_name);
/** Free an ACE; NULL is fine. */
void daos_ace_free(struct daos_ace *ace);
/** Size of the ACE in bytes, or -DER_INVAL. */
ssize_t daos_ace_get_size(struct daos_ace *ace);
/** Print the ACE to stdout (debugging). */
void daos_ace_dump(struct daos_ace *ace, uint32_t tabs);
/** Whether the ACE is internally consistent. */
bool daos_ace_is_valid(struct daos_ace *ace);
/** Whether name is "name@" or "name@domain" (1..255 characters, one '@' not first). */
bool daos_acl_principal_is_valid(const char *name);
/** "user@" of a local uid (newly allocated). 0, -DER_INVAL, -DER_NONEXIST, -DER_NOMEM. */
int daos_acl_uid_to_principal(uid_t uid, char **name);
/** "group@" of a local gid (newly allocated). 0, -DER_INVAL, -DER_NONEXIST, -DER_NOMEM. */
int daos_acl_gid_to_principal(gid_t gid, char **name);
/** Local uid of a "user@" principal. 0, -DER_INVAL, -DER_NONEXIST. */
int daos_acl_principal_to_uid(const char *principal, uid_t *uid);
/** Local gid of a "group@" principal. 0, -DER_INVAL, -DER_NONEXIST. */
int daos_acl_principal_to_gid(const char *principal, gid_t *gid);
/** The principal of an ACE ("OWNER@", "GROUP@", "EVERYONE@" or the name). */
const char *daos_ace_get_principal_str(struct daos_ace *ace);
/** Parse an ACE string into a new ACE. 0, -DER_INVAL, -DER_NOMEM. */
int daos_ace_from_str(const char *str, struct daos_ace **ace);
/** Format an ACE. 0, -DER_INVAL (bad ACE, or different permissions per access type), -DER_TRUNC. */
int daos_ace_to_str(struct daos_ace *ace, char *buf, size_t buf_len);
/** Parse ace_nr ACE strings into a new ACL. 0, -DER_INVAL, -DER_NOMEM. */
int daos_acl_from_strs(const char **ace_strs, size_t ace_nr, struct daos_acl **acl);
/** The ACEs of acl as newly allocated strings (free each, then the array). 0, -DER_INVAL, -DER_NOMEM. */
int daos_acl_to_strs(struct daos_acl *acl, char ***ace_strs, size_t *ace_nr);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_SECURITY_H */
