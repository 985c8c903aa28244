/* auth.h - who calls the admin API and whether they may: the config's
 * bootstrap token, accounts' API tokens and console sessions, judged by
 * one SQL call per request (cv_authorise in sql/functions/accounts.sql)
 * against the scope each route declares; and the audit line written for
 * every change made through the admin API. */
#ifndef CONVENED_AUTH_H
#define CONVENED_AUTH_H

#include <stddef.h>

struct app;
struct http_req;

#define AUTH_COOKIE      "convened_session"
#define AUTH_CSRF_COOKIE "convened_csrf"
#define AUTH_CSRF_HEADER "X-CSRF-Token"

/* Install the checks into the HTTP server (http_set_auth).  Returns 0. */
int auth_start(struct app *app);

/* Authenticate R's bearer token or session cookie and authorise it for
 * R's route's scope and resource (as every admin route is), then call
 * next(R) with R->who filled in; or reply 401/403 (R is freed).  For
 * routes that take an account beside their own credentials (the check-in
 * page's). */
void auth_check(struct http_req *r, void (*next)(struct http_req *r));

/* HEX (65 bytes) = BLAKE2b-256 of SECRET in hex: what the database keeps
 * of a token, session id or CSRF token. */
void auth_hash(const char *secret, char *hex);

/* The value of cookie NAME in R's Cookie header, copied into BUF; NULL
 * when absent or longer than LEN-1. */
const char *auth_cookie(struct http_req *r, const char *name, char *buf,
                        size_t len);

/* Write one audit line (fire and forget): R's caller, ACTION, R's method,
 * route and path, RESOURCE (or ""), R's client address and STATUS. */
void auth_audit(struct http_req *r, const char *action, const char *resource,
                int status);

/* The method of R as text ("POST"). */
const char *auth_method(const struct http_req *r);

#endif
