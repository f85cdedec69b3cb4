/*
 * test_checksum.c: CRC32C and CRC64 (src/gurt/checksum.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gurt/checksum.h"

static const char check_input[] = "123456789";

/* CSUM01: the standard check values of both CRCs. */
static void
csum01_check_values(void **state)
{
	(void)state;
	assert_int_equal(d_crc32c(0, check_input, 9), 0xE3069283U);
	assert_true(d_crc64(0, check_input, 9) == 0x995DC9BBDF1939FAULL);
}

/* CSUM02: an empty buffer leaves the running value unchanged. */
static void
csum02_empty(void **state)
{
	(void)state;
	assert_int_equal(d_crc32c(0, "", 0), 0);
	assert_int_equal(d_crc32c(0x1234U, check_input, 0), 0x1234U);
	assert_true(d_crc64(0x1234ULL, check_input, 0) == 0x1234ULL);
}

/* CSUM03: chaining over any split equals one pass over the whole buffer. */
static void
csum03_chaining(void **state)
{
	unsigned char buf[4099];
	uint32_t      whole32;
	uint64_t      whole64;

	(void)state;
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)rand();
	whole32 = d_crc32c(0, buf, sizeof(buf));
	whole64 = d_crc64(0, buf, sizeof(buf));
	for (size_t cut = 0; cut <= sizeof(buf); cut += 97) {
		uint32_t c32 = d_crc32c(d_crc32c(0, buf, cut), buf + cut, sizeof(buf) - cut);
		uint64_t c64 = d_crc64(d_crc64(0, buf, cut), buf + cut, sizeof(buf) - cut);

		assert_int_equal(c32, whole32);
		assert_true(c64 == whole64);
	}
}

/* CSUM04: a single flipped bit changes both checksums (corruption is seen). */
static void
csum04_bit_flip(void **state)
{
	unsigned char buf[4096];
	uint32_t      c32;
	uint64_t      c64;

	(void)state;
	memset(buf, 0xA5, sizeof(buf));
	c32 = d_crc32c(0, buf, sizeof(buf));
	c64 = d_crc64(0, buf, sizeof(buf));
	for (size_t bit = 0; bit < sizeof(buf) * 8; bit += 509) {
		buf[bit / 8] ^= (unsigned char)(1U << (bit % 8));
		assert_int_not_equal(d_crc32c(0, buf, sizeof(buf)), c32);
		assert_true(d_crc64(0, buf, sizeof(buf)) != c64);
		buf[bit / 8] ^= (unsigned char)(1U << (bit % 8));
	}
}

/* CSUM05: buffers above the ISA-L slice size (int length) are checksummed whole. */
static void
csum05_large(void **state)
{
	size_t         len = ((size_t)1 << 30) + 4096 + 3;
	unsigned char *buf = calloc(1, len);
	uint32_t       c32;

	(void)state;
	if (buf == NULL)
		skip();
	buf[len - 1] = 1;
	c32 = d_crc32c(0, buf, len);
	assert_int_equal(d_crc32c(d_crc32c(0, buf, len - 5), buf + len - 5, 5), c32);
	assert_int_not_equal(d_crc32c(0, buf, len - 1), c32);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csum01_check_values), cmocka_unit_test(csum02_empty),
		cmocka_unit_test(csum03_chaining),     cmocka_unit_test(csum04_bit_flip),
		cmocka_unit_test(csum05_large),
	};

	return cmocka_run_group_tests_name("checksum", tests, NULL, NULL);
}
