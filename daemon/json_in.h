/* json_in.h - table-driven validation of JSON request bodies. */
#ifndef CONVENED_JSON_IN_H
#define CONVENED_JSON_IN_H

#include <jansson.h>
#include <stddef.h>

enum json_in_type {
	JIN_STRING = 1, /* JSON string (UTF-8 already checked by jansson) */
	JIN_INT,        /* JSON integer, within [min, max] when min < max */
	JIN_BOOL,       /* JSON true/false */
	JIN_OBJECT,     /* JSON object (contents not checked here) */
	JIN_ARRAY,      /* JSON array (contents not checked here) */
};

enum {
	JIN_REQUIRED = 1 << 0, /* must be present (ignored in partial mode) */
	JIN_NULLABLE = 1 << 1, /* JSON null is accepted (clears the value) */
	JIN_LINES = 1 << 2,    /* strings: line breaks allowed (text_in.h) */
};

/* A value check for strings: returns NULL when S is fine, otherwise a
 * short static reason ("is not an email address"). */
typedef const char *(*json_in_check_fn)(const char *s);

/* One accepted field.  A table ends with an entry whose name is NULL. */
struct json_in_field {
	const char *name;
	enum json_in_type type;
	int flags;                  /* JIN_REQUIRED | JIN_NULLABLE */
	size_t max_len;             /* strings: max characters; 0 = no limit */
	const char *const *choices; /* strings: NULL-terminated allowed set */
	json_in_check_fn check;     /* strings: extra check, or NULL */
	long long min, max;         /* integers: bounds when min < max */
};

/* Every string is checked with text_in_check (no control characters; line
 * breaks only with JIN_LINES) before its length, choices and check.
 *
 * What was wrong: HTTP status (400 for structure: missing, unknown or
 * wrongly typed fields; 422 for a value out of range, too long, not one
 * of the choices or failing its check), a code for the error body
 * ("missing_field", "unknown_field", "wrong_type", "too_long",
 * "invalid_value"), the field name (points into the table, or into the
 * object for unknown fields: valid while the object lives) and a message
 * "field X: reason". */
struct json_in_error {
	int status;
	const char *code;
	const char *field; /* points at fieldbuf (a copy): outlives OBJ */
	char message[200];
	char fieldbuf[64];
};

/* Check OBJ against FIELDS.  In partial mode (PATCH) required fields may
 * be absent but at least one field must be present.  Returns 0 when OBJ
 * is acceptable, -1 with *err filled otherwise.  Allocates nothing. */
int json_in_check(const json_t *obj, const struct json_in_field *fields,
                  int partial, struct json_in_error *err);

/* Number of UTF-8 characters in S (continuation bytes not counted). */
size_t json_in_utf8_len(const char *s);

/* Stock string checks (return NULL or a reason). */
const char *json_in_email(const char *s);    /* local@domain.tld, no spaces */
const char *json_in_datetime(const char *s); /* YYYY-MM-DDTHH:MM[:SS] */
const char *json_in_date(const char *s);     /* YYYY-MM-DD */
const char *json_in_date_or_datetime(const char *s);
const char *json_in_slug(const char *s);     /* ident_slug_check */
const char *json_in_country(const char *s);  /* ISO 3166-1 alpha-2 */
const char *json_in_url(const char *s);      /* http:// or https:// */
const char *json_in_nonblank(const char *s); /* not only white space */

#endif
