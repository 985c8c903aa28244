/* cal.h - iCalendar rendering (feeds and iTIP invitations) with libical. */
#ifndef CONVENED_CAL_H
#define CONVENED_CAL_H

#include <stddef.h>
#include <stdint.h>

#define CAL_DEFAULT_PRODID  "-//convened//convened " CONVENED_VERSION "//EN"
#define CAL_DEFAULT_REFRESH "PT1H"

enum cal_status { CAL_DRAFT = 0, CAL_PUBLISHED, CAL_CANCELLED };

/*
 * One event, as the database holds it.  Strings are UTF-8, borrowed (the
 * caller keeps them alive during the call); NULL is treated as "".
 * Local times are wall-clock times in tz: "YYYY-MM-DDTHH:MM[:SS]" (a space
 * instead of the T is accepted, as PostgreSQL prints them).  For an all-day
 * event they are dates ("YYYY-MM-DD", a time part is ignored): the first
 * day and the day after the last (end exclusive).  The UTC instants are the
 * same moments as unix seconds; they are used when the zone is unknown.
 */
struct cal_event {
	int64_t id;
	const char *uid;
	int sequence;
	const char *kind; /* meeting, seminar, ... : CATEGORIES */
	const char *title;
	const char *description;
	const char *venue;
	const char *city;
	const char *country;
	const char *tz; /* IANA zone, e.g. "Europe/Rome" */
	int all_day;
	const char *start_local;
	const char *end_local;
	int64_t start_utc;
	int64_t end_utc;
	enum cal_status status;
	const char *url; /* registration link, or NULL */
	int64_t created;
	int64_t last_modified; /* also the feeds' DTSTAMP: never "now" */
};

/* A deadline: a point in time with reminders (alarms). */
struct cal_deadline {
	int64_t id;
	const char *uid;
	int sequence;
	const char *kind; /* grant_submission, report, ... : CATEGORIES */
	const char *title;
	const char *description;
	const char *url;
	const char *tz;
	const char *due_local;
	int64_t due_utc;
	const char *const *alarms; /* ISO 8601 durations before due, "P7D" */
	size_t nalarms;
	enum cal_status status;
	int64_t created;
	int64_t last_modified;
};

struct cal_feed_opts {
	const char *prodid; /* NULL: CAL_DEFAULT_PRODID */
	const char *name;   /* NAME and X-WR-CALNAME; NULL: omitted */
	const char
	        *refresh; /* REFRESH-INTERVAL and X-PUBLISHED-TTL; NULL: PT1H */
};

/* An iTIP message (RFC 5546) about one event to one person. */
struct cal_itip {
	const char *method; /* "REQUEST" or "CANCEL" */
	const char *prodid; /* NULL: CAL_DEFAULT_PRODID */
	const char *organizer_email;
	const char *organizer_name; /* NULL: no CN */
	const char *attendee_email;
	const char *attendee_name; /* NULL: no CN */
	int64_t dtstamp; /* DTSTAMP: when the message was made (unix seconds);
	                    0: the event's last_modified */
	int rsvp; /* 1: RSVP=TRUE (answers are read: [mail] reply_address);
	             0: RSVP=FALSE */
};

/* Configure libical to read the system zoneinfo and load the common
 * European zones.  Call once at start-up, before threads.  -1 if the
 * zoneinfo cannot be read. */
int cal_init(void);

/* Free libical's zone data (for a clean leak check at exit). */
void cal_shutdown(void);

/* 1 when TZ is a zone libical can render (loads it under a lock), else 0. */
int cal_zone_known(const char *tz);

/* NULL when TZ names a place (Area/Location[/Sub] of the tz database, e.g.
 * Europe/Rome, America/Argentina/Buenos_Aires) or is "UTC"; otherwise a
 * short static reason suggesting the likely place ("CET is an abbreviation
 * ...: use a city zone such as Europe/Warsaw, Europe/Rome").  Abbreviations
 * (CET, EET, WET, MET, EST5EDT), fixed offsets (Etc/GMT+1) and old country
 * links (Poland, US/Eastern) are refused: they are not places, and some
 * follow summer time while their names say they do not.  Whether the zone
 * exists is not checked here.  A json_in_check_fn. */
const char *cal_zone_refusal(const char *tz);

/* Convert LOCAL wall-clock time in TZ to unix seconds in *out.  A time in a
 * DST gap or overlap resolves as libical does.  -1 on a bad zone or time. */
int cal_local_to_utc(const char *tz, const char *local, int64_t *out);

/* "draft"/"published"/"cancelled" to the enum; unknown: CAL_DRAFT. */
enum cal_status cal_status_from_string(const char *s);

/* Render a VCALENDAR (METHOD:PUBLISH) with the events and deadlines in the
 * order given.  Output depends only on the input.  Returns a malloc'd
 * NUL-terminated string the caller frees (length in *len when len is not
 * NULL), or NULL on a missing UID or out of memory. */
char *cal_render_feed(const struct cal_feed_opts *o, const struct cal_event *ev,
                      size_t nev, const struct cal_deadline *dl, size_t ndl,
                      size_t *len);

/* Render an iTIP REQUEST or CANCEL for EV with the organizer and one
 * attendee; UID and SEQUENCE are EV's (the caller passes the sequence this
 * person is to see), DTSTAMP is it->dtstamp.  A CANCEL carries
 * STATUS:CANCELLED only when EV itself is cancelled; a CANCEL of a running
 * event removes this attendee alone and has no STATUS (RFC 5546 3.2.5).
 * Returns a malloc'd string (length in *len), or NULL on a bad method,
 * missing address or UID. */
char *cal_render_itip(const struct cal_itip *it, const struct cal_event *ev,
                      size_t *len);

#endif
