/* test_inbound_facts.c - inbound_facts_json: every field of struct
 * inparse_result under its own name, the SQL decision's input (issue 13):
 * a synthetic iMIP REPLY and a delivery report through the real parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "inparse.h"

static const char reply[] =
        "From: Anna Berg <Anna@Example.SE>\r\n"
        "To: reply+tok@convened.test\r\n"
        "Subject: Accepted: Seminar\r\n"
        "Message-ID: <r1@example.se>\r\n"
        "In-Reply-To: <outbox-7.x@convened.test>\r\n"
        "References: <a@x> <outbox-7.x@convened.test>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/calendar; method=REPLY; charset=utf-8\r\n"
        "\r\n"
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        "METHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:ev-42@convened.test\r\n"
        "SEQUENCE:3\r\nDTSTAMP:20270101T120000Z\r\n"
        "DTSTART:20270301T090000Z\r\n"
        "ATTENDEE;PARTSTAT=DECLINED;CN=Anna Berg:mailto:anna@example.se\r\n"
        "COMMENT:Sorry\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

static json_t *facts_of(const char *raw)
{
	struct inparse_result r;
	char err[128];
	json_t *j;
	char *s;

	memset(&r, 0, sizeof(r));
	assert_int_equal(
	        inparse_message(raw, strlen(raw), NULL, &r, err, sizeof(err)),
	        0);
	s = inbound_facts_json(&r);
	assert_non_null(s);
	inparse_result_free(&r);
	j = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(j);
	return j;
}

static void test_every_field_by_name(void **state)
{
	static const char *const names[] = {"cls",
	                                    "reason",
	                                    "is_automatic",
	                                    "auto_reason",
	                                    "message_id",
	                                    "from",
	                                    "from_name",
	                                    "subject",
	                                    "in_reply_to",
	                                    "references",
	                                    "method",
	                                    "mime_method",
	                                    "uid",
	                                    "sequence",
	                                    "dtstamp",
	                                    "recurrence_id",
	                                    "recurrence_tzid",
	                                    "organizer",
	                                    "comment",
	                                    "dtstart",
	                                    "dtend",
	                                    "attendees",
	                                    "calendar_parts",
	                                    "rcpts",
	                                    "orig_message_id",
	                                    "dsn_structured",
	                                    "text",
	                                    "text_truncated"};
	json_t *j = facts_of(reply), *a;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(json_object_get(j, names[i]));
	assert_int_equal(json_object_size(j), sizeof(names) / sizeof(names[0]));
	assert_string_equal(json_string_value(json_object_get(j, "cls")),
	                    "imip_reply");
	assert_string_equal(json_string_value(json_object_get(j, "uid")),
	                    "ev-42@convened.test");
	assert_int_equal(json_integer_value(json_object_get(j, "sequence")), 3);
	assert_true(json_integer_value(json_object_get(j, "dtstamp")) ==
	            1798804800);
	assert_true(json_is_null(json_object_get(j, "organizer")));
	assert_true(json_is_boolean(json_object_get(j, "is_automatic")));
	a = json_object_get(j, "references");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 1)),
	                    "<outbox-7.x@convened.test>");
	a = json_array_get(json_object_get(j, "attendees"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "address")),
	                    "anna@example.se");
	assert_string_equal(json_string_value(json_object_get(a, "partstat")),
	                    "DECLINED");
	assert_string_equal(json_string_value(json_object_get(a, "name")),
	                    "Anna Berg");
	assert_true(json_is_null(json_object_get(a, "delegated_to")));
	json_decref(j);
}

static void test_dsn_rcpts_as_objects(void **state)
{
	static const char dsn[] =
	        "From: MAILER-DAEMON@mx.example.se\r\n"
	        "To: bounces@convened.test\r\n"
	        "Subject: Undelivered Mail Returned to Sender\r\n"
	        "Message-ID: <b1@mx.example.se>\r\n"
	        "MIME-Version: 1.0\r\n"
	        "Content-Type: multipart/report; report-type=delivery-status;"
	        " boundary=\"B\"\r\n\r\n"
	        "--B\r\nContent-Type: text/plain\r\n\r\nNo such user.\r\n"
	        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
	        "Reporting-MTA: dns; mx.example.se\r\n\r\n"
	        "Final-Recipient: rfc822; gone@example.se\r\n"
	        "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
	        "--B--\r\n";
	json_t *j = facts_of(dsn), *r;

	assert_string_equal(json_string_value(json_object_get(j, "cls")),
	                    "dsn_failed");
	assert_true(json_is_true(json_object_get(j, "dsn_structured")));
	r = json_array_get(json_object_get(j, "rcpts"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "address")),
	                    "gone@example.se");
	assert_string_equal(json_string_value(json_object_get(r, "status")),
	                    "5.1.1");
	assert_string_equal(json_string_value(json_object_get(r, "severity")),
	                    "hard");
	assert_true(json_is_null(json_object_get(r, "original")));
	json_decref(j);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_field_by_name),
	        cmocka_unit_test(test_dsn_rcpts_as_objects),
	};
	int rc;

	inparse_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	inparse_shutdown();
	return rc;
}
