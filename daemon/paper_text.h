/* paper_text.h - the words of the PDFs convened prints (signature sheets,
 * certificates of attendance) in en, sv, it, pl, es, fi: one catalogue. */
#ifndef CONVENED_PAPER_TEXT_H
#define CONVENED_PAPER_TEXT_H

struct paper_text {
	const char *lang; /* "en" */
	/* signature sheets */
	const char *sheet_title, *local, *international;
	const char *programme, *project, *event, *place, *dates, *day, *town;
	const char *col_name, *col_org, *col_town, *col_country, *col_email;
	const char *col_sign;
	const char *certify, *date, *signature;
	const char *page_of; /* printf: page, pages */
	const char *none, *no_town;
	const char *group, *no_group; /* sheets split by a group question */
	/* certificates of attendance */
	const char *cert_title, *cert_intro, *cert_attended, *cert_days;
	const char *cert_button; /* the token page's button asking for it */
	/* the evidence pack's one-page summary */
	const char *ev_title, *ev_registered, *ev_confirmed, *ev_attended;
	const char *ev_no_show, *ev_by_country, *ev_participants;
	const char *ev_answers; /* the counts of the funder's questions */
};

/* NULL-terminated: every language, English first. */
extern const struct paper_text *const paper_texts[];

/* The text for LANG, or NULL when it is not one of ours. */
const struct paper_text *paper_text_get(const char *lang);

#endif
