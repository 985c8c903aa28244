/* fuzz_inbound_parse.c - libFuzzer target: a received message through
 * inparse_message (GMime, libical, the DSN and auto-reply rules).  Any
 * input gets a class and a reason; every string in the result is valid
 * UTF-8 without control characters (text keeps newlines and tabs), within
 * its bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "inparse.h"

static void check(const char *s, int multiline, size_t max)
{
	if (s == NULL)
		return;
	if (!g_utf8_validate(s, -1, NULL) || strlen(s) > max)
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) ||
		    *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct inparse_limits lim = {.max_bytes = 1 << 20,
	                             .max_parts = 200,
	                             .max_depth = 12,
	                             .max_text = 4096};
	struct inparse_result r;
	char err[128];

	if (!ready)
		ready = inparse_init() == 0;
	if (inparse_message((const char *)data, size, &lim, &r, err,
	                    sizeof(err)) != 0)
		abort(); /* only out of memory may fail */
	if (r.reason[0] == '\0' || r.cls > INPARSE_DSN_SUCCESS)
		abort();
	check(r.message_id, 0, 512);
	check(r.from, 0, 512);
	check(r.from_name, 0, 512);
	check(r.subject, 0, 512);
	check(r.auto_reason, 0, 512);
	check(r.method, 0, 512);
	check(r.uid, 0, 512);
	check(r.text, 1, lim.max_text);
	for (size_t i = 0; i < r.nreferences; i++)
		check(r.references[i], 0, 512);
	for (size_t i = 0; i < r.nattendees; i++) {
		check(r.attendees[i].address, 0, 512);
		check(r.attendees[i].partstat, 0, 512);
		check(r.attendees[i].delegated_to, 0, 512);
		check(r.attendees[i].name, 0, 512);
	}
	for (size_t i = 0; i < r.nrcpts; i++) {
		check(r.rcpts[i].address, 0, 512);
		check(r.rcpts[i].status, 0, 16);
		check(r.rcpts[i].action, 0, 512);
		check(r.rcpts[i].diagnostic, 0, 512);
	}
	if ((r.cls == INPARSE_IMIP_REPLY || r.cls == INPARSE_IMIP_COUNTER) &&
	    (r.uid == NULL || r.nattendees == 0))
		abort();
	inparse_result_free(&r);
	return 0;
}
