/* feeds.h - iCalendar feeds over HTTP (/calendars/...), cached in memory
 * with strong ETags and gzip, invalidated by NOTIFY convened_changed. */
#ifndef CONVENED_FEEDS_H
#define CONVENED_FEEDS_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct http_req;

/* Register the feed routes, LISTEN on convened_changed and offer the
 * renderer to plugins (host->calendar).  Needs app's cfg and db, and
 * cal_init() done.  Returns 0 or -1. */
int feeds_init(struct app *app);

/* Render FEED ("public", "projects/<slug>", "personal/<token>") from the
 * cache or the database; cb gets the bytes (valid during the call), or NULL
 * and 0 when the feed does not exist or the database failed.  cb always
 * runs later on the loop.  Returns 0, or -1 on a malformed name (no cb). */
int feeds_calendar(const char *feed,
                   void (*cb)(void *arg, const char *ics, size_t len),
                   void *arg);

/* Answer R with the feed NAME (as in feeds_calendar, or "events/<id>":
 * one event), with the feeds' ETag, conditional GET and gzip; 404 when it
 * does not exist. */
void feeds_reply(struct http_req *r, const char *name);

/* Person PERSON's personal feed changed in a transaction that did not
 * NOTIFY (cv_confirm_local): drop it from this daemon's cache now and
 * NOTIFY the others (cv_feed_person_changed; fire and forget). */
void feeds_person_changed(struct app *app, int64_t person);

/* Drop every cached feed (e.g. after the LISTEN connection reconnects). */
void feeds_invalidate_all(void);

/* Free the cache; call after db_close (queries in flight have ended). */
void feeds_shutdown(void);

#endif
