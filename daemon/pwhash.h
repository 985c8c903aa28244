/* pwhash.h - Argon2id password hashes (libsodium crypto_pwhash_str) made
 * and checked off the event loop: each job on a thread of its own, a few
 * at once, the result handed back to the loop. */
#ifndef CONVENED_PWHASH_H
#define CONVENED_PWHASH_H

struct event_base;

/* Jobs running at once at most; pwhash_* refuse more. */
#define PWHASH_MAX_JOBS 4

/* Result on the loop.  make: ok 1 and HASH the Argon2id string (valid
 * during the call), or ok 0 (out of memory).  verify: ok 1 when the
 * password matches, else 0; HASH is NULL. */
typedef void (*pwhash_cb)(void *arg, int ok, const char *hash);

/* Hash PASSWORD (copied, wiped after use).  Returns 0 (CB runs later on
 * BASE's loop) or -1 when too many jobs run or a thread cannot start. */
int pwhash_make(struct event_base *base, const char *password, pwhash_cb cb,
                void *arg);

/* Check PASSWORD against HASH; a NULL HASH (unknown name) checks against
 * a dummy hash of the same cost, so the answer takes as long and says no.
 * Returns as pwhash_make. */
int pwhash_verify(struct event_base *base, const char *hash,
                  const char *password, pwhash_cb cb, void *arg);

/* Jobs not yet answered (drain waits for 0). */
int pwhash_inflight(void);

#endif
