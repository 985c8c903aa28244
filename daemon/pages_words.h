/* pages_words.h - the public pages' further words in en, sv, it, pl, es,
 * fi: the network, project and event pages, subscribe buttons, the honest
 * states of a registration, and every refusal a participant can meet,
 * from the API's stable error codes (api_error.c) and the form's fields. */
#ifndef CONVENED_PAGES_WORDS_H
#define CONVENED_PAGES_WORDS_H

/* One error code's sentence for a participant. */
struct page_code_text {
	const char *code; /* as in api_error_codes */
	const char *text;
};

#define PAGE_CODES_MAX 32

struct page_words {
	const char *lang;
	/* the network's page and a project's */
	const char *projects, *no_projects, *upcoming_n;
	const char *upcoming, *past, *nothing, *deadline, *event;
	const char *seats_left, *waiting_list, *full_waitlist, *cancelled;
	const char *register_btn, *more;
	/* an event's page */
	const char *about, *programme, *programme_later, *venue, *map;
	const char *organiser, *project;
	/* subscribe */
	const char *subscribe, *sub_webcal, *sub_google, *sub_outlook;
	const char *sub_copy, *add_event;
	/* the form */
	const char *country, *country_choose, *org_hint, *full_warning;
	const char *questions, *errors_heading;
	/* a field refused: shown next to it */
	const char *e_required, *e_email, *e_too_long, *e_chars, *e_country;
	const char *e_choice, *e_unknown;
	/* the token page's honest states and what happens next */
	const char *wl_full, *wl_cap, *wl_position, *next_waitlist;
	const char *next_pending, *next_confirmed, *over, *reg_cancelled;
	/* the cancel page (a second step) */
	const char *cancel_q, *cancel_seat, *cancel_yes, *cancel_no;
	/* the timetable: each programme kind (kinds_programme) and the room */
	const char *pk_talk, *pk_session, *pk_break, *pk_meal, *pk_visit;
	const char *room;
	/* registration questions: required in words, a full group, yes/no,
	 * a select's first option, a group's places, and the refusals shown
	 * next to a question */
	const char *required, *full, *yes, *no, *choose_one, *places_left;
	const char *e_consent, *e_number, *e_date, *e_group_full;
	/* the token page's answers */
	const char *your_answers, *no_answer, *answers_closed, *save_answers;
	/* the API's error codes in words; ends with code NULL */
	struct page_code_text codes[PAGE_CODES_MAX];
};

/* The words for LANG ("en" ... "fi"); English for any other. */
const struct page_words *page_words_get(const char *lang);

/* The sentence for error CODE in W's language; the "internal" sentence
 * for a code it does not know (never English on another page, never a
 * raw code). */
const char *page_words_code(const struct page_words *w, const char *code);

/* The sentence for CODE when it concerns the form field FIELD ("email",
 * "name", ...): missing, too long, not allowed.  NULL when the code is not
 * about a single field (then page_words_code applies). */
const char *page_words_field(const struct page_words *w, const char *code,
                             const char *field);

/* The programme kind KIND ("talk", ... as in kinds_programme) in words;
 * KIND itself for one it does not know. */
const char *page_words_kind(const struct page_words *w, const char *kind);

/* The sentence shown next to a registration question of KIND ("choice",
 * "number", ... as questions.kind) refused with CODE (answer_required,
 * consent_required, choice_not_offered, group_full, too_long,
 * invalid_value): never NULL. */
const char *page_words_answer(const struct page_words *w, const char *code,
                              const char *kind);

#endif
