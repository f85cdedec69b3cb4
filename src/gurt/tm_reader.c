/*
 * tm_reader.c: the lock-free reader of a telemetry segment (layout in
 * tm_internal.h).
 *
 * The segment is written by another process and is never trusted: a bug,
 * a crash mid-update or a hostile producer may leave any bytes in it. So:
 *  R1. Every offset is checked to be a whole node slot inside the mapping
 *      before it is followed; the mapping's size comes from the kernel
 *      (IPC_STAT), not from the header.
 *  R2. Every string is copied out with a bounded length, must be
 *      NUL-terminated within its field, names must use the name alphabet,
 *      descriptions and units are made printable.
 *  R3. A walk visits at most min(D_TM_WALK_NODES_MAX, number of slots)
 *      nodes and D_TM_DEPTH_MAX levels: a sibling loop or a child pointing
 *      back at an ancestor ends with -DER_DF_INVAL, never an endless walk.
 *  R4. Multi-word values are copied under the node's seqlock, at most
 *      D_TM_SEQ_RETRY_MAX attempts; a node without a stable copy is skipped.
 *  R5. The reader never writes to the segment (it is attached SHM_RDONLY)
 *      and never waits for the producer.
 * A reader handle is immutable after d_tm_reader_open(): walks need no lock.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <daos_errno.h>

#include "gurt/telemetry.h"
#include "gurt/tm_internal.h"

#define NODE_SIZE ((uint64_t)sizeof(struct d_tm_node))
#define HDR_SIZE  ((uint64_t)sizeof(struct d_tm_shm_hdr))

struct d_tm_reader {
	key_t       rd_key;
	int         rd_shmid;
	const char *rd_base;
	uint64_t    rd_size;  /* from the kernel (R1) */
	uint64_t    rd_slots; /* whole node slots after the header */
	uint64_t    rd_root;
};

static int
rd_errno_rc(int err)
{
	switch (err) {
	case ENOENT:
	case EIDRM:
		return -DER_NONEXIST;
	case EACCES:
	case EPERM:
		return -DER_SHMEM_PERMS;
	case ENOMEM:
		return -DER_NOMEM;
	default:
		return -DER_NO_SHMEM;
	}
}

/* Node at \a off if it is a whole slot inside the mapping (R1), else NULL. */
static const struct d_tm_node *
rd_node(const struct d_tm_reader *r, uint64_t off)
{
	if (off < HDR_SIZE || (off - HDR_SIZE) % NODE_SIZE != 0 ||
	    (off - HDR_SIZE) / NODE_SIZE >= r->rd_slots)
		return NULL;
	return (const struct d_tm_node *)(r->rd_base + off);
}

static int
rd_header_check(const struct d_tm_reader *r)
{
	const struct d_tm_shm_hdr *hdr = (const struct d_tm_shm_hdr *)r->rd_base;
	uint64_t                   magic;

	magic = __atomic_load_n(&hdr->sh_magic, __ATOMIC_ACQUIRE);
	if (magic == 0)
		return -DER_AGAIN; /* created, not yet initialised */
	if (magic != D_TM_SHM_MAGIC)
		return -DER_DF_INVAL;
	if (hdr->sh_version != D_TM_SHM_VERSION || hdr->sh_node_size != NODE_SIZE ||
	    hdr->sh_first != HDR_SIZE)
		return -DER_DF_INCOMPT;
	if (hdr->sh_size != r->rd_size)
		return -DER_DF_INVAL;
	if (rd_node(r, hdr->sh_root) == NULL)
		return -DER_DF_INVAL;
	return 0;
}

int
d_tm_reader_open(key_t key, struct d_tm_reader **rp)
{
	struct d_tm_reader *r;
	struct shmid_ds     ds;
	void               *base;
	int                 rc;

	if (rp == NULL || key == IPC_PRIVATE)
		return -DER_INVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -DER_NOMEM;
	r->rd_key   = key;
	r->rd_shmid = shmget(key, 0, 0);
	if (r->rd_shmid < 0) {
		rc = rd_errno_rc(errno);
		goto out;
	}
	if (shmctl(r->rd_shmid, IPC_STAT, &ds) != 0) {
		rc = rd_errno_rc(errno == EINVAL ? EIDRM : errno);
		goto out;
	}
	if (ds.shm_segsz < HDR_SIZE + NODE_SIZE || ds.shm_segsz > D_TM_SEG_SIZE_MAX) {
		rc = -DER_DF_INVAL;
		goto out;
	}
	base = shmat(r->rd_shmid, NULL, SHM_RDONLY);
	if (base == (void *)-1) {
		rc = rd_errno_rc(errno);
		goto out;
	}
	r->rd_base  = base;
	r->rd_size  = ds.shm_segsz;
	r->rd_slots = (r->rd_size - HDR_SIZE) / NODE_SIZE;
	rc          = rd_header_check(r);
	if (rc != 0) {
		shmdt(base);
		goto out;
	}
	r->rd_root = ((const struct d_tm_shm_hdr *)base)->sh_root;
	*rp        = r;
	return 0;
out:
	free(r);
	return rc;
}

void
d_tm_reader_close(struct d_tm_reader *r)
{
	if (r == NULL)
		return;
	shmdt(r->rd_base);
	free(r);
}

bool
d_tm_reader_stale(const struct d_tm_reader *r)
{
	struct shmid_ds ds;

	if (r == NULL)
		return true;
	if (shmctl(r->rd_shmid, IPC_STAT, &ds) != 0)
		return errno == EINVAL || errno == EIDRM;
	return (ds.shm_perm.mode & SHM_DEST) != 0;
}

/* ---- node snapshots ---- */

struct rd_snap {
	uint32_t rs_type;
	char     rs_name[D_TM_NAME_MAX];
	char     rs_desc[D_TM_DESC_MAX];
	char     rs_units[D_TM_UNITS_MAX];
	uint64_t rs_value;
	uint64_t rs_min;
	uint64_t rs_max;
	uint64_t rs_sum;
	uint64_t rs_samples;
	double   rs_sumsq;
};

/* Copy a NUL-terminated field (R2); false when there is no NUL. */
static bool
rd_copy_str(char *dst, const char *src, size_t size)
{
	memcpy(dst, src, size);
	return memchr(dst, '\0', size) != NULL;
}

static void
rd_printable(char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

static bool
rd_name_ok(const char *name, bool root)
{
	size_t len = strlen(name);

	if (root)
		return len == 0;
	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!d_tm_name_char_ok(name[i]))
			return false;
	return true;
}

/* Type and name only: enough to find a path or build one. */
static int
rd_snap_name(const struct d_tm_node *n, bool root, struct rd_snap *s)
{
	s->rs_type = __atomic_load_n(&n->tn_type, __ATOMIC_RELAXED);
	if (!d_tm_type_valid(s->rs_type) || (root && s->rs_type != D_TM_DIRECTORY))
		return -DER_DF_INVAL;
	if (!rd_copy_str(s->rs_name, n->tn_name, sizeof(s->rs_name)) || !rd_name_ok(s->rs_name, root))
		return -DER_DF_INVAL;
	return 0;
}

static void
rd_backoff(int attempt)
{
	if (attempt >= 8)
		sched_yield();
#if defined(__x86_64__) || defined(__i386__)
	else
		__builtin_ia32_pause();
#endif
}

/*
 * Descriptions and values (R2, R4). Returns 0, -DER_DF_INVAL, or -DER_AGAIN
 * when no stable copy of a multi-word value was obtained.
 */
static int
rd_snap_rest(const struct d_tm_node *n, struct rd_snap *s)
{
	if (!rd_copy_str(s->rs_desc, n->tn_desc, sizeof(s->rs_desc)) ||
	    !rd_copy_str(s->rs_units, n->tn_units, sizeof(s->rs_units)))
		return -DER_DF_INVAL;
	rd_printable(s->rs_desc);
	rd_printable(s->rs_units);

	s->rs_value = s->rs_min = s->rs_max = s->rs_sum = s->rs_samples = 0;
	s->rs_sumsq                                                     = 0;
	if (s->rs_type == D_TM_DIRECTORY)
		return 0;
	if (!d_tm_type_has_stats(s->rs_type)) {
		s->rs_value = __atomic_load_n(&n->tn_value, __ATOMIC_RELAXED);
		return 0;
	}
	for (int i = 0; i < D_TM_SEQ_RETRY_MAX; i++) {
		uint64_t s1 = __atomic_load_n(&n->tn_seq, __ATOMIC_ACQUIRE);
		uint64_t s2;

		if (s1 & 1) {
			rd_backoff(i);
			continue;
		}
		s->rs_value   = __atomic_load_n(&n->tn_value, __ATOMIC_RELAXED);
		s->rs_min     = __atomic_load_n(&n->tn_min, __ATOMIC_RELAXED);
		s->rs_max     = __atomic_load_n(&n->tn_max, __ATOMIC_RELAXED);
		s->rs_sum     = __atomic_load_n(&n->tn_sum, __ATOMIC_RELAXED);
		s->rs_samples = __atomic_load_n(&n->tn_samples, __ATOMIC_RELAXED);
		__atomic_load(&n->tn_sumsq, &s->rs_sumsq, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&n->tn_seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return 0;
		rd_backoff(i);
	}
	return -DER_AGAIN;
}

/* ---- walk ---- */

struct rd_walk {
	const struct d_tm_reader *w_r;
	int (*w_cb)(const struct d_tm_sample *s, void *arg);
	void    *w_arg;
	uint64_t w_visited;
	uint64_t w_visit_max;
	bool     w_skipped;
	char     w_path[D_TM_PATH_MAX];
};

static int
rd_count(struct rd_walk *w)
{
	return ++w->w_visited > w->w_visit_max ? -DER_DF_INVAL : 0;
}

static int
rd_emit(struct rd_walk *w, const struct rd_snap *s)
{
	struct d_tm_sample smp = {
	    .ts_path       = w->w_path,
	    .ts_type       = (int)s->rs_type,
	    .ts_desc       = s->rs_desc,
	    .ts_units      = s->rs_units,
	    .ts_value      = s->rs_value,
	    .ts_min        = s->rs_min,
	    .ts_max        = s->rs_max,
	    .ts_sum        = s->rs_sum,
	    .ts_samples    = s->rs_samples,
	    .ts_sumsquares = s->rs_sumsq,
	};

	if (s->rs_samples > 0) {
		double n    = (double)s->rs_samples;
		double mean = (double)s->rs_sum / n;
		double var  = s->rs_samples > 1 ? (s->rs_sumsq - n * mean * mean) / (n - 1) : 0;

		smp.ts_mean = mean;
		/* rounding can make var slightly negative; a bad segment, NaN */
		smp.ts_stddev = var > 0 ? sqrt(var) : 0;
	}
	return w->w_cb(&smp, w->w_arg);
}

/*
 * Visit the node at \a off whose name \a s holds, at \a depth (root = 0);
 * its parent's path is w_path[0..plen).
 */
static int
rd_visit(struct rd_walk *w, uint64_t off, struct rd_snap *s, size_t plen, int depth)
{
	const struct d_tm_node *n = rd_node(w->w_r, off);
	size_t                  len = plen;
	uint64_t                coff;
	int                     rc;

	if (n == NULL)
		return -DER_DF_INVAL;
	if (depth > 0) {
		size_t nlen = strlen(s->rs_name);

		if (len + (len > 0) + nlen >= sizeof(w->w_path))
			return -DER_DF_INVAL; /* the producer never writes such paths */
		if (len > 0)
			w->w_path[len++] = '/';
		memcpy(w->w_path + len, s->rs_name, nlen + 1);
		len += nlen;

		rc = rd_snap_rest(n, s);
		if (rc == -DER_AGAIN)
			w->w_skipped = true;
		else if (rc != 0)
			return rc;
		else if ((rc = rd_emit(w, s)) != 0)
			return rc;
	}
	if (s->rs_type != D_TM_DIRECTORY)
		return 0;

	for (coff = __atomic_load_n(&n->tn_child, __ATOMIC_ACQUIRE); coff != 0;) {
		const struct d_tm_node *c = rd_node(w->w_r, coff);
		struct rd_snap          cs;

		if (c == NULL || depth + 1 > D_TM_DEPTH_MAX ||
		    __atomic_load_n(&c->tn_parent, __ATOMIC_RELAXED) != off)
			return -DER_DF_INVAL;
		rc = rd_count(w);
		if (rc == 0)
			rc = rd_snap_name(c, false, &cs);
		if (rc == 0)
			rc = rd_visit(w, coff, &cs, len, depth + 1);
		if (rc != 0)
			return rc;
		w->w_path[len] = '\0';
		coff           = __atomic_load_n(&c->tn_next, __ATOMIC_ACQUIRE);
	}
	return 0;
}

/* Find the child of directory \a dir named \a name (bounded, R1-R3). */
static int
rd_lookup(struct rd_walk *w, uint64_t dir, const char *name, uint64_t *child, struct rd_snap *cs)
{
	const struct d_tm_node *n = rd_node(w->w_r, dir);
	uint64_t                coff;
	int                     rc;

	if (n == NULL)
		return -DER_DF_INVAL;
	for (coff = __atomic_load_n(&n->tn_child, __ATOMIC_ACQUIRE); coff != 0;) {
		const struct d_tm_node *c = rd_node(w->w_r, coff);

		if (c == NULL || __atomic_load_n(&c->tn_parent, __ATOMIC_RELAXED) != dir)
			return -DER_DF_INVAL;
		rc = rd_count(w);
		if (rc == 0)
			rc = rd_snap_name(c, false, cs);
		if (rc != 0)
			return rc;
		if (strcmp(cs->rs_name, name) == 0) {
			*child = coff;
			return 0;
		}
		coff = __atomic_load_n(&c->tn_next, __ATOMIC_ACQUIRE);
	}
	return -DER_METRIC_NOT_FOUND;
}

int
d_tm_walk(struct d_tm_reader *r, const char *subpath,
	  int (*cb)(const struct d_tm_sample *s, void *arg), void *arg)
{
	char           comps[D_TM_DEPTH_MAX][D_TM_NAME_MAX];
	struct rd_walk w = {.w_r = r, .w_cb = cb, .w_arg = arg};
	struct rd_snap s;
	uint64_t       off;
	size_t         plen = 0;
	int            ncomps;
	int            rc;

	if (r == NULL || cb == NULL)
		return -DER_INVAL;
	rc = d_tm_path_split(subpath != NULL ? subpath : "", true, comps, &ncomps);
	if (rc != 0)
		return rc;
	rc = rd_header_check(r);
	if (rc != 0)
		return rc;
	w.w_visit_max = r->rd_slots < D_TM_WALK_NODES_MAX ? r->rd_slots : D_TM_WALK_NODES_MAX;

	off = r->rd_root;
	rc  = rd_count(&w);
	if (rc == 0)
		rc = rd_snap_name(rd_node(r, off), true, &s);
	for (int i = 0; i < ncomps && rc == 0; i++) {
		if (s.rs_type != D_TM_DIRECTORY) {
			rc = -DER_METRIC_NOT_FOUND;
			break;
		}
		if (i > 0) {
			size_t nlen = strlen(s.rs_name);

			if (plen > 0)
				w.w_path[plen++] = '/';
			memcpy(w.w_path + plen, s.rs_name, nlen + 1);
			plen += nlen;
		}
		rc = rd_lookup(&w, off, comps[i], &off, &s);
	}
	if (rc != 0)
		return rc;
	rc = rd_visit(&w, off, &s, plen, ncomps);
	if (rc == 0 && w.w_skipped)
		rc = -DER_AGAIN;
	return rc;
}
