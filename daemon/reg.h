/* reg.h - one registration: the input rule and the call that submits it,
 * shared by the JSON API (api_reg.c) and the HTML form (pages.c). */
#ifndef CONVENED_REG_H
#define CONVENED_REG_H

#include <jansson.h>
#include <libpq-fe.h>

struct http_req;
struct json_in_error;

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

#endif
