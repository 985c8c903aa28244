/* feeds.c - /calendars/public.ics, /calendars/projects/{slug}.ics and
 * /calendars/personal/{token}.ics: query, render with cal.c, cache the
 * bytes (and their gzip) with a strong ETag until NOTIFY says otherwise. */
#include "feeds.h"

#include <ctype.h>
#include <event2/event.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "app.h"
#include "cal.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "ident.h"
#include "log.h"
#include "plugin_host.h"
#include "token.h"

#define FEED_BUCKETS      1024
#define FEED_MAX_PERSONAL 20000 /* cached personal feeds before a purge */
#define CTYPE             "text/calendar; charset=utf-8"

enum feed_kind { FEED_PUBLIC, FEED_PROJECT, FEED_PERSONAL, FEED_EVENT };

/* Someone waiting for a feed: an HTTP request or a plugin callback. */
struct waiter {
	struct http_req *r;
	void (*cb)(void *arg, const char *ics, size_t len);
	void *arg;
	struct waiter *next;
};

struct feed {
	char *key; /* "public", "projects/<slug>", "personal/<token>" */
	enum feed_kind kind;
	const char *arg; /* slug or token: points into key */
	int64_t person_id;
	unsigned epoch; /* bumped by every invalidation */
	int valid;      /* body is current */
	int loading;    /* a query is in flight */
	char *body;
	size_t len;
	unsigned char *gz; /* gzip of body, made on first demand */
	size_t gzlen;
	/* once replied, body and gz are owned by these (zero-copy replies) */
	struct http_shared *sbody, *sgz;
	char etag[40];    /* "<hash>" with quotes */
	char etag_gz[44]; /* "<hash>-gz" */
	time_t last_modified;
	struct waiter *waiters;
	struct feed *next;
};

static struct feed *buckets[FEED_BUCKETS];
static size_t npersonal;

/* ---- the cache ---- */

static unsigned hash_key(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % FEED_BUCKETS;
}

static struct feed *feed_find(const char *key)
{
	for (struct feed *f = buckets[hash_key(key)]; f; f = f->next)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

static void feed_clear(struct feed *f)
{
	/* bytes handed to replies live on in the shared buffers */
	if (f->sbody)
		http_shared_unref(f->sbody);
	else
		free(f->body);
	if (f->sgz)
		http_shared_unref(f->sgz);
	else
		free(f->gz);
	f->sbody = f->sgz = NULL;
	f->body = NULL;
	f->gz = NULL;
	f->len = f->gzlen = 0;
	f->valid = 0;
}

static void feed_invalidate(struct feed *f)
{
	f->epoch++;
	f->valid = 0;
}

static void feed_unlink_free(struct feed *f)
{
	struct feed **pp = &buckets[hash_key(f->key)];

	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp)
		*pp = f->next;
	if (f->kind == FEED_PERSONAL)
		npersonal--;
	feed_clear(f);
	free(f->key);
	free(f);
}

/* Forget every idle personal feed (bounded memory for secret URLs). */
static void purge_personal(void)
{
	for (int b = 0; b < FEED_BUCKETS; b++) {
		struct feed *f = buckets[b], *next;
		for (; f; f = next) {
			next = f->next;
			if (f->kind == FEED_PERSONAL && !f->loading)
				feed_unlink_free(f);
		}
	}
}

static struct feed *feed_get(enum feed_kind kind, const char *prefix,
                             const char *arg)
{
	char *key;
	struct feed *f;
	unsigned h;

	if (asprintf(&key, "%s%s", prefix, arg ? arg : "") < 0)
		return NULL;
	if ((f = feed_find(key))) {
		free(key);
		return f;
	}
	if (kind == FEED_PERSONAL && npersonal >= FEED_MAX_PERSONAL)
		purge_personal();
	if (!(f = calloc(1, sizeof *f))) {
		free(key);
		return NULL;
	}
	f->key = key;
	f->kind = kind;
	f->arg = key + strlen(prefix);
	h = hash_key(key);
	f->next = buckets[h];
	buckets[h] = f;
	if (kind == FEED_PERSONAL)
		npersonal++;
	return f;
}

/* Invalidate what a change touches.  WHAT: event, deadline, project,
 * person; SLUG: the item's project; ID: for person, the person. */
static void invalidate(const char *what, int64_t id, const char *slug)
{
	int person = strcmp(what, "person") == 0;
	char key[128];

	for (int b = 0; b < FEED_BUCKETS; b++) {
		struct feed *f = buckets[b];
		for (; f; f = f->next) {
			if (person) {
				if (f->kind == FEED_PERSONAL &&
				    (f->person_id == id || f->person_id == 0))
					feed_invalidate(f);
			} else if (f->kind != FEED_PROJECT) {
				feed_invalidate(f);
			}
		}
	}
	if (!person && slug) {
		struct feed *f;
		snprintf(key, sizeof key, "projects/%s", slug);
		if ((f = feed_find(key)))
			feed_invalidate(f);
	}
	if (strcmp(what, "project") == 0 && !slug)
		feeds_invalidate_all();
}

static void person_notified(void *arg, PGresult *res, const char *err)
{
	(void)arg;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warnx("feeds: telling the other daemons failed: %s",
		          err ? err : PQresultErrorMessage(res));
}

void feeds_person_changed(struct app *app, int64_t person)
{
	char id[24];
	const char *params[1] = {id};

	invalidate("person", person, NULL);
	snprintf(id, sizeof id, "%" PRId64, person);
	if (db_query(app->db, "SELECT cv_feed_person_changed($1::bigint)", 1,
	             params, person_notified, NULL) < 0)
		log_warnx("feeds: shutting down: person %" PRId64
		          " not announced",
		          person);
}

void feeds_invalidate_all(void)
{
	for (int b = 0; b < FEED_BUCKETS; b++)
		for (struct feed *f = buckets[b]; f; f = f->next)
			feed_invalidate(f);
}

void feeds_shutdown(void)
{
	for (int b = 0; b < FEED_BUCKETS; b++) {
		struct feed *f = buckets[b], *next;
		for (; f; f = next) {
			next = f->next;
			while (f->waiters) {
				struct waiter *w = f->waiters;
				f->waiters = w->next;
				free(w);
			}
			feed_clear(f);
			free(f->key);
			free(f);
		}
		buckets[b] = NULL;
	}
	npersonal = 0;
}

/* ---- HTTP answers ---- */

static void http_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int parse_http_date(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* If-None-Match lists ETags (weak comparison, RFC 9110 13.1.2). */
static int etag_matches(const char *inm, const struct feed *f)
{
	const char *p = inm;

	while (*p) {
		size_t n;
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		if ((n == strlen(f->etag) && strncmp(p, f->etag, n) == 0) ||
		    (n == strlen(f->etag_gz) && strncmp(p, f->etag_gz, n) == 0))
			return 1;
		p += n;
	}
	return 0;
}

/* 1 when Accept-Encoding allows gzip (a "gzip;q=0" refuses it). */
static int wants_gzip(const char *ae)
{
	const char *p = ae;

	while (p && (p = strcasestr(p, "gzip"))) {
		const char *q = p + 4;
		if ((p == ae || p[-1] == ' ' || p[-1] == ',') &&
		    (*q == '\0' || *q == ',' || *q == ';' || *q == ' ')) {
			while (*q == ' ')
				q++;
			if (*q == ';') {
				q++;
				while (*q == ' ')
					q++;
				if (strncmp(q, "q=0", 3) == 0 &&
				    strspn(q + 3, ".0") == strcspn(q + 3, ", "))
					return 0;
			}
			return 1;
		}
		p += 4;
	}
	return 0;
}

static int make_gzip(struct feed *f)
{
	z_stream zs;
	uLong cap;
	int rc;

	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -1;
	cap = deflateBound(&zs, f->len) + 32;
	if (!(f->gz = malloc(cap))) {
		deflateEnd(&zs);
		return -1;
	}
	zs.next_in = (Bytef *)f->body;
	zs.avail_in = f->len;
	zs.next_out = f->gz;
	zs.avail_out = cap;
	rc = deflate(&zs, Z_FINISH);
	f->gzlen = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(f->gz);
		f->gz = NULL;
		return -1;
	}
	return 0;
}

static void reply_feed(struct http_req *r, struct feed *f)
{
	const char *inm = http_header(r, "If-None-Match");
	const char *ims = http_header(r, "If-Modified-Since");
	int gz = wants_gzip(http_header(r, "Accept-Encoding"));
	char date[64];
	time_t t;

	http_date(f->last_modified, date, sizeof date);
	http_add_header(r, "Last-Modified", date);
	http_add_header(r, "Vary", "Accept-Encoding");
	http_add_header(r, "Cache-Control",
	                f->kind == FEED_PERSONAL ? "private, no-cache"
	                                         : "public, no-cache");
	if (gz && !f->gz && make_gzip(f) < 0)
		gz = 0;
	http_add_header(r, "ETag", gz ? f->etag_gz : f->etag);
	if (inm ? etag_matches(inm, f)
	        : (ims && parse_http_date(ims, &t) == 0 &&
	           f->last_modified <= t)) {
		http_reply_raw(r, 304, NULL, NULL, 0);
		return;
	}
	/* Send the cached bytes without copying them (a 10,000-event feed
	 * is megabytes); the shared buffer owns them from now on. */
	if (gz && !f->sgz)
		f->sgz = http_shared_new(f->gz, f->gzlen);
	if (!gz && !f->sbody)
		f->sbody = http_shared_new(f->body, f->len);
	if (gz) {
		http_add_header(r, "Content-Encoding", "gzip");
		if (f->sgz)
			http_reply_shared(r, 200, CTYPE, f->sgz);
		else
			http_reply_raw(r, 200, CTYPE, f->gz, f->gzlen);
	} else {
		if (f->sbody)
			http_reply_shared(r, 200, CTYPE, f->sbody);
		else
			http_reply_raw(r, 200, CTYPE, f->body, f->len);
	}
}

/* Answer every waiter: with the feed (F valid or BODY given), or with
 * STATUS when the feed cannot be had. */
static void answer_waiters(struct feed *f, int status, const char *body,
                           size_t len)
{
	struct waiter *w = f->waiters;

	f->waiters = NULL;
	while (w) {
		struct waiter *next = w->next;
		if (w->r && status == 200)
			reply_feed(w->r, f);
		else if (w->r && status == 404)
			http_reply_error(w->r, 404, "not_found", NULL,
			                 "no such calendar");
		else if (w->r)
			http_reply_error(w->r, 503, "unavailable", NULL,
			                 "the calendar cannot be read now");
		else
			w->cb(w->arg, status == 200 ? body : NULL,
			      status == 200 ? len : 0);
		free(w);
		w = next;
	}
}

/* ---- from rows to iCalendar ---- */

/* The columns render_rows reads, by name: cv_feed_rows and
 * cv_personal_feed_rows (sql/functions/feeds.sql) return them. */
enum {
	C_T,
	C_ID,
	C_UID,
	C_SEQ,
	C_KIND,
	C_TITLE,
	C_DESC,
	C_VENUE,
	C_CITY,
	C_COUNTRY,
	C_TZ,
	C_ALLDAY,
	C_START,
	C_END,
	C_START_UTC,
	C_END_UTC,
	C_STATUS,
	C_URL,
	C_CREATED,
	C_MODIFIED,
	C_REMINDERS,
	NCOLS
};

static const char *const col_names[NCOLS] = {
        [C_T] = "t",
        [C_ID] = "id",
        [C_UID] = "uid",
        [C_SEQ] = "sequence",
        [C_KIND] = "kind",
        [C_TITLE] = "title",
        [C_DESC] = "description",
        [C_VENUE] = "venue",
        [C_CITY] = "city",
        [C_COUNTRY] = "country",
        [C_TZ] = "tz",
        [C_ALLDAY] = "all_day",
        [C_START] = "start_local",
        [C_END] = "end_local",
        [C_START_UTC] = "start_utc",
        [C_END_UTC] = "end_utc",
        [C_STATUS] = "status",
        [C_URL] = "url",
        [C_CREATED] = "created",
        [C_MODIFIED] = "modified",
        [C_REMINDERS] = "reminders",
};

static const char FEED_SQL[] = "SELECT * FROM cv_feed_rows($1)";
static const char PERSONAL_SQL[] = "SELECT * FROM cv_personal_feed_rows($1)";
static const char EVENT_SQL[] = "SELECT * FROM cv_event_feed_rows($1::bigint)";

/* Split a comma list in place into at most MAX pointers. */
static size_t split_list(char *s, const char **out, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *t = strtok_r(s, ",", &save); t && n < max;
	     t = strtok_r(NULL, ",", &save))
		out[n++] = t;
	return n;
}

struct rendered {
	char *body;
	size_t len;
	int64_t person_id;
	int64_t modified;
};

/* Render the rows of RES.  Returns 0, 1 when there is no header row (no
 * such project or token), -1 on failure. */
static int render_rows(struct feed *f, PGresult *res, struct rendered *out)
{
	const struct config *cfg = app_instance->cfg;
	int rows = PQntuples(res), ne = 0, nd = 0, rc = -1;
	struct cal_event *ev = calloc(rows + 1, sizeof *ev);
	struct cal_deadline *dl = calloc(rows + 1, sizeof *dl);
	char **urls = calloc(rows + 1, sizeof *urls);
	const char **alarms = calloc((size_t)rows * 8 + 1, sizeof *alarms);
	char *name = NULL, err[128];
	size_t na = 0;
	int cols[NCOLS];

	if (!ev || !dl || !urls || !alarms)
		goto done;
	if (db_row_columns(res, col_names, NCOLS, cols, err, sizeof err) < 0) {
		log_warnx("calendar %s: %s", f->key, err);
		goto done;
	}
	if (rows == 0 || strcmp(db_row_str_at(res, 0, cols[C_T]), "h") != 0) {
		rc = 1;
		goto done;
	}
	out->person_id = db_row_int_at(res, 0, cols[C_ID]);
	out->modified = db_row_int_at(res, 0, cols[C_MODIFIED]);
	for (int i = 1; i < rows; i++) {
		const char *t = db_row_str_at(res, i, cols[C_T]);
		if (*t == 'e') {
			struct cal_event *e = &ev[ne++];
			e->id = db_row_int_at(res, i, cols[C_ID]);
			e->uid = db_row_at(res, i, cols[C_UID]);
			e->sequence = (int)db_row_int_at(res, i, cols[C_SEQ]);
			e->kind = db_row_at(res, i, cols[C_KIND]);
			e->title = db_row_at(res, i, cols[C_TITLE]);
			e->description = db_row_at(res, i, cols[C_DESC]);
			e->venue = db_row_at(res, i, cols[C_VENUE]);
			e->city = db_row_at(res, i, cols[C_CITY]);
			e->country = db_row_at(res, i, cols[C_COUNTRY]);
			e->tz = db_row_at(res, i, cols[C_TZ]);
			e->all_day = db_row_bool_at(res, i, cols[C_ALLDAY]);
			e->start_local = db_row_at(res, i, cols[C_START]);
			e->end_local = db_row_at(res, i, cols[C_END]);
			e->start_utc = db_row_int_at(res, i, cols[C_START_UTC]);
			e->end_utc = db_row_int_at(res, i, cols[C_END_UTC]);
			e->status = cal_status_from_string(
			        db_row_at(res, i, cols[C_STATUS]));
			e->created = db_row_int_at(res, i, cols[C_CREATED]);
			e->last_modified =
			        db_row_int_at(res, i, cols[C_MODIFIED]);
			if (asprintf(&urls[i], "%s/events/%" PRId64,
			             cfg->base_url, e->id) < 0) {
				urls[i] = NULL;
				goto done;
			}
			e->url = urls[i];
		} else {
			struct cal_deadline *d = &dl[nd++];
			const char *rem = db_row_at(res, i, cols[C_REMINDERS]);
			d->id = db_row_int_at(res, i, cols[C_ID]);
			d->uid = db_row_at(res, i, cols[C_UID]);
			d->sequence = (int)db_row_int_at(res, i, cols[C_SEQ]);
			d->kind = db_row_at(res, i, cols[C_KIND]);
			d->title = db_row_at(res, i, cols[C_TITLE]);
			d->description = db_row_at(res, i, cols[C_DESC]);
			d->url = db_row_at(res, i, cols[C_URL]);
			d->tz = db_row_at(res, i, cols[C_TZ]);
			d->due_local = db_row_at(res, i, cols[C_START]);
			d->due_utc = db_row_int_at(res, i, cols[C_START_UTC]);
			d->status = cal_status_from_string(
			        db_row_at(res, i, cols[C_STATUS]));
			d->created = db_row_int_at(res, i, cols[C_CREATED]);
			d->last_modified =
			        db_row_int_at(res, i, cols[C_MODIFIED]);
			/* the offsets the scheduler uses too (its own, else
			 * reminder_defaults), split in place (libpq's
			 * copy of the value is ours to change) */
			d->alarms = alarms + na;
			d->nalarms =
			        rem ? split_list((char *)rem, alarms + na, 8)
			            : 0;
			na += d->nalarms;
		}
	}
	{
		const char *cname = cfg->cal_name ? cfg->cal_name : "convened";
		const char *title = db_row_at(res, 0, cols[C_TITLE]);
		if (f->kind == FEED_PUBLIC || !title)
			name = strdup(cname);
		else if (asprintf(&name, "%s - %s", cname, title) < 0)
			name = NULL;
		if (!name)
			goto done;
	}
	struct cal_feed_opts o = {
	        .prodid = cfg->cal_prodid,
	        .name = name,
	        .refresh = cfg->cal_refresh,
	};
	out->body = cal_render_feed(&o, ev, ne, dl, nd, &out->len);
	rc = out->body ? 0 : -1;
done:
	if (urls)
		for (int i = 0; i < rows; i++)
			free(urls[i]);
	free(urls);
	free(alarms);
	free(name);
	free(ev);
	free(dl);
	return rc;
}

struct load {
	struct feed *f;
	unsigned epoch;
};

static void set_etag(struct feed *f)
{
	unsigned char h[16];
	char hex[33];

	crypto_generichash(h, sizeof h, (const unsigned char *)f->body, f->len,
	                   NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(f->etag, sizeof f->etag, "\"%s\"", hex);
	snprintf(f->etag_gz, sizeof f->etag_gz, "\"%s-gz\"", hex);
}

static void load_done(void *arg, PGresult *res, const char *err)
{
	struct load *ld = arg;
	struct feed *f = ld->f;
	struct rendered out = {0};
	char old_etag[sizeof f->etag];
	time_t old_lm = f->last_modified;
	int rc;

	f->loading = 0;
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warnx("calendar %s: %s", f->key,
		          res ? PQresultErrorMessage(res) : err);
		answer_waiters(f, 503, NULL, 0);
		free(ld);
		return;
	}
	rc = render_rows(f, res, &out);
	if (rc != 0) {
		if (rc < 0)
			log_warnx("calendar %s: cannot render", f->key);
		answer_waiters(f, rc > 0 ? 404 : 503, NULL, 0);
		if (rc > 0 && !f->waiters && !f->loading)
			feed_unlink_free(f); /* unknown: keep nothing */
		free(ld);
		return;
	}
	memcpy(old_etag, f->etag, sizeof old_etag);
	feed_clear(f);
	f->body = out.body;
	f->len = out.len;
	f->person_id = out.person_id;
	set_etag(f);
	/* Last-Modified: the newest change in the data, but never going back
	 * (an item leaving the feed lowers the maximum). */
	f->last_modified = (time_t)out.modified;
	if (strcmp(old_etag, f->etag) != 0 && old_lm &&
	    f->last_modified <= old_lm)
		f->last_modified =
		        time(NULL) > old_lm ? time(NULL) : old_lm + 1;
	else if (strcmp(old_etag, f->etag) == 0 && old_lm)
		f->last_modified = old_lm;
	if (f->last_modified <= 0)
		f->last_modified = app_instance->started;
	/* a change that arrived while querying: answer, but do not keep */
	f->valid = f->epoch == ld->epoch;
	answer_waiters(f, 200, f->body, f->len);
	free(ld);
}

static void feed_request(struct feed *f, struct waiter *w)
{
	struct load *ld;
	const char *param[1];

	w->next = f->waiters;
	f->waiters = w;
	if (f->loading)
		return;
	if (!(ld = malloc(sizeof *ld))) {
		answer_waiters(f, 503, NULL, 0);
		return;
	}
	ld->f = f;
	ld->epoch = f->epoch;
	param[0] = f->kind == FEED_PUBLIC ? NULL : f->arg;
	f->loading = 1;
	if (db_query(app_instance->db,
	             f->kind == FEED_PERSONAL ? PERSONAL_SQL
	             : f->kind == FEED_EVENT  ? EVENT_SQL
	                                      : FEED_SQL,
	             1, param, load_done, ld) < 0) {
		f->loading = 0;
		free(ld);
		answer_waiters(f, 503, NULL, 0);
	}
}

/* ---- entry points ---- */

/* The feed named NAME (as in feeds_calendar), or NULL when malformed. */
static struct feed *feed_by_name(const char *name, int *malformed)
{
	*malformed = 0;
	if (strcmp(name, "public") == 0)
		return feed_get(FEED_PUBLIC, "public", NULL);
	if (strncmp(name, "projects/", 9) == 0 && ident_slug_valid(name + 9))
		return feed_get(FEED_PROJECT, "projects/", name + 9);
	if (strncmp(name, "personal/", 9) == 0 && token_valid(name + 9))
		return feed_get(FEED_PERSONAL, "personal/", name + 9);
	if (strncmp(name, "events/", 7) == 0 && ident_id_valid(name + 7))
		return feed_get(FEED_EVENT, "events/", name + 7);
	*malformed = 1;
	return NULL;
}

static void serve(struct http_req *r, const char *name)
{
	int malformed;
	struct feed *f = feed_by_name(name, &malformed);
	struct waiter *w;

	if (malformed) {
		http_reply_error(r, 404, "not_found", NULL, "no such calendar");
		return;
	}
	if (!f || !(w = calloc(1, sizeof *w))) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	if (f->valid) {
		free(w);
		reply_feed(r, f);
		return;
	}
	w->r = r;
	feed_request(f, w);
}

void feeds_reply(struct http_req *r, const char *name)
{
	serve(r, name);
}

static void h_public(struct http_req *r)
{
	serve(r, "public");
}

static void h_project(struct http_req *r)
{
	char name[80];

	if (strlen(r->params[0]) > 63) {
		http_reply_error(r, 404, "not_found", NULL, "no such calendar");
		return;
	}
	snprintf(name, sizeof name, "projects/%s", r->params[0]);
	serve(r, name);
}

static void h_personal(struct http_req *r)
{
	char name[80];

	if (strlen(r->params[0]) > TOKEN_HEX) {
		http_reply_error(r, 404, "not_found", NULL, "no such calendar");
		return;
	}
	snprintf(name, sizeof name, "personal/%s", r->params[0]);
	serve(r, name);
}

/* A plugin's answer from a valid cache entry, run on the next loop turn
 * (never inside feeds_calendar) with its own copy of the bytes. */
struct deferred {
	void (*cb)(void *arg, const char *ics, size_t len);
	void *arg;
	size_t len;
	char body[];
};

static void deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct deferred *d = arg;

	(void)fd;
	(void)what;
	d->cb(d->arg, d->body, d->len);
	free(d);
}

int feeds_calendar(const char *feed,
                   void (*cb)(void *arg, const char *ics, size_t len),
                   void *arg)
{
	int malformed;
	struct feed *f;
	struct waiter *w;

	if (!feed || !cb)
		return -1;
	f = feed_by_name(feed, &malformed);
	if (malformed || !f || !(w = calloc(1, sizeof *w)))
		return -1;
	w->cb = cb;
	w->arg = arg;
	if (f->valid) {
		struct deferred *d = malloc(sizeof *d + f->len + 1);
		free(w);
		if (!d)
			return -1;
		d->cb = cb;
		d->arg = arg;
		d->len = f->len;
		memcpy(d->body, f->body, f->len + 1);
		if (event_base_once(app_instance->base, -1, EV_TIMEOUT,
		                    deferred_cb, d, NULL) < 0) {
			free(d);
			return -1;
		}
		return 0;
	}
	feed_request(f, w);
	return 0;
}

static void on_changed(void *arg, const char *channel, const char *payload)
{
	char what[16];
	int64_t id = 0;
	const char *p, *q, *slug = NULL;
	size_t n;

	(void)arg;
	(void)channel;
	p = strchr(payload, ':');
	n = p ? (size_t)(p - payload) : 0;
	if (!p || n == 0 || n >= sizeof what) {
		feeds_invalidate_all();
		return;
	}
	memcpy(what, payload, n);
	what[n] = '\0';
	id = strtoll(p + 1, NULL, 10);
	q = strchr(p + 1, ':');
	if (q && q[1])
		slug = q + 1;
	log_debug("calendar change: %s %" PRId64 " %s", what, id,
	          slug ? slug : "");
	invalidate(what, id, slug);
	if (strcmp(what, "person") != 0)
		plugin_host_changed(what, id, slug);
}

static void on_reconnect(void *arg)
{
	(void)arg;
	feeds_invalidate_all(); /* notifications may have been lost */
}

/* Drain check: no query in flight (its callback may reach a plugin). */
static int feeds_idle(void)
{
	for (int b = 0; b < FEED_BUCKETS; b++)
		for (struct feed *f = buckets[b]; f; f = f->next)
			if (f->loading)
				return 0;
	return 1;
}

static int calendar_hook(const char *feed,
                         void (*cb)(void *arg, const char *ics, size_t len),
                         void *arg)
{
	return feeds_calendar(feed, cb, arg);
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/calendars/public.ics",
         .handler = h_public,
         .name = "/calendars/public.ics"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/calendars/projects/{slug}.ics",
         .handler = h_project,
         .name = "/calendars/projects/{slug}.ics"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/calendars/personal/{token}.ics",
         .handler = h_personal,
         .name = "/calendars/personal/{token}.ics"},
        {.pattern = NULL},
};

int feeds_init(struct app *app)
{
	if (http_add_routes(routes) < 0)
		return -1;
	if (db_listen(app->db, "convened_changed", on_changed, NULL) < 0)
		return -1;
	db_on_reconnect(app->db, on_reconnect, NULL);
	plugin_host_set_calendar(calendar_hook);
	app_on_drain(feeds_idle);
	return 0;
}
