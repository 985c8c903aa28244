/* kinds.h - the one table of event kinds, deadline kinds and notification
 * kinds in C, shared by the daemon (API input, [reminders], templates) and
 * convenectl (option checks and --help).  Pure data and libc only.  The
 * database's tables event_kinds, deadline_kinds and notification_kinds
 * (sql/001_baseline.sql) and programme_kinds (sql/016_programme.sql) hold the
 * same names in the same order (tests/integration/test_sql_layout.py);
 * tests/unit/test_kinds.c checks docs/API.md, man/convenectl.1,
 * man/convened.conf.5 and convenectl --help against it. */
#ifndef CONVENED_KINDS_H
#define CONVENED_KINDS_H

#include <stddef.h>

/* How many notification kinds there are (kinds.c checks it at compile
 * time): the size of per-kind tables such as the templates'. */
#define KINDS_NOTIFICATION_COUNT 12

/* NULL-terminated lists, in the order the schema's enums declare them. */
extern const char *const kinds_event[];        /* meeting, seminar, ... */
extern const char *const kinds_deadline[];     /* grant_submission, ... */
extern const char *const kinds_programme[];    /* talk, session, ... */
extern const char *const kinds_notification[]; /* outbox kinds/templates */

/* 1 when S is in LIST, else 0 (S NULL gives 0). */
int kinds_has(const char *const *list, const char *s);

/* 1 when S is an event or a deadline kind: a [reminders] key. */
int kinds_is_item(const char *s);

/* LIST joined into BUF as "a, b, c" with LAST (", " or " or ") before the
 * last name.  Returns BUF; a list that does not fit is cut (always
 * NUL-terminated, LEN > 0). */
char *kinds_join(const char *const *list, const char *last, char *buf,
                 size_t len);

#endif
