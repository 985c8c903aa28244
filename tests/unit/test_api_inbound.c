/* test_api_inbound.c - the since= rule of GET /api/inbound (api_inbound.c):
 * an instant with its offset that exists in the calendar, or an ISO 8601
 * duration of weeks, days, hours and minutes in that order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_inbound.h"

static void since_instants(void **state)
{
	(void)state;
	assert_true(api_inbound_since_valid("2026-12-03T09:00Z"));
	assert_true(api_inbound_since_valid("2026-12-03T09:00:00Z"));
	assert_true(api_inbound_since_valid("2026-12-03t09:00:00z"));
	assert_true(api_inbound_since_valid("2026-12-03T09:00:00.5+01:00"));
	assert_true(
	        api_inbound_since_valid("2026-12-03T09:00:00.123456-05:30"));
	assert_true(api_inbound_since_valid("2024-02-29T00:00Z")); /* leap */
	assert_true(api_inbound_since_valid("2000-02-29T23:59:59Z"));
	assert_false(api_inbound_since_valid("2100-02-29T00:00Z")); /* not */
	assert_false(api_inbound_since_valid("2026-02-29T00:00Z"));
	assert_false(api_inbound_since_valid("2026-04-31T00:00Z"));
	assert_false(api_inbound_since_valid("2026-13-01T00:00Z"));
	assert_false(api_inbound_since_valid("2026-00-01T00:00Z"));
	assert_false(api_inbound_since_valid("2026-12-00T00:00Z"));
	assert_false(api_inbound_since_valid("2026-12-03T24:00Z"));
	assert_false(api_inbound_since_valid("2026-12-03T09:60Z"));
	assert_false(api_inbound_since_valid("2026-12-03T09:00:60Z"));
	assert_false(api_inbound_since_valid("2026-12-03T09:00")); /* zone? */
	assert_false(api_inbound_since_valid("2026-12-03"));
	assert_false(api_inbound_since_valid("2026-12-03 09:00Z"));
	assert_false(api_inbound_since_valid("2026-12-03T09:00:00.Z"));
	assert_false(api_inbound_since_valid("2026-12-03T09:00:00.1234567Z"));
	assert_false(api_inbound_since_valid("2026-12-03T09:00+24:00"));
	assert_false(api_inbound_since_valid("2026-12-03T09:00+0100"));
	assert_false(api_inbound_since_valid("2026-12-03T09:00Z "));
	assert_false(api_inbound_since_valid("0000-01-01T00:00Z"));
	assert_false(api_inbound_since_valid(""));
	assert_false(api_inbound_since_valid(NULL));
}

static void since_durations(void **state)
{
	(void)state;
	assert_true(api_inbound_since_valid("P1D"));
	assert_true(api_inbound_since_valid("P2W"));
	assert_true(api_inbound_since_valid("P2W3D"));
	assert_true(api_inbound_since_valid("PT2H"));
	assert_true(api_inbound_since_valid("PT90M"));
	assert_true(api_inbound_since_valid("P1DT12H30M"));
	assert_true(api_inbound_since_valid("P99999D"));
	assert_false(api_inbound_since_valid("P100000D")); /* 5 digits */
	assert_false(api_inbound_since_valid("P"));
	assert_false(api_inbound_since_valid("PT"));
	assert_false(api_inbound_since_valid("P1DT"));
	assert_false(api_inbound_since_valid("P1H"));   /* hours after T */
	assert_false(api_inbound_since_valid("PT1D"));  /* days before T */
	assert_false(api_inbound_since_valid("P1D1W")); /* order */
	assert_false(api_inbound_since_valid("PT1M1H"));
	assert_false(api_inbound_since_valid("P1D1D"));
	assert_false(api_inbound_since_valid("P1Y"));
	assert_false(api_inbound_since_valid("P1M")); /* months: not taken */
	assert_false(api_inbound_since_valid("PT1S"));
	assert_false(api_inbound_since_valid("P-1D"));
	assert_false(api_inbound_since_valid("P1.5D"));
	assert_false(api_inbound_since_valid("p1d"));
	assert_false(api_inbound_since_valid("1D"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(since_instants),
	        cmocka_unit_test(since_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
