/*
 * daos_cont.h: containers: create, open, query, properties, attributes,
 * snapshots, object id allocation and handle sharing.
 *
 * A container is named by its label or its UUID string. As in DAOS,
 * daos_cont_create, daos_cont_open and daos_cont_destroy are macros for the
 * ...2 functions. A missing container is exactly -DER_NONEXIST.
 */
#ifndef DAOS_CONT_H
#define DAOS_CONT_H

#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include <daos_prop.h>
#include <daos_security.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Open modes: read-only, read-write, exclusive; the others are accepted and
 * have no effect here (force, read-only metadata statistics, evict).
 */
#define DAOS_COO_RO         (1U << 0)
#define DAOS_COO_RW         (1U << 1)
#define DAOS_COO_EX         (1U << 2)
#define DAOS_COO_FORCE      (1U << 3)
#define DAOS_COO_RO_MDSTATS (1U << 4)
#define DAOS_COO_EVICT      (1U << 5)
#define DAOS_COO_EVICT_ALL  (1U << 6)
#define DAOS_COO_NBITS      (7)
#define DAOS_COO_MASK       ((1U << DAOS_COO_NBITS) - 1)

/** Container information. */
typedef struct {
	uuid_t        ci_uuid;
	daos_epoch_t  ci_lsnapshot;   /**< latest snapshot, 0 when none */
	uint32_t      ci_nhandles;
	uint32_t      ci_nsnapshots;
	daos_epoch_t  ci_md_otime;    /**< last open (HLC) */
	daos_epoch_t  ci_md_mtime;    /**< last metadata change (HLC) */
	uint32_t      ci_redun_fac;
	uint32_t      ci_pad;
} daos_cont_info_t;

/** Snapshot options of daos_cont_create_snap_opt(). */
enum daos_snapshot_opts {
	DAOS_SNAP_OPT_CR  = (1 << 0), /**< create the snapshot */
	DAOS_SNAP_OPT_OIT = (1 << 1), /**< and make its object table listable (daos_oit_*) */
};

/**
 * Create a container; *uuid (may be NULL) receives its UUID. cont_prop (may
 * be NULL) may carry a label and any DAOS_PROP_CO_* of the create-time set.
 * -DER_EXIST (label taken), -DER_INVAL (bad property), -DER_NO_HDL.
 */
int daos_cont_create2(daos_handle_t poh, uuid_t *uuid, daos_prop_t *cont_prop, daos_event_t *ev);
#define daos_cont_create daos_cont_create2

/** Create a container labelled `label` (which wins over a label in cont_prop). */
int daos_cont_create_with_label(daos_handle_t poh, const char *label, daos_prop_t *cont_prop,
				uuid_t *uuid, daos_event_t *ev);

/**
 * Open container `cont` (label or UUID string) with DAOS_COO_RO or _RW.
 * info may be NULL. -DER_NONEXIST for a missing container.
 */
int daos_cont_open2(daos_handle_t poh, const char *cont, unsigned int flags, daos_handle_t *coh,
		    daos_cont_info_t *info, daos_event_t *ev);
#define daos_cont_open daos_cont_open2

/** Close a container handle (object handles of it stay usable until closed). */
int daos_cont_close(daos_handle_t coh, daos_event_t *ev);

/**
 * Destroy container `cont` (label or UUID) and its objects on every target.
 * -DER_NONEXIST, or what daos_server refuses (e.g. -DER_BUSY).
 */
int daos_cont_destroy2(daos_handle_t poh, const char *cont, int force, daos_event_t *ev);
#define daos_cont_destroy daos_cont_destroy2

/**
 * Query: info (may be NULL) and cont_prop (may be NULL; each entry's
 * dpe_type says what to fill; every DAOS_PROP_CO_* type is accepted, those
 * with no stored value get DAOS's default; an empty list (dpp_nr 0) gets
 * every property). Strings and structures are allocated: release with
 * daos_prop_free()/daos_prop_fini().
 */
int daos_cont_query(daos_handle_t coh, daos_cont_info_t *info, daos_prop_t *cont_prop,
		    daos_event_t *ev);

/** The ACL, owner and owner group as a new property list (free with daos_prop_free()). */
int daos_cont_get_acl(daos_handle_t coh, daos_prop_t **acl_prop, daos_event_t *ev);

/** Change properties (label, ACL, owner, group, status, max snapshots). -DER_INVAL for others. */
int daos_cont_set_prop(daos_handle_t coh, daos_prop_t *prop, daos_event_t *ev);

/** Set the container's status back to HEALTHY. */
int daos_cont_status_clear(daos_handle_t coh, daos_event_t *ev);

/** Replace the ACL. */
int daos_cont_overwrite_acl(daos_handle_t coh, struct daos_acl *acl, daos_event_t *ev);

/** Add or replace entries of the ACL. */
int daos_cont_update_acl(daos_handle_t coh, struct daos_acl *acl, daos_event_t *ev);

/** Remove a principal's entry. -DER_NONEXIST when absent. */
int daos_cont_delete_acl(daos_handle_t coh, enum daos_acl_principal_type type, char *name,
			 daos_event_t *ev);

/** Change owner and/or group (NULL: unchanged). */
int daos_cont_set_owner(daos_handle_t coh, char *user, char *group, daos_event_t *ev);

/** As daos_pool_list_attr(), for the container. */
int daos_cont_list_attr(daos_handle_t coh, char *buffer, size_t *size, daos_event_t *ev);
/** As daos_pool_get_attr(), for the container. */
int daos_cont_get_attr(daos_handle_t coh, int n, char const *const names[],
		       void *const buffers[], size_t sizes[], daos_event_t *ev);
/** As daos_pool_set_attr(), for the container. */
int daos_cont_set_attr(daos_handle_t coh, int n, char const *const names[],
		       void const *const values[], size_t const sizes[], daos_event_t *ev);
/** As daos_pool_del_attr(), for the container. */
int daos_cont_del_attr(daos_handle_t coh, int n, char const *const names[], daos_event_t *ev);

/**
 * Reserve num_oids object ids; *oid receives the first (use oid.lo = *oid +
 * i, oid.hi = 0, then daos_obj_generate_oid()). Unique in the container.
 */
int daos_cont_alloc_oids(daos_handle_t coh, daos_size_t num_oids, uint64_t *oid,
			 daos_event_t *ev);

/** Snapshot now; *epoch receives its epoch. name may be NULL. */
int daos_cont_create_snap(daos_handle_t coh, daos_epoch_t *epoch, char *name, daos_event_t *ev);

/** Snapshot with options (DAOS_SNAP_OPT_CR, DAOS_SNAP_OPT_OIT). */
int daos_cont_create_snap_opt(daos_handle_t coh, daos_epoch_t *epoch, char *name,
			      enum daos_snapshot_opts opts, daos_event_t *ev);

/**
 * List snapshots: *nr in the capacity of epochs[] (and names[], each a buffer
 * of DAOS_PROP_LABEL_MAX_LEN + 1 bytes; either may be NULL), out the number
 * of snapshots. anchor may be NULL (everything at once); with an anchor the
 * list continues where the previous call stopped and the anchor reaches EOF.
 */
int daos_cont_list_snap(daos_handle_t coh, int *nr, daos_epoch_t *epochs, char **names,
			daos_anchor_t *anchor, daos_event_t *ev);

/** Destroy every snapshot with an epoch in [epr.epr_lo, epr.epr_hi]. -DER_NONEXIST when none. */
int daos_cont_destroy_snap(daos_handle_t coh, daos_epoch_range_t epr, daos_event_t *ev);

/** Serialise a container handle (two-phase as daos_pool_local2global()). */
int daos_cont_local2global(daos_handle_t coh, d_iov_t *glob);

/** A container handle of pool handle poh from a blob of daos_cont_local2global(). */
int daos_cont_global2local(daos_handle_t poh, d_iov_t glob, daos_handle_t *coh);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_CONT_H */
