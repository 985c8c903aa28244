/* imap.c - the imap source plugin: polls a hosted mailbox (Microsoft 365,
 * Google Workspace, Exchange, Dovecot) for mail that comes back, hands
 * every message to the host (host->inbound) and files it: handled mail
 * to done_folder, refused mail to failed_folder, and what could not be
 * stored yet stays in the mailbox for the next poll.  Nothing is deleted.
 *
 * Why libcurl and not libetpan: libcurl is already a dependency (convenectl
 * uses it), is maintained with frequent security releases, does TLS
 * (imaps:// and STARTTLS) with certificate checks, SASL login and
 * connection reuse, and its IMAP support covers everything this plugin
 * needs: a message by UID (imap://host/INBOX;UID=n) and any other command
 * (UID SEARCH, UID FETCH of sizes, CREATE, UID MOVE, or UID COPY + UID
 * STORE where MOVE is missing) through CURLOPT_CUSTOMREQUEST.  libetpan
 * would add a second, rarely released network library for IDLE alone;
 * this plugin polls (poll_interval) instead of IDLE.
 *
 * Threads: libcurl blocks, so all IMAP runs on one worker thread of the
 * plugin (imap_poll.c).  A fetched message goes to the loop through a
 * mutex queue and an eventfd written only when the queue was empty; the
 * loop calls host->inbound and its answer goes back under the mutex, with
 * a condition variable the worker waits on.  This file: config, the loop
 * side, plugin life. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "imap.h"

#define DEFAULT_POLL_S    60
#define DEFAULT_TIMEOUT_S 60
#define DEFAULT_MAX_SIZE  ((size_t)10 * 1024 * 1024)
#define LIMIT_MAX_SIZE    ((size_t)25 * 1024 * 1024) /* the host's limit */
#define DEFAULT_BATCH     100
#define DEFAULT_DONE      "convened/done"
#define DEFAULT_FAILED    "convened/failed"

static const char *const keys[] = {
        "url",         "user",          "password_file", "address",
        "done_folder", "failed_folder", "poll_interval", "timeout",
        "max_size",    "batch",         "tls_verify",    "ca_file",
        NULL};

/* ---- the loop side ---- */

int imap_stopping(struct imap *im)
{
	int s;

	pthread_mutex_lock(&im->mu);
	s = im->stopping;
	pthread_mutex_unlock(&im->mu);
	return s;
}

int imap_sleep(struct imap *im, long s)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += s;
	pthread_mutex_lock(&im->mu);
	while (!im->stopping &&
	       pthread_cond_timedwait(&im->cv, &im->mu, &until) != ETIMEDOUT)
		;
	stop = im->stopping;
	pthread_mutex_unlock(&im->mu);
	return stop;
}

int imap_hand_over(struct imap *im, struct imap_item *item)
{
	uint64_t one = 1;
	int was_empty, answered;

	pthread_mutex_lock(&im->mu);
	if (im->stopping) {
		pthread_mutex_unlock(&im->mu);
		return 0;
	}
	item->next = NULL;
	item->done = 0;
	was_empty = im->head == NULL;
	*im->tail = item;
	im->tail = &item->next;
	im->current = item;
	if (was_empty && write(im->efd, &one, sizeof(one)) < 0)
		im->host->log(im->ctx, CV_LOG_WARN, "eventfd: %s",
		              strerror(errno));
	while (!item->done && !im->stopping)
		pthread_cond_wait(&im->cv, &im->mu);
	answered = item->done;
	if (answered)
		im->current = NULL;
	pthread_mutex_unlock(&im->mu);
	return answered;
}

/* The host's answer for one message (on the loop). */
static void on_inbound(void *arg, const enum cv_result *results,
                       const char *const *reasons, size_t n)
{
	struct imap_item *item = arg;
	struct imap *im = item->im;

	pthread_mutex_lock(&im->mu);
	item->result = n > 0 ? results[0] : CV_RETRY;
	snprintf(item->reason, sizeof(item->reason), "%s",
	         n > 0 && reasons[0] ? reasons[0] : "");
	item->done = 1;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
}

/* The eventfd: hand every queued message to the host. */
static void on_queue(evutil_socket_t fd, short what, void *arg)
{
	struct imap *im = arg;
	struct imap_item *list, *item, *next;
	uint64_t v;

	if (read(im->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		im->host->log(im->ctx, CV_LOG_WARN, "eventfd: %s",
		              strerror(errno));
	pthread_mutex_lock(&im->mu);
	list = im->head;
	im->head = NULL;
	im->tail = &im->head;
	pthread_mutex_unlock(&im->mu);
	for (item = list; item; item = next) {
		const char *rcpts[1] = {item->rcpt};

		next = item->next;
		if (im->host->inbound(im->ctx, item->raw, item->len, NULL,
		                      rcpts, 1, on_inbound, item) < 0) {
			const enum cv_result r = CV_RETRY;
			const char *why =
			        "the host cannot take the message now";

			on_inbound(item, &r, &why, 1);
		}
	}
}

/* ---- config and life ---- */

/* A folder name we can write as an IMAP quoted string: printable ASCII
 * without '"' and '\' (a non-ASCII name would need modified UTF-7). */
static int folder_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

static char *read_password(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char buf[1024], *nl;

	if (!f)
		return snprintf(err, errlen, "password_file: %s: %s", path,
		                strerror(errno)),
		       NULL;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if ((nl = strpbrk(buf, "\r\n")))
		*nl = '\0';
	if (!buf[0])
		return snprintf(err, errlen, "password_file: %s is empty",
		                path),
		       NULL;
	return strdup(buf);
}

/* Is HOST (N bytes, with an optional :port) 127.x.y.z, [::1] or
 * localhost? */
static int is_loopback(const char *host, size_t n)
{
	char name[64];
	const char *colon;
	struct in_addr a;

	if (n >= sizeof(name))
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	if (strncmp(name, "[::1]", 5) == 0)
		return name[5] == '\0' || name[5] == ':';
	if ((colon = strchr(name, ':')))
		name[colon - name] = '\0';
	if (strcasecmp(name, "localhost") == 0)
		return 1;
	return inet_pton(AF_INET, name, &a) == 1 &&
	       (ntohl(a.s_addr) >> 24) == 127;
}

/* The URL: imaps://host[:port]/MAILBOX or imap://...; plain imap:// must
 * use STARTTLS except on loopback.  A missing mailbox means INBOX. */
static int parse_url(struct imap_conf *c, const char *url, char *err,
                     size_t errlen)
{
	const char *host, *path;
	size_t n;

	if (strncasecmp(url, "imaps://", 8) == 0)
		host = url + 8;
	else if (strncasecmp(url, "imap://", 7) == 0)
		host = url + 7;
	else
		return snprintf(err, errlen,
		                "url: '%s' is not imaps://HOST/MAILBOX or "
		                "imap://HOST/MAILBOX",
		                url),
		       -1;
	if (strpbrk(url, " \t\r\n\"") || strchr(host, '@') ||
	    strchr(url, ';') || strchr(url, '?'))
		return snprintf(err, errlen,
		                "url: '%s' must be scheme://host[:port]/mailbox"
		                " (no user, spaces, ';' or '?')",
		                url),
		       -1;
	path = strchr(host, '/');
	n = path ? (size_t)(path - host) : strlen(host);
	if (n == 0)
		return snprintf(err, errlen, "url: '%s' has no host", url), -1;
	c->loopback = is_loopback(host, n);
	if (!path || !path[1] || strcmp(path, "/") == 0) {
		if (asprintf(&c->url, "%.*s/INBOX", (int)(host - url + (long)n),
		             url) < 0)
			c->url = NULL;
	} else {
		c->url = strdup(url);
		if (c->url && c->url[strlen(c->url) - 1] == '/')
			c->url[strlen(c->url) - 1] = '\0';
	}
	if (!c->url)
		return snprintf(err, errlen, "out of memory"), -1;
	return 0;
}

static void imap_free(struct imap *im)
{
	struct imap_item *it;

	if (!im)
		return;
	if (im->started) {
		pthread_mutex_lock(&im->mu);
		im->stopping = 1;
		pthread_cond_broadcast(&im->cv);
		pthread_mutex_unlock(&im->mu);
		pthread_join(im->thread, NULL);
	}
	/* Whatever was in flight stays in the mailbox for the next run. */
	for (it = im->head; it; it = it->next)
		if (it == im->current)
			im->current = NULL;
	while ((it = im->head)) {
		im->head = it->next;
		free(it->raw);
		free(it);
	}
	if (im->current) {
		free(im->current->raw);
		free(im->current);
	}
	if (im->ev)
		event_free(im->ev);
	if (im->efd >= 0)
		close(im->efd);
	pthread_cond_destroy(&im->cv);
	pthread_mutex_destroy(&im->mu);
	free(im->conf.url);
	free(im->conf.user);
	if (im->conf.password) {
		explicit_bzero(im->conf.password, strlen(im->conf.password));
		free(im->conf.password);
	}
	free(im);
	curl_global_cleanup();
}

static int imap_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                     void **state, char *err, size_t errlen)
{
	struct imap *im;
	struct imap_conf *c;
	const char *url, *user, *pwfile = NULL;
	pthread_condattr_t ca;

	if (!CV_HOST_HAS(host, inbound) || !host->inbound)
		return snprintf(err, errlen,
		                "this convened cannot take received mail "
		                "(plugin ABI %u, imap needs 3)",
		                host->abi),
		       -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return snprintf(err, errlen, "libcurl cannot start"), -1;
	im = calloc(1, sizeof(*im));
	if (!im) {
		curl_global_cleanup();
		return snprintf(err, errlen, "out of memory"), -1;
	}
	im->ctx = ctx;
	im->host = host;
	im->efd = -1;
	im->tail = &im->head;
	pthread_mutex_init(&im->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&im->cv, &ca);
	pthread_condattr_destroy(&ca);
	c = &im->conf;
	c->done_folder = DEFAULT_DONE;
	c->failed_folder = DEFAULT_FAILED;
	c->poll_s = DEFAULT_POLL_S;
	c->timeout_s = DEFAULT_TIMEOUT_S;
	c->max_size = DEFAULT_MAX_SIZE;
	c->batch = DEFAULT_BATCH;
	c->tls_verify = 1;
	if (host->conf_duration(ctx, "poll_interval", 1, 86400, &c->poll_s, err,
	                        errlen) < 0 ||
	    host->conf_duration(ctx, "timeout", 1, 3600, &c->timeout_s, err,
	                        errlen) < 0 ||
	    host->conf_size(ctx, "max_size", 1024, LIMIT_MAX_SIZE, &c->max_size,
	                    err, errlen) < 0 ||
	    host->conf_int(ctx, "batch", 1, 10000, &c->batch, err, errlen) <
	            0 ||
	    host->conf_bool(ctx, "tls_verify", &c->tls_verify, err, errlen) <
	            0 ||
	    host->conf_path(ctx, "ca_file", CV_PATH_READABLE, &c->ca_file, err,
	                    errlen) < 0 ||
	    host->conf_path(ctx, "password_file",
	                    CV_PATH_REQUIRED | CV_PATH_READABLE, &pwfile, err,
	                    errlen) < 0)
		goto fail;
	if (host->conf(ctx, "done_folder"))
		c->done_folder = host->conf(ctx, "done_folder");
	if (host->conf(ctx, "failed_folder"))
		c->failed_folder = host->conf(ctx, "failed_folder");
	if (!folder_ok(c->done_folder) || !folder_ok(c->failed_folder)) {
		snprintf(err, errlen,
		         "done_folder/failed_folder: printable ASCII without "
		         "'\"' or '\\' (got '%s', '%s')",
		         c->done_folder, c->failed_folder);
		goto fail;
	}
	if (strcasecmp(c->done_folder, c->failed_folder) == 0) {
		snprintf(err, errlen,
		         "done_folder and failed_folder must differ");
		goto fail;
	}
	url = host->conf(ctx, "url");
	if (!url) {
		snprintf(err, errlen,
		         "url: required (imaps://imap.example.org/INBOX)");
		goto fail;
	}
	if (parse_url(c, url, err, errlen) < 0)
		goto fail;
	user = host->conf(ctx, "user");
	if (!user || !*user) {
		snprintf(err, errlen, "user: required (the mailbox's login)");
		goto fail;
	}
	c->user = strdup(user);
	c->address = host->conf(ctx, "address");
	if (!c->address || !strchr(c->address, '@') ||
	    strpbrk(c->address, " \t<>\"")) {
		snprintf(err, errlen,
		         "address: required, the mailbox's own address "
		         "(events@example.org)");
		goto fail;
	}
	c->password = read_password(pwfile, err, errlen);
	if (!c->user || !c->password)
		goto fail;
	im->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (im->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	im->ev = event_new(host->base(ctx), im->efd, EV_READ | EV_PERSIST,
	                   on_queue, im);
	if (!im->ev || event_add(im->ev, NULL) < 0) {
		snprintf(err, errlen, "cannot add the queue event");
		goto fail;
	}
	if (pthread_create(&im->thread, NULL, imap_worker, im) != 0) {
		snprintf(err, errlen, "cannot start the IMAP thread");
		goto fail;
	}
	im->started = 1;
	host->log(ctx, CV_LOG_INFO,
	          "polling %s as %s every %lds (done: %s, failed: %s)", c->url,
	          c->user, c->poll_s, c->done_folder, c->failed_folder);
	*state = im;
	return 0;
fail:
	imap_free(im);
	return -1;
}

static void imap_shutdown(void *state)
{
	imap_free(state);
}

static const struct cv_plugin plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "imap",
        .config_keys = keys,
        .init = imap_init,
        .shutdown = imap_shutdown,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &plugin;
}
