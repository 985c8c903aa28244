/* metrics.c - counters and the Prometheus text format for /metrics. */
#include "metrics.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"

struct http_count {
	const char *route;
	int status;
	unsigned long n;
};

/* One latency histogram per route label. */
struct http_latency {
	const char *route;
	struct metrics_hist h;
};

static struct http_count *counts;
static size_t ncounts, capcounts;
static struct http_latency *lat;
static size_t nlat, caplat;

const double metrics_latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                         0.025,  0.05,  0.1,    0.25,  0.5,
                                         1,      2.5,   5,      10};
const size_t metrics_latency_nbounds =
        sizeof(metrics_latency_bounds) / sizeof(metrics_latency_bounds[0]);
const double metrics_lag_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                     0.5,   1,    2.5,   5,    10,  30,
                                     60,    300,  900,   3600};
const size_t metrics_lag_nbounds =
        sizeof(metrics_lag_bounds) / sizeof(metrics_lag_bounds[0]);

static struct {
	metrics_writer fn;
	void *arg;
} writers[32];
static int nwriters;

void metrics_hist_observe(struct metrics_hist *h, double v)
{
	size_t i = 0;

	while (i < h->nbounds && v > h->bounds[i])
		i++;
	if (i < h->nbounds)
		h->buckets[i]++;
	h->count++;
	h->sum += v;
}

void metrics_hist_write(struct evbuffer *out, const char *name,
                        const char *labels, const struct metrics_hist *h)
{
	const char *sep = labels[0] ? "," : "";
	unsigned long cum = 0;

	for (size_t i = 0; i < h->nbounds; i++) {
		cum += h->buckets[i];
		evbuffer_add_printf(out, "%s_bucket{%s%sle=\"%g\"} %lu\n", name,
		                    labels, sep, h->bounds[i], cum);
	}
	evbuffer_add_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name,
	                    labels, sep, h->count);
	if (labels[0]) {
		evbuffer_add_printf(out, "%s_sum{%s} %.6f\n", name, labels,
		                    h->sum);
		evbuffer_add_printf(out, "%s_count{%s} %lu\n", name, labels,
		                    h->count);
	} else {
		evbuffer_add_printf(out, "%s_sum %.6f\n", name, h->sum);
		evbuffer_add_printf(out, "%s_count %lu\n", name, h->count);
	}
}

static void http_latency(const char *route, double seconds)
{
	for (size_t i = 0; i < nlat; i++)
		if (lat[i].route == route) {
			metrics_hist_observe(&lat[i].h, seconds);
			return;
		}
	if (nlat == caplat) {
		size_t cap = caplat ? caplat * 2 : 64;
		struct http_latency *l = realloc(lat, cap * sizeof(*l));
		if (l == NULL)
			return;
		lat = l;
		caplat = cap;
	}
	lat[nlat] = (struct http_latency){
	        .route = route,
	        .h = {.bounds = metrics_latency_bounds,
	              .nbounds = metrics_latency_nbounds}};
	metrics_hist_observe(&lat[nlat++].h, seconds);
}

void metrics_http(const char *route, int status, double seconds)
{
	http_latency(route, seconds);
	for (size_t i = 0; i < ncounts; i++)
		if (counts[i].status == status && counts[i].route == route) {
			counts[i].n++;
			return;
		}
	if (ncounts == capcounts) {
		size_t cap = capcounts ? capcounts * 2 : 64;
		struct http_count *c = realloc(counts, cap * sizeof(*c));
		if (c == NULL)
			return;
		counts = c;
		capcounts = cap;
	}
	counts[ncounts++] = (struct http_count){route, status, 1};
}

int metrics_register(metrics_writer fn, void *arg)
{
	if (nwriters == (int)(sizeof(writers) / sizeof(writers[0])))
		return -1;
	writers[nwriters].fn = fn;
	writers[nwriters].arg = arg;
	nwriters++;
	return 0;
}

void metrics_render(struct evbuffer *out)
{
	struct app *app = app_instance;
	struct db_stats st;

	evbuffer_add_printf(out,
	                    "# HELP convened_uptime_seconds Seconds since "
	                    "start.\n# TYPE convened_uptime_seconds gauge\n"
	                    "convened_uptime_seconds %ld\n",
	                    (long)(time(NULL) - app->started));
	evbuffer_add_printf(out, "# HELP convened_http_requests_total HTTP "
	                         "requests by route and status.\n"
	                         "# TYPE convened_http_requests_total "
	                         "counter\n");
	for (size_t i = 0; i < ncounts; i++)
		evbuffer_add_printf(out,
		                    "convened_http_requests_total{route=\"%s\","
		                    "status=\"%d\"} %lu\n",
		                    counts[i].route, counts[i].status,
		                    counts[i].n);
	evbuffer_add_printf(out,
	                    "# HELP convened_http_request_duration_seconds "
	                    "Time from a request's arrival to its reply, "
	                    "by route.\n"
	                    "# TYPE convened_http_request_duration_seconds "
	                    "histogram\n");
	for (size_t i = 0; i < nlat; i++) {
		char labels[300];
		snprintf(labels, sizeof(labels), "route=\"%s\"", lat[i].route);
		metrics_hist_write(out,
		                   "convened_http_request_duration_seconds",
		                   labels, &lat[i].h);
	}
	if (app->db) {
		db_stats(app->db, &st);
		evbuffer_add_printf(
		        out,
		        "# HELP convened_db_connections Pool connections by "
		        "state.\n# TYPE convened_db_connections gauge\n"
		        "convened_db_connections{state=\"busy\"} %d\n"
		        "convened_db_connections{state=\"idle\"} %d\n"
		        "convened_db_connections{state=\"down\"} %d\n"
		        "# HELP convened_db_up At least one pool connection "
		        "is up (0: the database is unreachable).\n"
		        "# TYPE convened_db_up gauge\n"
		        "convened_db_up %d\n"
		        "# HELP convened_db_listen_connected The LISTEN "
		        "connection is up.\n"
		        "# TYPE convened_db_listen_connected gauge\n"
		        "convened_db_listen_connected %d\n"
		        "# HELP convened_db_queued_queries Queries waiting "
		        "for a connection.\n"
		        "# TYPE convened_db_queued_queries gauge\n"
		        "convened_db_queued_queries %zu\n"
		        "# HELP convened_db_reconnects_total Connections "
		        "re-established.\n"
		        "# TYPE convened_db_reconnects_total counter\n"
		        "convened_db_reconnects_total %lu\n"
		        "# HELP convened_db_queries_total Queries completed.\n"
		        "# TYPE convened_db_queries_total counter\n"
		        "convened_db_queries_total %lu\n"
		        "# HELP convened_db_query_errors_total Queries that "
		        "could not run.\n"
		        "# TYPE convened_db_query_errors_total counter\n"
		        "convened_db_query_errors_total %lu\n",
		        st.busy, st.connected - st.busy, st.size - st.connected,
		        st.connected > 0, st.listen_connected, st.queued,
		        st.reconnects, st.queries, st.errors);
	}
	for (int i = 0; i < nwriters; i++)
		writers[i].fn(out, writers[i].arg);
}
