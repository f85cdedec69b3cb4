/*
 * daos.h: the DAOS client API (libdaos). Including it gives every public
 * header of the client; link with -ldaos (and -lgurt for the gurt helpers).
 *
 * Call daos_init() before anything else and daos_fini() at the end; both are
 * reference-counted, so libraries layered on libdaos may call them too.
 * Environment:
 *   DAOS_AGENT_DRPC_DIR  directory of daos_agent.sock (/var/run/daos_agent)
 *   CRT_TIMEOUT          seconds after which a call fails with -DER_TIMEDOUT (60)
 *   D_LOG_FILE, D_LOG_MASK  the client log (gurt)
 */
#ifndef DAOS_H
#define DAOS_H

#include <daos_version.h>
#include <daos_errno.h>
#include <daos_types.h>
#include <daos_event.h>
#include <daos_obj_class.h>
#include <daos_prop.h>
#include <daos_security.h>
#include <daos_pool.h>
#include <daos_cont.h>
#include <daos_obj.h>
#include <daos_array.h>
#include <daos_kv.h>
#include <daos_mgmt.h>
#include <daos_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Initialise the library (first call) or take a reference. 0, -DER_INVAL
 * (bad CRT_TIMEOUT), -DER_NOMEM, -DER_IO. The agent is contacted at the
 * first pool connect, not here.
 */
int daos_init(void);

/**
 * Drop a reference; the last one releases the network and every handle
 * still open. -DER_UNINIT when not initialised.
 */
int daos_fini(void);

/** After fork(): the child drops the parent's connections and starts afresh. */
int daos_reinit(void);

#ifdef __cplusplus
}
#endif

#endif /* DAOS_H */
