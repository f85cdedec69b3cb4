/*
 * test_errno.c: DER_* codes, names and descriptions (src/gurt/errno.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include <daos_errno.h>
#include "gurt/errbuf.h"

/* ERR01: the numbers are DAOS's, so scripts matching on them keep working. */
static void
err01_numbers(void **state)
{
	(void)state;
	assert_int_equal(DER_NO_PERM, 1001);
	assert_int_equal(DER_INVAL, 1003);
	assert_int_equal(DER_NONEXIST, 1005);
	assert_int_equal(DER_NOMEM, 1009);
	assert_int_equal(DER_NOSYS, 1010);
	assert_int_equal(DER_MISC, 1025);
	assert_int_equal(DER_HG_FATAL, 1045);
	assert_int_equal(DER_IO, 2001);
	assert_int_equal(DER_STALE, 2007);
	assert_int_equal(DER_CSUM, 2021);
	assert_int_equal(DER_DF_INCOMPT, 2023);
	assert_int_equal(DER_CONT_NONEXIST, 2050);
	assert_int_equal(DER_UNKNOWN, 501000);
}

/* ERR02: every code of both ranges has a name and a description (dense tables). */
static void
err02_dense(void **state)
{
	int ranges[][2] = {{DER_NO_PERM, DER_HG_FATAL}, {DER_IO, DER_CONT_NONEXIST}};

	(void)state;
	for (int r = 0; r < 2; r++) {
		for (int v = ranges[r][0]; v <= ranges[r][1]; v++) {
			assert_non_null(d_errstr(-v));
			assert_string_not_equal(d_errstr(-v), "DER_UNKNOWN");
			assert_int_equal(strncmp(d_errstr(-v), "DER_", 4), 0);
			assert_string_not_equal(d_errdesc(-v), "Unknown error code");
		}
	}
}

/* ERR03: negative and positive codes give the same text. */
static void
err03_sign(void **state)
{
	(void)state;
	assert_string_equal(d_errstr(-DER_NONEXIST), "DER_NONEXIST");
	assert_string_equal(d_errstr(DER_NONEXIST), "DER_NONEXIST");
	assert_string_equal(d_errdesc(-DER_NONEXIST), "The specified entity does not exist");
}

/* ERR04: unknown codes, zero and extreme values never crash. */
static void
err04_unknown(void **state)
{
	int odd[] = {1, -1, 999, -1000, 1046, -1999, 2051, 3000, DER_UNKNOWN, -DER_UNKNOWN,
		     INT32_MIN, INT32_MAX};

	(void)state;
	assert_string_equal(d_errstr(0), "DER_SUCCESS");
	assert_string_equal(d_errdesc(0), "Success");
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		assert_string_equal(d_errstr(odd[i]), "DER_UNKNOWN");
		assert_string_equal(d_errdesc(odd[i]), "Unknown error code");
	}
}

/* ERR05: DF_RC/DP_RC print the form the CLI tools show. */
static void
err05_format(void **state)
{
	char buf[128];

	(void)state;
	snprintf(buf, sizeof(buf), DF_RC, DP_RC(-DER_NOSYS));
	assert_string_equal(buf, "DER_NOSYS(-1010): 'Function not implemented'");
	snprintf(buf, sizeof(buf), DF_RC, DP_RC(-DER_NONEXIST));
	assert_string_equal(buf, "DER_NONEXIST(-1005): 'The specified entity does not exist'");
}

/* ERR06: system errors map to one DER code everywhere; unknown ones are -DER_IO. */
static void
err06_errno2der(void **state)
{
	(void)state;
	assert_int_equal(d_errno2der(0), 0);
	assert_int_equal(d_errno2der(ENOENT), -DER_NONEXIST);
	assert_int_equal(d_errno2der(ENOTDIR), -DER_NOTDIR);
	assert_int_equal(d_errno2der(EEXIST), -DER_EXIST);
	assert_int_equal(d_errno2der(ENOBUFS), -DER_NOMEM);
	assert_int_equal(d_errno2der(EDQUOT), -DER_NOSPACE);
	assert_int_equal(d_errno2der(EROFS), -DER_NO_PERM);
	assert_int_equal(d_errno2der(EWOULDBLOCK), -DER_BUSY);
	assert_int_equal(d_errno2der(EADDRINUSE), -DER_BUSY);
	assert_int_equal(d_errno2der(ELOOP), -DER_INVAL);
	assert_int_equal(d_errno2der(EOPNOTSUPP), -DER_NOTSUPPORTED);
	assert_int_equal(d_errno2der(ETIMEDOUT), -DER_TIMEDOUT);
	assert_int_equal(d_errno2der(ECONNREFUSED), -DER_UNREACH);
	assert_int_equal(d_errno2der(EIO), -DER_IO);
	assert_int_equal(d_errno2der(-1), -DER_IO);
	assert_int_equal(d_errno2der(100000), -DER_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(err01_numbers), cmocka_unit_test(err02_dense),
		cmocka_unit_test(err03_sign),    cmocka_unit_test(err04_unknown),
		cmocka_unit_test(err05_format),  cmocka_unit_test(err06_errno2der),
	};

	return cmocka_run_group_tests_name("errno", tests, NULL, NULL);
}
