/* api_console.c - two calls the console (web/admin/) needs and a script
 * may want too: PATCH /api/projects/{slug} (edit a project) and GET
 * /api/local-time (judge a typed-in local time in a zone exactly as an
 * event's or deadline's write would, before saving, so that a form can
 * show a DST gap or a repeated hour while it is being filled in).  The
 * rules are in sql/functions/console.sql. */
#include "api_console.h"

#include <event2/http.h>
#include <jansson.h>
#include <stdlib.h>

#include "api_items.h"
#include "cal.h"
#include "http.h"
#include "json_in.h"
#include "query_in.h"
#include "tmpl.h"

static const struct json_in_field project_edit_fields[] = {
        {.name = "title",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "programme", .type = JIN_STRING, .max_len = 200},
        {.name = "description",
         .type = JIN_STRING,
         .flags = JIN_LINES,
         .max_len = 10000},
        {.name = "language", .type = JIN_STRING, .choices = tmpl_langs},
        {0},
};

static void project_edit(struct http_req *r)
{
	api_items_write(r, project_edit_fields, 1, 200, "no such project",
	                "SELECT cv_project_update($2, $1::jsonb)", 1,
	                (const char *const[]){r->params[0]});
}

static const char *const time_fields[] = {"start",      "end", "reg_opens",
                                          "reg_closes", "due", NULL};

/* The query as a JSON object, checked as a body would be. */
static const struct json_in_field local_time_fields[] = {
        {.name = "local",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 19,
         .check = json_in_datetime},
        {.name = "tz",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 64,
         .check = cal_zone_refusal},
        {.name = "field", .type = JIN_STRING, .choices = time_fields},
        {0},
};

static void local_time(struct http_req *r)
{
	static const char *const allowed[] = {"local", "tz", "field", NULL};
	struct json_in_error e;
	json_t *q;
	const char *local = evhttp_find_header(&r->query, "local");
	const char *tz = evhttp_find_header(&r->query, "tz");
	const char *field = evhttp_find_header(&r->query, "field");

	if (query_in_check(r, allowed) < 0)
		return;
	q = json_object();
	if (q == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	if (local)
		json_object_set_new(q, "local", json_string(local));
	if (tz)
		json_object_set_new(q, "tz", json_string(tz));
	if (field)
		json_object_set_new(q, "field", json_string(field));
	if (json_in_check(q, local_time_fields, 0, &e) < 0) {
		json_decref(q);
		http_reply_error(r, e.status, e.code, e.field, "%s", e.message);
		return;
	}
	json_decref(q);
	api_items_query(
	        r, 200, NULL, "SELECT cv_local_time_check($1, $2, $3)", 3,
	        (const char *const[]){local, tz, field ? field : "start"});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_PATCH,
         .pattern = "/api/projects/{slug}",
         .handler = project_edit,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/local-time",
         .handler = local_time,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_STAFF},
        {.pattern = NULL},
};

int api_console_init(void)
{
	return http_add_routes(routes);
}
