/* api_items.c - admin API for projects and organisations, and the shared
 * plumbing of the admin modules: validate, call one SQL function, map its
 * errors to HTTP. */
#include "api_items.h"

#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "ident.h"
#include "query_in.h"
#include "tmpl.h"

struct call {
	struct http_req *r;
	int status;
	const char *notfound;
};

static void query_done(void *arg, PGresult *res, const char *err)
{
	struct call *c = arg;
	struct http_req *r = c->r;
	int status = c->status;
	const char *notfound = c->notfound;

	free(c);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	if (db_row_only(res, 0) == NULL) {
		http_reply_error(r, 404, "not_found", NULL, "%s",
		                 notfound ? notfound : "not found");
		return;
	}
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, status, "application/json", db_row_only(res, 0),
	               strlen(db_row_only(res, 0)));
}

void api_items_query(struct http_req *r, int status, const char *notfound,
                     const char *sql, int nparams, const char *const *params)
{
	struct call *c = malloc(sizeof(*c));

	if (c == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	c->r = r;
	c->status = status;
	c->notfound = notfound;
	if (r->app->db == NULL ||
	    db_query(r->app->db, sql, nparams, params, query_done, c) < 0) {
		free(c);
		http_reply_error(r, 503, "database_unavailable", NULL,
		                 "no database pool");
	}
}

json_t *api_items_body(struct http_req *r, const struct json_in_field *fields,
                       int partial)
{
	struct json_in_error e;
	json_t *j = http_body_json(r);

	if (j == NULL)
		return NULL;
	if (json_in_check(j, fields, partial, &e) < 0) {
		http_reply_error(r, e.status, e.code, e.field, "%s", e.message);
		json_decref(j);
		return NULL;
	}
	return j;
}

int api_items_id(struct http_req *r, size_t i, const char *what, char *buf,
                 size_t len)
{
	const char *s = i < r->nparams ? r->params[i] : "";
	size_t n = strlen(s);

	if (!ident_id_valid(s) || n >= len) {
		http_reply_error(r, 404, "not_found", NULL, "no %s %s", what,
		                 s);
		return -1;
	}
	memcpy(buf, s, n + 1);
	return 0;
}

json_t *api_items_json_cell(const PGresult *res, int row, int col)
{
	const char *v = db_row_at(res, row, col);

	return v ? json_loads(v, 0, NULL) : NULL;
}

const char *api_items_host(const struct app *app)
{
	static char host[256];
	struct evhttp_uri *u = NULL;
	const char *h = NULL;

	if (app->cfg && app->cfg->base_url)
		u = evhttp_uri_parse(app->cfg->base_url);
	if (u)
		h = evhttp_uri_get_host(u);
	if (h == NULL || *h == '\0' || strlen(h) >= sizeof(host))
		h = "localhost";
	memmove(host, h, strlen(h) + 1);
	if (u)
		evhttp_uri_free(u);
	return host;
}

void api_items_write(struct http_req *r, const struct json_in_field *fields,
                     int partial, int status, const char *notfound,
                     const char *sql, int nextra, const char *const *extra)
{
	const char *params[8];
	json_t *j;
	char *s;

	if (nextra < 0 || nextra > 7) {
		http_reply_error(r, 500, "internal", NULL, "bad call");
		return;
	}
	j = api_items_body(r, fields, partial);
	if (j == NULL)
		return;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	params[0] = s;
	for (int i = 0; i < nextra; i++)
		params[i + 1] = extra[i];
	api_items_query(r, status, notfound, sql, nextra + 1, params);
	free(s);
}

void api_items_dated_list(struct http_req *r, const char *sql)
{
	static const char *const allowed[] = {"project", "state", "from", "to",
	                                      "before",  "limit", NULL};
	static const char *const states[] = {"draft", "published", "cancelled",
	                                     NULL};
	const char *p[6];
	int ok = 0;

	if (query_in_check(r, allowed) < 0)
		return;
	p[0] = evhttp_find_header(&r->query, "project");
	if (p[0] && ident_slug_check(p[0]) != NULL) {
		http_reply_error(r, 422, "invalid_value", "project",
		                 "query parameter project: %s",
		                 ident_slug_check(p[0]));
		return;
	}
	p[1] = evhttp_find_header(&r->query, "state");
	for (int i = 0; p[1] && states[i]; i++)
		ok |= strcmp(states[i], p[1]) == 0;
	if (p[1] && !ok) {
		http_reply_error(r, 422, "invalid_value", "state",
		                 "query parameter state: one of draft, "
		                 "published, cancelled");
		return;
	}
	p[2] = evhttp_find_header(&r->query, "from");
	p[3] = evhttp_find_header(&r->query, "to");
	for (int i = 2; i < 4; i++)
		if (p[i] && json_in_date(p[i]) != NULL) {
			http_reply_error(
			        r, 422, "invalid_value", i == 2 ? "from" : "to",
			        "query parameter %s: %s",
			        i == 2 ? "from" : "to", json_in_date(p[i]));
			return;
		}
	if (query_in_page(r, &p[4], &p[5]) < 0)
		return;
	api_items_query(r, 200, NULL, sql, 6, p);
}

/* ------------------------------------------------------------ projects */

static const struct json_in_field project_fields[] = {
        {.name = "slug",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 63,
         .check = json_in_slug},
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
        /* the public pages' language when the reader's browser asks for
         * none of ours */
        {.name = "language", .type = JIN_STRING, .choices = tmpl_langs},
        {0},
};

static void project_create(struct http_req *r)
{
	api_items_write(r, project_fields, 0, 201, NULL,
	                "SELECT cv_project_create($1::jsonb)", 0, NULL);
}

static void project_list(struct http_req *r)
{
	api_items_query(r, 200, NULL,
	                "SELECT coalesce(json_agg(cv_project_json(p) ORDER BY "
	                "p.slug), '[]') FROM projects p",
	                0, NULL);
}

static void project_get(struct http_req *r)
{
	api_items_query(r, 200, "no such project", "SELECT cv_project_get($1)",
	                1, (const char *const[]){r->params[0]});
}

/* ------------------------------------------------------- organisations */

static const struct json_in_field org_fields[] = {
        {.name = "name",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "country",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .check = json_in_country},
        {.name = "city", .type = JIN_STRING, .max_len = 200},
        {0},
};

static void org_create(struct http_req *r)
{
	api_items_write(r, org_fields, 0, 201, NULL,
	                "SELECT cv_organisation_create($1::jsonb)", 0, NULL);
}

/* GET /api/organisations?country=&q=&project=&before=&limit=: to find
 * duplicates, a page at a time. */
static void org_list(struct http_req *r)
{
	static const char *const allowed[] = {"country", "q",     "project",
	                                      "before",  "limit", NULL};
	const char *p[5];

	if (query_in_check(r, allowed) < 0)
		return;
	p[0] = evhttp_find_header(&r->query, "country");
	p[1] = evhttp_find_header(&r->query, "q");
	p[2] = evhttp_find_header(&r->query, "project");
	if (p[1] && (*p[1] == '\0' || strlen(p[1]) > 200)) {
		http_reply_error(r, 422, "invalid_value", "q",
		                 "query parameter q: 1 to 200 characters of "
		                 "the name");
		return;
	}
	if (p[2] && ident_slug_check(p[2]) != NULL) {
		http_reply_error(r, 422, "invalid_value", "project",
		                 "query parameter project: %s",
		                 ident_slug_check(p[2]));
		return;
	}
	if (query_in_page(r, &p[3], &p[4]) < 0)
		return;
	api_items_query(r, 200, NULL,
	                "SELECT cv_organisation_page($1, $2, $3, $4::bigint, "
	                "$5::integer)",
	                5, p);
}

static const struct json_in_field merge_fields[] = {
        {.name = "into",
         .type = JIN_INT,
         .flags = JIN_REQUIRED,
         .min = 1,
         .max = INT64_MAX},
        {0},
};

/* POST /api/organisations/{id}/merge {"into": ID}: the rules are in
 * sql/functions/organisations.sql. */
static void org_merge(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "organisation", id, sizeof(id)) < 0)
		return;
	api_items_write(r, merge_fields, 0, 200, NULL,
	                "SELECT cv_organisation_merge($2::bigint,"
	                " ($1::jsonb->>'into')::bigint)",
	                1, (const char *const[]){id});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/projects",
         .handler = project_create,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/projects",
         .handler = project_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_STAFF},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/projects/{slug}",
         .handler = project_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/organisations",
         .handler = org_create,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_STAFF},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/organisations",
         .handler = org_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_STAFF},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/organisations/{id}/merge",
         .handler = org_merge,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.pattern = NULL},
};

int api_items_init(void)
{
	if (http_add_routes(routes) < 0 || api_events_init() < 0 ||
	    api_deadlines_init() < 0 || api_reminders_init() < 0)
		return -1;
	return 0;
}
