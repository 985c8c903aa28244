/* app.h - the daemon's shared state, one instance, owned by main. */
#ifndef CONVENED_APP_H
#define CONVENED_APP_H

#include <time.h>

struct event_base;
struct config;
struct db;

struct app {
	struct event_base *base;
	struct config *cfg;
	struct db *db;
	time_t started;
	int draining; /* set on SIGTERM: refuse new work, finish in flight */
};

/* The single instance (set by main before anything else runs). */
extern struct app *app_instance;

/* Run FN on SIGHUP, after the logs are reopened (e.g. reload templates). */
void app_on_reload(void (*fn)(void));

/* On SIGTERM the daemon stops taking work and waits (up to 10 s) until
 * every registered FN returns 1: "nothing of mine is in flight". */
void app_on_drain(int (*fn)(void));

/* Run the reload hooks (SIGHUP). */
void app_run_reload(void);
/* 1 when every drain check says nothing is in flight. */
int app_drained(void);

#endif
