/* cmd_questions.c - convenectl commands for registration questions (of an
 * event or a project), the answers' summary and the secretariat's change
 * of a person's answers (moving them between groups). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *const question_kinds[] = {
        "short_text", "long_text", "choice",  "choices", "yes_no",
        "number",     "date",      "consent", NULL,
};
static const char *const other_langs[] = {"sv", "it", "pl", "es", "fi", NULL};

static char *path2(const char *fmt, const char *a, const char *b)
{
	char *ea = ctl_escape(a), *eb = ctl_escape(b), *p = NULL;

	if (ea && eb && asprintf(&p, fmt, ea, eb) < 0)
		p = NULL;
	free(ea);
	free(eb);
	return p;
}

/* "value[=Label][:capacity],..." as the options list, or NULL after a
 * message. */
static json_t *options_parse(const char *s)
{
	json_t *out = json_array();
	char *copy = strdup(s), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':'), *eq, *end;
		json_t *o = json_object();
		long cap;

		while (isspace((unsigned char)*tok))
			tok++;
		if (colon && colon[1]) {
			cap = strtol(colon + 1, &end, 10);
			if (*end == '\0' && cap > 0) {
				json_object_set_new(o, "capacity",
				                    json_integer(cap));
				*colon = '\0';
			}
		}
		if ((eq = strchr(tok, '=')) != NULL) {
			*eq = '\0';
			json_object_set_new(o, "label",
			                    json_pack("{s:s}", "en", eq + 1));
		}
		json_object_set_new(o, "value", json_string(tok));
		json_array_append_new(out, o);
	}
	free(copy);
	return out;
}

/* Move the CTL_LOCAL options of a question into its JSON body. */
static void question_body(json_t *f)
{
	json_t *v, *label = NULL;
	char key[16];

	if ((v = ctl_take(f, "label")) != NULL) {
		label = json_pack("{s:O}", "en", v);
		json_decref(v);
	}
	for (int i = 0; other_langs[i]; i++) {
		snprintf(key, sizeof(key), "label_%s", other_langs[i]);
		if ((v = ctl_take(f, key)) == NULL)
			continue;
		if (label == NULL)
			label = json_object();
		json_object_set_new(label, other_langs[i], v);
	}
	if (label)
		json_object_set_new(f, "label", label);
	if ((v = ctl_take(f, "help")) != NULL) {
		json_object_set_new(f, "help", json_pack("{s:O}", "en", v));
		json_decref(v);
	}
	if ((v = ctl_take(f, "options")) != NULL) {
		json_object_set_new(f, "options",
		                    options_parse(json_string_value(v)));
		json_decref(v);
	}
}

#define QUESTION_OPTS                                                          \
	{.name = "key",                                                        \
	 .field = "key",                                                       \
	 .type = CTL_STR,                                                      \
	 .meta = "KEY",                                                        \
	 .help = "the answer's name: a-z, 0-9 and _ (e.g. dietary)"},          \
	        {.name = "kind",                                               \
	         .field = "kind",                                              \
	         .type = CTL_STR,                                              \
	         .meta = "K",                                                  \
	         .choices = question_kinds,                                    \
	         .help = "the kind of answer"},                                \
	        {.name = "label",                                              \
	         .field = "label",                                             \
	         .type = CTL_LOCAL,                                            \
	         .meta = "TEXT",                                               \
	         .help = "the question in English (at most 500 characters)"},  \
	        {.name = "label-sv",                                           \
	         .field = "label_sv",                                          \
	         .type = CTL_LOCAL,                                            \
	         .meta = "TEXT",                                               \
	         .help = "in Swedish (also --label-it, -pl, -es, -fi)"},       \
	        {.name = "label-it",                                           \
	         .field = "label_it",                                          \
	         .type = CTL_LOCAL,                                            \
	         .meta = "TEXT",                                               \
	         .help = "in Italian"},                                        \
	        {.name = "label-pl",                                           \
	         .field = "label_pl",                                          \
	         .type = CTL_LOCAL,                                            \
	         .meta = "TEXT",                                               \
	         .help = "in Polish"},                                         \
	        {.name = "label-es",                                           \
	         .field = "label_es",                                          \
	         .type = CTL_LOCAL,                                            \
	         .meta = "TEXT",                                               \
	         .help = "in Spanish"},                                        \
	        {.name = "label-fi",                                           \
	         .field = "label_fi",                                          \
	         .type = CTL_LOCAL,                                            \
	         .meta = "TEXT",                                               \
	         .help = "in Finnish"},                                        \
	        {.name = "help-text",                                          \
	         .field = "help",                                              \
	         .type = CTL_LOCAL,                                            \
	         .meta = "TEXT",                                               \
	         .help = "help text in English"},                              \
	        {.name = "required",                                           \
	         .field = "required",                                          \
	         .type = CTL_FLAG,                                             \
	         .help = "an answer is required"},                             \
	        {.name = "optional",                                           \
	         .field = "required",                                          \
	         .type = CTL_CONST,                                            \
	         .konst = "false",                                             \
	         .help = "an answer is not required"},                         \
	        {.name = "evidence",                                           \
	         .field = "evidence",                                          \
	         .type = CTL_FLAG,                                             \
	         .help = "the funder asks it: counted in the evidence pack, "  \
	                 "a column of the signature sheets (choice, choices, " \
	                 "yes_no)"},                                           \
	        {.name = "no-evidence",                                        \
	         .field = "evidence",                                          \
	         .type = CTL_CONST,                                            \
	         .konst = "false",                                             \
	         .help = "not for the funder"},                                \
	        {.name = "options",                                            \
	         .field = "options",                                           \
	         .type = CTL_LOCAL,                                            \
	         .meta = "LIST",                                               \
	         .help = "choices: \"value[=Label][:capacity],...\" (a "       \
	                 "capacity makes a group)"},                           \
	{                                                                      \
		.name = "position", .field = "position", .type = CTL_INT,      \
		.meta = "N", .help = "order among the questions (0 first)"     \
	}

static const struct ctl_opt add_opts[] = {
        {.name = "event",
         .field = "event",
         .type = CTL_LOCAL,
         .meta = "ID",
         .help = "the event that asks it"},
        {.name = "project",
         .field = "project",
         .type = CTL_LOCAL,
         .meta = "SLUG",
         .help = "the project whose every event asks it"},
        QUESTION_OPTS,
        {0},
};

static const struct ctl_opt update_opts[] = {QUESTION_OPTS, {0}};

static int question_add(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                        json_t *f)
{
	json_t *ev = ctl_take(f, "event"), *pr = ctl_take(f, "project");
	char *path = NULL;
	int rc = 1;

	if ((ev == NULL) == (pr == NULL)) {
		ctl_err("question add: give --event ID or --project SLUG");
		goto out;
	}
	question_body(f);
	if ((json_object_get(f, "required") &&
	     !json_is_boolean(json_object_get(f, "required")))) {
		const char *s =
		        json_string_value(json_object_get(f, "required"));
		json_object_set_new(f, "required",
		                    json_boolean(s && strcmp(s, "true") == 0));
	}
	if (json_object_get(f, "evidence") &&
	    !json_is_boolean(json_object_get(f, "evidence"))) {
		const char *s =
		        json_string_value(json_object_get(f, "evidence"));
		json_object_set_new(f, "evidence",
		                    json_boolean(s && strcmp(s, "true") == 0));
	}
	path = ev ? ctl_path1("/api/events/%s/questions", json_string_value(ev))
	          : ctl_path1("/api/projects/%s/questions",
	                      json_string_value(pr));
	rc = ctl_print_item(c, ctl_call(c, "POST", path, f));
out:
	free(path);
	json_decref(ev);
	json_decref(pr);
	return rc;
}

const struct ctl_cmd ctl_cmd_question_add = {
        .name = "question add",
        .usage = "--event ID|--project SLUG --key KEY --kind K --label TEXT "
                 "[--label-LANG TEXT] [--help-text TEXT] [--required] "
                 "[--evidence] [--options LIST] [--position N]",
        .about = "add a registration question to an event or a project",
        .opts = add_opts,
        .exec = question_add,
};

static int question_update(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                           json_t *f)
{
	char *path;
	int rc;

	question_body(f);
	if (json_object_get(f, "required") &&
	    !json_is_boolean(json_object_get(f, "required"))) {
		const char *s =
		        json_string_value(json_object_get(f, "required"));
		json_object_set_new(f, "required",
		                    json_boolean(s && strcmp(s, "true") == 0));
	}
	if (json_object_get(f, "evidence") &&
	    !json_is_boolean(json_object_get(f, "evidence"))) {
		const char *s =
		        json_string_value(json_object_get(f, "evidence"));
		json_object_set_new(f, "evidence",
		                    json_boolean(s && strcmp(s, "true") == 0));
	}
	if (json_object_size(f) == 0) {
		ctl_err("question update: nothing to change (see --help)");
		return 1;
	}
	path = ctl_path1("/api/questions/%s", pos[0]);
	rc = ctl_print_item(c, ctl_call(c, "PATCH", path, f));
	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_question_update = {
        .name = "question update",
        .usage = "ID [--label TEXT] [--options LIST] [--required|--optional] "
                 "[--evidence|--no-evidence] [...]",
        .about = "change a question (an option chosen by someone stays)",
        .opts = update_opts,
        .npos = 1,
        .exec = question_update,
};

static int question_remove(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                           json_t *f)
{
	char *path = ctl_path1("/api/questions/%s", pos[0]);
	int rc = ctl_print_item(c, ctl_call(c, "DELETE", path, NULL));

	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_question_remove = {
        .name = "question remove",
        .usage = "ID",
        .about = "remove a question and its answers",
        .npos = 1,
        .exec = question_remove,
};

static int questions_list(struct ctl *c, const char *path)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"KEY", "key"},
	        {"KIND", "kind"},
	        {"SCOPE", "scope"},
	        {"REQUIRED", "required"},
	        {"LABEL", "label.en"},
	        {0},
	};
	json_t *v = ctl_call(c, "GET", path, NULL);

	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else
		ctl_table(json_object_get(v, "questions"), cols);
	json_decref(v);
	return 0;
}

static int event_questions(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                           json_t *f)
{
	char *path = ctl_path1("/api/events/%s/questions", pos[0]);
	int rc = questions_list(c, path);

	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_event_questions = {
        .name = "event questions",
        .usage = "ID",
        .about = "the questions an event asks (its own and its project's)",
        .npos = 1,
        .exec = event_questions,
};

static int project_questions(struct ctl *c, const struct ctl_cmd *cmd,
                             char **pos, json_t *f)
{
	char *path = ctl_path1("/api/projects/%s/questions", pos[0]);
	int rc = questions_list(c, path);

	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_project_questions = {
        .name = "project questions",
        .usage = "SLUG",
        .about = "the questions every event of a project asks",
        .npos = 1,
        .exec = project_questions,
};

static int event_answers(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	char *path = ctl_path1("/api/events/%s/answers/summary", pos[0]);
	json_t *v = ctl_call(c, "GET", path, NULL), *q;
	size_t i;

	free(path);
	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else
		json_array_foreach(json_object_get(v, "questions"), i, q)
		        printf("%s\n",
		               json_string_value(json_object_get(q, "text")));
	json_decref(v);
	return 0;
}

const struct ctl_cmd ctl_cmd_event_answers = {
        .name = "event answers",
        .usage = "ID",
        .about = "the answers counted (\"dietary: 3 vegetarian, 1 vegan\")",
        .npos = 1,
        .exec = event_answers,
};

static const struct ctl_opt reg_answers_opts[] = {
        {.name = "set",
         .field = "set",
         .type = CTL_LOCAL,
         .meta = "KEY=VALUE",
         .help = "the new answer (VALUE is read as JSON when it is JSON, "
                 "e.g. true, 41, [\"a\",\"b\"]; else as text; empty "
                 "clears it)"},
        {.name = "force",
         .field = "force",
         .type = CTL_FLAG,
         .help = "into a full group all the same"},
        {.name = "by",
         .field = "by",
         .type = CTL_STR,
         .meta = "NAME",
         .help = "who made the change (default $USER)"},
        {0},
};

static int registration_answers(struct ctl *c, const struct ctl_cmd *cmd,
                                char **pos, json_t *f)
{
	json_t *set = ctl_take(f, "set"), *val;
	const char *s = json_string_value(set), *eq;
	char *key, *path;
	int rc;

	if (s == NULL || (eq = strchr(s, '=')) == NULL || eq == s) {
		ctl_err("registration answers: --set KEY=VALUE is required");
		json_decref(set);
		return 1;
	}
	key = strndup(s, (size_t)(eq - s));
	val = *(eq + 1) ? json_loads(eq + 1, JSON_DECODE_ANY, NULL)
	                : json_null();
	if (val == NULL)
		val = json_string(eq + 1);
	json_object_set_new(f, "answers", json_pack("{s:o}", key, val));
	if (json_object_get(f, "by") == NULL && getenv("USER"))
		json_object_set_new(f, "by", json_string(getenv("USER")));
	free(key);
	json_decref(set);
	path = path2("/api/events/%s/registrations/%s/answers", pos[0], pos[1]);
	rc = ctl_print_item(c, ctl_call(c, "POST", path, f));
	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_registration_answers = {
        .name = "registration answers",
        .usage = "EVENT REGISTRATION --set KEY=VALUE [--force] [--by NAME]",
        .about = "change a person's answer (move them to another group)",
        .opts = reg_answers_opts,
        .npos = 2,
        .exec = registration_answers,
};
