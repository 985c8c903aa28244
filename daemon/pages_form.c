/* pages_form.c - the registration form: GET/POST /events/{id}/register,
 * shown again with the reasons when a value is refused. */
#include "pages_int.h"

#include <ctype.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "api_error.h"
#include "app.h"
#include "db_row.h"
#include "ident.h"
#include "json_in.h"
#include "reg.h"
#include "pages_country.h"
#include "text_in.h"

/* ------------------------------------------------------ the form */

/* The event (cv_public_event: its window and seats, decided by the
 * database) and the organisations already registered for its project,
 * for the suggestions. */
static const char form_event_sql[] =
        "SELECT e.*, (SELECT coalesce(json_agg(o.name), '[]') "
        "FROM cv_public_organisations($1::bigint) o) AS organisations, "
        "cv_public_questions($1::bigint) AS questions "
        "FROM cv_public_event($1::bigint) e";

/* The same, for a POST: the form's answers ($2, {key: [text, ...]}) as
 * the API's values by kind, and every problem of them at once
 * (cv_answers_problems: each as cv_answers_check refuses it). */
static const char form_check_sql[] =
        "SELECT e.*, (SELECT coalesce(json_agg(o.name), '[]') "
        "FROM cv_public_organisations($1::bigint) o) AS organisations, "
        "cv_public_questions($1::bigint) AS questions, a.answers, "
        "(SELECT coalesce(json_agg(p), '[]') FROM "
        "cv_answers_problems($1::bigint, a.answers, false) p) AS problems "
        "FROM cv_public_event($1::bigint) e, "
        "cv_answers_from_form($1::bigint, $2::jsonb, false) a(answers)";

const char *const form_keys[FF_N + 1] = {
        "name", "email", "organisation", "country", "role", "language", NULL,
};

void form_ctx_free(struct form_ctx *c)
{
	json_decref(c->vals);
	json_decref(c->raw);
	json_decref(c->questions);
	json_decref(c->qerr);
	free(c);
}

const char *form_val(struct form_ctx *c, const char *key)
{
	const char *v = json_string_value(json_object_get(c->vals, key));

	return v ? v : "";
}

int form_has_errors(const struct form_ctx *c)
{
	if (c->code || json_object_size(c->qerr) > 0)
		return 1;
	for (int i = 0; i < FF_N; i++)
		if (c->fmsg[i])
			return 1;
	return 0;
}

static const char *field_label(const struct form_ctx *c, enum form_field f)
{
	switch (f) {
	case FF_NAME:
		return c->t->name;
	case FF_EMAIL:
		return c->t->email;
	case FF_ORG:
		return c->t->org;
	case FF_COUNTRY:
		return c->w->country;
	case FF_ROLE:
		return c->t->role;
	default:
		return c->t->language;
	}
}

void form_errors_summary(struct evbuffer *b, const struct form_ctx *c)
{
	int listed = json_object_size(c->qerr) > 0;

	if (!form_has_errors(c))
		return;
	for (int f = 0; f < FF_N; f++)
		listed |= c->fmsg[f] != NULL;
	lit(b, "<div class=\"err\" role=\"alert\" id=\"errors\"");
	if (c->code) {
		lit(b, " data-code=\"");
		esc(b, c->code);
		lit(b, "\"");
	}
	lit(b, ">\n<p><strong>");
	esc(b, c->code ? page_words_code(c->w, c->code) : c->w->errors_heading);
	lit(b, "</strong></p>\n");
	if (!listed) {
		lit(b, "</div>\n");
		return;
	}
	lit(b, "<ul>\n");
	for (int f = 0; f < FF_N; f++) {
		if (!c->fmsg[f])
			continue;
		lit(b, "<li><a href=\"#");
		lit(b, form_keys[f]);
		lit(b, "\">");
		esc(b, field_label(c, f));
		lit(b, "</a>: ");
		esc(b, c->fmsg[f]);
		lit(b, "</li>\n");
	}
	form_questions_summary(b, c);
	lit(b, "</ul>\n</div>\n");
}

/* The label, the refusal (when there is one) and the attributes tying it
 * to the control; the control follows. */
static void field_head(struct evbuffer *b, const struct form_ctx *c,
                       enum form_field f, const char *label)
{
	const char *key = form_keys[f];

	lit(b, "<div class=\"field\">\n<label for=\"");
	lit(b, key);
	lit(b, "\">");
	esc(b, label);
	lit(b, "</label>\n");
	if (c->fmsg[f]) {
		lit(b, "<p class=\"field-err\" id=\"");
		lit(b, key);
		lit(b, "-error\" data-code=\"");
		esc(b, c->fcode[f]);
		lit(b, "\">");
		esc(b, c->fmsg[f]);
		lit(b, "</p>\n");
	}
}

static void field_aria(struct evbuffer *b, const struct form_ctx *c,
                       enum form_field f)
{
	if (!c->fmsg[f])
		return;
	lit(b, " aria-invalid=\"true\" aria-describedby=\"");
	lit(b, form_keys[f]);
	lit(b, "-error\"");
}

void form_input(struct evbuffer *b, const struct form_ctx *c, enum form_field f,
                const char *label, const char *attrs, const char *value,
                const char *after)
{
	field_head(b, c, f, label);
	lit(b, "<input id=\"");
	lit(b, form_keys[f]);
	lit(b, "\" name=\"");
	lit(b, form_keys[f]);
	lit(b, "\" ");
	lit(b, attrs);
	field_aria(b, c, f);
	lit(b, " value=\"");
	esc(b, value);
	lit(b, "\">\n");
	if (after)
		lit(b, after);
	lit(b, "</div>\n");
}

static void option(struct evbuffer *b, const char *value, const char *label,
                   const char *chosen)
{
	lit(b, "<option value=\"");
	esc(b, value);
	lit(b, strcmp(value, chosen) == 0 ? "\" selected>" : "\">");
	esc(b, label);
	lit(b, "</option>\n");
}

static void select_open(struct evbuffer *b, const struct form_ctx *c,
                        enum form_field f, const char *label, const char *attrs)
{
	field_head(b, c, f, label);
	lit(b, "<select id=\"");
	lit(b, form_keys[f]);
	lit(b, "\" name=\"");
	lit(b, form_keys[f]);
	lit(b, "\"");
	lit(b, attrs);
	field_aria(b, c, f);
	lit(b, ">\n");
}

void form_country(struct evbuffer *b, const struct form_ctx *c,
                  const char *value)
{
	size_t n = 0;
	const struct page_country *v = page_countries(c->t->lang, &n);
	select_open(b, c, FF_COUNTRY, c->w->country,
	            " required autocomplete=\"country\"");
	option(b, "", c->w->country_choose, value);
	for (size_t i = 0; v && i < n; i++)
		option(b, v[i].code, v[i].name, value);
	lit(b, "</select>\n</div>\n");
}

/* The organisations already registered for the project (a JSON array in
 * column "organisations") as a <datalist>. */
static void org_datalist(struct evbuffer *b, const PGresult *res)
{
	json_t *a = json_loads(db_row_str(res, 0, "organisations"), 0, NULL);
	size_t i;
	json_t *v;

	lit(b, "<datalist id=\"organisations\">\n");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			continue;
		lit(b, "<option value=\"");
		esc(b, json_string_value(v));
		lit(b, "\"></option>\n");
	}
	lit(b, "</datalist>\n");
	json_decref(a);
}

static void form_body(struct evbuffer *b, struct form_ctx *c,
                      const PGresult *res)
{
	const struct page_text *t = c->t;
	const char *role = form_val(c, "role");

	if (res) { /* as the database has them now: places left */
		json_decref(c->questions);
		c->questions =
		        json_loads(db_row_str(res, 0, "questions"), 0, NULL);
	}
	form_errors_summary(b, c);
	lit(b, "<form method=\"post\" action=\"register\" "
	       "accept-charset=\"utf-8\" novalidate>\n");
	form_input(b, c, FF_NAME, t->name,
	           "required maxlength=\"200\" autocomplete=\"name\"",
	           form_val(c, "name"), NULL);
	form_input(b, c, FF_EMAIL, t->email,
	           "type=\"email\" required maxlength=\"254\" "
	           "autocomplete=\"email\"",
	           form_val(c, "email"), NULL);
	form_input(b, c, FF_ORG, t->org,
	           "required maxlength=\"200\" autocomplete=\"organization\" "
	           "list=\"organisations\"",
	           form_val(c, "organisation"), NULL);
	if (res)
		org_datalist(b, res);
	form_country(b, c, form_val(c, "country"));
	select_open(b, c, FF_ROLE, t->role, "");
	option(b, "official", t->role_official, role);
	option(b, "elected", t->role_elected, role);
	option(b, "other", t->role_other, role[0] ? role : "other");
	lit(b, "</select>\n</div>\n");
	select_open(b, c, FF_LANGUAGE, t->language, "");
	for (int i = 0; page_texts[i]; i++)
		option(b, page_texts[i]->lang, page_texts[i]->lang_name,
		       c->vals && *form_val(c, "language")
		               ? form_val(c, "language")
		               : t->lang);
	lit(b, "</select>\n</div>\n");
	form_questions(b, c, c->questions, c->raw, NULL);
	lit(b, "<p>");
	page_privacy_link(b, t, t->privacy_use);
	lit(b, "</p>\n<button type=\"submit\">");
	esc(b, t->submit);
	lit(b, "</button>\n</form>\n");
}

static const char *const form_cols[] = {
        "title",        "description", "registration", "registration_utc",
        "seats_left",   "capacity",    "waiting",      "organisations",
        "project_slug", "start_utc",   "end_utc",      "tz",
        "venue",        "city",        "country",      "project_language",
        "questions",    NULL,
};

static void form_done(void *arg, PGresult *res, const char *err);

/* The POST's check (form_check_sql) came back: the answers' problems next
 * to their questions; with none and the fields fine, the registration is
 * submitted with the answers as the API's values.  Returns 0 when it was
 * (form_done answers then), else -1: the form is shown again. */
static int form_checked(struct form_ctx *c, const PGresult *res)
{
	json_t *problems, *answers;

	c->checking = 0;
	if (strcmp(db_row_str(res, 0, "registration"), "open") != 0) {
		/* closed or cancelled: the window says so, in words */
		c->code = "conflict";
		c->status = 409;
		return -1;
	}
	json_decref(c->questions);
	c->questions = json_loads(db_row_str(res, 0, "questions"), 0, NULL);
	problems = json_loads(db_row_str(res, 0, "problems"), 0, NULL);
	form_note_problems(c, problems);
	json_decref(problems);
	if (form_has_errors(c))
		return -1;
	answers = json_loads(db_row_str(res, 0, "answers"), 0, NULL);
	json_object_set_new(c->vals, "answers",
	                    answers ? answers : json_object());
	if (reg_submit(c->r, c->r->params[0], c->vals, form_done, c) < 0) {
		c->code = "shutting_down";
		c->status = 503;
		json_object_del(c->vals, "answers");
		return -1;
	}
	return 0;
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
		form_ctx_free(c);
		return;
	}
	if (PQntuples(res) == 0) {
		page_message(r, 404, t, t->not_found, "err",
		             page_words_code(c->w, "not_found"));
		form_ctx_free(c);
		return;
	}
	if (page_need(r, t, res, form_cols) < 0) {
		form_ctx_free(c);
		return;
	}
	if (c->checking && form_checked(c, res) == 0)
		return;        /* submitted: form_done answers */
	if (c->vals == NULL) { /* shown, not sent: the project's language */
		c->t = t = page_text_for_default(
		        r, db_row_get(res, 0, "project_language"));
		c->w = page_words_get(t->lang);
	}
	b = page_begin(t, db_row_str(res, 0, "title"));
	if (b) {
		lit(b, "<h1>");
		esc(b, t->title);
		lit(b, "</h1>\n");
		page_event_block(b, t, res, "title");
		page_paras(b, db_row_str(res, 0, "description"));
		window = db_row_str(res, 0, "registration");
		page_seats(b, c->w, res, 0);
		if (strcmp(window, "open") == 0) {
			form_body(b, c, res);
		} else {
			if (c->code && strcmp(c->code, "conflict") != 0)
				form_errors_summary(b, c);
			page_window(b, t, c->w, res);
		}
		page_organiser(b, c->w);
	}
	page_end(r, b, c->status);
	form_ctx_free(c);
}

struct form_ctx *form_ctx_new(struct http_req *r)
{
	struct form_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	c->r = r;
	c->t = page_text_for(r);
	c->w = page_words_get(c->t->lang);
	c->status = 200;
	return c;
}

static void form_show(struct form_ctx *c)
{
	const char *id = c->r->params[0];

	if (db_query(c->r->app->db, form_event_sql, 1, &id, form_event_done,
	             c) < 0) {
		page_message(c->r, 503, c->t, c->t->error, "err",
		             page_words_code(c->w, "shutting_down"));
		form_ctx_free(c);
	}
}

static void form_get(struct http_req *r)
{
	struct form_ctx *c;

	if (!ident_id_valid(r->params[0])) {
		page_not_found(r);
		return;
	}
	if ((c = form_ctx_new(r)) != NULL)
		form_show(c);
}

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

/* An answer "answers.KEY" = V of the form into c->raw ({key: [text,
 * ...]}: a checkbox group repeats its name; an empty value is no answer).
 * Returns 0, or -1 with c->code and c->error set. */
static int form_parse_answer(struct form_ctx *c, const char *key, const char *v)
{
	json_t *list, *s;
	size_t n = strlen(key);

	if (n == 0 || n > 40 || !islower((unsigned char)key[0]) ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") != n) {
		snprintf(c->error, sizeof(c->error),
		         "field answers.%.40s: not known", key);
		c->code = "unknown_field";
		return -1;
	}
	if ((s = json_string(v)) == NULL) {
		snprintf(c->error, sizeof(c->error),
		         "field answers.%s: not valid UTF-8", key);
		return -1;
	}
	if (c->raw == NULL)
		c->raw = json_object();
	list = json_object_get(c->raw, key);
	if (list == NULL) {
		list = json_array();
		json_object_set_new(c->raw, key, list);
	}
	if (*v)
		json_array_append_new(list, s);
	else
		json_decref(s);
	return 0;
}

/* Parse the form-encoded body into c->vals (strings; empty values left
 * out).  Returns 0, or -1 with c->status, c->code and c->error set. */
int form_parse(struct form_ctx *c)
{
	struct http_req *r = c->r;
	const char *ct = http_header(r, "Content-Type");
	struct evkeyvalq q;
	struct evkeyval *kv;
	int rc = 0;

	c->vals = json_object();
	c->status = 400;
	c->code = "bad_request";
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

		if (c->answers_ok && strncmp(kv->key, "answers.", 8) == 0) {
			if (form_parse_answer(c, kv->key + 8, v) < 0) {
				rc = -1;
				break;
			}
			continue;
		}
		for (int i = 0; form_keys[i] && !known; i++)
			known = strcmp(form_keys[i], kv->key) == 0;
		if (!known) {
			snprintf(c->error, sizeof(c->error),
			         "field %.60s: not known", kv->key);
			c->code = "unknown_field";
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
	if (rc == 0) {
		c->status = 200;
		c->code = NULL;
	}
	return rc;
}

static void field_refuse(struct form_ctx *c, enum form_field f,
                         const char *code, const char *msg, int status)
{
	if (c->fmsg[f])
		return; /* the first reason for a field is enough */
	c->fcode[f] = code;
	c->fmsg[f] = msg;
	if (c->status == 200 || status < c->status)
		c->status = status;
}

int form_fields_check(struct form_ctx *c, int partial)
{
	static const size_t max_len[FF_N] = {200, 254, 200, 2, 0, 0};
	const struct page_words *w = c->w;

	for (int f = 0; f < FF_N; f++) {
		const char *v = form_val(c, form_keys[f]);

		if (!*v) {
			if (!partial && f <= FF_COUNTRY)
				field_refuse(c, f, "missing_field",
				             w->e_required, 400);
			continue;
		}
		if (text_in_check(v, 0) != NULL)
			field_refuse(c, f, "invalid_value", w->e_chars, 422);
		else if (max_len[f] && f != FF_COUNTRY &&
		         json_in_utf8_len(v) > max_len[f])
			field_refuse(c, f, "too_long", w->e_too_long, 422);
		else if (f == FF_EMAIL && json_in_email(v) != NULL)
			field_refuse(c, f, "invalid_value", w->e_email, 422);
		else if (f == FF_COUNTRY && !text_in_country_valid(v))
			field_refuse(c, f, "invalid_value", w->e_country, 422);
		else if (f == FF_ROLE && strcmp(v, "official") &&
		         strcmp(v, "elected") && strcmp(v, "other"))
			field_refuse(c, f, "invalid_value", w->e_choice, 422);
		else if (f == FF_LANGUAGE && page_text_get(v) == NULL)
			field_refuse(c, f, "invalid_value", w->e_choice, 422);
	}
	return form_has_errors(c) ? -1 : 0;
}

void form_refusal(struct form_ctx *c, int status, const char *code,
                  const char *field, const char *english)
{
	const char *msg = page_words_field(c->w, code, field);

	snprintf(c->error, sizeof(c->error), "%s", english ? english : "");
	if (field && strncmp(field, "answers.", 8) == 0 && field[8]) {
		/* next to its question (form_questions finds it) */
		if (c->qerr == NULL)
			c->qerr = json_object();
		json_object_set_new(c->qerr, field + 8, json_string(code));
		if (c->status == 200 || status < c->status)
			c->status = status;
		return;
	}
	for (int f = 0; msg && f < FF_N; f++)
		if (strcmp(form_keys[f], field) == 0) {
			field_refuse(c, f, code, msg, status);
			return;
		}
	c->code = code;
	c->status = status;
}

static void form_done(void *arg, PGresult *res, const char *err)
{
	struct form_ctx *c = arg;
	const struct page_text *t = c->t;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1) {
		struct api_error e;

		api_error_from_pg(res, err, &e);
		if (e.status == 400 || e.status == 409 || e.status == 422) {
			/* the form again with the reason, in words; a closed or
			 * cancelled event shows its state instead of the form
			 */
			form_refusal(c, e.status, e.code, e.field, e.message);
			form_show(c);
			return;
		}
		page_db_error(c->r, t, res, err);
		form_ctx_free(c);
		return;
	}
	if (page_need(c->r, t, res,
	              (const char *const[]){"created", "resent", NULL}) < 0) {
		form_ctx_free(c);
		return;
	}
	/* the same page whether the address was new, pending or already
	 * registered: nobody learns who is registered */
	page_message(c->r, 200, t, t->title, "msg", t->check_mail);
	form_ctx_free(c);
}

static void form_post(struct http_req *r)
{
	struct json_in_error e;
	struct form_ctx *c;
	const char *params[2];
	char *raw;
	int rc;

	if (!ident_id_valid(r->params[0])) {
		page_not_found(r);
		return;
	}
	if ((c = form_ctx_new(r)) == NULL)
		return;
	c->answers_ok = 1;
	if (form_parse(c) < 0) {
		form_show(c);
		return;
	}
	if (page_text_get(form_val(c, "language"))) {
		c->t = page_text_get(form_val(c, "language"));
		c->w = page_words_get(c->t->lang);
	}
	/* the API's own rule decides; what it refuses is shown in words */
	if (form_fields_check(c, 0) == 0 && reg_input_check(c->vals, &e) < 0)
		form_refusal(c, e.status, e.code, e.field, e.message);
	/* the answers are checked by the database, all at once, with the
	 * event: every refusal is shown together */
	raw = c->raw ? json_dumps(c->raw, JSON_COMPACT) : NULL;
	params[0] = r->params[0];
	params[1] = raw ? raw : "{}";
	c->checking = 1;
	rc = db_query(r->app->db, form_check_sql, 2, params, form_event_done,
	              c);
	free(raw);
	if (rc < 0) {
		page_message(r, 503, c->t, c->t->error, "err",
		             page_words_code(c->w, "shutting_down"));
		form_ctx_free(c);
	}
}

const struct http_route pages_form_routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/events/{id}/register",
         .handler = form_get},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/events/{id}/register",
         .handler = form_post},
        {.pattern = NULL},
};
