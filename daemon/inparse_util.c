/* inparse_util.c - small text helpers of the inbound parser: clean UTF-8
 * copies, addresses, Message-IDs, decoded part text, HTML to text. */
#include "inparse_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void *ip_alloc(struct ip_ctx *ctx, size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		ctx->oom = 1;
	return p;
}

/* Control characters: C0, DEL, C1, and the Unicode line/paragraph
 * separators (they split lines in some readers). */
static int is_control(gunichar c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
	       c == 0x2028 || c == 0x2029;
}

char *ip_clean(struct ip_ctx *ctx, const char *s, size_t n, size_t max,
               int multiline, int *cut)
{
	gchar *valid;
	const char *p, *end;
	char *out, *o;
	size_t used = 0;
	int space = 0;

	if (cut)
		*cut = 0;
	valid = g_utf8_make_valid(s, (gssize)n);
	out = ip_alloc(ctx, strlen(valid) + 1);
	if (out == NULL) {
		g_free(valid);
		return NULL;
	}
	o = out;
	p = valid;
	end = valid + strlen(valid);
	while (p < end) {
		gunichar c = g_utf8_get_char(p);
		const char *next = g_utf8_next_char(p);
		size_t clen = (size_t)(next - p);

		if (multiline) {
			if (c == '\n' || c == '\t') {
				/* kept */
			} else if (is_control(c)) {
				p = next;
				continue;
			}
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = used > 0;
			p = next;
			continue;
		} else if (is_control(c)) {
			p = next;
			continue;
		}
		if (space) {
			if (used + 1 + clen > max) {
				if (cut)
					*cut = 1;
				break;
			}
			*o++ = ' ';
			used++;
			space = 0;
		}
		if (used + clen > max) {
			if (cut)
				*cut = 1;
			break;
		}
		memcpy(o, p, clen);
		o += clen;
		used += clen;
		p = next;
	}
	*o = '\0';
	g_free(valid);
	return out;
}

char *ip_line(struct ip_ctx *ctx, const char *s)
{
	if (s == NULL)
		return NULL;
	return ip_clean(ctx, s, strlen(s), IP_MAX_LINE, 0, NULL);
}

char *ip_addr(struct ip_ctx *ctx, const char *s)
{
	char *out, *o;
	const char *p;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	else if (strncasecmp(s, "rfc822;", 7) == 0)
		s += 7;
	out = ip_alloc(ctx, strlen(s) + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (p = s; *p && (size_t)(o - out) < IP_MAX_LINE; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == 0x7f)
			continue;
		*o++ = (char)tolower(c);
	}
	*o = '\0';
	/* non-ASCII bytes (an internationalised address) must stay UTF-8 */
	if (!g_utf8_validate(out, -1, NULL)) {
		char *fixed =
		        ip_clean(ctx, out, strlen(out), IP_MAX_LINE, 0, NULL);
		free(out);
		return fixed;
	}
	return out;
}

char *ip_msgid(struct ip_ctx *ctx, const char *id)
{
	char *clean, *out;
	size_t n;

	if (id == NULL)
		return NULL;
	clean = ip_clean(ctx, id, strlen(id), IP_MAX_LINE - 2, 0, NULL);
	if (clean == NULL)
		return NULL;
	n = strlen(clean);
	if (n == 0) {
		free(clean);
		return NULL;
	}
	if (clean[0] == '<' && clean[n - 1] == '>')
		return clean;
	out = ip_alloc(ctx, n + 3);
	if (out != NULL) {
		out[0] = '<';
		memcpy(out + 1, clean, n);
		out[n + 1] = '>';
		out[n + 2] = '\0';
	}
	free(clean);
	return out;
}

const char *ip_memcasestr(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	if (m == 0)
		return s;
	if (n < m)
		return NULL;
	for (i = 0; i + m <= n; i++)
		if (strncasecmp(s + i, needle, m) == 0)
			return s + i;
	return NULL;
}

int ip_find_status(const char *s, char *out, size_t outlen)
{
	const char *p;

	if (s == NULL)
		return 0;
	for (p = s; *p; p++) {
		const char *q = p;
		size_t a, b;

		if (*p != '2' && *p != '4' && *p != '5')
			continue;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' ||
		              p[-1] == '-'))
			continue;
		if (q[1] != '.')
			continue;
		q += 2;
		for (a = 0; isdigit((unsigned char)q[a]) && a < 4; a++)
			;
		if (a == 0 || a > 3 || q[a] != '.')
			continue;
		q += a + 1;
		for (b = 0; isdigit((unsigned char)q[b]) && b < 4; b++)
			;
		if (b == 0 || b > 3)
			continue;
		q += b;
		if (isalnum((unsigned char)*q) ||
		    (*q == '.' && isdigit((unsigned char)q[1])))
			continue;
		if ((size_t)(q - p) + 1 > outlen)
			return 0;
		memcpy(out, p, (size_t)(q - p));
		out[q - p] = '\0';
		return 1;
	}
	return 0;
}

/* Is the byte string valid UTF-8 (NUL bytes allowed)? */
static int utf8_ok(const char *s, size_t n)
{
	return g_utf8_validate_len(s, n, NULL);
}

char *ip_part_text(GMimePart *part, size_t max, size_t *len, int *cut)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeContentType *ct;
	GMimeStream *mem;
	GByteArray *bytes;
	const char *charset;
	char *out = NULL;
	size_t n;

	*len = 0;
	if (cut)
		*cut = 0;
	if (content == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(content, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	n = bytes->len;
	if (n > max) {
		n = max;
		if (cut)
			*cut = 1;
	}
	ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	if (charset && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		const char *name = g_mime_charset_iconv_name(charset);
		gsize wrote = 0;

		out = g_convert_with_fallback((const char *)bytes->data,
		                              (gssize)n, "UTF-8", name, "?",
		                              NULL, &wrote, NULL);
		if (out != NULL)
			n = wrote;
	}
	if (out == NULL && !utf8_ok((const char *)bytes->data, n)) {
		gsize wrote = 0;

		/* no charset, or a wrong one: windows-1252 reads any byte */
		out = g_convert((const char *)bytes->data, (gssize)n, "UTF-8",
		                "WINDOWS-1252", NULL, &wrote, NULL);
		if (out == NULL) /* 0x81, 0x8d ... are not windows-1252 */
			out = g_convert((const char *)bytes->data, (gssize)n,
			                "UTF-8", "ISO-8859-1", NULL, &wrote,
			                NULL);
		if (out != NULL)
			n = wrote;
	}
	if (out == NULL) {
		out = g_malloc(n + 1);
		if (n > 0)
			memcpy(out, bytes->data, n);
		out[n] = '\0';
	}
	g_object_unref(mem);
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = ' '; /* callers use C strings */
	*len = n;
	return out;
}

/* Entities worth decoding in mail HTML; others stay as written. */
static const struct {
	const char *name;
	const char *utf8;
} entities[] = {
        {"amp", "&"},
        {"lt", "<"},
        {"gt", ">"},
        {"quot", "\""},
        {"apos", "'"},
        {"nbsp", "\xc2\xa0"},
        {"ndash", "\xe2\x80\x93"},
        {"mdash", "\xe2\x80\x94"},
        {"hellip", "\xe2\x80\xa6"},
        {"rsquo", "\xe2\x80\x99"},
        {"lsquo", "\xe2\x80\x98"},
        {"rdquo", "\xe2\x80\x9d"},
        {"ldquo", "\xe2\x80\x9c"},
        {"euro", "\xe2\x82\xac"},
};

static const char *const block_tags[] = {
        "p",  "br", "div",        "tr",    "li", "h1", "h2",  "h3", "h4",
        "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "hr", "title",
};

/* Decode the entity at P (after '&') into OUT; returns bytes consumed
 * after the '&', 0 when it is not one. */
static size_t entity(const char *p, const char *end, GString *out)
{
	const char *semi = memchr(p, ';', (size_t)MIN(end - p, 12));
	size_t n, i;

	if (semi == NULL || semi == p)
		return 0;
	n = (size_t)(semi - p);
	if (p[0] == '#') {
		gunichar c = 0;
		char *e;
		unsigned long v = (p[1] == 'x' || p[1] == 'X')
		                          ? strtoul(p + 2, &e, 16)
		                          : strtoul(p + 1, &e, 10);
		if (e != semi || v == 0 || v > 0x10ffff ||
		    (v >= 0xd800 && v < 0xe000))
			return 0;
		c = (gunichar)v;
		g_string_append_unichar(out, c);
		return n + 1;
	}
	for (i = 0; i < G_N_ELEMENTS(entities); i++)
		if (strlen(entities[i].name) == n &&
		    strncmp(p, entities[i].name, n) == 0) {
			g_string_append(out, entities[i].utf8);
			return n + 1;
		}
	return 0;
}

char *ip_html_to_text(const char *html, size_t len)
{
	GString *out = g_string_sized_new(len / 2 + 1);
	const char *p = html, *end = html + len;

	while (p < end) {
		if (*p == '<') {
			const char *q = p + 1, *close;
			char name[16];
			size_t n = 0, i;
			int endtag = 0;

			if (q < end && *q == '/') {
				endtag = 1;
				q++;
			}
			while (q < end && n < sizeof(name) - 1 &&
			       isalnum((unsigned char)*q))
				name[n++] = (char)tolower((unsigned char)*q++);
			name[n] = '\0';
			if (end - p >= 4 && strncmp(p, "<!--", 4) == 0) {
				const char *c = ip_memcasestr(
				        p + 4, (size_t)(end - p - 4), "-->");
				p = c ? c + 3 : end;
				continue;
			}
			close = memchr(q, '>', (size_t)(end - q));
			if (close == NULL)
				break;
			p = close + 1;
			if (!endtag && (strcmp(name, "script") == 0 ||
			                strcmp(name, "style") == 0 ||
			                strcmp(name, "head") == 0)) {
				char stop[24];
				const char *c;

				snprintf(stop, sizeof(stop), "</%s", name);
				c = ip_memcasestr(p, (size_t)(end - p), stop);
				if (c == NULL) {
					p = end;
					break;
				}
				close = memchr(c, '>', (size_t)(end - c));
				p = close ? close + 1 : end;
				continue;
			}
			for (i = 0; i < G_N_ELEMENTS(block_tags); i++)
				if (strcmp(name, block_tags[i]) == 0) {
					if (!(out->len >= 2 &&
					      out->str[out->len - 1] == '\n' &&
					      out->str[out->len - 2] == '\n'))
						g_string_append_c(out, '\n');
					break;
				}
			continue;
		}
		if (*p == '&') {
			size_t used = entity(p + 1, end, out);

			if (used) {
				p += used + 1;
				continue;
			}
		}
		if (*p == '\r' || *p == '\n' || *p == '\t' || *p == ' ') {
			if (out->len > 0 && out->str[out->len - 1] != ' ' &&
			    out->str[out->len - 1] != '\n')
				g_string_append_c(out, ' ');
			p++;
			continue;
		}
		g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}
