/* pages_country.h - country names in the reader's language from ICU
 * (CLDR): the form's list, sorted by the language's collation. */
#ifndef CONVENED_PAGES_COUNTRY_H
#define CONVENED_PAGES_COUNTRY_H

#include <stddef.h>

struct page_country {
	char code[3];   /* "PL" */
	char name[128]; /* "Polska" in the list's language, UTF-8 */
};

/* The ISO 3166-1 countries (uloc_getISOCountries, those text_in accepts)
 * named in LANG (uloc_getDisplayCountry) and sorted with LANG's collator;
 * *N gets their number.  Built once per language and kept (the loop's
 * thread only).  NULL when ICU fails. */
const struct page_country *page_countries(const char *lang, size_t *n);

/* The name of CODE in LANG (country_name, country.h), or NULL when ICU
 * has none; a static buffer, valid until the next call (the loop's thread
 * only). */
const char *page_country_name(const char *lang, const char *code);

#endif
