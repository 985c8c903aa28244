/* oldabi.c - test plugin built for ABI version 1 (before the typed config
 * getters): it knows only the first fields of struct cv_host and must still
 * be loaded.  Answers every delivery CV_OK. */
#include <stddef.h>

#include "plugin.h"

struct old {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
};

static struct old the_old;

static int old_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                    void **state, char *err, size_t errlen)
{
	/* what an ABI-1 plugin could check: the prefix it knows */
	if (host->size <
	    offsetof(struct cv_host, base_url) + sizeof(host->base_url))
		return -1;
	the_old.ctx = ctx;
	the_old.host = host;
	*state = &the_old;
	return 0;
}

static int old_deliver(void *state, const struct cv_message *m, uint64_t token)
{
	struct old *o = state;

	o->host->done(o->ctx, token, CV_OK, 0, NULL);
	return 0;
}

static const struct cv_plugin old_plugin = {
        .abi = 1,
        .size = sizeof(struct cv_plugin), /* unchanged since ABI 1 */
        .name = "oldabi",
        .init = old_init,
        .deliver = old_deliver,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &old_plugin;
}
