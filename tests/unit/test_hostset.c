/*
 * test_hostset.c: host sets (src/gurt/hostset.c): pattern parsing, zero
 * padding, ports, sorting, compressed printing, set algebra, limits and every
 * class of bad pattern with its exact message. Invariants cited are those of
 * hostset.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <daos_errno.h>
#include "gurt/hostset.h"

static char *
fmt_alloc(const struct d_hostset *s)
{
	size_t n   = d_hostset_format_len(s);
	char  *buf = malloc(n);

	assert_non_null(buf);
	assert_int_equal(d_hostset_format(s, buf, n), 0);
	assert_int_equal(strlen(buf) + 1, n);
	return buf;
}

/* Printed form must parse back to the same set (the fuzz property). */
static void
check_roundtrip(const struct d_hostset *s)
{
	struct d_hostset r;
	char            *txt = fmt_alloc(s);
	char             err[256];

	d_hostset_init(&r);
	assert_int_equal(d_hostset_parse(txt, &r, err, sizeof(err)), 0);
	assert_true(d_hostset_equal(&r, s));
	d_hostset_fini(&r);
	free(txt);
}

/* Parse `in`; check the printed form and the count. */
static void
check_parse(const char *in, const char *want, uint32_t count)
{
	struct d_hostset s;
	char             err[256] = "untouched";
	char            *txt;

	d_hostset_init(&s);
	assert_int_equal(d_hostset_parse(in, &s, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	txt = fmt_alloc(&s);
	assert_string_equal(txt, want);
	assert_int_equal(d_hostset_count(&s), count);
	check_roundtrip(&s);
	free(txt);
	d_hostset_fini(&s);
}

/* Parse `in`; check the hosts, in sorted order, as one space-separated list. */
static void
check_hosts(const char *in, const char *want)
{
	struct d_hostset s;
	char             all[4096] = "";
	char             h[D_HOSTSET_HOST_BUF];
	uint32_t         i;

	d_hostset_init(&s);
	assert_int_equal(d_hostset_parse(in, &s, NULL, 0), 0);
	for (i = 0; i < d_hostset_count(&s); i++) {
		assert_int_equal(d_hostset_get(&s, i, h, sizeof(h)), 0);
		if (i > 0)
			strcat(all, " ");
		strcat(all, h);
	}
	assert_string_equal(all, want);
	d_hostset_fini(&s);
}

/* Parse `in`: must fail with -DER_INVAL and exactly `msg`, leaving the set alone. */
static void
check_err(const char *in, const char *msg)
{
	struct d_hostset s;
	char             err[512];
	char             buf[64];

	d_hostset_init(&s);
	assert_int_equal(d_hostset_add(&s, "keep"), 0);
	assert_int_equal(d_hostset_parse(in, &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, msg);
	assert_int_equal(d_hostset_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "keep");
	d_hostset_fini(&s);
}

/* HS01: the example: expands, sorts by prefix and prints compressed. */
static void
hs01_example(void **state)
{
	struct d_hostset s;
	char             h[D_HOSTSET_HOST_BUF];

	(void)state;
	check_parse("storagehost[0,5-10],10.8.1.[20-100]", "10.8.1.[20-100],storagehost[0,5-10]",
		    88);
	d_hostset_init(&s);
	assert_int_equal(d_hostset_parse("storagehost[0,5-10],10.8.1.[20-100]", &s, NULL, 0), 0);
	assert_int_equal(d_hostset_get(&s, 0, h, sizeof(h)), 0);
	assert_string_equal(h, "10.8.1.20");
	assert_int_equal(d_hostset_get(&s, 80, h, sizeof(h)), 0);
	assert_string_equal(h, "10.8.1.100");
	assert_int_equal(d_hostset_get(&s, 81, h, sizeof(h)), 0);
	assert_string_equal(h, "storagehost0");
	assert_int_equal(d_hostset_get(&s, 87, h, sizeof(h)), 0);
	assert_string_equal(h, "storagehost10");
	assert_int_equal(d_hostset_get(&s, 88, h, sizeof(h)), -DER_NONEXIST);
	assert_true(d_hostset_contains(&s, "10.8.1.57"));
	assert_false(d_hostset_contains(&s, "10.8.1.101"));
	assert_false(d_hostset_contains(&s, "storagehost05"));
	d_hostset_fini(&s);
}

/* HS02: a group of one prints plainly; plain names and single numbers. */
static void
hs02_plain(void **state)
{
	(void)state;
	check_parse("storagehost5", "storagehost5", 1);
	check_parse("storagehost[5]", "storagehost5", 1);
	check_parse("localhost", "localhost", 1);
	check_parse("a,b", "a,b", 2);
	check_parse("b1,a2", "a2,b1", 2);
	check_parse("[1-3]", "[1-3]", 3); /* numbers alone are host names too */
	check_parse("h[007]", "h007", 1);
	check_parse("h[0]", "h0", 1);
	check_parse("h[00]", "h00", 1);
}

/* HS03: zero padding comes from the start of each range. */
static void
hs03_padding(void **state)
{
	(void)state;
	check_hosts("host[08-10]", "host08 host09 host10");
	check_hosts("host[8-10]", "host8 host9 host10");
	check_hosts("h[0-2]", "h0 h1 h2");
	check_hosts("h[00-02]", "h00 h01 h02");
	check_hosts("h[098-100]", "h098 h099 h100");
	check_hosts("h[8-010]", "h8 h9 h10"); /* the end's zeros do not matter */
	check_hosts("h[001,2,1]", "h1 h001 h2"); /* sorted by number, then width */
	check_parse("host[08-10]", "host[08-10]", 3);
	check_parse("host[8-10]", "host[8-10]", 3);
	check_parse("h[0-10]", "h[0-10]", 11);
	check_parse("h[00-10]", "h[00-10]", 11);
	check_parse("h[098-1000]", "h[098-1000]", 903);
}

/* HS04: consecutive numbers join a range only when its text reproduces each host. */
static void
hs04_compress(void **state)
{
	(void)state;
	check_parse("host08,host09,host10", "host[08-10]", 3);
	check_parse("host9,host10", "host[9-10]", 2);
	check_parse("host1,host2", "host[1-2]", 2);
	check_parse("host1,host01,host02,host03", "host[1,01-03]", 4);
	check_parse("host9,host09,host10,host8,host08", "host[8-9,08-10]", 5);
	check_parse("h[98-101],h[099-100]", "h[98-99,099-101]", 5);
	check_parse("h1,h3,h5", "h[1,3,5]", 3);
	check_parse("h01,h2,h03", "h[01,2,03]", 3);
	check_parse("h009,h010,h011", "h[009-011]", 3);
	check_parse("h009,h10,h011", "h[009,10,011]", 3);
	check_parse("h9,h010", "h[9,010]", 2);
}

/* HS05: hosts are unique exact strings and sorted by prefix, port, number, width. */
static void
hs05_dedup_sort(void **state)
{
	(void)state;
	check_parse("a,a,a[1-2],a1,a01", "a,a[1-2,01]", 4);
	check_hosts("n10,n9,n1,n01,m,n,n:80,n1:80,n:7",
		    "m n n1 n01 n9 n10 n:7 n:80 n1:80");
	/* A digit run longer than D_HOSTSET_DIGITS_MAX is not a number. */
	check_hosts("host1234567890,host123456789,host1234567889",
		    "host123456789 host1234567889 host1234567890");
	check_parse("host1234567890,host1234567891", "host1234567890,host1234567891", 2);
	check_hosts("10.8.1.100,10.8.1.20,10.8.1.3,10.8.2.1",
		    "10.8.1.3 10.8.1.20 10.8.1.100 10.8.2.1");
}

/* HS06: ports belong to the host; each prefix+port is its own group. */
static void
hs06_ports(void **state)
{
	(void)state;
	check_hosts("host[1-3]:10001", "host1:10001 host2:10001 host3:10001");
	check_parse("host[1-3]:10001", "host[1-3]:10001", 3);
	check_parse("10.0.0.[1-3]:10001", "10.0.0.[1-3]:10001", 3);
	check_parse("10.0.0.1:10001,10.0.0.2:10001,10.0.0.3:10001", "10.0.0.[1-3]:10001", 3);
	check_parse("h1,h1:1,h1:65535,h2:1", "h1,h[1-2]:1,h1:65535", 4);
	check_parse("host:80,host", "host,host:80", 2);
}

/* HS07: parse adds to its output (several -l merge); failures leave it untouched. */
static void
hs07_parse_appends(void **state)
{
	struct d_hostset s;
	char             buf[64];
	char             err[128];

	(void)state;
	d_hostset_init(&s);
	assert_int_equal(d_hostset_parse("host[1-3]", &s, NULL, 0), 0);
	assert_int_equal(d_hostset_parse("host[3-5],other", &s, NULL, 0), 0);
	assert_int_equal(d_hostset_parse("", &s, NULL, 0), 0);
	assert_int_equal(d_hostset_parse("host6,bad!", &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "invalid character '!' at position 4 in 'bad!'");
	assert_int_equal(d_hostset_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "host[1-5],other");
	d_hostset_fini(&s);
}

/* HS08: add takes one literal host, validated; get and contains. */
static void
hs08_add_get(void **state)
{
	struct d_hostset s;
	char             h[D_HOSTSET_HOST_BUF];
	char             name[300];

	(void)state;
	d_hostset_init(&s);
	assert_int_equal(d_hostset_add(&s, "node2"), 0);
	assert_int_equal(d_hostset_add(&s, "node1:10001"), 0);
	assert_int_equal(d_hostset_add(&s, "node1"), 0);
	assert_int_equal(d_hostset_add(&s, "node1"), 0); /* again: no-op */
	assert_int_equal(d_hostset_count(&s), 3);
	assert_int_equal(d_hostset_get(&s, 0, h, sizeof(h)), 0);
	assert_string_equal(h, "node1");
	assert_int_equal(d_hostset_get(&s, 2, h, sizeof(h)), 0);
	assert_string_equal(h, "node1:10001");
	assert_int_equal(d_hostset_get(&s, 2, h, 11), -DER_TRUNC);
	assert_string_equal(h, "node1:1000");
	assert_int_equal(d_hostset_get(&s, 2, h, 12), 0);
	assert_int_equal(d_hostset_get(&s, 3, h, sizeof(h)), -DER_NONEXIST);
	assert_true(d_hostset_contains(&s, "node1:10001"));
	assert_false(d_hostset_contains(&s, "node1:10002"));
	assert_false(d_hostset_contains(&s, "node[1-2]"));
	assert_false(d_hostset_contains(&s, NULL));

	assert_int_equal(d_hostset_add(&s, "node[1-2]"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, "a,b"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, " a"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, ""), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, ":80"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, "a:0"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, "a:65536"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, "a:"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, "a:1:2"), -DER_INVAL);
	assert_int_equal(d_hostset_add(&s, NULL), -DER_INVAL);
	memset(name, 'n', sizeof(name));
	name[D_HOSTSET_NAME_MAX] = '\0';
	assert_int_equal(d_hostset_add(&s, name), 0);
	strcpy(name + D_HOSTSET_NAME_MAX, ":65535"); /* the longest host */
	assert_int_equal(d_hostset_add(&s, name), 0);
	assert_int_equal(d_hostset_get(&s, 1, h, sizeof(h)), 0); /* "nn..." < "node" */
	assert_string_equal(h, name);
	assert_true(d_hostset_contains(&s, name));
	name[D_HOSTSET_NAME_MAX] = 'n';
	name[D_HOSTSET_NAME_MAX + 1] = '\0';
	assert_int_equal(d_hostset_add(&s, name), -DER_INVAL);
	assert_int_equal(d_hostset_count(&s), 5);
	d_hostset_fini(&s);
	assert_null(s.hs_hosts);
}

/* HS09: union, intersection, difference (dst may alias), equality. */
static void
hs09_algebra(void **state)
{
	struct d_hostset a, b, r;
	char             buf[128];

	(void)state;
	d_hostset_init(&a);
	d_hostset_init(&b);
	d_hostset_init(&r);
	assert_int_equal(d_hostset_parse("h[1-5],x:80", &a, NULL, 0), 0);
	assert_int_equal(d_hostset_parse("h[4-8],x", &b, NULL, 0), 0);
	assert_int_equal(d_hostset_union(&r, &a, &b), 0);
	assert_int_equal(d_hostset_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "h[1-8],x,x:80");
	assert_int_equal(d_hostset_intersect(&r, &a, &b), 0);
	assert_int_equal(d_hostset_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "h[4-5]");
	assert_int_equal(d_hostset_subtract(&r, &a, &b), 0);
	assert_int_equal(d_hostset_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "h[1-3],x:80");
	assert_int_equal(d_hostset_subtract(&a, &a, &b), 0); /* in place */
	assert_true(d_hostset_equal(&a, &r));
	assert_false(d_hostset_equal(&a, &b));
	assert_int_equal(d_hostset_union(&a, &a, &a), 0);
	assert_true(d_hostset_equal(&a, &r));
	assert_int_equal(d_hostset_subtract(&a, &a, &a), 0);
	assert_int_equal(d_hostset_count(&a), 0);
	assert_null(a.hs_hosts); /* invariant 3 */
	assert_int_equal(d_hostset_intersect(&r, &a, &b), 0);
	assert_int_equal(d_hostset_count(&r), 0);
	d_hostset_fini(&a);
	d_hostset_fini(&b);
	d_hostset_fini(&r);
}

/* HS10: -DER_TRUNC on short buffers; the empty set prints "". */
static void
hs10_trunc(void **state)
{
	struct d_hostset s;
	char             buf[64];

	(void)state;
	d_hostset_init(&s);
	assert_int_equal(d_hostset_format_len(&s), 1);
	assert_int_equal(d_hostset_format(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(d_hostset_parse("storagehost[0,5-10],10.8.1.[20-100]", &s, NULL, 0), 0);
	assert_int_equal(d_hostset_format_len(&s), 36);
	assert_int_equal(d_hostset_format(&s, buf, 36), 0);
	assert_int_equal(d_hostset_format(&s, buf, 35), -DER_TRUNC);
	assert_string_equal(buf, "10.8.1.[20-100],storagehost[0,5-10");
	assert_int_equal(d_hostset_format(&s, buf, 8), -DER_TRUNC);
	assert_string_equal(buf, "10.8.1.");
	assert_int_equal(d_hostset_format(&s, buf, 1), -DER_TRUNC);
	assert_string_equal(buf, "");
	assert_int_equal(d_hostset_format(&s, NULL, 0), -DER_TRUNC);
	d_hostset_fini(&s);
}

/* HS11: text after the bracket is kept; such hosts print one by one. */
static void
hs11_suffix(void **state)
{
	(void)state;
	check_hosts("node[1-3]-ib", "node1-ib node2-ib node3-ib");
	check_parse("node[1-3]-ib", "node1-ib,node2-ib,node3-ib", 3);
	check_hosts("h[1-2]5", "h15 h25");
	check_parse("h[1-2]5", "h[15,25]", 2);
	check_parse("r[1-2]n:99", "r1n:99,r2n:99", 2);
}

/* HS12: blanks around elements; empty and blank input is the empty set. */
static void
hs12_blanks(void **state)
{
	(void)state;
	check_parse("a, b ,\tc ", "a,b,c", 3);
	check_parse("", "", 0);
	check_parse(" \t ", "", 0);
	check_parse(" h[1,2] ", "h[1-2]", 2);
}

/* HS13: empty elements. */
static void
hs13_empty_element(void **state)
{
	(void)state;
	check_err("a,,b", "empty element in host set 'a,,b'");
	check_err("a,", "empty element in host set 'a,'");
	check_err(",a", "empty element in host set ',a'");
	check_err(" , ", "empty element in host set ' , '");
}

/* HS14: bracket structure: unbalanced, nested, empty, two in one element. */
static void
hs14_brackets(void **state)
{
	(void)state;
	check_err("h[1-3", "unbalanced bracket in 'h[1-3'");
	check_err("h1-3]", "unbalanced bracket in 'h1-3]'");
	check_err("a,h[1,2", "unbalanced bracket in 'a,h[1,2'");
	check_err("h[1[2]]", "nested bracket in 'h[1[2]]'");
	check_err("h[]", "empty brackets in 'h[]'");
	check_err("rack[1-2]node[1-3]", "more than one bracket in 'rack[1-2]node[1-3]'");
	check_err("a,[1][2]", "more than one bracket in '[1][2]'");
}

/* HS15: bad bracket items: order, non-digits, empty items, too many digits. */
static void
hs15_bad_range(void **state)
{
	(void)state;
	check_err("h[5-3]", "invalid range '5-3' (start > end) in 'h[5-3]'");
	check_err("h[x]", "invalid number 'x' in 'h[x]'");
	check_err("h[+1]", "invalid number '+1' in 'h[+1]'");
	check_err("h[1-]", "invalid range '1-' in 'h[1-]'");
	check_err("h[-1]", "invalid range '-1' in 'h[-1]'");
	check_err("h[1-2-3]", "invalid range '1-2-3' in 'h[1-2-3]'");
	check_err("h[1-a]", "invalid range '1-a' in 'h[1-a]'");
	check_err("h[1, 2]", "invalid number ' 2' in 'h[1, 2]'");
	check_err("h[1,,2]", "empty item in brackets in 'h[1,,2]'");
	check_err("h[1,]", "empty item in brackets in 'h[1,]'");
	check_err("h[1234567890]",
		  "number '1234567890' too long (max 9 digits) in 'h[1234567890]'");
	check_err("h[1-0000000002]",
		  "number '0000000002' too long (max 9 digits) in 'h[1-0000000002]'");
	check_parse("h[999999999]", "h999999999", 1);
	check_parse("h[000000001-000000003]", "h[000000001-000000003]", 3);
}

/* HS16: characters outside [A-Za-z0-9._-] are named with their position. */
static void
hs16_bad_char(void **state)
{
	(void)state;
	check_err("ho!st", "invalid character '!' at position 3 in 'ho!st'");
	check_err("a,my host", "invalid character ' ' at position 3 in 'my host'");
	check_err("h\x01", "invalid character 0x01 at position 2 in 'h?'");
	check_err("h\xc3\xa9", "invalid character 0xc3 at position 2 in 'h?" "?'");
	check_err("h[1-2]/x", "invalid character '/' at position 7 in 'h[1-2]/x'");
	check_err("a@b:80", "invalid character '@' at position 2 in 'a@b:80'");
	check_parse("a-b_c.d", "a-b_c.d", 1);
}

/* HS17: host names up to D_HOSTSET_NAME_MAX bytes, also after expansion. */
static void
hs17_name_len(void **state)
{
	char in[400];
	char want[600];

	(void)state;
	memset(in, 'n', sizeof(in));
	in[D_HOSTSET_NAME_MAX] = '\0';
	check_parse(in, in, 1);
	in[D_HOSTSET_NAME_MAX] = 'n';
	in[D_HOSTSET_NAME_MAX + 1] = '\0';
	snprintf(want, sizeof(want), "host name too long (256 bytes, max 255) in '%.64s...'", in);
	check_err(in, want);

	/* 252 bytes + up to 3 digits fits; up to 4 digits does not. */
	memset(in, 'n', sizeof(in));
	strcpy(in + 252, "[1-999]:80");
	{
		struct d_hostset s;

		d_hostset_init(&s);
		assert_int_equal(d_hostset_parse(in, &s, NULL, 0), 0);
		assert_int_equal(d_hostset_count(&s), 999);
		check_roundtrip(&s);
		d_hostset_fini(&s);
	}
	strcpy(in + 252, "[1-1000]:80");
	snprintf(want, sizeof(want), "host name too long (256 bytes, max 255) in '%.64s...'", in);
	check_err(in, want);
	strcpy(in + 252, "[0001]");
	snprintf(want, sizeof(want), "host name too long (256 bytes, max 255) in '%.64s...'", in);
	check_err(in, want);
}

/* HS18: ports 1..65535 without leading zeros; IPv6 is refused. */
static void
hs18_ports_bad(void **state)
{
	(void)state;
	check_err("host:0", "invalid port '0' (expected 1-65535, no leading zero) in 'host:0'");
	check_err("host:65536",
		  "invalid port '65536' (expected 1-65535, no leading zero) in 'host:65536'");
	check_err("host:123456",
		  "invalid port '123456' (expected 1-65535, no leading zero) in 'host:123456'");
	check_err("host:abc",
		  "invalid port 'abc' (expected 1-65535, no leading zero) in 'host:abc'");
	check_err("host:080",
		  "invalid port '080' (expected 1-65535, no leading zero) in 'host:080'");
	check_err("host:-1", "invalid port '-1' (expected 1-65535, no leading zero) in 'host:-1'");
	check_err("host:[1-3]",
		  "invalid port '[1-3]' (expected 1-65535, no leading zero) in 'host:[1-3]'");
	check_err("host:", "missing port after ':' in 'host:'");
	check_err("h[1-2]:", "missing port after ':' in 'h[1-2]:'");
	check_err(":80", "missing host name in ':80'");
	check_err("[::1]", "IPv6 address not supported in '[::1]'");
	check_err("[::1]:80", "IPv6 address not supported in '[::1]:80'");
	check_err("fe80::1", "IPv6 address not supported in 'fe80::1'");
	check_err("a:1:2", "IPv6 address not supported in 'a:1:2'");
	check_parse("host:1,host:65535", "host:1,host:65535", 2);
}

/* HS19: D_HOSTSET_HOSTS_MAX: at and above, per pattern and per set; digits limit. */
static void
hs19_host_limit(void **state)
{
	struct d_hostset s;
	char             err[256];

	(void)state;
	d_hostset_init(&s);
	assert_int_equal(d_hostset_parse("h[0-65535]", &s, err, sizeof(err)), 0);
	assert_int_equal(d_hostset_count(&s), D_HOSTSET_HOSTS_MAX);
	check_roundtrip(&s);
	/* Full: one more host by add or parse is refused, a duplicate is not. */
	assert_int_equal(d_hostset_add(&s, "x"), -DER_OVERFLOW);
	assert_int_equal(d_hostset_add(&s, "h7"), 0);
	assert_int_equal(d_hostset_parse("h[1-7]", &s, err, sizeof(err)), 0);
	assert_int_equal(d_hostset_parse("x", &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "too many hosts (max 65536) in set after adding 'x'");
	assert_int_equal(d_hostset_count(&s), D_HOSTSET_HOSTS_MAX);
	d_hostset_fini(&s);

	check_err("h[0-65536]", "too many hosts (max 65536) in 'h[0-65536]'");
	check_err("h[0-99999999]", "too many hosts (max 65536) in 'h[0-99999999]'");
	check_err("h[0-999999999]", "too many hosts (max 65536) in 'h[0-999999999]'");
	/* Duplicates count while expanding, so a pattern cannot make unbounded work. */
	check_err("a[0-40000],a[0-40000]", "too many hosts (max 65536) in 'a[0-40000]'");
	check_err("a[1-65535],b,c", "too many hosts (max 65536) in 'c'");
}

/* HS20: input length limit, at and above D_HOSTSET_STR_MAX. */
static void
hs20_len_limit(void **state)
{
	struct d_hostset s;
	char            *in = malloc(D_HOSTSET_STR_MAX + 2);
	char             err[256];
	size_t           i;

	(void)state;
	assert_non_null(in);
	d_hostset_init(&s);
	for (i = 0; i < D_HOSTSET_STR_MAX; i += 2)
		memcpy(in + i, "a,", 2);
	in[D_HOSTSET_STR_MAX - 1] = 'b'; /* "a,a,...,ab": 65536 bytes */
	in[D_HOSTSET_STR_MAX]     = '\0';
	assert_int_equal(d_hostset_parse(in, &s, err, sizeof(err)), 0);
	assert_int_equal(d_hostset_count(&s), 2);
	in[D_HOSTSET_STR_MAX]     = 'c';
	in[D_HOSTSET_STR_MAX + 1] = '\0';
	assert_int_equal(d_hostset_parse(in, &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "host set too long (65537 bytes, max 65536)");
	assert_int_equal(d_hostset_count(&s), 2);
	free(in);
	d_hostset_fini(&s);
}

/* HS21: seeded random sets print compressed and parse back to themselves. */
static void
hs21_random_roundtrip(void **state)
{
	static const char *prefixes[] = {"h", "host-", "10.0.0.", "", "a_b"};
	static const char *ports[]    = {"", ":1", ":10001"};
	unsigned int       seed       = 4242;
	int                round;

	(void)state;
	for (round = 0; round < 300; round++) {
		struct d_hostset s;
		int              n = 1 + rand_r(&seed) % 40;
		int              i;

		d_hostset_init(&s);
		for (i = 0; i < n; i++) {
			char h[64];
			int  v = rand_r(&seed) % 120;
			int  w = rand_r(&seed) % 4; /* 0: natural, else pad to w digits */

			snprintf(h, sizeof(h), "%s%0*d%s", prefixes[rand_r(&seed) % 5], w, v,
				 ports[rand_r(&seed) % 3]);
			if (rand_r(&seed) % 10 == 0) /* sometimes no number at all */
				snprintf(h, sizeof(h), "%s", prefixes[rand_r(&seed) % 3]);
			assert_int_equal(d_hostset_add(&s, h), 0);
		}
		for (i = 1; i < (int)d_hostset_count(&s); i++) /* invariant 1 */
			assert_true(strcmp(s.hs_hosts[i - 1].he_name, s.hs_hosts[i].he_name) != 0);
		check_roundtrip(&s);
		d_hostset_fini(&s);
	}
}

/* HS22: errbuf NULL or tiny; NULL arguments; long elements quoted with "...". */
static void
hs22_errbuf(void **state)
{
	struct d_hostset s;
	char             err[8];
	char             in[200];
	char             want[300];

	(void)state;
	d_hostset_init(&s);
	assert_int_equal(d_hostset_parse("a!", &s, NULL, 0), -DER_INVAL);
	assert_int_equal(d_hostset_parse("a!", &s, err, sizeof(err)), -DER_INVAL);
	assert_string_equal(err, "invalid");
	assert_int_equal(d_hostset_parse(NULL, &s, err, sizeof(err)), -DER_INVAL);
	assert_int_equal(d_hostset_parse("a", NULL, NULL, 0), -DER_INVAL);
	d_hostset_fini(&s);

	memset(in, 'x', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	in[150]            = '!';
	snprintf(want, sizeof(want), "invalid character '!' at position 151 in '%.64s...'", in);
	check_err(in, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hs01_example),       cmocka_unit_test(hs02_plain),
	    cmocka_unit_test(hs03_padding),       cmocka_unit_test(hs04_compress),
	    cmocka_unit_test(hs05_dedup_sort),    cmocka_unit_test(hs06_ports),
	    cmocka_unit_test(hs07_parse_appends), cmocka_unit_test(hs08_add_get),
	    cmocka_unit_test(hs09_algebra),       cmocka_unit_test(hs10_trunc),
	    cmocka_unit_test(hs11_suffix),        cmocka_unit_test(hs12_blanks),
	    cmocka_unit_test(hs13_empty_element), cmocka_unit_test(hs14_brackets),
	    cmocka_unit_test(hs15_bad_range),     cmocka_unit_test(hs16_bad_char),
	    cmocka_unit_test(hs17_name_len),      cmocka_unit_test(hs18_ports_bad),
	    cmocka_unit_test(hs19_host_limit),    cmocka_unit_test(hs20_len_limit),
	    cmocka_unit_test(hs21_random_roundtrip), cmocka_unit_test(hs22_errbuf),
	};

	return cmocka_run_group_tests_name("hostset", tests, NULL, NULL);
}
