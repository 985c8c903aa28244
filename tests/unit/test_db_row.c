/* test_db_row.c - reading results by column name (db_row.c) on real libpq
 * results: names are found wherever the columns are, a missing column is an
 * error naming it (not a crash), NULL is NULL, and a one-column reader
 * refuses a result with more columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "db_row.h"

/* A TUPLES_OK result with the NCOLS column NAMES and one row of VALS
 * (NULL entries are SQL NULL). */
static PGresult *result(int ncols, const char *const *names,
                        const char *const *vals)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc att[8];

	assert_non_null(res);
	memset(att, 0, sizeof(att));
	for (int i = 0; i < ncols; i++) {
		att[i].name = (char *)names[i];
		att[i].format = 0;
		att[i].typid = 25; /* text */
		att[i].typlen = -1;
		att[i].atttypmod = -1;
	}
	assert_int_equal(PQsetResultAttrs(res, ncols, att), 1);
	for (int i = 0; i < ncols; i++)
		assert_int_equal(
		        PQsetvalue(res, 0, i, (char *)vals[i],
		                   vals[i] ? (int)strlen(vals[i]) : -1),
		        1);
	return res;
}

static void names_not_positions(void **state)
{
	static const char *const names[] = {"created", "id", "state"};
	static const char *const vals[] = {"t", "42", NULL};
	static const char *const want[] = {"state", "id", "created"};
	PGresult *res = result(3, names, vals);
	int cols[3];
	char err[128] = "";

	(void)state;
	assert_int_equal(db_row_columns(res, want, 3, cols, err, sizeof(err)),
	                 0);
	assert_int_equal(cols[0], 2);
	assert_int_equal(cols[1], 1);
	assert_null(db_row_at(res, 0, cols[0]));
	assert_string_equal(db_row_str_at(res, 0, cols[0]), "");
	assert_int_equal(db_row_int_at(res, 0, cols[1]), 42);
	assert_true(db_row_bool_at(res, 0, cols[2]));
	assert_string_equal(db_row_get(res, 0, "id"), "42");
	assert_int_equal(db_row_int(res, 0, "id"), 42);
	assert_true(db_row_bool(res, 0, "created"));
	assert_false(db_row_bool(res, 0, "state"));
	PQclear(res);
}

static void missing_column_is_an_error(void **state)
{
	static const char *const names[] = {"id", "state"};
	static const char *const vals[] = {"1", "pending"};
	static const char *const want[] = {"id", "waitlist_rank"};
	static const char *const need[] = {"state", "resent", NULL};
	PGresult *res = result(2, names, vals);
	int cols[2];
	char err[128] = "";

	(void)state;
	assert_int_equal(db_row_columns(res, want, 2, cols, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "waitlist_rank"));
	assert_int_equal(db_row_need(res, need, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "resent"));
	/* reading it anyway gives NULL, never another column's value */
	assert_null(db_row_get(res, 0, "resent"));
	assert_string_equal(db_row_str(res, 0, "resent"), "");
	assert_null(db_row_at(res, 0, -1));
	assert_null(db_row_at(res, 1, 0)); /* no second row */
	PQclear(res);
}

static void only_column(void **state)
{
	static const char *const one[] = {"doc"};
	static const char *const two[] = {"doc", "extra"};
	static const char *const vals[] = {"[]", "x"};
	PGresult *a = result(1, one, vals), *b = result(2, two, vals);

	(void)state;
	assert_string_equal(db_row_only(a, 0), "[]");
	assert_null(db_row_only(a, 1));
	assert_null(db_row_only(b, 0));
	PQclear(a);
	PQclear(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(names_not_positions),
	        cmocka_unit_test(missing_column_is_an_error),
	        cmocka_unit_test(only_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
