/*
 * vos_space.c: the SCM quota and the guard that keeps LMDB from ever
 * returning MDB_MAP_FULL inside a batch.
 *
 * Why: MDB_MAP_FULL poisons the write transaction (every later call fails
 * and only an abort is left), which would throw away a whole batch of other
 * clients' updates. So every update and punch estimates, before its first
 * put, an upper bound of the pages it can make LMDB allocate, and is refused
 * with -DER_NOSPACE (the batch intact) when that could exceed either limit:
 *
 *   quota  live pages (every table, LMDB's own included) <= sp_quota_pages,
 *          the map minus a reserve of max(1/8, 512 KiB); the reserve is what
 *          commits and container destroys use, so a full pool can always be
 *          emptied.
 *   map    pages taken from the end of the file by this transaction stay
 *          within the map. LMDB allocates a page for every page it writes
 *          (copy on write): new pages (splits, overflow values) and copies of
 *          pre-existing pages, each copied at most once per transaction. The
 *          bound is hw_begin + growth <= map_pages - slack where
 *            growth <= (live growth) + (copies of pre-existing pages)
 *                      + (overflow pages of replaced values) + commit reserve
 *          live growth is measured exactly when the cheap bound fails, and
 *          pre-existing copies are bounded by the page counts of each table at
 *          the start of the transaction. Free pages reusable by this
 *          transaction (freed by commits before the last one: LMDB keeps the
 *          last one's for its second meta page) are credited for single-page
 *          allocations when the bound without them fails.
 *
 * Invariants
 *   S1. Every put of an update or punch was covered by a successful
 *       vos_space_check() of the same transaction before it ran.
 *   S2. sp_new_since, sp_puts, sp_ovf_* only grow within a transaction and
 *       are reset by vos_space_txn_begin().
 *   S3. The bound assumes no read transaction of another thread pins old
 *       snapshots (a pool belongs to one thread; its own read transaction is
 *       reset before every commit and never older than the last commit).
 */
#define D_LOGFAC DD_FAC(vos)

#include <inttypes.h>

#include "gurt/log.h"
#include "vos/vos_internal.h"

/** Least reserve between the quota and the map: commits and destroys need a few pages. */
#define VOS_SCM_RESERVE_MIN (512ULL << 10)
/** Pages never handed out at the very end of the map (LMDB's own bookkeeping). */
#define VOS_MAP_SLACK_PAGES 8
/** Pages a commit may need besides the puts: container records, header, free list. */
#define VOS_COMMIT_PAGES    16

void
vos_space_init(struct vos_pool *pool, uint64_t psize)
{
	struct vos_space *s = &pool->vp_space;
	uint64_t          reserve;

	s->sp_psize     = psize;
	s->sp_map_pages = pool->vp_hdr.hd_scm_size / psize;
	reserve         = s->sp_map_pages / 8;
	if (reserve < VOS_SCM_RESERVE_MIN / psize)
		reserve = VOS_SCM_RESERVE_MIN / psize;
	s->sp_quota_pages = s->sp_map_pages > reserve ? s->sp_map_pages - reserve : 0;
}

static uint64_t
stat_pages(const MDB_stat *st)
{
	return st->ms_branch_pages + st->ms_leaf_pages + st->ms_overflow_pages;
}

int
vos_space_live_pages(struct vos_pool *pool, MDB_txn *txn, uint64_t *pages)
{
	MDB_stat st;
	uint64_t total = 2; /* the two meta pages */
	int      rc;

	for (int db = 0; db < VOS_DB_NR; db++) {
		rc = mdb_stat(txn, pool->vp_dbi[db], &st);
		if (rc != 0)
			return vos_mdb2der(rc);
		total += stat_pages(&st);
	}
	/* LMDB's free list (dbi 0) and main table of named databases (dbi 1). */
	for (MDB_dbi dbi = 0; dbi < 2; dbi++) {
		rc = mdb_stat(txn, dbi, &st);
		if (rc != 0)
			return vos_mdb2der(rc);
		total += stat_pages(&st);
	}
	*pages = total;
	return 0;
}

int
vos_space_txn_begin(struct vos_pool *pool)
{
	struct vos_space *s   = &pool->vp_space;
	MDB_txn          *txn = pool->vp_wtx.th_txn;
	MDB_envinfo       info;
	MDB_stat          st;
	uint64_t          live = 2;
	int               rc;

	rc = mdb_env_info(pool->vp_env, &info);
	if (rc != 0)
		return vos_mdb2der(rc);
	s->sp_hw_begin = (uint64_t)info.me_last_pgno + 1;

	for (int db = 0; db < VOS_DB_NR; db++) {
		rc = mdb_stat(txn, pool->vp_dbi[db], &st);
		if (rc != 0)
			return vos_mdb2der(rc);
		s->sp_depth[db]  = st.ms_depth;
		s->sp_leaf[db]   = st.ms_leaf_pages;
		s->sp_branch[db] = st.ms_branch_pages;
		s->sp_puts[db]   = 0;
		live += stat_pages(&st);
	}
	s->sp_meta_pages = 0;
	for (MDB_dbi dbi = 0; dbi < 2; dbi++) {
		rc = mdb_stat(txn, dbi, &st);
		if (rc != 0)
			return vos_mdb2der(rc);
		s->sp_meta_pages += stat_pages(&st);
	}
	live += s->sp_meta_pages;
	s->sp_live_begin    = live;
	s->sp_live_known    = live;
	s->sp_new_since     = 0;
	s->sp_new_total     = 0;
	s->sp_ovf_alloc     = 0;
	s->sp_ovf_freed     = 0;
	s->sp_free_reusable = -1;
	return 0;
}

/* Overflow pages LMDB gives a value, 0 when it fits in a leaf node. */
static uint64_t
ovf_pages(const struct vos_space *s, size_t klen, size_t vlen)
{
	/* LMDB moves a value to overflow pages when the node would exceed about half a
	 * page; assuming it a little earlier only over-counts. */
	if (klen + vlen + 8 <= s->sp_psize / 2 - 64)
		return 0;
	return (vlen + 16 + s->sp_psize - 1) / s->sp_psize;
}

void
vos_space_est_put(struct vos_pool *pool, struct vos_space_est *est, enum vos_db db, size_t klen,
		  size_t vlen)
{
	const struct vos_space *s   = &pool->vp_space;
	uint64_t                ovf = ovf_pages(s, klen, vlen);

	est->se_puts[db]++;
	/* A put can split every level of the tree and add a root, plus its overflow run. */
	est->se_new += s->sp_depth[db] + 2 + ovf;
	est->se_ovf_alloc += ovf;
}

void
vos_space_est_replace(struct vos_pool *pool, struct vos_space_est *est, size_t klen,
		      size_t old_vlen)
{
	est->se_ovf_freed += ovf_pages(&pool->vp_space, klen, old_vlen);
}

/* Pages this transaction may take from the end of the file if `est` is added. */
static uint64_t
growth_bound(const struct vos_space *s, const struct vos_space_est *est)
{
	uint64_t growth = 0;
	uint64_t cow    = s->sp_meta_pages;
	uint64_t freed;

	if (s->sp_live_known > s->sp_live_begin)
		growth = s->sp_live_known - s->sp_live_begin;
	growth += s->sp_new_since + est->se_new;
	for (int db = 0; db < VOS_DB_NR; db++) {
		uint64_t puts = (uint64_t)s->sp_puts[db] + est->se_puts[db];
		uint64_t leaf = puts < s->sp_leaf[db] ? puts : s->sp_leaf[db];
		uint64_t br   = puts * s->sp_depth[db];

		if (br > s->sp_branch[db])
			br = s->sp_branch[db];
		cow += leaf + br;
	}
	freed = cow + s->sp_ovf_freed + est->se_ovf_freed;
	/* The commit stores the freed page numbers (8 bytes each) in LMDB's free list. */
	return growth + freed + VOS_COMMIT_PAGES + freed * 8 / s->sp_psize;
}

/* Free pages the open write transaction can reuse (see the file comment). */
static int
free_reusable(struct vos_pool *pool, uint64_t *pages)
{
	struct vos_txh *rtx;
	MDB_cursor     *cur = NULL;
	MDB_envinfo     info;
	MDB_val         k;
	MDB_val         v;
	uint64_t        total = 0;
	int             rc;

	/* Advisory: when the free list cannot be read there is simply no credit. */
	*pages = 0;
	if (mdb_env_info(pool->vp_env, &info) != 0 || vos_rtx_get(pool, &rtx) != 0)
		return 0;
	/* LMDB refuses cursors on its free list in write transactions; read it committed. */
	if (mdb_cursor_open(rtx->th_txn, 0, &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		size_t txnid;
		size_t count;

		if (k.mv_size != sizeof(txnid) || v.mv_size < sizeof(count))
			break;
		memcpy(&txnid, k.mv_data, sizeof(txnid));
		memcpy(&count, v.mv_data, sizeof(count));
		if (txnid >= info.me_last_txnid)
			break;
		total += count;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	*pages = total;
	return 0;
}

int
vos_space_check(struct vos_pool *pool, const struct vos_space_est *est)
{
	struct vos_space *s = &pool->vp_space;
	uint64_t          limit;
	uint64_t          growth;
	int               rc;

	/* Quota on live pages: cheap bound first, exact measure when it fails. */
	if (s->sp_live_known + s->sp_new_since + est->se_new > s->sp_quota_pages) {
		rc = vos_space_live_pages(pool, pool->vp_wtx.th_txn, &s->sp_live_known);
		if (rc != 0)
			return rc;
		s->sp_new_since = 0;
		if (s->sp_live_known + est->se_new > s->sp_quota_pages)
			return -DER_NOSPACE;
	}

	/* Map: pages from the end of the file. */
	limit = s->sp_map_pages > VOS_MAP_SLACK_PAGES ? s->sp_map_pages - VOS_MAP_SLACK_PAGES : 0;
	growth = growth_bound(s, est);
	if (s->sp_hw_begin + growth > limit && s->sp_new_since > 0) {
		/* Replace the estimated splits so far by the exact live growth. */
		rc = vos_space_live_pages(pool, pool->vp_wtx.th_txn, &s->sp_live_known);
		if (rc != 0)
			return rc;
		s->sp_new_since = 0;
		growth          = growth_bound(s, est);
	}
	if (s->sp_hw_begin + growth > limit) {
		uint64_t ovf    = s->sp_ovf_alloc + est->se_ovf_alloc;
		uint64_t single = growth > ovf ? growth - ovf : 0;
		uint64_t credit;

		if (s->sp_free_reusable < 0) {
			uint64_t f = 0;

			rc = free_reusable(pool, &f);
			if (rc != 0)
				return rc;
			s->sp_free_reusable = (int64_t)f;
		}
		credit = (uint64_t)s->sp_free_reusable;
		single = single > credit ? single - credit : 0;
		if (s->sp_hw_begin + single + ovf > limit) {
			D_DEBUG("map guard: hw %" PRIu64 " growth %" PRIu64 " credit %" PRIu64
				" map %" PRIu64 "\n", s->sp_hw_begin, growth, credit,
				s->sp_map_pages);
			return -DER_NOSPACE;
		}
	}

	s->sp_new_since += est->se_new;
	s->sp_new_total += est->se_new;
	s->sp_ovf_alloc += est->se_ovf_alloc;
	s->sp_ovf_freed += est->se_ovf_freed;
	for (int db = 0; db < VOS_DB_NR; db++)
		s->sp_puts[db] += est->se_puts[db];
	return 0;
}
