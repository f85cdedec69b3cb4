/*
 * daos_event.h: event queues and events, DAOS's asynchronous completion API.
 *
 * Every call that may talk to a server takes a `daos_event_t *ev` last:
 *  - ev == NULL: the call blocks and returns the operation's result;
 *  - ev != NULL: the call launches the operation and returns 0 (or an error
 *    found before launching, in which case the event is not launched); the
 *    result lands in ev->ev_error when the event completes, which
 *    daos_eq_poll() (event in a queue) or daos_event_test() reports.
 * Life of an event: daos_event_init() -> READY; a call launches it ->
 * RUNNING; the operation ends -> COMPLETED; once polled out of its queue or
 * tested complete it is READY again and may be reused; daos_event_fini()
 * releases it (not while RUNNING). A child event (init with a parent) never
 * shows up in a queue: its parent completes when all its children have.
 *
 * Progress: polling a queue or testing an event drives the library's
 * network progress; blocking calls drive it too.
 */
#ifndef DAOS_EVENT_H
#define DAOS_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include <daos_errno.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Flag of daos_eq_destroy(): destroy even if events are still in the queue. */
#define DAOS_EQ_DESTROY_FORCE 1

/**
 * Create an event queue. \return 0, -DER_INVAL (NULL), -DER_UNINIT (no
 * daos_init()), -DER_NOMEM.
 */
int daos_eq_create(daos_handle_t *eqh);

/**
 * Destroy a queue. Events still in it (in flight, or completed and not yet
 * polled): -DER_BUSY, unless flags has DAOS_EQ_DESTROY_FORCE, in which case
 * they are detached (in-flight ones are aborted). -DER_NO_HDL for a bad handle.
 */
int daos_eq_destroy(daos_handle_t eqh, int flags);

/**
 * Take up to nevents completed events out of the queue into events[].
 * \param wait_running  when non-zero, return 0 at once if no event is in flight
 * \param timeout       microseconds to wait for a first completion;
 *                      DAOS_EQ_NOWAIT (0) or DAOS_EQ_WAIT (-1, no limit)
 * \return the number of events returned (>= 0), or -DER_INVAL / -DER_NO_HDL.
 */
int daos_eq_poll(daos_handle_t eqh, int wait_running, int64_t timeout, unsigned int nevents,
		 daos_event_t **events);

/**
 * Count (and, when events is not NULL, list up to nevents of) the events of
 * the queue that are completed, in flight or both. The events stay in the
 * queue. \return the count, or -DER_INVAL / -DER_NO_HDL.
 */
int daos_eq_query(daos_handle_t eqh, daos_eq_query_t query, unsigned int nevents,
		  daos_event_t **events);

/**
 * Prepare an event. It belongs to queue eqh (DAOS_HDL_INVAL: no queue, test
 * it with daos_event_test()), or, when parent is not NULL, is a child of
 * parent (eqh is then ignored). -DER_INVAL (NULL ev, parent not initialised or
 * running, parent itself a child), -DER_NO_HDL (bad queue).
 */
int daos_event_init(daos_event_t *ev, daos_handle_t eqh, daos_event_t *parent);

/**
 * Release an event (and, for a parent, all its children). A completed event
 * not yet polled is taken out of its queue. -DER_BUSY while in flight,
 * -DER_INVAL for an event that was never initialised.
 */
int daos_event_fini(daos_event_t *ev);

/** The child of parent after child (the first when child is NULL); NULL at the end. */
daos_event_t *daos_event_next(daos_event_t *parent, daos_event_t *child);

/**
 * Wait up to timeout microseconds (DAOS_EQ_NOWAIT, DAOS_EQ_WAIT) for ev to
 * complete, driving progress. *flag is true when it completed (it is then
 * READY again and taken out of its queue). 0, -DER_INVAL (NULL, child event,
 * never initialised).
 */
int daos_event_test(daos_event_t *ev, int64_t timeout, bool *flag);

/** Completion callback: (arg, event, result); its return value is ignored. */
typedef int (*daos_event_comp_cb_t)(void *arg, daos_event_t *ev, int rc);

/**
 * Call cb(arg, ev, rc) when ev completes (before it can be polled). One
 * callback per launch; -DER_INVAL (NULL) or -DER_NO_PERM (in flight).
 */
int daos_event_register_comp_cb(daos_event_t *ev, daos_event_comp_cb_t cb, void *arg);

/**
 * Launch a parent event as a barrier: it completes when every child launched
 * so far has completed (at once when none is in flight). -DER_INVAL (NULL,
 * no children), -DER_NO_PERM (not READY).
 */
int daos_event_parent_barrier(daos_event_t *ev);

/**
 * Abort the operation of ev (and of its children): it completes with
 * -DER_CANCELED unless it completed first. 0, -DER_INVAL.
 */
int daos_event_abort(daos_event_t *ev);

/**
 * Launch ev for an operation the application runs itself: READY -> RUNNING.
 * -DER_INVAL (NULL, never initialised), -DER_NO_PERM (not READY).
 */
int daos_event_launch(daos_event_t *ev);

/** Complete a launched event with result rc (RUNNING -> COMPLETED). */
void daos_event_complete(daos_event_t *ev, int rc);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_EVENT_H */
