/* auth.c - authentication and authorisation of admin routes, and the
 * audit log of changes (see auth.h). */
#include "auth.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "log.h"
#include "throttle.h"
#include "token.h"

struct pending {
	struct http_req *r;
	void (*next)(struct http_req *r);
	enum http_via via;
	char session[65]; /* hash of the session id */
};

void auth_hash(const char *secret, char *hex)
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)secret,
	                   strlen(secret), NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* Constant-time comparison of two secrets (hashes of equal length). */
static int same_secret(const char *given, const char *want)
{
	unsigned char a[32], b[32];

	crypto_generichash(a, sizeof(a), (const unsigned char *)given,
	                   strlen(given), NULL, 0);
	crypto_generichash(b, sizeof(b), (const unsigned char *)want,
	                   strlen(want), NULL, 0);
	return sodium_memcmp(a, b, sizeof(a)) == 0;
}

const char *auth_cookie(struct http_req *r, const char *name, char *buf,
                        size_t len)
{
	const char *h = http_header(r, "Cookie");
	size_t nlen = strlen(name);

	while (h && *h) {
		h += strspn(h, " \t;");
		if (strncmp(h, name, nlen) == 0 && h[nlen] == '=') {
			const char *v = h + nlen + 1;
			size_t vlen = strcspn(v, ";");

			while (vlen &&
			       (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= len)
				return NULL;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		h = strchr(h, ';');
	}
	return NULL;
}

const char *auth_method(const struct http_req *r)
{
	switch (r->method) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	default:
		return "OTHER";
	}
}

static enum http_role role_of(const char *s)
{
	if (s == NULL)
		return HTTP_ROLE_NONE;
	if (strcmp(s, "admin") == 0)
		return HTTP_ROLE_ADMIN;
	if (strcmp(s, "coordinator") == 0)
		return HTTP_ROLE_COORDINATOR;
	if (strcmp(s, "door") == 0)
		return HTTP_ROLE_DOOR;
	return HTTP_ROLE_NONE;
}

/* The resource value the route's scope is judged on, into BUF; NULL when
 * the request names none. */
static const char *resource_value(struct http_req *r, char *buf, size_t len)
{
	const struct http_route *rt = r->route;

	if (rt == NULL || rt->resource == NULL)
		return NULL;
	if (rt->in_query)
		return evhttp_find_header(&r->query, rt->in_query);
	if (rt->in_body) {
		json_t *j = json_loadb(r->body ? r->body : "", r->body_len, 0,
		                       NULL);
		json_t *v = json_object_get(j, rt->in_body);
		const char *out = NULL;

		if (json_is_string(v) && strlen(json_string_value(v)) < len)
			out = strcpy(buf, json_string_value(v));
		else if (json_is_integer(v))
			snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
			         json_integer_value(v)),
			        out = buf;
		json_decref(j);
		return out;
	}
	return r->nparams ? r->params[0] : NULL;
}

static void deny_session(struct http_req *r)
{
	http_add_header(r, "Set-Cookie",
	                AUTH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; "
	                            "SameSite=Strict");
	http_reply_error(r, 401, "unauthorized", NULL,
	                 "the session has ended: log in again");
}

static void authorised(void *arg, PGresult *res, const char *err)
{
	struct pending *p = arg;
	struct http_req *r = p->r;
	void (*next)(struct http_req *) = p->next;
	enum http_via via = p->via;
	json_t *j, *acc;
	const char *verdict;
	char p_session[65];

	memcpy(p_session, p->session, sizeof(p_session));
	free(p);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res)
			log_warnx("authorising %s: %s", r->path,
			          PQresultErrorMessage(res));
		http_reply_error(r, 503, "database_unavailable", NULL,
		                 "cannot check the credentials now: %s",
		                 err ? err : "database error");
		return;
	}
	j = json_loads(db_row_only(res, 0) ? db_row_only(res, 0) : "", 0, NULL);
	verdict = json_string_value(json_object_get(j, "verdict"));
	acc = json_object_get(j, "account");
	if (json_is_object(acc)) {
		const char *name =
		        json_string_value(json_object_get(acc, "name"));

		r->who.role = role_of(
		        json_string_value(json_object_get(acc, "role")));
		r->who.via = via;
		r->who.id = json_integer_value(json_object_get(acc, "id"));
		if (via == HTTP_VIA_SESSION)
			memcpy(r->who.session, p_session,
			       sizeof(r->who.session));
		snprintf(r->who.name, sizeof(r->who.name), "%s",
		         name ? name : "");
	}
	if (verdict && strcmp(verdict, "ok") == 0) {
		json_decref(j);
		next(r);
		return;
	}
	if (verdict && strcmp(verdict, "csrf") == 0)
		http_reply_error(r, 403, "csrf", NULL,
		                 "a change made with a session cookie needs "
		                 "the " AUTH_CSRF_HEADER " header of that "
		                 "session");
	else if (verdict && strcmp(verdict, "forbidden") == 0)
		http_reply_error(r, 403, "forbidden", NULL,
		                 "%s (%s) may not %s %s", r->who.name,
		                 http_role_name(r->who.role), auth_method(r),
		                 r->path);
	else if (via == HTTP_VIA_SESSION)
		deny_session(r);
	else
		http_reply_error(r, 403, "forbidden", NULL,
		                 "the bearer token is not valid");
	json_decref(j);
}

static void check(struct http_req *r, void (*next)(struct http_req *r))
{
	const struct config *c = r->app->cfg;
	const char *h = http_header(r, "Authorization");
	const struct http_route *rt = r->route;
	char secret[128], hash[65], csrf[65], valbuf[256];
	const char *params[9];
	const char *value, *csrf_given = NULL;
	int changes =
	        r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD;
	struct pending *p;
	char idle[16], max[16];

	if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		const char *tok = h + 7;

		if (c->admin_token && same_secret(tok, c->admin_token)) {
			r->who.role = HTTP_ROLE_ADMIN;
			r->who.via = HTTP_VIA_BOOTSTRAP;
			r->who.id = 0;
			strcpy(r->who.name, "bootstrap");
			next(r);
			return;
		}
		if (!token_valid(tok)) {
			http_reply_error(r, 403, "forbidden", NULL,
			                 "the bearer token is not valid");
			return;
		}
		auth_hash(tok, hash);
		p = calloc(1, sizeof(*p));
		if (p)
			p->via = HTTP_VIA_TOKEN;
	} else if (h == NULL && auth_cookie(r, AUTH_COOKIE, secret,
	                                    sizeof(secret)) != NULL) {
		if (!token_valid(secret)) {
			deny_session(r);
			return;
		}
		auth_hash(secret, hash);
		sodium_memzero(secret, sizeof(secret));
		if (changes) {
			const char *x = http_header(r, AUTH_CSRF_HEADER);

			if (x && token_valid(x)) {
				auth_hash(x, csrf);
				csrf_given = csrf;
			}
		}
		p = calloc(1, sizeof(*p));
		if (p) {
			p->via = HTTP_VIA_SESSION;
			memcpy(p->session, hash, sizeof(p->session));
		}
	} else {
		http_add_header(r, "WWW-Authenticate",
		                "Bearer realm=\"convened\"");
		http_reply_error(r, 401, "unauthorized", NULL,
		                 "this endpoint needs an Authorization: Bearer "
		                 "token or a session (POST /api/login)");
		return;
	}
	if (p == NULL) {
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	p->r = r;
	p->next = next;
	value = resource_value(r, valbuf, sizeof(valbuf));
	snprintf(idle, sizeof(idle), "%d", c->acc_session_idle_s);
	snprintf(max, sizeof(max), "%d", c->acc_session_max_s);
	params[0] = p->via == HTTP_VIA_TOKEN ? "token" : "session";
	params[1] = hash;
	params[2] = changes ? "true" : "false";
	params[3] = csrf_given;
	params[4] = http_scope_name(rt ? rt->scope : HTTP_SCOPE_ACCOUNT);
	params[5] = rt ? rt->resource : NULL;
	params[6] = value;
	params[7] = idle;
	params[8] = max;
	if (db_query(r->app->db,
	             "SELECT cv_authorise($1, $2, $3::boolean, $4, $5, $6, $7, "
	             "$8::integer, $9::integer)",
	             9, params, authorised, p) < 0) {
		free(p);
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
	}
}

void auth_check(struct http_req *r, void (*next)(struct http_req *r))
{
	check(r, next);
}

struct audit_wait {
	struct http_req *r;
	void (*send)(struct http_req *r);
};

static void audit_done(void *arg, PGresult *res, const char *err)
{
	struct audit_wait *w = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warnx("cannot write the audit log: %s",
		          err ? err : PQresultErrorMessage(res));
	if (w) {
		w->send(w->r);
		free(w);
	}
}

static const char *via_name(enum http_via v)
{
	return v == HTTP_VIA_BOOTSTRAP ? "bootstrap"
	       : v == HTTP_VIA_TOKEN   ? "token"
	       : v == HTTP_VIA_SESSION ? "session"
	                               : "";
}

/* auth_audit; then SEND(R) when SEND is not NULL. */
static void audit_then(struct http_req *r, const char *action,
                       const char *resource, int status,
                       void (*send)(struct http_req *r))
{
	struct audit_wait *w = NULL;
	char id[24], st[16], client[64];
	const char *params[10];

	snprintf(id, sizeof(id), "%lld", r->who.id);
	snprintf(st, sizeof(st), "%d", status);
	params[0] = r->who.id ? id : NULL;
	params[1] = r->who.name;
	params[2] = via_name(r->who.via);
	params[3] = action;
	params[4] = auth_method(r);
	params[5] = r->route ? r->route->pattern : "";
	params[6] = r->path;
	params[7] = resource ? resource : "";
	params[8] = throttle_client(r, client, sizeof(client));
	params[9] = st;
	if (send && (w = malloc(sizeof(*w))) == NULL) {
		send(r);
		return;
	}
	if (w)
		w->r = r, w->send = send;
	if (db_query(r->app->db,
	             "SELECT cv_audit_add($1::bigint, $2, $3, $4, $5, $6, $7, "
	             "$8, $9, $10::integer)",
	             10, params, audit_done, w) < 0 &&
	    w) {
		free(w);
		send(r);
	}
}

void auth_audit(struct http_req *r, const char *action, const char *resource,
                int status)
{
	audit_then(r, action, resource, status, NULL);
}

/* Every reply to a change: the resource is the path's first capture, or
 * the "id" of what a create answered. */
static void replied(struct http_req *r, int status, const void *data,
                    size_t len, void (*send)(struct http_req *r))
{
	char buf[64] = "";
	const char *res = r->nparams ? r->params[0] : NULL;

	if (res == NULL && data && len && status >= 200 && status < 300) {
		json_t *j = json_loadb(data, len, 0, NULL);
		json_t *id = json_object_get(j, "id");

		if (json_is_integer(id))
			snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			         json_integer_value(id));
		else if (json_is_string(id))
			snprintf(buf, sizeof(buf), "%s", json_string_value(id));
		json_decref(j);
		res = buf;
	}
	audit_then(r, "change", res, status, send);
}

static const struct http_auth_ops ops = {
        .check = check,
        .replied = replied,
};

int auth_start(struct app *app)
{
	(void)app;
	http_set_auth(&ops);
	return 0;
}
