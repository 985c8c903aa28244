/* cmd_reg.c - convenectl commands for registrations, the attendance report,
 * the outbox and import. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "kinds.h"

/* GET PATH as CSV and copy the body to stdout.  Asks with Accept:
 * text/csv; when the answer is not CSV, again with ?format=csv. */
static int get_csv(struct ctl *c, const char *path)
{
	struct ctl_resp r;
	char *alt = NULL;
	int rc = 1;

	if (ctl_http(c, "GET", path, NULL, "text/csv", &r) < 0)
		return 1;
	if (r.status >= 200 && r.status < 300 &&
	    strncmp(r.ctype, "text/csv", 8) != 0) {
		ctl_resp_free(&r);
		if (asprintf(&alt, "%s%sformat=csv", path,
		             strchr(path, '?') ? "&" : "?") < 0 ||
		    ctl_http(c, "GET", alt, NULL, "text/csv", &r) < 0) {
			free(alt);
			return 1;
		}
		free(alt);
	}
	if (r.status < 200 || r.status > 299) {
		ctl_print_error(&r);
	} else {
		fwrite(r.body, 1, r.len, stdout);
		rc = 0;
	}
	ctl_resp_free(&r);
	return rc;
}

static const struct ctl_opt reg_opts[] = {
        {.name = "csv",
         .field = "csv",
         .type = CTL_FLAG,
         .help = "CSV instead of a table"},
        {.name = "state",
         .field = "state",
         .type = CTL_LOCAL,
         .meta = "S",
         .help = "only pending, confirmed, waitlisted or cancelled"},
        {.name = "q",
         .field = "q",
         .type = CTL_LOCAL,
         .meta = "TEXT",
         .help = "only those whose name, address or organisation contains "
                 "TEXT (not with --csv)"},
        CTL_PAGE_OPTS("registrations"),
        {0},
};

static const struct ctl_opt report_opts[] = {
        {.name = "csv",
         .field = "csv",
         .type = CTL_FLAG,
         .help = "CSV instead of a table"},
        {.name = "participants",
         .field = "participants",
         .type = CTL_FLAG,
         .help = "the list of participants, not only the counts"},
        {.name = "group",
         .field = "group",
         .type = CTL_LOCAL,
         .meta = "KEY",
         .help = "each event split by the groups of choice question KEY"},
        {0},
};

/* ----------------------------------------------------------- registrations */

static int registrations(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"STATE", "state"},
	        {"WAIT", "waitlist_position"},
	        {"NAME", "name"},
	        {"EMAIL", "email"},
	        {"ORGANISATION", "organisation"},
	        {"COUNTRY", "country"},
	        {0},
	};
	static const char *const keys[] = {"state", "q", "before", "limit",
	                                   NULL};
	char *e = ctl_escape(pos[0]), *base = NULL, *path;
	int rc;

	if (e == NULL || asprintf(&base, "/api/events/%s/registrations", e) < 0)
		base = NULL;
	free(e);
	if (base == NULL)
		return 1;
	path = ctl_query_path(base, keys, f);
	free(base);
	if (path == NULL)
		return 1;
	if (json_is_true(json_object_get(f, "csv")))
		rc = get_csv(c, path);
	else
		rc = ctl_list_page(c, path, cols);
	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_registrations = {
        .name = "registrations",
        .usage = "EVENT [--state S] [--q TEXT] [--before ID] [--limit N] "
                 "[--csv]",
        .about = "list an event's registrations",
        .opts = reg_opts,
        .npos = 1,
        .exec = registrations,
};

static int registration_cancel(struct ctl *c, const struct ctl_cmd *cmd,
                               char **pos, json_t *f)
{
	return ctl_on_id(c, "POST", "/api/registrations/%s/cancel", pos[0],
	                 NULL);
}

const struct ctl_cmd ctl_cmd_registration_cancel = {
        .name = "registration cancel",
        .usage = "ID",
        .about = "cancel a registration (the first on the waiting list "
                 "moves up)",
        .npos = 1,
        .exec = registration_cancel,
};

static int registration_resend(struct ctl *c, const struct ctl_cmd *cmd,
                               char **pos, json_t *f)
{
	return ctl_on_id(c, "POST", "/api/registrations/%s/resend", pos[0],
	                 NULL);
}

const struct ctl_cmd ctl_cmd_registration_resend = {
        .name = "registration resend",
        .usage = "ID",
        .about = "send the person their link again (the mail of the "
                 "registration's state)",
        .npos = 1,
        .exec = registration_resend,
};

static const char *const correct_roles[] = {"official", "elected", "other",
                                            NULL};
static const char *const correct_langs[] = {"en", "sv", "it", "pl",
                                            "es", "fi", NULL};

static const struct ctl_opt correct_opts[] = {
        {.name = "name", .field = "name", .meta = "NAME", .help = "name"},
        {.name = "organisation",
         .field = "organisation",
         .meta = "ORG",
         .help = "organisation (found or created; with --country)"},
        {.name = "country",
         .field = "country",
         .meta = "CC",
         .help = "the organisation's ISO 3166-1 country code, e.g. PL"},
        {.name = "organisation-id",
         .field = "organisation_id",
         .type = CTL_INT,
         .meta = "N",
         .help = "an existing organisation instead"},
        {.name = "role",
         .field = "role",
         .meta = "R",
         .choices = correct_roles,
         .help = "role"},
        {.name = "language",
         .field = "language",
         .meta = "L",
         .choices = correct_langs,
         .help = "language of mails and pages"},
        {0},
};

static int registration_correct(struct ctl *c, const struct ctl_cmd *cmd,
                                char **pos, json_t *f)
{
	char *e = ctl_escape(pos[0]), *path = NULL;
	json_t *v;

	if (json_object_size(f) == 0) {
		free(e);
		ctl_err("registration correct: nothing to change (see --help)");
		return 1;
	}
	if (e == NULL || asprintf(&path, "/api/registrations/%s", e) < 0)
		path = NULL;
	free(e);
	if (path == NULL)
		return 1;
	v = ctl_call(c, "PATCH", path, f);
	free(path);
	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else
		ctl_show(json_object_get(v, "registration"));
	json_decref(v);
	return 0;
}

const struct ctl_cmd ctl_cmd_registration_correct = {
        .name = "registration correct",
        .usage = "ID [--name N] [--organisation O --country CC | "
                 "--organisation-id N] [--role R] [--language L]",
        .about = "correct the details of a registration's person",
        .opts = correct_opts,
        .npos = 1,
        .exec = registration_correct,
};

/* -------------------------------------------------------------- reports */

/* The per-event table of an attendance report, then the totals. */
static void print_report(json_t *v, int participants)
{
	static const struct ctl_col ev_cols[] = {
	        {"EVENT", "id"},           {"START", "start"},
	        {"CITY", "city"},          {"CONFIRMED", "confirmed"},
	        {"ORGS", "organisations"}, {"COUNTRIES", "countries"},
	        {"TITLE", "title"},        {0},
	};
	static const struct ctl_col p_cols[] = {
	        {"NAME", "name"},
	        {"EMAIL", "email"},
	        {"ORGANISATION", "organisation"},
	        {"COUNTRY", "country"},
	        {"ROLE", "role"},
	        {0},
	};
	json_t *events = json_object_get(v, "events");
	json_t *total = json_object_get(v, "project");
	const char *k;
	json_t *m;

	if (!json_is_object(total))
		total = json_object_get(v, "totals");
	if (json_is_array(events))
		ctl_table(events, ev_cols);
	if (json_is_object(json_object_get(v, "group")) &&
	    json_is_array(events)) {
		static const struct ctl_col g_cols[] = {
		        {"GROUP", "value"},         {"LABEL", "label"},
		        {"CAPACITY", "capacity"},   {"CONFIRMED", "confirmed"},
		        {"ATTENDED", "attended"},   {"ORGS", "organisations"},
		        {"COUNTRIES", "countries"}, {0},
		};
		size_t i;
		json_t *ev;

		json_array_foreach(events, i, ev)
		{
			json_t *g = json_object_get(ev, "groups");
			char *t = ctl_cell(ev, "title");

			if (json_is_array(g)) {
				printf("\nevent %lld by group: %s\n",
				       (long long)json_integer_value(
				               json_object_get(ev, "id")),
				       t);
				ctl_table(g, g_cols);
			}
			free(t);
		}
	}
	if (participants && json_is_array(events)) {
		size_t i;
		json_t *ev;

		json_array_foreach(events, i, ev)
		{
			json_t *list = json_object_get(ev, "participants");
			char *t = ctl_cell(ev, "title");

			printf("\nevent %lld: %s\n",
			       (long long)json_integer_value(
			               json_object_get(ev, "id")),
			       t);
			free(t);
			if (json_is_array(list))
				ctl_table(list, p_cols);
		}
	}
	if (json_is_object(total)) {
		printf("\n");
		json_object_foreach(total, k, m)
		{
			if (json_is_array(m) || json_is_object(m))
				continue;
			char *s = ctl_cell(total, k);
			printf("%s: %s\n", k, s);
			free(s);
		}
	}
	if (!json_is_array(events) && !json_is_object(total))
		ctl_show(v);
}

static int report_attendance(struct ctl *c, const struct ctl_cmd *cmd,
                             char **pos, json_t *f)
{
	const char *group = json_string_value(json_object_get(f, "group"));
	int csv = json_is_true(json_object_get(f, "csv"));
	char *e = ctl_escape(pos[0]), *g = group ? ctl_escape(group) : NULL;
	char *path = NULL;
	json_t *v;
	int rc = 1;

	if (e == NULL || (group && g == NULL) ||
	    asprintf(&path, "/api/reports/attendance?project=%s%s%s%s", e,
	             json_is_true(json_object_get(f, "participants")) && csv
	                     ? "&view=participants"
	             : g && csv ? "&view=groups"
	                        : "",
	             g ? "&group=" : "", g ? g : "") < 0)
		path = NULL;
	free(e);
	free(g);
	if (path == NULL)
		return 1;
	if (json_is_true(json_object_get(f, "csv"))) {
		rc = get_csv(c, path);
	} else if ((v = ctl_call(c, "GET", path, NULL)) != NULL) {
		if (c->json)
			ctl_print_json(v);
		else
			print_report(v, json_is_true(json_object_get(
			                        f, "participants")));
		json_decref(v);
		rc = 0;
	}
	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_report_attendance = {
        .name = "report attendance",
        .usage = "PROJECT [--participants] [--csv] [--group KEY]",
        .about = "participants, organisations and countries per event",
        .opts = report_opts,
        .npos = 1,
        .exec = report_attendance,
};

/* ------------------------------------------------------------------ outbox */

static int outbox(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                  json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"STATE", "state"},
	        {"KIND", "kind"},
	        {"CHANNEL", "channel"},
	        {"RECIPIENT", "recipient"},
	        {"DUE", "due_at"},
	        {"TRIES", "attempts"},
	        {"ERROR", "last_error"},
	        {0},
	};
	static const char *const keys[] = {"state",  "kind",  "event",
	                                   "before", "limit", NULL};
	char *path;
	int rc;

	if (json_is_true(json_object_get(f, "failed")))
		json_object_set_new(f, "state", json_string("failed"));
	path = ctl_query_path("/api/outbox", keys, f);
	rc = path ? ctl_list_page(c, path, cols) : 1;
	free(path);
	return rc;
}

static const struct ctl_opt outbox_opts[] = {
        {.name = "state",
         .field = "state",
         .type = CTL_LOCAL,
         .meta = "S",
         .help = "pending, sending, sent, failed or cancelled"},
        {.name = "failed",
         .field = "failed",
         .type = CTL_FLAG,
         .help = "only failed notifications (--state failed)"},
        {.name = "kind",
         .field = "kind",
         .type = CTL_LOCAL,
         .meta = "K",
         .choices = kinds_notification},
        {.name = "event",
         .field = "event",
         .type = CTL_LOCAL,
         .meta = "ID",
         .help = "only notifications about this event"},
        CTL_PAGE_OPTS("notifications"),
        {0},
};

const struct ctl_cmd ctl_cmd_outbox = {
        .name = "outbox",
        .usage = "[--state S] [--failed] [--kind K] [--event ID] "
                 "[--before ID] [--limit N]",
        .about = "list notifications in the outbox, newest first, a page "
                 "at a time",
        .opts = outbox_opts,
        .exec = outbox,
};

static int outbox_retry(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	return ctl_on_id(c, "POST", "/api/outbox/%s/retry", pos[0], NULL);
}

const struct ctl_cmd ctl_cmd_outbox_retry = {
        .name = "outbox retry",
        .usage = "ID",
        .about = "send a failed notification again",
        .npos = 1,
        .exec = outbox_retry,
};

/* ------------------------------------------------------------------ import */

static const struct ctl_opt import_opts[] = {
        {.name = "project",
         .field = "project",
         .type = CTL_STR,
         .required = 1,
         .meta = "SLUG",
         .help = "the project to import into"},
        {.name = "kind",
         .field = "kind",
         .type = CTL_STR,
         .meta = "K",
         .choices = kinds_event,
         .help = "kind of the events (default meeting)"},
        {.name = "status",
         .field = "status",
         .type = CTL_STR,
         .meta = "S",
         .help = "draft (default) or published"},
        {0},
};

const struct ctl_cmd ctl_cmd_import = {
        .name = "import",
        .usage = "FILE.ics --project SLUG [--kind K] [--status S]",
        .about = "import the events of an iCalendar file",
        .opts = import_opts,
        .npos = 1,
        .exec = ctl_import,
};

/* ------------------------------------------------------------------ health */

static int health(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                  json_t *f)
{
	struct ctl_resp r;
	int ok;

	if (ctl_http(c, "GET", "/healthz", NULL, NULL, &r) < 0)
		return 1;
	ok = r.status == 200;
	if (c->json)
		fwrite(r.body, 1, r.len, stdout), putchar('\n');
	else if (ok)
		printf("ok\n");
	if (!ok)
		ctl_print_error(&r);
	ctl_resp_free(&r);
	return ok ? 0 : 1;
}

const struct ctl_cmd ctl_cmd_health = {
        .name = "health",
        .usage = "",
        .about = "check the daemon's /healthz (exit 0 when it and the "
                 "database answer)",
        .noauth = 1,
        .exec = health,
};
