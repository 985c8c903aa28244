/* privacy.c - retention of personal data on a timer (one daemon at a time:
 * the SQL takes an advisory lock) and the admin API: POST
 * /api/privacy/retention, POST /api/people/export, POST /api/people/erase.
 * Nothing here logs an address, a name or a token. */
#include "privacy.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_items.h"
#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "json_in.h"
#include "log.h"

static const char retention_sql[] =
        "SELECT cv_privacy_retention_run($1::interval, $2)::text";

/* ------------------------------------------------------------ the timer */

static struct event *ev_timer;
static int running; /* a timer run is in flight */

static void arm(int seconds)
{
	struct timeval tv = {.tv_sec = seconds};

	if (ev_timer)
		event_add(ev_timer, &tv);
}

static void run_done(void *arg, PGresult *res, const char *err)
{
	struct app *a = arg;
	json_t *doc = NULL, *projects;
	const char *txt;

	running = 0;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warnx(
		        "retention: run failed: %s",
		        err ? err
		            : (res ? PQresultErrorMessage(res) : "no result"));
	} else if ((txt = db_row_only(res, 0)) != NULL &&
	           (doc = json_loads(txt, 0, NULL)) != NULL &&
	           (projects = json_object_get(doc, "projects")) != NULL &&
	           json_array_size(projects) > 0) {
		size_t i;
		json_t *p;

		json_array_foreach(projects, i, p)
		{
			log_info("retention: project %s (ended %s): %lld "
			         "people anonymised, %lld deleted, %lld outbox "
			         "rows and %lld received messages removed",
			         json_string_value(
			                 json_object_get(p, "project")),
			         json_string_value(json_object_get(p, "ended")),
			         (long long)json_integer_value(json_object_get(
			                 p, "people_anonymised")),
			         (long long)json_integer_value(
			                 json_object_get(p, "people_deleted")),
			         (long long)json_integer_value(
			                 json_object_get(p, "outbox_removed")),
			         (long long)json_integer_value(json_object_get(
			                 p, "inbound_removed")));
		}
	}
	json_decref(doc);
	if (!a->draining)
		arm(a->cfg->privacy_check_s);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct app *a = arg;
	const char *params[2] = {a->cfg->privacy_retention, NULL};

	if (running || a->draining)
		return;
	if (a->db == NULL ||
	    db_query(a->db, retention_sql, 2, params, run_done, a) < 0) {
		arm(a->cfg->privacy_check_s);
		return;
	}
	running = 1;
}

static int drained(void)
{
	return !running;
}

int privacy_start(struct app *app, char *err, size_t errlen)
{
	if (app->cfg->privacy_retention == NULL)
		return 0;
	ev_timer = evtimer_new(app->base, on_timer, app);
	if (ev_timer == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	app_on_drain(drained);
	arm(1);
	log_info("retention: personal data anonymised %s after a project's "
	         "last event, checked every %d s",
	         app->cfg->privacy_retention, app->cfg->privacy_check_s);
	return 0;
}

void privacy_stop(void)
{
	if (ev_timer)
		event_free(ev_timer);
	ev_timer = NULL;
}

/* ------------------------------------------------------------- the API */

static const char *duration_check(const char *s)
{
	return config_parse_duration(s, NULL, NULL) == 0
	               ? NULL
	               : "is not an ISO 8601 duration like P365D";
}

static const struct json_in_field retention_fields[] = {
        {.name = "project",
         .type = JIN_STRING,
         .flags = JIN_NULLABLE,
         .max_len = 63,
         .check = json_in_slug},
        {.name = "after",
         .type = JIN_STRING,
         .flags = JIN_NULLABLE,
         .max_len = 40,
         .check = duration_check},
        {.name = NULL},
};

static const struct json_in_field person_fields[] = {
        {.name = "email",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 254,
         .check = json_in_email},
        {.name = NULL},
};

static void retention_run(struct http_req *r)
{
	json_t *j = r->body_len ? api_items_body(r, retention_fields, 0)
	                        : json_object();
	const char *params[2];

	if (j == NULL)
		return;
	params[0] = json_string_value(json_object_get(j, "after"));
	if (params[0] == NULL)
		params[0] = r->app->cfg->privacy_retention;
	params[1] = json_string_value(json_object_get(j, "project"));
	if (params[0] == NULL) {
		http_reply_error(r, 409, "conflict", "after",
		                 "field after: no retention is configured "
		                 "([privacy] retention); give one");
	} else {
		api_items_query(r, 200, NULL, retention_sql, 2, params);
	}
	json_decref(j);
}

static void person_call(struct http_req *r, const char *sql)
{
	json_t *j = api_items_body(r, person_fields, 0);
	const char *params[1];

	if (j == NULL)
		return;
	params[0] = json_string_value(json_object_get(j, "email"));
	api_items_query(r, 200, NULL, sql, 1, params);
	json_decref(j);
}

static void person_export(struct http_req *r)
{
	person_call(r, "SELECT cv_privacy_export($1)::text");
}

static void person_erase(struct http_req *r)
{
	person_call(r, "SELECT cv_privacy_erase($1)::text");
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/privacy/retention",
         .handler = retention_run,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/people/export",
         .handler = person_export,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/people/erase",
         .handler = person_erase,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.pattern = NULL},
};

int privacy_routes_init(void)
{
	return http_add_routes(routes);
}
