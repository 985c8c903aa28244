/* test_when.c - the one date formatter (when.c) in the six languages,
 * compared with what ICU itself prints for the same fields: the test opens
 * its own ICU formatters from the locale's patterns, never a hand-typed
 * date string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <unicode/udat.h>
#include <unicode/udatpg.h>
#include <unicode/ustring.h>

#include "when.h"

static const char *const langs[] = {"en", "sv", "it", "pl", "es", "fi"};
#define NLANGS (sizeof langs / sizeof langs[0])

/* 2027-03-18 09:30 and 16:00 in Warsaw (CET, UTC+1). */
static const int64_t T0 = 1805358600; /* 2027-03-18T08:30:00Z */
static const int64_t T1 = 1805382000; /* 2027-03-18T15:00:00Z */

/* What ICU prints for T in ZONE with the locale's best pattern for
 * SKELETON, opened here independently of when.c. */
static void icu(char *out, size_t len, const char *loc, const char *zone,
                int64_t t, const char *skeleton)
{
	UErrorCode st = U_ZERO_ERROR;
	UChar sk[64], pat[256], z[64], res[256];
	u_uastrcpy(sk, skeleton);
	u_uastrcpy(z, zone);
	UDateTimePatternGenerator *g = udatpg_open(loc, &st);
	int32_t pl = udatpg_getBestPattern(g, sk, -1, pat, 256, &st);
	udatpg_close(g);
	UDateFormat *f =
	        udat_open(UDAT_PATTERN, UDAT_PATTERN, loc, z, -1, pat, pl, &st);
	int32_t n = udat_format(f, (UDate)t * 1000.0, res, 256, NULL, &st);
	udat_close(f);
	assert_true(U_SUCCESS(st));
	u_strToUTF8(out, (int32_t)len, NULL, res, n, &st);
	assert_true(U_SUCCESS(st));
}

static void test_day_and_time_are_icus_own(void **state)
{
	(void)state;
	for (size_t i = 0; i < NLANGS; i++) {
		char got[256], want[256];
		assert_int_equal(when_day(got, sizeof got, langs[i],
		                          "Europe/Warsaw", T0),
		                 0);
		icu(want, sizeof want, langs[i], "Europe/Warsaw", T0,
		    "yMMMMEEEEd");
		assert_string_equal(got, want);
		assert_int_equal(when_time(got, sizeof got, langs[i],
		                           "Europe/Warsaw", T0),
		                 0);
		icu(want, sizeof want, langs[i], "Europe/Warsaw", T0, "jmm");
		assert_string_equal(got, want);
	}
}

/* One day with times: the weekday and date once, both times, in the
 * event's zone; the reader's language, not English. */
static void test_range_one_day(void **state)
{
	(void)state;
	for (size_t i = 0; i < NLANGS; i++) {
		char got[256], wd[64], t0[32], t1[32], en[64];
		assert_int_equal(when_range(got, sizeof got, langs[i],
		                            "Europe/Warsaw", T0, T1, 0),
		                 0);
		icu(wd, sizeof wd, langs[i], "Europe/Warsaw", T0, "EEEE");
		icu(t0, sizeof t0, langs[i], "Europe/Warsaw", T0, "jmm");
		icu(t1, sizeof t1, langs[i], "Europe/Warsaw", T1, "jmm");
		icu(en, sizeof en, "en", "Europe/Warsaw", T0, "EEEE");
		assert_non_null(strstr(got, t0));
		assert_non_null(strstr(got, t1));
		/* the weekday's name (capitalised or not) and the year, once */
		char *w = strstr(got, wd + 1);
		assert_non_null(w);
		assert_null(strstr(w + 1, wd + 1));
		char *y = strstr(got, "2027");
		assert_non_null(y);
		assert_null(strstr(y + 1, "2027"));
		if (strcmp(langs[i], "en") != 0)
			assert_null(strstr(got, en));
	}
}

/* Times of one day: both times in the event's zone and nothing of the
 * date; END <= START is when_time alone. */
static void test_times_of_one_day(void **state)
{
	(void)state;
	for (size_t i = 0; i < NLANGS; i++) {
		char got[256], t0[32], t1[32], wd[64];
		assert_int_equal(when_times(got, sizeof got, langs[i],
		                            "Europe/Warsaw", T0, T1),
		                 0);
		icu(t0, sizeof t0, langs[i], "Europe/Warsaw", T0, "jmm");
		icu(t1, sizeof t1, langs[i], "Europe/Warsaw", T1, "jmm");
		icu(wd, sizeof wd, langs[i], "Europe/Warsaw", T0, "EEEE");
		/* "9:30 – 4:00 PM" shares the day period: compare the digits */
		assert_non_null(
		        strstr(got, strcmp(langs[i], "en") == 0 ? "9:30" : t0));
		assert_non_null(
		        strstr(got, strcmp(langs[i], "en") == 0 ? "4:00" : t1));
		assert_null(strstr(got, "2027"));
		assert_null(strstr(got, "18"));
		assert_null(strstr(got, wd + 1));
		assert_int_equal(when_times(got, sizeof got, langs[i],
		                            "Europe/Warsaw", T0, T0),
		                 0);
		assert_string_equal(got, t0);
	}
}

/* Three days: both ends' day numbers; all-day: dates only, END exclusive. */
static void test_range_days_and_all_day(void **state)
{
	(void)state;
	int64_t d3 = T1 + 2 * 86400;
	for (size_t i = 0; i < NLANGS; i++) {
		char got[256], one[256], t0[32], day[256];
		assert_int_equal(when_range(got, sizeof got, langs[i],
		                            "Europe/Warsaw", T0, d3, 0),
		                 0);
		assert_non_null(strstr(got, "18"));
		assert_non_null(strstr(got, "20"));
		/* all day, one day: exactly when_day of the first day */
		int64_t mid = 1805324400; /* 2027-03-18 00:00 Warsaw */
		assert_int_equal(when_range(one, sizeof one, langs[i],
		                            "Europe/Warsaw", mid, mid + 86400,
		                            1),
		                 0);
		assert_int_equal(when_day(day, sizeof day, langs[i],
		                          "Europe/Warsaw", mid),
		                 0);
		assert_string_equal(one, day);
		icu(t0, sizeof t0, langs[i], "Europe/Warsaw", T0, "jmm");
		assert_null(strstr(one, t0));
		/* all day over three days: a range, no time */
		assert_int_equal(when_range(got, sizeof got, langs[i],
		                            "Europe/Warsaw", mid,
		                            mid + 3 * 86400, 1),
		                 0);
		assert_non_null(strstr(got, "20"));
		assert_null(strstr(got, "21"));
		assert_null(strstr(got, t0));
	}
}

/* The zone's generic name from ICU and the place; when_event joins them. */
static void test_zone_and_event(void **state)
{
	(void)state;
	for (size_t i = 0; i < NLANGS; i++) {
		char got[256], name[128], ev[512], range[256], want[512];
		icu(name, sizeof name, langs[i], "Europe/Warsaw", T0, "vvvv");
		assert_int_equal(when_zone(got, sizeof got, langs[i],
		                           "Europe/Warsaw", T0, "Poznań"),
		                 0);
		snprintf(want, sizeof want, "%s, Poznań", name);
		assert_string_equal(got, want);
		assert_int_equal(when_zone(got, sizeof got, langs[i],
		                           "Europe/Warsaw", T0, NULL),
		                 0);
		assert_string_equal(got, name);
		assert_int_equal(when_event(ev, sizeof ev, langs[i],
		                            "Europe/Warsaw", T0, T1, 0,
		                            "Poznań"),
		                 0);
		assert_int_equal(when_range(range, sizeof range, langs[i],
		                            "Europe/Warsaw", T0, T1, 0),
		                 0);
		snprintf(want, sizeof want, "%s (%s, Poznań)", range, name);
		assert_string_equal(ev, want);
	}
}

/* The spring change in Warsaw (2027-03-28): 01:30 UTC is 03:30 local, as
 * ICU's own zone rules say; Dublin's reader sees their own hour. */
static void test_zones_follow_icu_rules(void **state)
{
	(void)state;
	int64_t t = 1806197400; /* 2027-03-28T01:30:00Z */
	char got[64], want[64];
	assert_int_equal(when_time(got, sizeof got, "pl", "Europe/Warsaw", t),
	                 0);
	icu(want, sizeof want, "pl", "Europe/Warsaw", t, "Hmm");
	assert_string_equal(got, want);
	assert_int_equal(when_time(got, sizeof got, "en", "Europe/Dublin", T0),
	                 0);
	icu(want, sizeof want, "en", "Europe/Dublin", T0, "jmm");
	assert_string_equal(got, want);
	char warsaw[64];
	when_time(warsaw, sizeof warsaw, "en", "Europe/Warsaw", T0);
	assert_string_not_equal(got, warsaw);
	assert_true(when_zone_known("Europe/Warsaw"));
	assert_true(when_zone_known("America/Argentina/Buenos_Aires"));
	assert_false(when_zone_known("Mars/Olympus_Mons"));
	assert_false(when_zone_known(""));
	assert_false(when_zone_known(NULL));
}

/* A buffer too small: -1 and a NUL-terminated string, never an overflow;
 * a language ICU does not know falls back to its root data, not a crash. */
static void test_small_buffer_and_odd_input(void **state)
{
	(void)state;
	char small[8];
	memset(small, 'x', sizeof small);
	assert_int_equal(
	        when_day(small, sizeof small, "pl", "Europe/Warsaw", T0), -1);
	assert_true(memchr(small, '\0', sizeof small) != NULL);
	char got[256];
	assert_int_equal(when_day(got, sizeof got, "", "", T0), 0);
	assert_true(strlen(got) > 0);
	assert_int_equal(when_day(got, sizeof got, "@@@", "Europe/Rome", T0),
	                 0);
	assert_true(strlen(got) > 0);
}

static void *thread_fmt(void *arg)
{
	char *out = arg;
	for (int i = 0; i < 200; i++)
		when_event(out, 256, "fi", "Europe/Helsinki", T0, T1, 0,
		           "Espoo");
	return NULL;
}

/* Two threads (a PDF worker and the loop) format at once, each with its
 * own cached formatters: the same result as one thread alone. */
static void test_threads(void **state)
{
	(void)state;
	char a[256], b[256], want[256];
	when_event(want, sizeof want, "fi", "Europe/Helsinki", T0, T1, 0,
	           "Espoo");
	pthread_t ta, tb;
	pthread_create(&ta, NULL, thread_fmt, a);
	pthread_create(&tb, NULL, thread_fmt, b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_string_equal(a, want);
	assert_string_equal(b, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_day_and_time_are_icus_own),
	        cmocka_unit_test(test_range_one_day),
	        cmocka_unit_test(test_times_of_one_day),
	        cmocka_unit_test(test_range_days_and_all_day),
	        cmocka_unit_test(test_zone_and_event),
	        cmocka_unit_test(test_zones_follow_icu_rules),
	        cmocka_unit_test(test_small_buffer_and_odd_input),
	        cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
