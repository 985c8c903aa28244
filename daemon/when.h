/* when.h - dates and times in the reader's language: the one formatter for
 * pages, mails, PDF sheets and reports.  Everything comes from ICU's CLDR
 * data (skeletons through the locale's own patterns, interval formats,
 * zone names); nothing here is a hand-made table of month or day names.
 *
 *   when_event(buf, sizeof buf, "pl", "Europe/Warsaw", start, end, 0, "Poznań")
 *   -> "czwartek, 18 marca 2027 09:30–16:00 (czas środkowoeuropejski, Poznań)"
 *
 * Times are Unix seconds; ZONE is an IANA name; LANG a language tag ("pl",
 * "sv-FI").  All functions write UTF-8 into BUF (always NUL-terminated when
 * LEN > 0) and return 0, or -1 when ICU fails or BUF is too small; BUF then
 * holds an ISO 8601 rendering of the same instant(s) in ZONE (or UTC), so a
 * reader still sees a correct date.  Thread-safe: formatters are cached per
 * thread (a worker rendering PDFs has its own). */
#ifndef CONVENED_WHEN_H
#define CONVENED_WHEN_H

#include <stddef.h>
#include <stdint.h>

/* T with an ICU skeleton (e.g. "yMMMMEEEEd", "jmm", "yMd"): the locale's
 * own pattern for those fields. */
int when_skeleton(char *buf, size_t len, const char *lang, const char *zone,
                  int64_t t, const char *skeleton);

/* One day in words: "czwartek, 18 marca 2027" (skeleton yMMMMEEEEd). */
int when_day(char *buf, size_t len, const char *lang, const char *zone,
             int64_t t);

/* A time of day in the locale's clock: "09:30" or "9:30 AM" (skeleton jmm). */
int when_time(char *buf, size_t len, const char *lang, const char *zone,
              int64_t t);

/* START..END as times of one day in the locale's interval format
 * ("11:10–11:30", "9:30 – 11:00 AM"); over days, with the dates.  END <=
 * START prints START alone (when_time). */
int when_times(char *buf, size_t len, const char *lang, const char *zone,
               int64_t start, int64_t end);

/* START..END as one interval in the locale's interval format, with the
 * weekday: one day with times ("czwartek, 18 marca 2027 09:30–16:00"), or a
 * range over days.  ALL_DAY: dates only, END exclusive (a one-day all-day
 * event, END = START + 1 day, prints one date).  END <= START prints START
 * alone. */
int when_range(char *buf, size_t len, const char *lang, const char *zone,
               int64_t start, int64_t end, int all_day);

/* The zone's generic name in LANG at instant AT ("czas środkowoeuropejski",
 * "Central European Time"), then ", CITY" when CITY is not NULL or empty. */
int when_zone(char *buf, size_t len, const char *lang, const char *zone,
              int64_t at, const char *city);

/* when_range, then " (" when_zone ")" unless ALL_DAY: an event's dates as a
 * page or mail shows them. */
int when_event(char *buf, size_t len, const char *lang, const char *zone,
               int64_t start, int64_t end, int all_day, const char *city);

/* 1 when ZONE is a zone ICU knows (an IANA name, not the "Etc/Unknown" it
 * falls back to), else 0. */
int when_zone_known(const char *zone);

#endif
