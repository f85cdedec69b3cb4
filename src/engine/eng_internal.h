/*
 * eng_internal.h: the data path's internal structures, shared by
 * eng_nvme.c (storage), eng_tgt.c (threads and loops), eng_pool.c (pools and
 * TGT_* handlers) and eng_obj.c (OBJ_* handlers and group commit).
 *
 * Ownership:
 *   struct eng_storage  one per engine, built by the system thread; its mutex
 *                       guards SMD, the pool table and the SCM reservation.
 *                       Devices are opened once and shared (bio_dev is
 *                       thread-safe for I/O; its failed state is atomic).
 *   struct eng_tgt      one per target thread; everything below it (net
 *                       server, ring, pools, batches, scratch buffers) is
 *                       touched by that thread only, so there is no lock on
 *                       the I/O path.
 */
#ifndef ENGINE_ENG_INTERNAL_H
#define ENGINE_ENG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <uuid/uuid.h>

#include "bio/bio.h"
#include "net/net.h"
#include "placement/placement.h"
#include "proto/proto.h"
#include "vos/vos.h"
#include "engine/engine.h"

_Static_assert(ENG_SCM_PATH_MAX + 64 <= VOS_PATH_MAX, "pool paths must fit VOS_PATH_MAX");

/* ---- Storage shared by the targets (eng_nvme.c) ---- */

/** A device of daos_nvme.json known to SMD; ed_dev is NULL when it is not usable. */
struct eng_dev {
	uuid_t          ed_uuid;
	char            ed_path[BIO_PATH_MAX];
	struct bio_dev *ed_dev;
};

/** A pool as the engine sees it: which targets hold it open, SCM they reserved. */
struct eng_spool {
	uuid_t   sp_uuid;
	uint64_t sp_tgts; /* bit t: target t holds the pool (BIO_TGT_MAX == 64) */
	uint64_t sp_scm;  /* SCM bytes reserved by those targets */
};

struct eng_storage {
	char             es_scm[ENG_SCM_PATH_MAX];
	uint32_t         es_tgt_nr;
	pthread_mutex_t  es_lock; /* guards everything below; never taken on the I/O path */
	struct bio_smd  *es_smd;
	struct eng_dev   es_devs[ENG_NVME_DEVS_MAX];
	uint32_t         es_dev_nr;
	struct eng_spool es_pools[ENG_POOLS_MAX];
	uint32_t         es_pool_nr;
	uint64_t         es_scm_reserved; /* sum of sp_scm */
};

/**
 * Reserve what a new (pool, tgt) needs: @scm bytes of SCM against the mount's
 * size minus what other pools reserved (-DER_NOSPACE), and, when @nvme > 0 (a
 * multiple of BIO_BLOB_ALIGN), a blob on the target's device (an existing blob
 * of the same size is reused: a retry after a crash; another size: -DER_EXIST;
 * no device or too small: -DER_NOSPACE). Registers tgt as holding the pool.
 * *bb is the blob ready for I/O when *has_blob. Nothing is left on error.
 */
int eng_st_pool_reserve(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm,
			uint64_t nvme, struct bio_blob *bb, bool *has_blob);

/**
 * The blob SMD records for (pool, tgt), ready for I/O in *bb (*has_blob false
 * when there is none). -DER_NONEXIST when its device is not usable.
 */
int eng_st_blob_lookup(struct eng_storage *st, const uuid_t pool, uint32_t tgt,
		       struct bio_blob *bb, bool *has_blob);

/** Register @tgt as holding @pool (opened at start-up) with @scm bytes of SCM. */
int eng_st_pool_hold(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm);

/**
 * Target @tgt no longer holds @pool (closed, or destroyed when @destroyed);
 * @scm is what it had reserved. When the pool was destroyed and no other target
 * holds it any more, its SMD blobs are freed (bio_smd_blob_free works per pool).
 */
void eng_st_pool_release(struct eng_storage *st, const uuid_t pool, uint32_t tgt, uint64_t scm,
			 bool destroyed);

/* ---- Targets (eng_tgt.c) ---- */

enum eng_msg_type {
	ENG_MSG_START = 1,
	ENG_MSG_STOP,
};

/** A message of a target's inbox. */
struct eng_msg {
	enum eng_msg_type   em_type;
	struct eng_storage *em_st; /* START */
};

/**
 * Bounded single-producer single-consumer queue: no lock, one release store per
 * push or pop. Elements are copied in and out.
 */
struct eng_queue {
	_Atomic uint32_t q_head; /* next to pop (consumer) */
	_Atomic uint32_t q_tail; /* next to push (producer) */
	uint32_t         q_cap;
	size_t           q_size; /* bytes per element */
	uint8_t         *q_buf;
};

int  eng_queue_init(struct eng_queue *q, uint32_t cap, size_t size);
void eng_queue_fini(struct eng_queue *q);
/** 0, or -DER_AGAIN when full. Producer side only. */
int  eng_queue_push(struct eng_queue *q, const void *elem);
/** 0, or -DER_AGAIN when empty. Consumer side only. */
int  eng_queue_pop(struct eng_queue *q, void *elem);

/** Life of a target thread (eng_tgt.t_phase). */
enum eng_tgt_phase {
	ENG_PH_INIT = 0,   /* thread created */
	ENG_PH_BOUND,      /* listening, waiting for START */
	ENG_PH_BIND_FAILED,
	ENG_PH_STARTED,    /* serving (or its start failed: ENG_EV_STARTED says) */
	ENG_PH_STOPPED,    /* everything closed; the thread returns */
};

struct eng_pool;

struct eng_tgt {
	struct eng_tgts     *t_set;
	uint32_t             t_idx;
	pthread_t            t_thread;
	bool                 t_thread_ok;
	_Atomic int          t_phase;
	int                  t_bind_rc;
	char                 t_bind_err[ENG_EVENT_MSG_MAX];
	struct eng_queue     t_inbox;    /* system thread -> target */
	int                  t_inbox_fd; /* eventfd signalled after each push */
	struct eng_queue     t_outbox;   /* target -> system thread */
	/* Owned by the target thread from here on. */
	struct net_server   *t_srv;
	int                  t_epfd;
	struct eng_storage  *t_st;
	struct bio_ring     *t_ring;
	bool                 t_serving;
	bool                 t_stopping;
	struct eng_pool     *t_pools[ENG_POOLS_MAX];
	uint32_t             t_pool_nr;
	uint64_t             t_tick;     /* LRU clock of the container caches */
	struct proto_msg     t_msg;      /* reply encoder, reused */
	uint8_t             *t_scratch;  /* ENG_FETCH_SCRATCH bytes, BIO_ALIGN-aligned */
	daos_key_desc_t     *t_kds;      /* PROTO_LIST_NR_MAX each */
	daos_recx_t         *t_recxs;
	daos_epoch_range_t  *t_eprs;
	daos_obj_id_t       *t_oids;
};

/** Post an event to the system thread (logged and dropped when the outbox is full). */
void eng_tgt_post(struct eng_tgt *t, const struct eng_tgt_event *ev);

/** Raise a RAS event from a target (through the system thread). */
void eng_tgt_ras(struct eng_tgt *t, enum d_ras_event_id id, const uuid_t pool, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/** Answer @req with the body encoded in t->t_msg (flattened when it has more
 *  iovecs than net accepts) and @status; resets t->t_msg. */
void eng_reply_msg(struct eng_tgt *t, struct net_req *req, int status);

/** Answer @req with @status and no body. */
void eng_reply(struct net_req *req, int status);

/** Refuse @req with -DER_PROTO and the reason (printf-style) as the body, as
 *  net's own refusals do; the reason is logged with the peer. */
void eng_reply_proto(struct net_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- Pools (eng_pool.c) ---- */

/** An open container handle of the cache. */
struct eng_cont {
	uuid_t           ec_uuid;
	struct vos_cont *ec_cont;
	uint64_t         ec_used; /* t_tick of the last use */
};

/** One VOS pool of a target. */
struct eng_pool {
	uuid_t              p_uuid;
	struct vos_pool    *p_vos;
	char                p_dir[VOS_PATH_MAX];
	bool                p_has_blob;
	struct bio_blob     p_blob;
	uint64_t            p_scm;         /* LMDB map size (scm bytes of the create) */
	uint32_t            p_map_version; /* 0: no map yet */
	struct pl_pool_map *p_map;
	bool                p_tx_open;
	uint32_t            p_batch_nr;
	struct net_req     *p_batch[ENG_BATCH_MAX];
	uint32_t            p_cont_nr;
	struct eng_cont     p_conts[ENG_CONT_CACHE_MAX];
};

/** Open every pool found under pools/ for this target (failures are logged,
 *  -DER_DF_INCOMPT raises pool_durable_format_incompat). */
void eng_pools_open_all(struct eng_tgt *t);

/** Commit every open batch, then close every pool (target stopping). */
void eng_pools_close_all(struct eng_tgt *t);

/** The pool @uuid of this target, or NULL. */
struct eng_pool *eng_pool_find(struct eng_tgt *t, const uuid_t uuid);

/**
 * The cached handle of container @uuid. Absent: with @create the container is
 * created (after committing the pool's open batch: VOS creates containers
 * outside batches), else -DER_NONEXIST.
 */
int eng_pool_cont(struct eng_tgt *t, struct eng_pool *p, const uuid_t uuid, bool create,
		  struct vos_cont **cont);

/** Serve a TGT_* request. */
void eng_handle_tgt(struct eng_tgt *t, struct net_req *req);

/* ---- Objects (eng_obj.c) ---- */

/** Serve an OBJ_* request: reads are answered now, writes join the pool's batch. */
void eng_handle_obj(struct eng_tgt *t, struct net_req *req);

/** Commit the pool's open batch and answer its writes with the commit's result. */
void eng_pool_flush(struct eng_tgt *t, struct eng_pool *p);

/** eng_pool_flush() of every pool: the end of a loop turn. */
void eng_pools_flush(struct eng_tgt *t);

#endif /* ENGINE_ENG_INTERNAL_H */
