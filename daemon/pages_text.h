/* pages_text.h - the public pages' words in en, sv, it, pl, es, fi. */
#ifndef CONVENED_PAGES_TEXT_H
#define CONVENED_PAGES_TEXT_H

struct http_req;

struct page_text {
	const char *lang;      /* "en" */
	const char *lang_name; /* "English", in the language itself */
	const char *title;     /* "Registration" */
	const char *name, *email, *org, *role;
	const char *role_official, *role_elected, *role_other;
	const char *language, *submit;
	const char *check_mail; /* the same whether the address is new or not */
	const char *when, *where, *your_reg;
	const char *st_pending, *st_confirmed, *st_cancelled;
	const char *btn_confirm, *btn_cancel, *saved;
	const char *calendar, *feed_https, *feed_webcal;
	const char *bad_link, *opens, *closed, *ev_cancelled;
	const char *error, *not_found;
	const char *privacy;     /* "Privacy notice": link and page title */
	const char *privacy_use; /* a line by the form's button */
	/* the calendar's answer to the invitation (iMIP REPLY): the label,
	 * then accepted, declined, tentative */
	const char *cal_answer, *cal_accepted, *cal_declined, *cal_tentative;
	const char *details, *btn_save; /* the token page's correction form */
};

/* NULL-terminated: every language, English first. */
extern const struct page_text *const page_texts[];

/* The text for LANG, or NULL when it is not one of ours. */
const struct page_text *page_text_get(const char *lang);

/* The page language for a request: ?lang= when valid, else the supported
 * entry of Accept-Language with the highest q-value, else English.  Never
 * NULL. */
const struct page_text *page_text_for(struct http_req *r);

/* page_text_for, with FALLBACK (a project's language, or NULL) before
 * English. */
const struct page_text *page_text_for_default(struct http_req *r,
                                              const char *fallback);

#endif
