/* ics.c - publisher plugin: keeps static .ics files (public.ics and
 * projects/<slug>.ics) in a directory up to date, written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin.h"

/* One feed this plugin keeps: a render in flight, and whether another
 * change came in meanwhile (render again when the first one lands). */
struct pub {
	char name[96]; /* "public" or "projects/<slug>" */
	int inflight;
	int again;
};

struct ics {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
	char *dir;
	struct pub *pubs;
	size_t npubs, cap;
};

static const char *const keys[] = {"dir", NULL};

static int slug_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 63 && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Write DATA to DIR/NAME.ics: a temporary file in the same directory,
 * fsync, rename over the old one, fsync the directory. */
static int write_atomic(const char *dir, const char *name, const char *data,
                        size_t len)
{
	char path[4096], tmp[4096], sub[4096];
	const char *slash = strrchr(name, '/');
	int fd, dfd, rc = -1;
	size_t off = 0;

	if (snprintf(path, sizeof path, "%s/%s.ics", dir, name) >=
	            (int)sizeof path ||
	    snprintf(sub, sizeof sub, "%s/%.*s", dir,
	             slash ? (int)(slash - name) : 0, name) >= (int)sizeof sub)
		return -1;
	if (slash && mkdir_p(sub) < 0)
		return -1;
	if (!slash)
		snprintf(sub, sizeof sub, "%s", dir);
	if (snprintf(tmp, sizeof tmp, "%s/.ics-XXXXXX", sub) >=
	            (int)sizeof tmp ||
	    (fd = mkstemp(tmp)) < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	if ((dfd = open(sub, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	rc = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = rc;
	return -1;
}

static struct pub *pub_of(struct ics *st, const char *name)
{
	for (size_t i = 0; i < st->npubs; i++)
		if (strcmp(st->pubs[i].name, name) == 0)
			return &st->pubs[i];
	if (st->npubs == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct pub *v = realloc(st->pubs, cap * sizeof *v);
		if (!v)
			return NULL;
		st->pubs = v;
		st->cap = cap;
	}
	memset(&st->pubs[st->npubs], 0, sizeof st->pubs[0]);
	snprintf(st->pubs[st->npubs].name, sizeof st->pubs[0].name, "%s", name);
	return &st->pubs[st->npubs++];
}

struct req {
	struct ics *st;
	size_t idx; /* index into st->pubs (the array may move) */
};

static void request(struct ics *st, struct pub *p);

static void rendered(void *arg, const char *ics, size_t len)
{
	struct req *rq = arg;
	struct ics *st = rq->st;
	struct pub *p = &st->pubs[rq->idx];

	free(rq);
	p->inflight = 0;
	if (!ics)
		st->host->log(st->ctx, CV_LOG_WARN,
		              "%s: not rendered (no such feed, or database "
		              "down); file left as it was",
		              p->name);
	else if (write_atomic(st->dir, p->name, ics, len) < 0)
		st->host->log(st->ctx, CV_LOG_ERR, "%s/%s.ics: %s", st->dir,
		              p->name, strerror(errno));
	else
		st->host->log(st->ctx, CV_LOG_DEBUG,
		              "wrote %s/%s.ics (%zu bytes)", st->dir, p->name,
		              len);
	if (p->again) {
		p->again = 0;
		request(st, p);
	}
}

static void request(struct ics *st, struct pub *p)
{
	struct req *rq;

	if (p->inflight) {
		p->again = 1;
		return;
	}
	if (!(rq = malloc(sizeof *rq)))
		return;
	rq->st = st;
	rq->idx = (size_t)(p - st->pubs);
	p->inflight = 1;
	if (st->host->calendar(st->ctx, p->name, rendered, rq) < 0) {
		p->inflight = 0;
		free(rq);
		st->host->log(st->ctx, CV_LOG_WARN,
		              "%s: the host offers no calendar renderer",
		              p->name);
	}
}

static void publish(struct ics *st, const char *name)
{
	struct pub *p = pub_of(st, name);

	if (p)
		request(st, p);
}

static int ics_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                    void **state, char *err, size_t errlen)
{
	const char *dir = NULL;
	struct ics *st;

	if (!CV_HOST_HAS(host, conf_path)) {
		snprintf(err, errlen,
		         "host too old: no config getters (plugin ABI 2)");
		return -1;
	}
	if (host->conf_path(ctx, "dir", CV_PATH_REQUIRED, &dir, err, errlen) <
	    0)
		return -1;
	if (mkdir_p(dir) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!(st = calloc(1, sizeof *st)) || !(st->dir = strdup(dir))) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->ctx = ctx;
	st->host = host;
	*state = st;
	publish(st, "public"); /* the answer comes later, on the loop */
	return 0;
}

static void ics_changed(void *state, const char *what, int64_t id,
                        const char *slug)
{
	struct ics *st = state;
	char name[96];

	(void)what;
	(void)id;
	publish(st, "public");
	if (slug && slug_ok(slug)) {
		snprintf(name, sizeof name, "projects/%s", slug);
		publish(st, name);
	}
}

static void ics_shutdown(void *state)
{
	struct ics *st = state;

	/* The host waits for renders in flight before stopping plugins. */
	free(st->pubs);
	free(st->dir);
	free(st);
}

static const struct cv_plugin plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "ics",
        .config_keys = keys,
        .init = ics_init,
        .changed = ics_changed,
        .shutdown = ics_shutdown,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &plugin;
}
