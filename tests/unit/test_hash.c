/*
 * test_hash.c: gurt/common.h hash functions and the gurt/hash.h table, used
 * the way DAOS applications use them (a path -> directory handle cache with
 * EPHEMERAL|NOLOCK|LRU and only key_cmp/rec_decref/rec_free/rec_hash set).
 */
#include <gurt/common.h> /* first: it must compile on its own */
#include <gurt/hash.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	d_list_t link;
	char     key[64];
	int      ref;
	int     *freed;
};

static struct rec *
rec_of(d_list_t *link)
{
	return container_of(link, struct rec, link);
}

static bool
key_cmp(struct d_hash_table *ht, d_list_t *link, const void *key, unsigned int ksize)
{
	(void)ht;
	return strlen(rec_of(link)->key) == ksize && memcmp(rec_of(link)->key, key, ksize) == 0;
}

static uint32_t
rec_hash(struct d_hash_table *ht, d_list_t *link)
{
	(void)ht;
	return d_hash_string_u32(rec_of(link)->key, strlen(rec_of(link)->key));
}

static bool
rec_decref_always(struct d_hash_table *ht, d_list_t *link)
{
	(void)ht;
	(void)link;
	return true;
}

static void
rec_addref(struct d_hash_table *ht, d_list_t *link)
{
	(void)ht;
	rec_of(link)->ref++;
}

static bool
rec_decref(struct d_hash_table *ht, d_list_t *link)
{
	(void)ht;
	assert_true(rec_of(link)->ref > 0);
	return --rec_of(link)->ref == 0;
}

static void
rec_free(struct d_hash_table *ht, d_list_t *link)
{
	(void)ht;
	(*rec_of(link)->freed)++;
	free(rec_of(link));
}

static struct rec *
rec_new(const char *key, int *freed)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->freed = freed;
	D_INIT_LIST_HEAD(&r->link);
	return r;
}

/* HASH01: hash functions: DJB2 and MurmurHash64A values, portable */
static void
hash01_functions(void **state)
{
	(void)state;
	assert_int_equal(d_hash_string_u32("", 0), 5381);
	assert_int_equal(d_hash_string_u32("a", 1), 5381u * 33 + 'a');
	assert_int_equal(d_hash_string_u32("ab", 1), d_hash_string_u32("a", 1));
	assert_true(d_hash_murmur64((const unsigned char *)"", 0, 0) == 0);
	assert_true(d_hash_murmur64((const unsigned char *)"a", 1, 0) == 0x071717d2d36b6b11ULL);
	assert_true(d_hash_murmur64((const unsigned char *)"hello", 5, 42) ==
		    0xd417125ccb971887ULL);
	assert_true(d_hash_murmur64((const unsigned char *)"0123456789abcdef", 16, 7) ==
		    0xd799692d1a0b7964ULL);
	assert_true(d_hash_murmur64((const unsigned char *)"/dir/sub/file.txt", 17, 0) ==
		    0x55646476035a06a6ULL);
}

/* HASH02: the directory-cache pattern: EPHEMERAL|NOLOCK|LRU, find by path with
 * the default key hash, drain with rec_first + rec_decref, destroy */
static void
hash02_dir_cache(void **state)
{
	d_hash_table_ops_t   ops = {.hop_key_cmp    = key_cmp,
				    .hop_rec_decref = rec_decref_always,
				    .hop_rec_free   = rec_free,
				    .hop_rec_hash   = rec_hash};
	struct d_hash_table *ht  = NULL;
	int                  freed = 0;
	char                 key[32];
	d_list_t            *l;

	(void)state;
	assert_int_equal(d_hash_table_create(D_HASH_FT_EPHEMERAL | D_HASH_FT_NOLOCK |
						 D_HASH_FT_LRU,
					     4, NULL, &ops, &ht),
			 0);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "/dir%d", i);
		assert_int_equal(d_hash_rec_insert(ht, key, strlen(key),
						   &rec_new(key, &freed)->link, false),
				 0);
	}
	l = d_hash_rec_find(ht, "/dir42", 6);
	assert_non_null(l);
	assert_string_equal(rec_of(l)->key, "/dir42");
	assert_null(d_hash_rec_find(ht, "/dir100", 7));
	assert_null(d_hash_rec_find(ht, "/nope", 5));
	/* the record's own hash equals the table's default key hash: bucket check */
	assert_int_equal(rec_hash(ht, l) & 15, d_hash_string_u32("/dir42", 6) & 15);
	/* exclusive insert of an existing key */
	{
		struct rec *dup = rec_new("/dir7", &freed);

		assert_int_equal(d_hash_rec_insert(ht, "/dir7", 5, &dup->link, true),
				 -DER_EXIST);
		free(dup);
	}
	assert_int_equal(d_hash_table_destroy(ht, false), -DER_BUSY);
	while ((l = d_hash_rec_first(ht)) != NULL)
		d_hash_rec_decref(ht, l);
	assert_int_equal(freed, 100);
	assert_true(d_hash_table_is_empty(ht));
	assert_int_equal(d_hash_table_destroy(ht, false), 0);
}

/* HASH03: referenced (non-ephemeral) table: insert/find take references,
 * delete drops the table's, the last decref frees */
static void
hash03_refcounts(void **state)
{
	d_hash_table_ops_t   ops = {.hop_key_cmp    = key_cmp,
				    .hop_rec_addref = rec_addref,
				    .hop_rec_decref = rec_decref,
				    .hop_rec_free   = rec_free};
	struct d_hash_table  ht;
	int                  freed = 0;
	struct rec          *r     = rec_new("k", &freed);
	d_list_t            *l;

	(void)state;
	assert_int_equal(d_hash_table_create_inplace(D_HASH_FT_MUTEX, 2, NULL, &ops, &ht), 0);
	assert_int_equal(d_hash_rec_insert(&ht, "k", 1, &r->link, true), 0);
	assert_int_equal(r->ref, 1);
	l = d_hash_rec_find(&ht, "k", 1);
	assert_ptr_equal(l, &r->link);
	assert_int_equal(r->ref, 2);
	assert_true(d_hash_rec_delete(&ht, "k", 1));
	assert_int_equal(r->ref, 1);
	assert_true(d_hash_rec_unlinked(&r->link));
	assert_false(d_hash_rec_delete(&ht, "k", 1));
	d_hash_rec_decref(&ht, l);
	assert_int_equal(freed, 1);

	/* find_insert: inserts once, then finds */
	r = rec_new("x", &freed);
	l = d_hash_rec_find_insert(&ht, "x", 1, &r->link);
	assert_ptr_equal(l, &r->link);
	assert_int_equal(r->ref, 2);
	{
		struct rec *other = rec_new("x", &freed);

		assert_ptr_equal(d_hash_rec_find_insert(&ht, "x", 1, &other->link), &r->link);
		free(other);
	}
	assert_int_equal(r->ref, 3);
	assert_int_equal(d_hash_rec_ndecref(&ht, 2, &r->link), 0);
	assert_int_equal(r->ref, 1);
	/* forced destroy drops the table's reference: freed */
	assert_int_equal(d_hash_table_destroy_inplace(&ht, true), 0);
	assert_int_equal(freed, 2);
}

static int
count_cb(d_list_t *link, void *arg)
{
	(void)link;
	return ++*(int *)arg == 5 ? 1 : 0;
}

/* HASH04: traverse (stop on non-zero), delete_at, bad arguments */
static void
hash04_traverse_and_bad_args(void **state)
{
	d_hash_table_ops_t   ops   = {.hop_key_cmp = key_cmp, .hop_rec_free = rec_free};
	d_hash_table_ops_t   nocmp = {.hop_rec_free = rec_free};
	struct d_hash_table *ht;
	int                  freed = 0, n = 0;
	struct rec          *recs[10];

	(void)state;
	assert_int_equal(d_hash_table_create(0, 3, NULL, &nocmp, &ht), -DER_INVAL);
	assert_int_equal(d_hash_table_create(0, D_HASH_BITS_MAX + 1, NULL, &ops, &ht),
			 -DER_INVAL);
	assert_int_equal(d_hash_table_create(0, 3, NULL, NULL, &ht), -DER_INVAL);
	assert_int_equal(d_hash_table_create(0, 3, NULL, &ops, NULL), -DER_INVAL);
	assert_int_equal(d_hash_table_create(D_HASH_FT_EPHEMERAL, 3, NULL, &ops, &ht), 0);
	for (int i = 0; i < 10; i++) {
		char key[8];

		snprintf(key, sizeof(key), "r%d", i);
		recs[i] = rec_new(key, &freed);
		assert_int_equal(d_hash_rec_insert(ht, key, strlen(key), &recs[i]->link, true), 0);
	}
	assert_int_equal(d_hash_table_traverse(ht, count_cb, &n), 1);
	assert_int_equal(n, 5);
	assert_true(d_hash_rec_delete_at(ht, &recs[3]->link));
	assert_false(d_hash_rec_delete_at(ht, &recs[3]->link));
	free(recs[3]);
	assert_int_equal(d_hash_rec_insert(NULL, "a", 1, &recs[0]->link, false), -DER_INVAL);
	assert_int_equal(d_hash_rec_insert(ht, NULL, 1, &recs[0]->link, false), -DER_INVAL);
	assert_null(d_hash_rec_find(NULL, "a", 1));
	assert_int_equal(d_hash_table_traverse(ht, NULL, NULL), -DER_INVAL);
	/* forced destroy of an EPHEMERAL table hands every record to rec_free */
	assert_int_equal(d_hash_table_destroy(ht, true), 0);
	assert_int_equal(freed, 9);
	assert_int_equal(d_hash_table_destroy(NULL, false), -DER_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hash01_functions),
	    cmocka_unit_test(hash02_dir_cache),
	    cmocka_unit_test(hash03_refcounts),
	    cmocka_unit_test(hash04_traverse_and_bad_args),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
