/*
 * daos_perf_io.c: the worker threads of one phase.
 *
 * Each worker has its own event queue and `depth` slots (an event, a buffer
 * and the arguments of one operation). It keeps every free slot busy while
 * there is work, polls its queue for completions, records each operation's
 * latency (submit to completion, monotonic clock) in its own histogram and
 * counts bytes and failures; main merges the workers' figures after the phase.
 *
 * Work of a phase, per thread, with w = the slots its write phase submitted:
 *   write  slot Pw(k) for k = 0, 1, ... < nslots (ends early at the deadline)
 *   read   slot Pw(Pr(j mod w)) for j = 0, 1, ... (-D: j < w; -T: until the
 *          deadline), so reads touch only what was written, in the chosen order
 *   list   each object's keys in calls of DPERF_LIST_KEYS (-D: one pass per
 *          object; -T: passes until the deadline), a pass checking the key count
 * Pw and Pr are identities for --seq and keyed permutations for --rand.
 *
 * Invariants:
 *  W1. A slot is busy from a successful submission until its event is polled
 *      back; only free slots are (re)filled, so no buffer or argument of an
 *      operation in flight is touched, and the worker drains every busy slot
 *      before its queue and events are released.
 *  W2. A worker writes only its own pw_* fields and stats, except the *_live
 *      counters and pw_done, which main reads atomically for progress.
 *  W3. Phase start: main starts every thread, waits for all of them to be
 *      ready (queue and events made), notes t0 and lets them go, so the
 *      wall time covers the operations only.
 *  W4. Reads and list checks leave out the slots whose write failed (at most
 *      DPERF_FAILED_MAX per thread: a write phase stops after
 *      DPERF_ERRORS_STOP failures), so one failure is counted once.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daos_perf.h"

/** Name of the akey of single values (one byte, as DAOS's arrays and KV use). */
static char dperf_akey[] = "a";

struct dperf_slot {
	daos_event_t     sl_ev;
	bool             sl_busy;
	uint64_t         sl_t0;        /**< submission, ns */
	unsigned         sl_obj;       /**< object number within the thread */
	uint64_t         sl_idx;       /**< index within the object */
	char            *sl_buf;       /**< size bytes (in pw_bufs) */
	d_iov_t          sl_iov;
	d_sg_list_t      sl_sgl;
	daos_range_t     sl_rg;
	daos_array_iod_t sl_aiod;
	uint64_t         sl_dkey_val;
	daos_key_t       sl_dkey;
	daos_iod_t       sl_iod;
	char             sl_key[DPERF_KEY_LEN + 1];
	daos_size_t      sl_vsize;
	/* list */
	daos_anchor_t    sl_anchor;
	uint32_t         sl_nr;
	uint64_t         sl_pass_keys; /**< keys listed so far in this object's pass */
	daos_key_desc_t  sl_kds[DPERF_LIST_KEYS];
	char            *sl_keybuf;    /**< DPERF_LIST_KEYS x DPERF_KEY_LEN */
};

/** One thread's state during a phase. */
struct dperf_ctx {
	struct dperf_worker *c_w;
	struct dperf_run    *c_run;
	enum dperf_phase     c_ph;
	daos_handle_t        c_eqh;
	struct dperf_slot   *c_slots;
	unsigned             c_nev;       /**< events initialised */
	unsigned             c_busy;
	struct dperf_perm    c_pw;        /**< write order over nslots */
	struct dperf_perm    c_pr;        /**< read order over written */
	uint64_t             c_next;      /**< next k (write) or j (read) */
	unsigned             c_next_obj;  /**< list: next object to start a pass of */
	uint64_t            *c_expect;    /**< list: keys per object, NULL without verify */
	uint64_t             c_deadline;  /**< ns, 0: none (-D) */
	bool                 c_stop;      /**< no further submissions */
};

/** Phase coordination (W3). */
struct dperf_sync {
	_Atomic unsigned s_ready;
	_Atomic bool     s_go;
	_Atomic bool     s_abort;
};

struct dperf_targ {
	struct dperf_worker *ta_w;
	enum dperf_phase     ta_ph;
	struct dperf_sync   *ta_sync;
};

const char *
dperf_phase_name(enum dperf_wl wl, enum dperf_phase ph)
{
	static const char *const names[DPERF_WL_NR][3] = {
	    [DPERF_WL_ARRAY] = {"write", "read", "-"},
	    [DPERF_WL_SV]    = {"update", "fetch", "-"},
	    [DPERF_WL_KV]    = {"put", "get", "list"},
	};

	return (unsigned)wl < DPERF_WL_NR && (unsigned)ph < 3 ? names[wl][ph] : "?";
}

static daos_handle_t
dperf_oh(struct dperf_ctx *c, unsigned obj)
{
	return c->c_run->pr_ohs[(size_t)c->c_w->pw_id * c->c_run->pr_cfg->pc_objects + obj];
}

static daos_obj_id_t
dperf_oid(struct dperf_ctx *c, unsigned obj)
{
	return c->c_run->pr_oids[(size_t)c->c_w->pw_id * c->c_run->pr_cfg->pc_objects + obj];
}

/*
 * Count a failure (rc: the operation's error, or 0 for data that fails the
 * check, counted as -DER_MISMATCH); describe the first few of the phase on stderr.
 */
static void
dperf_fail(struct dperf_ctx *c, struct dperf_slot *sl, const char *what, int rc)
{
	struct dperf_stats *st  = &c->c_w->pw_stats;
	struct dperf_run   *run = c->c_run;
	daos_obj_id_t       oid = dperf_oid(c, sl->sl_obj);
	char                sz[32];
	char                why[160] = "";

	st->st_errors++;
	if (rc == 0)
		st->st_verify_errors++;
	if (c->c_ph == DPERF_PH_WRITE && c->c_w->pw_nfailed < DPERF_FAILED_MAX)
		c->c_w->pw_failed[c->c_w->pw_nfailed++] =
		    sl->sl_idx * run->pr_cfg->pc_objects + sl->sl_obj;
	if (st->st_first_rc == 0)
		st->st_first_rc = rc != 0 ? rc : -DER_MISMATCH;
	if (st->st_errors >= DPERF_ERRORS_STOP)
		c->c_stop = true;
	if (atomic_fetch_add(&run->pr_errors_shown, 1) >= DPERF_ERRORS_SHOWN)
		return;
	if (rc != 0)
		snprintf(why, sizeof(why), ": " DF_RC, DP_RC(rc));
	dperf_size_str(run->pr_size, sz, sizeof(sz));
	fprintf(stderr,
		"daos_perf: %s %s %s %s: thread %u, object %" PRIx64 ".%" PRIx64 ", index %" PRIu64
		": %s%s\n",
		dperf_wl_name(run->pr_wl), dperf_phase_name(run->pr_wl, c->c_ph), sz,
		run->pr_oc_name, c->c_w->pw_id, oid.hi, oid.lo, sl->sl_idx, what, why);
}

static int
dperf_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether the write of slot `pos` failed (pw_failed is sorted once the write phase ended). */
static bool
dperf_failed(const struct dperf_worker *w, uint64_t pos)
{
	return w->pw_nfailed > 0 &&
	       bsearch(&pos, w->pw_failed, w->pw_nfailed, sizeof(pos), dperf_cmp_u64) != NULL;
}

/* Whether the phase still has an operation to start, and which slot position. */
static bool
dperf_next_pos(struct dperf_ctx *c, uint64_t *pos)
{
	struct dperf_worker *w     = c->c_w;
	uint64_t             nslot = c->c_run->pr_nslots;

	if (c->c_stop)
		return false;
	if (atomic_load_explicit(c->c_run->pr_stop, memory_order_relaxed) ||
	    (c->c_deadline != 0 && dperf_now_ns() >= c->c_deadline)) {
		c->c_stop = true;
		return false;
	}
	if (c->c_ph == DPERF_PH_WRITE) {
		if (c->c_next >= nslot) {
			if (c->c_deadline != 0)
				w->pw_span_short = true;
			c->c_stop = true;
			return false;
		}
		*pos = dperf_perm_at(&c->c_pw, c->c_next);
		return true;
	}
	/* read: only slots whose write succeeded (W4); at least one is left, so this ends */
	for (;;) {
		if (w->pw_written <= w->pw_nfailed ||
		    (c->c_deadline == 0 && c->c_next >= w->pw_written)) {
			c->c_stop = true;
			return false;
		}
		*pos = dperf_perm_at(&c->c_pw, dperf_perm_at(&c->c_pr, c->c_next % w->pw_written));
		if (!dperf_failed(w, *pos))
			return true;
		c->c_next++;
	}
}

/* Fill slot sl for slot position pos and submit it. 0, or the call's error (not launched). */
static int
dperf_submit_io(struct dperf_ctx *c, struct dperf_slot *sl, uint64_t pos)
{
	struct dperf_run       *run  = c->c_run;
	const struct dperf_cfg *cfg  = run->pr_cfg;
	uint64_t                size = run->pr_size;
	bool                    wr   = c->c_ph == DPERF_PH_WRITE;
	daos_handle_t           oh;
	daos_obj_id_t           oid;

	sl->sl_obj = (unsigned)(pos % cfg->pc_objects);
	sl->sl_idx = pos / cfg->pc_objects;
	oh         = dperf_oh(c, sl->sl_obj);
	oid        = dperf_oid(c, sl->sl_obj);
	if (wr)
		dperf_stamp(sl->sl_buf, size, cfg->pc_seed, oid.lo, sl->sl_idx);
	else if (cfg->pc_verify) /* a stale buffer must not pass the check */
		dperf_stamp(sl->sl_buf, size, cfg->pc_seed ^ 0x5a5a5a5aULL, oid.lo, sl->sl_idx);
	d_iov_set(&sl->sl_iov, sl->sl_buf, size);
	sl->sl_sgl.sg_nr     = 1;
	sl->sl_sgl.sg_nr_out = 0;
	sl->sl_sgl.sg_iovs   = &sl->sl_iov;
	sl->sl_t0            = dperf_now_ns();
	switch (run->pr_wl) {
	case DPERF_WL_ARRAY:
		sl->sl_rg.rg_idx            = sl->sl_idx * size;
		sl->sl_rg.rg_len            = size;
		sl->sl_aiod.arr_nr          = 1;
		sl->sl_aiod.arr_rgs         = &sl->sl_rg;
		sl->sl_aiod.arr_nr_read     = 0;
		sl->sl_aiod.arr_nr_short_read = 0;
		return wr ? daos_array_write(oh, DAOS_TX_NONE, &sl->sl_aiod, &sl->sl_sgl, &sl->sl_ev)
			  : daos_array_read(oh, DAOS_TX_NONE, &sl->sl_aiod, &sl->sl_sgl, &sl->sl_ev);
	case DPERF_WL_SV:
		sl->sl_dkey_val = sl->sl_idx;
		d_iov_set(&sl->sl_dkey, &sl->sl_dkey_val, sizeof(sl->sl_dkey_val));
		memset(&sl->sl_iod, 0, sizeof(sl->sl_iod));
		d_iov_set(&sl->sl_iod.iod_name, dperf_akey, 1);
		sl->sl_iod.iod_type = DAOS_IOD_SINGLE;
		sl->sl_iod.iod_size = size;
		sl->sl_iod.iod_nr   = 1;
		return wr ? daos_obj_update(oh, DAOS_TX_NONE, 0, &sl->sl_dkey, 1, &sl->sl_iod,
					    &sl->sl_sgl, &sl->sl_ev)
			  : daos_obj_fetch(oh, DAOS_TX_NONE, 0, &sl->sl_dkey, 1, &sl->sl_iod,
					   &sl->sl_sgl, NULL, &sl->sl_ev);
	default:
		snprintf(sl->sl_key, sizeof(sl->sl_key), "%016" PRIx64, sl->sl_idx);
		sl->sl_vsize = size;
		return wr ? daos_kv_put(oh, DAOS_TX_NONE, 0, sl->sl_key, size, sl->sl_buf,
					&sl->sl_ev)
			  : daos_kv_get(oh, DAOS_TX_NONE, 0, sl->sl_key, &sl->sl_vsize, sl->sl_buf,
					&sl->sl_ev);
	}
}

/* One list call of the pass sl holds (object sl_obj, anchor sl_anchor). */
static int
dperf_submit_list(struct dperf_ctx *c, struct dperf_slot *sl)
{
	sl->sl_nr = DPERF_LIST_KEYS;
	d_iov_set(&sl->sl_iov, sl->sl_keybuf, (size_t)DPERF_LIST_KEYS * DPERF_KEY_LEN);
	sl->sl_sgl.sg_nr     = 1;
	sl->sl_sgl.sg_nr_out = 0;
	sl->sl_sgl.sg_iovs   = &sl->sl_iov;
	sl->sl_t0            = dperf_now_ns();
	return daos_kv_list(dperf_oh(c, sl->sl_obj), DAOS_TX_NONE, &sl->sl_nr, sl->sl_kds,
			    &sl->sl_sgl, &sl->sl_anchor, &sl->sl_ev);
}

/* List phase: give a free slot the next object pass, if any. */
static bool
dperf_next_pass(struct dperf_ctx *c, struct dperf_slot *sl)
{
	unsigned nobj = c->c_run->pr_cfg->pc_objects;

	if (c->c_stop)
		return false;
	if (atomic_load_explicit(c->c_run->pr_stop, memory_order_relaxed) ||
	    (c->c_deadline != 0 && dperf_now_ns() >= c->c_deadline)) {
		c->c_stop = true;
		return false;
	}
	if (c->c_deadline == 0 && c->c_next_obj >= nobj)
		return false; /* -D: every pass started; those in flight go on */
	sl->sl_obj       = c->c_next_obj % nobj;
	sl->sl_idx       = 0;
	sl->sl_pass_keys = 0;
	memset(&sl->sl_anchor, 0, sizeof(sl->sl_anchor));
	c->c_next_obj++;
	if (c->c_deadline != 0 && c->c_next_obj == nobj)
		c->c_next_obj = 0; /* -T: passes go on until the deadline */
	return true;
}

/* Fill every free slot while there is work (W1). */
static void
dperf_fill(struct dperf_ctx *c)
{
	const struct dperf_cfg *cfg = c->c_run->pr_cfg;

	for (unsigned i = 0; i < cfg->pc_depth && !c->c_stop; i++) {
		struct dperf_slot *sl = &c->c_slots[i];
		uint64_t           pos;
		int                rc;

		if (sl->sl_busy)
			continue;
		if (c->c_ph == DPERF_PH_LIST) {
			if (!dperf_next_pass(c, sl))
				break;
			rc = dperf_submit_list(c, sl);
		} else {
			if (!dperf_next_pos(c, &pos))
				break;
			c->c_next++;
			rc = dperf_submit_io(c, sl, pos);
		}
		if (rc != 0) {
			dperf_fail(c, sl, "submit", rc);
			continue;
		}
		sl->sl_busy = true;
		c->c_busy++;
	}
}

/* Account for a completed list call; the pass goes on in the same slot unless it ended. */
static void
dperf_list_done(struct dperf_ctx *c, struct dperf_slot *sl, uint64_t lat)
{
	struct dperf_stats *st    = &c->c_w->pw_stats;
	uint32_t            nr    = sl->sl_nr < DPERF_LIST_KEYS ? sl->sl_nr : DPERF_LIST_KEYS;
	uint64_t            bytes = 0;

	dperf_hist_add(&st->st_hist, lat);
	st->st_calls++;
	for (uint32_t k = 0; k < nr; k++)
		bytes += sl->sl_kds[k].kd_key_len;
	st->st_ops += nr;
	st->st_bytes += bytes;
	sl->sl_pass_keys += nr;
	if (!daos_anchor_is_eof(&sl->sl_anchor)) {
		int rc;

		/* c_stop: a signal, the deadline or too many errors; the pass is not checked */
		if (c->c_stop || atomic_load_explicit(c->c_run->pr_stop, memory_order_relaxed) ||
		    (c->c_deadline != 0 && dperf_now_ns() >= c->c_deadline))
			return;
		rc = dperf_submit_list(c, sl);
		if (rc != 0) {
			dperf_fail(c, sl, "submit", rc);
			return;
		}
		sl->sl_busy = true;
		c->c_busy++;
		return;
	}
	if (c->c_expect != NULL && sl->sl_pass_keys != c->c_expect[sl->sl_obj]) {
		char what[96];

		snprintf(what, sizeof(what), "listed %" PRIu64 " keys, expected %" PRIu64,
			 sl->sl_pass_keys, c->c_expect[sl->sl_obj]);
		dperf_fail(c, sl, what, 0);
	}
}

/* Account for a completed read or write. */
static void
dperf_io_done(struct dperf_ctx *c, struct dperf_slot *sl, uint64_t lat)
{
	struct dperf_run       *run  = c->c_run;
	const struct dperf_cfg *cfg  = run->pr_cfg;
	struct dperf_stats     *st   = &c->c_w->pw_stats;
	uint64_t                size = run->pr_size;
	uint64_t                got  = size;

	dperf_hist_add(&st->st_hist, lat);
	if (c->c_ph == DPERF_PH_WRITE || !cfg->pc_verify) {
		st->st_ops++;
		st->st_bytes += size;
		return;
	}
	if (run->pr_wl == DPERF_WL_SV)
		got = sl->sl_iod.iod_size;
	else if (run->pr_wl == DPERF_WL_KV)
		got = sl->sl_vsize;
	else if (sl->sl_aiod.arr_nr_short_read != 0)
		got = size - sl->sl_aiod.arr_nr_short_read;
	if (got != size ||
	    !dperf_check(sl->sl_buf, size, cfg->pc_seed, dperf_oid(c, sl->sl_obj).lo, sl->sl_idx)) {
		char what[96];

		if (got != size)
			snprintf(what, sizeof(what), "read %" PRIu64 " bytes, expected %" PRIu64, got,
				 size);
		else
			snprintf(what, sizeof(what), "the data differs from what was written");
		dperf_fail(c, sl, what, 0);
		return;
	}
	st->st_ops++;
	st->st_bytes += size;
}

/* Wait for completions and account for them. 0, or the poll's error. */
static int
dperf_reap(struct dperf_ctx *c)
{
	daos_event_t *evs[DPERF_DEPTH_MAX];
	uint64_t      now;
	int           n;

	n = daos_eq_poll(c->c_eqh, 1, DPERF_POLL_US, DPERF_DEPTH_MAX, evs);
	if (n < 0)
		return n;
	now = dperf_now_ns();
	for (int k = 0; k < n; k++) {
		struct dperf_slot *sl = (struct dperf_slot *)(void *)evs[k]; /* sl_ev is first */
		int                rc = evs[k]->ev_error;

		sl->sl_busy = false;
		c->c_busy--;
		if (rc != 0) {
			dperf_fail(c, sl, "failed", rc);
			continue;
		}
		if (c->c_ph == DPERF_PH_LIST)
			dperf_list_done(c, sl, now - sl->sl_t0);
		else
			dperf_io_done(c, sl, now - sl->sl_t0);
	}
	atomic_store_explicit(&c->c_w->pw_ops_live, c->c_w->pw_stats.st_ops,
			      memory_order_relaxed);
	atomic_store_explicit(&c->c_w->pw_bytes_live, c->c_w->pw_stats.st_bytes,
			      memory_order_relaxed);
	return 0;
}

/* Keys each object holds after the write phase (list verification). */
static int
dperf_expect(struct dperf_ctx *c)
{
	const struct dperf_cfg *cfg = c->c_run->pr_cfg;
	uint64_t                w   = c->c_w->pw_written;

	c->c_expect = calloc(cfg->pc_objects, sizeof(*c->c_expect));
	if (c->c_expect == NULL)
		return -DER_NOMEM;
	if (!cfg->pc_random) {
		for (unsigned o = 0; o < cfg->pc_objects; o++)
			c->c_expect[o] = w / cfg->pc_objects + (o < w % cfg->pc_objects ? 1 : 0);
	} else {
		for (uint64_t k = 0; k < w; k++)
			c->c_expect[dperf_perm_at(&c->c_pw, k) % cfg->pc_objects]++;
	}
	for (unsigned i = 0; i < c->c_w->pw_nfailed; i++) /* W4: never put */
		c->c_expect[c->c_w->pw_failed[i] % cfg->pc_objects]--;
	return 0;
}

/* Event queue, events and list buffers of the phase. */
static int
dperf_ctx_setup(struct dperf_ctx *c)
{
	const struct dperf_cfg *cfg = c->c_run->pr_cfg;
	struct dperf_worker    *w   = c->c_w;
	int                     rc;

	c->c_slots = calloc(cfg->pc_depth, sizeof(*c->c_slots));
	if (c->c_slots == NULL)
		return -DER_NOMEM;
	rc = daos_eq_create(&c->c_eqh);
	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < cfg->pc_depth; i++) {
		struct dperf_slot *sl = &c->c_slots[i];

		sl->sl_buf = (char *)w->pw_bufs + (size_t)i * c->c_run->pr_size;
		if (c->c_ph == DPERF_PH_LIST) {
			sl->sl_keybuf = malloc((size_t)DPERF_LIST_KEYS * DPERF_KEY_LEN);
			if (sl->sl_keybuf == NULL)
				return -DER_NOMEM;
		}
		rc = daos_event_init(&sl->sl_ev, c->c_eqh, NULL);
		if (rc != 0)
			return rc;
		c->c_nev++;
	}
	dperf_perm_init(&c->c_pw, c->c_run->pr_nslots, cfg->pc_random,
			cfg->pc_seed ^ ((uint64_t)w->pw_id << 32) ^ 0x11);
	dperf_perm_init(&c->c_pr, w->pw_written > 0 ? w->pw_written : 1, cfg->pc_random,
			cfg->pc_seed ^ ((uint64_t)w->pw_id << 32) ^ 0x22);
	if (c->c_ph == DPERF_PH_LIST && cfg->pc_verify)
		return dperf_expect(c);
	return 0;
}

static void
dperf_ctx_teardown(struct dperf_ctx *c)
{
	const struct dperf_cfg *cfg = c->c_run->pr_cfg;

	for (unsigned i = 0; i < c->c_nev; i++)
		(void)daos_event_fini(&c->c_slots[i].sl_ev);
	if (daos_handle_is_valid(c->c_eqh))
		(void)daos_eq_destroy(c->c_eqh, DAOS_EQ_DESTROY_FORCE);
	if (c->c_slots != NULL)
		for (unsigned i = 0; i < cfg->pc_depth; i++)
			free(c->c_slots[i].sl_keybuf);
	free(c->c_slots);
	free(c->c_expect);
}

static void *
dperf_thread(void *arg)
{
	struct dperf_targ   *ta = arg;
	struct dperf_worker *w  = ta->ta_w;
	struct dperf_ctx     c  = {.c_w = w, .c_run = w->pw_run, .c_ph = ta->ta_ph};
	struct timespec      nap = {.tv_sec = 0, .tv_nsec = 20000};
	int                  rc;

	rc = dperf_ctx_setup(&c);
	if (rc != 0) {
		w->pw_stats.st_errors++;
		w->pw_stats.st_first_rc = rc;
		fprintf(stderr, "daos_perf: thread %u: cannot prepare its event queue: " DF_RC "\n",
			w->pw_id, DP_RC(rc));
	}
	atomic_fetch_add(&ta->ta_sync->s_ready, 1);
	while (!atomic_load(&ta->ta_sync->s_go))
		nanosleep(&nap, NULL);
	if (rc != 0 || atomic_load(&ta->ta_sync->s_abort))
		goto out;
	if (c.c_run->pr_cfg->pc_seconds > 0)
		c.c_deadline = dperf_now_ns() + (uint64_t)(c.c_run->pr_cfg->pc_seconds * 1e9);
	for (;;) {
		dperf_fill(&c);
		if (c.c_busy == 0)
			break;
		rc = dperf_reap(&c);
		if (rc != 0) {
			/* the queue itself failed: nothing more can be reaped (W1 cannot hold) */
			fprintf(stderr, "daos_perf: thread %u: event queue poll: " DF_RC "\n",
				w->pw_id, DP_RC(rc));
			w->pw_stats.st_errors++;
			if (w->pw_stats.st_first_rc == 0)
				w->pw_stats.st_first_rc = rc;
			break;
		}
	}
	if (c.c_ph == DPERF_PH_WRITE) {
		w->pw_written = c.c_next;
		qsort(w->pw_failed, w->pw_nfailed, sizeof(*w->pw_failed), dperf_cmp_u64);
	}
out:
	w->pw_end_ns = dperf_now_ns();
	if (c.c_busy == 0)
		dperf_ctx_teardown(&c);
	/* else: operations may still land in the slots: leak them rather than free them */
	atomic_store(&w->pw_done, true);
	return NULL;
}

static void
dperf_progress(struct dperf_run *run, struct dperf_worker *w, enum dperf_phase ph, uint64_t t0,
	       uint64_t *last_ns, uint64_t *last_ops)
{
	unsigned threads = run->pr_cfg->pc_threads;
	uint64_t ops = 0, bytes = 0, now = dperf_now_ns();
	double   dt  = (double)(now - *last_ns) / 1e9;
	char     sz[32];

	for (unsigned i = 0; i < threads; i++) {
		ops += atomic_load_explicit(&w[i].pw_ops_live, memory_order_relaxed);
		bytes += atomic_load_explicit(&w[i].pw_bytes_live, memory_order_relaxed);
	}
	dperf_size_str(run->pr_size, sz, sizeof(sz));
	fprintf(stderr, "\r%s %s %s %s: %6.1f s %12" PRIu64 " ops %11.0f ops/s %9.1f MB/s   ",
		dperf_wl_name(run->pr_wl), dperf_phase_name(run->pr_wl, ph), sz, run->pr_oc_name,
		(double)(now - t0) / 1e9, ops, dt > 0 ? (double)(ops - *last_ops) / dt : 0,
		(double)bytes / 1e6 / ((double)(now - t0) / 1e9));
	fflush(stderr);
	*last_ns  = now;
	*last_ops = ops;
}

int
dperf_phase_run(struct dperf_run *run, struct dperf_worker *w, enum dperf_phase ph,
		double *seconds)
{
	unsigned           threads = run->pr_cfg->pc_threads;
	struct dperf_sync  sync    = {0};
	struct dperf_targ *targs;
	pthread_t         *tids;
	struct timespec    nap = {.tv_sec = 0, .tv_nsec = 20000};
	unsigned           started = 0;
	uint64_t           t0, t_end, last_ns, last_ops = 0;
	sigset_t           block, old;
	bool               masked;
	int                rc = 0;

	targs = calloc(threads, sizeof(*targs));
	tids  = calloc(threads, sizeof(*tids));
	if (targs == NULL || tids == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	atomic_store(&run->pr_errors_shown, 0);
	/* SIGINT/SIGTERM go to main (it only sets a flag): workers inherit a mask without them,
	 * so no libdaos call of theirs sees EINTR */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	masked = pthread_sigmask(SIG_BLOCK, &block, &old) == 0;
	for (unsigned i = 0; i < threads; i++) {
		memset(&w[i].pw_stats, 0, sizeof(w[i].pw_stats));
		dperf_hist_reset(&w[i].pw_stats.st_hist);
		atomic_store(&w[i].pw_ops_live, 0);
		atomic_store(&w[i].pw_bytes_live, 0);
		atomic_store(&w[i].pw_done, false);
		w[i].pw_span_short = false;
		targs[i] = (struct dperf_targ){.ta_w = &w[i], .ta_ph = ph, .ta_sync = &sync};
		if (pthread_create(&tids[i], NULL, dperf_thread, &targs[i]) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		started++;
	}
	if (masked)
		(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		atomic_store(&sync.s_abort, true);
	while (atomic_load(&sync.s_ready) < started)
		nanosleep(&nap, NULL);
	t0 = dperf_now_ns();
	atomic_store(&sync.s_go, true);
	last_ns = t0;
	for (uint64_t next = t0 + DPERF_PROGRESS_MS * 1000000ULL;;) {
		struct timespec tick = {.tv_sec = 0, .tv_nsec = 5 * 1000000};
		unsigned        done = 0;

		for (unsigned i = 0; i < started; i++)
			done += atomic_load(&w[i].pw_done) ? 1 : 0;
		if (done == started)
			break;
		nanosleep(&tick, NULL);
		if (run->pr_cfg->pc_progress && dperf_now_ns() >= next) {
			dperf_progress(run, w, ph, t0, &last_ns, &last_ops);
			next += DPERF_PROGRESS_MS * 1000000ULL;
		}
	}
	if (run->pr_cfg->pc_progress)
		fprintf(stderr, "\r%100s\r", "");
	t_end = t0;
	for (unsigned i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
		if (w[i].pw_end_ns > t_end)
			t_end = w[i].pw_end_ns;
	}
	*seconds = (double)(t_end - t0) / 1e9;
out:
	free(targs);
	free(tids);
	return rc;
}
