/* fuzz_route.c - libFuzzer target: http_match with a fuzzed pattern and
 * path ("pattern\npath"), capture buffer exactly strlen(path)+1 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[2];
	size_t n = fuzz_split(data, size, '\n', f, 2);
	const char *caps[HTTP_MAX_PARAMS];

	if (n == 2) {
		size_t plen = strlen(f[1]);
		char *buf = malloc(plen + 1);
		int r = http_match(f[0], f[1], buf, caps, HTTP_MAX_PARAMS);

		if (r > HTTP_MAX_PARAMS)
			abort();
		for (int i = 0; i < r; i++)
			if (strlen(caps[i]) > plen || strchr(caps[i], '/'))
				abort(); /* a capture is one path segment */
		free(buf);
	}
	fuzz_free_fields(f, n);
	return 0;
}
