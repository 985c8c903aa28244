/* inparse.c - what a received mail is: GMime reads the MIME tree, the
 * parts that matter are picked (delivery-status, calendar, text), and the
 * message is classified: delivery report first (its returned message may
 * hold an invitation that must not be read as a reply), then calendar
 * (Google's replies carry Auto-Submitted), then a bounce by its wording,
 * then automatic headers and subjects, and what is left is human. */
#include "inparse.h"
#include "inparse_int.h"

#include <libical/ical.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAL_PARTS 8 /* calendar parts tried per message */
#define MAX_REPAIRS   4 /* multiparts re-read with the boundary in use */
#define DSN_TEXT_MAX  ((size_t)1024 * 1024) /* text read for a bounce */

int inparse_init(void)
{
	g_mime_init();
	/* libical creates its UTC zone on first use: do it before threads */
	(void)icaltimezone_get_utc_timezone();
	return 0;
}

void inparse_shutdown(void)
{
	g_mime_shutdown();
}

const char *inparse_class_name(enum inparse_class cls)
{
	static const char *const names[] = {
	        [INPARSE_MALFORMED] = "malformed",
	        [INPARSE_HUMAN] = "human",
	        [INPARSE_AUTO_REPLY] = "auto_reply",
	        [INPARSE_IMIP_REPLY] = "imip_reply",
	        [INPARSE_IMIP_COUNTER] = "imip_counter",
	        [INPARSE_IMIP_OTHER] = "imip_other",
	        [INPARSE_DSN_FAILED] = "dsn_failed",
	        [INPARSE_DSN_DELAYED] = "dsn_delayed",
	        [INPARSE_DSN_SUCCESS] = "dsn_success",
	};

	if ((unsigned)cls >= G_N_ELEMENTS(names))
		return "malformed";
	return names[cls];
}

const char *inparse_severity_name(enum inparse_severity sev)
{
	switch (sev) {
	case INPARSE_SEV_HARD:
		return "hard";
	case INPARSE_SEV_SOFT:
		return "soft";
	case INPARSE_SEV_SUCCESS:
		return "success";
	}
	return "hard";
}

void inparse_result_free(struct inparse_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->auto_reason);
	free(r->message_id);
	free(r->from);
	free(r->from_name);
	free(r->subject);
	free(r->in_reply_to);
	for (i = 0; i < r->nreferences; i++)
		free(r->references[i]);
	free(r->references);
	free(r->method);
	free(r->mime_method);
	free(r->uid);
	free(r->recurrence_id);
	free(r->recurrence_tzid);
	free(r->organizer);
	free(r->comment);
	free(r->dtstart);
	free(r->dtend);
	for (i = 0; i < r->nattendees; i++) {
		free(r->attendees[i].address);
		free(r->attendees[i].partstat);
		free(r->attendees[i].delegated_to);
		free(r->attendees[i].name);
	}
	free(r->attendees);
	for (i = 0; i < r->nrcpts; i++) {
		free(r->rcpts[i].address);
		free(r->rcpts[i].original);
		free(r->rcpts[i].status);
		free(r->rcpts[i].action);
		free(r->rcpts[i].diagnostic);
	}
	free(r->rcpts);
	free(r->orig_message_id);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

static void set_class(struct inparse_result *out, enum inparse_class cls,
                      const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_class(struct inparse_result *out, enum inparse_class cls,
                      const char *fmt, ...)
{
	va_list ap;

	out->cls = cls;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* ---- the MIME tree ---- */

/* The parts that matter, found in one walk over the tree. */
struct walk {
	struct ip_ctx *ctx;
	size_t parts;
	int over_parts, over_depth;
	GMimePart *dsn;        /* message/delivery-status */
	GMimePart *mdn;        /* message/disposition-notification */
	GMimeObject *returned; /* message/rfc822 or text/rfc822-headers */
	GMimePart *cal[MAX_CAL_PARTS];
	size_t ncal;
	int cal_seen;
	GMimePart *plain, *html;
	GMimeObject *repaired[MAX_REPAIRS];
	int nrepaired;
};

static int ct_is(GMimeContentType *ct, const char *type, const char *sub)
{
	return ct && g_mime_content_type_is_type(ct, type, sub);
}

static int is_attachment(GMimeObject *o)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);

	return d && g_mime_content_disposition_is_attachment(d);
}

static int has_suffix_ci(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suffix);

	return n >= m && g_ascii_strcasecmp(s + n - m, suffix) == 0;
}

static int is_calendar(GMimePart *part, GMimeContentType *ct)
{
	const char *name;

	if (ct_is(ct, "text", "calendar") || ct_is(ct, "application", "ics") ||
	    ct_is(ct, "text", "x-vcalendar") ||
	    ct_is(ct, "application", "x-ics"))
		return 1;
	name = g_mime_part_get_filename(part);
	return has_suffix_ci(name, ".ics") || has_suffix_ci(name, ".vcs");
}

/* A multipart whose boundary parameter matches nothing (a broken or
 * re-written header): when its prologue holds "--X" lines, read it again
 * with boundary X.  Returns the new object (owned by the walk) or NULL. */
static GMimeObject *repair(struct walk *w, GMimeMultipart *mp)
{
	const char *pro = g_mime_multipart_get_prologue(mp);
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));
	const char *p, *sub;
	char boundary[201];
	size_t n = 0;
	GString *buf;
	GMimeStream *st;
	GMimeParser *parser;
	GMimeObject *obj;

	if (pro == NULL || w->nrepaired >= MAX_REPAIRS)
		return NULL;
	for (p = pro; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (p[0] != '-' || p[1] != '-')
			continue;
		n = 0;
		for (const char *q = p + 2; *q && *q != '\r' && *q != '\n';
		     q++) {
			if ((unsigned char)*q <= ' ' || *q == '"' ||
			    *q == '\\' || n + 1 >= sizeof(boundary)) {
				n = 0;
				break;
			}
			boundary[n++] = *q;
		}
		if (n > 0)
			break;
	}
	if (n == 0)
		return NULL;
	boundary[n] = '\0';
	sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	buf = g_string_new(NULL);
	g_string_append_printf(buf,
	                       "Content-Type: multipart/%s; boundary=\"%s\"\r\n"
	                       "\r\n",
	                       sub && g_ascii_isalnum(*sub) ? sub : "mixed",
	                       boundary);
	g_string_append(buf, pro);
	g_string_append(buf, "\r\n");
	st = g_mime_stream_mem_new_with_buffer(buf->str, buf->len);
	g_string_free(buf, TRUE);
	parser = g_mime_parser_new_with_stream(st);
	obj = g_mime_parser_construct_part(parser, w->ctx->opts);
	g_object_unref(parser);
	g_object_unref(st);
	if (obj == NULL)
		return NULL;
	if (!GMIME_IS_MULTIPART(obj) ||
	    g_mime_multipart_get_count(GMIME_MULTIPART(obj)) == 0) {
		g_object_unref(obj);
		return NULL;
	}
	w->repaired[w->nrepaired++] = obj;
	return obj;
}

static void walk(struct walk *w, GMimeObject *o, size_t depth, int inside)
{
	GMimeContentType *ct;
	GMimePart *part;

	if (o == NULL || w->over_parts || w->over_depth)
		return;
	if (++w->parts > w->ctx->lim.max_parts) {
		w->over_parts = 1;
		return;
	}
	if (depth > w->ctx->lim.max_depth) {
		w->over_depth = 1;
		return;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m =
		        g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (!inside && w->returned == NULL)
			w->returned = o;
		/* walked for the limits only: what a returned or forwarded
		 * message holds is not this message's content */
		if (m != NULL)
			walk(w, g_mime_message_get_mime_part(m), depth + 1, 1);
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int i, n = g_mime_multipart_get_count(mp);

		if (n == 0) {
			GMimeObject *fixed = repair(w, mp);

			if (fixed != NULL) {
				walk(w, fixed, depth + 1, inside);
				return;
			}
		}
		for (i = 0; i < n; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1,
			     inside);
		return;
	}
	if (!GMIME_IS_PART(o) || inside)
		return;
	part = GMIME_PART(o);
	ct = g_mime_object_get_content_type(o);
	if (ct_is(ct, "message", "delivery-status") ||
	    ct_is(ct, "message", "global-delivery-status")) {
		if (w->dsn == NULL)
			w->dsn = part;
	} else if (ct_is(ct, "message", "disposition-notification")) {
		if (w->mdn == NULL)
			w->mdn = part;
	} else if (ct_is(ct, "text", "rfc822-headers") ||
	           ct_is(ct, "message", "rfc822-headers")) {
		if (w->returned == NULL)
			w->returned = o;
	} else if (is_calendar(part, ct)) {
		w->cal_seen++;
		if (w->ncal < MAX_CAL_PARTS)
			w->cal[w->ncal++] = part;
	} else if (ct_is(ct, "text", "plain") && !is_attachment(o)) {
		if (w->plain == NULL)
			w->plain = part;
	} else if (ct_is(ct, "text", "html") && !is_attachment(o)) {
		if (w->html == NULL)
			w->html = part;
	}
}

/* ---- header facts ---- */

static void read_headers(struct ip_ctx *ctx, GMimeMessage *m,
                         struct inparse_result *out)
{
	InternetAddressList *from = g_mime_message_get_from(m);
	const char *v;
	int i, n;

	out->message_id = ip_msgid(ctx, g_mime_message_get_message_id(m));
	n = from ? internet_address_list_length(from) : 0;
	for (i = 0; i < n && out->from == NULL; i++) {
		InternetAddress *a = internet_address_list_get_address(from, i);

		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		out->from = ip_addr(ctx, internet_address_mailbox_get_addr(
		                                 INTERNET_ADDRESS_MAILBOX(a)));
		if (internet_address_get_name(a) != NULL &&
		    *internet_address_get_name(a) != '\0')
			out->from_name =
			        ip_line(ctx, internet_address_get_name(a));
	}
	out->subject = ip_line(ctx, g_mime_message_get_subject(m));
	if ((v = g_mime_object_get_header(GMIME_OBJECT(m), "In-Reply-To"))) {
		GMimeReferences *r = g_mime_references_parse(ctx->opts, v);

		if (r != NULL && g_mime_references_length(r) > 0)
			out->in_reply_to = ip_msgid(
			        ctx, g_mime_references_get_message_id(r, 0));
		if (r != NULL)
			g_mime_references_free(r);
	}
	if ((v = g_mime_object_get_header(GMIME_OBJECT(m), "References"))) {
		GMimeReferences *r = g_mime_references_parse(ctx->opts, v);
		int count = r ? g_mime_references_length(r) : 0;
		int first = count > IP_MAX_REFS ? count - IP_MAX_REFS : 0;

		if (count > 0)
			out->references = ip_alloc(
			        ctx, (size_t)(count - first) * sizeof(char *));
		for (i = first; out->references && i < count; i++) {
			char *id = ip_msgid(
			        ctx, g_mime_references_get_message_id(r, i));
			if (id != NULL)
				out->references[out->nreferences++] = id;
		}
		if (r != NULL)
			g_mime_references_free(r);
	}
}

/* ---- the classes ---- */

/* The Message-ID of the message a report returns. */
static char *returned_id(struct ip_ctx *ctx, GMimeObject *o)
{
	if (o == NULL)
		return NULL;
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m =
		        g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		const char *id = m ? g_mime_message_get_message_id(m) : NULL;

		return id && *id ? ip_msgid(ctx, id) : NULL;
	}
	if (GMIME_IS_PART(o)) {
		size_t len;
		char *t = ip_part_text(GMIME_PART(o), DSN_TEXT_MAX, &len, NULL);
		char *id = t ? ip_dsn_headers_msgid(ctx, t, len) : NULL;

		g_free(t);
		return id;
	}
	return NULL;
}

/* Read the calendar parts in order until one holds a component. */
static int classify_calendar(struct ip_ctx *ctx, struct walk *w,
                             struct inparse_result *out)
{
	size_t i;

	out->calendar_parts = w->cal_seen;
	for (i = 0; i < w->ncal; i++) {
		GMimeContentType *ct =
		        g_mime_object_get_content_type(GMIME_OBJECT(w->cal[i]));
		const char *mm =
		        ct ? g_mime_content_type_get_parameter(ct, "method")
		           : NULL;
		size_t len;
		int cut, ok;
		char *t = ip_part_text(w->cal[i], IP_MAX_CAL_BYTES, &len, &cut);

		if (t == NULL)
			continue;
		ok = !cut && ip_cal_read(ctx, t, mm, out);
		g_free(t);
		if (ok)
			break;
	}
	if (i == w->ncal)
		return 0;
	if (strcmp(out->method, "REPLY") == 0 ||
	    strcmp(out->method, "COUNTER") == 0) {
		int counter = out->method[0] == 'C';

		if (out->uid == NULL || out->uid[0] == '\0')
			set_class(out, INPARSE_MALFORMED, "iMIP %s without UID",
			          out->method);
		else if (out->nattendees == 0)
			set_class(out, INPARSE_MALFORMED,
			          "iMIP %s without ATTENDEE", out->method);
		else
			set_class(out,
			          counter ? INPARSE_IMIP_COUNTER
			                  : INPARSE_IMIP_REPLY,
			          "calendar part with METHOD:%s%s", out->method,
			          out->mime_method && strcmp(out->mime_method,
			                                     out->method) != 0
			                  ? " (MIME method= differs)"
			                  : "");
	} else {
		set_class(out, INPARSE_IMIP_OTHER,
		          "calendar part with METHOD:%.40s",
		          out->method[0] ? out->method : "(none)");
	}
	return 1;
}

static void classify(struct ip_ctx *ctx, GMimeMessage *m, struct walk *w,
                     struct inparse_result *out)
{
	char *text = NULL;
	size_t tlen = 0;
	int cut = 0, is_auto, machine = 0;

	/* the notification or body text: kept for the result, and read
	 * further than that for a bounce's returned copy */
	if (w->plain != NULL) {
		text = ip_part_text(w->plain,
		                    MAX(ctx->lim.max_text, DSN_TEXT_MAX), &tlen,
		                    &cut);
	} else if (w->html != NULL) {
		size_t hlen;
		char *html = ip_part_text(w->html, DSN_TEXT_MAX, &hlen, &cut);

		if (html != NULL) {
			text = ip_html_to_text(html, hlen);
			tlen = strlen(text);
			g_free(html);
		}
	}
	if (text != NULL) {
		int cut2 = 0;

		out->text =
		        ip_clean(ctx, text, tlen, ctx->lim.max_text, 1, &cut2);
		out->text_truncated = cut || cut2;
	}
	is_auto = ip_auto_detect(ctx, m, out->subject, out);

	if (w->dsn != NULL) {
		size_t len, n;
		char *t = ip_part_text(w->dsn, DSN_TEXT_MAX, &len, NULL);

		n = t ? ip_dsn_fields(ctx, t, len, out) : 0;
		g_free(t);
		if (n > 0) {
			out->dsn_structured = 1;
			out->orig_message_id = returned_id(ctx, w->returned);
			out->cls = ip_dsn_class(out);
			set_class(out, out->cls,
			          "delivery-status part, %zu recipient%s", n,
			          n == 1 ? "" : "s");
			goto done;
		}
	}
	if (w->ncal > 0 && classify_calendar(ctx, w, out)) {
		machine = 1; /* a calendar client's answer, even malformed */
		goto done;
	}
	if (ip_dsn_plain(ctx, m, text, out)) {
		if (out->orig_message_id == NULL)
			out->orig_message_id = returned_id(ctx, w->returned);
		set_class(out, out->cls,
		          "bounce without a delivery-status part (%s)",
		          g_mime_object_get_header(GMIME_OBJECT(m),
		                                   "X-Failed-Recipients")
		                  ? "X-Failed-Recipients"
		                  : "sender and wording");
		goto done;
	}
	if (w->dsn != NULL) {
		set_class(out, INPARSE_DSN_FAILED,
		          "delivery-status part without recipient fields");
		out->dsn_structured = 1;
		out->orig_message_id = returned_id(ctx, w->returned);
		goto done;
	}
	if (w->mdn != NULL) {
		set_class(out, INPARSE_AUTO_REPLY,
		          "disposition notification (read receipt)");
		goto done;
	}
	if (is_auto) {
		set_class(out, INPARSE_AUTO_REPLY, "%s", out->auto_reason);
		goto done;
	}
	if (w->cal_seen > 0)
		set_class(out, INPARSE_HUMAN,
		          "no automatic signal; calendar part unreadable");
	else
		set_class(out, INPARSE_HUMAN, "no automatic signal");
done:
	g_free(text);
	out->is_automatic =
	        is_auto || machine ||
	        (out->cls != INPARSE_HUMAN && out->cls != INPARSE_MALFORMED);
}

/* Lines that can be MIME boundaries ("--" then up to 72 characters, no
 * space after the dashes): counted before GMime builds the tree, so that
 * a 10,000-part message is refused at once. */
static size_t boundary_lines(const char *raw, size_t len)
{
	size_t n = 0;
	const char *p = raw, *end = raw + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		if (e > p && e[-1] == '\r')
			e--;
		if (e - p > 2 && e - p <= 74 && p[0] == '-' && p[1] == '-' &&
		    p[2] != ' ' && p[2] != '\t')
			n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

int inparse_message(const char *raw, size_t len,
                    const struct inparse_limits *lim,
                    struct inparse_result *out, char *err, size_t errlen)
{
	const char *fallback[] = {"utf-8", "windows-1252", NULL};
	struct ip_ctx ctx;
	struct walk w;
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *m;
	int i;

	memset(out, 0, sizeof(*out));
	memset(&ctx, 0, sizeof(ctx));
	memset(&w, 0, sizeof(w));
	if (lim != NULL)
		ctx.lim = *lim;
	if (ctx.lim.max_bytes == 0)
		ctx.lim.max_bytes = INPARSE_DEFAULT_MAX_BYTES;
	if (ctx.lim.max_parts == 0)
		ctx.lim.max_parts = INPARSE_DEFAULT_MAX_PARTS;
	if (ctx.lim.max_depth == 0)
		ctx.lim.max_depth = INPARSE_DEFAULT_MAX_DEPTH;
	if (ctx.lim.max_text == 0)
		ctx.lim.max_text = INPARSE_DEFAULT_MAX_TEXT;

	if (raw == NULL || len == 0) {
		set_class(out, INPARSE_MALFORMED, "empty message");
		return 0;
	}
	if (len > ctx.lim.max_bytes) {
		set_class(out, INPARSE_MALFORMED,
		          "message of %zu bytes is over the limit of %zu", len,
		          ctx.lim.max_bytes);
		return 0;
	}
	if (boundary_lines(raw, len) > 2 * ctx.lim.max_parts + 2) {
		set_class(out, INPARSE_MALFORMED,
		          "more than %zu MIME parts (boundary lines)",
		          ctx.lim.max_parts);
		return 0;
	}

	ctx.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_address_compliance_mode(
	        ctx.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(
	        ctx.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(
	        ctx.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(ctx.opts, fallback);

	st = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, ctx.opts);
	g_object_unref(parser);
	g_object_unref(st);
	if (m == NULL) {
		set_class(out, INPARSE_MALFORMED, "not a MIME message");
		g_mime_parser_options_free(ctx.opts);
		return 0;
	}

	read_headers(&ctx, m, out);
	w.ctx = &ctx;
	walk(&w, g_mime_message_get_mime_part(m), 0, 0);
	if (w.over_parts)
		set_class(out, INPARSE_MALFORMED, "more than %zu MIME parts",
		          ctx.lim.max_parts);
	else if (w.over_depth)
		set_class(out, INPARSE_MALFORMED,
		          "MIME nesting deeper than %zu", ctx.lim.max_depth);
	else if (g_mime_message_get_mime_part(m) == NULL &&
	         out->message_id == NULL && out->from == NULL &&
	         out->subject == NULL)
		set_class(out, INPARSE_MALFORMED, "no header and no body");
	else
		classify(&ctx, m, &w, out);

	for (i = 0; i < w.nrepaired; i++)
		g_object_unref(w.repaired[i]);
	g_object_unref(m);
	g_mime_parser_options_free(ctx.opts);
	if (ctx.oom) {
		inparse_result_free(out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
