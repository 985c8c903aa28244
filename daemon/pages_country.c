/* pages_country.c - country names in the reader's language from ICU:
 * uloc_getISOCountries for the codes, uloc_getDisplayCountry for the
 * names, a ucol collator for the order. */
#include "pages_country.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucol.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include "country.h"
#include "text_in.h"

#define MAX_LISTS     8
#define MAX_COUNTRIES 300

struct list {
	char lang[8];
	size_t n;
	struct page_country *v;
};

static struct list lists[MAX_LISTS];
static size_t nlists;

/* qsort has no context argument: the collator of the list being sorted
 * (the loop's thread only). */
static UCollator *sort_coll;

struct sortable {
	struct page_country c;
	UChar name16[128];
};

static int cmp(const void *a, const void *b)
{
	const struct sortable *x = a, *y = b;
	UCollationResult r =
	        ucol_strcoll(sort_coll, x->name16, -1, y->name16, -1);

	return r == UCOL_LESS ? -1 : r == UCOL_GREATER ? 1 : 0;
}

static int build(struct list *l, const char *lang)
{
	const char *const *codes = uloc_getISOCountries();
	struct sortable *s = calloc(MAX_COUNTRIES, sizeof(*s));
	UErrorCode st = U_ZERO_ERROR;
	size_t n = 0;

	if (s == NULL)
		return -1;
	for (size_t i = 0; codes[i] && n < MAX_COUNTRIES; i++) {
		char loc[8];
		int32_t len;

		if (!text_in_country_valid(codes[i]))
			continue;
		snprintf(loc, sizeof(loc), "_%s", codes[i]);
		st = U_ZERO_ERROR;
		len = uloc_getDisplayCountry(
		        loc, lang, s[n].name16,
		        (int32_t)(sizeof(s[n].name16) / sizeof(UChar)) - 1,
		        &st);
		if (U_FAILURE(st) || len <= 0)
			continue;
		s[n].name16[len] = 0;
		st = U_ZERO_ERROR;
		u_strToUTF8(s[n].c.name, sizeof(s[n].c.name) - 1, NULL,
		            s[n].name16, len, &st);
		if (U_FAILURE(st))
			continue;
		memcpy(s[n].c.code, codes[i], 2);
		n++;
	}
	st = U_ZERO_ERROR;
	sort_coll = ucol_open(lang, &st);
	if (U_SUCCESS(st)) {
		qsort(s, n, sizeof(*s), cmp);
		ucol_close(sort_coll);
	}
	sort_coll = NULL;
	l->v = calloc(n ? n : 1, sizeof(*l->v));
	if (l->v == NULL) {
		free(s);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		l->v[i] = s[i].c;
	l->n = n;
	snprintf(l->lang, sizeof(l->lang), "%s", lang);
	free(s);
	return 0;
}

const struct page_country *page_countries(const char *lang, size_t *n)
{
	for (size_t i = 0; i < nlists; i++)
		if (strcmp(lists[i].lang, lang) == 0) {
			*n = lists[i].n;
			return lists[i].v;
		}
	if (nlists == MAX_LISTS || strlen(lang) >= sizeof(lists[0].lang) ||
	    build(&lists[nlists], lang) < 0) {
		*n = 0;
		return NULL;
	}
	*n = lists[nlists].n;
	return lists[nlists++].v;
}

const char *page_country_name(const char *lang, const char *code)
{
	/* the shared country_name (country.h); the loop's thread only */
	static char name[128];

	return country_name(code, lang, name, sizeof(name)) == 0 ? name : NULL;
}
