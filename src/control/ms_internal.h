/*
 * ms_internal.h: what the Management Service database's files share: the
 * field checks and JSON accessors (ms_json.c), used by the command codec
 * (ms_cmd.c), by snapshot restore (ms_db.c) and by the pool tables
 * (ms_pool.c), the decoded command, and the hooks between ms_db.c and
 * ms_pool.c.
 */
#ifndef CONTROL_MS_INTERNAL_H
#define CONTROL_MS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uuid/uuid.h>

#include "gurt/rankset.h"
#include "control/ms_db.h"

/* Bytes of outside text quoted in a message. */
#define MS_QUOTE_MAX 64

/* Kinds of string field, each with its own syntax rule (msj_str_rule). */
enum ms_str_kind { MS_STR_NAME, MS_STR_CTL_ADDR, MS_STR_FABRIC_URI, MS_STR_FAULT_DOMAIN, MS_STR_TEXT };

/* Context of a JSON accessor: @jc_what names the object in messages ("join", "member 3"). */
struct ms_jctx {
	const char *jc_what;
	char       *jc_errbuf;
	size_t      jc_errlen;
};

struct ms_pools;
struct msp_cmd;

/* A decoded, checked command. */
struct ms_dcmd {
	enum ms_cmd_op   dc_op;
	uuid_t           dc_uuid;
	char             dc_name[MS_SYS_NAME_MAX];
	uint32_t         dc_rank; /* D_RANK_NIL when absent */
	bool             dc_replace;
	char             dc_ctl_addr[MS_CTL_ADDR_MAX];
	char             dc_fabric_uri[MS_FABRIC_URI_MAX];
	char             dc_fault_domain[MS_FAULT_DOMAIN_MAX];
	uint32_t         dc_nr_targets;
	struct d_rankset dc_ranks;
	uint32_t         dc_state;
	uint32_t         dc_from;
	char             dc_reason[MS_REASON_MAX];
	uint64_t         dc_inc;
	uint64_t         dc_time;
	struct msp_cmd  *dc_pool; /* pool and container commands (ms_pool.c) */
};

/* Field checks and JSON accessors (ms_json.c). */
const char *msj_quote(char *dst, const char *s);
bool msj_text_ok(const char *s);
int msj_check_sys_name(const char *what, const char *s, char *errbuf, size_t errlen);
const char *msj_str_rule(enum ms_str_kind kind);
int msj_jkeys(const struct ms_jctx *c, json_t *obj, const char *const *keys);
int msj_jfetch(const struct ms_jctx *c, json_t *obj, const char *key, bool required, json_type type,
               const char *tname, json_t **out);
int msj_jstr(const struct ms_jctx *c, json_t *obj, const char *key, bool required,
             enum ms_str_kind kind, char *dst, size_t size);
int msj_juint(const struct ms_jctx *c, json_t *obj, const char *key, bool required, uint64_t min,
              uint64_t max, uint64_t *dst);
int msj_jbool(const struct ms_jctx *c, json_t *obj, const char *key, bool required, bool *dst);
int msj_juuid(const struct ms_jctx *c, json_t *obj, const char *key, bool allow_null, uuid_t dst);
int msj_jload(const char *what, const void *buf, size_t len, size_t max, int bad_rc, json_t **out,
              char *errbuf, size_t errlen);
void msj_jset(json_t *o, const char *key, json_t *v, int *rc);

/*
 * Decode and check a command into @d (which the caller finalises with
 * ms_cmd_fini() whatever the result) (ms_cmd.c).
 */
int ms_cmd_decode(const void *buf, size_t len, struct ms_dcmd *d, char *errbuf, size_t errlen);
void ms_cmd_fini(struct ms_dcmd *d);

/* The pool tables of a database (NULL: none) (ms_db.c). */
const struct ms_pools *ms_db_pools(const struct ms_db *db);
struct ms_pools **ms_db_pools_ref(struct ms_db *db);

/*
 * Pools and containers (ms_pool.c).
 * msp_op_lookup: the op of a pool/container command name, 0 if none.
 * msp_decode: decode the fields of pool/container command @o (op in
 *   d->dc_op) into d->dc_pool (freed by ms_cmd_fini) and d->dc_ranks.
 * msp_apply: apply a decoded pool/container command (all or nothing).
 * msp_rank_hosts: true (and the pool's UUID) when @rank hosts a pool.
 * msp_snapshot: the "pools" array of a snapshot (caller decrefs).
 * msp_restore: decode and check a "pools" array against the members of
 *   @tmp into a new table (*out NULL when empty); -DER_INVAL, -DER_NOMEM.
 */
enum ms_cmd_op msp_op_lookup(const char *name);
const char *msp_op_name(enum ms_cmd_op op);
int msp_decode(const struct ms_jctx *c, json_t *o, struct ms_dcmd *d);
void msp_cmd_free(struct msp_cmd *pc);
int msp_apply(struct ms_db *db, const struct ms_dcmd *d, struct ms_db_result *res);
bool msp_rank_hosts(const struct ms_pools *t, uint32_t rank, uuid_t pool);
void msp_table_free(struct ms_pools *t);
int msp_snapshot(const struct ms_pools *t, json_t **out);
int msp_restore(const struct ms_db *tmp, json_t *arr, struct ms_pools **out, char *errbuf,
		size_t errlen);

#endif /* CONTROL_MS_INTERNAL_H */
