/* fuzz_duration.c - libFuzzer target: config_parse_duration (ISO 8601
 * durations) and tmpl_offset_text on what it accepts. */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "fuzz_util.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	int days = -1;
	long secs = -1;

	if (s == NULL)
		return 0;
	if (config_parse_duration(s, &days, &secs) == 0) {
		char buf[128];
		/* the documented bounds */
		if (days < 0 || secs < 0 || days > 3660 || secs > 3660L * 86400)
			abort();
		for (size_t l = 0; tmpl_langs[l]; l++)
			if (tmpl_offset_text(tmpl_langs[l], days, secs, buf,
			                     sizeof(buf)) < 0)
				abort();
	}
	free(s);
	return 0;
}
