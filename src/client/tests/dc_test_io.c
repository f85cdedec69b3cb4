/*
 * dc_test_io.c: the libdaos program tests/integration/test_libdaos.py runs
 * against a real cluster and daos_agent. It is built like an application
 * (public headers, shared libdaos) and runs one scenario per invocation:
 *
 *   dc_test_io <scenario> <pool> <cont> [args]
 *     setup     open the container, creating it (labelled) when it is absent
 *     io        S1 and SX objects: single values and arrays of 1 B .. 8 MiB, blocking
 *               and through an event queue, read back and compared; dkey, akey and
 *               extent enumeration; query_key; punch
 *     kv        the KV API: put, get (size, then value), list, remove
 *     array     the array API: create, write across chunks, read, size, set_size,
 *               punch, open, open_with_attr, destroy
 *     meta      pool query (space), container query (every property), attributes,
 *               snapshots (a snapshot transaction reads the old value; the OIT
 *               lists the objects), object ids, handle sharing with a second
 *               process (fork + exec of "g2l")
 *     stale     write, print READY, wait for a line on stdin (the test changes the
 *               pool map), write and read again (-DER_STALE is handled inside),
 *               twice; prints the map versions seen
 *     noagent   pool connect must fail with -DER_AGENT_COMM
 *     g2l       (internal) a process given only the handle blobs reads an object
 *
 * Output: "OK <scenario>" on success, else a line naming the failed check,
 * exit 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <daos.h>

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                           \
		}                                                                          \
	} while (0)

#define CHECK_RC(expr, want)                                                               \
	do {                                                                               \
		int rc_ = (expr);                                                          \
		if (rc_ != (want)) {                                                       \
			fprintf(stderr, "FAILED %s:%d: %s = " DF_RC ", want %d\n", __FILE__, \
				__LINE__, #expr, DP_RC(rc_), (want));                      \
			exit(1);                                                           \
		}                                                                          \
	} while (0)

#define OK(expr) CHECK_RC(expr, 0)

static const char *g_pool, *g_cont;
static daos_handle_t g_poh, g_coh;

static void
fill(uint8_t *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 9)) ^ seed);
}

static void
connect_open(unsigned int cflags)
{
	daos_pool_info_t info = {.pi_bits = DPI_SPACE};

	OK(daos_pool_connect(g_pool, NULL, DAOS_PC_RW, &g_poh, &info, NULL));
	OK(daos_cont_open(g_poh, g_cont, cflags, &g_coh, NULL, NULL));
}

static void
close_disconnect(void)
{
	OK(daos_cont_close(g_coh, NULL));
	OK(daos_pool_disconnect(g_poh, NULL));
}

/* ---- setup ------------------------------------------------------------------- */

static int
sc_setup(void)
{
	daos_prop_t *prop;
	uuid_t       uuid;
	char         str[37];
	int          rc;

	OK(daos_pool_connect(g_pool, NULL, DAOS_PC_RW, &g_poh, NULL, NULL));
	rc = daos_cont_open(g_poh, g_cont, DAOS_COO_RW, &g_coh, NULL, NULL);
	if (rc == -DER_NONEXIST) {
		prop = daos_prop_alloc(2);
		CHECK(prop != NULL);
		prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_CSUM;
		prop->dpp_entries[0].dpe_val  = DAOS_PROP_CO_CSUM_CRC32;
		prop->dpp_entries[1].dpe_type = DAOS_PROP_CO_LAYOUT_TYPE;
		prop->dpp_entries[1].dpe_val  = DAOS_PROP_CO_LAYOUT_HDF5;
		OK(daos_cont_create_with_label(g_poh, g_cont, prop, &uuid, NULL));
		daos_prop_free(prop);
		uuid_unparse(uuid, str);
		printf("created %s\n", str);
		/* the same label again is refused */
		CHECK_RC(daos_cont_create_with_label(g_poh, g_cont, NULL, NULL, NULL), -DER_EXIST);
		OK(daos_cont_open(g_poh, str, DAOS_COO_RW, &g_coh, NULL, NULL));
	} else {
		OK(rc);
	}
	close_disconnect();
	return 0;
}

/* ---- io ---------------------------------------------------------------------- */

static const size_t io_sizes[] = {1, 100, 4095, 4097, 65536, 1u << 20, 3u << 20, 8u << 20};
#define NR_SIZES (sizeof(io_sizes) / sizeof(io_sizes[0]))

/* Single value and array of `len` bytes under dkey, read back and compared. */
static void
io_one(daos_handle_t oh, const char *dkey, size_t len, uint32_t seed)
{
	uint8_t    *in = malloc(len), *out = malloc(len + 16);
	daos_key_t  dk;
	daos_iod_t  iods[2];
	daos_recx_t recx = {.rx_idx = 3, .rx_nr = len};
	d_iov_t     iov[2];
	d_sg_list_t sgl[2];

	CHECK(in != NULL && out != NULL);
	fill(in, len, seed);
	d_iov_set(&dk, (void *)dkey, strlen(dkey));
	memset(iods, 0, sizeof(iods));
	d_iov_set(&iods[0].iod_name, "sv", 2);
	iods[0].iod_type = DAOS_IOD_SINGLE;
	iods[0].iod_size = len;
	iods[0].iod_nr   = 1;
	d_iov_set(&iods[1].iod_name, "arr", 3);
	iods[1].iod_type  = DAOS_IOD_ARRAY;
	iods[1].iod_size  = 1;
	iods[1].iod_nr    = 1;
	iods[1].iod_recxs = &recx;
	for (int i = 0; i < 2; i++) {
		d_iov_set(&iov[i], in, len);
		sgl[i].sg_nr     = 1;
		sgl[i].sg_nr_out = 0;
		sgl[i].sg_iovs   = &iov[i];
	}
	/* one iod per update keeps each request within 8 MiB + descriptors */
	OK(daos_obj_update(oh, DAOS_TX_NONE, 0, &dk, 1, &iods[0], &sgl[0], NULL));
	OK(daos_obj_update(oh, DAOS_TX_NONE, 0, &dk, 1, &iods[1], &sgl[1], NULL));
	/* size query, then too small a buffer, then the value */
	iods[0].iod_size = DAOS_REC_ANY;
	OK(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk, 1, &iods[0], NULL, NULL, NULL));
	CHECK(iods[0].iod_size == len);
	if (len > 1) {
		d_iov_set(&iov[0], out, len - 1);
		CHECK_RC(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk, 1, &iods[0], &sgl[0], NULL, NULL),
			 -DER_REC2BIG);
		CHECK(iods[0].iod_size == len);
	}
	memset(out, 0, len);
	d_iov_set(&iov[0], out, len + 16);
	OK(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk, 1, &iods[0], &sgl[0], NULL, NULL));
	CHECK(iov[0].iov_len == len);
	CHECK(memcmp(in, out, len) == 0);
	memset(out, 0, len);
	d_iov_set(&iov[1], out, len);
	OK(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk, 1, &iods[1], &sgl[1], NULL, NULL));
	CHECK(memcmp(in, out, len) == 0);
	free(in);
	free(out);
}

/* 32 updates in flight through an event queue, then 32 fetches the same way. */
static void
io_eq(daos_handle_t oh, uint32_t seed)
{
	enum { N = 32, LEN = 10000 };
	daos_handle_t eqh;
	daos_event_t  evs[N], *done[N];
	daos_key_t    dk[N];
	daos_iod_t    iod[N];
	d_iov_t       iov[N];
	d_sg_list_t   sgl[N];
	char          keys[N][16];
	uint8_t      *bufs = malloc((size_t)N * LEN), *outs = malloc((size_t)N * LEN);
	int           got;

	CHECK(bufs != NULL && outs != NULL);
	OK(daos_eq_create(&eqh));
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++) {
			snprintf(keys[i], sizeof(keys[i]), "eq-%u-%02d", seed, i);
			d_iov_set(&dk[i], keys[i], strlen(keys[i]));
			memset(&iod[i], 0, sizeof(iod[i]));
			d_iov_set(&iod[i].iod_name, "v", 1);
			iod[i].iod_type = DAOS_IOD_SINGLE;
			iod[i].iod_nr   = 1;
			iod[i].iod_size = LEN;
			if (pass == 0) {
				fill(bufs + (size_t)i * LEN, LEN, seed + (uint32_t)i);
				d_iov_set(&iov[i], bufs + (size_t)i * LEN, LEN);
			} else {
				d_iov_set(&iov[i], outs + (size_t)i * LEN, LEN);
			}
			sgl[i].sg_nr   = 1;
			sgl[i].sg_iovs = &iov[i];
			OK(daos_event_init(&evs[i], eqh, NULL));
			if (pass == 0)
				OK(daos_obj_update(oh, DAOS_TX_NONE, 0, &dk[i], 1, &iod[i], &sgl[i],
						   &evs[i]));
			else
				OK(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk[i], 1, &iod[i], &sgl[i], NULL,
						  &evs[i]));
		}
		for (got = 0; got < N;) {
			int n = daos_eq_poll(eqh, 1, 30 * 1000 * 1000, N, done);

			CHECK(n > 0);
			for (int k = 0; k < n; k++)
				OK(done[k]->ev_error);
			got += n;
		}
		for (int i = 0; i < N; i++)
			OK(daos_event_fini(&evs[i]));
	}
	CHECK(memcmp(bufs, outs, (size_t)N * LEN) == 0);
	OK(daos_eq_destroy(eqh, 0));
	free(bufs);
	free(outs);
}

/* Every dkey of the object, counted through the anchor (small buffers on purpose). */
static uint32_t
count_dkeys(daos_handle_t oh)
{
	daos_anchor_t   anchor = DAOS_ANCHOR_INIT;
	daos_key_desc_t kds[3];
	char            buf[96];
	d_iov_t         iov;
	d_sg_list_t     sgl = {.sg_nr = 1, .sg_iovs = &iov};
	uint32_t        total = 0;

	while (!daos_anchor_is_eof(&anchor)) {
		uint32_t nr = 3;

		d_iov_set(&iov, buf, sizeof(buf));
		OK(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL));
		total += nr;
	}
	return total;
}

static void
io_object(daos_oclass_id_t cid, uint32_t seed)
{
	daos_handle_t   oh;
	daos_obj_id_t   oid = {.lo = seed};
	char            dkey[32];
	daos_key_t      dk;
	daos_anchor_t   anchor = DAOS_ANCHOR_INIT;
	daos_key_desc_t kds[8];
	char            kbuf[256];
	d_iov_t         kiov;
	d_sg_list_t     ksgl = {.sg_nr = 1, .sg_iovs = &kiov};
	uint32_t        nr;
	daos_size_t     rsize = 0;
	daos_recx_t     recxs[8];
	daos_key_t      ak;
	uint32_t        before;

	OK(daos_obj_generate_oid(g_coh, &oid, DAOS_OT_MULTI_HASHED, cid, 0, 0));
	OK(daos_obj_open(g_coh, oid, DAOS_OO_RW, &oh, NULL));
	for (size_t i = 0; i < NR_SIZES; i++) {
		snprintf(dkey, sizeof(dkey), "dkey-%zu", io_sizes[i]);
		io_one(oh, dkey, io_sizes[i], seed + (uint32_t)i);
	}
	io_eq(oh, seed);
	CHECK(count_dkeys(oh) == NR_SIZES + 32);
	/* akeys of one dkey */
	snprintf(dkey, sizeof(dkey), "dkey-%zu", io_sizes[0]);
	d_iov_set(&dk, dkey, strlen(dkey));
	nr = 8;
	d_iov_set(&kiov, kbuf, sizeof(kbuf));
	OK(daos_obj_list_akey(oh, DAOS_TX_NONE, &dk, &nr, kds, &ksgl, &anchor, NULL));
	CHECK(nr == 2);
	CHECK(kds[0].kd_key_len + kds[1].kd_key_len == 5); /* "sv" and "arr" */
	/* the array's extent */
	memset(&anchor, 0, sizeof(anchor));
	snprintf(dkey, sizeof(dkey), "dkey-%zu", io_sizes[4]);
	d_iov_set(&dk, dkey, strlen(dkey));
	d_iov_set(&ak, "arr", 3);
	nr = 8;
	OK(daos_obj_list_recx(oh, DAOS_TX_NONE, &dk, &ak, &rsize, &nr, recxs, NULL, &anchor, true,
			      NULL));
	CHECK(nr >= 1 && rsize == 1);
	CHECK(recxs[0].rx_idx == 3);
	/* punch one akey of a dkey: the other stays */
	memset(&anchor, 0, sizeof(anchor));
	OK(daos_obj_punch_akeys(oh, DAOS_TX_NONE, 0, &dk, 1, &ak, NULL));
	nr = 8;
	d_iov_set(&kiov, kbuf, sizeof(kbuf));
	OK(daos_obj_list_akey(oh, DAOS_TX_NONE, &dk, &nr, kds, &ksgl, &anchor, NULL));
	CHECK(nr == 1 && kds[0].kd_key_len == 2 && memcmp(kbuf, "sv", 2) == 0);
	/* punch some dkeys, then the object */
	before = count_dkeys(oh);
	OK(daos_obj_punch_dkeys(oh, DAOS_TX_NONE, 0, 1, &dk, NULL));
	CHECK(count_dkeys(oh) == before - 1);
	OK(daos_obj_punch(oh, DAOS_TX_NONE, 0, NULL));
	CHECK(count_dkeys(oh) == 0);
	OK(daos_obj_close(oh, NULL));
	CHECK_RC(daos_obj_close(oh, NULL), -DER_NO_HDL);
}

/* Integer dkeys: the greatest one by daos_obj_query_key, in numeric order. */
static void
io_query_key(void)
{
	daos_handle_t oh;
	daos_obj_id_t oid = {.lo = 900};
	uint64_t      keys[] = {5, 256, 1, 70000, 3};
	uint64_t      dval, aval = 0;
	daos_key_t    dk, ak;
	daos_iod_t    iod;
	daos_recx_t   recx = {.rx_idx = 10, .rx_nr = 4}, got;
	d_iov_t       iov;
	d_sg_list_t   sgl = {.sg_nr = 1, .sg_iovs = &iov};
	char          data[4] = "abcd";

	OK(daos_obj_generate_oid(g_coh, &oid, DAOS_OT_DKEY_UINT64, OC_SX, 0, 0));
	OK(daos_obj_open(g_coh, oid, DAOS_OO_RW, &oh, NULL));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		d_iov_set(&dk, &keys[i], sizeof(keys[i]));
		memset(&iod, 0, sizeof(iod));
		d_iov_set(&iod.iod_name, "a", 1);
		iod.iod_type  = DAOS_IOD_ARRAY;
		iod.iod_size  = 1;
		iod.iod_nr    = 1;
		iod.iod_recxs = &recx;
		d_iov_set(&iov, data, 4);
		OK(daos_obj_update(oh, DAOS_TX_NONE, 0, &dk, 1, &iod, &sgl, NULL));
	}
	d_iov_set(&dk, &dval, sizeof(dval));
	d_iov_set(&ak, &aval, sizeof(aval));
	OK(daos_obj_query_key(oh, DAOS_TX_NONE, DAOS_GET_MAX | DAOS_GET_DKEY | DAOS_GET_AKEY |
						       DAOS_GET_RECX,
			      &dk, &ak, &got, NULL));
	CHECK(dk.iov_len == 8 && dval == 70000);
	CHECK(got.rx_idx + got.rx_nr == 14);
	OK(daos_obj_close(oh, NULL));
}

/* Integer dkeys of a one-shard object list in numeric order, in host byte order. */
static void
io_int_list(void)
{
	daos_handle_t   oh;
	daos_obj_id_t   oid = {.lo = 901};
	uint64_t        keys[] = {70000, 5, 256, 1, 3}, want[] = {1, 3, 5, 256, 70000};
	uint64_t        listed[8];
	daos_key_t      dk;
	daos_iod_t      iod;
	d_iov_t         iov;
	d_sg_list_t     sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_anchor_t   anchor = DAOS_ANCHOR_INIT;
	daos_key_desc_t kds[8];
	uint32_t        nr, total = 0;

	OK(daos_obj_generate_oid(g_coh, &oid, DAOS_OT_DKEY_UINT64, OC_S1, 0, 0));
	OK(daos_obj_open(g_coh, oid, DAOS_OO_RW, &oh, NULL));
	for (size_t i = 0; i < 5; i++) {
		d_iov_set(&dk, &keys[i], sizeof(keys[i]));
		memset(&iod, 0, sizeof(iod));
		d_iov_set(&iod.iod_name, "a", 1);
		iod.iod_type = DAOS_IOD_SINGLE;
		iod.iod_nr   = 1;
		iod.iod_size = 1;
		d_iov_set(&iov, "x", 1);
		OK(daos_obj_update(oh, DAOS_TX_NONE, 0, &dk, 1, &iod, &sgl, NULL));
	}
	/* two keys per call: the anchor carries the position */
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 2;
		d_iov_set(&iov, &listed[total], sizeof(uint64_t) * 2);
		OK(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL));
		for (uint32_t i = 0; i < nr; i++)
			CHECK(kds[i].kd_key_len == 8);
		total += nr;
		CHECK(total <= 5);
	}
	CHECK(total == 5);
	CHECK(memcmp(listed, want, sizeof(want)) == 0);
	OK(daos_obj_close(oh, NULL));
}

static int
sc_io(void)
{
	connect_open(DAOS_COO_RW);
	io_object(OC_S1, 1);
	io_object(OC_SX, 2);
	io_query_key();
	io_int_list();
	close_disconnect();
	return 0;
}

/* ---- kv ---------------------------------------------------------------------- */

static int
sc_kv(void)
{
	daos_handle_t   kv;
	daos_obj_id_t   oid = {.lo = 500};
	char            key[32], val[64], out[64];
	daos_size_t     size;
	daos_anchor_t   anchor = DAOS_ANCHOR_INIT;
	daos_key_desc_t kds[16];
	char            kbuf[512];
	d_iov_t         kiov;
	d_sg_list_t     ksgl = {.sg_nr = 1, .sg_iovs = &kiov};
	uint32_t        total = 0;

	connect_open(DAOS_COO_RW);
	OK(daos_obj_generate_oid(g_coh, &oid, DAOS_OT_KV_HASHED, OC_UNKNOWN, 0, 0));
	CHECK(daos_obj_id2type(oid) == DAOS_OT_KV_HASHED);
	OK(daos_kv_open(g_coh, oid, DAOS_OO_RW, &kv, NULL));
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		snprintf(val, sizeof(val), "value of key %d", i);
		OK(daos_kv_put(kv, DAOS_TX_NONE, 0, key, strlen(val) + 1, val, NULL));
	}
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		snprintf(val, sizeof(val), "value of key %d", i);
		size = 0;
		OK(daos_kv_get(kv, DAOS_TX_NONE, 0, key, &size, NULL, NULL));
		CHECK(size == strlen(val) + 1);
		size = sizeof(out);
		OK(daos_kv_get(kv, DAOS_TX_NONE, 0, key, &size, out, NULL));
		CHECK(strcmp(out, val) == 0);
	}
	while (!daos_anchor_is_eof(&anchor)) {
		uint32_t nr = 16;

		d_iov_set(&kiov, kbuf, sizeof(kbuf));
		OK(daos_kv_list(kv, DAOS_TX_NONE, &nr, kds, &ksgl, &anchor, NULL));
		total += nr;
	}
	CHECK(total == 40);
	OK(daos_kv_remove(kv, DAOS_TX_NONE, 0, "key-7", NULL));
	size = sizeof(out);
	OK(daos_kv_get(kv, DAOS_TX_NONE, 0, "key-7", &size, out, NULL));
	CHECK(size == 0);
	OK(daos_kv_close(kv, NULL));
	close_disconnect();
	return 0;
}

/* ---- array ------------------------------------------------------------------- */

static int
sc_array(void)
{
	daos_handle_t      ah, ah2;
	daos_obj_id_t      oid = {.lo = 600};
	daos_size_t        cell, chunk, size;
	size_t             len = (7u << 19) + 333; /* 3.5 MiB and a bit: four chunks */
	uint8_t           *in = malloc(len), *out = malloc(len);
	daos_range_t       rg = {.rg_idx = 100, .rg_len = len};
	daos_array_iod_t   iod = {.arr_nr = 1, .arr_rgs = &rg};
	d_iov_t            iov;
	d_sg_list_t        sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_array_stbuf_t st;

	CHECK(in != NULL && out != NULL);
	connect_open(DAOS_COO_RW);
	OK(daos_array_generate_oid(g_coh, &oid, true, OC_SX, 0, 0));
	OK(daos_array_create(g_coh, oid, DAOS_TX_NONE, 1, 1u << 20, &ah, NULL));
	CHECK_RC(daos_array_create(g_coh, oid, DAOS_TX_NONE, 1, 1u << 20, &ah2, NULL), -DER_EXIST);
	OK(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL));
	CHECK(size == 0);
	fill(in, len, 77);
	d_iov_set(&iov, in, len);
	OK(daos_array_write(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	OK(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL));
	CHECK(size == 100 + len);
	memset(out, 0, len);
	d_iov_set(&iov, out, len);
	OK(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	CHECK(memcmp(in, out, len) == 0);
	CHECK(iod.arr_nr_read == len);
	/* cells never written read as zeros */
	rg.rg_idx = 0;
	rg.rg_len = 100;
	d_iov_set(&iov, out, 100);
	memset(out, 0xff, 100);
	OK(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	for (int i = 0; i < 100; i++)
		CHECK(out[i] == 0);
	/* scatter-gather: three uneven buffers out, two back, across a chunk boundary */
	{
		d_iov_t     w[3], r[2];
		d_sg_list_t wsgl = {.sg_nr = 3, .sg_iovs = w}, rsgl = {.sg_nr = 2, .sg_iovs = r};
		uint8_t    *back = calloc(1, 3000);

		CHECK(back != NULL);
		rg.rg_idx = (1u << 20) - 1000;
		rg.rg_len = 3000;
		d_iov_set(&w[0], in + 7, 1);
		d_iov_set(&w[1], in + 8, 1999);
		d_iov_set(&w[2], in + 2007, 1000);
		OK(daos_array_write(ah, DAOS_TX_NONE, &iod, &wsgl, NULL));
		d_iov_set(&r[0], back, 1500);
		d_iov_set(&r[1], back + 1500, 1500);
		OK(daos_array_read(ah, DAOS_TX_NONE, &iod, &rsgl, NULL));
		CHECK(memcmp(back, in + 7, 3000) == 0);
		free(back);
		/* put the original cells back */
		d_iov_set(&iov, in + rg.rg_idx - 100, 3000);
		OK(daos_array_write(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	}
	/* shrink inside a chunk, then extend */
	OK(daos_array_set_size(ah, DAOS_TX_NONE, 1500000, NULL));
	OK(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL));
	CHECK(size == 1500000);
	OK(daos_array_set_size(ah, DAOS_TX_NONE, 5000000, NULL));
	OK(daos_array_stat(ah, DAOS_TX_NONE, &st, NULL));
	CHECK(st.st_size == 5000000);
	rg.rg_idx = 1499990;
	rg.rg_len = 20;
	d_iov_set(&iov, out, 20);
	OK(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	CHECK(memcmp(out, in + 1499990 - 100, 10) == 0);
	for (int i = 10; i < 20; i++)
		CHECK(out[i] == 0);
	/* punch a range */
	rg.rg_idx = 200;
	rg.rg_len = 50;
	OK(daos_array_punch(ah, DAOS_TX_NONE, &iod, NULL));
	d_iov_set(&iov, out, 50);
	memset(out, 0xff, 50);
	OK(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	for (int i = 0; i < 50; i++)
		CHECK(out[i] == 0);
	OK(daos_array_close(ah, NULL));
	/* open reads the stored sizes */
	OK(daos_array_open(g_coh, oid, DAOS_TX_NONE, DAOS_OO_RW, &cell, &chunk, &ah, NULL));
	CHECK(cell == 1 && chunk == (1u << 20));
	OK(daos_array_destroy(ah, DAOS_TX_NONE, NULL));
	OK(daos_array_close(ah, NULL));
	CHECK_RC(daos_array_open(g_coh, oid, DAOS_TX_NONE, DAOS_OO_RW, &cell, &chunk, &ah, NULL),
		 -DER_NONEXIST);
	/* an array without stored attributes, 8-byte cells */
	oid.lo = 601;
	oid.hi = 0;
	OK(daos_array_generate_oid(g_coh, &oid, false, OC_S1, 0, 0));
	OK(daos_array_open_with_attr(g_coh, oid, DAOS_TX_NONE, DAOS_OO_RW, 8, 1024, &ah, NULL));
	rg.rg_idx = 1000;
	rg.rg_len = 100;
	d_iov_set(&iov, in, 800);
	OK(daos_array_write(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	OK(daos_array_get_size(ah, DAOS_TX_NONE, &size, NULL));
	CHECK(size == 1100);
	d_iov_set(&iov, out, 800);
	OK(daos_array_read(ah, DAOS_TX_NONE, &iod, &sgl, NULL));
	CHECK(memcmp(in, out, 800) == 0);
	OK(daos_array_close(ah, NULL));
	close_disconnect();
	free(in);
	free(out);
	return 0;
}

/* ---- meta -------------------------------------------------------------------- */

static void
write_sv(daos_handle_t oh, const char *dkey, const char *val)
{
	daos_key_t  dk;
	daos_iod_t  iod = {0};
	d_iov_t     iov;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};

	d_iov_set(&dk, (void *)dkey, strlen(dkey));
	d_iov_set(&iod.iod_name, "a", 1);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_nr   = 1;
	iod.iod_size = strlen(val) + 1;
	d_iov_set(&iov, (void *)val, strlen(val) + 1);
	OK(daos_obj_update(oh, DAOS_TX_NONE, 0, &dk, 1, &iod, &sgl, NULL));
}

static int
read_sv(daos_handle_t oh, daos_handle_t th, const char *dkey, char *out, size_t len)
{
	daos_key_t  dk;
	daos_iod_t  iod = {0};
	d_iov_t     iov;
	d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};
	int         rc;

	d_iov_set(&dk, (void *)dkey, strlen(dkey));
	d_iov_set(&iod.iod_name, "a", 1);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_nr   = 1;
	iod.iod_size = DAOS_REC_ANY;
	d_iov_set(&iov, out, len);
	memset(out, 0, len);
	rc = daos_obj_fetch(oh, th, 0, &dk, 1, &iod, &sgl, NULL, NULL);
	return rc != 0 ? rc : (int)iod.iod_size;
}

static char *
blob_to_file(d_iov_t *g, const char *path)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	CHECK(fwrite(g->iov_buf, 1, g->iov_len, f) == g->iov_len);
	fclose(f);
	return (char *)path;
}

static void
blob_from_file(const char *path, d_iov_t *g)
{
	FILE *f = fopen(path, "r");
	long  n;

	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	CHECK(n > 0);
	g->iov_buf = malloc((size_t)n);
	CHECK(g->iov_buf != NULL);
	CHECK(fread(g->iov_buf, 1, (size_t)n, f) == (size_t)n);
	g->iov_buf_len = g->iov_len = (size_t)n;
	fclose(f);
}

static int
sc_meta(const char *self, const char *tmpdir)
{
	daos_pool_info_t   info = {.pi_bits = DPI_SPACE | DPI_REBUILD_STATUS};
	daos_prop_t       *prop;
	struct daos_co_status st;
	const char        *names[] = {"attr.one", "attr.two"};
	const void        *vals[]  = {"1", "second value"};
	size_t             sizes[] = {1, 12}, gsz[2] = {32, 32};
	char               b0[32], b1[32], list[128];
	void              *bufs[] = {b0, b1};
	size_t             lsz = sizeof(list);
	daos_epoch_t       snap, epochs[8];
	daos_epoch_range_t epr;
	int                nr = 8;
	daos_handle_t      oh, th, oit;
	daos_obj_id_t      oid = {.lo = 700}, oids[16];
	daos_anchor_t      anchor = DAOS_ANCHOR_INIT;
	uint32_t           onr, found = 0;
	uint64_t           first;
	char               out[64], pblob[256], cblob[256], oidarg[64];
	d_iov_t            g = {0}, cg = {0};
	pid_t              pid;
	int                status;

	connect_open(DAOS_COO_RW);
	OK(daos_pool_query(g_poh, NULL, &info, NULL, NULL));
	CHECK(info.pi_ntargets > 0);
	CHECK(info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM] > 0);
	CHECK(info.pi_space.ps_space.s_free[DAOS_MEDIA_SCM] <=
	      info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM]);
	printf("pool: %u targets, scm %" PRIu64 "/%" PRIu64 ", nvme %" PRIu64 "/%" PRIu64
	       ", map %u\n",
	       info.pi_ntargets, info.pi_space.ps_space.s_free[DAOS_MEDIA_SCM],
	       info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM],
	       info.pi_space.ps_space.s_free[DAOS_MEDIA_NVME],
	       info.pi_space.ps_space.s_total[DAOS_MEDIA_NVME], info.pi_map_ver);
	/* every container property is accepted; status healthy; the create-time values */
	prop = daos_prop_alloc(0);
	OK(daos_cont_query(g_coh, NULL, prop, NULL));
	CHECK(prop->dpp_nr == DAOS_PROP_CO_NUM);
	daos_prop_val_2_co_status(daos_prop_entry_get(prop, DAOS_PROP_CO_STATUS)->dpe_val, &st);
	CHECK(st.dcs_status == DAOS_PROP_CO_HEALTHY);
	CHECK(strcmp(daos_prop_entry_get(prop, DAOS_PROP_CO_LABEL)->dpe_str, g_cont) == 0);
	CHECK(daos_prop_entry_get(prop, DAOS_PROP_CO_CSUM)->dpe_val == DAOS_PROP_CO_CSUM_CRC32);
	CHECK(daos_prop_entry_get(prop, DAOS_PROP_CO_LAYOUT_TYPE)->dpe_val ==
	      DAOS_PROP_CO_LAYOUT_HDF5);
	daos_prop_free(prop);
	/* attributes */
	OK(daos_cont_set_attr(g_coh, 2, names, vals, sizes, NULL));
	OK(daos_cont_get_attr(g_coh, 2, names, bufs, gsz, NULL));
	CHECK(gsz[0] == 1 && gsz[1] == 12 && memcmp(b1, "second value", 12) == 0);
	OK(daos_cont_list_attr(g_coh, list, &lsz, NULL));
	CHECK(lsz == strlen(names[0]) + strlen(names[1]) + 2);
	OK(daos_cont_del_attr(g_coh, 1, names, NULL));
	CHECK_RC(daos_cont_get_attr(g_coh, 1, names, NULL, gsz, NULL), -DER_NONEXIST);
	OK(daos_pool_set_attr(g_poh, 1, names, vals, sizes, NULL));
	gsz[0] = 32;
	OK(daos_pool_get_attr(g_poh, 1, names, bufs, gsz, NULL));
	CHECK(gsz[0] == 1 && b0[0] == '1');
	OK(daos_pool_del_attr(g_poh, 1, names, NULL));
	/* a second container: listed, mutable property changed, immutable refused, destroyed */
	{
		char                        label[64];
		daos_handle_t               coh2;
		uuid_t                      u2;
		struct daos_pool_cont_info *conts;
		daos_size_t                 nc = 0;
		bool                        listed = false;
		daos_prop_t                *p1 = daos_prop_alloc(1);

		snprintf(label, sizeof(label), "tmp-%d", (int)getpid());
		OK(daos_cont_create_with_label(g_poh, label, NULL, &u2, NULL));
		OK(daos_pool_list_cont(g_poh, &nc, NULL, NULL));
		CHECK(nc >= 2);
		conts = calloc(nc, sizeof(*conts));
		CHECK(conts != NULL);
		OK(daos_pool_list_cont(g_poh, &nc, conts, NULL));
		for (daos_size_t i = 0; i < nc; i++)
			listed |= strcmp(conts[i].pci_label, label) == 0 &&
				  uuid_compare(conts[i].pci_uuid, u2) == 0;
		CHECK(listed);
		free(conts);
		OK(daos_cont_open(g_poh, label, DAOS_COO_RW, &coh2, NULL, NULL));
		p1->dpp_entries[0].dpe_type = DAOS_PROP_CO_SNAPSHOT_MAX;
		p1->dpp_entries[0].dpe_val  = 5;
		OK(daos_cont_set_prop(coh2, p1, NULL));
		p1->dpp_entries[0].dpe_val = 0;
		OK(daos_cont_query(coh2, NULL, p1, NULL));
		CHECK(p1->dpp_entries[0].dpe_val == 5);
		p1->dpp_entries[0].dpe_type = DAOS_PROP_CO_CSUM;
		p1->dpp_entries[0].dpe_val  = DAOS_PROP_CO_CSUM_SHA1;
		CHECK_RC(daos_cont_set_prop(coh2, p1, NULL), -DER_INVAL);
		daos_prop_free(p1);
		OK(daos_cont_get_acl(coh2, &p1, NULL));
		CHECK(daos_prop_entry_get(p1, DAOS_PROP_CO_ACL) != NULL);
		CHECK(daos_prop_entry_get(p1, DAOS_PROP_CO_OWNER)->dpe_str != NULL);
		daos_prop_free(p1);
		OK(daos_cont_close(coh2, NULL));
		OK(daos_cont_destroy(g_poh, label, 1, NULL));
		CHECK_RC(daos_cont_open(g_poh, label, DAOS_COO_RW, &coh2, NULL, NULL), -DER_NONEXIST);
		CHECK_RC(daos_cont_destroy(g_poh, label, 1, NULL), -DER_NONEXIST);
	}
	/* object ids */
	OK(daos_cont_alloc_oids(g_coh, 100, &first, NULL));
	OK(daos_cont_alloc_oids(g_coh, 1, &oid.lo, NULL));
	CHECK(oid.lo >= first + 100);
	/* snapshots: a snapshot transaction reads the old value */
	OK(daos_obj_generate_oid(g_coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0));
	OK(daos_obj_open(g_coh, oid, DAOS_OO_RW, &oh, NULL));
	write_sv(oh, "snapkey", "version-1");
	OK(daos_cont_create_snap_opt(g_coh, &snap, NULL, DAOS_SNAP_OPT_CR | DAOS_SNAP_OPT_OIT,
				     NULL));
	write_sv(oh, "snapkey", "version-2");
	CHECK(read_sv(oh, DAOS_TX_NONE, "snapkey", out, sizeof(out)) == 10);
	CHECK(strcmp(out, "version-2") == 0);
	OK(daos_tx_open_snap(g_coh, snap, &th, NULL));
	CHECK(read_sv(oh, th, "snapkey", out, sizeof(out)) == 10);
	CHECK(strcmp(out, "version-1") == 0);
	CHECK_RC(daos_obj_punch(oh, th, 0, NULL), -DER_NO_PERM);
	OK(daos_tx_close(th, NULL));
	OK(daos_cont_list_snap(g_coh, &nr, epochs, NULL, NULL, NULL));
	CHECK(nr >= 1);
	/* the object index table of the snapshot lists the object, once */
	OK(daos_oit_open(g_coh, snap, &oit, NULL));
	while (!daos_anchor_is_eof(&anchor)) {
		onr = 16;
		OK(daos_oit_list(oit, oids, &onr, &anchor, NULL));
		for (uint32_t i = 0; i < onr; i++)
			found += oids[i].lo == oid.lo && oids[i].hi == oid.hi;
	}
	CHECK(found == 1);
	OK(daos_oit_close(oit, NULL));
	/* handle sharing: a second process with only the blobs reads the object */
	OK(daos_pool_local2global(g_poh, &g));
	g.iov_buf = malloc(g.iov_buf_len);
	OK(daos_pool_local2global(g_poh, &g));
	OK(daos_cont_local2global(g_coh, &cg));
	cg.iov_buf = malloc(cg.iov_buf_len);
	OK(daos_cont_local2global(g_coh, &cg));
	snprintf(pblob, sizeof(pblob), "%s/pool.blob", tmpdir);
	snprintf(cblob, sizeof(cblob), "%s/cont.blob", tmpdir);
	blob_to_file(&g, pblob);
	blob_to_file(&cg, cblob);
	snprintf(oidarg, sizeof(oidarg), "%" PRIu64 ".%" PRIu64, oid.hi, oid.lo);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl(self, self, "g2l", pblob, cblob, oidarg, (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(g.iov_buf);
	free(cg.iov_buf);
	epr.epr_lo = epr.epr_hi = snap;
	OK(daos_cont_destroy_snap(g_coh, epr, NULL));
	CHECK_RC(daos_cont_destroy_snap(g_coh, epr, NULL), -DER_NONEXIST);
	OK(daos_obj_close(oh, NULL));
	close_disconnect();
	return 0;
}

/* The second process of handle sharing: no connect, no open, only the blobs. */
static int
sc_g2l(const char *pblob, const char *cblob, const char *oidarg)
{
	d_iov_t       g, cg;
	daos_handle_t poh, coh, oh;
	daos_obj_id_t oid;
	char          out[64];

	CHECK(sscanf(oidarg, "%" SCNu64 ".%" SCNu64, &oid.hi, &oid.lo) == 2);
	blob_from_file(pblob, &g);
	blob_from_file(cblob, &cg);
	OK(daos_pool_global2local(g, &poh));
	OK(daos_cont_global2local(poh, cg, &coh));
	OK(daos_obj_open(coh, oid, DAOS_OO_RO, &oh, NULL));
	CHECK(read_sv(oh, DAOS_TX_NONE, "snapkey", out, sizeof(out)) == 10);
	CHECK(strcmp(out, "version-2") == 0);
	OK(daos_obj_close(oh, NULL));
	OK(daos_cont_close(coh, NULL));
	OK(daos_pool_disconnect(poh, NULL));
	free(g.iov_buf);
	free(cg.iov_buf);
	return 0;
}

/* ---- stale ------------------------------------------------------------------- */

static uint32_t
map_version(void)
{
	daos_pool_info_t info = {0};

	OK(daos_pool_query(g_poh, NULL, &info, NULL, NULL));
	return info.pi_map_ver;
}

static void
wait_line(const char *what)
{
	char line[64];

	printf("READY %s\n", what);
	fflush(stdout);
	CHECK(fgets(line, sizeof(line), stdin) != NULL);
}

static int
sc_stale(void)
{
	daos_handle_t oh;
	daos_obj_id_t oid = {.lo = 800};
	char          dkey[32], val[32], out[64];

	connect_open(DAOS_COO_RW);
	OK(daos_obj_generate_oid(g_coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0));
	OK(daos_obj_open(g_coh, oid, DAOS_OO_RW, &oh, NULL));
	for (int i = 0; i < 16; i++) {
		snprintf(dkey, sizeof(dkey), "before-%d", i);
		snprintf(val, sizeof(val), "value-%d", i);
		write_sv(oh, dkey, val);
	}
	printf("map %u\n", map_version());
	wait_line("exclude");
	/* the map changed under us: writes and reads of new keys work (targets say STALE) */
	for (int i = 0; i < 16; i++) {
		snprintf(dkey, sizeof(dkey), "after-%d", i);
		snprintf(val, sizeof(val), "value-%d", i);
		write_sv(oh, dkey, val);
		CHECK(read_sv(oh, DAOS_TX_NONE, dkey, out, sizeof(out)) > 0);
		CHECK(strcmp(out, val) == 0);
	}
	printf("map %u\n", map_version());
	wait_line("reintegrate");
	/* everything back in: the keys written first are where they were */
	for (int i = 0; i < 16; i++) {
		snprintf(dkey, sizeof(dkey), "before-%d", i);
		snprintf(val, sizeof(val), "value-%d", i);
		CHECK(read_sv(oh, DAOS_TX_NONE, dkey, out, sizeof(out)) > 0);
		CHECK(strcmp(out, val) == 0);
	}
	printf("map %u\n", map_version());
	OK(daos_obj_close(oh, NULL));
	close_disconnect();
	return 0;
}

/* ---- noagent ----------------------------------------------------------------- */

static int
sc_noagent(void)
{
	int rc = daos_pool_connect(g_pool, NULL, DAOS_PC_RW, &g_poh, NULL, NULL);

	printf("connect: " DF_RC "\n", DP_RC(rc));
	CHECK_RC(rc, -DER_AGENT_COMM);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: %s <scenario> <pool> <cont> [args]\n", argv[0]);
		return 2;
	}
	OK(daos_init());
	if (strcmp(argv[1], "g2l") == 0) {
		rc = argc == 5 ? sc_g2l(argv[2], argv[3], argv[4]) : 2;
		OK(daos_fini());
		if (rc == 0)
			printf("OK g2l\n");
		return rc;
	}
	g_pool = argv[2];
	g_cont = argv[3];
	if (strcmp(argv[1], "setup") == 0)
		rc = sc_setup();
	else if (strcmp(argv[1], "io") == 0)
		rc = sc_io();
	else if (strcmp(argv[1], "kv") == 0)
		rc = sc_kv();
	else if (strcmp(argv[1], "array") == 0)
		rc = sc_array();
	else if (strcmp(argv[1], "meta") == 0)
		rc = sc_meta(argv[0], argc > 4 ? argv[4] : "/tmp");
	else if (strcmp(argv[1], "stale") == 0)
		rc = sc_stale();
	else if (strcmp(argv[1], "noagent") == 0)
		rc = sc_noagent();
	else
		rc = 2;
	OK(daos_fini());
	if (rc == 0)
		printf("OK %s\n", argv[1]);
	return rc;
}
