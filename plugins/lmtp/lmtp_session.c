/* lmtp_session.c - one LMTP session (RFC 2033): LHLO, MAIL, RCPT, DATA,
 * RSET, NOOP, QUIT with PIPELINING and ENHANCEDSTATUSCODES; the message is
 * dot-unstuffed, handed to the host after the final dot, and answered with
 * one reply per recipient once the host has stored and decided it. */
#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lmtp.h"

#define MAX_LINE   2048  /* a command line, CRLF excluded */
#define DATA_CHUNK 65536 /* a data line longer than this is cut */
#define MAX_ERRORS 10    /* protocol errors before 421 */
#define MAX_REASON 300   /* bytes of a host reason in a reply */

enum state {
	S_GREET, /* before LHLO */
	S_READY, /* LHLO done, no transaction */
	S_MAIL,  /* MAIL given, taking RCPT */
	S_DATA,  /* reading the message */
	S_WAIT,  /* the host is storing it: input is not read */
	S_QUIT,  /* closing once the output is written */
};

struct lmtp_session {
	struct lmtp *l;
	struct lmtp_session *prev, *next;
	struct bufferevent *bev;
	enum state st;
	char *mail_from;
	char **rcpts;
	size_t nrcpt;
	struct evbuffer *data; /* the message so far */
	int oversize;          /* data went past max_size: dropped */
	int at_line_start;
	int errors;
	int orphan; /* the client went away while the host was working */
};

static void process(struct lmtp_session *s);

static void reply(struct lmtp_session *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void reply(struct lmtp_session *s, const char *fmt, ...)
{
	struct evbuffer *out;
	va_list ap;

	if (!s->bev)
		return;
	out = bufferevent_get_output(s->bev);
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
}

static void reset_transaction(struct lmtp_session *s)
{
	free(s->mail_from);
	s->mail_from = NULL;
	for (size_t i = 0; i < s->nrcpt; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpt = 0;
	evbuffer_drain(s->data, evbuffer_get_length(s->data));
	s->oversize = 0;
	s->at_line_start = 1;
}

static void session_free(struct lmtp_session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else if (s->l->sessions == s)
		s->l->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	reset_transaction(s);
	evbuffer_free(s->data);
	if (s->bev)
		bufferevent_free(s->bev);
	free(s);
}

static void on_written(struct bufferevent *bev, void *arg)
{
	struct lmtp_session *s = arg;

	if (s->st == S_QUIT)
		session_free(s);
}

/* Stop reading and close once everything queued is written. */
static void close_after_reply(struct lmtp_session *s)
{
	s->st = S_QUIT;
	bufferevent_disable(s->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0)
		session_free(s);
}

/* A protocol error: count it; 1 when the session was closed. */
static int protocol_error(struct lmtp_session *s)
{
	if (++s->errors < MAX_ERRORS)
		return 0;
	reply(s, "421 4.7.0 %s too many errors, closing", s->l->hostname);
	close_after_reply(s);
	return 1;
}

/* The address inside <...> after the "FROM:"/"TO:" prefix of ARG, copied
 * into a fresh string (""  for <>), and in *rest what follows; NULL when
 * it is not written that way. */
static char *path_arg(const char *arg, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	const char *lt, *gt;

	if (strncasecmp(arg, prefix, n) != 0)
		return NULL;
	lt = arg + n;
	while (*lt == ' ')
		lt++;
	if (*lt != '<' || !(gt = strchr(lt, '>')))
		return NULL;
	*rest = gt + 1;
	return strndup(lt + 1, (size_t)(gt - lt - 1));
}

/* SIZE=n among the ESMTP parameters REST; 0 when absent. */
static unsigned long long size_param(const char *rest)
{
	const char *p = rest;

	while ((p = strcasestr(p, "SIZE=")) != NULL) {
		if (p == rest || p[-1] == ' ')
			return strtoull(p + 5, NULL, 10);
		p += 5;
	}
	return 0;
}

static void cmd_lhlo(struct lmtp_session *s, const char *arg)
{
	if (!*arg) {
		reply(s, "501 5.5.4 syntax: LHLO hostname");
		protocol_error(s);
		return;
	}
	reset_transaction(s);
	s->st = S_READY;
	reply(s, "250-%s", s->l->hostname);
	reply(s, "250-PIPELINING");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	reply(s, "250 SIZE %zu", s->l->max_size);
}

static void cmd_mail(struct lmtp_session *s, const char *arg)
{
	const char *rest;
	char *from;

	if (s->st == S_GREET) {
		reply(s, "503 5.5.1 send LHLO first");
		protocol_error(s);
		return;
	}
	if (s->st == S_MAIL) {
		reply(s, "503 5.5.1 nested MAIL command");
		protocol_error(s);
		return;
	}
	from = path_arg(arg, "FROM:", &rest);
	if (!from) {
		reply(s, "501 5.5.4 syntax: MAIL FROM:<address>");
		protocol_error(s);
		return;
	}
	if (size_param(rest) > s->l->max_size) {
		free(from);
		reply(s,
		      "552 5.3.4 message size exceeds the limit of %zu "
		      "bytes",
		      s->l->max_size);
		return;
	}
	s->mail_from = from;
	s->st = S_MAIL;
	reply(s, "250 2.1.0 sender ok");
}

static void cmd_rcpt(struct lmtp_session *s, const char *arg)
{
	const char *rest;
	char *to, **v;

	if (s->st != S_MAIL) {
		reply(s, "503 5.5.1 send MAIL first");
		protocol_error(s);
		return;
	}
	to = path_arg(arg, "TO:", &rest);
	if (!to) {
		reply(s, "501 5.5.4 syntax: RCPT TO:<address>");
		protocol_error(s);
		return;
	}
	if (!*to || !strchr(to, '@') || strpbrk(to, " \t\"\\")) {
		free(to);
		reply(s, "501 5.1.3 bad recipient address syntax");
		protocol_error(s);
		return;
	}
	if ((long)s->nrcpt >= s->l->max_rcpts) {
		free(to);
		reply(s, "452 4.5.3 too many recipients");
		return;
	}
	v = realloc(s->rcpts, (s->nrcpt + 1) * sizeof(*v));
	if (!v) {
		free(to);
		reply(s, "452 4.3.0 out of memory");
		return;
	}
	s->rcpts = v;
	s->rcpts[s->nrcpt++] = to;
	reply(s, "250 2.1.5 recipient ok");
}

static void cmd_data(struct lmtp_session *s, const char *arg)
{
	if (s->st != S_MAIL) {
		reply(s, "503 5.5.1 send MAIL first");
		protocol_error(s);
		return;
	}
	if (s->nrcpt == 0) {
		reply(s, "503 5.5.1 no valid recipients");
		protocol_error(s);
		return;
	}
	if (*arg) {
		reply(s, "501 5.5.4 syntax: DATA");
		protocol_error(s);
		return;
	}
	s->st = S_DATA;
	s->at_line_start = 1;
	reply(s, "354 2.0.0 go ahead, end with <CRLF>.<CRLF>");
}

static void command(struct lmtp_session *s, char *line)
{
	char *arg = line;

	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		*arg++ = '\0';
	while (*arg == ' ')
		arg++;
	if (strcasecmp(line, "LHLO") == 0)
		cmd_lhlo(s, arg);
	else if (strcasecmp(line, "MAIL") == 0)
		cmd_mail(s, arg);
	else if (strcasecmp(line, "RCPT") == 0)
		cmd_rcpt(s, arg);
	else if (strcasecmp(line, "DATA") == 0)
		cmd_data(s, arg);
	else if (strcasecmp(line, "RSET") == 0) {
		reset_transaction(s);
		if (s->st != S_GREET)
			s->st = S_READY;
		reply(s, "250 2.0.0 ok");
	} else if (strcasecmp(line, "NOOP") == 0)
		reply(s, "250 2.0.0 ok");
	else if (strcasecmp(line, "QUIT") == 0) {
		reply(s, "221 2.0.0 %s closing", s->l->hostname);
		close_after_reply(s);
	} else if (strcasecmp(line, "HELO") == 0 ||
	           strcasecmp(line, "EHLO") == 0) {
		reply(s, "500 5.5.1 this is LMTP (RFC 2033): use LHLO");
		protocol_error(s);
	} else {
		reply(s, "500 5.5.2 command not recognized");
		protocol_error(s);
	}
}

/* A reason from the host as one printable line of bounded length. */
static void clean_reason(char *out, size_t len, const char *r)
{
	size_t n = 0;

	for (; r && *r && n + 1 < len && n < MAX_REASON; r++)
		out[n++] = (unsigned char)*r < 0x20 || *r == 0x7f ? ' ' : *r;
	out[n] = '\0';
}

static void on_inbound(void *arg, const enum cv_result *results,
                       const char *const *reasons, size_t n)
{
	struct lmtp_session *s = arg;
	char why[MAX_REASON + 1];

	if (s->orphan) {
		session_free(s);
		return;
	}
	for (size_t i = 0; i < n && i < s->nrcpt; i++) {
		clean_reason(why, sizeof(why), reasons[i]);
		switch (results[i]) {
		case CV_OK:
			reply(s, "250 2.1.5 <%s> %s", s->rcpts[i],
			      why[0] ? why : "stored");
			break;
		case CV_RETRY:
			reply(s, "452 4.3.0 <%s> try again later: %s",
			      s->rcpts[i], why[0] ? why : "not stored");
			break;
		case CV_FAIL:
		default:
			reply(s, "554 5.6.0 <%s> refused: %s", s->rcpts[i],
			      why[0] ? why : "refused");
			break;
		}
	}
	reset_transaction(s);
	s->st = S_READY;
	if (s->l->stopping)
		return;
	bufferevent_enable(s->bev, EV_READ);
	process(s); /* commands pipelined behind the message */
}

/* The final dot: answer or hand the message to the host. */
static void end_of_data(struct lmtp_session *s)
{
	struct evbuffer *d = s->data;
	size_t len = evbuffer_get_length(d);
	const char *raw;

	if (s->oversize) {
		for (size_t i = 0; i < s->nrcpt; i++)
			reply(s,
			      "552 5.3.4 <%s> message exceeds the limit of "
			      "%zu bytes",
			      s->rcpts[i], s->l->max_size);
		reset_transaction(s);
		s->st = S_READY;
		return;
	}
	raw = (const char *)evbuffer_pullup(d, -1);
	if (!raw)
		raw = "";
	if (s->l->host->inbound(s->l->ctx, raw, len,
	                        s->mail_from ? s->mail_from : "",
	                        (const char *const *)s->rcpts, s->nrcpt,
	                        on_inbound, s) < 0) {
		for (size_t i = 0; i < s->nrcpt; i++)
			reply(s, "451 4.3.0 <%s> cannot take mail now",
			      s->rcpts[i]);
		reset_transaction(s);
		s->st = S_READY;
		return;
	}
	s->st = S_WAIT;
	bufferevent_disable(s->bev, EV_READ);
}

/* Move LEN bytes of the input into the message (or drop them when over
 * the limit) and add END (a CRLF or nothing). */
static void add_data(struct lmtp_session *s, struct evbuffer *in, size_t len,
                     const char *end)
{
	size_t have = evbuffer_get_length(s->data), n = len + strlen(end);

	if (!s->oversize && have + n > s->l->max_size) {
		s->oversize = 1;
		evbuffer_drain(s->data, have);
	}
	if (s->oversize) {
		evbuffer_drain(in, len);
		return;
	}
	evbuffer_remove_buffer(in, s->data, len);
	evbuffer_add(s->data, end, strlen(end));
}

/* Read message lines: 1 when the final dot was read, 0 for more input. */
static int read_data(struct lmtp_session *s, struct evbuffer *in)
{
	for (;;) {
		size_t eol = 0, len;
		struct evbuffer_ptr p =
		        evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_CRLF);
		char first = 0;

		if (p.pos < 0) {
			size_t avail = evbuffer_get_length(in);
			if (avail <= DATA_CHUNK)
				return 0;
			/* a very long line: take it in pieces (keep the
			 * last byte, it may be the CR of the CRLF) */
			if (s->at_line_start) {
				evbuffer_copyout(in, &first, 1);
				if (first == '.')
					evbuffer_drain(in, 1), avail--;
			}
			add_data(s, in, avail - 1, "");
			s->at_line_start = 0;
			continue;
		}
		len = (size_t)p.pos;
		if (s->at_line_start && len > 0)
			evbuffer_copyout(in, &first, 1);
		if (s->at_line_start && len == 1 && first == '.') {
			evbuffer_drain(in, len + eol);
			return 1;
		}
		if (s->at_line_start && first == '.') { /* dot-stuffed */
			evbuffer_drain(in, 1);
			len--;
		}
		add_data(s, in, len, "\r\n");
		evbuffer_drain(in, eol);
		s->at_line_start = 1;
	}
}

static void process(struct lmtp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);

	while (s->st != S_WAIT && s->st != S_QUIT) {
		size_t n;
		char *line;

		if (s->st == S_DATA) {
			if (!read_data(s, in))
				return;
			end_of_data(s);
			continue;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
		if (!line) {
			if (evbuffer_get_length(in) > MAX_LINE) {
				reply(s, "500 5.5.2 line too long");
				close_after_reply(s);
			}
			return;
		}
		if (n > MAX_LINE) {
			reply(s, "500 5.5.2 line too long");
			free(line);
			if (protocol_error(s))
				return;
			continue;
		}
		command(s, line);
		free(line);
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	process(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct lmtp_session *s = arg;

	if ((what & BEV_EVENT_TIMEOUT) && s->st != S_QUIT && s->st != S_WAIT) {
		reply(s, "421 4.4.2 %s timeout, closing", s->l->hostname);
		close_after_reply(s);
		return;
	}
	if (s->st == S_WAIT) { /* answered when the host is done */
		bufferevent_free(s->bev);
		s->bev = NULL;
		s->orphan = 1;
		return;
	}
	session_free(s);
}

void lmtp_session_new(struct lmtp *l, evutil_socket_t fd)
{
	struct lmtp_session *s = calloc(1, sizeof(*s));
	struct timeval tv = {l->timeout_s, 0};

	if (s) {
		s->data = evbuffer_new();
		s->bev = bufferevent_socket_new(l->host->base(l->ctx), fd,
		                                BEV_OPT_CLOSE_ON_FREE);
	}
	if (!s || !s->data || !s->bev) {
		l->host->log(l->ctx, CV_LOG_ERR, "out of memory for a session");
		if (s && s->data)
			evbuffer_free(s->data);
		if (s && s->bev)
			bufferevent_free(s->bev);
		else
			evutil_closesocket(fd);
		free(s);
		return;
	}
	s->l = l;
	s->st = S_GREET;
	s->at_line_start = 1;
	s->next = l->sessions;
	if (l->sessions)
		l->sessions->prev = s;
	l->sessions = s;
	bufferevent_setcb(s->bev, on_read, on_written, on_event, s);
	bufferevent_set_timeouts(s->bev, &tv, &tv);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	reply(s, "220 %s LMTP convened ready", l->hostname);
}

void lmtp_session_close_all(struct lmtp *l)
{
	while (l->sessions) {
		struct lmtp_session *s = l->sessions;

		if (s->bev) {
			struct evbuffer *out = bufferevent_get_output(s->bev);

			reply(s, "421 4.3.2 %s shutting down", l->hostname);
			/* one best-effort write of what is queued; the loop
			 * is stopping, so take the output from the
			 * bufferevent (which freezes its start) */
			evbuffer_unfreeze(out, 1);
			evbuffer_write(out, bufferevent_getfd(s->bev));
		}
		session_free(s);
	}
}
