/*
 * dc_event.c: event queues and events (daos_event.h).
 *
 * An event's state lives in its ev_private space (struct dc_ev below).
 * States (enum daos_ev_status):
 *
 *   init ──> READY ──launch──> RUNNING ──op done, children done──> COMPLETED
 *              ^                                                       │
 *              └──────────── polled out of its queue / tested ─────────┘
 *   (a child goes back to READY as soon as it completes: it is never polled)
 *
 * Invariants (client_internal.h I3; all under dc_ev_lock):
 *  E1. A queue's event is on eq_running iff RUNNING and on eq_completed iff
 *      COMPLETED; eq_nr_running / eq_nr_completed count them.
 *  E2. A RUNNING event completes when its own operation is done
 *      (de_op_running == 0) and none of its children is running; its
 *      ev_error is then the operation's result, else the first child error.
 *  E3. An initialised event holds a reference on its queue's record, so a
 *      force-destroyed queue stays valid for the events still using it.
 *  E4. The completion callback runs once per launch, before the event can be
 *      polled or tested complete, without dc_ev_lock held.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_internal.h"

#define DC_EV_MAGIC 0xdaec0e17u

struct dc_eq {
	struct dc_hdl eq_hdl;
	d_list_t      eq_running;
	d_list_t      eq_completed;
	uint32_t      eq_nr_running;
	uint32_t      eq_nr_completed;
	bool          eq_destroyed;
};

struct dc_ev {
	uint32_t             de_magic;
	uint32_t             de_state;          /**< enum daos_ev_status */
	struct dc_eq        *de_eq;             /**< referenced (E3), NULL: none */
	daos_event_t        *de_parent;
	d_list_t             de_link;           /**< in its queue's lists (E1) */
	d_list_t             de_children;       /**< a parent's children */
	d_list_t             de_child_link;     /**< in the parent's de_children */
	uint32_t             de_nchild;
	uint32_t             de_nchild_running;
	int32_t              de_child_rc;
	int32_t              de_op_rc;
	uint8_t              de_op_running;
	uint8_t              de_barrier;
	uint8_t              de_private;
	uint8_t              de_aborted;
	daos_event_comp_cb_t de_cb;
	void                *de_cb_arg;
};

_Static_assert(sizeof(struct dc_ev) <= sizeof(((daos_event_t *)0)->ev_private),
	       "struct dc_ev must fit in daos_event_t.ev_private");

static pthread_mutex_t dc_ev_lock = PTHREAD_MUTEX_INITIALIZER;

/* Set while this thread runs network completions (dc_io_reply_cb). */
static __thread bool dc_tls_in_net_cb;

void
dc_in_net_cb_set(bool in)
{
	dc_tls_in_net_cb = in;
}

static inline struct dc_ev *
dc_ev(daos_event_t *ev)
{
	return (struct dc_ev *)(void *)&ev->ev_private;
}

static inline daos_event_t *
dc_ev2ev(struct dc_ev *e)
{
	return container_of((void *)e, daos_event_t, ev_private);
}

int
dc_ev_module_init(void)
{
	return 0;
}

void
dc_ev_module_fini(void)
{
}

/* ---- queues ------------------------------------------------------------- */

static void
dc_eq_free(struct dc_hdl *hdl)
{
	free(container_of(hdl, struct dc_eq, eq_hdl));
}

static struct dc_eq *
dc_eq_get(daos_handle_t eqh)
{
	struct dc_hdl *h = dc_hdl_lookup(eqh, DC_HDL_EQ);

	return h == NULL ? NULL : container_of(h, struct dc_eq, eq_hdl);
}

int
daos_eq_create(daos_handle_t *eqh)
{
	struct dc_eq *eq;
	int           rc;

	if (eqh == NULL)
		return -DER_INVAL;
	if (!dc_initialized())
		return -DER_UNINIT;
	eq = calloc(1, sizeof(*eq));
	if (eq == NULL)
		return -DER_NOMEM;
	dc_hdl_init(&eq->eq_hdl, DC_HDL_EQ, dc_eq_free);
	D_INIT_LIST_HEAD(&eq->eq_running);
	D_INIT_LIST_HEAD(&eq->eq_completed);
	rc = dc_hdl_insert(&eq->eq_hdl, eqh);
	dc_hdl_decref(&eq->eq_hdl);
	return rc;
}

int
daos_eq_destroy(daos_handle_t eqh, int flags)
{
	daos_event_t **abort_list = NULL;
	uint32_t       nabort     = 0;
	struct dc_eq  *eq;
	d_list_t      *pos, *tmp;
	int            rc = 0;

	if (flags != 0 && flags != DAOS_EQ_DESTROY_FORCE)
		return -DER_INVAL;
	eq = dc_eq_get(eqh);
	if (eq == NULL)
		return -DER_NO_HDL;
	pthread_mutex_lock(&dc_ev_lock);
	if (eq->eq_nr_running + eq->eq_nr_completed > 0 && !(flags & DAOS_EQ_DESTROY_FORCE)) {
		pthread_mutex_unlock(&dc_ev_lock);
		rc = -DER_BUSY;
		goto out;
	}
	if (eq->eq_nr_running > 0) {
		abort_list = calloc(eq->eq_nr_running, sizeof(*abort_list));
		if (abort_list == NULL) {
			pthread_mutex_unlock(&dc_ev_lock);
			rc = -DER_NOMEM;
			goto out;
		}
	}
	eq->eq_destroyed = true;
	d_list_for_each_safe(pos, tmp, &eq->eq_completed) {
		struct dc_ev *e = container_of(pos, struct dc_ev, de_link);

		d_list_del_init(&e->de_link);
		e->de_state = DAOS_EVS_READY;
	}
	eq->eq_nr_completed = 0;
	d_list_for_each_safe(pos, tmp, &eq->eq_running) {
		struct dc_ev *e = container_of(pos, struct dc_ev, de_link);

		d_list_del_init(&e->de_link);
		e->de_aborted = 1;
		abort_list[nabort++] = dc_ev2ev(e);
	}
	eq->eq_nr_running = 0;
	pthread_mutex_unlock(&dc_ev_lock);
	/* Running events finish later, detached; their records keep eq alive (E3). */
	for (uint32_t i = 0; i < nabort; i++)
		dc_io_abort_event(abort_list[i]);
	free(abort_list);
	rc = dc_hdl_delete(&eq->eq_hdl);
out:
	dc_hdl_decref(&eq->eq_hdl);
	return rc;
}

int
daos_eq_poll(daos_handle_t eqh, int wait_running, int64_t timeout, unsigned int nevents,
	     daos_event_t **events)
{
	struct dc_eq *eq;
	uint64_t      deadline = 0;
	int           n        = 0;

	if (nevents == 0 || events == NULL || timeout < DAOS_EQ_WAIT)
		return -DER_INVAL;
	eq = dc_eq_get(eqh);
	if (eq == NULL)
		return -DER_NO_HDL;
	if (timeout > 0)
		deadline = dc_now_ms() + (uint64_t)(timeout + 999) / 1000;
	for (;;) {
		uint64_t now;

		pthread_mutex_lock(&dc_ev_lock);
		while ((unsigned int)n < nevents && !d_list_empty(&eq->eq_completed)) {
			struct dc_ev *e = container_of(eq->eq_completed.next, struct dc_ev, de_link);

			d_list_del_init(&e->de_link);
			eq->eq_nr_completed--;
			e->de_state = DAOS_EVS_READY;
			events[n++] = dc_ev2ev(e);
		}
		if (n > 0 || (wait_running && eq->eq_nr_running == 0)) {
			pthread_mutex_unlock(&dc_ev_lock);
			break;
		}
		pthread_mutex_unlock(&dc_ev_lock);
		if (timeout == DAOS_EQ_NOWAIT)
			break;
		now = dc_now_ms();
		if (timeout > 0 && now >= deadline)
			break;
		dc_progress(timeout > 0 && deadline - now < DC_PROGRESS_SLICE_MS
				? (uint32_t)(deadline - now)
				: DC_PROGRESS_SLICE_MS);
	}
	dc_hdl_decref(&eq->eq_hdl);
	return n;
}

int
daos_eq_query(daos_handle_t eqh, daos_eq_query_t query, unsigned int nevents,
	      daos_event_t **events)
{
	struct dc_eq *eq;
	d_list_t     *pos;
	int           n = 0;

	if ((query & ~DAOS_EQR_ALL) != 0 || query == 0 || (events != NULL && nevents == 0))
		return -DER_INVAL;
	eq = dc_eq_get(eqh);
	if (eq == NULL)
		return -DER_NO_HDL;
	pthread_mutex_lock(&dc_ev_lock);
	if (query & DAOS_EQR_COMPLETED) {
		d_list_for_each(pos, &eq->eq_completed) {
			if (events != NULL && (unsigned int)n < nevents)
				events[n] = dc_ev2ev(container_of(pos, struct dc_ev, de_link));
			n++;
		}
	}
	if (query & DAOS_EQR_WAITING) {
		d_list_for_each(pos, &eq->eq_running) {
			if (events != NULL && (unsigned int)n < nevents)
				events[n] = dc_ev2ev(container_of(pos, struct dc_ev, de_link));
			n++;
		}
	}
	pthread_mutex_unlock(&dc_ev_lock);
	dc_hdl_decref(&eq->eq_hdl);
	/* With a buffer, report what was returned (DAOS: "number of events"). */
	if (events != NULL && (unsigned int)n > nevents)
		n = (int)nevents;
	return n;
}

/* ---- events ------------------------------------------------------------- */

static bool
dc_ev_is_init(daos_event_t *ev)
{
	return ev != NULL && dc_ev(ev)->de_magic == DC_EV_MAGIC;
}

int
daos_event_init(daos_event_t *ev, daos_handle_t eqh, daos_event_t *parent)
{
	struct dc_ev *e;
	struct dc_eq *eq = NULL;

	if (ev == NULL || ev == parent)
		return -DER_INVAL;
	if (!dc_initialized())
		return -DER_UNINIT;
	if (parent == NULL && daos_handle_is_valid(eqh)) {
		eq = dc_eq_get(eqh);
		if (eq == NULL)
			return -DER_NO_HDL;
	}
	memset(ev, 0, sizeof(*ev));
	e = dc_ev(ev);
	D_INIT_LIST_HEAD(&e->de_link);
	D_INIT_LIST_HEAD(&e->de_children);
	D_INIT_LIST_HEAD(&e->de_child_link);
	e->de_state = DAOS_EVS_READY;
	pthread_mutex_lock(&dc_ev_lock);
	if (parent != NULL) {
		struct dc_ev *p = dc_ev(parent);

		if (p->de_magic != DC_EV_MAGIC || p->de_parent != NULL ||
		    p->de_state != DAOS_EVS_READY) {
			pthread_mutex_unlock(&dc_ev_lock);
			return -DER_INVAL;
		}
		e->de_parent = parent;
		d_list_add_tail(&e->de_child_link, &p->de_children);
		p->de_nchild++;
	}
	e->de_eq    = eq; /* the lookup's reference is the event's (E3) */
	e->de_magic = DC_EV_MAGIC;
	pthread_mutex_unlock(&dc_ev_lock);
	return 0;
}

/* Release one event's resources; dc_ev_lock held; the event must not be running. */
static void
dc_ev_fini_locked(struct dc_ev *e, struct dc_eq **put)
{
	if (!d_list_empty(&e->de_link)) {
		/* completed, never polled */
		d_list_del_init(&e->de_link);
		if (e->de_eq != NULL && !e->de_eq->eq_destroyed)
			e->de_eq->eq_nr_completed--;
	}
	if (e->de_parent != NULL) {
		d_list_del_init(&e->de_child_link);
		dc_ev(e->de_parent)->de_nchild--;
		e->de_parent = NULL;
	}
	*put        = e->de_eq;
	e->de_eq    = NULL;
	e->de_magic = 0;
}

int
daos_event_fini(daos_event_t *ev)
{
	struct dc_eq *puts[64];
	uint32_t      nput = 0;
	struct dc_ev *e;
	d_list_t     *pos, *tmp;
	int           rc = 0;

	if (!dc_ev_is_init(ev))
		return -DER_INVAL;
	e = dc_ev(ev);
	pthread_mutex_lock(&dc_ev_lock);
	if (e->de_state == DAOS_EVS_RUNNING) {
		rc = -DER_BUSY;
		goto out;
	}
	d_list_for_each(pos, &e->de_children) {
		struct dc_ev *c = container_of(pos, struct dc_ev, de_child_link);

		if (c->de_state == DAOS_EVS_RUNNING) {
			rc = -DER_BUSY;
			goto out;
		}
	}
	d_list_for_each_safe(pos, tmp, &e->de_children) {
		struct dc_ev *c = container_of(pos, struct dc_ev, de_child_link);
		struct dc_eq *put;

		dc_ev_fini_locked(c, &put);
		assert(put == NULL); /* children have no queue */
	}
	dc_ev_fini_locked(e, &puts[nput]);
	if (puts[nput] != NULL)
		nput++;
out:
	pthread_mutex_unlock(&dc_ev_lock);
	for (uint32_t i = 0; i < nput; i++)
		dc_hdl_decref(&puts[i]->eq_hdl);
	return rc;
}

daos_event_t *
daos_event_next(daos_event_t *parent, daos_event_t *child)
{
	struct dc_ev *p;
	d_list_t     *next;
	daos_event_t *out = NULL;

	if (!dc_ev_is_init(parent))
		return NULL;
	p = dc_ev(parent);
	pthread_mutex_lock(&dc_ev_lock);
	if (child == NULL) {
		next = p->de_children.next;
	} else {
		if (!dc_ev_is_init(child) || dc_ev(child)->de_parent != parent)
			goto out;
		next = dc_ev(child)->de_child_link.next;
	}
	if (next != &p->de_children)
		out = dc_ev2ev(container_of(next, struct dc_ev, de_child_link));
out:
	pthread_mutex_unlock(&dc_ev_lock);
	return out;
}

static void dc_ev_try_finish_locked(struct dc_ev *e);

/*
 * The event is done (E2): run its callback (E4), then publish: a child
 * returns to READY and tells its parent; a queue's event moves to
 * eq_completed; others become COMPLETED for test/wait.
 */
static void
dc_ev_finish_locked(struct dc_ev *e)
{
	daos_event_t        *ev = dc_ev2ev(e);
	daos_event_comp_cb_t cb = e->de_cb;
	void                *cb_arg = e->de_cb_arg;
	int                  rc = e->de_op_rc != 0 ? e->de_op_rc : e->de_child_rc;

	ev->ev_error  = rc;
	e->de_cb      = NULL;
	e->de_barrier = 0;
	if (cb != NULL) {
		pthread_mutex_unlock(&dc_ev_lock);
		cb(cb_arg, ev, rc);
		pthread_mutex_lock(&dc_ev_lock);
	}
	if (e->de_parent != NULL) {
		struct dc_ev *p = dc_ev(e->de_parent);

		e->de_state = DAOS_EVS_READY;
		assert(p->de_nchild_running > 0);
		p->de_nchild_running--;
		if (rc != 0 && p->de_child_rc == 0)
			p->de_child_rc = rc;
		dc_ev_try_finish_locked(p);
	} else if (e->de_eq != NULL && !e->de_eq->eq_destroyed && !d_list_empty(&e->de_link)) {
		d_list_del(&e->de_link);
		d_list_add_tail(&e->de_link, &e->de_eq->eq_completed);
		e->de_eq->eq_nr_running--;
		e->de_eq->eq_nr_completed++;
		e->de_state = DAOS_EVS_COMPLETED;
	} else {
		e->de_state = DAOS_EVS_COMPLETED;
	}
}

static void
dc_ev_try_finish_locked(struct dc_ev *e)
{
	if (e->de_state == DAOS_EVS_RUNNING && !e->de_op_running && e->de_nchild_running == 0)
		dc_ev_finish_locked(e);
}

/* READY -> RUNNING; dc_ev_lock held. */
static int
dc_ev_launch_locked(struct dc_ev *e, bool barrier)
{
	if (e->de_magic != DC_EV_MAGIC)
		return -DER_INVAL;
	if (e->de_state != DAOS_EVS_READY)
		return -DER_NO_PERM;
	if (e->de_parent != NULL) {
		struct dc_ev *p = dc_ev(e->de_parent);

		/* a barrier admits no new children (DAOS) */
		if (p->de_state == DAOS_EVS_RUNNING && p->de_barrier)
			return -DER_NO_PERM;
		p->de_nchild_running++;
	}
	dc_ev2ev(e)->ev_error = 0;
	e->de_state           = DAOS_EVS_RUNNING;
	e->de_op_running      = barrier ? 0 : 1;
	e->de_barrier         = barrier ? 1 : 0;
	e->de_op_rc           = 0;
	e->de_child_rc        = 0;
	e->de_aborted         = 0;
	if (e->de_parent == NULL && e->de_eq != NULL && !e->de_eq->eq_destroyed) {
		d_list_add_tail(&e->de_link, &e->de_eq->eq_running);
		e->de_eq->eq_nr_running++;
	}
	return 0;
}

int
daos_event_launch(daos_event_t *ev)
{
	int rc;

	if (ev == NULL)
		return -DER_INVAL;
	pthread_mutex_lock(&dc_ev_lock);
	rc = dc_ev_launch_locked(dc_ev(ev), false);
	pthread_mutex_unlock(&dc_ev_lock);
	return rc;
}

void
dc_ev_complete(daos_event_t *ev, int rc)
{
	struct dc_ev *e = dc_ev(ev);

	pthread_mutex_lock(&dc_ev_lock);
	if (e->de_magic == DC_EV_MAGIC && e->de_state == DAOS_EVS_RUNNING && e->de_op_running) {
		e->de_op_running = 0;
		e->de_op_rc      = rc;
		dc_ev_try_finish_locked(e);
	} else {
		D_ERROR("completion of an event that is not running (state %u)\n", e->de_state);
	}
	pthread_mutex_unlock(&dc_ev_lock);
}

void
daos_event_complete(daos_event_t *ev, int rc)
{
	if (ev != NULL)
		dc_ev_complete(ev, rc);
}

int
daos_event_parent_barrier(daos_event_t *ev)
{
	struct dc_ev *e;
	int           rc;

	if (!dc_ev_is_init(ev))
		return -DER_INVAL;
	e = dc_ev(ev);
	pthread_mutex_lock(&dc_ev_lock);
	if (e->de_nchild == 0 || e->de_parent != NULL) {
		rc = -DER_INVAL;
	} else {
		rc = dc_ev_launch_locked(e, true);
		if (rc == 0)
			dc_ev_try_finish_locked(e);
	}
	pthread_mutex_unlock(&dc_ev_lock);
	return rc;
}

int
daos_event_register_comp_cb(daos_event_t *ev, daos_event_comp_cb_t cb, void *arg)
{
	struct dc_ev *e;
	int           rc = 0;

	if (!dc_ev_is_init(ev) || cb == NULL)
		return -DER_INVAL;
	e = dc_ev(ev);
	pthread_mutex_lock(&dc_ev_lock);
	if (e->de_state == DAOS_EVS_RUNNING) {
		rc = -DER_NO_PERM;
	} else {
		e->de_cb     = cb;
		e->de_cb_arg = arg;
	}
	pthread_mutex_unlock(&dc_ev_lock);
	return rc;
}

int
daos_event_abort(daos_event_t *ev)
{
	daos_event_t *list[65];
	uint32_t      n = 0;
	struct dc_ev *e;
	d_list_t     *pos;

	if (!dc_ev_is_init(ev))
		return -DER_INVAL;
	e = dc_ev(ev);
	pthread_mutex_lock(&dc_ev_lock);
	if (e->de_state == DAOS_EVS_RUNNING) {
		e->de_aborted = 1;
		list[n++]     = ev;
	}
	d_list_for_each(pos, &e->de_children) {
		struct dc_ev *c = container_of(pos, struct dc_ev, de_child_link);

		if (c->de_state == DAOS_EVS_RUNNING && n < 65) {
			c->de_aborted = 1;
			list[n++]     = dc_ev2ev(c);
		}
	}
	pthread_mutex_unlock(&dc_ev_lock);
	for (uint32_t i = 0; i < n; i++)
		dc_io_abort_event(list[i]);
	return 0;
}

bool
dc_ev_aborted(daos_event_t *ev)
{
	struct dc_ev *e = dc_ev(ev);
	bool          aborted;

	pthread_mutex_lock(&dc_ev_lock);
	aborted = e->de_aborted != 0 ||
		  (e->de_parent != NULL && dc_ev(e->de_parent)->de_aborted != 0);
	pthread_mutex_unlock(&dc_ev_lock);
	return aborted;
}

int
daos_event_test(daos_event_t *ev, int64_t timeout, bool *flag)
{
	struct dc_ev *e;
	uint64_t      deadline = 0;

	if (!dc_ev_is_init(ev) || flag == NULL || timeout < DAOS_EQ_WAIT)
		return -DER_INVAL;
	e = dc_ev(ev);
	if (e->de_parent != NULL)
		return -DER_INVAL;
	if (timeout > 0)
		deadline = dc_now_ms() + (uint64_t)(timeout + 999) / 1000;
	for (;;) {
		uint64_t now;

		pthread_mutex_lock(&dc_ev_lock);
		if (e->de_state != DAOS_EVS_RUNNING) {
			if (e->de_state == DAOS_EVS_COMPLETED) {
				if (!d_list_empty(&e->de_link)) {
					d_list_del_init(&e->de_link);
					if (e->de_eq != NULL && !e->de_eq->eq_destroyed)
						e->de_eq->eq_nr_completed--;
				}
				e->de_state = DAOS_EVS_READY;
			}
			pthread_mutex_unlock(&dc_ev_lock);
			*flag = true;
			return 0;
		}
		pthread_mutex_unlock(&dc_ev_lock);
		now = dc_now_ms();
		if (timeout == DAOS_EQ_NOWAIT || (timeout > 0 && now >= deadline)) {
			*flag = false;
			return 0;
		}
		dc_progress(timeout > 0 && deadline - now < DC_PROGRESS_SLICE_MS
				? (uint32_t)(deadline - now)
				: DC_PROGRESS_SLICE_MS);
	}
}

/* ---- operations --------------------------------------------------------- */

daos_event_t *
dc_ev_begin(daos_event_t *ev, daos_event_t *priv, int *rc)
{
	struct dc_ev *e;

	if (ev == NULL) {
		if (dc_tls_in_net_cb) {
			/* a blocking call from a completion callback: nothing could progress it */
			D_ERROR("blocking DAOS call from an event completion callback: use an "
				"event\n");
			*rc = -DER_BUSY;
			return NULL;
		}
		memset(priv, 0, sizeof(*priv));
		e = dc_ev(priv);
		D_INIT_LIST_HEAD(&e->de_link);
		D_INIT_LIST_HEAD(&e->de_children);
		D_INIT_LIST_HEAD(&e->de_child_link);
		e->de_magic      = DC_EV_MAGIC;
		e->de_private    = 1;
		e->de_state      = DAOS_EVS_RUNNING;
		e->de_op_running = 1;
		*rc              = 0;
		return priv;
	}
	pthread_mutex_lock(&dc_ev_lock);
	*rc = dc_ev_launch_locked(dc_ev(ev), false);
	pthread_mutex_unlock(&dc_ev_lock);
	return *rc == 0 ? ev : NULL;
}

int
dc_ev_end(daos_event_t *ev, daos_event_t *priv)
{
	struct dc_ev *e = dc_ev(priv);

	if (ev != NULL)
		return 0;
	for (;;) {
		uint32_t st;

		pthread_mutex_lock(&dc_ev_lock);
		st = e->de_state;
		pthread_mutex_unlock(&dc_ev_lock);
		if (st == DAOS_EVS_COMPLETED)
			break;
		dc_progress(DC_PROGRESS_SLICE_MS);
	}
	e->de_magic = 0;
	return priv->ev_error;
}

int
dc_ev_run_sync(daos_event_t *ev, int (*fn)(void *arg), void *arg)
{
	daos_event_t  priv;
	daos_event_t *e;
	int           rc;

	if (ev == NULL && !dc_tls_in_net_cb)
		return fn(arg); /* runs to completion here: no event needed */
	e = dc_ev_begin(ev, &priv, &rc);
	if (e == NULL)
		return rc;
	rc = fn(arg);
	dc_ev_complete(e, rc);
	return dc_ev_end(ev, &priv);
}
