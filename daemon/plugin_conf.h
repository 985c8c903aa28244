/* plugin_conf.h - the value checks behind the plugins' typed config getters. */
#ifndef CONVENED_PLUGIN_CONF_H
#define CONVENED_PLUGIN_CONF_H

#include <stddef.h>

/*
 * The checks behind host->conf_int, conf_bool, conf_size, conf_duration and
 * conf_path, on a value V of KEY (NULL: absent, *out untouched; only
 * CV_PATH_REQUIRED makes that an error).  0, or -1 with "WHEREKEY: reason"
 * in err; WHERE is "file:line: [plugin NAME] " or "".  The plugin host
 * calls them, and so do the small hosts of tests (same checks, same words).
 */
int plugin_conf_int(const char *where, const char *key, const char *v, long min,
                    long max, long *out, char *err, size_t errlen);
int plugin_conf_bool(const char *where, const char *key, const char *v,
                     int *out, char *err, size_t errlen);
int plugin_conf_size(const char *where, const char *key, const char *v,
                     size_t min, size_t max, size_t *out, char *err,
                     size_t errlen);
int plugin_conf_duration(const char *where, const char *key, const char *v,
                         long min_s, long max_s, long *out_s, char *err,
                         size_t errlen);
int plugin_conf_path(const char *where, const char *key, const char *v,
                     unsigned flags, const char **out, char *err,
                     size_t errlen);

#endif
