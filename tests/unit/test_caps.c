/* caps.c: the CapEff line of /proc/PID/status and the names of what is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "caps.h"
#include "switchd/proto.h"

static void test_parse(void **state)
{
	uint64_t eff = 0;

	(void)state;
	assert_int_equal(caps_parse("Name:\tswitchd\nCapInh:\t0000000000000000\n"
				    "CapPrm:\t0000000000003000\nCapEff:\t0000000000003000\n"
				    "CapBnd:\t0000000000003000\n",
				    &eff),
			 0);
	assert_true(eff == (CAPS_NET_ADMIN | CAPS_NET_RAW));
	/* The last line, without its newline. */
	assert_int_equal(caps_parse("Name:\tx\nCapEff:\t000001ffffffffff", &eff), 0);
	assert_true(eff == UINT64_C(0x000001ffffffffff));
	assert_int_equal(caps_parse("Name:\tx\nCapPrm:\t0\n", &eff), -EINVAL);
	assert_int_equal(caps_parse("CapEff:\t\n", &eff), -EINVAL);
	assert_int_equal(caps_parse("CapEff:\t30z0\n", &eff), -EINVAL);
	/* This process has some set, whatever it is. */
	assert_int_equal(caps_effective(&eff), 0);
}

static void test_missing(void **state)
{
	(void)state;
	assert_string_equal(caps_missing(0, caps_for_port(SWP_PORT_TAP, 0)), "CAP_NET_ADMIN");
	assert_string_equal(caps_missing(CAPS_NET_ADMIN, caps_for_port(SWP_PORT_TAP, 0)), "");
	assert_string_equal(caps_missing(0, caps_for_port(SWP_PORT_AUTO, 0)),
			    "CAP_NET_ADMIN and CAP_NET_RAW");
	assert_string_equal(caps_missing(CAPS_NET_ADMIN, caps_for_port(SWP_PORT_AFPACKET, 0)),
			    "CAP_NET_RAW");
	assert_string_equal(caps_missing(CAPS_NET_RAW, caps_for_port(SWP_PORT_AUTO, 1)),
			    "CAP_NET_ADMIN");
	assert_string_equal(caps_missing(~UINT64_C(0), caps_for_port(SWP_PORT_AUTO, 1)), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
