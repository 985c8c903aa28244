/* email.c - the email channel plugin: a job queue, a fixed pool of worker
 * threads each sending a batch over one libesmtp session, and a rate limit. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "email_conf.h"
#include "email_mime.h"
#include "email_smtp.h"
#include "plugin.h"

/* One queued delivery: a private copy of the host's message. */
struct job {
	struct job *next;
	uint64_t token;
	struct cv_message m; /* strings point into data[] */
	char data[];
};

struct email {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
	struct email_conf conf;
	struct emime_sender sender;

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
#define FIELD(m, field) (HAS(m, field) ? (m)->field : NULL)

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
	size_t max = (size_t)e->conf.per_session, n, i, k, retry, first = 0;
	struct job **batch = calloc(max, sizeof *batch);
	struct email_item *items = calloc(max, sizeof *items);
	struct job **sent = calloc(max, sizeof *sent);
	char **mimes = calloc(max, sizeof *mimes);
	char err[256];
	size_t len;

	if (batch == NULL || items == NULL || sent == NULL || mimes == NULL) {
		e->host->log(e->ctx, CV_LOG_ERR, "worker: out of memory");
		goto out;
	}
	while ((n = take_batch(e, batch, max)) > 0) {
		for (i = k = 0; i < n; i++) {
			char *mime =
			        emime_build(&batch[i]->m, &e->sender,
			                    time(NULL), &len, err, sizeof err);
			if (mime == NULL) {
				e->host->done(e->ctx, batch[i]->token, CV_FAIL,
				              0, err);
				free(batch[i]);
				continue;
			}
			memset(&items[k], 0, sizeof items[k]);
			items[k].mime = mime;
			items[k].recipient = batch[i]->m.recipient;
			mimes[k] = mime;
			sent[k++] = batch[i];
		}
		if (k > 0)
			email_smtp_send(&e->conf, items, k);
		for (i = 0, retry = 0; i < k; i++)
			if (items[i].result == CV_RETRY && retry++ == 0)
				first = i;
		if (retry > 0)
			e->host->log(e->ctx, CV_LOG_WARN,
			             "%zu of %zu message(s) deferred: %s",
			             retry, k, items[first].reason);
		for (i = 0; i < k; i++) {
			e->host->done(
			        e->ctx, sent[i]->token, items[i].result, 0,
			        items[i].result == CV_OK ? NULL
			                                 : items[i].reason);
			free(mimes[i]);
			free(sent[i]);
		}
	}
out:
	free(batch);
	free(items);
	free(sent);
	free(mimes);
	return NULL;
}

/* Copy M into one allocation; NULL when out of memory. */
static struct job *job_new(const struct cv_message *m, uint64_t token)
{
	const char *src[] = {FIELD(m, kind),        FIELD(m, channel),
	                     FIELD(m, recipient),   FIELD(m, recipient_name),
	                     FIELD(m, language),    FIELD(m, message_id),
	                     FIELD(m, subject),     FIELD(m, text),
	                     FIELD(m, html),        FIELD(m, ical),
	                     FIELD(m, ical_method), FIELD(m, unsubscribe_url)};
	const char **dst[sizeof src / sizeof src[0]];
	size_t total = 0, i, n;
	struct job *j;
	char *p;

	for (i = 0; i < sizeof src / sizeof src[0]; i++)
		if (src[i] != NULL)
			total += strlen(src[i]) + 1;
	j = calloc(1, sizeof *j + total);
	if (j == NULL)
		return NULL;
	j->token = token;
	j->m.size = sizeof j->m;
	j->m.id = HAS(m, id) ? m->id : 0;
	j->m.created_at = HAS(m, created_at) ? m->created_at : 0;
	dst[0] = &j->m.kind;
	dst[1] = &j->m.channel;
	dst[2] = &j->m.recipient;
	dst[3] = &j->m.recipient_name;
	dst[4] = &j->m.language;
	dst[5] = &j->m.message_id;
	dst[6] = &j->m.subject;
	dst[7] = &j->m.text;
	dst[8] = &j->m.html;
	dst[9] = &j->m.ical;
	dst[10] = &j->m.ical_method;
	dst[11] = &j->m.unsubscribe_url;
	p = j->data;
	for (i = 0; i < sizeof src / sizeof src[0]; i++) {
		if (src[i] == NULL)
			continue;
		n = strlen(src[i]) + 1;
		memcpy(p, src[i], n);
		*dst[i] = p;
		p += n;
	}
	return j;
}

static int email_deliver(void *state, const struct cv_message *m,
                         uint64_t token)
{
	struct email *e = state;
	struct job *j;

	j = job_new(m, token);
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
	e->sender.from = e->conf.from;
	e->sender.from_name = e->conf.from_name;
	e->sender.reply_to = e->conf.reply_to;
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
