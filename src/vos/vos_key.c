/*
 * vos_key.c: encoding of the LMDB keys of a VOS pool.
 *
 * Every key below the container table starts with the 20-byte objkey
 * (cont id | oid.hi | oid.lo, big-endian), so one prefix range holds all of
 * a container (destroy) or all of an object (punch lookups, enumeration).
 * Strings are written as be16 length | bytes: a key is then self-delimiting,
 * a prefix match on "dkey" cannot match a longer dkey, and keys sort by
 * (length, bytes), the stable enumeration order.
 *
 * Invariants
 *   K1. No key exceeds VOS_KEY_BUF - 1 (511) bytes: callers bound dkey + akey
 *       by VOS_KEYS_MAX first, and the longest suffix is 24 bytes (extents).
 *   K2. An epoch in a key is stored as ~epoch, so a seek to ~E lands on the
 *       newest entry at or before E.
 */
#include <assert.h>

#include "vos/vos_internal.h"

static inline void
kb_room(const struct vos_kbuf *kb, size_t add)
{
	/* K1: the callers' length checks make this unreachable. */
	assert(kb->kb_len + add < VOS_KEY_BUF);
	(void)kb;
	(void)add;
}

void
vos_key_obj(struct vos_kbuf *kb, uint32_t cid, daos_obj_id_t oid)
{
	d_put_be32(kb->kb_buf, cid);
	d_put_be64(kb->kb_buf + 4, oid.hi);
	d_put_be64(kb->kb_buf + 12, oid.lo);
	kb->kb_len = VOS_OBJKEY_LEN;
}

void
vos_key_add_str(struct vos_kbuf *kb, const void *buf, size_t len)
{
	kb_room(kb, 2 + len);
	d_put_be16(kb->kb_buf + kb->kb_len, (uint16_t)len);
	memcpy(kb->kb_buf + kb->kb_len + 2, buf, len);
	kb->kb_len += 2 + len;
}

void
vos_key_add_u64(struct vos_kbuf *kb, uint64_t v)
{
	kb_room(kb, 8);
	d_put_be64(kb->kb_buf + kb->kb_len, v);
	kb->kb_len += 8;
}

void
vos_key_add_epoch(struct vos_kbuf *kb, daos_epoch_t epoch)
{
	vos_key_add_u64(kb, ~epoch);
}

void
vos_key_add_u8(struct vos_kbuf *kb, uint8_t v)
{
	kb_room(kb, 1);
	kb->kb_buf[kb->kb_len++] = v;
}

void
vos_key_path(struct vos_kbuf *kb, uint32_t cid, daos_obj_id_t oid, const daos_key_t *dkey,
	     const daos_key_t *akey)
{
	vos_key_obj(kb, cid, oid);
	vos_key_add_str(kb, dkey->iov_buf, dkey->iov_len);
	vos_key_add_str(kb, akey->iov_buf, akey->iov_len);
}

void
vos_key_punch(struct vos_kbuf *kb, uint32_t cid, daos_obj_id_t oid, enum vos_punch_level level,
	      const daos_key_t *dkey, const daos_key_t *akey)
{
	vos_key_obj(kb, cid, oid);
	vos_key_add_u8(kb, (uint8_t)level);
	if (level >= VOS_PUNCH_DKEY)
		vos_key_add_str(kb, dkey->iov_buf, dkey->iov_len);
	if (level == VOS_PUNCH_AKEY)
		vos_key_add_str(kb, akey->iov_buf, akey->iov_len);
}

void
vos_key_get_obj(const uint8_t *key, uint32_t *cid, daos_obj_id_t *oid)
{
	if (cid != NULL)
		*cid = d_get_be32(key);
	oid->hi = d_get_be64(key + 4);
	oid->lo = d_get_be64(key + 12);
}
