/*
 * json.c: small helpers around jansson (see json.h).
 */
#include "gurt/json.h"

const char *
d_json_type_name(const json_t *j)
{
	if (j == NULL)
		return "null";
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "real";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
}
