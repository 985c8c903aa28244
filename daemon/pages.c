/* pages.c - public HTML pages: the registration form, the token page with
 * its confirm/cancel buttons (a GET never changes anything) and results. */
#include "pages.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "api_error.h"
#include "checkin.h"
#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
#include "pages_text.h"
#include "paper_text.h"
#include "reg.h"
#include "text_in.h"
#include "tmpl.h"
#include "token.h"

/* ------------------------------------------------------ HTML building */

static void esc(struct evbuffer *b, const char *s)
{
	char *e = http_html_escape(s ? s : "");

	if (e)
		evbuffer_add(b, e, strlen(e));
	free(e);
}

static void lit(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

static const char *base(char *buf, size_t len);

/* A link to the privacy notice in T's language, with TEXT. */
static void privacy_link(struct evbuffer *b, const struct page_text *t,
                         const char *text)
{
	char buf[512];

	lit(b, "<a href=\"");
	esc(b, base(buf, sizeof(buf)));
	lit(b, "/privacy?lang=");
	lit(b, t->lang);
	lit(b, "\">");
	esc(b, text);
	lit(b, "</a>");
}

/* Every page starts with a link to the privacy notice. */
static struct evbuffer *page_begin(const struct page_text *t, const char *title)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL)
		return NULL;
	lit(b, "<!DOCTYPE html>\n<html lang=\"");
	lit(b, t->lang);
	lit(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, "
	       "initial-scale=1\">\n<title>");
	esc(b, title);
	lit(b, "</title>\n<style>"
	       "body{font-family:system-ui,sans-serif;max-width:40em;"
	       "margin:1em auto;padding:0 1em;line-height:1.5;color:#111}"
	       "label{display:block;margin-top:.9em;font-weight:600}"
	       "input,select,button{font-size:1em;width:100%;padding:.5em;"
	       "box-sizing:border-box}"
	       "button{margin-top:1.2em;cursor:pointer}"
	       ".msg{padding:.7em;border:2px solid #2a6;background:#efe}"
	       ".err{padding:.7em;border:2px solid #b22;background:#fee}"
	       "header{font-size:.9em;text-align:right}"
	       "</style>\n</head>\n<body>\n<header>");
	privacy_link(b, t, t->privacy);
	lit(b, "</header>\n<main>\n");
	return b;
}

static void page_end(struct http_req *r, struct evbuffer *b, int status)
{
	size_t len;
	char *html;

	if (b == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	lit(b, "</main>\n</body>\n</html>\n");
	len = evbuffer_get_length(b);
	html = malloc(len + 1);
	if (html == NULL) {
		evbuffer_free(b);
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_remove(b, html, len);
	evbuffer_free(b);
	http_reply_html(r, status, html, len);
	free(html);
}

/* A page with a heading and one message (CLS "msg" or "err"). */
static void page_message(struct http_req *r, int status,
                         const struct page_text *t, const char *heading,
                         const char *cls, const char *msg)
{
	struct evbuffer *b = page_begin(t, heading);

	if (b) {
		lit(b, "<h1>");
		esc(b, heading);
		lit(b, "</h1>\n<p class=\"");
		lit(b, cls);
		lit(b, "\" role=\"status\">");
		esc(b, msg);
		lit(b, "</p>\n");
	}
	page_end(r, b, status);
}

/* A failed query as a page: the database's message (it names the field). */
static void page_db_error(struct http_req *r, const struct page_text *t,
                          PGresult *res, const char *err)
{
	struct api_error e;

	api_error_from_pg(res, err, &e);
	page_message(r, e.status, t, e.status == 404 ? t->not_found : t->error,
	             "err",
	             e.status == 404 && e.field && !strcmp(e.field, "token")
	                     ? t->bad_link
	                     : e.message);
}

/* 0 when RES has every column of NAMES, else -1 after an error page. */
static int need(struct http_req *r, const struct page_text *t,
                const PGresult *res, const char *const *names)
{
	char err[128];

	if (db_row_need(res, names, err, sizeof(err)) == 0)
		return 0;
	page_message(r, 500, t, t->error, "err", err);
	return -1;
}

/* "<p><strong>When</strong>: start – end (tz)</p>" and the place. */
static const char *const event_cols[] = {
        "start_text", "end_text", "tz", "venue", "city", "country", NULL,
};

/* The event of row 0 of RES: its title in column TITLE, the others named as
 * in event_cols (checked by the caller). */
static void event_block(struct evbuffer *b, const struct page_text *t,
                        const PGresult *res, const char *title_col)
{
	const char *title = db_row_str(res, 0, title_col);
	const char *start = db_row_str(res, 0, "start_text");
	const char *end = db_row_str(res, 0, "end_text");
	const char *tz = db_row_str(res, 0, "tz");
	const char *where[3] = {db_row_str(res, 0, "venue"),
	                        db_row_str(res, 0, "city"),
	                        db_row_str(res, 0, "country")};
	int n = 0;

	lit(b, "<h2>");
	esc(b, title);
	lit(b, "</h2>\n<p><strong>");
	esc(b, t->when);
	lit(b, ":</strong> ");
	esc(b, start);
	if (strcmp(start, end) != 0) {
		lit(b, " – ");
		esc(b, end);
	}
	lit(b, " (");
	esc(b, tz);
	lit(b, ")</p>\n");
	for (int i = 0; i < 3; i++)
		n += where[i][0] != '\0';
	if (n == 0)
		return;
	lit(b, "<p><strong>");
	esc(b, t->where);
	lit(b, ":</strong> ");
	for (int i = 0, k = 0; i < 3; i++) {
		if (where[i][0] == '\0')
			continue;
		if (k++)
			lit(b, ", ");
		esc(b, where[i]);
	}
	lit(b, "</p>\n");
}

/* ------------------------------------------------------ the form */

struct form_ctx {
	struct http_req *r;
	const struct page_text *t;
	json_t *vals; /* submitted values, or NULL */
	int status;   /* of the page: 200, or the error's */
	char error[256];
};

/* The event and its registration window, decided by the database
 * (cv_registration_form, sql/functions/registrations.sql). */
static const char form_event_sql[] =
        "SELECT * FROM cv_registration_form($1::bigint)";

static void ctx_free(struct form_ctx *c)
{
	json_decref(c->vals);
	free(c);
}

static const char *val(struct form_ctx *c, const char *key)
{
	const char *v = json_string_value(json_object_get(c->vals, key));

	return v ? v : "";
}

static void input(struct evbuffer *b, struct form_ctx *c, const char *key,
                  const char *label, const char *attrs)
{
	lit(b, "<label for=\"");
	lit(b, key);
	lit(b, "\">");
	esc(b, label);
	lit(b, "</label>\n<input id=\"");
	lit(b, key);
	lit(b, "\" name=\"");
	lit(b, key);
	lit(b, "\" ");
	lit(b, attrs);
	lit(b, " value=\"");
	esc(b, val(c, key));
	lit(b, "\">\n");
}

static void option(struct evbuffer *b, const char *value, const char *label,
                   const char *chosen)
{
	lit(b, "<option value=\"");
	lit(b, value);
	lit(b, strcmp(value, chosen) == 0 ? "\" selected>" : "\">");
	esc(b, label);
	lit(b, "</option>\n");
}

static void form_body(struct evbuffer *b, struct form_ctx *c)
{
	const struct page_text *t = c->t;
	const char *role = val(c, "role");

	if (c->error[0]) {
		lit(b, "<p class=\"err\" role=\"alert\">");
		esc(b, t->fix);
		lit(b, " ");
		esc(b, c->error);
		lit(b, "</p>\n");
	}
	lit(b, "<form method=\"post\" action=\"register\" "
	       "accept-charset=\"utf-8\">\n");
	input(b, c, "name", t->name,
	      "required maxlength=\"200\" autocomplete=\"name\"");
	input(b, c, "email", t->email,
	      "type=\"email\" required maxlength=\"254\" "
	      "autocomplete=\"email\"");
	input(b, c, "organisation", t->org,
	      "required maxlength=\"200\" autocomplete=\"organization\"");
	input(b, c, "country", t->country,
	      "required pattern=\"[A-Za-z]{2}\" "
	      "autocapitalize=\"characters\"");
	lit(b, "<label for=\"role\">");
	esc(b, t->role);
	lit(b, "</label>\n<select id=\"role\" name=\"role\">\n");
	option(b, "official", t->role_official, role);
	option(b, "elected", t->role_elected, role);
	option(b, "other", t->role_other, role[0] ? role : "other");
	lit(b, "</select>\n<label for=\"language\">");
	esc(b, t->language);
	lit(b, "</label>\n<select id=\"language\" name=\"language\">\n");
	for (int i = 0; page_texts[i]; i++)
		option(b, page_texts[i]->lang, page_texts[i]->lang_name,
		       c->vals ? val(c, "language") : t->lang);
	lit(b, "</select>\n<p>");
	privacy_link(b, t, t->privacy_use);
	lit(b, "</p>\n<button type=\"submit\">");
	esc(b, t->submit);
	lit(b, "</button>\n</form>\n");
}

static void form_event_done(void *arg, PGresult *res, const char *err)
{
	struct form_ctx *c = arg;
	const struct page_text *t = c->t;
	struct http_req *r = c->r;
	struct evbuffer *b;
	const char *window;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, t, res, err);
		ctx_free(c);
		return;
	}
	if (PQntuples(res) == 0) {
		page_message(r, 404, t, t->not_found, "err", t->not_found);
		ctx_free(c);
		return;
	}
	if (need(r, t, res, event_cols) < 0 ||
	    need(r, t, res,
	         (const char *const[]){"title", "registration",
	                               "registration_at", NULL}) < 0) {
		ctx_free(c);
		return;
	}
	b = page_begin(t, db_row_str(res, 0, "title"));
	if (b) {
		lit(b, "<h1>");
		esc(b, t->title);
		lit(b, "</h1>\n");
		event_block(b, t, res, "title");
		window = db_row_str(res, 0, "registration");
		if (strcmp(window, "open") == 0) {
			form_body(b, c);
		} else {
			lit(b, "<p class=\"err\" role=\"status\">");
			if (strcmp(window, "cancelled") == 0) {
				esc(b, t->ev_cancelled);
			} else {
				esc(b, strcmp(window, "opens") == 0
				               ? t->opens
				               : t->closed);
				lit(b, " ");
				esc(b, db_row_str(res, 0, "registration_at"));
			}
			lit(b, "</p>\n");
		}
	}
	page_end(r, b, c->status);
	ctx_free(c);
}

static struct form_ctx *ctx_new(struct http_req *r)
{
	struct form_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	c->r = r;
	c->t = page_text_for(r);
	c->status = 200;
	return c;
}

static void form_show(struct form_ctx *c)
{
	const char *id = c->r->params[0];

	if (db_query(c->r->app->db, form_event_sql, 1, &id, form_event_done,
	             c) < 0) {
		page_message(c->r, 503, c->t, c->t->error, "err",
		             "convened is shutting down");
		ctx_free(c);
	}
}

static void form_get(struct http_req *r)
{
	struct form_ctx *c;

	if (!ident_id_valid(r->params[0])) {
		const struct page_text *t = page_text_for(r);

		page_message(r, 404, t, t->not_found, "err", t->not_found);
		return;
	}
	if ((c = ctx_new(r)) != NULL)
		form_show(c);
}

static const char *const form_keys[] = {
        "name", "email", "organisation", "country", "role", "language", NULL,
};

/* Trim white space in place. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Parse the form-encoded body into c->vals (strings; empty values left
 * out).  Returns 0, or -1 with c->status and c->error set. */
static int form_parse(struct form_ctx *c)
{
	struct http_req *r = c->r;
	const char *ct = http_header(r, "Content-Type");
	struct evkeyvalq q;
	struct evkeyval *kv;
	int rc = 0;

	c->vals = json_object();
	c->status = 400;
	if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
		c->status = 415;
		snprintf(c->error, sizeof(c->error),
		         "the form must be sent as "
		         "application/x-www-form-urlencoded");
		return -1;
	}
	if (strlen(r->body) != r->body_len) {
		snprintf(c->error, sizeof(c->error),
		         "the form contains a NUL byte");
		return -1;
	}
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(r->body, &q) != 0) {
		evhttp_clear_headers(&q);
		snprintf(c->error, sizeof(c->error), "the form is malformed");
		return -1;
	}
	TAILQ_FOREACH(kv, &q, next)
	{
		int known = 0;
		char *v = trim(kv->value);
		json_t *s;

		for (int i = 0; form_keys[i] && !known; i++)
			known = strcmp(form_keys[i], kv->key) == 0;
		if (!known) {
			snprintf(c->error, sizeof(c->error),
			         "field %.60s: not known", kv->key);
			rc = -1;
			break;
		}
		if (evhttp_find_header(&q, kv->key) != kv->value) {
			snprintf(c->error, sizeof(c->error),
			         "field %s: given twice", kv->key);
			rc = -1;
			break;
		}
		if (strcmp(kv->key, "country") == 0)
			for (char *p = v; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		s = json_string(v);
		if (s == NULL) {
			snprintf(c->error, sizeof(c->error),
			         "field %s: not valid UTF-8", kv->key);
			rc = -1;
			break;
		}
		if (*v)
			json_object_set_new(c->vals, kv->key, s);
		else
			json_decref(s);
	}
	evhttp_clear_headers(&q);
	if (rc == 0)
		c->status = 200;
	return rc;
}

/* The text and country rules (text_in.h) in the reader's language, naming
 * the field by its label; reg_input_check applies the same rules again
 * (in English) to whatever this lets through.  Returns 0, or -1 with
 * c->status 422 and c->error set. */
static int form_text_check(struct form_ctx *c)
{
	const struct page_text *t = c->t;
	const struct {
		const char *key, *label;
	} tab[] = {
	        {"name", t->name},
	        {"email", t->email},
	        {"organisation", t->org},
	        {"country", t->country},
	};
	const char *country = val(c, "country");

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (text_in_check(val(c, tab[i].key), 0) != NULL) {
			c->status = 422;
			snprintf(c->error, sizeof(c->error), "%s: %s",
			         tab[i].label, t->bad_chars);
			return -1;
		}
	if (*country && !text_in_country_valid(country)) {
		c->status = 422;
		snprintf(c->error, sizeof(c->error), "%s: %s", t->country,
		         t->bad_country);
		return -1;
	}
	return 0;
}

static void form_done(void *arg, PGresult *res, const char *err)
{
	struct form_ctx *c = arg;
	const struct page_text *t = c->t;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		struct api_error e;

		api_error_from_pg(res, err, &e);
		if (e.status == 400 || e.status == 422) {
			/* show the form again with the reason */
			c->status = e.status;
			snprintf(c->error, sizeof(c->error), "%s", e.message);
			form_show(c);
			return;
		}
		page_db_error(c->r, t, res, err);
		ctx_free(c);
		return;
	}
	if (need(c->r, t, res,
	         (const char *const[]){"created", "resent", NULL}) < 0) {
		ctx_free(c);
		return;
	}
	/* the same page whether the address was new, pending or already
	 * registered: nobody learns who is registered */
	page_message(c->r, 200, t, t->title, "msg", t->check_mail);
	ctx_free(c);
}

static void form_post(struct http_req *r)
{
	struct json_in_error e;
	struct form_ctx *c;

	if (!ident_id_valid(r->params[0])) {
		const struct page_text *t = page_text_for(r);

		page_message(r, 404, t, t->not_found, "err", t->not_found);
		return;
	}
	if ((c = ctx_new(r)) == NULL)
		return;
	if (form_parse(c) < 0) {
		form_show(c);
		return;
	}
	if (page_text_get(val(c, "language")))
		c->t = page_text_get(val(c, "language"));
	if (form_text_check(c) < 0) {
		form_show(c);
		return;
	}
	if (reg_input_check(c->vals, &e) < 0) {
		c->status = e.status;
		snprintf(c->error, sizeof(c->error), "%s", e.message);
		form_show(c);
		return;
	}
	if (reg_submit(r, r->params[0], c->vals, form_done, c) < 0) {
		page_message(r, 503, c->t, c->t->error, "err",
		             "convened is shutting down");
		ctx_free(c);
	}
}

/* ------------------------------------------------------ the token page */

/* base_url without a trailing '/' into BUF ("" without a config: a page
 * built outside the daemon, as by the fuzzers). */
static const char *base(char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%s",
	         app_instance && app_instance->cfg &&
	                         app_instance->cfg->base_url
	                 ? app_instance->cfg->base_url
	                 : "");
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return buf;
}

static void feed_links(struct evbuffer *b, const struct page_text *t,
                       const char *feed_token)
{
	char url[600], web[620];
	const char *rest;

	snprintf(url, sizeof(url), "%s/calendars/personal/%s.ics",
	         base(web, sizeof(web)), feed_token);
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
	if (need(r, t, res, event_cols) < 0 ||
	    need(r, t, res,
	         (const char *const[]){
	                 "state", "waitlist_rank", "person_name", "email",
	                 "language", "feed_token", "event_title",
	                 "event_status", "org_name", "org_country",
	                 "calendar_partstat", "calendar_answer_at", NULL}) < 0)
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
	event_block(b, t, res, "event_title");
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
	if (db_row_bool(res, 0, "certificate") && paper_text_get(t->lang))
		button(b, token, "certificate",
		       paper_text_get(t->lang)->cert_button);
	page_end(r, b, 200);
}

static int token_check(struct http_req *r)
{
	const struct page_text *t;

	if (token_valid(r->params[0]))
		return 0;
	t = page_text_for(r);
	page_message(r, 404, t, t->not_found, "err", t->bad_link);
	return -1;
}

/* Run SQL ($1 = the link's token) and answer in CB; a malformed token is
 * the "bad link" page and never reaches the database. */
static void token_query(struct http_req *r, const char *sql, db_cb cb)
{
	const char *token = r->params[0];

	if (token_check(r) < 0)
		return;
	if (db_query(r->app->db, sql, 1, &token, cb, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

static void token_get(struct http_req *r)
{
	token_query(r,
	            "SELECT v.*, cv_checkin_token_for($1) AS checkin_token,"
	            " cv_certificate_available($1) AS certificate"
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
	snprintf(loc, sizeof(loc), "%s/r/%s?done=1", base(b, sizeof(b)),
	         r->params[0]);
	http_add_header(r, "Location", loc);
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, 303, "text/plain; charset=utf-8", "See Other\n", 10);
}

static void token_action(struct http_req *r, const char *sql)
{
	token_query(r, sql, token_action_done);
}

static void details_done(void *arg, PGresult *res, const char *err)
{
	struct form_ctx *c = arg;

	token_action_done(c->r, res, err);
	ctx_free(c);
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

	if (token_check(r) < 0 || (c = ctx_new(r)) == NULL)
		return;
	if (form_parse(c) == 0 && form_text_check(c) == 0 &&
	    reg_correct_check(c->vals, &e) < 0) {
		c->status = e.status;
		snprintf(c->error, sizeof(c->error), "%s", e.message);
	}
	if (c->status != 200) {
		snprintf(msg, sizeof(msg), "%s %s", c->t->fix, c->error);
		page_message(r, c->status, c->t, c->t->your_reg, "err", msg);
		ctx_free(c);
		return;
	}
	if (reg_correct_submit(r, r->params[0], NULL, c->vals, details_done,
	                       c) < 0) {
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
		ctx_free(c);
	}
}

static void token_confirm(struct http_req *r)
{
	token_action(r,
	             "SELECT registration_id, reg_state FROM cv_confirm($1)");
}

/* POST {token}/certificate: mail me my certificate of attendance
 * (sql/functions/sheets.sql; refused with a reason when no day is marked
 * attended). */
static void token_certificate(struct http_req *r)
{
	token_action(r, "SELECT cv_certificate_request($1)");
}

static void token_cancel(struct http_req *r)
{
	token_action(r, "SELECT registration_id, reg_state FROM "
	                "cv_cancel_registration($1, NULL)");
}

/* ------------------------------------------------- unsubscribe (deadlines) */

/* The unsubscribe page's words; English first. */
static const struct unsub_text {
	const char *lang, *heading, *question, *button, *done;
	/* the follow page (/follow/{token}) */
	const char *confirm_q, *confirm_btn, *following, *confirm_done;
} unsub_texts[] = {
        {.lang = "en",
         .heading = "Deadline reminders",
         .question = "Stop the deadline reminders for this project?",
         .button = "Unsubscribe",
         .done = "You will no longer receive deadline reminders for this "
                 "project.",
         .confirm_q = "Do you want to receive the deadlines of this project by "
                      "email?",
         .confirm_btn = "Confirm",
         .following = "You receive the deadline reminders of this project.",
         .confirm_done = "Thank you! You will receive the deadline reminders "
                         "of this project."},
        {.lang = "sv",
         .heading = "Påminnelser om tidsfrister",
         .question = "Sluta skicka påminnelser om tidsfrister för det här "
                     "projektet?",
         .button = "Avsluta prenumerationen",
         .done = "Du får inte längre påminnelser om tidsfrister för det här "
                 "projektet.",
         .confirm_q =
                 "Vill du få tidsfristerna för det här projektet via e-post?",
         .confirm_btn = "Bekräfta",
         .following =
                 "Du får påminnelser om tidsfristerna för det här projektet.",
         .confirm_done = "Tack! Du kommer att få påminnelser om tidsfristerna "
                         "för det här projektet."},
        {.lang = "it",
         .heading = "Promemoria delle scadenze",
         .question = "Interrompere i promemoria delle scadenze per questo "
                     "progetto?",
         .button = "Annulla l'iscrizione",
         .done = "Non riceverai più promemoria delle scadenze per questo "
                 "progetto.",
         .confirm_q = "Vuoi ricevere per email le scadenze di questo progetto?",
         .confirm_btn = "Conferma",
         .following = "Ricevi i promemoria delle scadenze di questo progetto.",
         .confirm_done = "Grazie! Riceverai i promemoria delle scadenze di "
                         "questo progetto."},
        {.lang = "pl",
         .heading = "Przypomnienia o terminach",
         .question =
                 "Przestać wysyłać przypomnienia o terminach tego projektu?",
         .button = "Wypisz się",
         .done = "Nie będziesz już otrzymywać przypomnień o terminach tego "
                 "projektu.",
         .confirm_q = "Czy chcesz otrzymywać e-mailem terminy tego projektu?",
         .confirm_btn = "Potwierdź",
         .following = "Otrzymujesz przypomnienia o terminach tego projektu.",
         .confirm_done = "Dziękujemy! Będziesz otrzymywać przypomnienia o "
                         "terminach tego projektu."},
        {.lang = "es",
         .heading = "Recordatorios de plazos",
         .question =
                 "¿Dejar de recibir recordatorios de plazos de este proyecto?",
         .button = "Darse de baja",
         .done = "Ya no recibirás recordatorios de plazos de este proyecto.",
         .confirm_q =
                 "¿Quieres recibir por correo los plazos de este proyecto?",
         .confirm_btn = "Confirmar",
         .following = "Recibes los recordatorios de plazos de este proyecto.",
         .confirm_done = "¡Gracias! Recibirás los recordatorios de plazos de "
                         "este proyecto."},
        {.lang = "fi",
         .heading = "Määräaikamuistutukset",
         .question = "Lopetetaanko tämän hankkeen määräaikamuistutukset?",
         .button = "Peru tilaus",
         .done = "Et saa enää tämän hankkeen määräaikamuistutuksia.",
         .confirm_q = "Haluatko saada tämän hankkeen määräajat sähköpostiisi?",
         .confirm_btn = "Vahvista",
         .following = "Saat tämän hankkeen määräaikamuistutukset.",
         .confirm_done = "Kiitos! Saat tämän hankkeen määräaikamuistutukset."},
};

static const struct unsub_text *unsub_text(const char *lang)
{
	for (size_t i = 0; i < sizeof(unsub_texts) / sizeof(unsub_texts[0]);
	     i++)
		if (lang && strcmp(unsub_texts[i].lang, lang) == 0)
			return &unsub_texts[i];
	return &unsub_texts[0];
}

static void unsub_view_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t;
	const struct unsub_text *u;
	struct evbuffer *b;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	if (PQntuples(res) != 1) {
		t = page_text_for(r);
		page_message(r, 404, t, t->not_found, "err", t->bad_link);
		return;
	}
	if (need(r, page_text_for(r), res,
	         (const char *const[]){"project_title", "language", NULL}) < 0)
		return;
	t = page_text_get(db_row_get(res, 0, "language"));
	if (t == NULL)
		t = page_text_for(r);
	u = unsub_text(t->lang);
	b = page_begin(t, u->heading);
	if (b) {
		lit(b, "<h1>");
		esc(b, u->heading);
		lit(b, "</h1>\n<p><strong>");
		esc(b, db_row_str(res, 0, "project_title"));
		lit(b, "</strong></p>\n<p>");
		esc(b, u->question);
		lit(b, "</p>\n<form method=\"post\" action=\"/unsubscribe/");
		esc(b, r->params[0]);
		lit(b, "\"><button type=\"submit\">");
		esc(b, u->button);
		lit(b, "</button></form>\n");
	}
	page_end(r, b, 200);
}

/* GET shows the page; it never changes anything (mail scanners follow
 * links). */
static void unsub_get(struct http_req *r)
{
	token_query(r, "SELECT * FROM cv_follow_view($1)", unsub_view_done);
}

/* The one-row answer of a follow action (its "language" column) as a
 * message page: "following from now on" when CONFIRMED, else "no more
 * reminders". */
static void follow_message(struct http_req *r, PGresult *res, const char *err,
                           int confirmed)
{
	const struct page_text *t;
	const struct unsub_text *u;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	t = page_text_get(db_row_get(res, 0, "language"));
	if (t == NULL)
		t = page_text_for(r);
	u = unsub_text(t->lang);
	page_message(r, 200, t, u->heading, "msg",
	             confirmed ? u->confirm_done : u->done);
}

static void unsub_done(void *arg, PGresult *res, const char *err)
{
	follow_message(arg, res, err, 0);
}

/* POST from the page's button, or RFC 8058 one-click from a mail client
 * (body "List-Unsubscribe=One-Click"): both unsubscribe. */
static void unsub_post(struct http_req *r)
{
	token_query(r, "SELECT * FROM cv_unfollow($1)", unsub_done);
}

/* ------------------------------------------------- the privacy notice */

/* GET /privacy[?lang=xx]: the notice of <template_dir>/<lang>/privacy.txt
 * (English when the language has none); paragraphs are separated by blank
 * lines.  404 when no notice is installed. */
static void privacy_get(struct http_req *r)
{
	const struct page_text *t = page_text_for(r);
	const char *notice = tmpl_privacy_notice(t->lang);
	struct evbuffer *b;

	if (notice == NULL) {
		page_message(r, 404, t, t->not_found, "err", t->privacy);
		return;
	}
	b = page_begin(t, t->privacy);
	if (b) {
		const char *p = notice;

		lit(b, "<h1>");
		esc(b, t->privacy);
		lit(b, "</h1>\n");
		while (*p) {
			const char *end = strstr(p, "\n\n");
			size_t len = end ? (size_t)(end - p) : strlen(p);
			size_t n = len;
			char *para = strndup(p, len);

			while (para && n > 0 &&
			       (para[n - 1] == '\n' || para[n - 1] == ' '))
				para[--n] = '\0';
			if (para && *para) {
				lit(b, "<p>");
				esc(b, para);
				lit(b, "</p>\n");
			}
			free(para);
			p += len;
			while (*p == '\n')
				p++;
		}
	}
	page_end(r, b, b ? 200 : 500);
}

/* ----------------------------------------------- follow (double opt-in) */

/* The follow's page: the project, a button that confirms while the follow
 * is unconfirmed, and one that stops it. */
static void follow_view_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t;
	const struct unsub_text *u;
	struct evbuffer *b;
	int confirmed;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, page_text_for(r), res, err);
		return;
	}
	if (PQntuples(res) != 1) {
		t = page_text_for(r);
		page_message(r, 404, t, t->not_found, "err", t->bad_link);
		return;
	}
	if (need(r, page_text_for(r), res,
	         (const char *const[]){"project_title", "language", "confirmed",
	                               NULL}) < 0)
		return;
	t = page_text_get(db_row_get(res, 0, "language"));
	if (t == NULL)
		t = page_text_for(r);
	u = unsub_text(t->lang);
	confirmed = db_row_bool(res, 0, "confirmed");
	b = page_begin(t, u->heading);
	if (b) {
		lit(b, "<h1>");
		esc(b, u->heading);
		lit(b, "</h1>\n<p><strong>");
		esc(b, db_row_str(res, 0, "project_title"));
		lit(b, "</strong></p>\n<p>");
		esc(b, confirmed ? u->following : u->confirm_q);
		lit(b, "</p>\n");
		if (!confirmed) {
			lit(b, "<form method=\"post\" action=\"/follow/");
			esc(b, r->params[0]);
			lit(b, "/confirm\"><button type=\"submit\">");
			esc(b, u->confirm_btn);
			lit(b, "</button></form>\n");
		}
		lit(b, "<form method=\"post\" action=\"/unsubscribe/");
		esc(b, r->params[0]);
		lit(b, "\"><button type=\"submit\">");
		esc(b, u->button);
		lit(b, "</button></form>\n");
	}
	page_end(r, b, 200);
}

/* GET shows the page and changes nothing (mail scanners follow links). */
static void follow_get(struct http_req *r)
{
	token_query(r, "SELECT * FROM cv_follow_view($1)", follow_view_done);
}

static void follow_confirm_done(void *arg, PGresult *res, const char *err)
{
	follow_message(arg, res, err, 1);
}

/* POST from the page's button: the follow counts from now on. */
static void follow_confirm(struct http_req *r)
{
	token_query(r, "SELECT * FROM cv_follow_confirm($1)",
	            follow_confirm_done);
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/privacy",
         .handler = privacy_get},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/events/{id}/register",
         .handler = form_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/events/{id}/register",
         .handler = form_post},
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
        {.method = EVHTTP_REQ_POST,
         .pattern = "/r/{token}/certificate",
         .handler = token_certificate},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/unsubscribe/{token}",
         .handler = unsub_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/unsubscribe/{token}",
         .handler = unsub_post},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/follow/{token}",
         .handler = follow_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/follow/{token}/confirm",
         .handler = follow_confirm},
        {.pattern = NULL},
};

int pages_init(void)
{
	return http_add_routes(routes);
}
