/*
 * json.h: small helpers around jansson shared by every JSON decoder.
 */
#ifndef GURT_JSON_H
#define GURT_JSON_H

#include <jansson.h>

/** "object", "array", "string", "integer", "real", "true", "false" or "null"; for messages. */
const char *d_json_type_name(const json_t *j);

#endif /* GURT_JSON_H */
