/*
 * dc_tx.c: transactions (daos_api.h). What is implemented is the read-only
 * snapshot transaction: a handle naming (container, snapshot epoch) that
 * every fetch and enumeration through it reads at. Epoch 0 in a request is
 * "now" for updates and "latest" for reads (C3), which is what DAOS_TX_NONE
 * means. Read-write distributed transactions need server support that does
 * not exist yet, so daos_tx_open() is not provided (an application using it
 * fails to link, naming the symbol, instead of failing at run time).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "client_internal.h"

struct dc_tx {
	struct dc_hdl   tx_hdl;
	struct dc_cont *tx_cont;
	daos_epoch_t    tx_epoch;
};

static void
dc_tx_free_hdl(struct dc_hdl *hdl)
{
	struct dc_tx *tx = container_of(hdl, struct dc_tx, tx_hdl);

	dc_cont_put(tx->tx_cont);
	free(tx);
}

static struct dc_tx *
dc_tx_get(daos_handle_t th)
{
	struct dc_hdl *h = dc_hdl_lookup(th, DC_HDL_TX);

	return h == NULL ? NULL : container_of(h, struct dc_tx, tx_hdl);
}

int
dc_tx_epoch(daos_handle_t th, struct dc_cont *cont, bool write, daos_epoch_t *epoch)
{
	struct dc_tx *tx;
	int           rc = 0;

	if (daos_handle_is_inval(th)) {
		*epoch = 0;
		return 0;
	}
	tx = dc_tx_get(th);
	if (tx == NULL)
		return -DER_NO_HDL;
	if (uuid_compare(tx->tx_cont->dc_uuid, cont->dc_uuid) != 0)
		rc = -DER_INVAL; /* a transaction of another container */
	else if (write)
		rc = -DER_NO_PERM; /* snapshots are read-only */
	else
		*epoch = tx->tx_epoch;
	dc_hdl_decref(&tx->tx_hdl);
	return rc;
}

struct dc_tx_snap_args {
	struct dc_cont *sa_cont;
	daos_epoch_t    sa_epoch;
	daos_handle_t  *sa_th;
};

static int
dc_tx_open_snap_fn(void *arg)
{
	struct dc_tx_snap_args *sa = arg;
	daos_epoch_t           *epochs = NULL;
	uint32_t                nr = 0;
	bool                    found = false;
	struct dc_tx           *tx;
	int                     rc;

	rc = dc_cont_snapshots(sa->sa_cont, &epochs, NULL, &nr);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < nr && !found; i++)
		found = epochs[i] == sa->sa_epoch;
	free(epochs);
	if (!found) {
		D_ERROR("daos_tx_open_snap: epoch %" PRIu64 " is not a snapshot of container %s\n",
			sa->sa_epoch, sa->sa_cont->dc_uuid_str);
		return -DER_NONEXIST;
	}
	tx = calloc(1, sizeof(*tx));
	if (tx == NULL)
		return -DER_NOMEM;
	dc_hdl_init(&tx->tx_hdl, DC_HDL_TX, dc_tx_free_hdl);
	dc_hdl_addref(&sa->sa_cont->dc_hdl);
	tx->tx_cont  = sa->sa_cont;
	tx->tx_epoch = sa->sa_epoch;
	rc           = dc_hdl_insert(&tx->tx_hdl, sa->sa_th);
	dc_hdl_decref(&tx->tx_hdl);
	return rc;
}

int
daos_tx_open_snap(daos_handle_t coh, daos_epoch_t epoch, daos_handle_t *th, daos_event_t *ev)
{
	struct dc_tx_snap_args sa = {NULL, epoch, th};
	int                    rc;

	if (th == NULL || epoch == 0 || epoch == DAOS_EPOCH_MAX)
		return -DER_INVAL;
	sa.sa_cont = dc_cont_get(coh);
	if (sa.sa_cont == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, dc_tx_open_snap_fn, &sa);
	dc_cont_put(sa.sa_cont);
	return rc;
}

static int
dc_tx_nop_fn(void *arg)
{
	(void)arg;
	return 0;
}

static int
dc_tx_close_fn(void *arg)
{
	return dc_hdl_delete(arg);
}

static int
dc_tx_simple(daos_handle_t th, daos_event_t *ev, bool close)
{
	struct dc_tx *tx = dc_tx_get(th);
	int           rc;

	if (tx == NULL)
		return -DER_NO_HDL;
	rc = dc_ev_run_sync(ev, close ? dc_tx_close_fn : dc_tx_nop_fn, &tx->tx_hdl);
	dc_hdl_decref(&tx->tx_hdl);
	return rc;
}

int
daos_tx_commit(daos_handle_t th, daos_event_t *ev)
{
	return dc_tx_simple(th, ev, false);
}

int
daos_tx_abort(daos_handle_t th, daos_event_t *ev)
{
	return dc_tx_simple(th, ev, false);
}

int
daos_tx_restart(daos_handle_t th, daos_event_t *ev)
{
	return dc_tx_simple(th, ev, false);
}

int
daos_tx_close(daos_handle_t th, daos_event_t *ev)
{
	return dc_tx_simple(th, ev, true);
}

int
daos_tx_hdl2epoch(daos_handle_t th, daos_epoch_t *epoch)
{
	struct dc_tx *tx;

	if (epoch == NULL)
		return -DER_INVAL;
	tx = dc_tx_get(th);
	if (tx == NULL)
		return -DER_NO_HDL;
	*epoch = tx->tx_epoch;
	dc_hdl_decref(&tx->tx_hdl);
	return 0;
}
