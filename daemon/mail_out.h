/* mail_out.h - the one MIME writer: every outgoing message as RFC 5322
 * bytes (headers, RFC 2047 words, quoted-printable, multipart bodies, the
 * iTIP calendar part and its .ics attachment, files attached). */
#ifndef CONVENED_MAIL_OUT_H
#define CONVENED_MAIL_OUT_H

#include <stddef.h>
#include <time.h>

#include "plugin.h"

/* The sender side of every message (the [mail] config section). */
struct mail_sender {
	const char *from;      /* From: address (required) */
	const char *from_name; /* its display name, or NULL */
	const char *reply_to;  /* Reply-To: address, or NULL */
};

/* 1 when ADDR is a plain addr-spec we accept: printable ASCII, one '@'
 * with text on both sides, no space or any of <>,;"()[]\: ; else 0. */
int mail_addr_ok(const char *addr);

/* 1 when S (NULL is fine) may go into a header as a phrase or subject:
 * valid UTF-8, no control characters except tab, at most MAX bytes. */
int mail_text_ok(const char *s, size_t max);

/* Build the whole message for M (its id, kind, recipient, names, subject,
 * bodies, calendar, Message-ID, unsubscribe URL; M->raw is ignored) from
 * S, dated DATE.  The bytes depend only on these inputs (boundaries come
 * from M->id), so the same outbox row always gives the same message.
 *
 * Headers: From, To, Reply-To, Subject, Date, Message-ID, MIME-Version,
 * Auto-Submitted, Content-Language, List-Unsubscribe(-Post), X-Mailer,
 * X-Convened-Kind, X-Convened-Outbox-Id.  Body: text/plain; or
 * multipart/alternative with text/html; with a calendar, multipart/mixed
 * holding multipart/alternative (text, html, text/calendar; method=M)
 * and invite.ics (mail_out_build_inline: the html part as multipart/related
 * with its images).  CRLF line ends, quoted-printable text, no line over
 * 78 octets except a header carrying a long address or URL (< 998).
 *
 * Returns a malloc'd NUL-terminated buffer (the caller frees it) with its
 * length in *len, or NULL with the reason in ERR: a field that would
 * inject or break a header (CR, LF or other controls, bad address, bad
 * URL), a calendar whose METHOD differs from M->ical_method, or out of
 * memory. */
char *mail_out_build(const struct cv_message *m, const struct mail_sender *s,
                     time_t date, size_t *len, char *err, size_t errlen);

/* An image the HTML body shows by its Content-ID ("cid:" + content_id). */
struct mail_inline {
	const char *content_type; /* "image/png" */
	const char *content_id;   /* "qr.42@example.org", without <> */
	const char *filename;     /* "checkin.png" */
	const void *data;
	size_t len;
};

/* mail_out_build with N inline images IMG: with an HTML body, the HTML
 * alternative becomes multipart/related holding the HTML and each image
 * (base64, Content-ID, Content-Disposition: inline).  Without an HTML body
 * the images are left out.  A content type or id that would break a
 * header is refused (NULL with ERR). */
char *mail_out_build_inline(const struct cv_message *m,
                            const struct mail_sender *s,
                            const struct mail_inline *img, size_t n,
                            time_t date, size_t *len, char *err, size_t errlen);

/* A file attached to a message: its name (letters, digits, "._-" only),
 * its MIME type ("application/pdf") and its bytes. */
struct mail_attachment {
	const char *filename;
	const char *ctype;
	const void *data;
	size_t len;
};

/* mail_out_build_inline with NATT attachments ATT as well (NATT 0: the
 * same message as mail_out_build_inline): the body becomes
 * multipart/mixed holding the text (or multipart/alternative), invite.ics
 * when there is a calendar, then each attachment as a base64 part with
 * Content-Disposition: attachment.  A bad file name or type fails with
 * ERR. */
char *mail_out_build_full(const struct cv_message *m,
                          const struct mail_sender *s,
                          const struct mail_inline *img, size_t nimg,
                          const struct mail_attachment *att, size_t natt,
                          time_t date, size_t *len, char *err, size_t errlen);

#endif /* CONVENED_MAIL_OUT_H */
