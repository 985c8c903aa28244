/* cmd_addresses.c - convenectl commands for the addresses whose mail
 * bounced: the list (GET /api/mail-addresses) and letting one receive mail
 * again (POST /api/mail-addresses/{address}/reset). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static const char *const states[] = {"hard", "soft", "ok", NULL};

static int addresses_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                          json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ADDRESS", "address"},
	        {"STATE", "state"},
	        {"SOFT", "soft_count"},
	        {"HARD", "hard_count"},
	        {"STATUS", "last_status"},
	        {"BOUNCED", "bounced_at"},
	        {"NAME", "person.name"},
	        {"REGS", "registrations"},
	        {"FOLLOWS", "follows"},
	        {"DIAGNOSTIC", "last_diagnostic"},
	        {0},
	};
	static const char *const keys[] = {"state", "before", "limit", NULL};
	char *path = ctl_query_path("/api/mail-addresses", keys, f);
	int rc = path ? ctl_list_page(c, path, cols) : 1;

	free(path);
	return rc;
}

static const struct ctl_opt list_opts[] = {
        {.name = "state",
         .field = "state",
         .type = CTL_LOCAL,
         .meta = "S",
         .choices = states,
         .help = "only addresses in this state (hard: no mail goes to "
                 "them; soft: delays counted)"},
        CTL_PAGE_OPTS("addresses"),
        {0},
};

#define LIST_USAGE "[--state S] [--before ID] [--limit N]"

const struct ctl_cmd ctl_cmd_addresses = {
        .name = "addresses",
        .usage = LIST_USAGE,
        .about = "addresses whose mail bounced (as addresses list)",
        .opts = list_opts,
        .exec = addresses_list,
};

const struct ctl_cmd ctl_cmd_addresses_list = {
        .name = "addresses list",
        .usage = LIST_USAGE,
        .about = "addresses whose mail bounced: state, last report, whom "
                 "it concerns",
        .opts = list_opts,
        .exec = addresses_list,
};

static int addresses_reset(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                           json_t *f)
{
	char *e = ctl_escape(pos[0]), *path = NULL;
	const char *user = getenv("USER");
	json_t *v;

	if (!strchr(pos[0], '@')) {
		ctl_err("addresses reset: '%s' is not an address", pos[0]);
		free(e);
		return 1;
	}
	if (e == NULL ||
	    asprintf(&path, "/api/mail-addresses/%s/reset", e) < 0) {
		free(e);
		return 1;
	}
	free(e);
	/* who: --by, else the login name */
	if (!json_object_get(f, "by") && user && *user)
		json_object_set_new(f, "by", json_string(user));
	v = ctl_call(c, "POST", path, f);
	free(path);
	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else
		printf("%s: %s -> %s (reset by %s; %lld held mail pending "
		       "again)\n",
		       json_string_value(json_object_get(v, "address")),
		       json_string_value(json_object_get(v, "was")),
		       json_string_value(json_object_get(v, "state")),
		       json_string_value(json_object_get(v, "reset_by")),
		       (long long)json_integer_value(
		               json_object_get(v, "requeued")));
	json_decref(v);
	return 0;
}

static const struct ctl_opt reset_opts[] = {
        {.name = "by",
         .field = "by",
         .type = CTL_STR,
         .meta = "NAME",
         .help = "who resets it, recorded with the address (default: "
                 "$USER)"},
        {0},
};

const struct ctl_cmd ctl_cmd_addresses_reset = {
        .name = "addresses reset",
        .usage = "ADDRESS [--by NAME]",
        .about = "let an address that bounced receive mail again",
        .opts = reset_opts,
        .npos = 1,
        .exec = addresses_reset,
};
