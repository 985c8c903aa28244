/* api_reg.c - registrations over JSON: public registration and deadline
 * subscriptions, the secretariat's list (JSON/CSV), cancellation and
 * correction of a registration's person. */
#include "api_reg.h"

#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_items.h"
#include "app.h"
#include "csv.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
#include "outbox.h"
#include "query_in.h"
#include "reg.h"
#include "token.h"

static const char *const langs[] = {"en", "sv", "it", "pl", "es", "fi", NULL};
static const char *const states[] = {"pending", "confirmed", "waitlisted",
                                     "cancelled", NULL};

static const struct json_in_field follow_fields[] = {
        {.name = "project",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 63,
         .check = json_in_slug},
        {.name = "email",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 254,
         .check = json_in_email},
        {.name = "name",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "language",
         .type = JIN_STRING,
         .max_len = 2,
         .choices = langs},
        {.name = NULL},
};

static const struct json_in_field no_fields[] = {{.name = NULL}};

static const char *str_or_null(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* 0 when RES has every column of NAMES, else -1 after a 500 reply. */
static int need(struct http_req *r, const PGresult *res,
                const char *const *names)
{
	char err[128];

	if (db_row_need(res, names, err, sizeof(err)) == 0)
		return 0;
	http_reply_error(r, 500, "internal", NULL, "%s", err);
	return -1;
}

/* ------------------------------------------------ public registration */

/* The one answer to an accepted public request, whether the address was
 * new, pending or already registered (following): nobody learns from it
 * who is registered.  202 and a fixed body; the mail tells the rest. */
static void accepted_reply(struct http_req *r, PGresult *res, const char *err,
                           const char *message)
{
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		api_error_reply(r, res, err);
		return;
	}
	http_reply_json(
	        r, 202,
	        json_pack("{s:b,s:s}", "accepted", 1, "message", message));
}

static void register_done(void *arg, PGresult *res, const char *err)
{
	accepted_reply(arg, res, err,
	               "check your email: unless this address is already "
	               "registered for this event, it has been sent a link to "
	               "confirm the registration");
}

static void public_register(struct http_req *r)
{
	struct json_in_error e;
	json_t *obj;

	if (!ident_id_valid(r->params[0])) {
		http_reply_error(r, 404, "not_found", "event", "no such event");
		return;
	}
	obj = http_body_json(r);
	if (obj == NULL)
		return;
	if (reg_input_check(obj, &e) < 0) {
		http_reply_error(r, e.status, e.code, e.field, "%s", e.message);
		json_decref(obj);
		return;
	}
	if (reg_submit(r, r->params[0], obj, register_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
	json_decref(obj);
}

/* ------------------------------------------------ deadline subscriptions */

static void follow_done(void *arg, PGresult *res, const char *err)
{
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
		outbox_kick();
	accepted_reply(arg, res, err,
	               "check your email: unless this address already follows "
	               "this project's deadlines, it has been sent a link to "
	               "confirm");
}

static void public_follow(struct http_req *r)
{
	static const char sql[] = "SELECT person_id FROM "
	                          "cv_follow($1, $2, $3, $4, $5, $6)";
	char token[TOKEN_HEX + 1], feed[TOKEN_HEX + 1];
	struct json_in_error e;
	const char *params[6], *lang;
	json_t *obj = http_body_json(r);

	if (obj == NULL)
		return;
	if (json_in_check(obj, follow_fields, 0, &e) < 0) {
		http_reply_error(r, e.status, e.code, e.field, "%s", e.message);
		json_decref(obj);
		return;
	}
	token_new(token);
	token_new(feed);
	lang = str_or_null(obj, "language");
	params[0] = str_or_null(obj, "project");
	params[1] = str_or_null(obj, "email");
	params[2] = str_or_null(obj, "name");
	params[3] = lang ? lang : "en";
	params[4] = token;
	params[5] = feed;
	if (db_query(r->app->db, sql, 6, params, follow_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
	json_decref(obj);
}

/* ------------------------------------------------ admin: list, cancel */

/* The list is cv_registration_list (sql/functions/registrations.sql): as
 * JSON a page at a time from cv_registration_page (lists.sql), as CSV
 * whole from cv_registration_sheet_json (questions.sql): a header row,
 * then a row per registration, each a JSON array of cells (one column per
 * question). */
static const char list_json_sql[] =
        "SELECT cv_registration_page($1::bigint, $2::registration_state, $3,"
        " $4::bigint, $5::integer)";
static const char list_csv_sql[] =
        "SELECT r::text FROM cv_registration_sheet_json($1::bigint, "
        "$2::registration_state) r";

static void list_csv_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	struct evbuffer *b;
	int ncols;
	char name[64];

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = json_loads(db_row_str(res, i, "r"), 0, NULL);

		ncols = (int)json_array_size(row);
		for (int c = 0; c < ncols; c++)
			csv_cell(b, json_string_value(json_array_get(row, c)),
			         c > 0);
		evbuffer_add(b, "\r\n", 2);
		json_decref(row);
	}
	snprintf(name, sizeof(name), "registrations-%s.csv", r->params[0]);
	csv_reply(r, b, name);
}

static void admin_list(struct http_req *r)
{
	static const char *const allowed[] = {"format", "state", "q",
	                                      "before", "limit", NULL};
	static const char *const paged[] = {"q", "before", "limit", NULL};
	const char *state, *params[5];
	int ok = 0;

	if (query_in_check(r, allowed) < 0)
		return;
	if (!ident_id_valid(r->params[0])) {
		http_reply_error(r, 404, "not_found", "id", "no such event");
		return;
	}
	state = evhttp_find_header(&r->query, "state");
	for (int i = 0; state && states[i]; i++)
		ok |= strcmp(states[i], state) == 0;
	if (state && !ok) {
		http_reply_error(r, 422, "invalid_value", "state",
		                 "query parameter state: one of pending, "
		                 "confirmed, waitlisted, cancelled");
		return;
	}
	params[0] = r->params[0];
	params[1] = state;
	if (query_in_wants_csv(r)) {
		for (int i = 0; paged[i]; i++)
			if (evhttp_find_header(&r->query, paged[i])) {
				http_reply_error(r, 422, "invalid_value",
				                 paged[i],
				                 "query parameter %s: the CSV "
				                 "is the whole list (page the "
				                 "JSON)",
				                 paged[i]);
				return;
			}
		if (db_query(r->app->db, list_csv_sql, 2, params, list_csv_done,
		             r) < 0)
			http_reply_error(r, 503, "shutting_down", NULL,
			                 "convened is shutting down");
		return;
	}
	params[2] = evhttp_find_header(&r->query, "q");
	if (params[2] && (*params[2] == '\0' || strlen(params[2]) > 200)) {
		http_reply_error(r, 422, "invalid_value", "q",
		                 "query parameter q: 1 to 200 characters of a "
		                 "name, address or organisation");
		return;
	}
	if (query_in_page(r, &params[3], &params[4]) < 0)
		return;
	api_items_query(r, 200, NULL, list_json_sql, 5, params);
}

static void cancel_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		api_error_reply(r, res, err);
		return;
	}
	if (need(r, res,
	         (const char *const[]){"registration_id", "reg_state",
	                               "changed", "promoted", NULL}) < 0)
		return;
	http_reply_json(
	        r, 200,
	        json_pack("{s:{s:I,s:s},s:b,s:i}", "registration", "id",
	                  (json_int_t)db_row_int(res, 0, "registration_id"),
	                  "state", db_row_str(res, 0, "reg_state"), "changed",
	                  db_row_bool(res, 0, "changed"), "promoted",
	                  (int)db_row_int(res, 0, "promoted")));
}

static void admin_cancel(struct http_req *r)
{
	static const char sql[] =
	        "SELECT registration_id, reg_state, changed, promoted FROM "
	        "cv_cancel_registration(NULL, $1::bigint)";
	struct json_in_error e;
	const char *params[1];

	if (!ident_id_valid(r->params[0])) {
		http_reply_error(r, 404, "not_found", "id",
		                 "no such registration");
		return;
	}
	if (r->body_len > 0) {
		json_t *obj = http_body_json(r);

		if (obj == NULL)
			return;
		if (json_in_check(obj, no_fields, 0, &e) < 0) {
			http_reply_error(r, e.status, e.code, e.field, "%s",
			                 e.message);
			json_decref(obj);
			return;
		}
		json_decref(obj);
	}
	params[0] = r->params[0];
	if (db_query(r->app->db, sql, 1, params, cancel_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

/* PATCH /api/registrations/{id}: correct the person's details. */
static void correct_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const char *org;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		api_error_reply(r, res, err);
		return;
	}
	if (need(r, res,
	         (const char *const[]){"registration_id", "person_id", "name",
	                               "email", "organisation_id",
	                               "organisation", "country", "role",
	                               "language", NULL}) < 0)
		return;
	org = db_row_get(res, 0, "organisation_id");
	http_reply_json(
	        r, 200,
	        json_pack("{s:{s:I,s:I,s:s,s:s,s:o,s:s?,s:s?,s:s,s:s}}",
	                  "registration", "id",
	                  (json_int_t)db_row_int(res, 0, "registration_id"),
	                  "person_id",
	                  (json_int_t)db_row_int(res, 0, "person_id"), "name",
	                  db_row_str(res, 0, "name"), "email",
	                  db_row_str(res, 0, "email"), "organisation_id",
	                  org ? json_integer(strtoll(org, NULL, 10))
	                      : json_null(),
	                  "organisation", db_row_get(res, 0, "organisation"),
	                  "country", db_row_get(res, 0, "country"), "role",
	                  db_row_str(res, 0, "role"), "language",
	                  db_row_str(res, 0, "language")));
}

static void admin_correct(struct http_req *r)
{
	struct json_in_error e;
	json_t *obj;

	if (!ident_id_valid(r->params[0])) {
		http_reply_error(r, 404, "not_found", "id",
		                 "no such registration");
		return;
	}
	if ((obj = http_body_json(r)) == NULL)
		return;
	if (reg_correct_check(obj, &e) < 0)
		http_reply_error(r, e.status, e.code, e.field, "%s", e.message);
	else if (reg_correct_submit(r, NULL, r->params[0], obj, correct_done,
	                            r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
	json_decref(obj);
}

/* POST /api/registrations/{id}/resend: the person's link once more. */
static void admin_resend(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "registration", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 202, NULL,
	                "SELECT cv_registration_resend($1::bigint)", 1,
	                (const char *const[]){id});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/public/events/{id}/registrations",
         .handler = public_register},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/public/subscriptions",
         .handler = public_follow},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events/{id}/registrations",
         .handler = admin_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_PATCH,
         .pattern = "/api/registrations/{id}",
         .handler = admin_correct,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "registration"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/registrations/{id}/cancel",
         .handler = admin_cancel,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "registration"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/registrations/{id}/resend",
         .handler = admin_resend,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "registration"},
        {.pattern = NULL},
};

int api_reg_init(void)
{
	return http_add_routes(routes);
}
