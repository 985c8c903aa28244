/* api_inbound.c - GET /api/inbound[?class=&decision=&since=&rcpt=&before=
 * &limit=], GET /api/inbound/{id} and GET /api/inbound/{id}/raw: what came
 * in, what was decided and why (sql/functions/inbound_read.sql). */
#include "api_inbound.h"

#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_error.h"
#include "api_items.h"
#include "app.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "ident.h"
#include "inparse.h"
#include "query_in.h"

static const char list_sql[] =
        "SELECT cv_inbound_list($1, $2, cv_inbound_since($3), $4,"
        " $5::bigint, $6::int)::text";
static const char get_sql[] = "SELECT cv_inbound_get($1::bigint)::text";
static const char raw_sql[] =
        "SELECT id, size, raw FROM cv_inbound_raw($1::bigint)";

/* ---- checks of the query values ---- */

/* N digits at *P (advanced), as a number; -1 when not N digits. */
static long digits(const char **p, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* "P2W", "P1D", "PT2H", "P1DT30M": at least one part, each 1-5 digits,
 * in the order W, D, then after T: H, M. */
static int duration_valid(const char *s)
{
	static const char units[] = "WDHM";
	int parts = 0, after_t = 0;
	size_t next = 0; /* index in units of the next allowed unit */

	if (*s++ != 'P')
		return 0;
	while (*s) {
		size_t n = 0;
		const char *u;

		if (*s == 'T') {
			if (after_t || !s[1])
				return 0;
			after_t = 1;
			next = next < 2 ? 2 : next;
			s++;
			continue;
		}
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		if (n == 0 || n > 5 || !s[n] || !(u = strchr(units, s[n])) ||
		    (size_t)(u - units) < next)
			return 0;
		if ((u - units >= 2) != after_t)
			return 0; /* H, M only after T; W, D only before */
		next = (size_t)(u - units) + 1;
		parts++;
		s += n + 1;
	}
	return parts > 0;
}

/* "YYYY-MM-DDTHH:MM[:SS[.f+]](Z|+HH:MM|-HH:MM)", a date that exists. */
static int instant_valid(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	long y, mo, d, h, mi, sec = 0;

	if ((y = digits(&s, 4)) < 1 || *s++ != '-' ||
	    (mo = digits(&s, 2)) < 1 || mo > 12 || *s++ != '-' ||
	    (d = digits(&s, 2)) < 1 || (*s++ | 0x20) != 't' ||
	    (h = digits(&s, 2)) < 0 || h > 23 || *s++ != ':' ||
	    (mi = digits(&s, 2)) < 0 || mi > 59)
		return 0;
	if (d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return 0;
	if (*s == ':') {
		s++;
		if ((sec = digits(&s, 2)) < 0 || sec > 59)
			return 0;
		if (*s == '.') {
			int n = 0;

			for (s++; *s >= '0' && *s <= '9'; s++)
				n++;
			if (n == 0 || n > 6)
				return 0;
		}
	}
	if (*s == 'Z' || *s == 'z')
		return s[1] == '\0';
	if (*s == '+' || *s == '-') {
		s++;
		if ((h = digits(&s, 2)) < 0 || h > 15 || *s++ != ':' ||
		    (mi = digits(&s, 2)) < 0 || mi > 59)
			return 0;
		return *s == '\0';
	}
	return 0;
}

int api_inbound_since_valid(const char *s)
{
	if (!s || strlen(s) > 40)
		return 0;
	return s[0] == 'P' ? duration_valid(s) : instant_valid(s);
}

/* A decision as cv_inbound_decide writes them: 1-40 of a-z and _. */
static int decision_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 40)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* An envelope recipient: local@domain, printable ASCII or UTF-8 without
 * spaces or angle brackets, at most 320 bytes. */
static int rcpt_valid(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n < 3 || n > 320 || !at || at == s || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

static int class_valid(const char *s, char *list, size_t len)
{
	int ok = 0;
	size_t used = 0;

	list[0] = '\0';
	for (int c = INPARSE_MALFORMED; c <= INPARSE_DSN_SUCCESS; c++) {
		const char *name = inparse_class_name((enum inparse_class)c);
		int w = snprintf(list + used, len - used, "%s%s",
		                 used ? ", " : "", name);

		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
		ok |= strcmp(s, name) == 0;
	}
	return ok;
}

/* ---- GET /api/inbound ---- */

static void list(struct http_req *r)
{
	static const char *const allowed[] = {
	        "class", "decision", "since", "rcpt", "before", "limit", NULL};
	const char *class = evhttp_find_header(&r->query, "class");
	const char *decision = evhttp_find_header(&r->query, "decision");
	const char *since = evhttp_find_header(&r->query, "since");
	const char *rcpt = evhttp_find_header(&r->query, "rcpt");
	const char *before, *limit;
	char classes[200];

	if (query_in_check(r, allowed) < 0)
		return;
	if (class && !class_valid(class, classes, sizeof(classes))) {
		http_reply_error(r, 422, "invalid_value", "class",
		                 "query parameter class: one of %s", classes);
		return;
	}
	if (decision && !decision_valid(decision)) {
		http_reply_error(r, 422, "invalid_value", "decision",
		                 "query parameter decision: a decision such as "
		                 "recorded, cancelled or bounce_hard (a-z and "
		                 "_, at most 40)");
		return;
	}
	if (since && !api_inbound_since_valid(since)) {
		http_reply_error(r, 422, "invalid_value", "since",
		                 "query parameter since: an instant with its "
		                 "offset (2026-12-03T09:00:00Z) or a duration "
		                 "back from now (P1D, PT2H)");
		return;
	}
	if (rcpt && !rcpt_valid(rcpt)) {
		http_reply_error(r, 422, "invalid_value", "rcpt",
		                 "query parameter rcpt: an address "
		                 "(local@domain)");
		return;
	}
	if (query_in_page(r, &before, &limit) < 0)
		return;
	const char *params[6] = {class, decision, since, rcpt, before, limit};
	api_items_query(r, 200, NULL, list_sql, 6, params);
}

/* ---- GET /api/inbound/{id} ---- */

static void show(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "inbound message", id, sizeof(id)) < 0)
		return;
	const char *params[1] = {id};
	api_items_query(r, 200, "no such inbound message", get_sql, 1, params);
}

/* ---- GET /api/inbound/{id}/raw ---- */

static void raw_done(void *arg, PGresult *res, const char *err)
{
	static const char *const cols[] = {"id", "size", "raw", NULL};
	struct http_req *r = arg;
	char why[120], disp[80];
	unsigned char *bytes;
	size_t len = 0;

	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	if (db_row_need(res, cols, why, sizeof(why)) < 0) {
		http_reply_error(r, 500, "internal", NULL, "bad raw: %s", why);
		return;
	}
	if (PQntuples(res) != 1) {
		http_reply_error(r, 404, "not_found", NULL,
		                 "no inbound message %s", r->params[0]);
		return;
	}
	if (!db_row_get(res, 0, "raw")) {
		http_reply_error(r, 404, "not_found", NULL,
		                 "inbound message %s: its %s bytes were not "
		                 "kept (over [inbound] keep_raw_max)",
		                 r->params[0], db_row_str(res, 0, "size"));
		return;
	}
	bytes = PQunescapeBytea(
	        (const unsigned char *)db_row_get(res, 0, "raw"), &len);
	if (!bytes) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"inbound-%s.eml\"",
	         db_row_str(res, 0, "id"));
	http_add_header(r, "Cache-Control", "no-store");
	http_add_header(r, "Content-Disposition", disp);
	http_reply_raw(r, 200, "message/rfc822", bytes, len);
	PQfreemem(bytes);
}

static void raw(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "inbound message", id, sizeof(id)) < 0)
		return;
	const char *params[1] = {id};
	if (!r->app->db ||
	    db_query(r->app->db, raw_sql, 1, params, raw_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/inbound",
         .handler = list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/inbound/{id}",
         .handler = show,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/inbound/{id}/raw",
         .handler = raw,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.pattern = NULL},
};

int api_inbound_init(void)
{
	return http_add_routes(routes);
}
