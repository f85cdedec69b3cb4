/*
 * ras.h: RAS (Reliability, Availability, Serviceability) events.
 *
 * A RAS event is one fixed-size struct (struct d_ras_event) holding every
 * field of DAOS's event table: the mandatory id, type, timestamp, severity and
 * message, and the optional hardware id, rank, incarnation, pid, tid, job id,
 * hostname, pool and container UUIDs, object id, control operation and data.
 * The module gives it three renderings:
 *
 *   - the engine log line (D_RAS_FORM_ENGINE), byte-compatible with DAOS:
 *       &&& RAS EVENT id: [swim_rank_dead] ts: [2021-11-21T13:32:31.747408+0000]
 *       host: [wolf-112] type: [STATE_CHANGE] sev: [NOTICE] msg: [...] pid: [253454]
 *       tid: [1] rank: [6] inc: [63a058833280000]          (one line, no newline)
 *   - the control-plane line (D_RAS_FORM_CONTROL) that daos_server writes to
 *     syslog: the same without the "&&& RAS EVENT " prefix, the incarnation as
 *     "incarnation: [<decimal>]", and pid/tid left out when unset or zero;
 *   - JSON (below), parsed back strictly by d_ras_event_from_json().
 *
 * The catalogue of event ids is fixed at compile time; the numeric id is the
 * position in the list (it shifts between DAOS releases), so anything that
 * leaves the process identifies an event by its string id.
 *
 * Invariants of a struct d_ras_event built by this module's functions:
 *  1. ev_id < RAS_EVENT_NR and ev_id_str is the catalogue name of ev_id.
 *  2. ev_type is STATE_CHANGE or INFO; ev_sev is ERROR, WARNING or NOTICE.
 *  3. The timestamp is ev_ts_sec (UTC seconds since the epoch) + ev_ts_usec
 *     (< 1,000,000), printed as local time at offset ev_tz_off (seconds east of
 *     UTC, a whole number of minutes, |offset| <= 23:59) whose local date lies
 *     in years 0000..9999. Printing never consults the process's TZ, so a
 *     parsed event prints exactly as its source did.
 *  4. Every string field is NUL-terminated inside its array, valid UTF-8 and
 *     free of ASCII control characters, so a field can neither forge a second
 *     log line nor break the JSON encoder.
 *  5. An optional field is meaningful only when its D_RAS_F_* bit is set in
 *     ev_flags; unset fields are zero.
 *
 * Overflow rule: the string setters (and d_ras_event_init's msg) never fail on
 * length; text longer than the field is cut at a character boundary and the
 * stored text ends with '$' (as DAOS does for its 128-byte message). JSON input
 * is different: a string longer than its field is rejected, so a parsed event
 * is never silently altered. The setters replace control characters with a
 * space and bytes that are not valid UTF-8 with '?'; JSON input holding a
 * control character is rejected.
 *
 * JSON shape (stable; compact, keys in this order):
 *   {"id":"swim_rank_dead",                          string id, required
 *    "type":"STATE_CHANGE",                          "STATE_CHANGE" | "INFO"
 *                                                    ("INFO_ONLY" accepted on input)
 *    "severity":"NOTICE",                            "ERROR" | "WARNING" | "NOTICE"
 *    "timestamp":"2021-11-21T13:32:31.747408+0000",  as in the text line, required
 *    "msg":"SWIM marked rank as dead.",              required
 *    "hostname":"wolf-112", "pid":253454, "tid":1,   present when set
 *    "hw_id":"0000:81:00.0", "rank":6,               optional, present when set
 *    "incarnation":"448677195408736256",             u64 as a decimal STRING
 *    "job_id":"...", "pool_uuid":"<uuid>", "cont_uuid":"<uuid>",
 *    "object_id":"<hi>.<lo>",                        decimal u64 halves, as a string
 *    "ctl_op":"...", "data":"..."}
 * Input: at most D_RAS_JSON_MAX bytes, one object, no duplicate or unknown
 * keys, no null values; the timestamp exactly as printed (an offset of -0000
 * reads as +0000); integers must be JSON integers (not 1.0); pid and tid in
 * [0, 2147483647]; rank in [0, 4294967294] (4294967295 is D_RAS_NO_RANK);
 * UUIDs in the 36-character form (either case; printed lower case).
 *
 * All functions are reentrant and lock-free; the catalogue is read-only.
 */
#ifndef GURT_RAS_H
#define GURT_RAS_H

#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Limits. Sizes include the terminating NUL.
 */
/** Message: DAOS's DAOS_RAS_STR_FIELD_SIZE; the control plane stores the same. */
#define D_RAS_MSG_MAX        128
#define DAOS_RAS_STR_FIELD_SIZE D_RAS_MSG_MAX
/** Event id string: DAOS's DAOS_RAS_ID_FIELD_SIZE; every catalogue name fits. */
#define D_RAS_ID_MAX         64
/** Hostname: a fully qualified DNS name is at most 253 characters. */
#define D_RAS_HOST_MAX       256
/** Hardware id: a PCI address or interface name, with room for a short path. */
#define D_RAS_HWID_MAX       128
/** Job id: schedulers' ids (Slurm, PBS) are far shorter; a wrapper may add a prefix. */
#define D_RAS_JOBID_MAX      128
/** Control operation: a recommended action name plus arguments. */
#define D_RAS_CTLOP_MAX      128
/** Data blob, printed as text: room for a map version, op id and a rank list. */
#define D_RAS_DATA_MAX       1024
/** Timestamp text "YYYY-MM-DDThh:mm:ss.uuuuuu+hhmm" (31 characters). */
#define D_RAS_TS_SIZE        32
/** Largest |ev_tz_off| in seconds: the text form has two hour digits (23:59). */
#define D_RAS_TZ_OFF_MAX     (23 * 3600 + 59 * 60)
/** JSON input bound: a maximal event encodes to under 5 KiB even with escapes. */
#define D_RAS_JSON_MAX       16384
/** A buffer this size holds either text form of any event (maximal one < 2.5 KiB). */
#define D_RAS_LINE_MAX       4096
/** Rank value meaning "no rank" (CRT_NO_RANK); set_rank with it clears the rank. */
#define D_RAS_NO_RANK        UINT32_MAX

/** Text forms for d_ras_event_format(). */
#define D_RAS_FORM_ENGINE    0
#define D_RAS_FORM_CONTROL   1

/** Prefix of the engine form, kept for log scanners. */
#define D_RAS_ENGINE_PREFIX  "&&& RAS EVENT "

enum d_ras_type {
	RAS_TYPE_ANY          = 0, /* subscriber filter only, never an event's type */
	RAS_TYPE_STATE_CHANGE = 1, /* updates the Management Service, then syslog */
	RAS_TYPE_INFO         = 2, /* syslog only */
};

enum d_ras_sev {
	RAS_SEV_UNKNOWN = 0, /* printed as NOTICE, refused by the JSON encoder */
	RAS_SEV_ERROR   = 1,
	RAS_SEV_WARNING = 2,
	RAS_SEV_NOTICE  = 3,
};

/*
 * The catalogue: X(enum, string id, type, severity, default message).
 * Order is the numeric id; append only. Messages with % directives are
 * templates for callers that format their own text; the library never
 * formats with them.
 */
#define D_RAS_FOREACH_EVENT(X)                                                                     \
	X(RAS_UNKNOWN_EVENT, "unknown_ras_event", INFO, NOTICE, "Unknown RAS event")                \
	X(RAS_ENGINE_FORMAT_REQUIRED, "engine_format_required", INFO, NOTICE,                      \
	  "DAOS engine %d requires a %s format")                                                   \
	X(RAS_ENGINE_DIED, "engine_died", STATE_CHANGE, ERROR,                                     \
	  "DAOS engine %d exited unexpectedly: %s")                                                \
	X(RAS_ENGINE_ASSERTED, "engine_asserted", STATE_CHANGE, ERROR, "DAOS engine %d asserted") \
	X(RAS_ENGINE_CLOCK_DRIFT, "engine_clock_drift", INFO, ERROR, "clock drift detected")       \
	X(RAS_POOL_CORRUPTION_DETECTED, "pool_corruption_detected", INFO, ERROR,                   \
	  "Data corruption detected")                                                              \
	X(RAS_POOL_REBUILD_STARTED, "pool_rebuild_started", INFO, NOTICE, "Pool rebuild started.") \
	X(RAS_POOL_REBUILD_FINISHED, "pool_rebuild_finished", INFO, NOTICE,                        \
	  "Pool rebuild finished.")                                                                \
	X(RAS_POOL_REBUILD_FAILED, "pool_rebuild_failed", INFO, ERROR, "Pool rebuild failed: %s.") \
	X(RAS_POOL_REPLICAS_UPDATED, "pool_replicas_updated", STATE_CHANGE, NOTICE,                \
	  "List of pool service replica ranks has been updated.")                                  \
	X(RAS_POOL_DURABLE_FORMAT_INCOMPAT, "pool_durable_format_incompat", INFO, ERROR,           \
	  "incompatible layout version: %u not in [%u, %u]")                                       \
	X(RAS_POOL_DESTROY_DEFERRED, "pool_destroy_deferred", INFO, WARNING,                       \
	  "Pool destroy deferred")                                                                 \
	X(RAS_POOL_START_FAILED, "pool_start_failed", INFO, ERROR, "Pool start failed")            \
	X(RAS_CONTAINER_DURABLE_FORMAT_INCOMPAT, "container_durable_format_incompat", INFO, ERROR, \
	  "incompatible layout version: %u not in [%u, %u]")                                       \
	X(RAS_RDB_DURABLE_FORMAT_INCOMPATIBLE, "rdb_durable_format_incompatible", INFO, ERROR,     \
	  "incompatible layout version: %u not in [%u, %u]")                                       \
	X(RAS_SWIM_RANK_ALIVE, "swim_rank_alive", STATE_CHANGE, NOTICE,                            \
	  "SWIM rank marked as alive.")                                                            \
	X(RAS_SWIM_RANK_DEAD, "swim_rank_dead", STATE_CHANGE, NOTICE, "SWIM rank marked as dead.") \
	X(RAS_SYSTEM_START_FAILED, "system_start_failed", INFO, ERROR,                             \
	  "System startup failed, %s")                                                             \
	X(RAS_SYSTEM_STOP_FAILED, "system_stop_failed", INFO, ERROR,                               \
	  "System shutdown failed during %s action, %s")                                           \
	X(RAS_DEVICE_SET_FAULTY, "device_set_faulty", INFO, NOTICE, "Device set to faulty state") \
	X(RAS_DEVICE_MEDIA_ERROR, "device_media_error", INFO, ERROR, "Device media error")         \
	X(RAS_DEVICE_UNPLUGGED, "device_unplugged", INFO, NOTICE, "Device unplugged")             \
	X(RAS_DEVICE_PLUGGED, "device_plugged", INFO, NOTICE, "Device plugged")                   \
	X(RAS_DEVICE_REPLACE, "device_replace", INFO, NOTICE, "Device replaced")                  \
	X(RAS_SYSTEM_FABRIC_PROVIDER_CHANGED, "system_fabric_provider_changed", INFO, NOTICE,      \
	  "System fabric provider changed")                                                        \
	X(RAS_ENGINE_JOIN_FAILED, "engine_join_failed", INFO, ERROR,                               \
	  "DAOS engine failed to join the system")                                                 \
	X(RAS_DEVICE_LINK_SPEED_CHANGED, "device_link_speed_changed", INFO, NOTICE,                \
	  "Device link speed changed")                                                             \
	X(RAS_DEVICE_LINK_WIDTH_CHANGED, "device_link_width_changed", INFO, NOTICE,                \
	  "Device link width changed")                                                             \
	X(RAS_ENGINE_SELF_TERMINATED, "engine_self_terminated", STATE_CHANGE, ERROR,               \
	  "DAOS engine terminated itself")                                                         \
	X(RAS_OBJ_CSUM_ERROR, "obj_csum_error", INFO, ERROR, "Object checksum error detected")    \
	X(RAS_DEVICE_LED_SET, "device_led_set", INFO, NOTICE, "Device LED state set")

#define D_RAS_EVENT_ENUM(e, name, type, sev, msg) e,
enum d_ras_event_id {
	D_RAS_FOREACH_EVENT(D_RAS_EVENT_ENUM)
	RAS_EVENT_NR
};
#undef D_RAS_EVENT_ENUM

/** One catalogue entry; static storage, never freed. */
struct d_ras_event_desc {
	enum d_ras_event_id rd_id;
	const char         *rd_name; /* string id, e.g. "swim_rank_dead" */
	enum d_ras_type     rd_type; /* default type */
	enum d_ras_sev      rd_sev;  /* default severity */
	const char         *rd_msg;  /* default message or template for callers */
};

/** Catalogue entry of @id; NULL when @id is out of range. */
const struct d_ras_event_desc *d_ras_event_desc(enum d_ras_event_id id);

/**
 * Catalogue entry of the string id @name (exact, case-sensitive); NULL when
 * @name is NULL or unknown. The names other DAOS releases used for the same
 * events ("corruption_detected", "pool_durable_format_incompatible",
 * "container_durable_format_incompatible") are accepted as aliases and return
 * the entry whose rd_name is the canonical spelling.
 */
const struct d_ras_event_desc *d_ras_event_desc_by_name(const char *name);

/** "STATE_CHANGE" or "INFO" (anything but STATE_CHANGE prints as INFO, as in DAOS). */
const char *d_ras_type2str(enum d_ras_type type);

/** "ERROR", "WARNING" or "NOTICE" (unknown prints as NOTICE, as in DAOS). */
const char *d_ras_sev2str(enum d_ras_sev sev);

/* Bits of ev_flags: which optional fields are set. */
#define D_RAS_F_HWID  (1U << 0)
#define D_RAS_F_RANK  (1U << 1)
#define D_RAS_F_INC   (1U << 2)
#define D_RAS_F_JOBID (1U << 3)
#define D_RAS_F_POOL  (1U << 4)
#define D_RAS_F_CONT  (1U << 5)
#define D_RAS_F_OID   (1U << 6)
#define D_RAS_F_CTLOP (1U << 7)
#define D_RAS_F_DATA  (1U << 8)
#define D_RAS_F_PID   (1U << 9)
#define D_RAS_F_TID   (1U << 10)
#define D_RAS_F_HOST  (1U << 11)
#define D_RAS_F_ALL   ((1U << 12) - 1)

/** One event. Plain data: copy with '=', no cleanup. About 2 KiB. */
struct d_ras_event {
	enum d_ras_event_id ev_id;
	enum d_ras_type     ev_type;
	enum d_ras_sev      ev_sev;
	uint32_t            ev_flags;   /* D_RAS_F_* */
	int64_t             ev_ts_sec;  /* UTC seconds since the epoch */
	uint32_t            ev_ts_usec; /* microseconds, < 1000000 */
	int32_t             ev_tz_off;  /* seconds east of UTC, whole minutes */
	int32_t             ev_pid;     /* D_RAS_F_PID */
	int32_t             ev_tid;     /* D_RAS_F_TID */
	uint32_t            ev_rank;    /* D_RAS_F_RANK, never D_RAS_NO_RANK */
	uint64_t            ev_inc;     /* D_RAS_F_INC: incarnation of the rank */
	uint64_t            ev_oid_hi;  /* D_RAS_F_OID */
	uint64_t            ev_oid_lo;
	uuid_t              ev_pool;    /* D_RAS_F_POOL */
	uuid_t              ev_cont;    /* D_RAS_F_CONT */
	char                ev_id_str[D_RAS_ID_MAX];
	char                ev_msg[D_RAS_MSG_MAX];
	char                ev_hostname[D_RAS_HOST_MAX]; /* D_RAS_F_HOST */
	char                ev_hwid[D_RAS_HWID_MAX];     /* D_RAS_F_HWID */
	char                ev_jobid[D_RAS_JOBID_MAX];   /* D_RAS_F_JOBID */
	char                ev_ctlop[D_RAS_CTLOP_MAX];   /* D_RAS_F_CTLOP */
	char                ev_data[D_RAS_DATA_MAX];     /* D_RAS_F_DATA, text */
};

/**
 * Start an event: zero @ev, then fill id, type and severity from the
 * catalogue, the message (@msg, or the catalogue's default text verbatim when
 * NULL, cut with '$' when too long), the current time with microseconds and
 * the local UTC offset (rounded toward zero to whole minutes), the hostname,
 * pid and tid (gettid). Change type, severity or time afterwards by writing
 * ev_type/ev_sev or calling d_ras_event_set_ts().
 * Returns 0; -DER_INVAL when @ev is NULL or @id is out of range; -DER_MISC when
 * the clock or local-time conversion fails (@ev is then incomplete). If
 * gethostname() fails the event is still made, without D_RAS_F_HOST.
 */
int d_ras_event_init(struct d_ras_event *ev, enum d_ras_event_id id, const char *msg);

/*
 * Setters. @ev must not be NULL. String setters copy (the caller keeps its
 * string), sanitise and cut with '$' per the overflow rule above; NULL clears
 * the field and its flag (for set_msg, NULL restores the catalogue default).
 * Other fields are cleared by clearing their D_RAS_F_* bit.
 */
void d_ras_event_set_msg(struct d_ras_event *ev, const char *msg);
void d_ras_event_set_host(struct d_ras_event *ev, const char *hostname);
void d_ras_event_set_hwid(struct d_ras_event *ev, const char *hwid);
void d_ras_event_set_jobid(struct d_ras_event *ev, const char *jobid);
void d_ras_event_set_ctlop(struct d_ras_event *ev, const char *ctlop);
void d_ras_event_set_data(struct d_ras_event *ev, const char *data);
/** D_RAS_NO_RANK clears the rank. */
void d_ras_event_set_rank(struct d_ras_event *ev, uint32_t rank);
void d_ras_event_set_inc(struct d_ras_event *ev, uint64_t inc);
void d_ras_event_set_pool(struct d_ras_event *ev, const uuid_t pool);
void d_ras_event_set_cont(struct d_ras_event *ev, const uuid_t cont);
void d_ras_event_set_oid(struct d_ras_event *ev, uint64_t hi, uint64_t lo);
/** 0, or -DER_INVAL when @pid is negative (the event is unchanged). */
int d_ras_event_set_pid(struct d_ras_event *ev, int32_t pid);
/** 0, or -DER_INVAL when @tid is negative (the event is unchanged). */
int d_ras_event_set_tid(struct d_ras_event *ev, int32_t tid);
/**
 * Set the timestamp. 0, or -DER_INVAL (event unchanged) when @usec >= 1000000,
 * @tz_off is not whole minutes or exceeds D_RAS_TZ_OFF_MAX, or the local date
 * falls outside years 0000..9999.
 */
int d_ras_event_set_ts(struct d_ras_event *ev, int64_t sec, uint32_t usec, int32_t tz_off);

/**
 * Print @ev as one line (no newline) in @form (D_RAS_FORM_ENGINE or
 * D_RAS_FORM_CONTROL) into @buf of @len bytes. D_RAS_LINE_MAX always suffices.
 * String fields are read only up to their array size, so a corrupted struct
 * cannot cause an out-of-bounds read.
 * Returns 0; -DER_TRUNC when the line does not fit (buf then holds "" when
 * len > 0); -DER_INVAL when @ev or @buf is NULL, @form is unknown or the
 * timestamp violates invariant 3.
 */
int d_ras_event_format(const struct d_ras_event *ev, int form, char *buf, size_t len);

/**
 * Encode @ev as compact JSON (shape above) into a NUL-terminated string
 * allocated with malloc(); the caller frees it with free().
 * Returns 0; -DER_INVAL when an argument is NULL or @ev violates an invariant
 * (such an event would not parse back); -DER_NOMEM. *@json_out is untouched on
 * error.
 */
int d_ras_event_to_json(const struct d_ras_event *ev, char **json_out);

/**
 * Parse @len bytes of JSON (no NUL needed) into @ev, strictly (see above).
 * On success @ev holds the event and @errbuf (when errlen > 0) is "". On
 * failure @ev is untouched, @errbuf holds the reason (e.g. "ras: unknown event
 * id 'foo'"; echoed input is cut and its non-printable bytes shown as '?') and
 * the return is -DER_INVAL (bad input, including @len > D_RAS_JSON_MAX) or
 * -DER_NOMEM. @errbuf may be NULL when @errlen is 0.
 */
int d_ras_event_from_json(const char *json, size_t len, struct d_ras_event *ev, char *errbuf,
			  size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* GURT_RAS_H */
