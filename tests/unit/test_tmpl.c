/* test_tmpl.c - templates: the shipped set loads, every language has every
 * kind, placeholders are filled and escaped, typos and gaps are caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kinds.h"
#include "tmpl.h"

static const char *shipped_dir(void)
{
	const char *d = getenv("CONVENED_TEMPLATE_DIR");
	return d ? d : "config/templates";
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	*strrchr(path, '/') = '\0';
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A scratch template dir with a complete English set. */
static char *scratch(void)
{
	char *dir = strdup("/tmp/test_tmpl.XXXXXX");
	char rel[256];

	assert_non_null(mkdtemp(dir));
	for (int k = 0; kinds_notification[k]; k++) {
		snprintf(rel, sizeof(rel), "en/%s.txt", kinds_notification[k]);
		put(dir, rel,
		    "Subject: EN {{event_title}}\n\nHello {{person_name}}\n");
	}
	return dir;
}

static void rm_rf(char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void test_shipped_set_complete(void **st)
{
	char err[512] = "", path[1024];
	struct stat sb;

	assert_int_equal(tmpl_load(shipped_dir(), err, sizeof(err)), 0);
	for (int l = 0; tmpl_langs[l]; l++)
		for (int k = 0; kinds_notification[k]; k++) {
			snprintf(path, sizeof(path), "%s/%s/%s.txt",
			         shipped_dir(), tmpl_langs[l],
			         kinds_notification[k]);
			if (stat(path, &sb) != 0)
				fail_msg("missing template %s", path);
		}
	tmpl_free();
}

/* Every language renders every kind with all keys set and no {{ left;
 * subjects are one line, non-English subjects differ from English. */
static void test_render_all(void **st)
{
	char err[512] = "";
	struct tmpl_var vars[64];
	size_t n = 0;

	for (; tmpl_keys[n]; n++) {
		assert_true(n < sizeof(vars) / sizeof(vars[0]));
		vars[n].name = tmpl_keys[n];
		vars[n].value = "VAL";
	}
	assert_int_equal(tmpl_load(shipped_dir(), err, sizeof(err)), 0);
	for (int k = 0; kinds_notification[k]; k++) {
		struct tmpl_msg en;
		assert_int_equal(
		        tmpl_render("en", kinds_notification[k], vars, n, &en),
		        0);
		for (int l = 0; tmpl_langs[l]; l++) {
			struct tmpl_msg m;
			assert_int_equal(tmpl_render(tmpl_langs[l],
			                             kinds_notification[k],
			                             vars, n, &m),
			                 0);
			assert_null(strstr(m.subject, "{{"));
			assert_null(strstr(m.text, "{{"));
			assert_null(strchr(m.subject, '\n'));
			assert_non_null(strstr(m.text, "VAL"));
			if (l > 0 && strcmp(m.subject, en.subject) == 0)
				fail_msg("%s/%s subject is the English one",
				         tmpl_langs[l], kinds_notification[k]);
			tmpl_msg_free(&m);
		}
		tmpl_msg_free(&en);
	}
	tmpl_free();
}

static void test_escape_and_subject_line(void **st)
{
	char err[512] = "";
	char *dir = scratch();
	struct tmpl_msg m;
	const struct tmpl_var vars[] = {
	        {"event_title", "A <b>&\"x\"\r\nBcc: evil@example.org"},
	        {"person_name", "Åsa"},
	};

	put(dir, "en/event_reminder.html",
	    "<p title=\"{{event_title}}\">{{person_name}} {{city}}</p>\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), 0);
	assert_int_equal(tmpl_render("en", "event_reminder", vars, 2, &m), 0);
	assert_null(strchr(m.subject, '\n'));
	assert_null(strchr(m.subject, '\r'));
	assert_string_equal(m.subject, "EN A <b>&\"x\"  Bcc: evil@example.org");
	assert_non_null(m.html);
	assert_string_equal(m.html, "<p title=\"A &lt;b&gt;&amp;&quot;x&quot;"
	                            "\r\nBcc: evil@example.org\">Åsa </p>\n");
	assert_string_equal(m.text, "Hello Åsa\n");
	tmpl_msg_free(&m);
	/* a kind without its own HTML gets the layout around its text, the
	 * values escaped there too */
	assert_int_equal(tmpl_render("en", "event_updated", vars, 2, &m), 0);
	assert_non_null(m.html);
	assert_non_null(strstr(m.html, "<html lang=\"en\">"));
	assert_non_null(strstr(m.html, "<title>EN A &lt;b&gt;&amp;&quot;x&quot;"
	                               "  Bcc: evil@example.org</title>"));
	assert_non_null(strstr(m.html, "<p style=\"margin:0 0 16px\">Hello "
	                               "Åsa</p>"));
	assert_null(strstr(m.html, "<b>"));
	tmpl_msg_free(&m);
	assert_int_equal(tmpl_render("en", "no_such_kind", vars, 2, &m), -1);
	tmpl_free();
	rm_rf(dir);
}

static void test_fallback_to_english(void **st)
{
	char err[512] = "";
	char *dir = scratch();
	struct tmpl_msg m;
	const struct tmpl_var vars[] = {{"event_title", "T"}};

	put(dir, "sv/event_reminder.txt",
	    "Subject: SV {{event_title}}\n\nHej\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), 0);
	assert_int_equal(tmpl_render("sv", "event_reminder", vars, 1, &m), 0);
	assert_string_equal(m.subject, "SV T");
	tmpl_msg_free(&m);
	assert_int_equal(tmpl_render("sv", "event_updated", vars, 1, &m), 0);
	assert_string_equal(m.subject, "EN T");
	tmpl_msg_free(&m);
	assert_int_equal(tmpl_render("xx", "event_updated", vars, 1, &m), 0);
	assert_string_equal(m.subject, "EN T");
	tmpl_msg_free(&m);
	tmpl_free();
	rm_rf(dir);
}

static void test_load_errors(void **st)
{
	char err[512] = "";
	char *dir = scratch();
	struct tmpl_msg m;

	/* a good set, then a typo: the load fails and keeps the old set */
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), 0);
	put(dir, "fi/event_reminder.txt",
	    "Subject: Muistutus\n\nline\n{{evnt_title}}\n");
	assert_int_equal(tmpl_reload(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fi/event_reminder.txt:4: unknown "
	                            "placeholder {{evnt_title}}"));
	assert_int_equal(tmpl_render("fi", "event_reminder", NULL, 0, &m), 0);
	assert_string_equal(m.subject, "EN ");
	tmpl_msg_free(&m);

	put(dir, "fi/event_reminder.txt", "Muistutus\n\nbody\n");
	assert_int_equal(tmpl_reload(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fi/event_reminder.txt:1: expected"));

	put(dir, "fi/event_reminder.txt", "Subject: x {{title\n\nbody\n");
	assert_int_equal(tmpl_reload(err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: unterminated placeholder"));

	put(dir, "fi/event_reminder.txt", "Subject: ok\n\nbody\n");
	assert_int_equal(tmpl_reload(err, sizeof(err)), 0);

	/* English missing: refused */
	snprintf(err, sizeof(err), "%s/en/deadline_reminder.txt", dir);
	assert_int_equal(unlink(err), 0);
	assert_int_equal(tmpl_reload(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "en/deadline_reminder.txt"));
	tmpl_free();
	rm_rf(dir);
}

static void test_offset_text(void **st)
{
	char b[64];
	static const struct {
		const char *lang;
		int days;
		long secs;
		const char *want;
	} cases[] = {
	        {"en", 7, 0, "in 1 week"},
	        {"en", 1, 0, "in 1 day"},
	        {"en", 30, 0, "in 30 days"},
	        {"en", 14, 0, "in 2 weeks"},
	        {"en", 0, 7200, "in 2 hours"},
	        {"en", 1, 7200, "in 26 hours"},
	        {"en", 0, 1800, "in 30 minutes"},
	        {"sv", 0, 3600, "om 1 timme"},
	        {"sv", 3, 0, "om 3 dagar"},
	        {"it", 1, 0, "tra 1 giorno"},
	        {"es", 0, 7200, "dentro de 2 horas"},
	        {"pl", 5, 0, "za 5 dni"},
	        {"pl", 0, 7200, "za 2 godziny"},
	        {"pl", 0, 5 * 3600, "za 5 godzin"},
	        {"pl", 0, 22 * 3600, "za 22 godziny"},
	        {"pl", 0, 12 * 3600, "za 12 godzin"},
	        {"pl", 14, 0, "za 2 tygodnie"},
	        {"fi", 1, 0, "päivän päästä"},
	        {"fi", 7 * 3, 0, "3 viikon päästä"},
	        {"fi", 0, 7200, "2 tunnin päästä"},
	        {"xx", 2, 0, "in 2 days"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(tmpl_offset_text(cases[i].lang, cases[i].days,
		                                  cases[i].secs, b, sizeof(b)),
		                 0);
		assert_string_equal(b, cases[i].want);
	}
	assert_int_equal(tmpl_offset_text("en", -1, 0, b, sizeof(b)), -1);
}

/* The footer of the message's language (else English) follows the text
 * after a "-- " line and goes before </body> in HTML, with its values
 * filled and escaped; no footer file, no footer.  The privacy notice
 * falls back to English, and is gone when its file is. */
static void test_footer_and_privacy_notice(void **st)
{
	char *dir = scratch(), err[512] = "";
	struct tmpl_var vars[] = {{"person_name", "Ann"},
	                          {"privacy_url", "https://x.example/p?a=1&b"}};
	struct tmpl_msg m;
	char rel[256];

	snprintf(rel, sizeof(rel), "en/%s.html", kinds_notification[0]);
	put(dir, rel, "<html><body><p>Hi {{person_name}}</p></body></html>\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), 0);
	assert_int_equal(tmpl_render("sv", kinds_notification[0], vars, 2, &m),
	                 0);
	assert_string_equal(m.text, "Hello Ann\n");
	assert_null(tmpl_privacy_notice("sv"));
	tmpl_msg_free(&m);

	put(dir, "en/footer.txt", "Privacy: {{privacy_url}}\n");
	put(dir, "sv/footer.txt", "Integritet: {{privacy_url}}\n");
	put(dir, "en/footer.html", "<p><a href=\"{{privacy_url}}\">p</a></p>");
	put(dir, "en/privacy.txt", "We keep little.\n");
	put(dir, "fi/privacy.txt", "Vähän.\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), 0);
	assert_int_equal(tmpl_render("sv", kinds_notification[0], vars, 2, &m),
	                 0);
	assert_string_equal(m.text, "Hello Ann\n\n-- \nIntegritet: "
	                            "https://x.example/p?a=1&b\n");
	tmpl_msg_free(&m);
	assert_int_equal(tmpl_render("en", kinds_notification[0], vars, 2, &m),
	                 0);
	assert_string_equal(m.text, "Hello Ann\n\n-- \nPrivacy: "
	                            "https://x.example/p?a=1&b\n");
	assert_string_equal(m.html,
	                    "<html><body><p>Hi Ann</p><p><a "
	                    "href=\"https://x.example/p?a=1&amp;b\">p</a></p>"
	                    "</body></html>\n");
	tmpl_msg_free(&m);
	assert_string_equal(tmpl_privacy_notice("fi"), "Vähän.\n");
	assert_string_equal(tmpl_privacy_notice("sv"), "We keep little.\n");
	assert_string_equal(tmpl_privacy_notice("xx"), "We keep little.\n");

	/* a footer with an unknown placeholder is refused like a template */
	put(dir, "pl/footer.txt", "{{no_such_key}}\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pl/footer.txt:1: unknown placeholder"));
	tmpl_free();
	rm_rf(dir);
}

/* The template language: sections, field rows left out without a value,
 * link lines as the URL in text and a button in HTML, URL values linked;
 * a section that does not close is refused with its line. */
static void test_sections_rows_and_links(void **st)
{
	char *dir = scratch(), err[512] = "";
	struct tmpl_msg m;
	const struct tmpl_var full[] = {
	        {"event_title", "T<1>"},
	        {"place", "Aula, Rimini, IT"},
	        {"recipient_local", ""},
	        {"token_url", "https://x.example/r/abc"},
	        {"event_url", "https://x.example/e?a=1&b=2"},
	        {"button_confirm", "Confirm it"},
	};
	const struct tmpl_var bare[] = {{"event_title", "T"}};

	put(dir, "en/event_cancelled.txt",
	    "Subject: Off: {{event_title}}{{#place}} ({{place}}){{/place}}\n\n"
	    "{{event_title}}{{#place}}, {{place}},{{/place}} is off.\n\n"
	    "When:       soon\n"
	    "Your time:  {{recipient_local}}\n"
	    "Where:      {{place}}\n"
	    "Details:    {{event_url}}\n\n"
	    "{{#token_url}}\n"
	    "Press \"{{button_confirm}}\":\n"
	    "[Open the page]({{token_url}})\n"
	    "{{/token_url}}\n"
	    "{{^token_url}}\n"
	    "No page.\n"
	    "{{/token_url}}\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), 0);
	assert_int_equal(tmpl_render("en", "event_cancelled", full, 6, &m), 0);
	assert_string_equal(m.subject, "Off: T<1> (Aula, Rimini, IT)");
	assert_string_equal(m.text,
	                    "T<1>, Aula, Rimini, IT, is off.\n\n"
	                    "When:       soon\n"
	                    "Where:      Aula, Rimini, IT\n"
	                    "Details:    https://x.example/e?a=1&b=2\n\n"
	                    "Press \"Confirm it\":\n"
	                    "https://x.example/r/abc\n");
	assert_non_null(strstr(m.html, "<th scope=\"row\""));
	assert_null(strstr(m.html, "Your time"));
	assert_non_null(strstr(m.html, ">Where</th><td style=\"padding:2px "
	                               "0\">Aula, Rimini, IT</td>"));
	assert_non_null(strstr(m.html, "<a href=\"https://x.example/e?a=1&amp;"
	                               "b=2\">https://x.example/e?a=1&amp;b=2"
	                               "</a>"));
	assert_non_null(strstr(m.html, "Press &quot;Confirm it&quot;:<br>\n"
	                               "<a style=\""));
	assert_non_null(strstr(m.html, "href=\"https://x.example/r/abc\">Open "
	                               "the page</a></p>"));
	assert_non_null(strstr(m.html, "T&lt;1&gt;, Aula"));
	tmpl_msg_free(&m);

	assert_int_equal(tmpl_render("en", "event_cancelled", bare, 1, &m), 0);
	assert_string_equal(m.subject, "Off: T");
	assert_string_equal(m.text, "T is off.\n\n"
	                            "When:       soon\n\n"
	                            "No page.\n");
	assert_null(strstr(m.html, "()"));
	assert_null(strstr(m.html, "Where"));
	tmpl_msg_free(&m);

	put(dir, "it/event_cancelled.txt",
	    "Subject: x\n\nline\n{{#place}}open\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "it/event_cancelled.txt:4: section "
	                            "{{#place}} is not closed"));
	put(dir, "it/event_cancelled.txt",
	    "Subject: x\n\n{{#place}}a{{/city}}\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "it/event_cancelled.txt:3: {{/city}} "
	                            "closes no open section"));
	put(dir, "it/event_cancelled.txt",
	    "Subject: x\n\n{{#nope}}{{/nope}}\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown placeholder {{#nope}}"));
	unlink(strcat(strcpy(err, dir), "/it/event_cancelled.txt"));

	/* the operator's layout.html frames every generated HTML body */
	put(dir, "layout.html", "<main lang={{lang}}>{{content}}</main>\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), 0);
	assert_int_equal(tmpl_render("pl", "event_cancelled", bare, 1, &m), 0);
	assert_string_equal(m.html, "<main lang=en><p style=\"margin:0 0 "
	                            "16px\">T is off.</p>\n<table role="
	                            "\"presentation\" style=\"border-collapse:"
	                            "collapse;margin:0 0 16px\">\n<tr><th "
	                            "scope=\"row\" style=\"text-align:left;"
	                            "vertical-align:top;padding:2px 16px 2px 0;"
	                            "font-weight:normal;color:#555555\">When"
	                            "</th><td style=\"padding:2px 0\">soon</td>"
	                            "</tr>\n</table>\n<p style=\"margin:0 0 "
	                            "16px\">No page.</p></main>\n");
	tmpl_msg_free(&m);
	put(dir, "layout.html", "<main>{{person_name}}</main>\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "layout.html:1: unknown placeholder"));
	put(dir, "layout.html", "<main></main>\n");
	assert_int_equal(tmpl_load(dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "layout.html:1: no {{content}}"));
	tmpl_free();
	rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_shipped_set_complete),
	        cmocka_unit_test(test_render_all),
	        cmocka_unit_test(test_escape_and_subject_line),
	        cmocka_unit_test(test_fallback_to_english),
	        cmocka_unit_test(test_load_errors),
	        cmocka_unit_test(test_offset_text),
	        cmocka_unit_test(test_footer_and_privacy_notice),
	        cmocka_unit_test(test_sections_rows_and_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
