/* db_migrate.c - apply sql/NNN_name.sql in order, each once, under an
 * advisory lock, each in its own transaction (blocking; start-up only). */
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Advisory lock key: "convened" migrations. */
#define MIGRATE_LOCK "7305514219032811"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) != NULL) {
		if (fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* Run SQL; on failure write "what: message" into err and return -1. */
static int exec_ok(PGconn *pg, const char *sql, const char *what, char *err,
                   size_t errlen)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok) {
		snprintf(err, errlen, "%s: %s", what, PQresultErrorMessage(r));
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = p[1] ? ' ' : '\0';
	}
	PQclear(r);
	return ok ? 0 : -1;
}

/* List migration files in DIR, sorted; returns count or -1. */
static int list_files(const char *dir, char ***out, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	regex_t re;
	char **v = NULL;
	int n = 0;

	if (d == NULL) {
		snprintf(err, errlen, "migrations directory %s: %s", dir,
		         strerror(errno));
		return -1;
	}
	regcomp(&re, "^[0-9]{3}_[A-Za-z0-9_]+\\.sql$",
	        REG_EXTENDED | REG_NOSUB);
	while ((e = readdir(d)) != NULL) {
		if (regexec(&re, e->d_name, 0, NULL, 0) != 0)
			continue;
		v = realloc(v, sizeof(*v) * (n + 1));
		v[n++] = strdup(e->d_name);
	}
	regfree(&re);
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

int db_migrate(const char *conninfo, const char *dir, char *err, size_t errlen)
{
	PGconn *pg = PQconnectdb(conninfo);
	char **files = NULL;
	int n, applied = 0, rc = -1;

	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect to the database: %s",
		         PQerrorMessage(pg));
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = p[1] ? ' ' : '\0';
		PQfinish(pg);
		return -1;
	}
	n = list_files(dir, &files, err, errlen);
	if (n < 0)
		goto out;
	if (exec_ok(pg, "SET client_min_messages = warning", "settings", err,
	            errlen) < 0 ||
	    exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")",
	            "advisory lock", err, errlen) < 0)
		goto out;
	if (exec_ok(pg,
	            "CREATE TABLE IF NOT EXISTS schema_migrations ("
	            " version text PRIMARY KEY,"
	            " applied_at timestamptz NOT NULL DEFAULT now())",
	            "schema_migrations", err, errlen) < 0)
		goto unlock;
	for (int i = 0; i < n; i++) {
		const char *params[1] = {files[i]};
		PGresult *r = PQexecParams(
		        pg,
		        "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
		        NULL, params, NULL, NULL, 0);
		int done = PQresultStatus(r) == PGRES_TUPLES_OK &&
		           PQntuples(r) == 1;
		char path[4096], *sql;

		PQclear(r);
		if (done)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		sql = read_file(path);
		if (sql == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto unlock;
		}
		if (exec_ok(pg, "BEGIN", files[i], err, errlen) < 0 ||
		    exec_ok(pg, sql, files[i], err, errlen) < 0) {
			free(sql);
			PQclear(PQexec(pg, "ROLLBACK"));
			goto unlock;
		}
		free(sql);
		r = PQexecParams(pg,
		                 "INSERT INTO schema_migrations (version) "
		                 "VALUES ($1)",
		                 1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "%s: %s", files[i],
			         PQresultErrorMessage(r));
			PQclear(r);
			PQclear(PQexec(pg, "ROLLBACK"));
			goto unlock;
		}
		PQclear(r);
		if (exec_ok(pg, "COMMIT", files[i], err, errlen) < 0)
			goto unlock;
		applied++;
	}
	rc = applied;
unlock:
	PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")"));
out:
	for (int i = 0; i < (n > 0 ? n : 0); i++)
		free(files[i]);
	free(files);
	PQfinish(pg);
	return rc;
}
