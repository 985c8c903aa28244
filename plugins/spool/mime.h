/* mime.h - the bits of RFC 5322 / 2045 / 2047 the spool plugin writes. */
#ifndef SPOOL_MIME_H
#define SPOOL_MIME_H

#include <stdio.h>
#include <time.h>

/* 1 when S (may be NULL) is safe in a header value: no CR, LF or other
 * control characters except tab; else 0. */
int mime_header_ok(const char *s);

/* Write S as a header value: unchanged when printable ASCII, otherwise
 * as RFC 2047 "B" encoded-words (UTF-8, split on character boundaries,
 * folded).  used: characters already on the line. */
void mime_put_words(FILE *f, const char *s, size_t used);

/* Write "Name <addr>" (name quoted or encoded as needed; addr alone when
 * name is NULL or empty). */
void mime_put_address(FILE *f, const char *name, const char *addr, size_t used);

/* Write an RFC 5322 date for T in UTC ("Sat, 21 Nov 2026 09:00:00 +0000"). */
void mime_put_date(FILE *f, time_t t);

/* Write S quoted-printable (RFC 2045), lines ending in LF. */
void mime_put_qp(FILE *f, const char *s);

#endif
