/* cmd_programme.c - convenectl commands for an event's programme: add,
 * list, move, remove and import from a CSV a secretariat types in a
 * spreadsheet (day, start, end, title, speakers, room, kind).  The import
 * checks each cell's form here, naming line and column, and sends the
 * whole file in one request: the daemon refuses it all when any line is
 * bad (the line and column named), so nothing is written. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "kinds.h"

/* The CSV's columns, in order. */
static const char *const csv_cols[] = {"day",      "start", "end", "title",
                                       "speakers", "room",  "kind"};
#define NCOLS    7
#define MAX_FILE (4 * 1024 * 1024)

static char *path2(const char *fmt, const char *a, const char *b)
{
	char *ea = ctl_escape(a), *eb = b ? ctl_escape(b) : NULL, *p = NULL;

	if (ea && (b == NULL || eb) && asprintf(&p, fmt, ea, eb) < 0)
		p = NULL;
	free(ea);
	free(eb);
	return p;
}

/* "Name (Organisation); Name" as [{"name", "organisation"}]. */
static json_t *speakers_parse(const char *s)
{
	json_t *out = json_array();
	char *copy = strdup(s ? s : ""), *save = NULL, *tok;

	for (tok = strtok_r(copy, ";", &save); tok;
	     tok = strtok_r(NULL, ";", &save)) {
		char *name = tok, *org = "", *open, *end;

		while (isspace((unsigned char)*name))
			name++;
		end = name + strlen(name);
		while (end > name && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*name == '\0')
			continue;
		if (end > name && end[-1] == ')' &&
		    (open = strrchr(name, '(')) != NULL) {
			end[-1] = '\0';
			org = open + 1;
			*open = '\0';
			for (end = open;
			     end > name && isspace((unsigned char)end[-1]);)
				*--end = '\0';
		}
		json_array_append_new(out, json_pack("{s:s,s:s}", "name", name,
		                                     "organisation", org));
	}
	free(copy);
	return out;
}

static int speakers_opt(json_t *f)
{
	json_t *s = ctl_take(f, "speakers");

	if (s == NULL)
		return 0;
	json_object_set_new(f, "speakers",
	                    speakers_parse(json_string_value(s)));
	json_decref(s);
	return 0;
}

/* ---- add, list, move, remove ---- */

static const struct ctl_opt item_opts[] = {
        {.name = "title",
         .field = "title",
         .type = CTL_STR,
         .meta = "T",
         .help = "what happens (at most 300 characters)"},
        {.name = "start",
         .field = "start",
         .type = CTL_STR,
         .meta = "LOCAL",
         .help = "local start in the event's zone, YYYY-MM-DDTHH:MM"},
        {.name = "end",
         .field = "end",
         .type = CTL_STR,
         .meta = "LOCAL",
         .help = "local end in the event's zone, YYYY-MM-DDTHH:MM"},
        {.name = "kind",
         .field = "kind",
         .type = CTL_STR,
         .meta = "K",
         .choices = kinds_programme,
         .help = "the kind of item (default session)"},
        {.name = "room",
         .field = "room",
         .type = CTL_STR,
         .meta = "ROOM",
         .help = "where in the venue"},
        {.name = "speakers",
         .field = "speakers",
         .type = CTL_LOCAL,
         .meta = "LIST",
         .help = "\"Name (Organisation); Name (Organisation)\""},
        {.name = "description",
         .field = "description",
         .type = CTL_STR,
         .meta = "TEXT",
         .help = "more about the item"},
        {0},
};

static int programme_add(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                         json_t *f)
{
	char *path = path2("/api/events/%s/programme", pos[0], NULL);
	int rc;

	if (json_object_get(f, "title") == NULL ||
	    json_object_get(f, "start") == NULL ||
	    json_object_get(f, "end") == NULL) {
		ctl_err("event programme add: --title, --start and --end are "
		        "required");
		free(path);
		return 1;
	}
	speakers_opt(f);
	rc = ctl_print_item(c, ctl_call(c, "POST", path, f));
	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_programme_add = {
        .name = "event programme add",
        .usage = "ID --title T --start LOCAL --end LOCAL [--kind K] "
                 "[--room ROOM] [--speakers LIST] [--description TEXT]",
        .about = "add an item to an event's programme (local times in its "
                 "zone)",
        .opts = item_opts,
        .npos = 1,
        .exec = programme_add,
};

static int programme_list(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                          json_t *f)
{
	static const struct ctl_col cols[] = {
	        {"ID", "id"},
	        {"START", "start.local"},
	        {"END", "end.local"},
	        {"KIND", "kind"},
	        {"TITLE", "title"},
	        {"ROOM", "room"},
	        {0},
	};
	char *path = path2("/api/events/%s/programme", pos[0], NULL);
	json_t *v = ctl_call(c, "GET", path, NULL);

	free(path);
	if (v == NULL)
		return 1;
	if (c->json)
		ctl_print_json(v);
	else
		ctl_table(json_object_get(v, "items"), cols);
	json_decref(v);
	return 0;
}

const struct ctl_cmd ctl_cmd_programme_list = {
        .name = "event programme list",
        .usage = "ID",
        .about = "an event's programme by start (local times)",
        .npos = 1,
        .exec = programme_list,
};

static const struct ctl_opt move_opts[] = {
        {.name = "start",
         .field = "start",
         .type = CTL_STR,
         .required = 1,
         .meta = "LOCAL",
         .help = "new local start, YYYY-MM-DDTHH:MM"},
        {.name = "end",
         .field = "end",
         .type = CTL_STR,
         .required = 1,
         .meta = "LOCAL",
         .help = "new local end, YYYY-MM-DDTHH:MM"},
        {0},
};

static int programme_move(struct ctl *c, const struct ctl_cmd *cmd, char **pos,
                          json_t *f)
{
	char *path = path2("/api/events/%s/programme/%s", pos[0], pos[1]);
	int rc = ctl_print_item(c, ctl_call(c, "PATCH", path, f));

	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_programme_move = {
        .name = "event programme move",
        .usage = "ID ITEM --start LOCAL --end LOCAL",
        .about = "move a programme item (the event's SEQUENCE stays)",
        .opts = move_opts,
        .npos = 2,
        .exec = programme_move,
};

static int programme_remove(struct ctl *c, const struct ctl_cmd *cmd,
                            char **pos, json_t *f)
{
	char *path = path2("/api/events/%s/programme/%s", pos[0], pos[1]);
	int rc = ctl_print_item(c, ctl_call(c, "DELETE", path, NULL));

	free(path);
	return rc;
}

const struct ctl_cmd ctl_cmd_programme_remove = {
        .name = "event programme remove",
        .usage = "ID ITEM",
        .about = "remove a programme item",
        .npos = 2,
        .exec = programme_remove,
};

/* ---- import ---- */

/* One CSV record: cells (malloc'd) and the line it starts on. */
struct rec {
	char *cell[NCOLS + 1];
	int n;    /* cells read (more than NCOLS: counted, not kept) */
	int line; /* 1-based */
};

static void rec_free(struct rec *r)
{
	for (int i = 0; i < NCOLS + 1; i++)
		free(r->cell[i]);
	memset(r, 0, sizeof(*r));
}

/* Read the record at *P (RFC 4180: quotes, "" inside quotes, CRLF or LF),
 * advancing *P and *LINE.  Returns 1 with R filled, 0 at the end, -1 on an
 * unterminated quote. */
static int rec_read(const char **p, int *line, struct rec *r)
{
	const char *s = *p;
	char buf[8192];
	size_t len = 0;
	int quoted = 0;

	memset(r, 0, sizeof(*r));
	if (*s == '\0')
		return 0;
	r->line = *line;
	for (;;) {
		char ch = *s;

		if (quoted) {
			if (ch == '\0')
				return -1;
			if (ch == '"' && s[1] == '"') {
				s += 2;
				if (len < sizeof(buf) - 1)
					buf[len++] = '"';
				continue;
			}
			if (ch == '"') {
				quoted = 0, s++;
				continue;
			}
			if (ch == '\n')
				(*line)++;
			if (len < sizeof(buf) - 1)
				buf[len++] = ch;
			s++;
			continue;
		}
		if (ch == '"' && len == 0) {
			quoted = 1, s++;
			continue;
		}
		if (ch == ',' || ch == '\n' || ch == '\0' ||
		    (ch == '\r' && s[1] == '\n')) {
			buf[len] = '\0';
			if (r->n < NCOLS + 1)
				r->cell[r->n] = strdup(buf);
			r->n++;
			len = 0;
			if (ch == ',') {
				s++;
				continue;
			}
			if (ch == '\r')
				s++;
			if (*s == '\n')
				s++, (*line)++;
			*p = s;
			return 1;
		}
		if (len < sizeof(buf) - 1)
			buf[len++] = ch;
		s++;
	}
}

static const char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int is_date(const char *s)
{
	int y, m, d, n = 0;

	return strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
	       m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* "9:30" or "09:30" as "09:30" in OUT (6 bytes); 0 or -1. */
static int norm_time(const char *s, char *out)
{
	int h, m, n = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] != '\0' ||
	    strlen(s) < 4 || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	snprintf(out, 6, "%02d:%02d", h, m);
	return 0;
}

/* Turn record R into an item of the import body, or print why not
 * (naming line and column) and return NULL. */
static json_t *rec_item(struct rec *r)
{
	const char *v[NCOLS];
	char st[6], en[6], local[32];
	json_t *it, *cols;

	if (r->n > NCOLS) {
		ctl_err("line %d, column %d: too many columns (a line has 7 "
		        "columns: day, start, end, title, speakers, room, "
		        "kind)",
		        r->line, NCOLS + 1);
		return NULL;
	}
	if (r->n < 4) {
		ctl_err("line %d, column %s: missing (a line has 7 columns: "
		        "day, start, end, title, speakers, room, kind)",
		        r->line, csv_cols[r->n]);
		return NULL;
	}
	for (int i = 0; i < NCOLS; i++)
		v[i] = i < r->n ? trim(r->cell[i]) : "";
	if (!is_date(v[0])) {
		ctl_err("line %d, column day: '%s': a date YYYY-MM-DD is "
		        "expected",
		        r->line, v[0]);
		return NULL;
	}
	for (int i = 1; i <= 2; i++)
		if (norm_time(v[i], i == 1 ? st : en) < 0) {
			ctl_err("line %d, column %s: '%s': a time HH:MM is "
			        "expected",
			        r->line, csv_cols[i], v[i]);
			return NULL;
		}
	if (*v[3] == '\0') {
		ctl_err("line %d, column title: required", r->line);
		return NULL;
	}
	cols = json_object();
	for (int i = 0; i < NCOLS; i++)
		json_object_set_new(cols, csv_cols[i],
		                    json_string(csv_cols[i]));
	it = json_pack("{s:i,s:o,s:s,s:o,s:s,s:s}", "line", r->line, "columns",
	               cols, "title", v[3], "speakers", speakers_parse(v[4]),
	               "room", v[5], "kind", *v[6] ? v[6] : "session");
	snprintf(local, sizeof(local), "%sT%s", v[0], st);
	json_object_set_new(it, "start", json_string(local));
	snprintf(local, sizeof(local), "%sT%s", v[0], en);
	json_object_set_new(it, "end", json_string(local));
	return it;
}

static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		ctl_err("event programme import: cannot read %s", path);
		return NULL;
	}
	buf = malloc(MAX_FILE + 1);
	n = buf ? fread(buf, 1, MAX_FILE + 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (buf == NULL || n > MAX_FILE) {
		ctl_err("event programme import: %s is larger than 4 MB", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		ctl_err("event programme import: %s holds a NUL byte", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static const struct ctl_opt import_opts[] = {
        {.name = "replace",
         .field = "replace",
         .type = CTL_FLAG,
         .help = "remove the event's current programme first"},
        {0},
};

static int programme_import(struct ctl *c, const struct ctl_cmd *cmd,
                            char **pos, json_t *f)
{
	char *text = read_file(pos[1]), *path;
	const char *p;
	json_t *items, *v;
	struct rec r;
	int line = 1, got, bad = 0;

	if (text == NULL)
		return 1;
	p = text;
	if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	items = json_array();
	while (!bad && (got = rec_read(&p, &line, &r)) != 0) {
		if (got < 0) {
			ctl_err("line %d, column %d: a quote is not closed",
			        r.line, r.n + 1);
			bad = 1;
			break;
		}
		if (r.n == 1 && *trim(r.cell[0]) == '\0') {
			rec_free(&r);
			continue; /* an empty line */
		}
		if (r.line == 1 && r.n > 0 &&
		    strcasecmp(trim(r.cell[0]), "day") == 0) {
			rec_free(&r);
			continue; /* the header */
		}
		v = rec_item(&r);
		if (v == NULL)
			bad = 1;
		else
			json_array_append_new(items, v);
		rec_free(&r);
	}
	free(text);
	if (bad) {
		ctl_err("event programme import: nothing imported");
		json_decref(items);
		return 1;
	}
	json_object_set_new(f, "items", items);
	path = path2("/api/events/%s/programme/import", pos[0], NULL);
	v = ctl_call(c, "POST", path, f);
	free(path);
	if (v == NULL) {
		ctl_err("event programme import: nothing imported");
		return 1;
	}
	if (c->json)
		ctl_print_json(v);
	else
		printf("%zu items in the programme of event %s\n",
		       json_array_size(json_object_get(v, "items")), pos[0]);
	json_decref(v);
	return 0;
}

const struct ctl_cmd ctl_cmd_programme_import = {
        .name = "event programme import",
        .usage = "ID FILE.csv|- [--replace]",
        .about = "add a programme from CSV (day,start,end,title,speakers,"
                 "room,kind); all or nothing",
        .opts = import_opts,
        .npos = 2,
        .exec = programme_import,
};
