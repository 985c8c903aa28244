/* api_outbox.c - GET /api/outbox?state=&kind=&event=&deadline=&before=&limit=:
 * outbox rows, newest first, with their state and last error, a page at a
 * time; POST /api/outbox/{id}/retry: a failed notification goes again. */
#include "api_outbox.h"

#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "api_items.h"
#include "http.h"
#include "ident.h"
#include "kinds.h"
#include "query_in.h"

static const char list_sql[] =
        "SELECT cv_outbox_list($1::outbox_state, $2, $3::bigint, $4::bigint,"
        " $5::bigint, $6::int)";

static const char *const states[] = {"pending", "sending",   "sent",
                                     "failed",  "cancelled", NULL};

static void list(struct http_req *r)
{
	static const char *const allowed[] = {
	        "state", "kind", "event", "deadline", "limit", "before", NULL};
	const char *state = evhttp_find_header(&r->query, "state");
	const char *params[6];
	int ok = 0;

	if (query_in_check(r, allowed) < 0)
		return;
	for (int i = 0; state && states[i]; i++)
		ok |= strcmp(states[i], state) == 0;
	if (state && !ok) {
		http_reply_error(r, 422, "invalid_value", "state",
		                 "query parameter state: one of pending, "
		                 "sending, sent, failed, cancelled");
		return;
	}
	params[2] = evhttp_find_header(&r->query, "event");
	params[3] = evhttp_find_header(&r->query, "deadline");
	for (int i = 2; i < 4; i++)
		if (params[i] && !ident_id_valid(params[i])) {
			http_reply_error(r, 422, "invalid_value",
			                 i == 2 ? "event" : "deadline",
			                 "query parameter %s: an id",
			                 i == 2 ? "event" : "deadline");
			return;
		}
	if (query_in_page(r, &params[4], &params[5]) < 0)
		return;
	params[1] = evhttp_find_header(&r->query, "kind");
	if (params[1] && !kinds_has(kinds_notification, params[1])) {
		char list[400];

		http_reply_error(r, 422, "invalid_value", "kind",
		                 "query parameter kind: one of %s",
		                 kinds_join(kinds_notification, ", ", list,
		                            sizeof(list)));
		return;
	}
	params[0] = state;
	api_items_query(r, 200, NULL, list_sql, 6, params);
}

static void retry(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "notification", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, NULL, "SELECT cv_outbox_retry($1::bigint)", 1,
	                (const char *const[]){id});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/outbox",
         .handler = list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/outbox/{id}/retry",
         .handler = retry,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.pattern = NULL},
};

int api_outbox_init(void)
{
	return http_add_routes(routes);
}
