/* text_in.h - the one rule for free text (names, organisation, titles,
 * venue, city, description, ...) and the one country rule, applied by
 * json_in to every string field, hence by the JSON API, the HTML form
 * (which is checked as JSON) and convenectl import (which goes through the
 * API).  Pure functions: no allocation. */
#ifndef CONVENED_TEXT_IN_H
#define CONVENED_TEXT_IN_H

/* NULL when the UTF-8 text S holds no C0 control character (U+0000 to
 * U+001F), no DEL (U+007F) and no C1 control character (U+0080 to
 * U+009F, NEL U+0085 included); with LINES non-zero, line feed and
 * carriage return are allowed (a description's line breaks).  Otherwise a
 * short static reason.  S must be valid UTF-8 (jansson checked it). */
const char *text_in_check(const char *s, int lines);

/* 1 when S is an ISO 3166-1 alpha-2 code in use (ICU's
 * uloc_getISOCountries: "SE", "PL", "XK"; not "XX", "ZZ", "UK", "Polska"),
 * else 0 (NULL included). */
int text_in_country_valid(const char *s);

#endif
