/* email.c - the email channel plugin: the host's finished messages in a job
 * queue, a fixed pool of worker threads each sending a batch over one
 * libesmtp session, and a rate limit. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "email_conf.h"
#include "email_smtp.h"
#include "plugin.h"

/* One queued delivery: a private copy of the host's finished message. */
struct job {
	struct job *next;
	uint64_t token;
	const char *recipient; /* envelope recipient, in data[] */
	const char *sender;    /* envelope sender, in data[] or the conf */
	size_t len;            /* of the message, at data[0] */
	char data[];
};

struct email {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
	struct email_conf conf;

	pthread_mutex_t mu;
	pthread_cond_t cv; /* work queued, or stopping */
	struct job *head, *tail;
	size_t queued;
	int stopping;

	/* Token bucket for rate_per_minute (under mu). */
	double tokens, capacity;
	struct timespec refilled;

	pthread_t *threads;
	int nthreads;
};

/* Does the host's message (of size m->size) carry FIELD? */
#define HAS(m, field)                                                          \
	((m)->size >= offsetof(struct cv_message, field) + sizeof((m)->field))

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/* How many messages the rate limit allows now (under mu); when none, set
 * *until to the moment one will be. */
static size_t rate_allow(struct email *e, struct timespec *until)
{
	double per_s = e->conf.rate_per_minute / 60.0, wait;
	struct timespec now;

	if (e->conf.rate_per_minute == 0)
		return (size_t)e->conf.per_session;
	clock_gettime(CLOCK_MONOTONIC, &now);
	e->tokens += ts_diff(&now, &e->refilled) * per_s;
	if (e->tokens > e->capacity)
		e->tokens = e->capacity;
	e->refilled = now;
	if (e->tokens >= 1.0)
		return (size_t)e->tokens;
	wait = (1.0 - e->tokens) / per_s;
	*until = now;
	until->tv_sec += (time_t)wait;
	until->tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9) + 1000000;
	if (until->tv_nsec >= 1000000000L) {
		until->tv_sec++;
		until->tv_nsec -= 1000000000L;
	}
	return 0;
}

/* Take up to MAX jobs off the queue, waiting for work and for the rate
 * limit.  Returns the number taken, 0 when stopping. */
static size_t take_batch(struct email *e, struct job **batch, size_t max)
{
	struct timespec until;
	size_t n, allow;

	pthread_mutex_lock(&e->mu);
	for (;;) {
		if (e->stopping) {
			pthread_mutex_unlock(&e->mu);
			return 0;
		}
		if (e->head == NULL) {
			pthread_cond_wait(&e->cv, &e->mu);
			continue;
		}
		allow = rate_allow(e, &until);
		if (allow == 0) {
			pthread_cond_timedwait(&e->cv, &e->mu, &until);
			continue;
		}
		break;
	}
	if (allow < max)
		max = allow;
	for (n = 0; n < max && e->head != NULL; n++) {
		batch[n] = e->head;
		e->head = e->head->next;
	}
	if (e->head == NULL)
		e->tail = NULL;
	e->queued -= n;
	if (e->conf.rate_per_minute > 0)
		e->tokens -= (double)n;
	if (e->head != NULL) /* more for another worker */
		pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
	return n;
}

static void *worker(void *arg)
{
	struct email *e = arg;
	size_t max = (size_t)e->conf.per_session, n, i, retry, first = 0;
	struct job **batch = calloc(max, sizeof *batch);
	struct email_item *items = calloc(max, sizeof *items);

	if (batch == NULL || items == NULL) {
		e->host->log(e->ctx, CV_LOG_ERR, "worker: out of memory");
		goto out;
	}
	while ((n = take_batch(e, batch, max)) > 0) {
		for (i = 0; i < n; i++) {
			memset(&items[i], 0, sizeof items[i]);
			items[i].mime = batch[i]->data;
			items[i].len = batch[i]->len;
			items[i].recipient = batch[i]->recipient;
			items[i].sender = batch[i]->sender;
		}
		email_smtp_send(&e->conf, items, n);
		for (i = 0, retry = 0; i < n; i++)
			if (items[i].result == CV_RETRY && retry++ == 0)
				first = i;
		if (retry > 0)
			e->host->log(e->ctx, CV_LOG_WARN,
			             "%zu of %zu message(s) deferred: %s",
			             retry, n, items[first].reason);
		for (i = 0; i < n; i++) {
			e->host->done(
			        e->ctx, batch[i]->token, items[i].result, 0,
			        items[i].result == CV_OK ? NULL
			                                 : items[i].reason);
			free(batch[i]);
		}
	}
out:
	free(batch);
	free(items);
	return NULL;
}

/* Copy the finished message of M and its envelope into one allocation.
 * NULL with *why set when M cannot be sent, or with *why NULL when out of
 * memory. */
static struct job *job_new(const struct email *e, const struct cv_message *m,
                           uint64_t token, const char **why)
{
	const char *from = e->conf.from;
	size_t rl, fl = 0;
	struct job *j;

	*why = NULL;
	if (!HAS(m, from) || m->raw == NULL) {
		*why = "the host hands no finished message (too old)";
		return NULL;
	}
	if (from == NULL)
		from = m->from;
	if (m->recipient == NULL || from == NULL) {
		*why = "message without recipient or sender";
		return NULL;
	}
	rl = strlen(m->recipient) + 1;
	if (from != e->conf.from)
		fl = strlen(from) + 1;
	j = calloc(1, sizeof *j + m->raw_len + 1 + rl + fl);
	if (j == NULL)
		return NULL;
	j->token = token;
	j->len = m->raw_len;
	memcpy(j->data, m->raw, m->raw_len);
	j->recipient = memcpy(j->data + m->raw_len + 1, m->recipient, rl);
	j->sender = fl ? memcpy(j->data + m->raw_len + 1 + rl, from, fl)
	               : e->conf.from;
	return j;
}

static int email_deliver(void *state, const struct cv_message *m,
                         uint64_t token)
{
	struct email *e = state;
	const char *why;
	struct job *j;

	j = job_new(e, m, token, &why);
	if (j == NULL && why != NULL) {
		e->host->done(e->ctx, token, CV_FAIL, 0, why);
		return 0;
	}
	if (j == NULL)
		return -1;
	pthread_mutex_lock(&e->mu);
	if (e->stopping) {
		pthread_mutex_unlock(&e->mu);
		free(j);
		return -1;
	}
	if (e->tail != NULL)
		e->tail->next = j;
	else
		e->head = j;
	e->tail = j;
	e->queued++;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
	return 0;
}

/* Stop the workers (they finish their current session), report what is
 * still queued as CV_RETRY, free everything. */
static void email_shutdown(void *state)
{
	struct email *e = state;
	struct job *j, *next;
	int i;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = 1;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
	for (i = 0; i < e->nthreads; i++)
		pthread_join(e->threads[i], NULL);
	for (j = e->head; j != NULL; j = next) {
		next = j->next;
		e->host->done(e->ctx, j->token, CV_RETRY, 0,
		              "email plugin shutting down");
		free(j);
	}
	email_smtp_exit();
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	email_conf_free(&e->conf);
	free(e->threads);
	free(e);
}

static int email_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                      void **state, char *err, size_t errlen)
{
	struct email *e;
	pthread_condattr_t ca;
	int i, rc;

	if (host->size < offsetof(struct cv_host, done) + sizeof(host->done)) {
		snprintf(err, errlen, "host too old (no done())");
		return -1;
	}
	e = calloc(1, sizeof *e);
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->ctx = ctx;
	e->host = host;
	if (email_conf_load(&e->conf, ctx, host, err, errlen) < 0) {
		free(e);
		return -1;
	}
	if (email_smtp_init(&e->conf, err, errlen) < 0) {
		email_conf_free(&e->conf);
		free(e);
		return -1;
	}
	if (e->conf.rate_per_minute > 0) {
		/* Bursts of at most ten seconds' worth (and one session). */
		e->capacity = e->conf.rate_per_minute / 6.0;
		if (e->capacity > e->conf.per_session)
			e->capacity = e->conf.per_session;
		if (e->capacity < 1.0)
			e->capacity = 1.0;
		e->tokens = e->capacity;
		clock_gettime(CLOCK_MONOTONIC, &e->refilled);
	}
	pthread_mutex_init(&e->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	e->threads = calloc((size_t)e->conf.workers, sizeof *e->threads);
	if (e->threads == NULL) {
		snprintf(err, errlen, "out of memory");
		email_shutdown(e);
		return -1;
	}
	for (i = 0; i < e->conf.workers; i++) {
		rc = pthread_create(&e->threads[i], NULL, worker, e);
		if (rc != 0) {
			snprintf(err, errlen, "cannot start worker thread: %s",
			         strerror(rc));
			email_shutdown(e);
			return -1;
		}
		e->nthreads++;
	}
	host->log(ctx, CV_LOG_INFO,
	          "sending through %s (starttls %s%s), %d workers, %d per "
	          "session",
	          e->conf.server,
	          e->conf.starttls == EMAIL_TLS_OFF            ? "off"
	          : e->conf.starttls == EMAIL_TLS_WHEN_OFFERED ? "when offered"
	                                                       : "required",
	          e->conf.user != NULL ? ", AUTH" : "", e->conf.workers,
	          e->conf.per_session);
	*state = e;
	return 0;
}

static const struct cv_plugin email_plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "email",
        .config_keys = email_conf_keys,
        .init = email_init,
        .deliver = email_deliver,
        .shutdown = email_shutdown,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &email_plugin;
}
