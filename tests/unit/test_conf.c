/*
 * Unit tests for the configuration file (switchd/conf.c): reading lines into
 * requests, errors with their line numbers, and what a reload plans from two
 * loads of the file. Applying the plan needs a running daemon: that is
 * tests/integration/test_config.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h" /* switchctl_request: what switchctl makes of the same words */
#include "conf.h"

/* conf_line on a copy of text (it splits the line in place). */
static int line(struct conf *c, const char *text, unsigned lineno, char *err, size_t errlen)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", text);
	err[0] = '\0';
	return conf_line(c, buf, lineno, err, errlen);
}

static void assert_line_ok(struct conf *c, const char *text, unsigned lineno)
{
	char err[256];

	if (line(c, text, lineno, err, sizeof(err)) != 0)
		fail_msg("line '%s': %s", text, err);
}

static void assert_line_err(struct conf *c, const char *text, const char *want)
{
	char err[256];

	assert_int_equal(line(c, text, 9, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("line '%s': error '%s' lacks '%s'", text, err, want);
}

/* The request switchctl would send for these words. */
static struct cli_cmd switchctl_request(const char *a, const char *b, const char *c, const char *d,
					const char *e)
{
	char *argv[] = { (char *)"switchctl", (char *)a, (char *)b, (char *)c, (char *)d, (char *)e, NULL };
	int argc = 1;
	struct cli_opts o;
	struct cli_cmd cmd;
	char err[256];

	while (argv[argc])
		argc++;
	assert_int_equal(cli_parse(argc, argv, &o, &cmd, err, sizeof(err)), CLI_RUN);
	return cmd;
}

static void conf_blank_and_comment_lines_add_nothing(void **state)
{
	(void)state;
	struct conf c = { 0 };

	assert_line_ok(&c, "", 1);
	assert_line_ok(&c, "   \t ", 2);
	assert_line_ok(&c, "# a comment", 3);
	assert_line_ok(&c, "   # indented comment: port add x", 4);
	assert_line_ok(&c, "\r\n", 5);
	assert_int_equal(c.nports, 0);
	for (uint32_t k = 0; k <= SWP_SET_KEY_MAX; k++)
		assert_int_equal(c.set_line[k], 0);
	conf_free(&c);
}

static void conf_port_add_lines_are_switchctl_requests(void **state)
{
	(void)state;
	struct conf c = { 0 };
	struct cli_cmd want;

	assert_line_ok(&c, "port add veth1", 1);
	assert_line_ok(&c, "  port   add\ttap1 type tap   # a VM's NIC", 2);
	assert_line_ok(&c, "port add eth2 type afpacket\r\n", 5);
	assert_int_equal(c.nports, 3);

	want = switchctl_request("port", "add", "veth1", NULL, NULL);
	assert_string_equal(c.ports[0].name, "veth1");
	assert_int_equal(c.ports[0].line, 1);
	assert_int_equal(c.ports[0].cmd.type, SWP_PORT_ADD);
	assert_int_equal(c.ports[0].cmd.blen, want.blen);
	assert_memory_equal(&c.ports[0].cmd.body, &want.body, want.blen);

	want = switchctl_request("port", "add", "tap1", "type", "tap");
	assert_string_equal(c.ports[1].name, "tap1");
	assert_int_equal(c.ports[1].line, 2);
	assert_memory_equal(&c.ports[1].cmd.body, &want.body, want.blen);
	assert_int_equal(c.ports[1].cmd.body.port.type, SWP_PORT_TAP);

	assert_int_equal(c.ports[2].line, 5);
	assert_int_equal(c.ports[2].cmd.body.port.type, SWP_PORT_AFPACKET);
	assert_ptr_equal(conf_port_find(&c, "tap1"), &c.ports[1]);
	assert_null(conf_port_find(&c, "tap"));
	conf_free(&c);
}

static void conf_set_lines_record_value_and_line(void **state)
{
	(void)state;
	struct conf c = { 0 };

	assert_line_ok(&c, "set ageing 60", 3);
	assert_line_ok(&c, "set max-macs 4 # small", 4);
	assert_line_ok(&c, "set storm-unknown 0", 7);
	assert_int_equal(c.set_line[SWP_SET_AGEING], 3);
	assert_int_equal(c.value[SWP_SET_AGEING], 60);
	assert_int_equal(c.set_line[SWP_SET_MAX_MACS], 4);
	assert_int_equal(c.value[SWP_SET_MAX_MACS], 4);
	assert_int_equal(c.set_line[SWP_SET_STORM_UNKNOWN], 7);
	assert_int_equal(c.value[SWP_SET_STORM_UNKNOWN], 0);
	assert_int_equal(c.set_line[SWP_SET_FLAP_HOLD], 0);
	conf_free(&c);
}

static void conf_other_commands_do_not_belong(void **state)
{
	(void)state;
	static const char *const other[] = {
		"port del veth1", "port show", "port", "mac flush", "mac show port x", "fdb show",
		"status", "help",
	};
	struct conf c = { 0 };

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_line_err(&c, other[i],
				"only 'port add', 'port set', 'mac add', 'mirror add' and 'set' belong in a config file");
	assert_int_equal(c.nports, 0);
	conf_free(&c);
}

static void conf_port_set_and_mac_add_lines_follow_their_port(void **state)
{
	(void)state;
	struct conf c = { 0 };
	static const uint8_t gw[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	assert_line_err(&c, "port set vm1 isolated on", "port set vm1: no 'port add vm1' line before it");
	assert_line_err(&c, "mac add 02:00:00:00:00:01 port vm1", "mac add: no 'port add vm1' line before it");
	assert_line_ok(&c, "port add vm1", 1);
	assert_line_ok(&c, "port set vm1 isolated on", 2);
	assert_line_ok(&c, "port set vm1 max-macs 10", 3);
	assert_line_err(&c, "port set vm1 isolated off", "port vm1: isolated is already set on line 2");
	assert_line_err(&c, "port set vm1 learning sometimes", "on or off");
	assert_line_ok(&c, "port set vm1 vlan trunk 10,20-30 native 5", 6);
	assert_line_err(&c, "port set vm1 vlan access 7", "port vm1: vlan is already set on line 6");
	assert_line_err(&c, "port set vm1 vlan access 4095", "port set vm1 vlan access");
	assert_line_ok(&c, "mac add 02:00:00:00:00:01 port vm1", 4);
	assert_line_ok(&c, "mac add 02:00:00:00:00:01 port vm1 vlan 10", 5);
	assert_line_err(&c, "mac add 02:00:00:00:00:01 port vm1", "that MAC in VLAN 0 is already added on line 4");
	assert_line_err(&c, "mac del 02:00:00:00:00:01", "belong in a config file");
	assert_int_equal(c.nports, 1);
	assert_int_equal(c.ports[0].pset[SWP_PSET_ISOLATED], 1);
	assert_int_equal(c.ports[0].pset_line[SWP_PSET_ISOLATED], 2);
	assert_int_equal(c.ports[0].pset[SWP_PSET_MAX_MACS], 10);
	assert_int_equal(c.ports[0].pset_line[SWP_PSET_LEARNING], 0);
	assert_int_equal(c.ports[0].vlan_line, 6);
	assert_int_equal(c.ports[0].vlan.mode, SWP_VLAN_TRUNK);
	assert_int_equal(c.ports[0].vlan.vid, 5);
	assert_true(c.ports[0].vlan.vlans[0] & (1ull << 10));
	assert_int_equal(c.nmacs, 2);
	assert_memory_equal(c.macs[1].req.mac, gw, 6);
	assert_int_equal(c.macs[1].req.vlan, 10);
	assert_string_equal(c.macs[1].req.port, "vm1");
	assert_int_equal(c.macs[1].line, 5);
	conf_free(&c);
}

/* A `mirror add` line: of ports earlier lines add, each name once. */
static void conf_mirror_lines_follow_their_ports(void **state)
{
	(void)state;
	struct conf c = { 0 };

	assert_line_ok(&c, "port add vm1", 1);
	assert_line_err(&c, "mirror add ids from vm1 to ids0", "mirror add ids: no 'port add ids0' line before it");
	assert_line_err(&c, "mirror add ids from vm1,vm2 to vm1", "mirror add ids: no 'port add vm2' line before it");
	assert_line_ok(&c, "port add vm2", 2);
	assert_line_ok(&c, "port add ids0", 3);
	assert_line_ok(&c, "mirror add ids from vm1,vm2 in to ids0", 4);
	assert_line_err(&c, "mirror add ids from vm1 to ids0", "mirror ids is already added on line 4");
	assert_line_err(&c, "mirror del ids", "belong in a config file");
	assert_line_err(&c, "mirror add x from vm1", "mirror add x: expected");
	assert_int_equal(c.nmirrors, 1);
	assert_string_equal(c.mirrors[0].req.name, "ids");
	assert_string_equal(c.mirrors[0].req.from, "vm1,vm2");
	assert_int_equal(c.mirrors[0].req.dir, SWP_MIRROR_IN);
	assert_string_equal(c.mirrors[0].req.to, "ids0");
	assert_int_equal(c.mirrors[0].line, 4);
	conf_free(&c);
}

static void conf_bad_lines_say_why(void **state)
{
	(void)state;
	struct conf c = { 0 };
	char many[512] = "port add x";

	/* switchctl's own messages. */
	assert_line_err(&c, "set ageing 0", "set ageing: not a number in 1..1000000: '0'");
	assert_line_err(&c, "set max-macs lots", "not a number");
	assert_line_err(&c, "set colour blue", "unknown setting 'colour'");
	assert_line_err(&c, "port add", "missing interface name");
	assert_line_err(&c, "port add x type vhost", "unknown type 'vhost'");
	assert_line_err(&c, "port add abcdefghijklmnop", "invalid interface name");
	assert_line_err(&c, "bridge add x",
			"only 'port add', 'port set', 'mac add', 'mirror add' and 'set' belong in a config file");
	/* Options mean nothing in a file. */
	assert_line_err(&c, "-j port add x", "options such as '-j'");
	assert_line_err(&c, "port add x -s /tmp/sock", "options such as '-s'");
	assert_line_err(&c, "set ageing -1", "options such as '-1'");
	for (int i = 0; i < 40; i++)
		strcat(many, " y");
	assert_line_err(&c, many, "more than 32 words");
	assert_int_equal(c.nports, 0);
	conf_free(&c);
}

static void conf_twice_is_an_error_naming_the_first_line(void **state)
{
	(void)state;
	struct conf c = { 0 };

	assert_line_ok(&c, "port add veth1", 2);
	assert_line_ok(&c, "set ageing 60", 3);
	assert_line_err(&c, "port add veth1 type afpacket", "port veth1 is already added on line 2");
	assert_line_err(&c, "set ageing 30", "ageing is already set on line 3");
	assert_int_equal(c.nports, 1);
	assert_int_equal(c.value[SWP_SET_AGEING], 60);
	conf_free(&c);
}

static void conf_more_ports_than_the_switch_has_is_an_error(void **state)
{
	(void)state;
	struct conf c = { 0 };
	char text[64];

	for (unsigned i = 0; i < SWITCHD_PORTS_MAX; i++) {
		snprintf(text, sizeof(text), "port add p%u", i);
		assert_line_ok(&c, text, i + 1);
	}
	assert_line_err(&c, "port add one-more", "more than 256 ports");
	assert_int_equal(c.nports, SWITCHD_PORTS_MAX);
	conf_free(&c);
}

/* ---- whole files ---- */

static char tmp_path[64];

static void write_file(const char *text, size_t len)
{
	FILE *f;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test_conf.%d", (int)getpid());
	f = fopen(tmp_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void conf_load_reads_a_whole_file(void **state)
{
	(void)state;
	static const char text[] = "# switchd.conf\n"
				   "\n"
				   "set ageing 120\n"
				   "port add vm1 type tap\n"
				   "port add veth-web   # the web container\n"
				   "set flap-moves 0"; /* no final newline */
	struct conf c;
	char err[512] = "";

	write_file(text, sizeof(text) - 1);
	assert_int_equal(conf_load(&c, tmp_path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.path, tmp_path);
	assert_int_equal(c.nports, 2);
	assert_string_equal(c.ports[0].name, "vm1");
	assert_int_equal(c.ports[0].line, 4);
	assert_string_equal(c.ports[1].name, "veth-web");
	assert_int_equal(c.ports[1].line, 5);
	assert_int_equal(c.value[SWP_SET_AGEING], 120);
	assert_int_equal(c.set_line[SWP_SET_FLAP_MOVES], 6);
	assert_int_equal(c.value[SWP_SET_FLAP_MOVES], 0);
	conf_free(&c);
	unlink(tmp_path);
}

static void conf_load_reports_path_and_line_of_the_first_error(void **state)
{
	(void)state;
	static const char text[] = "port add a\n# fine\nport del a\nset ageing 0\n";
	struct conf c;
	char err[512], want[256];

	write_file(text, sizeof(text) - 1);
	assert_int_equal(conf_load(&c, tmp_path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: only 'port add', 'port set', 'mac add', 'mirror add' and 'set' belong in a config file",
		 tmp_path);
	assert_string_equal(err, want);
	conf_free(&c);

	write_file("set ageing 60\nport add a\0b\n", 26);
	assert_int_equal(conf_load(&c, tmp_path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: a NUL byte in the line", tmp_path);
	assert_string_equal(err, want);
	conf_free(&c);
	unlink(tmp_path);

	assert_int_equal(conf_load(&c, tmp_path, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", tmp_path);
	assert_string_equal(err, want);
	conf_free(&c);
}

static void conf_load_of_an_empty_file_is_an_empty_configuration(void **state)
{
	(void)state;
	struct conf c;
	char err[512];

	write_file("", 0);
	assert_int_equal(conf_load(&c, tmp_path, err, sizeof(err)), 0);
	assert_int_equal(c.nports, 0);
	conf_free(&c);
	unlink(tmp_path);
}

/* ---- plans ---- */

/* The switch as the plan sees it: names and what holds them. */
struct fake_sw {
	const char *name[8];
	enum conf_port_state st[8];
};

static enum conf_port_state fake_state(void *ctx, const char *name)
{
	const struct fake_sw *f = ctx;

	for (int i = 0; i < 8 && f->name[i]; i++)
		if (!strcmp(f->name[i], name))
			return f->st[i];
	return CONF_PORT_ABSENT;
}

static void parse_lines(struct conf *c, const char *const *lines)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; lines[i]; i++)
		assert_line_ok(c, lines[i], i + 1);
}

static void conf_plan_adds_keeps_recreates_and_removes(void **state)
{
	(void)state;
	static const char *const before[] = {
		"port add same", "port add changed", "port add dropped", "port add vanished",
		"port add dropped-gone", NULL,
	};
	static const char *const after[] = {
		"port add changed type afpacket", "port add new type tap", "port add same",
		"port add vanished", "port add by-hand", NULL,
	};
	const struct fake_sw sw = {
		{ "same", "changed", "dropped", "by-hand", NULL },
		{ CONF_PORT_OWNED, CONF_PORT_OWNED, CONF_PORT_OWNED, CONF_PORT_RUNTIME },
	};
	struct conf old, next;
	struct conf_step steps[16];
	size_t n;

	parse_lines(&old, before);
	parse_lines(&next, after);
	n = conf_plan(&old, &next, fake_state, (void *)&sw, steps);
	assert_int_equal(n, 6);
	/* The new file's ports in its order... */
	assert_int_equal(steps[0].action, CONF_RECREATE);
	assert_string_equal(steps[0].new->name, "changed");
	assert_ptr_equal(steps[0].old, &old.ports[1]);
	assert_int_equal(steps[1].action, CONF_ADD);
	assert_string_equal(steps[1].new->name, "new");
	assert_null(steps[1].old);
	assert_int_equal(steps[2].action, CONF_KEEP);
	assert_string_equal(steps[2].new->name, "same");
	/* ...declared before too, but its interface went: added again. */
	assert_int_equal(steps[3].action, CONF_ADD);
	assert_string_equal(steps[3].new->name, "vanished");
	assert_int_equal(steps[4].action, CONF_RUNTIME);
	assert_string_equal(steps[4].new->name, "by-hand");
	/* ...then what it dropped and the switch still holds; dropped-gone is already gone. */
	assert_int_equal(steps[5].action, CONF_DEL);
	assert_string_equal(steps[5].old->name, "dropped");
	assert_null(steps[5].new);
	conf_free(&old);
	conf_free(&next);
}

static void conf_plan_never_removes_a_port_switchctl_added(void **state)
{
	(void)state;
	/* The file added "a", someone deleted and re-added it by hand, then the file dropped it. */
	static const char *const before[] = { "port add a", NULL };
	static const char *const after[] = { NULL };
	const struct fake_sw sw = { { "a", NULL }, { CONF_PORT_RUNTIME } };
	struct conf old, next;
	struct conf_step steps[4];

	parse_lines(&old, before);
	parse_lines(&next, after);
	assert_int_equal(conf_plan(&old, &next, fake_state, (void *)&sw, steps), 0);
	conf_free(&old);
	conf_free(&next);
}

static void conf_plan_from_nothing_adds_everything(void **state)
{
	(void)state;
	static const char *const after[] = { "port add a", "set ageing 5", "port add b type tap", NULL };
	const struct fake_sw sw = { { NULL }, { 0 } };
	struct conf old = { 0 }, next;
	struct conf_step steps[4];

	parse_lines(&next, after);
	assert_int_equal(conf_plan(&old, &next, fake_state, (void *)&sw, steps), 2);
	assert_int_equal(steps[0].action, CONF_ADD);
	assert_int_equal(steps[1].action, CONF_ADD);
	assert_string_equal(steps[1].new->name, "b");
	conf_free(&next);
}

static void conf_settings_follow_the_file_then_the_command_line(void **state)
{
	(void)state;
	static const char *const before[] = { "set ageing 60", "set max-macs 100", NULL };
	static const char *const after[] = { "set ageing 30", "set storm-unknown 5", NULL };
	const struct sw_config base = {
		.ageing = 300, .max_macs = 8192, .flap_moves = 10, .flap_hold = 30,
		.storm_pps = { 1, 2, 3 },
	};
	struct conf old, next;
	uint64_t v = 12345;

	parse_lines(&old, before);
	parse_lines(&next, after);
	/* Set by the new file: its value. */
	assert_true(conf_setting_target(&old, &next, &base, SWP_SET_AGEING, &v));
	assert_int_equal(v, 30);
	assert_true(conf_setting_target(&old, &next, &base, SWP_SET_STORM_UNKNOWN, &v));
	assert_int_equal(v, 5);
	/* No longer set: back to the command line's. */
	assert_true(conf_setting_target(&old, &next, &base, SWP_SET_MAX_MACS, &v));
	assert_int_equal(v, 8192);
	/* Never set by the file: left as it is (a switchctl set stays). */
	v = 12345;
	assert_false(conf_setting_target(&old, &next, &base, SWP_SET_FLAP_HOLD, &v));
	assert_false(conf_setting_target(&old, &next, &base, SWP_SET_STORM_BROADCAST, &v));
	assert_int_equal(v, 12345);

	assert_int_equal(conf_base_value(&base, SWP_SET_FLAP_MOVES), 10);
	assert_int_equal(conf_base_value(&base, SWP_SET_FLAP_HOLD), 30);
	assert_int_equal(conf_base_value(&base, SWP_SET_STORM_BROADCAST), 1);
	assert_int_equal(conf_base_value(&base, SWP_SET_STORM_MULTICAST), 2);
	assert_int_equal(conf_base_value(&base, SWP_SET_STORM_UNKNOWN), 3);
	conf_free(&old);
	conf_free(&next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* lines */
		cmocka_unit_test(conf_blank_and_comment_lines_add_nothing),
		cmocka_unit_test(conf_port_add_lines_are_switchctl_requests),
		cmocka_unit_test(conf_set_lines_record_value_and_line),
		cmocka_unit_test(conf_other_commands_do_not_belong),
		cmocka_unit_test(conf_port_set_and_mac_add_lines_follow_their_port),
		cmocka_unit_test(conf_mirror_lines_follow_their_ports),
		cmocka_unit_test(conf_bad_lines_say_why),
		cmocka_unit_test(conf_twice_is_an_error_naming_the_first_line),
		cmocka_unit_test(conf_more_ports_than_the_switch_has_is_an_error),
		/* files */
		cmocka_unit_test(conf_load_reads_a_whole_file),
		cmocka_unit_test(conf_load_reports_path_and_line_of_the_first_error),
		cmocka_unit_test(conf_load_of_an_empty_file_is_an_empty_configuration),
		/* reload plans */
		cmocka_unit_test(conf_plan_adds_keeps_recreates_and_removes),
		cmocka_unit_test(conf_plan_never_removes_a_port_switchctl_added),
		cmocka_unit_test(conf_plan_from_nothing_adds_everything),
		cmocka_unit_test(conf_settings_follow_the_file_then_the_command_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
