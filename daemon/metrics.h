/* metrics.h - Prometheus text exposition at /metrics. */
#ifndef CONVENED_METRICS_H
#define CONVENED_METRICS_H

#include <stddef.h>

struct evbuffer;

/* A histogram with fixed upper bounds (seconds, ascending; +Inf is
 * implicit).  Zero-initialise it with the bounds set; no allocation. */
#define METRICS_HIST_MAX 24
struct metrics_hist {
	const double *bounds; /* nbounds ascending upper bounds */
	size_t nbounds;       /* at most METRICS_HIST_MAX */
	unsigned long buckets[METRICS_HIST_MAX]; /* non-cumulative */
	unsigned long count;
	double sum;
};

/* Bucket bounds for request latency (0.5 ms .. 10 s) and for delays of
 * scheduled work (5 ms .. 1 h). */
extern const double metrics_latency_bounds[];
extern const size_t metrics_latency_nbounds;
extern const double metrics_lag_bounds[];
extern const size_t metrics_lag_nbounds;

/* Record one observation V in H. */
void metrics_hist_observe(struct metrics_hist *h, double v);

/* Append the _bucket, _sum and _count series of H for family NAME to OUT;
 * LABELS is "" or 'k="v"' pairs joined by commas (already escaped).  The
 * caller writes # HELP and # TYPE NAME histogram once per family. */
void metrics_hist_write(struct evbuffer *out, const char *name,
                        const char *labels, const struct metrics_hist *h);

/* Count one HTTP request answered with STATUS for ROUTE (a label) that
 * took SECONDS from its arrival to its reply. */
void metrics_http(const char *route, int status, double seconds);

/* A writer appends its own metric families (with # HELP/# TYPE lines) to
 * OUT; called on every scrape on the loop.  Register at start-up. */
typedef void (*metrics_writer)(struct evbuffer *out, void *arg);
int metrics_register(metrics_writer fn, void *arg);

/* Write everything into OUT. */
void metrics_render(struct evbuffer *out);

#endif
