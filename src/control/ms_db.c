/*
 * ms_db.c: the Management Service database (see ms_db.h for the command
 * rules, the snapshot format and the invariants).
 *
 * Layout: members are allocated one by one and indexed twice, by rank and by
 * UUID, in two sorted arrays of pointers (binary search; insertion moves at
 * most MS_MEMBERS_MAX pointers). Every mutation first does everything that
 * can fail (decode, checks, allocation), then commits with steps that cannot
 * fail, which is how a refusal or -DER_NOMEM leaves the database unchanged
 * (invariant 5). Nothing here reads a clock or a random source: the result
 * of a command is a function of the state and of the command's bytes.
 * Pools and containers live in ms_pool.c: this file dispatches their
 * commands to msp_apply(), frees their tables (destroy, ERASE, restore) and
 * places their section ("pools", layout 2) in snapshots.
 */
#define D_LOGFAC DD_FAC(mgmt)

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/checksum.h"
#include "gurt/byteorder.h"
#include "gurt/errbuf.h"
#include "gurt/log.h"
#include "gurt/json.h"
#include "control/ms_db.h"
#include "control/ms_internal.h"

struct ms_db {
	char               db_name[MS_SYS_NAME_MAX];
	uuid_t             db_uuid;
	uint64_t           db_map_version;
	uint32_t           db_next_rank;
	uint32_t           db_nr;
	uint32_t           db_cap;
	struct ms_member **db_by_rank; /* sorted by rank (invariant 1) */
	struct ms_member **db_by_uuid; /* sorted by UUID (invariant 2) */
	ms_db_ras_cb       db_ras_cb;
	void              *db_ras_arg;
	struct ms_pools   *db_pools; /* pools and containers (ms_pool.c); NULL: none */
};

/*
 * States
 */

static const struct {
	uint32_t    st_bit;
	const char *st_name;
} ms_states[MS_STATE_NR] = {
	{MS_STATE_UNKNOWN, "Unknown"},
	{MS_STATE_AWAIT_FORMAT, "AwaitFormat"},
	{MS_STATE_STARTING, "Starting"},
	{MS_STATE_READY, "Ready"},
	{MS_STATE_JOINED, "Joined"},
	{MS_STATE_STOPPING, "Stopping"},
	{MS_STATE_STOPPED, "Stopped"},
	{MS_STATE_EXCLUDED, "Excluded"},
	{MS_STATE_ERRORED, "Errored"},
	{MS_STATE_UNRESPONSIVE, "Unresponsive"},
	{MS_STATE_ADMIN_EXCLUDED, "AdminExcluded"},
	{MS_STATE_CHECKER_STARTED, "CheckerStarted"},
};

int
ms_state_index(uint32_t state)
{
	for (int i = 0; i < MS_STATE_NR; i++)
		if (ms_states[i].st_bit == state)
			return i;
	return -1;
}

const char *
ms_state_name(uint32_t state)
{
	int i = ms_state_index(state);

	return i < 0 ? NULL : ms_states[i].st_name;
}

int
ms_state_from_name(const char *name, uint32_t *state)
{
	if (name == NULL || state == NULL)
		return -DER_INVAL;
	for (int i = 0; i < MS_STATE_NR; i++) {
		if (strcasecmp(name, ms_states[i].st_name) == 0) {
			*state = ms_states[i].st_bit;
			return 0;
		}
	}
	return -DER_INVAL;
}
/*
 * Lookups
 */

/* Index in db_by_rank of @rank, or -(insertion point) - 1. */
static long
find_rank(const struct ms_db *db, uint32_t rank)
{
	long lo = 0;
	long hi = (long)db->db_nr - 1;

	while (lo <= hi) {
		long     mid = lo + (hi - lo) / 2;
		uint32_t r   = db->db_by_rank[mid]->mm_rank;

		if (r == rank)
			return mid;
		if (r < rank)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static long
find_uuid(struct ms_member *const *arr, uint32_t nr, const uuid_t uuid)
{
	long lo = 0;
	long hi = (long)nr - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		int  c   = uuid_compare(arr[mid]->mm_uuid, uuid);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static struct ms_member *
get_rank(const struct ms_db *db, uint32_t rank)
{
	long i = find_rank(db, rank);

	return i < 0 ? NULL : db->db_by_rank[i];
}

static struct ms_member *
get_uuid(const struct ms_db *db, const uuid_t uuid)
{
	long i = find_uuid(db->db_by_uuid, db->db_nr, uuid);

	return i < 0 ? NULL : db->db_by_uuid[i];
}

static void
arr_insert(struct ms_member **arr, uint32_t nr, long pos, struct ms_member *m)
{
	memmove(&arr[pos + 1], &arr[pos], (size_t)(nr - (uint32_t)pos) * sizeof(*arr));
	arr[pos] = m;
}

static void
arr_remove(struct ms_member **arr, uint32_t nr, long pos)
{
	memmove(&arr[pos], &arr[pos + 1], (size_t)(nr - (uint32_t)pos - 1) * sizeof(*arr));
}

/* Make room for one more member; on failure nothing observable changes. */
static int
db_reserve(struct ms_db *db)
{
	struct ms_member **a;
	uint32_t           cap;

	if (db->db_nr < db->db_cap)
		return 0;
	cap = db->db_cap == 0 ? 16 : db->db_cap * 2;
	if (cap > MS_MEMBERS_MAX)
		cap = MS_MEMBERS_MAX;
	a = realloc(db->db_by_rank, cap * sizeof(*a));
	if (a == NULL)
		return -DER_NOMEM;
	db->db_by_rank = a;
	a              = realloc(db->db_by_uuid, cap * sizeof(*a));
	if (a == NULL)
		return -DER_NOMEM; /* by_rank is merely larger than db_cap says */
	db->db_by_uuid = a;
	db->db_cap     = cap;
	return 0;
}

/*
 * Apply
 */

/* Copy a checked string (shorter than @size), zeroing the rest of the field so
 * that equal records are equal byte for byte. */
static void
field_set(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	assert(n < size);
	memcpy(dst, src, n);
	memset(dst + n, 0, size - n);
}

static void
member_set_location(struct ms_member *m, const struct ms_dcmd *d)
{
	field_set(m->mm_ctl_addr, sizeof(m->mm_ctl_addr), d->dc_ctl_addr);
	field_set(m->mm_fabric_uri, sizeof(m->mm_fabric_uri), d->dc_fabric_uri);
	field_set(m->mm_fault_domain, sizeof(m->mm_fault_domain), d->dc_fault_domain);
	field_set(m->mm_reason, sizeof(m->mm_reason), "");
	m->mm_nr_targets  = d->dc_nr_targets;
	m->mm_state       = MS_STATE_JOINED;
	m->mm_last_update = d->dc_time;
}

/* Incarnation of a rejoin: the command's, but always above the previous one. */
static int
next_inc(const struct ms_member *m, const struct ms_dcmd *d, uint64_t *inc, char *msg,
	 size_t len)
{
	if (m->mm_incarnation >= MS_INT_MAX) {
		d_errbuf_printf(msg, len, "join: rank %u has no incarnation left", m->mm_rank);
		return -DER_OVERFLOW;
	}
	*inc = d->dc_inc > m->mm_incarnation ? d->dc_inc : m->mm_incarnation + 1;
	return 0;
}

static int
apply_join(struct ms_db *db, const struct ms_dcmd *d, struct ms_db_result *res)
{
	char              us[37];
	struct ms_member *m = get_uuid(db, d->dc_uuid);
	struct ms_member *other;
	uint64_t          inc;
	long              pos;
	uint32_t          rank;
	int               rc;

	uuid_unparse_lower(d->dc_uuid, us);
	if (m != NULL) {
		/* Rejoin: the rank is the member's for life. */
		if (d->dc_rank != D_RANK_NIL && d->dc_rank != m->mm_rank) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"join: UUID %s is rank %u, not the requested rank %u", us,
					m->mm_rank, d->dc_rank);
			return -DER_MISMATCH;
		}
		if (m->mm_state == MS_STATE_ADMIN_EXCLUDED) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"join: rank %u is administratively excluded", m->mm_rank);
			return -DER_EXCLUDED;
		}
		rc = next_inc(m, d, &inc, res->mr_msg, sizeof(res->mr_msg));
		if (rc != 0)
			return rc;
		member_set_location(m, d);
		m->mm_incarnation = inc;
		goto joined;
	}

	if (d->dc_rank != D_RANK_NIL && (other = get_rank(db, d->dc_rank)) != NULL) {
		char os[37];

		uuid_unparse_lower(other->mm_uuid, os);
		if (!d->dc_replace) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"join: rank %u belongs to UUID %s", d->dc_rank, os);
			return -DER_EXIST;
		}
		if (other->mm_state & MS_STATE_RUNNING) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"join: cannot replace rank %u: it is %s", d->dc_rank,
					ms_state_name(other->mm_state));
			return -DER_BUSY;
		}
		rc = next_inc(other, d, &inc, res->mr_msg, sizeof(res->mr_msg));
		if (rc != 0)
			return rc;
		/* Replace: same rank and record, new UUID (re-indexed). */
		pos = find_uuid(db->db_by_uuid, db->db_nr, other->mm_uuid);
		assert(pos >= 0);
		arr_remove(db->db_by_uuid, db->db_nr, pos);
		uuid_copy(other->mm_uuid, d->dc_uuid);
		pos = find_uuid(db->db_by_uuid, db->db_nr - 1, d->dc_uuid);
		assert(pos < 0);
		arr_insert(db->db_by_uuid, db->db_nr - 1, -pos - 1, other);
		m = other;
		member_set_location(m, d);
		m->mm_incarnation = inc;
		goto joined;
	}
	if (d->dc_replace) {
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
				"join: cannot replace rank %u: it is not a member", d->dc_rank);
		return -DER_NONEXIST;
	}
	if (db->db_nr >= MS_MEMBERS_MAX) {
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
				"join: the system is full (%d members)", MS_MEMBERS_MAX);
		return -DER_OVERFLOW;
	}
	if (d->dc_rank != D_RANK_NIL) {
		if (db->db_next_rank == D_RANK_NIL || d->dc_rank < db->db_next_rank) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"join: rank %u was removed and is never reused",
					d->dc_rank);
			return -DER_NONEXIST;
		}
		rank = d->dc_rank;
	} else {
		if (db->db_next_rank == D_RANK_NIL) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"join: every rank has been handed out");
			return -DER_OVERFLOW;
		}
		rank = db->db_next_rank;
	}
	rc = db_reserve(db);
	if (rc != 0)
		return rc;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -DER_NOMEM;
	/* Nothing below can fail. */
	m->mm_rank = rank;
	uuid_copy(m->mm_uuid, d->dc_uuid);
	member_set_location(m, d);
	m->mm_incarnation = d->dc_inc;
	pos               = find_rank(db, rank);
	assert(pos < 0);
	arr_insert(db->db_by_rank, db->db_nr, -pos - 1, m);
	pos = find_uuid(db->db_by_uuid, db->db_nr, m->mm_uuid);
	assert(pos < 0);
	arr_insert(db->db_by_uuid, db->db_nr, -pos - 1, m);
	db->db_nr++;
	db->db_next_rank = rank + 1; /* rank <= D_RANK_MAX, so at most D_RANK_NIL */

joined:
	db->db_map_version++;
	res->mr_rank    = m->mm_rank;
	res->mr_inc     = m->mm_incarnation;
	res->mr_changed = 1;
	return 0;
}

static int
apply_set_state(struct ms_db *db, const struct ms_dcmd *d, struct ms_db_result *res)
{
	uint32_t rank;
	uint32_t changed = 0;
	bool     ok;

	/* Check every rank first: all or nothing. */
	for (ok = d_rankset_first(&d->dc_ranks, &rank); ok;
	     ok = d_rankset_next(&d->dc_ranks, &rank)) {
		struct ms_member *m = get_rank(db, rank);

		if (m == NULL) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"set_state: rank %u is not a member", rank);
			return -DER_NONEXIST;
		}
		if (d->dc_inc != 0 && m->mm_incarnation != d->dc_inc) {
			d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
					"set_state: stale event for incarnation %" PRIu64
					" of rank %u ignored (current incarnation %" PRIu64 ")",
					d->dc_inc, rank, m->mm_incarnation);
			return -DER_STALE;
		}
	}
	for (ok = d_rankset_first(&d->dc_ranks, &rank); ok;
	     ok = d_rankset_next(&d->dc_ranks, &rank)) {
		struct ms_member *m = get_rank(db, rank);

		if (d->dc_from != 0 && (m->mm_state & d->dc_from) == 0)
			continue;
		if (m->mm_state == d->dc_state && strcmp(m->mm_reason, d->dc_reason) == 0)
			continue;
		m->mm_state = d->dc_state;
		field_set(m->mm_reason, sizeof(m->mm_reason), d->dc_reason);
		m->mm_last_update = d->dc_time;
		changed++;
	}
	if (changed > 0)
		db->db_map_version++;
	res->mr_changed = changed;
	return 0;
}

static int
apply_remove(struct ms_db *db, const struct ms_dcmd *d, struct ms_db_result *res)
{
	long              pos = find_rank(db, d->dc_rank);
	struct ms_member *m;
	uuid_t            pool;

	if (pos < 0) {
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
				"remove: rank %u is not a member", d->dc_rank);
		return -DER_NONEXIST;
	}
	m = db->db_by_rank[pos];
	if (m->mm_state & MS_STATE_RUNNING) {
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
				"remove: rank %u is %s: stop or exclude it first", d->dc_rank,
				ms_state_name(m->mm_state));
		return -DER_BUSY;
	}
	if (msp_rank_hosts(db->db_pools, d->dc_rank, pool)) {
		char ps[37];

		uuid_unparse_lower(pool, ps);
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
				"remove: rank %u hosts pool %s: destroy the pool first",
				d->dc_rank, ps);
		return -DER_BUSY;
	}
	arr_remove(db->db_by_rank, db->db_nr, pos);
	pos = find_uuid(db->db_by_uuid, db->db_nr, m->mm_uuid);
	assert(pos >= 0);
	arr_remove(db->db_by_uuid, db->db_nr, pos);
	db->db_nr--;
	free(m);
	db->db_map_version++;
	res->mr_changed = 1;
	return 0;
}

static void
db_free_members(struct ms_db *db)
{
	for (uint32_t i = 0; i < db->db_nr; i++)
		free(db->db_by_rank[i]);
	db->db_nr = 0;
}

static int
apply_init(struct ms_db *db, const struct ms_dcmd *d, struct ms_db_result *res)
{
	char a[37];
	char b[37];

	if (strcmp(d->dc_name, db->db_name) != 0) {
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
				"init: system name '%s' does not match this database's '%s'",
				d->dc_name, db->db_name);
		return -DER_MISMATCH;
	}
	if (uuid_is_null(db->db_uuid)) {
		uuid_copy(db->db_uuid, d->dc_uuid);
		return 0;
	}
	if (uuid_compare(db->db_uuid, d->dc_uuid) == 0)
		return 0;
	uuid_unparse_lower(db->db_uuid, a);
	uuid_unparse_lower(d->dc_uuid, b);
	d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg),
			"init: the database already has UUID %s (not %s)", a, b);
	return -DER_ALREADY;
}

int
ms_db_apply(struct ms_db *db, const void *buf, size_t len, struct ms_db_result *res)
{
	struct ms_db_result local;
	struct ms_dcmd     *d;
	int                 rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->mr_rank = D_RANK_NIL;
	if (db == NULL || (buf == NULL && len > 0)) {
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg), "ms_db_apply: NULL argument");
		return res->mr_rc = -DER_INVAL;
	}
	d = malloc(sizeof(*d));
	if (d == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	rc = ms_cmd_decode(buf, len, d, res->mr_msg, sizeof(res->mr_msg));
	if (rc != 0)
		goto out_free;
	switch (d->dc_op) {
	case MS_CMD_NOOP:
		rc = 0;
		break;
	case MS_CMD_INIT:
		rc = apply_init(db, d, res);
		break;
	case MS_CMD_JOIN:
		rc = apply_join(db, d, res);
		break;
	case MS_CMD_SET_STATE:
		rc = apply_set_state(db, d, res);
		break;
	case MS_CMD_REMOVE:
		rc = apply_remove(db, d, res);
		break;
	case MS_CMD_ERASE:
		res->mr_changed = db->db_nr;
		db_free_members(db);
		msp_table_free(db->db_pools);
		db->db_pools = NULL;
		db->db_next_rank = 0;
		db->db_map_version++;
		rc = 0;
		break;
	default:
		rc = msp_apply(db, d, res);
		break;
	}
out_free:
	ms_cmd_fini(d);
	free(d);
out:
	if (rc == -DER_NOMEM)
		d_errbuf_printf(res->mr_msg, sizeof(res->mr_msg), "out of memory");
	else if (rc == 0)
		res->mr_msg[0] = '\0';
	res->mr_map_version = db->db_map_version;
	return res->mr_rc = rc;
}

/*
 * Lifecycle and queries
 */

int
ms_db_create(const char *sys_name, struct ms_db **dbp, char *errbuf, size_t errlen)
{
	struct ms_db *db;
	int           rc;

	if (sys_name == NULL || dbp == NULL) {
		d_errbuf_printf(errbuf, errlen, "ms_db_create: NULL argument");
		return -DER_INVAL;
	}
	rc = msj_check_sys_name("ms_db", sys_name, errbuf, errlen);
	if (rc != 0)
		return rc;
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return -DER_NOMEM;
	strcpy(db->db_name, sys_name);
	*dbp = db;
	return 0;
}

void
ms_db_destroy(struct ms_db *db)
{
	if (db == NULL)
		return;
	db_free_members(db);
	msp_table_free(db->db_pools);
	free(db->db_by_rank);
	free(db->db_by_uuid);
	free(db);
}

const struct ms_pools *
ms_db_pools(const struct ms_db *db)
{
	return db->db_pools;
}

struct ms_pools **
ms_db_pools_ref(struct ms_db *db)
{
	return &db->db_pools;
}

void
ms_db_set_ras_cb(struct ms_db *db, ms_db_ras_cb cb, void *arg)
{
	db->db_ras_cb  = cb;
	db->db_ras_arg = arg;
}

const char *
ms_db_sys_name(const struct ms_db *db)
{
	return db->db_name;
}

void
ms_db_uuid(const struct ms_db *db, uuid_t out)
{
	uuid_copy(out, db->db_uuid);
}

bool
ms_db_has_uuid(const struct ms_db *db)
{
	return !uuid_is_null(db->db_uuid);
}

uint64_t
ms_db_map_version(const struct ms_db *db)
{
	return db->db_map_version;
}

uint32_t
ms_db_nr_members(const struct ms_db *db)
{
	return db->db_nr;
}

uint32_t
ms_db_next_rank(const struct ms_db *db)
{
	return db->db_next_rank;
}

int
ms_db_member_by_rank(const struct ms_db *db, uint32_t rank, struct ms_member *out)
{
	struct ms_member *m = get_rank(db, rank);

	if (m == NULL)
		return -DER_NONEXIST;
	*out = *m;
	return 0;
}

int
ms_db_member_by_uuid(const struct ms_db *db, const uuid_t uuid, struct ms_member *out)
{
	struct ms_member *m = get_uuid(db, uuid);

	if (m == NULL)
		return -DER_NONEXIST;
	*out = *m;
	return 0;
}

static bool
filter_match(const struct ms_filter *f, const struct ms_member *m)
{
	char host[MS_CTL_ADDR_MAX];

	if (f == NULL)
		return true;
	if (f->mf_ranks != NULL && !d_rankset_contains(f->mf_ranks, m->mm_rank))
		return false;
	if (f->mf_states != 0 && (m->mm_state & f->mf_states) == 0)
		return false;
	if (f->mf_hosts != NULL &&
	    (ms_addr_host(m->mm_ctl_addr, host, sizeof(host)) != 0 ||
	     !d_hostset_contains(f->mf_hosts, host)))
		return false;
	return true;
}

int
ms_db_members(const struct ms_db *db, const struct ms_filter *filter, struct ms_member **out,
	      uint32_t *nr)
{
	struct ms_member *arr;
	uint32_t          n = 0;

	for (uint32_t i = 0; i < db->db_nr; i++)
		if (filter_match(filter, db->db_by_rank[i]))
			n++;
	if (n == 0) {
		*out = NULL;
		*nr  = 0;
		return 0;
	}
	arr = malloc((size_t)n * sizeof(*arr));
	if (arr == NULL)
		return -DER_NOMEM;
	n = 0;
	for (uint32_t i = 0; i < db->db_nr; i++)
		if (filter_match(filter, db->db_by_rank[i]))
			arr[n++] = *db->db_by_rank[i];
	*out = arr;
	*nr  = n;
	return 0;
}

uint32_t
ms_db_count(const struct ms_db *db, uint32_t mask)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < db->db_nr; i++)
		if (db->db_by_rank[i]->mm_state & mask)
			n++;
	return n;
}

void
ms_db_count_by_state(const struct ms_db *db, uint32_t counts[MS_STATE_NR])
{
	memset(counts, 0, MS_STATE_NR * sizeof(counts[0]));
	for (uint32_t i = 0; i < db->db_nr; i++) {
		int s = ms_state_index(db->db_by_rank[i]->mm_state);

		assert(s >= 0);
		counts[s]++;
	}
}

/*
 * Snapshot and restore
 */

static json_t *
member_to_json(const struct ms_member *m)
{
	char    us[37];
	json_t *o = json_object();
	int     rc = 0;

	if (o == NULL)
		return NULL;
	uuid_unparse_lower(m->mm_uuid, us);
	msj_jset(o, "rank", json_integer(m->mm_rank), &rc);
	msj_jset(o, "uuid", json_string(us), &rc);
	msj_jset(o, "ctl_addr", json_string(m->mm_ctl_addr), &rc);
	msj_jset(o, "fabric_uri", json_string(m->mm_fabric_uri), &rc);
	msj_jset(o, "fault_domain", json_string(m->mm_fault_domain), &rc);
	msj_jset(o, "targets", json_integer(m->mm_nr_targets), &rc);
	msj_jset(o, "state", json_string(ms_state_name(m->mm_state)), &rc);
	msj_jset(o, "reason", json_string(m->mm_reason), &rc);
	msj_jset(o, "incarnation", json_integer((json_int_t)m->mm_incarnation), &rc);
	msj_jset(o, "last_update", json_integer((json_int_t)m->mm_last_update), &rc);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
ms_db_snapshot(const struct ms_db *db, void **buf, size_t *len)
{
	char     us[37];
	json_t  *root;
	json_t  *members;
	uint8_t *out = NULL;
	size_t   n;
	int      rc = 0;

	if (db == NULL || buf == NULL || len == NULL)
		return -DER_INVAL;
	root    = json_object();
	members = json_array();
	if (root == NULL || members == NULL) {
		json_decref(members);
		rc = -DER_NOMEM;
		goto out;
	}
	uuid_unparse_lower(db->db_uuid, us);
	msj_jset(root, "system", json_string(db->db_name), &rc);
	msj_jset(root, "db_uuid", json_string(us), &rc);
	msj_jset(root, "map_version", json_integer((json_int_t)db->db_map_version), &rc);
	msj_jset(root, "next_rank", json_integer(db->db_next_rank), &rc);
	msj_jset(root, "members", members, &rc);
	for (uint32_t i = 0; rc == 0 && i < db->db_nr; i++) {
		json_t *m = member_to_json(db->db_by_rank[i]);

		if (m == NULL || json_array_append_new(members, m) != 0)
			rc = -DER_NOMEM;
	}
	if (rc == 0) {
		json_t *pools = NULL;

		rc = msp_snapshot(db->db_pools, &pools);
		if (rc == 0)
			msj_jset(root, "pools", pools, &rc);
	}
	if (rc != 0)
		goto out;
	n = json_dumpb(root, NULL, 0, JSON_COMPACT);
	if (n == 0) {
		rc = -DER_NOMEM;
		goto out;
	}
	out = malloc(MS_DB_HDR_SIZE + n);
	if (out == NULL) {
		rc = -DER_NOMEM;
		goto out;
	}
	if (json_dumpb(root, (char *)out + MS_DB_HDR_SIZE, n, JSON_COMPACT) != n) {
		free(out);
		rc = -DER_NOMEM;
		goto out;
	}
	memcpy(out, MS_DB_MAGIC, 8);
	d_put_le32(out + 8, MS_DB_LAYOUT_VERSION);
	d_put_le32(out + 12, MS_DB_HDR_SIZE);
	d_put_le64(out + 16, n);
	d_put_le32(out + 24, d_crc32c(0, out + MS_DB_HDR_SIZE, n));
	d_put_le32(out + 28, 0);
	*buf = out;
	*len = MS_DB_HDR_SIZE + n;
out:
	json_decref(root);
	return rc;
}

static void
raise_incompat(const struct ms_db *db, const char *msg)
{
	struct d_ras_event ev;

	if (db->db_ras_cb == NULL)
		return;
	if (d_ras_event_init(&ev, RAS_RDB_DURABLE_FORMAT_INCOMPATIBLE, msg) != 0) {
		D_ERROR("cannot build RAS event: %s\n", msg);
		return;
	}
	db->db_ras_cb(&ev, db->db_ras_arg);
}

/* One member record of a snapshot body, fully checked. */
static int
member_from_json(json_t *o, uint32_t idx, struct ms_member *m, char *errbuf, size_t errlen)
{
	static const char *const keys[] = {
	    "rank",  "uuid",   "ctl_addr",    "fabric_uri",  "fault_domain", "targets",
	    "state", "reason", "incarnation", "last_update", NULL};
	char        what[32];
	struct ms_jctx c = {what, errbuf, errlen};
	uint64_t    u = 0;
	json_t     *v;
	int         rc;

	snprintf(what, sizeof(what), "member %u", idx);
	if (!json_is_object(o)) {
		d_errbuf_printf(errbuf, errlen, "%s must be an object, got %s", what, d_json_type_name(o));
		return -DER_INVAL;
	}
	rc = msj_jkeys(&c, o, keys);
	if (rc == 0)
		rc = msj_juint(&c, o, "rank", true, 0, D_RANK_MAX, &u);
	m->mm_rank = (uint32_t)u;
	if (rc >= 0)
		rc = msj_juuid(&c, o, "uuid", false, m->mm_uuid);
	if (rc >= 0)
		rc = msj_jstr(&c, o, "ctl_addr", true, MS_STR_CTL_ADDR, m->mm_ctl_addr,
			  sizeof(m->mm_ctl_addr));
	if (rc >= 0)
		rc = msj_jstr(&c, o, "fabric_uri", true, MS_STR_FABRIC_URI, m->mm_fabric_uri,
			  sizeof(m->mm_fabric_uri));
	if (rc >= 0)
		rc = msj_jstr(&c, o, "fault_domain", true, MS_STR_FAULT_DOMAIN, m->mm_fault_domain,
			  sizeof(m->mm_fault_domain));
	if (rc >= 0)
		rc = msj_juint(&c, o, "targets", true, 1, MS_TARGETS_MAX, &u);
	m->mm_nr_targets = (uint32_t)u;
	if (rc >= 0)
		rc = msj_jfetch(&c, o, "state", true, JSON_STRING, "a string", &v);
	if (rc >= 0 && (ms_state_from_name(json_string_value(v), &m->mm_state) != 0 ||
			strcmp(json_string_value(v), ms_state_name(m->mm_state)) != 0)) {
		char q[MS_QUOTE_MAX + 4];

		d_errbuf_printf(errbuf, errlen, "%s: unknown state '%s'", what,
				msj_quote(q, json_string_value(v)));
		rc = -DER_INVAL;
	}
	if (rc >= 0)
		rc = msj_jstr(&c, o, "reason", true, MS_STR_TEXT, m->mm_reason, sizeof(m->mm_reason));
	if (rc >= 0)
		rc = msj_juint(&c, o, "incarnation", true, 1, MS_INT_MAX, &m->mm_incarnation);
	if (rc >= 0)
		rc = msj_juint(&c, o, "last_update", true, 0, MS_INT_MAX, &m->mm_last_update);
	return rc < 0 ? rc : 0;
}

static int
uuid_ptr_cmp(const void *a, const void *b)
{
	const struct ms_member *const *x = a;
	const struct ms_member *const *y = b;

	return uuid_compare((*x)->mm_uuid, (*y)->mm_uuid);
}

/* Decode a body of layout @version into @tmp (a fresh database named like @db). */
static int
body_decode(const struct ms_db *db, uint32_t version, const void *body, size_t len,
	    struct ms_db *tmp, char *errbuf, size_t errlen)
{
	static const char *const keys_v1[] = {"system", "db_uuid", "map_version", "next_rank",
					      "members", NULL};
	static const char *const keys_v2[] = {"system",  "db_uuid", "map_version", "next_rank",
					      "members", "pools",   NULL};
	const char *const       *keys      = version == 1 ? keys_v1 : keys_v2;
	struct ms_jctx              c      = {"snapshot", errbuf, errlen};
	json_t                  *root   = NULL;
	json_t                  *arr;
	json_t                  *v;
	char                     name[MS_SYS_NAME_MAX];
	uuid_t                   uuid;
	uint64_t                 u = 0;
	size_t                   nr;
	size_t                   i;
	int                      rc;

	rc = msj_jload("snapshot body", body, len, MS_DB_SNAPSHOT_MAX, -DER_INVAL, &root, errbuf,
		   errlen);
	if (rc != 0)
		return rc;
	rc = msj_jkeys(&c, root, keys);
	if (rc == 0)
		rc = msj_jstr(&c, root, "system", true, MS_STR_NAME, name, sizeof(name));
	if (rc < 0)
		goto out;
	if (strcmp(name, db->db_name) != 0) {
		d_errbuf_printf(errbuf, errlen,
				"snapshot of system '%s' cannot be restored into system '%s'", name,
				db->db_name);
		rc = -DER_MISMATCH;
		goto out;
	}
	rc = msj_juuid(&c, root, "db_uuid", true, uuid);
	if (rc < 0)
		goto out;
	if (!uuid_is_null(db->db_uuid) && uuid_compare(uuid, db->db_uuid) != 0) {
		char a[37];
		char b[37];
		char msg[D_RAS_MSG_MAX];

		uuid_unparse_lower(uuid, a);
		uuid_unparse_lower(db->db_uuid, b);
		snprintf(msg, sizeof(msg), "database UUID %s does not match %s", a, b);
		d_errbuf_printf(errbuf, errlen, "%s", msg);
		raise_incompat(db, msg);
		rc = -DER_MISMATCH;
		goto out;
	}
	uuid_copy(tmp->db_uuid, uuid);
	rc = msj_juint(&c, root, "map_version", true, 0, MS_INT_MAX, &tmp->db_map_version);
	if (rc >= 0)
		rc = msj_juint(&c, root, "next_rank", true, 0, D_RANK_NIL, &u);
	if (rc >= 0)
		rc = msj_jfetch(&c, root, "members", true, JSON_ARRAY, "an array", &arr);
	if (rc < 0)
		goto out;
	tmp->db_next_rank = (uint32_t)u;
	nr                = json_array_size(arr);
	if (nr > MS_MEMBERS_MAX) {
		d_errbuf_printf(errbuf, errlen, "snapshot: %zu members, more than %d", nr,
				MS_MEMBERS_MAX);
		rc = -DER_INVAL;
		goto out;
	}
	if (nr > 0) {
		tmp->db_by_rank = calloc(nr, sizeof(*tmp->db_by_rank));
		tmp->db_by_uuid = calloc(nr, sizeof(*tmp->db_by_uuid));
		if (tmp->db_by_rank == NULL || tmp->db_by_uuid == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		tmp->db_cap = (uint32_t)nr;
	}
	json_array_foreach(arr, i, v) {
		struct ms_member *m = calloc(1, sizeof(*m));

		if (m == NULL) {
			rc = -DER_NOMEM;
			goto out;
		}
		tmp->db_by_rank[tmp->db_nr++] = m;
		rc = member_from_json(v, (uint32_t)i, m, errbuf, errlen);
		if (rc != 0)
			goto out;
		if (i > 0 && m->mm_rank <= tmp->db_by_rank[i - 1]->mm_rank) {
			d_errbuf_printf(errbuf, errlen,
					"snapshot: member %zu has rank %u, not above the previous "
					"member's %u",
					i, m->mm_rank, tmp->db_by_rank[i - 1]->mm_rank);
			rc = -DER_INVAL;
			goto out;
		}
		if (tmp->db_next_rank != D_RANK_NIL && m->mm_rank >= tmp->db_next_rank) {
			d_errbuf_printf(errbuf, errlen,
					"snapshot: member %zu has rank %u, not below next rank %u", i,
					m->mm_rank, tmp->db_next_rank);
			rc = -DER_INVAL;
			goto out;
		}
		tmp->db_by_uuid[i] = m;
	}
	qsort(tmp->db_by_uuid, tmp->db_nr, sizeof(*tmp->db_by_uuid), uuid_ptr_cmp);
	for (uint32_t i = 1; i < tmp->db_nr; i++) {
		if (uuid_compare(tmp->db_by_uuid[i - 1]->mm_uuid, tmp->db_by_uuid[i]->mm_uuid) ==
		    0) {
			char us[37];

			uuid_unparse_lower(tmp->db_by_uuid[i]->mm_uuid, us);
			d_errbuf_printf(errbuf, errlen, "snapshot: UUID %s appears twice", us);
			rc = -DER_INVAL;
			goto out;
		}
	}
	if (version >= 2) {
		/* After the members: the pools are checked against them. */
		rc = msj_jfetch(&c, root, "pools", true, JSON_ARRAY, "an array", &arr);
		if (rc < 0)
			goto out;
		rc = msp_restore(tmp, arr, &tmp->db_pools, errbuf, errlen);
	}
out:
	json_decref(root);
	return rc;
}

int
ms_db_restore(struct ms_db *db, const void *buf, size_t len, char *errbuf, size_t errlen)
{
	const uint8_t *p = buf;
	struct ms_db  *tmp;
	uint32_t       version;
	uint64_t       body_len;
	uint32_t       crc;
	int            rc;

	if (db == NULL || (buf == NULL && len > 0)) {
		d_errbuf_printf(errbuf, errlen, "ms_db_restore: NULL argument");
		return -DER_INVAL;
	}
	if (len < 12) {
		d_errbuf_printf(errbuf, errlen, "snapshot truncated: %zu bytes, the header has %d",
				len, MS_DB_HDR_SIZE);
		return -DER_DF_INVAL;
	}
	if (memcmp(p, MS_DB_MAGIC, 8) != 0) {
		d_errbuf_printf(errbuf, errlen, "not an MS database snapshot: bad magic");
		return -DER_DF_INVAL;
	}
	/* The layout version decides how the rest is read: check it first. */
	version = d_get_le32(p + 8);
	if (version < MS_DB_LAYOUT_VERSION_MIN || version > MS_DB_LAYOUT_VERSION_MAX) {
		char msg[D_RAS_MSG_MAX];

		snprintf(msg, sizeof(msg), "incompatible layout version: %u not in [%u, %u]",
			 version, MS_DB_LAYOUT_VERSION_MIN, MS_DB_LAYOUT_VERSION_MAX);
		d_errbuf_printf(errbuf, errlen, "%s", msg);
		raise_incompat(db, msg);
		return -DER_DF_INCOMPT;
	}
	if (len < MS_DB_HDR_SIZE) {
		d_errbuf_printf(errbuf, errlen, "snapshot truncated: %zu bytes, the header has %d",
				len, MS_DB_HDR_SIZE);
		return -DER_DF_INVAL;
	}
	if (d_get_le32(p + 12) != MS_DB_HDR_SIZE || d_get_le32(p + 28) != 0) {
		d_errbuf_printf(errbuf, errlen, "snapshot header is malformed");
		return -DER_DF_INVAL;
	}
	body_len = d_get_le64(p + 16);
	if (body_len > MS_DB_SNAPSHOT_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"snapshot body of %" PRIu64 " bytes exceeds the limit of %u bytes",
				body_len, MS_DB_SNAPSHOT_MAX);
		return -DER_DF_INVAL;
	}
	if (body_len != len - MS_DB_HDR_SIZE) {
		d_errbuf_printf(errbuf, errlen,
				"snapshot truncated or padded: the header says %" PRIu64
				" body bytes, %zu follow",
				body_len, len - MS_DB_HDR_SIZE);
		return -DER_DF_INVAL;
	}
	crc = d_crc32c(0, p + MS_DB_HDR_SIZE, body_len);
	if (crc != d_get_le32(p + 24)) {
		d_errbuf_printf(errbuf, errlen,
				"snapshot body checksum mismatch: computed 0x%08x, stored 0x%08x", crc,
				d_get_le32(p + 24));
		return -DER_DF_INVAL;
	}

	tmp = calloc(1, sizeof(*tmp));
	if (tmp == NULL)
		return -DER_NOMEM;
	strcpy(tmp->db_name, db->db_name);
	rc = body_decode(db, version, p + MS_DB_HDR_SIZE, body_len, tmp, errbuf, errlen);
	if (rc == -DER_INVAL)
		rc = -DER_DF_INVAL;
	if (rc != 0)
		goto out;
	/* Commit: swap the content, keep the callback. */
	db_free_members(db);
	msp_table_free(db->db_pools);
	free(db->db_by_rank);
	free(db->db_by_uuid);
	uuid_copy(db->db_uuid, tmp->db_uuid);
	db->db_pools       = tmp->db_pools;
	tmp->db_pools      = NULL;
	db->db_map_version = tmp->db_map_version;
	db->db_next_rank   = tmp->db_next_rank;
	db->db_nr          = tmp->db_nr;
	db->db_cap         = tmp->db_cap;
	db->db_by_rank     = tmp->db_by_rank;
	db->db_by_uuid     = tmp->db_by_uuid;
	tmp->db_nr         = 0;
	tmp->db_by_rank    = NULL;
	tmp->db_by_uuid    = NULL;
	d_errbuf_printf(errbuf, errlen, "%s", "");
out:
	ms_db_destroy(tmp);
	return rc;
}
