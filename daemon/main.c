/* main.c - convened: options, the lifecycle table, the event loop, signals,
 * systemd. */
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "api_core.h"
#include "api_followers.h"
#include "api_items.h"
#include "api_inbound.h"
#include "admin_ui.h"
#include "api_accounts.h"
#include "api_attendance.h"
#include "api_console.h"
#include "api_programme.h"
#include "api_mail_addresses.h"
#include "api_outbox.h"
#include "api_reg.h"
#include "api_report.h"
#include "api_sheets.h"
#include "app.h"
#include "auth.h"
#include "checkin.h"
#include "cal.h"
#include "config.h"
#include "db.h"
#include "evidence.h"
#include "feeds.h"
#include "http.h"
#include "inbound.h"
#include "inparse.h"
#include "log.h"
#include "offload.h"
#include "outbox.h"
#include "pages.h"
#include "plugin_host.h"
#include "pwhash.h"
#include "privacy.h"
#include "throttle.h"
#include "tmpl.h"

#define DEFAULT_CONFIG   "/etc/convened/convened.conf"
#define DRAIN_TIMEOUT_MS 10000

static struct app app;
static struct {
	const char *path; /* -c */
	const char *conninfo;
	int check_only, verbose, force_stderr, migrate_only, no_migrate;
} opt = {.path = DEFAULT_CONFIG};
static struct event *ev_sigterm, *ev_sigint, *ev_sighup, *ev_watchdog,
        *ev_drain;
static struct timespec drain_started;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: convened [-fnvV] [-c file] [--migrate | --no-migrate]\n"
	        "  -c file       configuration file (default %s)\n"
	        "  -f            log to stderr (default: stderr on a terminal "
	        "or under systemd, else syslog)\n"
	        "  -n            check the configuration and exit (0 ok, 1 "
	        "bad)\n"
	        "  -v            verbose: log debug messages\n"
	        "  --migrate     apply database migrations and exit\n"
	        "  --no-migrate  do not apply migrations at start\n"
	        "  -V, --version print the version and exit\n"
	        "  -h, --help    this help\n"
	        "environment: CONVENED_DATABASE overrides [database] "
	        "conninfo\n",
	        DEFAULT_CONFIG);
}

/* ---- signals and the drain ---- */

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 +
	       (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
	int done = http_inflight() == 0 && app_drained();
	(void)fd;
	(void)what;
	(void)arg;

	if (done || ms_since(&drain_started) > DRAIN_TIMEOUT_MS) {
		if (!done)
			log_warnx("drain timed out; exiting with work in "
			          "flight (it is retried from the outbox)");
		event_base_loopbreak(app.base);
	}
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct timeval tv = {0, 20000};
	(void)what;
	(void)arg;

	if (app.draining)
		return;
	log_info("received %s, draining", sig == SIGINT ? "SIGINT" : "SIGTERM");
	sd_notify(0, "STOPPING=1");
	app.draining = 1;
	clock_gettime(CLOCK_MONOTONIC, &drain_started);
	ev_drain = event_new(app.base, -1, EV_PERSIST, drain_cb, NULL);
	event_add(ev_drain, &tv);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;

	log_reopen();
	log_info("SIGHUP: logs reopened, reloading");
	app_run_reload();
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

/* ---- the modules' start and stop, where they need adapting ---- */

static int sodium_start(struct app *a, char *err, size_t errlen)
{
	if (sodium_init() < 0)
		return snprintf(err, errlen, "sodium_init failed"), -1;
	return 0;
}

static int run_migrations(const struct config *cfg, char *err, size_t errlen)
{
	int n = -1;

	/* The database may still be starting: retry for a while. */
	for (int attempt = 0; attempt < 30; attempt++) {
		n = db_migrate(opt.conninfo, cfg->sql_dir, err, errlen);
		if (n >= 0 || strstr(err, "cannot connect") == NULL)
			break;
		if (attempt == 0)
			log_warnx("%s; retrying", err);
		sleep(1);
	}
	if (n < 0)
		return -1;
	if (n > 0)
		log_info("applied %d migration%s", n, n == 1 ? "" : "s");
	return 0;
}

static int migrations_start(struct app *a, char *err, size_t errlen)
{
	if (!a->cfg->migrate || opt.no_migrate)
		return 0;
	return run_migrations(a->cfg, err, errlen);
}

static int loop_start(struct app *a, char *err, size_t errlen)
{
	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	a->base = event_base_new();
	return a->base ? 0 : -1;
}

static void loop_stop(void)
{
	event_base_free(app.base);
	app.base = NULL;
}

static int db_start(struct app *a, char *err, size_t errlen)
{
	const struct config *c = a->cfg;

	a->db = db_new(a->base, opt.conninfo, c->db_pool_size,
	               c->db_reconnect_min_ms, c->db_reconnect_max_ms,
	               c->db_query_timeout_ms);
	return a->db ? 0 : -1;
}

static void db_stop(void)
{
	db_free(app.db);
	app.db = NULL;
}

/* At exit, before any module above it stops: fail the queries still in
 * flight (drain timed out) while the modules whose callbacks they run are
 * alive. */
static void queries_stop(void)
{
	db_close(app.db);
}

static int cal_start(struct app *a, char *err, size_t errlen)
{
	if (cal_init() < 0)
		return snprintf(err, errlen, "cannot read the zoneinfo"), -1;
	return 0;
}

/* Route tables only: nothing to stop (the server goes with "http"). */
static int routes_start(struct app *a, char *err, size_t errlen)
{
	if (api_core_init() < 0 || api_reg_init() < 0 || pages_init() < 0 ||
	    api_report_init() < 0 || api_items_init() < 0 ||
	    api_outbox_init() < 0 || privacy_routes_init() < 0 ||
	    api_inbound_init() < 0 || api_mail_addresses_init() < 0 ||
	    api_attendance_init() < 0 || api_followers_init() < 0 ||
	    checkin_init() < 0 || evidence_init() < 0 ||
	    api_programme_init() < 0 || api_accounts_init() < 0 ||
	    api_sheets_init() < 0 || admin_ui_init() < 0 ||
	    api_console_init() < 0)
		return snprintf(err, errlen, "too many route tables"), -1;
	return 0;
}

static int feeds_start(struct app *a, char *err, size_t errlen)
{
	return feeds_init(a);
}

static int tmpl_start(struct app *a, char *err, size_t errlen)
{
	if (tmpl_load(a->cfg->template_dir, err, errlen) < 0)
		return -1;
	app_on_reload(tmpl_on_hup);
	return 0;
}

static int inparse_start(struct app *a, char *err, size_t errlen)
{
	return inparse_init();
}

static int outbox_init(struct app *a, char *err, size_t errlen)
{
	return outbox_start(a);
}

static int throttle_init(struct app *a, char *err, size_t errlen)
{
	return throttle_start(a);
}

/* Drain: no password is being hashed. */
static int pwhash_drained(void)
{
	return pwhash_inflight() == 0;
}

static int auth_init(struct app *a, char *err, size_t errlen)
{
	app_on_drain(pwhash_drained);
	return auth_start(a);
}

static int http_init(struct app *a, char *err, size_t errlen)
{
	return http_start(a); /* logs why */
}

static int signals_start(struct app *a, char *err, size_t errlen)
{
	uint64_t wd_usec = 0;

	ev_sigterm = evsignal_new(a->base, SIGTERM, on_term, NULL);
	ev_sigint = evsignal_new(a->base, SIGINT, on_term, NULL);
	ev_sighup = evsignal_new(a->base, SIGHUP, on_hup, NULL);
	if (!ev_sigterm || !ev_sigint || !ev_sighup ||
	    event_add(ev_sigterm, NULL) < 0 || event_add(ev_sigint, NULL) < 0 ||
	    event_add(ev_sighup, NULL) < 0)
		return -1;
	if (a->cfg->watchdog && sd_watchdog_enabled(0, &wd_usec) > 0) {
		struct timeval tv = {(time_t)(wd_usec / 2 / 1000000),
		                     (suseconds_t)(wd_usec / 2 % 1000000)};
		ev_watchdog =
		        event_new(a->base, -1, EV_PERSIST, on_watchdog, NULL);
		if (!ev_watchdog || event_add(ev_watchdog, &tv) < 0)
			return -1;
	}
	return 0;
}

static void signals_stop(void)
{
	struct event **evs[] = {&ev_drain, &ev_watchdog, &ev_sigterm,
	                        &ev_sigint, &ev_sighup};

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (*evs[i]) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
}

/*
 * The lifecycle table: started top to bottom, stopped bottom to top (only
 * what started).  At SIGTERM the loop first drains (HTTP requests and
 * deliveries and received mail in flight finish, up to 10 s), then:
 * signals off, queries still in flight failed, HTTP server closed (and
 * its connections), the throttle's buckets and timers freed, the retention
 * timer off, outbox stopped, every plugin's shutdown (each source plugin's
 * unfinished mail answered "retry" first), the inbound parser thread,
 * templates, feeds, the render thread (a PDF it was rendering is dropped),
 * the mail parser, zones, database, loop.
 */
static const struct app_module modules[] = {
        {.name = "libsodium", .init = sodium_start},
        {.name = "migrations", .init = migrations_start},
        {.name = "event loop", .init = loop_start, .stop = loop_stop},
        {.name = "database", .init = db_start, .stop = db_stop},
        /* zones load before any thread starts (libical #1029) */
        {.name = "calendar zones", .init = cal_start, .stop = cal_shutdown},
        /* GMime before any thread starts */
        {.name = "mail parser",
         .init = inparse_start,
         .stop = inparse_shutdown},
        {.name = "render thread", .init = offload_start, .stop = offload_stop},
        {.name = "routes", .init = routes_start},
        /* before plugins: publishers ask for feeds from their init */
        {.name = "feeds", .init = feeds_start, .stop = feeds_shutdown},
        {.name = "templates", .init = tmpl_start, .stop = tmpl_free},
        /* before plugins: sources hand it mail; stopped after them */
        {.name = "inbound", .init = inbound_start, .stop = inbound_stop},
        {.name = "plugins",
         .init = plugin_host_start,
         .stop = plugin_host_stop},
        {.name = "outbox", .init = outbox_init, .stop = outbox_stop},
        {.name = "retention", .init = privacy_start, .stop = privacy_stop},
        {.name = "throttle", .init = throttle_init, .stop = throttle_stop},
        {.name = "accounts", .init = auth_init},
        {.name = "http", .init = http_init, .stop = http_stop},
        {.name = "queries", .stop = queries_stop},
        {.name = "signals", .init = signals_start, .stop = signals_stop},
};

/* ---- main ---- */

/* Parse the command line into opt.  -1: go on; else the exit code. */
static int options(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"migrate", no_argument, NULL, 'M'},
	        {"no-migrate", no_argument, NULL, 'N'},
	        {"version", no_argument, NULL, 'V'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:fnvVh", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'c':
			opt.path = optarg;
			break;
		case 'f':
			opt.force_stderr = 1;
			break;
		case 'n':
			opt.check_only = 1;
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'M':
			opt.migrate_only = 1;
			break;
		case 'N':
			opt.no_migrate = 1;
			break;
		case 'V':
			printf("convened %s\n", CONVENED_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	char err[1024];
	int rc = options(argc, argv);

	if (rc >= 0)
		return rc;
	log_init(opt.force_stderr || opt.check_only || opt.migrate_only ||
	                 isatty(2) || getenv("JOURNAL_STREAM") != NULL,
	         opt.verbose);
	app.cfg = config_load(opt.path, err, sizeof(err));
	if (app.cfg == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	opt.conninfo = getenv("CONVENED_DATABASE");
	if (opt.conninfo == NULL || *opt.conninfo == '\0')
		opt.conninfo = app.cfg->db_conninfo;
	if (config_base_url_warning(app.cfg, err, sizeof(err)))
		log_warnx("warning: %s (every daemon on one database must "
		          "share one base_url)",
		          err);
	if (opt.check_only) {
		fprintf(stderr, "%s: configuration OK\n", opt.path);
		rc = 0;
	} else if (opt.migrate_only) {
		rc = run_migrations(app.cfg, err, sizeof(err));
		if (rc < 0)
			log_warnx("migrations failed: %s", err);
	} else {
		app_instance = &app;
		app.started = time(NULL);
		rc = app_start(&app, modules,
		               sizeof(modules) / sizeof(modules[0]), err,
		               sizeof(err));
		if (rc < 0) {
			log_warnx("%s", err);
		} else {
			sd_notify(0, "READY=1");
			log_info("convened ready");
			event_base_dispatch(app.base);
			log_info("stopping");
			app_stop(&app);
			log_info("stopped");
		}
	}
	config_free(app.cfg);
	return rc < 0 ? 1 : 0;
}
