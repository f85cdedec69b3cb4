/*
 * test_ms_db.c: the Management Service database (src/control/ms_db.c).
 *
 * Everything runs on in-memory databases: commands are built with
 * ms_cmd_encode() or written as raw JSON (for the bad ones), applied with
 * ms_db_apply(), and the state is compared through snapshots, which are
 * byte-identical for equal databases (so "unchanged" is one memcmp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <daos_errno.h>
#include "gurt/checksum.h"
#include "control/ms_db.h"

#define SYS "daos_server"

/* Engine i's UUID: 11111111-...-0000000000<i>, never null. */
static void
eng_uuid(unsigned i, uuid_t u)
{
	memset(u, 0x11, sizeof(uuid_t));
	u[14] = (unsigned char)(i >> 8);
	u[15] = (unsigned char)i;
}

static struct ms_db *
new_db(void)
{
	struct ms_db *db = NULL;
	char          err[256];

	assert_int_equal(ms_db_create(SYS, &db, err, sizeof(err)), 0);
	return db;
}

static int
apply_cmd(struct ms_db *db, const struct ms_cmd *cmd, struct ms_db_result *res)
{
	char   err[256];
	void  *buf;
	size_t len;
	int    rc;

	rc = ms_cmd_encode(cmd, &buf, &len, err, sizeof(err));
	if (rc != 0)
		fail_msg("encode: %s", err);
	rc = ms_db_apply(db, buf, len, res);
	free(buf);
	return rc;
}

static int
apply_str(struct ms_db *db, const char *json, struct ms_db_result *res)
{
	return ms_db_apply(db, json, strlen(json), res);
}

/* JOIN engine i from host<i/2>:10001 with @inc, an optional requested rank. */
static int
join_rank(struct ms_db *db, unsigned i, uint32_t rank, bool replace, uint64_t inc,
	  struct ms_db_result *res)
{
	char          ctl[64];
	char          uri[64];
	char          fd[64];
	struct ms_cmd c = {.mc_op = MS_CMD_JOIN};

	eng_uuid(i, c.mc_uuid);
	snprintf(ctl, sizeof(ctl), "host%u:10001", i / 2);
	snprintf(uri, sizeof(uri), "ofi+tcp;ofi_rxm://10.0.0.%u:%u", i / 2, 20000 + (i % 2) * 1000);
	snprintf(fd, sizeof(fd), "/host%u", i / 2);
	c.mc_rank         = rank;
	c.mc_replace      = replace;
	c.mc_ctl_addr     = ctl;
	c.mc_fabric_uri   = uri;
	c.mc_fault_domain = fd;
	c.mc_nr_targets   = 8;
	c.mc_inc          = inc;
	c.mc_time         = 1000 + inc;
	return apply_cmd(db, &c, res);
}

static int
join(struct ms_db *db, unsigned i, uint64_t inc, struct ms_db_result *res)
{
	return join_rank(db, i, D_RANK_NIL, false, inc, res);
}

static int
set_state(struct ms_db *db, const char *ranks, uint32_t state, uint32_t from, const char *reason,
	  uint64_t inc, struct ms_db_result *res)
{
	struct d_rankset rs;
	struct ms_cmd    c = {.mc_op = MS_CMD_SET_STATE};
	int              rc;

	d_rankset_init(&rs);
	assert_int_equal(d_rankset_parse(ranks, &rs, NULL, 0), 0);
	c.mc_ranks  = &rs;
	c.mc_state  = state;
	c.mc_from   = from;
	c.mc_reason = reason;
	c.mc_inc    = inc;
	c.mc_time   = 5000;
	rc          = apply_cmd(db, &c, res);
	d_rankset_fini(&rs);
	return rc;
}

static int
simple(struct ms_db *db, enum ms_cmd_op op, uint32_t rank, struct ms_db_result *res)
{
	struct ms_cmd c = {.mc_op = op, .mc_rank = rank};

	return apply_cmd(db, &c, res);
}

struct snap {
	void  *s_buf;
	size_t s_len;
};

static struct snap
take(const struct ms_db *db)
{
	struct snap s;

	assert_int_equal(ms_db_snapshot(db, &s.s_buf, &s.s_len), 0);
	return s;
}

static void
assert_same(const struct ms_db *db, struct snap before)
{
	struct snap now = take(db);

	assert_int_equal(now.s_len, before.s_len);
	assert_memory_equal(now.s_buf, before.s_buf, now.s_len);
	free(now.s_buf);
}

/* Three engines joined: ranks 0, 1, 2. */
static struct ms_db *
db3(void)
{
	struct ms_db *db = new_db();

	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(join(db, i, 100 + i, NULL), 0);
	return db;
}

/* MSDB01: state names and bit values as DAOS; names parse in any case */
static void
msdb01_states(void **state)
{
	static const struct {
		uint32_t    v;
		const char *n;
	} t[] = {{0, "Unknown"},        {0x1, "AwaitFormat"},    {0x2, "Starting"},
		 {0x4, "Ready"},        {0x8, "Joined"},         {0x10, "Stopping"},
		 {0x20, "Stopped"},     {0x40, "Excluded"},      {0x80, "Errored"},
		 {0x100, "Unresponsive"}, {0x200, "AdminExcluded"}, {0x400, "CheckerStarted"}};
	uint32_t s = 12345;

	(void)state;
	for (int i = 0; i < MS_STATE_NR; i++) {
		assert_string_equal(ms_state_name(t[i].v), t[i].n);
		assert_int_equal(ms_state_index(t[i].v), i);
		assert_int_equal(ms_state_from_name(t[i].n, &s), 0);
		assert_int_equal(s, t[i].v);
	}
	assert_int_equal(ms_state_from_name("adminexcluded", &s), 0);
	assert_int_equal(s, MS_STATE_ADMIN_EXCLUDED);
	assert_int_equal(ms_state_from_name("JOINED", &s), 0);
	assert_int_equal(s, MS_STATE_JOINED);
	s = 7;
	assert_int_equal(ms_state_from_name("Joine", &s), -DER_INVAL);
	assert_int_equal(ms_state_from_name("", &s), -DER_INVAL);
	assert_int_equal(ms_state_from_name(NULL, &s), -DER_INVAL);
	assert_int_equal(s, 7);
	assert_null(ms_state_name(0x3));
	assert_null(ms_state_name(0x800));
	assert_int_equal(ms_state_index(0x3), -1);
}

/* MSDB02: system names are checked at create */
static void
msdb02_create(void **state)
{
	struct ms_db *db = NULL;
	char          err[256];

	(void)state;
	assert_int_equal(ms_db_create("", &db, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_db: system name '' must be 1 to 15 characters");
	assert_int_equal(ms_db_create("a23456789012345x", &db, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err,
			    "ms_db: system name 'a23456789012345x' must be 1 to 15 characters");
	assert_int_equal(ms_db_create("daos server", &db, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "ms_db: system name 'daos server' may hold only letters, "
				 "digits, '_', '.' and '-'");
	assert_null(db);
	assert_int_equal(ms_db_create("a-2_.Z", &db, err, sizeof(err)), 0);
	assert_string_equal(ms_db_sys_name(db), "a-2_.Z");
	assert_false(ms_db_has_uuid(db));
	assert_int_equal(ms_db_map_version(db), 0);
	assert_int_equal(ms_db_nr_members(db), 0);
	assert_int_equal(ms_db_next_rank(db), 0);
	ms_db_destroy(db);
	ms_db_destroy(NULL);
}

/* MSDB03: joins assign ranks 0, 1, 2...; records hold the command's fields */
static void
msdb03_join(void **state)
{
	struct ms_db       *db = new_db();
	struct ms_db_result res;
	struct ms_member    m;
	uuid_t              u;

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(join(db, i, 100 + i, &res), 0);
		assert_int_equal(res.mr_rc, 0);
		assert_int_equal(res.mr_rank, i);
		assert_int_equal(res.mr_inc, 100 + i);
		assert_int_equal(res.mr_changed, 1);
		assert_int_equal(res.mr_map_version, i + 1);
		assert_string_equal(res.mr_msg, "");
	}
	assert_int_equal(ms_db_nr_members(db), 5);
	assert_int_equal(ms_db_next_rank(db), 5);
	assert_int_equal(ms_db_map_version(db), 5);
	assert_int_equal(ms_db_member_by_rank(db, 3, &m), 0);
	eng_uuid(3, u);
	assert_int_equal(uuid_compare(m.mm_uuid, u), 0);
	assert_int_equal(m.mm_rank, 3);
	assert_string_equal(m.mm_ctl_addr, "host1:10001");
	assert_string_equal(m.mm_fabric_uri, "ofi+tcp;ofi_rxm://10.0.0.1:21000");
	assert_string_equal(m.mm_fault_domain, "/host1");
	assert_int_equal(m.mm_nr_targets, 8);
	assert_int_equal(m.mm_state, MS_STATE_JOINED);
	assert_string_equal(m.mm_reason, "");
	assert_int_equal(m.mm_incarnation, 103);
	assert_int_equal(m.mm_last_update, 1103);
	assert_int_equal(ms_db_member_by_rank(db, 5, &m), -DER_NONEXIST);
	ms_db_destroy(db);
}

/* MSDB04: a rejoin keeps the rank with a new incarnation, always growing */
static void
msdb04_rejoin(void **state)
{
	struct ms_db       *db = db3();
	struct ms_db_result res;
	struct ms_member    m;

	(void)state;
	assert_int_equal(set_state(db, "1", MS_STATE_ERRORED, 0, "engine died", 0, &res), 0);
	assert_int_equal(join(db, 1, 500, &res), 0);
	assert_int_equal(res.mr_rank, 1);
	assert_int_equal(res.mr_inc, 500);
	assert_int_equal(ms_db_member_by_rank(db, 1, &m), 0);
	assert_int_equal(m.mm_state, MS_STATE_JOINED);
	assert_string_equal(m.mm_reason, "");
	assert_int_equal(m.mm_incarnation, 500);
	/* A new leader's clock behind the old one's: still a new incarnation. */
	assert_int_equal(join(db, 1, 7, &res), 0);
	assert_int_equal(res.mr_inc, 501);
	/* The same requested rank is fine for a rejoin. */
	assert_int_equal(join_rank(db, 1, 1, false, 900, &res), 0);
	assert_int_equal(res.mr_inc, 900);
	assert_int_equal(ms_db_nr_members(db), 3);
	assert_int_equal(ms_db_next_rank(db), 3);
	assert_int_equal(ms_db_map_version(db), 7);
	ms_db_destroy(db);
}

/* MSDB05: join conflicts are refused and change nothing; replace rules */
static void
msdb05_join_conflicts(void **state)
{
	struct ms_db       *db = db3();
	struct ms_db_result res;
	struct snap         s;
	struct ms_member    m;
	uuid_t              u;

	(void)state;
	s = take(db);
	assert_int_equal(join_rank(db, 7, 1, false, 9, &res), -DER_EXIST);
	assert_string_equal(res.mr_msg, "join: rank 1 belongs to UUID "
					"11111111-1111-1111-1111-111111110001");
	assert_int_equal(res.mr_rank, D_RANK_NIL);
	assert_int_equal(res.mr_map_version, 3);
	assert_int_equal(join_rank(db, 2, 0, false, 9, &res), -DER_MISMATCH);
	assert_string_equal(res.mr_msg, "join: UUID 11111111-1111-1111-1111-111111110002 is "
					"rank 2, not the requested rank 0");
	assert_int_equal(join_rank(db, 7, 2, true, 9, &res), -DER_BUSY);
	assert_string_equal(res.mr_msg, "join: cannot replace rank 2: it is Joined");
	assert_int_equal(join_rank(db, 7, 9, true, 9, &res), -DER_NONEXIST);
	assert_string_equal(res.mr_msg, "join: cannot replace rank 9: it is not a member");
	assert_same(db, s);
	free(s.s_buf);

	/* AdminExcluded members may not rejoin. */
	assert_int_equal(set_state(db, "0", MS_STATE_ADMIN_EXCLUDED, 0, "", 0, &res), 0);
	s = take(db);
	assert_int_equal(join(db, 0, 999, &res), -DER_EXCLUDED);
	assert_string_equal(res.mr_msg, "join: rank 0 is administratively excluded");
	assert_same(db, s);
	free(s.s_buf);

	/* A removed rank is never reused; a higher one moves the next rank. */
	assert_int_equal(set_state(db, "2", MS_STATE_STOPPED, 0, "", 0, &res), 0);
	assert_int_equal(simple(db, MS_CMD_REMOVE, 2, &res), 0);
	s = take(db);
	assert_int_equal(join_rank(db, 8, 2, false, 9, &res), -DER_NONEXIST);
	assert_string_equal(res.mr_msg, "join: rank 2 was removed and is never reused");
	assert_same(db, s);
	free(s.s_buf);
	assert_int_equal(join_rank(db, 8, 10, false, 9, &res), 0);
	assert_int_equal(res.mr_rank, 10);
	assert_int_equal(ms_db_next_rank(db), 11);
	assert_int_equal(join(db, 9, 9, &res), 0);
	assert_int_equal(res.mr_rank, 11);

	/* Replace a stopped member: same rank and record, new UUID. */
	assert_int_equal(set_state(db, "1", MS_STATE_STOPPED, 0, "", 0, &res), 0);
	assert_int_equal(join_rank(db, 20, 1, true, 2, &res), 0);
	assert_int_equal(res.mr_rank, 1);
	assert_int_equal(res.mr_inc, 102); /* above the old incarnation 101 */
	eng_uuid(1, u);
	assert_int_equal(ms_db_member_by_uuid(db, u, &m), -DER_NONEXIST);
	eng_uuid(20, u);
	assert_int_equal(ms_db_member_by_uuid(db, u, &m), 0);
	assert_int_equal(m.mm_rank, 1);
	assert_int_equal(m.mm_state, MS_STATE_JOINED);
	assert_int_equal(ms_db_nr_members(db), 4);
	ms_db_destroy(db);
}

/* MSDB06: SET_STATE over rank sets; "from" filters; unknown ranks refuse all */
static void
msdb06_set_state(void **state)
{
	struct ms_db       *db = db3();
	struct ms_db_result res;
	struct ms_member    m;
	struct snap         s;

	(void)state;
	assert_int_equal(set_state(db, "0-2", MS_STATE_STOPPING, 0, "system stop", 0, &res), 0);
	assert_int_equal(res.mr_changed, 3);
	assert_int_equal(res.mr_map_version, 4);
	assert_int_equal(ms_db_count(db, MS_STATE_STOPPING), 3);
	assert_int_equal(ms_db_member_by_rank(db, 2, &m), 0);
	assert_string_equal(m.mm_reason, "system stop");
	assert_int_equal(m.mm_last_update, 5000);

	/* Same state and reason: nothing changes, map version stays. */
	assert_int_equal(set_state(db, "[0-2]", MS_STATE_STOPPING, 0, "system stop", 0, &res), 0);
	assert_int_equal(res.mr_changed, 0);
	assert_int_equal(res.mr_map_version, 4);
	/* A new reason alone is a change. */
	assert_int_equal(set_state(db, "1", MS_STATE_STOPPING, 0, "again", 0, &res), 0);
	assert_int_equal(res.mr_changed, 1);
	assert_int_equal(res.mr_map_version, 5);

	/* Only members in a "from" state move. */
	assert_int_equal(set_state(db, "0", MS_STATE_STOPPED, 0, "", 0, &res), 0);
	assert_int_equal(set_state(db, "0-2", MS_STATE_EXCLUDED, MS_STATE_STOPPED | MS_STATE_JOINED,
				   "swim", 0, &res),
			 0);
	assert_int_equal(res.mr_changed, 1);
	assert_int_equal(ms_db_member_by_rank(db, 0, &m), 0);
	assert_int_equal(m.mm_state, MS_STATE_EXCLUDED);
	assert_int_equal(ms_db_member_by_rank(db, 1, &m), 0);
	assert_int_equal(m.mm_state, MS_STATE_STOPPING);

	/* One unknown rank: refused, nothing changes. */
	s = take(db);
	assert_int_equal(set_state(db, "1-3", MS_STATE_JOINED, 0, "", 0, &res), -DER_NONEXIST);
	assert_string_equal(res.mr_msg, "set_state: rank 3 is not a member");
	assert_int_equal(res.mr_changed, 0);
	assert_same(db, s);
	free(s.s_buf);
	ms_db_destroy(db);
}

/* MSDB07: an event from an older incarnation is ignored (-DER_STALE) */
static void
msdb07_stale(void **state)
{
	struct ms_db       *db = db3();
	struct ms_db_result res;
	struct ms_member    m;
	struct snap         s;

	(void)state;
	assert_int_equal(join(db, 1, 300, &res), 0); /* rank 1 rejoined: incarnation 300 */
	s = take(db);
	assert_int_equal(set_state(db, "1", MS_STATE_ERRORED, 0, "died", 101, &res), -DER_STALE);
	assert_string_equal(res.mr_msg, "set_state: stale event for incarnation 101 of rank 1 "
					"ignored (current incarnation 300)");
	assert_same(db, s);
	free(s.s_buf);
	assert_int_equal(set_state(db, "1", MS_STATE_ERRORED, 0, "died", 300, &res), 0);
	assert_int_equal(res.mr_changed, 1);
	assert_int_equal(ms_db_member_by_rank(db, 1, &m), 0);
	assert_int_equal(m.mm_state, MS_STATE_ERRORED);
	assert_string_equal(m.mm_reason, "died");
	ms_db_destroy(db);
}

/* MSDB08: REMOVE needs a member that is not running; ranks are not reused */
static void
msdb08_remove(void **state)
{
	struct ms_db       *db = db3();
	struct ms_db_result res;
	struct ms_member    m;

	(void)state;
	assert_int_equal(simple(db, MS_CMD_REMOVE, 1, &res), -DER_BUSY);
	assert_string_equal(res.mr_msg, "remove: rank 1 is Joined: stop or exclude it first");
	assert_int_equal(simple(db, MS_CMD_REMOVE, 7, &res), -DER_NONEXIST);
	assert_string_equal(res.mr_msg, "remove: rank 7 is not a member");
	assert_int_equal(ms_db_map_version(db), 3);
	assert_int_equal(set_state(db, "1", MS_STATE_EXCLUDED, 0, "", 0, &res), 0);
	assert_int_equal(simple(db, MS_CMD_REMOVE, 1, &res), 0);
	assert_int_equal(res.mr_changed, 1);
	assert_int_equal(res.mr_map_version, 5);
	assert_int_equal(ms_db_nr_members(db), 2);
	assert_int_equal(ms_db_member_by_rank(db, 1, &m), -DER_NONEXIST);
	/* The removed engine comes back: a new rank. */
	assert_int_equal(join(db, 1, 400, &res), 0);
	assert_int_equal(res.mr_rank, 3);
	ms_db_destroy(db);
}

/* MSDB09: ERASE wipes members and restarts ranks; NOOP changes nothing */
static void
msdb09_erase_noop(void **state)
{
	struct ms_db       *db = db3();
	struct ms_db_result res;
	struct ms_cmd       init = {.mc_op = MS_CMD_INIT, .mc_name = SYS};
	uuid_t              a;
	uuid_t              b;
	struct snap         s;

	(void)state;
	uuid_generate(init.mc_uuid);
	assert_int_equal(apply_cmd(db, &init, &res), 0);
	s = take(db);
	assert_int_equal(simple(db, MS_CMD_NOOP, 0, &res), 0);
	assert_int_equal(res.mr_map_version, 3);
	assert_same(db, s);
	free(s.s_buf);
	ms_db_uuid(db, a);
	assert_int_equal(simple(db, MS_CMD_ERASE, 0, &res), 0);
	assert_int_equal(res.mr_changed, 3);
	assert_int_equal(res.mr_map_version, 4);
	assert_int_equal(ms_db_nr_members(db), 0);
	assert_int_equal(ms_db_next_rank(db), 0);
	ms_db_uuid(db, b);
	assert_int_equal(uuid_compare(a, b), 0);
	assert_int_equal(join(db, 5, 1, &res), 0);
	assert_int_equal(res.mr_rank, 0);
	ms_db_destroy(db);
}

/* MSDB10: INIT gives the database its UUID once; the name must match */
static void
msdb10_init(void **state)
{
	struct ms_db       *db = new_db();
	struct ms_db_result res;
	struct ms_cmd       c = {.mc_op = MS_CMD_INIT, .mc_name = SYS};
	uuid_t              u;
	char                msg[160];

	(void)state;
	uuid_parse("01234567-89ab-cdef-0123-456789abcdef", c.mc_uuid);
	assert_int_equal(apply_cmd(db, &c, &res), 0);
	assert_true(ms_db_has_uuid(db));
	ms_db_uuid(db, u);
	assert_int_equal(uuid_compare(u, c.mc_uuid), 0);
	assert_int_equal(res.mr_map_version, 0);
	assert_int_equal(apply_cmd(db, &c, &res), 0);
	uuid_parse("fedcba98-7654-3210-fedc-ba9876543210", c.mc_uuid);
	assert_int_equal(apply_cmd(db, &c, &res), -DER_ALREADY);
	assert_string_equal(res.mr_msg, "init: the database already has UUID "
					"01234567-89ab-cdef-0123-456789abcdef (not "
					"fedcba98-7654-3210-fedc-ba9876543210)");
	c.mc_name = "other";
	assert_int_equal(apply_cmd(db, &c, &res), -DER_MISMATCH);
	snprintf(msg, sizeof(msg),
		 "init: system name 'other' does not match this database's '%s'", SYS);
	assert_string_equal(res.mr_msg, msg);
	ms_db_uuid(db, u);
	uuid_parse("01234567-89ab-cdef-0123-456789abcdef", c.mc_uuid);
	assert_int_equal(uuid_compare(u, c.mc_uuid), 0);
	ms_db_destroy(db);
}

/* MSDB11: queries: by rank and UUID, lists sorted by rank, filters, counts */
static void
msdb11_queries(void **state)
{
	struct ms_db       *db = new_db();
	struct ms_db_result res;
	struct ms_member   *ms;
	struct ms_member    m;
	struct d_rankset    rs;
	struct d_hostset    hs;
	struct ms_filter    f = {0};
	uint32_t            counts[MS_STATE_NR];
	uint32_t            nr;
	uuid_t              u;
	char                host[16];

	(void)state;
	/* Ranks come out sorted by rank even when UUIDs sort differently. */
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(join(db, 7 - i, 10 + i, &res), 0);
	assert_int_equal(set_state(db, "0,2", MS_STATE_STOPPED, 0, "", 0, &res), 0);
	assert_int_equal(set_state(db, "5", MS_STATE_EXCLUDED, 0, "", 0, &res), 0);

	eng_uuid(7, u);
	assert_int_equal(ms_db_member_by_uuid(db, u, &m), 0);
	assert_int_equal(m.mm_rank, 0);
	eng_uuid(99, u);
	assert_int_equal(ms_db_member_by_uuid(db, u, &m), -DER_NONEXIST);

	assert_int_equal(ms_db_members(db, NULL, &ms, &nr), 0);
	assert_int_equal(nr, 8);
	for (uint32_t i = 0; i < nr; i++)
		assert_int_equal(ms[i].mm_rank, i);
	free(ms);

	d_rankset_init(&rs);
	assert_int_equal(d_rankset_parse("1-3,6,100", &rs, NULL, 0), 0);
	f.mf_ranks = &rs;
	assert_int_equal(ms_db_members(db, &f, &ms, &nr), 0);
	assert_int_equal(nr, 4);
	assert_int_equal(ms[0].mm_rank, 1);
	assert_int_equal(ms[3].mm_rank, 6);
	free(ms);

	/* Engine i is on host<i/2>; rank r is engine 7 - r. */
	d_hostset_init(&hs);
	assert_int_equal(d_hostset_parse("host[0,3]", &hs, NULL, 0), 0);
	f.mf_ranks = NULL;
	f.mf_hosts = &hs;
	assert_int_equal(ms_db_members(db, &f, &ms, &nr), 0);
	assert_int_equal(nr, 4);
	assert_int_equal(ms[0].mm_rank, 0);
	assert_int_equal(ms[1].mm_rank, 1);
	assert_int_equal(ms[2].mm_rank, 6);
	assert_int_equal(ms[3].mm_rank, 7);
	free(ms);

	f.mf_ranks  = &rs;
	f.mf_states = MS_STATE_STOPPED | MS_STATE_EXCLUDED;
	assert_int_equal(ms_db_members(db, &f, &ms, &nr), 0);
	assert_int_equal(nr, 0);
	assert_null(ms);
	f.mf_hosts = NULL;
	assert_int_equal(ms_db_members(db, &f, &ms, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(ms[0].mm_rank, 2);
	free(ms);
	d_rankset_fini(&rs);
	d_hostset_fini(&hs);

	assert_int_equal(ms_db_count(db, MS_STATE_JOINED), 5);
	assert_int_equal(ms_db_count(db, MS_STATE_STOPPED | MS_STATE_EXCLUDED), 3);
	assert_int_equal(ms_db_count(db, MS_STATE_ALL), 8);
	ms_db_count_by_state(db, counts);
	assert_int_equal(counts[ms_state_index(MS_STATE_JOINED)], 5);
	assert_int_equal(counts[ms_state_index(MS_STATE_STOPPED)], 2);
	assert_int_equal(counts[ms_state_index(MS_STATE_EXCLUDED)], 1);
	assert_int_equal(counts[ms_state_index(MS_STATE_UNKNOWN)], 0);

	assert_int_equal(ms_addr_host("host1:10001", host, sizeof(host)), 0);
	assert_string_equal(host, "host1");
	assert_int_equal(ms_addr_host("[fe80::1]:10001", host, sizeof(host)), 0);
	assert_string_equal(host, "fe80::1");
	assert_int_equal(ms_addr_host("host1", host, sizeof(host)), -DER_INVAL);
	assert_int_equal(ms_addr_host("[fe80::1", host, sizeof(host)), -DER_INVAL);
	assert_int_equal(ms_addr_host("a-rather-long-name:1", host, sizeof(host)), -DER_TRUNC);
	ms_db_destroy(db);
}

/* A mixed command stream used by the round-trip and determinism cases. */
static void
workload(struct ms_db *db, unsigned seed, unsigned n, int *rcs)
{
	struct ms_db_result res;
	uint32_t            x = seed;

	for (unsigned i = 0; i < n; i++) {
		char ranks[32];
		int  rc;

		x = x * 1103515245u + 12345u;
		switch ((x >> 16) % 6) {
		case 0:
		case 1:
			rc = join(db, (x >> 8) % 40, i + 1, &res);
			break;
		case 2:
			snprintf(ranks, sizeof(ranks), "%u-%u", (x >> 4) % 20, (x >> 4) % 20 + 3);
			rc = set_state(db, ranks, MS_STATE_STOPPED, 0, "stop", 0, &res);
			break;
		case 3:
			snprintf(ranks, sizeof(ranks), "%u", (x >> 4) % 30);
			rc = set_state(db, ranks, MS_STATE_EXCLUDED, MS_STATE_JOINED, "dead",
				       (x & 1) ? i : 0, &res);
			break;
		case 4:
			rc = simple(db, MS_CMD_REMOVE, (x >> 4) % 30, &res);
			break;
		default:
			rc = apply_str(db, "{\"v\":1,\"op\":\"join\"}", &res);
			break;
		}
		if (rcs != NULL)
			rcs[i] = rc;
	}
}

/* MSDB12: snapshot + restore gives the same state and the same behaviour */
static void
msdb12_round_trip(void **state)
{
	struct ms_db       *a = new_db();
	struct ms_db       *b = new_db();
	struct ms_db_result res;
	struct ms_cmd       init = {.mc_op = MS_CMD_INIT, .mc_name = SYS};
	struct ms_member   *ma;
	struct ms_member   *mb;
	uint32_t            na;
	uint32_t            nb;
	struct snap         sa;
	int                 rca[300];
	int                 rcb[300];
	char                err[256];
	char                ranks[16];

	(void)state;
	uuid_generate(init.mc_uuid);
	assert_int_equal(apply_cmd(a, &init, &res), 0);
	workload(a, 1, 300, NULL);
	assert_int_equal(join(a, 99, 1, &res), 0);
	snprintf(ranks, sizeof(ranks), "%u", res.mr_rank);
	assert_int_equal(set_state(a, ranks, MS_STATE_AWAIT_FORMAT, 0, "é reason ✓", 0, &res), 0);
	sa = take(a);
	assert_int_equal(ms_db_restore(b, sa.s_buf, sa.s_len, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_same(b, sa);
	assert_int_equal(ms_db_map_version(b), ms_db_map_version(a));
	assert_int_equal(ms_db_next_rank(b), ms_db_next_rank(a));
	assert_int_equal(ms_db_members(a, NULL, &ma, &na), 0);
	assert_int_equal(ms_db_members(b, NULL, &mb, &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(ma, mb, na * sizeof(*ma));
	free(ma);
	free(mb);
	free(sa.s_buf);
	/* Identical behaviour afterwards. */
	workload(a, 2, 300, rca);
	workload(b, 2, 300, rcb);
	assert_memory_equal(rca, rcb, sizeof(rca));
	sa = take(a);
	assert_same(b, sa);
	free(sa.s_buf);
	/* Restoring over a populated database replaces it. */
	sa = take(a);
	workload(b, 3, 50, NULL);
	assert_int_equal(ms_db_restore(b, sa.s_buf, sa.s_len, err, sizeof(err)), 0);
	assert_same(b, sa);
	free(sa.s_buf);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

/* Captured RAS events. */
static struct d_ras_event g_ev;
static int                g_nr_ev;

static void
ras_cb(const struct d_ras_event *ev, void *arg)
{
	assert_ptr_equal(arg, &g_nr_ev);
	g_ev = *ev;
	g_nr_ev++;
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* MSDB13: an unsupported layout version is -DER_DF_INCOMPT with a RAS event */
static void
msdb13_restore_version(void **state)
{
	struct ms_db *a = db3();
	struct ms_db *b = new_db();
	struct snap   s;
	struct snap   sb;
	char          err[256];

	(void)state;
	ms_db_set_ras_cb(b, ras_cb, &g_nr_ev);
	s  = take(a);
	sb = take(b);
	g_nr_ev = 0;
	put32((uint8_t *)s.s_buf + 8, 3);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INCOMPT);
	assert_string_equal(err, "incompatible layout version: 3 not in [1, 2]");
	assert_int_equal(g_nr_ev, 1);
	assert_string_equal(g_ev.ev_id_str, "rdb_durable_format_incompatible");
	assert_int_equal(g_ev.ev_id, RAS_RDB_DURABLE_FORMAT_INCOMPATIBLE);
	assert_int_equal(g_ev.ev_type, RAS_TYPE_INFO);
	assert_int_equal(g_ev.ev_sev, RAS_SEV_ERROR);
	assert_string_equal(g_ev.ev_msg, "incompatible layout version: 3 not in [1, 2]");
	put32((uint8_t *)s.s_buf + 8, 0);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INCOMPT);
	assert_string_equal(err, "incompatible layout version: 0 not in [1, 2]");
	assert_int_equal(g_nr_ev, 2);
	/* Checked before the rest: a short buffer with a bad version says so. */
	assert_int_equal(ms_db_restore(b, s.s_buf, 12, err, sizeof(err)), -DER_DF_INCOMPT);
	assert_int_equal(g_nr_ev, 3);
	/* No callback: still refused. */
	ms_db_set_ras_cb(b, NULL, NULL);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INCOMPT);
	assert_int_equal(g_nr_ev, 3);
	assert_same(b, sb);
	free(s.s_buf);
	free(sb.s_buf);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

/* MSDB14: another database's UUID or another system's name is refused; a
 * database without a UUID takes the snapshot's */
static void
msdb14_restore_identity(void **state)
{
	struct ms_db       *a = db3();
	struct ms_db       *b = new_db();
	struct ms_db       *c = NULL;
	struct ms_db_result res;
	struct ms_cmd       init = {.mc_op = MS_CMD_INIT, .mc_name = SYS};
	struct snap         s;
	struct snap         sb;
	uuid_t              u;
	char                err[256];

	(void)state;
	uuid_parse("aaaaaaaa-0000-0000-0000-000000000001", init.mc_uuid);
	assert_int_equal(apply_cmd(a, &init, &res), 0);
	uuid_parse("bbbbbbbb-0000-0000-0000-000000000002", init.mc_uuid);
	assert_int_equal(apply_cmd(b, &init, &res), 0);
	ms_db_set_ras_cb(b, ras_cb, &g_nr_ev);
	g_nr_ev = 0;
	s       = take(a);
	sb      = take(b);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), -DER_MISMATCH);
	assert_string_equal(err, "database UUID aaaaaaaa-0000-0000-0000-000000000001 does not "
				 "match bbbbbbbb-0000-0000-0000-000000000002");
	assert_int_equal(g_nr_ev, 1);
	assert_string_equal(g_ev.ev_id_str, "rdb_durable_format_incompatible");
	assert_string_equal(g_ev.ev_msg, err);
	assert_same(b, sb);

	assert_int_equal(ms_db_create("other_sys", &c, err, sizeof(err)), 0);
	assert_int_equal(ms_db_restore(c, s.s_buf, s.s_len, err, sizeof(err)), -DER_MISMATCH);
	assert_string_equal(err, "snapshot of system 'daos_server' cannot be restored into "
				 "system 'other_sys'");
	assert_false(ms_db_has_uuid(c));
	ms_db_destroy(c);

	c = new_db();
	assert_int_equal(ms_db_restore(c, s.s_buf, s.s_len, err, sizeof(err)), 0);
	ms_db_uuid(c, u);
	uuid_parse("aaaaaaaa-0000-0000-0000-000000000001", init.mc_uuid);
	assert_int_equal(uuid_compare(u, init.mc_uuid), 0);
	assert_same(c, s);
	ms_db_destroy(c);
	free(s.s_buf);
	free(sb.s_buf);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

/* A layout-1 snapshot (no pools) with @body (NUL-terminated JSON) and a correct header. */
static struct snap
forge(const char *body)
{
	size_t      n = strlen(body);
	struct snap s = {malloc(MS_DB_HDR_SIZE + n), MS_DB_HDR_SIZE + n};
	uint8_t    *p = s.s_buf;

	assert_non_null(p);
	memcpy(p, MS_DB_MAGIC, 8);
	put32(p + 8, 1);
	put32(p + 12, MS_DB_HDR_SIZE);
	put32(p + 16, (uint32_t)n);
	put32(p + 20, 0);
	put32(p + 24, d_crc32c(0, body, n));
	put32(p + 28, 0);
	memcpy(p + MS_DB_HDR_SIZE, body, n);
	return s;
}

#define M0 "{\"rank\":0,\"uuid\":\"11111111-1111-1111-1111-111111110000\",\"ctl_addr\":\"h:1\"," \
	   "\"fabric_uri\":\"ofi+tcp://h:2\",\"fault_domain\":\"/h\",\"targets\":1,"          \
	   "\"state\":\"Joined\",\"reason\":\"\",\"incarnation\":1,\"last_update\":0}"
#define M1 "{\"rank\":1,\"uuid\":\"11111111-1111-1111-1111-111111110001\",\"ctl_addr\":\"h:1\"," \
	   "\"fabric_uri\":\"ofi+tcp://h:3\",\"fault_domain\":\"/h\",\"targets\":1,"          \
	   "\"state\":\"Joined\",\"reason\":\"\",\"incarnation\":1,\"last_update\":0}"
#define HEAD "{\"system\":\"daos_server\",\"db_uuid\":\"00000000-0000-0000-0000-000000000000\"," \
	     "\"map_version\":2,\"next_rank\":2,\"members\":["

/* MSDB15: truncated, garbage and inconsistent snapshots are -DER_DF_INVAL */
static void
msdb15_restore_garbage(void **state)
{
	static const struct {
		const char *body;
		const char *msg;
	} bad[] = {
	    {"", "snapshot body is empty"},
	    {"{\"system\":", "snapshot body is not valid JSON: unexpected token near end of "
			     "file (position 10)"},
	    {"[1]", "snapshot body must be a JSON object, got array"},
	    {HEAD M0 "]}x", "snapshot body is not valid JSON: end of file expected near 'x' "
			    "(position 312)"},
	    {HEAD M0 "],\"pools\":[]}", "snapshot: unknown field 'pools'"},
	    {HEAD M1 "," M0 "]}",
	     "snapshot: member 1 has rank 0, not above the previous member's 1"},
	    {HEAD M0 "," M0 "]}",
	     "snapshot: member 1 has rank 0, not above the previous member's 0"},
	    {"{\"system\":\"daos_server\",\"db_uuid\":\"00000000-0000-0000-0000-000000000000\","
	     "\"map_version\":2,\"next_rank\":1,\"members\":[" M0 "," M1 "]}",
	     "snapshot: member 1 has rank 1, not below next rank 1"},
	    {HEAD "{\"rank\":0,\"uuid\":\"11111111-1111-1111-1111-111111110000\",\"ctl_addr\":"
		  "\"h:1\",\"fabric_uri\":\"ofi+tcp://h:2\",\"fault_domain\":\"/h\",\"targets\":"
		  "1,\"state\":\"joined\",\"reason\":\"\",\"incarnation\":1,\"last_update\":0}]}",
	     "member 0: unknown state 'joined'"},
	    {HEAD "{\"rank\":0,\"uuid\":\"11111111-1111-1111-1111-111111110000\",\"ctl_addr\":"
		  "\"h:1\",\"fabric_uri\":\"ofi+tcp://h:2\",\"fault_domain\":\"/h\",\"targets\":"
		  "1,\"state\":\"Joined\",\"reason\":\"\",\"incarnation\":0,\"last_update\":0}]}",
	     "member 0: field 'incarnation' must be in [1, 9223372036854775807], got 0"},
	    {HEAD "{\"rank\":1,\"uuid\":\"11111111-1111-1111-1111-111111110000\",\"ctl_addr\":"
		  "\"h:1\",\"fabric_uri\":\"ofi+tcp://h:2\",\"fault_domain\":\"/h\",\"targets\":"
		  "1,\"state\":\"Joined\",\"reason\":\"\",\"incarnation\":1,\"last_update\":0},"
		  "{\"rank\":0}]}",
	     "member 1: missing field 'uuid'"},
	    {HEAD "3]}", "member 0 must be an object, got integer"},
	    {"{\"system\":\"daos_server\",\"db_uuid\":\"00000000-0000-0000-0000-000000000000\","
	     "\"map_version\":2,\"next_rank\":2,\"members\":[" M0 ","
	     "{\"rank\":1,\"uuid\":\"11111111-1111-1111-1111-111111110000\",\"ctl_addr\":\"h:1\","
	     "\"fabric_uri\":\"ofi+tcp://h:2\",\"fault_domain\":\"/h\",\"targets\":1,"
	     "\"state\":\"Joined\",\"reason\":\"\",\"incarnation\":1,\"last_update\":0}]}",
	     "snapshot: UUID 11111111-1111-1111-1111-111111110000 appears twice"},
	    {"{\"system\":\"daos_server\",\"db_uuid\":\"nope\",\"map_version\":2,\"next_rank\":2,"
	     "\"members\":[]}",
	     "snapshot: field 'db_uuid' value 'nope' is not a UUID"},
	    {"{\"system\":\"daos_server\",\"db_uuid\":\"00000000-0000-0000-0000-000000000000\","
	     "\"map_version\":-1,\"next_rank\":2,\"members\":[]}",
	     "snapshot: field 'map_version' must be in [0, 9223372036854775807], got -1"},
	};
	struct ms_db *a = db3();
	struct ms_db *b = new_db();
	struct snap   good;
	struct snap   sb;
	uint8_t      *p;
	char          err[256];

	(void)state;
	good = take(a);
	sb   = take(b);
	p    = good.s_buf;
	/* Header-level damage. */
	assert_int_equal(ms_db_restore(b, NULL, 0, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot truncated: 0 bytes, the header has 32");
	assert_int_equal(ms_db_restore(b, p, 11, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot truncated: 11 bytes, the header has 32");
	assert_int_equal(ms_db_restore(b, p, 20, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot truncated: 20 bytes, the header has 32");
	assert_int_equal(ms_db_restore(b, p, good.s_len - 1, err, sizeof(err)), -DER_DF_INVAL);
	{
		char want[160];

		snprintf(want, sizeof(want),
			 "snapshot truncated or padded: the header says %zu body bytes, %zu follow",
			 good.s_len - MS_DB_HDR_SIZE, good.s_len - MS_DB_HDR_SIZE - 1);
		assert_string_equal(err, want);
	}
	p[0] ^= 1;
	assert_int_equal(ms_db_restore(b, p, good.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "not an MS database snapshot: bad magic");
	p[0] ^= 1;
	p[12] = 33;
	assert_int_equal(ms_db_restore(b, p, good.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot header is malformed");
	p[12] = 32;
	p[31] = 1;
	assert_int_equal(ms_db_restore(b, p, good.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot header is malformed");
	p[31] = 0;
	p[good.s_len - 2] ^= 0x20;
	assert_int_equal(ms_db_restore(b, p, good.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_true(strncmp(err, "snapshot body checksum mismatch: computed 0x", 44) == 0);
	p[good.s_len - 2] ^= 0x20;
	put32(p + 16, 0xffffffff);
	put32(p + 20, 0xffffffff);
	assert_int_equal(ms_db_restore(b, p, good.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot body of 18446744073709551615 bytes exceeds the limit "
				 "of 268435456 bytes");
	free(good.s_buf);

	/* Body-level damage, with a valid header and checksum. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct snap s = forge(bad[i].body);

		print_message("body %zu\n", i);
		assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)),
				 -DER_DF_INVAL);
		assert_string_equal(err, bad[i].msg);
		free(s.s_buf);
	}
	/* And a forged good one is accepted, proving forge() is right. */
	good = forge(HEAD M0 "," M1 "]}");
	assert_int_equal(ms_db_restore(b, good.s_buf, good.s_len, err, sizeof(err)), 0);
	assert_int_equal(ms_db_nr_members(b), 2);
	free(good.s_buf);
	free(sb.s_buf);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

#define UA "\"uuid\":\"11111111-1111-1111-1111-111111110099\""
#define JOIN_OK                                                                                  \
	"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:10001\",\"fabric_uri\":\"ofi+tcp://h9:1\"," \
	"\"fault_domain\":\"/h9\",\"targets\":4,\"inc\":5,\"time\":6"
#define SS "{\"v\":1,\"op\":\"set_state\",\"state\":\"Stopped\",\"time\":1"

/* MSDB16: every class of bad command is refused exactly and changes nothing */
static void
msdb16_bad_commands(void **state)
{
	static const struct {
		const char *json;
		int         rc;
		const char *msg;
	} bad[] = {
	    /* not a command at all */
	    {"", -DER_INVAL, "command is empty"},
	    {"{\"v\":1,\"op\":", -DER_INVAL,
	     "command is not valid JSON: unexpected token near end of file (position 12)"},
	    {"hello", -DER_INVAL,
	     "command is not valid JSON: '[' or '{' expected near 'hello' (position 5)"},
	    {"[1,2]", -DER_INVAL, "command must be a JSON object, got array"},
	    {"{\"v\":1,\"op\":\"noop\",\"v\":1}", -DER_INVAL,
	     "command is not valid JSON: duplicate object key near '\"v\"' (position 22)"},
	    /* version and type */
	    {"{\"op\":\"noop\"}", -DER_INVAL, "command: missing field 'v'"},
	    {"{\"v\":\"1\",\"op\":\"noop\"}", -DER_INVAL,
	     "command: field 'v' must be an integer, got string"},
	    {"{\"v\":2,\"op\":\"noop\"}", -DER_PROTO,
	     "command version 2 is not supported (this build reads version 1)"},
	    {"{\"v\":1}", -DER_INVAL, "command: missing field 'op'"},
	    {"{\"v\":1,\"op\":7}", -DER_INVAL, "command: field 'op' must be a string, got integer"},
	    {"{\"v\":1,\"op\":\"pool_frob\"}", -DER_PROTO, "unknown command 'pool_frob'"},
	    {"{\"v\":1,\"op\":\"noop\",\"x\":1}", -DER_INVAL, "noop: unknown field 'x'"},
	    {"{\"v\":1,\"op\":\"erase\",\"rank\":1}", -DER_INVAL, "erase: unknown field 'rank'"},
	    /* missing fields */
	    {"{\"v\":1,\"op\":\"join\"}", -DER_INVAL, "join: missing field 'uuid'"},
	    {"{\"v\":1,\"op\":\"join\"," UA "}", -DER_INVAL, "join: missing field 'ctl_addr'"},
	    {"{\"v\":1,\"op\":\"remove\"}", -DER_INVAL, "remove: missing field 'rank'"},
	    {"{\"v\":1,\"op\":\"init\"," UA "}", -DER_INVAL, "init: missing field 'name'"},
	    {SS "}", -DER_INVAL, "set_state: missing field 'ranks'"},
	    {"{\"v\":1,\"op\":\"set_state\",\"ranks\":\"1\",\"time\":1}", -DER_INVAL,
	     "set_state: missing field 'state'"},
	    /* wrong types */
	    {JOIN_OK ",\"targets\":\"4\"}", -DER_INVAL,
	     "command is not valid JSON: duplicate object key near '\"targets\"' (position 176)"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:10001\",\"fabric_uri\":"
	     "\"ofi+tcp://h9:1\",\"fault_domain\":\"/h9\",\"targets\":\"4\",\"inc\":5,\"time\":6}",
	     -DER_INVAL, "join: field 'targets' must be an integer, got string"},
	    {JOIN_OK ",\"rank\":1.0}", -DER_INVAL, "join: field 'rank' must be an integer, got real"},
	    {JOIN_OK ",\"replace\":\"yes\"}", -DER_INVAL,
	     "join: field 'replace' must be true or false, got string"},
	    {JOIN_OK ",\"rank\":null}", -DER_INVAL, "join: field 'rank' must be an integer, got null"},
	    {"{\"v\":1,\"op\":\"join\",\"uuid\":42}", -DER_INVAL,
	     "join: field 'uuid' must be a string, got integer"},
	    {SS ",\"ranks\":[1]}", -DER_INVAL, "set_state: field 'ranks' must be a string, got array"},
	    {SS ",\"ranks\":\"1\",\"reason\":{}}", -DER_INVAL,
	     "set_state: field 'reason' must be a string, got object"},
	    /* out of range */
	    {JOIN_OK ",\"rank\":4294967295}", -DER_INVAL,
	     "join: field 'rank' must be in [0, 4294967294], got 4294967295"},
	    {JOIN_OK ",\"rank\":-1}", -DER_INVAL,
	     "join: field 'rank' must be in [0, 4294967294], got -1"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:10001\",\"fabric_uri\":"
	     "\"ofi+tcp://h9:1\",\"fault_domain\":\"/h9\",\"targets\":65,\"inc\":5,\"time\":6}",
	     -DER_INVAL, "join: field 'targets' must be in [1, 64], got 65"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:10001\",\"fabric_uri\":"
	     "\"ofi+tcp://h9:1\",\"fault_domain\":\"/h9\",\"targets\":4,\"inc\":0,\"time\":6}",
	     -DER_INVAL, "join: field 'inc' must be in [1, 9223372036854775807], got 0"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:10001\",\"fabric_uri\":"
	     "\"ofi+tcp://h9:1\",\"fault_domain\":\"/h9\",\"targets\":4,\"inc\":1,"
	     "\"time\":18446744073709551615}",
	     -DER_INVAL,
	     "command is not valid JSON: too big integer near '18446744073709551615' (position "
	     "185)"},
	    {SS ",\"ranks\":\"1\",\"from\":2048}", -DER_INVAL,
	     "set_state: field 'from' must be in [1, 2047], got 2048"},
	    /* bad values */
	    {"{\"v\":1,\"op\":\"join\",\"uuid\":\"11111111-1111-1111-1111-11111111009\"}", -DER_INVAL,
	     "join: field 'uuid' value '11111111-1111-1111-1111-11111111009' is not a UUID"},
	    {"{\"v\":1,\"op\":\"join\",\"uuid\":\"00000000-0000-0000-0000-000000000000\"}",
	     -DER_INVAL, "join: field 'uuid' is the null UUID"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9\"}", -DER_INVAL,
	     "join: field 'ctl_addr' value 'h9' is not a host:port address"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:0\"}", -DER_INVAL,
	     "join: field 'ctl_addr' value 'h9:0' is not a host:port address"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:1\",\"fabric_uri\":\"tcp\"}",
	     -DER_INVAL,
	     "join: field 'fabric_uri' value 'tcp' is not a fabric URI (<provider>://<address>, "
	     "printable, no blanks)"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:1\",\"fabric_uri\":\"a://b\","
	     "\"fault_domain\":\"/a//b\"}",
	     -DER_INVAL,
	     "join: field 'fault_domain' value '/a//b' is not a fault domain ('/' or '/name/...', "
	     "printable, no blanks)"},
	    {"{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"h9:1\",\"fabric_uri\":\"a://b\","
	     "\"fault_domain\":\"h9\"}",
	     -DER_INVAL,
	     "join: field 'fault_domain' value 'h9' is not a fault domain ('/' or '/name/...', "
	     "printable, no blanks)"},
	    {SS ",\"ranks\":\"1\",\"reason\":\"a\\u0007b\"}", -DER_INVAL,
	     "set_state: field 'reason' holds control characters or invalid UTF-8"},
	    {SS ",\"ranks\":\"1\",\"reason\":\"a\\u0000b\"}", -DER_INVAL,
	     "command is not valid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near "
	     "'\"a\\u0000b\"' (position 82)"},
	    {"{\"v\":1,\"op\":\"init\"," UA ",\"name\":\"bad name\"}", -DER_INVAL,
	     "init: system name 'bad name' may hold only letters, digits, '_', '.' and '-'"},
	    {SS ",\"ranks\":\"1,x\"}", -DER_INVAL,
	     "set_state: field 'ranks': invalid rank 'x' in '1,x'"},
	    {SS ",\"ranks\":\"\"}", -DER_INVAL, "set_state: field 'ranks' is empty"},
	    {SS ",\"ranks\":\"0-20000\"}", -DER_INVAL,
	     "set_state: field 'ranks' names 20001 ranks, more than 16384"},
	    {"{\"v\":1,\"op\":\"set_state\",\"ranks\":\"1\",\"state\":\"Sleeping\",\"time\":1}",
	     -DER_INVAL, "set_state: unknown state 'Sleeping'"},
	    {SS ",\"ranks\":\"1-2\",\"inc\":3}", -DER_INVAL,
	     "set_state: field 'inc' needs exactly one rank, got 2"},
	    {JOIN_OK ",\"replace\":true}", -DER_INVAL,
	     "join: field 'replace' needs a field 'rank' to replace"},
	    {JOIN_OK ",\"extra\":true}", -DER_INVAL, "join: unknown field 'extra'"},
	};
	struct ms_db       *db = db3();
	struct ms_db_result res;
	struct snap         s;
	static char         big[MS_CMD_MAX + 2];
	char                msg[256];
	char                vmsg[256];

	(void)state;
	s = take(db);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("command %zu: %s\n", i, bad[i].json);
		assert_int_equal(apply_str(db, bad[i].json, &res), bad[i].rc);
		assert_int_equal(res.mr_rc, bad[i].rc);
		assert_string_equal(res.mr_msg, bad[i].msg);
		assert_int_equal(res.mr_map_version, 3);
		assert_int_equal(res.mr_rank, D_RANK_NIL);
		/* The leader-side check agrees with apply. */
		assert_int_equal(ms_cmd_validate(bad[i].json, strlen(bad[i].json), vmsg,
						 sizeof(vmsg)),
				 bad[i].rc);
		assert_string_equal(vmsg, bad[i].msg);
	}
	/* Over-long strings. */
	snprintf(big, MS_CMD_MAX, "{\"v\":1,\"op\":\"join\"," UA ",\"ctl_addr\":\"%0300d:1\"}", 7);
	assert_int_equal(apply_str(db, big, &res), -DER_INVAL);
	assert_string_equal(res.mr_msg, "join: field 'ctl_addr' is 302 bytes, longer than 263");
	snprintf(big, MS_CMD_MAX, SS ",\"ranks\":\"1\",\"reason\":\"%0256d\"}", 7);
	assert_int_equal(apply_str(db, big, &res), -DER_INVAL);
	assert_string_equal(res.mr_msg, "set_state: field 'reason' is 256 bytes, longer than 255");
	/* A command over the size limit is not even parsed. */
	memset(big, ' ', MS_CMD_MAX + 1);
	memcpy(big, "{\"v\":1,\"op\":\"noop\"}", 19);
	assert_int_equal(ms_db_apply(db, big, MS_CMD_MAX + 1, &res), -DER_INVAL);
	snprintf(msg, sizeof(msg), "command of %d bytes exceeds the limit of %d bytes",
		 MS_CMD_MAX + 1, MS_CMD_MAX);
	assert_string_equal(res.mr_msg, msg);
	assert_int_equal(ms_db_apply(db, big, MS_CMD_MAX, &res), 0); /* trailing blanks are fine */
	/* Invalid UTF-8 in a string. */
	assert_int_equal(apply_str(db, SS ",\"ranks\":\"1\",\"reason\":\"\xff\"}", &res),
			 -DER_INVAL);
	assert_string_equal(res.mr_msg, "command is not valid JSON: unable to decode byte 0xff "
					"near '\"' (position 73)");
	assert_same(db, s);
	free(s.s_buf);
	/* And the good versions pass. */
	assert_int_equal(apply_str(db, JOIN_OK "}", &res), 0);
	assert_int_equal(res.mr_rank, 3);
	assert_int_equal(apply_str(db, SS ",\"ranks\":\"3\"}", &res), 0);
	assert_int_equal(res.mr_changed, 1);
	ms_db_destroy(db);
}

/* MSDB17: ms_cmd_encode checks its input with the decoder's rules */
static void
msdb17_encode(void **state)
{
	struct ms_cmd    c = {.mc_op = MS_CMD_JOIN};
	struct d_rankset rs;
	char             err[256];
	void            *buf = NULL;
	size_t           len;

	(void)state;
	eng_uuid(1, c.mc_uuid);
	c.mc_rank = D_RANK_NIL;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "join: missing field 'ctl_addr'");
	c.mc_ctl_addr     = "h:1";
	c.mc_fabric_uri   = "ofi+tcp://h:2";
	c.mc_fault_domain = "/h";
	c.mc_nr_targets   = 8;
	c.mc_inc          = (uint64_t)INT64_MAX + 1;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "join: field 'inc' must be in [0, 9223372036854775807], got "
				 "9223372036854775808");
	c.mc_inc        = 1;
	c.mc_fabric_uri = "ofi+tcp://h\xc3\x28";
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "join: field 'fabric_uri' holds control characters or invalid "
				 "UTF-8");
	c.mc_fabric_uri = "ofi+tcp://h:2";
	c.mc_nr_targets = 0;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "join: field 'targets' must be in [1, 64], got 0");
	c.mc_nr_targets = 8;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, strlen("{\"v\":1,\"op\":\"join\",\"uuid\":\"11111111-1111-1111-1111-"
				     "111111110001\",\"ctl_addr\":\"h:1\",\"fabric_uri\":\"ofi+tcp:"
				     "//h:2\",\"fault_domain\":\"/h\",\"targets\":8,\"inc\":1,"
				     "\"time\":0}"));
	assert_memory_equal(buf, "{\"v\":1,\"op\":\"join\",\"uuid\":\"11111111-1111", 40);
	free(buf);

	memset(&c, 0, sizeof(c));
	c.mc_op = MS_CMD_SET_STATE;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "set_state: missing field 'ranks'");
	d_rankset_init(&rs);
	assert_int_equal(d_rankset_parse("0-3", &rs, NULL, 0), 0);
	c.mc_ranks = &rs;
	c.mc_state = 0x3;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "set_state: invalid state 0x3");
	c.mc_state = MS_STATE_EXCLUDED;
	c.mc_inc   = 5;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "set_state: field 'inc' needs exactly one rank, got 4");
	c.mc_inc = 0;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, strlen("{\"v\":1,\"op\":\"set_state\",\"ranks\":\"0-3\",\"state\":"
				     "\"Excluded\",\"reason\":\"\",\"time\":0}"));
	assert_memory_equal(buf, "{\"v\":1,\"op\":\"set_state\",\"ranks\":\"0-3\",\"state\":"
				 "\"Excluded\",\"reason\":\"\",\"time\":0}",
			    len);
	free(buf);
	d_rankset_fini(&rs);

	c.mc_op = 99;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "unknown command type 99");
	c.mc_op   = MS_CMD_REMOVE;
	c.mc_rank = D_RANK_NIL;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "remove: field 'rank' must be in [0, 4294967294], got 4294967295");
	c.mc_op   = MS_CMD_INIT;
	c.mc_name = NULL;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "init: missing field 'name'");
	c.mc_name = SYS;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "init: field 'uuid' is the null UUID");
}

/* MSDB18: the same command stream gives byte-identical databases */
static void
msdb18_determinism(void **state)
{
	struct ms_db *a = new_db();
	struct ms_db *b = new_db();
	int          *ra = calloc(3000, sizeof(int));
	int          *rb = calloc(3000, sizeof(int));
	struct snap   sa;
	int           nr_ok = 0;

	(void)state;
	workload(a, 42, 3000, ra);
	workload(b, 42, 3000, rb);
	assert_memory_equal(ra, rb, 3000 * sizeof(int));
	for (int i = 0; i < 3000; i++)
		nr_ok += ra[i] == 0;
	/* The stream exercises both success and refusal. */
	assert_true(nr_ok > 500 && nr_ok < 2900);
	sa = take(a);
	assert_same(b, sa);
	free(sa.s_buf);
	free(ra);
	free(rb);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

/* MSDB19: MS_MEMBERS_MAX members fit, one more is refused; a full snapshot
 * restores */
static void
msdb19_limits(void **state)
{
	struct ms_db       *a = new_db();
	struct ms_db       *b = new_db();
	struct ms_db_result res;
	struct snap         s;
	char                err[256];

	(void)state;
	for (unsigned i = 0; i < MS_MEMBERS_MAX; i++)
		assert_int_equal(join(a, i, 1, NULL), 0);
	assert_int_equal(join(a, MS_MEMBERS_MAX, 1, &res), -DER_OVERFLOW);
	assert_string_equal(res.mr_msg, "join: the system is full (16384 members)");
	/* A rejoin still works when full. */
	assert_int_equal(join(a, 77, 9, &res), 0);
	assert_int_equal(res.mr_rank, 77);
	assert_int_equal(set_state(a, "0-16383", MS_STATE_STOPPED, 0, "", 0, &res), 0);
	assert_int_equal(res.mr_changed, MS_MEMBERS_MAX);
	s = take(a);
	assert_true(s.s_len < MS_DB_SNAPSHOT_MAX);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), 0);
	assert_int_equal(ms_db_nr_members(b), MS_MEMBERS_MAX);
	assert_same(b, s);
	free(s.s_buf);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(msdb01_states),
	    cmocka_unit_test(msdb02_create),
	    cmocka_unit_test(msdb03_join),
	    cmocka_unit_test(msdb04_rejoin),
	    cmocka_unit_test(msdb05_join_conflicts),
	    cmocka_unit_test(msdb06_set_state),
	    cmocka_unit_test(msdb07_stale),
	    cmocka_unit_test(msdb08_remove),
	    cmocka_unit_test(msdb09_erase_noop),
	    cmocka_unit_test(msdb10_init),
	    cmocka_unit_test(msdb11_queries),
	    cmocka_unit_test(msdb12_round_trip),
	    cmocka_unit_test(msdb13_restore_version),
	    cmocka_unit_test(msdb14_restore_identity),
	    cmocka_unit_test(msdb15_restore_garbage),
	    cmocka_unit_test(msdb16_bad_commands),
	    cmocka_unit_test(msdb17_encode),
	    cmocka_unit_test(msdb18_determinism),
	    cmocka_unit_test(msdb19_limits),
	};

	return cmocka_run_group_tests_name("ms_db", tests, NULL, NULL);
}
