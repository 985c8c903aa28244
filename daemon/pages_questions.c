/* pages_questions.c - registration questions on the public pages (issue
 * 19): each kind as form controls named "answers.KEY" (on the form and on
 * the token page), their refusals next to them, and stored answers shown
 * as a person reads them.  What an answer may be is decided by the
 * database (cv_answers_check); this file only shows. */
#include "pages_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "when.h"

/* A text of MAP ({"en": ..., "pl": ...}) in LANG, else English. */
static const char *q_text(const json_t *map, const char *lang)
{
	const char *s = json_string_value(json_object_get(map, lang));

	if (s == NULL)
		s = json_string_value(json_object_get(map, "en"));
	return s ? s : "";
}

static const char *q_str(const json_t *q, const char *key)
{
	const char *s = json_string_value(json_object_get(q, key));

	return s ? s : "";
}

static int q_is(const json_t *q, const char *kind)
{
	return strcmp(q_str(q, "kind"), kind) == 0;
}

/* The question of c->questions with KEY, or NULL. */
static const json_t *q_find(const struct form_ctx *c, const char *key)
{
	size_t i;
	json_t *q;

	json_array_foreach(c->questions, i, q)
	{
		if (strcmp(q_str(q, "key"), key) == 0)
			return q;
	}
	return NULL;
}

void form_questions_summary(struct evbuffer *b, const struct form_ctx *c)
{
	const char *key;
	size_t i;
	json_t *q, *v;

	json_array_foreach(c->questions, i, q)
	{
		const char *key = q_str(q, "key");
		const char *code =
		        json_string_value(json_object_get(c->qerr, key));

		if (code == NULL)
			continue;
		lit(b, "<li><a href=\"#answers-");
		esc(b, key);
		lit(b, "\">");
		esc(b, q_text(json_object_get(q, "label"), c->t->lang));
		lit(b, "</a>: ");
		esc(b, page_words_answer(c->w, code, q_str(q, "kind")));
		lit(b, "</li>\n");
	}
	/* an answer to no question shown (a tampered form): in words */
	json_object_foreach(c->qerr, key, v)
	{
		if (q_find(c, key))
			continue;
		lit(b, "<li>");
		esc(b, page_words_code(c->w, "unknown_field"));
		lit(b, "</li>\n");
	}
}

void form_note_problems(struct form_ctx *c, const json_t *problems)
{
	size_t i;
	json_t *p;

	json_array_foreach(problems, i, p)
	{
		const char *field = q_str(p, "field");
		const char *code = q_str(p, "code");

		if (strncmp(field, "answers.", 8) == 0 &&
		    q_find(c, field + 8)) {
			if (c->qerr == NULL)
				c->qerr = json_object();
			if (json_object_get(c->qerr, field + 8) == NULL)
				json_object_set_new(c->qerr, field + 8,
				                    json_string(code));
		} else if (c->code == NULL) {
			/* not one of the questions shown (a tampered form) */
			c->code = strcmp(code, "invalid_value") == 0
			                  ? "unknown_field"
			                  : "bad_request";
		}
		if (c->status == 200 || c->status > 422)
			c->status = 422;
	}
}

/* 1 when VALUES ({key: [text, ...]}) has V for KEY. */
static int has_value(const json_t *values, const char *key, const char *v)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(values, key), i, x)
	{
		if (json_is_string(x) && strcmp(json_string_value(x), v) == 0)
			return 1;
	}
	return 0;
}

static const char *first_value(const json_t *values, const char *key)
{
	const char *s = json_string_value(
	        json_array_get(json_object_get(values, key), 0));

	return s ? s : "";
}

/* A group's places left: "left" (cv_public_questions), or capacity less
 * taken (cv_question_json); -1 when the option is not a group. */
static long long option_left(const json_t *o)
{
	const json_t *left = json_object_get(o, "left");
	const json_t *cap = json_object_get(o, "capacity");

	if (json_is_integer(left))
		return json_integer_value(left);
	if (json_is_integer(cap)) {
		long long n = json_integer_value(cap) -
		              json_integer_value(json_object_get(o, "taken"));

		return n > 0 ? n : 0;
	}
	return -1;
}

/* The id of question KEY's control (SUFFIX: "", "-help", "-error", or an
 * option's "-N"). */
static void q_id(struct evbuffer *b, const char *key, const char *suffix)
{
	lit(b, "answers-");
	esc(b, key);
	lit(b, suffix);
}

/* The attributes tying a control to its help text and refusal. */
static void q_aria(struct evbuffer *b, const char *key, int help, int err)
{
	if (help || err) {
		lit(b, " aria-describedby=\"");
		if (help)
			q_id(b, key, "-help");
		if (help && err)
			lit(b, " ");
		if (err)
			q_id(b, key, "-error");
		lit(b, "\"");
	}
	if (err)
		lit(b, " aria-invalid=\"true\"");
}

/* The label text, and "(required)" in words. */
static void q_label_text(struct evbuffer *b, const struct form_ctx *c,
                         const json_t *q)
{
	esc(b, q_text(json_object_get(q, "label"), c->t->lang));
	if (json_is_true(json_object_get(q, "required"))) {
		lit(b, " <span class=\"req\">");
		esc(b, c->w->required);
		lit(b, "</span>");
	}
}

/* The help text and the refusal (CODE, or NULL) under the label. */
static void q_help_err(struct evbuffer *b, const struct form_ctx *c,
                       const json_t *q, const char *help, const char *code)
{
	const char *key = q_str(q, "key");

	if (*help) {
		lit(b, "<p class=\"help\" id=\"");
		q_id(b, key, "-help");
		lit(b, "\">");
		esc(b, help);
		lit(b, "</p>\n");
	}
	if (code) {
		lit(b, "<p class=\"field-err\" id=\"");
		q_id(b, key, "-error");
		lit(b, "\" data-code=\"");
		esc(b, code);
		lit(b, "\">");
		esc(b, page_words_answer(c->w, code, q_str(q, "kind")));
		lit(b, "</p>\n");
	}
}

/* An option's label: its text, then a group's places or "full" (in a
 * span unless PLAIN: an <option> holds text only). */
static void option_text(struct evbuffer *b, const struct form_ctx *c,
                        const json_t *o, int full, int plain)
{
	long long left = option_left(o);
	char n[32];

	esc(b, q_text(json_object_get(o, "label"), c->t->lang));
	if (!full && left < 0)
		return;
	lit(b, plain ? " " : " <span class=\"left\">");
	if (full) {
		lit(b, "– ");
		esc(b, c->w->full);
	} else {
		snprintf(n, sizeof(n), "%lld", left);
		lit(b, "(");
		esc(b, c->w->places_left);
		lit(b, " ");
		lit(b, n);
		lit(b, ")");
	}
	if (!plain)
		lit(b, "</span>");
}

/* Radios or checkboxes (TYPE) of a choice, choices or yes_no question
 * with OPTIONS ([{value, label, ...}]). */
static void q_options(struct evbuffer *b, const struct form_ctx *c,
                      const json_t *q, const json_t *options, const char *type,
                      const json_t *values, const json_t *held, int help,
                      int err)
{
	const char *key = q_str(q, "key");
	int radio = strcmp(type, "radio") == 0;
	size_t i;
	json_t *o;

	json_array_foreach(options, i, o)
	{
		const char *v = q_str(o, "value");
		int full = option_left(o) == 0 && !has_value(held, key, v);
		char suffix[24];

		snprintf(suffix, sizeof(suffix), i ? "-%zu" : "", i);
		lit(b, full ? "<label class=\"opt full\" for=\""
		            : "<label class=\"opt\" for=\"");
		q_id(b, key, suffix);
		lit(b, "\"><input type=\"");
		lit(b, type);
		lit(b, "\" id=\"");
		q_id(b, key, suffix);
		lit(b, "\" name=\"answers.");
		esc(b, key);
		lit(b, "\" value=\"");
		esc(b, v);
		lit(b, "\"");
		if (has_value(values, key, v) && !full)
			lit(b, " checked");
		if (full)
			lit(b, " disabled");
		if (!radio) /* a radio's state is its group's */
			q_aria(b, key, help, err);
		lit(b, ">");
		option_text(b, c, o, full, 0);
		lit(b, "</label>\n");
	}
}

/* One question as controls, in a div (text, number, date, select) or a
 * fieldset (radios, checkboxes). */
static void form_question(struct evbuffer *b, struct form_ctx *c,
                          const json_t *q, const json_t *values,
                          const json_t *held)
{
	const char *key = q_str(q, "key");
	const char *help = q_text(json_object_get(q, "help"), c->t->lang);
	const char *code = json_string_value(json_object_get(c->qerr, key));
	const json_t *options = json_object_get(q, "options");
	int req = json_is_true(json_object_get(q, "required"));
	json_t *yn = NULL;

	if (q_is(q, "yes_no")) {
		yn = json_pack("[{s:s,s:{s:s}},{s:s,s:{s:s}}]", "value", "yes",
		               "label", c->t->lang, c->w->yes, "value", "no",
		               "label", c->t->lang, c->w->no);
		options = yn;
	}
	if (q_is(q, "choices") || yn ||
	    (q_is(q, "choice") && json_array_size(options) <= 8)) {
		int radio = !q_is(q, "choices");

		lit(b, "<fieldset class=\"question\" data-key=\"");
		esc(b, key);
		lit(b, radio ? "\" role=\"radiogroup\"" : "\"");
		if (radio) {
			q_aria(b, key, *help, code != NULL);
			if (req)
				lit(b, " aria-required=\"true\"");
		}
		lit(b, ">\n<legend>");
		q_label_text(b, c, q);
		lit(b, "</legend>\n");
		q_help_err(b, c, q, help, code);
		q_options(b, c, q, options, radio ? "radio" : "checkbox",
		          values, held, *help, code != NULL);
		lit(b, "</fieldset>\n");
		json_decref(yn);
		return;
	}
	if (q_is(q, "consent")) {
		lit(b, "<div class=\"field question\" data-key=\"");
		esc(b, key);
		lit(b, "\">\n<label class=\"opt\" for=\"");
		q_id(b, key, "");
		lit(b, "\"><input type=\"checkbox\" id=\"");
		q_id(b, key, "");
		lit(b, "\" name=\"answers.");
		esc(b, key);
		lit(b, "\" value=\"yes\"");
		if (has_value(values, key, "yes"))
			lit(b, " checked");
		if (req)
			lit(b, " required");
		q_aria(b, key, *help, code != NULL);
		lit(b, "> ");
		q_label_text(b, c, q);
		lit(b, "</label>\n");
		q_help_err(b, c, q, help, code);
		lit(b, "</div>\n");
		return;
	}
	lit(b, "<div class=\"field question\" data-key=\"");
	esc(b, key);
	lit(b, "\">\n<label for=\"");
	q_id(b, key, "");
	lit(b, "\">");
	q_label_text(b, c, q);
	lit(b, "</label>\n");
	q_help_err(b, c, q, help, code);
	if (q_is(q, "choice")) { /* many options: a list */
		size_t i;
		json_t *o;

		lit(b, "<select id=\"");
		q_id(b, key, "");
		lit(b, "\" name=\"answers.");
		esc(b, key);
		lit(b, "\"");
		if (req)
			lit(b, " required");
		q_aria(b, key, *help, code != NULL);
		lit(b, ">\n<option value=\"\">");
		esc(b, c->w->choose_one);
		lit(b, "</option>\n");
		json_array_foreach(options, i, o)
		{
			const char *v = q_str(o, "value");
			int full =
			        option_left(o) == 0 && !has_value(held, key, v);

			lit(b, "<option value=\"");
			esc(b, v);
			lit(b, "\"");
			if (has_value(values, key, v) && !full)
				lit(b, " selected");
			if (full)
				lit(b, " disabled");
			lit(b, ">");
			option_text(b, c, o, full, 1);
			lit(b, "</option>\n");
		}
		lit(b, "</select>\n</div>\n");
		return;
	}
	if (q_is(q, "long_text")) {
		lit(b, "<textarea rows=\"4\" id=\"");
	} else {
		lit(b, "<input type=\"");
		lit(b, q_is(q, "number") ? "number\" step=\"any"
		       : q_is(q, "date") ? "date"
		                         : "text");
		lit(b, "\" id=\"");
	}
	q_id(b, key, "");
	lit(b, "\" name=\"answers.");
	esc(b, key);
	lit(b, "\"");
	if (req)
		lit(b, " required");
	q_aria(b, key, *help, code != NULL);
	if (q_is(q, "long_text")) {
		lit(b, ">");
		esc(b, first_value(values, key));
		lit(b, "</textarea>\n</div>\n");
		return;
	}
	lit(b, " value=\"");
	esc(b, first_value(values, key));
	lit(b, "\">\n</div>\n");
}

void form_questions(struct evbuffer *b, struct form_ctx *c, json_t *questions,
                    const json_t *values, const json_t *held)
{
	size_t i;
	json_t *q;

	if (questions != c->questions) {
		json_incref(questions);
		json_decref(c->questions);
		c->questions = questions;
	}
	json_array_foreach(questions, i, q)
	{
		form_question(b, c, q, values, held);
	}
}

json_t *form_answer_texts(const json_t *answers)
{
	json_t *out = json_object();
	const char *key;
	json_t *v;

	if (out == NULL || !json_is_object(answers))
		return out;
	json_object_foreach((json_t *)answers, key, v)
	{
		json_t *list = json_array();
		char n[64];
		size_t i;
		json_t *x;

		if (list == NULL)
			continue;
		if (json_is_true(v))
			json_array_append_new(list, json_string("yes"));
		else if (json_is_false(v))
			json_array_append_new(list, json_string("no"));
		else if (json_is_integer(v)) {
			snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT,
			         json_integer_value(v));
			json_array_append_new(list, json_string(n));
		} else if (json_is_real(v)) {
			snprintf(n, sizeof(n), "%.15g", json_real_value(v));
			json_array_append_new(list, json_string(n));
		} else if (json_is_string(v))
			json_array_append(list, v);
		else if (json_is_array(v))
			json_array_foreach(v, i, x)
			{
				if (json_is_string(x))
					json_array_append(list, x);
			}
		json_object_set_new(out, key, list);
	}
	return out;
}

/* The label of option V of question Q in LANG, V itself when unknown. */
static const char *option_label(const json_t *q, const char *v,
                                const char *lang)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(q, "options"), i, o)
	{
		if (strcmp(q_str(o, "value"), v) == 0)
			return q_text(json_object_get(o, "label"), lang);
	}
	return v;
}

char *form_answer_show(const struct form_ctx *c, const json_t *q,
                       const json_t *value)
{
	json_t *one = json_pack("{sO}", "v", (json_t *)value);
	json_t *texts = form_answer_texts(one);
	const json_t *list = json_object_get(texts, "v");
	struct evbuffer *b = evbuffer_new();
	char *out = NULL;
	size_t i, len;
	json_t *x;

	json_decref(one);
	if (b == NULL) {
		json_decref(texts);
		return NULL;
	}
	json_array_foreach(list, i, x)
	{
		const char *v = json_string_value(x);
		int y, m, d;

		if (i)
			lit(b, ", ");
		if (q_is(q, "yes_no") || q_is(q, "consent"))
			lit(b, strcmp(v, "yes") == 0 ? c->w->yes : c->w->no);
		else if (q_is(q, "choice") || q_is(q, "choices"))
			lit(b, option_label(q, v, c->t->lang));
		else if (q_is(q, "date") &&
		         sscanf(v, "%4d-%2d-%2d", &y, &m, &d) == 3) {
			/* the day in words (when.h), at noon UTC: any zone's
			 * date is the same */
			struct tm tm = {.tm_year = y - 1900,
			                .tm_mon = m - 1,
			                .tm_mday = d,
			                .tm_hour = 12};
			char day[128];

			when_day(day, sizeof(day), c->t->lang, "UTC",
			         (int64_t)timegm(&tm));
			lit(b, day);
		} else
			lit(b, v);
	}
	if (json_array_size(list) == 0)
		lit(b, c->w->no_answer);
	json_decref(texts);
	len = evbuffer_get_length(b);
	out = malloc(len + 1);
	if (out) {
		evbuffer_remove(b, out, len);
		out[len] = '\0';
	}
	evbuffer_free(b);
	return out;
}
