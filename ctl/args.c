/* args.c - a command's options, from its table, into a JSON request body. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "kinds.h"

#define MAX_OPTS 40

enum {
	OPT_HELP = 1000,
	OPT_JSON,
	OPT_URL,
	OPT_TOKEN,
	OPT_CONFIG,
	OPT_VERBOSE,
	OPT_BASE = 2000
};
#define NGLOBAL 6

static int takes_value(enum ctl_opt_type t)
{
	return t == CTL_STR || t == CTL_INT || t == CTL_LIST ||
	       (t == CTL_LOCAL);
}

void ctl_usage(const struct ctl_cmd *cmd, int to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	fprintf(f, "usage: convenectl %s %s\n%s\n", cmd->name, cmd->usage,
	        cmd->about);
	if (cmd->opts && cmd->opts[0].name)
		fprintf(f, "\noptions:\n");
	for (const struct ctl_opt *o = cmd->opts; o && o->name; o++) {
		char left[64];

		if (takes_value(o->type) && o->meta && o->letter)
			snprintf(left, sizeof(left), "--%s, -%c %s", o->name,
			         o->letter, o->meta);
		else if (takes_value(o->type) && o->meta)
			snprintf(left, sizeof(left), "--%s %s", o->name,
			         o->meta);
		else
			snprintf(left, sizeof(left), "--%s", o->name);
		char list[256] = "";

		if (o->choices)
			kinds_join(o->choices, " or ", list, sizeof(list));
		fprintf(f, "  %-26s %s%s%s%s\n", left, o->help ? o->help : "",
		        o->help && *list ? ": " : "", list,
		        o->required ? " (required)" : "");
	}
	fprintf(f, "  %-26s %s\n  %-26s %s\n", "--json",
	        "print the server's JSON", "--help", "this help");
	fprintf(f, "\nglobal options --url, --token, --config, --verbose: see "
	           "convenectl --help\n");
}

/* "P7D,P1D" -> ["P7D","P1D"]; "none" or "" -> []. */
static json_t *split_list(const char *s)
{
	json_t *a = json_array();
	char *copy = strdup(s), *tok, *save = NULL;

	if (strcmp(s, "none") != 0)
		for (tok = strtok_r(copy, ", ", &save); tok;
		     tok = strtok_r(NULL, ", ", &save))
			json_array_append_new(a, json_string(tok));
	free(copy);
	return a;
}

/* Store one option's value in fields; -1 on a bad value (printed). */
static int put(const struct ctl_opt *o, const char *arg, json_t *fields)
{
	char *end;
	long long n;
	json_t *v;

	char list[256];
	const char *why;

	if (o->choices && !kinds_has(o->choices, arg)) {
		ctl_err("--%s %s: not one of %s", o->name, arg,
		        kinds_join(o->choices, " or ", list, sizeof(list)));
		return -1;
	}
	if (o->check && (why = o->check(arg)) != NULL) {
		ctl_err("--%s %s: %s", o->name, arg, why);
		return -1;
	}
	switch (o->type) {
	case CTL_STR:
	case CTL_LOCAL:
		if ((v = json_string(arg)) == NULL) {
			ctl_err("--%s: not valid UTF-8", o->name);
			return -1;
		}
		json_object_set_new(fields, o->field, v);
		return 0;
	case CTL_INT:
		errno = 0;
		n = strtoll(arg, &end, 10);
		if (errno || end == arg || *end != '\0') {
			ctl_err("--%s: '%s' is not a whole number", o->name,
			        arg);
			return -1;
		}
		json_object_set_new(fields, o->field, json_integer(n));
		return 0;
	case CTL_FLAG:
		json_object_set_new(fields, o->field, json_true());
		return 0;
	case CTL_CONST:
		json_object_set_new(fields, o->field, json_string(o->konst));
		return 0;
	case CTL_LIST:
		json_object_set_new(fields, o->field, split_list(arg));
		return 0;
	case CTL_NULL:
		json_object_set_new(fields, o->field, json_null());
		return 0;
	}
	return -1;
}

int ctl_args(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv,
             json_t **fields, char **pos, int maxpos)
{
	struct option lo[MAX_OPTS + NGLOBAL + 1];
	const struct ctl_opt *o;
	json_t *f = json_object();
	int n = 0, ch, npos = 0;
	char shorts[2 * MAX_OPTS + 2] = "-";
	size_t ns = 1;

	for (o = cmd->opts; o && o->name && n < MAX_OPTS; o++, n++)
		lo[n] = (struct option){o->name,
		                        takes_value(o->type) ? required_argument
		                                             : no_argument,
		                        NULL, OPT_BASE + n};
	for (int i = 0; i < n; i++)
		if (cmd->opts[i].letter) {
			shorts[ns++] = cmd->opts[i].letter;
			if (takes_value(cmd->opts[i].type))
				shorts[ns++] = ':';
		}
	shorts[ns] = '\0';
	lo[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
	lo[n++] = (struct option){"json", no_argument, NULL, OPT_JSON};
	lo[n++] = (struct option){"url", required_argument, NULL, OPT_URL};
	lo[n++] = (struct option){"token", required_argument, NULL, OPT_TOKEN};
	lo[n++] =
	        (struct option){"config", required_argument, NULL, OPT_CONFIG};
	lo[n++] = (struct option){"verbose", no_argument, NULL, OPT_VERBOSE};
	lo[n] = (struct option){NULL, 0, NULL, 0};

	optind = 0; /* full re-initialisation of GNU getopt */
	opterr = 0;
	/* "-" : positional arguments come back in order as code 1. */
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		for (int i = 0; ch > 1 && ch < 128 && i < n - NGLOBAL; i++)
			if (cmd->opts[i].letter == ch)
				ch = OPT_BASE + i; /* the one-letter form */
		if (ch == OPT_HELP) {
			ctl_usage(cmd, 0);
			json_decref(f);
			return 2;
		} else if (ch == OPT_JSON) {
			c->json = 1;
		} else if (ch == OPT_URL || ch == OPT_TOKEN) {
			char **dst = ch == OPT_URL ? &c->url : &c->token;
			free(*dst);
			*dst = strdup(optarg);
		} else if (ch == OPT_CONFIG) {
			c->config = optarg;
		} else if (ch == OPT_VERBOSE) {
			c->verbose = 1;
		} else if (ch == 1) {
			if (npos >= cmd->npos || npos >= maxpos) {
				ctl_err("%s: unexpected argument '%s'",
				        cmd->name, optarg);
				goto usage;
			}
			pos[npos++] = optarg;
		} else if (ch == '?' || ch == ':') {
			if (optopt >= OPT_BASE &&
			    optopt < OPT_BASE + n - NGLOBAL)
				ctl_err("%s: option --%s needs a value",
				        cmd->name,
				        cmd->opts[optopt - OPT_BASE].name);
			else
				ctl_err("%s: unknown option '%s'", cmd->name,
				        argv[optind - 1]);
			goto usage;
		} else if (ch >= OPT_BASE && ch < OPT_BASE + n - NGLOBAL) {
			if (put(&cmd->opts[ch - OPT_BASE], optarg, f) < 0)
				goto fail;
		}
	}
	if (npos < cmd->npos) {
		ctl_err("%s: missing argument", cmd->name);
		goto usage;
	}
	for (o = cmd->opts; o && o->name; o++)
		if (o->required && json_object_get(f, o->field) == NULL) {
			ctl_err("%s: --%s is required", cmd->name, o->name);
			goto usage;
		}
	*fields = f;
	return 0;
usage:
	fprintf(stderr, "usage: convenectl %s %s\n", cmd->name, cmd->usage);
fail:
	json_decref(f);
	return -1;
}

json_t *ctl_take(json_t *fields, const char *key)
{
	json_t *v = json_object_get(fields, key);

	if (v == NULL)
		return NULL;
	json_incref(v);
	json_object_del(fields, key);
	return v;
}
