/* http_conn.h - convened's own hold on evhttp's client connections: a cap
 * on how many are open, and deadlines for reading a request's head and
 * body that a client trickling bytes cannot stretch (evhttp 2.1's timeout
 * restarts on every byte).  Connections are made here for evhttp
 * (evhttp_set_bevcb), so their bytes and their end are seen here. */
#ifndef CONVENED_HTTP_CONN_H
#define CONVENED_HTTP_CONN_H

struct evhttp;
struct evhttp_connection;
struct app;

/* Install on SERVER (before it accepts): every new connection is counted
 * and timed.  Returns 0 or -1. */
int http_conn_install(struct evhttp *server, struct app *app);

/* A request on CON was read whole and is being handled: its deadlines
 * stop.  Returns 1 when the connection is over the cap and the request
 * must be refused (503, Connection: close), else 0. */
int http_conn_dispatched(struct evhttp_connection *con);

/* A reply on CON is being sent: the next request's head deadline starts. */
void http_conn_replied(struct evhttp_connection *con);

/* After evhttp_free: let go of every connection still held. */
void http_conn_stop(void);

/* Open client connections now. */
unsigned http_conn_open(void);

#endif
