/* api_report.c - GET /api/reports/attendance?project=slug: confirmed
 * participants per event and per project, organisations, countries and
 * the list, and who came (from attendance), as JSON or CSV (?format=csv;
 * &view=participants for the list); &group=KEY splits each event by the
 * groups of a choice question (&view=groups: those rows as CSV).
 */
#include "api_report.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <string.h>

#include "api_error.h"
#include "api_items.h"
#include "app.h"
#include "csv.h"
#include "db.h"
#include "http.h"
#include "ident.h"
#include "query_in.h"

/* The whole report as one JSON document (sql/functions/reports.sql), no
 * row when the project does not exist. */
static const char report_sql[] = "SELECT cv_attendance_report($1, $2)::text";

static const char *const summary_cols[] = {
        "scope",
        "event_id",
        "title",
        "kind",
        "status",
        "start",
        "tz",
        "start_utc",
        "city",
        "country",
        "confirmed",
        "organisations",
        "countries",
        "registered",
        "attended",
        "no_show",
        "walk_ins",
        "attended_organisations",
        "attended_countries",
        NULL,
};

/* The attendance columns (after "countries") and their keys in an event's
 * "attendance" (cv_evidence_event). */
static const char *const attendance_keys[] = {
        "registered",    "attended",  "no_show", "walk_ins",
        "organisations", "countries", NULL,
};

static const char *const list_cols[] = {
        "event_id", "event_title",  "start",   "tz",   "name",
        "email",    "organisation", "country", "role", NULL,
};

static const char *const group_cols[] = {
        "event_id",  "event_title", "group",         "label",     "capacity",
        "confirmed", "attended",    "organisations", "countries", NULL,
};

static void header(struct evbuffer *b, const char *const *cols)
{
	for (int c = 0; cols[c]; c++)
		csv_cell(b, cols[c], c > 0);
	evbuffer_add(b, "\r\n", 2);
}

static void csv_summary(struct evbuffer *b, json_t *doc)
{
	json_t *p = json_object_get(doc, "project"), *ev, *st, *att;
	size_t i;

	header(b, summary_cols);
	json_array_foreach(json_object_get(doc, "events"), i, ev)
	{
		st = json_object_get(ev, "start");
		csv_cell(b, "event", 0);
		csv_json(b, json_object_get(ev, "id"), 1);
		csv_json(b, json_object_get(ev, "title"), 1);
		csv_json(b, json_object_get(ev, "kind"), 1);
		csv_json(b, json_object_get(ev, "status"), 1);
		csv_json(b, json_object_get(st, "local"), 1);
		csv_json(b, json_object_get(st, "tz"), 1);
		csv_json(b, json_object_get(st, "utc"), 1);
		csv_json(b, json_object_get(ev, "city"), 1);
		csv_json(b, json_object_get(ev, "country"), 1);
		csv_json(b, json_object_get(ev, "confirmed"), 1);
		csv_json(b, json_object_get(ev, "organisations"), 1);
		csv_json(b, json_object_get(ev, "countries"), 1);
		for (int k = 0; attendance_keys[k]; k++)
			csv_json(b,
			         json_object_get(
			                 json_object_get(ev, "attendance"),
			                 attendance_keys[k]),
			         1);
		evbuffer_add(b, "\r\n", 2);
	}
	/* the project line counts distinct people across its events */
	csv_cell(b, "project", 0);
	csv_cell(b, NULL, 1);
	csv_json(b, json_object_get(p, "title"), 1);
	for (int c = 0; c < 7; c++)
		csv_cell(b, NULL, 1);
	csv_json(b, json_object_get(p, "participants"), 1);
	csv_json(b, json_object_get(p, "organisations"), 1);
	csv_json(b, json_object_get(p, "countries"), 1);
	/* who came: distinct people, organisations and countries */
	att = json_object_get(doc, "attendance");
	csv_cell(b, NULL, 1);
	csv_json(b, json_object_get(att, "participants"), 1);
	csv_cell(b, NULL, 1);
	csv_cell(b, NULL, 1);
	csv_json(b, json_object_get(att, "organisations"), 1);
	csv_json(b, json_object_get(att, "countries"), 1);
	evbuffer_add(b, "\r\n", 2);
}

static void csv_list(struct evbuffer *b, json_t *doc)
{
	json_t *ev, *pa;
	size_t i, j;

	header(b, list_cols);
	json_array_foreach(json_object_get(doc, "events"), i, ev)
	{
		json_t *st = json_object_get(ev, "start");

		json_array_foreach(json_object_get(ev, "participants"), j, pa)
		{
			csv_json(b, json_object_get(ev, "id"), 0);
			csv_json(b, json_object_get(ev, "title"), 1);
			csv_json(b, json_object_get(st, "local"), 1);
			csv_json(b, json_object_get(st, "tz"), 1);
			for (int c = 4; list_cols[c]; c++)
				csv_json(b, json_object_get(pa, list_cols[c]),
				         1);
			evbuffer_add(b, "\r\n", 2);
		}
	}
}

/* One row per event and group (cv_report_groups); "group" is the option's
 * value, empty for those who chose none. */
static void csv_groups(struct evbuffer *b, json_t *doc)
{
	json_t *ev, *g;
	size_t i, j;

	header(b, group_cols);
	json_array_foreach(json_object_get(doc, "events"), i, ev)
	{
		json_array_foreach(json_object_get(ev, "groups"), j, g)
		{
			csv_json(b, json_object_get(ev, "id"), 0);
			csv_json(b, json_object_get(ev, "title"), 1);
			csv_json(b, json_object_get(g, "value"), 1);
			for (int c = 3; group_cols[c]; c++)
				csv_json(b, json_object_get(g, group_cols[c]),
				         1);
			evbuffer_add(b, "\r\n", 2);
		}
	}
}

static void report_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const char *view = evhttp_find_header(&r->query, "view");
	json_t *doc;
	char name[120];

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	if (PQntuples(res) == 0) {
		http_reply_error(r, 404, "not_found", "project",
		                 "no project %.80s",
		                 evhttp_find_header(&r->query, "project"));
		return;
	}
	doc = api_items_json_cell(res, 0, 0);
	if (doc == NULL) {
		http_reply_error(r, 500, "internal", NULL, "bad report");
		return;
	}
	if (query_in_wants_csv(r)) {
		struct evbuffer *b = evbuffer_new();
		int list = view && strcmp(view, "participants") == 0;
		int groups = view && strcmp(view, "groups") == 0;

		(list ? csv_list : groups ? csv_groups : csv_summary)(b, doc);
		snprintf(name, sizeof(name), "attendance-%s%s.csv",
		         evhttp_find_header(&r->query, "project"),
		         list     ? "-participants"
		         : groups ? "-groups"
		                  : "");
		json_decref(doc);
		csv_reply(r, b, name);
		return;
	}
	http_reply_json(r, 200, doc);
}

static void attendance(struct http_req *r)
{
	static const char *const allowed[] = {"project", "format", "view",
	                                      "group", NULL};
	const char *slug, *view, *group, *why;

	if (query_in_check(r, allowed) < 0)
		return;
	slug = evhttp_find_header(&r->query, "project");
	if (slug == NULL) {
		http_reply_error(r, 400, "missing_field", "project",
		                 "query parameter project: required (a "
		                 "project's slug)");
		return;
	}
	if ((why = ident_slug_check(slug)) != NULL) {
		http_reply_error(r, 422, "invalid_value", "project",
		                 "query parameter project: %s", why);
		return;
	}
	view = evhttp_find_header(&r->query, "view");
	/* a question key: the database says whether it is a choice question */
	group = evhttp_find_header(&r->query, "group");
	if (view && strcmp(view, "participants") != 0 &&
	    strcmp(view, "summary") != 0 &&
	    (strcmp(view, "groups") != 0 || group == NULL)) {
		http_reply_error(r, 422, "invalid_value", "view",
		                 "query parameter view: summary, participants "
		                 "or (with group) groups");
		return;
	}
	if (db_query(r->app->db, report_sql, 2,
	             (const char *const[]){slug, group}, report_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/reports/attendance",
         .handler = attendance,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project",
         .in_query = "project"},
        {.pattern = NULL},
};

int api_report_init(void)
{
	return http_add_routes(routes);
}
