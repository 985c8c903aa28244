/* recorder.c - test plugin: reads its config through the host's typed
 * getters and appends one line per life event to record_file:
 * "init count=N flag=B buffer=BYTES every=SECONDS" when it starts and
 * "shutdown" when it stops, so a test can count how often each ran. */
#include <stdio.h>
#include <stdlib.h>

#include "plugin.h"

struct recorder {
	const char *file;
};

static const char *const keys[] = {"record_file", "count", "flag",
                                   "buffer",      "every", NULL};

static int record(const char *file, const char *line)
{
	FILE *f = fopen(file, "a");

	if (!f)
		return -1;
	fprintf(f, "%s\n", line);
	return fclose(f);
}

static int recorder_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                         void **state, char *err, size_t errlen)
{
	const char *file = NULL;
	long count = 1, every = 60;
	int flag = 0;
	size_t buffer = 4096;
	char line[256];
	struct recorder *r;

	if (!CV_HOST_HAS(host, conf_path)) {
		snprintf(err, errlen, "host too old: no typed config getters");
		return -1;
	}
	if (host->conf_path(ctx, "record_file", CV_PATH_REQUIRED, &file, err,
	                    errlen) < 0 ||
	    host->conf_int(ctx, "count", 0, 100, &count, err, errlen) < 0 ||
	    host->conf_bool(ctx, "flag", &flag, err, errlen) < 0 ||
	    host->conf_size(ctx, "buffer", 1, (size_t)1 << 40, &buffer, err,
	                    errlen) < 0 ||
	    host->conf_duration(ctx, "every", 1, 7 * 86400, &every, err,
	                        errlen) < 0)
		return -1;
	snprintf(line, sizeof(line),
	         "init count=%ld flag=%d buffer=%zu every=%ld", count, flag,
	         buffer, every);
	if (record(file, line) < 0 || !(r = calloc(1, sizeof(*r)))) {
		snprintf(err, errlen, "cannot write %s", file);
		return -1;
	}
	r->file = file; /* lives as long as the plugin */
	*state = r;
	return 0;
}

static void recorder_shutdown(void *state)
{
	struct recorder *r = state;

	record(r->file, "shutdown");
	free(r);
}

static const struct cv_plugin recorder_plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "recorder",
        .config_keys = keys,
        .init = recorder_init,
        .shutdown = recorder_shutdown,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &recorder_plugin;
}
