/*
 * ms_db.h: the Management Service database, a deterministic replicated state
 * machine (pure: no Raft, no I/O, no clock, no randomness).
 *
 * The MS runs on the access-point servers; ms_raft.h replicates the commands
 * defined here with Raft and feeds them, in log order, to ms_db_apply() on
 * every replica. This step holds the system membership (one record per
 * engine); pools and containers are tables of their own module, ms_pool.h
 * (its commands, rules and snapshot section are described there).
 *
 * Member record: rank (assigned at first join, never reused, kept across
 * restarts: the same engine UUID rejoining gets its old rank), engine UUID,
 * control address (host:port of its daos_server), fabric URI, fault domain,
 * number of targets, state (DAOS's member state bits), reason text,
 * incarnation (new at every join, carried by the command: the leader takes
 * it from its HLC), time of the last change (HLC, carried by the command).
 *
 * Commands are JSON objects, serialised by ms_cmd_encode() (or built by the
 * caller) and strictly validated by ms_db_apply():
 *   {"v":1,"op":"noop"}                          barrier, changes nothing
 *   {"v":1,"op":"init","uuid":U,"name":N}        give the database its UUID
 *   {"v":1,"op":"join","uuid":U,["rank":R,]["replace":true,]"ctl_addr":A,
 *    "fabric_uri":F,"fault_domain":D,"targets":T,"inc":I,"time":H}
 *   {"v":1,"op":"set_state","ranks":"0-3,7","state":"Stopped",["from":M,]
 *    "reason":S,["inc":I,]"time":H}
 *   {"v":1,"op":"remove","rank":R}
 *   {"v":1,"op":"erase"}
 *   {"v":1,"op":"pool_create",...} and the other pool and container
 *   commands: see ms_pool.h
 * Integers are JSON integers in [0, INT64_MAX] (u64 values above that cannot
 * be encoded); "from" is a mask of state bits; states are named as DAOS prints
 * them (any case on input). Unknown keys, duplicate keys, wrong types, values
 * out of range and strings over their limit are refused with -DER_INVAL; a
 * "v" other than MS_CMD_VERSION or an unknown "op" with -DER_PROTO (a command
 * from a newer leader). A refused command changes nothing.
 *
 * Rules (every one deterministic, so all replicas agree):
 *  INIT  name must equal the database's system name (-DER_MISMATCH). A
 *        database without a UUID takes the command's; the same UUID again is
 *        a no-op; another one is -DER_ALREADY. ms_raft proposes it when a
 *        leader finds its database without a UUID.
 *  JOIN  known UUID (rejoin): keeps its rank (a requested rank that differs
 *        is -DER_MISMATCH); refused with -DER_EXCLUDED when the member is
 *        AdminExcluded. New UUID: the requested rank, or the next rank never
 *        handed out. A requested rank that belongs to another UUID is
 *        -DER_EXIST, unless "replace" is set (dmg storage format --replace):
 *        then the member takes the new UUID, provided it is not running
 *        (Starting, Ready, Joined or Stopping: -DER_BUSY). A requested rank
 *        that was handed out before and removed is never reused
 *        (-DER_NONEXIST); a higher one moves the next rank past it. More than
 *        MS_MEMBERS_MAX members, or no rank left, is -DER_OVERFLOW.
 *        The member becomes Joined with an empty reason. Its incarnation is
 *        max(command's, previous + 1), so it grows at every rejoin even when
 *        a new leader's clock is behind the old one's.
 *  SET_STATE  every rank must be a member (-DER_NONEXIST otherwise; nothing
 *        changes). With "inc" (exactly one rank), a member whose incarnation
 *        differs is left alone and the result is -DER_STALE: the event came
 *        from an older incarnation (an old engine_died). With "from", members
 *        whose state is not in the mask are skipped (not an error; a member in
 *        state Unknown never matches). A member whose state and reason already
 *        equal the command's is not changed.
 *  REMOVE  the rank must be a member (-DER_NONEXIST), not running
 *        (-DER_BUSY) and host no pool (-DER_BUSY). Its rank is never handed
 *        out again.
 *  ERASE  drops every member and every pool and restarts ranks at 0 (dmg
 *        system erase); the database keeps its UUID and system name.
 * The map version increments once for every command that changed any member
 * (JOIN, SET_STATE with a change, REMOVE, ERASE), so engines and clients can
 * notice a membership change by comparing one number.
 *
 * Snapshot format (ms_db_snapshot): a 32-byte little-endian header
 *   magic "DAOSMSDB" (8) | layout version u32 | header size u32 (32) |
 *   body size u64 | CRC32C of the body u32 | reserved u32 (0)
 * then the body, compact JSON with keys in this order:
 *   {"system":N,"db_uuid":U,"map_version":V,"next_rank":R,"members":[
 *     {"rank":..,"uuid":..,"ctl_addr":..,"fabric_uri":..,"fault_domain":..,
 *      "targets":..,"state":"Joined","reason":..,"incarnation":..,
 *      "last_update":..}, ...],"pools":[...]}    (members sorted by rank)
 * "pools" (layout version 2, format in ms_pool.h) is absent from version 1,
 * which restores with no pools. A layout that adds a table adds a key and
 * bumps MS_DB_LAYOUT_VERSION; restore reads every version in [MIN, MAX]. The
 * version is checked before anything else in the buffer is trusted.
 * Equal databases give byte-identical snapshots.
 *
 * Invariants of a struct ms_db (held whenever no call is running):
 *  1. Members are sorted by rank, ranks unique, every rank < db next rank
 *     (or next rank == D_RANK_NIL, all ranks handed out).
 *  2. UUIDs are unique and never the null UUID; the UUID index holds exactly
 *     the members, sorted by UUID.
 *  3. Every member field satisfies the checks of a JOIN command, its state is
 *     one of the 12 states and its incarnation is in [1, INT64_MAX].
 *  4. At most MS_MEMBERS_MAX members.
 *  5. Every call that fails leaves the database exactly as it was
 *     (all-or-nothing), including on -DER_NOMEM.
 *  6. The pool and container tables hold ms_pool.h's invariants P1-P6 (in
 *     particular every pool rank is a member, which is why REMOVE refuses a
 *     rank that hosts a pool).
 *
 * Threads: a database is not thread-safe; the owner (the Raft loop thread)
 * serialises every call, queries included. Distinct databases are independent.
 */
#ifndef CONTROL_MS_DB_H
#define CONTROL_MS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uuid/uuid.h>

#include "gurt/hostset.h"
#include "gurt/rankset.h"
#include "gurt/ras.h"

/*
 * Limits. String sizes include the terminating NUL.
 */
/** Most members: several times the largest DAOS deployments, and what a rank set of
 *  D_RANKSET_RANGES_MAX ranges can always describe; bounds snapshots to tens of MiB. */
#define MS_MEMBERS_MAX          16384
/** System name: DAOS_SYS_NAME_MAX (15) characters, as daos_server.yml's `name`. */
#define MS_SYS_NAME_MAX         16
/** Control address "host:port": a DNS name (253) plus ":65535" and IPv6 brackets. */
#define MS_CTL_ADDR_MAX         264
/** Fabric URI: provider prefix plus an address; UCX and verbs URIs stay far below. */
#define MS_FABRIC_URI_MAX       256
/** Fault domain "/rack/host": a few levels of host-sized names. */
#define MS_FAULT_DOMAIN_MAX     256
/** State reason: a sentence, e.g. a RAS message (128) with room for context. */
#define MS_REASON_MAX           256
/** Targets per engine: DAOS's limit, as SRV_TARGETS_MAX of the server config. */
#define MS_TARGETS_MAX          64
/** Encoded command: a SET_STATE naming every other rank of a full system
 *  ("0,2,4,...", about 48 KiB of text) is the largest legitimate one. */
#define MS_CMD_MAX              (128 * 1024)
/** Snapshot: MS_MEMBERS_MAX records of at most about 2.5 KiB of JSON each
 *  (every string at its limit, every quote escaped, about 40 MiB) plus the
 *  pool section's budget (MS_POOLS_BYTES_MAX, 192 MiB, ms_pool.h) fit. */
#define MS_DB_SNAPSHOT_MAX      (256u * 1024 * 1024)
/** Message of a result or error: the longest message quotes one field (cut). */
#define MS_MSG_MAX              256
/** Largest integer in a command or snapshot: JSON integers are signed 64-bit. */
#define MS_INT_MAX              ((uint64_t)INT64_MAX)

/** Command encoding version ("v"). */
#define MS_CMD_VERSION          1

/** Snapshot layout: written version and the range restore accepts. */
#define MS_DB_LAYOUT_VERSION     2
#define MS_DB_LAYOUT_VERSION_MIN 1
#define MS_DB_LAYOUT_VERSION_MAX 2
/** Snapshot header size and magic. */
#define MS_DB_HDR_SIZE          32
#define MS_DB_MAGIC             "DAOSMSDB"

/** Member states, with DAOS's bit values (dmg prints the names below). */
enum ms_state {
	MS_STATE_UNKNOWN         = 0,
	MS_STATE_AWAIT_FORMAT    = 0x1,
	MS_STATE_STARTING        = 0x2,
	MS_STATE_READY           = 0x4,
	MS_STATE_JOINED          = 0x8,
	MS_STATE_STOPPING        = 0x10,
	MS_STATE_STOPPED         = 0x20,
	MS_STATE_EXCLUDED        = 0x40,
	MS_STATE_ERRORED         = 0x80,
	MS_STATE_UNRESPONSIVE    = 0x100,
	MS_STATE_ADMIN_EXCLUDED  = 0x200,
	MS_STATE_CHECKER_STARTED = 0x400,
};
/** Number of states, and the mask of every state bit. */
#define MS_STATE_NR      12
#define MS_STATE_ALL     0x7ffu
/** States in which an engine process is (or should be) running. */
#define MS_STATE_RUNNING (MS_STATE_STARTING | MS_STATE_READY | MS_STATE_JOINED | \
			  MS_STATE_STOPPING)

/** "AwaitFormat", "Joined", ... for a single valid state; NULL otherwise. */
const char *ms_state_name(uint32_t state);
/** Name (any case) to state: 0, or -DER_INVAL (NULL or unknown; *state untouched). */
int ms_state_from_name(const char *name, uint32_t *state);
/** Position of a state in the list above (Unknown 0 .. CheckerStarted 11); -1 if invalid. */
int ms_state_index(uint32_t state);

/** One member (plain data: copy with '='). */
struct ms_member {
	uint32_t mm_rank;
	uuid_t   mm_uuid;
	uint32_t mm_nr_targets;
	uint32_t mm_state;       /**< enum ms_state */
	uint64_t mm_incarnation; /**< 1..MS_INT_MAX */
	uint64_t mm_last_update; /**< HLC of the last change */
	char     mm_ctl_addr[MS_CTL_ADDR_MAX];
	char     mm_fabric_uri[MS_FABRIC_URI_MAX];
	char     mm_fault_domain[MS_FAULT_DOMAIN_MAX];
	char     mm_reason[MS_REASON_MAX];
};

/** Command types. */
enum ms_cmd_op {
	MS_CMD_NOOP = 1,
	MS_CMD_INIT,
	MS_CMD_JOIN,
	MS_CMD_SET_STATE,
	MS_CMD_REMOVE,
	MS_CMD_ERASE,
	/* Pools and containers: rules and formats in ms_pool.h. ms_cmd_encode()
	 * does not encode them; callers build their JSON. */
	MS_CMD_POOL_CREATE,
	MS_CMD_POOL_SET_STATE,
	MS_CMD_POOL_DESTROY,
	MS_CMD_POOL_SET_PROP,
	MS_CMD_POOL_TGT_STATE,
	MS_CMD_CONT_CREATE,
	MS_CMD_CONT_DESTROY,
	MS_CMD_CONT_SET_PROP,
	MS_CMD_CONT_SET_ATTR,
	MS_CMD_CONT_SNAP_CREATE,
	MS_CMD_CONT_SNAP_DESTROY,
	MS_CMD_CONT_ALLOC_OIDS,
	MS_CMD_POOL_SET_ATTR,
};

/**
 * A command to encode. Only the fields of mc_op are read; strings and the rank
 * set stay the caller's.
 *   INIT       mc_uuid, mc_name
 *   JOIN       mc_uuid, mc_rank (D_RANK_NIL: assign), mc_replace, mc_ctl_addr,
 *              mc_fabric_uri, mc_fault_domain, mc_nr_targets, mc_inc (> 0),
 *              mc_time
 *   SET_STATE  mc_ranks, mc_state, mc_from (0: any state), mc_reason (NULL: ""),
 *              mc_inc (0: any incarnation), mc_time
 *   REMOVE     mc_rank
 */
struct ms_cmd {
	enum ms_cmd_op          mc_op;
	uuid_t                  mc_uuid;
	const char             *mc_name;
	uint32_t                mc_rank;
	bool                    mc_replace;
	const char             *mc_ctl_addr;
	const char             *mc_fabric_uri;
	const char             *mc_fault_domain;
	uint32_t                mc_nr_targets;
	const struct d_rankset *mc_ranks;
	uint32_t                mc_state;
	uint32_t                mc_from;
	const char             *mc_reason;
	uint64_t                mc_inc;
	uint64_t                mc_time;
};

/** Result of applying one command. */
struct ms_db_result {
	int      mr_rc;          /**< 0 or -DER_*, as ms_db_apply() returns */
	uint32_t mr_rank;        /**< JOIN: the member's rank; else D_RANK_NIL */
	uint64_t mr_inc;         /**< JOIN: the incarnation stored */
	uint32_t mr_changed;     /**< members (pool commands: records) changed */
	uint64_t mr_map_version; /**< map version after the command */
	uint64_t mr_value;       /**< CONT_ALLOC_OIDS: first id of the range; else 0 */
	char     mr_msg[MS_MSG_MAX]; /**< why it was refused; "" on success */
};

/** Filter of ms_db_members(); zeroed fields select everything. */
struct ms_filter {
	const struct d_rankset *mf_ranks;  /**< only these ranks (NULL: all) */
	const struct d_hostset *mf_hosts;  /**< only members whose control address
					    *  host (without port) is in the set */
	uint32_t                mf_states; /**< only these state bits (0: all) */
};

/** Receives a RAS event raised by ms_db_restore(); @ev is valid during the call. */
typedef void (*ms_db_ras_cb)(const struct d_ras_event *ev, void *arg);

struct ms_db;

/**
 * Create an empty database for system @sys_name (1..15 of [A-Za-z0-9_.-],
 * as daos_server.yml's name). It has no UUID until an INIT command or a
 * restore gives it one. Returns 0, -DER_INVAL (bad name, reason in errbuf),
 * -DER_NOMEM.
 */
int ms_db_create(const char *sys_name, struct ms_db **dbp, char *errbuf, size_t errlen);

/** Free a database (NULL is a no-op). */
void ms_db_destroy(struct ms_db *db);

/** Set the callback that receives restore's RAS events (NULL: none). */
void ms_db_set_ras_cb(struct ms_db *db, ms_db_ras_cb cb, void *arg);

const char *ms_db_sys_name(const struct ms_db *db);
/** The database UUID; the null UUID until INIT or a restore sets it. */
void ms_db_uuid(const struct ms_db *db, uuid_t out);
bool ms_db_has_uuid(const struct ms_db *db);
uint64_t ms_db_map_version(const struct ms_db *db);
uint32_t ms_db_nr_members(const struct ms_db *db);
/** The rank the next new member gets (D_RANK_NIL when none is left). */
uint32_t ms_db_next_rank(const struct ms_db *db);

/**
 * Serialise @cmd (rules of the header) into a buffer from malloc() that the
 * caller frees. Checks every field as ms_db_apply() would, so a command that
 * encodes is well-formed (it may still be refused by the state).
 * Returns 0, -DER_INVAL (reason in errbuf), -DER_NOMEM.
 */
int ms_cmd_encode(const struct ms_cmd *cmd, void **buf, size_t *len, char *errbuf,
		  size_t errlen);

/**
 * Check that @len bytes are a well-formed command, without applying it (the
 * leader's check before proposing). 0, -DER_INVAL, -DER_PROTO (reason in
 * errbuf), -DER_NOMEM.
 */
int ms_cmd_validate(const void *buf, size_t len, char *errbuf, size_t errlen);

/**
 * Decode, validate and apply one command. The same database state and bytes
 * give the same result and the same new state on every replica. @res (may be
 * NULL) receives the result; the return value equals res->mr_rc: 0, a
 * refusal (-DER_INVAL, -DER_PROTO, -DER_EXIST, -DER_MISMATCH, -DER_EXCLUDED,
 * -DER_BUSY, -DER_NONEXIST, -DER_STALE, -DER_ALREADY, -DER_OVERFLOW, and for
 * pool commands -DER_NOSPACE: nothing changed), or -DER_NOMEM (nothing changed; the only result that is not
 * deterministic, so a replica must retry it, never skip it).
 */
int ms_db_apply(struct ms_db *db, const void *buf, size_t len, struct ms_db_result *res);

/** Copy the member of @rank (or @uuid) into @out: 0 or -DER_NONEXIST. */
int ms_db_member_by_rank(const struct ms_db *db, uint32_t rank, struct ms_member *out);
int ms_db_member_by_uuid(const struct ms_db *db, const uuid_t uuid, struct ms_member *out);

/**
 * The members that pass @filter (NULL: all), sorted by rank, in an array
 * from malloc() (NULL when none) that the caller frees.
 * Returns 0 or -DER_NOMEM (outputs untouched).
 */
int ms_db_members(const struct ms_db *db, const struct ms_filter *filter,
		  struct ms_member **out, uint32_t *nr);

/** Members in any of the states of @mask (MS_STATE_ALL: all but Unknown ones). */
uint32_t ms_db_count(const struct ms_db *db, uint32_t mask);
/** Members per state, indexed by ms_state_index(). */
void ms_db_count_by_state(const struct ms_db *db, uint32_t counts[MS_STATE_NR]);

/**
 * Host part of a control address: "host:port" -> "host", "[::1]:p" -> "::1".
 * 0, -DER_INVAL (no ':port'), -DER_TRUNC (does not fit in len).
 */
int ms_addr_host(const char *addr, char *host, size_t len);

/**
 * Serialise the whole database (format in the header) into a buffer from
 * malloc() that the caller frees. 0 or -DER_NOMEM.
 */
int ms_db_snapshot(const struct ms_db *db, void **buf, size_t *len);

/**
 * Replace the database's content with a snapshot, all or nothing.
 * Refusals (reason in errbuf; the database is unchanged):
 *   -DER_DF_INCOMPT  layout version outside [MIN, MAX], with the RAS event
 *                    rdb_durable_format_incompatible "incompatible layout
 *                    version: X not in [MIN, MAX]" handed to the RAS callback
 *   -DER_MISMATCH    the snapshot's database UUID differs from this one's
 *                    (also raises rdb_durable_format_incompatible), or its
 *                    system name differs; a database without a UUID takes the
 *                    snapshot's
 *   -DER_DF_INVAL    anything malformed: truncated, bad magic or header,
 *                    checksum, JSON, a field or an invariant
 *   -DER_NOMEM
 */
int ms_db_restore(struct ms_db *db, const void *buf, size_t len, char *errbuf, size_t errlen);

#endif /* CONTROL_MS_DB_H */
