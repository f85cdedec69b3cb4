/*
 * test_engine.c: the data path of daos_engine (src/engine): storage
 * (daos_nvme.json, SMD, a file bdev made with bio_dev_create_file), real
 * target threads listening on a free port range of 127.0.0.1, driven through
 * a real net client with the src/proto messages, as libdaos and daos_server
 * will drive them (docs/design.md C1-C3).
 *
 * Every test makes its own temporary SCM directory and bdev, starts its own
 * targets and stops them; every wait is bounded (WAIT_MS).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include <daos_errno.h>
#include <daos_obj_class.h>
#include "gurt/byteorder.h"
#include "gurt/hlc.h"
#include "net/net.h"
#include "placement/placement.h"
#include "proto/proto.h"
#include "vos/vos.h"
#include "engine/engine.h"
#include "engine/eng_internal.h"

#define LOCALHOST "127.0.0.1"
#define WAIT_MS   20000            /* upper bound of any wait */
#define CALL_MS   20000            /* deadline of one call */
#define MiB       (1ULL << 20)
#define DEV_SIZE  (64 * MiB)       /* the file bdev of a test */
#define SCM_SIZE  (16 * MiB)       /* SCM per target of a test pool */
#define NVME_SIZE (8 * MiB)        /* NVMe per target of a test pool */
#define NTGT      2
#define EVS_MAX   32

struct ectx {
	char                 dir[64];
	char                 bdev[128];
	uint32_t             nr;
	uint16_t             port;
	struct eng_storage  *st;
	struct eng_tgts     *tg;
	struct net_client   *cl;
	struct eng_tgt_event evs[EVS_MAX]; /* RAS events seen while starting */
	int                  ev_nr;
	struct d_ras_event   ras[EVS_MAX]; /* events of the storage's RAS queue (eng_dev.c) */
	int                  ras_nr;
};

static struct ectx *g;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool
port_free(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	int                one = 1;
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);
	bool               ok;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, LOCALHOST, &sin.sin_addr);
	ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/* A base port b with b .. b + n free now (the engine's port and its targets'). */
static uint16_t
free_base(uint32_t n)
{
	for (int tries = 0; tries < 500; tries++) {
		uint16_t base = (uint16_t)(20000 + (unsigned)rand() % 40000);
		bool     ok   = true;

		for (uint32_t i = 0; i <= n && ok; i++)
			ok = port_free((uint16_t)(base + i));
		if (ok)
			return base;
	}
	fail_msg("no free port range");
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
nvme_conf(struct ectx *c)
{
	char path[128], text[512];

	snprintf(path, sizeof(path), "%s/%s", c->dir, ENG_NVME_CONF_FILE);
	snprintf(text, sizeof(text),
		 "{\"version\":1,\"devices\":[{\"path\":\"%s\",\"class\":\"file\",\"size\":%llu}]}",
		 c->bdev, (unsigned long long)DEV_SIZE);
	write_file(path, text);
}

/* Open the storage and start the targets; collect RAS events; wait until all serve. */
static void
targets_up(struct ectx *c)
{
	struct eng_tgts_cfg cfg = {.tc_ip = LOCALHOST, .tc_nr = c->nr, .tc_first_core = -1};
	char                why[512];
	uint32_t            started = 0;
	uint64_t            deadline;
	int                 rc = -DER_BUSY;

	if (eng_storage_open(c->dir, c->nr, &c->st, why, sizeof(why)) != 0)
		fail_msg("storage: %s", why);
	/* Another process may take a port between the check and the bind: retry. */
	for (int tries = 0; tries < 10 && rc != 0; tries++) {
		cfg.tc_port = free_base(c->nr);
		rc          = eng_tgts_create(&cfg, &c->tg, why, sizeof(why));
		if (rc != 0 && rc != -DER_BUSY)
			fail_msg("targets: %s", why);
	}
	assert_int_equal(rc, 0);
	c->port = cfg.tc_port;
	assert_int_equal(eng_tgts_nr(c->tg), c->nr);
	assert_int_equal(eng_tgts_port(c->tg, 0), c->port + 1);
	assert_int_equal(eng_tgts_port(c->tg, c->nr), 0);
	assert_int_equal(eng_tgts_start(c->tg, c->st), 0);
	assert_int_equal(eng_tgts_start(c->tg, c->st), -DER_INVAL);
	c->ev_nr = 0;
	deadline = now_ms() + WAIT_MS;
	while (started < c->nr) {
		struct eng_tgt_event ev;

		if (eng_tgts_event(c->tg, &ev) != 0) {
			assert_true(now_ms() < deadline);
			usleep(1000);
			continue;
		}
		if (ev.te_type == ENG_EV_STARTED) {
			assert_int_equal(ev.te_rc, 0);
			started++;
		} else if (c->ev_nr < EVS_MAX) {
			c->evs[c->ev_nr++] = ev;
		}
	}
	/* A target queues its start-up events before it says it started. */
	c->ras_nr = 0;
	while (c->ras_nr < EVS_MAX && eng_ras_pop(c->st, &c->ras[c->ras_nr]) == 0)
		c->ras_nr++;
}

static void
targets_down(struct ectx *c)
{
	assert_int_equal(eng_tgts_stop(c->tg), 0);
	c->tg = NULL;
	eng_storage_close(c->st);
	c->st = NULL;
}

static int
setup(void **state)
{
	struct ectx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	srand((unsigned)(getpid() ^ now_ms()));
	strcpy(c->dir, "/tmp/engt.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->bdev, sizeof(c->bdev), "%s/bdev0.img", c->dir);
	assert_int_equal(bio_dev_create_file(c->bdev, DEV_SIZE), 0);
	nvme_conf(c);
	c->nr = NTGT;
	assert_int_equal(net_client_create(&c->cl), 0);
	targets_up(c);
	g      = c;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ectx *c = *state;
	char         cmd[128];

	if (c->tg != NULL)
		targets_down(c);
	net_client_destroy(c->cl);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	assert_int_equal(system(cmd), 0);
	free(c);
	return 0;
}

/* ---- Calls ---- */

/* Send m (or an empty body) to target t; the reply's status; *rep kept when asked. */
static int
call(struct ectx *c, uint32_t t, uint16_t op, uint32_t mapv, struct proto_msg *m,
     struct net_call_reply **repp)
{
	struct net_call_reply *rep = NULL;
	const struct iovec    *iov = NULL;
	int                    cnt = 0;
	int                    rc;

	struct iovec           flat = {0};

	if (m != NULL)
		assert_int_equal(proto_msg_iov(m, &iov, &cnt), 0);
	if (cnt > NET_IOV_MAX) {
		/* net takes at most NET_IOV_MAX iovecs: one per iod's data would be more. */
		for (int i = 0; i < cnt; i++)
			flat.iov_len += iov[i].iov_len;
		flat.iov_base = malloc(flat.iov_len);
		assert_non_null(flat.iov_base);
		flat.iov_len = 0;
		for (int i = 0; i < cnt; i++) {
			memcpy((uint8_t *)flat.iov_base + flat.iov_len, iov[i].iov_base,
			       iov[i].iov_len);
			flat.iov_len += iov[i].iov_len;
		}
		iov = &flat;
		cnt = 1;
	}
	rc = net_call(c->cl, LOCALHOST, (uint16_t)(c->port + 1 + t), op, mapv, iov, cnt, CALL_MS,
		      &rep);
	free(flat.iov_base);
	if (m != NULL)
		proto_msg_fini(m);
	if (repp != NULL)
		*repp = rep;
	else
		net_reply_free(rep);
	return rc;
}

static int
ping(struct ectx *c, uint32_t t)
{
	return call(c, t, PROTO_OP_PING, 0, NULL, NULL);
}

static int
pool_create(struct ectx *c, uint32_t t, const uuid_t pool, uint64_t scm, uint64_t nvme)
{
	struct proto_tgt_pool_create pc = {.tpc_scm_bytes = scm, .tpc_nvme_bytes = nvme};
	struct proto_msg             m;

	uuid_copy(pc.tpc_pool, pool);
	proto_msg_init(&m);
	assert_int_equal(proto_tgt_pool_create_enc(&pc, &m), 0);
	return call(c, t, PROTO_OP_TGT_POOL_CREATE, 0, &m, NULL);
}

static int
pool_op(struct ectx *c, uint32_t t, uint16_t op, const uuid_t pool,
	struct net_call_reply **rep)
{
	struct proto_tgt_pool tp;
	struct proto_msg      m;

	uuid_copy(tp.tp_pool, pool);
	proto_msg_init(&m);
	assert_int_equal(proto_tgt_pool_enc(&tp, &m), 0);
	return call(c, t, op, 0, &m, rep);
}

static int
cont_op(struct ectx *c, uint32_t t, uint16_t op, const uuid_t pool, const uuid_t cont)
{
	struct proto_tgt_cont tc;
	struct proto_msg      m;

	uuid_copy(tc.tc_pool, pool);
	uuid_copy(tc.tc_cont, cont);
	proto_msg_init(&m);
	assert_int_equal(proto_tgt_cont_enc(&tc, &m), 0);
	return call(c, t, op, 0, &m, NULL);
}

/* TGT_QUERY of target t. */
static int
query(struct ectx *c, uint32_t t, const uuid_t pool, struct proto_tgt_query_rep *q)
{
	struct net_call_reply *rep;
	int                    rc;

	rc = pool_op(c, t, PROTO_OP_TGT_QUERY, pool, &rep);
	if (rc == 0)
		assert_int_equal(proto_tgt_query_rep_dec(rep->cr_body, rep->cr_len, q, NULL, 0), 0);
	net_reply_free(rep);
	return rc;
}

/* Map update with a one-rank map of c->nr targets at version v (blob version bv). */
static int
map_update(struct ectx *c, uint32_t t, const uuid_t pool, uint32_t v, uint32_t bv,
	   uint32_t *reply_mv)
{
	struct pl_rank_desc         rd = {.rd_rank = 0, .rd_domain = "host0", .rd_nr_targets = c->nr};
	struct pl_pool_map         *map;
	struct proto_tgt_map_update mu;
	struct net_call_reply      *rep;
	struct proto_msg            m;
	uint8_t                     buf[4096];
	size_t                      len;
	int                         rc;

	assert_int_equal(pl_map_create(&rd, 1, &map, NULL, 0), 0);
	map->pm_version = bv;
	assert_int_equal(pl_map_encode(map, buf, sizeof(buf), &len), 0);
	pl_map_free(map);
	uuid_copy(mu.tmu_pool, pool);
	mu.tmu_map_version = v;
	d_iov_set(&mu.tmu_map, buf, len);
	proto_msg_init(&m);
	assert_int_equal(proto_tgt_map_update_enc(&mu, &m), 0);
	rc = call(c, t, PROTO_OP_TGT_MAP_UPDATE, 0, &m, &rep);
	if (reply_mv != NULL)
		*reply_mv = rep != NULL ? rep->cr_hdr.ph_map_version : UINT32_MAX;
	net_reply_free(rep);
	return rc;
}

static void
req_init(struct proto_obj_req *r, uint32_t t, const uuid_t pool, const uuid_t cont,
	 daos_obj_id_t oid, daos_epoch_t epoch)
{
	uuid_copy(r->or_pool, pool);
	uuid_copy(r->or_cont, cont);
	r->or_tgt_idx = t;
	r->or_oid     = oid;
	r->or_epoch   = epoch;
}

/* A test object: the pool, container, map version and object of the calls. */
struct tobj {
	uuid_t        to_pool;
	uuid_t        to_cont;
	daos_obj_id_t to_oid;
	uint32_t      to_mapv;
};

static void
tobj_init(struct tobj *o, uint32_t type)
{
	uuid_generate(o->to_pool);
	uuid_generate(o->to_cont);
	o->to_oid.hi  = ((uint64_t)type << 56) | 0x1234;
	o->to_oid.lo  = (uint64_t)rand();
	o->to_mapv    = 0;
}

/* A pool on every target. */
static void
tobj_pool(struct ectx *c, struct tobj *o, uint64_t nvme)
{
	for (uint32_t t = 0; t < c->nr; t++)
		assert_int_equal(pool_create(c, t, o->to_pool, SCM_SIZE, nvme), 0);
}

static void
update_msg(struct proto_msg *m, uint32_t t, const struct tobj *o, daos_epoch_t e,
	   const char *dkey, uint32_t nr, daos_iod_t *iods, d_sg_list_t *sgls)
{
	struct proto_obj_update u;

	req_init(&u.ou_req, t, o->to_pool, o->to_cont, o->to_oid, e);
	d_iov_set(&u.ou_dkey, (void *)dkey, strlen(dkey));
	u.ou_iod_nr = nr;
	u.ou_iods   = iods;
	u.ou_sgls   = sgls;
	proto_msg_init(m);
	assert_int_equal(proto_obj_update_enc(&u, m), 0);
}

/* Update a single value akey (size bytes of data). */
static int
put_sv(struct ectx *c, uint32_t t, const struct tobj *o, daos_epoch_t e, const char *dkey,
       const char *akey, const void *data, size_t size)
{
	daos_iod_t       iod = {.iod_type = DAOS_IOD_SINGLE, .iod_size = size, .iod_nr = 1};
	d_iov_t          iov;
	d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
	struct proto_msg m;

	d_iov_set(&iod.iod_name, (void *)akey, strlen(akey));
	d_iov_set(&iov, (void *)data, size);
	update_msg(&m, t, o, e, dkey, 1, &iod, &sgl);
	return call(c, t, PROTO_OP_OBJ_UPDATE, o->to_mapv, &m, NULL);
}

/* Update an array akey: one extent [idx, idx + nr) of rsize-byte records. */
static int
put_arr(struct ectx *c, uint32_t t, const struct tobj *o, daos_epoch_t e, const char *dkey,
	const char *akey, uint64_t idx, uint64_t nr, uint64_t rsize, const void *data)
{
	daos_recx_t      rx  = {.rx_idx = idx, .rx_nr = nr};
	daos_iod_t       iod = {.iod_type = DAOS_IOD_ARRAY, .iod_size = rsize, .iod_nr = 1,
				.iod_recxs = &rx};
	d_iov_t          iov;
	d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
	struct proto_msg m;

	d_iov_set(&iod.iod_name, (void *)akey, strlen(akey));
	d_iov_set(&iov, (void *)data, nr * rsize);
	update_msg(&m, t, o, e, dkey, 1, &iod, &sgl);
	return call(c, t, PROTO_OP_OBJ_UPDATE, o->to_mapv, &m, NULL);
}

/*
 * Fetch one akey (single when rsize is 0, else an array extent) into buf of
 * cap bytes; *size gets the reported iod size, *got the bytes returned.
 */
static int
get(struct ectx *c, uint32_t t, const struct tobj *o, daos_epoch_t e, const char *dkey,
    const char *akey, uint64_t rsize, uint64_t idx, uint64_t nr, void *buf, uint64_t cap,
    uint32_t flags, uint64_t *size, uint64_t *got)
{
	daos_recx_t                rx  = {.rx_idx = idx, .rx_nr = nr};
	daos_iod_t                 iod = {.iod_nr = 1};
	struct proto_obj_fetch     f;
	struct proto_obj_fetch_rep fr;
	struct net_call_reply     *rep;
	struct proto_msg           m;
	int                        rc;

	d_iov_set(&iod.iod_name, (void *)akey, strlen(akey));
	if (rsize == 0) {
		iod.iod_type = DAOS_IOD_SINGLE;
	} else {
		iod.iod_type  = DAOS_IOD_ARRAY;
		iod.iod_size  = rsize;
		iod.iod_recxs = &rx;
	}
	req_init(&f.of_req, t, o->to_pool, o->to_cont, o->to_oid, e);
	d_iov_set(&f.of_dkey, (void *)dkey, strlen(dkey));
	f.of_iod_nr   = 1;
	f.of_iods     = &iod;
	f.of_buf_lens = &cap;
	f.of_flags    = flags;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_fetch_enc(&f, &m), 0);
	rc = call(c, t, PROTO_OP_OBJ_FETCH, o->to_mapv, &m, &rep);
	if (rc == 0 || rc == -DER_REC2BIG) {
		char err[256];

		if (proto_obj_fetch_rep_dec(rep->cr_body, rep->cr_len, &fr, err, sizeof(err)) != 0)
			fail_msg("fetch reply: %s", err);
		assert_int_equal(fr.ofr_iod_nr, 1);
		*size = fr.ofr_sizes[0];
		*got  = fr.ofr_sgls[0].sg_iovs[0].iov_len;
		if (*got > 0) {
			assert_true(*got <= cap);
			memcpy(buf, fr.ofr_sgls[0].sg_iovs[0].iov_buf, *got);
		}
		proto_obj_fetch_rep_fini(&fr);
	}
	net_reply_free(rep);
	return rc;
}

static void
fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + seed + (i >> 12));
}

/* ---- ENG01 ---- */

/* ENG01: every target answers PING on its own port; a PING with a body is refused with the reason */
static void
eng01_ping(void **state)
{
	struct ectx           *c = *state;
	struct net_call_reply *rep;
	struct iovec           iov = {.iov_base = "x", .iov_len = 1};
	int                    rc;

	for (uint32_t t = 0; t < c->nr; t++)
		assert_int_equal(ping(c, t), 0);
	rc = net_call(c->cl, LOCALHOST, (uint16_t)(c->port + 1), PROTO_OP_PING, 0, &iov, 1, CALL_MS,
		      &rep);
	assert_int_equal(rc, -DER_PROTO);
	assert_non_null(rep);
	assert_string_equal((char *)rep->cr_body, "ping body of 1 bytes: it must be empty");
	net_reply_free(rep);
	assert_int_equal(ping(c, 0), 0);
}

/* ---- ENG02 ---- */

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* ENG02: pool create is idempotent; other sizes -DER_EXIST; no room -DER_NOSPACE leaving nothing behind */
static void
eng02_pool_create(void **state)
{
	struct ectx               *c = *state;
	struct proto_tgt_query_rep q;
	uuid_t                     pool;
	char                       str[37], path[256];

	uuid_generate(pool);
	uuid_unparse_lower(pool, str);
	assert_int_equal(pool_create(c, 0, pool, SCM_SIZE, NVME_SIZE), 0);
	assert_int_equal(pool_create(c, 0, pool, SCM_SIZE, NVME_SIZE), 0);
	/* Sizes are compared as stored: SCM to BIO_ALIGN, NVMe to BIO_BLOB_ALIGN. */
	assert_int_equal(pool_create(c, 0, pool, SCM_SIZE + 100, NVME_SIZE - 100), 0);
	assert_int_equal(pool_create(c, 0, pool, 2 * SCM_SIZE, NVME_SIZE), -DER_EXIST);
	assert_int_equal(pool_create(c, 0, pool, SCM_SIZE, 2 * NVME_SIZE), -DER_EXIST);
	assert_int_equal(pool_create(c, 0, pool, SCM_SIZE, 0), -DER_EXIST);
	snprintf(path, sizeof(path), "%s/pools/%s/0", c->dir, str);
	assert_true(exists(path));

	/* Bad sizes. */
	uuid_generate(pool);
	uuid_unparse_lower(pool, str);
	assert_int_equal(pool_create(c, 1, pool, VOS_SCM_SIZE_MIN - BIO_ALIGN, 0), -DER_INVAL);
	assert_int_equal(pool_create(c, 1, pool, VOS_SCM_SIZE_MAX + BIO_ALIGN, 0), -DER_INVAL);
	/* More SCM than the file system holds, more NVMe than the device. */
	assert_int_equal(pool_create(c, 1, pool, VOS_SCM_SIZE_MAX, 0), -DER_NOSPACE);
	assert_int_equal(pool_create(c, 1, pool, SCM_SIZE, DEV_SIZE + MiB), -DER_NOSPACE);
	assert_int_equal(pool_create(c, 1, pool, SCM_SIZE, BIO_DEV_SIZE_MAX + 1), -DER_NOSPACE);
	snprintf(path, sizeof(path), "%s/pools/%s", c->dir, str);
	assert_false(exists(path));
	assert_int_equal(query(c, 1, pool, &q), -DER_NONEXIST);
	/* And the same pool fits with sane sizes afterwards: nothing was held. */
	assert_int_equal(pool_create(c, 1, pool, SCM_SIZE, DEV_SIZE - NVME_SIZE), 0);
	assert_int_equal(query(c, 1, pool, &q), 0);
	assert_int_equal(q.tqr_nvme_total, DEV_SIZE - NVME_SIZE);
	/* The device is full now: the other target's share of it is gone. */
	uuid_generate(pool);
	assert_int_equal(pool_create(c, 0, pool, SCM_SIZE, 2 * MiB), -DER_NOSPACE);
	assert_int_equal(pool_create(c, 0, pool, SCM_SIZE, 0), 0);
}

/* ---- ENG03 ---- */

/* ENG03: TGT_QUERY reports the target's SCM and NVMe totals and free space of the pool */
static void
eng03_query(void **state)
{
	struct ectx               *c = *state;
	struct proto_tgt_query_rep q, q2;
	struct tobj                o;
	static uint8_t             big[64 << 10];

	tobj_init(&o, DAOS_OT_MULTI_LEXICAL);
	assert_int_equal(pool_create(c, 0, o.to_pool, SCM_SIZE, NVME_SIZE + 1), 0);
	assert_int_equal(query(c, 0, o.to_pool, &q), 0);
	assert_int_equal(q.tqr_nvme_total, NVME_SIZE + MiB); /* rounded up to BIO_BLOB_ALIGN */
	assert_int_equal(q.tqr_nvme_free, q.tqr_nvme_total);
	assert_true(q.tqr_scm_total > 0 && q.tqr_scm_total < SCM_SIZE);
	assert_true(q.tqr_scm_free > 0 && q.tqr_scm_free <= q.tqr_scm_total);
	fill(big, sizeof(big), 3);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", big, sizeof(big)), 0);
	assert_int_equal(query(c, 0, o.to_pool, &q2), 0);
	assert_int_equal(q2.tqr_nvme_total, q.tqr_nvme_total);
	assert_int_equal(q2.tqr_nvme_free, q.tqr_nvme_free - sizeof(big));
	assert_true(q2.tqr_scm_free < q.tqr_scm_free);
	/* An SCM-only pool. */
	tobj_init(&o, 0);
	assert_int_equal(pool_create(c, 1, o.to_pool, SCM_SIZE, 0), 0);
	assert_int_equal(query(c, 1, o.to_pool, &q), 0);
	assert_int_equal(q.tqr_nvme_total, 0);
	assert_int_equal(q.tqr_nvme_free, 0);
}

/* ---- ENG04 ---- */

/* ENG04: update then fetch single values and arrays, inline and in the blob, epochs as C3 says */
static void
eng04_update_fetch(void **state)
{
	struct ectx   *c = *state;
	struct tobj    o;
	static uint8_t data[300 << 10];
	static uint8_t out[300 << 10];
	uint64_t       size, got;

	tobj_init(&o, DAOS_OT_MULTI_LEXICAL);
	tobj_pool(c, &o, NVME_SIZE);
	for (uint32_t t = 0; t < c->nr; t++) {
		uint32_t mv;

		assert_int_equal(map_update(c, t, o.to_pool, 3, 3, &mv), 0);
		assert_int_equal(mv, 3);
	}
	o.to_mapv = 3;
	fill(data, sizeof(data), 1);
	for (uint32_t t = 0; t < c->nr; t++) {
		/* Inline and blob single values. */
		assert_int_equal(put_sv(c, t, &o, 0, "dk", "small", data, 100), 0);
		assert_int_equal(put_sv(c, t, &o, 0, "dk", "large", data, sizeof(data)), 0);
		assert_int_equal(get(c, t, &o, 0, "dk", "small", 0, 0, 0, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_int_equal(size, 100);
		assert_int_equal(got, 100);
		assert_memory_equal(out, data, 100);
		/* Capacity above anything: the target bounds it (sizes, then exact allocation). */
		assert_int_equal(get(c, t, &o, 0, "dk", "large", 0, 0, 0, out, UINT64_MAX, 0, &size,
				     &got), 0);
		assert_int_equal(size, sizeof(data));
		assert_int_equal(got, sizeof(data));
		assert_memory_equal(out, data, sizeof(data));
		/* A buffer too small: -DER_REC2BIG with the size. */
		assert_int_equal(get(c, t, &o, 0, "dk", "large", 0, 0, 0, out, 10, 0, &size, &got),
				 -DER_REC2BIG);
		assert_int_equal(size, sizeof(data));
		assert_int_equal(got, 0);
		/* Sizes only. */
		assert_int_equal(get(c, t, &o, 0, "dk", "large", 0, 0, 0, out, sizeof(out),
				     PROTO_FETCH_SIZES_ONLY, &size, &got), 0);
		assert_int_equal(size, sizeof(data));
		assert_int_equal(got, 0);

		/* Arrays: inline (1 KiB) and blob (128 KiB of 8-byte records). */
		assert_int_equal(put_arr(c, t, &o, 0, "dk", "arr", 10, 128, 8, data), 0);
		assert_int_equal(put_arr(c, t, &o, 0, "dk", "barr", 0, 16384, 8, data + 8), 0);
		assert_int_equal(get(c, t, &o, 0, "dk", "arr", 8, 10, 128, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_int_equal(size, 8);
		assert_int_equal(got, 1024);
		assert_memory_equal(out, data, 1024);
		assert_int_equal(get(c, t, &o, 0, "dk", "barr", 8, 100, 1000, out, sizeof(out), 0,
				     &size, &got), 0);
		assert_int_equal(got, 8000);
		assert_memory_equal(out, data + 8 + 800, 8000);
		/* Records never written read as zeros. */
		assert_int_equal(get(c, t, &o, 0, "dk", "arr", 8, 0, 20, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_int_equal(got, 160);
		for (int i = 0; i < 80; i++)
			assert_int_equal(out[i], 0);
		assert_memory_equal(out + 80, data, 80);
		/* Absent akey: size 0. */
		assert_int_equal(get(c, t, &o, 0, "dk", "none", 0, 0, 0, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_int_equal(size, 0);
	}
	/* Explicit epochs: a read at an epoch sees what was written at or before it. */
	assert_int_equal(put_sv(c, 0, &o, 100, "e", "a", "old", 3), 0);
	assert_int_equal(put_sv(c, 0, &o, 200, "e", "a", "new", 3), 0);
	assert_int_equal(get(c, 0, &o, 150, "e", "a", 0, 0, 0, out, 16, 0, &size, &got), 0);
	assert_memory_equal(out, "old", 3);
	assert_int_equal(get(c, 0, &o, 0, "e", "a", 0, 0, 0, out, 16, 0, &size, &got), 0);
	assert_memory_equal(out, "new", 3);
	assert_int_equal(get(c, 0, &o, 50, "e", "a", 0, 0, 0, out, 16, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	/* Epoch 0 of a write is "now": it comes after both. */
	assert_int_equal(put_sv(c, 0, &o, 0, "e", "a", "now", 3), 0);
	assert_int_equal(get(c, 0, &o, 0, "e", "a", 0, 0, 0, out, 16, 0, &size, &got), 0);
	assert_memory_equal(out, "now", 3);
	/* A write at DAOS_EPOCH_MAX is refused by VOS. */
	assert_int_equal(put_sv(c, 0, &o, DAOS_EPOCH_MAX, "e", "a", "max", 3), -DER_INVAL);
}

/* ---- ENG05 ---- */

/* ENG05: map versions: stale and version 0 get -DER_STALE with the target's version; older updates ignored */
static void
eng05_map_version(void **state)
{
	struct ectx           *c = *state;
	struct tobj            o;
	struct net_call_reply *rep;
	struct proto_msg       m;
	daos_iod_t             iod = {.iod_type = DAOS_IOD_SINGLE, .iod_size = 1, .iod_nr = 1};
	d_iov_t                iov;
	d_sg_list_t            sgl = {.sg_nr = 1, .sg_iovs = &iov};
	uint32_t               mv;
	uint64_t               size, got;
	char                   out[8];

	tobj_init(&o, 0);
	tobj_pool(c, &o, 0);
	/* No map yet: any version is served. */
	o.to_mapv = 0;
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "x", 1), 0);
	assert_int_equal(map_update(c, 0, o.to_pool, 5, 5, &mv), 0);
	assert_int_equal(mv, 5);
	/* An older or equal map is ignored; the reply says the target's version. */
	assert_int_equal(map_update(c, 0, o.to_pool, 4, 4, &mv), 0);
	assert_int_equal(mv, 5);
	/* The message's version must be the map's. */
	assert_int_equal(map_update(c, 0, o.to_pool, 7, 6, &mv), -DER_INVAL);
	assert_int_equal(mv, 5);
	/* Unknown pool. */
	uuid_t other;

	uuid_generate(other);
	assert_int_equal(map_update(c, 0, other, 9, 9, NULL), -DER_NONEXIST);

	for (uint32_t v = 0; v < 5; v++) {
		d_iov_set(&iod.iod_name, "a", 1);
		d_iov_set(&iov, "y", 1);
		update_msg(&m, 0, &o, 0, "d", 1, &iod, &sgl);
		assert_int_equal(call(c, 0, PROTO_OP_OBJ_UPDATE, v, &m, &rep), -DER_STALE);
		assert_int_equal(rep->cr_hdr.ph_map_version, 5);
		net_reply_free(rep);
		o.to_mapv = v;
		assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, sizeof(out), 0, &size,
				     &got), -DER_STALE);
	}
	/* Current and newer versions are served; replies carry the target's version. */
	for (uint32_t v = 5; v < 7; v++) {
		update_msg(&m, 0, &o, 0, "d", 1, &iod, &sgl);
		assert_int_equal(call(c, 0, PROTO_OP_OBJ_UPDATE, v, &m, &rep), 0);
		assert_int_equal(rep->cr_hdr.ph_map_version, 5);
		net_reply_free(rep);
	}
	o.to_mapv = 5;
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, sizeof(out), 0, &size, &got), 0);
	assert_int_equal(out[0], 'y');
	/* The other target has no map: still serves everything. */
	o.to_mapv = 0;
	assert_int_equal(put_sv(c, 1, &o, 0, "d", "a", "z", 1), 0);
}

/* ---- ENG06 ---- */

/* ENG06: unknown pool -DER_NO_HDL (OBJ) / -DER_NONEXIST (TGT); a request for another target -DER_INVAL */
static void
eng06_unknown(void **state)
{
	struct ectx               *c = *state;
	struct tobj                o;
	struct proto_tgt_query_rep q;
	uint64_t                   size, got;
	char                       out[8];

	tobj_init(&o, 0);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "x", 1), -DER_NO_HDL);
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got),
			 -DER_NO_HDL);
	assert_int_equal(query(c, 0, o.to_pool, &q), -DER_NONEXIST);
	assert_int_equal(cont_op(c, 0, PROTO_OP_TGT_CONT_CREATE, o.to_pool, o.to_cont),
			 -DER_NONEXIST);
	/* Absent pool destroy: 0 (C3). */
	assert_int_equal(pool_op(c, 0, PROTO_OP_TGT_POOL_DESTROY, o.to_pool, NULL), 0);
	/* Target index 1 sent to target 0. */
	tobj_pool(c, &o, 0);
	{
		daos_iod_t       iod = {.iod_type = DAOS_IOD_SINGLE, .iod_size = 1, .iod_nr = 1};
		d_iov_t          iov;
		d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
		struct proto_msg m;

		d_iov_set(&iod.iod_name, "a", 1);
		d_iov_set(&iov, "x", 1);
		update_msg(&m, 1, &o, 0, "d", 1, &iod, &sgl);
		assert_int_equal(call(c, 0, PROTO_OP_OBJ_UPDATE, 0, &m, NULL), -DER_INVAL);
	}
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "x", 1), 0);
}

/* ---- ENG07 ---- */

static int
punch(struct ectx *c, uint32_t t, const struct tobj *o, uint16_t op, daos_epoch_t e,
      const char *dkey, uint32_t nr, const char **keys)
{
	struct proto_obj_punch p = {0};
	daos_key_t             k[8];
	struct proto_msg       m;

	req_init(&p.op_req, t, o->to_pool, o->to_cont, o->to_oid, e);
	if (dkey != NULL)
		d_iov_set(&p.op_dkey, (void *)dkey, strlen(dkey));
	for (uint32_t i = 0; i < nr; i++)
		d_iov_set(&k[i], (void *)keys[i], strlen(keys[i]));
	p.op_key_nr = nr;
	p.op_keys   = nr > 0 ? k : NULL;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_punch_enc(op, &p, &m), 0);
	return call(c, t, op, o->to_mapv, &m, NULL);
}

/* ENG07: punch of an object, of dkeys and of akeys hides what they cover; older reads still see it */
static void
eng07_punch(void **state)
{
	struct ectx *c = *state;
	struct tobj  o;
	const char  *d1[] = {"d1"};
	const char  *a2[] = {"a2"};
	uint64_t     size, got;
	char         out[8];

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	assert_int_equal(put_sv(c, 0, &o, 10, "d1", "a1", "v", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, 10, "d2", "a1", "v", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, 10, "d2", "a2", "v", 1), 0);
	assert_int_equal(punch(c, 0, &o, PROTO_OP_OBJ_PUNCH_DKEYS, 20, NULL, 1, d1), 0);
	assert_int_equal(get(c, 0, &o, 0, "d1", "a1", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	assert_int_equal(get(c, 0, &o, 15, "d1", "a1", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 1);
	assert_int_equal(punch(c, 0, &o, PROTO_OP_OBJ_PUNCH_AKEYS, 30, "d2", 1, a2), 0);
	assert_int_equal(get(c, 0, &o, 0, "d2", "a2", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	assert_int_equal(get(c, 0, &o, 0, "d2", "a1", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 1);
	assert_int_equal(punch(c, 0, &o, PROTO_OP_OBJ_PUNCH, 40, NULL, 0, NULL), 0);
	assert_int_equal(get(c, 0, &o, 0, "d2", "a1", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	/* A later write revives. */
	assert_int_equal(put_sv(c, 0, &o, 50, "d2", "a1", "w", 1), 0);
	assert_int_equal(get(c, 0, &o, 0, "d2", "a1", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'w');
	/* Punch of a container the target never saw creates it (a punch is a write). */
	uuid_generate(o.to_cont);
	assert_int_equal(punch(c, 1, &o, PROTO_OP_OBJ_PUNCH, 40, NULL, 0, NULL), 0);
	assert_int_equal(put_sv(c, 1, &o, 30, "d", "a", "x", 1), 0);
	assert_int_equal(get(c, 1, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0); /* hidden by the earlier punch at 40 */
}

/* ---- ENG08 ---- */

/* One OBJ_LIST_DKEY/AKEY call: keys appended to names (each NUL-terminated). */
static int
list_keys(struct ectx *c, uint32_t t, const struct tobj *o, uint16_t op, const char *dkey,
	  uint32_t nr, uint32_t buf_len, daos_anchor_t *anchor, char names[][32], uint32_t *n,
	  uint64_t *needed)
{
	struct proto_obj_list_key     lk = {0};
	struct proto_obj_list_key_rep r;
	struct net_call_reply        *rep;
	struct proto_msg              m;
	int                           rc;

	req_init(&lk.olk_req, t, o->to_pool, o->to_cont, o->to_oid, 0);
	if (dkey != NULL)
		d_iov_set(&lk.olk_dkey, (void *)dkey, strlen(dkey));
	lk.olk_nr      = nr;
	lk.olk_buf_len = buf_len;
	lk.olk_anchor  = *anchor;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_list_key_enc(op, &lk, &m), 0);
	rc = call(c, t, op, o->to_mapv, &m, &rep);
	if (rc == 0 || rc == -DER_KEY2BIG) {
		const char *k;

		assert_int_equal(proto_obj_list_key_rep_dec(rep->cr_body, rep->cr_len, &r, NULL, 0),
				 0);
		k = r.olkr_keys.iov_buf;
		for (uint32_t i = 0; i < r.olkr_nr; i++) {
			size_t l = r.olkr_kds[i].kd_key_len;

			assert_true(l < 32);
			memcpy(names[*n], k, l);
			names[*n][l] = '\0';
			(*n)++;
			k += l;
		}
		*anchor = r.olkr_anchor;
		if (needed != NULL)
			*needed = r.olkr_key_len_needed;
		proto_obj_list_key_rep_fini(&r);
	}
	net_reply_free(rep);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* ENG08: dkey/akey/recx/object enumeration resumes from its anchor across calls; small buffers -DER_KEY2BIG */
static void
eng08_list(void **state)
{
	struct ectx  *c = *state;
	struct tobj   o;
	char          names[64][32];
	uint32_t      n = 0, calls = 0;
	daos_anchor_t a = DAOS_ANCHOR_INIT;
	uint64_t      needed = 0;
	char          k[16];
	uint8_t       data[64] = {1};

	tobj_init(&o, 0);
	tobj_pool(c, &o, 0);
	for (int i = 0; i < 10; i++) {
		snprintf(k, sizeof(k), "dkey%02d", i);
		assert_int_equal(put_sv(c, 1, &o, 0, k, "a", "v", 1), 0);
	}
	for (int i = 0; i < 7; i++) {
		snprintf(k, sizeof(k), "akey%d", i);
		assert_int_equal(put_sv(c, 1, &o, 0, "dkey03", k, "v", 1), 0);
	}
	/* 3 keys per call. */
	while (!daos_anchor_is_eof(&a)) {
		assert_int_equal(list_keys(c, 1, &o, PROTO_OP_OBJ_LIST_DKEY, NULL, 3, 1024, &a, names,
					   &n, NULL), 0);
		assert_true(++calls <= 10);
	}
	assert_int_equal(n, 10);
	assert_true(calls >= 4);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "dkey%02u", i);
		assert_string_equal(names[i], k);
	}
	/* akeys, with a buffer that holds two keys per call. */
	memset(&a, 0, sizeof(a));
	n     = 0;
	calls = 0;
	while (!daos_anchor_is_eof(&a)) {
		assert_int_equal(list_keys(c, 1, &o, PROTO_OP_OBJ_LIST_AKEY, "dkey03", 100, 10, &a,
					   names, &n, NULL), 0);
		assert_true(++calls <= 10);
	}
	assert_int_equal(n, 8); /* akey0..6 and "a" */
	/* A buffer too small for the first key. */
	memset(&a, 0, sizeof(a));
	n = 0;
	assert_int_equal(list_keys(c, 1, &o, PROTO_OP_OBJ_LIST_DKEY, NULL, 3, 2, &a, names, &n,
				   &needed), -DER_KEY2BIG);
	assert_int_equal(n, 0);
	assert_int_equal(needed, 6);
	assert_int_equal(a.da_type, DAOS_ANCHOR_TYPE_ZERO);
	/* An unknown container lists nothing. */
	{
		struct tobj o2 = o;

		uuid_generate(o2.to_cont);
		n = 0;
		memset(&a, 0, sizeof(a));
		assert_int_equal(list_keys(c, 1, &o2, PROTO_OP_OBJ_LIST_DKEY, NULL, 3, 1024, &a,
					   names, &n, NULL), 0);
		assert_int_equal(n, 0);
		assert_true(daos_anchor_is_eof(&a));
	}

	/* Extents: 5 disjoint runs, listed 2 per call. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(put_arr(c, 1, &o, 0, "r", "arr", (uint64_t)i * 100, 4, 1, data), 0);
	memset(&a, 0, sizeof(a));
	n     = 0;
	calls = 0;
	while (!daos_anchor_is_eof(&a)) {
		struct proto_obj_list_recx     lr = {0};
		struct proto_obj_list_recx_rep r;
		struct net_call_reply         *rep;
		struct proto_msg               m;

		req_init(&lr.olr_req, 1, o.to_pool, o.to_cont, o.to_oid, 0);
		d_iov_set(&lr.olr_dkey, "r", 1);
		d_iov_set(&lr.olr_akey, "arr", 3);
		lr.olr_nr     = 2;
		lr.olr_anchor = a;
		proto_msg_init(&m);
		assert_int_equal(proto_obj_list_recx_enc(&lr, &m), 0);
		assert_int_equal(call(c, 1, PROTO_OP_OBJ_LIST_RECX, 0, &m, &rep), 0);
		assert_int_equal(proto_obj_list_recx_rep_dec(rep->cr_body, rep->cr_len, &r, NULL, 0),
				 0);
		assert_true(r.olrr_nr <= 2);
		for (uint32_t i = 0; i < r.olrr_nr; i++) {
			assert_int_equal(r.olrr_recxs[i].rx_idx, (uint64_t)(n + i) * 100);
			assert_int_equal(r.olrr_recxs[i].rx_nr, 4);
			assert_true(r.olrr_eprs[i].epr_lo > 0);
		}
		assert_int_equal(r.olrr_rsize, 1);
		n += r.olrr_nr;
		a = r.olrr_anchor;
		proto_obj_list_recx_rep_fini(&r);
		net_reply_free(rep);
		assert_true(++calls <= 10);
	}
	assert_int_equal(n, 5);
	assert_true(calls >= 3);

	/* Objects: 5 of them (the first one included), 2 per call. */
	for (int i = 0; i < 4; i++) {
		struct tobj oi = o;

		oi.to_oid.lo = o.to_oid.lo + 1 + (uint64_t)i;
		assert_int_equal(put_sv(c, 1, &oi, 0, "d", "a", "v", 1), 0);
	}
	memset(&a, 0, sizeof(a));
	n     = 0;
	calls = 0;
	while (!daos_anchor_is_eof(&a)) {
		struct proto_obj_list_obj     lo = {0};
		struct proto_obj_list_obj_rep r;
		struct net_call_reply        *rep;
		struct proto_msg              m;

		req_init(&lo.olo_req, 1, o.to_pool, o.to_cont, o.to_oid, 0);
		lo.olo_nr     = 2;
		lo.olo_anchor = a;
		proto_msg_init(&m);
		assert_int_equal(proto_obj_list_obj_enc(&lo, &m), 0);
		assert_int_equal(call(c, 1, PROTO_OP_OBJ_LIST_OBJ, 0, &m, &rep), 0);
		assert_int_equal(proto_obj_list_obj_rep_dec(rep->cr_body, rep->cr_len, &r, NULL, 0),
				 0);
		for (uint32_t i = 0; i < r.olor_nr; i++)
			assert_int_equal(r.olor_oids[i].hi, o.to_oid.hi);
		n += r.olor_nr;
		a = r.olor_anchor;
		proto_obj_list_obj_rep_fini(&r);
		net_reply_free(rep);
		assert_true(++calls <= 10);
	}
	assert_int_equal(n, 5);
}

/* ---- ENG09 ---- */

static int
query_key(struct ectx *c, uint32_t t, const struct tobj *o, uint32_t flags, const void *dkey,
	  size_t dlen, const char *akey, struct proto_obj_query_key_rep *out, uint8_t *dbuf,
	  char *abuf)
{
	struct proto_obj_query_key     qk = {0};
	struct proto_obj_query_key_rep r;
	struct net_call_reply         *rep;
	struct proto_msg               m;
	int                            rc;

	req_init(&qk.oqk_req, t, o->to_pool, o->to_cont, o->to_oid, 0);
	qk.oqk_flags = flags;
	if (dkey != NULL)
		d_iov_set(&qk.oqk_dkey, (void *)dkey, dlen);
	if (akey != NULL)
		d_iov_set(&qk.oqk_akey, (void *)akey, strlen(akey));
	proto_msg_init(&m);
	assert_int_equal(proto_obj_query_key_enc(&qk, &m), 0);
	rc = call(c, t, PROTO_OP_OBJ_QUERY_KEY, 0, &m, &rep);
	if (rc == 0) {
		assert_int_equal(proto_obj_query_key_rep_dec(rep->cr_body, rep->cr_len, &r, NULL, 0),
				 0);
		*out = r;
		memcpy(dbuf, r.oqkr_dkey.iov_buf, r.oqkr_dkey.iov_len);
		memcpy(abuf, r.oqkr_akey.iov_buf, r.oqkr_akey.iov_len);
		abuf[r.oqkr_akey.iov_len] = '\0';
	}
	net_reply_free(rep);
	return rc;
}

/* ENG09: query_key finds the greatest dkey (numeric for uint64 dkeys), akey and extent */
static void
eng09_query_key(void **state)
{
	struct ectx                   *c = *state;
	struct tobj                    o;
	struct proto_obj_query_key_rep r;
	uint64_t                       dks[] = {5, 300, 7, 256, 1}; /* 300 is not lexically last */
	uint8_t                        dbuf[PROTO_KEY_MAX];
	char                           abuf[PROTO_KEY_MAX];
	uint8_t                        data[16] = {0};
	uint8_t                        le[8];

	tobj_init(&o, DAOS_OT_ARRAY);
	tobj_pool(c, &o, 0);
	for (unsigned i = 0; i < 5; i++) {
		daos_recx_t      rx  = {.rx_idx = dks[i] * 10, .rx_nr = 2};
		daos_iod_t       iod = {.iod_type = DAOS_IOD_ARRAY, .iod_size = 1, .iod_nr = 1,
					.iod_recxs = &rx};
		d_iov_t          iov;
		d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
		struct proto_obj_update u;
		struct proto_msg m;

		d_put_le64(le, dks[i]);
		d_iov_set(&iod.iod_name, "0", 1);
		d_iov_set(&iov, data, 2);
		req_init(&u.ou_req, 0, o.to_pool, o.to_cont, o.to_oid, 0);
		d_iov_set(&u.ou_dkey, le, 8);
		u.ou_iod_nr = 1;
		u.ou_iods   = &iod;
		u.ou_sgls   = &sgl;
		proto_msg_init(&m);
		assert_int_equal(proto_obj_update_enc(&u, &m), 0);
		assert_int_equal(call(c, 0, PROTO_OP_OBJ_UPDATE, 0, &m, NULL), 0);
	}
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_ALL, NULL, 0, NULL, &r, dbuf, abuf), 0);
	assert_int_equal(r.oqkr_dkey.iov_len, 8);
	assert_int_equal(d_get_le64(dbuf), 300);
	assert_string_equal(abuf, "0");
	assert_int_equal(r.oqkr_recx.rx_idx, 3000);
	assert_int_equal(r.oqkr_recx.rx_nr, 2);

	/* Lexical akeys of a given dkey; then the extent of a given akey. */
	assert_int_equal(put_sv(c, 0, &o, 0, "x", "apple", "v", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, 0, "x", "b", "v", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, 0, "x", "ab", "v", 1), 0);
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_AKEY, "x", 1, NULL, &r, dbuf, abuf), 0);
	assert_string_equal(abuf, "b");
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_RECX, "x", 1, "apple", &r, dbuf, abuf), 0);
	assert_int_equal(r.oqkr_recx.rx_idx, 0);
	assert_int_equal(r.oqkr_recx.rx_nr, 1);
	/* Inputs missing for the levels below the one queried. */
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_AKEY, NULL, 0, NULL, &r, dbuf, abuf),
			 -DER_INVAL);
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_RECX, "x", 1, NULL, &r, dbuf, abuf),
			 -DER_INVAL);
	/* Nothing there. */
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_AKEY, "nodkey", 6, NULL, &r, dbuf, abuf),
			 -DER_NONEXIST);
	uuid_generate(o.to_cont);
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_DKEY, NULL, 0, NULL, &r, dbuf, abuf),
			 -DER_NONEXIST);
}

/* ---- ENG10 ---- */

/* ENG10: containers: unseen ones read empty, create/destroy are idempotent, destroy removes the data */
static void
eng10_containers(void **state)
{
	struct ectx *c = *state;
	struct tobj  o;
	uint64_t     size, got;
	char         out[8];

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	assert_int_equal(cont_op(c, 0, PROTO_OP_TGT_CONT_CREATE, o.to_pool, o.to_cont), 0);
	assert_int_equal(cont_op(c, 0, PROTO_OP_TGT_CONT_CREATE, o.to_pool, o.to_cont), 0);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "x", 1), 0);
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 1);
	assert_int_equal(cont_op(c, 0, PROTO_OP_TGT_CONT_DESTROY, o.to_pool, o.to_cont), 0);
	assert_int_equal(cont_op(c, 0, PROTO_OP_TGT_CONT_DESTROY, o.to_pool, o.to_cont), 0);
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	/* Written again after the destroy: a new, empty container. */
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "b", "y", 1), 0);
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	assert_int_equal(get(c, 0, &o, 0, "d", "b", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 1);
}

/* ---- ENG11 ---- */

/* ENG11: pool destroy closes and removes the VOS pool and frees its blob once no target holds it */
static void
eng11_pool_destroy(void **state)
{
	struct ectx *c = *state;
	uuid_t       p1, p2;
	char         str[37], path[256];
	const uint64_t half = DEV_SIZE / 2 - 2 * MiB;
	static uint8_t big[64 << 10];

	uuid_generate(p1);
	uuid_generate(p2);
	uuid_unparse_lower(p1, str);
	for (uint32_t t = 0; t < c->nr; t++)
		assert_int_equal(pool_create(c, t, p1, SCM_SIZE, half), 0);
	{
		struct tobj o;

		tobj_init(&o, 0);
		uuid_copy(o.to_pool, p1);
		assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", big, sizeof(big)), 0);
	}
	/* The device has no room for a second pool of that size. */
	assert_int_equal(pool_create(c, 0, p2, SCM_SIZE, half), -DER_NOSPACE);
	/* Destroying on one target keeps the pool's blobs: the other still holds it. */
	assert_int_equal(pool_op(c, 0, PROTO_OP_TGT_POOL_DESTROY, p1, NULL), 0);
	snprintf(path, sizeof(path), "%s/pools/%s/0", c->dir, str);
	assert_false(exists(path));
	snprintf(path, sizeof(path), "%s/pools/%s/1", c->dir, str);
	assert_true(exists(path));
	assert_int_equal(pool_create(c, 0, p2, SCM_SIZE, half), -DER_NOSPACE);
	assert_int_equal(pool_op(c, 1, PROTO_OP_TGT_POOL_DESTROY, p1, NULL), 0);
	assert_int_equal(pool_op(c, 1, PROTO_OP_TGT_POOL_DESTROY, p1, NULL), 0);
	snprintf(path, sizeof(path), "%s/pools/%s", c->dir, str);
	assert_false(exists(path));
	/* Now the space is back. */
	for (uint32_t t = 0; t < c->nr; t++)
		assert_int_equal(pool_create(c, t, p2, SCM_SIZE, half), 0);
	{
		struct proto_tgt_query_rep q;

		assert_int_equal(query(c, 1, p1, &q), -DER_NONEXIST);
	}
}

/* ---- ENG12 ---- */

/* ENG12: targets restarted on the same storage find their pools, data and map versions */
static void
eng12_restart(void **state)
{
	struct ectx   *c = *state;
	struct tobj    o, o2;
	static uint8_t data[100 << 10];
	static uint8_t out[100 << 10];
	uint64_t       size, got;

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	tobj_init(&o2, 0);
	tobj_pool(c, &o2, 0);
	fill(data, sizeof(data), 7);
	for (uint32_t t = 0; t < c->nr; t++) {
		assert_int_equal(map_update(c, t, o.to_pool, 2, 2, NULL), 0);
		o.to_mapv = 2;
		assert_int_equal(put_sv(c, t, &o, 0, "d", "big", data, sizeof(data)), 0);
		assert_int_equal(put_arr(c, t, &o, 0, "d", "arr", 0, 64, 4, data), 0);
		assert_int_equal(put_sv(c, t, &o2, 0, "d", "small", "abc", 3), 0);
	}
	targets_down(c);
	targets_up(c);
	for (uint32_t t = 0; t < c->nr; t++) {
		o.to_mapv = 2;
		assert_int_equal(get(c, t, &o, 0, "d", "big", 0, 0, 0, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_int_equal(got, sizeof(data));
		assert_memory_equal(out, data, sizeof(data));
		assert_int_equal(get(c, t, &o, 0, "d", "arr", 4, 0, 64, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_int_equal(got, 256);
		assert_memory_equal(out, data, 256);
		assert_int_equal(get(c, t, &o2, 0, "d", "small", 0, 0, 0, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_memory_equal(out, "abc", 3);
		/* The map version survived. */
		o.to_mapv = 1;
		assert_int_equal(get(c, t, &o, 0, "d", "big", 0, 0, 0, out, sizeof(out), 0, &size,
				     &got), -DER_STALE);
		/* Pool create with the same sizes: the pool that is there. */
		assert_int_equal(pool_create(c, t, o.to_pool, SCM_SIZE, NVME_SIZE), 0);
	}
	assert_int_equal(c->ev_nr, 0);
}

/* ---- ENG13 ---- */

struct gc_call {
	int  gc_status;
	bool gc_done;
};

static void
gc_cb(void *arg, int status, const struct proto_hdr *h, const uint8_t *body, uint32_t len)
{
	struct gc_call *gc = arg;

	(void)h;
	(void)body;
	(void)len;
	gc->gc_status = status;
	gc->gc_done   = true;
}

#define GC_NR 400

/* ENG13: group commit: many updates in flight at once are all acknowledged and all readable */
static void
eng13_group_commit(void **state)
{
	struct ectx           *c = *state;
	struct tobj            o;
	static struct gc_call  calls[GC_NR];
	static uint8_t         vals[GC_NR][5000];
	uint64_t               deadline;
	int                    done = 0;

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < GC_NR; i++) {
		uint32_t         t   = (uint32_t)i % c->nr;
		size_t           len = i % 3 == 0 ? sizeof(vals[i]) : 16; /* blob and inline */
		daos_iod_t       iod = {.iod_type = DAOS_IOD_SINGLE, .iod_size = len, .iod_nr = 1};
		d_iov_t          iov;
		d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
		char             dkey[16];
		struct proto_msg m;
		const struct iovec *v;
		int              cnt;

		fill(vals[i], len, (unsigned)i);
		snprintf(dkey, sizeof(dkey), "k%d", i);
		d_iov_set(&iod.iod_name, "a", 1);
		d_iov_set(&iov, vals[i], len);
		update_msg(&m, t, &o, 0, dkey, 1, &iod, &sgl);
		assert_int_equal(proto_msg_iov(&m, &v, &cnt), 0);
		assert_int_equal(net_call_submit(c->cl, LOCALHOST, (uint16_t)(c->port + 1 + t),
						 PROTO_OP_OBJ_UPDATE, 0, v, cnt, CALL_MS, gc_cb,
						 &calls[i], NULL), 0);
		proto_msg_fini(&m);
	}
	deadline = now_ms() + WAIT_MS;
	while (done < GC_NR) {
		assert_true(now_ms() < deadline);
		assert_true(net_client_progress(c->cl, 100) >= 0);
		done = 0;
		for (int i = 0; i < GC_NR; i++)
			done += calls[i].gc_done;
	}
	for (int i = 0; i < GC_NR; i++)
		assert_int_equal(calls[i].gc_status, 0);
	for (int i = 0; i < GC_NR; i++) {
		static uint8_t out[5000];
		size_t         len = i % 3 == 0 ? sizeof(vals[i]) : 16;
		uint64_t       size, got;
		char           dkey[16];

		snprintf(dkey, sizeof(dkey), "k%d", i);
		assert_int_equal(get(c, (uint32_t)i % c->nr, &o, 0, dkey, "a", 0, 0, 0, out,
				     sizeof(out), 0, &size, &got), 0);
		assert_int_equal(got, len);
		assert_memory_equal(out, vals[i], len);
	}
}

/* ---- ENG14 ---- */

/* Send raw body bytes with opcode op; returns the status and the reply text. */
static int
raw_call(struct ectx *c, uint32_t t, uint16_t op, const void *body, size_t len, char *text,
	 size_t tlen)
{
	struct net_call_reply *rep;
	struct iovec           iov = {.iov_base = (void *)body, .iov_len = len};
	int                    rc;

	rc = net_call(c->cl, LOCALHOST, (uint16_t)(c->port + 1 + t), op, 0, &iov, len > 0 ? 1 : 0,
		      CALL_MS, &rep);
	text[0] = '\0';
	if (rep != NULL && rep->cr_len > 0)
		snprintf(text, tlen, "%s", (char *)rep->cr_body);
	net_reply_free(rep);
	return rc;
}

/* ENG14: bad bodies of every opcode family get -DER_PROTO with the decoder's reason; the target keeps serving */
static void
eng14_bad_bodies(void **state)
{
	struct ectx     *c = *state;
	struct tobj      o;
	struct proto_msg m;
	const struct iovec *v;
	uint8_t          body[4096];
	char             text[NET_ERRMSG_MAX + 1];
	size_t           len = 0;
	int              cnt;

	tobj_init(&o, 0);
	tobj_pool(c, &o, 0);
	/* A valid update body, flattened, then damaged. */
	{
		daos_iod_t  iod = {.iod_type = DAOS_IOD_SINGLE, .iod_size = 4, .iod_nr = 1};
		d_iov_t     iov;
		d_sg_list_t sgl = {.sg_nr = 1, .sg_iovs = &iov};

		d_iov_set(&iod.iod_name, "a", 1);
		d_iov_set(&iov, "abcd", 4);
		update_msg(&m, 0, &o, 0, "d", 1, &iod, &sgl);
		assert_int_equal(proto_msg_iov(&m, &v, &cnt), 0);
		for (int i = 0; i < cnt; i++) {
			memcpy(body + len, v[i].iov_base, v[i].iov_len);
			len += v[i].iov_len;
		}
		proto_msg_fini(&m);
	}
	assert_int_equal(raw_call(c, 0, PROTO_OP_OBJ_UPDATE, body, len, text, sizeof(text)), 0);
	/* Truncated: the data is missing. */
	assert_int_equal(raw_call(c, 0, PROTO_OP_OBJ_UPDATE, body, len - 4, text, sizeof(text)),
			 -DER_PROTO);
	assert_string_equal(text, "the iods describe 4 data bytes, the body holds 0");
	/* A huge iod count (offset 60 + 4 + 1 = dkey end). */
	d_put_le32(body + 65, 0xffffffffu);
	assert_int_equal(raw_call(c, 0, PROTO_OP_OBJ_UPDATE, body, len, text, sizeof(text)),
			 -DER_PROTO);
	assert_string_equal(text, "iod count 4294967295 exceeds the maximum 256");
	/* One malformed body per family (zeroed bytes, cut at a field). */
	{
		static const struct {
			uint16_t    op;
			size_t      len;
			const char *err;
		} cases[] = {
			{PROTO_OP_OBJ_FETCH, 0,
			 "truncated pool uuid at offset 0: 16 bytes needed, 0 left"},
			{PROTO_OP_OBJ_FETCH, 64, "dkey is empty"},
			{PROTO_OP_OBJ_LIST_DKEY, 10,
			 "truncated pool uuid at offset 0: 16 bytes needed, 10 left"},
			{PROTO_OP_OBJ_LIST_RECX, 64, "dkey is empty"},
			{PROTO_OP_OBJ_LIST_OBJ, 64, "capacity 0 is below the minimum 1"},
			{PROTO_OP_OBJ_PUNCH, 61, "1 trailing bytes after the obj_punch body"},
			{PROTO_OP_OBJ_PUNCH_DKEYS, 60,
			 "truncated key count at offset 60: 4 bytes needed, 0 left"},
			{PROTO_OP_OBJ_PUNCH_AKEYS, 64, "dkey is empty"},
			{PROTO_OP_OBJ_QUERY_KEY, 61,
			 "truncated query flags at offset 60: 4 bytes needed, 1 left"},
			{PROTO_OP_TGT_POOL_CREATE, 5,
			 "truncated pool uuid at offset 0: 16 bytes needed, 5 left"},
			{PROTO_OP_TGT_POOL_DESTROY, 17,
			 "1 trailing bytes after the target pool request body"},
			{PROTO_OP_TGT_CONT_CREATE, 31,
			 "truncated container uuid at offset 16: 16 bytes needed, 15 left"},
			{PROTO_OP_TGT_MAP_UPDATE, 30, "6 trailing bytes after the tgt_map_update body"},
			{PROTO_OP_TGT_QUERY, 17, "1 trailing bytes after the target pool request body"},
		};

		memset(body, 0, sizeof(body));
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			assert_int_equal(raw_call(c, 0, cases[i].op, body, cases[i].len, text,
						  sizeof(text)), -DER_PROTO);
			if (strcmp(text, cases[i].err) != 0)
				fail_msg("case %zu (%s): got \"%s\"", i,
					 proto_opcode_name(cases[i].op), text);
		}
	}
	/* A map blob that does not decode. */
	{
		struct proto_tgt_map_update mu;
		uint8_t                     junk[64];

		memset(junk, 0xa5, sizeof(junk));
		uuid_copy(mu.tmu_pool, o.to_pool);
		mu.tmu_map_version = 3;
		d_iov_set(&mu.tmu_map, junk, sizeof(junk));
		proto_msg_init(&m);
		assert_int_equal(proto_tgt_map_update_enc(&mu, &m), 0);
		assert_int_equal(call(c, 0, PROTO_OP_TGT_MAP_UPDATE, 0, &m, NULL), -DER_INVAL);
	}
	/* Keys longer than VOS takes. */
	{
		char key[600];

		memset(key, 'k', sizeof(key) - 1);
		key[sizeof(key) - 1] = '\0';
		assert_int_equal(put_sv(c, 0, &o, 0, key, "a", "x", 1), -DER_KEY2BIG);
	}
	for (uint32_t t = 0; t < c->nr; t++)
		assert_int_equal(ping(c, t), 0);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "x", 1), 0);
}

/* ---- ENG15 ---- */

/* Set the layout version of the VOS pool in dir (offset 8 of the "pool" header record). */
static void
vos_set_version(const char *dir, uint32_t version)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi  dbi;
	MDB_val  k = {.mv_size = 4, .mv_data = "pool"};
	MDB_val  v;
	uint8_t  hdr[256];

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "hdr", 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_true(v.mv_size <= sizeof(hdr));
	memcpy(hdr, v.mv_data, v.mv_size);
	d_put_le32(hdr + 8, version);
	v.mv_data = hdr;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* ENG15: a pool VOS refuses with -DER_DF_INCOMPT raises pool_durable_format_incompat (current, min, max); the rest is served */
static void
eng15_df_incompat(void **state)
{
	struct ectx *c = *state;
	struct tobj  bad, good;
	char         str[37], dir[256];
	uint64_t     size, got;
	char         out[8];

	tobj_init(&bad, 0);
	tobj_init(&good, 0);
	tobj_pool(c, &bad, NVME_SIZE);
	tobj_pool(c, &good, NVME_SIZE);
	for (uint32_t t = 0; t < c->nr; t++) {
		assert_int_equal(put_sv(c, t, &bad, 0, "d", "a", "b", 1), 0);
		assert_int_equal(put_sv(c, t, &good, 0, "d", "a", "g", 1), 0);
	}
	targets_down(c);
	uuid_unparse_lower(bad.to_pool, str);
	snprintf(dir, sizeof(dir), "%s/pools/%s/0", c->dir, str);
	vos_set_version(dir, VOS_POOL_DF_VERSION_MAX + 1);
	targets_up(c);
	assert_int_equal(c->ev_nr, 0);
	assert_int_equal(c->ras_nr, 1);
	assert_int_equal(c->ras[0].ev_id, RAS_POOL_DURABLE_FORMAT_INCOMPAT);
	assert_int_equal(c->ras[0].ev_sev, RAS_SEV_ERROR);
	assert_true(c->ras[0].ev_flags & D_RAS_F_POOL);
	assert_int_equal(uuid_compare(c->ras[0].ev_pool, bad.to_pool), 0);
	assert_string_equal(c->ras[0].ev_msg, "incompatible layout version: 2 not in [1, 1]");
	assert_string_equal(c->ras[0].ev_data, "target 0: the pool is not served");
	/* Not served on target 0; served on target 1; the other pool everywhere. */
	assert_int_equal(get(c, 0, &bad, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got),
			 -DER_NO_HDL);
	assert_int_equal(get(c, 1, &bad, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'b');
	for (uint32_t t = 0; t < c->nr; t++) {
		assert_int_equal(get(c, t, &good, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
		assert_int_equal(out[0], 'g');
	}
	/* Create refuses it with the reason VOS gives; destroy removes it. */
	assert_int_equal(pool_create(c, 0, bad.to_pool, SCM_SIZE, NVME_SIZE), -DER_DF_INCOMPT);
	assert_int_equal(pool_op(c, 0, PROTO_OP_TGT_POOL_DESTROY, bad.to_pool, NULL), 0);
	assert_false(exists(dir));
}

/* ---- ENG16 ---- */

/* ENG16: a port that cannot be bound fails eng_tgts_create with the port and the reason */
static void
eng16_port_busy(void **state)
{
	struct ectx        *c   = *state;
	struct eng_tgts_cfg cfg = {.tc_ip = LOCALHOST, .tc_port = c->port, .tc_nr = c->nr,
				   .tc_first_core = -1};
	struct eng_tgts    *tg;
	char                why[512], want[128];

	/* c's targets hold port + 1 and port + 2. */
	assert_int_equal(eng_tgts_create(&cfg, &tg, why, sizeof(why)), -DER_BUSY);
	snprintf(want, sizeof(want), "target 0 cannot listen on %s:%u: ", LOCALHOST, c->port + 1);
	assert_non_null(strstr(why, want));
	cfg.tc_port = (uint16_t)(c->port - 1); /* target 1 collides */
	assert_int_equal(eng_tgts_create(&cfg, &tg, why, sizeof(why)), -DER_BUSY);
	snprintf(want, sizeof(want), "cannot listen on %s:%u", LOCALHOST, c->port + 1);
	assert_non_null(strstr(why, want));
	/* Bad configurations. */
	cfg.tc_port = 0;
	assert_int_equal(eng_tgts_create(&cfg, &tg, why, sizeof(why)), -DER_INVAL);
	cfg.tc_port = 65535;
	assert_int_equal(eng_tgts_create(&cfg, &tg, why, sizeof(why)), -DER_INVAL);
	cfg.tc_port = 30000;
	cfg.tc_nr   = 0;
	assert_int_equal(eng_tgts_create(&cfg, &tg, why, sizeof(why)), -DER_INVAL);
	cfg.tc_nr = ENG_TARGETS_MAX + 1;
	assert_int_equal(eng_tgts_create(&cfg, &tg, why, sizeof(why)), -DER_INVAL);
	assert_string_equal(why, "targets: bad configuration (address, port 30000, 65 targets)");
	/* The running targets are unharmed. */
	assert_int_equal(ping(c, 0), 0);
	assert_int_equal(eng_tgts_stop(NULL), 0);
}

/* ---- ENG17 ---- */

/* ENG17: daos_nvme.json is parsed strictly; every refusal names the field */
static void
eng17_nvme_conf(void **state)
{
	static const struct {
		const char *text;
		int         rc;
		const char *err;
	} bad[] = {
		{"", -DER_INVAL, "daos_nvme.json: not JSON: '[' or '{' expected near end of file "
				 "at line 1 column 0"},
		{"[]", -DER_INVAL, "daos_nvme.json: top level is array, not an object"},
		{"{\"version\":1}", -DER_INVAL, "daos_nvme.json: 'devices' must be an array"},
		{"{\"devices\":[]}", -DER_INVAL, "daos_nvme.json: 'version' must be an integer"},
		{"{\"version\":2,\"devices\":[]}", -DER_DF_INCOMPT,
		 "daos_nvme.json: version 2 is not supported (this engine reads 1)"},
		{"{\"version\":1,\"devices\":[],\"x\":1}", -DER_INVAL,
		 "daos_nvme.json: unknown key 'x'"},
		{"{\"version\":1,\"devices\":[1]}", -DER_INVAL,
		 "daos_nvme.json: devices[0] is integer, not an object"},
		{"{\"version\":1,\"devices\":[{\"path\":\"/a\",\"class\":\"file\",\"size\":4096,"
		 "\"led\":1}]}", -DER_INVAL, "daos_nvme.json: devices[0]: unknown key 'led'"},
		{"{\"version\":1,\"devices\":[{\"path\":\"a\",\"class\":\"file\",\"size\":4096}]}",
		 -DER_INVAL, "daos_nvme.json: devices[0]: path 'a' must be absolute and shorter than "
			     "1024 bytes"},
		{"{\"version\":1,\"devices\":[{\"class\":\"file\",\"size\":4096}]}", -DER_INVAL,
		 "daos_nvme.json: devices[0]: 'path' must be a non-empty string"},
		{"{\"version\":1,\"devices\":[{\"path\":\"/a\",\"class\":\"nvme\",\"size\":4096}]}",
		 -DER_INVAL, "daos_nvme.json: devices[0]: class 'nvme' is not \"file\" or \"kdev\""},
		{"{\"version\":1,\"devices\":[{\"path\":\"/a\",\"size\":4096}]}", -DER_INVAL,
		 "daos_nvme.json: devices[0]: 'class' must be \"file\" or \"kdev\""},
		{"{\"version\":1,\"devices\":[{\"path\":\"/a\",\"class\":\"file\",\"size\":-1}]}",
		 -DER_INVAL, "daos_nvme.json: devices[0]: 'size' must be an integer in "
			     "[0, 1125899906842624]"},
		{"{\"version\":1,\"devices\":[{\"path\":\"/a\",\"class\":\"file\",\"size\":100}]}",
		 -DER_INVAL, "daos_nvme.json: devices[0]: size 100 of a file device must be a "
			     "non-zero multiple of 4096"},
		{"{\"version\":1,\"devices\":[{\"path\":\"/a\",\"class\":\"file\",\"size\":0}]}",
		 -DER_INVAL, "daos_nvme.json: devices[0]: size 0 of a file device must be a "
			     "non-zero multiple of 4096"},
		{"{\"version\":1,\"devices\":[{\"path\":\"/a\",\"class\":\"kdev\",\"size\":0},"
		 "{\"path\":\"/a\",\"class\":\"file\",\"size\":4096}]}", -DER_INVAL,
		 "daos_nvme.json: devices[1]: path '/a' is also devices[0]"},
		{"{\"version\":1,\"version\":1,\"devices\":[]}", -DER_INVAL,
		 "daos_nvme.json: not JSON: duplicate object key near '\"version\"' at line 1 "
		 "column 22"},
	};
	struct eng_nvme_dev devs[4];
	uint32_t            nr = 99;
	char                err[512];
	const char         *good = "{\"version\":1,\"devices\":[{\"path\":\"/var/tmp/b0\",\"class\":"
				   "\"file\",\"size\":8192},{\"path\":\"/dev/sdz\",\"class\":\"kdev\","
				   "\"size\":0}]}";

	(void)state;
	assert_int_equal(eng_nvme_conf_parse(good, strlen(good), devs, 4, &nr, err, sizeof(err)), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(err, "");
	assert_string_equal(devs[0].nd_path, "/var/tmp/b0");
	assert_int_equal(devs[0].nd_class, BIO_DEV_FILE);
	assert_int_equal(devs[0].nd_size, 8192);
	assert_string_equal(devs[1].nd_path, "/dev/sdz");
	assert_int_equal(devs[1].nd_class, BIO_DEV_KDEV);
	assert_int_equal(eng_nvme_conf_parse("{\"version\":1,\"devices\":[]}", 26, devs, 4, &nr,
					     err, sizeof(err)), 0);
	assert_int_equal(nr, 0);
	assert_int_equal(eng_nvme_conf_parse(good, strlen(good), devs, 1, &nr, err, sizeof(err)),
			 -DER_OVERFLOW);
	assert_string_equal(err, "daos_nvme.json: 2 devices, at most 1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nr = 99;
		assert_int_equal(eng_nvme_conf_parse(bad[i].text, strlen(bad[i].text), devs, 4, &nr,
						     err, sizeof(err)), bad[i].rc);
		if (strcmp(err, bad[i].err) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, bad[i].err);
		assert_int_equal(nr, 99);
	}
	/* A broken file stops the storage from opening, with the reason. */
	{
		char dir[] = "/tmp/engc.XXXXXX";
		char path[64];
		struct eng_storage *st;

		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/%s", dir, ENG_NVME_CONF_FILE);
		write_file(path, "{\"version\":1,\"devices\":{}}");
		assert_int_equal(eng_storage_open(dir, 1, &st, err, sizeof(err)), -DER_INVAL);
		assert_string_equal(err, "daos_nvme.json: 'devices' must be an array");
		/* Absent: no NVMe, the storage opens. */
		unlink(path);
		assert_int_equal(eng_storage_open(dir, 1, &st, err, sizeof(err)), 0);
		eng_storage_close(st);
		assert_int_equal(eng_storage_open("relative", 1, &st, err, sizeof(err)), -DER_INVAL);
		assert_int_equal(eng_storage_open(dir, 0, &st, err, sizeof(err)), -DER_INVAL);
		snprintf(path, sizeof(path), "rm -rf '%s'", dir);
		assert_int_equal(system(path), 0);
	}
}

/* ---- ENG18 ---- */

/* ENG18: a failed commit answers every write of its batch with the error; nothing is acknowledged */
static void
eng18_commit_failure(void **state)
{
	struct ectx    *c = *state;
	struct tobj     o;
	static uint8_t  big[64 << 10];
	struct gc_call  calls[2] = {{0}};
	char            env[256];
	uint64_t        deadline, size, got;
	char            out[8];

	/* Restart with the device's next write failing (bio's D_BIO_FAULT). */
	targets_down(c);
	snprintf(env, sizeof(env), "dev=%s,op=write,count=1", c->bdev);
	setenv("D_BIO_FAULT", env, 1);
	targets_up(c);
	unsetenv("D_BIO_FAULT");
	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	for (int i = 0; i < 2; i++) {
		size_t           len = i == 0 ? sizeof(big) : 8; /* blob (fails), then inline */
		daos_iod_t       iod = {.iod_type = DAOS_IOD_SINGLE, .iod_size = len, .iod_nr = 1};
		d_iov_t          iov;
		d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
		struct proto_msg m;
		const struct iovec *v;
		int              cnt;

		d_iov_set(&iod.iod_name, "a", 1);
		d_iov_set(&iov, big, len);
		update_msg(&m, 0, &o, 0, i == 0 ? "d0" : "d1", 1, &iod, &sgl);
		assert_int_equal(proto_msg_iov(&m, &v, &cnt), 0);
		assert_int_equal(net_call_submit(c->cl, LOCALHOST, (uint16_t)(c->port + 1),
						 PROTO_OP_OBJ_UPDATE, 0, v, cnt, CALL_MS, gc_cb,
						 &calls[i], NULL), 0);
		proto_msg_fini(&m);
	}
	deadline = now_ms() + WAIT_MS;
	while (!calls[0].gc_done || !calls[1].gc_done) {
		assert_true(now_ms() < deadline);
		assert_true(net_client_progress(c->cl, 100) >= 0);
	}
	assert_int_equal(calls[0].gc_status, -DER_NVME_IO);
	/* Same batch: the commit's error; a later turn: the pool is failed (sticky). */
	assert_true(calls[1].gc_status == -DER_NVME_IO || calls[1].gc_status == -DER_IO);
	assert_int_equal(get(c, 0, &o, 0, "d1", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	/* Reads are still served and the other target is unaffected. */
	assert_int_equal(put_sv(c, 1, &o, 0, "d", "a", "x", 1), 0);
}


/* ---- ENG19 ---- */

/* ENG19: a stop with writes in flight answers or closes every call at once; acknowledged writes survive */
static void
eng19_stop_in_flight(void **state)
{
	struct ectx          *c = *state;
	struct tobj           o;
	static struct gc_call calls[GC_NR];
	uint64_t              start, deadline;
	int                   done = 0, acked = 0;

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	memset(calls, 0, sizeof(calls));
	for (int i = 0; i < GC_NR; i++) {
		uint32_t         t   = (uint32_t)i % c->nr;
		daos_iod_t       iod = {.iod_type = DAOS_IOD_SINGLE, .iod_size = 8, .iod_nr = 1};
		d_iov_t          iov;
		d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
		char             dkey[16];
		struct proto_msg m;
		const struct iovec *v;
		int              cnt;

		memset(dkey, 0, sizeof(dkey));
		snprintf(dkey, sizeof(dkey), "s%d", i);
		d_iov_set(&iod.iod_name, "a", 1);
		d_iov_set(&iov, dkey, 8);
		update_msg(&m, t, &o, 0, dkey, 1, &iod, &sgl);
		assert_int_equal(proto_msg_iov(&m, &v, &cnt), 0);
		assert_int_equal(net_call_submit(c->cl, LOCALHOST, (uint16_t)(c->port + 1 + t),
						 PROTO_OP_OBJ_UPDATE, 0, v, cnt, CALL_MS, gc_cb,
						 &calls[i], NULL), 0);
		proto_msg_fini(&m);
	}
	/* Some are answered, the rest are in flight when the stop comes. */
	deadline = now_ms() + WAIT_MS;
	while (done < GC_NR / 10) {
		assert_true(now_ms() < deadline);
		assert_true(net_client_progress(c->cl, 10) >= 0);
		done = 0;
		for (int i = 0; i < GC_NR; i++)
			done += calls[i].gc_done;
	}
	start = now_ms();
	targets_down(c);
	while (done < GC_NR) {
		assert_true(now_ms() < deadline);
		assert_true(net_client_progress(c->cl, 100) >= 0);
		done = 0;
		for (int i = 0; i < GC_NR; i++)
			done += calls[i].gc_done;
	}
	/* Nobody waited for the call deadline. */
	assert_true(now_ms() - start < CALL_MS / 2);
	for (int i = 0; i < GC_NR; i++) {
		int st = calls[i].gc_status;

		assert_true(st == 0 || st == -DER_SHUTDOWN || st == -DER_UNREACH);
		acked += st == 0;
	}
	assert_true(acked >= GC_NR / 10);
	targets_up(c);
	for (int i = 0; i < GC_NR; i++) {
		char     dkey[16] = {0}, out[16];
		uint64_t size, got;

		if (calls[i].gc_status != 0)
			continue;
		snprintf(dkey, sizeof(dkey), "s%d", i);
		assert_int_equal(get(c, (uint32_t)i % c->nr, &o, 0, dkey, "a", 0, 0, 0, out,
				     sizeof(out), 0, &size, &got), 0);
		assert_int_equal(got, 8);
		assert_memory_equal(out, dkey, 8);
	}
}

/* ---- ENG20 ---- */

#define MANY_IODS 100

/* ENG20: one update and one fetch of 100 akeys (a reply of more data runs than net takes in one go) */
static void
eng20_many_iods(void **state)
{
	struct ectx                *c = *state;
	struct tobj                 o;
	static daos_iod_t           iods[MANY_IODS];
	static d_iov_t              iovs[MANY_IODS];
	static d_sg_list_t          sgls[MANY_IODS];
	static char                 akeys[MANY_IODS][8];
	static uint8_t              vals[MANY_IODS][200];
	static uint64_t             caps[MANY_IODS];
	struct proto_obj_fetch      f;
	struct proto_obj_fetch_rep  fr;
	struct net_call_reply      *rep;
	struct proto_msg            m;

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	for (int i = 0; i < MANY_IODS; i++) {
		snprintf(akeys[i], sizeof(akeys[i]), "a%d", i);
		fill(vals[i], sizeof(vals[i]), (unsigned)i);
		memset(&iods[i], 0, sizeof(iods[i]));
		d_iov_set(&iods[i].iod_name, akeys[i], strlen(akeys[i]));
		iods[i].iod_type = DAOS_IOD_SINGLE;
		iods[i].iod_size = 1 + (uint64_t)i;
		iods[i].iod_nr   = 1;
		d_iov_set(&iovs[i], vals[i], iods[i].iod_size);
		sgls[i].sg_nr   = 1;
		sgls[i].sg_iovs = &iovs[i];
		caps[i]         = 1000;
	}
	update_msg(&m, 1, &o, 0, "many", MANY_IODS, iods, sgls);
	assert_int_equal(call(c, 1, PROTO_OP_OBJ_UPDATE, 0, &m, NULL), 0);
	for (int i = 0; i < MANY_IODS; i++)
		iods[i].iod_size = DAOS_REC_ANY;
	req_init(&f.of_req, 1, o.to_pool, o.to_cont, o.to_oid, 0);
	d_iov_set(&f.of_dkey, "many", 4);
	f.of_iod_nr   = MANY_IODS;
	f.of_iods     = iods;
	f.of_buf_lens = caps;
	f.of_flags    = 0;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_fetch_enc(&f, &m), 0);
	assert_int_equal(call(c, 1, PROTO_OP_OBJ_FETCH, 0, &m, &rep), 0);
	assert_int_equal(proto_obj_fetch_rep_dec(rep->cr_body, rep->cr_len, &fr, NULL, 0), 0);
	assert_int_equal(fr.ofr_iod_nr, MANY_IODS);
	for (int i = 0; i < MANY_IODS; i++) {
		assert_int_equal(fr.ofr_sizes[i], 1 + (uint64_t)i);
		assert_int_equal(fr.ofr_sgls[i].sg_iovs[0].iov_len, 1 + (uint64_t)i);
		assert_memory_equal(fr.ofr_sgls[i].sg_iovs[0].iov_buf, vals[i], 1 + (size_t)i);
	}
	proto_obj_fetch_rep_fini(&fr);
	net_reply_free(rep);
	/* More iods than VOS takes in one call: refused, not crashed. */
	{
		static daos_iod_t more[PROTO_IOD_NR_MAX];
		static uint64_t   mcaps[PROTO_IOD_NR_MAX];

		for (unsigned i = 0; i < PROTO_IOD_NR_MAX; i++) {
			more[i]  = iods[i % MANY_IODS];
			mcaps[i] = 10;
		}
		for (unsigned i = MANY_IODS; i < PROTO_IOD_NR_MAX; i++) {
			static char names[PROTO_IOD_NR_MAX][8];

			snprintf(names[i], sizeof(names[i]), "x%u", i);
			d_iov_set(&more[i].iod_name, names[i], strlen(names[i]));
		}
		f.of_iod_nr   = PROTO_IOD_NR_MAX;
		f.of_iods     = more;
		f.of_buf_lens = mcaps;
		proto_msg_init(&m);
		assert_int_equal(proto_obj_fetch_enc(&f, &m), 0);
		assert_int_equal(call(c, 1, PROTO_OP_OBJ_FETCH, 0, &m, NULL), -DER_INVAL);
	}
	assert_int_equal(ping(c, 1), 0);
}

/* ==== Telemetry (eng_telem.c): ENG21.. ==== */

/*
 * These cases run the targets with a telemetry segment of their own key and
 * read it back through the reader API (gurt/telemetry.h), as daos_metrics
 * and daos_server do. A target updates a metric right after it answered, so
 * values are awaited (bounded by WAIT_MS); what must stay unchanged is
 * checked after the awaited ones.
 */
#include <inttypes.h>
#include <sys/ipc.h>

#include "engine/eng_internal.h"

#define TM_PROV "ofi+tcp;ofi_rxm"

/* The engine context plus its telemetry (ectx first: the helpers above take it). */
struct tctx {
	struct ectx         tc_e;
	key_t               tc_key;
	struct eng_telem   *tc_tm;
	struct d_tm_reader *tc_r;
};

/* A key of this process, away from DAOS's engine keys (0x10242048 + idx). */
static key_t
tm_key(void)
{
	return (key_t)(0x6C000000 | ((getpid() & 0xFFF) << 12) | (1 + rand() % 0xFFE));
}

/* targets_up() with the telemetry handed to the targets. */
static void
tm_targets_up(struct tctx *tc)
{
	struct ectx        *c   = &tc->tc_e;
	struct eng_tgts_cfg cfg = {.tc_ip = LOCALHOST, .tc_nr = c->nr, .tc_first_core = -1,
				   .tc_telem = tc->tc_tm};
	char                why[512];
	uint32_t            started = 0;
	uint64_t            deadline;
	int                 rc = -DER_BUSY;

	if (eng_storage_open(c->dir, c->nr, &c->st, why, sizeof(why)) != 0)
		fail_msg("storage: %s", why);
	for (int tries = 0; tries < 10 && rc != 0; tries++) {
		cfg.tc_port = free_base(c->nr);
		rc          = eng_tgts_create(&cfg, &c->tg, why, sizeof(why));
		if (rc != 0 && rc != -DER_BUSY)
			fail_msg("targets: %s", why);
	}
	assert_int_equal(rc, 0);
	c->port = cfg.tc_port;
	assert_int_equal(eng_tgts_start(c->tg, c->st), 0);
	deadline = now_ms() + WAIT_MS;
	while (started < c->nr) {
		struct eng_tgt_event ev;

		if (eng_tgts_event(c->tg, &ev) != 0) {
			assert_true(now_ms() < deadline);
			usleep(1000);
			continue;
		}
		if (ev.te_type == ENG_EV_STARTED) {
			assert_int_equal(ev.te_rc, 0);
			started++;
		}
	}
	eng_telem_storage(tc->tc_tm, c->st);
}

static int
tm_setup(void **state)
{
	struct tctx *tc = calloc(1, sizeof(*tc));
	struct ectx *c;

	if (tc == NULL)
		return -1;
	c = &tc->tc_e;
	srand((unsigned)(getpid() ^ now_ms()));
	strcpy(c->dir, "/tmp/engt.XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->bdev, sizeof(c->bdev), "%s/bdev0.img", c->dir);
	assert_int_equal(bio_dev_create_file(c->bdev, DEV_SIZE), 0);
	nvme_conf(c);
	c->nr = NTGT;
	assert_int_equal(net_client_create(&c->cl), 0);
	tc->tc_key = tm_key();
	assert_int_equal(eng_telem_create(tc->tc_key, c->nr, TM_PROV, &tc->tc_tm), 0);
	tm_targets_up(tc);
	assert_int_equal(d_tm_reader_open(tc->tc_key, &tc->tc_r), 0);
	g      = c;
	*state = tc;
	return 0;
}

static int
tm_teardown(void **state)
{
	struct tctx        *tc = *state;
	struct d_tm_reader *r;

	d_tm_reader_close(tc->tc_r);
	if (tc->tc_e.tg != NULL)
		targets_down(&tc->tc_e);
	eng_telem_destroy(tc->tc_tm);
	/* The segment is removed with the telemetry. */
	assert_int_equal(d_tm_reader_open(tc->tc_key, &r), -DER_NONEXIST);
	*state = &tc->tc_e; /* teardown() frees it: tc_e is its first member */
	return teardown(state);
}

struct tm_get_arg {
	struct d_tm_sample ga_s;
	bool               ga_found;
};

static int
tm_get_cb(const struct d_tm_sample *s, void *arg)
{
	struct tm_get_arg *ga = arg;

	ga->ga_s          = *s;
	ga->ga_s.ts_path  = NULL; /* valid during the callback only */
	ga->ga_s.ts_desc  = NULL;
	ga->ga_s.ts_units = NULL;
	ga->ga_found      = true;
	return 1; /* the node itself is the first one visited */
}

/* The sample of the node at the path built from fmt: 0 or the walk's error. */
static int __attribute__((format(printf, 3, 4)))
tm_get(struct tctx *tc, struct d_tm_sample *out, const char *fmt, ...)
{
	struct tm_get_arg ga = {.ga_found = false};
	char              path[D_TM_PATH_MAX];
	va_list           ap;
	int               rc;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	rc = d_tm_walk(tc->tc_r, path, tm_get_cb, &ga);
	if (rc == 1 && ga.ga_found) {
		if (out != NULL)
			*out = ga.ga_s;
		return 0;
	}
	return rc == 0 ? -DER_METRIC_NOT_FOUND : rc;
}

/* The value (samples when want_samples) of the metric at the path built from fmt. */
static uint64_t __attribute__((format(printf, 3, 4)))
tm_val(struct tctx *tc, bool want_samples, const char *fmt, ...)
{
	struct d_tm_sample s;
	char               path[D_TM_PATH_MAX];
	va_list            ap;
	int                rc;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	rc = tm_get(tc, &s, "%s", path);
	if (rc != 0)
		fail_msg("metric %s: " DF_RC, path, DP_RC(rc));
	return want_samples ? s.ts_samples : s.ts_value;
}

/* Wait (bounded) until a metric's value (or samples) reaches want; returns it. */
static uint64_t __attribute__((format(printf, 4, 5)))
tm_wait(struct tctx *tc, bool want_samples, uint64_t want, const char *fmt, ...)
{
	char     path[D_TM_PATH_MAX];
	va_list  ap;
	uint64_t deadline = now_ms() + WAIT_MS;
	uint64_t v;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	while ((v = tm_val(tc, want_samples, "%s", path)) < want) {
		if (now_ms() >= deadline)
			fail_msg("metric %s is %" PRIu64 " after %d ms, %" PRIu64 " expected", path,
				 v, WAIT_MS, want);
		usleep(1000);
	}
	return v;
}

/* ENG21: update and fetch publish ops, active counts, latency (by size), bytes and pool counters; the other target's stay 0 */
static void
eng21_tm_io(void **state)
{
	struct tctx       *tc = *state;
	struct ectx       *c  = &tc->tc_e;
	static uint8_t     data[4000], out[4096];
	struct tobj        o, other;
	struct d_tm_sample s;
	char               ps[37];
	uint64_t           size, got;

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	uuid_unparse_lower(o.to_pool, ps);
	fill(data, sizeof(data), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", data, sizeof(data)), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, sizeof(out), 0, &size,
				     &got), 0);
		assert_int_equal(got, sizeof(data));
	}
	/* An update of a pool the target does not have: measured, no bytes, no pool. */
	tobj_init(&other, 0);
	assert_int_equal(put_sv(c, 0, &other, 0, "d", "a", data, sizeof(data)), -DER_NO_HDL);

	/* Every awaited value is then exact (a target updates a few metrics per answer). */
	assert_int_equal(tm_wait(tc, true, 4, "io/ops/update/latency/tgt_0"), 4);
	assert_int_equal(tm_wait(tc, true, 2, "io/ops/fetch/latency/tgt_0"), 2);
	assert_int_equal(tm_get(tc, &s, "io/ops/update/latency/tgt_0"), 0);
	assert_true(s.ts_max > 0 && s.ts_min <= s.ts_max && s.ts_sum >= s.ts_max);
	/* Active: 0 now, 1 at most (sequential calls), one sample per begin and end. */
	assert_int_equal(tm_wait(tc, true, 8, "io/ops/update/active/tgt_0"), 8);
	assert_int_equal(tm_get(tc, &s, "io/ops/update/active/tgt_0"), 0);
	assert_int_equal(s.ts_value, 0);
	assert_int_equal(s.ts_max, 1);
	/* 4000 bytes are in DAOS's 4KB bucket, for the refused update as well. */
	assert_int_equal(tm_wait(tc, true, 4, "io/latency/update/4KB/tgt_0"), 4);
	assert_int_equal(tm_wait(tc, true, 2, "io/latency/fetch/4KB/tgt_0"), 2);
	assert_int_equal(tm_val(tc, true, "io/latency/update/256B/tgt_0"), 0);
	assert_int_equal(tm_val(tc, true, "io/latency/update/GT4MB/tgt_0"), 0);
	assert_int_equal(tm_wait(tc, false, 3 * sizeof(data), "io/xferred/update/tgt_0"),
			 3 * sizeof(data));
	assert_int_equal(tm_wait(tc, false, 2 * sizeof(data), "io/xferred/fetch/tgt_0"),
			 2 * sizeof(data));
	assert_int_equal(tm_wait(tc, false, 3, "pool/%s/ops/update/tgt_0", ps), 3);
	assert_int_equal(tm_wait(tc, false, 2, "pool/%s/ops/fetch/tgt_0", ps), 2);
	assert_int_equal(tm_wait(tc, false, 3 * sizeof(data), "pool/%s/xferred/update/tgt_0", ps),
			 3 * sizeof(data));
	assert_int_equal(tm_wait(tc, false, 2 * sizeof(data), "pool/%s/xferred/fetch/tgt_0", ps),
			 2 * sizeof(data));
	assert_int_equal(tm_get(tc, &s, "pool/%s/started_at", ps), 0);
	assert_true(s.ts_value > 0 && s.ts_value <= (uint64_t)time(NULL));
	/* Network: pool create, 4 updates, 2 fetches; writes were queued for their commit. */
	assert_int_equal(tm_wait(tc, false, 7, "net/%s/req_recv/tgt_0", TM_PROV), 7);
	/*
	 * One sample per turn that read requests (a turn may read several: the
	 * client sends the next call as soon as a read is answered). A write is
	 * sampled while held, before its commit answers it.
	 */
	assert_int_equal(tm_get(tc, &s, "net/%s/hg_active_rpcs/tgt_0", TM_PROV), 0);
	assert_true(s.ts_max >= 1 && s.ts_samples >= 1);
	assert_int_equal(tm_val(tc, false, "net/" TM_PROV "/req_bad/tgt_0"), 0);
	/* Target 1 served its pool create only. */
	assert_int_equal(tm_val(tc, true, "io/ops/update/latency/tgt_1"), 0);
	assert_int_equal(tm_val(tc, false, "io/xferred/update/tgt_1"), 0);
	assert_int_equal(tm_val(tc, false, "pool/%s/ops/update/tgt_1", ps), 0);
	assert_int_equal(tm_val(tc, false, "net/" TM_PROV "/req_recv/tgt_1"), 1);
}

/* ENG22: every object operation is counted under DAOS's name; malformed requests count as bad, not as operations */
static void
eng22_tm_op_names(void **state)
{
	struct tctx                   *tc = *state;
	struct ectx                   *c  = &tc->tc_e;
	struct tobj                    o;
	struct proto_obj_query_key_rep qr;
	struct proto_obj_list_recx     lr = {0};
	struct proto_obj_list_obj      lo = {0};
	struct proto_msg               m;
	daos_anchor_t                  anchor = DAOS_ANCHOR_INIT;
	char                           names[8][32];
	uint8_t                        dbuf[64];
	char                           abuf[64];
	char                           ps[37], text[256];
	const char                    *dk[] = {"d2"};
	const char                    *ak[] = {"a2"};
	uint32_t                       n = 0;
	static const char *const       ops[] = {"dkey_enum", "akey_enum", "recx_enum",
						"obj_enum",  "obj_punch", "dkey_punch",
						"akey_punch", "key_query"};

	tobj_init(&o, 0);
	tobj_pool(c, &o, 0);
	uuid_unparse_lower(o.to_pool, ps);
	assert_int_equal(put_sv(c, 0, &o, 10, "d1", "a1", "v", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, 10, "d2", "a2", "v", 1), 0);
	assert_int_equal(list_keys(c, 0, &o, PROTO_OP_OBJ_LIST_DKEY, NULL, 8, 256, &anchor, names,
				   &n, NULL), 0);
	anchor = (daos_anchor_t)DAOS_ANCHOR_INIT;
	assert_int_equal(list_keys(c, 0, &o, PROTO_OP_OBJ_LIST_AKEY, "d1", 8, 256, &anchor,
				   names, &n, NULL), 0);
	req_init(&lr.olr_req, 0, o.to_pool, o.to_cont, o.to_oid, 0);
	d_iov_set(&lr.olr_dkey, "d1", 2);
	d_iov_set(&lr.olr_akey, "a1", 2);
	lr.olr_nr     = 8;
	lr.olr_anchor = (daos_anchor_t)DAOS_ANCHOR_INIT;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_list_recx_enc(&lr, &m), 0);
	assert_int_equal(call(c, 0, PROTO_OP_OBJ_LIST_RECX, 0, &m, NULL), 0);
	req_init(&lo.olo_req, 0, o.to_pool, o.to_cont, o.to_oid, 0);
	lo.olo_nr     = 8;
	lo.olo_anchor = (daos_anchor_t)DAOS_ANCHOR_INIT;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_list_obj_enc(&lo, &m), 0);
	assert_int_equal(call(c, 0, PROTO_OP_OBJ_LIST_OBJ, 0, &m, NULL), 0);
	assert_int_equal(punch(c, 0, &o, PROTO_OP_OBJ_PUNCH_DKEYS, 20, NULL, 1, dk), 0);
	assert_int_equal(punch(c, 0, &o, PROTO_OP_OBJ_PUNCH_AKEYS, 20, "d1", 1, ak), 0);
	assert_int_equal(query_key(c, 0, &o, PROTO_QK_DKEY, NULL, 0, NULL, &qr, dbuf, abuf), 0);
	assert_int_equal(punch(c, 0, &o, PROTO_OP_OBJ_PUNCH, 30, NULL, 0, NULL), 0);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		assert_int_equal(tm_wait(tc, true, 1, "io/ops/%s/latency/tgt_0", ops[i]), 1);
		assert_int_equal(tm_wait(tc, false, 1, "pool/%s/ops/%s/tgt_0", ps, ops[i]), 1);
	}
	/* Malformed: a fetch body that does not decode, a ping with a body. */
	assert_int_equal(raw_call(c, 0, PROTO_OP_OBJ_FETCH, "xyz", 3, text, sizeof(text)),
			 -DER_PROTO);
	assert_true(text[0] != '\0');
	assert_int_equal(raw_call(c, 0, PROTO_OP_PING, "x", 1, text, sizeof(text)), -DER_PROTO);
	assert_int_equal(tm_wait(tc, false, 2, "net/%s/req_bad/tgt_0", TM_PROV), 2);
	assert_int_equal(tm_val(tc, true, "io/ops/fetch/latency/tgt_0"), 0);
	assert_int_equal(tm_val(tc, false, "io/ops/fetch/active/tgt_0"), 0);
	assert_int_equal(tm_val(tc, false, "net/" TM_PROV "/req_bad/tgt_1"), 0);
}

/* ENG23: a pool destroy removes that target's pool metrics; the last target's removes pool/<uuid>; a new pool starts at 0 */
static void
eng23_tm_pool_destroy(void **state)
{
	struct tctx *tc = *state;
	struct ectx *c  = &tc->tc_e;
	struct tobj  o, keep;
	uuid_t       absent;
	char         ps[37], ks[37];

	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	tobj_init(&keep, 0);
	tobj_pool(c, &keep, 0);
	uuid_unparse_lower(o.to_pool, ps);
	uuid_unparse_lower(keep.to_pool, ks);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "x", 1), 0);
	assert_int_equal(tm_wait(tc, false, 1, "pool/%s/ops/update/tgt_0", ps), 1);

	assert_int_equal(pool_op(c, 0, PROTO_OP_TGT_POOL_DESTROY, o.to_pool, NULL), 0);
	assert_int_equal(tm_get(tc, NULL, "pool/%s/ops/update/tgt_0", ps), -DER_METRIC_NOT_FOUND);
	assert_int_equal(tm_get(tc, NULL, "pool/%s/xferred/update/tgt_0", ps),
			 -DER_METRIC_NOT_FOUND);
	assert_int_equal(tm_get(tc, NULL, "pool/%s/vos_space/scm_total/tgt_0", ps),
			 -DER_METRIC_NOT_FOUND);
	assert_int_equal(tm_get(tc, NULL, "pool/%s/ops/update/tgt_1", ps), 0);
	assert_int_equal(tm_get(tc, NULL, "pool/%s/started_at", ps), 0);
	/* Destroying a pool the target does not have touches nothing. */
	uuid_generate(absent);
	assert_int_equal(pool_op(c, 1, PROTO_OP_TGT_POOL_DESTROY, absent, NULL), 0);
	assert_int_equal(tm_get(tc, NULL, "pool/%s/ops/update/tgt_1", ps), 0);

	assert_int_equal(pool_op(c, 1, PROTO_OP_TGT_POOL_DESTROY, o.to_pool, NULL), 0);
	assert_int_equal(tm_get(tc, NULL, "pool/%s", ps), -DER_METRIC_NOT_FOUND);
	/* The other pool is untouched. */
	assert_int_equal(tm_get(tc, NULL, "pool/%s/ops/update/tgt_0", ks), 0);
	assert_int_equal(tm_get(tc, NULL, "pool/%s/ops/update/tgt_1", ks), 0);

	/* The same pool again: new metrics from 0. */
	tobj_pool(c, &o, 0);
	assert_int_equal(tm_val(tc, false, "pool/%s/ops/update/tgt_0", ps), 0);
	assert_int_equal(tm_val(tc, false, "pool/%s/xferred/update/tgt_1", ps), 0);
}

/* ENG24: vos_space gauges match TGT_QUERY; staging memory follows the pools with a blob */
static void
eng24_tm_space(void **state)
{
	struct tctx               *tc = *state;
	struct ectx               *c  = &tc->tc_e;
	static uint8_t             big[64 << 10];
	struct proto_tgt_query_rep q;
	struct tobj                o, inl;
	const uint64_t             stage = (uint64_t)VOS_STAGE_BYTES; /* no read buffer since vos_fetch.c */
	char                       ps[37];
	uint64_t                   deadline;

	assert_int_equal(tm_val(tc, false, "mem/vos/stage_buffers/tgt_0"), 0);
	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	uuid_unparse_lower(o.to_pool, ps);
	/* Set at the create, before its answer. */
	assert_int_equal(query(c, 0, o.to_pool, &q), 0);
	assert_int_equal(tm_val(tc, false, "pool/%s/vos_space/scm_total/tgt_0", ps),
			 q.tqr_scm_total);
	assert_int_equal(tm_val(tc, false, "pool/%s/vos_space/nvme_total/tgt_0", ps),
			 q.tqr_nvme_total);
	assert_int_equal(tm_val(tc, false, "pool/%s/vos_space/nvme_used/tgt_0", ps), 0);
	assert_true(tm_val(tc, false, "pool/%s/vos_space/scm_used/tgt_0", ps) > 0);
	assert_int_equal(tm_val(tc, false, "mem/vos/stage_buffers/tgt_0"), stage);
	/* A pool without NVMe has no staging buffers. */
	tobj_init(&inl, 0);
	tobj_pool(c, &inl, 0);
	assert_int_equal(tm_val(tc, false, "mem/vos/stage_buffers/tgt_0"), stage);

	/* A value in the blob: nvme_used follows within a refresh period. */
	fill(big, sizeof(big), 5);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", big, sizeof(big)), 0);
	assert_int_equal(query(c, 0, o.to_pool, &q), 0);
	assert_true(q.tqr_nvme_total - q.tqr_nvme_free >= sizeof(big));
	deadline = now_ms() + WAIT_MS;
	while (tm_val(tc, false, "pool/%s/vos_space/nvme_used/tgt_0", ps) !=
	       q.tqr_nvme_total - q.tqr_nvme_free) {
		assert_true(now_ms() < deadline);
		usleep(10000);
	}
	assert_int_equal(pool_op(c, 0, PROTO_OP_TGT_POOL_DESTROY, o.to_pool, NULL), 0);
	assert_int_equal(tm_val(tc, false, "mem/vos/stage_buffers/tgt_0"), 0);
}

/* ENG25: loop cycles, busy and idle time; started_at, servicing_at, rank, incarnation, RSS; NVMe errors and state */
static void
eng25_tm_engine(void **state)
{
	struct tctx       *tc = *state;
	struct ectx       *c  = &tc->tc_e;
	static uint8_t     big[64 << 10];
	struct d_tm_sample s;
	struct tobj        o;
	char               dev[37], ps[37];
	char               env[256];
	uint64_t           relax;
	time_t             now = time(NULL);

	/* Scheduling: the target's turns, waits and work. */
	tobj_init(&o, 0);
	tobj_pool(c, &o, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "x", 1), 0);
	/* Each write ends its turn (its commit answers it): 4 turns at least. */
	assert_true(tm_wait(tc, false, 4, "sched/cycles/tgt_0") >= 4);
	assert_int_equal(tm_get(tc, &s, "sched/cycle_size/tgt_0"), 0);
	assert_true(s.ts_max >= 1 && s.ts_samples >= 4);
	assert_int_equal(tm_get(tc, &s, "sched/cycle_duration/tgt_0"), 0);
	assert_true(s.ts_samples >= 4);
	assert_true(tm_val(tc, false, "sched/busy_time/tgt_0") > 0);
	/* An idle target still accounts its waits (it wakes every ENG_TM_REFRESH_MS). */
	relax = tm_val(tc, false, "sched/relax_time/tgt_1");
	tm_wait(tc, false, relax + 500000, "sched/relax_time/tgt_1");

	/* Engine-wide metrics of the system thread. */
	assert_int_equal(tm_get(tc, &s, "started_at"), 0);
	assert_true(s.ts_value > 0 && s.ts_value <= (uint64_t)now);
	assert_int_equal(tm_get(tc, NULL, "servicing_at"), -DER_METRIC_NOT_FOUND);
	assert_int_equal(tm_get(tc, NULL, "rank"), -DER_METRIC_NOT_FOUND);
	eng_telem_servicing(tc->tc_tm);
	eng_telem_joined(tc->tc_tm, 5, 0x1234567890ULL);
	assert_true(tm_val(tc, false, "servicing_at") >= (uint64_t)now);
	assert_int_equal(tm_val(tc, false, "rank"), 5);
	assert_int_equal(tm_val(tc, false, "incarnation"), 0x1234567890ULL);
	eng_telem_refresh(tc->tc_tm, c->st);
	assert_true(tm_val(tc, false, "mem/rss") > (1 << 20));
	uuid_unparse_lower(c->st->es_devs[0].ed_uuid, dev);
	assert_int_equal(tm_val(tc, false, "nvme/%s/state", dev), BIO_STATE_NORMAL);
	assert_int_equal(tm_val(tc, false, "nvme/%s/commands/write_errs", dev), 0);
	assert_int_equal(tm_val(tc, false, "nvme/%s/commands/read_errs", dev), 0);
	assert_int_equal(tm_val(tc, false, "nvme/%s/commands/unmap_errs", dev), 0);
	assert_int_equal(tm_val(tc, false, "nvme/%s/commands/checksum_mismatch", dev), 0);

	/* Restart the targets with the device's next write failing (bio's D_BIO_FAULT). */
	targets_down(c);
	snprintf(env, sizeof(env), "dev=%s,op=write,count=1", c->bdev);
	setenv("D_BIO_FAULT", env, 1);
	tm_targets_up(tc);
	unsetenv("D_BIO_FAULT");
	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", big, sizeof(big)), -DER_NVME_IO);
	eng_telem_refresh(tc->tc_tm, c->st);
	assert_true(tm_val(tc, false, "nvme/%s/commands/write_errs", dev) >= 1);
	assert_int_equal(tm_val(tc, false, "nvme/%s/state", dev), BIO_STATE_FAULTY);
	/* The failed update was measured (the metrics outlive a target restart) but moved no bytes. */
	assert_int_equal(tm_wait(tc, true, 5, "io/ops/update/latency/tgt_0"), 5);
	uuid_unparse_lower(o.to_pool, ps);
	assert_int_equal(tm_wait(tc, false, 1, "pool/%s/ops/update/tgt_0", ps), 1);
	assert_int_equal(tm_val(tc, false, "pool/%s/xferred/update/tgt_0", ps), 0);
	assert_int_equal(tm_val(tc, false, "io/xferred/update/tgt_0"), 4);
}

/* ENG26: the segment replaces a stale one of a previous life and goes with the engine; bad arguments; the key and its override */
static void
eng26_tm_segment(void **state)
{
	struct eng_telem   *tm;
	struct d_tm_seg    *stale;
	struct d_tm_reader *r;
	struct d_tm_node   *n;
	struct d_tm_sample  s;
	key_t               key = tm_key();
	struct tctx         tc  = {.tc_key = key};

	(void)state;
	/* A leftover of a crashed engine: another tree at the same key. */
	assert_int_equal(d_tm_seg_create(key, D_TM_SEG_SIZE_MIN, &stale), 0);
	assert_int_equal(d_tm_add_metric(stale, &n, D_TM_COUNTER, NULL, NULL, "old/thing"), 0);
	d_tm_inc_counter(n, 7);
	d_tm_seg_destroy(stale, false); /* detached, not removed: as after a crash */
	assert_int_equal(eng_telem_create(key, 2, "bad/prov name", &tm), 0);
	assert_int_equal(d_tm_reader_open(key, &r), 0);
	tc.tc_r = r;
	assert_int_equal(tm_get(&tc, NULL, "old"), -DER_METRIC_NOT_FOUND);
	assert_int_equal(tm_get(&tc, &s, "started_at"), 0);
	assert_true(s.ts_value > 0);
	assert_true(tm_val(&tc, false, "mem/rss") == 0); /* not sampled yet */
	eng_telem_refresh(tm, NULL);
	assert_true(tm_val(&tc, false, "mem/rss") > 0);
	d_tm_reader_close(r);
	eng_telem_destroy(tm);
	assert_int_equal(d_tm_reader_open(key, &r), -DER_NONEXIST);
	eng_telem_destroy(NULL);

	/* Bad arguments; the NULL telemetry every caller may pass is a no-op. */
	assert_int_equal(eng_telem_create(IPC_PRIVATE, 1, TM_PROV, &tm), -DER_INVAL);
	assert_int_equal(eng_telem_create(key, ENG_TARGETS_MAX + 1, TM_PROV, &tm), -DER_INVAL);
	assert_int_equal(eng_telem_create(key, 1, TM_PROV, NULL), -DER_INVAL);
	assert_int_equal(d_tm_reader_open(key, &r), -DER_NONEXIST);
	eng_telem_servicing(NULL);
	eng_telem_joined(NULL, 1, 1);
	eng_telem_storage(NULL, NULL);
	eng_telem_refresh(NULL, NULL);

	/* The key: DAOS's base + index, or the override of the environment. */
	unsetenv(ENG_TM_KEY_ENV);
	assert_int_equal(eng_telem_key(0), D_TM_ENGINE_KEY_BASE);
	assert_int_equal(eng_telem_key(3), D_TM_ENGINE_KEY_BASE + 3);
	setenv(ENG_TM_KEY_ENV, "0x6d000000", 1);
	assert_int_equal(eng_telem_key(2), 0x6d000002);
	setenv(ENG_TM_KEY_ENV, "1234", 1);
	assert_int_equal(eng_telem_key(0), 1234);
	for (const char *bad = "zz"; bad != NULL; bad = strcmp(bad, "zz") == 0 ? "-5"
						      : strcmp(bad, "-5") == 0 ? "0"
						      : strcmp(bad, "0") == 0 ? "0x7fffffff"
						      : strcmp(bad, "0x7fffffff") == 0 ? "12x" : NULL) {
		setenv(ENG_TM_KEY_ENV, bad, 1);
		assert_int_equal(eng_telem_key(1), D_TM_ENGINE_KEY_BASE + 1);
	}
	unsetenv(ENG_TM_KEY_ENV);
	/* The operation of every opcode. */
	assert_int_equal(eng_telem_op_of(PROTO_OP_OBJ_UPDATE), ENG_TM_OP_UPDATE);
	assert_int_equal(eng_telem_op_of(PROTO_OP_OBJ_QUERY_KEY), ENG_TM_OP_KEY_QUERY);
	assert_int_equal(eng_telem_op_of(PROTO_OP_OBJ_LIST_OBJ), ENG_TM_OP_OBJ_ENUM);
	assert_int_equal(eng_telem_op_of(PROTO_OP_PING), -1);
	assert_int_equal(eng_telem_op_of(PROTO_OP_TGT_QUERY), -1);
}

/* ENG27: the provider name becomes a net/ component: characters outside the name alphabet become '_' */
static void
eng27_tm_provider(void **state)
{
	struct tctx *tc = *state;
	struct ectx *c  = &tc->tc_e;

	/* The fixture's provider is used as is. */
	assert_int_equal(ping(c, 1), 0);
	assert_int_equal(tm_wait(tc, false, 1, "net/%s/req_recv/tgt_1", TM_PROV), 1);
	/* A target set whose telemetry has a sanitised provider. */
	targets_down(c);
	eng_telem_destroy(tc->tc_tm);
	d_tm_reader_close(tc->tc_r);
	assert_int_equal(eng_telem_create(tc->tc_key, c->nr, "ofi+tcp/bad name", &tc->tc_tm), 0);
	tm_targets_up(tc);
	assert_int_equal(d_tm_reader_open(tc->tc_key, &tc->tc_r), 0);
	assert_int_equal(ping(c, 0), 0);
	assert_int_equal(tm_wait(tc, false, 1, "net/ofi+tcp_bad_name/req_recv/tgt_0"), 1);
	targets_down(c);
	eng_telem_destroy(tc->tc_tm);
	d_tm_reader_close(tc->tc_r);
	assert_int_equal(eng_telem_create(tc->tc_key, c->nr, "..", &tc->tc_tm), 0);
	tm_targets_up(tc);
	assert_int_equal(d_tm_reader_open(tc->tc_key, &tc->tc_r), 0);
	assert_int_equal(ping(c, 0), 0);
	assert_int_equal(tm_wait(tc, false, 1, "net/unknown/req_recv/tgt_0"), 1);
}

/* ---- ENG28.. RAS events of the data path (eng_dev.c, eng_pool.c, eng_obj.c) ---- */

/* Append what the storage's RAS queue holds now to c->ras. */
static void
ras_drain(struct ectx *c)
{
	while (c->ras_nr < EVS_MAX && eng_ras_pop(c->st, &c->ras[c->ras_nr]) == 0)
		c->ras_nr++;
}

/* Set the layout version of container @cont in the VOS pool in @dir (offset 32 of its record). */
static void
vos_set_cont_version(const char *dir, const uuid_t cont, uint32_t version)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi  dbi;
	MDB_val  k = {.mv_size = 16, .mv_data = (void *)cont};
	MDB_val  v;
	uint8_t  rec[40]; /* VOS_CONT_DF_LEN */

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "cont", 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_int_equal(v.mv_size, sizeof(rec));
	memcpy(rec, v.mv_data, sizeof(rec));
	/* A record written by this build carries VOS_CONT_DF_VERSION. */
	assert_int_equal(d_get_le32(rec + 32), VOS_CONT_DF_VERSION);
	d_put_le32(rec + 32, version);
	v.mv_data = rec;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* ENG28: a container whose VOS record has a layout version out of range raises container_durable_format_incompat at start; its I/O is refused, it can be destroyed */
static void
eng28_cont_df_incompat(void **state)
{
	struct ectx *c = *state;
	struct tobj  bad, old, good;
	char         str[37], dir[256];
	uint64_t     size, got;
	char         out[8];

	tobj_init(&bad, 0);
	tobj_pool(c, &bad, 0);
	old  = bad;
	good = bad;
	uuid_generate(old.to_cont);
	uuid_generate(good.to_cont);
	for (uint32_t t = 0; t < c->nr; t++) {
		assert_int_equal(put_sv(c, t, &bad, 0, "d", "a", "b", 1), 0);
		assert_int_equal(put_sv(c, t, &old, 0, "d", "a", "o", 1), 0);
		assert_int_equal(put_sv(c, t, &good, 0, "d", "a", "g", 1), 0);
	}
	targets_down(c);
	uuid_unparse_lower(bad.to_pool, str);
	snprintf(dir, sizeof(dir), "%s/pools/%s/1", c->dir, str);
	vos_set_cont_version(dir, bad.to_cont, 7);
	/* Version 0: a record of the first layout (no version kept) is still read. */
	vos_set_cont_version(dir, old.to_cont, 0);
	targets_up(c);
	assert_int_equal(c->ev_nr, 0);
	assert_int_equal(c->ras_nr, 1);
	assert_int_equal(c->ras[0].ev_id, RAS_CONTAINER_DURABLE_FORMAT_INCOMPAT);
	assert_string_equal(c->ras[0].ev_id_str, "container_durable_format_incompat");
	assert_int_equal(c->ras[0].ev_type, RAS_TYPE_INFO);
	assert_int_equal(c->ras[0].ev_sev, RAS_SEV_ERROR);
	assert_int_equal(c->ras[0].ev_flags & (D_RAS_F_POOL | D_RAS_F_CONT),
			 D_RAS_F_POOL | D_RAS_F_CONT);
	assert_int_equal(uuid_compare(c->ras[0].ev_pool, bad.to_pool), 0);
	assert_int_equal(uuid_compare(c->ras[0].ev_cont, bad.to_cont), 0);
	assert_string_equal(c->ras[0].ev_msg, "incompatible layout version: 7 not in [0, 1]");
	assert_string_equal(c->ras[0].ev_data, "target 1: the container is not served");
	/* Its I/O on target 1 is refused; target 0 and the other containers are served. */
	assert_int_equal(get(c, 1, &bad, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got),
			 -DER_DF_INCOMPT);
	assert_int_equal(put_sv(c, 1, &bad, 0, "d", "a", "x", 1), -DER_DF_INCOMPT);
	assert_int_equal(get(c, 0, &bad, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'b');
	assert_int_equal(get(c, 1, &old, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'o');
	assert_int_equal(get(c, 1, &good, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'g');
	/* Destroy works on any layout; a new container of that UUID is of this build's. */
	assert_int_equal(cont_op(c, 1, PROTO_OP_TGT_CONT_DESTROY, bad.to_pool, bad.to_cont), 0);
	assert_int_equal(put_sv(c, 1, &bad, 0, "d", "a", "n", 1), 0);
	assert_int_equal(get(c, 1, &bad, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'n');
	/* A restart raises nothing any more. */
	targets_down(c);
	targets_up(c);
	assert_int_equal(c->ras_nr, 0);
}

/* ENG29: a pool a target cannot open at start raises pool_start_failed with the error; the other target serves it */
static void
eng29_pool_start_failed(void **state)
{
	struct ectx *c = *state;
	struct tobj  o;
	char         str[37], path[256];
	uint64_t     size, got;
	char         out[8];
	int          fd;

	tobj_init(&o, 0);
	tobj_pool(c, &o, 0);
	for (uint32_t t = 0; t < c->nr; t++)
		assert_int_equal(put_sv(c, t, &o, 0, "d", "a", "p", 1), 0);
	targets_down(c);
	uuid_unparse_lower(o.to_pool, str);
	snprintf(path, sizeof(path), "%s/pools/%s/0/data.mdb", c->dir, str);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not an LMDB file", 16), 16);
	close(fd);
	targets_up(c);
	assert_int_equal(c->ras_nr, 1);
	assert_int_equal(c->ras[0].ev_id, RAS_POOL_START_FAILED);
	assert_int_equal(c->ras[0].ev_sev, RAS_SEV_ERROR);
	assert_true(c->ras[0].ev_flags & D_RAS_F_POOL);
	assert_int_equal(uuid_compare(c->ras[0].ev_pool, o.to_pool), 0);
	assert_string_equal(c->ras[0].ev_msg, "failed to start pool on target 0: DER_DF_INVAL");
	assert_non_null(strstr(c->ras[0].ev_data, "target 0: its VOS pool cannot be opened: "));
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got),
			 -DER_NO_HDL);
	assert_int_equal(get(c, 1, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'p');
}

/* ENG30: a write epoch more than the HLC skew ahead is refused with -DER_HLC_SYNC and raises engine_clock_drift, at most once a minute per target */
static void
eng30_clock_drift(void **state)
{
	struct ectx *c = *state;
	struct tobj  o;
	uint64_t     future = d_hlc_get() + 3600ULL * 1000000000ULL;
	uint64_t     size, got;
	char         out[8];

	tobj_init(&o, 0);
	tobj_pool(c, &o, 0);
	assert_int_equal(put_sv(c, 0, &o, future, "d", "a", "f", 1), -DER_HLC_SYNC);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 1);
	assert_int_equal(c->ras[0].ev_id, RAS_ENGINE_CLOCK_DRIFT);
	assert_int_equal(c->ras[0].ev_type, RAS_TYPE_INFO);
	assert_int_equal(c->ras[0].ev_sev, RAS_SEV_ERROR);
	assert_string_equal(c->ras[0].ev_msg, "clock drift detected");
	assert_true(c->ras[0].ev_flags & D_RAS_F_DATA);
	assert_non_null(strstr(c->ras[0].ev_data, "target 0: obj_update epoch 0x"));
	assert_non_null(strstr(c->ras[0].ev_data, "s ahead of this engine's clock (bound 1.000 s)"));
	assert_non_null(strstr(c->ras[0].ev_data, "0 more refusal(s) since the last event"));
	/* Nothing was written. */
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(size, 0);
	/* Refused again (a punch too), but no second event within the interval. */
	assert_int_equal(put_sv(c, 0, &o, future, "d", "a", "f", 1), -DER_HLC_SYNC);
	assert_int_equal(punch(c, 0, &o, PROTO_OP_OBJ_PUNCH, future, NULL, 0, NULL), -DER_HLC_SYNC);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 1);
	/* Another target has its own interval. */
	assert_int_equal(put_sv(c, 1, &o, future, "d", "a", "f", 1), -DER_HLC_SYNC);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 2);
	assert_non_null(strstr(c->ras[1].ev_data, "target 1: obj_update epoch"));
	/* Within the skew, in the past, "now": served. DAOS_EPOCH_MAX is VOS's refusal. */
	assert_int_equal(put_sv(c, 0, &o, d_hlc_get() + 500000000ULL, "d", "a", "s", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, 100, "d", "b", "p", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", "n", 1), 0);
	assert_int_equal(put_sv(c, 0, &o, DAOS_EPOCH_MAX, "d", "a", "m", 1), -DER_INVAL);
	assert_int_equal(get(c, 0, &o, 0, "d", "a", 0, 0, 0, out, 8, 0, &size, &got), 0);
	assert_int_equal(out[0], 'n');
	ras_drain(c);
	assert_int_equal(c->ras_nr, 2);
}

/* The SMD record of the device of target 0. */
static void
tgt0_dev(struct ectx *c, struct bio_smd_dev *sd)
{
	uuid_t uuid;

	pthread_mutex_lock(&c->st->es_lock);
	assert_int_equal(bio_smd_tgt_dev(c->st->es_smd, 0, uuid), 0);
	assert_int_equal(bio_smd_dev_get(c->st->es_smd, uuid, sd), 0);
	pthread_mutex_unlock(&c->st->es_lock);
}

/* Restart the targets with D_BIO_FAULT=dev=<bdev>,op=<op>,count=1. */
static void
restart_with_fault(struct ectx *c, const char *op)
{
	char env[256];

	targets_down(c);
	snprintf(env, sizeof(env), "dev=%s,op=%s,count=1", c->bdev, op);
	setenv("D_BIO_FAULT", env, 1);
	targets_up(c);
	unsetenv("D_BIO_FAULT");
}

/* ENG31: a failed write raises device_media_error (write, target) and device_set_faulty (auto, ERROR), records FAULTY in SMD once; at the next start the pools of the device fail to start */
static void
eng31_dev_write_error(void **state)
{
	struct ectx        *c = *state;
	struct tobj         o;
	struct bio_smd_dev  sd;
	static uint8_t      big[64 << 10];
	char                str[37], data[256];

	restart_with_fault(c, "write");
	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	assert_int_equal(put_sv(c, 0, &o, 0, "d", "a", big, sizeof(big)), -DER_NVME_IO);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 2);
	tgt0_dev(c, &sd);
	uuid_unparse_lower(sd.sd_uuid, str);
	assert_int_equal(sd.sd_state, BIO_STATE_FAULTY);
	/* device_media_error: the operation and the target. */
	assert_int_equal(c->ras[0].ev_id, RAS_DEVICE_MEDIA_ERROR);
	assert_int_equal(c->ras[0].ev_sev, RAS_SEV_ERROR);
	snprintf(data, sizeof(data), "Device: %s write error logged from tgt_id:0", str);
	assert_string_equal(c->ras[0].ev_msg, data);
	assert_string_equal(c->ras[0].ev_hwid, c->bdev);
	assert_string_equal(c->ras[0].ev_data, "op=write tgt=0 new_errors=1 total=1");
	/* device_set_faulty, automatic. */
	assert_int_equal(c->ras[1].ev_id, RAS_DEVICE_SET_FAULTY);
	assert_int_equal(c->ras[1].ev_type, RAS_TYPE_INFO);
	assert_int_equal(c->ras[1].ev_sev, RAS_SEV_ERROR);
	snprintf(data, sizeof(data), "Device: %s set faulty", str);
	assert_string_equal(c->ras[1].ev_msg, data);
	assert_string_equal(c->ras[1].ev_hwid, c->bdev);
	assert_string_equal(c->ras[1].ev_data,
			    "auto; targets 0,1; write failed on target 0: Input/output error");
	/* The device is failed: writes are refused without reaching it: no new event. */
	assert_int_equal(put_sv(c, 1, &o, 0, "d", "a", big, sizeof(big)), -DER_NVME_IO);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 2);
	/* Next start: FAULTY in SMD, the device is not used; its pools cannot start. */
	targets_down(c);
	targets_up(c);
	tgt0_dev(c, &sd);
	assert_int_equal(sd.sd_state, BIO_STATE_FAULTY);
	assert_int_equal(c->ras_nr, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(c->ras[i].ev_id, RAS_POOL_START_FAILED);
		assert_int_equal(uuid_compare(c->ras[i].ev_pool, o.to_pool), 0);
		assert_non_null(strstr(c->ras[i].ev_data,
				       "the device of its NVMe blob is not usable"));
	}
}

/* ENG32: a failed read raises device_media_error (read) only: the device stays NORMAL and serves */
static void
eng32_dev_read_error(void **state)
{
	struct ectx        *c = *state;
	struct tobj         o;
	struct bio_smd_dev  sd;
	static uint8_t      big[64 << 10];
	static uint8_t      out[64 << 10];
	uint64_t            size, got;

	restart_with_fault(c, "read");
	tobj_init(&o, 0);
	tobj_pool(c, &o, NVME_SIZE);
	fill(big, sizeof(big), 3);
	assert_int_equal(put_sv(c, 1, &o, 0, "d", "a", big, sizeof(big)), 0);
	assert_int_equal(get(c, 1, &o, 0, "d", "a", 0, 0, 0, out, sizeof(out), 0, &size, &got),
			 -DER_NVME_IO);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 1);
	assert_int_equal(c->ras[0].ev_id, RAS_DEVICE_MEDIA_ERROR);
	assert_non_null(strstr(c->ras[0].ev_msg, " read error logged from tgt_id:1"));
	assert_string_equal(c->ras[0].ev_data, "op=read tgt=1 new_errors=1 total=1");
	tgt0_dev(c, &sd);
	assert_int_equal(sd.sd_state, BIO_STATE_NORMAL);
	assert_int_equal(get(c, 1, &o, 0, "d", "a", 0, 0, 0, out, sizeof(out), 0, &size, &got),
			 0);
	assert_memory_equal(out, big, sizeof(big));
	ras_drain(c);
	assert_int_equal(c->ras_nr, 1);
}

/* ENG33: eng_dev_set_faulty (manual): FAULTY in SMD and device_set_faulty NOTICE; already FAULTY, other states, unknown devices, SMD write failures: refused, no event */
static void
eng33_dev_set_faulty(void **state)
{
	struct ectx        *c = *state;
	struct bio_smd_dev  sd;
	uuid_t              unknown;
	char                str[37], msg[128];

	tgt0_dev(c, &sd);
	uuid_unparse_lower(sd.sd_uuid, str);
	uuid_generate(unknown);
	assert_int_equal(eng_dev_set_faulty(NULL, sd.sd_uuid, true, NULL), -DER_INVAL);
	assert_int_equal(eng_dev_set_faulty(c->st, NULL, true, NULL), -DER_INVAL);
	assert_int_equal(eng_dev_set_faulty(c->st, unknown, true, NULL), -DER_NONEXIST);
	/* An SMD write that fails changes nothing and raises nothing. */
	pthread_mutex_lock(&c->st->es_lock);
	bio_smd_fault_inject(c->st->es_smd, BIO_SMD_FAULT_WRITE);
	pthread_mutex_unlock(&c->st->es_lock);
	assert_int_equal(eng_dev_set_faulty(c->st, sd.sd_uuid, true, "test"), -DER_IO);
	tgt0_dev(c, &sd);
	assert_int_equal(sd.sd_state, BIO_STATE_NORMAL);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 0);
	/* Manual. */
	assert_int_equal(eng_dev_set_faulty(c->st, sd.sd_uuid, true, "set by dmg"), 0);
	tgt0_dev(c, &sd);
	assert_int_equal(sd.sd_state, BIO_STATE_FAULTY);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 1);
	assert_int_equal(c->ras[0].ev_id, RAS_DEVICE_SET_FAULTY);
	assert_int_equal(c->ras[0].ev_sev, RAS_SEV_NOTICE);
	snprintf(msg, sizeof(msg), "Device: %s set faulty", str);
	assert_string_equal(c->ras[0].ev_msg, msg);
	assert_string_equal(c->ras[0].ev_hwid, c->bdev);
	assert_string_equal(c->ras[0].ev_data, "manual; targets 0,1; set by dmg");
	/* Twice: -DER_ALREADY, no event (the automatic path relies on it). */
	assert_int_equal(eng_dev_set_faulty(c->st, sd.sd_uuid, false, NULL), -DER_ALREADY);
	/* Only from NORMAL. */
	pthread_mutex_lock(&c->st->es_lock);
	assert_int_equal(bio_smd_dev_set_state(c->st->es_smd, sd.sd_uuid, BIO_STATE_EVICTED), 0);
	pthread_mutex_unlock(&c->st->es_lock);
	assert_int_equal(eng_dev_set_faulty(c->st, sd.sd_uuid, true, NULL), -DER_INVAL);
	ras_drain(c);
	assert_int_equal(c->ras_nr, 1);
}

static int g_notified;

static void
notify_cb(void *arg)
{
	assert_ptr_equal(arg, &g_notified);
	g_notified++;
}

/* ENG34: the RAS queue keeps order, wakes its reader per event, drops beyond ENG_RAS_QUEUE_MAX */
static void
eng34_ras_queue(void **state)
{
	struct ectx        *c = *state;
	struct d_ras_event  ev;
	uuid_t              pool;
	char                msg[32];

	uuid_generate(pool);
	g_notified = 0;
	eng_ras_set_notify(c->st, notify_cb, &g_notified);
	assert_int_equal(eng_ras_pop(c->st, &ev), -DER_AGAIN);
	for (int i = 0; i < ENG_RAS_QUEUE_MAX + 3; i++)
		eng_ras_raise_async(c->st, RAS_POOL_START_FAILED, RAS_SEV_WARNING, pool, NULL,
				    "hw", "data", "event %d", i);
	assert_int_equal(g_notified, ENG_RAS_QUEUE_MAX);
	for (int i = 0; i < ENG_RAS_QUEUE_MAX; i++) {
		assert_int_equal(eng_ras_pop(c->st, &ev), 0);
		snprintf(msg, sizeof(msg), "event %d", i);
		assert_string_equal(ev.ev_msg, msg);
		assert_int_equal(ev.ev_sev, RAS_SEV_WARNING);
		assert_int_equal(uuid_compare(ev.ev_pool, pool), 0);
		assert_string_equal(ev.ev_hwid, "hw");
		assert_string_equal(ev.ev_data, "data");
		assert_false(ev.ev_flags & D_RAS_F_CONT);
	}
	assert_int_equal(eng_ras_pop(c->st, &ev), -DER_AGAIN);
	/* The catalogue's message and severity when none is given. */
	eng_ras_raise_async(c->st, RAS_ENGINE_CLOCK_DRIFT, RAS_SEV_UNKNOWN, NULL, NULL, NULL, NULL,
			    NULL);
	assert_int_equal(eng_ras_pop(c->st, &ev), 0);
	assert_string_equal(ev.ev_msg, "clock drift detected");
	assert_int_equal(ev.ev_sev, RAS_SEV_ERROR);
	assert_int_equal(ev.ev_flags & (D_RAS_F_POOL | D_RAS_F_DATA | D_RAS_F_HWID), 0);
	eng_ras_set_notify(c->st, NULL, NULL);
	assert_string_equal(eng_dev_err_name(ENG_DEV_ERR_CSUM), "checksum");
	assert_null(eng_dev_err_name(ENG_DEV_ERR_NR));
}

/* ---- SSD management requests (eng_smd_query.c) ---- */

#define SMD_DEV_SIZE (16 * MiB)

/* Storage only (no targets): n file bdevs, 2 targets. */
struct sctx {
	char                dir[64];
	struct eng_storage *st;
};

static void
smd_storage(struct sctx *s, uint32_t ndev, uint64_t size)
{
	char   path[128], dev[96], why[512];
	char  *text;
	size_t off = 0, cap = 256 + (size_t)ndev * 160;

	strcpy(s->dir, "/tmp/engsmd.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	text = malloc(cap);
	assert_non_null(text);
	off += (size_t)snprintf(text + off, cap - off, "{\"version\":1,\"devices\":[");
	for (uint32_t i = 0; i < ndev; i++) {
		snprintf(dev, sizeof(dev), "%s/d%u.img", s->dir, i);
		assert_int_equal(bio_dev_create_file(dev, size), 0);
		off += (size_t)snprintf(text + off, cap - off,
					"%s{\"path\":\"%s\",\"class\":\"file\",\"size\":%llu}",
					i == 0 ? "" : ",", dev, (unsigned long long)size);
	}
	snprintf(text + off, cap - off, "]}");
	snprintf(path, sizeof(path), "%s/%s", s->dir, ENG_NVME_CONF_FILE);
	write_file(path, text);
	free(text);
	if (eng_storage_open(s->dir, 2, &s->st, why, sizeof(why)) != 0)
		fail_msg("storage: %s", why);
}

static void
smd_storage_fini(struct sctx *s)
{
	char cmd[128];

	eng_storage_close(s->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

/* Parse @text as a link request and execute it; the status, the reply in *rep. */
static int
smd_do(struct sctx *s, const char *text, json_t **rep, char *err, size_t errlen)
{
	struct eng_smd_req req;
	json_error_t       jerr;
	json_t            *msg = json_loads(text, 0, &jerr);
	int                rc;

	assert_non_null(msg);
	*rep = json_object();
	assert_non_null(*rep);
	rc = eng_smd_req_parse(msg, &req, err, errlen);
	json_decref(msg);
	if (rc == 0)
		rc = eng_smd_exec(s->st, &req, *rep, err, errlen);
	return rc;
}

static void
smd_parse_bad(const char *text, const char *msg)
{
	struct eng_smd_req req;
	json_error_t       jerr;
	json_t            *m = json_loads(text, 0, &jerr);
	char               err[256];

	assert_non_null(m);
	assert_int_equal(eng_smd_req_parse(m, &req, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, msg);
	json_decref(m);
}

/* SMD01: SSD management requests are checked field by field; every class of bad
 * field is refused with -DER_INVAL and the reason */
static void
smd01_req_parse(void **state)
{
	struct eng_smd_req req;
	json_error_t       jerr;
	json_t            *m;
	char               err[256];
	uuid_t             u;

	(void)state;
	assert_true(eng_smd_op_known("smd_query") && eng_smd_op_known("dev_set_faulty") &&
		    eng_smd_op_known("dev_replace") && eng_smd_op_known("dev_identify"));
	assert_false(eng_smd_op_known("set_logmasks") || eng_smd_op_known(NULL));

	m = json_loads("{\"op\":\"smd_query\",\"id\":3,\"what\":\"devices\",\"tgt\":7,"
		       "\"health\":true,\"start\":5}", 0, &jerr);
	assert_int_equal(eng_smd_req_parse(m, &req, err, sizeof(err)), 0);
	assert_int_equal(req.sr_op, ENG_SMD_LIST_DEVS);
	assert_true(req.sr_has_tgt && req.sr_health && !req.sr_has_uuid);
	assert_int_equal(req.sr_tgt, 7);
	assert_int_equal(req.sr_start, 5);
	json_decref(m);

	m = json_loads("{\"op\":\"dev_replace\",\"id\":1,\"old_uuid\":"
		       "\"5bd91603-d3c7-4fb7-9a71-76bc25690c19\",\"new_uuid\":"
		       "\"80C9F1BE-84B9-4318-A1BE-C416C96CA48B\"}", 0, &jerr);
	assert_int_equal(eng_smd_req_parse(m, &req, err, sizeof(err)), 0);
	assert_int_equal(req.sr_op, ENG_SMD_REPLACE);
	uuid_parse("80c9f1be-84b9-4318-a1be-c416c96ca48b", u);
	assert_int_equal(uuid_compare(req.sr_new_uuid, u), 0);
	json_decref(m);

	smd_parse_bad("[1]", "not a request object with a string 'op'");
	smd_parse_bad("{\"op\":1}", "not a request object with a string 'op'");
	smd_parse_bad("{\"op\":\"dev_eject\",\"uuid\":\"x\"}",
		      "dev_eject: not an SSD management request");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"color\":1}",
		      "smd_query: unknown key 'color'");
	smd_parse_bad("{\"op\":\"smd_query\"}",
		      "smd_query: 'what' must be \"devices\" or \"pools\"");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"blobs\"}",
		      "smd_query: 'what' must be \"devices\" or \"pools\"");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"uuid\":7}",
		      "smd_query: 'uuid' is integer, not a UUID string");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"uuid\":\"\\u001b[2J\"}",
		      "smd_query: 'uuid' is not a UUID: '?[2J'");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"tgt\":-1}",
		      "smd_query: 'tgt' must be an integer in [0, 2147483647]");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"tgt\":\"1\"}",
		      "smd_query: 'tgt' must be an integer in [0, 2147483647]");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"start\":4097}",
		      "smd_query: 'start' must be an integer in [0, 4096]");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"health\":1}",
		      "smd_query: 'health' must be a boolean");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"pools\",\"health\":true}",
		      "smd_query: 'tgt' and 'health' apply to devices only");
	smd_parse_bad("{\"op\":\"smd_query\",\"what\":\"devices\",\"tgt\":1,"
		      "\"uuid\":\"5bd91603-d3c7-4fb7-9a71-76bc25690c19\"}",
		      "smd_query: 'tgt' and 'uuid' cannot both be given");
	smd_parse_bad("{\"op\":\"dev_set_faulty\"}", "dev_set_faulty: 'uuid' is missing");
	smd_parse_bad("{\"op\":\"dev_identify\",\"uuid\":\"5bd91603\"}",
		      "dev_identify: 'uuid' is not a UUID: '5bd91603'");
	smd_parse_bad("{\"op\":\"dev_replace\",\"old_uuid\":"
		      "\"5bd91603-d3c7-4fb7-9a71-76bc25690c19\"}",
		      "dev_replace: 'new_uuid' is missing");
	smd_parse_bad("{\"op\":\"dev_replace\",\"uuid\":\"5bd91603-d3c7-4fb7-9a71-76bc25690c19\"}",
		      "dev_replace: unknown key 'uuid'");
}

/* The uuid of device @i of the reply's "devices". */
static const char *
smd_dev_uuid(json_t *rep, size_t i)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(rep, "devices"),
								 i), "uuid"));
}

/* SMD02: the device and pool lists: targets, state, counters, filters, ranges */
static void
smd02_lists(void **state)
{
	struct sctx         s;
	struct bio_smd_blob b;
	json_t             *rep, *d, *h;
	char                err[256], q[160];
	uuid_t              pool, dev1;

	(void)state;
	smd_storage(&s, 2, SMD_DEV_SIZE);
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"devices\",\"health\":true}",
				&rep, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "devices")), 2);
	assert_null(json_object_get(rep, "next"));
	for (size_t i = 0; i < 2; i++) {
		char path[96];

		d = json_array_get(json_object_get(rep, "devices"), i);
		snprintf(path, sizeof(path), "%s/d%zu.img", s.dir, i);
		assert_string_equal(json_string_value(json_object_get(d, "tr_addr")), path);
		assert_string_equal(json_string_value(json_object_get(d, "state")), "NORMAL");
		assert_string_equal(json_string_value(json_object_get(d, "class")), "file");
		assert_int_equal(json_integer_value(json_object_get(d, "size")), SMD_DEV_SIZE);
		assert_int_equal(json_array_size(json_object_get(d, "targets")), 1);
		assert_int_equal(json_integer_value(json_array_get(json_object_get(d, "targets"),
								   0)), i);
		assert_true(json_is_true(json_object_get(d, "open")));
		h = json_object_get(d, "health");
		assert_true(json_is_false(json_object_get(h, "smart")));
		assert_true(json_is_true(json_object_get(h, "counters")));
		assert_int_equal(json_integer_value(json_object_get(h, "read_errs")), 0);
		assert_true(json_is_false(json_object_get(h, "io_failed")));
		assert_int_equal(strlen(json_string_value(json_object_get(h, "timestamp"))), 29);
	}
	uuid_parse(smd_dev_uuid(rep, 1), dev1);
	json_decref(rep);

	/* the device of target 1; a target out of range; a uuid no device has */
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"devices\",\"tgt\":1}", &rep,
				err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "devices")), 1);
	assert_null(json_object_get(json_array_get(json_object_get(rep, "devices"), 0),
				    "health"));
	uuid_unparse_lower(dev1, q);
	assert_string_equal(smd_dev_uuid(rep, 0), q);
	json_decref(rep);
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"devices\",\"tgt\":2}", &rep,
				err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "target 2 is out of range: this engine has 2 targets (0-1)");
	json_decref(rep);
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"devices\",\"uuid\":"
				    "\"11111111-2222-3333-4444-555555555555\"}", &rep, err,
				sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "devices")), 0);
	json_decref(rep);

	/* pools: SMD's blobs, target by target */
	uuid_generate(pool);
	assert_int_equal(bio_smd_blob_alloc(s.st->es_smd, pool, 1, dev1, 1 * MiB, &b), 0);
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"pools\"}", &rep, err,
				sizeof(err)), 0);
	d = json_array_get(json_object_get(rep, "pools"), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "pools")), 1);
	uuid_unparse_lower(pool, q);
	assert_string_equal(json_string_value(json_object_get(d, "uuid")), q);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(d, "targets"), 0)), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(d, "blobs"), 0)),
			 b.sb_id);
	json_decref(rep);
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"pools\",\"uuid\":"
				    "\"11111111-2222-3333-4444-555555555555\"}", &rep, err,
				sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "pools")), 0);
	json_decref(rep);
	smd_storage_fini(&s);
}

/* The SMD file's bytes (a refusal must leave them as they were). */
static char *
smd_file(struct sctx *s)
{
	char  path[128];
	FILE *f;
	char *buf = calloc(1, 1 << 20);

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", s->dir, BIO_SMD_FILE);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	return buf;
}

static void
smd_refused(struct sctx *s, const char *req, int rc, const char *msg)
{
	char   *before = smd_file(s), *after;
	json_t *rep;
	char    err[512];

	assert_int_equal(smd_do(s, req, &rep, err, sizeof(err)), rc);
	assert_string_equal(err, msg);
	after = smd_file(s);
	assert_string_equal(before, after);
	json_decref(rep);
	free(before);
	free(after);
}

/* SMD03: set faulty, replace, identify: the states, bio's failed state, the LED
 * (VMD emulation), and every refusal changes nothing */
static void
smd03_device_ops(void **state)
{
	struct sctx         s;
	struct bio_dev_info info;
	struct bio_smd_dev  sd;
	json_t             *rep;
	char                err[512], req[512], msg[512], u0[37], u1[37];
	uuid_t              dev0;

	(void)state;
	unsetenv(ENG_SMD_VMD_EMU_ENV);
	smd_storage(&s, 2, SMD_DEV_SIZE);
	uuid_copy(dev0, s.st->es_devs[0].ed_uuid);
	uuid_unparse_lower(dev0, u0);
	uuid_unparse_lower(s.st->es_devs[1].ed_uuid, u1);

	snprintf(req, sizeof(req), "{\"op\":\"dev_set_faulty\",\"uuid\":\"%s\"}", u0);
	assert_int_equal(smd_do(&s, req, &rep, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "device"),
							      "state")), "FAULTY");
	json_decref(rep);
	assert_int_equal(bio_smd_dev_get(s.st->es_smd, dev0, &sd), 0);
	assert_int_equal(sd.sd_state, BIO_STATE_FAULTY);
	assert_int_equal(sd.sd_led, BIO_LED_NA);
	/* writes refused from now on, reads served (bio's failed state) */
	bio_dev_query(s.st->es_devs[0].ed_dev, &info);
	assert_true(info.bdi_failed);
	assert_int_equal(info.bdi_failed_errno, ECANCELED);
	bio_dev_query(s.st->es_devs[1].ed_dev, &info);
	assert_false(info.bdi_failed);

	snprintf(msg, sizeof(msg), "device %s is already FAULTY", u0);
	smd_refused(&s, req, -DER_ALREADY, msg);
	snprintf(req, sizeof(req), "{\"op\":\"dev_set_faulty\",\"uuid\":"
		 "\"11111111-2222-3333-4444-555555555555\"}");
	smd_refused(&s, req, -DER_NONEXIST,
		    "no NVMe device 11111111-2222-3333-4444-555555555555 on this engine");
	snprintf(req, sizeof(req), "{\"op\":\"dev_replace\",\"old_uuid\":\"%s\",\"new_uuid\":"
		 "\"%s\"}", u1, u1);
	snprintf(msg, sizeof(msg), "device %s is NORMAL: only a FAULTY or EVICTED device can be "
		 "replaced (dmg storage set nvme-faulty first)", u1);
	smd_refused(&s, req, -DER_INVAL, msg);
	snprintf(req, sizeof(req), "{\"op\":\"dev_replace\",\"old_uuid\":\"%s\",\"new_uuid\":"
		 "\"%s\"}", u0, u1);
	snprintf(msg, sizeof(msg), "device %s is NORMAL: the replacement must be a NEW device (a "
		 "bdev added to the engine's configuration)", u1);
	smd_refused(&s, req, -DER_INVAL, msg);
	snprintf(req, sizeof(req), "{\"op\":\"dev_identify\",\"uuid\":\"%s\"}", u1);
	snprintf(msg, sizeof(msg), "device %s (%s/d1.img) is not behind a VMD: identification "
		 "needs Intel VMD", u1, s.dir);
	smd_refused(&s, req, -DER_NOSYS, msg);

	/* reuse: NORMAL again (the engine opens it again at its next start) */
	snprintf(req, sizeof(req), "{\"op\":\"dev_replace\",\"old_uuid\":\"%s\",\"new_uuid\":"
		 "\"%s\"}", u0, u0);
	assert_int_equal(smd_do(&s, req, &rep, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "device"),
							      "state")), "NORMAL");
	json_decref(rep);
	assert_int_equal(bio_smd_dev_get(s.st->es_smd, dev0, &sd), 0);
	assert_int_equal(sd.sd_state, BIO_STATE_NORMAL);

	/* the VMD emulation: identify blinks, the period's end turns the LED off */
	setenv(ENG_SMD_VMD_EMU_ENV, "1", 1);
	setenv("VMD_LED_PERIOD", "5", 1);
	snprintf(req, sizeof(req), "{\"op\":\"dev_identify\",\"uuid\":\"%s\"}", u1);
	assert_int_equal(smd_do(&s, req, &rep, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "device"),
							      "led")), "QUICK_BLINK");
	json_decref(rep);
	assert_true(s.st->es_devs[1].ed_led_until_ms > 0);
	s.st->es_devs[1].ed_led_until_ms = 1; /* the period is over */
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"devices\"}", &rep, err,
				sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
				    json_object_get(rep, "devices"), 1), "led")), "OFF");
	json_decref(rep);
	/* an emulated VMD's evicted device is solidly on */
	snprintf(req, sizeof(req), "{\"op\":\"dev_set_faulty\",\"uuid\":\"%s\"}", u1);
	assert_int_equal(smd_do(&s, req, &rep, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "device"),
							      "led")), "ON");
	json_decref(rep);
	unsetenv(ENG_SMD_VMD_EMU_ENV);
	unsetenv("VMD_LED_PERIOD");
	smd_storage_fini(&s);
}

/* SMD04: a list larger than a page comes in pages that together hold every entry once */
static void
smd04_pages(void **state)
{
	struct sctx s;
	json_t     *rep, *seen = json_object();
	char        err[256], req[128];
	uint32_t    start = 0, pages = 0;

	(void)state;
	/* 128 small devices with their health: more than ENG_SMD_PAGE_BYTES of entries */
	smd_storage(&s, BIO_SMD_DEV_MAX, BIO_ALIGN);
	for (;;) {
		json_t *devs, *next;
		size_t  i;
		char   *text;

		snprintf(req, sizeof(req), "{\"op\":\"smd_query\",\"what\":\"devices\","
			 "\"health\":true,\"start\":%u}", start);
		assert_int_equal(smd_do(&s, req, &rep, err, sizeof(err)), 0);
		text = json_dumps(rep, JSON_COMPACT);
		assert_true(strlen(text) <= ENG_SMD_PAGE_BYTES + 64);
		free(text);
		devs = json_object_get(rep, "devices");
		assert_true(json_array_size(devs) > 0);
		for (i = 0; i < json_array_size(devs); i++) {
			const char *u = smd_dev_uuid(rep, i);

			assert_null(json_object_get(seen, u));
			json_object_set_new(seen, u, json_true());
		}
		pages++;
		next = json_object_get(rep, "next");
		if (next == NULL) {
			json_decref(rep);
			break;
		}
		assert_int_equal(json_integer_value(next), start + json_array_size(devs));
		start = (uint32_t)json_integer_value(next);
		json_decref(rep);
	}
	assert_true(pages >= 2);
	assert_int_equal(json_object_size(seen), BIO_SMD_DEV_MAX);
	/* past the end: an empty page */
	assert_int_equal(smd_do(&s, "{\"op\":\"smd_query\",\"what\":\"devices\",\"start\":4000}",
				&rep, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(rep, "devices")), 0);
	assert_null(json_object_get(rep, "next"));
	json_decref(rep);
	json_decref(seen);
	smd_storage_fini(&s);
}

/* SMD05: a device added to daos_nvme.json after the first start is NEW, with no
 * targets and not opened; replacing a device by it is refused and changes nothing */
static void
smd05_new_device(void **state)
{
	struct sctx        s;
	struct bio_smd_dev sd;
	json_t            *rep;
	char               path[128], text[512], err[512], req[256], msg[512], u0[37], u1[37];

	(void)state;
	smd_storage(&s, 1, SMD_DEV_SIZE);
	uuid_unparse_lower(s.st->es_devs[0].ed_uuid, u0);
	eng_storage_close(s.st);
	snprintf(path, sizeof(path), "%s/d1.img", s.dir);
	assert_int_equal(bio_dev_create_file(path, SMD_DEV_SIZE), 0);
	snprintf(text, sizeof(text),
		 "{\"version\":1,\"devices\":[{\"path\":\"%s/d0.img\",\"class\":\"file\","
		 "\"size\":%llu},{\"path\":\"%s\",\"class\":\"file\",\"size\":%llu}]}", s.dir,
		 (unsigned long long)SMD_DEV_SIZE, path, (unsigned long long)SMD_DEV_SIZE);
	snprintf(path, sizeof(path), "%s/%s", s.dir, ENG_NVME_CONF_FILE);
	write_file(path, text);
	assert_int_equal(eng_storage_open(s.dir, 2, &s.st, err, sizeof(err)), 0);
	assert_int_equal(s.st->es_dev_nr, 2);
	assert_null(s.st->es_devs[1].ed_dev);
	assert_int_equal(bio_smd_dev_get(s.st->es_smd, s.st->es_devs[1].ed_uuid, &sd), 0);
	assert_int_equal(sd.sd_state, BIO_STATE_NEW);
	assert_int_equal(sd.sd_tgt_nr, 0);
	assert_int_equal(bio_smd_dev_get(s.st->es_smd, s.st->es_devs[0].ed_uuid, &sd), 0);
	assert_int_equal(sd.sd_state, BIO_STATE_NORMAL);
	assert_int_equal(sd.sd_tgt_nr, 2);
	uuid_unparse_lower(s.st->es_devs[1].ed_uuid, u1);

	snprintf(req, sizeof(req), "{\"op\":\"dev_set_faulty\",\"uuid\":\"%s\"}", u0);
	assert_int_equal(smd_do(&s, req, &rep, err, sizeof(err)), 0);
	json_decref(rep);
	snprintf(req, sizeof(req), "{\"op\":\"dev_replace\",\"old_uuid\":\"%s\",\"new_uuid\":"
		 "\"%s\"}", u0, u1);
	snprintf(msg, sizeof(msg), "replacing device %s by another device (%s) is not supported "
		 "yet: moving its targets needs an SMD target remap and rebuild; a FAULTY device "
		 "can be reused (same UUID for --old-uuid and --new-uuid)", u0, u1);
	smd_refused(&s, req, -DER_NOTSUPPORTED, msg);
	snprintf(req, sizeof(req), "{\"op\":\"dev_set_faulty\",\"uuid\":\"%s\"}", u1);
	snprintf(msg, sizeof(msg), "device %s is NEW: only a NORMAL device can be set faulty", u1);
	smd_refused(&s, req, -DER_INVAL, msg);
	smd_storage_fini(&s);
}

/* Fix the varying fields of @ev (time, host, pid, tid) and render it in @form. */
static void
render(struct d_ras_event *ev, int form, char *buf, size_t len)
{
	assert_int_equal(d_ras_event_set_ts(ev, 1637501551, 747408, 0), 0);
	d_ras_event_set_host(ev, "wolf-112");
	assert_int_equal(d_ras_event_set_pid(ev, 253454), 0);
	assert_int_equal(d_ras_event_set_tid(ev, 1), 0);
	assert_int_equal(d_ras_event_format(ev, form, buf, len), 0);
}

/* ENG35: rebuild and SWIM events (no rebuild, no SWIM yet): fields and renderings as the admin guide's table and example */
static void
eng35_rebuild_swim_renderings(void **state)
{
	struct d_ras_event ev;
	uuid_t             pool;
	char               buf[D_RAS_LINE_MAX];

	(void)state;
	assert_int_equal(uuid_parse("8724f26f-7f40-4ee7-902b-e9ab7d07fdc5", pool), 0);
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_POOL_REBUILD_STARTED, pool, 5, "Rebuild",
					       0), 0);
	render(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf));
	assert_string_equal(buf, "&&& RAS EVENT id: [pool_rebuild_started] ts: "
			    "[2021-11-21T13:32:31.747408+0000] host: [wolf-112] type: [INFO] "
			    "sev: [NOTICE] msg: [Pool rebuild started.] pid: [253454] tid: [1] "
			    "pool: [8724f26f-7f40-4ee7-902b-e9ab7d07fdc5] data: [map_ver=5 "
			    "op=Rebuild]");
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_POOL_REBUILD_FINISHED, pool, 6, "Reclaim",
					       0), 0);
	render(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf));
	assert_string_equal(buf, "id: [pool_rebuild_finished] ts: [2021-11-21T13:32:31.747408+0000]"
			    " host: [wolf-112] type: [INFO] sev: [NOTICE] msg: [Pool rebuild "
			    "finished.] pid: [253454] tid: [1] pool: "
			    "[8724f26f-7f40-4ee7-902b-e9ab7d07fdc5] data: [map_ver=6 op=Reclaim]");
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_POOL_REBUILD_FAILED, pool, 7, "Rebuild",
					       -DER_NOSPACE), 0);
	render(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf));
	assert_string_equal(buf, "&&& RAS EVENT id: [pool_rebuild_failed] ts: "
			    "[2021-11-21T13:32:31.747408+0000] host: [wolf-112] type: [INFO] "
			    "sev: [ERROR] msg: [Pool rebuild failed: DER_NOSPACE(-1007).] pid: "
			    "[253454] tid: [1] pool: [8724f26f-7f40-4ee7-902b-e9ab7d07fdc5] "
			    "data: [map_ver=7 op=Rebuild]");
	/* The admin guide's example line, byte for byte. */
	assert_int_equal(eng_ras_swim_event(&ev, RAS_SWIM_RANK_DEAD, 6, 0x63a058833280000ULL), 0);
	d_ras_event_set_msg(&ev, "SWIM marked rank as dead.");
	d_ras_event_set_host(&ev, "wolf-112.wolf.hpdd.intel.com");
	assert_int_equal(d_ras_event_set_ts(&ev, 1637501551, 747408, 0), 0);
	assert_int_equal(d_ras_event_set_pid(&ev, 253454), 0);
	assert_int_equal(d_ras_event_set_tid(&ev, 1), 0);
	assert_int_equal(d_ras_event_format(&ev, D_RAS_FORM_ENGINE, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&&& RAS EVENT id: [swim_rank_dead] ts: "
			    "[2021-11-21T13:32:31.747408+0000] host: [wolf-112.wolf.hpdd.intel.com] "
			    "type: [STATE_CHANGE] sev: [NOTICE] msg: [SWIM marked rank as dead.] "
			    "pid: [253454] tid: [1] rank: [6] inc: [63a058833280000]");
	assert_int_equal(eng_ras_swim_event(&ev, RAS_SWIM_RANK_ALIVE, 2, 9), 0);
	render(&ev, D_RAS_FORM_CONTROL, buf, sizeof(buf));
	assert_string_equal(buf, "id: [swim_rank_alive] ts: [2021-11-21T13:32:31.747408+0000] "
			    "host: [wolf-112] type: [STATE_CHANGE] sev: [NOTICE] msg: [SWIM rank "
			    "marked as alive.] pid: [253454] tid: [1] rank: [2] incarnation: [9]");
	/* Refusals. */
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_POOL_REBUILD_FAILED, pool, 1, "Rebuild", 0),
			 -DER_INVAL);
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_POOL_REBUILD_STARTED, pool, 1, "Rebuild",
					       -DER_IO), -DER_INVAL);
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_SWIM_RANK_DEAD, pool, 1, "Rebuild", 0),
			 -DER_INVAL);
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_POOL_REBUILD_STARTED, NULL, 1, "x", 0),
			 -DER_INVAL);
	assert_int_equal(eng_ras_rebuild_event(&ev, RAS_POOL_REBUILD_STARTED, pool, 1, NULL, 0),
			 -DER_INVAL);
	assert_int_equal(eng_ras_swim_event(&ev, RAS_POOL_REBUILD_STARTED, 1, 1), -DER_INVAL);
	assert_int_equal(eng_ras_swim_event(&ev, RAS_SWIM_RANK_DEAD, D_RAS_NO_RANK, 1),
			 -DER_INVAL);
	assert_int_equal(eng_ras_swim_event(NULL, RAS_SWIM_RANK_DEAD, 1, 1), -DER_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(eng01_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(eng02_pool_create, setup, teardown),
		cmocka_unit_test_setup_teardown(eng03_query, setup, teardown),
		cmocka_unit_test_setup_teardown(eng04_update_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(eng05_map_version, setup, teardown),
		cmocka_unit_test_setup_teardown(eng06_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(eng07_punch, setup, teardown),
		cmocka_unit_test_setup_teardown(eng08_list, setup, teardown),
		cmocka_unit_test_setup_teardown(eng09_query_key, setup, teardown),
		cmocka_unit_test_setup_teardown(eng10_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(eng11_pool_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(eng12_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(eng13_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(eng14_bad_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(eng15_df_incompat, setup, teardown),
		cmocka_unit_test_setup_teardown(eng16_port_busy, setup, teardown),
		cmocka_unit_test(eng17_nvme_conf),
		cmocka_unit_test_setup_teardown(eng18_commit_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(eng19_stop_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(eng20_many_iods, setup, teardown),
		cmocka_unit_test_setup_teardown(eng21_tm_io, tm_setup, tm_teardown),
		cmocka_unit_test_setup_teardown(eng22_tm_op_names, tm_setup, tm_teardown),
		cmocka_unit_test_setup_teardown(eng23_tm_pool_destroy, tm_setup, tm_teardown),
		cmocka_unit_test_setup_teardown(eng24_tm_space, tm_setup, tm_teardown),
		cmocka_unit_test_setup_teardown(eng25_tm_engine, tm_setup, tm_teardown),
		cmocka_unit_test(eng26_tm_segment),
		cmocka_unit_test_setup_teardown(eng27_tm_provider, tm_setup, tm_teardown),
		cmocka_unit_test_setup_teardown(eng28_cont_df_incompat, setup, teardown),
		cmocka_unit_test_setup_teardown(eng29_pool_start_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(eng30_clock_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(eng31_dev_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(eng32_dev_read_error, setup, teardown),
		cmocka_unit_test_setup_teardown(eng33_dev_set_faulty, setup, teardown),
		cmocka_unit_test_setup_teardown(eng34_ras_queue, setup, teardown),
		cmocka_unit_test(eng35_rebuild_swim_renderings),
		cmocka_unit_test(smd01_req_parse),
		cmocka_unit_test(smd02_lists),
		cmocka_unit_test(smd03_device_ops),
		cmocka_unit_test(smd04_pages),
		cmocka_unit_test(smd05_new_device),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
