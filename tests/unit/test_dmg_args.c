/*
 * test_dmg_args.c: dmg without a server (src/tools/dmg).
 *
 * The command tree and its aliases, every class of bad argument with its
 * exact message, the help text, the requests dmg sends, and the rendering of
 * fixed replies into DAOS's tables (the administration guide's usage example
 * reproduced byte for byte) and into the -j envelope. Malformed replies are
 * refused with the field named. Configuration loading uses a temporary HOME.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <daos_errno.h>
#include "tools/common/cli_args.h"
#include "tools/dmg/dmg.h"

#define ARGV_MAX 64

/* Split a command line on blanks (no quoting) and parse it. */
static int
parse(const char *line, struct dmg_args *a, char *err, size_t errlen)
{
	static char buf[4096];
	char       *argv[ARGV_MAX];
	int         argc = 0;
	char       *save = NULL;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t != NULL && argc < ARGV_MAX - 1;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return dmg_args_parse(argc, argv, a, err, errlen);
}

/* Parse a line that must be refused; check the exact message. */
static void
expect_bad(const char *line, const char *msg)
{
	struct dmg_args a;
	char            err[DMG_MSG_MAX];

	assert_int_equal(parse(line, &a, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, msg);
	dmg_args_fini(&a);
}

static void
expect_cmd(const char *line, enum dmg_cmd cmd)
{
	struct dmg_args a;
	char            err[DMG_MSG_MAX];

	assert_int_equal(parse(line, &a, err, sizeof(err)), 0);
	assert_false(a.da_help);
	assert_int_equal(a.da_cmd, cmd);
	dmg_args_fini(&a);
}

static json_t *
load(const char *text)
{
	json_error_t e;
	json_t      *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

/* DMGA01: every command of the tree, by name and by alias */
static void
dmga01_command_tree(void **state)
{
	(void)state;
	expect_cmd("dmg system query", DMG_CMD_SYSTEM_QUERY);
	expect_cmd("dmg sys query", DMG_CMD_SYSTEM_QUERY);
	expect_cmd("dmg system stop", DMG_CMD_SYSTEM_STOP);
	expect_cmd("dmg system start", DMG_CMD_SYSTEM_START);
	expect_cmd("dmg system erase", DMG_CMD_SYSTEM_ERASE);
	expect_cmd("dmg system leader-query", DMG_CMD_SYSTEM_LEADER_QUERY);
	expect_cmd("dmg storage scan", DMG_CMD_STORAGE_SCAN);
	expect_cmd("dmg sto scan", DMG_CMD_STORAGE_SCAN);
	expect_cmd("dmg storage format", DMG_CMD_STORAGE_FORMAT);
	expect_cmd("dmg storage query usage", DMG_CMD_STORAGE_QUERY_USAGE);
	expect_cmd("dmg sto query usage", DMG_CMD_STORAGE_QUERY_USAGE);
	expect_cmd("dmg server set-logmasks", DMG_CMD_SERVER_SET_LOGMASKS);
	expect_cmd("dmg srv set-logmasks", DMG_CMD_SERVER_SET_LOGMASKS);
	expect_cmd("dmg srv slm", DMG_CMD_SERVER_SET_LOGMASKS);
	assert_string_equal(dmg_cmd_name(DMG_CMD_STORAGE_QUERY_USAGE), "storage query usage");
}

/* DMGA02: flag forms: global flags anywhere, clusters, =value, attached values */
static void
dmga02_flag_forms(void **state)
{
	struct dmg_args a;
	char            err[DMG_MSG_MAX];
	char            buf[64];

	(void)state;
	assert_int_equal(parse("dmg -ij system query -v --ranks=2-3 -o /x.yml", &a, err,
			       sizeof(err)), 0);
	assert_true(a.da_insecure);
	assert_true(a.da_json);
	assert_true(a.da_verbose);
	assert_false(a.da_debug);
	assert_string_equal(a.da_config_path, "/x.yml");
	assert_true(a.da_ranks_set);
	assert_int_equal(d_rankset_count(&a.da_ranks), 2);
	dmg_args_path(&a, buf, sizeof(buf));
	assert_string_equal(buf, "dmg system query");
	dmg_args_fini(&a);

	/* -r2-3 attached, -jv cluster mixing a global and a command flag, repeats merge */
	assert_int_equal(parse("dmg system query -r2-3 -jv -r 7 -d", &a, err, sizeof(err)), 0);
	assert_true(a.da_json && a.da_verbose && a.da_debug);
	assert_true(d_rankset_contains(&a.da_ranks, 7));
	assert_int_equal(d_rankset_count(&a.da_ranks), 3);
	dmg_args_fini(&a);

	/* -r=VALUE as go-flags accepts it */
	assert_int_equal(parse("dmg system query -r=4", &a, err, sizeof(err)), 0);
	assert_true(d_rankset_contains(&a.da_ranks, 4));
	dmg_args_fini(&a);

	/* several -l, in order */
	assert_int_equal(parse("dmg -l b,a --host-list=c[1-2] storage scan", &a, err,
			       sizeof(err)), 0);
	assert_int_equal(a.da_hostlist_nr, 2);
	assert_string_equal(a.da_hostlist[0], "b,a");
	assert_string_equal(a.da_hostlist[1], "c[1-2]");
	dmg_args_fini(&a);

	/* both spellings of the host selection */
	assert_int_equal(parse("dmg system stop --force --rank-hosts h[1-3]", &a, err,
			       sizeof(err)), 0);
	assert_true(a.da_force && a.da_rank_hosts_set);
	assert_int_equal(d_hostset_count(&a.da_rank_hosts), 3);
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg system start --host-ranks h1", &a, err, sizeof(err)), 0);
	assert_string_equal(a.da_rank_hosts_flag, "--host-ranks");
	dmg_args_fini(&a);

	/* states, masks by flag and by argument, reset without */
	assert_int_equal(parse("dmg system query --with-states joined,Excluded,unknown", &a, err,
			       sizeof(err)), 0);
	assert_true(a.da_states_set);
	assert_int_equal(a.da_states, 0x8 | 0x40 | (1u << 31));
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg server set-logmasks ERR,mgmt=DEBUG", &a, err, sizeof(err)), 0);
	assert_string_equal(a.da_masks, "ERR,mgmt=DEBUG");
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg server set-logmasks -m DEBUG", &a, err, sizeof(err)), 0);
	assert_string_equal(a.da_masks, "DEBUG");
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg server set-logmasks", &a, err, sizeof(err)), 0);
	assert_null(a.da_masks);
	dmg_args_fini(&a);

	/* "--" ends the flags: what follows is a word */
	assert_int_equal(parse("dmg server set-logmasks -- INFO", &a, err, sizeof(err)), 0);
	assert_string_equal(a.da_masks, "INFO");
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg system leader-query -N", &a, err, sizeof(err)), 0);
	assert_true(a.da_down_replicas);
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg storage format --force --replace -v", &a, err, sizeof(err)),
			 0);
	assert_true(a.da_force && a.da_replace && a.da_verbose);
	dmg_args_fini(&a);
}

/* DMGA03: unknown and missing commands, with go-flags' messages */
static void
dmga03_bad_commands(void **state)
{
	(void)state;
	expect_bad("dmg", "Please specify one command of: pool, server, storage, system or "
			  "telemetry");
	expect_bad("dmg system",
		   "Please specify one command of: erase, leader-query, list-pools, query, start "
		   "or stop");
	expect_bad("dmg storage query", "Please specify one command of: device-health, "
					"list-devices, list-pools, target-health or usage");
	expect_bad("dmg systme query", "Unknown command `systme', did you mean `system'?");
	expect_bad("dmg system qurey", "Unknown command `qurey', did you mean `query'?");
	expect_bad("dmg pol list", "Unknown command `pol', did you mean `pool'?");
	expect_bad("dmg system xyzzy",
		   "Unknown command `xyzzy'. Please specify one command of: erase, "
		   "leader-query, list-pools, query, start or stop");
	expect_bad("dmg storage query disks",
		   "Unknown command `disks'. Please specify one command of: device-health, "
		   "list-devices, list-pools, target-health or usage");
	expect_bad("dmg system query extra", "unexpected argument `extra' for `dmg system query'");
	expect_bad("dmg server set-logmasks ERR INFO",
		   "unexpected argument `INFO' for `dmg server set-logmasks'");
}

/* DMGA04: unknown flags, including a command's flag used elsewhere */
static void
dmga04_unknown_flags(void **state)
{
	(void)state;
	expect_bad("dmg system query --x", "unknown flag `--x'");
	expect_bad("dmg system query -x", "unknown flag `-x'");
	expect_bad("dmg system query -vx", "unknown flag `-x'");
	expect_bad("dmg system query --force", "unknown flag `--force'");
	expect_bad("dmg system --ranks 1 query", "unknown flag `--ranks'");
	expect_bad("dmg storage scan --ranks 1", "unknown flag `--ranks'");
	expect_bad("dmg system stop --verbose", "unknown flag `--verbose'");
	expect_bad("dmg --verbose system query", "unknown flag `--verbose'");
	expect_bad("dmg system query --rank=1", "unknown flag `--rank'");
}

/* DMGA05: flags without their value, booleans with one */
static void
dmga05_flag_values(void **state)
{
	(void)state;
	expect_bad("dmg system query --ranks", "expected argument for flag `-r, --ranks'");
	expect_bad("dmg system query -r", "expected argument for flag `-r, --ranks'");
	expect_bad("dmg system query --ranks -v", "expected argument for flag `-r, --ranks'");
	expect_bad("dmg system query --rank-hosts", "expected argument for flag `--rank-hosts'");
	expect_bad("dmg -o", "expected argument for flag `-o, --config-path'");
	expect_bad("dmg -l", "expected argument for flag `-l, --host-list'");
	expect_bad("dmg system query --verbose=yes", "bool flag `--verbose' cannot have an argument");
	expect_bad("dmg --json=1 system query", "bool flag `--json' cannot have an argument");
	expect_bad("dmg --help=1", "bool flag `--help' cannot have an argument");
}

/* DMGA06: values checked with the gurt parsers, their message quoted */
static void
dmga06_bad_values(void **state)
{
	(void)state;
	expect_bad("dmg system query --ranks 1,x", "invalid --ranks: invalid rank 'x' in '1,x'");
	expect_bad("dmg system query -r 5-2",
		   "invalid --ranks: invalid range '5-2' (start > end) in '5-2'");
	expect_bad("dmg system query --ranks=", "invalid --ranks: empty rank set");
	expect_bad("dmg system query --rank-hosts h[2-1]",
		   "invalid --rank-hosts: invalid range '2-1' (start > end) in 'h[2-1]'");
	expect_bad("dmg system query --host-ranks h[1-2]x[3]",
		   "invalid --host-ranks: more than one bracket in 'h[1-2]x[3]'");
	expect_bad("dmg -l a[1-x] storage scan",
		   "invalid -l/--host-list: invalid range '1-x' in 'a[1-x]'");
	expect_bad("dmg --host-list= storage scan", "invalid -l/--host-list: no host given");
	expect_bad("dmg -l h:99999 storage scan",
		   "invalid -l/--host-list: invalid port '99999' (expected 1-65535, no leading "
		   "zero) in 'h:99999'");
	expect_bad("dmg -o= system query", "invalid -o/--config-path: empty path");
	expect_bad("dmg system query --with-states Joined,Bogus",
		   "invalid --with-states: unknown state 'Bogus' (states: Unknown, AwaitFormat, "
		   "Starting, Ready, Joined, Stopping, Stopped, Excluded, Errored, Unresponsive, "
		   "AdminExcluded, CheckerStarted)");
	expect_bad("dmg system query --with-states=",
		   "invalid --with-states: no state given");
	expect_bad("dmg system query --with-states Joined,,Excluded",
		   "invalid --with-states: empty state name in 'Joined,,Excluded'");
	expect_bad("dmg server set-logmasks ERR,bogus=DEBUG",
		   "invalid log masks: unknown facility 'bogus' in 'ERR,bogus=DEBUG'");
}

/* DMGA07: flags that exclude each other */
static void
dmga07_conflicts(void **state)
{
	(void)state;
	expect_bad("dmg system query --ranks 1 --rank-hosts h1",
		   "--ranks and --rank-hosts cannot be used together");
	expect_bad("dmg system stop --host-ranks h1 -r 0-3",
		   "--ranks and --host-ranks cannot be used together");
	expect_bad("dmg system start -r 1 --host-ranks h1",
		   "--ranks and --host-ranks cannot be used together");
	expect_bad("dmg system query --not-ok --with-states Joined",
		   "--not-ok and --with-states cannot be used together");
	expect_bad("dmg server set-logmasks -m ERR DEBUG", "log masks given more than once");
}

/* DMGA08: help at every level; it stops parsing where it appears */
static void
dmga08_help(void **state)
{
	struct dmg_args a;
	struct dmg_out  out;
	char            err[DMG_MSG_MAX];

	(void)state;
	assert_int_equal(parse("dmg -h", &a, err, sizeof(err)), 0);
	assert_true(a.da_help);
	dmg_out_init(&out);
	assert_int_equal(dmg_args_usage(&a, &out), 0);
	assert_non_null(strstr(out.o_buf, "Usage:\n  dmg [OPTIONS] <command>\n"));
	assert_non_null(strstr(out.o_buf, "Available commands:\n"));
	assert_non_null(strstr(out.o_buf, "  server     Perform tasks related to the servers "
					  "(aliases: srv)\n"));
	assert_non_null(strstr(out.o_buf, "  storage  "));
	assert_non_null(strstr(out.o_buf, "  system   "));
	assert_non_null(strstr(out.o_buf, "  -o, --config-path=  Client config file path\n"));
	assert_non_null(strstr(out.o_buf, "  -h, --help  "));
	dmg_out_fini(&out);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg system --help", &a, err, sizeof(err)), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_args_usage(&a, &out), 0);
	assert_non_null(strstr(out.o_buf, "dmg [OPTIONS] system <command>"));
	for (const char *s = "erase\0leader-query\0query\0start\0stop\0"; *s != '\0';
	     s += strlen(s) + 1) {
		char line[64];

		snprintf(line, sizeof(line), "\n  %s ", s);
		assert_non_null(strstr(out.o_buf, line));
	}
	dmg_out_fini(&out);
	dmg_args_fini(&a);

	/* a later bad argument does not matter once help was asked for */
	assert_int_equal(parse("dmg system query -h --bogus", &a, err, sizeof(err)), 0);
	assert_true(a.da_help);
	dmg_out_init(&out);
	assert_int_equal(dmg_args_usage(&a, &out), 0);
	assert_non_null(strstr(out.o_buf, "dmg [OPTIONS] system query [query-OPTIONS]\n"));
	assert_non_null(strstr(out.o_buf, "[query command options]\n"));
	assert_non_null(strstr(out.o_buf, "      -r, --ranks=  "));
	assert_non_null(strstr(out.o_buf, "          --rank-hosts=  "));
	assert_non_null(strstr(out.o_buf, "          --host-ranks=  "));
	assert_non_null(strstr(out.o_buf, "          --not-ok  "));
	assert_non_null(strstr(out.o_buf, "          --with-states=  "));
	dmg_out_fini(&out);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg server set-logmasks -h", &a, err, sizeof(err)), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_args_usage(&a, &out), 0);
	assert_non_null(strstr(out.o_buf,
			       "dmg [OPTIONS] server set-logmasks [set-logmasks-OPTIONS] [masks]\n"));
	dmg_out_fini(&out);
	dmg_args_fini(&a);

	/* the path for the hint survives an error */
	assert_int_equal(parse("dmg storage query bogus", &a, err, sizeof(err)), -DER_INVAL);
	dmg_args_path(&a, err, sizeof(err));
	assert_string_equal(err, "dmg storage query");
	dmg_args_fini(&a);
}

/* DMGA09: limits on the command line */
static void
dmga09_limits(void **state)
{
	struct dmg_args a;
	char            err[DMG_MSG_MAX];
	char          **argv;
	char           *big;

	(void)state;
	argv = calloc(DMG_ARGS_MAX + 2, sizeof(*argv));
	assert_non_null(argv);
	for (int i = 0; i <= DMG_ARGS_MAX; i++)
		argv[i] = "-v";
	assert_int_equal(dmg_args_parse(DMG_ARGS_MAX + 1, argv, &a, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "too many arguments (1024, at most 1023)");
	dmg_args_fini(&a);

	big = malloc(DMG_ARG_LEN_MAX + 2);
	assert_non_null(big);
	memset(big, '1', DMG_ARG_LEN_MAX + 1);
	big[DMG_ARG_LEN_MAX + 1] = '\0';
	argv[0] = "dmg";
	argv[1] = "system";
	argv[2] = "query";
	argv[3] = "-r";
	argv[4] = big;
	argv[5] = NULL;
	assert_int_equal(dmg_args_parse(5, argv, &a, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "argument 4 is longer than 65536 bytes");
	dmg_args_fini(&a);
	/* a rank list within the limit goes to the rank set parser */
	big[DMG_ARG_LEN_MAX] = '\0';
	assert_int_equal(dmg_args_parse(5, argv, &a, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "invalid --ranks: "));
	dmg_args_fini(&a);
	free(big);
	free(argv);
}

/* DMGA10: the requests of the system commands (canonical sets, force) */
static void
dmga10_requests(void **state)
{
	struct dmg_args a;
	char            err[DMG_MSG_MAX];
	json_t         *req;
	char           *s;

	(void)state;
	assert_int_equal(parse("dmg system query -r 3,2 --ranks 9", &a, err, sizeof(err)), 0);
	req = dmg_system_request(&a);
	s = json_dumps(req, JSON_COMPACT);
	assert_string_equal(s, "{\"ranks\":\"2-3,9\"}");
	free(s);
	json_decref(req);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg system stop --rank-hosts h2,h1,h3", &a, err, sizeof(err)), 0);
	req = dmg_system_request(&a);
	s = json_dumps(req, JSON_COMPACT);
	assert_string_equal(s, "{\"hosts\":\"h[1-3]\",\"force\":false}");
	free(s);
	json_decref(req);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg system stop --force", &a, err, sizeof(err)), 0);
	req = dmg_system_request(&a);
	s = json_dumps(req, JSON_COMPACT);
	assert_string_equal(s, "{\"force\":true}");
	free(s);
	json_decref(req);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg system start", &a, err, sizeof(err)), 0);
	req = dmg_system_request(&a);
	s = json_dumps(req, JSON_COMPACT);
	assert_string_equal(s, "{}");
	free(s);
	json_decref(req);
	dmg_args_fini(&a);
}

/* DMGA11: tables: widths from content, dashes as long as titles, no trailing
 * blanks, indent, control characters shown as '?', long cells cut, UTF-8 width */
static void
dmga11_tables(void **state)
{
	static const char *const titles[] = {"A", "Long Title", "C"};
	struct dmg_table         t;
	struct dmg_out           out;
	char                     big[DMG_CELL_MAX + 100];
	const char              *r1[] = {"xyz", "1", ""};
	const char              *r2[] = {"\x1b[31mred", "\xc3\xa9t\xc3\xa9", "last"};
	const char              *r3[] = {big, NULL, NULL};
	char                    *last;

	(void)state;
	assert_int_equal(dmg_table_init(&t, 0, titles, 0), -DER_INVAL);
	assert_int_equal(dmg_table_init(&t, DMG_TABLE_COLS_MAX + 1, titles, 0), -DER_INVAL);
	assert_int_equal(dmg_table_init(&t, 3, titles, 0), 0);
	assert_int_equal(dmg_table_add(&t, r1), 0);
	assert_int_equal(dmg_table_add(&t, r2), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_table_render(&t, &out), 0);
	assert_string_equal(out.o_buf, "A        Long Title C\n"
				       "-        ---------- -\n"
				       "xyz      1\n"
				       "?[31mred \xc3\xa9t\xc3\xa9        last\n");
	dmg_out_fini(&out);
	dmg_table_fini(&t);

	assert_int_equal(dmg_table_init(&t, 3, titles, 2), 0);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dmg_table_add(&t, r3), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_table_render(&t, &out), 0);
	assert_memory_equal(out.o_buf, "  A", 3);
	/* the cell is cut to DMG_CELL_MAX bytes plus "...", the empty cells after it
	 * leave no trailing blanks */
	last = strrchr(out.o_buf, '\n');
	*last = '\0';
	last = strrchr(out.o_buf, '\n') + 1;
	assert_int_equal(strlen(last), 2 + DMG_CELL_MAX + 3);
	assert_string_equal(last + strlen(last) - 6, "bbb...");
	dmg_out_fini(&out);
	dmg_table_fini(&t);

	/* a column of sets dmg made itself is never cut */
	assert_int_equal(dmg_table_init(&t, 3, titles, 0), 0);
	t.t_full_cols = 1u << 0;
	assert_int_equal(dmg_table_add(&t, r3), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_table_render(&t, &out), 0);
	assert_null(strstr(out.o_buf, "..."));
	assert_int_equal(strlen(strrchr(out.o_buf, '-') + 2), sizeof(big) - 1 + 1);
	dmg_out_fini(&out);
	dmg_table_fini(&t);

	/* a header-only table */
	assert_int_equal(dmg_table_init(&t, 2, titles, 0), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_table_render(&t, &out), 0);
	assert_string_equal(out.o_buf, "A Long Title\n- ----------\n");
	dmg_out_fini(&out);
	dmg_table_fini(&t);
}

/* DMGA12: sizes in base 10 as DAOS prints them, used percentages */
static void
dmga12_sizes(void **state)
{
	static const struct {
		uint64_t    b;
		const char *s;
	} cases[] = {
		{0, "0 B"},
		{9, "9 B"},
		{10, "10 B"},
		{999, "999 B"},
		{1000, "1.0 kB"},
		{1049, "1.0 kB"},
		{1050, "1.1 kB"},
		{9949, "9.9 kB"},
		{9950, "10 kB"},
		{15000000000ULL, "15 GB"},
		{8000000000ULL, "8.0 GB"},
		{2000000000000ULL, "2.0 TB"},
		{6400000000000ULL, "6.4 TB"},
		{999999999999ULL, "1000 GB"},
		{UINT64_MAX, "18 EB"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dmg_size_str(cases[i].b, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
	}
	dmg_pct_str(44, 64, buf, sizeof(buf));
	assert_string_equal(buf, "68 %");
	dmg_pct_str(0, 10, buf, sizeof(buf));
	assert_string_equal(buf, "0 %");
	dmg_pct_str(10, 10, buf, sizeof(buf));
	assert_string_equal(buf, "100 %");
	dmg_pct_str(0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "N/A");
	dmg_pct_str(UINT64_MAX - 1, UINT64_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "99 %");
}

static const char sysq_reply[] =
	"{\"members\": ["
	"{\"rank\": 3, \"uuid\": \"u3\", \"ctl_addr\": \"10.0.0.2:10001\", "
	" \"fault_domain\": \"/wolf-72\", \"state\": \"Stopped\", \"reason\": \"dmg stop\"},"
	"{\"rank\": 0, \"uuid\": \"u0\", \"ctl_addr\": \"10.0.0.1:10001\", "
	" \"fault_domain\": \"/wolf-71\", \"state\": \"Joined\", \"reason\": \"\"},"
	"{\"rank\": 1, \"uuid\": \"u1\", \"ctl_addr\": \"10.0.0.1:10001\", "
	" \"fault_domain\": \"/wolf-71\", \"state\": \"Joined\"},"
	"{\"rank\": 2, \"uuid\": \"u2\", \"ctl_addr\": \"10.0.0.2:10001\", "
	" \"fault_domain\": \"/wolf-72\", \"state\": \"Excluded\", \"reason\": \"swim\"},"
	"{\"rank\": 4, \"state\": \"Joined\"}"
	"], \"map_version\": 7}";

static void
render_sysq(const char *reply_text, const char *line, int exp_rc, const char *exp)
{
	struct dmg_args a;
	struct dmg_out  out;
	char            err[DMG_MSG_MAX];
	json_t         *reply = load(reply_text);

	assert_int_equal(parse(line, &a, err, sizeof(err)), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_sysq(reply, &a, "h1:10001", &out, err, sizeof(err)), exp_rc);
	if (exp_rc == 0)
		assert_string_equal(out.o_buf, exp);
	else
		assert_string_equal(err, exp);
	dmg_out_fini(&out);
	json_decref(reply);
	dmg_args_fini(&a);
}

/* DMGA13: system query grouped by state, ranks as DAOS prints them, filters,
 * unknown ranks */
static void
dmga13_sysq_grouped(void **state)
{
	(void)state;
	render_sysq("{\"members\": [{\"rank\": 0, \"state\": \"Joined\"},"
		    "{\"rank\": 1, \"state\": \"Joined\"},{\"rank\": 2, \"state\": \"Joined\"},"
		    "{\"rank\": 3, \"state\": \"Joined\"},{\"rank\": 4, \"state\": \"Joined\"},"
		    "{\"rank\": 5, \"state\": \"Joined\"}]}",
		    "dmg system query", 0,
		    "Rank  State\n"
		    "----  -----\n"
		    "[0-5] Joined\n");
	render_sysq(sysq_reply, "dmg system query", 0,
		    "Rank    State\n"
		    "----    -----\n"
		    "[2]     Excluded\n"
		    "[0-1,4] Joined\n"
		    "[3]     Stopped\n");
	render_sysq(sysq_reply, "dmg system query --not-ok", 0,
		    "Rank State\n"
		    "---- -----\n"
		    "[2]  Excluded\n"
		    "[3]  Stopped\n");
	render_sysq(sysq_reply, "dmg system query --with-states STOPPED,joined", 0,
		    "Rank    State\n"
		    "----    -----\n"
		    "[0-1,4] Joined\n"
		    "[3]     Stopped\n");
	render_sysq(sysq_reply, "dmg system query --with-states AdminExcluded", 0,
		    "Query matches no ranks in system\n");
	render_sysq("{\"members\": []}", "dmg system query", 0,
		    "Query matches no ranks in system\n");
	/* ranks asked for that the reply lacks, and the server's own absent sets */
	render_sysq("{\"members\": [{\"rank\": 2, \"state\": \"Joined\"}],"
		    "\"absent_hosts\": \"wolf-[90-91]\"}",
		    "dmg system query -r 2,7-8", 0,
		    "Rank State\n"
		    "---- -----\n"
		    "[2]  Joined\n"
		    "\nUnknown 2 ranks: [7-8]\n"
		    "\nUnknown 2 hosts: wolf-[90-91]\n");
	render_sysq("{\"members\": [], \"absent_ranks\": \"9\"}", "dmg system query -r 9", 0,
		    "Query matches no ranks in system\n\nUnknown 1 rank: [9]\n");
	render_sysq("{\"members\": [], \"absent_ranks\": \"x\"}", "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: absent_ranks: invalid rank 'x' in 'x'");
}

/* DMGA14: system query --verbose, sorted by rank, every column */
static void
dmga14_sysq_verbose(void **state)
{
	(void)state;
	render_sysq(sysq_reply, "dmg system query -v", 0,
		    "Rank UUID Control Address Fault Domain State    Reason\n"
		    "---- ---- --------------- ------------ -----    ------\n"
		    "0    u0   10.0.0.1:10001  /wolf-71     Joined\n"
		    "1    u1   10.0.0.1:10001  /wolf-71     Joined\n"
		    "2    u2   10.0.0.2:10001  /wolf-72     Excluded swim\n"
		    "3    u3   10.0.0.2:10001  /wolf-72     Stopped  dmg stop\n"
		    "4                                      Joined\n");
}

/* DMGA15: malformed system query replies name the field */
static void
dmga15_sysq_bad_replies(void **state)
{
	(void)state;
	render_sysq("{}", "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members: missing");
	render_sysq("{\"members\": {}}", "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members: expected an array, got object");
	render_sysq("{\"members\": [1]}", "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members[0]: expected an object, got integer");
	render_sysq("{\"members\": [{\"state\": \"Joined\"}]}", "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members[0].rank: missing");
	render_sysq("{\"members\": [{\"rank\": \"0\", \"state\": \"Joined\"}]}",
		    "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members[0].rank: expected an integer, got "
		    "string");
	render_sysq("{\"members\": [{\"rank\": 4294967295, \"state\": \"Joined\"}]}",
		    "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members[0].rank: 4294967295 is out of range "
		    "[0, 4294967294]");
	render_sysq("{\"members\": [{\"rank\": -1, \"state\": \"Joined\"}]}",
		    "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members[0].rank: -1 is out of range "
		    "[0, 4294967294]");
	render_sysq("{\"members\": [{\"rank\": 1}]}", "dmg system query", -DER_PROTO,
		    "invalid reply from h1:10001: members[0].state: missing");
	render_sysq("{\"members\": [{\"rank\": 1, \"state\": 5}]}", "dmg system query",
		    -DER_PROTO,
		    "invalid reply from h1:10001: members[0].state: expected a string, got "
		    "integer");
	render_sysq("{\"members\": [{\"rank\": 1, \"state\": \"Joined\", \"uuid\": []}]}",
		    "dmg system query -v", -DER_PROTO,
		    "invalid reply from h1:10001: members[0].uuid: expected a string, got array");
	/* a state dmg does not know is printed as is, and is "not ok" */
	render_sysq("{\"members\": [{\"rank\": 1, \"state\": \"Weird\\u001b\"}]}",
		    "dmg system query --not-ok", 0,
		    "Rank State\n---- -----\n[1]  Weird?\n");
}

static void
render_results(const char *text, int exp_rc, const char *exp, uint32_t exp_failed,
	       int exp_first)
{
	struct dmg_out out;
	char           err[DMG_MSG_MAX];
	json_t        *reply = load(text);
	uint32_t       failed = 99;
	int            first = 99;

	dmg_out_init(&out);
	assert_int_equal(dmg_render_results(reply, "h1:10001", &out, &failed, &first, err,
					    sizeof(err)),
			 exp_rc);
	if (exp_rc == 0) {
		assert_string_equal(out.o_buf, exp);
		assert_int_equal(failed, exp_failed);
		assert_int_equal(first, exp_first);
	} else {
		assert_string_equal(err, exp);
	}
	dmg_out_fini(&out);
	json_decref(reply);
}

/* DMGA16: stop/start results grouped by operation and result */
static void
dmga16_results(void **state)
{
	(void)state;
	render_results("{\"results\": ["
		       "{\"rank\": 0, \"action\": \"stop\", \"status\": 0},"
		       "{\"rank\": 1, \"action\": \"stop\", \"status\": 0},"
		       "{\"rank\": 3, \"action\": \"stop\", \"status\": 0}]}",
		       0,
		       "Rank    Operation Result\n"
		       "----    --------- ------\n"
		       "[0-1,3] stop      OK\n",
		       0, 0);
	render_results("{\"results\": ["
		       "{\"rank\": 0, \"action\": \"start\", \"status\": 0, \"msg\": \"\"},"
		       "{\"rank\": 5, \"action\": \"start\", \"status\": -1011, "
		       " \"msg\": \"rank 5 did not start in time\"},"
		       "{\"rank\": 2, \"action\": \"start\", \"status\": -1006}]}",
		       0,
		       "Rank Operation Result\n"
		       "---- --------- ------\n"
		       "[2]  start     DER_UNREACH(-1006)\n"
		       "[0]  start     OK\n"
		       "[5]  start     rank 5 did not start in time\n",
		       2, -1011);
	render_results("{\"results\": []}", 0,
		       "Rank Operation Result\n---- --------- ------\n", 0, 0);
	render_results("{\"results\": [{\"rank\": 1, \"status\": 3}]}", -DER_PROTO,
		       "invalid reply from h1:10001: results[0].status: 3 is out of range "
		       "[-501000, 0]", 0, 0);
	render_results("{\"result\": []}", -DER_PROTO,
		       "invalid reply from h1:10001: results: missing", 0, 0);
}

/* DMGA17: leader-query, colons aligned */
static void
dmga17_leader(void **state)
{
	struct dmg_args a;
	struct dmg_out  out;
	char            err[DMG_MSG_MAX];
	json_t         *reply = load("{\"leader\": \"10.0.0.1:10001\", \"replicas\": "
				     "[\"10.0.0.1:10001\", \"10.0.0.2:10001\", \"10.0.0.3:10001\"],"
				     "\"down_replicas\": [\"10.0.0.3:10001\"]}");

	(void)state;
	assert_int_equal(parse("dmg system leader-query", &a, err, sizeof(err)), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_leader(reply, &a, "h", &out, err, sizeof(err)), 0);
	assert_string_equal(out.o_buf,
			    "Current Leader: 10.0.0.1:10001\n"
			    "   Replica Set: 10.0.0.1:10001, 10.0.0.2:10001, 10.0.0.3:10001\n");
	dmg_out_fini(&out);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg system leader-query -N", &a, err, sizeof(err)), 0);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_leader(reply, &a, "h", &out, err, sizeof(err)), 0);
	assert_string_equal(out.o_buf,
			    "Current Leader: 10.0.0.1:10001\n"
			    "   Replica Set: 10.0.0.1:10001, 10.0.0.2:10001, 10.0.0.3:10001\n"
			    " Down Replicas: 10.0.0.3:10001\n");
	dmg_out_fini(&out);
	json_decref(reply);

	reply = load("{\"replicas\": [1]}");
	dmg_out_init(&out);
	assert_int_equal(dmg_render_leader(reply, &a, "h", &out, err, sizeof(err)), -DER_PROTO);
	assert_string_equal(err, "invalid reply from h: replicas[0]: expected a string");
	dmg_out_fini(&out);
	json_decref(reply);

	reply = load("{}");
	dmg_out_init(&out);
	assert_int_equal(dmg_render_leader(reply, &a, "h", &out, err, sizeof(err)), 0);
	assert_string_equal(out.o_buf, "Current Leader: N/A\n   Replica Set: N/A\n"
				       " Down Replicas: N/A\n");
	dmg_out_fini(&out);
	json_decref(reply);
	dmg_args_fini(&a);
}

/* Results of a fan-out from (address, reply text or NULL, rc, error) rows. */
struct fake_host {
	const char *fh_addr;
	const char *fh_reply;
	int         fh_rc;
	const char *fh_err;
};

static struct dmg_host_result *
make_results(const struct fake_host *h, uint32_t nr)
{
	struct dmg_host_result *res = calloc(nr, sizeof(*res));

	assert_non_null(res);
	for (uint32_t i = 0; i < nr; i++) {
		snprintf(res[i].hr_addr, sizeof(res[i].hr_addr), "%s", h[i].fh_addr);
		res[i].hr_rc = h[i].fh_rc;
		if (h[i].fh_reply != NULL)
			res[i].hr_reply = load(h[i].fh_reply);
		if (h[i].fh_err != NULL)
			snprintf(res[i].hr_err, sizeof(res[i].hr_err), "%s", h[i].fh_err);
	}
	return res;
}

/* DMGA18: storage query usage reproduces the administration guide's table */
static void
dmga18_usage_seed(void **state)
{
	static const char seed[] =
		"Hosts   SCM-Total SCM-Free SCM-Used NVMe-Total NVMe-Free NVMe-Used\n"
		"-----   --------- -------- -------- ---------- --------- ---------\n"
		"wolf-71 6.4 TB    2.0 TB   68 %     1.5 TB     1.1 TB    27 %\n"
		"wolf-72 6.4 TB    2.0 TB   68 %     1.5 TB     1.1 TB    27 %\n";
	static const char u[] = "{\"host\": \"wolf-71\", \"scm_total\": 6400000000000, "
				"\"scm_free\": 2000000000000, \"nvme_total\": 1500000000000, "
				"\"nvme_free\": 1090000000000}";
	struct fake_host hosts[] = {
		{"wolf-71:10001", u, 0, NULL},
		{"wolf-72:10001", u, 0, NULL},
	};
	struct fake_host bad[] = {
		{"wolf-71:10001", u, 0, NULL},
		{"wolf-72:10001", "{\"scm_total\": 1, \"scm_free\": 2}", 0, NULL},
		{"wolf-73:10001", NULL, -DER_UNREACH,
		 "cannot connect to wolf-73:10001: Connection refused"},
	};
	struct dmg_host_result *res;
	struct dmg_out          out;
	uint32_t                failed;
	int                     first;

	(void)state;
	res = make_results(hosts, 2);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_usage(res, 2, 10001, &out, &failed, &first), 0);
	assert_string_equal(out.o_buf, seed);
	assert_int_equal(failed, 0);
	dmg_out_fini(&out);
	dmg_results_free(res, 2);

	/* a bad reply and a dead host go to the Errors table; the rest is printed */
	res = make_results(bad, 3);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_usage(res, 3, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 2);
	assert_int_equal(first, -DER_PROTO);
	assert_int_equal(res[1].hr_rc, -DER_PROTO);
	assert_null(res[1].hr_reply);
	assert_string_equal(out.o_buf,
			    "Errors:\n"
			    "  Hosts   Error\n"
			    "  -----   -----\n"
			    "  wolf-72 invalid reply from wolf-72:10001: scm_free: 2 is out of "
			    "range [0, 1]\n"
			    "  wolf-73 cannot connect to wolf-73:10001: Connection refused\n"
			    "\n"
			    "Hosts   SCM-Total SCM-Free SCM-Used NVMe-Total NVMe-Free NVMe-Used\n"
			    "-----   --------- -------- -------- ---------- --------- ---------\n"
			    "wolf-71 6.4 TB    2.0 TB   68 %     1.5 TB     1.1 TB    27 %\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 3);
}

/* DMGA19: storage scan: identical hosts grouped, counts pluralised, verbose
 * tables per group, a malformed reply becomes an error */
static void
dmga19_scan(void **state)
{
	static const char one[] =
		"{\"host\": \"w\", \"scm\": [{\"mount\": \"/mnt/daos0\", \"class\": \"ram\", "
		"\"size\": 2000000000000, \"used\": 0}], \"nvme\": [{\"path\": "
		"\"0000:81:00.0\", \"class\": \"nvme\", \"size\": 8000000000, \"used\": 1000}]}";
	static const char two[] =
		"{\"scm\": [{\"size\": 1000000000000}, {\"size\": 1000000000000}], "
		"\"nvme\": []}";
	struct fake_host hosts[] = {
		{"wolf-72:10001", one, 0, NULL},
		{"wolf-71:10001", one, 0, NULL},
		{"wolf-80:10001", two, 0, NULL},
		{"wolf-81:10001", "{\"scm\": [{\"size\": -5}]}", 0, NULL},
	};
	struct dmg_host_result *res;
	struct dmg_out          out;
	uint32_t                failed;
	int                     first;

	(void)state;
	res = make_results(hosts, 4);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_scan(res, 4, false, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 1);
	assert_int_equal(first, -DER_PROTO);
	assert_string_equal(out.o_buf,
			    "Errors:\n"
			    "  Hosts   Error\n"
			    "  -----   -----\n"
			    "  wolf-81 invalid reply from wolf-81:10001: scm[0].size: -5 is out of "
			    "range [0, 9007199254740991]\n"
			    "\n"
			    "Hosts        SCM Total             NVMe Total\n"
			    "-----        ---------             ----------\n"
			    "wolf-[71-72] 2.0 TB (1 namespace)  8.0 GB (1 controller)\n"
			    "wolf-80      2.0 TB (2 namespaces) 0 B (0 controllers)\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 4);

	res = make_results(hosts, 2);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_scan(res, 2, true, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 0);
	assert_string_equal(out.o_buf,
			    "------------\n"
			    "wolf-[71-72]\n"
			    "------------\n"
			    "\n"
			    "SCM Mount  Class Capacity Used\n"
			    "---------  ----- -------- ----\n"
			    "/mnt/daos0 ram   2.0 TB   0 B\n"
			    "\n"
			    "NVMe Path    Class Capacity Used\n"
			    "---------    ----- -------- ----\n"
			    "0000:81:00.0 nvme  8.0 GB   1.0 kB\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 2);

	/* a non-default port stays in the label */
	hosts[0].fh_addr = "127.0.0.1:4001";
	hosts[1].fh_addr = "127.0.0.1:4002";
	hosts[1].fh_reply = two;
	res = make_results(hosts, 2);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_scan(res, 2, true, 10001, &out, &failed, &first), 0);
	assert_string_equal(out.o_buf,
			    "--------------\n"
			    "127.0.0.1:4001\n"
			    "--------------\n"
			    "\n"
			    "SCM Mount  Class Capacity Used\n"
			    "---------  ----- -------- ----\n"
			    "/mnt/daos0 ram   2.0 TB   0 B\n"
			    "\n"
			    "NVMe Path    Class Capacity Used\n"
			    "---------    ----- -------- ----\n"
			    "0000:81:00.0 nvme  8.0 GB   1.0 kB\n"
			    "\n"
			    "--------------\n"
			    "127.0.0.1:4002\n"
			    "--------------\n"
			    "\n"
			    "SCM Mount Class Capacity Used\n"
			    "--------- ----- -------- ----\n"
			    "                1.0 TB   0 B\n"
			    "                1.0 TB   0 B\n"
			    "\n"
			    "No NVMe devices found\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 2);
}

/* DMGA20: storage format summary, engine errors listed per host */
static void
dmga20_format(void **state)
{
	static const char ok2[] =
		"{\"host\": \"w\", \"results\": [{\"idx\": 0, \"scm\": \"ok\", \"nvme\": \"ok\","
		" \"rank\": 0}, {\"idx\": 1, \"scm\": \"ok\", \"nvme\": \"ok\", \"rank\": 1}]}";
	static const char half[] =
		"{\"results\": [{\"idx\": 0, \"scm\": \"ok\", \"nvme\": null},"
		" {\"idx\": 1, \"scm\": \"mount failed: busy\", \"nvme\": \"ok\"}]}";
	struct fake_host hosts[] = {
		{"wolf-71:10001", ok2, 0, NULL},
		{"wolf-72:10001", ok2, 0, NULL},
		{"wolf-73:10001", half, 0, NULL},
		{"wolf-74:10001", "{\"results\": [{\"idx\": 0}]}", 0, NULL},
	};
	struct dmg_host_result *res;
	struct dmg_out          out;
	uint32_t                failed;
	int                     first;

	(void)state;
	res = make_results(hosts, 2);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_format(res, 2, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 0);
	assert_string_equal(out.o_buf,
			    "Format Summary:\n"
			    "  Hosts        SCM Devices NVMe Devices\n"
			    "  -----        ----------- ------------\n"
			    "  wolf-[71-72] 2           2\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 2);

	res = make_results(&hosts[2], 1);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_format(res, 1, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 1);
	assert_int_equal(first, -DER_MISC);
	assert_string_equal(out.o_buf,
			    "Errors:\n"
			    "  Hosts   Error\n"
			    "  -----   -----\n"
			    "  wolf-73 engine 1: SCM format failed: mount failed: busy\n"
			    "\n"
			    "Format Summary:\n"
			    "  Hosts   SCM Devices NVMe Devices\n"
			    "  -----   ----------- ------------\n"
			    "  wolf-73 1           1\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 1);

	/* an engine error and a malformed entry: only the reply error is shown */
	hosts[3].fh_reply = "{\"results\": [{\"idx\": 1, \"scm\": \"busy\"}, {\"idx\": 0}]}";
	res = make_results(&hosts[3], 1);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_format(res, 1, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 1);
	assert_string_equal(out.o_buf,
			    "Errors:\n"
			    "  Hosts   Error\n"
			    "  -----   -----\n"
			    "  wolf-74 invalid reply from wolf-74:10001: results[1].scm: missing\n"
			    "\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 1);

	hosts[3].fh_reply = "{\"results\": [{\"idx\": 0}]}";
	res = make_results(&hosts[3], 1);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_format(res, 1, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 1);
	assert_int_equal(first, -DER_PROTO);
	assert_string_equal(out.o_buf,
			    "Errors:\n"
			    "  Hosts   Error\n"
			    "  -----   -----\n"
			    "  wolf-74 invalid reply from wolf-74:10001: results[0].scm: missing\n"
			    "\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 1);
}

/* DMGA21: set-logmasks: hosts whose engines all succeeded, engine errors */
static void
dmga21_logmasks(void **state)
{
	static const char ok[] = "{\"results\": [{\"idx\": 0, \"status\": 0}, "
				 "{\"idx\": 1, \"status\": 0, \"msg\": \"\"}]}";
	static const char bad[] = "{\"results\": [{\"idx\": 0, \"status\": 0}, "
				  "{\"idx\": 1, \"status\": -1003, \"msg\": \"bad mask\"},"
				  "{\"idx\": 2, \"status\": -1011}]}";
	struct fake_host hosts[] = {
		{"wolf-1:10001", ok, 0, NULL},
		{"wolf-2:10001", ok, 0, NULL},
		{"wolf-3:10001", bad, 0, NULL},
	};
	struct dmg_host_result *res;
	struct dmg_out          out;
	uint32_t                failed;
	int                     first;

	(void)state;
	res = make_results(hosts, 3);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_logmasks(res, 3, 10001, &out, &failed, &first), 0);
	assert_int_equal(failed, 1);
	assert_int_equal(first, -DER_INVAL);
	assert_string_equal(out.o_buf,
			    "Errors:\n"
			    "  Hosts  Error\n"
			    "  -----  -----\n"
			    "  wolf-3 engine 1: bad mask\n"
			    "  wolf-3 engine 2: DER_TIMEDOUT(-1011): Time out\n"
			    "\n"
			    "Hosts      Result\n"
			    "-----      ------\n"
			    "wolf-[1-2] OK (2 engines)\n");
	dmg_out_fini(&out);
	dmg_results_free(res, 3);
}

/* DMGA22: the -j envelope, exactly; statuses that are not DER codes */
static void
dmga22_envelope(void **state)
{
	struct dmg_out out;
	json_t        *resp = load("{\"members\": [{\"rank\": 0}], \"map_version\": 2}");

	(void)state;
	dmg_out_init(&out);
	assert_int_equal(dmg_envelope(resp, NULL, 0, &out), 0);
	assert_string_equal(out.o_buf,
			    "{\n"
			    "  \"response\": {\n"
			    "    \"members\": [\n"
			    "      {\n"
			    "        \"rank\": 0\n"
			    "      }\n"
			    "    ],\n"
			    "    \"map_version\": 2\n"
			    "  },\n"
			    "  \"error\": null,\n"
			    "  \"status\": 0\n"
			    "}\n");
	dmg_out_fini(&out);
	json_decref(resp);

	dmg_out_init(&out);
	assert_int_equal(dmg_envelope(NULL, "cannot connect to h:1: refused", -DER_UNREACH, &out),
			 0);
	assert_string_equal(out.o_buf,
			    "{\n"
			    "  \"response\": null,\n"
			    "  \"error\": \"cannot connect to h:1: refused\",\n"
			    "  \"status\": -1006\n"
			    "}\n");
	dmg_out_fini(&out);

	assert_int_equal(dmg_status(0), 0);
	assert_int_equal(dmg_status(-DER_NOTLEADER), -2008);
	assert_int_equal(dmg_status(-1), -1025);
	assert_int_equal(dmg_status(5), -1025);
	assert_int_equal(dmg_status(-999999), -1025);

	/* a message that is not UTF-8 still gives valid JSON */
	dmg_out_init(&out);
	assert_int_equal(dmg_envelope(NULL, "bad \xff byte", -DER_PROTO, &out), 0);
	assert_non_null(strstr(out.o_buf, "\"error\": \"(message not UTF-8)\""));
	dmg_out_fini(&out);
}

/* DMGA23: host lists: order kept, duplicates dropped, ports added, labels */
static void
dmga23_hosts(void **state)
{
	char   **hosts = NULL;
	uint32_t nr = 0;
	char     err[DMG_MSG_MAX];
	char     label[64];

	(void)state;
	assert_int_equal(dmg_hosts_add(&hosts, &nr, "zeta,alpha[3,1]:9,beta", 10001, err,
				       sizeof(err)), 0);
	assert_int_equal(dmg_hosts_add(&hosts, &nr, "beta,gamma", 10001, err, sizeof(err)), 0);
	assert_int_equal(nr, 5);
	assert_string_equal(hosts[0], "zeta:10001");
	assert_string_equal(hosts[1], "alpha1:9");
	assert_string_equal(hosts[2], "alpha3:9");
	assert_string_equal(hosts[3], "beta:10001");
	assert_string_equal(hosts[4], "gamma:10001");
	assert_int_equal(dmg_hosts_add(&hosts, &nr, "a[1-", 10001, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "unbalanced bracket in 'a[1-'");
	assert_int_equal(nr, 5);
	dmg_hosts_free(hosts, nr);

	dmg_host_label("wolf-71:10001", 10001, label, sizeof(label));
	assert_string_equal(label, "wolf-71");
	dmg_host_label("wolf-71:1000", 10001, label, sizeof(label));
	assert_string_equal(label, "wolf-71:1000");
	dmg_host_label("127.0.0.1:100011", 10001, label, sizeof(label));
	assert_string_equal(label, "127.0.0.1:100011");
}

/* DMGA24: the -j response of a fan-out */
static void
dmga24_fanout_response(void **state)
{
	struct fake_host hosts[] = {
		{"h1:10001", "{\"a\": 1}", 0, NULL},
		{"h2:10001", NULL, -DER_UNREACH, "cannot connect to h2:10001: refused"},
	};
	struct dmg_host_result *res = make_results(hosts, 2);
	json_t                 *j = dmg_fanout_response(res, 2);
	char                   *s = json_dumps(j, JSON_COMPACT);

	(void)state;
	assert_string_equal(s, "{\"hosts\":{\"h1:10001\":{\"a\":1}},\"host_errors\":"
			       "{\"h2:10001\":{\"status\":-1006,\"error\":\"cannot connect to "
			       "h2:10001: refused\"}}}");
	free(s);
	json_decref(j);
	dmg_results_free(res, 2);
}

/* DMGA25: groups come out in key order; ranks and hosts do not mix */
static void
dmga25_groups(void **state)
{
	struct dmg_groups g;
	const char       *key, *set;

	(void)state;
	dmg_groups_init(&g);
	assert_int_equal(dmg_groups_add_rank(&g, "b", 5), 0);
	assert_int_equal(dmg_groups_add_rank(&g, "a", 3), 0);
	assert_int_equal(dmg_groups_add_rank(&g, "b", 4), 0);
	assert_int_equal(dmg_groups_add_rank(&g, "b", 9), 0);
	assert_int_equal(dmg_groups_add_rank(&g, "a", D_RANK_NIL), -DER_INVAL);
	assert_int_equal(dmg_groups_add_host(&g, "a", "h1"), -DER_INVAL);
	assert_int_equal(dmg_groups_count(&g), 2);
	assert_int_equal(dmg_groups_get(&g, 0, &key, &set), 0);
	assert_string_equal(key, "a");
	assert_string_equal(set, "[3]");
	assert_int_equal(dmg_groups_get(&g, 1, &key, &set), 0);
	assert_string_equal(key, "b");
	assert_string_equal(set, "[4-5,9]");
	/* adding after a get refreshes the text */
	assert_int_equal(dmg_groups_add_rank(&g, "b", 6), 0);
	assert_int_equal(dmg_groups_get(&g, 1, &key, &set), 0);
	assert_string_equal(set, "[4-6,9]");
	assert_int_equal(dmg_groups_get(&g, 2, &key, &set), -DER_NONEXIST);
	dmg_groups_fini(&g);

	dmg_groups_init(&g);
	assert_int_equal(dmg_groups_add_host(&g, "x", "node10"), 0);
	assert_int_equal(dmg_groups_add_host(&g, "x", "node9"), 0);
	assert_int_equal(dmg_groups_add_host(&g, "x", "bad host"), -DER_INVAL);
	assert_int_equal(dmg_groups_get(&g, 0, &key, &set), 0);
	assert_string_equal(set, "node[9-10]");
	dmg_groups_fini(&g);
}

/* A temporary HOME with an optional .daos_control.yml. */
static char g_home[64];
static char g_old_home[4096];

static int
home_setup(void **state)
{
	const char *h = getenv("HOME");

	(void)state;
	snprintf(g_old_home, sizeof(g_old_home), "%s", h != NULL ? h : "");
	snprintf(g_home, sizeof(g_home), "/tmp/test_dmg.XXXXXX");
	if (mkdtemp(g_home) == NULL)
		return -1;
	return setenv("HOME", g_home, 1);
}

static int
home_teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/.daos_control.yml", g_home);
	unlink(path);
	snprintf(path, sizeof(path), "%s/other.yml", g_home);
	unlink(path);
	rmdir(g_home);
	return g_old_home[0] != '\0' ? setenv("HOME", g_old_home, 1) : unsetenv("HOME");
}

static void
write_file(const char *name, const char *text)
{
	char  path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", g_home, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* DMGA26: configuration: ~/.daos_control.yml, -o, -l over the hostlist, -i,
 * and the errors of a bad or missing file */
static void
dmga26_config(void **state)
{
	struct dmg_args a;
	struct dmg_ctx  ctx;
	char            err[DMG_MSG_MAX];
	char            line[256];

	(void)state;
	write_file(".daos_control.yml", "port: 4000\nhostlist: ['n[2-1]']\n"
					"transport_config: {allow_insecure: true}\n");
	assert_int_equal(parse("dmg system query", &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), -DER_INVAL);
	assert_non_null(strstr(err, "/.daos_control.yml:2: hostlist[0]: "));
	dmg_args_fini(&a);

	write_file(".daos_control.yml", "port: 4000\nhostlist: ['n[3,1]', 'm:5']\n"
					"transport_config: {allow_insecure: true}\n");
	assert_int_equal(parse("dmg system query", &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), 0);
	assert_true(ctx.dc_insecure);
	assert_int_equal(ctx.dc_port, 4000);
	assert_int_equal(ctx.dc_hosts_nr, 3);
	assert_string_equal(ctx.dc_hosts[0], "n1:4000");
	assert_string_equal(ctx.dc_hosts[1], "n3:4000");
	assert_string_equal(ctx.dc_hosts[2], "m:5");
	assert_non_null(strstr(ctx.dc_config_used, "/.daos_control.yml"));
	dmg_ctx_fini(&ctx);
	dmg_args_fini(&a);

	/* -l replaces the hostlist; hosts without a port get the config's */
	assert_int_equal(parse("dmg -l x,y:7 system query", &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), 0);
	assert_int_equal(ctx.dc_hosts_nr, 2);
	assert_string_equal(ctx.dc_hosts[0], "x:4000");
	assert_string_equal(ctx.dc_hosts[1], "y:7");
	dmg_ctx_fini(&ctx);
	dmg_args_fini(&a);

	/* -o names another file; TLS files are checked at once */
	write_file("other.yml", "hostlist: ['a']\ntransport_config:\n  ca_cert: /nonexistent/ca.crt\n"
				"  cert: /nonexistent/admin.crt\n  key: /nonexistent/admin.key\n");
	snprintf(line, sizeof(line), "dmg -o %s/other.yml system query", g_home);
	assert_int_equal(parse(line, &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), -DER_NO_CERT);
	assert_string_equal(err, "cannot read CA certificate '/nonexistent/ca.crt': No such file "
				 "or directory");
	dmg_args_fini(&a);
	/* ... unless -i */
	snprintf(line, sizeof(line), "dmg -i -o %s/other.yml system query", g_home);
	assert_int_equal(parse(line, &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), 0);
	assert_string_equal(ctx.dc_hosts[0], "a:10001");
	dmg_ctx_fini(&ctx);
	dmg_args_fini(&a);

	snprintf(line, sizeof(line), "dmg -o %s/missing.yml system query", g_home);
	assert_int_equal(parse(line, &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), -DER_NONEXIST);
	assert_non_null(strstr(err, "missing.yml"));
	dmg_args_fini(&a);

	/* no file at all: built-in defaults (localhost:10001, TLS with DAOS's paths) */
	write_file(".daos_control.yml", "");
	assert_int_equal(parse("dmg system query", &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), -DER_INVAL);
	dmg_args_fini(&a);
	snprintf(line, sizeof(line), "%s/.daos_control.yml", g_home);
	unlink(line);
	if (access(DMG_SYSTEM_CONFIG, F_OK) == 0)
		return; /* this machine has a system-wide config: defaults not reachable */
	assert_int_equal(parse("dmg -i system query", &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), 0);
	assert_null(ctx.dc_config_used);
	assert_int_equal(ctx.dc_hosts_nr, 1);
	assert_string_equal(ctx.dc_hosts[0], "localhost:10001");
	dmg_ctx_fini(&ctx);
	dmg_args_fini(&a);
	if (access(DMG_DEFAULT_CA_CERT, F_OK) == 0)
		return;
	assert_int_equal(parse("dmg system query", &a, err, sizeof(err)), 0);
	assert_int_equal(dmg_ctx_init(&ctx, &a, err, sizeof(err)), -DER_NO_CERT);
	assert_string_equal(err, "cannot read CA certificate '/etc/daos/certs/daosCA.crt': No "
				 "such file or directory");
	dmg_args_fini(&a);
}

/* Parse a line that must succeed. */
static void
parse_ok(const char *line, struct dmg_args *a)
{
	char err[DMG_MSG_MAX];
	int  rc = parse(line, a, err, sizeof(err));

	if (rc != 0)
		fail_msg("'%s': %s", line, err);
	assert_false(a->da_help);
}

/* The request of a command line, compact JSON with sorted keys. */
static char *
request_of(const char *line)
{
	struct dmg_args a;
	json_t         *req;
	char           *text;

	parse_ok(line, &a);
	req = dmg_pool_request(&a);
	assert_non_null(req);
	text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(req);
	dmg_args_fini(&a);
	return text;
}

static void
expect_request(const char *line, const char *json)
{
	char *text = request_of(line);

	print_message("# %s\n", line);
	assert_string_equal(text, json);
	free(text);
}

/* DMGA27: the pool commands, aliases, positional arguments and their checks */
static void
dmga27_pool_tree(void **state)
{
	struct dmg_args a;

	(void)state;
	expect_cmd("dmg pool create -z 1G", DMG_CMD_POOL_CREATE);
	expect_cmd("dmg pool destroy tank", DMG_CMD_POOL_DESTROY);
	expect_cmd("dmg pool list", DMG_CMD_POOL_LIST);
	expect_cmd("dmg pool ls", DMG_CMD_POOL_LIST);
	expect_cmd("dmg pool query tank", DMG_CMD_POOL_QUERY);
	expect_cmd("dmg pool query-targets tank --rank 0", DMG_CMD_POOL_QUERY_TARGETS);
	expect_cmd("dmg pool get-prop tank", DMG_CMD_POOL_GET_PROP);
	expect_cmd("dmg pool set-prop tank reclaim:time", DMG_CMD_POOL_SET_PROP);
	expect_cmd("dmg pool exclude tank --rank 1", DMG_CMD_POOL_EXCLUDE);
	expect_cmd("dmg pool reintegrate tank --rank 1", DMG_CMD_POOL_REINTEGRATE);
	expect_cmd("dmg pool reint tank --rank 1", DMG_CMD_POOL_REINTEGRATE);
	expect_cmd("dmg system list-pools", DMG_CMD_SYSTEM_LIST_POOLS);
	assert_string_equal(dmg_cmd_name(DMG_CMD_POOL_QUERY_TARGETS), "pool query-targets");
	expect_bad("dmg pool",
		   "Please specify one command of: create, destroy, exclude, get-prop, list, "
		   "query, query-targets, reintegrate or set-prop");
	expect_bad("dmg pool qury tank", "Unknown command `qury', did you mean `query'?");

	/* a pool by label or UUID */
	parse_ok("dmg pool query 11111111-2222-3333-4444-555555555555", &a);
	assert_string_equal(a.da_pool, "11111111-2222-3333-4444-555555555555");
	dmg_args_fini(&a);
	expect_bad("dmg pool query", "the required argument `<pool>' was not provided");
	expect_bad("dmg pool destroy -f", "the required argument `<pool>' was not provided");
	expect_bad("dmg pool query a/b", "invalid pool label or UUID 'a/b'");
	expect_bad("dmg pool query tank extra", "unexpected argument `extra' for `dmg pool query'");
	expect_bad("dmg pool list tank", "unexpected argument `tank' for `dmg pool list'");
	expect_bad("dmg pool query-targets tank", "the required flag `--rank' was not specified");
	expect_bad("dmg pool exclude tank", "the required flag `--rank' was not specified");
	expect_bad("dmg pool reintegrate tank --target-idx 1",
		   "the required flag `--rank' was not specified");
	expect_bad("dmg pool exclude tank --rank x",
		   "invalid --rank: 'x' (expected an integer from 0 to 4294967294)");
	expect_bad("dmg pool exclude tank --rank 1 --target-idx 64",
		   "invalid --target-idx: target index 64 is above 63");
	expect_bad("dmg pool exclude tank --rank 1 --target-idx a",
		   "invalid --target-idx: invalid rank 'a' in 'a'");
	expect_bad("dmg pool query tank --rank 1", "unknown flag `--rank'");
	expect_bad("dmg pool list --label x", "unknown flag `--label'");

	/* get-prop: names of known properties; set-prop: checked name:value pairs */
	parse_ok("dmg pool get-prop tank label,space_rb", &a);
	assert_int_equal(json_array_size(a.da_prop_names), 2);
	dmg_args_fini(&a);
	expect_bad("dmg pool get-prop tank label,nope", "unknown pool property 'nope'");
	expect_bad("dmg pool get-prop tank label,", "invalid property names 'label,'");
	expect_bad("dmg pool set-prop tank",
		   "the required argument `<name:value,name:value...>' was not provided");
	expect_bad("dmg pool set-prop tank reclaim",
		   "invalid properties: 'reclaim' (expected name:value,name:value)");
	expect_bad("dmg pool set-prop tank reclaim:wat",
		   "invalid properties: invalid reclaim value wat (valid values: disabled, lazy, "
		   "time)");
	expect_bad("dmg pool set-prop tank svc_rf:1",
		   "invalid properties: pool property 'svc_rf' can only be set at pool create");
	expect_bad("dmg pool set-prop tank global_version:2",
		   "invalid properties: pool property 'global_version' is read-only");
	expect_bad("dmg pool set-prop tank space_rb:1,space_rb:2",
		   "invalid properties: property 'space_rb' given twice");
	expect_bad("dmg pool set-prop tank space_rb:1,",
		   "invalid properties: trailing ','");
	parse_ok("dmg pool set-prop tank self_heal:rebuild,exclude,space_rb:5%", &a);
	assert_string_equal(json_string_value(json_object_get(a.da_props, "self_heal")),
			    "exclude,rebuild");
	assert_string_equal(json_string_value(json_object_get(a.da_props, "space_rb")), "5");
	dmg_args_fini(&a);

	/* the other flags */
	parse_ok("dmg pool destroy tank -f -r", &a);
	assert_true(a.da_pool_force && a.da_recursive);
	dmg_args_fini(&a);
	parse_ok("dmg pool destroy tank --force --recursive", &a);
	assert_true(a.da_pool_force && a.da_recursive);
	dmg_args_fini(&a);
	parse_ok("dmg pool list -v -n", &a);
	assert_true(a.da_verbose && a.da_no_query);
	dmg_args_fini(&a);
	parse_ok("dmg system list-pools --no-query", &a);
	assert_true(a.da_no_query);
	dmg_args_fini(&a);
	parse_ok("dmg pool query tank -eb", &a);
	assert_true(a.da_show_enabled && a.da_show_disabled);
	dmg_args_fini(&a);
	parse_ok("dmg pool query-targets tank --rank=3 --target-idx 0,2-3", &a);
	assert_int_equal(a.da_rank, 3);
	assert_int_equal(d_rankset_count(&a.da_tgt_idx), 3);
	dmg_args_fini(&a);
}

/* DMGA28: pool create: sizes, tier ratios, the label (positional or -l), the
 * other flags, and every bad value or combination */
static void
dmga28_pool_create_args(void **state)
{
	struct dmg_args a;

	(void)state;
	parse_ok("dmg pool create tank -z 1T", &a);
	assert_string_equal(a.da_label, "tank");
	assert_true(a.da_size == 1000000000000ull && a.da_size_pct == 0);
	dmg_args_fini(&a);
	parse_ok("dmg pool create --size=512G --label tank -t 10,90", &a);
	assert_string_equal(a.da_label, "tank");
	assert_true(a.da_size == 512000000000ull);
	assert_true(a.da_tier_ratio[0] == 10.0 && a.da_tier_ratio[1] == 90.0);
	dmg_args_fini(&a);
	parse_ok("dmg pool create -z 10% -l tank", &a);
	assert_int_equal(a.da_size_pct, 10);
	dmg_args_fini(&a);
	parse_ok("dmg pool create -z 1.5GiB -t 5.5", &a);
	assert_true(a.da_size == 1610612736ull);
	assert_true(a.da_tier_ratio[0] == 5.5 && a.da_tier_ratio[1] == 94.5);
	assert_null(a.da_label);
	dmg_args_fini(&a);
	parse_ok("dmg pool create p -s 1G -n 10G -k 2 -v 3 -u bob -g staff@ -P reclaim:time", &a);
	assert_true(a.da_scm_size == 1000000000ull && a.da_nvme_size == 10000000000ull);
	assert_int_equal(a.da_nranks, 2);
	assert_int_equal(a.da_nsvc, 3);
	assert_string_equal(a.da_user, "bob@");
	assert_string_equal(a.da_group, "staff@");
	assert_string_equal(json_string_value(json_object_get(a.da_props, "reclaim")), "time");
	dmg_args_fini(&a);
	parse_ok("dmg pool create p -s 1G -n 0 -r 0-1", &a);
	assert_true(a.da_nvme_size_set && a.da_nvme_size == 0);
	assert_int_equal(d_rankset_count(&a.da_ranks), 2);
	dmg_args_fini(&a);
	/* -l before the command is the host list, after it the label */
	parse_ok("dmg -l h1 pool create -l tank -z 1G", &a);
	assert_int_equal(a.da_hostlist_nr, 1);
	assert_string_equal(a.da_hostlist[0], "h1");
	assert_string_equal(a.da_label, "tank");
	dmg_args_fini(&a);
	/* the label as a property */
	parse_ok("dmg pool create -z 1G -P label:tank,space_rb:10", &a);
	assert_string_equal(a.da_label, "tank");
	dmg_args_fini(&a);

	expect_bad("dmg pool create tank",
		   "the pool size is missing: give --size, or --scm-size (and --nvme-size)");
	expect_bad("dmg pool create tank -n 1G",
		   "the pool size is missing: give --size, or --scm-size (and --nvme-size)");
	expect_bad("dmg pool create tank -z 1G -s 1G",
		   "--size cannot be used with --scm-size or --nvme-size");
	expect_bad("dmg pool create tank -s 1G -t 6,94", "--tier-ratio goes with --size");
	expect_bad("dmg pool create tank -z 5% -t 6,94",
		   "--tier-ratio cannot be used with a percentage --size");
	expect_bad("dmg pool create tank -z 1G -k 2 -r 0-1",
		   "--nranks and --ranks cannot be used together");
	expect_bad("dmg pool create tank -z 1X",
		   "invalid --size: '1X' (expected a non-zero size in bytes with an optional "
		   "unit, e.g. 512M, 10G, 1T, 1TiB)");
	expect_bad("dmg pool create tank -z 0",
		   "invalid --size: '0' (expected a non-zero size in bytes with an optional "
		   "unit, e.g. 512M, 10G, 1T, 1TiB)");
	expect_bad("dmg pool create tank -z 99999999999E",
		   "invalid --size: '99999999999E' (expected a non-zero size in bytes with an "
		   "optional unit, e.g. 512M, 10G, 1T, 1TiB)");
	expect_bad("dmg pool create tank -z 0%",
		   "invalid --size: '0%' (a percentage must be 1% to 100%)");
	expect_bad("dmg pool create tank -z 101%",
		   "invalid --size: '101%' (a percentage must be 1% to 100%)");
	expect_bad("dmg pool create tank -s -1",
		   "expected argument for flag `-s, --scm-size'");
	expect_bad("dmg pool create tank -s 1G -n x",
		   "invalid --nvme-size: 'x' (expected a size in bytes with an optional unit, "
		   "e.g. 512M, 10G, 1T, 1TiB)");
	expect_bad("dmg pool create tank -z 1G -t 6,95",
		   "invalid --tier-ratio: '6,95' (expected SCM,NVMe percentages summing to 100, "
		   "e.g. 6,94)");
	expect_bad("dmg pool create tank -z 1G -t 6.123,93.877",
		   "invalid --tier-ratio: '6.123,93.877' (expected SCM,NVMe percentages summing "
		   "to 100, e.g. 6,94)");
	expect_bad("dmg pool create tank -z 1G -t 101",
		   "invalid --tier-ratio: '101' (expected SCM,NVMe percentages summing to 100, "
		   "e.g. 6,94)");
	expect_bad("dmg pool create tank -z 1G -k 0",
		   "invalid --nranks: '0' (expected an integer from 1 to 16384)");
	expect_bad("dmg pool create tank -z 1G -v 8",
		   "invalid --nsvc: '8' (expected an integer from 1 to 7)");
	expect_bad("dmg pool create a/b -z 1G",
		   "invalid pool label 'a/b' (1 to 127 of A-Z a-z 0-9 _ . : -, not a UUID)");
	expect_bad("dmg pool create 11111111-2222-3333-4444-555555555555 -z 1G",
		   "invalid pool label '11111111-2222-3333-4444-555555555555' (1 to 127 of A-Z "
		   "a-z 0-9 _ . : -, not a UUID)");
	expect_bad("dmg pool create -l a:b/c -z 1G",
		   "invalid --label: 'a:b/c' (1 to 127 of A-Z a-z 0-9 _ . : -, not a UUID)");
	expect_bad("dmg pool create one -l two -z 1G",
		   "the pool label is given twice: 'one' and --label 'two'");
	expect_bad("dmg pool create one -z 1G -P label:two",
		   "the pool label is given twice: 'one' and property label 'two'");
	expect_bad("dmg pool create one -z 1G -P nope:1",
		   "invalid --properties: unknown pool property 'nope'");
	expect_bad("dmg pool create one -z 1G -u @x",
		   "invalid --user: '@x' is not a user or group name");
	expect_bad("dmg pool create one -z 1G -g a@b@c",
		   "invalid --group: 'a@b@c' is not a user or group name");
	expect_bad("dmg pool create one two -z 1G",
		   "unexpected argument `two' for `dmg pool create'");
}

/* DMGA29: the requests of the pool commands */
static void
dmga29_pool_requests(void **state)
{
	(void)state;
	expect_request("dmg pool create tank -z 1T",
		       "{\"label\":\"tank\",\"total_bytes\":1000000000000}");
	expect_request("dmg pool create tank -z 10G -t 10,90 -k 2 -v 1",
		       "{\"label\":\"tank\",\"nranks\":2,\"nsvc\":1,\"tier_ratio\":[10.0,90.0],"
		       "\"total_bytes\":10000000000}");
	expect_request("dmg pool create -z 50%", "{\"size_pct\":50}");
	expect_request("dmg pool create t -s 1G -n 2G -r 1-2 -u u -g g -P space_rb:5%,label:t",
		       "{\"group\":\"g@\",\"label\":\"t\",\"nvme_bytes\":2000000000,"
		       "\"props\":{\"space_rb\":\"5\"},\"ranks\":\"1-2\",\"scm_bytes\":1000000000,"
		       "\"user\":\"u@\"}");
	expect_request("dmg pool destroy tank -f",
		       "{\"force\":true,\"pool\":\"tank\",\"recursive\":false}");
	expect_request("dmg pool list", "{\"no_query\":false}");
	expect_request("dmg system list-pools -n", "{\"no_query\":true}");
	expect_request("dmg pool query tank", "{\"pool\":\"tank\"}");
	expect_request("dmg pool query-targets tank --rank 2 --target-idx 3,0-1",
		       "{\"pool\":\"tank\",\"rank\":2,\"targets\":\"0-1,3\"}");
	expect_request("dmg pool exclude tank --rank 1",
		       "{\"pool\":\"tank\",\"rank\":1}");
	expect_request("dmg pool reintegrate tank --rank 1 --target-idx 2",
		       "{\"pool\":\"tank\",\"rank\":1,\"targets\":\"2\"}");
	expect_request("dmg pool get-prop tank", "{\"pool\":\"tank\"}");
	expect_request("dmg pool get-prop tank space_rb,label",
		       "{\"names\":[\"space_rb\",\"label\"],\"pool\":\"tank\"}");
	expect_request("dmg pool set-prop tank ec_cell_sz:1MiB,label:t2",
		       "{\"pool\":\"tank\",\"props\":{\"ec_cell_sz\":\"1048576\",\"label\":\"t2\"}}");
}

/* Render @reply with @fn and expect @text (or the error @msg with -DER_PROTO). */
#define RENDER(call, text)                                                                        \
	do {                                                                                      \
		struct dmg_out o_;                                                                \
		char           e_[DMG_MSG_MAX];                                                   \
		json_t        *r_ = load(reply);                                                  \
		int            rc_;                                                               \
                                                                                                  \
		dmg_out_init(&o_);                                                                \
		rc_ = call;                                                                       \
		if (rc_ != 0)                                                                     \
			fail_msg("render: %d %s", rc_, e_);                                       \
		assert_string_equal(o_.o_buf, text);                                              \
		dmg_out_fini(&o_);                                                                \
		json_decref(r_);                                                                  \
	} while (0)

#define RENDER_BAD(call, msg)                                                                     \
	do {                                                                                      \
		struct dmg_out o_;                                                                \
		char           e_[DMG_MSG_MAX];                                                   \
		json_t        *r_ = load(reply);                                                  \
                                                                                                  \
		dmg_out_init(&o_);                                                                \
		assert_int_equal(call, -DER_PROTO);                                               \
		assert_string_equal(e_, msg);                                                     \
		dmg_out_fini(&o_);                                                                \
		json_decref(r_);                                                                  \
	} while (0)

/* DMGA30: pool create and pool list as DAOS prints them */
static void
dmga30_pool_create_list(void **state)
{
	struct dmg_args a;
	struct dmg_out  o;
	const char     *reply;

	(void)state;
	reply = "{\"uuid\":\"6f2d4c2a-0000-4000-8000-000000000001\",\"label\":\"tank\","
		"\"svc_ldr\":0,\"svc_reps\":[0,1,2],\"tgt_ranks\":[0,1,2,3],"
		"\"tier_bytes\":[150000000,2350000000]}";
	RENDER(dmg_render_pool_create(r_, "h:1", &o_, e_, sizeof(e_)),
	       "Pool created with 6.00%,94.00% storage tier ratio\n"
	       "-------------------------------------------------\n"
	       "  UUID                 : 6f2d4c2a-0000-4000-8000-000000000001\n"
	       "  Service Leader       : 0\n"
	       "  Service Ranks        : [0-2]\n"
	       "  Storage Ranks        : [0-3]\n"
	       "  Total Size           : 10 GB\n"
	       "  Storage tier 0 (SCM) : 600 MB (150 MB / rank)\n"
	       "  Storage tier 1 (NVMe): 9.4 GB (2.4 GB / rank)\n"
	       "\n");
	reply = "{\"uuid\":\"u\",\"svc_ldr\":0,\"svc_reps\":[0],\"tgt_ranks\":[-1],"
		"\"tier_bytes\":[1,2]}";
	RENDER_BAD(dmg_render_pool_create(r_, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: tgt_ranks[0]: expected a rank");
	reply = "{\"uuid\":\"u\",\"svc_ldr\":0,\"svc_reps\":[0],\"tgt_ranks\":[0],"
		"\"tier_bytes\":[1,2,3]}";
	RENDER_BAD(dmg_render_pool_create(r_, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: tier_bytes: more than 2 entries");

	/* the lines printed before the create */
	parse_ok("dmg pool create -z 10G", &a);
	dmg_out_init(&o);
	assert_int_equal(dmg_pool_create_intro(&a, &o), 0);
	dmg_args_fini(&a);
	parse_ok("dmg pool create -z 5%", &a);
	assert_int_equal(dmg_pool_create_intro(&a, &o), 0);
	dmg_args_fini(&a);
	parse_ok("dmg pool create -s 1G -n 9G", &a);
	assert_int_equal(dmg_pool_create_intro(&a, &o), 0);
	dmg_args_fini(&a);
	assert_string_equal(o.o_buf,
			    "Creating DAOS pool with automatic storage allocation: 10 GB total, "
			    "6,94 tier ratio\n"
			    "Creating DAOS pool with 5% of all storage\n"
			    "Creating DAOS pool with manual per-engine storage allocation: 1.0 GB "
			    "SCM, 9.0 GB NVMe (10.00% ratio)\n");
	dmg_out_fini(&o);

	/* list: the largest tier's size, the most used and imbalanced tier */
	reply = "{\"pools\":[{\"uuid\":\"6f2d4c2a-0000-4000-8000-000000000001\",\"label\":"
		"\"tank\",\"state\":\"Ready\",\"svc_reps\":[0,1,2],\"targets_total\":32,"
		"\"targets_disabled\":0,\"usage\":[{\"tier_name\":\"SCM\",\"size\":"
		"360000000000,\"free\":340000000000,\"imbalance\":0},{\"tier_name\":\"NVME\","
		"\"size\":6000000000000,\"free\":3000000000000,\"imbalance\":12}]},"
		"{\"uuid\":\"abcdef01-0000-4000-8000-000000000002\",\"label\":\"\",\"state\":"
		"\"Degraded\",\"svc_reps\":[1],\"targets_total\":8,\"targets_disabled\":2,"
		"\"usage\":[{\"tier_name\":\"SCM\",\"size\":1000000000,\"free\":100000000,"
		"\"imbalance\":3},{\"tier_name\":\"NVME\",\"size\":0,\"free\":0,\"imbalance\":"
		"0}]},{\"uuid\":\"99999999-0000-4000-8000-000000000003\",\"label\":\"bad\","
		"\"state\":\"Ready\",\"svc_reps\":[0],\"targets_total\":4,\"targets_disabled\":0,"
		"\"query_error_msg\":\"rank 0 target 1: timed out\"}]}";
	RENDER(dmg_render_pool_list(r_, false, "h:1", &o_, e_, sizeof(e_)),
	       "Pool     Size   State    Used Imbalance Disabled\n"
	       "----     ----   -----    ---- --------- --------\n"
	       "tank     6.0 TB Ready    50%  12%       0/32\n"
	       "abcdef01 1.0 GB Degraded 90%  3%        2/8\n"
	       "\n"
	       "Query on pool \"bad\" unsuccessful, error: rank 0 target 1: timed out\n");
	RENDER(dmg_render_pool_list(r_, true, "h:1", &o_, e_, sizeof(e_)),
	       "Label UUID                                 State    SvcReps SCM Size SCM Used "
	       "SCM Imbalance NVME Size NVME Used NVME Imbalance Disabled UpgradeNeeded? "
	       "Rebuild State\n"
	       "----- ----                                 -----    ------- -------- -------- "
	       "------------- --------- --------- -------------- -------- -------------- "
	       "-------------\n"
	       "tank  6f2d4c2a-0000-4000-8000-000000000001 Ready    [0-2]   360 GB   20 GB    "
	       "0%            6.0 TB    3.0 TB    12%            0/32     None           idle\n"
	       "-     abcdef01-0000-4000-8000-000000000002 Degraded [1]     1.0 GB   900 MB   "
	       "3%            0 B       0 B       0%             2/8      None           idle\n"
	       "\n"
	       "Query on pool \"bad\" unsuccessful, error: rank 0 target 1: timed out\n");
	reply = "{\"pools\":[{\"uuid\":\"6f2d4c2a-0000-4000-8000-000000000001\",\"label\":"
		"\"tank\",\"state\":\"Ready\",\"svc_reps\":[0],\"targets_total\":4,"
		"\"targets_disabled\":0}]}";
	RENDER(dmg_render_pool_list(r_, true, "h:1", &o_, e_, sizeof(e_)),
	       "Label UUID                                 State SvcReps Disabled UpgradeNeeded? "
	       "Rebuild State\n"
	       "----- ----                                 ----- ------- -------- -------------- "
	       "-------------\n"
	       "tank  6f2d4c2a-0000-4000-8000-000000000001 Ready [0]     0/4      None           "
	       "idle\n"
	       "\n");
	reply = "{\"pools\":[]}";
	RENDER(dmg_render_pool_list(r_, false, "h:1", &o_, e_, sizeof(e_)),
	       "No pools in system\n");
	reply = "{\"pools\":[{\"uuid\":\"u\",\"state\":\"Ready\",\"targets_total\":4,"
		"\"targets_disabled\":5}]}";
	RENDER_BAD(dmg_render_pool_list(r_, false, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: pools[0].targets_disabled: 5 is out of range [0, 4]");
	reply = "{\"pools\":[{\"uuid\":\"u\",\"state\":\"Ready\",\"targets_total\":4,"
		"\"targets_disabled\":0,\"usage\":[{\"size\":1,\"free\":2,\"imbalance\":0}]}]}";
	RENDER_BAD(dmg_render_pool_list(r_, false, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: pools[0].usage[0].free: 2 is out of range [0, 1]");
	reply = "{}";
	RENDER_BAD(dmg_render_pool_list(r_, false, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: pools: missing");
}

/* DMGA31: pool query, query-targets and get-prop as DAOS prints them */
static void
dmga31_pool_query_props(void **state)
{
	struct dmg_args a;
	const char     *reply;

	(void)state;
	parse_ok("dmg pool query tank -e -b", &a);
	reply = "{\"uuid\":\"6f2d4c2a-0000-4000-8000-000000000001\",\"state\":\"Degraded\","
		"\"total_targets\":8,\"disabled_targets\":2,\"active_targets\":6,\"svc_ldr\":1,"
		"\"map_version\":3,\"enabled_ranks\":\"0\",\"disabled_ranks\":\"1\","
		"\"rebuild\":{\"status\":0,\"state\":\"idle\",\"objects\":0,\"records\":0},"
		"\"tier_stats\":[{\"media_type\":\"scm\",\"total\":6000000000,\"free\":"
		"5900000000,\"min\":980000000,\"max\":990000000,\"mean\":983333333},"
		"{\"media_type\":\"nvme\",\"total\":60000000000,\"free\":59000000000,\"min\":"
		"9800000000,\"max\":9900000000,\"mean\":9833333333}]}";
	RENDER(dmg_render_pool_query(r_, &a, "h:1", &o_, e_, sizeof(e_)),
	       "Pool 6f2d4c2a-0000-4000-8000-000000000001, ntarget=8, disabled=2, leader=1, "
	       "version=3, state=Degraded\n"
	       "Pool health info:\n"
	       "- Enabled ranks: 0\n"
	       "- Disabled ranks: 1\n"
	       "- Rebuild idle, 0 objs, 0 recs\n"
	       "Pool space info:\n"
	       "- Target(VOS) count:6\n"
	       "- Storage tier 0 (SCM):\n"
	       "  Total size: 6.0 GB\n"
	       "  Free: 5.9 GB, min:980 MB, max:990 MB, mean:983 MB\n"
	       "- Storage tier 1 (NVMe):\n"
	       "  Total size: 60 GB\n"
	       "  Free: 59 GB, min:9.8 GB, max:9.9 GB, mean:9.8 GB\n");
	dmg_args_fini(&a);
	parse_ok("dmg pool query tank", &a);
	reply = "{\"uuid\":\"u\",\"state\":\"Ready\",\"total_targets\":1,\"disabled_targets\":0,"
		"\"active_targets\":1,\"svc_ldr\":0,\"map_version\":1,\"rebuild\":{\"status\":"
		"-1011,\"state\":\"idle\",\"objects\":0,\"records\":0},\"tier_stats\":[]}";
	RENDER(dmg_render_pool_query(r_, &a, "h:1", &o_, e_, sizeof(e_)),
	       "Pool u, ntarget=1, disabled=0, leader=0, version=1, state=Ready\n"
	       "Pool health info:\n"
	       "- Rebuild failed, status=-1011\n"
	       "Pool space info:\n"
	       "- Target(VOS) count:1\n");
	reply = "{\"uuid\":\"u\",\"state\":\"Ready\",\"total_targets\":1,\"disabled_targets\":2,"
		"\"active_targets\":1,\"svc_ldr\":0,\"map_version\":1,\"tier_stats\":[]}";
	RENDER_BAD(dmg_render_pool_query(r_, &a, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: disabled_targets: 2 is out of range [0, 1]");
	reply = "{\"uuid\":\"u\",\"state\":\"Ready\",\"total_targets\":1,\"disabled_targets\":0,"
		"\"active_targets\":1,\"svc_ldr\":0,\"map_version\":1,\"tier_stats\":[{\"total\":"
		"1,\"free\":1,\"min\":1,\"max\":1}]}";
	RENDER_BAD(dmg_render_pool_query(r_, &a, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: tier_stats[0].mean: missing");
	dmg_args_fini(&a);

	reply = "{\"infos\":[{\"rank\":1,\"target\":0,\"type\":\"unknown\",\"state\":\"up_in\","
		"\"space\":[{\"media_type\":\"scm\",\"total\":1000000000,\"free\":990000000},"
		"{\"media_type\":\"nvme\",\"total\":10000000000,\"free\":10000000000}]},"
		"{\"rank\":1,\"target\":1,\"type\":\"unknown\",\"state\":\"down\",\"space\":[]}]}";
	RENDER(dmg_render_pool_targets(r_, "h:1", &o_, e_, sizeof(e_)),
	       "Target: type unknown, state up_in\n"
	       "- Storage tier 0 (SCM):\n"
	       "  Total size: 1.0 GB\n"
	       "  Free: 990 MB\n"
	       "- Storage tier 1 (NVMe):\n"
	       "  Total size: 10 GB\n"
	       "  Free: 10 GB\n"
	       "Target: type unknown, state down\n");
	reply = "{\"infos\":[{\"type\":\"unknown\",\"state\":\"up_in\",\"space\":[{\"total\":1}]}]}";
	RENDER_BAD(dmg_render_pool_targets(r_, "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: infos[0].space[0].free: missing");

	reply = "{\"props\":[{\"name\":\"ec_cell_sz\",\"description\":\"EC cell size\","
		"\"value\":65536},{\"name\":\"label\",\"description\":\"Pool label\",\"value\":"
		"\"tank\"},{\"name\":\"self_heal\",\"description\":\"Self-healing policy\","
		"\"value\":\"exclude,rebuild\"},{\"name\":\"space_rb\",\"description\":"
		"\"Rebuild space ratio\",\"value\":25},{\"name\":\"svc_list\",\"description\":"
		"\"Pool service replica list\",\"value\":[0,1,2]}]}";
	RENDER(dmg_render_pool_props(r_, "tank", "h:1", &o_, e_, sizeof(e_)),
	       "Pool tank properties:\n"
	       "Name                                 Value\n"
	       "----                                 -----\n"
	       "EC cell size (ec_cell_sz)            64 KiB\n"
	       "Pool label (label)                   tank\n"
	       "Self-healing policy (self_heal)      exclude,rebuild\n"
	       "Rebuild space ratio (space_rb)       25%\n"
	       "Pool service replica list (svc_list) [0-2]\n");
	reply = "{\"props\":[{\"name\":\"x\",\"description\":\"X\",\"value\":true}]}";
	RENDER_BAD(dmg_render_pool_props(r_, "tank", "h:1", &o_, e_, sizeof(e_)),
		   "invalid reply from h:1: props[0].value: expected a number, text or ranks");
}

/* DMGA32: the telemetry tree, its flags at every level and their defaults */
static void
dmga32_telemetry_args(void **state)
{
	struct dmg_args a;
	char            err[DMG_MSG_MAX];

	(void)state;
	expect_cmd("dmg telemetry metrics list", DMG_CMD_TELEMETRY_METRICS_LIST);
	expect_cmd("dmg telem metrics query", DMG_CMD_TELEMETRY_METRICS_QUERY);
	expect_cmd("dmg telemetry config", DMG_CMD_TELEMETRY_CONFIG);
	assert_string_equal(dmg_cmd_name(DMG_CMD_TELEMETRY_METRICS_QUERY),
			    "telemetry metrics query");

	/* defaults: localhost (NULL), 9191, every metric, install dir from $PATH */
	assert_int_equal(parse("dmg telemetry metrics list", &a, err, sizeof(err)), 0);
	assert_null(a.da_tm_host);
	assert_int_equal(a.da_tm_port, DMG_TM_DEFAULT_PORT);
	assert_false(a.da_tm_port_set);
	assert_null(a.da_tm_metrics);
	dmg_args_fini(&a);

	/* the seed's form: -l and -p before "metrics list" */
	assert_int_equal(parse("dmg telemetry -l srv1 -p 9292 metrics list", &a, err,
			       sizeof(err)), 0);
	assert_int_equal(a.da_cmd, DMG_CMD_TELEMETRY_METRICS_LIST);
	assert_string_equal(a.da_tm_host, "srv1");
	assert_int_equal(a.da_tm_port, 9292);
	assert_true(a.da_tm_port_set);
	assert_int_equal(a.da_hostlist_nr, 0);
	dmg_args_fini(&a);

	/* after the command, long forms, -m list in order */
	assert_int_equal(parse("dmg -j telemetry metrics query --host=10.0.0.1 --port 1 "
			       "-m engine_a,engine_b:x", &a, err, sizeof(err)), 0);
	assert_true(a.da_json);
	assert_string_equal(a.da_tm_host, "10.0.0.1");
	assert_int_equal(a.da_tm_port, 1);
	assert_int_equal(json_array_size(a.da_tm_metrics), 2);
	assert_string_equal(json_string_value(json_array_get(a.da_tm_metrics, 0)), "engine_a");
	assert_string_equal(json_string_value(json_array_get(a.da_tm_metrics, 1)), "engine_b:x");
	dmg_args_fini(&a);

	/* -l before "telemetry" is the global host list */
	assert_int_equal(parse("dmg -l h1 telemetry metrics list -p 65535", &a, err,
			       sizeof(err)), 0);
	assert_null(a.da_tm_host);
	assert_int_equal(a.da_hostlist_nr, 1);
	assert_int_equal(a.da_tm_port, 65535);
	dmg_args_fini(&a);

	/* config: -i is --install-dir after "config", --insecure before */
	assert_int_equal(parse("dmg -i telemetry config -i /opt/bin -s Prometheus -p 9300", &a,
			       err, sizeof(err)), 0);
	assert_int_equal(a.da_cmd, DMG_CMD_TELEMETRY_CONFIG);
	assert_true(a.da_insecure);
	assert_string_equal(a.da_tm_install_dir, "/opt/bin");
	assert_string_equal(a.da_tm_system, "Prometheus");
	assert_int_equal(a.da_tm_port, 9300);
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg telemetry config --install-dir=d --system=prometheus -l h[1-2]",
			       &a, err, sizeof(err)), 0);
	assert_string_equal(a.da_tm_install_dir, "d");
	assert_int_equal(a.da_hostlist_nr, 1); /* -l after config: the host list */
	assert_null(a.da_tm_host);
	dmg_args_fini(&a);
}

/* DMGA33: every class of bad telemetry argument, with its message */
static void
dmga33_telemetry_bad_args(void **state)
{
	char big[DMG_TM_HOST_MAX + 32];
	char line[DMG_TM_HOST_MAX + 64];

	(void)state;
	expect_bad("dmg telemetry", "Please specify one command of: config or metrics");
	expect_bad("dmg telemetry metrics", "Please specify one command of: list or query");
	expect_bad("dmg telemetry metrics lst", "Unknown command `lst', did you mean `list'?");
	expect_bad("dmg telemetry metrics list extra",
		   "unexpected argument `extra' for `dmg telemetry metrics list'");
	expect_bad("dmg telemetry metrics list -p 0",
		   "invalid --port: '0' (expected an integer from 1 to 65535)");
	expect_bad("dmg telemetry metrics list --port 65536",
		   "invalid --port: '65536' (expected an integer from 1 to 65535)");
	expect_bad("dmg telemetry -p x metrics list",
		   "invalid --port: 'x' (expected an integer from 1 to 65535)");
	expect_bad("dmg telemetry metrics list -p", "expected argument for flag `-p, --port'");
	expect_bad("dmg telemetry metrics list -l h:9191",
		   "invalid --host: 'h:9191' (expected one host name or IPv4 address, without a "
		   "port: give the port with --port)");
	expect_bad("dmg telemetry metrics list --host=",
		   "invalid --host: '' (expected one host name or IPv4 address, without a port: "
		   "give the port with --port)");
	expect_bad("dmg telemetry metrics list -l a,b",
		   "invalid --host: 'a,b' (expected one host name or IPv4 address, without a "
		   "port: give the port with --port)");
	memset(big, 'h', DMG_TM_HOST_MAX + 1);
	big[DMG_TM_HOST_MAX + 1] = '\0';
	snprintf(line, sizeof(line), "dmg telemetry metrics list -l %s", big);
	{
		struct dmg_args a;
		char            err[DMG_MSG_MAX];

		assert_int_equal(parse(line, &a, err, sizeof(err)), -DER_INVAL);
		assert_non_null(strstr(err, "invalid --host: 'hhhh"));
		dmg_args_fini(&a);
	}
	expect_bad("dmg telemetry metrics query -m a,,b",
		   "invalid --metrics: '' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, at most "
		   "1024 characters)");
	expect_bad("dmg telemetry metrics query -m 1abc",
		   "invalid --metrics: '1abc' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, at "
		   "most 1024 characters)");
	expect_bad("dmg telemetry metrics query -m a-b",
		   "invalid --metrics: 'a-b' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, at "
		   "most 1024 characters)");
	expect_bad("dmg telemetry metrics query -m a,",
		   "invalid --metrics: '' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, at most "
		   "1024 characters)");
	expect_bad("dmg telemetry metrics query -m a,b,a", "invalid --metrics: 'a' is given twice");
	expect_bad("dmg telemetry metrics query -m a -m b", "--metrics given more than once");
	expect_bad("dmg telemetry metrics list -m a", "unknown flag `-m'");
	expect_bad("dmg telemetry metrics list --install-dir=/x", "unknown flag `--install-dir'");
	expect_bad("dmg telemetry config -s graphite",
		   "unsupported telemetry system: 'graphite' (supported: prometheus)");
	expect_bad("dmg telemetry config -i=", "invalid --install-dir: empty path");
	expect_bad("dmg telemetry config -m a", "unknown flag `-m'");
	expect_bad("dmg telemetry config extra",
		   "unexpected argument `extra' for `dmg telemetry config'");
}

/* Parse text that must be accepted. */
static void
prom_ok(const char *text, struct dmg_prom *p)
{
	char err[DMG_MSG_MAX];
	int  rc = dmg_prom_parse(text, strlen(text), p, err, sizeof(err));

	if (rc != 0)
		fail_msg("refused (%d): %s", rc, err);
}

/* Text that must be refused with rc and exactly msg. */
static void
prom_bad(const char *text, int rc, const char *msg)
{
	struct dmg_prom p;
	char            err[DMG_MSG_MAX];

	assert_int_equal(dmg_prom_parse(text, strlen(text), &p, err, sizeof(err)), rc);
	assert_string_equal(err, msg);
	dmg_prom_fini(&p);
}

/* DMGA34: the parser on good text: every construct of the format */
static void
dmga34_prom_parse(void **state)
{
	const struct dmg_prom_family *f;
	struct dmg_prom               p;

	(void)state;
	prom_ok("# A comment line\n"
		"#comment without a blank\n"
		"\n"
		"  \t\n"
		"# HELP engine_a Requests \\\\ handled\\nsince start\n"
		"# TYPE engine_a counter\n"
		"engine_a{rank=\"0\",target=\"1\"} 12 1700000000000\n"
		"engine_a{target=\"0\" , rank = \"1\" , } 3e2\n"
		"engine_a 5\n"
		"#TYPE engine_g gauge\n"
		"engine_g{path=\"a\\\\b\\\"c\\nd\",utf=\"\xc3\xa9t\xc3\xa9\"} -1.5\n"
		"engine_g{x=\"\"}\t+Inf  \t -5\n"
		"engine_u NaN\n"
		"engine_v{a=\"1\"}.5\n"
		"# HELP engine_empty Declared, never sampled\n"
		"# TYPE engine_empty gauge\n"
		"# TYPE s summary\n"
		"s{quantile=\"0.5\"} 1\n"
		"s_sum 3\n"
		"s_count 2\n"
		"# TYPE h histogram\n"
		"h_bucket{le=\"1\"} 1\n"
		"h_bucket{le=\"+Inf\"} 2\n"
		"h_sum 4\n"
		"h_count 2\n"
		"s_sum 9",
		&p);
	assert_int_equal(p.pm_nr, 8);
	assert_int_equal(p.pm_samples, 15);
	f = dmg_prom_find(&p, "engine_a");
	assert_non_null(f);
	assert_int_equal(f->pf_type, DMG_PROM_COUNTER);
	assert_string_equal(f->pf_help, "Requests \\ handled\nsince start");
	assert_int_equal(f->pf_nr, 3);
	assert_true(f->pf_samples[0].ps_has_ts);
	assert_true(f->pf_samples[0].ps_ts == 1700000000000LL);
	assert_true(f->pf_samples[1].ps_value == 300);
	/* labels are kept sorted by name */
	assert_string_equal(f->pf_samples[1].ps_labels[0].pl_name, "rank");
	assert_string_equal(f->pf_samples[1].ps_labels[0].pl_value, "1");
	assert_string_equal(dmg_prom_label(&f->pf_samples[1], "target"), "0");
	assert_null(dmg_prom_label(&f->pf_samples[2], "rank"));
	f = dmg_prom_find(&p, "engine_g");
	assert_int_equal(f->pf_type, DMG_PROM_GAUGE);
	assert_null(f->pf_help);
	assert_string_equal(dmg_prom_label(&f->pf_samples[0], "path"), "a\\b\"c\nd");
	assert_string_equal(dmg_prom_label(&f->pf_samples[0], "utf"), "\xc3\xa9t\xc3\xa9");
	assert_true(isinf(f->pf_samples[1].ps_value) && f->pf_samples[1].ps_value > 0);
	assert_true(f->pf_samples[1].ps_ts == -5);
	f = dmg_prom_find(&p, "engine_u");
	assert_int_equal(f->pf_type, DMG_PROM_UNTYPED);
	assert_false(f->pf_typed);
	assert_true(isnan(f->pf_samples[0].ps_value));
	assert_true(dmg_prom_find(&p, "engine_v")->pf_samples[0].ps_value == 0.5);
	assert_int_equal(dmg_prom_find(&p, "engine_empty")->pf_nr, 0);
	f = dmg_prom_find(&p, "s");
	assert_int_equal(f->pf_type, DMG_PROM_SUMMARY);
	assert_int_equal(f->pf_nr, 3);
	assert_int_equal(f->pf_samples[1].ps_suffix, DMG_PROM_SFX_SUM);
	assert_int_equal(f->pf_samples[2].ps_suffix, DMG_PROM_SFX_COUNT);
	f = dmg_prom_find(&p, "h");
	assert_int_equal(f->pf_nr, 4);
	assert_int_equal(f->pf_samples[0].ps_suffix, DMG_PROM_SFX_BUCKET);
	/* after another family, "s_sum" is a family of its own */
	f = dmg_prom_find(&p, "s_sum");
	assert_non_null(f);
	assert_int_equal(f->pf_type, DMG_PROM_UNTYPED);
	assert_null(dmg_prom_find(&p, "nope"));
	dmg_prom_fini(&p);

	/* nothing at all, and CR-free text without a final newline */
	prom_ok("", &p);
	assert_int_equal(p.pm_nr, 0);
	dmg_prom_fini(&p);
	prom_ok("a 1", &p);
	assert_int_equal(p.pm_nr, 1);
	dmg_prom_fini(&p);
}

/* DMGA35: every class of bad text, refused with the line and the reason */
static void
dmga35_prom_bad(void **state)
{
	(void)state;
	/* names */
	prom_bad("1a 1\n", -DER_INVAL, "line 1: invalid metric name at '1a 1'");
	prom_bad("a-b 1\n", -DER_INVAL, "line 1: invalid character '-' in metric name 'a'");
	prom_bad("a 1\n{x=\"1\"} 2\n", -DER_INVAL, "line 2: invalid metric name at '{x=\"1\"} 2'");
	prom_bad("# HELP 9x help\n", -DER_INVAL,
		 "line 1: invalid metric name '9x help' after HELP");
	prom_bad("# TYPE\n", -DER_INVAL, "line 1: expected a metric name after TYPE");
	prom_bad("# HELP a-b x\n", -DER_INVAL, "line 1: invalid metric name 'a-b x' after HELP");
	/* values and timestamps */
	prom_bad("a\n", -DER_INVAL, "line 1: expected a value after 'a'");
	prom_bad("a{x=\"1\"}\n", -DER_INVAL, "line 1: expected a value after 'a'");
	prom_bad("a 1x\n", -DER_INVAL,
		 "line 1: invalid value '1x' of 'a' (expected a decimal number, NaN, +Inf or "
		 "-Inf)");
	prom_bad("a 0x10\n", -DER_INVAL,
		 "line 1: invalid value '0x10' of 'a' (expected a decimal number, NaN, +Inf or "
		 "-Inf)");
	prom_bad("a 1e\n", -DER_INVAL,
		 "line 1: invalid value '1e' of 'a' (expected a decimal number, NaN, +Inf or "
		 "-Inf)");
	prom_bad("a 1e999\n", -DER_INVAL,
		 "line 1: invalid value '1e999' of 'a' (expected a decimal number, NaN, +Inf or "
		 "-Inf)");
	prom_bad("a 1 12.5\n", -DER_INVAL,
		 "line 1: invalid timestamp '12.5' (expected integer milliseconds)");
	prom_bad("a 1 99999999999999999999\n", -DER_INVAL,
		 "line 1: invalid timestamp '99999999999999999999' (expected integer "
		 "milliseconds)");
	prom_bad("a 1 2 3\n", -DER_INVAL, "line 1: unexpected text '3' after the timestamp");
	/* labels */
	prom_bad("a{1x=\"1\"} 1\n", -DER_INVAL, "line 1: invalid label name at '1x=\"1\"} 1'");
	prom_bad("a{x:y=\"1\"} 1\n", -DER_INVAL, "line 1: expected '=' after label name 'x'");
	prom_bad("a{__name__=\"1\"} 1\n", -DER_INVAL,
		 "line 1: label name '__name__' is reserved (starts with __)");
	prom_bad("a{x} 1\n", -DER_INVAL, "line 1: expected '=' after label name 'x'");
	prom_bad("a{x=1} 1\n", -DER_INVAL, "line 1: expected '\"' to open the value of label 'x'");
	prom_bad("a{x=\"1} 1\n", -DER_INVAL, "line 1: unterminated value of label 'x'");
	prom_bad("a{x=\"\\t\"} 1\n", -DER_INVAL,
		 "line 1: invalid escape sequence '\\t' in the value of label 'x' (only \\\\, \\\" "
		 "and \\n)");
	prom_bad("a{x=\"1\" y=\"2\"} 1\n", -DER_INVAL,
		 "line 1: expected ',' or '}' after the value of label 'x'");
	prom_bad("a{x=\"1\",x=\"2\"} 1\n", -DER_INVAL, "line 1: label 'x' given twice");
	prom_bad("a{x=\"\xff\"} 1\n", -DER_INVAL, "line 1: value of label 'x' is not valid UTF-8");
	prom_bad("a{x=\"\xc0\xaf\"} 1\n", -DER_INVAL,
		 "line 1: value of label 'x' is not valid UTF-8"); /* overlong '/' */
	prom_bad("a{x=\"\xed\xa0\x80\"} 1\n", -DER_INVAL,
		 "line 1: value of label 'x' is not valid UTF-8"); /* surrogate */
	prom_bad("a{x=\"\xe2\x82\"} 1\n", -DER_INVAL,
		 "line 1: value of label 'x' is not valid UTF-8"); /* truncated */
	/* HELP and TYPE */
	prom_bad("# HELP a x\\ty\n", -DER_INVAL,
		 "line 1: invalid escape sequence '\\t' in the help of 'a' (only \\\\ and \\n)");
	prom_bad("# HELP a x\\\n", -DER_INVAL,
		 "line 1: invalid escape sequence '\\' in the help of 'a' (only \\\\ and \\n)");
	prom_bad("# HELP a \xe9t\xe9\n", -DER_INVAL, "line 1: help text of 'a' is not valid UTF-8");
	prom_bad("# HELP a x\n# HELP a y\n", -DER_INVAL,
		 "line 2: second HELP line for metric family 'a'");
	prom_bad("# TYPE a gauge\n# TYPE a counter\n", -DER_INVAL,
		 "line 2: second TYPE line for metric family 'a'");
	prom_bad("a 1\n# TYPE a gauge\n", -DER_INVAL,
		 "line 2: TYPE line for metric family 'a' after its samples");
	prom_bad("a 1\n# HELP a x\n", -DER_INVAL,
		 "line 2: HELP line for metric family 'a' after its samples");
	prom_bad("# TYPE a Gauge\n", -DER_INVAL,
		 "line 1: unknown metric type 'Gauge' for 'a' (counter, gauge, histogram, summary "
		 "or untyped)");
	prom_bad("# TYPE a gauge x\n", -DER_INVAL,
		 "line 1: unexpected text 'x' after the type of 'a'");
	/* families and series */
	prom_bad("a 1\nb 2\na 3\n", -DER_INVAL,
		 "line 3: metric family 'a' continues after other families (first seen on line "
		 "1): a family's lines must be contiguous");
	prom_bad("# HELP a x\nb 1\n# TYPE a gauge\n", -DER_INVAL,
		 "line 3: metric family 'a' continues after other families (first seen on line "
		 "1): a family's lines must be contiguous");
	prom_bad("a{x=\"1\",y=\"2\"} 1\na 2\na{y=\"2\",x=\"1\"} 3\n", -DER_INVAL,
		 "line 3: duplicate sample of 'a' with the same labels as line 1");
	prom_bad("# TYPE s summary\ns_sum 1\ns_count 1\ns_sum 2\n", -DER_INVAL,
		 "line 4: duplicate sample of 's_sum' with the same labels as line 2");
	prom_bad("# TYPE s summary\ns 1\n", -DER_INVAL,
		 "line 2: summary sample 's' without a 'quantile' label");
	prom_bad("# TYPE s summary\ns{quantile=\"x\"} 1\n", -DER_INVAL,
		 "line 2: invalid 'quantile' label value 'x' of 's'");
	prom_bad("# TYPE s summary\ns_sum{quantile=\"1\"} 1\n", -DER_INVAL,
		 "line 2: sample 's_sum' must not have a 'quantile' label");
	prom_bad("# TYPE h histogram\nh_bucket 1\n", -DER_INVAL,
		 "line 2: histogram bucket 'h_bucket' without a 'le' label");
	prom_bad("# TYPE h histogram\nh_bucket{le=\"NaN\"} 1\n", -DER_INVAL,
		 "line 2: invalid 'le' label value 'NaN' of 'h'");
	prom_bad("# TYPE h histogram\nh_count{le=\"1\"} 1\n", -DER_INVAL,
		 "line 2: sample 'h_count' must not have a 'le' label");
	{
		/* a NUL byte inside the text */
		static const char nul[] = "a 1\nb\0 2\n";
		struct dmg_prom   p;
		char              err[DMG_MSG_MAX];

		assert_int_equal(dmg_prom_parse(nul, sizeof(nul) - 1, &p, err, sizeof(err)),
				 -DER_INVAL);
		assert_string_equal(err, "line 2: NUL byte in the metrics text");
		dmg_prom_fini(&p);
	}
}

/* Allocations of the limit tests: abort on no memory (the compiler then knows
 * the buffers exist). */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		abort();
	return p;
}

static void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n);

	if (p == NULL)
		abort();
	return p;
}

/* Text of n copies of fmt (with %u the copy number) after head. */
static char *
repeat(const char *head, const char *fmt, uint32_t n)
{
	struct dmg_out o;

	dmg_out_init(&o);
	assert_int_equal(dmg_out_printf(&o, "%s", head), 0);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(dmg_out_printf(&o, fmt, i), 0);
	return o.o_buf; /* the caller frees */
}

/* DMGA36: every bound of the parser, at the limit and one past it */
static void
dmga36_prom_limits(void **state)
{
	struct dmg_prom p;
	char            err[DMG_MSG_MAX];
	char           *t;
	size_t          n;

	(void)state;
	/* body size: checked before anything is read */
	assert_int_equal(dmg_prom_parse("", (size_t)DMG_TM_BODY_MAX + 1, &p, err, sizeof(err)),
			 -DER_OVERFLOW);
	assert_string_equal(err, "metrics text of 268435457 bytes exceeds the limit of 268435456 "
				 "bytes");
	dmg_prom_fini(&p);

	/* line length */
	n = DMG_TM_LINE_MAX + 1;
	t = xmalloc(n + 8);
	memset(t, ' ', n);
	memcpy(t + n, "\na 1\n", 6);
	assert_int_equal(dmg_prom_parse(t, n + 5, &p, err, sizeof(err)), -DER_OVERFLOW);
	assert_string_equal(err, "line 1: line longer than 524288 bytes");
	dmg_prom_fini(&p);
	free(t);

	/* name lengths */
	t = xmalloc(DMG_TM_NAME_MAX + 64);
	memset(t, 'n', DMG_TM_NAME_MAX);
	strcpy(t + DMG_TM_NAME_MAX, " 1\n");
	prom_ok(t, &p);
	dmg_prom_fini(&p);
	memset(t, 'n', DMG_TM_NAME_MAX + 1);
	strcpy(t + DMG_TM_NAME_MAX + 1, " 1\n");
	prom_bad(t, -DER_OVERFLOW, "line 1: metric name longer than 1024 characters");
	t[0] = 'a';
	t[1] = '{';
	memset(t + 2, 'n', DMG_TM_NAME_MAX + 1);
	strcpy(t + DMG_TM_NAME_MAX + 3, "=\"1\"} 1\n");
	prom_bad(t, -DER_OVERFLOW, "line 1: label name longer than 1024 characters");
	free(t);

	/* labels per sample */
	t = repeat("a{", "l%u=\"v\",", DMG_TM_LABELS_MAX);
	n = strlen(t);
	t = xrealloc(t, n + 16);
	strcpy(t + n, "} 1\n");
	prom_ok(t, &p);
	dmg_prom_fini(&p);
	strcpy(t + n, "z=\"v\"} 1\n");
	prom_bad(t, -DER_OVERFLOW, "line 1: more than 64 labels");
	free(t);

	/* label value and help lengths */
	t = xmalloc(DMG_TM_HELP_MAX + 64);
	strcpy(t, "a{x=\"");
	memset(t + 5, 'v', DMG_TM_LABEL_VALUE_MAX + 1);
	strcpy(t + 5 + DMG_TM_LABEL_VALUE_MAX + 1, "\"} 1\n");
	prom_bad(t, -DER_OVERFLOW, "line 1: value of label 'x' longer than 4096 bytes");
	strcpy(t, "# HELP a ");
	memset(t + 9, 'h', DMG_TM_HELP_MAX + 1);
	strcpy(t + 9 + DMG_TM_HELP_MAX + 1, "\n");
	prom_bad(t, -DER_OVERFLOW, "line 1: help text of 'a' longer than 16384 bytes");
	free(t);

	/* value token */
	prom_bad("a 1.00000000000000000000000000000000000000000000000000000000000000000\n",
		 -DER_INVAL,
		 "line 1: invalid value '1.00000000000000000000000000000000000000000000000000000000"
		 "000000...' of 'a' (expected a decimal number, NaN, +Inf or -Inf)");

	/* families */
	t = repeat("", "f%u 1\n", DMG_TM_FAMILIES_MAX);
	prom_ok(t, &p);
	assert_int_equal(p.pm_nr, DMG_TM_FAMILIES_MAX);
	dmg_prom_fini(&p);
	free(t);
	t = repeat("", "f%u 1\n", DMG_TM_FAMILIES_MAX + 1);
	prom_bad(t, -DER_OVERFLOW, "line 65537: more than 65536 metric families");
	free(t);
}

/* DMGA37: values printed as Go's %g does (DAOS's dmg) */
static void
dmga37_prom_values(void **state)
{
	static const struct {
		double      v;
		const char *s;
	} cases[] = {
	    {0, "0"},         {125, "125"},          {2.25, "2.25"},
	    {-3.5, "-3.5"},   {100000, "100000"},    {1234567, "1.234567e+06"},
	    {0.0001, "0.0001"}, {0.00001, "1e-05"},  {1e21, "1e+21"},
	    {0.1, "0.1"},     {123456.7, "123456.7"}, {1795281157, "1.795281157e+09"},
	    {1.0 / 3, "0.3333333333333333"}, {6094.27, "6094.27"}, {-0.00012, "-0.00012"},
	    {1e-300, "1e-300"},
	};
	char buf[48];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dmg_prom_fmt_value(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
	}
	dmg_prom_fmt_value(NAN, buf, sizeof(buf));
	assert_string_equal(buf, "NaN");
	dmg_prom_fmt_value(INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "+Inf");
	dmg_prom_fmt_value(-INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "-Inf");
}

/* The list table and -j of a text. */
static void
render_list(const char *text, const char *expect_text, const char *expect_json)
{
	struct dmg_prom p;
	struct dmg_out  out;
	json_t         *resp = NULL;
	char           *js;

	prom_ok(text, &p);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_metrics_list(&p, &out, &resp), 0);
	assert_string_equal(out.o_buf != NULL ? out.o_buf : "", expect_text);
	js = json_dumps(resp, JSON_COMPACT);
	assert_string_equal(js, expect_json);
	free(js);
	json_decref(resp);
	dmg_out_fini(&out);
	dmg_prom_fini(&p);
}

/* DMGA38: metrics list and query as DAOS prints them, and their -j */
static void
dmga38_metrics_render(void **state)
{
	static const char text[] =
	    "# HELP my_metric A test metric\n"
	    "my_metric{foo=\"bar\"} 2.25\n"
	    "my_metric{ring=\"one\",bearer=\"frodo\"} 5\n"
	    "my_metric 125\n"
	    "# HELP my_counter A test metric\n"
	    "# TYPE my_counter counter\n"
	    "my_counter{foo=\"bar\"} 2.25\n"
	    "my_counter{ring=\"one\",bearer=\"frodo\"} 5\n"
	    "my_counter 125\n"
	    "# HELP my_gauge A test metric\n"
	    "# TYPE my_gauge gauge\n"
	    "my_gauge{foo=\"bar\"} 2.25\n"
	    "# HELP my_summary A test metric\n"
	    "# TYPE my_summary summary\n"
	    "my_summary{foo=\"bar\",quantile=\"0.5\"} 33.333\n"
	    "my_summary{foo=\"bar\",quantile=\"0.25\"} 2034\n"
	    "my_summary_sum{foo=\"bar\"} 6094.27\n"
	    "my_summary_count{foo=\"bar\"} 55\n"
	    "my_summary{quantile=\"0.25\"} 4\n"
	    "my_summary_sum 19.84\n"
	    "my_summary_count 102\n"
	    "# HELP my_histogram A test metric\n"
	    "# TYPE my_histogram histogram\n"
	    "my_histogram_bucket{foo=\"bar\",le=\"500\"} 2\n"
	    "my_histogram_bucket{foo=\"bar\",le=\"100\"} 1\n"
	    "my_histogram_sum{foo=\"bar\"} 6094.27\n"
	    "my_histogram_count{foo=\"bar\"} 55\n"
	    "my_histogram_sum 102\n"
	    "my_histogram_count 22\n"
	    "# HELP test_metric_1 Test Metric\n"
	    "# TYPE test_metric_1 gauge\n";
	struct dmg_prom p;
	struct dmg_out  out;
	json_t         *names;
	json_t         *resp = NULL;
	char            err[DMG_MSG_MAX];
	char           *js;

	(void)state;
	render_list("# HELP test_metric_1 Test metric\n# TYPE test_metric_1 gauge\n"
		    "# HELP test_metric_2 Another test metric\n# TYPE test_metric_2 summary\n"
		    "# HELP funny_hats Hilarious headwear\n# TYPE funny_hats counter\n"
		    "plain 1\n",
		    "Metric Set    Type    Description\n"
		    "----------    ----    -----------\n"
		    "funny_hats    Counter Hilarious headwear\n"
		    "plain         Generic\n"
		    "test_metric_1 Gauge   Test metric\n"
		    "test_metric_2 Summary Another test metric\n",
		    "{\"available_metric_sets\":["
		    "{\"type\":\"counter\",\"name\":\"funny_hats\",\"description\":\"Hilarious "
		    "headwear\",\"metrics\":null},"
		    "{\"type\":\"generic\",\"name\":\"plain\",\"description\":\"\","
		    "\"metrics\":null},"
		    "{\"type\":\"gauge\",\"name\":\"test_metric_1\",\"description\":"
		    "\"Test metric\","
		    "\"metrics\":null},"
		    "{\"type\":\"summary\",\"name\":\"test_metric_2\",\"description\":\"Another "
		    "test metric\",\"metrics\":null}]}");
	render_list("", "", "{\"available_metric_sets\":[]}");

	prom_ok(text, &p);
	/* query of named sets, in the order given */
	names = json_pack("[s,s,s,s,s]", "my_metric", "my_counter", "my_summary", "my_histogram",
			  "test_metric_1");
	dmg_out_init(&out);
	assert_int_equal(dmg_render_metrics_query(&p, names, &out, &resp, err, sizeof(err)), 0);
	assert_string_equal(out.o_buf,
			    "- Metric Set: my_metric (Type: Generic)\n"
			    "  A test metric\n"
			    "    Metric  Labels                   Value\n"
			    "    ------  ------                   -----\n"
			    "    Generic (foo=bar)                2.25\n"
			    "    Generic (bearer=frodo, ring=one) 5\n"
			    "    Generic N/A                      125\n"
			    "\n"
			    "- Metric Set: my_counter (Type: Counter)\n"
			    "  A test metric\n"
			    "    Metric  Labels                   Value\n"
			    "    ------  ------                   -----\n"
			    "    Counter (foo=bar)                2.25\n"
			    "    Counter (bearer=frodo, ring=one) 5\n"
			    "    Counter N/A                      125\n"
			    "\n"
			    "- Metric Set: my_summary (Type: Summary)\n"
			    "  A test metric\n"
			    "    Metric         Labels    Value\n"
			    "    ------         ------    -----\n"
			    "    Sample Count   (foo=bar) 55\n"
			    "    Sample Sum     (foo=bar) 6094.27\n"
			    "    Quantile(0.25) (foo=bar) 2034\n"
			    "    Quantile(0.5)  (foo=bar) 33.333\n"
			    "    Sample Count   N/A       102\n"
			    "    Sample Sum     N/A       19.84\n"
			    "    Quantile(0.25) N/A       4\n"
			    "\n"
			    "- Metric Set: my_histogram (Type: Histogram)\n"
			    "  A test metric\n"
			    "    Metric                     Labels    Value\n"
			    "    ------                     ------    -----\n"
			    "    Sample Count               (foo=bar) 55\n"
			    "    Sample Sum                 (foo=bar) 6094.27\n"
			    "    Bucket(0) Upper Bound      (foo=bar) 500\n"
			    "    Bucket(0) Cumulative Count (foo=bar) 2\n"
			    "    Bucket(1) Upper Bound      (foo=bar) 100\n"
			    "    Bucket(1) Cumulative Count (foo=bar) 1\n"
			    "    Sample Count               N/A       22\n"
			    "    Sample Sum                 N/A       102\n"
			    "\n"
			    "- Metric Set: test_metric_1 (Type: Gauge)\n"
			    "  Test Metric\n"
			    "    No metrics found\n"
			    "\n");
	js = json_dumps(json_array_get(json_object_get(resp, "metric_sets"), 0), JSON_COMPACT);
	assert_string_equal(js, "{\"type\":\"generic\",\"name\":\"my_metric\",\"description\":"
				"\"A test metric\",\"metrics\":[{\"labels\":{\"foo\":\"bar\"},"
				"\"value\":2.25},{\"labels\":{\"bearer\":\"frodo\","
				"\"ring\":\"one\"},"
				"\"value\":5},{\"labels\":{},\"value\":125}]}");
	free(js);
	js = json_dumps(json_array_get(json_object_get(resp, "metric_sets"), 2), JSON_COMPACT);
	assert_string_equal(js, "{\"type\":\"summary\",\"name\":\"my_summary\",\"description\":"
				"\"A test metric\",\"metrics\":[{\"labels\":{\"foo\":\"bar\"},"
				"\"sample_count\":55,\"sample_sum\":6094.2700000000004,"
				"\"quantiles\":"
				"{\"0.25\":\"2034\",\"0.5\":\"33.333\"}},{\"labels\":{},"
				"\"sample_count\":102,\"sample_sum\":19.84,\"quantiles\":"
				"{\"0.25\":\"4\"}}]}");
	free(js);
	js = json_dumps(json_array_get(json_object_get(resp, "metric_sets"), 3), JSON_COMPACT);
	assert_string_equal(js, "{\"type\":\"histogram\",\"name\":\"my_histogram\",\"description\":"
				"\"A test metric\",\"metrics\":[{\"labels\":{\"foo\":\"bar\"},"
				"\"sample_count\":55,\"sample_sum\":6094.2700000000004,"
				"\"buckets\":[{\"label\":"
				"\"\",\"cumulative_count\":2,\"upper_bound\":500},{\"label\":\"\","
				"\"cumulative_count\":1,\"upper_bound\":100}]},{\"labels\":{},"
				"\"sample_count\":22,\"sample_sum\":102,\"buckets\":[]}]}");
	free(js);
	json_decref(resp);
	json_decref(names);
	dmg_out_fini(&out);

	/* all sets: sorted by name */
	dmg_out_init(&out);
	assert_int_equal(dmg_render_metrics_query(&p, NULL, &out, &resp, err, sizeof(err)), 0);
	assert_true(strncmp(out.o_buf, "- Metric Set: my_counter (Type: Counter)\n", 41) == 0);
	assert_int_equal(json_array_size(json_object_get(resp, "metric_sets")), 6);
	json_decref(resp);
	dmg_out_fini(&out);

	/* a name the server does not publish */
	names = json_pack("[s,s]", "my_gauge", "nope");
	dmg_out_init(&out);
	assert_int_equal(dmg_render_metrics_query(&p, names, &out, &resp, err, sizeof(err)),
			 -DER_NONEXIST);
	assert_string_equal(err, "metric \"nope\" not found on host");
	assert_null(resp);
	json_decref(names);
	dmg_out_fini(&out);
	dmg_prom_fini(&p);
}

/* DMGA39: the Prometheus configuration and the prometheus link */
static void
dmga39_prom_config(void **state)
{
	static const char *const targets[] = {"h1:9191", "127.0.0.1:9300"};
	char                     dir[] = "/tmp/test_dmg_prom.XXXXXX";
	char                     bin[128], link[DMG_TM_PATH_MAX], path[DMG_TM_PATH_MAX + 256];
	char                     err[DMG_MSG_MAX];
	struct dmg_out           out;
	bool                     created;
	FILE                    *fp;

	(void)state;
	dmg_out_init(&out);
	assert_int_equal(dmg_prom_config_text(targets, 2, &out), 0);
	assert_string_equal(out.o_buf,
			    "# Written by 'dmg telemetry config': Prometheus scrapes the telemetry "
			    "endpoint\n"
			    "# (telemetry_port) of the DAOS servers of the dmg host list. Start it "
			    "with\n"
			    "#   prometheus --config.file=<this file>\n"
			    "global:\n"
			    "  scrape_interval: 15s\n"
			    "scrape_configs:\n"
			    "  - job_name: daos\n"
			    "    scrape_interval: 5s\n"
			    "    static_configs:\n"
			    "      - targets:\n"
			    "          - 'h1:9191'\n"
			    "          - '127.0.0.1:9300'\n");
	dmg_out_fini(&out);
	dmg_out_init(&out);
	assert_int_equal(dmg_prom_config_text(NULL, 0, &out), 0);
	assert_non_null(strstr(out.o_buf, "      - targets: []\n"));
	dmg_out_fini(&out);

	assert_non_null(mkdtemp(dir));
	snprintf(bin, sizeof(bin), "%s/fake_prometheus", dir);
	/* no binary: the message names the Debian package */
	assert_int_equal(dmg_prom_install(dir, bin, link, &created, err, sizeof(err)),
			 -DER_NONEXIST);
	snprintf(path, sizeof(path),
		 "prometheus is not installed (no %s): install the Debian package 'prometheus' "
		 "(apt-get install prometheus), then run this command again", bin);
	assert_string_equal(err, path);
	assert_false(created);
	/* a binary: linked, then found there the second time */
	fp = fopen(bin, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\n", fp);
	fclose(fp);
	assert_int_equal(chmod(bin, 0755), 0);
	assert_int_equal(dmg_prom_install(dir, bin, link, &created, err, sizeof(err)), 0);
	assert_true(created);
	snprintf(path, sizeof(path), "%s/prometheus", dir);
	assert_string_equal(link, path);
	{
		char    target[128];
		ssize_t n = readlink(link, target, sizeof(target) - 1);

		assert_true(n > 0);
		target[n] = '\0';
		assert_string_equal(target, bin);
	}
	assert_int_equal(dmg_prom_install(dir, bin, link, &created, err, sizeof(err)), 0);
	assert_false(created);
	/* something else in the way */
	unlink(link);
	fp = fopen(link, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(dmg_prom_install(dir, bin, link, &created, err, sizeof(err)),
			 -DER_EXIST);
	snprintf(path, sizeof(path), "%s/prometheus exists but is not an executable prometheus: "
		 "remove it or choose another --install-dir", dir);
	assert_string_equal(err, path);
	/* the directory: a file, then missing */
	assert_int_equal(dmg_prom_install(link, bin, path, &created, err, sizeof(err)),
			 -DER_INVAL);
	snprintf(path, sizeof(path), "install directory '%s' is not a directory", link);
	assert_string_equal(err, path);
	unlink(link);
	unlink(bin);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(dmg_prom_install(dir, bin, link, &created, err, sizeof(err)),
			 -DER_NONEXIST);
	snprintf(path, sizeof(path), "install directory '%s': No such file or directory", dir);
	assert_string_equal(err, path);
}

/*
 * SSD management (dmg_nvme.c)
 */

#define U1 "5bd91603-d3c7-4fb7-9a71-76bc25690c19"
#define U2 "80c9f1be-84b9-4318-a1be-c416c96ca48b"
#define U3 "051b77e4-1524-4662-9f32-f8e4d2542c2d"
#define U4 "81905b24-be44-4106-8ff9-03002e9dd86a"
#define U5 "2ccb8afb-5d32-454e-86e3-762ec5dca7be"
#define PU "08d6839b-c71a-4af6-901c-28e141b2b429"

/* Parse a command line, render fake results, check the outcome and the text. */
static void
expect_render(const char *line, const struct fake_host *hosts, uint32_t nr, int rc,
	      const char *text, const char *msg)
{
	struct dmg_host_result *res;
	struct dmg_args         a;
	struct dmg_out          out;
	char                    err[DMG_MSG_MAX];

	assert_int_equal(parse(line, &a, err, sizeof(err)), 0);
	res = make_results(hosts, nr);
	dmg_out_init(&out);
	assert_int_equal(dmg_render_nvme(res, nr, &a, 10001, &out, err, sizeof(err)), rc);
	assert_string_equal(out.o_buf != NULL ? out.o_buf : "", text);
	assert_string_equal(err, msg);
	dmg_out_fini(&out);
	dmg_results_free(res, nr);
	dmg_args_fini(&a);
}

/* DMGA40: the SSD management commands and their flags */
static void
dmga40_nvme_args(void **state)
{
	struct dmg_args a;
	char            err[DMG_MSG_MAX];

	(void)state;
	expect_cmd("dmg storage query list-devices", DMG_CMD_STORAGE_LIST_DEVICES);
	expect_cmd("dmg sto query list-pools", DMG_CMD_STORAGE_LIST_POOLS);
	expect_cmd("dmg storage query device-health -u " U1, DMG_CMD_STORAGE_DEVICE_HEALTH);
	expect_cmd("dmg storage query target-health -r 0 -t 3", DMG_CMD_STORAGE_TARGET_HEALTH);
	expect_cmd("dmg storage set nvme-faulty --uuid=" U1, DMG_CMD_STORAGE_SET_FAULTY);
	expect_cmd("dmg storage replace nvme --old-uuid " U1 " --new-uuid " U2,
		   DMG_CMD_STORAGE_REPLACE_NVME);
	expect_cmd("dmg storage identify vmd --uuid " U1, DMG_CMD_STORAGE_IDENTIFY_VMD);
	assert_string_equal(dmg_cmd_name(DMG_CMD_STORAGE_SET_FAULTY), "storage set nvme-faulty");
	assert_string_equal(dmg_cmd_name(DMG_CMD_STORAGE_IDENTIFY_VMD), "storage identify vmd");

	assert_int_equal(parse("dmg -j storage query list-devices -r 1 -u " U2 " -b", &a, err,
			       sizeof(err)), 0);
	assert_true(a.da_json && a.da_rank_set && a.da_health);
	assert_int_equal(a.da_rank, 1);
	assert_string_equal(a.da_uuid, U2);
	assert_true(dmg_nvme_cmd(&a));
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg storage query list-pools --rank=2 --uuid=" PU " -v", &a, err,
			       sizeof(err)), 0);
	assert_true(a.da_verbose && a.da_rank_set);
	assert_string_equal(a.da_uuid, PU);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg storage query target-health --rank 4 --tgtid=63", &a, err,
			       sizeof(err)), 0);
	assert_int_equal(a.da_rank, 4);
	assert_int_equal(a.da_tgtid, 63);
	assert_true(a.da_tgtid_set);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg storage set nvme-faulty -u " U1 " -f", &a, err, sizeof(err)),
			 0);
	assert_true(a.da_dev_force);
	dmg_args_fini(&a);

	assert_int_equal(parse("dmg storage replace nvme --new-uuid=" U2 " --old-uuid=" U1, &a,
			       err, sizeof(err)), 0);
	assert_string_equal(a.da_uuid, U1);
	assert_string_equal(a.da_new_uuid, U2);
	dmg_args_fini(&a);

	/* scan: the metadata or health views are dmg_nvme's; plain scan is not */
	assert_int_equal(parse("dmg storage scan -m", &a, err, sizeof(err)), 0);
	assert_true(a.da_nvme_meta && dmg_nvme_cmd(&a));
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg storage scan --nvme-health", &a, err, sizeof(err)), 0);
	assert_true(a.da_nvme_health && dmg_nvme_cmd(&a));
	dmg_args_fini(&a);
	assert_int_equal(parse("dmg storage scan -v", &a, err, sizeof(err)), 0);
	assert_false(dmg_nvme_cmd(&a));
	dmg_args_fini(&a);

	/* the new groups in the tree, and their help */
	expect_bad("dmg storage", "Please specify one command of: format, identify, query, "
				  "replace, scan or set");
	expect_bad("dmg storage set", "Please specify the nvme-faulty command");
	expect_bad("dmg storage replace", "Please specify the nvme command");
	expect_bad("dmg storage identify", "Please specify the vmd command");
	assert_int_equal(parse("dmg storage query list-devices --help", &a, err, sizeof(err)), 0);
	assert_true(a.da_help);
	{
		struct dmg_out out;

		dmg_out_init(&out);
		assert_int_equal(dmg_args_usage(&a, &out), 0);
		assert_non_null(strstr(out.o_buf, "dmg [OPTIONS] storage query list-devices "
						  "[list-devices-OPTIONS]"));
		assert_non_null(strstr(out.o_buf, "-b, --health"));
		dmg_out_fini(&out);
	}
	dmg_args_fini(&a);
}

/* DMGA41: every class of bad SSD management argument, with its message */
static void
dmga41_nvme_bad_args(void **state)
{
	(void)state;
	expect_bad("dmg storage query list-devices --uuid 1234",
		   "invalid --uuid: '1234' is not a UUID");
	expect_bad("dmg storage query list-devices -u 5bd91603-d3c7-4fb7-9a71-76bc25690c1g",
		   "invalid --uuid: '5bd91603-d3c7-4fb7-9a71-76bc25690c1g' is not a UUID");
	expect_bad("dmg storage query list-pools -u x", "invalid --uuid: 'x' is not a UUID");
	expect_bad("dmg storage replace nvme --old-uuid=zz --new-uuid=" U1,
		   "invalid --old-uuid: 'zz' is not a UUID");
	expect_bad("dmg storage replace nvme --old-uuid=" U1 " --new-uuid=" U1 "0",
		   "invalid --new-uuid: '" U1 "0' is not a UUID");
	expect_bad("dmg storage query list-devices --rank -1",
		   "expected argument for flag `-r, --rank'");
	expect_bad("dmg storage query list-devices --rank x",
		   "invalid --rank: 'x' (expected an integer from 0 to 4294967294)");
	expect_bad("dmg storage query list-devices --rank 4294967295",
		   "invalid --rank: '4294967295' (expected an integer from 0 to 4294967294)");
	expect_bad("dmg storage query target-health -r 0 -t 64",
		   "invalid --tgtid: '64' (expected an integer from 0 to 63)");
	expect_bad("dmg storage query target-health -r 0 -t x",
		   "invalid --tgtid: 'x' (expected an integer from 0 to 63)");
	/* required flags */
	expect_bad("dmg storage query device-health",
		   "the required flag `-u, --uuid' was not specified");
	expect_bad("dmg storage query target-health -t 1",
		   "the required flag `-r, --rank' was not specified");
	expect_bad("dmg storage query target-health -r 1",
		   "the required flag `-t, --tgtid' was not specified");
	expect_bad("dmg storage set nvme-faulty -f",
		   "the required flag `-u, --uuid' was not specified");
	expect_bad("dmg storage identify vmd", "the required flag `-u, --uuid' was not specified");
	expect_bad("dmg storage replace nvme --new-uuid " U1,
		   "the required flag `--old-uuid' was not specified");
	expect_bad("dmg storage replace nvme --old-uuid " U1,
		   "the required flag `--new-uuid' was not specified");
	/* flags of other commands, positional arguments, conflicts */
	expect_bad("dmg storage query list-pools -b", "unknown flag `-b'");
	expect_bad("dmg storage query device-health -u " U1 " --rank 0", "unknown flag `--rank'");
	expect_bad("dmg storage set nvme-faulty " U1,
		   "unexpected argument `" U1 "' for `dmg storage set nvme-faulty'");
	expect_bad("dmg storage scan -m -n",
		   "--nvme-meta and --nvme-health cannot be used together");
	expect_bad("dmg storage scan -v --nvme-meta",
		   "--verbose cannot be used with --nvme-meta or --nvme-health");
}

/* DMGA42: the requests of the SSD management commands */
static void
dmga42_nvme_requests(void **state)
{
	static const struct {
		const char *line;
		const char *method;
		const char *json;
	} cases[] = {
		{"dmg storage query list-devices", "smd_query", "{\"what\": \"devices\"}"},
		{"dmg storage query list-devices -r 3 -b -u 5BD91603-D3C7-4FB7-9A71-76BC25690C19",
		 "smd_query", "{\"what\": \"devices\", \"rank\": 3, \"uuid\": \"" U1 "\", "
			      "\"health\": true}"},
		{"dmg storage query list-pools -r 0 -u " PU " -v", "smd_query",
		 "{\"what\": \"pools\", \"rank\": 0, \"uuid\": \"" PU "\"}"},
		{"dmg storage query device-health -u " U1, "smd_query",
		 "{\"what\": \"devices\", \"uuid\": \"" U1 "\", \"health\": true}"},
		{"dmg storage query target-health -r 1 -t 2", "smd_query",
		 "{\"what\": \"devices\", \"rank\": 1, \"tgt\": 2, \"health\": true}"},
		{"dmg storage scan --nvme-meta", "smd_query", "{\"what\": \"devices\"}"},
		{"dmg storage scan --nvme-health", "smd_query",
		 "{\"what\": \"devices\", \"health\": true}"},
		{"dmg storage set nvme-faulty -u " U1 " --force", "dev_set_faulty",
		 "{\"uuid\": \"" U1 "\"}"},
		{"dmg storage replace nvme --old-uuid " U1 " --new-uuid " U2, "dev_replace",
		 "{\"old_uuid\": \"" U1 "\", \"new_uuid\": \"" U2 "\"}"},
		{"dmg storage identify vmd -u " U3, "dev_identify", "{\"uuid\": \"" U3 "\"}"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmg_args a;
		const char     *method = NULL;
		char            err[DMG_MSG_MAX];
		json_t         *req, *want = load(cases[i].json);

		assert_int_equal(parse(cases[i].line, &a, err, sizeof(err)), 0);
		req = dmg_nvme_request(&a, &method);
		assert_non_null(req);
		assert_string_equal(method, cases[i].method);
		if (!json_equal(req, want)) {
			char *got = json_dumps(req, JSON_SORT_KEYS);

			fail_msg("%s: got %s", cases[i].line, got);
		}
		json_decref(req);
		json_decref(want);
		dmg_args_fini(&a);
	}
}

/* The administration guide's list-devices host (boro-11), devices out of rank order. */
static const char seed_devs[] =
	"{\"host\": \"boro-11\", \"ranks\": [1, 0], \"engine_errors\": [], \"devices\": ["
	"{\"uuid\": \"" U4 "\", \"tr_addr\": \"5d0505:01:00.0\", \"targets\": [0, 2], "
	"\"state\": \"EVICTED\", \"rank\": 1},"
	"{\"uuid\": \"" U5 "\", \"tr_addr\": \"5d0505:03:00.0\", \"targets\": [1, 3], "
	"\"state\": \"NORMAL\", \"rank\": 1},"
	"{\"uuid\": \"" U1 "\", \"tr_addr\": \"0000:8a:00.0\", \"targets\": [0, 2], "
	"\"state\": \"NORMAL\", \"rank\": 0, \"class\": \"file\", \"size\": 1000000000},"
	"{\"uuid\": \"" U2 "\", \"tr_addr\": \"0000:8b:00.0\", \"targets\": [1, 3], "
	"\"state\": \"NORMAL\", \"rank\": 0, \"led\": \"OFF\"},"
	"{\"uuid\": \"" U3 "\", \"tr_addr\": \"0000:8c:00.0\", \"targets\": [], "
	"\"state\": \"NEW\", \"rank\": 0}]}";

/* DMGA43: list-devices reproduces the administration guide's output */
static void
dmga43_list_devices_seed(void **state)
{
	static const struct fake_host hosts[] = {{"boro-11:10001", seed_devs, 0, NULL}};

	(void)state;
	expect_render("dmg storage query list-devices", hosts, 1, 0,
		      "-------\n"
		      "boro-11\n"
		      "-------\n"
		      "  Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 [TrAddr:0000:8a:00.0]\n"
		      "      Targets:[0 2] Rank:0 State:NORMAL\n"
		      "    UUID:80c9f1be-84b9-4318-a1be-c416c96ca48b [TrAddr:0000:8b:00.0]\n"
		      "      Targets:[1 3] Rank:0 State:NORMAL\n"
		      "    UUID:051b77e4-1524-4662-9f32-f8e4d2542c2d [TrAddr:0000:8c:00.0]\n"
		      "      Targets:[] Rank:0 State:NEW\n"
		      "    UUID:81905b24-be44-4106-8ff9-03002e9dd86a [TrAddr:5d0505:01:00.0]\n"
		      "      Targets:[0 2] Rank:1 State:EVICTED\n"
		      "    UUID:2ccb8afb-5d32-454e-86e3-762ec5dca7be [TrAddr:5d0505:03:00.0]\n"
		      "      Targets:[1 3] Rank:1 State:NORMAL\n",
		      "");
}

/* DMGA44: list-pools and list-pools --verbose reproduce the guide's output */
static void
dmga44_list_pools_seed(void **state)
{
	static const char pools[] =
		"{\"ranks\": [0, 1], \"pools\": ["
		"{\"uuid\": \"" PU "\", \"rank\": 1, \"targets\": [0, 1, 2, 3], "
		"\"blobs\": [4294967410, 4294967411, 4294967413, 4294967412]},"
		"{\"uuid\": \"" PU "\", \"rank\": 0, \"targets\": [0, 1, 2, 3], "
		"\"blobs\": [4294967404, 4294967405, 4294967407, 4294967406]},"
		"{\"uuid\": \"" U1 "\", \"rank\": 0, \"targets\": [1], \"blobs\": [0]}]}";
	static const struct fake_host hosts[] = {{"boro-11:10001", pools, 0, NULL}};
	static const struct fake_host empty[] = {
		{"boro-11:10001", "{\"ranks\": [0], \"pools\": []}", 0, NULL}};

	(void)state;
	expect_render("dmg storage query list-pools", hosts, 1, 0,
		      "-------\n"
		      "boro-11\n"
		      "-------\n"
		      "  Pools\n"
		      "    UUID:08d6839b-c71a-4af6-901c-28e141b2b429\n"
		      "      Rank:0 Targets:[0 1 2 3]\n"
		      "      Rank:1 Targets:[0 1 2 3]\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19\n"
		      "      Rank:0 Targets:[1]\n",
		      "");
	expect_render("dmg storage query list-pools --verbose", hosts, 1, 0,
		      "-------\n"
		      "boro-11\n"
		      "-------\n"
		      "  Pools\n"
		      "    UUID:08d6839b-c71a-4af6-901c-28e141b2b429\n"
		      "      Rank:0 Targets:[0 1 2 3] Blobs:[4294967404 4294967405 4294967407 "
		      "4294967406]\n"
		      "      Rank:1 Targets:[0 1 2 3] Blobs:[4294967410 4294967411 4294967413 "
		      "4294967412]\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19\n"
		      "      Rank:0 Targets:[1] Blobs:[0]\n",
		      "");
	expect_render("dmg storage query list-pools", empty, 1, 0,
		      "-------\nboro-11\n-------\n  Pools\n    No pools found\n", "");
}

/* DMGA45: device-health: no SMART for emulated devices, the counters, their absence */
static void
dmga45_health(void **state)
{
	static const char h[] =
		"{\"ranks\": [0], \"devices\": [{\"uuid\": \"" U1 "\", \"tr_addr\": "
		"\"/var/tmp/bdev0\", \"targets\": [0, 1], \"state\": \"NORMAL\", \"rank\": 0, "
		"\"health\": {\"timestamp\": \"2021-09-13T11:12:34.000+00:00\", \"smart\": false, "
		"\"counters\": true, \"read_errs\": 1, \"write_errs\": 2, \"unmap_errs\": 3, "
		"\"csum_errs\": 4, \"flush_errs\": 5, \"read_ops\": 6, \"write_ops\": 7, "
		"\"flush_ops\": 8, \"unmap_ops\": 9, \"bytes_read\": 4096, \"bytes_written\": 8192, "
		"\"io_failed\": true, \"io_failed_op\": \"flush\"}}]}";
	static const char closed[] =
		"{\"ranks\": [0], \"devices\": [{\"uuid\": \"" U1 "\", \"tr_addr\": "
		"\"/var/tmp/bdev0\", \"targets\": [0, 1], \"state\": \"FAULTY\", \"rank\": 0, "
		"\"health\": {\"timestamp\": \"2021-09-13T11:12:34.000+00:00\", \"smart\": false, "
		"\"counters\": false}}]}";
	static const struct fake_host hosts[] = {{"boro-11:10001", h, 0, NULL}};
	static const struct fake_host hosts2[] = {{"boro-11:10001", closed, 0, NULL}};

	(void)state;
	expect_render("dmg storage query device-health --uuid=" U1, hosts, 1, 0,
		      "-------\n"
		      "boro-11\n"
		      "-------\n"
		      "  Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 [TrAddr:/var/tmp/bdev0]\n"
		      "      Targets:[0 1] Rank:0 State:NORMAL\n"
		      "      Health Stats:\n"
		      "        Timestamp:2021-09-13T11:12:34.000+00:00\n"
		      "        SMART data is not available for emulated devices\n"
		      "        Read Errors:1\n"
		      "        Write Errors:2\n"
		      "        Unmap Errors:3\n"
		      "        Checksum Errors:4\n"
		      "        Flush Errors:5\n"
		      "        Read Ops:6\n"
		      "        Write Ops:7\n"
		      "        Flush Ops:8\n"
		      "        Unmap Ops:9\n"
		      "        Bytes Read:4096\n"
		      "        Bytes Written:8192\n"
		      "        I/O Failed:YES (flush error; writes are refused)\n",
		      "");
	expect_render("dmg storage query target-health -r 0 -t 1", hosts2, 1, 0,
		      "-------\n"
		      "boro-11\n"
		      "-------\n"
		      "  Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 [TrAddr:/var/tmp/bdev0]\n"
		      "      Targets:[0 1] Rank:0 State:FAULTY\n"
		      "      Health Stats:\n"
		      "        Timestamp:2021-09-13T11:12:34.000+00:00\n"
		      "        SMART data is not available for emulated devices\n"
		      "        I/O counters are not available: the engine does not have the device "
		      "open\n",
		      "");
	/* list-devices shows the health only with -b; scan --nvme-health per controller */
	expect_render("dmg storage query list-devices", hosts, 1, 0,
		      "-------\nboro-11\n-------\n  Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 [TrAddr:/var/tmp/bdev0]\n"
		      "      Targets:[0 1] Rank:0 State:NORMAL\n", "");
	expect_render("dmg storage scan --nvme-health", hosts2, 1, 0,
		      "-------\nboro-11\n-------\n"
		      "TrAddr:/var/tmp/bdev0 Class:N/A Capacity:0 B\n"
		      "  Health Stats:\n"
		      "    Timestamp:2021-09-13T11:12:34.000+00:00\n"
		      "    SMART data is not available for emulated devices\n"
		      "    I/O counters are not available: the engine does not have the device "
		      "open\n", "");
	expect_render("dmg storage scan --nvme-meta", hosts2, 1, 0,
		      "-------\nboro-11\n-------\n"
		      "TrAddr:/var/tmp/bdev0 Class:N/A Capacity:0 B\n"
		      "  SMD Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 [TrAddr:/var/tmp/bdev0]\n"
		      "      Targets:[0 1] Rank:0 State:FAULTY\n", "");
}

/* DMGA46: set nvme-faulty, replace nvme and identify vmd as the guide shows them */
static void
dmga46_device_ops(void **state)
{
	static const char faulty[] =
		"{\"host\": \"boro-11\", \"engine_errors\": [], \"devices\": [{\"uuid\": \"" U1 "\", "
		"\"tr_addr\": \"0000:8a:00.0\", \"targets\": [0, 2], \"state\": \"FAULTY\", "
		"\"rank\": 1, \"led\": \"ON\"}]}";
	static const char normal[] =
		"{\"host\": \"boro-11\", \"devices\": [{\"uuid\": \"" U2 "\", "
		"\"tr_addr\": \"0000:8b:00.0\", \"targets\": [1, 3], \"state\": \"NORMAL\", "
		"\"rank\": 1}]}";
	static const char blink[] =
		"{\"host\": \"boro-11\", \"devices\": [{\"uuid\": \"" U1 "\", "
		"\"tr_addr\": \"0000:8a:00.0\", \"targets\": [0, 2], \"state\": \"NORMAL\", "
		"\"rank\": 0, \"led\": \"QUICK_BLINK\"}]}";
	static const struct fake_host f[] = {{"boro-11:10001", faulty, 0, NULL}};
	static const struct fake_host n[] = {{"boro-11:10001", normal, 0, NULL}};
	static const struct fake_host b[] = {{"boro-11:10001", blink, 0, NULL}};
	/* the device is on the second host: the first has none (not an error) */
	static const struct fake_host two[] = {
		{"boro-10:10001", NULL, -DER_NONEXIST, "boro-10:10001: no NVMe device " U1 " on x"},
		{"boro-11:10001", faulty, 0, NULL}};
	static const struct fake_host nosys[] = {
		{"localhost:10001", NULL, -DER_NOSYS, "localhost:10001: "}};
	static const struct fake_host nosys2[] = {
		{"localhost:10001", NULL, -DER_NOSYS,
		 "localhost:10001: device " U1 " (0000:8a:00.0) is not behind a VMD"}};

	(void)state;
	expect_render("dmg storage set nvme-faulty --uuid=" U1, f, 1, 0,
		      "-------\n"
		      "boro-11\n"
		      "-------\n"
		      "  Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 Targets:[] Rank:1 State:FAULTY\n",
		      "");
	expect_render("dmg storage replace nvme --old-uuid=" U1 " --new-uuid=" U2, n, 1, 0,
		      "-------\n"
		      "boro-11\n"
		      "-------\n"
		      "  Devices\n"
		      "    UUID:80c9f1be-84b9-4318-a1be-c416c96ca48b Targets:[] Rank:1 State:NORMAL\n",
		      "");
	expect_render("dmg storage set nvme-faulty --uuid=" U1, two, 2, 0,
		      "-------\nboro-11\n-------\n  Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 Targets:[] Rank:1 State:FAULTY\n",
		      "");
	expect_render("dmg storage identify vmd --uuid=" U1, b, 1, 0,
		      "-------\nboro-11\n-------\n  Devices\n"
		      "    UUID:5bd91603-d3c7-4fb7-9a71-76bc25690c19 [TrAddr:0000:8a:00.0] "
		      "LED:QUICK_BLINK\n", "");
	/* the guide's error, with and without the server's reason */
	expect_render("dmg storage identify vmd --uuid=" U1, nosys, 1, -DER_NOSYS, "",
		      "localhost DAOS error (-1010): DER_NOSYS");
	expect_render("dmg storage identify vmd --uuid=" U1, nosys2, 1, -DER_NOSYS, "",
		      "localhost DAOS error (-1010): DER_NOSYS: device " U1
		      " (0000:8a:00.0) is not behind a VMD");
}

/* DMGA47: malformed replies fail their host with the field named */
static void
dmga47_nvme_bad_replies(void **state)
{
	static const struct {
		const char *reply;
		const char *msg;
	} cases[] = {
		{"{\"ranks\": [0]}",
		 "devices: missing"},
		{"{\"devices\": []}",
		 "ranks: missing"},
		{"{\"ranks\": [0], \"devices\": [7]}",
		 "devices[0]: expected an object, got integer"},
		{"{\"ranks\": [0], \"devices\": [{\"uuid\": \"x\", \"tr_addr\": \"a\", "
		 "\"targets\": [], \"state\": \"NORMAL\"}]}",
		 "devices[0].uuid: not a UUID"},
		{"{\"ranks\": [0], \"devices\": [{\"uuid\": \"" U1 "\", \"tr_addr\": \"a\", "
		 "\"targets\": [], \"state\": \"BROKEN\"}]}",
		 "devices[0].state: not a device state"},
		{"{\"ranks\": [0], \"devices\": [{\"uuid\": \"" U1 "\", \"tr_addr\": \"a\", "
		 "\"targets\": [64], \"state\": \"NORMAL\"}]}",
		 "devices[0].targets: expected integers in range"},
		{"{\"ranks\": [0], \"devices\": [{\"uuid\": \"" U1 "\", \"tr_addr\": \"a\", "
		 "\"targets\": [], \"state\": \"NORMAL\", \"led\": \"PINK\"}]}",
		 "devices[0].led: not a LED state"},
		{"{\"ranks\": [0], \"devices\": [{\"uuid\": \"" U1 "\", \"tr_addr\": \"a\", "
		 "\"targets\": [], \"state\": \"NORMAL\", \"rank\": -1}]}",
		 "devices[0].rank: -1 is out of range [0, 4294967294]"},
		{"{\"ranks\": [0], \"devices\": [{\"uuid\": \"" U1 "\", \"tr_addr\": \"a\", "
		 "\"targets\": [], \"state\": \"NORMAL\", \"health\": {\"timestamp\": \"t\", "
		 "\"counters\": true}}]}",
		 "devices[0].read_errs: missing"},
		{"{\"ranks\": [\"0\"], \"devices\": []}",
		 ".ranks: expected ranks"},
		{"{\"ranks\": [0], \"devices\": [], \"engine_errors\": [{\"status\": 5}]}",
		 "engine_errors[0].status: 5 is out of range [-501000, -1]"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_host hosts[] = {{"boro-11:10001", cases[i].reply, 0, NULL}};
		char             msg[DMG_MSG_MAX];

		snprintf(msg, sizeof(msg), "boro-11 DAOS error (-1014): DER_PROTO: invalid reply "
			 "from boro-11:10001: %s", cases[i].msg);
		expect_render("dmg storage query list-devices", hosts, 1, -DER_PROTO, "", msg);
	}
	/* pools: one blob per target */
	{
		struct fake_host hosts[] = {
			{"boro-11:10001", "{\"ranks\": [0], \"pools\": [{\"uuid\": \"" PU "\", "
					  "\"targets\": [0, 1], \"blobs\": [1]}]}", 0, NULL}};

		expect_render("dmg storage query list-pools", hosts, 1, -DER_PROTO, "",
			      "boro-11 DAOS error (-1014): DER_PROTO: invalid reply from "
			      "boro-11:10001: pools[0].blobs: not one blob ID per target");
	}
}

/* DMGA48: filters that match nothing, engine errors, several failing hosts */
static void
dmga48_nvme_errors(void **state)
{
	static const char none[] = "{\"ranks\": [], \"devices\": []}";
	static const char r0[] = "{\"ranks\": [0], \"devices\": []}";
	static const char one[] =
		"{\"ranks\": [1], \"devices\": [{\"uuid\": \"" U4 "\", \"tr_addr\": "
		"\"5d0505:01:00.0\", \"targets\": [0, 2], \"state\": \"EVICTED\", \"rank\": 1}]}";
	static const char engerr[] =
		"{\"ranks\": [0], \"devices\": [], \"engine_errors\": [{\"idx\": 0, \"rank\": 0, "
		"\"status\": -1003, \"msg\": \"engine 0: target 5 is out of range: this engine has "
		"2 targets (0-1)\"}]}";
	static const struct fake_host norank[] = {{"h1:10001", none, 0, NULL},
						  {"h2:10001", none, 0, NULL}};
	static const struct fake_host nouuid[] = {{"h1:10001", r0, 0, NULL}};
	static const struct fake_host nopool[] = {
		{"h1:10001", "{\"ranks\": [0], \"pools\": []}", 0, NULL}};
	static const struct fake_host tgt[] = {{"h1:10001", engerr, 0, NULL}};
	static const struct fake_host many[] = {
		{"h1:10001", NULL, -DER_UNREACH, "cannot connect to h1:10001"},
		{"h2:10001", engerr, 0, NULL},
		{"h3:10001", one, 0, NULL}};
	static const struct fake_host ghost[] = {
		{"h1:10001", NULL, -DER_NONEXIST, "h1:10001: no NVMe device " U1 " on h1"},
		{"h2:10001", NULL, -DER_NONEXIST, "h2:10001: no NVMe device " U1 " on h2"}};
	static const struct fake_host ghost1[] = {
		{"h1:10001", NULL, -DER_NONEXIST, "h1:10001: no NVMe device " U1 " on h1"}};

	(void)state;
	expect_render("dmg storage query list-devices --rank 7", norank, 2, -DER_NONEXIST, "",
		      "DAOS error (-1005): DER_NONEXIST: rank 7 is not a rank of the hosts queried");
	expect_render("dmg storage query device-health -u " U1, nouuid, 1, -DER_NONEXIST, "",
		      "DAOS error (-1005): DER_NONEXIST: no NVMe device " U1
		      " on the host queried");
	expect_render("dmg storage query list-pools -u " U1, nopool, 1, -DER_NONEXIST, "",
		      "DAOS error (-1005): DER_NONEXIST: no pool " U1 " on the host queried");
	expect_render("dmg storage query list-devices", nouuid, 1, 0,
		      "--\nh1\n--\n  Devices\n    No devices found\n", "");
	expect_render("dmg storage query target-health -r 0 -t 5", tgt, 1, -DER_INVAL, "",
		      "h1 DAOS error (-1003): DER_INVAL: engine 0: target 5 is out of range: this "
		      "engine has 2 targets (0-1)");
	expect_render("dmg storage query list-devices --rank=1", many, 3, -DER_UNREACH,
		      "Errors:\n"
		      "  h1 DAOS error (-1006): DER_UNREACH: cannot connect to h1:10001\n"
		      "  h2 DAOS error (-1003): DER_INVAL: engine 0: target 5 is out of range: "
		      "this engine has 2 targets (0-1)\n"
		      "\n"
		      "--\nh3\n--\n  Devices\n"
		      "    UUID:81905b24-be44-4106-8ff9-03002e9dd86a [TrAddr:5d0505:01:00.0]\n"
		      "      Targets:[0 2] Rank:1 State:EVICTED\n",
		      "DAOS error (-1006): DER_UNREACH: storage query list-devices failed on 2 of "
		      "3 hosts (errors listed above)");
	expect_render("dmg storage replace nvme --old-uuid " U1 " --new-uuid " U1, ghost, 2,
		      -DER_NONEXIST, "",
		      "DAOS error (-1005): DER_NONEXIST: no NVMe device " U1
		      " on any of the 2 hosts");
	expect_render("dmg storage set nvme-faulty -u " U1, ghost1, 1, -DER_NONEXIST, "",
		      "h1 DAOS error (-1005): DER_NONEXIST: no NVMe device " U1 " on h1");
}

/*
 * The shared command-line library (src/tools/common): the parser over a small
 * tree of the test's own, its messages and help, and the output helpers.
 */
enum { TF_HELP = 1, TF_JSON, TF_HOST, TF_VERB, TF_NAME, TF_LOCAL_J, TF_COUNT };

static const struct cli_flag t_flags[] = {
	{TF_HELP, "help", 'h', false, "Show this help message"},
	{TF_JSON, "json", 'j', false, "JSON output"},
	{TF_HOST, "host", 'l', true, "Host to ask"},
	{TF_VERB, "verbose", 'v', false, "More"},
	{TF_NAME, "name", 'n', true, "A name"},
	{TF_LOCAL_J, "jump", 'j', false, "The leaf's own -j"},
	{TF_COUNT, "count", 0, true, "How many"},
};
static const int t_global[] = {TF_JSON, TF_HOST, 0};
static const int t_leaf_flags[] = {TF_VERB, TF_NAME, TF_LOCAL_J, TF_COUNT, 0};
static const struct cli_node t_go = {"go", "g", "gogo", "Go somewhere", 7, NULL,
				     t_leaf_flags, "<where>", 1, 1};
static const struct cli_node t_stop = {"stop", NULL, NULL, "Stop", 8, NULL, NULL, NULL, 0, 0};
static const struct cli_node *const t_one_subs[] = {&t_stop, NULL};
static const struct cli_node t_one = {"one", NULL, NULL, "A group of one", 0, t_one_subs,
				      NULL, NULL, 0, 0};
static const struct cli_node *const t_root_subs[] = {&t_go, &t_one, &t_stop, NULL};
static const struct cli_node t_root = {"tool", NULL, NULL, "The test tool", 0, t_root_subs,
				       NULL, NULL, 0, 0};

struct t_state {
	const struct cli_node *ts_path[3];
	uint32_t               ts_depth;
	bool                   ts_help;
	char                   ts_log[512]; /* "id=value;" per flag, "pos=w;" per word */
	uint32_t               ts_pos;
};

static int
t_on_flag(void *arg, const struct cli_flag *f, const char *val, char *errbuf, size_t errlen)
{
	struct t_state *s = arg;
	size_t          n = strlen(s->ts_log);

	if (val != NULL && strcmp(val, "bad") == 0) {
		snprintf(errbuf, errlen, "bad value for --%s", f->f_long);
		return -DER_NOMEM; /* any code: it is passed through */
	}
	snprintf(s->ts_log + n, sizeof(s->ts_log) - n, "%d=%s;", f->f_id,
		 val != NULL ? val : "");
	return 0;
}

static int
t_on_word(void *arg, const struct cli_node *leaf, const char *word, char *errbuf,
	  size_t errlen)
{
	struct t_state *s = arg;
	size_t          n = strlen(s->ts_log);

	(void)errbuf;
	(void)errlen;
	if (s->ts_pos >= leaf->n_pos_max)
		return 1;
	s->ts_pos++;
	snprintf(s->ts_log + n, sizeof(s->ts_log) - n, "pos=%s;", word);
	return 0;
}

static struct cli_tree t_tree = {
	.ct_root = &t_root, .ct_flags = t_flags, .ct_nflags = sizeof(t_flags) / sizeof(t_flags[0]),
	.ct_global = t_global, .ct_help_id = TF_HELP, .ct_depth_max = 3, .ct_args_max = 8,
	.ct_arg_len_max = 16, .ct_name_single = true,
};

/* Parse a blank-separated line with the test tree; the log and the path. */
static int
t_parse(const char *line, struct t_state *s, char *err, size_t errlen)
{
	static char       buf[1024];
	char             *argv[ARGV_MAX];
	int               argc = 0;
	char             *save = NULL;
	struct cli_parser p = {&t_tree, s->ts_path, &s->ts_depth, &s->ts_help, t_on_flag,
			       t_on_word, s};

	memset(s, 0, sizeof(*s));
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t != NULL && argc < ARGV_MAX - 1;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	return cli_parse(&p, argc, argv, err, errlen);
}

static void
t_expect_ok(const char *line, const char *path, bool help, const char *log)
{
	struct t_state s;
	char           err[DMG_MSG_MAX];
	char           got[CLI_PATH_MAX];

	print_message("# %s\n", line);
	assert_int_equal(t_parse(line, &s, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	cli_path(s.ts_path, s.ts_depth, got, sizeof(got));
	assert_string_equal(got, path);
	assert_int_equal(s.ts_help, help);
	assert_string_equal(s.ts_log, log);
}

static void
t_expect_bad(const char *line, int rc, const char *msg)
{
	struct t_state s;
	char           err[DMG_MSG_MAX];

	assert_int_equal(t_parse(line, &s, err, sizeof(err)), rc);
	assert_string_equal(err, msg);
}

/* DMGA49: the shared parser: commands by name and aliases, every flag form,
 * "--", positionals to the tool, help stops parsing */
static void
dmga49_cli_parse(void **state)
{
	(void)state;
	t_expect_ok("tool go x", "tool go", false, "pos=x;");
	t_expect_ok("tool g x", "tool go", false, "pos=x;");
	t_expect_ok("tool gogo x", "tool go", false, "pos=x;");
	t_expect_ok("tool -l h1 go --host=h2 -lh3 -l=h4 x", "tool go", false,
		    "3=h1;3=h2;3=h3;3=h4;pos=x;");
	/* a cluster of booleans, then a value flag taking the rest of the word */
	t_expect_ok("tool go -vjnNAME x", "tool go", false, "4=;6=;5=NAME;pos=x;");
	t_expect_ok("tool go -n N --count 3 --count=4 x", "tool go", false,
		    "5=N;7=3;7=4;pos=x;");
	/* the leaf's -j wins over the global -j, which applies before the leaf */
	t_expect_ok("tool -j go -j x", "tool go", false, "2=;6=;pos=x;");
	/* after "--" a dash word is a positional; a lone "-" always is */
	t_expect_ok("tool go -- -v", "tool go", false, "pos=-v;");
	t_expect_ok("tool go -", "tool go", false, "pos=-;");
	t_expect_ok("tool one stop", "tool one stop", false, "");
	/* help stops everything after it, even errors */
	t_expect_ok("tool go -h --bogus", "tool go", true, "");
	t_expect_ok("tool one --help", "tool one", true, "");
	t_expect_ok("tool -jh", "tool", true, "2=;");
	t_expect_ok("tool go -jh", "tool go", true, "6=;");
}

/* DMGA50: the shared parser's errors, with go-flags' exact messages; a
 * callback's error passes through */
static void
dmga50_cli_parse_errors(void **state)
{
	struct t_state s;
	char           err[DMG_MSG_MAX];
	char          *argv[10] = {"tool", "go", "a", "b", "c", "d", "e", "f", "g", NULL};
	char           longw[] = "go-go-go-go-go-go";
	char          *argv2[3] = {"tool", longw, NULL};
	struct cli_parser p = {&t_tree, s.ts_path, &s.ts_depth, &s.ts_help, t_on_flag,
			       t_on_word, &s};

	(void)state;
	t_expect_bad("tool", -DER_INVAL, "Please specify one command of: go, one or stop");
	t_expect_bad("tool one", -DER_INVAL, "Please specify the stop command");
	t_tree.ct_name_single = false;
	t_expect_bad("tool one", -DER_INVAL, "Please specify one command of: stop");
	t_tree.ct_name_single = true;
	t_expect_bad("tool stp", -DER_INVAL, "Unknown command `stp', did you mean `stop'?");
	/* two of four letters would change: not close enough */
	t_expect_bad("tool stpo", -DER_INVAL,
		     "Unknown command `stpo'. Please specify one command of: go, one or stop");
	t_expect_bad("tool xyzzy", -DER_INVAL,
		     "Unknown command `xyzzy'. Please specify one command of: go, one or stop");
	t_expect_bad("tool one go", -DER_INVAL,
		     "Unknown command `go'. Please specify one command of: stop");
	t_expect_bad("tool go a b", -DER_INVAL, "unexpected argument `b' for `tool go'");
	t_expect_bad("tool stop \x1b", -DER_INVAL, "unexpected argument `?' for `tool stop'");
	t_expect_bad("tool --bogus", -DER_INVAL, "unknown flag `--bogus'");
	t_expect_bad("tool -v go", -DER_INVAL, "unknown flag `-v'");
	t_expect_bad("tool go -vq", -DER_INVAL, "unknown flag `-q'");
	t_expect_bad("tool go --verbose=1", -DER_INVAL,
		     "bool flag `--verbose' cannot have an argument");
	t_expect_bad("tool --help=1", -DER_INVAL, "bool flag `--help' cannot have an argument");
	t_expect_bad("tool go -n", -DER_INVAL, "expected argument for flag `-n, --name'");
	t_expect_bad("tool go --name -v", -DER_INVAL, "expected argument for flag `-n, --name'");
	t_expect_bad("tool go --count", -DER_INVAL, "expected argument for flag `--count'");
	t_expect_bad("tool go -n bad", -DER_NOMEM, "bad value for --name");
	/* limits: words (argv[0] counts) and word length */
	assert_int_equal(cli_parse(&p, 9, argv, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "too many arguments (8, at most 7)");
	assert_int_equal(cli_parse(&p, 2, argv2, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "argument 1 is longer than 16 bytes");
	/* the path names the deepest node reached */
	assert_int_equal(t_parse("tool one bogus", &s, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(s.ts_depth, 2);
}

/* DMGA51: flag lookup order (the node's, the global ones, help), labels, edit
 * distance */
static void
dmga51_cli_flags(void **state)
{
	char label[CLI_FLAG_LABEL_MAX];
	char big[CLI_SUGGEST_MAX + 2];

	(void)state;
	assert_int_equal(cli_flag_find(&t_tree, &t_go, NULL, 0, 'j')->f_id, TF_LOCAL_J);
	assert_int_equal(cli_flag_find(&t_tree, &t_root, NULL, 0, 'j')->f_id, TF_JSON);
	assert_int_equal(cli_flag_find(&t_tree, &t_go, "json", 4, 0)->f_id, TF_JSON);
	assert_int_equal(cli_flag_find(&t_tree, &t_go, "help", 4, 0)->f_id, TF_HELP);
	assert_int_equal(cli_flag_find(&t_tree, &t_go, "host=x", 4, 0)->f_id, TF_HOST);
	assert_null(cli_flag_find(&t_tree, &t_root, "verbose", 7, 0));
	assert_null(cli_flag_find(&t_tree, &t_go, "hos", 3, 0));
	assert_null(cli_flag_find(&t_tree, &t_go, NULL, 0, 0));
	assert_null(cli_flag_by_id(&t_tree, 99));
	cli_flag_label(cli_flag_by_id(&t_tree, TF_NAME), label, sizeof(label));
	assert_string_equal(label, "-n, --name");
	cli_flag_label(cli_flag_by_id(&t_tree, TF_COUNT), label, sizeof(label));
	assert_string_equal(label, "--count");
	assert_int_equal(cli_edit_distance("", ""), 0);
	assert_int_equal(cli_edit_distance("stop", "stpo"), 2);
	assert_int_equal(cli_edit_distance("query", "quer"), 1);
	assert_int_equal(cli_edit_distance("", "abc"), 3);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cli_edit_distance(big, "a"), SIZE_MAX);
	big[CLI_SUGGEST_MAX] = '\0';
	assert_int_equal(cli_edit_distance(big, "a"), CLI_SUGGEST_MAX - 1);
}

/* DMGA52: help text of the shared parser in go-flags' layout (aliases, the
 * command's options indented under the global ones) */
static void
dmga52_cli_usage(void **state)
{
	struct t_state s;
	struct cli_out out;
	char           err[DMG_MSG_MAX];

	(void)state;
	assert_int_equal(t_parse("tool --help", &s, err, sizeof(err)), 0);
	cli_out_init(&out);
	assert_int_equal(cli_usage(&t_tree, s.ts_path, s.ts_depth, &out), 0);
	assert_string_equal(out.o_buf, "Usage:\n"
				       "  tool [OPTIONS] <command>\n"
				       "\n"
				       "The test tool\n"
				       "\n"
				       "Application Options:\n"
				       "  -j, --json   JSON output\n"
				       "  -l, --host=  Host to ask\n"
				       "\n"
				       "Help Options:\n"
				       "  -h, --help   Show this help message\n"
				       "\n"
				       "Available commands:\n"
				       "  go    Go somewhere (aliases: g, gogo)\n"
				       "  one   A group of one\n"
				       "  stop  Stop\n");
	cli_out_fini(&out);
	assert_int_equal(t_parse("tool go -h", &s, err, sizeof(err)), 0);
	assert_int_equal(cli_usage(&t_tree, s.ts_path, s.ts_depth, &out), 0);
	assert_string_equal(out.o_buf, "Usage:\n"
				       "  tool [OPTIONS] go [go-OPTIONS] <where>\n"
				       "\n"
				       "Go somewhere\n"
				       "\n"
				       "Application Options:\n"
				       "  -j, --json         JSON output\n"
				       "  -l, --host=        Host to ask\n"
				       "\n"
				       "Help Options:\n"
				       "  -h, --help         Show this help message\n"
				       "\n"
				       "[go command options]\n"
				       "      -v, --verbose  More\n"
				       "      -n, --name=    A name\n"
				       "      -j, --jump     The leaf's own -j\n"
				       "          --count=   How many\n");
	cli_out_fini(&out);
}

/* DMGA53: the shared output helpers: safe appends, entity blocks (aligned,
 * sanitised, cut at CLI_CELL_MAX, bounded), base-2 sizes, the envelope of a non-UTF-8 error */
static void
dmga53_cli_out(void **state)
{
	struct cli_out    out;
	struct cli_entity e;
	char              buf[32];
	char              big[CLI_CELL_MAX + 10];

	(void)state;
	cli_out_init(&out);
	assert_int_equal(cli_out_put_safe(&out, "a\x01z", 2), 0);
	assert_int_equal(cli_out_puts_safe(&out, "\x7f\xc3\xa9"), 0);
	assert_string_equal(out.o_buf, "a??\xc3\xa9");
	cli_out_fini(&out);
	assert_null(out.o_buf);

	cli_entity_init(&e);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(cli_entity_add(&e, "UUID", "%s", "u\x1b"), 0);
	assert_int_equal(cli_entity_add(&e, "Container Type", "%d", 5), 0);
	assert_int_equal(cli_entity_render(&e, &out), 0);
	assert_string_equal(out.o_buf, "  UUID          : u?\n"
				       "  Container Type: 5\n");
	cli_out_fini(&out);
	assert_int_equal(cli_entity_add(&e, "Big", "%s", big), 0);
	/* formatted into a cell-sized buffer: the first CLI_CELL_MAX bytes, no "..." */
	assert_int_equal(strlen(e.e_vals[2]), CLI_CELL_MAX);
	while (e.e_nr < CLI_ENTITY_ROWS_MAX)
		assert_int_equal(cli_entity_add(&e, "k", "v"), 0);
	assert_int_equal(cli_entity_add(&e, "k", "v"), -DER_OVERFLOW);
	cli_entity_fini(&e);
	assert_int_equal(e.e_nr, 0);

	cli_isize_str(9, buf, sizeof(buf));
	assert_string_equal(buf, "9 B");
	cli_isize_str(32768, buf, sizeof(buf));
	assert_string_equal(buf, "32 KiB");
	cli_isize_str(1u << 20, buf, sizeof(buf));
	assert_string_equal(buf, "1.0 MiB");
	cli_size_str(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1.0 kB");
	assert_int_equal(cli_status(0), 0);
	assert_int_equal(cli_status(5), -DER_MISC);
	assert_int_equal(cli_status(-DER_INVAL), -DER_INVAL);

	assert_int_equal(cli_envelope(NULL, "bad \xff", -DER_INVAL, &out), 0);
	assert_string_equal(out.o_buf, "{\n"
				       "  \"response\": null,\n"
				       "  \"error\": \"(message not UTF-8)\",\n"
				       "  \"status\": -1003\n"
				       "}\n");
	cli_out_fini(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dmga01_command_tree),
	    cmocka_unit_test(dmga02_flag_forms),
	    cmocka_unit_test(dmga03_bad_commands),
	    cmocka_unit_test(dmga04_unknown_flags),
	    cmocka_unit_test(dmga05_flag_values),
	    cmocka_unit_test(dmga06_bad_values),
	    cmocka_unit_test(dmga07_conflicts),
	    cmocka_unit_test(dmga08_help),
	    cmocka_unit_test(dmga09_limits),
	    cmocka_unit_test(dmga10_requests),
	    cmocka_unit_test(dmga11_tables),
	    cmocka_unit_test(dmga12_sizes),
	    cmocka_unit_test(dmga13_sysq_grouped),
	    cmocka_unit_test(dmga14_sysq_verbose),
	    cmocka_unit_test(dmga15_sysq_bad_replies),
	    cmocka_unit_test(dmga16_results),
	    cmocka_unit_test(dmga17_leader),
	    cmocka_unit_test(dmga18_usage_seed),
	    cmocka_unit_test(dmga19_scan),
	    cmocka_unit_test(dmga20_format),
	    cmocka_unit_test(dmga21_logmasks),
	    cmocka_unit_test(dmga22_envelope),
	    cmocka_unit_test(dmga23_hosts),
	    cmocka_unit_test(dmga24_fanout_response),
	    cmocka_unit_test(dmga25_groups),
	    cmocka_unit_test_setup_teardown(dmga26_config, home_setup, home_teardown),
	    cmocka_unit_test(dmga27_pool_tree),
	    cmocka_unit_test(dmga28_pool_create_args),
	    cmocka_unit_test(dmga29_pool_requests),
	    cmocka_unit_test(dmga30_pool_create_list),
	    cmocka_unit_test(dmga31_pool_query_props),
	    cmocka_unit_test(dmga32_telemetry_args),
	    cmocka_unit_test(dmga33_telemetry_bad_args),
	    cmocka_unit_test(dmga34_prom_parse),
	    cmocka_unit_test(dmga35_prom_bad),
	    cmocka_unit_test(dmga36_prom_limits),
	    cmocka_unit_test(dmga37_prom_values),
	    cmocka_unit_test(dmga38_metrics_render),
	    cmocka_unit_test(dmga39_prom_config),
	    cmocka_unit_test(dmga40_nvme_args),
	    cmocka_unit_test(dmga41_nvme_bad_args),
	    cmocka_unit_test(dmga42_nvme_requests),
	    cmocka_unit_test(dmga43_list_devices_seed),
	    cmocka_unit_test(dmga44_list_pools_seed),
	    cmocka_unit_test(dmga45_health),
	    cmocka_unit_test(dmga46_device_ops),
	    cmocka_unit_test(dmga47_nvme_bad_replies),
	    cmocka_unit_test(dmga48_nvme_errors),
	    cmocka_unit_test(dmga49_cli_parse),
	    cmocka_unit_test(dmga50_cli_parse_errors),
	    cmocka_unit_test(dmga51_cli_flags),
	    cmocka_unit_test(dmga52_cli_usage),
	    cmocka_unit_test(dmga53_cli_out),
	};

	return cmocka_run_group_tests_name("dmg_args", tests, NULL, NULL);
}
