/* test_plugin_host.c - plugin host: loads real plugins built from source,
 * refuses bad ones with the file and the reason, routes channels, carries
 * results back through the loop; the spool plugin writes the host's bytes to a
 * maildir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "mail_out.h"
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
	assert_non_null(strstr(err, "/badabi.so: plugin ABI version 2, this "
	                            "convened needs 1"));
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
	        cmocka_unit_test(test_spool_writes_maildir),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
