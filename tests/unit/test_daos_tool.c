/*
 * test_daos_tool.c: the daos user tool without a server (src/tools/daos).
 *
 * The command tree and its aliases, every class of bad argument with its
 * exact message (nothing reaches libdaos for them: parsing is all that runs
 * here), sizes with DAOS's units, container properties (names, aliases,
 * choices, bounds, where each may be given) and how they print, object ids,
 * epochs, attribute lists, and the output helpers: tables, entity blocks,
 * sizes, the -j envelope and base64.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <daos.h>
#include "tools/daos/daos_tool.h"

#define ARGV_MAX 64

static char err[DTOOL_MSG_MAX];

/* Split a command line on blanks (no quoting) and parse it. */
static int
parse(const char *line, struct dtool_args *a)
{
	static char buf[8192];
	static char *argv[ARGV_MAX];
	int          argc = 0;
	char        *save = NULL;

	snprintf(buf, sizeof(buf), "daos %s", line);
	for (char *t = strtok_r(buf, " ", &save); t != NULL && argc < ARGV_MAX - 1;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	err[0] = '\0';
	return dtool_args_parse(argc, argv, a, err, sizeof(err));
}

/* Parse and expect -DER_INVAL with exactly msg. */
static void
bad(const char *line, const char *msg)
{
	struct dtool_args a;

	assert_int_equal(parse(line, &a), -DER_INVAL);
	assert_string_equal(err, msg);
}

/* DT01: every command and alias parses to its leaf with its positionals */
static void
dt01_commands_and_aliases(void **state)
{
	static const struct {
		const char    *line;
		enum dtool_cmd cmd;
	} ok[] = {
		{"pool query p1", DTOOL_CMD_POOL_QUERY},
		{"pool list-containers p1", DTOOL_CMD_POOL_LIST_CONT},
		{"pool list-cont p1", DTOOL_CMD_POOL_LIST_CONT},
		{"pool list-attr p1", DTOOL_CMD_POOL_LIST_ATTR},
		{"pool lsattr p1", DTOOL_CMD_POOL_LIST_ATTR},
		{"pool list-attrs p1", DTOOL_CMD_POOL_LIST_ATTR},
		{"pool get-attr p1 a", DTOOL_CMD_POOL_GET_ATTR},
		{"pool getattr p1 a", DTOOL_CMD_POOL_GET_ATTR},
		{"pool set-attr p1 a:1", DTOOL_CMD_POOL_SET_ATTR},
		{"pool setattr p1 a 1", DTOOL_CMD_POOL_SET_ATTR},
		{"pool del-attr p1 a", DTOOL_CMD_POOL_DEL_ATTR},
		{"pool delattr p1 a", DTOOL_CMD_POOL_DEL_ATTR},
		{"container create p1", DTOOL_CMD_CONT_CREATE},
		{"cont create p1 c1", DTOOL_CMD_CONT_CREATE},
		{"cont list p1", DTOOL_CMD_CONT_LIST},
		{"cont ls p1", DTOOL_CMD_CONT_LIST},
		{"cont query p1 c1", DTOOL_CMD_CONT_QUERY},
		{"cont destroy p1 c1", DTOOL_CMD_CONT_DESTROY},
		{"cont get-prop p1 c1", DTOOL_CMD_CONT_GET_PROP},
		{"cont getprop p1 c1 label", DTOOL_CMD_CONT_GET_PROP},
		{"cont set-prop p1 c1 label:x", DTOOL_CMD_CONT_SET_PROP},
		{"cont setprop p1 c1 --properties=label:x", DTOOL_CMD_CONT_SET_PROP},
		{"cont create-snap p1 c1", DTOOL_CMD_CONT_CREATE_SNAP},
		{"cont snap p1 c1 -s s1", DTOOL_CMD_CONT_CREATE_SNAP},
		{"cont list-snaps p1 c1", DTOOL_CMD_CONT_LIST_SNAPS},
		{"cont list-snap p1 c1", DTOOL_CMD_CONT_LIST_SNAPS},
		{"cont destroy-snap p1 c1 -e 5", DTOOL_CMD_CONT_DESTROY_SNAP},
		{"cont list-attr p1 c1", DTOOL_CMD_CONT_LIST_ATTR},
		{"cont get-attr p1 c1 a", DTOOL_CMD_CONT_GET_ATTR},
		{"cont set-attr p1 c1 a:b", DTOOL_CMD_CONT_SET_ATTR},
		{"cont del-attr p1 c1 a", DTOOL_CMD_CONT_DEL_ATTR},
		{"object query p1 c1 1.2", DTOOL_CMD_OBJ_QUERY},
		{"obj query p1 c1 --oid 1.2", DTOOL_CMD_OBJ_QUERY},
	};
	struct dtool_args a;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse(ok[i].line, &a) != 0)
			fail_msg("%s: %s", ok[i].line, err);
		assert_int_equal(a.da_cmd, ok[i].cmd);
		assert_string_equal(a.da_pool, "p1");
		assert_false(a.da_help);
	}
	assert_int_equal(parse("cont query 3b0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a59 c1", &a), 0);
	assert_string_equal(a.da_pool, "3b0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a59");
	assert_string_equal(a.da_cont, "c1");
	assert_string_equal(dtool_cmd_name(DTOOL_CMD_CONT_DESTROY_SNAP), "container destroy-snap");
	assert_string_equal(dtool_cmd_name(DTOOL_CMD_NR), "");
}

/* DT02: unknown, misspelt and missing commands are refused as go-flags does */
static void
dt02_bad_commands(void **state)
{
	(void)state;
	bad("pool qurey p1", "Unknown command `qurey', did you mean `query'?");
	bad("frobnicate", "Unknown command `frobnicate'. Please specify one command of: "
			  "container, object or pool");
	bad("", "Please specify one command of: container, object or pool");
	bad("pool", "Please specify one command of: del-attr, get-attr, list-attr, "
		    "list-containers, query or set-attr");
	bad("obj", "Please specify one command of: query");
}

/* DT03: unknown flags, flags without their value, bool flags with one */
static void
dt03_bad_flags(void **state)
{
	(void)state;
	bad("pool query p1 --bogus", "unknown flag `--bogus'");
	bad("pool query p1 -x", "unknown flag `-x'");
	/* a command's flag is unknown before its command */
	bad("--force cont destroy p1 c1", "unknown flag `--force'");
	bad("cont create p1 -z", "expected argument for flag `-z, --chunk-size'");
	bad("cont create p1 --type --properties=label:a",
	    "expected argument for flag `-t, --type'");
	bad("pool query p1 --json=yes", "bool flag `--json' cannot have an argument");
	bad("cont create p1 -t POSIX -t HDF5", "flag `--type' given more than once");
	bad("-G", "expected argument for flag `-G, --sys-name'");
}

/* DT04: missing and extra positionals, and bad pool/container names */
static void
dt04_positionals(void **state)
{
	char long_label[200];

	(void)state;
	bad("pool query", "the required argument `<pool>' was not provided");
	bad("cont query p1", "the required argument `<container>' was not provided");
	bad("pool get-attr p1", "the required argument `<name[,name...]>' was not provided");
	bad("pool set-attr p1",
	    "the required argument `<name:value[,name:value...]>' was not provided");
	bad("cont get-attr p1 c1", "the required argument `<name[,name...]>' was not provided");
	bad("obj query p1 c1", "the required argument `<HI.LO>' was not provided");
	bad("pool query p1 p2", "unexpected argument `p2' for `daos pool query'");
	bad("cont query p1 c1 c2", "unexpected argument `c2' for `daos container query'");
	bad("pool query bad/name",
	    "invalid pool 'bad/name': not a UUID or a label (1 to 127 of A-Z a-z 0-9 : . _ -)");
	bad("cont query p1 c!1",
	    "invalid container 'c!1': not a UUID or a label (1 to 127 of A-Z a-z 0-9 : . _ -)");
	memset(long_label, 'a', 128);
	long_label[128] = '\0';
	{
		char line[300];

		snprintf(line, sizeof(line), "pool query %s", long_label);
		bad(line, "invalid pool 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': not a UUID or a label (1 to 127 "
			  "of A-Z a-z 0-9 : . _ -)");
	}
}

/* DT05: global flags anywhere; a command flag of the same name wins */
static void
dt05_global_flags(void **state)
{
	struct dtool_args a;

	(void)state;
	assert_int_equal(parse("-j pool query p1", &a), 0);
	assert_true(a.da_json);
	assert_int_equal(parse("pool query p1 --json -G mysys --debug --verbose", &a), 0);
	assert_true(a.da_json);
	assert_true(a.da_debug);
	assert_true(a.da_verbose);
	assert_string_equal(a.da_sys, "mysys");
	assert_int_equal(parse("--sys-name=other cont ls p1", &a), 0);
	assert_string_equal(a.da_sys, "other");
	bad("-G= pool query p1", "invalid -G/--sys-name '': 1 to 127 characters");
	/* list-attr's -V/--verbose is "include values"; the global one before it */
	assert_int_equal(parse("pool list-attr p1 --verbose", &a), 0);
	assert_true(a.da_values);
	assert_false(a.da_verbose);
	assert_int_equal(parse("--verbose pool list-attr p1 -V", &a), 0);
	assert_true(a.da_values);
	assert_true(a.da_verbose);
	assert_int_equal(parse("pool query p1 -ebt", &a), 0);
	assert_true(a.da_show_enabled);
	assert_true(a.da_show_disabled);
	assert_true(a.da_health_only);
	assert_int_equal(parse("cont destroy p1 c1 -f", &a), 0);
	assert_true(a.da_force);
	/* "--" ends the flags: a name may start with '-' */
	assert_int_equal(parse("cont query p1 -- -c1", &a), 0);
	assert_string_equal(a.da_cont, "-c1");
}

/* DT06: help stops parsing and prints the node's usage */
static void
dt06_help(void **state)
{
	struct dtool_args a;
	struct dtool_out  out;

	(void)state;
	assert_int_equal(parse("cont create -h", &a), 0);
	assert_true(a.da_help);
	assert_int_equal(a.da_cmd, DTOOL_CMD_NONE);
	dtool_out_init(&out);
	assert_int_equal(dtool_args_usage(&a, &out), 0);
	assert_non_null(strstr(out.o_buf, "Usage:\n  daos [OPTIONS] container create "
					  "[create-OPTIONS] <pool> [label]\n\n"
					  "Create a container\n"));
	assert_non_null(strstr(out.o_buf, "-z, --chunk-size="));
	assert_non_null(strstr(out.o_buf, "-j, --json"));
	dtool_out_fini(&out);
	assert_int_equal(parse("--help", &a), 0);
	dtool_out_init(&out);
	assert_int_equal(dtool_args_usage(&a, &out), 0);
	assert_non_null(strstr(out.o_buf, "  container  Perform tasks related to DAOS containers "
					  "(aliases: cont)\n"));
	dtool_out_fini(&out);
	/* help wins over a bad word after it is never reached */
	assert_int_equal(parse("pool --help qurey", &a), 0);
	assert_true(a.da_help);
}

/* DT07: sizes with DAOS's units, and every way a size is wrong */
static void
dt07_sizes(void **state)
{
	static const struct {
		const char *text;
		uint64_t    bytes;
	} ok[] = {
		{"1MiB", 1048576},     {"512K", 512000},   {"512KiB", 524288},
		{"1.5MiB", 1572864},   {"4096", 4096},     {"1 MiB", 1048576},
		{"2mb", 2000000},      {"1GiB", 1073741824}, {"1Gi", 1073741824},
		{"64kib", 65536},      {"10B", 10},        {"1.5", 2},
	};
	struct dtool_args a;
	uint64_t          v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (dtool_size_parse(ok[i].text, "x", 1, UINT64_MAX, &v, err, sizeof(err)) != 0)
			fail_msg("%s: %s", ok[i].text, err);
		assert_int_equal(v, ok[i].bytes);
	}
	assert_int_equal(dtool_size_parse("16EiB", "x", 0, UINT64_MAX, &v, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "invalid x '16EiB': larger than 18446744073709551615 bytes");
	assert_int_equal(dtool_size_parse("99999999999999999999", "x", 0, UINT64_MAX, &v, err,
					  sizeof(err)),
			 -DER_INVAL);
	assert_int_equal(parse("cont create p1 -z 2MiB -t posix", &a), 0);
	assert_true(a.da_chunk_set);
	assert_int_equal(a.da_chunk_size, 2097152);
	bad("cont create p1 -z 1XB",
	    "invalid -z/--chunk-size '1XB': unknown unit (use B, K, M, G, T, P, E with an "
	    "optional B, or KiB, MiB, GiB, TiB, PiB, EiB)");
	bad("cont create p1 -z abc",
	    "invalid -z/--chunk-size 'abc': not a size (e.g. 1MiB, 512K)");
	bad("cont create p1 --chunk-size=-1",
	    "invalid -z/--chunk-size '-1': not a size (e.g. 1MiB, 512K)");
	bad("cont create p1 -z 0", "invalid -z/--chunk-size '0': less than 1 bytes");
	bad("cont create p1 -z 2GiB",
	    "invalid -z/--chunk-size '2GiB': larger than 1073741824 bytes");
	bad("cont create p1 -z 1M1", "invalid -z/--chunk-size '1M1': unknown unit (use B, K, M, "
				     "G, T, P, E with an optional B, or KiB, MiB, GiB, TiB, PiB, "
				     "EiB)");
}

/* DT08: create properties: every settable one, as values */
static void
dt08_create_props(void **state)
{
	struct dtool_args            a;
	const struct dtool_prop_val *pv;

	(void)state;
	assert_int_equal(parse("cont create p1 --properties=cksum:crc32,cksum_size:64KiB,"
			       "srv_cksum:on,rd_fac:1,rd_lvl:node,ec_cell_sz:128KiB,"
			       "dedup:memcmp,dedup_threshold:8K,compression:lz4,"
			       "encryption:aes-xts128,max_snapshot:5,ec_pda:1,rp_pda:3,label:c1",
			       &a),
			 0);
	assert_int_equal(a.da_props.pl_nr, 14);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_CSUM);
	assert_int_equal(pv->pv_num, DAOS_PROP_CO_CSUM_CRC32);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_CSUM_CHUNK_SIZE);
	assert_int_equal(pv->pv_num, 65536);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_CSUM_SERVER_VERIFY);
	assert_int_equal(pv->pv_num, DAOS_PROP_CO_CSUM_SV_ON);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_REDUN_FAC);
	assert_int_equal(pv->pv_num, 1);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_REDUN_LVL);
	assert_int_equal(pv->pv_num, DAOS_PROP_CO_REDUN_NODE);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_EC_CELL_SZ);
	assert_int_equal(pv->pv_num, 131072);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_DEDUP_THRESHOLD);
	assert_int_equal(pv->pv_num, 8000);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_ENCRYPT);
	assert_int_equal(pv->pv_num, DAOS_PROP_CO_ENCRYPT_AES_XTS128);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_SNAPSHOT_MAX);
	assert_int_equal(pv->pv_num, 5);
	pv = dtool_props_get(&a.da_props, DAOS_PROP_CO_LABEL);
	assert_string_equal(pv->pv_str, "c1");
	/* aliases, case, and the rd_facN form get-prop prints */
	assert_int_equal(parse("cont create p1 -P RF:rd_fac2,rf_lvl:rank,CKSUM:SHA256", &a), 0);
	assert_int_equal(dtool_props_get(&a.da_props, DAOS_PROP_CO_REDUN_FAC)->pv_num, 2);
	assert_int_equal(dtool_props_get(&a.da_props, DAOS_PROP_CO_REDUN_LVL)->pv_num,
			 DAOS_PROP_CO_REDUN_RANK);
	assert_int_equal(dtool_props_get(&a.da_props, DAOS_PROP_CO_CSUM)->pv_num,
			 DAOS_PROP_CO_CSUM_SHA256);
	/* the positional label joins the properties */
	assert_int_equal(parse("cont create p1 mycont -t POSIX -o SX -P cksum:off", &a), 0);
	assert_string_equal(a.da_label, "mycont");
	assert_string_equal(dtool_props_get(&a.da_props, DAOS_PROP_CO_LABEL)->pv_str, "mycont");
	assert_true(a.da_type_set);
	assert_int_equal(a.da_type, DAOS_PROP_CO_LAYOUT_POSIX);
	assert_true(a.da_oclass_set);
	assert_int_equal(a.da_oclass, OC_SX);
}

/* DT09: every class of bad property, with the reason */
static void
dt09_bad_props(void **state)
{
	(void)state;
	bad("cont create p1 -P foo:bar",
	    "invalid property 'foo:bar': unknown property 'foo' (valid: cksum, cksum_size, "
	    "compression, dedup, dedup_threshold, ec_cell_sz, ec_pda, encryption, label, "
	    "max_snapshot, rd_fac, rd_lvl, rp_pda, srv_cksum)");
	bad("cont create p1 -P cksum:md5",
	    "invalid property 'cksum:md5': invalid choice 'md5' for cksum (valid: off, adler32, "
	    "crc16, crc32, crc64, sha1, sha256, sha512)");
	bad("cont create p1 -P label", "invalid property 'label': expected name:value");
	bad("cont create p1 -P label:", "invalid property 'label:': no value for label");
	bad("cont create p1 -P label:a,,cksum:off",
	    "invalid properties 'label:a,,cksum:off': empty entry");
	bad("cont create p1 -P=", "no property given (expected name:value[,...])");
	bad("cont create p1 -P label:a,label:b", "property 'label' given more than once");
	bad("cont create p1 -P rf:1,rd_fac:2", "property 'rd_fac' given more than once");
	bad("cont create p1 -P layout_type:1", "invalid property 'layout_type:1': layout_type "
					       "is read-only");
	bad("cont create p1 -P status:healthy",
	    "invalid property 'status:healthy': status can only be changed after the "
	    "container is created");
	bad("cont set-prop p1 c1 cksum:crc32",
	    "invalid property 'cksum:crc32': cksum can only be set when the container is "
	    "created");
	bad("cont set-prop p1 c1 status:unclean",
	    "invalid property 'status:unclean': invalid choice 'unclean' for status (valid: "
	    "healthy)");
	bad("cont create p1 -P label:bad/label",
	    "invalid property 'label:bad/label': invalid label 'bad/label' (1 to 127 of A-Z "
	    "a-z 0-9 : . _ -, not a UUID)");
	bad("cont create p1 -P label:3b0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a59",
	    "invalid property 'label:3b0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a59': invalid label "
	    "'3b0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a59' (1 to 127 of A-Z a-z 0-9 : . _ -, not a "
	    "UUID)");
	bad("cont create p1 -P ec_cell_sz:512",
	    "invalid property 'ec_cell_sz:512': invalid ec_cell_sz '512': less than 1024 bytes");
	bad("cont create p1 -P ec_cell_sz:2GiB",
	    "invalid property 'ec_cell_sz:2GiB': invalid ec_cell_sz '2GiB': larger than "
	    "1073741824 bytes");
	bad("cont create p1 -P rd_fac:5",
	    "invalid property 'rd_fac:5': rd_fac must be 0 to 4");
	bad("cont create p1 -P rd_lvl:rack",
	    "invalid property 'rd_lvl:rack': invalid choice 'rack' for rd_lvl (valid: rank, "
	    "node)");
	bad("cont create p1 -P max_snapshot:x",
	    "invalid property 'max_snapshot:x': max_snapshot must be a number from 0 to "
	    "4294967295");
	bad("cont create p1 c1 -P label:c2", "can't supply label arg and --properties label:");
	bad("cont create p1 bad!label",
	    "invalid label 'bad!label' (1 to 127 of A-Z a-z 0-9 : . _ -, not a UUID)");
	bad("cont create p1 -t zfs", "invalid --type 'zfs' (valid: POSIX, HDF5, PYTHON, SPARK, "
				     "DATABASE, ROOT, SEISMIC, METEO, unknown)");
	bad("cont create p1 -o bogus",
	    "invalid -o/--oclass 'bogus': unknown object class (e.g. S1, S2, SX)");
}

/* DT10: set-prop and get-prop arguments */
static void
dt10_set_get_prop(void **state)
{
	struct dtool_args a;

	(void)state;
	assert_int_equal(parse("cont set-prop p1 c1 label:new,status:healthy,max_snapshot:3",
			       &a),
			 0);
	assert_int_equal(a.da_props.pl_nr, 3);
	assert_int_equal(dtool_props_get(&a.da_props, DAOS_PROP_CO_STATUS)->pv_num,
			 DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_HEALTHY, DAOS_PROP_CO_CLEAR, 0));
	bad("cont set-prop p1 c1",
	    "the required argument `<name:value[,name:value...]>' was not provided");
	bad("cont set-prop p1 c1 label:a --properties=label:b",
	    "give the properties either as an argument or with --properties, not both");
	assert_int_equal(parse("cont get-prop p1 c1 label,cksum,rf,label", &a), 0);
	assert_int_equal(a.da_get_nr, 3);
	assert_string_equal(a.da_get[0]->pd_name, "label");
	assert_string_equal(a.da_get[2]->pd_name, "rd_fac");
	assert_int_equal(parse("cont get-prop p1 c1 --properties owner,acl", &a), 0);
	assert_int_equal(a.da_get_nr, 2);
	assert_int_equal(parse("cont get-prop p1 c1", &a), 0);
	assert_int_equal(a.da_get_nr, 0);
	bad("cont get-prop p1 c1 bogus",
	    "unknown property 'bogus' (valid: acl, alloc_oid, cksum, cksum_size, compression, "
	    "dedup, dedup_threshold, ec_cell_sz, ec_pda, encryption, global_version, group, "
	    "label, layout_type, layout_version, max_snapshot, obj_version, owner, perf_domain, "
	    "rd_fac, rd_lvl, rp_pda, srv_cksum, status)");
	bad("cont get-prop p1 c1 label --properties=cksum",
	    "give the property names either as an argument or with --properties, not both");
}

/* DT11: snapshot arguments: one way of naming what to destroy */
static void
dt11_snapshots(void **state)
{
	struct dtool_args a;

	(void)state;
	assert_int_equal(parse("cont destroy-snap p1 c1 -e 0x1f", &a), 0);
	assert_true(a.da_epoch_set);
	assert_int_equal(a.da_epoch, 31);
	assert_int_equal(parse("cont destroy-snap p1 c1 --epcrange=5-9", &a), 0);
	assert_int_equal(a.da_epr.epr_lo, 5);
	assert_int_equal(a.da_epr.epr_hi, 9);
	assert_int_equal(parse("cont destroy-snap p1 c1 -s nightly", &a), 0);
	assert_string_equal(a.da_snap, "nightly");
	bad("cont destroy-snap p1 c1", "a single epoch (-e), an epoch range (-r) or a snapshot "
				       "name (-s) must be provided");
	bad("cont destroy-snap p1 c1 -e 5 -s x",
	    "only one of -e/--epc, -r/--epcrange and -s/--snap may be given");
	bad("cont destroy-snap p1 c1 -e 0",
	    "invalid -e/--epc '0': expected an epoch (a number above 0, decimal or 0x hex)");
	bad("cont destroy-snap p1 c1 -e 12x",
	    "invalid -e/--epc '12x': expected an epoch (a number above 0, decimal or 0x hex)");
	bad("cont destroy-snap p1 c1 -r 9-5",
	    "invalid --epcrange '9-5': the first epoch is after the second");
	bad("cont destroy-snap p1 c1 -r 0-5", "invalid --epcrange '0-5': expected A-B, two "
					      "epochs above 0");
	bad("cont destroy-snap p1 c1 -r 5", "invalid --epcrange '5': expected A-B, two epochs "
					    "above 0");
	assert_int_equal(parse("cont snap p1 c1 --snap=nightly", &a), 0);
	assert_string_equal(a.da_snap, "nightly");
	bad("cont snap p1 c1 -s=", "invalid -s/--snap '': 1 to 127 characters");
}

/* DT12: object ids HI.LO */
static void
dt12_oids(void **state)
{
	struct dtool_args a;
	char              buf[48];

	(void)state;
	assert_int_equal(parse("obj query p1 c1 1234.5678", &a), 0);
	assert_int_equal(a.da_oid.hi, 1234);
	assert_int_equal(a.da_oid.lo, 5678);
	assert_int_equal(parse("obj query p1 c1 18446744073709551615.0", &a), 0);
	assert_int_equal(a.da_oid.hi, UINT64_MAX);
	dtool_oid_str(a.da_oid, buf, sizeof(buf));
	assert_string_equal(buf, "18446744073709551615.0");
	bad("obj query p1 c1 1234", "invalid object id '1234': expected HI.LO, two unsigned "
				    "64-bit decimal numbers");
	bad("obj query p1 c1 1.2.3", "invalid object id '1.2.3': expected HI.LO, two unsigned "
				     "64-bit decimal numbers");
	bad("obj query p1 c1 18446744073709551616.1",
	    "invalid object id '18446744073709551616.1': expected HI.LO, two unsigned 64-bit "
	    "decimal numbers");
	bad("obj query p1 c1 .1", "invalid object id '.1': expected HI.LO, two unsigned 64-bit "
				  "decimal numbers");
	bad("obj query p1 c1 0x1.2", "invalid object id '0x1.2': expected HI.LO, two unsigned "
				     "64-bit decimal numbers");
	bad("obj query p1 c1 1.2 -i 3.4", "can't specify --oid and positional argument");
}

/* DT13: attribute lists: pairs, the legacy name value form, names */
static void
dt13_attrs(void **state)
{
	struct dtool_args a;

	(void)state;
	assert_int_equal(parse("pool set-attr p1 a:1,b:x:y", &a), 0);
	assert_int_equal(a.da_attr_nr, 2);
	assert_int_equal(a.da_attr_name_lens[0], 1);
	assert_memory_equal(a.da_attr_names[0], "a", 1);
	assert_memory_equal(a.da_attr_vals[0], "1", 1);
	/* a value may hold ':' after the first */
	assert_int_equal(a.da_attr_val_lens[1], 3);
	assert_memory_equal(a.da_attr_vals[1], "x:y", 3);
	assert_int_equal(parse("cont set-attr p1 c1 name value,with,commas", &a), 0);
	assert_int_equal(a.da_attr_nr, 1);
	assert_string_equal(a.da_attr_vals[0], "value,with,commas");
	assert_int_equal(parse("cont get-attr p1 c1 a,b,c", &a), 0);
	assert_int_equal(a.da_attr_nr, 3);
	assert_int_equal(parse("pool del-attr p1 a", &a), 0);
	assert_int_equal(a.da_attr_nr, 1);
	bad("pool set-attr p1 a", "invalid attribute 'a': expected name:value");
	bad("pool set-attr p1 a:", "invalid attribute 'a': no value");
	bad("pool set-attr p1 :v", "invalid attribute: empty name");
	bad("pool set-attr p1 a:1,a:2", "attribute 'a' given more than once");
	bad("cont get-attr p1 c1 a,,b", "invalid attribute names 'a,,b': empty name");
	bad("cont set-attr p1 c1 a:b x y", "unexpected argument `y' for `daos container "
					   "set-attr'");
}

/* DT14: bounds on the command line itself */
static void
dt14_limits(void **state)
{
	struct dtool_args a;
	char             *big = malloc(DTOOL_ARG_LEN_MAX + 2);
	char             *argv[] = {"daos", "pool", "query", big, NULL};
	char            **many = calloc(DTOOL_ARGS_MAX + 2, sizeof(*many));

	(void)state;
	assert_non_null(big);
	assert_non_null(many);
	memset(big, 'a', DTOOL_ARG_LEN_MAX + 1);
	big[DTOOL_ARG_LEN_MAX + 1] = '\0';
	assert_int_equal(dtool_args_parse(4, argv, &a, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "argument 3 is longer than 65536 bytes");
	for (int i = 0; i < DTOOL_ARGS_MAX + 1; i++)
		many[i] = "-j";
	assert_int_equal(dtool_args_parse(DTOOL_ARGS_MAX + 1, many, &a, err, sizeof(err)),
			 -DER_INVAL);
	assert_string_equal(err, "too many arguments (1024, at most 1023)");
	free(big);
	free(many);
}

/* DT15: sizes printed as DAOS prints them (base 10 for space, base 2 for chunks) */
static void
dt15_size_strings(void **state)
{
	static const struct {
		uint64_t    bytes;
		const char *dec;
		const char *bin;
	} v[] = {
		{0, "0 B", "0 B"},
		{9, "9 B", "9 B"},
		{1000, "1.0 kB", "1000 B"},
		{32768, "33 kB", "32 KiB"},
		{1048576, "1.0 MB", "1.0 MiB"},
		{1073741824, "1.1 GB", "1.0 GiB"},
		{15000000000ull, "15 GB", "14 GiB"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		dtool_size_str(v[i].bytes, buf, sizeof(buf));
		assert_string_equal(buf, v[i].dec);
		dtool_isize_str(v[i].bytes, buf, sizeof(buf));
		assert_string_equal(buf, v[i].bin);
	}
}

/* DT16: property values as get-prop prints them */
static void
dt16_prop_strings(void **state)
{
	char buf[DTOOL_PROP_STR_MAX + 32];

	(void)state;
	dtool_prop_str(dtool_prop_find("rd_fac", 6), 1, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "rd_fac1");
	dtool_prop_str(dtool_prop_find("rd_lvl", 6), 1, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "rank (1)");
	dtool_prop_str(dtool_prop_find("rd_lvl", 6), 2, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "node (2)");
	dtool_prop_str(dtool_prop_find("status", 6),
		       DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_UNCLEAN, 0, 7), NULL, buf, sizeof(buf));
	assert_string_equal(buf, "UNCLEAN");
	dtool_prop_str(dtool_prop_find("status", 6), 0, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "HEALTHY");
	dtool_prop_str(dtool_prop_find("layout_type", 11), 1, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "POSIX (1)");
	dtool_prop_str(dtool_prop_find("cksum_size", 10), 32768, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "32 KiB");
	dtool_prop_str(dtool_prop_find("cksum", 5), DAOS_PROP_CO_CSUM_CRC64, NULL, buf,
		       sizeof(buf));
	assert_string_equal(buf, "crc64");
	dtool_prop_str(dtool_prop_find("cksum", 5), 99, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "property \"cksum\": invalid value 0x63");
	dtool_prop_str(dtool_prop_find("label", 5), 0, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "container_label_not_set");
	dtool_prop_str(dtool_prop_find("perf_domain", 11), 255, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "root");
	assert_string_equal(dtool_ctype_name(2), "HDF5");
	assert_string_equal(dtool_ctype_name(77), "unknown");
	assert_null(dtool_prop_find("nope", 4));
	assert_ptr_equal(dtool_prop_by_type(DAOS_PROP_CO_LABEL), dtool_prop_find("LABEL", 5));
}

/* DT17: tables: widths, dashes, no trailing blanks, sanitised and cut cells */
static void
dt17_tables(void **state)
{
	static const char *const titles[] = {"UUID", "Label"};
	struct dtool_table       t;
	struct dtool_out         out;
	char                     longcell[DTOOL_CELL_MAX + 10];
	const char              *r1[] = {"abc", "x\x1b[31m"};
	const char              *r2[] = {"a", NULL};
	const char              *r3[] = {"b", longcell};

	(void)state;
	dtool_out_init(&out);
	assert_int_equal(dtool_table_init(&t, 2, titles, 0), 0);
	assert_int_equal(dtool_table_add(&t, r1), 0);
	assert_int_equal(dtool_table_add(&t, r2), 0);
	assert_int_equal(dtool_table_render(&t, &out), 0);
	assert_string_equal(out.o_buf, "UUID Label\n---- -----\nabc  x?[31m\na\n");
	dtool_table_fini(&t);
	dtool_out_fini(&out);
	memset(longcell, 'z', sizeof(longcell) - 1);
	longcell[sizeof(longcell) - 1] = '\0';
	dtool_out_init(&out);
	assert_int_equal(dtool_table_init(&t, 2, titles, 2), 0);
	assert_int_equal(dtool_table_add(&t, r3), 0);
	assert_int_equal(dtool_table_render(&t, &out), 0);
	assert_int_equal(strlen(out.o_buf), strlen("  UUID Label\n  ---- -----\n  b    \n") +
						DTOOL_CELL_MAX + 3);
	assert_non_null(strstr(out.o_buf, "zzz...\n"));
	dtool_table_fini(&t);
	dtool_out_fini(&out);
	assert_int_equal(dtool_table_init(&t, 0, titles, 0), -DER_INVAL);
	assert_int_equal(dtool_table_init(&t, DTOOL_TABLE_COLS_MAX + 1, titles, 0), -DER_INVAL);
}

/* DT18: entity blocks line their colons up */
static void
dt18_entity(void **state)
{
	struct dtool_entity e;
	struct dtool_out    out;

	(void)state;
	dtool_entity_init(&e);
	dtool_out_init(&out);
	assert_int_equal(dtool_entity_add(&e, "Container UUID", "%s", "u"), 0);
	assert_int_equal(dtool_entity_add(&e, "Container Label", "%s", "l\n"), 0);
	assert_int_equal(dtool_entity_add(&e, "Container Type", "%s", "POSIX"), 0);
	assert_int_equal(dtool_entity_render(&e, &out), 0);
	assert_string_equal(out.o_buf, "  Container UUID : u\n  Container Label: l?\n"
				       "  Container Type : POSIX\n");
	dtool_entity_fini(&e);
	dtool_out_fini(&out);
	for (int i = 0; i < DTOOL_ENTITY_ROWS_MAX; i++)
		assert_int_equal(dtool_entity_add(&e, "k", "%d", i), 0);
	assert_int_equal(dtool_entity_add(&e, "k", "x"), -DER_OVERFLOW);
	dtool_entity_fini(&e);
}

/* DT19: the -j envelope, exactly as dmg and DAOS print it */
static void
dt19_envelope(void **state)
{
	struct dtool_out out;
	json_t          *resp = json_pack("{s:s}", "uuid", "u");

	(void)state;
	dtool_out_init(&out);
	assert_int_equal(dtool_envelope(resp, NULL, 0, &out), 0);
	assert_string_equal(out.o_buf, "{\n  \"response\": {\n    \"uuid\": \"u\"\n  },\n"
				       "  \"error\": null,\n  \"status\": 0\n}\n");
	dtool_out_fini(&out);
	dtool_out_init(&out);
	assert_int_equal(dtool_envelope(NULL, "failed to connect to pool p1", -DER_NONEXIST,
					&out),
			 0);
	assert_string_equal(out.o_buf, "{\n  \"response\": null,\n  \"error\": \"failed to "
				       "connect to pool p1\",\n  \"status\": -1005\n}\n");
	dtool_out_fini(&out);
	json_decref(resp);
	assert_int_equal(dtool_status(0), 0);
	assert_int_equal(dtool_status(-DER_NO_PERM), -DER_NO_PERM);
	assert_int_equal(dtool_status(5), -DER_MISC);
	assert_int_equal(dtool_status(-999999), -DER_MISC);
}

/* DT20: base64 (RFC 4648 vectors) and HLC dates */
static void
dt20_base64_hlc(void **state)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const exp[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					  "Zm9vYmFy"};
	char                     date[64];

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *s = dtool_base64(in[i], strlen(in[i]));

		assert_non_null(s);
		assert_string_equal(s, exp[i]);
		free(s);
	}
	/* HLC 0 is the HLC epoch, 2021-01-01; the logical bits are not time */
	dtool_hlc_str(0, date, sizeof(date));
	assert_string_equal(date, "2021-01-01 00:00:00.000000000 +0000 UTC");
	dtool_hlc_str((1ull << 40) | 5, date, sizeof(date));
	assert_string_equal(date, "2021-01-01 00:18:19.511627776 +0000 UTC");
}

/* DT21: labels and UUIDs as DAOS tells them apart */
static void
dt21_labels(void **state)
{
	char l127[128];

	(void)state;
	memset(l127, 'a', 127);
	l127[127] = '\0';
	assert_true(dtool_label_ok("my-cont_1.a:b", 13));
	assert_true(dtool_label_ok(l127, 127));
	assert_false(dtool_label_ok("", 0));
	assert_false(dtool_label_ok("a b", 3));
	assert_false(dtool_label_ok("3b0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a59", 36));
	assert_true(dtool_uuid_shaped("3B0D2D8A-2C21-4B1C-9F7E-0E1D2C3B4A59", 36));
	/* the same length, but not hex: a label */
	assert_true(dtool_label_ok("zb0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a59", 36));
	assert_false(dtool_uuid_shaped("3b0d2d8a-2c21-4b1c-9f7e-0e1d2c3b4a5", 35));
}

/* DT22: the output buffer refuses to grow past its bound */
static void
dt22_out_bound(void **state)
{
	struct dtool_out out;
	char            *chunk = malloc(1u << 20);

	(void)state;
	assert_non_null(chunk);
	memset(chunk, 'x', (1u << 20) - 1);
	chunk[(1u << 20) - 1] = '\0';
	dtool_out_init(&out);
	for (unsigned int i = 0; i < DTOOL_OUT_MAX / ((1u << 20) - 1); i++)
		assert_int_equal(dtool_out_printf(&out, "%s", chunk), 0);
	assert_int_equal(dtool_out_printf(&out, "%s", chunk), -DER_OVERFLOW);
	assert_true(out.o_len <= DTOOL_OUT_MAX);
	assert_int_equal(out.o_buf[out.o_len], '\0');
	dtool_out_fini(&out);
	dtool_out_init(&out);
	assert_int_equal(dtool_out_put_safe(&out, "a\tb\x7f", 4), 0);
	assert_string_equal(out.o_buf, "a?b?");
	dtool_out_fini(&out);
	free(chunk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dt01_commands_and_aliases),
		cmocka_unit_test(dt02_bad_commands),
		cmocka_unit_test(dt03_bad_flags),
		cmocka_unit_test(dt04_positionals),
		cmocka_unit_test(dt05_global_flags),
		cmocka_unit_test(dt06_help),
		cmocka_unit_test(dt07_sizes),
		cmocka_unit_test(dt08_create_props),
		cmocka_unit_test(dt09_bad_props),
		cmocka_unit_test(dt10_set_get_prop),
		cmocka_unit_test(dt11_snapshots),
		cmocka_unit_test(dt12_oids),
		cmocka_unit_test(dt13_attrs),
		cmocka_unit_test(dt14_limits),
		cmocka_unit_test(dt15_size_strings),
		cmocka_unit_test(dt16_prop_strings),
		cmocka_unit_test(dt17_tables),
		cmocka_unit_test(dt18_entity),
		cmocka_unit_test(dt19_envelope),
		cmocka_unit_test(dt20_base64_hlc),
		cmocka_unit_test(dt21_labels),
		cmocka_unit_test(dt22_out_bound),
	};

	return cmocka_run_group_tests_name("daos_tool", tests, NULL, NULL);
}
