/* email_mime.h - builds the RFC 5322 / MIME message the email plugin sends. */
#ifndef EMAIL_MIME_H
#define EMAIL_MIME_H

#include <stddef.h>
#include <time.h>

#include "plugin.h"

/* The sender side of every message (from the [plugin email] section). */
struct emime_sender {
	const char *from;      /* envelope and header address (required) */
	const char *from_name; /* display name, or NULL */
	const char *reply_to;  /* Reply-To address, or NULL */
};

/* 1 when ADDR is a plain addr-spec we accept: printable ASCII, one '@'
 * with text on both sides, no space or any of <>,;"()[]\: ; else 0. */
int emime_addr_ok(const char *addr);

/* 1 when S (NULL is fine) may go into a header as a phrase or subject:
 * valid UTF-8, no control characters except tab, at most MAX bytes. */
int emime_text_ok(const char *s, size_t max);

/* Build the whole message for M from S, dated NOW: headers (From, To,
 * Reply-To, Subject, Date, Message-ID, MIME-Version, List-Unsubscribe...)
 * and a text/plain body, or multipart/alternative with text/html, or
 * multipart/mixed with an inline text/calendar part and invite.ics when
 * M->ical is set.  CRLF line ends; no line longer than 78 octets except
 * headers carrying a long address or URL (always under 998).  Returns a
 * malloc'd NUL-terminated buffer (the caller frees it) with its length in
 * *len, or NULL with the reason in ERR (invalid field: header injection,
 * bad address, METHOD mismatch; or out of memory). */
char *emime_build(const struct cv_message *m, const struct emime_sender *s,
                  time_t now, size_t *len, char *err, size_t errlen);

#endif /* EMAIL_MIME_H */
