/*
 * test_storage.c: an engine's storage (src/control/storage.c): format, scan,
 * erase, the superblock and the safety of wipes.
 *
 * Every test builds its own engine configuration over fresh mkdtemp
 * directories (the SCM directory under /tmp, one bdev file under /tmp and one
 * under /var/tmp) and removes them afterwards. DAOS_SCM_NO_MOUNT=1 is set for
 * the whole run so class ram uses the directory, except in STOR14, which
 * mounts a real tmpfs when the process may (and is skipped otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <daos_errno.h>
#include "bio/bio.h"
#include "control/storage.h"

#define SYS   "daos_server"
#define SMALL (8ull << 20) /* bdev size used by the tests */

/* One test's directories and engine config. */
struct tenv {
	char                  te_root[64];     /* /tmp/stor.XXXXXX */
	char                  te_vroot[64];    /* /var/tmp/stor.XXXXXX */
	char                  te_scm[128];
	char                  te_bdev0[128];
	char                  te_bdev1[128];
	char                 *te_bdevs[2];
	char                 *te_scm_list[1];
	struct srv_engine_cfg te_ec;
};

static void
rm_rf(const char *path)
{
	char cmd[300];

	if (path[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static int
tenv_setup(void **state)
{
	struct tenv *te = calloc(1, sizeof(*te));

	if (te == NULL)
		return -1;
	strcpy(te->te_root, "/tmp/stor.XXXXXX");
	strcpy(te->te_vroot, "/var/tmp/stor.XXXXXX");
	assert_non_null(mkdtemp(te->te_root));
	assert_non_null(mkdtemp(te->te_vroot));
	snprintf(te->te_scm, sizeof(te->te_scm), "%s/scm", te->te_root);
	snprintf(te->te_bdev0, sizeof(te->te_bdev0), "%s/bdev0.img", te->te_root);
	snprintf(te->te_bdev1, sizeof(te->te_bdev1), "%s/bdev1.img", te->te_vroot);
	te->te_bdevs[0] = te->te_bdev0;
	te->te_bdevs[1] = te->te_bdev1;

	te->te_ec.ec_targets                    = 2;
	te->te_ec.ec_tiers_nr                   = 2;
	te->te_ec.ec_tiers[0].tc_class          = SRV_TIER_RAM;
	te->te_ec.ec_tiers[0].tc_scm_mount      = te->te_scm;
	te->te_ec.ec_tiers[0].tc_scm_size_bytes = 1ull << 30;
	te->te_ec.ec_tiers[1].tc_class          = SRV_TIER_FILE;
	te->te_ec.ec_tiers[1].tc_bdev_list      = (struct cfg_strlist){te->te_bdevs, 2};
	/* Not a multiple of 4 KiB, like any bdev_size in GB: rounded down. */
	te->te_ec.ec_tiers[1].tc_bdev_size_bytes = SMALL + 1000;
	*state                                   = te;
	return 0;
}

static int
tenv_teardown(void **state)
{
	struct tenv *te = *state;

	(void)umount2(te->te_scm, MNT_DETACH);
	rm_rf(te->te_root);
	rm_rf(te->te_vroot);
	free(te);
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	return setenv(SRV_SCM_NO_MOUNT_ENV, "1", 1);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *
read_file(const char *path)
{
	static char buf[65536];
	FILE       *f = fopen(path, "r");
	size_t      n;

	assert_non_null(f);
	n      = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static uint64_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static unsigned
dir_entries(const char *path)
{
	char   pat[200];
	glob_t g;
	unsigned n;

	snprintf(pat, sizeof(pat), "%s/*", path);
	if (glob(pat, GLOB_PERIOD, NULL, &g) != 0)
		return 0;
	n = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *b = strrchr(g.gl_pathv[i], '/') + 1;

		if (strcmp(b, ".") != 0 && strcmp(b, "..") != 0)
			n++;
	}
	globfree(&g);
	return n;
}

static void
format_ok(struct tenv *te, uint32_t idx, bool force, struct srv_format_result *res)
{
	char err[512];
	int  rc;

	rc = srv_storage_format(SYS, &te->te_ec, idx, force, res, err, sizeof(err));
	if (rc != 0)
		fail_msg("format: %s", err);
	assert_string_equal(err, "");
}

/* STOR01: format of ram-as-directory and two file bdevs (/tmp and /var/tmp) */
static void
stor01_format(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct stat              st;

	format_ok(te, 0, false, &res);
	assert_int_equal(res.fr_scm_rc, 0);
	assert_int_equal(res.fr_nvme_rc, 0);
	assert_string_equal(res.fr_scm_msg, "");
	assert_string_equal(res.fr_nvme_msg, "");
	assert_false(res.fr_scm_tmpfs);
	assert_false(res.fr_reformat);
	assert_false(uuid_is_null(res.fr_uuid));
	/* The SCM directory was created; bdev_size rounded down to BIO_ALIGN. */
	assert_int_equal(stat(te->te_scm, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(file_size(te->te_bdev0), SMALL);
	assert_int_equal(file_size(te->te_bdev1), SMALL);
	/* Only the superblock is on SCM, no temporary file is left behind. */
	assert_int_equal(dir_entries(te->te_scm), 1);
}

/* STOR02: superblock contents after a format (parsed and as raw JSON) */
static void
stor02_superblock_contents(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct srv_superblock    sb;
	char                     path[200];
	char                     us[37];
	char                     err[256];
	struct stat              st;
	const char              *raw;

	format_ok(te, 3, false, &res);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(sb.sb_version, SRV_SB_VERSION);
	assert_string_equal(sb.sb_system, SYS);
	assert_int_equal(sb.sb_engine_idx, 3);
	assert_int_equal(uuid_compare(sb.sb_uuid, res.fr_uuid), 0);
	assert_int_equal(sb.sb_rank, D_RANK_NIL);
	assert_true(sb.sb_format_time > 1700000000);
	assert_int_equal(sb.sb_scm_class, SRV_TIER_RAM);
	assert_int_equal(sb.sb_scm_size, 1ull << 30);
	assert_false(sb.sb_scm_tmpfs);
	assert_string_equal(sb.sb_scm_mount, te->te_scm);
	assert_int_equal(sb.sb_bdevs_nr, 2);
	assert_int_equal(sb.sb_bdevs[0].sbd_tier, 1);
	assert_int_equal(sb.sb_bdevs[0].sbd_class, SRV_TIER_FILE);
	assert_string_equal(sb.sb_bdevs[0].sbd_path, te->te_bdev0);
	assert_int_equal(sb.sb_bdevs[0].sbd_size, SMALL);
	assert_string_equal(sb.sb_bdevs[1].sbd_path, te->te_bdev1);
	srv_superblock_free(&sb);
	srv_superblock_free(&sb); /* safe twice */

	snprintf(path, sizeof(path), "%s/%s", te->te_scm, SRV_SB_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	raw = read_file(path);
	uuid_unparse_lower(res.fr_uuid, us);
	assert_non_null(strstr(raw, "{\"magic\":\"DAOS_ENGINE_SUPERBLOCK\",\"version\":1,"
				    "\"system\":\"daos_server\",\"engine_idx\":3,\"uuid\":\""));
	assert_non_null(strstr(raw, us));
	assert_null(strstr(raw, "\"rank\"")); /* no rank until the MS assigns one */
	assert_non_null(strstr(raw, "\"scm\":{\"class\":\"ram\",\"mount\":\""));
	assert_non_null(strstr(raw, "\"size\":1073741824,\"tmpfs\":false}"));
	assert_non_null(strstr(raw, "\"bdevs\":[{\"tier\":1,\"class\":\"file\",\"path\":\""));
}

/* STOR03: a second format without --force is refused with the exact message */
static void
stor03_refuse_second_format(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res, res2;
	struct srv_superblock    sb;
	char                     err[256];

	format_ok(te, 3, false, &res);
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 3, false, &res2, err, sizeof(err)),
			 -DER_EXIST);
	assert_string_equal(err, "storage of engine 3 is already formatted (use --force)");
	assert_int_equal(res2.fr_scm_rc, -DER_EXIST);
	assert_string_equal(res2.fr_scm_msg,
			    "storage of engine 3 is already formatted (use --force)");
	assert_int_equal(res2.fr_nvme_rc, 0);
	/* Nothing changed. */
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_int_equal(uuid_compare(sb.sb_uuid, res.fr_uuid), 0);
	srv_superblock_free(&sb);
	/* errbuf may be NULL. */
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 3, false, &res2, NULL, 0),
			 -DER_EXIST);
}

/* STOR04: --force reformats: new UUID, SCM emptied, symlinked content outside untouched */
static void
stor04_force_reformat(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res, res2;
	struct srv_superblock    sb;
	char                     p[256], outside[256];
	char                     err[256];

	format_ok(te, 1, false, &res);
	snprintf(p, sizeof(p), "%s/pool", te->te_scm);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/pool/deep", te->te_scm);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/pool/deep/vos-0", te->te_scm);
	write_file(p, "data");
	snprintf(p, sizeof(p), "%s/daos_smd.json", te->te_scm);
	write_file(p, "{}");
	snprintf(outside, sizeof(outside), "%s/keep", te->te_root);
	write_file(outside, "precious");
	snprintf(p, sizeof(p), "%s/link", te->te_scm);
	assert_int_equal(symlink(te->te_root, p), 0);
	assert_int_equal(dir_entries(te->te_scm), 4);

	format_ok(te, 1, true, &res2);
	assert_true(res2.fr_reformat);
	assert_int_not_equal(uuid_compare(res.fr_uuid, res2.fr_uuid), 0);
	assert_int_equal(dir_entries(te->te_scm), 1);
	assert_string_equal(read_file(outside), "precious");
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_int_equal(uuid_compare(sb.sb_uuid, res2.fr_uuid), 0);
	assert_int_equal(sb.sb_rank, D_RANK_NIL);
	srv_superblock_free(&sb);
	assert_int_equal(file_size(te->te_bdev0), SMALL);
}

/* STOR05: scan before and after a format */
static void
stor05_scan(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct srv_storage_info  si;
	char                     p[256];

	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_string_equal(si.st_scm.si_mount, te->te_scm);
	assert_int_equal(si.st_scm.si_class, SRV_TIER_RAM);
	assert_false(si.st_scm.si_exists);
	assert_false(si.st_scm.si_formatted);
	assert_int_equal(si.st_scm.si_sb_rc, -DER_NONEXIST);
	assert_int_equal(si.st_bdevs_nr, 2);
	assert_false(si.st_bdevs[0].bi_exists);
	assert_int_equal(si.st_bdevs[0].bi_cfg_size, SMALL + 1000);
	assert_int_equal(si.st_bdevs[1].bi_tier, 1);
	assert_string_equal(si.st_bdevs[1].bi_path, te->te_bdev1);

	format_ok(te, 0, false, &res);
	snprintf(p, sizeof(p), "%s/data", te->te_scm);
	write_file(p, "0123456789");
	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_true(si.st_scm.si_exists);
	assert_false(si.st_scm.si_mounted);
	assert_false(si.st_scm.si_tmpfs);
	assert_true(si.st_scm.si_formatted);
	assert_int_equal(si.st_scm.si_sb_rc, 0);
	assert_string_equal(si.st_scm.si_sb_error, "");
	assert_int_equal(uuid_compare(si.st_scm.si_uuid, res.fr_uuid), 0);
	assert_int_equal(si.st_scm.si_rank, D_RANK_NIL);
	assert_int_equal(si.st_scm.si_cfg_size, 1ull << 30);
	assert_true(si.st_scm.si_total > 0 && si.st_scm.si_total <= (1ull << 30));
	assert_true(si.st_scm.si_used >= 4096); /* superblock + data, in blocks */
	assert_true(si.st_bdevs[0].bi_exists);
	assert_int_equal(si.st_bdevs[0].bi_size, SMALL);
	assert_true(si.st_bdevs[1].bi_exists);

	assert_int_equal(unlink(te->te_bdev1), 0);
	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_false(si.st_bdevs[1].bi_exists);
	assert_int_equal(si.st_bdevs[1].bi_size, 0);

	assert_int_equal(srv_storage_scan(NULL, &si), -DER_INVAL);
	assert_int_equal(srv_storage_scan(&te->te_ec, NULL), -DER_INVAL);
}

static int
parse(const char *text, struct srv_superblock *sb, char *err, size_t len)
{
	return srv_superblock_parse(text, strlen(text), sb, err, len);
}

#define GOOD_UUID "0b7c8d5e-2f3a-4b1c-9d8e-7f6a5b4c3d2e"
#define SB_HEAD   "{\"magic\":\"DAOS_ENGINE_SUPERBLOCK\",\"version\":1,"
#define SB_REST                                                                            \
	"\"system\":\"daos_server\",\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\","          \
	"\"format_time\":1700000000,\"scm\":{\"class\":\"ram\",\"mount\":\"/mnt/daos0\","  \
	"\"size\":1073741824,\"tmpfs\":true},\"bdevs\":[]}"

/* STOR06: superblock corruption: exact codes and messages */
static void
stor06_superblock_corrupt(void **state)
{
	static const struct {
		const char *text;
		int         rc;
		const char *msg;
	} cases[] = {
	    {"not json", -DER_DF_INVAL, "superblock: not JSON: "},
	    {"[1,2]", -DER_DF_INVAL, "superblock: expected an object, got array"},
	    {"{\"magic\":\"XFS\",\"version\":1}", -DER_DF_INVAL,
	     "superblock: magic: 'XFS' is not DAOS_ENGINE_SUPERBLOCK"},
	    {"{\"version\":1}", -DER_DF_INVAL, "superblock: missing key 'magic'"},
	    {"{\"magic\":\"DAOS_ENGINE_SUPERBLOCK\",\"version\":9," SB_REST, -DER_DF_INCOMPT,
	     "superblock layout version 9 not in [1, 1]"},
	    {"{\"magic\":\"DAOS_ENGINE_SUPERBLOCK\",\"version\":0}", -DER_DF_INCOMPT,
	     "superblock layout version 0 not in [1, 1]"},
	    {"{\"magic\":\"DAOS_ENGINE_SUPERBLOCK\",\"version\":\"1\"}", -DER_DF_INVAL,
	     "superblock: version: expected an integer, got string"},
	    {SB_HEAD "\"extra\":1," SB_REST, -DER_DF_INVAL, "superblock: unknown key 'extra'"},
	    {SB_HEAD "\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\"}", -DER_DF_INVAL,
	     "superblock: missing key 'system'"},
	    {SB_HEAD "\"system\":\"daos_server\",\"engine_idx\":16}", -DER_DF_INVAL,
	     "superblock: engine_idx: 16 not in [0, 15]"},
	    {SB_HEAD "\"system\":\"abcdefghijklmnopq\"}", -DER_DF_INVAL,
	     "superblock: system: length 17 not in [1, 15]"},
	    {SB_HEAD "\"system\":\"s\",\"engine_idx\":0,\"uuid\":\"nope\"}", -DER_DF_INVAL,
	     "superblock: uuid: 'nope' is not a UUID"},
	    {SB_HEAD "\"system\":\"s\",\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\","
		     "\"rank\":4294967295}",
	     -DER_DF_INVAL, "superblock: rank: 4294967295 not in [0, 4294967294]"},
	    {SB_HEAD "\"system\":\"s\",\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\","
		     "\"format_time\":1,\"scm\":{\"class\":\"file\"}}",
	     -DER_DF_INVAL, "superblock: scm.class: 'file' is not an SCM class"},
	    {SB_HEAD "\"system\":\"s\",\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\","
		     "\"format_time\":1,\"scm\":{\"class\":\"ram\",\"mount\":\"rel\"}}",
	     -DER_DF_INVAL, "superblock: scm.mount: 'rel' is not an absolute path"},
	    {SB_HEAD "\"system\":\"s\",\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\","
		     "\"format_time\":1,\"scm\":{\"class\":\"ram\",\"mount\":\"/m\",\"size\":1,"
		     "\"tmpfs\":0}}",
	     -DER_DF_INVAL, "superblock: scm.tmpfs: expected true or false, got integer"},
	    {SB_HEAD "\"system\":\"s\",\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\","
		     "\"format_time\":1,\"scm\":{\"class\":\"ram\",\"mount\":\"/m\",\"size\":1,"
		     "\"tmpfs\":false},\"bdevs\":[{\"tier\":1,\"class\":\"ram\",\"path\":\"/x\","
		     "\"size\":1}]}",
	     -DER_DF_INVAL, "superblock: bdevs[0].class: 'ram' is not a bdev class"},
	    {SB_HEAD "\"system\":\"s\",\"engine_idx\":0,\"uuid\":\"" GOOD_UUID "\","
		     "\"format_time\":1,\"scm\":{\"class\":\"ram\",\"mount\":\"/m\",\"size\":1,"
		     "\"tmpfs\":false},\"bdevs\":[{\"tier\":4}]}",
	     -DER_DF_INVAL, "superblock: bdevs[0].tier: 4 not in [1, 3]"},
	    {SB_HEAD "\"magic\":\"again\"}", -DER_DF_INVAL, "superblock: not JSON: "},
	    {SB_HEAD "\"replace\":1," SB_REST, -DER_DF_INVAL,
	     "superblock: replace: expected true or false, got integer"},
	    {SB_HEAD "\"replace\":true," SB_REST, -DER_DF_INVAL,
	     "superblock: replace: set without a rank"},
	};
	struct srv_superblock sb;
	char                  err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&sb, 0, sizeof(sb));
		assert_int_equal(parse(cases[i].text, &sb, err, sizeof(err)), cases[i].rc);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s' does not start with '%s'", i, err, cases[i].msg);
		if (strcmp(cases[i].msg, "superblock: not JSON: ") != 0)
			assert_string_equal(err, cases[i].msg);
		assert_null(sb.sb_bdevs); /* untouched on error */
	}
	/* The good one parses, and its rank is NIL. */
	assert_int_equal(parse(SB_HEAD SB_REST, &sb, err, sizeof(err)), 0);
	assert_int_equal(sb.sb_rank, D_RANK_NIL);
	assert_true(sb.sb_scm_tmpfs);
	srv_superblock_free(&sb);
	/* Oversize input. */
	assert_int_equal(srv_superblock_parse("{}", SRV_SB_FILE_MAX + 1, &sb, err, sizeof(err)),
			 -DER_DF_INVAL);
	assert_string_equal(err, "superblock: 524289 bytes, at most 524288");
}

/* STOR07: file-level corruption through srv_superblock_read, and format over it */
static void
stor07_superblock_file_corrupt(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct srv_superblock    sb;
	char                     path[200];
	char                     err[512];
	char                     want[512];

	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), -DER_NONEXIST);
	snprintf(want, sizeof(want), "%s: No such file or directory", te->te_scm);
	assert_string_equal(err, want);

	format_ok(te, 0, false, &res);
	snprintf(path, sizeof(path), "%s/%s", te->te_scm, SRV_SB_FILE);
	write_file(path, "{\"magic\":\"DAOS_ENGINE_SUPERBLOCK\",\"version\":7}");
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), -DER_DF_INCOMPT);
	snprintf(want, sizeof(want), "%s: superblock layout version 7 not in [1, 1]", path);
	assert_string_equal(err, want);

	/* Format without --force refuses unreadable storage too. */
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, false, &res, err, sizeof(err)),
			 -DER_EXIST);
	snprintf(want, sizeof(want),
		 "storage of engine 0 holds an unusable superblock (%s: superblock layout "
		 "version 7 not in [1, 1]): use --force to reformat", path);
	assert_string_equal(err, want);

	write_file(path, "");
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), -DER_DF_INVAL);
	assert_non_null(strstr(err, "superblock: not JSON"));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), -DER_DF_INVAL);
	snprintf(want, sizeof(want), "%s: not a regular file of at most %d bytes", path,
		 SRV_SB_FILE_MAX);
	assert_string_equal(err, want);

	/* --force replaces it. */
	format_ok(te, 0, true, &res);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	srv_superblock_free(&sb);
}

/* STOR08: class dcpm without PMem hardware is a clear error */
static void
stor08_dcpm(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	char                     err[256];
	glob_t                   g;

	if (glob("/dev/pmem*", 0, NULL, &g) == 0) {
		globfree(&g);
		skip();
	}
	te->te_scm_list[0]                 = "/dev/pmem0";
	te->te_ec.ec_tiers[0].tc_class     = SRV_TIER_DCPM;
	te->te_ec.ec_tiers[0].tc_scm_list  = (struct cfg_strlist){te->te_scm_list, 1};
	assert_int_equal(mkdir(te->te_scm, 0700), 0);
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, false, &res, err, sizeof(err)),
			 -DER_NOTSUPPORTED);
	assert_string_equal(err, "engine 0: class dcpm requires PMem hardware (no /dev/pmem* "
				 "found)");
	assert_int_equal(res.fr_scm_rc, -DER_NOTSUPPORTED);
	assert_string_equal(res.fr_scm_msg, "class dcpm requires PMem hardware (no /dev/pmem* "
					    "found)");
	assert_int_equal(dir_entries(te->te_scm), 0); /* nothing written */
}

/* STOR09: class nvme is refused with the emulation hint; no superblock written */
static void
stor09_nvme(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct srv_storage_info  si;
	char                    *pci[] = {"0000:81:00.0"};
	char                     err[256];

	te->te_ec.ec_tiers[1].tc_class     = SRV_TIER_NVME;
	te->te_ec.ec_tiers[1].tc_bdev_list = (struct cfg_strlist){pci, 1};
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 2, false, &res, err, sizeof(err)),
			 -DER_NOTSUPPORTED);
	assert_string_equal(err, "engine 2: class nvme: SPDK/NVMe PCI devices are not supported "
				 "on this machine (0000:81:00.0; emulation: use bdev_class file)");
	assert_int_equal(res.fr_scm_rc, 0);
	assert_int_equal(res.fr_nvme_rc, -DER_NOTSUPPORTED);
	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_false(si.st_scm.si_formatted);
	assert_false(si.st_bdevs[0].bi_exists);
}

/* STOR10: kdev that is not a block device; bdev_size too small; missing parent dir */
static void
stor10_bdev_errors(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	char                    *kdev[] = {"/dev/null"};
	char                     missing[200];
	char                    *files[] = {missing};
	char                     err[512];
	char                     want[512];

	te->te_ec.ec_tiers[1].tc_class     = SRV_TIER_KDEV;
	te->te_ec.ec_tiers[1].tc_bdev_list = (struct cfg_strlist){kdev, 1};
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, false, &res, err, sizeof(err)),
			 -DER_NONEXIST);
	assert_string_equal(err, "engine 0: class kdev: /dev/null is not a block device");

	te->te_ec.ec_tiers[1].tc_class           = SRV_TIER_FILE;
	te->te_ec.ec_tiers[1].tc_bdev_list       = (struct cfg_strlist){te->te_bdevs, 1};
	te->te_ec.ec_tiers[1].tc_bdev_size_bytes = 4095;
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, false, &res, err, sizeof(err)),
			 -DER_INVAL);
	snprintf(want, sizeof(want), "engine 0: class file: bdev_size of %s is below 4096 bytes",
		 te->te_bdev0);
	assert_string_equal(err, want);

	snprintf(missing, sizeof(missing), "%s/no/such.img", te->te_root);
	te->te_ec.ec_tiers[1].tc_bdev_list       = (struct cfg_strlist){files, 1};
	te->te_ec.ec_tiers[1].tc_bdev_size_bytes = SMALL;
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, false, &res, err, sizeof(err)),
			 -DER_NONEXIST);
	snprintf(want, sizeof(want),
		 "engine 0: cannot create %s of 8388608 bytes: The specified entity does not "
		 "exist", missing);
	assert_string_equal(err, want);
	assert_int_equal(res.fr_nvme_rc, -DER_NONEXIST);
}

/* STOR11: erase removes superblock, SCM contents and file bdevs; twice is fine */
static void
stor11_erase(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct srv_storage_info  si;
	char                     p[200];
	char                     err[256];
	struct stat              st;

	format_ok(te, 0, false, &res);
	snprintf(p, sizeof(p), "%s/sub", te->te_scm);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(srv_storage_erase(&te->te_ec, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(dir_entries(te->te_scm), 0);
	assert_int_equal(stat(te->te_bdev0, &st), -1);
	assert_int_equal(stat(te->te_bdev1, &st), -1);
	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_false(si.st_scm.si_formatted);
	assert_int_equal(si.st_scm.si_sb_rc, -DER_NONEXIST);
	assert_int_equal(srv_storage_erase(&te->te_ec, err, sizeof(err)), 0);
	/* After an erase, format works without --force. */
	format_ok(te, 0, false, &res);
}

/* STOR12: wipe safety: unsafe scm_mount paths are refused with the reason */
static void
stor12_path_check(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	char                     link[200];
	char                     err[512];
	char                     want[512];

	assert_int_equal(srv_storage_path_check("", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "scm_mount is empty");
	assert_int_equal(srv_storage_path_check("mnt/daos", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "scm_mount 'mnt/daos' is not an absolute path");
	assert_int_equal(srv_storage_path_check("/", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "scm_mount '/' is a system directory: refusing to wipe it");
	assert_int_equal(srv_storage_path_check("/usr", err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "scm_mount '/usr' is a system directory: refusing to wipe it");
	assert_int_equal(srv_storage_path_check("/tmp/x/../../etc", err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "scm_mount '/tmp/x/../../etc' has a '.' or '..' component");
	assert_int_equal(srv_storage_path_check("/tmp/./x", err, sizeof(err)), -DER_INVAL);
	snprintf(link, sizeof(link), "%s/root", te->te_root);
	assert_int_equal(symlink("/", link), 0);
	assert_int_equal(srv_storage_path_check(link, err, sizeof(err)), -DER_INVAL);
	snprintf(want, sizeof(want),
		 "scm_mount '%s' resolves to the system directory '/': refusing to wipe it", link);
	assert_string_equal(err, want);
	assert_int_equal(srv_storage_path_check(te->te_scm, err, sizeof(err)), 0);
	assert_int_equal(srv_storage_path_check("/mnt/daos0", err, sizeof(err)), 0);

	/* Format and erase both refuse such a mount. */
	te->te_ec.ec_tiers[0].tc_scm_mount = link;
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, true, &res, err, sizeof(err)),
			 -DER_INVAL);
	snprintf(want, sizeof(want),
		 "engine 0: scm_mount '%s' resolves to the system directory '/': refusing to "
		 "wipe it", link);
	assert_string_equal(err, want);
	assert_int_equal(srv_storage_erase(&te->te_ec, err, sizeof(err)), -DER_INVAL);
	te->te_ec.ec_tiers[0].tc_scm_mount = "/";
	assert_int_equal(srv_storage_erase(&te->te_ec, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "scm_mount '/' is a system directory: refusing to wipe it");
}

/* STOR13: encode/parse round trip; set_rank records the rank, and only when it changes */
static void
stor13_roundtrip_set_rank(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct srv_superblock    sb, sb2;
	char                     path[200];
	char                    *text;
	char                     err[256];
	struct stat              st1, st2;

	format_ok(te, 5, false, &res);
	assert_int_equal(srv_superblock_set_rank(te->te_scm, 7, err, sizeof(err)), 0);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_int_equal(sb.sb_rank, 7);
	assert_int_equal(uuid_compare(sb.sb_uuid, res.fr_uuid), 0);
	assert_int_equal(srv_superblock_encode(&sb, &text), 0);
	assert_non_null(strstr(text, "\"rank\":7,"));
	assert_int_equal(parse(text, &sb2, err, sizeof(err)), 0);
	assert_int_equal(sb2.sb_rank, 7);
	assert_int_equal(sb2.sb_bdevs_nr, sb.sb_bdevs_nr);
	assert_string_equal(sb2.sb_bdevs[1].sbd_path, sb.sb_bdevs[1].sbd_path);
	free(text);
	srv_superblock_free(&sb2);

	snprintf(path, sizeof(path), "%s/%s", te->te_scm, SRV_SB_FILE);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(srv_superblock_set_rank(te->te_scm, 7, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* not rewritten */
	assert_int_equal(srv_superblock_set_rank(te->te_scm, 8, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino); /* replaced by rename */

	/* Encoding refuses what would not parse back. */
	sb.sb_version = 2;
	assert_int_equal(srv_superblock_encode(&sb, &text), -DER_INVAL);
	sb.sb_version = 1;
	uuid_clear(sb.sb_uuid);
	assert_int_equal(srv_superblock_write(te->te_scm, &sb, err, sizeof(err)), -DER_INVAL);
	srv_superblock_free(&sb);

	/* Unformatted storage: set_rank reports it. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(srv_superblock_set_rank(te->te_scm, 1, err, sizeof(err)), -DER_NONEXIST);
	/* Writing into a missing directory. */
	format_ok(te, 5, false, &res);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/none", te->te_root);
	assert_int_equal(srv_superblock_write(path, &sb, err, sizeof(err)), -DER_NONEXIST);
	srv_superblock_free(&sb);
}

/* STOR14: class ram mounts a tmpfs of scm_size when permitted; erase unmounts it */
static void
stor14_tmpfs_mount(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	struct srv_storage_info  si;
	struct srv_superblock    sb;
	char                     err[256];
	int                      rc;

	assert_int_equal(unsetenv(SRV_SCM_NO_MOUNT_ENV), 0);
	te->te_ec.ec_tiers[0].tc_scm_size_bytes = 64ull << 20;
	rc = srv_storage_format(SYS, &te->te_ec, 0, false, &res, err, sizeof(err));
	assert_int_equal(setenv(SRV_SCM_NO_MOUNT_ENV, "1", 1), 0);
	assert_int_equal(rc, 0);
	if (!res.fr_scm_tmpfs)
		skip(); /* not permitted here: the directory was used (STOR01 covers it) */
	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_true(si.st_scm.si_mounted);
	assert_true(si.st_scm.si_tmpfs);
	assert_int_equal(si.st_scm.si_total, 64ull << 20);
	assert_true(si.st_scm.si_formatted);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_true(sb.sb_scm_tmpfs);
	srv_superblock_free(&sb);
	/* Reformat keeps (and resizes) the mount. */
	te->te_ec.ec_tiers[0].tc_scm_size_bytes = 32ull << 20;
	format_ok(te, 0, true, &res);
	assert_true(res.fr_scm_tmpfs);
	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_int_equal(si.st_scm.si_total, 32ull << 20);
	assert_int_equal(srv_storage_erase(&te->te_ec, err, sizeof(err)), 0);
	assert_int_equal(srv_storage_scan(&te->te_ec, &si), 0);
	assert_false(si.st_scm.si_mounted);
}

/* STOR16: a reformat keeps the rank and marks it to replace; set_rank clears the mark;
 * storage formatted for another system or engine slot gets no rank */
static void
stor16_reformat_keeps_rank(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res, res2;
	struct srv_superblock    sb;
	char                     err[256];
	char                    *text;

	format_ok(te, 2, false, &res);
	assert_int_equal(srv_superblock_set_rank(te->te_scm, 5, err, sizeof(err)), 0);
	format_ok(te, 2, true, &res2);
	assert_int_not_equal(uuid_compare(res.fr_uuid, res2.fr_uuid), 0);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_int_equal(sb.sb_rank, 5);
	assert_true(sb.sb_replace);
	assert_int_equal(srv_superblock_encode(&sb, &text), 0);
	assert_non_null(strstr(text, "\"rank\":5,\"replace\":true,"));
	free(text);
	srv_superblock_free(&sb);

	/* The join confirmed rank 5: the mark goes, the rank stays. */
	assert_int_equal(srv_superblock_set_rank(te->te_scm, 5, err, sizeof(err)), 0);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_int_equal(sb.sb_rank, 5);
	assert_false(sb.sb_replace);
	srv_superblock_free(&sb);

	/* Formatted as another engine slot: the rank is not this slot's to keep. */
	format_ok(te, 3, true, &res);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_int_equal(sb.sb_rank, D_RANK_NIL);
	assert_false(sb.sb_replace);
	srv_superblock_free(&sb);

	/* Another system's storage: no rank either. */
	assert_int_equal(srv_superblock_set_rank(te->te_scm, 6, err, sizeof(err)), 0);
	assert_int_equal(srv_storage_format("other", &te->te_ec, 3, true, &res, err, sizeof(err)), 0);
	assert_int_equal(srv_superblock_read(te->te_scm, &sb, err, sizeof(err)), 0);
	assert_int_equal(sb.sb_rank, D_RANK_NIL);
	srv_superblock_free(&sb);
}

/* STOR15: bad arguments */
static void
stor15_bad_args(void **state)
{
	struct tenv             *te = *state;
	struct srv_format_result res;
	char                     err[256];

	assert_int_equal(srv_storage_format(NULL, &te->te_ec, 0, false, &res, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "system name must have 1 to 15 characters");
	assert_int_equal(res.fr_scm_rc, -DER_INVAL);
	assert_int_equal(srv_storage_format("abcdefghijklmnop", &te->te_ec, 0, false, &res, err,
					    sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "system name must have 1 to 15 characters");
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 16, false, &res, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "engine 16 has no SCM tier (ram or dcpm) first");
	te->te_ec.ec_tiers[0].tc_class = SRV_TIER_FILE;
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, false, &res, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "engine 0 has no SCM tier (ram or dcpm) first");
	assert_int_equal(srv_storage_erase(&te->te_ec, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(srv_storage_format(SYS, &te->te_ec, 0, false, NULL, err, sizeof(err)),
			 -DER_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(stor01_format, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor02_superblock_contents, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor03_refuse_second_format, tenv_setup,
					    tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor04_force_reformat, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor05_scan, tenv_setup, tenv_teardown),
	    cmocka_unit_test(stor06_superblock_corrupt),
	    cmocka_unit_test_setup_teardown(stor07_superblock_file_corrupt, tenv_setup,
					    tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor08_dcpm, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor09_nvme, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor10_bdev_errors, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor11_erase, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor12_path_check, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor13_roundtrip_set_rank, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor14_tmpfs_mount, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor15_bad_args, tenv_setup, tenv_teardown),
	    cmocka_unit_test_setup_teardown(stor16_reformat_keeps_rank, tenv_setup, tenv_teardown),
	};

	return cmocka_run_group_tests_name("storage", tests, group_setup, NULL);
}
