/* import_time.c - the times of an imported VEVENT: zones (IANA, prefixed,
 * Windows names, X-LIC-LOCATION), UTC and floating times, all-day dates
 * and DURATION, converted with libical to the API's local times. */
#include <ctype.h>
#include <libical/ical.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "import.h"

/* Windows zone names (Outlook, Exchange) -> IANA, after CLDR's
 * windowsZones.xml (territory 001). */
static const struct {
	const char *windows, *iana;
} win_zones[] = {
        {"UTC", "UTC"},
        {"Coordinated Universal Time", "UTC"},
        {"GMT Standard Time", "Europe/London"},
        {"Greenwich Standard Time", "Atlantic/Reykjavik"},
        {"W. Europe Standard Time", "Europe/Berlin"},
        {"Central Europe Standard Time", "Europe/Budapest"},
        {"Romance Standard Time", "Europe/Paris"},
        {"Central European Standard Time", "Europe/Warsaw"},
        {"W. Central Africa Standard Time", "Africa/Lagos"},
        {"GTB Standard Time", "Europe/Bucharest"},
        {"E. Europe Standard Time", "Europe/Chisinau"},
        {"FLE Standard Time", "Europe/Kyiv"},
        {"Turkey Standard Time", "Europe/Istanbul"},
        {"Kaliningrad Standard Time", "Europe/Kaliningrad"},
        {"Russian Standard Time", "Europe/Moscow"},
        {"Belarus Standard Time", "Europe/Minsk"},
        {"Israel Standard Time", "Asia/Jerusalem"},
        {"Egypt Standard Time", "Africa/Cairo"},
        {"South Africa Standard Time", "Africa/Johannesburg"},
        {"E. Africa Standard Time", "Africa/Nairobi"},
        {"Morocco Standard Time", "Africa/Casablanca"},
        {"Azores Standard Time", "Atlantic/Azores"},
        {"Cape Verde Standard Time", "Atlantic/Cape_Verde"},
        {"Arabian Standard Time", "Asia/Dubai"},
        {"Arab Standard Time", "Asia/Riyadh"},
        {"Iran Standard Time", "Asia/Tehran"},
        {"Georgian Standard Time", "Asia/Tbilisi"},
        {"Caucasus Standard Time", "Asia/Yerevan"},
        {"Pakistan Standard Time", "Asia/Karachi"},
        {"India Standard Time", "Asia/Kolkata"},
        {"Bangladesh Standard Time", "Asia/Dhaka"},
        {"SE Asia Standard Time", "Asia/Bangkok"},
        {"China Standard Time", "Asia/Shanghai"},
        {"Singapore Standard Time", "Asia/Singapore"},
        {"Taipei Standard Time", "Asia/Taipei"},
        {"Tokyo Standard Time", "Asia/Tokyo"},
        {"Korea Standard Time", "Asia/Seoul"},
        {"AUS Eastern Standard Time", "Australia/Sydney"},
        {"New Zealand Standard Time", "Pacific/Auckland"},
        {"Hawaiian Standard Time", "Pacific/Honolulu"},
        {"Alaskan Standard Time", "America/Anchorage"},
        {"Pacific Standard Time", "America/Los_Angeles"},
        {"US Mountain Standard Time", "America/Phoenix"},
        {"Mountain Standard Time", "America/Denver"},
        {"Central Standard Time", "America/Chicago"},
        {"Central Standard Time (Mexico)", "America/Mexico_City"},
        {"Canada Central Standard Time", "America/Regina"},
        {"Eastern Standard Time", "America/New_York"},
        {"SA Pacific Standard Time", "America/Bogota"},
        {"Atlantic Standard Time", "America/Halifax"},
        {"Newfoundland Standard Time", "America/St_Johns"},
        {"Pacific SA Standard Time", "America/Santiago"},
        {"E. South America Standard Time", "America/Sao_Paulo"},
        {"Argentina Standard Time", "America/Argentina/Buenos_Aires"},
};

/* An X- property of C by name, or NULL. */
const char *import_x_prop(icalcomponent *c, const char *name)
{
	icalproperty *p;

	for (p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
		const char *n = icalproperty_get_x_name(p);
		if (n && strcasecmp(n, name) == 0)
			return icalproperty_get_x(p);
	}
	return NULL;
}

/* ------------------------------------------------------------------ zones */

/* Could NAME be an IANA zone name (and not a path)? */
static int zone_name_ok(const char *name)
{
	if (!isupper((unsigned char)name[0]) || strstr(name, "..") ||
	    strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p))
			return 0;
	return 1;
}

/* The system zone NAME (libical reads the system zoneinfo), or NULL. */
static icaltimezone *zone_get(const char *name)
{
	if (!zone_name_ok(name))
		return NULL;
	return icaltimezone_get_builtin_timezone(name);
}

/* TZID as an IANA name: a Windows name through the table, an IANA name as
 * is or after a prefix ("/freeassociation.sourceforge.net/Tzfile/..."),
 * else the X-LIC-LOCATION of the calendar's VTIMEZONE with that TZID.
 * Returns a pointer into TZID, the table or CAL, or NULL. */
const char *import_zone_resolve(const char *tzid, icalcomponent *cal)
{
	icalcomponent *vtz;
	const char *p, *loc;

	if (tzid == NULL || *tzid == '\0')
		return NULL;
	for (size_t i = 0; i < sizeof win_zones / sizeof win_zones[0]; i++)
		if (strcasecmp(tzid, win_zones[i].windows) == 0)
			return win_zones[i].iana;
	if (zone_get(tzid))
		return tzid;
	for (p = strchr(tzid, '/'); p; p = strchr(p + 1, '/'))
		if (zone_get(p + 1))
			return p + 1;
	if (cal == NULL)
		return NULL;
	/* An external iterator: the caller may be walking CAL's events. */
	for (icalcompiter it = icalcomponent_begin_component(
	             cal, ICAL_VTIMEZONE_COMPONENT);
	     (vtz = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
		icalproperty *t = icalcomponent_get_first_property(
		        vtz, ICAL_TZID_PROPERTY);
		if (t && icalproperty_get_tzid(t) &&
		    strcmp(icalproperty_get_tzid(t), tzid) == 0 &&
		    (loc = import_x_prop(vtz, "X-LIC-LOCATION")) != NULL)
			return import_zone_resolve(loc, NULL);
	}
	return NULL;
}

/* ------------------------------------------------------------------ times */

/* A DTSTART/DTEND as read: the time and where its wall clock belongs. */
struct when {
	struct icaltimetype t;
	const char *tzid; /* the TZID parameter, or NULL */
};

static struct when prop_when(icalproperty *p)
{
	struct when w = {icalvalue_get_datetime(icalproperty_get_value(p)),
	                 NULL};
	icalparameter *tz =
	        icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

	if (tz && !icaltime_is_utc(w.t) && !w.t.is_date)
		w.tzid = icalparameter_get_tzid(tz);
	return w;
}

static void fmt_time(char *buf, size_t len, struct icaltimetype t, int date)
{
	if (date)
		snprintf(buf, len, "%04d-%02d-%02d", t.year, t.month, t.day);
	else
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d", t.year,
		         t.month, t.day, t.hour, t.minute, t.second);
}

/* Is INSTANT (UTC seconds) the first occurrence of its wall clock LOCAL in
 * zone Z?  The API takes the first one of an hour that repeats when the
 * clocks go back, so a second occurrence cannot be stored in Z. */
static int first_occurrence(icaltimezone *z, struct icaltimetype local,
                            time_t instant)
{
	icaltimezone *utc = icaltimezone_get_utc_timezone();
	struct icaltimetype t;
	time_t wall, c;
	int off, dst;

	local.zone = utc;
	wall = icaltime_as_timet_with_zone(local, utc);
	/* every offset Z has within a day of the wall clock */
	for (long probe = -86400; probe <= 86400; probe += 1800) {
		t = icaltime_from_timet_with_zone(wall + probe, 0, utc);
		off = icaltimezone_get_utc_offset_of_utc_time(z, &t, &dst);
		c = wall - off;
		t = icaltime_from_timet_with_zone(c, 0, utc);
		if (c < instant &&
		    icaltimezone_get_utc_offset_of_utc_time(z, &t, &dst) == off)
			return 0;
	}
	return 1;
}

/* W's wall clock in zone EVZONE (an IANA name) into OUT.  A UTC time or a
 * time in another zone is converted with libical; a floating time or one in
 * EVZONE itself is kept.  Returns 0, or -1 with REASON set. */
static int to_local(struct when w, const char *what, const char *evzone,
                    icalcomponent *cal, struct icaltimetype *out, char *reason,
                    size_t len)
{
	icaltimezone *dst = zone_get(evzone), *src = NULL;
	const char *z;
	char buf[32];

	*out = w.t;
	if (icaltime_is_utc(w.t)) {
		src = icaltimezone_get_utc_timezone();
	} else if (w.tzid) {
		if ((z = import_zone_resolve(w.tzid, cal)) == NULL) {
			snprintf(reason, len, "unknown time zone TZID %s",
			         w.tzid);
			return -1;
		}
		if (strcmp(z, evzone) != 0 && (src = zone_get(z)) == NULL) {
			snprintf(reason, len, "time zone %s is not installed",
			         z);
			return -1;
		}
	}
	if (src == NULL)
		return 0; /* floating, or already in the event's zone */
	if (dst == NULL) {
		snprintf(reason, len, "time zone %s is not installed", evzone);
		return -1;
	}
	w.t.zone = src;
	*out = icaltime_convert_to_zone(w.t, dst);
	out->zone = NULL;
	if (!first_occurrence(dst, *out,
	                      icaltime_as_timet_with_zone(w.t, src))) {
		fmt_time(buf, sizeof(buf), *out, 0);
		snprintf(reason, len,
		         "%s is the second occurrence of %s in %s (the hour "
		         "repeats when the clocks go back); convened would "
		         "take the first",
		         what, buf, evzone);
		return -1;
	}
	return 0;
}

/* END from a DURATION: days and weeks on the wall clock, hours, minutes and
 * seconds as elapsed time (RFC 5545 3.3.6). */
static struct when end_from_duration(struct when s, struct icaldurationtype d,
                                     icalcomponent *cal)
{
	struct icaldurationtype nominal = icaldurationtype_null_duration();
	struct icaltimetype t;
	icaltimezone *z = NULL;
	const char *name;
	int exact;

	nominal.is_neg = d.is_neg;
	nominal.days = d.days + 7 * d.weeks;
	exact = (d.is_neg ? -1 : 1) *
	        (int)(d.hours * 3600 + d.minutes * 60 + d.seconds);
	s.t = icaltime_add(s.t, nominal);
	if (exact == 0 || s.t.is_date)
		return s;
	if (icaltime_is_utc(s.t))
		z = icaltimezone_get_utc_timezone();
	else if (s.tzid && (name = import_zone_resolve(s.tzid, cal)))
		z = zone_get(name);
	if (z == NULL) { /* floating: the wall clock is all there is */
		icaltime_adjust(&s.t, 0, 0, 0, exact);
		return s;
	}
	t = s.t;
	t.zone = z;
	t = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
	icaltime_adjust(&t, 0, 0, 0, exact);
	t = icaltime_convert_to_zone(t, z);
	t.zone = icaltime_is_utc(s.t) ? s.t.zone : NULL;
	s.t = t;
	return s;
}

/* Fill tz, all_day, start and end of BODY from EV.  DEFZONE is the
 * calendar's X-WR-TIMEZONE as an IANA name, or NULL.  Returns 0, or -1
 * with REASON set (the event is skipped). */
int import_event_times(icalcomponent *ev, icalcomponent *cal,
                       const char *defzone, json_t *body, char *reason,
                       size_t len)
{
	icalproperty *ps = icalcomponent_get_first_property(
	                     ev, ICAL_DTSTART_PROPERTY),
	             *pe = icalcomponent_get_first_property(
	                     ev, ICAL_DTEND_PROPERTY),
	             *pd = icalcomponent_get_first_property(
	                     ev, ICAL_DURATION_PROPERTY);
	struct when s, e;
	struct icaltimetype ls, le;
	const char *zone;
	char a[32], b[32];

	if (ps == NULL) {
		snprintf(reason, len, "no DTSTART");
		return -1;
	}
	s = prop_when(ps);
	if (icaltime_is_null_time(s.t) || !icaltime_is_valid_time(s.t)) {
		snprintf(reason, len, "DTSTART is not a date or time");
		return -1;
	}
	if (pe) {
		e = prop_when(pe);
	} else if (pd) {
		e = end_from_duration(s, icalproperty_get_duration(pd), cal);
	} else if (s.t.is_date) {
		e = s; /* one day (RFC 5545 3.6.1) */
		icaltime_adjust(&e.t, 1, 0, 0, 0);
	} else {
		snprintf(reason, len,
		         "no DTEND or DURATION (an event without length)");
		return -1;
	}
	if (s.t.is_date != e.t.is_date) {
		snprintf(reason, len,
		         "DTSTART and DTEND are not both dates "
		         "or both date-times");
		return -1;
	}

	if (s.t.is_date) {
		/* All-day: dates belong to no zone; DTEND is exclusive, the
		 * API's end inclusive. */
		icaltime_adjust(&e.t, -1, 0, 0, 0);
		if (icaltime_compare_date_only(e.t, s.t) < 0) {
			snprintf(reason, len, "DTEND is not after DTSTART");
			return -1;
		}
		zone = defzone ? defzone : "UTC";
		fmt_time(a, sizeof(a), s.t, 1);
		fmt_time(b, sizeof(b), e.t, 1);
		json_object_set_new(body, "all_day", json_true());
	} else {
		if (s.tzid) {
			zone = import_zone_resolve(s.tzid, cal);
			if (zone == NULL) {
				snprintf(reason, len,
				         "unknown time zone TZID %s", s.tzid);
				return -1;
			}
		} else if (icaltime_is_utc(s.t)) {
			zone = defzone ? defzone : "UTC";
		} else if (defzone) {
			zone = defzone;
		} else {
			snprintf(reason, len,
			         "floating time (no TZID, no Z) and the "
			         "calendar names no X-WR-TIMEZONE");
			return -1;
		}
		if (to_local(s, "DTSTART", zone, cal, &ls, reason, len) < 0 ||
		    to_local(e, "DTEND", zone, cal, &le, reason, len) < 0)
			return -1;
		fmt_time(a, sizeof(a), ls, 0);
		fmt_time(b, sizeof(b), le, 0);
		json_object_set_new(body, "all_day", json_false());
	}
	json_object_set_new(body, "tz", json_string(zone));
	json_object_set_new(body, "start", json_string(a));
	json_object_set_new(body, "end", json_string(b));
	return 0;
}
