/*
 * hostset.h: sets of host names, parsed from and printed as
 * "storagehost[0,5-10],10.8.1.[20-100]:10001".
 *
 * A host is a name of letters, digits, '-', '.' and '_' (1..D_HOSTSET_NAME_MAX
 * bytes) optionally followed by ":port" (1..65535, no leading zero). Hosts are
 * compared as exact strings: "host1" and "host01" are different hosts, and so
 * are "host" and "host:10001".
 *
 * Pattern grammar (input):
 *   set      := ws* ( element ( ws* ',' ws* element )* )? ws*
 *   element  := name [ ':' port ]
 *   name     := hostchars* [ '[' items ']' hostchars* ]     (at most one bracket)
 *   items    := item ( ',' item )*
 *   item     := number | number '-' number                  (start <= end)
 *   number   := 1..D_HOSTSET_DIGITS_MAX decimal digits
 *   ws       := ' ' | '\t'
 * Commas inside brackets belong to the bracket. "p[a-b]s" names the hosts p<n>s
 * for n in a..b. Zero padding: when the start of a range has a leading zero
 * ("08"), every number of that range is printed with the start's width
 * ("[08-10]" -> 08 09 10); otherwise numbers are natural ("[8-10]" -> 8 9 10).
 * The empty string is the empty set. IPv6 addresses are refused.
 *
 * Order: a host's "number" is the trailing run of 1..D_HOSTSET_DIGITS_MAX
 * digits of its name (before any ":port"); its "prefix" is the name without
 * that run (a longer run is part of the prefix: no number). Hosts sort by
 * prefix (bytewise), then port (none first), then number (none first), then
 * the width of the number's text. So "10.8.1.20" is prefix "10.8.1.", number 20.
 *
 * Output (d_hostset_format): hosts that share prefix and port form one group,
 * printed "prefix[items]:port" in sorted order, groups separated by ','; a
 * group of one host prints plainly ("storagehost5"). Consecutive numbers form a
 * range when the range's text reproduces each host exactly: same padding
 * ("host08,host09" -> "host[08-09]") or natural numbers ("host9,host10" ->
 * "host[9-10]"); "host08,host09,host10" -> "host[08-10]". The output parses
 * back to exactly the same set, provided it fits in D_HOSTSET_STR_MAX: only a
 * trailing number is compressed, so hosts with text after their number
 * ("node[1-3]-ib") print one by one, and many of them may print longer than
 * that limit (d_hostset_format_len tells).
 *
 * Invariants of a struct d_hostset (held after every call returns):
 *  1. hs_hosts[0..hs_nr) is strictly increasing in the order above, so hosts
 *     are unique; equal sort keys mean equal strings.
 *  2. Each entry's he_name is a valid host (chars, lengths, port) owned by the
 *     set, and he_plen, he_value, he_width, he_port describe it.
 *  3. hs_nr <= hs_cap, hs_nr <= D_HOSTSET_HOSTS_MAX; hs_hosts NULL iff hs_cap == 0.
 *
 * Ownership and errors: a set owns its entries and strings. Functions return 0
 * or a negative -DER_* code and, on failure, leave their output set exactly as
 * it was. Not thread-safe: callers serialise access to one set.
 */
#ifndef GURT_HOSTSET_H
#define GURT_HOSTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Limits
 */
/**
 * Longest pattern d_hostset_parse accepts, in bytes without the NUL: 64 KiB is
 * half of Linux's 128 KiB limit on one command-line argument and bounds the
 * parser's passes over the text.
 */
#define D_HOSTSET_STR_MAX     65536
/**
 * Most hosts in one set, and most hosts one pattern may name (counting
 * duplicates, checked before anything is allocated): 64 Ki hosts is well above
 * any DAOS system yet keeps a set under about 20 MiB even with 255-byte names
 * (a parse briefly holds two copies), so "h[0-99999999]" is refused instead of
 * exhausting memory.
 */
#define D_HOSTSET_HOSTS_MAX   65536
/**
 * Most digits in a number of a range or a host's trailing number: 9 digits
 * always fit in 32 bits, so range arithmetic cannot overflow.
 */
#define D_HOSTSET_DIGITS_MAX  9
/** Longest host name without the port: a DNS name's 255-byte limit. */
#define D_HOSTSET_NAME_MAX    255
/** Buffer that holds any host with its port and NUL: name, ":65535", NUL. */
#define D_HOSTSET_HOST_BUF    (D_HOSTSET_NAME_MAX + 6 + 1)
/**
 * Most bytes of the input (or of one element) quoted in an error message;
 * longer text is cut and followed by "...".
 */
#define D_HOSTSET_QUOTE_MAX   64

/** One host of a set; read-only for callers. */
struct d_hostset_ent {
	char    *he_name;  /**< "name" or "name:port", NUL-terminated */
	uint32_t he_plen;  /**< bytes of the prefix (name minus trailing number) */
	uint32_t he_value; /**< the trailing number, when he_width > 0 */
	uint16_t he_width; /**< digits of the trailing number, 0 = no number */
	uint16_t he_port;  /**< port, 0 = none */
};

/** A set of hosts, sorted and unique (invariants above). */
struct d_hostset {
	struct d_hostset_ent *hs_hosts;
	uint32_t              hs_nr;
	uint32_t              hs_cap;
};

/** Make an empty set (no allocation). Call before any other function. */
void d_hostset_init(struct d_hostset *set);

/** Free a set's memory; it is left empty and may be reused. */
void d_hostset_fini(struct d_hostset *set);

/**
 * Parse `str` (grammar above) and ADD its hosts to `out`, which must have been
 * initialised, so several -l arguments can be merged into one set.
 *
 * \param[in]  str     NUL-terminated pattern, untrusted
 * \param[out] out     set to add to; unchanged on any error
 * \param[out] errbuf  on failure a one-line reason, e.g. "more than one
 *                     bracket in 'rack[1-2]node[1-3]'"; may be NULL if errlen is 0
 * \return 0, -DER_INVAL (bad pattern, over a limit), -DER_NOMEM
 */
int d_hostset_parse(const char *str, struct d_hostset *out, char *errbuf, size_t errlen);

/**
 * Add one literal host "name" or "name:port" (no brackets, commas or spaces).
 * Adding a member again is a no-op returning 0.
 * \return 0, -DER_INVAL (not a valid host), -DER_OVERFLOW (set already holds
 *         D_HOSTSET_HOSTS_MAX hosts), -DER_NOMEM
 */
int d_hostset_add(struct d_hostset *set, const char *host);

/** Number of hosts. */
uint32_t d_hostset_count(const struct d_hostset *set);

/**
 * Copy the idx-th host in sorted order, with ":port" if it has one, into buf.
 * \return 0, -DER_NONEXIST if idx >= count, -DER_TRUNC if buf is too small
 *         (D_HOSTSET_HOST_BUF always suffices)
 */
int d_hostset_get(const struct d_hostset *set, uint32_t idx, char *buf, size_t len);

/** True when `host` (exact string, with ":port" if any) is a member. */
bool d_hostset_contains(const struct d_hostset *set, const char *host);

/** True when both sets hold exactly the same hosts. */
bool d_hostset_equal(const struct d_hostset *a, const struct d_hostset *b);

/**
 * Set algebra: dst = a | b, a & b, a - b. dst must be initialised and may be
 * the same object as a and/or b.
 * \return 0, -DER_OVERFLOW (union above D_HOSTSET_HOSTS_MAX), -DER_NOMEM;
 *         dst unchanged on error
 */
int d_hostset_union(struct d_hostset *dst, const struct d_hostset *a, const struct d_hostset *b);
int d_hostset_intersect(struct d_hostset *dst, const struct d_hostset *a,
			const struct d_hostset *b);
int d_hostset_subtract(struct d_hostset *dst, const struct d_hostset *a,
		       const struct d_hostset *b);

/**
 * Print the set compressed (see Output above). Needs no allocation.
 * \param[out] buf  NUL-terminated text; on -DER_TRUNC as much as fits
 *                  (NUL-terminated when len > 0)
 * \return 0, or -DER_TRUNC when len < d_hostset_format_len(set)
 */
int d_hostset_format(const struct d_hostset *set, char *buf, size_t len);

/** Bytes d_hostset_format needs, including the NUL. */
size_t d_hostset_format_len(const struct d_hostset *set);

#ifdef __cplusplus
}
#endif

#endif /* GURT_HOSTSET_H */
