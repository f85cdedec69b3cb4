/*
 * gurt/hash.h: the DAOS runtime's hash table of intrusive records, with
 * DAOS's names, feature bits and callback table.
 *
 * A record embeds a d_list_t link; the table chains links in 2^bits buckets.
 * The table never allocates or copies records: the callbacks compare keys,
 * hash records and manage the records' reference counts and lifetime.
 *   hop_key_hash   key -> hash; NULL: d_hash_string_u32 over the key bytes
 *   hop_key_cmp    does the record at link have this key (required)
 *   hop_key_init   called on insert_anonymous to give the record its key
 *   hop_rec_hash   record -> hash (must equal the key hash of its key); the
 *                  table does not need it (links unlink themselves); may be NULL
 *   hop_rec_addref take a reference (NULL: none kept)
 *   hop_rec_decref drop one; true when it was the last (the record is then
 *                  unlinked if still in the table and hop_rec_free called)
 *   hop_rec_ndecref drop count at once: 1 when that was the last reference,
 *                  0 otherwise, < 0 on error (e.g. fewer held); may be NULL
 *   hop_rec_free   release a record nobody references
 * Features:
 *   D_HASH_FT_NOLOCK     no internal locking (the caller serialises)
 *   D_HASH_FT_MUTEX / D_HASH_FT_RWLOCK: internal lock (a mutex either way)
 *   D_HASH_FT_EPHEMERAL  the table holds no reference: insert does not
 *                        addref and delete does not decref
 *   D_HASH_FT_LRU        a found record moves to the head of its bucket
 */
#ifndef GURT_HASH_H
#define GURT_HASH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <gurt/common.h>
#include <gurt/list.h>

#ifdef __cplusplus
extern "C" {
#endif

enum d_hash_feats {
	D_HASH_FT_NOLOCK    = (1 << 0),
	D_HASH_FT_MUTEX     = (1 << 1),
	D_HASH_FT_RWLOCK    = (1 << 2),
	D_HASH_FT_EPHEMERAL = (1 << 3),
	D_HASH_FT_LRU       = (1 << 4),
};

/** Most bucket bits: 2^24 buckets (128 MiB of heads) is far above any cache. */
#define D_HASH_BITS_MAX 24

struct d_hash_table;

typedef struct {
	void (*hop_key_init)(struct d_hash_table *htable, d_list_t *link, void *arg);
	uint32_t (*hop_key_hash)(struct d_hash_table *htable, const void *key, unsigned int ksize);
	bool (*hop_key_cmp)(struct d_hash_table *htable, d_list_t *link, const void *key,
			    unsigned int ksize);
	uint32_t (*hop_rec_hash)(struct d_hash_table *htable, d_list_t *link);
	void (*hop_rec_addref)(struct d_hash_table *htable, d_list_t *link);
	bool (*hop_rec_decref)(struct d_hash_table *htable, d_list_t *link);
	int (*hop_rec_ndecref)(struct d_hash_table *htable, d_list_t *link, int count);
	void (*hop_rec_free)(struct d_hash_table *htable, d_list_t *link);
} d_hash_table_ops_t;

/** The table. Callers hold pointers; the fields are the library's. */
struct d_hash_table {
	uint32_t            ht_feats;
	uint32_t            ht_bits;
	uint64_t            ht_nr;      /**< records linked */
	void               *ht_priv;    /**< the creator's, untouched */
	d_hash_table_ops_t *ht_ops;
	d_list_t           *ht_buckets; /**< 2^ht_bits heads */
	pthread_mutex_t     ht_lock;
};

typedef int (*d_hash_traverse_cb_t)(d_list_t *link, void *arg);

/** Create a table of 2^bits buckets. 0, -DER_INVAL (bits, no ops or key_cmp), -DER_NOMEM. */
int d_hash_table_create(uint32_t feats, uint32_t bits, void *priv, d_hash_table_ops_t *hops,
			struct d_hash_table **htable_pp);
/** Same, in a table the caller allocated. */
int d_hash_table_create_inplace(uint32_t feats, uint32_t bits, void *priv,
				d_hash_table_ops_t *hops, struct d_hash_table *htable);
/**
 * Destroy: -DER_BUSY when records remain and !force; with force every
 * remaining record is unlinked and (when the table held references) decref'ed
 * until free, or handed to hop_rec_free in an EPHEMERAL table.
 */
int d_hash_table_destroy(struct d_hash_table *htable, bool force);
int d_hash_table_destroy_inplace(struct d_hash_table *htable, bool force);

/** The record with this key (a reference taken via hop_rec_addref), or NULL. */
d_list_t *d_hash_rec_find(struct d_hash_table *htable, const void *key, unsigned int ksize);
/** Link a record under key; -DER_EXIST when exclusive and the key is present. */
int d_hash_rec_insert(struct d_hash_table *htable, const void *key, unsigned int ksize,
		      d_list_t *link, bool exclusive);
/** Find, or insert link when absent; returns the record now in the table (referenced). */
d_list_t *d_hash_rec_find_insert(struct d_hash_table *htable, const void *key,
				 unsigned int ksize, d_list_t *link);
/** Unlink the record with this key (and drop the table's reference); true if found. */
bool d_hash_rec_delete(struct d_hash_table *htable, const void *key, unsigned int ksize);
/** Unlink this record (and drop the table's reference); true if it was linked. */
bool d_hash_rec_delete_at(struct d_hash_table *htable, d_list_t *link);
void d_hash_rec_addref(struct d_hash_table *htable, d_list_t *link);
/** Drop a reference; the last one unlinks the record (if linked) and frees it. */
void d_hash_rec_decref(struct d_hash_table *htable, d_list_t *link);
int d_hash_rec_ndecref(struct d_hash_table *htable, int count, d_list_t *link);
/** True when link is not in any table (initialised with D_INIT_LIST_HEAD or unlinked). */
bool d_hash_rec_unlinked(d_list_t *link);
/** Any linked record, or NULL when empty (no reference taken). */
d_list_t *d_hash_rec_first(struct d_hash_table *htable);
/** Call cb on every record until it returns non-zero (returned). */
int d_hash_table_traverse(struct d_hash_table *htable, d_hash_traverse_cb_t cb, void *arg);
bool d_hash_table_is_empty(struct d_hash_table *htable);

#ifdef __cplusplus
}
#endif

#endif /* GURT_HASH_H */
