/* http.c - convenectl's HTTP client: libcurl requests to the admin API and
 * the server's JSON errors printed on stderr. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define TIMEOUT_S 60

struct buf {
	char *p;
	size_t len;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t len = size * n;
	char *p = realloc(b->p, b->len + len + 1);

	if (p == NULL)
		return 0;
	memcpy(p + b->len, data, len);
	b->len += len;
	p[b->len] = '\0';
	b->p = p;
	return len;
}

int ctl_http(struct ctl *c, const char *method, const char *path, json_t *body,
             const char *accept, struct ctl_resp *out)
{
	struct curl_slist *hdrs = NULL;
	struct buf b = {0};
	char *url = NULL, *auth = NULL, *acc = NULL, *data = NULL;
	const char *ctype = NULL;
	CURL *h = curl_easy_init();
	CURLcode cc;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (h == NULL) {
		ctl_err("cannot initialise libcurl");
		return -1;
	}
	if (asprintf(&url, "%s%s", c->url, path) < 0 ||
	    asprintf(&acc, "Accept: %s", accept ? accept : "application/json") <
	            0) {
		ctl_err("out of memory");
		goto out;
	}
	hdrs = curl_slist_append(hdrs, acc);
	if (c->token) {
		if (asprintf(&auth, "Authorization: Bearer %s", c->token) < 0)
			goto out;
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (body) {
		data = json_dumps(body, JSON_COMPACT);
		hdrs = curl_slist_append(hdrs,
		                         "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "convenectl/" CONVENED_VERSION);
	if (c->verbose)
		fprintf(stderr, "convenectl: %s %s\n", method, url);
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		ctl_err("%s: %s", c->url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	if (c->verbose)
		fprintf(stderr, "convenectl: %ld\n", out->status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
	out->ctype = strdup(ctype ? ctype : "");
	out->body = b.p ? b.p : strdup("");
	out->len = b.len;
	b.p = NULL;
	ret = 0;
out:
	free(b.p);
	free(url);
	free(auth);
	free(acc);
	free(data);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return ret;
}

void ctl_resp_free(struct ctl_resp *r)
{
	free(r->body);
	free(r->ctype);
	memset(r, 0, sizeof(*r));
}

void ctl_print_error(const struct ctl_resp *r)
{
	json_t *v = json_loads(r->body ? r->body : "", 0, NULL);
	json_t *e = json_object_get(v, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *field = json_string_value(json_object_get(e, "field"));

	if (msg && field && strstr(msg, field) == NULL)
		ctl_err("%s (field %s; HTTP %ld)", msg, field, r->status);
	else if (msg)
		ctl_err("%s (HTTP %ld)", msg, r->status);
	else if (r->len > 0)
		ctl_err("HTTP %ld: %.300s", r->status, r->body);
	else
		ctl_err("HTTP %ld", r->status);
	json_decref(v);
}

json_t *ctl_call(struct ctl *c, const char *method, const char *path,
                 json_t *body)
{
	struct ctl_resp r;
	json_error_t je;
	json_t *v;

	if (ctl_http(c, method, path, body, NULL, &r) < 0)
		return NULL;
	if (r.status < 200 || r.status > 299) {
		ctl_print_error(&r);
		ctl_resp_free(&r);
		return NULL;
	}
	if (r.len == 0)
		v = json_object();
	else if ((v = json_loads(r.body, JSON_DECODE_ANY, &je)) == NULL)
		ctl_err("the server's answer is not JSON: %s", je.text);
	ctl_resp_free(&r);
	return v;
}

char *ctl_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *copy;

	if (e == NULL)
		return NULL;
	copy = strdup(e);
	curl_free(e);
	return copy;
}
