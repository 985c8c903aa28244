/* api_attendance.c - the admin API of attendance marks: the event's marks,
 * marking a confirmed registration attended or no_show on an event day
 * (state "none" or DELETE undoes it) and adding a walk-in on the spot.
 * Every rule is in sql/functions/attendance.sql; this checks the shape of
 * the request and passes it through. */
#include "api_attendance.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "api_items.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
#include "token.h"

/* $1 the body, $2 the event. */
static const char mark_sql[] =
        "SELECT cv_attendance_mark($2::bigint,"
        " ($1::jsonb->>'registration')::bigint, ($1::jsonb->>'day')::date,"
        " $1::jsonb->>'state', $1::jsonb->>'by',"
        " ($1::jsonb->>'override')::boolean)";
static const char unmark_sql[] =
        "SELECT cv_attendance_unmark($2::bigint,"
        " ($1::jsonb->>'registration')::bigint, ($1::jsonb->>'day')::date,"
        " ($1::jsonb->>'override')::boolean)";
/* $1 the body, $2 the event, $3 the registration token, $4 a feed token
 * for a new person. */
static const char walk_in_sql[] =
        "SELECT cv_attendance_walk_in($2::bigint, $1::jsonb->>'email',"
        " $1::jsonb->>'name', ($1::jsonb->>'organisation')::bigint,"
        " ($1::jsonb->>'day')::date, $1::jsonb->>'by',"
        " ($1::jsonb->>'override')::boolean, $3, $4)";

static const char *const mark_states[] = {"attended", "no_show", "none", NULL};

static const struct json_in_field mark_fields[] = {
        {.name = "registration",
         .type = JIN_INT,
         .flags = JIN_REQUIRED,
         .min = 1,
         .max = INT64_MAX},
        {.name = "day",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 10,
         .check = json_in_date},
        {.name = "state",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .choices = mark_states},
        {.name = "by",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "override", .type = JIN_BOOL},
        {0},
};

static const struct json_in_field walk_in_fields[] = {
        {.name = "name",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "email",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 254,
         .check = json_in_email},
        {.name = "organisation", .type = JIN_INT, .min = 1, .max = INT64_MAX},
        {.name = "day",
         .type = JIN_STRING,
         .max_len = 10,
         .check = json_in_date},
        {.name = "by",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "override", .type = JIN_BOOL},
        {0},
};

/* ---- GET /api/events/{id}/attendance ---- */

static void list(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such event",
	                "SELECT cv_attendance_list($1::bigint)", 1,
	                (const char *const[]){id});
}

/* Is the body's "state" "none"?  (A body that is not a JSON object says
 * no: api_items_write then rejects it.) */
static int body_says_none(const struct http_req *r)
{
	json_t *j = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
	const char *s = json_string_value(json_object_get(j, "state"));
	int none = s && strcmp(s, "none") == 0;

	json_decref(j);
	return none;
}

/* ---- POST /api/events/{id}/attendance ---- */

static void mark(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_write(r, mark_fields, 0, 200, NULL,
	                body_says_none(r) ? unmark_sql : mark_sql, 1,
	                (const char *const[]){id});
}

/* ---- DELETE /api/events/{id}/attendance/{registration}/{day} ---- */

static void unmark(struct http_req *r)
{
	char id[24];
	const char *reg = r->nparams > 1 ? r->params[1] : "";
	const char *day = r->nparams > 2 ? r->params[2] : "";

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	if (!ident_id_valid(reg)) {
		http_reply_error(r, 404, "not_found", "registration",
		                 "no such registration");
		return;
	}
	if (json_in_date(day) != NULL) {
		http_reply_error(r, 422, "invalid_value", "day",
		                 "day: a date, YYYY-MM-DD");
		return;
	}
	api_items_query(r, 200, NULL,
	                "SELECT cv_attendance_unmark($1::bigint, $2::bigint,"
	                " $3::date, false)",
	                3, (const char *const[]){id, reg, day});
}

/* ---- POST /api/events/{id}/walk-ins ---- */

static void walk_in(struct http_req *r)
{
	char id[24], token[TOKEN_HEX + 1], feed[TOKEN_HEX + 1];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	token_new(token);
	token_new(feed);
	api_items_write(r, walk_in_fields, 0, 201, NULL, walk_in_sql, 3,
	                (const char *const[]){id, token, feed});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events/{id}/attendance",
         .handler = list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/attendance",
         .handler = mark,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.method = EVHTTP_REQ_DELETE,
         .pattern = "/api/events/{id}/attendance/{registration}/{day}",
         .handler = unmark,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/walk-ins",
         .handler = walk_in,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.pattern = NULL},
};

int api_attendance_init(void)
{
	return http_add_routes(routes);
}
