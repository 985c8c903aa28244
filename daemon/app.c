/* app.c - the daemon's single shared state and its hook lists. */
#include "app.h"

#include <stddef.h>

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
