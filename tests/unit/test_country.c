/* test_country.c - the one country-name function (country.c): each of the
 * six languages names a country as ICU's CLDR data does, read here through
 * ICU's own uloc_getDisplayCountry; an unknown or malformed code and a too
 * small buffer fail with an empty string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include "country.h"

static const char *const langs[] = {"en", "sv", "it", "pl", "es", "fi"};

static void icu(char *out, size_t len, const char *code, const char *lang)
{
	char loc[8] = "und_";
	UChar name[128];
	UErrorCode st = U_ZERO_ERROR;
	int32_t n;

	strcat(loc, code);
	n = uloc_getDisplayCountry(loc, lang, name, 128, &st);
	assert_true(U_SUCCESS(st));
	u_strToUTF8(out, (int32_t)len, NULL, name, n, &st);
	assert_true(U_SUCCESS(st));
}

static void test_names_are_icus_in_each_language(void **state)
{
	static const char *const codes[] = {"PL", "SE", "IT", "ES",
	                                    "FI", "HR", "NO", "BE"};
	(void)state;
	for (size_t l = 0; l < 6; l++)
		for (size_t c = 0; c < 8; c++) {
			char got[128], want[128];
			assert_int_equal(country_name(codes[c], langs[l], got,
			                              sizeof got),
			                 0);
			icu(want, sizeof want, codes[c], langs[l]);
			assert_string_equal(got, want);
			assert_string_not_equal(got, codes[c]);
		}
}

static void test_the_names_people_read(void **state)
{
	char got[128];
	(void)state;
	assert_int_equal(country_name("PL", "pl", got, sizeof got), 0);
	assert_string_equal(got, "Polska");
	assert_int_equal(country_name("pl", "sv", got, sizeof got), 0);
	assert_string_equal(got, "Polen");
	assert_int_equal(country_name("PL", NULL, got, sizeof got), 0);
	assert_string_equal(got, "Poland");
}

static void test_bad_codes_and_small_buffers(void **state)
{
	char got[128];
	static const char *const bad[] = {"XX", "P", "POL", "", "P1", "ŁÓ"};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		strcpy(got, "junk");
		assert_int_equal(country_name(bad[i], "pl", got, sizeof got),
		                 -1);
		assert_string_equal(got, "");
	}
	assert_int_equal(country_name(NULL, "pl", got, sizeof got), -1);
	assert_int_equal(country_name("PL", "pl", got, 4), -1);
	assert_string_equal(got, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names_are_icus_in_each_language),
	        cmocka_unit_test(test_the_names_people_read),
	        cmocka_unit_test(test_bad_codes_and_small_buffers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
