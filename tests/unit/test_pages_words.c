/* test_pages_words.c - every error code the API can reply with has a
 * sentence for a participant in each of the six languages, a page never
 * falls back to English or to the raw code, and the country list comes
 * from ICU in the page's language, sorted by its collation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unicode/ucol.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include "api_error.h"
#include "pages_country.h"
#include "pages_text.h"
#include "pages_words.h"

static const char *const langs[] = {"en", "sv", "it", "pl", "es", "fi", NULL};

/* Each code of api_error_codes, in each language: a sentence, not the
 * code, and (outside English) not the English sentence. */
static void every_code_in_every_language(void **state)
{
	const struct page_words *en = page_words_get("en");

	(void)state;
	for (int l = 0; langs[l]; l++) {
		const struct page_words *w = page_words_get(langs[l]);

		assert_string_equal(w->lang, langs[l]);
		for (const struct api_error_code *c = api_error_codes; c->code;
		     c++) {
			const char *s = page_words_code(w, c->code);
			int listed = 0;

			for (const struct page_code_text *p = w->codes; p->code;
			     p++)
				listed |= strcmp(p->code, c->code) == 0;
			if (!listed)
				fail_msg("%s: no sentence for %s", langs[l],
				         c->code);
			assert_non_null(s);
			assert_null(strstr(s, c->code));
			if (strcmp(langs[l], "en") != 0 &&
			    strcmp(s, page_words_code(en, c->code)) == 0)
				fail_msg("%s: %s is the English sentence",
				         langs[l], c->code);
		}
		/* a code nobody knows: the "internal" sentence, never raw */
		assert_string_equal(page_words_code(w, "no_such_code"),
		                    page_words_code(w, "internal"));
	}
}

/* The refusals of a field and the honest states differ from English in
 * every other language. */
static void field_words_are_translated(void **state)
{
	const struct page_words *en = page_words_get("en");
	static const char *const fields[] = {"name",    "email", "organisation",
	                                     "country", "role",  "language",
	                                     NULL};
	static const char *const codes[] = {"missing_field", "too_long",
	                                    "invalid_value", NULL};

	(void)state;
	for (int l = 1; langs[l]; l++) {
		const struct page_words *w = page_words_get(langs[l]);

		for (int f = 0; fields[f]; f++)
			for (int c = 0; codes[c]; c++) {
				const char *s = page_words_field(w, codes[c],
				                                 fields[f]);

				assert_non_null(s);
				assert_string_not_equal(
				        s, page_words_field(en, codes[c],
				                            fields[f]));
			}
		assert_string_not_equal(w->wl_cap, en->wl_cap);
		assert_string_not_equal(w->wl_full, en->wl_full);
		assert_string_not_equal(w->wl_cap, w->wl_full);
		assert_string_not_equal(w->cancel_q, en->cancel_q);
		assert_string_not_equal(w->full_warning, en->full_warning);
	}
	/* not about one field: the general sentence applies */
	assert_null(page_words_field(en, "conflict", "event"));
	assert_null(page_words_field(en, "invalid_value", NULL));
}

/* The list has Poland as ICU names it in each language and is in the
 * order of that language's collator. */
static void countries_from_icu(void **state)
{
	(void)state;
	for (int l = 0; langs[l]; l++) {
		size_t n = 0;
		const struct page_country *v = page_countries(langs[l], &n);
		UChar want16[128];
		char want[256];
		UErrorCode st = U_ZERO_ERROR;
		UCollator *coll = ucol_open(langs[l], &st);
		int32_t len;

		assert_non_null(v);
		assert_true(n > 200);
		len = uloc_getDisplayCountry("_PL", langs[l], want16, 127, &st);
		want16[len] = 0;
		u_strToUTF8(want, sizeof(want), NULL, want16, -1, &st);
		assert_true(U_SUCCESS(st));
		assert_string_equal(page_country_name(langs[l], "PL"), want);
		for (size_t i = 1; i < n; i++) {
			UErrorCode e = U_ZERO_ERROR;

			assert_true(ucol_strcollUTF8(coll, v[i - 1].name, -1,
			                             v[i].name, -1,
			                             &e) != UCOL_GREATER);
		}
		ucol_close(coll);
	}
	assert_string_equal(page_country_name("pl", "PL"), "Polska");
	assert_string_equal(page_country_name("sv", "SE"), "Sverige");
	assert_null(page_country_name("en", "XX"));
}

/* The words of the timetable and the questions (issue 19): every
 * programme kind and every refusal of an answer in each language, never
 * NULL, never the raw kind or code, and (outside English) translated. */
static void programme_and_answer_words(void **state)
{
	static const char *const kinds[] = {"talk", "session", "break",
	                                    "meal", "visit",   NULL};
	static const char *const codes[] = {"answer_required",
	                                    "consent_required",
	                                    "choice_not_offered",
	                                    "group_full",
	                                    "too_long",
	                                    "invalid_value",
	                                    NULL};
	static const char *const qkinds[] = {"short_text", "choice",  "number",
	                                     "date",       "consent", NULL};
	const struct page_words *en = page_words_get("en");

	(void)state;
	for (int l = 0; langs[l]; l++) {
		const struct page_words *w = page_words_get(langs[l]);
		const char *words[] = {
		        w->room,         w->required,
		        w->full,         w->yes,
		        w->no,           w->choose_one,
		        w->places_left,  w->e_consent,
		        w->e_number,     w->e_date,
		        w->e_group_full, w->your_answers,
		        w->no_answer,    w->answers_closed,
		        w->save_answers,
		};

		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			assert_non_null(words[i]);
		for (int k = 0; kinds[k]; k++) {
			const char *s = page_words_kind(w, kinds[k]);

			assert_non_null(s);
			assert_string_not_equal(s, kinds[k]);
		}
		for (int c = 0; codes[c]; c++)
			for (int q = 0; qkinds[q]; q++) {
				const char *s = page_words_answer(w, codes[c],
				                                  qkinds[q]);

				assert_non_null(s);
				assert_string_not_equal(s, codes[c]);
			}
		if (strcmp(langs[l], "en") != 0) {
			assert_string_not_equal(w->answers_closed,
			                        en->answers_closed);
			assert_string_not_equal(w->e_consent, en->e_consent);
			assert_string_not_equal(w->required, en->required);
		}
	}
	assert_string_equal(page_words_kind(en, "picnic"), "picnic");
	assert_string_equal(page_words_answer(en, "group_full", "choice"),
	                    en->e_group_full);
	assert_string_equal(page_words_answer(en, "invalid_value", "number"),
	                    en->e_number);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(every_code_in_every_language),
	        cmocka_unit_test(field_words_are_translated),
	        cmocka_unit_test(countries_from_icu),
	        cmocka_unit_test(programme_and_answer_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
