/* api_followers.c - the secretariat's view of who follows a project's
 * deadlines: GET /api/projects/{slug}/followers[?before=&limit=] and
 * DELETE /api/projects/{slug}/followers/{person} (as the person's own
 * unsubscribe link would). */
#include "api_followers.h"

#include "api_items.h"
#include "http.h"
#include "ident.h"
#include "query_in.h"

/* The project's slug capture, or -1 after replying 404. */
static int slug_of(struct http_req *r, const char **slug)
{
	*slug = r->nparams > 0 ? r->params[0] : "";
	if (!ident_slug_valid(*slug)) {
		http_reply_error(r, 404, "not_found", NULL, "no such project");
		return -1;
	}
	return 0;
}

static void list(struct http_req *r)
{
	static const char *const allowed[] = {"before", "limit", NULL};
	const char *params[3];

	if (slug_of(r, &params[0]) < 0 || query_in_check(r, allowed) < 0 ||
	    query_in_page(r, &params[1], &params[2]) < 0)
		return;
	api_items_query(r, 200, NULL,
	                "SELECT cv_follower_list($1, $2::bigint, $3::int)", 3,
	                params);
}

static void remove_one(struct http_req *r)
{
	const char *slug;
	char person[24];

	if (slug_of(r, &slug) < 0 ||
	    api_items_id(r, 1, "follower", person, sizeof(person)) < 0)
		return;
	api_items_query(r, 200, NULL,
	                "SELECT cv_follower_remove($1, $2::bigint)", 2,
	                (const char *const[]){slug, person});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/projects/{slug}/followers",
         .handler = list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.method = EVHTTP_REQ_DELETE,
         .pattern = "/api/projects/{slug}/followers/{person}",
         .handler = remove_one,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.pattern = NULL},
};

int api_followers_init(void)
{
	return http_add_routes(routes);
}
