/* cmd_paper.c - convenectl commands for the funder's paper: an event's
 * signature sheets as PDF and its certificates of attendance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *const paper_langs[] = {"en", "sv", "it", "pl",
                                          "es", "fi", NULL};

static const struct ctl_opt sheets_opts[] = {
        {.name = "output",
         .field = "output",
         .type = CTL_LOCAL,
         .required = 1,
         .letter = 'o',
         .meta = "FILE",
         .help = "write the PDF to FILE (- for standard output)"},
        {.name = "day",
         .field = "day",
         .type = CTL_LOCAL,
         .meta = "YYYY-MM-DD",
         .help = "only that day's sheets"},
        {.name = "lang",
         .field = "lang",
         .type = CTL_LOCAL,
         .meta = "LANG",
         .choices = paper_langs,
         .help = "the language of the sheets' words"},
        {.name = "group",
         .field = "group",
         .type = CTL_LOCAL,
         .meta = "KEY",
         .help = "one sheet per group (option) of choice question KEY "
                 "instead of per town"},
        {.name = "columns",
         .field = "columns",
         .type = CTL_LOCAL,
         .meta = "KEY,KEY",
         .help = "these questions' answers as columns (default: the "
                 "questions flagged evidence; \"\" for none)"},
        {0},
};

/* Write BODY to PATH ("-": stdout).  0 or 1. */
static int write_file(const char *path, const char *body, size_t len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");

	if (f == NULL) {
		ctl_err("%s: cannot write: %m", path);
		return 1;
	}
	if (fwrite(body, 1, len, f) != len || (f != stdout && fclose(f) != 0)) {
		ctl_err("%s: cannot write: %m", path);
		return 1;
	}
	return 0;
}

static int event_sheets(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	const char *out = json_string_value(json_object_get(f, "output"));
	const char *day = json_string_value(json_object_get(f, "day"));
	const char *lang = json_string_value(json_object_get(f, "lang"));
	const char *group = json_string_value(json_object_get(f, "group"));
	const char *cols = json_string_value(json_object_get(f, "columns"));
	char *id = ctl_escape(pos[0]), *d = day ? ctl_escape(day) : NULL;
	char *g = group ? ctl_escape(group) : NULL;
	char *k = cols ? ctl_escape(cols) : NULL;
	char *path = NULL;
	struct ctl_resp r;
	int rc = 1;

	if (id == NULL || (day && d == NULL) || (group && g == NULL) ||
	    (cols && k == NULL) ||
	    asprintf(&path, "/api/events/%s/sheets.pdf?lang=%s%s%s%s%s%s%s", id,
	             lang ? lang : "en", d ? "&day=" : "", d ? d : "",
	             g ? "&group=" : "", g ? g : "", k ? "&columns=" : "",
	             k ? k : "") < 0)
		path = NULL;
	free(id);
	free(d);
	free(g);
	free(k);
	if (path == NULL)
		return 1;
	if (ctl_http(c, "GET", path, NULL, "application/pdf", &r) == 0) {
		if (r.status < 200 || r.status > 299)
			ctl_print_error(&r);
		else
			rc = write_file(out, r.body, r.len);
		ctl_resp_free(&r);
	}
	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_event_sheets = {
        .name = "event sheets",
        .usage = "ID -o FILE [--day YYYY-MM-DD] [--lang LANG] [--group KEY] "
                 "[--columns KEY,KEY]",
        .about = "the signature sheets (per day and invited town, or per "
                 "group) as PDF",
        .opts = sheets_opts,
        .npos = 1,
        .exec = event_sheets,
};

static int event_certificates(struct ctl *c, const struct ctl_cmd *cmd,
                              char **pos, json_t *f)
{
	char *id = ctl_escape(pos[0]), *path = NULL;
	json_t *v;
	int rc = 1;

	if (id == NULL ||
	    asprintf(&path, "/api/events/%s/certificates", id) < 0)
		path = NULL;
	free(id);
	if (path == NULL)
		return 1;
	if ((v = ctl_call(c, "POST", path, NULL)) != NULL) {
		if (c->json)
			ctl_print_json(v);
		else
			printf("%lld certificates queued (%lld attendees had "
			       "one already)\n",
			       (long long)json_integer_value(
			               json_object_get(v, "queued")),
			       (long long)json_integer_value(
			               json_object_get(v, "already")));
		json_decref(v);
		rc = 0;
	}
	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_event_certificates = {
        .name = "event certificates",
        .usage = "ID",
        .about = "mail a certificate of attendance (PDF) to every attendee "
                 "who has none yet",
        .npos = 1,
        .exec = event_certificates,
};
