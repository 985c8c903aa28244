/* email_conf.h - the [plugin email] settings, parsed and checked at init. */
#ifndef EMAIL_CONF_H
#define EMAIL_CONF_H

#include <stddef.h>

#include "plugin.h"

enum email_tls { EMAIL_TLS_OFF, EMAIL_TLS_WHEN_OFFERED, EMAIL_TLS_REQUIRED };

struct email_conf {
	char *server; /* "host:port" for smtp_set_server */
	int port;     /* the port of server */
	enum email_tls starttls;
	char *user;     /* NULL: no AUTH */
	char *password; /* from password or password_file */
	char *from;     /* envelope sender, or NULL: the message's From */
	long timeout_ms;
	int workers;
	int per_session;
	int rate_per_minute; /* 0: unlimited */
	char *helo;          /* or NULL: libesmtp uses the host name */
	char *ca_file;       /* or NULL: OpenSSL's default CA paths */
};

/* The keys above as a NULL-terminated list (for cv_plugin.config_keys). */
extern const char *const email_conf_keys[];

/* Read and check every key through the host's typed getters (host->conf
 * for strings).  0, or -1 with a message naming the key in ERR (and nothing
 * left allocated); a host older than plugin ABI 2 is refused. */
int email_conf_load(struct email_conf *c, struct cv_plugin_ctx *ctx,
                    const struct cv_host *host, char *err, size_t errlen);

/* Free what email_conf_load allocated (wipes the password). */
void email_conf_free(struct email_conf *c);

#endif /* EMAIL_CONF_H */
