/* ident.c - the one id rule and the one slug rule. */
#include "ident.h"

#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Lower-case ASCII letter or digit (not locale-dependent). */
static int is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c);
}

int ident_id_valid(const char *s)
{
	static const char max[] = "9223372036854775807";
	size_t n;

	if (s == NULL || s[0] < '1' || s[0] > '9')
		return 0;
	for (n = 0; s[n]; n++)
		if (!is_digit(s[n]) || n == IDENT_ID_MAX)
			return 0;
	/* 19 digits: compare with the largest bigint as text */
	return n < IDENT_ID_MAX || strcmp(s, max) <= 0;
}

const char *ident_slug_check(const char *s)
{
	static const char why[] = "must be 1 to 63 lower-case letters, digits "
	                          "and '-', starting and ending with a "
	                          "letter or digit";
	size_t n;

	if (s == NULL || !is_alnum_lower(s[0]))
		return why;
	for (n = 0; s[n]; n++)
		if (!(is_alnum_lower(s[n]) || s[n] == '-') ||
		    n == IDENT_SLUG_MAX)
			return why;
	return s[n - 1] == '-' ? why : NULL;
}

int ident_slug_valid(const char *s)
{
	return ident_slug_check(s) == NULL;
}
