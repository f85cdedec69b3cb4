/*
 * test_ms_pool.c: pools and containers in the Management Service database
 * (src/control/ms_pool.c, hooked into ms_db.c).
 *
 * Commands are raw JSON applied with ms_db_apply(); every refusal is checked
 * for its exact code and message and, through a byte comparison of snapshots
 * taken before and after, for having changed nothing.
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

#include <jansson.h>

#include <daos_errno.h>
#include "gurt/checksum.h"
#include "control/ms_db.h"
#include "control/ms_pool.h"

/*
 * Allocation failure injection for MSP20: the executable's malloc family
 * overrides glibc's (which supports replacing them) and forwards to it, and
 * fails the g_fail_in-th allocation once armed. Sanitizer builds have their
 * own allocator, so MSP20 is skipped there.
 */
#if defined(__SANITIZE_ADDRESS__)
#define MSP_NO_INJECT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSP_NO_INJECT 1
#endif
#endif

#ifndef MSP_NO_INJECT
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t nr, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void  __libc_free(void *p);

static int g_fail_in; /* 0: off; n: the n-th allocation from now fails */

static bool
inject(void)
{
	return g_fail_in > 0 && --g_fail_in == 0;
}

void *
malloc(size_t n)
{
	return inject() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t nr, size_t n)
{
	return inject() ? NULL : __libc_calloc(nr, n);
}

void *
realloc(void *p, size_t n)
{
	return inject() ? NULL : __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}

/* jansson's allocations bypass the injection: jansson 2.14 itself double-frees
 * when some of its internal allocations fail, so only this project's
 * allocations are failed (ms_json.c's handling of jansson failures is
 * exercised up to that point only). */
static void *
json_alloc_plain(size_t n)
{
	return __libc_malloc(n);
}
#endif

#define SYS "daos_server"
#define P1  "aaaaaaaa-0000-0000-0000-000000000001"
#define P2  "aaaaaaaa-0000-0000-0000-000000000002"
#define P3  "aaaaaaaa-0000-0000-0000-000000000003"
#define C1  "cccccccc-0000-0000-0000-000000000001"
#define C2  "cccccccc-0000-0000-0000-000000000002"
#define C3  "cccccccc-0000-0000-0000-000000000003"

/* The tail of a pool_create on ranks 0-3 (4 targets each). */
#define PC_TAIL                                                                                   \
	"\"ranks\":\"0-3\",\"targets\":[4,4,4,4],\"scm\":16777216,\"nvme\":0,\"svc\":\"0\","   \
	"\"owner\":\"root@\",\"group\":\"admins@\",\"time\":10}"
#define POOL_CREATE(uuid) "{\"v\":1,\"op\":\"pool_create\",\"uuid\":\"" uuid "\","
#define PATTR(pool) "{\"v\":1,\"op\":\"pool_set_attr\",\"uuid\":\"" pool "\""
#define CONT(op, pool, cont)                                                                      \
	"{\"v\":1,\"op\":\"" op "\",\"pool\":\"" pool "\",\"cont\":\"" cont "\""

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

static int
apply_str(struct ms_db *db, const char *json, struct ms_db_result *res)
{
	return ms_db_apply(db, json, strlen(json), res);
}

/*
 * Apply @json and expect @rc and message @msg ("" on success). A refusal must
 * leave the database byte-identical, and the leader's check must agree with
 * apply when it refuses the command too.
 */
static void
expect(struct ms_db *db, int rc, const char *msg, const char *json, struct ms_db_result *resp)
{
	struct ms_db_result res;
	struct snap         before = take(db);
	char                vmsg[MS_MSG_MAX];
	int                 vrc;

	print_message("  %.160s\n", json);
	if (apply_str(db, json, &res) != rc)
		fail_msg("got " DF_RC " (%s), expected " DF_RC, DP_RC(res.mr_rc), res.mr_msg,
			 DP_RC(rc));
	assert_int_equal(res.mr_rc, rc);
	assert_string_equal(res.mr_msg, msg);
	if (rc != 0)
		assert_same(db, before);
	vrc = ms_cmd_validate(json, strlen(json), vmsg, sizeof(vmsg));
	if (vrc != 0) {
		assert_int_equal(vrc, rc);
		assert_string_equal(vmsg, msg);
	}
	free(before.s_buf);
	if (resp != NULL)
		*resp = res;
}

static void
ok(struct ms_db *db, const char *json)
{
	expect(db, 0, "", json, NULL);
}

/* printf into a static buffer: one command at a time. */
static const char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char g_buf[MS_CMD_MAX];

static const char *
fmt(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	assert_true((size_t)vsnprintf(g_buf, sizeof(g_buf), f, ap) < sizeof(g_buf));
	va_end(ap);
	return g_buf;
}

/* A database with @n members (ranks 0..n-1), 4 targets each, all Joined. */
static struct ms_db *
db_members(unsigned n)
{
	struct ms_db *db = NULL;
	char          err[256];

	assert_int_equal(ms_db_create(SYS, &db, err, sizeof(err)), 0);
	ok(db, "{\"v\":1,\"op\":\"init\",\"uuid\":\"dddddddd-0000-0000-0000-000000000001\","
	       "\"name\":\"" SYS "\"}");
	for (unsigned i = 0; i < n; i++)
		ok(db, fmt("{\"v\":1,\"op\":\"join\",\"uuid\":\"11111111-1111-1111-1111-1111111100"
			   "%02u\",\"ctl_addr\":\"h%u:1\",\"fabric_uri\":\"ofi+tcp://h%u:2\","
			   "\"fault_domain\":\"/h%u\",\"targets\":4,\"inc\":1,\"time\":0}",
			   i, i, i, i));
	return db;
}

/* Members 0-4, pool P1 "tank" Ready on ranks 0-3. */
static struct ms_db *
db_pool(void)
{
	struct ms_db *db = db_members(5);

	ok(db, POOL_CREATE(P1) "\"label\":\"tank\"," PC_TAIL);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Ready\"}");
	return db;
}

/* db_pool() plus container C1 "c1" of type POSIX. */
static struct ms_db *
db_cont(void)
{
	struct ms_db *db = db_pool();

	ok(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
	       "\"label\":\"c1\",\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":20}");
	return db;
}

static void
uuid_of(const char *s, uuid_t u)
{
	assert_int_equal(uuid_parse(s, u), 0);
}

/* MSP01: label rules and state names */
static void
msp01_labels(void **state)
{
	char long_label[MS_LABEL_MAX + 1];

	(void)state;
	assert_true(ms_label_valid("tank"));
	assert_true(ms_label_valid("a-b_c.d:e9"));
	memset(long_label, 'x', MS_LABEL_MAX - 1);
	long_label[MS_LABEL_MAX - 1] = '\0';
	assert_true(ms_label_valid(long_label));
	long_label[MS_LABEL_MAX - 1] = 'x';
	long_label[MS_LABEL_MAX]     = '\0';
	assert_false(ms_label_valid(long_label));
	assert_false(ms_label_valid(""));
	assert_false(ms_label_valid(NULL));
	assert_false(ms_label_valid("a b"));
	assert_false(ms_label_valid("a/b"));
	assert_false(ms_label_valid("caf\xc3\xa9"));
	assert_false(ms_label_valid(P1));
	assert_false(ms_label_valid("AAAAAAAA-0000-0000-0000-000000000001"));
	assert_true(ms_label_valid("aaaaaaaa-0000-0000-0000-00000000000g"));
	assert_string_equal(ms_pool_state_name(MS_POOL_CREATING), "Creating");
	assert_string_equal(ms_pool_state_name(MS_POOL_READY), "Ready");
	assert_string_equal(ms_pool_state_name(MS_POOL_DESTROYING), "Destroying");
	assert_null(ms_pool_state_name(3));
	assert_string_equal(ms_tgt_state_name(MS_TGT_UP_IN), "UP_IN");
	assert_string_equal(ms_tgt_state_name(MS_TGT_DOWN_OUT), "DOWN_OUT");
	assert_string_equal(ms_tgt_state_name(MS_TGT_NEW), "NEW");
	assert_null(ms_tgt_state_name(0x40));
}

/* MSP02: pool_create success and the pool queries */
static void
msp02_pool_create(void **state)
{
	struct ms_db        *db = db_members(5);
	struct ms_db_result  res;
	struct ms_pool_info *list;
	struct ms_pool_rec  *rec;
	uuid_t               u;
	uuid_t               p1;
	uint32_t             nr;

	(void)state;
	uuid_of(P1, p1);
	assert_int_equal(ms_pool_count(db), 0);
	assert_int_equal(ms_pool_list(db, &list, &nr), 0);
	assert_null(list);
	assert_int_equal(nr, 0);
	expect(db, 0, "",
	       POOL_CREATE(P2) "\"ranks\":\"1,3\",\"targets\":[4,4],\"scm\":16777216,"
			       "\"nvme\":1073741824,\"svc\":\"1,3\",\"props\":{\"reclaim\":\"lazy\","
			       "\"ec_cell_sz\":\"65536\"},\"owner\":\"bob@\",\"group\":\"users@\","
			       "\"time\":7}",
	       &res);
	assert_int_equal(res.mr_changed, 1);
	assert_int_equal(res.mr_map_version, 5); /* the system map is not touched */
	ok(db, POOL_CREATE(P1) "\"label\":\"tank\"," PC_TAIL);
	assert_int_equal(ms_pool_count(db), 2);

	assert_int_equal(ms_pool_find(db, "tank", u), 0);
	assert_int_equal(uuid_compare(u, p1), 0);
	assert_int_equal(ms_pool_find(db, P1, u), 0);
	assert_int_equal(uuid_compare(u, p1), 0);
	assert_int_equal(ms_pool_find(db, "AAAAAAAA-0000-0000-0000-000000000001", u), 0);
	assert_int_equal(ms_pool_find(db, "nope", u), -DER_NONEXIST);
	assert_int_equal(ms_pool_find(db, P3, u), -DER_NONEXIST);
	assert_int_equal(ms_pool_find(db, "a b", u), -DER_INVAL);
	assert_int_equal(ms_pool_find(db, NULL, u), -DER_INVAL);

	assert_int_equal(ms_pool_list(db, &list, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(uuid_compare(list[0].pi_uuid, p1), 0); /* sorted by UUID */
	assert_string_equal(list[0].pi_label, "tank");
	assert_string_equal(list[1].pi_label, "");
	assert_int_equal(list[0].pi_state, MS_POOL_CREATING);
	assert_int_equal(list[0].pi_nr_ranks, 4);
	assert_int_equal(list[1].pi_nr_ranks, 2);
	assert_int_equal(list[0].pi_map_version, 1);
	free(list);

	uuid_of(P2, u);
	assert_int_equal(ms_pool_get(db, u, &rec), 0);
	assert_int_equal(rec->pr_info.pi_nr_ranks, 2);
	assert_int_equal(rec->pr_ranks[0], 1);
	assert_int_equal(rec->pr_ranks[1], 3);
	assert_int_equal(rec->pr_nr_targets[0], 4);
	assert_int_equal(rec->pr_nr_tgts, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rec->pr_tgt_states[i], MS_TGT_UP_IN);
	assert_int_equal(rec->pr_scm, 16777216);
	assert_int_equal(rec->pr_nvme, 1073741824);
	assert_int_equal(rec->pr_nr_svc, 2);
	assert_int_equal(rec->pr_svc[0], 1);
	assert_int_equal(rec->pr_svc[1], 3);
	assert_int_equal(rec->pr_nr_props, 2);
	assert_string_equal(rec->pr_props[0].mp_name, "ec_cell_sz"); /* sorted */
	assert_string_equal(rec->pr_props[0].mp_value, "65536");
	assert_string_equal(rec->pr_props[1].mp_name, "reclaim");
	assert_string_equal(rec->pr_owner, "bob@");
	assert_string_equal(rec->pr_group, "users@");
	assert_int_equal(rec->pr_time, 7);
	free(rec);
	assert_int_equal(ms_pool_get(db, (unsigned char *)"0123456789abcdef", &rec),
			 -DER_NONEXIST);
	ms_db_destroy(db);
}

/* MSP03: pool_create refusals that depend on the state */
static void
msp03_pool_create_state(void **state)
{
	struct ms_db *db = db_members(5);

	(void)state;
	ok(db, "{\"v\":1,\"op\":\"set_state\",\"ranks\":\"4\",\"state\":\"Stopped\",\"time\":1}");
	expect(db, -DER_NONEXIST, "pool_create: rank 9 is not a member",
	       POOL_CREATE(P1) "\"ranks\":\"0,9\",\"targets\":[4,4],\"scm\":16777216,\"nvme\":0,"
			       "\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	       NULL);
	expect(db, -DER_BUSY, "pool_create: rank 4 is Stopped, not Joined",
	       POOL_CREATE(P1) "\"ranks\":\"3-4\",\"targets\":[4,4],\"scm\":16777216,\"nvme\":0,"
			       "\"svc\":\"3\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	       NULL);
	expect(db, -DER_MISMATCH, "pool_create: rank 3 has 4 targets, not 8",
	       POOL_CREATE(P1) "\"ranks\":\"2-3\",\"targets\":[4,8],\"scm\":16777216,\"nvme\":0,"
			       "\"svc\":\"3\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	       NULL);
	assert_int_equal(ms_pool_count(db), 0);
	ok(db, POOL_CREATE(P1) "\"label\":\"tank\"," PC_TAIL);
	expect(db, -DER_EXIST, "pool_create: pool " P1 " exists",
	       POOL_CREATE(P1) "\"label\":\"other\"," PC_TAIL, NULL);
	expect(db, -DER_EXIST, "pool_create: label 'tank' is used by pool " P1,
	       POOL_CREATE(P2) "\"label\":\"tank\"," PC_TAIL, NULL);
	assert_int_equal(ms_pool_count(db), 1);
	ms_db_destroy(db);
}

/* MSP04: malformed pool_create commands are refused with the field named */
static void
msp04_pool_create_bad(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} bad[] = {
	    {POOL_CREATE(P1) "\"label\":\"a b\"," PC_TAIL,
	     "pool_create: field 'label' value 'a b' is not a label (1 to 127 of A-Z a-z 0-9 _ . "
	     ": -, not a UUID)"},
	    {POOL_CREATE(P1) "\"label\":\"" P2 "\"," PC_TAIL,
	     "pool_create: field 'label' value '" P2 "' is not a label (1 to 127 of A-Z a-z 0-9 "
	     "_ . : -, not a UUID)"},
	    {POOL_CREATE(P1) "\"label\":\"\"," PC_TAIL,
	     "pool_create: field 'label' value '' is not a label (1 to 127 of A-Z a-z 0-9 _ . : "
	     "-, not a UUID)"},
	    {POOL_CREATE(P1) "\"label\":7," PC_TAIL,
	     "pool_create: field 'label' must be a string, got integer"},
	    {"{\"v\":1,\"op\":\"pool_create\",\"uuid\":\"00000000-0000-0000-0000-000000000000\","
	     PC_TAIL, "pool_create: field 'uuid' is the null UUID"},
	    {POOL_CREATE(P1) "\"x\":1," PC_TAIL, "pool_create: unknown field 'x'"},
	    {POOL_CREATE(P1) "\"ranks\":\"0-3\",\"targets\":[4,4,4],\"scm\":16777216,\"nvme\":0,"
			     "\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	     "pool_create: field 'targets' has 3 counts for 4 ranks"},
	    {POOL_CREATE(P1) "\"ranks\":\"0-1\",\"targets\":[4,0],\"scm\":16777216,\"nvme\":0,"
			     "\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	     "pool_create: field 'targets' item 1 must be an integer in [1, 64]"},
	    {POOL_CREATE(P1) "\"ranks\":\"0-1\",\"targets\":[4,\"4\"],\"scm\":16777216,"
			     "\"nvme\":0,\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"root@\","
			     "\"time\":1}",
	     "pool_create: field 'targets' item 1 must be an integer in [1, 64]"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":1,\"nvme\":0,\"svc\":\"0\","
			     "\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	     "pool_create: field 'scm' must be in [16777216, 9223372036854775807], got 1"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":5,"
			     "\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	     "pool_create: field 'nvme' must be 0 or at least 16777216, got 5"},
	    {POOL_CREATE(P1) "\"ranks\":\"0-9\",\"targets\":[4,4,4,4,4,4,4,4,4,4],\"scm\":16777216,"
			     "\"nvme\":0,\"svc\":\"0-7\",\"owner\":\"root@\",\"group\":\"root@\","
			     "\"time\":1}",
	     "pool_create: field 'svc' names 8 elements, more than 7"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":0,"
			     "\"svc\":\"5\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	     "pool_create: service rank 5 is not in field 'ranks'"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":0,"
			     "\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	     "pool_create: missing field 'svc'"},
	    {POOL_CREATE(P1) "\"props\":{\"label\":\"x\"}," PC_TAIL,
	     "pool_create: field 'props' may not hold 'label' (use field 'label')"},
	    {POOL_CREATE(P1) "\"props\":{\"Reclaim\":\"x\"}," PC_TAIL,
	     "pool_create: property name 'Reclaim' is not 1 to 32 of a-z and '_'"},
	    {POOL_CREATE(P1) "\"props\":{\"abcdefghijabcdefghijabcdefghijabc\":\"x\"}," PC_TAIL,
	     "pool_create: property name 'abcdefghijabcdefghijabcdefghijabc' is not 1 to 32 of "
	     "a-z and '_'"},
	    {POOL_CREATE(P1) "\"props\":{\"reclaim\":1}," PC_TAIL,
	     "pool_create: property 'reclaim' must be a string, got integer"},
	    {POOL_CREATE(P1) "\"props\":{\"reclaim\":\"a\\u0001\"}," PC_TAIL,
	     "pool_create: property 'reclaim' holds control characters or invalid UTF-8"},
	    {POOL_CREATE(P1) "\"props\":[]," PC_TAIL,
	     "pool_create: field 'props' must be an object, got array"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":0,"
			     "\"svc\":\"0\",\"owner\":\"root\",\"group\":\"root@\",\"time\":1}",
	     "pool_create: field 'owner' value 'root' is not a principal (name@[domain], "
	     "printable, no blanks)"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":0,"
			     "\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"@g\",\"time\":1}",
	     "pool_create: field 'group' value '@g' is not a principal (name@[domain], "
	     "printable, no blanks)"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":0,"
			     "\"svc\":\"0\",\"owner\":\"a b@\",\"group\":\"g@\",\"time\":1}",
	     "pool_create: field 'owner' value 'a b@' is not a principal (name@[domain], "
	     "printable, no blanks)"},
	    {POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":0,"
			     "\"svc\":\"0\",\"owner\":\"r@\",\"group\":\"g@\"}",
	     "pool_create: missing field 'time'"},
	};
	struct ms_db *db = db_members(4);
	char          big[600];
	char          msg[MS_MSG_MAX];
	char          props[MS_CMD_MAX / 2];
	size_t        n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect(db, -DER_INVAL, bad[i].msg, bad[i].json, NULL);
	/* Lengths: label 128, property value 257, principal 257. */
	memset(big, 'L', 128);
	big[128] = '\0';
	expect(db, -DER_INVAL, "pool_create: field 'label' is 128 bytes, longer than 127",
	       fmt(POOL_CREATE(P1) "\"label\":\"%s\"," PC_TAIL, big), NULL);
	memset(big, 'v', 257);
	big[257] = '\0';
	expect(db, -DER_INVAL, "pool_create: property 'reclaim' is longer than 256 bytes",
	       fmt(POOL_CREATE(P1) "\"props\":{\"reclaim\":\"%s\"}," PC_TAIL, big), NULL);
	big[256] = '\0';
	ok(db, fmt(POOL_CREATE(P1) "\"props\":{\"reclaim\":\"%s\"}," PC_TAIL, big));
	big[255] = '@';
	big[256] = 'x';
	big[257] = '\0';
	expect(db, -DER_INVAL, "pool_create: field 'owner' is 257 bytes, longer than 256",
	       fmt(POOL_CREATE(P2) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":0,"
				   "\"svc\":\"0\",\"owner\":\"%s\",\"group\":\"g@\",\"time\":1}",
		   big),
	       NULL);
	/* Property count: 65 in one command. */
	for (int i = 0; i <= MS_PROPS_MAX; i++)
		n += (size_t)snprintf(props + n, sizeof(props) - n, "%s\"p%c%c\":\"v\"",
				      i == 0 ? "" : ",", 'a' + i / 26, 'a' + i % 26);
	snprintf(msg, sizeof(msg), "pool_create: field 'props' holds %d properties, more than %d",
		 MS_PROPS_MAX + 1, MS_PROPS_MAX);
	expect(db, -DER_INVAL, msg,
	       fmt(POOL_CREATE(P2) "\"props\":{%s}," PC_TAIL, props), NULL);
	assert_int_equal(ms_pool_count(db), 1);
	ms_db_destroy(db);
}

/* MSP05: pool state transitions */
static void
msp05_pool_state(void **state)
{
	struct ms_db       *db = db_members(4);
	struct ms_db_result res;
	struct ms_pool_rec *rec;
	uuid_t              u;

	(void)state;
	uuid_of(P1, u);
	ok(db, POOL_CREATE(P1) PC_TAIL);
	expect(db, -DER_NONEXIST, "pool_set_state: pool " P2 " does not exist",
	       "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P2 "\",\"state\":\"Ready\"}", NULL);
	expect(db, -DER_INVAL, "pool_set_state: unknown pool state 'Gone'",
	       "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Gone\"}", NULL);
	expect(db, -DER_INVAL, "pool_set_state: missing field 'state'",
	       "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\"}", NULL);
	expect(db, 0, "", "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"ready\"}",
	       &res);
	assert_int_equal(res.mr_changed, 1);
	expect(db, 0, "", "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Ready\"}",
	       &res);
	assert_int_equal(res.mr_changed, 0);
	expect(db, -DER_INVAL, "pool_set_state: pool " P1 " cannot go from Ready to Creating",
	       "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Creating\"}",
	       NULL);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"DESTROYING\"}");
	assert_int_equal(ms_pool_get(db, u, &rec), 0);
	assert_int_equal(rec->pr_info.pi_state, MS_POOL_DESTROYING);
	free(rec);
	expect(db, -DER_INVAL, "pool_set_state: pool " P1 " cannot go from Destroying to Ready",
	       "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Ready\"}", NULL);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Destroying\"}");
	/* Creating -> Destroying directly (a failed create). */
	ok(db, POOL_CREATE(P2) PC_TAIL);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P2 "\",\"state\":\"Destroying\"}");
	ms_db_destroy(db);
}

/* MSP06: pool_destroy removes the pool and its containers */
static void
msp06_pool_destroy(void **state)
{
	struct ms_db       *db = db_cont();
	struct ms_db_result res;
	uuid_t              u;

	(void)state;
	expect(db, -DER_NONEXIST, "pool_destroy: pool " P2 " does not exist",
	       "{\"v\":1,\"op\":\"pool_destroy\",\"uuid\":\"" P2 "\"}", NULL);
	expect(db, -DER_INVAL, "pool_destroy: unknown field 'force'",
	       "{\"v\":1,\"op\":\"pool_destroy\",\"uuid\":\"" P1 "\",\"force\":true}", NULL);
	expect(db, 0, "", "{\"v\":1,\"op\":\"pool_destroy\",\"uuid\":\"" P1 "\"}", &res);
	assert_int_equal(res.mr_changed, 1);
	assert_int_equal(ms_pool_count(db), 0);
	assert_int_equal(ms_pool_find(db, "tank", u), -DER_NONEXIST);
	/* The label and UUID are free again. */
	ok(db, POOL_CREATE(P1) "\"label\":\"tank\"," PC_TAIL);
	ms_db_destroy(db);
}

/* MSP07: pool_set_prop merges, keeps labels unique, refuses on Destroying */
static void
msp07_pool_set_prop(void **state)
{
	struct ms_db       *db = db_pool();
	struct ms_db_result res;
	struct ms_pool_rec *rec;
	uuid_t              u;
	char                props[8192];
	char                msg[MS_MSG_MAX];
	size_t              n = 0;

	(void)state;
	uuid_of(P1, u);
	ok(db, POOL_CREATE(P2) "\"label\":\"other\"," PC_TAIL);
	expect(db, 0, "",
	       "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"reclaim\":"
	       "\"lazy\",\"scrub\":\"off\"}}",
	       &res);
	assert_int_equal(res.mr_changed, 2);
	ok(db, "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"reclaim\":"
	       "\"time\",\"label\":\"tank2\"}}");
	assert_int_equal(ms_pool_get(db, u, &rec), 0);
	assert_string_equal(rec->pr_info.pi_label, "tank2");
	assert_int_equal(rec->pr_nr_props, 2);
	assert_string_equal(rec->pr_props[0].mp_name, "reclaim");
	assert_string_equal(rec->pr_props[0].mp_value, "time");
	assert_string_equal(rec->pr_props[1].mp_value, "off");
	free(rec);
	assert_int_equal(ms_pool_find(db, "tank", u), -DER_NONEXIST);
	assert_int_equal(ms_pool_find(db, "tank2", u), 0);
	/* Its own label again is fine; another pool's is not. */
	ok(db, "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"label\":"
	       "\"tank2\"}}");
	expect(db, -DER_EXIST, "pool_set_prop: label 'other' is used by pool " P2,
	       "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"label\":"
	       "\"other\",\"scrub\":\"lazy\"}}",
	       NULL);
	expect(db, -DER_INVAL,
	       "pool_set_prop: field 'label' value 'x y' is not a label (1 to 127 of A-Z a-z 0-9 _ "
	       ". : -, not a UUID)",
	       "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"label\":"
	       "\"x y\"}}",
	       NULL);
	expect(db, -DER_INVAL, "pool_set_prop: field 'props' is empty",
	       "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{}}", NULL);
	expect(db, -DER_NONEXIST, "pool_set_prop: pool " P3 " does not exist",
	       "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P3 "\",\"props\":{\"a\":\"b\"}}",
	       NULL);
	/* 64 properties in all, then one more is too many. */
	for (int i = 0; i < MS_PROPS_MAX - 2; i++)
		n += (size_t)snprintf(props + n, sizeof(props) - n, "%s\"p%c%c\":\"v\"",
				      i == 0 ? "" : ",", 'a' + i / 26, 'a' + i % 26);
	ok(db, fmt("{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{%s}}", props));
	ok(db, "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"paa\":\"w\"}}");
	snprintf(msg, sizeof(msg), "pool_set_prop: the pool would have %d properties, more than %d",
		 MS_PROPS_MAX + 1, MS_PROPS_MAX);
	expect(db, -DER_OVERFLOW, msg,
	       "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"zz\":\"w\"}}",
	       NULL);
	/* Creating pools take properties; Destroying ones do not. */
	ok(db, "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P2 "\",\"props\":{\"a\":\"b\"}}");
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P2 "\",\"state\":\"Destroying\"}");
	expect(db, -DER_BUSY, "pool_set_prop: pool " P2 " is Destroying",
	       "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P2 "\",\"props\":{\"a\":\"c\"}}",
	       NULL);
	ms_db_destroy(db);
}

/* MSP08: pool_tgt_state changes targets and bumps the map version once */
static void
msp08_tgt_state(void **state)
{
	struct ms_db       *db = db_pool();
	struct ms_db_result res;
	struct ms_pool_rec *rec;
	uuid_t              u;

	(void)state;
	uuid_of(P1, u);
	expect(db, 0, "",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"1\","
	       "\"targets\":\"2\",\"state\":\"down\"}",
	       &res);
	assert_int_equal(res.mr_changed, 1);
	assert_int_equal(ms_pool_get(db, u, &rec), 0);
	assert_int_equal(rec->pr_info.pi_map_version, 2);
	for (uint32_t i = 0; i < rec->pr_nr_tgts; i++)
		assert_int_equal(rec->pr_tgt_states[i], i == 6 ? MS_TGT_DOWN : MS_TGT_UP_IN);
	free(rec);
	/* Nothing changes: no bump. */
	expect(db, 0, "",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"1\","
	       "\"targets\":\"2\",\"state\":\"DOWN\"}",
	       &res);
	assert_int_equal(res.mr_changed, 0);
	/* Several ranks and targets: one bump. */
	expect(db, 0, "",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"0-1\","
	       "\"targets\":\"1-2\",\"state\":\"DOWN_OUT\"}",
	       &res);
	assert_int_equal(res.mr_changed, 4);
	/* All targets of a rank when "targets" is absent. */
	expect(db, 0, "",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"3\","
	       "\"state\":\"drain\"}",
	       &res);
	assert_int_equal(res.mr_changed, 4);
	assert_int_equal(ms_pool_get(db, u, &rec), 0);
	assert_int_equal(rec->pr_info.pi_map_version, 4);
	assert_int_equal(rec->pr_tgt_states[0], MS_TGT_UP_IN);
	assert_int_equal(rec->pr_tgt_states[1], MS_TGT_DOWN_OUT);
	assert_int_equal(rec->pr_tgt_states[5], MS_TGT_DOWN_OUT);
	assert_int_equal(rec->pr_tgt_states[6], MS_TGT_DOWN_OUT);
	assert_int_equal(rec->pr_tgt_states[7], MS_TGT_UP_IN);
	for (int i = 12; i < 16; i++)
		assert_int_equal(rec->pr_tgt_states[i], MS_TGT_DRAIN);
	free(rec);
	expect(db, -DER_NONEXIST, "pool_tgt_state: rank 4 does not host pool " P1,
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"3-4\","
	       "\"state\":\"UP\"}",
	       NULL);
	expect(db, -DER_NONEXIST, "pool_tgt_state: rank 0 of pool " P1 " has no target 4 (it has 4)",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"0\","
	       "\"targets\":\"0,4\",\"state\":\"UP\"}",
	       NULL);
	expect(db, -DER_INVAL, "pool_tgt_state: field 'targets' names 64, above 63",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"0\","
	       "\"targets\":\"64\",\"state\":\"UP\"}",
	       NULL);
	expect(db, -DER_INVAL, "pool_tgt_state: unknown target state 'UPIN'",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"0\","
	       "\"state\":\"UPIN\"}",
	       NULL);
	expect(db, -DER_NONEXIST, "pool_tgt_state: pool " P2 " does not exist",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P2 "\",\"ranks\":\"0\","
	       "\"state\":\"UP\"}",
	       NULL);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Destroying\"}");
	expect(db, -DER_BUSY, "pool_tgt_state: pool " P1 " is Destroying",
	       "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"0\","
	       "\"state\":\"UP\"}",
	       NULL);
	ms_db_destroy(db);
}

/* MSP09: cont_create / cont_destroy and the container queries */
static void
msp09_cont_create(void **state)
{
	struct ms_db        *db = db_pool();
	struct ms_cont_info *list;
	struct ms_cont_rec  *rec;
	uuid_t               p1;
	uuid_t               c1;
	uuid_t               u;
	uint32_t             nr;

	(void)state;
	uuid_of(P1, p1);
	uuid_of(C1, c1);
	ok(db, POOL_CREATE(P2) PC_TAIL);
	expect(db, -DER_BUSY, "cont_create: pool " P2 " is Creating",
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P2 "\",\"uuid\":\"" C1 "\","
	       "\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}",
	       NULL);
	expect(db, -DER_NONEXIST, "cont_create: pool " P3 " does not exist",
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P3 "\",\"uuid\":\"" C1 "\","
	       "\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}",
	       NULL);
	expect(db, -DER_INVAL, "cont_create: unknown container type 'FOO'",
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
	       "\"type\":\"FOO\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}",
	       NULL);
	expect(db, -DER_INVAL, "cont_create: missing field 'type'",
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
	       "\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}",
	       NULL);
	expect(db, -DER_INVAL, "cont_create: field 'props' may not hold 'label' (use field 'label')",
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
	       "\"type\":\"POSIX\",\"props\":{\"label\":\"x\"},\"owner\":\"u@\",\"group\":\"g@\","
	       "\"time\":1}",
	       NULL);
	ok(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C2 "\","
	       "\"type\":\"hdf5\",\"props\":{\"rd_fac\":\"2\"},\"owner\":\"u@\",\"group\":\"g@\","
	       "\"time\":5}");
	ok(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
	       "\"label\":\"c1\",\"type\":\"unknown\",\"owner\":\"u@\",\"group\":\"g@\","
	       "\"time\":6}");
	expect(db, -DER_EXIST, "cont_create: container " C1 " exists in pool " P1,
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
	       "\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}",
	       NULL);
	expect(db, -DER_EXIST, "cont_create: label 'c1' is used by container " C1,
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C3 "\","
	       "\"label\":\"c1\",\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}",
	       NULL);

	assert_int_equal(ms_cont_find(db, p1, "c1", u), 0);
	assert_int_equal(uuid_compare(u, c1), 0);
	assert_int_equal(ms_cont_find(db, p1, C2, u), 0);
	assert_int_equal(ms_cont_find(db, p1, C3, u), -DER_NONEXIST);
	assert_int_equal(ms_cont_find(db, p1, "c2", u), -DER_NONEXIST);
	assert_int_equal(ms_cont_find(db, p1, "a/b", u), -DER_INVAL);
	uuid_of(P3, u);
	assert_int_equal(ms_cont_find(db, u, "c1", u), -DER_NONEXIST);
	assert_int_equal(ms_cont_list(db, p1, &list, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(uuid_compare(list[0].ci_uuid, c1), 0);
	assert_string_equal(list[0].ci_label, "c1");
	assert_string_equal(list[0].ci_type, "unknown");
	assert_string_equal(list[1].ci_label, "");
	assert_string_equal(list[1].ci_type, "HDF5"); /* DAOS's spelling */
	free(list);
	uuid_of(C2, u);
	assert_int_equal(ms_cont_get(db, p1, u, &rec), 0);
	assert_int_equal(rec->cr_nr_props, 1);
	assert_string_equal(rec->cr_props[0].mp_name, "rd_fac");
	assert_string_equal(rec->cr_props[0].mp_value, "2");
	assert_string_equal(rec->cr_owner, "u@");
	assert_int_equal(rec->cr_time, 5);
	assert_int_equal(rec->cr_next_oid, MS_CONT_OID_FIRST);
	assert_int_equal(rec->cr_nr_attrs, 0);
	assert_int_equal(rec->cr_nr_snaps, 0);
	free(rec);

	expect(db, -DER_NONEXIST, "cont_destroy: container " C3 " does not exist in pool " P1,
	       CONT("cont_destroy", P1, C3) "}", NULL);
	ok(db, CONT("cont_destroy", P1, C1) "}");
	assert_int_equal(ms_cont_find(db, p1, "c1", u), -DER_NONEXIST);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Destroying\"}");
	expect(db, -DER_BUSY, "cont_destroy: pool " P1 " is Destroying",
	       CONT("cont_destroy", P1, C2) "}", NULL);
	ms_db_destroy(db);
}

/* MSP10: cont_set_prop merges and keeps labels unique in the pool */
static void
msp10_cont_set_prop(void **state)
{
	struct ms_db       *db = db_cont();
	struct ms_cont_rec *rec;
	uuid_t              p1;
	uuid_t              c1;
	uuid_t              u;

	(void)state;
	uuid_of(P1, p1);
	uuid_of(C1, c1);
	ok(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C2 "\","
	       "\"label\":\"c2\",\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}");
	ok(db, CONT("cont_set_prop", P1, C1) ",\"props\":{\"status\":\"HEALTHY\",\"label\":"
					     "\"renamed\"}}");
	assert_int_equal(ms_cont_find(db, p1, "renamed", u), 0);
	assert_int_equal(uuid_compare(u, c1), 0);
	assert_int_equal(ms_cont_get(db, p1, c1, &rec), 0);
	assert_string_equal(rec->cr_info.ci_label, "renamed");
	assert_int_equal(rec->cr_nr_props, 1);
	free(rec);
	expect(db, -DER_EXIST, "cont_set_prop: label 'c2' is used by container " C2,
	       CONT("cont_set_prop", P1, C1) ",\"props\":{\"label\":\"c2\"}}", NULL);
	expect(db, -DER_INVAL, "cont_set_prop: property name '' is not 1 to 32 of a-z and '_'",
	       CONT("cont_set_prop", P1, C1) ",\"props\":{\"\":\"c2\"}}", NULL);
	expect(db, -DER_NONEXIST, "cont_set_prop: container " C3 " does not exist in pool " P1,
	       CONT("cont_set_prop", P1, C3) ",\"props\":{\"a\":\"b\"}}", NULL);
	expect(db, -DER_INVAL, "cont_set_prop: missing field 'props'",
	       CONT("cont_set_prop", P1, C1) "}", NULL);
	ms_db_destroy(db);
}

/* base64 of @n bytes of @c. */
static char *
b64_of(size_t n, unsigned char c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char             *s   = malloc((n + 2) / 3 * 4 + 1);
	size_t            o   = 0;

	assert_non_null(s);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)c << 16 | (i + 1 < n ? (uint32_t)c << 8 : 0) |
			     (i + 2 < n ? c : 0);

		s[o++] = a[v >> 18];
		s[o++] = a[(v >> 12) & 63];
		s[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
		s[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	s[o] = '\0';
	return s;
}

/* MSP11: user attributes: set, delete, base64 and limits */
static void
msp11_attrs(void **state)
{
	struct ms_db       *db = db_cont();
	struct ms_db_result res;
	struct ms_attr     *attrs;
	uuid_t              p1;
	uuid_t              c1;
	uint32_t            nr;
	char               *v;
	char                list[16384];
	char                msg[MS_MSG_MAX];
	char                name[300];
	size_t              n = 0;

	(void)state;
	uuid_of(P1, p1);
	uuid_of(C1, c1);
	expect(db, 0, "",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"greet\":\"aGVsbG8=\",\"empty\":\"\","
					     "\"bin\":\"AP8A\"}}",
	       &res);
	assert_int_equal(res.mr_changed, 3);
	assert_int_equal(ms_cont_attrs(db, p1, c1, &attrs, &nr), 0);
	assert_int_equal(nr, 3);
	assert_string_equal(attrs[0].ma_name, "bin"); /* sorted */
	assert_int_equal(attrs[0].ma_len, 3);
	assert_memory_equal(attrs[0].ma_value, "\x00\xff\x00", 3);
	assert_string_equal(attrs[1].ma_name, "empty");
	assert_int_equal(attrs[1].ma_len, 0);
	assert_string_equal(attrs[2].ma_name, "greet");
	assert_int_equal(attrs[2].ma_len, 5);
	assert_memory_equal(attrs[2].ma_value, "hello", 5);
	free(attrs);
	/* Replace one, delete one, in the same command. */
	ok(db, CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"greet\":\"aGk=\"},\"delete\":"
					     "[\"empty\"]}");
	assert_int_equal(ms_cont_attrs(db, p1, c1, &attrs, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(attrs[1].ma_len, 2);
	assert_memory_equal(attrs[1].ma_value, "hi", 2);
	free(attrs);

	expect(db, -DER_NONEXIST, "cont_set_attr: attribute 'zz' does not exist in container " C1,
	       CONT("cont_set_attr", P1, C1) ",\"delete\":[\"bin\",\"zz\"]}", NULL);
	expect(db, -DER_INVAL, "cont_set_attr: attribute 'bin' is both set and deleted",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"bin\":\"AA==\"},\"delete\":[\"bin\"]}",
	       NULL);
	expect(db, -DER_INVAL, "cont_set_attr: field 'delete' names 'bin' twice",
	       CONT("cont_set_attr", P1, C1) ",\"delete\":[\"bin\",\"bin\"]}", NULL);
	expect(db, -DER_INVAL, "cont_set_attr: field 'delete' item 0 must be a string, got integer",
	       CONT("cont_set_attr", P1, C1) ",\"delete\":[1]}", NULL);
	expect(db, -DER_INVAL,
	       "cont_set_attr: nothing to do: fields 'attrs' and 'delete' are absent or empty",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{},\"delete\":[]}", NULL);
	expect(db, -DER_INVAL, "cont_set_attr: attribute 'a' is not canonical base64",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\":\"aGVsbG8\"}}", NULL);
	expect(db, -DER_INVAL, "cont_set_attr: attribute 'a' is not canonical base64",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\":\"aGVsbG9=\"}}", NULL);
	expect(db, -DER_INVAL, "cont_set_attr: attribute 'a' is not canonical base64",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\":\"a=Vs\"}}", NULL);
	expect(db, -DER_INVAL, "cont_set_attr: attribute 'a' is not canonical base64",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\":\"ab!=\"}}", NULL);
	expect(db, -DER_INVAL, "cont_set_attr: attribute 'a' must be a base64 string, got integer",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\":5}}", NULL);
	expect(db, -DER_INVAL,
	       "cont_set_attr: attribute name 'a?' is not 1 to 255 bytes of printable text",
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\\u0007\":\"AA==\"}}", NULL);
	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(msg, sizeof(msg),
		 "cont_set_attr: attribute name '%.64s...' is not 1 to 255 bytes of printable text",
		 name);
	expect(db, -DER_INVAL, msg,
	       fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"%s\":\"AA==\"}}", name), NULL);
	name[255] = '\0';
	ok(db, fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"%s\":\"AA==\"}}", name));
	ok(db, fmt(CONT("cont_set_attr", P1, C1) ",\"delete\":[\"%s\"]}", name));

	/* Values: 64 KiB is fine, one byte more is not. */
	v = b64_of(MS_ATTR_VALUE_MAX + 1, 'x');
	snprintf(msg, sizeof(msg), "cont_set_attr: attribute 'big' is longer than %d bytes",
		 MS_ATTR_VALUE_MAX);
	expect(db, -DER_INVAL, msg,
	       fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"big\":\"%s\"}}", v), NULL);
	free(v);
	/* Total bytes: 15 values of 64 KiB fit, a 16th passes 1 MiB with the names. */
	v = b64_of(MS_ATTR_VALUE_MAX, 'y');
	ok(db, CONT("cont_set_attr", P1, C1) ",\"delete\":[\"bin\",\"greet\"]}");
	for (int i = 0; i < 15; i++)
		ok(db, fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"v%02d\":\"%s\"}}", i, v));
	snprintf(msg, sizeof(msg),
		 "cont_set_attr: container " C1 " would have %d attribute bytes, more than %d",
		 16 * (MS_ATTR_VALUE_MAX + 3), MS_ATTRS_BYTES_MAX);
	expect(db, -DER_OVERFLOW, msg,
	       fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"v15\":\"%s\"}}", v), NULL);
	/* Replacing one keeps the total. */
	ok(db, fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"v00\":\"%s\"}}", v));
	free(v);
	for (int i = 0; i < 15; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"v%02d\"", i ? "," : "", i);
	ok(db, fmt(CONT("cont_set_attr", P1, C1) ",\"delete\":[%s]}", list));
	/* Count: 256 attributes, then one more. */
	n = 0;
	for (int i = 0; i < MS_ATTRS_MAX; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"a%03d\":\"AA==\"",
				      i ? "," : "", i);
	ok(db, fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{%s}}", list));
	snprintf(msg, sizeof(msg),
		 "cont_set_attr: container " C1 " would have %d attributes, more than %d",
		 MS_ATTRS_MAX + 1, MS_ATTRS_MAX);
	expect(db, -DER_OVERFLOW, msg,
	       CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"b\":\"AA==\"}}", NULL);
	n += (size_t)snprintf(list + n, sizeof(list) - n, ",\"b\":\"AA==\"");
	snprintf(msg, sizeof(msg), "cont_set_attr: more than %d attributes in field 'attrs'",
		 MS_ATTRS_MAX);
	expect(db, -DER_INVAL, msg, fmt(CONT("cont_set_attr", P1, C1) ",\"attrs\":{%s}}", list),
	       NULL);
	assert_int_equal(ms_cont_attrs(db, p1, c1, &attrs, &nr), 0);
	assert_int_equal(nr, MS_ATTRS_MAX);
	free(attrs);
	ms_db_destroy(db);
}

/* MSP12: snapshots: sorted unique epochs, unique names, the limit */
static void
msp12_snaps(void **state)
{
	struct ms_db       *db = db_cont();
	struct ms_snap     *snaps;
	struct ms_db_result res;
	uuid_t              p1;
	uuid_t              c1;
	uint32_t            nr;
	char                msg[MS_MSG_MAX];

	(void)state;
	uuid_of(P1, p1);
	uuid_of(C1, c1);
	assert_int_equal(ms_cont_snaps(db, p1, c1, &snaps, &nr), 0);
	assert_null(snaps);
	assert_int_equal(nr, 0);
	ok(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":5,\"name\":\"s5\"}");
	ok(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":3}");
	ok(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":9223372036854775807,\"name\":\"last\"}");
	ok(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":4}");
	assert_int_equal(ms_cont_snaps(db, p1, c1, &snaps, &nr), 0);
	assert_int_equal(nr, 4);
	assert_int_equal(snaps[0].ms_epoch, 3);
	assert_string_equal(snaps[0].ms_name, "");
	assert_int_equal(snaps[1].ms_epoch, 4);
	assert_int_equal(snaps[2].ms_epoch, 5);
	assert_string_equal(snaps[2].ms_name, "s5");
	assert_int_equal(snaps[3].ms_epoch, INT64_MAX);
	free(snaps);
	expect(db, -DER_EXIST, "cont_snap_create: epoch 5 has a snapshot in container " C1,
	       CONT("cont_snap_create", P1, C1) ",\"epoch\":5}", NULL);
	expect(db, -DER_EXIST,
	       "cont_snap_create: snapshot name 's5' is used by epoch 5 in container " C1,
	       CONT("cont_snap_create", P1, C1) ",\"epoch\":7,\"name\":\"s5\"}", NULL);
	expect(db, -DER_INVAL,
	       "cont_snap_create: field 'epoch' must be in [1, 9223372036854775807], got 0",
	       CONT("cont_snap_create", P1, C1) ",\"epoch\":0}", NULL);
	expect(db, -DER_INVAL, "cont_snap_create: field 'name' is empty",
	       CONT("cont_snap_create", P1, C1) ",\"epoch\":8,\"name\":\"\"}", NULL);
	expect(db, -DER_NONEXIST, "cont_snap_destroy: epoch 6 has no snapshot in container " C1,
	       CONT("cont_snap_destroy", P1, C1) ",\"epoch\":6}", NULL);
	expect(db, 0, "", CONT("cont_snap_destroy", P1, C1) ",\"epoch\":5}", &res);
	assert_int_equal(res.mr_changed, 1);
	/* The name is free again. */
	ok(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":6,\"name\":\"s5\"}");
	/* The limit. */
	ok(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C2 "\","
	       "\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}");
	for (int i = 1; i <= MS_SNAPS_MAX; i++) {
		const char *cmd = fmt(CONT("cont_snap_create", P1, C2) ",\"epoch\":%d}", 2 * i);

		assert_int_equal(apply_str(db, cmd, &res), 0);
	}
	snprintf(msg, sizeof(msg), "cont_snap_create: container " C2 " has the most snapshots (%d)",
		 MS_SNAPS_MAX);
	expect(db, -DER_OVERFLOW, msg, CONT("cont_snap_create", P1, C2) ",\"epoch\":1}", NULL);
	uuid_of(C2, c1);
	assert_int_equal(ms_cont_snaps(db, p1, c1, &snaps, &nr), 0);
	assert_int_equal(nr, MS_SNAPS_MAX);
	for (uint32_t i = 0; i < nr; i++)
		assert_int_equal(snaps[i].ms_epoch, 2 * (i + 1));
	free(snaps);
	ms_db_destroy(db);
}

/* MSP13: cont_alloc_oids hands out ranges and never wraps */
static void
msp13_alloc_oids(void **state)
{
	struct ms_db       *db = db_cont();
	struct ms_db_result res;

	(void)state;
	expect(db, 0, "", CONT("cont_alloc_oids", P1, C1) ",\"count\":10}", &res);
	assert_int_equal(res.mr_value, MS_CONT_OID_FIRST);
	expect(db, 0, "", CONT("cont_alloc_oids", P1, C1) ",\"count\":5}", &res);
	assert_int_equal(res.mr_value, MS_CONT_OID_FIRST + 10);
	expect(db, -DER_INVAL,
	       "cont_alloc_oids: field 'count' must be in [1, 9223372036854775807], got 0",
	       CONT("cont_alloc_oids", P1, C1) ",\"count\":0}", NULL);
	expect(db, -DER_OVERFLOW,
	       "cont_alloc_oids: container " C1 " has 9223372036854775791 object ids left, not "
	       "9223372036854775807",
	       CONT("cont_alloc_oids", P1, C1) ",\"count\":9223372036854775807}", NULL);
	expect(db, 0, "", CONT("cont_alloc_oids", P1, C1) ",\"count\":9223372036854775791}", &res);
	assert_int_equal(res.mr_value, 16);
	expect(db, -DER_OVERFLOW, "cont_alloc_oids: container " C1 " has 0 object ids left, not 1",
	       CONT("cont_alloc_oids", P1, C1) ",\"count\":1}", NULL);
	expect(db, -DER_NONEXIST, "cont_alloc_oids: pool " P2 " does not exist",
	       CONT("cont_alloc_oids", P2, C1) ",\"count\":1}", NULL);
	expect(db, -DER_INVAL, "cont_alloc_oids: field 'cont' value 'x' is not a UUID",
	       "{\"v\":1,\"op\":\"cont_alloc_oids\",\"pool\":\"" P1 "\",\"cont\":\"x\","
	       "\"count\":1}",
	       NULL);
	ms_db_destroy(db);
}

/* MSP14: ERASE drops every pool; REMOVE of a rank hosting a pool is refused */
static void
msp14_erase_remove(void **state)
{
	struct ms_db *db = db_cont();
	uuid_t        u;

	(void)state;
	ok(db, "{\"v\":1,\"op\":\"set_state\",\"ranks\":\"2,4\",\"state\":\"Stopped\",\"time\":1}");
	expect(db, -DER_BUSY, "remove: rank 2 hosts pool " P1 ": destroy the pool first",
	       "{\"v\":1,\"op\":\"remove\",\"rank\":2}", NULL);
	ok(db, "{\"v\":1,\"op\":\"remove\",\"rank\":4}");
	ok(db, "{\"v\":1,\"op\":\"pool_destroy\",\"uuid\":\"" P1 "\"}");
	ok(db, "{\"v\":1,\"op\":\"remove\",\"rank\":2}");
	ok(db, POOL_CREATE(P1) "\"label\":\"tank\",\"ranks\":\"0-1\",\"targets\":[4,4],"
			       "\"scm\":16777216,\"nvme\":0,\"svc\":\"0\",\"owner\":\"r@\","
			       "\"group\":\"g@\",\"time\":1}");
	assert_int_equal(ms_pool_count(db), 1);
	ok(db, "{\"v\":1,\"op\":\"erase\"}");
	assert_int_equal(ms_pool_count(db), 0);
	assert_int_equal(ms_pool_find(db, "tank", u), -DER_NONEXIST);
	ms_db_destroy(db);
}

/* A database with every kind of record. */
static void
workload(struct ms_db *db)
{
	ok(db, POOL_CREATE(P2) "\"label\":\"second\",\"ranks\":\"1-2\",\"targets\":[4,4],"
			       "\"scm\":16777216,\"nvme\":2147483648,\"svc\":\"1-2\",\"props\":"
			       "{\"reclaim\":\"lazy\",\"note\":\"quote \\\" and \\\\ \xc3\xa9\"},"
			       "\"owner\":\"a@b\",\"group\":\"c@d\",\"time\":99}");
	ok(db, "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"2\","
	       "\"targets\":\"1,3\",\"state\":\"NEW\"}");
	ok(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C2 "\","
	       "\"type\":\"SEISMIC\",\"props\":{\"cksum\":\"crc32\"},\"owner\":\"u@\","
	       "\"group\":\"g@\",\"time\":30}");
	ok(db, CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"bin\":\"AAEC/f7/\",\"e\":\"\","
					     "\"dfuse-attr-time\":\"MQ==\"}}");
	ok(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":100,\"name\":\"daily\"}");
	ok(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":50}");
	ok(db, CONT("cont_alloc_oids", P1, C1) ",\"count\":1000}");
	ok(db, PATTR(P1) ",\"attrs\":{\"pool-note\":\"aGk=\",\"z\":\"\"}}");
}

/* MSP15: snapshot round trip: byte-identical, same queries, same behaviour */
static void
msp15_round_trip(void **state)
{
	struct ms_db       *a = db_cont();
	struct ms_db       *b = db_members(5);
	struct ms_db       *c = NULL;
	struct ms_db_result ra;
	struct ms_db_result rb;
	struct ms_attr     *aa;
	struct ms_attr     *ab;
	uint32_t            na;
	uint32_t            nb;
	uuid_t              p1;
	uuid_t              c1;
	struct snap         sa;
	char                err[256];

	(void)state;
	uuid_of(P1, p1);
	uuid_of(C1, c1);
	workload(a);
	sa = take(a);
	/* Restore over a database holding other pools replaces them. */
	ok(b, POOL_CREATE(P3) PC_TAIL);
	assert_int_equal(ms_db_restore(b, sa.s_buf, sa.s_len, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_same(b, sa);
	assert_int_equal(ms_pool_count(b), 2);
	assert_int_equal(ms_cont_attrs(a, p1, c1, &aa, &na), 0);
	assert_int_equal(ms_cont_attrs(b, p1, c1, &ab, &nb), 0);
	assert_int_equal(na, 3);
	assert_int_equal(na, nb);
	for (uint32_t i = 0; i < na; i++) {
		assert_string_equal(aa[i].ma_name, ab[i].ma_name);
		assert_int_equal(aa[i].ma_len, ab[i].ma_len);
		assert_memory_equal(aa[i].ma_value, ab[i].ma_value, aa[i].ma_len);
	}
	assert_memory_equal(ab[0].ma_value, "\x00\x01\x02\xfd\xfe\xff", 6);
	free(aa);
	free(ab);
	/* Same behaviour afterwards. */
	assert_int_equal(apply_str(a, CONT("cont_alloc_oids", P1, C1) ",\"count\":3}", &ra), 0);
	assert_int_equal(apply_str(b, CONT("cont_alloc_oids", P1, C1) ",\"count\":3}", &rb), 0);
	assert_int_equal(ra.mr_value, 1001);
	assert_int_equal(rb.mr_value, 1001);
	assert_int_equal(apply_str(b, POOL_CREATE(P3) "\"label\":\"second\"," PC_TAIL, &rb),
			 -DER_EXIST);
	free(sa.s_buf);
	sa = take(a);
	assert_same(b, sa);
	/* A database built by the same commands is byte-identical. */
	c = db_cont();
	workload(c);
	assert_int_equal(apply_str(c, CONT("cont_alloc_oids", P1, C1) ",\"count\":3}", &rb), 0);
	assert_same(c, sa);
	free(sa.s_buf);
	ms_db_destroy(a);
	ms_db_destroy(b);
	ms_db_destroy(c);
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A snapshot of layout @version with @body and a correct header. */
static struct snap
forge(uint32_t version, const char *body)
{
	size_t      n = strlen(body);
	struct snap s = {malloc(MS_DB_HDR_SIZE + n), MS_DB_HDR_SIZE + n};
	uint8_t    *p = s.s_buf;

	assert_non_null(p);
	memcpy(p, MS_DB_MAGIC, 8);
	put32(p + 8, version);
	put32(p + 12, MS_DB_HDR_SIZE);
	put32(p + 16, (uint32_t)n);
	put32(p + 20, 0);
	put32(p + 24, d_crc32c(0, body, n));
	put32(p + 28, 0);
	memcpy(p + MS_DB_HDR_SIZE, body, n);
	return s;
}

#define M0                                                                                        \
	"{\"rank\":0,\"uuid\":\"11111111-1111-1111-1111-111111110000\",\"ctl_addr\":\"h:1\","     \
	"\"fabric_uri\":\"ofi+tcp://h:2\",\"fault_domain\":\"/h\",\"targets\":1,"                 \
	"\"state\":\"Joined\",\"reason\":\"\",\"incarnation\":1,\"last_update\":0}"
#define HEAD                                                                                      \
	"{\"system\":\"daos_server\",\"db_uuid\":\"dddddddd-0000-0000-0000-000000000001\","      \
	"\"map_version\":2,\"next_rank\":2,\"members\":[" M0 "]"

/* MSP16: a layout-1 snapshot restores with no pools; layout 2 needs "pools" */
static void
msp16_restore_v1(void **state)
{
	struct ms_db *db = db_cont();
	struct snap   s;
	struct snap   now;
	char          err[256];

	(void)state;
	s = forge(1, HEAD "}");
	assert_int_equal(ms_db_restore(db, s.s_buf, s.s_len, err, sizeof(err)), 0);
	assert_int_equal(ms_pool_count(db), 0);
	assert_int_equal(ms_db_nr_members(db), 1);
	free(s.s_buf);
	/* Written back as layout 2 with an empty pool list. */
	now = take(db);
	assert_int_equal(((uint8_t *)now.s_buf)[8], 2);
	assert_memory_equal((char *)now.s_buf + now.s_len - 12, ",\"pools\":[]}", 12);
	free(now.s_buf);
	s = forge(1, HEAD ",\"pools\":[]}");
	assert_int_equal(ms_db_restore(db, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot: unknown field 'pools'");
	free(s.s_buf);
	s = forge(2, HEAD "}");
	assert_int_equal(ms_db_restore(db, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot: missing field 'pools'");
	free(s.s_buf);
	s = forge(2, HEAD ",\"pools\":{}}");
	assert_int_equal(ms_db_restore(db, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "snapshot: field 'pools' must be an array, got object");
	free(s.s_buf);
	s = forge(2, HEAD ",\"pools\":[]}");
	assert_int_equal(ms_db_restore(db, s.s_buf, s.s_len, err, sizeof(err)), 0);
	free(s.s_buf);
	ms_db_destroy(db);
}

/* Copy of @s with the first @from replaced by @to (malloc()). */
static char *
subst(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t      n  = strlen(s) - strlen(from) + strlen(to);
	char       *out;

	if (at == NULL)
		fail_msg("'%s' not found in the snapshot body", from);
	out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, s, (size_t)(at - s));
	strcpy(out + (at - s), to);
	strcat(out, at + strlen(from));
	return out;
}

/* MSP17: corrupted pool sections are refused with the field named */
static void
msp17_restore_corrupt(void **state)
{
	static const struct {
		const char *from;
		const char *to;
		const char *msg;
	} bad[] = {
	    {"\"label\":\"tank\"", "\"label\":\"t k\"",
	     "pool 0: field 'label' is not a label (1 to 127 of A-Z a-z 0-9 _ . : -, not a UUID)"},
	    {"\"label\":\"tank\"", "\"label\":\"second\"",
	     "snapshot: pool 1: label 'second' is also pool 0's"},
	    {"\"state\":\"Ready\"", "\"state\":\"ready\"", "pool 0: unknown pool state 'ready'"},
	    {"\"ranks\":\"0-3\"", "\"ranks\":\"0-4\"",
	     "pool 0: field 'targets' has 4 counts for 5 ranks"},
	    {"\"ranks\":\"0-3\",\"targets\":[4,4,4,4]", "\"ranks\":\"0-2,7\",\"targets\":[4,4,4,4]",
	     "pool 0: rank 7 is not a member"},
	    {"\"targets\":[4,4,4,4]", "\"targets\":[4,4,4,65]",
	     "pool 0: field 'targets' item 3 must be an integer in [1, 64]"},
	    {"\"svc\":\"0\"", "\"svc\":\"4\"", "pool 0: service rank 4 is not a pool rank"},
	    {"\"svc\":\"0\"", "\"svc\":\"\"", "pool 0: field 'svc' is empty"},
	    {"\"map_version\":2,\"tgt", "\"map_version\":0,\"tgt",
	     "pool 0: field 'map_version' must be in [1, 4294967295], got 0"},
	    {"\"tgt_states\":\"IIIIIIIIININIIII\"", "\"tgt_states\":\"IIIIIIIIININIII\"",
	     "pool 0: field 'tgt_states' has 15 states for 16 targets"},
	    {"\"tgt_states\":\"IIIIIIIIININIIII\"", "\"tgt_states\":\"IIIIIIIIININIIIX\"",
	     "pool 0: field 'tgt_states' has an invalid state at 15"},
	    {"\"scm\":16777216", "\"scm\":1",
	     "pool 0: field 'scm' must be in [16777216, 9223372036854775807], got 1"},
	    {"\"nvme\":0", "\"nvme\":5", "pool 0: field 'nvme' must be 0 or at least 16777216"},
	    {"\"owner\":\"root@\"", "\"owner\":\"root\"",
	     "pool 0: field 'owner' value 'root' is not a principal (name@[domain], printable, "
	     "no blanks)"},
	    {"\"conts\":[", "\"extra\":1,\"conts\":[", "pool 0: unknown field 'extra'"},
	    {"\"uuid\":\"" P1 "\"", "\"uuid\":\"" P3 "\"",
	     "snapshot: pool 1: UUID is not above the previous pool's"},
	    {"\"props\":{\"note\":", "\"props\":{\"label\":\"x\",\"note\":",
	     "pool 1: field 'props': entry 'label' is invalid"},
	    {"\"props\":{\"note\":\"quote", "\"props\":{\"zz\":\"1\",\"note\":\"quote",
	     "pool 1: field 'props': entry 'note' is out of order"},
	    /* containers */
	    {"\"type\":\"SEISMIC\"", "\"type\":\"seismic\"",
	     "pool 0 container 1: container type 'SEISMIC' is not in DAOS's case"},
	    {"\"type\":\"SEISMIC\"", "\"type\":\"TAPE\"",
	     "pool 0 container 1: unknown container type 'TAPE'"},
	    {"\"uuid\":\"" C2 "\"", "\"uuid\":\"" C1 "\"",
	     "pool 0 container 1: UUID is not above the previous container's"},
	    {"\"uuid\":\"" C2 "\",\"label\":\"\"", "\"uuid\":\"" C2 "\",\"label\":\"c1\"",
	     "pool 0 container 1: label 'c1' is also container 0's"},
	    {"\"next_oid\":1001", "\"next_oid\":0",
	     "pool 0 container 0: field 'next_oid' must be in [1, 9223372036854775807], got 0"},
	    {"\"bin\":\"AAEC/f7/\"", "\"bin\":\"AAEC/f7\"",
	     "pool 0 container 0: field 'attrs': entry 'bin' is invalid"},
	    {"\"e\":\"\"", "\"a\":\"\"",
	     "pool 0 container 0: field 'attrs': entry 'a' is out of order"},
	    {"{\"epoch\":50,\"name\":\"\"},{\"epoch\":100",
	     "{\"epoch\":100,\"name\":\"\"},{\"epoch\":100",
	     "pool 0 container 0 snapshot 1: epoch 100 is not above the previous snapshot's"},
	    {"{\"epoch\":50,\"name\":\"\"}", "{\"epoch\":50,\"name\":\"daily\"}",
	     "pool 0 container 0 snapshot 1: name is also snapshot 0's"},
	    {"{\"epoch\":50,\"name\":\"\"}", "{\"epoch\":50}",
	     "pool 0 container 0 snapshot 0: missing field 'name'"},
	    {"{\"epoch\":50,\"name\":\"\"}", "{\"epoch\":0,\"name\":\"\"}",
	     "pool 0 container 0 snapshot 0: field 'epoch' must be in [1, 9223372036854775807], "
	     "got 0"},
	    {"\"snaps\":[{", "\"snaps\":[3,{", "pool 0 container 0 snapshot 0 must be an object"},
	    {"\"conts\":[{", "\"conts\":[7,{", "pool 0 container 0 must be an object, got integer"},
	    {"\"pools\":[{", "\"pools\":[null,{", "pool 0 must be an object, got null"},
	};
	struct ms_db *a = db_cont();
	struct ms_db *b = db_members(5);
	struct snap   good;
	struct snap   sb;
	char         *body;
	char          err[256];

	(void)state;
	workload(a);
	good = take(a);
	sb   = take(b);
	body = strndup((char *)good.s_buf + MS_DB_HDR_SIZE, good.s_len - MS_DB_HDR_SIZE);
	assert_non_null(body);
	print_message("%s\n", body);
	/* The forged original is accepted, proving forge() is right. */
	{
		struct snap s = forge(2, body);

		assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), 0);
		assert_same(b, good);
		free(s.s_buf);
		ms_db_destroy(b);
		b = db_members(5);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char       *t = subst(body, bad[i].from, bad[i].to);
		struct snap s = forge(2, t);

		print_message("body %zu\n", i);
		assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)),
				 -DER_DF_INVAL);
		assert_string_equal(err, bad[i].msg);
		assert_same(b, sb);
		free(s.s_buf);
		free(t);
	}
	free(body);
	free(good.s_buf);
	free(sb.s_buf);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

/* MSP18: table limits: MS_POOLS_MAX pools, MS_CONTS_PER_POOL_MAX containers */
static void
msp18_table_limits(void **state)
{
	struct ms_db       *db = db_members(1);
	struct ms_db_result res;
	char                msg[MS_MSG_MAX];

	(void)state;
	for (int i = 0; i < MS_POOLS_MAX; i++) {
		const char *cmd = fmt("{\"v\":1,\"op\":\"pool_create\",\"uuid\":\"aaaaaaaa-0000-0000-"
				      "0000-%012d\",\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,"
				      "\"nvme\":0,\"svc\":\"0\",\"owner\":\"r@\",\"group\":\"g@\","
				      "\"time\":1}",
				      i + 10);

		assert_int_equal(apply_str(db, cmd, &res), 0);
	}
	snprintf(msg, sizeof(msg), "pool_create: the system has the most pools (%d)", MS_POOLS_MAX);
	expect(db, -DER_OVERFLOW, msg, POOL_CREATE(P1) PC_TAIL, NULL);
	assert_int_equal(ms_pool_count(db), MS_POOLS_MAX);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"aaaaaaaa-0000-0000-0000-000000000010\","
	       "\"state\":\"Ready\"}");
	for (int i = 0; i < MS_CONTS_PER_POOL_MAX; i++) {
		const char *cmd = fmt("{\"v\":1,\"op\":\"cont_create\",\"pool\":\"aaaaaaaa-0000-0000-"
				      "0000-000000000010\",\"uuid\":\"cccccccc-0000-0000-0000-%012d\","
				      "\"type\":\"POSIX\",\"owner\":\"u@\",\"group\":\"g@\","
				      "\"time\":1}",
				      MS_CONTS_PER_POOL_MAX - i);

		assert_int_equal(apply_str(db, cmd, &res), 0);
	}
	snprintf(msg, sizeof(msg),
		 "cont_create: pool aaaaaaaa-0000-0000-0000-000000000010 has the most containers "
		 "(%d)",
		 MS_CONTS_PER_POOL_MAX);
	expect(db, -DER_OVERFLOW, msg,
	       "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"aaaaaaaa-0000-0000-0000-000000000010\","
	       "\"uuid\":\"cccccccc-0000-0000-0000-100000000000\",\"type\":\"POSIX\","
	       "\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}",
	       NULL);
	{
		struct ms_cont_info *list;
		uint32_t             nr;
		uuid_t               u;

		uuid_of("aaaaaaaa-0000-0000-0000-000000000010", u);
		assert_int_equal(ms_cont_list(db, u, &list, &nr), 0);
		assert_int_equal(nr, MS_CONTS_PER_POOL_MAX);
		for (uint32_t i = 1; i < nr; i++)
			assert_true(uuid_compare(list[i - 1].ci_uuid, list[i].ci_uuid) < 0);
		free(list);
	}
	ms_db_destroy(db);
}

/* MSP19: pool commands are not encoded by ms_cmd_encode; unknown ops stay -DER_PROTO */
static void
msp19_encode_and_ops(void **state)
{
	struct ms_db *db = db_members(1);
	struct ms_cmd c  = {.mc_op = MS_CMD_POOL_CREATE};
	char          err[256];
	void         *buf = NULL;
	size_t        len = 0;

	(void)state;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "pool_create: ms_cmd_encode does not encode this command");
	c.mc_op = MS_CMD_CONT_ALLOC_OIDS;
	assert_int_equal(ms_cmd_encode(&c, &buf, &len, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "cont_alloc_oids: ms_cmd_encode does not encode this command");
	assert_null(buf);
	expect(db, -DER_PROTO, "unknown command 'pool_query'",
	       "{\"v\":1,\"op\":\"pool_query\",\"uuid\":\"" P1 "\"}", NULL);
	expect(db, -DER_INVAL, "cont_destroy: missing field 'cont'",
	       "{\"v\":1,\"op\":\"cont_destroy\",\"pool\":\"" P1 "\"}", NULL);
	expect(db, -DER_INVAL, "cont_snap_destroy: unknown field 'name'",
	       CONT("cont_snap_destroy", P1, C1) ",\"epoch\":1,\"name\":\"x\"}", NULL);
	ms_db_destroy(db);
}

/* MSP21: pool_set_attr sets and deletes pool attributes as containers do;
 * refused on a pool that is not Ready; ms_pool_attrs and pr_nr_attrs */
static void
msp21_pool_attrs(void **state)
{
	struct ms_db       *db = db_pool();
	struct ms_db_result res;
	struct ms_pool_rec *rec;
	struct ms_attr     *attrs;
	uuid_t              p1;
	uuid_t              p2;
	uint32_t            nr;
	char                list[8192];
	char                msg[MS_MSG_MAX];
	size_t              n = 0;

	(void)state;
	uuid_of(P1, p1);
	uuid_of(P2, p2);
	assert_int_equal(ms_pool_attrs(db, p1, &attrs, &nr), 0);
	assert_null(attrs);
	assert_int_equal(nr, 0);
	expect(db, 0, "", PATTR(P1) ",\"attrs\":{\"b\":\"aGVsbG8=\",\"a\":\"\"}}", &res);
	assert_int_equal(res.mr_changed, 2);
	assert_int_equal(ms_pool_attrs(db, p1, &attrs, &nr), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(attrs[0].ma_name, "a");
	assert_int_equal(attrs[0].ma_len, 0);
	assert_string_equal(attrs[1].ma_name, "b");
	assert_memory_equal(attrs[1].ma_value, "hello", 5);
	free(attrs);
	assert_int_equal(ms_pool_get(db, p1, &rec), 0);
	assert_int_equal(rec->pr_nr_attrs, 2);
	free(rec);
	ok(db, PATTR(P1) ",\"attrs\":{\"b\":\"aGk=\"},\"delete\":[\"a\"]}");
	assert_int_equal(ms_pool_attrs(db, p1, &attrs, &nr), 0);
	assert_int_equal(nr, 1);
	assert_memory_equal(attrs[0].ma_value, "hi", 2);
	free(attrs);

	/* Refusals: the pool named, the rules of container attributes. */
	expect(db, -DER_NONEXIST, "pool_set_attr: attribute 'zz' does not exist in pool " P1,
	       PATTR(P1) ",\"delete\":[\"zz\"]}", NULL);
	expect(db, -DER_NONEXIST, "pool_set_attr: pool " P2 " does not exist",
	       PATTR(P2) ",\"attrs\":{\"a\":\"\"}}", NULL);
	expect(db, -DER_INVAL, "pool_set_attr: attribute 'a' is not canonical base64",
	       PATTR(P1) ",\"attrs\":{\"a\":\"aGk\"}}", NULL);
	expect(db, -DER_INVAL,
	       "pool_set_attr: nothing to do: fields 'attrs' and 'delete' are absent or empty",
	       PATTR(P1) "}", NULL);
	expect(db, -DER_INVAL, "pool_set_attr: unknown field 'pool'",
	       PATTR(P1) ",\"pool\":\"" P1 "\",\"attrs\":{\"a\":\"\"}}", NULL);
	expect(db, -DER_INVAL, "pool_set_attr: field 'uuid' must be a string, got integer",
	       "{\"v\":1,\"op\":\"pool_set_attr\",\"uuid\":5,\"attrs\":{\"a\":\"\"}}", NULL);
	/* Limits as containers: 256 attributes. */
	for (int i = 0; i < MS_ATTRS_MAX - 1; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"a%03d\":\"\"", i ? "," : "",
				      i);
	ok(db, fmt(PATTR(P1) ",\"attrs\":{%s}}", list));
	snprintf(msg, sizeof(msg), "pool_set_attr: pool " P1 " would have %d attributes, more than %d",
		 MS_ATTRS_MAX + 1, MS_ATTRS_MAX);
	expect(db, -DER_OVERFLOW, msg, PATTR(P1) ",\"attrs\":{\"new\":\"\"}}", NULL);
	/* Only a Ready pool: Creating and Destroying ones are busy. */
	ok(db, POOL_CREATE(P2) PC_TAIL);
	expect(db, -DER_BUSY, "pool_set_attr: pool " P2 " is Creating",
	       PATTR(P2) ",\"attrs\":{\"a\":\"\"}}", NULL);
	ok(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Destroying\"}");
	expect(db, -DER_BUSY, "pool_set_attr: pool " P1 " is Destroying",
	       PATTR(P1) ",\"attrs\":{\"a\":\"\"}}", NULL);
	assert_int_equal(ms_pool_attrs(db, p2, &attrs, &nr), 0);
	assert_int_equal(nr, 0);
	assert_int_equal(ms_pool_attrs(db, NULL, &attrs, &nr), -DER_NONEXIST);
	assert_int_equal(ms_pool_attrs(db, p1, NULL, &nr), -DER_INVAL);
	ms_db_destroy(db);
}

/* MSP22: pool attributes in the snapshot: kept byte for byte, absent in
 * snapshots from before them, checked when present */
static void
msp22_pool_attrs_snapshot(void **state)
{
	struct ms_db   *a = db_pool();
	struct ms_db   *b = db_members(5);
	struct ms_attr *attrs;
	struct snap     s;
	uuid_t          p1;
	uint32_t        nr;
	char           *body, *t;
	char            err[256];

	(void)state;
	uuid_of(P1, p1);
	ok(a, PATTR(P1) ",\"attrs\":{\"k\":\"AP8=\"}}");
	s = take(a);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), 0);
	assert_same(b, s);
	assert_int_equal(ms_pool_attrs(b, p1, &attrs, &nr), 0);
	assert_int_equal(nr, 1);
	assert_memory_equal(attrs[0].ma_value, "\x00\xff", 2);
	free(attrs);
	body = strndup((char *)s.s_buf + MS_DB_HDR_SIZE, s.s_len - MS_DB_HDR_SIZE);
	assert_non_null(body);
	assert_non_null(strstr(body, ",\"attrs\":{\"k\":\"AP8=\"},\"conts\":"));
	free(s.s_buf);

	/* Without "attrs" (an older snapshot): no attributes. */
	t = subst(body, ",\"attrs\":{\"k\":\"AP8=\"}", "");
	s = forge(2, t);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), 0);
	assert_int_equal(ms_pool_attrs(b, p1, &attrs, &nr), 0);
	assert_int_equal(nr, 0);
	free(s.s_buf);
	free(t);
	/* Present but wrong: refused with the field named. */
	t = subst(body, "\"AP8=\"", "\"AP8\"");
	s = forge(2, t);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "pool 0: field 'attrs': entry 'k' is invalid");
	free(s.s_buf);
	free(t);
	t = subst(body, ",\"attrs\":{\"k\":\"AP8=\"}", ",\"attrs\":[]");
	s = forge(2, t);
	assert_int_equal(ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err)), -DER_DF_INVAL);
	assert_string_equal(err, "pool 0: field 'attrs' must be an object, got array");
	free(s.s_buf);
	free(t);
	free(body);
	ms_db_destroy(a);
	ms_db_destroy(b);
}

struct prop_case {
	const char *pc_name;
	const char *pc_value;
	bool        pc_create;
	int         pc_rc;
	const char *pc_out; /* canonical text, or the message */
};

/* MSP23: pool properties: canonical values, defaults, display, and every
 * class of refusal with its message */
static void
msp23_pool_props(void **state)
{
	static const struct prop_case cases[] = {
	    {"reclaim", "time", false, 0, "time"},
	    {"reclaim", "wat", false, -DER_INVAL,
	     "invalid reclaim value wat (valid values: disabled, lazy, time)"},
	    {"space_rb", "25", false, 0, "25"},
	    {"space_rb", "25%", false, 0, "25"},
	    {"space_rb", "101", false, -DER_INVAL, "invalid space_rb value 101 (valid values: 0-100)"},
	    {"space_rb", "%", false, -DER_INVAL, "invalid space_rb value % (valid values: 0-100)"},
	    {"space_rb", "-1", false, -DER_INVAL, "invalid space_rb value -1 (valid values: 0-100)"},
	    {"self_heal", "rebuild,exclude", false, 0, "exclude,rebuild"},
	    {"self_heal", "delay_rebuild", false, 0, "delay_rebuild"},
	    {"self_heal", "rebuild,delay_rebuild", false, -DER_INVAL,
	     "invalid self_heal value rebuild,delay_rebuild (valid values: exclude, rebuild, "
	     "delay_rebuild, exclude,rebuild, exclude,delay_rebuild)"},
	    {"self_heal", "exclude,exclude", false, -DER_INVAL,
	     "invalid self_heal value exclude,exclude (valid values: exclude, rebuild, "
	     "delay_rebuild, exclude,rebuild, exclude,delay_rebuild)"},
	    {"ec_cell_sz", "1MiB", false, 0, "1048576"},
	    {"ec_cell_sz", "512", false, -DER_INVAL,
	     "invalid ec_cell_sz value 512 (valid values: 1.0 KiB - 1.0 GiB)"},
	    {"ec_cell_sz", "2GiB", false, -DER_INVAL,
	     "invalid ec_cell_sz value 2GiB (valid values: 1.0 KiB - 1.0 GiB)"},
	    {"label", "tank2", false, 0, "tank2"},
	    {"label", "a b", false, -DER_INVAL,
	     "invalid label 'a b' (1 to 127 of A-Z a-z 0-9 _ . : -, not a UUID)"},
	    {"svc_rf", "3", true, 0, "3"},
	    {"svc_rf", "3", false, -DER_INVAL, "pool property 'svc_rf' can only be set at pool create"},
	    {"svc_rf", "5", true, -DER_INVAL, "invalid svc_rf value 5 (valid values: 0-4)"},
	    {"perf_domain", "group", true, 0, "group"},
	    {"global_version", "2", true, -DER_INVAL, "pool property 'global_version' is read-only"},
	    {"svc_list", "0", false, -DER_INVAL, "pool property 'svc_list' is read-only"},
	    {"nope", "1", false, -DER_INVAL, "unknown pool property 'nope'"},
	    {"checkpoint_thresh", "9", false, -DER_INVAL,
	     "invalid checkpoint_thresh value 9 (valid values: 10-75)"},
	    {"rd_fac", "00000000000000000000001", false, -DER_INVAL,
	     "invalid rd_fac value 00000000000000000000001 (valid values: 0-4)"},
	};
	char out[MS_PROP_VALUE_MAX];
	char err[256];
	int  i;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct prop_case *c = &cases[k];
		int rc = ms_pool_prop_check(c->pc_name, c->pc_value, c->pc_create, out, sizeof(out),
					    err, sizeof(err));

		print_message("  %s:%s\n", c->pc_name, c->pc_value);
		assert_int_equal(rc, c->pc_rc);
		assert_string_equal(rc == 0 ? out : err, c->pc_out);
	}
	assert_int_equal(ms_pool_prop_check(NULL, "x", true, out, sizeof(out), err, sizeof(err)),
			 -DER_INVAL);
	/* Names are sorted and known; descriptions are DAOS's. */
	assert_int_equal(ms_pool_prop_nr(), 23);
	for (uint32_t k = 1; k < ms_pool_prop_nr(); k++)
		assert_true(strcmp(ms_pool_prop_name(k - 1), ms_pool_prop_name(k)) < 0);
	assert_null(ms_pool_prop_name(ms_pool_prop_nr()));
	i = ms_pool_prop_find("space_rb");
	assert_true(i >= 0);
	assert_string_equal(ms_pool_prop_desc((uint32_t)i), "Rebuild space ratio");
	assert_true(ms_pool_prop_numeric((uint32_t)i));
	assert_string_equal(ms_pool_prop_value((uint32_t)i, NULL), "0");
	assert_int_equal(ms_pool_prop_show((uint32_t)i, "25", out, sizeof(out)), 0);
	assert_string_equal(out, "25%");
	i = ms_pool_prop_find("ec_cell_sz");
	assert_int_equal(ms_pool_prop_show((uint32_t)i, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "64 KiB");
	assert_int_equal(ms_pool_prop_show((uint32_t)i, "1048576", out, sizeof(out)), 0);
	assert_string_equal(out, "1.0 MiB");
	assert_int_equal(ms_pool_prop_show((uint32_t)i, "1048576", out, 4), -DER_TRUNC);
	i = ms_pool_prop_find("data_thresh");
	assert_int_equal(ms_pool_prop_show((uint32_t)i, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "4.0 KiB");
	i = ms_pool_prop_find("self_heal");
	assert_false(ms_pool_prop_numeric((uint32_t)i));
	assert_string_equal(ms_pool_prop_value((uint32_t)i, NULL), "exclude,rebuild");
	i = ms_pool_prop_find("upgrade_status");
	assert_string_equal(ms_pool_prop_value((uint32_t)i, NULL), "not started");
	assert_int_equal(ms_pool_prop_find("nope"), -1);
	assert_int_equal(ms_pool_prop_find(NULL), -1);
	assert_int_equal(ms_pool_prop_show(99, NULL, out, sizeof(out)), -DER_INVAL);
}

/* MSP24: sizes as DAOS's tools take them: units of 1000 and 1024, decimals,
 * and the refusals */
static void
msp24_sizes(void **state)
{
	static const struct {
		const char *s;
		int         rc;
		uint64_t    v;
	} cases[] = {
	    {"0", 0, 0},
	    {"512", 0, 512},
	    {"512B", 0, 512},
	    {"1k", 0, 1000},
	    {"1KB", 0, 1000},
	    {"1Ki", 0, 1024},
	    {"1KiB", 0, 1024},
	    {"10G", 0, 10000000000ull},
	    {"10 GiB", 0, 10737418240ull},
	    {"1T", 0, 1000000000000ull},
	    {"1.5G", 0, 1500000000ull},
	    {"0.5MiB", 0, 524288},
	    {"1e", 0, 1000000000000000000ull},
	    {"16EiB", -DER_OVERFLOW, 0},
	    {"18446744073709551615", 0, UINT64_MAX},
	    {"18446744073709551616", -DER_OVERFLOW, 0},
	    {"", -DER_INVAL, 0},
	    {"G", -DER_INVAL, 0},
	    {"1.", -DER_INVAL, 0},
	    {".5G", -DER_INVAL, 0},
	    {"-1G", -DER_INVAL, 0},
	    {"1X", -DER_INVAL, 0},
	    {"1GiBB", -DER_INVAL, 0},
	    {"1  G", -DER_INVAL, 0},
	    {"1gib", 0, 1073741824ull},
	};
	uint64_t v;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		print_message("  '%s'\n", cases[k].s);
		v = 7;
		assert_int_equal(ms_size_parse(cases[k].s, &v), cases[k].rc);
		if (cases[k].rc == 0)
			assert_true(v == cases[k].v);
	}
	assert_int_equal(ms_size_parse(NULL, &v), -DER_INVAL);
	assert_int_equal(ms_size_parse("1", NULL), -DER_INVAL);
}

/* MSP25: base64 of the API; NVMe minimum of 16 MiB per target (file-backed
 * emulation, see ms_pool.h) */
static void
msp25_b64_nvme_min(void **state)
{
	struct ms_db *db = db_members(5);
	uint8_t       bin[6] = {0, 1, 2, 0xfd, 0xfe, 0xff};
	uint8_t       back[8];
	char          txt[16];

	(void)state;
	assert_int_equal(ms_b64_len(6), 8);
	assert_int_equal(ms_b64_len(0), 0);
	ms_b64_encode(bin, 6, txt);
	assert_string_equal(txt, "AAEC/f7/");
	assert_int_equal(ms_b64_decode(txt, 8, back), 6);
	assert_memory_equal(back, bin, 6);
	ms_b64_encode(bin, 1, txt);
	assert_string_equal(txt, "AA==");
	assert_int_equal(ms_b64_decode("AB==", 4, back), -1);
	assert_int_equal(ms_b64_decode("AAA", 3, back), -1);
	assert_int_equal(MS_POOL_NVME_MIN, 16ull << 20);
	expect(db, -DER_INVAL, "pool_create: field 'nvme' must be 0 or at least 16777216, got 16777215",
	       POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":16777215,"
			       "\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}",
	       NULL);
	ok(db, POOL_CREATE(P1) "\"ranks\":\"0\",\"targets\":[4],\"scm\":16777216,\"nvme\":16777216,"
			       "\"svc\":\"0\",\"owner\":\"root@\",\"group\":\"root@\",\"time\":1}");
	ms_db_destroy(db);
}

#ifndef MSP_NO_INJECT
/* Fail each allocation of @json in turn: every failure is -DER_NOMEM and changes nothing. */
static void
nomem_loop(struct ms_db *db, const char *json)
{
	struct ms_db_result res;
	struct snap         before = take(db);
	int                 rc;

	print_message("  %.160s\n", json);
	for (int k = 1;; k++) {
		assert_true(k < 100000);
		g_fail_in = k;
		rc        = apply_str(db, json, &res);
		g_fail_in = 0;
		if (rc == 0)
			break;
		if (rc != -DER_NOMEM)
			fail_msg("allocation %d: " DF_RC " (%s)", k, DP_RC(rc), res.mr_msg);
		assert_string_equal(res.mr_msg, "out of memory");
		assert_same(db, before);
	}
	free(before.s_buf);
}
#endif

#ifndef MSP_NO_INJECT
/* MSP20: -DER_NOMEM at any allocation of a command or a restore changes nothing
 * (not built under sanitizers, whose allocator cannot be replaced) */
static void
msp20_nomem(void **state)
{
	struct ms_db       *db = db_members(5);
	struct ms_db       *b  = db_members(5);
	struct ms_pool_rec *rec = NULL;
	json_malloc_t       saved_malloc;
	json_free_t         saved_free;
	struct snap         s;
	struct snap         sb;
	char                err[256];
	uuid_t              u;
	int                 rc;

	(void)state;
	json_get_alloc_funcs(&saved_malloc, &saved_free);
	json_set_alloc_funcs(json_alloc_plain, free);
	nomem_loop(db, POOL_CREATE(P1) "\"label\":\"tank\",\"props\":{\"a\":\"b\"}," PC_TAIL);
	nomem_loop(db, POOL_CREATE(P2) PC_TAIL);
	nomem_loop(db, "{\"v\":1,\"op\":\"pool_set_state\",\"uuid\":\"" P1 "\",\"state\":\"Ready\"}");
	nomem_loop(db, "{\"v\":1,\"op\":\"pool_set_prop\",\"uuid\":\"" P1 "\",\"props\":{\"label\":"
		       "\"t2\",\"c\":\"d\"}}");
	nomem_loop(db, "{\"v\":1,\"op\":\"pool_tgt_state\",\"uuid\":\"" P1 "\",\"ranks\":\"1-2\","
		       "\"targets\":\"0,2\",\"state\":\"DOWN\"}");
	nomem_loop(db, PATTR(P1) ",\"attrs\":{\"pa\":\"AAEC\",\"pb\":\"\"}}");
	nomem_loop(db, PATTR(P1) ",\"attrs\":{\"pc\":\"AA==\"},\"delete\":[\"pb\"]}");
	nomem_loop(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
		       "\"label\":\"c1\",\"type\":\"POSIX\",\"props\":{\"x\":\"y\"},\"owner\":\"u@\","
		       "\"group\":\"g@\",\"time\":1}");
	nomem_loop(db, CONT("cont_set_prop", P1, C1) ",\"props\":{\"x\":\"z\",\"label\":\"c9\"}}");
	nomem_loop(db, CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\":\"AAEC\",\"b\":\"\"}}");
	nomem_loop(db, CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"c\":\"AA==\"},\"delete\":[\"a\"]}");
	nomem_loop(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":5,\"name\":\"s\"}");
	nomem_loop(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":3}");
	nomem_loop(db, CONT("cont_snap_destroy", P1, C1) ",\"epoch\":5}");
	nomem_loop(db, CONT("cont_alloc_oids", P1, C1) ",\"count\":5}");
	nomem_loop(db, CONT("cont_destroy", P1, C1) "}");
	nomem_loop(db, "{\"v\":1,\"op\":\"cont_create\",\"pool\":\"" P1 "\",\"uuid\":\"" C1 "\","
		       "\"type\":\"HDF5\",\"owner\":\"u@\",\"group\":\"g@\",\"time\":1}");
	nomem_loop(db, CONT("cont_set_attr", P1, C1) ",\"attrs\":{\"a\":\"AAEC\"}}");
	nomem_loop(db, CONT("cont_snap_create", P1, C1) ",\"epoch\":7}");

	/* Restore: every failure leaves the target as it was. */
	s  = take(db);
	sb = take(b);
	for (int k = 1;; k++) {
		assert_true(k < 100000);
		g_fail_in = k;
		rc        = ms_db_restore(b, s.s_buf, s.s_len, err, sizeof(err));
		g_fail_in = 0;
		if (rc == 0)
			break;
		assert_int_equal(rc, -DER_NOMEM);
		assert_same(b, sb);
	}
	assert_same(b, s);
	/* Snapshot and queries report it too. */
	for (int k = 1;; k++) {
		struct snap t;

		assert_true(k < 100000);
		g_fail_in = k;
		rc        = ms_db_snapshot(b, &t.s_buf, &t.s_len);
		g_fail_in = 0;
		if (rc == 0) {
			assert_int_equal(t.s_len, s.s_len);
			assert_memory_equal(t.s_buf, s.s_buf, s.s_len);
			free(t.s_buf);
			break;
		}
		assert_int_equal(rc, -DER_NOMEM);
	}
	uuid_of(P1, u);
	g_fail_in = 1;
	assert_int_equal(ms_pool_get(b, u, &rec), -DER_NOMEM);
	g_fail_in = 0;
	assert_null(rec);
	nomem_loop(b, "{\"v\":1,\"op\":\"pool_destroy\",\"uuid\":\"" P1 "\"}");
	nomem_loop(b, "{\"v\":1,\"op\":\"erase\"}");
	json_set_alloc_funcs(saved_malloc, saved_free);
	free(s.s_buf);
	free(sb.s_buf);
	ms_db_destroy(db);
	ms_db_destroy(b);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(msp01_labels),          cmocka_unit_test(msp02_pool_create),
	    cmocka_unit_test(msp03_pool_create_state), cmocka_unit_test(msp04_pool_create_bad),
	    cmocka_unit_test(msp05_pool_state),      cmocka_unit_test(msp06_pool_destroy),
	    cmocka_unit_test(msp07_pool_set_prop),   cmocka_unit_test(msp08_tgt_state),
	    cmocka_unit_test(msp09_cont_create),     cmocka_unit_test(msp10_cont_set_prop),
	    cmocka_unit_test(msp11_attrs),           cmocka_unit_test(msp12_snaps),
	    cmocka_unit_test(msp13_alloc_oids),      cmocka_unit_test(msp14_erase_remove),
	    cmocka_unit_test(msp15_round_trip),      cmocka_unit_test(msp16_restore_v1),
	    cmocka_unit_test(msp17_restore_corrupt), cmocka_unit_test(msp18_table_limits),
	    cmocka_unit_test(msp19_encode_and_ops),  cmocka_unit_test(msp21_pool_attrs),
	    cmocka_unit_test(msp22_pool_attrs_snapshot), cmocka_unit_test(msp23_pool_props),
	    cmocka_unit_test(msp24_sizes),           cmocka_unit_test(msp25_b64_nvme_min),
#ifndef MSP_NO_INJECT
	    cmocka_unit_test(msp20_nomem),
#endif
	};

	return cmocka_run_group_tests_name("ms_pool", tests, NULL, NULL);
}
