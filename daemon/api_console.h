/* api_console.h - the API calls the console added: PATCH
 * /api/projects/{slug} and GET /api/local-time. */
#ifndef CONVENED_API_CONSOLE_H
#define CONVENED_API_CONSOLE_H

/* Add the routes.  0 or -1. */
int api_console_init(void);

#endif
