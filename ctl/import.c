/* import.c - `convenectl import FILE.ics --project SLUG`: the VEVENTs of an
 * iCalendar export (Outlook, Google, Thunderbird) read with libical and
 * created through POST /api/events, keeping UID, zone and all-day-ness. */
#include <ctype.h>
#include <errno.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "import.h"
#include "kinds.h"

#define MAX_FILE        (64L << 20)
#define MAX_TITLE       200
#define MAX_VENUE       200
#define MAX_DESCRIPTION 10000
#define MAX_UID         255

static const char *const event_states[] = {"draft", "published", NULL};

/* One run: the request template and the counters. */
struct imp {
	struct ctl *c;
	json_t *base;    /* project, kind, status */
	json_t *results; /* --json: one object per VEVENT */
	int imported, skipped, failed, n;
};

/* ------------------------------------------------------------------ input */

/* The whole file, NUL-terminated (caller frees), or NULL with ERR set. */
static char *read_all(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 65536) {
			char *p;
			if (cap > (size_t)MAX_FILE) {
				snprintf(err, errlen, "%s: larger than %ld MiB",
				         path, MAX_FILE >> 20);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536 * 2;
			if ((p = realloc(buf, cap + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: contains NUL bytes", path);
		free(buf);
		return NULL;
	}
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

/* Is S valid UTF-8?  Returns 0 or -1 with the byte offset in *at. */
static int utf8_check(const char *s, size_t *at)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80             ? 0
		        : (*p & 0xe0) == 0xc0 ? 1
		        : (*p & 0xf0) == 0xe0 ? 2
		        : (*p & 0xf8) == 0xf0 ? 3
		                              : -1;
		if (n < 0 || (n == 1 && *p < 0xc2))
			goto bad;
		for (int i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
		p += n + 1;
	}
	return 0;
bad:
	*at = (size_t)(p - (const unsigned char *)s);
	return -1;
}

/* The first libical error in C or below that breaks the file's structure
 * (a line that is no property, a bad parameter): its message, or NULL.
 * Value errors are left to the event they are in (see value_error). */
static const char *fatal_error(icalcomponent *c)
{
	icalproperty *p;
	icalcomponent *k;
	const char *msg;

	for (p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
	     p;
	     p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		icalparameter *t = icalproperty_get_first_parameter(
		        p, ICAL_XLICERRORTYPE_PARAMETER);
		if (t == NULL || icalparameter_get_xlicerrortype(t) !=
		                         ICAL_XLICERRORTYPE_VALUEPARSEERROR)
			return icalproperty_get_xlicerror(p);
	}
	for (k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
	     k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		if ((msg = fatal_error(k)) != NULL)
			return msg;
	return NULL;
}

/* A value libical could not read in event EV (it dropped the property), or
 * NULL.  An empty value ("LOCATION:", as Outlook writes) is no error. */
static const char *value_error(icalcomponent *ev)
{
	icalproperty *p;

	for (p = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY);
	     p;
	     p = icalcomponent_get_next_property(ev, ICAL_XLICERROR_PROPERTY)) {
		const char *m = icalproperty_get_xlicerror(p);
		if (m && strncmp(m, "No value for ", 13) != 0)
			return m;
	}
	return NULL;
}

/* ------------------------------------------------------------------- text */

/* S without surrounding white space, cut to MAX characters (malloc'd). */
static char *clean_text(const char *s, size_t max, int *cut)
{
	const char *end;
	size_t chars = 0, i;
	char *r;

	while (*s && isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	for (i = 0; s + i < end; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max) {
			*cut = 1;
			break;
		}
	}
	r = malloc(i + 1);
	if (r) {
		memcpy(r, s, i);
		r[i] = '\0';
	}
	return r;
}

/* Set FIELD of BODY from text property KIND of EV (trimmed, cut to MAX;
 * a note appended to NOTES when cut).  Returns 1 when set, 0 if absent. */
static int set_text(json_t *body, const char *field, icalcomponent *ev,
                    icalproperty_kind kind, size_t max, char *notes,
                    size_t nlen)
{
	icalproperty *p = icalcomponent_get_first_property(ev, kind);
	const char *v;
	char *t;
	int cut = 0, set;

	if (p == NULL ||
	    (v = icalvalue_get_text(icalproperty_get_value(p))) == NULL)
		return 0;
	if ((t = clean_text(v, max, &cut)) == NULL)
		return 0;
	set = *t != '\0';
	if (set)
		json_object_set_new(body, field, json_string(t));
	if (cut)
		snprintf(notes + strlen(notes), nlen - strlen(notes),
		         "; %s cut to %zu characters",
		         icalproperty_kind_to_string(kind), max);
	free(t);
	return set;
}

/* ----------------------------------------------------------------- events */

static void report(struct imp *im, const char *what, const char *title,
                   const char *uid, json_int_t id, const char *reason)
{
	if (im->results) {
		json_t *o = json_pack("{s:s, s:s?, s:s?}", "result", what,
		                      "uid", uid, "title", title);
		if (id > 0)
			json_object_set_new(o, "id", json_integer(id));
		if (reason)
			json_object_set_new(o, "reason", json_string(reason));
		json_array_append_new(im->results, o);
		return;
	}
	if (id > 0)
		printf("imported %" JSON_INTEGER_FORMAT " \"%s\" (UID %s)%s\n",
		       id, title, uid, reason ? reason : "");
	else
		printf("%s \"%s\": %s (%s%s)\n", what, title, reason,
		       uid ? "UID " : "no UID", uid ? uid : "");
}

/* The server's message in a response, or a fallback (static or in R). */
static const char *resp_message(const struct ctl_resp *r, json_t **hold,
                                const char **field)
{
	json_t *e;

	*hold = json_loads(r->body ? r->body : "", 0, NULL);
	e = json_object_get(*hold, "error");
	*field = json_string_value(json_object_get(e, "field"));
	return json_string_value(json_object_get(e, "message"));
}

/* POST the event BODY; report the outcome.  Returns -1 when the daemon
 * could not be reached (stop), else 0. */
static int post_event(struct imp *im, json_t *body, const char *title,
                      const char *uid, const char *notes)
{
	struct ctl_resp r;
	json_t *hold = NULL, *v;
	const char *msg, *field;
	char buf[600];

	if (ctl_http(im->c, "POST", "/api/events", body, NULL, &r) < 0) {
		im->failed++;
		return -1;
	}
	if (r.status == 201 && (v = json_loads(r.body, 0, NULL)) != NULL) {
		json_int_t id = json_integer_value(json_object_get(v, "id"));
		json_t *w = json_array_get(json_object_get(v, "warnings"), 0);
		snprintf(buf, sizeof(buf), "%s%s%s", notes,
		         w ? "; warning: " : "", w ? json_string_value(w) : "");
		report(im, "imported", title, uid, id > 0 ? id : 1,
		       *buf ? buf : NULL);
		im->imported++;
		json_decref(v);
	} else if (r.status >= 400 && r.status < 500) {
		msg = resp_message(&r, &hold, &field);
		if (r.status == 409 && field && strcmp(field, "uid") == 0)
			msg = "already imported";
		snprintf(buf, sizeof(buf), "%s", msg ? msg : "refused");
		if (!msg)
			snprintf(buf, sizeof(buf), "HTTP %ld", r.status);
		report(im, "skipped", title, uid, 0, buf);
		im->skipped++;
	} else {
		msg = resp_message(&r, &hold, &field);
		snprintf(buf, sizeof(buf), "HTTP %ld%s%s", r.status,
		         msg ? ": " : "", msg ? msg : "");
		report(im, "failed", title, uid, 0, buf);
		im->failed++;
	}
	json_decref(hold);
	ctl_resp_free(&r);
	return 0;
}

/* Can UID be kept (the API takes 1-255 characters, no control ones)? */
static int uid_ok(const char *uid)
{
	if (strlen(uid) > MAX_UID)
		return 0;
	for (const unsigned char *p = (const unsigned char *)uid; *p; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return 0;
	return 1;
}

/* Import one VEVENT.  Returns -1 to stop (daemon unreachable), else 0. */
static int import_event(struct imp *im, icalcomponent *ev, icalcomponent *cal,
                        const char *defzone)
{
	const char *uid = icalcomponent_get_uid(ev), *err;
	icalproperty *sp =
	        icalcomponent_get_first_property(ev, ICAL_SUMMARY_PROPERTY);
	char label[64], reason[512], notes[256] = "";
	char *title = NULL;
	json_t *body = NULL;
	int cut = 0, rc = 0;

	im->n++;
	if (sp && icalvalue_get_text(icalproperty_get_value(sp)))
		title = clean_text(
		        icalvalue_get_text(icalproperty_get_value(sp)),
		        MAX_TITLE, &cut);
	if (title && *title == '\0') {
		free(title);
		title = NULL;
	}
	snprintf(label, sizeof(label), "VEVENT %d", im->n);
	if (uid && *uid == '\0')
		uid = NULL;

	if ((err = value_error(ev)) != NULL) {
		snprintf(reason, sizeof(reason), "libical: %s", err);
	} else if (icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY) ||
	           icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY) ||
	           icalcomponent_get_first_property(ev, ICAL_EXRULE_PROPERTY) ||
	           icalcomponent_get_first_property(
	                   ev, ICAL_RECURRENCEID_PROPERTY)) {
		snprintf(reason, sizeof(reason),
		         "recurring events are not imported");
	} else if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED) {
		snprintf(reason, sizeof(reason),
		         "cancelled (STATUS:CANCELLED)");
	} else if (uid == NULL) {
		snprintf(reason, sizeof(reason),
		         "no UID (a second import could not recognise it)");
	} else if (!uid_ok(uid)) {
		snprintf(reason, sizeof(reason),
		         "the UID is longer than %d bytes or has control "
		         "characters",
		         MAX_UID);
	} else if (title == NULL) {
		snprintf(reason, sizeof(reason), "no SUMMARY (title)");
	} else {
		body = json_deep_copy(im->base);
		json_object_set_new(body, "uid", json_string(uid));
		json_object_set_new(body, "title", json_string(title));
		if (cut)
			snprintf(notes, sizeof(notes),
			         "; SUMMARY cut to %d characters", MAX_TITLE);
		set_text(body, "description", ev, ICAL_DESCRIPTION_PROPERTY,
		         MAX_DESCRIPTION, notes, sizeof(notes));
		set_text(body, "venue", ev, ICAL_LOCATION_PROPERTY, MAX_VENUE,
		         notes, sizeof(notes));
		if (import_event_times(ev, cal, defzone, body, reason,
		                       sizeof(reason)) == 0) {
			rc = post_event(im, body, title, uid, notes);
			goto out;
		}
	}
	report(im, "skipped", title ? title : label, uid, 0, reason);
	im->skipped++;
out:
	json_decref(body);
	free(title);
	return rc;
}

/* Import every VEVENT of calendar CAL.  Returns -1 to stop, else 0. */
static int import_calendar(struct imp *im, icalcomponent *cal)
{
	const char *wr = import_x_prop(cal, "X-WR-TIMEZONE"), *defzone = NULL;
	icalcomponent *ev;

	if (wr && (defzone = import_zone_resolve(wr, cal)) == NULL)
		ctl_err("import: warning: X-WR-TIMEZONE %s is not a known "
		        "time zone: ignored",
		        wr);
	for (icalcompiter it =
	             icalcomponent_begin_component(cal, ICAL_VEVENT_COMPONENT);
	     (ev = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it))
		if (import_event(im, ev, cal, defzone) < 0)
			return -1;
	return 0;
}

/* ---------------------------------------------------------------- command */

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* Parse TEXT into a VCALENDAR (or an XROOT of them).  Returns the tree
 * (caller frees), or NULL with ERR saying why nothing will be imported. */
static icalcomponent *parse_file(const char *path, const char *text, char *err,
                                 size_t len)
{
	icalcomponent *root, *k;
	const char *msg;
	size_t at;

	if (utf8_check(text, &at) < 0) {
		snprintf(err, len, "%s: not UTF-8 (byte %zu)", path, at);
		return NULL;
	}
	root = icalparser_parse_string(text);
	if (root == NULL) {
		snprintf(err, len,
		         "%s: not an iCalendar file (libical found no complete "
		         "BEGIN:VCALENDAR ... END:VCALENDAR)",
		         path);
		return NULL;
	}
	if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT) {
		for (k = icalcomponent_get_first_component(root,
		                                           ICAL_ANY_COMPONENT);
		     k; k = icalcomponent_get_next_component(
		                root, ICAL_ANY_COMPONENT))
			if (icalcomponent_isa(k) != ICAL_VCALENDAR_COMPONENT)
				break;
	} else {
		k = icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT ? NULL
		                                                        : root;
	}
	if (k != NULL) {
		snprintf(err, len,
		         "%s: %s at the top level, not in a VCALENDAR", path,
		         icalcomponent_kind_to_string(icalcomponent_isa(k)));
		icalcomponent_free(root);
		return NULL;
	}
	if ((msg = fatal_error(root)) != NULL) {
		snprintf(err, len, "%s: does not parse: %s", path, msg);
		icalcomponent_free(root);
		return NULL;
	}
	return root;
}

int ctl_import(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
               json_t *fields)
{
	struct imp im = {.c = c};
	icalcomponent *root = NULL, *cal;
	const char *kind = json_string_value(json_object_get(fields, "kind"));
	const char *status =
	        json_string_value(json_object_get(fields, "status"));
	const char *project =
	        json_string_value(json_object_get(fields, "project"));
	char err[1024], *text = NULL, *esc, *path = NULL;
	json_t *v;
	int rc = 1;

	(void)cmd;
	icaltimezone_set_builtin_tzdata(0); /* the system's zoneinfo */
	if (kind && !kinds_has(kinds_event, kind)) {
		char list[256];

		ctl_err("import: --kind %s: %s", kind,
		        kinds_join(kinds_event, " or ", list, sizeof(list)));
		return 1;
	}
	if (status && !in_list(status, event_states)) {
		ctl_err("import: --status %s: draft or published", status);
		return 1;
	}
	if ((text = read_all(pos[0], err, sizeof(err))) == NULL ||
	    (root = parse_file(pos[0], text, err, sizeof(err))) == NULL) {
		ctl_err("import: %s; nothing imported", err);
		goto out;
	}
	/* An unknown project would refuse every event: say so once. */
	if ((esc = ctl_escape(project ? project : "")) == NULL ||
	    asprintf(&path, "/api/projects/%s", esc) < 0)
		path = NULL;
	free(esc);
	if (path == NULL || (v = ctl_call(c, "GET", path, NULL)) == NULL) {
		ctl_err("import: nothing imported");
		goto out;
	}
	json_decref(v);

	im.base = json_pack("{s:s, s:s, s:s}", "project", project, "kind",
	                    kind ? kind : "meeting", "status",
	                    status ? status : "draft");
	if (c->json)
		im.results = json_array();
	if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) {
		(void)import_calendar(&im, root);
	} else {
		for (cal = icalcomponent_get_first_component(
		             root, ICAL_VCALENDAR_COMPONENT);
		     cal; cal = icalcomponent_get_next_component(
		                  root, ICAL_VCALENDAR_COMPONENT))
			if (import_calendar(&im, cal) < 0)
				break;
	}
	if (c->json) {
		v = json_pack("{s:i, s:i, s:i, s:o}", "imported", im.imported,
		              "skipped", im.skipped, "failed", im.failed,
		              "events", im.results);
		ctl_print_json(v);
		json_decref(v);
	} else {
		printf("%d imported, %d skipped", im.imported, im.skipped);
		if (im.failed)
			printf(", %d failed", im.failed);
		printf("\n");
	}
	if (im.failed)
		ctl_err("import: %d event%s failed", im.failed,
		        im.failed == 1 ? "" : "s");
	rc = im.failed ? 1 : 0;
	json_decref(im.base);
out:
	if (root)
		icalcomponent_free(root);
	icaltimezone_free_builtin_timezones();
	free(path);
	free(text);
	return rc;
}
