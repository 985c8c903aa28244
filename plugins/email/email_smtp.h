/* email_smtp.h - one libesmtp session carrying a batch of messages. */
#ifndef EMAIL_SMTP_H
#define EMAIL_SMTP_H

#include <stddef.h>

#include "email_conf.h"
#include "plugin.h"

/* One message of a batch: the caller fills mime, len, recipient and
 * sender; the session fills result and reason. */
struct email_item {
	const char *mime;      /* the whole message, CRLF, not dot-stuffed */
	size_t len;            /* its length */
	const char *recipient; /* envelope recipient */
	const char *sender;    /* envelope sender (MAIL FROM) */
	enum cv_result result;
	char reason[256]; /* server text or local cause; "" for CV_OK */
};

/* Process-wide libesmtp/OpenSSL set-up for C: AUTH plugins and the SSL
 * context for STARTTLS (TLS 1.2; trusting ca_file or the system CAs).  Call
 * once before any session. 0, or -1 with the reason in ERR. */
int email_smtp_init(const struct email_conf *c, char *err, size_t errlen);

/* Undo email_smtp_init (after every session has ended). */
void email_smtp_exit(void);

/* Send ITEMS[0..n) over one SMTP session to the configured server and
 * classify each: 2xx -> CV_OK; 4xx, timeouts, refused connections and
 * TLS failures -> CV_RETRY; 5xx for the recipient or the data ->
 * CV_FAIL.  Blocks for the whole session; safe on several threads. */
void email_smtp_send(const struct email_conf *c, struct email_item *items,
                     size_t n);

#endif /* EMAIL_SMTP_H */
