/* outbox_render.h - one claimed outbox row to a ready struct cv_message:
 * the claim query's columns, template variables, Message-ID and iTIP. */
#ifndef CONVENED_OUTBOX_RENDER_H
#define CONVENED_OUTBOX_RENDER_H

#include <libpq-fe.h>
#include <stdint.h>

#include "mail_out.h"
#include "plugin.h"
#include "tmpl.h"

struct config;

/* The claim statement: $1 instance, $2 lease seconds, $3 batch size.  It
 * marks up to $3 due pending rows 'sending' and returns them with what
 * rendering needs, by column name (cv_outbox_claim). */
extern const char outbox_claim_sql[];

/* Columns the scheduler reads itself, by these names. */
#define OR_COL_ID        "id"
#define OR_COL_ATTEMPTS  "attempts"
#define OR_COL_DUE_EPOCH "due_epoch"
#define OR_COL_CHANNEL   "channel"

/* A rendered message; strings point into the PGresult or into t/ical/raw,
 * so it is valid while the result lives.  Free with outbox_msg_free. */
struct outbox_msg {
	struct cv_message m;
	struct tmpl_msg t;
	char *ical;
	char *raw; /* the finished message (mail_out) */
	char message_id[256];
	char unsubscribe[512];
	char from[300];     /* the default sender, when [mail] from is unset */
	char reply_to[320]; /* <local>+<token>@<domain>, when configured */
	char why[256];      /* why the render failed */
	unsigned char
	        *qr_png; /* the check-in QR code the HTML shows, or NULL */
	size_t qr_png_len;
	char qr_cid[300]; /* its Content-ID, without <> */
};

/* Render ROW of RES (from outbox_claim_sql) into OM, the finished message
 * (m.raw, dated by the row's due_at) included.  Returns 0, or -1 with *why
 * set (unknown kind, a field that would inject a header, out of memory;
 * *why may point into OM): a permanent failure. */
int outbox_render(const PGresult *res, int row, const struct config *cfg,
                  struct outbox_msg *om, const char **why);

/* outbox_render, the message carrying ATT[0..NATT) (mail_out.h). */
int outbox_render_with(const PGresult *res, int row, const struct config *cfg,
                       const struct mail_attachment *att, size_t natt,
                       struct outbox_msg *om, const char **why);

void outbox_msg_free(struct outbox_msg *om);

#endif
