/* paper.c - signature sheets and certificates of attendance as PDF. */
#include "paper.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "country.h"
#include "paper_text.h"
#include "pdf.h"
#include "when.h"

struct sheets {
	json_t *doc;
	const struct paper_text *t;
	json_t *cur; /* the sheet being laid out, NULL when there is none */
};

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* "LABEL: VALUE" as a paragraph, nothing when VALUE is empty. */
static void line(struct pdf *p, enum pdf_style s, const char *label,
                 const char *value)
{
	char buf[1200];

	if (value == NULL || *value == '\0')
		return;
	snprintf(buf, sizeof(buf), "%s: %s", label, value);
	pdf_text(p, s, buf);
}

/* "venue, city, Country" without empty parts, the country named in LANG
 * (country.h; its code when ICU has no name). */
static void place(json_t *ev, const char *lang, char *buf, size_t len)
{
	char country[128];
	const char *parts[] = {str(ev, "venue"), str(ev, "city"), country};
	size_t used = 0;

	if (country_name(str(ev, "country"), lang, country, sizeof(country)) <
	    0)
		snprintf(country, sizeof(country), "%s", str(ev, "country"));

	buf[0] = '\0';
	for (size_t i = 0; i < 3 && used < len; i++) {
		if (*parts[i] == '\0')
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         used ? ", " : "", parts[i]);
	}
}

static int64_t num(json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* The event's dates in T's language and its zone (when.h). */
static void dates(json_t *ev, const struct paper_text *t, char *buf, size_t len)
{
	when_range(buf, len, t->lang, str(ev, "tz"), num(ev, "start_epoch"),
	           num(ev, "end_epoch"),
	           json_is_true(json_object_get(ev, "all_day")));
}

/* A day (O's "day", with an instant on it in O's EPOCH_KEY) in T's
 * language: "Monday, March 1, 2027". */
static void day_words(json_t *o, const char *epoch_key, const char *tz,
                      const struct paper_text *t, char *buf, size_t len)
{
	if (json_object_get(o, epoch_key) == NULL)
		snprintf(buf, len, "%s", str(o, "day"));
	else
		when_day(buf, len, t->lang, tz, num(o, epoch_key));
}

/* The top of every page: programme (when the project has one), project,
 * event, place, dates; the day and the town of the sheet. */
static void event_lines(struct pdf *p, json_t *doc, const struct paper_text *t)
{
	json_t *ev = json_object_get(doc, "event");
	json_t *pr = json_object_get(doc, "project");
	char buf[700];

	line(p, PDF_BODY, t->programme, str(pr, "programme"));
	line(p, PDF_BODY, t->project, str(pr, "title"));
	line(p, PDF_BOLD, t->event, str(ev, "title"));
	place(ev, t->lang, buf, sizeof(buf));
	line(p, PDF_BODY, t->place, buf);
	dates(ev, t, buf, sizeof(buf));
	line(p, PDF_BODY, t->dates, buf);
}

static void sheet_header(struct pdf *p, void *arg)
{
	struct sheets *s = arg;
	const struct paper_text *t = s->t;
	char buf[700];

	if (s->cur && strcmp(str(s->cur, "scope"), "group") == 0) {
		json_t *g = json_object_get(s->cur, "group");

		snprintf(buf, sizeof(buf), "%s — %s", t->sheet_title,
		         json_is_object(g) ? str(g, "label") : t->no_group);
		pdf_text(p, PDF_TITLE, buf);
	} else if (s->cur) {
		snprintf(buf, sizeof(buf), "%s — %s", t->sheet_title,
		         strcmp(str(s->cur, "scope"), "local") == 0
		                 ? t->local
		                 : t->international);
		pdf_text(p, PDF_TITLE, buf);
	} else {
		pdf_text(p, PDF_TITLE, t->sheet_title);
	}
	pdf_space(p, 4);
	event_lines(p, s->doc, t);
	if (s->cur) {
		const char *town = str(s->cur, "town");
		const char *cc = str(s->cur, "country");

		day_words(s->cur, "day_epoch",
		          str(json_object_get(s->doc, "event"), "tz"), t, buf,
		          sizeof(buf));
		line(p, PDF_HEAD, t->day, buf);
		if (strcmp(str(s->cur, "scope"), "group") == 0) {
			json_t *g = json_object_get(s->cur, "group");
			json_t *q = json_object_get(s->doc, "group");

			line(p, PDF_HEAD,
			     *str(q, "label") ? str(q, "label") : t->group,
			     json_is_object(g) ? str(g, "label") : t->no_group);
			pdf_space(p, 8);
			return;
		}
		if (*town == '\0' && *cc == '\0')
			snprintf(buf, sizeof(buf), "%s", t->no_town);
		else if (*cc == '\0')
			snprintf(buf, sizeof(buf), "%s", town);
		else
			snprintf(buf, sizeof(buf), "%s%s(%s)", town,
			         *town ? " " : "", cc);
		line(p, PDF_HEAD, t->town, buf);
	}
	pdf_space(p, 8);
}

/* The foot of a page of the funder's paper: the legal representative's
 * certification, date and signature lines, and "page i of N". */
static void certification_footer(struct pdf *p, const struct paper_text *t)
{
	double y = pdf_footer_top(p) + 6, x = pdf_left(p), w = pdf_width(p);
	char buf[200];

	pdf_rule(p, y - 2);
	y += pdf_text_at(p, PDF_SMALL, x, y, w, 0, t->certify);
	y += 18;
	pdf_rule(p, y);
	y += 4;
	snprintf(buf, sizeof(buf), "%s:", t->date);
	pdf_text_at(p, PDF_SMALL, x, y, w / 2, 0, buf);
	snprintf(buf, sizeof(buf), "%s:", t->signature);
	y += pdf_text_at(p, PDF_SMALL, x + w / 2, y, w / 2, 0, buf);
	y += 6;
	snprintf(buf, sizeof(buf), t->page_of, pdf_page(p), pdf_pages(p));
	pdf_text_at(p, PDF_SMALL, x, y, w, 1, buf);
}

static void sheet_footer(struct pdf *p, void *arg)
{
	certification_footer(p, ((struct sheets *)arg)->t);
}

/* Most question columns a sheet has (cv_signature_sheets allows 6). */
#define MAX_QCOLS 6

static void sheets_body(struct pdf *p, void *arg)
{
	struct sheets *s = arg;
	const struct paper_text *t = s->t;
	double share[] = {0.19, 0.18, 0.13, 0.08, 0.20, 0.22};
	const char *titles[] = {t->col_name,    t->col_org,   t->col_town,
	                        t->col_country, t->col_email, t->col_sign};
	json_t *qcols = json_object_get(s->doc, "columns");
	size_t nq = json_array_size(qcols);
	struct pdf_col cols[6 + MAX_QCOLS];
	json_t *sheets = json_object_get(s->doc, "sheets"), *sh, *pe;
	size_t i, j;
	int nc = 0;
	/* question columns take up to 0.36 of the width, first from the
	 * signature and email columns, then from all alike but the country
	 * code's (answers wrap) */
	double total, cut, scale;

	if (nq > MAX_QCOLS)
		nq = MAX_QCOLS;
	total = nq == 0 ? 0 : nq == 1 ? 0.16 : nq == 2 ? 0.28 : 0.36;
	cut = total > 0.14 ? 0.14 : total;
	share[5] -= cut * 10 / 14;
	share[4] -= cut * 4 / 14;
	scale = (1.0 - share[3] - total) / (1.0 - share[3] - cut);
	for (int k = 0; k < 5; k++)
		cols[nc++] = (struct pdf_col){
		        titles[k], k == 3 ? share[k] : share[k] * scale};
	for (size_t k = 0; k < nq; k++)
		cols[nc++] =
		        (struct pdf_col){str(json_array_get(qcols, k), "label"),
		                         total / (double)nq};
	cols[nc++] = (struct pdf_col){titles[5], share[5] * scale};

	const struct pdf_table table = {
	        .cols = cols, .ncols = nc, .min_row = 26};

	if (json_array_size(sheets) == 0) {
		pdf_table_begin(p, &table);
		pdf_table_end(p);
		pdf_space(p, 6);
		pdf_text(p, PDF_BODY, t->none);
	}
	json_array_foreach(sheets, i, sh)
	{
		if (i > 0) {
			s->cur = sh;
			pdf_new_page(p);
		}
		pdf_table_begin(p, &table);
		json_array_foreach(json_object_get(sh, "people"), j, pe)
		{
			const char *cells[6 + MAX_QCOLS];
			json_t *ans = json_object_get(pe, "answers");
			int c = 0;

			cells[c++] = str(pe, "name");
			cells[c++] = str(pe, "organisation");
			cells[c++] = str(pe, "town");
			cells[c++] = str(pe, "country");
			cells[c++] = str(pe, "email");
			for (size_t k = 0; k < nq; k++) {
				const char *a = json_string_value(
				        json_array_get(ans, k));
				cells[c++] = a ? a : "";
			}
			cells[c++] = "";
			pdf_table_row(p, cells);
		}
		pdf_table_end(p);
	}
	/* the next pass begins again on the first sheet */
	s->cur = json_array_get(sheets, 0);
}

int paper_sheets(json_t *doc, const struct paper_text *t, char **out,
                 size_t *len, char *err, size_t errlen)
{
	struct sheets s = {
	        .doc = doc,
	        .t = t,
	        .cur = json_array_get(json_object_get(doc, "sheets"), 0)};
	const struct pdf_frame frame = {.header = sheet_header,
	                                .footer = sheet_footer,
	                                .footer_height = 64,
	                                .arg = &s,
	                                .landscape = 1};

	return pdf_render(&frame, sheets_body, &s, out, len, err, errlen);
}

struct cert {
	json_t *doc;
	const struct paper_text *t;
};

static void cert_footer(struct pdf *p, void *arg)
{
	struct cert *c = arg;
	double y = pdf_footer_top(p) + 20, x = pdf_left(p), w = pdf_width(p);
	char buf[200];

	pdf_rule(p, y);
	y += 4;
	snprintf(buf, sizeof(buf), "%s:", c->t->date);
	pdf_text_at(p, PDF_SMALL, x, y, w / 2, 0, buf);
	snprintf(buf, sizeof(buf), "%s:", c->t->signature);
	pdf_text_at(p, PDF_SMALL, x + w / 2, y, w / 2, 0, buf);
}

static void cert_body(struct pdf *p, void *arg)
{
	struct cert *c = arg;
	const struct paper_text *t = c->t;
	json_t *d;
	char buf[700];
	size_t i;

	pdf_space(p, 60);
	pdf_text(p, PDF_TITLE, t->cert_title);
	pdf_space(p, 30);
	pdf_text(p, PDF_BODY, t->cert_intro);
	pdf_space(p, 8);
	pdf_text(p, PDF_HEAD, str(c->doc, "name"));
	if (*str(c->doc, "organisation"))
		pdf_text(p, PDF_BODY, str(c->doc, "organisation"));
	pdf_space(p, 8);
	pdf_text(p, PDF_BODY, t->cert_attended);
	pdf_space(p, 8);
	event_lines(p, c->doc, t);
	pdf_space(p, 12);
	pdf_text(p, PDF_BODY, t->cert_days);
	json_array_foreach(json_object_get(c->doc, "days"), i, d)
	{
		char day[200];

		day_words(d, "epoch",
		          str(json_object_get(c->doc, "event"), "tz"), t, day,
		          sizeof(day));
		snprintf(buf, sizeof(buf), "• %s", day);
		pdf_text(p, PDF_BODY, buf);
	}
}

int paper_certificate(json_t *doc, const struct paper_text *t, char **out,
                      size_t *len, char *err, size_t errlen)
{
	struct cert c = {.doc = doc, .t = t};
	const struct pdf_frame frame = {
	        .footer = cert_footer, .footer_height = 40, .arg = &c};

	return pdf_render(&frame, cert_body, &c, out, len, err, errlen);
}

struct evidence {
	json_t *pack;
	const struct paper_text *t;
};

static void evidence_footer(struct pdf *p, void *arg)
{
	certification_footer(p, ((struct evidence *)arg)->t);
}

/* A count of OBJ as text ("" when absent). */
static void count(json_t *obj, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
	else
		buf[0] = '\0';
}

static void evidence_body(struct pdf *p, void *arg)
{
	struct evidence *e = arg;
	const struct paper_text *t = e->t;
	json_t *pr = json_object_get(e->pack, "project");
	json_t *totals = json_object_get(e->pack, "totals"), *ev, *c;
	const struct pdf_col cols[] = {
	        {t->event, 0.26},        {t->dates, 0.22},
	        {t->place, 0.20},        {t->ev_registered, 0.08},
	        {t->ev_confirmed, 0.08}, {t->ev_attended, 0.08},
	        {t->ev_no_show, 0.08},
	};
	const struct pdf_table table = {.cols = cols, .ncols = 7};
	const struct pdf_col ccols[] = {{t->col_country, 0.7},
	                                {t->ev_participants, 0.3}};
	const struct pdf_table ctable = {.cols = ccols, .ncols = 2};
	size_t i;

	pdf_text(p, PDF_TITLE, t->ev_title);
	pdf_space(p, 6);
	line(p, PDF_BODY, t->programme, str(pr, "programme"));
	line(p, PDF_BOLD, t->project, str(pr, "title"));
	pdf_space(p, 6);
	pdf_text(p, PDF_HEAD, str(e->pack, "sentence"));
	pdf_space(p, 10);
	pdf_table_begin(p, &table);
	json_array_foreach(json_object_get(e->pack, "events"), i, ev)
	{
		char where[700], n[4][24];
		const char *cells[7];

		place(ev, t->lang, where, sizeof(where));
		count(ev, "registered", n[0], sizeof(n[0]));
		count(ev, "confirmed", n[1], sizeof(n[1]));
		count(ev, "attended", n[2], sizeof(n[2]));
		count(ev, "no_show", n[3], sizeof(n[3]));
		cells[0] = str(ev, "title");
		cells[1] = str(ev, "dates");
		cells[2] = where;
		for (int k = 0; k < 4; k++)
			cells[3 + k] = n[k];
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
	pdf_space(p, 12);
	pdf_text(p, PDF_HEAD, t->ev_by_country);
	pdf_space(p, 4);
	pdf_table_begin(p, &ctable);
	json_array_foreach(json_object_get(totals, "by_country"), i, c)
	{
		char n[24];
		const char *cells[2];

		count(c, "participants", n, sizeof(n));
		cells[0] = *str(c, "name") ? str(c, "name") : t->no_town;
		cells[1] = n;
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
	/* the funder's questions counted: "Age band: 18-30 12, 31-50 20" */
	if (json_array_size(json_object_get(e->pack, "questions")) > 0) {
		pdf_space(p, 12);
		pdf_text(p, PDF_HEAD, t->ev_answers);
		pdf_space(p, 4);
		json_array_foreach(json_object_get(e->pack, "questions"), i, c)
		        pdf_text(p, PDF_BODY, str(c, "text"));
	}
}

int paper_evidence(json_t *pack, const struct paper_text *t, char **out,
                   size_t *len, char *err, size_t errlen)
{
	struct evidence e = {.pack = pack, .t = t};
	const struct pdf_frame frame = {
	        .footer = evidence_footer, .footer_height = 64, .arg = &e};

	return pdf_render(&frame, evidence_body, &e, out, len, err, errlen);
}
