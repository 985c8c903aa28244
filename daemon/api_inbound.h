/* api_inbound.h - GET /api/inbound: the mail that came back, what was
 * decided and why. */
#ifndef CONVENED_API_INBOUND_H
#define CONVENED_API_INBOUND_H

/* Register the inbound routes.  Returns 0 or -1. */
int api_inbound_init(void);

/* 1 when S is a since= value the list takes: an instant with its offset
 * (2026-12-03T09:00Z, 2026-12-03T09:00:00.5+01:00) that exists in the
 * calendar, or an ISO 8601 duration back from now of weeks, days, hours,
 * minutes (P2W, P1D, PT2H, P1DT12H); else 0. */
int api_inbound_since_valid(const char *s);

#endif
