/*
 * dc_alias.c: the plain names that DAOS's headers turn into the ...2
 * functions with macros (daos_pool_connect -> daos_pool_connect2, ...). Real
 * libdaos exports both; binaries or wrappers (Python ctypes, Rust bindings)
 * that call the plain names find them here. This file must not see the
 * macros, hence the #undefs.
 */
#include "client_internal.h"

#undef daos_pool_connect
#undef daos_cont_create
#undef daos_cont_open
#undef daos_cont_destroy
#undef daos_obj_generate_oid

int daos_pool_connect(const char *pool, const char *sys, unsigned int flags, daos_handle_t *poh,
		      daos_pool_info_t *info, daos_event_t *ev);
int daos_cont_create(daos_handle_t poh, uuid_t *uuid, daos_prop_t *cont_prop, daos_event_t *ev);
int daos_cont_open(daos_handle_t poh, const char *cont, unsigned int flags, daos_handle_t *coh,
		   daos_cont_info_t *info, daos_event_t *ev);
int daos_cont_destroy(daos_handle_t poh, const char *cont, int force, daos_event_t *ev);
int daos_obj_generate_oid(daos_handle_t coh, daos_obj_id_t *oid, enum daos_otype_t type,
			  daos_oclass_id_t cid, daos_oclass_hints_t hints, uint32_t args);

int
daos_pool_connect(const char *pool, const char *sys, unsigned int flags, daos_handle_t *poh,
		  daos_pool_info_t *info, daos_event_t *ev)
{
	return daos_pool_connect2(pool, sys, flags, poh, info, ev);
}

int
daos_cont_create(daos_handle_t poh, uuid_t *uuid, daos_prop_t *cont_prop, daos_event_t *ev)
{
	return daos_cont_create2(poh, uuid, cont_prop, ev);
}

int
daos_cont_open(daos_handle_t poh, const char *cont, unsigned int flags, daos_handle_t *coh,
	       daos_cont_info_t *info, daos_event_t *ev)
{
	return daos_cont_open2(poh, cont, flags, coh, info, ev);
}

int
daos_cont_destroy(daos_handle_t poh, const char *cont, int force, daos_event_t *ev)
{
	return daos_cont_destroy2(poh, cont, force, ev);
}

int
daos_obj_generate_oid(daos_handle_t coh, daos_obj_id_t *oid, enum daos_otype_t type,
		      daos_oclass_id_t cid, daos_oclass_hints_t hints, uint32_t args)
{
	return daos_obj_generate_oid2(coh, oid, type, cid, hints, args);
}
