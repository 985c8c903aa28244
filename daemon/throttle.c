/* throttle.c - a token bucket per client address for public POSTs (this
 * daemon's memory), and the mail throttle's settings, prune and metrics
 * (the decision itself is cv_mail_allow in the database). */
#include "throttle.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "db_row.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pages_text.h"

#define NBUCKETS    4096
#define MAX_ENTRIES (1 << 20)
#define SWEEP_S     60
#define PRUNE_S     3600

/* One client address (or IPv6 /64) and its tokens. */
struct bucket {
	struct bucket *next;
	unsigned char key[17]; /* family byte + address */
	double tokens;
	double last; /* monotonic seconds of the last update */
};

static struct bucket *table[NBUCKETS];
static size_t nentries;
static struct app *app;
static struct event *ev_sweep, *ev_prune;
static unsigned long throttled_http;
static long long mail_withheld = -1;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int throttle_bucket_take(double *tokens, double *last, double now, int burst,
                         int interval, long *wait)
{
	double t = *tokens + (now - *last) / interval;

	if (t > burst)
		t = burst;
	*last = now;
	if (t >= 1.0) {
		*tokens = t - 1.0;
		return 1;
	}
	*tokens = t;
	{
		double w = (1.0 - t) * interval;
		*wait = (long)w;
		if ((double)*wait < w)
			(*wait)++; /* round up */
		if (*wait < 1)
			*wait = 1;
	}
	return 0;
}

/* KEY from a numeric address: IPv4 whole, IPv6 its /64 (an IPv4-mapped
 * IPv6 address counts as the IPv4 one).  -1 when not an address. */
static int make_key(const char *addr, unsigned char key[17])
{
	unsigned char a[16];

	memset(key, 0, 17);
	if (inet_pton(AF_INET, addr, a) == 1) {
		key[0] = 4;
		memcpy(key + 1, a, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, a) != 1)
		return -1;
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		key[0] = 4;
		memcpy(key + 1, a + 12, 4);
		return 0;
	}
	key[0] = 6;
	memcpy(key + 1, a, 8);
	return 0;
}

static unsigned hash_key(const unsigned char key[17])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (int i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % NBUCKETS;
}

static struct bucket *find(const unsigned char key[17], int create)
{
	unsigned h = hash_key(key);
	struct bucket *b;

	for (b = table[h]; b; b = b->next)
		if (memcmp(b->key, key, 17) == 0)
			return b;
	if (!create || nentries >= MAX_ENTRIES)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	memcpy(b->key, key, 17);
	b->tokens = app->cfg->thr_post_burst;
	b->last = now_s();
	b->next = table[h];
	table[h] = b;
	nentries++;
	return b;
}

/* Drop the buckets that have refilled: a new one would be the same. */
static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	const struct config *c = app->cfg;
	double now = now_s();
	(void)fd, (void)what, (void)arg;

	for (int i = 0; i < NBUCKETS; i++) {
		struct bucket **pp = &table[i];
		while (*pp) {
			struct bucket *b = *pp;
			if (b->tokens +
			            (now - b->last) / c->thr_post_interval_s >=
			    c->thr_post_burst) {
				*pp = b->next;
				free(b);
				nentries--;
			} else {
				pp = &b->next;
			}
		}
	}
}

/* Strip spaces around S[0..n) into BUF; returns BUF. */
static char *trimmed(const char *s, size_t n, char *buf, size_t len)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* 1 when the numeric ADDR is one of the trusted proxies. */
static int trusted(const char *addr)
{
	unsigned char a[16];

	if (app->cfg->nproxies == 0)
		return 0;
	if (inet_pton(AF_INET, addr, a) == 1)
		return config_proxy_trusted(app->cfg, AF_INET, a);
	if (inet_pton(AF_INET6, addr, a) == 1)
		return config_proxy_trusted(app->cfg, AF_INET6, a);
	return 0;
}

const char *throttle_client(struct http_req *r, char *buf, size_t len)
{
	struct evhttp_connection *con = evhttp_request_get_connection(r->req);
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->req);
	struct evkeyval *kv;
	const char *xff = NULL;
	char *peer = NULL;
	ev_uint16_t port;

	buf[0] = '\0';
	if (con)
		evhttp_connection_get_peer(con, &peer, &port);
	snprintf(buf, len, "%s", peer ? peer : "");
	if (!trusted(buf))
		return buf;
	/* the last X-Forwarded-For header: the one our proxy wrote */
	TAILQ_FOREACH(kv, h, next)
	if (strcasecmp(kv->key, "X-Forwarded-For") == 0)
		xff = kv->value;
	if (xff == NULL)
		return buf;
	/* right to left: the first address that is not a trusted proxy */
	for (const char *end = xff + strlen(xff); end > xff;) {
		const char *start = end;
		char item[64];
		unsigned char k[17];

		while (start > xff && start[-1] != ',')
			start--;
		trimmed(start, (size_t)(end - start), item, sizeof(item));
		if (make_key(item, k) < 0)
			break; /* not an address: keep the last good one */
		snprintf(buf, len, "%s", item);
		if (!trusted(item))
			break;
		end = start > xff ? start - 1 : xff;
	}
	return buf;
}

int throttle_take(struct http_req *r, long *retry_after)
{
	const struct config *c = app->cfg;
	char addr[64];
	unsigned char key[17];
	struct bucket *b;

	throttle_client(r, addr, sizeof(addr));
	if (make_key(addr, key) < 0)
		return 0; /* a Unix socket or the like: nothing to key on */
	b = find(key, 1);
	if (b == NULL)
		return 0; /* table full: let it through rather than fail all */
	if (throttle_bucket_take(&b->tokens, &b->last, now_s(),
	                         c->thr_post_burst, c->thr_post_interval_s,
	                         retry_after))
		return 0;
	throttled_http++;
	return -1;
}

/* The 429 page's words, by page language (pages_text.h). */
static const struct {
	const char *lang, *title, *text;
} too_many[] = {
        {"en", "Too many requests",
         "Too many requests came from your address. Please try again in "
         "%ld seconds."},
        {"sv", "För många förfrågningar",
         "För många förfrågningar har kommit från din adress. Försök igen "
         "om %ld sekunder."},
        {"it", "Troppe richieste",
         "Sono arrivate troppe richieste dal tuo indirizzo. Riprova tra %ld "
         "secondi."},
        {"pl", "Zbyt wiele żądań",
         "Z Twojego adresu przyszło zbyt wiele żądań. Spróbuj ponownie za "
         "%ld s."},
        {"es", "Demasiadas solicitudes",
         "Han llegado demasiadas solicitudes desde tu dirección. Vuelve a "
         "intentarlo dentro de %ld segundos."},
        {"fi", "Liikaa pyyntöjä",
         "Osoitteestasi on tullut liikaa pyyntöjä. Yritä uudelleen %ld "
         "sekunnin kuluttua."},
};

int throttle_check(struct http_req *r)
{
	char ra[24], msg[300], html[800];
	long wait = 1;
	size_t i = 0;
	int n;

	if (throttle_take(r, &wait) == 0)
		return 0;
	snprintf(ra, sizeof(ra), "%ld", wait);
	http_add_header(r, "Retry-After", ra);
	if (strncmp(r->path, "/api/", 5) == 0) {
		http_reply_error(r, 429, "too_many_requests", NULL,
		                 "too many requests from your address; try "
		                 "again in %ld seconds",
		                 wait);
		return -1;
	}
	for (const char *lang = page_text_for(r)->lang;
	     i + 1 < sizeof(too_many) / sizeof(too_many[0]) &&
	     strcmp(too_many[i].lang, lang) != 0;
	     i++)
		;
	if (strcmp(too_many[i].lang, page_text_for(r)->lang) != 0)
		i = 0;
	snprintf(msg, sizeof(msg), too_many[i].text, wait);
	n = snprintf(html, sizeof(html),
	             "<!DOCTYPE html><html lang=\"%s\"><head><meta "
	             "charset=\"utf-8\"><meta name=\"viewport\" "
	             "content=\"width=device-width, initial-scale=1\">"
	             "<title>%s</title></head><body><main><h1>%s</h1>"
	             "<p role=\"alert\">%s</p></main></body></html>",
	             too_many[i].lang, too_many[i].title, too_many[i].title,
	             msg);
	http_reply_html(r, 429, html, (size_t)n);
	return -1;
}

double throttle_tokens(const char *addr)
{
	unsigned char key[17];
	struct bucket *b;
	double t;

	if (make_key(addr, key) < 0)
		return -1;
	b = find(key, 0);
	if (b == NULL)
		return app->cfg->thr_post_burst;
	t = b->tokens + (now_s() - b->last) / app->cfg->thr_post_interval_s;
	return t > app->cfg->thr_post_burst ? app->cfg->thr_post_burst : t;
}

static void write_metrics(struct evbuffer *out, void *arg)
{
	(void)arg;
	evbuffer_add_printf(out,
	                    "# HELP convened_throttled_requests_total Public "
	                    "POSTs refused with 429 by the per-address "
	                    "throttle (this daemon).\n"
	                    "# TYPE convened_throttled_requests_total counter\n"
	                    "convened_throttled_requests_total %lu\n"
	                    "# HELP convened_throttle_addresses Client "
	                    "addresses with a bucket not yet full.\n"
	                    "# TYPE convened_throttle_addresses gauge\n"
	                    "convened_throttle_addresses %zu\n",
	                    throttled_http, nentries);
	if (mail_withheld >= 0)
		evbuffer_add_printf(
		        out,
		        "# HELP convened_mail_throttled_total Confirmation "
		        "mails withheld by the per-recipient throttle (every "
		        "daemon on this database).\n"
		        "# TYPE convened_mail_throttled_total counter\n"
		        "convened_mail_throttled_total %lld\n",
		        mail_withheld);
}

struct refresh {
	void (*done)(void *);
	void *arg;
};

static void refresh_done(void *arg, PGresult *res, const char *err)
{
	struct refresh rf = *(struct refresh *)arg;
	const char *v = res && PQresultStatus(res) == PGRES_TUPLES_OK
	                        ? db_row_only(res, 0)
	                        : NULL;
	(void)err;

	free(arg);
	if (v)
		mail_withheld = strtoll(v, NULL, 10);
	rf.done(rf.arg);
}

void throttle_refresh(void (*done)(void *), void *arg)
{
	struct refresh *rf = malloc(sizeof(*rf));

	if (rf == NULL || app == NULL || app->db == NULL ||
	    db_query(app->db, "SELECT cv_mail_withheld_total()", 0, NULL,
	             refresh_done, rf) < 0) {
		free(rf);
		done(arg);
		return;
	}
	rf->done = done;
	rf->arg = arg;
}

static void settings_done(void *arg, PGresult *res, const char *err)
{
	(void)arg;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warnx("throttle: cannot write the mail throttle settings: "
		          "%s",
		          err ? err : PQresultErrorMessage(res));
}

static void prune_done(void *arg, PGresult *res, const char *err)
{
	(void)arg;
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		log_debug("throttle: prune failed: %s",
		          err ? err : PQresultErrorMessage(res));
}

static void prune_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	db_query(app->db, "SELECT cv_mail_throttle_prune()", 0, NULL,
	         prune_done, NULL);
}

int throttle_start(struct app *a)
{
	char iv[16], pd[16];
	struct timeval sweep = {SWEEP_S, 0}, prune = {PRUNE_S, 0};

	app = a;
	snprintf(iv, sizeof(iv), "%d", a->cfg->thr_mail_interval_s);
	snprintf(pd, sizeof(pd), "%d", a->cfg->thr_mail_per_day);
	if (a->db)
		db_query(a->db, "SELECT cv_mail_throttle_configure($1, $2)", 2,
		         (const char *const[]){iv, pd}, settings_done, NULL);
	ev_sweep = event_new(a->base, -1, EV_PERSIST, sweep_cb, NULL);
	ev_prune = event_new(a->base, -1, EV_PERSIST, prune_cb, NULL);
	if (ev_sweep == NULL || ev_prune == NULL ||
	    event_add(ev_sweep, &sweep) < 0 || event_add(ev_prune, &prune) < 0)
		return -1;
	return metrics_register(write_metrics, NULL);
}

void throttle_stop(void)
{
	if (ev_sweep)
		event_free(ev_sweep);
	if (ev_prune)
		event_free(ev_prune);
	ev_sweep = ev_prune = NULL;
	for (int i = 0; i < NBUCKETS; i++)
		while (table[i]) {
			struct bucket *b = table[i];
			table[i] = b->next;
			free(b);
		}
	nentries = 0;
}
