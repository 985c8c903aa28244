/* tmpl_doc.h - the template language: {{name}} placeholders,
 * {{#name}}...{{/name}} sections kept only when name has a value
 * ({{^name}}...{{/name}} only when it has none), "Label:  value" field rows
 * left out when all their values are empty, "[label](url)" link lines and
 * "![alt](url)" image lines (HTML only: an inline image such as a QR code).
 * One source renders as plain text and as an HTML fragment (values escaped),
 * so the two parts of a message say the same thing.
 */
#ifndef CONVENED_TMPL_DOC_H
#define CONVENED_TMPL_DOC_H

#include <stddef.h>

#include "tmpl.h"

enum tmpl_mode {
	TMPL_PLAIN, /* values as they are */
	TMPL_HTML,  /* values HTML-escaped */
	TMPL_LINE,  /* control characters become spaces (a header line) */
};

/* Check every {{name}}, {{#name}}, {{^name}} and {{/name}} in S against
 * the NULL-terminated KEYS, and that sections close in order; LINE0 is the
 * file line S starts on.  0, or -1 with "path:line: reason" in err. */
int tmpl_doc_check(const char *s, const char *const *keys, const char *path,
                   int line0, char *err, size_t errlen);

/* S with its sections resolved and its placeholders filled in MODE; a new
 * string, or NULL when out of memory. */
char *tmpl_doc_fill(const char *s, const struct tmpl_var *vars, size_t n,
                    enum tmpl_mode mode);

/* S as a message body: plain text (field rows without a value and link
 * lines without a URL left out; a link line shows its URL; image lines
 * left out) or an HTML fragment (paragraphs, a table of the field rows,
 * link lines as buttons, image lines as <img>, URL values as links, every
 * value escaped).  A new string, or NULL when
 * out of memory. */
char *tmpl_doc_text(const char *s, const struct tmpl_var *vars, size_t n);
char *tmpl_doc_html(const char *s, const struct tmpl_var *vars, size_t n);

#endif
