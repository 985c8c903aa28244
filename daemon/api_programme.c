/* api_programme.c - the admin API of an event's programme (timetable) and
 * of registration questions, the answers' summary, and the changes of
 * answers by the secretariat and by the person's token.  Every rule is in
 * sql/functions/programme.sql and sql/functions/questions.sql; this checks
 * the shape of the request and passes it through. */
#include "api_programme.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "api_items.h"
#include "http.h"
#include "ident.h"
#include "json_in.h"
#include "kinds.h"
#include "token.h"

/* ---- programme items: $1 the body, $2 the event, $3 the item ---- */

static const struct json_in_field item_fields[] = {
        {.name = "kind",
         .type = JIN_STRING,
         .max_len = 32,
         .choices = kinds_programme},
        {.name = "title",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 300,
         .check = json_in_nonblank},
        {.name = "start",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 19,
         .check = json_in_datetime},
        {.name = "end",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 19,
         .check = json_in_datetime},
        {.name = "speakers", .type = JIN_ARRAY},
        {.name = "room", .type = JIN_STRING, .max_len = 200},
        {.name = "description",
         .type = JIN_STRING,
         .flags = JIN_LINES,
         .max_len = 4000},
        {0},
};

static const struct json_in_field import_fields[] = {
        {.name = "items", .type = JIN_ARRAY, .flags = JIN_REQUIRED},
        {.name = "replace", .type = JIN_BOOL},
        {0},
};

static void programme_list(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such event",
	                "SELECT cv_programme_list($1::bigint)", 1,
	                (const char *const[]){id});
}

static void programme_add(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_write(r, item_fields, 0, 201, NULL,
	                "SELECT cv_programme_add($2::bigint, $1::jsonb)", 1,
	                (const char *const[]){id});
}

static void programme_import(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_write(r, import_fields, 0, 200, NULL,
	                "SELECT cv_programme_import($2::bigint, $1::jsonb)", 1,
	                (const char *const[]){id});
}

static void programme_update(struct http_req *r)
{
	char id[24], item[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0 ||
	    api_items_id(r, 1, "programme item", item, sizeof(item)) < 0)
		return;
	api_items_write(r, item_fields, 1, 200, NULL,
	                "SELECT cv_programme_update($2::bigint, $3::bigint,"
	                " $1::jsonb)",
	                2, (const char *const[]){id, item});
}

static void programme_remove(struct http_req *r)
{
	char id[24], item[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0 ||
	    api_items_id(r, 1, "programme item", item, sizeof(item)) < 0)
		return;
	api_items_query(r, 200, NULL,
	                "SELECT cv_programme_remove($1::bigint, $2::bigint)", 2,
	                (const char *const[]){id, item});
}

/* ---- questions: $1 the body, $2 the event, slug or question ---- */

static const char *const question_kinds[] = {
        "short_text", "long_text", "choice",  "choices", "yes_no",
        "number",     "date",      "consent", NULL,
};

static const struct json_in_field question_fields[] = {
        {.name = "key",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 40},
        {.name = "kind",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .choices = question_kinds},
        {.name = "label", .type = JIN_OBJECT, .flags = JIN_REQUIRED},
        {.name = "help", .type = JIN_OBJECT},
        {.name = "required", .type = JIN_BOOL},
        {.name = "evidence", .type = JIN_BOOL},
        {.name = "position", .type = JIN_INT, .min = 0, .max = 10000},
        {.name = "options", .type = JIN_ARRAY},
        {0},
};

static void event_questions(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such event",
	                "SELECT cv_question_list($1::bigint, NULL)", 1,
	                (const char *const[]){id});
}

static void event_question_add(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_write(r, question_fields, 0, 201, NULL,
	                "SELECT cv_question_write(NULL, $2::bigint, NULL,"
	                " $1::jsonb)",
	                1, (const char *const[]){id});
}

/* Path capture 0 as a project slug, or -1 after a 404. */
static int slug_param(struct http_req *r)
{
	if (r->nparams < 1 || json_in_slug(r->params[0]) != NULL) {
		http_reply_error(r, 404, "not_found", "project",
		                 "no such project");
		return -1;
	}
	return 0;
}

static void project_questions(struct http_req *r)
{
	if (slug_param(r) < 0)
		return;
	api_items_query(r, 200, "no such project",
	                "SELECT cv_question_list(NULL, $1)", 1,
	                (const char *const[]){r->params[0]});
}

static void project_question_add(struct http_req *r)
{
	if (slug_param(r) < 0)
		return;
	api_items_write(r, question_fields, 0, 201, NULL,
	                "SELECT cv_question_write(NULL, NULL, $2, $1::jsonb)",
	                1, (const char *const[]){r->params[0]});
}

static void question_update(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "question", id, sizeof(id)) < 0)
		return;
	api_items_write(r, question_fields, 1, 200, NULL,
	                "SELECT cv_question_write($2::bigint, NULL, NULL,"
	                " $1::jsonb)",
	                1, (const char *const[]){id});
}

static void question_delete(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "question", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, NULL, "SELECT cv_question_delete($1::bigint)",
	                1, (const char *const[]){id});
}

/* ---- answers ---- */

static const struct json_in_field admin_answer_fields[] = {
        {.name = "answers", .type = JIN_OBJECT, .flags = JIN_REQUIRED},
        {.name = "by",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "force", .type = JIN_BOOL},
        {0},
};

static const struct json_in_field public_answer_fields[] = {
        {.name = "answers", .type = JIN_OBJECT, .flags = JIN_REQUIRED},
        {0},
};

static void answers_summary(struct http_req *r)
{
	char id[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0)
		return;
	api_items_query(r, 200, "no such event",
	                "SELECT cv_question_report($1::bigint)", 1,
	                (const char *const[]){id});
}

/* POST /api/events/{id}/registrations/{reg}/answers: the secretariat
 * changes answers (moves a person between groups; "force" into a full
 * one). */
static void admin_answers(struct http_req *r)
{
	char id[24], reg[24];

	if (api_items_id(r, 0, "event", id, sizeof(id)) < 0 ||
	    api_items_id(r, 1, "registration", reg, sizeof(reg)) < 0)
		return;
	api_items_write(r, admin_answer_fields, 0, 200, NULL,
	                "SELECT cv_answers_change(NULL, $2::bigint, $3::bigint,"
	                " $1::jsonb->'answers', $1::jsonb->>'by',"
	                " ($1::jsonb->>'force')::boolean)",
	                2, (const char *const[]){id, reg});
}

/* Path capture 0 as a registration token, or -1 after a 404. */
static int token_param(struct http_req *r)
{
	if (r->nparams < 1 || !token_valid(r->params[0])) {
		http_reply_error(r, 404, "not_found", "token",
		                 "no registration has this link");
		return -1;
	}
	return 0;
}

static void public_answers(struct http_req *r)
{
	if (token_param(r) < 0)
		return;
	api_items_query(r, 200, "no registration has this link",
	                "SELECT cv_answers_view($1)", 1,
	                (const char *const[]){r->params[0]});
}

static void public_answers_change(struct http_req *r)
{
	if (token_param(r) < 0)
		return;
	api_items_write(r, public_answer_fields, 0, 200, NULL,
	                "SELECT cv_answers_change($2, NULL, NULL,"
	                " $1::jsonb->'answers', NULL, false)",
	                1, (const char *const[]){r->params[0]});
}

static const struct http_route routes[] = {
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events/{id}/programme",
         .handler = programme_list,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/programme",
         .handler = programme_add,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/programme/import",
         .handler = programme_import,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_PATCH,
         .pattern = "/api/events/{id}/programme/{item}",
         .handler = programme_update,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_DELETE,
         .pattern = "/api/events/{id}/programme/{item}",
         .handler = programme_remove,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events/{id}/questions",
         .handler = event_questions,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/questions",
         .handler = event_question_add,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/projects/{slug}/questions",
         .handler = project_questions,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/projects/{slug}/questions",
         .handler = project_question_add,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "project"},
        {.method = EVHTTP_REQ_PATCH,
         .pattern = "/api/questions/{id}",
         .handler = question_update,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "question"},
        {.method = EVHTTP_REQ_DELETE,
         .pattern = "/api/questions/{id}",
         .handler = question_delete,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "question"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/events/{id}/answers/summary",
         .handler = answers_summary,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/events/{id}/registrations/{registration}/answers",
         .handler = admin_answers,
         .flags = HTTP_ADMIN,
         .scope = HTTP_SCOPE_PROJECT,
         .resource = "event"},
        {.method = EVHTTP_REQ_GET,
         .pattern = "/api/public/registrations/{token}/answers",
         .handler = public_answers},
        {.method = EVHTTP_REQ_POST,
         .pattern = "/api/public/registrations/{token}/answers",
         .handler = public_answers_change},
        {.pattern = NULL},
};

int api_programme_init(void)
{
	return http_add_routes(routes);
}
