/* cmd_checkin.c - convenectl event checkin-secret ID: a new check-in secret
 * for the door's phone page (POST /api/events/{id}/checkin-secret). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ident.h"

static int checkin_secret(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                          json_t *f)
{
	char path[64];
	json_t *v;

	if (!ident_id_valid(pos[0])) {
		ctl_err("%s: ID must be a positive number", cmd->name);
		return 1;
	}
	snprintf(path, sizeof(path), "/api/events/%s/checkin-secret", pos[0]);
	v = ctl_call(c, "POST", path, NULL);
	if (v == NULL)
		return 1;
	if (c->json) {
		ctl_print_json(v);
	} else {
		printf("secret: %s\nlink:   %s%s\n"
		       "Give the link to the staff at the door; it is shown "
		       "only now.\nThe earlier secret of this event no longer "
		       "works.\n",
		       json_string_value(json_object_get(v, "secret")),
		       c->url ? c->url : "",
		       json_string_value(json_object_get(v, "path")));
	}
	json_decref(v);
	return 0;
}

const struct ctl_cmd ctl_cmd_event_checkin_secret = {
        .name = "event checkin-secret",
        .usage = "ID",
        .about = "make a new check-in secret for the door page "
                 "(shown once)",
        .npos = 1,
        .exec = checkin_secret,
};
