/* email_conf.c - parse and check the [plugin email] section. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "email_conf.h"

const char *const email_conf_keys[] = {"host",
                                       "port",
                                       "starttls",
                                       "user",
                                       "password",
                                       "password_file",
                                       "from",
                                       "timeout_ms",
                                       "workers",
                                       "per_session",
                                       "rate_per_minute",
                                       "helo",
                                       "ca_file",
                                       NULL};

#define PRINTABLE                                                              \
	" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"  \
	"abcdefghijklmnopqrstuvwxyz{|}~"

/* 1 when S is a plain addr-spec: printable ASCII without space or any of
 * <>,;"()[]\: and one '@' with text on both sides. */
static int addr_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	return n > 0 && n <= 254 && strspn(s, PRINTABLE) == n &&
	       strpbrk(s, " <>,;\"()[]\\:") == NULL && at != NULL && at != s &&
	       at[1] != '\0' && strchr(at + 1, '@') == NULL;
}

/* 1 when S looks like a host name or IP literal we can pass on. */
static int hostname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 254 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789.-_:") == n;
}

/* Read the first line of PATH into a new string (no trailing newline). */
static char *read_password(const char *path, char *err, size_t errlen)
{
	char buf[1024];
	FILE *f;
	size_t n;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "password_file: cannot open %s: %s", path,
		         strerror(errno));
		return NULL;
	}
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "password_file: %s is empty", path);
		return NULL;
	}
	char *p = strdup(buf);
	sodium_memzero(buf, sizeof buf);
	if (p == NULL)
		snprintf(err, errlen, "password_file: out of memory");
	return p;
}

static int load(struct email_conf *c, struct cv_plugin_ctx *ctx,
                const struct cv_host *h, char *err, size_t errlen)
{
	const char *host = h->conf(ctx, "host");
	const char *tls = h->conf(ctx, "starttls");
	const char *pw = h->conf(ctx, "password");
	const char *pwfile = NULL;
	const char *v;
	long n, port = 25;

	if (!CV_HOST_HAS(h, conf_path)) {
		snprintf(err, errlen,
		         "host too old: no typed config getters (plugin ABI "
		         "2)");
		return -1;
	}
	if (h->conf_path(ctx, "password_file", 0, &pwfile, err, errlen) < 0)
		return -1;
	if (host == NULL)
		host = "localhost";
	if (!hostname_ok(host)) {
		snprintf(err, errlen,
		         "host: \"%s\" is not a host name or "
		         "address",
		         host);
		return -1;
	}
	if (h->conf_int(ctx, "port", 1, 65535, &port, err, errlen) < 0)
		return -1;
	c->port = (int)port;
	if (strchr(host, ':') != NULL) /* IPv6 literal */
		c->server = malloc(strlen(host) + 16);
	else
		c->server = malloc(strlen(host) + 8);
	if (c->server == NULL)
		goto oom;
	if (strchr(host, ':') != NULL)
		sprintf(c->server, "[%s]:%ld", host, port);
	else
		sprintf(c->server, "%s:%ld", host, port);

	if (tls == NULL || strcmp(tls, "when_offered") == 0)
		c->starttls = EMAIL_TLS_WHEN_OFFERED;
	else if (strcmp(tls, "off") == 0)
		c->starttls = EMAIL_TLS_OFF;
	else if (strcmp(tls, "required") == 0)
		c->starttls = EMAIL_TLS_REQUIRED;
	else {
		snprintf(err, errlen,
		         "starttls: must be off, when_offered or "
		         "required, not \"%s\"",
		         tls);
		return -1;
	}

	v = h->conf(ctx, "user");
	if (v != NULL && (*v == '\0' || strlen(v) > 255 ||
	                  strspn(v, PRINTABLE) != strlen(v))) {
		snprintf(err, errlen, "user: must be non-empty printable text");
		return -1;
	}
	if (pw != NULL && pwfile != NULL) {
		snprintf(err, errlen,
		         "password_file: set together with "
		         "password; use one");
		return -1;
	}
	if (v == NULL && (pw != NULL || pwfile != NULL)) {
		snprintf(err, errlen, "%s: set without user",
		         pw != NULL ? "password" : "password_file");
		return -1;
	}
	if (v != NULL && pw == NULL && pwfile == NULL) {
		snprintf(err, errlen,
		         "user: set without password or "
		         "password_file");
		return -1;
	}
	if (v != NULL) {
		if ((c->user = strdup(v)) == NULL)
			goto oom;
		if (pw != NULL) {
			if ((c->password = strdup(pw)) == NULL)
				goto oom;
		} else if ((c->password = read_password(pwfile, err, errlen)) ==
		           NULL) {
			return -1;
		}
	}

	v = h->conf(ctx, "from");
	if (v != NULL && !addr_ok(v)) {
		snprintf(err, errlen, "from: \"%s\" is not a valid address", v);
		return -1;
	}
	if (v != NULL && (c->from = strdup(v)) == NULL)
		goto oom;

	c->timeout_ms = 30000;
	if (h->conf_int(ctx, "timeout_ms", 100, 3600000, &c->timeout_ms, err,
	                errlen) < 0)
		return -1;
	n = 4;
	if (h->conf_int(ctx, "workers", 1, 64, &n, err, errlen) < 0)
		return -1;
	c->workers = (int)n;
	n = 50;
	if (h->conf_int(ctx, "per_session", 1, 10000, &n, err, errlen) < 0)
		return -1;
	c->per_session = (int)n;
	n = 0;
	if (h->conf_int(ctx, "rate_per_minute", 0, INT_MAX, &n, err, errlen) <
	    0)
		return -1;
	c->rate_per_minute = (int)n;

	v = h->conf(ctx, "helo");
	if (v != NULL && !hostname_ok(v)) {
		snprintf(err, errlen, "helo: \"%s\" is not a host name", v);
		return -1;
	}
	if (v != NULL && (c->helo = strdup(v)) == NULL)
		goto oom;
	v = NULL;
	if (h->conf_path(ctx, "ca_file", CV_PATH_READABLE, &v, err, errlen) < 0)
		return -1;
	if (v != NULL) {
		if (c->starttls == EMAIL_TLS_OFF) {
			snprintf(err, errlen,
			         "ca_file: set but starttls is "
			         "off");
			return -1;
		}
		if ((c->ca_file = strdup(v)) == NULL)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int email_conf_load(struct email_conf *c, struct cv_plugin_ctx *ctx,
                    const struct cv_host *host, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	if (load(c, ctx, host, err, errlen) < 0) {
		email_conf_free(c);
		return -1;
	}
	return 0;
}

void email_conf_free(struct email_conf *c)
{
	if (c->password != NULL) {
		sodium_memzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->server);
	free(c->user);
	free(c->from);
	free(c->helo);
	free(c->ca_file);
	memset(c, 0, sizeof *c);
}
