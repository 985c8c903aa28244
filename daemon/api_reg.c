/* api_reg.c - registrations over JSON: public registration and deadline
 * subscriptions, the secretariat's list (JSON/CSV) and cancellation. */
#include "api_reg.h"

#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_items.h"
#include "app.h"
#include "csv.h"
#include "db.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
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

static int tf(PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col)[0] == 't';
}

/* ------------------------------------------------ public registration */

static void register_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	int created, resent;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		api_error_reply(r, res, err);
		return;
	}
	created = tf(res, 0, 2);
	resent = tf(res, 0, 3);
	http_reply_json(
	        r, created ? 201 : 200,
	        json_pack("{s:{s:I,s:I,s:s},s:b,s:b,s:s}", "registration", "id",
	                  (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
	                  "event_id",
	                  (json_int_t)strtoll(r->params[0], NULL, 10), "state",
	                  PQgetvalue(res, 0, 1), "created", created,
	                  "confirmation_sent", created || resent, "message",
	                  created || resent
	                          ? "check your email and open the link to "
	                            "confirm your registration"
	                          : "you are already registered for this "
	                            "event"));
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
	struct http_req *r = arg;
	int created;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		api_error_reply(r, res, err);
		return;
	}
	created = tf(res, 0, 1);
	http_reply_json(
	        r, created ? 201 : 200,
	        json_pack("{s:b,s:b}", "following", 1, "created", created));
}

static void public_follow(struct http_req *r)
{
	static const char sql[] = "SELECT person_id, created FROM "
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

#define UTC(col)                                                               \
	"to_char(" col " AT TIME ZONE 'UTC', "                                 \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const char list_sql[] =
        "SELECT e.id, coalesce((SELECT json_agg(json_build_object("
        "'id', r.id, 'state', r.state, 'waitlist_position', "
        "CASE WHEN r.state = 'waitlisted' THEN (SELECT count(*) FROM "
        "registrations w WHERE w.event_id = r.event_id AND w.state = "
        "'waitlisted' AND w.waitlist_pos <= r.waitlist_pos) END, "
        "'name', p.name, 'email', p.email, 'organisation', o.name, "
        "'organisation_id', o.id, 'country', o.country, 'role', p.role, "
        "'language', p.language, "
        "'created_at', " UTC(
                "r.created_at") ", "
                                "'confirmed_at', " UTC(
                                        "r.confirmed_at") ", "
                                                          "'waitlisted_at',"
                                                          " " UTC("r."
                                                                  "waitlisted_"
                                                                  "at") ", "
                                                                        "'promo"
                                                                        "ted_"
                                                                        "at',"
                                                                        " " UTC("r.promoted_at") ", "
                                                                                                 "'cancelled_at', " UTC(
                                                                                                         "r.cancelled_at") ") "
                                                                                                                           "ORDER BY r.state, r.waitlist_pos, r.id) "
                                                                                                                           "FROM registrations r JOIN people p ON p.id = r.person_id "
                                                                                                                           "LEFT JOIN organisations o ON o.id = r.organisation_id "
                                                                                                                           "WHERE r.event_id = e.id AND ($2::registration_state IS NULL OR "
                                                                                                                           "r.state = $2::registration_state)), '[]'::json) "
                                                                                                                           "FROM events e WHERE e.id = $1::bigint";

static const char *const list_cols[] = {
        "id",          "state",        "waitlist_position",
        "name",        "email",        "organisation",
        "country",     "role",         "language",
        "created_at",  "confirmed_at", "waitlisted_at",
        "promoted_at", "cancelled_at", NULL,
};

static void list_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	json_t *list;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	if (PQntuples(res) == 0) {
		http_reply_error(r, 404, "not_found", "id", "no event %s",
		                 r->params[0]);
		return;
	}
	list = api_items_json_cell(res, 0, 1);
	if (list == NULL) {
		http_reply_error(r, 500, "internal", NULL, "bad list");
		return;
	}
	if (query_in_wants_csv(r)) {
		struct evbuffer *b = evbuffer_new();
		size_t i;
		json_t *row;
		char name[64];

		for (int c = 0; list_cols[c]; c++)
			csv_cell(b, list_cols[c], c > 0);
		evbuffer_add(b, "\r\n", 2);
		json_array_foreach(list, i, row)
		{
			for (int c = 0; list_cols[c]; c++)
				csv_json(b, json_object_get(row, list_cols[c]),
				         c > 0);
			evbuffer_add(b, "\r\n", 2);
		}
		json_decref(list);
		snprintf(name, sizeof(name), "registrations-%s.csv",
		         r->params[0]);
		csv_reply(r, b, name);
		return;
	}
	http_reply_json(r, 200,
	                json_pack("{s:I,s:o}", "event_id",
	                          (json_int_t)strtoll(r->params[0], NULL, 10),
	                          "registrations", list));
}

static void admin_list(struct http_req *r)
{
	static const char *const allowed[] = {"format", "state", NULL};
	const char *state, *params[2];
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
	if (db_query(r->app->db, list_sql, 2, params, list_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

static void cancel_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		api_error_reply(r, res, err);
		return;
	}
	http_reply_json(
	        r, 200,
	        json_pack("{s:{s:I,s:s},s:b,s:i}", "registration", "id",
	                  (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
	                  "state", PQgetvalue(res, 0, 1), "changed",
	                  tf(res, 0, 2), "promoted",
	                  atoi(PQgetvalue(res, 0, 3))));
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
         .flags = HTTP_ADMIN},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/registrations/{id}/cancel",
         .handler = admin_cancel,
         .flags = HTTP_ADMIN},
        {.pattern = NULL},
};

int api_reg_init(void)
{
	return http_add_routes(routes);
}
