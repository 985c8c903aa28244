/* cal.c - render feeds and iTIP invitations as iCalendar, every byte by
 * libical; zones come from the system zoneinfo with short TZIDs. */
#include "cal.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Zones loaded at start-up; any other zone is loaded on first use. */
static const char *const preload_zones[] = {
        "Europe/Amsterdam",  "Europe/Athens",     "Europe/Berlin",
        "Europe/Bratislava", "Europe/Brussels",   "Europe/Bucharest",
        "Europe/Budapest",   "Europe/Copenhagen", "Europe/Dublin",
        "Europe/Helsinki",   "Europe/Lisbon",     "Europe/Ljubljana",
        "Europe/London",     "Europe/Luxembourg", "Europe/Madrid",
        "Europe/Malta",      "Europe/Oslo",       "Europe/Paris",
        "Europe/Prague",     "Europe/Riga",       "Europe/Rome",
        "Europe/Sofia",      "Europe/Stockholm",  "Europe/Tallinn",
        "Europe/Vienna",     "Europe/Vilnius",    "Europe/Warsaw",
        "Europe/Zagreb",     "Europe/Zurich",     "Atlantic/Canary",
        "Europe/Istanbul",   "Europe/Kyiv",       "America/New_York",
};

/* libical's first load of a zone is not thread-safe (libical #1029), and
 * converting times fills a zone's cache of changes: both under this lock. */
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;

static int is_utc_name(const char *tz)
{
	static const char *const names[] = {"UTC",     "Etc/UTC", "GMT",
	                                    "Etc/GMT", "Z",       "Etc/Zulu"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(tz, names[i]) == 0)
			return 1;
	return 0;
}

/* The builtin zone TZ, loaded, or NULL (also for UTC: rendered as Z). */
static icaltimezone *zone_get(const char *tz)
{
	icaltimezone *z;

	if (!tz || !*tz || is_utc_name(tz))
		return NULL;
	pthread_mutex_lock(&zone_lock);
	z = icaltimezone_get_builtin_timezone(tz);
	if (z && (z == icaltimezone_get_utc_timezone() ||
	          !icaltimezone_get_component(z)))
		z = NULL;
	pthread_mutex_unlock(&zone_lock);
	return z;
}

int cal_init(void)
{
	/* Use the system zoneinfo (not libical's bundled copy); the prefix
	 * only names zones internally: published TZIDs are short. */
	icaltimezone_set_builtin_tzdata(0);
	icaltimezone_set_tzid_prefix("/convened/");
	for (size_t i = 0; i < sizeof preload_zones / sizeof preload_zones[0];
	     i++)
		(void)zone_get(preload_zones[i]);
	return zone_get("Europe/Rome") ? 0 : -1;
}

void cal_shutdown(void)
{
	pthread_mutex_lock(&zone_lock);
	icaltimezone_free_builtin_timezones();
	pthread_mutex_unlock(&zone_lock);
}

int cal_zone_known(const char *tz)
{
	return tz && (is_utc_name(tz) || zone_get(tz) != NULL);
}

/* Areas of the tz database whose zones are places. */
static const char *const place_areas[] = {
        "Africa",   "America",   "Antarctica", "Arctic", "Asia",
        "Atlantic", "Australia", "Europe",     "Indian", "Pacific",
};

#define CENTRAL                                                                \
	" is an abbreviation, not a place: use a city zone such as "           \
	"Europe/Warsaw, Europe/Rome"
#define UNIVERSAL                                                              \
	": write UTC for universal time, or a city zone such as "              \
	"Europe/London, Europe/Dublin (summer time in summer)"

/* Names people type that are not places, with the place they likely mean. */
static const struct {
	const char *name, *reason;
} not_places[] = {
        {"CET", "CET" CENTRAL},
        {"CEST", "CEST" CENTRAL},
        {"MET", "MET" CENTRAL},
        {"MEST", "MEST" CENTRAL},
        {"EET", "EET is an abbreviation, not a place: use a city zone such "
                "as Europe/Helsinki, Europe/Athens"},
        {"EEST", "EEST is an abbreviation, not a place: use a city zone such "
                 "as Europe/Helsinki, Europe/Athens"},
        {"WET", "WET is an abbreviation, not a place: use a city zone such "
                "as Europe/Lisbon, Atlantic/Canary"},
        {"WEST", "WEST is an abbreviation, not a place: use a city zone such "
                 "as Europe/Lisbon, Atlantic/Canary"},
        {"BST", "BST is an abbreviation, not a place: use Europe/London"},
        {"IST", "IST is an abbreviation, not a place: use a city zone such "
                "as Europe/Dublin, Asia/Kolkata"},
        {"MSK", "MSK is an abbreviation, not a place: use Europe/Moscow"},
        {"EST5EDT", "EST5EDT is a rule, not a place: use a city zone such "
                    "as America/New_York"},
        {"EST", "EST is an abbreviation, not a place: use a city zone such "
                "as America/New_York"},
        {"EDT", "EDT is an abbreviation, not a place: use a city zone such "
                "as America/New_York"},
        {"CST6CDT", "CST6CDT is a rule, not a place: use a city zone such "
                    "as America/Chicago"},
        {"MST7MDT", "MST7MDT is a rule, not a place: use a city zone such "
                    "as America/Denver"},
        {"MST", "MST is an abbreviation, not a place: use a city zone such "
                "as America/Phoenix, America/Denver"},
        {"PST8PDT", "PST8PDT is a rule, not a place: use a city zone such "
                    "as America/Los_Angeles"},
        {"HST", "HST is an abbreviation, not a place: use Pacific/Honolulu"},
        {"GMT", "GMT" UNIVERSAL},
        {"Etc/GMT", "Etc/GMT" UNIVERSAL},
        {"GMT0", "GMT0" UNIVERSAL},
        {"Etc/UTC", "Etc/UTC" UNIVERSAL},
        {"UCT", "UCT" UNIVERSAL},
        {"Etc/UCT", "Etc/UCT" UNIVERSAL},
        {"Universal", "Universal" UNIVERSAL},
        {"Etc/Universal", "Etc/Universal" UNIVERSAL},
        {"Zulu", "Zulu" UNIVERSAL},
        {"Etc/Zulu", "Etc/Zulu" UNIVERSAL},
        {"Greenwich", "Greenwich" UNIVERSAL},
        {"Etc/Greenwich", "Etc/Greenwich" UNIVERSAL},
        {"Z", "Z" UNIVERSAL},
        {"Poland", "Poland is an old name, not a place: use Europe/Warsaw"},
        {"Portugal", "Portugal is an old name, not a place: use a city zone "
                     "such as Europe/Lisbon"},
        {"Eire", "Eire is an old name, not a place: use Europe/Dublin"},
        {"GB", "GB is an old name, not a place: use Europe/London"},
        {"GB-Eire", "GB-Eire is an old name, not a place: use Europe/London"},
        {"Turkey", "Turkey is an old name, not a place: use Europe/Istanbul"},
        {"Iceland",
         "Iceland is an old name, not a place: use Atlantic/Reykjavik"},
        {"W-SU", "W-SU is an old name, not a place: use Europe/Moscow"},
};

const char *cal_zone_refusal(const char *tz)
{
	const char *slash;

	if (!tz)
		return "must be a place such as Europe/Rome, or UTC";
	if (strcmp(tz, "UTC") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof not_places / sizeof not_places[0]; i++)
		if (strcmp(tz, not_places[i].name) == 0)
			return not_places[i].reason;
	if (strncmp(tz, "Etc/GMT", 7) == 0 && (tz[7] == '+' || tz[7] == '-'))
		return "is a fixed offset (with its sign reversed: Etc/GMT+1 "
		       "is "
		       "an hour behind UTC), not a place: use a city zone such "
		       "as Europe/Rome";
	if ((slash = strchr(tz, '/')) != NULL && slash[1] != '\0' &&
	    slash[1] != '/')
		for (size_t i = 0;
		     i < sizeof place_areas / sizeof place_areas[0]; i++)
			if (strlen(place_areas[i]) == (size_t)(slash - tz) &&
			    strncmp(tz, place_areas[i], slash - tz) == 0)
				return NULL;
	if (strncmp(tz, "US/", 3) == 0 || strncmp(tz, "Canada/", 7) == 0)
		return "is an old name, not a place: use a city zone such as "
		       "America/New_York, America/Toronto";
	return "must be a place (Area/Location of the tz database) such as "
	       "Europe/Rome, or UTC; abbreviations and offsets are refused";
}

enum cal_status cal_status_from_string(const char *s)
{
	if (s && strcmp(s, "published") == 0)
		return CAL_PUBLISHED;
	if (s && strcmp(s, "cancelled") == 0)
		return CAL_CANCELLED;
	return CAL_DRAFT;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Parse "YYYY-MM-DD[(T| )HH:MM[:SS]]" into a floating time (or a date). */
static int parse_local(const char *s, int as_date, struct icaltimetype *t)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	const char *p;

	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -1;
		p += 6;
		if (*p == ':' &&
		    (sscanf(p + 1, "%2d%n", &sec, &n) != 1 || n != 2))
			return -1;
	}
	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > icaltime_days_in_month(mo, y) || h > 23 || mi > 59 ||
	    sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -1;
	*t = icaltime_null_time();
	t->year = y;
	t->month = mo;
	t->day = d;
	if (as_date) {
		t->is_date = 1;
	} else {
		t->hour = h;
		t->minute = mi;
		t->second = sec;
	}
	return 0;
}

int cal_local_to_utc(const char *tz, const char *local, int64_t *out)
{
	struct icaltimetype t;
	icaltimezone *z;

	if (!tz || parse_local(local, 0, &t) < 0)
		return -1;
	if (is_utc_name(tz)) {
		*out = (int64_t)icaltime_as_timet_with_zone(
		        t, icaltimezone_get_utc_timezone());
		return 0;
	}
	if (!(z = zone_get(tz)))
		return -1;
	pthread_mutex_lock(&zone_lock);
	*out = (int64_t)icaltime_as_timet_with_zone(t, z);
	pthread_mutex_unlock(&zone_lock);
	return 0;
}

static struct icaltimetype utc_time(int64_t secs)
{
	return icaltime_from_timet_with_zone((time_t)secs, 0,
	                                     icaltimezone_get_utc_timezone());
}

/* ---- the zones a calendar uses ---- */

struct zone_use {
	const char *tz;
	icaltimezone *zone;
	int64_t lo; /* earliest time rendered in it (UTC) */
};

struct zone_set {
	struct zone_use *v;
	size_t n, cap;
};

/* The entry for TZ (loading the zone on first use), or NULL when the zone
 * is unknown or UTC (times are then rendered in UTC). */
static struct zone_use *zone_use_of(struct zone_set *zs, const char *tz)
{
	icaltimezone *z;

	for (size_t i = 0; i < zs->n; i++)
		if (strcmp(zs->v[i].tz, tz) == 0)
			return &zs->v[i];
	if (!(z = zone_get(tz)))
		return NULL;
	if (zs->n == zs->cap) {
		size_t cap = zs->cap ? zs->cap * 2 : 8;
		struct zone_use *v = realloc(zs->v, cap * sizeof *v);
		if (!v)
			return NULL;
		zs->v = v;
		zs->cap = cap;
	}
	zs->v[zs->n] = (struct zone_use){tz, z, INT64_MAX};
	return &zs->v[zs->n++];
}

static int zone_use_cmp(const void *a, const void *b)
{
	return strcmp(((const struct zone_use *)a)->tz,
	              ((const struct zone_use *)b)->tz);
}

static struct icaltimetype year_start_utc(int64_t secs, int add_years)
{
	struct tm tm;
	time_t t = (time_t)secs;
	struct icaltimetype r;

	gmtime_r(&t, &tm);
	r = icaltime_null_time();
	r.year = tm.tm_year + 1900 + add_years;
	r.month = 1;
	r.day = 1;
	r.zone = icaltimezone_get_utc_timezone();
	return r;
}

/* The RRULE of observance C without its UNTIL, as text (malloc'd), and
 * its UNTIL in *until; NULL when C has no RRULE. */
static char *rule_sans_until(icalcomponent *c, struct icaltimetype *until)
{
	icalproperty *p =
	        icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
	struct icalrecurrencetype r;

	if (!p)
		return NULL;
	r = icalproperty_get_rrule(p);
	*until = r.until;
	r.until = icaltime_null_time();
	return icalrecurrencetype_as_string_r(&r);
}

/* 1 when observances A and B say the same but for their start. */
static int same_observance(icalcomponent *a, icalcomponent *b)
{
	icalproperty *pa, *pb;
	const char *na, *nb;

	if (icalcomponent_isa(a) != icalcomponent_isa(b))
		return 0;
	pa = icalcomponent_get_first_property(a, ICAL_TZOFFSETFROM_PROPERTY);
	pb = icalcomponent_get_first_property(b, ICAL_TZOFFSETFROM_PROPERTY);
	if (!pa || !pb ||
	    icalproperty_get_tzoffsetfrom(pa) !=
	            icalproperty_get_tzoffsetfrom(pb))
		return 0;
	pa = icalcomponent_get_first_property(a, ICAL_TZOFFSETTO_PROPERTY);
	pb = icalcomponent_get_first_property(b, ICAL_TZOFFSETTO_PROPERTY);
	if (!pa || !pb ||
	    icalproperty_get_tzoffsetto(pa) != icalproperty_get_tzoffsetto(pb))
		return 0;
	pa = icalcomponent_get_first_property(a, ICAL_TZNAME_PROPERTY);
	pb = icalcomponent_get_first_property(b, ICAL_TZNAME_PROPERTY);
	na = pa ? icalproperty_get_tzname(pa) : "";
	nb = pb ? icalproperty_get_tzname(pb) : "";
	return strcmp(na, nb) == 0;
}

/* The first occurrence of A's rule (without UNTIL) after UNTIL_LOCAL. */
static struct icaltimetype next_after(icalcomponent *a, const char *rule,
                                      struct icaltimetype until_local)
{
	struct icalrecurrencetype r = icalrecurrencetype_from_string(rule);
	struct icaltimetype t = icaltime_null_time(),
	                    st = icalcomponent_get_dtstart(a);
	icalrecur_iterator *it = icalrecur_iterator_new(r, st);

	if (!it)
		return t;
	for (int i = 0; i < 1000; i++) {
		t = icalrecur_iterator_next(it);
		if (icaltime_is_null_time(t) ||
		    icaltime_compare(t, until_local) > 0)
			break;
	}
	icalrecur_iterator_free(it);
	return t;
}

/*
 * libical writes a zone read from the system zoneinfo as rules that end
 * where the file's list of changes ends (UNTIL in 2037) followed by the
 * same rules open-ended from the next change on.  Join each such pair
 * into one rule: the rule in force then carries no UNTIL, the form every
 * client reads alike (dateutil reads an UNTIL ...Z as local time and
 * drops that year's change).
 */
static void join_continued_rules(icalcomponent *vtz)
{
	/* libical's component iterator is one per parent: list them first */
	size_t n =
	        (size_t)icalcomponent_count_components(vtz, ICAL_ANY_COMPONENT);
	icalcomponent **v = calloc(n + 1, sizeof *v), *c;
	size_t k = 0;

	if (!v)
		return;
	for (c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	     c && k < n;
	     c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT))
		v[k++] = c;
	for (size_t i = 0; i < k; i++) {
		struct icaltimetype ua, ub, nx;
		icalproperty *p;
		char *ra;

		if (!v[i] || !(ra = rule_sans_until(v[i], &ua)))
			continue;
		if (icaltime_is_null_time(ua)) {
			free(ra);
			continue;
		}
		/* UNTIL is UTC; the rule runs in local time before the change
		 */
		p = icalcomponent_get_first_property(
		        v[i], ICAL_TZOFFSETFROM_PROPERTY);
		if (p)
			icaltime_adjust(&ua, 0, 0, 0,
			                icalproperty_get_tzoffsetfrom(p));
		ua.zone = NULL;
		nx = next_after(v[i], ra, ua);
		for (size_t j = 0; j < k && !icaltime_is_null_time(nx); j++) {
			char *rb;
			int join;

			if (j == i || !v[j] || !same_observance(v[i], v[j]))
				continue;
			rb = rule_sans_until(v[j], &ub);
			join = rb && strcmp(ra, rb) == 0 &&
			       icaltime_compare(icalcomponent_get_dtstart(v[j]),
			                        nx) == 0;
			free(rb);
			if (!join)
				continue;
			p = icalcomponent_get_first_property(
			        v[i], ICAL_RRULE_PROPERTY);
			{
				struct icalrecurrencetype r =
				        icalproperty_get_rrule(p);
				r.until = ub;
				icalproperty_set_rrule(p, r);
			}
			icalcomponent_remove_component(vtz, v[j]);
			icalcomponent_free(v[j]);
			v[j] = NULL;
			break;
		}
		free(ra);
	}
	free(v);
}

/* A VTIMEZONE for U: the system zone with TZID set to the short name,
 * without the years before the first time used (RFC 7809), with
 * Outlook-compatible rules. */
static icalcomponent *vtimezone_for(const struct zone_use *u)
{
	icalcomponent *vtz;
	icalproperty *p;

	vtz = icalcomponent_new_clone(icaltimezone_get_component(u->zone));
	if (!vtz)
		return NULL;
	p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (p)
		icalproperty_set_tzid(p, u->tz);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(u->tz));
	join_continued_rules(vtz);
	/* Cut only the past: with no end, the rules still in force keep no
	 * UNTIL.  An UNTIL at the window's close (RRULE ...;UNTIL=...Z) is read
	 * as local time by dateutil (vobject, Radicale), which then drops that
	 * year's last change and puts a summer-time invitation an hour off. */
	icaltimezone_truncate_vtimezone(vtz, year_start_utc(u->lo, 0),
	                                icaltime_null_time(), 1);
	return vtz;
}

static int add_timezones(icalcomponent *cal, struct zone_set *zs)
{
	if (zs->n > 1)
		qsort(zs->v, zs->n, sizeof *zs->v, zone_use_cmp);
	/* libical writes VTIMEZONEs first, in the reverse order of adding */
	for (size_t i = zs->n; i-- > 0;) {
		icalcomponent *vtz = vtimezone_for(&zs->v[i]);
		if (!vtz)
			return -1;
		icalcomponent_add_component(cal, vtz);
	}
	return 0;
}

/* ---- items ---- */

static icalproperty *dt_prop(icalproperty_kind k, struct icaltimetype t,
                             const char *tzid)
{
	icalproperty *p = k == ICAL_DTSTART_PROPERTY
	                          ? icalproperty_new_dtstart(t)
	                          : icalproperty_new_dtend(t);
	if (tzid)
		icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
	return p;
}

/* The wall-clock fields of T read as if they were UTC, in seconds. */
static int64_t wall_secs(struct icaltimetype t)
{
	t.zone = NULL;
	t.is_date = 0;
	return (int64_t)icaltime_as_timet(t);
}

/* The wall-clock time of instant SECS in Z (as wall_secs).  Zone lock held. */
static int64_t wall_at(icaltimezone *z, int64_t secs)
{
	return wall_secs(icaltime_from_timet_with_zone((time_t)secs, 0, z));
}

/* 1 when WALL is the wall-clock time in Z of instant SECS and of no other
 * instant (so every client reads it back as SECS); 0 in a repeated hour.
 * The other candidates use Z's offsets a day before, at and a day after
 * SECS, which covers every real transition.  Zone lock held. */
static int wall_is_only(icaltimezone *z, int64_t wall, int64_t secs)
{
	if (wall_at(z, secs) != wall)
		return 0;
	for (int64_t d = -86400; d <= 86400; d += 86400) {
		int64_t off = wall_at(z, secs + d) - (secs + d);
		if (wall - off != secs && wall_at(z, wall - off) == wall)
			return 0;
	}
	return 1;
}

/*
 * DTSTART and DTEND (none when LE is NULL: a point in time): local times
 * with TZID when the zone is known, the times parse and each names exactly
 * its instant (the zone is then recorded for its VTIMEZONE).  Otherwise,
 * and in particular when either falls in the hour repeated when summer
 * time ends, both are written in UTC: RFC 5545 lets a client take either
 * occurrence of a repeated local time, and libical, ical.js and
 * python-icalendar take the second while convened means the first.
 */
static void add_times(icalcomponent *c, struct zone_set *zs, const char *tz,
                      const char *ls, const char *le, int64_t us, int64_t ue)
{
	struct icaltimetype s, e;
	icaltimezone *z = tz && *tz ? zone_get(tz) : NULL;
	struct zone_use *u = NULL;
	int local = z && parse_local(ls, 0, &s) == 0 &&
	            (!le || parse_local(le, 0, &e) == 0);

	if (local) {
		pthread_mutex_lock(&zone_lock);
		local = wall_is_only(z, wall_secs(s), us) &&
		        (!le || wall_is_only(z, wall_secs(e), ue));
		pthread_mutex_unlock(&zone_lock);
	}
	if (local && (u = zone_use_of(zs, tz)) != NULL) {
		if (us < u->lo)
			u->lo = us;
		icalcomponent_add_property(
		        c, dt_prop(ICAL_DTSTART_PROPERTY, s, tz));
		if (le)
			icalcomponent_add_property(
			        c, dt_prop(ICAL_DTEND_PROPERTY, e, tz));
	} else {
		icalcomponent_add_property(
		        c, dt_prop(ICAL_DTSTART_PROPERTY, utc_time(us), NULL));
		if (le)
			icalcomponent_add_property(c,
			                           dt_prop(ICAL_DTEND_PROPERTY,
			                                   utc_time(ue), NULL));
	}
}

static char *join3(const char *a, const char *b, const char *c, const char *sep)
{
	const char *parts[3] = {nz(a), nz(b), nz(c)};
	size_t len = 1, seplen = strlen(sep);
	char *s;

	for (int i = 0; i < 3; i++)
		len += strlen(parts[i]) + seplen;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (!*parts[i])
			continue;
		if (*s)
			strcat(s, sep);
		strcat(s, parts[i]);
	}
	return s;
}

/* DESCRIPTION: the text, then LABEL and the link on a line of their own. */
static char *describe(const char *text, const char *label, const char *url)
{
	char *s;

	if (!url || !*url)
		return strdup(nz(text));
	if (asprintf(&s, "%s%s%s %s", nz(text), text && *text ? "\n\n" : "",
	             label, url) < 0)
		return NULL;
	return s;
}

static icalproperty_status ical_status(enum cal_status s)
{
	switch (s) {
	case CAL_PUBLISHED:
		return ICAL_STATUS_CONFIRMED;
	case CAL_CANCELLED:
		return ICAL_STATUS_CANCELLED;
	default:
		return ICAL_STATUS_TENTATIVE;
	}
}

/* UID, SEQUENCE, DTSTAMP, CREATED, LAST-MODIFIED (DTSTAMP is the last
 * modification: unchanged data gives unchanged bytes). */
static void add_identity(icalcomponent *c, const char *uid, int seq,
                         int64_t created, int64_t modified)
{
	icalcomponent_add_property(c, icalproperty_new_uid(uid));
	icalcomponent_add_property(c, icalproperty_new_sequence(seq));
	icalcomponent_add_property(
	        c, icalproperty_new_dtstamp(utc_time(modified)));
	icalcomponent_add_property(c,
	                           icalproperty_new_created(utc_time(created)));
	icalcomponent_add_property(
	        c, icalproperty_new_lastmodified(utc_time(modified)));
}

static void add_text(icalcomponent *c, icalproperty *(*mk)(const char *),
                     const char *s)
{
	if (s && *s)
		icalcomponent_add_property(c, mk(s));
}

static icalcomponent *event_comp(const struct cal_event *e, struct zone_set *zs)
{
	icalcomponent *c;
	struct icaltimetype ds, de;
	char *loc, *desc;

	if (!e->uid || !*e->uid)
		return NULL;
	c = icalcomponent_new_vevent();
	add_identity(c, e->uid, e->sequence, e->created, e->last_modified);
	if (e->all_day && parse_local(e->start_local, 1, &ds) == 0 &&
	    parse_local(e->end_local, 1, &de) == 0) {
		/* DATE values, DTEND exclusive; VALUE=DATE from libical */
		icalcomponent_add_property(c, icalproperty_new_dtstart(ds));
		icalcomponent_add_property(c, icalproperty_new_dtend(de));
	} else {
		add_times(c, zs, e->tz, e->start_local, e->end_local,
		          e->start_utc, e->end_utc);
	}
	add_text(c, icalproperty_new_summary, e->title);
	loc = join3(e->venue, e->city, e->country, ", ");
	desc = describe(e->description, "Registration:", e->url);
	if (!loc || !desc) {
		free(loc);
		free(desc);
		icalcomponent_free(c);
		return NULL;
	}
	add_text(c, icalproperty_new_location, loc);
	add_text(c, icalproperty_new_description, desc);
	free(loc);
	free(desc);
	add_text(c, icalproperty_new_url, e->url);
	icalcomponent_add_property(
	        c, icalproperty_new_status(ical_status(e->status)));
	add_text(c, icalproperty_new_categories, e->kind);
	return c;
}

static icalcomponent *alarm_comp(const char *offset, const char *title)
{
	struct icaldurationtype d = icaldurationtype_from_string(offset);
	struct icaltriggertype tr;
	icalcomponent *a;

	if (icaldurationtype_is_bad_duration(d))
		return NULL;
	d.is_neg = 1; /* offsets are always before the due time */
	memset(&tr, 0, sizeof tr);
	tr.time = icaltime_null_time();
	tr.duration = d;
	a = icalcomponent_new_valarm();
	icalcomponent_add_property(
	        a, icalproperty_new_action(ICAL_ACTION_DISPLAY));
	icalcomponent_add_property(a, icalproperty_new_trigger(tr));
	icalcomponent_add_property(a, icalproperty_new_description(
	                                      *nz(title) ? title : "Deadline"));
	return a;
}

/* A deadline is a point in time: a VEVENT with DTSTART and no DTEND (RFC
 * 5545 3.6.1: it ends when it starts; DTEND must be later than DTSTART),
 * TRANSP:TRANSPARENT (it does not make anyone busy), one VALARM per
 * reminder offset.  A VEVENT rather than a VTODO with DUE: subscribed
 * calendars in Google and Outlook show events only. */
static icalcomponent *deadline_comp(const struct cal_deadline *d,
                                    struct zone_set *zs)
{
	icalcomponent *c;
	char *desc;

	if (!d->uid || !*d->uid)
		return NULL;
	c = icalcomponent_new_vevent();
	add_identity(c, d->uid, d->sequence, d->created, d->last_modified);
	add_times(c, zs, d->tz, d->due_local, NULL, d->due_utc, d->due_utc);
	add_text(c, icalproperty_new_summary, d->title);
	if (!(desc = describe(d->description, "Details:", d->url))) {
		icalcomponent_free(c);
		return NULL;
	}
	add_text(c, icalproperty_new_description, desc);
	free(desc);
	add_text(c, icalproperty_new_url, d->url);
	icalcomponent_add_property(
	        c, icalproperty_new_status(ical_status(d->status)));
	icalcomponent_add_property(
	        c, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
	add_text(c, icalproperty_new_categories, d->kind);
	for (size_t i = 0; i < d->nalarms; i++) {
		icalcomponent *a = alarm_comp(d->alarms[i], d->title);
		if (a)
			icalcomponent_add_component(c, a);
	}
	return c;
}

static icalcomponent *calendar_new(const char *prodid,
                                   icalproperty_method method)
{
	icalcomponent *cal = icalcomponent_new_vcalendar();

	icalcomponent_add_property(
	        cal,
	        icalproperty_new_prodid(prodid ? prodid : CAL_DEFAULT_PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	return cal;
}

static void add_x(icalcomponent *c, const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value);

	icalproperty_set_x_name(p, name);
	icalcomponent_add_property(c, p);
}

static void feed_header(icalcomponent *cal, const struct cal_feed_opts *o)
{
	const char *refresh =
	        o && o->refresh ? o->refresh : CAL_DEFAULT_REFRESH;
	struct icaldurationtype d = icaldurationtype_from_string(refresh);
	icalproperty *p;

	if (icaldurationtype_is_bad_duration(d)) {
		refresh = CAL_DEFAULT_REFRESH;
		d = icaldurationtype_from_string(refresh);
	}
	if (o && o->name && *o->name) {
		icalcomponent_add_property(cal, icalproperty_new_name(o->name));
		add_x(cal, "X-WR-CALNAME", o->name);
	}
	p = icalproperty_new_refreshinterval(d);
	icalproperty_add_parameter(
	        p, icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(cal, p);
	add_x(cal, "X-PUBLISHED-TTL", refresh);
}

/* Serialise CAL (freeing it) into a malloc'd string. */
static char *finish(icalcomponent *cal, size_t *len)
{
	char *s = icalcomponent_as_ical_string_r(cal);

	icalcomponent_free(cal);
	if (s && len)
		*len = strlen(s);
	return s;
}

/* A growing byte buffer for the serialised components. */
struct outbuf {
	char *p;
	size_t len, cap;
};

static int outbuf_add(struct outbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap)))
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Serialise C with libical, free it, and append its text to B. */
static int outbuf_add_comp(struct outbuf *b, icalcomponent *c)
{
	char *s = icalcomponent_as_ical_string_r(c);
	int rc = s ? outbuf_add(b, s, strlen(s)) : -1;

	icalcomponent_free(c);
	free(s);
	return rc;
}

/*
 * Every byte still comes from libical, but one component at a time: each
 * VEVENT is serialised and freed as soon as it is built, instead of one
 * tree of 10,000 components serialised at the end (which spent most of its
 * time in the allocator).  The calendar itself (properties and VTIMEZONEs)
 * is serialised last and the events are placed before its END line, where
 * libical puts subcomponents.
 */
char *cal_render_feed(const struct cal_feed_opts *o, const struct cal_event *ev,
                      size_t nev, const struct cal_deadline *dl, size_t ndl,
                      size_t *len)
{
	static const char end[] = "END:VCALENDAR\r\n";
	struct zone_set zs = {0};
	struct outbuf items = {0}, out = {0};
	icalcomponent *cal, *c;
	char *shell = NULL;
	size_t sl, el = sizeof(end) - 1;

	for (size_t i = 0; i < nev; i++)
		if (!(c = event_comp(&ev[i], &zs)) ||
		    outbuf_add_comp(&items, c))
			goto fail;
	for (size_t i = 0; i < ndl; i++)
		if (!(c = deadline_comp(&dl[i], &zs)) ||
		    outbuf_add_comp(&items, c))
			goto fail;
	cal = calendar_new(o ? o->prodid : NULL, ICAL_METHOD_PUBLISH);
	feed_header(cal, o);
	if (add_timezones(cal, &zs) < 0) {
		icalcomponent_free(cal);
		goto fail;
	}
	shell = finish(cal, &sl);
	if (!shell || sl < el || strcmp(shell + sl - el, end) != 0 ||
	    outbuf_add(&out, shell, sl - el) ||
	    (items.len && outbuf_add(&out, items.p, items.len)) ||
	    outbuf_add(&out, end, el))
		goto fail;
	free(shell);
	free(items.p);
	free(zs.v);
	if (len)
		*len = out.len;
	return out.p;
fail:
	free(shell);
	free(items.p);
	free(out.p);
	free(zs.v);
	return NULL;
}

/* ORGANIZER or ATTENDEE with CN and a mailto: address. */
static icalproperty *cal_address(icalproperty_kind k, const char *email,
                                 const char *name)
{
	icalproperty *p;
	char *mailto;

	if (asprintf(&mailto, "mailto:%s", email) < 0)
		return NULL;
	p = k == ICAL_ORGANIZER_PROPERTY ? icalproperty_new_organizer(mailto)
	                                 : icalproperty_new_attendee(mailto);
	free(mailto);
	if (name && *name)
		icalproperty_add_parameter(p, icalparameter_new_cn(name));
	return p;
}

char *cal_render_itip(const struct cal_itip *it, const struct cal_event *ev,
                      size_t *len)
{
	struct zone_set zs = {0};
	icalproperty_method method;
	icalcomponent *cal, *vev;
	icalproperty *org, *att;
	struct cal_event e;

	if (!it || !ev || !it->method || !it->organizer_email ||
	    !*it->organizer_email || !it->attendee_email ||
	    !*it->attendee_email)
		return NULL;
	if (strcmp(it->method, "REQUEST") == 0)
		method = ICAL_METHOD_REQUEST;
	else if (strcmp(it->method, "CANCEL") == 0)
		method = ICAL_METHOD_CANCEL;
	else
		return NULL;
	e = *ev;
	if (method == ICAL_METHOD_REQUEST && e.status == CAL_DRAFT)
		e.status = CAL_PUBLISHED; /* an invitation is to a real event */
	if (!(vev = event_comp(&e, &zs)))
		return NULL;
	if (method == ICAL_METHOD_CANCEL && e.status != CAL_CANCELLED) {
		/* one attendee removed from a running event: no STATUS */
		icalproperty *st = icalcomponent_get_first_property(
		        vev, ICAL_STATUS_PROPERTY);
		if (st) {
			icalcomponent_remove_property(vev, st);
			icalproperty_free(st);
		}
	}
	if (it->dtstamp)
		icalcomponent_set_dtstamp(vev, utc_time(it->dtstamp));
	org = cal_address(ICAL_ORGANIZER_PROPERTY, it->organizer_email,
	                  it->organizer_name);
	att = cal_address(ICAL_ATTENDEE_PROPERTY, it->attendee_email,
	                  it->attendee_name);
	if (!org || !att) {
		if (org)
			icalproperty_free(org);
		if (att)
			icalproperty_free(att);
		icalcomponent_free(vev);
		free(zs.v);
		return NULL;
	}
	icalproperty_add_parameter(
	        att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(
	        att, icalparameter_new_partstat(ICAL_PARTSTAT_ACCEPTED));
	icalproperty_add_parameter(
	        att, icalparameter_new_rsvp(it->rsvp ? ICAL_RSVP_TRUE
	                                             : ICAL_RSVP_FALSE));
	icalcomponent_add_property(vev, org);
	icalcomponent_add_property(vev, att);
	cal = calendar_new(it->prodid, method);
	if (add_timezones(cal, &zs) < 0) {
		icalcomponent_free(cal);
		icalcomponent_free(vev);
		free(zs.v);
		return NULL;
	}
	free(zs.v);
	icalcomponent_add_component(cal, vev);
	return finish(cal, len);
}
