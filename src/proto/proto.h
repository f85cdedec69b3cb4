/*
 * proto.h: the data-plane wire format between clients and engine targets.
 *
 * Every message is a fixed 40-byte header followed by a body of ph_body_len
 * bytes, all integers little-endian:
 *
 *   off size field
 *     0    4 ph_magic        PROTO_MAGIC, the bytes 'D','A','O','S'
 *     4    2 ph_version      PROTO_VERSION
 *     6    2 ph_opcode       enum proto_opcode
 *     8    4 ph_flags        PROTO_F_REPLY on replies, other bits 0
 *    12    4 ph_status       replies: 0 or -DER_*; requests: 0
 *    16    8 ph_rpc_id       chosen by the client, echoed in the reply
 *    24    4 ph_map_version  sender's pool map version (0 = none)
 *    28    4 ph_body_len     <= PROTO_BODY_MAX
 *    32    4 ph_crc          CRC32C of the 40 header bytes (this field 0), then the body
 *    36    4 ph_reserved     0
 *
 * Bodies (proto_msg.c, layouts in the comments of each struct below) are
 * built by an encoder that copies only descriptors: bulk data (update data,
 * fetch replies) is referenced in place from the caller's buffers, so a
 * message is a list of iovecs handed to writev(). Decoders read an untrusted
 * body with every read bounds-checked and return structures that point INTO
 * that body (keys, values): the decoded structure is valid only while the
 * body buffer is alive and unmodified. Arrays the decoder has to build
 * (iods, recxs, key lists) are allocated and released by the matching
 * proto_*_fini() (or proto_body_fini()).
 *
 * Errors: every decoder returns 0 or -DER_PROTO with one sentence in errbuf
 * naming the field and the value ("truncated dkey length at offset 52",
 * "iod 2 type 7 is not single (1) or array (2)"), or -DER_NOMEM. Encoders
 * return -DER_INVAL for arguments that break a limit or are inconsistent
 * (so an encoded message always decodes), -DER_IO_INVAL when the data
 * buffers do not hold what the iods describe, -DER_OVERFLOW when the body
 * would exceed PROTO_BODY_MAX, or -DER_NOMEM.
 */
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <uuid/uuid.h>

#include <daos_types.h>

/* ---- Header ------------------------------------------------------------- */

#define PROTO_MAGIC    0x534f4144u /* bytes 'D','A','O','S' */
#define PROTO_VERSION  1
#define PROTO_HDR_SIZE 40
#define PROTO_F_REPLY  (1u << 0)

/* ---- Limits ------------------------------------------------------------- */

/** Largest body: one RPC moves at most 64 MiB of data plus 1 MiB of descriptors (keys, iods, recxs). */
#define PROTO_BODY_MAX ((64u << 20) + (1u << 20))
/** Longest dkey or akey: keys are names, not values, and 4 KiB keeps 256 of them within 1 MiB. */
#define PROTO_KEY_MAX 4096u
/** Most iods in one update or fetch, and keys in one punch: DAOS batches at most a few hundred akeys per dkey. */
#define PROTO_IOD_NR_MAX 256u
/** Most extents in one iod: 4096 recxs are 64 KiB of descriptors, ample for scatter-gather of one dkey. */
#define PROTO_RECX_NR_MAX 4096u
/** Most items one enumeration call returns: bounds the reply and the per-call work of a target. */
#define PROTO_LIST_NR_MAX 1024u
/** Largest key buffer of one key enumeration: PROTO_LIST_NR_MAX keys of PROTO_KEY_MAX bytes. */
#define PROTO_LIST_BUF_MAX (PROTO_LIST_NR_MAX * PROTO_KEY_MAX)
/** Largest pool map blob in TGT_MAP_UPDATE: a map of thousands of ranks encodes in well under 1 MiB. */
#define PROTO_MAP_BLOB_MAX (1u << 20)
/** Most iovecs one encoded message references (its own descriptor runs plus the caller's data buffers). */
#define PROTO_MSG_SEG_MAX 65536u

struct proto_hdr {
	uint32_t ph_magic;
	uint16_t ph_version;
	uint16_t ph_opcode;
	uint32_t ph_flags;       /* PROTO_F_REPLY on replies; other bits must be 0 */
	int32_t  ph_status;      /* replies: 0 or -DER_*; requests: 0 */
	uint64_t ph_rpc_id;      /* chosen by the client, echoed in the reply */
	uint32_t ph_map_version; /* sender's pool map version (0 = none) */
	uint32_t ph_body_len;    /* <= PROTO_BODY_MAX */
	uint32_t ph_crc;         /* CRC32C over the 40 header bytes with this field 0, then the body */
	uint32_t ph_reserved;    /* 0 */
};

/** Opcodes; the values are part of the wire format and never change. 0 is invalid. */
enum proto_opcode {
	PROTO_OP_PING             = 1,  /* body empty; reply body empty; also the version check */
	PROTO_OP_TGT_POOL_CREATE  = 2,
	PROTO_OP_TGT_POOL_DESTROY = 3,
	PROTO_OP_TGT_CONT_CREATE  = 4,
	PROTO_OP_TGT_CONT_DESTROY = 5,
	PROTO_OP_TGT_MAP_UPDATE   = 6,
	PROTO_OP_TGT_QUERY        = 7,
	PROTO_OP_OBJ_UPDATE       = 16,
	PROTO_OP_OBJ_FETCH        = 17,
	PROTO_OP_OBJ_PUNCH        = 18,
	PROTO_OP_OBJ_PUNCH_DKEYS  = 19,
	PROTO_OP_OBJ_PUNCH_AKEYS  = 20,
	PROTO_OP_OBJ_LIST_DKEY    = 21,
	PROTO_OP_OBJ_LIST_AKEY    = 22,
	PROTO_OP_OBJ_LIST_RECX    = 23,
	PROTO_OP_OBJ_LIST_OBJ     = 24,
	PROTO_OP_OBJ_QUERY_KEY    = 25,
};

/** Encode h into out (ph_crc as given). */
void proto_hdr_encode(const struct proto_hdr *h, uint8_t out[PROTO_HDR_SIZE]);

/**
 * Decode and validate len bytes of an untrusted header into *h. Checks, in
 * this order: len >= PROTO_HDR_SIZE, magic, version (a peer speaking another
 * version gets "protocol version N is not supported (this side speaks 1)"),
 * opcode known, flag bits known, ph_status 0 on requests and <= 0 on
 * replies, reserved 0, body_len <= PROTO_BODY_MAX. Any failure: -DER_PROTO
 * with a sentence naming the field and value in errbuf (may be NULL); *h is
 * then unspecified. The CRC is checked separately (proto_check_crc()) once
 * the body has arrived.
 */
int proto_hdr_decode(const uint8_t *buf, size_t len, struct proto_hdr *h, char *errbuf,
		     size_t errlen);

/**
 * Fill h->ph_body_len and h->ph_crc for the body given as iovcnt iovecs
 * (iovcnt 0 and body NULL for an empty body), then encode h into out.
 * Returns -DER_INVAL (iovcnt < 0, NULL base with a non-zero length) or
 * -DER_OVERFLOW (body larger than PROTO_BODY_MAX); h is untouched then.
 */
int proto_frame(struct proto_hdr *h, const struct iovec *body, int iovcnt,
		uint8_t out[PROTO_HDR_SIZE]);

/**
 * Check the CRC of a received message: hdr is the raw header as received, h
 * its decoded form (h->ph_body_len bytes at body; body may be NULL when that
 * is 0). 0, or -DER_PROTO "checksum mismatch: ..." in errbuf.
 */
int proto_check_crc(const uint8_t hdr[PROTO_HDR_SIZE], const struct proto_hdr *h, const void *body,
		    char *errbuf, size_t errlen);

/** "obj_update", "ping", ...; NULL when the opcode is unknown. */
const char *proto_opcode_name(uint16_t opcode);

/* ---- Message bodies ------------------------------------------------------ */

/*
 * Encoding: a struct proto_msg collects the body as a list of segments, runs
 * of bytes the encoder owns (integers, uuids, keys, descriptors) and runs it
 * only references (update data, fetch reply data, the map blob): those
 * buffers must stay alive and unchanged until the message is sent.
 *   struct proto_msg m; proto_msg_init(&m);
 *   rc = proto_obj_update_enc(&upd, &m);                      // appends the body
 *   rc = proto_msg_iov(&m, &iov, &iovcnt);                    // iovecs of the body
 *   rc = proto_frame(&hdr, iov, iovcnt, hdrbuf);              // header + CRC
 *   writev(hdrbuf, iov...); proto_msg_reset(&m) (reuse) or proto_msg_fini(&m).
 * An encoder appends to an empty message (init or reset); on error the
 * message is reset.
 *
 * Decoding: proto_<msg>_dec(body, len, &out, errbuf, errlen) takes the whole
 * body (ph_body_len bytes, CRC already checked), refuses trailing bytes,
 * and fills `out`, whose keys and data point into `body` (valid while body
 * is). Decoders that allocate have a proto_<msg>_fini() releasing what they
 * allocated (never the body); call it only on a successfully decoded struct.
 * On error nothing stays allocated and `out` is zeroed.
 *
 * Common encodings: integers little-endian; a key or blob is a u32 length and
 * that many bytes; a uuid is its 16 bytes; an anchor is da_type u16, da_shard
 * u16, da_flags u32, da_sub_anchors u64, da_buf[104] (120 bytes); an oid is lo
 * u64, hi u64; a recx is rx_idx u64, rx_nr u64.
 */

struct proto_seg {
	const void *ps_ext; /* referenced bytes, or NULL: bytes of pm_buf at ps_off */
	size_t      ps_off;
	size_t      ps_len;
};

struct proto_msg {
	uint8_t          *pm_buf;     /* owned bytes, grows by doubling */
	size_t            pm_buf_len;
	size_t            pm_buf_cap;
	struct proto_seg *pm_segs;
	uint32_t          pm_seg_nr;
	uint32_t          pm_seg_cap;
	struct iovec     *pm_iov;     /* built by proto_msg_iov() */
	uint32_t          pm_iov_cap;
	size_t            pm_len;     /* body bytes so far, <= PROTO_BODY_MAX */
	int               pm_rc;      /* first error of an append, sticky until reset */
};

void proto_msg_init(struct proto_msg *m);
/** Empty the message, keeping its buffers for the next one (no allocation on a hot path). */
void proto_msg_reset(struct proto_msg *m);
void proto_msg_fini(struct proto_msg *m);
/**
 * The body as iovecs (valid until the next append, reset or fini; zero-length
 * runs are skipped, so *iovcnt may be 0). Returns the first append error,
 * or -DER_NOMEM.
 */
int proto_msg_iov(struct proto_msg *m, const struct iovec **iov, int *iovcnt);

/**
 * Prefix of every object request (60 bytes): pool uuid, container uuid,
 * target index u32, oid, epoch u64.
 */
struct proto_obj_req {
	uuid_t        or_pool;
	uuid_t        or_cont;
	uint32_t      or_tgt_idx;
	daos_obj_id_t or_oid;
	daos_epoch_t  or_epoch;
};

/*
 * An iod on the wire: akey, type u32 (1 single, 2 array; others refused),
 * size u64, flags u64, nr u32, then for an array nr recxs (nr <=
 * PROTO_RECX_NR_MAX). A single-value iod has nr 1 and no recxs (iod_recxs is
 * NULL after decoding). akeys are non-empty.
 */

/**
 * OBJ_UPDATE request: prefix, dkey (non-empty), iod nr u32 (1..PROTO_IOD_NR_MAX),
 * iods, then the data: for each iod exactly its size (single) or sum(rx_nr) *
 * size (array) bytes, concatenated, and nothing after. Reply: empty body.
 * Encode: ou_sgls[i] supplies iod i's bytes, taken in order from its iovs'
 * iov_len (more bytes than needed are ignored, fewer: -DER_IO_INVAL), not
 * copied; ou_sgls may be NULL when every iod moves 0 bytes.
 * Decode: ou_sgls[i] is one iov into the body holding iod i's bytes (ready
 * for vos_obj_update()).
 */
struct proto_obj_update {
	struct proto_obj_req ou_req;
	daos_key_t           ou_dkey;
	uint32_t             ou_iod_nr;
	daos_iod_t          *ou_iods;
	d_sg_list_t         *ou_sgls;
};

/** OBJ_FETCH flag: return only the sizes, no data. */
#define PROTO_FETCH_SIZES_ONLY (1u << 0)

/**
 * OBJ_FETCH request: prefix, dkey, iod nr u32 (1..PROTO_IOD_NR_MAX), iods,
 * per iod the capacity u64 of the client's buffer for it (so the target can
 * answer -DER_REC2BIG as a local fetch would), flags u32 (only
 * PROTO_FETCH_SIZES_ONLY).
 */
struct proto_obj_fetch {
	struct proto_obj_req of_req;
	daos_key_t           of_dkey;
	uint32_t             of_iod_nr;
	daos_iod_t          *of_iods;
	uint64_t            *of_buf_lens;
	uint32_t             of_flags;
};

/**
 * OBJ_FETCH reply: iod nr u32 (<= PROTO_IOD_NR_MAX), per iod size u64 (the
 * iod_size after the fetch) and the number of bytes returned u64, then the
 * data of every iod concatenated, nothing after (a reply with a -DER_REC2BIG
 * status carries the sizes and no data).
 * Encode: ofr_sgls[i]'s first sg_nr_out iovs (their iov_len) are iod i's
 * data, referenced, not copied; ofr_sgls may be NULL when no data is sent.
 * Decode: ofr_sgls[i] is one iov into the body (sg_nr = sg_nr_out = 1).
 */
struct proto_obj_fetch_rep {
	uint32_t     ofr_iod_nr;
	daos_size_t *ofr_sizes;
	d_sg_list_t *ofr_sgls;
};

/**
 * OBJ_PUNCH (prefix only), OBJ_PUNCH_DKEYS (prefix, key nr u32
 * 1..PROTO_IOD_NR_MAX, dkeys), OBJ_PUNCH_AKEYS (prefix, dkey, key nr, akeys).
 * Keys are non-empty. Replies: empty body.
 */
struct proto_obj_punch {
	struct proto_obj_req op_req;
	daos_key_t           op_dkey;   /* OBJ_PUNCH_AKEYS only */
	uint32_t             op_key_nr; /* 0 for OBJ_PUNCH */
	daos_key_t          *op_keys;
};

/**
 * OBJ_LIST_DKEY (prefix, capacity nr u32 1..PROTO_LIST_NR_MAX, key buffer
 * size u32 1..PROTO_LIST_BUF_MAX, anchor) and OBJ_LIST_AKEY (prefix, dkey,
 * then the same).
 */
struct proto_obj_list_key {
	struct proto_obj_req olk_req;
	daos_key_t           olk_dkey; /* OBJ_LIST_AKEY only */
	uint32_t             olk_nr;
	uint32_t             olk_buf_len;
	daos_anchor_t        olk_anchor;
};

/**
 * Reply of OBJ_LIST_DKEY/AKEY: nr u32 (<= PROTO_LIST_NR_MAX), nr key
 * descriptors (kd_key_len u64 1..PROTO_KEY_MAX, kd_val_type u32, kd_csum_type
 * u16, kd_csum_len u16), the keys packed (exactly the sum of kd_key_len bytes,
 * <= PROTO_LIST_BUF_MAX), the anchor, then key_len_needed u64: with a
 * -DER_KEY2BIG status the size the first key needs (nr is then 0), else 0.
 * Decode: olkr_keys points into the body.
 */
struct proto_obj_list_key_rep {
	uint32_t         olkr_nr;
	daos_key_desc_t *olkr_kds;
	d_iov_t          olkr_keys;
	daos_anchor_t    olkr_anchor;
	uint64_t         olkr_key_len_needed;
};

/** OBJ_LIST_RECX request: prefix, dkey, akey, capacity nr u32 (1..PROTO_LIST_NR_MAX), anchor. */
struct proto_obj_list_recx {
	struct proto_obj_req olr_req;
	daos_key_t           olr_dkey;
	daos_key_t           olr_akey;
	uint32_t             olr_nr;
	daos_anchor_t        olr_anchor;
};

/**
 * OBJ_LIST_RECX reply: record size u64, nr u32 (<= PROTO_LIST_NR_MAX), nr
 * recxs, nr epoch ranges (epr_lo u64, epr_hi u64), anchor.
 */
struct proto_obj_list_recx_rep {
	daos_size_t         olrr_rsize;
	uint32_t            olrr_nr;
	daos_recx_t        *olrr_recxs;
	daos_epoch_range_t *olrr_eprs;
	daos_anchor_t       olrr_anchor;
};

/** OBJ_LIST_OBJ request: prefix (its oid is ignored), capacity nr u32 (1..PROTO_LIST_NR_MAX), anchor. */
struct proto_obj_list_obj {
	struct proto_obj_req olo_req;
	uint32_t             olo_nr;
	daos_anchor_t        olo_anchor;
};

/** OBJ_LIST_OBJ reply: nr u32 (<= PROTO_LIST_NR_MAX), nr oids, anchor. */
struct proto_obj_list_obj_rep {
	uint32_t       olor_nr;
	daos_obj_id_t *olor_oids;
	daos_anchor_t  olor_anchor;
};

/** OBJ_QUERY_KEY flags (at least one, no others). */
#define PROTO_QK_DKEY (1u << 0) /* the greatest dkey */
#define PROTO_QK_AKEY (1u << 1) /* the greatest akey of the dkey */
#define PROTO_QK_RECX (1u << 2) /* the greatest extent of the akey */
#define PROTO_QK_ALL  (PROTO_QK_DKEY | PROTO_QK_AKEY | PROTO_QK_RECX)

/** OBJ_QUERY_KEY request: prefix, flags u32, dkey, akey (each may be empty: an input only for the levels below the one queried). */
struct proto_obj_query_key {
	struct proto_obj_req oqk_req;
	uint32_t             oqk_flags;
	daos_key_t           oqk_dkey;
	daos_key_t           oqk_akey;
};

/** OBJ_QUERY_KEY reply: dkey, akey (possibly empty), recx. */
struct proto_obj_query_key_rep {
	daos_key_t  oqkr_dkey;
	daos_key_t  oqkr_akey;
	daos_recx_t oqkr_recx;
};

/** TGT_POOL_CREATE request: pool uuid, scm bytes u64, nvme bytes u64 (per target). Reply empty. */
struct proto_tgt_pool_create {
	uuid_t   tpc_pool;
	uint64_t tpc_scm_bytes;
	uint64_t tpc_nvme_bytes;
};

/** TGT_POOL_DESTROY and TGT_QUERY request: pool uuid. Reply of destroy: empty. */
struct proto_tgt_pool {
	uuid_t tp_pool;
};

/** TGT_CONT_CREATE / TGT_CONT_DESTROY request: pool uuid, container uuid. Reply empty. */
struct proto_tgt_cont {
	uuid_t tc_pool;
	uuid_t tc_cont;
};

/**
 * TGT_MAP_UPDATE request: pool uuid, map version u32, the encoded pool map
 * (blob, <= PROTO_MAP_BLOB_MAX bytes, opaque here; referenced on encode,
 * points into the body on decode). Reply empty.
 */
struct proto_tgt_map_update {
	uuid_t   tmu_pool;
	uint32_t tmu_map_version;
	d_iov_t  tmu_map;
};

/** TGT_QUERY reply: scm total, scm free, nvme total, nvme free (u64 each; free <= total). */
struct proto_tgt_query_rep {
	uint64_t tqr_scm_total;
	uint64_t tqr_scm_free;
	uint64_t tqr_nvme_total;
	uint64_t tqr_nvme_free;
};

int proto_obj_update_enc(const struct proto_obj_update *req, struct proto_msg *m);
int proto_obj_update_dec(const void *body, size_t len, struct proto_obj_update *req,
			 char *errbuf, size_t errlen);
void proto_obj_update_fini(struct proto_obj_update *req);
/**
 * Where the data of an OBJ_UPDATE body starts, from the first `len` bytes of
 * the body (a receiver places the body so that the data lands aligned). Only
 * walks the descriptors, checking nothing but their bounds: 0 and *off, or
 * -DER_PROTO when the prefix does not hold all of them (or they do not parse).
 */
int proto_obj_update_data_off(const void *prefix, size_t len, size_t *off);

int proto_obj_fetch_enc(const struct proto_obj_fetch *req, struct proto_msg *m);
int proto_obj_fetch_dec(const void *body, size_t len, struct proto_obj_fetch *req,
			char *errbuf, size_t errlen);
void proto_obj_fetch_fini(struct proto_obj_fetch *req);
int proto_obj_fetch_rep_enc(const struct proto_obj_fetch_rep *rep, struct proto_msg *m);
int proto_obj_fetch_rep_dec(const void *body, size_t len, struct proto_obj_fetch_rep *rep,
			    char *errbuf, size_t errlen);
void proto_obj_fetch_rep_fini(struct proto_obj_fetch_rep *rep);

/** opcode: PROTO_OP_OBJ_PUNCH, _PUNCH_DKEYS or _PUNCH_AKEYS (others: -DER_INVAL). */
int proto_obj_punch_enc(uint16_t opcode, const struct proto_obj_punch *req, struct proto_msg *m);
int proto_obj_punch_dec(uint16_t opcode, const void *body, size_t len, struct proto_obj_punch *req,
			char *errbuf, size_t errlen);
void proto_obj_punch_fini(struct proto_obj_punch *req);

/** opcode: PROTO_OP_OBJ_LIST_DKEY or _LIST_AKEY (others: -DER_INVAL). */
int proto_obj_list_key_enc(uint16_t opcode, const struct proto_obj_list_key *req,
			   struct proto_msg *m);
int proto_obj_list_key_dec(uint16_t opcode, const void *body, size_t len,
			   struct proto_obj_list_key *req, char *errbuf, size_t errlen);
/** rep->olkr_keys.iov_len bytes of iov_buf are the packed keys (referenced, not copied). */
int proto_obj_list_key_rep_enc(const struct proto_obj_list_key_rep *rep, struct proto_msg *m);
int proto_obj_list_key_rep_dec(const void *body, size_t len, struct proto_obj_list_key_rep *rep,
			       char *errbuf, size_t errlen);
void proto_obj_list_key_rep_fini(struct proto_obj_list_key_rep *rep);

int proto_obj_list_recx_enc(const struct proto_obj_list_recx *req, struct proto_msg *m);
int proto_obj_list_recx_dec(const void *body, size_t len, struct proto_obj_list_recx *req,
			    char *errbuf, size_t errlen);
/** olrr_eprs may be NULL on encode (sent as zeros). */
int proto_obj_list_recx_rep_enc(const struct proto_obj_list_recx_rep *rep, struct proto_msg *m);
int proto_obj_list_recx_rep_dec(const void *body, size_t len,
				struct proto_obj_list_recx_rep *rep, char *errbuf, size_t errlen);
void proto_obj_list_recx_rep_fini(struct proto_obj_list_recx_rep *rep);

int proto_obj_list_obj_enc(const struct proto_obj_list_obj *req, struct proto_msg *m);
int proto_obj_list_obj_dec(const void *body, size_t len, struct proto_obj_list_obj *req,
			   char *errbuf, size_t errlen);
int proto_obj_list_obj_rep_enc(const struct proto_obj_list_obj_rep *rep, struct proto_msg *m);
int proto_obj_list_obj_rep_dec(const void *body, size_t len, struct proto_obj_list_obj_rep *rep,
			       char *errbuf, size_t errlen);
void proto_obj_list_obj_rep_fini(struct proto_obj_list_obj_rep *rep);

int proto_obj_query_key_enc(const struct proto_obj_query_key *req, struct proto_msg *m);
int proto_obj_query_key_dec(const void *body, size_t len, struct proto_obj_query_key *req,
			    char *errbuf, size_t errlen);
int proto_obj_query_key_rep_enc(const struct proto_obj_query_key_rep *rep, struct proto_msg *m);
int proto_obj_query_key_rep_dec(const void *body, size_t len,
				struct proto_obj_query_key_rep *rep, char *errbuf, size_t errlen);

int proto_tgt_pool_create_enc(const struct proto_tgt_pool_create *req, struct proto_msg *m);
int proto_tgt_pool_create_dec(const void *body, size_t len, struct proto_tgt_pool_create *req,
			      char *errbuf, size_t errlen);
/** TGT_POOL_DESTROY and TGT_QUERY requests. */
int proto_tgt_pool_enc(const struct proto_tgt_pool *req, struct proto_msg *m);
int proto_tgt_pool_dec(const void *body, size_t len, struct proto_tgt_pool *req, char *errbuf,
		       size_t errlen);
/** TGT_CONT_CREATE and TGT_CONT_DESTROY requests. */
int proto_tgt_cont_enc(const struct proto_tgt_cont *req, struct proto_msg *m);
int proto_tgt_cont_dec(const void *body, size_t len, struct proto_tgt_cont *req, char *errbuf,
		       size_t errlen);
int proto_tgt_map_update_enc(const struct proto_tgt_map_update *req, struct proto_msg *m);
int proto_tgt_map_update_dec(const void *body, size_t len, struct proto_tgt_map_update *req,
			     char *errbuf, size_t errlen);
int proto_tgt_query_rep_enc(const struct proto_tgt_query_rep *rep, struct proto_msg *m);
int proto_tgt_query_rep_dec(const void *body, size_t len, struct proto_tgt_query_rep *rep,
			    char *errbuf, size_t errlen);

/** Bodies that must be empty (PING both ways, replies of update, punch, pool/cont create/destroy, map update). */
int proto_empty_dec(const void *body, size_t len, char *errbuf, size_t errlen);

/* ---- Dispatch ------------------------------------------------------------ */

/** Any decoded body; which member is valid follows from (opcode, reply). */
union proto_body {
	struct proto_obj_update         pb_update;
	struct proto_obj_fetch          pb_fetch;
	struct proto_obj_fetch_rep      pb_fetch_rep;
	struct proto_obj_punch          pb_punch;
	struct proto_obj_list_key       pb_list_key;
	struct proto_obj_list_key_rep   pb_list_key_rep;
	struct proto_obj_list_recx      pb_list_recx;
	struct proto_obj_list_recx_rep  pb_list_recx_rep;
	struct proto_obj_list_obj       pb_list_obj;
	struct proto_obj_list_obj_rep   pb_list_obj_rep;
	struct proto_obj_query_key      pb_query_key;
	struct proto_obj_query_key_rep  pb_query_key_rep;
	struct proto_tgt_pool_create    pb_pool_create;
	struct proto_tgt_pool           pb_pool;
	struct proto_tgt_cont           pb_cont;
	struct proto_tgt_map_update     pb_map_update;
	struct proto_tgt_query_rep      pb_query_rep;
};

/**
 * Decode the body of a request (reply false) or reply (true) of `opcode`
 * with the matching decoder; the member of *out named after the message is
 * filled (nothing for empty bodies). Unknown opcode: -DER_PROTO. Release
 * with proto_body_fini(opcode, reply, out) after success.
 */
int proto_body_dec(uint16_t opcode, bool reply, const void *body, size_t len,
		   union proto_body *out, char *errbuf, size_t errlen);
void proto_body_fini(uint16_t opcode, bool reply, union proto_body *b);

#endif /* PROTO_PROTO_H */
