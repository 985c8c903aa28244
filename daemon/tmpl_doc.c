/* tmpl_doc.c - the template language (sections, field rows, link lines) and
 * its two renderings, plain text and an HTML fragment with escaped values. */
#include "tmpl_doc.h"

#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

/* Longest field label ("Your time:"), in bytes. */
#define LABEL_MAX 40

static int in_keys(const char *const *keys, const char *name, size_t len)
{
	for (int i = 0; keys[i]; i++)
		if (strlen(keys[i]) == len && memcmp(keys[i], name, len) == 0)
			return 1;
	return 0;
}

int tmpl_doc_check(const char *s, const char *const *keys, const char *path,
                   int line0, char *err, size_t errlen)
{
	const char *open[16];
	size_t open_len[16];
	int open_line[16];
	int depth = 0, line = line0;

	for (const char *p = s; *p; p++) {
		const char *e, *name;
		size_t n;
		char sigil = 0;

		if (*p == '\n')
			line++;
		if (p[0] != '{' || p[1] != '{')
			continue;
		e = strstr(p + 2, "}}");
		name = p + 2;
		if (e && strchr("#^/", *name))
			sigil = *name++;
		n = e ? (size_t)(e - name) : 0;
		if (!e || n == 0 || n >= 64 || memchr(name, '\n', n)) {
			snprintf(err, errlen, "%s:%d: unterminated placeholder",
			         path, line);
			return -1;
		}
		if (!in_keys(keys, name, n)) {
			snprintf(err, errlen,
			         "%s:%d: unknown placeholder {{%.*s}}", path,
			         line, (int)(e - p - 2), p + 2);
			return -1;
		}
		if (sigil == '#' || sigil == '^') {
			if (depth == 16) {
				snprintf(err, errlen,
				         "%s:%d: sections nested too deep",
				         path, line);
				return -1;
			}
			open[depth] = name;
			open_line[depth] = line;
			open_len[depth++] = n;
		} else if (sigil == '/') {
			if (depth == 0 || open_len[depth - 1] != n ||
			    memcmp(open[depth - 1], name, n) != 0) {
				snprintf(err, errlen,
				         "%s:%d: {{/%.*s}} closes no open "
				         "section",
				         path, line, (int)n, name);
				return -1;
			}
			depth--;
		}
		p = e + 1;
	}
	if (depth > 0) {
		snprintf(err, errlen, "%s:%d: section {{%.*s}} is not closed",
		         path, open_line[depth - 1],
		         (int)open_len[depth - 1] + 1, open[depth - 1] - 1);
		return -1;
	}
	return 0;
}

static const char *lookup(const struct tmpl_var *vars, size_t n,
                          const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0)
			return vars[i].value ? vars[i].value : "";
	return "";
}

static void put_escaped(FILE *f, const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		switch (v[i]) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(v[i], f);
		}
}

static int is_url(const char *v)
{
	return strncmp(v, "https://", 8) == 0 ||
	       strncmp(v, "http://", 7) == 0 || strncmp(v, "webcal://", 9) == 0;
}

/* Modes inside this file: the public three and HTML with URL values as
 * links (paragraphs and field rows of a generated HTML body). */
#define MODE_HTML_LINKS 3

static void put_value(FILE *f, const char *name, size_t nlen, const char *v,
                      int mode)
{
	if (mode == MODE_HTML_LINKS && nlen > 4 &&
	    memcmp(name + nlen - 4, "_url", 4) == 0 && is_url(v)) {
		fputs("<a href=\"", f);
		put_escaped(f, v, strlen(v));
		fputs("\">", f);
		put_escaped(f, v, strlen(v));
		fputs("</a>", f);
		return;
	}
	if (mode == MODE_HTML_LINKS) {
		/* a value of several lines (a forwarded message) keeps them */
		for (const char *nl; (nl = strchr(v, '\n')); v = nl + 1) {
			put_escaped(f, v, (size_t)(nl - v));
			fputs("<br>\n", f);
		}
		put_escaped(f, v, strlen(v));
		return;
	}
	if (mode == TMPL_HTML) {
		put_escaped(f, v, strlen(v));
		return;
	}
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (mode == TMPL_LINE && (c < 0x20 || c == 0x7f))
			c = ' ';
		fputc(c, f);
	}
}

/* The {{/name}} that closes the section whose body starts at P (NAME, LEN),
 * or NULL. */
static const char *section_end(const char *p, const char *name, size_t len)
{
	int depth = 1;

	for (; (p = strstr(p, "{{")); p += 2) {
		if (strchr("#^/", p[2]) && strncmp(p + 3, name, len) == 0 &&
		    strncmp(p + 3 + len, "}}", 2) == 0) {
			if (p[2] != '/')
				depth++;
			else if (--depth == 0)
				return p;
		}
	}
	return NULL;
}

/* Write S[0..LEN) to F with sections resolved; placeholders stay.  A tag
 * alone on its line takes its line break with it. */
static void resolve(FILE *f, const char *s, size_t len,
                    const struct tmpl_var *vars, size_t n)
{
	const char *end = s + len;

	for (const char *p = s; p < end;) {
		const char *name, *e, *body, *close, *after;
		size_t nlen;
		int show;

		if (!(p[0] == '{' && p + 2 < end && p[1] == '{' &&
		      (p[2] == '#' || p[2] == '^')) ||
		    !(e = strstr(p, "}}")) || e >= end) {
			fputc(*p++, f);
			continue;
		}
		name = p + 3;
		nlen = (size_t)(e - name);
		body = e + 2;
		if ((p == s || p[-1] == '\n') && *body == '\n')
			body++;
		close = section_end(body, name, nlen);
		if (!close || close >= end) { /* tmpl_doc_check refuses this */
			fputc(*p++, f);
			continue;
		}
		after = close + 5 + nlen;
		if (close[-1] == '\n' && *after == '\n')
			after++;
		show = *lookup(vars, n, name, nlen) != '\0';
		if (p[2] == '^')
			show = !show;
		if (show)
			resolve(f, body, (size_t)(close - body), vars, n);
		p = after;
	}
}

/* open_memstream for one thread's use: without stdio's per-call locking,
 * taken and released on every fputc of every character otherwise. */
static FILE *memstream(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (f)
		__fsetlocking(f, FSETLOCKING_BYCALLER);
	return f;
}

static char *resolved(const char *s, const struct tmpl_var *vars, size_t n)
{
	char *buf = NULL;
	size_t len;
	FILE *f = memstream(&buf, &len);

	if (!f)
		return NULL;
	resolve(f, s, strlen(s), vars, n);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Fill the placeholders of S[0..LEN) (sections already resolved) into F,
 * with ESC_LIT the text around them HTML-escaped too.  With COUNT, *COUNT gets
 * the number of placeholders and *EMPTY of those without a value. */
static void fill_span(FILE *f, const char *s, size_t len,
                      const struct tmpl_var *vars, size_t n, int mode,
                      int esc_lit, int *count, int *empty)
{
	const char *end = s + len;

	for (const char *p = s; p < end;) {
		const char *e;
		if (p[0] == '{' && p + 1 < end && p[1] == '{' &&
		    (e = strstr(p + 2, "}}")) && e < end) {
			const char *v =
			        lookup(vars, n, p + 2, (size_t)(e - p - 2));
			if (count) {
				++*count;
				*empty += *v == '\0';
			}
			if (f)
				put_value(f, p + 2, (size_t)(e - p - 2), v,
				          mode);
			p = e + 2;
		} else {
			if (f && esc_lit)
				put_escaped(f, p, 1);
			else if (f && mode == TMPL_LINE &&
			         ((unsigned char)*p < 0x20 || *p == 0x7f))
				fputc(' ', f); /* a header stays one line */
			else if (f)
				fputc(*p, f);
			p++;
		}
	}
}

char *tmpl_doc_fill(const char *s, const struct tmpl_var *vars, size_t n,
                    enum tmpl_mode mode)
{
	char *r = resolved(s, vars, n), *buf = NULL;
	size_t len;
	FILE *f;

	if (!r)
		return NULL;
	f = memstream(&buf, &len);
	if (!f) {
		free(r);
		return NULL;
	}
	fill_span(f, r, strlen(r), vars, n, mode, 0, NULL, NULL);
	free(r);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One line of a resolved body. */
struct line {
	const char *s;
	size_t len;
};

/* "Label:  value": the label's length (without ':') and where the value
 * starts (the line's end when it has none), or 0 when L is not a field
 * row. */
static size_t field_label(const struct line *l, size_t *value)
{
	size_t i = 0, j;

	while (i < l->len && l->s[i] != ':' && l->s[i] != '{' && i <= LABEL_MAX)
		i++;
	if (i == 0 || i > LABEL_MAX || i >= l->len || l->s[i] != ':')
		return 0;
	j = i + 1;
	while (j < l->len && (l->s[j] == ' ' || l->s[j] == '\t'))
		j++;
	if (j == i + 1 && j < l->len)
		return 0;
	*value = j;
	return i;
}

/* "[label](url)": 1 with the label and URL template spans, else 0. */
static int link_line(const struct line *l, struct line *label, struct line *url)
{
	const char *mid;

	if (l->len < 5 || l->s[0] != '[' || l->s[l->len - 1] != ')')
		return 0;
	mid = memmem(l->s, l->len, "](", 2);
	if (!mid)
		return 0;
	label->s = l->s + 1;
	label->len = (size_t)(mid - l->s - 1);
	url->s = mid + 2;
	url->len = (size_t)(l->s + l->len - 1 - url->s);
	return label->len > 0 && url->len > 0;
}

/* "![alt](url)": an image (an inline part's cid: URL) in the HTML body; the
 * plain text leaves the line out.  1 with the spans, else 0. */
static int image_line(const struct line *l, struct line *alt, struct line *url)
{
	struct line rest = {l->s + 1, l->len ? l->len - 1 : 0};

	return l->len > 1 && l->s[0] == '!' && link_line(&rest, alt, url);
}

/* 1 when every placeholder of the span has no value (and it has one). */
static int all_empty(const struct line *sp, const struct tmpl_var *vars,
                     size_t n)
{
	int count = 0, empty = 0;

	fill_span(NULL, sp->s, sp->len, vars, n, TMPL_PLAIN, 0, &count, &empty);
	return count > 0 && count == empty;
}

/* A block is field rows when every line is one (a single line only with
 * two spaces after its colon, as the aligned rows are written). */
static int field_block(const struct line *ls, int nl)
{
	size_t v;

	for (int i = 0; i < nl; i++)
		if (!field_label(&ls[i], &v))
			return 0;
	if (nl == 1) {
		size_t lab = field_label(&ls[0], &v);
		return v >= lab + 3;
	}
	return 1;
}

/* In an HTML paragraph, whether the break between lines A and B stays a
 * line break: after a line ending in ':' and around a link line.  Other
 * breaks only wrapped the text, and the reader's screen wraps it again. */
static int line_break(const struct line *a, const struct line *b)
{
	struct line l, u;

	return (a->len && a->s[a->len - 1] == ':') || link_line(a, &l, &u) ||
	       link_line(b, &l, &u) || image_line(a, &l, &u) ||
	       image_line(b, &l, &u);
}

static const char button_style[] =
        "display:inline-block;padding:12px 20px;background:#0b5cad;"
        "color:#ffffff;text-decoration:none;border-radius:4px;"
        "font-weight:bold";

/* Render one block of NL lines into F; 1 when it wrote something. */
static int block(FILE *f, const struct line *ls, int nl,
                 const struct tmpl_var *vars, size_t n, int html, int first)
{
	int wrote = 0, fields = field_block(ls, nl), prev = 0;

	for (int i = 0; i < nl; i++) {
		struct line label, url;
		size_t v = 0, lab = fields ? field_label(&ls[i], &v) : 0;

		if (fields && (v == ls[i].len || all_empty(&ls[i], vars, n)))
			continue;
		if (!fields && link_line(&ls[i], &label, &url) &&
		    all_empty(&url, vars, n))
			continue;
		if (!fields && image_line(&ls[i], &label, &url) &&
		    (!html || all_empty(&url, vars, n)))
			continue;
		if (!wrote && !first)
			fputs(html ? "\n" : "\n\n", f);
		if (!wrote && html)
			fputs(fields ? "<table role=\"presentation\" "
			               "style=\"border-collapse:collapse;"
			               "margin:0 0 16px\">\n"
			             : "<p style=\"margin:0 0 16px\">",
			      f);
		else if (wrote)
			fputs(html && !fields && line_break(&ls[prev], &ls[i])
			              ? "<br>\n"
			              : "\n",
			      f);
		wrote = 1;
		prev = i;
		if (fields && html) {
			fputs("<tr><th scope=\"row\" style=\"text-align:left;"
			      "vertical-align:top;padding:2px 16px 2px 0;"
			      "font-weight:normal;color:#555555\">",
			      f);
			put_escaped(f, ls[i].s, lab);
			fputs("</th><td style=\"padding:2px 0\">", f);
			fill_span(f, ls[i].s + v, ls[i].len - v, vars, n,
			          MODE_HTML_LINKS, 1, NULL, NULL);
			fputs("</td></tr>", f);
		} else if (!fields && image_line(&ls[i], &label, &url)) {
			fputs("<img style=\"display:block;margin:8px 0\" "
			      "width=\"200\" height=\"200\" src=\"",
			      f);
			fill_span(f, url.s, url.len, vars, n, TMPL_HTML, 1,
			          NULL, NULL);
			fputs("\" alt=\"", f);
			fill_span(f, label.s, label.len, vars, n, TMPL_HTML, 1,
			          NULL, NULL);
			fputs("\">", f);
		} else if (!fields && link_line(&ls[i], &label, &url)) {
			if (html) {
				fprintf(f, "<a style=\"%s\" href=\"",
				        button_style);
				fill_span(f, url.s, url.len, vars, n, TMPL_HTML,
				          1, NULL, NULL);
				fputs("\">", f);
				fill_span(f, label.s, label.len, vars, n,
				          TMPL_HTML, 1, NULL, NULL);
				fputs("</a>", f);
			} else {
				fill_span(f, url.s, url.len, vars, n,
				          TMPL_PLAIN, 0, NULL, NULL);
			}
		} else {
			fill_span(f, ls[i].s, ls[i].len, vars, n,
			          html ? MODE_HTML_LINKS : TMPL_PLAIN, html,
			          NULL, NULL);
		}
	}
	if (wrote && html)
		fputs(fields ? "\n</table>" : "</p>", f);
	return wrote;
}

static char *doc(const char *s, const struct tmpl_var *vars, size_t n, int html)
{
	char *r = resolved(s, vars, n), *buf = NULL;
	struct line *ls;
	size_t len, cap = 1;
	int nl = 0, first = 1;
	FILE *f;

	if (!r)
		return NULL;
	for (const char *p = r; *p; p++)
		cap += *p == '\n';
	ls = calloc(cap, sizeof(*ls));
	f = ls ? memstream(&buf, &len) : NULL;
	if (!f) {
		free(ls);
		free(r);
		return NULL;
	}
	for (const char *p = r;;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		int blank = strspn(p, " \t") >= l;

		if (!blank)
			ls[nl++] = (struct line){p, l};
		if ((blank || !e) && nl > 0) {
			if (block(f, ls, nl, vars, n, html, first))
				first = 0;
			nl = 0;
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (!first)
		fputc('\n', f);
	free(ls);
	free(r);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *tmpl_doc_text(const char *s, const struct tmpl_var *vars, size_t n)
{
	return doc(s, vars, n, 0);
}

char *tmpl_doc_html(const char *s, const struct tmpl_var *vars, size_t n)
{
	return doc(s, vars, n, 1);
}
