/* app.h - the daemon's shared state, one instance, owned by main. */
#ifndef CONVENED_APP_H
#define CONVENED_APP_H

#include <stddef.h>
#include <time.h>

struct event_base;
struct config;
struct db;
struct app;

/* One part of the daemon in the lifecycle table (main.c). */
struct app_module {
	const char *name;
	/* Start: 0, or -1 with the reason in err (left empty when the module
	 * logged it already).  NULL: nothing to start. */
	int (*init)(struct app *app, char *err, size_t errlen);
	/* Stop and free what init made.  NULL: nothing to stop. */
	void (*stop)(void);
};

struct app {
	struct event_base *base;
	struct config *cfg;
	struct db *db;
	time_t started;
	int draining; /* set on SIGTERM: refuse new work, finish in flight */
	/* the lifecycle table and how many of its modules are started */
	const struct app_module *modules;
	size_t nstarted;
};

/* The single instance (set by main before anything else runs). */
extern struct app *app_instance;

/* Run FN on SIGHUP, after the logs are reopened (e.g. reload templates). */
void app_on_reload(void (*fn)(void));

/* On SIGTERM the daemon stops taking work and waits (up to 10 s) until
 * every registered FN returns 1: "nothing of mine is in flight". */
void app_on_drain(int (*fn)(void));

/* Start MODS[0..N) in table order.  When one fails, stop those already
 * started (backwards) and return -1 with "cannot start NAME: reason" in
 * err.  0 when all started. */
int app_start(struct app *app, const struct app_module *mods, size_t n,
              char *err, size_t errlen);

/* Stop the started modules backwards, each exactly once (safe to call
 * again: it then does nothing). */
void app_stop(struct app *app);

/* Run the reload hooks (SIGHUP). */
void app_run_reload(void);
/* 1 when every drain check says nothing is in flight. */
int app_drained(void);

#endif
