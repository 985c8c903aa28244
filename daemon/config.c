/* config.c - convened.conf: a table of typed keys, parsed with inih. */
#include "config.h"

#ifndef CONVENED_PREFIX
#define CONVENED_PREFIX "/usr/local"
#endif

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kinds.h"
#include "mail_out.h"

enum ctype {
	C_STR,      /* any non-empty string */
	C_INT,      /* integer in [min, max] */
	C_SIZE,     /* byte count in [min, max] */
	C_BOOL,     /* yes/no/true/false/on/off/1/0 */
	C_URL,      /* http:// or https:// URL without trailing slash */
	C_ADDR,     /* numeric IPv4/IPv6 address */
	C_DURATION, /* ISO 8601 duration */
	C_TOKEN,    /* secret: at least 32 characters, no spaces */
	C_EMAIL,    /* address with one @ */
	C_SECS,     /* seconds ("90", "5m", "PT5M") in [min, max] */
};

struct ckey {
	const char *section;
	const char *key;
	enum ctype type;
	size_t off;
	long min, max;
};

#define O(f) offsetof(struct config, f)

/* Every key convened understands, outside [plugin X] and [reminders]. */
static const struct ckey keys[] = {
        {.section = "convened",
         .key = "listen",
         .type = C_ADDR,
         .off = O(listen)},
        {.section = "convened",
         .key = "port",
         .type = C_INT,
         .off = O(port),
         .min = 1,
         .max = 65535},
        {.section = "convened",
         .key = "base_url",
         .type = C_URL,
         .off = O(base_url)},
        {.section = "convened",
         .key = "admin_token",
         .type = C_TOKEN,
         .off = O(admin_token)},
        {.section = "convened",
         .key = "admin_token_file",
         .type = C_STR,
         .off = O(admin_token_file)},
        {.section = "convened",
         .key = "plugin_dir",
         .type = C_STR,
         .off = O(plugin_dir)},
        {.section = "convened",
         .key = "template_dir",
         .type = C_STR,
         .off = O(template_dir)},
        {.section = "convened",
         .key = "sql_dir",
         .type = C_STR,
         .off = O(sql_dir)},
        {.section = "convened",
         .key = "instance",
         .type = C_STR,
         .off = O(instance)},
        {.section = "convened",
         .key = "migrate",
         .type = C_BOOL,
         .off = O(migrate)},
        {.section = "convened",
         .key = "watchdog",
         .type = C_BOOL,
         .off = O(watchdog)},
        {.section = "database",
         .key = "conninfo",
         .type = C_STR,
         .off = O(db_conninfo)},
        {.section = "database",
         .key = "pool_size",
         .type = C_INT,
         .off = O(db_pool_size),
         .min = 1,
         .max = 64},
        {.section = "database",
         .key = "reconnect_min_ms",
         .type = C_INT,
         .off = O(db_reconnect_min_ms),
         .min = 10,
         .max = 60000},
        {.section = "database",
         .key = "reconnect_max_ms",
         .type = C_INT,
         .off = O(db_reconnect_max_ms),
         .min = 100,
         .max = 600000},
        {.section = "database",
         .key = "query_timeout_ms",
         .type = C_INT,
         .off = O(db_query_timeout_ms),
         .min = 100,
         .max = 600000},
        {.section = "http",
         .key = "max_body_size",
         .type = C_SIZE,
         .off = O(http_max_body),
         .min = 1024,
         .max = 64L * 1024 * 1024},
        {.section = "http",
         .key = "max_header_size",
         .type = C_SIZE,
         .off = O(http_max_header),
         .min = 1024,
         .max = 1024 * 1024},
        {.section = "http",
         .key = "timeout",
         .type = C_INT,
         .off = O(http_timeout_s),
         .min = 1,
         .max = 3600},
        {.section = "http",
         .key = "header_timeout",
         .type = C_SECS,
         .off = O(http_header_timeout_s),
         .min = 1,
         .max = 3600},
        {.section = "http",
         .key = "body_timeout",
         .type = C_SECS,
         .off = O(http_body_timeout_s),
         .min = 1,
         .max = 3600},
        {.section = "http",
         .key = "max_connections",
         .type = C_INT,
         .off = O(http_max_connections),
         .min = 1,
         .max = 100000},
        {.section = "http",
         .key = "metrics_token",
         .type = C_TOKEN,
         .off = O(http_metrics_token)},
        {.section = "throttle",
         .key = "post_burst",
         .type = C_INT,
         .off = O(thr_post_burst),
         .min = 1,
         .max = 10000000},
        {.section = "throttle",
         .key = "post_interval",
         .type = C_SECS,
         .off = O(thr_post_interval_s),
         .min = 1,
         .max = 86400},
        {.section = "throttle",
         .key = "trusted_proxies",
         .type = C_STR,
         .off = O(thr_trusted_proxies)},
        {.section = "throttle",
         .key = "mail_interval",
         .type = C_SECS,
         .off = O(thr_mail_interval_s),
         .min = 0,
         .max = 7 * 86400},
        {.section = "throttle",
         .key = "mail_per_day",
         .type = C_INT,
         .off = O(thr_mail_per_day),
         .min = 0,
         .max = 10000},
        {.section = "outbox",
         .key = "batch_size",
         .type = C_INT,
         .off = O(outbox_batch),
         .min = 1,
         .max = 10000},
        {.section = "outbox",
         .key = "lease_seconds",
         .type = C_INT,
         .off = O(outbox_lease_s),
         .min = 5,
         .max = 86400},
        {.section = "outbox",
         .key = "max_attempts",
         .type = C_INT,
         .off = O(outbox_max_attempts),
         .min = 1,
         .max = 100},
        {.section = "outbox",
         .key = "retry_base_seconds",
         .type = C_INT,
         .off = O(outbox_retry_base_s),
         .min = 1,
         .max = 86400},
        {.section = "outbox",
         .key = "retry_max_seconds",
         .type = C_INT,
         .off = O(outbox_retry_max_s),
         .min = 1,
         .max = 7 * 86400},
        {.section = "outbox",
         .key = "rescan_seconds",
         .type = C_INT,
         .off = O(outbox_rescan_s),
         .min = 1,
         .max = 3600},
        {.section = "outbox",
         .key = "notify_window_seconds",
         .type = C_INT,
         .off = O(outbox_notify_window_s),
         .min = 0,
         .max = 86400},
        {.section = "calendar",
         .key = "name",
         .type = C_STR,
         .off = O(cal_name)},
        {.section = "calendar",
         .key = "organizer",
         .type = C_EMAIL,
         .off = O(cal_organizer)},
        {.section = "calendar",
         .key = "organizer_name",
         .type = C_STR,
         .off = O(cal_organizer_name)},
        {.section = "calendar",
         .key = "refresh_interval",
         .type = C_DURATION,
         .off = O(cal_refresh)},
        {.section = "calendar",
         .key = "prodid",
         .type = C_STR,
         .off = O(cal_prodid)},
        {.section = "mail",
         .key = "from",
         .type = C_EMAIL,
         .off = O(mail_from)},
        {.section = "mail",
         .key = "from_name",
         .type = C_STR,
         .off = O(mail_from_name)},
        {.section = "mail",
         .key = "reply_to",
         .type = C_EMAIL,
         .off = O(mail_reply_to)},
        {.section = "inbound",
         .key = "keep_raw_max",
         .type = C_SIZE,
         .off = O(inbound_keep_raw_max),
         .min = 0,
         .max = 25L * 1024 * 1024},
        {.section = "privacy",
         .key = "retention",
         .type = C_DURATION,
         .off = O(privacy_retention)},
        {.section = "accounts",
         .key = "session_idle",
         .type = C_SECS,
         .off = O(acc_session_idle_s),
         .min = 60,
         .max = 30 * 86400},
        {.section = "accounts",
         .key = "session_lifetime",
         .type = C_SECS,
         .off = O(acc_session_max_s),
         .min = 60,
         .max = 365 * 86400},
        {.section = "accounts",
         .key = "login_failures_per_address",
         .type = C_INT,
         .off = O(acc_fail_per_client),
         .min = 1,
         .max = 1000000},
        {.section = "accounts",
         .key = "login_failures_per_account",
         .type = C_INT,
         .off = O(acc_fail_per_account),
         .min = 1,
         .max = 1000000},
        {.section = "accounts",
         .key = "login_lockout",
         .type = C_SECS,
         .off = O(acc_lockout_s),
         .min = 1,
         .max = 7 * 86400},
        {.section = "privacy",
         .key = "check_interval",
         .type = C_INT,
         .off = O(privacy_check_s),
         .min = 1,
         .max = 7 * 86400},
        {.section = "mail",
         .key = "reply_address",
         .type = C_EMAIL,
         .off = O(mail_reply_address)},
        {.section = "mail",
         .key = "register_address",
         .type = C_EMAIL,
         .off = O(mail_register_address)},
        {.section = "mail",
         .key = "secretariat",
         .type = C_EMAIL,
         .off = O(mail_secretariat)},
        {.section = "mail",
         .key = "soft_bounce_limit",
         .type = C_INT,
         .off = O(mail_soft_bounce_limit),
         .min = 1,
         .max = 1000},
        {.section = "mail",
         .key = "forward_limit",
         .type = C_INT,
         .off = O(mail_forward_limit),
         .min = 0,
         .max = 10000},
};

static const char *const sections[] = {
        "convened", "database", "http",    "outbox",   "reminders", "calendar",
        "mail",     "inbound",  "privacy", "throttle", "accounts",  NULL};

struct parse {
	struct config *c;
	const char *name;
	int line;
	char err[512];
	int failed;
	/* for string input */
	const char *text;
	size_t pos;
	FILE *fp;
};

static int fail(struct parse *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Record the first error as "name:line: reason"; returns 0 for inih. */
static int fail(struct parse *p, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	if (!p->failed) {
		va_start(ap, fmt);
		vsnprintf(reason, sizeof(reason), fmt, ap);
		va_end(ap);
		snprintf(p->err, sizeof(p->err), "%s:%d: %s", p->name, p->line,
		         reason);
		p->failed = 1;
	}
	return 0;
}

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

int config_parse_duration(const char *s, int *days, long *seconds)
{
	const char *p = s;
	int in_time = 0, any = 0;
	long d = 0, secs = 0;

	if (s == NULL || *p++ != 'P')
		return -1;
	while (*p) {
		char *end;
		long n;

		if (*p == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			p++;
			if (*p == '\0')
				return -1;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		n = strtol(p, &end, 10);
		if (errno || n > 100000 || end == p)
			return -1;
		p = end;
		switch (*p) {
		case 'W':
			if (in_time)
				return -1;
			d += n * 7;
			break;
		case 'D':
			if (in_time)
				return -1;
			d += n;
			break;
		case 'H':
			if (!in_time)
				return -1;
			secs += n * 3600;
			break;
		case 'M':
			if (!in_time)
				return -1;
			secs += n * 60;
			break;
		case 'S':
			if (!in_time)
				return -1;
			secs += n;
			break;
		default:
			return -1;
		}
		p++;
		any = 1;
	}
	if (!any || d > 3660 || secs > 3660L * 86400)
		return -1;
	if (days)
		*days = (int)d;
	if (seconds)
		*seconds = secs;
	return 0;
}

int config_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1", NULL};
	static const char *const no[] = {"no", "false", "off", "0", NULL};

	for (int i = 0; yes[i]; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

int config_parse_long(const char *s, long *out)
{
	char *end;
	long n;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

int config_parse_size(const char *s, size_t *out)
{
	static const struct {
		const char *suffix;
		unsigned long long unit;
	} units[] = {
	        {"", 1},
	        {"k", 1ULL << 10},
	        {"kb", 1ULL << 10},
	        {"m", 1ULL << 20},
	        {"mb", 1ULL << 20},
	        {"g", 1ULL << 30},
	        {"gb", 1ULL << 30},
	};
	unsigned long long n;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1; /* also refuses the "-1" strtoull would wrap */
	errno = 0;
	n = strtoull(s, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix) != 0)
			continue;
		/* check before multiplying: no overflow */
		if (errno == ERANGE || n > SIZE_MAX / units[i].unit)
			return -2;
		*out = (size_t)(n * units[i].unit);
		return 0;
	}
	return -1;
}

int config_parse_seconds(const char *s, long *out)
{
	static const struct {
		char suffix;
		long unit;
	} units[] = {{'\0', 1}, {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	char *end;
	long n;

	if (s != NULL && s[0] == 'P') {
		int days;
		long secs;

		if (config_parse_duration(s, &days, &secs) < 0)
			return -1;
		*out = days * 86400L + secs;
		return 0;
	}
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (end[0] != '\0' && end[1] != '\0')
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (end[0] != units[i].suffix)
			continue;
		if (errno == ERANGE || n > LONG_MAX / units[i].unit)
			return -2;
		*out = n * units[i].unit;
		return 0;
	}
	return -1;
}

int config_parse_nets(const char *s, struct config_net *out, size_t max,
                      char *err, size_t errlen)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int n = 0;

	if (copy == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	for (tok = strtok_r(copy, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		struct config_net net = {0};
		char *slash = strchr(tok, '/');
		long bits = -1;

		if ((size_t)n == max) {
			snprintf(err, errlen, "at most %zu entries", max);
			goto bad;
		}
		if (slash) {
			*slash = '\0';
			if (config_parse_long(slash + 1, &bits) < 0 ||
			    !isdigit((unsigned char)slash[1]))
				bits = -2;
		}
		if (inet_pton(AF_INET, tok, net.addr) == 1)
			net.family = AF_INET;
		else if (inet_pton(AF_INET6, tok, net.addr) == 1)
			net.family = AF_INET6;
		if (net.family == 0 || bits < -1 ||
		    bits > (net.family == AF_INET ? 32 : 128)) {
			snprintf(err, errlen,
			         "'%s%s%s' is not a numeric address or network "
			         "(like 10.0.0.0/8 or ::1)",
			         tok, slash ? "/" : "", slash ? slash + 1 : "");
			goto bad;
		}
		net.bits = bits >= 0 ? (int)bits
		                     : (net.family == AF_INET ? 32 : 128);
		out[n++] = net;
	}
	free(copy);
	return n;
bad:
	free(copy);
	return -1;
}

/* 1 when the host of URL (after the scheme) is a loopback name or address. */
static int url_host_loopback(const char *url)
{
	const char *h = strstr(url, "://");
	char host[256];
	size_t n;

	h = h ? h + 3 : url;
	if (*h == '[') { /* [::1]:8080 */
		n = strcspn(h + 1, "]");
		snprintf(host, sizeof(host), "%.*s", (int)n, h + 1);
	} else {
		n = strcspn(h, ":/?#");
		snprintf(host, sizeof(host), "%.*s", (int)n, h);
	}
	return strcasecmp(host, "localhost") == 0 ||
	       strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	       *host == '\0';
}

int config_base_url_warning(const struct config *c, char *buf, size_t len)
{
	unsigned char a[16];
	int loopback_listen =
	        (inet_pton(AF_INET, c->listen, a) == 1 && a[0] == 127) ||
	        strcmp(c->listen, "::1") == 0;

	if (loopback_listen)
		return 0;
	if (strncmp(c->base_url, "https://", 8) != 0) {
		snprintf(buf, len,
		         "[convened] base_url %s is not an https:// URL, but "
		         "convened listens on %s: links in mail (tokens, "
		         "personal feeds) would travel in clear text",
		         c->base_url, c->listen);
		return 1;
	}
	if (url_host_loopback(c->base_url)) {
		snprintf(buf, len,
		         "[convened] base_url %s points to this machine's "
		         "loopback, but convened listens on %s: links in mail "
		         "would not reach anyone",
		         c->base_url, c->listen);
		return 1;
	}
	return 0;
}

int config_proxy_trusted(const struct config *c, int family,
                         const unsigned char *addr)
{
	for (size_t i = 0; i < c->nproxies; i++) {
		const struct config_net *net = &c->thr_proxies[i];
		int full = net->bits / 8, rest = net->bits % 8;

		if (net->family != family ||
		    memcmp(net->addr, addr, (size_t)full) != 0)
			continue;
		if (rest == 0 || ((net->addr[full] ^ addr[full]) &
		                  (0xff << (8 - rest))) == 0)
			return 1;
	}
	return 0;
}

static int set_key(struct parse *p, const struct ckey *k, const char *v)
{
	char *base = (char *)p->c;
	size_t size;
	long n;
	int b, r;

	if (*v == '\0')
		return fail(p, "[%s] %s: empty value", k->section, k->key);
	switch (k->type) {
	case C_INT:
		if (config_parse_long(v, &n) < 0)
			return fail(p, "[%s] %s: '%s' is not a whole number",
			            k->section, k->key, v);
		if (n < k->min || n > k->max)
			return fail(p,
			            "[%s] %s: %ld is out of range (%ld..%ld)",
			            k->section, k->key, n, k->min, k->max);
		*(int *)(base + k->off) = (int)n;
		return 1;
	case C_SECS:
		r = config_parse_seconds(v, &n);
		if (r == -1)
			return fail(p,
			            "[%s] %s: '%s' is not a duration (seconds, "
			            "or a number with s, m, h or d)",
			            k->section, k->key, v);
		if (r < 0 || n < k->min || n > k->max)
			return fail(p,
			            "[%s] %s: %s is out of range (%ld..%ld "
			            "seconds)",
			            k->section, k->key, v, k->min, k->max);
		*(int *)(base + k->off) = (int)n;
		return 1;
	case C_SIZE:
		r = config_parse_size(v, &size);
		if (r == -1)
			return fail(p,
			            "[%s] %s: '%s' is not a size (a number, "
			            "optionally with k, M or G)",
			            k->section, k->key, v);
		if (r < 0 || size < (size_t)k->min || size > (size_t)k->max)
			return fail(p,
			            "[%s] %s: %s is out of range (%ld..%ld "
			            "bytes)",
			            k->section, k->key, v, k->min, k->max);
		*(size_t *)(base + k->off) = size;
		return 1;
	case C_BOOL:
		if (config_parse_bool(v, &b) < 0)
			return fail(p, "[%s] %s: '%s' is not yes or no",
			            k->section, k->key, v);
		*(int *)(base + k->off) = b;
		return 1;
	case C_URL:
		if ((strncmp(v, "http://", 7) != 0 &&
		     strncmp(v, "https://", 8) != 0) ||
		    strpbrk(v, " \t\"<>") != NULL)
			return fail(
			        p,
			        "[%s] %s: '%s' is not an http:// or https:// "
			        "URL",
			        k->section, k->key, v);
		break;
	case C_ADDR: {
		unsigned char buf[16];
		if (inet_pton(AF_INET, v, buf) != 1 &&
		    inet_pton(AF_INET6, v, buf) != 1)
			return fail(
			        p,
			        "[%s] %s: '%s' is not a numeric IPv4 or IPv6 "
			        "address",
			        k->section, k->key, v);
		break;
	}
	case C_DURATION:
		if (config_parse_duration(v, NULL, NULL) < 0)
			return fail(p,
			            "[%s] %s: '%s' is not an ISO 8601 duration "
			            "like PT1H or P1D",
			            k->section, k->key, v);
		break;
	case C_TOKEN:
		if (strlen(v) < 32 || strpbrk(v, " \t") != NULL)
			return fail(p,
			            "[%s] %s: a token must be at least 32 "
			            "characters without spaces",
			            k->section, k->key);
		break;
	case C_EMAIL: {
		const char *at = strchr(v, '@');
		if (at == NULL || at == v || at[1] == '\0' ||
		    strchr(at + 1, '@') != NULL ||
		    strpbrk(v, " \t<>\"(),;:\\[]") != NULL)
			return fail(p, "[%s] %s: '%s' is not an email address",
			            k->section, k->key, v);
		break;
	}
	case C_STR:
		break;
	}
	if (set_str((char **)(base + k->off), v) < 0)
		return fail(p, "out of memory");
	return 1;
}

static int plugin_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 32)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static struct config_plugin *plugin_section(struct parse *p,
                                            const char *section)
{
	struct config *c = p->c;
	const char *name = section + strlen("plugin ");

	while (*name == ' ')
		name++;
	for (size_t i = 0; i < c->nplugins; i++)
		if (strcmp(c->plugins[i].name, name) == 0)
			return &c->plugins[i];
	if (!plugin_name_ok(name)) {
		fail(p,
		     "[%s]: plugin name must be 1-32 characters of a-z, 0-9, "
		     "_ and -",
		     section);
		return NULL;
	}
	if (c->nplugins == CONFIG_MAX_PLUGINS) {
		fail(p, "[%s]: too many plugins (at most %d)", section,
		     CONFIG_MAX_PLUGINS);
		return NULL;
	}
	struct config_plugin *pl = &c->plugins[c->nplugins++];
	memset(pl, 0, sizeof(*pl));
	pl->name = strdup(name);
	pl->line = p->line;
	return pl;
}

static int handle_plugin(struct parse *p, const char *section, const char *key,
                         const char *value)
{
	struct config_plugin *pl = plugin_section(p, section);

	if (pl == NULL)
		return 0;
	if (key == NULL)
		return 1;
	if (*value == '\0')
		return fail(p, "[%s] %s: empty value", section, key);
	if (strcmp(key, "file") == 0)
		return set_str(&pl->file, value) < 0 ? fail(p, "no memory") : 1;
	if (strcmp(key, "channels") == 0)
		return set_str(&pl->channels, value) < 0 ? fail(p, "no memory")
		                                         : 1;
	for (size_t i = 0; i < pl->nkv; i++)
		if (strcmp(pl->kv[i].key, key) == 0)
			return fail(p, "[%s] %s: key given twice", section,
			            key);
	if (pl->nkv == CONFIG_MAX_PLUGIN_KV)
		return fail(p, "[%s]: too many keys", section);
	pl->kv[pl->nkv].key = strdup(key);
	pl->kv[pl->nkv].value = strdup(value);
	pl->kv[pl->nkv].line = p->line;
	pl->nkv++;
	return 1;
}

static int handle_reminders(struct parse *p, const char *key, const char *value)
{
	struct config *c = p->c;
	struct config_reminders *r = NULL;
	char *copy, *tok, *save = NULL;
	char evk[128], dlk[128];

	if (!kinds_is_item(key))
		return fail(p, "[reminders] unknown kind '%s' (%s, %s)", key,
		            kinds_join(kinds_event, ", ", evk, sizeof(evk)),
		            kinds_join(kinds_deadline, ", ", dlk, sizeof(dlk)));
	for (size_t i = 0; i < c->nreminders; i++)
		if (strcmp(c->reminders[i].kind, key) == 0)
			r = &c->reminders[i];
	if (r == NULL) {
		r = &c->reminders[c->nreminders++];
		r->kind = strdup(key);
	}
	for (size_t i = 0; i < r->n; i++)
		free(r->offsets[i]);
	r->n = 0;
	if (strcasecmp(value, "none") == 0)
		return 1;
	copy = strdup(value);
	for (tok = strtok_r(copy, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (config_parse_duration(tok, NULL, NULL) < 0) {
			fail(p,
			     "[reminders] %s: '%s' is not an ISO 8601 duration "
			     "like P7D or PT2H",
			     key, tok);
			free(copy);
			return 0;
		}
		if (r->n == CONFIG_MAX_OFFSETS) {
			free(copy);
			return fail(p, "[reminders] %s: at most %d offsets",
			            key, CONFIG_MAX_OFFSETS);
		}
		r->offsets[r->n++] = strdup(tok);
	}
	free(copy);
	return 1;
}

/* inih callback; returns 1 to go on, 0 on error. */
static int handler(void *user, const char *section, const char *key,
                   const char *value)
{
	struct parse *p = user;
	int known_section = 0;

	if (p->failed)
		return 0;
	if (strncmp(section, "plugin ", 7) == 0)
		return handle_plugin(p, section, key, value);
	for (int i = 0; sections[i]; i++)
		if (strcmp(section, sections[i]) == 0)
			known_section = 1;
	if (!known_section)
		return fail(p, "unknown section [%s]", section);
	if (key == NULL) /* a section header alone */
		return 1;
	if (strcmp(section, "reminders") == 0)
		return handle_reminders(p, key, value);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].key, key) == 0)
			return set_key(p, &keys[i], value);
	return fail(p, "[%s] unknown key '%s'", section, key);
}

/* ini_reader that counts lines, so messages can say file:line. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0;

	if (p->fp) {
		if (fgets(str, num, p->fp) == NULL)
			return NULL;
	} else {
		if (p->text[p->pos] == '\0')
			return NULL;
		while (n + 1 < (size_t)num && p->text[p->pos]) {
			char ch = p->text[p->pos++];
			str[n++] = ch;
			if (ch == '\n')
				break;
		}
		str[n] = '\0';
	}
	n = strlen(str);
	if (n + 1 == (size_t)num && str[n - 1] != '\n') {
		p->line++;
		fail(p, "line longer than %d characters", num - 2);
		/* skip the rest of the line */
		return str;
	}
	p->line++;
	return str;
}

/* Built-in reminder offsets, overridden by [reminders]. */
static const char *const default_reminders[][2] = {
        {"meeting", "P7D, P1D"},
        {"seminar", "P7D, P1D"},
        {"workshop", "P7D, P1D"},
        {"study_visit", "P14D, P7D, P1D"},
        {"conference", "P14D, P1D"},
        {"grant_submission", "P30D, P7D, P1D, PT2H"},
        {"report", "P14D, P7D, P1D"},
        {"registration", "P7D, P1D"},
        {"other", "P7D, P1D"},
};

static struct config *config_new(void)
{
	struct config *c = calloc(1, sizeof(*c));
	char host[128];

	if (c == NULL)
		return NULL;
	c->listen = strdup("127.0.0.1");
	c->port = 8080;
	c->base_url = strdup("http://127.0.0.1:8080");
	c->plugin_dir = strdup(CONVENED_PREFIX "/lib/convened/plugins");
	c->template_dir = strdup(CONVENED_PREFIX "/share/convened/templates");
	c->sql_dir = strdup(CONVENED_PREFIX "/share/convened/sql");
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "convened");
	host[sizeof(host) - 1] = '\0';
	{
		/* host:pid, so two daemons on one host never share leases */
		char inst[160];
		snprintf(inst, sizeof(inst), "%s:%ld", host, (long)getpid());
		c->instance = strdup(inst);
	}
	c->migrate = 1;
	c->watchdog = 1;
	c->db_conninfo = strdup("dbname=convened");
	c->db_pool_size = 4;
	c->db_reconnect_min_ms = 250;
	c->db_reconnect_max_ms = 10000;
	c->db_query_timeout_ms = 10000;
	c->http_max_body = 1024 * 1024;
	c->http_max_header = 8192;
	c->http_timeout_s = 30;
	c->http_header_timeout_s = 10;
	c->http_body_timeout_s = 30;
	c->http_max_connections = 512;
	c->thr_post_burst = 60;
	c->thr_post_interval_s = 1;
	c->thr_mail_interval_s = 600;
	c->thr_mail_per_day = 5;
	c->outbox_batch = 100;
	c->outbox_lease_s = 60;
	c->outbox_max_attempts = 8;
	c->outbox_retry_base_s = 30;
	c->outbox_retry_max_s = 3600;
	c->outbox_rescan_s = 30;
	c->outbox_notify_window_s = 300;
	c->inbound_keep_raw_max = 10 * 1024 * 1024;
	c->privacy_check_s = 3600;
	c->acc_session_idle_s = 2 * 3600;
	c->acc_session_max_s = 12 * 3600;
	c->acc_fail_per_client = 20;
	c->acc_fail_per_account = 100;
	c->acc_lockout_s = 900;
	c->mail_soft_bounce_limit = 3;
	c->mail_forward_limit = 10;
	c->cal_name = strdup("convened");
	c->cal_organizer = strdup("secretariat@example.org");
	c->cal_organizer_name = strdup("Secretariat");
	c->cal_refresh = strdup("PT1H");
	c->cal_prodid = strdup("-//convened//convened 1.0//EN");
	for (size_t i = 0;
	     i < sizeof(default_reminders) / sizeof(default_reminders[0]);
	     i++) {
		struct parse p = {.c = c, .name = "defaults"};
		handle_reminders(&p, default_reminders[i][0],
		                 default_reminders[i][1]);
	}
	return c;
}

/* The [mail] addresses and sender name as they go into headers, each
 * refused by its key: a header line must not break or carry anything
 * but an address. */
static int mail_finish(const struct config *c, const char *name, char *err,
                       size_t errlen)
{
	static const char plain[] =
	        "must be one plain ASCII address (local@domain, no spaces, "
	        "line breaks, quotes or angle brackets)";
	const struct {
		const char *key, *v;
	} addrs[] = {
	        {"from", c->mail_from},
	        {"reply_to", c->mail_reply_to},
	        {"reply_address", c->mail_reply_address},
	        {"register_address", c->mail_register_address},
	        {"secretariat", c->mail_secretariat},
	};

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		if (addrs[i].v && !mail_addr_ok(addrs[i].v)) {
			snprintf(err, errlen, "%s: [mail] %s %s", name,
			         addrs[i].key, plain);
			return -1;
		}
	if (c->mail_reply_address &&
	    (strchr(c->mail_reply_address, '+') ||
	     strcspn(c->mail_reply_address, "+@") + 33 > 64)) {
		snprintf(
		        err, errlen,
		        "%s: [mail] reply_address must have no '+' and a local "
		        "part of at most 31 characters (convened adds "
		        "+<token>)",
		        name);
		return -1;
	}
	if (c->mail_register_address && strchr(c->mail_register_address, '+')) {
		snprintf(err, errlen,
		         "%s: [mail] register_address must have no '+' "
		         "(convened adds +<event id>)",
		         name);
		return -1;
	}
	if (!mail_text_ok(c->mail_from_name, 256)) {
		snprintf(
		        err, errlen,
		        "%s: [mail] from_name must be UTF-8 text of at most "
		        "256 "
		        "bytes without line breaks or other control characters",
		        name);
		return -1;
	}
	return 0;
}

/* Checks that involve more than one key, after the whole file is read. */
static int config_finish(struct config *c, const char *name, char *err,
                         size_t errlen)
{
	if (c->db_reconnect_max_ms < c->db_reconnect_min_ms) {
		snprintf(err, errlen,
		         "%s: [database] reconnect_max_ms is below "
		         "reconnect_min_ms",
		         name);
		return -1;
	}
	if (c->outbox_retry_max_s < c->outbox_retry_base_s) {
		snprintf(err, errlen,
		         "%s: [outbox] retry_max_seconds is below "
		         "retry_base_seconds",
		         name);
		return -1;
	}
	if (mail_finish(c, name, err, errlen) < 0)
		return -1;
	if (c->admin_token && c->admin_token_file) {
		snprintf(err, errlen,
		         "%s: [convened] give admin_token or admin_token_file, "
		         "not both",
		         name);
		return -1;
	}
	if (c->admin_token_file) {
		char buf[512];
		FILE *f = fopen(c->admin_token_file, "r");
		size_t n;

		if (f == NULL) {
			snprintf(err, errlen,
			         "%s: [convened] admin_token_file %s: %s", name,
			         c->admin_token_file, strerror(errno));
			return -1;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
		                 buf[n - 1] == ' '))
			buf[--n] = '\0';
		if (n < 32 || strpbrk(buf, " \t\r\n") != NULL) {
			snprintf(
			        err, errlen,
			        "%s: [convened] admin_token_file %s: the token "
			        "must be at least 32 characters without spaces",
			        name, c->admin_token_file);
			return -1;
		}
		c->admin_token = strdup(buf);
	}
	if (c->thr_trusted_proxies) {
		char why[200];
		int n = config_parse_nets(c->thr_trusted_proxies,
		                          c->thr_proxies, CONFIG_MAX_PROXIES,
		                          why, sizeof(why));
		if (n < 0) {
			snprintf(err, errlen,
			         "%s: [throttle] trusted_proxies: %s", name,
			         why);
			return -1;
		}
		c->nproxies = (size_t)n;
	}
	for (size_t i = 0; i < c->nplugins; i++) {
		if (c->plugins[i].file == NULL) {
			char f[64];
			snprintf(f, sizeof(f), "%s.so", c->plugins[i].name);
			c->plugins[i].file = strdup(f);
		}
	}
	return 0;
}

static struct config *parse_common(struct parse *p, char *err, size_t errlen)
{
	int rc;

	p->c = config_new();
	if (p->c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = ini_parse_stream(reader, p, handler, p);
	if (rc != 0 || p->failed) {
		if (!p->failed) {
			p->line = rc > 0 ? rc : p->line;
			fail(p, "%s",
			     rc > 0 ? "syntax error (expected [section] or "
			              "key = value)"
			            : "cannot read");
		}
		snprintf(err, errlen, "%s", p->err);
		config_free(p->c);
		return NULL;
	}
	if (config_finish(p->c, p->name, err, errlen) < 0) {
		config_free(p->c);
		return NULL;
	}
	p->c->path = strdup(p->name);
	return p->c;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	struct parse p = {.name = path};
	struct config *c;

	p.fp = fopen(path, "r");
	if (p.fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	c = parse_common(&p, err, errlen);
	fclose(p.fp);
	return c;
}

struct config *config_load_string(const char *text, const char *name, char *err,
                                  size_t errlen)
{
	struct parse p = {.name = name, .text = text};

	return parse_common(&p, err, errlen);
}

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		enum ctype t = keys[i].type;
		if (t != C_INT && t != C_SIZE && t != C_BOOL && t != C_SECS)
			free(*(char **)((char *)c + keys[i].off));
	}
	for (size_t i = 0; i < c->nplugins; i++) {
		struct config_plugin *pl = &c->plugins[i];
		free(pl->name);
		free(pl->file);
		free(pl->channels);
		for (size_t j = 0; j < pl->nkv; j++) {
			free(pl->kv[j].key);
			free(pl->kv[j].value);
		}
	}
	for (size_t i = 0; i < c->nreminders; i++) {
		free(c->reminders[i].kind);
		for (size_t j = 0; j < c->reminders[i].n; j++)
			free(c->reminders[i].offsets[j]);
	}
	free(c->path);
	free(c);
}

char *const *config_reminders_for(const struct config *c, const char *kind,
                                  size_t *n)
{
	for (size_t i = 0; i < c->nreminders; i++)
		if (strcmp(c->reminders[i].kind, kind) == 0) {
			*n = c->reminders[i].n;
			return c->reminders[i].offsets;
		}
	*n = 0;
	return NULL;
}

const char *config_plugin_get(const struct config_plugin *p, const char *key)
{
	if (strcmp(key, "file") == 0)
		return p->file;
	if (strcmp(key, "channels") == 0)
		return p->channels;
	for (size_t i = 0; i < p->nkv; i++)
		if (strcmp(p->kv[i].key, key) == 0)
			return p->kv[i].value;
	return NULL;
}
