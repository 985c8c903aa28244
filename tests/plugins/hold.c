/* hold.c - test plugin: takes every delivery and never answers (a relay
 * that hangs), so the daemon keeps the rows claimed under its lease until
 * it dies; appends "id kind recipient message-id" per delivery taken to
 * log_file. */
#include <stdio.h>
#include <stdlib.h>

#include "plugin.h"

struct hold {
	const char *log_file;
};

static const char *const keys[] = {"log_file", NULL};

static int hold_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                     void **state, char *err, size_t errlen)
{
	struct hold *h;

	if (host->abi != CV_PLUGIN_ABI || host->size < sizeof(*host)) {
		snprintf(err, errlen, "host too old");
		return -1;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	h->log_file = host->conf(ctx, "log_file");
	*state = h;
	return 0;
}

static int hold_deliver(void *state, const struct cv_message *m, uint64_t token)
{
	struct hold *h = state;
	FILE *f;

	(void)token;
	if (h->log_file && (f = fopen(h->log_file, "a")) != NULL) {
		fprintf(f, "%lld %s %s %s\n", (long long)m->id, m->kind,
		        m->recipient, m->message_id ? m->message_id : "-");
		fclose(f);
	}
	return 0;
}

static void hold_shutdown(void *state)
{
	free(state);
}

static const struct cv_plugin hold_plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "hold",
        .config_keys = keys,
        .init = hold_init,
        .deliver = hold_deliver,
        .shutdown = hold_shutdown,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &hold_plugin;
}
