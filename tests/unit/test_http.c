/* test_http.c - route matching, JSON error shapes and HTML escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void test_match(void **state)
{
	static const struct {
		const char *pattern, *path;
		int n;
		const char *cap0, *cap1;
	} cases[] = {
	        {"/healthz", "/healthz", 0, NULL, NULL},
	        {"/healthz", "/healthz/", -1, NULL, NULL},
	        {"/healthz", "/health", -1, NULL, NULL},
	        {"/api/events/{id}", "/api/events/42", 1, "42", NULL},
	        {"/api/events/{id}", "/api/events/", -1, NULL, NULL},
	        {"/api/events/{id}", "/api/events/42/cancel", -1, NULL, NULL},
	        {"/api/events/{id}/cancel", "/api/events/42/cancel", 1, "42",
	         NULL},
	        {"/api/events/{id}/cancel", "/api/events/42/cancelx", -1, NULL,
	         NULL},
	        {"/calendars/projects/{slug}.ics",
	         "/calendars/projects/urbact.ics", 1, "urbact", NULL},
	        {"/calendars/projects/{slug}.ics", "/calendars/projects/.ics",
	         -1, NULL, NULL},
	        {"/calendars/projects/{slug}.ics", "/calendars/projects/x.ical",
	         -1, NULL, NULL},
	        {"/r/{token}/{action}", "/r/abc/confirm", 2, "abc", "confirm"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[256];
		const char *caps[HTTP_MAX_PARAMS];
		int n = http_match(cases[i].pattern, cases[i].path, buf, caps,
		                   HTTP_MAX_PARAMS);
		if (n != cases[i].n) {
			print_error("%s ~ %s: %d\n", cases[i].pattern,
			            cases[i].path, n);
			fail();
		}
		if (n >= 1)
			assert_string_equal(caps[0], cases[i].cap0);
		if (n >= 2)
			assert_string_equal(caps[1], cases[i].cap1);
	}
}

static void test_match_too_many_caps(void **state)
{
	char buf[64];
	const char *caps[1];
	(void)state;

	assert_int_equal(http_match("/{a}/{b}", "/x/y", buf, caps, 1), -1);
}

static void test_error_body(void **state)
{
	json_t *e = http_error_body("bad_field", "tz", "unknown time zone");
	char *s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	(void)state;

	assert_string_equal(s, "{\"error\":{\"code\":\"bad_field\",\"field\":"
	                       "\"tz\",\"message\":\"unknown time zone\"}}");
	free(s);
	json_decref(e);
	e = http_error_body("not_found", NULL, "no such event");
	s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"error\":{\"code\":\"not_found\",\"message\":"
	                       "\"no such event\"}}");
	free(s);
	json_decref(e);
}

static void handler(struct http_req *r)
{
	(void)r;
}

/* Route tables are judged as the daemon does at start-up: an admin route
 * that declares no scope, or a project scope with no resource to judge
 * it on, is named; public routes need none. */
static void test_routes_need_a_scope(void **state)
{
	static const struct http_route good[] = {
	        {.method = EVHTTP_REQ_GET,
	         .pattern = "/healthz",
	         .handler = handler},
	        {.method = EVHTTP_REQ_POST,
	         .pattern = "/api/public/x",
	         .handler = handler},
	        {.method = EVHTTP_REQ_POST,
	         .pattern = "/api/login",
	         .handler = handler,
	         .flags = HTTP_PUBLIC},
	        {.method = EVHTTP_REQ_GET,
	         .pattern = "/api/events/{id}",
	         .handler = handler,
	         .flags = HTTP_ADMIN,
	         .scope = HTTP_SCOPE_PROJECT,
	         .resource = "event"},
	        {.method = EVHTTP_REQ_GET,
	         .pattern = "/api/events",
	         .handler = handler,
	         .flags = HTTP_ADMIN,
	         .scope = HTTP_SCOPE_PROJECT,
	         .resource = "project",
	         .in_query = "project"},
	        {.pattern = NULL},
	};
	static const struct http_route unscoped[] = {
	        {.method = EVHTTP_REQ_GET,
	         .pattern = "/api/forgotten",
	         .handler = handler,
	         .flags = HTTP_ADMIN},
	        {.pattern = NULL},
	};
	static const struct http_route bare[] = {
	        {.method = EVHTTP_REQ_GET,
	         .pattern = "/api/bare",
	         .handler = handler},
	        {.pattern = NULL},
	};
	static const struct http_route no_resource[] = {
	        {.method = EVHTTP_REQ_GET,
	         .pattern = "/api/sheets",
	         .handler = handler,
	         .flags = HTTP_ADMIN,
	         .scope = HTTP_SCOPE_PROJECT,
	         .resource = "project"},
	        {.pattern = NULL},
	};
	const char *why;

	(void)state;
	http_reset_routes();
	assert_int_equal(http_add_routes(good), 0);
	assert_null(http_routes_problem());

	assert_int_equal(http_add_routes(unscoped), 0);
	why = http_routes_problem();
	assert_non_null(why);
	assert_non_null(strstr(why, "/api/forgotten declares no scope"));

	/* under /api/ without HTTP_ADMIN is not public either */
	http_reset_routes();
	assert_int_equal(http_add_routes(bare), 0);
	why = http_routes_problem();
	assert_non_null(why);
	assert_non_null(strstr(why, "/api/bare declares no scope"));

	http_reset_routes();
	assert_int_equal(http_add_routes(no_resource), 0);
	why = http_routes_problem();
	assert_non_null(why);
	assert_non_null(strstr(why, "/api/sheets judges a project"));
	http_reset_routes();
}

static void test_escape(void **state)
{
	char *s = http_html_escape("<script>alert('x') & \"y\"</script>");
	(void)state;

	assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;) &amp; "
	                       "&quot;y&quot;&lt;/script&gt;");
	free(s);
	s = http_html_escape("Łódź Åsa");
	assert_string_equal(s, "Łódź Åsa");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_match),
	        cmocka_unit_test(test_match_too_many_caps),
	        cmocka_unit_test(test_error_body),
	        cmocka_unit_test(test_escape),
	        cmocka_unit_test(test_routes_need_a_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
