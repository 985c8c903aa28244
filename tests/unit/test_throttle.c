/* test_throttle.c - the token bucket's arithmetic and the trusted-proxy
 * networks of [throttle]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "throttle.h"

static void test_bucket_burst_then_refill(void **state)
{
	double tokens = 3, last = 100;
	long wait = 0;
	(void)state;

	/* three at once, the fourth waits a whole interval */
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		        throttle_bucket_take(&tokens, &last, 100, 3, 10, &wait),
		        1);
	assert_int_equal(
	        throttle_bucket_take(&tokens, &last, 100, 3, 10, &wait), 0);
	assert_int_equal(wait, 10);
	/* 4 s later: 6 s to go (rounded up) */
	assert_int_equal(
	        throttle_bucket_take(&tokens, &last, 104, 3, 10, &wait), 0);
	assert_int_equal(wait, 6);
	/* after the interval: one more, not two */
	assert_int_equal(
	        throttle_bucket_take(&tokens, &last, 110.5, 3, 10, &wait), 1);
	assert_int_equal(
	        throttle_bucket_take(&tokens, &last, 110.5, 3, 10, &wait), 0);
	/* a long pause refills to the burst, never above */
	for (int i = 0; i < 3; i++)
		assert_int_equal(throttle_bucket_take(&tokens, &last, 10000, 3,
		                                      10, &wait),
		                 1);
	assert_int_equal(
	        throttle_bucket_take(&tokens, &last, 10000, 3, 10, &wait), 0);
}

static int trusted(const struct config *c, const char *addr)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		return config_proxy_trusted(c, AF_INET, a);
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	return config_proxy_trusted(c, AF_INET6, a);
}

static void test_trusted_proxies(void **state)
{
	char err[512] = "";
	struct config *c = config_load_string(
	        "[throttle]\ntrusted_proxies = 127.0.0.1, 10.0.0.0/8, "
	        "fd00::/8, 192.168.1.128/25\n",
	        "t.conf", err, sizeof(err));
	(void)state;

	assert_non_null(c);
	assert_int_equal(c->nproxies, 4);
	assert_true(trusted(c, "127.0.0.1"));
	assert_false(trusted(c, "127.0.0.2"));
	assert_true(trusted(c, "10.200.3.4"));
	assert_false(trusted(c, "11.0.0.1"));
	assert_true(trusted(c, "fd12::1"));
	assert_false(trusted(c, "fe80::1"));
	assert_true(trusted(c, "192.168.1.200"));
	assert_false(trusted(c, "192.168.1.100"));
	config_free(c);

	/* defaults: nothing trusted; limits on */
	c = config_load_string("", "t.conf", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->nproxies, 0);
	assert_int_equal(c->thr_post_burst, 60);
	assert_int_equal(c->thr_mail_interval_s, 600);
	assert_int_equal(c->http_header_timeout_s, 10);
	config_free(c);

	const char *bad[] = {"[throttle]\ntrusted_proxies = proxy.local\n",
	                     "[throttle]\ntrusted_proxies = 10.0.0.0/33\n",
	                     "[throttle]\ntrusted_proxies = 10.0.0.0/x\n",
	                     "[throttle]\npost_interval = soon\n",
	                     "[http]\nheader_timeout = 0\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(
		        config_load_string(bad[i], "t.conf", err, sizeof(err)));
		assert_non_null(strstr(err, "t.conf"));
	}
	c = config_load_string("[throttle]\nmail_interval = 5m\n"
	                       "post_interval = PT2S\n",
	                       "t.conf", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->thr_mail_interval_s, 300);
	assert_int_equal(c->thr_post_interval_s, 2);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bucket_burst_then_refill),
	        cmocka_unit_test(test_trusted_proxies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
