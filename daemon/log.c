/* log.c - OpenBSD-style logging to stderr or syslog, thread-safe. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static int log_stderr = 1;
static int log_verbose;
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const int level_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void log_init(int to_stderr, int verbose)
{
	log_stderr = to_stderr;
	log_verbose = verbose;
	if (!log_stderr)
		openlog("convened", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int log_getverbose(void)
{
	return log_verbose;
}

void log_reopen(void)
{
	if (!log_stderr) {
		closelog();
		openlog("convened", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void log_vlevel(int level, const char *prefix, const char *fmt, va_list ap)
{
	char msg[4096];

	if (level < 0)
		level = 0;
	if (level > 3)
		level = 3;
	if (level == 3 && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Never let a message break a log line. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	pthread_mutex_lock(&log_mtx);
	if (log_stderr) {
		fprintf(stderr, "convened: %s: %s%s\n", level_names[level],
		        prefix ? prefix : "", msg);
		fflush(stderr);
	} else {
		syslog(level_prio[level], "%s%s", prefix ? prefix : "", msg);
	}
	pthread_mutex_unlock(&log_mtx);
}

static void log_fmt(int level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void log_fmt(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlevel(level, NULL, fmt, ap);
	va_end(ap);
}

/* Log FMT at LEVEL with ": strerror(err)" appended. */
static void vlog_errno(int level, int err, const char *fmt, va_list ap)
{
	char buf[3072];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_fmt(level, "%s: %s", buf, strerror(err));
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(1, err, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlevel(1, NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlevel(2, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlevel(3, NULL, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(0, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlevel(0, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
