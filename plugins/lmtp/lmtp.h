/* lmtp.h - the lmtp source plugin's shared state: the listener (lmtp.c)
 * and the LMTP sessions (lmtp_session.c, RFC 2033). */
#ifndef CONVENED_LMTP_H
#define CONVENED_LMTP_H

#include <event2/util.h>
#include <stddef.h>

#include "plugin.h"

struct evconnlistener;
struct lmtp_session;

struct lmtp {
	struct cv_plugin_ctx *ctx;
	const struct cv_host *host;
	struct evconnlistener *listener;
	char *unix_path; /* the socket file we made, unlinked at shutdown */
	size_t max_size; /* bytes of one message */
	long max_rcpts;  /* recipients of one transaction */
	long timeout_s;  /* idle time before 421 */
	char hostname[256];
	struct lmtp_session *sessions; /* open sessions */
	int stopping;
};

/* Start a session on the accepted socket FD (taken over). */
void lmtp_session_new(struct lmtp *l, evutil_socket_t fd);

/* Answer "421" to every open session and close them all. */
void lmtp_session_close_all(struct lmtp *l);

#endif
