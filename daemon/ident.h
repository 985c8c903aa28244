/* ident.h - the one id rule and the one slug rule, shared by the JSON
 * input checks, the routes, the pages, the feeds and convenectl.  Pure
 * functions: no allocation, no library but libc. */
#ifndef CONVENED_IDENT_H
#define CONVENED_IDENT_H

#define IDENT_SLUG_MAX 63 /* characters, as the schema's CHECK says */
#define IDENT_ID_MAX   19 /* decimal digits of the largest bigint */

/* 1 when S is a positive decimal integer without sign, spaces or leading
 * zeros that fits a PostgreSQL bigint (1 .. 9223372036854775807); 0 for
 * anything else, NULL included. */
int ident_id_valid(const char *s);

/* The slug rule: 1..IDENT_SLUG_MAX characters of a-z, 0-9 and '-', the
 * first and last a letter or digit.  Returns NULL when S follows it,
 * otherwise a short static reason.  The schema's CHECK must agree:
 * slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'. */
const char *ident_slug_check(const char *s);

/* 1 when S follows the slug rule, else 0 (NULL included). */
int ident_slug_valid(const char *s);

#endif
