/* test_email_mime.c - the one MIME writer (daemon/mail_out.c), checked with
 * Python's email package and icalendar (real parsers) and by line-level
 * rules: encoded words, quoted-printable, structure, headers, injection
 * refused, the same bytes for the same row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail_out.h"

static const struct mail_sender sender = {
        .from = "events@example.org",
        .from_name = "Sekretariatet Åre–Łódź",
        .reply_to = "secretariat@example.org",
};

static struct cv_message base_msg(void)
{
	struct cv_message m = {
	        .size = sizeof m,
	        .id = 42,
	        .kind = "registration_confirmed",
	        .channel = "email",
	        .recipient = "anna@example.se",
	        .recipient_name = "Anna Öberg",
	        .language = "sv",
	        .message_id = "<outbox.42@example.org>",
	        .subject = "Your registration",
	        .text = "Hello Anna,\nyou are registered.\n",
	        .created_at = 1700000000,
	};
	return m;
}

static char *build(const struct cv_message *m, size_t *len)
{
	char err[256];
	char *s = mail_out_build(m, &sender, 1700000000, len, err, sizeof err);

	if (s == NULL)
		fail_msg("mail_out_build failed: %s", err);
	return s;
}

/* Every line ends in CRLF, no bare CR or LF, none longer than MAXLEN
 * octets (without CRLF). */
static void check_lines(const char *s, size_t len, size_t maxlen)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			assert_true(i + 1 < len && s[i + 1] == '\n');
			assert_true(col <= maxlen);
			col = 0;
			i++;
			continue;
		}
		assert_true(s[i] != '\n');
		assert_true(s[i] != '\0');
		col++;
	}
	assert_int_equal(col, 0);
}

/* Run a Python check: SCRIPT sees `raw` (bytes) and `m` (an
 * email.message.EmailMessage, policy.default); it must exit 0. */
static void py_check(const char *msg, size_t len, const char *script)
{
	char mpath[] = "/tmp/test_email_mime_msg_XXXXXX";
	char spath[] = "/tmp/test_email_mime_py_XXXXXX";
	char cmd[256];
	FILE *f;
	int fd, rc;

	fd = mkstemp(mpath);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, msg, len), (ssize_t)len);
	close(fd);
	fd = mkstemp(spath);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f,
	        "import sys, email, email.policy\n"
	        "raw = open(sys.argv[1], 'rb').read()\n"
	        "m = email.message_from_bytes(raw, "
	        "policy=email.policy.default)\n"
	        "%s\n",
	        script);
	fclose(f);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", spath, mpath);
	rc = system(cmd);
	unlink(mpath);
	unlink(spath);
	if (rc != 0)
		fail_msg("python check failed (rc %d) on:\n%.*s", rc, (int)len,
		         msg);
}

static void test_plain_message(void **state)
{
	struct cv_message m = base_msg();
	size_t len;
	char *s = build(&m, &len);

	assert_int_equal(strlen(s), len);
	check_lines(s, len, 78);
	assert_non_null(
	        strstr(s, "\r\nMessage-ID: <outbox.42@example.org>\r\n"));
	assert_non_null(
	        strstr(s, "\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_non_null(strstr(s, "\r\nMIME-Version: 1.0\r\n"));
	assert_null(strstr(s, "List-Unsubscribe"));
	py_check(s, len,
	         "assert m['Subject'] == 'Your registration', m['Subject']\n"
	         "assert m['To'].addresses[0].display_name == 'Anna Öberg'\n"
	         "assert m['To'].addresses[0].addr_spec == 'anna@example.se'\n"
	         "f = m['From'].addresses[0]\n"
	         "assert f.display_name == 'Sekretariatet Åre–Łódź', f\n"
	         "assert f.addr_spec == 'events@example.org'\n"
	         "assert m['Reply-To'].addresses[0].addr_spec == "
	         "'secretariat@example.org'\n"
	         "assert m['Content-Language'] == 'sv'\n"
	         "assert m.get_content_type() == 'text/plain'\n"
	         "assert m.get_content_charset() == 'utf-8'\n"
	         "assert m.get_content().replace('\\r\\n', '\\n') == "
	         "'Hello Anna,\\nyou are registered.\\n\\n', "
	         "repr(m.get_content())\n"
	         "assert not m.defects, m.defects\n");
	free(s);
}

static void test_encoded_words(void **state)
{
	struct cv_message m = base_msg();
	size_t len;
	char *s, *p, *q;

	m.subject = "Przypomnienie: seminarium szkoleniowe w Poznaniu — "
	            "zażółć gęślą jaźń, Göteborg & Västerås, Jyväskylä "
	            "(Åland) 2026";
	m.recipient_name = "Małgorzata Żółkiewska-Sjöström";
	s = build(&m, &len);
	check_lines(s, len, 78);
	/* every encoded word is at most 75 octets */
	for (p = s; (p = strstr(p, "=?UTF-8?B?")) != NULL; p = q + 2) {
		q = strstr(p + 10, "?=");
		assert_non_null(q);
		assert_true(q + 2 - p <= 75);
	}
	py_check(
	        s, len,
	        "want = 'Przypomnienie: seminarium szkoleniowe w Poznaniu — "
	        "zażółć gęślą jaźń, Göteborg & Västerås, Jyväskylä "
	        "(Åland) 2026'\n"
	        "assert str(m['Subject']) == want, repr(m['Subject'])\n"
	        "t = m['To'].addresses[0]\n"
	        "assert t.display_name == 'Małgorzata Żółkiewska-Sjöström', t\n"
	        "assert t.addr_spec == 'anna@example.se'\n"
	        "assert not m.defects, m.defects\n");
	free(s);
}

static void test_ascii_subject_folds(void **state)
{
	struct cv_message m = base_msg();
	char subj[400];
	size_t len;
	char *s;

	subj[0] = '\0';
	for (int i = 0; i < 30; i++)
		strcat(subj, i ? " reminder" : "Reminder");
	m.subject = subj;
	m.recipient_name = "O'Brien \"Bob\", Jr.";
	s = build(&m, &len);
	check_lines(s, len, 78);
	py_check(s, len,
	         "import re\n"
	         "want = 'Reminder' + ' reminder' * 29\n"
	         "assert str(m['Subject']) == want, repr(m['Subject'])\n"
	         "t = m['To'].addresses[0]\n"
	         "assert t.display_name == 'O\\'Brien \"Bob\", Jr.', t\n");
	free(s);
}

static void test_quoted_printable(void **state)
{
	struct cv_message m = base_msg();
	char text[4096];
	size_t len;
	char *s;

	/* a 300-octet line of non-ASCII, '=' signs, trailing spaces and tabs,
	 * a lone dot line and a CRLF line */
	char xs[200];

	memset(xs, 'x', sizeof xs);
	xs[121] = '=';
	xs[178] = '\0';
	snprintf(text, sizeof text,
	         "%s\n"
	         "a=b==c trailing space \n"
	         "tab\t\n"
	         ".\n"
	         "crlf line\r\n"
	         "%s end",
	         "ÅÄÖåäö łóżźćęś ĄŻŹĆŁ ÅÄÖåäö łóżźćęś ĄŻŹĆŁ ÅÄÖåäö łóżźćęś "
	         "ĄŻŹĆŁ ÅÄÖåäö łóżźćęś ĄŻŹĆŁ ÅÄÖåäö łóżźćęś ĄŻŹĆŁ ÅÄÖåäö",
	         xs);
	m.text = text;
	m.html = "<p>Hej <b>Anna</b> — välkommen!</p>\n";
	s = build(&m, &len);
	check_lines(s, len, 76); /* QP lines <= 76, headers here too */
	py_check(
	        s, len,
	        "assert m.get_content_type() == 'multipart/alternative'\n"
	        "parts = list(m.iter_parts())\n"
	        "assert [p.get_content_type() for p in parts] == "
	        "['text/plain', 'text/html']\n"
	        "for p in parts:\n"
	        "    assert p['Content-Transfer-Encoding'] == "
	        "'quoted-printable'\n"
	        "t = parts[0].get_content().replace('\\r\\n', '\\n')\n"
	        "import pathlib\n"
	        "want = ('ÅÄÖåäö łóżźćęś ĄŻŹĆŁ ' * 5 + 'ÅÄÖåäö\\n'\n"
	        "        'a=b==c trailing space \\ntab\\t\\n.\\ncrlf line\\n'\n"
	        "        + 'x' * 121 + '=' + 'x' * 56 + ' end')\n"
	        "assert t == want, (t, want)\n"
	        "h = parts[1].get_content().replace('\\r\\n', '\\n')\n"
	        "assert h == '<p>Hej <b>Anna</b> — välkommen!</p>\\n', h\n"
	        "assert not m.defects\n");
	free(s);
}

static const char *const ics =
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//convened//test//EN\r\n"
        "METHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\n"
        "UID:event-7@example.org\r\n"
        "SEQUENCE:2\r\n"
        "DTSTAMP:20260101T120000Z\r\n"
        "DTSTART:20260315T090000Z\r\n"
        "DTEND:20260315T170000Z\r\n"
        "SUMMARY:Seminarium w Poznaniu – Åre\r\n"
        "ORGANIZER;CN=Secretariat:mailto:events@example.org\r\n"
        "ATTENDEE;CN=Anna "
        "Öberg;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=T\r\n"
        " RUE:mailto:anna@example.se\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n";

static void test_calendar(void **state)
{
	struct cv_message m = base_msg();
	size_t len;
	char *s;

	m.ical = ics;
	m.ical_method = "REQUEST";
	m.html = "<p>Invitation</p>";
	s = build(&m, &len);
	check_lines(s, len, 78);
	py_check(s, len,
	         "import icalendar\n"
	         "assert m.get_content_type() == 'multipart/mixed'\n"
	         "top = list(m.iter_parts())\n"
	         "assert top[0].get_content_type() == 'multipart/alternative'\n"
	         "alt = list(top[0].iter_parts())\n"
	         "assert [p.get_content_type() for p in alt] == "
	         "['text/plain', 'text/html', 'text/calendar'], alt\n"
	         "cal = alt[2]\n"
	         "assert cal.get_param('method') == 'REQUEST'\n"
	         "assert cal.get_content_charset() == 'utf-8'\n"
	         "c = icalendar.Calendar.from_ical(cal.get_content())\n"
	         "assert str(c['METHOD']) == cal.get_param('method')\n"
	         "ev = c.walk('VEVENT')[0]\n"
	         "assert str(ev['UID']) == 'event-7@example.org'\n"
	         "assert int(ev['SEQUENCE']) == 2\n"
	         "assert str(ev['SUMMARY']) == 'Seminarium w Poznaniu – Åre'\n"
	         "assert str(ev['ATTENDEE']) == 'mailto:anna@example.se'\n"
	         "assert ev['ATTENDEE'].params['CN'] == 'Anna Öberg'\n"
	         "att = top[1]\n"
	         "assert att.get_content_disposition() == 'attachment'\n"
	         "assert att.get_filename() == 'invite.ics'\n"
	         "assert att['Content-Transfer-Encoding'] == 'base64'\n"
	         "body = att.get_content()\n"
	         "body = body if isinstance(body, bytes) else body.encode()\n"
	         "assert body.decode() == cal.get_content(), "
	         "(body, cal.get_content())\n"
	         "assert not m.defects\n");
	free(s);

	/* no ical_method: taken from the calendar */
	m.ical_method = NULL;
	m.html = NULL;
	s = build(&m, &len);
	assert_non_null(
	        strstr(s, "text/calendar; method=REQUEST; charset=UTF-8"));
	free(s);
}

static void test_calendar_method_mismatch(void **state)
{
	struct cv_message m = base_msg();
	char err[256];
	size_t len;

	m.ical = ics;
	m.ical_method = "CANCEL";
	assert_null(mail_out_build(&m, &sender, 0, &len, err, sizeof err));
	assert_non_null(strstr(err, "CANCEL"));
	assert_non_null(strstr(err, "REQUEST"));
	m.ical_method = "REQUEST\r\nX-Evil: 1";
	assert_null(mail_out_build(&m, &sender, 0, &len, err, sizeof err));
}

static void test_unsubscribe(void **state)
{
	struct cv_message m = base_msg();
	size_t len;
	char *s;

	m.unsubscribe_url = "https://events.example.org/u/abc123";
	s = build(&m, &len);
	py_check(s, len,
	         "assert m['List-Unsubscribe'] == "
	         "'<https://events.example.org/u/abc123>'\n"
	         "assert m['List-Unsubscribe-Post'] == "
	         "'List-Unsubscribe=One-Click'\n");
	free(s);
}

/* Expect mail_out_build to refuse M, with WHAT in the reason. */
static void refused(const struct cv_message *m, const char *what)
{
	char err[256] = "";
	size_t len;
	char *s = mail_out_build(m, &sender, 0, &len, err, sizeof err);

	if (s != NULL)
		fail_msg("accepted, expected a refusal about %s:\n%s", what, s);
	assert_non_null(strstr(err, what));
}

static void test_injection(void **state)
{
	struct cv_message m;
	static const char *const bad_addrs[] = {
	        "anna@example.se\r\nBcc: evil@example.com",
	        "anna@example.se\nBcc: evil@example.com",
	        "anna @example.se",
	        "anna@exa@mple.se",
	        "<anna@example.se>",
	        "anna@example.se,evil@example.com",
	        "anna@example.se;evil@example.com",
	        "\"anna\"@example.se",
	        "anna",
	        "@example.se",
	        "anna@",
	        "",
	        "annä@example.se",
	};

	for (size_t i = 0; i < sizeof bad_addrs / sizeof bad_addrs[0]; i++) {
		m = base_msg();
		m.recipient = bad_addrs[i];
		refused(&m, "recipient address");
	}
	m = base_msg();
	m.subject = "Hello\r\nBcc: evil@example.com";
	refused(&m, "subject");
	m.subject = "Hello\nBcc: evil@example.com";
	refused(&m, "subject");
	m.subject = "Hello\rX";
	refused(&m, "subject");
	m.subject = "bell\a";
	refused(&m, "subject");
	m.subject = "del\x7f";
	refused(&m, "subject");
	m.subject = "c1 \xc2\x85 next line";
	refused(&m, "subject");
	m.subject = "bad utf8 \xc3\x28";
	refused(&m, "subject");
	m.subject = "overlong \xc0\xaf";
	refused(&m, "subject");
	m = base_msg();
	m.recipient_name = "Anna\r\nBcc: evil@example.com";
	refused(&m, "recipient name");
	m.recipient_name = "Anna\x1b[31m";
	refused(&m, "recipient name");
	m = base_msg();
	m.message_id = "<a@b>\r\nBcc: evil@example.com";
	refused(&m, "message_id");
	m.message_id = "no-brackets@example.org";
	refused(&m, "message_id");
	m = base_msg();
	m.unsubscribe_url = "https://x/\r\nBcc: evil@example.com";
	refused(&m, "unsubscribe_url");
	m.unsubscribe_url = "https://x/> <https://evil";
	refused(&m, "unsubscribe_url");
	m = base_msg();
	m.kind = "event_reminder\r\nBcc: evil@example.com";
	refused(&m, "kind");
	m = base_msg();
	m.language = "sv\r\nBcc: evil@example.com";
	{
		size_t len;
		char *s = build(&m, &len); /* a bad language is left out */
		assert_null(strstr(s, "Content-Language"));
		assert_null(strstr(s, "Bcc"));
		free(s);
	}
}

/* Tabs are allowed in a subject but nothing can become a new header:
 * whatever was accepted parses back to exactly the input. */
static void test_no_new_headers(void **state)
{
	struct cv_message m = base_msg();
	size_t len;
	char *s;

	m.subject = "Tab\there =?UTF-8?B?SGk=?= Bcc: evil@example.com";
	m.recipient_name = "Evil <evil@example.com>, \"x\"";
	s = build(&m, &len);
	check_lines(s, len, 78);
	py_check(s, len,
	         "assert str(m['Subject']) == 'Tab\\there =?UTF-8?B?SGk=?= "
	         "Bcc: evil@example.com', repr(m['Subject'])\n"
	         "assert m['Bcc'] is None\n"
	         "a = m['To'].addresses\n"
	         "assert len(a) == 1 and a[0].addr_spec == 'anna@example.se', "
	         "a\n"
	         "assert a[0].display_name == 'Evil <evil@example.com>, "
	         "\"x\"'\n");
	free(s);
}

static void test_addr_ok(void **state)
{
	assert_true(mail_addr_ok("a.b+c@example.co.uk"));
	assert_true(mail_addr_ok("x@y"));
	assert_false(mail_addr_ok(NULL));
	assert_false(mail_addr_ok("a b@c"));
	assert_true(mail_text_ok(NULL, 10));
	assert_true(mail_text_ok("Åsa", 10));
	assert_false(mail_text_ok("Åsa Åsa Åsa", 10));
}

/* The headers every message carries, besides the addresses. */
static void test_headers(void **state)
{
	struct cv_message m = base_msg();
	size_t len;
	char *s = build(&m, &len);

	assert_non_null(strstr(s, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(s, "\r\nContent-Language: sv\r\n"));
	assert_non_null(
	        strstr(s, "\r\nX-Mailer: convened " CONVENED_VERSION "\r\n"));
	assert_non_null(
	        strstr(s, "\r\nX-Convened-Kind: registration_confirmed\r\n"));
	assert_non_null(strstr(s, "\r\nX-Convened-Outbox-Id: 42\r\n"));
	py_check(
	        s, len,
	        "assert m['Auto-Submitted'] == 'auto-generated'\n"
	        "assert m['X-Convened-Kind'] == 'registration_confirmed'\n"
	        "assert m['X-Convened-Outbox-Id'] == '42'\n"
	        "assert m['X-Mailer'].startswith('convened ')\n"
	        "assert m['Date'].datetime.timestamp() == 1700000000\n"
	        "for h in ('From', 'To', 'Subject', 'Date', 'Message-ID',\n"
	        "          'Reply-To', 'MIME-Version', 'Auto-Submitted',\n"
	        "          'Content-Language', 'X-Mailer', 'X-Convened-Kind',\n"
	        "          'X-Convened-Outbox-Id', 'Content-Type'):\n"
	        "    assert len(m.get_all(h)) == 1, h\n");
	free(s);

	/* without Reply-To, with another language */
	{
		struct mail_sender s2 = sender;
		char err[256];

		s2.reply_to = NULL;
		m.language = "pl";
		s = mail_out_build(&m, &s2, 1700000000, &len, err, sizeof err);
		assert_non_null(s);
		assert_null(strstr(s, "Reply-To"));
		assert_non_null(strstr(s, "\r\nContent-Language: pl\r\n"));
		free(s);
	}
}

/* The structure: text alone; text + html; text + calendar without html. */
static void test_structure(void **state)
{
	struct cv_message m = base_msg();
	size_t len;
	char *s;

	s = build(&m, &len);
	assert_null(strstr(s, "multipart"));
	free(s);

	m.html = "<p>Hej</p>";
	s = build(&m, &len);
	py_check(s, len,
	         "assert m.get_content_type() == 'multipart/alternative'\n"
	         "assert [p.get_content_type() for p in m.iter_parts()] == "
	         "['text/plain', 'text/html']\n"
	         "assert m.get_boundary() == '=_cv_42_alt'\n"
	         "assert not m.defects\n");
	free(s);

	m.html = NULL;
	m.ical = ics;
	m.ical_method = "REQUEST";
	s = build(&m, &len);
	py_check(s, len,
	         "assert m.get_content_type() == 'multipart/mixed'\n"
	         "top = list(m.iter_parts())\n"
	         "assert [p.get_content_type() for p in top] == "
	         "['multipart/alternative', 'application/ics']\n"
	         "alt = [p.get_content_type() for p in top[0].iter_parts()]\n"
	         "assert alt == ['text/plain', 'text/calendar'], alt\n"
	         "assert m.get_boundary() == '=_cv_42_mix'\n"
	         "assert not m.defects\n");
	free(s);
}

/* The same row gives the same bytes: nothing depends on the clock or on
 * randomness; the date and boundaries come from the caller's row. */
static void test_deterministic(void **state)
{
	struct cv_message m = base_msg();
	size_t len1, len2;
	char *a, *b;

	m.html = "<p>Hej</p>";
	m.ical = ics;
	m.ical_method = "REQUEST";
	m.unsubscribe_url = "https://events.example.org/unsubscribe/x";
	a = build(&m, &len1);
	sleep(1);
	b = build(&m, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(a, b, len1);
	free(b);
	/* another row: other boundaries and id, nothing else changes */
	m.id = 43;
	b = build(&m, &len2);
	assert_int_equal(len1, len2);
	assert_memory_not_equal(a, b, len1);
	assert_non_null(strstr(b, "=_cv_43_mix"));
	assert_null(strstr(b, "=_cv_42_"));
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain_message),
	        cmocka_unit_test(test_encoded_words),
	        cmocka_unit_test(test_ascii_subject_folds),
	        cmocka_unit_test(test_quoted_printable),
	        cmocka_unit_test(test_calendar),
	        cmocka_unit_test(test_calendar_method_mismatch),
	        cmocka_unit_test(test_unsubscribe),
	        cmocka_unit_test(test_injection),
	        cmocka_unit_test(test_no_new_headers),
	        cmocka_unit_test(test_addr_ok),
	        cmocka_unit_test(test_headers),
	        cmocka_unit_test(test_structure),
	        cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
