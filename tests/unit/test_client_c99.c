/*
 * test_client_c99.c: the public client headers compiled as an application
 * compiles them in strict mode (-std=c99 -pedantic -Werror, no _GNU_SOURCE;
 * see src/client/meson.build). test_client.c calls dc_c99_probe() so that
 * the inline helpers are also run, not only parsed.
 */
#include <daos.h>
#include <daos_errno.h>
#include <daos_obj_class.h>
#include <gurt/common.h>
#include <gurt/hash.h>

#if DAOS_API_VERSION_MAJOR < 2
#error "DAOS_API_VERSION_MAJOR must be at least 2"
#endif
#if !(DAOS_API_VERSION_MAJOR > 2 || (DAOS_API_VERSION_MAJOR == 2 && DAOS_API_VERSION_MINOR >= 0))
#error "the object-type API needs (2, 0) or later"
#endif

int dc_c99_probe(void);

/* Returns a bit mask of the checks that failed (0: all good). */
int
dc_c99_probe(void)
{
	daos_handle_t         h = DAOS_HDL_INVAL;
	daos_handle_t         tx = DAOS_TX_NONE;
	daos_anchor_t         anchor = DAOS_ANCHOR_INIT;
	struct daos_co_status st;
	daos_obj_id_t         oid = DAOS_OBJ_NIL;
	d_iov_t               iov;
	char                  buf[4];
	int                   bad = 0;

	if (daos_handle_is_valid(h) || daos_handle_is_valid(tx))
		bad |= 1;
	if (daos_anchor_is_eof(&anchor))
		bad |= 2;
	daos_anchor_set_eof(&anchor);
	if (!daos_anchor_is_eof(&anchor))
		bad |= 4;
	if (!daos_label_is_valid("my-pool_1:x.y") ||
	    daos_label_is_valid("01234567-89ab-cdef-0123-456789abcdef") ||
	    daos_label_is_valid("") || daos_label_is_valid("bad label"))
		bad |= 8;
	daos_prop_val_2_co_status(DAOS_PROP_CO_STATUS_VAL(DAOS_PROP_CO_HEALTHY, 0, 7), &st);
	if (st.dcs_status != DAOS_PROP_CO_HEALTHY || st.dcs_pm_ver != 7)
		bad |= 16;
	if (!daos_obj_id_is_nil(oid))
		bad |= 32;
	d_iov_set(&iov, buf, sizeof(buf));
	if (iov.iov_len != sizeof(buf) || iov.iov_buf_len != sizeof(buf))
		bad |= 64;
	if (DAOS_OT_KV_HASHED != 8 || OC_RP_XSF != 80 || DAOS_OO_RO != 2 || DAOS_OO_RW != 4 ||
	    DAOS_IOD_SINGLE != 1 || DAOS_IOD_ARRAY != 2 || DAOS_REC_ANY != 0 ||
	    DAOS_ANCHOR_TYPE_EOF != 3 || DAOS_SNAP_OPT_CR != 1 || DAOS_SNAP_OPT_OIT != 2 ||
	    DAOS_PC_RW != 2 || DAOS_COO_RW != 2 || DPI_SPACE != 1 || DAOS_MEDIA_SCM != 0 ||
	    DAOS_MEDIA_NVME != 1 || DAOS_PROP_LABEL_MAX_LEN != 127 || DER_NO_PERM != 1001 ||
	    DER_NONEXIST != 1005 || DER_NOMEM != 1009 || OC_UNKNOWN != 0 ||
	    DAOS_PROP_CO_LAYOUT_UNKOWN != 0 || DAOS_PROP_CO_HEALTHY != 0)
		bad |= 128;
	return bad;
}
