/*
 * bio_buf.c: a bounded pool of BIO_ALIGN-aligned I/O buffers for one thread.
 *
 * All memory is allocated at create: one aligned region cut into nr buffers,
 * a stack of free buffer indexes and one "in use" byte per buffer. get and
 * put are O(1) and never allocate, so the I/O path has a fixed memory
 * footprint and exhaustion is visible (NULL) instead of growing the heap.
 *
 * Invariants
 *   P1. bp_free[0..bp_free_nr) holds exactly the indexes i with bp_used[i] == 0.
 *   P2. bp_low_water <= bp_free_nr at all times, and is the minimum it reached.
 *   P3. Every pointer handed out is bp_base + i * bp_buf_size for some i < bp_nr.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <daos_errno.h>

#include "bio/bio.h"

struct bio_buf_pool {
	char     *bp_base;
	size_t    bp_buf_size;
	unsigned  bp_nr;
	unsigned  bp_free_nr;
	unsigned  bp_low_water;
	unsigned *bp_free; /* stack of free indexes */
	uint8_t  *bp_used; /* 1 while handed out */
};

int
bio_buf_pool_create(size_t buf_size, unsigned nr, struct bio_buf_pool **poolp)
{
	struct bio_buf_pool *pool;
	void                *base;

	if (poolp == NULL || buf_size == 0 || buf_size % BIO_ALIGN != 0 ||
	    buf_size > BIO_BUF_SIZE_MAX || nr == 0 || nr > BIO_BUF_NR_MAX ||
	    (uint64_t)buf_size * nr > BIO_BUF_POOL_BYTES_MAX)
		return -DER_INVAL;

	pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return -DER_NOMEM;
	pool->bp_free = calloc(nr, sizeof(*pool->bp_free));
	pool->bp_used = calloc(nr, sizeof(*pool->bp_used));
	if (pool->bp_free == NULL || pool->bp_used == NULL ||
	    posix_memalign(&base, BIO_ALIGN, buf_size * nr) != 0) {
		free(pool->bp_free);
		free(pool->bp_used);
		free(pool);
		return -DER_NOMEM;
	}
	pool->bp_base     = base;
	pool->bp_buf_size = buf_size;
	pool->bp_nr       = nr;
	/* Hand out low addresses first: index 0 on top of the stack. */
	for (unsigned i = 0; i < nr; i++)
		pool->bp_free[i] = nr - 1 - i;
	pool->bp_free_nr   = nr;
	pool->bp_low_water = nr;
	*poolp             = pool;
	return 0;
}

void
bio_buf_pool_destroy(struct bio_buf_pool *pool)
{
	if (pool == NULL)
		return;
	/* A buffer still out may be under I/O: freeing it would corrupt memory. */
	assert(pool->bp_free_nr == pool->bp_nr && "buffers still in use");
	free(pool->bp_base);
	free(pool->bp_free);
	free(pool->bp_used);
	free(pool);
}

void *
bio_buf_get(struct bio_buf_pool *pool)
{
	unsigned idx;

	if (pool->bp_free_nr == 0)
		return NULL;
	idx = pool->bp_free[--pool->bp_free_nr];
	assert(idx < pool->bp_nr && pool->bp_used[idx] == 0);
	pool->bp_used[idx] = 1;
	if (pool->bp_free_nr < pool->bp_low_water)
		pool->bp_low_water = pool->bp_free_nr;
	return pool->bp_base + (size_t)idx * pool->bp_buf_size;
}

void
bio_buf_put(struct bio_buf_pool *pool, void *buf)
{
	uintptr_t off;
	size_t    idx;

	assert(buf != NULL && (char *)buf >= pool->bp_base);
	off = (uintptr_t)((char *)buf - pool->bp_base);
	idx = off / pool->bp_buf_size;
	assert(off % pool->bp_buf_size == 0 && idx < pool->bp_nr && "not a buffer of this pool");
	assert(pool->bp_used[idx] == 1 && "buffer put twice");
	pool->bp_used[idx]                  = 0;
	pool->bp_free[pool->bp_free_nr++] = (unsigned)idx;
}

unsigned
bio_buf_avail(const struct bio_buf_pool *pool)
{
	return pool->bp_free_nr;
}

unsigned
bio_buf_low_water(const struct bio_buf_pool *pool)
{
	return pool->bp_low_water;
}
