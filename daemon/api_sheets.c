/* api_sheets.c - the funder's paper.  GET /api/events/{id}/sheets.pdf
 * [?day=YYYY-MM-DD][&lang=xx][&group=KEY][&columns=KEY,KEY]: the signature
 * sheets of an event as PDF (by town, or one per group of a choice
 * question; answers to questions as columns);
 * POST /api/events/{id}/certificates: queue the certificates of attendance
 * (mailed through the outbox, the PDF rendered at send time).  The data is read
 * on the loop with one SQL function (cv_signature_sheets); the PDF is rendered
 * on the render thread, so other requests are served meanwhile. */
#include "api_sheets.h"

#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api_error.h"
#include "api_items.h"
#include "app.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "json_in.h"
#include "log.h"
#include "offload.h"
#include "paper.h"
#include "paper_text.h"
#include "query_in.h"

struct job {
	struct http_req *r;
	json_t *doc;
	const struct paper_text *t;
	char id[24];
	char *pdf;
	size_t len;
	double ms, cpu_ms; /* the render's wall-clock and CPU time */
	char err[200];
};

static void job_free(struct job *j)
{
	json_decref(j->doc);
	free(j->pdf);
	free(j);
}

/* On the render thread. */
static void render(void *arg)
{
	struct job *j = arg;
	struct timespec a, b, ca, cb;

	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
	if (paper_sheets(j->doc, j->t, &j->pdf, &j->len, j->err,
	                 sizeof(j->err)) < 0)
		j->pdf = NULL;
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
	j->ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	        (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	j->cpu_ms = (double)(cb.tv_sec - ca.tv_sec) * 1e3 +
	            (double)(cb.tv_nsec - ca.tv_nsec) / 1e6;
}

/* Back on the loop. */
static void rendered(void *arg, int stopping)
{
	struct job *j = arg;
	char disp[80];

	if (stopping) {
		job_free(j);
		return;
	}
	if (j->pdf == NULL) {
		log_warnx("sheets of event %s: %s", j->id, j->err);
		http_reply_error(j->r, 500, "internal", NULL,
		                 "cannot render the sheets");
		job_free(j);
		return;
	}
	log_info("sheets of event %s: %zu bytes rendered in %.0f ms (%.0f ms "
	         "of CPU)",
	         j->id, j->len, j->ms, j->cpu_ms);
	snprintf(disp, sizeof(disp), "attachment; filename=\"sheets-%s.pdf\"",
	         j->id);
	http_add_header(j->r, "Content-Disposition", disp);
	http_add_header(j->r, "Cache-Control", "no-store");
	http_reply_raw(j->r, 200, "application/pdf", j->pdf, j->len);
	job_free(j);
}

static void read_done(void *arg, PGresult *res, const char *err)
{
	struct job *j = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(j->r, res, err);
		job_free(j);
		return;
	}
	if (db_row_only(res, 0) == NULL) {
		http_reply_error(j->r, 404, "not_found", "event",
		                 "no such event");
		job_free(j);
		return;
	}
	j->doc = api_items_json_cell(res, 0, 0);
	if (j->doc == NULL) {
		http_reply_error(j->r, 500, "internal", NULL, "bad sheets");
		job_free(j);
		return;
	}
	if (offload_submit(render, rendered, j) < 0) {
		http_reply_error(j->r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
		job_free(j);
	}
}

static void sheets(struct http_req *r)
{
	static const char *const allowed[] = {"day", "lang", "group", "columns",
	                                      NULL};
	const char *day, *lang, *group, *columns;
	struct job *j;

	if (query_in_check(r, allowed) < 0)
		return;
	day = evhttp_find_header(&r->query, "day");
	lang = evhttp_find_header(&r->query, "lang");
	/* question keys: the database says which the event asks */
	group = evhttp_find_header(&r->query, "group");
	columns = evhttp_find_header(&r->query, "columns");
	if (day && json_in_date(day) != NULL) {
		http_reply_error(r, 422, "invalid_value", "day",
		                 "query parameter day: a date, YYYY-MM-DD");
		return;
	}
	if (lang && paper_text_get(lang) == NULL) {
		http_reply_error(r, 422, "invalid_value", "lang",
		                 "query parameter lang: en, sv, it, pl, es or "
		                 "fi");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	j->r = r;
	j->t = paper_text_get(lang ? lang : "en");
	if (api_items_id(r, 0, "event", j->id, sizeof(j->id)) < 0) {
		free(j);
		return;
	}
	/* columns absent: the questions flagged for the funder; "" none */
	if (db_query(r->app->db,
	             "SELECT cv_signature_sheets($1::bigint, $2::date, $3,"
	             " array_remove(string_to_array($4, ','), ''), $5)::text",
	             5,
	             (const char *const[]){j->id, day, group, columns,
	                                   j->t->lang},
	             read_done, j) < 0) {
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
		free(j);
	}
}

/* ---- POST /api/events/{id}/certificates ---- */

/* Queue a certificate of attendance for every attendee who has none yet
 * (sql/functions/sheets.sql): {"queued": n, "already": m}. */
static void certificates(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such event",
	                "SELECT cv_certificates_queue($1::bigint)", 1,
	                (const char *const[]){id});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events/{id}/sheets.pdf",
         .handler = sheets,
         .flags = HTTP_ADMIN,
         /* the lists people sign at the door: door staff print them */
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/certificates",
         .handler = certificates,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.pattern = NULL},
};

int api_sheets_init(void)
{
	return http_add_routes(routes);
}
