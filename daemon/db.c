/* db.c - a pool of nonblocking libpq connections driven by the libevent loop,
 * plus one dedicated LISTEN connection; reconnects with backoff. */
#include "db.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>

#include "log.h"

enum conn_state {
	CONN_DOWN,       /* waiting for the reconnect timer */
	CONN_CONNECTING, /* PQconnectPoll in progress */
	CONN_IDLE,       /* connected, no query */
	CONN_BUSY,       /* a query is running */
	CONN_CLOSED      /* pool shutting down */
};

struct query {
	TAILQ_ENTRY(query) entry;
	char *sql;
	int nparams;
	char **params;
	db_cb cb;
	void *arg;
	struct timeval queued;
};
TAILQ_HEAD(queryq, query);

struct listener {
	char *channel;
	db_notify_cb cb;
	void *arg;
};

struct reconnect_hook {
	db_reconnect_cb cb;
	void *arg;
};

struct conn {
	struct db *db;
	PGconn *pg;
	struct event *io;    /* socket readiness */
	struct event *timer; /* reconnect backoff / connect timeout */
	enum conn_state state;
	int is_listen;
	int listen_setup; /* LISTEN commands in flight */
	int ever_connected;
	int backoff_ms;
	struct query *q; /* running query */
	PGresult *res;   /* result kept for q */
};

struct db {
	struct event_base *base;
	char *conninfo;
	int size;
	struct conn *conns;  /* size pool connections */
	struct conn listen;  /* the LISTEN connection */
	struct queryq queue; /* waiting for a connection */
	size_t queued;
	struct event *tick; /* queue time-outs */
	int reconnect_min_ms, reconnect_max_ms, query_timeout_ms;
	struct listener listeners[16];
	int nlisteners;
	struct reconnect_hook hooks[8];
	int nhooks;
	unsigned long reconnects, queries, errors;
	struct timeval last_kick; /* last reconnect brought forward by demand */
	int closing;
};

static void conn_start(struct conn *c);
static void conn_lost(struct conn *c, const char *why);
static void dispatch(struct db *db);

static void query_free(struct query *q)
{
	for (int i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

/* Run Q's callback with res (may be NULL) and free Q. */
static void query_finish(struct db *db, struct query *q, PGresult *res,
                         const char *err)
{
	db->queries++;
	if (res == NULL)
		db->errors++;
	q->cb(q->arg, res, err);
	query_free(q);
}

static void conn_set_io(struct conn *c, short what);

static void conn_schedule_reconnect(struct conn *c)
{
	struct db *db = c->db;
	struct timeval tv;
	int ms;

	c->state = CONN_DOWN;
	if (c->backoff_ms == 0)
		c->backoff_ms = db->reconnect_min_ms;
	else if (c->backoff_ms < db->reconnect_max_ms)
		c->backoff_ms *= 2;
	if (c->backoff_ms > db->reconnect_max_ms)
		c->backoff_ms = db->reconnect_max_ms;
	/* jitter: 75%..100% of the backoff */
	ms = c->backoff_ms - (int)(random() % (c->backoff_ms / 4 + 1));
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

static void conn_close(struct conn *c)
{
	if (c->io) {
		event_free(c->io);
		c->io = NULL;
	}
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	if (c->res) {
		PQclear(c->res);
		c->res = NULL;
	}
}

/* The connection failed or went away: fail its query, schedule reconnect. */
static void conn_lost(struct conn *c, const char *why)
{
	struct db *db = c->db;
	struct query *q = c->q;
	int was_up = c->state == CONN_IDLE || c->state == CONN_BUSY;

	if (was_up)
		log_warnx("database connection lost: %s", why);
	else
		log_debug("database connect failed: %s", why);
	c->q = NULL;
	conn_close(c);
	evtimer_del(c->timer);
	if (db->closing) {
		c->state = CONN_CLOSED;
	} else {
		conn_schedule_reconnect(c);
	}
	if (q)
		query_finish(db, q, NULL, why);
	/* With no connection left, waiting queries would only time out. */
	dispatch(db);
}

static const char *conn_error(struct conn *c)
{
	static char buf[256];
	const char *m = c->pg ? PQerrorMessage(c->pg) : "out of memory";

	snprintf(buf, sizeof(buf), "%s", m && *m ? m : "unknown error");
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = (p[1] ? ' ' : '\0');
	return buf;
}

static void listen_send(struct conn *c);

/* Bring C's reconnect forward: connect now instead of when its backoff
 * timer fires.  C must be CONN_DOWN. */
static void conn_reconnect_now(struct conn *c)
{
	evtimer_del(c->timer);
	c->backoff_ms = 0;
	conn_start(c);
}

static void wake_others(struct conn *c)
{
	struct db *db = c->db;

	for (int i = 0; i < db->size && !db->closing; i++)
		if (&db->conns[i] != c && db->conns[i].state == CONN_DOWN)
			conn_reconnect_now(&db->conns[i]);
	if (&db->listen != c && db->listen.state == CONN_DOWN && !db->closing)
		conn_reconnect_now(&db->listen);
}

/* A query found no connection up: try one waiting connection now rather
 * than at the end of its backoff (which grows to reconnect_max_ms during a
 * long outage), at most once per reconnect_min_ms, so a client's retry
 * after the database (or a promoted standby) is back is served. */
static void db_kick(struct db *db)
{
	struct timeval now, age;

	if (db->closing)
		return;
	gettimeofday(&now, NULL);
	timersub(&now, &db->last_kick, &age);
	if (age.tv_sec * 1000 + age.tv_usec / 1000 < db->reconnect_min_ms)
		return;
	for (int i = 0; i < db->size; i++)
		if (db->conns[i].state == CONN_DOWN) {
			db->last_kick = now;
			conn_reconnect_now(&db->conns[i]);
			return;
		}
}

static void conn_ready(struct conn *c)
{
	struct db *db = c->db;

	evtimer_del(c->timer);
	c->backoff_ms = 0;
	if (PQsetnonblocking(c->pg, 1) != 0) {
		conn_lost(c, "cannot set nonblocking mode");
		return;
	}
	if (c->ever_connected)
		db->reconnects++;
	if (c->ever_connected || c->is_listen)
		log_info("database %s connection %s",
		         c->is_listen ? "listen" : "pool",
		         c->ever_connected ? "re-established" : "established");
	c->ever_connected = 1;
	c->state = CONN_IDLE;
	conn_set_io(c, EV_READ);
	/* The database is back (or a failover picked a new primary): every
	 * connection waiting out its backoff tries now, the LISTEN one too. */
	wake_others(c);
	if (c->is_listen)
		listen_send(c);
	else
		dispatch(db);
}

static void conn_poll(struct conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING:
		conn_set_io(c, EV_READ);
		break;
	case PGRES_POLLING_WRITING:
		conn_set_io(c, EV_WRITE);
		break;
	case PGRES_POLLING_OK:
		conn_ready(c);
		break;
	default:
		conn_lost(c, conn_error(c));
		break;
	}
}

/* Pull in everything readable; returns -1 when the connection is gone. */
static int conn_consume(struct conn *c)
{
	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
		conn_lost(c, conn_error(c));
		return -1;
	}
	return 0;
}

static void deliver_notifies(struct conn *c)
{
	struct db *db = c->db;
	PGnotify *n;

	while ((n = PQnotifies(c->pg)) != NULL) {
		for (int i = 0; i < db->nlisteners; i++)
			if (strcmp(db->listeners[i].channel, n->relname) == 0)
				db->listeners[i].cb(db->listeners[i].arg,
				                    n->relname, n->extra);
		PQfreemem(n);
	}
}

/* Collect results of the running query; finish it when all are in. */
static void conn_results(struct conn *c)
{
	struct db *db = c->db;

	while (!PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);

		if (r == NULL) {
			struct query *q = c->q;
			PGresult *res = c->res;

			c->q = NULL;
			c->res = NULL;
			c->state = CONN_IDLE;
			if (c->listen_setup) {
				c->listen_setup = 0;
				if (res &&
				    PQresultStatus(res) != PGRES_COMMAND_OK)
					log_warnx("LISTEN failed: %s",
					          PQresultErrorMessage(res));
				PQclear(res);
				for (int i = 0; i < db->nhooks; i++)
					db->hooks[i].cb(db->hooks[i].arg);
				return;
			}
			if (q) {
				query_finish(db, q, res, NULL);
				PQclear(res);
			} else if (res) {
				PQclear(res);
			}
			dispatch(db);
			return;
		}
		/* Keep the first error, else the last result. */
		if (c->res && PQresultStatus(c->res) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(c->res);
			c->res = r;
		}
	}
}

static void conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;

	if (c->state == CONN_CONNECTING) {
		conn_poll(c);
		return;
	}
	if (what & EV_WRITE) {
		int r = PQflush(c->pg);
		if (r < 0) {
			conn_lost(c, conn_error(c));
			return;
		}
		if (r == 0)
			conn_set_io(c, EV_READ);
	}
	if (what & EV_READ) {
		if (conn_consume(c) < 0)
			return;
		if (c->is_listen)
			deliver_notifies(c);
		if (c->state == CONN_BUSY)
			conn_results(c);
	}
}

static void conn_set_io(struct conn *c, short what)
{
	int fd = PQsocket(c->pg);

	if (c->io)
		event_free(c->io);
	c->io = NULL;
	if (fd < 0) {
		conn_lost(c, "no socket");
		return;
	}
	c->io = event_new(c->db->base, fd, what | EV_PERSIST, conn_io_cb, c);
	event_add(c->io, NULL);
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;

	if (c->state == CONN_CONNECTING)
		conn_lost(c, "connect timed out");
	else if (c->state == CONN_DOWN)
		conn_start(c);
}

/* Route libpq's notices (e.g. "terminating connection") to our log. */
static void notice_cb(void *arg, const char *msg)
{
	(void)arg;
	log_debug("database notice: %s", msg);
}

static void conn_start(struct conn *c)
{
	struct timeval tv = {10, 0};

	c->pg = PQconnectStart(c->db->conninfo);
	if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
		c->state = CONN_CONNECTING;
		conn_lost(c, conn_error(c));
		return;
	}
	PQsetNoticeProcessor(c->pg, notice_cb, NULL);
	c->state = CONN_CONNECTING;
	evtimer_add(c->timer, &tv); /* connect_timeout is ignored here */
	conn_set_io(c, EV_WRITE);
}

/* Send the LISTENs on the listen connection. */
static void listen_send(struct conn *c)
{
	struct db *db = c->db;
	char sql[2048] = "";
	size_t len = 0;

	if (db->nlisteners == 0) {
		for (int i = 0; i < db->nhooks; i++)
			db->hooks[i].cb(db->hooks[i].arg);
		return;
	}
	for (int i = 0; i < db->nlisteners; i++) {
		char *id = PQescapeIdentifier(c->pg, db->listeners[i].channel,
		                              strlen(db->listeners[i].channel));
		if (id == NULL)
			continue;
		len += snprintf(sql + len, sizeof(sql) - len, "LISTEN %s;", id);
		PQfreemem(id);
		if (len >= sizeof(sql))
			break;
	}
	if (!PQsendQuery(c->pg, sql)) {
		conn_lost(c, conn_error(c));
		return;
	}
	c->listen_setup = 1;
	c->state = CONN_BUSY;
	if (PQflush(c->pg) == 1)
		conn_set_io(c, EV_READ | EV_WRITE);
}

static void conn_send(struct conn *c, struct query *q)
{
	int r;

	c->q = q;
	c->state = CONN_BUSY;
	if (!PQsendQueryParams(c->pg, q->sql, q->nparams, NULL,
	                       (const char *const *)q->params, NULL, NULL, 0)) {
		conn_lost(c, conn_error(c));
		return;
	}
	r = PQflush(c->pg);
	if (r < 0)
		conn_lost(c, conn_error(c));
	else if (r == 1)
		conn_set_io(c, EV_READ | EV_WRITE);
}

/* 1 when C is connected or connecting: a query may wait for it. */
static int conn_usable(const struct conn *c)
{
	return c->state == CONN_IDLE || c->state == CONN_BUSY ||
	       c->state == CONN_CONNECTING;
}

/* Give queued queries to idle connections; fail them when none is up. */
static void dispatch(struct db *db)
{
	int up = 0;

	for (int i = 0; i < db->size && !TAILQ_EMPTY(&db->queue); i++) {
		struct conn *c = &db->conns[i];
		if (c->state == CONN_IDLE) {
			struct query *q = TAILQ_FIRST(&db->queue);
			TAILQ_REMOVE(&db->queue, q, entry);
			db->queued--;
			conn_send(c, q);
		}
	}
	if (TAILQ_EMPTY(&db->queue))
		return;
	for (int i = 0; i < db->size; i++)
		up += conn_usable(&db->conns[i]);
	if (up == 0) {
		struct query *q;
		while ((q = TAILQ_FIRST(&db->queue)) != NULL) {
			TAILQ_REMOVE(&db->queue, q, entry);
			db->queued--;
			query_finish(db, q, NULL, "database unavailable");
		}
	}
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db *db = arg;
	struct timeval now, age;
	struct query *q;
	(void)fd;
	(void)what;

	gettimeofday(&now, NULL);
	while ((q = TAILQ_FIRST(&db->queue)) != NULL) {
		timersub(&now, &q->queued, &age);
		if (age.tv_sec * 1000 + age.tv_usec / 1000 <
		    db->query_timeout_ms)
			break;
		TAILQ_REMOVE(&db->queue, q, entry);
		db->queued--;
		query_finish(db, q, NULL, "timed out waiting for a connection");
	}
}

static void conn_init(struct db *db, struct conn *c, int is_listen)
{
	memset(c, 0, sizeof(*c));
	c->db = db;
	c->is_listen = is_listen;
	c->timer = evtimer_new(db->base, conn_timer_cb, c);
	c->state = CONN_DOWN;
}

struct db *db_new(struct event_base *base, const char *conninfo, int size,
                  int reconnect_min_ms, int reconnect_max_ms,
                  int query_timeout_ms)
{
	struct db *db = calloc(1, sizeof(*db));
	struct timeval tv = {0, 250000};

	if (db == NULL)
		return NULL;
	db->base = base;
	db->conninfo = strdup(conninfo);
	db->size = size;
	db->conns = calloc(size, sizeof(struct conn));
	db->reconnect_min_ms = reconnect_min_ms;
	db->reconnect_max_ms = reconnect_max_ms;
	db->query_timeout_ms = query_timeout_ms;
	TAILQ_INIT(&db->queue);
	if (db->conninfo == NULL || db->conns == NULL) {
		free(db->conninfo);
		free(db->conns);
		free(db);
		return NULL;
	}
	for (int i = 0; i < size; i++) {
		conn_init(db, &db->conns[i], 0);
		conn_start(&db->conns[i]);
	}
	conn_init(db, &db->listen, 1);
	conn_start(&db->listen);
	db->tick = event_new(base, -1, EV_PERSIST, tick_cb, db);
	event_add(db->tick, &tv);
	return db;
}

static void conn_shutdown(struct conn *c)
{
	struct query *q = c->q;

	c->q = NULL;
	conn_close(c);
	if (c->timer)
		event_free(c->timer);
	c->timer = NULL;
	c->state = CONN_CLOSED;
	if (q)
		query_finish(c->db, q, NULL, "shutting down");
}

void db_close(struct db *db)
{
	struct query *q;

	if (db == NULL || db->closing)
		return;
	db->closing = 1;
	for (int i = 0; i < db->size; i++)
		conn_shutdown(&db->conns[i]);
	conn_shutdown(&db->listen);
	while ((q = TAILQ_FIRST(&db->queue)) != NULL) {
		TAILQ_REMOVE(&db->queue, q, entry);
		query_finish(db, q, NULL, "shutting down");
	}
}

void db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_close(db);
	event_free(db->tick);
	for (int i = 0; i < db->nlisteners; i++)
		free(db->listeners[i].channel);
	free(db->conns);
	free(db->conninfo);
	free(db);
}

/* Deferred failure, so a callback never runs inside db_query. */
static void fail_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct query *q = arg;
	(void)fd;
	(void)what;

	q->cb(q->arg, NULL, "database unavailable");
	query_free(q);
}

int db_query(struct db *db, const char *sql, int nparams,
             const char *const *params, db_cb cb, void *arg)
{
	struct query *q;
	int up = 0;

	if (db->closing)
		return -1;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -1;
	q->sql = strdup(sql);
	q->nparams = nparams;
	q->params = calloc(nparams > 0 ? nparams : 1, sizeof(char *));
	q->cb = cb;
	q->arg = arg;
	for (int i = 0; i < nparams; i++)
		if (params[i])
			q->params[i] = strdup(params[i]);
	gettimeofday(&q->queued, NULL);
	for (int i = 0; i < db->size; i++)
		up += conn_usable(&db->conns[i]);
	if (up == 0) {
		struct timeval tv = {0, 0};
		db->errors++;
		event_base_once(db->base, -1, EV_TIMEOUT, fail_later_cb, q,
		                &tv);
		db_kick(db);
		return 0;
	}
	TAILQ_INSERT_TAIL(&db->queue, q, entry);
	db->queued++;
	dispatch(db);
	return 0;
}

int db_listen(struct db *db, const char *channel, db_notify_cb cb, void *arg)
{
	if (db->nlisteners ==
	    (int)(sizeof(db->listeners) / sizeof(db->listeners[0])))
		return -1;
	db->listeners[db->nlisteners].channel = strdup(channel);
	db->listeners[db->nlisteners].cb = cb;
	db->listeners[db->nlisteners].arg = arg;
	db->nlisteners++;
	/* Already connected: issue the new LISTEN now. */
	if (db->listen.state == CONN_IDLE)
		listen_send(&db->listen);
	return 0;
}

void db_on_reconnect(struct db *db, db_reconnect_cb cb, void *arg)
{
	if (db->nhooks < (int)(sizeof(db->hooks) / sizeof(db->hooks[0]))) {
		db->hooks[db->nhooks].cb = cb;
		db->hooks[db->nhooks].arg = arg;
		db->nhooks++;
	}
}

void db_stats(const struct db *db, struct db_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = db->size;
	for (int i = 0; i < db->size; i++) {
		if (db->conns[i].state == CONN_IDLE)
			st->connected++;
		if (db->conns[i].state == CONN_BUSY)
			st->connected++, st->busy++;
	}
	st->queued = db->queued;
	st->reconnects = db->reconnects;
	st->queries = db->queries;
	st->errors = db->errors;
	st->listen_connected =
	        db->listen.state == CONN_IDLE || db->listen.state == CONN_BUSY;
}

const char *db_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}
