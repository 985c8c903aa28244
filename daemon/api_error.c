/* api_error.c - the error codes and the SQLSTATE -> (status, code) map. */
#include "api_error.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"

const struct api_error_code api_error_codes[] = {
        {"bad_json", 400,
         "malformed JSON, invalid UTF-8, a `\\u0000`, duplicate keys, a "
         "body that is not an object"},
        {"bad_path", 400, "a path that cannot be decoded"},
        {"bad_query", 400, "a query string that cannot be parsed"},
        {"bad_request", 400,
         "a request that contradicts itself (e.g. `organisation_id` with "
         "`organisation`)"},
        {"missing_field", 400,
         "a required field is absent (or a PATCH names no field)"},
        {"unknown_field", 400,
         "a field or query parameter the endpoint does not take"},
        {"wrong_type", 400,
         "e.g. `\"capacity\": \"40\"`, a null where none "
         "is allowed"},
        {"unauthorized", 401,
         "no bearer token or session, or the session has ended"},
        {"login_failed", 401,
         "`POST /api/login`: a wrong name or password (which one is not "
         "told)"},
        {"forbidden", 403,
         "a wrong bearer token or check-in secret, or an account whose "
         "role or projects do not reach this route or resource"},
        {"csrf", 403,
         "a change made with a session cookie without that session's "
         "`X-CSRF-Token` header"},
        {"not_found", 404, "unknown path, id, slug or token"},
        {"method_not_allowed", 405, "e.g. `DELETE /api/events/1`"},
        {"conflict", 409,
         "the request clashes with what exists (a duplicate, a full or "
         "closed event, a cancelled one)"},
        {"too_long", 422, "a string longer than its limit (in characters)"},
        {"answer_required", 422,
         "a required registration question is not answered (`field`: "
         "`answers.KEY`)"},
        {"choice_not_offered", 422,
         "an answer names an option the question does not offer"},
        {"consent_required", 422, "a required consent question is not ticked"},
        {"group_full", 422,
         "the group (an option with a capacity) an answer chooses is "
         "full"},
        {"invalid_value", 422,
         "a value that is not allowed (format, choice, range, a rule of "
         "the database)"},
        {"too_many_requests", 429,
         "a client address over the public POST throttle, or too many "
         "failed logins from an address or for an account "
         "(`Retry-After`)"},
        {"internal", 500, "a fault in convened (logged)"},
        {"database_unavailable", 503, "PostgreSQL does not answer"},
        {"try_again", 503,
         "a concurrent change won (serialisation failure or deadlock): "
         "send the same request again (`Retry-After`); also: too many "
         "passwords being checked at once"},
        {"shutting_down", 503, "convened is stopping"},
        {"unavailable", 503, "a calendar feed cannot be built now"},
        {"too_many_connections", 503,
         "over `[http] max_connections`; the connection is closed "
         "(`Retry-After`)"},
        {NULL, 0, NULL},
};

/* Why each line is what it is:
 * - CVnnn: raised on purpose by the functions in sql/ (cv_fail) with the
 *   HTTP status in the code and the API field in COLUMN.
 * - 22xxx (data exceptions) come from values the client sent that only
 *   the database could judge (a number out of range, a bad enum text): the
 *   request was well formed, the value was not, so 422 invalid_value.
 * - 23505/23P01 (unique, exclusion): the same thing exists already: 409.
 * - 23503 (foreign key): the API has no DELETE, so it only fires when a
 *   write names a row that does not exist: a bad value, 422, not a clash
 *   with the current state.  Other integrity errors (not null, check) are
 *   values a rule refused: 422.
 * - 40001/40P01 (serialisation failure, deadlock): nothing is wrong with
 *   the request and nothing was written; sent again it will most likely
 *   pass.  409 would tell a client its request clashes and must not be
 *   repeated, so these are 503 try_again with Retry-After.
 * - 08xxx and 57P01-57P03: the connection or server went away: 503.
 * - anything else (P0001 included: sql/ raises only CVnnn) is a bug: 500. */
const struct api_error_map api_error_map[] = {
        {"CV400", 400, "bad_request", 0},
        {"CV403", 403, "forbidden", 0},
        {"CV404", 404, "not_found", 0},
        {"CV409", 409, "conflict", 0},
        {"CV422", 422, "invalid_value", 0},
        {"22", 422, "invalid_value", 0},
        {"23505", 409, "conflict", 0},
        {"23P01", 409, "conflict", 0},
        {"23503", 422, "invalid_value", 0},
        {"23", 422, "invalid_value", 0},
        {"40001", 503, "try_again", 1},
        {"40P01", 503, "try_again", 1},
        {"08", 503, "database_unavailable", 1},
        {"57P01", 503, "database_unavailable", 1},
        {"57P02", 503, "database_unavailable", 1},
        {"57P03", 503, "database_unavailable", 1},
        {"", 500, "internal", 0},
};

const struct api_error_map *api_error_lookup(const char *sqlstate)
{
	const struct api_error_map *m, *class = NULL;

	if (sqlstate == NULL)
		sqlstate = "";
	for (m = api_error_map; m->sqlstate[0]; m++) {
		size_t n = strlen(m->sqlstate);

		if (n == 5 && strcmp(m->sqlstate, sqlstate) == 0)
			return m;
		if (n == 2 && class == NULL &&
		    strncmp(m->sqlstate, sqlstate, 2) == 0 &&
		    strlen(sqlstate) == 5)
			class = m;
	}
	return class ? class : m;
}

const struct api_error_code *api_error_code_find(const char *code)
{
	for (const struct api_error_code *c = api_error_codes; c->code; c++)
		if (strcmp(c->code, code) == 0)
			return c;
	return NULL;
}

void api_error_from_pg(const PGresult *res, const char *err,
                       struct api_error *out)
{
	const struct api_error_map *m;
	const char *col, *st;

	if (res == NULL) {
		out->status = 503;
		out->code = "database_unavailable";
		out->field = NULL;
		out->message = err ? err : "the database does not answer";
		out->retry_after = 1;
		return;
	}
	m = api_error_lookup(PQresultErrorField(res, PG_DIAG_SQLSTATE));
	out->status = m->status;
	out->code = m->code;
	out->retry_after = m->retry_after;
	if (m->status == 500) {
		out->field = NULL;
		out->message = "the database failed to answer the request";
		return;
	}
	/* cv_fail_code: a code of its own, listed with the same status */
	col = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (col && st && strncmp(st, "CV", 2) == 0) {
		const struct api_error_code *c = api_error_code_find(col);

		if (c && c->status == m->status)
			out->code = c->code;
	}
	col = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
	out->field = col && *col ? col : NULL;
	out->message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (out->message == NULL)
		out->message = "the database refused the request";
}

void api_error_reply(struct http_req *r, const PGresult *res, const char *err)
{
	struct api_error e;
	char secs[16];

	api_error_from_pg(res, err, &e);
	if (e.status == 500) {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *msg =
		        PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		log_warnx("api: %s: SQLSTATE %s: %s",
		          r->route ? r->route->pattern : r->path,
		          st ? st : "none", msg ? msg : "no message");
	}
	if (e.retry_after > 0) {
		snprintf(secs, sizeof(secs), "%d", e.retry_after);
		http_add_header(r, "Retry-After", secs);
	}
	http_reply_error(r, e.status, e.code, e.field, "%s", e.message);
}
