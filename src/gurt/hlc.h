/*
 * hlc.h: hybrid logical clock, the source of epochs.
 *
 * An HLC timestamp is a uint64_t: nanoseconds of physical time since
 * D_HLC_EPOCH_UNIX_SEC (2021-01-01T00:00:00Z) whose low D_HLC_LOGICAL_BITS
 * bits are replaced by a logical counter. Physical resolution is therefore
 * 2^18 ns (262 us) and the clock lasts until about the year 2605.
 *
 * Invariants:
 *  1. d_hlc_get() and d_hlc_recv() never return a value less than or equal
 *     to any value they returned before in this process (strictly monotonic,
 *     across all threads).
 *  2. d_hlc_recv(m) returns a value greater than m, unless m is more than the
 *     allowed skew ahead of the physical clock, in which case it fails with
 *     -DER_HLC_SYNC and leaves the clock unchanged.
 *  3. The physical part never runs ahead of the physical clock by more than
 *     the skew accepted through d_hlc_recv().
 *
 * Thread-safe and lock-free: the last value is one atomic word updated with
 * compare-and-swap. The physical clock is a seam (d_hlc_set_clock) so tests
 * can drive a simulated clock.
 */
#ifndef GURT_HLC_H
#define GURT_HLC_H

#include <stdint.h>
#include <time.h>

/* Limits and constants */

/** Low bits of an HLC that hold the logical counter. */
#define D_HLC_LOGICAL_BITS    18
#define D_HLC_LOGICAL_MASK    ((1ULL << D_HLC_LOGICAL_BITS) - 1)
/** Start of HLC time, 2021-01-01T00:00:00Z, so 64 bits last six centuries. */
#define D_HLC_EPOCH_UNIX_SEC  1609459200ULL
/** Default largest accepted skew of a peer's clock: one second, as DAOS. */
#define D_HLC_EPSILON_NS_DEF  1000000000ULL
/** Largest skew that can be configured: one hour; beyond that HLC is meaningless. */
#define D_HLC_EPSILON_NS_MAX  3600000000000ULL

/** Physical clock source: nanoseconds since the Unix epoch. */
typedef uint64_t (*d_hlc_clock_fn)(void);

/** A new timestamp for a local event or an outgoing message. */
uint64_t d_hlc_get(void);

/**
 * Merge the timestamp `msg` of an incoming message.
 * \param[out] hlc_out     new local timestamp (> msg), may be NULL
 * \param[out] offset_ns   how far msg is ahead of the physical clock (0 if
 *                         behind), may be NULL; set on success and failure
 * \return 0, or -DER_HLC_SYNC if msg is ahead by more than the allowed skew
 */
int d_hlc_recv(uint64_t msg, uint64_t *hlc_out, uint64_t *offset_ns);

/** The most recent timestamp handed out, without advancing the clock. */
uint64_t d_hlc_last(void);

/** Set the allowed skew in nanoseconds: 0 or -DER_INVAL above D_HLC_EPSILON_NS_MAX. */
int d_hlc_set_epsilon(uint64_t epsilon_ns);
uint64_t d_hlc_get_epsilon(void);

/** Replace the physical clock (NULL restores CLOCK_REALTIME); for tests. */
void d_hlc_set_clock(d_hlc_clock_fn fn);

/** Conversions between HLC and Unix time (the logical bits are dropped). */
uint64_t d_hlc2unix_ns(uint64_t hlc);
uint64_t d_unix_ns2hlc(uint64_t unix_ns);
void     d_hlc2timespec(uint64_t hlc, struct timespec *ts);

/** Seconds elapsed since `hlc` on the physical clock (0 if it is in the future). */
uint64_t d_hlc_age_sec(uint64_t hlc);

#endif /* GURT_HLC_H */
