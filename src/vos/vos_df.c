/*
 * vos_df.c: the durable formats of VOS records (the values of the LMDB tables).
 *
 * Every record has a fixed layout of little-endian integers at fixed offsets,
 * written and read with memcpy. Decoders check lengths and flags and return
 * -DER_DF_INVAL for anything that does not add up: the index is on media a
 * crash or a bug may have damaged, so it is never trusted blindly.
 *
 *   pool header (64)  0 magic u64 | 8 version u32 | 12 flags u32 | 16 uuid[16] |
 *                     32 scm_size u64 | 40 blob_id u64 | 48 blob_size u64 |
 *                     56 inline_max u32 | 60 next_cont u32
 *   container (40)    0 id u32 | 4 flags u32 | 8 scm_used u64 | 16 nvme_used u64 |
 *                     24 obj_nr u64 | 32 version u32 | 36 reserved u32
 *                     (version: VOS_CONT_DF_VERSION at create; records of the
 *                     first layout have 0 there, the reserved bytes' value)
 *   object (24)       0 first u64 | 8 last u64 | 16 flags u32 (LOOSE) | 20 reserved u32
 *   akey (56)         0 type u8 | 1 flags u8 (LOOSE) | 2..7 reserved | 8 rsize u64 | 16 longest u64 |
 *                     24 first u64 | 32 last u64 | 40 minor u64 | 48 longest_hole u64
 *   value (16 + n)    0 flags u8 | 1..3 reserved | 4 csum u32 | 8 size u64 |
 *                     16 data (INLINE: size bytes, or nr * rsize for an extent;
 *                     BLOB single value: offset u64, csum = CRC32C of the value;
 *                     BLOB extent: offset u64 | one CRC32C u32 per VOS_CSUM_CHUNK
 *                     of the nr * rsize data bytes, csum = 0; HOLE: nothing)
 *                     A blob extent occupies [offset, offset + data rounded up
 *                     to BIO_ALIGN) of the blob; the padding is zeros.
 *   free (8)          key be64 offset -> length u64 (free_sz: be64 length |
 *                     be64 offset -> empty)
 *   pend (8)          key be64 commit seq | be64 offset -> length u64
 *   punch marker (4)  0 reserved u32
 * Reserved bytes are written as zero and ignored when read.
 */
#include "vos/vos_internal.h"

void
vos_hdr_encode(const struct vos_hdr_df *h, uint8_t *buf)
{
	memset(buf, 0, VOS_HDR_DF_LEN);
	d_put_le64(buf, h->hd_magic);
	d_put_le32(buf + 8, h->hd_version);
	d_put_le32(buf + 12, h->hd_flags);
	memcpy(buf + 16, h->hd_uuid, 16);
	d_put_le64(buf + 32, h->hd_scm_size);
	d_put_le64(buf + 40, h->hd_blob_id);
	d_put_le64(buf + 48, h->hd_blob_size);
	d_put_le32(buf + 56, h->hd_inline_max);
	d_put_le32(buf + 60, h->hd_next_cont);
}

int
vos_hdr_decode(const MDB_val *v, struct vos_hdr_df *h)
{
	const uint8_t *b = v->mv_data;

	/* The magic and version come first so that any future layout can be told apart. */
	if (v->mv_size < 12)
		return -DER_DF_INVAL;
	h->hd_magic   = d_get_le64(b);
	h->hd_version = d_get_le32(b + 8);
	if (h->hd_magic != VOS_POOL_MAGIC)
		return -DER_DF_INVAL;
	if (h->hd_version < VOS_POOL_DF_VERSION_MIN || h->hd_version > VOS_POOL_DF_VERSION_MAX)
		return -DER_DF_INCOMPT;
	if (v->mv_size != VOS_HDR_DF_LEN)
		return -DER_DF_INVAL;
	h->hd_flags = d_get_le32(b + 12);
	memcpy(h->hd_uuid, b + 16, 16);
	h->hd_scm_size    = d_get_le64(b + 32);
	h->hd_blob_id     = d_get_le64(b + 40);
	h->hd_blob_size   = d_get_le64(b + 48);
	h->hd_inline_max  = d_get_le32(b + 56);
	h->hd_next_cont   = d_get_le32(b + 60);
	if (h->hd_scm_size < VOS_SCM_SIZE_MIN || h->hd_scm_size > VOS_SCM_SIZE_MAX ||
	    h->hd_next_cont == 0 || h->hd_inline_max == 0 || h->hd_inline_max > VOS_INLINE_MAX)
		return -DER_DF_INVAL;
	/* A bound blob has a size in whole I/O blocks; an unbound one none. */
	if ((h->hd_blob_id == 0) != (h->hd_blob_size == 0) || h->hd_blob_size % BIO_ALIGN != 0 ||
	    h->hd_blob_size > BIO_DEV_SIZE_MAX)
		return -DER_DF_INVAL;
	return 0;
}

void
vos_cont_encode(const struct vos_cont_df *c, uint8_t *buf)
{
	memset(buf, 0, VOS_CONT_DF_LEN);
	d_put_le32(buf, c->cd_id);
	d_put_le32(buf + 4, c->cd_flags);
	d_put_le64(buf + 8, c->cd_scm_used);
	d_put_le64(buf + 16, c->cd_nvme_used);
	d_put_le64(buf + 24, c->cd_obj_nr);
	d_put_le32(buf + 32, c->cd_version);
}

int
vos_cont_decode(const MDB_val *v, struct vos_cont_df *c)
{
	const uint8_t *b = v->mv_data;

	if (v->mv_size != VOS_CONT_DF_LEN)
		return -DER_DF_INVAL;
	c->cd_id        = d_get_le32(b);
	c->cd_flags     = d_get_le32(b + 4);
	c->cd_scm_used  = d_get_le64(b + 8);
	c->cd_nvme_used = d_get_le64(b + 16);
	c->cd_obj_nr    = d_get_le64(b + 24);
	/* Any version decodes: destroy and accounting work on every layout; open checks it. */
	c->cd_version   = d_get_le32(b + 32);
	if (c->cd_id == 0 || (c->cd_flags & ~VOS_CONT_DESTROYING) != 0)
		return -DER_DF_INVAL;
	return 0;
}

void
vos_obj_encode(const struct vos_obj_df *o, uint8_t *buf)
{
	memset(buf, 0, VOS_OBJ_DF_LEN);
	d_put_le64(buf, o->od_first);
	d_put_le64(buf + 8, o->od_last);
	d_put_le32(buf + 16, o->od_flags);
}

int
vos_obj_decode(const MDB_val *v, struct vos_obj_df *o)
{
	if (v->mv_size != VOS_OBJ_DF_LEN)
		return -DER_DF_INVAL;
	o->od_first = d_get_le64(v->mv_data);
	o->od_last  = d_get_le64((const uint8_t *)v->mv_data + 8);
	o->od_flags = d_get_le32((const uint8_t *)v->mv_data + 16);
	return (o->od_flags & ~VOS_OD_LOOSE) == 0 ? 0 : -DER_DF_INVAL;
}

void
vos_akey_encode(const struct vos_akey_df *a, uint8_t *buf)
{
	memset(buf, 0, VOS_AKEY_DF_LEN);
	buf[0] = a->ad_type;
	buf[1] = a->ad_flags;
	d_put_le64(buf + 8, a->ad_rsize);
	d_put_le64(buf + 16, a->ad_longest);
	d_put_le64(buf + 24, a->ad_first);
	d_put_le64(buf + 32, a->ad_last);
	d_put_le64(buf + 40, a->ad_minor);
	d_put_le64(buf + 48, a->ad_longest_hole);
}

int
vos_akey_decode(const MDB_val *v, struct vos_akey_df *a)
{
	const uint8_t *b = v->mv_data;

	if (v->mv_size != VOS_AKEY_DF_LEN)
		return -DER_DF_INVAL;
	a->ad_type    = b[0];
	a->ad_flags   = b[1];
	a->ad_rsize   = d_get_le64(b + 8);
	a->ad_longest = d_get_le64(b + 16);
	a->ad_first   = d_get_le64(b + 24);
	a->ad_last    = d_get_le64(b + 32);
	a->ad_minor   = d_get_le64(b + 40);
	a->ad_longest_hole = d_get_le64(b + 48);
	if ((a->ad_type != DAOS_IOD_SINGLE && a->ad_type != DAOS_IOD_ARRAY) ||
	    (a->ad_flags & ~VOS_AD_LOOSE) != 0)
		return -DER_DF_INVAL;
	if (a->ad_rsize > VOS_INLINE_MAX || a->ad_longest > VOS_ARRAY_IDX_MAX ||
	    a->ad_longest_hole > VOS_ARRAY_IDX_MAX)
		return -DER_DF_INVAL;
	return 0;
}

void
vos_val_encode_hdr(uint8_t *buf, uint8_t flags, uint32_t csum, uint64_t size)
{
	memset(buf, 0, VOS_VAL_HDR_LEN);
	buf[0] = flags;
	d_put_le32(buf + 4, csum);
	d_put_le64(buf + 8, size);
}

int
vos_val_decode(const MDB_val *v, bool extent, uint64_t rsize, struct vos_val_df *d)
{
	const uint8_t *b = v->mv_data;

	if (v->mv_size < VOS_VAL_HDR_LEN)
		return -DER_DF_INVAL;
	d->vd_flags    = b[0];
	d->vd_csum     = d_get_le32(b + 4);
	d->vd_size     = d_get_le64(b + 8);
	d->vd_data     = b + VOS_VAL_HDR_LEN;
	d->vd_len      = v->mv_size - VOS_VAL_HDR_LEN;
	d->vd_blob_off = 0;
	d->vd_blob_len = 0;
	d->vd_csums    = NULL;
	d->vd_ncsum    = 0;

	if (extent) {
		uint64_t bytes;

		if (d->vd_size == 0 || d->vd_size > VOS_ARRAY_IDX_MAX)
			return -DER_DF_INVAL;
		if (d->vd_flags == VOS_VF_HOLE)
			return d->vd_len == 0 ? 0 : -DER_DF_INVAL;
		/* Data needs the record size; chunks are at most VOS_INLINE_MAX bytes. */
		if (rsize == 0 || d->vd_size > VOS_INLINE_MAX / rsize)
			return -DER_DF_INVAL;
		bytes = d->vd_size * rsize;
		if (d->vd_flags == VOS_VF_INLINE)
			return bytes == d->vd_len ? 0 : -DER_DF_INVAL;
		if (d->vd_flags != VOS_VF_BLOB || d->vd_len < 8 ||
		    d->vd_len != 8 + 4 * (size_t)vos_csum_nr(bytes))
			return -DER_DF_INVAL;
		d->vd_blob_off = d_get_le64(d->vd_data);
		d->vd_blob_len = vos_blob_round(bytes);
		d->vd_csums    = d->vd_data + 8;
		d->vd_ncsum    = vos_csum_nr(bytes);
		d->vd_data     = NULL;
		return d->vd_blob_off % BIO_ALIGN == 0 ? 0 : -DER_DF_INVAL;
	}
	if (d->vd_size == 0)
		return -DER_DF_INVAL;
	if (d->vd_flags == VOS_VF_INLINE)
		return d->vd_size <= VOS_INLINE_MAX && d->vd_size == d->vd_len ? 0 : -DER_DF_INVAL;
	if (d->vd_flags != VOS_VF_BLOB || d->vd_size > VOS_SV_BLOB_MAX || d->vd_len != 8)
		return -DER_DF_INVAL;
	d->vd_blob_off = d_get_le64(d->vd_data);
	d->vd_blob_len = vos_blob_round(d->vd_size);
	d->vd_data     = NULL;
	return d->vd_blob_off % BIO_ALIGN == 0 ? 0 : -DER_DF_INVAL;
}
