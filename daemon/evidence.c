/* evidence.c - the funder's evidence pack: cv_evidence_pack's counts
 * (sql/functions/evidence.sql) with the funder's sentence in six languages
 * (ICU MessageFormat, CLDR plural rules), country names from CLDR and the
 * publication text; GET /api/projects/{slug}/evidence, .../evidence.csv and the
 * one-page .../evidence.pdf. */
#include "evidence.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uloc.h>
#include <unicode/umsg.h>
#include <unicode/ustring.h>

#include "api_error.h"
#include "app.h"
#include "country.h"
#include "csv.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "log.h"
#include "offload.h"
#include "paper.h"
#include "paper_text.h"
#include "query_in.h"
#include "when.h"

const char *const evidence_langs[] = {"en", "sv", "it", "pl", "es", "fi", NULL};

/* Per language: the funder's sentence ({0} participants, {1}
 * organisations, {2} countries) and the participants of one event. */
struct evidence_text {
	const char *lang;
	const char *sentence;
	const char *participants;
};

static const struct evidence_text texts[] = {
        {.lang = "en",
         .sentence = "{0, plural, one{# participant} other{# participants}} "
                     "from {1, plural, one{# organisation} "
                     "other{# organisations}} in {2, plural, one{# country} "
                     "other{# countries}}",
         .participants = "{0, plural, one{# participant} "
                         "other{# participants}}"},
        {.lang = "sv",
         .sentence = "{0, plural, one{# deltagare} other{# deltagare}} från "
                     "{1, plural, one{# organisation} "
                     "other{# organisationer}} i {2, plural, one{# land} "
                     "other{# länder}}",
         .participants = "{0, plural, one{# deltagare} other{# deltagare}}"},
        {.lang = "it",
         .sentence = "{0, plural, one{# partecipante} other{# partecipanti}} "
                     "da {1, plural, one{# organizzazione} "
                     "other{# organizzazioni}} in {2, plural, one{# paese} "
                     "other{# paesi}}",
         .participants = "{0, plural, one{# partecipante} "
                         "other{# partecipanti}}"},
        /* Polish: uczestnik is masculine personal (2-4 and 5+ take the
         * genitive plural); "z" takes the genitive, "w" the locative */
        {.lang = "pl",
         .sentence = "{0, plural, one{# uczestnik} few{# uczestników} "
                     "many{# uczestników} other{# uczestnika}} z "
                     "{1, plural, one{# organizacji} few{# organizacji} "
                     "many{# organizacji} other{# organizacji}} w "
                     "{2, plural, one{# kraju} few{# krajach} "
                     "many{# krajach} other{# kraju}}",
         .participants = "{0, plural, one{# uczestnik} few{# uczestników} "
                         "many{# uczestników} other{# uczestnika}}"},
        {.lang = "es",
         .sentence = "{0, plural, one{# participante} other{# participantes}} "
                     "de {1, plural, one{# organización} "
                     "other{# organizaciones}} de {2, plural, one{# país} "
                     "other{# países}}",
         .participants = "{0, plural, one{# participante} "
                         "other{# participantes}}"},
        /* Finnish: the partitive after numbers other than 1, the elative
         * ("from") singular after any number */
        {.lang = "fi",
         .sentence = "{0, plural, one{# osallistuja} other{# osallistujaa}} "
                     "{1, plural, one{# organisaatiosta} "
                     "other{# organisaatiosta}} {2, plural, one{# maasta} "
                     "other{# maasta}}",
         .participants = "{0, plural, one{# osallistuja} "
                         "other{# osallistujaa}}"},
        {.lang = NULL},
};

static const struct evidence_text *text_of(const char *lang)
{
	for (const struct evidence_text *t = texts; lang && t->lang; t++)
		if (strcmp(t->lang, lang) == 0)
			return t;
	return NULL;
}

/* Format PATTERN (UTF-8) for LANG with three numbers (plural arguments are
 * doubles in ICU's C API) into OUT as UTF-8.  Returns 0 or -1. */
static int format3(const char *pattern, const char *lang, double a, double b,
                   double c, char *out, size_t len)
{
	UChar upat[512], res[512];
	int32_t n;
	UErrorCode st = U_ZERO_ERROR;

	u_strFromUTF8(upat, 512, NULL, pattern, -1, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
		return -1;
	n = u_formatMessage(lang, upat, -1, res, 512, &st, a, b, c);
	if (U_FAILURE(st) || n >= 512)
		return -1;
	u_strToUTF8(out, (int32_t)len, NULL, res, n, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING)
		return -1;
	return 0;
}

int evidence_sentence(const char *lang, long participants, long organisations,
                      long countries, char *out, size_t len)
{
	const struct evidence_text *t = text_of(lang);

	if (t == NULL)
		return -1;
	return format3(t->sentence, lang, (double)participants,
	               (double)organisations, (double)countries, out, len);
}

/* Add "name" (the country's name in LANG; null for people of no
 * organisation, "-" in the text) to each {"country", "participants"} of
 * BY, and append "Name N, Name M" to B when B is not NULL. */
static int name_countries(json_t *by, const char *lang, struct evbuffer *b)
{
	json_t *row;
	size_t i;
	char name[256];

	json_array_foreach(by, i, row)
	{
		const char *cc =
		        json_string_value(json_object_get(row, "country"));

		if (cc == NULL)
			snprintf(name, sizeof(name), "-");
		else if (country_name(cc, lang, name, sizeof(name)) < 0)
			return -1;
		json_object_set_new(row, "name",
		                    cc ? json_string(name) : json_null());
		if (b)
			evbuffer_add_printf(
			        b, "%s%s %lld", i ? ", " : "", name,
			        (long long)json_integer_value(
			                json_object_get(row, "participants")));
	}
	return 0;
}

/* The dates of event EV in LANG (when_range, days only: "2–4 January
 * 2027"), from the days_from and days_until cv_evidence_pack gives (which
 * are then dropped); "dates" is added to EV.  Returns 0 or -1. */
static int event_dates(json_t *ev, const char *lang, struct evbuffer *b)
{
	const char *tz = json_string_value(json_object_get(ev, "tz"));
	json_int_t from = json_integer_value(json_object_get(ev, "days_from"));
	json_int_t until =
	        json_integer_value(json_object_get(ev, "days_until"));
	char dates[256];

	if (tz == NULL ||
	    when_range(dates, sizeof(dates), lang, tz, from, until, 1) < 0)
		return -1;
	json_object_del(ev, "days_from");
	json_object_del(ev, "days_until");
	json_object_set_new(ev, "dates", json_string(dates));
	evbuffer_add_printf(b, "%s", dates);
	return 0;
}

/* One event of the publication text: title, place and dates, and its
 * participants per country. */
static int publish_event(json_t *ev, const struct evidence_text *t,
                         struct evbuffer *b)
{
	const char *city = json_string_value(json_object_get(ev, "city"));
	const char *venue = json_string_value(json_object_get(ev, "venue"));
	const char *cc = json_string_value(json_object_get(ev, "country"));
	char line[512], country[256];
	json_int_t n = json_integer_value(json_object_get(ev, "attended"));

	evbuffer_add_printf(b, "%s\n",
	                    json_string_value(json_object_get(ev, "title")));
	if (venue && *venue)
		evbuffer_add_printf(b, "%s, ", venue);
	if (city && *city)
		evbuffer_add_printf(b, "%s, ", city);
	if (cc && country_name(cc, t->lang, country, sizeof(country)) == 0)
		evbuffer_add_printf(b, "%s, ", country);
	if (event_dates(ev, t->lang, b) < 0)
		return -1;
	if (format3(t->participants, t->lang, (double)n, 0, 0, line,
	            sizeof(line)) < 0)
		return -1;
	evbuffer_add_printf(b, "\n%s", line);
	if (json_array_size(json_object_get(ev, "by_country")) > 0) {
		evbuffer_add(b, ": ", 2);
		if (name_countries(json_object_get(ev, "by_country"), t->lang,
		                   b) < 0)
			return -1;
	}
	evbuffer_add(b, "\n\n", 2);
	return 0;
}

int evidence_complete(json_t *pack)
{
	const struct evidence_text *t =
	        text_of(json_string_value(json_object_get(pack, "lang")));
	json_t *totals = json_object_get(pack, "totals"), *sentences, *ev;
	json_int_t np =
	        json_integer_value(json_object_get(totals, "participants"));
	json_int_t no =
	        json_integer_value(json_object_get(totals, "organisations"));
	json_int_t nc =
	        json_integer_value(json_object_get(totals, "countries"));
	struct evbuffer *b;
	char s[512];
	size_t i;
	int rc = 0;

	if (t == NULL || !json_is_object(totals))
		return -1;
	sentences = json_object();
	for (i = 0; evidence_langs[i]; i++) {
		if (evidence_sentence(evidence_langs[i], (long)np, (long)no,
		                      (long)nc, s, sizeof(s)) < 0) {
			json_decref(sentences);
			return -1;
		}
		json_object_set_new(sentences, evidence_langs[i],
		                    json_string(s));
	}
	json_object_set_new(pack, "sentences", sentences);
	json_object_set(pack, "sentence", json_object_get(sentences, t->lang));
	if ((b = evbuffer_new()) == NULL)
		return -1;
	evbuffer_add_printf(
	        b, "%s\n%s.\n\n",
	        json_string_value(json_object_get(
	                json_object_get(pack, "project"), "title")),
	        json_string_value(json_object_get(sentences, t->lang)));
	json_array_foreach(json_object_get(pack, "events"), i, ev)
	{
		if (publish_event(ev, t, b) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && name_countries(json_object_get(totals, "by_country"),
	                              t->lang, NULL) < 0)
		rc = -1;
	if (rc == 0) {
		size_t n = evbuffer_get_length(b);
		const char *p = (const char *)evbuffer_pullup(b, -1);

		while (n > 0 && p[n - 1] == '\n')
			n--;
		json_object_set_new(pack, "publication", json_stringn(p, n));
	}
	evbuffer_free(b);
	return rc;
}

/* ------------------------------------------------------------------ CSV */

static const char *const csv_cols[] = {
        "scope",         "event_id",  "title",    "venue",    "city",
        "country",       "first_day", "last_day", "day",      "registered",
        "confirmed",     "attended",  "no_show",  "walk_ins", "participants",
        "organisations", "countries", NULL,
};

/* One row: SCOPE, then the columns read from OBJ (the event, the day, the
 * totals or a country) where OBJ has them, empty otherwise; EVENT's id for
 * the day rows. */
static void csv_row(struct evbuffer *b, const char *scope, json_t *obj,
                    json_t *event)
{
	csv_cell(b, scope, 0);
	for (int c = 1; csv_cols[c]; c++) {
		json_t *v = json_object_get(obj, csv_cols[c]);

		if (c == 1)
			v = json_object_get(event ? event : obj, "id");
		csv_json(b, v, 1);
	}
	evbuffer_add(b, "\r\n", 2);
}

/* One "answer" row per option of each question of QS (cv_evidence_questions):
 * title "question: option", participants its count; EVENT's id (none for
 * the project's). */
static void csv_answers(struct evbuffer *b, json_t *qs, json_t *event)
{
	json_t *q, *o;
	size_t i, j;

	json_array_foreach(qs, i, q)
	{
		json_array_foreach(json_object_get(q, "options"), j, o)
		{
			json_t *row = json_object();
			char *title = NULL;

			if (asprintf(&title, "%s: %s",
			             json_string_value(
			                     json_object_get(q, "label")),
			             json_string_value(
			                     json_object_get(o, "label"))) < 0)
				title = NULL;
			json_object_set_new(row, "title",
			                    title ? json_string(title)
			                          : json_null());
			json_object_set(row, "participants",
			                json_object_get(o, "count"));
			json_object_set_new(row, "id", json_null());
			csv_row(b, "answer", row, event);
			json_decref(row);
			free(title);
		}
	}
}

static void csv_pack(struct evbuffer *b, json_t *pack)
{
	json_t *ev, *d, *totals = json_object_get(pack, "totals");
	size_t i, j;

	for (int c = 0; csv_cols[c]; c++)
		csv_cell(b, csv_cols[c], c > 0);
	evbuffer_add(b, "\r\n", 2);
	json_array_foreach(json_object_get(pack, "events"), i, ev)
	{
		csv_row(b, "event", ev, NULL);
		json_array_foreach(json_object_get(ev, "days"), j, d)
		        csv_row(b, "day", d, ev);
	}
	{
		json_t *row = json_deep_copy(totals);

		json_object_del(row, "by_country");
		json_object_set(
		        row, "title",
		        json_object_get(json_object_get(pack, "project"),
		                        "title"));
		json_object_set_new(row, "id", json_null());
		csv_row(b, "project", row, NULL);
		json_decref(row);
	}
	json_array_foreach(json_object_get(totals, "by_country"), i, d)
	{
		json_t *row = json_deep_copy(d);

		json_object_set_new(row, "id", json_null());
		csv_row(b, "country", row, NULL);
		json_decref(row);
	}
	/* the funder's questions: per event, then over the project */
	json_array_foreach(json_object_get(pack, "events"), i, ev)
	        csv_answers(b, json_object_get(ev, "questions"), ev);
	csv_answers(b, json_object_get(pack, "questions"), NULL);
}

/* ------------------------------------------------------------- the route */

static const char pack_sql[] =
        "SELECT cv_evidence_pack(cv_evidence_project($1), $2)::text";

/* ---------------------------------------------------- the one-page PDF */

struct pdf_job {
	struct http_req *r;
	json_t *pack;
	const struct paper_text *t;
	char *pdf;
	size_t len;
	char err[200];
};

static void pdf_job_free(struct pdf_job *j)
{
	json_decref(j->pack);
	free(j->pdf);
	free(j);
}

/* On the render thread. */
static void pdf_run(void *arg)
{
	struct pdf_job *j = arg;

	if (paper_evidence(j->pack, j->t, &j->pdf, &j->len, j->err,
	                   sizeof(j->err)) < 0)
		j->pdf = NULL;
}

/* Back on the loop. */
static void pdf_back(void *arg, int stopping)
{
	struct pdf_job *j = arg;
	char disp[160];

	if (stopping) {
		pdf_job_free(j);
		return;
	}
	if (j->pdf == NULL) {
		log_warnx("evidence summary: %s", j->err);
		http_reply_error(j->r, 500, "internal", NULL,
		                 "cannot render the evidence summary");
		pdf_job_free(j);
		return;
	}
	snprintf(disp, sizeof(disp),
	         "attachment; filename=\"evidence-%.80s.pdf\"",
	         json_string_value(json_object_get(
	                 json_object_get(j->pack, "project"), "slug")));
	http_add_header(j->r, "Content-Disposition", disp);
	http_add_header(j->r, "Cache-Control", "no-store");
	http_reply_raw(j->r, 200, "application/pdf", j->pdf, j->len);
	pdf_job_free(j);
}

/* Hand PACK (stolen) to the render thread; always answers R. */
static void pdf_reply(struct http_req *r, json_t *pack)
{
	struct pdf_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		json_decref(pack);
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	j->r = r;
	j->pack = pack;
	j->t = paper_text_get(json_string_value(json_object_get(pack, "lang")));
	if (j->t == NULL)
		j->t = paper_text_get("en");
	if (offload_submit(pdf_run, pdf_back, j) < 0) {
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
		pdf_job_free(j);
	}
}

static void pack_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const char *slug = r->nparams > 0 ? r->params[0] : "";
	int csv = strstr(r->path, ".csv") != NULL || query_in_wants_csv(r);
	json_t *pack;
	char name[120];

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	if (db_row_only(res, 0) == NULL) {
		http_reply_error(r, 404, "not_found", "project",
		                 "no project %.80s", slug);
		return;
	}
	pack = json_loads(db_row_only(res, 0), 0, NULL);
	if (pack == NULL || evidence_complete(pack) < 0) {
		json_decref(pack);
		http_reply_error(r, 500, "internal", NULL,
		                 "the evidence pack could not be built");
		return;
	}
	if (strstr(r->path, ".pdf") != NULL) {
		pdf_reply(r, pack);
		return;
	}
	if (csv) {
		struct evbuffer *b = evbuffer_new();

		csv_pack(b, pack);
		snprintf(name, sizeof(name), "evidence-%.80s.csv",
		         json_string_value(json_object_get(
		                 json_object_get(pack, "project"), "slug")));
		json_decref(pack);
		csv_reply(r, b, name);
		return;
	}
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_json(r, 200, pack);
}

static void pack_get(struct http_req *r)
{
	static const char *const allowed[] = {"lang", "format", NULL};
	const char *lang, *slug = r->nparams > 0 ? r->params[0] : "";
	const char *params[2];

	if (query_in_check(r, allowed) < 0)
		return;
	lang = evhttp_find_header(&r->query, "lang");
	if (lang == NULL)
		lang = "en";
	if (text_of(lang) == NULL) {
		http_reply_error(r, 422, "invalid_value", "lang",
		                 "query parameter lang: one of en, sv, it, pl, "
		                 "es, fi");
		return;
	}
	if (strlen(slug) > 63) {
		http_reply_error(r, 404, "not_found", "project",
		                 "no project %.80s", slug);
		return;
	}
	params[0] = slug;
	params[1] = lang;
	if (r->app->db == NULL ||
	    db_query(r->app->db, pack_sql, 2, params, pack_done, r) < 0)
		http_reply_error(r, 503, "database_unavailable", NULL,
		                 "no database pool");
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/projects/{slug}/evidence",
         .handler = pack_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/projects/{slug}/evidence.csv",
         .handler = pack_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/projects/{slug}/evidence.pdf",
         .handler = pack_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.pattern = NULL},
};

int evidence_init(void)
{
	return http_add_routes(routes);
}
