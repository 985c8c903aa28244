/* mime.c - header encoding (RFC 2047), dates and quoted-printable bodies. */
#include "mime.h"

#include <sodium.h>
#include <string.h>

int mime_header_ok(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 0;
		else if (*s == 0x7f)
			return 0;
	return 1;
}

static int is_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Longest prefix of S (at most MAX bytes) that ends on a UTF-8 boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n > 0 ? n : max;
}

void mime_put_words(FILE *f, const char *s, size_t used)
{
	size_t len = strlen(s);
	int first = 1;

	if (is_plain(s)) {
		fputs(s, f);
		return;
	}
	(void)used;
	while (len > 0) {
		/* 45 bytes -> 60 base64 chars -> 72-char encoded word */
		size_t n = utf8_cut(s, len, 45);
		char b64[sodium_base64_ENCODED_LEN(
		        45, sodium_base64_VARIANT_ORIGINAL)];

		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s, n,
		                  sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s=?UTF-8?B?%s?=", first ? "" : "\n ", b64);
		first = 0;
		s += n;
		len -= n;
	}
}

void mime_put_address(FILE *f, const char *name, const char *addr, size_t used)
{
	if (!name || !*name) {
		fputs(addr, f);
		return;
	}
	if (is_plain(name)) {
		fputc('"', f);
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		mime_put_words(f, name, used);
	}
	fprintf(f, " <%s>", addr);
}

void mime_put_date(FILE *f, time_t t)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
	                                   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
	                                     "May", "Jun", "Jul", "Aug",
	                                     "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	gmtime_r(&t, &tm);
	fprintf(f, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday],
	        tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	        tm.tm_min, tm.tm_sec);
}

void mime_put_qp(FILE *f, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int col = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int eol = s[1] == '\n' || s[1] == '\0' ||
		          (s[1] == '\r' && s[2] == '\n');
		int lit;

		if (c == '\r' && s[1] == '\n')
			continue;
		if (c == '\n') {
			fputc('\n', f);
			col = 0;
			continue;
		}
		lit = (c >= 33 && c <= 126 && c != '=') ||
		      ((c == ' ' || c == '\t') && !eol);
		if (col + (lit ? 1 : 3) > 75) {
			fputs("=\n", f);
			col = 0;
		}
		if (lit) {
			fputc(c, f);
			col++;
		} else {
			fputc('=', f);
			fputc(hex[c >> 4], f);
			fputc(hex[c & 15], f);
			col += 3;
		}
	}
	if (col > 0)
		fputc('\n', f);
}
