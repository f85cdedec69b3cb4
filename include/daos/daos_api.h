/*
 * daos_api.h: transactions and enumeration anchors.
 *
 * Supported: read-only snapshot transactions (daos_tx_open_snap()): every
 * fetch and enumeration through the handle reads the container as of the
 * snapshot's epoch, and updates through it are refused (-DER_NO_PERM).
 * Read-write distributed transactions are not provided (no daos_tx_open());
 * DAOS_TX_NONE gives independent operations.
 */
#ifndef DAOS_API_H
#define DAOS_API_H

#include <stdint.h>
#include <string.h>

#include <daos_event.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Transaction flags: read only, zero copy. */
#define DAOS_TF_RDONLY    (1 << 0)
#define DAOS_TF_ZERO_COPY (1 << 1)

/** Commit: 0 for a snapshot transaction, -DER_NO_HDL otherwise. */
int daos_tx_commit(daos_handle_t th, daos_event_t *ev);

/** Abort: 0 for a snapshot transaction, -DER_NO_HDL otherwise. */
int daos_tx_abort(daos_handle_t th, daos_event_t *ev);

/** A read-only transaction reading snapshot `epoch` of the container (it must exist). */
int daos_tx_open_snap(daos_handle_t coh, daos_epoch_t epoch, daos_handle_t *th,
		      daos_event_t *ev);

/** Release a transaction handle. */
int daos_tx_close(daos_handle_t th, daos_event_t *ev);

/** Restart: a snapshot transaction has nothing to restart (0). */
int daos_tx_restart(daos_handle_t th, daos_event_t *ev);

/** The epoch a transaction reads at. */
int daos_tx_hdl2epoch(daos_handle_t th, daos_epoch_t *epoch);

/** Reset an anchor to the start of an enumeration (opts must be 0). */
static inline int
daos_anchor_init(daos_anchor_t *anchor, unsigned int opts)
{
	if (anchor == NULL || opts != 0)
		return -DER_INVAL;
	memset(anchor, 0, sizeof(*anchor));
	return 0;
}

static inline void
daos_anchor_fini(daos_anchor_t *anchor)
{
	(void)anchor;
}

#ifdef __cplusplus
}
#endif

#endif /* DAOS_API_H */
