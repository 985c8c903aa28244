/* log.h - OpenBSD-style logging: stderr in the foreground, syslog otherwise. */
#ifndef CONVENED_LOG_H
#define CONVENED_LOG_H

#include <stdarg.h>

/* Start logging.  to_stderr: 1 stderr, 0 syslog.  verbose: 1 adds debug. */
void log_init(int to_stderr, int verbose);
/* Change verbosity at run time. */
void log_setverbose(int verbose);
int log_getverbose(void);
/* Re-open the log target (SIGHUP). */
void log_reopen(void);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* level: 0 err, 1 warn, 2 info, 3 debug (matches enum cv_log_level). */
void log_vlevel(int level, const char *prefix, const char *fmt, va_list ap);
/* Log and exit(1); fatal appends strerror(errno). */
void fatal(const char *fmt, ...)
        __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
        __attribute__((format(printf, 1, 2), noreturn));

#endif
