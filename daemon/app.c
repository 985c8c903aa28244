/* app.c - the daemon's single shared state, the walk over its lifecycle
 * table and its hook lists. */
#include "app.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

struct app *app_instance;

static void (*reload_hooks[16])(void);
static int nreload_hooks;
static int (*drain_checks[16])(void);
static int ndrain_checks;

void app_on_reload(void (*fn)(void))
{
	if (nreload_hooks < 16)
		reload_hooks[nreload_hooks++] = fn;
}

void app_run_reload(void)
{
	for (int i = 0; i < nreload_hooks; i++)
		reload_hooks[i]();
}

void app_on_drain(int (*fn)(void))
{
	if (ndrain_checks < 16)
		drain_checks[ndrain_checks++] = fn;
}

int app_drained(void)
{
	for (int i = 0; i < ndrain_checks; i++)
		if (!drain_checks[i]())
			return 0;
	return 1;
}

int app_start(struct app *app, const struct app_module *mods, size_t n,
              char *err, size_t errlen)
{
	char why[1024];

	app->modules = mods;
	app->nstarted = 0;
	for (size_t i = 0; i < n; i++) {
		why[0] = '\0';
		if (mods[i].init)
			log_debug("starting %s", mods[i].name);
		if (mods[i].init && mods[i].init(app, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "cannot start %s%s%s",
			         mods[i].name, why[0] ? ": " : "", why);
			app_stop(app);
			return -1;
		}
		app->nstarted = i + 1;
	}
	return 0;
}

void app_stop(struct app *app)
{
	while (app->nstarted > 0) {
		const struct app_module *m = &app->modules[--app->nstarted];

		if (m->stop) {
			log_debug("stopping %s", m->name);
			m->stop();
		}
	}
}
