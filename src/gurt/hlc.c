/*
 * hlc.c: hybrid logical clock (see hlc.h for the format and invariants).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include <daos_errno.h>

#include "gurt/hlc.h"

#define NSEC_PER_SEC 1000000000ULL
#define HLC_EPOCH_NS (D_HLC_EPOCH_UNIX_SEC * NSEC_PER_SEC)

static _Atomic uint64_t        hlc_last;
static _Atomic uint64_t        hlc_epsilon_ns = D_HLC_EPSILON_NS_DEF;
static _Atomic(d_hlc_clock_fn) hlc_clock;

static uint64_t
hlc_realtime_ns(void)
{
	struct timespec ts;

	/* CLOCK_REALTIME cannot fail with a valid clock id and pointer. */
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Physical time as an HLC with a zero logical part. */
static uint64_t
hlc_physical(void)
{
	d_hlc_clock_fn fn = atomic_load_explicit(&hlc_clock, memory_order_acquire);

	return d_unix_ns2hlc(fn != NULL ? fn() : hlc_realtime_ns());
}

uint64_t
d_unix_ns2hlc(uint64_t unix_ns)
{
	if (unix_ns <= HLC_EPOCH_NS)
		return 0;
	return (unix_ns - HLC_EPOCH_NS) & ~D_HLC_LOGICAL_MASK;
}

uint64_t
d_hlc2unix_ns(uint64_t hlc)
{
	return (hlc & ~D_HLC_LOGICAL_MASK) + HLC_EPOCH_NS;
}

void
d_hlc2timespec(uint64_t hlc, struct timespec *ts)
{
	uint64_t ns = d_hlc2unix_ns(hlc);

	ts->tv_sec  = (time_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

/* Advance the clock to max(last + 1, floor); returns the new value. */
static uint64_t
hlc_advance(uint64_t floor)
{
	uint64_t last = atomic_load_explicit(&hlc_last, memory_order_relaxed);
	uint64_t next;

	do {
		next = last + 1 > floor ? last + 1 : floor;
	} while (!atomic_compare_exchange_weak_explicit(&hlc_last, &last, next,
							 memory_order_acq_rel,
							 memory_order_relaxed));
	return next;
}

uint64_t
d_hlc_get(void)
{
	return hlc_advance(hlc_physical());
}

int
d_hlc_recv(uint64_t msg, uint64_t *hlc_out, uint64_t *offset_ns)
{
	uint64_t pt  = hlc_physical();
	uint64_t off = msg > pt ? msg - pt : 0;
	uint64_t floor;

	if (offset_ns != NULL)
		*offset_ns = off;
	if (off > atomic_load_explicit(&hlc_epsilon_ns, memory_order_relaxed))
		return -DER_HLC_SYNC;

	floor = msg + 1 > pt ? msg + 1 : pt;
	floor = hlc_advance(floor);
	if (hlc_out != NULL)
		*hlc_out = floor;
	return 0;
}

uint64_t
d_hlc_last(void)
{
	return atomic_load_explicit(&hlc_last, memory_order_acquire);
}

int
d_hlc_set_epsilon(uint64_t epsilon_ns)
{
	if (epsilon_ns > D_HLC_EPSILON_NS_MAX)
		return -DER_INVAL;
	atomic_store_explicit(&hlc_epsilon_ns, epsilon_ns, memory_order_relaxed);
	return 0;
}

uint64_t
d_hlc_get_epsilon(void)
{
	return atomic_load_explicit(&hlc_epsilon_ns, memory_order_relaxed);
}

void
d_hlc_set_clock(d_hlc_clock_fn fn)
{
	atomic_store_explicit(&hlc_clock, fn, memory_order_release);
}

uint64_t
d_hlc_age_sec(uint64_t hlc)
{
	uint64_t now = hlc_physical();

	return now > hlc ? (now - hlc) / NSEC_PER_SEC : 0;
}
