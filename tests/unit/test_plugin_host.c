/* test_plugin_host.c - plugin host: loads real plugins built from source,
 * refuses bad ones with the file and the reason, accepts older ABIs, routes
 * channels, carries results back through the loop, checks typed config
 * values with file:line; the spool plugin writes the host's bytes to a
 * maildir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "mail_out.h"
#include "plugin_conf.h"
#include "plugin_host.h"

static char dir[64]; /* plugins built here, spool written here */

struct result {
	int n;
	uint64_t token;
	enum cv_result res;
	unsigned retry_after;
	char reason[256];
};

static void on_done(void *arg, uint64_t token, enum cv_result res,
                    unsigned retry_after, const char *reason)
{
	struct result *r = arg;

	r->n++;
	r->token = token;
	r->res = res;
	r->retry_after = retry_after;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
}

static int build(const char *name, const char *srcs, const char *libs)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	         "cc -std=gnu11 -D_GNU_SOURCE -shared -fPIC -Iplugins -o "
	         "%s/%s.so "
	         "%s %s",
	         dir, name, srcs, libs);
	return system(cmd);
}

static int setup_all(void **st)
{
	strcpy(dir, "/tmp/test_plugin_host.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (build("answer", "tests/plugins/answer.c", "") ||
	    build("badabi", "tests/plugins/badabi.c", "") ||
	    build("nosym", "tests/plugins/nosym.c", "") ||
	    build("oldabi", "tests/plugins/oldabi.c", "") ||
	    build("recorder", "tests/plugins/recorder.c", "") ||
	    build("ics", "plugins/ics/ics.c", "") ||
	    build("spool", "plugins/spool/spool.c", "-lpthread"))
		return -1;
	return 0;
}

static int teardown_all(void **st)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Start the host with CONF (plugin_dir prepended); returns 0/-1. */
static int start(struct app *app, const char *sections, char *err,
                 size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof(text),
	         "[convened]\nplugin_dir = %s\nbase_url = "
	         "https://events.example.org\n%s",
	         dir, sections);
	memset(app, 0, sizeof(*app));
	app->cfg = config_load_string(text, "test.conf", err, errlen);
	assert_non_null(app->cfg);
	app->base = event_base_new();
	assert_non_null(app->base);
	return plugin_host_start(app, err, errlen);
}

static void finish(struct app *app)
{
	plugin_host_stop();
	event_base_free(app->base);
	config_free(app->cfg);
}

/* Run the loop until R has N results (bounded). */
static void wait_for(struct app *app, struct result *r, int n)
{
	for (int i = 0; i < 500 && r->n < n; i++) {
		event_base_loop(app->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
	assert_int_equal(r->n, n);
}

static void test_refused_with_file_and_reason(void **st)
{
	struct app app;
	char err[512] = "";

	assert_int_equal(start(&app, "[plugin bad]\nfile = badabi.so\n", err,
	                       sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/badabi.so: plugin ABI version 4, this "
	                            "convened loads versions 1 to 3 (the "
	                            "plugin was built for a newer convened"));
	finish(&app);

	assert_int_equal(
	        start(&app, "[plugin ns]\nfile = nosym.so\n", err, sizeof(err)),
	        -1);
	assert_non_null(strstr(err, "/nosym.so: not a convened plugin: no "
	                            "symbol cv_plugin_entry"));
	finish(&app);

	assert_int_equal(
	        start(&app, "[plugin gone]\nchannels = x\n", err, sizeof(err)),
	        -1);
	assert_non_null(strstr(err, "/gone.so: cannot load plugin gone"));
	finish(&app);

	assert_int_equal(start(&app,
	                       "[plugin answer]\nanswer = ok\nbogus = 1\n", err,
	                       sizeof(err)),
	                 -1);
	assert_string_equal(err,
	                    "test.conf:6: [plugin answer] unknown key 'bogus'");
	finish(&app);

	assert_int_equal(start(&app,
	                       "[plugin answer]\nfail_init = no database\n",
	                       err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/answer.so: plugin answer failed to "
	                            "start: no database"));
	finish(&app);

	assert_int_equal(start(&app,
	                       "[plugin answer]\nchannels = email, sms\n"
	                       "[plugin a2]\nfile = answer.so\n"
	                       "channels = sms\n",
	                       err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "channel 'sms' is already routed to "
	                            "plugin answer"));
	finish(&app);
}

static void test_routes_and_results(void **st)
{
	struct app app;
	struct result r = {0};
	char err[512] = "", logf[128], line[256];
	struct cv_message m = {.size = sizeof(m),
	                       .id = 7,
	                       .kind = "event_reminder",
	                       .recipient = "anna@example.se",
	                       .subject = "s",
	                       .text = "t"};
	char sections[512];
	FILE *f;

	snprintf(logf, sizeof(logf), "%s/answer.log", dir);
	unlink(logf);
	snprintf(sections, sizeof(sections),
	         "[plugin answer]\nchannels = email, sms\nanswer = retry\n"
	         "retry_after = 42\nreason = 451 try later\nlog_file = %s\n"
	         "[plugin failer]\nfile = answer.so\nanswer = fail\n",
	         logf);
	assert_int_equal(start(&app, sections, err, sizeof(err)), 0);
	plugin_host_on_done(on_done, &r);
	assert_int_equal(plugin_has_channel("email"), 1);
	assert_int_equal(plugin_has_channel("sms"), 1);
	assert_int_equal(plugin_has_channel("failer"), 1); /* default route */
	assert_int_equal(plugin_has_channel("fax"), 0);
	assert_int_equal(plugin_deliver("fax", &m, 1), -1);

	assert_int_equal(plugin_deliver("sms", &m, 99), 0);
	/* the result arrives through the loop, never inside deliver */
	assert_int_equal(r.n, 0);
	assert_int_equal(plugin_host_inflight(), 1);
	wait_for(&app, &r, 1);
	assert_int_equal(r.token, 99);
	assert_int_equal(r.res, CV_RETRY);
	assert_int_equal(r.retry_after, 42);
	assert_string_equal(r.reason, "451 try later");
	assert_int_equal(plugin_host_inflight(), 0);

	assert_int_equal(plugin_deliver("failer", &m, 100), 0);
	wait_for(&app, &r, 2);
	assert_int_equal(r.token, 100);
	assert_int_equal(r.res, CV_FAIL);
	assert_string_equal(r.reason, "test plugin says no");

	plugin_host_changed("project", 3, "baltic");
	finish(&app);
	f = fopen(logf, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(
	        strncmp(line, "7 event_reminder anna@example.se 1 ", 35), 0);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "changed project 3 baltic\n");
	fclose(f);
}

/* A plugin built for ABI 1 sees a prefix of struct cv_host and is loaded. */
static void test_older_abi_is_loaded(void **st)
{
	struct app app;
	struct result r = {0};
	char err[512] = "";
	struct cv_message m = {.size = sizeof(m), .id = 1, .kind = "k"};

	assert_int_equal(start(&app, "[plugin old]\nfile = oldabi.so\n", err,
	                       sizeof(err)),
	                 0);
	plugin_host_on_done(on_done, &r);
	assert_int_equal(plugin_deliver("old", &m, 11), 0);
	wait_for(&app, &r, 1);
	assert_int_equal(r.token, 11);
	assert_int_equal(r.res, CV_OK);
	finish(&app);
}

/* ERR must be exactly "w: KEY: " followed by WHY. */
static void assert_err(const char *err, const char *key, const char *why)
{
	char want[512];

	snprintf(want, sizeof(want), "w: %s: %s", key, why);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("expected \"%s...\", got \"%s\"", want, err);
}

static void test_conf_int_and_bool(void **st)
{
	static const struct {
		const char *v;
		int b;
	} bools[] = {{"yes", 1}, {"no", 0},  {"true", 1}, {"false", 0},
	             {"on", 1},  {"off", 0}, {"1", 1},    {"0", 0},
	             {"YES", 1}, {"Off", 0}};
	char err[512];
	long n = 5;
	int b = 7;

	assert_int_equal(plugin_conf_int("w: ", "count", NULL, 0, 9, &n, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(n, 5); /* absent: the default stays */
	assert_int_equal(plugin_conf_int("w: ", "count", "42", 0, 100, &n, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(n, 42);
	assert_int_equal(plugin_conf_int("w: ", "count", "-7", -10, 10, &n, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(n, -7);
	assert_int_equal(plugin_conf_int("w: ", "count", "4x", 0, 100, &n, err,
	                                 sizeof(err)),
	                 -1);
	assert_err(err, "count", "'4x' is not a whole number");
	assert_int_equal(plugin_conf_int("w: ", "count", "", 0, 100, &n, err,
	                                 sizeof(err)),
	                 -1);
	assert_err(err, "count", "'' is not a whole number");
	assert_int_equal(plugin_conf_int("w: ", "count", "99999999999999999999",
	                                 0, 100, &n, err, sizeof(err)),
	                 -1);
	assert_err(err, "count", "'99999999999999999999' is not a whole");
	assert_int_equal(plugin_conf_int("w: ", "count", "101", 0, 100, &n, err,
	                                 sizeof(err)),
	                 -1);
	assert_err(err, "count", "101 is out of range (0..100)");
	assert_int_equal(n, -7); /* a bad value leaves *out alone */

	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		b = 7;
		assert_int_equal(plugin_conf_bool("w: ", "flag", bools[i].v, &b,
		                                  err, sizeof(err)),
		                 0);
		assert_int_equal(b, bools[i].b);
	}
	assert_int_equal(
	        plugin_conf_bool("w: ", "flag", "maybe", &b, err, sizeof(err)),
	        -1);
	assert_err(err, "flag", "'maybe' is not yes or no");
	assert_int_equal(
	        plugin_conf_bool("w: ", "flag", "yess", &b, err, sizeof(err)),
	        -1);
	assert_err(err, "flag", "'yess' is not yes or no");
}

static void test_conf_size_and_duration(void **st)
{
	static const struct {
		const char *v;
		size_t n;
	} sizes[] = {{"512", 512},       {"64k", 65536},
	             {"64KB", 65536},    {"10M", 10485760},
	             {"1G", 1073741824}, {"2gb", 2147483648u}};
	static const struct {
		const char *v;
		long s;
	} durs[] = {{"90", 90},        {"90s", 90},     {"5m", 300},
	            {"2h", 7200},      {"1d", 86400},   {"PT5M", 300},
	            {"P1DT1H", 90000}, {"P2W", 1209600}};
	static const char *const bad_sizes[] = {"12q",  "-1",  "k",
	                                        "1.5M", "1 k", "0x10"};
	static const char *const bad_durs[] = {"5x",  "1w", "5mm", "-5s",
	                                       "P1Y", "h",  "1.5h"};
	char err[512], why[256];
	size_t z = 3;
	long s = 3;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(plugin_conf_size("w: ", "buffer", sizes[i].v,
		                                  1, (size_t)1 << 40, &z, err,
		                                  sizeof(err)),
		                 0);
		assert_int_equal(z, sizes[i].n);
	}
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		assert_int_equal(plugin_conf_size("w: ", "buffer", bad_sizes[i],
		                                  1, 1000, &z, err,
		                                  sizeof(err)),
		                 -1);
		snprintf(why, sizeof(why), "'%s' is not a size", bad_sizes[i]);
		assert_err(err, "buffer", why);
	}
	/* overflow is caught before the unit is applied */
	assert_int_equal(plugin_conf_size("w: ", "buffer",
	                                  "18446744073709551615k", 1, SIZE_MAX,
	                                  &z, err, sizeof(err)),
	                 -1);
	assert_err(err, "buffer", "18446744073709551615k is out of range");
	assert_int_equal(plugin_conf_size("w: ", "buffer",
	                                  "99999999999999999999999", 1,
	                                  SIZE_MAX, &z, err, sizeof(err)),
	                 -1);
	assert_err(err, "buffer", "99999999999999999999999 is out of range");
	assert_int_equal(plugin_conf_size("w: ", "buffer", "1k", 2048, 4096, &z,
	                                  err, sizeof(err)),
	                 -1);
	assert_err(err, "buffer", "1k is out of range (2048..4096 bytes)");
	assert_int_equal(z, 2147483648u);

	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		assert_int_equal(plugin_conf_duration("w: ", "every", durs[i].v,
		                                      0, 30 * 86400, &s, err,
		                                      sizeof(err)),
		                 0);
		assert_int_equal(s, durs[i].s);
	}
	for (size_t i = 0; i < sizeof(bad_durs) / sizeof(bad_durs[0]); i++) {
		assert_int_equal(plugin_conf_duration("w: ", "every",
		                                      bad_durs[i], 0, 86400, &s,
		                                      err, sizeof(err)),
		                 -1);
		snprintf(why, sizeof(why), "'%s' is not a duration",
		         bad_durs[i]);
		assert_err(err, "every", why);
	}
	assert_int_equal(plugin_conf_duration("w: ", "every",
	                                      "99999999999999999d", 0, LONG_MAX,
	                                      &s, err, sizeof(err)),
	                 -1);
	assert_err(err, "every", "99999999999999999d is out of range");
	assert_int_equal(plugin_conf_duration("w: ", "every", "0s", 1, 60, &s,
	                                      err, sizeof(err)),
	                 -1);
	assert_err(err, "every", "0s is out of range (1..60 seconds)");
	assert_int_equal(s, 1209600);
}

static void test_conf_path(void **st)
{
	const char *p = "unset";
	char err[512];

	assert_int_equal(
	        plugin_conf_path("w: ", "dir", NULL, 0, &p, err, sizeof(err)),
	        0);
	assert_string_equal(p, "unset");
	assert_int_equal(plugin_conf_path("w: ", "dir", NULL, CV_PATH_REQUIRED,
	                                  &p, err, sizeof(err)),
	                 -1);
	assert_err(err, "dir", "required (a path)");
	assert_int_equal(plugin_conf_path("w: ", "dir", "/var/x", 0, &p, err,
	                                  sizeof(err)),
	                 0);
	assert_string_equal(p, "/var/x");
	assert_int_equal(plugin_conf_path("w: ", "dir", "/etc/hostname",
	                                  CV_PATH_READABLE, &p, err,
	                                  sizeof(err)),
	                 0);
	assert_string_equal(p, "/etc/hostname");
	assert_int_equal(
	        plugin_conf_path("w: ", "dir", "", 0, &p, err, sizeof(err)),
	        -1);
	assert_err(err, "dir", "empty path");
	assert_int_equal(plugin_conf_path("w: ", "dir", "/tmp/a\nb", 0, &p, err,
	                                  sizeof(err)),
	                 -1);
	assert_err(err, "dir", "control character in the path");
	assert_int_equal(plugin_conf_path("w: ", "ca_file", "/nonexistent/ca",
	                                  CV_PATH_READABLE, &p, err,
	                                  sizeof(err)),
	                 -1);
	assert_err(err, "ca_file",
	           "cannot read /nonexistent/ca: No such file or directory");
	assert_string_equal(p, "/etc/hostname");
}

static int count_lines(const char *file, const char *line)
{
	char buf[256];
	int n = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (strcmp(buf, line) == 0)
			n++;
	fclose(f);
	return n;
}

/* Through the real host: values with units, file:line in errors, shutdown
 * once for a plugin whose init succeeded and never for one that failed. */
static void test_getters_through_the_host(void **st)
{
	struct app app;
	char err[512] = "", rec[128], sections[512];

	snprintf(rec, sizeof(rec), "%s/record", dir);
	unlink(rec);
	snprintf(sections, sizeof(sections),
	         "[plugin rec]\nfile = recorder.so\nrecord_file = %s\n"
	         "count = 3\nflag = on\nbuffer = 64k\nevery = 5m\n",
	         rec);
	assert_int_equal(start(&app, sections, err, sizeof(err)), 0);
	assert_int_equal(
	        count_lines(rec,
	                    "init count=3 flag=1 buffer=65536 every=300\n"),
	        1);
	assert_int_equal(count_lines(rec, "shutdown\n"), 0);
	plugin_host_stop();
	plugin_host_stop(); /* safe twice, shutdown still once */
	finish(&app);
	assert_int_equal(count_lines(rec, "shutdown\n"), 1);

	unlink(rec);
	snprintf(sections, sizeof(sections),
	         "[plugin rec]\nfile = recorder.so\nrecord_file = %s\n"
	         "count = 500\n",
	         rec);
	assert_int_equal(start(&app, sections, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/recorder.so: plugin rec failed to start: "
	                            "test.conf:7: [plugin rec] count: 500 is "
	                            "out of range (0..100)"));
	finish(&app);
	assert_int_equal(count_lines(rec, "shutdown\n"), 0);

	assert_int_equal(start(&app,
	                       "[plugin rec]\nfile = recorder.so\n"
	                       "every = soon\n",
	                       err, sizeof(err)),
	                 -1);
	/* an absent key: the section's line (inih reports its first key's) */
	assert_non_null(strstr(err, "test.conf:5: [plugin rec] record_file: "
	                            "required (a path)"));
	finish(&app);

	snprintf(sections, sizeof(sections),
	         "[plugin rec]\nfile = recorder.so\nrecord_file = %s\n"
	         "every = soon\n",
	         rec);
	assert_int_equal(start(&app, sections, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "test.conf:7: [plugin rec] every: 'soon' "
	                            "is not a duration"));
	finish(&app);
}

/* The shipped plugins read their keys through the getters: bad values are
 * refused naming the key, with file:line. */
static void test_shipped_plugins_use_the_getters(void **st)
{
	static const struct {
		const char *sections, *want;
	} cases[] = {
	        {"[plugin spool]\nmaildir = /tmp/x\nwriters = 9\n",
	         "test.conf:6: [plugin spool] writers: 9 is out of range "
	         "(1..8)"},
	        {"[plugin spool]\nmaildir = /tmp/x\nfsync = maybe\n",
	         "test.conf:6: [plugin spool] fsync: 'maybe' is not yes or no"},
	        {"[plugin spool]\nfsync = off\n",
	         "test.conf:5: [plugin spool] maildir: required (a path)"},
	        {"[plugin ics]\nfile = ics.so\n",
	         "test.conf:5: [plugin ics] dir: required (a path)"},
	        {"[plugin ics]\ndir = /tmp/a\tb\n",
	         "test.conf:5: [plugin ics] dir: control character in the "
	         "path"},
	};
	struct app app;
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		        start(&app, cases[i].sections, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].want))
			fail_msg("expected \"%s\" in \"%s\"", cases[i].want,
			         err);
		finish(&app);
	}
}

static char *read_new_file(const char *maildir)
{
	char path[512];
	DIR *d;
	struct dirent *e;
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/new", maildir);
	d = opendir(path);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			FILE *f;
			size_t n;
			snprintf(path, sizeof(path), "%s/new/%s", maildir,
			         e->d_name);
			assert_non_null(strstr(e->d_name, "_41."));
			f = fopen(path, "r");
			assert_non_null(f);
			buf = calloc(1, 65536);
			n = fread(buf, 1, 65535, f);
			buf[n] = '\0';
			fclose(f);
			unlink(path);
			break;
		}
	closedir(d);
	assert_non_null(buf);
	return buf;
}

static void test_spool_writes_maildir(void **st)
{
	struct app app;
	struct result r = {0};
	char err[512] = "", sections[512], maildir[128], path[256];
	struct stat sb;
	char *mail;
	const struct mail_sender sender = {.from = "noreply@events.example.org",
	                                   .from_name = "convened"};
	struct cv_message m = {.size = sizeof(m),
	                       .id = 41,
	                       .kind = "registration_confirmed",
	                       .recipient = "anna@example.se",
	                       .recipient_name = "Åsa Öberg",
	                       .message_id =
	                               "<outbox-41.abc@events.example.org>",
	                       .subject = "Du är anmäld: Seminarium i Malmö",
	                       .text = "Hej Åsa,\nline = with equals\n",
	                       .ical = "BEGIN:VCALENDAR\r\nMETHOD:"
	                               "REQUEST\r\nEND:VCALENDAR\r\n",
	                       .ical_method = "REQUEST"};

	snprintf(maildir, sizeof(maildir), "%s/Maildir", dir);
	snprintf(sections, sizeof(sections),
	         "[plugin spool]\nchannels = email\nmaildir = %s\nfsync = no\n",
	         maildir);
	assert_int_equal(start(&app, sections, err, sizeof(err)), 0);
	plugin_host_on_done(on_done, &r);
	snprintf(path, sizeof(path), "%s/cur", maildir);
	assert_int_equal(stat(path, &sb), 0);

	m.raw = mail_out_build(&m, &sender, 1790000000, &m.raw_len, err,
	                       sizeof(err));
	assert_non_null(m.raw);
	m.from = sender.from;
	assert_int_equal(plugin_deliver("email", &m, 5), 0);
	wait_for(&app, &r, 1);
	assert_int_equal(r.res, CV_OK);
	/* exactly the host's bytes: CRLF, encoded words, QP as built */
	mail = read_new_file(maildir);
	assert_int_equal(strlen(mail), m.raw_len);
	assert_memory_equal(mail, m.raw, m.raw_len);
	assert_non_null(strstr(mail, "\r\nX-Convened-Outbox-Id: 41\r\n"));
	assert_non_null(strstr(mail, "Hej =C3=85sa,\r\nline =3D with equals"));
	free(mail);

	/* a host that hands no finished message: refused for good */
	m.size = offsetof(struct cv_message, raw);
	assert_int_equal(plugin_deliver("email", &m, 6), 0);
	wait_for(&app, &r, 2);
	assert_int_equal(r.res, CV_FAIL);
	assert_non_null(strstr(r.reason, "finished message"));
	m.size = sizeof(m);

	/* an unwritable maildir is a temporary failure with the errno text */
	snprintf(path, sizeof(path), "%s/tmp", maildir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(plugin_deliver("email", &m, 8), 0);
	wait_for(&app, &r, 3);
	assert_int_equal(r.res, CV_RETRY);
	assert_non_null(strstr(r.reason, "No such file or directory"));
	free((char *)m.raw);
	finish(&app);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_refused_with_file_and_reason),
	        cmocka_unit_test(test_routes_and_results),
	        cmocka_unit_test(test_older_abi_is_loaded),
	        cmocka_unit_test(test_conf_int_and_bool),
	        cmocka_unit_test(test_conf_size_and_duration),
	        cmocka_unit_test(test_conf_path),
	        cmocka_unit_test(test_getters_through_the_host),
	        cmocka_unit_test(test_shipped_plugins_use_the_getters),
	        cmocka_unit_test(test_spool_writes_maildir),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
