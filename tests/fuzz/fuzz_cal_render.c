/* fuzz_cal_render.c - libFuzzer target: feeds and iTIP rendered from
 * fuzzed event fields (titles, places, zones, times as the API stores
 * them).  The output must parse back with libical into exactly the events
 * given: no field can inject a line or a component. */
#include <libical/ical.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (cal_init() < 0)
		abort();
	return 0;
}

static size_t count_vevents(const char *ics)
{
	icalcomponent *root = icalparser_parse_string(ics), *c;
	size_t n = 0;

	if (root == NULL)
		return (size_t)-1;
	for (c = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
	     c;
	     c = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT))
		n++;
	icalcomponent_free(root);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[12];
	size_t n, len;
	struct cal_event ev;
	struct cal_deadline dl;
	const char *alarms[1];
	struct cal_itip it;
	char *out;
	uint8_t b;

	if (size < 1)
		return 0;
	b = data[0];
	n = fuzz_split(data + 1, size - 1, '\n', f, 12);
	if (n < 12) {
		fuzz_free_fields(f, n);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.id = 1;
	ev.uid = f[0][0] ? f[0] : "e1@fuzz";
	ev.sequence = b & 7;
	ev.kind = f[1];
	ev.title = f[2];
	ev.description = f[3];
	ev.venue = f[4];
	ev.city = f[5];
	ev.country = f[6];
	ev.tz = f[7];
	ev.all_day = (b >> 3) & 1;
	ev.start_local = f[8];
	ev.end_local = f[9];
	ev.start_utc = 1790000000;
	ev.end_utc = 1790003600;
	ev.status = (enum cal_status)((b >> 4) % 3);
	ev.url = f[10][0] ? f[10] : NULL;
	ev.created = 1780000000;
	ev.last_modified = 1780000100;

	memset(&dl, 0, sizeof(dl));
	dl.id = 2;
	dl.uid = "d2@fuzz";
	dl.kind = f[1];
	dl.title = f[2];
	dl.tz = f[7];
	dl.due_local = f[8];
	dl.due_utc = 1790000000;
	alarms[0] = f[11];
	dl.alarms = alarms;
	dl.nalarms = 1;
	dl.status = CAL_PUBLISHED;

	out = cal_render_feed(NULL, &ev, 1, &dl, 1, &len);
	if (out != NULL) {
		if (strlen(out) != len || count_vevents(out) != 2)
			abort();
		free(out);
	}
	memset(&it, 0, sizeof(it));
	it.method = (b & 0x80) ? "CANCEL" : "REQUEST";
	it.organizer_email = "office@example.org";
	it.organizer_name = f[3];
	it.attendee_email = "anna@example.se";
	it.attendee_name = f[4];
	out = cal_render_itip(&it, &ev, &len);
	if (out != NULL) {
		if (strlen(out) != len || count_vevents(out) != 1)
			abort();
		free(out);
	}
	fuzz_free_fields(f, n);
	return 0;
}
