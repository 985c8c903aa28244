/* db_row.h - read a query's result by column name, never by position: the
 * SQL function a read calls names its columns, C looks them up. */
#ifndef CONVENED_DB_ROW_H
#define CONVENED_DB_ROW_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Look up the N column NAMES in RES once: COLS[i] is the column of NAMES[i].
 * Returns 0, or -1 with ERR naming the first column RES lacks. */
int db_row_columns(const PGresult *res, const char *const *names, int n,
                   int *cols, char *err, size_t errlen);

/* Check that RES has every column of the NULL-terminated NAMES.  Returns
 * 0, or -1 with ERR naming the first one it lacks. */
int db_row_need(const PGresult *res, const char *const *names, char *err,
                size_t errlen);

/* Value of column COL (from db_row_columns) in ROW: the text, NULL when SQL
 * NULL (or COL is -1); the text or "" for NULL; as an integer (0 when NULL);
 * as a boolean (1 only for 't'). */
const char *db_row_at(const PGresult *res, int row, int col);
const char *db_row_str_at(const PGresult *res, int row, int col);
int64_t db_row_int_at(const PGresult *res, int row, int col);
int db_row_bool_at(const PGresult *res, int row, int col);

/* Value of column NAME in ROW: NULL when SQL NULL or when RES has no such
 * column (check with db_row_need first when that matters). */
const char *db_row_get(const PGresult *res, int row, const char *name);

/* db_row_get, but "" for NULL or a missing column. */
const char *db_row_str(const PGresult *res, int row, const char *name);

/* Column NAME of ROW as an integer (0 when NULL or missing) and as a
 * boolean (1 only for 't'). */
int64_t db_row_int(const PGresult *res, int row, const char *name);
int db_row_bool(const PGresult *res, int row, const char *name);

/* The one value of a one-column result (a function returning json or a
 * scalar): NULL when RES has no row, the value is NULL, or RES has more
 * than one column (then it is not such a result). */
const char *db_row_only(const PGresult *res, int row);

#endif
