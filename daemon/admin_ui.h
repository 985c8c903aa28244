/* admin_ui.h - the secretariat's console: the static files of web/admin/
 * served under /admin/ (the data comes from the JSON API). */
#ifndef CONVENED_ADMIN_UI_H
#define CONVENED_ADMIN_UI_H

#include <stddef.h>

/* Hash the built-in files, make the page that names them by version and
 * add the routes.  0, or -1 (out of memory or route tables). */
int admin_ui_init(void);

/* The version segment of the files' long-cached URLs ("v" and 16 hex
 * digits: a hash of every file), valid after admin_ui_init. */
const char *admin_ui_version(void);

#endif
