/* api_items.h - admin API for projects, organisations, events and deadlines,
 * and the helpers the admin modules share to run one SQL function per call. */
#ifndef CONVENED_API_ITEMS_H
#define CONVENED_API_ITEMS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "json_in.h"

struct http_req;
struct app;

/* Register every route of projects, organisations, events, deadlines and
 * reminder defaults (api_items.c, api_events.c, api_deadlines.c,
 * api_reminders.c).  Returns 0 or -1. */
int api_items_init(void);
int api_events_init(void);
int api_deadlines_init(void);
int api_reminders_init(void);

/* Queue SQL (one statement whose first cell is JSON text) and reply with
 * that cell as the body and STATUS; a NULL cell replies 404 with NOTFOUND
 * as the message.  Parameters are copied.  On failure to queue replies 503.
 * Always answers r (now or later). */
void api_items_query(struct http_req *r, int status, const char *notfound,
                     const char *sql, int nparams, const char *const *params);

/* Parse cell (ROW, COL) of a TUPLES_OK result as JSON: a new reference,
 * or NULL when the cell is absent, SQL NULL or not JSON. */
json_t *api_items_json_cell(const PGresult *res, int row, int col);

/* Parse r's body and check it against FIELDS (partial for PATCH).  Returns
 * the object (caller decrefs) or NULL after replying 400/422. */
json_t *api_items_body(struct http_req *r, const struct json_in_field *fields,
                       int partial);

/* Validate r's body against FIELDS (partial for PATCH), then run SQL with
 * $1 = the body as JSON text and $2.. = EXTRA[0..NEXTRA-1] (NEXTRA <= 7),
 * replying as api_items_query does.  Always answers r. */
void api_items_write(struct http_req *r, const struct json_in_field *fields,
                     int partial, int status, const char *notfound,
                     const char *sql, int nextra, const char *const *extra);

/* GET of a list of dated items (events, deadlines): checks the query
 * (project=SLUG, state=draft|published|cancelled, from= and to=
 * YYYY-MM-DD, before=ID, limit=N; anything else 400, a bad value 422
 * naming it), then runs SQL with those six values ($1..$6, NULL when
 * absent; the limit 100 by default) and replies as api_items_query does.
 * Always answers r. */
void api_items_dated_list(struct http_req *r, const char *sql);

/* Path capture I as an id (ident_id_valid) in BUF (len >= 24).  Returns 0,
 * or -1 after replying 404 with WHAT ("event") in the message. */
int api_items_id(struct http_req *r, size_t i, const char *what, char *buf,
                 size_t len);

/* The host part of [convened] base_url, for UIDs ("localhost" when none);
 * a static buffer, valid until the next call. */
const char *api_items_host(const struct app *app);

#endif
