/* test_cal.c - cal.c's iCalendar output: determinism, VTIMEZONEs, all-day
 * dates, DST days, the repeated hour, deadlines with alarms, iTIP, zone
 * names; with --render, renders a JSON description from stdin to stdout,
 * and with --parse, reads iCalendar files back with libical (as Evolution
 * does), both for the cross-parser tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"

/* UTC instants computed independently (Python's zoneinfo). */
#define ROME_0301_0900   1803888000 /* 2027-03-01 09:00 Europe/Rome */
#define ROME_0301_1730   1803918600
#define ROME_0328_0130   1806193800 /* EU DST starts 2027-03-28 01:00 UTC */
#define ROME_0328_0330   1806197400
#define STHLM_0610_0900  1812610800
#define ROME_261025_0230 1792888200 /* the first 02:30: 00:30Z */
#define ROME_261025_0330 1792895400
#define ROME_261025_1000 1792918800
#define ROME_300701_0900 1909119600

static const struct cal_event base_event = {
        .id = 1,
        .uid = "event-1@convened.test",
        .sequence = 0,
        .kind = "meeting",
        .title = "Kick-off, Rome; partners",
        .description = "Agenda follows.",
        .venue = "Palazzo Valentini",
        .city = "Roma",
        .country = "IT",
        .tz = "Europe/Rome",
        .start_local = "2027-03-01T09:00:00",
        .end_local = "2027-03-01T17:30:00",
        .start_utc = ROME_0301_0900,
        .end_utc = ROME_0301_1730,
        .status = CAL_PUBLISHED,
        .url = "https://events.example.org/events/1/register",
        .created = 1790000000,
        .last_modified = 1790000100,
};

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static char *feed(const struct cal_event *ev, size_t nev,
                  const struct cal_deadline *dl, size_t ndl)
{
	struct cal_feed_opts o = {.name = "Test feed"};
	size_t len = 0;
	char *s = cal_render_feed(&o, ev, nev, dl, ndl, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	return s;
}

static void test_feed_is_deterministic(void **st)
{
	struct cal_event ev[2] = {base_event, base_event};
	char *a, *b;

	ev[1].uid = "event-2@convened.test";
	ev[1].tz = "Europe/Stockholm";
	ev[1].start_local = "2027-06-10 09:00:00";
	ev[1].end_local = "2027-06-10 12:00";
	ev[1].start_utc = STHLM_0610_0900;
	ev[1].end_utc = STHLM_0610_0900 + 3 * 3600;
	a = feed(ev, 2, NULL, 0);
	b = feed(ev, 2, NULL, 0);
	assert_string_equal(a, b);
	/* DTSTAMP and LAST-MODIFIED are the data's, never "now" */
	assert_non_null(strstr(a, "DTSTAMP:20260921T141500Z"));
	assert_non_null(strstr(a, "LAST-MODIFIED:20260921T141500Z"));
	assert_non_null(strstr(a, "CREATED:20260921T141320Z"));
	free(a);
	free(b);
}

static void test_feed_header(void **st)
{
	char *s = feed(&base_event, 1, NULL, 0);

	assert_non_null(strstr(s, "BEGIN:VCALENDAR\r\n"));
	assert_non_null(strstr(s, "\r\nPRODID:" CAL_DEFAULT_PRODID "\r\n"));
	assert_non_null(strstr(s, "\r\nVERSION:2.0\r\n"));
	assert_non_null(strstr(s, "\r\nCALSCALE:GREGORIAN\r\n"));
	assert_non_null(strstr(s, "\r\nMETHOD:PUBLISH\r\n"));
	assert_non_null(strstr(s, "\r\nNAME:Test feed\r\n"));
	assert_non_null(strstr(s, "\r\nX-WR-CALNAME:Test feed\r\n"));
	assert_non_null(
	        strstr(s, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));
	assert_non_null(strstr(s, "\r\nX-PUBLISHED-TTL:PT1H\r\n"));
	free(s);

	struct cal_feed_opts o = {.refresh = "PT15M", .prodid = "-//x//y//EN"};
	s = cal_render_feed(&o, &base_event, 1, NULL, 0, NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n"));
	assert_non_null(strstr(s, "X-PUBLISHED-TTL:PT15M\r\n"));
	assert_non_null(strstr(s, "PRODID:-//x//y//EN\r\n"));
	assert_null(strstr(s, "\r\nNAME:"));
	assert_null(strstr(s, "X-WR-CALNAME"));
	free(s);
}

static void test_event_properties(void **st)
{
	char *s = feed(&base_event, 1, NULL, 0);

	assert_non_null(strstr(s, "UID:event-1@convened.test\r\n"));
	assert_non_null(strstr(s, "SEQUENCE:0\r\n"));
	assert_non_null(
	        strstr(s, "DTSTART;TZID=Europe/Rome:20270301T090000\r\n"));
	assert_non_null(
	        strstr(s, "DTEND;TZID=Europe/Rome:20270301T173000\r\n"));
	/* TEXT escaping is libical's */
	assert_non_null(strstr(s, "SUMMARY:Kick-off\\, Rome\\; partners\r\n"));
	assert_non_null(
	        strstr(s, "LOCATION:Palazzo Valentini\\, Roma\\, IT\r\n"));
	assert_non_null(
	        strstr(s, "DESCRIPTION:Agenda follows.\\n\\nRegistration: "));
	assert_non_null(strstr(
	        s, "URL:https://events.example.org/events/1/register\r\n"));
	assert_non_null(strstr(s, "STATUS:CONFIRMED\r\n"));
	assert_non_null(strstr(s, "CATEGORIES:meeting\r\n"));
	free(s);

	struct cal_event e = base_event;
	e.status = CAL_CANCELLED;
	e.venue = "";
	e.country = NULL;
	s = feed(&e, 1, NULL, 0);
	assert_non_null(strstr(s, "STATUS:CANCELLED\r\n"));
	assert_non_null(strstr(s, "LOCATION:Roma\r\n"));
	free(s);
	e.status = CAL_DRAFT;
	s = feed(&e, 1, NULL, 0);
	assert_non_null(strstr(s, "STATUS:TENTATIVE\r\n"));
	free(s);
}

static void test_one_vtimezone_per_tzid_short(void **st)
{
	struct cal_event ev[3] = {base_event, base_event, base_event};
	char *s;

	ev[1].uid = "e2";
	ev[1].start_local = "2028-05-02T10:00";
	ev[1].end_local = "2028-05-02T11:00";
	ev[1].start_utc = ROME_0301_0900 + 400 * 86400;
	ev[1].end_utc = ev[1].start_utc + 3600;
	ev[2].uid = "e3";
	ev[2].tz = "Europe/Stockholm";
	ev[2].start_local = "2027-06-10T09:00";
	ev[2].end_local = "2027-06-10T10:00";
	ev[2].start_utc = STHLM_0610_0900;
	ev[2].end_utc = STHLM_0610_0900 + 3600;
	s = feed(ev, 3, NULL, 0);
	assert_int_equal(count(s, "BEGIN:VTIMEZONE\r\n"), 2);
	assert_int_equal(count(s, "\r\nTZID:Europe/Rome\r\n"), 1);
	assert_int_equal(count(s, "\r\nTZID:Europe/Stockholm\r\n"), 1);
	assert_null(strstr(s, "TZID:/"));
	assert_null(strstr(s, "TZID=/"));
	assert_null(strstr(s, "freeassociation"));
	/* sorted by TZID, before the events */
	assert_true(strstr(s, "TZID:Europe/Rome") <
	            strstr(s, "TZID:Europe/Stockholm"));
	assert_true(strstr(s, "END:VTIMEZONE") < strstr(s, "BEGIN:VEVENT"));
	/* truncated (RFC 7809): nothing of the 19th century */
	assert_null(strstr(s, "DTSTART:18"));
	assert_true(count(s, "\r\n") < 120);
	free(s);
}

static void test_all_day_is_date(void **st)
{
	struct cal_event e = base_event;
	char *s;

	e.kind = "study_visit";
	e.all_day = 1;
	e.start_local = "2027-06-01";
	e.end_local = "2027-06-05 00:00:00"; /* exclusive: 1-4 June */
	s = feed(&e, 1, NULL, 0);
	assert_non_null(strstr(s, "DTSTART;VALUE=DATE:20270601\r\n"));
	assert_non_null(strstr(s, "DTEND;VALUE=DATE:20270605\r\n"));
	assert_null(strstr(s, "BEGIN:VTIMEZONE"));
	free(s);
}

/* Parse S with libical and return DTSTART/DTEND of the first VEVENT as
 * unix seconds, resolving TZID through the calendar's own VTIMEZONE. */
static void reparse(const char *s, int64_t *start, int64_t *end)
{
	icalcomponent *cal = icalparser_parse_string(s);
	assert_non_null(cal);
	icalcomponent *ev =
	        icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_non_null(ev);
	icalproperty_kind kinds[2] = {ICAL_DTSTART_PROPERTY,
	                              ICAL_DTEND_PROPERTY};
	int64_t *out[2] = {start, end};
	for (int i = 0; i < 2; i++) {
		icalproperty *p =
		        icalcomponent_get_first_property(ev, kinds[i]);
		assert_non_null(p);
		icalparameter *tzp = icalproperty_get_first_parameter(
		        p, ICAL_TZID_PARAMETER);
		assert_non_null(tzp);
		icaltimezone *z = icalcomponent_get_timezone(
		        cal, icalparameter_get_tzid(tzp));
		assert_non_null(z);
		struct icaltimetype t =
		        icalvalue_get_datetime(icalproperty_get_value(p));
		*out[i] = (int64_t)icaltime_as_timet_with_zone(t, z);
	}
	icalcomponent_free(cal);
}

static void test_dst_day_instants(void **st)
{
	struct cal_event e = base_event;
	int64_t a, b;
	char *s;

	/* 01:30 CET to 03:30 CEST: one hour of real time */
	e.start_local = "2027-03-28T01:30:00";
	e.end_local = "2027-03-28T03:30:00";
	e.start_utc = ROME_0328_0130;
	e.end_utc = ROME_0328_0330;
	s = feed(&e, 1, NULL, 0);
	reparse(s, &a, &b);
	assert_int_equal(a, ROME_0328_0130);
	assert_int_equal(b, ROME_0328_0330);
	assert_int_equal(b - a, 3600);
	free(s);

	assert_int_equal(
	        cal_local_to_utc("Europe/Rome", "2027-03-28T01:30", &a), 0);
	assert_int_equal(a, ROME_0328_0130);
	assert_int_equal(
	        cal_local_to_utc("Europe/Stockholm", "2027-06-10 09:00:00", &a),
	        0);
	assert_int_equal(a, STHLM_0610_0900);
	assert_int_equal(
	        cal_local_to_utc("Mars/Olympus", "2027-01-01T00:00", &a), -1);
	assert_int_equal(
	        cal_local_to_utc("Europe/Rome", "2027-02-30T00:00", &a), -1);
}

static void test_unknown_zone_falls_back_to_utc(void **st)
{
	struct cal_event e = base_event;
	char *s;

	e.tz = "Mars/Olympus";
	assert_false(cal_zone_known(e.tz));
	assert_true(cal_zone_known("Europe/Warsaw"));
	assert_true(cal_zone_known("UTC"));
	s = feed(&e, 1, NULL, 0);
	assert_non_null(strstr(s, "DTSTART:20270301T080000Z\r\n"));
	assert_non_null(strstr(s, "DTEND:20270301T163000Z\r\n"));
	assert_null(strstr(s, "VTIMEZONE"));
	free(s);
}

/* A time in the hour repeated when summer time ends is the first one
 * (00:30Z for 02:30 in Rome on 2026-10-25); as TZID=Europe/Rome:...T023000
 * libical, ical.js and python-icalendar read the second, so the whole
 * component is written in UTC; other components keep their zone. */
static void test_repeated_hour_is_written_in_utc(void **st)
{
	struct cal_event ev[2] = {base_event, base_event};
	struct cal_deadline d = {
	        .uid = "due-fold@convened.test",
	        .tz = "Europe/Rome",
	        .due_local = "2026-10-25T02:30:00",
	        .due_utc = ROME_261025_0230,
	        .status = CAL_PUBLISHED,
	};
	char *s;

	ev[0].start_local = "2026-10-25T02:30:00";
	ev[0].end_local = "2026-10-25T03:30:00";
	ev[0].start_utc = ROME_261025_0230;
	ev[0].end_utc = ROME_261025_0330;
	s = feed(ev, 1, &d, 1);
	assert_non_null(strstr(s, "DTSTART:20261025T003000Z\r\n"));
	assert_non_null(strstr(s, "DTEND:20261025T023000Z\r\n"));
	assert_int_equal(count(s, "DTSTART:20261025T003000Z\r\n"), 2);
	assert_null(strstr(s, "TZID"));
	free(s);

	/* the same day after the fold stays in local time */
	ev[1].uid = "event-2@convened.test";
	ev[1].start_local = "2026-10-25T10:00:00";
	ev[1].end_local = "2026-10-25T11:00:00";
	ev[1].start_utc = ROME_261025_1000;
	ev[1].end_utc = ROME_261025_1000 + 3600;
	s = feed(ev, 2, NULL, 0);
	assert_non_null(
	        strstr(s, "DTSTART;TZID=Europe/Rome:20261025T100000\r\n"));
	assert_non_null(strstr(s, "DTSTART:20261025T003000Z\r\n"));
	assert_int_equal(count(s, "BEGIN:VTIMEZONE"), 1);
	free(s);

	/* an end in the repeated hour is enough; so is an itip */
	ev[0].start_local = "2026-10-25T01:00:00";
	ev[0].start_utc = ROME_261025_0230 - 5400;
	ev[0].end_local = "2026-10-25T02:30:00";
	ev[0].end_utc = ROME_261025_0230;
	struct cal_itip it = {.method = "REQUEST",
	                      .organizer_email = "o@example.org",
	                      .attendee_email = "a@example.org"};
	s = cal_render_itip(&it, &ev[0], NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "DTSTART:20261024T230000Z\r\n"));
	assert_non_null(strstr(s, "DTEND:20261025T003000Z\r\n"));
	assert_null(strstr(s, "VTIMEZONE"));
	free(s);
}

/* The rules in force are open-ended: no UNTIL at the block's end, which
 * dateutil (vobject, Radicale) reads as local time, dropping the year's
 * last change; and no stale TZUNTIL. */
static void test_vtimezone_rules_in_force_are_open_ended(void **st)
{
	static const char *const zones[] = {
	        "Europe/Rome",   "Europe/Stockholm", "Europe/Warsaw",
	        "Europe/Madrid", "Europe/Helsinki",  "Europe/Dublin",
	        "Europe/Lisbon", "Europe/London",
	};
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		struct cal_event e = base_event;
		char *s;

		e.tz = zones[i];
		e.start_local = "2030-07-01T09:00:00";
		e.end_local = "2030-07-01T10:00:00";
		assert_int_equal(
		        cal_local_to_utc(e.tz, e.start_local, &e.start_utc), 0);
		e.end_utc = e.start_utc + 3600;
		s = feed(&e, 1, NULL, 0);
		assert_int_equal(count(s, "BEGIN:VTIMEZONE"), 1);
		assert_null(strstr(s, "UNTIL="));
		assert_null(strstr(s, "TZUNTIL"));
		assert_int_equal(count(s, "RRULE:FREQ=YEARLY"), 2);
		assert_true(count(s, "\r\n") < 50);
		free(s);
	}
}

static void test_zone_names_must_be_places(void **st)
{
	static const char *const ok[] = {
	        "Europe/Rome",
	        "Europe/Warsaw",
	        "America/Argentina/Buenos_Aires",
	        "UTC",
	        "Atlantic/Canary",
	        "Europe/Kyiv",
	        "Europe/Atlantis", /* shape only: existence is the database's */
	};
	static const char *const refused[] = {
	        "CET",          "EET",     "WET",        "MET",
	        "EST5EDT",      "GMT",     "Etc/UTC",    "Etc/GMT+1",
	        "Etc/GMT-2",    "Poland",  "US/Eastern", "posix/Europe/Rome",
	        "+02:00",       "Europe/", "UTC+1",      "",
	        "Mars/Olympus",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		assert_null(cal_zone_refusal(ok[i]));
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		assert_non_null(cal_zone_refusal(refused[i]));
	assert_string_equal(cal_zone_refusal("CET"),
	                    "CET is an abbreviation, not a place: use a city "
	                    "zone such as Europe/Warsaw, Europe/Rome");
	assert_non_null(strstr(cal_zone_refusal("EET"), "Europe/Helsinki"));
	assert_non_null(strstr(cal_zone_refusal("WET"), "Europe/Lisbon"));
	assert_non_null(strstr(cal_zone_refusal("MET"), "Europe/Rome"));
	assert_non_null(
	        strstr(cal_zone_refusal("EST5EDT"), "America/New_York"));
	assert_non_null(strstr(cal_zone_refusal("Etc/UTC"), "write UTC"));
	assert_non_null(strstr(cal_zone_refusal("Etc/GMT+1"), "behind UTC"));
}

static void test_deadline_with_alarms(void **st)
{
	static const char *const alarms[] = {"P7D", "P1D", "PT2H", "junk"};
	struct cal_deadline d = {
	        .id = 9,
	        .uid = "deadline-9@convened.test",
	        .sequence = 2,
	        .kind = "grant_submission",
	        .title = "Submit the proposal",
	        .url = "https://ec.example.eu/call",
	        .tz = "Europe/Helsinki",
	        .due_local = "2027-03-28T02:00:00",
	        .due_utc = 1806192000,
	        .alarms = alarms,
	        .nalarms = 4,
	        .status = CAL_PUBLISHED,
	        .created = 1790000000,
	        .last_modified = 1790000200,
	};
	char *s = feed(NULL, 0, &d, 1);

	assert_non_null(strstr(s, "UID:deadline-9@convened.test\r\n"));
	assert_non_null(strstr(s, "SEQUENCE:2\r\n"));
	assert_non_null(
	        strstr(s, "DTSTART;TZID=Europe/Helsinki:20270328T020000\r\n"));
	/* a point in time: no DTEND (it would have to be later) */
	assert_null(strstr(s, "DTEND"));
	assert_null(strstr(s, "\r\nDURATION"));
	assert_non_null(strstr(s, "CATEGORIES:grant_submission\r\n"));
	assert_non_null(strstr(s, "TRANSP:TRANSPARENT\r\n"));
	assert_int_equal(count(s, "BEGIN:VALARM"), 3); /* "junk" skipped */
	assert_int_equal(count(s, "ACTION:DISPLAY"), 3);
	assert_non_null(strstr(s, "TRIGGER:-P7D\r\n"));
	assert_non_null(strstr(s, "TRIGGER:-P1D\r\n"));
	assert_non_null(strstr(s, "TRIGGER:-PT2H\r\n"));
	assert_int_equal(count(s, "TZID:Europe/Helsinki\r\n"), 1);
	free(s);
}

static void test_missing_uid_fails(void **st)
{
	struct cal_event e = base_event;

	e.uid = NULL;
	assert_null(cal_render_feed(NULL, &e, 1, NULL, 0, NULL));
}

static void test_one_change_changes_only_its_lines(void **st)
{
	struct cal_event ev[2] = {base_event, base_event};
	char *a, *b, *pa, *pb, *ea, *eb;

	ev[1].uid = "event-2@convened.test";
	a = feed(ev, 2, NULL, 0);
	ev[1].sequence = 1;
	ev[1].last_modified += 60;
	ev[1].start_local = "2027-03-01T10:00:00";
	ev[1].start_utc += 3600;
	b = feed(ev, 2, NULL, 0);
	/* everything up to the second VEVENT is the same */
	pa = strstr(strstr(a, "BEGIN:VEVENT") + 1, "BEGIN:VEVENT");
	pb = strstr(strstr(b, "BEGIN:VEVENT") + 1, "BEGIN:VEVENT");
	assert_int_equal(pa - a, pb - b);
	assert_memory_equal(a, b, (size_t)(pa - a));
	ea = strstr(pa, "END:VEVENT");
	eb = strstr(pb, "END:VEVENT");
	assert_non_null(strstr(pb, "SEQUENCE:1\r\n"));
	assert_true(strstr(pb, "LAST-MODIFIED:20260921T141600Z") < eb);
	assert_true(strstr(pb, "DTSTART;TZID=Europe/Rome:20270301T100000") <
	            eb);
	assert_string_equal(ea, eb);
	free(a);
	free(b);
}

static void test_itip_request_and_cancel(void **st)
{
	struct cal_itip it = {
	        .method = "REQUEST",
	        .organizer_email = "secretariat@example.org",
	        .organizer_name = "Project Secretariat",
	        .attendee_email = "anna@example.se",
	        .attendee_name = "Anna Svensson",
	};
	struct cal_event e = base_event;
	size_t len;
	char *s;

	e.sequence = 3;
	s = cal_render_itip(&it, &e, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	assert_non_null(strstr(s, "METHOD:REQUEST\r\n"));
	assert_null(strstr(s, "METHOD:PUBLISH"));
	assert_non_null(strstr(s, "UID:event-1@convened.test\r\n"));
	assert_non_null(strstr(s, "SEQUENCE:3\r\n"));
	assert_non_null(strstr(s, "ORGANIZER;CN=Project Secretariat:mailto:"
	                          "secretariat@example.org\r\n"));
	assert_non_null(strstr(s, "ATTENDEE;CN=Anna Svensson;"));
	assert_non_null(strstr(s, "PARTSTAT=ACCEPTED"));
	assert_non_null(strstr(s, "RSVP=FALSE"));
	assert_non_null(strstr(s, "ROLE=REQ-PARTICIPANT"));
	assert_non_null(strstr(s, "STATUS:CONFIRMED\r\n"));
	assert_int_equal(count(s, "BEGIN:VTIMEZONE"), 1);
	/* no dtstamp given: the event's last change */
	assert_non_null(strstr(s, "DTSTAMP:20260921T141500Z\r\n"));
	free(s);

	/* DTSTAMP is the message's own time; LAST-MODIFIED stays the event's */
	it.dtstamp = 1800000000;
	s = cal_render_itip(&it, &e, NULL);
	assert_non_null(s);
	assert_int_equal(count(s, "DTSTAMP:"), 1);
	assert_non_null(strstr(s, "DTSTAMP:20270115T080000Z\r\n"));
	assert_non_null(strstr(s, "LAST-MODIFIED:20260921T141500Z\r\n"));
	free(s);

	/* one attendee withdrawn from a running event: no STATUS at all */
	it.method = "CANCEL";
	s = cal_render_itip(&it, &e, NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "METHOD:CANCEL\r\n"));
	assert_non_null(strstr(s, "UID:event-1@convened.test\r\n"));
	assert_non_null(strstr(s, "SEQUENCE:3\r\n"));
	assert_non_null(strstr(s, "ATTENDEE;CN=Anna Svensson;"));
	assert_null(strstr(s, "STATUS:"));
	free(s);

	/* the whole event cancelled: STATUS:CANCELLED */
	e.status = CAL_CANCELLED;
	s = cal_render_itip(&it, &e, NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "METHOD:CANCEL\r\n"));
	assert_non_null(strstr(s, "STATUS:CANCELLED\r\n"));
	free(s);
	e.status = CAL_PUBLISHED;

	it.method = "PUBLISH";
	assert_null(cal_render_itip(&it, &e, NULL));
	it.method = "REQUEST";
	it.attendee_email = NULL;
	assert_null(cal_render_itip(&it, &e, NULL));
}

static void test_utf8_long_lines_fold(void **st)
{
	struct cal_event e = base_event;
	char *s;
	icalcomponent *cal;

	e.title = "Spotkanie partnerów w Łodzi — żółć, gęślą jaźń; "
	          "Tapaaminen Jyväskylässä ja Göteborgs möte, år 2027";
	s = feed(&e, 1, NULL, 0);
	/* folded lines are at most 75 octets */
	for (char *p = s, *nl; (nl = strstr(p, "\r\n")); p = nl + 2)
		assert_true(nl - p <= 75);
	cal = icalparser_parse_string(s);
	assert_non_null(cal);
	icalcomponent *ev =
	        icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_string_equal(icalcomponent_get_summary(ev), e.title);
	icalcomponent_free(cal);
	free(s);
}

/* ---- --render: JSON in, iCalendar out ---- */

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void event_from_json(json_t *o, struct cal_event *e)
{
	memset(e, 0, sizeof *e);
	e->id = jint(o, "id");
	e->uid = jstr(o, "uid");
	e->sequence = (int)jint(o, "sequence");
	e->kind = jstr(o, "kind");
	e->title = jstr(o, "title");
	e->description = jstr(o, "description");
	e->venue = jstr(o, "venue");
	e->city = jstr(o, "city");
	e->country = jstr(o, "country");
	e->tz = jstr(o, "tz");
	e->all_day = json_is_true(json_object_get(o, "all_day"));
	e->start_local = jstr(o, "start_local");
	e->end_local = jstr(o, "end_local");
	e->start_utc = jint(o, "start_utc");
	e->end_utc = jint(o, "end_utc");
	e->status = cal_status_from_string(jstr(o, "status"));
	e->url = jstr(o, "url");
	e->created = jint(o, "created");
	e->last_modified = jint(o, "last_modified");
}

static int render_main(void)
{
	json_error_t jerr;
	json_t *in = json_loadf(stdin, 0, &jerr), *a, *v;
	struct cal_event *ev;
	struct cal_deadline *dl;
	const char **alarms;
	size_t nev, ndl, i, j, na = 0, len;
	char *out;

	if (!in) {
		fprintf(stderr, "bad JSON: %s\n", jerr.text);
		return 2;
	}
	a = json_object_get(in, "events");
	nev = json_array_size(a);
	ev = calloc(nev + 1, sizeof *ev);
	json_array_foreach(a, i, v) event_from_json(v, &ev[i]);
	a = json_object_get(in, "deadlines");
	ndl = json_array_size(a);
	dl = calloc(ndl + 1, sizeof *dl);
	json_array_foreach(a, i, v)
	{
		na += json_array_size(json_object_get(v, "alarms"));
	}
	alarms = calloc(na + 1, sizeof *alarms);
	na = 0;
	json_array_foreach(a, i, v)
	{
		json_t *al = json_object_get(v, "alarms"), *x;
		dl[i] = (struct cal_deadline){
		        .id = jint(v, "id"),
		        .uid = jstr(v, "uid"),
		        .sequence = (int)jint(v, "sequence"),
		        .kind = jstr(v, "kind"),
		        .title = jstr(v, "title"),
		        .description = jstr(v, "description"),
		        .url = jstr(v, "url"),
		        .tz = jstr(v, "tz"),
		        .due_local = jstr(v, "due_local"),
		        .due_utc = jint(v, "due_utc"),
		        .alarms = alarms + na,
		        .nalarms = json_array_size(al),
		        .status = cal_status_from_string(jstr(v, "status")),
		        .created = jint(v, "created"),
		        .last_modified = jint(v, "last_modified"),
		};
		json_array_foreach(al, j, x) alarms[na++] =
		        json_string_value(x);
	}
	if ((v = json_object_get(in, "itip"))) {
		struct cal_itip it = {
		        .method = jstr(v, "method"),
		        .organizer_email = jstr(v, "organizer_email"),
		        .organizer_name = jstr(v, "organizer_name"),
		        .attendee_email = jstr(v, "attendee_email"),
		        .attendee_name = jstr(v, "attendee_name"),
		        .dtstamp = jint(v, "dtstamp"),
		};
		out = nev ? cal_render_itip(&it, &ev[0], &len) : NULL;
	} else {
		json_t *f = json_object_get(in, "feed");
		struct cal_feed_opts o = {
		        .name = jstr(f, "name"),
		        .refresh = jstr(f, "refresh"),
		        .prodid = jstr(f, "prodid"),
		};
		out = cal_render_feed(&o, ev, nev, dl, ndl, &len);
	}
	if (out)
		fwrite(out, 1, len, stdout);
	free(out);
	free(alarms);
	free(dl);
	free(ev);
	json_decref(in);
	cal_shutdown();
	return out ? 0 : 1;
}

/* ---- --parse: iCalendar files in, JSON out (libical as a reader) ---- */

/* T as JSON: unix seconds (TZID resolved through the file's own
 * VTIMEZONEs, as icalcomponent_get_dtstart does), a "YYYY-MM-DD" date, or
 * null; a floating time (an unresolved TZID) is an error. */
static json_t *parsed_time(struct icaltimetype t, int *floating)
{
	char d[11];

	if (icaltime_is_null_time(t))
		return json_null();
	if (icaltime_is_date(t)) {
		snprintf(d, sizeof d, "%04d-%02d-%02d", t.year, t.month, t.day);
		return json_string(d);
	}
	if (!t.zone && !icaltime_is_utc(t)) {
		*floating = 1;
		return json_null();
	}
	return json_integer((json_int_t)icaltime_as_timet_with_zone(
	        t, t.zone ? t.zone : icaltimezone_get_utc_timezone()));
}

/* Print {file: {uid: {start, end, has_dtend}}} for each VEVENT; "end" is
 * libical's reading of the end (DTEND, or DTSTART when there is none). */
static int parse_main(int argc, char **argv)
{
	json_t *out = json_object();
	int floating = 0;

	for (int i = 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		char *text = NULL;
		size_t cap = 0, len = 0, n;
		json_t *evs = json_object();
		icalcomponent *cal, *c;

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		do {
			if (len + 65536 > cap)
				text = realloc(text, cap = (cap + 65536) * 2);
			n = fread(text + len, 1, cap - len - 1, f);
			len += n;
		} while (n > 0);
		fclose(f);
		text[len] = '\0';
		cal = icalparser_parse_string(text);
		free(text);
		if (!cal) {
			fprintf(stderr, "%s: libical cannot parse it\n",
			        argv[i]);
			return 1;
		}
		for (c = icalcomponent_get_first_component(
		             cal, ICAL_VEVENT_COMPONENT);
		     c; c = icalcomponent_get_next_component(
		                cal, ICAL_VEVENT_COMPONENT)) {
			json_t *e = json_object();
			int has_end = icalcomponent_get_first_property(
			                      c, ICAL_DTEND_PROPERTY) != NULL;

			json_object_set_new(
			        e, "start",
			        parsed_time(icalcomponent_get_dtstart(c),
			                    &floating));
			json_object_set_new(
			        e, "end",
			        parsed_time(icalcomponent_get_dtend(c),
			                    &floating));
			json_object_set_new(e, "has_dtend",
			                    json_boolean(has_end));
			json_object_set_new(evs, icalcomponent_get_uid(c), e);
		}
		icalcomponent_free(cal);
		json_object_set_new(out, argv[i], evs);
	}
	json_dumpf(out, stdout, JSON_SORT_KEYS | JSON_INDENT(1));
	fputc('\n', stdout);
	json_decref(out);
	icaltimezone_free_builtin_timezones();
	if (floating)
		fprintf(stderr, "a floating time (TZID not resolved)\n");
	return floating ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_feed_is_deterministic),
	        cmocka_unit_test(test_feed_header),
	        cmocka_unit_test(test_event_properties),
	        cmocka_unit_test(test_one_vtimezone_per_tzid_short),
	        cmocka_unit_test(test_all_day_is_date),
	        cmocka_unit_test(test_dst_day_instants),
	        cmocka_unit_test(test_unknown_zone_falls_back_to_utc),
	        cmocka_unit_test(test_deadline_with_alarms),
	        cmocka_unit_test(test_repeated_hour_is_written_in_utc),
	        cmocka_unit_test(test_vtimezone_rules_in_force_are_open_ended),
	        cmocka_unit_test(test_zone_names_must_be_places),
	        cmocka_unit_test(test_missing_uid_fails),
	        cmocka_unit_test(test_one_change_changes_only_its_lines),
	        cmocka_unit_test(test_itip_request_and_cancel),
	        cmocka_unit_test(test_utf8_long_lines_fold),
	};
	int rc;

	/* reading: only the file's own VTIMEZONEs, no cal_init */
	if (argc > 1 && strcmp(argv[1], "--parse") == 0)
		return parse_main(argc, argv);
	if (cal_init() < 0) {
		fprintf(stderr, "cal_init failed\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--render") == 0)
		return render_main();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cal_shutdown();
	return rc;
}
