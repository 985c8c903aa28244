/* test_ident.c - the one id rule and the one slug rule (ident.c), the
 * token shape (token.c), and that json_in's slug check is the same rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ident.h"
#include "json_in.h"
#include "token.h"

static void id_rule(void **state)
{
	(void)state;
	assert_true(ident_id_valid("1"));
	assert_true(ident_id_valid("42"));
	assert_true(ident_id_valid("999999999999999999"));  /* 18 digits */
	assert_true(ident_id_valid("9223372036854775807")); /* bigint max */
	assert_false(ident_id_valid("9223372036854775808"));
	assert_false(ident_id_valid("99999999999999999999"));
	assert_false(ident_id_valid(NULL));
	assert_false(ident_id_valid(""));
	assert_false(ident_id_valid("0"));
	assert_false(ident_id_valid("007"));
	assert_false(ident_id_valid("-1"));
	assert_false(ident_id_valid("+1"));
	assert_false(ident_id_valid(" 1"));
	assert_false(ident_id_valid("1 "));
	assert_false(ident_id_valid("1e3"));
	assert_false(ident_id_valid("12a"));
}

static void slug_rule(void **state)
{
	char s[80];

	(void)state;
	assert_null(ident_slug_check("towns"));
	assert_null(ident_slug_check("erasmus-2027"));
	assert_null(ident_slug_check("a"));
	assert_null(ident_slug_check("7"));
	assert_null(ident_slug_check("a--b"));
	assert_non_null(ident_slug_check(NULL));
	assert_non_null(ident_slug_check(""));
	assert_non_null(ident_slug_check("-a"));
	assert_non_null(ident_slug_check("a-")); /* the schema let it in */
	assert_non_null(ident_slug_check("-"));
	assert_non_null(ident_slug_check("Towns"));
	assert_non_null(ident_slug_check("a_b"));
	assert_non_null(ident_slug_check("a b"));
	assert_non_null(ident_slug_check("a.b"));
	assert_non_null(ident_slug_check("\xc3\xa5"));
	memset(s, 'a', IDENT_SLUG_MAX);
	s[IDENT_SLUG_MAX] = '\0';
	assert_null(ident_slug_check(s));
	s[IDENT_SLUG_MAX] = 'a';
	s[IDENT_SLUG_MAX + 1] = '\0';
	assert_non_null(ident_slug_check(s));
	assert_true(ident_slug_valid("towns"));
	assert_false(ident_slug_valid("towns-"));
}

/* The JSON input check is the same function, so the two cannot differ. */
static void json_in_uses_the_rule(void **state)
{
	static const char *const cases[] = {"towns", "a-", "-a",  "",
	                                    "A",     "a1", "a--b"};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_true((json_in_slug(cases[i]) == NULL) ==
		            (ident_slug_check(cases[i]) == NULL));
}

static void token_shape(void **state)
{
	char t[TOKEN_HEX + 1], u[TOKEN_HEX + 1];

	(void)state;
	token_new(t);
	token_new(u);
	assert_int_equal(strlen(t), TOKEN_HEX);
	assert_true(token_valid(t));
	assert_string_not_equal(t, u);
	t[0] = 'A';
	assert_false(token_valid(t));
	t[0] = 'g';
	assert_false(token_valid(t));
	assert_false(token_valid(u + 1));
	assert_false(token_valid(NULL));
	assert_false(token_valid(""));
	{
		char longer[TOKEN_HEX + 2];

		memcpy(longer, u, TOKEN_HEX);
		longer[TOKEN_HEX] = 'a';
		longer[TOKEN_HEX + 1] = '\0';
		assert_false(token_valid(longer));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(id_rule),
	        cmocka_unit_test(slug_rule),
	        cmocka_unit_test(json_in_uses_the_rule),
	        cmocka_unit_test(token_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
