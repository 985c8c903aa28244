/* cmd_evidence.c - convenectl commands for who came and the funder: the
 * attendance marks of an event (list, mark, walk-in), the evidence pack of
 * a project, and merging an organisation typed two ways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"

static const char *const langs[] = {"en", "sv", "it", "pl", "es", "fi", NULL};
static const char *const mark_states[] = {"attended", "no_show", "none", NULL};

/* PATH formatted with escaped segments A and B (B may be NULL). */
static char *path2(const char *fmt, const char *a, const char *b)
{
	char *ea = ctl_escape(a), *eb = b ? ctl_escape(b) : NULL, *p = NULL;

	if (ea && (b == NULL || eb) && asprintf(&p, fmt, ea, eb) < 0)
		p = NULL;
	free(ea);
	free(eb);
	return p;
}

/* Print the body of a GET as is (CSV); 0 or 1. */
static int get_raw(struct ctl *c, const char *path, const char *accept)
{
	struct ctl_resp r;
	int rc = 1;

	if (ctl_http(c, "GET", path, NULL, accept, &r) < 0)
		return 1;
	if (r.status < 200 || r.status > 299) {
		ctl_print_error(&r);
	} else {
		fwrite(r.body, 1, r.len, stdout);
		rc = 0;
	}
	ctl_resp_free(&r);
	return rc;
}

/* ---------------------------------------------------------- project evidence
 */

static void print_pack(json_t *v)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"TITLE", "title"},
	        {"CITY", "city"},
	        {"FIRST", "first_day"},
	        {"LAST", "last_day"},
	        {"REGISTERED", "registered"},
	        {"CONFIRMED", "confirmed"},
	        {"ATTENDED", "attended"},
	        {"NO_SHOW", "no_show"},
	        {"WALK_INS", "walk_ins"},
	        {0},
	};
	static const struct ctl_col country_cols[] = {
	        {"COUNTRY", "country"},
	        {"NAME", "name"},
	        {"PARTICIPANTS", "participants"},
	        {0},
	};
	char *s = ctl_cell(v, "sentence");
	char *pub = ctl_cell(v, "publication");
	json_t *totals = json_object_get(v, "totals");

	printf("%s\n\n", s);
	ctl_table(json_object_get(v, "events"), cols);
	printf("\n");
	if (json_is_object(totals))
		ctl_table(json_object_get(totals, "by_country"), country_cols);
	printf("\n%s\n", pub);
	free(s);
	free(pub);
}

static int project_evidence(struct ctl *c, const struct ctl_cmd *cmd,
                            char **pos, json_t *f)
{
	const char *lang = json_string_value(json_object_get(f, "lang"));
	int csv = json_is_true(json_object_get(f, "csv"));
	char *path = path2(csv ? "/api/projects/%s/evidence.csv?lang=%s"
	                       : "/api/projects/%s/evidence?lang=%s",
	                   pos[0], lang ? lang : "en");
	json_t *v;
	int rc = 1;

	if (path == NULL)
		return 1;
	if (csv) {
		rc = get_raw(c, path, "text/csv");
	} else if ((v = ctl_call(c, "GET", path, NULL)) != NULL) {
		if (c->json)
			ctl_print_json(v);
		else
			print_pack(v);
		json_decref(v);
		rc = 0;
	}
	free(path);
	return rc;
}

static const struct ctl_opt evidence_opts[] = {
        {.name = "lang",
         .field = "lang",
         .type = CTL_LOCAL,
         .meta = "L",
         .choices = langs,
         .help = "the language of the sentence, country names and the "
                 "publication text (default en)"},
        {.name = "csv",
         .field = "csv",
         .type = CTL_FLAG,
         .help = "the counts as CSV"},
        {0},
};

const struct ctl_cmd ctl_cmd_project_evidence = {
        .name = "project evidence",
        .usage = "SLUG [--lang L] [--csv]",
        .about = "the funder's evidence pack: who came, per event and in "
                 "all, the sentence and the publication text",
        .opts = evidence_opts,
        .npos = 1,
        .exec = project_evidence,
};

/* ------------------------------------------------------------- org merge */

static int org_merge(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                     json_t *f)
{
	char *end;
	long long into = strtoll(pos[1], &end, 10);
	char *path;
	json_t *body, *v, *over;
	int rc;

	if (*pos[1] == '\0' || *end != '\0' || into < 1) {
		ctl_err("org merge: INTO: an organisation id");
		return 1;
	}
	if ((path = path2("/api/organisations/%s/merge", pos[0], NULL)) == NULL)
		return 1;
	body = json_pack("{sI}", "into", (json_int_t)into);
	v = ctl_call(c, "POST", path, body);
	json_decref(body);
	free(path);
	over = json_object_get(v, "over_cap");
	if (v && !c->json && json_array_size(over) > 0)
		ctl_err("warning: the merged organisation holds more confirmed "
		        "seats than the per-organisation cap of %zu event(s); "
		        "they are kept, and nobody more of it is confirmed "
		        "there until it is under the cap",
		        json_array_size(over));
	rc = ctl_print_item(c, v);
	return rc;
}

const struct ctl_cmd ctl_cmd_org_merge = {
        .name = "org merge",
        .usage = "FROM INTO",
        .about = "merge organisation FROM into INTO (registrations, people "
                 "and caps follow; FROM stays as an alias of INTO)",
        .npos = 2,
        .exec = org_merge,
};

/* ---------------------------------------------------- event attendance */

static int event_attendance(struct ctl *c, const struct ctl_cmd *cmd,
                            char **pos, json_t *f)
{
	static const struct ctl_col fixed[] = {
	        {"REG", "registration"},
	        {"NAME", "name"},
	        {"ORGANISATION", "organisation"},
	        {"COUNTRY", "country"},
	        {"ORIGIN", "origin"},
	};
	enum { NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
	char *path = path2("/api/events/%s/attendance", pos[0], NULL);
	json_t *v, *days, *day;
	struct ctl_col *cols;
	char **paths;
	size_t i, n;

	if (path == NULL)
		return 1;
	v = ctl_call(c, "GET", path, NULL);
	free(path);
	if (v == NULL)
		return 1;
	if (c->json) {
		ctl_print_json(v);
		json_decref(v);
		return 0;
	}
	/* one column per day: the mark's state */
	days = json_object_get(v, "days");
	n = json_array_size(days);
	cols = calloc(NFIXED + n + 1, sizeof(*cols));
	paths = calloc(n + 1, sizeof(*paths));
	if (cols == NULL || paths == NULL) {
		free(cols);
		free(paths);
		json_decref(v);
		return 1;
	}
	memcpy(cols, fixed, sizeof(fixed));
	json_array_foreach(days, i, day)
	{
		if (asprintf(&paths[i], "marks.%s.state",
		             json_string_value(day)) < 0)
			paths[i] = NULL;
		cols[NFIXED + i].head = json_string_value(day);
		cols[NFIXED + i].path = paths[i] ? paths[i] : "";
	}
	ctl_table(json_object_get(v, "registrations"), cols);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(cols);
	json_decref(v);
	return 0;
}

const struct ctl_cmd ctl_cmd_event_attendance = {
        .name = "event attendance",
        .usage = "ID",
        .about = "the event's confirmed registrations and their marks per "
                 "day",
        .npos = 1,
        .exec = event_attendance,
};

/* ---------------------------------------------------------- event mark */

static int event_mark(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                      json_t *f)
{
	char *path = path2("/api/events/%s/attendance", pos[0], NULL), *end;
	long long reg = strtoll(pos[1], &end, 10);
	int known = 0;
	json_t *v;

	if (path == NULL)
		return 1;
	if (*pos[1] == '\0' || *end != '\0' || reg < 1) {
		ctl_err("event mark: REG: a registration id");
		free(path);
		return 1;
	}
	for (int i = 0; mark_states[i]; i++)
		known |= strcmp(pos[3], mark_states[i]) == 0;
	if (!known) {
		ctl_err("event mark: STATE: attended, no_show or none");
		free(path);
		return 1;
	}
	json_object_set_new(f, "registration", json_integer(reg));
	json_object_set_new(f, "day", json_string(pos[2]));
	json_object_set_new(f, "state", json_string(pos[3]));
	v = ctl_call(c, "POST", path, f);
	free(path);
	return ctl_print_item(c, v);
}

static const struct ctl_opt mark_opts[] = {
        {.name = "by",
         .field = "by",
         .meta = "NAME",
         .help = "who made the mark (default: admin API)"},
        {.name = "override",
         .field = "override",
         .type = CTL_FLAG,
         .help = "mark outside the allowed time (admin)"},
        {0},
};

const struct ctl_cmd ctl_cmd_event_mark = {
        .name = "event mark",
        .usage = "ID REG DAY attended|no_show|none [--by NAME] [--override]",
        .about = "mark a confirmed registration on a day of the event (none "
                 "removes the mark)",
        .opts = mark_opts,
        .npos = 4,
        .exec = event_mark,
};

/* ------------------------------------------------------- event walk-in */

/* The id of organisation ORG in COUNTRY: ORG itself when it is a number,
 * else the organisation of that name (or alias) in COUNTRY, created when
 * there is none.  -1 on failure (printed). */
static long long org_id(struct ctl *c, const char *org, const char *country)
{
	char *end, *path;
	long long id = strtoll(org, &end, 10);
	json_t *v, *row, *alias;
	size_t i, j;

	if (*org && *end == '\0' && id > 0)
		return id;
	if (country == NULL) {
		ctl_err("event walk-in: --org NAME needs --country CC");
		return -1;
	}
	if ((path = path2("/api/organisations?q=%s&country=%s&limit=1000", org,
	                  country)) == NULL)
		return -1;
	v = ctl_call(c, "GET", path, NULL);
	free(path);
	if (v == NULL)
		return -1;
	id = 0;
	json_array_foreach(ctl_rows(v), i, row)
	{
		if (strcasecmp(json_string_value(json_object_get(row, "name")),
		               org) == 0)
			id = json_integer_value(json_object_get(row, "id"));
		json_array_foreach(json_object_get(row, "aliases"), j, alias) if (
		        strcasecmp(json_string_value(
		                           json_object_get(alias, "name")),
		                   org) == 0) id =
		        json_integer_value(json_object_get(row, "id"));
		if (id)
			break;
	}
	json_decref(v);
	if (id > 0)
		return id;
	v = json_pack("{ssss}", "name", org, "country", country);
	row = ctl_call(c, "POST", "/api/organisations", v);
	json_decref(v);
	if (row == NULL)
		return -1;
	id = json_integer_value(json_object_get(row, "id"));
	json_decref(row);
	return id > 0 ? id : -1;
}

static int event_walk_in(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	json_t *org = ctl_take(f, "org"), *country = ctl_take(f, "country");
	char *path = path2("/api/events/%s/walk-ins", pos[0], NULL);
	int rc = 1;

	if (path == NULL)
		goto out;
	if (org) {
		long long id = org_id(c, json_string_value(org),
		                      json_string_value(country));

		if (id < 0)
			goto out;
		json_object_set_new(f, "organisation", json_integer(id));
	} else if (country) {
		ctl_err("event walk-in: --country goes with --org");
		goto out;
	}
	rc = ctl_print_item(c, ctl_call(c, "POST", path, f));
out:
	json_decref(org);
	json_decref(country);
	free(path);
	return rc;
}

static const struct ctl_opt walk_in_opts[] = {
        {.name = "name",
         .field = "name",
         .required = 1,
         .meta = "NAME",
         .help = "the person's name"},
        {.name = "email",
         .field = "email",
         .required = 1,
         .meta = "ADDRESS",
         .help = "the person's address"},
        {.name = "org",
         .field = "org",
         .type = CTL_LOCAL,
         .meta = "ORG",
         .help = "organisation id, or name (with --country; created when "
                 "new)"},
        {.name = "country",
         .field = "country",
         .type = CTL_LOCAL,
         .meta = "CC",
         .help = "the organisation's country (ISO 3166, e.g. PL)"},
        {.name = "day",
         .field = "day",
         .meta = "YYYY-MM-DD",
         .help = "the day (default today in the event's zone)"},
        {.name = "by",
         .field = "by",
         .meta = "NAME",
         .help = "who added them (default: admin API)"},
        {.name = "override",
         .field = "override",
         .type = CTL_FLAG,
         .help = "outside the allowed time (admin)"},
        {0},
};

const struct ctl_cmd ctl_cmd_event_walk_in = {
        .name = "event walk-in",
        .usage = "ID --name NAME --email ADDRESS [--org ORG [--country CC]] "
                 "[--day D] [--by NAME] [--override]",
        .about = "add someone who came without registering, marked attended",
        .opts = walk_in_opts,
        .npos = 1,
        .exec = event_walk_in,
};
