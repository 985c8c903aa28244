/* checkin.c - check-in at the door (issue 14, item 2).  The page
 * /checkin/{event} and its script and style are static (built in from
 * web/checkin/, with an ETag and a Content-Security-Policy that allows no
 * inline script); the page asks its JSON endpoints for everything, sending
 * the event's check-in secret in X-Checkin-Secret (or the admin bearer
 * token).  Every rule, the secret's check included, is one SQL function of
 * sql/functions/checkin.sql. */
#include "checkin.h"

#include <event2/buffer.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_items.h"
#include "auth.h"
#include "checkin_assets.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
#include "qr.h"
#include "token.h"

/* The page may run its own script and style and talk to this origin;
 * nothing inline, no frames, no other origin. */
static const char csp[] =
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; img-src 'self'; media-src 'self' blob:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct asset {
	const char *start, *end;
	const char *ctype;
	char etag[2 * 16 + 3]; /* "hex" */
};

static struct asset assets[] = {
        {cv_checkin_html, cv_checkin_html_end, "text/html; charset=utf-8", ""},
        {cv_checkin_js, cv_checkin_js_end, "text/javascript; charset=utf-8",
         ""},
        {cv_checkin_css, cv_checkin_css_end, "text/css; charset=utf-8", ""},
};

enum { A_HTML, A_JS, A_CSS };

/* 1 when If-None-Match names ETAG (or is "*"). */
static int etag_matches(struct http_req *r, const char *etag)
{
	const char *inm = http_header(r, "If-None-Match");

	return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

static void serve(struct http_req *r, struct asset *a)
{
	http_add_header(r, "ETag", a->etag);
	http_add_header(r, "Cache-Control", "no-cache");
	http_add_header(r, "X-Content-Type-Options", "nosniff");
	http_add_header(r, "Content-Security-Policy", csp);
	http_add_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	if (etag_matches(r, a->etag)) {
		http_reply_raw(r, 304, NULL, NULL, 0);
		return;
	}
	http_reply_raw(r, 200, a->ctype, a->start, (size_t)(a->end - a->start));
}

/* ---- GET /checkin/{event} and its files ---- */

static void page(struct http_req *r)
{
	if (!ident_id_valid(r->params[0])) {
		http_reply_error(r, 404, "not_found", NULL, "no event %s",
		                 r->params[0]);
		return;
	}
	serve(r, &assets[A_HTML]);
}

static void script(struct http_req *r)
{
	serve(r, &assets[A_JS]);
}

static void style(struct http_req *r)
{
	serve(r, &assets[A_CSS]);
}

/* ---- the page's JSON endpoints ---- */

/* How a request of the page is authorised: the event's check-in secret
 * (X-Checkin-Secret, checked in SQL), the config's admin token, or an
 * account that may check in at the event (door staff of it, its project's
 * coordinators, admins; a session or an API token, judged by auth_check
 * on the routes' door scope). */
struct door {
	char id[24];
	const char *secret; /* X-Checkin-Secret, or NULL */
	const char *admin;  /* "true": authorised without the secret */
	const char *marker; /* who marks when not by the secret */
};

/* What a request does once authorised. */
typedef void (*door_fn)(struct http_req *r, const struct door *d);

/* Has R a bearer token or a session cookie (an account may be behind)? */
static int has_account(struct http_req *r)
{
	char buf[128];

	return http_header(r, "Authorization") != NULL ||
	       auth_cookie(r, AUTH_COOKIE, buf, sizeof(buf)) != NULL;
}

/* R authorised by its account (auth_check passed): RUN it. */
static void door_as_account(struct http_req *r, door_fn run)
{
	struct door d = {.secret = NULL, .admin = "true"};

	d.marker = r->who.name;
	if (api_items_id(r, 0, "event", d.id, sizeof(d.id)) < 0)
		return;
	http_add_header(r, "Cache-Control", "no-store");
	run(r, &d);
}

/* Authorise R and RUN it now (secret, admin token) or, for an account,
 * through auth_check, whose continuation ACCOUNT calls door_as_account;
 * or reply 404 (bad id) or 401 (no credentials at all). */
static void door_auth(struct http_req *r, door_fn run,
                      void (*account)(struct http_req *r))
{
	struct door d = {.admin = "false"};

	if (api_items_id(r, 0, "event", d.id, sizeof(d.id)) < 0)
		return;
	d.secret = http_header(r, "X-Checkin-Secret");
	if (d.secret && strlen(d.secret) > 200)
		d.secret = NULL;
	if (http_bearer_is_admin(r)) {
		d.admin = "true";
		d.marker = "bootstrap";
	} else if (d.secret == NULL && has_account(r)) {
		auth_check(r, account);
		return;
	} else if (d.secret == NULL) {
		http_reply_error(r, 401, "unauthorized", "secret",
		                 "this page needs the event's check-in secret "
		                 "(X-Checkin-Secret) or an account that may "
		                 "check in at the event");
		return;
	}
	http_add_header(r, "Cache-Control", "no-store");
	run(r, &d);
}

static void list_run(struct http_req *r, const struct door *d)
{
	api_items_query(r, 200, "no such event",
	                "SELECT cv_checkin_list($1::bigint, $2, $3::boolean)",
	                3, (const char *const[]){d->id, d->secret, d->admin});
}

static void list_account(struct http_req *r)
{
	door_as_account(r, list_run);
}

static void door_list(struct http_req *r)
{
	door_auth(r, list_run, list_account);
}

static const char *const door_states[] = {"attended", "no_show", "none", NULL};

static const struct json_in_field mark_fields[] = {
        {.name = "client_id",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 64},
        {.name = "registration", .type = JIN_INT, .min = 1, .max = INT64_MAX},
        {.name = "token", .type = JIN_STRING, .max_len = 200},
        {.name = "state",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .choices = door_states},
        {.name = "day",
         .type = JIN_STRING,
         .max_len = 10,
         .check = json_in_date},
        {.name = "by",
         .type = JIN_STRING,
         .max_len = 100,
         .check = json_in_nonblank},
        {0},
};

static const struct json_in_field walk_in_fields[] = {
        {.name = "client_id",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 64},
        {.name = "name",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "email",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 254,
         .check = json_in_email},
        {.name = "organisation", .type = JIN_INT, .min = 1, .max = INT64_MAX},
        {.name = "day",
         .type = JIN_STRING,
         .max_len = 10,
         .check = json_in_date},
        {.name = "by",
         .type = JIN_STRING,
         .max_len = 100,
         .check = json_in_nonblank},
        {0},
};

/* $1 the body, $2 the event, $3 the secret, $4 admin, $5 $6 tokens for a
 * walk-in's registration and person, $7 the action, $8 the marker. */
static const char apply_sql[] =
        "SELECT cv_checkin_apply($2::bigint, $3, $4::boolean,"
        " $1::jsonb->>'client_id',"
        " $1::jsonb || jsonb_build_object('action', $7::text), $5, $6, $8)";

static void door_apply(struct http_req *r, const struct door *d,
                       const struct json_in_field *fields, const char *action)
{
	char token[TOKEN_HEX + 1], feed[TOKEN_HEX + 1];

	token_new(token);
	token_new(feed);
	api_items_write(r, fields, 0, 200, NULL, apply_sql, 7,
	                (const char *const[]){d->id, d->secret, d->admin, token,
	                                      feed, action, d->marker});
}

static void mark_run(struct http_req *r, const struct door *d)
{
	json_t *j = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
	int reg = json_object_get(j, "registration") != NULL;
	int tok = json_object_get(j, "token") != NULL;

	json_decref(j);
	if (j != NULL && reg == tok) {
		http_reply_error(r, 422, "invalid_value", "registration",
		                 "registration or token: give exactly one");
		return;
	}
	door_apply(r, d, mark_fields, "mark");
}

static void mark_account(struct http_req *r)
{
	door_as_account(r, mark_run);
}

static void door_mark(struct http_req *r)
{
	door_auth(r, mark_run, mark_account);
}

static void walk_in_run(struct http_req *r, const struct door *d)
{
	door_apply(r, d, walk_in_fields, "walk_in");
}

static void walk_in_account(struct http_req *r)
{
	door_as_account(r, walk_in_run);
}

static void door_walk_in(struct http_req *r)
{
	door_auth(r, walk_in_run, walk_in_account);
}

/* ---- POST /api/events/{id}/checkin-secret ---- */

static void secret_new(struct http_req *r)
{
	char id[24], secret[TOKEN_HEX + 1];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	token_new(secret);
	api_items_query(r, 201, "no such event",
	                "SELECT cv_checkin_secret_set($1::bigint, $2)", 2,
	                (const char *const[]){id, secret});
}

/* ---- the token page's QR code ---- */

static const struct {
	const char *lang, *heading, *note, *label;
} qr_text[] = {
        {"en", "Check-in at the door",
         "Show this code at the door to be checked in. It only records "
         "that you came; it cannot change your registration.",
         "QR code for check-in"},
        {"sv", "Incheckning vid entrén",
         "Visa koden vid entrén för att checka in. Den visar bara att du "
         "kom; den kan inte ändra din anmälan.",
         "QR-kod för incheckning"},
        {"it", "Check-in all'ingresso",
         "Mostra questo codice all'ingresso per il check-in. Registra solo "
         "la tua presenza; non può modificare l'iscrizione.",
         "Codice QR per il check-in"},
        {"pl", "Rejestracja obecności przy wejściu",
         "Pokaż ten kod przy wejściu. Potwierdza tylko Twoją obecność; nie "
         "pozwala zmienić rejestracji.",
         "Kod QR do rejestracji obecności"},
        {"es", "Registro en la entrada",
         "Muestra este código en la entrada. Solo registra que has venido; "
         "no permite cambiar tu inscripción.",
         "Código QR de registro"},
        {"fi", "Sisäänkirjautuminen ovella",
         "Näytä tämä koodi ovella. Se kirjaa vain, että tulit; sillä ei voi "
         "muuttaa ilmoittautumistasi.",
         "Sisäänkirjautumisen QR-koodi"},
};

void checkin_qr_block(struct evbuffer *b, const char *lang,
                      const char *checkin_token)
{
	size_t i = 0;
	char *svg, *h, *n;

	for (size_t k = 0; lang && k < sizeof(qr_text) / sizeof(qr_text[0]);
	     k++)
		if (strcmp(qr_text[k].lang, lang) == 0)
			i = k;
	svg = qr_svg(checkin_token, qr_text[i].label);
	h = http_html_escape(qr_text[i].heading);
	n = http_html_escape(qr_text[i].note);
	if (svg && h && n)
		evbuffer_add_printf(b,
		                    "<section id=\"checkin\">\n<h3>%s</h3>\n"
		                    "<p>%s</p>\n<div>%s</div>\n</section>\n",
		                    h, n, svg);
	free(svg);
	free(h);
	free(n);
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/checkin/static/checkin.js",
         .handler = script},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/checkin/static/checkin.css",
         .handler = style},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/checkin/{event}",
         .handler = page},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/checkin/{event}/api/list",
         .handler = door_list,
         .flags = HTTP_OWN_AUTH,
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/checkin/{event}/api/marks",
         .handler = door_mark,
         .flags = HTTP_OWN_AUTH,
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/checkin/{event}/api/walk-ins",
         .handler = door_walk_in,
         .flags = HTTP_OWN_AUTH,
         .scope = HTTP_SCOPE_DOOR,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/checkin-secret",
         .handler = secret_new,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.pattern = NULL},
};

int checkin_init(void)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		unsigned char h[16];
		char hex[sizeof(h) * 2 + 1];

		crypto_generichash(
		        h, sizeof(h), (const unsigned char *)assets[i].start,
		        (size_t)(assets[i].end - assets[i].start), NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(assets[i].etag, sizeof(assets[i].etag), "\"%s\"", hex);
	}
	return http_add_routes(routes);
}
