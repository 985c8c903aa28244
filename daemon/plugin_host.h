/* plugin_host.h - loads channel/publisher plugins and routes messages. */
#ifndef CONVENED_PLUGIN_HOST_H
#define CONVENED_PLUGIN_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"

struct app;

/* Completion of one plugin_deliver(): runs on the loop thread. */
typedef void (*plugin_done_cb)(void *arg, uint64_t token, enum cv_result result,
                               unsigned retry_after_s, const char *reason);

/* The calendar renderer offered to plugins (host->calendar). */
typedef int (*plugin_calendar_fn)(const char *feed,
                                  void (*cb)(void *arg, const char *ics,
                                             size_t len),
                                  void *arg);

/* Load every [plugin NAME] section of app->cfg: dlopen, check the ABI and
 * keys, init, route channels.  Needs app->base.  On failure everything
 * loaded so far is unloaded and -1 returned with "file: reason" in err. */
int plugin_host_start(struct app *app, char *err, size_t errlen);

/* Hand M to the plugin routed for CHANNEL.  0: the outcome follows once
 * through the done callback with TOKEN.  -1: no plugin for the channel or
 * the plugin refused to queue it (no callback follows; treat as retry). */
int plugin_deliver(const char *channel, const struct cv_message *m,
                   uint64_t token);

/* 1 when some plugin is routed CHANNEL, else 0. */
int plugin_has_channel(const char *channel);

/* Set the completion callback (one, replacing any earlier). */
void plugin_host_on_done(plugin_done_cb cb, void *arg);

/* Set the calendar renderer (NULL: host->calendar returns -1). */
void plugin_host_set_calendar(plugin_calendar_fn fn);

/* Tell every publisher plugin that an item changed (see cv_plugin). */
void plugin_host_changed(const char *what, int64_t id, const char *slug);

/* Number of deliveries handed out whose outcome has not been reported. */
size_t plugin_host_inflight(void);

/* Shut every plugin down (their final results are passed to the done
 * callback), unload them and free the host.  Safe to call twice. */
void plugin_host_stop(void);

#endif
