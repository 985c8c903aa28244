/* inbound.h - mail that comes back: a received message is parsed once
 * (inparse, on a worker thread), then stored and decided once per envelope
 * recipient with one call of cv_inbound_receive through the database pool,
 * and the outcome handed back to the source plugin (host->inbound). */
#ifndef CONVENED_INBOUND_H
#define CONVENED_INBOUND_H

#include <stddef.h>

#include "plugin.h"

struct app;

/* The outcome for every recipient, in order; the arrays live only during
 * the call.  Runs on the loop thread. */
typedef void (*inbound_cb)(void *arg, const enum cv_result *results,
                           const char *const *reasons, size_t n);

/* Start the parser thread and the metrics (needs app->base and app->db;
 * inparse_init must have run).  0, or -1 with the reason in err. */
int inbound_start(struct app *app, char *err, size_t errlen);

/* Join the parser thread and free every job (their owners were told by
 * inbound_abandon).  Safe to call twice. */
void inbound_stop(void);

/*
 * Take the LEN bytes at RAW from source SOURCE (a plugin's name) for the
 * NRCPT envelope recipients RCPTS, with envelope sender MAIL_FROM ("" for
 * <>, or NULL).  Everything is copied.  OWNER identifies the caller for
 * inbound_abandon.  CB runs exactly once, later, on the loop (see
 * cv_host.inbound for the meaning of the results).  Returns 0, or -1 (CB
 * never runs) when the module is not started, the arguments are bad or
 * memory ran out.
 */
int inbound_receive(const void *owner, const char *source, const char *raw,
                    size_t len, const char *mail_from, const char *const *rcpts,
                    size_t nrcpt, inbound_cb cb, void *arg);

/* Answer every unfinished message of OWNER now with CV_RETRY ("convened is
 * stopping") and forget OWNER: its CB is never called again.  Called by
 * the plugin host before a plugin's shutdown. */
void inbound_abandon(const void *owner);

/* Messages taken and not yet answered (for the drain at SIGTERM). */
size_t inbound_inflight(void);

/* The facts JSON of a parse result (every field of struct inparse_result
 * under its own name; see inbound.c), as a compact string to free, or
 * NULL when memory ran out. */
struct inparse_result;
char *inbound_facts_json(const struct inparse_result *r);

#endif
