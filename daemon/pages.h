/* pages.h - public HTML pages: GET/POST /events/{id}/register, GET
 * /r/{token} and its POST .../confirm and .../cancel buttons, and
 * GET/POST /unsubscribe/{token} for deadline reminders. */
#ifndef CONVENED_PAGES_H
#define CONVENED_PAGES_H

/* Register the routes.  Returns 0 or -1. */
int pages_init(void);

#endif
