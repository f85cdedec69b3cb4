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
#include <unistd.h>
#include <cmocka.h>

#include <daos_errno.h>
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
	expect_bad("dmg", "Please specify one command of: pool, server, storage or system");
	expect_bad("dmg system",
		   "Please specify one command of: erase, leader-query, list-pools, query, start "
		   "or stop");
	expect_bad("dmg storage query", "Please specify the usage command");
	expect_bad("dmg systme query", "Unknown command `systme', did you mean `system'?");
	expect_bad("dmg system qurey", "Unknown command `qurey', did you mean `query'?");
	expect_bad("dmg pol list", "Unknown command `pol', did you mean `pool'?");
	expect_bad("dmg system xyzzy",
		   "Unknown command `xyzzy'. Please specify one command of: erase, "
		   "leader-query, list-pools, query, start or stop");
	expect_bad("dmg storage query list-devices",
		   "Unknown command `list-devices'. Please specify one command of: usage");
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
	assert_non_null(strstr(out.o_buf, "  server   Perform tasks related to the servers "
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
	};

	return cmocka_run_group_tests_name("dmg_args", tests, NULL, NULL);
}
