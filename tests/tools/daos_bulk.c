/*
 * daos_bulk.c: writes many objects through libdaos and reads them back
 * (tests/integration/test_datapath.py).
 *
 *   daos_bulk write  --pool P --cont C --manifest FILE [--objects N] [--seed S] [--inflight Q]
 *   daos_bulk verify --pool P --cont C --manifest FILE [--inflight Q]
 *
 * Object i (0 <= i < N) is fully determined by (seed, i):
 *   size   1 B .. 64 KiB log-uniform; every 100th object 64 KiB .. 8 MiB; object 0 is 1 B,
 *          object 99 exactly 8 MiB
 *   class  S1 for even i, SX for odd i
 *   kind   i % 3: 0 a single value (daos_obj_update/fetch), 1 a byte array (daos_array_*,
 *          1 MiB chunks), 2 a KV entry (daos_kv_put/get)
 *   mode   blocking (NULL event) when (i / 2) % 2 == 0, else through an event queue with up
 *          to Q operations in flight
 *   bytes  xorshift64 of a seed derived from (seed, i)
 * `write` records the seed, the count and every oid in the manifest; `verify` reads every
 * object back (the same kind and mode) and compares. Both print one JSON line
 * {"op", "objects", "bytes", "errors", "seconds"} on stdout, progress on stderr, and exit 1
 * on any error (the first few are described on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <daos.h>

/** Most objects one run handles: bounds the manifest and the oid table. */
#define BULK_OBJECTS_MAX  100000
/** Most operations in flight through the event queue. */
#define BULK_INFLIGHT_MAX 64
/** Largest object (the 8 MiB). */
#define BULK_SIZE_MAX     (8u << 20)
/** Array chunk size (DAOS's default). */
#define BULK_CHUNK        (1u << 20)
/** Errors described on stderr before the rest are only counted. */
#define BULK_ERRORS_SHOWN 10
/** Longest wait for one event queue poll, in microseconds. */
#define BULK_POLL_US      (60ll * 1000 * 1000)

enum bulk_kind { KIND_SV, KIND_ARRAY, KIND_KV };

struct bulk_obj {
	daos_obj_id_t bo_oid;
	uint64_t      bo_size;
	int           bo_kind;
	bool          bo_async;
};

struct bulk_slot {
	daos_event_t     bs_ev;
	bool             bs_busy;
	uint32_t         bs_idx;
	daos_handle_t    bs_oh;
	void            *bs_buf;
	uint64_t         bs_size;
	daos_key_t       bs_dkey;
	daos_iod_t       bs_iod;
	d_iov_t          bs_iov;
	d_sg_list_t      bs_sgl;
	daos_array_iod_t bs_aiod;
	daos_range_t     bs_rg;
};

struct bulk {
	const char      *b_pool, *b_cont, *b_manifest;
	bool             b_write;
	uint32_t         b_nr;
	uint64_t         b_seed;
	uint32_t         b_inflight;
	daos_handle_t    b_poh, b_coh, b_eqh;
	struct bulk_obj *b_objs;
	struct bulk_slot b_slots[BULK_INFLIGHT_MAX];
	uint64_t         b_bytes;
	uint64_t         b_errors;
	uint32_t         b_done;
};

static char dkey_name[] = "dkey";
static char akey_name[] = "data";
static const char kv_key[] = "value";

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void
fill(void *buf, uint64_t len, uint64_t seed, uint32_t i)
{
	uint64_t s = (seed * 1000003u + i) | 1, v = 0;
	uint8_t *p = buf;

	for (uint64_t off = 0; off < len; off++) {
		if (off % 8 == 0)
			v = xorshift(&s);
		p[off] = (uint8_t)(v >> (8 * (off % 8)));
	}
}

/* Log-uniform size in [lo, hi]. */
static uint64_t
log_size(uint64_t *s, uint64_t lo, uint64_t hi)
{
	unsigned bits_lo = 63 - (unsigned)__builtin_clzll(lo);
	unsigned bits_hi = 63 - (unsigned)__builtin_clzll(hi);
	unsigned b       = bits_lo + (unsigned)(xorshift(s) % (bits_hi - bits_lo + 1));
	uint64_t v       = (1ull << b) + xorshift(s) % (1ull << b);

	return v < lo ? lo : v > hi ? hi : v;
}

static void
describe(struct bulk *b, uint32_t i)
{
	struct bulk_obj *o = &b->b_objs[i];
	uint64_t         s = (b->b_seed << 20) ^ (i * 0x9e3779b97f4a7c15ull) ^ 1;

	if (i == 0)
		o->bo_size = 1;
	else if (i % 100 == 99)
		o->bo_size = i == 99 ? BULK_SIZE_MAX : log_size(&s, 64u << 10, BULK_SIZE_MAX);
	else
		o->bo_size = log_size(&s, 1, 64u << 10);
	o->bo_kind  = (int)(i % 3);
	o->bo_async = (i / 2) % 2 == 1;
}

static void
bulk_error(struct bulk *b, uint32_t i, const char *what, int rc)
{
	if (b->b_errors++ < BULK_ERRORS_SHOWN)
		fprintf(stderr, "daos_bulk: object %u (%" PRIx64 ".%" PRIx64 ", %" PRIu64
			" bytes, kind %d): %s: " DF_RC "\n",
			i, b->b_objs[i].bo_oid.hi, b->b_objs[i].bo_oid.lo, b->b_objs[i].bo_size,
			b->b_objs[i].bo_kind, what, DP_RC(rc));
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- One object: open, then the I/O (with ev or blocking), close in finish ---- */

static int
obj_open(struct bulk *b, uint32_t i, struct bulk_slot *sl)
{
	struct bulk_obj *o = &b->b_objs[i];
	daos_size_t      cell, chunk;
	int              rc;

	switch (o->bo_kind) {
	case KIND_ARRAY:
		if (b->b_write)
			rc = daos_array_create(b->b_coh, o->bo_oid, DAOS_TX_NONE, 1, BULK_CHUNK,
					       &sl->bs_oh, NULL);
		else
			rc = daos_array_open(b->b_coh, o->bo_oid, DAOS_TX_NONE, DAOS_OO_RO, &cell,
					     &chunk, &sl->bs_oh, NULL);
		if (rc == 0 && !b->b_write && (cell != 1 || chunk != BULK_CHUNK)) {
			daos_array_close(sl->bs_oh, NULL);
			rc = -DER_MISMATCH;
		}
		return rc;
	default:
		return daos_obj_open(b->b_coh, o->bo_oid, b->b_write ? DAOS_OO_RW : DAOS_OO_RO,
				     &sl->bs_oh, NULL);
	}
}

static int
obj_io(struct bulk *b, uint32_t i, struct bulk_slot *sl, daos_event_t *ev)
{
	struct bulk_obj *o = &b->b_objs[i];

	sl->bs_size = o->bo_size;
	d_iov_set(&sl->bs_iov, sl->bs_buf, o->bo_size);
	sl->bs_sgl.sg_nr     = 1;
	sl->bs_sgl.sg_nr_out = 0;
	sl->bs_sgl.sg_iovs   = &sl->bs_iov;
	switch (o->bo_kind) {
	case KIND_SV:
		d_iov_set(&sl->bs_dkey, dkey_name, sizeof(dkey_name) - 1);
		memset(&sl->bs_iod, 0, sizeof(sl->bs_iod));
		d_iov_set(&sl->bs_iod.iod_name, akey_name, sizeof(akey_name) - 1);
		sl->bs_iod.iod_type = DAOS_IOD_SINGLE;
		sl->bs_iod.iod_size = o->bo_size;
		sl->bs_iod.iod_nr   = 1;
		if (b->b_write)
			return daos_obj_update(sl->bs_oh, DAOS_TX_NONE, 0, &sl->bs_dkey, 1,
					       &sl->bs_iod, &sl->bs_sgl, ev);
		return daos_obj_fetch(sl->bs_oh, DAOS_TX_NONE, 0, &sl->bs_dkey, 1, &sl->bs_iod,
				      &sl->bs_sgl, NULL, ev);
	case KIND_ARRAY:
		sl->bs_rg.rg_idx       = 0;
		sl->bs_rg.rg_len       = o->bo_size;
		sl->bs_aiod.arr_nr     = 1;
		sl->bs_aiod.arr_rgs    = &sl->bs_rg;
		if (b->b_write)
			return daos_array_write(sl->bs_oh, DAOS_TX_NONE, &sl->bs_aiod, &sl->bs_sgl,
						ev);
		return daos_array_read(sl->bs_oh, DAOS_TX_NONE, &sl->bs_aiod, &sl->bs_sgl, ev);
	default:
		if (b->b_write)
			return daos_kv_put(sl->bs_oh, DAOS_TX_NONE, 0, kv_key, o->bo_size,
					   sl->bs_buf, ev);
		return daos_kv_get(sl->bs_oh, DAOS_TX_NONE, 0, kv_key, &sl->bs_size, sl->bs_buf,
				   ev);
	}
}

/* After the I/O (rc): check what was read, close, count. */
static void
obj_finish(struct bulk *b, uint32_t i, struct bulk_slot *sl, int rc)
{
	struct bulk_obj *o = &b->b_objs[i];
	int              rc2;

	if (rc != 0) {
		bulk_error(b, i, b->b_write ? "write" : "read", rc);
	} else if (!b->b_write) {
		uint64_t got = o->bo_size;
		void    *exp = malloc(o->bo_size);

		if (o->bo_kind == KIND_SV)
			got = sl->bs_iod.iod_size;
		else if (o->bo_kind == KIND_KV)
			got = sl->bs_size;
		if (exp == NULL) {
			bulk_error(b, i, "compare", -DER_NOMEM);
		} else {
			fill(exp, o->bo_size, b->b_seed, i);
			if (got != o->bo_size)
				bulk_error(b, i, "size differs", -DER_MISMATCH);
			else if (memcmp(exp, sl->bs_buf, o->bo_size) != 0)
				bulk_error(b, i, "content differs", -DER_MISMATCH);
			else
				b->b_bytes += o->bo_size;
			free(exp);
		}
	} else {
		b->b_bytes += o->bo_size;
	}
	rc2 = o->bo_kind == KIND_ARRAY ? daos_array_close(sl->bs_oh, NULL)
				       : daos_obj_close(sl->bs_oh, NULL);
	if (rc2 != 0)
		bulk_error(b, i, "close", rc2);
	b->b_done++;
	if (b->b_done % 500 == 0 || b->b_done == b->b_nr)
		fprintf(stderr, "daos_bulk %s: %u/%u objects\r%s", b->b_write ? "write" : "verify",
			b->b_done, b->b_nr, b->b_done == b->b_nr ? "\n" : "");
}

static int
slot_buf(struct bulk_slot *sl)
{
	if (sl->bs_buf == NULL)
		sl->bs_buf = malloc(BULK_SIZE_MAX);
	return sl->bs_buf == NULL ? -DER_NOMEM : 0;
}

/* Wait for at least one event; finish what completed. */
static int
reap(struct bulk *b, bool wait)
{
	daos_event_t *evs[BULK_INFLIGHT_MAX];
	int           n;

	n = daos_eq_poll(b->b_eqh, wait ? 1 : 0, wait ? BULK_POLL_US : 0, BULK_INFLIGHT_MAX, evs);
	if (n < 0)
		return n;
	if (n == 0 && wait)
		return -DER_TIMEDOUT;
	for (int k = 0; k < n; k++) {
		struct bulk_slot *sl = NULL;

		for (uint32_t s = 0; s < b->b_inflight; s++)
			if (&b->b_slots[s].bs_ev == evs[k])
				sl = &b->b_slots[s];
		if (sl == NULL)
			return -DER_INVAL;
		obj_finish(b, sl->bs_idx, sl, sl->bs_ev.ev_error);
		sl->bs_busy = false;
	}
	return 0;
}

static int
run(struct bulk *b)
{
	struct bulk_slot sync_slot = {0};
	int              rc;

	rc = slot_buf(&sync_slot);
	for (uint32_t s = 0; rc == 0 && s < b->b_inflight; s++) {
		rc = slot_buf(&b->b_slots[s]);
		if (rc == 0)
			rc = daos_event_init(&b->b_slots[s].bs_ev, b->b_eqh, NULL);
	}
	for (uint32_t i = 0; rc == 0 && i < b->b_nr; i++) {
		struct bulk_obj  *o  = &b->b_objs[i];
		struct bulk_slot *sl = &sync_slot;

		if (o->bo_async) {
			sl = NULL;
			while (sl == NULL && rc == 0) {
				for (uint32_t s = 0; s < b->b_inflight && sl == NULL; s++)
					if (!b->b_slots[s].bs_busy)
						sl = &b->b_slots[s];
				if (sl == NULL)
					rc = reap(b, true);
			}
			if (rc != 0)
				break;
		}
		if (b->b_write)
			fill(sl->bs_buf, o->bo_size, b->b_seed, i);
		else
			memset(sl->bs_buf, 0xa5, o->bo_size);
		sl->bs_idx = i;
		rc = obj_open(b, i, sl);
		if (rc != 0) {
			bulk_error(b, i, "open", rc);
			b->b_done++;
			rc = 0;
			continue;
		}
		if (!o->bo_async) {
			obj_finish(b, i, sl, obj_io(b, i, sl, NULL));
			continue;
		}
		sl->bs_busy = true;
		rc = obj_io(b, i, sl, &sl->bs_ev);
		if (rc != 0) { /* not launched: the event is still ready */
			sl->bs_busy = false;
			obj_finish(b, i, sl, rc);
			rc = 0;
		}
		if (rc == 0)
			rc = reap(b, false);
	}
	for (bool busy = true; rc == 0 && busy;) {
		busy = false;
		for (uint32_t s = 0; s < b->b_inflight; s++)
			busy |= b->b_slots[s].bs_busy;
		if (busy)
			rc = reap(b, true);
	}
	for (uint32_t s = 0; s < b->b_inflight; s++) {
		if (!b->b_slots[s].bs_busy)
			(void)daos_event_fini(&b->b_slots[s].bs_ev);
		free(b->b_slots[s].bs_buf);
	}
	free(sync_slot.bs_buf);
	return rc;
}

/* ---- Manifest: "daos_bulk 1 <seed> <nr>" then "<i> <hi> <lo>" per object ---- */

static int
manifest_write(struct bulk *b)
{
	FILE *f = fopen(b->b_manifest, "w");
	int   ok;

	if (f == NULL)
		return -DER_IO;
	ok = fprintf(f, "daos_bulk 1 %" PRIu64 " %u\n", b->b_seed, b->b_nr) > 0;
	for (uint32_t i = 0; ok && i < b->b_nr; i++)
		ok = fprintf(f, "%u %" PRIu64 " %" PRIu64 "\n", i, b->b_objs[i].bo_oid.hi,
			     b->b_objs[i].bo_oid.lo) > 0;
	ok = (fflush(f) == 0) && ok;
	return (fclose(f) == 0 && ok) ? 0 : -DER_IO;
}

static int
manifest_read(struct bulk *b)
{
	FILE    *f = fopen(b->b_manifest, "r");
	unsigned ver, nr, idx;
	int      rc = 0;

	if (f == NULL) {
		fprintf(stderr, "daos_bulk: cannot open manifest %s: %s\n", b->b_manifest,
			strerror(errno));
		return -DER_NONEXIST;
	}
	if (fscanf(f, "daos_bulk %u %" SCNu64 " %u", &ver, &b->b_seed, &nr) != 3 || ver != 1 ||
	    nr == 0 || nr > BULK_OBJECTS_MAX) {
		rc = -DER_INVAL;
		goto out;
	}
	b->b_nr   = nr;
	b->b_objs = calloc(nr, sizeof(*b->b_objs));
	if (b->b_objs == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < nr; i++) {
		describe(b, i);
		if (fscanf(f, "%u %" SCNu64 " %" SCNu64, &idx, &b->b_objs[i].bo_oid.hi,
			   &b->b_objs[i].bo_oid.lo) != 3 || idx != i) {
			rc = -DER_INVAL;
			goto out;
		}
	}
out:
	if (rc == -DER_INVAL)
		fprintf(stderr, "daos_bulk: %s is not a daos_bulk manifest\n", b->b_manifest);
	fclose(f);
	return rc;
}

static int
gen_oids(struct bulk *b)
{
	uint64_t base;
	int      rc;

	b->b_objs = calloc(b->b_nr, sizeof(*b->b_objs));
	if (b->b_objs == NULL)
		return -DER_NOMEM;
	rc = daos_cont_alloc_oids(b->b_coh, b->b_nr, &base, NULL);
	if (rc != 0) {
		fprintf(stderr, "daos_bulk: daos_cont_alloc_oids: " DF_RC "\n", DP_RC(rc));
		return rc;
	}
	for (uint32_t i = 0; i < b->b_nr && rc == 0; i++) {
		struct bulk_obj *o = &b->b_objs[i];
		enum daos_otype_t type;

		describe(b, i);
		type = o->bo_kind == KIND_ARRAY ? DAOS_OT_ARRAY
		       : o->bo_kind == KIND_KV  ? DAOS_OT_KV_HASHED
						: DAOS_OT_MULTI_HASHED;
		o->bo_oid.lo = base + i;
		o->bo_oid.hi = 0;
		rc = daos_obj_generate_oid(b->b_coh, &o->bo_oid, type, i % 2 == 0 ? OC_S1 : OC_SX,
					   0, 0);
		if (rc != 0)
			fprintf(stderr, "daos_bulk: daos_obj_generate_oid: " DF_RC "\n", DP_RC(rc));
	}
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: daos_bulk write|verify --pool P --cont C --manifest FILE "
		   "[--objects N] [--seed S] [--inflight Q]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pool", required_argument, NULL, 'p'},     {"cont", required_argument, NULL, 'c'},
	    {"manifest", required_argument, NULL, 'm'}, {"objects", required_argument, NULL, 'n'},
	    {"seed", required_argument, NULL, 's'},     {"inflight", required_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0}};
	struct bulk *b;
	double       t0;
	int          c, rc, rc2;
	char        *end;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return 1;
	b->b_nr       = 1000;
	b->b_seed     = 1;
	b->b_inflight = 16;
	if (argc < 2 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "verify") != 0)) {
		usage(stderr);
		return 1;
	}
	b->b_write = strcmp(argv[1], "write") == 0;
	optind     = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		unsigned long long v = 0;

		if (c == 'p' || c == 'c' || c == 'm') {
			*(c == 'p' ? &b->b_pool : c == 'c' ? &b->b_cont : &b->b_manifest) = optarg;
			continue;
		}
		if (c == '?') {
			usage(stderr);
			return 1;
		}
		errno = 0;
		v     = strtoull(optarg, &end, 0);
		if (errno != 0 || *end != '\0' || optarg[0] == '-') {
			fprintf(stderr, "daos_bulk: bad number '%s'\n", optarg);
			return 1;
		}
		if (c == 'n' && v >= 1 && v <= BULK_OBJECTS_MAX)
			b->b_nr = (uint32_t)v;
		else if (c == 's')
			b->b_seed = v;
		else if (c == 'q' && v >= 1 && v <= BULK_INFLIGHT_MAX)
			b->b_inflight = (uint32_t)v;
		else {
			fprintf(stderr, "daos_bulk: value '%s' out of range\n", optarg);
			return 1;
		}
	}
	if (b->b_pool == NULL || b->b_cont == NULL || b->b_manifest == NULL || optind != argc) {
		usage(stderr);
		return 1;
	}

	rc = daos_init();
	if (rc != 0) {
		fprintf(stderr, "daos_bulk: daos_init: " DF_RC "\n", DP_RC(rc));
		return 1;
	}
	rc = daos_pool_connect(b->b_pool, NULL, DAOS_PC_RW, &b->b_poh, NULL, NULL);
	if (rc != 0) {
		fprintf(stderr, "daos_bulk: pool connect %s: " DF_RC "\n", b->b_pool, DP_RC(rc));
		goto fini;
	}
	rc = daos_cont_open(b->b_poh, b->b_cont, DAOS_COO_RW, &b->b_coh, NULL, NULL);
	if (rc != 0) {
		fprintf(stderr, "daos_bulk: container open %s: " DF_RC "\n", b->b_cont, DP_RC(rc));
		goto disconnect;
	}
	rc = daos_eq_create(&b->b_eqh);
	if (rc != 0) {
		fprintf(stderr, "daos_bulk: daos_eq_create: " DF_RC "\n", DP_RC(rc));
		goto close;
	}
	rc = b->b_write ? gen_oids(b) : manifest_read(b);
	if (rc == 0 && b->b_write)
		rc = manifest_write(b);
	t0 = now_s();
	if (rc == 0)
		rc = run(b);
	if (rc != 0)
		fprintf(stderr, "daos_bulk: %s stopped: " DF_RC "\n", argv[1], DP_RC(rc));
	printf("{\"op\": \"%s\", \"objects\": %u, \"bytes\": %" PRIu64 ", \"errors\": %" PRIu64
	       ", \"seconds\": %.3f}\n",
	       argv[1], b->b_done, b->b_bytes, b->b_errors, now_s() - t0);
	rc2 = daos_eq_destroy(b->b_eqh, 0);
	if (rc == 0 && rc2 != 0)
		rc = rc2;
close:
	rc2 = daos_cont_close(b->b_coh, NULL);
	if (rc == 0 && rc2 != 0)
		rc = rc2;
disconnect:
	rc2 = daos_pool_disconnect(b->b_poh, NULL);
	if (rc == 0 && rc2 != 0)
		rc = rc2;
fini:
	daos_fini();
	rc2 = (rc != 0 || b->b_errors != 0) ? 1 : 0;
	free(b->b_objs);
	free(b);
	return rc2;
}
