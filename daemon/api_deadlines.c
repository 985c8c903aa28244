/* api_deadlines.c - admin API for deadlines: create, list, show, change. */
#include <event2/http.h>

#include "api_items.h"
#include "app.h"
#include "cal.h"
#include "http.h"
#include "kinds.h"

static const char *const deadline_states[] = {"draft", "published", "cancelled",
                                              NULL};

/* An http(s) URL, or "" to clear it. */
static const char *url_or_empty(const char *s)
{
	return *s ? json_in_url(s) : NULL;
}

#define DEADLINE_FIELDS(REQ)                                                   \
	{.name = "kind",                                                       \
	 .type = JIN_STRING,                                                   \
	 .flags = REQ,                                                         \
	 .choices = kinds_deadline},                                           \
	        {.name = "title",                                              \
	         .type = JIN_STRING,                                           \
	         .flags = REQ,                                                 \
	         .max_len = 200,                                               \
	         .check = json_in_nonblank},                                   \
	        {.name = "description",                                        \
	         .type = JIN_STRING,                                           \
	         .flags = JIN_LINES,                                           \
	         .max_len = 10000},                                            \
	        {.name = "url",                                                \
	         .type = JIN_STRING,                                           \
	         .max_len = 2000,                                              \
	         .check = url_or_empty},                                       \
	        {.name = "tz",                                                 \
	         .type = JIN_STRING,                                           \
	         .flags = REQ,                                                 \
	         .max_len = 64,                                                \
	         .check = cal_zone_refusal},                                   \
	        {.name = "due",                                                \
	         .type = JIN_STRING,                                           \
	         .flags = REQ,                                                 \
	         .check = json_in_datetime},                                   \
	        {.name = "status",                                             \
	         .type = JIN_STRING,                                           \
	         .choices = deadline_states},                                  \
	{                                                                      \
		.name = "reminders", .type = JIN_ARRAY, .flags = JIN_NULLABLE  \
	}

static const struct json_in_field create_fields[] = {
        {.name = "project",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 63,
         .check = json_in_slug},
        DEADLINE_FIELDS(JIN_REQUIRED),
        {0},
};

static const struct json_in_field patch_fields[] = {
        DEADLINE_FIELDS(0),
        {0},
};

static void deadline_create(struct http_req *r)
{
	const char *host = api_items_host(r->app);

	api_items_write(r, create_fields, 0, 201, NULL,
	                "SELECT cv_deadline_write(NULL, $1::jsonb, $2)", 1,
	                &host);
}

static void deadline_list(struct http_req *r)
{
	api_items_dated_list(r, "SELECT cv_deadline_page($1, $2::item_status, "
	                        "$3::date, $4::date, $5::bigint, $6::integer)");
}

static void deadline_get(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "deadline", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such deadline",
	                "SELECT cv_deadline_get($1::bigint)", 1,
	                (const char *const[]){id});
}

static void deadline_patch(struct http_req *r)
{
	char id[24];
	const char *extra[2];

	if (api_items_id(r, 0, "deadline", id, sizeof(id)) < 0)
		return;
	extra[0] = id;
	extra[1] = api_items_host(r->app);
	api_items_write(r, patch_fields, 1, 200, NULL,
	                "SELECT cv_deadline_write($2::bigint, $1::jsonb, $3)",
	                2, extra);
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/deadlines",
         .handler = deadline_create,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project",
         .in_body = "project"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/deadlines",
         .handler = deadline_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project",
         .in_query = "project"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/deadlines/{id}",
         .handler = deadline_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "deadline"},
        {.method = EVHTTP_REQ_PATCH,
         .pattern = "/api/deadlines/{id}",
         .handler = deadline_patch,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "deadline"},
        {.pattern = NULL},
};

int api_deadlines_init(void)
{
	return http_add_routes(routes);
}
