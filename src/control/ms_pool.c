/*
 * ms_pool.c: the pool and container tables of the Management Service
 * database: names, record helpers, lookups and the size budget; commands
 * are decoded in ms_pool_cmd.c and applied in ms_pool_apply.c, the snapshot
 * section is ms_pool_snap.c, queries ms_pool_query.c (see ms_pool.h for the
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
#include "control/ms_pool_internal.h"

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
	[MS_CMD_CONT_ALLOC_OIDS] = "cont_alloc_oids", [MS_CMD_POOL_SET_ATTR] = "pool_set_attr",
};

/* First and last pool/container command: the table above covers exactly them. */
#define MSP_OP_FIRST MS_CMD_POOL_CREATE
#define MSP_OP_LAST  MS_CMD_POOL_SET_ATTR

enum ms_cmd_op
msp_op_lookup(const char *name)
{
	for (int op = MSP_OP_FIRST; op <= MSP_OP_LAST; op++)
		if (strcmp(name, msp_ops[op]) == 0)
			return (enum ms_cmd_op)op;
	return 0;
}

const char *
msp_op_name(enum ms_cmd_op op)
{
	if (op < MSP_OP_FIRST || op > MSP_OP_LAST)
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

uint32_t
msp_tgt_state_of_letter(char ch)
{
	for (size_t i = 0; i < MSP_TGT_STATES; i++)
		if (tgt_states[i].ts_letter == ch)
			return tgt_states[i].ts_bit;
	return 0;
}

char
msp_tgt_letter(uint32_t state)
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

const char *
msp_cont_type_canon(const char *s, size_t len)
{
	for (size_t i = 0; i < MSP_CONT_TYPES; i++)
		if (len == strlen(cont_types[i]) && strcasecmp(s, cont_types[i]) == 0)
			return cont_types[i];
	return NULL;
}

int
msp_tgt_state_from_name(const char *s, uint32_t *state)
{
	for (size_t i = 0; i < MSP_TGT_STATES; i++) {
		if (strcasecmp(s, tgt_states[i].ts_name) == 0) {
			*state = tgt_states[i].ts_bit;
			return 0;
		}
	}
	return -DER_INVAL;
}

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

bool
msp_prop_name_ok(const char *s)
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
bool
msp_principal_ok(const char *s)
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

size_t
msp_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Encode @n bytes into @dst (msp_b64_len(n) + 1 bytes, NUL-terminated). */
void
msp_b64_encode(const uint8_t *src, size_t n, char *dst)
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
long
msp_b64_decode(const char *src, size_t n, uint8_t *dst)
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

size_t
ms_b64_len(size_t n)
{
	return msp_b64_len(n);
}

void
ms_b64_encode(const void *src, size_t n, char *dst)
{
	msp_b64_encode(src, n, dst);
}

long
ms_b64_decode(const char *src, size_t n, void *dst)
{
	return msp_b64_decode(src, n, dst);
}

/*
 * Name/value arrays
 */

void
msp_kvs_free(struct msp_kvs *ks)
{
	for (uint32_t i = 0; i < ks->ks_nr; i++) {
		free(ks->ks_arr[i].kv_name);
		free(ks->ks_arr[i].kv_val);
	}
	free(ks->ks_arr);
	ks->ks_arr = NULL;
	ks->ks_nr  = 0;
}

long
msp_kvs_find(const struct msp_kvs *ks, const char *name)
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

int
msp_kv_set(struct msp_kv *kv, const char *name, const void *val, uint32_t len)
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

int
msp_kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct msp_kv *)a)->kv_name, ((const struct msp_kv *)b)->kv_name);
}

bool
msp_del_has(char *const *del, uint32_t nr, const char *name)
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
int
msp_kvs_merge(const struct msp_kvs *old, const struct msp_kvs *set, char *const *del,
	      uint32_t nr_del, struct msp_kvs *out)
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
			if (msp_del_has(del, nr_del, kv->kv_name))
				continue;
		} else {
			kv = &set->ks_arr[j++];
			if (c == 0)
				i++;
		}
		rc = msp_kv_set(&n.ks_arr[n.ks_nr], kv->kv_name, kv->kv_val, kv->kv_len);
		if (rc == 0)
			n.ks_nr++;
	}
	if (rc != 0) {
		msp_kvs_free(&n);
		return rc;
	}
	*out = n;
	return 0;
}

int
msp_kvs_copy(const struct msp_kvs *src, struct msp_kvs *dst)
{
	static const struct msp_kvs none = {0, NULL};

	return msp_kvs_merge(src, &none, NULL, 0, dst);
}

uint64_t
msp_kvs_bytes(const struct msp_kvs *ks)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < ks->ks_nr; i++)
		n += strlen(ks->ks_arr[i].kv_name) + ks->ks_arr[i].kv_len;
	return n;
}

/*
 * Encoded size bounds (P6)
 */

uint64_t
msp_cost_str(const char *s)
{
	return 2 * (uint64_t)strlen(s) + 2;
}

static uint64_t
cost_kvs(const struct msp_kvs *ks, bool binary)
{
	uint64_t n = 2;

	for (uint32_t i = 0; i < ks->ks_nr; i++) {
		const struct msp_kv *kv = &ks->ks_arr[i];

		n += msp_cost_str(kv->kv_name) + 2;
		n += binary ? msp_b64_len(kv->kv_len) + 2 : 2 * (uint64_t)kv->kv_len + 2;
	}
	return n;
}

uint64_t
msp_cost_pool(const struct msp_pool *p)
{
	return MSP_REC_OVERHEAD + msp_cost_str(p->pl_label) + msp_cost_str(p->pl_owner) +
	       msp_cost_str(p->pl_group) +
	       (uint64_t)p->pl_nr_ranks * (MSP_RANK_COST + MSP_COUNT_COST) + p->pl_nr_tgts +
	       MS_POOL_SVC_MAX * MSP_RANK_COST + cost_kvs(&p->pl_props, false) +
	       cost_kvs(&p->pl_attrs, true);
}

uint64_t
msp_cost_pool_with(const struct msp_pool *p, const struct msp_kvs *attrs)
{
	return msp_cost_pool(p) - cost_kvs(&p->pl_attrs, true) + cost_kvs(attrs, true);
}

uint64_t
msp_cost_snaps(const struct ms_snap *s, uint32_t nr)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < nr; i++)
		n += 64 + msp_cost_str(s[i].ms_name);
	return n;
}

uint64_t
msp_cost_cont(const struct msp_cont *c, const struct msp_kvs *props, const struct msp_kvs *attrs,
	      const char *label, uint64_t snaps)
{
	return MSP_REC_OVERHEAD + msp_cost_str(label) + msp_cost_str(c->ct_type) +
	       msp_cost_str(c->ct_owner) + msp_cost_str(c->ct_group) + cost_kvs(props, false) +
	       cost_kvs(attrs, true) + snaps;
}

/* Refuse a change from @old to @new bytes that would exceed the budget. */
int
msp_budget_check(const struct ms_pools *t, uint64_t old, uint64_t new, const char *what,
		 char *msg, size_t len)
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

void
msp_cont_free(struct msp_cont *c)
{
	if (c == NULL)
		return;
	msp_kvs_free(&c->ct_props);
	msp_kvs_free(&c->ct_attrs);
	free(c->ct_snaps);
	free(c);
}

void
msp_pool_free(struct msp_pool *p)
{
	if (p == NULL)
		return;
	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		msp_cont_free(p->pl_conts[i]);
	free(p->pl_conts);
	msp_kvs_free(&p->pl_props);
	msp_kvs_free(&p->pl_attrs);
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
		msp_pool_free(t->tb_pools[i]);
	free(t->tb_pools);
	free(t);
}

/* Allocate a pool's rank arrays for @nr ranks and @nr_tgts targets. */
int
msp_pool_alloc_ranks(struct msp_pool *p, uint32_t nr, uint32_t nr_tgts)
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

long
msp_pool_pos(const struct ms_pools *t, const uuid_t uuid)
{
	if (t == NULL)
		return -1;
	return uuid_search((void *const *)t->tb_pools, t->tb_nr, offsetof(struct msp_pool, pl_uuid),
			   uuid);
}

struct msp_pool *
msp_pool_get(const struct ms_pools *t, const uuid_t uuid)
{
	long i = msp_pool_pos(t, uuid);

	return i < 0 ? NULL : t->tb_pools[i];
}

long
msp_cont_pos(const struct msp_pool *p, const uuid_t uuid)
{
	return uuid_search((void *const *)p->pl_conts, p->pl_nr_conts,
			   offsetof(struct msp_cont, ct_uuid), uuid);
}

struct msp_cont *
msp_cont_get(const struct msp_pool *p, const uuid_t uuid)
{
	long i = msp_cont_pos(p, uuid);

	return i < 0 ? NULL : p->pl_conts[i];
}

struct msp_pool *
msp_pool_by_label(const struct ms_pools *t, const char *label)
{
	if (t == NULL || label[0] == '\0')
		return NULL;
	for (uint32_t i = 0; i < t->tb_nr; i++)
		if (strcmp(t->tb_pools[i]->pl_label, label) == 0)
			return t->tb_pools[i];
	return NULL;
}

struct msp_cont *
msp_cont_by_label(const struct msp_pool *p, const char *label)
{
	if (label[0] == '\0')
		return NULL;
	for (uint32_t i = 0; i < p->pl_nr_conts; i++)
		if (strcmp(p->pl_conts[i]->ct_label, label) == 0)
			return p->pl_conts[i];
	return NULL;
}

long
msp_rank_index(const struct msp_pool *p, uint32_t rank)
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
		if (msp_rank_index(t->tb_pools[i], rank) >= 0) {
			uuid_copy(pool, t->tb_pools[i]->pl_uuid);
			return true;
		}
	}
	return false;
}

/* Grow an array of pointers to hold one more; nothing changes on failure. */
int
msp_ptrs_reserve(void ***arr, uint32_t nr, uint32_t *cap, uint32_t max)
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

void
msp_ptrs_insert(void **arr, uint32_t nr, long pos, void *v)
{
	memmove(&arr[pos + 1], &arr[pos], (size_t)(nr - (uint32_t)pos) * sizeof(*arr));
	arr[pos] = v;
}

void
msp_ptrs_remove(void **arr, uint32_t nr, long pos)
{
	memmove(&arr[pos], &arr[pos + 1], (size_t)(nr - (uint32_t)pos - 1) * sizeof(*arr));
}
