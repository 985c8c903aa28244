/* cmd_users.c - convenectl commands for accounts (POST/GET/PATCH
 * /api/users) and the audit log (GET /api/audit).  A password is read from
 * the terminal with echo off (asked twice), or as one line from standard
 * input when that is not a terminal; never from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"

static const char *const roles[] = {"admin", "coordinator", "door", NULL};

/* Read one line into BUF without echo when it is a terminal.  Returns 0,
 * or -1 at end of input / on error. */
static int read_line(const char *prompt, char *buf, size_t len, int tty)
{
	struct termios old, quiet;
	char *nl = NULL;
	int rc = 0;

	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		rc = -1;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (rc == 0 && (nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	if (nl && nl > buf && nl[-1] == '\r')
		nl[-1] = '\0';
	return rc;
}

/* Ask for a new password and put it in F as "password".  0, or 1 after an
 * error message. */
static int ask_password(json_t *f)
{
	char a[1024] = "", b[1024] = "";
	int tty = isatty(STDIN_FILENO), rc = 1;

	if (read_line("New password: ", a, sizeof(a), tty) < 0 || a[0] == '\0')
		ctl_err("no password given (type it at the prompt or give it "
		        "as one line on standard input)");
	else if (tty && (read_line("Again: ", b, sizeof(b), tty) < 0 ||
	                 strcmp(a, b) != 0))
		ctl_err("the passwords differ");
	else
		json_object_set_new(f, "password", json_string(a)), rc = 0;
	explicit_bzero(a, sizeof(a));
	explicit_bzero(b, sizeof(b));
	return rc;
}

static char *user_path(const char *name, const char *tail)
{
	char *e = ctl_escape(name), *p = NULL;

	if (e && asprintf(&p, "/api/users/%s%s", e, tail) < 0)
		p = NULL;
	free(e);
	return p;
}

static int show(struct ctl *c, json_t *v)
{
	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else
		ctl_show(v);
	json_decref(v);
	return 0;
}

/* The password is wiped from the body before it is freed. */
static void wipe(json_t *f)
{
	json_t *pw = json_object_get(f, "password");

	if (json_is_string(pw))
		explicit_bzero((char *)json_string_value(pw),
		               strlen(json_string_value(pw)));
}

static int user_add(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                    json_t *f)
{
	json_t *v;

	json_object_set_new(f, "name", json_string(pos[0]));
	if (ask_password(f))
		return 1;
	v = ctl_call(c, "POST", "/api/users", f);
	wipe(f);
	return show(c, v);
}

static const struct ctl_opt add_opts[] = {
        {.name = "role",
         .field = "role",
         .type = CTL_STR,
         .required = 1,
         .meta = "ROLE",
         .choices = roles,
         .help = "admin (everything), coordinator (the projects given), "
                 "door (check-in at the events given)"},
        {.name = "projects",
         .field = "projects",
         .type = CTL_LIST,
         .meta = "SLUG,...",
         .help = "a coordinator's projects"},
        {.name = "events",
         .field = "events",
         .type = CTL_LIST,
         .meta = "ID,...",
         .help = "door staff's events"},
        {0},
};

const struct ctl_cmd ctl_cmd_user_add = {
        .name = "user add",
        .usage = "NAME --role ROLE [--projects SLUG,...] [--events ID,...]",
        .about = "make an account; the password is asked for (or read "
                 "from standard input)",
        .opts = add_opts,
        .npos = 1,
        .exec = user_add,
};

static int user_passwd(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                       json_t *f)
{
	char *p = user_path(pos[0], "");
	json_t *v;

	if (p == NULL || ask_password(f)) {
		free(p);
		return 1;
	}
	v = ctl_call(c, "PATCH", p, f);
	wipe(f);
	free(p);
	if (v && !c->json) {
		printf("%s: password changed (its sessions ended)\n", pos[0]);
		json_decref(v);
		return 0;
	}
	return show(c, v);
}

static const struct ctl_opt no_opts[] = {{0}};

const struct ctl_cmd ctl_cmd_user_passwd = {
        .name = "user passwd",
        .usage = "NAME",
        .about = "set an account's password (asked for, or read from "
                 "standard input); ends its sessions",
        .opts = no_opts,
        .npos = 1,
        .exec = user_passwd,
};

static int set_disabled(struct ctl *c, char **pos, json_t *f, int off)
{
	char *p = user_path(pos[0], "");
	json_t *v;

	if (p == NULL)
		return 1;
	json_object_set_new(f, "disabled", json_boolean(off));
	v = ctl_call(c, "PATCH", p, f);
	free(p);
	if (v && !c->json) {
		printf("%s: %s\n", pos[0],
		       off ? "disabled (its sessions and tokens stop now)"
		           : "enabled");
		json_decref(v);
		return 0;
	}
	return show(c, v);
}

static int user_disable(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	return set_disabled(c, pos, f, 1);
}

static int user_enable(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                       json_t *f)
{
	return set_disabled(c, pos, f, 0);
}

const struct ctl_cmd ctl_cmd_user_disable = {
        .name = "user disable",
        .usage = "NAME",
        .about = "disable an account: its sessions and tokens stop at once",
        .opts = no_opts,
        .npos = 1,
        .exec = user_disable,
};

const struct ctl_cmd ctl_cmd_user_enable = {
        .name = "user enable",
        .usage = "NAME",
        .about = "enable a disabled account again",
        .opts = no_opts,
        .npos = 1,
        .exec = user_enable,
};

static int user_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                     json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"NAME", "name"},
	        {"ROLE", "role"},
	        {"DISABLED", "disabled"},
	        {"PROJECTS", "projects"},
	        {"EVENTS", "events"},
	        {"TOKENS", "tokens"},
	        {0},
	};
	static const char *const keys[] = {"role", "before", "limit", NULL};
	char *path = ctl_query_path("/api/users", keys, f);
	int rc = path ? ctl_list_page(c, path, cols) : 1;

	free(path);
	return rc;
}

static const char *const list_roles[] = {"admin", "coordinator", "door", NULL};

static const struct ctl_opt list_opts[] = {
        {.name = "role",
         .field = "role",
         .type = CTL_LOCAL,
         .meta = "R",
         .choices = list_roles,
         .help = "only accounts with this role"},
        CTL_PAGE_OPTS("accounts"),
        {0},
};

const struct ctl_cmd ctl_cmd_user_list = {
        .name = "user list",
        .usage = "[--role R] [--before ID] [--limit N]",
        .about = "accounts: name, role, projects or events, tokens",
        .opts = list_opts,
        .exec = user_list,
};

static int user_token(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                      json_t *f)
{
	char *p = user_path(pos[0], "/tokens");
	json_t *v;

	if (p == NULL)
		return 1;
	v = ctl_call(c, "POST", p, f);
	free(p);
	if (v && !c->json) {
		printf("%s\n", json_string_value(json_object_get(v, "token")));
		fprintf(stderr,
		        "(token %s of %s: shown this once; keep it secret)\n",
		        json_string_value(json_object_get(v, "name")), pos[0]);
		json_decref(v);
		return 0;
	}
	return show(c, v);
}

static const struct ctl_opt token_opts[] = {
        {.name = "name",
         .field = "name",
         .type = CTL_STR,
         .required = 1,
         .meta = "LABEL",
         .help = "what the token is for (\"backup script\")"},
        {0},
};

const struct ctl_cmd ctl_cmd_user_token = {
        .name = "user token",
        .usage = "NAME --name LABEL",
        .about = "make an API token for an account (printed once)",
        .opts = token_opts,
        .npos = 1,
        .exec = user_token,
};

/* ------------------------------------------------------------- audit */

static int audit(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                 json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"AT", "at"},
	        {"WHO", "actor"},
	        {"VIA", "via"},
	        {"ACTION", "action"},
	        {"METHOD", "method"},
	        {"ROUTE", "route"},
	        {"RESOURCE", "resource"},
	        {"FROM", "client"},
	        {"STATUS", "status"},
	        {0},
	};
	static const char *const keys[] = {"before", "limit", "actor", "action",
	                                   NULL};
	char path[512];
	size_t used = (size_t)snprintf(path, sizeof(path), "/api/audit");
	int sep = '?';
	json_t *v, *rows, *next;

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
			ctl_err("audit: options too long");
			return 1;
		}
	}
	if ((v = ctl_call(c, "GET", path, NULL)) == NULL)
		return 1;
	if (c->json) {
		ctl_print_json(v);
	} else if ((rows = ctl_rows(v)) != NULL) {
		ctl_table(rows, cols);
		next = json_object_get(v, "next_before");
		if (json_is_integer(next))
			fprintf(stderr,
			        "(more: --before %" JSON_INTEGER_FORMAT ")\n",
			        json_integer_value(next));
	}
	json_decref(v);
	return 0;
}

static const char *const audit_actions[] = {
        "login",  "login_failed",      "login_throttled",
        "logout", "logout_everywhere", "change",
        NULL};

static const struct ctl_opt audit_opts[] = {
        {.name = "before",
         .field = "before",
         .type = CTL_LOCAL,
         .meta = "ID",
         .help = "older than this id (the next page)"},
        {.name = "limit",
         .field = "limit",
         .type = CTL_LOCAL,
         .meta = "N",
         .help = "at most N lines, 1 to 1000 (default 100)"},
        {.name = "actor",
         .field = "actor",
         .type = CTL_LOCAL,
         .meta = "NAME",
         .help = "only what this account did"},
        {.name = "action",
         .field = "action",
         .type = CTL_LOCAL,
         .meta = "A",
         .choices = audit_actions,
         .help = "only lines of this action"},
        {0},
};

const struct ctl_cmd ctl_cmd_audit = {
        .name = "audit",
        .usage = "[--before ID] [--limit N] [--actor NAME] [--action A]",
        .about = "the audit log, newest first: logins, logouts, every "
                 "change made through the admin API",
        .opts = audit_opts,
        .exec = audit,
};
