/* test_json_in.c - json_in.c: field tables, partial mode, stock checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "json_in.h"
#include "text_in.h"

static const char *const kinds[] = {"meeting", "seminar", NULL};

static const struct json_in_field fields[] = {
        {.name = "title",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 5,
         .check = json_in_nonblank},
        {.name = "kind", .type = JIN_STRING, .choices = kinds},
        {.name = "email", .type = JIN_STRING, .check = json_in_email},
        {.name = "capacity",
         .type = JIN_INT,
         .flags = JIN_NULLABLE,
         .min = 0,
         .max = 100},
        {.name = "all_day", .type = JIN_BOOL},
        {.name = "start",
         .type = JIN_STRING,
         .check = json_in_date_or_datetime},
        {0},
};

/* Run the check on TEXT; return 0/-1 and leave the error in *err. */
static int run(const char *text, int partial, struct json_in_error *err)
{
	json_error_t je;
	json_t *o = json_loads(text, JSON_ALLOW_NUL, &je);
	int rc;

	assert_non_null(o);
	memset(err, 0, sizeof *err);
	rc = json_in_check(o, fields, partial, err);
	json_decref(o);
	return rc;
}

static void expect_fail(const char *text, int partial, int status,
                        const char *code, const char *field)
{
	struct json_in_error err;

	assert_int_equal(run(text, partial, &err), -1);
	assert_int_equal(err.status, status);
	assert_string_equal(err.code, code);
	if (field == NULL) {
		assert_null(err.field);
	} else {
		assert_string_equal(err.field, field);
		assert_non_null(strstr(err.message, field));
	}
}

static void accepts_good_input(void **state)
{
	struct json_in_error err;

	assert_int_equal(run("{\"title\":\"Kick\",\"kind\":\"seminar\","
	                     "\"email\":\"a.b@example.org\",\"capacity\":"
	                     "100,\"all_day\":false,\"start\":"
	                     "\"2028-02-29T23:59\"}",
	                     0, &err),
	                 0);
	assert_int_equal(
	        run("{\"title\":\"åäöüé\",\"capacity\":null}", 0, &err), 0);
	/* partial mode: required fields may be missing */
	assert_int_equal(run("{\"kind\":\"meeting\"}", 1, &err), 0);
}

static void rejects_structure(void **state)
{
	expect_fail("{}", 0, 400, "missing_field", "title");
	expect_fail("{\"title\":\"a\",\"colour\":1}", 0, 400, "unknown_field",
	            "colour");
	expect_fail("{\"title\":5}", 0, 400, "wrong_type", "title");
	expect_fail("{\"title\":null}", 0, 400, "wrong_type", "title");
	expect_fail("{\"title\":\"a\",\"capacity\":\"3\"}", 0, 400,
	            "wrong_type", "capacity");
	expect_fail("{\"title\":\"a\",\"capacity\":1.5}", 0, 400, "wrong_type",
	            "capacity");
	expect_fail("{\"title\":\"a\",\"all_day\":1}", 0, 400, "wrong_type",
	            "all_day");
	expect_fail("{}", 1, 400, "missing_field", NULL);
	expect_fail("[1]", 0, 400, "wrong_type", NULL);
}

static void rejects_values(void **state)
{
	expect_fail("{\"title\":\"åäöüéx\"}", 0, 422, "too_long", "title");
	expect_fail("{\"title\":\"  \"}", 0, 422, "invalid_value", "title");
	expect_fail("{\"title\":\"a\",\"kind\":\"party\"}", 0, 422,
	            "invalid_value", "kind");
	expect_fail("{\"title\":\"a\",\"capacity\":101}", 0, 422,
	            "invalid_value", "capacity");
	expect_fail("{\"title\":\"a\",\"capacity\":-1}", 0, 422,
	            "invalid_value", "capacity");
	expect_fail("{\"title\":\"a\",\"start\":\"2027-02-30\"}", 0, 422,
	            "invalid_value", "start");
	expect_fail("{\"title\":\"a\",\"start\":\"2027-03-01T24:00\"}", 0, 422,
	            "invalid_value", "start");
	expect_fail("{\"title\":\"a\",\"start\":\"2027-03-01T09:00Z\"}", 0, 422,
	            "invalid_value", "start");
	expect_fail("{\"title\":\"a\\u0000b\"}", 0, 422, "invalid_value",
	            "title");
}

static void email_check(void **state)
{
	static const char *good[] = {"a@b.se",
	                             "first.last+tag@mail.example.org",
	                             "x@xn--bcher-kva.example", NULL};
	static const char *bad[] = {
	        "",         "a",        "@b.se",    "a@",      "a@b",
	        "a b@c.se", "a@@b.se",  "a@b.se.",  ".a@b.se", "a..b@c.se",
	        "a@-b.se",  "<a@b.se>", "a@b_c.se", "a.@b.se", NULL};

	for (const char **p = good; *p; p++)
		assert_null(json_in_email(*p));
	for (const char **p = bad; *p; p++)
		assert_non_null(json_in_email(*p));
}

static void date_checks(void **state)
{
	assert_null(json_in_date("2028-02-29"));
	assert_non_null(json_in_date("2027-02-29"));
	assert_null(json_in_date("2000-02-29"));
	assert_non_null(json_in_date("1900-02-29"));
	assert_non_null(json_in_date("2027-13-01"));
	assert_non_null(json_in_date("2027-3-01"));
	assert_non_null(json_in_date("2027-03-01T09:00"));
	assert_null(json_in_datetime("2027-03-01T09:00:59"));
	assert_non_null(json_in_datetime("2027-03-01 09:00"));
	assert_non_null(json_in_datetime("2027-03-01T09:60"));
	assert_non_null(json_in_datetime("2027-03-01T09:00:00+01:00"));
	assert_null(json_in_date_or_datetime("2027-03-01"));
	assert_null(json_in_date_or_datetime("2027-03-01T09:00"));
}

static void other_checks(void **state)
{
	assert_null(json_in_slug("erasmus-2027"));
	assert_non_null(json_in_slug("Erasmus"));
	assert_non_null(json_in_slug("-a"));
	assert_non_null(json_in_slug(""));
	assert_null(json_in_country("IT"));
	assert_non_null(json_in_country("it"));
	assert_non_null(json_in_country("ITA"));
	assert_non_null(json_in_country("XX"));
	assert_non_null(json_in_country("ZZ"));
	assert_non_null(json_in_country("UK"));
	assert_null(json_in_country("PL"));
	assert_null(json_in_country("XK"));
	assert_null(json_in_url("https://example.org/x?y=1"));
	assert_non_null(json_in_url("ftp://example.org"));
	assert_non_null(json_in_url("https://"));
	assert_non_null(json_in_url("https://a b"));
	assert_int_equal(json_in_utf8_len("åäö"), 3);
}

/* Every string field: no C0/C1 control character; line breaks only in a
 * field flagged JIN_LINES. */
static void control_characters(void **state)
{
	static const char *const bad[] = {"a\r\nb",
	                                  "a\nb",
	                                  "a\tb",
	                                  "a\x7f",
	                                  "a\xc2\x85"
	                                  "b",
	                                  "\xc2\x80",
	                                  "\xc2\x9f",
	                                  "\x1b[0m"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(text_in_check(bad[i], 0));
	assert_null(
	        text_in_check("Zażółć gęślą jaźń \xc2\xa0 \xe2\x80\xa8", 0));
	assert_null(text_in_check("line one\r\nline two\n", 1));
	assert_non_null(text_in_check("a\tb", 1));
	assert_non_null(text_in_check("a\xc2\x85"
	                              "b",
	                              1));
	assert_non_null(text_in_check("a\x7f", 1));
	expect_fail("{\"title\":\"a\\u0085\"}", 0, 422, "invalid_value",
	            "title");
	expect_fail("{\"title\":\"a\\r\\nb\"}", 0, 422, "invalid_value",
	            "title");
	expect_fail("{\"title\":\"a\\u007f\"}", 0, 422, "invalid_value",
	            "title");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(accepts_good_input),
	        cmocka_unit_test(rejects_structure),
	        cmocka_unit_test(rejects_values),
	        cmocka_unit_test(email_check),
	        cmocka_unit_test(date_checks),
	        cmocka_unit_test(other_checks),
	        cmocka_unit_test(control_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
