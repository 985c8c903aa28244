/* api_sheets.h - GET /api/events/{id}/sheets.pdf: the event's signature
 * sheets, read on the loop (sql/functions/sheets.sql) and rendered on the
 * render thread (offload.h, paper.h); POST /api/events/{id}/certificates:
 * queue the certificates of attendance. */
#ifndef CONVENED_API_SHEETS_H
#define CONVENED_API_SHEETS_H

/* Register the routes.  Returns 0 or -1. */
int api_sheets_init(void);

#endif
