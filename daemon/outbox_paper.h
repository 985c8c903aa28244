/* outbox_paper.h - outbox mail that carries a document rendered at send
 * time (the certificate of attendance, as PDF): its data is read on the
 * loop (cv_certificate), the PDF rendered on the render thread (offload.h)
 * and the message built with it attached (outbox_render_with). */
#ifndef CONVENED_OUTBOX_PAPER_H
#define CONVENED_OUTBOX_PAPER_H

#include <libpq-fe.h>

#include "outbox_render.h"
#include "plugin.h"

struct app;

/* 1 when mail of KIND carries a rendered document, else 0. */
int outbox_paper_kind(const char *kind);

/* Called once on the loop: OM is the finished message (valid during the
 * call only) and R is CV_OK; or OM is NULL and R (CV_RETRY, CV_FAIL) and
 * WHY say why not. */
typedef void (*outbox_paper_cb)(void *arg, const struct outbox_msg *om,
                                enum cv_result r, const char *why);

/* Render ROW of RES (a claimed row, outbox_claim_sql) with its document.
 * The row is copied; CB runs later, never inside this call.  Returns 0,
 * or -1 (out of memory, pool shutting down) and CB never runs. */
int outbox_paper_render(struct app *app, const PGresult *res, int row,
                        outbox_paper_cb cb, void *arg);

#endif
