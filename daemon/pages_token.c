/* pages_token.c - the token page GET /r/{token}: the registration, its
 * state and the buttons that POST .../confirm, .../cancel and .../details
 * (a GET never changes anything: mail scanners follow links). */
#include "pages_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "checkin.h"
#include "db_row.h"
#include "json_in.h"
#include "reg.h"

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
	lit(b, " (");
	esc(b, at);
	lit(b, ")</p>\n");
}

/* The person's own details, to correct (POST {token}/details). */
static void details_form(struct evbuffer *b, const struct page_text *t,
                         const char *token, const PGresult *res)
{
	const struct {
		const char *key, *label, *col, *attrs;
	} tab[] = {
	        {"name", t->name, "person_name",
	         "required maxlength=\"200\" autocomplete=\"name\""},
	        {"organisation", t->org, "org_name",
	         "required maxlength=\"200\" autocomplete=\"organization\""},
	        {"country", t->country, "org_country",
	         "required pattern=\"[A-Za-z]{2}\" "
	         "autocapitalize=\"characters\""},
	};

	lit(b, "<h2>");
	esc(b, t->details);
	lit(b, "</h2>\n<form method=\"post\" action=\"");
	lit(b, token); /* checked: hex only */
	lit(b, "/details\" accept-charset=\"utf-8\">\n");
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		lit(b, "<label for=\"");
		lit(b, tab[i].key);
		lit(b, "\">");
		esc(b, tab[i].label);
		lit(b, "</label>\n<input id=\"");
		lit(b, tab[i].key);
		lit(b, "\" name=\"");
		lit(b, tab[i].key);
		lit(b, "\" ");
		lit(b, tab[i].attrs);
		lit(b, " value=\"");
		esc(b, db_row_str(res, 0, tab[i].col));
		lit(b, "\">\n");
	}
	lit(b, "<button type=\"submit\">");
	esc(b, t->btn_save);
	lit(b, "</button>\n</form>\n");
}

static void token_view_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t = page_text_for(r);
	const char *state, *token = r->params[0];
	struct evbuffer *b;
	int ev_cancelled;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, t, res, err);
		return;
	}
	if (PQntuples(res) == 0) {
		page_message(r, 404, t, t->not_found, "err", t->bad_link);
		return;
	}
	if (page_need(r, t, res, page_event_cols) < 0 ||
	    page_need(r, t, res,
	              (const char *const[]){"state", "waitlist_rank",
	                                    "person_name", "email", "language",
	                                    "feed_token", "event_title",
	                                    "event_status", "org_name",
	                                    "org_country", "calendar_partstat",
	                                    "calendar_answer_at", NULL}) < 0)
		return;
	if (evhttp_find_header(&r->query, "lang") == NULL &&
	    page_text_get(db_row_get(res, 0, "language")))
		t = page_text_get(db_row_get(res, 0, "language"));
	state = db_row_str(res, 0, "state");
	ev_cancelled =
	        strcmp(db_row_str(res, 0, "event_status"), "cancelled") == 0;
	b = page_begin(t, t->your_reg);
	if (b == NULL) {
		page_end(r, b, 500);
		return;
	}
	lit(b, "<h1>");
	esc(b, t->your_reg);
	lit(b, "</h1>\n");
	if (evhttp_find_header(&r->query, "done")) {
		lit(b, "<p class=\"msg\" role=\"status\">");
		esc(b, t->saved);
		lit(b, "</p>\n");
	}
	page_event_block(b, t, res, "event_title");
	lit(b, "<p>");
	esc(b, db_row_str(res, 0, "person_name"));
	if (db_row_str(res, 0, "org_name")[0]) {
		lit(b, " (");
		esc(b, db_row_str(res, 0, "org_name"));
		lit(b, ")");
	}
	lit(b, " &lt;");
	esc(b, db_row_str(res, 0, "email"));
	lit(b, "&gt;</p>\n<p id=\"state\" data-state=\"");
	esc(b, state);
	lit(b, "\"><strong>");
	if (ev_cancelled)
		esc(b, t->ev_cancelled);
	else if (strcmp(state, "pending") == 0)
		esc(b, t->st_pending);
	else if (strcmp(state, "confirmed") == 0)
		esc(b, t->st_confirmed);
	else if (strcmp(state, "waitlisted") == 0) {
		esc(b, t->st_waitlisted);
		lit(b, " ");
		esc(b, db_row_str(res, 0, "waitlist_rank"));
		lit(b, "</strong> ");
		esc(b, t->waitlist_note);
		lit(b, "<strong>");
	} else
		esc(b, t->st_cancelled);
	lit(b, "</strong></p>\n");
	calendar_answer(b, t, res);
	if (!ev_cancelled && strcmp(state, "pending") == 0)
		button(b, token, "confirm", t->btn_confirm);
	if (!ev_cancelled && strcmp(state, "cancelled") != 0)
		button(b, token, "cancel", t->btn_cancel);
	if (!ev_cancelled && (strcmp(state, "confirmed") == 0 ||
	                      strcmp(state, "waitlisted") == 0))
		feed_links(b, t, db_row_str(res, 0, "feed_token"));
	if (db_row_get(res, 0, "checkin_token")) /* confirmed only */
		checkin_qr_block(b, t->lang,
		                 db_row_get(res, 0, "checkin_token"));
	if (!ev_cancelled && strcmp(state, "cancelled") != 0)
		details_form(b, t, token, res);
	page_end(r, b, 200);
}

static void token_get(struct http_req *r)
{
	page_token_query(r,
	                 "SELECT v.*, cv_checkin_token_for($1) AS checkin_token"
	                 " FROM cv_registration_view($1) v",
	                 token_view_done);
}

/* After a successful POST: 303 to the token page (Post/Redirect/Get). */
static void token_action_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	char loc[700], b[600];

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	snprintf(loc, sizeof(loc), "%s/r/%s?done=1", page_base(b, sizeof(b)),
	         r->params[0]);
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

	token_action_done(c->r, res, err);
	form_ctx_free(c);
}

/* POST {token}/details: the person corrects their own details (name,
 * organisation and country) with the rules of the form and of
 * PATCH /api/registrations/{id} (reg_correct_check); a refusal says why
 * in the reader's language and changes nothing. */
static void token_details(struct http_req *r)
{
	struct json_in_error e;
	struct form_ctx *c;
	char msg[sizeof(c->error) + 100];

	if (page_token_check(r) < 0 || (c = form_ctx_new(r)) == NULL)
		return;
	if (form_parse(c) == 0 && form_text_check(c) == 0 &&
	    reg_correct_check(c->vals, &e) < 0) {
		c->status = e.status;
		snprintf(c->error, sizeof(c->error), "%s", e.message);
	}
	if (c->status != 200) {
		snprintf(msg, sizeof(msg), "%s %s", c->t->fix, c->error);
		page_message(r, c->status, c->t, c->t->your_reg, "err", msg);
		form_ctx_free(c);
		return;
	}
	if (reg_correct_submit(r, r->params[0], NULL, c->vals, details_done,
	                       c) < 0) {
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
		form_ctx_free(c);
	}
}

static void token_confirm(struct http_req *r)
{
	token_action(r,
	             "SELECT registration_id, reg_state FROM cv_confirm($1)");
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
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/cancel",
         .handler = token_cancel},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/details",
         .handler = token_details},
        {.pattern = NULL},
};
