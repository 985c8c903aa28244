/* http.h - the HTTP server: evhttp, a route table, JSON bodies and errors. */
#ifndef CONVENED_HTTP_H
#define CONVENED_HTTP_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stddef.h>
#include <time.h>

struct app;

#define HTTP_MAX_PARAMS 4

/* One request being handled.  Owned by the server; valid until a reply
 * function below is called (which frees it).  A handler may reply later,
 * from a database callback. */
struct http_req {
	struct evhttp_request *req;
	struct app *app;
	const struct http_route *route;
	enum evhttp_cmd_type method;
	const char *path;                    /* decoded path, no query */
	const char *params[HTTP_MAX_PARAMS]; /* {name} captures in order */
	size_t nparams;
	struct evkeyvalq query; /* parsed query string */
	char *body;             /* NUL-terminated request body */
	size_t body_len;
	char *capbuf;            /* storage behind params */
	struct timespec started; /* arrival (CLOCK_MONOTONIC), for latency */
};

typedef void (*http_handler)(struct http_req *r);

enum {
	HTTP_ADMIN = 1 << 0,    /* requires the bearer token */
	HTTP_METRICS = 1 << 1,  /* requires [http] metrics_token when set */
	HTTP_OWN_AUTH = 1 << 2, /* authorised by the handler (a check-in
	                         * secret): not the public POST throttle */
};

/* A route: METHOD plus a pattern whose "{name}" segments capture one
 * path segment each, e.g. "/api/events/{id}/cancel".  A pattern may end
 * in a literal suffix after a capture: "/calendars/projects/{slug}.ics". */
struct http_route {
	int method; /* EVHTTP_REQ_GET, ... */
	const char *pattern;
	http_handler handler;
	int flags;
	const char *name; /* label for /metrics; defaults to pattern */
};

/* Add a table of routes (terminated by a route with pattern NULL).  The
 * table must outlive the server.  Call before http_start. */
int http_add_routes(const struct http_route *routes);

/* Match PATH against PATTERN; on success fill caps (pointers into buf,
 * which must be at least strlen(path)+1 bytes) and return the number
 * captured; -1 when it does not match.  Pure; exported for tests. */
int http_match(const char *pattern, const char *path, char *buf,
               const char **caps, size_t maxcaps);

/* Bind and start serving on the app's base.  Returns 0 or -1 (logged). */
int http_start(struct app *app);
void http_stop(void);
/* Requests received and not yet answered. */
unsigned long http_inflight(void);

/* Reply with a JSON value (stolen: decref'd here). */
void http_reply_json(struct http_req *r, int status, json_t *body);
/* Reply {"error":{"code":CODE,"message":MSG}}; field, when not NULL, is
 * added as "field". */
void http_reply_error(struct http_req *r, int status, const char *code,
                      const char *field, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
/* Reply with raw bytes and a content type. */
void http_reply_raw(struct http_req *r, int status, const char *ctype,
                    const void *data, size_t len);
/* A reference-counted, immutable byte buffer that replies can send without
 * copying (large calendar feeds).  http_shared_new takes DATA (malloc'd) and
 * starts with one reference; the last unref frees DATA.  Loop thread only. */
struct http_shared;
struct http_shared *http_shared_new(void *data, size_t len);
void http_shared_unref(struct http_shared *s);
/* Reply with S's bytes (a reference is held until they are written). */
void http_reply_shared(struct http_req *r, int status, const char *ctype,
                       struct http_shared *s);
/* Reply with an HTML page (body is already escaped HTML). */
void http_reply_html(struct http_req *r, int status, const char *html,
                     size_t len);
/* Add a response header before replying. */
void http_add_header(struct http_req *r, const char *name, const char *value);
/* 1 when R carries the admin bearer token (compared in constant time),
 * else 0; replies nothing. */
int http_bearer_is_admin(struct http_req *r);
/* A request header, or NULL. */
const char *http_header(struct http_req *r, const char *name);

/* Parse the body as a JSON object.  On failure replies 400 with the
 * reason (and frees r) and returns NULL. */
json_t *http_body_json(struct http_req *r);

/* Build the error body {"error":{...}}; for tests and handlers. */
json_t *http_error_body(const char *code, const char *field,
                        const char *message);

/* Escape S for HTML text and attributes into a new string (malloc). */
char *http_html_escape(const char *s);

#endif
