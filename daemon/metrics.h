/* metrics.h - Prometheus text exposition at /metrics. */
#ifndef CONVENED_METRICS_H
#define CONVENED_METRICS_H

struct evbuffer;

/* Count one HTTP request answered with STATUS for ROUTE (a label). */
void metrics_http(const char *route, int status);

/* A writer appends its own metric families (with # HELP/# TYPE lines) to
 * OUT; called on every scrape on the loop.  Register at start-up. */
typedef void (*metrics_writer)(struct evbuffer *out, void *arg);
int metrics_register(metrics_writer fn, void *arg);

/* Write everything into OUT. */
void metrics_render(struct evbuffer *out);

#endif
