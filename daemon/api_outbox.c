/* api_outbox.c - GET /api/outbox?state=&kind=&event=&deadline=&limit=:
 * outbox rows, newest first, with their state and last error. */
#include "api_outbox.h"

#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "app.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "ident.h"
#include "kinds.h"
#include "query_in.h"

static const char list_sql[] =
        "SELECT cv_outbox_list($1::outbox_state, $2, $3::bigint, $4::bigint,"
        " $5::int)::text";

static const char *const states[] = {"pending", "sending",   "sent",
                                     "failed",  "cancelled", NULL};

static void list_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	json_error_t je = {.text = "not one JSON value"};
	json_t *rows;

	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	rows = db_row_only(res, 0) ? json_loads(db_row_only(res, 0), 0, &je)
	                           : NULL;
	if (!rows) {
		http_reply_error(r, 500, "internal", NULL, "bad list: %s",
		                 je.text);
		return;
	}
	http_reply_json(r, 200,
	                json_pack("{s:o,s:I}", "outbox", rows, "count",
	                          (json_int_t)json_array_size(rows)));
}

static void list(struct http_req *r)
{
	static const char *const allowed[] = {"state",    "kind",  "event",
	                                      "deadline", "limit", NULL};
	const char *state = evhttp_find_header(&r->query, "state");
	const char *limit = evhttp_find_header(&r->query, "limit");
	const char *params[5];
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
	if (limit && (!ident_id_valid(limit) || strlen(limit) > 4 ||
	              atol(limit) > 1000)) {
		http_reply_error(r, 422, "invalid_value", "limit",
		                 "query parameter limit: 1 to 1000");
		return;
	}
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
	params[4] = limit ? limit : "100";
	if (db_query(r->app->db, list_sql, 5, params, list_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/outbox",
         .handler = list,
         .flags = HTTP_ADMIN},
        {.pattern = NULL},
};

int api_outbox_init(void)
{
	return http_add_routes(routes);
}
