/* csv.c - CSV cells (RFC 4180, formula-safe) and CSV downloads. */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

void csv_cell(struct evbuffer *b, const char *s, int sep)
{
	if (sep)
		evbuffer_add(b, ",", 1);
	if (s == NULL)
		return;
	evbuffer_add(b, "\"", 1);
	if (s[0] != '\0' && strchr("=+-@\t\r", s[0]))
		evbuffer_add(b, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			evbuffer_add(b, "\"", 1);
		evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, "\"", 1);
}

void csv_json(struct evbuffer *b, const json_t *v, int sep)
{
	char num[32];

	if (json_is_string(v)) {
		csv_cell(b, json_string_value(v), sep);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
		         (long long)json_integer_value(v));
		csv_cell(b, num, sep);
	} else if (json_is_boolean(v)) {
		csv_cell(b, json_is_true(v) ? "true" : "false", sep);
	} else {
		csv_cell(b, NULL, sep);
	}
}

void csv_reply(struct http_req *r, struct evbuffer *b, const char *filename)
{
	size_t len = evbuffer_get_length(b);
	char *data = malloc(len + 1), disp[160];

	if (data == NULL) {
		evbuffer_free(b);
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_remove(b, data, len);
	evbuffer_free(b);
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	http_add_header(r, "Content-Disposition", disp);
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, 200, "text/csv; charset=utf-8", data, len);
	free(data);
}
