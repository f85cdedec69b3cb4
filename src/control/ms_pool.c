/*
 * ms_pool.c: the pool and container tables of the Management Service
 * database, their commands and their snapshot section (see ms_pool.h for the
 * rules, the format and invariants P1-P6).
 *
 * Layout: the table is an array of pool pointers sorted by UUID (binary
 * search); each pool holds an array of container pointers sorted by UUID.
 * Properties and attributes are sorted arrays of name/value pairs, snapshots
 * a sorted array of epochs. Labels are found by a linear scan, bounded by
 * MS_POOLS_MAX and MS_CONTS_PER_POOL_MAX.
 *
 * All or nothing: every command first decodes, checks and allocates
 * everything it needs (new pools, merged property or attribute arrays, room
 * in the arrays), then commits with steps that cannot fail; a refusal or
 * -DER_NOMEM frees what was built and leaves the tables as they were.
 *
 * Size budget (P6): every record carries an upper bound of its encoded size
 * in the snapshot (cost_*()); the table keeps their sum and a command that
 * would take it past MS_POOLS_BYTES_MAX is refused. The bound assumes every
 * string character is escaped (2 bytes) and every number has 20 digits.
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"
#include "gurt/json.h"
#include "gurt/log.h"
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

/*
 * Names
 */

static const char *const msp_ops[] = {
	[MS_CMD_POOL_CREATE] = "pool_create",       [MS_CMD_POOL_SET_STATE] = "pool_set_state",
	[MS_CMD_POOL_DESTROY] = "pool_destroy",     [MS_CMD_POOL_SET_PROP] = "pool_set_prop",
	[MS_CMD_POOL_TGT_STATE] = "pool_tgt_state", [MS_CMD_CONT_CREATE] = "cont_create",
	[MS_CMD_CONT_DESTROY] = "cont_destroy",     [MS_CMD_CONT_SET_PROP] = "cont_set_prop",
	[MS_CMD_CONT_SET_ATTR] = "cont_set_attr",   [MS_CMD_CONT_SNAP_CREATE] = "cont_snap_create",
	[MS_CMD_CONT_SNAP_DESTROY] = "cont_snap_destroy",
	[MS_CMD_CONT_ALLOC_OIDS] = "cont_alloc_oids",
};

enum ms_cmd_op
msp_op_lookup(const char *name)
{
	for (int op = MS_CMD_POOL_CREATE; op <= MS_CMD_CONT_ALLOC_OIDS; op++)
		if (strcmp(name, msp_ops[op]) == 0)
			return (enum ms_cmd_op)op;
	return 0;
}

const char *
msp_op_name(enum ms_cmd_op op)
{
	if (op < MS_CMD_POOL_CREATE || op > MS_CMD_CONT_ALLOC_OIDS)
		return NULL;
	return msp_ops[op];
}

static const char *const pool_states[] = {"Creating", "Ready", "Destroying"};

const char *
ms_pool_state_name(uint32_t state)
{
	return state <= MS_POOL_DESTROYING ? pool_states[state] : NULL;
}

static const struct {
	uint32_t    ts_bit;
	const char *ts_name;
	char        ts_letter;
} tgt_states[] = {
	{MS_TGT_UP_IN, "UP_IN", 'I'},    {MS_TGT_UP, "UP", 'U'},   {MS_TGT_DOWN, "DOWN", 'D'},
	{MS_TGT_DOWN_OUT, "DOWN_OUT", 'O'}, {MS_TGT_DRAIN, "DRAIN", 'R'}, {MS_TGT_NEW, "NEW", 'N'},
};
#define MSP_TGT_STATES (sizeof(tgt_states) / sizeof(tgt_states[0]))

const char *
ms_tgt_state_name(uint32_t state)
{
	for (size_t i = 0; i < MSP_TGT_STATES; i++)
		if (tgt_states[i].ts_bit == state)
			return tgt_states[i].ts_name;
	return NULL;
}

static char
tgt_letter(uint32_t state)
{
	for (size_t i = 0; i < MSP_TGT_STATES; i++)
		if (tgt_states[i].ts_bit == state)
			return tgt_states[i].ts_letter;
	assert(0);
	return '?';
}

static const char *const cont_types[] = {"unknown", "POSIX",    "HDF5", "PYTHON", "SPARK",
					 "DATABASE", "ROOT", "SEISMIC", "METEO"};
#define MSP_CONT_TYPES (sizeof(cont_types) / sizeof(cont_types[0]))

/*
 * Field checks
 */

bool
ms_label_valid(const char *s)
{
	uuid_t u;
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n == 0 || n >= MS_LABEL_MAX)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == ':' ||
		      *p == '-'))
			return false;
	/* A label that parses as a UUID would make "label or UUID" ambiguous. */
	return !(n == 36 && uuid_parse(s, u) == 0);
}

static bool
prop_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MS_PROP_NAME_MAX)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return false;
	return true;
}

/* "name@" or "name@domain": printable ASCII, no blanks, one '@', not first. */
static bool
principal_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || strlen(s) >= MS_PRINCIPAL_MAX)
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

static const char b64_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t
b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Encode @n bytes into @dst (b64_len(n) + 1 bytes, NUL-terminated). */
static void
b64_encode(const uint8_t *src, size_t n, char *dst)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];

		*dst++ = b64_alpha[v >> 18];
		*dst++ = b64_alpha[(v >> 12) & 63];
		*dst++ = b64_alpha[(v >> 6) & 63];
		*dst++ = b64_alpha[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)src[i] << 16 | (i + 1 < n ? (uint32_t)src[i + 1] << 8 : 0);

		*dst++ = b64_alpha[v >> 18];
		*dst++ = b64_alpha[(v >> 12) & 63];
		*dst++ = i + 1 < n ? b64_alpha[(v >> 6) & 63] : '=';
		*dst++ = '=';
	}
	*dst = '\0';
}

static int
b64_val(char c)
{
	const char *p = c == '\0' ? NULL : strchr(b64_alpha, c);

	return p == NULL ? -1 : (int)(p - b64_alpha);
}

/*
 * Decode canonical padded base64 (@n characters) into @dst, which holds
 * n / 4 * 3 bytes. Returns the decoded length, or -1 when the text is not
 * canonical base64 (bad length, character, padding or non-zero spare bits),
 * so that every value has exactly one encoding.
 */
static long
b64_decode(const char *src, size_t n, uint8_t *dst)
{
	size_t out = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int  v[4];
		int  pad = 0;
		bool last = i + 4 == n;

		for (int j = 0; j < 4; j++) {
			if (last && j >= 2 && src[i + j] == '=' && (j == 3 || src[i + 3] == '=')) {
				v[j] = 0;
				pad++;
				continue;
			}
			v[j] = b64_val(src[i + j]);
			if (v[j] < 0)
				return -1;
		}
		if ((pad == 1 && (v[2] & 3) != 0) || (pad == 2 && (v[1] & 15) != 0))
			return -1;
		dst[out++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			dst[out++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			dst[out++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
	}
	return (long)out;
}

/*
 * Name/value arrays
 */

static void
kvs_free(struct msp_kvs *ks)
{
	for (uint32_t i = 0; i < ks->ks_nr; i++) {
		free(ks->ks_arr[i].kv_name);
		free(ks->ks_arr[i].kv_val);
	}
	free(ks->ks_arr);
	ks->ks_arr = NULL;
	ks->ks_nr  = 0;
}

static long
kvs_find(const struct msp_kvs *ks, const char *name)
{
	long lo = 0;
	long hi = (long)ks->ks_nr - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		int  c   = strcmp(ks->ks_arr[mid].kv_name, name);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static int
kv_set(struct msp_kv *kv, const char *name, const void *val, uint32_t len)
{
	kv->kv_name = strdup(name);
	kv->kv_val  = malloc((size_t)len + 1);
	if (kv->kv_name == NULL || kv->kv_val == NULL) {
		free(kv->kv_name);
		free(kv->kv_val);
		kv->kv_name = NULL;
		kv->kv_val  = NULL;
		return -DER_NOMEM;
	}
	if (len > 0)
		memcpy(kv->kv_val, val, len);
	kv->kv_val[len] = 0;
	kv->kv_len      = len;
	return 0;
}

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct msp_kv *)a)->kv_name, ((const struct msp_kv *)b)->kv_name);
}

static bool
del_has(char *const *del, uint32_t nr, const char *name)
{
	for (uint32_t i = 0; i < nr; i++)
		if (strcmp(del[i], name) == 0)
			return true;
	return false;
}

/*
 * @out = @old with @set merged in (a name in both takes @set's value) and
 * the names of @del removed; deep copies, @old untouched. 0 or -DER_NOMEM.
 */
static int
kvs_merge(const struct msp_kvs *old, const struct msp_kvs *set, char *const *del, uint32_t nr_del,
	  struct msp_kvs *out)
{
	struct msp_kvs n = {0, NULL};
	uint32_t       i = 0;
	uint32_t       j = 0;
	size_t         max = (size_t)old->ks_nr + set->ks_nr;
	int            rc = 0;

	if (max > 0) {
		n.ks_arr = calloc(max, sizeof(*n.ks_arr));
		if (n.ks_arr == NULL)
			return -DER_NOMEM;
	}
	while (rc == 0 && (i < old->ks_nr || j < set->ks_nr)) {
		const struct msp_kv *kv;
		int                  c;

		if (i == old->ks_nr)
			c = 1;
		else if (j == set->ks_nr)
			c = -1;
		else
			c = strcmp(old->ks_arr[i].kv_name, set->ks_arr[j].kv_name);
		if (c < 0) {
			kv = &old->ks_arr[i++];
			if (del_has(del, nr_del, kv->kv_name))
				continue;
		} else {
			kv = &set->ks_arr[j++];
			if (c == 0)
				i++;
		}
		rc = kv_set(&n.ks_arr[n.ks_nr], kv->kv_name, kv->kv_val, kv->kv_len);
		if (rc == 0)
			n.ks_nr++;
	}
	if (rc != 0) {
		kvs_free(&n);
		return rc;
	}
	*out = n;
	return 0;
}

static int
kvs_copy(const struct msp_kvs *src, struct msp_kvs *dst)
{
	static const struct msp_kvs none = {0, NULL};

	return kvs_merge(src, &none, NULL, 0, dst);
}

static uint64_t
kvs_bytes(const struct msp_kvs *ks)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < ks->ks_nr; i++)
		n += strlen(ks->ks_arr[i].kv_name) + ks->ks_arr[i].kv_len;
	return n;
}

/*
 * Encoded size bounds (P6)
 */

static uint64_t
cost_str(const char *s)
{
	return 2 * (uint64_t)strlen(s) + 2;
}

static uint64_t
cost_kvs(const struct msp_kvs *ks, bool binary)
{
	uint64_t n = 2;

	for (uint32_t i = 0; i < ks->ks_nr; i++) {
		const struct msp_kv *kv = &ks->ks_arr[i];

		n += cost_str(kv->kv_name) + 2;
		n += binary ? b64_len(kv->kv_len) + 2 : 2 * (uint64_t)kv->kv_len + 2;
	}
	return n;
}

static uint64_t
cost_pool(const struct msp_pool *p)
{
	return MSP_REC_OVERHEAD + cost_str(p->pl_label) + cost_str(p->pl_owner) +
	       cost_str(p->pl_group) + (uint64_t)p->pl_nr_ranks * (MSP_RANK_COST + MSP_COUNT_COST) +
	       p->pl_nr_tgts + MS_POOL_SVC_MAX * MSP_RANK_COST + cost_kvs(&p->pl_props, false);
}

static uint64_t
cost_snaps(const struct ms_snap *s, uint32_t nr)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < nr; i++)
		n += 64 + cost_str(s[i].ms_name);
	return n;
}

static uint64_t
cost_cont(const struct msp_cont *c, const struct msp_kvs *props, const struct msp_kvs *attrs,
	  const char *label, uint64_t snaps)
{
	return MSP_REC_OVERHEAD + cost_str(label) + cost_str(c->ct_type) + cost_str(c->ct_owner) +
	       cost_str(c->ct_group) + cost_kvs(props, false) + cost_kvs(attrs, true) + snaps;
}

/* Refuse a change from @old to @new bytes that would exceed the budget. */
static int
budget_check(const struct ms_pools *t, uint64_t old, uint64_t new, const char *what, char *msg,
	     size_t len)
{
	uint64_t cur = t == NULL ? 0 : t->tb_bytes;

	assert(cur >= old);
	if (cur - old + new > MS_POOLS_BYTES_MAX) {
		d_errbuf_printf(msg, len,
				"%s: the pool tables would exceed their budget of %u encoded bytes",
				what, MS_POOLS_BYTES_MAX);
		return -DER_NOSPACE;
	}
	return 0;
}

/*
 * Records
 */

static void
cont_free(struct msp_cont *c)
{
	if (c == NULL)
		return;
	kvs_free(&c->ct_props);
	kvs_free(&c->ct_attrs);
	free(c->ct_snaps);
	free(c);
}

static void
pool_free(struct msp_pool *p)
{
	if (p == NULL)
		return;
	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		cont_free(p->pl_conts[i]);
	free(p->pl_conts);
	kvs_free(&p->pl_props);
	free(p->pl_ranks);
	free(p->pl_tgt_states);
	free(p);
}

void
msp_table_free(struct ms_pools *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->tb_nr; i++)
		pool_free(t->tb_pools[i]);
	free(t->tb_pools);
	free(t);
}

/* Allocate a pool's rank arrays for @nr ranks and @nr_tgts targets. */
static int
pool_alloc_ranks(struct msp_pool *p, uint32_t nr, uint32_t nr_tgts)
{
	p->pl_ranks      = calloc((size_t)nr * 3, sizeof(uint32_t));
	p->pl_tgt_states = malloc(nr_tgts);
	if (p->pl_ranks == NULL || p->pl_tgt_states == NULL)
		return -DER_NOMEM;
	p->pl_nr_targets = p->pl_ranks + nr;
	p->pl_tgt_off    = p->pl_ranks + 2 * (size_t)nr;
	p->pl_nr_ranks   = nr;
	p->pl_nr_tgts    = nr_tgts;
	return 0;
}

static long
uuid_search(void *const *arr, uint32_t nr, size_t off, const uuid_t uuid)
{
	long lo = 0;
	long hi = (long)nr - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		int  c   = uuid_compare((const unsigned char *)arr[mid] + off, uuid);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static long
pool_pos(const struct ms_pools *t, const uuid_t uuid)
{
	if (t == NULL)
		return -1;
	return uuid_search((void *const *)t->tb_pools, t->tb_nr, offsetof(struct msp_pool, pl_uuid),
			   uuid);
}

static struct msp_pool *
pool_get(const struct ms_pools *t, const uuid_t uuid)
{
	long i = pool_pos(t, uuid);

	return i < 0 ? NULL : t->tb_pools[i];
}

static long
cont_pos(const struct msp_pool *p, const uuid_t uuid)
{
	return uuid_search((void *const *)p->pl_conts, p->pl_nr_conts,
			   offsetof(struct msp_cont, ct_uuid), uuid);
}

static struct msp_cont *
cont_get(const struct msp_pool *p, const uuid_t uuid)
{
	long i = cont_pos(p, uuid);

	return i < 0 ? NULL : p->pl_conts[i];
}

static struct msp_pool *
pool_by_label(const struct ms_pools *t, const char *label)
{
	if (t == NULL || label[0] == '\0')
		return NULL;
	for (uint32_t i = 0; i < t->tb_nr; i++)
		if (strcmp(t->tb_pools[i]->pl_label, label) == 0)
			return t->tb_pools[i];
	return NULL;
}

static struct msp_cont *
cont_by_label(const struct msp_pool *p, const char *label)
{
	if (label[0] == '\0')
		return NULL;
	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		if (strcmp(p->pl_conts[i]->ct_label, label) == 0)
			return p->pl_conts[i];
	return NULL;
}

static long
rank_index(const struct msp_pool *p, uint32_t rank)
{
	long lo = 0;
	long hi = (long)p->pl_nr_ranks - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (p->pl_ranks[mid] == rank)
			return mid;
		if (p->pl_ranks[mid] < rank)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

bool
msp_rank_hosts(const struct ms_pools *t, uint32_t rank, uuid_t pool)
{
	if (t == NULL)
		return false;
	for (uint32_t i = 0; i < t->tb_nr; i++) {
		if (rank_index(t->tb_pools[i], rank) >= 0) {
			uuid_copy(pool, t->tb_pools[i]->pl_uuid);
			return true;
		}
	}
	return false;
}

/* Grow an array of pointers to hold one more; nothing changes on failure. */
static int
ptrs_reserve(void ***arr, uint32_t nr, uint32_t *cap, uint32_t max)
{
	void   **a;
	uint32_t n;

	if (nr < *cap)
		return 0;
	n = *cap == 0 ? 8 : *cap * 2;
	if (n > max)
		n = max;
	a = realloc(*arr, (size_t)n * sizeof(*a));
	if (a == NULL)
		return -DER_NOMEM;
	*arr = a;
	*cap = n;
	return 0;
}

static void
ptrs_insert(void **arr, uint32_t nr, long pos, void *v)
{
	memmove(&arr[pos + 1], &arr[pos], (size_t)(nr - (uint32_t)pos) * sizeof(*arr));
	arr[pos] = v;
}

static void
ptrs_remove(void **arr, uint32_t nr, long pos)
{
	memmove(&arr[pos], &arr[pos + 1], (size_t)(nr - (uint32_t)pos - 1) * sizeof(*arr));
}

/*
 * Command decoding
 */

void
msp_cmd_free(struct msp_cmd *pc)
{
	if (pc == NULL)
		return;
	free(pc->pc_ranks);
	d_rankset_fini(&pc->pc_tgts);
	kvs_free(&pc->pc_props);
	kvs_free(&pc->pc_attrs);
	for (uint32_t i = 0; i < pc->pc_nr_del; i++)
		free(pc->pc_del[i]);
	free(pc->pc_del);
	free(pc);
}

/* A string field holding no NUL, copied (at most @size - 1 bytes) after @ok. */
static int
jstr_rule(const struct ms_jctx *c, json_t *o, const char *key, bool required,
	  bool (*ok)(const char *), const char *rule, char *dst, size_t size)
{
	char q[MS_QUOTE_MAX + 4];
	int  rc;

	rc = msj_jstr(c, o, key, required, MS_STR_TEXT, dst, size);
	if (rc <= 0)
		return rc;
	if (!ok(dst)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' value '%s' %s",
				c->jc_what, key, msj_quote(q, dst), rule);
		return -DER_INVAL;
	}
	return 1;
}

#define LABEL_RULE     "is not a label (1 to 127 of A-Z a-z 0-9 _ . : -, not a UUID)"
#define PRINCIPAL_RULE "is not a principal (name@[domain], printable, no blanks)"

static int
jlabel(const struct ms_jctx *c, json_t *o, const char *key, bool required, char *dst)
{
	dst[0] = '\0';
	return jstr_rule(c, o, key, required, ms_label_valid, LABEL_RULE, dst, MS_LABEL_MAX);
}

static int
jprincipal(const struct ms_jctx *c, json_t *o, const char *key, char *dst)
{
	return jstr_rule(c, o, key, true, principal_ok, PRINCIPAL_RULE, dst, MS_PRINCIPAL_MAX);
}

/* A rank set string with 1..@max members, all at most @top. */
static int
jrankset(const struct ms_jctx *c, json_t *o, const char *key, bool required, uint64_t max,
	 uint32_t top, struct d_rankset *rs)
{
	char     msg[MS_MSG_MAX];
	json_t  *v;
	uint64_t nr;
	int      rc;

	rc = msj_jfetch(c, o, key, required, JSON_STRING, "a string", &v);
	if (rc <= 0)
		return rc;
	if (json_string_length(v) != strlen(json_string_value(v))) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' holds a NUL character",
				c->jc_what, key);
		return -DER_INVAL;
	}
	rc = d_rankset_parse(json_string_value(v), rs, msg, sizeof(msg));
	if (rc == -DER_NOMEM)
		return rc;
	if (rc != 0) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': %s", c->jc_what, key,
				msg);
		return -DER_INVAL;
	}
	nr = d_rankset_count(rs);
	if (nr == 0) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' is empty", c->jc_what,
				key);
		return -DER_INVAL;
	}
	if (nr > max) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field '%s' names %" PRIu64 " elements, more than %" PRIu64,
				c->jc_what, key, nr, max);
		return -DER_INVAL;
	}
	if (rs->rs_ranges[rs->rs_nr - 1].rr_hi > top) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' names %u, above %u",
				c->jc_what, key, rs->rs_ranges[rs->rs_nr - 1].rr_hi, top);
		return -DER_INVAL;
	}
	return 1;
}

/* Rank set to a sorted array of @nr (its count) entries. */
static void
rankset_to_array(const struct d_rankset *rs, uint32_t *arr)
{
	uint32_t r;
	uint32_t n = 0;

	for (bool ok = d_rankset_first(rs, &r); ok; ok = d_rankset_next(rs, &r))
		arr[n++] = r;
}

/*
 * A props object into sorted @ks; a "label" key goes to @label (with *has set)
 * when @label is not NULL, and is refused otherwise.
 */
static int
jprops(const struct ms_jctx *c, json_t *o, const char *key, bool required, bool nonempty,
       struct msp_kvs *ks, char *label, bool *has)
{
	char        q[MS_QUOTE_MAX + 4];
	const char *name;
	json_t     *obj;
	json_t     *v;
	size_t      nr;
	int         rc;

	rc = msj_jfetch(c, o, key, required, JSON_OBJECT, "an object", &obj);
	if (rc <= 0)
		return rc;
	nr = json_object_size(obj);
	if (nr == 0 && nonempty) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' is empty", c->jc_what,
				key);
		return -DER_INVAL;
	}
	if (nr > MS_PROPS_MAX) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field '%s' holds %zu properties, more than %d", c->jc_what, key,
				nr, MS_PROPS_MAX);
		return -DER_INVAL;
	}
	if (nr > 0) {
		ks->ks_arr = calloc(nr, sizeof(*ks->ks_arr));
		if (ks->ks_arr == NULL)
			return -DER_NOMEM;
	}
	json_object_foreach(obj, name, v) {
		const char *s;

		if (!prop_name_ok(name)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property name '%s' is not 1 to %d of a-z and '_'",
					c->jc_what, msj_quote(q, name), MS_PROP_NAME_MAX - 1);
			return -DER_INVAL;
		}
		if (!json_is_string(v)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property '%s' must be a string, got %s", c->jc_what,
					name, d_json_type_name(v));
			return -DER_INVAL;
		}
		s = json_string_value(v);
		if (strcmp(name, "label") == 0) {
			if (label == NULL) {
				d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
						"%s: field '%s' may not hold 'label' (use field "
						"'label')",
						c->jc_what, key);
				return -DER_INVAL;
			}
			rc = jlabel(c, obj, name, true, label);
			if (rc < 0)
				return rc;
			*has = true;
			continue;
		}
		if (json_string_length(v) != strlen(s)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property '%s' holds a NUL character", c->jc_what, name);
			return -DER_INVAL;
		}
		if (strlen(s) >= MS_PROP_VALUE_MAX || !msj_text_ok(s)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: property '%s' %s", c->jc_what, name,
					strlen(s) >= MS_PROP_VALUE_MAX
					    ? "is longer than 256 bytes"
					    : msj_str_rule(MS_STR_TEXT));
			return -DER_INVAL;
		}
		rc = kv_set(&ks->ks_arr[ks->ks_nr], name, s, (uint32_t)strlen(s));
		if (rc != 0)
			return rc;
		ks->ks_nr++;
	}
	qsort(ks->ks_arr, ks->ks_nr, sizeof(*ks->ks_arr), kv_cmp);
	return 1;
}

static bool
attr_name_ok(const struct ms_jctx *c, const char *name, size_t len)
{
	char q[MS_QUOTE_MAX + 4];

	if (len == 0 || len >= MS_ATTR_NAME_MAX || len != strlen(name) || !msj_text_ok(name)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: attribute name '%s' is not 1 to %d bytes of printable text",
				c->jc_what, d_errbuf_quote(q, name, len, MS_QUOTE_MAX),
				MS_ATTR_NAME_MAX - 1);
		return false;
	}
	return true;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
jattrs(const struct ms_jctx *c, json_t *o, struct msp_cmd *pc)
{
	const char *name;
	json_t     *obj = NULL;
	json_t     *arr = NULL;
	json_t     *v;
	uint8_t    *buf = NULL;
	size_t      i;
	int         rc;

	rc = msj_jfetch(c, o, "attrs", false, JSON_OBJECT, "an object", &obj);
	if (rc >= 0)
		rc = msj_jfetch(c, o, "delete", false, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		return rc;
	if ((obj == NULL || json_object_size(obj) == 0) && (arr == NULL || json_array_size(arr) == 0)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: nothing to do: fields 'attrs' and 'delete' are absent or empty",
				c->jc_what);
		return -DER_INVAL;
	}
	if ((obj != NULL && json_object_size(obj) > MS_ATTRS_MAX) ||
	    (arr != NULL && json_array_size(arr) > MS_ATTRS_MAX)) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: more than %d attributes in field '%s'", c->jc_what,
				MS_ATTRS_MAX,
				obj != NULL && json_object_size(obj) > MS_ATTRS_MAX ? "attrs"
										    : "delete");
		return -DER_INVAL;
	}
	if (arr != NULL && json_array_size(arr) > 0) {
		pc->pc_del = calloc(json_array_size(arr), sizeof(*pc->pc_del));
		if (pc->pc_del == NULL)
			return -DER_NOMEM;
		json_array_foreach(arr, i, v) {
			if (!json_is_string(v)) {
				d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
						"%s: field 'delete' item %zu must be a string, got %s",
						c->jc_what, i, d_json_type_name(v));
				return -DER_INVAL;
			}
			if (!attr_name_ok(c, json_string_value(v), json_string_length(v)))
				return -DER_INVAL;
			pc->pc_del[pc->pc_nr_del] = strdup(json_string_value(v));
			if (pc->pc_del[pc->pc_nr_del] == NULL)
				return -DER_NOMEM;
			pc->pc_nr_del++;
		}
		qsort(pc->pc_del, pc->pc_nr_del, sizeof(*pc->pc_del), str_cmp);
		for (uint32_t k = 1; k < pc->pc_nr_del; k++) {
			if (strcmp(pc->pc_del[k - 1], pc->pc_del[k]) == 0) {
				char q[MS_QUOTE_MAX + 4];

				d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
						"%s: field 'delete' names '%s' twice", c->jc_what,
						msj_quote(q, pc->pc_del[k]));
				return -DER_INVAL;
			}
		}
	}
	if (obj == NULL || json_object_size(obj) == 0)
		return 0;
	pc->pc_attrs.ks_arr = calloc(json_object_size(obj), sizeof(*pc->pc_attrs.ks_arr));
	buf                 = malloc(b64_len(MS_ATTR_VALUE_MAX));
	if (pc->pc_attrs.ks_arr == NULL || buf == NULL) {
		free(buf);
		return -DER_NOMEM;
	}
	rc = 0;
	json_object_foreach(obj, name, v) {
		char q[MS_QUOTE_MAX + 4];
		long n;

		if (!attr_name_ok(c, name, strlen(name))) {
			rc = -DER_INVAL;
			break;
		}
		if (del_has(pc->pc_del, pc->pc_nr_del, name)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is both set and deleted", c->jc_what,
					msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		if (!json_is_string(v)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' must be a base64 string, got %s",
					c->jc_what, msj_quote(q, name), d_json_type_name(v));
			rc = -DER_INVAL;
			break;
		}
		if (json_string_length(v) > b64_len(MS_ATTR_VALUE_MAX)) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is longer than %d bytes", c->jc_what,
					msj_quote(q, name), MS_ATTR_VALUE_MAX);
			rc = -DER_INVAL;
			break;
		}
		n = b64_decode(json_string_value(v), json_string_length(v), buf);
		if (n < 0) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is not canonical base64", c->jc_what,
					msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		if (n > MS_ATTR_VALUE_MAX) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: attribute '%s' is longer than %d bytes", c->jc_what,
					msj_quote(q, name), MS_ATTR_VALUE_MAX);
			rc = -DER_INVAL;
			break;
		}
		rc = kv_set(&pc->pc_attrs.ks_arr[pc->pc_attrs.ks_nr], name, buf, (uint32_t)n);
		if (rc != 0)
			break;
		pc->pc_attrs.ks_nr++;
	}
	free(buf);
	if (rc != 0)
		return rc;
	qsort(pc->pc_attrs.ks_arr, pc->pc_attrs.ks_nr, sizeof(*pc->pc_attrs.ks_arr), kv_cmp);
	return 0;
}

static int
jtype(const struct ms_jctx *c, json_t *o, char *dst)
{
	char    q[MS_QUOTE_MAX + 4];
	json_t *v;
	int     rc;

	rc = msj_jfetch(c, o, "type", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < MSP_CONT_TYPES; i++) {
		if (json_string_length(v) == strlen(cont_types[i]) &&
		    strcasecmp(json_string_value(v), cont_types[i]) == 0) {
			strcpy(dst, cont_types[i]);
			return 0;
		}
	}
	d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: unknown container type '%s'", c->jc_what,
			msj_quote(q, json_string_value(v)));
	return -DER_INVAL;
}

static int
jstate(const struct ms_jctx *c, json_t *o, bool pool, uint32_t *state)
{
	char        q[MS_QUOTE_MAX + 4];
	json_t     *v;
	const char *s;
	int         rc;

	rc = msj_jfetch(c, o, "state", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		return rc;
	s = json_string_value(v);
	if (json_string_length(v) == strlen(s)) {
		if (pool) {
			for (uint32_t i = 0; i <= MS_POOL_DESTROYING; i++) {
				if (strcasecmp(s, pool_states[i]) == 0) {
					*state = i;
					return 0;
				}
			}
		} else {
			for (size_t i = 0; i < MSP_TGT_STATES; i++) {
				if (strcasecmp(s, tgt_states[i].ts_name) == 0) {
					*state = tgt_states[i].ts_bit;
					return 0;
				}
			}
		}
	}
	d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: unknown %s state '%s'", c->jc_what,
			pool ? "pool" : "target", msj_quote(q, s));
	return -DER_INVAL;
}

static int
dec_pool_create(const struct ms_jctx *c, json_t *o, struct ms_dcmd *d, struct msp_cmd *pc)
{
	static const char *const keys[] = {"v",   "op",    "uuid",  "label", "ranks", "targets",
					   "scm", "nvme",  "svc",   "props", "owner", "group",
					   "time", NULL};
	struct d_rankset         svc;
	json_t                  *arr;
	json_t                  *v;
	size_t                   i;
	int                      rc;

	d_rankset_init(&svc);
	rc = msj_jkeys(c, o, keys);
	if (rc == 0)
		rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
	if (rc >= 0)
		rc = jlabel(c, o, "label", false, pc->pc_label);
	if (rc >= 0)
		rc = jrankset(c, o, "ranks", true, MS_MEMBERS_MAX, D_RANK_MAX, &d->dc_ranks);
	if (rc >= 0)
		rc = msj_jfetch(c, o, "targets", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		goto out;
	pc->pc_nr_ranks = (uint32_t)d_rankset_count(&d->dc_ranks);
	if (json_array_size(arr) != pc->pc_nr_ranks) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field 'targets' has %zu counts for %u ranks", c->jc_what,
				json_array_size(arr), pc->pc_nr_ranks);
		rc = -DER_INVAL;
		goto out;
	}
	pc->pc_ranks = calloc((size_t)pc->pc_nr_ranks * 2, sizeof(uint32_t));
	if (pc->pc_ranks == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	pc->pc_targets = pc->pc_ranks + pc->pc_nr_ranks;
	rankset_to_array(&d->dc_ranks, pc->pc_ranks);
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > MS_TARGETS_MAX) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: field 'targets' item %zu must be an integer in [1, %d]",
					c->jc_what, i, MS_TARGETS_MAX);
			rc = -DER_INVAL;
			goto out;
		}
		pc->pc_targets[i] = (uint32_t)json_integer_value(v);
	}
	rc = msj_juint(c, o, "scm", true, MS_POOL_SCM_MIN, MS_INT_MAX, &pc->pc_scm);
	if (rc >= 0)
		rc = msj_juint(c, o, "nvme", true, 0, MS_INT_MAX, &pc->pc_nvme);
	if (rc >= 0 && pc->pc_nvme != 0 && pc->pc_nvme < MS_POOL_NVME_MIN) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
				"%s: field 'nvme' must be 0 or at least %llu, got %" PRIu64,
				c->jc_what, MS_POOL_NVME_MIN, pc->pc_nvme);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = jrankset(c, o, "svc", true, MS_POOL_SVC_MAX, D_RANK_MAX, &svc);
	if (rc < 0)
		goto out;
	pc->pc_nr_svc = (uint32_t)d_rankset_count(&svc);
	rankset_to_array(&svc, pc->pc_svc);
	for (uint32_t k = 0; k < pc->pc_nr_svc; k++) {
		if (!d_rankset_contains(&d->dc_ranks, pc->pc_svc[k])) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen,
					"%s: service rank %u is not in field 'ranks'", c->jc_what,
					pc->pc_svc[k]);
			rc = -DER_INVAL;
			goto out;
		}
	}
	rc = jprops(c, o, "props", false, false, &pc->pc_props, NULL, NULL);
	if (rc >= 0)
		rc = jprincipal(c, o, "owner", pc->pc_owner);
	if (rc >= 0)
		rc = jprincipal(c, o, "group", pc->pc_group);
	if (rc >= 0)
		rc = msj_juint(c, o, "time", true, 0, MS_INT_MAX, &pc->pc_time);
out:
	d_rankset_fini(&svc);
	return rc < 0 ? rc : 0;
}

/* "pool" and "cont" of a container command. */
static int
dec_pool_cont(const struct ms_jctx *c, json_t *o, const char *const *keys, struct msp_cmd *pc)
{
	int rc = msj_jkeys(c, o, keys);

	if (rc == 0)
		rc = msj_juuid(c, o, "pool", false, pc->pc_pool);
	if (rc == 0)
		rc = msj_juuid(c, o, "cont", false, pc->pc_cont);
	return rc;
}

int
msp_decode(const struct ms_jctx *c, json_t *o, struct ms_dcmd *d)
{
	static const char *const k_set_state[] = {"v", "op", "uuid", "state", NULL};
	static const char *const k_destroy[]   = {"v", "op", "uuid", NULL};
	static const char *const k_set_prop[]  = {"v", "op", "uuid", "props", NULL};
	static const char *const k_tgt[] = {"v", "op", "uuid", "ranks", "targets", "state", NULL};
	static const char *const k_ccreate[]   = {"v",     "op",    "pool",  "uuid", "label",
						  "type",  "props", "owner", "group", "time", NULL};
	static const char *const k_cdestroy[]  = {"v", "op", "pool", "cont", NULL};
	static const char *const k_cprop[]     = {"v", "op", "pool", "cont", "props", NULL};
	static const char *const k_cattr[] = {"v", "op", "pool", "cont", "attrs", "delete", NULL};
	static const char *const k_snap[]  = {"v", "op", "pool", "cont", "epoch", "name", NULL};
	static const char *const k_sdel[]  = {"v", "op", "pool", "cont", "epoch", NULL};
	static const char *const k_oids[]  = {"v", "op", "pool", "cont", "count", NULL};
	struct msp_cmd          *pc;
	int                      rc = 0;

	pc = calloc(1, sizeof(*pc));
	if (pc == NULL)
		return -DER_NOMEM;
	d_rankset_init(&pc->pc_tgts);
	d->dc_pool = pc;
	switch (d->dc_op) {
	case MS_CMD_POOL_CREATE:
		rc = dec_pool_create(c, o, d, pc);
		break;
	case MS_CMD_POOL_SET_STATE:
		rc = msj_jkeys(c, o, k_set_state);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		if (rc == 0)
			rc = jstate(c, o, true, &pc->pc_state);
		break;
	case MS_CMD_POOL_DESTROY:
		rc = msj_jkeys(c, o, k_destroy);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		break;
	case MS_CMD_POOL_SET_PROP:
		rc = msj_jkeys(c, o, k_set_prop);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		if (rc == 0)
			rc = jprops(c, o, "props", true, true, &pc->pc_props, pc->pc_label,
				    &pc->pc_set_label);
		break;
	case MS_CMD_POOL_TGT_STATE:
		rc = msj_jkeys(c, o, k_tgt);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_pool);
		if (rc == 0)
			rc = jrankset(c, o, "ranks", true, MS_MEMBERS_MAX, D_RANK_MAX,
				      &d->dc_ranks);
		if (rc >= 0)
			rc = jrankset(c, o, "targets", false, MS_TARGETS_MAX, MS_TARGETS_MAX - 1,
				      &pc->pc_tgts);
		pc->pc_has_tgts = rc == 1;
		if (rc >= 0)
			rc = jstate(c, o, false, &pc->pc_state);
		break;
	case MS_CMD_CONT_CREATE:
		rc = msj_jkeys(c, o, k_ccreate);
		if (rc == 0)
			rc = msj_juuid(c, o, "pool", false, pc->pc_pool);
		if (rc == 0)
			rc = msj_juuid(c, o, "uuid", false, pc->pc_cont);
		if (rc == 0)
			rc = jlabel(c, o, "label", false, pc->pc_label);
		if (rc >= 0)
			rc = jtype(c, o, pc->pc_type);
		if (rc >= 0)
			rc = jprops(c, o, "props", false, false, &pc->pc_props, NULL, NULL);
		if (rc >= 0)
			rc = jprincipal(c, o, "owner", pc->pc_owner);
		if (rc >= 0)
			rc = jprincipal(c, o, "group", pc->pc_group);
		if (rc >= 0)
			rc = msj_juint(c, o, "time", true, 0, MS_INT_MAX, &pc->pc_time);
		break;
	case MS_CMD_CONT_DESTROY:
		rc = dec_pool_cont(c, o, k_cdestroy, pc);
		break;
	case MS_CMD_CONT_SET_PROP:
		rc = dec_pool_cont(c, o, k_cprop, pc);
		if (rc == 0)
			rc = jprops(c, o, "props", true, true, &pc->pc_props, pc->pc_label,
				    &pc->pc_set_label);
		break;
	case MS_CMD_CONT_SET_ATTR:
		rc = dec_pool_cont(c, o, k_cattr, pc);
		if (rc == 0)
			rc = jattrs(c, o, pc);
		break;
	case MS_CMD_CONT_SNAP_CREATE:
		rc = dec_pool_cont(c, o, k_snap, pc);
		if (rc == 0)
			rc = msj_juint(c, o, "epoch", true, 1, MS_INT_MAX, &pc->pc_epoch);
		if (rc >= 0)
			rc = msj_jstr(c, o, "name", false, MS_STR_TEXT, pc->pc_name,
				      sizeof(pc->pc_name));
		if (rc == 1 && pc->pc_name[0] == '\0') {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field 'name' is empty",
					c->jc_what);
			rc = -DER_INVAL;
		}
		break;
	case MS_CMD_CONT_SNAP_DESTROY:
		rc = dec_pool_cont(c, o, k_sdel, pc);
		if (rc == 0)
			rc = msj_juint(c, o, "epoch", true, 1, MS_INT_MAX, &pc->pc_epoch);
		break;
	case MS_CMD_CONT_ALLOC_OIDS:
		rc = dec_pool_cont(c, o, k_oids, pc);
		if (rc == 0)
			rc = msj_juint(c, o, "count", true, 1, MS_INT_MAX, &pc->pc_count);
		break;
	default:
		assert(0);
		rc = -DER_INVAL;
		break;
	}
	return rc < 0 ? rc : 0;
}

/*
 * Apply
 */

#define MSG(...) d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg), __VA_ARGS__)

static int
apply_pool_create(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		  struct ms_db_result *res)
{
	struct ms_pools **tp = ms_db_pools_ref(db);
	struct ms_pools  *t  = *tp;
	struct msp_pool  *p  = NULL;
	struct msp_pool  *other;
	struct ms_member *m;
	char              us[37];
	char              os[37];
	uint32_t          nr_tgts = 0;
	long              pos;
	int               rc;

	uuid_unparse_lower(pc->pc_pool, us);
	if (pool_get(t, pc->pc_pool) != NULL) {
		MSG("%s: pool %s exists", op, us);
		return -DER_EXIST;
	}
	other = pool_by_label(t, pc->pc_label);
	if (other != NULL) {
		uuid_unparse_lower(other->pl_uuid, os);
		MSG("%s: label '%s' is used by pool %s", op, pc->pc_label, os);
		return -DER_EXIST;
	}
	if (t != NULL && t->tb_nr >= MS_POOLS_MAX) {
		MSG("%s: the system has the most pools (%d)", op, MS_POOLS_MAX);
		return -DER_OVERFLOW;
	}
	m = malloc(sizeof(*m));
	if (m == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < pc->pc_nr_ranks; i++) {
		uint32_t r = pc->pc_ranks[i];

		if (ms_db_member_by_rank(db, r, m) != 0) {
			MSG("%s: rank %u is not a member", op, r);
			rc = -DER_NONEXIST;
			goto out;
		}
		if (m->mm_state != MS_STATE_JOINED) {
			MSG("%s: rank %u is %s, not Joined", op, r, ms_state_name(m->mm_state));
			rc = -DER_BUSY;
			goto out;
		}
		if (m->mm_nr_targets != pc->pc_targets[i]) {
			MSG("%s: rank %u has %u targets, not %u", op, r, m->mm_nr_targets,
			    pc->pc_targets[i]);
			rc = -DER_MISMATCH;
			goto out;
		}
		nr_tgts += pc->pc_targets[i];
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = pool_alloc_ranks(p, pc->pc_nr_ranks, nr_tgts);
	if (rc == 0)
		rc = kvs_copy(&pc->pc_props, &p->pl_props);
	if (rc != 0)
		goto out;
	uuid_copy(p->pl_uuid, pc->pc_pool);
	strcpy(p->pl_label, pc->pc_label);
	p->pl_state = MS_POOL_CREATING;
	nr_tgts     = 0;
	for (uint32_t i = 0; i < pc->pc_nr_ranks; i++) {
		p->pl_ranks[i]      = pc->pc_ranks[i];
		p->pl_nr_targets[i] = pc->pc_targets[i];
		p->pl_tgt_off[i]    = nr_tgts;
		nr_tgts += pc->pc_targets[i];
	}
	memset(p->pl_tgt_states, MS_TGT_UP_IN, nr_tgts);
	p->pl_scm         = pc->pc_scm;
	p->pl_nvme        = pc->pc_nvme;
	p->pl_nr_svc      = pc->pc_nr_svc;
	memcpy(p->pl_svc, pc->pc_svc, sizeof(p->pl_svc));
	p->pl_map_version = 1;
	strcpy(p->pl_owner, pc->pc_owner);
	strcpy(p->pl_group, pc->pc_group);
	p->pl_time = pc->pc_time;
	p->pl_cost = cost_pool(p);
	rc         = budget_check(t, 0, p->pl_cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		goto out;
	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		if (t == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		*tp = t; /* an empty table is the same state as none */
	}
	rc = ptrs_reserve((void ***)&t->tb_pools, t->tb_nr, &t->tb_cap, MS_POOLS_MAX);
	if (rc != 0)
		goto out;
	/* Nothing below can fail. */
	pos = pool_pos(t, p->pl_uuid);
	assert(pos < 0);
	ptrs_insert((void **)t->tb_pools, t->tb_nr, -pos - 1, p);
	t->tb_nr++;
	t->tb_bytes += p->pl_cost;
	p               = NULL;
	res->mr_changed = 1;
out:
	pool_free(p);
	free(m);
	return rc;
}

static struct msp_pool *
find_pool(const struct ms_db *db, const uuid_t uuid, const char *op, struct ms_db_result *res)
{
	struct msp_pool *p = pool_get(ms_db_pools(db), uuid);
	char             us[37];

	if (p == NULL) {
		uuid_unparse_lower(uuid, us);
		MSG("%s: pool %s does not exist", op, us);
	}
	return p;
}

static int
apply_pool_set_state(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		     struct ms_db_result *res)
{
	struct msp_pool *p = find_pool(db, pc->pc_pool, op, res);
	char             us[37];

	if (p == NULL)
		return -DER_NONEXIST;
	if (p->pl_state == pc->pc_state)
		return 0;
	if (pc->pc_state == MS_POOL_DESTROYING ||
	    (p->pl_state == MS_POOL_CREATING && pc->pc_state == MS_POOL_READY)) {
		p->pl_state     = pc->pc_state;
		res->mr_changed = 1;
		return 0;
	}
	uuid_unparse_lower(p->pl_uuid, us);
	MSG("%s: pool %s cannot go from %s to %s", op, us, pool_states[p->pl_state],
	    pool_states[pc->pc_state]);
	return -DER_INVAL;
}

static uint64_t
pool_total_cost(const struct msp_pool *p)
{
	uint64_t n = p->pl_cost;

	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		n += p->pl_conts[i]->ct_cost;
	return n;
}

static int
apply_pool_destroy(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		   struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	long             pos;

	if (find_pool(db, pc->pc_pool, op, res) == NULL)
		return -DER_NONEXIST;
	pos = pool_pos(t, pc->pc_pool);
	assert(pos >= 0);
	t->tb_bytes -= pool_total_cost(t->tb_pools[pos]);
	pool_free(t->tb_pools[pos]);
	ptrs_remove((void **)t->tb_pools, t->tb_nr, pos);
	t->tb_nr--;
	res->mr_changed = 1;
	return 0;
}

/* A pool that may change: it exists and is not Destroying. */
static struct msp_pool *
pool_changeable(struct ms_db *db, const uuid_t uuid, uint32_t need, const char *op,
		struct ms_db_result *res, int *rc)
{
	struct msp_pool *p = find_pool(db, uuid, op, res);
	char             us[37];

	if (p == NULL) {
		*rc = -DER_NONEXIST;
		return NULL;
	}
	if ((need == MS_POOL_READY && p->pl_state != MS_POOL_READY) ||
	    p->pl_state == MS_POOL_DESTROYING) {
		uuid_unparse_lower(uuid, us);
		MSG("%s: pool %s is %s", op, us, pool_states[p->pl_state]);
		*rc = -DER_BUSY;
		return NULL;
	}
	*rc = 0;
	return p;
}

static int
apply_pool_set_prop(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		    struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_pool *other;
	struct msp_kvs   merged;
	struct msp_kvs   old;
	char             old_label[MS_LABEL_MAX];
	char             os[37];
	uint64_t         cost;
	int              rc;

	p = pool_changeable(db, pc->pc_pool, MS_POOL_CREATING, op, res, &rc);
	if (p == NULL)
		return rc;
	if (pc->pc_set_label) {
		other = pool_by_label(t, pc->pc_label);
		if (other != NULL && other != p) {
			uuid_unparse_lower(other->pl_uuid, os);
			MSG("%s: label '%s' is used by pool %s", op, pc->pc_label, os);
			return -DER_EXIST;
		}
	}
	rc = kvs_merge(&p->pl_props, &pc->pc_props, NULL, 0, &merged);
	if (rc != 0)
		return rc;
	if (merged.ks_nr > MS_PROPS_MAX) {
		MSG("%s: the pool would have %u properties, more than %d", op, merged.ks_nr,
		    MS_PROPS_MAX);
		rc = -DER_OVERFLOW;
		goto out;
	}
	/* Cost of the new record: swap in, measure, swap back if refused. */
	old = p->pl_props;
	strcpy(old_label, p->pl_label);
	p->pl_props = merged;
	if (pc->pc_set_label)
		strcpy(p->pl_label, pc->pc_label);
	cost = cost_pool(p);
	rc   = budget_check(t, p->pl_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0) {
		p->pl_props = old;
		strcpy(p->pl_label, old_label);
		goto out;
	}
	t->tb_bytes     = t->tb_bytes - p->pl_cost + cost;
	p->pl_cost      = cost;
	merged          = old; /* freed below */
	res->mr_changed = pc->pc_props.ks_nr + (pc->pc_set_label ? 1 : 0);
out:
	kvs_free(&merged);
	return rc;
}

static int
apply_pool_tgt_state(struct ms_db *db, const struct ms_dcmd *d, const struct msp_cmd *pc,
		     const char *op, struct ms_db_result *res)
{
	struct msp_pool *p;
	uint32_t         changed = 0;
	uint32_t         rank;
	uint32_t         tgt;
	char             us[37];
	bool             ok;
	int              rc;

	p = pool_changeable(db, pc->pc_pool, MS_POOL_CREATING, op, res, &rc);
	if (p == NULL)
		return rc;
	uuid_unparse_lower(p->pl_uuid, us);
	/* Check everything first: all or nothing. */
	for (ok = d_rankset_first(&d->dc_ranks, &rank); ok;
	     ok = d_rankset_next(&d->dc_ranks, &rank)) {
		long i = rank_index(p, rank);

		if (i < 0) {
			MSG("%s: rank %u does not host pool %s", op, rank, us);
			return -DER_NONEXIST;
		}
		if (pc->pc_has_tgts) {
			tgt = pc->pc_tgts.rs_ranges[pc->pc_tgts.rs_nr - 1].rr_hi;
			if (tgt >= p->pl_nr_targets[i]) {
				MSG("%s: rank %u of pool %s has no target %u (it has %u)", op,
				    rank, us, tgt, p->pl_nr_targets[i]);
				return -DER_NONEXIST;
			}
		}
		for (tgt = 0; tgt < p->pl_nr_targets[i]; tgt++)
			if ((!pc->pc_has_tgts || d_rankset_contains(&pc->pc_tgts, tgt)) &&
			    p->pl_tgt_states[p->pl_tgt_off[i] + tgt] != pc->pc_state)
				changed++;
	}
	if (changed == 0)
		return 0;
	if (p->pl_map_version == UINT32_MAX) {
		MSG("%s: the map version of pool %s cannot grow", op, us);
		return -DER_OVERFLOW;
	}
	for (ok = d_rankset_first(&d->dc_ranks, &rank); ok;
	     ok = d_rankset_next(&d->dc_ranks, &rank)) {
		long i = rank_index(p, rank);

		for (tgt = 0; tgt < p->pl_nr_targets[i]; tgt++)
			if (!pc->pc_has_tgts || d_rankset_contains(&pc->pc_tgts, tgt))
				p->pl_tgt_states[p->pl_tgt_off[i] + tgt] = (uint8_t)pc->pc_state;
	}
	p->pl_map_version++;
	res->mr_changed = changed;
	return 0;
}

/* The container of a container command, in a Ready pool. */
static struct msp_cont *
find_cont(struct ms_db *db, const struct msp_cmd *pc, const char *op, struct ms_db_result *res,
	  struct msp_pool **pp, int *rc)
{
	struct msp_pool *p = pool_changeable(db, pc->pc_pool, MS_POOL_READY, op, res, rc);
	struct msp_cont *c;
	char             us[37];
	char             ps[37];

	if (p == NULL)
		return NULL;
	c = cont_get(p, pc->pc_cont);
	if (c == NULL) {
		uuid_unparse_lower(pc->pc_cont, us);
		uuid_unparse_lower(pc->pc_pool, ps);
		MSG("%s: container %s does not exist in pool %s", op, us, ps);
		*rc = -DER_NONEXIST;
		return NULL;
	}
	*pp = p;
	return c;
}

static int
apply_cont_create(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		  struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c = NULL;
	struct msp_cont *other;
	char             us[37];
	char             ps[37];
	long             pos;
	int              rc;

	p = pool_changeable(db, pc->pc_pool, MS_POOL_READY, op, res, &rc);
	if (p == NULL)
		return rc;
	uuid_unparse_lower(pc->pc_pool, ps);
	if (cont_get(p, pc->pc_cont) != NULL) {
		uuid_unparse_lower(pc->pc_cont, us);
		MSG("%s: container %s exists in pool %s", op, us, ps);
		return -DER_EXIST;
	}
	other = cont_by_label(p, pc->pc_label);
	if (other != NULL) {
		uuid_unparse_lower(other->ct_uuid, us);
		MSG("%s: label '%s' is used by container %s", op, pc->pc_label, us);
		return -DER_EXIST;
	}
	if (p->pl_nr_conts >= MS_CONTS_PER_POOL_MAX) {
		MSG("%s: pool %s has the most containers (%d)", op, ps, MS_CONTS_PER_POOL_MAX);
		return -DER_OVERFLOW;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -DER_NOMEM;
	rc = kvs_copy(&pc->pc_props, &c->ct_props);
	if (rc != 0)
		goto out;
	uuid_copy(c->ct_uuid, pc->pc_cont);
	strcpy(c->ct_label, pc->pc_label);
	strcpy(c->ct_type, pc->pc_type);
	strcpy(c->ct_owner, pc->pc_owner);
	strcpy(c->ct_group, pc->pc_group);
	c->ct_time     = pc->pc_time;
	c->ct_next_oid = MS_CONT_OID_FIRST;
	c->ct_cost     = cost_cont(c, &c->ct_props, &c->ct_attrs, c->ct_label, 0);
	rc = budget_check(t, 0, c->ct_cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc == 0)
		rc = ptrs_reserve((void ***)&p->pl_conts, p->pl_nr_conts, &p->pl_cap_conts,
				  MS_CONTS_PER_POOL_MAX);
	if (rc != 0)
		goto out;
	pos = cont_pos(p, c->ct_uuid);
	assert(pos < 0);
	ptrs_insert((void **)p->pl_conts, p->pl_nr_conts, -pos - 1, c);
	p->pl_nr_conts++;
	t->tb_bytes += c->ct_cost;
	c               = NULL;
	res->mr_changed = 1;
out:
	cont_free(c);
	return rc;
}

static int
apply_cont_destroy(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		   struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	long             pos;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	pos = cont_pos(p, c->ct_uuid);
	t->tb_bytes -= c->ct_cost;
	ptrs_remove((void **)p->pl_conts, p->pl_nr_conts, pos);
	p->pl_nr_conts--;
	cont_free(c);
	res->mr_changed = 1;
	return 0;
}

static uint64_t
cont_cost_now(const struct msp_cont *c)
{
	return cost_cont(c, &c->ct_props, &c->ct_attrs, c->ct_label,
			 cost_snaps(c->ct_snaps, c->ct_nr_snaps));
}

static int
apply_cont_set_prop(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		    struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	struct msp_cont *other;
	struct msp_kvs   merged;
	char             us[37];
	const char      *label;
	uint64_t         cost;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	label = pc->pc_set_label ? pc->pc_label : c->ct_label;
	if (pc->pc_set_label) {
		other = cont_by_label(p, pc->pc_label);
		if (other != NULL && other != c) {
			uuid_unparse_lower(other->ct_uuid, us);
			MSG("%s: label '%s' is used by container %s", op, pc->pc_label, us);
			return -DER_EXIST;
		}
	}
	rc = kvs_merge(&c->ct_props, &pc->pc_props, NULL, 0, &merged);
	if (rc != 0)
		return rc;
	if (merged.ks_nr > MS_PROPS_MAX) {
		MSG("%s: the container would have %u properties, more than %d", op, merged.ks_nr,
		    MS_PROPS_MAX);
		rc = -DER_OVERFLOW;
		goto out;
	}
	cost = cost_cont(c, &merged, &c->ct_attrs, label, cost_snaps(c->ct_snaps, c->ct_nr_snaps));
	rc   = budget_check(t, c->ct_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		goto out;
	{
		struct msp_kvs old = c->ct_props;

		c->ct_props = merged;
		merged      = old;
	}
	if (pc->pc_set_label)
		strcpy(c->ct_label, pc->pc_label);
	t->tb_bytes     = t->tb_bytes - c->ct_cost + cost;
	c->ct_cost      = cost;
	res->mr_changed = pc->pc_props.ks_nr + (pc->pc_set_label ? 1 : 0);
out:
	kvs_free(&merged);
	return rc;
}

static int
apply_cont_set_attr(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		    struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	struct msp_kvs   merged;
	char             q[MS_QUOTE_MAX + 4];
	char             us[37];
	uint64_t         cost;
	uint64_t         bytes;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	uuid_unparse_lower(c->ct_uuid, us);
	for (uint32_t i = 0; i < pc->pc_nr_del; i++) {
		if (kvs_find(&c->ct_attrs, pc->pc_del[i]) < 0) {
			MSG("%s: attribute '%s' does not exist in container %s", op,
			    msj_quote(q, pc->pc_del[i]), us);
			return -DER_NONEXIST;
		}
	}
	rc = kvs_merge(&c->ct_attrs, &pc->pc_attrs, pc->pc_del, pc->pc_nr_del, &merged);
	if (rc != 0)
		return rc;
	bytes = kvs_bytes(&merged);
	if (merged.ks_nr > MS_ATTRS_MAX) {
		MSG("%s: container %s would have %u attributes, more than %d", op, us,
		    merged.ks_nr, MS_ATTRS_MAX);
		rc = -DER_OVERFLOW;
		goto out;
	}
	if (bytes > MS_ATTRS_BYTES_MAX) {
		MSG("%s: container %s would have %" PRIu64 " attribute bytes, more than %d", op,
		    us, bytes, MS_ATTRS_BYTES_MAX);
		rc = -DER_OVERFLOW;
		goto out;
	}
	cost = cost_cont(c, &c->ct_props, &merged, c->ct_label,
			 cost_snaps(c->ct_snaps, c->ct_nr_snaps));
	rc   = budget_check(t, c->ct_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		goto out;
	{
		struct msp_kvs old = c->ct_attrs;

		c->ct_attrs = merged;
		merged      = old;
	}
	t->tb_bytes     = t->tb_bytes - c->ct_cost + cost;
	c->ct_cost      = cost;
	res->mr_changed = pc->pc_attrs.ks_nr + pc->pc_nr_del;
out:
	kvs_free(&merged);
	return rc;
}

static long
snap_pos(const struct msp_cont *c, uint64_t epoch)
{
	long lo = 0;
	long hi = (long)c->ct_nr_snaps - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (c->ct_snaps[mid].ms_epoch == epoch)
			return mid;
		if (c->ct_snaps[mid].ms_epoch < epoch)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static int
apply_snap_create(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		  struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	struct ms_snap  *s;
	char             us[37];
	uint64_t         cost;
	long             pos;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	uuid_unparse_lower(c->ct_uuid, us);
	pos = snap_pos(c, pc->pc_epoch);
	if (pos >= 0) {
		MSG("%s: epoch %" PRIu64 " has a snapshot in container %s", op, pc->pc_epoch, us);
		return -DER_EXIST;
	}
	for (uint32_t i = 0; pc->pc_name[0] != '\0' && i < c->ct_nr_snaps; i++) {
		if (strcmp(c->ct_snaps[i].ms_name, pc->pc_name) == 0) {
			char q[MS_QUOTE_MAX + 4];

			MSG("%s: snapshot name '%s' is used by epoch %" PRIu64 " in container %s",
			    op, msj_quote(q, pc->pc_name), c->ct_snaps[i].ms_epoch, us);
			return -DER_EXIST;
		}
	}
	if (c->ct_nr_snaps >= MS_SNAPS_MAX) {
		MSG("%s: container %s has the most snapshots (%d)", op, us, MS_SNAPS_MAX);
		return -DER_OVERFLOW;
	}
	cost = c->ct_cost + 64 + cost_str(pc->pc_name);
	rc   = budget_check(t, c->ct_cost, cost, op, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		return rc;
	if (c->ct_nr_snaps == c->ct_cap_snaps) {
		uint32_t n = c->ct_cap_snaps == 0 ? 8 : c->ct_cap_snaps * 2;

		if (n > MS_SNAPS_MAX)
			n = MS_SNAPS_MAX;
		s = realloc(c->ct_snaps, (size_t)n * sizeof(*s));
		if (s == NULL)
			return -DER_NOMEM;
		c->ct_snaps     = s;
		c->ct_cap_snaps = n;
	}
	pos = -pos - 1;
	memmove(&c->ct_snaps[pos + 1], &c->ct_snaps[pos],
		(size_t)(c->ct_nr_snaps - (uint32_t)pos) * sizeof(*c->ct_snaps));
	memset(&c->ct_snaps[pos], 0, sizeof(*c->ct_snaps));
	c->ct_snaps[pos].ms_epoch = pc->pc_epoch;
	strcpy(c->ct_snaps[pos].ms_name, pc->pc_name);
	c->ct_nr_snaps++;
	t->tb_bytes     = t->tb_bytes - c->ct_cost + cost;
	c->ct_cost      = cost;
	res->mr_changed = 1;
	return 0;
}

static int
apply_snap_destroy(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		   struct ms_db_result *res)
{
	struct ms_pools *t = *ms_db_pools_ref(db);
	struct msp_pool *p;
	struct msp_cont *c;
	char             us[37];
	uint64_t         cost;
	long             pos;
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	pos = snap_pos(c, pc->pc_epoch);
	if (pos < 0) {
		uuid_unparse_lower(c->ct_uuid, us);
		MSG("%s: epoch %" PRIu64 " has no snapshot in container %s", op, pc->pc_epoch, us);
		return -DER_NONEXIST;
	}
	cost = c->ct_cost - 64 - cost_str(c->ct_snaps[pos].ms_name);
	memmove(&c->ct_snaps[pos], &c->ct_snaps[pos + 1],
		(size_t)(c->ct_nr_snaps - (uint32_t)pos - 1) * sizeof(*c->ct_snaps));
	c->ct_nr_snaps--;
	t->tb_bytes     = t->tb_bytes - c->ct_cost + cost;
	c->ct_cost      = cost;
	res->mr_changed = 1;
	return 0;
}

static int
apply_alloc_oids(struct ms_db *db, const struct msp_cmd *pc, const char *op,
		 struct ms_db_result *res)
{
	struct msp_pool *p;
	struct msp_cont *c;
	char             us[37];
	int              rc;

	c = find_cont(db, pc, op, res, &p, &rc);
	if (c == NULL)
		return rc;
	if (pc->pc_count > MS_INT_MAX - c->ct_next_oid) {
		uuid_unparse_lower(c->ct_uuid, us);
		MSG("%s: container %s has %" PRIu64 " object ids left, not %" PRIu64, op, us,
		    MS_INT_MAX - c->ct_next_oid, pc->pc_count);
		return -DER_OVERFLOW;
	}
	res->mr_value = c->ct_next_oid;
	c->ct_next_oid += pc->pc_count;
	res->mr_changed = 1;
	return 0;
}

int
msp_apply(struct ms_db *db, const struct ms_dcmd *d, struct ms_db_result *res)
{
	const struct msp_cmd *pc = d->dc_pool;
	const char           *op = msp_op_name(d->dc_op);

	switch (d->dc_op) {
	case MS_CMD_POOL_CREATE:
		return apply_pool_create(db, pc, op, res);
	case MS_CMD_POOL_SET_STATE:
		return apply_pool_set_state(db, pc, op, res);
	case MS_CMD_POOL_DESTROY:
		return apply_pool_destroy(db, pc, op, res);
	case MS_CMD_POOL_SET_PROP:
		return apply_pool_set_prop(db, pc, op, res);
	case MS_CMD_POOL_TGT_STATE:
		return apply_pool_tgt_state(db, d, pc, op, res);
	case MS_CMD_CONT_CREATE:
		return apply_cont_create(db, pc, op, res);
	case MS_CMD_CONT_DESTROY:
		return apply_cont_destroy(db, pc, op, res);
	case MS_CMD_CONT_SET_PROP:
		return apply_cont_set_prop(db, pc, op, res);
	case MS_CMD_CONT_SET_ATTR:
		return apply_cont_set_attr(db, pc, op, res);
	case MS_CMD_CONT_SNAP_CREATE:
		return apply_snap_create(db, pc, op, res);
	case MS_CMD_CONT_SNAP_DESTROY:
		return apply_snap_destroy(db, pc, op, res);
	case MS_CMD_CONT_ALLOC_OIDS:
		return apply_alloc_oids(db, pc, op, res);
	default:
		assert(0);
		return -DER_INVAL;
	}
}

#undef MSG

/*
 * Snapshot
 */

static json_t *
kvs_to_json(const struct msp_kvs *ks, bool binary)
{
	json_t *o = json_object();
	char   *b = NULL;
	int     rc = 0;

	if (o == NULL)
		return NULL;
	for (uint32_t i = 0; rc == 0 && i < ks->ks_nr; i++) {
		const struct msp_kv *kv = &ks->ks_arr[i];

		if (binary) {
			b = malloc(b64_len(kv->kv_len) + 1);
			if (b == NULL) {
				rc = -DER_NOMEM;
				break;
			}
			b64_encode(kv->kv_val, kv->kv_len, b);
			msj_jset(o, kv->kv_name, json_string(b), &rc);
			free(b);
		} else {
			msj_jset(o, kv->kv_name, json_string((const char *)kv->kv_val), &rc);
		}
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Rank array to its rank set text (from malloc()). */
static char *
ranks_text(const uint32_t *ranks, uint32_t nr)
{
	struct d_rankset rs;
	char            *s = NULL;
	size_t           n;

	d_rankset_init(&rs);
	for (uint32_t i = 0; i < nr; i++)
		if (d_rankset_add(&rs, ranks[i]) != 0)
			goto out;
	n = d_rankset_format_len(&rs, false);
	s = malloc(n);
	if (s != NULL && d_rankset_format(&rs, s, n, false) != 0) {
		free(s);
		s = NULL;
	}
out:
	d_rankset_fini(&rs);
	return s;
}

static void
jset_text(json_t *o, const char *key, char *s, int *rc)
{
	msj_jset(o, key, s == NULL ? NULL : json_string(s), rc);
	free(s);
}

static json_t *
cont_to_json(const struct msp_cont *c)
{
	char    us[37];
	json_t *o = json_object();
	json_t *snaps;
	int     rc = 0;

	if (o == NULL)
		return NULL;
	uuid_unparse_lower(c->ct_uuid, us);
	msj_jset(o, "uuid", json_string(us), &rc);
	msj_jset(o, "label", json_string(c->ct_label), &rc);
	msj_jset(o, "type", json_string(c->ct_type), &rc);
	msj_jset(o, "props", kvs_to_json(&c->ct_props, false), &rc);
	msj_jset(o, "owner", json_string(c->ct_owner), &rc);
	msj_jset(o, "group", json_string(c->ct_group), &rc);
	msj_jset(o, "time", json_integer((json_int_t)c->ct_time), &rc);
	msj_jset(o, "next_oid", json_integer((json_int_t)c->ct_next_oid), &rc);
	msj_jset(o, "attrs", kvs_to_json(&c->ct_attrs, true), &rc);
	snaps = json_array();
	msj_jset(o, "snaps", snaps, &rc);
	for (uint32_t i = 0; rc == 0 && i < c->ct_nr_snaps; i++) {
		json_t *s = json_object();

		if (s == NULL || json_array_append_new(snaps, s) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		msj_jset(s, "epoch", json_integer((json_int_t)c->ct_snaps[i].ms_epoch), &rc);
		msj_jset(s, "name", json_string(c->ct_snaps[i].ms_name), &rc);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
pool_to_json(const struct msp_pool *p)
{
	char    us[37];
	json_t *o = json_object();
	json_t *arr;
	char   *states;
	int     rc = 0;

	if (o == NULL)
		return NULL;
	uuid_unparse_lower(p->pl_uuid, us);
	msj_jset(o, "uuid", json_string(us), &rc);
	msj_jset(o, "label", json_string(p->pl_label), &rc);
	msj_jset(o, "state", json_string(pool_states[p->pl_state]), &rc);
	jset_text(o, "ranks", ranks_text(p->pl_ranks, p->pl_nr_ranks), &rc);
	arr = json_array();
	msj_jset(o, "targets", arr, &rc);
	for (uint32_t i = 0; rc == 0 && i < p->pl_nr_ranks; i++)
		if (json_array_append_new(arr, json_integer(p->pl_nr_targets[i])) != 0)
			rc = -DER_NOMEM;
	msj_jset(o, "scm", json_integer((json_int_t)p->pl_scm), &rc);
	msj_jset(o, "nvme", json_integer((json_int_t)p->pl_nvme), &rc);
	jset_text(o, "svc", ranks_text(p->pl_svc, p->pl_nr_svc), &rc);
	msj_jset(o, "map_version", json_integer(p->pl_map_version), &rc);
	states = malloc((size_t)p->pl_nr_tgts + 1);
	if (states != NULL) {
		for (uint32_t i = 0; i < p->pl_nr_tgts; i++)
			states[i] = tgt_letter(p->pl_tgt_states[i]);
		states[p->pl_nr_tgts] = '\0';
	}
	jset_text(o, "tgt_states", states, &rc);
	msj_jset(o, "props", kvs_to_json(&p->pl_props, false), &rc);
	msj_jset(o, "owner", json_string(p->pl_owner), &rc);
	msj_jset(o, "group", json_string(p->pl_group), &rc);
	msj_jset(o, "time", json_integer((json_int_t)p->pl_time), &rc);
	arr = json_array();
	msj_jset(o, "conts", arr, &rc);
	for (uint32_t i = 0; rc == 0 && i < p->pl_nr_conts; i++) {
		json_t *c = cont_to_json(p->pl_conts[i]);

		if (c == NULL || json_array_append_new(arr, c) != 0)
			rc = -DER_NOMEM;
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
msp_snapshot(const struct ms_pools *t, json_t **out)
{
	json_t *arr = json_array();

	if (arr == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; t != NULL && i < t->tb_nr; i++) {
		json_t *p = pool_to_json(t->tb_pools[i]);

		if (p == NULL || json_array_append_new(arr, p) != 0) {
			json_decref(arr);
			return -DER_NOMEM;
		}
	}
	*out = arr;
	return 0;
}

/*
 * Restore
 */

/* A props or attrs object of a snapshot: sorted names, valid values. */
static int
kvs_from_json(const struct ms_jctx *c, json_t *o, const char *key, bool binary,
	      struct msp_kvs *ks)
{
	char        q[MS_QUOTE_MAX + 4];
	const char *name;
	const char *prev = NULL;
	json_t     *obj;
	json_t     *v;
	uint8_t    *buf = NULL;
	size_t      max = binary ? MS_ATTRS_MAX : MS_PROPS_MAX;
	int         rc;

	rc = msj_jfetch(c, o, key, true, JSON_OBJECT, "an object", &obj);
	if (rc < 0)
		return rc;
	if (json_object_size(obj) > max) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' holds %zu names, more "
				"than %zu", c->jc_what, key, json_object_size(obj), max);
		return -DER_INVAL;
	}
	if (json_object_size(obj) == 0)
		return 0;
	ks->ks_arr = calloc(json_object_size(obj), sizeof(*ks->ks_arr));
	if (binary)
		buf = malloc(b64_len(MS_ATTR_VALUE_MAX));
	if (ks->ks_arr == NULL || (binary && buf == NULL)) {
		free(buf);
		return -DER_NOMEM;
	}
	rc = 0;
	json_object_foreach(obj, name, v) {
		const char *s   = json_is_string(v) ? json_string_value(v) : NULL;
		size_t      len = s == NULL ? 0 : json_string_length(v);
		long        n;
		bool        ok;

		if (binary)
			ok = len <= b64_len(MS_ATTR_VALUE_MAX) && strlen(name) > 0 &&
			     strlen(name) < MS_ATTR_NAME_MAX && msj_text_ok(name);
		else
			ok = prop_name_ok(name) && strcmp(name, "label") != 0 &&
			     len < MS_PROP_VALUE_MAX;
		if (s == NULL || !ok || len != strlen(s) || (!binary && !msj_text_ok(s))) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': entry '%s' "
					"is invalid", c->jc_what, key, msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		if (prev != NULL && strcmp(prev, name) >= 0) {
			d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': entry '%s' is "
					"out of order", c->jc_what, key, msj_quote(q, name));
			rc = -DER_INVAL;
			break;
		}
		prev = name;
		if (binary) {
			n = b64_decode(s, len, buf);
			if (n < 0 || n > MS_ATTR_VALUE_MAX) {
				d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s': entry "
						"'%s' is invalid", c->jc_what, key,
						msj_quote(q, name));
				rc = -DER_INVAL;
				break;
			}
			rc = kv_set(&ks->ks_arr[ks->ks_nr], name, buf, (uint32_t)n);
		} else {
			rc = kv_set(&ks->ks_arr[ks->ks_nr], name, s, (uint32_t)len);
		}
		if (rc != 0)
			break;
		ks->ks_nr++;
	}
	free(buf);
	if (rc == 0 && binary && kvs_bytes(ks) > MS_ATTRS_BYTES_MAX) {
		d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: field '%s' holds more than %d bytes",
				c->jc_what, key, MS_ATTRS_BYTES_MAX);
		rc = -DER_INVAL;
	}
	return rc;
}

static int
pool_state_from(const struct ms_jctx *c, json_t *o, uint32_t *state)
{
	char    q[MS_QUOTE_MAX + 4];
	json_t *v;
	int     rc = msj_jfetch(c, o, "state", true, JSON_STRING, "a string", &v);

	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i <= MS_POOL_DESTROYING; i++) {
		if (strcmp(json_string_value(v), pool_states[i]) == 0) {
			*state = i;
			return 0;
		}
	}
	d_errbuf_printf(c->jc_errbuf, c->jc_errlen, "%s: unknown pool state '%s'", c->jc_what,
			msj_quote(q, json_string_value(v)));
	return -DER_INVAL;
}

static int
cont_from_json(json_t *o, const char *pwhat, size_t idx, struct msp_cont *ct, char *errbuf,
	       size_t errlen)
{
	static const char *const keys[] = {"uuid",  "label", "type",     "props", "owner",
					   "group", "time",  "next_oid", "attrs", "snaps", NULL};
	char                     what[80];
	struct ms_jctx           c = {what, errbuf, errlen};
	json_t                  *arr;
	json_t                  *v;
	size_t                   i;
	int                      rc;

	snprintf(what, sizeof(what), "%s container %zu", pwhat, idx);
	if (!json_is_object(o)) {
		d_errbuf_printf(errbuf, errlen, "%s must be an object, got %s", what,
				d_json_type_name(o));
		return -DER_INVAL;
	}
	rc = msj_jkeys(&c, o, keys);
	if (rc == 0)
		rc = msj_juuid(&c, o, "uuid", false, ct->ct_uuid);
	if (rc == 0)
		rc = msj_jstr(&c, o, "label", true, MS_STR_TEXT, ct->ct_label,
			      sizeof(ct->ct_label));
	if (rc >= 0 && ct->ct_label[0] != '\0' && !ms_label_valid(ct->ct_label)) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'label' %s", what, LABEL_RULE);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = jtype(&c, o, ct->ct_type);
	if (rc >= 0 && (rc = msj_jfetch(&c, o, "type", true, JSON_STRING, "a string", &v)) >= 0 &&
	    strcmp(json_string_value(v), ct->ct_type) != 0) {
		d_errbuf_printf(errbuf, errlen, "%s: container type '%s' is not in DAOS's case",
				what, ct->ct_type);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = kvs_from_json(&c, o, "props", false, &ct->ct_props);
	if (rc >= 0)
		rc = jprincipal(&c, o, "owner", ct->ct_owner);
	if (rc >= 0)
		rc = jprincipal(&c, o, "group", ct->ct_group);
	if (rc >= 0)
		rc = msj_juint(&c, o, "time", true, 0, MS_INT_MAX, &ct->ct_time);
	if (rc >= 0)
		rc = msj_juint(&c, o, "next_oid", true, MS_CONT_OID_FIRST, MS_INT_MAX,
			       &ct->ct_next_oid);
	if (rc >= 0)
		rc = kvs_from_json(&c, o, "attrs", true, &ct->ct_attrs);
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "snaps", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		return rc;
	if (json_array_size(arr) > MS_SNAPS_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: %zu snapshots, more than %d", what,
				json_array_size(arr), MS_SNAPS_MAX);
		return -DER_INVAL;
	}
	if (json_array_size(arr) > 0) {
		ct->ct_snaps = calloc(json_array_size(arr), sizeof(*ct->ct_snaps));
		if (ct->ct_snaps == NULL)
			return -DER_NOMEM;
		ct->ct_cap_snaps = (uint32_t)json_array_size(arr);
	}
	json_array_foreach(arr, i, v) {
		static const char *const skeys[] = {"epoch", "name", NULL};
		char                     swhat[128];
		struct ms_jctx           sc = {swhat, errbuf, errlen};
		struct ms_snap          *s  = &ct->ct_snaps[i];

		snprintf(swhat, sizeof(swhat), "%s snapshot %zu", what, i);
		if (!json_is_object(v)) {
			d_errbuf_printf(errbuf, errlen, "%s must be an object", swhat);
			return -DER_INVAL;
		}
		rc = msj_jkeys(&sc, v, skeys);
		if (rc == 0)
			rc = msj_juint(&sc, v, "epoch", true, 1, MS_INT_MAX, &s->ms_epoch);
		if (rc >= 0)
			rc = msj_jstr(&sc, v, "name", true, MS_STR_TEXT, s->ms_name,
				      sizeof(s->ms_name));
		if (rc < 0)
			return rc;
		if (i > 0 && s->ms_epoch <= ct->ct_snaps[i - 1].ms_epoch) {
			d_errbuf_printf(errbuf, errlen, "%s: epoch %" PRIu64 " is not above the "
					"previous snapshot's", swhat, s->ms_epoch);
			return -DER_INVAL;
		}
		for (size_t k = 0; s->ms_name[0] != '\0' && k < i; k++) {
			if (strcmp(ct->ct_snaps[k].ms_name, s->ms_name) == 0) {
				d_errbuf_printf(errbuf, errlen, "%s: name is also snapshot %zu's",
						swhat, k);
				return -DER_INVAL;
			}
		}
		ct->ct_nr_snaps++;
	}
	ct->ct_cost = cont_cost_now(ct);
	return 0;
}

static int
ranks_from_json(const struct ms_jctx *c, json_t *o, const char *key, uint64_t max,
		uint32_t **arr, uint32_t *nr)
{
	struct d_rankset rs;
	int              rc;

	d_rankset_init(&rs);
	rc = jrankset(c, o, key, true, max, D_RANK_MAX, &rs);
	if (rc >= 0) {
		*nr = (uint32_t)d_rankset_count(&rs);
		if (*arr == NULL)
			*arr = calloc(*nr, sizeof(uint32_t));
		if (*arr == NULL)
			rc = -DER_NOMEM;
		else
			rankset_to_array(&rs, *arr);
	}
	d_rankset_fini(&rs);
	return rc < 0 ? rc : 0;
}

static int
pool_from_json(const struct ms_db *tmp, json_t *o, size_t idx, struct msp_pool *p,
	       char *errbuf, size_t errlen)
{
	static const char *const keys[] = {
	    "uuid", "label", "state", "ranks", "targets", "scm",   "nvme",  "svc",
	    "map_version", "tgt_states", "props", "owner", "group", "time", "conts", NULL};
	char                     what[32];
	struct ms_jctx           c = {what, errbuf, errlen};
	struct ms_member        *m = NULL;
	uint32_t                *ranks = NULL;
	uint32_t                *svc   = p->pl_svc;
	uint32_t                 nr;
	uint32_t                 nr_tgts = 0;
	json_t                  *arr;
	json_t                  *v;
	uint64_t                 u = 0;
	size_t                   i;
	int                      rc;

	snprintf(what, sizeof(what), "pool %zu", idx);
	if (!json_is_object(o)) {
		d_errbuf_printf(errbuf, errlen, "%s must be an object, got %s", what,
				d_json_type_name(o));
		return -DER_INVAL;
	}
	rc = msj_jkeys(&c, o, keys);
	if (rc == 0)
		rc = msj_juuid(&c, o, "uuid", false, p->pl_uuid);
	if (rc == 0)
		rc = msj_jstr(&c, o, "label", true, MS_STR_TEXT, p->pl_label,
			      sizeof(p->pl_label));
	if (rc >= 0 && p->pl_label[0] != '\0' && !ms_label_valid(p->pl_label)) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'label' %s", what, LABEL_RULE);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = pool_state_from(&c, o, &p->pl_state);
	if (rc >= 0)
		rc = ranks_from_json(&c, o, "ranks", MS_MEMBERS_MAX, &ranks, &nr);
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "targets", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		goto out;
	if (json_array_size(arr) != nr) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'targets' has %zu counts for %u ranks",
				what, json_array_size(arr), nr);
		rc = -DER_INVAL;
		goto out;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > MS_TARGETS_MAX) {
			d_errbuf_printf(errbuf, errlen,
					"%s: field 'targets' item %zu must be an integer in [1, %d]",
					what, i, MS_TARGETS_MAX);
			rc = -DER_INVAL;
			goto out;
		}
		nr_tgts += (uint32_t)json_integer_value(v);
	}
	rc = pool_alloc_ranks(p, nr, nr_tgts);
	if (rc != 0)
		goto out;
	nr_tgts = 0;
	json_array_foreach(arr, i, v) {
		p->pl_ranks[i]      = ranks[i];
		p->pl_nr_targets[i] = (uint32_t)json_integer_value(v);
		p->pl_tgt_off[i]    = nr_tgts;
		nr_tgts += p->pl_nr_targets[i];
	}
	m = malloc(sizeof(*m));
	if (m == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (ms_db_member_by_rank(tmp, p->pl_ranks[i], m) != 0) {
			d_errbuf_printf(errbuf, errlen, "%s: rank %u is not a member", what,
					p->pl_ranks[i]);
			rc = -DER_INVAL;
			goto out;
		}
	}
	rc = msj_juint(&c, o, "scm", true, MS_POOL_SCM_MIN, MS_INT_MAX, &p->pl_scm);
	if (rc >= 0)
		rc = msj_juint(&c, o, "nvme", true, 0, MS_INT_MAX, &p->pl_nvme);
	if (rc >= 0 && p->pl_nvme != 0 && p->pl_nvme < MS_POOL_NVME_MIN) {
		d_errbuf_printf(errbuf, errlen, "%s: field 'nvme' must be 0 or at least %llu",
				what, MS_POOL_NVME_MIN);
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = ranks_from_json(&c, o, "svc", MS_POOL_SVC_MAX, &svc, &p->pl_nr_svc);
	if (rc < 0)
		goto out;
	for (i = 0; i < p->pl_nr_svc; i++) {
		if (rank_index(p, p->pl_svc[i]) < 0) {
			d_errbuf_printf(errbuf, errlen, "%s: service rank %u is not a pool rank",
					what, p->pl_svc[i]);
			rc = -DER_INVAL;
			goto out;
		}
	}
	rc = msj_juint(&c, o, "map_version", true, 1, UINT32_MAX, &u);
	p->pl_map_version = (uint32_t)u;
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "tgt_states", true, JSON_STRING, "a string", &v);
	if (rc < 0)
		goto out;
	if (json_string_length(v) != p->pl_nr_tgts) {
		d_errbuf_printf(errbuf, errlen,
				"%s: field 'tgt_states' has %zu states for %u targets", what,
				json_string_length(v), p->pl_nr_tgts);
		rc = -DER_INVAL;
		goto out;
	}
	for (i = 0; i < p->pl_nr_tgts; i++) {
		char   ch = json_string_value(v)[i];
		size_t k;

		for (k = 0; k < MSP_TGT_STATES; k++)
			if (tgt_states[k].ts_letter == ch)
				break;
		if (k == MSP_TGT_STATES) {
			d_errbuf_printf(errbuf, errlen,
					"%s: field 'tgt_states' has an invalid state at %zu", what,
					i);
			rc = -DER_INVAL;
			goto out;
		}
		p->pl_tgt_states[i] = (uint8_t)tgt_states[k].ts_bit;
	}
	rc = kvs_from_json(&c, o, "props", false, &p->pl_props);
	if (rc >= 0)
		rc = jprincipal(&c, o, "owner", p->pl_owner);
	if (rc >= 0)
		rc = jprincipal(&c, o, "group", p->pl_group);
	if (rc >= 0)
		rc = msj_juint(&c, o, "time", true, 0, MS_INT_MAX, &p->pl_time);
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "conts", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		goto out;
	if (json_array_size(arr) > MS_CONTS_PER_POOL_MAX) {
		d_errbuf_printf(errbuf, errlen, "%s: %zu containers, more than %d", what,
				json_array_size(arr), MS_CONTS_PER_POOL_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	if (json_array_size(arr) > 0) {
		p->pl_conts = calloc(json_array_size(arr), sizeof(*p->pl_conts));
		if (p->pl_conts == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		p->pl_cap_conts = (uint32_t)json_array_size(arr);
	}
	json_array_foreach(arr, i, v) {
		struct msp_cont *ct = calloc(1, sizeof(*ct));

		if (ct == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		p->pl_conts[p->pl_nr_conts++] = ct;
		rc = cont_from_json(v, what, i, ct, errbuf, errlen);
		if (rc != 0)
			goto out;
		if (i > 0 && uuid_compare(ct->ct_uuid, p->pl_conts[i - 1]->ct_uuid) <= 0) {
			d_errbuf_printf(errbuf, errlen,
					"%s container %zu: UUID is not above the previous "
					"container's", what, i);
			rc = -DER_INVAL;
			goto out;
		}
		for (size_t k = 0; ct->ct_label[0] != '\0' && k < i; k++) {
			if (strcmp(p->pl_conts[k]->ct_label, ct->ct_label) == 0) {
				d_errbuf_printf(errbuf, errlen,
						"%s container %zu: label '%s' is also container "
						"%zu's", what, i, ct->ct_label, k);
				rc = -DER_INVAL;
				goto out;
			}
		}
	}
	p->pl_cost = cost_pool(p);
	rc         = 0;
out:
	free(ranks);
	free(m);
	return rc;
}

int
msp_restore(const struct ms_db *tmp, json_t *arr, struct ms_pools **out, char *errbuf,
	    size_t errlen)
{
	struct ms_pools *t;
	json_t          *v;
	size_t           i;
	int              rc = 0;

	if (json_array_size(arr) > MS_POOLS_MAX) {
		d_errbuf_printf(errbuf, errlen, "snapshot: %zu pools, more than %d",
				json_array_size(arr), MS_POOLS_MAX);
		return -DER_INVAL;
	}
	*out = NULL;
	if (json_array_size(arr) == 0)
		return 0;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -DER_NOMEM;
	t->tb_pools = calloc(json_array_size(arr), sizeof(*t->tb_pools));
	if (t->tb_pools == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	t->tb_cap = (uint32_t)json_array_size(arr);
	json_array_foreach(arr, i, v) {
		struct msp_pool *p = calloc(1, sizeof(*p));

		if (p == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		t->tb_pools[t->tb_nr++] = p;
		rc = pool_from_json(tmp, v, i, p, errbuf, errlen);
		if (rc != 0)
			goto out;
		if (i > 0 && uuid_compare(p->pl_uuid, t->tb_pools[i - 1]->pl_uuid) <= 0) {
			d_errbuf_printf(errbuf, errlen,
					"snapshot: pool %zu: UUID is not above the previous pool's",
					i);
			rc = -DER_INVAL;
			goto out;
		}
		for (size_t k = 0; p->pl_label[0] != '\0' && k < i; k++) {
			if (strcmp(t->tb_pools[k]->pl_label, p->pl_label) == 0) {
				d_errbuf_printf(errbuf, errlen,
						"snapshot: pool %zu: label '%s' is also pool %zu's",
						i, p->pl_label, k);
				rc = -DER_INVAL;
				goto out;
			}
		}
		t->tb_bytes += pool_total_cost(p);
	}
	if (t->tb_bytes > MS_POOLS_BYTES_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"snapshot: the pools exceed their budget of %u encoded bytes",
				MS_POOLS_BYTES_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	*out = t;
	t    = NULL;
out:
	msp_table_free(t);
	return rc;
}

/*
 * Queries
 */

static const struct msp_pool *
q_pool(const struct ms_db *db, const uuid_t uuid)
{
	return db == NULL || uuid == NULL ? NULL : pool_get(ms_db_pools(db), uuid);
}

static const struct msp_cont *
q_cont(const struct ms_db *db, const uuid_t pool, const uuid_t cont)
{
	const struct msp_pool *p = q_pool(db, pool);

	return p == NULL || cont == NULL ? NULL : cont_get(p, cont);
}

/* Label or UUID text to a UUID: 1 for a UUID, 0 for a label, <0 when neither. */
static int
parse_id(const char *id, uuid_t u)
{
	if (id == NULL)
		return -DER_INVAL;
	if (strlen(id) == 36 && uuid_parse(id, u) == 0)
		return 1;
	return ms_label_valid(id) ? 0 : -DER_INVAL;
}

int
ms_pool_find(const struct ms_db *db, const char *id, uuid_t out)
{
	const struct msp_pool *p;
	uuid_t                 u;
	int                    rc;

	if (db == NULL || out == NULL)
		return -DER_INVAL;
	rc = parse_id(id, u);
	if (rc < 0)
		return rc;
	p = rc == 1 ? pool_get(ms_db_pools(db), u) : pool_by_label(ms_db_pools(db), id);
	if (p == NULL)
		return -DER_NONEXIST;
	uuid_copy(out, p->pl_uuid);
	return 0;
}

uint32_t
ms_pool_count(const struct ms_db *db)
{
	const struct ms_pools *t = db == NULL ? NULL : ms_db_pools(db);

	return t == NULL ? 0 : t->tb_nr;
}

static void
pool_info(const struct msp_pool *p, struct ms_pool_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	uuid_copy(pi->pi_uuid, p->pl_uuid);
	strcpy(pi->pi_label, p->pl_label);
	pi->pi_state       = p->pl_state;
	pi->pi_nr_ranks    = p->pl_nr_ranks;
	pi->pi_nr_conts    = p->pl_nr_conts;
	pi->pi_map_version = p->pl_map_version;
}

int
ms_pool_list(const struct ms_db *db, struct ms_pool_info **out, uint32_t *nr)
{
	const struct ms_pools *t;
	struct ms_pool_info   *arr;

	if (db == NULL || out == NULL || nr == NULL)
		return -DER_INVAL;
	t = ms_db_pools(db);
	if (t == NULL || t->tb_nr == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = calloc(t->tb_nr, sizeof(*arr));
	if (arr == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < t->tb_nr; i++)
		pool_info(t->tb_pools[i], &arr[i]);
	*out = arr;
	*nr  = t->tb_nr;
	return 0;
}

static void
props_out(const struct msp_kvs *ks, struct ms_prop *out)
{
	for (uint32_t i = 0; i < ks->ks_nr; i++) {
		strcpy(out[i].mp_name, ks->ks_arr[i].kv_name);
		memcpy(out[i].mp_value, ks->ks_arr[i].kv_val, ks->ks_arr[i].kv_len + 1);
	}
}

int
ms_pool_get(const struct ms_db *db, const uuid_t uuid, struct ms_pool_rec **out)
{
	const struct msp_pool *p = q_pool(db, uuid);
	struct ms_pool_rec    *r;
	size_t                 sz;
	uint8_t               *q;

	if (out == NULL)
		return -DER_INVAL;
	if (p == NULL)
		return -DER_NONEXIST;
	/* One block: record, rank arrays (aligned), props, then target states. */
	sz = sizeof(*r) + (size_t)p->pl_nr_ranks * 2 * sizeof(uint32_t) +
	     (size_t)p->pl_props.ks_nr * sizeof(struct ms_prop) + p->pl_nr_tgts;
	r = calloc(1, sz);
	if (r == NULL)
		return -DER_NOMEM;
	pool_info(p, &r->pr_info);
	q                = (uint8_t *)(r + 1);
	r->pr_ranks      = (uint32_t *)q;
	r->pr_nr_targets = r->pr_ranks + p->pl_nr_ranks;
	q += (size_t)p->pl_nr_ranks * 2 * sizeof(uint32_t);
	r->pr_props = (struct ms_prop *)q;
	q += (size_t)p->pl_props.ks_nr * sizeof(struct ms_prop);
	r->pr_tgt_states = q;
	memcpy(r->pr_ranks, p->pl_ranks, p->pl_nr_ranks * sizeof(uint32_t));
	memcpy(r->pr_nr_targets, p->pl_nr_targets, p->pl_nr_ranks * sizeof(uint32_t));
	memcpy(r->pr_tgt_states, p->pl_tgt_states, p->pl_nr_tgts);
	r->pr_nr_tgts  = p->pl_nr_tgts;
	r->pr_scm      = p->pl_scm;
	r->pr_nvme     = p->pl_nvme;
	r->pr_nr_svc   = p->pl_nr_svc;
	memcpy(r->pr_svc, p->pl_svc, sizeof(r->pr_svc));
	r->pr_nr_props = p->pl_props.ks_nr;
	props_out(&p->pl_props, r->pr_props);
	strcpy(r->pr_owner, p->pl_owner);
	strcpy(r->pr_group, p->pl_group);
	r->pr_time = p->pl_time;
	if (p->pl_props.ks_nr == 0)
		r->pr_props = NULL;
	*out = r;
	return 0;
}

int
ms_cont_find(const struct ms_db *db, const uuid_t pool, const char *id, uuid_t out)
{
	const struct msp_pool *p = q_pool(db, pool);
	const struct msp_cont *c;
	uuid_t                 u;
	int                    rc;

	if (out == NULL)
		return -DER_INVAL;
	rc = parse_id(id, u);
	if (rc < 0)
		return rc;
	if (p == NULL)
		return -DER_NONEXIST;
	c = rc == 1 ? cont_get(p, u) : cont_by_label(p, id);
	if (c == NULL)
		return -DER_NONEXIST;
	uuid_copy(out, c->ct_uuid);
	return 0;
}

static void
cont_info(const struct msp_cont *c, struct ms_cont_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	uuid_copy(ci->ci_uuid, c->ct_uuid);
	strcpy(ci->ci_label, c->ct_label);
	strcpy(ci->ci_type, c->ct_type);
}

int
ms_cont_list(const struct ms_db *db, const uuid_t pool, struct ms_cont_info **out, uint32_t *nr)
{
	const struct msp_pool *p = q_pool(db, pool);
	struct ms_cont_info   *arr;

	if (out == NULL || nr == NULL)
		return -DER_INVAL;
	if (p == NULL)
		return -DER_NONEXIST;
	if (p->pl_nr_conts == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = calloc(p->pl_nr_conts, sizeof(*arr));
	if (arr == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		cont_info(p->pl_conts[i], &arr[i]);
	*out = arr;
	*nr  = p->pl_nr_conts;
	return 0;
}

int
ms_cont_get(const struct ms_db *db, const uuid_t pool, const uuid_t cont,
	    struct ms_cont_rec **out)
{
	const struct msp_cont *c = q_cont(db, pool, cont);
	struct ms_cont_rec    *r;

	if (out == NULL)
		return -DER_INVAL;
	if (c == NULL)
		return -DER_NONEXIST;
	r = calloc(1, sizeof(*r) + (size_t)c->ct_props.ks_nr * sizeof(struct ms_prop));
	if (r == NULL)
		return -DER_NOMEM;
	cont_info(c, &r->cr_info);
	r->cr_nr_props = c->ct_props.ks_nr;
	r->cr_props    = c->ct_props.ks_nr == 0 ? NULL : (struct ms_prop *)(r + 1);
	props_out(&c->ct_props, (struct ms_prop *)(r + 1));
	strcpy(r->cr_owner, c->ct_owner);
	strcpy(r->cr_group, c->ct_group);
	r->cr_time     = c->ct_time;
	r->cr_next_oid = c->ct_next_oid;
	r->cr_nr_attrs = c->ct_attrs.ks_nr;
	r->cr_nr_snaps = c->ct_nr_snaps;
	*out           = r;
	return 0;
}

int
ms_cont_attrs(const struct ms_db *db, const uuid_t pool, const uuid_t cont,
	      struct ms_attr **out, uint32_t *nr)
{
	const struct msp_cont *c = q_cont(db, pool, cont);
	struct ms_attr        *arr;
	uint8_t               *q;
	uint32_t               n;

	if (out == NULL || nr == NULL)
		return -DER_INVAL;
	if (c == NULL)
		return -DER_NONEXIST;
	n = c->ct_attrs.ks_nr;
	if (n == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = calloc(1, (size_t)n * sizeof(*arr) + kvs_bytes(&c->ct_attrs));
	if (arr == NULL)
		return -DER_NOMEM;
	q = (uint8_t *)(arr + n);
	for (uint32_t i = 0; i < n; i++) {
		const struct msp_kv *kv = &c->ct_attrs.ks_arr[i];

		strcpy(arr[i].ma_name, kv->kv_name);
		arr[i].ma_len   = kv->kv_len;
		arr[i].ma_value = q;
		if (kv->kv_len > 0)
			memcpy(q, kv->kv_val, kv->kv_len);
		q += kv->kv_len;
	}
	*out = arr;
	*nr  = n;
	return 0;
}

int
ms_cont_snaps(const struct ms_db *db, const uuid_t pool, const uuid_t cont,
	      struct ms_snap **out, uint32_t *nr)
{
	const struct msp_cont *c = q_cont(db, pool, cont);
	struct ms_snap        *arr;

	if (out == NULL || nr == NULL)
		return -DER_INVAL;
	if (c == NULL)
		return -DER_NONEXIST;
	if (c->ct_nr_snaps == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = malloc((size_t)c->ct_nr_snaps * sizeof(*arr));
	if (arr == NULL)
		return -DER_NOMEM;
	memcpy(arr, c->ct_snaps, (size_t)c->ct_nr_snaps * sizeof(*arr));
	*out = arr;
	*nr  = c->ct_nr_snaps;
	return 0;
}
