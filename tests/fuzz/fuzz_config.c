/* fuzz_config.c - libFuzzer target: config_load_string on arbitrary INI
 * text, then the lookups and duration parses a loaded config feeds. */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	char *text = fuzz_str(data, size);
	struct config *c;

	if (text == NULL)
		return 0;
	c = config_load_string(text, "fuzz.conf", err, sizeof(err));
	if (c != NULL) {
		for (size_t i = 0; i < c->nreminders; i++) {
			size_t n;
			char *const *o = config_reminders_for(
			        c, c->reminders[i].kind, &n);
			for (size_t j = 0; o && j < n; j++) {
				int d;
				long s;
				if (config_parse_duration(o[j], &d, &s) < 0)
					abort(); /* loaded => offsets parse */
			}
		}
		for (size_t i = 0; i < c->nplugins; i++)
			(void)config_plugin_get(&c->plugins[i], "host");
		config_free(c);
	} else if (err[0] == '\0') {
		abort(); /* a rejection always says why */
	}
	free(text);
	return 0;
}
