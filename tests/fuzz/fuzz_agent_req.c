/*
 * fuzz_agent_req.c: what a daos_agent does with bytes from a client socket
 * (src/agent/agent_proto.c framing, agent_req.c request checks) and with an
 * attach-info reply from a server (agent_attach_check).
 *
 * Properties: the frame decoder never reads past the buffer and reports how
 * much it used; every refusal says why; a decoded frame re-encodes to a frame
 * that decodes again; request and attach-info checks never crash on any JSON
 * object, and every refusal of theirs has a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <daos_errno.h>
#include "agent/agent.h"
#include "agent/agent_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_object(json_t *obj)
{
	struct agent_req req;
	uint64_t         map_version;
	char             err[512];
	int              rc;

	err[0] = '\0';
	rc     = agent_req_parse(obj, "daos_server", &req, err, sizeof(err));
	if (rc != 0 && err[0] == '\0')
		abort();
	err[0] = '\0';
	rc     = agent_attach_check(obj, "daos_server", &map_version, err, sizeof(err));
	if (rc != 0 && err[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *obj = NULL, *again = NULL;
	void   *buf = NULL;
	size_t  used = 0, len = 0, used2 = 0;
	char    err[512];
	int     rc;

	err[0] = '\0';
	rc     = agent_proto_decode(data, size, &obj, &used, err, sizeof(err));
	if (rc == -DER_TRUNC)
		return 0;
	if (rc != 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (used < 4 || used > size)
		abort();
	if (agent_proto_encode(obj, &buf, &len, err, sizeof(err)) == 0) {
		if (agent_proto_decode(buf, len, &again, &used2, err, sizeof(err)) != 0 ||
		    used2 != len)
			abort();
		json_decref(again);
		free(buf);
	}
	check_object(obj);
	json_decref(obj);
	return 0;
}
