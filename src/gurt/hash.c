/*
 * hash.c: the hash functions and the intrusive hash table of gurt/hash.h.
 *
 * Invariants (held whenever the lock is free):
 *  1. Every linked record is in the bucket of its key hash, exactly once;
 *     ht_nr counts them.
 *  2. A record's link is a self-loop (empty list) when not in the table, so
 *     d_hash_rec_unlinked() can tell; the table re-initialises links it
 *     unlinks.
 *  3. The table holds one reference per linked record unless EPHEMERAL.
 * Callbacks run under the table lock (as in DAOS): they must not call back
 * into the same table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>
#include <gurt/common.h>
#include <gurt/hash.h>
#include "gurt/byteorder.h"

/* ---- hash functions ---- */

uint64_t
d_hash_murmur64(const unsigned char *key, unsigned int key_len, unsigned int seed)
{
	const uint64_t m = 0xc6a4a7935bd1e995ULL;
	const int      r = 47;
	uint64_t       h = seed ^ ((uint64_t)key_len * m);
	unsigned int   n = key_len / 8;

	for (unsigned int i = 0; i < n; i++) {
		/* little-endian load, whatever the host, so hashes are portable */
		uint64_t k = d_get_le64(key + i * 8);

		k *= m;
		k ^= k >> r;
		k *= m;
		h ^= k;
		h *= m;
	}
	key += n * 8;
	switch (key_len & 7) {
	case 7:
		h ^= (uint64_t)key[6] << 48;
		/* fallthrough */
	case 6:
		h ^= (uint64_t)key[5] << 40;
		/* fallthrough */
	case 5:
		h ^= (uint64_t)key[4] << 32;
		/* fallthrough */
	case 4:
		h ^= (uint64_t)key[3] << 24;
		/* fallthrough */
	case 3:
		h ^= (uint64_t)key[2] << 16;
		/* fallthrough */
	case 2:
		h ^= (uint64_t)key[1] << 8;
		/* fallthrough */
	case 1:
		h ^= (uint64_t)key[0];
		h *= m;
	}
	h ^= h >> r;
	h *= m;
	h ^= h >> r;
	return h;
}

uint32_t
d_hash_string_u32(const char *string, unsigned int len)
{
	uint32_t h = 5381;

	for (unsigned int i = 0; i < len; i++)
		h = h * 33 + (uint8_t)string[i];
	return h;
}

/* ---- table ---- */

static void
ht_lock(struct d_hash_table *ht)
{
	if (!(ht->ht_feats & D_HASH_FT_NOLOCK))
		(void)pthread_mutex_lock(&ht->ht_lock);
}

static void
ht_unlock(struct d_hash_table *ht)
{
	if (!(ht->ht_feats & D_HASH_FT_NOLOCK))
		(void)pthread_mutex_unlock(&ht->ht_lock);
}

static d_list_t *
ht_bucket(struct d_hash_table *ht, const void *key, unsigned int ksize)
{
	uint32_t h;

	if (ht->ht_ops->hop_key_hash != NULL)
		h = ht->ht_ops->hop_key_hash(ht, key, ksize);
	else
		h = d_hash_string_u32(key, ksize);
	return &ht->ht_buckets[h & ((1u << ht->ht_bits) - 1)];
}

static d_list_t *
ht_lookup(struct d_hash_table *ht, d_list_t *head, const void *key, unsigned int ksize)
{
	d_list_t *pos;

	d_list_for_each(pos, head) {
		if (ht->ht_ops->hop_key_cmp(ht, pos, key, ksize))
			return pos;
	}
	return NULL;
}

static void
rec_addref(struct d_hash_table *ht, d_list_t *link)
{
	if (ht->ht_ops->hop_rec_addref != NULL)
		ht->ht_ops->hop_rec_addref(ht, link);
}

/* Drop one reference; true when it was the last (the caller unlinks and frees). */
static bool
rec_decref(struct d_hash_table *ht, d_list_t *link)
{
	if (ht->ht_ops->hop_rec_decref != NULL)
		return ht->ht_ops->hop_rec_decref(ht, link);
	return false;
}

static void
rec_free(struct d_hash_table *ht, d_list_t *link)
{
	if (ht->ht_ops->hop_rec_free != NULL)
		ht->ht_ops->hop_rec_free(ht, link);
}

/* Unlink a linked record (invariant 2: the link becomes a self-loop). */
static void
ht_unlink(struct d_hash_table *ht, d_list_t *link)
{
	d_list_del_init(link);
	ht->ht_nr--;
}

int
d_hash_table_create_inplace(uint32_t feats, uint32_t bits, void *priv, d_hash_table_ops_t *hops,
			    struct d_hash_table *ht)
{
	uint32_t nr;

	if (ht == NULL || hops == NULL || hops->hop_key_cmp == NULL || bits > D_HASH_BITS_MAX)
		return -DER_INVAL;
	nr = 1u << bits;
	memset(ht, 0, sizeof(*ht));
	ht->ht_buckets = calloc(nr, sizeof(*ht->ht_buckets));
	if (ht->ht_buckets == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < nr; i++)
		D_INIT_LIST_HEAD(&ht->ht_buckets[i]);
	if (!(feats & D_HASH_FT_NOLOCK) && pthread_mutex_init(&ht->ht_lock, NULL) != 0) {
		free(ht->ht_buckets);
		ht->ht_buckets = NULL;
		return -DER_NOMEM;
	}
	ht->ht_feats = feats;
	ht->ht_bits  = bits;
	ht->ht_priv  = priv;
	ht->ht_ops   = hops;
	return 0;
}

int
d_hash_table_create(uint32_t feats, uint32_t bits, void *priv, d_hash_table_ops_t *hops,
		    struct d_hash_table **htable_pp)
{
	struct d_hash_table *ht;
	int                  rc;

	if (htable_pp == NULL)
		return -DER_INVAL;
	ht = malloc(sizeof(*ht));
	if (ht == NULL)
		return -DER_NOMEM;
	rc = d_hash_table_create_inplace(feats, bits, priv, hops, ht);
	if (rc != 0) {
		free(ht);
		return rc;
	}
	*htable_pp = ht;
	return 0;
}

int
d_hash_table_destroy_inplace(struct d_hash_table *ht, bool force)
{
	uint32_t nr;

	if (ht == NULL || ht->ht_buckets == NULL)
		return -DER_INVAL;
	nr = 1u << ht->ht_bits;
	ht_lock(ht);
	if (ht->ht_nr > 0 && !force) {
		ht_unlock(ht);
		return -DER_BUSY;
	}
	for (uint32_t i = 0; i < nr; i++) {
		while (!d_list_empty(&ht->ht_buckets[i])) {
			d_list_t *link = ht->ht_buckets[i].next;

			ht_unlink(ht, link);
			if (ht->ht_feats & D_HASH_FT_EPHEMERAL) {
				rec_free(ht, link);
			} else if (rec_decref(ht, link)) {
				rec_free(ht, link);
			}
		}
	}
	ht_unlock(ht);
	if (!(ht->ht_feats & D_HASH_FT_NOLOCK))
		(void)pthread_mutex_destroy(&ht->ht_lock);
	free(ht->ht_buckets);
	ht->ht_buckets = NULL;
	return 0;
}

int
d_hash_table_destroy(struct d_hash_table *ht, bool force)
{
	int rc = d_hash_table_destroy_inplace(ht, force);

	if (rc == 0)
		free(ht);
	return rc;
}

d_list_t *
d_hash_rec_find(struct d_hash_table *ht, const void *key, unsigned int ksize)
{
	d_list_t *head, *link;

	if (ht == NULL || (key == NULL && ksize > 0))
		return NULL;
	ht_lock(ht);
	head = ht_bucket(ht, key, ksize);
	link = ht_lookup(ht, head, key, ksize);
	if (link != NULL) {
		rec_addref(ht, link);
		if (ht->ht_feats & D_HASH_FT_LRU)
			d_list_move(link, head);
	}
	ht_unlock(ht);
	return link;
}

int
d_hash_rec_insert(struct d_hash_table *ht, const void *key, unsigned int ksize, d_list_t *link,
		  bool exclusive)
{
	d_list_t *head;

	if (ht == NULL || link == NULL || (key == NULL && ksize > 0))
		return -DER_INVAL;
	ht_lock(ht);
	head = ht_bucket(ht, key, ksize);
	if (exclusive && ht_lookup(ht, head, key, ksize) != NULL) {
		ht_unlock(ht);
		return -DER_EXIST;
	}
	if (!(ht->ht_feats & D_HASH_FT_EPHEMERAL))
		rec_addref(ht, link);
	d_list_add(link, head);
	ht->ht_nr++;
	ht_unlock(ht);
	return 0;
}

d_list_t *
d_hash_rec_find_insert(struct d_hash_table *ht, const void *key, unsigned int ksize,
		       d_list_t *link)
{
	d_list_t *head, *found;

	if (ht == NULL || link == NULL || (key == NULL && ksize > 0))
		return NULL;
	ht_lock(ht);
	head  = ht_bucket(ht, key, ksize);
	found = ht_lookup(ht, head, key, ksize);
	if (found != NULL) {
		rec_addref(ht, found);
		ht_unlock(ht);
		return found;
	}
	if (!(ht->ht_feats & D_HASH_FT_EPHEMERAL))
		rec_addref(ht, link);
	d_list_add(link, head);
	ht->ht_nr++;
	rec_addref(ht, link); /* the caller's reference, as for a find */
	ht_unlock(ht);
	return link;
}

/* Unlink a linked record and drop the table's reference; frees when last. */
static void
ht_delete_locked(struct d_hash_table *ht, d_list_t *link)
{
	ht_unlink(ht, link);
	if (!(ht->ht_feats & D_HASH_FT_EPHEMERAL) && rec_decref(ht, link))
		rec_free(ht, link);
}

bool
d_hash_rec_delete(struct d_hash_table *ht, const void *key, unsigned int ksize)
{
	d_list_t *link;

	if (ht == NULL || (key == NULL && ksize > 0))
		return false;
	ht_lock(ht);
	link = ht_lookup(ht, ht_bucket(ht, key, ksize), key, ksize);
	if (link != NULL)
		ht_delete_locked(ht, link);
	ht_unlock(ht);
	return link != NULL;
}

bool
d_hash_rec_unlinked(d_list_t *link)
{
	return link == NULL || link->next == link || link->next == NULL;
}

bool
d_hash_rec_delete_at(struct d_hash_table *ht, d_list_t *link)
{
	bool linked;

	if (ht == NULL || link == NULL)
		return false;
	ht_lock(ht);
	linked = !d_hash_rec_unlinked(link);
	if (linked)
		ht_delete_locked(ht, link);
	ht_unlock(ht);
	return linked;
}

void
d_hash_rec_addref(struct d_hash_table *ht, d_list_t *link)
{
	if (ht == NULL || link == NULL)
		return;
	ht_lock(ht);
	rec_addref(ht, link);
	ht_unlock(ht);
}

void
d_hash_rec_decref(struct d_hash_table *ht, d_list_t *link)
{
	bool last;

	if (ht == NULL || link == NULL)
		return;
	ht_lock(ht);
	last = rec_decref(ht, link);
	if (last) {
		/* A zombie leaves the table before it is freed. */
		if (!d_hash_rec_unlinked(link))
			ht_unlink(ht, link);
		rec_free(ht, link);
	}
	ht_unlock(ht);
}

int
d_hash_rec_ndecref(struct d_hash_table *ht, int count, d_list_t *link)
{
	int rc = 0;

	if (ht == NULL || link == NULL || count < 0)
		return -DER_INVAL;
	ht_lock(ht);
	if (ht->ht_ops->hop_rec_ndecref != NULL) {
		rc = ht->ht_ops->hop_rec_ndecref(ht, link, count);
	} else {
		for (int i = 0; i < count && rc == 0; i++)
			rc = rec_decref(ht, link) ? 1 : 0;
	}
	if (rc == 1) {
		if (!d_hash_rec_unlinked(link))
			ht_unlink(ht, link);
		rec_free(ht, link);
		rc = 0;
	}
	ht_unlock(ht);
	return rc;
}

d_list_t *
d_hash_rec_first(struct d_hash_table *ht)
{
	d_list_t *link = NULL;
	uint32_t  nr;

	if (ht == NULL)
		return NULL;
	nr = 1u << ht->ht_bits;
	ht_lock(ht);
	for (uint32_t i = 0; i < nr && ht->ht_nr > 0; i++) {
		if (!d_list_empty(&ht->ht_buckets[i])) {
			link = ht->ht_buckets[i].next;
			break;
		}
	}
	ht_unlock(ht);
	return link;
}

int
d_hash_table_traverse(struct d_hash_table *ht, d_hash_traverse_cb_t cb, void *arg)
{
	uint32_t nr;
	int      rc = 0;

	if (ht == NULL || cb == NULL)
		return -DER_INVAL;
	nr = 1u << ht->ht_bits;
	ht_lock(ht);
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		d_list_t *pos, *n;

		d_list_for_each_safe(pos, n, &ht->ht_buckets[i]) {
			rc = cb(pos, arg);
			if (rc != 0)
				break;
		}
	}
	ht_unlock(ht);
	return rc;
}

bool
d_hash_table_is_empty(struct d_hash_table *ht)
{
	bool empty;

	if (ht == NULL)
		return true;
	ht_lock(ht);
	empty = ht->ht_nr == 0;
	ht_unlock(ht);
	return empty;
}
