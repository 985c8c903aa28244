/* api_sheets.h - GET /api/events/{id}/sheets.pdf: the event's signature
 * sheets, read on the loop (sql/functions/sheets.sql) and rendered on the
 * render thread (offload.h, paper.h). */
#ifndef CONVENED_API_SHEETS_H
#define CONVENED_API_SHEETS_H

/* Register the route.  Returns 0 or -1. */
int api_sheets_init(void);

#endif
