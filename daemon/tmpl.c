/* tmpl.c - load notification templates per language and kind, validate their
 * placeholders, and render messages with escaped values. */
#include "tmpl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "log.h"
#include "tmpl_doc.h"

const char *const tmpl_langs[] = {"en", "sv", "it", "pl", "es", "fi", NULL};

const char *const tmpl_keys[] = {"person_name",
                                 "event_title",
                                 "event_start_local",
                                 "event_end_local",
                                 "event_tz",
                                 "recipient_local",
                                 "venue",
                                 "city",
                                 "country",
                                 "place",
                                 "event_url",
                                 "token_url",
                                 "feed_url",
                                 "webcal_url",
                                 "deadline_title",
                                 "deadline_due_local",
                                 "deadline_tz",
                                 "deadline_url",
                                 "project_title",
                                 "about_title",
                                 "unsubscribe_url",
                                 "follow_url",
                                 "waitlist_position",
                                 "offset_text",
                                 "privacy_url",
                                 "sender_address",
                                 "sender_name",
                                 "inbound_subject",
                                 "inbound_text",
                                 "inbound_id",
                                 "inbound_rcpt",
                                 "participant_name",
                                 "participant_email",
                                 "registration_state",
                                 "button_confirm",
                                 "button_cancel",
                                 "event_when",
                                 "deadline_when",
                                 "recipient_when",
                                 "checkin_qr",
                                 "checkin_code",
                                 "invitation",
                                 "programme",
                                 "country_name",
                                 NULL};

/* The names the HTML layout may use. */
static const char *const layout_keys[] = {"lang", "subject", "content",
                                          "footer", NULL};

/* The frame of every generated HTML body, unless <template_dir>/layout.html
 * replaces it. */
static const char default_layout[] =
        "<!DOCTYPE html>\n"
        "<html lang=\"{{lang}}\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<title>{{subject}}</title>\n"
        "</head>\n"
        "<body style=\"margin:0;padding:0;background:#f2f2f2\">\n"
        "<div style=\"max-width:600px;margin:0 auto;padding:24px;"
        "background:#ffffff;color:#1a1a1a;font-family:Arial,Helvetica,"
        "sans-serif;font-size:16px;line-height:1.5\">\n"
        "{{content}}\n"
        "{{#footer}}<div style=\"margin-top:24px;padding-top:12px;"
        "border-top:1px solid #cccccc;font-size:14px;color:#555555\">\n"
        "{{footer}}</div>\n{{/footer}}"
        "</div>\n"
        "</body>\n"
        "</html>\n";

#define NLANGS 6
#define NKINDS KINDS_NOTIFICATION_COUNT

struct tmpl {
	char *subject; /* NULL: not loaded */
	char *text;
	char *html;
	int warned;
};

static struct tmpl T[NLANGS][NKINDS];
static char *tmpl_dir;

/* Per language, beside the kinds: the footer of every message
 * (footer.txt, footer.html) and the privacy notice (privacy.txt); each
 * optional, a missing one falls back to English, then to nothing. */
struct extra {
	char *footer_text;
	char *footer_html;
	char *privacy;
};

static struct extra X[NLANGS];
static char *layout; /* <template_dir>/layout.html, or NULL: default_layout */

static int index_of(const char *const *tab, const char *s)
{
	for (int i = 0; s && tab[i]; i++)
		if (strcmp(tab[i], s) == 0)
			return i;
	return -1;
}

int tmpl_kind_known(const char *kind)
{
	return index_of(kinds_notification, kind) >= 0;
}

static void clear(struct tmpl (*t)[NKINDS])
{
	for (int l = 0; l < NLANGS; l++)
		for (int k = 0; k < NKINDS; k++) {
			free(t[l][k].subject);
			free(t[l][k].text);
			free(t[l][k].html);
			memset(&t[l][k], 0, sizeof(t[l][k]));
		}
}

static void clear_extra(struct extra *x)
{
	for (int l = 0; l < NLANGS; l++) {
		free(x[l].footer_text);
		free(x[l].footer_html);
		free(x[l].privacy);
		memset(&x[l], 0, sizeof(x[l]));
	}
}

void tmpl_free(void)
{
	clear(T);
	clear_extra(X);
	free(layout);
	layout = NULL;
	free(tmpl_dir);
	tmpl_dir = NULL;
}

/* Read PATH into a new string; NULL with errno ENOENT when absent. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 8192);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	buf[len] = '\0';
	fclose(f);
	if (strlen(buf) != len) {
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
}

/* Check every placeholder and section of S; LINE0 is the file line S
 * starts on. */
static int check_placeholders(const char *s, const char *path, int line0,
                              char *err, size_t errlen)
{
	return tmpl_doc_check(s, tmpl_keys, path, line0, err, errlen);
}

static int load_one(const char *dir, int l, int k, struct tmpl *t, char *err,
                    size_t errlen)
{
	char path[4096];
	char *txt, *nl, *body;

	snprintf(path, sizeof(path), "%s/%s/%s.txt", dir, tmpl_langs[l],
	         kinds_notification[k]);
	txt = slurp(path);
	if (!txt) {
		if (errno == ENOENT && l != 0)
			return 0; /* falls back to English */
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	nl = strchr(txt, '\n');
	if (strncmp(txt, "Subject: ", 9) != 0 || !nl || nl[1] != '\n') {
		snprintf(err, errlen,
		         "%s:1: expected \"Subject: ...\" and a blank line",
		         path);
		free(txt);
		return -1;
	}
	*nl = '\0';
	body = nl + 2;
	if (check_placeholders(txt, path, 1, err, errlen) < 0 ||
	    check_placeholders(body, path, 3, err, errlen) < 0 ||
	    !(t->subject = strdup(txt + 9)) || !(t->text = strdup(body))) {
		if (!t->subject || !t->text)
			if (!*err)
				snprintf(err, errlen, "out of memory");
		free(txt);
		return -1;
	}
	free(txt);
	snprintf(path, sizeof(path), "%s/%s/%s.html", dir, tmpl_langs[l],
	         kinds_notification[k]);
	t->html = slurp(path);
	if (!t->html && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (t->html && check_placeholders(t->html, path, 1, err, errlen) < 0)
		return -1;
	return 0;
}

/* The optional file DIR/LANG/NAME into *OUT (NULL when absent); with
 * CHECK, its placeholders are checked.  0, or -1 with err set. */
static int load_optional(const char *dir, int l, const char *name, int check,
                         char **out, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, tmpl_langs[l], name);
	*out = slurp(path);
	if (!*out && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (*out && check && check_placeholders(*out, path, 1, err, errlen) < 0)
		return -1;
	return 0;
}

static int load_extra(const char *dir, struct extra *x, char *err,
                      size_t errlen)
{
	for (int l = 0; l < NLANGS; l++)
		if (load_optional(dir, l, "footer.txt", 1, &x[l].footer_text,
		                  err, errlen) < 0 ||
		    load_optional(dir, l, "footer.html", 1, &x[l].footer_html,
		                  err, errlen) < 0 ||
		    load_optional(dir, l, "privacy.txt", 0, &x[l].privacy, err,
		                  errlen) < 0)
			return -1;
	return 0;
}

/* The optional DIR/layout.html into *OUT (NULL when absent): only the
 * layout's names, and {{content}} required.  0, or -1 with err set. */
static int load_layout(const char *dir, char **out, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/layout.html", dir);
	*out = slurp(path);
	if (!*out && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!*out)
		return 0;
	if (tmpl_doc_check(*out, layout_keys, path, 1, err, errlen) < 0 ||
	    !strstr(*out, "{{content}}")) {
		if (!*err)
			snprintf(err, errlen,
			         "%s:1: no {{content}} placeholder", path);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int tmpl_load(const char *dir, char *err, size_t errlen)
{
	static struct tmpl fresh[NLANGS][NKINDS];
	static struct extra fresh_x[NLANGS];
	char *d, *lay;

	if (err && errlen)
		err[0] = '\0';
	memset(fresh, 0, sizeof(fresh));
	for (int l = 0; l < NLANGS; l++)
		for (int k = 0; k < NKINDS; k++)
			if (load_one(dir, l, k, &fresh[l][k], err, errlen) <
			    0) {
				clear(fresh);
				return -1;
			}
	memset(fresh_x, 0, sizeof(fresh_x));
	if (load_extra(dir, fresh_x, err, errlen) < 0) {
		clear(fresh);
		clear_extra(fresh_x);
		return -1;
	}
	if (load_layout(dir, &lay, err, errlen) < 0) {
		clear(fresh);
		clear_extra(fresh_x);
		return -1;
	}
	d = strdup(dir);
	if (!d) {
		clear(fresh);
		clear_extra(fresh_x);
		free(lay);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	clear(T);
	memcpy(T, fresh, sizeof(T));
	memset(fresh, 0, sizeof(fresh));
	clear_extra(X);
	memcpy(X, fresh_x, sizeof(X));
	memset(fresh_x, 0, sizeof(fresh_x));
	free(layout);
	layout = lay;
	free(tmpl_dir);
	tmpl_dir = d;
	return 0;
}

int tmpl_reload(char *err, size_t errlen)
{
	char *dir;
	int r;

	if (!tmpl_dir) {
		snprintf(err, errlen, "templates were never loaded");
		return -1;
	}
	dir = strdup(tmpl_dir);
	if (!dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = tmpl_load(dir, err, errlen);
	free(dir);
	return r;
}

/* Append the footer of language L (or English) to OUT->text after a "-- "
 * signature line.  0, or -1 when out of memory. */
static int add_text_footer(int l, const struct tmpl_var *vars, size_t n,
                           struct tmpl_msg *out)
{
	const char *ft = X[l].footer_text ? X[l].footer_text : X[0].footer_text;
	char *f, *joined;
	size_t len;

	if (!ft)
		return 0;
	if (!(f = tmpl_doc_text(ft, vars, n)))
		return -1;
	len = strlen(out->text);
	if (asprintf(&joined, "%s%s\n-- \n%s", out->text,
	             len && out->text[len - 1] == '\n' ? "" : "\n", f) < 0) {
		free(f);
		return -1;
	}
	free(f);
	free(out->text);
	out->text = joined;
	return 0;
}

/* The HTML footer of language L: its footer.html, else its footer.txt (or
 * the English one) rendered as HTML; "" when there is none.  NULL when out
 * of memory. */
static char *html_footer(int l, const struct tmpl_var *vars, size_t n)
{
	const char *ft = X[l].footer_text ? X[l].footer_text : X[0].footer_text;

	if (X[l].footer_html)
		return tmpl_doc_fill(X[l].footer_html, vars, n, TMPL_HTML);
	if (!X[l].footer_text && X[0].footer_html)
		return tmpl_doc_fill(X[0].footer_html, vars, n, TMPL_HTML);
	return ft ? tmpl_doc_html(ft, vars, n) : strdup("");
}

/* A <kind>.html of the operator's: the whole document, the footer
 * inserted before its last </body>.  NULL when out of memory. */
static char *own_html(const char *src, const char *footer,
                      const struct tmpl_var *vars, size_t n)
{
	char *html = tmpl_doc_fill(src, vars, n, TMPL_HTML), *end = NULL;
	char *joined;

	if (!html || !*footer)
		return html;
	for (char *p = html; (p = strcasestr(p, "</body>")); p++)
		end = p;
	if (!end)
		end = html + strlen(html);
	if (asprintf(&joined, "%.*s%s%s", (int)(end - html), html, footer,
	             end) < 0)
		joined = NULL;
	free(html);
	return joined;
}

/* The HTML body made from the text template BODY: the layout around it. */
static char *made_html(const char *lang, const char *subject, const char *body,
                       const char *footer, const struct tmpl_var *vars,
                       size_t n)
{
	char *content = tmpl_doc_html(body, vars, n), *html = NULL;
	const struct tmpl_var subj[] = {{"subject", subject}};
	char *esc_subject = tmpl_doc_fill("{{subject}}", subj, 1, TMPL_HTML);

	if (content && esc_subject) {
		size_t len = strlen(content);
		const struct tmpl_var lv[] = {
		        {"lang", lang},
		        {"subject", esc_subject},
		        {"content", content},
		        {"footer", footer},
		};
		/* no blank line before the frame's own closing tags */
		if (len && content[len - 1] == '\n')
			content[len - 1] = '\0';
		html = tmpl_doc_fill(layout ? layout : default_layout, lv, 4,
		                     TMPL_PLAIN);
	}
	free(content);
	free(esc_subject);
	return html;
}

int tmpl_render(const char *lang, const char *kind, const struct tmpl_var *vars,
                size_t n, struct tmpl_msg *out)
{
	int k = index_of(kinds_notification, kind);
	int l = index_of(tmpl_langs, lang);
	struct tmpl *t;
	char *footer;

	memset(out, 0, sizeof(*out));
	if (k < 0 || !T[0][k].subject)
		return -1;
	if (l < 0)
		l = 0;
	t = &T[l][k];
	if (!t->subject) {
		if (!t->warned)
			log_warnx("template %s/%s missing: using English",
			          tmpl_langs[l], kind);
		t->warned = 1;
		t = &T[0][k];
	}
	out->subject = tmpl_doc_fill(t->subject, vars, n, TMPL_LINE);
	out->text = tmpl_doc_text(t->text, vars, n);
	footer = html_footer(l, vars, n);
	if (out->subject && footer)
		out->html =
		        t->html ? own_html(t->html, footer, vars, n)
		                : made_html(tmpl_langs[t == &T[l][k] ? l : 0],
		                            out->subject, t->text, footer, vars,
		                            n);
	free(footer);
	if (!out->subject || !out->text || !out->html ||
	    add_text_footer(l, vars, n, out) < 0) {
		tmpl_msg_free(out);
		return -1;
	}
	return 0;
}

const char *tmpl_privacy_notice(const char *lang)
{
	int l = index_of(tmpl_langs, lang);

	return l > 0 && X[l].privacy ? X[l].privacy : X[0].privacy;
}

void tmpl_msg_free(struct tmpl_msg *m)
{
	free(m->subject);
	free(m->text);
	free(m->html);
	memset(m, 0, sizeof(*m));
}

/* Units per language: singular, plural (Polish: 2-4 form, then 5+ form),
 * and the phrase around the number. */
struct unit_words {
	const char *one, *few, *many;
};
struct lang_words {
	const char *lang;
	const char *pre, *post; /* "in " / "" ; "" / " päästä" */
	int bare_one;           /* 1: "päivän päästä" without the number */
	struct unit_words u[4]; /* weeks, days, hours, minutes */
};

static const struct lang_words offset_words[] = {
        {.lang = "en",
         .pre = "in ",
         .post = "",
         .u = {{.one = "week", .few = "weeks", .many = "weeks"},
               {.one = "day", .few = "days", .many = "days"},
               {.one = "hour", .few = "hours", .many = "hours"},
               {.one = "minute", .few = "minutes", .many = "minutes"}}},
        {.lang = "sv",
         .pre = "om ",
         .post = "",
         .u = {{.one = "vecka", .few = "veckor", .many = "veckor"},
               {.one = "dag", .few = "dagar", .many = "dagar"},
               {.one = "timme", .few = "timmar", .many = "timmar"},
               {.one = "minut", .few = "minuter", .many = "minuter"}}},
        {.lang = "it",
         .pre = "tra ",
         .post = "",
         .u = {{.one = "settimana", .few = "settimane", .many = "settimane"},
               {.one = "giorno", .few = "giorni", .many = "giorni"},
               {.one = "ora", .few = "ore", .many = "ore"},
               {.one = "minuto", .few = "minuti", .many = "minuti"}}},
        {.lang = "pl",
         .pre = "za ",
         .post = "",
         .u = {{.one = "tydzień", .few = "tygodnie", .many = "tygodni"},
               {.one = "dzień", .few = "dni", .many = "dni"},
               {.one = "godzinę", .few = "godziny", .many = "godzin"},
               {.one = "minutę", .few = "minuty", .many = "minut"}}},
        {.lang = "es",
         .pre = "dentro de ",
         .post = "",
         .u = {{.one = "semana", .few = "semanas", .many = "semanas"},
               {.one = "día", .few = "días", .many = "días"},
               {.one = "hora", .few = "horas", .many = "horas"},
               {.one = "minuto", .few = "minutos", .many = "minutos"}}},
        {.lang = "fi",
         .pre = "",
         .post = " päästä",
         .bare_one = 1,
         .u = {{.one = "viikon", .few = "viikon", .many = "viikon"},
               {.one = "päivän", .few = "päivän", .many = "päivän"},
               {.one = "tunnin", .few = "tunnin", .many = "tunnin"},
               {.one = "minuutin", .few = "minuutin", .many = "minuutin"}}},
};

int tmpl_offset_text(const char *lang, int days, long seconds, char *buf,
                     size_t len)
{
	const struct lang_words *w = &offset_words[0];
	const struct unit_words *u;
	long n;
	int unit;

	for (size_t i = 0; i < sizeof(offset_words) / sizeof(offset_words[0]);
	     i++)
		if (lang && strcmp(offset_words[i].lang, lang) == 0)
			w = &offset_words[i];
	if (days < 0 || seconds < 0)
		return -1;
	if (seconds == 0 && days > 0 && days % 7 == 0) {
		unit = 0;
		n = days / 7;
	} else if (seconds == 0) {
		unit = 1;
		n = days;
	} else if ((seconds + days * 86400L) % 3600 == 0) {
		unit = 2;
		n = (seconds + days * 86400L) / 3600;
	} else {
		unit = 3;
		n = (seconds + days * 86400L + 59) / 60;
	}
	u = &w->u[unit];
	if (n == 1 && w->bare_one)
		snprintf(buf, len, "%s%s%s", w->pre, u->one, w->post);
	else if (n == 1)
		snprintf(buf, len, "%s1 %s%s", w->pre, u->one, w->post);
	else if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14))
		snprintf(buf, len, "%s%ld %s%s", w->pre, n, u->few, w->post);
	else
		snprintf(buf, len, "%s%ld %s%s", w->pre, n, u->many, w->post);
	return 0;
}

void tmpl_on_hup(void)
{
	char err[1024];

	if (tmpl_reload(err, sizeof(err)) < 0)
		log_warnx("templates not reloaded (keeping the old set): %s",
		          err);
	else
		log_info("templates reloaded from %s", tmpl_dir);
}
