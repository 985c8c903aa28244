/* db.h - asynchronous PostgreSQL on the event loop: a pool of nonblocking
 * libpq connections, a LISTEN connection, reconnect with backoff. */
#ifndef CONVENED_DB_H
#define CONVENED_DB_H

#include <libpq-fe.h>
#include <stddef.h>

struct event_base;
struct db;

/*
 * Called once per query with its result.  res is NULL when the query could
 * not run (no connection, connection lost before the answer, timeout in the
 * queue); then err says why.  Otherwise check PQresultStatus(res) yourself
 * (PGRES_TUPLES_OK / PGRES_COMMAND_OK, or PGRES_FATAL_ERROR with
 * PQresultErrorField(res, PG_DIAG_SQLSTATE)).  res is freed by the pool
 * after the callback returns: copy what you keep.
 */
typedef void (*db_cb)(void *arg, PGresult *res, const char *err);

/* A notification from LISTEN: channel and payload, valid during the call. */
typedef void (*db_notify_cb)(void *arg, const char *channel,
                             const char *payload);

/* Called after every (re)connect of the LISTEN connection, once its LISTENs
 * are re-issued: notifications sent while disconnected are lost, so the
 * receiver should re-read what it watches. */
typedef void (*db_reconnect_cb)(void *arg);

/* Create a pool of SIZE connections to CONNINFO on BASE and start
 * connecting (never blocks).  Returns NULL on allocation failure. */
struct db *db_new(struct event_base *base, const char *conninfo, int size,
                  int reconnect_min_ms, int reconnect_max_ms,
                  int query_timeout_ms);

/* Stop taking queries and close every connection; every query queued or
 * running gets its callback now, with res NULL ("shutting down"), while its
 * owner is still alive.  Safe to call twice. */
void db_close(struct db *db);

/* db_close, then free the pool. */
void db_free(struct db *db);

/*
 * Queue SQL with NPARAMS text parameters (NULL entries are SQL NULL).
 * Parameters are copied; the callback runs later on the loop, never inside
 * db_query.  Returns 0, or -1 when the pool is shutting down (no callback).
 * Every statement is one round trip; use one SQL function or a
 * multi-statement-free CTE for a transaction.
 */
int db_query(struct db *db, const char *sql, int nparams,
             const char *const *params, db_cb cb, void *arg);

/* LISTEN on CHANNEL over the dedicated connection (re-issued after each
 * reconnect).  One callback per channel.  Returns 0 or -1. */
int db_listen(struct db *db, const char *channel, db_notify_cb cb, void *arg);

/* Register a callback run after every LISTEN-connection (re)connect. */
void db_on_reconnect(struct db *db, db_reconnect_cb cb, void *arg);

/* State for /healthz and /metrics. */
struct db_stats {
	int size;                 /* connections in the pool */
	int connected;            /* of those, connected and idle or busy */
	int busy;                 /* running a query */
	size_t queued;            /* queries waiting for a connection */
	unsigned long reconnects; /* successful reconnects since start */
	unsigned long queries;    /* queries completed */
	unsigned long errors;     /* queries that failed (res NULL) */
	int listen_connected;
};
void db_stats(const struct db *db, struct db_stats *st);

/* Convenience: the SQLSTATE of a failed result, or "" */
const char *db_sqlstate(const PGresult *res);

/* Blocking migration runner, used at start-up before the loop runs, under
 * an advisory lock and in one transaction: checks that every migration
 * recorded in schema_migrations is in DIR unchanged (SHA-256) and refuses a
 * database made before the squashed baseline; applies the numbered files
 * DIR/NNN_*.sql not yet applied, in order; and when any of them was
 * applied or any file of DIR/functions/ was added, changed or removed,
 * drops every cv_* function and view (with their triggers) and applies
 * every DIR/functions/NAME.sql again.  Returns the number of numbered files
 * applied, or -1 with a reason in err (which names the file at fault). */
int db_migrate(const char *conninfo, const char *dir, char *err, size_t errlen);

#endif
