/* privacy.h - privacy by law (issue 12): retention of personal data on a
 * timer, and the admin API for retention runs and a person's data export
 * and erasure.  The rules are SQL (sql/functions/privacy.sql). */
#ifndef CONVENED_PRIVACY_H
#define CONVENED_PRIVACY_H

#include <stddef.h>

struct app;

/* Register the admin routes (POST /api/privacy/retention,
 * POST /api/people/export, POST /api/people/erase).  Returns 0 or -1. */
int privacy_routes_init(void);

/* Arm the retention timer when [privacy] retention is set: a first run
 * soon after start, then every check_interval seconds.  Returns 0, or -1
 * (out of memory). */
int privacy_start(struct app *app, char *err, size_t errlen);

/* Disarm the timer (a run in flight finishes in the database). */
void privacy_stop(void);

#endif
