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

/* Who made a request (auth.c fills it in before an admin handler runs). */
enum http_role {
	HTTP_ROLE_NONE = 0, /* not authenticated (public routes) */
	HTTP_ROLE_ADMIN,
	HTTP_ROLE_COORDINATOR,
	HTTP_ROLE_DOOR,
};
enum http_via {
	HTTP_VIA_NONE = 0,
	HTTP_VIA_BOOTSTRAP, /* [convened] admin_token: an admin, no account */
	HTTP_VIA_TOKEN,     /* an account's API token */
	HTTP_VIA_SESSION,   /* a console session cookie */
};
struct http_who {
	enum http_role role;
	enum http_via via;
	long long id;     /* account id; 0 for the bootstrap token */
	char name[101];   /* account name; "bootstrap" for the config's token */
	char session[65]; /* hash of the session id (via session), or "" */
};

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
	struct http_who who;     /* the caller of an admin route */
	int path_matched;        /* a route's path matched (405 vs 404) */
	/* a reply held back until its audit line is written */
	int pend_ready, pend_status;
	char *pend_ctype, *pend_data;
	size_t pend_len;
};

typedef void (*http_handler)(struct http_req *r);

enum {
	HTTP_ADMIN = 1 << 0,    /* requires an account (token or session) and
	                           declares who may call it in .scope */
	HTTP_METRICS = 1 << 1,  /* requires [http] metrics_token when set */
	HTTP_OWN_AUTH = 1 << 2, /* authorised by the handler (a check-in
	                         * secret): not the public POST throttle */
	HTTP_PUBLIC = 1 << 3,   /* under /api/ but open to all (/api/login) */
	HTTP_NOAUDIT = 1 << 4,  /* a change that writes its own audit line */
};

/* Who may call an HTTP_ADMIN route (judged in SQL: cv_account_may).  A
 * route with HTTP_ADMIN and no scope stops the daemon at start-up. */
enum http_scope {
	HTTP_SCOPE_UNSET = 0,
	HTTP_SCOPE_ADMIN,   /* admins only */
	HTTP_SCOPE_STAFF,   /* admins and coordinators (of any project) */
	HTTP_SCOPE_ACCOUNT, /* any account (its own session, /api/me) */
	HTTP_SCOPE_PROJECT, /* admins; coordinators of the resource's project */
	HTTP_SCOPE_DOOR,    /* as PROJECT, plus door staff of its event */
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
	/* Authorisation of HTTP_ADMIN routes: the scope, and for PROJECT and
	 * DOOR the resource it is judged on: "event", "deadline",
	 * "registration" (an id) or "project" (a slug), taken from the first
	 * path capture, or from query parameter .in_query, or from the JSON
	 * body's string field .in_body. */
	enum http_scope scope;
	const char *resource;
	const char *in_query;
	const char *in_body;
};

/* Scope names as the API and SQL spell them ("admin", "project", ...). */
const char *http_scope_name(enum http_scope s);
const char *http_role_name(enum http_role r);

/* Call FN for every route of every table (for GET /api/_routes). */
void http_each_route(void (*fn)(const struct http_route *rt, void *arg),
                     void *arg);

/* A route that must declare a scope and does not, or declares a resource
 * it cannot find: NULL when every table is sound, else a sentence naming
 * the route (static buffer).  http_start refuses to start on one. */
const char *http_routes_problem(void);

/* Forget every route table (for tests). */
void http_reset_routes(void);

/* Set by auth.c: authenticate and authorise R for its route (or for any
 * account when no route matched), then call next(R); or reply 401/403
 * and free R.  And: called with every reply to an authenticated request
 * that may change something (http_reply_raw and those built on it; a
 * shared reply is never one), for the audit log (DATA/LEN: the body); it
 * calls send(R) once the line is written (or could not be), which sends
 * the reply. */
struct http_auth_ops {
	void (*check)(struct http_req *r, void (*next)(struct http_req *r));
	void (*replied)(struct http_req *r, int status, const void *data,
	                size_t len, void (*send)(struct http_req *r));
};
void http_set_auth(const struct http_auth_ops *ops);

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
