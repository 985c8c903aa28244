/* http_conn.c - the connection cap and the head/body deadlines for
 * evhttp's client connections: convened makes each connection's
 * bufferevent (evhttp_set_bevcb), watches the bytes arriving in it, and
 * keeps a reference to see when evhttp lets it go. */
#include "http_conn.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "app.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

#define NSLOTS   1024
#define SWEEP_MS 250

enum conn_state {
	CS_HEAD,     /* reading a request head (or idle between requests) */
	CS_BODY,     /* head read, reading the body */
	CS_HANDLING, /* request read whole; convened is answering */
};

/* One client connection.  We hold a reference on its bufferevent: when
 * evhttp frees the connection, the bufferevent's callbacks are cleared
 * (and the socket shut down for writing), and the sweep drops our
 * reference, which closes the socket. */
struct hconn {
	struct hconn *next; /* in slots[], keyed by the bufferevent */
	struct bufferevent *bev;
	struct event *timer;
	enum conn_state state;
	int at_bol;    /* the last byte ended a line */
	int got_bytes; /* bytes of a request arrived since the last reply */
	int refuse;    /* over the cap: answer 503 and close */
	int refused;   /* the 503 went out */
	int cut;       /* a deadline passed: being closed */
};

static struct hconn *slots[NSLOTS];
static struct app *app;
static struct event *ev_sweep;
static unsigned nopen;
static unsigned long n_refused, n_cut_head, n_cut_body;

static unsigned slot_of(const struct bufferevent *bev)
{
	uintptr_t p = (uintptr_t)bev;

	return (unsigned)((p >> 4) ^ (p >> 14)) % NSLOTS;
}

static struct hconn *lookup(const struct bufferevent *bev)
{
	for (struct hconn *c = slots[slot_of(bev)]; c; c = c->next)
		if (c->bev == bev)
			return c;
	return NULL;
}

static struct hconn *from_con(struct evhttp_connection *con)
{
	struct bufferevent *bev =
	        con ? evhttp_connection_get_bufferevent(con) : NULL;

	return bev ? lookup(bev) : NULL;
}

static void arm(struct hconn *c, int seconds)
{
	struct timeval tv = {seconds, 0};

	evtimer_add(c->timer, &tv);
}

/* 1 when evhttp has let go of the connection (bufferevent_free clears
 * every callback; evhttp keeps an error callback while it lives). */
static int released(struct hconn *c)
{
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	void *arg;

	bufferevent_getcb(c->bev, &rd, &wr, &ev, &arg);
	return rd == NULL && wr == NULL && ev == NULL;
}

static void conn_drop(struct hconn *c)
{
	struct hconn **pp = &slots[slot_of(c->bev)];

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	event_free(c->timer);
	bufferevent_decref(c->bev); /* the last reference: closes the socket */
	free(c);
	nopen--;
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;

	for (int i = 0; i < NSLOTS; i++) {
		struct hconn *c = slots[i], *next;
		for (; c; c = next) {
			next = c->next;
			if (released(c))
				conn_drop(c);
		}
	}
}

/* Write MSG straight to the socket and end the connection: evhttp reads
 * EOF and frees it. */
static void hang_up(struct hconn *c, const char *msg)
{
	int fd = (int)bufferevent_getfd(c->bev);

	c->cut = 1;
	evtimer_del(c->timer);
	if (fd < 0)
		return;
	if (msg)
		(void)!send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_RDWR);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hconn *c = arg;
	(void)fd, (void)what;

	if (released(c)) {
		conn_drop(c);
		return;
	}
	if (c->refuse) {
		if (!c->refused) {
			c->refused = 1;
			n_refused++;
			hang_up(c,
			        "HTTP/1.1 503 Service Unavailable\r\n"
			        "Connection: close\r\nRetry-After: 5\r\n"
			        "Content-Type: application/json\r\n"
			        "Content-Length: 79\r\n\r\n"
			        "{\"error\":{\"code\":\"too_many_connections\","
			        "\"message\":\"too many open connections\"}}");
		}
		return;
	}
	if (c->state == CS_HANDLING || c->cut)
		return;
	/* a reply still being written is the write timeout's business */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		arm(c, app->cfg->http_header_timeout_s);
		return;
	}
	if (c->state == CS_BODY) {
		n_cut_body++;
		log_debug("http: request body not read within %d s: closed",
		          app->cfg->http_body_timeout_s);
	} else if (c->got_bytes) {
		n_cut_head++;
		log_debug("http: request head not read within %d s: closed",
		          app->cfg->http_header_timeout_s);
	}
	hang_up(c, c->got_bytes ? "HTTP/1.1 408 Request Timeout\r\n"
	                          "Connection: close\r\n"
	                          "Content-Length: 0\r\n\r\n"
	                        : NULL);
}

/* Bytes arrived on the socket (before evhttp parses them): in a request
 * head, watch for the empty line that ends it and switch to the body
 * deadline. */
static void in_added(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                     void *arg)
{
	struct hconn *c = arg;
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v[16];
	size_t len = evbuffer_get_length(buf);
	int n, done = 0;

	if (info->n_added == 0 || c->cut)
		return;
	c->got_bytes = 1;
	if (c->state != CS_HEAD || info->n_added > len ||
	    evbuffer_ptr_set(buf, &pos, len - info->n_added, EVBUFFER_PTR_SET) <
	            0)
		return;
	n = evbuffer_peek(buf, (ev_ssize_t)info->n_added, &pos, v, 16);
	for (int i = 0; i < n && i < 16 && !done; i++) {
		const unsigned char *p = v[i].iov_base;
		for (size_t j = 0; j < v[i].iov_len; j++) {
			if (p[j] == '\n') {
				if (c->at_bol) {
					done = 1;
					break;
				}
				c->at_bol = 1;
			} else if (p[j] != '\r') {
				c->at_bol = 0;
			}
		}
	}
	if (done) {
		c->state = CS_BODY;
		arm(c, app->cfg->http_body_timeout_s);
	}
}

/* evhttp asks for each accepted connection's bufferevent (its socket is
 * set afterwards). */
static struct bufferevent *bev_cb(struct event_base *base, void *arg)
{
	struct bufferevent *bev;
	struct hconn *c;
	(void)arg;

	/* Connections evhttp has already let go of wait for the sweep; they
	 * do not count against the cap.  Sweep before this one is added (a
	 * new bufferevent has no callbacks yet, so it would look released). */
	if (nopen >= (unsigned)app->cfg->http_max_connections)
		sweep_cb(-1, 0, NULL);
	c = calloc(1, sizeof(*c));
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c == NULL || bev == NULL ||
	    (c->timer = evtimer_new(base, timer_cb, c)) == NULL) {
		free(c);
		log_warnx("http: out of memory for a connection");
		return bev; /* unwatched, or NULL: evhttp makes its own */
	}
	c->bev = bev;
	bufferevent_incref(bev);
	evbuffer_add_cb(bufferevent_get_input(bev), in_added, c);
	c->next = slots[slot_of(bev)];
	slots[slot_of(bev)] = c;
	nopen++;
	if (nopen > (unsigned)app->cfg->http_max_connections) {
		c->refuse = 1;
		arm(c, 0); /* once evhttp has set the socket */
	} else {
		arm(c, app->cfg->http_header_timeout_s);
	}
	return bev;
}

int http_conn_dispatched(struct evhttp_connection *con)
{
	struct hconn *c = from_con(con);

	if (c == NULL)
		return 0;
	evtimer_del(c->timer);
	c->state = CS_HANDLING;
	if (c->refuse && !c->refused) {
		c->refused = 1;
		n_refused++;
		return 1;
	}
	return c->refuse;
}

void http_conn_replied(struct evhttp_connection *con)
{
	struct hconn *c = from_con(con);

	if (c == NULL || c->refuse)
		return;
	c->state = CS_HEAD;
	c->at_bol = 0;
	c->got_bytes = 0;
	arm(c, app->cfg->http_header_timeout_s);
}

void http_conn_stop(void)
{
	for (int i = 0; i < NSLOTS; i++)
		while (slots[i])
			conn_drop(slots[i]);
	if (ev_sweep)
		event_free(ev_sweep);
	ev_sweep = NULL;
}

unsigned http_conn_open(void)
{
	return nopen;
}

static void write_metrics(struct evbuffer *out, void *arg)
{
	(void)arg;
	evbuffer_add_printf(
	        out,
	        "# HELP convened_http_connections Open client connections.\n"
	        "# TYPE convened_http_connections gauge\n"
	        "convened_http_connections %u\n"
	        "# HELP convened_http_connections_refused_total Connections "
	        "refused over [http] max_connections.\n"
	        "# TYPE convened_http_connections_refused_total counter\n"
	        "convened_http_connections_refused_total %lu\n"
	        "# HELP convened_http_timeouts_total Connections closed "
	        "because a request's head or body was not read in time.\n"
	        "# TYPE convened_http_timeouts_total counter\n"
	        "convened_http_timeouts_total{phase=\"head\"} %lu\n"
	        "convened_http_timeouts_total{phase=\"body\"} %lu\n",
	        nopen, n_refused, n_cut_head, n_cut_body);
}

int http_conn_install(struct evhttp *server, struct app *a)
{
	static int registered;
	struct timeval tv = {0, SWEEP_MS * 1000};

	app = a;
	evhttp_set_bevcb(server, bev_cb, NULL);
	if (ev_sweep == NULL) {
		ev_sweep = event_new(a->base, -1, EV_PERSIST, sweep_cb, NULL);
		if (ev_sweep == NULL || event_add(ev_sweep, &tv) < 0)
			return -1;
	}
	if (!registered && metrics_register(write_metrics, NULL) < 0)
		return -1;
	registered = 1;
	return 0;
}
