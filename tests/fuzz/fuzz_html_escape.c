/* fuzz_html_escape.c - libFuzzer target: http_html_escape leaves none of
 * < > " ' unescaped and every & starts an entity. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	char *e;

	if (s == NULL)
		return 0;
	e = http_html_escape(s);
	if (e != NULL) {
		if (strpbrk(e, "<>\"'") != NULL)
			abort();
		for (const char *p = strchr(e, '&'); p; p = strchr(p + 1, '&'))
			if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
			    strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) &&
			    strncmp(p, "&#39;", 5))
				abort();
		free(e);
	}
	free(s);
	return 0;
}
