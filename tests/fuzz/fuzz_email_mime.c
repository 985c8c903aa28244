/* fuzz_email_mime.c - libFuzzer target: the one MIME writer (mail_out)
 * with fuzzed names, subjects and bodies.  An accepted message has CRLF
 * line ends only, no line over 998 octets, and a header block in which
 * every line is a header or a folded continuation (no injection). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail_out.h"
#include "fuzz_util.h"

static void check(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len, *hdr_end;
	size_t tos = 0, subjects = 0;

	hdr_end = strstr(msg, "\r\n\r\n");
	if (hdr_end == NULL || strlen(msg) != len)
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		if (nl == p || nl[-1] != '\r' || (size_t)(nl - p) > 999)
			abort(); /* bare LF, or line over 998 + CR */
		if (memchr(p, '\r', (size_t)(nl - 1 - p)))
			abort(); /* bare CR */
		if (p < hdr_end + 2) {
			if (*p != ' ' && *p != '\t') {
				const char *c =
				        memchr(p, ':', (size_t)(nl - p));
				if (c == NULL || c == p)
					abort();
				for (const char *q = p; q < c; q++)
					if (*q <= ' ' || *q > '~')
						abort();
				tos += (c - p == 2 && !strncasecmp(p, "To", 2));
				subjects += (c - p == 7 &&
				             !strncasecmp(p, "Subject", 7));
			}
		}
		p = nl + 1;
	}
	if (tos != 1 || subjects != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[8];
	size_t n = fuzz_split(data, size, '\n', f, 8), len;
	struct cv_message m;
	struct mail_sender s = {.from = "office@example.org",
	                        .from_name = NULL,
	                        .reply_to = NULL};
	char err[256];
	char *out;

	if (n < 8) {
		fuzz_free_fields(f, n);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.id = 42;
	m.kind = "deadline_reminder";
	m.channel = "email";
	m.recipient = f[0];
	m.recipient_name = f[1][0] ? f[1] : NULL;
	m.language = "pl";
	m.message_id = "<42.1@convened.example.org>";
	m.subject = f[2];
	/* the body fields may hold newlines: '\x01' stands for one */
	for (size_t i = 3; i < 8; i++)
		for (char *c = f[i]; *c; c++)
			if (*c == '\x01')
				*c = '\n';
	m.text = f[3];
	m.html = f[4][0] ? f[4] : NULL;
	m.unsubscribe_url = f[5][0] ? f[5] : NULL;
	s.from_name = f[6][0] ? f[6] : NULL;
	if (f[7][0]) {
		m.ical = f[7];
		m.ical_method = "REQUEST";
	}
	m.created_at = 1790000000;
	out = mail_out_build(&m, &s, 1790000000, &len, err, sizeof(err));
	if (out != NULL) {
		check(out, len);
		free(out);
	} else if (err[0] == '\0') {
		abort();
	}
	fuzz_free_fields(f, n);
	return 0;
}
