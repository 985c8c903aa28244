/* config.h - convened.conf: INI parsed with inih, every key typed and checked.
 */
#ifndef CONVENED_CONFIG_H
#define CONVENED_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_PLUGINS   16
#define CONFIG_MAX_PLUGIN_KV 64
#define CONFIG_MAX_OFFSETS   8

#define CONFIG_MAX_PROXIES 32

/* An address or network (CIDR) in numeric form. */
struct config_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits; /* prefix length */
};

/* One key = value line of a [plugin NAME] section, kept for the plugin. */
struct config_kv {
	char *key;
	char *value;
	int line;
};

/* One [plugin NAME] section. */
struct config_plugin {
	char *name;     /* NAME from the section header */
	char *file;     /* "file" key, default "<name>.so" in plugin_dir */
	char *channels; /* "channels" key: comma-separated list, or NULL */
	int line;       /* line of the section header */
	struct config_kv kv[CONFIG_MAX_PLUGIN_KV]; /* every other key */
	size_t nkv;
};

/* Reminder offsets for one kind of event or deadline, as ISO 8601
 * durations ("P30D", "PT2H"). */
struct config_reminders {
	char *kind; /* "seminar", "grant_submission", ... */
	char *offsets[CONFIG_MAX_OFFSETS];
	size_t n;
};

struct config {
	char *path; /* the file read */

	/* [convened] */
	char *listen;       /* address to bind, default 127.0.0.1 */
	int port;           /* default 8080 */
	char *base_url;     /* public URL, default http://127.0.0.1:8080 */
	char *admin_token;  /* bearer token for /api/ (>= 32 chars) */
	char *plugin_dir;   /* where plugins live */
	char *template_dir; /* config/templates */
	char *instance;     /* this daemon's name in outbox leases */
	int migrate;        /* apply migrations at start (default yes) */
	char *sql_dir;      /* migrations directory */
	int watchdog;       /* sd_notify WATCHDOG=1 when asked (default yes) */
	char *admin_token_file; /* file holding the token instead */

	/* [database] */
	char *db_conninfo; /* libpq conninfo; env CONVENED_DATABASE wins */
	int db_pool_size;  /* default 4 */
	int db_reconnect_min_ms;
	int db_reconnect_max_ms;
	int db_query_timeout_ms; /* a queued query older than this fails */

	/* [http] */
	size_t http_max_body;      /* default 1 MiB */
	size_t http_max_header;    /* default 8 KiB */
	int http_timeout_s;        /* default 30 */
	int http_header_timeout_s; /* whole request head, default 10 */
	int http_body_timeout_s;   /* whole request body, default 30 */
	int http_max_connections;  /* open client connections, default 512 */
	char *http_metrics_token;  /* bearer token for /metrics, or NULL */

	/* [throttle] public POSTs per client address (per daemon) and
	 * confirmation mails per recipient (in the database) */
	int thr_post_burst;        /* requests at once, default 60 */
	int thr_post_interval_s;   /* one more request per this, default 1 */
	char *thr_trusted_proxies; /* as written; parsed into thr_proxies */
	struct config_net thr_proxies[CONFIG_MAX_PROXIES];
	size_t nproxies;
	int thr_mail_interval_s; /* per address and subject, default 600 */
	int thr_mail_per_day;    /* per address, default 5; 0: no cap */

	/* [outbox] */
	int outbox_batch;           /* rows claimed at once, default 100 */
	int outbox_lease_s;         /* default 60 */
	int outbox_max_attempts;    /* default 8 */
	int outbox_retry_base_s;    /* default 30 */
	int outbox_retry_max_s;     /* default 3600 */
	int outbox_rescan_s;        /* periodic re-scan, default 30 */
	int outbox_notify_window_s; /* NOTIFY only for rows due sooner */

	/* [reminders] kind = P7D, P1D */
	struct config_reminders reminders[16];
	size_t nreminders;

	/* [calendar] */
	char *cal_name;      /* X-WR-CALNAME prefix */
	char *cal_organizer; /* ORGANIZER address, mailto: added */
	char *cal_organizer_name;
	char *cal_refresh; /* ISO 8601 duration, default PT1H */
	char *cal_prodid;

	/* [mail] the sender of every message (mail_out) */
	char *mail_from;      /* NULL: noreply@ the host of base_url */
	char *mail_from_name; /* NULL: "convened" with the default from */
	char *mail_reply_to;  /* or NULL */
	/* replies with a token: <local>+<token>@<domain> (NULL: no token) */
	char *mail_reply_address;
	char *mail_register_address; /* register+<event id>@...; or NULL */
	char *mail_secretariat;      /* human replies forwarded here; or NULL */
	int mail_soft_bounce_limit;  /* soft bounces until hard (default 3) */
	int mail_forward_limit;      /* forwards per sender and hour (10) */

	/* [inbound] mail that comes back (daemon/inbound.c) */
	size_t inbound_keep_raw_max; /* keep raw messages up to this size
	                                (default 10 MiB; 0: never) */

	/* [privacy] retention of personal data (daemon/privacy.c) */
	char *privacy_retention; /* ISO 8601 duration after a project's last
	                            event or deadline; NULL: not run on a
	                            timer */
	int privacy_check_s;     /* how often the timer runs (default 3600) */

	/* [accounts] sessions and the login throttle (daemon/auth.c) */
	int acc_session_idle_s;   /* a session unused this long ends (2 h) */
	int acc_session_max_s;    /* a session ends this long after login
	                             (12 h) */
	int acc_fail_per_client;  /* wrong passwords from one address ... */
	int acc_fail_per_account; /* ... or for one account (20, 100) ... */
	int acc_lockout_s;        /* ... within this long: 429 for this long
	                             after the last (900 s) */

	/* [plugin NAME] */
	struct config_plugin plugins[CONFIG_MAX_PLUGINS];
	size_t nplugins;
};

/* Read PATH into a fresh config.  On error returns NULL and writes
 * "file:line: reason" into err. */
struct config *config_load(const char *path, char *err, size_t errlen);

/* Same, from a string (for tests); name is used in messages. */
struct config *config_load_string(const char *text, const char *name, char *err,
                                  size_t errlen);

void config_free(struct config *c);

/* The reminder offsets configured for KIND, or NULL (count in *n). */
char *const *config_reminders_for(const struct config *c, const char *kind,
                                  size_t *n);

/* A plugin section's value for KEY, or NULL. */
const char *config_plugin_get(const struct config_plugin *p, const char *key);

/* Parse an ISO 8601 duration of the forms PnW, PnD, PTnH, PTnM, PTnS and
 * combinations like P1DT2H (no years or months).  Sets *days and *seconds.
 * Returns 0, or -1 when malformed. */
int config_parse_duration(const char *s, int *days, long *seconds);

/* A deployment mistake that is not an error: when the daemon listens on a
 * non-loopback address but base_url (the links in every mail, shared by all
 * daemons on one database) is not an absolute https:// URL of a public host,
 * write why into buf and return 1; else 0. */
int config_base_url_warning(const struct config *c, char *buf, size_t len);

/* 1 when the numeric address ADDR (of FAMILY, 4 or 16 bytes) lies in
 * one of the trusted proxies' networks. */
int config_proxy_trusted(const struct config *c, int family,
                         const unsigned char *addr);

/* Parse "a, b/24, c" (numeric addresses, optional prefix length) into
 * OUT[0..max); returns the count, or -1 with the bad item in err. */
int config_parse_nets(const char *s, struct config_net *out, size_t max,
                      char *err, size_t errlen);

/* The value parsers behind the typed keys, shared with the plugin host's
 * getters (one implementation).  Each returns 0 with the value in *out, or
 * -1 when S is malformed (*out untouched). */

/* yes/no, true/false, on/off, 1/0 (any case) into 1 or 0. */
int config_parse_bool(const char *s, int *out);

/* A whole decimal number that fits a long (-1 also when it does not). */
int config_parse_long(const char *s, long *out);

/* A byte count: digits, optionally followed by k, M or G (KiB, MiB, GiB;
 * "kb", "mb", "gb" too, any case).  -2 when it does not fit a size_t. */
int config_parse_size(const char *s, size_t *out);

/* A duration in seconds: digits with an optional unit s, m, h or d ("90",
 * "90s", "5m", "2h", "1d"), or an ISO 8601 duration as above ("PT5M").
 * -2 when it does not fit a long. */
int config_parse_seconds(const char *s, long *out);

#endif
