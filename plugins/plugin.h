/* plugin.h - the one header a convened plugin includes: the plugin ABI. */
#ifndef CONVENED_PLUGIN_H
#define CONVENED_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Rules of this ABI (Redis-module style):
 *  - Both structs start with the ABI version and their own size.
 *  - Fields are only ever appended, and each release that appends any
 *    raises CV_PLUGIN_ABI by one (the version that added a field is noted
 *    beside it).
 *  - The host loads plugins built for CV_PLUGIN_ABI_MIN up to its own
 *    CV_PLUGIN_ABI: an older plugin sees a prefix of struct cv_host.  A
 *    plugin that needs a field added later checks CV_HOST_HAS(host, field)
 *    in init and fails with a clear reason on an older host.
 *  - A plugin built for a newer ABI than the host's is refused (it would
 *    use fields this host lacks).
 *  - CV_PLUGIN_ABI_MIN rises only when an existing field changes meaning or
 *    goes away.
 *
 * A plugin is a shared object exporting one symbol, CV_PLUGIN_ENTRY_SYMBOL,
 * of type cv_plugin_entry_fn.  The host dlopen()s it with RTLD_NOW|RTLD_LOCAL
 * and refuses it (naming the file and the reason) when the symbol is missing,
 * the ABI version is outside CV_PLUGIN_ABI_MIN..CV_PLUGIN_ABI, the size is
 * too small, or init fails.
 *
 * Life: init once at start-up; deliver/changed while running; shutdown
 * exactly once when the daemon stops (SIGTERM, after in-flight deliveries
 * were given time to finish), or when start-up fails after this plugin's
 * init succeeded.  A plugin whose init failed gets no shutdown.
 *
 * Threads: every callback is called on the host's event loop thread.  A
 * plugin may run threads of its own; from those it may only call
 * host->done() and host->log().
 */

/* 2: cv_message.raw/raw_len/from, cv_host's typed config getters
 * 3: cv_host.inbound (source plugins hand the host received mail) */
#define CV_PLUGIN_ABI          3
#define CV_PLUGIN_ABI_MIN      1
#define CV_PLUGIN_ENTRY_SYMBOL "cv_plugin_entry"

struct event_base;
struct cv_plugin_ctx; /* opaque: the host's handle for one loaded plugin */

enum cv_log_level { CV_LOG_ERR = 0, CV_LOG_WARN, CV_LOG_INFO, CV_LOG_DEBUG };

/* The outcome of one delivery, reported through host->done(). */
enum cv_result {
	CV_OK = 0,    /* delivered: the outbox row becomes 'sent' */
	CV_RETRY = 1, /* temporary: try again later (backoff, or retry_after) */
	CV_FAIL = 2   /* permanent: the row becomes 'failed' with the reason */
};

/*
 * One notification, rendered by the host and ready to send: the finished
 * message in raw (check m->size before reading it), and the parts it was
 * built from, for plugins that are not mail channels.  Strings are
 * UTF-8 and NUL-terminated; optional ones are NULL when absent.  Everything
 * is owned by the host and valid only during the deliver() call: a plugin
 * that sends later must copy what it needs.
 */
struct cv_message {
	uint32_t size;              /* sizeof(struct cv_message) of the host */
	int64_t id;                 /* outbox row id */
	const char *kind;           /* e.g. "registration_confirmed" */
	const char *channel;        /* the channel routed here, e.g. "email" */
	const char *recipient;      /* address, e.g. "anna@example.se" */
	const char *recipient_name; /* display name, or NULL */
	const char *language;       /* "en", "sv", "it", "pl", "es", "fi" */
	const char *message_id;     /* "<...@...>", stable for the outbox row */
	const char *subject;        /* rendered subject, one line, unencoded */
	const char *text;           /* rendered text/plain body */
	const char *html;           /* rendered text/html body, or NULL */
	const char *ical;           /* iCalendar text (with METHOD), or NULL */
	const char *ical_method;    /* "REQUEST", "CANCEL", "PUBLISH", NULL */
	const char *unsubscribe_url; /* List-Unsubscribe URL, or NULL */
	int64_t created_at;          /* unix seconds the row was created */
	/* ABI 2 (check m->size): the finished message. */
	const char *raw;  /* the whole RFC 5322 message the host built from
	                   * the fields above: CRLF line ends, no dot-stuffing,
	                   * the same bytes for every delivery of the row.  A
	                   * channel sends or stores exactly these bytes. */
	size_t raw_len;   /* its length in bytes (raw is also NUL-terminated) */
	const char *from; /* the envelope sender (addr-spec): the message's
	                   * reply-token address when [mail] reply_address
	                   * gives it one (bounces come back matched), else
	                   * the From: address */
};

/* Functions the host offers a plugin.  Fields are only ever appended. */
struct cv_host {
	uint32_t abi;  /* the host's CV_PLUGIN_ABI */
	uint32_t size; /* sizeof(struct cv_host) of the host */

	/* Log a line prefixed with the plugin's name.  Thread-safe. */
	void (*log)(struct cv_plugin_ctx *ctx, enum cv_log_level level,
	            const char *fmt, ...) __attribute__((format(printf, 3, 4)));

	/* The value of KEY in the plugin's own [plugin NAME] config section,
	 * or NULL when absent.  The string lives as long as the plugin. */
	const char *(*conf)(struct cv_plugin_ctx *ctx, const char *key);

	/* The host's event loop (for plugins that add events of their own). */
	struct event_base *(*base)(struct cv_plugin_ctx *ctx);

	/* Report the outcome of deliver() for TOKEN.  Call it exactly once per
	 * delivery, from any thread.  retry_after_s is used with CV_RETRY (0:
	 * the outbox's own backoff).  reason (copied) is kept on the row for
	 * CV_RETRY and CV_FAIL and may be NULL for CV_OK. */
	void (*done)(struct cv_plugin_ctx *ctx, uint64_t token,
	             enum cv_result result, unsigned retry_after_s,
	             const char *reason);

	/* Render a calendar feed asynchronously.  FEED is "public",
	 * "projects/<slug>" or "personal/<token>".  cb gets the iCalendar
	 * text (NULL with len 0 on error; the buffer is valid only during
	 * the call).  Returns 0, or -1 when the renderer is unavailable. */
	int (*calendar)(struct cv_plugin_ctx *ctx, const char *feed,
	                void (*cb)(void *arg, const char *ics, size_t len),
	                void *arg);

	/* The host's public base URL, e.g. "https://events.example.org". */
	const char *(*base_url)(struct cv_plugin_ctx *ctx);

	/*
	 * ABI 2: typed config getters, as collectd's cf_util_get_*.  Each
	 * reads KEY of the plugin's own section.  An absent key returns 0 and
	 * leaves *out as it was (set the default first).  A bad value returns
	 * -1 and writes a message naming the key into err, with the config
	 * file and line when the host knows them, e.g.
	 * "convened.conf:12: [plugin email] port: 70000 is out of range
	 * (1..65535)"; init can pass that on as its own error.
	 */

	/* A whole number in [min, max]. */
	int (*conf_int)(struct cv_plugin_ctx *ctx, const char *key, long min,
	                long max, long *out, char *err, size_t errlen);

	/* yes/no, true/false, on/off, 1/0 (any case): *out becomes 1 or 0. */
	int (*conf_bool)(struct cv_plugin_ctx *ctx, const char *key, int *out,
	                 char *err, size_t errlen);

	/* A byte count in [min, max], optionally with k, M or G (KiB, MiB,
	 * GiB): "512", "64k", "10M", "1G". */
	int (*conf_size)(struct cv_plugin_ctx *ctx, const char *key, size_t min,
	                 size_t max, size_t *out, char *err, size_t errlen);

	/* A duration in whole seconds, in [min_s, max_s]: a number with s, m,
	 * h or d ("90s", "5m", "2h", "1d"; a bare number is seconds) or an ISO
	 * 8601 duration ("PT5M", "P1D"). */
	int (*conf_duration)(struct cv_plugin_ctx *ctx, const char *key,
	                     long min_s, long max_s, long *out_s, char *err,
	                     size_t errlen);

	/* A file system path: non-empty, no control characters, shorter than
	 * PATH_MAX.  FLAGS: CV_PATH_REQUIRED (an absent key is an error) and
	 * CV_PATH_READABLE (it must name something this process can read
	 * now).  *out points into the config and lives as long as the plugin.
	 */
	int (*conf_path)(struct cv_plugin_ctx *ctx, const char *key,
	                 unsigned flags, const char **out, char *err,
	                 size_t errlen);

	/*
	 * ABI 3: a source plugin (lmtp, imap) hands the host one received
	 * message: the LEN bytes at RAW (the RFC 5322 message as received, no
	 * dot-stuffing; NUL bytes allowed), the envelope sender MAIL_FROM (""
	 * for the null sender <>; NULL when unknown) and NRCPT (>= 1) envelope
	 * recipients.  Call it on the loop thread only.  The host copies what
	 * it needs before returning, parses the message once and stores and
	 * decides it once per recipient, then calls CB exactly once, on the
	 * loop thread and never before inbound() returned, with one result
	 * and reason per recipient, in order (the arrays live only during the
	 * call):
	 *   CV_OK    stored and decided, committed: the MTA may drop it
	 *            (also for a message stored before: Message-ID and
	 *            recipient are deduplicated);
	 *   CV_RETRY not stored (the database is away or timed out, or the
	 *            daemon is stopping): the MTA must keep it and retry;
	 *   CV_FAIL  refused for good (e.g. too large); reason says why.
	 * Results of a plugin that is shutting down arrive before its
	 * shutdown() is called (as CV_RETRY when not finished).  Returns 0,
	 * or -1 when the host cannot even start (bad arguments, no memory, no
	 * inbound path in this daemon): then CB is never called.
	 */
	int (*inbound)(struct cv_plugin_ctx *ctx, const char *raw, size_t len,
	               const char *mail_from, const char *const *rcpts,
	               size_t nrcpt,
	               void (*cb)(void *arg, const enum cv_result *results,
	                          const char *const *reasons, size_t n),
	               void *arg);
};

/* Flags of host->conf_path. */
#define CV_PATH_REQUIRED 0x1u
#define CV_PATH_READABLE 0x2u

/* 1 when HOST (a const struct cv_host *) offers FIELD, else 0: a plugin
 * built against a newer header checks this before using a later field. */
#define CV_HOST_HAS(host, field)                                               \
	((host)->size >= offsetof(struct cv_host, field) +                     \
	                         sizeof(((struct cv_host *)0)->field))

/* What a plugin exports.  Any callback may be NULL when not needed. */
struct cv_plugin {
	uint32_t abi;  /* CV_PLUGIN_ABI of the header it was built with */
	uint32_t size; /* sizeof(struct cv_plugin) */
	const char *name;
	/* NULL-terminated list of the config keys the plugin understands
	 * (besides "file" and "channels", which the host handles).  The host
	 * rejects any other key in the section with file:line. */
	const char *const *config_keys;

	/* Start.  Store the plugin's state in *state.  On failure return -1
	 * and write the reason into err; the host stops start-up. */
	int (*init)(struct cv_plugin_ctx *ctx, const struct cv_host *host,
	            void **state, char *err, size_t errlen);

	/* A channel: send M.  Return 0 when accepted (the outcome follows
	 * through host->done with TOKEN, possibly before deliver returns), or
	 * -1 when it could not even be queued (the host treats it as CV_RETRY
	 * and will not wait for done). */
	int (*deliver)(void *state, const struct cv_message *m, uint64_t token);

	/* A publisher: an item changed.  WHAT is "event", "deadline" or
	 * "project"; ID is its id; SLUG the project's slug (or NULL). */
	void (*changed)(void *state, const char *what, int64_t id,
	                const char *slug);

	/* Stop: finish or abandon work in flight (report it through done, as
	 * CV_RETRY if not sent), join threads, free state. */
	void (*shutdown)(void *state);
};

typedef const struct cv_plugin *(*cv_plugin_entry_fn)(void);

#endif /* CONVENED_PLUGIN_H */
