/* test_kinds.c - the one table of event, deadline and notification kinds
 * (kinds.c) against every place that lists them for people and for the
 * database: docs/API.md, man/convenectl.1, man/convened.conf.5, the
 * enums in sql/, the shipped templates and convenectl --help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kinds.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s (run from the source tree)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* The line of TEXT that starts with (or, ANYWHERE, contains) NEEDLE, the
 * Nth such (0-based), copied into BUF; fails when there is none. */
static char *line_with(const char *text, const char *needle, int anywhere,
                       int nth, char *buf, size_t len)
{
	const char *p = text;

	for (;;) {
		const char *hit = strstr(p, needle), *bol, *eol;

		if (hit == NULL)
			fail_msg("no line with \"%s\"", needle);
		bol = hit;
		while (bol > text && bol[-1] != '\n')
			bol--;
		eol = strchr(hit, '\n');
		if (eol == NULL)
			eol = hit + strlen(hit);
		p = eol;
		if (!anywhere && bol != hit)
			continue;
		if (nth-- > 0)
			continue;
		snprintf(buf, len, "%.*s", (int)(eol - bol), bol);
		return buf;
	}
}

/* The words of LINE between backticks (markdown), as "a,b,c". */
static void ticked(const char *line, char *out, size_t len)
{
	const char *p = line;
	size_t used = 0;

	out[0] = '\0';
	while ((p = strchr(p, '`')) != NULL) {
		const char *q = strchr(p + 1, '`');

		if (q == NULL)
			break;
		used += (size_t)snprintf(out + used, len - used, "%s%.*s",
		                         used ? "," : "", (int)(q - p - 1),
		                         p + 1);
		p = q + 1;
	}
}

static void csv(const char *const *list, char *out, size_t len)
{
	kinds_join(list, ",", out, len);
	for (char *p = out; (p = strstr(p, ", ")) != NULL;)
		memmove(p + 1, p + 2, strlen(p + 2) + 1);
}

static void docs_api(void **state)
{
	char *doc = slurp("docs/API.md");
	char line[1024], got[512], want[512];
	const char *const *lists[] = {kinds_event, kinds_deadline};

	(void)state;
	/* the `kind` rows of POST /api/events and POST /api/deadlines */
	for (int i = 0; i < 2; i++) {
		line_with(doc, "| `kind` | string, required |", 0, i, line,
		          sizeof(line));
		ticked(strstr(line, "required |"), got, sizeof(got));
		csv(lists[i], want, sizeof(want));
		assert_string_equal(got, want);
	}
	/* the table of kinds under GET /api/outbox */
	line_with(doc, "| notifications |", 1, 0, line, sizeof(line));
	ticked(line, got, sizeof(got));
	csv(kinds_notification, want, sizeof(want));
	assert_string_equal(got, want);
	line_with(doc, "| events |", 1, 0, line, sizeof(line));
	ticked(line, got, sizeof(got));
	csv(kinds_event, want, sizeof(want));
	assert_string_equal(got, want);
	line_with(doc, "| deadlines |", 1, 0, line, sizeof(line));
	ticked(line, got, sizeof(got));
	csv(kinds_deadline, want, sizeof(want));
	assert_string_equal(got, want);
	/* the `kind` row of POST /api/events/{id}/programme */
	line_with(doc, "| `kind` | string, default `session` |", 0, 0, line,
	          sizeof(line));
	ticked(strstr(line, "`session` |") + 11, got, sizeof(got));
	csv(kinds_programme, want, sizeof(want));
	assert_string_equal(got, want);
	free(doc);
}

static void man_pages(void **state)
{
	char *ctl = slurp("man/convenectl.1"),
	     *conf = slurp("man/convened.conf.5");
	char line[1024], want[512], list[512];

	(void)state;
	snprintf(want, sizeof(want), "K is %s.",
	         kinds_join(kinds_event, " or ", list, sizeof(list)));
	assert_string_equal(line_with(ctl, "K is ", 0, 0, line, sizeof(line)),
	                    want);
	snprintf(want, sizeof(want), "Add a deadline; K is %s.",
	         kinds_join(kinds_deadline, " or ", list, sizeof(list)));
	assert_string_equal(line_with(ctl, "Add a deadline; K is ", 0, 0, line,
	                              sizeof(line)),
	                    want);
	snprintf(want, sizeof(want),
	         "Add an item to an event's programme; K is %s.",
	         kinds_join(kinds_programme, " or ", list, sizeof(list)));
	assert_string_equal(line_with(ctl,
	                              "Add an item to an event's programme", 0,
	                              0, line, sizeof(line)),
	                    want);
	snprintf(want, sizeof(want), "Kinds: %s (events) and",
	         kinds_join(kinds_event, ", ", list, sizeof(list)));
	assert_string_equal(
	        line_with(conf, "Kinds: ", 0, 0, line, sizeof(line)), want);
	snprintf(want, sizeof(want), "%s (deadlines).",
	         kinds_join(kinds_deadline, ", ", list, sizeof(list)));
	assert_non_null(strstr(conf, want));
	free(ctl);
	free(conf);
}

/* convenectl --help prints the table (it links kinds.c). */
static void convenectl_help(void **state)
{
	static const struct {
		const char *cmd;
		const char *const *list;
	} cases[] = {
	        {"event add", kinds_event},
	        {"event update", kinds_event},
	        {"deadline add", kinds_deadline},
	        {"deadline update", kinds_deadline},
	        {"import", kinds_event},
	        {"event programme add", kinds_programme},
	};
	char exe[PATH_MAX], dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	(void)state;
	assert_true(n > 0);
	exe[n] = '\0';
	/* BUILD/tests/unit/test_kinds -> BUILD/convenectl */
	snprintf(dir, sizeof(dir), "%s", dirname(dirname(dirname(exe))));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[PATH_MAX + 64], out[8192] = "", line[512], list[256];
		FILE *p;
		size_t got;

		snprintf(cmd, sizeof(cmd), "%s/convenectl %s --help", dir,
		         cases[i].cmd);
		p = popen(cmd, "r");
		assert_non_null(p);
		got = fread(out, 1, sizeof(out) - 1, p);
		out[got] = '\0';
		assert_int_equal(pclose(p), 0);
		line_with(out, "  --kind K ", 0, 0, line, sizeof(line));
		kinds_join(cases[i].list, " or ", list, sizeof(list));
		if (strstr(line, list) == NULL)
			fail_msg("convenectl %s --help: \"%s\" lacks \"%s\"",
			         cases[i].cmd, line, list);
	}
}

/* Every notification kind has its template in every shipped language, and
 * every item kind is a [reminders] key the config accepts. */
static void templates_and_config(void **state)
{
	char path[256], err[512], text[256];
	struct config *c;

	(void)state;
	for (int k = 0; kinds_notification[k]; k++) {
		snprintf(path, sizeof(path), "config/templates/en/%s.txt",
		         kinds_notification[k]);
		assert_int_equal(access(path, R_OK), 0);
	}
	for (int i = 0; i < 2; i++)
		for (const char *const *k = i ? kinds_deadline : kinds_event;
		     *k; k++) {
			assert_true(kinds_is_item(*k));
			snprintf(text, sizeof(text), "[reminders]\n%s = P3D\n",
			         *k);
			c = config_load_string(text, "t.conf", err,
			                       sizeof(err));
			if (c == NULL)
				fail_msg("[reminders] %s: %s", *k, err);
			config_free(c);
		}
	assert_false(kinds_is_item("party"));
	assert_false(kinds_is_item("event_reminder"));
	assert_false(kinds_has(kinds_event, NULL));
}

static void join(void **state)
{
	char buf[64], tiny[8];
	const char *const two[] = {"a", "b", NULL}, *const one[] = {"a", NULL};

	(void)state;
	assert_string_equal(kinds_join(two, " or ", buf, sizeof(buf)),
	                    "a or b");
	assert_string_equal(kinds_join(one, " or ", buf, sizeof(buf)), "a");
	kinds_join(kinds_event, ", ", tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(docs_api),
	        cmocka_unit_test(man_pages),
	        cmocka_unit_test(convenectl_help),
	        cmocka_unit_test(templates_and_config),
	        cmocka_unit_test(join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
