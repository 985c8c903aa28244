/* db_row.c - read a query's result by column name, never by position. */
#include "db_row.h"

#include <stdio.h>
#include <stdlib.h>

int db_row_columns(const PGresult *res, const char *const *names, int n,
                   int *cols, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		cols[i] = PQfnumber(res, names[i]);
		if (cols[i] < 0) {
			snprintf(err, errlen, "the result has no column %s",
			         names[i]);
			return -1;
		}
	}
	return 0;
}

int db_row_need(const PGresult *res, const char *const *names, char *err,
                size_t errlen)
{
	for (int i = 0; names[i]; i++)
		if (PQfnumber(res, names[i]) < 0) {
			snprintf(err, errlen, "the result has no column %s",
			         names[i]);
			return -1;
		}
	return 0;
}

const char *db_row_at(const PGresult *res, int row, int col)
{
	if (col < 0 || row < 0 || row >= PQntuples(res) ||
	    col >= PQnfields(res) || PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

const char *db_row_str_at(const PGresult *res, int row, int col)
{
	const char *v = db_row_at(res, row, col);

	return v ? v : "";
}

int db_row_bool_at(const PGresult *res, int row, int col)
{
	const char *v = db_row_at(res, row, col);

	return v && v[0] == 't';
}

int64_t db_row_int_at(const PGresult *res, int row, int col)
{
	const char *v = db_row_at(res, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

const char *db_row_get(const PGresult *res, int row, const char *name)
{
	return db_row_at(res, row, PQfnumber(res, name));
}

const char *db_row_str(const PGresult *res, int row, const char *name)
{
	const char *v = db_row_get(res, row, name);

	return v ? v : "";
}

int64_t db_row_int(const PGresult *res, int row, const char *name)
{
	const char *v = db_row_get(res, row, name);

	return v ? strtoll(v, NULL, 10) : 0;
}

int db_row_bool(const PGresult *res, int row, const char *name)
{
	const char *v = db_row_get(res, row, name);

	return v && v[0] == 't';
}

const char *db_row_only(const PGresult *res, int row)
{
	if (PQnfields(res) != 1)
		return NULL;
	return db_row_at(res, row, 0);
}
