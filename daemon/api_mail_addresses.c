/* api_mail_addresses.c - GET /api/mail-addresses[?state=&before=&limit=]
 * and POST /api/mail-addresses/{address}/reset: the addresses whose mail
 * bounced, whom they concern, and letting one receive mail again
 * (sql/functions/mail_addresses.sql). */
#include "api_mail_addresses.h"

#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "api_items.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
#include "query_in.h"

static const char list_sql[] =
        "SELECT cv_mail_address_list($1, $2::bigint, $3::int)::text";
static const char reset_sql[] =
        "SELECT cv_mail_address_reset($2, $1::jsonb->>'by')::text";

int api_mail_address_valid(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n < 3 || n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' ||
		    *p == '/')
			return 0;
	return 1;
}

/* ---- GET /api/mail-addresses ---- */

static void list(struct http_req *r)
{
	static const char *const allowed[] = {"state", "before", "limit", NULL};
	const char *state = evhttp_find_header(&r->query, "state");
	const char *before, *limit;

	if (query_in_check(r, allowed) < 0 ||
	    query_in_page(r, &before, &limit) < 0)
		return;
	if (state && strcmp(state, "ok") != 0 && strcmp(state, "soft") != 0 &&
	    strcmp(state, "hard") != 0) {
		http_reply_error(
		        r, 422, "invalid_value", "state",
		        "query parameter state: one of ok, soft, hard");
		return;
	}
	const char *params[3] = {state, before, limit};
	api_items_query(r, 200, NULL, list_sql, 3, params);
}

/* ---- POST /api/mail-addresses/{address}/reset ---- */

static const struct json_in_field reset_fields[] = {
        {.name = "by",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {0},
};

static void reset(struct http_req *r)
{
	const char *addr = r->nparams > 0 ? r->params[0] : "";

	if (!api_mail_address_valid(addr)) {
		http_reply_error(r, 422, "invalid_value", "address",
		                 "address: local@domain (3 to 254 bytes, "
		                 "no spaces, angle brackets or slashes)");
		return;
	}
	/* The body is optional: {} or {"by": "who resets it"}. */
	if (r->body_len <= strspn(r->body, " \t\r\n")) {
		const char *params[2] = {"{}", addr};
		api_items_query(r, 200,
		                "no bounce is recorded for this address",
		                reset_sql, 2, params);
		return;
	}
	api_items_write(r, reset_fields, 0, 200,
	                "no bounce is recorded for this address", reset_sql, 1,
	                (const char *const[]){addr});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/mail-addresses",
         .handler = list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/mail-addresses/{address}/reset",
         .handler = reset,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_ADMIN},
        {.pattern = NULL},
};

int api_mail_addresses_init(void)
{
	return http_add_routes(routes);
}
