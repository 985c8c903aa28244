/* test_inbound_parse.c - inparse.c on every real message of
 * ../shared/fixtures/mail (iMIP replies, bounces, auto-replies, human mail;
 * CONVENED_SHARED_FIXTURES overrides the shared/fixtures folder) and on
 * synthetic bad input: empty, over the size, 10,000 parts, deep nesting,
 * a huge header, a REPLY without ATTENDEE, NUL bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <glib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inparse.h"

/* ---- the real messages ---- */

/* What the fixture README says each message is, and the facts the
 * decision needs from it.  NULL / -1 fields are not checked. */
struct expect {
	const char *dir, *file;
	enum inparse_class cls;
	/* iMIP: the first ATTENDEE */
	const char *attendee, *partstat;
	const char *method, *mime_method, *organizer, *uid;
	int sequence1; /* SEQUENCE + 1; 0 unchecked */
	/* DSN: the first recipient */
	const char *rcpt, *original, *status;
	int sev; /* enum inparse_severity, -1 unchecked */
	const char *orig_id;
	/* anything */
	const char *auto_has, *text_has, *subject, *in_reply_to;
	int structured; /* dsn_structured, -1 unchecked */
};

#define IMIP(f, c, att, ps, meth)                                              \
	.dir = "imip-reply", .file = f, .cls = c, .attendee = att,             \
	.partstat = ps, .method = meth, .sev = -1, .structured = -1
#define DSN(f, c, r, st, sv, orig, structd)                                    \
	.dir = "dsn", .file = f, .cls = c, .rcpt = r, .status = st, .sev = sv, \
	.orig_id = orig, .structured = structd
#define AUTO(f, why)                                                           \
	.dir = "autoreply", .file = f, .cls = INPARSE_AUTO_REPLY,              \
	.auto_has = why, .sev = -1, .structured = -1
#define HUMAN(f, text)                                                         \
	.dir = "human", .file = f, .cls = INPARSE_HUMAN, .text_has = text,     \
	.sev = -1, .structured = -1

static const struct expect fixtures[] = {
        /* iMIP replies */
        {IMIP("android-email-accept-base64.eml", INPARSE_IMIP_REPLY,
              "david.phan@blue-mind.net", "ACCEPTED", "REPLY"),
         .uid = "6C5861338FC94376B376095E9884760B00000000000000000000000000"
                "000000",
         .organizer = "thomas.cataldo@blue-mind.net",
         .subject = "R\xc3\xa9union accept\xc3\xa9"
                    "e\xc2\xa0: Invitation: "
                    "Bbq (iPhone)"},
        {IMIP("apple-ical3-accept-qp-nested.eml", INPARSE_IMIP_REPLY,
              "xyzzy@example.com", "ACCEPTED", "REPLY"),
         .mime_method = "", .sequence1 = 8,
         .uid = "1E71F9C8-AEDA-48EB-98D0-76E898F6BB5C",
         .organizer = "ical-living-on+d7cdf68d-8b73-4df1-ad3b-f08002fb285f@"
                      "example.com"},
        {IMIP("bluemind-mapi-outlook-accept-no-organizer.eml",
              INPARSE_IMIP_REPLY, "lucie.takvorian@blue-mind.net", "ACCEPTED",
              "REPLY"),
         .organizer = "", .uid = "a0bd6c5b-dc96-49a0-ae45-089843c839df",
         .text_has = "Je teste les r\xc3\xa9ponses outlook"},
        {IMIP("gmail-accept.eml", INPARSE_IMIP_REPLY, "tcataldo@gmail.com",
              "ACCEPTED", "REPLY"),
         .mime_method = "REPLY", .auto_has = "Auto-Submitted",
         .uid = "14ef516ad2e6ce325d5c8efcf9d7ddbfa30f9d15"},
        {IMIP("gmail-decline.eml", INPARSE_IMIP_REPLY, "tcataldo@gmail.com",
              "DECLINED", "REPLY"),
         .auto_has = "Auto-Submitted",
         .uid = "14ef516ad2e6ce325d5c8efcf9d7ddbfa30f9d15"},
        {IMIP("gmail-counter-mime-says-reply.eml", INPARSE_IMIP_COUNTER,
              "max@gmail.com", "TENTATIVE", "COUNTER"),
         .mime_method = "REPLY", .uid = "36da4919-6cf5-4ce9-aa18-6e56c1da2298"},
        {IMIP("ios-iphone3-accept-with-comment.eml", INPARSE_IMIP_REPLY,
              "admin@willow.vmw", "ACCEPTED", "REPLY"),
         .uid = "b84ce20", .organizer = "tom@willow.vmw"},
        {IMIP("ios-iphone3-tentative.eml", INPARSE_IMIP_REPLY,
              "admin@willow.vmw", "TENTATIVE", "REPLY"),
         .uid = "5b596379",
         .subject = "Peut-\xc3\xaatre\xc2\xa0: A \"tentative\""},
        {IMIP("outlook-mac-2011-accept.eml", INPARSE_IMIP_REPLY,
              "admin@willow.vmw", "ACCEPTED", "REPLY"),
         .organizer = "tom@willow.vmw",
         .uid = "f1394aba7ca8b9474af204a4d88934b7c7aa2191"},
        {IMIP("outlook-mac-2011-decline.eml", INPARSE_IMIP_REPLY,
              "tom@willow.vmw", "DECLINED", "REPLY"),
         .uid = "F3B82EDE-26A7-48AF-B90C-3F99A005964C"},
        {IMIP("thunderbird-lightning-accept.eml", INPARSE_IMIP_REPLY,
              "tine20admin@caldav.net", "ACCEPTED", "REPLY"),
         .organizer = "l.kneschke@caldav.org",
         .uid = "4f0162146d61cb2c06cbe2abf94636f4526abe16"},

        /* delivery reports */
        {DSN("amazonses-5.1.1.eml", INPARSE_DSN_FAILED,
             "bounce@simulator.amazonses.com", "5.1.1", INPARSE_SEV_HARD,
             "<01010157b3c0c026-110cf920-4be1-4c36-87c0-1f48d0cc6639-000000@"
             "us-west-2.amazonses.com>",
             1)},
        {DSN("aol-5.2.2-mailbox-full.eml", INPARSE_DSN_FAILED, "user@aol.com",
             "5.2.2", INPARSE_SEV_HARD, "<4E326A95.3010907@example.com>", 1)},
        {DSN("bluemind-ndr-fr-malformed-delivery-status.eml",
             INPARSE_DSN_FAILED, "weer@bm4.devenv.blue", "5.1.1",
             INPARSE_SEV_HARD,
             "<Mime4j.17.ad0689fbb4955386.17bdf409fbe@mapi.bluemind.net>", 1)},
        {DSN("exchange2007-5.1.1.eml", INPARSE_DSN_FAILED,
             "mikeneko@example.co.jp", "5.1.1", INPARSE_SEV_HARD, NULL, 1)},
        {DSN("exim-550-no-dsn-part.eml", INPARSE_DSN_FAILED,
             "kijitora@example.ed.jp", "5.7.0", INPARSE_SEV_HARD,
             "<E1P1ce6-000Egt-GZ@e1.example.org>", 0)},
        {DSN("exim-delay-warning-24h.eml", INPARSE_DSN_DELAYED,
             "kijitora@example.co.jp", "4.0.0", INPARSE_SEV_SOFT, NULL, 0)},
        {DSN("gmail-mailer-daemon-5.1.1-plain.eml", INPARSE_DSN_FAILED,
             "userunknown@example.jp", "5.1.1", INPARSE_SEV_HARD,
             "<D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com>", 0)},
        {DSN("groupwise-undeliverable-plain.eml", INPARSE_DSN_FAILED,
             "recipient@example.net", "", INPARSE_SEV_HARD, NULL, 0)},
        {DSN("office365-5.1.10-iso2022jp.eml", INPARSE_DSN_FAILED,
             "kijitora-nyaan@neko.kyoto.example.jp", "5.1.10", INPARSE_SEV_HARD,
             NULL, 1),
         .subject = "Undeliverable: \xe3\x81\xab\xe3\x82\x83\xe3\x83\xbc"
                    "\xe3\x82\x93"},
        {DSN("opensmtpd-4.4.7-delayed.eml", INPARSE_DSN_DELAYED,
             "nekochan@libsisimai.org", "4.4.7", INPARSE_SEV_SOFT,
             "<201612140903.uBE938DJ094645@nyaan.example.jp>", 1)},
        {DSN("outlookcom-4.4.7-delayed.eml", INPARSE_DSN_DELAYED,
             "kijitora@example.com", "4.4.7", INPARSE_SEV_SOFT,
             "<BAY182-W4180385B0DABF89EB94B34A9300@phx.gbl>", 1)},
        {DSN("postfix-4.4.1-action-failed.eml", INPARSE_DSN_FAILED,
             "kijitora@example.com", "4.4.1", INPARSE_SEV_HARD,
             "<143E20AB-3911-4809-8B49-BB1A17513571@mail.ru>", 1)},
        {DSN("postfix-5.1.1-user-unknown.eml", INPARSE_DSN_FAILED,
             "r@p351355.pool.example.ne.jp", "5.1.1", INPARSE_SEV_HARD, NULL,
             1),
         .original = "kijitora@example.org"},
        {DSN("postfix-google-mx-5.1.1-boundary-mismatch.eml",
             INPARSE_DSN_FAILED, "neko-nyaan@example.org", "5.1.1",
             INPARSE_SEV_HARD,
             "<2018042233445.A95F8E533589@mail.example.co.jp>", 1)},
        {DSN("postfix-symantec-bounce-of-itip-request.eml", INPARSE_DSN_FAILED,
             "nonexistant@example.com", "5.1.1", INPARSE_SEV_HARD,
             "<20080812191939.51369.1538816694.0@plugh.example.com>", 1)},
        {DSN("qmail-failure-notice.eml", INPARSE_DSN_FAILED,
             "kijitora@example.ne.jp", "5.5.0", INPARSE_SEV_HARD,
             "<000000000.9999999999999.JavaMail.postmaster@mailhub>", 0)},
        {DSN("sendmail-5.1.1.eml", INPARSE_DSN_FAILED,
             "userunknown@bouncehammer.jp", "5.1.1", INPARSE_SEV_HARD,
             "<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>", 1)},
        {DSN("sendmail-warning-4.5.0-delayed.eml", INPARSE_DSN_DELAYED,
             "this-local-part-does-not-exist-on-the-system@y-mobile.ne.jp",
             "4.5.0", INPARSE_SEV_SOFT,
             "<54341A75-5EF4-4F06-9C5D-56D36A9283FC@example.jp>", 1)},
        {DSN("sonicwall-relayed-2.0.0-not-a-failure.eml", INPARSE_DSN_SUCCESS,
             "riquette.maurice-madelon@fortdefrance.fr", "2.0.0",
             INPARSE_SEV_SUCCESS,
             "<0321fe5089246f66ee597a2cdcc2e989@laforet.local>", 1)},
        {DSN("yahoo-failure-notice.eml", INPARSE_DSN_FAILED,
             "kijitora@example.org", "5.1.1", INPARSE_SEV_HARD,
             "<6AE6249A-E7A8-4980-862C-F499F6B8E7C5@y.example.co.jp>", 0)},

        /* auto-replies */
        {AUTO("aol-vacation-auto-submitted.eml",
              "Auto-Submitted: auto-replied")},
        {AUTO("domino-out-of-office-no-auto-submitted.eml", "AUTO:")},
        {AUTO("exchange-automatic-reply-no-auto-submitted.eml",
              "X-Auto-Response-Suppress")},
        {AUTO("exim-auto-submitted-away.eml", "Auto-Submitted: auto-replied")},
        {AUTO("icloud-vacation-no-auto-submitted.eml",
              "X-Apple-Action: VACATION"),
         .in_reply_to =
                 "<25203A4E-F90F-4A14-BF51-3E7B9D39BE8E@libsisimai.org>"},
        {AUTO("mimecast-mailbox-retired-multipart.eml",
              "Auto-Submitted: auto-replied")},

        /* human mail */
        {HUMAN("android-gmail-reply-base64.eml",
               "\xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe\xd0\xb2"
               "\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c")},
        {HUMAN("apple-mail-8-reply.eml", "Hello"),
         .in_reply_to = "<CABzQGhkMXDxUt_tSVQcg=43aniUhtsVfCZVzu-PG0kwS_"
                        "uzqMw@mail.gmail.com>"},
        {HUMAN("gmail-reply-quoted.eml", "Hello")},
        {HUMAN("outlook-2010-reply-html.eml", "Hello")},
        {HUMAN("outlook-tnef-winmail-dat.eml", NULL),
         .subject = "tnef example"},
        {HUMAN("plain-utf8-japanese-not-a-reply.eml",
               "\xe3\x81\xab\xe3\x82\x83\xe3\x83\xbc")},
        {HUMAN("thunderbird-3-reply-flowed.eml", "Hello")},
};

static const char *const fixture_dirs[] = {"imip-reply", "dsn", "autoreply",
                                           "human"};

/* The mail fixtures folder, or NULL (with a loud message) when absent. */
static const char *mail_dir(void)
{
	static char path[4096];
	const char *base = getenv("CONVENED_SHARED_FIXTURES");
	struct stat st;

	snprintf(path, sizeof(path), "%s/mail",
	         base && *base ? base : "../shared/fixtures");
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return path;
}

static void skip_loudly(const char *what)
{
	fprintf(stderr,
	        "*** SKIPPED %s: fixture folder missing (looked for "
	        "$CONVENED_SHARED_FIXTURES/mail or ../shared/fixtures/mail "
	        "from %s)\n",
	        what, getenv("PWD") ? getenv("PWD") : ".");
	skip();
}

static char *read_file(const char *path, size_t *len)
{
	gchar *data = NULL;
	gsize n = 0;

	if (!g_file_get_contents(path, &data, &n, NULL))
		return NULL;
	*len = n;
	return data;
}

/* No control characters (but newline and tab when MULTILINE), valid UTF-8. */
static void assert_clean(const char *s, int multiline)
{
	if (s == NULL)
		return;
	assert_true(g_utf8_validate(s, -1, NULL));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (multiline && (*p == '\n' || *p == '\t'))
			continue;
		assert_true(*p >= 0x20 && *p != 0x7f);
	}
}

static void assert_result_clean(const struct inparse_result *r)
{
	assert_true(r->reason[0] != '\0');
	assert_clean(r->message_id, 0);
	assert_clean(r->from, 0);
	assert_clean(r->from_name, 0);
	assert_clean(r->subject, 0);
	assert_clean(r->text, 1);
	assert_clean(r->auto_reason, 0);
	for (size_t i = 0; i < r->nattendees; i++) {
		assert_clean(r->attendees[i].address, 0);
		assert_null(strpbrk(r->attendees[i].address, " \t\r\n"));
		assert_clean(r->attendees[i].partstat, 0);
		assert_clean(r->attendees[i].name, 0);
	}
	for (size_t i = 0; i < r->nrcpts; i++) {
		assert_clean(r->rcpts[i].address, 0);
		assert_clean(r->rcpts[i].status, 0);
		assert_clean(r->rcpts[i].action, 0);
		assert_clean(r->rcpts[i].diagnostic, 0);
	}
}

static int parse_file(const char *path, struct inparse_result *r)
{
	char err[128];
	size_t len = 0;
	char *raw = read_file(path, &len);
	int rc;

	if (raw == NULL)
		fail_msg("cannot read %s", path);
	rc = inparse_message(raw, len, NULL, r, err, sizeof(err));
	g_free(raw);
	return rc;
}

static void check_str(const char *what, const char *want, const char *got)
{
	if (want == NULL)
		return;
	if (want[0] == '\0' && got == NULL)
		return; /* "" expects absent */
	if (got == NULL || strcmp(want, got) != 0)
		fail_msg("%s: want \"%s\", got \"%s\"", what, want,
		         got ? got : "(null)");
}

static void test_fixture(void **state)
{
	const struct expect *e = *state;
	const char *dir = mail_dir();
	char path[4096];
	struct inparse_result r;

	if (dir == NULL) {
		skip_loudly(e->file);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, e->dir, e->file);
	assert_int_equal(parse_file(path, &r), 0);
	assert_result_clean(&r);
	if (r.cls != e->cls)
		fail_msg("%s: class %s, want %s (%s)", e->file,
		         inparse_class_name(r.cls), inparse_class_name(e->cls),
		         r.reason);
	/* anything but human mail is never to be answered */
	assert_int_equal(r.is_automatic, e->cls != INPARSE_HUMAN);
	if (e->attendee) {
		assert_true(r.nattendees >= 1);
		check_str("attendee", e->attendee, r.attendees[0].address);
		check_str("partstat", e->partstat, r.attendees[0].partstat);
		assert_true(r.dtstamp > 0);
	}
	check_str("method", e->method, r.method);
	check_str("mime method", e->mime_method, r.mime_method);
	check_str("organizer", e->organizer, r.organizer);
	check_str("uid", e->uid, r.uid);
	if (e->sequence1 > 0)
		assert_int_equal(r.sequence, e->sequence1 - 1);
	if (e->rcpt) {
		assert_true(r.nrcpts >= 1);
		check_str("recipient", e->rcpt, r.rcpts[0].address);
		check_str("original recipient", e->original,
		          r.rcpts[0].original);
		check_str("status", e->status, r.rcpts[0].status);
		if (e->sev >= 0)
			assert_int_equal(r.rcpts[0].severity, e->sev);
		/* the id of convened's own mail is how the outbox row is
		 * found: present when the returned message carries one */
		check_str("original Message-ID", e->orig_id ? e->orig_id : "",
		          r.orig_message_id);
		if (e->orig_id == NULL)
			assert_null(r.orig_message_id);
	}
	if (e->structured >= 0)
		assert_int_equal(r.dsn_structured, e->structured);
	if (e->auto_has) {
		assert_non_null(r.auto_reason);
		if (strstr(r.auto_reason, e->auto_has) == NULL)
			fail_msg("auto_reason \"%s\" lacks \"%s\"",
			         r.auto_reason, e->auto_has);
	}
	if (e->text_has) {
		assert_non_null(r.text);
		if (strstr(r.text, e->text_has) == NULL)
			fail_msg("text lacks \"%s\"", e->text_has);
	}
	check_str("subject", e->subject, r.subject);
	check_str("In-Reply-To", e->in_reply_to, r.in_reply_to);
	if (e->cls == INPARSE_HUMAN || e->cls == INPARSE_AUTO_REPLY)
		assert_int_equal(r.nrcpts, 0);
	assert_non_null(r.from);
	inparse_result_free(&r);
}

/* Every file in the four folders has an expectation above: a new fixture
 * cannot go untested. */
static void test_every_fixture_listed(void **state)
{
	const char *dir = mail_dir();
	size_t seen = 0;

	(void)state;
	if (dir == NULL) {
		skip_loudly("every-fixture-listed");
		return;
	}
	for (size_t d = 0; d < G_N_ELEMENTS(fixture_dirs); d++) {
		char path[4096];
		DIR *dh;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/%s", dir, fixture_dirs[d]);
		dh = opendir(path);
		assert_non_null(dh);
		while ((de = readdir(dh)) != NULL) {
			size_t i;

			if (de->d_name[0] == '.')
				continue;
			for (i = 0; i < G_N_ELEMENTS(fixtures); i++)
				if (strcmp(fixtures[i].dir, fixture_dirs[d]) ==
				            0 &&
				    strcmp(fixtures[i].file, de->d_name) == 0)
					break;
			if (i == G_N_ELEMENTS(fixtures))
				fail_msg("fixture %s/%s has no expectation",
				         fixture_dirs[d], de->d_name);
			seen++;
		}
		closedir(dh);
	}
	assert_int_equal(seen, G_N_ELEMENTS(fixtures));
}

/* The bounce of an invitation carries a REQUEST with PARTSTAT lines in its
 * returned message: none of it may surface as a reply. */
static void test_bounce_of_request_is_no_reply(void **state)
{
	const char *dir = mail_dir();
	char path[4096];
	struct inparse_result r;

	(void)state;
	if (dir == NULL) {
		skip_loudly("bounce-of-request");
		return;
	}
	snprintf(path, sizeof(path),
	         "%s/dsn/postfix-symantec-bounce-of-itip-request.eml", dir);
	assert_int_equal(parse_file(path, &r), 0);
	assert_int_equal(r.cls, INPARSE_DSN_FAILED);
	assert_int_equal(r.nattendees, 0);
	assert_null(r.method);
	assert_null(r.uid);
	inparse_result_free(&r);
}

/* ---- synthetic messages ---- */

static struct inparse_result parse_str(const char *s, size_t len,
                                       const struct inparse_limits *lim)
{
	struct inparse_result r;
	char err[128];

	assert_int_equal(inparse_message(s, len, lim, &r, err, sizeof(err)), 0);
	assert_result_clean(&r);
	return r;
}

#define PARSE(s) parse_str((s), strlen(s), NULL)

static void test_empty(void **state)
{
	struct inparse_result r = parse_str("", 0, NULL);

	(void)state;
	assert_int_equal(r.cls, INPARSE_MALFORMED);
	assert_non_null(strstr(r.reason, "empty"));
	inparse_result_free(&r);
	r = parse_str(NULL, 0, NULL);
	assert_int_equal(r.cls, INPARSE_MALFORMED);
	inparse_result_free(&r);
}

static void test_over_size_limit(void **state)
{
	struct inparse_limits lim = {.max_bytes = 100};
	const char *msg = "From: a@example.org\r\nSubject: x\r\n\r\n"
	                  "0123456789012345678901234567890123456789"
	                  "0123456789012345678901234567890123456789\r\n";
	struct inparse_result r = parse_str(msg, strlen(msg), &lim);

	(void)state;
	assert_int_equal(r.cls, INPARSE_MALFORMED);
	assert_non_null(strstr(r.reason, "over the limit"));
	assert_null(r.from); /* refused before anything was read */
	inparse_result_free(&r);
}

/* A multipart/mixed with N empty text parts, nested DEPTH deep. */
static GString *multipart(size_t n, size_t depth)
{
	GString *s = g_string_new("From: a@example.org\r\nSubject: parts\r\n"
	                          "MIME-Version: 1.0\r\n");

	for (size_t d = 0; d < depth; d++)
		g_string_append_printf(
		        s,
		        "Content-Type: multipart/mixed; boundary=\"b%zu\"\r\n"
		        "\r\n--b%zu\r\n",
		        d, d);
	g_string_append_printf(
	        s, "Content-Type: multipart/mixed; boundary=\"leaf\"\r\n\r\n");
	for (size_t i = 0; i < n; i++)
		g_string_append(s, "--leaf\r\nContent-Type: text/plain\r\n"
		                   "\r\npart\r\n");
	g_string_append(s, "--leaf--\r\n");
	for (size_t d = depth; d > 0; d--)
		g_string_append_printf(s, "--b%zu--\r\n", d - 1);
	return s;
}

static void test_ten_thousand_parts(void **state)
{
	GString *s = multipart(10000, 0);
	struct inparse_result r = parse_str(s->str, s->len, NULL);

	(void)state;
	assert_int_equal(r.cls, INPARSE_MALFORMED);
	assert_non_null(strstr(r.reason, "MIME parts"));
	inparse_result_free(&r);
	g_string_free(s, TRUE);
}

/* Under the boundary pre-count, the walk itself counts the parts. */
static void test_part_limit_in_tree(void **state)
{
	struct inparse_limits lim = {.max_parts = 8};
	GString *s = multipart(9, 0);
	struct inparse_result r = parse_str(s->str, s->len, &lim);

	(void)state;
	assert_int_equal(r.cls, INPARSE_MALFORMED);
	assert_non_null(strstr(r.reason, "more than 8 MIME parts"));
	inparse_result_free(&r);
	g_string_free(s, TRUE);

	s = multipart(3, 0); /* 1 multipart + 3 parts: within 8 */
	r = parse_str(s->str, s->len, &lim);
	assert_int_equal(r.cls, INPARSE_HUMAN);
	inparse_result_free(&r);
	g_string_free(s, TRUE);
}

static void test_deep_nesting(void **state)
{
	GString *s = multipart(1, 200);
	struct inparse_result r = parse_str(s->str, s->len, NULL);

	(void)state;
	assert_int_equal(r.cls, INPARSE_MALFORMED);
	assert_non_null(strstr(r.reason, "nesting"));
	inparse_result_free(&r);
	g_string_free(s, TRUE);
}

static void test_huge_header(void **state)
{
	GString *s = g_string_new("From: a@example.org\r\nSubject: ");

	(void)state;
	for (int i = 0; i < 200000; i++)
		g_string_append(s, "long subject ");
	g_string_append(s, "\r\nX-Filler: ");
	for (int i = 0; i < 100000; i++)
		g_string_append(s, "x\r\n ");
	g_string_append(s, "end\r\n\r\nHello\r\n");
	struct inparse_result r = parse_str(s->str, s->len, NULL);
	assert_int_equal(r.cls, INPARSE_HUMAN);
	assert_non_null(r.subject);
	assert_true(strlen(r.subject) <= 512);
	assert_int_equal(strncmp(r.subject, "long subject long", 17), 0);
	assert_string_equal(r.text, "Hello\n");
	inparse_result_free(&r);
	g_string_free(s, TRUE);
}

static const char reply_head[] = "From: Anna <anna@example.se>\r\n"
                                 "To: events+tok123@convened.example.org\r\n"
                                 "Subject: Accepted: Seminar\r\n"
                                 "Message-ID: <r1@example.se>\r\n"
                                 "MIME-Version: 1.0\r\n";

static void test_reply_without_attendee(void **state)
{
	char *msg = g_strconcat(reply_head,
	                        "Content-Type: text/calendar; method=REPLY\r\n"
	                        "\r\n"
	                        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	                        "METHOD:REPLY\r\nBEGIN:VEVENT\r\n"
	                        "UID:ev-1@convened\r\nSEQUENCE:2\r\n"
	                        "DTSTAMP:20270101T100000Z\r\n"
	                        "END:VEVENT\r\nEND:VCALENDAR\r\n",
	                        NULL);
	struct inparse_result r = PARSE(msg);

	(void)state;
	assert_int_equal(r.cls, INPARSE_MALFORMED);
	assert_non_null(strstr(r.reason, "without ATTENDEE"));
	assert_string_equal(r.uid, "ev-1@convened");
	assert_int_equal(r.sequence, 2);
	assert_int_equal(r.dtstamp, 1798797600);
	assert_true(r.is_automatic);
	inparse_result_free(&r);
	g_free(msg);
}

/* Gmail-style: the REPLY only as an attachment, no method= parameter,
 * base64; DELEGATED with DELEGATED-TO; a RECURRENCE-ID with a zone. */
static void test_reply_attachment_delegated(void **state)
{
	const char *cal =
	        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n"
	        "BEGIN:VEVENT\r\nUID:ev-7@convened\r\nSEQUENCE:3\r\n"
	        "DTSTAMP:20270101T100000Z\r\n"
	        "RECURRENCE-ID;TZID=Europe/Rome:20270301T090000\r\n"
	        "ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:Bo@Ex\r\n"
	        "\tample.SE\":mailto:Anna@Example.SE\r\n"
	        "COMMENT:Bo goes instead\r\n"
	        "END:VEVENT\r\nEND:VCALENDAR\r\n";
	gchar *b64 = g_base64_encode((const guchar *)cal, strlen(cal));
	char *msg = g_strconcat(
	        reply_head,
	        "Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\n"
	        "--xx\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
	        "--xx\r\nContent-Type: application/octet-stream; "
	        "name=\"invite.ics\"\r\n"
	        "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\n",
	        b64, "\r\n--xx--\r\n", NULL);
	struct inparse_result r = PARSE(msg);

	(void)state;
	assert_int_equal(r.cls, INPARSE_IMIP_REPLY);
	assert_null(r.mime_method);
	assert_string_equal(r.method, "REPLY");
	assert_int_equal(r.nattendees, 1);
	assert_string_equal(r.attendees[0].address, "anna@example.se");
	assert_string_equal(r.attendees[0].partstat, "DELEGATED");
	assert_string_equal(r.attendees[0].delegated_to, "bo@example.se");
	assert_string_equal(r.recurrence_id, "20270301T090000");
	assert_string_equal(r.recurrence_tzid, "Europe/Rome");
	assert_string_equal(r.comment, "Bo goes instead");
	assert_int_equal(r.sequence, 3);
	assert_null(r.organizer);
	assert_string_equal(r.text, "See attached.");
	assert_string_equal(r.from, "anna@example.se");
	assert_string_equal(r.from_name, "Anna");
	assert_string_equal(r.message_id, "<r1@example.se>");
	inparse_result_free(&r);
	g_free(msg);
	g_free(b64);
}

/* A forwarded invitation (message/rfc822 holding a REQUEST) is human mail:
 * what a forwarded message holds is not this message's calendar. */
static void test_forwarded_invitation_is_human(void **state)
{
	const char *msg =
	        "From: boss@example.it\r\nSubject: Fwd: Seminar\r\n"
	        "MIME-Version: 1.0\r\n"
	        "Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n"
	        "--f\r\nContent-Type: text/plain\r\n\r\nPlease go.\r\n"
	        "--f\r\nContent-Type: message/rfc822\r\n\r\n"
	        "From: events@convened.example.org\r\nSubject: Seminar\r\n"
	        "Message-ID: <outbox-9.ab@convened.example.org>\r\n"
	        "Content-Type: text/calendar; method=REPLY\r\n\r\n"
	        "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:u\r\n"
	        "ATTENDEE;PARTSTAT=DECLINED:mailto:x@example.it\r\n"
	        "END:VEVENT\r\nEND:VCALENDAR\r\n"
	        "--f--\r\n";
	struct inparse_result r = PARSE(msg);

	(void)state;
	assert_int_equal(r.cls, INPARSE_HUMAN);
	assert_int_equal(r.nattendees, 0);
	assert_false(r.is_automatic);
	assert_string_equal(r.text, "Please go.");
	inparse_result_free(&r);
}

/* convened's own Message-ID in a text/rfc822-headers part names the
 * outbox row; Original-Recipient before Final-Recipient; no blank line
 * between two recipients. */
static void test_dsn_headers_part(void **state)
{
	const char *msg =
	        "From: MAILER-DAEMON@mx.example.net\r\n"
	        "Subject: Undelivered Mail Returned to Sender\r\n"
	        "MIME-Version: 1.0\r\n"
	        "Content-Type: multipart/report; report-type=delivery-status;"
	        " boundary=\"r\"\r\n\r\n"
	        "--r\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n"
	        "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
	        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
	        "Original-Recipient: rfc822;Anna@Kommun.SE\r\n"
	        "Final-Recipient: rfc822; anna.berg@kommun.se\r\n"
	        "Action: failed\r\nStatus: 5.0.0\r\n"
	        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
	        "Final-Recipient: rfc822; bo@kommun.se\r\n"
	        "Action: delayed\r\nStatus: 4.2.2 (mailbox full)\r\n\r\n"
	        "--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	        "From: events@convened.example.org\r\n"
	        "Message-ID: <outbox-42.0123456789abcdef@convened.example.org>"
	        "\r\nSubject: Reminder\r\n\r\n"
	        "--r--\r\n";
	struct inparse_result r = PARSE(msg);

	(void)state;
	assert_int_equal(r.cls, INPARSE_DSN_FAILED);
	assert_true(r.dsn_structured);
	assert_int_equal(r.nrcpts, 2);
	assert_string_equal(r.rcpts[0].address, "anna.berg@kommun.se");
	assert_string_equal(r.rcpts[0].original, "anna@kommun.se");
	/* 5.0.0 refined by the diagnostic's 5.1.1 */
	assert_string_equal(r.rcpts[0].status, "5.1.1");
	assert_int_equal(r.rcpts[0].severity, INPARSE_SEV_HARD);
	assert_string_equal(r.rcpts[1].address, "bo@kommun.se");
	assert_null(r.rcpts[1].original);
	assert_string_equal(r.rcpts[1].status, "4.2.2");
	assert_string_equal(r.rcpts[1].action, "delayed");
	assert_int_equal(r.rcpts[1].severity, INPARSE_SEV_SOFT);
	assert_string_equal(
	        r.orig_message_id,
	        "<outbox-42.0123456789abcdef@convened.example.org>");
	assert_true(r.is_automatic);
	inparse_result_free(&r);
}

static void test_auto_subjects_and_headers(void **state)
{
	static const struct {
		const char *headers;
		enum inparse_class cls;
	} cases[] = {
	        {"Subject: Automatiskt svar: Seminarium\r\n",
	         INPARSE_AUTO_REPLY},
	        {"Subject: =?UTF-8?Q?Odpowied=C5=BA_automatyczna:_x?=\r\n",
	         INPARSE_AUTO_REPLY},
	        {"Subject: Risposta automatica: x\r\n", INPARSE_AUTO_REPLY},
	        {"Subject: Re: x\r\nPrecedence: junk\r\n", INPARSE_AUTO_REPLY},
	        {"Subject: Re: x\r\nX-Autoreply: yes\r\n", INPARSE_AUTO_REPLY},
	        {"Subject: Re: x\r\nX-Autorespond: x\r\n", INPARSE_AUTO_REPLY},
	        {"Subject: Re: x\r\nReturn-Path: <>\r\n", INPARSE_AUTO_REPLY},
	        {"Subject: Re: x\r\nAuto-Submitted: no\r\n", INPARSE_HUMAN},
	        {"Subject: Re: x\r\nPrecedence: list\r\n", INPARSE_HUMAN},
	        {"Subject: Re: automatic transmission\r\n", INPARSE_HUMAN},
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *msg =
		        g_strconcat("From: p@example.pl\r\n", cases[i].headers,
		                    "\r\nTekst\r\n", NULL);
		struct inparse_result r = PARSE(msg);

		if (r.cls != cases[i].cls)
			fail_msg("case %zu (%s): %s", i, cases[i].headers,
			         inparse_class_name(r.cls));
		assert_int_equal(r.is_automatic, cases[i].cls != INPARSE_HUMAN);
		inparse_result_free(&r);
		g_free(msg);
	}
}

static void test_html_only_and_nul_bytes(void **state)
{
	static const char html[] =
	        "From: a@example.es\r\nSubject: Re: x\r\n"
	        "Content-Type: text/html; charset=iso-8859-1\r\n\r\n"
	        "<html><head><style>p{}</style></head><body>"
	        "<p>S\xed, voy&nbsp;&amp; <b>gracias</b></p>"
	        "<script>alert(1)</script><div>Adi&#243;s</div>\0\x01</body>";
	struct inparse_result r = parse_str(html, sizeof(html) - 1, NULL);

	(void)state;
	assert_int_equal(r.cls, INPARSE_HUMAN);
	assert_non_null(strstr(r.text, "S\xc3\xad, voy\xc2\xa0& gracias"));
	assert_non_null(strstr(r.text, "Adi\xc3\xb3s"));
	assert_null(strstr(r.text, "alert"));
	assert_null(strstr(r.text, "p{}"));
	inparse_result_free(&r);
}

static void test_text_truncated(void **state)
{
	struct inparse_limits lim = {.max_text = 100};
	GString *s = g_string_new("From: a@example.fi\r\nSubject: pitkä\r\n"
	                          "Content-Type: text/plain; charset=utf-8\r\n"
	                          "\r\n");
	struct inparse_result r;

	(void)state;
	for (int i = 0; i < 100; i++)
		g_string_append(s, "\xc3\xa4\xc3\xb6"); /* äö */
	r = parse_str(s->str, s->len, &lim);
	assert_int_equal(r.cls, INPARSE_HUMAN);
	assert_true(r.text_truncated);
	assert_true(strlen(r.text) <= 100);
	assert_true(strlen(r.text) >= 96);
	inparse_result_free(&r);
	g_string_free(s, TRUE);
}

/* Garbage of every kind is classified, never crashes. */
static void test_garbage(void **state)
{
	static const char *const inputs[] = {
	        "\0\0\0\0",
	        "no header at all, just words\n",
	        ":\n:\n\n",
	        "Content-Type: multipart/mixed; "
	        "boundary=\"\"\r\n\r\n--\r\n--\r\n",
	        "Content-Type: multipart/report\r\n\r\n--a\r\n--a--\r\n",
	        "Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n",
	        "Content-Type: message/delivery-status\r\n\r\n"
	        "Final-Recipient: \r\nAction:\r\nStatus: 9.9.9\r\n",
	        "Content-Type: message/rfc822\r\n\r\nContent-Type: "
	        "message/rfc822\r\n\r\n",
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(inputs); i++) {
		size_t len = i == 0 ? 4 : strlen(inputs[i]);
		struct inparse_result r = parse_str(inputs[i], len, NULL);

		assert_true(r.cls <= INPARSE_DSN_SUCCESS);
		inparse_result_free(&r);
	}
}

/* Two threads parse the same messages at once and get the same facts. */
static void *thread_main(void *arg)
{
	const char *dir = arg;
	long same = 0;

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < G_N_ELEMENTS(fixtures); i++) {
			char path[4096];
			struct inparse_result r;

			snprintf(path, sizeof(path), "%s/%s/%s", dir,
			         fixtures[i].dir, fixtures[i].file);
			if (parse_file(path, &r) == 0 &&
			    r.cls == fixtures[i].cls)
				same++;
			inparse_result_free(&r);
		}
	return (void *)same;
}

static void test_threads(void **state)
{
	const char *dir = mail_dir();
	pthread_t t[2];
	void *res[2];

	(void)state;
	if (dir == NULL) {
		skip_loudly("threads");
		return;
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(
		        pthread_create(&t[i], NULL, thread_main, (void *)dir),
		        0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &res[i]), 0);
		assert_int_equal((long)res[i],
		                 3 * (long)G_N_ELEMENTS(fixtures));
	}
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	        cmocka_unit_test(test_every_fixture_listed),
	        cmocka_unit_test(test_bounce_of_request_is_no_reply),
	        cmocka_unit_test(test_empty),
	        cmocka_unit_test(test_over_size_limit),
	        cmocka_unit_test(test_ten_thousand_parts),
	        cmocka_unit_test(test_part_limit_in_tree),
	        cmocka_unit_test(test_deep_nesting),
	        cmocka_unit_test(test_huge_header),
	        cmocka_unit_test(test_reply_without_attendee),
	        cmocka_unit_test(test_reply_attachment_delegated),
	        cmocka_unit_test(test_forwarded_invitation_is_human),
	        cmocka_unit_test(test_dsn_headers_part),
	        cmocka_unit_test(test_auto_subjects_and_headers),
	        cmocka_unit_test(test_html_only_and_nul_bytes),
	        cmocka_unit_test(test_text_truncated),
	        cmocka_unit_test(test_garbage),
	        cmocka_unit_test(test_threads),
	};
	size_t nfix = G_N_ELEMENTS(fixtures), n = G_N_ELEMENTS(fixed) + nfix;
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	char **names = calloc(nfix, sizeof(*names));
	int rc;

	if (tests == NULL || names == NULL)
		return 1;
	inparse_init();
	if (mail_dir() == NULL)
		fprintf(stderr,
		        "*** test_inbound_parse: NO MAIL FIXTURES - the %zu "
		        "real-message tests are SKIPPED, not passed ***\n",
		        nfix + 3);
	for (size_t i = 0; i < nfix; i++) {
		names[i] = g_strdup_printf("fixture %s/%s", fixtures[i].dir,
		                           fixtures[i].file);
		tests[i].name = names[i];
		tests[i].test_func = test_fixture;
		tests[i].initial_state = (void *)&fixtures[i];
	}
	memcpy(tests + nfix, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("inbound_parse", tests, n, NULL, NULL);
	for (size_t i = 0; i < nfix; i++)
		g_free(names[i]);
	free(names);
	free(tests);
	inparse_shutdown();
	return rc;
}
