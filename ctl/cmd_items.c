/* cmd_items.c - convenectl commands for projects, organisations, events and
 * deadlines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ident.h"
#include "kinds.h"

static int call_print(struct ctl *c, const char *method, const char *path,
                      json_t *body)
{
	return ctl_print_item(c, ctl_call(c, method, path, body));
}

/* ---------------------------------------------------------------- projects */

static int project_add(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                       json_t *f)
{
	json_object_set_new(f, "slug", json_string(pos[0]));
	return call_print(c, "POST", "/api/projects", f);
}

static const struct ctl_opt project_opts[] = {
        {.name = "title",
         .field = "title",
         .type = CTL_STR,
         .required = 1,
         .meta = "T",
         .help = "the project's title"},
        {.name = "programme",
         .field = "programme",
         .meta = "P",
         .help = "funding programme"},
        {.name = "description",
         .field = "description",
         .meta = "D",
         .help = "a description"},
        {.name = "language",
         .field = "language",
         .meta = "L",
         .help = "the public pages' default language: en, sv, it, pl, es "
                 "or fi (default en)"},
        {0},
};

const struct ctl_cmd ctl_cmd_project_add = {
        .name = "project add",
        .usage = "SLUG --title T [--programme P] [--description D] "
                 "[--language L]",
        .about = "create a project (SLUG: 1 to 63 of a-z, 0-9 and -, "
                 "starting and ending with a letter or digit)",
        .opts = project_opts,
        .npos = 1,
        .exec = project_add,
};

static int project_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"SLUG", "slug"},
	        {"TITLE", "title"},
	        {"PROGRAMME", "programme"},
	        {0},
	};
	return ctl_print_list(c, ctl_call(c, "GET", "/api/projects", NULL),
	                      cols);
}

const struct ctl_cmd ctl_cmd_project_list = {
        .name = "project list",
        .usage = "",
        .about = "list projects",
        .exec = project_list,
};

/* ----------------------------------------------------------- organisations */

static int org_add(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                   json_t *f)
{
	json_object_set_new(f, "name", json_string(pos[0]));
	return call_print(c, "POST", "/api/organisations", f);
}

static const struct ctl_opt org_opts[] = {
        {.name = "country",
         .field = "country",
         .required = 1,
         .meta = "CC",
         .help = "ISO 3166 country code, e.g. IT"},
        {.name = "city", .field = "city", .meta = "CITY", .help = "city"},
        {0},
};

const struct ctl_cmd ctl_cmd_org_add = {
        .name = "org add",
        .usage = "NAME --country CC [--city CITY]",
        .about = "create an organisation",
        .opts = org_opts,
        .npos = 1,
        .exec = org_add,
};

static int org_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                    json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"NAME", "name"},
	        {"COUNTRY", "country"},
	        {"CITY", "city"},
	        {"REGS", "registrations"},
	        {0},
	};
	static const char *const keys[] = {"country", "q",     "project",
	                                   "before",  "limit", NULL};
	char *path = ctl_query_path("/api/organisations", keys, f);
	int rc;

	if (path == NULL)
		return 1;
	rc = ctl_list_page(c, path, cols);
	free(path);
	return rc;
}

static const struct ctl_opt org_list_opts[] = {
        {.name = "country",
         .field = "country",
         .type = CTL_LOCAL,
         .meta = "CC",
         .help = "only this country's"},
        {.name = "q",
         .field = "q",
         .type = CTL_LOCAL,
         .meta = "TEXT",
         .help = "only those whose name (or an alias's) contains TEXT"},
        {.name = "project",
         .field = "project",
         .type = CTL_LOCAL,
         .meta = "SLUG",
         .help = "only those registered for the project's events"},
        CTL_PAGE_OPTS("organisations"),
        {0},
};

const struct ctl_cmd ctl_cmd_org_list = {
        .name = "org list",
        .usage = "[--country CC] [--q TEXT] [--project SLUG] [--before ID] "
                 "[--limit N]",
        .about = "list organisations (aliases of merged ones under each)",
        .opts = org_list_opts,
        .exec = org_list,
};

/* ------------------------------------------------------------------ events */

/* The filters and pages of event list and deadline list (GET /api/events,
 * /api/deadlines). */
static const char *const dated_keys[] = {"project", "state", "from", "to",
                                         "before",  "limit", NULL};
static const char *const item_states[] = {"draft", "published", "cancelled",
                                          NULL};

#define DATED_OPTS(what)                                                       \
	{.name = "state",                                                      \
	 .field = "state",                                                     \
	 .type = CTL_LOCAL,                                                    \
	 .meta = "S",                                                          \
	 .choices = item_states,                                               \
	 .help = "only " what " in this state"},                               \
	        {.name = "from",                                               \
	         .field = "from",                                              \
	         .type = CTL_LOCAL,                                            \
	         .meta = "DAY",                                                \
	         .help = "only " what " on or after this day (YYYY-MM-DD, in " \
	                 "their zone)"},                                       \
	        {.name = "to",                                                 \
	         .field = "to",                                                \
	         .type = CTL_LOCAL,                                            \
	         .meta = "DAY",                                                \
	         .help = "only " what " on or before this day"},               \
	        CTL_PAGE_OPTS(what)

/* Options shared by event add and event update. */
#define EVENT_OPTS(req)                                                        \
	{.name = "kind",                                                       \
	 .field = "kind",                                                      \
	 .required = req,                                                      \
	 .meta = "K",                                                          \
	 .choices = kinds_event},                                              \
	        {.name = "title",                                              \
	         .field = "title",                                             \
	         .required = req,                                              \
	         .meta = "T",                                                  \
	         .help = "title"},                                             \
	        {.name = "start",                                              \
	         .field = "start",                                             \
	         .required = req,                                              \
	         .meta = "LOCAL",                                              \
	         .help = "local start, 2027-03-01T09:00 (all-day: a date)"},   \
	        {.name = "end",                                                \
	         .field = "end",                                               \
	         .required = req,                                              \
	         .meta = "LOCAL",                                              \
	         .help = "local end (all-day: the last day)"},                 \
	        {.name = "tz",                                                 \
	         .field = "tz",                                                \
	         .required = req,                                              \
	         .meta = "ZONE",                                               \
	         .help = "IANA time zone, e.g. Europe/Rome"},                  \
	        {.name = "description",                                        \
	         .field = "description",                                       \
	         .meta = "D",                                                  \
	         .help = "description"},                                       \
	        {.name = "venue",                                              \
	         .field = "venue",                                             \
	         .meta = "V",                                                  \
	         .help = "venue"},                                             \
	        {.name = "city",                                               \
	         .field = "city",                                              \
	         .meta = "CITY",                                               \
	         .help = "city"},                                              \
	        {.name = "country",                                            \
	         .field = "country",                                           \
	         .meta = "CC",                                                 \
	         .help = "ISO 3166 country code"},                             \
	        {.name = "capacity",                                           \
	         .field = "capacity",                                          \
	         .type = CTL_INT,                                              \
	         .meta = "N",                                                  \
	         .help = "seats"},                                             \
	        {.name = "org-cap",                                            \
	         .field = "org_cap",                                           \
	         .type = CTL_INT,                                              \
	         .meta = "N",                                                  \
	         .help = "seats per organisation"},                            \
	        {.name = "opens",                                              \
	         .field = "reg_opens",                                         \
	         .meta = "LOCAL",                                              \
	         .help = "registration opens (local time)"},                   \
	        {.name = "closes",                                             \
	         .field = "reg_closes",                                        \
	         .meta = "LOCAL",                                              \
	         .help = "registration closes (local time)"},                  \
	        {.name = "all-day",                                            \
	         .field = "all_day",                                           \
	         .type = CTL_FLAG,                                             \
	         .help = "an all-day event (dates, end inclusive)"},           \
	        {.name = "publish",                                            \
	         .field = "status",                                            \
	         .type = CTL_CONST,                                            \
	         .konst = "published",                                         \
	         .help = "publish it (default: draft)"},                       \
	{                                                                      \
		.name = "reminders", .field = "reminders", .type = CTL_LIST,   \
		.meta = "P7D,P1D",                                             \
		.help = "reminder offsets (default: the config's)"             \
	}

/* The project is chosen when an event or deadline is made: PATCH does not
 * move it to another project, so update does not offer --project. */
#define PROJECT_OPT                                                            \
	{                                                                      \
		.name = "project", .field = "project", .required = 1,          \
		.meta = "SLUG", .check = ident_slug_check,                     \
		.help = "the project"                                          \
	}

static const struct ctl_opt event_add_opts[] = {
        PROJECT_OPT,
        EVENT_OPTS(1),
        {0},
};

static const struct ctl_opt event_update_opts[] = {
        EVENT_OPTS(0),
        {.name = "status",
         .field = "status",
         .meta = "S",
         .help = "draft or published"},
        {.name = "no-capacity",
         .field = "capacity",
         .type = CTL_NULL,
         .help = "remove the capacity limit"},
        {.name = "no-org-cap",
         .field = "org_cap",
         .type = CTL_NULL,
         .help = "remove the per-organisation cap"},
        {0},
};

/* SEATS: confirmed registrations, CAPACITY (empty: no limit), WAITING:
 * the waiting list. */
static const struct ctl_col event_cols[] = {
        {"ID", "id"},
        {"PROJECT", "project"},
        {"KIND", "kind"},
        {"STATUS", "status"},
        {"START", "start"},
        {"CITY", "city"},
        {"SEATS", "registrations.confirmed"},
        {"CAPACITY", "capacity"},
        {"WAITING", "registrations.waitlisted"},
        {"TITLE", "title"},
        {0},
};

static int event_add(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                     json_t *f)
{
	return call_print(c, "POST", "/api/events", f);
}

const struct ctl_cmd ctl_cmd_event_add = {
        .name = "event add",
        .usage = "--project SLUG --kind K --title T --start LOCAL --end "
                 "LOCAL --tz ZONE [options]",
        .about = "schedule an event",
        .opts = event_add_opts,
        .exec = event_add,
};

static int event_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                      json_t *f)
{
	char *path = ctl_query_path("/api/events", dated_keys, f);
	int rc = path ? ctl_list_page(c, path, event_cols) : 1;

	free(path);
	return rc;
}

static const struct ctl_opt event_list_opts[] = {
        {.name = "project",
         .field = "project",
         .type = CTL_LOCAL,
         .meta = "SLUG",
         .check = ident_slug_check,
         .help = "only this project's events"},
        DATED_OPTS("events"),
        {0},
};

const struct ctl_cmd ctl_cmd_event_list = {
        .name = "event list",
        .usage = "[--project SLUG] [--state S] [--from DAY] [--to DAY] "
                 "[--before ID] [--limit N]",
        .about = "list events",
        .opts = event_list_opts,
        .exec = event_list,
};

static int event_show(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                      json_t *f)
{
	return ctl_on_id(c, "GET", "/api/events/%s", pos[0], NULL);
}

const struct ctl_cmd ctl_cmd_event_show = {
        .name = "event show",
        .usage = "ID",
        .about = "show one event",
        .npos = 1,
        .exec = event_show,
};

static int event_update(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	if (json_object_size(f) == 0) {
		ctl_err("event update: nothing to change (see --help)");
		return 1;
	}
	return ctl_on_id(c, "PATCH", "/api/events/%s", pos[0], f);
}

const struct ctl_cmd ctl_cmd_event_update = {
        .name = "event update",
        .usage = "ID [--field value ...]",
        .about = "change an event (SEQUENCE rises when time or place "
                 "change)",
        .opts = event_update_opts,
        .npos = 1,
        .exec = event_update,
};

static int event_cancel(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	return ctl_on_id(c, "POST", "/api/events/%s/cancel", pos[0], NULL);
}

const struct ctl_cmd ctl_cmd_event_cancel = {
        .name = "event cancel",
        .usage = "ID",
        .about = "cancel an event and notify everyone registered",
        .npos = 1,
        .exec = event_cancel,
};

/* --------------------------------------------------------------- deadlines */

#define DEADLINE_OPTS(req)                                                     \
	{.name = "kind",                                                       \
	 .field = "kind",                                                      \
	 .required = req,                                                      \
	 .meta = "K",                                                          \
	 .choices = kinds_deadline},                                           \
	        {.name = "title",                                              \
	         .field = "title",                                             \
	         .required = req,                                              \
	         .meta = "T",                                                  \
	         .help = "title"},                                             \
	        {.name = "due",                                                \
	         .field = "due",                                               \
	         .required = req,                                              \
	         .meta = "LOCAL",                                              \
	         .help = "local due time, 2027-09-01T12:00"},                  \
	        {.name = "tz",                                                 \
	         .field = "tz",                                                \
	         .required = req,                                              \
	         .meta = "ZONE",                                               \
	         .help = "IANA time zone, e.g. Europe/Brussels"},              \
	        {.name = "url",                                                \
	         .field = "url",                                               \
	         .meta = "URL",                                                \
	         .help = "where to submit"},                                   \
	{                                                                      \
		.name = "description", .field = "description", .meta = "D",    \
		.help = "description"                                          \
	}

static const struct ctl_opt deadline_add_opts[] = {
        PROJECT_OPT,
        DEADLINE_OPTS(1),
        {.name = "reminders",
         .field = "reminders",
         .type = CTL_LIST,
         .meta = "P7D,P1D",
         .help = "reminder offsets (default: the config's)"},
        {0},
};

static const struct ctl_opt deadline_update_opts[] = {
        DEADLINE_OPTS(0),
        {.name = "reminders",
         .field = "reminders",
         .type = CTL_LIST,
         .meta = "P7D,P1D",
         .help = "reminder offsets"},
        {.name = "status",
         .field = "status",
         .meta = "S",
         .help = "draft, published or cancelled"},
        {0},
};

static int deadline_add(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	return call_print(c, "POST", "/api/deadlines", f);
}

const struct ctl_cmd ctl_cmd_deadline_add = {
        .name = "deadline add",
        .usage = "--project SLUG --kind K --title T --due LOCAL --tz ZONE "
                 "[--url URL] [--description D]",
        .about = "add a deadline",
        .opts = deadline_add_opts,
        .exec = deadline_add,
};

static int deadline_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},   {"PROJECT", "project"}, {"KIND", "kind"},
	        {"DUE", "due"}, {"TITLE", "title"},     {0},
	};
	char *path = ctl_query_path("/api/deadlines", dated_keys, f);
	int rc = path ? ctl_list_page(c, path, cols) : 1;

	free(path);
	return rc;
}

static const struct ctl_opt deadline_list_opts[] = {
        {.name = "project",
         .field = "project",
         .type = CTL_LOCAL,
         .meta = "SLUG",
         .check = ident_slug_check,
         .help = "only this project's deadlines"},
        DATED_OPTS("deadlines"),
        {0},
};

const struct ctl_cmd ctl_cmd_deadline_list = {
        .name = "deadline list",
        .usage = "[--project SLUG] [--state S] [--from DAY] [--to DAY] "
                 "[--before ID] [--limit N]",
        .about = "list deadlines",
        .opts = deadline_list_opts,
        .exec = deadline_list,
};

static int deadline_show(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	return ctl_on_id(c, "GET", "/api/deadlines/%s", pos[0], NULL);
}

const struct ctl_cmd ctl_cmd_deadline_show = {
        .name = "deadline show",
        .usage = "ID",
        .about = "show one deadline",
        .npos = 1,
        .exec = deadline_show,
};

static int deadline_update(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                           json_t *f)
{
	if (json_object_size(f) == 0) {
		ctl_err("deadline update: nothing to change (see --help)");
		return 1;
	}
	return ctl_on_id(c, "PATCH", "/api/deadlines/%s", pos[0], f);
}

const struct ctl_cmd ctl_cmd_deadline_update = {
        .name = "deadline update",
        .usage = "ID [--field value ...]",
        .about = "change a deadline",
        .opts = deadline_update_opts,
        .npos = 1,
        .exec = deadline_update,
};
