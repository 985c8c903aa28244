/* email_smtp.c - one blocking libesmtp session per batch, with per-message
 * and per-recipient status classified into ok / retry / fail. */
#include <dirent.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* openssl/ssl.h and auth-client.h first: they enable parts of libesmtp.h */
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <auth-client.h>
#include <libesmtp.h>

#include "email_smtp.h"

/* Our SSL context for STARTTLS (NULL with starttls = off).
 *
 * TLS 1.2 at most: libesmtp 1.1's session loop, when a poll finds the
 * socket readable while its next command is still in the write buffer,
 * reads before it flushes, and a read that yields no application data
 * waits for a reply to a command it never sent, until the timeout (then
 * QUITs and returns success with no status: "no reply from the server").
 * TLS 1.3 servers send NewSessionTicket records after the handshake, so
 * after STARTTLS they often arrive just as the EHLO is buffered.  In TLS
 * 1.2 tickets belong to the handshake and nothing arrives unasked. */
static SSL_CTX *ssl_ctx;
static int auth_inited;

/* Per-session state shared with the callbacks. */
struct session_state {
	const struct email_conf *conf;
	char tls_reason[200]; /* why TLS was refused, or "" */
};

int email_smtp_init(const struct email_conf *c, char *err, size_t errlen)
{
	if (c->user != NULL && !auth_inited) {
		auth_client_init();
		auth_inited = 1;
	}
	if (c->starttls == EMAIL_TLS_OFF)
		return 0;
	ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (ssl_ctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ssl_ctx, TLS1_2_VERSION);
	if (c->ca_file == NULL) {
		/* as libesmtp's own context: libesmtp checks the result */
		SSL_CTX_set_default_verify_paths(ssl_ctx);
		return 0;
	}
	SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ssl_ctx, c->ca_file, NULL) != 1) {
		snprintf(err, errlen,
		         "ca_file: %s holds no usable PEM "
		         "certificate",
		         c->ca_file);
		SSL_CTX_free(ssl_ctx);
		ssl_ctx = NULL;
		return -1;
	}
	return 0;
}

void email_smtp_exit(void)
{
	if (ssl_ctx != NULL)
		SSL_CTX_free(ssl_ctx);
	ssl_ctx = NULL;
	if (auth_inited)
		auth_client_exit();
	auth_inited = 0;
}

/* TCP_NODELAY on FD when it is a TCP socket connected to PORT. */
static void nodelay_if_ours(int fd, int port)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	int type, on = 1, peer;
	socklen_t tlen = sizeof type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_STREAM ||
	    getpeername(fd, (struct sockaddr *)&sa, &len) < 0)
		return;
	if (sa.ss_family == AF_INET)
		peer = ntohs(((struct sockaddr_in *)&sa)->sin_port);
	else if (sa.ss_family == AF_INET6)
		peer = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	else
		return;
	if (peer == port)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/*
 * Turn off Nagle's algorithm on the session's socket, which libesmtp does
 * not expose: at SMTP_EV_CONNECT (in this thread, right after connect),
 * every TCP socket of the process connected to the server's port.  libesmtp
 * writes a message in 2 KB pieces; with Nagle, the last piece of each
 * message waited for the server's delayed ACK (40 ms on Linux) before the
 * server could answer, so each session sent at most 25 messages a second.
 * Another worker's socket to the same server wants the same option; a
 * descriptor reused meanwhile by a thread of the host is at worst a TCP
 * socket with TCP_NODELAY, which is harmless.
 */
static void nodelay_sessions(int port)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (d == NULL) {
		for (int fd = 3; fd < 1024; fd++)
			nodelay_if_ours(fd, port);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
		    atoi(de->d_name) != dirfd(d))
			nodelay_if_ours(atoi(de->d_name), port);
	closedir(d);
}

/* libesmtp events: refuse (keep *ok = 0) every TLS problem and note why. */
static void on_event(smtp_session_t session, int event, void *arg, ...)
{
	struct session_state *st = arg;
	va_list ap;
	long vfy;

	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_CONNECT:
		nodelay_sessions(st->conf->port);
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		vfy = va_arg(ap, long);
		snprintf(st->tls_reason, sizeof st->tls_reason,
		         "TLS: invalid server certificate: %s",
		         X509_verify_cert_error_string(vfy));
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
		snprintf(st->tls_reason, sizeof st->tls_reason,
		         "TLS: the server sent no certificate");
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		snprintf(st->tls_reason, sizeof st->tls_reason,
		         "TLS: the server certificate does not name the host");
		break;
	case SMTP_EV_WEAK_CIPHER:
		snprintf(st->tls_reason, sizeof st->tls_reason,
		         "TLS: weak cipher");
		break;
	case SMTP_EV_UNUSABLE_CA_LIST:
	case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
	case SMTP_EV_NO_CLIENT_CERTIFICATE:
		snprintf(st->tls_reason, sizeof st->tls_reason,
		         "TLS: unusable local certificate or CA list");
		break;
	case SMTP_EV_EXTNA_STARTTLS:
		snprintf(st->tls_reason, sizeof st->tls_reason,
		         "TLS: the server does not offer STARTTLS "
		         "(starttls = required)");
		break;
	default:
		break;
	}
	va_end(ap);
	(void)session;
}

/* AUTH asks for the user name and password. */
static int on_auth(auth_client_request_t req, char **result, int fields,
                   void *arg)
{
	const struct email_conf *c = arg;
	int i;

	for (i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = c->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = c->password;
		else
			result[i] = (char *)"";
	}
	return 1;
}

/* "CODE text" of a status, single line, into OUT. */
static void status_text(char *out, size_t outlen, const char *what,
                        const smtp_status_t *s)
{
	size_t i, n;

	n = (size_t)snprintf(out, outlen, "%s%s%d %s", what, *what ? ": " : "",
	                     s->code, s->text != NULL ? s->text : "");
	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

/* libesmtp's message callback: the item's bytes in one piece.  libesmtp
 * reads them line by line (lines end in CRLF; a bare LF does not end a
 * line), passes our headers through unchanged when each appears once and
 * adds none we already have, and does the dot-stuffing itself, so the
 * message goes out exactly as the host built it.  With LEN NULL: rewind. */
static const char *message_cb(void **ctx, int *len, void *arg)
{
	const struct email_item *it = arg;
	int *sent = *ctx;

	if (sent == NULL) {
		sent = calloc(1, sizeof *sent); /* libesmtp frees it */
		if (sent == NULL) {
			if (len != NULL)
				*len = 0;
			return NULL;
		}
		*ctx = sent;
	}
	if (len == NULL) {
		*sent = 0;
		return NULL;
	}
	*len = *sent || it->len > INT_MAX ? 0 : (int)it->len;
	*sent = 1;
	return it->mime;
}

/* Classify one message after the session.  SESSION_ERR is the reason the
 * session ended early, or NULL when it ran to QUIT. */
static void classify(struct email_item *it, smtp_message_t msg,
                     smtp_recipient_t rcpt, const char *session_err)
{
	const smtp_status_t *mail, *rs, *ts;

	mail = smtp_reverse_path_status(msg);
	rs = smtp_recipient_status(rcpt);
	ts = smtp_message_transfer_status(msg);
	it->reason[0] = '\0';
	if (ts != NULL && ts->code / 100 == 2 && rs != NULL &&
	    rs->code / 100 == 2) {
		it->result = CV_OK;
		return;
	}
	if (rs != NULL && rs->code / 100 == 5) {
		it->result = CV_FAIL;
		status_text(it->reason, sizeof it->reason, "recipient refused",
		            rs);
		return;
	}
	if (rs != NULL && rs->code / 100 == 2 && ts != NULL &&
	    ts->code / 100 == 5) {
		it->result = CV_FAIL;
		status_text(it->reason, sizeof it->reason, "message refused",
		            ts);
		return;
	}
	/* Everything else may work later: 4xx anywhere, a sender refused
	 * (a configuration or AUTH problem), or a session cut short. */
	it->result = CV_RETRY;
	if (mail != NULL && mail->code != 0 && mail->code / 100 != 2)
		status_text(it->reason, sizeof it->reason, "sender refused",
		            mail);
	else if (rs != NULL && rs->code != 0 && rs->code / 100 != 2)
		status_text(it->reason, sizeof it->reason, "recipient deferred",
		            rs);
	else if (ts != NULL && ts->code != 0 && ts->code / 100 != 2)
		status_text(it->reason, sizeof it->reason, "message deferred",
		            ts);
	else
		snprintf(it->reason, sizeof it->reason, "%s",
		         session_err != NULL ? session_err
		                             : "no reply from the server");
}

void email_smtp_send(const struct email_conf *c, struct email_item *items,
                     size_t n)
{
	static const int timeouts[] = {Timeout_GREETING, Timeout_ENVELOPE,
	                               Timeout_DATA, Timeout_TRANSFER,
	                               Timeout_DATA2};
	struct session_state st = {.conf = c};
	smtp_session_t s;
	smtp_message_t *msgs = NULL;
	smtp_recipient_t *rcpts = NULL;
	auth_context_t auth = NULL;
	char errbuf[160], why[220];
	const char *session_err = NULL;
	size_t i;

	s = smtp_create_session();
	msgs = calloc(n, sizeof *msgs);
	rcpts = calloc(n, sizeof *rcpts);
	if (s == NULL || msgs == NULL || rcpts == NULL) {
		session_err = "out of memory";
		goto fail_all;
	}
	smtp_set_server(s, c->server);
	if (c->helo != NULL)
		smtp_set_hostname(s, c->helo);
	for (i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++)
		smtp_set_timeout(s,
		                 timeouts[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
		                 c->timeout_ms);
	smtp_set_eventcb(s, on_event, &st);
	switch (c->starttls) {
	case EMAIL_TLS_OFF:
		smtp_starttls_enable(s, Starttls_DISABLED);
		break;
	case EMAIL_TLS_WHEN_OFFERED:
		smtp_starttls_enable(s, Starttls_ENABLED);
		break;
	case EMAIL_TLS_REQUIRED:
		smtp_starttls_enable(s, Starttls_REQUIRED);
		break;
	}
	if (ssl_ctx != NULL)
		smtp_starttls_set_ctx(s, ssl_ctx);
	if (c->user != NULL) {
		auth = auth_create_context();
		if (auth == NULL) {
			session_err = "out of memory";
			goto fail_all;
		}
		auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(auth, on_auth, (void *)c);
		smtp_auth_set_context(s, auth);
	}
	for (i = 0; i < n; i++) {
		msgs[i] = smtp_add_message(s);
		if (msgs[i] == NULL) {
			session_err = "out of memory";
			goto fail_all;
		}
		smtp_set_reverse_path(msgs[i], items[i].sender);
		rcpts[i] = smtp_add_recipient(msgs[i], items[i].recipient);
		smtp_set_messagecb(msgs[i], message_cb, &items[i]);
		if (rcpts[i] == NULL) {
			session_err = "out of memory";
			goto fail_all;
		}
	}
	if (!smtp_start_session(s)) {
		if (st.tls_reason[0]) {
			session_err = st.tls_reason;
		} else {
			smtp_strerror(smtp_errno(), errbuf, sizeof errbuf);
			snprintf(why, sizeof why,
			         "SMTP session with %s failed: %s", c->server,
			         errbuf);
			session_err = why;
		}
	} else if (st.tls_reason[0]) {
		session_err = st.tls_reason;
	}
	for (i = 0; i < n; i++)
		classify(&items[i], msgs[i], rcpts[i], session_err);
	goto out;

fail_all:
	for (i = 0; i < n; i++) {
		items[i].result = CV_RETRY;
		snprintf(items[i].reason, sizeof items[i].reason, "%s",
		         session_err);
	}
out:
	if (s != NULL)
		smtp_destroy_session(s);
	if (auth != NULL)
		auth_destroy_context(auth);
	free(msgs);
	free(rcpts);
}
