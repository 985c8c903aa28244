/* pages_token.c - the token page GET /r/{token}: the registration, its
 * state and the buttons that POST .../confirm, .../cancel and .../details
 * (a GET never changes anything: mail scanners follow links). */
#include "pages_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>

#include "api_error.h"
#include "app.h"
#include "checkin.h"
#include "db_row.h"
#include "feeds.h"
#include "json_in.h"
#include "outbox.h"
#include "paper_text.h"
#include "reg.h"
#include "when.h"

static void feed_links(struct evbuffer *b, const struct page_text *t,
                       const char *feed_token)
{
	char url[600], web[620];
	const char *rest;

	snprintf(url, sizeof(url), "%s/calendars/personal/%s.ics",
	         page_base(web, sizeof(web)), feed_token);
	rest = strstr(url, "://");
	snprintf(web, sizeof(web), "webcal://%s", rest ? rest + 3 : url);
	lit(b, "<h3>");
	esc(b, t->calendar);
	lit(b, "</h3>\n<ul>\n<li><a href=\"");
	esc(b, web);
	lit(b, "\">");
	esc(b, t->feed_webcal);
	lit(b, "</a></li>\n<li><a href=\"");
	esc(b, url);
	lit(b, "\">");
	esc(b, t->feed_https);
	lit(b, "</a></li>\n</ul>\n");
}

static void button(struct evbuffer *b, const char *token, const char *action,
                   const char *label)
{
	lit(b, "<form method=\"post\" action=\"");
	lit(b, token); /* checked: hex only */
	lit(b, "/");
	lit(b, action);
	lit(b, "\">\n<button type=\"submit\">");
	esc(b, label);
	lit(b, "</button>\n</form>\n");
}

/* The calendar's answer to the invitation (cv_registration_view's
 * calendar_partstat and calendar_answer_at), when one came back. */
static void calendar_answer(struct evbuffer *b, const struct page_text *t,
                            const PGresult *res)
{
	const char *ps = db_row_get(res, 0, "calendar_partstat");
	const char *at = db_row_get(res, 0, "calendar_answer_at");
	const char *word = NULL;
	char when[256];

	if (!ps || !at)
		return;
	if (strcmp(ps, "accepted") == 0)
		word = t->cal_accepted;
	else if (strcmp(ps, "declined") == 0)
		word = t->cal_declined;
	else if (strcmp(ps, "tentative") == 0)
		word = t->cal_tentative;
	else
		return; /* an answer the page has no word for */
	lit(b, "<p id=\"calendar-answer\" data-partstat=\"");
	esc(b, ps);
	lit(b, "\">");
	esc(b, t->cal_answer);
	lit(b, ": ");
	esc(b, word);
	/* when it came, in words in the event's zone (when.h) */
	when_event(when, sizeof(when), t->lang, db_row_str(res, 0, "tz"),
	           db_row_int(res, 0, "calendar_answer_utc"), 0, 0, NULL);
	lit(b, " (");
	esc(b, when);
	lit(b, ")</p>\n");
}

/* The person's own details, to correct (POST {token}/details), with
 * the refusals of a correction next to their fields. */
static void details_form(struct evbuffer *b, const struct form_ctx *c,
                         const char *token, const PGresult *res)
{
	const struct page_text *t = c->t;
	struct form_ctx *cc = (struct form_ctx *)c;
	const char *name = c->vals ? form_val(cc, "name")
	                           : db_row_str(res, 0, "person_name");
	const char *org = c->vals ? form_val(cc, "organisation")
	                          : db_row_str(res, 0, "org_name");
	const char *country = c->vals ? form_val(cc, "country")
	                              : db_row_str(res, 0, "org_country");

	lit(b, "<h2 id=\"details\">");
	esc(b, t->details);
	lit(b, "</h2>\n");
	if (!c->answers_ok) /* a refused details form, not answers */
		form_errors_summary(b, c);
	lit(b, "<form method=\"post\" action=\"");
	lit(b, token); /* checked: hex only */
	lit(b, "/details\" accept-charset=\"utf-8\" novalidate>\n");
	form_input(b, c, FF_NAME, t->name,
	           "required maxlength=\"200\" autocomplete=\"name\"", name,
	           NULL);
	form_input(b, c, FF_ORG, t->org,
	           "required maxlength=\"200\" autocomplete=\"organization\"",
	           org, NULL);
	form_country(b, c, country);
	lit(b, "<button type=\"submit\" class=\"quiet\">");
	esc(b, t->btn_save);
	lit(b, "</button>\n</form>\n");
}

/* The person's answers (cv_answers_view: the questions, the answers,
 * whether they can still change): a form posting to {token}/answers while
 * registration is open, else the answers read-only with the sentence
 * saying why (role="alert" when a change was just refused). */
static void answers_block(struct evbuffer *b, struct form_ctx *c,
                          const char *token, const PGresult *res, int active)
{
	json_t *view = json_loads(db_row_str(res, 0, "answers_view"), 0, NULL);
	json_t *questions = json_object_get(view, "questions");
	json_t *answers = json_object_get(view, "answers");
	json_t *held = form_answer_texts(answers);
	int open = active && json_is_true(json_object_get(view, "changeable"));
	const char *state = db_row_str(res, 0, "state");
	size_t i;
	json_t *q;

	if (json_array_size(questions) == 0) {
		json_decref(held);
		json_decref(view);
		return;
	}
	lit(b, "<section id=\"answers\" aria-labelledby=\"answers-h\">\n"
	       "<h2 id=\"answers-h\">");
	esc(b, c->w->your_answers);
	lit(b, "</h2>\n");
	if (open) {
		if (c->answers_ok)
			form_errors_summary(b, c);
		lit(b, "<form method=\"post\" action=\"");
		lit(b, token); /* checked: hex only */
		lit(b, "/answers\" accept-charset=\"utf-8\" novalidate>\n");
		form_questions(b, c, questions,
		               c->answers_ok && c->raw ? c->raw : held, held);
		lit(b, "<button type=\"submit\" class=\"quiet\" "
		       "id=\"answers-save\">");
		esc(b, c->w->save_answers);
		lit(b, "</button>\n</form>\n</section>\n");
		json_decref(held);
		json_decref(view);
		return;
	}
	if (c->closed || strcmp(state, "cancelled") != 0) {
		lit(b, c->closed ? "<p class=\"err\" role=\"alert\" "
		                   "id=\"answers-closed\">"
		                 : "<p class=\"warn\" id=\"answers-closed\">");
		esc(b, c->w->answers_closed);
		lit(b, "</p>\n");
	}
	lit(b, "<dl id=\"answers-list\">\n");
	json_array_foreach(questions, i, q)
	{
		const char *key = json_string_value(json_object_get(q, "key"));
		const json_t *label = json_object_get(q, "label");
		const char *l =
		        json_string_value(json_object_get(label, c->t->lang));
		char *shown = form_answer_show(
		        c, q, json_object_get(answers, key ? key : ""));

		lit(b, "<dt>");
		esc(b, l ? l : json_string_value(json_object_get(label, "en")));
		lit(b, "</dt>\n<dd data-key=\"");
		esc(b, key);
		lit(b, "\">");
		esc(b, shown);
		lit(b, "</dd>\n");
		free(shown);
	}
	lit(b, "</dl>\n</section>\n");
	json_decref(held);
	json_decref(view);
}

/* The state of the registration in words, with what happens next. */
static void state_block(struct evbuffer *b, const struct form_ctx *c,
                        const PGresult *res, int ev_cancelled, int over)
{
	const struct page_text *t = c->t;
	const struct page_words *w = c->w;
	const char *state = db_row_str(res, 0, "state");
	const char *next = NULL;

	lit(b, "<p id=\"state\" data-state=\"");
	esc(b, state);
	if (strcmp(state, "waitlisted") == 0) {
		lit(b, "\" data-reason=\"");
		esc(b, db_row_str(res, 0, "waitlist_reason"));
	}
	lit(b, "\"><strong>");
	if (ev_cancelled)
		esc(b, t->ev_cancelled);
	else if (strcmp(state, "cancelled") == 0)
		esc(b, w->reg_cancelled);
	else if (over)
		esc(b, w->over);
	else if (strcmp(state, "pending") == 0) {
		esc(b, t->st_pending);
		next = w->next_pending;
	} else if (strcmp(state, "confirmed") == 0) {
		esc(b, t->st_confirmed);
		next = w->next_confirmed;
	} else if (strcmp(state, "waitlisted") == 0) {
		esc(b, strcmp(db_row_str(res, 0, "waitlist_reason"), "cap") == 0
		               ? w->wl_cap
		               : w->wl_full);
		next = w->next_waitlist;
	}
	lit(b, "</strong></p>\n");
	if (!ev_cancelled && !over && strcmp(state, "waitlisted") == 0) {
		lit(b, "<p id=\"position\" data-position=\"");
		esc(b, db_row_str(res, 0, "waitlist_rank"));
		lit(b, "\">");
		esc(b, w->wl_position);
		lit(b, " <strong>");
		esc(b, db_row_str(res, 0, "waitlist_rank"));
		lit(b, "</strong></p>\n");
	}
	if (next) {
		lit(b, "<p id=\"next\">");
		esc(b, next);
		lit(b, "</p>\n");
	}
}

static const char *const view_cols[] = {
        "state",
        "waitlist_rank",
        "person_name",
        "email",
        "language",
        "feed_token",
        "event_title",
        "event_status",
        "org_name",
        "org_country",
        "calendar_partstat",
        "calendar_answer_at",
        "waitlist_reason",
        "over",
        "event_id",
        "calendar_answer_utc",
        "answers_view",
        NULL,
};

/* The token page (C: the request, and a refused correction to show). */
static void token_view_done(void *arg, PGresult *res, const char *err)
{
	struct form_ctx *c = arg;
	struct http_req *r = c->r;
	const char *state, *token = r->params[0];
	struct evbuffer *b;
	int ev_cancelled, over, active;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, c->t, res, err);
		form_ctx_free(c);
		return;
	}
	if (PQntuples(res) == 0) {
		page_message(r, 404, c->t, c->t->not_found, "err",
		             c->t->bad_link);
		form_ctx_free(c);
		return;
	}
	if (page_need(r, c->t, res, page_event_cols) < 0 ||
	    page_need(r, c->t, res, view_cols) < 0) {
		form_ctx_free(c);
		return;
	}
	if (evhttp_find_header(&r->query, "lang") == NULL &&
	    page_text_get(db_row_get(res, 0, "language"))) {
		c->t = page_text_get(db_row_get(res, 0, "language"));
		c->w = page_words_get(c->t->lang);
	}
	state = db_row_str(res, 0, "state");
	ev_cancelled =
	        strcmp(db_row_str(res, 0, "event_status"), "cancelled") == 0;
	over = db_row_bool(res, 0, "over");
	active = !ev_cancelled && !over && strcmp(state, "cancelled") != 0;
	b = page_begin(c->t, c->t->your_reg);
	if (b == NULL) {
		page_end(r, b, 500);
		form_ctx_free(c);
		return;
	}
	lit(b, "<h1>");
	esc(b, c->t->your_reg);
	lit(b, "</h1>\n");
	if (evhttp_find_header(&r->query, "done") && !form_has_errors(c)) {
		lit(b, "<p class=\"msg\" role=\"status\">");
		esc(b, c->t->saved);
		lit(b, "</p>\n");
	}
	page_event_block(b, c->t, res, "event_title");
	lit(b, "<p>");
	esc(b, db_row_str(res, 0, "person_name"));
	if (db_row_str(res, 0, "org_name")[0]) {
		lit(b, " (");
		esc(b, db_row_str(res, 0, "org_name"));
		lit(b, ")");
	}
	lit(b, " &lt;");
	esc(b, db_row_str(res, 0, "email"));
	lit(b, "&gt;</p>\n");
	state_block(b, c, res, ev_cancelled, over);
	calendar_answer(b, c->t, res);
	if (active && strcmp(state, "pending") == 0)
		button(b, token, "confirm", c->t->btn_confirm);
	if (active) {
		/* a second page asks before anything is cancelled */
		lit(b, "<p><a class=\"btn quiet\" id=\"cancel\" href=\"");
		lit(b, token); /* checked: hex only */
		lit(b, "/cancel\">");
		esc(b, c->t->btn_cancel);
		lit(b, "</a></p>\n");
	}
	if (active && (strcmp(state, "confirmed") == 0 ||
	               strcmp(state, "waitlisted") == 0))
		feed_links(b, c->t, db_row_str(res, 0, "feed_token"));
	if (db_row_get(res, 0, "checkin_token")) /* confirmed only */
		checkin_qr_block(b, c->t->lang,
		                 db_row_get(res, 0, "checkin_token"));
	/* someone marked attended may have their certificate mailed */
	if (db_row_bool(res, 0, "certificate") && paper_text_get(c->t->lang))
		button(b, token, "certificate",
		       paper_text_get(c->t->lang)->cert_button);
	answers_block(b, c, token, res, active);
	if (active)
		details_form(b, c, token, res);
	page_organiser(b, c->w);
	page_end(r, b, c->closed ? 409 : form_has_errors(c) ? c->status : 200);
	form_ctx_free(c);
}

static void token_view(struct form_ctx *c)
{
	const char *token = c->r->params[0];

	if (db_query(c->r->app->db,
	             "SELECT v.*, cv_checkin_token_for($1) AS checkin_token,"
	             " cv_certificate_available($1) AS certificate,"
	             " cv_answers_view($1) AS answers_view"
	             " FROM cv_registration_view($1) v",
	             1, &token, token_view_done, c) < 0) {
		page_message(c->r, 503, c->t, c->t->error, "err",
		             page_words_code(c->w, "shutting_down"));
		form_ctx_free(c);
	}
}

static void token_get(struct http_req *r)
{
	struct form_ctx *c;

	if (page_token_check(r) < 0 || (c = form_ctx_new(r)) == NULL)
		return;
	token_view(c);
}

/* GET {token}/cancel: the second step, asking before anything changes. */
static void cancel_view_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t = page_text_for(r);
	const struct page_words *w;
	struct evbuffer *b;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, t, res, err);
		return;
	}
	if (PQntuples(res) == 0) {
		page_message(r, 404, t, t->not_found, "err", t->bad_link);
		return;
	}
	if (page_need(r, t, res, page_event_cols) < 0 ||
	    page_need(r, t, res, view_cols) < 0)
		return;
	if (evhttp_find_header(&r->query, "lang") == NULL &&
	    page_text_get(db_row_get(res, 0, "language")))
		t = page_text_get(db_row_get(res, 0, "language"));
	w = page_words_get(t->lang);
	b = page_begin(t, t->btn_cancel);
	if (b) {
		const char *state = db_row_str(res, 0, "state");

		lit(b, "<h1>");
		esc(b, t->btn_cancel);
		lit(b, "</h1>\n");
		page_event_block(b, t, res, "event_title");
		if (strcmp(state, "cancelled") == 0) {
			lit(b, "<p id=\"state\" data-state=\"cancelled\">");
			esc(b, t->st_cancelled);
			lit(b, "</p>\n");
		} else {
			lit(b, "<p id=\"cancel-question\"><strong>");
			esc(b, w->cancel_q);
			lit(b, "</strong></p>\n");
			if (strcmp(state, "confirmed") == 0) {
				lit(b, "<p>");
				esc(b, w->cancel_seat);
				lit(b, "</p>\n");
			}
			lit(b, "<form method=\"post\" action=\"cancel\">\n"
			       "<button type=\"submit\" class=\"danger\">");
			esc(b, w->cancel_yes);
			lit(b, "</button>\n</form>\n");
		}
		lit(b, "<p><a class=\"btn quiet\" id=\"keep\" href=\"../");
		lit(b, r->params[0]); /* checked: hex only */
		lit(b, "\">");
		esc(b, w->cancel_no);
		lit(b, "</a></p>\n");
	}
	page_end(r, b, 200);
}

static void cancel_get(struct http_req *r)
{
	page_token_query(r,
	                 "SELECT *, NULL AS answers_view"
	                 " FROM cv_registration_view($1)",
	                 cancel_view_done);
}

static void token_action_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	char loc[700], b[600];

	int refused = 0;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		struct api_error e;

		api_error_from_pg(res, err, &e);
		if (e.status != 409) {
			page_db_error(r, page_text_for(r), res, err);
			return;
		}
		/* the registration or the event changed (cancelled, over):
		 * the token page says so in words */
		refused = 1;
	}
	snprintf(loc, sizeof(loc), "%s/r/%s%s", page_base(b, sizeof(b)),
	         r->params[0], refused ? "" : "?done=1");
	http_add_header(r, "Location", loc);
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, 303, "text/plain; charset=utf-8", "See Other\n", 10);
}

static void token_action(struct http_req *r, const char *sql)
{
	page_token_query(r, sql, token_action_done);
}

static void details_done(void *arg, PGresult *res, const char *err)
{
	struct form_ctx *c = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		struct api_error e;

		api_error_from_pg(res, err, &e);
		if (e.status == 400 || e.status == 422) {
			form_refusal(c, e.status, e.code, e.field, e.message);
			token_view(c);
			return;
		}
	}
	token_action_done(c->r, res, err);
	form_ctx_free(c);
}

/* POST {token}/details: the person corrects their own details (name,
 * organisation and country) with the rules of the form and of
 * PATCH /api/registrations/{id} (reg_correct_check); a refusal is shown
 * next to its field on the token page, in the reader's language, and
 * changes nothing. */
static void token_details(struct http_req *r)
{
	struct json_in_error e;
	struct form_ctx *c;

	if (page_token_check(r) < 0 || (c = form_ctx_new(r)) == NULL)
		return;
	if (form_parse(c) == 0 && form_fields_check(c, 1) == 0 &&
	    reg_correct_check(c->vals, &e) < 0)
		form_refusal(c, e.status, e.code, e.field, e.message);
	if (c->status != 200 || form_has_errors(c)) {
		if (c->status == 415)
			c->code = "bad_request";
		token_view(c);
		return;
	}
	if (reg_correct_submit(r, r->params[0], NULL, c->vals, details_done,
	                       c) < 0) {
		page_message(r, 503, c->t, c->t->error, "err",
		             page_words_code(c->w, "shutting_down"));
		form_ctx_free(c);
	}
}

static void answers_done(void *arg, PGresult *res, const char *err)
{
	struct form_ctx *c = arg;
	json_t *out, *problems;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		struct api_error e;

		api_error_from_pg(res, err, &e);
		if (e.status == 409 && e.field &&
		    strcmp(e.field, "answers") == 0) {
			/* registration has closed: refused, in words */
			c->closed = 1;
			token_view(c);
			return;
		}
		if (e.status == 400 || e.status == 422) {
			form_refusal(c, e.status, e.code, e.field, e.message);
			token_view(c);
			return;
		}
		token_action_done(c->r, res, err);
		form_ctx_free(c);
		return;
	}
	out = json_loads(db_row_str(res, 0, "result"), 0, NULL);
	problems = json_object_get(out, "problems");
	if (problems) {
		/* every problem at once, next to its question; the questions
		 * are known once the page is shown: note the codes now */
		size_t i;
		json_t *p;

		json_array_foreach(problems, i, p)
		{
			const char *f =
			        json_string_value(json_object_get(p, "field"));
			const char *code =
			        json_string_value(json_object_get(p, "code"));

			form_refusal(c, 422, code ? code : "invalid_value",
			             f ? f : "",
			             json_string_value(
			                     json_object_get(p, "message")));
		}
		json_decref(out);
		token_view(c);
		return;
	}
	json_decref(out);
	token_action_done(c->r, res, err);
	form_ctx_free(c);
}

/* POST {token}/answers: the person changes their answers (the whole form:
 * what is left empty is no longer answered) through cv_answers_change, as
 * POST /api/public/registrations/{token}/answers does; every refusal is
 * shown next to its question, and after registration closes the change is
 * refused (409) with the sentence saying so.  Nothing changes on a
 * refusal. */
static void token_answers(struct http_req *r)
{
	const char *params[2];
	struct form_ctx *c;
	char *raw;
	int rc;

	if (page_token_check(r) < 0 || (c = form_ctx_new(r)) == NULL)
		return;
	c->answers_ok = 1;
	if (form_parse(c) < 0) {
		if (c->status == 415)
			c->code = "bad_request";
		token_view(c);
		return;
	}
	if (json_object_size(c->vals) > 0) { /* a field of another form */
		c->code = "unknown_field";
		c->status = 400;
		token_view(c);
		return;
	}
	raw = c->raw ? json_dumps(c->raw, JSON_COMPACT) : NULL;
	params[0] = r->params[0];
	params[1] = raw ? raw : "{}";
	rc = db_query(r->app->db,
	              "SELECT cv_answers_change_form($1, $2::jsonb) AS result",
	              2, params, answers_done, c);
	free(raw);
	if (rc < 0) {
		page_message(r, 503, c->t, c->t->error, "err",
		             page_words_code(c->w, "shutting_down"));
		form_ctx_free(c);
	}
}

/* cv_confirm_local committed without a NOTIFY (which would serialise the
 * commits of every confirmation): wake this daemon's outbox for the mail,
 * tell the feeds about the person, then answer. */
static void confirm_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;

	if (res && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1) {
		const char *changed = db_row_str(res, 0, "changed");
		const char *person = db_row_str(res, 0, "person_id");

		outbox_kick();
		if (changed && strcmp(changed, "t") == 0 && person && *person)
			feeds_person_changed(r->app, strtoll(person, NULL, 10));
	}
	token_action_done(arg, res, err);
}

static void token_confirm(struct http_req *r)
{
	page_token_query(r,
	                 "SELECT registration_id, reg_state, changed, person_id"
	                 " FROM cv_confirm_local($1)",
	                 confirm_done);
}

/* POST {token}/certificate: mail me my certificate of attendance
 * (cv_certificate_request, sql/functions/sheets.sql: at most one request a
 * day).  Queued: back to the token page; refused (no day marked attended):
 * a page saying so in the person's language. */
static void certificate_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	token_action_done(arg, res, err);
}

static void token_certificate(struct http_req *r)
{
	page_token_query(r, "SELECT cv_certificate_request($1)",
	                 certificate_done);
}

static void token_cancel(struct http_req *r)
{
	token_action(r, "SELECT registration_id, reg_state FROM "
	                "cv_cancel_registration($1, NULL)");
}

const struct http_route pages_token_routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/r/{token}",
         .handler = token_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/confirm",
         .handler = token_confirm},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/r/{token}/cancel",
         .handler = cancel_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/cancel",
         .handler = token_cancel},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/details",
         .handler = token_details},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/answers",
         .handler = token_answers},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/certificate",
         .handler = token_certificate},
        {.pattern = NULL},
};
