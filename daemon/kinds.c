/* kinds.c - the one table of event, deadline, programme item and
 * notification kinds. */
#include "kinds.h"

#include <stdio.h>
#include <string.h>

const char *const kinds_event[] = {
        "meeting", "seminar", "workshop", "study_visit", "conference", NULL,
};

const char *const kinds_deadline[] = {
        "grant_submission", "report", "registration", "other", NULL,
};

const char *const kinds_programme[] = {
        "talk", "session", "break", "meal", "visit", NULL,
};

const char *const kinds_notification[] = {
        "registration_confirm_request",
        "registration_confirmed",
        "registration_waitlisted",
        "registration_promoted",
        "registration_cancelled",
        "event_reminder",
        "event_updated",
        "event_cancelled",
        "deadline_reminder",
        "inbound_forward",
        "follow_confirm_request",
        "attendance_certificate",
        NULL,
};
_Static_assert(sizeof(kinds_notification) / sizeof(kinds_notification[0]) ==
                       KINDS_NOTIFICATION_COUNT + 1,
               "KINDS_NOTIFICATION_COUNT is the number of notification kinds");

int kinds_has(const char *const *list, const char *s)
{
	if (s == NULL)
		return 0;
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int kinds_is_item(const char *s)
{
	return kinds_has(kinds_event, s) || kinds_has(kinds_deadline, s);
}

char *kinds_join(const char *const *list, const char *last, char *buf,
                 size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; list[i] && used < len; i++) {
		const char *sep = i == 0 ? "" : list[i + 1] ? ", " : last;
		int n = snprintf(buf + used, len - used, "%s%s", sep, list[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
