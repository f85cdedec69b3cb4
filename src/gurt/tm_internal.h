/*
 * tm_internal.h: the layout of a telemetry segment, shared by the producer
 * (telemetry.c), the reader (tm_reader.c) and the unit test (which scribbles
 * on copies of segments). Not installed; callers use telemetry.h.
 *
 * Segment layout: a 128-byte header at offset 0, then fixed-size 384-byte
 * node slots. Every link is a byte offset from the segment base (0 = none),
 * because the reader maps the segment at another address.
 *
 * Invariants:
 *  1. A node offset is sh_first + k * sizeof(struct d_tm_node), k >= 0, and
 *     the slot lies inside the segment; the root is slot 0.
 *  2. A node is fully initialised (type, names, values, links) before its
 *     offset is published by a release store into its parent's tn_child or
 *     its previous sibling's tn_next; readers follow links with acquire
 *     loads, so they never see a half-built node.
 *  3. A published node's names and type do not change until it is unlinked
 *     and its quarantine (grace period) has expired.
 *  4. Multi-word values (stats, durations) change only between tn_seq going
 *     odd and going even again (seqlock); writers of one node serialise on
 *     tn_lock. Single-word values are written with atomic stores/adds.
 *  5. tn_last_child, tn_free_next and tn_freed_ns are the producer's own
 *     bookkeeping: readers never follow them.
 *  6. sh_hwm only grows (bump allocator of never-used slots); sh_gen grows on
 *     every structural change (add or delete).
 */
#ifndef GURT_TM_INTERNAL_H
#define GURT_TM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gurt/telemetry.h"

#define D_TM_SHM_MAGIC   0x3147455344544d44ULL /* "DMTDSEG1" little-endian */
#define D_TM_SHM_VERSION 1
/* Owner read-write, group read: daos_server and daos_metrics run in the group. */
#define D_TM_SHM_MODE    0640

struct d_tm_shm_hdr {
	uint64_t sh_magic;      /* D_TM_SHM_MAGIC, stored last at creation */
	uint32_t sh_version;    /* D_TM_SHM_VERSION */
	uint32_t sh_node_size;  /* sizeof(struct d_tm_node) */
	uint64_t sh_size;       /* segment size in bytes */
	uint64_t sh_first;      /* offset of node slot 0 (the root) */
	uint64_t sh_hwm;        /* first never-used byte (bump allocator), atomic */
	uint64_t sh_root;       /* root node offset */
	uint64_t sh_gen;        /* structural generation, atomic */
	uint64_t sh_writer_pid; /* informational */
	uint64_t sh_created;    /* seconds since the epoch, informational */
	uint64_t sh_pad[7];
};

/* A node: line 0 holds everything a value update touches. */
struct d_tm_node {
	uint32_t tn_type;  /* D_TM_* bits; written before publication */
	uint32_t tn_lock;  /* producer's per-node spin flag (stats, durations) */
	uint64_t tn_seq;   /* seqlock: odd while a multi-word update is under way */
	uint64_t tn_value; /* counter, gauge, timestamp, last sample */
	uint64_t tn_min;
	uint64_t tn_max;
	uint64_t tn_sum;
	uint64_t tn_samples;
	double   tn_sumsq;
	/* links */
	uint64_t tn_parent;
	uint64_t tn_child;      /* first child, release-published */
	uint64_t tn_next;       /* next sibling, release-published */
	uint64_t tn_last_child; /* producer only: O(1) append */
	uint64_t tn_free_next;  /* producer only: quarantine FIFO */
	uint64_t tn_freed_ns;   /* producer only: CLOCK_MONOTONIC at deletion */
	uint64_t tn_pad0[2];
	char     tn_name[D_TM_NAME_MAX];
	char     tn_desc[D_TM_DESC_MAX];
	char     tn_units[D_TM_UNITS_MAX];
	uint64_t tn_pad1[4];
};

_Static_assert(sizeof(struct d_tm_shm_hdr) == 128, "header layout");
_Static_assert(sizeof(struct d_tm_node) == 384, "node layout");
_Static_assert(offsetof(struct d_tm_node, tn_parent) == 64, "value line");
_Static_assert(sizeof(double) == sizeof(uint64_t), "sumsq word");

#define D_TM_BASE_TYPES                                                                   \
	(D_TM_DIRECTORY | D_TM_COUNTER | D_TM_TIMESTAMP | D_TM_DURATION | D_TM_GAUGE |     \
	 D_TM_STATS_GAUGE)

/** True for a valid type word: one base type, a clock only on a duration. */
static inline bool
d_tm_type_valid(uint32_t type)
{
	uint32_t base  = type & D_TM_BASE_TYPES;
	uint32_t clock = type & D_TM_CLOCK_MASK;

	if (type & ~(D_TM_BASE_TYPES | D_TM_CLOCK_MASK))
		return false;
	if (base == 0 || (base & (base - 1)) != 0)
		return false;
	if (clock != 0 && (base != D_TM_DURATION || (clock & (clock - 1)) != 0))
		return false;
	return true;
}

/** Stats gauges and durations carry min/max/sum/sumsq/samples. */
static inline bool
d_tm_type_has_stats(uint32_t type)
{
	return (type & (D_TM_STATS_GAUGE | D_TM_DURATION)) != 0;
}

/** The name alphabet: [A-Za-z0-9_.:;+-]. */
static inline bool
d_tm_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == ';' || c == '+' || c == '-';
}

/**
 * Validate \a path and split it into components (copied, NUL-terminated).
 * "" gives 0 components when \a allow_empty, else -DER_INVAL.
 * \return 0, -DER_INVAL, -DER_EXCEEDS_PATH_LEN.
 */
int d_tm_path_split(const char *path, bool allow_empty, char comps[][D_TM_NAME_MAX],
		    int *ncomps) __attribute__((visibility("hidden")));

#endif /* GURT_TM_INTERNAL_H */
