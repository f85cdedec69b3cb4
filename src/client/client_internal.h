/*
 * client_internal.h: libdaos internals shared by the files of src/client.
 *
 * Map of the library:
 *   dc_init.c    daos_init/fini, global state, timeouts, progress and the
 *                retry queue (operations waiting for a pool map refresh)
 *   dc_handle.c  the handle table: every daos_handle_t is a cookie naming a
 *                reference-counted record (pool, container, object, ...)
 *   dc_event.c   event queues and events (daos_event_t private state)
 *   dc_agent.c   the daos_agent client (C5 framing, get_attach_info, call)
 *   dc_util.c    base64, UUID/label names, fabric URIs, JSON helpers
 *   dc_pool.c    pools: connect (agent), map and engine addresses, query,
 *                attributes, container list, local2global/global2local
 *   dc_cont.c    containers: create/open/query/props/attrs/snapshots/oids
 *   dc_prop.c    daos_prop_* and the mapping of DAOS_PROP_CO_* to the MS
 *                property names and texts
 *   dc_acl.c     daos_acl_* / daos_ace_*
 *   dc_io.c      the object I/O engine: one struct dc_io per operation,
 *                placement, RPCs to targets, -DER_STALE/-DER_UNREACH retries
 *   dc_obj.c     daos_obj_* (update, fetch, punch, list, query_key, OIT)
 *   dc_kv.c, dc_array.c, dc_tx.c, dc_mgmt.c   the APIs layered on those
 *   dc_alias.c   the plain names DAOS's headers map to the ...2 functions
 *
 * Invariants:
 *  I1. Every record reachable from the handle table holds one reference for
 *      the table; lookups add one; a record is freed when its count reaches 0,
 *      so a handle closed while an operation uses it stays valid for that
 *      operation and is invalid (-DER_NO_HDL) for every later call.
 *  I2. A container references its pool, an object its container; the pool's
 *      map and addresses change only under dp_lock (write) and are read
 *      under it (read).
 *  I3. An event's state changes only under dc_ev_lock; a completed event is
 *      touched by the library only through the application's calls.
 *  I4. A dc_io completes exactly once: its callback runs once, then it is
 *      freed. It is in flight on the network, in the retry queue, or running
 *      its completion, never two of these at once.
 */
#ifndef CLIENT_INTERNAL_H
#define CLIENT_INTERNAL_H

#ifndef D_LOGFAC
#define D_LOGFAC DD_FAC(client)
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uuid/uuid.h>

#include <daos.h>

#include "gurt/list.h"
#include "gurt/log.h"
#include "net/net.h"
#include "placement/placement.h"
#include "proto/proto.h"

/* ---- Limits ------------------------------------------------------------- */

/** Largest C5 message (either way): the agent's framing limit (docs/design.md C5). */
#define DC_AGENT_MSG_MAX         (4u << 20)
/** Longest agent socket path: sun_path of struct sockaddr_un holds 108 bytes. */
#define DC_AGENT_PATH_MAX        108
/** Default operation timeout (CRT_TIMEOUT unset), seconds, as DAOS's CaRT default. */
#define DC_TIMEOUT_DEFAULT_S     60
/** Largest CRT_TIMEOUT accepted: the transport refuses deadlines beyond an hour. */
#define DC_TIMEOUT_MAX_S         (NET_CALL_TIMEOUT_MAX_MS / 1000)
/** Pool map refreshes one operation may trigger (-DER_STALE, -DER_UNREACH):
 *  a map changes a few times during an exclusion, more means a loop. */
#define DC_RETRY_MAX             8
/** Pause before resending to an unreachable target: gives the MS time to
 *  exclude it and a restarting engine time to listen. */
#define DC_RETRY_UNREACH_MS      200
/** Longest single wait on the network while polling: keeps waits responsive
 *  to completions that do not come from the network (retries, other threads). */
#define DC_PROGRESS_SLICE_MS     50
/** Buffer of a system name (DAOS's limit is 63 characters). */
#define DC_SYS_NAME_MAX          64
/** Buffer of a fabric URI "ofi+tcp://IP:PORT" (an IPv6 literal with port fits). */
#define DC_URI_MAX               128
/** Buffer of an IP literal taken from a URI. */
#define DC_IP_MAX                64
/** Ranks in attach info or a pool: the pool map's own limit. */
#define DC_RANKS_MAX             PL_RANKS_MAX
/** Properties kept per pool or container: the MS's limit (MS_PROPS_MAX). */
#define DC_PROPS_MAX             64
/** Property name buffer (MS_PROP_NAME_MAX). */
#define DC_PROP_NAME_MAX         33
/** Property value buffer (MS_PROP_VALUE_MAX). */
#define DC_PROP_VALUE_MAX        257
/** Container layout type name buffer (MS_CONT_TYPE_MAX). */
#define DC_CONT_TYPE_MAX         16
/** Owner/group principal buffer (DAOS_ACL_MAX_PRINCIPAL_BUF_LEN + 1). */
#define DC_PRINCIPAL_MAX         257
/** Attribute name, NUL excluded (DAOS_ATTR_NAME_MAX). */
#define DC_ATTR_NAME_MAX         255
/** Attribute value: the MS keeps at most 64 KiB per value. */
#define DC_ATTR_VALUE_MAX        (64u * 1024)
/** Attributes in one get/set/del call: the MS keeps at most 256 per container. */
#define DC_ATTR_NR_MAX           256
/** Snapshots of a container (MS_SNAPS_MAX). */
#define DC_SNAPS_MAX             1024
/** Containers listed from one pool (MS_CONTS_PER_POOL_MAX). */
#define DC_CONTS_MAX             16384
/** Largest handle blob of local2global: a full pool map plus every rank's URI. */
#define DC_GLOB_MAX              (PL_MAP_ENC_MAX + (size_t)DC_RANKS_MAX * (8 + DC_URI_MAX) + \
				  (size_t)DC_PROPS_MAX * (DC_PROP_NAME_MAX + DC_PROP_VALUE_MAX + 8) + 4096)
/** Iods per update or fetch, and keys per punch: what one RPC carries. */
#define DC_IOD_NR_MAX            PROTO_IOD_NR_MAX
/** Extents per iod (PROTO_RECX_NR_MAX). */
#define DC_RECX_NR_MAX           PROTO_RECX_NR_MAX
/** Largest key (PROTO_KEY_MAX). */
#define DC_KEY_MAX               PROTO_KEY_MAX
/** Bytes of data one update or fetch moves: a request body has room for 64 MiB. */
#define DC_IO_BYTES_MAX          (64ull << 20)
/** Largest array cell: a cell is one VOS record. */
#define DC_ARRAY_CELL_MAX        (1ull << 20)
/** Bytes of one array chunk (cells x cell size): one chunk is one RPC. */
#define DC_ARRAY_CHUNK_BYTES_MAX DC_IO_BYTES_MAX
/** Ranges in one array I/O descriptor: bounds the work of one call. */
#define DC_ARRAY_RANGES_MAX      65536
/** Default array chunk size in bytes (DAOS and DFS use 1 MiB). */
#define DC_ARRAY_CHUNK_DEFAULT   (1ull << 20)
/** Buckets of the handle table (a power of two). */
#define DC_HDL_BUCKETS           4096
/** Iovecs in one scatter-gather list: bounds the work of one check and copy. */
#define DC_SGL_IOV_MAX           65536
/** Chunk pieces one array call may touch: each is an RPC; more is a runaway request. */
#define DC_ARRAY_CHUNKS_MAX      16384
/** Buffer for getpw*_r / getgr*_r: sysconf may not say, 16 KiB holds any real entry. */
#define DC_PWBUF_MAX             16384

/* ---- Global state and progress (dc_init.c) ------------------------------ */

/** True between the first daos_init() and the last daos_fini(). */
bool dc_initialized(void);
/** The process's network client (valid while initialised). */
struct net_client *dc_net(void);
/** Operation timeout in milliseconds (CRT_TIMEOUT). */
uint32_t dc_timeout_ms(void);
/** Agent socket path (DAOS_AGENT_DRPC_DIR or the default). */
const char *dc_agent_path(void);
/** Agent socket directory (DAOS_AGENT_DRPC_DIR or the default). */
const char *dc_agent_dir(void);
/** Monotonic clock, milliseconds. */
uint64_t dc_now_ms(void);

/**
 * Drive the library once: run queued retries, then wait up to timeout_ms for
 * network completions and run their callbacks.
 */
void dc_progress(uint32_t timeout_ms);

/** Parse CRT_TIMEOUT ("1".."3600" seconds). 0 or -DER_INVAL with the reason. */
int dc_parse_timeout(const char *text, uint32_t *seconds, char *errbuf, size_t errlen);

/* ---- Handles (dc_handle.c) ---------------------------------------------- */

enum dc_hdl_type {
	DC_HDL_EQ = 1,
	DC_HDL_POOL,
	DC_HDL_CONT,
	DC_HDL_OBJ,
	DC_HDL_ARRAY,
	DC_HDL_TX,
	DC_HDL_OIT,
};

/** Header of every record a handle names (embedded first). */
struct dc_hdl {
	d_list_t    dh_link;   /**< in its table bucket while open */
	uint64_t    dh_cookie; /**< 0 while not in the table */
	uint32_t    dh_type;   /**< enum dc_hdl_type */
	atomic_int  dh_ref;
	void      (*dh_free)(struct dc_hdl *hdl);
};

/** Initialise a record with one reference (the caller's); not yet in the table. */
void dc_hdl_init(struct dc_hdl *hdl, uint32_t type, void (*free_fn)(struct dc_hdl *));
/** Put a record in the table (it takes a reference) and return its handle. */
int dc_hdl_insert(struct dc_hdl *hdl, daos_handle_t *out);
/** The record of handle h if it has type `type`, with a reference added; NULL otherwise. */
struct dc_hdl *dc_hdl_lookup(daos_handle_t h, uint32_t type);
void dc_hdl_addref(struct dc_hdl *hdl);
void dc_hdl_decref(struct dc_hdl *hdl);
/** Take the record out of the table (dropping the table's reference). -DER_NO_HDL if not in it. */
int dc_hdl_delete(struct dc_hdl *hdl);
/** Remove every record (daos_fini): each loses its table reference. */
void dc_hdl_table_drain(void);
/** Records in the table (tests). */
uint64_t dc_hdl_count(void);
int dc_hdl_table_init(void);
void dc_hdl_table_fini(void);

/* ---- Events (dc_event.c) ------------------------------------------------ */

/**
 * Start an operation on ev: a user event (must be READY: it becomes RUNNING)
 * or, when ev is NULL, the private event `priv` that dc_ev_end() waits on.
 * Returns the event to complete, or NULL with *rc set (event not launched):
 * -DER_INVAL / -DER_NO_PERM for a user event not READY, -DER_BUSY for a
 * blocking call made from a network completion (an event callback), which
 * could never be progressed there.
 */
daos_event_t *dc_ev_begin(daos_event_t *ev, daos_event_t *priv, int *rc);
/**
 * Finish the API call: for a user event return 0 (the result comes with the
 * event); for the private one, drive progress until it completes and return
 * its result.
 */
int dc_ev_end(daos_event_t *ev, daos_event_t *priv);
/** Complete an event launched by dc_ev_begin with result rc (any thread). */
void dc_ev_complete(daos_event_t *ev, int rc);
/** dc_ev_begin + completion now with rc + dc_ev_end: for calls that finish in the caller. */
int dc_ev_run_sync(daos_event_t *ev, int (*fn)(void *arg), void *arg);
/** Mark the calling thread as running network completions (or not). */
void dc_in_net_cb_set(bool in);
/** Whether abort was asked for the event of an operation (or its parent). */
bool dc_ev_aborted(daos_event_t *ev);
int dc_ev_module_init(void);
void dc_ev_module_fini(void);

/* ---- Agent (dc_agent.c) ------------------------------------------------- */

/**
 * One C5 request/reply on a fresh connection to the agent socket. req is a
 * JSON object (not consumed). *rep receives the reply object. Errors:
 * -DER_AGENT_COMM (cannot connect: the log and errbuf name the socket path;
 * the agent closed early), -DER_TIMEDOUT, -DER_PROTO (bad frame or JSON),
 * -DER_NOMEM. The reply's own status is not looked at here.
 */
int dc_agent_request(const json_t *req, json_t **rep, char *errbuf, size_t errlen);

/**
 * C5 "call" of a C4 method: body is consumed. On status 0 *out gets the
 * reply's "body" object (new reference, may be an empty object). A non-zero
 * status is returned as is, with the server's "error" text in errbuf.
 */
int dc_agent_call(const char *method, json_t *body, json_t **out, char *errbuf, size_t errlen);

/** Attach info as the agent gives it (cached; refresh asks the agent again). */
struct dc_attach {
	char      da_sys[DC_SYS_NAME_MAX];
	char      da_provider[DC_SYS_NAME_MAX];
	uint32_t  da_map_version;
	uint32_t  da_nr_ranks;
	struct dc_attach_rank {
		uint32_t ar_rank;
		uint32_t ar_targets;
		char     ar_uri[DC_URI_MAX];
		char     ar_state[24];
	} *da_ranks;
	uint32_t  da_nr_aps;
	char    (*da_aps)[DC_URI_MAX];
};

/**
 * Get (refresh: ask the agent again; else from the cache) the attach info of
 * system sys (NULL: the agent's). *out is a copy the caller frees with
 * dc_attach_free(). -DER_INVAL when sys names another system.
 */
int dc_attach_get(const char *sys, bool refresh, struct dc_attach **out, char *errbuf,
		  size_t errlen);
void dc_attach_free(struct dc_attach *a);
/** Parse a get_attach_info reply (untrusted). 0, -DER_PROTO (reason in errbuf), -DER_NOMEM. */
int dc_attach_parse(const json_t *rep, struct dc_attach **out, char *errbuf, size_t errlen);
/** Drop the cached attach info (daos_fini). */
void dc_attach_cache_clear(void);

/* ---- Utilities (dc_util.c) ---------------------------------------------- */

/** Base64 (standard alphabet, padded) of len bytes; a new NUL-terminated string or NULL. */
char *dc_base64_encode(const void *buf, size_t len);
/**
 * Decode strict padded base64 of at most max decoded bytes into a new buffer
 * (*out, *len; *out is non-NULL even for 0 bytes). 0, -DER_INVAL (bad
 * character, padding or length), -DER_OVERFLOW (> max), -DER_NOMEM.
 */
int dc_base64_decode(const char *text, size_t max, uint8_t **out, size_t *len);
/**
 * Split a fabric URI "ofi+tcp://IP:PORT" (or "tcp://IP:PORT") into the IP
 * literal and port (1..65535). 0 or -DER_INVAL with the reason in errbuf.
 */
int dc_uri_parse(const char *uri, char ip[DC_IP_MAX], uint16_t *port, char *errbuf,
		 size_t errlen);
/** Whether s is a canonical 36-character UUID string. */
bool dc_is_uuid_str(const char *s);
/** Whether s is a usable pool/container name: a UUID string or a valid label. */
bool dc_name_valid(const char *s);
/** Copy src to dst[size] if it fits (with its NUL): 0, or -DER_OVERFLOW. */
int dc_strcpy(char *dst, size_t size, const char *src);
/** json string member `key` of obj, or NULL (absent or not a string). */
const char *dc_json_str(const json_t *obj, const char *key);
/**
 * A property value as text: strings as they are, numbers and booleans as
 * words, anything else as compact JSON. The snprintf-style length, -1 on
 * failure (out cut when the length is >= len).
 */
int dc_json_text(const json_t *val, char *out, size_t len);
/** json integer member `key` in [min, max] into *v: 0, -DER_NONEXIST (absent), -DER_PROTO. */
int dc_json_int(const json_t *obj, const char *key, int64_t min, int64_t max, int64_t *v);

/*
 * Blob writer and reader (local2global blobs, little endian). The writer with
 * wb_buf NULL only counts; past wb_cap it keeps counting and stops writing.
 * The reader sets rb_err instead of reading past the end.
 */
struct dc_wbuf {
	uint8_t *wb_buf;
	size_t   wb_cap;
	size_t   wb_len;
};
struct dc_rbuf {
	const uint8_t *rb_buf;
	size_t         rb_len;
	size_t         rb_off;
	bool           rb_err;
};
void dc_w_bytes(struct dc_wbuf *w, const void *p, size_t n);
void dc_w_u16(struct dc_wbuf *w, uint16_t v);
void dc_w_u32(struct dc_wbuf *w, uint32_t v);
void dc_w_u64(struct dc_wbuf *w, uint64_t v);
/** A string as u16 length + bytes (no NUL); strings longer than 65535 bytes are cut. */
void dc_w_str(struct dc_wbuf *w, const char *s);
const uint8_t *dc_r_bytes(struct dc_rbuf *r, size_t n);
uint16_t dc_r_u16(struct dc_rbuf *r);
uint32_t dc_r_u32(struct dc_rbuf *r);
uint64_t dc_r_u64(struct dc_rbuf *r);
/** Read a string into dst[size] (NUL added); too long or containing NUL: rb_err. */
void dc_r_str(struct dc_rbuf *r, char *dst, size_t size);

/*
 * Blob envelope: u32 magic, u16 version, u16 flags (0), u32 total length, u32
 * CRC32C of the whole blob with this field 0, then the body.
 */
#define DC_BLOB_HDR_SIZE 16
#define DC_BLOB_VERSION  1
/** Write the envelope over the first DC_BLOB_HDR_SIZE bytes of a finished blob. */
void dc_blob_seal(uint8_t *blob, size_t len, uint32_t magic);

/**
 * The two-phase size-then-fill protocol of the *_local2global calls: with
 * glob->iov_buf NULL, set iov_buf_len to the size needed; else encode into it
 * (iov_len = the size, or -DER_TRUNC with iov_buf_len = the size needed).
 * \param enc  encoder of \a obj: (obj, buf, buflen, needed) -> 0 / -DER_TRUNC / -DER_*
 */
int dc_glob_fill(d_iov_t *glob, int (*enc)(void *obj, void *buf, size_t buflen, size_t *needed),
		 void *obj);
/** Check an envelope: 0, or -DER_INVAL with the reason (magic, version, length, CRC). */
int dc_blob_open(const void *blob, size_t len, uint32_t magic, const char *what, char *errbuf,
		 size_t errlen);

/* ---- Pools (dc_pool.c) -------------------------------------------------- */

/** An engine's data address: target t listens on da_ip:da_port + 1 + t (C1). */
struct dc_rank_addr {
	uint32_t ra_rank;
	uint16_t ra_port;
	char     ra_ip[DC_IP_MAX];
	char     ra_uri[DC_URI_MAX];
};

/** A text property (name -> value) as the MS stores it. */
struct dc_prop_text {
	char pt_name[DC_PROP_NAME_MAX];
	char pt_value[DC_PROP_VALUE_MAX];
};

struct dc_pool {
	struct dc_hdl        dp_hdl;
	uuid_t               dp_uuid;
	char                 dp_uuid_str[37];
	char                 dp_label[DAOS_PROP_LABEL_MAX_LEN + 1];
	char                 dp_sys[DC_SYS_NAME_MAX];
	unsigned int         dp_flags;          /**< DAOS_PC_* */
	pthread_rwlock_t     dp_lock;           /**< map and addresses (I2) */
	pthread_mutex_t      dp_refresh_lock;   /**< one map refresh at a time */
	struct pl_pool_map  *dp_map;
	struct dc_rank_addr *dp_addrs;          /**< sorted by rank */
	uint32_t             dp_nr_addrs;
	uint32_t             dp_nr_props;
	struct dc_prop_text *dp_props;
	atomic_uint          dp_nr_conts;       /**< container handles open on it */
};

/** The pool of handle poh, referenced (release with dc_pool_put). NULL: not a pool handle. */
struct dc_pool *dc_pool_get(daos_handle_t poh);
void dc_pool_put(struct dc_pool *pool);
/** Current map version (under the read lock). */
uint32_t dc_pool_map_version(struct dc_pool *pool);
/** Total targets of the map (placement needs it for X classes). */
uint32_t dc_pool_nr_targets(struct dc_pool *pool);
/**
 * Fetch the pool's map again through the agent (pool_connect) unless the
 * current version is already above `seen` (another operation refreshed it).
 * 0, or the agent's / server's error.
 */
int dc_pool_refresh(struct dc_pool *pool, uint32_t seen);
/** Address of `rank` copied into *addr. -DER_NONEXIST when the pool knows no URI for it. */
int dc_pool_addr(struct dc_pool *pool, uint32_t rank, struct dc_rank_addr *addr);

/**
 * Build a pool record from a pool_connect reply (untrusted JSON), its
 * system and the addresses the reply leaves out taken from the attach info
 * a (may be NULL); not in the table. 0, -DER_PROTO (reason in errbuf),
 * -DER_NOMEM.
 */
int dc_pool_from_connect(const json_t *rep, unsigned int flags, const struct dc_attach *a,
			 struct dc_pool **out, char *errbuf, size_t errlen);
/** Replace the map and addresses with those of a newer pool_connect reply. */
int dc_pool_update_from_connect(struct dc_pool *pool, const json_t *rep, char *errbuf,
				size_t errlen);
/** Serialise / deserialise a pool record (local2global blob). */
/** Sort rank addresses and refuse duplicates; -DER_INVAL with the reason. */
int dc_addrs_sort(struct dc_rank_addr *addrs, uint32_t nr, char *errbuf, size_t errlen);
/** Fill one address from a rank and a fabric URI (untrusted); -DER_INVAL with the reason. */
int dc_addr_set(struct dc_rank_addr *a, uint32_t rank, const char *uri, char *errbuf,
		size_t errlen);
int dc_pool_blob_encode(struct dc_pool *pool, void *buf, size_t buflen, size_t *needed);
int dc_pool_blob_decode(const void *buf, size_t len, struct dc_pool **out, char *errbuf,
			size_t errlen);
/** A new pool record (one reference, not in the table) owning `map`. */
int dc_pool_alloc(struct dc_pool **out);
void dc_pool_free_hdl(struct dc_hdl *hdl);
/** Look up a text property of the pool or NULL. */
const char *dc_pool_prop(struct dc_pool *pool, const char *name);

/*
 * User attributes of pools ("pool") and containers ("cont") through the C4
 * methods <prefix>_{set,get,del}_attr; target is the {pool[, cont]} body
 * (borrowed). Semantics as daos_pool_*_attr().
 */
int dc_attr_check(int n, char const *const names[], void const *const values[],
		  size_t const sizes[], bool need_values);
int dc_attr_list(const char *prefix, json_t *target, char *buffer, size_t *size,
		 daos_event_t *ev);
int dc_attr_get(const char *prefix, json_t *target, int n, char const *const names[],
		void *const buffers[], size_t sizes[], daos_event_t *ev);
int dc_attr_set(const char *prefix, json_t *target, int n, char const *const names[],
		void const *const values[], size_t const sizes[], daos_event_t *ev);
int dc_attr_del(const char *prefix, json_t *target, int n, char const *const names[],
		daos_event_t *ev);

/* ---- Containers (dc_cont.c) --------------------------------------------- */

struct dc_cont {
	struct dc_hdl        dc_hdl;
	struct dc_pool      *dc_pool;           /**< referenced (I2) */
	uuid_t               dc_uuid;
	char                 dc_uuid_str[37];
	char                 dc_label[DAOS_PROP_LABEL_MAX_LEN + 1];
	char                 dc_type[DC_CONT_TYPE_MAX];
	unsigned int         dc_flags;          /**< DAOS_COO_* */
	daos_oclass_id_t     dc_oclass;         /**< default class, OC_UNKNOWN: none */
	uint64_t             dc_chunk_size;     /**< default array chunk bytes, 0: none */
	uint32_t             dc_rf;
	uint32_t             dc_nr_props;
	struct dc_prop_text *dc_props;
	bool                 dc_closed;
};

struct dc_cont *dc_cont_get(daos_handle_t coh);
void dc_cont_put(struct dc_cont *cont);
/** Whether the container handle allows writes. */
bool dc_cont_writable(const struct dc_cont *cont);
int dc_cont_blob_encode(struct dc_cont *cont, void *buf, size_t buflen, size_t *needed);
int dc_cont_blob_decode(struct dc_pool *pool, const void *buf, size_t len, struct dc_cont **out,
			char *errbuf, size_t errlen);
/** Fill the record's defaults (class, chunk size, rf) from its text props. */
void dc_cont_apply_props(struct dc_cont *cont);
/** A new container record of pool (referenced), one reference, not in the table. */
int dc_cont_alloc(struct dc_pool *pool, struct dc_cont **out);
/** Snapshots of the container, fresh from the MS (*epochs malloc'ed, sorted). */
int dc_cont_snapshots(struct dc_cont *cont, daos_epoch_t **epochs, char (**names)[128],
		      uint32_t *nr);

/* ---- Properties (dc_prop.c) --------------------------------------------- */

/** Kinds of property values. */
enum dc_prop_kind { DC_PK_VAL, DC_PK_STR, DC_PK_PTR };

/** How a DAOS_PROP_CO_* type maps onto the MS record. */
struct dc_co_prop_def {
	uint32_t    cpd_type;
	const char *cpd_name;      /**< MS property name (NULL: not stored as a property) */
	int         cpd_kind;      /**< enum dc_prop_kind */
	bool        cpd_mutable;   /**< daos_cont_set_prop may change it */
};

/** The definition of a container property type, or NULL. */
const struct dc_co_prop_def *dc_co_prop_def(uint32_t type);
/**
 * Render one entry as MS text (name, value). -DER_INVAL with a message for a
 * bad value (e.g. an unknown checksum), -DER_NOSYS for types not stored.
 */
int dc_co_prop_to_text(const struct daos_prop_entry *e, char name[DC_PROP_NAME_MAX],
		       char value[DC_PROP_VALUE_MAX], char *errbuf, size_t errlen);
/** What a container query knows, to fill entries from. */
struct dc_cont_md {
	const char          *cm_label;
	const char          *cm_type;
	const char          *cm_owner;
	const char          *cm_group;
	uint64_t             cm_next_oid;
	uint32_t             cm_map_version;
	uint32_t             cm_nr_props;
	struct dc_prop_text *cm_props;
};
/** Fill entry e (its dpe_type set) from md; defaults where md holds nothing. */
int dc_co_prop_fill(struct daos_prop_entry *e, const struct dc_cont_md *md);
/** Layout type name <-> value ("POSIX" <-> DAOS_PROP_CO_LAYOUT_POSIX; any case in). */
int dc_layout_from_name(const char *name, uint64_t *val);
const char *dc_layout_name(uint64_t val);
/** Free what an entry owns (string, structure) and clear it. */
void dc_prop_entry_clear(struct daos_prop_entry *e);

/* ---- ACL text (dc_acl.c) ------------------------------------------------ */

/** ACL as text for the MS ("ACE,ACE,..."); a new string or NULL. */
char *dc_acl_to_text(struct daos_acl *acl);
/** Parse dc_acl_to_text() output. 0, -DER_INVAL, -DER_NOMEM. */
int dc_acl_from_text(const char *text, struct daos_acl **acl);
/** DAOS's default container ACL (owner rwdtTaAo, owner group rwtT). */
struct daos_acl *dc_acl_default_cont(void);

/* ---- Objects and the I/O engine (dc_io.c, dc_obj.c) --------------------- */

struct dc_obj {
	struct dc_hdl        do_hdl;
	struct dc_cont      *do_cont;     /**< referenced */
	daos_obj_id_t        do_oid;
	unsigned int         do_mode;     /**< DAOS_OO_* */
	pthread_mutex_t      do_lock;     /**< the cached layout */
	struct pl_obj_layout do_layout;   /**< valid when ol_nr > 0 */
};

/** A new object record (one reference; not in the table). */
int dc_obj_alloc(struct dc_cont *cont, daos_obj_id_t oid, unsigned int mode,
		 struct dc_obj **out);
struct dc_obj *dc_obj_get(daos_handle_t oh);
/** daos_obj_open after the KV/array checks of its callers. */
int dc_obj_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
		daos_event_t *ev);
void dc_obj_put(struct dc_obj *obj);
/** Whether the object (mode and container) allows writes. */
bool dc_obj_writable(const struct dc_obj *obj);
/** Number of shards of the object's current layout (>= 1), or a negative error. */
int dc_obj_nr_shards(struct dc_obj *obj);

/** Epoch an operation reads/writes at: th DAOS_TX_NONE -> 0 ("now"/"latest"). */
int dc_tx_epoch(daos_handle_t th, struct dc_cont *cont, bool write, daos_epoch_t *epoch);

/** Completion of an I/O: called exactly once with the result. */
typedef void (*dc_io_cb_t)(void *arg, int rc);

/*
 * Integer keys: objects whose type has uint64 dkeys (akeys) take 8-byte keys
 * in host order; the wire and the targets see them big-endian, so the
 * targets' (length, bytes) key order is numeric order (DAOS's semantics).
 */
bool dc_oid_dkey_int(daos_obj_id_t oid);
bool dc_oid_akey_int(daos_obj_id_t oid);

/** Arguments of the object operations (pointers stay the caller's until completion). */
struct dc_io_args {
	daos_epoch_t       ia_epoch;
	daos_key_t        *ia_dkey;
	daos_key_t        *ia_akey;
	unsigned int       ia_nr;
	daos_iod_t        *ia_iods;
	d_sg_list_t       *ia_sgls;
	daos_key_t        *ia_keys;       /**< punch_dkeys / punch_akeys */
	uint32_t          *ia_nr_inout;   /**< list: capacity in, returned out */
	daos_key_desc_t   *ia_kds;
	d_sg_list_t       *ia_sgl;        /**< list: key buffer */
	daos_anchor_t     *ia_anchor;
	daos_size_t       *ia_rsize;      /**< list_recx record size */
	daos_recx_t       *ia_recxs;
	daos_epoch_range_t *ia_eprs;
	uint64_t           ia_flags;      /**< query_key DAOS_GET_* */
	daos_key_t        *ia_dkey_out;   /**< query_key: where the greatest dkey goes */
	daos_key_t        *ia_akey_out;   /**< query_key: where the greatest akey goes */
	daos_recx_t       *ia_recx;       /**< query_key out */
	daos_obj_id_t     *ia_oids;       /**< OIT list out */
};

/**
 * Start object operation `opcode` (PROTO_OP_OBJ_*) on obj (for
 * PROTO_OP_OBJ_LIST_OBJ: obj is NULL and cont names the container) with
 * args; cb(arg, rc) runs exactly once, possibly before this returns (errors
 * found at once) or from progress. Arguments must have been validated.
 */
void dc_io_start(uint16_t opcode, struct dc_obj *obj, struct dc_cont *cont,
		 const struct dc_io_args *args, daos_event_t *ev, dc_io_cb_t cb, void *cb_arg);
/** Process the retry queue (from dc_progress). */
void dc_io_retry_process(void);
/** Abort every operation of event ev (daos_event_abort). */
void dc_io_abort_event(daos_event_t *ev);
/** Completion callback that completes the event given as arg. */
void dc_io_ev_cb(void *arg, int rc);
/** Fail everything still queued for retry (daos_fini). */
void dc_io_retry_drain(void);

/* ---- Validation helpers (dc_obj.c) -------------------------------------- */

/** A key: non-NULL, 1..DC_KEY_MAX bytes with a buffer. */
int dc_key_check(const daos_key_t *key);
/** sgl sanity (nr <= 65536, iovs present, lengths within buffers). */
int dc_sgl_check(const d_sg_list_t *sgl, bool for_write);
/** Total bytes the iovs hold (for_write: iov_len; else iov_buf_len). */
uint64_t dc_sgl_bytes(const d_sg_list_t *sgl, bool for_write);

/* ---- Array chunk math (dc_array.c) -------------------------------------- */

/** One piece of an array I/O that falls in one chunk. */
struct dc_array_piece {
	uint64_t ap_chunk;   /**< chunk index (dkey = chunk + 1) */
	uint64_t ap_idx;     /**< first cell within the chunk */
	uint64_t ap_nr;      /**< cells */
	uint64_t ap_buf_off; /**< byte offset in the caller's sgl */
};

/**
 * Cut the cells [idx, idx + len) into per-chunk pieces. *nr in the capacity
 * of out, out the pieces written (out NULL: count only). 0, -DER_INVAL
 * (chunk 0, overflow), -DER_TRUNC (out too small).
 */
int dc_array_split(uint64_t idx, uint64_t len, uint64_t chunk_size, uint64_t cell_size,
		   uint64_t buf_off, struct dc_array_piece *out, uint64_t *nr);
/** Array size in cells from the greatest chunk dkey and the end of its greatest extent. */
uint64_t dc_array_size_from(uint64_t chunk_dkey, uint64_t extent_end, uint64_t chunk_size);

#endif /* CLIENT_INTERNAL_H */
