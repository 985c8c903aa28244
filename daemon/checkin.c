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

/* The event id into ID, the secret (or NULL) into *SECRET and whether the
 * admin token came into *ADMIN ("true"/"false").  0, or -1 after replying
 * 404 (bad id) or 401 (neither secret nor token). */
static int door_auth(struct http_req *r, char *id, size_t idlen,
                     const char **secret, const char **admin)
{
	if (api_items_id(r, 0, "event", id, idlen) < 0)
		return -1;
	*admin = http_bearer_is_admin(r) ? "true" : "false";
	*secret = http_header(r, "X-Checkin-Secret");
	if (*secret && strlen(*secret) > 200)
		*secret = NULL;
	if (!*secret && strcmp(*admin, "false") == 0) {
		http_reply_error(r, 401, "unauthorized", "secret",
		                 "this page needs the event's check-in secret "
		                 "(X-Checkin-Secret) or the admin token");
		return -1;
	}
	http_add_header(r, "Cache-Control", "no-store");
	return 0;
}

static void door_list(struct http_req *r)
{
	char id[24];
	const char *secret, *admin;

	if (door_auth(r, id, sizeof(id), &secret, &admin) < 0)
		return;
	api_items_query(r, 200, "no such event",
	                "SELECT cv_checkin_list($1::bigint, $2, $3::boolean)",
	                3, (const char *const[]){id, secret, admin});
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
 * walk-in's registration and person, $7 the action. */
static const char apply_sql[] =
        "SELECT cv_checkin_apply($2::bigint, $3, $4::boolean,"
        " $1::jsonb->>'client_id',"
        " $1::jsonb || jsonb_build_object('action', $7::text), $5, $6)";

static void door_apply(struct http_req *r, const struct json_in_field *fields,
                       const char *action)
{
	char id[24], token[TOKEN_HEX + 1], feed[TOKEN_HEX + 1];
	const char *secret, *admin;

	if (door_auth(r, id, sizeof(id), &secret, &admin) < 0)
		return;
	token_new(token);
	token_new(feed);
	api_items_write(
	        r, fields, 0, 200, NULL, apply_sql, 6,
	        (const char *const[]){id, secret, admin, token, feed, action});
}

static void door_mark(struct http_req *r)
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
	door_apply(r, mark_fields, "mark");
}

static void door_walk_in(struct http_req *r)
{
	door_apply(r, walk_in_fields, "walk_in");
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
         .flags = HTTP_OWN_AUTH},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/checkin/{event}/api/marks",
         .handler = door_mark,
         .flags = HTTP_OWN_AUTH},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/checkin/{event}/api/walk-ins",
         .handler = door_walk_in,
         .flags = HTTP_OWN_AUTH},
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
