/*
 * dc_acl.c: access control lists (daos_security.h): the binary layout, its
 * validation, the ACE string form and principal names.
 *
 * Invariants of a valid ACL (daos_acl_validate):
 *  A1. dal_ver == DAOS_ACL_VERSION and dal_len <= DAOS_ACL_MAX_ACE_LEN; the
 *      entries tile dal_len exactly.
 *  A2. Each entry is valid (daos_ace_is_valid): known type, access, flags
 *      and permission bits; permissions only for the access types set; a
 *      NUL-terminated, 8-byte-padded principal exactly for users and groups;
 *      the group flag exactly for groups and the owner group.
 *  A3. Entries are ordered by principal type (owner, users, owner group,
 *      groups, everyone) and no principal appears twice.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_internal.h"

#define DC_ACE_HDR   sizeof(struct daos_ace)
#define DC_ACL_HDR   sizeof(struct daos_acl)

static const struct {
	char     ch;
	uint64_t bit;
} dc_perm_chars[] = {
	{'r', DAOS_ACL_PERM_READ},     {'w', DAOS_ACL_PERM_WRITE},
	{'c', DAOS_ACL_PERM_CREATE_CONT}, {'d', DAOS_ACL_PERM_DEL_CONT},
	{'t', DAOS_ACL_PERM_GET_PROP}, {'T', DAOS_ACL_PERM_SET_PROP},
	{'a', DAOS_ACL_PERM_GET_ACL},  {'A', DAOS_ACL_PERM_SET_ACL},
	{'o', DAOS_ACL_PERM_SET_OWNER},
};

static bool
dc_type_named(uint8_t type)
{
	return type == DAOS_ACL_USER || type == DAOS_ACL_GROUP;
}

static bool
dc_type_group(uint8_t type)
{
	return type == DAOS_ACL_GROUP || type == DAOS_ACL_OWNER_GROUP;
}

bool
daos_acl_principal_is_valid(const char *name)
{
	size_t      len;
	const char *at;

	if (name == NULL)
		return false;
	len = strnlen(name, DAOS_ACL_MAX_PRINCIPAL_BUF_LEN);
	if (len == 0 || len > DAOS_ACL_MAX_PRINCIPAL_LEN)
		return false;
	at = strchr(name, '@');
	if (at == NULL || at == name || strchr(at + 1, '@') != NULL)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f ||
		    name[i] == ':' || name[i] == ',')
			return false;
	return true;
}

struct daos_ace *
daos_ace_create(enum daos_acl_principal_type type, const char *principal_name)
{
	struct daos_ace *ace;
	size_t           plen = 0;

	if ((unsigned int)type >= NUM_DAOS_ACL_TYPES)
		return NULL;
	if (dc_type_named((uint8_t)type)) {
		if (!daos_acl_principal_is_valid(principal_name))
			return NULL;
		plen = (strlen(principal_name) + 1 + 7) & ~(size_t)7;
	}
	ace = calloc(1, DC_ACE_HDR + plen);
	if (ace == NULL)
		return NULL;
	ace->dae_principal_type = (uint8_t)type;
	ace->dae_principal_len  = (uint16_t)plen;
	if (dc_type_group((uint8_t)type))
		ace->dae_access_flags = DAOS_ACL_FLAG_GROUP;
	if (plen > 0)
		memcpy(ace->dae_principal, principal_name, strlen(principal_name));
	return ace;
}

void
daos_ace_free(struct daos_ace *ace)
{
	free(ace);
}

ssize_t
daos_ace_get_size(struct daos_ace *ace)
{
	if (ace == NULL)
		return -DER_INVAL;
	return (ssize_t)(DC_ACE_HDR + ace->dae_principal_len);
}

bool
daos_ace_is_valid(struct daos_ace *ace)
{
	uint16_t l;

	if (ace == NULL || ace->dae_principal_type >= NUM_DAOS_ACL_TYPES)
		return false;
	l = ace->dae_principal_len;
	if (dc_type_named(ace->dae_principal_type)) {
		if (l == 0 || l % 8 != 0 || ace->dae_principal[l - 1] != '\0' ||
		    !daos_acl_principal_is_valid(ace->dae_principal))
			return false;
	} else if (l != 0) {
		return false;
	}
	if ((ace->dae_access_flags & ~DAOS_ACL_FLAG_ALL) != 0 ||
	    dc_type_group(ace->dae_principal_type) !=
		((ace->dae_access_flags & DAOS_ACL_FLAG_GROUP) != 0))
		return false;
	if (ace->dae_access_types == 0 || (ace->dae_access_types & ~DAOS_ACL_ACCESS_ALL) != 0)
		return false;
	if ((ace->dae_allow_perms | ace->dae_audit_perms | ace->dae_alarm_perms) &
	    ~(uint64_t)DAOS_ACL_PERM_ALL)
		return false;
	if ((!(ace->dae_access_types & DAOS_ACL_ACCESS_ALLOW) && ace->dae_allow_perms != 0) ||
	    (!(ace->dae_access_types & DAOS_ACL_ACCESS_AUDIT) && ace->dae_audit_perms != 0) ||
	    (!(ace->dae_access_types & DAOS_ACL_ACCESS_ALARM) && ace->dae_alarm_perms != 0))
		return false;
	/* success/failure flags qualify auditing and alarms only */
	if ((ace->dae_access_flags & (DAOS_ACL_FLAG_ACCESS_FAIL | DAOS_ACL_FLAG_ACCESS_SUCCESS)) &&
	    !(ace->dae_access_types & (DAOS_ACL_ACCESS_AUDIT | DAOS_ACL_ACCESS_ALARM)))
		return false;
	return true;
}

const char *
daos_ace_get_principal_str(struct daos_ace *ace)
{
	if (ace == NULL)
		return NULL;
	switch (ace->dae_principal_type) {
	case DAOS_ACL_OWNER:
		return DAOS_ACL_PRINCIPAL_OWNER;
	case DAOS_ACL_OWNER_GROUP:
		return DAOS_ACL_PRINCIPAL_OWNER_GRP;
	case DAOS_ACL_EVERYONE:
		return DAOS_ACL_PRINCIPAL_EVERYONE;
	default:
		return ace->dae_principal;
	}
}

/* Same principal (type and, for users and groups, name)? */
static bool
dc_ace_same(struct daos_ace *a, enum daos_acl_principal_type type, const char *name)
{
	if (a->dae_principal_type != (uint8_t)type)
		return false;
	if (!dc_type_named((uint8_t)type))
		return true;
	return name != NULL && strcmp(a->dae_principal, name) == 0;
}

ssize_t
daos_acl_get_size(struct daos_acl *acl)
{
	if (acl == NULL)
		return -DER_INVAL;
	return (ssize_t)(DC_ACL_HDR + acl->dal_len);
}

/* The entry at offset off if it fits the list, else NULL. */
static struct daos_ace *
dc_ace_at(struct daos_acl *acl, size_t off)
{
	struct daos_ace *ace;

	if (off >= acl->dal_len || acl->dal_len - off < DC_ACE_HDR)
		return NULL;
	ace = (struct daos_ace *)(void *)(acl->dal_ace + off);
	if (acl->dal_len - off - DC_ACE_HDR < ace->dae_principal_len)
		return NULL;
	return ace;
}

struct daos_ace *
daos_acl_get_next_ace(struct daos_acl *acl, struct daos_ace *current_ace)
{
	size_t off;

	if (acl == NULL)
		return NULL;
	if (current_ace == NULL)
		return dc_ace_at(acl, 0);
	if ((uint8_t *)current_ace < acl->dal_ace ||
	    (uint8_t *)current_ace >= acl->dal_ace + acl->dal_len)
		return NULL;
	off = (size_t)((uint8_t *)current_ace - acl->dal_ace) + DC_ACE_HDR +
	      current_ace->dae_principal_len;
	return dc_ace_at(acl, off);
}

int
daos_acl_validate(struct daos_acl *acl)
{
	struct daos_ace *ace;
	size_t           off = 0;
	int              last_type = -1;

	if (acl == NULL || acl->dal_ver != DAOS_ACL_VERSION || acl->dal_len > DAOS_ACL_MAX_ACE_LEN ||
	    acl->dal_len % 8 != 0)
		return -DER_INVAL;
	while (off < acl->dal_len) {
		struct daos_ace *prev;

		ace = dc_ace_at(acl, off);
		if (ace == NULL || !daos_ace_is_valid(ace))
			return -DER_INVAL;
		if ((int)ace->dae_principal_type < last_type)
			return -DER_INVAL;
		/* A3: no principal twice (entries are few: a quadratic check is fine) */
		for (prev = daos_acl_get_next_ace(acl, NULL); prev != NULL && prev != ace;
		     prev = daos_acl_get_next_ace(acl, prev))
			if (dc_ace_same(prev, ace->dae_principal_type, ace->dae_principal))
				return -DER_INVAL;
		last_type = ace->dae_principal_type;
		off += DC_ACE_HDR + ace->dae_principal_len;
	}
	return off == acl->dal_len ? 0 : -DER_INVAL;
}

static int
dc_acl_validate_perms(struct daos_acl *acl, uint64_t allowed)
{
	struct daos_ace *ace;
	int              rc = daos_acl_validate(acl);

	if (rc != 0)
		return rc;
	for (ace = daos_acl_get_next_ace(acl, NULL); ace != NULL;
	     ace = daos_acl_get_next_ace(acl, ace))
		if ((ace->dae_allow_perms | ace->dae_audit_perms | ace->dae_alarm_perms) & ~allowed)
			return -DER_INVAL;
	return 0;
}

int
daos_acl_pool_validate(struct daos_acl *acl)
{
	return dc_acl_validate_perms(acl, DAOS_ACL_PERM_POOL_ALL);
}

int
daos_acl_cont_validate(struct daos_acl *acl)
{
	return dc_acl_validate_perms(acl, DAOS_ACL_PERM_CONT_ALL);
}

struct daos_acl *
daos_acl_dup(struct daos_acl *acl)
{
	struct daos_acl *dup;

	if (acl == NULL || acl->dal_len > DAOS_ACL_MAX_ACE_LEN)
		return NULL;
	dup = malloc(DC_ACL_HDR + acl->dal_len);
	if (dup != NULL)
		memcpy(dup, acl, DC_ACL_HDR + acl->dal_len);
	return dup;
}

void
daos_acl_free(struct daos_acl *acl)
{
	free(acl);
}

/* A new ACL of the entries of acl (may be NULL) with `ace` added or replacing its principal's. */
static struct daos_acl *
dc_acl_with(struct daos_acl *acl, struct daos_ace *ace, bool *replaced)
{
	size_t           old_len = acl == NULL ? 0 : acl->dal_len;
	size_t           add     = DC_ACE_HDR + ace->dae_principal_len;
	struct daos_acl *out;
	struct daos_ace *cur;
	size_t           off = 0;
	bool             placed = false;

	*replaced = false;
	if (old_len + add > DAOS_ACL_MAX_ACE_LEN)
		return NULL;
	out = calloc(1, DC_ACL_HDR + old_len + add);
	if (out == NULL)
		return NULL;
	out->dal_ver = DAOS_ACL_VERSION;
	for (cur = acl == NULL ? NULL : daos_acl_get_next_ace(acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(acl, cur)) {
		size_t sz = DC_ACE_HDR + cur->dae_principal_len;

		if (!placed && dc_ace_same(cur, ace->dae_principal_type, ace->dae_principal)) {
			memcpy(out->dal_ace + off, ace, add);
			off += add;
			placed    = true;
			*replaced = true;
			continue;
		}
		if (!placed && cur->dae_principal_type > ace->dae_principal_type) {
			memcpy(out->dal_ace + off, ace, add);
			off += add;
			placed = true;
		}
		memcpy(out->dal_ace + off, cur, sz);
		off += sz;
	}
	if (!placed) {
		memcpy(out->dal_ace + off, ace, add);
		off += add;
	}
	out->dal_len = (uint32_t)off;
	return out;
}

struct daos_acl *
daos_acl_create(struct daos_ace *aces[], uint16_t num_aces)
{
	struct daos_acl *acl;

	if (num_aces > 0 && aces == NULL)
		return NULL;
	acl = calloc(1, DC_ACL_HDR);
	if (acl == NULL)
		return NULL;
	acl->dal_ver = DAOS_ACL_VERSION;
	for (uint16_t i = 0; i < num_aces; i++) {
		struct daos_acl *next;
		bool             replaced;

		if (!daos_ace_is_valid(aces[i]))
			goto err;
		next = dc_acl_with(acl, aces[i], &replaced);
		if (next == NULL || replaced) { /* a principal twice is an error */
			free(next);
			goto err;
		}
		free(acl);
		acl = next;
	}
	return acl;
err:
	free(acl);
	return NULL;
}

int
daos_acl_add_ace(struct daos_acl **acl, struct daos_ace *new_ace)
{
	struct daos_acl *next;
	bool             replaced;

	if (acl == NULL || *acl == NULL || !daos_ace_is_valid(new_ace) ||
	    daos_acl_validate(*acl) != 0)
		return -DER_INVAL;
	next = dc_acl_with(*acl, new_ace, &replaced);
	if (next == NULL)
		return (*acl)->dal_len + DC_ACE_HDR + new_ace->dae_principal_len >
			       DAOS_ACL_MAX_ACE_LEN
			   ? -DER_INVAL
			   : -DER_NOMEM;
	free(*acl);
	*acl = next;
	return 0;
}

int
daos_acl_get_ace_for_principal(struct daos_acl *acl, enum daos_acl_principal_type type,
			       const char *principal, struct daos_ace **ace)
{
	struct daos_ace *cur;

	if (acl == NULL || ace == NULL || (unsigned int)type >= NUM_DAOS_ACL_TYPES ||
	    (dc_type_named((uint8_t)type) && !daos_acl_principal_is_valid(principal)) ||
	    daos_acl_validate(acl) != 0)
		return -DER_INVAL;
	for (cur = daos_acl_get_next_ace(acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(acl, cur)) {
		if (dc_ace_same(cur, type, principal)) {
			*ace = cur;
			return 0;
		}
	}
	return -DER_NONEXIST;
}

int
daos_acl_remove_ace(struct daos_acl **acl, enum daos_acl_principal_type type,
		    const char *principal_name)
{
	struct daos_ace *victim = NULL, *cur;
	struct daos_acl *out;
	size_t           off = 0;
	int              rc;

	if (acl == NULL)
		return -DER_INVAL;
	rc = daos_acl_get_ace_for_principal(*acl, type, principal_name, &victim);
	if (rc != 0)
		return rc;
	out = calloc(1, DC_ACL_HDR + (*acl)->dal_len);
	if (out == NULL)
		return -DER_NOMEM;
	out->dal_ver = DAOS_ACL_VERSION;
	for (cur = daos_acl_get_next_ace(*acl, NULL); cur != NULL;
	     cur = daos_acl_get_next_ace(*acl, cur)) {
		if (cur == victim)
			continue;
		memcpy(out->dal_ace + off, cur, DC_ACE_HDR + cur->dae_principal_len);
		off += DC_ACE_HDR + cur->dae_principal_len;
	}
	out->dal_len = (uint32_t)off;
	free(*acl);
	*acl = out;
	return 0;
}

/* ---- strings ------------------------------------------------------------ */

int
daos_ace_to_str(struct daos_ace *ace, char *buf, size_t buf_len)
{
	char     perms[16], types[4], flags[5];
	uint64_t p = 0;
	size_t   n = 0;
	int      w;

	if (ace == NULL || buf == NULL || buf_len == 0 || !daos_ace_is_valid(ace))
		return -DER_INVAL;
	/* one permission set for all access types (the string has only one) */
	if (ace->dae_access_types & DAOS_ACL_ACCESS_ALLOW)
		p = ace->dae_allow_perms;
	else if (ace->dae_access_types & DAOS_ACL_ACCESS_AUDIT)
		p = ace->dae_audit_perms;
	else
		p = ace->dae_alarm_perms;
	if (((ace->dae_access_types & DAOS_ACL_ACCESS_AUDIT) && ace->dae_audit_perms != p) ||
	    ((ace->dae_access_types & DAOS_ACL_ACCESS_ALARM) && ace->dae_alarm_perms != p))
		return -DER_INVAL;
	if (ace->dae_access_types & DAOS_ACL_ACCESS_ALLOW)
		types[n++] = 'A';
	if (ace->dae_access_types & DAOS_ACL_ACCESS_AUDIT)
		types[n++] = 'U';
	if (ace->dae_access_types & DAOS_ACL_ACCESS_ALARM)
		types[n++] = 'L';
	types[n] = '\0';
	n        = 0;
	if (ace->dae_access_flags & DAOS_ACL_FLAG_GROUP)
		flags[n++] = 'G';
	if (ace->dae_access_flags & DAOS_ACL_FLAG_POOL_INHERIT)
		flags[n++] = 'P';
	if (ace->dae_access_flags & DAOS_ACL_FLAG_ACCESS_SUCCESS)
		flags[n++] = 'S';
	if (ace->dae_access_flags & DAOS_ACL_FLAG_ACCESS_FAIL)
		flags[n++] = 'F';
	flags[n] = '\0';
	n        = 0;
	for (size_t i = 0; i < sizeof(dc_perm_chars) / sizeof(dc_perm_chars[0]); i++)
		if (p & dc_perm_chars[i].bit)
			perms[n++] = dc_perm_chars[i].ch;
	perms[n] = '\0';
	w = snprintf(buf, buf_len, "%s:%s:%s:%s", types, flags, daos_ace_get_principal_str(ace),
		     perms);
	return w < 0 || (size_t)w >= buf_len ? -DER_TRUNC : 0;
}

int
daos_ace_from_str(const char *str, struct daos_ace **ace)
{
	char                         copy[DAOS_ACL_MAX_ACE_STR_LEN + 1];
	char                        *types, *flags, *principal, *perms, *c1, *c2, *c3;
	uint8_t                      access = 0;
	uint16_t                     fl     = 0;
	uint64_t                     p      = 0;
	enum daos_acl_principal_type type;
	struct daos_ace             *out;
	size_t                       len;

	if (str == NULL || ace == NULL)
		return -DER_INVAL;
	len = strnlen(str, sizeof(copy));
	if (len == 0 || len >= sizeof(copy))
		return -DER_INVAL;
	memcpy(copy, str, len + 1);
	c1 = strchr(copy, ':');
	c2 = c1 == NULL ? NULL : strchr(c1 + 1, ':');
	c3 = strrchr(copy, ':');
	if (c1 == NULL || c2 == NULL || c3 == c2)
		return -DER_INVAL;
	*c1       = '\0';
	*c2       = '\0';
	*c3       = '\0';
	types     = copy;
	flags     = c1 + 1;
	principal = c2 + 1;
	perms     = c3 + 1;
	for (char *t = types; *t != '\0'; t++) {
		uint8_t bit = *t == 'A' ? DAOS_ACL_ACCESS_ALLOW
			      : *t == 'U' ? DAOS_ACL_ACCESS_AUDIT
			      : *t == 'L' ? DAOS_ACL_ACCESS_ALARM
					  : 0;

		if (bit == 0 || (access & bit))
			return -DER_INVAL;
		access |= bit;
	}
	for (char *f = flags; *f != '\0'; f++) {
		uint16_t bit = *f == 'G' ? DAOS_ACL_FLAG_GROUP
			       : *f == 'P' ? DAOS_ACL_FLAG_POOL_INHERIT
			       : *f == 'S' ? DAOS_ACL_FLAG_ACCESS_SUCCESS
			       : *f == 'F' ? DAOS_ACL_FLAG_ACCESS_FAIL
					   : 0;

		if (bit == 0 || (fl & bit))
			return -DER_INVAL;
		fl |= bit;
	}
	for (char *q = perms; *q != '\0'; q++) {
		size_t i;

		for (i = 0; i < sizeof(dc_perm_chars) / sizeof(dc_perm_chars[0]); i++)
			if (dc_perm_chars[i].ch == *q)
				break;
		if (i == sizeof(dc_perm_chars) / sizeof(dc_perm_chars[0]) ||
		    (p & dc_perm_chars[i].bit))
			return -DER_INVAL;
		p |= dc_perm_chars[i].bit;
	}
	if (strcmp(principal, DAOS_ACL_PRINCIPAL_OWNER) == 0)
		type = DAOS_ACL_OWNER;
	else if (strcmp(principal, DAOS_ACL_PRINCIPAL_OWNER_GRP) == 0)
		type = DAOS_ACL_OWNER_GROUP;
	else if (strcmp(principal, DAOS_ACL_PRINCIPAL_EVERYONE) == 0)
		type = DAOS_ACL_EVERYONE;
	else
		type = (fl & DAOS_ACL_FLAG_GROUP) ? DAOS_ACL_GROUP : DAOS_ACL_USER;
	out = daos_ace_create(type, principal);
	if (out == NULL)
		return dc_type_named((uint8_t)type) && !daos_acl_principal_is_valid(principal)
			   ? -DER_INVAL
			   : -DER_NOMEM;
	out->dae_access_types = access;
	out->dae_access_flags = fl;
	if (access & DAOS_ACL_ACCESS_ALLOW)
		out->dae_allow_perms = p;
	if (access & DAOS_ACL_ACCESS_AUDIT)
		out->dae_audit_perms = p;
	if (access & DAOS_ACL_ACCESS_ALARM)
		out->dae_alarm_perms = p;
	if (!daos_ace_is_valid(out)) {
		daos_ace_free(out);
		return -DER_INVAL;
	}
	*ace = out;
	return 0;
}

int
daos_acl_from_strs(const char **ace_strs, size_t ace_nr, struct daos_acl **acl)
{
	struct daos_ace **aces;
	struct daos_acl  *out;
	int               rc = 0;

	if (ace_strs == NULL || ace_nr == 0 || ace_nr > UINT16_MAX || acl == NULL)
		return -DER_INVAL;
	aces = calloc(ace_nr, sizeof(*aces));
	if (aces == NULL)
		return -DER_NOMEM;
	for (size_t i = 0; i < ace_nr && rc == 0; i++)
		rc = daos_ace_from_str(ace_strs[i], &aces[i]);
	if (rc == 0) {
		out = daos_acl_create(aces, (uint16_t)ace_nr);
		if (out == NULL)
			rc = -DER_INVAL; /* a principal twice, or too large */
		else
			*acl = out;
	}
	for (size_t i = 0; i < ace_nr; i++)
		daos_ace_free(aces[i]);
	free(aces);
	return rc;
}

int
daos_acl_to_strs(struct daos_acl *acl, char ***ace_strs, size_t *ace_nr)
{
	struct daos_ace *ace;
	char           **strs;
	size_t           nr = 0, i = 0;
	int              rc = 0;

	if (acl == NULL || ace_strs == NULL || ace_nr == NULL || daos_acl_validate(acl) != 0)
		return -DER_INVAL;
	for (ace = daos_acl_get_next_ace(acl, NULL); ace != NULL;
	     ace = daos_acl_get_next_ace(acl, ace))
		nr++;
	strs = calloc(nr > 0 ? nr : 1, sizeof(*strs));
	if (strs == NULL)
		return -DER_NOMEM;
	for (ace = daos_acl_get_next_ace(acl, NULL); ace != NULL && rc == 0;
	     ace = daos_acl_get_next_ace(acl, ace), i++) {
		strs[i] = malloc(DAOS_ACL_MAX_ACE_STR_LEN + 1);
		if (strs[i] == NULL)
			rc = -DER_NOMEM;
		else
			rc = daos_ace_to_str(ace, strs[i], DAOS_ACL_MAX_ACE_STR_LEN + 1);
	}
	if (rc != 0) {
		for (size_t k = 0; k < nr; k++)
			free(strs[k]);
		free(strs);
		return rc;
	}
	*ace_strs = strs;
	*ace_nr   = nr;
	return 0;
}

void
daos_ace_dump(struct daos_ace *ace, uint32_t tabs)
{
	char str[DAOS_ACL_MAX_ACE_STR_LEN + 1];

	if (tabs > 16)
		tabs = 16;
	if (ace == NULL) {
		printf("%*sACE: NULL\n", (int)tabs * 8, "");
		return;
	}
	if (daos_ace_to_str(ace, str, sizeof(str)) != 0)
		snprintf(str, sizeof(str), "(invalid: type %u, %u bytes of principal)",
			 ace->dae_principal_type, ace->dae_principal_len);
	printf("%*sACE: %s\n", (int)tabs * 8, "", str);
}

void
daos_acl_dump(struct daos_acl *acl)
{
	struct daos_ace *ace;

	if (acl == NULL) {
		printf("ACL: NULL\n");
		return;
	}
	printf("ACL: version %u, %u bytes of entries\n", acl->dal_ver, acl->dal_len);
	for (ace = daos_acl_get_next_ace(acl, NULL); ace != NULL;
	     ace = daos_acl_get_next_ace(acl, ace))
		daos_ace_dump(ace, 1);
}

/* ---- principals ---------------------------------------------------------- */

static int
dc_principal_name(const char *name, char **out)
{
	size_t len = strlen(name);
	char  *p;

	if (len + 1 > DAOS_ACL_MAX_PRINCIPAL_LEN)
		return -DER_INVAL;
	p = malloc(len + 2);
	if (p == NULL)
		return -DER_NOMEM;
	memcpy(p, name, len);
	p[len]     = '@';
	p[len + 1] = '\0';
	*out       = p;
	return 0;
}

int
daos_acl_uid_to_principal(uid_t uid, char **name)
{
	struct passwd pw, *res = NULL;
	char         *buf;
	int           rc;

	if (name == NULL)
		return -DER_INVAL;
	buf = malloc(DC_PWBUF_MAX);
	if (buf == NULL)
		return -DER_NOMEM;
	if (getpwuid_r(uid, &pw, buf, DC_PWBUF_MAX, &res) != 0 || res == NULL)
		rc = -DER_NONEXIST;
	else
		rc = dc_principal_name(pw.pw_name, name);
	free(buf);
	return rc;
}

int
daos_acl_gid_to_principal(gid_t gid, char **name)
{
	struct group gr, *res = NULL;
	char        *buf;
	int          rc;

	if (name == NULL)
		return -DER_INVAL;
	buf = malloc(DC_PWBUF_MAX);
	if (buf == NULL)
		return -DER_NOMEM;
	if (getgrgid_r(gid, &gr, buf, DC_PWBUF_MAX, &res) != 0 || res == NULL)
		rc = -DER_NONEXIST;
	else
		rc = dc_principal_name(gr.gr_name, name);
	free(buf);
	return rc;
}

/* "name@domain" -> "name" in out[size]. */
static int
dc_principal_user(const char *principal, char *out, size_t size)
{
	const char *at;

	if (!daos_acl_principal_is_valid(principal))
		return -DER_INVAL;
	at = strchr(principal, '@');
	if ((size_t)(at - principal) >= size)
		return -DER_INVAL;
	memcpy(out, principal, (size_t)(at - principal));
	out[at - principal] = '\0';
	return 0;
}

int
daos_acl_principal_to_uid(const char *principal, uid_t *uid)
{
	char          user[DAOS_ACL_MAX_PRINCIPAL_BUF_LEN];
	struct passwd pw, *res = NULL;
	char         *buf;
	int           rc;

	if (uid == NULL || dc_principal_user(principal, user, sizeof(user)) != 0)
		return -DER_INVAL;
	buf = malloc(DC_PWBUF_MAX);
	if (buf == NULL)
		return -DER_NOMEM;
	rc = (getpwnam_r(user, &pw, buf, DC_PWBUF_MAX, &res) != 0 || res == NULL) ? -DER_NONEXIST
										   : 0;
	if (rc == 0)
		*uid = pw.pw_uid;
	free(buf);
	return rc;
}

int
daos_acl_principal_to_gid(const char *principal, gid_t *gid)
{
	char         grp[DAOS_ACL_MAX_PRINCIPAL_BUF_LEN];
	struct group gr, *res = NULL;
	char        *buf;
	int          rc;

	if (gid == NULL || dc_principal_user(principal, grp, sizeof(grp)) != 0)
		return -DER_INVAL;
	buf = malloc(DC_PWBUF_MAX);
	if (buf == NULL)
		return -DER_NOMEM;
	rc = (getgrnam_r(grp, &gr, buf, DC_PWBUF_MAX, &res) != 0 || res == NULL) ? -DER_NONEXIST
										  : 0;
	if (rc == 0)
		*gid = gr.gr_gid;
	free(buf);
	return rc;
}

/* ---- the text form the MS stores ------------------------------------------ */

char *
dc_acl_to_text(struct daos_acl *acl)
{
	char  **strs = NULL;
	size_t  nr = 0, len = 1;
	char   *out;
	int     rc;

	rc = daos_acl_to_strs(acl, &strs, &nr);
	if (rc != 0)
		return NULL;
	for (size_t i = 0; i < nr; i++)
		len += strlen(strs[i]) + 1;
	out = malloc(len);
	if (out != NULL) {
		out[0] = '\0';
		for (size_t i = 0; i < nr; i++) {
			if (i > 0)
				strcat(out, ",");
			strcat(out, strs[i]);
		}
	}
	for (size_t i = 0; i < nr; i++)
		free(strs[i]);
	free(strs);
	return out;
}

int
dc_acl_from_text(const char *text, struct daos_acl **acl)
{
	const char *strs[DC_PROP_VALUE_MAX / 8];
	char        copy[DC_PROP_VALUE_MAX];
	char       *save = NULL, *tok;
	size_t      nr   = 0;

	if (text == NULL || dc_strcpy(copy, sizeof(copy), text) != 0)
		return -DER_INVAL;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (nr == sizeof(strs) / sizeof(strs[0]))
			return -DER_INVAL;
		strs[nr++] = tok;
	}
	if (nr == 0)
		return -DER_INVAL;
	return daos_acl_from_strs(strs, nr, acl);
}

struct daos_acl *
dc_acl_default_cont(void)
{
	const char      *strs[] = {"A::OWNER@:rwdtTaAo", "A:G:GROUP@:rwtT"};
	struct daos_acl *acl    = NULL;

	return daos_acl_from_strs(strs, 2, &acl) == 0 ? acl : NULL;
}
