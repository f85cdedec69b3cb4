/*
 * vos_tx.c: group commit, the sticky failed state and the read transaction.
 *
 * States of the write side (vp_tx_state), plus the sticky vp_failed:
 *
 *     IDLE --vos_tx_begin / implicit update--> OPEN
 *     OPEN --commit ok--> IDLE
 *     OPEN --blob write/flush, commit or sync fails--> IDLE + FAILED (sticky)
 *     OPEN --internal error in a put--> POISONED (LMDB txn already aborted)
 *     OPEN --vos_tx_abort--> IDLE
 *     POISONED --vos_tx_commit (returns the error) / vos_tx_abort--> IDLE
 *
 * Invariants
 *   T1. vp_wtx.th_txn != NULL exactly when vp_tx_state == OPEN.
 *   T2. Nothing is written while vp_failed != 0: after a failed commit or
 *       sync the kernel may have dropped dirty pages, so no later write may
 *       ever be acknowledged as durable (fail-stop, like MDB_PANIC).
 *   T3. 0 is returned by a commit only after mdb_txn_commit and
 *       mdb_env_sync(env, 1) both succeeded (MDB_NOMETASYNC: data pages are
 *       synced by the commit, the meta page by the sync).
 *   T4. The read transaction is reset before every commit, so the next fetch
 *       sees the new state and no reader pins the snapshot the commit frees.
 *   T5. The batch's blob writes have completed and the blob device has been
 *       flushed (once) before the LMDB commit (vos_blob.c, B4); a failure of
 *       either aborts the transaction and fails the pool, so no index ever
 *       references data that is not durable.
 *   T6. Every commit writes VOS_TXN_KEY, so it is a real LMDB transaction
 *       even when the batch staged nothing (vos_internal.h).
 */
#define D_LOGFAC DD_FAC(vos)

#include <assert.h>
#include <errno.h>

#include "gurt/log.h"
#include "vos/vos_internal.h"

int
vos_mdb2der(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
	case ENOSPC:
		return -DER_NOSPACE;
	case ENOMEM:
		return -DER_NOMEM;
	case MDB_NOTFOUND:
	case ENOENT:
		return -DER_NONEXIST;
	case EACCES:
	case EPERM:
		return -DER_NO_PERM;
	case EBUSY:
	case EAGAIN:
		return -DER_BUSY;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		return -DER_DF_INVAL;
	case MDB_READERS_FULL:
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_DBS_FULL:
	case MDB_MAP_RESIZED:
		return -DER_OVERFLOW;
	case EINVAL:
		return -DER_INVAL;
	default:
		return -DER_IO;
	}
}

int
vos_txh_cursor(struct vos_pool *pool, struct vos_txh *th, enum vos_db db, MDB_cursor **cur)
{
	int rc;

	if (th->th_cur[db] == NULL) {
		rc = mdb_cursor_open(th->th_txn, pool->vp_dbi[db], &th->th_cur[db]);
		if (rc != 0) {
			th->th_cur[db] = NULL;
			return vos_mdb2der(rc);
		}
		th->th_cur_gen[db] = th->th_gen;
	} else if (th->th_rdonly && th->th_cur_gen[db] != th->th_gen) {
		/* Read cursors survive reset/renew of their transaction but must be renewed. */
		rc = mdb_cursor_renew(th->th_txn, th->th_cur[db]);
		if (rc != 0)
			return vos_mdb2der(rc);
		th->th_cur_gen[db] = th->th_gen;
	}
	*cur = th->th_cur[db];
	return 0;
}

/* ---- Read transaction ---- */

int
vos_rtx_get(struct vos_pool *pool, struct vos_txh **th)
{
	struct vos_txh *r = &pool->vp_rtx;
	int             rc;

	if (!pool->vp_rtx_active) {
		if (r->th_txn == NULL)
			rc = mdb_txn_begin(pool->vp_env, NULL, MDB_RDONLY, &r->th_txn);
		else
			rc = mdb_txn_renew(r->th_txn);
		if (rc != 0) {
			D_ERROR("read transaction: %s\n", mdb_strerror(rc));
			return vos_mdb2der(rc);
		}
		r->th_rdonly = true;
		r->th_gen++;
		pool->vp_rtx_active = true;
		/* Most pools have no punch at all: reads then skip the punch table. */
		{
			MDB_stat st;

			pool->vp_rtx_punches = UINT64_MAX;
			if (mdb_stat(r->th_txn, pool->vp_dbi[VOS_DB_PUNCH], &st) == 0)
				pool->vp_rtx_punches = st.ms_entries;
		}
	}
	*th = r;
	return 0;
}

void
vos_rtx_reset(struct vos_pool *pool)
{
	if (pool->vp_rtx_active) {
		mdb_txn_reset(pool->vp_rtx.th_txn);
		pool->vp_rtx_active = false;
	}
}

void
vos_rtx_fini(struct vos_pool *pool)
{
	struct vos_txh *r = &pool->vp_rtx;

	for (int db = 0; db < VOS_DB_NR; db++) {
		if (r->th_cur[db] != NULL)
			mdb_cursor_close(r->th_cur[db]);
		r->th_cur[db] = NULL;
	}
	if (r->th_txn != NULL)
		mdb_txn_abort(r->th_txn);
	r->th_txn           = NULL;
	pool->vp_rtx_active = false;
}

/* ---- Write transaction ---- */

static void
wtx_forget(struct vos_pool *pool)
{
	/* LMDB frees the cursors of a write transaction when it ends. */
	for (int db = 0; db < VOS_DB_NR; db++)
		pool->vp_wtx.th_cur[db] = NULL;
	pool->vp_wtx.th_txn = NULL;
	pool->vp_tx_state   = VOS_TX_IDLE;
	vos_cont_clear_deltas(pool);
}

int
vos_wtx_begin_raw(struct vos_pool *pool)
{
	MDB_txn *txn;
	int      rc;

	assert(pool->vp_tx_state == VOS_TX_IDLE && pool->vp_wtx.th_txn == NULL);
	if (pool->vp_failed != 0)
		return pool->vp_failed;
	rc = mdb_txn_begin(pool->vp_env, NULL, 0, &txn);
	if (rc != 0) {
		D_ERROR("write transaction: %s\n", mdb_strerror(rc));
		return vos_mdb2der(rc);
	}
	pool->vp_wtx.th_txn    = txn;
	pool->vp_wtx.th_rdonly = false;
	pool->vp_tx_state      = VOS_TX_OPEN;
	rc = vos_space_txn_begin(pool);
	/* Blob extents freed by earlier, durable commits become reusable here (B3). */
	if (rc == 0)
		rc = vos_blob_release(pool);
	if (rc != 0)
		vos_wtx_abort_raw(pool);
	return rc;
}

void
vos_wtx_abort_raw(struct vos_pool *pool)
{
	/* B6: no write of the batch may land after its allocations are undone. */
	vos_blob_tx_reset(pool, false);
	if (pool->vp_wtx.th_txn != NULL)
		mdb_txn_abort(pool->vp_wtx.th_txn);
	wtx_forget(pool);
}

/* Enters the sticky failed state; returns `rc` for the failing call. */
static int
fail_sticky(struct vos_pool *pool, const char *what, int mdb_rc, int rc)
{
	if (mdb_rc != 0)
		D_ERROR("%s: %s failed (%s); the pool refuses writes until it is closed\n",
			pool->vp_dir, what, mdb_strerror(mdb_rc));
	else
		D_ERROR("%s: %s failed (" DF_RC "); the pool refuses writes until it is closed\n",
			pool->vp_dir, what, DP_RC(rc));
	pool->vp_failed = -DER_IO;
	return rc;
}

int
vos_wtx_commit_raw(struct vos_pool *pool)
{
	MDB_txn       *txn   = pool->vp_wtx.th_txn;
	enum vos_fault fault = pool->vp_fault;
	int            rc;

	assert(pool->vp_tx_state == VOS_TX_OPEN && txn != NULL);
	rc = vos_cont_flush_deltas(pool);
	if (rc == 0) {
		uint8_t seq[8];
		MDB_val k = {.mv_size = sizeof(VOS_TXN_KEY) - 1, .mv_data = VOS_TXN_KEY};
		MDB_val v = {.mv_size = sizeof(seq), .mv_data = seq};

		d_put_le64(seq, pool->vp_commit_seq + 1);
		rc = vos_mdb2der(mdb_put(txn, pool->vp_dbi[VOS_DB_HDR], &k, &v, 0));
	}
	if (rc != 0) {
		vos_wtx_abort_raw(pool);
		return rc;
	}
	/* T5: the data first, durable on the device, then the index that references it. */
	rc = vos_blob_tx_complete(pool);
	if (rc != 0) {
		vos_wtx_abort_raw(pool);
		return fail_sticky(pool, "blob write or flush", 0, rc);
	}
	if (pool->vp_hook != NULL)
		pool->vp_hook(pool->vp_hook_arg); /* the crash test's window */
	vos_rtx_reset(pool); /* T4 */
	if (fault == VOS_FAULT_COMMIT) {
		pool->vp_fault = VOS_FAULT_NONE;
		vos_wtx_abort_raw(pool);
		return fail_sticky(pool, "commit", 0, -DER_IO);
	}
	rc = mdb_txn_commit(txn);
	wtx_forget(pool);
	if (rc != 0) {
		vos_blob_tx_reset(pool, false);
		return fail_sticky(pool, "commit", rc, -DER_IO);
	}
	pool->vp_commit_seq++;
	vos_blob_tx_reset(pool, true);
	if (fault == VOS_FAULT_SYNC) {
		pool->vp_fault = VOS_FAULT_NONE;
		return fail_sticky(pool, "sync", 0, -DER_IO);
	}
	rc = mdb_env_sync(pool->vp_env, 1);
	if (rc != 0)
		return fail_sticky(pool, "sync", rc, -DER_IO);
	return 0;
}

int
vos_wtx_enter(struct vos_pool *pool, bool *implicit)
{
	int rc;

	*implicit = false;
	if (pool->vp_failed != 0)
		return pool->vp_failed;
	if (pool->vp_tx_state == VOS_TX_POISONED)
		return pool->vp_tx_rc;
	if (pool->vp_tx_state == VOS_TX_OPEN)
		return 0;
	rc = vos_wtx_begin_raw(pool);
	if (rc == 0)
		*implicit = true;
	return rc;
}

int
vos_wtx_leave(struct vos_pool *pool, bool implicit, int rc)
{
	if (!implicit)
		return rc;
	if (pool->vp_tx_state == VOS_TX_POISONED) {
		/* The implicit batch was this call alone: nothing else to report it to. */
		pool->vp_tx_state = VOS_TX_IDLE;
		return rc;
	}
	if (rc == -DER_NOSPACE) {
		/*
		 * Commit the empty batch anyway: pages the last commit freed become
		 * reusable only after another commit, and with every update refused
		 * none would ever come.
		 */
		int rc2 = vos_wtx_commit_raw(pool);

		return rc2 != 0 ? rc2 : rc;
	}
	if (rc != 0) {
		vos_wtx_abort_raw(pool);
		return rc;
	}
	return vos_wtx_commit_raw(pool);
}

void
vos_wtx_poison(struct vos_pool *pool, int rc)
{
	D_ERROR("%s: batch aborted: " DF_RC "\n", pool->vp_dir, DP_RC(rc));
	vos_wtx_abort_raw(pool);
	pool->vp_tx_state = VOS_TX_POISONED;
	pool->vp_tx_rc    = rc;
}

/* ---- Public batch API ---- */

int
vos_tx_begin(struct vos_pool *pool)
{
	if (pool == NULL)
		return -DER_INVAL;
	if (pool->vp_failed != 0)
		return pool->vp_failed;
	if (pool->vp_tx_state != VOS_TX_IDLE)
		return -DER_INPROGRESS;
	return vos_wtx_begin_raw(pool);
}

int
vos_tx_commit(struct vos_pool *pool)
{
	if (pool == NULL)
		return -DER_INVAL;
	switch (pool->vp_tx_state) {
	case VOS_TX_IDLE:
		return -DER_INVAL;
	case VOS_TX_POISONED:
		pool->vp_tx_state = VOS_TX_IDLE;
		return pool->vp_tx_rc;
	default:
		return vos_wtx_commit_raw(pool);
	}
}

void
vos_tx_abort(struct vos_pool *pool)
{
	if (pool == NULL)
		return;
	if (pool->vp_tx_state == VOS_TX_OPEN)
		vos_wtx_abort_raw(pool);
	pool->vp_tx_state = VOS_TX_IDLE;
}

void
vos_fault_inject(struct vos_pool *pool, enum vos_fault where)
{
	if (pool != NULL)
		pool->vp_fault = where;
}

void
vos_commit_hook_set(struct vos_pool *pool, vos_commit_hook_t fn, void *arg)
{
	if (pool == NULL)
		return;
	pool->vp_hook     = fn;
	pool->vp_hook_arg = arg;
}
