/* http.c - the HTTP server: evhttp, route tables, auth, JSON replies. */
#include "http.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "app.h"
#include "config.h"
#include "http_conn.h"
#include "log.h"
#include "metrics.h"
#include "throttle.h"

#define MAX_TABLES 32

static const struct http_route *tables[MAX_TABLES];
static int ntables;
static struct evhttp *server;
static unsigned long inflight;

int http_add_routes(const struct http_route *routes)
{
	if (ntables == MAX_TABLES)
		return -1;
	tables[ntables++] = routes;
	return 0;
}

void http_reset_routes(void)
{
	ntables = 0;
}

unsigned long http_inflight(void)
{
	return inflight;
}

int http_match(const char *pattern, const char *path, char *buf,
               const char **caps, size_t maxcaps)
{
	const char *p = pattern, *s = path;
	char *out = buf;
	size_t n = 0;

	while (*p) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *lit, *start = s;
			size_t litlen;

			if (close == NULL || n == maxcaps)
				return -1;
			/* the literal after the capture, up to '/' or '{' */
			lit = close + 1;
			litlen = strcspn(lit, "/{");
			/* capture: up to the next '/', minus the literal */
			while (*s && *s != '/')
				s++;
			if ((size_t)(s - start) <= litlen ||
			    strncmp(s - litlen, lit, litlen) != 0)
				return -1;
			memcpy(out, start, s - start - litlen);
			caps[n++] = out;
			out += s - start - litlen;
			*out++ = '\0';
			p = lit + litlen;
			continue;
		}
		if (*p != *s)
			return -1;
		p++;
		s++;
	}
	return *s == '\0' ? (int)n : -1;
}

static void req_free(struct http_req *r)
{
	evhttp_clear_headers(&r->query);
	free(r->pend_ctype);
	free(r->pend_data);
	free(r->body);
	free(r->capbuf);
	free((char *)r->path);
	free(r);
	inflight--;
}

/* Seconds since R arrived. */
static double req_age(const struct http_req *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->started.tv_sec) +
	       (double)(now.tv_nsec - r->started.tv_nsec) / 1e9;
}

static const struct http_auth_ops *auth_ops;

/* Does R's reply go to the audit log first?  Every reply to an
 * authenticated request that may change something. */
static int audited(const struct http_req *r)
{
	return auth_ops && auth_ops->replied && r->who.role != HTTP_ROLE_NONE &&
	       r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD &&
	       !(r->route && (r->route->flags & HTTP_NOAUDIT)) &&
	       !r->pend_ready;
}

static const char *route_label(struct http_req *r)
{
	if (r->route == NULL)
		return "unmatched";
	return r->route->name ? r->route->name : r->route->pattern;
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req), name,
	                  value);
}

const char *http_header(struct http_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req),
	                          name);
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

/* Headers every response carries: no page or feed of ours (token URLs,
 * personal feeds) leaks its address in a Referer. */
static void common_headers(struct http_req *r)
{
	http_add_header(r, "Referrer-Policy", "no-referrer");
}

static void send_pending(struct http_req *r);

void http_reply_raw(struct http_req *r, int status, const char *ctype,
                    const void *data, size_t len)
{
	struct evbuffer *buf;

	/* A change is answered only once its audit line is written: what a
	 * client saw done is in the log. */
	if (audited(r)) {
		r->pend_ready = 1;
		r->pend_status = status;
		r->pend_ctype = ctype ? strdup(ctype) : NULL;
		r->pend_data = malloc(len ? len : 1);
		if (r->pend_data && len)
			memcpy(r->pend_data, data, len);
		r->pend_len = r->pend_data ? len : 0;
		auth_ops->replied(r, status, data, len, send_pending);
		return;
	}
	buf = evbuffer_new();

	common_headers(r);
	if (ctype)
		http_add_header(r, "Content-Type", ctype);
	if (data && len && r->method != EVHTTP_REQ_HEAD)
		evbuffer_add(buf, data, len);
	metrics_http(route_label(r), status, req_age(r));
	http_conn_replied(evhttp_request_get_connection(r->req));
	evhttp_send_reply(r->req, status, reason(status), buf);
	evbuffer_free(buf);
	req_free(r);
}

/* The reply held back for the audit line (http_reply_raw). */
static void send_pending(struct http_req *r)
{
	char *ctype = r->pend_ctype, *data = r->pend_data;

	r->pend_ctype = r->pend_data = NULL;
	http_reply_raw(r, r->pend_status, ctype, data, r->pend_len);
	free(ctype);
	free(data);
}

void http_reply_json(struct http_req *r, int status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(body);
	if (s == NULL) {
		static const char oom[] = "{\"error\":{\"code\":\"internal\","
		                          "\"message\":\"out of memory\"}}";
		http_reply_raw(r, 500, "application/json", oom,
		               sizeof(oom) - 1);
		return;
	}
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, status, "application/json", s, strlen(s));
	free(s);
}

struct http_shared {
	unsigned refs;
	size_t len;
	void *data;
};

struct http_shared *http_shared_new(void *data, size_t len)
{
	struct http_shared *s = malloc(sizeof(*s));

	if (s == NULL)
		return NULL;
	s->refs = 1;
	s->len = len;
	s->data = data;
	return s;
}

void http_shared_unref(struct http_shared *s)
{
	if (s && --s->refs == 0) {
		free(s->data);
		free(s);
	}
}

static void shared_cleanup(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	http_shared_unref(arg);
}

void http_reply_shared(struct http_req *r, int status, const char *ctype,
                       struct http_shared *s)
{
	struct evbuffer *buf = evbuffer_new();

	common_headers(r);
	if (ctype)
		http_add_header(r, "Content-Type", ctype);
	if (s->len && r->method != EVHTTP_REQ_HEAD) {
		s->refs++;
		if (evbuffer_add_reference(buf, s->data, s->len, shared_cleanup,
		                           s) != 0)
			s->refs--;
	}
	metrics_http(route_label(r), status, req_age(r));
	http_conn_replied(evhttp_request_get_connection(r->req));
	evhttp_send_reply(r->req, status, reason(status), buf);
	evbuffer_free(buf);
	req_free(r);
}

json_t *http_error_body(const char *code, const char *field,
                        const char *message)
{
	json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message);

	if (e && field)
		json_object_set_new(e, "field", json_string(field));
	return json_pack("{s:o}", "error", e);
}

void http_reply_error(struct http_req *r, int status, const char *code,
                      const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_json(r, status, http_error_body(code, field, msg));
}

void http_reply_html(struct http_req *r, int status, const char *html,
                     size_t len)
{
	http_add_header(r, "X-Content-Type-Options", "nosniff");
	http_add_header(r, "Content-Security-Policy",
	                "default-src 'none'; style-src 'unsafe-inline'; "
	                "form-action 'self'; frame-ancestors 'none'");
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, status, "text/html; charset=utf-8", html, len);
}

json_t *http_body_json(struct http_req *r)
{
	json_error_t e;
	json_t *j;

	if (r->body_len == 0) {
		http_reply_error(r, 400, "bad_json", NULL,
		                 "the request body is empty; a JSON object "
		                 "is expected");
		return NULL;
	}
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL) {
		http_reply_error(r, 400, "bad_json", NULL,
		                 "malformed JSON at line %d column %d: %s",
		                 e.line, e.column, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		http_reply_error(r, 400, "bad_json", NULL,
		                 "the request body must be a JSON object");
		return NULL;
	}
	return j;
}

char *http_html_escape(const char *s)
{
	size_t n = 0;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += (*p == '&')                 ? 5
		     : (*p == '<' || *p == '>')  ? 4
		     : (*p == '"' || *p == '\'') ? 6
		                                 : 1;
	out = o = malloc(n + 1);
	if (out == NULL)
		return NULL;
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&':
			memcpy(o, "&amp;", 5), o += 5;
			break;
		case '<':
			memcpy(o, "&lt;", 4), o += 4;
			break;
		case '>':
			memcpy(o, "&gt;", 4), o += 4;
			break;
		case '"':
			memcpy(o, "&quot;", 6), o += 6;
			break;
		case '\'':
			memcpy(o, "&#39;", 5), o += 5;
			break;
		default:
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* Compare the bearer token in constant time (hashes of equal length). */
static int token_ok(const char *given, const char *want)
{
	unsigned char a[32], b[32];

	crypto_generichash(a, sizeof(a), (const unsigned char *)given,
	                   strlen(given), NULL, 0);
	crypto_generichash(b, sizeof(b), (const unsigned char *)want,
	                   strlen(want), NULL, 0);
	return sodium_memcmp(a, b, sizeof(a)) == 0;
}

/* 0 when R carries the bearer token WANT; otherwise replies 401/403 and
 * returns -1. */
static int check_token(struct http_req *r, const char *want)
{
	const char *h = http_header(r, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		http_add_header(r, "WWW-Authenticate",
		                "Bearer realm=\"convened\"");
		http_reply_error(r, 401, "unauthorized", NULL,
		                 "this endpoint needs an Authorization: Bearer "
		                 "token");
		return -1;
	}
	if (want == NULL || !token_ok(h + 7, want)) {
		http_reply_error(r, 403, "forbidden", NULL,
		                 "the bearer token is not valid");
		return -1;
	}
	return 0;
}

int http_bearer_is_admin(struct http_req *r)
{
	const char *h = http_header(r, "Authorization");
	const char *want = r->app->cfg->admin_token;

	return h && want && strncasecmp(h, "Bearer ", 7) == 0 &&
	       token_ok(h + 7, want);
}

void http_set_auth(const struct http_auth_ops *ops)
{
	auth_ops = ops;
}

const char *http_scope_name(enum http_scope sc)
{
	static const char *const names[] = {
	        [HTTP_SCOPE_UNSET] = "none",
	        [HTTP_SCOPE_ADMIN] = "admin",
	        [HTTP_SCOPE_STAFF] = "staff",
	        [HTTP_SCOPE_ACCOUNT] = "account",
	        [HTTP_SCOPE_PROJECT] = "project",
	        [HTTP_SCOPE_DOOR] = "door",
	};
	return (unsigned)sc < sizeof(names) / sizeof(names[0]) ? names[sc]
	                                                       : "none";
}

const char *http_role_name(enum http_role ro)
{
	static const char *const names[] = {
	        [HTTP_ROLE_NONE] = "",
	        [HTTP_ROLE_ADMIN] = "admin",
	        [HTTP_ROLE_COORDINATOR] = "coordinator",
	        [HTTP_ROLE_DOOR] = "door",
	};
	return (unsigned)ro < sizeof(names) / sizeof(names[0]) ? names[ro] : "";
}

void http_each_route(void (*fn)(const struct http_route *rt, void *arg),
                     void *arg)
{
	for (int t = 0; t < ntables; t++)
		for (const struct http_route *rt = tables[t]; rt->pattern; rt++)
			fn(rt, arg);
}

/* Does the route need an account?  Every /api/ route but the public ones,
 * and any route marked HTTP_ADMIN elsewhere. */
static int route_needs_account(const struct http_route *rt)
{
	if (rt->flags & HTTP_ADMIN)
		return 1;
	return strncmp(rt->pattern, "/api/", 5) == 0 &&
	       strncmp(rt->pattern, "/api/public/", 12) != 0 &&
	       !(rt->flags & HTTP_PUBLIC);
}

const char *http_routes_problem(void)
{
	static char why[512];

	for (int t = 0; t < ntables; t++)
		for (const struct http_route *rt = tables[t]; rt->pattern;
		     rt++) {
			int scoped = rt->scope == HTTP_SCOPE_PROJECT ||
			             rt->scope == HTTP_SCOPE_DOOR;

			if (!route_needs_account(rt))
				continue;
			if (!(rt->flags & HTTP_ADMIN) ||
			    rt->scope == HTTP_SCOPE_UNSET)
				snprintf(why, sizeof(why),
				         "route %s declares no scope (.flags = "
				         "HTTP_ADMIN and .scope = "
				         "HTTP_SCOPE_...: "
				         "who may call it)",
				         rt->pattern);
			else if (scoped && rt->resource == NULL)
				snprintf(why, sizeof(why),
				         "route %s has scope %s but names no "
				         ".resource",
				         rt->pattern,
				         http_scope_name(rt->scope));
			else if (scoped && !rt->in_query && !rt->in_body &&
			         strchr(rt->pattern, '{') == NULL)
				snprintf(why, sizeof(why),
				         "route %s judges a %s but has no {id} "
				         "capture, .in_query or .in_body",
				         rt->pattern, rt->resource);
			else
				continue;
			return why;
		}
	return NULL;
}

/* Request framing evhttp accepts and a proxy in front may read otherwise
 * (request smuggling): NULL when the head is clean, else why not.  evhttp
 * keeps every header line, so duplicates are visible here; a space before
 * the colon leaves it in the name. */
static const char *framing_error(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	int ncl = 0, nte = 0;

	TAILQ_FOREACH(kv, h, next)
	{
		const char *k = kv->key;

		if (*k == '\0' || strpbrk(k, " \t\r\n\v\f") != NULL)
			return "a header name is empty or contains "
			       "whitespace (whitespace before the colon?)";
		if (strcasecmp(k, "Content-Length") == 0) {
			const char *v = kv->value;
			if (++ncl > 1)
				return "Content-Length is given more than once";
			if (*v == '\0' ||
			    strspn(v, "0123456789") != strlen(v) ||
			    strlen(v) > 18)
				return "Content-Length is not a decimal number";
		}
		if (strcasecmp(k, "Transfer-Encoding") == 0)
			nte++;
	}
	if (nte && ncl)
		return "Transfer-Encoding and Content-Length together";
	if (nte > 1)
		return "Transfer-Encoding is given more than once";
	return NULL;
}

/* Per connection tuning: TCP_NODELAY, larger writes. */
static void set_nodelay(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev =
	        c ? evhttp_connection_get_bufferevent(c) : NULL;
	int fd = bev ? bufferevent_getfd(bev) : -1, one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* libevent writes at most 16 KiB per write(2) by default: a 5 MB
	 * calendar feed would take 330 system calls. */
	if (bev)
		bufferevent_set_max_single_write(bev, 1024 * 1024);
}

/* After authentication (if any): 404/405, the metrics token, the public
 * POST throttle, then the handler. */
static void run_route(struct http_req *r)
{
	const struct http_route *rt = r->route;

	if (rt == NULL) {
		if (r->path_matched)
			http_reply_error(r, 405, "method_not_allowed", NULL,
			                 "%s is not allowed on %s",
			                 r->method == EVHTTP_REQ_GET ? "GET"
			                 : r->method == EVHTTP_REQ_POST
			                         ? "POST"
			                         : "this method",
			                 r->path);
		else
			http_reply_error(r, 404, "not_found", NULL,
			                 "no such resource: %s", r->path);
		return;
	}
	if ((rt->flags & HTTP_METRICS) && r->app->cfg->http_metrics_token &&
	    check_token(r, r->app->cfg->http_metrics_token) < 0)
		return;
	/* every public POST passes the per-address throttle */
	if (r->method == EVHTTP_REQ_POST && !route_needs_account(rt) &&
	    !(rt->flags & HTTP_OWN_AUTH) &&
	    (strncmp(r->path, "/api/", 5) != 0 ||
	     strncmp(r->path, "/api/public/", 12) == 0) &&
	    throttle_check(r) < 0)
		return;
	rt->handler(r);
}

static void dispatch_cb(struct evhttp_request *req, void *arg)
{
	struct app *app = arg;
	struct http_req *r;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *rawpath = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	int over_cap;
	size_t plen;

	set_nodelay(req);
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	inflight++;
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	over_cap = http_conn_dispatched(evhttp_request_get_connection(req));
	r->req = req;
	r->app = app;
	r->method = evhttp_request_get_command(req);
	TAILQ_INIT(&r->query);
	r->path =
	        evhttp_uridecode(rawpath && *rawpath ? rawpath : "/", 0, &plen);
	if (r->path == NULL || strlen(r->path) != plen) {
		http_reply_error(r, 400, "bad_path", NULL,
		                 "the request path is not valid");
		return;
	}
	if (q && evhttp_parse_query_str(q, &r->query) != 0) {
		http_reply_error(r, 400, "bad_query", NULL,
		                 "the query string is not valid");
		return;
	}
	r->body_len = evbuffer_get_length(in);
	r->body = malloc(r->body_len + 1);
	if (r->body == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_copyout(in, r->body, r->body_len);
	r->body[r->body_len] = '\0';
	if (over_cap) {
		http_add_header(r, "Connection", "close");
		http_add_header(r, "Retry-After", "5");
		http_reply_error(r, 503, "too_many_connections", NULL,
		                 "too many open connections");
		return;
	}
	{
		const char *why = framing_error(req);
		if (why) {
			http_add_header(r, "Connection", "close");
			http_reply_error(r, 400, "bad_request", NULL,
			                 "malformed request: %s", why);
			return;
		}
	}
	if (app->draining) {
		http_add_header(r, "Connection", "close");
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
		return;
	}

	char *buf = malloc(plen + 1);
	if (buf == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	r->capbuf = buf;
	for (int t = 0; t < ntables && r->route == NULL; t++) {
		for (const struct http_route *rt = tables[t]; rt->pattern;
		     rt++) {
			int n = http_match(rt->pattern, r->path, buf, r->params,
			                   HTTP_MAX_PARAMS);
			if (n < 0)
				continue;
			r->path_matched = 1;
			if (rt->method != (int)r->method &&
			    !(r->method == EVHTTP_REQ_HEAD &&
			      rt->method == EVHTTP_REQ_GET))
				continue;
			r->route = rt;
			r->nparams = (size_t)n;
			break;
		}
	}
	/* The admin API answers nothing, not even 404, to a caller without
	 * an account; an admin route runs only for the roles its scope
	 * names. */
	if (r->route ? route_needs_account(r->route)
	             : strncmp(r->path, "/api/", 5) == 0 &&
	                       strncmp(r->path, "/api/public/", 12) != 0) {
		if (auth_ops == NULL) {
			http_reply_error(r, 401, "unauthorized", NULL,
			                 "no accounts are configured");
			return;
		}
		auth_ops->check(r, run_route);
		return;
	}
	run_route(r);
}

int http_start(struct app *app)
{
	const struct config *c = app->cfg;
	const char *why = http_routes_problem();

	if (why) {
		log_warnx("%s", why);
		return -1;
	}
	server = evhttp_new(app->base);
	if (server == NULL)
		return -1;
	evhttp_set_max_body_size(server, c->http_max_body);
	evhttp_set_max_headers_size(server, c->http_max_header);
	evhttp_set_timeout(server, c->http_timeout_s);
	if (http_conn_install(server, app) < 0) {
		evhttp_free(server);
		server = NULL;
		return -1;
	}
	evhttp_set_allowed_methods(server,
	                           EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	                                   EVHTTP_REQ_PATCH | EVHTTP_REQ_PUT |
	                                   EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_default_content_type(server, "application/json");
	evhttp_set_gencb(server, dispatch_cb, app);
	if (evhttp_bind_socket_with_handle(server, c->listen,
	                                   (ev_uint16_t)c->port) == NULL) {
		log_warn("cannot listen on %s port %d", c->listen, c->port);
		evhttp_free(server);
		server = NULL;
		return -1;
	}
	log_info("listening on http://%s:%d", c->listen, c->port);
	return 0;
}

void http_stop(void)
{
	if (server)
		evhttp_free(server);
	server = NULL;
	http_conn_stop();
}
