/* query_in.c - query-string checks and CSV/JSON negotiation. */
#include "query_in.h"

#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "http.h"
#include "ident.h"

int query_in_wants_csv(struct http_req *r)
{
	const char *f = evhttp_find_header(&r->query, "format");
	const char *acc;

	if (f)
		return strcmp(f, "csv") == 0;
	acc = http_header(r, "Accept");
	return acc && strstr(acc, "text/csv") != NULL;
}

int query_in_check(struct http_req *r, const char *const *allowed)
{
	struct evkeyval *kv;
	const char *f;

	TAILQ_FOREACH(kv, &r->query, next)
	{
		int ok = 0;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, kv->key) == 0;
		if (!ok) {
			http_reply_error(r, 400, "unknown_field", kv->key,
			                 "query parameter %.100s: not known",
			                 kv->key);
			return -1;
		}
	}
	f = evhttp_find_header(&r->query, "format");
	if (f && strcmp(f, "csv") != 0 && strcmp(f, "json") != 0) {
		http_reply_error(r, 422, "invalid_value", "format",
		                 "query parameter format: csv or json");
		return -1;
	}
	return 0;
}

int query_in_page(struct http_req *r, const char **before, const char **limit)
{
	*before = evhttp_find_header(&r->query, "before");
	*limit = evhttp_find_header(&r->query, "limit");
	if (*before && !ident_id_valid(*before)) {
		http_reply_error(r, 422, "invalid_value", "before",
		                 "query parameter before: an id");
		return -1;
	}
	if (*limit && (!ident_id_valid(*limit) || strlen(*limit) > 4 ||
	               atol(*limit) > 1000)) {
		http_reply_error(r, 422, "invalid_value", "limit",
		                 "query parameter limit: 1 to 1000");
		return -1;
	}
	if (!*limit)
		*limit = "100";
	return 0;
}
