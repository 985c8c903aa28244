/* api_accounts.c - POST /api/login, /api/logout, /api/logout-everywhere,
 * GET /api/me; users (GET/POST /api/users, GET/PATCH /api/users/{name}) and
 * their API tokens; GET /api/audit; GET /api/_routes.  Passwords are hashed
 * off the loop (pwhash.c) and never reach the database or a log. */
#include "api_accounts.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "api_error.h"
#include "api_items.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
#include "pwhash.h"
#include "query_in.h"
#include "throttle.h"
#include "token.h"

int api_account_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 ||
	    !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return -1;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._@-") == n ? 0
	                                                                  : -1;
}

static const char *name_check(const char *s)
{
	return api_account_name_valid(s) == 0
	               ? NULL
	               : "must be 1 to 63 lower-case letters, digits, '.', "
	                 "'_', '@' or '-', starting with a letter or digit";
}

static const char *password_check(const char *s)
{
	return json_in_utf8_len(s) < 10 ? "must be at least 10 characters"
	                                : NULL;
}

/* Wipe the request body (it may hold a password). */
static void wipe_body(struct http_req *r)
{
	if (r->body)
		sodium_memzero(r->body, r->body_len);
}

static int secure_cookies(const struct app *app)
{
	const char *u = app->cfg->base_url;

	return u && strncasecmp(u, "https://", 8) == 0;
}

/* Set (VALUE) or clear (NULL) the session and CSRF cookies. */
static void set_cookies(struct http_req *r, const char *sid, const char *csrf)
{
	char buf[256];
	const char *sec = secure_cookies(r->app) ? "; Secure" : "";
	int age = sid ? r->app->cfg->acc_session_max_s : 0;

	snprintf(buf, sizeof(buf),
	         AUTH_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; "
	                     "SameSite=Strict%s",
	         sid ? sid : "", age, sec);
	http_add_header(r, "Set-Cookie", buf);
	snprintf(buf, sizeof(buf),
	         AUTH_CSRF_COOKIE "=%s; Path=/; Max-Age=%d; SameSite=Strict%s",
	         csrf ? csrf : "", age, sec);
	http_add_header(r, "Set-Cookie", buf);
}

/* ------------------------------------------------------------- login */

struct login {
	struct http_req *r;
	char *password;
	char account[24]; /* id, or "" */
	char client[64];
	char sid[TOKEN_HEX + 1];
	char csrf[TOKEN_HEX + 1];
};

static void login_free(struct login *l)
{
	if (l->password) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	sodium_memzero(l, sizeof(*l));
	free(l);
}

static void login_finished(void *arg, PGresult *res, const char *err)
{
	struct login *l = arg;
	struct http_req *r = l->r;
	json_t *j, *out;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		login_free(l);
		api_error_reply(r, res, err);
		return;
	}
	j = json_loads(db_row_only(res, 0) ? db_row_only(res, 0) : "", 0, NULL);
	if (!json_is_true(json_object_get(j, "ok"))) {
		json_decref(j);
		login_free(l);
		http_reply_error(r, 401, "login_failed", NULL,
		                 "wrong name or password");
		return;
	}
	set_cookies(r, l->sid, l->csrf);
	out = json_pack("{s:O, s:s}", "account", json_object_get(j, "account"),
	                "csrf_token", l->csrf);
	json_decref(j);
	login_free(l);
	http_reply_json(r, 200, out);
}

static void login_checked(void *arg, int ok, const char *unused)
{
	struct login *l = arg;
	char sh[65], ch[65];
	const char *params[5];

	(void)unused;
	token_new(l->sid);
	token_new(l->csrf);
	auth_hash(l->sid, sh);
	auth_hash(l->csrf, ch);
	params[0] = l->account[0] ? l->account : NULL;
	params[1] = ok ? "true" : "false";
	params[2] = l->client;
	params[3] = sh;
	params[4] = ch;
	if (db_query(l->r->app->db,
	             "SELECT cv_login_finish($1::bigint, $2::boolean, $3, $4, "
	             "$5)",
	             5, params, login_finished, l) < 0) {
		struct http_req *r = l->r;

		login_free(l);
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
	}
}

static void login_begun(void *arg, PGresult *res, const char *err)
{
	struct login *l = arg;
	struct http_req *r = l->r;
	json_t *j, *retry, *acc;
	const char *hash;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		login_free(l);
		api_error_reply(r, res, err);
		return;
	}
	j = json_loads(db_row_only(res, 0) ? db_row_only(res, 0) : "", 0, NULL);
	retry = json_object_get(j, "retry_after");
	if (json_is_integer(retry)) {
		char s[24];

		snprintf(s, sizeof(s), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(retry));
		json_decref(j);
		login_free(l);
		http_add_header(r, "Retry-After", s);
		http_reply_error(r, 429, "too_many_requests", NULL,
		                 "too many failed logins: try again in %s "
		                 "seconds",
		                 s);
		return;
	}
	acc = json_object_get(j, "account_id");
	if (json_is_integer(acc))
		snprintf(l->account, sizeof(l->account),
		         "%" JSON_INTEGER_FORMAT, json_integer_value(acc));
	hash = json_string_value(json_object_get(j, "hash"));
	if (pwhash_verify(r->app->base, hash, l->password, login_checked, l) <
	    0) {
		json_decref(j);
		login_free(l);
		http_add_header(r, "Retry-After", "1");
		http_reply_error(r, 503, "try_again", NULL,
		                 "too many logins at once: try again");
		return;
	}
	json_decref(j);
}

static void login(struct http_req *r)
{
	const char *ct = http_header(r, "Content-Type");
	const char *name = NULL, *pw = NULL;
	struct evkeyvalq form;
	json_t *j = NULL;
	struct login *l;
	const struct config *c = r->app->cfg;
	char a[16], b[16], d[16];
	const char *params[5];

	TAILQ_INIT(&form);
	if (ct &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		if (evhttp_parse_query_str(r->body, &form) == 0) {
			name = evhttp_find_header(&form, "name");
			pw = evhttp_find_header(&form, "password");
		}
	} else {
		j = json_loadb(r->body, r->body_len, 0, NULL);
		name = json_string_value(json_object_get(j, "name"));
		pw = json_string_value(json_object_get(j, "password"));
	}
	if (name == NULL || pw == NULL || !*name || !*pw ||
	    strlen(name) > 100 || strlen(pw) > 1000 ||
	    (l = calloc(1, sizeof(*l))) == NULL) {
		evhttp_clear_headers(&form);
		json_decref(j);
		wipe_body(r);
		http_reply_error(r, 400, "bad_request", NULL,
		                 "give name and password (JSON or a form)");
		return;
	}
	l->r = r;
	l->password = strdup(pw);
	params[0] = name;
	params[1] = throttle_client(r, l->client, sizeof(l->client));
	snprintf(a, sizeof(a), "%d", c->acc_fail_per_client);
	snprintf(b, sizeof(b), "%d", c->acc_fail_per_account);
	snprintf(d, sizeof(d), "%d", c->acc_lockout_s);
	params[2] = a;
	params[3] = b;
	params[4] = d;
	if (l->password == NULL ||
	    db_query(r->app->db,
	             "SELECT cv_login_begin($1, $2, $3::integer, $4::integer, "
	             "$5::integer)",
	             5, params, login_begun, l) < 0) {
		login_free(l);
		l = NULL;
	}
	/* wipe every copy of the password but l's */
	if (j) {
		json_t *v = json_object_get(j, "password");
		if (json_is_string(v))
			sodium_memzero((char *)json_string_value(v),
			               strlen(json_string_value(v)));
	}
	if (pw && !j)
		sodium_memzero((char *)pw, strlen(pw));
	evhttp_clear_headers(&form);
	json_decref(j);
	wipe_body(r);
	if (l == NULL)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "cannot log in now");
}

/* ------------------------------------------------------------ logout */

static void logout_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		api_error_reply(r, res, err);
		return;
	}
	set_cookies(r, NULL, NULL);
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_raw(r, 200, "application/json",
	               db_row_only(res, 0) ? db_row_only(res, 0)
	                                   : "{\"ended\":0}",
	               strlen(db_row_only(res, 0) ? db_row_only(res, 0)
	                                          : "{\"ended\":0}"));
}

static void logout(struct http_req *r)
{
	char client[64];
	const char *params[2];

	if (r->who.via != HTTP_VIA_SESSION) {
		http_reply_error(r, 400, "bad_request", NULL,
		                 "logout ends a session; a token is revoked "
		                 "with DELETE /api/users/{name}/tokens/{id}");
		return;
	}
	params[0] = r->who.session;
	params[1] = throttle_client(r, client, sizeof(client));
	if (db_query(r->app->db, "SELECT cv_logout($1, $2)::text", 2, params,
	             logout_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

static void logout_everywhere(struct http_req *r)
{
	char client[64], id[24];
	const char *params[3];

	if (r->who.id == 0) {
		http_reply_error(r, 400, "bad_request", NULL,
		                 "the bootstrap token has no sessions");
		return;
	}
	snprintf(id, sizeof(id), "%lld", r->who.id);
	params[0] = id;
	params[1] = r->who.via == HTTP_VIA_SESSION ? "session" : "token";
	params[2] = throttle_client(r, client, sizeof(client));
	if (db_query(r->app->db,
	             "SELECT cv_logout_everywhere($1::bigint, $2, $3)::text", 3,
	             params, logout_done, r) < 0)
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
}

static void me(struct http_req *r)
{
	char id[24];

	if (r->who.via == HTTP_VIA_BOOTSTRAP) {
		http_reply_json(r, 200,
		                json_pack("{s:s, s:s, s:b}", "name",
		                          "bootstrap", "role", "admin",
		                          "bootstrap", 1));
		return;
	}
	snprintf(id, sizeof(id), "%lld", r->who.id);
	api_items_query(r, 200, "no such account",
	                "SELECT cv_account_me($1::bigint)", 1,
	                (const char *const[]){id});
}

/* ------------------------------------------------------------- users */

static const char *const roles[] = {"admin", "coordinator", "door", NULL};

static const struct json_in_field user_fields[] = {
        {.name = "name",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .check = name_check},
        {.name = "role",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .choices = roles},
        {.name = "projects", .type = JIN_ARRAY},
        {.name = "events", .type = JIN_ARRAY},
        {.name = "password",
         .type = JIN_STRING,
         .max_len = 1000,
         .check = password_check},
        {.name = "disabled", .type = JIN_BOOL},
        {0},
};

static const struct json_in_field user_patch_fields[] = {
        {.name = "role", .type = JIN_STRING, .choices = roles},
        {.name = "projects", .type = JIN_ARRAY},
        {.name = "events", .type = JIN_ARRAY},
        {.name = "password",
         .type = JIN_STRING,
         .max_len = 1000,
         .check = password_check},
        {.name = "disabled", .type = JIN_BOOL},
        {0},
};

struct uwrite {
	struct http_req *r;
	char *body; /* JSON without the password */
	char *name; /* PATCH: the account */
	int status;
};

static void uwrite_run(struct uwrite *u, const char *hash)
{
	struct http_req *r = u->r;

	if (u->name)
		api_items_query(r, 200, "no such account",
		                "SELECT cv_account_update($1, $2::jsonb, $3)",
		                3,
		                (const char *const[]){u->name, u->body, hash});
	else
		api_items_query(r, 201, NULL,
		                "SELECT cv_account_create($1::jsonb, $2)", 2,
		                (const char *const[]){u->body, hash});
	free(u->body);
	free(u->name);
	free(u);
}

static void uwrite_hashed(void *arg, int ok, const char *hash)
{
	struct uwrite *u = arg;

	if (!ok) {
		http_reply_error(u->r, 500, "internal", NULL,
		                 "cannot hash the password");
		free(u->body);
		free(u->name);
		free(u);
		return;
	}
	uwrite_run(u, hash);
}

static void user_write(struct http_req *r, const char *name)
{
	json_t *j = api_items_body(r, name ? user_patch_fields : user_fields,
	                           name != NULL);
	json_t *pw;
	struct uwrite *u;
	char *password = NULL;

	if (j == NULL)
		return; /* r is answered and freed */
	wipe_body(r);
	u = calloc(1, sizeof(*u));
	pw = json_object_get(j, "password");
	if (json_is_string(pw))
		password = strdup(json_string_value(pw));
	if (pw) {
		sodium_memzero((char *)json_string_value(pw),
		               strlen(json_string_value(pw)));
		json_object_del(j, "password");
	}
	if (u) {
		u->r = r;
		u->body = json_dumps(j, JSON_COMPACT);
		u->name = name ? strdup(name) : NULL;
	}
	json_decref(j);
	if (u == NULL || u->body == NULL || (name && u->name == NULL) ||
	    (pw && password == NULL)) {
		if (u)
			free(u->body), free(u->name), free(u);
		free(password);
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	if (password == NULL) {
		uwrite_run(u, NULL);
		return;
	}
	if (pwhash_make(r->app->base, password, uwrite_hashed, u) < 0) {
		free(u->body), free(u->name), free(u);
		http_add_header(r, "Retry-After", "1");
		http_reply_error(r, 503, "try_again", NULL,
		                 "too many passwords being hashed: try again");
	}
	sodium_memzero(password, strlen(password));
	free(password);
}

/* GET /api/users?role=&before=&limit=: by name, a page at a time. */
static void users_list(struct http_req *r)
{
	static const char *const allowed[] = {"role", "before", "limit", NULL};
	const char *p[3];
	int ok = 0;

	if (query_in_check(r, allowed) < 0)
		return;
	p[0] = evhttp_find_header(&r->query, "role");
	for (int i = 0; p[0] && roles[i]; i++)
		ok |= strcmp(roles[i], p[0]) == 0;
	if (p[0] && !ok) {
		http_reply_error(r, 422, "invalid_value", "role",
		                 "query parameter role: one of admin, "
		                 "coordinator, door");
		return;
	}
	if (query_in_page(r, &p[1], &p[2]) < 0)
		return;
	api_items_query(r, 200, NULL,
	                "SELECT cv_account_page($1, $2::bigint, $3::integer)",
	                3, p);
}

static void users_create(struct http_req *r)
{
	user_write(r, NULL);
}

/* The {name} capture as an account name, or 404. */
static const char *user_name(struct http_req *r)
{
	if (r->nparams < 1 || api_account_name_valid(r->params[0]) < 0) {
		http_reply_error(r, 404, "not_found", NULL, "no such account");
		return NULL;
	}
	return r->params[0];
}

static void users_get(struct http_req *r)
{
	const char *n = user_name(r);

	if (n)
		api_items_query(r, 200, "no such account",
		                "SELECT cv_account_get($1)", 1,
		                (const char *const[]){n});
}

static void users_patch(struct http_req *r)
{
	const char *n = user_name(r);

	if (n)
		user_write(r, n);
}

/* ------------------------------------------------------------ tokens */

static const struct json_in_field token_fields[] = {
        {.name = "name",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 100,
         .check = json_in_nonblank},
        {0},
};

struct tok {
	struct http_req *r;
	char secret[TOKEN_HEX + 1];
};

static void token_made(void *arg, PGresult *res, const char *err)
{
	struct tok *t = arg;
	struct http_req *r = t->r;
	json_t *j;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		sodium_memzero(t, sizeof(*t));
		free(t);
		api_error_reply(r, res, err);
		return;
	}
	if (db_row_only(res, 0) == NULL) {
		sodium_memzero(t, sizeof(*t));
		free(t);
		http_reply_error(r, 404, "not_found", NULL, "no such account");
		return;
	}
	j = json_loads(db_row_only(res, 0), 0, NULL);
	json_object_set_new(j, "token", json_string(t->secret));
	sodium_memzero(t, sizeof(*t));
	free(t);
	http_reply_json(r, 201, j);
}

/* POST a new token for account N (NULL: r is answered). */
static void token_create_for(struct http_req *r, const char *n)
{
	json_t *j;
	struct tok *t;
	char hash[65];

	if (n == NULL || (j = api_items_body(r, token_fields, 0)) == NULL)
		return;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		json_decref(j);
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	t->r = r;
	token_new(t->secret);
	auth_hash(t->secret, hash);
	if (db_query(r->app->db, "SELECT cv_token_create($1, $2, $3)::text", 3,
	             (const char *const[]){
	                     n, json_string_value(json_object_get(j, "name")),
	                     hash},
	             token_made, t) < 0) {
		free(t);
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
	}
	json_decref(j);
}

static void token_list_for(struct http_req *r, const char *n)
{
	if (n)
		api_items_query(r, 200, "no such account",
		                "SELECT cv_token_list($1)", 1,
		                (const char *const[]){n});
}

/* DELETE token (path capture I) of account N (NULL: r is answered). */
static void token_revoke_for(struct http_req *r, const char *n, size_t i)
{
	char id[24];

	if (n == NULL || api_items_id(r, i, "token", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such token",
	                "SELECT cv_token_revoke($1, $2::bigint)", 2,
	                (const char *const[]){n, id});
}

static void tokens_create(struct http_req *r)
{
	token_create_for(r, user_name(r));
}

static void tokens_list(struct http_req *r)
{
	token_list_for(r, user_name(r));
}

static void tokens_revoke(struct http_req *r)
{
	token_revoke_for(r, user_name(r), 1);
}

/* The caller's own account name for /api/me/tokens, or NULL after
 * replying 404: the bootstrap token is no account and has no tokens. */
static const char *my_name(struct http_req *r)
{
	if (r->who.via == HTTP_VIA_BOOTSTRAP || r->who.id == 0) {
		http_reply_error(r, 404, "not_found", NULL,
		                 "the bootstrap token is no account and has no "
		                 "tokens: use an account (convenectl user "
		                 "add)");
		return NULL;
	}
	return r->who.name;
}

static void my_tokens_create(struct http_req *r)
{
	token_create_for(r, my_name(r));
}

static void my_tokens_list(struct http_req *r)
{
	token_list_for(r, my_name(r));
}

static void my_tokens_revoke(struct http_req *r)
{
	token_revoke_for(r, my_name(r), 0);
}

/* ------------------------------------------------------------- audit */

static void audit_list(struct http_req *r)
{
	static const char *const allowed[] = {"before", "limit", "actor",
	                                      "action", NULL};
	static const char *const actions[] = {
	        "login",  "login_failed",      "login_throttled",
	        "logout", "logout_everywhere", "change",
	        NULL};
	const char *p[4];
	int ok = 0;

	if (query_in_check(r, allowed) < 0 ||
	    query_in_page(r, &p[0], &p[1]) < 0)
		return;
	p[2] = evhttp_find_header(&r->query, "actor");
	p[3] = evhttp_find_header(&r->query, "action");
	for (int i = 0; p[3] && actions[i]; i++)
		ok |= strcmp(actions[i], p[3]) == 0;
	if (p[3] && !ok) {
		http_reply_error(r, 422, "invalid_value", "action",
		                 "query parameter action: one of login, "
		                 "login_failed, login_throttled, logout, "
		                 "logout_everywhere, change");
		return;
	}
	api_items_query(r, 200, NULL,
	                "SELECT cv_audit_list($1::bigint, $2::integer, $3, $4)",
	                4, p);
}

/* ------------------------------------------------------------ routes */

static void route_json(const struct http_route *rt, void *arg)
{
	static const char *const methods[] = {"GET",   "POST",    "HEAD",
	                                      "PUT",   "DELETE",  "OPTIONS",
	                                      "TRACE", "CONNECT", "PATCH"};
	const char *m = "?";
	int admin = (rt->flags & HTTP_ADMIN) != 0;

	for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (rt->method == (1 << i))
			m = methods[i];
	json_array_append_new(
	        arg,
	        json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:s?, s:s?}", "method",
	                  m, "pattern", rt->pattern, "admin", admin, "scope",
	                  admin ? http_scope_name(rt->scope) : NULL, "resource",
	                  rt->resource, "in_query", rt->in_query, "in_body",
	                  rt->in_body));
}

static void routes_list(struct http_req *r)
{
	json_t *a = json_array();

	http_each_route(route_json, a);
	http_reply_json(r, 200, json_pack("{s:o}", "routes", a));
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/login",
         .handler = login,
         .flags = HTTP_PUBLIC},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/logout",
         .handler = logout,
         .flags = HTTP_ADMIN | HTTP_NOAUDIT,
         .scope = HTTP_SCOPE_ACCOUNT},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/logout-everywhere",
         .handler = logout_everywhere,
         .flags = HTTP_ADMIN | HTTP_NOAUDIT,
         .scope = HTTP_SCOPE_ACCOUNT},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/me",
         .handler = me,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ACCOUNT},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/me/tokens",
         .handler = my_tokens_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ACCOUNT},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/me/tokens",
         .handler = my_tokens_create,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ACCOUNT},
        {.method = EVHTTP_REQ_DELETE,
         .pattern = "/api/me/tokens/{id}",
         .handler = my_tokens_revoke,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ACCOUNT},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/users",
         .handler = users_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/users",
         .handler = users_create,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/users/{name}",
         .handler = users_get,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_PATCH,
         .pattern = "/api/users/{name}",
         .handler = users_patch,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/users/{name}/tokens",
         .handler = tokens_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/users/{name}/tokens",
         .handler = tokens_create,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_DELETE,
         .pattern = "/api/users/{name}/tokens/{id}",
         .handler = tokens_revoke,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/audit",
         .handler = audit_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/_routes",
         .handler = routes_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.pattern = NULL},
};

int api_accounts_init(void)
{
	return http_add_routes(routes);
}
