/* api_core.h - /healthz and /metrics. */
#ifndef CONVENED_API_CORE_H
#define CONVENED_API_CORE_H

/* Register the operational routes.  Returns 0 or -1. */
int api_core_init(void);

#endif
