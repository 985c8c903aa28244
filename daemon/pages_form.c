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
#include "text_in.h"

/* ------------------------------------------------------ the form */

/* The event and its registration window, decided by the database
 * (cv_registration_form, sql/functions/registrations.sql). */
static const char form_event_sql[] =
        "SELECT * FROM cv_registration_form($1::bigint)";

void form_ctx_free(struct form_ctx *c)
{
	json_decref(c->vals);
	free(c);
}

const char *form_val(struct form_ctx *c, const char *key)
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
	esc(b, form_val(c, key));
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
	const char *role = form_val(c, "role");

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
		       c->vals ? form_val(c, "language") : t->lang);
	lit(b, "</select>\n<p>");
	page_privacy_link(b, t, t->privacy_use);
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
		form_ctx_free(c);
		return;
	}
	if (PQntuples(res) == 0) {
		page_message(r, 404, t, t->not_found, "err", t->not_found);
		form_ctx_free(c);
		return;
	}
	if (page_need(r, t, res, page_event_cols) < 0 ||
	    page_need(r, t, res,
	              (const char *const[]){"title", "registration",
	                                    "registration_at", NULL}) < 0) {
		form_ctx_free(c);
		return;
	}
	b = page_begin(t, db_row_str(res, 0, "title"));
	if (b) {
		lit(b, "<h1>");
		esc(b, t->title);
		lit(b, "</h1>\n");
		page_event_block(b, t, res, "title");
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
		form_ctx_free(c);
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
	if ((c = form_ctx_new(r)) != NULL)
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
int form_parse(struct form_ctx *c)
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
int form_text_check(struct form_ctx *c)
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
	const char *country = form_val(c, "country");

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (text_in_check(form_val(c, tab[i].key), 0) != NULL) {
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

	if (!ident_id_valid(r->params[0])) {
		const struct page_text *t = page_text_for(r);

		page_message(r, 404, t, t->not_found, "err", t->not_found);
		return;
	}
	if ((c = form_ctx_new(r)) == NULL)
		return;
	if (form_parse(c) < 0) {
		form_show(c);
		return;
	}
	if (page_text_get(form_val(c, "language")))
		c->t = page_text_get(form_val(c, "language"));
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
