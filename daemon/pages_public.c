/* pages_public.c - public pages anyone may read: the network (/), a
 * project (/p/{slug}), an event (/events/{id}) and its calendar
 * (/events/{id}.ics), and the privacy notice.  Drafts are on none of them;
 * cancelled events are shown as cancelled. */
#include "pages_int.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "config.h"
#include "db_row.h"
#include "feeds.h"
#include "ident.h"
#include "pages_country.h"
#include "tmpl.h"
#include "when.h"

/* The network's name: [calendar] name. */
static const char *network_name(void)
{
	const struct config *cfg = app_instance ? app_instance->cfg : NULL;

	return cfg && cfg->cal_name && *cfg->cal_name ? cfg->cal_name
	                                              : "convened";
}

/* Run SQL with one parameter and answer in CB (R is its argument). */
static void public_query(struct http_req *r, const char *sql, const char *param,
                         db_cb cb)
{
	if (db_query(r->app->db, sql, 1, &param, cb, r) < 0) {
		const struct page_text *t = page_text_for(r);

		page_message(r, 503, t, t->error, "err",
		             page_words_code(page_words_get(t->lang),
		                             "shutting_down"));
	}
}

/* A failed or malformed answer as an error page; 0 when RES is usable. */
static int public_res_ok(struct http_req *r, PGresult *res, const char *err,
                         const char *const *cols)
{
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		page_db_error(r, page_text_for(r), res, err);
		return -1;
	}
	if (PQntuples(res) > 0 && page_need(r, page_text_for(r), res, cols) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------ the network: / */

static const char *const home_cols[] = {"slug", "title", "description",
                                        "upcoming", NULL};

static void home_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t = page_text_for(r);
	const struct page_words *w = page_words_get(t->lang);
	int n;
	struct evbuffer *b;

	if (public_res_ok(r, res, err, home_cols) < 0)
		return;
	n = PQntuples(res);
	b = page_begin(t, network_name());
	if (b == NULL) {
		page_end(r, b, 500);
		return;
	}
	lit(b, "<h1>");
	esc(b, network_name());
	lit(b, "</h1>\n<h2>");
	esc(b, w->projects);
	lit(b, "</h2>\n");
	if (n == 0) {
		lit(b, "<p id=\"empty\">");
		esc(b, w->no_projects);
		lit(b, "</p>\n");
	} else
		lit(b, "<ul class=\"items\" id=\"projects\">\n");
	for (int i = 0; i < n; i++) {
		lit(b, "<li><h3><a href=\"/p/");
		esc(b, db_row_str(res, i, "slug"));
		lit(b, "\">");
		esc(b, db_row_str(res, i, "title"));
		lit(b, "</a></h3>\n");
		page_paras(b, db_row_str(res, i, "description"));
		lit(b, "<p>");
		esc(b, w->upcoming_n);
		lit(b, " ");
		esc(b, db_row_str(res, i, "upcoming"));
		lit(b, "</p></li>\n");
	}
	if (n > 0)
		lit(b, "</ul>\n");
	page_subscribe(b, w, "/calendars/public.ics", network_name());
	page_organiser(b, w);
	page_end(r, b, 200);
}

static void home_get(struct http_req *r)
{
	if (db_query(r->app->db, "SELECT * FROM cv_public_projects()", 0, NULL,
	             home_done, r) < 0) {
		const struct page_text *t = page_text_for(r);

		page_message(r, 503, t, t->error, "err",
		             page_words_code(page_words_get(t->lang),
		                             "shutting_down"));
	}
}

/* ------------------------------------------------- a project: /p/{slug} */

static const char *const project_cols[] = {
        "t",         "id",       "title",        "description",
        "status",    "upcoming", "registration", "seats_left",
        "start_utc", "end_utc",  "tz",           "venue",
        "city",      "country",  "language",     NULL,
};

/* One event or deadline of a project's list (row I of RES). */
static void project_item(struct evbuffer *b, const struct page_text *t,
                         const struct page_words *w, const PGresult *res, int i)
{
	int event = strcmp(db_row_str(res, i, "t"), "e") == 0;
	const char *id = db_row_str(res, i, "id");
	int cancelled = strcmp(db_row_str(res, i, "status"), "cancelled") == 0;
	const char *left = db_row_get(res, i, "seats_left");

	lit(b, event ? "<li class=\"event\" data-id=\""
	             : "<li class=\"deadline\" data-id=\"");
	esc(b, id);
	lit(b, "\" data-status=\"");
	esc(b, db_row_str(res, i, "status"));
	lit(b, "\">\n<h3>");
	if (event) {
		lit(b, "<a href=\"/events/");
		esc(b, id);
		lit(b, "\">");
		esc(b, db_row_str(res, i, "title"));
		lit(b, "</a>");
	} else {
		esc(b, w->deadline);
		lit(b, ": ");
		esc(b, db_row_str(res, i, "title"));
	}
	lit(b, "</h3>\n");
	if (cancelled) {
		lit(b, "<p class=\"badge cancelled\">");
		esc(b, w->cancelled);
		lit(b, "</p>\n");
	}
	page_when_where(b, t, res, i);
	if (event && !cancelled &&
	    strcmp(db_row_str(res, i, "registration"), "open") == 0) {
		if (left && strcmp(left, "0") == 0) {
			lit(b, "<p class=\"badge waiting\">");
			esc(b, w->waiting_list);
			lit(b, "</p>\n");
		} else if (left) {
			lit(b, "<p class=\"seats\">");
			esc(b, w->seats_left);
			lit(b, " ");
			esc(b, left);
			lit(b, "</p>\n");
		}
		lit(b, "<p><a class=\"btn register\" href=\"/events/");
		esc(b, id);
		lit(b, "/register?lang=");
		lit(b, t->lang);
		lit(b, "\">");
		esc(b, w->register_btn);
		lit(b, "</a></p>\n");
	}
	lit(b, "</li>\n");
}

static void project_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t = page_text_for(r);
	const struct page_words *w = page_words_get(t->lang);
	struct evbuffer *b;
	char path[128];
	int n;

	if (public_res_ok(r, res, err, project_cols) < 0)
		return;
	n = PQntuples(res);
	if (n == 0 || strcmp(db_row_str(res, 0, "t"), "p") != 0) {
		page_not_found(r);
		return;
	}
	t = page_text_for_default(r, db_row_get(res, 0, "language"));
	w = page_words_get(t->lang);
	b = page_begin(t, db_row_str(res, 0, "title"));
	if (b == NULL) {
		page_end(r, b, 500);
		return;
	}
	lit(b, "<p><a href=\"/\">");
	esc(b, network_name());
	lit(b, "</a></p>\n<h1>");
	esc(b, db_row_str(res, 0, "title"));
	lit(b, "</h1>\n");
	page_paras(b, db_row_str(res, 0, "description"));
	if (n == 1) {
		lit(b, "<p id=\"empty\">");
		esc(b, w->nothing);
		lit(b, "</p>\n");
	}
	for (int pass = 0; pass < 2; pass++) {
		int k = 0;

		for (int i = 1; i < n; i++) {
			if (db_row_bool(res, i, "upcoming") != (pass == 0))
				continue;
			if (k++ == 0) {
				lit(b, pass ? "<h2>" : "<h2>");
				esc(b, pass ? w->past : w->upcoming);
				lit(b, pass ? "</h2>\n<ul class=\"items\" "
				              "id=\"past\">\n"
				            : "</h2>\n<ul class=\"items\" "
				              "id=\"upcoming\">\n");
			}
			project_item(b, t, w, res, i);
		}
		if (k)
			lit(b, "</ul>\n");
	}
	snprintf(path, sizeof(path), "/calendars/projects/%s.ics",
	         r->params[0]);
	page_subscribe(b, w, path, db_row_str(res, 0, "title"));
	page_organiser(b, w);
	page_end(r, b, 200);
}

static void project_get(struct http_req *r)
{
	if (!ident_slug_valid(r->params[0])) {
		page_not_found(r);
		return;
	}
	public_query(r, "SELECT * FROM cv_public_project($1)", r->params[0],
	             project_done);
}

/* ------------------------------------------------- an event: /events/{id} */

static const char *const event_cols[] = {
        "id",
        "title",
        "description",
        "status",
        "registration",
        "seats_left",
        "project_slug",
        "project_title",
        "tz",
        "venue",
        "city",
        "country",
        "start_utc",
        "end_utc",
        "registration_utc",
        "over",
        "project_language",
        "programme",
        NULL,
};

/* A map link: an OpenStreetMap search for venue, city and country. */
static void map_link(struct evbuffer *b, const struct page_text *t,
                     const struct page_words *w, const PGresult *res)
{
	const char *venue = db_row_str(res, 0, "venue");
	const char *city = db_row_str(res, 0, "city");
	const char *cc = db_row_str(res, 0, "country");
	const char *country = page_country_name("en", cc);
	char q[700];
	char *enc;

	if (!*venue && !*city)
		return;
	snprintf(q, sizeof(q), "%s%s%s%s%s", venue, *venue && *city ? ", " : "",
	         city, country ? ", " : "", country ? country : "");
	enc = evhttp_encode_uri(q);
	if (enc == NULL)
		return;
	lit(b, "<p><a id=\"map\" href=\"https://www.openstreetmap.org/"
	       "search?query=");
	esc(b, enc);
	lit(b, "\">");
	esc(b, w->map);
	lit(b, "</a></p>\n");
	free(enc);
	(void)t;
}

/* ------------------------------------------------- the timetable */

/* An instant as the machine-readable datetime= of <time> (UTC). */
static void iso_attr(struct evbuffer *b, int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	lit(b, buf);
}

static int64_t item_int(const json_t *item, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(item, key));
}

static const char *item_str(const json_t *item, const char *key)
{
	const char *s = json_string_value(json_object_get(item, key));

	return s ? s : "";
}

/* One item: its times in the event's zone (when.h, the reader's
 * language), title, kind in words, speakers with organisations, room and
 * description, all escaped. */
static void programme_item(struct evbuffer *b, const struct page_text *t,
                           const struct page_words *w, const char *tz,
                           const json_t *item)
{
	int64_t start = item_int(item, "start_utc"),
	        end = item_int(item, "end_utc");
	const json_t *sp = json_object_get(item, "speakers");
	char a[128], z[128];
	size_t i;
	json_t *v;

	lit(b, "<article class=\"item\" data-kind=\"");
	esc(b, item_str(item, "kind"));
	lit(b, "\">\n<p class=\"time\"><time datetime=\"");
	iso_attr(b, start);
	lit(b, "\">");
	if (strcmp(item_str(item, "day"), item_str(item, "end_day")) == 0) {
		when_time(a, sizeof(a), t->lang, tz, start);
		when_time(z, sizeof(z), t->lang, tz, end);
		esc(b, a);
		lit(b, "</time>–<time datetime=\"");
		iso_attr(b, end);
		lit(b, "\">");
		esc(b, z);
	} else { /* past midnight: both days in words */
		char r[256];

		when_range(r, sizeof(r), t->lang, tz, start, end, 0);
		esc(b, r);
	}
	lit(b, "</time></p>\n<h4>");
	esc(b, item_str(item, "title"));
	lit(b, "</h4>\n<p class=\"kind\">");
	esc(b, page_words_kind(w, item_str(item, "kind")));
	lit(b, "</p>\n");
	if (json_array_size(sp) > 0) {
		lit(b, "<ul class=\"speakers\">\n");
		json_array_foreach(sp, i, v)
		{
			const char *org = item_str(v, "organisation");

			lit(b, "<li>");
			esc(b, item_str(v, "name"));
			if (*org) {
				lit(b, " <span class=\"org\">(");
				esc(b, org);
				lit(b, ")</span>");
			}
			lit(b, "</li>\n");
		}
		lit(b, "</ul>\n");
	}
	if (*item_str(item, "room")) {
		lit(b, "<p class=\"room\">");
		esc(b, w->room);
		lit(b, ": ");
		esc(b, item_str(item, "room"));
		lit(b, "</p>\n");
	}
	page_paras(b, item_str(item, "description"));
	lit(b, "</article>\n");
}

/* The timetable (cv_public_programme's JSON array by start): a section
 * per local day with its date in words as heading; items that overlap in
 * time form one slot, side by side on a wide screen and in time order on
 * a phone (the page's CSS).  Without items: the placeholder sentence. */
static void programme_block(struct evbuffer *b, const struct page_text *t,
                            const struct page_words *w, const char *tz,
                            const char *json)
{
	json_t *items = json_loads(json ? json : "[]", 0, NULL);
	size_t n = json_array_size(items), i = 0;

	lit(b, "<section id=\"programme\" aria-labelledby=\"programme-h\">\n"
	       "<h2 id=\"programme-h\">");
	esc(b, w->programme);
	lit(b, "</h2>\n");
	if (n == 0) {
		lit(b, "<p>");
		esc(b, w->programme_later);
		lit(b, "</p>\n");
	}
	while (i < n) {
		const json_t *first = json_array_get(items, i);
		const char *day = item_str(first, "day");
		char heading[160];

		when_day(heading, sizeof(heading), t->lang, tz,
		         item_int(first, "start_utc"));
		lit(b, "<section class=\"day\" data-day=\"");
		esc(b, day);
		lit(b, "\" aria-labelledby=\"day-");
		esc(b, day);
		lit(b, "\">\n<h3 id=\"day-");
		esc(b, day);
		lit(b, "\">");
		esc(b, heading);
		lit(b, "</h3>\n");
		while (i < n &&
		       strcmp(item_str(json_array_get(items, i), "day"), day) ==
		               0) {
			/* a slot: this item and every later one that starts
			 * before the slot's last end */
			size_t j = i + 1;
			int64_t until =
			        item_int(json_array_get(items, i), "end_utc");

			while (j < n &&
			       strcmp(item_str(json_array_get(items, j), "day"),
			              day) == 0 &&
			       item_int(json_array_get(items, j), "start_utc") <
			               until) {
				int64_t e = item_int(json_array_get(items, j),
				                     "end_utc");

				if (e > until)
					until = e;
				j++;
			}
			lit(b, j - i > 1 ? "<div class=\"slot parallel\">\n"
			                 : "<div class=\"slot\">\n");
			for (; i < j; i++)
				programme_item(b, t, w, tz,
				               json_array_get(items, i));
			lit(b, "</div>\n");
		}
		lit(b, "</section>\n");
	}
	lit(b, "</section>\n");
	json_decref(items);
}

static void event_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;
	const struct page_text *t = page_text_for(r);
	const struct page_words *w = page_words_get(t->lang);
	struct evbuffer *b;
	const char *id;
	char path[160];
	int cancelled;

	if (public_res_ok(r, res, err, event_cols) < 0)
		return;
	if (PQntuples(res) != 1) {
		page_not_found(r);
		return;
	}
	t = page_text_for_default(r, db_row_get(res, 0, "project_language"));
	w = page_words_get(t->lang);
	id = db_row_str(res, 0, "id");
	cancelled = strcmp(db_row_str(res, 0, "status"), "cancelled") == 0;
	b = page_begin(t, db_row_str(res, 0, "title"));
	if (b == NULL) {
		page_end(r, b, 500);
		return;
	}
	lit(b, "<p>");
	esc(b, w->project);
	lit(b, ": <a href=\"/p/");
	esc(b, db_row_str(res, 0, "project_slug"));
	lit(b, "\">");
	esc(b, db_row_str(res, 0, "project_title"));
	lit(b, "</a></p>\n<h1>");
	esc(b, db_row_str(res, 0, "title"));
	lit(b, "</h1>\n");
	if (cancelled) {
		lit(b, "<p class=\"err badge cancelled\" id=\"cancelled\">");
		esc(b, t->ev_cancelled);
		lit(b, "</p>\n");
	}
	page_when_where(b, t, res, 0);
	map_link(b, t, w, res);
	if (!cancelled &&
	    strcmp(db_row_str(res, 0, "registration"), "open") == 0) {
		page_seats(b, w, res, 0);
		lit(b, "<p><a class=\"btn register\" id=\"register\" "
		       "href=\"/events/");
		esc(b, id);
		lit(b, "/register?lang=");
		lit(b, t->lang);
		lit(b, "\">");
		esc(b, w->register_btn);
		lit(b, "</a></p>\n");
	} else if (!cancelled)
		page_window(b, t, w, res);
	if (*db_row_str(res, 0, "description")) {
		lit(b, "<h2>");
		esc(b, w->about);
		lit(b, "</h2>\n");
		page_paras(b, db_row_str(res, 0, "description"));
	}
	programme_block(b, t, w, db_row_str(res, 0, "tz"),
	                db_row_str(res, 0, "programme"));
	if (!cancelled) {
		lit(b, "<p><a class=\"btn quiet\" id=\"add-event\" "
		       "href=\"/events/");
		esc(b, id);
		lit(b, ".ics\">");
		esc(b, w->add_event);
		lit(b, "</a></p>\n");
	}
	snprintf(path, sizeof(path), "/calendars/projects/%s.ics",
	         db_row_str(res, 0, "project_slug"));
	page_subscribe(b, w, path, db_row_str(res, 0, "project_title"));
	page_organiser(b, w);
	page_end(r, b, 200);
}

static void event_get(struct http_req *r)
{
	if (!ident_id_valid(r->params[0])) {
		page_not_found(r);
		return;
	}
	public_query(r,
	             "SELECT e.*, cv_public_programme(e.id) AS programme"
	             " FROM cv_public_event($1::bigint) e",
	             r->params[0], event_done);
}

/* GET /events/{id}.ics: the one event as a calendar ("Add to my
 * calendar"), served by the feeds (ETag, 304, gzip). */
static void event_ics(struct http_req *r)
{
	char name[40];

	if (!ident_id_valid(r->params[0])) {
		http_reply_error(r, 404, "not_found", NULL, "no such calendar");
		return;
	}
	snprintf(name, sizeof(name), "events/%s", r->params[0]);
	feeds_reply(r, name);
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

const struct http_route pages_public_routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/privacy",
         .handler = privacy_get},
        {.method = EVHTTP_REQ_GET, .pattern = "/", .handler = home_get},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/p/{slug}",
         .handler = project_get},
        /* before /events/{id}, which would take "7.ics" as its id */
        {.method = EVHTTP_REQ_GET,
         .pattern = "/events/{id}.ics",
         .handler = event_ics},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/events/{id}",
         .handler = event_get},
        {.pattern = NULL},
};
