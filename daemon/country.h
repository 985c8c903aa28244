/* country.h - a country's name in the reader's language: the one function
 * pages, mails, PDF sheets and the evidence pack call (ICU's CLDR data,
 * uloc_getDisplayCountry), so that "PL" reads "Polska" in Polish and
 * "Polen" in Swedish wherever it is shown. */
#ifndef CONVENED_COUNTRY_H
#define CONVENED_COUNTRY_H

#include <stddef.h>

/* The name of country CODE (ISO 3166-1 alpha-2, "PL") in LANG (a BCP 47
 * tag, "pl"; NULL or "" is English) into OUT (UTF-8, NUL-terminated).
 * Returns 0, or -1 when CODE is not two ASCII letters, ICU has no name for
 * it (it then answers with the code itself) or OUT is too small; OUT is
 * then "" (when LEN > 0).  Thread-safe. */
int country_name(const char *code, const char *lang, char *out, size_t len);

#endif
