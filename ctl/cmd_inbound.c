/* cmd_inbound.c - convenectl commands for the mail that came back: what
 * came in, what was decided and why (GET /api/inbound). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* The list's filters: option name = query parameter = local field. */
static const char *const filters[] = {"class",  "decision", "since", "rcpt",
                                      "before", "limit",    NULL};

static int inbound_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},         {"RECEIVED", "received_at"},
	        {"TO", "rcpt"},       {"FROM", "from"},
	        {"CLASS", "class"},   {"DECISION", "decision"},
	        {"REASON", "reason"}, {0},
	};
	char *path = ctl_query_path("/api/inbound", filters, f);
	int rc = path ? ctl_list_page(c, path, cols) : 1;

	free(path);
	return rc;
}

static const struct ctl_opt list_opts[] = {
        {.name = "class",
         .field = "class",
         .type = CTL_LOCAL,
         .meta = "C",
         .help = "what the parser found: human, auto_reply, imip_reply, "
                 "imip_counter, imip_other, dsn_failed, dsn_delayed, "
                 "dsn_success or malformed"},
        {.name = "decision",
         .field = "decision",
         .type = CTL_LOCAL,
         .meta = "D",
         .help = "what was decided (recorded, cancelled, bounce_hard ...)"},
        {.name = "since",
         .field = "since",
         .type = CTL_LOCAL,
         .meta = "WHEN",
         .help = "received since an instant (2026-12-03T09:00Z) or for a "
                 "duration (P1D, PT2H)"},
        {.name = "rcpt",
         .field = "rcpt",
         .type = CTL_LOCAL,
         .meta = "ADDR",
         .help = "sent to this envelope recipient"},
        CTL_PAGE_OPTS("messages"),
        {0},
};

#define LIST_USAGE                                                             \
	"[--class C] [--decision D] [--since WHEN] [--rcpt ADDR] "             \
	"[--before ID] [--limit N]"

const struct ctl_cmd ctl_cmd_inbound = {
        .name = "inbound",
        .usage = LIST_USAGE,
        .about = "received mail, newest first (as inbound list)",
        .opts = list_opts,
        .exec = inbound_list,
};

const struct ctl_cmd ctl_cmd_inbound_list = {
        .name = "inbound list",
        .usage = LIST_USAGE,
        .about = "received mail, newest first: class, decision and why",
        .opts = list_opts,
        .exec = inbound_list,
};

/* ID as the API takes it: digits only (the server says more). */
static int id_ok(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 20;
}

static int inbound_show(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	int raw = json_is_true(json_object_get(f, "raw"));
	char path[64];
	struct ctl_resp r;

	if (!id_ok(pos[0])) {
		ctl_err("inbound show: '%s' is not an id", pos[0]);
		return 1;
	}
	snprintf(path, sizeof(path), "/api/inbound/%s%s", pos[0],
	         raw ? "/raw" : "");
	if (raw) {
		if (ctl_http(c, "GET", path, NULL, "message/rfc822", &r) < 0)
			return 1;
		if (r.status != 200) {
			ctl_print_error(&r);
			ctl_resp_free(&r);
			return 1;
		}
		fwrite(r.body, 1, r.len, stdout);
		ctl_resp_free(&r);
		return 0;
	}
	return ctl_print_item(c, ctl_call(c, "GET", path, NULL));
}

static const struct ctl_opt show_opts[] = {
        {.name = "raw",
         .field = "raw",
         .type = CTL_FLAG,
         .help = "print the message as received (when it was kept)"},
        {0},
};

const struct ctl_cmd ctl_cmd_inbound_show = {
        .name = "inbound show",
        .usage = "ID [--raw]",
        .about = "one received message: what the parser found, the "
                 "decision and why",
        .opts = show_opts,
        .npos = 1,
        .exec = inbound_show,
};
