/* api_reg.h - registrations: public JSON registration and subscriptions,
 * the secretariat's list (JSON/CSV) and cancellation; helpers shared with
 * the HTML pages (pages.c) and reports (api_report.c). */
#ifndef CONVENED_API_REG_H
#define CONVENED_API_REG_H

#include <event2/buffer.h>
#include <jansson.h>
#include <libpq-fe.h>

struct http_req;
struct json_in_error;

#define REG_TOKEN_HEX 64 /* 256-bit secrets as lower-case hex */

/* Register the routes.  Returns 0 or -1. */
int api_reg_init(void);

/* Check a registration object (JSON body or a converted form): email,
 * name, organisation, country, organisation_id, role, language, plus the
 * organisation rule (organisation_id, or organisation with country).  Returns
 * 0, or -1 with *err filled. */
int reg_input_check(const json_t *obj, struct json_in_error *err);

/* Queue cv_register (as cv_register_local: no NOTIFY; this daemon's outbox
 * is kicked once it committed) for EVENT_ID (decimal text) with the checked
 * OBJ (copied).  CB(ARG, ...) gets the result row (registration_id,
 * reg_state, created, resent).  Returns 0, or -1 when the query cannot be
 * queued (then CB is never called). */
int reg_submit(struct http_req *r, const char *event_id, const json_t *obj,
               void (*cb)(void *, PGresult *, const char *), void *arg);

/* Fill BUF (REG_TOKEN_HEX + 1 bytes) with a fresh random hex token. */
void reg_token(char *buf);

/* 1 when S is exactly REG_TOKEN_HEX lower-case hex digits. */
int reg_token_valid(const char *s);

/* 1 when S is a positive decimal id that fits a bigint. */
int reg_id_valid(const char *s);

/* Map a failed query to status/code/field/message.  FIELD and MSG point
 * into RES or static text (valid while RES lives).  Returns the status. */
int reg_db_error(PGresult *res, const char *err, const char **code,
                 const char **field, const char **msg);

/* Reply with the mapped JSON error of a failed query. */
void reg_reply_db_error(struct http_req *r, PGresult *res, const char *err);

/* 1 when the client asked for CSV (?format=csv or Accept: text/csv). */
int reg_wants_csv(struct http_req *r);

/* Reject query parameters other than the NULL-terminated ALLOWED (and an
 * invalid format=): replies 400 and returns -1; 0 when fine. */
int reg_check_query(struct http_req *r, const char *const *allowed);

/* Append one CSV cell (RFC 4180 quoting; a cell starting with = + - @,
 * tab or CR gets a leading ' against formula injection).  SEP: write a
 * comma before the cell. */
void reg_csv_cell(struct evbuffer *b, const char *s, int sep);

/* Append a JSON scalar as a CSV cell (strings, integers, null, bools). */
void reg_csv_json(struct evbuffer *b, const json_t *v, int sep);

/* Reply with the CSV in B (freed here) as FILENAME. */
void reg_reply_csv(struct http_req *r, struct evbuffer *b,
                   const char *filename);

/* Parse the first column of the first row of a TUPLES_OK result as JSON
 * (NULL when absent or malformed; caller owns the result). */
json_t *reg_json_cell(PGresult *res, int row, int col);

#endif
