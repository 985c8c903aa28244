/* ctl.h - convenectl: the admin client's shared contract (HTTP, options,
 * output).  Each command is one `const struct ctl_cmd` listed in main.c. */
#ifndef CONVENECTL_CTL_H
#define CONVENECTL_CTL_H

#include <jansson.h>
#include <stddef.h>

/* Global state of one convenectl run. */
struct ctl {
	char *url;          /* daemon base URL, no trailing slash */
	char *token;        /* admin bearer token, or NULL */
	int json;           /* --json: print the server's JSON as is */
	int verbose;        /* --verbose: log requests on stderr */
	const char *config; /* --config FILE, or NULL */
};

/* One command, tmux-style: a name of one or two words, its usage line, a
 * short description, and the function run with the arguments after the
 * name (argv[0] is the command name).  exec returns 0 or 1 (exit code). */
struct ctl_cmd {
	const char *name;           /* "event add" */
	const char *usage;          /* "--project SLUG --kind K ..." */
	const char *about;          /* one line */
	const struct ctl_opt *opts; /* options, terminated by .name NULL */
	int npos;                   /* positional arguments required */
	int noauth;                 /* runs without an admin token */
	int (*exec)(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
	            json_t *fields);
};

/* How an option's value goes into the request body. */
enum ctl_opt_type {
	CTL_STR,   /* "--title T" -> "title": "T" */
	CTL_INT,   /* "--capacity 20" -> "capacity": 20 */
	CTL_FLAG,  /* "--all-day" -> "all_day": true */
	CTL_CONST, /* "--publish" -> "status": "published" (value in .konst) */
	CTL_LIST,  /* "--reminders P7D,P1D" -> "reminders": ["P7D","P1D"] */
	CTL_NULL,  /* "--no-capacity" -> "capacity": null */
	CTL_LOCAL, /* not sent: kept under its field name for exec (--csv) */
};

/* One option of a command. */
struct ctl_opt {
	const char *name;  /* long option without "--" */
	const char *field; /* JSON field (or local key) */
	enum ctl_opt_type type;
	int required;
	const char *konst;          /* CTL_CONST value */
	const char *help;           /* one line for --help */
	const char *meta;           /* value placeholder, e.g. "SLUG" */
	const char *const *choices; /* allowed values (kinds.h), checked
	                               before sending and listed in --help */
	const char *(*check)(const char *s); /* NULL or why S is refused
	                                        (ident_slug_check) */
	char letter; /* a one-letter form ("-o FILE"), or 0 */
};

/* ---- main.c */
/* Print "convenectl: MESSAGE" on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- conf.c */
/* Fill url/token from a convened.conf: [convened] listen+port (or
 * base_url) and admin_token / admin_token_file; only fields still NULL are
 * set.  Returns 0, or -1 with a message in err when the file cannot be read
 * or parsed. */
int ctl_conf_read(struct ctl *c, const char *path, char *err, size_t errlen);

/* ---- http.c */
/* A response: status, body (NUL-terminated, malloc'd) and content type. */
struct ctl_resp {
	long status;
	char *body;
	size_t len;
	char *ctype;
};

/* Send METHOD PATH (PATH starts with "/", query included) with an optional
 * JSON body (not stolen) and Accept header.  Returns 0 when a response
 * arrived (any status; free with ctl_resp_free), -1 on a transport error
 * (message already printed). */
int ctl_http(struct ctl *c, const char *method, const char *path, json_t *body,
             const char *accept, struct ctl_resp *out);
void ctl_resp_free(struct ctl_resp *r);

/* ctl_http for JSON: on 2xx returns the parsed body (caller decrefs; an
 * empty body gives an empty object); otherwise prints the server's error
 * message on stderr and returns NULL. */
json_t *ctl_call(struct ctl *c, const char *method, const char *path,
                 json_t *body);

/* Print the error of a non-2xx response on stderr. */
void ctl_print_error(const struct ctl_resp *r);

/* A path segment or query value percent-encoded (malloc'd), or NULL. */
char *ctl_escape(const char *s);

/* ---- args.c */
/* Parse a command's argv (argv[0] = command name) against cmd->opts:
 * fills *fields with the JSON body (caller decrefs) and pos[] with the
 * positional arguments (pointers into argv).  Handles --help (prints usage,
 * returns 2), --json and the global --url/--token/--config (set in c).  Returns
 * 0, 2 for help, -1 on a usage error (printed). */
int ctl_args(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv,
             json_t **fields, char **pos, int maxpos);

/* Print a command's usage and options to f. */
void ctl_usage(const struct ctl_cmd *cmd, int to_stderr);

/* Remove and return a CTL_LOCAL value (a new reference, or NULL). */
json_t *ctl_take(json_t *fields, const char *key);

/* ---- out.c */
/* One column of a table: header and a dotted path into each row
 * ("start.local"). */
struct ctl_col {
	const char *head;
	const char *path;
};

/* The array of rows in a list response: the value itself when it is an
 * array, else the first array member of the object (or NULL). */
json_t *ctl_rows(json_t *v);

/* Print rows as an aligned text table with the given columns. */
void ctl_table(json_t *rows, const struct ctl_col *cols);

/* BASE ("/api/inbound") with the options of F named in KEYS (CTL_LOCAL
 * fields named as the query parameters) as its query string; malloc'd, or
 * NULL (printed) when out of memory. */
char *ctl_query_path(const char *base, const char *const *keys, json_t *f);

/* Print the rows of list answer V (stolen; NULL: the error was printed)
 * with COLS, or the JSON with --json; when the answer has a next_before,
 * "(more: --before N)" on stderr.  0 or 1. */
int ctl_print_list(struct ctl *c, json_t *v, const struct ctl_col *cols);

/* ctl_print_list of GET PATH. */
int ctl_list_page(struct ctl *c, const char *path, const struct ctl_col *cols);

/* The paging options of a list whose items are WHAT ("messages"): --before
 * and --limit, both CTL_LOCAL under those names.  --before ID continues
 * the list after the item ID (the "(more: --before ID)" a page ends with):
 * older items in newest-first lists, later ones in lists by date or name. */
#define CTL_PAGE_OPTS(what)                                                    \
	{.name = "before",                                                     \
	 .field = "before",                                                    \
	 .type = CTL_LOCAL,                                                    \
	 .meta = "ID",                                                         \
	 .help = "the next page: after the item with this id"},                \
	{                                                                      \
		.name = "limit", .field = "limit", .type = CTL_LOCAL,          \
		.meta = "N",                                                   \
		.help = "at most N " what ", 1 to 1000 (default 100)"          \
	}

/* Print a created or changed item V (stolen; NULL: the error was printed,
 * returns 1): its JSON with --json, else key: value lines; warns on stderr
 * when the server took an ambiguous local time.  Returns 0 or 1. */
int ctl_print_item(struct ctl *c, json_t *v);

/* FMT with ARG percent-encoded for its one %s (malloc'd), or NULL. */
char *ctl_path1(const char *fmt, const char *arg);

/* METHOD on FMT with ID for its %s (BODY not stolen, may be NULL), and the
 * answer printed as ctl_print_item does.  0 or 1. */
int ctl_on_id(struct ctl *c, const char *method, const char *fmt,
              const char *id, json_t *body);

/* Print an object as "key: value" lines, nested keys dotted. */
void ctl_show(json_t *obj);

/* Print v as indented JSON on stdout. */
void ctl_print_json(json_t *v);

/* The value at a dotted path as a display string (malloc'd, never NULL):
 * an object with "local" shows "local tz"; null shows "". */
char *ctl_cell(json_t *row, const char *path);

/* ---- commands (cmd_*.c, import.c) */
extern const struct ctl_cmd ctl_cmd_project_add, ctl_cmd_project_list,
        ctl_cmd_org_add, ctl_cmd_org_list, ctl_cmd_event_add,
        ctl_cmd_event_list, ctl_cmd_event_show, ctl_cmd_event_update,
        ctl_cmd_event_cancel, ctl_cmd_deadline_add, ctl_cmd_deadline_list,
        ctl_cmd_deadline_show, ctl_cmd_deadline_update, ctl_cmd_registrations,
        ctl_cmd_registration_cancel, ctl_cmd_registration_correct,
        ctl_cmd_report_attendance, ctl_cmd_outbox, ctl_cmd_reminders_list,
        ctl_cmd_reminders_set, ctl_cmd_health, ctl_cmd_retention_run,
        ctl_cmd_person_export, ctl_cmd_person_erase, ctl_cmd_inbound,
        ctl_cmd_inbound_list, ctl_cmd_inbound_show, ctl_cmd_addresses,
        ctl_cmd_addresses_list, ctl_cmd_addresses_reset, ctl_cmd_outbox_retry,
        ctl_cmd_registration_resend, ctl_cmd_followers_list,
        ctl_cmd_followers_remove, ctl_cmd_project_evidence, ctl_cmd_org_merge,
        ctl_cmd_event_attendance, ctl_cmd_event_mark, ctl_cmd_event_walk_in,
        ctl_cmd_event_checkin_secret, ctl_cmd_programme_add,
        ctl_cmd_programme_list, ctl_cmd_programme_move,
        ctl_cmd_programme_remove, ctl_cmd_programme_import,
        ctl_cmd_event_questions, ctl_cmd_event_answers,
        ctl_cmd_project_questions, ctl_cmd_question_add,
        ctl_cmd_question_update, ctl_cmd_question_remove,
        ctl_cmd_registration_answers, ctl_cmd_user_add, ctl_cmd_user_passwd,
        ctl_cmd_user_disable, ctl_cmd_user_enable, ctl_cmd_user_list,
        ctl_cmd_user_token, ctl_cmd_audit, ctl_cmd_event_sheets,
        ctl_cmd_event_certificates;

/* `import FILE.ics --project SLUG` (ctl/import.c): pos[0] is FILE; fields
 * holds {"project": SLUG} and the optional kind and status. */
int ctl_import(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
               json_t *fields);
extern const struct ctl_cmd ctl_cmd_import;

#endif
