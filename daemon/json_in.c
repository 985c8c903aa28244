/* json_in.c - table-driven validation of JSON request bodies. */
#include "json_in.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ident.h"
#include "text_in.h"

static int fail(struct json_in_error *err, int status, const char *code,
                const char *field, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

static int fail(struct json_in_error *err, int status, const char *code,
                const char *field, const char *fmt, ...)
{
	va_list ap;
	int n;

	err->status = status;
	err->code = code;
	snprintf(err->fieldbuf, sizeof err->fieldbuf, "%s", field ? field : "");
	err->field = field ? err->fieldbuf : NULL;
	n = snprintf(err->message, sizeof err->message, "field %s: ", field);
	if (n < 0 || (size_t)n >= sizeof err->message)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof err->message - n, fmt, ap);
	va_end(ap);
	return -1;
}

size_t json_in_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static const char *type_name(enum json_in_type t)
{
	switch (t) {
	case JIN_STRING:
		return "a string";
	case JIN_INT:
		return "an integer";
	case JIN_BOOL:
		return "true or false";
	case JIN_OBJECT:
		return "an object";
	case JIN_ARRAY:
		return "an array";
	}
	return "?";
}

static int type_ok(enum json_in_type t, const json_t *v)
{
	switch (t) {
	case JIN_STRING:
		return json_is_string(v);
	case JIN_INT:
		return json_is_integer(v);
	case JIN_BOOL:
		return json_is_boolean(v);
	case JIN_OBJECT:
		return json_is_object(v);
	case JIN_ARRAY:
		return json_is_array(v);
	}
	return 0;
}

static int check_string(const struct json_in_field *f, const json_t *v,
                        struct json_in_error *err)
{
	const char *s = json_string_value(v);
	const char *why;
	size_t len = json_string_length(v);

	if (strlen(s) != len)
		return fail(err, 422, "invalid_value", f->name,
		            "contains a NUL character");
	if ((why = text_in_check(s, f->flags & JIN_LINES)) != NULL)
		return fail(err, 422, "invalid_value", f->name, "%s", why);
	if (f->max_len > 0 && json_in_utf8_len(s) > f->max_len)
		return fail(err, 422, "too_long", f->name,
		            "is longer than %zu characters", f->max_len);
	if (f->choices != NULL) {
		const char *const *c;
		char list[120] = "";
		size_t used = 0;

		for (c = f->choices; *c; c++)
			if (strcmp(*c, s) == 0)
				break;
		if (*c == NULL) {
			for (c = f->choices; *c && used < sizeof list; c++) {
				int n = snprintf(
				        list + used, sizeof list - used, "%s%s",
				        c == f->choices ? "" : ", ", *c);
				if (n < 0)
					break;
				used += (size_t)n;
			}
			return fail(err, 422, "invalid_value", f->name,
			            "must be one of: %s", list);
		}
	}
	if (f->check != NULL && (why = f->check(s)) != NULL)
		return fail(err, 422, "invalid_value", f->name, "%s", why);
	return 0;
}

static int check_value(const struct json_in_field *f, const json_t *v,
                       struct json_in_error *err)
{
	if (json_is_null(v)) {
		if (f->flags & JIN_NULLABLE)
			return 0;
		return fail(err, 400, "wrong_type", f->name,
		            "must be %s, not null", type_name(f->type));
	}
	if (!type_ok(f->type, v))
		return fail(err, 400, "wrong_type", f->name, "must be %s",
		            type_name(f->type));
	if (f->type == JIN_STRING)
		return check_string(f, v, err);
	if (f->type == JIN_INT && f->min < f->max) {
		json_int_t i = json_integer_value(v);
		if (i < f->min || i > f->max)
			return fail(err, 422, "invalid_value", f->name,
			            "must be between %lld and %lld", f->min,
			            f->max);
	}
	return 0;
}

int json_in_check(const json_t *obj, const struct json_in_field *fields,
                  int partial, struct json_in_error *err)
{
	const struct json_in_field *f;
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		err->status = 400;
		err->code = "wrong_type";
		err->field = NULL;
		snprintf(err->message, sizeof err->message,
		         "the body must be a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)obj, key, v)
	{
		for (f = fields; f->name; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL)
			return fail(err, 400, "unknown_field", key,
			            "is not a known field");
	}
	for (f = fields; f->name; f++) {
		v = json_object_get(obj, f->name);
		if (v == NULL) {
			if ((f->flags & JIN_REQUIRED) && !partial)
				return fail(err, 400, "missing_field", f->name,
				            "is required");
			continue;
		}
		if (check_value(f, v, err) < 0)
			return -1;
	}
	if (partial && json_object_size(obj) == 0) {
		err->status = 400;
		err->code = "missing_field";
		err->field = NULL;
		snprintf(err->message, sizeof err->message,
		         "the body names no field to change");
		return -1;
	}
	return 0;
}

/* Stock checks. */

const char *json_in_email(const char *s)
{
	const char *at = strrchr(s, '@');
	const char *p, *dot;
	size_t len = strlen(s);

	if (len > 254 || at == NULL || at == s || at - s > 64)
		return "is not an email address";
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7F || c == '<' || c == '>' || c == '(' ||
		    c == ')' || c == ',' || c == ';' || c == ':' || c == '\\' ||
		    c == '"' || c == '[' || c == ']')
			return "is not an email address";
		if (c == '@' && p != at)
			return "is not an email address";
	}
	if (s[0] == '.' || at[-1] == '.' || strstr(s, "..") != NULL)
		return "is not an email address";
	/* domain: labels of letters, digits, '-', non-ASCII; a dot inside */
	p = at + 1;
	dot = strrchr(p, '.');
	if (*p == '\0' || dot == NULL || dot == p || dot[1] == '\0' ||
	    *p == '-' || p[strlen(p) - 1] == '-')
		return "is not an email address";
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(isalnum(c) || c == '-' || c == '.' || c >= 0x80))
			return "is not an email address";
	}
	return NULL;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* "YYYY-MM-DD" at S: 0 when well formed, 1 when the shape is right but
 * the day does not exist, -1 otherwise. */
static int parse_date(const char *s)
{
	int y, m, d;

	if (digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &m) < 0 ||
	    s[7] != '-' || digits(s + 8, 2, &d) < 0)
		return -1;
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return 1;
	return 0;
}

const char *json_in_date(const char *s)
{
	int rc = parse_date(s);

	if (rc < 0 || s[10] != '\0')
		return "must be a date YYYY-MM-DD";
	if (rc > 0)
		return "is not a date in the calendar";
	return NULL;
}

const char *json_in_datetime(const char *s)
{
	int rc = parse_date(s), h, mi, se = 0;
	size_t len = strlen(s);

	if (rc < 0 || (len != 16 && len != 19) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) < 0 ||
	    (len == 19 && (s[16] != ':' || digits(s + 17, 2, &se) < 0)))
		return "must be a local time YYYY-MM-DDTHH:MM[:SS] "
		       "(no offset)";
	if (rc > 0)
		return "is not a date in the calendar";
	if (h > 23 || mi > 59 || se > 59)
		return "is not a time of day";
	return NULL;
}

const char *json_in_date_or_datetime(const char *s)
{
	if (strlen(s) == 10)
		return json_in_date(s);
	return json_in_datetime(s);
}

const char *json_in_slug(const char *s)
{
	return ident_slug_check(s);
}

const char *json_in_country(const char *s)
{
	if (!text_in_country_valid(s))
		return "must be an ISO 3166-1 alpha-2 country code such as "
		       "IT, SE or PL";
	return NULL;
}

const char *json_in_url(const char *s)
{
	const char *host;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return "must be an http:// or https:// URL";
	if (*host == '\0' || *host == '/')
		return "must be an http:// or https:// URL";
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7F)
			return "must not contain spaces or control characters";
	return NULL;
}

const char *json_in_nonblank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return NULL;
	return "must not be empty";
}
