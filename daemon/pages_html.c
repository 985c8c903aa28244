/* pages_html.c - the public pages' frame: the head with its style, the
 * privacy link, message and error pages, the event's when and where, and
 * the token check shared by every /r/, /follow/ and /unsubscribe/ page. */
#include "pages_int.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "app.h"
#include "config.h"
#include "db_row.h"
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
	       "margin:1em auto;padding:0 1em;line-height:1.5;color:#111}"
	       "label{display:block;margin-top:.9em;font-weight:600}"
	       "input,select,button{font-size:1em;width:100%;padding:.5em;"
	       "box-sizing:border-box}"
	       "button{margin-top:1.2em;cursor:pointer}"
	       ".msg{padding:.7em;border:2px solid #2a6;background:#efe}"
	       ".err{padding:.7em;border:2px solid #b22;background:#fee}"
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

/* A failed query as a page: the database's message (it names the field). */
void page_db_error(struct http_req *r, const struct page_text *t, PGresult *res,
                   const char *err)
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
        "start_text", "end_text", "tz", "venue", "city", "country", NULL,
};

/* The event of row 0 of RES: its title in column TITLE, the others named as
 * in page_event_cols (checked by the caller). */
void page_event_block(struct evbuffer *b, const struct page_text *t,
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
