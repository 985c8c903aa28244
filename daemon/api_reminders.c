/* api_reminders.c - GET /api/reminder-defaults and
 * PUT /api/reminder-defaults/{kind}: the default reminder offsets per event
 * or deadline kind, kept in the database (reminder_defaults), which the
 * scheduler and the calendar feeds both read. */
#include <stddef.h>

#include "api_items.h"
#include "http.h"

static const struct json_in_field offsets_fields[] = {
        {.name = "offsets", .type = JIN_ARRAY, .flags = JIN_REQUIRED},
        {0},
};

static void defaults_get(struct http_req *r)
{
	api_items_query(r, 200, NULL, "SELECT cv_reminder_defaults_json()", 0,
	                NULL);
}

/* The offsets are checked by cv_reminder_defaults_set (ISO 8601, at most
 * 8), which also reschedules the pending reminders of the kind. */
static void defaults_put(struct http_req *r)
{
	api_items_write(r, offsets_fields, 0, 200, "no such kind",
	                "SELECT cv_reminder_defaults_set($2, $1::jsonb)", 1,
	                (const char *const[]){r->params[0]});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/reminder-defaults",
         .handler = defaults_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_PUT,
         .pattern = "/api/reminder-defaults/{kind}",
         .handler = defaults_put,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.pattern = NULL},
};

int api_reminders_init(void)
{
	return http_add_routes(routes);
}
