/* paper.h - the funder's paper as PDF: an event's signature sheets and a
 * participant's certificate of attendance, rendered from the JSON that
 * sql/functions/sheets.sql returns.  Pure (pdf.c, jansson): safe on the
 * render thread. */
#ifndef CONVENED_PAPER_H
#define CONVENED_PAPER_H

#include <jansson.h>
#include <stddef.h>

struct paper_text;

/* The signature sheets of DOC (cv_signature_sheets) in T's words: one
 * sheet per day and invited town, local before international (or, when
 * DOC is split by a group question, per day and group, headed with the
 * group's label), each starting on a new page whose header names
 * programme, project, event, place (the country named in T's language),
 * dates, day and town or group; DOC's "columns" (question answers, at most
 * 6) between email and signature; certification lines and "page i of N"
 * at the foot of every page.  No sheet gives one page with an empty table.
 * 0 and the PDF in *OUT (malloc'd) / *LEN, or -1 with ERR. */
int paper_sheets(json_t *doc, const struct paper_text *t, char **out,
                 size_t *len, char *err, size_t errlen);

/* The certificate of attendance of DOC (cv_certificate): the person, the
 * organisation, the event and the days attended.  As paper_sheets. */
int paper_certificate(json_t *doc, const struct paper_text *t, char **out,
                      size_t *len, char *err, size_t errlen);

/* The one-page summary of evidence pack PACK (cv_evidence_pack completed
 * by evidence_complete, in T's language): the project, the funder's
 * sentence, per event its dates, place and registered / confirmed /
 * attended / no-show, the participants per country, the counts of the
 * funder's questions ("questions"), and the certification lines.  As
 * paper_sheets. */
int paper_evidence(json_t *pack, const struct paper_text *t, char **out,
                   size_t *len, char *err, size_t errlen);

#endif
