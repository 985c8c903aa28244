/* pages_int.h - what the public pages' files share: the HTML frame and
 * escaping (pages_html.c), the registration form's state (pages_form.c,
 * also used by the token page's correction form) and each file's routes,
 * which pages.c registers. */
#ifndef CONVENED_PAGES_INT_H
#define CONVENED_PAGES_INT_H

#include <event2/buffer.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "http.h"
#include "pages_text.h"
#include "pages_words.h"

/* ------------------------------------------------------ pages_html.c */

/* Append S (NULL as "") escaped for HTML text and attribute values. */
static inline void esc(struct evbuffer *b, const char *s)
{
	char *e = http_html_escape(s ? s : "");

	if (e)
		evbuffer_add(b, e, strlen(e));
	free(e);
}

/* Append S as it is: markup written by the page itself. */
static inline void lit(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, s, strlen(s));
}

/* base_url without a trailing '/' into BUF ("" without a config: a page
 * built outside the daemon, as by the fuzzers).  Returns BUF. */
const char *page_base(char *buf, size_t len);

/* A link to the privacy notice in T's language, with TEXT. */
void page_privacy_link(struct evbuffer *b, const struct page_text *t,
                       const char *text);

/* A new page in T's language titled TITLE (escaped), up to <main>; NULL
 * when out of memory (page_end answers 500 then). */
struct evbuffer *page_begin(const struct page_text *t, const char *title);

/* Close the page B, answer it with STATUS and free B. */
void page_end(struct http_req *r, struct evbuffer *b, int status);

/* A page with a heading and one message (CLS "msg" or "err"). */
void page_message(struct http_req *r, int status, const struct page_text *t,
                  const char *heading, const char *cls, const char *msg);

/* A failed query as a page: the database's message (it names the field). */
void page_db_error(struct http_req *r, const struct page_text *t, PGresult *res,
                   const char *err);

/* TEXT as paragraphs (separated by blank lines), escaped. */
void page_paras(struct evbuffer *b, const char *text);

/* The 404 page in the request's language. */
void page_not_found(struct http_req *r);

/* Why registration is not open (row 0 of RES: registration,
 * registration_at, over): cancelled, over, opens on, closed on. */
void page_window(struct evbuffer *b, const struct page_text *t,
                 const struct page_words *w, const PGresult *res);

/* The seats line of ROW of RES (registration, seats_left) while
 * registration is open: "Seats left: N", or the waiting-list warning. */
void page_seats(struct evbuffer *b, const struct page_words *w,
                const PGresult *res, int row);

/* "Questions? Contact the organiser: ..." ([calendar] organizer). */
void page_organiser(struct evbuffer *b, const struct page_words *w);

/* The subscribe buttons for the feed at PATH ("/calendars/...ics") named
 * NAME: webcal://, Google Calendar by URL, Outlook.com, the https URL. */
void page_subscribe(struct evbuffer *b, const struct page_words *w,
                    const char *path, const char *name);

/* 0 when RES has every column of NAMES, else -1 after an error page. */
int page_need(struct http_req *r, const struct page_text *t,
              const PGresult *res, const char *const *names);

/* The columns page_event_block reads, for page_need. */
extern const char *const page_event_cols[];

/* When (start_text, end_text, tz) and where (venue, city, country named
 * in T's language) of ROW of RES. */
void page_when_where(struct evbuffer *b, const struct page_text *t,
                     const PGresult *res, int row);

/* The event of row 0 of RES: its title in column TITLE_COL, when and
 * where. */
void page_event_block(struct evbuffer *b, const struct page_text *t,
                      const PGresult *res, const char *title_col);

/* 0 when the route's token (params[0]) is well formed, else -1 after the
 * "bad link" page. */
int page_token_check(struct http_req *r);

/* Run SQL ($1 = the link's token) and answer in CB; a malformed token is
 * the "bad link" page and never reaches the database. */
void page_token_query(struct http_req *r, const char *sql, db_cb cb);

/* ------------------------------------------------------ pages_form.c */

/* The form's fields, in the order they are shown. */
enum form_field {
	FF_NAME,
	FF_EMAIL,
	FF_ORG,
	FF_COUNTRY,
	FF_ROLE,
	FF_LANGUAGE,
	FF_N
};

/* Their names in the form and the API. */
extern const char *const form_keys[FF_N + 1];

struct form_ctx {
	struct http_req *r;
	const struct page_text *t;
	const struct page_words *w; /* t's language */
	json_t *vals;               /* submitted values, or NULL */
	int status;                 /* of the page: 200, or the error's */
	char error[256];            /* what was wrong, in English (the log) */
	/* a refusal not about one field: its API code (pages_words), and
	 * the field it names when that is not one of the form's */
	const char *code;
	/* each field's refusal: the API code and the sentence shown next to
	 * the field (NULL: the field is fine) */
	const char *fcode[FF_N];
	const char *fmsg[FF_N];
	/* registration questions (issue 19): whether the form posts
	 * "answers.KEY" fields, their values as posted ({key: [text, ...]}),
	 * the questions shown (as cv_public_questions or cv_question_json
	 * gives them), each refused answer's code ({key: code}), and a change
	 * of answers refused because registration has closed */
	int answers_ok;
	json_t *raw;
	json_t *questions;
	json_t *qerr;
	int closed;
	int checking; /* pages_form.c: the POST's check query is running */
};

/* A form state for R in its page language; NULL after a 500 page. */
struct form_ctx *form_ctx_new(struct http_req *r);
void form_ctx_free(struct form_ctx *c);

/* The submitted value of KEY, "" when none. */
const char *form_val(struct form_ctx *c, const char *key);

/* Parse the form-encoded body into c->vals (strings; empty values left
 * out).  Returns 0, or -1 with c->status and c->error set. */
int form_parse(struct form_ctx *c);

/* Check every field at once with the rules of reg_input_check (required,
 * length, characters, email, country, choices), noting each refusal next
 * to its field.  Returns 0, or -1 with c->status 422 (or 400 for a missing
 * field) and the fields' messages set. */
int form_fields_check(struct form_ctx *c, int partial);

/* A refusal of the API's rules (reg_input_check, reg_correct_check) or of
 * the database: its message next to FIELD when it is one of the form's,
 * else a general one from CODE. */
void form_refusal(struct form_ctx *c, int status, const char *code,
                  const char *field, const char *english);

/* 1 when C has a refusal to show. */
int form_has_errors(const struct form_ctx *c);

/* The summary of C's refusals (role="alert", every one at once, each
 * linking to its field). */
void form_errors_summary(struct evbuffer *b, const struct form_ctx *c);

/* A labelled field KEY (an input with ATTRS and VALUE) with its refusal
 * tied to it (aria-invalid, aria-describedby). */
void form_input(struct evbuffer *b, const struct form_ctx *c, enum form_field f,
                const char *label, const char *attrs, const char *value,
                const char *after);

/* The country <select> in T's language (ICU names), VALUE chosen. */
void form_country(struct evbuffer *b, const struct form_ctx *c,
                  const char *value);

/* The questions QUESTIONS (a JSON array as cv_public_questions or
 * cv_question_json gives them) as form controls named "answers.KEY", in
 * c's language (English when a text has none), required marked in words,
 * each refusal of c->qerr next to its question (aria-invalid,
 * aria-describedby); VALUES ({key: [text, ...]}) chosen; a full group
 * disabled with the word, unless HELD ({key: [text, ...]}, the person's
 * stored answers) holds it.  Keeps a reference to QUESTIONS in c for
 * form_errors_summary. */
void form_questions(struct evbuffer *b, struct form_ctx *c, json_t *questions,
                    const json_t *values, const json_t *held);

/* The items of the refusals' summary for c->qerr: "<li>" a link to the
 * question, its label, the sentence. */
void form_questions_summary(struct evbuffer *b, const struct form_ctx *c);

/* Stored answers ({key: JSON value}) as form values ({key: [text, ...]}):
 * true "yes", false "no", a number its text, a list its texts.  A new
 * reference (an empty object when ANSWERS is not one). */
json_t *form_answer_texts(const json_t *answers);

/* An answer (JSON value) of question Q as a person reads it: option
 * labels, yes or no, a date in words (when.h), into a new string (free);
 * NULL when out of memory. */
char *form_answer_show(const struct form_ctx *c, const json_t *q,
                       const json_t *value);

/* The problems of cv_answers_problems (a JSON array of {field, code,
 * message}) noted next to their questions (c->qerr), status 422; one not
 * about an answer becomes c->code. */
void form_note_problems(struct form_ctx *c, const json_t *problems);

/* ------------------------------------------------------ routes */

extern const struct http_route pages_form_routes[];   /* pages_form.c */
extern const struct http_route pages_token_routes[];  /* pages_token.c */
extern const struct http_route pages_follow_routes[]; /* pages_follow.c */
extern const struct http_route pages_public_routes[]; /* pages_public.c */

#endif
