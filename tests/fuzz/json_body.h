/* json_body.h - the body of the JSON-input fuzz targets: the includer
 * defines fuzz_tables (NULL-terminated json_in_field tables); the first
 * byte picks a table and partial mode, the rest is the request body,
 * decoded as http_body_json does and checked with json_in_check. */
#ifndef FUZZ_JSON_BODY_H
#define FUZZ_JSON_BODY_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nt = 0;
	const struct json_in_field *t;
	struct json_in_error e;
	json_error_t je;
	json_t *j;

	if (size < 1)
		return 0;
	while (fuzz_tables[nt])
		nt++;
	t = fuzz_tables[(data[0] >> 1) % nt];
	j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES,
	               &je);
	if (j == NULL)
		return 0;
	if (json_is_object(j)) {
		memset(&e, 0, sizeof(e));
		if (json_in_check(j, t, data[0] & 1, &e) < 0) {
			if ((e.status != 400 && e.status != 422) ||
			    e.code == NULL || e.message[0] == '\0' ||
			    strnlen(e.message, sizeof(e.message)) ==
			            sizeof(e.message))
				abort();
		} else {
			/* accepted: every string field is within its limit */
			for (const struct json_in_field *f = t; f->name; f++) {
				json_t *v = json_object_get(j, f->name);
				if (v && json_is_string(v) && f->max_len &&
				    json_in_utf8_len(json_string_value(v)) >
				            f->max_len)
					abort();
			}
		}
	}
	json_decref(j);
	return 0;
}

#endif
