/* plugin_conf.c - the value checks behind the plugins' typed config
 * getters (host->conf_int, conf_bool, conf_size, conf_duration, conf_path),
 * on config.c's parsers: one implementation for daemon and plugins. */
#include "plugin_conf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "plugin.h"

static int conf_fail(const char *where, const char *key, char *err,
                     size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* "WHEREKEY: reason" into err; returns -1. */
static int conf_fail(const char *where, const char *key, char *err,
                     size_t errlen, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (err && errlen > 0)
		snprintf(err, errlen, "%s%s: %s", where ? where : "", key,
		         reason);
	return -1;
}

int plugin_conf_int(const char *where, const char *key, const char *v, long min,
                    long max, long *out, char *err, size_t errlen)
{
	long n;

	if (v == NULL)
		return 0;
	if (config_parse_long(v, &n) < 0)
		return conf_fail(where, key, err, errlen,
		                 "'%s' is not a whole number", v);
	if (n < min || n > max)
		return conf_fail(where, key, err, errlen,
		                 "%ld is out of range (%ld..%ld)", n, min, max);
	*out = n;
	return 0;
}

int plugin_conf_bool(const char *where, const char *key, const char *v,
                     int *out, char *err, size_t errlen)
{
	if (v == NULL)
		return 0;
	if (config_parse_bool(v, out) < 0)
		return conf_fail(where, key, err, errlen,
		                 "'%s' is not yes or no (also true/false, "
		                 "on/off, 1/0)",
		                 v);
	return 0;
}

int plugin_conf_size(const char *where, const char *key, const char *v,
                     size_t min, size_t max, size_t *out, char *err,
                     size_t errlen)
{
	size_t n;
	int r;

	if (v == NULL)
		return 0;
	r = config_parse_size(v, &n);
	if (r == -1)
		return conf_fail(
		        where, key, err, errlen,
		        "'%s' is not a size (a number, optionally with "
		        "k, M or G)",
		        v);
	if (r < 0 || n < min || n > max)
		return conf_fail(where, key, err, errlen,
		                 "%s is out of range (%zu..%zu bytes)", v, min,
		                 max);
	*out = n;
	return 0;
}

int plugin_conf_duration(const char *where, const char *key, const char *v,
                         long min_s, long max_s, long *out_s, char *err,
                         size_t errlen)
{
	long n;
	int r;

	if (v == NULL)
		return 0;
	r = config_parse_seconds(v, &n);
	if (r == -1)
		return conf_fail(
		        where, key, err, errlen,
		        "'%s' is not a duration (a number with s, m, h "
		        "or d, or ISO 8601 like PT5M)",
		        v);
	if (r < 0 || n < min_s || n > max_s)
		return conf_fail(where, key, err, errlen,
		                 "%s is out of range (%ld..%ld seconds)", v,
		                 min_s, max_s);
	*out_s = n;
	return 0;
}

int plugin_conf_path(const char *where, const char *key, const char *v,
                     unsigned flags, const char **out, char *err, size_t errlen)
{
	if (v == NULL) {
		if (flags & CV_PATH_REQUIRED)
			return conf_fail(where, key, err, errlen,
			                 "required (a path)");
		return 0;
	}
	if (*v == '\0')
		return conf_fail(where, key, err, errlen, "empty path");
	if (strlen(v) >= PATH_MAX)
		return conf_fail(where, key, err, errlen,
		                 "path longer than %d bytes", PATH_MAX - 1);
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return conf_fail(where, key, err, errlen,
			                 "control character in the path");
	if ((flags & CV_PATH_READABLE) && access(v, R_OK) != 0)
		return conf_fail(where, key, err, errlen, "cannot read %s: %s",
		                 v, strerror(errno));
	*out = v;
	return 0;
}
