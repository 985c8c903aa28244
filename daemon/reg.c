/* reg.c - one registration: the input rule and the call that submits it,
 * shared by the JSON API (api_reg.c) and the HTML form (pages.c). */
#include "reg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "json_in.h"
#include "outbox.h"
#include "token.h"

static const char *const roles[] = {"official", "elected", "other", NULL};
static const char *const langs[] = {"en", "sv", "it", "pl", "es", "fi", NULL};
static const struct json_in_field reg_input_fields[] = {
        {.name = "email",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 254,
         .check = json_in_email},
        {.name = "name",
         .type = JIN_STRING,
         .flags = JIN_REQUIRED,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "organisation",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "country",
         .type = JIN_STRING,
         .max_len = 2,
         .check = json_in_country},
        {.name = "organisation_id",
         .type = JIN_INT,
         .min = 1,
         .max = 9007199254740991LL},
        {.name = "role", .type = JIN_STRING, .max_len = 20, .choices = roles},
        {.name = "language",
         .type = JIN_STRING,
         .max_len = 2,
         .choices = langs},
        /* the participant's IANA zone (a form's hidden field, a client):
         * mails then give their own time too; cv_register checks it */
        {.name = "tz",
         .type = JIN_STRING,
         .max_len = 64,
         .check = json_in_nonblank},
        {.name = "answers", .type = JIN_OBJECT},
        {.name = NULL},
};

/* The same fields, none required: a correction names what changes. */
static const struct json_in_field reg_correct_fields[] = {
        {.name = "name",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "organisation",
         .type = JIN_STRING,
         .max_len = 200,
         .check = json_in_nonblank},
        {.name = "country",
         .type = JIN_STRING,
         .max_len = 2,
         .check = json_in_country},
        {.name = "organisation_id",
         .type = JIN_INT,
         .min = 1,
         .max = 9007199254740991LL},
        {.name = "role", .type = JIN_STRING, .max_len = 20, .choices = roles},
        {.name = "language",
         .type = JIN_STRING,
         .max_len = 2,
         .choices = langs},
        {.name = NULL},
};

static void set_err(struct json_in_error *err, int status, const char *code,
                    const char *field, const char *msg)
{
	err->status = status;
	err->code = code;
	err->field = field;
	snprintf(err->message, sizeof(err->message), "%s", msg);
}

int reg_input_check(const json_t *obj, struct json_in_error *err)
{
	int has_id, has_name, has_country;

	if (json_in_check(obj, reg_input_fields, 0, err) < 0)
		return -1;
	has_id = json_object_get(obj, "organisation_id") != NULL;
	has_name = json_object_get(obj, "organisation") != NULL;
	has_country = json_object_get(obj, "country") != NULL;
	if (has_id && (has_name || has_country)) {
		set_err(err, 400, "bad_request", "organisation_id",
		        "field organisation_id: give organisation_id, or "
		        "organisation and country, not both");
		return -1;
	}
	if (!has_id && !has_name) {
		set_err(err, 400, "missing_field", "organisation",
		        "field organisation: required (or organisation_id)");
		return -1;
	}
	if (!has_id && !has_country) {
		set_err(err, 400, "missing_field", "country",
		        "field country: required with organisation (ISO 3166 "
		        "code such as SE)");
		return -1;
	}
	return 0;
}

static const char *str_or_null(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int reg_correct_check(const json_t *obj, struct json_in_error *err)
{
	int has_id, has_name, has_country;

	if (json_in_check(obj, reg_correct_fields, 1, err) < 0)
		return -1;
	has_id = json_object_get(obj, "organisation_id") != NULL;
	has_name = json_object_get(obj, "organisation") != NULL;
	has_country = json_object_get(obj, "country") != NULL;
	if (has_id && (has_name || has_country)) {
		set_err(err, 400, "bad_request", "organisation_id",
		        "field organisation_id: give organisation_id, or "
		        "organisation and country, not both");
		return -1;
	}
	if (has_name != has_country) {
		set_err(err, 400, "missing_field",
		        has_name ? "country" : "organisation",
		        has_name ? "field country: required with organisation"
		                 : "field organisation: required with country");
		return -1;
	}
	return 0;
}

int reg_correct_submit(struct http_req *r, const char *token, const char *id,
                       const json_t *obj,
                       void (*cb)(void *, PGresult *, const char *), void *arg)
{
	static const char sql[] =
	        "SELECT * FROM cv_registration_correct($1, $2::bigint, $3, "
	        "$4::bigint, $5, $6, $7, $8)";
	json_t *oid = json_object_get(obj, "organisation_id");
	const char *params[8];
	char orgid[24];

	if (oid)
		snprintf(orgid, sizeof(orgid), "%lld",
		         (long long)json_integer_value(oid));
	params[0] = token;
	params[1] = token ? NULL : id;
	params[2] = str_or_null(obj, "name");
	params[3] = oid ? orgid : NULL;
	params[4] = str_or_null(obj, "organisation");
	params[5] = str_or_null(obj, "country");
	params[6] = str_or_null(obj, "role");
	params[7] = str_or_null(obj, "language");
	return db_query(r->app->db, sql, 8, params, cb, arg);
}

/* The caller's callback for a registration, behind reg_submitted. */
struct reg_pending {
	void (*cb)(void *, PGresult *, const char *);
	void *arg;
};

/* cv_register_local committed without a NOTIFY: wake this daemon's outbox
 * for the confirmation request, then answer. */
static void reg_submitted(void *arg, PGresult *res, const char *err)
{
	struct reg_pending p = *(struct reg_pending *)arg;

	free(arg);
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
		outbox_kick();
	p.cb(p.arg, res, err);
}

int reg_submit(struct http_req *r, const char *event_id, const json_t *obj,
               void (*cb)(void *, PGresult *, const char *), void *arg)
{
	static const char sql[] =
	        "SELECT registration_id, reg_state, created, resent FROM "
	        "cv_register_local($1::bigint, $2, $3, $4::bigint, $5, $6, $7, "
	        "$8, $9, $10, $11, $12::jsonb)";
	char token[TOKEN_HEX + 1], feed[TOKEN_HEX + 1], orgid[24] = "";
	const char *role = str_or_null(obj, "role");
	const char *lang = str_or_null(obj, "language");
	json_t *id = json_object_get(obj, "organisation_id");
	json_t *answers = json_object_get(obj, "answers");
	const char *params[12];
	struct reg_pending *p = malloc(sizeof(*p));
	char *ans;
	int rc;

	if (p == NULL)
		return -1;
	/* no answers is an empty set: the required questions are enforced */
	ans = answers ? json_dumps(answers, JSON_COMPACT) : strdup("{}");
	if (ans == NULL) {
		free(p);
		return -1;
	}
	p->cb = cb;
	p->arg = arg;
	if (id)
		snprintf(orgid, sizeof(orgid), "%lld",
		         (long long)json_integer_value(id));
	token_new(token);
	token_new(feed);
	params[0] = event_id;
	params[1] = str_or_null(obj, "email");
	params[2] = str_or_null(obj, "name");
	params[3] = id ? orgid : NULL;
	params[4] = str_or_null(obj, "organisation");
	params[5] = str_or_null(obj, "country");
	params[6] = role; /* none: a known person keeps theirs */
	params[7] = lang ? lang : "en";
	params[8] = token;
	params[9] = feed;
	params[10] = str_or_null(obj, "tz");
	params[11] = ans;
	rc = db_query(r->app->db, sql, 12, params, reg_submitted, p);
	free(ans);
	if (rc < 0) {
		free(p);
		return -1;
	}
	return 0;
}
