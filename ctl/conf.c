/* conf.c - read the daemon's URL and admin token from its convened.conf. */
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct found {
	char *listen, *port, *base_url, *token, *token_file;
};

static int set(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst != NULL;
}

/* inih callback: keep the [convened] keys we need, ignore the rest. */
static int handler(void *user, const char *section, const char *key,
                   const char *value)
{
	struct found *f = user;

	if (key == NULL || strcmp(section, "convened") != 0)
		return 1;
	if (strcmp(key, "listen") == 0)
		return set(&f->listen, value);
	if (strcmp(key, "port") == 0)
		return set(&f->port, value);
	if (strcmp(key, "base_url") == 0)
		return set(&f->base_url, value);
	if (strcmp(key, "admin_token") == 0)
		return set(&f->token, value);
	if (strcmp(key, "admin_token_file") == 0)
		return set(&f->token_file, value);
	return 1;
}

/* Read a token file: as given (relative to the working directory, like
 * the daemon), else relative to the config file's directory. */
static char *read_token(const char *file, const char *conf, char *err,
                        size_t errlen)
{
	char buf[512], alt[4096], *copy;
	FILE *fp = fopen(file, "r");
	size_t n;

	if (fp == NULL && file[0] != '/') {
		copy = strdup(conf);
		if (copy == NULL)
			return NULL;
		snprintf(alt, sizeof(alt), "%s/%s", dirname(copy), file);
		free(copy);
		fp = fopen(alt, "r");
	}
	if (fp == NULL) {
		snprintf(err, errlen, "%s: admin_token_file %s: %s", conf, file,
		         strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (n > 0 && strchr("\r\n \t", buf[n - 1]))
		buf[--n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "%s: admin_token_file %s is empty", conf,
		         file);
		return NULL;
	}
	return strdup(buf);
}

/* http://listen:port, with wildcard addresses mapped to loopback. */
static char *listen_url(const struct found *f)
{
	const char *host = f->listen ? f->listen : "127.0.0.1";
	const char *port = f->port ? f->port : "8080";
	char url[300];

	if (strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	if (strchr(host, ':'))
		snprintf(url, sizeof(url), "http://[%s]:%s", host, port);
	else
		snprintf(url, sizeof(url), "http://%s:%s", host, port);
	return strdup(url);
}

int ctl_conf_read(struct ctl *c, const char *path, char *err, size_t errlen)
{
	struct found f = {0};
	int rc = ini_parse(path, handler, &f), ret = 0;

	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	} else if (rc > 0) {
		snprintf(err, errlen, "%s:%d: cannot parse", path, rc);
		ret = -1;
	} else {
		if (c->url == NULL) {
			/* The daemon listens on listen:port (defaults
			 * 127.0.0.1:8080); base_url only when neither is
			 * given and it differs. */
			if (f.listen == NULL && f.port == NULL && f.base_url)
				c->url = strdup(f.base_url);
			else
				c->url = listen_url(&f);
		}
		if (c->token == NULL && f.token)
			c->token = strdup(f.token);
		else if (c->token == NULL && f.token_file) {
			c->token = read_token(f.token_file, path, err, errlen);
			if (c->token == NULL)
				ret = -1;
		}
	}
	free(f.listen);
	free(f.port);
	free(f.base_url);
	free(f.token);
	free(f.token_file);
	return ret;
}
