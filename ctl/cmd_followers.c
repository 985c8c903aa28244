/* cmd_followers.c - convenectl commands for the people who follow a
 * project's deadlines: the list and removing one on their behalf. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "ident.h"

static int followers_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                          json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"PERSON", "person"},
	        {"NAME", "name"},
	        {"EMAIL", "email"},
	        {"LANG", "language"},
	        {"CONFIRMED", "confirmed"},
	        {"SINCE", "since"},
	        {0},
	};
	static const char *const keys[] = {"before", "limit", NULL};
	char *base = ctl_path1("/api/projects/%s/followers", pos[0]);
	char *path = base ? ctl_query_path(base, keys, f) : NULL;
	int rc = path ? ctl_list_page(c, path, cols) : 1;

	free(path);
	free(base);
	return rc;
}

static const struct ctl_opt list_opts[] = {
        CTL_PAGE_OPTS("followers"),
        {0},
};

const struct ctl_cmd ctl_cmd_followers_list = {
        .name = "followers list",
        .usage = "SLUG [--before ID] [--limit N]",
        .about = "who follows a project's deadlines, newest first",
        .opts = list_opts,
        .npos = 1,
        .exec = followers_list,
};

static int followers_remove(struct ctl *c, const struct ctl_cmd *cmd,
                            char **pos, json_t *f)
{
	char *base = ctl_path1("/api/projects/%s/followers/", pos[0]);
	char *e = ctl_escape(pos[1]), *path = NULL;
	int rc = 1;

	if (base && e && asprintf(&path, "%s%s", base, e) >= 0)
		rc = ctl_print_item(c, ctl_call(c, "DELETE", path, NULL));
	free(path);
	free(e);
	free(base);
	return rc;
}

const struct ctl_cmd ctl_cmd_followers_remove = {
        .name = "followers remove",
        .usage = "SLUG PERSON",
        .about = "stop a person's follow of a project (their pending "
                 "deadline reminders are cancelled)",
        .npos = 2,
        .exec = followers_remove,
};
