/* import.h - convenectl import: the VEVENT time conversion (import_time.c)
 * that import.c uses to build POST /api/events bodies. */
#ifndef CONVENECTL_IMPORT_H
#define CONVENECTL_IMPORT_H

#include <jansson.h>
#include <libical/ical.h>
#include <stddef.h>

/* The value of X- property NAME of C (e.g. "X-WR-TIMEZONE"; owned by C),
 * or NULL. */
const char *import_x_prop(icalcomponent *c, const char *name);

/* TZID as an IANA zone name: a Windows name through a table, an IANA name
 * as is or after a prefix (/freeassociation.sourceforge.net/...), else the
 * X-LIC-LOCATION of CAL's VTIMEZONE with that TZID (CAL may be NULL).
 * Returns a pointer into TZID, a static table or CAL, or NULL if unknown. */
const char *import_zone_resolve(const char *tzid, icalcomponent *cal);

/* Set "tz", "all_day", "start" and "end" of BODY from event EV of calendar
 * CAL (DEFZONE: its X-WR-TIMEZONE as an IANA name, or NULL).  Returns 0,
 * or -1 with REASON set when the event cannot be imported as it is. */
int import_event_times(icalcomponent *ev, icalcomponent *cal,
                       const char *defzone, json_t *body, char *reason,
                       size_t len);

#endif
