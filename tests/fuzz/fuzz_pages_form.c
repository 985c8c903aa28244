/* fuzz_pages_form.c - libFuzzer target: the registration page's
 * form-encoded body, through pages_form.c's own parser (form_parse), the API's
 * check of the values (reg_input_check) and the form re-rendered with them
 * (form_body): no value may open a tag in the page.  pages_form.c is included
 * so its static functions are reachable. */
#include "pages_form.c"

#include <event2/buffer.h>

#include "fuzz_util.h"

static size_t count(const char *s, size_t n, char c)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req hr;
	struct form_ctx c;
	struct json_in_error e;
	struct evbuffer *b, *empty;
	char *body;

	memset(&hr, 0, sizeof(hr));
	memset(&c, 0, sizeof(c));
	hr.req = evhttp_request_new(NULL, NULL);
	body = malloc(size + 1);
	memcpy(body, data, size);
	body[size] = '\0';
	hr.body = body;
	hr.body_len = size;
	evhttp_add_header(evhttp_request_get_input_headers(hr.req),
	                  "Content-Type", "application/x-www-form-urlencoded");
	c.r = &hr;
	c.t = page_text_for(&hr);
	c.w = page_words_get(c.t->lang);
	if (form_parse(&c) == 0)
		(void)reg_input_check(c.vals, &e);
	/* the page shown back with the values: the same number of '<' as the
	 * page rendered with no values and no error */
	b = evbuffer_new();
	empty = evbuffer_new();
	c.error[0] = '\0';
	c.code = NULL;
	memset(c.fmsg, 0, sizeof(c.fmsg));
	form_body(b, &c, NULL);
	{
		struct form_ctx c0 = c;
		json_t *none = json_object();
		c0.vals = none;
		form_body(empty, &c0, NULL);
		json_decref(none);
	}
	{
		size_t n1 = evbuffer_get_length(b),
		       n0 = evbuffer_get_length(empty);
		const char *p1 = (const char *)evbuffer_pullup(b, -1);
		const char *p0 = (const char *)evbuffer_pullup(empty, -1);
		if (count(p1, n1, '<') != count(p0, n0, '<'))
			abort();
	}
	evbuffer_free(b);
	evbuffer_free(empty);
	json_decref(c.vals);
	evhttp_request_free(hr.req);
	free(body);
	return 0;
}
