/* plugin_host.c - dlopen plugins, give them struct cv_host, route channels
 * and carry their results back to the loop through a queue and an eventfd. */
#include "plugin_host.h"

#include <dlfcn.h>
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "inbound.h"
#include "log.h"
#include "plugin_conf.h"

#define MAX_ROUTES 64

struct cv_plugin_ctx {
	const struct config_plugin *sec;
	const char *cfgpath; /* the config file, for "file:line:" in errors */
	char *path;
	void *dl;
	const struct cv_plugin *p;
	void *state;
	int inited;
	int closing;     /* shutting down: host->inbound refuses new mail */
	char prefix[96]; /* "plugin NAME: " */
};

struct route {
	char *channel;
	struct cv_plugin_ctx *ctx;
};

struct done_item {
	struct done_item *next;
	uint64_t token;
	enum cv_result result;
	unsigned retry_after;
	char *reason;
};

static struct {
	struct app *app;
	struct cv_plugin_ctx *ctx[CONFIG_MAX_PLUGINS];
	size_t n;
	struct route routes[MAX_ROUTES];
	size_t nroutes;
	plugin_done_cb done_cb;
	void *done_arg;
	plugin_calendar_fn calendar;
	size_t inflight;
	/* results from any thread */
	pthread_mutex_t mu;
	struct done_item *head, **tail;
	int efd;
	struct event *ev;
} H = {.mu = PTHREAD_MUTEX_INITIALIZER, .efd = -1};

static void host_log(struct cv_plugin_ctx *ctx, enum cv_log_level level,
                     const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void host_log(struct cv_plugin_ctx *ctx, enum cv_log_level level,
                     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlevel((int)level, ctx ? ctx->prefix : "plugin: ", fmt, ap);
	va_end(ap);
}

static const char *host_conf(struct cv_plugin_ctx *ctx, const char *key)
{
	if (!ctx || !key)
		return NULL;
	if (strcmp(key, "file") == 0)
		return ctx->sec->file;
	if (strcmp(key, "channels") == 0)
		return ctx->sec->channels;
	return config_plugin_get(ctx->sec, key);
}

/* ---- typed config getters (host->conf_int ...): the checks are in
 * plugin_conf.c; here the value and "file:line:" come from the section. */

/* KEY's value in ctx's section (NULL when absent) and, in WHERE, the
 * "file:line: [plugin NAME] " of the key (of the section when absent). */
static const char *conf_where(struct cv_plugin_ctx *ctx, const char *key,
                              char *where, size_t len)
{
	const struct config_plugin *sec = ctx ? ctx->sec : NULL;
	const char *v = NULL;
	int line = sec ? sec->line : 0;

	where[0] = '\0';
	if (!sec || !key)
		return NULL;
	for (size_t i = 0; i < sec->nkv; i++)
		if (strcmp(sec->kv[i].key, key) == 0) {
			v = sec->kv[i].value;
			line = sec->kv[i].line;
			break;
		}
	if (ctx->cfgpath)
		snprintf(where, len, "%s:%d: [plugin %s] ", ctx->cfgpath, line,
		         sec->name);
	else
		snprintf(where, len, "[plugin %s] ", sec->name);
	return v;
}

static int host_conf_int(struct cv_plugin_ctx *ctx, const char *key, long min,
                         long max, long *out, char *err, size_t errlen)
{
	char where[PATH_MAX + 64];
	const char *v = conf_where(ctx, key, where, sizeof(where));

	return plugin_conf_int(where, key, v, min, max, out, err, errlen);
}

static int host_conf_bool(struct cv_plugin_ctx *ctx, const char *key, int *out,
                          char *err, size_t errlen)
{
	char where[PATH_MAX + 64];
	const char *v = conf_where(ctx, key, where, sizeof(where));

	return plugin_conf_bool(where, key, v, out, err, errlen);
}

static int host_conf_size(struct cv_plugin_ctx *ctx, const char *key,
                          size_t min, size_t max, size_t *out, char *err,
                          size_t errlen)
{
	char where[PATH_MAX + 64];
	const char *v = conf_where(ctx, key, where, sizeof(where));

	return plugin_conf_size(where, key, v, min, max, out, err, errlen);
}

static int host_conf_duration(struct cv_plugin_ctx *ctx, const char *key,
                              long min_s, long max_s, long *out_s, char *err,
                              size_t errlen)
{
	char where[PATH_MAX + 64];
	const char *v = conf_where(ctx, key, where, sizeof(where));

	return plugin_conf_duration(where, key, v, min_s, max_s, out_s, err,
	                            errlen);
}

static int host_conf_path(struct cv_plugin_ctx *ctx, const char *key,
                          unsigned flags, const char **out, char *err,
                          size_t errlen)
{
	char where[PATH_MAX + 64];
	const char *v = conf_where(ctx, key, where, sizeof(where));

	return plugin_conf_path(where, key, v, flags, out, err, errlen);
}

static struct event_base *host_base(struct cv_plugin_ctx *ctx)
{
	return H.app ? H.app->base : NULL;
}

static void host_done(struct cv_plugin_ctx *ctx, uint64_t token,
                      enum cv_result result, unsigned retry_after_s,
                      const char *reason)
{
	struct done_item *it = calloc(1, sizeof(*it));
	int was_empty;

	if (!it) {
		host_log(ctx, CV_LOG_ERR, "out of memory reporting a result");
		return;
	}
	it->token = token;
	it->result = result;
	it->retry_after = retry_after_s;
	it->reason = reason ? strdup(reason) : NULL;
	pthread_mutex_lock(&H.mu);
	was_empty = H.head == NULL;
	*H.tail = it;
	H.tail = &it->next;
	pthread_mutex_unlock(&H.mu);
	if (was_empty && H.efd >= 0) {
		uint64_t one = 1;
		ssize_t w = write(H.efd, &one, sizeof(one));
		(void)w; /* EAGAIN means the counter is already non-zero */
	}
}

static int host_calendar(struct cv_plugin_ctx *ctx, const char *feed,
                         void (*cb)(void *arg, const char *ics, size_t len),
                         void *arg)
{
	if (!H.calendar)
		return -1;
	return H.calendar(feed, cb, arg);
}

static const char *host_base_url(struct cv_plugin_ctx *ctx)
{
	return H.app && H.app->cfg ? H.app->cfg->base_url : NULL;
}

/* A source plugin's received message: parsed, stored and decided by
 * inbound.c under the plugin's section name. */
static int host_inbound(struct cv_plugin_ctx *ctx, const char *raw, size_t len,
                        const char *mail_from, const char *const *rcpts,
                        size_t nrcpt,
                        void (*cb)(void *arg, const enum cv_result *results,
                                   const char *const *reasons, size_t n),
                        void *arg)
{
	if (!ctx || ctx->closing)
		return -1;
	return inbound_receive(ctx, ctx->sec->name, raw, len, mail_from, rcpts,
	                       nrcpt, cb, arg);
}

static const struct cv_host host_funcs = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_host),
        .log = host_log,
        .conf = host_conf,
        .base = host_base,
        .done = host_done,
        .calendar = host_calendar,
        .base_url = host_base_url,
        .conf_int = host_conf_int,
        .conf_bool = host_conf_bool,
        .conf_size = host_conf_size,
        .conf_duration = host_conf_duration,
        .conf_path = host_conf_path,
        .inbound = host_inbound,
};

/* Run the done callback for everything queued so far (loop thread). */
static void drain(void)
{
	struct done_item *list, *next;

	pthread_mutex_lock(&H.mu);
	list = H.head;
	H.head = NULL;
	H.tail = &H.head;
	pthread_mutex_unlock(&H.mu);
	for (; list; list = next) {
		next = list->next;
		if (H.inflight > 0)
			H.inflight--;
		if (H.done_cb)
			H.done_cb(H.done_arg, list->token, list->result,
			          list->retry_after, list->reason);
		free(list->reason);
		free(list);
	}
}

static void on_eventfd(evutil_socket_t fd, short what, void *arg)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
	drain();
}

static void unload(struct cv_plugin_ctx *c)
{
	if (!c)
		return;
	if (c->inited && c->p->shutdown)
		c->p->shutdown(c->state);
	if (c->dl)
		dlclose(c->dl);
	free(c->path);
	free(c);
}

static int known_key(const struct cv_plugin *p, const char *key)
{
	if (!p->config_keys)
		return 0;
	for (const char *const *k = p->config_keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

static int add_route(struct cv_plugin_ctx *c, const char *ch, size_t len,
                     const char *cfgpath, char *err, size_t errlen)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < H.nroutes; i++)
		if (strlen(H.routes[i].channel) == len &&
		    strncmp(H.routes[i].channel, ch, len) == 0) {
			snprintf(err, errlen,
			         "%s:%d: [plugin %s] channel '%.*s' is already "
			         "routed to plugin %s",
			         cfgpath, c->sec->line, c->sec->name, (int)len,
			         ch, H.routes[i].ctx->sec->name);
			return -1;
		}
	if (H.nroutes == MAX_ROUTES) {
		snprintf(err, errlen, "%s:%d: too many channels", cfgpath,
		         c->sec->line);
		return -1;
	}
	H.routes[H.nroutes].channel = strndup(ch, len);
	if (!H.routes[H.nroutes].channel) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	H.routes[H.nroutes++].ctx = c;
	return 0;
}

/* Route the section's channels (default: the section name) to C. */
static int route_channels(struct cv_plugin_ctx *c, const char *cfgpath,
                          char *err, size_t errlen)
{
	const char *s = c->sec->channels;

	if (!c->p->deliver) {
		if (s && *s) {
			snprintf(err, errlen,
			         "%s:%d: [plugin %s] channels given but %s "
			         "cannot deliver messages",
			         cfgpath, c->sec->line, c->sec->name, c->path);
			return -1;
		}
		return 0;
	}
	if (!s)
		return add_route(c, c->sec->name, strlen(c->sec->name), cfgpath,
		                 err, errlen);
	while (*s) {
		const char *e;
		size_t len;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		e = s;
		while (*e && *e != ',')
			e++;
		len = (size_t)(e - s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (add_route(c, s, len, cfgpath, err, errlen) < 0)
			return -1;
		s = e;
	}
	return 0;
}

static int load_one(const struct config *cfg, const struct config_plugin *sec,
                    char *err, size_t errlen)
{
	struct cv_plugin_ctx *c = calloc(1, sizeof(*c));
	const char *file = sec->file ? sec->file : sec->name;
	const char *cfgpath = cfg->path ? cfg->path : "config";
	cv_plugin_entry_fn entry;
	const struct cv_plugin *p;
	char perr[512] = "";
	int r;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->sec = sec;
	c->cfgpath = cfg->path;
	snprintf(c->prefix, sizeof(c->prefix), "plugin %s: ", sec->name);
	if (file[0] == '/' || !cfg->plugin_dir)
		r = asprintf(&c->path, "%s", file);
	else
		r = asprintf(&c->path, "%s/%s", cfg->plugin_dir, file);
	if (r < 0) {
		c->path = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	c->dl = dlopen(c->path, RTLD_NOW | RTLD_LOCAL);
	if (!c->dl) {
		snprintf(err, errlen, "%s: cannot load plugin %s: %s", c->path,
		         sec->name, dlerror());
		goto fail;
	}
	*(void **)&entry = dlsym(c->dl, CV_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		snprintf(err, errlen, "%s: not a convened plugin: no symbol %s",
		         c->path, CV_PLUGIN_ENTRY_SYMBOL);
		goto fail;
	}
	p = entry();
	if (!p) {
		snprintf(err, errlen, "%s: %s() returned NULL", c->path,
		         CV_PLUGIN_ENTRY_SYMBOL);
		goto fail;
	}
	if (p->abi < CV_PLUGIN_ABI_MIN || p->abi > CV_PLUGIN_ABI) {
		snprintf(err, errlen,
		         "%s: plugin ABI version %u, this convened loads "
		         "versions %u to %u (%s)",
		         c->path, p->abi, CV_PLUGIN_ABI_MIN, CV_PLUGIN_ABI,
		         p->abi > CV_PLUGIN_ABI
		                 ? "the plugin was built for a newer convened: "
		                   "upgrade convened or rebuild the plugin "
		                   "against this convened's plugin.h"
		                 : "rebuild the plugin against this convened's "
		                   "plugin.h");
		goto fail;
	}
	if (p->size < sizeof(struct cv_plugin)) {
		snprintf(err, errlen,
		         "%s: plugin struct is %u bytes, this convened needs "
		         "at least %zu",
		         c->path, p->size, sizeof(struct cv_plugin));
		goto fail;
	}
	c->p = p;
	for (size_t i = 0; i < sec->nkv; i++)
		if (!known_key(p, sec->kv[i].key)) {
			snprintf(err, errlen,
			         "%s:%d: [plugin %s] unknown key '%s'", cfgpath,
			         sec->kv[i].line, sec->name, sec->kv[i].key);
			goto fail;
		}
	if (route_channels(c, cfgpath, err, errlen) < 0)
		goto fail;
	H.ctx[H.n++] = c; /* before init: routes point at it */
	if (p->init &&
	    p->init(c, &host_funcs, &c->state, perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "%s: plugin %s failed to start: %s",
		         c->path, sec->name, perr[0] ? perr : "init failed");
		return -1; /* not inited: unload() skips shutdown */
	}
	c->inited = 1;
	return 0;
fail:
	unload(c);
	return -1;
}

int plugin_host_start(struct app *app, char *err, size_t errlen)
{
	const struct config *cfg = app->cfg;

	H.app = app;
	H.tail = &H.head;
	if (app->base && H.efd < 0) {
		H.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (H.efd < 0) {
			snprintf(err, errlen, "eventfd: %s", strerror(errno));
			return -1;
		}
		H.ev = event_new(app->base, H.efd, EV_READ | EV_PERSIST,
		                 on_eventfd, NULL);
		if (!H.ev || event_add(H.ev, NULL) < 0) {
			snprintf(err, errlen, "cannot watch the eventfd");
			plugin_host_stop();
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->nplugins; i++)
		if (load_one(cfg, &cfg->plugins[i], err, errlen) < 0) {
			plugin_host_stop();
			return -1;
		}
	return 0;
}

static struct cv_plugin_ctx *route_for(const char *channel)
{
	for (size_t i = 0; channel && i < H.nroutes; i++)
		if (strcmp(H.routes[i].channel, channel) == 0)
			return H.routes[i].ctx;
	return NULL;
}

int plugin_has_channel(const char *channel)
{
	return route_for(channel) != NULL;
}

int plugin_deliver(const char *channel, const struct cv_message *m,
                   uint64_t token)
{
	struct cv_plugin_ctx *c = route_for(channel);

	if (!c || !c->inited)
		return -1;
	H.inflight++;
	if (c->p->deliver(c->state, m, token) < 0) {
		H.inflight--;
		return -1;
	}
	return 0;
}

void plugin_host_on_done(plugin_done_cb cb, void *arg)
{
	H.done_cb = cb;
	H.done_arg = arg;
}

void plugin_host_set_calendar(plugin_calendar_fn fn)
{
	H.calendar = fn;
}

void plugin_host_changed(const char *what, int64_t id, const char *slug)
{
	for (size_t i = 0; i < H.n; i++)
		if (H.ctx[i]->inited && H.ctx[i]->p->changed)
			H.ctx[i]->p->changed(H.ctx[i]->state, what, id, slug);
}

size_t plugin_host_inflight(void)
{
	return H.inflight;
}

void plugin_host_stop(void)
{
	/* shutdown first: plugins report what they abandon through done */
	for (size_t i = 0; i < H.n; i++)
		if (H.ctx[i]->inited && H.ctx[i]->p->shutdown) {
			/* its received mail is answered while it can answer */
			H.ctx[i]->closing = 1;
			inbound_abandon(H.ctx[i]);
			H.ctx[i]->p->shutdown(H.ctx[i]->state);
			H.ctx[i]->inited = 0;
		}
	if (H.tail)
		drain();
	for (size_t i = 0; i < H.n; i++)
		unload(H.ctx[i]);
	H.n = 0;
	for (size_t i = 0; i < H.nroutes; i++)
		free(H.routes[i].channel);
	H.nroutes = 0;
	if (H.ev) {
		event_free(H.ev);
		H.ev = NULL;
	}
	if (H.efd >= 0) {
		close(H.efd);
		H.efd = -1;
	}
	H.inflight = 0;
	H.app = NULL;
}
