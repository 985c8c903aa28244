/* text_in.c - the one rule for free text and the one country rule. */
#include "text_in.h"

#include <string.h>
#include <unicode/uloc.h>

const char *text_in_check(const char *s, int lines)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p == 0x7F ||
		    (*p < 0x20 && !(lines && (*p == '\n' || *p == '\r'))))
			return lines ? "contains a control character (only "
			               "line "
			               "breaks are allowed)"
			             : "contains a control character (such as "
			               "a line break, tab or DEL)";
		/* U+0080..U+009F are C2 80..C2 9F in UTF-8 */
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return "contains a control character (U+0080 to "
			       "U+009F)";
	}
	return NULL;
}

int text_in_country_valid(const char *s)
{
	const char *const *c;

	if (s == NULL || strlen(s) != 2)
		return 0;
	for (c = uloc_getISOCountries(); *c; c++)
		if (strcmp(*c, s) == 0)
			return 1;
	return 0;
}
