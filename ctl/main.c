/* main.c - convenectl: global options, where URL and token come from, and
 * the table of commands. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define DEFAULT_CONFIG "/etc/convened/convened.conf"

/* Every command, in the order --help lists them. */
static const struct ctl_cmd *const cmds[] = {
        &ctl_cmd_project_add,
        &ctl_cmd_project_list,
        &ctl_cmd_project_evidence,
        &ctl_cmd_project_questions,
        &ctl_cmd_org_add,
        &ctl_cmd_org_list,
        &ctl_cmd_org_merge,
        &ctl_cmd_event_add,
        &ctl_cmd_event_list,
        &ctl_cmd_event_show,
        &ctl_cmd_event_update,
        &ctl_cmd_event_cancel,
        &ctl_cmd_event_checkin_secret,
        &ctl_cmd_event_attendance,
        &ctl_cmd_event_mark,
        &ctl_cmd_event_walk_in,
        &ctl_cmd_programme_add,
        &ctl_cmd_programme_list,
        &ctl_cmd_programme_move,
        &ctl_cmd_programme_remove,
        &ctl_cmd_programme_import,
        &ctl_cmd_event_questions,
        &ctl_cmd_event_answers,
        &ctl_cmd_question_add,
        &ctl_cmd_question_update,
        &ctl_cmd_question_remove,
        &ctl_cmd_event_sheets,
        &ctl_cmd_event_certificates,
        &ctl_cmd_deadline_add,
        &ctl_cmd_deadline_list,
        &ctl_cmd_deadline_show,
        &ctl_cmd_deadline_update,
        &ctl_cmd_registrations,
        &ctl_cmd_registration_cancel,
        &ctl_cmd_registration_correct,
        &ctl_cmd_registration_resend,
        &ctl_cmd_registration_answers,
        &ctl_cmd_report_attendance,
        &ctl_cmd_outbox,
        &ctl_cmd_outbox_retry,
        &ctl_cmd_inbound,
        &ctl_cmd_inbound_list,
        &ctl_cmd_inbound_show,
        &ctl_cmd_addresses,
        &ctl_cmd_addresses_list,
        &ctl_cmd_addresses_reset,
        &ctl_cmd_followers_list,
        &ctl_cmd_followers_remove,
        &ctl_cmd_reminders_list,
        &ctl_cmd_reminders_set,
        &ctl_cmd_retention_run,
        &ctl_cmd_person_export,
        &ctl_cmd_person_erase,
        &ctl_cmd_import,
        &ctl_cmd_user_add,
        &ctl_cmd_user_passwd,
        &ctl_cmd_user_disable,
        &ctl_cmd_user_enable,
        &ctl_cmd_user_list,
        &ctl_cmd_user_token,
        &ctl_cmd_audit,
        &ctl_cmd_health,
        NULL,
};

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("convenectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: convenectl [GLOBAL OPTIONS] COMMAND [ARGS] "
	           "[GLOBAL OPTIONS]\n"
	           "       convenectl --version\n\n"
	           "commands:\n");
	for (int i = 0; cmds[i]; i++)
		fprintf(f, "  %-24s %s\n", cmds[i]->name, cmds[i]->about);
	fprintf(f,
	        "\nglobal options (before or after the command):\n"
	        "  --url URL              the daemon's base URL\n"
	        "  --token TOKEN          the admin bearer token\n"
	        "  --config FILE          read URL and token from this "
	        "convened.conf\n"
	        "  --json                 print the server's JSON as it is\n"
	        "  --verbose              log each request and its status on "
	        "stderr\n"
	        "  --help                 this help (after a command or a "
	        "group: its help)\n"
	        "  --version              print the version\n"
	        "\nThe daemon's URL and admin token come from --url/--token, "
	        "else CONVENED_URL/\nCONVENED_TOKEN, else the config file "
	        "(--config, CONVENED_CONFIG or\n%s).  "
	        "'convenectl COMMAND --help' shows a command's options,\n"
	        "'convenectl GROUP --help' (e.g. event) the group's "
	        "commands.\n",
	        DEFAULT_CONFIG);
}

/* Find the command named by one, two or three words; *used = words
 * consumed. */
static const struct ctl_cmd *find_cmd(int argc, char **argv, int *used)
{
	char two[128];

	if (argc >= 3) {
		snprintf(two, sizeof(two), "%s %s %s", argv[0], argv[1],
		         argv[2]);
		for (int i = 0; cmds[i]; i++)
			if (strcmp(cmds[i]->name, two) == 0)
				return *used = 3, cmds[i];
	}
	if (argc >= 2) {
		snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
		for (int i = 0; cmds[i]; i++)
			if (strcmp(cmds[i]->name, two) == 0)
				return *used = 2, cmds[i];
	}
	for (int i = 0; cmds[i]; i++)
		if (strcmp(cmds[i]->name, argv[0]) == 0)
			return *used = 1, cmds[i];
	return NULL;
}

/* A group ("event"): its commands, their usage and what they do.  Returns
 * 0 when WORD names no group. */
static int family_help(const char *word, FILE *f)
{
	size_t n = strlen(word);
	int any = 0;

	for (int i = 0; cmds[i]; i++)
		if (strncmp(cmds[i]->name, word, n) == 0 &&
		    cmds[i]->name[n] == ' ') {
			if (!any)
				fprintf(f, "usage:\n");
			fprintf(f, "  convenectl %s %s\n      %s\n",
			        cmds[i]->name, cmds[i]->usage, cmds[i]->about);
			any = 1;
		}
	if (any)
		fprintf(f,
		        "\n'convenectl %s COMMAND --help' shows a "
		        "command's options.\n",
		        word);
	return any;
}

static int is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0 ||
	       strcmp(s, "help") == 0;
}

static char *dup_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strdup(v) : NULL;
}

/* URL and token: flags, then environment, then the config file. */
static int resolve(struct ctl *c, const char *config, int noauth)
{
	char err[512];
	const char *path = config;

	if (c->url == NULL)
		c->url = dup_env("CONVENED_URL");
	if (c->token == NULL)
		c->token = dup_env("CONVENED_TOKEN");
	if (path == NULL)
		path = getenv("CONVENED_CONFIG");
	if (path == NULL && (c->url == NULL || c->token == NULL) &&
	    access(DEFAULT_CONFIG, R_OK) == 0)
		path = DEFAULT_CONFIG;
	if (path && (c->url == NULL || c->token == NULL) &&
	    ctl_conf_read(c, path, err, sizeof(err)) < 0) {
		ctl_err("%s", err);
		return -1;
	}
	if (c->url == NULL)
		c->url = strdup("http://127.0.0.1:8080");
	for (size_t n = strlen(c->url); n > 0 && c->url[n - 1] == '/'; n--)
		c->url[n - 1] = '\0';
	if (c->token == NULL && !noauth) {
		ctl_err("no admin token: give --token, set CONVENED_TOKEN, or "
		        "point --config at the daemon's convened.conf");
		return -1;
	}
	return 0;
}

/* Free what main allocated and return RET (every exit path). */
static int finish(struct ctl *c, json_t *fields, int ret)
{
	json_decref(fields);
	free(c->url);
	free(c->token);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"url", required_argument, NULL, 'u'},
	        {"token", required_argument, NULL, 't'},
	        {"config", required_argument, NULL, 'c'},
	        {"json", no_argument, NULL, 'j'},
	        {"verbose", no_argument, NULL, 'v'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	struct ctl c = {0};
	const struct ctl_cmd *cmd;
	char *pos[4] = {0};
	json_t *fields = NULL;
	int ch, used = 0, rc;

	while ((ch = getopt_long(argc, argv, "+u:t:c:jvhV", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'u':
			free(c.url);
			c.url = strdup(optarg);
			break;
		case 't':
			free(c.token);
			c.token = strdup(optarg);
			break;
		case 'c':
			c.config = optarg;
			break;
		case 'j':
			c.json = 1;
			break;
		case 'v':
			c.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return finish(&c, fields, 0);
		case 'V':
			printf("convenectl %s\n", CONVENED_VERSION);
			return finish(&c, fields, 0);
		default:
			usage(stderr);
			return finish(&c, fields, 1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return finish(&c, fields, 1);
	}
	if (strcmp(argv[0], "help") == 0) {
		if (argc > 1 && (cmd = find_cmd(argc - 1, argv + 1, &used))) {
			ctl_usage(cmd, 0);
			return finish(&c, fields, 0);
		}
		if (argc > 2) {
			char two[128];

			snprintf(two, sizeof(two), "%s %s", argv[1], argv[2]);
			if (family_help(two, stdout))
				return finish(&c, fields, 0);
		}
		if (argc > 1 && family_help(argv[1], stdout))
			return finish(&c, fields, 0);
		usage(stdout);
		return finish(&c, fields, 0);
	}
	cmd = find_cmd(argc, argv, &used);
	if (cmd == NULL && argc > 1) {
		/* a group of two words ("event programme"), as below */
		char two[128];

		snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
		if (argc > 2 && is_help(argv[2]) && family_help(two, stdout))
			return finish(&c, fields, 0);
		if (family_help(two, stderr)) {
			if (argc > 2)
				ctl_err("%s: unknown command '%s %s'", two, two,
				        argv[2]);
			return finish(&c, fields, 1);
		}
	}
	if (cmd == NULL) {
		/* "event --help": the group's help, asked for; "event" or
		 * "event frobnicate": the same, as a usage error. */
		if (argc > 1 && is_help(argv[1]) &&
		    family_help(argv[0], stdout))
			return finish(&c, fields, 0);
		if (family_help(argv[0], stderr)) {
			if (argc > 1)
				ctl_err("%s: unknown command '%s %s'", argv[0],
				        argv[0], argv[1]);
			return finish(&c, fields, 1);
		}
		ctl_err("unknown command '%s' (try convenectl --help)",
		        argv[0]);
		return finish(&c, fields, 1);
	}
	/* Let the command's parser see its name as argv[0]. */
	argc -= used - 1;
	argv += used - 1;
	rc = ctl_args(&c, cmd, argc, argv, &fields, pos, 4);
	if (rc == 2)
		return finish(&c, fields, 0);
	if (rc < 0)
		return finish(&c, fields, 1);
	if (resolve(&c, c.config, cmd->noauth) < 0)
		return finish(&c, fields, 1);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmd->exec(&c, cmd, pos, fields);
	curl_global_cleanup();
	return finish(&c, fields, rc == 0 ? 0 : 1);
}
