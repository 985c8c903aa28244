/* api_events.c - admin API for events: create, list, show, change, cancel. */
#include <event2/http.h>
#include <string.h>

#include "api_items.h"
#include "app.h"
#include "cal.h"
#include "http.h"
#include "kinds.h"

static const char *const event_states[] = {"draft", "published", NULL};

/* The fields of POST; PATCH takes the same minus "project". */
#define EVENT_FIELDS(REQ)                                                      \
	{.name = "kind",                                                       \
	 .type = JIN_STRING,                                                   \
	 .flags = REQ,                                                         \
	 .choices = kinds_event},                                              \
	        {.name = "title",                                              \
	         .type = JIN_STRING,                                           \
	         .flags = REQ,                                                 \
	         .max_len = 200,                                               \
	         .check = json_in_nonblank},                                   \
	        {.name = "description",                                        \
	         .type = JIN_STRING,                                           \
	         .flags = JIN_LINES,                                           \
	         .max_len = 10000},                                            \
	        {.name = "venue", .type = JIN_STRING, .max_len = 200},         \
	        {.name = "city", .type = JIN_STRING, .max_len = 200},          \
	        {.name = "country",                                            \
	         .type = JIN_STRING,                                           \
	         .flags = JIN_NULLABLE,                                        \
	         .check = json_in_country},                                    \
	        {.name = "tz",                                                 \
	         .type = JIN_STRING,                                           \
	         .flags = REQ,                                                 \
	         .max_len = 64,                                                \
	         .check = cal_zone_refusal},                                   \
	        {.name = "all_day", .type = JIN_BOOL},                         \
	        {.name = "start",                                              \
	         .type = JIN_STRING,                                           \
	         .flags = REQ,                                                 \
	         .check = json_in_date_or_datetime},                           \
	        {.name = "end",                                                \
	         .type = JIN_STRING,                                           \
	         .flags = REQ,                                                 \
	         .check = json_in_date_or_datetime},                           \
	        {.name = "status",                                             \
	         .type = JIN_STRING,                                           \
	         .choices = event_states},                                     \
	        {.name = "capacity",                                           \
	         .type = JIN_INT,                                              \
	         .flags = JIN_NULLABLE,                                        \
	         .min = 0,                                                     \
	         .max = 1000000},                                              \
	        {.name = "org_cap",                                            \
	         .type = JIN_INT,                                              \
	         .flags = JIN_NULLABLE,                                        \
	         .min = 1,                                                     \
	         .max = 1000000},                                              \
	        {.name = "reg_opens",                                          \
	         .type = JIN_STRING,                                           \
	         .flags = JIN_NULLABLE,                                        \
	         .check = json_in_datetime},                                   \
	        {.name = "reg_closes",                                         \
	         .type = JIN_STRING,                                           \
	         .flags = JIN_NULLABLE,                                        \
	         .check = json_in_datetime},                                   \
	{                                                                      \
		.name = "reminders", .type = JIN_ARRAY, .flags = JIN_NULLABLE  \
	}

/* An iCalendar UID given on creation (import): printable, no control
 * characters (C0, DEL or C1). */
static const char *uid_check(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return "must not be empty";
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return "must not contain control characters";
	return NULL;
}

static const struct json_in_field create_fields[] = {
        {.name = "project",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 63,
         .check = json_in_slug},
        EVENT_FIELDS(JIN_REQUIRED),
        {.name = "uid", .type = JIN_STRING, .max_len = 255, .check = uid_check},
        {0},
};

static const struct json_in_field patch_fields[] = {
        EVENT_FIELDS(0),
        {0},
};

static const struct json_in_field cancel_fields[] = {{0}};

/* Does the body name a "uid"?  (A body that is not a JSON object says no:
 * api_items_write then rejects it.) */
static int body_has_uid(const struct http_req *r)
{
	json_t *j = json_loadb(r->body ? r->body : "", r->body_len,
	                       JSON_DECODE_ANY, NULL);
	int has = json_is_object(j) && json_object_get(j, "uid") != NULL;

	json_decref(j);
	return has;
}

static void event_create(struct http_req *r)
{
	const char *host = api_items_host(r->app);

	/* The body is checked again by api_items_write; this only picks the
	 * SQL function ("uid" given: keep it, 409 when it exists). */
	api_items_write(
	        r, create_fields, 0, 201, NULL,
	        body_has_uid(r)
	                ? "SELECT cv_event_create_with_uid($1::jsonb, $2)"
	                : "SELECT cv_event_write(NULL, $1::jsonb, $2)",
	        1, &host);
}

static void event_list(struct http_req *r)
{
	api_items_dated_list(r, "SELECT cv_event_page($1, $2::item_status, "
	                        "$3::date, $4::date, $5::bigint, $6::integer)");
}

static void event_get(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such event",
	                "SELECT cv_event_get($1::bigint)", 1,
	                (const char *const[]){id});
}

static void event_patch(struct http_req *r)
{
	char id[24];
	const char *extra[2];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	extra[0] = id;
	extra[1] = api_items_host(r->app);
	api_items_write(r, patch_fields, 1, 200, NULL,
	                "SELECT cv_event_write($2::bigint, $1::jsonb, $3)", 2,
	                extra);
}

static void event_cancel(struct http_req *r)
{
	char id[24];
	json_t *j;

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	/* The body is optional; when there is one it must be {}. */
	if (r->body_len > strspn(r->body, " \t\r\n")) {
		j = api_items_body(r, cancel_fields, 0);
		if (j == NULL)
			return;
		json_decref(j);
	}
	api_items_query(r, 200, NULL, "SELECT cv_event_cancel($1::bigint)", 1,
	                (const char *const[]){id});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events",
         .handler = event_create,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project",
         .in_body = "project"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events",
         .handler = event_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project",
         .in_query = "project"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events/{id}",
         .handler = event_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_PATCH,
         .pattern = "/api/events/{id}",
         .handler = event_patch,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/cancel",
         .handler = event_cancel,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.pattern = NULL},
};

int api_events_init(void)
{
	return http_add_routes(routes);
}
