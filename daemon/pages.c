/* pages.c - the public HTML pages' routes, one table per file: the form
 * (pages_form.c), the token page (pages_token.c), follows and unsubscribes
 * (pages_follow.c) and pages anyone may read (pages_public.c); the frame
 * they share is pages_html.c. */
#include "pages.h"

#include "http.h"
#include "pages_int.h"

int pages_init(void)
{
	if (http_add_routes(pages_public_routes) < 0 ||
	    http_add_routes(pages_form_routes) < 0 ||
	    http_add_routes(pages_token_routes) < 0 ||
	    http_add_routes(pages_follow_routes) < 0)
		return -1;
	return 0;
}
