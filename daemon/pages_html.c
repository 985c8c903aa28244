/* pages_html.c - the public pages' frame: the head with its style, the
 * privacy link, message and error pages, the event's when and where, and
 * the token check shared by every /r/, /follow/ and /unsubscribe/ page. */
#include "pages_int.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api_error.h"
#include "app.h"
#include "config.h"
#include "db_row.h"
#include "pages_country.h"
#include "when.h"
#include "token.h"

/* base_url without a trailing '/' into BUF ("" without a config: a page
 * built outside the daemon, as by the fuzzers). */
const char *page_base(char *buf, size_t len)
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

/* A link to the privacy notice in T's language, with TEXT. */
void page_privacy_link(struct evbuffer *b, const struct page_text *t,
                       const char *text)
{
	char buf[512];

	lit(b, "<a href=\"");
	esc(b, page_base(buf, sizeof(buf)));
	lit(b, "/privacy?lang=");
	lit(b, t->lang);
	lit(b, "\">");
	esc(b, text);
	lit(b, "</a>");
}

/* Every page starts with a link to the privacy notice. */
struct evbuffer *page_begin(const struct page_text *t, const char *title)
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
	       "margin:1em auto;padding:0 1em;line-height:1.5;color:#111;"
	       "background:#fff;overflow-wrap:anywhere}"
	       "a{color:#0645ad}"
	       "a:focus,input:focus,select:focus,textarea:focus,button:focus,"
	       ".btn:focus{"
	       "outline:3px solid #b35c00;outline-offset:2px}"
	       "label{display:block;margin-top:.9em;font-weight:600}"
	       "input,select,textarea,button{font-size:1em;width:100%;"
	       "padding:.5em;box-sizing:border-box;border:1px solid #555;"
	       "border-radius:4px}"
	       "input[type=radio],input[type=checkbox]{width:auto;"
	       "margin:.3em .5em .3em 0;vertical-align:middle}"
	       "fieldset{border:0;padding:0;margin:.9em 0 0}"
	       "legend{font-weight:600;padding:0}"
	       ".opt{display:block;margin:.2em 0;font-weight:400}"
	       ".opt.full{color:#555}"
	       ".help{margin:.1em 0;color:#444}"
	       ".req{font-weight:400}"
	       ".day{margin:1em 0}"
	       ".slot{display:flex;flex-direction:column;gap:.5em;"
	       "margin:.5em 0}"
	       ".item{border-left:4px solid #0b5394;padding:.3em .7em;"
	       "background:#f4f7fb}"
	       ".item h4{margin:.1em 0}.item p,.item ul{margin:.2em 0}"
	       ".time{font-weight:600}"
	       "@media (min-width:40em){.slot.parallel{flex-direction:row}"
	       ".slot.parallel>.item{flex:1 1 0;min-width:0}}"
	       "button,.btn{margin-top:1.2em;cursor:pointer;background:#0b5394;"
	       "color:#fff;border:0;font-weight:600}"
	       ".btn{display:inline-block;padding:.6em 1em;border-radius:4px;"
	       "text-decoration:none;margin-top:.4em}"
	       "button.danger{background:#a51d1d}"
	       "button.quiet,.btn.quiet{background:#e8e8e8;color:#111}"
	       "[aria-invalid=true]{border:2px solid #a51d1d}"
	       ".field-err{color:#a51d1d;font-weight:600;margin:.2em 0}"
	       ".msg{padding:.7em;border:2px solid #2a6;background:#efe}"
	       ".err{padding:.7em;border:2px solid #b22;background:#fee}"
	       ".warn{padding:.7em;border:2px solid #b35c00;background:#fff4e5}"
	       ".badge{font-weight:600}"
	       "ul.items{list-style:none;padding:0}"
	       "ul.items>li{border-top:1px solid #ccc;padding:.7em 0}"
	       "header{font-size:.9em;text-align:right}"
	       "</style>\n</head>\n<body>\n<header>");
	page_privacy_link(b, t, t->privacy);
	lit(b, "</header>\n<main>\n");
	return b;
}

void page_end(struct http_req *r, struct evbuffer *b, int status)
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
void page_message(struct http_req *r, int status, const struct page_text *t,
                  const char *heading, const char *cls, const char *msg)
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

/* A failed query as a page: the error's code in words, never the
 * database's English. */
void page_db_error(struct http_req *r, const struct page_text *t, PGresult *res,
                   const char *err)
{
	struct api_error e;
	const struct page_words *w = page_words_get(t->lang);

	api_error_from_pg(res, err, &e);
	page_message(r, e.status, t, e.status == 404 ? t->not_found : t->error,
	             "err",
	             e.status == 404 && e.field && !strcmp(e.field, "token")
	                     ? t->bad_link
	                     : page_words_code(w, e.code));
}

void page_paras(struct evbuffer *b, const char *text)
{
	const char *p = text ? text : "";

	while (*p) {
		const char *end = strstr(p, "\n\n");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *para = strndup(p, len);
		size_t n = len;

		while (para && n > 0 && strchr("\n\r ", para[n - 1]))
			para[--n] = '\0';
		if (para && *para) {
			lit(b, "<p>");
			esc(b, para);
			lit(b, "</p>\n");
		}
		free(para);
		p += len;
		while (*p == '\n' || *p == '\r')
			p++;
	}
}

void page_not_found(struct http_req *r)
{
	const struct page_text *t = page_text_for(r);

	page_message(r, 404, t, t->not_found, "err",
	             page_words_code(page_words_get(t->lang), "not_found"));
}

void page_window(struct evbuffer *b, const struct page_text *t,
                 const struct page_words *w, const PGresult *res)
{
	const char *window = db_row_str(res, 0, "registration");
	const char *over = db_row_get(res, 0, "over");

	lit(b, "<p class=\"err\" role=\"status\" id=\"window\" "
	       "data-registration=\"");
	esc(b, window);
	lit(b, "\">");
	if (strcmp(window, "cancelled") == 0) {
		esc(b, t->ev_cancelled);
	} else if (over && strcmp(over, "t") == 0) {
		esc(b, w->over);
	} else if (strcmp(window, "open") != 0) {
		char at[256];

		/* the day and time in words in the event's zone */
		when_event(at, sizeof(at), t->lang, db_row_str(res, 0, "tz"),
		           db_row_int(res, 0, "registration_utc"), 0, 0, NULL);
		esc(b, strcmp(window, "opens") == 0 ? t->opens : t->closed);
		lit(b, " ");
		esc(b, at);
	}
	lit(b, "</p>\n");
}

void page_seats(struct evbuffer *b, const struct page_words *w,
                const PGresult *res, int row)
{
	const char *left = db_row_get(res, row, "seats_left");

	if (strcmp(db_row_str(res, row, "registration"), "open") != 0 ||
	    left == NULL)
		return;
	if (strcmp(left, "0") == 0) {
		lit(b, "<p class=\"warn\" id=\"seats\" data-seats=\"0\">");
		esc(b, w->full_warning);
	} else {
		lit(b, "<p id=\"seats\" data-seats=\"");
		esc(b, left);
		lit(b, "\">");
		esc(b, w->seats_left);
		lit(b, " <strong>");
		esc(b, left);
		lit(b, "</strong>");
	}
	lit(b, "</p>\n");
}

void page_organiser(struct evbuffer *b, const struct page_words *w)
{
	const struct config *cfg = app_instance ? app_instance->cfg : NULL;
	const char *mail = cfg ? cfg->cal_organizer : NULL;
	const char *name = cfg ? cfg->cal_organizer_name : NULL;

	if (mail == NULL || *mail == '\0')
		return;
	lit(b, "<p id=\"organiser\">");
	esc(b, w->questions);
	lit(b, " <a href=\"mailto:");
	esc(b, mail);
	lit(b, "\">");
	esc(b, name && *name ? name : mail);
	lit(b, "</a> (");
	esc(b, mail);
	lit(b, ")</p>\n");
}

void page_subscribe(struct evbuffer *b, const struct page_words *w,
                    const char *path, const char *name)
{
	char base[512], url[1024], webcal[1040];
	char *enc_url, *enc_name;
	const char *rest;

	snprintf(url, sizeof(url), "%s%s", page_base(base, sizeof(base)), path);
	rest = strstr(url, "://");
	snprintf(webcal, sizeof(webcal), "webcal://%s", rest ? rest + 3 : url);
	enc_url = evhttp_encode_uri(url);
	enc_name = evhttp_encode_uri(name ? name : "");
	lit(b, "<section id=\"subscribe\">\n<h2>");
	esc(b, w->subscribe);
	lit(b, "</h2>\n<ul>\n<li><a id=\"sub-webcal\" href=\"");
	esc(b, webcal);
	lit(b, "\">");
	esc(b, w->sub_webcal);
	lit(b, "</a></li>\n<li><a id=\"sub-google\" href=\""
	       "https://calendar.google.com/calendar/r?cid=");
	esc(b, webcal);
	lit(b, "\">");
	esc(b, w->sub_google);
	lit(b, "</a></li>\n<li><a id=\"sub-outlook\" href=\""
	       "https://outlook.live.com/calendar/0/addfromweb?url=");
	esc(b, enc_url ? enc_url : "");
	lit(b, "&amp;name=");
	esc(b, enc_name ? enc_name : "");
	lit(b, "\">");
	esc(b, w->sub_outlook);
	lit(b, "</a></li>\n</ul>\n<label for=\"feed-url\">");
	esc(b, w->sub_copy);
	lit(b, "</label>\n<input id=\"feed-url\" readonly value=\"");
	esc(b, url);
	lit(b, "\">\n<p><a id=\"sub-https\" href=\"");
	esc(b, url);
	lit(b, "\">");
	esc(b, url);
	lit(b, "</a></p>\n</section>\n");
	free(enc_url);
	free(enc_name);
}

/* 0 when RES has every column of NAMES, else -1 after an error page. */
int page_need(struct http_req *r, const struct page_text *t,
              const PGresult *res, const char *const *names)
{
	char err[128];

	if (db_row_need(res, names, err, sizeof(err)) == 0)
		return 0;
	page_message(r, 500, t, t->error, "err", err);
	return -1;
}

/* "<p><strong>When</strong>: start – end (tz)</p>" and the place. */
const char *const page_event_cols[] = {
        "start_utc", "end_utc", "all_day", "tz",
        "venue",     "city",    "country", NULL,
};

/* The event of row 0 of RES: its title in column TITLE, the others named as
 * in page_event_cols (checked by the caller). */
void page_when_where(struct evbuffer *b, const struct page_text *t,
                     const PGresult *res, int row)
{
	const char *tz = db_row_str(res, row, "tz");
	const char *cc = db_row_str(res, row, "country");
	const char *country = page_country_name(t->lang, cc);
	const char *where[3] = {db_row_str(res, row, "venue"),
	                        db_row_str(res, row, "city"),
	                        country ? country : cc};
	char when[512];
	int n = 0;

	/* in words, in the reader's language (when.h, from ICU) */
	when_event(when, sizeof(when), t->lang, tz,
	           db_row_int(res, row, "start_utc"),
	           db_row_int(res, row, "end_utc"),
	           db_row_bool(res, row, "all_day"),
	           db_row_str(res, row, "city"));
	lit(b, "<p class=\"when\"><strong>");
	esc(b, t->when);
	lit(b, ":</strong> ");
	esc(b, when);
	lit(b, "</p>\n");
	for (int i = 0; i < 3; i++)
		n += where[i][0] != '\0';
	if (n == 0)
		return;
	lit(b, "<p class=\"where\"><strong>");
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

void page_event_block(struct evbuffer *b, const struct page_text *t,
                      const PGresult *res, const char *title_col)
{
	lit(b, "<h2>");
	esc(b, db_row_str(res, 0, title_col));
	lit(b, "</h2>\n");
	page_when_where(b, t, res, 0);
}

int page_token_check(struct http_req *r)
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
void page_token_query(struct http_req *r, const char *sql, db_cb cb)
{
	const char *token = r->params[0];

	if (page_token_check(r) < 0)
		return;
	if (db_query(r->app->db, sql, 1, &token, cb, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}
