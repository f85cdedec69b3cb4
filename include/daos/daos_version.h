/*
 * daos_version.h: the version of the DAOS client API these headers and
 * libdaos implement. Applications test it at compile time, e.g.
 * `#if DAOS_API_VERSION_MAJOR < 1` (an undefined macro would select DAOS's
 * obsolete 1.x pool-connect prototype) and (MAJOR, MINOR) >= (2, 0) to pick
 * the object-type API (daos_otype_t, daos_obj_id2type).
 */
#ifndef DAOS_VERSION_H
#define DAOS_VERSION_H

#define DAOS_API_VERSION_MAJOR 2
#define DAOS_API_VERSION_MINOR 6
#define DAOS_API_VERSION_FIX   0

/** Compare the API version with (major, minor) at compile time. */
#define DAOS_API_VERSION_AT_LEAST(major, minor)                                            \
	(DAOS_API_VERSION_MAJOR > (major) ||                                               \
	 (DAOS_API_VERSION_MAJOR == (major) && DAOS_API_VERSION_MINOR >= (minor)))

#endif /* DAOS_VERSION_H */
