/* tmpl.h - notification templates: <template_dir>/<lang>/<kind>.txt (and
 * optional .html), loaded at start, {{name}} placeholders filled per message;
 * beside them per language the footer of every message (footer.txt and
 * footer.html, optional) and the privacy notice (privacy.txt).
 */
#ifndef CONVENED_TMPL_H
#define CONVENED_TMPL_H

#include <stddef.h>

/* One placeholder value for tmpl_render. */
struct tmpl_var {
	const char *name;
	const char *value; /* NULL renders as "" */
};

/* A rendered message; every field malloc'd (html NULL when the kind has no
 * HTML template).  Free with tmpl_msg_free. */
struct tmpl_msg {
	char *subject;
	char *text;
	char *html;
};

/* NULL-terminated tables: languages (tmpl_langs[0] is the fallback "en")
 * and placeholder names a template may use.  The notification kinds, one
 * template each, are kinds_notification (kinds.h). */
extern const char *const tmpl_langs[];
extern const char *const tmpl_keys[];

/* Load every template under DIR, replacing any set loaded before.  Fails
 * (keeping the old set) when an English template is missing, a file is
 * malformed or uses an unknown placeholder: -1 with "path:line: reason" in
 * err.  Missing non-English templates are allowed (English is used). */
int tmpl_load(const char *dir, char *err, size_t errlen);

/* Load again from the same directory (SIGHUP); same failure rules. */
int tmpl_reload(char *err, size_t errlen);

/* SIGHUP hook: tmpl_reload and log the outcome. */
void tmpl_on_hup(void);

/* Free every template. */
void tmpl_free(void);

/* 1 when KIND is one of kinds_notification, else 0. */
int tmpl_kind_known(const char *kind);

/* Render KIND in LANG (falling back to English; the first fallback per
 * language and kind is logged) with N VARS into OUT, the language's footer
 * appended (after a "-- " line in the text, before </body> in HTML).  Values
 * are HTML-escaped in the HTML body; control characters become spaces in the
 * subject.  Returns 0, or -1 for an unknown kind or no memory. */
int tmpl_render(const char *lang, const char *kind, const struct tmpl_var *vars,
                size_t n, struct tmpl_msg *out);

/* The privacy notice of LANG (<template_dir>/<lang>/privacy.txt, else the
 * English one), or NULL when none is installed.  Valid until the next
 * (re)load. */
const char *tmpl_privacy_notice(const char *lang);

/* Free what tmpl_render filled (not OUT itself). */
void tmpl_msg_free(struct tmpl_msg *m);

/* Write "in 7 days" (in LANG; English when unknown) for an offset of DAYS
 * and SECONDS into BUF: weeks or days when whole days, else hours or
 * minutes.  Returns 0, or -1 for a negative offset. */
int tmpl_offset_text(const char *lang, int days, long seconds, char *buf,
                     size_t len);

#endif
