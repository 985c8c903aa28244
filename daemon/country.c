/* country.c - a country's name in the reader's language from ICU (see
 * country.h). */
#include "country.h"

#include <stdio.h>
#include <string.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

int country_name(const char *code, const char *lang, char *out, size_t len)
{
	char loc[8], disp[64];
	UChar name[128];
	int32_t n, outn = 0;
	UErrorCode st = U_ZERO_ERROR;

	if (len > 0)
		out[0] = '\0';
	if (len == 0 || code == NULL || strlen(code) != 2 ||
	    !((code[0] | 0x20) >= 'a' && (code[0] | 0x20) <= 'z' &&
	      (code[1] | 0x20) >= 'a' && (code[1] | 0x20) <= 'z'))
		return -1;
	snprintf(loc, sizeof(loc), "und_%c%c", code[0] & ~0x20,
	         code[1] & ~0x20);
	snprintf(disp, sizeof(disp), "%s", lang && *lang ? lang : "en");
	n = uloc_getDisplayCountry(loc, disp, name, 128, &st);
	if (U_FAILURE(st) || n <= 0 || n >= 128)
		return -1;
	/* ICU answers an unknown region with the code itself */
	if (n == 2 && name[0] == (UChar)(code[0] & ~0x20) &&
	    name[1] == (UChar)(code[1] & ~0x20))
		return -1;
	u_strToUTF8(out, (int32_t)len, &outn, name, n, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING ||
	    (size_t)outn >= len) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
