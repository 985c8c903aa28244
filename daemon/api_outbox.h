/* api_outbox.h - GET /api/outbox: the notifications in the outbox. */
#ifndef CONVENED_API_OUTBOX_H
#define CONVENED_API_OUTBOX_H

/* Register the outbox routes.  Returns 0 or -1. */
int api_outbox_init(void);

#endif
