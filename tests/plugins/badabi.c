/* badabi.c - test plugin built for a different ABI version: must be refused. */
#include "plugin.h"

static const struct cv_plugin bad = {
        .abi = CV_PLUGIN_ABI + 1,
        .size = sizeof(struct cv_plugin),
        .name = "badabi",
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &bad;
}
