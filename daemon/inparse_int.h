/* inparse_int.h - internals shared by the inparse_*.c files (not an API). */
#ifndef CONVENED_INPARSE_INT_H
#define CONVENED_INPARSE_INT_H

#include <gmime/gmime.h>
#include <stddef.h>

#include "inparse.h"

#define IP_MAX_ATTENDEES 256                   /* kept per calendar component */
#define IP_MAX_RCPTS     256                   /* kept per delivery report */
#define IP_MAX_REFS      64                    /* References kept */
#define IP_MAX_CAL_BYTES ((size_t)1024 * 1024) /* one calendar part */
#define IP_MAX_LINE      512 /* a header-like value kept in the result */

/* One call's state: limits, and whether an allocation failed. */
struct ip_ctx {
	struct inparse_limits lim;
	GMimeParserOptions *opts;
	int oom;
};

/* A clean UTF-8 copy of N bytes at S (invalid sequences repaired, NUL and
 * control characters dropped; with MULTILINE newlines and tabs kept, else
 * every run of white space becomes one space and the ends are trimmed),
 * cut to at most MAX bytes on a character boundary (*CUT set when cut,
 * CUT may be NULL).  NULL (and ctx->oom) when memory ran out. */
char *ip_clean(struct ip_ctx *ctx, const char *s, size_t n, size_t max,
               int multiline, int *cut);
/* ip_clean of a NUL-terminated single-line value, at most IP_MAX_LINE;
 * NULL for NULL. */
char *ip_line(struct ip_ctx *ctx, const char *s);
/* An e-mail address from S: "mailto:" and "rfc822;" prefixes, angle
 * brackets, quotes and all white space removed, ASCII lower-cased.  NULL
 * for NULL; "" when nothing is left. */
char *ip_addr(struct ip_ctx *ctx, const char *s);
/* A Message-ID "<...>" from an id with or without brackets; NULL for
 * NULL or empty. */
char *ip_msgid(struct ip_ctx *ctx, const char *id);
/* malloc that records failure in ctx->oom. */
void *ip_alloc(struct ip_ctx *ctx, size_t n);

/* The decoded bytes of a leaf part (transfer encoding undone), converted
 * to UTF-8 from its charset when it has one and the bytes are not UTF-8
 * already; NUL-terminated, *LEN without the NUL.  At most MAX bytes are
 * read (*CUT set when there were more).  A g_malloc'd string (g_free) or
 * NULL. */
char *ip_part_text(GMimePart *part, size_t max, size_t *len, int *cut);
/* Text from HTML: tags dropped, script/style skipped, block elements as
 * newlines, entities decoded.  g_malloc'd. */
char *ip_html_to_text(const char *html, size_t len);
/* The first status code "d.ddd.ddd" with class 2, 4 or 5 in S (bounded by
 * word boundaries) into OUT (size >= 16); 1 when found. */
int ip_find_status(const char *s, char *out, size_t outlen);
/* Case-insensitive (ASCII) search for NEEDLE in the first N bytes of S. */
const char *ip_memcasestr(const char *s, size_t n, const char *needle);

/* Calendar part: parse TEXT (NUL-terminated UTF-8) with libical and fill
 * the iMIP fields of OUT.  MIME_METHOD is the method= parameter or NULL.
 * Returns 1 when a calendar component was read, 0 when TEXT holds none. */
int ip_cal_read(struct ip_ctx *ctx, const char *text, const char *mime_method,
                struct inparse_result *out);

/* A message/delivery-status body: append each recipient to OUT.  Returns
 * the number of recipients read. */
size_t ip_dsn_fields(struct ip_ctx *ctx, const char *text, size_t len,
                     struct inparse_result *out);
/* A bounce without a delivery-status part, recognised by its headers and
 * wording: fills OUT's recipients, orig_message_id and cls (DSN_FAILED or
 * DSN_DELAYED) from TEXT (the notification's text, may be NULL).  Returns
 * 1 when M is such a bounce, 0 (OUT untouched) when it is not. */
int ip_dsn_plain(struct ip_ctx *ctx, GMimeMessage *m, const char *text,
                 struct inparse_result *out);
/* The Message-ID of a returned message or header block in TEXT (parsed
 * with GMime); NULL when none. */
char *ip_dsn_headers_msgid(struct ip_ctx *ctx, const char *text, size_t len);
/* The message class that follows from OUT's recipients. */
enum inparse_class ip_dsn_class(const struct inparse_result *out);

/* Automatic-mail signals of M (headers, then SUBJECT wording): sets
 * out->auto_reason and returns 1 when one is found. */
int ip_auto_detect(struct ip_ctx *ctx, GMimeMessage *m, const char *subject,
                   struct inparse_result *out);

#endif
