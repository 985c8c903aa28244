/* outbox_paper.c - outbox mail with a document rendered at send time: the
 * certificate of attendance (kind attendance_certificate) as a PDF in the
 * recipient's language.  The claimed row is copied, the certificate's data
 * read with one query, the PDF rendered on the render thread, and the
 * message built back on the loop (the same Message-ID for every attempt:
 * it comes from the row). */
#include "outbox_paper.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "offload.h"
#include "paper.h"
#include "paper_text.h"

struct job {
	struct app *app;
	PGresult *copy; /* the claimed row's result, owned */
	int row;
	outbox_paper_cb cb;
	void *arg;
	json_t *doc;
	const struct paper_text *t;
	char *pdf;
	size_t len;
	char err[200];
};

int outbox_paper_kind(const char *kind)
{
	return kind && strcmp(kind, "attendance_certificate") == 0;
}

static void job_free(struct job *j)
{
	PQclear(j->copy);
	json_decref(j->doc);
	free(j->pdf);
	free(j);
}

static void fail(struct job *j, enum cv_result r, const char *why)
{
	j->cb(j->arg, NULL, r, why);
	job_free(j);
}

/* On the render thread. */
static void render(void *arg)
{
	struct job *j = arg;

	if (paper_certificate(j->doc, j->t, &j->pdf, &j->len, j->err,
	                      sizeof(j->err)) < 0)
		j->pdf = NULL;
}

/* Back on the loop: build the message with the PDF attached. */
static void rendered(void *arg, int stopping)
{
	struct job *j = arg;
	struct outbox_msg om;
	const char *why = NULL;
	struct mail_attachment a = {.filename = "certificate.pdf",
	                            .ctype = "application/pdf"};

	if (stopping) {
		fail(j, CV_RETRY, "convened is stopping");
		return;
	}
	if (j->pdf == NULL) {
		fail(j, CV_RETRY, j->err);
		return;
	}
	a.data = j->pdf;
	a.len = j->len;
	if (outbox_render_with(j->copy, j->row, j->app->cfg, &a, 1, &om, &why) <
	    0) {
		fail(j, CV_FAIL, why);
		return;
	}
	j->cb(j->arg, &om, CV_OK, NULL);
	outbox_msg_free(&om);
	job_free(j);
}

static void read_done(void *arg, PGresult *res, const char *err)
{
	struct job *j = arg;
	const char *lang;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		fail(j, CV_RETRY, res ? PQresultErrorMessage(res) : err);
		return;
	}
	if (db_row_only(res, 0) == NULL) {
		fail(j, CV_FAIL,
		     "no day of the event is marked attended: nothing "
		     "to certify");
		return;
	}
	j->doc = json_loads(db_row_only(res, 0), 0, NULL);
	if (j->doc == NULL) {
		fail(j, CV_FAIL, "bad certificate data");
		return;
	}
	lang = json_string_value(json_object_get(j->doc, "language"));
	j->t = paper_text_get(lang) ? paper_text_get(lang) : paper_texts[0];
	if (offload_submit(render, rendered, j) < 0)
		fail(j, CV_RETRY, "the render thread is not running");
}

int outbox_paper_render(struct app *app, const PGresult *res, int row,
                        outbox_paper_cb cb, void *arg)
{
	struct job *j = calloc(1, sizeof(*j));
	const char *id = db_row_get(res, row, "id");

	if (j == NULL || id == NULL)
		return free(j), -1;
	j->app = app;
	j->row = row;
	j->cb = cb;
	j->arg = arg;
	j->copy = PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
	if (j->copy == NULL) {
		free(j);
		return -1;
	}
	if (db_query(app->db, "SELECT cv_certificate($1::bigint)::text", 1, &id,
	             read_done, j) < 0) {
		job_free(j);
		return -1;
	}
	return 0;
}
