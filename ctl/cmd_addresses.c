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
	char path[256];
	size_t used =
	        (size_t)snprintf(path, sizeof(path), "/api/mail-addresses");
	json_t *v, *rows, *next;
	int sep = '?', rc = 1;

	for (int i = 0; keys[i]; i++) {
		const char *s = json_string_value(json_object_get(f, keys[i]));
		char *e;

		if (!s)
			continue;
		if ((e = ctl_escape(s)) == NULL)
			return 1;
		used += (size_t)snprintf(path + used, sizeof(path) - used,
		                         "%c%s=%s", sep, keys[i], e);
		free(e);
		sep = '&';
		if (used >= sizeof(path)) {
			ctl_err("addresses list: options too long");
			return 1;
		}
	}
	if ((v = ctl_call(c, "GET", path, NULL)) == NULL)
		return 1;
	if (c->json) {
		ctl_print_json(v), rc = 0;
	} else if ((rows = ctl_rows(v)) != NULL) {
		ctl_table(rows, cols), rc = 0;
		next = json_object_get(v, "next_before");
		if (json_is_integer(next))
			fprintf(stderr,
			        "(more: --before %" JSON_INTEGER_FORMAT ")\n",
			        json_integer_value(next));
	} else {
		ctl_err("unexpected answer (no list in it)");
	}
	json_decref(v);
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
        {.name = "before",
         .field = "before",
         .type = CTL_LOCAL,
         .meta = "ID",
         .help = "older than this id (the next page)"},
        {.name = "limit",
         .field = "limit",
         .type = CTL_LOCAL,
         .meta = "N",
         .help = "at most N addresses, 1 to 1000 (default 100)"},
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
