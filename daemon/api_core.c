/* api_core.c - operational endpoints: /healthz and /metrics. */
#include "api_core.h"

#include <event2/buffer.h>
#include <stdlib.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "throttle.h"

static void healthz_done(void *arg, PGresult *res, const char *err)
{
	struct http_req *r = arg;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_error(r, 503, "database_unavailable", NULL,
		                 "the database does not answer: %s",
		                 err ? err : PQresultErrorMessage(res));
		return;
	}
	if (r->app->draining) {
		http_reply_error(r, 503, "shutting_down", NULL,
		                 "convened is shutting down");
		return;
	}
	http_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static void healthz(struct http_req *r)
{
	if (r->app->db == NULL ||
	    db_query(r->app->db, "SELECT 1", 0, NULL, healthz_done, r) < 0)
		http_reply_error(r, 503, "database_unavailable", NULL,
		                 "no database pool");
}

static void metrics_reply(void *arg)
{
	struct http_req *r = arg;
	struct evbuffer *b = evbuffer_new();
	size_t len;
	char *text;

	metrics_render(b);
	len = evbuffer_get_length(b);
	text = malloc(len + 1);
	if (text == NULL) {
		evbuffer_free(b);
		http_reply_error(r, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_remove(b, text, len);
	evbuffer_free(b);
	http_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text,
	               len);
	free(text);
}

/* The mail throttle's total lives in the database: read it, then render. */
static void metrics(struct http_req *r)
{
	throttle_refresh(metrics_reply, r);
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET, .pattern = "/healthz", .handler = healthz},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/metrics",
         .handler = metrics,
         .flags = HTTP_METRICS},
        {.pattern = NULL},
};

int api_core_init(void)
{
	return http_add_routes(routes);
}
