/* api_reg.c - registrations over JSON: public registration and deadline
 * subscriptions, the secretariat's list (JSON/CSV) and cancellation. */
#include "api_reg.h"

#include <ctype.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "json_in.h"
#include "outbox.h"

static const char *const roles[] = {"official", "elected", "other", NULL};
static const char *const langs[] = {"en", "sv", "it", "pl", "es", "fi", NULL};
static const char *const states[] = {"pending", "confirmed", "waitlisted",
                                     "cancelled", NULL};

static const struct json_in_field reg_input_fields[] = {
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
        {.name = "organisation",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "country",
         .type = JIN_STRING,
         .max_len = 2,
         .check = json_in_country},
        {.name = "organisation_id",
         .type = JIN_INT,
         .min = 1,
         .max = 9007199254740991LL},
        {.name = "role", .type = JIN_STRING, .max_len = 20, .choices = roles},
        {.name = "language",
         .type = JIN_STRING,
         .max_len = 2,
         .choices = langs},
        {.name = NULL},
};

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

static void set_err(struct json_in_error *err, int status, const char *code,
                    const char *field, const char *msg)
{
	err->status = status;
	err->code = code;
	err->field = field;
	snprintf(err->message, sizeof(err->message), "%s", msg);
}

int reg_input_check(const json_t *obj, struct json_in_error *err)
{
	int has_id, has_name, has_country;

	if (json_in_check(obj, reg_input_fields, 0, err) < 0)
		return -1;
	has_id = json_object_get(obj, "organisation_id") != NULL;
	has_name = json_object_get(obj, "organisation") != NULL;
	has_country = json_object_get(obj, "country") != NULL;
	if (has_id && (has_name || has_country)) {
		set_err(err, 400, "bad_request", "organisation_id",
		        "field organisation_id: give organisation_id, or "
		        "organisation and country, not both");
		return -1;
	}
	if (!has_id && !has_name) {
		set_err(err, 400, "missing_field", "organisation",
		        "field organisation: required (or organisation_id)");
		return -1;
	}
	if (!has_id && !has_country) {
		set_err(err, 400, "missing_field", "country",
		        "field country: required with organisation (ISO 3166 "
		        "code such as SE)");
		return -1;
	}
	return 0;
}

void reg_token(char *buf)
{
	unsigned char raw[REG_TOKEN_HEX / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(buf, REG_TOKEN_HEX + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

int reg_token_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]) ||
		    isupper((unsigned char)s[n]))
			return 0;
	return n == REG_TOKEN_HEX;
}

int reg_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static const char *str_or_null(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The caller's callback for a registration, behind reg_submitted. */
struct reg_pending {
	void (*cb)(void *, PGresult *, const char *);
	void *arg;
};

/* cv_register_local committed without a NOTIFY: wake this daemon's outbox
 * for the confirmation request, then answer. */
static void reg_submitted(void *arg, PGresult *res, const char *err)
{
	struct reg_pending p = *(struct reg_pending *)arg;

	free(arg);
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
		outbox_kick();
	p.cb(p.arg, res, err);
}

int reg_submit(struct http_req *r, const char *event_id, const json_t *obj,
               void (*cb)(void *, PGresult *, const char *), void *arg)
{
	static const char sql[] =
	        "SELECT registration_id, reg_state, created, resent FROM "
	        "cv_register_local($1::bigint, $2, $3, $4::bigint, $5, $6, $7, "
	        "$8, $9, $10)";
	char token[REG_TOKEN_HEX + 1], feed[REG_TOKEN_HEX + 1], orgid[24] = "";
	const char *role = str_or_null(obj, "role");
	const char *lang = str_or_null(obj, "language");
	json_t *id = json_object_get(obj, "organisation_id");
	const char *params[10];
	struct reg_pending *p = malloc(sizeof(*p));

	if (p == NULL)
		return -1;
	p->cb = cb;
	p->arg = arg;
	if (id)
		snprintf(orgid, sizeof(orgid), "%lld",
		         (long long)json_integer_value(id));
	reg_token(token);
	reg_token(feed);
	params[0] = event_id;
	params[1] = str_or_null(obj, "email");
	params[2] = str_or_null(obj, "name");
	params[3] = id ? orgid : NULL;
	params[4] = str_or_null(obj, "organisation");
	params[5] = str_or_null(obj, "country");
	params[6] = role ? role : "other";
	params[7] = lang ? lang : "en";
	params[8] = token;
	params[9] = feed;
	if (db_query(r->app->db, sql, 10, params, reg_submitted, p) < 0) {
		free(p);
		return -1;
	}
	return 0;
}

int reg_db_error(PGresult *res, const char *err, const char **code,
                 const char **field, const char **msg)
{
	const char *st;
	int status;

	*field = NULL;
	if (res == NULL) {
		*code = "database_unavailable";
		*msg = err ? err : "the database does not answer";
		return 503;
	}
	st = db_sqlstate(res);
	*msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (*msg == NULL)
		*msg = "database error";
	*field = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
	if (strncmp(st, "CV", 2) == 0) {
		status = atoi(st + 2);
		*code = status == 404   ? "not_found"
		        : status == 409 ? "conflict"
		        : status == 422 ? "invalid_value"
		                        : "bad_request";
		return status;
	}
	if (strcmp(st, "23505") == 0) {
		*code = "conflict";
		return 409;
	}
	if (strcmp(st, "23514") == 0 || strcmp(st, "23502") == 0 ||
	    strcmp(st, "22001") == 0) {
		*code = "invalid_value";
		return 422;
	}
	if (strncmp(st, "22", 2) == 0) {
		*code = "bad_request";
		return 400;
	}
	*code = "internal";
	*field = NULL;
	*msg = "internal database error";
	return 500;
}

void reg_reply_db_error(struct http_req *r, PGresult *res, const char *err)
{
	const char *code, *field, *msg;
	int status = reg_db_error(res, err, &code, &field, &msg);

	http_reply_error(r, status, code, field, "%s", msg);
}

int reg_wants_csv(struct http_req *r)
{
	const char *f = evhttp_find_header(&r->query, "format");
	const char *acc;

	if (f)
		return strcmp(f, "csv") == 0;
	acc = http_header(r, "Accept");
	return acc && strstr(acc, "text/csv") != NULL;
}

int reg_check_query(struct http_req *r, const char *const *allowed)
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

void reg_csv_cell(struct evbuffer *b, const char *s, int sep)
{
	if (sep)
		evbuffer_add(b, ",", 1);
	if (s == NULL)
		return;
	evbuffer_add(b, "\"", 1);
	if (strchr("=+-@\t\r", s[0]) && s[0] != '\0')
		evbuffer_add(b, "'", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			evbuffer_add(b, "\"", 1);
		evbuffer_add(b, p, 1);
	}
	evbuffer_add(b, "\"", 1);
}

void reg_csv_json(struct evbuffer *b, const json_t *v, int sep)
{
	char num[32];

	if (json_is_string(v)) {
		reg_csv_cell(b, json_string_value(v), sep);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
		         (long long)json_integer_value(v));
		reg_csv_cell(b, num, sep);
	} else if (json_is_boolean(v)) {
		reg_csv_cell(b, json_is_true(v) ? "true" : "false", sep);
	} else {
		reg_csv_cell(b, NULL, sep);
	}
}

void reg_reply_csv(struct http_req *r, struct evbuffer *b, const char *filename)
{
	size_t len = evbuffer_get_length(b);
	char *data = malloc(len + 1), disp[160];

	if (data == NULL) {
		evbuffer_free(b);
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_remove(b, data, len);
	evbuffer_free(b);
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	http_add_header(r, "Content-Disposition", disp);
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, 200, "text/csv; charset=utf-8", data, len);
	free(data);
}

json_t *reg_json_cell(PGresult *res, int row, int col)
{
	if (PQntuples(res) <= row || PQnfields(res) <= col ||
	    PQgetisnull(res, row, col))
		return NULL;
	return json_loads(PQgetvalue(res, row, col), 0, NULL);
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
		reg_reply_db_error(r, res, err);
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

	if (!reg_id_valid(r->params[0])) {
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
		reg_reply_db_error(r, res, err);
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
	char token[REG_TOKEN_HEX + 1], feed[REG_TOKEN_HEX + 1];
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
	reg_token(token);
	reg_token(feed);
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
		reg_reply_db_error(r, res, err);
		return;
	}
	if (PQntuples(res) == 0) {
		http_reply_error(r, 404, "not_found", "id", "no event %s",
		                 r->params[0]);
		return;
	}
	list = reg_json_cell(res, 0, 1);
	if (list == NULL) {
		http_reply_error(r, 500, "internal", NULL, "bad list");
		return;
	}
	if (reg_wants_csv(r)) {
		struct evbuffer *b = evbuffer_new();
		size_t i;
		json_t *row;
		char name[64];

		for (int c = 0; list_cols[c]; c++)
			reg_csv_cell(b, list_cols[c], c > 0);
		evbuffer_add(b, "\r\n", 2);
		json_array_foreach(list, i, row)
		{
			for (int c = 0; list_cols[c]; c++)
				reg_csv_json(b,
				             json_object_get(row, list_cols[c]),
				             c > 0);
			evbuffer_add(b, "\r\n", 2);
		}
		json_decref(list);
		snprintf(name, sizeof(name), "registrations-%s.csv",
		         r->params[0]);
		reg_reply_csv(r, b, name);
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

	if (reg_check_query(r, allowed) < 0)
		return;
	if (!reg_id_valid(r->params[0])) {
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
		reg_reply_db_error(r, res, err);
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

	if (!reg_id_valid(r->params[0])) {
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
        {EVHTTP_REQ_POST, "/api/public/events/{id}/registrations",
         public_register, 0, NULL},
        {EVHTTP_REQ_POST, "/api/public/subscriptions", public_follow, 0, NULL},
        {EVHTTP_REQ_GET, "/api/events/{id}/registrations", admin_list,
         HTTP_ADMIN, NULL},
        {EVHTTP_REQ_POST, "/api/registrations/{id}/cancel", admin_cancel,
         HTTP_ADMIN, NULL},
        {0, NULL, NULL, 0, NULL},
};

int api_reg_init(void)
{
	return http_add_routes(routes);
}
