/* fuzz_form.c - libFuzzer target: form-encoded bodies as the pages read
 * them: evhttp_parse_query_str, then each value through the stock checks
 * and the HTML escaper a page echoes values with. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "http.h"
#include "json_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct evkeyvalq q;
	struct evkeyval *kv;

	if (s == NULL)
		return 0;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(s, &q) == 0) {
		TAILQ_FOREACH(kv, &q, next)
		{
			char *e = http_html_escape(kv->value);
			if (e == NULL || strpbrk(e, "<>\"'"))
				abort();
			free(e);
			(void)json_in_utf8_len(kv->value);
			(void)json_in_email(kv->value);
			(void)json_in_datetime(kv->value);
			(void)json_in_date_or_datetime(kv->value);
			(void)json_in_slug(kv->value);
			(void)json_in_country(kv->value);
			(void)json_in_url(kv->value);
			(void)json_in_nonblank(kv->value);
		}
		(void)evhttp_find_header(&q, "email");
	}
	evhttp_clear_headers(&q);
	free(s);
	return 0;
}
