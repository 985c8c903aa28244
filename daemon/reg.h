/* reg.h - one registration: the input rule and the call that submits it,
 * shared by the JSON API (api_reg.c) and the HTML form (pages.c). */
#ifndef CONVENED_REG_H
#define CONVENED_REG_H

#include <jansson.h>
#include <libpq-fe.h>

struct http_req;
struct json_in_error;

/* Check a registration object (JSON body or a converted form): email,
 * name, organisation, country, organisation_id, role, language, answers
 * (an object {question key: value}, checked by the database), plus the
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

/* Check a correction of a registration's person (JSON body or a converted
 * form): any of name, organisation, country, organisation_id, role,
 * language, at least one; organisation_id, or organisation with country,
 * not both.  Returns 0, or -1 with *err filled. */
int reg_correct_check(const json_t *obj, struct json_in_error *err);

/* Queue cv_registration_correct for the registration with TOKEN (the
 * person's page) or, when TOKEN is NULL, with ID (decimal text; the
 * secretariat), with the checked OBJ (copied).  CB(ARG, ...) gets the
 * result row (registration_id, person_id, name, email, organisation_id,
 * organisation, country, role, language).  Returns 0, or -1 when the query
 * cannot be queued (then CB is never called). */
int reg_correct_submit(struct http_req *r, const char *token, const char *id,
                       const json_t *obj,
                       void (*cb)(void *, PGresult *, const char *), void *arg);

#endif
