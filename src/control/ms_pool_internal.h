/*
 * ms_pool_internal.h: what the files of the MS pool and container tables
 * share (ms_pool.c records and helpers, ms_pool_cmd.c command decoding,
 * ms_pool_apply.c the commands' effects, ms_pool_snap.c the snapshot
 * section, ms_pool_query.c the read-only queries): the in-memory records and
 * the helpers more than one of them uses. Rules and invariants: ms_pool.h.
 */
#ifndef CONTROL_MS_POOL_INTERNAL_H
#define CONTROL_MS_POOL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <uuid/uuid.h>

#include <jansson.h>

#include "gurt/rankset.h"
#include "control/ms_db.h"
#include "control/ms_internal.h"
#include "control/ms_pool.h"


/* Fixed part of a record's encoded size: keys, punctuation and numbers. */
#define MSP_REC_OVERHEAD 512
/* Encoded size bound of one rank in a rank set string, and of one count. */
#define MSP_RANK_COST    12
#define MSP_COUNT_COST   3

/* One property or attribute: kv_val is kv_len bytes followed by a NUL. */
struct msp_kv {
	char    *kv_name;
	uint8_t *kv_val;
	uint32_t kv_len;
};

/* Sorted by name (P5). */
struct msp_kvs {
	uint32_t       ks_nr;
	struct msp_kv *ks_arr;
};

struct msp_cont {
	uuid_t          ct_uuid;
	char            ct_label[MS_LABEL_MAX];
	char            ct_type[MS_CONT_TYPE_MAX];
	struct msp_kvs  ct_props;
	struct msp_kvs  ct_attrs;
	uint32_t        ct_nr_snaps;
	uint32_t        ct_cap_snaps;
	struct ms_snap *ct_snaps;
	uint64_t        ct_next_oid;
	uint64_t        ct_time;
	uint64_t        ct_cost;
	char            ct_owner[MS_PRINCIPAL_MAX];
	char            ct_group[MS_PRINCIPAL_MAX];
};

struct msp_pool {
	uuid_t            pl_uuid;
	char              pl_label[MS_LABEL_MAX];
	uint32_t          pl_state;
	uint32_t          pl_nr_ranks;
	uint32_t         *pl_ranks;      /* sorted; the block also holds the two below */
	uint32_t         *pl_nr_targets; /* per rank */
	uint32_t         *pl_tgt_off;    /* index of the rank's first target */
	uint32_t          pl_nr_tgts;
	uint8_t          *pl_tgt_states;
	uint64_t          pl_scm;
	uint64_t          pl_nvme;
	uint32_t          pl_nr_svc;
	uint32_t          pl_svc[MS_POOL_SVC_MAX];
	uint32_t          pl_map_version;
	struct msp_kvs    pl_props;
	struct msp_kvs    pl_attrs; /* user attributes, as a container's */
	uint64_t          pl_time;
	uint64_t          pl_cost; /* this record without its containers */
	uint32_t          pl_nr_conts;
	uint32_t          pl_cap_conts;
	struct msp_cont **pl_conts; /* sorted by UUID (P4) */
	char              pl_owner[MS_PRINCIPAL_MAX];
	char              pl_group[MS_PRINCIPAL_MAX];
};

struct ms_pools {
	uint32_t          tb_nr;
	uint32_t          tb_cap;
	struct msp_pool **tb_pools; /* sorted by UUID (P1) */
	uint64_t          tb_bytes; /* sum of every pl_cost and ct_cost */
};

/* A decoded pool or container command. */
struct msp_cmd {
	uuid_t         pc_pool;
	uuid_t         pc_cont;
	bool           pc_set_label; /* set_prop: props held "label" */
	char           pc_label[MS_LABEL_MAX];
	uint32_t       pc_nr_ranks;
	uint32_t      *pc_ranks;
	uint32_t      *pc_targets;
	bool           pc_has_tgts;
	struct d_rankset pc_tgts;
	uint64_t       pc_scm;
	uint64_t       pc_nvme;
	uint32_t       pc_nr_svc;
	uint32_t       pc_svc[MS_POOL_SVC_MAX];
	uint32_t       pc_state;
	struct msp_kvs pc_props; /* without "label" */
	struct msp_kvs pc_attrs;
	uint32_t       pc_nr_del;
	char         **pc_del;   /* sorted */
	uint64_t       pc_time;
	uint64_t       pc_epoch;
	uint64_t       pc_count;
	char           pc_type[MS_CONT_TYPE_MAX];
	char           pc_name[MS_SNAP_NAME_MAX];
	char           pc_owner[MS_PRINCIPAL_MAX];
	char           pc_group[MS_PRINCIPAL_MAX];
};

/* How a bad label is described in messages. */
#define LABEL_RULE "is not a label (1 to 127 of A-Z a-z 0-9 _ . : -, not a UUID)"

/* Helpers shared by the files (contracts at their definitions). */
/* ms_pool.c */
char msp_tgt_letter(uint32_t state);
bool msp_prop_name_ok(const char *s);
bool msp_principal_ok(const char *s);
size_t msp_b64_len(size_t n);
void msp_b64_encode(const uint8_t *src, size_t n, char *dst);
long msp_b64_decode(const char *src, size_t n, uint8_t *dst);
void msp_kvs_free(struct msp_kvs *ks);
long msp_kvs_find(const struct msp_kvs *ks, const char *name);
int msp_kv_set(struct msp_kv *kv, const char *name, const void *val, uint32_t len);
int msp_kv_cmp(const void *a, const void *b);
bool msp_del_has(char *const *del, uint32_t nr, const char *name);
int msp_kvs_merge(const struct msp_kvs *old, const struct msp_kvs *set, char *const *del,
                  uint32_t nr_del, struct msp_kvs *out);
int msp_kvs_copy(const struct msp_kvs *src, struct msp_kvs *dst);
uint64_t msp_kvs_bytes(const struct msp_kvs *ks);
uint64_t msp_cost_str(const char *s);
uint64_t msp_cost_pool(const struct msp_pool *p);
uint64_t msp_cost_pool_with(const struct msp_pool *p, const struct msp_kvs *attrs);
uint64_t msp_cost_snaps(const struct ms_snap *s, uint32_t nr);
uint64_t msp_cost_cont(const struct msp_cont *c, const struct msp_kvs *props,
                       const struct msp_kvs *attrs, const char *label, uint64_t snaps);
int msp_budget_check(const struct ms_pools *t, uint64_t old, uint64_t new, const char *what,
                     char *msg, size_t len);
void msp_cont_free(struct msp_cont *c);
void msp_pool_free(struct msp_pool *p);
int msp_pool_alloc_ranks(struct msp_pool *p, uint32_t nr, uint32_t nr_tgts);
long msp_pool_pos(const struct ms_pools *t, const uuid_t uuid);
struct msp_pool *msp_pool_get(const struct ms_pools *t, const uuid_t uuid);
long msp_cont_pos(const struct msp_pool *p, const uuid_t uuid);
struct msp_cont *msp_cont_get(const struct msp_pool *p, const uuid_t uuid);
struct msp_pool *msp_pool_by_label(const struct ms_pools *t, const char *label);
struct msp_cont *msp_cont_by_label(const struct msp_pool *p, const char *label);
long msp_rank_index(const struct msp_pool *p, uint32_t rank);
int msp_ptrs_reserve(void ***arr, uint32_t nr, uint32_t *cap, uint32_t max);
void msp_ptrs_insert(void **arr, uint32_t nr, long pos, void *v);
void msp_ptrs_remove(void **arr, uint32_t nr, long pos);

/* ms_pool_cmd.c */
int msp_jprincipal(const struct ms_jctx *c, json_t *o, const char *key, char *dst);
int msp_jrankset(const struct ms_jctx *c, json_t *o, const char *key, bool required, uint64_t max,
                 uint32_t top, struct d_rankset *rs);
void msp_rankset_to_array(const struct d_rankset *rs, uint32_t *arr);
int msp_jtype(const struct ms_jctx *c, json_t *o, char *dst);

/* ms_pool_apply.c */
uint64_t msp_pool_total_cost(const struct msp_pool *p);
uint64_t msp_cont_cost_now(const struct msp_cont *c);

/* ms_pool.c: name tables */
const char *msp_cont_type_canon(const char *s, size_t len);
int msp_tgt_state_from_name(const char *s, uint32_t *state);
uint32_t msp_tgt_state_of_letter(char ch);

#endif /* CONTROL_MS_POOL_INTERNAL_H */
