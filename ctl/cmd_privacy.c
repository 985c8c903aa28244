/* cmd_privacy.c - convenectl commands for privacy by law: a retention run
 * (POST /api/privacy/retention) and a person's data export and erasure
 * (POST /api/people/export, /api/people/erase). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ident.h"

static const struct ctl_opt retention_opts[] = {
        {.name = "project",
         .field = "project",
         .type = CTL_STR,
         .meta = "SLUG",
         .help = "only this project (default: every project)",
         .check = ident_slug_check},
        {.name = "after",
         .field = "after",
         .type = CTL_STR,
         .meta = "DURATION",
         .help = "anonymise this long after a project's last event "
                 "(ISO 8601, e.g. P365D; default: [privacy] retention)"},
        {0},
};

static const struct ctl_col retention_cols[] = {
        {"PROJECT", "project"},
        {"ENDED", "ended"},
        {"ANONYMISED", "people_anonymised"},
        {"DELETED", "people_deleted"},
        {"REGISTRATIONS", "registrations"},
        {"FOLLOWS", "follows_removed"},
        {"OUTBOX", "outbox_removed"},
        {"INBOUND", "inbound_removed"},
        {NULL, NULL},
};

static int retention_run(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	json_t *v = ctl_call(c, "POST", "/api/privacy/retention", f);

	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else if (json_is_true(json_object_get(v, "skipped")))
		printf("another daemon is running retention; nothing done\n");
	else {
		if (json_array_size(json_object_get(v, "projects")) == 0)
			printf("no project is past its retention time\n");
		else
			ctl_table(json_object_get(v, "projects"),
			          retention_cols);
		printf("received messages expired: %lld; unused people "
		       "deleted: %lld\n",
		       (long long)json_integer_value(
		               json_object_get(v, "inbound_expired")),
		       (long long)json_integer_value(
		               json_object_get(v, "people_unused")));
	}
	json_decref(v);
	return 0;
}

const struct ctl_cmd ctl_cmd_retention_run = {
        .name = "retention run",
        .usage = "[--project SLUG] [--after DURATION]",
        .about = "anonymise participants of projects past retention",
        .opts = retention_opts,
        .exec = retention_run,
};

/* POST PATH {"email": pos[0]} and print the answer (JSON for export). */
static int person_call(struct ctl *c, const char *path, const char *email,
                       int always_json)
{
	json_t *body = json_pack("{s:s}", "email", email), *v;

	if (body == NULL)
		return 1;
	v = ctl_call(c, "POST", path, body);
	json_decref(body);
	if (v == NULL)
		return 1;
	if (c->json || always_json)
		ctl_print_json(v);
	else
		ctl_show(v);
	json_decref(v);
	return 0;
}

static int person_export(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	return person_call(c, "/api/people/export", pos[0], 1);
}

static int person_erase(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	return person_call(c, "/api/people/erase", pos[0], 0);
}

const struct ctl_cmd ctl_cmd_person_export = {
        .name = "person export",
        .usage = "EMAIL",
        .about = "everything stored about an address, as JSON",
        .npos = 1,
        .exec = person_export,
};

const struct ctl_cmd ctl_cmd_person_erase = {
        .name = "person erase",
        .usage = "EMAIL",
        .about = "erase a person's data on request (counts are kept)",
        .npos = 1,
        .exec = person_erase,
};
