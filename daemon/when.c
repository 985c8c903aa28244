/* when.c - dates and times in the reader's language, from ICU (see when.h).
 *
 * Each thread keeps a few opened ICU formatters (opening one reads CLDR
 * data and costs far more than formatting): a small round-robin cache per
 * kind, keyed by locale, zone and skeleton, closed when the thread ends. */
#include "when.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/udateintervalformat.h>
#include <unicode/udatpg.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

enum { K_DATE, K_INTERVAL, K_KINDS };
enum { SLOTS = 8, ULEN = 256 };

struct slot {
	char key[160]; /* locale '\1' zone '\1' skeleton; "" when free */
	void *fmt;     /* UDateFormat * or UDateIntervalFormat * */
};

struct cache {
	struct slot slot[K_KINDS][SLOTS];
	unsigned next[K_KINDS];
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void close_fmt(int kind, void *fmt)
{
	if (!fmt)
		return;
	if (kind == K_DATE)
		udat_close(fmt);
	else
		udtitvfmt_close(fmt);
}

static void cache_free(void *p)
{
	struct cache *c = p;
	for (int k = 0; k < K_KINDS; k++)
		for (int i = 0; i < SLOTS; i++)
			close_fmt(k, c->slot[k][i].fmt);
	free(c);
}

static void cache_init(void)
{
	pthread_key_create(&cache_key, cache_free);
}

static struct cache *cache_get(void)
{
	pthread_once(&cache_once, cache_init);
	struct cache *c = pthread_getspecific(cache_key);
	if (!c) {
		c = calloc(1, sizeof *c);
		if (c)
			pthread_setspecific(cache_key, c);
	}
	return c;
}

/* LANG (a BCP 47 tag or NULL) as an ICU locale id; "en" when unusable. */
static void locale_of(const char *lang, char *out, size_t len)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t parsed = 0;
	if (lang && *lang) {
		uloc_forLanguageTag(lang, out, (int32_t)len, &parsed, &st);
		if (U_SUCCESS(st) && st != U_STRING_NOT_TERMINATED_WARNING &&
		    parsed > 0 && *out)
			return;
	}
	snprintf(out, len, "en");
}

static int to_utf8(char *buf, size_t len, const UChar *s, int32_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t out = 0;
	u_strToUTF8(buf, (int32_t)len, &out, s, n, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING ||
	    (size_t)out >= len)
		return -1;
	return 0;
}

static int32_t from_utf8(UChar *out, int32_t cap, const char *s)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t n = 0;
	u_strFromUTF8(out, cap, &n, s, -1, &st);
	if (U_FAILURE(st) || n >= cap)
		return -1;
	return n;
}

/* The cached formatter of KIND for (LOCALE, ZONE, SKELETON), opened on
 * first use; NULL when ICU refuses. */
static void *formatter(int kind, const char *locale, const char *zone,
                       const char *skeleton)
{
	char key[160];
	int n = snprintf(key, sizeof key, "%s\1%s\1%s", locale, zone, skeleton);
	if (n < 0 || (size_t)n >= sizeof key)
		return NULL;
	struct cache *c = cache_get();
	if (c)
		for (int i = 0; i < SLOTS; i++)
			if (c->slot[kind][i].fmt &&
			    strcmp(c->slot[kind][i].key, key) == 0)
				return c->slot[kind][i].fmt;

	UChar uzone[128], uskel[64], pattern[ULEN];
	int32_t zl = from_utf8(uzone, 128, zone);
	int32_t sl = from_utf8(uskel, 64, skeleton);
	if (zl < 0 || sl < 0)
		return NULL;
	UErrorCode st = U_ZERO_ERROR;
	void *fmt = NULL;
	if (kind == K_DATE) {
		UDateTimePatternGenerator *g = udatpg_open(locale, &st);
		int32_t pl = U_SUCCESS(st)
		                     ? udatpg_getBestPattern(g, uskel, sl,
		                                             pattern, ULEN, &st)
		                     : 0;
		if (g)
			udatpg_close(g);
		if (U_FAILURE(st) || pl <= 0 || pl >= ULEN)
			return NULL;
		fmt = udat_open(UDAT_PATTERN, UDAT_PATTERN, locale, uzone, zl,
		                pattern, pl, &st);
	} else {
		fmt = udtitvfmt_open(locale, uskel, sl, uzone, zl, &st);
	}
	if (U_FAILURE(st)) {
		close_fmt(kind, fmt);
		return NULL;
	}
	if (!c)
		return fmt; /* no cache: leaks one formatter; calloc failed */
	struct slot *s = &c->slot[kind][c->next[kind]++ % SLOTS];
	close_fmt(kind, s->fmt);
	snprintf(s->key, sizeof s->key, "%s", key);
	s->fmt = fmt;
	return fmt;
}

/* BUF = T as ISO 8601 local time in ZONE (when the C library knows it) or
 * UTC: the fallback when ICU cannot help.  Returns -1 (the caller's
 * result). */
static int iso_fallback(char *buf, size_t len, int64_t t)
{
	if (!len)
		return -1;
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm))
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d UTC",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_hour, tm.tm_min);
	else
		buf[0] = '\0';
	return -1;
}

static const char *zone_or_utc(const char *zone)
{
	return zone && *zone ? zone : "UTC";
}

int when_zone_known(const char *zone)
{
	if (!zone || !*zone)
		return 0;
	UChar uz[128], canon[128];
	int32_t zl = from_utf8(uz, 128, zone);
	if (zl < 0)
		return 0;
	UErrorCode st = U_ZERO_ERROR;
	UBool sys = 0;
	ucal_getCanonicalTimeZoneID(uz, zl, canon, 128, &sys, &st);
	return U_SUCCESS(st) && sys;
}

int when_skeleton(char *buf, size_t len, const char *lang, const char *zone,
                  int64_t t, const char *skeleton)
{
	char loc[64];
	locale_of(lang, loc, sizeof loc);
	UDateFormat *f = formatter(K_DATE, loc, zone_or_utc(zone), skeleton);
	if (!f)
		return iso_fallback(buf, len, t);
	UChar out[ULEN];
	UErrorCode st = U_ZERO_ERROR;
	int32_t n = udat_format(f, (UDate)t * 1000.0, out, ULEN, NULL, &st);
	if (U_FAILURE(st) || n >= ULEN || to_utf8(buf, len, out, n) != 0)
		return iso_fallback(buf, len, t);
	return 0;
}

int when_day(char *buf, size_t len, const char *lang, const char *zone,
             int64_t t)
{
	return when_skeleton(buf, len, lang, zone, t, "yMMMMEEEEd");
}

int when_time(char *buf, size_t len, const char *lang, const char *zone,
              int64_t t)
{
	return when_skeleton(buf, len, lang, zone, t, "jmm");
}

/* START..END with SKEL in the locale's interval format. */
static int interval(char *buf, size_t len, const char *lang, const char *zone,
                    int64_t start, int64_t end, const char *skel)
{
	char loc[64];
	locale_of(lang, loc, sizeof loc);
	UDateIntervalFormat *f =
	        formatter(K_INTERVAL, loc, zone_or_utc(zone), skel);
	if (!f)
		return iso_fallback(buf, len, start);
	UChar out[ULEN];
	UErrorCode st = U_ZERO_ERROR;
	int32_t n = udtitvfmt_format(f, (UDate)start * 1000.0,
	                             (UDate)end * 1000.0, out, ULEN, NULL, &st);
	if (U_FAILURE(st) || n >= ULEN || to_utf8(buf, len, out, n) != 0)
		return iso_fallback(buf, len, start);
	return 0;
}

int when_times(char *buf, size_t len, const char *lang, const char *zone,
               int64_t start, int64_t end)
{
	if (end <= start)
		return when_time(buf, len, lang, zone, start);
	return interval(buf, len, lang, zone, start, end, "jmm");
}

int when_range(char *buf, size_t len, const char *lang, const char *zone,
               int64_t start, int64_t end, int all_day)
{
	const char *skel = all_day ? "yMMMMEEEEd" : "yMMMMEEEEdjmm";
	if (all_day)
		end -= 1; /* END is exclusive: the last second of the last day
		           */
	if (end <= start)
		return when_skeleton(buf, len, lang, zone, start, skel);
	return interval(buf, len, lang, zone, start, end, skel);
}

int when_zone(char *buf, size_t len, const char *lang, const char *zone,
              int64_t at, const char *city)
{
	/* vvvv: the generic long name ("Central European Time"), the same in
	 * summer and winter, as a person names their zone. */
	if (when_skeleton(buf, len, lang, zone, at, "vvvv") != 0)
		return -1;
	if (city && *city) {
		size_t used = strlen(buf);
		int n = snprintf(buf + used, len - used, ", %s", city);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			return -1;
		}
	}
	return 0;
}

int when_event(char *buf, size_t len, const char *lang, const char *zone,
               int64_t start, int64_t end, int all_day, const char *city)
{
	int rc = when_range(buf, len, lang, zone, start, end, all_day);
	if (rc != 0 || all_day)
		return rc;
	char z[160];
	if (when_zone(z, sizeof z, lang, zone, start, city) != 0)
		return 0; /* the dates alone are still right */
	size_t used = strlen(buf);
	int n = snprintf(buf + used, len - used, " (%s)", z);
	if (n < 0 || (size_t)n >= len - used) {
		buf[used] = '\0';
		return -1;
	}
	return 0;
}
