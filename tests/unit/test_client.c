/*
 * test_client.c: libdaos (src/client) without real servers.
 *
 * Most cases need no server at all (headers, handles, events, argument
 * checks, object ids, blobs, properties, ACLs). The I/O cases run a fake
 * daos_agent (a unix socket thread answering C5 with canned C4 replies) and
 * fake engine targets (net servers on consecutive ports, C1) that keep
 * single values in memory, answer -DER_STALE to an old map version and
 * count requests, so the client's placement, retries, events and agent
 * client are exercised end to end. Every wait is bounded; the fakes run
 * under a mkdtemp directory and are stopped by each test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <daos.h>

#include "client/client_internal.h"
#include "gurt/byteorder.h"

int dc_c99_probe(void);

#define WAIT_MS     15000
#define POOL_LABEL  "mypool"
#define POOL_UUID   "7f5a9c3e-0d6b-4b8e-9a51-2c1d3e4f5a6b"
#define CONT_LABEL  "c1"
#define CONT_UUID   "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
#define NR_RANKS    2
#define TGTS        2
#define NR_TGTS     (NR_RANKS * TGTS)

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ======================================================================== */
/* Fake engine targets                                                      */
/* ======================================================================== */

struct ft_val {
	struct ft_val *fv_next;
	uuid_t         fv_cont;
	daos_obj_id_t  fv_oid;
	uint32_t       fv_dlen, fv_alen, fv_vlen;
	uint8_t        fv_dkey[64];
	uint8_t        fv_akey[64];
	uint8_t       *fv_val;
};

struct ft_tgt {
	struct net_server *ft_srv;
	int                ft_id; /* global target id */
	atomic_uint        ft_map_ver;
	atomic_int         ft_reqs;
	struct ft_val     *ft_vals;
};

static struct {
	struct ft_tgt tgts[NR_TGTS];
	uint16_t      base[NR_RANKS]; /* rank r's URI port; its targets at base + 1 + t */
	pthread_t     thread;
	atomic_bool   stop;
	bool          running;
} fts;

static struct ft_val *
ft_find(struct ft_tgt *t, const struct proto_obj_req *r, const daos_key_t *dk,
	const daos_key_t *ak)
{
	for (struct ft_val *v = t->ft_vals; v != NULL; v = v->fv_next)
		if (uuid_compare(v->fv_cont, r->or_cont) == 0 && v->fv_oid.lo == r->or_oid.lo &&
		    v->fv_oid.hi == r->or_oid.hi && v->fv_dlen == dk->iov_len &&
		    memcmp(v->fv_dkey, dk->iov_buf, dk->iov_len) == 0 &&
		    v->fv_alen == ak->iov_len && memcmp(v->fv_akey, ak->iov_buf, ak->iov_len) == 0)
			return v;
	return NULL;
}

static void
ft_del_obj(struct ft_tgt *t, const struct proto_obj_req *r, const daos_key_t *dk)
{
	struct ft_val **pp = &t->ft_vals;

	while (*pp != NULL) {
		struct ft_val *v = *pp;

		if (uuid_compare(v->fv_cont, r->or_cont) == 0 && v->fv_oid.lo == r->or_oid.lo &&
		    v->fv_oid.hi == r->or_oid.hi &&
		    (dk == NULL || (v->fv_dlen == dk->iov_len &&
				    memcmp(v->fv_dkey, dk->iov_buf, dk->iov_len) == 0))) {
			*pp = v->fv_next;
			free(v->fv_val);
			free(v);
		} else {
			pp = &v->fv_next;
		}
	}
}

static int
ft_update(struct ft_tgt *t, struct proto_obj_update *u)
{
	for (uint32_t i = 0; i < u->ou_iod_nr; i++) {
		daos_iod_t    *iod = &u->ou_iods[i];
		struct ft_val *v;

		if (iod->iod_type != DAOS_IOD_SINGLE || u->ou_dkey.iov_len > 64 ||
		    iod->iod_name.iov_len > 64)
			return -DER_NOSYS;
		v = ft_find(t, &u->ou_req, &u->ou_dkey, &iod->iod_name);
		if (v == NULL) {
			v = calloc(1, sizeof(*v));
			assert_non_null(v);
			uuid_copy(v->fv_cont, u->ou_req.or_cont);
			v->fv_oid  = u->ou_req.or_oid;
			v->fv_dlen = (uint32_t)u->ou_dkey.iov_len;
			memcpy(v->fv_dkey, u->ou_dkey.iov_buf, u->ou_dkey.iov_len);
			v->fv_alen = (uint32_t)iod->iod_name.iov_len;
			memcpy(v->fv_akey, iod->iod_name.iov_buf, iod->iod_name.iov_len);
			v->fv_next = t->ft_vals;
			t->ft_vals = v;
		}
		free(v->fv_val);
		v->fv_vlen = (uint32_t)iod->iod_size;
		v->fv_val  = malloc(v->fv_vlen + 1);
		assert_non_null(v->fv_val);
		memcpy(v->fv_val, u->ou_sgls[i].sg_iovs[0].iov_buf, v->fv_vlen);
	}
	return 0;
}

static void
ft_fetch(struct ft_tgt *t, struct net_req *req, struct proto_obj_fetch *f)
{
	struct proto_obj_fetch_rep rep = {0};
	daos_size_t                sizes[8];
	d_sg_list_t                sgls[8];
	d_iov_t                    iovs[8];
	struct proto_msg           m;
	const struct iovec        *iov;
	int                        iovcnt, status = 0;

	assert_true(f->of_iod_nr <= 8);
	for (uint32_t i = 0; i < f->of_iod_nr; i++) {
		struct ft_val *v = ft_find(t, &f->of_req, &f->of_dkey, &f->of_iods[i].iod_name);

		sizes[i] = v != NULL ? v->fv_vlen : 0;
		d_iov_set(&iovs[i], v != NULL ? v->fv_val : NULL, sizes[i]);
		sgls[i].sg_nr = sgls[i].sg_nr_out = 1;
		sgls[i].sg_iovs = &iovs[i];
		if (!(f->of_flags & PROTO_FETCH_SIZES_ONLY) && sizes[i] > f->of_buf_lens[i])
			status = -DER_REC2BIG;
	}
	rep.ofr_iod_nr = f->of_iod_nr;
	rep.ofr_sizes  = sizes;
	rep.ofr_sgls   = (status == 0 && !(f->of_flags & PROTO_FETCH_SIZES_ONLY)) ? sgls : NULL;
	proto_msg_init(&m);
	assert_int_equal(proto_obj_fetch_rep_enc(&rep, &m), 0);
	assert_int_equal(proto_msg_iov(&m, &iov, &iovcnt), 0);
	net_reply(req, status, iov, iovcnt);
	proto_msg_fini(&m);
}

static int
ft_key_cmp(const uint8_t *a, uint32_t al, const uint8_t *b, uint32_t bl)
{
	if (al != bl)
		return al < bl ? -1 : 1;
	return memcmp(a, b, al);
}

/* dkeys of an object on this target, in (length, bytes) order, after the anchor's key. */
static void
ft_list_dkey(struct ft_tgt *t, struct net_req *req, struct proto_obj_list_key *l)
{
	struct proto_obj_list_key_rep rep = {0};
	daos_key_desc_t               kds[64];
	uint8_t                       keys[64 * 64];
	uint8_t                       last[64];
	uint32_t                      last_len = 0, nr = 0;
	size_t                        off = 0;
	struct proto_msg              m;
	const struct iovec           *iov;
	int                           iovcnt;
	bool                          started = l->olk_anchor.da_type == DAOS_ANCHOR_TYPE_KEY;

	if (started) {
		last_len = l->olk_anchor.da_buf[0];
		memcpy(last, l->olk_anchor.da_buf + 1, last_len);
	}
	rep.olkr_anchor = l->olk_anchor;
	for (;;) {
		struct ft_val *best = NULL;

		for (struct ft_val *v = t->ft_vals; v != NULL; v = v->fv_next) {
			if (uuid_compare(v->fv_cont, l->olk_req.or_cont) != 0 ||
			    v->fv_oid.lo != l->olk_req.or_oid.lo || v->fv_oid.hi != l->olk_req.or_oid.hi)
				continue;
			if (started && ft_key_cmp(v->fv_dkey, v->fv_dlen, last, last_len) <= 0)
				continue;
			if (best == NULL ||
			    ft_key_cmp(v->fv_dkey, v->fv_dlen, best->fv_dkey, best->fv_dlen) < 0)
				best = v;
		}
		if (best == NULL) {
			rep.olkr_anchor.da_type = DAOS_ANCHOR_TYPE_EOF;
			break;
		}
		if (nr == l->olk_nr || nr == 64 || off + best->fv_dlen > l->olk_buf_len)
			break;
		kds[nr].kd_key_len  = best->fv_dlen;
		kds[nr].kd_val_type = 0;
		memcpy(keys + off, best->fv_dkey, best->fv_dlen);
		off += best->fv_dlen;
		nr++;
		last_len = best->fv_dlen;
		memcpy(last, best->fv_dkey, last_len);
		started                 = true;
		rep.olkr_anchor.da_type = DAOS_ANCHOR_TYPE_KEY;
		rep.olkr_anchor.da_buf[0] = (uint8_t)last_len;
		memcpy(rep.olkr_anchor.da_buf + 1, last, last_len);
	}
	rep.olkr_nr   = nr;
	rep.olkr_kds  = kds;
	d_iov_set(&rep.olkr_keys, keys, off);
	proto_msg_init(&m);
	assert_int_equal(proto_obj_list_key_rep_enc(&rep, &m), 0);
	assert_int_equal(proto_msg_iov(&m, &iov, &iovcnt), 0);
	net_reply(req, 0, iov, iovcnt);
	proto_msg_fini(&m);
}

static void
ft_handler(void *arg, struct net_req *req)
{
	struct ft_tgt          *t = arg;
	const struct proto_hdr *h = net_req_hdr(req);
	uint16_t                opc = h->ph_opcode; /* req (and h) die with net_reply() */
	union proto_body        b;
	char                    err[160];
	int                     rc;

	atomic_fetch_add(&t->ft_reqs, 1);
	if (h->ph_opcode != PROTO_OP_PING && h->ph_map_version < atomic_load(&t->ft_map_ver)) {
		net_req_set_reply_map_version(req, atomic_load(&t->ft_map_ver));
		net_reply(req, -DER_STALE, NULL, 0);
		return;
	}
	rc = proto_body_dec(h->ph_opcode, false, net_req_body(req), net_req_body_len(req), &b, err,
			    sizeof(err));
	if (rc != 0) {
		net_reply(req, rc, NULL, 0);
		return;
	}
	switch (opc) {
	case PROTO_OP_OBJ_UPDATE:
		net_reply(req, ft_update(t, &b.pb_update), NULL, 0);
		break;
	case PROTO_OP_OBJ_FETCH:
		ft_fetch(t, req, &b.pb_fetch);
		break;
	case PROTO_OP_OBJ_PUNCH:
		ft_del_obj(t, &b.pb_punch.op_req, NULL);
		net_reply(req, 0, NULL, 0);
		break;
	case PROTO_OP_OBJ_PUNCH_DKEYS:
		for (uint32_t i = 0; i < b.pb_punch.op_key_nr; i++)
			ft_del_obj(t, &b.pb_punch.op_req, &b.pb_punch.op_keys[i]);
		net_reply(req, 0, NULL, 0);
		break;
	case PROTO_OP_OBJ_LIST_DKEY:
		ft_list_dkey(t, req, &b.pb_list_key);
		break;
	default:
		net_reply(req, -DER_NOSYS, NULL, 0);
		break;
	}
	proto_body_fini(opc, false, &b);
}

static void *
ft_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&fts.stop)) {
		int done = 0;

		for (int i = 0; i < NR_TGTS; i++)
			done += net_server_progress(fts.tgts[i].ft_srv, 0);
		if (done == 0)
			usleep(500);
	}
	return NULL;
}

/* Targets on consecutive ports: rank r's base + 1 + t (C1). */
static void
ft_start(uint32_t map_ver)
{
	static unsigned seed;

	memset(&fts, 0, sizeof(fts));
	seed += (unsigned)getpid() + (unsigned)now_ms();
	for (int r = 0; r < NR_RANKS; r++) {
		for (int attempt = 0;; attempt++) {
			uint16_t base = (uint16_t)(20000 + (rand_r(&seed) % 30000));
			bool     ok   = true;

			assert_true(attempt < 200);
			for (int t = 0; t < TGTS && ok; t++) {
				struct ft_tgt *ft = &fts.tgts[r * TGTS + t];

				ft->ft_id = r * TGTS + t;
				if (net_server_create("127.0.0.1", (uint16_t)(base + 1 + t), ft_handler, ft,
						      &ft->ft_srv, NULL, 0) != 0) {
					ok = false;
					for (int k = 0; k < t; k++) {
						net_server_destroy(fts.tgts[r * TGTS + k].ft_srv);
						fts.tgts[r * TGTS + k].ft_srv = NULL;
					}
				}
			}
			if (ok) {
				fts.base[r] = base;
				break;
			}
		}
	}
	for (int i = 0; i < NR_TGTS; i++)
		atomic_store(&fts.tgts[i].ft_map_ver, map_ver);
	atomic_store(&fts.stop, false);
	assert_int_equal(pthread_create(&fts.thread, NULL, ft_thread, NULL), 0);
	fts.running = true;
}

static void
ft_stop(void)
{
	if (!fts.running)
		return;
	atomic_store(&fts.stop, true);
	pthread_join(fts.thread, NULL);
	for (int i = 0; i < NR_TGTS; i++) {
		net_server_destroy(fts.tgts[i].ft_srv);
		while (fts.tgts[i].ft_vals != NULL) {
			struct ft_val *v = fts.tgts[i].ft_vals;

			fts.tgts[i].ft_vals = v->fv_next;
			free(v->fv_val);
			free(v);
		}
	}
	fts.running = false;
}

/* ======================================================================== */
/* Fake daos_agent                                                          */
/* ======================================================================== */

enum fa_mode { FA_NORMAL, FA_SILENT };

static struct {
	char        dir[64];
	char        sock[128];
	int         lfd;
	pthread_t   thread;
	atomic_bool stop;
	atomic_int  mode;
	atomic_int  connects;     /* pool_connect calls */
	atomic_uint map_ver;      /* version of the map it hands out */
	atomic_int  bad_rank_uri; /* rank whose URI points nowhere, -1: none */
	json_t     *attrs;
	bool        running;
} fa;

static char *
fa_uri(int rank)
{
	static char buf[NR_RANKS][64];

	if (rank == atomic_load(&fa.bad_rank_uri))
		snprintf(buf[rank], sizeof(buf[rank]), "ofi+tcp://127.0.0.1:9"); /* discard port */
	else
		snprintf(buf[rank], sizeof(buf[rank]), "ofi+tcp://127.0.0.1:%u", fts.base[rank]);
	return buf[rank];
}

static json_t *
fa_map_json(void)
{
	struct pl_rank_desc descs[NR_RANKS] = {{0, "h0", TGTS}, {1, "h1", TGTS}};
	struct pl_pool_map *map;
	size_t              len;
	void               *buf;
	char               *b64;
	json_t             *j;

	assert_int_equal(pl_map_create(descs, NR_RANKS, &map, NULL, 0), 0);
	map->pm_version = atomic_load(&fa.map_ver);
	len             = pl_map_encoded_size(map);
	buf             = malloc(len);
	assert_non_null(buf);
	assert_int_equal(pl_map_encode(map, buf, len, NULL), 0);
	b64 = dc_base64_encode(buf, len);
	assert_non_null(b64);
	j = json_string(b64);
	free(b64);
	free(buf);
	pl_map_free(map);
	return j;
}

static json_t *
fa_ok(json_t *body)
{
	return json_pack("{s:i, s:o}", "status", 0, "body", body);
}

static json_t *
fa_err(int rc, const char *msg)
{
	return json_pack("{s:i, s:s}", "status", rc, "error", msg);
}

static json_t *
fa_cont_record(void)
{
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:I, s:[I, I], s:I}", "uuid",
			 CONT_UUID, "label", CONT_LABEL, "type", "unknown", "props", "oclass", "S1",
			 "rd_fac", "0", "owner", "tester@", "group", "testers@", "time",
			 (json_int_t)7, "snapshots", (json_int_t)100, (json_int_t)200, "next_oid",
			 (json_int_t)42);
}

static json_t *
fa_answer(json_t *req)
{
	const char *op     = json_string_value(json_object_get(req, "op"));
	const char *method = json_string_value(json_object_get(req, "method"));
	json_t     *body   = json_object_get(req, "body");
	const char *pool   = json_string_value(json_object_get(body, "pool"));
	const char *cont   = json_string_value(json_object_get(body, "cont"));

	if (op != NULL && strcmp(op, "get_attach_info") == 0)
		return json_pack("{s:i, s:s, s:s, s:[s], s:i, s:[{s:i, s:s, s:i, s:s}, {s:i, s:s, "
				 "s:i, s:s}]}",
				 "status", 0, "sys_name", "daos_server", "provider", "ofi+tcp",
				 "access_points", "127.0.0.1:10001", "map_version", 3, "ranks", "rank",
				 0, "uri", fa_uri(0), "targets", TGTS, "state", "Joined", "rank", 1,
				 "uri", fa_uri(1), "targets", TGTS, "state", "Joined");
	if (op == NULL || strcmp(op, "call") != 0 || method == NULL)
		return fa_err(-DER_PROTO, "bad request");
	if (pool != NULL && strcmp(pool, POOL_LABEL) != 0 && strcmp(pool, POOL_UUID) != 0)
		return fa_err(-DER_NONEXIST, "pool not found");
	if (strcmp(method, "pool_connect") == 0) {
		atomic_fetch_add(&fa.connects, 1);
		return fa_ok(json_pack("{s:s, s:s, s:i, s:o, s:[{s:i, s:s}, {s:i, s:s}], s:{s:s}}",
				       "uuid", POOL_UUID, "label", POOL_LABEL, "map_version",
				       (int)atomic_load(&fa.map_ver), "map", fa_map_json(), "ranks",
				       "rank", 0, "uri", fa_uri(0), "rank", 1, "uri", fa_uri(1),
				       "props", "owner", "tester@"));
	}
	if (strcmp(method, "pool_query") == 0)
		return fa_ok(json_pack(
		    "{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:[i], s:{s:i, s:s, s:i, s:i}, "
		    "s:[{s:s, s:I, s:I, s:I, s:I, s:I}, {s:s, s:I, s:I, s:I, s:I, s:I}]}",
		    "uuid", POOL_UUID, "map_version", 1, "total_targets", NR_TGTS, "active_targets",
		    NR_TGTS, "disabled_targets", 0, "total_engines", NR_RANKS, "pool_layout_ver", 3,
		    "svc_reps", 0, "rebuild", "status", 0, "state", "idle", "objects", 0,
		    "records", 0, "tier_stats", "media_type", "scm", "total", (json_int_t)4000, "free",
		    (json_int_t)3000, "min", (json_int_t)700, "max", (json_int_t)800, "mean",
		    (json_int_t)750, "media_type", "nvme", "total", (json_int_t)40000, "free",
		    (json_int_t)30000, "min", (json_int_t)7000, "max", (json_int_t)8000, "mean",
		    (json_int_t)7500));
	if (strcmp(method, "cont_open") == 0 || strcmp(method, "cont_query") == 0) {
		if (cont == NULL || (strcmp(cont, CONT_LABEL) != 0 && strcmp(cont, CONT_UUID) != 0))
			return fa_err(-DER_NONEXIST, "container not found");
		return fa_ok(fa_cont_record());
	}
	if (strcmp(method, "cont_create") == 0)
		return fa_ok(json_pack("{s:s}", "uuid", CONT_UUID));
	if (strcmp(method, "cont_snap_list") == 0)
		return fa_ok(json_pack("{s:[{s:I, s:s}, {s:I}]}", "snapshots", "epoch",
				       (json_int_t)200, "name", "two", "epoch", (json_int_t)100));
	if (strcmp(method, "cont_set_attr") == 0 || strcmp(method, "pool_set_attr") == 0) {
		json_object_update(fa.attrs, json_object_get(body, "attrs"));
		return fa_ok(json_object());
	}
	if (strcmp(method, "cont_get_attr") == 0 || strcmp(method, "pool_get_attr") == 0)
		return fa_ok(json_pack("{s:O}", "attrs", fa.attrs));
	if (strcmp(method, "cont_del_attr") == 0 || strcmp(method, "pool_del_attr") == 0) {
		json_t *names = json_object_get(body, "names");

		for (size_t i = 0; i < json_array_size(names); i++)
			if (json_object_del(fa.attrs, json_string_value(json_array_get(names, i))) != 0)
				return fa_err(-DER_NONEXIST, "no such attribute");
		return fa_ok(json_object());
	}
	if (strcmp(method, "cont_alloc_oids") == 0)
		return fa_ok(json_pack("{s:I}", "first", (json_int_t)1000));
	if (strcmp(method, "cont_list") == 0)
		return fa_ok(json_pack("{s:[{s:s, s:s}]}", "containers", "uuid", CONT_UUID, "label",
				       CONT_LABEL));
	return fa_err(-DER_NO_PERM, "method not allowed");
}

static bool
fa_io(int fd, void *buf, size_t len, bool rd)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = rd ? read(fd, p, len) : write(fd, p, len);

		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void *
fa_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&fa.stop)) {
		struct pollfd pfd = {.fd = fa.lfd, .events = POLLIN};
		uint8_t       hdr[4];
		uint32_t      len;
		char         *body;
		json_t       *req, *rep;
		char         *text;
		int           fd;

		if (poll(&pfd, 1, 20) <= 0)
			continue;
		fd = accept(fa.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (!fa_io(fd, hdr, 4, true)) {
			close(fd);
			continue;
		}
		len  = d_get_le32(hdr);
		body = malloc(len + 1);
		if (body == NULL || len > (1u << 20) || !fa_io(fd, body, len, true)) {
			free(body);
			close(fd);
			continue;
		}
		body[len] = '\0';
		if (atomic_load(&fa.mode) == FA_SILENT) {
			/* hold the connection, never answer: the client times out */
			while (!atomic_load(&fa.stop) && atomic_load(&fa.mode) == FA_SILENT)
				usleep(1000);
			free(body);
			close(fd);
			continue;
		}
		req = json_loads(body, 0, NULL);
		free(body);
		rep  = fa_answer(req);
		text = json_dumps(rep, JSON_COMPACT);
		d_put_le32(hdr, (uint32_t)strlen(text));
		fa_io(fd, hdr, 4, false);
		fa_io(fd, text, strlen(text), false);
		free(text);
		json_decref(rep);
		json_decref(req);
		close(fd);
	}
	return NULL;
}

static void
fa_start(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(&fa, 0, sizeof(fa));
	snprintf(fa.dir, sizeof(fa.dir), "/tmp/dc_test_XXXXXX");
	assert_non_null(mkdtemp(fa.dir));
	snprintf(fa.sock, sizeof(fa.sock), "%s/daos_agent.sock", fa.dir);
	assert_true(strlen(fa.sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, fa.sock, strlen(fa.sock) + 1);
	fa.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fa.lfd >= 0);
	assert_int_equal(bind(fa.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fa.lfd, 16), 0);
	atomic_store(&fa.map_ver, 1);
	atomic_store(&fa.bad_rank_uri, -1);
	fa.attrs = json_object();
	assert_int_equal(pthread_create(&fa.thread, NULL, fa_thread, NULL), 0);
	fa.running = true;
	setenv("DAOS_AGENT_DRPC_DIR", fa.dir, 1);
}

static void
fa_stop(void)
{
	if (!fa.running)
		return;
	atomic_store(&fa.stop, true);
	pthread_join(fa.thread, NULL);
	close(fa.lfd);
	unlink(fa.sock);
	rmdir(fa.dir);
	json_decref(fa.attrs);
	fa.running = false;
	unsetenv("DAOS_AGENT_DRPC_DIR");
}

/* ======================================================================== */
/* Helpers                                                                  */
/* ======================================================================== */

/* A pool record built locally (no agent): NR_RANKS x TGTS, addresses of the fake targets. */
static daos_handle_t
mk_pool(unsigned int flags)
{
	struct pl_rank_desc descs[NR_RANKS] = {{0, "h0", TGTS}, {1, "h1", TGTS}};
	struct dc_pool     *pool;
	daos_handle_t       poh;

	assert_int_equal(dc_pool_alloc(&pool), 0);
	assert_int_equal(pl_map_create(descs, NR_RANKS, &pool->dp_map, NULL, 0), 0);
	uuid_parse(POOL_UUID, pool->dp_uuid);
	snprintf(pool->dp_uuid_str, sizeof(pool->dp_uuid_str), "%s", POOL_UUID);
	snprintf(pool->dp_label, sizeof(pool->dp_label), "%s", POOL_LABEL);
	pool->dp_flags = flags;
	pool->dp_addrs = calloc(NR_RANKS, sizeof(*pool->dp_addrs));
	assert_non_null(pool->dp_addrs);
	for (int r = 0; r < NR_RANKS; r++) {
		pool->dp_addrs[r].ra_rank = (uint32_t)r;
		snprintf(pool->dp_addrs[r].ra_uri, sizeof(pool->dp_addrs[r].ra_uri),
			 "ofi+tcp://127.0.0.1:%u", 30000 + r * 10);
		snprintf(pool->dp_addrs[r].ra_ip, sizeof(pool->dp_addrs[r].ra_ip), "127.0.0.1");
		pool->dp_addrs[r].ra_port = (uint16_t)(30000 + r * 10);
	}
	pool->dp_nr_addrs = NR_RANKS;
	assert_int_equal(dc_hdl_insert(&pool->dp_hdl, &poh), 0);
	dc_pool_put(pool);
	return poh;
}

/* A container record on poh (no agent) with text properties name=value pairs. */
static daos_handle_t
mk_cont(daos_handle_t poh, unsigned int flags, const char *oclass)
{
	struct dc_pool *pool = dc_pool_get(poh);
	struct dc_cont *cont;
	daos_handle_t   coh;

	assert_non_null(pool);
	assert_int_equal(dc_cont_alloc(pool, &cont), 0);
	uuid_parse(CONT_UUID, cont->dc_uuid);
	snprintf(cont->dc_uuid_str, sizeof(cont->dc_uuid_str), "%s", CONT_UUID);
	snprintf(cont->dc_label, sizeof(cont->dc_label), "%s", CONT_LABEL);
	cont->dc_flags = flags;
	if (oclass != NULL) {
		cont->dc_props = calloc(1, sizeof(*cont->dc_props));
		assert_non_null(cont->dc_props);
		snprintf(cont->dc_props[0].pt_name, DC_PROP_NAME_MAX, "oclass");
		snprintf(cont->dc_props[0].pt_value, DC_PROP_VALUE_MAX, "%s", oclass);
		cont->dc_nr_props = 1;
	}
	dc_cont_apply_props(cont);
	assert_int_equal(dc_hdl_insert(&cont->dc_hdl, &coh), 0);
	atomic_fetch_add(&pool->dp_nr_conts, 1);
	dc_cont_put(cont);
	dc_pool_put(pool);
	return coh;
}

static int
setup_init(void **state)
{
	(void)state;
	unsetenv("CRT_TIMEOUT");
	unsetenv("DAOS_AGENT_DRPC_DIR");
	return daos_init();
}

static int
teardown_fini(void **state)
{
	(void)state;
	fa_stop();
	ft_stop();
	unsetenv("CRT_TIMEOUT");
	return daos_fini();
}

/* ======================================================================== */
/* Tests                                                                    */
/* ======================================================================== */

/* DC01: every public header compiles alone as strict C99, and the inline helpers work */
static void
dc01_headers_c99(void **state)
{
	static const char *hdrs[] = {"daos.h",        "daos_version.h", "daos_types.h",
				     "daos_event.h",  "daos_obj.h",     "daos_array.h",
				     "daos_kv.h",     "daos_prop.h",    "daos_cont.h",
				     "daos_pool.h",   "daos_mgmt.h",    "daos_security.h",
				     "daos_api.h",    "daos_errno.h",   "daos_obj_class.h",
				     "gurt/common.h", "gurt/hash.h",    "gurt/list.h",
				     "gurt/types.h"};
	const char        *src = getenv("DAOS_SOURCE_DIR");
	char               cmd[1024];

	(void)state;
	assert_int_equal(dc_c99_probe(), 0);
	if (src == NULL || system("command -v cc > /dev/null 2>&1") != 0) {
		print_message("no DAOS_SOURCE_DIR or cc: per-header check skipped\n");
		return;
	}
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		int st;

		snprintf(cmd, sizeof(cmd),
			 "printf '#include <%s>\\n#include <%s>\\nint dc_probe_x;\\n' | cc -std=c99 "
			 "-pedantic -Wall -Wextra -Werror -fsyntax-only -I%s/include/daos -x c - 2>&1",
			 hdrs[i], hdrs[i], src);
		st = system(cmd);
		if (st != 0)
			print_message("header %s failed the strict C99 check\n", hdrs[i]);
		assert_int_equal(st, 0);
	}
}

/* DC02: daos_init/daos_fini are reference-counted; a bad CRT_TIMEOUT is refused */
static void
dc02_init_fini(void **state)
{
	static const char *bad[] = {"0", "abc", "12x", "", "99999999999", "-5"};

	(void)state;
	unsetenv("CRT_TIMEOUT");
	assert_int_equal(daos_fini(), -DER_UNINIT);
	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_init(), 0);
	assert_true(dc_initialized());
	assert_int_equal(daos_fini(), 0);
	assert_true(dc_initialized());
	assert_int_equal(daos_fini(), 0);
	assert_false(dc_initialized());
	assert_int_equal(daos_fini(), -DER_UNINIT);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("CRT_TIMEOUT", bad[i], 1);
		if (bad[i][0] == '\0')
			assert_int_equal(daos_init(), 0); /* empty: the default */
		else
			assert_int_equal(daos_init(), -DER_INVAL);
		if (bad[i][0] == '\0')
			assert_int_equal(daos_fini(), 0);
	}
	setenv("CRT_TIMEOUT", "7", 1);
	assert_int_equal(daos_init(), 0);
	assert_int_equal(dc_timeout_ms(), 7000);
	assert_int_equal(daos_fini(), 0);
	unsetenv("CRT_TIMEOUT");
	/* calls before init: -DER_UNINIT, not a crash */
	{
		daos_handle_t h;

		assert_int_equal(daos_eq_create(&h), -DER_UNINIT);
		assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, DAOS_PC_RW, &h, NULL, NULL),
				 -DER_UNINIT);
		assert_int_equal(daos_pool_disconnect(h, NULL), -DER_NO_HDL);
	}
}

/* DC03: the handle table: typed lookups, references, deleted and stale cookies are invalid */
static int dc03_freed;

static void
dc03_free(struct dc_hdl *h)
{
	dc03_freed++;
	free(h);
}

static void
dc03_handles(void **state)
{
	struct dc_hdl *h = calloc(1, sizeof(*h)), *f;
	daos_handle_t  dh, old;
	uint64_t       base = dc_hdl_count();

	(void)state;
	assert_non_null(h);
	dc03_freed = 0;
	dc_hdl_init(h, DC_HDL_POOL, dc03_free);
	assert_int_equal(dc_hdl_insert(h, &dh), 0);
	assert_true(dh.cookie != 0);
	assert_int_equal(dc_hdl_count(), base + 1);
	f = dc_hdl_lookup(dh, DC_HDL_POOL);
	assert_ptr_equal(f, h);
	assert_null(dc_hdl_lookup(dh, DC_HDL_CONT)); /* wrong type */
	assert_null(dc_hdl_lookup(DAOS_HDL_INVAL, DC_HDL_POOL));
	assert_null(dc_hdl_lookup((daos_handle_t){dh.cookie + 1000}, DC_HDL_POOL));
	dc_hdl_decref(h); /* the caller's initial reference */
	assert_int_equal(dc_hdl_delete(h), 0);
	assert_int_equal(dc03_freed, 0); /* the lookup still holds one */
	assert_null(dc_hdl_lookup(dh, DC_HDL_POOL));
	assert_int_equal(dc_hdl_delete(h), -DER_NO_HDL);
	dc_hdl_decref(f);
	assert_int_equal(dc03_freed, 1);
	assert_int_equal(dc_hdl_count(), base);
	/* cookies are never reused, even across fini/init */
	old = dh;
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_init(), 0);
	h = calloc(1, sizeof(*h));
	assert_non_null(h);
	dc_hdl_init(h, DC_HDL_POOL, dc03_free);
	assert_int_equal(dc_hdl_insert(h, &dh), 0);
	assert_true(dh.cookie > old.cookie);
	assert_null(dc_hdl_lookup(old, DC_HDL_POOL));
	dc_hdl_decref(h);
	/* daos_fini closes what is left */
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(dc03_freed, 2);
	assert_int_equal(daos_init(), 0);
}

/* DC04: event queues: create, poll with nothing, bad arguments, destroy */
static void
dc04_eq_basics(void **state)
{
	daos_handle_t eqh;
	daos_event_t *evs[4];
	uint64_t      t0;

	(void)state;
	assert_int_equal(daos_eq_create(NULL), -DER_INVAL);
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_NOWAIT, 4, evs), 0);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 4, evs), 0); /* nothing running */
	t0 = now_ms();
	assert_int_equal(daos_eq_poll(eqh, 0, 100 * 1000, 4, evs), 0); /* 100 ms */
	assert_true(now_ms() - t0 >= 90 && now_ms() - t0 < 5000);
	assert_int_equal(daos_eq_poll(eqh, 0, 0, 0, evs), -DER_INVAL);
	assert_int_equal(daos_eq_poll(eqh, 0, 0, 4, NULL), -DER_INVAL);
	assert_int_equal(daos_eq_poll(eqh, 0, -2, 4, evs), -DER_INVAL);
	assert_int_equal(daos_eq_poll(DAOS_HDL_INVAL, 0, 0, 4, evs), -DER_NO_HDL);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_ALL, 0, NULL), 0);
	assert_int_equal(daos_eq_query(eqh, 0, 0, NULL), -DER_INVAL);
	assert_int_equal(daos_eq_query(eqh, 8, 0, NULL), -DER_INVAL);
	assert_int_equal(daos_eq_destroy(eqh, 5), -DER_INVAL);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), -DER_NO_HDL);
	assert_int_equal(daos_eq_poll(eqh, 0, 0, 4, evs), -DER_NO_HDL);
}

static int dc05_cb_calls, dc05_cb_rc;

static int
dc05_cb(void *arg, daos_event_t *ev, int rc)
{
	(void)ev;
	dc05_cb_calls++;
	dc05_cb_rc = rc;
	*(int *)arg += 1;
	return 0;
}

/* DC05: event life: launch, complete, poll, reuse; states refused; test; callback */
static void
dc05_event_life(void **state)
{
	daos_handle_t eqh;
	daos_event_t  ev, ev2, *evs[4];
	bool          flag;
	int           cb_arg = 0;

	(void)state;
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_event_init(NULL, eqh, NULL), -DER_INVAL);
	assert_int_equal(daos_event_init(&ev, (daos_handle_t){12345678}, NULL), -DER_NO_HDL);
	assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
	assert_int_equal(daos_event_launch(&ev), 0);
	assert_int_equal(daos_event_launch(&ev), -DER_NO_PERM); /* running */
	assert_int_equal(daos_event_fini(&ev), -DER_BUSY);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_WAITING, 4, evs), 1);
	assert_ptr_equal(evs[0], &ev);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_NOWAIT, 4, evs), 0);
	daos_event_complete(&ev, -DER_IO);
	assert_int_equal(daos_eq_query(eqh, DAOS_EQR_COMPLETED, 0, NULL), 1);
	assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 4, evs), 1);
	assert_ptr_equal(evs[0], &ev);
	assert_int_equal(ev.ev_error, -DER_IO);
	/* reused after it was polled */
	assert_int_equal(daos_event_register_comp_cb(&ev, dc05_cb, &cb_arg), 0);
	assert_int_equal(daos_event_launch(&ev), 0);
	assert_int_equal(daos_event_register_comp_cb(&ev, dc05_cb, &cb_arg), -DER_NO_PERM);
	daos_event_complete(&ev, 0);
	assert_int_equal(dc05_cb_calls, 1);
	assert_int_equal(dc05_cb_rc, 0);
	assert_int_equal(cb_arg, 1);
	/* completed, not polled: a second launch is refused */
	assert_int_equal(daos_event_launch(&ev), -DER_NO_PERM);
	assert_int_equal(daos_event_test(&ev, DAOS_EQ_NOWAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_NOWAIT, 4, evs), 0); /* test took it */
	assert_int_equal(daos_event_test(&ev, DAOS_EQ_NOWAIT, NULL), -DER_INVAL);
	/* an event without a queue */
	assert_int_equal(daos_event_init(&ev2, DAOS_HDL_INVAL, NULL), 0);
	assert_int_equal(daos_event_launch(&ev2), 0);
	assert_int_equal(daos_event_test(&ev2, 50 * 1000, &flag), 0);
	assert_false(flag);
	daos_event_complete(&ev2, -DER_NOSPACE);
	assert_int_equal(daos_event_test(&ev2, DAOS_EQ_WAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(ev2.ev_error, -DER_NOSPACE);
	assert_int_equal(daos_event_fini(&ev2), 0);
	assert_int_equal(daos_event_fini(&ev2), -DER_INVAL); /* no longer initialised */
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
}

/* DC06: parent and child events: barrier, first child error, iteration */
static void
dc06_event_children(void **state)
{
	daos_handle_t eqh;
	daos_event_t  parent, kids[3], grandchild, *evs[4], *it;
	int           n = 0;

	(void)state;
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_event_init(&parent, eqh, NULL), 0);
	assert_int_equal(daos_event_parent_barrier(&parent), -DER_INVAL); /* no children */
	for (int i = 0; i < 3; i++)
		assert_int_equal(daos_event_init(&kids[i], DAOS_HDL_INVAL, &parent), 0);
	assert_int_equal(daos_event_init(&grandchild, DAOS_HDL_INVAL, &kids[0]), -DER_INVAL);
	for (it = daos_event_next(&parent, NULL); it != NULL; it = daos_event_next(&parent, it))
		assert_ptr_equal(it, &kids[n++]);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(daos_event_launch(&kids[i]), 0);
	assert_int_equal(daos_event_parent_barrier(&parent), 0);
	assert_int_equal(daos_event_launch(&kids[0]), -DER_NO_PERM);
	daos_event_complete(&kids[1], -DER_NONEXIST);
	daos_event_complete(&kids[0], 0);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_NOWAIT, 4, evs), 0);
	daos_event_complete(&kids[2], -DER_IO);
	assert_int_equal(daos_eq_poll(eqh, 0, DAOS_EQ_NOWAIT, 4, evs), 1);
	assert_ptr_equal(evs[0], &parent);
	assert_int_equal(parent.ev_error, -DER_NONEXIST);
	assert_int_equal(kids[2].ev_error, -DER_IO);
	/* children come back to READY at once */
	assert_int_equal(daos_event_launch(&kids[2]), 0);
	daos_event_complete(&kids[2], 0);
	assert_int_equal(daos_event_fini(&parent), 0); /* finalises the children too */
	assert_int_equal(daos_event_fini(&kids[0]), -DER_INVAL);
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
}

/* DC07: a queue with events is busy; force detaches them and aborts the running ones */
static void
dc07_eq_destroy_busy(void **state)
{
	daos_handle_t eqh;
	daos_event_t  ev1, ev2;
	bool          flag;

	(void)state;
	assert_int_equal(daos_eq_create(&eqh), 0);
	assert_int_equal(daos_event_init(&ev1, eqh, NULL), 0);
	assert_int_equal(daos_event_init(&ev2, eqh, NULL), 0);
	assert_int_equal(daos_event_launch(&ev1), 0);
	assert_int_equal(daos_event_launch(&ev2), 0);
	daos_event_complete(&ev2, 0);
	assert_int_equal(daos_eq_destroy(eqh, 0), -DER_BUSY);
	assert_int_equal(daos_event_abort(&ev1), 0);
	assert_int_equal(daos_eq_destroy(eqh, DAOS_EQ_DESTROY_FORCE), 0);
	/* the detached running event still completes and can be tested and finalised */
	daos_event_complete(&ev1, -DER_CANCELED);
	assert_int_equal(daos_event_test(&ev1, DAOS_EQ_NOWAIT, &flag), 0);
	assert_true(flag);
	assert_int_equal(ev1.ev_error, -DER_CANCELED);
	assert_int_equal(daos_event_fini(&ev1), 0);
	assert_int_equal(daos_event_fini(&ev2), 0);
}

/* DC08: pool calls refuse bad arguments and handles with the exact codes */
static void
dc08_pool_bad_args(void **state)
{
	daos_handle_t    poh, bad = {987654321};
	daos_pool_info_t info;
	d_iov_t          glob = {0};
	char             longsys[100];
	size_t           sz = 0;
	daos_size_t      nc = 0;
	const char      *names[] = {"a"};
	const void      *vals[]  = {"x"};
	size_t           sizes[] = {1};

	(void)state;
	memset(longsys, 'x', sizeof(longsys) - 1);
	longsys[sizeof(longsys) - 1] = '\0';
	assert_int_equal(daos_pool_connect(NULL, NULL, DAOS_PC_RW, &poh, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_connect("bad label", NULL, DAOS_PC_RW, &poh, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_connect("", NULL, DAOS_PC_RW, &poh, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, 0, &poh, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, DAOS_PC_RO | DAOS_PC_RW, &poh, NULL,
					   NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, 1u << 5, &poh, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, DAOS_PC_RW, NULL, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_connect(POOL_LABEL, longsys, DAOS_PC_RW, &poh, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_connect(POOL_LABEL, "", DAOS_PC_RW, &poh, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_disconnect(bad, NULL), -DER_NO_HDL);
	assert_int_equal(daos_pool_query(bad, NULL, &info, NULL, NULL), -DER_NO_HDL);
	assert_int_equal(daos_pool_query_target(bad, 0, 0, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_local2global(bad, &glob), -DER_NO_HDL);
	assert_int_equal(daos_pool_local2global(bad, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_global2local(glob, &poh), -DER_INVAL);
	assert_int_equal(daos_pool_list_attr(bad, NULL, &sz, NULL), -DER_NO_HDL);
	assert_int_equal(daos_pool_list_attr(bad, NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_get_attr(bad, 0, names, NULL, sizes, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_set_attr(bad, 1, names, vals, sizes, NULL), -DER_NO_HDL);
	assert_int_equal(daos_pool_set_attr(bad, 1, names, NULL, sizes, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_del_attr(bad, 1, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_pool_list_cont(bad, &nc, NULL, NULL), -DER_NO_HDL);
	assert_int_equal(daos_pool_list_cont(bad, NULL, NULL, NULL), -DER_INVAL);
	/* a pool handle is not a container handle, and the reverse */
	poh = mk_pool(DAOS_PC_RW);
	assert_int_equal(daos_cont_close(poh, NULL), -DER_NO_HDL);
	{
		daos_handle_t coh = mk_cont(poh, DAOS_COO_RW, NULL);

		assert_int_equal(daos_pool_disconnect(coh, NULL), -DER_NO_HDL);
		assert_int_equal(daos_pool_disconnect(poh, NULL), -DER_BUSY); /* container open */
		assert_int_equal(daos_cont_close(coh, NULL), 0);
		assert_int_equal(daos_cont_close(coh, NULL), -DER_NO_HDL);
	}
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), -DER_NO_HDL);
}

/* DC09: container calls refuse bad arguments and handles */
static void
dc09_cont_bad_args(void **state)
{
	daos_handle_t      bad = {987654321}, coh;
	uuid_t             u;
	daos_epoch_t       ep;
	int                nr = 1;
	uint64_t           oid;
	daos_prop_t       *prop = daos_prop_alloc(1);
	daos_epoch_range_t epr = {5, 4};
	d_iov_t            glob = {0};
	char               name[] = "ok";

	(void)state;
	assert_non_null(prop);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_PO_LABEL; /* a pool property */
	assert_int_equal(daos_cont_create(bad, &u, NULL, NULL), -DER_NO_HDL);
	assert_int_equal(daos_cont_create(bad, &u, prop, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_create_with_label(bad, "bad label", NULL, &u, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_create_with_label(bad, NULL, NULL, &u, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_open(bad, NULL, DAOS_COO_RW, &coh, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_open(bad, CONT_LABEL, 0, &coh, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_open(bad, CONT_LABEL, DAOS_COO_RO | DAOS_COO_RW, &coh, NULL,
					NULL),
			 -DER_INVAL);
	assert_int_equal(daos_cont_open(bad, CONT_LABEL, DAOS_COO_RW, NULL, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_cont_open(bad, CONT_LABEL, DAOS_COO_RW, &coh, NULL, NULL),
			 -DER_NO_HDL);
	assert_int_equal(daos_cont_destroy(bad, "x y", 0, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_destroy(bad, CONT_LABEL, 0, NULL), -DER_NO_HDL);
	assert_int_equal(daos_cont_query(bad, NULL, prop, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_query(bad, NULL, NULL, NULL), -DER_NO_HDL);
	assert_int_equal(daos_cont_set_prop(bad, NULL, NULL), -DER_INVAL);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_CO_CSUM; /* immutable */
	assert_int_equal(daos_cont_set_prop(bad, prop, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_get_acl(bad, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_alloc_oids(bad, 0, &oid, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_alloc_oids(bad, 1, &oid, NULL), -DER_NO_HDL);
	assert_int_equal(daos_cont_create_snap(bad, NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_create_snap_opt(bad, &ep, NULL, DAOS_SNAP_OPT_OIT, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_cont_create_snap(bad, &ep, name, NULL), -DER_NO_HDL);
	assert_int_equal(daos_cont_list_snap(bad, NULL, NULL, NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_list_snap(bad, &nr, NULL, NULL, NULL, NULL), -DER_NO_HDL);
	assert_int_equal(daos_cont_destroy_snap(bad, epr, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_local2global(bad, &glob), -DER_NO_HDL);
	assert_int_equal(daos_cont_global2local(bad, glob, &coh), -DER_INVAL);
	assert_int_equal(daos_cont_set_owner(bad, NULL, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_set_owner(bad, "no-at-sign", NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_delete_acl(bad, NUM_DAOS_ACL_TYPES, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_cont_overwrite_acl(bad, NULL, NULL), -DER_INVAL);
	daos_prop_free(prop);
}

/* DC10: object, KV, array, transaction and OIT calls refuse bad arguments and handles */
static void
dc10_obj_bad_args(void **state)
{
	daos_handle_t    poh = mk_pool(DAOS_PC_RW), coh = mk_cont(poh, DAOS_COO_RW, NULL);
	daos_handle_t    roh, oh, bad = {987654321}, th;
	daos_obj_id_t    oid = {.lo = 1};
	daos_key_t       dkey, empty = {0};
	char             dk[] = "d", ak[] = "a", buf[16];
	daos_iod_t       iod = {0};
	d_iov_t          iov;
	d_sg_list_t      sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_key_desc_t  kds[4];
	daos_anchor_t    anchor = DAOS_ANCHOR_INIT;
	uint32_t         nr = 4;
	daos_size_t      sz;
	daos_recx_t      recx = {0, 0};
	daos_array_iod_t aiod = {0};

	(void)state;
	d_iov_set(&dkey, dk, 1);
	d_iov_set(&iov, buf, sizeof(buf));
	d_iov_set(&iod.iod_name, ak, 1);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_nr   = 1;
	iod.iod_size = 4;
	/* an oid never generated is not placeable */
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_S1, 0, 0), 0);
	assert_int_equal(daos_obj_open(coh, oid, 0, &oh, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RO | DAOS_OO_RW, &oh, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_open(bad, oid, DAOS_OO_RW, &oh, NULL), -DER_NO_HDL);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL), 0);
	assert_int_equal(daos_obj_open(coh, oid, DAOS_OO_RO, &roh, NULL), 0);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, NULL, 1, &iod, &sgl, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &empty, 1, &iod, &sgl, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 0, &iod, &sgl, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, NULL, &sgl, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, NULL, NULL),
			 -DER_INVAL); /* 4 bytes to write, no buffer */
	iod.iod_size = 64; /* more than the sgl holds */
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL),
			 -DER_INVAL);
	iod.iod_size = 4;
	iod.iod_type = 7;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL),
			 -DER_INVAL);
	iod.iod_type  = DAOS_IOD_ARRAY;
	iod.iod_recxs = &recx;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL),
			 -DER_INVAL); /* rx_nr 0 */
	iod.iod_type = DAOS_IOD_SINGLE;
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, DAOS_COND_DKEY_INSERT, &dkey, 1, &iod,
					 &sgl, NULL),
			 -DER_NOSYS);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 1u << 20, &dkey, 1, &iod, &sgl, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_update(roh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL),
			 -DER_NO_PERM);
	assert_int_equal(daos_obj_update(bad, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL),
			 -DER_NO_HDL);
	assert_int_equal(daos_obj_update(oh, bad, 0, &dkey, 1, &iod, &sgl, NULL), -DER_NO_HDL);
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 0, &iod, NULL, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_punch(roh, DAOS_TX_NONE, 0, NULL), -DER_NO_PERM);
	assert_int_equal(daos_obj_punch_dkeys(oh, DAOS_TX_NONE, 0, 0, &dkey, NULL), -DER_INVAL);
	assert_int_equal(daos_obj_punch_akeys(oh, DAOS_TX_NONE, 0, &dkey, 1, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, NULL, kds, &sgl, &anchor, NULL),
			 -DER_INVAL);
	nr = 0;
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL),
			 -DER_INVAL);
	nr = 4;
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_list_akey(oh, DAOS_TX_NONE, NULL, &nr, kds, &sgl, &anchor, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_list_recx(oh, DAOS_TX_NONE, &dkey, &dkey, &sz, &nr, NULL, NULL,
					    &anchor, false, NULL),
			 -DER_NOSYS);
	assert_int_equal(daos_obj_query_key(oh, DAOS_TX_NONE, DAOS_GET_DKEY, &dkey, NULL, NULL,
					    NULL),
			 -DER_INVAL); /* neither MAX nor MIN */
	assert_int_equal(daos_obj_query_key(oh, DAOS_TX_NONE,
					    DAOS_GET_MAX | DAOS_GET_MIN | DAOS_GET_DKEY, &dkey,
					    NULL, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_obj_query_key(oh, DAOS_TX_NONE, DAOS_GET_MIN | DAOS_GET_DKEY, &dkey,
					    NULL, NULL, NULL),
			 -DER_NOSYS);
	assert_int_equal(daos_obj_query_key(oh, DAOS_TX_NONE, DAOS_GET_MAX | DAOS_GET_RECX, &dkey,
					    NULL, &recx, NULL),
			 -DER_INVAL); /* akey needed as input */
	/* an EOF anchor lists nothing, asking nobody */
	daos_anchor_set_eof(&anchor);
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &sgl, &anchor, NULL), 0);
	assert_int_equal(nr, 0);
	/* KV */
	assert_int_equal(daos_kv_open(coh, oid, DAOS_OO_RW, &th, NULL), -DER_INVAL); /* not KV */
	assert_int_equal(daos_kv_put(oh, DAOS_TX_NONE, 0, "k", 1, buf, NULL), -DER_INVAL);
	assert_int_equal(daos_kv_put(bad, DAOS_TX_NONE, 0, "k", 1, buf, NULL), -DER_NO_HDL);
	assert_int_equal(daos_kv_put(bad, DAOS_TX_NONE, 0, NULL, 1, buf, NULL), -DER_INVAL);
	assert_int_equal(daos_kv_put(bad, DAOS_TX_NONE, 0, "", 1, buf, NULL), -DER_INVAL);
	assert_int_equal(daos_kv_put(bad, DAOS_TX_NONE, 0, "k", 1, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_kv_get(bad, DAOS_TX_NONE, 0, "k", NULL, buf, NULL), -DER_INVAL);
	assert_int_equal(daos_kv_remove(bad, DAOS_TX_NONE, 0, "k", NULL), -DER_NO_HDL);
	/* array */
	assert_int_equal(daos_array_create(coh, oid, DAOS_TX_NONE, 1, 16, &th, NULL), -DER_INVAL);
	assert_int_equal(daos_array_open_with_attr(coh, oid, DAOS_TX_NONE, DAOS_OO_RW, 0, 16, &th,
						   NULL),
			 -DER_INVAL);
	assert_int_equal(daos_array_read(bad, DAOS_TX_NONE, &aiod, &sgl, NULL), -DER_INVAL);
	assert_int_equal(daos_array_write(bad, DAOS_TX_NONE, &aiod, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_array_get_size(bad, DAOS_TX_NONE, NULL, NULL), -DER_INVAL);
	assert_int_equal(daos_array_get_size(bad, DAOS_TX_NONE, &sz, NULL), -DER_NO_HDL);
	assert_int_equal(daos_array_close(bad, NULL), -DER_NO_HDL);
	/* transactions and the OIT */
	assert_int_equal(daos_tx_open_snap(coh, 0, &th, NULL), -DER_INVAL);
	assert_int_equal(daos_tx_commit(bad, NULL), -DER_NO_HDL);
	assert_int_equal(daos_tx_hdl2epoch(bad, NULL), -DER_INVAL);
	assert_int_equal(daos_oit_open(coh, 0, &th, NULL), -DER_INVAL);
	assert_int_equal(daos_oit_list(bad, NULL, &nr, &anchor, NULL), -DER_INVAL);
	assert_int_equal(daos_oit_close(bad, NULL), -DER_NO_HDL);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_obj_close(oh, NULL), -DER_NO_HDL);
	assert_int_equal(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL),
			 -DER_NO_HDL);
	assert_int_equal(daos_obj_close(roh, NULL), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* DC11: object ids: type and class bits, X classes, defaults, refusals */
static void
dc11_oid_generate(void **state)
{
	daos_handle_t poh = mk_pool(DAOS_PC_RW), coh = mk_cont(poh, DAOS_COO_RW, NULL);
	daos_handle_t coh2 = mk_cont(poh, DAOS_COO_RW, "S2");
	daos_obj_id_t oid, keep;

	(void)state;
	oid.lo = 42;
	oid.hi = 7;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_KV_HASHED, OC_S1, 0, 0), 0);
	assert_int_equal(oid.lo, 42);
	assert_int_equal(oid.hi & OID_FMT_USER_MASK, 7);
	assert_int_equal(daos_obj_id2type(oid), DAOS_OT_KV_HASHED);
	assert_true(daos_is_kv(oid));
	assert_int_equal(daos_obj_id2class(oid), OC_S1);
	oid.hi = 0;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0), 0);
	assert_int_equal(pl_oid_grp_nr(oid), NR_TGTS); /* X: every target */
	assert_int_equal(daos_obj_id2class(oid), OBJ_CLASS_DEF(OR_RP_1, NR_TGTS));
	oid.hi = 0;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_ARRAY, OC_UNKNOWN, 0, 0), 0);
	assert_int_equal(pl_oid_grp_nr(oid), NR_TGTS); /* arrays default to SX */
	assert_true(daos_is_array(oid));
	oid.hi = 0;
	assert_int_equal(daos_obj_generate_oid(coh2, &oid, DAOS_OT_MULTI_HASHED, OC_UNKNOWN, 0, 0),
			 0);
	assert_int_equal(daos_obj_id2class(oid), OC_S2); /* the container's default class */
	keep = oid;
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_RP_2G1, 0, 0),
			 -DER_NOSYS);
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_EC_2P1GX, 0, 0),
			 -DER_NOSYS);
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_S8, 0, 0),
			 -DER_INVAL); /* more groups than targets */
	assert_int_equal(daos_obj_generate_oid(coh, &oid, (enum daos_otype_t)99, OC_S1, 0, 0),
			 -DER_INVAL);
	assert_int_equal(daos_obj_generate_oid(coh, NULL, DAOS_OT_KV_HASHED, OC_S1, 0, 0),
			 -DER_INVAL);
	assert_int_equal(daos_obj_generate_oid(DAOS_HDL_INVAL, &oid, DAOS_OT_KV_HASHED, OC_S1, 0,
					       0),
			 -DER_NO_HDL);
	assert_memory_equal(&oid, &keep, sizeof(oid)); /* untouched by refusals */
	assert_int_equal(daos_array_generate_oid(coh, &oid, false, OC_S1, 0, 0), 0);
	assert_int_equal(daos_obj_id2type(oid), DAOS_OT_ARRAY_ATTR);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_cont_close(coh2, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* DC12: class names: name2id, id2name, the list */
static void
dc12_oclass_names(void **state)
{
	static const char *names[] = {"S1", "S2", "SX", "RP_2GX", "EC_2P1GX", "RP_3G2", "EC_4P2G1"};
	char               name[MAX_OBJ_CLASS_NAME_LEN];
	char               list[4096];
	ssize_t            len;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int id = daos_oclass_name2id(names[i]);

		assert_int_not_equal(id, OC_UNKNOWN);
		assert_int_equal(daos_oclass_id2name((daos_oclass_id_t)id, name), 0);
		assert_string_equal(name, names[i]);
	}
	assert_int_equal(daos_oclass_name2id("S1"), OC_S1);
	assert_int_equal(daos_oclass_name2id("SX"), OC_SX);
	assert_int_equal(daos_oclass_name2id("s1"), OC_UNKNOWN);
	assert_int_equal(daos_oclass_name2id("bogus"), OC_UNKNOWN);
	assert_int_equal(daos_oclass_name2id(NULL), OC_UNKNOWN);
	assert_true(daos_oclass_nr(0) > 50);
	len = daos_oclass_names_list(sizeof(list), list);
	assert_true(len > 0 && (size_t)len < sizeof(list));
	assert_int_equal(strlen(list), (size_t)len);
	assert_non_null(strstr(list, "SX"));
	assert_int_equal(daos_oclass_names_list(4, NULL), -DER_INVAL);
	assert_int_equal(daos_oclass_names_list(0, NULL), len); /* size only */
}

/* DC13: array chunk math: pieces per chunk, buffer offsets, size from the last chunk */
static void
dc13_array_math(void **state)
{
	struct dc_array_piece p[8];
	uint64_t              nr = 8;

	(void)state;
	/* cells [5, 25) with 10-cell chunks of 4-byte cells, from buffer offset 100 */
	assert_int_equal(dc_array_split(5, 20, 10, 4, 100, p, &nr), 0);
	assert_int_equal(nr, 3);
	assert_int_equal(p[0].ap_chunk, 0);
	assert_int_equal(p[0].ap_idx, 5);
	assert_int_equal(p[0].ap_nr, 5);
	assert_int_equal(p[0].ap_buf_off, 100);
	assert_int_equal(p[1].ap_chunk, 1);
	assert_int_equal(p[1].ap_idx, 0);
	assert_int_equal(p[1].ap_nr, 10);
	assert_int_equal(p[1].ap_buf_off, 120);
	assert_int_equal(p[2].ap_chunk, 2);
	assert_int_equal(p[2].ap_nr, 5);
	assert_int_equal(p[2].ap_buf_off, 160);
	/* aligned: one piece */
	nr = 8;
	assert_int_equal(dc_array_split(10, 10, 10, 1, 0, p, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(p[0].ap_chunk, 1);
	/* count only, too small, bad input */
	assert_int_equal(dc_array_split(0, 1000, 10, 1, 0, NULL, &nr), 0);
	assert_int_equal(nr, 100);
	nr = 2;
	assert_int_equal(dc_array_split(0, 30, 10, 1, 0, p, &nr), -DER_TRUNC);
	assert_int_equal(dc_array_split(0, 30, 0, 1, 0, p, &nr), -DER_INVAL);
	assert_int_equal(dc_array_split(0, 0, 10, 1, 0, p, &nr), -DER_INVAL);
	assert_int_equal(dc_array_split(UINT64_MAX - 2, 10, 10, 1, 0, p, &nr), -DER_INVAL);
	assert_int_equal(dc_array_split(0, UINT64_MAX / 2, 10, 4, 0, p, &nr), -DER_INVAL);
	/* size: dkey 0 is metadata; chunk c is dkey c + 1 */
	assert_int_equal(dc_array_size_from(0, 0, 10), 0);
	assert_int_equal(dc_array_size_from(1, 7, 10), 7);
	assert_int_equal(dc_array_size_from(3, 10, 10), 30);
	assert_int_equal(dc_array_size_from(4, 1, 1 << 20), (3ull << 20) + 1);
}

/* DC14: pool handle sharing: size query, fill, -DER_TRUNC, a working handle from the blob */
static void
dc14_pool_l2g(void **state)
{
	daos_handle_t poh = mk_pool(DAOS_PC_RO), poh2, coh, coh2;
	d_iov_t       glob = {0}, cglob = {0};
	daos_obj_id_t oid = {.lo = 1};
	struct dc_pool *p;

	(void)state;
	assert_int_equal(daos_pool_local2global(poh, &glob), 0);
	assert_true(glob.iov_buf_len > DC_BLOB_HDR_SIZE);
	assert_null(glob.iov_buf);
	glob.iov_buf = malloc(glob.iov_buf_len);
	assert_non_null(glob.iov_buf);
	glob.iov_buf_len -= 1;
	assert_int_equal(daos_pool_local2global(poh, &glob), -DER_TRUNC);
	/* the size needed came back in iov_buf_len: the buffer holds it now */
	assert_int_equal(daos_pool_local2global(poh, &glob), 0);
	assert_int_equal(glob.iov_len, glob.iov_buf_len);
	assert_int_equal(daos_pool_global2local(glob, &poh2), 0);
	p = dc_pool_get(poh2);
	assert_non_null(p);
	assert_string_equal(p->dp_uuid_str, POOL_UUID);
	assert_string_equal(p->dp_label, POOL_LABEL);
	assert_int_equal(p->dp_flags, DAOS_PC_RO);
	assert_int_equal(p->dp_map->pm_nr_targets, NR_TGTS);
	assert_int_equal(p->dp_nr_addrs, NR_RANKS);
	assert_int_equal(p->dp_addrs[1].ra_port, 30010);
	dc_pool_put(p);
	/* container blobs ride on it */
	coh = mk_cont(poh, DAOS_COO_RO, "S2");
	assert_int_equal(daos_cont_local2global(coh, &cglob), 0);
	cglob.iov_buf = malloc(cglob.iov_buf_len);
	assert_non_null(cglob.iov_buf);
	assert_int_equal(daos_cont_local2global(coh, &cglob), 0);
	assert_int_equal(daos_cont_global2local(poh2, cglob, &coh2), 0);
	assert_int_equal(daos_obj_generate_oid(coh2, &oid, DAOS_OT_MULTI_HASHED, OC_UNKNOWN, 0, 0),
			 0);
	assert_int_equal(daos_obj_id2class(oid), OC_S2); /* props travelled */
	assert_int_equal(daos_pool_disconnect(poh2, NULL), -DER_BUSY);
	assert_int_equal(daos_cont_close(coh2, NULL), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh2, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
	free(glob.iov_buf);
	free(cglob.iov_buf);
}

/* DC15: a damaged pool blob is refused with a reason, whatever byte is damaged */
static void
dc15_pool_blob_bad(void **state)
{
	daos_handle_t   poh = mk_pool(DAOS_PC_RW), h;
	struct dc_pool *pool = dc_pool_get(poh), *out = NULL;
	size_t          len  = 0;
	uint8_t        *blob;
	char            err[256];
	d_iov_t         g;

	(void)state;
	assert_int_equal(dc_pool_blob_encode(pool, NULL, 0, &len), 0);
	blob = malloc(len + 8);
	assert_non_null(blob);
	assert_int_equal(dc_pool_blob_encode(pool, blob, len, NULL), 0);
	assert_int_equal(dc_pool_blob_decode(blob, len, &out, err, sizeof(err)), 0);
	dc_pool_put(out);
	assert_int_equal(dc_pool_blob_decode(blob, 8, &out, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "too short"));
	assert_int_equal(dc_pool_blob_decode(blob, len - 1, &out, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "length"));
	blob[0] ^= 1;
	assert_int_equal(dc_pool_blob_decode(blob, len, &out, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "not a pool handle blob"));
	blob[0] ^= 1;
	blob[4] = 9; /* version */
	assert_int_equal(dc_pool_blob_decode(blob, len, &out, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "version 9 is not supported"));
	blob[4] = DC_BLOB_VERSION;
	for (size_t i = DC_BLOB_HDR_SIZE; i < len; i++) {
		blob[i] ^= 0x41;
		assert_int_equal(dc_pool_blob_decode(blob, len, &out, err, sizeof(err)), -DER_INVAL);
		assert_non_null(strstr(err, "checksum"));
		blob[i] ^= 0x41;
	}
	/* a blob that checksums but lies inside: re-sealed after damage */
	{
		uint8_t *b2 = malloc(len + 4);

		assert_non_null(b2);
		memcpy(b2, blob, len);
		memset(b2 + len, 0, 4);
		dc_blob_seal(b2, len + 4, 0x48504344u);
		assert_int_equal(dc_pool_blob_decode(b2, len + 4, &out, err, sizeof(err)),
				 -DER_INVAL);
		assert_non_null(strstr(err, "after the end"));
		memcpy(b2, blob, len);
		d_put_le32(b2 + DC_BLOB_HDR_SIZE + 16, 0xffff); /* connect flags */
		dc_blob_seal(b2, len, 0x48504344u);
		assert_int_equal(dc_pool_blob_decode(b2, len, &out, err, sizeof(err)), -DER_INVAL);
		assert_non_null(strstr(err, "connect flags"));
		free(b2);
	}
	/* through the API */
	d_iov_set(&g, blob, len);
	blob[len / 2] ^= 0x10;
	assert_int_equal(daos_pool_global2local(g, &h), -DER_INVAL);
	g.iov_len = 0;
	assert_int_equal(daos_pool_global2local(g, &h), -DER_INVAL);
	free(blob);
	dc_pool_put(pool);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* DC16: a container blob of another pool, or damaged, is refused */
static void
dc16_cont_blob_bad(void **state)
{
	daos_handle_t   poh = mk_pool(DAOS_PC_RW), coh = mk_cont(poh, DAOS_COO_RW, NULL);
	struct dc_cont *cont = dc_cont_get(coh), *out = NULL;
	struct dc_pool *other;
	size_t          len = 0;
	uint8_t        *blob;
	char            err[256];

	(void)state;
	assert_int_equal(dc_cont_blob_encode(cont, NULL, 0, &len), 0);
	blob = malloc(len);
	assert_non_null(blob);
	assert_int_equal(dc_cont_blob_encode(cont, blob, len, NULL), 0);
	assert_int_equal(dc_cont_blob_decode(cont->dc_pool, blob, len, &out, err, sizeof(err)), 0);
	assert_string_equal(out->dc_uuid_str, CONT_UUID);
	dc_cont_put(out);
	assert_int_equal(dc_pool_alloc(&other), 0);
	uuid_generate(other->dp_uuid);
	assert_int_equal(dc_cont_blob_decode(other, blob, len, &out, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "another pool"));
	dc_pool_put(other);
	blob[len - 1] ^= 1;
	assert_int_equal(dc_cont_blob_decode(cont->dc_pool, blob, len, &out, err, sizeof(err)),
			 -DER_INVAL);
	assert_int_equal(dc_pool_blob_decode(blob, len, (struct dc_pool **)&out, err, sizeof(err)),
			 -DER_INVAL); /* not a pool blob */
	free(blob);
	dc_cont_put(cont);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* DC17: property lists and container property texts, defaults for every type */
static void
dc17_props(void **state)
{
	daos_prop_t            *a = daos_prop_alloc(2), *b = daos_prop_alloc(1), *m, *d, *s = NULL;
	struct daos_prop_entry *e;
	struct dc_prop_text     pt[2];
	struct dc_cont_md       md = {.cm_label = "lab", .cm_type = "POSIX", .cm_owner = "u@",
				      .cm_group = "g@", .cm_next_oid = 10, .cm_map_version = 4,
				      .cm_nr_props = 2, .cm_props = pt};
	char                    name[DC_PROP_NAME_MAX], value[DC_PROP_VALUE_MAX], err[128];
	struct daos_co_status   st;

	(void)state;
	assert_null(daos_prop_alloc(DAOS_PROP_ENTRIES_MAX_NR + 1));
	a->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_prop_set_str(a, DAOS_PROP_CO_LABEL, "first", 5), 0);
	a->dpp_entries[1].dpe_type = DAOS_PROP_CO_CSUM;
	a->dpp_entries[1].dpe_val  = DAOS_PROP_CO_CSUM_CRC32;
	b->dpp_entries[0].dpe_type = DAOS_PROP_CO_LABEL;
	assert_int_equal(daos_prop_set_str(b, DAOS_PROP_CO_LABEL, "second", 100), 0);
	assert_int_equal(daos_prop_set_str(b, DAOS_PROP_CO_CSUM, "x", 1), -DER_INVAL); /* absent */
	m = daos_prop_merge(a, b);
	assert_non_null(m);
	assert_int_equal(m->dpp_nr, 2);
	assert_string_equal(daos_prop_entry_get(m, DAOS_PROP_CO_LABEL)->dpe_str, "second");
	assert_int_equal(daos_prop_entry_get(m, DAOS_PROP_CO_CSUM)->dpe_val,
			 DAOS_PROP_CO_CSUM_CRC32);
	d = daos_prop_dup(m, false, false);
	assert_non_null(d);
	assert_ptr_not_equal(daos_prop_entry_get(d, DAOS_PROP_CO_LABEL)->dpe_str,
			     daos_prop_entry_get(m, DAOS_PROP_CO_LABEL)->dpe_str);
	assert_null(daos_prop_entry_get(d, DAOS_PROP_CO_ACL));
	assert_int_equal(daos_prop_merge2(NULL, b, &m), -DER_INVAL);
	/* texts: to the MS and back */
	e = daos_prop_entry_get(a, DAOS_PROP_CO_CSUM);
	assert_int_equal(dc_co_prop_to_text(e, name, value, err, sizeof(err)), 0);
	assert_string_equal(name, "cksum");
	assert_string_equal(value, "crc32");
	e->dpe_val = 99;
	assert_int_equal(dc_co_prop_to_text(e, name, value, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "cksum"));
	assert_int_equal(daos_prop_set_str(a, DAOS_PROP_CO_LABEL, "bad label", 9), 0);
	assert_int_equal(dc_co_prop_to_text(&a->dpp_entries[0], name, value, err, sizeof(err)),
			 -DER_INVAL);
	/* every container type gets a value from a query */
	snprintf(pt[0].pt_name, sizeof(pt[0].pt_name), "cksum");
	snprintf(pt[0].pt_value, sizeof(pt[0].pt_value), "sha256");
	snprintf(pt[1].pt_name, sizeof(pt[1].pt_name), "rd_fac");
	snprintf(pt[1].pt_value, sizeof(pt[1].pt_value), "bogus");
	for (uint32_t t = DAOS_PROP_CO_MIN + 1; t < DAOS_PROP_CO_MAX; t++) {
		struct daos_prop_entry en = {.dpe_type = t};

		assert_int_equal(dc_co_prop_fill(&en, &md), 0);
		switch (t) {
		case DAOS_PROP_CO_LABEL:
			assert_string_equal(en.dpe_str, "lab");
			break;
		case DAOS_PROP_CO_LAYOUT_TYPE:
			assert_int_equal(en.dpe_val, DAOS_PROP_CO_LAYOUT_POSIX);
			break;
		case DAOS_PROP_CO_CSUM:
			assert_int_equal(en.dpe_val, DAOS_PROP_CO_CSUM_SHA256);
			break;
		case DAOS_PROP_CO_REDUN_FAC:
			assert_int_equal(en.dpe_val, 0); /* bad text: the default */
			break;
		case DAOS_PROP_CO_STATUS:
			daos_prop_val_2_co_status(en.dpe_val, &st);
			assert_int_equal(st.dcs_status, DAOS_PROP_CO_HEALTHY);
			assert_int_equal(st.dcs_pm_ver, 4);
			break;
		case DAOS_PROP_CO_ALLOCED_OID:
			assert_int_equal(en.dpe_val, 9);
			break;
		case DAOS_PROP_CO_OWNER:
			assert_string_equal(en.dpe_str, "u@");
			break;
		case DAOS_PROP_CO_ACL:
			assert_int_equal(daos_acl_cont_validate(en.dpe_val_ptr), 0);
			break;
		case DAOS_PROP_CO_ROOTS:
			assert_non_null(en.dpe_val_ptr);
			break;
		case DAOS_PROP_CO_CSUM_CHUNK_SIZE:
			assert_int_equal(en.dpe_val, 32768);
			break;
		default:
			break;
		}
		dc_prop_entry_clear(&en);
	}
	{
		struct daos_prop_entry en = {.dpe_type = DAOS_PROP_PO_LABEL};

		assert_int_equal(dc_co_prop_fill(&en, &md), -DER_INVAL);
	}
	/* daos_prop_from_str */
	assert_int_equal(daos_prop_from_str("label:abc;cksum:crc64;rf:2", 100, &s), 0);
	assert_int_equal(s->dpp_nr, 3);
	assert_int_equal(daos_prop_entry_get(s, DAOS_PROP_CO_REDUN_FAC)->dpe_val, 2);
	daos_prop_free(s);
	assert_int_equal(daos_prop_from_str("nosuch:1", 8, &s), -DER_INVAL);
	assert_int_equal(daos_prop_from_str("cksum:md5", 9, &s), -DER_INVAL);
	assert_int_equal(daos_prop_from_str("cksum", 5, &s), -DER_INVAL);
	assert_int_equal(daos_prop_from_str("", 0, &s), -DER_INVAL);
	daos_prop_free(a);
	daos_prop_free(b);
	daos_prop_free(m);
	daos_prop_free(d);
	daos_prop_free(NULL);
}

/* DC18: ACLs: strings both ways, every class of bad ACE, add/remove/find, order */
static void
dc18_acl(void **state)
{
	const char      *good[] = {"A::OWNER@:rwdtTaAo", "A::alice@:rw", "A:G:GROUP@:rwtT",
				   "A:G:staff@:r", "AU:S:EVERYONE@:r"};
	const char      *bad[]  = {"", "A:OWNER@:rw", "X::OWNER@:rw", "A:Q:OWNER@:rw",
				   "A::OWNER@:rwz", "A::GROUP@:rw", "A:G:OWNER@:rw", "A::alice:rw",
				   "A::@x:rw", "AA::OWNER@:r", "A::OWNER@:rr", "A:S:OWNER@:r",
				   "A::a@b@c:r"};
	struct daos_acl *acl = NULL, *acl2;
	struct daos_ace *ace;
	char           **strs = NULL;
	size_t           nr   = 0;
	char            *text;

	(void)state;
	assert_int_equal(daos_acl_from_strs(good, 5, &acl), 0);
	assert_int_equal(daos_acl_validate(acl), 0);
	assert_int_equal(daos_acl_cont_validate(acl), 0);
	assert_int_equal(daos_acl_to_strs(acl, &strs, &nr), 0);
	assert_int_equal(nr, 5);
	/* canonical order: owner, users, owner group, groups, everyone */
	assert_string_equal(strs[0], "A::OWNER@:rwdtTaAo");
	assert_string_equal(strs[1], "A::alice@:rw");
	assert_string_equal(strs[2], "A:G:GROUP@:rwtT");
	assert_string_equal(strs[3], "A:G:staff@:r");
	assert_string_equal(strs[4], "AU:S:EVERYONE@:r");
	for (size_t i = 0; i < nr; i++)
		free(strs[i]);
	free(strs);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ace = NULL;
		if (daos_ace_from_str(bad[i], &ace) != -DER_INVAL)
			print_message("ACE '%s' was accepted\n", bad[i]);
		assert_null(ace);
	}
	/* a principal twice */
	{
		const char *dup[] = {"A::alice@:r", "A::alice@:w"};

		assert_int_equal(daos_acl_from_strs(dup, 2, &acl2), -DER_INVAL);
	}
	assert_int_equal(daos_acl_get_ace_for_principal(acl, DAOS_ACL_USER, "alice@", &ace), 0);
	assert_int_equal(ace->dae_allow_perms, DAOS_ACL_PERM_READ | DAOS_ACL_PERM_WRITE);
	assert_int_equal(daos_acl_get_ace_for_principal(acl, DAOS_ACL_USER, "bob@", &ace),
			 -DER_NONEXIST);
	assert_int_equal(daos_ace_from_str("A::bob@:r", &ace), 0);
	assert_int_equal(daos_acl_add_ace(&acl, ace), 0);
	daos_ace_free(ace);
	assert_int_equal(daos_acl_validate(acl), 0);
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_USER, "alice@"), 0);
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_USER, "alice@"), -DER_NONEXIST);
	assert_int_equal(daos_acl_remove_ace(&acl, DAOS_ACL_EVERYONE, NULL), 0);
	text = dc_acl_to_text(acl);
	assert_non_null(text);
	assert_string_equal(text, "A::OWNER@:rwdtTaAo,A::bob@:r,A:G:GROUP@:rwtT,A:G:staff@:r");
	assert_int_equal(dc_acl_from_text(text, &acl2), 0);
	assert_int_equal(daos_acl_get_size(acl2), daos_acl_get_size(acl));
	assert_memory_equal(acl2, acl, (size_t)daos_acl_get_size(acl));
	free(text);
	daos_acl_free(acl2);
	/* a damaged ACL fails validation */
	acl->dal_ver = 2;
	assert_int_equal(daos_acl_validate(acl), -DER_INVAL);
	acl->dal_ver = DAOS_ACL_VERSION;
	acl->dal_len += 8;
	assert_int_equal(daos_acl_validate(acl), -DER_INVAL);
	acl->dal_len -= 8;
	/* pool permissions only for pools */
	assert_int_equal(daos_ace_from_str("A::carol@:c", &ace), 0);
	assert_int_equal(daos_acl_add_ace(&acl, ace), 0);
	daos_ace_free(ace);
	assert_int_equal(daos_acl_cont_validate(acl), -DER_INVAL);
	daos_acl_free(acl);
	acl = dc_acl_default_cont();
	assert_non_null(acl);
	assert_int_equal(daos_acl_cont_validate(acl), 0);
	daos_acl_free(acl);
	assert_true(daos_acl_principal_is_valid("user@"));
	assert_true(daos_acl_principal_is_valid("user@domain.com"));
	assert_false(daos_acl_principal_is_valid("@domain"));
	assert_false(daos_acl_principal_is_valid("user"));
	assert_false(daos_acl_principal_is_valid(NULL));
}

/* DC19: base64 and fabric URIs: good forms and every refusal */
static void
dc19_b64_uri(void **state)
{
	const char *bad64[] = {"a", "ab=c", "a===", "abc!", "ab==a===", "QQ=A", "QR=="};
	uint8_t    *out;
	size_t      len;
	char        ip[DC_IP_MAX], err[160];
	uint16_t    port;
	char       *e;

	(void)state;
	e = dc_base64_encode("hello!!", 7);
	assert_string_equal(e, "aGVsbG8hIQ==");
	assert_int_equal(dc_base64_decode(e, 100, &out, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(out, "hello!!", 7);
	free(out);
	assert_int_equal(dc_base64_decode(e, 6, &out, &len), -DER_OVERFLOW);
	free(e);
	assert_int_equal(dc_base64_decode("", 10, &out, &len), 0);
	assert_int_equal(len, 0);
	free(out);
	for (size_t i = 0; i < sizeof(bad64) / sizeof(bad64[0]); i++)
		assert_int_equal(dc_base64_decode(bad64[i], 100, &out, &len), -DER_INVAL);
	assert_int_equal(dc_uri_parse("ofi+tcp://10.0.0.1:20000", ip, &port, err, sizeof(err)), 0);
	assert_string_equal(ip, "10.0.0.1");
	assert_int_equal(port, 20000);
	assert_int_equal(dc_uri_parse("ofi+tcp://[::1]:31416", ip, &port, err, sizeof(err)), 0);
	assert_string_equal(ip, "::1");
	assert_int_equal(dc_uri_parse("10.0.0.1:2000", ip, &port, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "is not <provider>://<ip>:<port>"));
	assert_int_equal(dc_uri_parse("tcp://10.0.0.1", ip, &port, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "has no port"));
	assert_int_equal(dc_uri_parse("tcp://h:0", ip, &port, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "1..65535"));
	assert_int_equal(dc_uri_parse("tcp://h:70000", ip, &port, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(dc_uri_parse("tcp://h:12ab", ip, &port, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(dc_uri_parse("tcp://:12", ip, &port, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(dc_uri_parse(NULL, ip, &port, err, sizeof(err)), -DER_INVAL);
}

/* DC26: pool_connect and attach info replies are untrusted: each malformed field is refused */
static void
dc26_connect_reply_bad(void **state)
{
	struct pl_rank_desc descs[1] = {{0, "h0", 2}};
	struct pl_pool_map *map;
	struct dc_pool     *pool = NULL;
	struct dc_attach   *att  = NULL;
	size_t              len;
	void               *buf;
	char               *b64, err[256];
	json_t             *rep;
	const char         *uuid = POOL_UUID;
	struct {
		const char *key;
		json_t     *val;
		const char *msg;
	} bad[6];

	(void)state;
	assert_int_equal(pl_map_create(descs, 1, &map, NULL, 0), 0);
	len = pl_map_encoded_size(map);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(pl_map_encode(map, buf, len, NULL), 0);
	b64 = dc_base64_encode(buf, len);
	rep = json_pack("{s:s, s:s, s:i, s:s, s:[{s:i, s:s}], s:{s:s, s:[i, i]}}", "uuid", uuid,
			"label", "p", "map_version", 1, "map", b64, "ranks", "rank", 0, "uri",
			"ofi+tcp://127.0.0.1:20000", "props", "owner", "me@", "svc_list", 0, 1);
	assert_non_null(rep);
	assert_int_equal(dc_pool_from_connect(rep, DAOS_PC_RW, NULL, &pool, err, sizeof(err)), 0);
	assert_int_equal(pool->dp_nr_addrs, 1);
	assert_int_equal(pool->dp_addrs[0].ra_port, 20000);
	assert_string_equal(dc_pool_prop(pool, "owner"), "me@");
	assert_string_equal(dc_pool_prop(pool, "svc_list"), "[0,1]");
	dc_pool_put(pool);
	bad[0].key = "uuid", bad[0].val = json_string("not-a-uuid"), bad[0].msg = "uuid";
	bad[1].key = "map", bad[1].val = json_string("!!!!"), bad[1].msg = "base64";
	bad[2].key = "map", bad[2].val = json_string("AAAA"), bad[2].msg = "bad pool map";
	bad[3].key = "ranks", bad[3].val = json_pack("[{s:s}]", "uri", "x"),
	bad[3].msg = "no valid \"rank\"";
	bad[4].key = "ranks", bad[4].val = json_pack("[{s:i, s:s}]", "rank", 0, "uri", "nonsense"),
	bad[4].msg = "rank 0";
	bad[5].key = "props", bad[5].val = json_string("x"), bad[5].msg = "props";
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *r = json_deep_copy(rep);

		assert_int_equal(json_object_set_new(r, bad[i].key, bad[i].val), 0);
		err[0] = '\0';
		assert_int_equal(dc_pool_from_connect(r, DAOS_PC_RW, NULL, &pool, err, sizeof(err)),
				 -DER_PROTO);
		if (strstr(err, bad[i].msg) == NULL)
			print_message("case %zu: '%s' lacks '%s'\n", i, err, bad[i].msg);
		assert_non_null(strstr(err, bad[i].msg));
		json_decref(r);
	}
	json_object_del(rep, "map");
	assert_int_equal(dc_pool_from_connect(rep, DAOS_PC_RW, NULL, &pool, err, sizeof(err)),
			 -DER_PROTO);
	assert_non_null(strstr(err, "missing \"map\""));
	json_decref(rep);
	/* attach info */
	rep = json_pack("{s:s, s:[{s:i, s:s}]}", "sys_name", "daos_server", "ranks", "rank", 2,
			"uri", "ofi+tcp://h:1");
	assert_int_equal(dc_attach_parse(rep, &att, err, sizeof(err)), 0);
	assert_int_equal(att->da_nr_ranks, 1);
	assert_int_equal(att->da_ranks[0].ar_rank, 2);
	dc_attach_free(att);
	json_object_set_new(rep, "ranks", json_string("x"));
	assert_int_equal(dc_attach_parse(rep, &att, err, sizeof(err)), -DER_PROTO);
	assert_non_null(strstr(err, "\"ranks\""));
	json_object_del(rep, "sys_name");
	assert_int_equal(dc_attach_parse(rep, &att, err, sizeof(err)), -DER_PROTO);
	assert_non_null(strstr(err, "sys_name"));
	json_decref(rep);
	free(b64);
	free(buf);
	pl_map_free(map);
}

/* DC20: no agent: -DER_AGENT_COMM, and the message names the socket path */
static void
dc20_no_agent(void **state)
{
	daos_handle_t     poh;
	struct dc_attach *a = NULL;
	char              dir[] = "/tmp/dc_noagent_XXXXXX", err[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(daos_fini(), 0);
	setenv("DAOS_AGENT_DRPC_DIR", dir, 1);
	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, DAOS_PC_RW, &poh, NULL, NULL),
			 -DER_AGENT_COMM);
	assert_int_equal(dc_attach_get(NULL, true, &a, err, sizeof(err)), -DER_AGENT_COMM);
	assert_non_null(strstr(err, dir));
	assert_non_null(strstr(err, "daos_agent.sock"));
	unsetenv("DAOS_AGENT_DRPC_DIR");
	rmdir(dir);
}

/* DC21: through the fake agent: attach info, connect by label/UUID, query, containers */
static void
dc21_agent_metadata(void **state)
{
	daos_handle_t              poh, coh, coh2;
	daos_pool_info_t           info = {.pi_bits = DPI_SPACE | DPI_REBUILD_STATUS};
	daos_cont_info_t           ci;
	struct daos_pool_cont_info conts[2];
	daos_size_t                nc = 1;
	d_rank_list_t             *ranks = NULL;
	daos_prop_t               *prop;
	struct daos_sys_info      *si = NULL;
	daos_epoch_t               epochs[4];
	daos_anchor_t              anchor = DAOS_ANCHOR_INIT;
	int                        nr = 1;
	const char                *names[] = {"k1", "k2"};
	const void                *vals[]  = {"v1", "value2"};
	size_t                     sizes[] = {2, 6}, gsz[2];
	char                       b0[8], b1[8], list[64];
	void                      *bufs[] = {b0, b1};
	size_t                     lsz = sizeof(list);
	uuid_t                     u;
	uint64_t                   first;

	(void)state;
	ft_start(1);
	fa_start();
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_mgmt_get_sys_info(NULL, &si), 0);
	assert_string_equal(si->dsi_system_name, "daos_server");
	assert_int_equal(si->dsi_nr_ranks, NR_RANKS);
	daos_mgmt_put_sys_info(si);
	assert_int_equal(daos_pool_connect("nopool", NULL, DAOS_PC_RW, &poh, NULL, NULL),
			 -DER_NONEXIST);
	assert_int_equal(daos_pool_connect(POOL_LABEL, "other", DAOS_PC_RW, &poh, NULL, NULL),
			 -DER_INVAL);
	assert_int_equal(daos_pool_connect(POOL_UUID, "daos_server", DAOS_PC_RW, &poh, &info, NULL),
			 0);
	assert_int_equal(info.pi_ntargets, NR_TGTS);
	assert_int_equal(info.pi_space.ps_space.s_total[DAOS_MEDIA_SCM], 4000);
	assert_int_equal(info.pi_space.ps_space.s_free[DAOS_MEDIA_NVME], 30000);
	assert_int_equal(info.pi_space.ps_free_min[DAOS_MEDIA_SCM], 700);
	assert_int_equal(info.pi_rebuild_st.rs_state, DRS_NOT_STARTED);
	assert_int_equal(daos_pool_query(poh, &ranks, NULL, NULL, NULL), 0);
	assert_int_equal(ranks->rl_nr, NR_RANKS);
	d_rank_list_free(ranks);
	prop = daos_prop_alloc(2);
	prop->dpp_entries[0].dpe_type = DAOS_PROP_PO_LABEL;
	prop->dpp_entries[1].dpe_type = DAOS_PROP_PO_OWNER;
	assert_int_equal(daos_pool_query(poh, NULL, NULL, prop, NULL), 0);
	assert_string_equal(prop->dpp_entries[0].dpe_str, POOL_LABEL);
	assert_string_equal(prop->dpp_entries[1].dpe_str, "tester@");
	daos_prop_free(prop);
	assert_int_equal(daos_pool_list_cont(poh, &nc, NULL, NULL), 0);
	assert_int_equal(nc, 1);
	nc = 0;
	assert_int_equal(daos_pool_list_cont(poh, &nc, conts, NULL), -DER_TRUNC);
	assert_int_equal(nc, 1);
	assert_int_equal(daos_pool_list_cont(poh, &nc, conts, NULL), 0);
	assert_string_equal(conts[0].pci_label, CONT_LABEL);
	/* containers */
	assert_int_equal(daos_cont_open(poh, "nocont", DAOS_COO_RW, &coh, NULL, NULL),
			 -DER_NONEXIST);
	assert_int_equal(daos_cont_create_with_label(poh, "newc", NULL, &u, NULL), 0);
	assert_int_equal(daos_cont_open(poh, CONT_LABEL, DAOS_COO_RW, &coh, &ci, NULL), 0);
	assert_int_equal(ci.ci_nsnapshots, 2);
	assert_int_equal(ci.ci_lsnapshot, 200);
	prop = daos_prop_alloc(0);
	assert_int_equal(daos_cont_query(coh, NULL, prop, NULL), 0); /* every property */
	assert_int_equal(prop->dpp_nr, DAOS_PROP_CO_NUM);
	assert_string_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_LABEL)->dpe_str, CONT_LABEL);
	assert_string_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_OWNER)->dpe_str, "tester@");
	assert_int_equal(daos_prop_entry_get(prop, DAOS_PROP_CO_ALLOCED_OID)->dpe_val, 41);
	daos_prop_free(prop);
	assert_int_equal(daos_cont_get_acl(coh, &prop, NULL), 0);
	assert_non_null(daos_prop_entry_get(prop, DAOS_PROP_CO_ACL)->dpe_val_ptr);
	daos_prop_free(prop);
	assert_int_equal(daos_cont_alloc_oids(coh, 10, &first, NULL), 0);
	assert_int_equal(first, 1000);
	/* metadata calls complete their event too */
	{
		daos_handle_t eqh;
		daos_event_t  ev, *done[2];

		first = 0;
		assert_int_equal(daos_eq_create(&eqh), 0);
		assert_int_equal(daos_event_init(&ev, eqh, NULL), 0);
		assert_int_equal(daos_cont_alloc_oids(coh, 10, &first, &ev), 0);
		assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 2, done), 1);
		assert_ptr_equal(done[0], &ev);
		assert_int_equal(ev.ev_error, 0);
		assert_int_equal(first, 1000);
		assert_int_equal(daos_cont_open(poh, "nocont", DAOS_COO_RW, &coh2, NULL, &ev), 0);
		assert_int_equal(daos_eq_poll(eqh, 1, DAOS_EQ_WAIT, 2, done), 1);
		assert_int_equal(ev.ev_error, -DER_NONEXIST);
		assert_int_equal(daos_event_fini(&ev), 0);
		assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	}
	/* snapshots, sorted, with an anchor */
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, NULL, &anchor, NULL), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(epochs[0], 100);
	assert_false(daos_anchor_is_eof(&anchor));
	assert_int_equal(daos_cont_list_snap(coh, &nr, epochs, NULL, &anchor, NULL), 0);
	assert_int_equal(epochs[0], 200);
	assert_true(daos_anchor_is_eof(&anchor));
	/* attributes round trip (base64 on the way) */
	assert_int_equal(daos_cont_set_attr(coh, 2, names, vals, sizes, NULL), 0);
	gsz[0] = gsz[1] = 8;
	assert_int_equal(daos_cont_get_attr(coh, 2, names, bufs, gsz, NULL), 0);
	assert_int_equal(gsz[1], 6);
	assert_memory_equal(b1, "value2", 6);
	assert_int_equal(daos_cont_list_attr(coh, list, &lsz, NULL), 0);
	assert_int_equal(lsz, 6);
	assert_int_equal(daos_cont_del_attr(coh, 1, names, NULL), 0);
	assert_int_equal(daos_cont_del_attr(coh, 1, names, NULL), -DER_NONEXIST);
	assert_int_equal(daos_cont_get_attr(coh, 1, names, NULL, gsz, NULL), -DER_NONEXIST);
	/* a read-only handle cannot change anything */
	assert_int_equal(daos_cont_open(poh, CONT_UUID, DAOS_COO_RO, &coh2, NULL, NULL), 0);
	assert_int_equal(daos_cont_set_attr(coh2, 1, names, vals, sizes, NULL), -DER_NO_PERM);
	assert_int_equal(daos_cont_close(coh2, NULL), 0);
	/* a snapshot transaction needs an existing snapshot */
	{
		daos_handle_t th;
		daos_epoch_t  e;

		assert_int_equal(daos_tx_open_snap(coh, 150, &th, NULL), -DER_NONEXIST);
		assert_int_equal(daos_tx_open_snap(coh, 200, &th, NULL), 0);
		assert_int_equal(daos_tx_hdl2epoch(th, &e), 0);
		assert_int_equal(e, 200);
		assert_int_equal(daos_tx_close(th, NULL), 0);
		assert_int_equal(daos_oit_open(coh, 150, &th, NULL), -DER_NONEXIST);
	}
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* Open a connected pool's container and an object of class cid. */
static void
io_setup(daos_handle_t *poh, daos_handle_t *coh, daos_handle_t *oh, daos_oclass_id_t cid,
	 daos_obj_id_t *oid)
{
	assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, DAOS_PC_RW, poh, NULL, NULL), 0);
	assert_int_equal(daos_cont_open(*poh, CONT_LABEL, DAOS_COO_RW, coh, NULL, NULL), 0);
	oid->lo = 77;
	oid->hi = 0;
	assert_int_equal(daos_obj_generate_oid(*coh, oid, DAOS_OT_MULTI_HASHED, cid, 0, 0), 0);
	assert_int_equal(daos_obj_open(*coh, *oid, DAOS_OO_RW, oh, NULL), 0);
}

static int
io_put(daos_handle_t oh, const char *dkey, const char *akey, const void *val, size_t len,
       daos_event_t *ev, daos_key_t *dk, daos_iod_t *iod, d_sg_list_t *sgl, d_iov_t *iov)
{
	d_iov_set(dk, (void *)dkey, strlen(dkey));
	memset(iod, 0, sizeof(*iod));
	d_iov_set(&iod->iod_name, (void *)akey, strlen(akey));
	iod->iod_type = DAOS_IOD_SINGLE;
	iod->iod_nr   = 1;
	iod->iod_size = len;
	d_iov_set(iov, (void *)val, len);
	sgl->sg_nr   = 1;
	sgl->sg_iovs = iov;
	return daos_obj_update(oh, DAOS_TX_NONE, 0, dk, 1, iod, sgl, ev);
}

/* DC22: object I/O on fake targets: blocking and EQ, size query, REC2BIG, SX spread, list */
static void
dc22_io_fake_targets(void **state)
{
	daos_handle_t   poh, coh, oh, eqh;
	daos_obj_id_t   oid;
	daos_key_t      dk[16];
	daos_iod_t      iod[16];
	d_sg_list_t     sgl[16];
	d_iov_t         iov[16];
	daos_event_t    evs[16], *done[16];
	char            keys[16][8], val[32], out[32];
	int             got = 0, busy = 0;
	daos_key_desc_t kds[4];
	char            kbuf[64];
	d_iov_t         kiov;
	d_sg_list_t     ksgl = {.sg_nr = 1, .sg_iovs = &kiov};
	daos_anchor_t   anchor = DAOS_ANCHOR_INIT;
	uint32_t        nr, total = 0;
	uint64_t        t0;

	(void)state;
	ft_start(1);
	fa_start();
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_init(), 0);
	io_setup(&poh, &coh, &oh, OC_SX, &oid);
	/* blocking */
	assert_int_equal(io_put(oh, "dkey0", "a", "hello", 5, NULL, &dk[0], &iod[0], &sgl[0],
				&iov[0]),
			 0);
	iod[0].iod_size = DAOS_REC_ANY;
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk[0], 1, &iod[0], NULL, NULL, NULL),
			 0);
	assert_int_equal(iod[0].iod_size, 5);
	d_iov_set(&iov[0], out, 3);
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk[0], 1, &iod[0], &sgl[0], NULL,
					NULL),
			 -DER_REC2BIG);
	assert_int_equal(iod[0].iod_size, 5);
	d_iov_set(&iov[0], out, sizeof(out));
	assert_int_equal(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dk[0], 1, &iod[0], &sgl[0], NULL,
					NULL),
			 0);
	assert_int_equal(iov[0].iov_len, 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(sgl[0].sg_nr_out, 1);
	/* asynchronous: 16 dkeys through an event queue */
	assert_int_equal(daos_eq_create(&eqh), 0);
	for (int i = 0; i < 16; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%02d", i);
		snprintf(val, sizeof(val), "value-%02d", i);
		assert_int_equal(daos_event_init(&evs[i], eqh, NULL), 0);
		assert_int_equal(io_put(oh, keys[i], "a", strdup(val), strlen(val), &evs[i], &dk[i],
					&iod[i], &sgl[i], &iov[i]),
				 0);
	}
	t0 = now_ms();
	while (got < 16 && now_ms() - t0 < WAIT_MS) {
		int n = daos_eq_poll(eqh, 1, 100 * 1000, 16, done);

		assert_true(n >= 0);
		for (int k = 0; k < n; k++)
			assert_int_equal(done[k]->ev_error, 0);
		got += n;
	}
	assert_int_equal(got, 16);
	for (int i = 0; i < 16; i++) {
		free(iov[i].iov_buf);
		assert_int_equal(daos_event_fini(&evs[i]), 0);
	}
	/* SX: every target got requests */
	for (int t = 0; t < NR_TGTS; t++) {
		if (atomic_load(&fts.tgts[t].ft_reqs) == 0)
			busy++;
	}
	assert_int_equal(busy, 0);
	/* enumeration across the shards: every dkey exactly once */
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 4;
		d_iov_set(&kiov, kbuf, sizeof(kbuf));
		assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &ksgl, &anchor, NULL),
				 0);
		total += nr;
		assert_true(total <= 17);
	}
	assert_int_equal(total, 17);
	/* a first key larger than the buffer: -DER_KEY2BIG is the fake's business; punch works */
	assert_int_equal(daos_obj_punch(oh, DAOS_TX_NONE, 0, NULL), 0);
	memset(&anchor, 0, sizeof(anchor));
	nr = 4;
	d_iov_set(&kiov, kbuf, sizeof(kbuf));
	assert_int_equal(daos_obj_list_dkey(oh, DAOS_TX_NONE, &nr, kds, &ksgl, &anchor, NULL), 0);
	assert_int_equal(nr, 0);
	assert_true(daos_anchor_is_eof(&anchor));
	assert_int_equal(daos_eq_destroy(eqh, 0), 0);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* DC23: -DER_STALE from a target: one map refresh through the agent, then success */
static void
dc23_stale_refresh(void **state)
{
	daos_handle_t poh, coh, oh;
	daos_obj_id_t oid;
	daos_key_t    dk;
	daos_iod_t    iod;
	d_sg_list_t   sgl;
	d_iov_t       iov;
	int           before;

	(void)state;
	ft_start(1);
	fa_start();
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_init(), 0);
	io_setup(&poh, &coh, &oh, OC_S1, &oid);
	assert_int_equal(io_put(oh, "d", "a", "x", 1, NULL, &dk, &iod, &sgl, &iov), 0);
	/* the pool map moves on: targets and the agent know version 2, the client 1 */
	atomic_store(&fa.map_ver, 2);
	for (int t = 0; t < NR_TGTS; t++)
		atomic_store(&fts.tgts[t].ft_map_ver, 2);
	before = atomic_load(&fa.connects);
	assert_int_equal(io_put(oh, "d", "a", "y", 1, NULL, &dk, &iod, &sgl, &iov), 0);
	assert_int_equal(atomic_load(&fa.connects), before + 1);
	{
		struct dc_obj *obj = dc_obj_get(oh);

		assert_non_null(obj);
		assert_int_equal(dc_pool_map_version(obj->do_cont->dc_pool), 2);
		dc_obj_put(obj);
	}
	/* a map the agent cannot bring up to date: bounded retries, then -DER_STALE */
	for (int t = 0; t < NR_TGTS; t++)
		atomic_store(&fts.tgts[t].ft_map_ver, 9);
	assert_int_equal(io_put(oh, "d", "a", "z", 1, NULL, &dk, &iod, &sgl, &iov), -DER_STALE);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* DC24: an unreachable rank: bounded retries, -DER_UNREACH; the agent not answering times out */
static void
dc24_unreach_and_timeout(void **state)
{
	daos_handle_t poh, coh, oh;
	daos_obj_id_t oid;
	daos_key_t    dk;
	daos_iod_t    iod;
	d_sg_list_t   sgl;
	d_iov_t       iov;
	int           fails = 0;
	uint64_t      t0;
	char          d[8];

	(void)state;
	ft_start(1);
	fa_start();
	atomic_store(&fa.bad_rank_uri, 1);
	assert_int_equal(daos_fini(), 0);
	setenv("CRT_TIMEOUT", "3", 1);
	assert_int_equal(daos_init(), 0);
	io_setup(&poh, &coh, &oh, OC_SX, &oid);
	t0 = now_ms();
	for (int i = 0; i < 8; i++) {
		int rc;

		snprintf(d, sizeof(d), "u%d", i);
		rc = io_put(oh, d, "a", "x", 1, NULL, &dk, &iod, &sgl, &iov);
		assert_true(rc == 0 || rc == -DER_UNREACH);
		fails += rc != 0;
	}
	assert_true(fails > 0 && fails < 8); /* rank 0's shards work, rank 1's do not */
	assert_true(now_ms() - t0 < 8 * 4000);
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	/* an agent that never answers: -DER_TIMEDOUT after CRT_TIMEOUT */
	atomic_store(&fa.mode, FA_SILENT);
	t0 = now_ms();
	assert_int_equal(daos_cont_open(poh, CONT_LABEL, DAOS_COO_RW, &coh, NULL, NULL),
			 -DER_TIMEDOUT);
	assert_true(now_ms() - t0 >= 2500 && now_ms() - t0 < 10000);
	atomic_store(&fa.mode, FA_NORMAL);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

/* DC25: KV on fake targets: put, get (size then value), remove, list; abort of an event */
static void
dc25_kv(void **state)
{
	daos_handle_t   poh, coh, kv;
	daos_obj_id_t   oid = {.lo = 5};
	daos_size_t     size = 0;
	char            buf[16];
	daos_key_desc_t kds[8];
	char            kbuf[128];
	d_iov_t         kiov;
	d_sg_list_t     ksgl = {.sg_nr = 1, .sg_iovs = &kiov};
	daos_anchor_t   anchor = DAOS_ANCHOR_INIT;
	uint32_t        nr, total = 0;
	daos_event_t    ev;
	bool            flag = false;
	uint64_t        t0;

	(void)state;
	ft_start(1);
	fa_start();
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_init(), 0);
	assert_int_equal(daos_pool_connect(POOL_LABEL, NULL, DAOS_PC_RW, &poh, NULL, NULL), 0);
	assert_int_equal(daos_cont_open(poh, CONT_LABEL, DAOS_COO_RW, &coh, NULL, NULL), 0);
	assert_int_equal(daos_obj_generate_oid(coh, &oid, DAOS_OT_KV_HASHED, OC_UNKNOWN, 0, 0), 0);
	assert_int_equal(daos_kv_open(coh, oid, DAOS_OO_RW, &kv, NULL), 0);
	assert_int_equal(daos_kv_put(kv, DAOS_TX_NONE, 0, "alpha", 5, "AAAAA", NULL), 0);
	assert_int_equal(daos_kv_put(kv, DAOS_TX_NONE, 0, "beta", 2, "BB", NULL), 0);
	assert_int_equal(daos_kv_get(kv, DAOS_TX_NONE, 0, "alpha", &size, NULL, NULL), 0);
	assert_int_equal(size, 5);
	size = 2;
	assert_int_equal(daos_kv_get(kv, DAOS_TX_NONE, 0, "alpha", &size, buf, NULL),
			 -DER_REC2BIG);
	assert_int_equal(size, 5);
	size = sizeof(buf);
	assert_int_equal(daos_kv_get(kv, DAOS_TX_NONE, 0, "beta", &size, buf, NULL), 0);
	assert_int_equal(size, 2);
	assert_memory_equal(buf, "BB", 2);
	size = sizeof(buf);
	assert_int_equal(daos_kv_get(kv, DAOS_TX_NONE, 0, "gamma", &size, buf, NULL), 0);
	assert_int_equal(size, 0);
	while (!daos_anchor_is_eof(&anchor)) {
		nr = 8;
		d_iov_set(&kiov, kbuf, sizeof(kbuf));
		assert_int_equal(daos_kv_list(kv, DAOS_TX_NONE, &nr, kds, &ksgl, &anchor, NULL), 0);
		total += nr;
	}
	assert_int_equal(total, 2);
	assert_int_equal(daos_kv_remove(kv, DAOS_TX_NONE, 0, "alpha", NULL), 0);
	size = sizeof(buf);
	assert_int_equal(daos_kv_get(kv, DAOS_TX_NONE, 0, "alpha", &size, buf, NULL), 0);
	assert_int_equal(size, 0);
	/* an event: launched, then completed through progress */
	assert_int_equal(daos_event_init(&ev, DAOS_HDL_INVAL, NULL), 0);
	assert_int_equal(daos_kv_put(kv, DAOS_TX_NONE, 0, "delta", 1, "D", &ev), 0);
	assert_int_equal(daos_kv_put(kv, DAOS_TX_NONE, 0, "delta", 1, "D", &ev), -DER_NO_PERM);
	t0 = now_ms();
	while (!flag && now_ms() - t0 < WAIT_MS)
		assert_int_equal(daos_event_test(&ev, 100 * 1000, &flag), 0);
	assert_true(flag);
	assert_int_equal(ev.ev_error, 0);
	/* abort before progress runs: the operation ends -DER_CANCELED */
	assert_int_equal(daos_kv_put(kv, DAOS_TX_NONE, 0, "eps", 1, "E", &ev), 0);
	assert_int_equal(daos_event_abort(&ev), 0);
	flag = false;
	t0   = now_ms();
	while (!flag && now_ms() - t0 < WAIT_MS)
		assert_int_equal(daos_event_test(&ev, 100 * 1000, &flag), 0);
	assert_true(flag);
	assert_true(ev.ev_error == -DER_CANCELED || ev.ev_error == 0);
	assert_int_equal(daos_event_fini(&ev), 0);
	assert_int_equal(daos_kv_close(kv, NULL), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

struct dc27_arg {
	daos_handle_t oh;
	int           id;
	int           failures;
};

static void *
dc27_worker(void *arg)
{
	struct dc27_arg *w = arg;

	for (int i = 0; i < 40; i++) {
		char        dkey[32], val[32], out[32];
		daos_key_t  dk;
		daos_iod_t  iod;
		d_sg_list_t sgl;
		d_iov_t     iov;

		snprintf(dkey, sizeof(dkey), "t%d-%d", w->id, i);
		snprintf(val, sizeof(val), "v%d-%d", w->id, i);
		if (io_put(w->oh, dkey, "a", val, strlen(val) + 1, NULL, &dk, &iod, &sgl, &iov) != 0) {
			w->failures++;
			continue;
		}
		iod.iod_size = DAOS_REC_ANY;
		d_iov_set(&iov, out, sizeof(out));
		if (daos_obj_fetch(w->oh, DAOS_TX_NONE, 0, &dk, 1, &iod, &sgl, NULL, NULL) != 0 ||
		    strcmp(out, val) != 0)
			w->failures++;
	}
	return NULL;
}

/* DC27: threads share handles and the network: blocking I/O from four threads at once */
static void
dc27_threads(void **state)
{
	daos_handle_t   poh, coh, oh;
	daos_obj_id_t   oid;
	pthread_t       th[4];
	struct dc27_arg args[4];

	(void)state;
	ft_start(1);
	fa_start();
	assert_int_equal(daos_fini(), 0);
	assert_int_equal(daos_init(), 0);
	io_setup(&poh, &coh, &oh, OC_SX, &oid);
	for (int i = 0; i < 4; i++) {
		args[i].oh       = oh;
		args[i].id       = i;
		args[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, dc27_worker, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	assert_int_equal(daos_obj_close(oh, NULL), 0);
	assert_int_equal(daos_cont_close(coh, NULL), 0);
	assert_int_equal(daos_pool_disconnect(poh, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dc01_headers_c99),
		cmocka_unit_test(dc02_init_fini),
		cmocka_unit_test_setup_teardown(dc03_handles, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc04_eq_basics, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc05_event_life, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc06_event_children, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc07_eq_destroy_busy, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc08_pool_bad_args, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc09_cont_bad_args, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc10_obj_bad_args, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc11_oid_generate, setup_init, teardown_fini),
		cmocka_unit_test(dc12_oclass_names),
		cmocka_unit_test(dc13_array_math),
		cmocka_unit_test_setup_teardown(dc14_pool_l2g, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc15_pool_blob_bad, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc16_cont_blob_bad, setup_init, teardown_fini),
		cmocka_unit_test(dc17_props),
		cmocka_unit_test(dc18_acl),
		cmocka_unit_test(dc19_b64_uri),
		cmocka_unit_test_setup_teardown(dc20_no_agent, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc21_agent_metadata, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc22_io_fake_targets, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc23_stale_refresh, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc24_unreach_and_timeout, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc25_kv, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc26_connect_reply_bad, setup_init, teardown_fini),
		cmocka_unit_test_setup_teardown(dc27_threads, setup_init, teardown_fini),
	};

	setenv("D_LOG_MASK", "EMRG", 0);
	return cmocka_run_group_tests_name("client", tests, NULL, NULL);
}
