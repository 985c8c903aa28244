/* spool.c - the spool plugin: every message (the host's finished RFC 5322
 * bytes, unchanged) becomes a file in a maildir (tmp/ then rename into
 * new/), written in durable batches by a few writer threads. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plugin.h"

struct job {
	struct job *next;
	uint64_t token;
	int64_t id;
	char *data;
	size_t len;
	int fd;
	char name[512];
};

struct spool {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
	char *dir;
	char host_name[256];
	int do_fsync;
	unsigned long seq; /* under mu */
	pthread_t *threads;
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, **tail;
	int stop;
};

static const char *const spool_keys[] = {"maildir", "fsync", "writers", NULL};

static int mkdir_p(const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				goto fail;
			*s = '/';
		}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		goto fail;
	free(p);
	return 0;
fail:
	free(p);
	return -1;
}

/* Most files one writer thread writes (and makes durable) together, and
 * most writer threads: at most 8 * 64 files are open at once. */
#define SPOOL_BATCH       64
#define SPOOL_MAX_WRITERS 8

/* Write job J into tmp/ (not yet durable): J->fd is the open file and
 * J->name its name.  Returns 0 or an errno value (nothing left behind). */
static int write_tmp(struct spool *sp, struct job *j)
{
	char tmp[1024];
	struct timespec ts;
	unsigned long seq;
	size_t off = 0;
	int e;

	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&sp->mu);
	seq = ++sp->seq;
	pthread_mutex_unlock(&sp->mu);
	snprintf(j->name, sizeof(j->name), "%lld.M%ldP%dQ%lu_%" PRId64 ".%s",
	         (long long)ts.tv_sec, ts.tv_nsec / 1000, (int)getpid(), seq,
	         j->id, sp->host_name);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", sp->dir, j->name);
	j->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (j->fd < 0)
		return errno;
	while (off < j->len) {
		ssize_t w = write(j->fd, j->data + off, j->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (sp->do_fsync)
		sync_file_range(j->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
fail:
	e = errno;
	close(j->fd);
	j->fd = -1;
	unlink(tmp);
	return e;
}

/* Make J's file durable and move it into new/.  Returns 0 or an errno
 * value (the file is removed). */
static int finish(struct spool *sp, struct job *j)
{
	char tmp[1024], dst[1024];
	int e = 0;

	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", sp->dir, j->name);
	snprintf(dst, sizeof(dst), "%s/new/%s", sp->dir, j->name);
	if (sp->do_fsync && fsync(j->fd) < 0)
		e = errno;
	if (close(j->fd) < 0 && !e)
		e = errno;
	j->fd = -1;
	if (!e && rename(tmp, dst) < 0)
		e = errno;
	if (e)
		unlink(tmp);
	return e;
}

/* Write the N jobs of BATCH: all files first (their writeback started
 * together), then each fsynced and renamed into new/, then new/ itself
 * fsynced once; only then is any of them reported sent, so a row is marked
 * sent only once its file and its name in new/ are durable. */
static void write_batch(struct spool *sp, struct job **batch, size_t n)
{
	int errs[SPOOL_BATCH];
	int dfd = -1, derr = 0;

	for (size_t i = 0; i < n; i++)
		errs[i] = write_tmp(sp, batch[i]);
	for (size_t i = 0; i < n; i++)
		if (!errs[i])
			errs[i] = finish(sp, batch[i]);
	if (sp->do_fsync) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/new", sp->dir);
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) < 0)
			derr = errno;
		if (dfd >= 0)
			close(dfd);
	}
	for (size_t i = 0; i < n; i++) {
		struct job *j = batch[i];
		int e = errs[i] ? errs[i] : derr;
		if (e == 0) {
			sp->host->done(sp->ctx, j->token, CV_OK, 0, NULL);
		} else {
			char why[256];
			snprintf(why, sizeof(why), "spool %s: %s", sp->dir,
			         strerror(e));
			/* not durable: a retry may write it twice, never lose
			 * it */
			sp->host->done(sp->ctx, j->token, CV_RETRY, 0, why);
		}
		free(j->data);
		free(j);
	}
}

static void *worker(void *arg)
{
	struct spool *sp = arg;
	struct job *batch[SPOOL_BATCH];

	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&sp->mu);
		while (!sp->head && !sp->stop)
			pthread_cond_wait(&sp->cv, &sp->mu);
		while (sp->head && n < SPOOL_BATCH) {
			batch[n++] = sp->head;
			sp->head = sp->head->next;
		}
		if (!sp->head)
			sp->tail = &sp->head;
		else
			pthread_cond_signal(&sp->cv); /* more for another */
		pthread_mutex_unlock(&sp->mu);
		if (n == 0)
			return NULL; /* stop and queue empty */
		write_batch(sp, batch, n);
	}
}

/* Let the writers finish the queue, then join them. */
static void stop_writers(struct spool *sp)
{
	pthread_mutex_lock(&sp->mu);
	sp->stop = 1;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	for (int i = 0; i < sp->nthreads; i++)
		pthread_join(sp->threads[i], NULL);
	sp->nthreads = 0;
}

static int spool_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                      void **state, char *err, size_t errlen)
{
	const char *dir = NULL;
	long writers = 2;
	int do_fsync = 1;
	static const char *const sub[] = {"tmp", "new", "cur"};
	struct spool *sp;

	if (!CV_HOST_HAS(host, conf_path)) {
		snprintf(err, errlen,
		         "host too old: no config getters (plugin ABI 2)");
		return -1;
	}
	if (host->conf_path(ctx, "maildir", CV_PATH_REQUIRED, &dir, err,
	                    errlen) < 0 ||
	    host->conf_bool(ctx, "fsync", &do_fsync, err, errlen) < 0 ||
	    host->conf_int(ctx, "writers", 1, SPOOL_MAX_WRITERS, &writers, err,
	                   errlen) < 0)
		return -1;
	sp = calloc(1, sizeof(*sp));
	if (!sp || !(sp->dir = strdup(dir))) {
		free(sp);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sp->ctx = ctx;
	sp->host = host;
	sp->do_fsync = do_fsync;
	if (gethostname(sp->host_name, sizeof(sp->host_name) - 1) < 0)
		strcpy(sp->host_name, "localhost");
	for (char *p = sp->host_name; *p; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
	for (size_t i = 0; i < 3; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (mkdir_p(path) < 0) {
			snprintf(err, errlen, "cannot create %s: %s", path,
			         strerror(errno));
			goto fail;
		}
	}
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	sp->tail = &sp->head;
	sp->threads = calloc((size_t)writers, sizeof(*sp->threads));
	if (!sp->threads) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (; sp->nthreads < writers; sp->nthreads++)
		if (pthread_create(&sp->threads[sp->nthreads], NULL, worker,
		                   sp) != 0) {
			snprintf(err, errlen, "cannot start a writer thread");
			stop_writers(sp);
			goto fail;
		}
	host->log(ctx, CV_LOG_INFO, "writing to %s/new", dir);
	*state = sp;
	return 0;
fail:
	free(sp->threads);
	free(sp->dir);
	free(sp);
	return -1;
}

/* Does the host's message (of size m->size) carry FIELD? */
#define HAS(m, field)                                                          \
	((m)->size >= offsetof(struct cv_message, field) + sizeof((m)->field))

static int spool_deliver(void *state, const struct cv_message *m,
                         uint64_t token)
{
	struct spool *sp = state;
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return -1;
	if (!HAS(m, raw_len) || !m->raw) {
		free(j);
		sp->host->done(sp->ctx, token, CV_FAIL, 0,
		               "the host hands no finished message (too old)");
		return 0;
	}
	j->data = malloc(m->raw_len);
	if (!j->data) {
		free(j);
		return -1;
	}
	memcpy(j->data, m->raw, m->raw_len);
	j->len = m->raw_len;
	j->token = token;
	j->id = m->id;
	pthread_mutex_lock(&sp->mu);
	*sp->tail = j;
	sp->tail = &j->next;
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	return 0;
}

static void spool_shutdown(void *state)
{
	struct spool *sp = state;

	/* the queue holds only local file writes: finish them */
	stop_writers(sp);
	pthread_mutex_destroy(&sp->mu);
	pthread_cond_destroy(&sp->cv);
	free(sp->threads);
	free(sp->dir);
	free(sp);
}

static const struct cv_plugin spool_plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "spool",
        .config_keys = spool_keys,
        .init = spool_init,
        .deliver = spool_deliver,
        .shutdown = spool_shutdown,
};

__attribute__((visibility("default"))) const struct cv_plugin *
cv_plugin_entry(void)
{
	return &spool_plugin;
}
