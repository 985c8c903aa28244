/* fuzz_ical_import.c - libFuzzer target: iCalendar import as convenectl
 * import reads a file: libical parses it, each VEVENT's UID, SUMMARY,
 * DTSTART/DTEND and TZID are read and the local times converted with
 * cal_local_to_utc.  (Switch to ctl/import.c's parser once it exists.) */
#include <libical/ical.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cal.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (cal_init() < 0)
		abort();
	return 0;
}

static void one_time(icalcomponent *ev, icalproperty_kind k)
{
	icalproperty *p = icalcomponent_get_first_property(ev, k);
	icalparameter *tzp;
	struct icaltimetype t;
	char local[32];
	int64_t out;

	if (p == NULL)
		return;
	t = icalproperty_get_dtstart(p); /* same value type for DTEND */
	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
		return;
	tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	snprintf(local, sizeof(local), "%04d-%02d-%02dT%02d:%02d:%02d", t.year,
	         t.month, t.day, t.hour, t.minute, t.second);
	(void)cal_local_to_utc(tzp ? icalparameter_get_tzid(tzp) : "UTC", local,
	                       &out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	icalcomponent *root, *ev;

	if (s == NULL)
		return 0;
	root = icalparser_parse_string(s);
	if (root != NULL) {
		for (ev = icalcomponent_get_first_component(
		             root, ICAL_VEVENT_COMPONENT);
		     ev; ev = icalcomponent_get_next_component(
		                 root, ICAL_VEVENT_COMPONENT)) {
			(void)icalcomponent_get_uid(ev);
			(void)icalcomponent_get_summary(ev);
			(void)icalcomponent_get_first_property(
			        ev, ICAL_RRULE_PROPERTY);
			one_time(ev, ICAL_DTSTART_PROPERTY);
			one_time(ev, ICAL_DTEND_PROPERTY);
		}
		icalcomponent_free(root);
	}
	free(s);
	return 0;
}
