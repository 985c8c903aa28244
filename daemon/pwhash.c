/* pwhash.c - Argon2id off the loop: one thread per job (at most
 * PWHASH_MAX_JOBS), result back through event_active (libevent is set up
 * for threads in main). */
#include "pwhash.h"

#include <event2/event.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct job {
	pthread_t thread;
	struct event *ev;
	int verify;
	char *password; /* wiped before free */
	char *given;    /* verify: the stored hash, or NULL */
	char hash[crypto_pwhash_STRBYTES];
	int ok;
	pwhash_cb cb;
	void *arg;
};

static int running;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy[crypto_pwhash_STRBYTES];

static void make_dummy(void)
{
	char pw[32];

	randombytes_buf(pw, sizeof(pw));
	if (crypto_pwhash_str(dummy, pw, sizeof(pw),
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy[0] = '\0';
}

static void *work(void *arg)
{
	struct job *j = arg;
	size_t len = strlen(j->password);

	if (j->verify) {
		const char *h = j->given;

		if (h == NULL) {
			pthread_once(&dummy_once, make_dummy);
			h = dummy;
		}
		j->ok = h[0] &&
		        crypto_pwhash_str_verify(h, j->password, len) == 0 &&
		        j->given != NULL;
	} else {
		j->ok = crypto_pwhash_str(j->hash, j->password, len,
		                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
		                          crypto_pwhash_MEMLIMIT_INTERACTIVE) ==
		        0;
	}
	sodium_memzero(j->password, len);
	event_active(j->ev, EV_READ, 0);
	return NULL;
}

static void job_free(struct job *j)
{
	if (j->password) {
		sodium_memzero(j->password, strlen(j->password));
		free(j->password);
	}
	free(j->given);
	if (j->ev)
		event_free(j->ev);
	sodium_memzero(j->hash, sizeof(j->hash));
	free(j);
}

static void done(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	pthread_join(j->thread, NULL);
	running--;
	j->cb(j->arg, j->ok, j->verify || !j->ok ? NULL : j->hash);
	job_free(j);
}

static int start(struct event_base *base, int verify, const char *hash,
                 const char *password, pwhash_cb cb, void *arg)
{
	struct job *j;

	if (running >= PWHASH_MAX_JOBS || (j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->verify = verify;
	j->cb = cb;
	j->arg = arg;
	j->password = strdup(password);
	j->given = hash ? strdup(hash) : NULL;
	j->ev = event_new(base, -1, 0, done, j);
	if (j->password == NULL || (hash && j->given == NULL) ||
	    j->ev == NULL || pthread_create(&j->thread, NULL, work, j) != 0) {
		job_free(j);
		return -1;
	}
	running++;
	return 0;
}

int pwhash_make(struct event_base *base, const char *password, pwhash_cb cb,
                void *arg)
{
	return start(base, 0, NULL, password, cb, arg);
}

int pwhash_verify(struct event_base *base, const char *hash,
                  const char *password, pwhash_cb cb, void *arg)
{
	return start(base, 1, hash, password, cb, arg);
}

int pwhash_inflight(void)
{
	return running;
}
