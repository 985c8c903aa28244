/* inparse_cal.c - the iTIP facts of a received calendar part, read with
 * libical: METHOD, UID, SEQUENCE, DTSTAMP, RECURRENCE-ID, ORGANIZER and
 * each ATTENDEE with its PARTSTAT and DELEGATED-TO. */
#include "inparse_int.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

/* A parameter of P as a heap string (libical's), or NULL. */
static char *param(icalproperty *p, const char *name)
{
	return icalproperty_get_parameter_as_string_r(p, name);
}

static char *value_r(icalproperty *p)
{
	return icalproperty_get_value_as_string_r(p);
}

/* Copy a libical heap string into a clean line and free the original. */
static char *take_line(struct ip_ctx *ctx, char *s)
{
	char *out = ip_line(ctx, s);

	icalmemory_free_buffer(s);
	return out;
}

/* The first address of a DELEGATED-TO list ("mailto:a","mailto:b"). */
static char *first_addr(struct ip_ctx *ctx, char *list)
{
	char *out, *comma;

	if (list == NULL)
		return NULL;
	comma = strchr(list, ',');
	if (comma)
		*comma = '\0';
	out = ip_addr(ctx, list);
	icalmemory_free_buffer(list);
	return out;
}

static int is_mailto(const char *v)
{
	while (v && (*v == ' ' || *v == '\t'))
		v++;
	return v && g_ascii_strncasecmp(v, "mailto:", 7) == 0;
}

static void read_attendee(struct ip_ctx *ctx, icalproperty *p,
                          struct inparse_attendee *a)
{
	const char *v = icalproperty_get_attendee(p);
	char *partstat = param(p, "PARTSTAT");
	char *email = param(p, "EMAIL");
	char *cn = param(p, "CN");

	if (is_mailto(v) || (email == NULL && v && strchr(v, '@')))
		a->address = ip_addr(ctx, v);
	else
		a->address = ip_addr(ctx, email ? email : "");
	a->partstat = partstat ? ip_line(ctx, partstat) : ip_line(ctx, "");
	if (a->partstat)
		for (char *c = a->partstat; *c; c++)
			*c = g_ascii_toupper(*c);
	a->delegated_to = first_addr(ctx, param(p, "DELEGATED-TO"));
	a->name = cn ? ip_line(ctx, cn) : NULL;
	icalmemory_free_buffer(partstat);
	icalmemory_free_buffer(email);
	icalmemory_free_buffer(cn);
}

static icalcomponent *first_item(icalcomponent *cal)
{
	icalcomponent *c;

	for (c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT);
	     c != NULL;
	     c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(c);

		if (k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
		    k == ICAL_VJOURNAL_COMPONENT ||
		    k == ICAL_VFREEBUSY_COMPONENT)
			return c;
	}
	return NULL;
}

static char *upper_line(struct ip_ctx *ctx, const char *s)
{
	char *out = ip_line(ctx, s);

	if (out)
		for (char *c = out; *c; c++)
			*c = g_ascii_toupper(*c);
	return out;
}

static void read_item(struct ip_ctx *ctx, icalcomponent *ev,
                      struct inparse_result *out)
{
	icalproperty *p;
	size_t n = 0;

	if ((p = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY)))
		out->uid = ip_line(ctx, icalproperty_get_uid(p));
	if ((p = icalcomponent_get_first_property(ev,
	                                          ICAL_SEQUENCE_PROPERTY))) {
		int seq = icalproperty_get_sequence(p);
		out->sequence = seq < 0 ? 0 : seq;
	}
	if ((p = icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY))) {
		struct icaltimetype t = icalproperty_get_dtstamp(p);

		/* DTSTAMP is UTC by definition (RFC 5545 3.8.7.2) */
		if (!icaltime_is_null_time(t) && icaltime_is_valid_time(t))
			out->dtstamp = (int64_t)icaltime_as_timet(t);
	}
	if ((p = icalcomponent_get_first_property(
	             ev, ICAL_RECURRENCEID_PROPERTY))) {
		out->recurrence_id = take_line(ctx, value_r(p));
		out->recurrence_tzid = take_line(ctx, param(p, "TZID"));
	}
	if ((p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY)))
		out->dtstart = take_line(ctx, value_r(p));
	if ((p = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY)))
		out->dtend = take_line(ctx, value_r(p));
	if ((p = icalcomponent_get_first_property(ev,
	                                          ICAL_ORGANIZER_PROPERTY))) {
		const char *v = icalproperty_get_organizer(p);
		char *email = param(p, "EMAIL");

		out->organizer =
		        ip_addr(ctx, is_mailto(v) || email == NULL ? v : email);
		icalmemory_free_buffer(email);
	}
	if ((p = icalcomponent_get_first_property(ev, ICAL_COMMENT_PROPERTY)))
		out->comment = ip_line(ctx, icalproperty_get_comment(p));
	for (p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY);
	     p && out->comment == NULL;
	     p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(p);

		if (name &&
		    g_ascii_strcasecmp(name,
		                       "X-CALENDARSERVER-PRIVATE-COMMENT") == 0)
			out->comment = ip_line(ctx, icalproperty_get_x(p));
	}

	for (p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	     p; p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY))
		n++;
	if (n > IP_MAX_ATTENDEES)
		n = IP_MAX_ATTENDEES;
	if (n == 0)
		return;
	out->attendees = ip_alloc(ctx, n * sizeof(*out->attendees));
	if (out->attendees == NULL)
		return;
	memset(out->attendees, 0, n * sizeof(*out->attendees));
	for (p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	     p && out->nattendees < n;
	     p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY))
		read_attendee(ctx, p, &out->attendees[out->nattendees++]);
}

int ip_cal_read(struct ip_ctx *ctx, const char *text, const char *mime_method,
                struct inparse_result *out)
{
	icalcomponent *root, *cal, *item;
	icalproperty *mp;

	root = icalparser_parse_string(text);
	if (root == NULL)
		return 0;
	cal = root;
	if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)
		cal = icalcomponent_get_first_component(
		        root, ICAL_VCALENDAR_COMPONENT);
	if (cal == NULL) {
		icalcomponent_free(root);
		return 0;
	}
	if (icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT)
		item = first_item(cal);
	else
		item = cal; /* a bare VEVENT without VCALENDAR */
	if (item == NULL ||
	    (icalcomponent_isa(item) != ICAL_VEVENT_COMPONENT &&
	     icalcomponent_isa(item) != ICAL_VTODO_COMPONENT &&
	     icalcomponent_isa(item) != ICAL_VJOURNAL_COMPONENT &&
	     icalcomponent_isa(item) != ICAL_VFREEBUSY_COMPONENT)) {
		icalcomponent_free(root);
		return 0;
	}
	mp = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
	if (mp != NULL && item != cal) {
		char *m = take_line(ctx, value_r(mp));

		if (m != NULL && *m != '\0') {
			for (char *c = m; *c; c++)
				*c = g_ascii_toupper(*c);
			out->method = m;
		} else {
			free(m);
		}
	}
	if (out->method == NULL && mime_method != NULL)
		out->method = upper_line(ctx, mime_method);
	if (out->method == NULL)
		out->method = ip_line(ctx, "");
	out->mime_method = mime_method ? upper_line(ctx, mime_method) : NULL;
	read_item(ctx, item, out);
	icalcomponent_free(root);
	return 1;
}
