/* answer.c - test plugin: answers every delivery with the configured result
 * (answer = ok | retry | fail, reason, retry_after), optionally failing
 * init (fail_init = text) or answering only after a delay (delay_ms), and
 * appends one line per delivery to log_file:
 * "id kind recipient result unix-time". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugin.h"

struct answer {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
	enum cv_result result;
	unsigned retry_after;
	const char *reason;
	const char *log_file;
	int shutdowns;
};

static const char *const keys[] = {"answer",    "reason",   "retry_after",
                                   "fail_init", "log_file", NULL};

static int answer_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                       void **state, char *err, size_t errlen)
{
	struct answer *a;
	const char *v;

	if (host->abi != CV_PLUGIN_ABI || host->size < sizeof(*host)) {
		snprintf(err, errlen, "host too old");
		return -1;
	}
	if ((v = host->conf(ctx, "fail_init"))) {
		snprintf(err, errlen, "%s", v);
		return -1;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -1;
	a->ctx = ctx;
	a->host = host;
	v = host->conf(ctx, "answer");
	a->result = !v || strcmp(v, "ok") == 0 ? CV_OK
	            : strcmp(v, "retry") == 0  ? CV_RETRY
	                                       : CV_FAIL;
	v = host->conf(ctx, "retry_after");
	a->retry_after = v ? (unsigned)atoi(v) : 0;
	a->reason = host->conf(ctx, "reason");
	a->log_file = host->conf(ctx, "log_file");
	host->log(ctx, CV_LOG_INFO, "answering %d", (int)a->result);
	*state = a;
	return 0;
}

static int answer_deliver(void *state, const struct cv_message *m,
                          uint64_t token)
{
	struct answer *a = state;

	if (a->log_file) {
		FILE *f = fopen(a->log_file, "a");
		if (f) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			fprintf(f, "%lld %s %s %d %lld.%06ld\n",
			        (long long)m->id, m->kind, m->recipient,
			        (int)a->result, (long long)ts.tv_sec,
			        ts.tv_nsec / 1000);
			fclose(f);
		}
	}
	a->host->done(a->ctx, token, a->result, a->retry_after,
	              a->result == CV_OK ? NULL
	              : a->reason        ? a->reason
	                                 : "test plugin says no");
	return 0;
}

static void answer_changed(void *state, const char *what, int64_t id,
                           const char *slug)
{
	struct answer *a = state;

	if (a->log_file) {
		FILE *f = fopen(a->log_file, "a");
		if (f) {
			fprintf(f, "changed %s %lld %s\n", what, (long long)id,
			        slug ? slug : "-");
			fclose(f);
		}
	}
}

static void answer_shutdown(void *state)
{
	free(state);
}

static const struct cv_plugin answer_plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "answer",
        .config_keys = keys,
        .init = answer_init,
        .deliver = answer_deliver,
        .changed = answer_changed,
        .shutdown = answer_shutdown,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &answer_plugin;
}
