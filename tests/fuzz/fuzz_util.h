/* fuzz_util.h - helpers shared by the libFuzzer targets: split an input
 * into NUL-free fields on a separator byte, each a heap string. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_FIELDS 16

/* Up to MAX pieces of DATA split at SEP, copied into exact-size heap
 * strings (ASan sees any overrun); NUL bytes inside a piece end it early.
 * Returns the number of pieces; free them with fuzz_free_fields. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, char sep,
                                char **out, size_t max)
{
	size_t n = 0, start = 0;

	while (n < max) {
		size_t end = start;
		char *s;

		if (n < max - 1)
			while (end < size && (char)data[end] != sep)
				end++;
		else
			end = size; /* the last piece takes the rest */
		s = malloc(end - start + 1);
		if (s == NULL)
			break;
		memcpy(s, data + start, end - start);
		s[end - start] = '\0';
		out[n++] = s;
		if (end >= size)
			break;
		start = end + 1;
	}
	return n;
}

static inline void fuzz_free_fields(char **f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i]);
}

/* DATA as one exact-size NUL-terminated heap string. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
