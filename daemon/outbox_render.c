/* outbox_render.c - turn one claimed outbox row into a cv_message: template
 * variables from the joined event/deadline/person, links, Message-ID and
 * the iTIP invitation or cancellation. */
#include "outbox_render.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "config.h"
#include "country.h"
#include "db_row.h"
#include "mail_out.h"
#include "outbox.h"
#include "pages_text.h"
#include "when.h"
#include "qr.h"

const char outbox_claim_sql[] =
        "SELECT * FROM cv_outbox_claim($1, $2::int, $3::int)";

enum {
	OR_ID,
	OR_KIND,
	OR_CHANNEL,
	OR_ATTEMPTS,
	OR_DUE_EPOCH,
	OR_NCOLS,
};

enum {
	C_RECIPIENT = OR_NCOLS,
	C_RECIPIENT_NAME,
	C_LANGUAGE,
	C_DEDUPE,
	C_CREATED,
	C_OFFSET,
	C_PERSON_NAME,
	C_EVENT_ID,
	C_EVENT_TITLE,
	C_START_FMT,
	C_END_FMT,
	C_EVENT_TZ,
	C_RECIPIENT_LOCAL,
	C_VENUE,
	C_CITY,
	C_COUNTRY,
	C_PLACE,
	C_REG_TOKEN,
	C_FEED_TOKEN,
	C_PROJECT_TITLE,
	C_DEADLINE_TITLE,
	C_DEADLINE_FMT,
	C_DEADLINE_TZ,
	C_DEADLINE_URL,
	C_FOLLOW_TOKEN,
	C_WAITLIST_POS,
	C_UID,
	C_SEQUENCE,
	C_EVENT_KIND,
	C_DESCRIPTION,
	C_START_LOCAL,
	C_END_LOCAL,
	C_START_EPOCH,
	C_END_EPOCH,
	C_STATUS,
	C_EV_CREATED,
	C_EV_UPDATED,
	C_ALL_DAY,
	C_ITIP_SEQUENCE,
	C_REPLY_TOKEN,
	C_IN_FROM,
	C_IN_FROM_NAME,
	C_IN_SUBJECT,
	C_IN_TEXT,
	C_IN_ID,
	C_IN_RCPT,
	C_REG_PERSON_NAME,
	C_REG_PERSON_EMAIL,
	C_REG_STATE,
	C_ABOUT_TITLE,
	C_DEADLINE_EPOCH,
	C_RECIPIENT_TZ,
	C_CHECKIN_TOKEN,
	C_PROGRAMME,
	C_NCOLS,
};

/* The claim's columns by name (cv_outbox_claim, sql/functions/outbox_read.sql).
 */
static const char *const col_names[C_NCOLS] = {
        [OR_ID] = "id",
        [OR_KIND] = "kind",
        [OR_CHANNEL] = "channel",
        [OR_ATTEMPTS] = "attempts",
        [OR_DUE_EPOCH] = "due_epoch",
        [C_RECIPIENT] = "recipient",
        [C_RECIPIENT_NAME] = "recipient_name",
        [C_LANGUAGE] = "language",
        [C_DEDUPE] = "dedupe_key",
        [C_CREATED] = "created_epoch",
        [C_OFFSET] = "reminder_offset",
        [C_PERSON_NAME] = "person_name",
        [C_EVENT_ID] = "event_id",
        [C_EVENT_TITLE] = "event_title",
        [C_START_FMT] = "start_fmt",
        [C_END_FMT] = "end_fmt",
        [C_EVENT_TZ] = "event_tz",
        [C_RECIPIENT_LOCAL] = "recipient_local",
        [C_VENUE] = "venue",
        [C_CITY] = "city",
        [C_COUNTRY] = "country",
        [C_PLACE] = "place",
        [C_REG_TOKEN] = "reg_token",
        [C_FEED_TOKEN] = "feed_token",
        [C_PROJECT_TITLE] = "project_title",
        [C_DEADLINE_TITLE] = "deadline_title",
        [C_DEADLINE_FMT] = "deadline_fmt",
        [C_DEADLINE_TZ] = "deadline_tz",
        [C_DEADLINE_URL] = "deadline_url",
        [C_FOLLOW_TOKEN] = "follow_token",
        [C_WAITLIST_POS] = "waitlist_rank",
        [C_UID] = "uid",
        [C_SEQUENCE] = "sequence",
        [C_EVENT_KIND] = "event_kind",
        [C_DESCRIPTION] = "description",
        [C_START_LOCAL] = "start_local",
        [C_END_LOCAL] = "end_local",
        [C_START_EPOCH] = "start_epoch",
        [C_END_EPOCH] = "end_epoch",
        [C_STATUS] = "status",
        [C_EV_CREATED] = "event_created_epoch",
        [C_EV_UPDATED] = "event_updated_epoch",
        [C_ALL_DAY] = "all_day",
        [C_ITIP_SEQUENCE] = "itip_sequence",
        [C_REPLY_TOKEN] = "reply_token",
        [C_IN_FROM] = "in_from",
        [C_IN_FROM_NAME] = "in_from_name",
        [C_IN_SUBJECT] = "in_subject",
        [C_IN_TEXT] = "in_text",
        [C_IN_ID] = "in_id",
        [C_IN_RCPT] = "in_rcpt",
        [C_REG_PERSON_NAME] = "reg_person_name",
        [C_REG_PERSON_EMAIL] = "reg_person_email",
        [C_REG_STATE] = "reg_state",
        [C_ABOUT_TITLE] = "about_title",
        [C_DEADLINE_EPOCH] = "deadline_epoch",
        [C_RECIPIENT_TZ] = "recipient_tz",
        [C_CHECKIN_TOKEN] = "checkin_token",
        [C_PROGRAMME] = "programme",
};

/* Where each of col_names is in the result being rendered (the loop renders
 * one row at a time, on one thread). */
static int cols[C_NCOLS];

/* The value of column COL, or NULL when SQL NULL. */
static const char *val(const PGresult *res, int row, int col)
{
	return db_row_at(res, row, cols[col]);
}

/* The host part of BASE_URL ("localhost" when it has none) into BUF. */
static void url_host(const char *base_url, char *buf, size_t len)
{
	const char *host = base_url ? strstr(base_url, "://") : NULL;
	size_t n;

	host = host ? host + 3 : "localhost";
	n = strcspn(host, ":/");
	if (n == 0) {
		host = "localhost";
		n = strlen(host);
	}
	snprintf(buf, len, "%.*s", (int)n, host);
}

int outbox_message_id(int64_t id, const char *dedupe, const char *base_url,
                      char *buf, size_t len)
{
	unsigned char h[8];
	char hex[sizeof(h) * 2 + 1], host[256];
	int r;

	url_host(base_url, host, sizeof(host));
	crypto_generichash(h, sizeof(h), (const unsigned char *)dedupe,
	                   strlen(dedupe), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	r = snprintf(buf, len, "<outbox-%" PRId64 ".%s@%s>", id, hex, host);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

/* The reply address of a row with a reply token (<local>+<token>@<domain>
 * from [mail] reply_address) into BUF; 0, or -1 when there is none. */
static int reply_address(const PGresult *res, int row, const struct config *cfg,
                         char *buf, size_t len)
{
	const char *tok = val(res, row, C_REPLY_TOKEN);
	const char *at;
	int n;

	if (!cfg->mail_reply_address || !tok || !*tok)
		return -1;
	at = strchr(cfg->mail_reply_address, '@');
	if (!at)
		return -1;
	n = snprintf(buf, len, "%.*s+%s%s", (int)(at - cfg->mail_reply_address),
	             cfg->mail_reply_address, tok, at);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static const char *itip_method(const char *kind)
{
	static const struct {
		const char *kind, *method;
	} tab[] = {
	        {"registration_confirmed", "REQUEST"},
	        {"registration_promoted", "REQUEST"},
	        {"event_updated", "REQUEST"},
	        {"event_cancelled", "CANCEL"},
	        {"registration_cancelled", "CANCEL"},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].kind, kind) == 0)
			return tab[i].method;
	return NULL;
}

/* The invitation or cancellation for an event notification, or NULL (also
 * when the row carries no iTIP sequence: no calendar object for this
 * person, e.g. an update to someone without a seat).  SEQUENCE is the
 * row's, fixed when it was written (cv_itip_sequence: never lower than
 * what the person was sent before); DTSTAMP is the row's due time, when
 * the message was made, as in its Date header. */
/* 1 when the message of KIND in ROW carries a calendar invitation or
 * cancellation: a kind that has one, for someone who was given (or is
 * given now) an invitation (the row's iTIP SEQUENCE), with an organiser
 * configured. */
static int itip_attached(const PGresult *res, int row, const struct config *cfg,
                         const char *kind)
{
	return itip_method(kind) && val(res, row, C_EVENT_ID) &&
	       val(res, row, C_UID) && val(res, row, C_ITIP_SEQUENCE) &&
	       cfg->cal_organizer;
}

static char *render_itip(const PGresult *res, int row, const struct config *cfg,
                         const char *kind, const char *url, const char **method)
{
	struct cal_event ev = {0};
	struct cal_itip it = {0};
	const char *v;
	char org[320];

	*method = itip_method(kind);
	if (!itip_attached(res, row, cfg, kind))
		return NULL;
	ev.id = strtoll(val(res, row, C_EVENT_ID), NULL, 10);
	ev.uid = val(res, row, C_UID);
	ev.sequence = atoi(val(res, row, C_ITIP_SEQUENCE));
	ev.kind = val(res, row, C_EVENT_KIND);
	ev.title = val(res, row, C_EVENT_TITLE);
	ev.description = val(res, row, C_DESCRIPTION);
	ev.venue = val(res, row, C_VENUE);
	ev.city = val(res, row, C_CITY);
	ev.country = val(res, row, C_COUNTRY);
	ev.tz = val(res, row, C_EVENT_TZ);
	v = val(res, row, C_ALL_DAY);
	ev.all_day = v && v[0] == 't';
	ev.start_local = val(res, row, C_START_LOCAL);
	ev.end_local = val(res, row, C_END_LOCAL);
	ev.start_utc = strtoll(val(res, row, C_START_EPOCH), NULL, 10);
	ev.end_utc = strtoll(val(res, row, C_END_EPOCH), NULL, 10);
	ev.status = cal_status_from_string(val(res, row, C_STATUS));
	ev.url = url;
	ev.created = strtoll(val(res, row, C_EV_CREATED), NULL, 10);
	ev.last_modified = strtoll(val(res, row, C_EV_UPDATED), NULL, 10);
	it.method = *method;
	it.prodid = cfg->cal_prodid;
	/* replies from calendar clients go to the token address */
	if (reply_address(res, row, cfg, org, sizeof(org)) == 0) {
		it.organizer_email = org;
		it.rsvp = strcmp(*method, "REQUEST") == 0;
	} else {
		it.organizer_email = cfg->cal_organizer;
	}
	it.organizer_name = cfg->cal_organizer_name;
	it.attendee_email = val(res, row, C_RECIPIENT);
	it.attendee_name = val(res, row, C_RECIPIENT_NAME);
	it.dtstamp = (int64_t)strtod(val(res, row, OR_DUE_EPOCH), NULL);
	return cal_render_itip(&it, &ev, NULL);
}

/* The finished message of OM into om->raw: from the [mail] sender (or
 * noreply@host of base_url), named [mail] from_name or else [calendar]
 * organizer_name; Reply-To the reply-token address, else [mail] reply_to,
 * else [mail] secretariat (a forward: the person who wrote); dated by the row's
 * due_at so that every rendering of the row gives the same bytes; its envelope
 * sender (om->m.from) is the reply-token address when it has one, else From:.
 * 0, or -1 with om->why set. */
static int build_raw(const PGresult *res, int row, const struct config *cfg,
                     const struct mail_attachment *att, size_t natt,
                     struct outbox_msg *om)
{
	struct mail_sender s = {.from = cfg->mail_from,
	                        .from_name = cfg->mail_from_name,
	                        .reply_to = cfg->mail_reply_to};
	time_t date = (time_t)strtod(val(res, row, OR_DUE_EPOCH), NULL);
	size_t len = 0;
	const char *sender = val(res, row, C_IN_FROM);
	int tokened = reply_address(res, row, cfg, om->reply_to,
	                            sizeof(om->reply_to)) == 0;

	if (tokened)
		s.reply_to = om->reply_to;
	else if (val(res, row, C_IN_ID))
		/* a forward: the secretariat answers the person who wrote */
		s.reply_to = sender && mail_addr_ok(sender) ? sender : NULL;
	else if (!s.reply_to)
		s.reply_to = cfg->mail_secretariat; /* a person answers */

	if (!s.from) {
		char host[256];
		url_host(cfg->base_url, host, sizeof(host));
		snprintf(om->from, sizeof(om->from), "noreply@%s", host);
		s.from = om->from;
	}
	/* the sender people know: the network's secretariat, as invitations
	 * name their organiser */
	if (!s.from_name)
		s.from_name = cfg->cal_organizer_name;
	struct mail_inline qr = {.content_type = "image/png",
	                         .content_id = om->qr_cid,
	                         .filename = "checkin.png",
	                         .data = om->qr_png,
	                         .len = om->qr_png_len};

	om->raw =
	        mail_out_build_full(&om->m, &s, &qr, om->qr_png ? 1 : 0, att,
	                            natt, date, &len, om->why, sizeof(om->why));
	if (!om->raw)
		return -1;
	om->m.raw = om->raw;
	om->m.raw_len = len;
	/* the envelope sender: a bounce comes back to the token address and
	 * is matched to the registration even without the returned headers */
	om->m.from = tokened ? om->reply_to : s.from;
	return 0;
}

/* Dates in the message's language, from ICU (when.h). */
struct mail_dates {
	char event[256];     /* the event's dates and zone, in its zone */
	char deadline[256];  /* the deadline's due time and zone */
	char recipient[256]; /* the same in the recipient's own zone, when
	                        known and different (recipient_tz) */
};

/* Fill D for ROW in LANG; a field the row has nothing for stays "".  A
 * formatter failure leaves ICU's ISO fallback, still the right instant. */
static void format_dates(const PGresult *res, int row, const char *lang,
                         struct mail_dates *d)
{
	const char *ev = val(res, row, C_START_EPOCH);
	const char *due = val(res, row, C_DEADLINE_EPOCH);
	const char *rtz = val(res, row, C_RECIPIENT_TZ);
	const char *ad = val(res, row, C_ALL_DAY);
	int64_t start = ev ? strtoll(ev, NULL, 10) : 0;
	int64_t end = ev && val(res, row, C_END_EPOCH)
	                      ? strtoll(val(res, row, C_END_EPOCH), NULL, 10)
	                      : start;
	int64_t at = due ? strtoll(due, NULL, 10) : 0;

	memset(d, 0, sizeof(*d));
	if (ev && val(res, row, C_EVENT_TZ))
		(void)when_event(d->event, sizeof(d->event), lang,
		                 val(res, row, C_EVENT_TZ), start, end,
		                 ad && ad[0] == 't', val(res, row, C_CITY));
	if (due && val(res, row, C_DEADLINE_TZ))
		(void)when_event(d->deadline, sizeof(d->deadline), lang,
		                 val(res, row, C_DEADLINE_TZ), at, at, 0, NULL);
	if (rtz && due)
		(void)when_event(d->recipient, sizeof(d->recipient), lang, rtz,
		                 at, at, 0, NULL);
	else if (rtz && ev)
		(void)when_event(d->recipient, sizeof(d->recipient), lang, rtz,
		                 start, end, 0, NULL);
}

/* "venue, city, Country" with the country named in LANG (country.h),
 * empty parts left out, into BUF. */
static void render_place(const PGresult *res, int row, const char *lang,
                         char *country, size_t clen, char *buf, size_t len)
{
	const char *cc = val(res, row, C_COUNTRY);
	const char *parts[3] = {val(res, row, C_VENUE), val(res, row, C_CITY),
	                        country};
	size_t used = 0;

	if (country_name(cc, lang, country, clen) < 0)
		snprintf(country, clen, "%s", cc ? cc : "");
	buf[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		int n;

		if (!parts[i] || !*parts[i])
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
		             parts[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* The programme items of a reminder (the claim's "programme": those still
 * to come) in LANG, one line per item under a line per day, times in the
 * event's zone (when.h): "sobota, 27 marca 2027" then "11:10–11:30
 * Results of the grant call (A. Kowalska, City of Łódź) · Room 2".  When
 * the recipient's own zone differs (RECIPIENT_TZ), each day names the
 * event's zone.  A malloc'd string, or NULL when there is no programme (or
 * no memory: the mail goes without it). */
static char *render_programme(const PGresult *res, int row, const char *lang)
{
	const char *js = val(res, row, C_PROGRAMME);
	const char *tz = val(res, row, C_EVENT_TZ);
	const int say_zone = val(res, row, C_RECIPIENT_TZ) != NULL;
	json_t *items, *it;
	char *out = NULL, last_day[160] = "";
	size_t outlen = 0, i;
	FILE *f;

	if (!js || !tz || !(items = json_loads(js, 0, NULL)))
		return NULL;
	if (!json_is_array(items) || json_array_size(items) == 0 ||
	    !(f = open_memstream(&out, &outlen))) {
		json_decref(items);
		return NULL;
	}
	json_array_foreach(items, i, it)
	{
		int64_t start =
		        json_integer_value(json_object_get(it, "start_epoch"));
		int64_t end =
		        json_integer_value(json_object_get(it, "end_epoch"));
		const char *title =
		        json_string_value(json_object_get(it, "title"));
		const char *room =
		        json_string_value(json_object_get(it, "room"));
		const char *who =
		        json_string_value(json_object_get(it, "speakers"));
		char day[160], times[160], zone[160];

		when_day(day, sizeof(day), lang, tz, start);
		if (strcmp(day, last_day) != 0) {
			fprintf(f, "%s%s", i ? "\n" : "", day);
			if (say_zone && when_zone(zone, sizeof(zone), lang, tz,
			                          start, NULL) == 0)
				fprintf(f, " (%s)", zone);
			fputc(':', f);
			snprintf(last_day, sizeof(last_day), "%s", day);
		}
		when_times(times, sizeof(times), lang, tz, start, end);
		fprintf(f, "\n%s  %s", times, title ? title : "");
		if (who && *who)
			fprintf(f, " (%s)", who);
		if (room && *room)
			fprintf(f, " · %s", room);
	}
	json_decref(items);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The last dates formatted on this thread, by everything they are made
 * from: a batch of reminders is mostly one event in a few languages, and
 * ICU formatting was an eighth of the daemon's time per message. */
#define DATES_CACHED 8
struct dates_entry {
	char key[512];
	struct mail_dates d;
};
static _Thread_local struct dates_entry dates_cache[DATES_CACHED];
static _Thread_local unsigned dates_next;

static void render_dates(const PGresult *res, int row, const char *lang,
                         struct mail_dates *d)
{
	static const int cols[] = {
	        C_START_EPOCH, C_END_EPOCH,      C_EVENT_TZ,    C_ALL_DAY,
	        C_CITY,        C_DEADLINE_EPOCH, C_DEADLINE_TZ, C_RECIPIENT_TZ};
	char key[512];
	size_t n;
	int k;

	if (!lang)
		lang = "en";
	n = (size_t)snprintf(key, sizeof(key), "%s", lang);
	for (size_t i = 0;
	     i < sizeof(cols) / sizeof(cols[0]) && n < sizeof(key); i++) {
		const char *v = val(res, row, cols[i]);
		k = snprintf(key + n, sizeof(key) - n, "%c%s",
		             v ? '\x1f' : '\x1e', v ? v : "");
		n += k > 0 ? (size_t)k : 0;
	}
	if (n >= sizeof(key)) {
		format_dates(res, row, lang, d);
		return;
	}
	for (int i = 0; i < DATES_CACHED; i++)
		if (strcmp(dates_cache[i].key, key) == 0) {
			*d = dates_cache[i].d;
			return;
		}
	format_dates(res, row, lang, d);
	k = (int)(dates_next++ % DATES_CACHED);
	memcpy(dates_cache[k].key, key, n + 1);
	dates_cache[k].d = *d;
}

static int render_row(const PGresult *res, int row, const struct config *cfg,
                      const struct mail_attachment *att, size_t natt,
                      struct outbox_msg *om, const char **why)
{
	const char *kind = val(res, row, OR_KIND);
	const char *lang = val(res, row, C_LANGUAGE);
	const char *base = cfg->base_url ? cfg->base_url : "";
	const char *off = val(res, row, C_OFFSET);
	const char *method = NULL;
	char event_url[512] = "", token_url[512] = "", feed_url[512] = "";
	char webcal_url[600] = "", offset_text[64] = "", id[32];
	char privacy_url[600];
	char follow_url[512] = "";
	char qr_url[320] = "";
	const char *name;
	/* the token page's buttons, so that a mail names them as they read */
	const struct page_text *pt = page_text_get(lang);
	struct mail_dates dates;
	char place[700], country[128];
	char *programme;
	int rc;

	memset(om, 0, sizeof(*om));
	render_dates(res, row, lang, &dates);
	render_place(res, row, lang ? lang : "en", country, sizeof(country),
	             place, sizeof(place));
	if (!pt)
		pt = page_text_get("en");
	if (val(res, row, C_EVENT_ID))
		snprintf(event_url, sizeof(event_url), "%s/events/%s", base,
		         val(res, row, C_EVENT_ID));
	if (val(res, row, C_REG_TOKEN))
		snprintf(token_url, sizeof(token_url), "%s/r/%s", base,
		         val(res, row, C_REG_TOKEN));
	if (val(res, row, C_FEED_TOKEN)) {
		const char *s = strstr(base, "://");
		snprintf(feed_url, sizeof(feed_url),
		         "%s/calendars/personal/%s.ics", base,
		         val(res, row, C_FEED_TOKEN));
		snprintf(webcal_url, sizeof(webcal_url), "webcal://%s",
		         s ? strstr(feed_url, "://") + 3 : feed_url);
	}
	if (val(res, row, C_FOLLOW_TOKEN)) {
		snprintf(om->unsubscribe, sizeof(om->unsubscribe),
		         "%s/unsubscribe/%s", base,
		         val(res, row, C_FOLLOW_TOKEN));
		snprintf(follow_url, sizeof(follow_url), "%s/follow/%s", base,
		         val(res, row, C_FOLLOW_TOKEN));
	}
	if (off) {
		int days;
		long secs;
		if (config_parse_duration(off, &days, &secs) == 0)
			tmpl_offset_text(lang, days, secs, offset_text,
			                 sizeof(offset_text));
	}
	snprintf(privacy_url, sizeof(privacy_url), "%s/privacy?lang=%s", base,
	         lang ? lang : "en");
	/* the check-in QR code: a cid: URL for the HTML, the image made
	 * below when the HTML shows it */
	if (val(res, row, C_CHECKIN_TOKEN)) {
		char host[256];
		url_host(base, host, sizeof(host));
		snprintf(om->qr_cid, sizeof(om->qr_cid), "checkin.%s@%s",
		         val(res, row, OR_ID), host);
		snprintf(qr_url, sizeof(qr_url), "cid:%s", om->qr_cid);
	}
	name = val(res, row, C_PERSON_NAME);
	if (!name)
		name = val(res, row, C_RECIPIENT_NAME);
	programme = render_programme(res, row, lang ? lang : "en");
	{
		const struct tmpl_var vars[] = {
		        {"person_name", name},
		        {"event_title", val(res, row, C_EVENT_TITLE)},
		        {"event_start_local", val(res, row, C_START_FMT)},
		        {"event_end_local", val(res, row, C_END_FMT)},
		        {"event_tz", val(res, row, C_EVENT_TZ)},
		        {"recipient_local", val(res, row, C_RECIPIENT_LOCAL)},
		        {"venue", val(res, row, C_VENUE)},
		        {"city", val(res, row, C_CITY)},
		        {"country", val(res, row, C_COUNTRY)},
		        {"country_name", country},
		        {"place", place},
		        {"event_url", event_url},
		        {"token_url", token_url},
		        {"feed_url", feed_url},
		        {"webcal_url", webcal_url},
		        {"project_title", val(res, row, C_PROJECT_TITLE)},
		        {"about_title", val(res, row, C_ABOUT_TITLE)},
		        {"deadline_title", val(res, row, C_DEADLINE_TITLE)},
		        {"deadline_due_local", val(res, row, C_DEADLINE_FMT)},
		        {"deadline_tz", val(res, row, C_DEADLINE_TZ)},
		        {"deadline_url", val(res, row, C_DEADLINE_URL)},
		        {"unsubscribe_url", om->unsubscribe},
		        {"follow_url", follow_url},
		        {"waitlist_position", val(res, row, C_WAITLIST_POS)},
		        {"offset_text", offset_text},
		        {"privacy_url", privacy_url},
		        {"sender_address", val(res, row, C_IN_FROM)},
		        {"sender_name", val(res, row, C_IN_FROM_NAME)},
		        {"inbound_subject", val(res, row, C_IN_SUBJECT)},
		        {"inbound_text", val(res, row, C_IN_TEXT)},
		        {"inbound_id", val(res, row, C_IN_ID)},
		        {"inbound_rcpt", val(res, row, C_IN_RCPT)},
		        {"participant_name", val(res, row, C_REG_PERSON_NAME)},
		        {"participant_email",
		         val(res, row, C_REG_PERSON_EMAIL)},
		        {"registration_state", val(res, row, C_REG_STATE)},
		        {"button_confirm", pt ? pt->btn_confirm : NULL},
		        {"button_cancel", pt ? pt->btn_cancel : NULL},
		        {"event_when", dates.event},
		        {"deadline_when", dates.deadline},
		        {"recipient_when", dates.recipient},
		        {"checkin_qr", qr_url},
		        {"checkin_code", val(res, row, C_CHECKIN_TOKEN)},
		        {"invitation",
		         itip_attached(res, row, cfg, kind) ? "yes" : NULL},
		        {"programme", programme},
		};
		rc = tmpl_render(lang, kind, vars,
		                 sizeof(vars) / sizeof(vars[0]), &om->t);
		free(programme);
		if (rc < 0) {
			*why = tmpl_kind_known(kind)
			               ? "cannot render template"
			               : "no template for this kind";
			return -1;
		}
	}
	snprintf(id, sizeof(id), "%s", val(res, row, OR_ID));
	om->m.id = strtoll(id, NULL, 10);
	if (outbox_message_id(om->m.id, val(res, row, C_DEDUPE), base,
	                      om->message_id, sizeof(om->message_id)) < 0) {
		*why = "base_url too long for a Message-ID";
		outbox_msg_free(om);
		return -1;
	}
	if (qr_url[0] && om->t.html && strstr(om->t.html, qr_url)) {
		om->qr_png = qr_png(val(res, row, C_CHECKIN_TOKEN), 6,
		                    &om->qr_png_len);
		if (!om->qr_png) {
			*why = "cannot draw the check-in QR code";
			outbox_msg_free(om);
			return -1;
		}
	}
	om->ical = render_itip(res, row, cfg, kind, event_url, &method);
	om->m.size = sizeof(om->m);
	om->m.kind = kind;
	om->m.channel = val(res, row, OR_CHANNEL);
	om->m.recipient = val(res, row, C_RECIPIENT);
	om->m.recipient_name = val(res, row, C_RECIPIENT_NAME);
	om->m.language = lang;
	om->m.message_id = om->message_id;
	om->m.subject = om->t.subject;
	om->m.text = om->t.text;
	om->m.html = om->t.html;
	om->m.ical = om->ical;
	om->m.ical_method = om->ical ? method : NULL;
	om->m.unsubscribe_url = om->unsubscribe[0] ? om->unsubscribe : NULL;
	om->m.created_at = strtoll(val(res, row, C_CREATED), NULL, 10);
	if (build_raw(res, row, cfg, att, natt, om) < 0) {
		*why = om->why;
		outbox_msg_free(om);
		return -1;
	}
	return 0;
}

void outbox_msg_free(struct outbox_msg *om)
{
	tmpl_msg_free(&om->t);
	free(om->ical);
	om->ical = NULL;
	free(om->raw);
	om->raw = NULL;
	free(om->qr_png);
	om->qr_png = NULL;
}

int outbox_render(const PGresult *res, int row, const struct config *cfg,
                  struct outbox_msg *om, const char **why)
{
	return outbox_render_with(res, row, cfg, NULL, 0, om, why);
}

int outbox_render_with(const PGresult *res, int row, const struct config *cfg,
                       const struct mail_attachment *att, size_t natt,
                       struct outbox_msg *om, const char **why)
{
	memset(om, 0, sizeof(*om));
	if (db_row_columns(res, col_names, C_NCOLS, cols, om->why,
	                   sizeof(om->why)) < 0) {
		*why = om->why;
		return -1;
	}
	return render_row(res, row, cfg, att, natt, om, why);
}
