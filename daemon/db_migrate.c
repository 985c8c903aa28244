/* db_migrate.c - bring the database to this convened's sql/ under an
 * advisory lock, in one transaction (blocking; start-up only): numbered
 * schema changes sql/NNN_name.sql once each, checksummed; the functions,
 * triggers and views of sql/functions/ re-applied whenever they change. */
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_row.h"
#include "log.h"

/* Advisory lock key: "convened" migrations. */
#define MIGRATE_LOCK "7305514219032811"

/* The numbered files the squashed baseline replaced: a database listing
 * one of them was made before the squash. */
#define LEGACY_FIRST "001_schema.sql"

/* A file of sql/ or sql/functions/: its name, text and SHA-256 (hex). */
struct sqlfile {
	char *name;
	char *text;
	char sum[crypto_hash_sha256_BYTES * 2 + 1];
};

struct files {
	struct sqlfile *v;
	int n;
};

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct sqlfile *)a)->name,
	              ((const struct sqlfile *)b)->name);
}

static char *read_file(const char *path, size_t *len)
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
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void files_free(struct files *fs)
{
	for (int i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		free(fs->v[i].text);
	}
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
}

/* Read every file of DIR whose name matches PATTERN, sorted by name, with
 * its checksum.  A missing directory is an error unless OPTIONAL.  Returns
 * 0 or -1 with a reason in err. */
static int read_dir(const char *dir, const char *pattern, int optional,
                    struct files *out, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	regex_t re;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	if (d == NULL) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "migrations directory %s: %s", dir,
		         strerror(errno));
		return -1;
	}
	regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char path[4096];
		struct sqlfile *f, *v;
		unsigned char h[crypto_hash_sha256_BYTES];
		size_t len = 0;

		if (regexec(&re, e->d_name, 0, NULL, 0) != 0)
			continue;
		v = realloc(out->v, sizeof(*v) * (out->n + 1));
		if (v == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		out->v = v;
		f = &v[out->n];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f->name = strdup(e->d_name);
		f->text = read_file(path, &len);
		if (f->name == NULL || f->text == NULL) {
			snprintf(err, errlen, "%s: %s", path,
			         f->text ? "out of memory" : strerror(errno));
			free(f->name);
			free(f->text);
			rc = -1;
			break;
		}
		out->n++;
		crypto_hash_sha256(h, (const unsigned char *)f->text, len);
		sodium_bin2hex(f->sum, sizeof(f->sum), h, sizeof(h));
	}
	regfree(&re);
	closedir(d);
	if (rc < 0)
		files_free(out);
	else
		qsort(out->v, out->n, sizeof(*out->v), cmp_file);
	return rc;
}

/* Copy a libpq message into err after PREFIX, on one line. */
static void set_err(char *err, size_t errlen, const char *prefix,
                    const char *msg)
{
	snprintf(err, errlen, "%s: %s", prefix, msg);
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
}

/* Run SQL (text parameters); on failure write "what: message" into err
 * and return NULL.  The caller PQclears the result. */
static PGresult *run(PGconn *pg, const char *sql, int n,
                     const char *const *params, const char *what, char *err,
                     size_t errlen)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	set_err(err, errlen, what, PQresultErrorMessage(r));
	PQclear(r);
	return NULL;
}

/* run() for a script of several statements (no parameters). */
static int run_script(PGconn *pg, const char *sql, const char *what, char *err,
                      size_t errlen)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		set_err(err, errlen, what, PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int run_ok(PGconn *pg, const char *sql, int n, const char *const *params,
                  const char *what, char *err, size_t errlen)
{
	PGresult *r = run(pg, sql, n, params, what, err, errlen);

	PQclear(r);
	return r ? 0 : -1;
}

/* A database made before the squash: schema_migrations without checksums,
 * listing 001_schema.sql ... 009_*.sql.  Returns 1 (err set), 0, or -1. */
static int refuse_legacy(PGconn *pg, char *err, size_t errlen)
{
	PGresult *r = run(pg,
	                  "SELECT to_regclass('schema_migrations') IS NOT NULL"
	                  " AND NOT EXISTS (SELECT 1 FROM pg_attribute"
	                  "  WHERE attrelid = to_regclass('schema_migrations')"
	                  "    AND attname = 'checksum' AND NOT attisdropped)",
	                  0, NULL, "schema_migrations", err, errlen);
	int legacy;

	if (r == NULL)
		return -1;
	legacy = db_row_only(r, 0) && db_row_only(r, 0)[0] == 't';
	PQclear(r);
	if (!legacy)
		return 0;
	snprintf(err, errlen,
	         "this database was made by a convened from before the "
	         "squashed schema (schema_migrations lists " LEGACY_FIRST
	         " ... without checksums) and cannot be upgraded in place: "
	         "dump its data (pg_dump --data-only --disable-triggers "
	         "--exclude-table=schema_migrations --exclude-table=cv_zones "
	         "--exclude-table=outbox_settings DBNAME > data.sql), create "
	         "a new database, run convened --migrate on it, load the data "
	         "(psql -d NEWDB -f data.sql) and point [database] at it");
	return 1;
}

/* Every applied migration must have its file, unchanged.  Marks in
 * APPLIED[i] which files are applied.  Returns 0 or -1 (err set). */
static int check_applied(PGconn *pg, const char *dir, const struct files *fs,
                         int *applied, char *err, size_t errlen)
{
	PGresult *r = run(pg,
	                  "SELECT version, checksum FROM schema_migrations"
	                  " ORDER BY version",
	                  0, NULL, "schema_migrations", err, errlen);
	int rc = 0;

	if (r == NULL)
		return -1;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		const char *v = db_row_str(r, i, "version");
		const char *sum = db_row_str(r, i, "checksum");
		int k = -1;

		for (int j = 0; j < fs->n; j++)
			if (strcmp(fs->v[j].name, v) == 0)
				k = j;
		if (k < 0) {
			snprintf(err, errlen,
			         "the database has migration %s, which is not "
			         "in %s: it was made by another version of "
			         "convened (use that version, or this one's "
			         "sql_dir)",
			         v, dir);
			rc = -1;
		} else if (strcmp(fs->v[k].sum, sum) != 0) {
			snprintf(
			        err, errlen,
			        "%s/%s was changed after it was applied "
			        "(checksum %.12s... recorded, %.12s... now): "
			        "an applied migration must not change; restore "
			        "it and put the change in a new numbered file",
			        dir, v, sum, fs->v[k].sum);
			rc = -1;
		} else {
			applied[k] = 1;
		}
	}
	PQclear(r);
	return rc;
}

/* 1 when the function files recorded in schema_functions differ from FS
 * (a file added, removed or changed), 0 when not, -1 on error. */
static int functions_changed(PGconn *pg, const struct files *fs, char *err,
                             size_t errlen)
{
	PGresult *r = run(pg,
	                  "SELECT file, checksum FROM schema_functions"
	                  " ORDER BY file",
	                  0, NULL, "schema_functions", err, errlen);
	int changed;

	if (r == NULL)
		return -1;
	changed = PQntuples(r) != fs->n;
	for (int i = 0; !changed && i < fs->n; i++)
		changed =
		        strcmp(db_row_str(r, i, "file"), fs->v[i].name) != 0 ||
		        strcmp(db_row_str(r, i, "checksum"), fs->v[i].sum) != 0;
	PQclear(r);
	return changed;
}

/* Drop every cv_* function, procedure and view of the schema, with the
 * triggers that call them, so that the function files can re-create them
 * with any signature.  Refuses when anything else (a column default, a
 * constraint, an index) depends on one of them. */
static const char drop_guard_sql[] =
        "SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS object,"
        "       p.oid::regprocedure::text AS routine"
        "  FROM pg_depend d JOIN pg_proc p"
        "    ON d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid"
        " WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = "
        "current_schema())"
        "   AND p.proname LIKE 'cv\\_%' AND d.deptype = 'n'"
        "   AND d.classid NOT IN ('pg_trigger'::regclass,"
        "                         'pg_rewrite'::regclass,"
        "                         'pg_proc'::regclass)"
        " LIMIT 1";

static const char drop_sql[] =
        "DO $$DECLARE o text; BEGIN"
        " FOR o IN SELECT c.oid::regclass::text FROM pg_class c"
        "  WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname "
        "= current_schema())"
        "    AND c.relkind IN ('v', 'm') AND c.relname LIKE 'cv\\_%'"
        " LOOP EXECUTE format('DROP VIEW IF EXISTS %s CASCADE', o); END LOOP;"
        " FOR o IN SELECT p.oid::regprocedure::text FROM pg_proc p"
        "  WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname "
        "= current_schema())"
        "    AND p.proname LIKE 'cv\\_%' AND p.prokind IN ('f', 'p')"
        " LOOP EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', o);"
        " END LOOP; END$$";

static int apply_functions(PGconn *pg, const char *fdir, const struct files *fs,
                           char *err, size_t errlen)
{
	PGresult *r =
	        run(pg, drop_guard_sql, 0, NULL, "sql/functions", err, errlen);

	if (r == NULL)
		return -1;
	if (PQntuples(r) > 0) {
		snprintf(err, errlen,
		         "%s depends on %s, which %s may re-create: tables, "
		         "defaults, constraints and indexes must not call "
		         "cv_* functions",
		         db_row_str(r, 0, "object"),
		         db_row_str(r, 0, "routine"), fdir);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	/* bodies are checked when first called, so files may refer to each
	 * other in any order (as pg_dump's output does) */
	if (run_ok(pg, "SET LOCAL check_function_bodies = off", 0, NULL,
	           "settings", err, errlen) < 0 ||
	    run_script(pg, drop_sql, "sql/functions: drop", err, errlen) < 0 ||
	    run_ok(pg, "DELETE FROM schema_functions", 0, NULL,
	           "schema_functions", err, errlen) < 0)
		return -1;
	for (int i = 0; i < fs->n; i++) {
		char what[4400];
		const char *params[2] = {fs->v[i].name, fs->v[i].sum};

		snprintf(what, sizeof(what), "%.4000s/%.255s", fdir,
		         fs->v[i].name);
		if (run_script(pg, fs->v[i].text, what, err, errlen) < 0 ||
		    run_ok(pg,
		           "INSERT INTO schema_functions (file, checksum)"
		           " VALUES ($1, $2)",
		           2, params, what, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static const char tables_sql[] =
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY,"
        " checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now());"
        "CREATE TABLE IF NOT EXISTS schema_functions ("
        " file text PRIMARY KEY,"
        " checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())";

/* Under the lock: check, then apply what is missing in one transaction. */
static int migrate_locked(PGconn *pg, const char *dir, const char *fdir,
                          const struct files *mig, const struct files *fun,
                          char *err, size_t errlen)
{
	int *applied = calloc(mig->n + 1, sizeof(*applied));
	int pending = 0, changed, n = 0, rc;

	if (applied == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = refuse_legacy(pg, err, errlen);
	if (rc != 0 ||
	    run_script(pg, tables_sql, "schema_migrations", err, errlen) < 0 ||
	    check_applied(pg, dir, mig, applied, err, errlen) < 0) {
		free(applied);
		return -1;
	}
	for (int i = 0; i < mig->n; i++)
		pending += !applied[i];
	changed = functions_changed(pg, fun, err, errlen);
	if (changed < 0) {
		free(applied);
		return -1;
	}
	if (pending == 0 && changed == 0) {
		free(applied);
		return 0;
	}
	if (run_ok(pg, "BEGIN", 0, NULL, "begin", err, errlen) < 0) {
		free(applied);
		return -1;
	}
	for (int i = 0; i < mig->n && n >= 0; i++) {
		const char *params[2] = {mig->v[i].name, mig->v[i].sum};

		if (applied[i])
			continue;
		if (run_script(pg, mig->v[i].text, mig->v[i].name, err,
		               errlen) < 0 ||
		    run_ok(pg,
		           "INSERT INTO schema_migrations (version, checksum)"
		           " VALUES ($1, $2)",
		           2, params, mig->v[i].name, err, errlen) < 0)
			n = -1;
		else
			n++;
	}
	/* after a schema change, re-create every function against it */
	if (n < 0 || apply_functions(pg, fdir, fun, err, errlen) < 0 ||
	    run_ok(pg, "COMMIT", 0, NULL, "commit", err, errlen) < 0) {
		PQclear(PQexec(pg, "ROLLBACK"));
		free(applied);
		return -1;
	}
	free(applied);
	log_info("database: %d migration%s applied; %d function file%s "
	         "applied from %s%s",
	         n, n == 1 ? "" : "s", fun->n, fun->n == 1 ? "" : "s", fdir,
	         changed ? " (changed)" : "");
	return n;
}

int db_migrate(const char *conninfo, const char *dir, char *err, size_t errlen)
{
	PGconn *pg = PQconnectdb(conninfo);
	struct files mig = {0}, fun = {0};
	char fdir[4096];
	int rc = -1;

	if (PQstatus(pg) != CONNECTION_OK) {
		set_err(err, errlen, "cannot connect to the database",
		        PQerrorMessage(pg));
		PQfinish(pg);
		return -1;
	}
	snprintf(fdir, sizeof(fdir), "%s/functions", dir);
	if (read_dir(dir, "^[0-9]{3}_[A-Za-z0-9_]+\\.sql$", 0, &mig, err,
	             errlen) < 0 ||
	    read_dir(fdir, "^[A-Za-z0-9_]+\\.sql$", 1, &fun, err, errlen) < 0)
		goto out;
	if (run_ok(pg, "SET client_min_messages = warning", 0, NULL, "settings",
	           err, errlen) < 0 ||
	    run_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", 0, NULL,
	           "advisory lock", err, errlen) < 0)
		goto out;
	rc = migrate_locked(pg, dir, fdir, &mig, &fun, err, errlen);
	PQclear(PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")"));
out:
	files_free(&mig);
	files_free(&fun);
	PQfinish(pg);
	return rc;
}
