/* admin_assets.h - the console's files (web/admin/), built into the binary
 * by a table that scripts/admin-assets.sh generates at build time
 * ($(BUILD)/gen/admin_assets.c): every file of web/admin/ but *.md. */
#ifndef CONVENED_ADMIN_ASSETS_H
#define CONVENED_ADMIN_ASSETS_H

#include <stddef.h>

struct admin_asset {
	const char *path; /* under web/admin/: "app.js", "views/login.js" */
	const char *start, *end; /* the bytes; *end is a NUL */
};

/* Terminated by an entry whose path is NULL. */
extern const struct admin_asset admin_assets[];

#endif
