/*
 * daos_kv.h: a flat key-value store on an object (DAOS_OT_KV_* types): string
 * keys, one value per key. A key is the object's dkey and its value is a
 * single value under the akey "0" (one byte), so object-level tools see a
 * KV object as ordinary dkeys and akeys.
 */
#ifndef DAOS_KV_H
#define DAOS_KV_H

#include <stdint.h>

#include <daos_event.h>
#include <daos_obj.h>
#include <daos_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Open a KV object (oid of a DAOS_OT_KV_* type, else -DER_INVAL). */
int daos_kv_open(daos_handle_t coh, daos_obj_id_t oid, unsigned int mode, daos_handle_t *oh,
		 daos_event_t *ev);

/** Close a KV handle. */
int daos_kv_close(daos_handle_t oh, daos_event_t *ev);

/** Punch the whole KV object (every key). */
int daos_kv_destroy(daos_handle_t oh, daos_handle_t th, daos_event_t *ev);

/** Store size bytes of buf under key (a NUL-terminated string); size 0 removes the key. */
int daos_kv_put(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key,
		daos_size_t size, const void *buf, daos_event_t *ev);

/**
 * Read key's value into buf of *size bytes; *size out is the value's size
 * (0 when the key does not exist). buf NULL: size only. A value larger than
 * buf: -DER_REC2BIG with *size set.
 */
int daos_kv_get(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key,
		daos_size_t *size, void *buf, daos_event_t *ev);

/** Remove key. */
int daos_kv_remove(daos_handle_t oh, daos_handle_t th, uint64_t flags, const char *key,
		   daos_event_t *ev);

/** List keys, packed in sgl as daos_obj_list_dkey(). */
int daos_kv_list(daos_handle_t oh, daos_handle_t th, uint32_t *nr, daos_key_desc_t *kds,
		 d_sg_list_t *sgl, daos_anchor_t *anchor, daos_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_KV_H */
