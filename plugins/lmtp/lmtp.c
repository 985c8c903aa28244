/* lmtp.c - the lmtp source plugin: an LMTP server (RFC 2033) on the host's
 * event loop, listening on a Unix socket or a loopback TCP port, handing
 * every received message to the host (host->inbound).  This file: config,
 * listener, plugin life; the protocol is in lmtp_session.c. */
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lmtp.h"

#define DEFAULT_MAX_SIZE   ((size_t)10 * 1024 * 1024)
#define LIMIT_MAX_SIZE     ((size_t)25 * 1024 * 1024) /* the host's limit */
#define DEFAULT_MAX_RCPTS  100
#define DEFAULT_TIMEOUT_S  300
#define DEFAULT_SOCKET_MOD 0660

static const char *const keys[] = {"listen",  "max_size",    "max_recipients",
                                   "timeout", "socket_mode", NULL};

static void on_accept(struct evconnlistener *lst, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
	struct lmtp *l = arg;

	if (l->stopping) {
		evutil_closesocket(fd);
		return;
	}
	lmtp_session_new(l, fd);
}

static void on_accept_error(struct evconnlistener *lst, void *arg)
{
	struct lmtp *l = arg;
	int e = EVUTIL_SOCKET_ERROR();

	l->host->log(l->ctx, CV_LOG_WARN, "accept: %s",
	             evutil_socket_error_to_string(e));
}

/* unix:/path: a socket file (a stale one from an earlier run is replaced;
 * any other file there is an error), mode MODE. */
static int listen_unix(struct lmtp *l, const char *path, long mode, char *err,
                       size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;

	if (*path != '/' || strlen(path) >= sizeof(sun.sun_path))
		return snprintf(err, errlen,
		                "listen: unix: needs an absolute path shorter "
		                "than %zu bytes",
		                sizeof(sun.sun_path)),
		       -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return snprintf(err, errlen,
			                "listen: %s exists and is not a socket",
			                path),
			       -1;
		unlink(path);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	old = umask(0177);
	l->listener = evconnlistener_new_bind(
	        l->host->base(l->ctx), on_accept, l,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64,
	        (struct sockaddr *)&sun, (int)sizeof(sun));
	umask(old);
	if (!l->listener)
		return snprintf(err, errlen, "listen: cannot bind %s: %s", path,
		                strerror(errno)),
		       -1;
	l->unix_path = strdup(path);
	if (!l->unix_path || chmod(path, (mode_t)mode) < 0)
		return snprintf(err, errlen, "listen: chmod %s: %s", path,
		                strerror(errno)),
		       -1;
	return 0;
}

/* inet:ADDR:PORT ("inet:127.0.0.1:2424", "inet:[::1]:2424"). */
static int listen_inet(struct lmtp *l, const char *spec, char *err,
                       size_t errlen)
{
	struct sockaddr_storage ss;
	int len = (int)sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &len) <
	            0 ||
	    strrchr(spec, ':') == NULL ||
	    (ss.ss_family == AF_INET &&
	     ((struct sockaddr_in *)&ss)->sin_port == 0))
		return snprintf(err, errlen,
		                "listen: '%s' is not a numeric address with a "
		                "port (inet:127.0.0.1:2424)",
		                spec),
		       -1;
	l->listener = evconnlistener_new_bind(
	        l->host->base(l->ctx), on_accept, l,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
	                LEV_OPT_REUSEABLE,
	        64, (struct sockaddr *)&ss, len);
	if (!l->listener)
		return snprintf(err, errlen, "listen: cannot bind %s: %s", spec,
		                strerror(errno)),
		       -1;
	return 0;
}

static void lmtp_free(struct lmtp *l)
{
	if (!l)
		return;
	l->stopping = 1;
	if (l->listener)
		evconnlistener_free(l->listener);
	lmtp_session_close_all(l);
	if (l->unix_path) {
		unlink(l->unix_path);
		free(l->unix_path);
	}
	free(l);
}

static int lmtp_init(struct cv_plugin_ctx *ctx, const struct cv_host *host,
                     void **state, char *err, size_t errlen)
{
	struct lmtp *l;
	const char *listen;
	long mode = DEFAULT_SOCKET_MOD;
	char m[16];
	int r;

	if (!CV_HOST_HAS(host, inbound) || !host->inbound)
		return snprintf(err, errlen,
		                "this convened cannot take received mail "
		                "(plugin ABI %u, lmtp needs 3)",
		                host->abi),
		       -1;
	l = calloc(1, sizeof(*l));
	if (!l)
		return snprintf(err, errlen, "out of memory"), -1;
	l->ctx = ctx;
	l->host = host;
	l->max_size = DEFAULT_MAX_SIZE;
	l->max_rcpts = DEFAULT_MAX_RCPTS;
	l->timeout_s = DEFAULT_TIMEOUT_S;
	if (host->conf_size(ctx, "max_size", 1024, LIMIT_MAX_SIZE, &l->max_size,
	                    err, errlen) < 0 ||
	    host->conf_int(ctx, "max_recipients", 1, 10000, &l->max_rcpts, err,
	                   errlen) < 0 ||
	    host->conf_duration(ctx, "timeout", 1, 3600, &l->timeout_s, err,
	                        errlen) < 0)
		goto fail;
	if (host->conf(ctx, "socket_mode")) {
		const char *v = host->conf(ctx, "socket_mode");
		char *end;

		errno = 0;
		mode = strtol(v, &end, 8);
		if (errno || *end || end == v || mode < 0 || mode > 0777) {
			snprintf(err, errlen,
			         "socket_mode: '%s' is not an octal mode like "
			         "0660",
			         v);
			goto fail;
		}
	}
	listen = host->conf(ctx, "listen");
	if (!listen) {
		snprintf(err, errlen,
		         "listen: required (unix:/path or "
		         "inet:127.0.0.1:PORT)");
		goto fail;
	}
	if (strncmp(listen, "unix:", 5) == 0)
		r = listen_unix(l, listen + 5, mode, err, errlen);
	else if (strncmp(listen, "inet:", 5) == 0)
		r = listen_inet(l, listen + 5, err, errlen);
	else {
		snprintf(err, errlen,
		         "listen: '%s' is neither unix:/path nor "
		         "inet:ADDRESS:PORT",
		         listen);
		r = -1;
	}
	if (r < 0)
		goto fail;
	evconnlistener_set_error_cb(l->listener, on_accept_error);
	if (gethostname(l->hostname, sizeof(l->hostname) - 1) < 0 ||
	    !l->hostname[0])
		snprintf(l->hostname, sizeof(l->hostname), "convened");
	snprintf(m, sizeof(m), "%zu", l->max_size);
	host->log(ctx, CV_LOG_INFO, "listening on %s (max_size %s bytes)",
	          listen, m);
	*state = l;
	return 0;
fail:
	lmtp_free(l);
	return -1;
}

static void lmtp_shutdown(void *state)
{
	lmtp_free(state);
}

static const struct cv_plugin plugin = {
        .abi = CV_PLUGIN_ABI,
        .size = sizeof(struct cv_plugin),
        .name = "lmtp",
        .config_keys = keys,
        .init = lmtp_init,
        .shutdown = lmtp_shutdown,
};

const struct cv_plugin *cv_plugin_entry(void)
{
	return &plugin;
}
