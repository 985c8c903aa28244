/* test_email_plugin.c - the real email.so, driven through its plugin ABI by a
 * small host of our own (messages built by the daemon's mail_out), against
 * the real SMTP server tests/integration/smtpd.py (aiosmtpd): batching, 451,
 * 550, STARTTLS+AUTH, server down, the host's bytes sent unchanged. */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail_out.h"
#include "plugin.h"
#include "plugin_conf.h"

#define MAXJOBS 600

/* ---- the test host ---------------------------------------------------- */

struct cv_plugin_ctx {
	const char *const *kv; /* key, value, ..., NULL */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done_count;
static int calls[MAXJOBS];
static enum cv_result results[MAXJOBS];
static char *reasons[MAXJOBS];

static void h_log(struct cv_plugin_ctx *ctx, enum cv_log_level level,
                  const char *fmt, ...)
{
	va_list ap;

	if (level > CV_LOG_WARN && getenv("EMAIL_TEST_VERBOSE") == NULL)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "email: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static const char *h_conf(struct cv_plugin_ctx *ctx, const char *key)
{
	for (const char *const *p = ctx->kv; *p != NULL; p += 2)
		if (strcmp(p[0], key) == 0)
			return p[1];
	return NULL;
}

/* The typed getters, with the daemon's own checks (plugin_conf.c). */
static int h_conf_int(struct cv_plugin_ctx *ctx, const char *key, long min,
                      long max, long *out, char *err, size_t errlen)
{
	return plugin_conf_int("", key, h_conf(ctx, key), min, max, out, err,
	                       errlen);
}

static int h_conf_bool(struct cv_plugin_ctx *ctx, const char *key, int *out,
                       char *err, size_t errlen)
{
	return plugin_conf_bool("", key, h_conf(ctx, key), out, err, errlen);
}

static int h_conf_size(struct cv_plugin_ctx *ctx, const char *key, size_t min,
                       size_t max, size_t *out, char *err, size_t errlen)
{
	return plugin_conf_size("", key, h_conf(ctx, key), min, max, out, err,
	                        errlen);
}

static int h_conf_duration(struct cv_plugin_ctx *ctx, const char *key,
                           long min_s, long max_s, long *out_s, char *err,
                           size_t errlen)
{
	return plugin_conf_duration("", key, h_conf(ctx, key), min_s, max_s,
	                            out_s, err, errlen);
}

static int h_conf_path(struct cv_plugin_ctx *ctx, const char *key,
                       unsigned flags, const char **out, char *err,
                       size_t errlen)
{
	return plugin_conf_path("", key, h_conf(ctx, key), flags, out, err,
	                        errlen);
}

static void h_done(struct cv_plugin_ctx *ctx, uint64_t token,
                   enum cv_result result, unsigned retry_after_s,
                   const char *reason)
{
	pthread_mutex_lock(&mu);
	if (token < MAXJOBS) {
		calls[token]++;
		results[token] = result;
		free(reasons[token]);
		reasons[token] = reason ? strdup(reason) : NULL;
	}
	done_count++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static const struct cv_host host = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_host),
        .log = h_log,
        .conf = h_conf,
        .done = h_done,
        .conf_int = h_conf_int,
        .conf_bool = h_conf_bool,
        .conf_size = h_conf_size,
        .conf_duration = h_conf_duration,
        .conf_path = h_conf_path,
};

static void reset_results(void)
{
	pthread_mutex_lock(&mu);
	done_count = 0;
	for (int i = 0; i < MAXJOBS; i++) {
		calls[i] = 0;
		results[i] = -1;
		free(reasons[i]);
		reasons[i] = NULL;
	}
	pthread_mutex_unlock(&mu);
}

/* Wait until N results arrived (at most SECS seconds); returns the count. */
static int wait_done(int n, int secs)
{
	struct timespec until;
	int got;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&mu);
	while (done_count < n &&
	       pthread_cond_timedwait(&cv, &mu, &until) != ETIMEDOUT)
		;
	got = done_count;
	pthread_mutex_unlock(&mu);
	return got;
}

/* ---- paths, the plugin, the server ------------------------------------ */

static char exe_dir[PATH_MAX];
static const struct cv_plugin *plugin;
static void *dl;

/* PATH relative to the directory of this binary (build/tests/unit). */
static void from_exe(char *out, size_t outlen, const char *rel)
{
	if ((size_t)snprintf(out, outlen, "%s/%s", exe_dir, rel) >= outlen)
		out[0] = '\0';
}

static void load_plugin(void)
{
	char path[PATH_MAX];
	const char *env = getenv("CONVENED_EMAIL_SO");
	cv_plugin_entry_fn entry;

	if (env != NULL)
		snprintf(path, sizeof path, "%s", env);
	else
		from_exe(path, sizeof path, "../../plugins/email.so");
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		exit(1);
	}
	entry = (cv_plugin_entry_fn)dlsym(dl, CV_PLUGIN_ENTRY_SYMBOL);
	if (entry == NULL) {
		fprintf(stderr, "%s: no %s\n", path, CV_PLUGIN_ENTRY_SYMBOL);
		exit(1);
	}
	plugin = entry();
}

struct server {
	pid_t pid;
	int port;
	char dir[64];
};

static char tmp_root[] = "/tmp/test_email_plugin_XXXXXX";
static pid_t live[32]; /* servers not stopped yet (a test failed) */

/* Start smtpd.py with extra ARGS (NULL-terminated) in a new directory. */
static void server_start(struct server *s, const char *name, ...)
{
	char script[PATH_MAX], ready[128], *argv[32];
	const char *a;
	va_list ap;
	int argc = 0, i;
	FILE *f;

	from_exe(script, sizeof script, "../../../tests/integration/smtpd.py");
	snprintf(s->dir, sizeof s->dir, "%s/%s", tmp_root, name);
	argv[argc++] = "/usr/bin/python3";
	argv[argc++] = script;
	argv[argc++] = "--port";
	argv[argc++] = "0";
	argv[argc++] = "--dir";
	argv[argc++] = s->dir;
	va_start(ap, name);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 31)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 32; i++)
		if (live[i] == 0) {
			live[i] = s->pid;
			break;
		}
	snprintf(ready, sizeof ready, "%s/ready", s->dir);
	for (i = 0; i < 200; i++) { /* up to 20 s */
		f = fopen(ready, "r");
		if (f != NULL) {
			assert_int_equal(fscanf(f, "%d", &s->port), 1);
			fclose(f);
			return;
		}
		usleep(100000);
	}
	fail_msg("smtpd.py did not start");
}

static void server_stop(struct server *s)
{
	int st;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, &st, 0);
		for (int i = 0; i < 32; i++)
			if (live[i] == s->pid)
				live[i] = 0;
	}
	s->pid = 0;
}

/* Lines in DIR/FILE (0 when absent). */
static int count_lines(const char *dir, const char *file)
{
	char path[256], line[4096];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		n++;
	fclose(f);
	return n;
}

/* Lines in DIR/messages.jsonl containing NEEDLE. */
static int count_matching(const char *dir, const char *needle)
{
	char path[256], line[4096];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/messages.jsonl", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

/* ---- helpers for one plugin instance ----------------------------------- */

static struct cv_plugin_ctx ctx;

static void *start_plugin(const char *const *kv)
{
	void *state = NULL;
	char err[256] = "";

	ctx.kv = kv;
	if (plugin->init(&ctx, &host, &state, err, sizeof err) != 0)
		fail_msg("init failed: %s", err);
	return state;
}

static char subjects[MAXJOBS][64], rcpts[MAXJOBS][64], mids[MAXJOBS][64];

static void deliver(void *state, int token, const char *rcpt,
                    const char *subject)
{
	struct cv_message m = {
	        .size = sizeof m,
	        .id = token,
	        .kind = "registration_confirmed",
	        .channel = "email",
	        .recipient = rcpt,
	        .recipient_name = "Zoë Łukasiewicz",
	        .language = "pl",
	        .message_id = mids[token],
	        .subject = subject,
	        .text = "Dzień dobry,\npotwierdzamy rejestrację.\n",
	        .created_at = 1700000000,
	};

	static const struct mail_sender sender = {.from = "events@example.org"};
	char err[256];
	char *raw;

	snprintf(mids[token], sizeof mids[token], "<outbox.%d@example.org>",
	         token);
	raw = mail_out_build(&m, &sender, 1700000000, &m.raw_len, err,
	                     sizeof err);
	if (raw == NULL)
		fail_msg("mail_out_build: %s", err);
	m.raw = raw;
	m.from = sender.from;
	assert_int_equal(plugin->deliver(state, &m, (uint64_t)token), 0);
	free(raw); /* the plugin keeps its own copy */
}

static char port_str[16];

static const char *port_of(const struct server *s)
{
	snprintf(port_str, sizeof port_str, "%d", s->port);
	return port_str;
}

/* ---- tests ------------------------------------------------------------- */

static void test_batch_500(void **unused)
{
	struct server s;
	void *st;
	int i, ok = 0, sessions;

	server_start(&s, "batch", NULL);
	const char *kv[] = {"host",      "127.0.0.1",   "port",
	                    port_of(&s), "from",        "events@example.org",
	                    "from_name", "Sekretariat", "workers",
	                    "4",         "per_session", "50",
	                    "starttls",  "off",         NULL};
	reset_results();
	st = start_plugin(kv);
	for (i = 0; i < 500; i++) {
		snprintf(rcpts[i], sizeof rcpts[i], "p%03d@example.se", i);
		snprintf(subjects[i], sizeof subjects[i], "Message %d", i);
		deliver(st, i, rcpts[i], subjects[i]);
	}
	assert_int_equal(wait_done(500, 120), 500);
	for (i = 0; i < 500; i++) {
		assert_int_equal(calls[i], 1);
		if (results[i] == CV_OK)
			ok++;
		else
			fprintf(stderr, "token %d: %d %s\n", i, results[i],
			        reasons[i] ? reasons[i] : "");
	}
	assert_int_equal(ok, 500);
	plugin->shutdown(st);
	assert_int_equal(count_lines(s.dir, "messages.jsonl"), 500);
	assert_int_equal(count_matching(s.dir, "\"p250@example.se\""), 1);
	sessions = count_lines(s.dir, "sessions.log");
	fprintf(stderr, "500 messages over %d sessions\n", sessions);
	/* ceil(500/50) = 10 full sessions, plus a few short ones while the
	 * queue was filling (usually at most one per worker; generous here for
	 * a loaded machine).  One message per session would make 500. */
	assert_true(sessions >= 10);
	assert_true(sessions <= 25);
	server_stop(&s);
}

static void test_tempfail_451(void **unused)
{
	struct server s;
	void *st;

	server_start(&s, "tempfail", "--tempfail-first", "3", NULL);
	const char *kv[] = {"host",      "127.0.0.1", "port",
	                    port_of(&s), "from",      "events@example.org",
	                    "workers",   "1",         "starttls",
	                    "off",       NULL};
	reset_results();
	st = start_plugin(kv);
	for (int i = 0; i < 5; i++) {
		snprintf(rcpts[i], sizeof rcpts[i], "t%d@example.se", i);
		deliver(st, i, rcpts[i], "Tempfail");
	}
	assert_int_equal(wait_done(5, 60), 5);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(results[i], CV_RETRY);
		assert_non_null(strstr(reasons[i], "451"));
	}
	assert_int_equal(results[3], CV_OK);
	assert_int_equal(results[4], CV_OK);
	assert_null(reasons[3]);
	/* the retry of a deferred message goes through */
	deliver(st, 5, rcpts[0], "Tempfail again");
	assert_int_equal(wait_done(6, 60), 6);
	assert_int_equal(results[5], CV_OK);
	plugin->shutdown(st);
	assert_int_equal(count_lines(s.dir, "messages.jsonl"), 3);
	assert_int_equal(count_matching(s.dir, "\"t0@example.se\""), 1);
	server_stop(&s);
}

static void test_fail_550_one_recipient(void **unused)
{
	struct server s;
	void *st;

	server_start(&s, "fail550", "--fail-rcpt", "bad@example.org:550", NULL);
	const char *kv[] = {"host",      "127.0.0.1", "port",
	                    port_of(&s), "from",      "events@example.org",
	                    "workers",   "1",         NULL};
	reset_results();
	st = start_plugin(kv);
	deliver(st, 0, "good1@example.org", "One");
	deliver(st, 1, "bad@example.org", "Two");
	deliver(st, 2, "good2@example.org", "Three");
	assert_int_equal(wait_done(3, 60), 3);
	assert_int_equal(results[0], CV_OK);
	assert_int_equal(results[1], CV_FAIL);
	assert_int_equal(results[2], CV_OK);
	assert_non_null(strstr(reasons[1], "550"));
	assert_non_null(strstr(reasons[1], "mailbox unavailable (test)"));
	plugin->shutdown(st);
	assert_int_equal(count_lines(s.dir, "messages.jsonl"), 2);
	assert_int_equal(count_matching(s.dir, "bad@example.org"), 0);
	server_stop(&s);
}

static void make_cert(char *cert, char *key, size_t len)
{
	char cmd[1024];

	snprintf(cert, len, "%s/cert.pem", tmp_root);
	snprintf(key, len, "%s/key.pem", tmp_root);
	snprintf(cmd, sizeof cmd,
	         "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	         "-subj /CN=localhost -addext subjectAltName=DNS:localhost "
	         "-keyout %s -out %s 2>/dev/null",
	         key, cert);
	assert_int_equal(system(cmd), 0);
}

static void test_starttls_auth(void **unused)
{
	struct server s;
	char cert[256], key[256], pwfile[256];
	void *st;
	FILE *f;

	make_cert(cert, key, sizeof cert);
	snprintf(pwfile, sizeof pwfile, "%s/password", tmp_root);
	f = fopen(pwfile, "w");
	assert_non_null(f);
	fputs("s3cret\n", f);
	fclose(f);
	server_start(&s, "tls", "--tls-cert", cert, "--tls-key", key,
	             "--require-starttls", "--auth", "mailer:s3cret", NULL);

	/* right password, CA trusted: delivered over TLS with AUTH */
	const char *kv[] = {"host",
	                    "localhost",
	                    "port",
	                    port_of(&s),
	                    "from",
	                    "events@example.org",
	                    "starttls",
	                    "required",
	                    "user",
	                    "mailer",
	                    "password_file",
	                    pwfile,
	                    "ca_file",
	                    cert,
	                    "workers",
	                    "2",
	                    "timeout_ms",
	                    "30000",
	                    NULL};
	reset_results();
	st = start_plugin(kv);
	for (int i = 0; i < 3; i++) {
		snprintf(rcpts[i], sizeof rcpts[i], "tls%d@example.org", i);
		deliver(st, i, rcpts[i], "Secure");
	}
	assert_int_equal(wait_done(3, 60), 3);
	for (int i = 0; i < 3; i++)
		if (results[i] != CV_OK)
			fail_msg("token %d: %d %s", i, results[i], reasons[i]);
	plugin->shutdown(st);
	assert_int_equal(count_matching(s.dir, "\"tls\": true"), 3);
	assert_int_equal(count_matching(s.dir, "\"auth\": \"mailer\""), 3);
	/* TLS 1.2: libesmtp stalls on TLS 1.3 post-handshake records */
	assert_int_equal(count_matching(s.dir, "\"tls_version\": \"TLSv1.2\""),
	                 3);

	/* wrong password: a temporary failure, nothing stored */
	const char *kv2[] = {"host",      "localhost", "port",
	                     port_of(&s), "from",      "events@example.org",
	                     "starttls",  "required",  "user",
	                     "mailer",    "password",  "wrong",
	                     "ca_file",   cert,        "workers",
	                     "1",         NULL};
	reset_results();
	st = start_plugin(kv2);
	deliver(st, 0, "tls9@example.org", "Wrong password");
	assert_int_equal(wait_done(1, 60), 1);
	assert_int_equal(results[0], CV_RETRY);
	assert_non_null(reasons[0]);
	assert_non_null(strstr(reasons[0], "530")); /* MAIL refused */
	plugin->shutdown(st);

	/* certificate not trusted (system CAs only): a TLS failure, retry */
	const char *kv3[] = {"host",      "localhost", "port",
	                     port_of(&s), "from",      "events@example.org",
	                     "starttls",  "required",  "user",
	                     "mailer",    "password",  "s3cret",
	                     "workers",   "1",         NULL};
	reset_results();
	st = start_plugin(kv3);
	deliver(st, 0, "tls8@example.org", "Untrusted");
	assert_int_equal(wait_done(1, 60), 1);
	assert_int_equal(results[0], CV_RETRY);
	assert_non_null(strstr(reasons[0], "TLS"));
	plugin->shutdown(st);

	/* STARTTLS required but the server does not offer it: retry */
	struct server plain;
	server_start(&plain, "notls", NULL);
	const char *kv4[] = {"host",     "localhost",
	                     "port",     port_of(&plain),
	                     "from",     "events@example.org",
	                     "starttls", "required",
	                     "ca_file",  cert,
	                     "workers",  "1",
	                     NULL};
	reset_results();
	st = start_plugin(kv4);
	deliver(st, 0, "tls7@example.org", "No TLS");
	assert_int_equal(wait_done(1, 60), 1);
	assert_int_equal(results[0], CV_RETRY);
	assert_non_null(strstr(reasons[0], "STARTTLS"));
	plugin->shutdown(st);
	assert_int_equal(count_lines(plain.dir, "messages.jsonl"), 0);
	server_stop(&plain);

	assert_int_equal(count_lines(s.dir, "messages.jsonl"), 3);
	server_stop(&s);
}

/* A port with nothing listening on it. */
static int dead_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void test_server_down(void **unused)
{
	char port[16];
	void *st;

	snprintf(port, sizeof port, "%d", dead_port());
	const char *kv[] = {"host",    "127.0.0.1", "port",
	                    port,      "from",      "events@example.org",
	                    "workers", "2",         NULL};
	reset_results();
	st = start_plugin(kv);
	for (int i = 0; i < 4; i++)
		deliver(st, i, "down@example.org", "Down");
	assert_int_equal(wait_done(4, 60), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(calls[i], 1);
		assert_int_equal(results[i], CV_RETRY);
		assert_non_null(reasons[i]);
	}
	plugin->shutdown(st);
}

/* What the server stores is exactly what the host built (libesmtp
 * dot-stuffs lines starting with '.', the server removes it), sent from
 * the message's From when the plugin has no "from"; a host that hands no
 * finished message gets its row failed with the reason. */
static void test_sends_host_bytes(void **unused)
{
	static const char raw[] = "From: <events@example.org>\r\n"
	                          "To: <ok@example.org>\r\n"
	                          "Subject: Dots\r\n"
	                          "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	                          "Message-ID: <outbox.1@example.org>\r\n"
	                          "MIME-Version: 1.0\r\n"
	                          "Content-Type: text/plain; charset=UTF-8\r\n"
	                          "\r\n"
	                          ".\r\n"
	                          "..two dots\r\n"
	                          ". one dot and a space\r\n"
	                          "last line\r\n";
	struct cv_message m = {
	        .size = sizeof m,
	        .id = 1,
	        .kind = "registration_confirmed",
	        .channel = "email",
	        .recipient = "ok@example.org",
	        .subject = "Dots",
	        .text = "unused: the plugin sends raw",
	        .raw = raw,
	        .raw_len = sizeof raw - 1,
	        .from = "events@example.org",
	};
	struct server s;
	char path[300], got[sizeof raw + 64];
	void *st;
	FILE *f;
	size_t n;

	server_start(&s, "hostbytes", NULL);
	const char *kv[] = {"host",    "127.0.0.1", "port", port_of(&s),
	                    "workers", "1",         NULL};
	reset_results();
	st = start_plugin(kv);
	assert_int_equal(plugin->deliver(st, &m, 0), 0);
	m.size = offsetof(struct cv_message, raw); /* an older host */
	assert_int_equal(plugin->deliver(st, &m, 1), 0);
	assert_int_equal(wait_done(2, 60), 2);
	assert_int_equal(results[0], CV_OK);
	assert_int_equal(results[1], CV_FAIL);
	assert_non_null(strstr(reasons[1], "finished message"));
	plugin->shutdown(st);
	assert_int_equal(count_lines(s.dir, "messages.jsonl"), 1);
	assert_int_equal(
	        count_matching(s.dir, "\"mail_from\": \"events@example.org\""),
	        1);
	snprintf(path, sizeof path, "%s/000001.eml", s.dir);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(got, 1, sizeof got, f);
	fclose(f);
	assert_int_equal(n, sizeof raw - 1);
	assert_memory_equal(got, raw, n);
	server_stop(&s);
}

static void test_shutdown_reports_queued(void **unused)
{
	struct server s;
	void *st;
	int retry = 0;

	server_start(&s, "shutdown", NULL);
	/* 60 a minute, bursts of one: the first goes at once, then one a
	 * second; shutting down after the first reports the rest as retry */
	const char *kv[] = {"host",
	                    "127.0.0.1",
	                    "port",
	                    port_of(&s),
	                    "from",
	                    "events@example.org",
	                    "workers",
	                    "2",
	                    "per_session",
	                    "1",
	                    "rate_per_minute",
	                    "60",
	                    NULL};
	reset_results();
	st = start_plugin(kv);
	for (int i = 0; i < 6; i++)
		deliver(st, i, "q@example.org", "Queued");
	assert_true(wait_done(1, 30) >= 1);
	plugin->shutdown(st);
	assert_int_equal(wait_done(6, 1), 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(calls[i], 1);
		if (results[i] == CV_RETRY) {
			retry++;
			assert_non_null(strstr(reasons[i], "shutting down"));
		} else {
			assert_int_equal(results[i], CV_OK);
		}
	}
	assert_true(retry >= 3);
	assert_int_equal(count_lines(s.dir, "messages.jsonl"), 6 - retry);
	server_stop(&s);
}

/* init must fail naming KEY for the given configuration. */
static void bad_conf(const char *const *kv, const char *key)
{
	void *state = NULL;
	char err[256] = "";

	ctx.kv = kv;
	assert_int_equal(plugin->init(&ctx, &host, &state, err, sizeof err),
	                 -1);
	if (strncmp(err, key, strlen(key)) != 0 || err[strlen(key)] != ':')
		fail_msg("expected an error about %s, got \"%s\"", key, err);
}

static void test_config_errors(void **unused)
{
	const char *f = "events@example.org";
	const char *c1[] = {"from", f, "port", "abc", NULL};
	const char *c2[] = {"from", f, "port", "70000", NULL};
	const char *c3[] = {"from", f, "starttls", "maybe", NULL};
	const char *c5[] = {"from", "not an address", NULL};
	const char *c6[] = {"from", f, "workers", "0", NULL};
	const char *c7[] = {"from", f, "per_session", "-1", NULL};
	const char *c8[] = {"from", f, "user", "u", NULL};
	const char *c9[] = {"from", f, "password", "p", NULL};
	const char *c10[] = {
	        "from", f, "user", "u", "password_file", "/nonexistent/pw",
	        NULL};
	const char *c11[] = {"from", f, "ca_file", "/nonexistent/ca.pem", NULL};
	const char *c12[] = {"from", f, "timeout_ms", "5s", NULL};
	const char *c13[] = {"from", f, "rate_per_minute", "-5", NULL};
	const char *c16[] = {"from", f, "host", "smtp example", NULL};
	const char *c17[] = {"from", f, "helo", "bad\nhelo", NULL};

	bad_conf(c1, "port");
	bad_conf(c2, "port");
	bad_conf(c3, "starttls");
	bad_conf(c5, "from");
	bad_conf(c6, "workers");
	bad_conf(c7, "per_session");
	bad_conf(c8, "user");
	bad_conf(c9, "password");
	bad_conf(c10, "password_file");
	bad_conf(c11, "ca_file");
	bad_conf(c12, "timeout_ms");
	bad_conf(c13, "rate_per_minute");
	bad_conf(c16, "host");
	bad_conf(c17, "helo");

	/* a host older than plugin ABI 2 (no getters) is refused cleanly */
	struct cv_host old = host;
	void *state = NULL;
	char err[256] = "";
	const char *ok[] = {"from", f, NULL};

	old.size = offsetof(struct cv_host, conf_int);
	ctx.kv = ok;
	assert_int_equal(plugin->init(&ctx, &old, &state, err, sizeof err), -1);
	assert_non_null(strstr(err, "host too old"));
}

static void test_abi(void **unused)
{
	assert_int_equal(plugin->abi, CV_PLUGIN_ABI);
	assert_true(plugin->size >= sizeof(struct cv_plugin));
	assert_string_equal(plugin->name, "email");
	assert_non_null(plugin->deliver);
	assert_non_null(plugin->shutdown);
	for (const char *const *k = plugin->config_keys; *k; k++)
		assert_true(strcmp(*k, "file") != 0 &&
		            strcmp(*k, "channels") != 0);
}

int main(void)
{
	char self[PATH_MAX], cmd[PATH_MAX + 16];
	ssize_t n;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return 1;
	self[n] = '\0';
	snprintf(exe_dir, sizeof exe_dir, "%s", dirname(self));
	load_plugin();
	if (mkdtemp(tmp_root) == NULL)
		return 1;

	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_abi),
	        cmocka_unit_test(test_config_errors),
	        cmocka_unit_test(test_batch_500),
	        cmocka_unit_test(test_tempfail_451),
	        cmocka_unit_test(test_fail_550_one_recipient),
	        cmocka_unit_test(test_starttls_auth),
	        cmocka_unit_test(test_server_down),
	        cmocka_unit_test(test_sends_host_bytes),
	        cmocka_unit_test(test_shutdown_reports_queued),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (int i = 0; i < 32; i++)
		if (live[i] > 0) {
			struct server s = {.pid = live[i]};
			server_stop(&s);
		}
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
