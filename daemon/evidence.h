/* evidence.h - the funder's evidence pack: the counts from attendance
 * (sql/functions/evidence.sql, cv_evidence_pack) completed with the
 * funder's sentence in six languages and the publication text the host
 * municipality puts online, built with ICU (MessageFormat plural rules,
 * CLDR country names); GET /api/projects/{slug}/evidence (JSON) and
 * /evidence.csv. */
#ifndef CONVENED_EVIDENCE_H
#define CONVENED_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>

/* The languages of the sentence, NULL-terminated: en sv it pl es fi. */
extern const char *const evidence_langs[];

/* The funder's sentence in LANG ("69 participants from 56 organisations in
 * 4 countries"), plural forms chosen by ICU's rules for the language,
 * numbers formatted for it, into OUT (UTF-8, NUL-terminated).  Returns 0,
 * or -1 for an unknown language, an ICU error or a too small OUT. */
int evidence_sentence(const char *lang, long participants, long organisations,
                      long countries, char *out, size_t len);

/* Complete PACK (cv_evidence_pack's document, modified in place) for its
 * "lang": "sentences" (one per language), "sentence" (in lang), per
 * country of the totals and of each event its "name", per event its
 * "dates" in words (when.h), and "publication" (the text to put online).
 * Returns 0 or -1 (ICU error, bad document). */
int evidence_complete(json_t *pack);

/* Register the routes.  Returns 0 or -1. */
int evidence_init(void);

#endif
