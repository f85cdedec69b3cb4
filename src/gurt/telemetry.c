/*
 * telemetry.c: the producer side of telemetry: a metric tree in a SysV shared
 * memory segment (layout and invariants in tm_internal.h).
 *
 * Allocation: node slots come from a bump allocator (sh_hwm) or, once their
 * grace period has passed, from the quarantine FIFO of deleted nodes. A
 * structural change (add, delete) holds the handle's mutex, checks that every
 * slot it needs is available before touching anything, builds the new nodes
 * privately and publishes the top one with a single release store, so a
 * reader sees either none or all of the new branch.
 *
 * Producer invariants (beyond tm_internal.h):
 *  P1. sg_q_head..sg_q_tail is a FIFO linked by tn_free_next in deletion
 *      order, so tn_freed_ns is non-decreasing along it: if the head has not
 *      expired, nothing behind it has.
 *  P2. Every node in the FIFO is unlinked from the tree; its tn_child and
 *      tn_next are left as they were for readers still inside it.
 *  P3. A parent's tn_last_child is 0 or its last published child.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include <daos_errno.h>

#include "gurt/telemetry.h"
#include "gurt/tm_internal.h"

#define NODE_SIZE ((uint64_t)sizeof(struct d_tm_node))
#define HDR_SIZE  ((uint64_t)sizeof(struct d_tm_shm_hdr))

struct d_tm_seg {
	key_t                sg_key;
	int                  sg_shmid;
	char                *sg_base;
	uint64_t             sg_size;
	struct d_tm_shm_hdr *sg_hdr;
	pthread_mutex_t      sg_lock;    /* add and delete */
	uint64_t             sg_q_head;  /* quarantine FIFO (P1), 0 = empty */
	uint64_t             sg_q_tail;
	unsigned int         sg_grace_s; /* quarantine period */
};

/* ---- paths ---- */

int
d_tm_path_split(const char *path, bool allow_empty, char comps[][D_TM_NAME_MAX], int *ncomps)
{
	size_t len;
	int    n = 0;

	if (path == NULL || ncomps == NULL)
		return -DER_INVAL;
	len = strnlen(path, D_TM_PATH_MAX);
	if (len >= D_TM_PATH_MAX)
		return -DER_EXCEEDS_PATH_LEN;
	if (len == 0) {
		if (!allow_empty)
			return -DER_INVAL;
		*ncomps = 0;
		return 0;
	}
	if (path[0] == '/' || path[len - 1] == '/')
		return -DER_INVAL;

	for (const char *p = path; *p != '\0';) {
		const char *end = strchr(p, '/');
		size_t      clen = end != NULL ? (size_t)(end - p) : strlen(p);

		if (clen == 0)
			return -DER_INVAL;
		if (clen >= D_TM_NAME_MAX)
			return -DER_EXCEEDS_PATH_LEN;
		for (size_t i = 0; i < clen; i++)
			if (!d_tm_name_char_ok(p[i]))
				return -DER_INVAL;
		if ((clen == 1 && p[0] == '.') || (clen == 2 && p[0] == '.' && p[1] == '.'))
			return -DER_INVAL;
		if (n >= D_TM_DEPTH_MAX)
			return -DER_EXCEEDS_PATH_LEN;
		memcpy(comps[n], p, clen);
		comps[n][clen] = '\0';
		n++;
		p += clen;
		if (*p == '/')
			p++;
	}
	*ncomps = n;
	return 0;
}

/* ---- time ---- */

static uint64_t
tm_now_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static clockid_t
tm_node_clock(uint32_t type)
{
	if (type & D_TM_CLOCK_PROCESS_CPUTIME)
		return CLOCK_PROCESS_CPUTIME_ID;
	if (type & D_TM_CLOCK_THREAD_CPUTIME)
		return CLOCK_THREAD_CPUTIME_ID;
	return CLOCK_MONOTONIC;
}

/* ---- segment ---- */

static inline struct d_tm_node *
seg_node(const struct d_tm_seg *seg, uint64_t off)
{
	assert(off >= HDR_SIZE && off + NODE_SIZE <= seg->sg_size);
	return (struct d_tm_node *)(seg->sg_base + off);
}

static int
seg_errno_rc(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return -DER_SHMEM_PERMS;
	case ENOMEM:
		return -DER_NOMEM;
	default:
		return -DER_NO_SHMEM;
	}
}

/* Remove a leftover segment of \a key if this uid owns it (DAOS's rule). */
static int
seg_remove_leftover(key_t key)
{
	struct shmid_ds ds;
	int             shmid;

	shmid = shmget(key, 0, 0);
	if (shmid < 0)
		return errno == ENOENT ? 0 : seg_errno_rc(errno);
	if (shmctl(shmid, IPC_STAT, &ds) != 0)
		return (errno == EINVAL || errno == EIDRM) ? 0 : seg_errno_rc(errno);
	if (ds.shm_perm.uid != geteuid())
		return -DER_SHMEM_PERMS;
	if (shmctl(shmid, IPC_RMID, NULL) != 0 && errno != EINVAL && errno != EIDRM)
		return seg_errno_rc(errno);
	return 0;
}

int
d_tm_seg_create(key_t key, size_t size_bytes, struct d_tm_seg **segp)
{
	struct d_tm_seg     *seg;
	struct d_tm_shm_hdr *hdr;
	struct d_tm_node    *root;
	void                *base;
	int                  rc;

	if (segp == NULL || key == IPC_PRIVATE || size_bytes < D_TM_SEG_SIZE_MIN ||
	    size_bytes > D_TM_SEG_SIZE_MAX)
		return -DER_INVAL;

	seg = calloc(1, sizeof(*seg));
	if (seg == NULL)
		return -DER_NOMEM;
	if (pthread_mutex_init(&seg->sg_lock, NULL) != 0) {
		free(seg);
		return -DER_NOMEM;
	}
	seg->sg_key     = key;
	seg->sg_size    = size_bytes;
	seg->sg_grace_s = D_TM_REUSE_GRACE_S;
	seg->sg_shmid   = -1;

	rc = seg_remove_leftover(key);
	if (rc != 0)
		goto out;
	seg->sg_shmid = shmget(key, size_bytes, IPC_CREAT | IPC_EXCL | D_TM_SHM_MODE);
	if (seg->sg_shmid < 0) {
		/* EEXIST: another producer recreated it between our remove and create */
		rc = errno == EEXIST ? -DER_BUSY : seg_errno_rc(errno);
		goto out;
	}
	base = shmat(seg->sg_shmid, NULL, 0);
	if (base == (void *)-1) {
		rc = seg_errno_rc(errno);
		shmctl(seg->sg_shmid, IPC_RMID, NULL);
		goto out;
	}
	seg->sg_base = base;

	/* The kernel hands out zeroed memory: only non-zero fields are written. */
	hdr                = base;
	hdr->sh_version    = D_TM_SHM_VERSION;
	hdr->sh_node_size  = (uint32_t)NODE_SIZE;
	hdr->sh_size       = size_bytes;
	hdr->sh_first      = HDR_SIZE;
	hdr->sh_root       = HDR_SIZE;
	hdr->sh_writer_pid = (uint64_t)getpid();
	hdr->sh_created    = (uint64_t)time(NULL);
	__atomic_store_n(&hdr->sh_hwm, HDR_SIZE + NODE_SIZE, __ATOMIC_RELAXED);
	root          = (struct d_tm_node *)((char *)base + HDR_SIZE);
	root->tn_type = D_TM_DIRECTORY;
	/* Readers treat a zero magic as "not ready": publish the header last. */
	__atomic_store_n(&hdr->sh_magic, D_TM_SHM_MAGIC, __ATOMIC_RELEASE);
	seg->sg_hdr = hdr;
	*segp       = seg;
	return 0;
out:
	pthread_mutex_destroy(&seg->sg_lock);
	free(seg);
	return rc;
}

void
d_tm_seg_destroy(struct d_tm_seg *seg, bool remove)
{
	if (seg == NULL)
		return;
	if (seg->sg_base != NULL)
		shmdt(seg->sg_base);
	if (remove)
		shmctl(seg->sg_shmid, IPC_RMID, NULL);
	pthread_mutex_destroy(&seg->sg_lock);
	free(seg);
}

int
d_tm_seg_set_reuse_grace(struct d_tm_seg *seg, unsigned int seconds)
{
	if (seg == NULL || seconds > D_TM_REUSE_GRACE_MAX_S)
		return -DER_INVAL;
	pthread_mutex_lock(&seg->sg_lock);
	seg->sg_grace_s = seconds;
	pthread_mutex_unlock(&seg->sg_lock);
	return 0;
}

/* ---- slot allocation (caller holds sg_lock) ---- */

static bool
seg_q_expired(const struct d_tm_seg *seg, const struct d_tm_node *n, uint64_t now)
{
	return now - n->tn_freed_ns >= (uint64_t)seg->sg_grace_s * 1000000000ULL;
}

/* Are \a need slots available now? (P1: stop at the first unexpired node.) */
static bool
seg_capacity_ok(const struct d_tm_seg *seg, int need)
{
	uint64_t hwm   = __atomic_load_n(&seg->sg_hdr->sh_hwm, __ATOMIC_RELAXED);
	uint64_t avail = (seg->sg_size - hwm) / NODE_SIZE;
	uint64_t now   = tm_now_ns(CLOCK_MONOTONIC);

	for (uint64_t off = seg->sg_q_head; off != 0 && avail < (uint64_t)need;) {
		const struct d_tm_node *n = seg_node(seg, off);

		if (!seg_q_expired(seg, n, now))
			break;
		avail++;
		off = n->tn_free_next;
	}
	return avail >= (uint64_t)need;
}

/* Take a slot; seg_capacity_ok() said there is one. */
static uint64_t
seg_slot_alloc(struct d_tm_seg *seg)
{
	uint64_t off;
	uint64_t hwm = __atomic_load_n(&seg->sg_hdr->sh_hwm, __ATOMIC_RELAXED);

	/* Reuse first, so bump space stays for bursts within the grace period. */
	if (seg->sg_q_head != 0 &&
	    seg_q_expired(seg, seg_node(seg, seg->sg_q_head), tm_now_ns(CLOCK_MONOTONIC))) {
		off            = seg->sg_q_head;
		seg->sg_q_head = seg_node(seg, off)->tn_free_next;
		if (seg->sg_q_head == 0)
			seg->sg_q_tail = 0;
		return off;
	}
	assert(hwm + NODE_SIZE <= seg->sg_size);
	__atomic_store_n(&seg->sg_hdr->sh_hwm, hwm + NODE_SIZE, __ATOMIC_RELAXED);
	return hwm;
}

/*
 * (Re)initialise an unpublished slot. A reused slot may still be read by a
 * reader stalled past the grace period: the seqlock makes it retry values
 * it catches mid-change, and its bounds checks cover the rest.
 */
static void
seg_node_init(struct d_tm_node *n, uint32_t type, uint64_t parent, const char *name,
	      const char *desc, const char *units)
{
	uint64_t seq  = __atomic_load_n(&n->tn_seq, __ATOMIC_RELAXED);
	double   zero = 0;

	if (seq & 1)
		seq++; /* a writer died mid-update in a previous life of the slot */
	__atomic_store_n(&n->tn_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&n->tn_type, type, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_lock, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_value, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_min, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_max, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_sum, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_samples, 0, __ATOMIC_RELAXED);
	__atomic_store(&n->tn_sumsq, &zero, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_parent, parent, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_child, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_next, 0, __ATOMIC_RELAXED);
	n->tn_last_child = 0;
	n->tn_free_next  = 0;
	n->tn_freed_ns   = 0;
	/* lengths were checked by the caller; zero the tails of a reused slot */
	memset(n->tn_name, 0, sizeof(n->tn_name));
	memset(n->tn_desc, 0, sizeof(n->tn_desc));
	memset(n->tn_units, 0, sizeof(n->tn_units));
	memcpy(n->tn_name, name, strnlen(name, sizeof(n->tn_name) - 1));
	memcpy(n->tn_desc, desc, strnlen(desc, sizeof(n->tn_desc) - 1));
	memcpy(n->tn_units, units, strnlen(units, sizeof(n->tn_units) - 1));
	__atomic_store_n(&n->tn_seq, seq + 2, __ATOMIC_RELEASE);
}

/* Child of \a dir named \a name, or 0 (caller holds sg_lock). */
static uint64_t
seg_child_find(const struct d_tm_seg *seg, const struct d_tm_node *dir, const char *name)
{
	uint64_t off = __atomic_load_n(&dir->tn_child, __ATOMIC_RELAXED);

	while (off != 0) {
		const struct d_tm_node *c = seg_node(seg, off);

		if (strncmp(c->tn_name, name, D_TM_NAME_MAX) == 0)
			return off;
		off = __atomic_load_n(&c->tn_next, __ATOMIC_RELAXED);
	}
	return 0;
}

/* Publish \a off as the last child of \a parent_off (invariant 2). */
static void
seg_link(struct d_tm_seg *seg, uint64_t parent_off, uint64_t off)
{
	struct d_tm_node *parent = seg_node(seg, parent_off);

	if (parent->tn_last_child == 0)
		__atomic_store_n(&parent->tn_child, off, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&seg_node(seg, parent->tn_last_child)->tn_next, off,
				 __ATOMIC_RELEASE);
	parent->tn_last_child = off;
}

static int
text_check(const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	if (len >= max)
		return -DER_OVERFLOW;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -DER_INVAL;
	return 0;
}

int
d_tm_add_metric(struct d_tm_seg *seg, struct d_tm_node **node, int type, const char *desc,
		const char *units, const char *fmt, ...)
{
	char     path[D_TM_PATH_MAX];
	char     comps[D_TM_DEPTH_MAX][D_TM_NAME_MAX];
	uint64_t cur;
	uint64_t top = 0;
	uint64_t prev = 0;
	va_list  ap;
	int      ncomps;
	int      found;
	int      len;
	int      rc;

	if (seg == NULL || fmt == NULL || type < 0 || !d_tm_type_valid((uint32_t)type))
		return -DER_INVAL;
	if ((type & D_TM_DURATION) && !(type & D_TM_CLOCK_MASK))
		type |= D_TM_CLOCK_REALTIME;
	desc  = desc != NULL ? desc : "";
	units = units != NULL ? units : "";
	rc    = text_check(desc, D_TM_DESC_MAX);
	if (rc == 0)
		rc = text_check(units, D_TM_UNITS_MAX);
	if (rc != 0)
		return rc;

	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -DER_INVAL;
	if (len >= (int)sizeof(path))
		return -DER_EXCEEDS_PATH_LEN;
	rc = d_tm_path_split(path, false, comps, &ncomps);
	if (rc != 0)
		return rc;

	pthread_mutex_lock(&seg->sg_lock);
	cur = seg->sg_hdr->sh_root;
	for (found = 0; found < ncomps; found++) {
		uint64_t child = seg_child_find(seg, seg_node(seg, cur), comps[found]);

		if (child == 0)
			break;
		if (found < ncomps - 1 && seg_node(seg, child)->tn_type != D_TM_DIRECTORY) {
			rc = -DER_NOTDIR;
			goto out;
		}
		cur = child;
	}
	if (found == ncomps) {
		if (seg_node(seg, cur)->tn_type != (uint32_t)type) {
			rc = -DER_EXIST;
			goto out;
		}
		if (node != NULL)
			*node = seg_node(seg, cur);
		goto out;
	}
	if (!seg_capacity_ok(seg, ncomps - found)) {
		rc = -DER_NO_SHMEM;
		goto out;
	}

	/* Build the missing branch privately, then publish its top at once. */
	for (int i = found; i < ncomps; i++) {
		uint64_t off    = seg_slot_alloc(seg);
		bool     leaf   = i == ncomps - 1;
		uint64_t parent = prev != 0 ? prev : cur;

		seg_node_init(seg_node(seg, off), leaf ? (uint32_t)type : D_TM_DIRECTORY, parent,
			      comps[i], leaf ? desc : "", leaf ? units : "");
		if (prev != 0) {
			__atomic_store_n(&seg_node(seg, prev)->tn_child, off, __ATOMIC_RELAXED);
			seg_node(seg, prev)->tn_last_child = off;
		} else {
			top = off;
		}
		prev = off;
	}
	seg_link(seg, cur, top);
	__atomic_fetch_add(&seg->sg_hdr->sh_gen, 1, __ATOMIC_RELEASE);
	if (node != NULL)
		*node = seg_node(seg, prev);
out:
	pthread_mutex_unlock(&seg->sg_lock);
	return rc;
}

/* Append one unlinked node to the quarantine FIFO (P1, P2). */
static void
seg_q_push(struct d_tm_seg *seg, uint64_t off, uint64_t now)
{
	struct d_tm_node *n = seg_node(seg, off);

	n->tn_free_next = 0;
	n->tn_freed_ns  = now;
	if (seg->sg_q_tail == 0)
		seg->sg_q_head = off;
	else
		seg_node(seg, seg->sg_q_tail)->tn_free_next = off;
	seg->sg_q_tail = off;
}

int
d_tm_del_node(struct d_tm_seg *seg, const char *path)
{
	char     comps[D_TM_DEPTH_MAX][D_TM_NAME_MAX];
	uint64_t off;
	uint64_t parent_off;
	uint64_t prev = 0;
	uint64_t it;
	uint64_t now;
	int      ncomps;
	int      rc;

	if (seg == NULL)
		return -DER_INVAL;
	rc = d_tm_path_split(path, false, comps, &ncomps);
	if (rc != 0)
		return rc;

	pthread_mutex_lock(&seg->sg_lock);
	off = seg->sg_hdr->sh_root;
	for (int i = 0; i < ncomps; i++) {
		if (seg_node(seg, off)->tn_type != D_TM_DIRECTORY)
			off = 0;
		else
			off = seg_child_find(seg, seg_node(seg, off), comps[i]);
		if (off == 0) {
			rc = -DER_METRIC_NOT_FOUND;
			goto out;
		}
	}

	/* Unlink: one release store makes the whole subtree unreachable. */
	parent_off = seg_node(seg, off)->tn_parent;
	for (it = __atomic_load_n(&seg_node(seg, parent_off)->tn_child, __ATOMIC_RELAXED);
	     it != off; it = __atomic_load_n(&seg_node(seg, it)->tn_next, __ATOMIC_RELAXED))
		prev = it;
	it = __atomic_load_n(&seg_node(seg, off)->tn_next, __ATOMIC_RELAXED);
	if (prev == 0)
		__atomic_store_n(&seg_node(seg, parent_off)->tn_child, it, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&seg_node(seg, prev)->tn_next, it, __ATOMIC_RELEASE);
	if (seg_node(seg, parent_off)->tn_last_child == off)
		seg_node(seg, parent_off)->tn_last_child = prev;

	/*
	 * Quarantine the subtree breadth first, using the FIFO itself as the
	 * queue: every node appended is later scanned for its children, whose
	 * links are intact (P2).
	 */
	now = tm_now_ns(CLOCK_MONOTONIC);
	seg_q_push(seg, off, now);
	for (it = off; it != 0; it = seg_node(seg, it)->tn_free_next) {
		uint64_t c = __atomic_load_n(&seg_node(seg, it)->tn_child, __ATOMIC_RELAXED);

		for (; c != 0; c = __atomic_load_n(&seg_node(seg, c)->tn_next, __ATOMIC_RELAXED))
			seg_q_push(seg, c, now);
	}
	__atomic_fetch_add(&seg->sg_hdr->sh_gen, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&seg->sg_lock);
	return rc;
}

/* ---- value updates ---- */

static inline uint32_t
node_base(const struct d_tm_node *n)
{
	return __atomic_load_n(&n->tn_type, __ATOMIC_RELAXED) & D_TM_BASE_TYPES;
}

static void
node_lock(struct d_tm_node *n)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&n->tn_lock, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&n->tn_lock, __ATOMIC_RELAXED) != 0) {
			/* The holder may be preempted: do not burn a whole slice. */
			if (++spins % 64 == 0)
				sched_yield();
#if defined(__x86_64__) || defined(__i386__)
			else
				__builtin_ia32_pause();
#endif
		}
	}
}

static void
node_unlock(struct d_tm_node *n)
{
	__atomic_store_n(&n->tn_lock, 0, __ATOMIC_RELEASE);
}

/* Record sample \a v of a stats gauge or duration; caller holds node_lock. */
static void
stats_record_locked(struct d_tm_node *n, uint64_t v)
{
	uint64_t seq     = __atomic_load_n(&n->tn_seq, __ATOMIC_RELAXED);
	uint64_t samples = __atomic_load_n(&n->tn_samples, __ATOMIC_RELAXED);
	uint64_t min     = __atomic_load_n(&n->tn_min, __ATOMIC_RELAXED);
	uint64_t max     = __atomic_load_n(&n->tn_max, __ATOMIC_RELAXED);
	uint64_t sum     = __atomic_load_n(&n->tn_sum, __ATOMIC_RELAXED);
	double   sumsq;

	__atomic_load(&n->tn_sumsq, &sumsq, __ATOMIC_RELAXED);
	if (samples == 0 || v < min)
		min = v;
	if (samples == 0 || v > max)
		max = v;
	sumsq += (double)v * (double)v;

	/* invariant 4: odd, values, even */
	__atomic_store_n(&n->tn_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&n->tn_value, v, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_min, min, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_max, max, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_sum, sum + v, __ATOMIC_RELAXED);
	__atomic_store(&n->tn_sumsq, &sumsq, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_samples, samples + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&n->tn_seq, seq + 2, __ATOMIC_RELEASE);
}

static void
stats_record(struct d_tm_node *n, uint64_t v)
{
	node_lock(n);
	stats_record_locked(n, v);
	node_unlock(n);
}

void
d_tm_inc_counter(struct d_tm_node *n, uint64_t v)
{
	if (n != NULL && node_base(n) == D_TM_COUNTER)
		__atomic_fetch_add(&n->tn_value, v, __ATOMIC_RELAXED);
}

void
d_tm_set_counter(struct d_tm_node *n, uint64_t v)
{
	if (n != NULL && node_base(n) == D_TM_COUNTER)
		__atomic_store_n(&n->tn_value, v, __ATOMIC_RELAXED);
}

void
d_tm_set_gauge(struct d_tm_node *n, uint64_t v)
{
	if (n == NULL)
		return;
	if (node_base(n) == D_TM_GAUGE)
		__atomic_store_n(&n->tn_value, v, __ATOMIC_RELAXED);
	else if (node_base(n) == D_TM_STATS_GAUGE)
		stats_record(n, v);
}

void
d_tm_inc_gauge(struct d_tm_node *n, uint64_t v)
{
	if (n == NULL)
		return;
	if (node_base(n) == D_TM_GAUGE) {
		__atomic_fetch_add(&n->tn_value, v, __ATOMIC_RELAXED);
	} else if (node_base(n) == D_TM_STATS_GAUGE) {
		node_lock(n);
		stats_record_locked(n, __atomic_load_n(&n->tn_value, __ATOMIC_RELAXED) + v);
		node_unlock(n);
	}
}

void
d_tm_dec_gauge(struct d_tm_node *n, uint64_t v)
{
	uint64_t old;
	uint64_t new;

	if (n == NULL)
		return;
	if (node_base(n) == D_TM_GAUGE) {
		old = __atomic_load_n(&n->tn_value, __ATOMIC_RELAXED);
		do {
			new = old > v ? old - v : 0;
		} while (!__atomic_compare_exchange_n(&n->tn_value, &old, new, true,
						      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	} else if (node_base(n) == D_TM_STATS_GAUGE) {
		node_lock(n);
		old = __atomic_load_n(&n->tn_value, __ATOMIC_RELAXED);
		stats_record_locked(n, old > v ? old - v : 0);
		node_unlock(n);
	}
}

void
d_tm_record_timestamp(struct d_tm_node *n)
{
	if (n != NULL && node_base(n) == D_TM_TIMESTAMP)
		__atomic_store_n(&n->tn_value, (uint64_t)time(NULL), __ATOMIC_RELAXED);
}

void
d_tm_set_duration_us(struct d_tm_node *n, uint64_t us)
{
	if (n != NULL && node_base(n) == D_TM_DURATION)
		stats_record(n, us);
}

/*
 * Per-thread starts of durations. When the table is full, the oldest start is
 * forgotten (its end will then be ignored): a leak of starts without ends
 * cannot grow anything.
 */
struct tm_dur_slot {
	struct d_tm_node *ds_node;
	uint64_t          ds_start_ns;
	uint64_t          ds_tick;
};
static __thread struct tm_dur_slot tm_dur_slots[D_TM_DURATION_NEST_MAX];
static __thread uint64_t           tm_dur_tick;

void
d_tm_mark_duration_start(struct d_tm_node *n)
{
	struct tm_dur_slot *slot = NULL;

	if (n == NULL || node_base(n) != D_TM_DURATION)
		return;
	for (int i = 0; i < D_TM_DURATION_NEST_MAX; i++) {
		struct tm_dur_slot *s = &tm_dur_slots[i];

		if (s->ds_node == n) {
			slot = s;
			break;
		}
		if (slot == NULL || (slot->ds_node != NULL &&
				     (s->ds_node == NULL || s->ds_tick < slot->ds_tick)))
			slot = s;
	}
	slot->ds_node     = n;
	slot->ds_tick     = ++tm_dur_tick;
	slot->ds_start_ns = tm_now_ns(tm_node_clock(__atomic_load_n(&n->tn_type,
								      __ATOMIC_RELAXED)));
}

void
d_tm_mark_duration_end(struct d_tm_node *n)
{
	uint64_t now;

	if (n == NULL || node_base(n) != D_TM_DURATION)
		return;
	for (int i = 0; i < D_TM_DURATION_NEST_MAX; i++) {
		struct tm_dur_slot *s = &tm_dur_slots[i];

		if (s->ds_node != n)
			continue;
		now = tm_now_ns(tm_node_clock(__atomic_load_n(&n->tn_type, __ATOMIC_RELAXED)));
		stats_record(n, now > s->ds_start_ns ? (now - s->ds_start_ns) / 1000 : 0);
		s->ds_node = NULL;
		return;
	}
}
