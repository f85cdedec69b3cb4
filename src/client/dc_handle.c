/*
 * dc_handle.c: the handle table. A daos_handle_t's cookie names one record
 * (pool, container, object, event queue, ...). Cookies come from a 64-bit
 * counter that starts at 1 and never repeats in a process, so a closed or
 * never-issued handle can never name a live record: lookups of it fail with
 * -DER_NO_HDL (the callers' error), whatever the application passes.
 *
 * Invariants:
 *  H1. A record is in the table iff dh_cookie != 0; the table holds one
 *      reference on it (client_internal.h I1).
 *  H2. Lookups take a reference under the table lock, so a record found is
 *      never freed under its user; dh_free runs when the count reaches 0.
 *  H3. The bucket of cookie c is c & (DC_HDL_BUCKETS - 1).
 */
#include <inttypes.h>
#include <assert.h>
#include <stdlib.h>

#include "client_internal.h"

static struct {
	pthread_mutex_t ht_lock;
	d_list_t       *ht_buckets;
	uint64_t        ht_next;
	uint64_t        ht_nr;
} dc_ht = {
	.ht_lock = PTHREAD_MUTEX_INITIALIZER,
};

int
dc_hdl_table_init(void)
{
	d_list_t *b = malloc(sizeof(*b) * DC_HDL_BUCKETS);

	if (b == NULL)
		return -DER_NOMEM;
	for (uint32_t i = 0; i < DC_HDL_BUCKETS; i++)
		D_INIT_LIST_HEAD(&b[i]);
	pthread_mutex_lock(&dc_ht.ht_lock);
	dc_ht.ht_buckets = b;
	dc_ht.ht_nr      = 0;
	/* Keep counting across init/fini cycles: an old handle stays invalid. */
	if (dc_ht.ht_next == 0)
		dc_ht.ht_next = 1;
	pthread_mutex_unlock(&dc_ht.ht_lock);
	return 0;
}

void
dc_hdl_table_fini(void)
{
	pthread_mutex_lock(&dc_ht.ht_lock);
	free(dc_ht.ht_buckets);
	dc_ht.ht_buckets = NULL;
	pthread_mutex_unlock(&dc_ht.ht_lock);
}

void
dc_hdl_init(struct dc_hdl *hdl, uint32_t type, void (*free_fn)(struct dc_hdl *))
{
	D_INIT_LIST_HEAD(&hdl->dh_link);
	hdl->dh_cookie = 0;
	hdl->dh_type   = type;
	hdl->dh_free   = free_fn;
	atomic_init(&hdl->dh_ref, 1);
}

int
dc_hdl_insert(struct dc_hdl *hdl, daos_handle_t *out)
{
	int rc = 0;

	pthread_mutex_lock(&dc_ht.ht_lock);
	if (dc_ht.ht_buckets == NULL) {
		rc = -DER_UNINIT;
		goto out;
	}
	hdl->dh_cookie = dc_ht.ht_next++;
	atomic_fetch_add(&hdl->dh_ref, 1);
	d_list_add(&hdl->dh_link, &dc_ht.ht_buckets[hdl->dh_cookie & (DC_HDL_BUCKETS - 1)]);
	dc_ht.ht_nr++;
	out->cookie = hdl->dh_cookie;
out:
	pthread_mutex_unlock(&dc_ht.ht_lock);
	return rc;
}

struct dc_hdl *
dc_hdl_lookup(daos_handle_t h, uint32_t type)
{
	struct dc_hdl *found = NULL;
	d_list_t      *pos;

	if (h.cookie == 0)
		return NULL;
	pthread_mutex_lock(&dc_ht.ht_lock);
	if (dc_ht.ht_buckets == NULL)
		goto out;
	d_list_for_each(pos, &dc_ht.ht_buckets[h.cookie & (DC_HDL_BUCKETS - 1)]) {
		struct dc_hdl *hdl = d_list_entry(pos, struct dc_hdl, dh_link);

		if (hdl->dh_cookie == h.cookie) {
			if (hdl->dh_type == type) {
				atomic_fetch_add(&hdl->dh_ref, 1);
				found = hdl;
			}
			break;
		}
	}
out:
	pthread_mutex_unlock(&dc_ht.ht_lock);
	return found;
}

void
dc_hdl_addref(struct dc_hdl *hdl)
{
	atomic_fetch_add(&hdl->dh_ref, 1);
}

void
dc_hdl_decref(struct dc_hdl *hdl)
{
	int old;

	if (hdl == NULL)
		return;
	old = atomic_fetch_sub(&hdl->dh_ref, 1);
	assert(old > 0);
	if (old == 1)
		hdl->dh_free(hdl);
}

int
dc_hdl_delete(struct dc_hdl *hdl)
{
	bool was_in = false;

	pthread_mutex_lock(&dc_ht.ht_lock);
	if (hdl->dh_cookie != 0) {
		d_list_del_init(&hdl->dh_link);
		hdl->dh_cookie = 0;
		dc_ht.ht_nr--;
		was_in = true;
	}
	pthread_mutex_unlock(&dc_ht.ht_lock);
	if (!was_in)
		return -DER_NO_HDL;
	dc_hdl_decref(hdl);
	return 0;
}

uint64_t
dc_hdl_count(void)
{
	uint64_t nr;

	pthread_mutex_lock(&dc_ht.ht_lock);
	nr = dc_ht.ht_nr;
	pthread_mutex_unlock(&dc_ht.ht_lock);
	return nr;
}

/*
 * Records are released in reverse dependency order (objects, arrays,
 * transactions, OITs, containers, pools, queues) so that a container's last
 * reference does not wait for an object record freed later.
 */
void
dc_hdl_table_drain(void)
{
	static const uint32_t order[] = {DC_HDL_OBJ, DC_HDL_ARRAY, DC_HDL_TX, DC_HDL_OIT,
					 DC_HDL_CONT, DC_HDL_POOL, DC_HDL_EQ};

	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		for (;;) {
			struct dc_hdl *victim = NULL;

			pthread_mutex_lock(&dc_ht.ht_lock);
			for (uint32_t b = 0; dc_ht.ht_buckets != NULL && b < DC_HDL_BUCKETS &&
					     victim == NULL;
			     b++) {
				d_list_t *pos;

				d_list_for_each(pos, &dc_ht.ht_buckets[b]) {
					struct dc_hdl *h = d_list_entry(pos, struct dc_hdl, dh_link);

					if (h->dh_type == order[o]) {
						victim = h;
						break;
					}
				}
			}
			if (victim != NULL) {
				d_list_del_init(&victim->dh_link);
				victim->dh_cookie = 0;
				dc_ht.ht_nr--;
			}
			pthread_mutex_unlock(&dc_ht.ht_lock);
			if (victim == NULL)
				break;
			dc_hdl_decref(victim);
		}
	}
}
