/* inparse_dsn.c - delivery reports: the fields of an RFC 3464
 * message/delivery-status part (tolerating missing blank lines and stray
 * MIME headers), and bounces that have no such part (Exim, qmail, Gmail,
 * Yahoo, GroupWise), recognised by their headers and wording. */
#include "inparse_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parse a block of header lines with GMime; NULL when it holds none. */
static GMimeMessage *parse_headers(struct ip_ctx *ctx, const char *s, size_t n)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(s, n);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *m;

	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, ctx->opts);
	g_object_unref(parser);
	g_object_unref(st);
	return m;
}

static struct inparse_dsn_rcpt *new_rcpt(struct ip_ctx *ctx,
                                         struct inparse_result *out)
{
	struct inparse_dsn_rcpt *r;

	if (out->nrcpts >= IP_MAX_RCPTS)
		return NULL;
	r = realloc(out->rcpts, (out->nrcpts + 1) * sizeof(*r));
	if (r == NULL) {
		ctx->oom = 1;
		return NULL;
	}
	out->rcpts = r;
	r = &out->rcpts[out->nrcpts++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* "rfc822; a@b" -> "a@b" (any address type is dropped). */
static char *typed_addr(struct ip_ctx *ctx, const char *v)
{
	const char *semi = strchr(v, ';');

	return ip_addr(ctx, semi ? semi + 1 : v);
}

/* "smtp; 550 5.1.1 ..." -> "550 5.1.1 ..." */
static char *diag_text(struct ip_ctx *ctx, const char *v)
{
	const char *semi = strchr(v, ';');

	if (semi && semi - v < 16)
		v = semi + 1;
	return ip_line(ctx, v);
}

static void set_str(char **field, char *value)
{
	if (*field == NULL)
		*field = value;
	else
		free(value);
}

/* Severity and a refined status code of a recipient. */
static void finish_rcpt(struct ip_ctx *ctx, struct inparse_dsn_rcpt *r)
{
	char code[16];
	const char *a = r->action ? r->action : "";

	if (r->address == NULL)
		r->address = ip_line(ctx, "");
	if (r->action == NULL)
		r->action = ip_line(ctx, "");
	if (r->status == NULL)
		r->status = ip_line(ctx, "");
	/* "5.0.0" (or nothing) with "550 5.1.1 ..." in the diagnostic: the
	 * diagnostic's code says more; keep the class of the Status field */
	if (r->status && r->diagnostic &&
	    ip_find_status(r->diagnostic, code, sizeof(code)) &&
	    (r->status[0] == '\0' ||
	     (r->status[0] == code[0] && strcmp(r->status + 1, ".0.0") == 0))) {
		char *s = ip_line(ctx, code);
		if (s) {
			free(r->status);
			r->status = s;
		}
	}
	if (strcmp(a, "failed") == 0)
		r->severity = INPARSE_SEV_HARD; /* final, even with 4.x.x */
	else if (strcmp(a, "delayed") == 0)
		r->severity = INPARSE_SEV_SOFT;
	else if (strcmp(a, "delivered") == 0 || strcmp(a, "relayed") == 0 ||
	         strcmp(a, "expanded") == 0)
		r->severity = INPARSE_SEV_SUCCESS;
	else if (r->status && r->status[0] == '5')
		r->severity = INPARSE_SEV_HARD;
	else if (r->status && r->status[0] == '2')
		r->severity = INPARSE_SEV_SUCCESS;
	else
		r->severity = INPARSE_SEV_SOFT; /* unknown: never kill on it */
}

/* Where feed_block is: the recipient being filled (in this block only)
 * and which recipient fields it already has. */
struct rstate {
	size_t cur;
	int have, has_final, has_orig;
	/* fields met before the block's first recipient field (Amazon SES
	 * writes Action first): they go to that recipient */
	char *action, *status, *diagnostic;
};

static void rstate_clear(struct rstate *st)
{
	free(st->action);
	free(st->status);
	free(st->diagnostic);
	st->action = st->status = st->diagnostic = NULL;
	st->have = 0;
}

/* Feed the header fields of one block.  A recipient starts at a
 * Final-/Original-Recipient field when the block has none yet or the
 * current one already has that field (some MTAs leave out the blank
 * lines between recipients). */
static void feed_block(struct ip_ctx *ctx, GMimeMessage *m,
                       struct inparse_result *out, struct rstate *st)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(m));
	int i, count = list ? g_mime_header_list_get_count(list) : 0;

	for (i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *name = g_mime_header_get_name(h);
		const char *val = g_mime_header_get_value(h);
		struct inparse_dsn_rcpt *r;
		int final, orig;

		if (name == NULL || val == NULL)
			continue;
		final = g_ascii_strcasecmp(name, "Final-Recipient") == 0;
		orig = g_ascii_strcasecmp(name, "Original-Recipient") == 0;
		if (final || orig) {
			if (!st->have || (final && st->has_final) ||
			    (orig && st->has_orig)) {
				if (new_rcpt(ctx, out) == NULL)
					return;
				st->cur = out->nrcpts - 1;
				st->has_final = st->has_orig = 0;
				if (!st->have) {
					r = &out->rcpts[st->cur];
					r->action = st->action;
					r->status = st->status;
					r->diagnostic = st->diagnostic;
					st->action = st->status = NULL;
					st->diagnostic = NULL;
				}
				st->have = 1;
			}
			r = &out->rcpts[st->cur];
			if (final) {
				free(r->address);
				r->address = typed_addr(ctx, val);
				st->has_final = 1;
			} else {
				if (r->address == NULL)
					r->address = typed_addr(ctx, val);
				free(r->original);
				r->original = typed_addr(ctx, val);
				st->has_orig = 1;
			}
			continue;
		}
		r = st->have ? &out->rcpts[st->cur] : NULL;
		if (g_ascii_strcasecmp(name, "Action") == 0) {
			char *a = ip_line(ctx, val);
			if (a) {
				a[strcspn(a, " ;(")] = '\0';
				for (char *c = a; *c; c++)
					*c = g_ascii_tolower(*c);
			}
			set_str(r ? &r->action : &st->action, a);
		} else if (g_ascii_strcasecmp(name, "Status") == 0) {
			char code[16];
			if (ip_find_status(val, code, sizeof(code)))
				set_str(r ? &r->status : &st->status,
				        ip_line(ctx, code));
		} else if (g_ascii_strcasecmp(name, "Diagnostic-Code") == 0 ||
		           (g_ascii_strcasecmp(name, "X-Supplementary-Info") ==
		                    0 &&
		            val[strspn(val, " \t")] != '\0')) {
			set_str(r ? &r->diagnostic : &st->diagnostic,
			        diag_text(ctx, val));
		}
	}
}

size_t ip_dsn_fields(struct ip_ctx *ctx, const char *text, size_t len,
                     struct inparse_result *out)
{
	const char *p = text, *end = text + len;
	size_t before = out->nrcpts, i;
	struct rstate st;

	memset(&st, 0, sizeof(st));

	while (p < end && !ctx->oom) {
		const char *q;
		GMimeMessage *m;

		/* skip blank lines, then the block runs to the next one */
		while (p < end &&
		       (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t'))
			p++;
		q = p;
		while (q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			const char *e = nl ? nl : end, *t = q;

			while (t < e && (*t == ' ' || *t == '\t' || *t == '\r'))
				t++;
			if (t == e && q != p)
				break;
			q = nl ? nl + 1 : end;
		}
		if (q == p)
			break;
		m = parse_headers(ctx, p, (size_t)(q - p));
		rstate_clear(&st); /* a recipient never spans blocks */
		if (m != NULL) {
			feed_block(ctx, m, out, &st);
			g_object_unref(m);
		}
		p = q;
	}
	rstate_clear(&st);
	for (i = before; i < out->nrcpts; i++)
		finish_rcpt(ctx, &out->rcpts[i]);
	return out->nrcpts - before;
}

char *ip_dsn_headers_msgid(struct ip_ctx *ctx, const char *text, size_t len)
{
	GMimeMessage *m;
	char *id = NULL;
	const char *mid;

	while (len > 0 && (*text == '\r' || *text == '\n' || *text == ' ' ||
	                   *text == '\t')) {
		text++;
		len--;
	}
	if (len == 0)
		return NULL;
	m = parse_headers(ctx, text, len);
	if (m == NULL)
		return NULL;
	mid = g_mime_message_get_message_id(m);
	if (mid != NULL && *mid != '\0')
		id = ip_msgid(ctx, mid);
	g_object_unref(m);
	return id;
}

enum inparse_class ip_dsn_class(const struct inparse_result *out)
{
	size_t i;
	int soft = 0, ok = 0;

	for (i = 0; i < out->nrcpts; i++) {
		if (out->rcpts[i].severity == INPARSE_SEV_HARD)
			return INPARSE_DSN_FAILED;
		soft += out->rcpts[i].severity == INPARSE_SEV_SOFT;
		ok += out->rcpts[i].severity == INPARSE_SEV_SUCCESS;
	}
	if (soft)
		return INPARSE_DSN_DELAYED;
	if (ok)
		return INPARSE_DSN_SUCCESS;
	return INPARSE_DSN_FAILED;
}

/* ---- bounces without a delivery-status part ---- */

static const char *const bounce_subjects[] = {
        "undelivered mail",
        "mail delivery failed",
        "failure notice",
        "delivery status notification",
        "undeliverable",
        "undelivered:",
        "returned mail",
        "message status - undeliverable",
        "delivery failure",
        "delivery has failed",
        "mail system error",
        "delivery delayed",
        "delayed mail",
        "warning: message",
        "could not send message",
        "non-delivery",
        "nondeliverable",
        "unzustellbar",         /* de */
        "nicht zustellbar",     /* de */
        "non recapitabile",     /* it */
        "mancato recapito",     /* it */
        "non remis",            /* fr */
        "échec de remise",      /* fr */
        "no se puede entregar", /* es */
        "no entregado",         /* es */
        "onbestelbaar",         /* nl */
        "kunde inte levereras", /* sv */
        "olevererbart",         /* sv */
        "ei voitu toimittaa",   /* fi */
        "niedostarczalna",      /* pl */
        "niedostarczona",       /* pl */
        "nije isporučen",       /* hr */
};

static const char *const bounce_words[] = {
        "could not be delivered",
        "couldn't be delivered",
        "was not delivered",
        "undeliverable",
        "delivery to the following recipient",
        "failed permanently",
        "permanent error",
        "permanent failure",
        "unable to deliver",
        "wasn't able to deliver",
        "could not deliver",
        "has not yet been delivered",
        "delivery has failed",
        "user unknown",
        "user not found",
        "no such user",
        "mailbox unavailable",
        "address rejected",
        "delivery attempts will continue",
        "returned to sender",
        "following address(es) failed",
};

static const char *const delay_words[] = {
        "has not yet been delivered",
        "not yet been delivered",
        "delivery attempts will continue",
        "will continue to try",
        "will be retried",
        "still trying",
        "delayed",
        "delay",
};

static const char *const permanent_words[] = {
        "permanent",
        "given up",
        "gave up",
        "failed permanently",
        "could not be delivered",
        "undeliverable",
};

/* Where the returned copy of the original message starts. */
static const char *const copy_markers[] = {
        "------ This is a copy of the message",
        "----- Original message -----",
        "--- Below this line is a copy of the message",
        "----- Original Message -----",
        "------ Returned message",
        "----- Returned message",
        "Original message follows",
        "Below is a copy of the original message",
        "----- The header of the original message",
        "------ This is a copy of your message",
        "----- Unsent message follows -----",
};

static int any_of(const char *s, size_t n, const char *const *words,
                  size_t count)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < count; i++)
		if (ip_memcasestr(s, n, words[i]))
			return 1;
	return 0;
}

/* Is the From address a mail system's (MAILER-DAEMON, postmaster)? */
static int from_mail_system(GMimeMessage *m)
{
	InternetAddressList *from = g_mime_message_get_from(m);
	InternetAddress *a;
	const char *addr, *name;

	if (from == NULL || internet_address_list_length(from) < 1)
		return 0;
	a = internet_address_list_get_address(from, 0);
	name = internet_address_get_name(a);
	if (name && (ip_memcasestr(name, strlen(name), "mail delivery") ||
	             ip_memcasestr(name, strlen(name), "mailer-daemon")))
		return 1;
	if (!INTERNET_ADDRESS_IS_MAILBOX(a))
		return 0;
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
	return addr && (g_ascii_strncasecmp(addr, "mailer-daemon", 13) == 0 ||
	                g_ascii_strncasecmp(addr, "postmaster", 10) == 0 ||
	                g_ascii_strncasecmp(addr, "mail-daemon", 11) == 0);
}

/* Is ADDR (lower-case) one of the message's To/Cc addresses? */
static int addressed_to(GMimeMessage *m, const char *addr)
{
	static const GMimeAddressType types[] = {GMIME_ADDRESS_TYPE_TO,
	                                         GMIME_ADDRESS_TYPE_CC};
	size_t t;

	for (t = 0; t < G_N_ELEMENTS(types); t++) {
		InternetAddressList *l =
		        g_mime_message_get_addresses(m, types[t]);
		int i, n = l ? internet_address_list_length(l) : 0;

		for (i = 0; i < n; i++) {
			InternetAddress *a =
			        internet_address_list_get_address(l, i);
			const char *x;

			if (!INTERNET_ADDRESS_IS_MAILBOX(a))
				continue;
			x = internet_address_mailbox_get_addr(
			        INTERNET_ADDRESS_MAILBOX(a));
			if (x && g_ascii_strcasecmp(x, addr) == 0)
				return 1;
		}
	}
	return 0;
}

/* A plausible addr-spec: one '@', something on both sides, no spaces. */
static int plausible_addr(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t i;

	if (at == NULL || at == s || at == s + n - 1 || n > 254)
		return 0;
	if (memchr(at + 1, '@', (size_t)(s + n - at - 1)))
		return 0;
	if (memchr(at + 1, '.', (size_t)(s + n - at - 1)) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == '<' || c == '>' || c == '(' || c == ')' ||
		    c == ',' || c == ';' || c == ':' || c == '"' || c == '[' ||
		    c == ']' || c == '\\')
			return 0;
	}
	return 1;
}

static int have_rcpt(const struct inparse_result *out, const char *addr)
{
	size_t i;

	for (i = 0; i < out->nrcpts; i++)
		if (strcmp(out->rcpts[i].address, addr) == 0)
			return 1;
	return 0;
}

static void add_plain_rcpt(struct ip_ctx *ctx, GMimeMessage *m,
                           struct inparse_result *out, const char *s, size_t n)
{
	struct inparse_dsn_rcpt *r;
	char *a;

	if (!plausible_addr(s, n))
		return;
	a = ip_alloc(ctx, n + 1);
	if (a == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		a[i] = (char)tolower((unsigned char)s[i]);
	a[n] = '\0';
	if (addressed_to(m, a) || have_rcpt(out, a)) {
		free(a);
		return;
	}
	r = new_rcpt(ctx, out);
	if (r == NULL) {
		free(a);
		return;
	}
	r->address = a;
}

/* Recipients named on lines of the report: "<a@b>:", "a@b", "a@b:",
 * "a@b (user not found)". */
static void scan_rcpts(struct ip_ctx *ctx, GMimeMessage *m, const char *s,
                       size_t n, struct inparse_result *out)
{
	const char *p = s, *end = s + n;

	while (p < end && out->nrcpts < IP_MAX_RCPTS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *b = p, *t;

		p = nl ? nl + 1 : end;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b &&
		       (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b && e[-1] == ':')
			e--;
		if (b < e && *b == '<') {
			const char *gt = memchr(b, '>', (size_t)(e - b));
			if (gt == NULL || gt + 1 != e)
				continue;
			add_plain_rcpt(ctx, m, out, b + 1,
			               (size_t)(gt - b - 1));
			continue;
		}
		for (t = b; t < e && *t != ' ' && *t != '\t'; t++)
			;
		if (t == e || (t[0] == ' ' && t + 1 < e && t[1] == '('))
			add_plain_rcpt(ctx, m, out, b, (size_t)(t - b));
	}
}

/* The line of S around P, as a clean single line. */
static char *line_at(struct ip_ctx *ctx, const char *s, const char *p,
                     const char *end)
{
	const char *b = p, *e = p;

	while (b > s && b[-1] != '\n')
		b--;
	while (e < end && *e != '\n')
		e++;
	return ip_clean(ctx, b, (size_t)(e - b), IP_MAX_LINE, 0, NULL);
}

/* An SMTP reply code ("550 ", "450-") at a word start; its position. */
static const char *find_smtp_code(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 3 < n; i++) {
		if ((s[i] == '5' || s[i] == '4') &&
		    isdigit((unsigned char)s[i + 1]) &&
		    isdigit((unsigned char)s[i + 2]) &&
		    (s[i + 3] == ' ' || s[i + 3] == '-') &&
		    (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n' ||
		     s[i - 1] == '\t' || s[i - 1] == ':'))
			return s + i;
	}
	return NULL;
}

int ip_dsn_plain(struct ip_ctx *ctx, GMimeMessage *m, const char *text,
                 struct inparse_result *out)
{
	GMimeObject *obj = GMIME_OBJECT(m);
	const char *xfr = g_mime_object_get_header(obj, "X-Failed-Recipients");
	const char *subject = g_mime_message_get_subject(m);
	const char *rp = g_mime_object_get_header(obj, "Return-Path");
	size_t tlen = text ? strlen(text) : 0, rlen, i;
	const char *copy = NULL, *at = NULL;
	int subj, words, system, null_rp, delayed, permanent;
	char code[16] = "", *diag = NULL;
	size_t first;

	subj = subject && any_of(subject, strlen(subject), bounce_subjects,
	                         G_N_ELEMENTS(bounce_subjects));
	words = any_of(text, tlen, bounce_words, G_N_ELEMENTS(bounce_words));
	system = from_mail_system(m);
	null_rp = rp && rp[strspn(rp, " \t")] == '<' &&
	          rp[strspn(rp, " \t") + 1] == '>';
	if (!(xfr != NULL || (system && (subj || words)) ||
	      (null_rp && subj && words)))
		return 0;

	/* the report is the text before the returned copy */
	for (i = 0; text && i < G_N_ELEMENTS(copy_markers); i++) {
		const char *c = ip_memcasestr(text, tlen, copy_markers[i]);
		if (c && (copy == NULL || c < copy))
			copy = c;
	}
	rlen = copy ? (size_t)(copy - text) : tlen;

	delayed = (subject && any_of(subject, strlen(subject), delay_words,
	                             G_N_ELEMENTS(delay_words))) ||
	          any_of(text, rlen, delay_words, G_N_ELEMENTS(delay_words));
	permanent = any_of(text, rlen, permanent_words,
	                   G_N_ELEMENTS(permanent_words));
	if (text) {
		char *r = g_strndup(text, rlen);

		if (ip_find_status(r, code, sizeof(code)))
			at = text + (strstr(r, code) - r);
		g_free(r);
		if (at == NULL && (at = find_smtp_code(text, rlen)) != NULL)
			snprintf(code, sizeof(code), "%c.0.0", *at);
		if (at != NULL)
			diag = line_at(ctx, text, at, text + rlen);
	}

	first = out->nrcpts;
	if (xfr != NULL) {
		char **list = g_strsplit(xfr, ",", IP_MAX_RCPTS);

		for (char **a = list; *a; a++) {
			char *t = g_strstrip(*a);
			if (*t == '<' && t[strlen(t) - 1] == '>') {
				t[strlen(t) - 1] = '\0';
				t++;
			}
			add_plain_rcpt(ctx, m, out, t, strlen(t));
		}
		g_strfreev(list);
	} else if (text) {
		scan_rcpts(ctx, m, text, rlen, out);
	}
	for (i = first; i < out->nrcpts; i++) {
		struct inparse_dsn_rcpt *r = &out->rcpts[i];

		if (delayed && !permanent)
			r->severity = INPARSE_SEV_SOFT;
		else if (code[0] == '4' && !permanent)
			r->severity = INPARSE_SEV_SOFT;
		else
			r->severity = INPARSE_SEV_HARD;
		r->action = ip_line(ctx, r->severity == INPARSE_SEV_SOFT
		                                 ? "delayed"
		                                 : "failed");
		r->status = ip_line(ctx, code);
		if (diag)
			r->diagnostic = ip_line(ctx, diag);
	}
	free(diag);
	if (copy != NULL) {
		const char *nl =
		        memchr(copy, '\n', tlen - (size_t)(copy - text));
		if (nl != NULL)
			out->orig_message_id = ip_dsn_headers_msgid(
			        ctx, nl + 1, tlen - (size_t)(nl + 1 - text));
	}
	/* a bounce naming nobody is still a bounce: the class follows the
	 * wording alone */
	if (out->nrcpts == first)
		out->cls = (delayed && !permanent) || code[0] == '4'
		                   ? INPARSE_DSN_DELAYED
		                   : INPARSE_DSN_FAILED;
	else
		out->cls = ip_dsn_class(out);
	out->dsn_structured = 0;
	return 1;
}
