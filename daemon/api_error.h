/* api_error.h - the one error vocabulary of the HTTP interface: every error
 * code a reply can carry, and the one map from a failed query's SQLSTATE to
 * an HTTP status and code, used by the API handlers and the HTML pages. */
#ifndef CONVENED_API_ERROR_H
#define CONVENED_API_ERROR_H

#include <libpq-fe.h>

struct http_req;

/* One error code of {"error": {"code": ...}}: its status and when. */
struct api_error_code {
	const char *code;    /* "invalid_value" */
	int status;          /* the status it goes with */
	const char *meaning; /* one line, as docs/API.md says it */
};

/* Every code convened replies with; ends with code NULL. */
extern const struct api_error_code api_error_codes[];

/* One line of the SQLSTATE map.  SQLSTATE is five characters, or two for a
 * whole class; "" (the last line) matches everything else. */
struct api_error_map {
	const char *sqlstate;
	int status;
	const char *code;
	int retry_after; /* seconds for a Retry-After header, or 0 */
};

/* The map, most specific lines first; ends after the "" line. */
extern const struct api_error_map api_error_map[];

/* The line of the map for SQLSTATE (an exact line before its class line,
 * the "" line when nothing else matches; NULL SQLSTATE counts as "").
 * Never NULL. */
const struct api_error_map *api_error_lookup(const char *sqlstate);

/* The entry of CODE in api_error_codes, or NULL when it is not listed. */
const struct api_error_code *api_error_code_find(const char *code);

/* A failed query as the client sees it. */
struct api_error {
	int status;          /* 404, 409, 422, 500, 503 ... */
	const char *code;    /* from api_error_codes */
	const char *field;   /* PG_DIAG_COLUMN_NAME, or NULL */
	const char *message; /* the database's message, or a generic one */
	int retry_after;     /* seconds, or 0 */
};

/* Map a failed query: RES NULL (the database did not answer; ERR says
 * why) gives 503 database_unavailable; otherwise the map line of RES's
 * SQLSTATE.  FIELD and MESSAGE point into RES or static text: valid while
 * RES lives.  An internal (500) error keeps no field and a generic
 * message (the database's is for the log). */
void api_error_from_pg(const PGresult *res, const char *err,
                       struct api_error *out);

/* Reply to R with the mapped JSON error of a failed query (Retry-After
 * when the map says so); a 500 is logged with the route and SQLSTATE. */
void api_error_reply(struct http_req *r, const PGresult *res, const char *err);

#endif
