/* test_api_mail_addresses.c - the address rule of POST
 * /api/mail-addresses/{address}/reset (api_mail_addresses.c): local@domain,
 * one @, 3 to 254 bytes, no control characters, spaces, angle brackets or
 * slashes; UTF-8 and + tags allowed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api_mail_addresses.h"

static void addresses_taken(void **state)
{
	(void)state;
	assert_true(api_mail_address_valid("eva@kunta.fi"));
	assert_true(api_mail_address_valid("EVA@KUNTA.FI"));
	assert_true(api_mail_address_valid("a@b"));
	assert_true(api_mail_address_valid("anna+seminar@malmo.se"));
	assert_true(api_mail_address_valid("\xc3\xa5sa@malm\xc3\xb6.se"));
}

static void addresses_refused(void **state)
{
	char long_addr[300];

	(void)state;
	assert_false(api_mail_address_valid(""));
	assert_false(api_mail_address_valid("@"));
	assert_false(api_mail_address_valid("nobody"));
	assert_false(api_mail_address_valid("@kunta.fi"));
	assert_false(api_mail_address_valid("eva@"));
	assert_false(api_mail_address_valid("eva@kunta@fi"));
	assert_false(api_mail_address_valid("eva virtanen@kunta.fi"));
	assert_false(api_mail_address_valid("<eva@kunta.fi>"));
	assert_false(api_mail_address_valid("eva@kunta.fi/reset"));
	assert_false(api_mail_address_valid("eva@kunta.fi\n"));
	assert_false(api_mail_address_valid("eva\x7f@kunta.fi"));
	memset(long_addr, 'a', sizeof(long_addr));
	memcpy(long_addr + 250, "@b.se", 6); /* 255 bytes */
	assert_false(api_mail_address_valid(long_addr));
	long_addr[249] = '\0';
	memcpy(long_addr + 245, "@b.se", 6); /* 250 bytes */
	assert_true(api_mail_address_valid(long_addr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(addresses_taken),
	        cmocka_unit_test(addresses_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
