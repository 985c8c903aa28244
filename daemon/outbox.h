/* outbox.h - the scheduler: claims due outbox rows, renders them, hands them
 * to plugins and records the outcomes; the database is the truth. */
#ifndef CONVENED_OUTBOX_H
#define CONVENED_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

struct app;

/* Start the scheduler on app (needs app->db and a started plugin host):
 * writes the notify window and seeds the reminder defaults from [reminders]
 * when the database has none, LISTENs on
 * convened_outbox, arms the timers and registers the done callback, the
 * drain check and the metrics.  Returns 0, or -1 on allocation failure. */
int outbox_start(struct app *app);

/* Look at the outbox now (a wake-up: NOTIFY, reconnect, new rows). */
void outbox_kick(void);

/* 1 when nothing is in flight (deliveries or unrecorded outcomes). */
int outbox_idle(void);

/* Stop the timers and free the scheduler (rows still in flight return to
 * pending when their lease runs out). */
void outbox_stop(void);

/* Seconds to wait before attempt ATTEMPTS+1 after a temporary failure:
 * base * 2^(attempts-1) capped at max, with +-25% jitter from RND (0..1),
 * at least 0.5.  Pure; for tests. */
double outbox_backoff(int attempts, int base_s, int max_s, double rnd);

/* The Message-ID of outbox row ID with DEDUPE key under base_url's host,
 * "<outbox-ID.HASH@host>", into buf.  Returns 0 or -1 (too small). */
int outbox_message_id(int64_t id, const char *dedupe, const char *base_url,
                      char *buf, size_t len);

#endif
