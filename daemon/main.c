/* main.c - convened: options, start-up, the event loop, signals, systemd. */
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
#include "api_reg.h"
#include "api_report.h"
#include "api_items.h"
#include "api_outbox.h"
#include "app.h"
#include "cal.h"
#include "config.h"
#include "db.h"
#include "feeds.h"
#include "http.h"
#include "log.h"
#include "outbox.h"
#include "plugin_host.h"
#include "tmpl.h"
#include "pages.h"

#define DEFAULT_CONFIG   "/etc/convened/convened.conf"
#define DRAIN_TIMEOUT_MS 10000

static struct app app;
static struct event *ev_sigterm, *ev_sigint, *ev_sighup, *ev_watchdog,
        *ev_drain;
static struct timespec drain_started;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: convened [-fnv] [-c file] [--migrate | --no-migrate]\n"
	        "  -c file       configuration file (default %s)\n"
	        "  -f            log to stderr (default: stderr on a terminal "
	        "or under systemd, else syslog)\n"
	        "  -n            check the configuration and exit (0 ok, 1 "
	        "bad)\n"
	        "  -v            verbose: log debug messages\n"
	        "  --migrate     apply database migrations and exit\n"
	        "  --no-migrate  do not apply migrations at start\n"
	        "  -h, --help    this help\n"
	        "environment: CONVENED_DATABASE overrides [database] "
	        "conninfo\n",
	        DEFAULT_CONFIG);
}

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

static int run_migrations(const struct config *cfg, const char *conninfo)
{
	char err[1024];
	int n = -1;

	/* The database may still be starting: retry for a while. */
	for (int attempt = 0; attempt < 30; attempt++) {
		n = db_migrate(conninfo, cfg->sql_dir, err, sizeof(err));
		if (n >= 0 || strstr(err, "cannot connect") == NULL)
			break;
		if (attempt == 0)
			log_warnx("%s; retrying", err);
		sleep(1);
	}
	if (n < 0) {
		log_warnx("migrations failed: %s", err);
		return -1;
	}
	if (n > 0)
		log_info("applied %d migration%s", n, n == 1 ? "" : "s");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"migrate", no_argument, NULL, 'M'},
	        {"no-migrate", no_argument, NULL, 'N'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *path = DEFAULT_CONFIG, *conninfo;
	int ch, check_only = 0, verbose = 0, force_stderr = 0;
	int migrate_only = 0, no_migrate = 0;
	char err[1024];
	uint64_t wd_usec = 0;

	while ((ch = getopt_long(argc, argv, "c:fnvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			force_stderr = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'M':
			migrate_only = 1;
			break;
		case 'N':
			no_migrate = 1;
			break;
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
	log_init(force_stderr || check_only || migrate_only || isatty(2) ||
	                 getenv("JOURNAL_STREAM") != NULL,
	         verbose);

	app.cfg = config_load(path, err, sizeof(err));
	if (app.cfg == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	if (check_only) {
		fprintf(stderr, "%s: configuration OK\n", path);
		return 0;
	}
	conninfo = getenv("CONVENED_DATABASE");
	if (conninfo == NULL || *conninfo == '\0')
		conninfo = app.cfg->db_conninfo;
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if (migrate_only)
		return run_migrations(app.cfg, conninfo) < 0 ? 1 : 0;
	if (app.cfg->migrate && !no_migrate &&
	    run_migrations(app.cfg, conninfo) < 0)
		return 1;

	signal(SIGPIPE, SIG_IGN);
	evthread_use_pthreads();
	app_instance = &app;
	app.started = time(NULL);
	app.base = event_base_new();
	if (app.base == NULL)
		fatalx("cannot create the event loop");
	app.db = db_new(app.base, conninfo, app.cfg->db_pool_size,
	                app.cfg->db_reconnect_min_ms,
	                app.cfg->db_reconnect_max_ms,
	                app.cfg->db_query_timeout_ms);
	if (app.db == NULL)
		fatalx("cannot create the database pool");

	/* Modules: each registers its routes, listeners and hooks. */
	if (api_core_init() < 0)
		fatalx("cannot register routes");
	if (api_reg_init() < 0 || pages_init() < 0 || api_report_init() < 0)
		fatalx("cannot register registration routes");
	if (api_items_init() < 0)
		fatalx("cannot register routes");
	/* Calendars before plugins: zones load before any thread starts,
	 * and publishers can ask for feeds from their init. */
	if (cal_init() < 0 || feeds_init() < 0)
		fatalx("cannot start the calendar feeds (zoneinfo?)");
	/* Notifications: templates, plugins, the outbox scheduler. */
	if (tmpl_load(app.cfg->template_dir, err, sizeof(err)) < 0 ||
	    plugin_host_start(&app, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return 1;
	}
	app_on_reload(tmpl_on_hup);
	if (api_outbox_init() < 0 || outbox_start(&app) < 0)
		fatalx("cannot start the outbox");

	if (http_start(&app) < 0)
		return 1;

	ev_sigterm = evsignal_new(app.base, SIGTERM, on_term, NULL);
	ev_sigint = evsignal_new(app.base, SIGINT, on_term, NULL);
	ev_sighup = evsignal_new(app.base, SIGHUP, on_hup, NULL);
	event_add(ev_sigterm, NULL);
	event_add(ev_sigint, NULL);
	event_add(ev_sighup, NULL);
	if (app.cfg->watchdog && sd_watchdog_enabled(0, &wd_usec) > 0) {
		struct timeval tv = {(time_t)(wd_usec / 2 / 1000000),
		                     (suseconds_t)(wd_usec / 2 % 1000000)};
		ev_watchdog =
		        event_new(app.base, -1, EV_PERSIST, on_watchdog, NULL);
		event_add(ev_watchdog, &tv);
	}
	sd_notify(0, "READY=1");
	log_info("convened ready");

	event_base_dispatch(app.base);

	log_info("stopping");
	http_stop();
	if (ev_drain)
		event_free(ev_drain);
	if (ev_watchdog)
		event_free(ev_watchdog);
	event_free(ev_sigterm);
	event_free(ev_sigint);
	event_free(ev_sighup);
	db_free(app.db);
	feeds_shutdown();
	cal_shutdown();
	event_base_free(app.base);
	config_free(app.cfg);
	return 0;
}
