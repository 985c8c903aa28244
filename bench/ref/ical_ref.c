/* ical_ref.c - the physical reference for a feed's cold render: libical
 * alone serialising the same components.  Parses FILE (the feed convened
 * served; untimed) into its VCALENDAR, so the components and their
 * properties are exactly the feed's, then times
 * icalcomponent_as_ical_string_r of the whole VCALENDAR, the first call in
 * the process (cold, like the first request after a start).  Prints the
 * milliseconds, the bytes and the number of VEVENT/VTODO components.
 *
 * usage: ical_ref FILE */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	icalcomponent *cal;
	FILE *f;
	char *text, *out;
	long len;
	size_t n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: ical_ref FILE\n");
		return 2;
	}
	if (!(f = fopen(argv[1], "rb")) || fseek(f, 0, SEEK_END) < 0 ||
	    (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(text = malloc((size_t)len + 1)) ||
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		perror(argv[1]);
		return 1;
	}
	fclose(f);
	text[len] = '\0';
	cal = icalparser_parse_string(text);
	free(text);
	if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		fprintf(stderr, "ical_ref: %s is no VCALENDAR\n", argv[1]);
		return 1;
	}
	for (icalcomponent *c =
	             icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c; c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT))
		if (icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT ||
		    icalcomponent_isa(c) == ICAL_VTODO_COMPONENT)
			n++;
	clock_gettime(CLOCK_MONOTONIC, &a);
	out = icalcomponent_as_ical_string_r(cal);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!out)
		return 1;
	printf("%.3f ms %zu bytes %zu components\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e3 +
	        (b.tv_nsec - a.tv_nsec) / 1e6),
	       strlen(out), n);
	free(out);
	icalcomponent_free(cal);
	return 0;
}
