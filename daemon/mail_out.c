/* mail_out.c - the one MIME writer: RFC 5322 headers, RFC 2047 words,
 * quoted-printable and multipart bodies of every outgoing message. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "mail_out.h"

#define LINE_MAX_SOFT   78 /* RFC 5322 2.1.1 SHOULD */
#define QP_LINE         76 /* RFC 2045 6.7 (5) */
#define NAME_MAX_LEN    256
#define SUBJECT_MAX_LEN 900
#define ADDR_MAX_LEN    254
#define URL_MAX_LEN     900

/* A growable output buffer; oom sticks once an allocation fails. */
struct ebuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void eb_grow(struct ebuf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (np == NULL) {
		b->oom = 1;
		return;
	}
	b->p = np;
	b->cap = cap;
}

static void eb_put(struct ebuf *b, const char *s, size_t n)
{
	eb_grow(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void eb_puts(struct ebuf *b, const char *s)
{
	eb_put(b, s, strlen(s));
}

static void eb_printf(struct ebuf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void eb_printf(struct ebuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	eb_grow(b, (size_t)n);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Column of the end of the buffer (octets since the last LF). */
static size_t eb_col(const struct ebuf *b)
{
	size_t i = b->len;

	while (i > 0 && b->p[i - 1] != '\n')
		i--;
	return b->len - i;
}

/* Length of the UTF-8 sequence starting at S, or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	/* C1 controls (U+0080..U+009F) are controls too. */
	if (n == 2 && cp < 0xa0)
		return 0;
	return n;
}

int mail_text_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (s == NULL)
		return 1;
	if (strlen(s) > max)
		return 0;
	while (*p) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
		n = utf8_seq(p);
		if (n == 0)
			return 0;
		p += n;
	}
	return 1;
}

int mail_addr_ok(const char *addr)
{
	const char *at = NULL, *p;

	if (addr == NULL || *addr == '\0' || strlen(addr) > ADDR_MAX_LEN)
		return 0;
	for (p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("<>,;\"()[]\\:", c))
			return 0;
		if (c == '@') {
			if (at != NULL)
				return 0;
			at = p;
		}
	}
	return at != NULL && at != addr && at[1] != '\0';
}

/* 1 when S is printable ASCII (space allowed) and holds no "=?". */
static int plain_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
		if (s[0] == '=' && s[1] == '?')
			return 0;
	}
	return 1;
}

/* Append S (valid UTF-8) as RFC 2047 B encoded words, folding with CRLF SP
 * so that no line passes LINE_MAX_SOFT and no word passes 75 octets. */
static void put_words(struct ebuf *b, const char *s)
{
	static const char pre[] = "=?UTF-8?B?", post[] = "?=";
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	char b64[64 + 1];

	while (left > 0) {
		size_t col = eb_col(b), avail, take = 0, n;

		avail = LINE_MAX_SOFT > col ? LINE_MAX_SOFT - col : 0;
		if (avail > 75)
			avail = 75;
		/* Room for at least one 4-octet sequence (8 base64 chars)? */
		if (avail < sizeof pre - 1 + sizeof post - 1 + 8) {
			eb_puts(b, "\r\n ");
			continue;
		}
		avail = (avail - (sizeof pre - 1) - (sizeof post - 1)) / 4 * 3;
		while (take < left) {
			n = utf8_seq(p + take);
			if (n == 0)
				n = 1; /* validated by the caller; never split
				        */
			if (take + n > avail)
				break;
			take += n;
		}
		sodium_bin2base64(b64, sizeof b64, p, take,
		                  sodium_base64_VARIANT_ORIGINAL);
		eb_puts(b, pre);
		eb_puts(b, b64);
		eb_puts(b, post);
		p += take;
		left -= take;
		if (left > 0)
			eb_puts(b, "\r\n ");
	}
}

/* Append unstructured text S (a subject): plain ASCII folded at spaces
 * when that keeps lines short, otherwise encoded words. */
static void put_unstructured(struct ebuf *b, const char *s)
{
	const char *p, *sp;
	size_t wl;

	if (!plain_ascii(s) || strstr(s, "  ") != NULL) {
		put_words(b, s);
		return;
	}
	for (p = s; *p; p++) /* a word too long to fold: encode instead */
		if (strcspn(p, " ") > LINE_MAX_SOFT - 2) {
			put_words(b, s);
			return;
		}
	p = s;
	while (*p) {
		sp = strchr(p + 1, ' ');
		wl = sp ? (size_t)(sp - p) : strlen(p);
		if (*p == ' ' && eb_col(b) + wl > LINE_MAX_SOFT)
			eb_puts(b, "\r\n");
		eb_put(b, p, wl);
		p += wl;
	}
}

/* Append a mailbox: "Name" <addr>, =?UTF-8?B?...?= <addr>, or <addr>. */
static void put_mailbox(struct ebuf *b, const char *name, const char *addr)
{
	const char *p;

	if (name != NULL && *name != '\0') {
		if (plain_ascii(name)) {
			eb_puts(b, "\"");
			for (p = name; *p; p++) {
				if (*p == '"' || *p == '\\')
					eb_puts(b, "\\");
				eb_put(b, p, 1);
			}
			eb_puts(b, "\"");
		} else {
			put_words(b, name);
		}
		if (eb_col(b) + strlen(addr) + 3 > LINE_MAX_SOFT)
			eb_puts(b, "\r\n");
		eb_puts(b, " ");
	}
	eb_printf(b, "<%s>", addr);
}

static void put_date(struct ebuf *b, time_t t)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
	                                   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
	                                     "May", "Jun", "Jul", "Aug",
	                                     "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	gmtime_r(&t, &tm);
	eb_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
	          tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	          tm.tm_min, tm.tm_sec);
}

/* Append S quoted-printable: LF or CRLF become hard CRLF breaks, soft
 * breaks keep every line within QP_LINE octets. */
static void put_qp(struct ebuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0;
	char tok[3];
	size_t tl;

	for (; *p; p++) {
		if (p[0] == '\n' || (p[0] == '\r' && p[1] == '\n')) {
			if (p[0] == '\r')
				p++;
			eb_puts(b, "\r\n");
			col = 0;
			continue;
		}
		if ((*p == ' ' || *p == '\t') &&
		    !(p[1] == '\0' || p[1] == '\n' ||
		      (p[1] == '\r' && p[2] == '\n'))) {
			tok[0] = (char)*p;
			tl = 1;
		} else if (*p > 32 && *p < 127 && *p != '=') {
			tok[0] = (char)*p;
			tl = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[*p >> 4];
			tok[2] = hex[*p & 15];
			tl = 3;
		}
		if (col + tl > QP_LINE - 1) {
			eb_puts(b, "=\r\n");
			col = 0;
		}
		eb_put(b, tok, tl);
		col += tl;
	}
}

/* Append DATA as base64 in lines of 76 characters. */
static void put_base64(struct ebuf *b, const char *data, size_t n)
{
	char line[76 + 1];
	size_t off, k;

	for (off = 0; off < n; off += 57) {
		k = n - off < 57 ? n - off : 57;
		sodium_bin2base64(line, sizeof line,
		                  (const unsigned char *)data + off, k,
		                  sodium_base64_VARIANT_ORIGINAL);
		eb_puts(b, line);
		eb_puts(b, "\r\n");
	}
}

/* The METHOD of the VCALENDAR in ICS into OUT (upper case), or "" when it
 * has none.  Returns -1 when the value is not a plain token. */
static int ical_method_of(const char *ics, char *out, size_t outlen)
{
	const char *p = ics, *v;
	size_t n;

	out[0] = '\0';
	while (p != NULL && *p) {
		if (strncasecmp(p, "METHOD:", 7) == 0) {
			v = p + 7;
			n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			              "abcdefghijklmnopqrstuvwxyz-");
			if (n == 0 || n >= outlen ||
			    (v[n] != '\r' && v[n] != '\n' && v[n] != '\0'))
				return -1;
			for (size_t i = 0; i < n; i++)
				out[i] = (char)(v[i] >= 'a' && v[i] <= 'z'
				                        ? v[i] - 32
				                        : v[i]);
			out[n] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* 1 when S is a non-empty run of characters from SET (at most MAX). */
static int token_ok(const char *s, const char *set, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strspn(s, set) == n;
}

static int message_id_ok(const char *id)
{
	size_t n = strlen(id);
	const char *p;

	if (n < 5 || n > 250 || id[0] != '<' || id[n - 1] != '>')
		return 0;
	for (p = id + 1; p < id + n - 1; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("<>\"\\,;()[]", *p))
			return 0;
	p = strchr(id, '@');
	return p != NULL && p > id + 1 && p < id + n - 2 &&
	       strchr(p + 1, '@') == NULL;
}

static int url_ok(const char *url)
{
	const char *p;

	if (*url == '\0' || strlen(url) > URL_MAX_LEN)
		return 0;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '<' || *p == '>' || *p == '"')
			return 0;
	return 1;
}

/* Check every field that ends up in a header.  0, or -1 with ERR. */
static int check_message(const struct cv_message *m,
                         const struct mail_sender *s, char *method,
                         size_t methodlen, char *err, size_t errlen)
{
	char found[32];

	if (!mail_addr_ok(m->recipient)) {
		snprintf(err, errlen, "invalid recipient address");
		return -1;
	}
	if (!mail_text_ok(m->recipient_name, NAME_MAX_LEN)) {
		snprintf(err, errlen,
		         "recipient name has control characters, "
		         "invalid UTF-8 or is too long");
		return -1;
	}
	if (m->subject == NULL || !mail_text_ok(m->subject, SUBJECT_MAX_LEN)) {
		snprintf(err, errlen,
		         "subject is missing, has control "
		         "characters, invalid UTF-8 or is too long");
		return -1;
	}
	if (m->text == NULL) {
		snprintf(err, errlen, "no text body");
		return -1;
	}
	if (m->kind != NULL &&
	    !token_ok(m->kind, "abcdefghijklmnopqrstuvwxyz0123456789_", 64)) {
		snprintf(err, errlen, "invalid kind");
		return -1;
	}
	if (!mail_addr_ok(s->from) ||
	    !mail_text_ok(s->from_name, NAME_MAX_LEN) ||
	    (s->reply_to != NULL && !mail_addr_ok(s->reply_to))) {
		snprintf(err, errlen,
		         "invalid sender (from, from_name or "
		         "reply_to)");
		return -1;
	}
	if (m->message_id != NULL && !message_id_ok(m->message_id)) {
		snprintf(err, errlen, "invalid message_id");
		return -1;
	}
	if (m->unsubscribe_url != NULL && !url_ok(m->unsubscribe_url)) {
		snprintf(err, errlen, "invalid unsubscribe_url");
		return -1;
	}
	method[0] = '\0';
	if (m->ical == NULL)
		return 0;
	if (ical_method_of(m->ical, found, sizeof found) < 0) {
		snprintf(err, errlen, "the calendar's METHOD is malformed");
		return -1;
	}
	if (m->ical_method != NULL) {
		if (!token_ok(m->ical_method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-",
		              sizeof found - 1)) {
			snprintf(err, errlen, "invalid ical_method");
			return -1;
		}
		if (strcmp(found, m->ical_method) != 0) {
			snprintf(err, errlen,
			         "ical_method %s does not match the calendar's "
			         "METHOD %s",
			         m->ical_method, found[0] ? found : "(none)");
			return -1;
		}
	}
	snprintf(method, methodlen, "%s", found);
	return 0;
}

static void put_text_part(struct ebuf *b, const char *type, const char *extra,
                          const char *body)
{
	eb_printf(b,
	          "Content-Type: %s%s; charset=UTF-8\r\n"
	          "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
	          type, extra);
	put_qp(b, body);
	eb_puts(b, "\r\n");
}

/* The body (from Content-Type on).  Boundaries hold "=_", which neither
 * quoted-printable nor base64 can produce, and the row id, which makes
 * them the same for every rendering of the row. */
/* The HTML alternative: the text/html part alone, or, with images,
 * multipart/related holding it and each image. */
static void put_html(struct ebuf *b, const struct cv_message *m,
                     const struct mail_inline *img, size_t n)
{
	char rel[48];

	if (n == 0) {
		put_text_part(b, "text/html", "", m->html);
		return;
	}
	snprintf(rel, sizeof rel, "=_cv_%lld_rel", (long long)m->id);
	eb_printf(b,
	          "Content-Type: multipart/related; type=\"text/html\";"
	          " boundary=\"%s\"\r\n\r\n--%s\r\n",
	          rel, rel);
	put_text_part(b, "text/html", "", m->html);
	for (size_t i = 0; i < n; i++) {
		eb_printf(
		        b,
		        "--%s\r\n"
		        "Content-Type: %s; name=\"%s\"\r\n"
		        "Content-Transfer-Encoding: base64\r\n"
		        "Content-ID: <%s>\r\n"
		        "Content-Disposition: inline; filename=\"%s\"\r\n\r\n",
		        rel, img[i].content_type, img[i].filename,
		        img[i].content_id, img[i].filename);
		put_base64(b, img[i].data, img[i].len);
	}
	eb_printf(b, "--%s--\r\n", rel);
}

/* Each of ATT[0..NATT) as a base64 part of the multipart/mixed MIX, then
 * MIX's closing boundary. */
static void put_attachments(struct ebuf *b, const char *mix,
                            const struct mail_attachment *att, size_t natt)
{
	for (size_t i = 0; i < natt; i++) {
		eb_printf(b,
		          "\r\n--%s\r\n"
		          "Content-Type: %s; name=\"%s\"\r\n"
		          "Content-Disposition: attachment; filename=\"%s\"\r\n"
		          "Content-Transfer-Encoding: base64\r\n\r\n",
		          mix, att[i].ctype, att[i].filename, att[i].filename);
		put_base64(b, att[i].data, att[i].len);
	}
	eb_printf(b, "--%s--\r\n", mix);
}

static void put_body(struct ebuf *b, const struct cv_message *m,
                     const char *method, const struct mail_inline *img,
                     size_t nimg, const struct mail_attachment *att,
                     size_t natt)
{
	char extra[64], alt[48], mix[48];
	int mixed = m->ical != NULL || natt > 0;

	snprintf(alt, sizeof alt, "=_cv_%lld_alt", (long long)m->id);
	snprintf(mix, sizeof mix, "=_cv_%lld_mix", (long long)m->id);
	if (mixed)
		eb_printf(
		        b,
		        "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		        "This is a MIME message.\r\n--%s\r\n",
		        mix, mix);
	if (m->ical == NULL && m->html == NULL) {
		put_text_part(b, "text/plain", "", m->text);
		if (mixed)
			put_attachments(b, mix, att, natt);
		return;
	}
	eb_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n",
	          alt);
	if (!mixed)
		eb_puts(b, "\r\nThis is a MIME message.\r\n");
	eb_printf(b, "\r\n--%s\r\n", alt);
	put_text_part(b, "text/plain", "", m->text);
	if (m->html != NULL) {
		eb_printf(b, "--%s\r\n", alt);
		put_html(b, m, img, nimg);
	}
	if (m->ical != NULL) {
		eb_printf(b, "--%s\r\n", alt);
		if (method[0])
			snprintf(extra, sizeof extra, "; method=%s", method);
		else
			extra[0] = '\0';
		put_text_part(b, "text/calendar", extra, m->ical);
	}
	eb_printf(b, "--%s--\r\n", alt);
	if (m->ical != NULL) {
		eb_printf(
		        b,
		        "\r\n--%s\r\n"
		        "Content-Type: application/ics; name=\"invite.ics\"\r\n"
		        "Content-Disposition: attachment; "
		        "filename=\"invite.ics\"\r\n"
		        "Content-Transfer-Encoding: base64\r\n\r\n",
		        mix);
		put_base64(b, m->ical, strlen(m->ical));
	}
	if (mixed)
		put_attachments(b, mix, att, natt);
}

/* 1 when every attachment's file name and type may go into its headers. */
static int attachments_ok(const struct mail_attachment *att, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!att[i].filename || !att[i].ctype ||
		    (att[i].len > 0 && !att[i].data) ||
		    !token_ok(att[i].filename,
		              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
		              "WXYZ0123456789._-",
		              100) ||
		    !token_ok(att[i].ctype,
		              "abcdefghijklmnopqrstuvwxyz0123456789/.+-",
		              100) ||
		    strchr(att[i].ctype, '/') == NULL)
			return 0;
	return 1;
}

/* 1 when every image's content type, id and file name may go into its
 * headers. */
static int inline_ok(const struct mail_inline *img, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!img[i].content_type || !img[i].content_id ||
		    !img[i].filename || !img[i].data ||
		    !token_ok(img[i].content_type,
		              "abcdefghijklmnopqrstuvwxyz0123456789/.+-",
		              100) ||
		    !token_ok(img[i].content_id,
		              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
		              "WXYZ"
		              "0123456789.-_@",
		              200) ||
		    strchr(img[i].content_id, '@') == NULL ||
		    !token_ok(img[i].filename,
		              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
		              "WXYZ"
		              "0123456789.-_",
		              100))
			return 0;
	return 1;
}

char *mail_out_build(const struct cv_message *m, const struct mail_sender *s,
                     time_t date, size_t *len, char *err, size_t errlen)
{
	return mail_out_build_inline(m, s, NULL, 0, date, len, err, errlen);
}

char *mail_out_build_inline(const struct cv_message *m,
                            const struct mail_sender *s,
                            const struct mail_inline *img, size_t nimg,
                            time_t date, size_t *len, char *err, size_t errlen)
{
	return mail_out_build_full(m, s, img, nimg, NULL, 0, date, len, err,
	                           errlen);
}

char *mail_out_build_full(const struct cv_message *m,
                          const struct mail_sender *s,
                          const struct mail_inline *img, size_t nimg,
                          const struct mail_attachment *att, size_t natt,
                          time_t date, size_t *len, char *err, size_t errlen)
{
	struct ebuf b = {0};
	char method[32];
	const char *dom;

	if (check_message(m, s, method, sizeof method, err, errlen) < 0)
		return NULL;
	if (!inline_ok(img, nimg)) {
		snprintf(err, errlen, "invalid inline image");
		return NULL;
	}
	if (!attachments_ok(att, natt)) {
		snprintf(err, errlen, "invalid attachment");
		return NULL;
	}
	if (m->html == NULL)
		nimg = 0;

	eb_puts(&b, "From: ");
	put_mailbox(&b, s->from_name, s->from);
	eb_puts(&b, "\r\nTo: ");
	put_mailbox(&b, m->recipient_name, m->recipient);
	eb_puts(&b, "\r\n");
	if (s->reply_to != NULL)
		eb_printf(&b, "Reply-To: <%s>\r\n", s->reply_to);
	eb_puts(&b, "Subject: ");
	put_unstructured(&b, m->subject);
	eb_puts(&b, "\r\nDate: ");
	put_date(&b, date);
	if (m->message_id != NULL) {
		eb_printf(&b, "\r\nMessage-ID: %s\r\n", m->message_id);
	} else {
		dom = strchr(s->from, '@') + 1;
		eb_printf(&b, "\r\nMessage-ID: <cv.%lld.%lld@%s>\r\n",
		          (long long)m->id, (long long)m->created_at, dom);
	}
	eb_puts(&b, "MIME-Version: 1.0\r\n");
	eb_puts(&b, "Auto-Submitted: auto-generated\r\n");
	if (m->language != NULL &&
	    token_ok(m->language,
	             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-",
	             35))
		eb_printf(&b, "Content-Language: %s\r\n", m->language);
	if (m->unsubscribe_url != NULL)
		eb_printf(
		        &b,
		        "List-Unsubscribe: <%s>\r\n"
		        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		        m->unsubscribe_url);
	eb_puts(&b, "X-Mailer: convened " CONVENED_VERSION "\r\n");
	if (m->kind != NULL)
		eb_printf(&b, "X-Convened-Kind: %s\r\n", m->kind);
	eb_printf(&b, "X-Convened-Outbox-Id: %lld\r\n", (long long)m->id);
	put_body(&b, m, method, img, nimg, att, natt);

	if (b.oom) {
		free(b.p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*len = b.len;
	return b.p;
}
