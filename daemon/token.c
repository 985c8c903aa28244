/* token.c - random hex tokens and their shape check. */
#include "token.h"

#include <sodium.h>

void token_new(char *buf)
{
	unsigned char raw[TOKEN_HEX / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(buf, TOKEN_HEX + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

int token_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		      (s[n] >= 'a' && s[n] <= 'f')) ||
		    n == TOKEN_HEX)
			return 0;
	return n == TOKEN_HEX;
}
