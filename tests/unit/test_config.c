/* test_config.c - config parsing: defaults, every key type, every rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char *TOKEN = "0123456789abcdef0123456789abcdef";

static void test_defaults(void **state)
{
	char err[512] = "";
	struct config *c = config_load_string("", "t.conf", err, sizeof(err));
	size_t n;
	char *const *offs;
	(void)state;

	assert_non_null(c);
	assert_string_equal(c->listen, "127.0.0.1");
	assert_int_equal(c->port, 8080);
	assert_int_equal(c->db_pool_size, 4);
	assert_int_equal(c->http_max_body, 1024 * 1024);
	assert_int_equal(c->migrate, 1);
	assert_null(c->admin_token);
	assert_null(c->privacy_retention);
	assert_int_equal(c->privacy_check_s, 3600);
	offs = config_reminders_for(c, "grant_submission", &n);
	assert_int_equal(n, 4);
	assert_string_equal(offs[0], "P30D");
	assert_string_equal(offs[3], "PT2H");
	offs = config_reminders_for(c, "seminar", &n);
	assert_int_equal(n, 2);
	assert_string_equal(offs[1], "P1D");
	config_free(c);
}

static void test_full(void **state)
{
	char err[512] = "", text[2048];
	struct config *c;
	size_t n;
	(void)state;

	snprintf(text, sizeof(text),
	         "; comment\n"
	         "[convened]\nlisten = ::1\nport = 9000\n"
	         "base_url = https://events.example.org\n"
	         "admin_token = %s\nmigrate = no\n"
	         "[database]\nconninfo = host=/tmp dbname=x\npool_size = 8\n"
	         "[http]\nmax_body_size = 64k\nmax_header_size = 16384\n"
	         "[outbox]\nbatch_size = 50\n"
	         "[reminders]\nseminar = P14D, PT2H\nreport = none\n"
	         "[calendar]\norganizer = sec@example.org\n"
	         "refresh_interval = PT30M\n"
	         "[plugin email]\nchannels = email\nhost = 127.0.0.1\n"
	         "port = 25\n"
	         "[plugin spool]\nfile = spool.so\nmaildir = /tmp/m\n",
	         TOKEN);
	c = config_load_string(text, "t.conf", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->listen, "::1");
	assert_int_equal(c->port, 9000);
	assert_string_equal(c->base_url, "https://events.example.org");
	assert_string_equal(c->admin_token, TOKEN);
	assert_int_equal(c->migrate, 0);
	assert_int_equal(c->db_pool_size, 8);
	assert_int_equal(c->http_max_body, 64 * 1024);
	assert_int_equal(c->outbox_batch, 50);
	assert_string_equal(config_reminders_for(c, "seminar", &n)[0], "P14D");
	assert_int_equal(n, 2);
	config_reminders_for(c, "report", &n);
	assert_int_equal(n, 0);
	assert_int_equal(c->nplugins, 2);
	assert_string_equal(c->plugins[0].name, "email");
	assert_string_equal(c->plugins[0].file, "email.so");
	assert_string_equal(c->plugins[0].channels, "email");
	assert_string_equal(config_plugin_get(&c->plugins[0], "host"),
	                    "127.0.0.1");
	assert_int_equal(c->plugins[0].kv[0].line, 24);
	assert_string_equal(config_plugin_get(&c->plugins[1], "maildir"),
	                    "/tmp/m");
	assert_null(config_plugin_get(&c->plugins[1], "nope"));
	config_free(c);
}

struct bad {
	const char *text;
	const char *want; /* substring of the error, incl. line */
};

static void test_rejections(void **state)
{
	static const struct bad cases[] = {
	        {"[nope]\nx = 1\n", "t.conf:2: unknown section [nope]"},
	        {"[convened]\nfoo = 1\n",
	         "t.conf:2: [convened] unknown key 'foo'"},
	        {"[convened]\nport = 0\n",
	         "t.conf:2: [convened] port: 0 is out of range"},
	        {"[convened]\nport = 70000\n", "port: 70000 is out of range"},
	        {"[convened]\nport = 80x\n",
	         "port: '80x' is not a whole number"},
	        {"[convened]\nlisten = localhost\n",
	         "listen: 'localhost' is not a numeric"},
	        {"[convened]\nbase_url = ftp://x\n",
	         "base_url: 'ftp://x' is not an http"},
	        {"[convened]\nadmin_token = short\n",
	         "admin_token: a token must be at least 32"},
	        {"[convened]\nmigrate = maybe\n",
	         "migrate: 'maybe' is not yes or no"},
	        {"[convened]\nport =\n",
	         "t.conf:2: [convened] port: empty value"},
	        {"[database]\npool_size = 100\n",
	         "pool_size: 100 is out of range"},
	        {"[database]\nreconnect_min_ms = 5000\nreconnect_max_ms = "
	         "1000\n",
	         "reconnect_max_ms is below reconnect_min_ms"},
	        {"[http]\nmax_body_size = 1\n",
	         "max_body_size: 1 is out of range"},
	        {"[reminders]\nparty = P1D\n",
	         "t.conf:2: [reminders] unknown kind 'party'"},
	        {"[reminders]\nseminar = P1D, 7 days\n",
	         "seminar: '7' is not an ISO 8601"},
	        {"[reminders]\nseminar = P1Y\n", "'P1Y' is not an ISO 8601"},
	        {"[calendar]\norganizer = nobody\n",
	         "organizer: 'nobody' is not an email"},
	        {"[calendar]\nrefresh_interval = 1h\n",
	         "refresh_interval: '1h' is not an ISO"},
	        {"[plugin Bad!]\nx = 1\n", "plugin name must be"},
	        {"[plugin x]\nk = 1\nk = 2\n",
	         "t.conf:3: [plugin x] k: key given twice"},
	        {"garbage line\n", "t.conf:1: syntax error"},
	        {"[convened]\nadmin_token = 0123456789abcdef0123456789abcdef\n"
	         "admin_token_file = /x\n",
	         "admin_token or admin_token_file, not both"},
	        {"[convened]\nadmin_token_file = /nonexistent/tok\n",
	         "admin_token_file /nonexistent/tok: No such file"},
	        {"[privacy]\nretention = 1 year\n",
	         "t.conf:2: [privacy] retention: '1 year' is not an ISO 8601"},
	        {"[privacy]\ncheck_interval = 0\n",
	         "[privacy] check_interval: 0 is out of range"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		struct config *c = config_load_string(cases[i].text, "t.conf",
		                                      err, sizeof(err));
		if (c != NULL || strstr(err, cases[i].want) == NULL) {
			print_error("case %zu: got '%s', want '%s'\n", i, err,
			            cases[i].want);
			fail();
		}
	}
}

static void test_token_file(void **state)
{
	char path[] = "/tmp/cvtokXXXXXX", text[256], err[512] = "";
	int fd = mkstemp(path);
	struct config *c;
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(
	        write(fd, "abcdefabcdefabcdefabcdefabcdefabcdef\n", 37), 37);
	close(fd);
	snprintf(text, sizeof(text), "[convened]\nadmin_token_file = %s\n",
	         path);
	c = config_load_string(text, "t.conf", err, sizeof(err));
	unlink(path);
	assert_non_null(c);
	assert_string_equal(c->admin_token,
	                    "abcdefabcdefabcdefabcdefabcdefabcdef");
	config_free(c);
}

static void test_load_missing_file(void **state)
{
	char err[512] = "";
	(void)state;

	assert_null(
	        config_load("/nonexistent/convened.conf", err, sizeof(err)));
	assert_non_null(
	        strstr(err, "/nonexistent/convened.conf: No such file"));
}

static void test_durations(void **state)
{
	static const struct {
		const char *s;
		int ok, days;
		long secs;
	} cases[] = {
	        {"P30D", 1, 30, 0},     {"P2W", 1, 14, 0},
	        {"PT2H", 1, 0, 7200},   {"PT15M", 1, 0, 900},
	        {"P1DT2H", 1, 1, 7200}, {"PT90S", 1, 0, 90},
	        {"P", 0, 0, 0},         {"PT", 0, 0, 0},
	        {"P1H", 0, 0, 0},       {"PT1D", 0, 0, 0},
	        {"P1Y", 0, 0, 0},       {"P1M", 0, 0, 0},
	        {"1D", 0, 0, 0},        {"P-1D", 0, 0, 0},
	        {"P1D ", 0, 0, 0},      {"P99999D", 0, 0, 0},
	        {"PTT1H", 0, 0, 0},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int d = -1;
		long s = -1;
		int rc = config_parse_duration(cases[i].s, &d, &s);
		if ((rc == 0) != cases[i].ok) {
			print_error("%s: rc %d\n", cases[i].s, rc);
			fail();
		}
		if (cases[i].ok) {
			assert_int_equal(d, cases[i].days);
			assert_int_equal(s, cases[i].secs);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_full),
	        cmocka_unit_test(test_rejections),
	        cmocka_unit_test(test_token_file),
	        cmocka_unit_test(test_load_missing_file),
	        cmocka_unit_test(test_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
