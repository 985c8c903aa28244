/* cmd_reminders.c - convenectl commands for the default reminder offsets
 * per event or deadline kind (GET/PUT /api/reminder-defaults). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const struct ctl_col cols[] = {
        {"KIND", "kind"},       {"FOR", "applies_to"},
        {"OFFSETS", "offsets"}, {"CHANGED", "updated_at"},
        {NULL, NULL},
};

static int reminders_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                          json_t *f)
{
	json_t *v = ctl_call(c, "GET", "/api/reminder-defaults", NULL), *rows;
	int rc = 1;

	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v), rc = 0;
	else if ((rows = ctl_rows(v)) != NULL)
		ctl_table(rows, cols), rc = 0;
	else
		ctl_err("unexpected answer (no list in it)");
	json_decref(v);
	return rc;
}

const struct ctl_cmd ctl_cmd_reminders_list = {
        .name = "reminders list",
        .usage = "",
        .about = "show the default reminder offsets of each kind",
        .exec = reminders_list,
};

/* "P7D,P1D" -> ["P7D","P1D"]; "none" (or "") -> []. */
static json_t *offsets_array(const char *s)
{
	json_t *a = json_array();
	char *copy, *save = NULL;

	if (a == NULL || strcmp(s, "none") == 0 || (copy = strdup(s)) == NULL)
		return a;
	for (char *t = strtok_r(copy, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save))
		json_array_append_new(a, json_string(t));
	free(copy);
	return a;
}

static int reminders_set(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	char *kind = ctl_escape(pos[0]), *path = NULL;
	json_t *body = json_object(), *v = NULL;

	if (kind && body &&
	    asprintf(&path, "/api/reminder-defaults/%s", kind) >= 0) {
		json_object_set_new(body, "offsets", offsets_array(pos[1]));
		v = ctl_call(c, "PUT", path, body);
	}
	free(kind);
	free(path);
	json_decref(body);
	return ctl_print_item(c, v);
}

const struct ctl_cmd ctl_cmd_reminders_set = {
        .name = "reminders set",
        .usage = "KIND OFFSETS",
        .about = "set a kind's default reminder offsets (P7D,P1D or none)",
        .npos = 2,
        .exec = reminders_set,
};
