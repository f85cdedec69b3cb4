/*
 * eng_dev.c: RAS events raised away from the engine's system thread, and the
 * engine's reaction to device failures (docs/design.md, bio "Failure
 * semantics"; RAS events device_media_error and device_set_faulty).
 *
 * The RAS queue. Only the system thread owns the link to daos_server, so an
 * event raised by a target thread (or by any code holding only the storage)
 * is copied into the storage's bounded queue (es_ras) and the system thread is
 * woken (the notify callback, eng_loop_wake() for daos_engine); it then pops
 * the events, adds its rank and incarnation, logs the engine line and sends
 * them (engine_main.c). A full queue drops the new event after logging it
 * where it was raised; the drop is counted and reported by the next pop.
 *
 * Device failures. A target that sees a device error in a pool's I/O
 * (-DER_NVME_IO from a write, flush, read or unmap; -DER_CSUM) calls
 * eng_dev_io_check(): the device's bio error counters are compared with what
 * was already reported, and each kind of error with new occurrences raises
 * one device_media_error naming the operation and the target. When bio has
 * put the device in its sticky FAILED state (a failed write or flush), the
 * device is recorded FAULTY in SMD and device_set_faulty is raised (auto).
 * eng_dev_set_faulty() is also the manual path (dmg storage set
 * nvme-faulty).
 *
 * Invariants:
 *  1. rq_evs[(rq_head + i) % ENG_RAS_QUEUE_MAX], i < rq_nr, are the events
 *     waiting, oldest first; everything in the queue is guarded by rq_lock,
 *     which is never held while calling out (notify, logging of the event).
 *  2. ed_errs_seen[k] only moves by compare-and-swap to a value bio's counter
 *     had: each new error is reported by at most one device_media_error, even
 *     when several targets of the device notice it at once. A counter below
 *     its seen value (the device was reopened: bio's counters restart at 0)
 *     reports all of its errors.
 *  3. A device goes FAULTY in SMD only from NORMAL, under es_lock, and
 *     device_set_faulty is raised exactly when that change was written.
 */
#define D_LOGFAC DD_FAC(bio)

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <daos_errno.h>
#include "gurt/log.h"
#include "engine/eng_internal.h"

/* ---- The RAS queue ---- */

int
eng_ras_init(struct eng_storage *st)
{
	if (pthread_mutex_init(&st->es_ras.rq_lock, NULL) != 0)
		return -DER_NOMEM;
	st->es_ras.rq_head    = 0;
	st->es_ras.rq_nr      = 0;
	st->es_ras.rq_dropped = 0;
	st->es_ras.rq_notify  = NULL;
	st->es_ras.rq_arg     = NULL;
	return 0;
}

void
eng_ras_fini(struct eng_storage *st)
{
	pthread_mutex_destroy(&st->es_ras.rq_lock);
}

void
eng_ras_set_notify(struct eng_storage *st, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&st->es_ras.rq_lock);
	st->es_ras.rq_notify = fn;
	st->es_ras.rq_arg    = arg;
	pthread_mutex_unlock(&st->es_ras.rq_lock);
}

void
eng_ras_post(struct eng_storage *st, const struct d_ras_event *ev)
{
	struct eng_ras_queue *q = &st->es_ras;
	void                (*notify)(void *arg);
	void                 *arg;
	bool                  full;

	pthread_mutex_lock(&q->rq_lock);
	full = q->rq_nr == ENG_RAS_QUEUE_MAX;
	if (full)
		q->rq_dropped++;
	else
		q->rq_evs[(q->rq_head + q->rq_nr++) % ENG_RAS_QUEUE_MAX] = *ev;
	notify = q->rq_notify;
	arg    = q->rq_arg;
	pthread_mutex_unlock(&q->rq_lock);
	if (full) {
		char line[D_RAS_LINE_MAX];

		/* Invariant 1: logged outside the lock; the operator still sees it here. */
		if (d_ras_event_format(ev, D_RAS_FORM_ENGINE, line, sizeof(line)) != 0)
			snprintf(line, sizeof(line), "%s", ev->ev_id_str);
		D_ERROR("%u RAS events wait for the system thread: not sent: %s\n",
			ENG_RAS_QUEUE_MAX, line);
		return;
	}
	if (notify != NULL)
		notify(arg);
}

int
eng_ras_pop(struct eng_storage *st, struct d_ras_event *ev)
{
	struct eng_ras_queue *q = &st->es_ras;
	uint32_t              dropped;
	int                   rc = 0;

	pthread_mutex_lock(&q->rq_lock);
	dropped       = q->rq_dropped;
	q->rq_dropped = 0;
	if (q->rq_nr == 0) {
		rc = -DER_AGAIN;
	} else {
		*ev        = q->rq_evs[q->rq_head];
		q->rq_head = (q->rq_head + 1) % ENG_RAS_QUEUE_MAX;
		q->rq_nr--;
	}
	pthread_mutex_unlock(&q->rq_lock);
	if (dropped > 0)
		D_ERROR("%u RAS event(s) were dropped: the queue to the system thread was full\n",
			dropped);
	return rc;
}

void
eng_ras_raise_async(struct eng_storage *st, enum d_ras_event_id id, enum d_ras_sev sev,
		    const uuid_t pool, const uuid_t cont, const char *hwid, const char *data,
		    const char *fmt, ...)
{
	struct d_ras_event ev;
	char               msg[D_RAS_MSG_MAX * 2];
	va_list            ap;

	msg[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	if (d_ras_event_init(&ev, id, fmt != NULL ? msg : NULL) != 0) {
		D_ERROR("cannot build RAS event %d: %s\n", (int)id, msg);
		return;
	}
	if (sev != RAS_SEV_UNKNOWN)
		ev.ev_sev = sev;
	if (pool != NULL)
		d_ras_event_set_pool(&ev, pool);
	if (cont != NULL)
		d_ras_event_set_cont(&ev, cont);
	if (hwid != NULL)
		d_ras_event_set_hwid(&ev, hwid);
	if (data != NULL)
		d_ras_event_set_data(&ev, data);
	eng_ras_post(st, &ev);
}

/* ---- Devices ---- */

static const char *const dev_err_names[ENG_DEV_ERR_NR] = {
	[ENG_DEV_ERR_READ] = "read",   [ENG_DEV_ERR_WRITE] = "write",
	[ENG_DEV_ERR_FLUSH] = "flush", [ENG_DEV_ERR_UNMAP] = "unmap",
	[ENG_DEV_ERR_CSUM] = "checksum",
};

const char *
eng_dev_err_name(enum eng_dev_err kind)
{
	return (unsigned)kind < ENG_DEV_ERR_NR ? dev_err_names[kind] : NULL;
}

static const char *
bio_op_name(enum bio_op op)
{
	switch (op) {
	case BIO_OP_READ:
		return "read";
	case BIO_OP_WRITE:
		return "write";
	case BIO_OP_FLUSH:
		return "flush";
	case BIO_OP_UNMAP:
		return "unmap";
	default:
		return "I/O";
	}
}

int
eng_dev_set_faulty(struct eng_storage *st, const uuid_t dev, bool manual, const char *why)
{
	struct bio_smd_dev sd;
	char               str[37];
	char               data[D_RAS_DATA_MAX];
	size_t             off;
	int                rc;

	if (st == NULL || dev == NULL)
		return -DER_INVAL;
	uuid_unparse_lower(dev, str);
	pthread_mutex_lock(&st->es_lock);
	rc = bio_smd_dev_get(st->es_smd, dev, &sd);
	if (rc == 0 && sd.sd_state == BIO_STATE_FAULTY)
		rc = -DER_ALREADY;
	else if (rc == 0 && sd.sd_state != BIO_STATE_NORMAL)
		rc = -DER_INVAL;
	if (rc == 0)
		rc = bio_smd_dev_set_state(st->es_smd, dev, BIO_STATE_FAULTY); /* invariant 3 */
	pthread_mutex_unlock(&st->es_lock);
	if (rc == -DER_ALREADY)
		return rc;
	if (rc == -DER_INVAL) {
		D_ERROR("device %s is %s: only a NORMAL device can be set FAULTY\n", str,
			bio_dev_state_str(sd.sd_state));
		return rc;
	}
	if (rc != 0) {
		D_ERROR("device %s: cannot record the FAULTY state in SMD: " DF_RC "\n", str,
			DP_RC(rc));
		return rc;
	}
	if (manual)
		D_NOTE("device %s (%s) set FAULTY by the administrator%s%s\n", str, sd.sd_tr_addr,
		       why != NULL ? ": " : "", why != NULL ? why : "");
	else
		D_ERROR("device %s (%s) set FAULTY: %s\n", str, sd.sd_tr_addr,
			why != NULL ? why : "it failed");
	off = (size_t)snprintf(data, sizeof(data), "%s; targets", manual ? "manual" : "auto");
	for (unsigned i = 0; i < sd.sd_tgt_nr && off < sizeof(data); i++)
		off += (size_t)snprintf(data + off, sizeof(data) - off, "%s%u", i == 0 ? " " : ",",
					sd.sd_tgts[i]);
	if (sd.sd_tgt_nr == 0 && off < sizeof(data))
		off += (size_t)snprintf(data + off, sizeof(data) - off, " none");
	if (why != NULL && off < sizeof(data))
		snprintf(data + off, sizeof(data) - off, "; %s", why);
	eng_ras_raise_async(st, RAS_DEVICE_SET_FAULTY, manual ? RAS_SEV_NOTICE : RAS_SEV_ERROR,
			    NULL, NULL, sd.sd_tr_addr, data, "Device: %s set faulty", str);
	return 0;
}

/* The device of @dev (es_lock held); NULL when the engine does not know it. */
static struct eng_dev *
dev_of_bio(struct eng_storage *st, const struct bio_dev *dev)
{
	for (uint32_t i = 0; i < st->es_dev_nr; i++)
		if (st->es_devs[i].ed_dev == dev)
			return &st->es_devs[i];
	return NULL;
}

/* Invariant 2: claim the errors of one kind not reported yet; 0 when none. */
static uint64_t
errs_claim(_Atomic uint64_t *seen, uint64_t cur)
{
	uint64_t old = atomic_load(seen);

	while (cur != old) {
		if (atomic_compare_exchange_weak(seen, &old, cur))
			return cur > old ? cur - old : cur;
	}
	return 0;
}

void
eng_dev_io_check(struct eng_tgt *t, struct bio_dev *dev)
{
	struct eng_storage *st = t->t_st;
	struct bio_counters c;
	struct bio_dev_info info;
	struct eng_dev     *ed;
	uuid_t              uuid;
	char                path[BIO_PATH_MAX];
	char                str[37];
	uint64_t            cur[ENG_DEV_ERR_NR];

	if (st == NULL || dev == NULL)
		return;
	pthread_mutex_lock(&st->es_lock);
	ed = dev_of_bio(st, dev);
	if (ed != NULL) {
		uuid_copy(uuid, ed->ed_uuid);
		memcpy(path, ed->ed_path, sizeof(path));
	}
	pthread_mutex_unlock(&st->es_lock);
	if (ed == NULL)
		return;
	uuid_unparse_lower(uuid, str);
	bio_dev_counters(dev, &c);
	cur[ENG_DEV_ERR_READ]  = c.bc_read_errs;
	cur[ENG_DEV_ERR_WRITE] = c.bc_write_errs;
	cur[ENG_DEV_ERR_FLUSH] = c.bc_flush_errs;
	cur[ENG_DEV_ERR_UNMAP] = c.bc_unmap_errs;
	cur[ENG_DEV_ERR_CSUM]  = c.bc_csum_errs;
	for (int k = 0; k < ENG_DEV_ERR_NR; k++) {
		char     data[128];
		uint64_t n = errs_claim(&ed->ed_errs_seen[k], cur[k]);

		if (n == 0)
			continue;
		D_ERROR("device %s (%s): %llu new %s error(s) seen by target %u\n", str, path,
			(unsigned long long)n, dev_err_names[k], t->t_idx);
		snprintf(data, sizeof(data), "op=%s tgt=%u new_errors=%llu total=%llu",
			 dev_err_names[k], t->t_idx, (unsigned long long)n,
			 (unsigned long long)cur[k]);
		eng_ras_raise_async(st, RAS_DEVICE_MEDIA_ERROR, RAS_SEV_UNKNOWN, NULL, NULL, path,
				    data, "Device: %s %s error logged from tgt_id:%u", str,
				    dev_err_names[k], t->t_idx);
	}
	bio_dev_query(dev, &info);
	if (info.bdi_failed) {
		char why[160];

		snprintf(why, sizeof(why), "%s failed on target %u: %s",
			 bio_op_name(info.bdi_failed_op), t->t_idx,
			 strerror(info.bdi_failed_errno != 0 ? info.bdi_failed_errno : EIO));
		/* -DER_ALREADY: another target (or an earlier error) recorded it. */
		(void)eng_dev_set_faulty(st, uuid, false, why);
	}
}

/* ---- Events of work not implemented yet (rebuild, SWIM) ---- */

int
eng_ras_rebuild_event(struct d_ras_event *ev, enum d_ras_event_id id, const uuid_t pool,
		      uint32_t map_ver, const char *op, int rc)
{
	char msg[D_RAS_MSG_MAX];
	char data[96];
	int  ret;

	if (ev == NULL || pool == NULL || op == NULL ||
	    (id != RAS_POOL_REBUILD_STARTED && id != RAS_POOL_REBUILD_FINISHED &&
	     id != RAS_POOL_REBUILD_FAILED) ||
	    (id == RAS_POOL_REBUILD_FAILED) != (rc != 0))
		return -DER_INVAL;
	/* The catalogue's text, with the DER code of a failure ("Pool rebuild failed: %s."). */
	if (id == RAS_POOL_REBUILD_FAILED)
		snprintf(msg, sizeof(msg), "Pool rebuild failed: %s(%d).", d_errstr(rc), rc);
	ret = d_ras_event_init(ev, id, id == RAS_POOL_REBUILD_FAILED ? msg : NULL);
	if (ret != 0)
		return ret;
	d_ras_event_set_pool(ev, pool);
	/* The admin guide: the data field holds the map version and the operation. */
	snprintf(data, sizeof(data), "map_ver=%u op=%.32s", map_ver, op);
	d_ras_event_set_data(ev, data);
	return 0;
}

int
eng_ras_swim_event(struct d_ras_event *ev, enum d_ras_event_id id, uint32_t rank, uint64_t inc)
{
	int rc;

	if (ev == NULL || (id != RAS_SWIM_RANK_ALIVE && id != RAS_SWIM_RANK_DEAD) ||
	    rank == D_RAS_NO_RANK)
		return -DER_INVAL;
	rc = d_ras_event_init(ev, id, NULL);
	if (rc != 0)
		return rc;
	d_ras_event_set_rank(ev, rank);
	d_ras_event_set_inc(ev, inc);
	return 0;
}
