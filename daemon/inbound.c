/* inbound.c - mail that comes back: parse on one worker thread, store and
 * decide once per recipient with cv_inbound_receive, answer the source
 * plugin on the loop.  The worker gets jobs through a mutex queue and hands
 * them back through a second queue and an eventfd written only when that
 * queue was empty (as plugin_host.c). */
#include "inbound.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "inparse.h"
#include "log.h"
#include "metrics.h"

#define RECEIVE_SQL                                                            \
	"SELECT id, duplicate, decision, reason FROM "                         \
	"cv_inbound_receive($1, $2, $3, $4, $5, $6::jsonb, $7::int, "          \
	"$8::bytea)"

struct job {
	struct job *qnext;       /* in a worker queue */
	struct job *prev, *next; /* in the live list (loop thread only) */
	const void *owner;       /* NULL once abandoned */
	struct timespec taken;   /* CLOCK_MONOTONIC when handed over */
	inbound_cb cb;
	void *arg;
	/* input, copied */
	char *source, *mail_from, **rcpts;
	size_t nrcpt;
	char *raw;
	size_t len;
	/* filled by the worker */
	int parsed;        /* 0: out of memory (results CV_RETRY) */
	char *message_id;  /* "<...>" */
	const char *class; /* inparse_class_name() */
	char *facts;       /* JSON */
	char *raw_hex;     /* "\x..." or NULL over keep_raw_max */
	char size[24];
	/* on the loop */
	enum cv_result *results;
	char **reasons;
	size_t pending; /* queries not answered yet */
};

/* One counter of convened_inbound_total. */
struct count {
	char *class, *decision;
	unsigned long n;
};

/* When a source's mail was last stored (decided or a duplicate). */
struct seen {
	char *source;
	time_t at;
};

static struct {
	struct app *app;
	int started;
	size_t keep_raw_max;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *in_head, **in_tail;   /* to the worker */
	struct job *out_head, **out_tail; /* back to the loop */
	int stopping;
	int efd;
	struct event *ev;
	struct job *live; /* taken, not yet answered */
	size_t inflight;
	struct count *counts;
	size_t ncounts, capcounts;
	struct seen *seen;
	size_t nseen;
} I = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER,
       .efd = -1};

/* ---- the facts JSON ---- */

static json_t *jstr(const char *s)
{
	json_t *v;

	if (!s)
		return json_null();
	v = json_string(s);
	return v ? v : json_null(); /* not UTF-8: inparse promises it is */
}

static json_t *jattendees(const struct inparse_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nattendees; i++) {
		const struct inparse_attendee *at = &r->attendees[i];
		json_array_append_new(
		        a, json_pack("{s:o, s:o, s:o, s:o}", "address",
		                     jstr(at->address), "partstat",
		                     jstr(at->partstat), "delegated_to",
		                     jstr(at->delegated_to), "name",
		                     jstr(at->name)));
	}
	return a;
}

static json_t *jrcpts(const struct inparse_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->nrcpts; i++) {
		const struct inparse_dsn_rcpt *d = &r->rcpts[i];
		json_array_append_new(
		        a,
		        json_pack("{s:o, s:o, s:o, s:o, s:o, s:s}", "address",
		                  jstr(d->address), "original",
		                  jstr(d->original), "status", jstr(d->status),
		                  "action", jstr(d->action), "diagnostic",
		                  jstr(d->diagnostic), "severity",
		                  inparse_severity_name(d->severity)));
	}
	return a;
}

char *inbound_facts_json(const struct inparse_result *r)
{
	json_t *refs = json_array(), *o;
	char *s;

	for (size_t i = 0; refs && i < r->nreferences; i++)
		json_array_append_new(refs, jstr(r->references[i]));
	o = json_pack(
	        "{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	        " s:o, s:o, s:o, s:i, s:I, s:o, s:o, s:o, s:o, s:o, s:o,"
	        " s:o, s:i, s:o, s:o, s:b, s:o, s:b}",
	        "cls", inparse_class_name(r->cls), "reason", r->reason,
	        "is_automatic", r->is_automatic, "auto_reason",
	        jstr(r->auto_reason), "message_id", jstr(r->message_id), "from",
	        jstr(r->from), "from_name", jstr(r->from_name), "subject",
	        jstr(r->subject), "in_reply_to", jstr(r->in_reply_to),
	        "references", refs ? refs : json_array(), "method",
	        jstr(r->method), "mime_method", jstr(r->mime_method), "uid",
	        jstr(r->uid), "sequence", r->sequence, "dtstamp",
	        (json_int_t)r->dtstamp, "recurrence_id", jstr(r->recurrence_id),
	        "recurrence_tzid", jstr(r->recurrence_tzid), "organizer",
	        jstr(r->organizer), "comment", jstr(r->comment), "dtstart",
	        jstr(r->dtstart), "dtend", jstr(r->dtend), "attendees",
	        jattendees(r), "calendar_parts", r->calendar_parts, "rcpts",
	        jrcpts(r), "orig_message_id", jstr(r->orig_message_id),
	        "dsn_structured", r->dsn_structured, "text", jstr(r->text),
	        "text_truncated", r->text_truncated);
	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* ---- the worker ---- */

/* "<sha256-of-raw@convened.invalid>" for a message without Message-ID. */
static char *synthetic_id(const char *raw, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1], *s;

	crypto_hash_sha256(h, (const unsigned char *)raw, len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	return asprintf(&s, "<%s@convened.invalid>", hex) < 0 ? NULL : s;
}

/* bytea's text form: "\x" and two hex digits a byte. */
static char *bytea_hex(const char *raw, size_t len)
{
	char *s = malloc(2 * len + 3);

	if (!s)
		return NULL;
	s[0] = '\\';
	s[1] = 'x';
	sodium_bin2hex(s + 2, 2 * len + 1, (const unsigned char *)raw, len);
	return s;
}

static void parse_job(struct job *j, size_t keep_raw_max)
{
	struct inparse_result r;
	char err[160];

	memset(&r, 0, sizeof(r));
	if (inparse_message(j->raw, j->len, NULL, &r, err, sizeof(err)) < 0) {
		inparse_result_free(&r);
		return; /* out of memory: parsed stays 0 */
	}
	j->class = inparse_class_name(r.cls);
	j->message_id = r.message_id && *r.message_id
	                        ? strdup(r.message_id)
	                        : synthetic_id(j->raw, j->len);
	j->facts = inbound_facts_json(&r);
	inparse_result_free(&r);
	if (j->len <= keep_raw_max)
		j->raw_hex = bytea_hex(j->raw, j->len);
	snprintf(j->size, sizeof(j->size), "%zu", j->len);
	j->parsed = j->message_id && j->facts &&
	            (j->len > keep_raw_max || j->raw_hex);
	free(j->raw); /* kept as raw_hex when wanted */
	j->raw = NULL;
}

static void *worker(void *arg)
{
	for (;;) {
		struct job *j;
		int was_empty;

		pthread_mutex_lock(&I.mu);
		while (!I.in_head && !I.stopping)
			pthread_cond_wait(&I.cv, &I.mu);
		if (I.stopping) {
			pthread_mutex_unlock(&I.mu);
			return NULL;
		}
		j = I.in_head;
		I.in_head = j->qnext;
		if (!I.in_head)
			I.in_tail = &I.in_head;
		pthread_mutex_unlock(&I.mu);

		parse_job(j, I.keep_raw_max);

		j->qnext = NULL;
		pthread_mutex_lock(&I.mu);
		was_empty = I.out_head == NULL;
		*I.out_tail = j;
		I.out_tail = &j->qnext;
		pthread_mutex_unlock(&I.mu);
		if (was_empty) {
			uint64_t one = 1;
			ssize_t w = write(I.efd, &one, sizeof(one));
			(void)w; /* EAGAIN: the counter is already non-zero */
		}
	}
}

/* ---- the loop side ---- */

static void count(const char *class, const char *decision)
{
	struct count *c;

	for (size_t i = 0; i < I.ncounts; i++)
		if (strcmp(I.counts[i].class, class) == 0 &&
		    strcmp(I.counts[i].decision, decision) == 0) {
			I.counts[i].n++;
			return;
		}
	if (I.ncounts == I.capcounts) {
		size_t cap = I.capcounts ? I.capcounts * 2 : 16;
		c = realloc(I.counts, cap * sizeof(*c));
		if (!c)
			return;
		I.counts = c;
		I.capcounts = cap;
	}
	c = &I.counts[I.ncounts];
	c->class = strdup(class);
	c->decision = strdup(decision);
	if (!c->class || !c->decision) {
		free(c->class);
		free(c->decision);
		return;
	}
	c->n = 1;
	I.ncounts++;
}

static void stored_from(const char *source)
{
	struct seen *s;

	for (size_t i = 0; i < I.nseen; i++)
		if (strcmp(I.seen[i].source, source) == 0) {
			I.seen[i].at = time(NULL);
			return;
		}
	s = realloc(I.seen, (I.nseen + 1) * sizeof(*s));
	if (!s)
		return;
	I.seen = s;
	if ((s[I.nseen].source = strdup(source)) == NULL)
		return;
	s[I.nseen++].at = time(NULL);
}

/* Seconds the oldest message in flight has waited (0 when none). */
static double oldest_inflight(void)
{
	struct timespec now;
	double oldest = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (const struct job *j = I.live; j; j = j->next) {
		double age = (double)(now.tv_sec - j->taken.tv_sec) +
		             (double)(now.tv_nsec - j->taken.tv_nsec) / 1e9;

		if (age > oldest)
			oldest = age;
	}
	return oldest;
}

static void write_metrics(struct evbuffer *out, void *arg)
{
	evbuffer_add_printf(out,
	                    "# HELP convened_inbound_inflight Received "
	                    "messages not yet answered to their source: "
	                    "being parsed, or waiting for the database to "
	                    "store and decide them.\n"
	                    "# TYPE convened_inbound_inflight gauge\n"
	                    "convened_inbound_inflight %zu\n"
	                    "# HELP convened_inbound_oldest_inflight_seconds "
	                    "How long the oldest message in flight has "
	                    "waited (0 when none).\n"
	                    "# TYPE convened_inbound_oldest_inflight_seconds "
	                    "gauge\n"
	                    "convened_inbound_oldest_inflight_seconds %.3f\n",
	                    I.inflight, oldest_inflight());
	evbuffer_add_printf(out, "# HELP convened_inbound_last_stored_"
	                         "timestamp_seconds When a message from the "
	                         "source was last stored and decided (Unix "
	                         "time, since start).\n"
	                         "# TYPE convened_inbound_last_stored_"
	                         "timestamp_seconds gauge\n");
	for (size_t i = 0; i < I.nseen; i++)
		evbuffer_add_printf(out,
		                    "convened_inbound_last_stored_timestamp_"
		                    "seconds{source=\"%s\"} %lld\n",
		                    I.seen[i].source, (long long)I.seen[i].at);
	evbuffer_add_printf(out, "# HELP convened_inbound_total Received "
	                         "messages per recipient, by class and "
	                         "decision.\n"
	                         "# TYPE convened_inbound_total counter\n");
	for (size_t i = 0; i < I.ncounts; i++)
		evbuffer_add_printf(out,
		                    "convened_inbound_total{class=\"%s\","
		                    "decision=\"%s\"} %lu\n",
		                    I.counts[i].class, I.counts[i].decision,
		                    I.counts[i].n);
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->nrcpt; i++) {
		free(j->rcpts[i]);
		if (j->reasons)
			free(j->reasons[i]);
	}
	free(j->rcpts);
	free(j->reasons);
	free(j->results);
	free(j->source);
	free(j->mail_from);
	free(j->raw);
	free(j->message_id);
	free(j->facts);
	free(j->raw_hex);
	free(j);
}

static void unlink_live(struct job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else if (I.live == j)
		I.live = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

/* Every query answered: tell the owner (unless abandoned) and free. */
static void finish(struct job *j)
{
	if (j->owner && j->cb)
		j->cb(j->arg, j->results, (const char *const *)j->reasons,
		      j->nrcpt);
	unlink_live(j);
	if (I.inflight > 0)
		I.inflight--;
	job_free(j);
}

static void set_result(struct job *j, size_t i, enum cv_result res,
                       const char *reason)
{
	j->results[i] = res;
	free(j->reasons[i]);
	j->reasons[i] = reason ? strdup(reason) : NULL;
}

/* A database error that is not about this message: try again later. */
static const char *retry_reason(PGresult *res, const char *err, char *buf,
                                size_t len)
{
	if (!res)
		snprintf(buf, len, "%s", err ? err : "database unavailable");
	else
		snprintf(buf, len, "database error %s: %.*s", db_sqlstate(res),
		         100, PQresultErrorMessage(res));
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return buf;
}

struct rcpt_query {
	struct job *j;
	size_t i;
};

static void on_receive(void *arg, PGresult *res, const char *err)
{
	struct rcpt_query *q = arg;
	struct job *j = q->j;
	size_t i = q->i;
	char buf[256];

	free(q);
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1) {
		int dup = db_row_bool(res, 0, "duplicate");
		const char *decision = db_row_get(res, 0, "decision");
		const char *reason = db_row_str(res, 0, "reason");

		if (!decision)
			decision = "undecided";
		snprintf(buf, sizeof(buf), "%s%s%s%s (inbound %s)",
		         dup ? "already received: " : "", decision,
		         *reason ? ": " : "", reason, db_row_str(res, 0, "id"));
		set_result(j, i, CV_OK, buf);
		count(j->class, dup ? "duplicate" : decision);
		stored_from(j->source);
		/* no address: the log must not keep personal data (issue
		 * 12); the row (with them) goes with retention */
		log_info("inbound %s: %s, %s", j->message_id, j->class, buf);
	} else {
		retry_reason(res, err, buf, sizeof(buf));
		set_result(j, i, CV_RETRY, buf);
		count(j->class, "deferred");
		log_warnx("inbound %s to recipient %zu: not stored (%s)",
		          j->message_id, i + 1, buf);
	}
	if (--j->pending == 0)
		finish(j);
}

/* The worker is done with J: run one cv_inbound_receive per recipient. */
static void start_queries(struct job *j)
{
	if (!j->parsed) {
		for (size_t i = 0; i < j->nrcpt; i++)
			set_result(j, i, CV_RETRY, "out of memory parsing");
		finish(j);
		return;
	}
	j->pending = j->nrcpt;
	for (size_t i = 0; i < j->nrcpt; i++) {
		struct rcpt_query *q = malloc(sizeof(*q));
		const char *params[8] = {
		        j->source, j->mail_from, j->rcpts[i], j->message_id,
		        j->class,  j->facts,     j->size,     j->raw_hex};

		if (q) {
			q->j = j;
			q->i = i;
		}
		if (!q || !I.app->db ||
		    db_query(I.app->db, RECEIVE_SQL, 8, params, on_receive, q) <
		            0) {
			free(q);
			set_result(j, i, CV_RETRY,
			           q ? "database unavailable: shutting down"
			             : "out of memory");
			count(j->class, "deferred");
			if (--j->pending == 0)
				finish(j);
		}
	}
}

static void on_eventfd(evutil_socket_t fd, short what, void *arg)
{
	struct job *list, *next;
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
	pthread_mutex_lock(&I.mu);
	list = I.out_head;
	I.out_head = NULL;
	I.out_tail = &I.out_head;
	pthread_mutex_unlock(&I.mu);
	for (; list; list = next) {
		next = list->qnext;
		if (!list->owner) { /* abandoned while parsing */
			unlink_live(list);
			if (I.inflight > 0)
				I.inflight--;
			job_free(list);
		} else {
			start_queries(list);
		}
	}
}

static int inbound_idle(void)
{
	return I.inflight == 0;
}

int inbound_start(struct app *app, char *err, size_t errlen)
{
	I.app = app;
	I.keep_raw_max = app->cfg->inbound_keep_raw_max;
	I.in_tail = &I.in_head;
	I.out_tail = &I.out_head;
	I.stopping = 0;
	I.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (I.efd < 0)
		return snprintf(err, errlen, "eventfd: %s", strerror(errno)),
		       -1;
	I.ev = event_new(app->base, I.efd, EV_READ | EV_PERSIST, on_eventfd,
	                 NULL);
	if (!I.ev || event_add(I.ev, NULL) < 0) {
		snprintf(err, errlen, "cannot watch the eventfd");
		inbound_stop();
		return -1;
	}
	if (pthread_create(&I.thread, NULL, worker, NULL) != 0) {
		snprintf(err, errlen, "cannot start the parser thread");
		inbound_stop();
		return -1;
	}
	I.started = 1;
	if (metrics_register(write_metrics, NULL) < 0)
		log_warnx("inbound: too many metrics writers");
	app_on_drain(inbound_idle);
	return 0;
}

void inbound_stop(void)
{
	struct job *j;

	if (I.started) {
		pthread_mutex_lock(&I.mu);
		I.stopping = 1;
		pthread_cond_signal(&I.cv);
		pthread_mutex_unlock(&I.mu);
		pthread_join(I.thread, NULL);
		I.started = 0;
	}
	/* every owner was told (inbound_abandon); what is left is freed */
	while ((j = I.live) != NULL) {
		unlink_live(j);
		job_free(j);
	}
	I.in_head = I.out_head = NULL;
	I.in_tail = &I.in_head;
	I.out_tail = &I.out_head;
	I.inflight = 0;
	if (I.ev) {
		event_free(I.ev);
		I.ev = NULL;
	}
	if (I.efd >= 0) {
		close(I.efd);
		I.efd = -1;
	}
	for (size_t i = 0; i < I.ncounts; i++) {
		free(I.counts[i].class);
		free(I.counts[i].decision);
	}
	free(I.counts);
	I.counts = NULL;
	I.ncounts = I.capcounts = 0;
	for (size_t i = 0; i < I.nseen; i++)
		free(I.seen[i].source);
	free(I.seen);
	I.seen = NULL;
	I.nseen = 0;
}

static char *lower_dup(const char *s)
{
	char *d = strdup(s);

	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

int inbound_receive(const void *owner, const char *source, const char *raw,
                    size_t len, const char *mail_from, const char *const *rcpts,
                    size_t nrcpt, inbound_cb cb, void *arg)
{
	struct job *j;
	int ok;

	if (!I.started || !owner || !source || !raw || !rcpts || nrcpt == 0 ||
	    !cb)
		return -1;
	for (size_t i = 0; i < nrcpt; i++)
		if (!rcpts[i] || !*rcpts[i])
			return -1;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->owner = owner;
	clock_gettime(CLOCK_MONOTONIC, &j->taken);
	j->cb = cb;
	j->arg = arg;
	j->nrcpt = nrcpt;
	j->source = strdup(source);
	j->mail_from = mail_from ? strdup(mail_from) : NULL;
	j->rcpts = calloc(nrcpt, sizeof(*j->rcpts));
	j->reasons = calloc(nrcpt, sizeof(*j->reasons));
	j->results = calloc(nrcpt, sizeof(*j->results));
	j->raw = malloc(len + 1);
	ok = j->source && (!mail_from || j->mail_from) && j->rcpts &&
	     j->reasons && j->results && j->raw;
	for (size_t i = 0; ok && i < nrcpt; i++)
		ok = (j->rcpts[i] = lower_dup(rcpts[i])) != NULL;
	if (!ok) {
		job_free(j);
		return -1;
	}
	memcpy(j->raw, raw, len);
	j->raw[len] = '\0';
	j->len = len;
	j->next = I.live;
	if (I.live)
		I.live->prev = j;
	I.live = j;
	I.inflight++;
	pthread_mutex_lock(&I.mu);
	*I.in_tail = j;
	I.in_tail = &j->qnext;
	pthread_cond_signal(&I.cv);
	pthread_mutex_unlock(&I.mu);
	return 0;
}

void inbound_abandon(const void *owner)
{
	for (struct job *j = I.live; j; j = j->next) {
		if (j->owner != owner)
			continue;
		for (size_t i = 0; i < j->nrcpt; i++)
			if (j->results[i] == CV_OK && !j->reasons[i])
				set_result(j, i, CV_RETRY,
				           "convened is stopping");
		if (j->cb)
			j->cb(j->arg, j->results,
			      (const char *const *)j->reasons, j->nrcpt);
		j->owner = NULL; /* freed when the worker or queries finish */
	}
}

size_t inbound_inflight(void)
{
	return I.inflight;
}
