/* pages_public.c - public pages anyone may read: the privacy notice. */
#include "pages_int.h"

#include <stdlib.h>
#include <string.h>

#include "tmpl.h"

/* ------------------------------------------------- the privacy notice */

/* GET /privacy[?lang=xx]: the notice of <template_dir>/<lang>/privacy.txt
 * (English when the language has none); paragraphs are separated by blank
 * lines.  404 when no notice is installed. */
static void privacy_get(struct http_req *r)
{
	const struct page_text *t = page_text_for(r);
	const char *notice = tmpl_privacy_notice(t->lang);
	struct evbuffer *b;

	if (notice == NULL) {
		page_message(r, 404, t, t->not_found, "err", t->privacy);
		return;
	}
	b = page_begin(t, t->privacy);
	if (b) {
		const char *p = notice;

		lit(b, "<h1>");
		esc(b, t->privacy);
		lit(b, "</h1>\n");
		while (*p) {
			const char *end = strstr(p, "\n\n");
			size_t len = end ? (size_t)(end - p) : strlen(p);
			size_t n = len;
			char *para = strndup(p, len);

			while (para && n > 0 &&
			       (para[n - 1] == '\n' || para[n - 1] == ' '))
				para[--n] = '\0';
			if (para && *para) {
				lit(b, "<p>");
				esc(b, para);
				lit(b, "</p>\n");
			}
			free(para);
			p += len;
			while (*p == '\n')
				p++;
		}
	}
	page_end(r, b, b ? 200 : 500);
}

const struct http_route pages_public_routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/privacy",
         .handler = privacy_get},
        {.pattern = NULL},
};
