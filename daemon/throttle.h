/* throttle.h - throttles on public requests: a token bucket per client
 * address for public POSTs (in this daemon's memory), and the per-recipient
 * mail throttle's settings and counters (in the database, shared by every
 * daemon on it: sql/functions/throttle.sql). */
#ifndef CONVENED_THROTTLE_H
#define CONVENED_THROTTLE_H

#include <stddef.h>

struct app;
struct http_req;

/* Start: remember the limits, write the mail throttle's settings to the
 * database (asynchronously), arm the hourly prune.  Returns 0 or -1. */
int throttle_start(struct app *app);
void throttle_stop(void);

/* The client address of R: the peer, or, when the peer is a trusted proxy,
 * the right-most address of X-Forwarded-For that is not one.  Written into
 * BUF (numeric).  Returns BUF. */
const char *throttle_client(struct http_req *r, char *buf, size_t len);

/* The public POST throttle for R: 0 to go on; -1 after replying 429 with
 * Retry-After (JSON under /api/, else a page in the reader's language),
 * which frees R. */
int throttle_check(struct http_req *r);

/* Take one token from the bucket of R's client address.  0: go on; -1:
 * throttled, *retry_after set to the seconds until the next token. */
int throttle_take(struct http_req *r, long *retry_after);

/* Tokens of the bucket for ADDR (numeric text) now, for tests; -1 when the
 * address is not valid.  Buckets are keyed by the address, or by its /64
 * for IPv6 (one customer's network). */
double throttle_tokens(const char *addr);

/* The pure bucket arithmetic (exported for unit tests): a bucket that had
 * TOKENS at time LAST (seconds) refills at one per INTERVAL up to BURST;
 * take one at NOW.  Returns 1 when taken (and updates *tokens, *last),
 * 0 when empty (*wait = seconds until a token, rounded up). */
int throttle_bucket_take(double *tokens, double *last, double now, int burst,
                         int interval, long *wait);

/* The mail throttle's withheld-mail total as last read from the database
 * (-1: not known); refreshed by throttle_refresh. */
void throttle_refresh(void (*done)(void *), void *arg);

#endif
