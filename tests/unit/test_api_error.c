/* test_api_error.c - the one error vocabulary: the SQLSTATE map gives each
 * line's status and code, docs/API.md lists every code and every map line
 * as the C tables do, and every code the daemon's sources can reply with
 * is in the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"

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

/* Each line of the map is what a SQLSTATE it stands for gets. */
static void map_walk(void **state)
{
	int n = 0;

	(void)state;
	for (const struct api_error_map *m = api_error_map;; m++, n++) {
		char probe[6];
		const struct api_error_map *got;
		const struct api_error_code *c = api_error_code_find(m->code);

		assert_non_null(c);
		assert_int_equal(c->status, m->status);
		if (m->sqlstate[0] == '\0') {
			assert_ptr_equal(api_error_lookup("P0001"), m);
			assert_int_equal(m->status, 500);
			break;
		}
		if (strlen(m->sqlstate) == 2)
			snprintf(probe, sizeof(probe), "%sZZZ", m->sqlstate);
		else
			snprintf(probe, sizeof(probe), "%s", m->sqlstate);
		got = api_error_lookup(probe);
		assert_ptr_equal(got, m);
	}
	assert_true(n >= 10);
}

/* The decisions of issue 10, one by one. */
static void map_decisions(void **state)
{
	static const struct {
		const char *st;
		int status;
		const char *code;
		int retry;
	} want[] = {
	        {"CV404", 404, "not_found", 0},
	        {"CV409", 409, "conflict", 0},
	        {"CV422", 422, "invalid_value", 0},
	        {"CV400", 400, "bad_request", 0},
	        {"CV418", 500, "internal", 0}, /* not in the vocabulary */
	        {"22001", 422, "invalid_value", 0},
	        {"22P02", 422, "invalid_value", 0},
	        {"22007", 422, "invalid_value", 0},
	        {"23505", 409, "conflict", 0},
	        {"23503", 422, "invalid_value", 0},
	        {"23502", 422, "invalid_value", 0},
	        {"23514", 422, "invalid_value", 0},
	        {"40001", 503, "try_again", 1},
	        {"40P01", 503, "try_again", 1},
	        {"08006", 503, "database_unavailable", 1},
	        {"57P01", 503, "database_unavailable", 1},
	        {"P0001", 500, "internal", 0},
	        {"42P01", 500, "internal", 0},
	        {"", 500, "internal", 0},
	        {"22", 500, "internal", 0}, /* a class alone is no SQLSTATE */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct api_error_map *m = api_error_lookup(want[i].st);

		assert_int_equal(m->status, want[i].status);
		assert_string_equal(m->code, want[i].code);
		assert_int_equal(m->retry_after > 0, want[i].retry);
	}
	assert_int_equal(api_error_lookup(NULL)->status, 500);
}

/* A query that never answered (res NULL) is 503 with the reason. */
static void no_answer(void **state)
{
	struct api_error e;

	(void)state;
	api_error_from_pg(NULL, "connection lost", &e);
	assert_int_equal(e.status, 503);
	assert_string_equal(e.code, "database_unavailable");
	assert_string_equal(e.message, "connection lost");
	assert_null(e.field);
}

/* docs/API.md's table of codes and its table of SQLSTATEs are the C
 * tables, both ways. */
static void docs_match(void **state)
{
	char *doc = slurp("docs/API.md");
	regex_t code_re, map_re;
	regmatch_t m[4];
	int ncodes = 0, nmap = 0, ctab = 0, mtab = 0;
	const char *p;

	(void)state;
	assert_int_equal(regcomp(&code_re,
	                         "^\\| ([0-9]{3}) \\| `([a-z_]+)` \\|",
	                         REG_EXTENDED | REG_NEWLINE),
	                 0);
	assert_int_equal(regcomp(&map_re,
	                         "^\\| (`([A-Z0-9]{2,5})`|\\(any other\\)) \\| "
	                         "([0-9]{3}) \\| `[a-z_]+` \\|",
	                         REG_EXTENDED | REG_NEWLINE),
	                 0);
	for (p = doc; regexec(&code_re, p, 3, m, 0) == 0; p += m[0].rm_eo) {
		char code[64];
		const struct api_error_code *c;
		int len = (int)(m[2].rm_eo - m[2].rm_so);

		snprintf(code, sizeof(code), "%.*s", len, p + m[2].rm_so);
		c = api_error_code_find(code);
		if (c == NULL)
			fail_msg("docs/API.md lists `%s`, daemon/api_error.c "
			         "does not",
			         code);
		assert_int_equal(atoi(p + m[1].rm_so), c->status);
		ncodes++;
	}
	for (const struct api_error_code *c = api_error_codes; c->code; c++)
		ctab++;
	assert_int_equal(ncodes, ctab);
	for (p = doc; regexec(&map_re, p, 4, m, 0) == 0; p += m[0].rm_eo) {
		char st[8] = "", line[200];
		const struct api_error_map *e;
		const char *code;

		if (m[2].rm_so >= 0)
			snprintf(st, sizeof(st), "%.*s",
			         (int)(m[2].rm_eo - m[2].rm_so),
			         p + m[2].rm_so);
		for (e = api_error_map; strcmp(e->sqlstate, st) != 0; e++)
			if (e->sqlstate[0] == '\0')
				fail_msg("docs/API.md maps %s, the C map does "
				         "not",
				         st);
		snprintf(line, sizeof(line), "%.*s",
		         (int)(m[0].rm_eo - m[0].rm_so), p + m[0].rm_so);
		code = strrchr(line, '`');
		*(char *)code = '\0';
		code = strrchr(line, '`') + 1;
		assert_int_equal(atoi(p + m[3].rm_so), e->status);
		assert_string_equal(code, e->code);
		nmap++;
	}
	for (const struct api_error_map *e = api_error_map;; e++) {
		mtab++;
		if (e->sqlstate[0] == '\0')
			break;
	}
	assert_int_equal(nmap, mtab);
	regfree(&code_re);
	regfree(&map_re);
	free(doc);
}

/* Every code literal the daemon's sources reply with ("404, \"not_found\""
 * in http_reply_error and the json_in/registration checks, or
 * "code = \"...\"") is in api_error_codes, hence in docs/API.md. */
static void sources_use_listed_codes(void **state)
{
	static const char *const pats[] = {
	        "[1-5][0-9][0-9],[[:space:]]*\"([a-z_]+)\"",
	        "code[[:space:]]*=[[:space:]]*\"([a-z_]+)\"",
	};
	glob_t g;
	int found = 0;

	(void)state;
	assert_int_equal(glob("daemon/*.c", 0, NULL, &g), 0);
	assert_true(g.gl_pathc > 10);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		char *src = slurp(g.gl_pathv[f]);

		for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
			regex_t re;
			regmatch_t m[2];

			assert_int_equal(regcomp(&re, pats[k], REG_EXTENDED),
			                 0);
			for (const char *p = src; regexec(&re, p, 2, m, 0) == 0;
			     p += m[0].rm_eo) {
				char code[64];

				snprintf(code, sizeof(code), "%.*s",
				         (int)(m[1].rm_eo - m[1].rm_so),
				         p + m[1].rm_so);
				if (api_error_code_find(code) == NULL)
					fail_msg("%s replies with code %s, "
					         "which api_error_codes (and "
					         "docs/API.md) do not list",
					         g.gl_pathv[f], code);
				found++;
			}
			regfree(&re);
		}
		free(src);
	}
	globfree(&g);
	assert_true(found > 50); /* the scan does see the replies */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(map_walk),
	        cmocka_unit_test(map_decisions),
	        cmocka_unit_test(no_answer),
	        cmocka_unit_test(docs_match),
	        cmocka_unit_test(sources_use_listed_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
