/* metrics.c - counters and the Prometheus text format for /metrics. */
#include "metrics.h"

#include <event2/buffer.h>
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

static struct http_count *counts;
static size_t ncounts, capcounts;

static struct {
	metrics_writer fn;
	void *arg;
} writers[32];
static int nwriters;

void metrics_http(const char *route, int status)
{
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
	if (app->db) {
		db_stats(app->db, &st);
		evbuffer_add_printf(
		        out,
		        "# HELP convened_db_connections Pool connections by "
		        "state.\n# TYPE convened_db_connections gauge\n"
		        "convened_db_connections{state=\"busy\"} %d\n"
		        "convened_db_connections{state=\"idle\"} %d\n"
		        "convened_db_connections{state=\"down\"} %d\n"
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
		        st.listen_connected, st.queued, st.reconnects,
		        st.queries, st.errors);
	}
	for (int i = 0; i < nwriters; i++)
		writers[i].fn(out, writers[i].arg);
}
