/*
 * Unit tests for switchctl's internals: argument parsing (cli/parse.c) and
 * reply printing (cli/output.c).
 *
 * cli_parse rearranges argv (it removes options found after the command), so
 * every case builds a fresh argv. Printers write into an open_memstream FILE
 * and the text is compared.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "switchd/defaults.h"

/* ---- running the parser ---- */

struct parsed {
	enum cli_parse_result r;
	struct cli_opts o;
	struct cli_cmd cmd;
	char err[256];
};

#define MAX_ARGS 32
static char arg_store[MAX_ARGS][128];
static char *arg_v[MAX_ARGS + 1];

/* Parses "switchctl" followed by the NUL-terminated list of arguments. */
static enum cli_parse_result parse_args(struct parsed *p, ...)
{
	va_list ap;
	int argc = 0;
	const char *a = "switchctl";

	va_start(ap, p);
	do {
		assert_true(argc < MAX_ARGS && strlen(a) < sizeof(arg_store[0]));
		strcpy(arg_store[argc], a);
		arg_v[argc] = arg_store[argc];
		argc++;
	} while ((a = va_arg(ap, const char *)));
	va_end(ap);
	arg_v[argc] = NULL;

	memset(p, 0x5a, sizeof(*p)); /* garbage that cli_parse must overwrite */
	p->r = cli_parse(argc, arg_v, &p->o, &p->cmd, p->err, sizeof(p->err));
	return p->r;
}

#define PARSE(p, ...) parse_args((p), ##__VA_ARGS__, (const char *)NULL)

static void assert_runs(const struct parsed *p)
{
	if (p->r != CLI_RUN)
		fail_msg("expected CLI_RUN, got %d (%s)", p->r, p->err);
}

static void assert_usage(const struct parsed *p)
{
	assert_int_equal(p->r, CLI_USAGE);
	assert_true(p->err[0] != '\0');
	assert_non_null(memchr(p->err, '\0', sizeof(p->err)));
}

/* A name field holds exactly name and NUL padding. */
static void assert_name_field(const char field[SWP_NAME_MAX], const char *name)
{
	size_t n = strlen(name);

	assert_memory_equal(field, name, n);
	for (size_t i = n; i < SWP_NAME_MAX; i++)
		assert_int_equal(field[i], '\0');
}

/* A netns field holds exactly the string and NUL padding. */
static void assert_netns_field(const char field[SWP_PATH_MAX], const char *ns)
{
	size_t n = strlen(ns);

	assert_memory_equal(field, ns, n);
	for (size_t i = n; i < SWP_PATH_MAX; i++)
		assert_int_equal(field[i], '\0');
}

/* ---- commands ---- */

static void cli_no_arguments_asks_for_status(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p);
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_STATUS);
	assert_int_equal(p.cmd.blen, 0);
	assert_string_equal(p.o.socket, SWITCHD_SOCKET);
	assert_false(p.o.json);
	assert_string_equal(p.err, "");
}

static void cli_status_command(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "status");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_STATUS);
	assert_int_equal(p.cmd.blen, 0);
	PARSE(&p, "status", "now");
	assert_usage(&p);
}

static void cli_monitor_command(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "monitor");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MONITOR);
	assert_int_equal(p.cmd.blen, 0);
	PARSE(&p, "-j", "monitor");
	assert_runs(&p);
	assert_true(p.o.json);
	PARSE(&p, "monitor", "ports");
	assert_usage(&p);
	assert_string_equal(p.err, "monitor: unexpected argument 'ports'");
}

static void cli_port_add_defaults_to_auto_type(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "add", "eth0");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_ADD);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_port_req));
	assert_name_field(p.cmd.body.port.name, "eth0");
	assert_int_equal(p.cmd.body.port.type, SWP_PORT_AUTO);
	assert_int_equal(p.cmd.body.port.flags, 0);
	assert_netns_field(p.cmd.body.port.netns, "");
	assert_name_field(p.cmd.body.port.peer, "");
}

static void cli_port_add_netns_name_or_path(void **state)
{
	(void)state;
	struct parsed p;
	char path[SWP_PATH_MAX];

	/* The name goes as written: switchd looks it up under /run/netns. */
	PARSE(&p, "port", "add", "web0", "netns", "web");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_ADD);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_port_req));
	assert_name_field(p.cmd.body.port.name, "web0");
	assert_netns_field(p.cmd.body.port.netns, "web");
	assert_name_field(p.cmd.body.port.peer, ""); /* switchd's default, eth0 */
	assert_int_equal(p.cmd.body.port.type, SWP_PORT_AUTO);

	PARSE(&p, "port", "add", "app0", "netns", "/proc/4242/ns/net", "ifname", "eth1");
	assert_runs(&p);
	assert_netns_field(p.cmd.body.port.netns, "/proc/4242/ns/net");
	assert_name_field(p.cmd.body.port.peer, "eth1");

	/* Keywords in any order; type afpacket (or auto) goes with netns. */
	PARSE(&p, "port", "add", "x", "ifname", "abcdefghijklmno", "type", "afpacket", "netns", "n");
	assert_runs(&p);
	assert_netns_field(p.cmd.body.port.netns, "n");
	assert_name_field(p.cmd.body.port.peer, "abcdefghijklmno");
	assert_int_equal(p.cmd.body.port.type, SWP_PORT_AFPACKET);

	/* The longest path that fits: 107 bytes and the NUL. */
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	PARSE(&p, "port", "add", "x", "netns", path);
	assert_runs(&p);
	assert_memory_equal(p.cmd.body.port.netns, path, sizeof(path));
}

/* A stream port's socket: owner USER[:GROUP] or :GROUP (names or numbers) and mode in octal. */
static void cli_port_add_stream_owner_and_mode(void **state)
{
	(void)state;
	struct parsed p;
	/* Malformed: no user nor group, an unknown name, a number too big, a mode that is not octal bits. */
	static const char *const bad[][2] = {
		{ "owner", ":" },    { "owner", "" },	 { "owner", "root:" },  { "owner", "no-such-user-here" },
		{ "owner", ":no-such-group-here" },	 { "owner", "4294967295" },
		{ "mode", "8" },     { "mode", "01000" }, { "mode", "0x1ff" }, { "mode", "06o0" },
		{ "mode", "" },
	};

	PARSE(&p, "port", "add", "vm", "type", "stream", "owner", "root:0", "mode", "0600");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.port.flags, SWP_PORT_F_UID | SWP_PORT_F_GID | SWP_PORT_F_MODE);
	assert_int_equal(p.cmd.body.port.uid, 0);
	assert_int_equal(p.cmd.body.port.gid, 0);
	assert_int_equal(p.cmd.body.port.mode, 0600);
	PARSE(&p, "port", "add", "vm", "type", "stream", "owner", "1234");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.port.flags, SWP_PORT_F_UID);
	assert_int_equal(p.cmd.body.port.uid, 1234);
	PARSE(&p, "port", "add", "vm", "type", "stream", "owner", ":4321", "mode", "660");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.port.flags, SWP_PORT_F_GID | SWP_PORT_F_MODE);
	assert_int_equal(p.cmd.body.port.gid, 4321);
	assert_int_equal(p.cmd.body.port.mode, 0660);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&p, "port", "add", "vm", "type", "stream", bad[i][0], bad[i][1]);
		if (p.r != CLI_USAGE || !strstr(p.err, bad[i][0]))
			fail_msg("%s '%s': expected a usage error naming it, got %d: %s", bad[i][0], bad[i][1],
				 p.r, p.err);
	}
	/* Each once; only a stream port has them. */
	PARSE(&p, "port", "add", "vm", "type", "stream", "mode", "0600", "mode", "0600");
	assert_usage(&p);
	PARSE(&p, "port", "add", "vm", "type", "stream", "owner", "0", "owner", "0");
	assert_usage(&p);
	PARSE(&p, "port", "add", "vm", "owner", "0");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "stream"));
	PARSE(&p, "port", "add", "vm", "type", "tap", "mode", "0600");
	assert_usage(&p);
}

static void cli_usage_port_add_netns(void **state)
{
	(void)state;
	struct parsed p;
	char path[SWP_PATH_MAX + 1];

	/* ifname only with netns. */
	PARSE(&p, "port", "add", "x", "ifname", "eth1");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "netns"));
	/* A veth is no TAP. */
	PARSE(&p, "port", "add", "x", "netns", "n", "type", "tap");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "TAP"));
	PARSE(&p, "port", "add", "x", "type", "tap", "netns", "n");
	assert_usage(&p);
	/* Missing or empty values. */
	PARSE(&p, "port", "add", "x", "netns");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "netns", "");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "netns", "n", "ifname");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "netns", "n", "ifname", "");
	assert_usage(&p);
	/* A relative path means nothing to switchd, whose directory is not ours. */
	PARSE(&p, "port", "add", "x", "netns", "run/netns/n");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "netns", "./n");
	assert_usage(&p);
	/* Too long: an ifname of 16 bytes, a path of 108. */
	PARSE(&p, "port", "add", "x", "netns", "n", "ifname", "abcdefghijklmnop");
	assert_usage(&p);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	PARSE(&p, "port", "add", "x", "netns", path);
	assert_usage(&p);
	/* Each keyword once. */
	PARSE(&p, "port", "add", "x", "netns", "n", "netns", "m");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "netns", "n", "ifname", "a", "ifname", "b");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "type", "afpacket", "type", "afpacket");
	assert_usage(&p);
	/* del takes no netns; an unknown keyword is named. */
	PARSE(&p, "port", "del", "x", "netns", "n");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "netns", "n", "peer", "eth0");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "peer"));
}

static void cli_port_add_with_type_tap_or_afpacket(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "add", "tap0", "type", "tap");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_ADD);
	assert_name_field(p.cmd.body.port.name, "tap0");
	assert_int_equal(p.cmd.body.port.type, SWP_PORT_TAP);

	PARSE(&p, "port", "add", "veth1", "type", "afpacket");
	assert_runs(&p);
	assert_name_field(p.cmd.body.port.name, "veth1");
	assert_int_equal(p.cmd.body.port.type, SWP_PORT_AFPACKET);
}

static void cli_port_del_and_delete(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "del", "eth0");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_DEL);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_port_req));
	assert_name_field(p.cmd.body.port.name, "eth0");

	PARSE(&p, "port", "delete", "tap3");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_DEL);
	assert_name_field(p.cmd.body.port.name, "tap3");
}

static void cli_port_show_list_and_bare_port(void **state)
{
	(void)state;
	static const char *verbs[] = { "show", "list", NULL };
	struct parsed p;

	for (int i = 0; i < 3; i++) {
		if (verbs[i])
			PARSE(&p, "port", verbs[i]);
		else
			PARSE(&p, "port");
		assert_runs(&p);
		assert_int_equal(p.cmd.type, SWP_PORT_SHOW);
		assert_int_equal(p.cmd.blen, sizeof(struct swp_port_req));
		assert_name_field(p.cmd.body.port.name, ""); /* every port */
	}
}

static void cli_port_show_one_port(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "show", "vm1", "-j");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_SHOW);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_port_req));
	assert_name_field(p.cmd.body.port.name, "vm1"); /* switchd sends that port only */
	PARSE(&p, "port", "show", "vm1", "vm2");
	assert_usage(&p);
	assert_string_equal(p.err, "port show: unexpected argument 'vm2'");
	PARSE(&p, "port", "show", "0123456789abcdef");
	assert_usage(&p);
}

static void cli_mac_show_every_port(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "mac", "show");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_mac_req));
	assert_name_field(p.cmd.body.mac.port, ""); /* every port */

	PARSE(&p, "mac");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	assert_name_field(p.cmd.body.mac.port, "");

	PARSE(&p, "mac", "list");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
}

static void cli_fdb_is_a_synonym_of_mac(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "fdb", "show");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_mac_req));

	PARSE(&p, "fdb", "flush", "port", "eth2");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_FLUSH);
	assert_name_field(p.cmd.body.mac.port, "eth2");
}

static void cli_mac_show_one_port(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "mac", "show", "port", "eth1");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_mac_req));
	assert_name_field(p.cmd.body.mac.port, "eth1");
}

static void cli_mac_flush_all_or_one_port(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "mac", "flush");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_FLUSH);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_mac_req));
	assert_name_field(p.cmd.body.mac.port, "");

	PARSE(&p, "mac", "flush", "port", "tap7");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_FLUSH);
	assert_name_field(p.cmd.body.mac.port, "tap7");
}

static void cli_port_set_takes_each_setting_of_the_table(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "set", "vm1", "learning", "off");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_SET);
	assert_int_equal(p.cmd.blen, sizeof(struct swp_port_set_req));
	assert_name_field(p.cmd.body.port_set.name, "vm1");
	assert_int_equal(p.cmd.body.port_set.key, SWP_PSET_LEARNING);
	assert_int_equal(p.cmd.body.port_set.value, 0);
	PARSE(&p, "port", "set", "vm1", "isolated", "on");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.port_set.key, SWP_PSET_ISOLATED);
	assert_int_equal(p.cmd.body.port_set.value, 1);
	PARSE(&p, "port", "set", "vm1", "flood", "off");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.port_set.key, SWP_PSET_FLOOD);
	PARSE(&p, "port", "set", "vm1", "max-macs", "100");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.port_set.key, SWP_PSET_MAX_MACS);
	assert_int_equal(p.cmd.body.port_set.value, 100);
	PARSE(&p, "port", "set", "vm1", "max-macs", "0");
	assert_runs(&p);

	PARSE(&p, "port", "set", "vm1", "learning", "1");
	assert_usage(&p);
	assert_string_equal(p.err, "port set vm1 learning: on or off, not '1'");
	PARSE(&p, "port", "set", "vm1", "max-macs", "-1");
	assert_usage(&p);
	PARSE(&p, "port", "set", "vm1", "max-macs", "on");
	assert_usage(&p);
	PARSE(&p, "port", "set", "vm1", "colour", "red");
	assert_usage(&p);
	assert_string_equal(p.err, "port set vm1: unknown setting 'colour' (learning, flood, isolated, max-macs, "
			    "storm-broadcast, storm-multicast, storm-unknown, vlan)");
	PARSE(&p, "port", "set", "vm1", "learning");
	assert_usage(&p);
	PARSE(&p, "port", "set", "vm1", "learning", "on", "now");
	assert_usage(&p);
	PARSE(&p, "port", "set", "vm1");
	assert_usage(&p);
	PARSE(&p, "port", "set");
	assert_usage(&p);
	PARSE(&p, "port", "set", "a-name-far-too-long", "learning", "on");
	assert_usage(&p);
}

static void cli_mac_add_del_and_vlan_filters(void **state)
{
	(void)state;
	struct parsed p;
	static const uint8_t want[6] = { 0x52, 0x54, 0, 0x0a, 0xbc, 1 };

	PARSE(&p, "mac", "add", "52:54:00:0a:bc:01", "port", "vm1");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_ADD);
	assert_memory_equal(p.cmd.body.mac.mac, want, 6);
	assert_name_field(p.cmd.body.mac.port, "vm1");
	assert_int_equal(p.cmd.body.mac.vlan, 0);
	PARSE(&p, "mac", "add", "port", "vm1", "vlan", "10", "52:54:00:0a:bc:01");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.mac.vlan, 10);
	assert_int_equal(p.cmd.body.mac.flags, SWP_MAC_F_VLAN);
	PARSE(&p, "mac", "add", "52:54:00:0a:bc:01");
	assert_usage(&p);
	assert_string_equal(p.err, "mac add: missing port NAME");
	PARSE(&p, "mac", "add", "port", "vm1");
	assert_usage(&p);
	PARSE(&p, "mac", "add", "ff:ff:ff:ff:ff:ff", "port", "vm1");
	assert_usage(&p);

	PARSE(&p, "mac", "del", "52:54:00:0a:bc:01", "vlan", "4095");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_DEL);
	assert_int_equal(p.cmd.body.mac.vlan, 4095);
	PARSE(&p, "mac", "del", "52:54:00:0a:bc:01", "port", "vm1");
	assert_usage(&p);
	PARSE(&p, "mac", "del");
	assert_usage(&p);
	assert_string_equal(p.err, "mac del: missing MAC address");

	PARSE(&p, "mac", "show", "vlan", "0");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.mac.flags, SWP_MAC_F_VLAN);
	assert_int_equal(p.cmd.body.mac.vlan, 0);
	PARSE(&p, "mac", "flush", "port", "vm1", "vlan", "20");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_FLUSH);
	assert_int_equal(p.cmd.body.mac.vlan, 20);
	static const char *const badvid[] = { "4096", "+1", "x", "" };

	for (size_t i = 0; i < sizeof(badvid) / sizeof(badvid[0]); i++) {
		PARSE(&p, "mac", "show", "vlan", badvid[i]);
		assert_usage(&p);
		assert_string_equal(p.err, "mac show: vlan needs a VLAN ID in 0..4095 (0: untagged)");
	}
	PARSE(&p, "mac", "show", "vlan");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "vlan", "1", "vlan", "2");
	assert_usage(&p);
}

static void cli_mac_show_one_mac(void **state)
{
	(void)state;
	struct parsed p;
	static const uint8_t want[6] = { 0x52, 0x54, 0, 0x0a, 0xbc, 1 };

	PARSE(&p, "mac", "show", "52:54:00:0A:bc:1");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	assert_memory_equal(p.cmd.body.mac.mac, want, 6);
	assert_name_field(p.cmd.body.mac.port, "");

	PARSE(&p, "mac", "show", "port", "vm1", "52:54:00:0a:bc:01");
	assert_runs(&p);
	assert_memory_equal(p.cmd.body.mac.mac, want, 6);
	assert_name_field(p.cmd.body.mac.port, "vm1");
	PARSE(&p, "fdb", "show", "52:54:00:0a:bc:01", "port", "vm1");
	assert_runs(&p);
	assert_name_field(p.cmd.body.mac.port, "vm1");

	/* Not an address, a second one, one no entry can have, or on flush. */
	static const char *const bad[] = { "52:54:00:0a:bc", "52:54:00:0a:bc:01:02", "52:54:00:0a:bc:001",
					   "52-54-00-0a-bc-01", "52:54:00:0a:bc:0g", "+2:54:00:0a:bc:01",
					   "52:54:00:0a:bc:01:" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&p, "mac", "show", bad[i]);
		assert_usage(&p);
		assert_non_null(strstr(p.err, "unexpected argument"));
	}
	PARSE(&p, "mac", "show", "52:54:00:0a:bc:01", "52:54:00:0a:bc:02");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "01:00:5e:00:00:01");
	assert_usage(&p);
	assert_string_equal(p.err, "mac show: 01:00:5e:00:00:01 is a group or all-zero address: never in the table");
	PARSE(&p, "mac", "show", "00:00:00:00:00:00");
	assert_usage(&p);
	PARSE(&p, "mac", "flush", "52:54:00:0a:bc:01");
	assert_usage(&p);
}

static void cli_port_clear_all_or_one(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "clear");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_CLEAR);
	assert_name_field(p.cmd.body.port.name, "");
	PARSE(&p, "port", "clear", "vm1");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_PORT_CLEAR);
	assert_name_field(p.cmd.body.port.name, "vm1");
	PARSE(&p, "port", "clear", "vm1", "vm2");
	assert_usage(&p);
	assert_string_equal(p.err, "port clear: unexpected argument 'vm2'");
}

/* ---- options ---- */

static void cli_json_option_before_or_after_command(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "-j", "mac", "show");
	assert_runs(&p);
	assert_true(p.o.json);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);

	PARSE(&p, "mac", "show", "-j");
	assert_runs(&p);
	assert_true(p.o.json);
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);

	PARSE(&p, "--json", "port", "show");
	assert_runs(&p);
	assert_true(p.o.json);

	PARSE(&p, "port", "--json");
	assert_runs(&p);
	assert_true(p.o.json);
	assert_int_equal(p.cmd.type, SWP_PORT_SHOW);

	PARSE(&p, "mac", "-j", "show", "port", "eth0");
	assert_runs(&p);
	assert_true(p.o.json);
	assert_name_field(p.cmd.body.mac.port, "eth0");

	PARSE(&p, "-j");
	assert_runs(&p);
	assert_true(p.o.json);
	assert_int_equal(p.cmd.type, SWP_STATUS);

	PARSE(&p, "mac", "show");
	assert_false(p.o.json);
}

static void cli_socket_option_before_or_after_command(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "-s", "/tmp/a.sock", "mac", "show");
	assert_runs(&p);
	assert_string_equal(p.o.socket, "/tmp/a.sock");
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);

	PARSE(&p, "mac", "show", "-s", "/tmp/b.sock");
	assert_runs(&p);
	assert_string_equal(p.o.socket, "/tmp/b.sock");
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	assert_name_field(p.cmd.body.mac.port, "");

	PARSE(&p, "--socket", "/tmp/c.sock", "status");
	assert_runs(&p);
	assert_string_equal(p.o.socket, "/tmp/c.sock");

	PARSE(&p, "--socket=/tmp/d.sock");
	assert_runs(&p);
	assert_string_equal(p.o.socket, "/tmp/d.sock");
	assert_int_equal(p.cmd.type, SWP_STATUS);

	PARSE(&p, "port", "show", "--socket", "/tmp/e.sock");
	assert_runs(&p);
	assert_string_equal(p.o.socket, "/tmp/e.sock");

	PARSE(&p, "-s/tmp/f.sock", "port");
	assert_runs(&p);
	assert_string_equal(p.o.socket, "/tmp/f.sock");

	/* Each parse starts from the default again. */
	PARSE(&p, "port");
	assert_string_equal(p.o.socket, SWITCHD_SOCKET);
}

static void cli_options_inside_a_command_are_taken_out(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "add", "eth0", "-j", "type", "-s", "/run/x.sock", "tap");
	assert_runs(&p);
	assert_true(p.o.json);
	assert_string_equal(p.o.socket, "/run/x.sock");
	assert_int_equal(p.cmd.type, SWP_PORT_ADD);
	assert_name_field(p.cmd.body.port.name, "eth0");
	assert_int_equal(p.cmd.body.port.type, SWP_PORT_TAP);

	PARSE(&p, "-j", "mac", "-s", "/s", "flush", "--json", "port", "eth3", "-s", "/t");
	assert_runs(&p);
	assert_true(p.o.json);
	assert_string_equal(p.o.socket, "/t");
	assert_int_equal(p.cmd.type, SWP_MAC_FLUSH);
	assert_name_field(p.cmd.body.mac.port, "eth3");

	/* The socket path is data, even one that looks like a command. */
	PARSE(&p, "mac", "show", "-s", "port");
	assert_runs(&p);
	assert_string_equal(p.o.socket, "port");
	assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	assert_name_field(p.cmd.body.mac.port, "");
}

static void cli_help_forms(void **state)
{
	(void)state;
	struct parsed p;

	assert_int_equal(PARSE(&p, "--help"), CLI_HELP);
	assert_int_equal(PARSE(&p, "-h"), CLI_HELP);
	assert_int_equal(PARSE(&p, "help"), CLI_HELP);
	assert_int_equal(PARSE(&p, "-j", "help"), CLI_HELP);
	assert_int_equal(PARSE(&p, "mac", "show", "--help"), CLI_HELP);
	assert_int_equal(PARSE(&p, "port", "add", "-h"), CLI_HELP);
}

static void cli_version_forms(void **state)
{
	(void)state;
	struct parsed p;

	assert_int_equal(PARSE(&p, "--version"), CLI_VERSION);
	assert_int_equal(PARSE(&p, "-V"), CLI_VERSION);
	assert_int_equal(PARSE(&p, "-j", "--version"), CLI_VERSION);
}

static void cli_usage_text_lists_the_commands(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cli_usage(f);
	fclose(f);
	assert_non_null(strstr(buf, "usage: switchctl"));
	assert_non_null(strstr(buf, "port add NAME"));
	assert_non_null(strstr(buf, "netns NS [ifname IF]"));
	assert_non_null(strstr(buf, "mac flush"));
	assert_non_null(strstr(buf, "set SETTING VALUE"));
	assert_non_null(strstr(buf, SWITCHD_SOCKET));
	free(buf);
}

static void cli_set_every_setting(void **state)
{
	(void)state;
	static const struct {
		const char *name, *value;
		uint32_t key;
		uint64_t want;
	} ok[] = {
		{ "ageing", "60", SWP_SET_AGEING, 60 },
		{ "ageing", "1", SWP_SET_AGEING, 1 },
		{ "ageing", "1000000", SWP_SET_AGEING, SWITCHD_AGEING_MAX_SEC },
		{ "max-macs", "16777216", SWP_SET_MAX_MACS, SWITCHD_MAX_MACS_LIMIT },
		{ "flap-moves", "0", SWP_SET_FLAP_MOVES, 0 },
		{ "flap-hold", "5", SWP_SET_FLAP_HOLD, 5 },
		{ "storm-broadcast", "0", SWP_SET_STORM_BROADCAST, 0 },
		{ "storm-multicast", "250", SWP_SET_STORM_MULTICAST, 250 },
		{ "storm-unknown", "10000000", SWP_SET_STORM_UNKNOWN, SWITCHD_STORM_PPS_MAX },
		{ "spin-us", "0", SWP_SET_SPIN_US, 0 },
		{ "spin-us", "100000", SWP_SET_SPIN_US, SWITCHD_SPIN_US_MAX },
	};
	struct parsed p;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		PARSE(&p, "set", ok[i].name, ok[i].value);
		assert_runs(&p);
		assert_int_equal(p.cmd.type, SWP_SET);
		assert_int_equal(p.cmd.blen, sizeof(struct swp_set_req));
		assert_int_equal(p.cmd.body.set.key, ok[i].key);
		assert_int_equal(p.cmd.body.set.value, ok[i].want);
	}
	PARSE(&p, "-j", "set", "ageing", "60");
	assert_runs(&p);
	assert_true(p.o.json);
}

static void cli_usage_bad_set(void **state)
{
	(void)state;
	static const char *const bad[][3] = {
		{ "ageing", "0", "1..1000000" },   { "ageing", "1000001", "1..1000000" },
		{ "max-macs", "0", "1..16777216" },
		{ "ageing", "+5", "'+5'" },        { "ageing", " 5", "' 5'" },
		{ "ageing", "5s", "'5s'" },        { "ageing", "", "''" },
		{ "flap-hold", "0", "1..10000000" },
		{ "storm-unknown", "18446744073709551616", "0..10000000" },
		{ "spin-us", "100001", "0..100000" },
		{ "flap-moves", "0x10", "'0x10'" },
	};
	struct parsed p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&p, "set", bad[i][0], bad[i][1]);
		assert_usage(&p);
		if (!strstr(p.err, bad[i][2]) || !strstr(p.err, bad[i][0]))
			fail_msg("set %s '%s': message '%s' lacks '%s'", bad[i][0], bad[i][1], p.err,
				 bad[i][2]);
	}
	/* getopt takes "-1" for an option: a usage error still. */
	PARSE(&p, "set", "max-macs", "-1");
	assert_usage(&p);
	PARSE(&p, "set");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "max-macs"));
	PARSE(&p, "set", "ageing");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "missing value"));
	PARSE(&p, "set", "ageing", "60", "70");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "'70'"));
	PARSE(&p, "set", "max_macs", "60");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "unknown setting 'max_macs'"));
}

/* ---- usage errors ---- */

static void cli_usage_unknown_object(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "bridge", "show");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "bridge"));
	PARSE(&p, "ports");
	assert_usage(&p);
	PARSE(&p, "");
	assert_usage(&p);
}

static void cli_usage_unknown_verb(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "remove", "eth0");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "remove"));
	PARSE(&p, "mac", "clear");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "clear"));
	PARSE(&p, "fdb", "add", "x");
	assert_usage(&p);
}

static void cli_usage_missing_name(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "add");
	assert_usage(&p);
	PARSE(&p, "port", "del");
	assert_usage(&p);
	PARSE(&p, "port", "add", "");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "port");
	assert_usage(&p);
	PARSE(&p, "mac", "flush", "port");
	assert_usage(&p);
	PARSE(&p, "mac", "flush", "port", "");
	assert_usage(&p);
	/* An option taken out of the way does not count as the name. */
	PARSE(&p, "port", "add", "-j");
	assert_usage(&p);
}

static void cli_usage_name_of_16_chars_or_more(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "add", "abcdefghijklmnop");
	assert_usage(&p);
	PARSE(&p, "port", "del", "a-much-too-long-interface-name");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "port", "abcdefghijklmnop");
	assert_usage(&p);
	/* 15 characters fit. */
	PARSE(&p, "port", "add", "abcdefghijklmno");
	assert_runs(&p);
	assert_name_field(p.cmd.body.port.name, "abcdefghijklmno");
	PARSE(&p, "mac", "flush", "port", "abcdefghijklmno");
	assert_runs(&p);
	assert_name_field(p.cmd.body.mac.port, "abcdefghijklmno");
}

static void cli_usage_bad_port_type(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "add", "x", "type", "foo");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "foo"));
	PARSE(&p, "port", "add", "x", "type");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "type", "TAP");
	assert_usage(&p);
	PARSE(&p, "port", "add", "x", "kind", "tap");
	assert_usage(&p);
	/* del takes no type. */
	PARSE(&p, "port", "del", "x", "type", "tap");
	assert_usage(&p);
}

static void cli_usage_trailing_garbage(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "port", "add", "x", "type", "tap", "now");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "now"));
	PARSE(&p, "port", "del", "x", "y");
	assert_usage(&p);
	PARSE(&p, "port", "show", "x", "y");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "x");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "port", "x", "y");
	assert_usage(&p);
	PARSE(&p, "mac", "flush", "port", "x", "y");
	assert_usage(&p);
	PARSE(&p, "status", "x");
	assert_usage(&p);
}

static void cli_usage_socket_without_path(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "-s");
	assert_usage(&p);
	PARSE(&p, "--socket");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "-s");
	assert_usage(&p);
	PARSE(&p, "port", "--socket");
	assert_usage(&p);
}

static void cli_usage_unknown_option(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "-x", "status");
	assert_usage(&p);
	PARSE(&p, "--bogus");
	assert_usage(&p);
	PARSE(&p, "mac", "show", "-x");
	assert_usage(&p);
	PARSE(&p, "port", "--bogus", "show");
	assert_usage(&p);
	PARSE(&p, "-jx");
	assert_usage(&p);
	PARSE(&p, "-xj");
	assert_usage(&p);
}

static void cli_unknown_option_message_names_the_option(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "-x", "status");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "-x"));
	PARSE(&p, "--bogus");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "--bogus"));
	PARSE(&p, "mac", "show", "-x");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "-x"));
	PARSE(&p, "-jx");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "x"));
	/* An unknown letter at the start of a group. */
	PARSE(&p, "-xj", "status");
	assert_usage(&p);
	if (!strstr(p.err, "x"))
		fail_msg("'-xj': message does not name the option: \"%s\"", p.err);
}

static void cli_socket_without_path_message_says_so(void **state)
{
	(void)state;
	struct parsed p;

	/* After the command: "-s needs a path". The same mistake before it should say the same. */
	PARSE(&p, "mac", "show", "-s");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "path"));
	PARSE(&p, "-s");
	assert_usage(&p);
	if (strstr(p.err, "unknown option") || !strstr(p.err, "path"))
		fail_msg("'switchctl -s': misleading message: \"%s\"", p.err);
}

/* mirror add NAME from PORT[,PORT...] [in|out|both] to PORT; del NAME; show [NAME]. */
static void cli_mirror_words_make_mirror_requests(void **state)
{
	(void)state;
	struct parsed p;

	PARSE(&p, "mirror", "add", "ids", "from", "vm1,vm2", "to", "tap-ids");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MIRROR_ADD);
	assert_string_equal(p.cmd.body.mirror.name, "ids");
	assert_string_equal(p.cmd.body.mirror.from, "vm1,vm2");
	assert_int_equal(p.cmd.body.mirror.dir, SWP_MIRROR_BOTH);
	assert_string_equal(p.cmd.body.mirror.to, "tap-ids");
	PARSE(&p, "mirror", "add", "ids", "from", "vm1", "in", "to", "t");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.mirror.dir, SWP_MIRROR_IN);
	PARSE(&p, "mirror", "add", "ids", "from", "vm1", "out", "to", "t");
	assert_runs(&p);
	assert_int_equal(p.cmd.body.mirror.dir, SWP_MIRROR_OUT);
	PARSE(&p, "mirror", "del", "ids");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MIRROR_DEL);
	assert_string_equal(p.cmd.body.mirror.name, "ids");
	PARSE(&p, "mirror");
	assert_runs(&p);
	assert_int_equal(p.cmd.type, SWP_MIRROR_SHOW);
	PARSE(&p, "-j", "mirror", "show", "ids");
	assert_runs(&p);
	assert_string_equal(p.cmd.body.mirror.name, "ids");

	PARSE(&p, "mirror", "add");
	assert_usage(&p);
	PARSE(&p, "mirror", "add", "ids", "to", "t");
	assert_usage(&p);
	assert_non_null(strstr(p.err, "expected 'from PORT[,PORT...]'"));
	PARSE(&p, "mirror", "add", "ids", "from", "vm1,", "to", "t");
	assert_usage(&p);
	PARSE(&p, "mirror", "add", "ids", "from", "vm1,,vm2", "to", "t");
	assert_usage(&p);
	PARSE(&p, "mirror", "add", "ids", "from", "vm1", "sideways", "to", "t");
	assert_usage(&p);
	PARSE(&p, "mirror", "add", "ids", "from", "vm1", "to");
	assert_usage(&p);
	PARSE(&p, "mirror", "add", "ids", "from", "vm1", "to", "t", "extra");
	assert_usage(&p);
	PARSE(&p, "mirror", "add", "a,b", "from", "vm1", "to", "t");
	assert_usage(&p);
	PARSE(&p, "mirror", "add", "ids", "from", "a-name-of-16-byt", "to", "t");
	assert_usage(&p);
	PARSE(&p, "mirror", "del");
	assert_usage(&p);
	PARSE(&p, "mirror", "flip");
	assert_usage(&p);
}

static void cli_parse_can_run_many_times(void **state)
{
	(void)state;
	struct parsed p;

	/* getopt keeps state between calls: a stale optind would skip arguments. */
	for (int i = 0; i < 3; i++) {
		PARSE(&p, "-j", "-s", "/a", "port", "add", "eth0");
		assert_runs(&p);
		assert_true(p.o.json);
		assert_string_equal(p.o.socket, "/a");
		assert_name_field(p.cmd.body.port.name, "eth0");
		PARSE(&p, "-x");
		assert_usage(&p);
		PARSE(&p, "mac");
		assert_runs(&p);
		assert_false(p.o.json);
		assert_int_equal(p.cmd.type, SWP_MAC_SHOW);
	}
}

/* ---- printers ---- */

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static FILE *out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	assert_non_null(o->f);
	return o->f;
}

static const char *out_text(struct out *o)
{
	fclose(o->f);
	o->f = NULL;
	return o->buf;
}

static struct swp_port_info sample_port(const char *name)
{
	struct swp_port_info pi = {
		.type = SWP_PORT_TAP,
		.state = SWP_STATE_UP,
		.ifindex = 7,
		.mtu = 1500,
		.macs = 3,
		.created = 1,
		.c = {
			.rx_packets = 1, .rx_bytes = 1099511627776ull, .tx_packets = 3,
			.tx_bytes = 4, .rx_dropped = 5, .tx_dropped = 6, .rx_drop_bad_src = 7,
			.rx_drop_runt = 8, .rx_drop_filtered = 9, .rx_drop_error = 10,
			.tx_drop_mtu = 11, .tx_drop_busy = 12, .tx_drop_error = 13,
			.rx_drop_link_local = 14, .rx_drop_storm = 15, .rx_drop_blocked = 16,
			.rx_drop_mac_limit = 17, .rx_drop_static = 18, .rx_drop_isolated = 19,
			.rx_drop_vlan = 20,
		},
		/* As a daemon sends them at their defaults: learning and flood on. */
		.settings = { [SWP_PSET_LEARNING - 1] = 1, [SWP_PSET_FLOOD - 1] = 1 },
	};

	assert_int_equal(swp_set_name(pi.name, name), 0);
	return pi;
}

#define SAMPLE_PORT_JSON(name) \
	"{\"name\":\"" name "\",\"type\":\"tap\",\"ifindex\":7,\"state\":\"up\",\"mtu\":1500," \
	"\"macs\":3,\"created\":true,\"blocked\":0,\"origin\":\"switchctl\",\"learning\":true,\"flood\":true,\"isolated\":false," \
	"\"max_macs\":0,\"storm_broadcast\":0,\"storm_multicast\":0,\"storm_unknown\":0," \
	"\"vlan_mode\":\"trunk\",\"vlans\":\"all\",\"native\":0," \
	"\"rx_packets\":1,\"rx_bytes\":1099511627776," \
	"\"tx_packets\":3,\"tx_bytes\":4,\"rx_dropped\":5,\"tx_dropped\":6," \
	"\"rx_drop_bad_src\":7,\"rx_drop_runt\":8,\"rx_drop_filtered\":9,\"rx_drop_error\":10," \
	"\"tx_drop_mtu\":11,\"tx_drop_busy\":12,\"tx_drop_error\":13,\"rx_drop_link_local\":14," \
	"\"rx_drop_storm\":15,\"rx_drop_blocked\":16,\"rx_drop_mac_limit\":17,\"rx_drop_static\":18," \
	"\"rx_drop_isolated\":19,\"rx_drop_vlan\":20,\"tx_drop_gso\":0,\"rx_drop_mirror\":0,\"peer\":\"\",\"netns\":\"\",\"path\":\"\",\"peer_path\":\"\"}"

static void print_records(struct out *out, const struct cli_opts *o, const struct cli_cmd *cmd,
			  uint16_t type, const void *bodies, size_t bsize, uint32_t n)
{
	struct swp_hdr hdr = { .version = SWP_VERSION, .type = type, .len = (uint32_t)(16 + bsize) };
	struct swp_done done = { .count = n };

	for (uint32_t i = 0; i < n; i++)
		cli_print_record(out->f, o, cmd, &hdr, (const char *)bodies + i * bsize, i == 0);
	cli_print_done(out->f, o, cmd, &done);
}

static void cli_json_port_show_prints_an_array_of_ports(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = true };
	const struct cli_cmd cmd = { .type = SWP_PORT_SHOW };
	struct swp_port_info ports[2] = { sample_port("eth0"), sample_port("tap1") };
	struct out out;

	out_open(&out);
	print_records(&out, &o, &cmd, SWP_PORT_INFO, ports, sizeof(ports[0]), 1);
	assert_string_equal(out_text(&out), "[" SAMPLE_PORT_JSON("eth0") "]\n");
	free(out.buf);

	ports[1].type = SWP_PORT_AFPACKET;
	ports[1].state = SWP_STATE_DOWN;
	ports[1].created = 0;
	memset(&ports[1].c, 0, sizeof(ports[1].c));
	ports[1].origin = SWP_ORIGIN_CONFIG;
	ports[1].settings[SWP_PSET_LEARNING - 1] = 0;
	ports[1].settings[SWP_PSET_ISOLATED - 1] = 1;
	ports[1].settings[SWP_PSET_MAX_MACS - 1] = 10;
	ports[1].vlan.vid = 5;
	ports[1].vlan.vlans[0] = 1ull << 10;
	ports[1].vlan.vlans[1] = 7ull << (84 - 64);
	out_open(&out);
	print_records(&out, &o, &cmd, SWP_PORT_INFO, ports, sizeof(ports[0]), 2);
	assert_string_equal(out_text(&out),
			    "[" SAMPLE_PORT_JSON("eth0") ","
			    "{\"name\":\"tap1\",\"type\":\"afpacket\",\"ifindex\":7,\"state\":\"down\","
			    "\"mtu\":1500,\"macs\":3,\"created\":false,\"blocked\":0,\"origin\":\"config\","
			    "\"learning\":false,"
			    "\"flood\":true,\"isolated\":true,\"max_macs\":10,\"storm_broadcast\":0,"
			    "\"storm_multicast\":0,\"storm_unknown\":0,\"vlan_mode\":\"trunk\","
			    "\"vlans\":[10,84,85,86],\"native\":5,\"rx_packets\":0,\"rx_bytes\":0,"
			    "\"tx_packets\":0,\"tx_bytes\":0,\"rx_dropped\":0,\"tx_dropped\":0,"
			    "\"rx_drop_bad_src\":0,\"rx_drop_runt\":0,\"rx_drop_filtered\":0,"
			    "\"rx_drop_error\":0,\"tx_drop_mtu\":0,\"tx_drop_busy\":0,"
			    "\"tx_drop_error\":0,\"rx_drop_link_local\":0,\"rx_drop_storm\":0,"
			    "\"rx_drop_blocked\":0,\"rx_drop_mac_limit\":0,\"rx_drop_static\":0,"
			    "\"rx_drop_isolated\":0,\"rx_drop_vlan\":0,\"tx_drop_gso\":0,\"rx_drop_mirror\":0,\"peer\":\"\",\"netns\":\"\",\"path\":\"\",\"peer_path\":\"\"}]\n");
	free(out.buf);
}

static void cli_json_mac_show_prints_lower_case_entries(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = true };
	const struct cli_cmd cmd = { .type = SWP_MAC_SHOW };
	const struct swp_mac_entry m[2] = {
		{ .mac = { 0xAA, 0xBB, 0xCC, 0x0D, 0xEE, 0xFF }, .vlan = 100, .port = "eth1", .age = 42 },
		{ .mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, .vlan = 0, .port = "tap0", .age = 0,
		  .is_static = 1 },
	};
	struct out out;

	out_open(&out);
	print_records(&out, &o, &cmd, SWP_MAC_ENTRY, m, sizeof(m[0]), 1);
	assert_string_equal(out_text(&out),
			    "[{\"mac\":\"aa:bb:cc:0d:ee:ff\",\"port\":\"eth1\",\"vlan\":100,\"age\":42,"
			    "\"static\":false}]\n");
	free(out.buf);

	out_open(&out);
	print_records(&out, &o, &cmd, SWP_MAC_ENTRY, m, sizeof(m[0]), 2);
	assert_string_equal(out_text(&out),
			    "[{\"mac\":\"aa:bb:cc:0d:ee:ff\",\"port\":\"eth1\",\"vlan\":100,\"age\":42,"
			    "\"static\":false},"
			    "{\"mac\":\"02:00:00:00:00:01\",\"port\":\"tap0\",\"vlan\":0,\"age\":0,"
			    "\"static\":true}]\n");
	free(out.buf);
}

static void cli_json_empty_show_is_an_empty_array(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = true };
	const struct cli_cmd ports = { .type = SWP_PORT_SHOW }, macs = { .type = SWP_MAC_SHOW };
	const struct swp_done done = { 0 };
	struct out out;

	out_open(&out);
	cli_print_done(out.f, &o, &ports, &done);
	assert_string_equal(out_text(&out), "[]\n");
	free(out.buf);
	out_open(&out);
	cli_print_done(out.f, &o, &macs, &done);
	assert_string_equal(out_text(&out), "[]\n");
	free(out.buf);
}

static void cli_json_names_are_escaped(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = true };
	const struct cli_cmd cmd = { .type = SWP_MAC_SHOW };
	struct swp_mac_entry m = { .mac = { 2, 0, 0, 0, 0, 1 }, .vlan = 1, .age = 5 };
	struct out out;

	/* A quote and a backslash in the name. */
	memcpy(m.port, "a\"b\\c", 6);
	out_open(&out);
	print_records(&out, &o, &cmd, SWP_MAC_ENTRY, &m, sizeof(m), 1);
	assert_string_equal(out_text(&out),
			    "[{\"mac\":\"02:00:00:00:00:01\",\"port\":\"a\\\"b\\\\c\",\"vlan\":1,"
			    "\"age\":5,\"static\":false}]\n");
	free(out.buf);
	/* Unterminated names cannot reach a printer: swp_decode refuses them (test_proto). */
}

static void cli_json_status_object(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = true };
	const struct cli_cmd cmd = { .type = SWP_STATUS };
	const struct swp_status_info s = {
		.version = SWITCHD_VERSION, .uptime = 3600, .ports = 2, .macs = 10,
		.mac_learned = 11, .mac_moved = 12, .mac_evicted = 13, .mac_aged = 14,
		/* by key: ageing, max-macs, flap-moves, flap-hold, storm-broadcast, -multicast, -unknown, spin-us */
		.settings = { 300, 8192, 10, 30, 100, 0, 7, 50 },
	};
	struct out out;

	out_open(&out);
	print_records(&out, &o, &cmd, SWP_STATUS_INFO, &s, sizeof(s), 1);
	/* The settings come after the keys scripts read before they existed. */
	assert_string_equal(out_text(&out),
			    "{\"version\":\"" SWITCHD_VERSION "\",\"uptime\":3600,\"ports\":2,"
			    "\"macs\":10,\"max_macs\":8192,\"ageing\":300,\"mac_learned\":11,"
			    "\"mac_moved\":12,\"mac_evicted\":13,\"mac_aged\":14,\"flap_moves\":10,"
			    "\"flap_hold\":30,\"storm_broadcast\":100,\"storm_multicast\":0,"
			    "\"storm_unknown\":7,\"spin_us\":50}\n");
	free(out.buf);
}

static void cli_text_status_shows_the_settings(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = false };
	const struct cli_cmd cmd = { .type = SWP_STATUS };
	const struct swp_status_info s = {
		.version = SWITCHD_VERSION,
		.settings = { 300, 8192, 10, 30, 100, 0, 7 },
	};
	struct out out;
	const char *text;

	out_open(&out);
	print_records(&out, &o, &cmd, SWP_STATUS_INFO, &s, sizeof(s), 1);
	text = out_text(&out);
	assert_non_null(strstr(text, "ageing    300 s\n"));
	assert_non_null(strstr(text, "flap      10 moves/s, hold 30 s\n"));
	assert_non_null(strstr(text, "storm     broadcast 100, multicast 0, unknown 7 pps\n"));
	free(out.buf);
}

static void cli_done_of_set(void **state)
{
	(void)state;
	const struct cli_opts json = { .json = true }, text = { .json = false };
	struct cli_cmd cmd = { .type = SWP_SET };
	struct swp_done done = { .count = 0 };
	struct out out;

	cmd.body.set.key = SWP_SET_MAX_MACS;
	cmd.body.set.value = 4;
	out_open(&out);
	cli_print_done(out.f, &json, &cmd, &done);
	assert_string_equal(out_text(&out), "{\"setting\":\"max-macs\",\"value\":4,\"evicted\":0}\n");
	free(out.buf);
	out_open(&out);
	cli_print_done(out.f, &text, &cmd, &done);
	assert_string_equal(out_text(&out), "");
	free(out.buf);
	done.count = 6;
	out_open(&out);
	cli_print_done(out.f, &text, &cmd, &done);
	assert_string_equal(out_text(&out), "6 MAC entries evicted\n");
	free(out.buf);
}

static void cli_done_of_flush_add_and_del(void **state)
{
	(void)state;
	const struct cli_opts json = { .json = true }, text = { .json = false };
	struct cli_cmd cmd = { .type = SWP_MAC_FLUSH };
	const struct swp_done done = { .count = 5 };
	struct out out;

	out_open(&out);
	cli_print_done(out.f, &json, &cmd, &done);
	assert_string_equal(out_text(&out), "{\"flushed\":5}\n");
	free(out.buf);
	out_open(&out);
	cli_print_done(out.f, &text, &cmd, &done);
	assert_string_equal(out_text(&out), "5 MAC entries flushed\n");
	free(out.buf);

	cmd.type = SWP_PORT_ADD;
	swp_set_name(cmd.body.port.name, "tap\"0");
	out_open(&out);
	cli_print_done(out.f, &json, &cmd, &done);
	assert_string_equal(out_text(&out), "{\"port\":\"tap\\\"0\",\"result\":\"added\"}\n");
	free(out.buf);
	cmd.type = SWP_PORT_DEL;
	out_open(&out);
	cli_print_done(out.f, &json, &cmd, &done);
	assert_string_equal(out_text(&out), "{\"port\":\"tap\\\"0\",\"result\":\"deleted\"}\n");
	free(out.buf);
	/* Text mode says nothing on success. */
	out_open(&out);
	cli_print_done(out.f, &text, &cmd, &done);
	assert_string_equal(out_text(&out), "");
	free(out.buf);

	cmd.type = SWP_PORT_CLEAR;
	out_open(&out);
	cli_print_done(out.f, &json, &cmd, &done);
	assert_string_equal(out_text(&out), "{\"cleared\":5}\n");
	free(out.buf);
	out_open(&out);
	cli_print_done(out.f, &text, &cmd, &(struct swp_done){ .count = 1 });
	assert_string_equal(out_text(&out), "counters of 1 port cleared\n");
	free(out.buf);
}

static void cli_text_mac_table(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = false };
	const struct cli_cmd cmd = { .type = SWP_MAC_SHOW };
	const struct swp_mac_entry m[2] = {
		{ .mac = { 0xAA, 0xBB, 0xCC, 0x0D, 0xEE, 0xFF }, .vlan = 100, .port = "eth1", .age = 42 },
		{ .mac = { 0x02, 0, 0, 0, 0, 1 }, .port = "tap0", .is_static = 1 },
	};
	struct out out;
	const char *t, *l2, *l3;

	out_open(&out);
	print_records(&out, &o, &cmd, SWP_MAC_ENTRY, m, sizeof(m[0]), 2);
	t = out_text(&out);
	assert_true(starts_with(t, "MAC "));
	l2 = strchr(t, '\n');
	assert_non_null(l2);
	l2++;
	l3 = strchr(l2, '\n');
	assert_non_null(l3);
	l3++;
	assert_true(starts_with(l2, "aa:bb:cc:0d:ee:ff  eth1 "));
	assert_non_null(strstr(l2, " 100  42\n"));
	assert_true(starts_with(l3, "02:00:00:00:00:01  tap0 "));
	assert_non_null(strstr(l3, "  static\n"));
	assert_string_equal(strchr(l3, '\n'), "\n");
	free(out.buf);
}

static void cli_text_port_with_drop_reasons(void **state)
{
	(void)state;
	const struct cli_opts o = { .json = false };
	const struct cli_cmd cmd = { .type = SWP_PORT_SHOW };
	struct swp_port_info pi = sample_port("eth0");
	struct out out;
	const char *t;

	out_open(&out);
	print_records(&out, &o, &cmd, SWP_PORT_INFO, &pi, sizeof(pi), 1);
	t = out_text(&out);
	assert_true(starts_with(t, "eth0: tap ifindex 7 up mtu 1500 macs 3 created\n"));
	assert_non_null(strstr(t, "rx 1 packets 1099511627776 bytes 5 dropped "
				  "(bad_src 7 runt 8 filtered 9 link_local 14 storm 15 blocked 16 error 10 "
				  "mac_limit 17 static 18 isolated 19 vlan 20)"));
	assert_non_null(strstr(t, "tx 3 packets 4 bytes 6 dropped (mtu 11 busy 12 error 13 gso 0)"));
	free(out.buf);

	/* Settings away from their defaults are named on the first line, in the table's order. */
	pi.settings[SWP_PSET_LEARNING - 1] = 0;
	pi.settings[SWP_PSET_FLOOD - 1] = 0;
	pi.settings[SWP_PSET_ISOLATED - 1] = 1;
	pi.settings[SWP_PSET_MAX_MACS - 1] = 100;
	out_open(&out);
	print_records(&out, &o, &cmd, SWP_PORT_INFO, &pi, sizeof(pi), 1);
	t = out_text(&out);
	assert_true(starts_with(t, "eth0: tap ifindex 7 up mtu 1500 macs 3 created learning off flood off "
				   "isolated max-macs 100\n"));
	free(out.buf);

	/* The VLAN mode as port set takes it, last. */
	pi.vlan.mode = SWP_VLAN_ACCESS;
	pi.vlan.vid = 10;
	out_open(&out);
	print_records(&out, &o, &cmd, SWP_PORT_INFO, &pi, sizeof(pi), 1);
	assert_true(starts_with(out_text(&out), "eth0: tap ifindex 7 up mtu 1500 macs 3 created learning off "
						"flood off isolated max-macs 100 vlan access 10\n"));
	free(out.buf);

	/* A port of the configuration file says so. */
	pi.origin = SWP_ORIGIN_CONFIG;
	out_open(&out);
	print_records(&out, &o, &cmd, SWP_PORT_INFO, &pi, sizeof(pi), 1);
	t = out_text(&out);
	assert_true(starts_with(t, "eth0: tap ifindex 7 up mtu 1500 macs 3 created config learning off "));
	free(out.buf);
}

/* ---- json_str ---- */

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_str(f, s);
	fclose(f);
	return buf;
}

static struct swp_event sample_event(uint32_t kind, const char *port)
{
	struct swp_event ev = {
		.kind = kind,
		.vlan = 42,
		.mac = { 0x02, 0xab, 0, 0, 0, 0x01 },
		.time_ms = 1795625716902ull, /* 2026-11-25T16:55:16.902Z */
	};

	assert_int_equal(swp_set_name(ev.port, port), 0);
	return ev;
}

/* Every kind, as text then as JSON, checked line by line. */
static void cli_events_text_and_json(void **state)
{
	(void)state;
	static const struct {
		uint32_t kind;
		uint64_t count;
		const char *port, *old_port, *reason, *text, *json;
	} cases[] = {
		{ SWP_EV_PORT_ADDED, 0, "vm1", "", "", "port_added vm1",
		  "\"event\":\"port_added\",\"port\":\"vm1\"}" },
		{ SWP_EV_PORT_REMOVED, 3, "vm1", "", "interface vanished",
		  "port_removed vm1 (interface vanished; 3 MAC entries flushed)",
		  "\"event\":\"port_removed\",\"port\":\"vm1\",\"reason\":\"interface vanished\","
		  "\"flushed\":3}" },
		{ SWP_EV_PORT_DOWN, 0, "vm1", "", "", "port_down vm1",
		  "\"event\":\"port_down\",\"port\":\"vm1\"}" },
		{ SWP_EV_PORT_BLOCKED, 30, "vm1", "", "MAC flapping", "port_blocked vm1 for 30 s (MAC flapping)",
		  "\"event\":\"port_blocked\",\"port\":\"vm1\",\"seconds\":30}" },
		{ SWP_EV_MAC_LEARNED, 0, "vm1", "", "", "mac_learned 02:ab:00:00:00:01 vlan 42 port vm1",
		  "\"event\":\"mac_learned\",\"mac\":\"02:ab:00:00:00:01\",\"vlan\":42,\"port\":\"vm1\"}" },
		{ SWP_EV_MAC_MOVED, 0, "vm2", "vm1", "",
		  "mac_moved 02:ab:00:00:00:01 vlan 42 port vm2 from vm1",
		  "\"event\":\"mac_moved\",\"mac\":\"02:ab:00:00:00:01\",\"vlan\":42,\"port\":\"vm2\","
		  "\"old_port\":\"vm1\"}" },
		{ SWP_EV_MAC_EVICTED, 0, "vm1", "", "", "mac_evicted 02:ab:00:00:00:01 vlan 42 port vm1",
		  "\"event\":\"mac_evicted\",\"mac\":\"02:ab:00:00:00:01\",\"vlan\":42,\"port\":\"vm1\"}" },
		{ SWP_EV_MAC_FLUSHED, 7, "", "", "by request", "mac_flushed 7 entries (by request)",
		  "\"event\":\"mac_flushed\",\"reason\":\"by request\",\"flushed\":7}" },
		{ SWP_EV_MAC_FLUSHED, 2, "vm1", "", "port blocked", "mac_flushed 2 entries port vm1 (port blocked)",
		  "\"event\":\"mac_flushed\",\"port\":\"vm1\",\"reason\":\"port blocked\",\"flushed\":2}" },
		{ SWP_EV_LOST, 99, "", "", "", "events_lost 99 events (the monitor did not read fast enough)",
		  "\"event\":\"events_lost\",\"lost\":99}" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct swp_event ev = sample_event(cases[i].kind, cases[i].port);
		const struct cli_opts text = { 0 }, json = { .json = true };
		char want[512];
		struct out out;

		ev.count = cases[i].count;
		swp_set_name(ev.old_port, cases[i].old_port);
		snprintf(ev.reason, sizeof(ev.reason), "%s", cases[i].reason);
		out_open(&out);
		cli_print_event(out.f, &text, &ev);
		snprintf(want, sizeof(want), "2026-11-25T16:55:16.902Z %s\n", cases[i].text);
		assert_string_equal(out_text(&out), want);
		free(out.buf);
		out_open(&out);
		cli_print_event(out.f, &json, &ev);
		snprintf(want, sizeof(want), "{\"time\":\"2026-11-25T16:55:16.902Z\",%s\n", cases[i].json);
		assert_string_equal(out_text(&out), want);
		free(out.buf);
	}
}

static void cli_event_of_an_unknown_kind_prints_nothing(void **state)
{
	(void)state;
	struct swp_event ev = sample_event(1000, "vm1");
	const struct cli_opts o = { .json = true };
	struct out out;

	out_open(&out);
	cli_print_event(out.f, &o, &ev);
	assert_string_equal(out_text(&out), "");
	free(out.buf);
}

static void cli_json_str_escapes_quotes_backslashes_and_controls(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "eth0", "\"eth0\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "\\\"", "\"\\\\\\\"\"" },
		{ "\n", "\"\\u000a\"" },
		{ "\t\r\b\f", "\"\\u0009\\u000d\\u0008\\u000c\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ " ~/", "\" ~/\"" },
		{ "\xc3\xa9", "\"\xc3\xa9\"" }, /* UTF-8 passes through */
		{ "\xe2\x82\xac\xf0\x9f\x90\xa7", "\"\xe2\x82\xac\xf0\x9f\x90\xa7\"" },
		/* Bytes that are not UTF-8 become U+FFFD, one each: the output always parses. */
		{ "x\xff", "\"x\\ufffd\"" },
		{ "\xc3(", "\"\\ufffd(\"" },         /* a lead byte without its continuation */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" }, /* an overlong form */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" }, /* a surrogate */
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" }, /* cut short by the end */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_of(cases[i].in);

		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* commands */
		cmocka_unit_test(cli_no_arguments_asks_for_status),
		cmocka_unit_test(cli_status_command),
		cmocka_unit_test(cli_monitor_command),
		cmocka_unit_test(cli_port_add_defaults_to_auto_type),
		cmocka_unit_test(cli_port_add_with_type_tap_or_afpacket),
		cmocka_unit_test(cli_port_add_netns_name_or_path),
		cmocka_unit_test(cli_port_del_and_delete),
		cmocka_unit_test(cli_port_show_list_and_bare_port),
		cmocka_unit_test(cli_port_show_one_port),
		cmocka_unit_test(cli_mac_show_every_port),
		cmocka_unit_test(cli_fdb_is_a_synonym_of_mac),
		cmocka_unit_test(cli_mac_show_one_port),
		cmocka_unit_test(cli_mac_flush_all_or_one_port),
		cmocka_unit_test(cli_mac_show_one_mac),
		cmocka_unit_test(cli_port_set_takes_each_setting_of_the_table),
		cmocka_unit_test(cli_mac_add_del_and_vlan_filters),
		cmocka_unit_test(cli_port_clear_all_or_one),
		cmocka_unit_test(cli_set_every_setting),
		cmocka_unit_test(cli_usage_bad_set),
		/* options */
		cmocka_unit_test(cli_json_option_before_or_after_command),
		cmocka_unit_test(cli_socket_option_before_or_after_command),
		cmocka_unit_test(cli_options_inside_a_command_are_taken_out),
		cmocka_unit_test(cli_help_forms),
		cmocka_unit_test(cli_version_forms),
		cmocka_unit_test(cli_usage_text_lists_the_commands),
		cmocka_unit_test(cli_mirror_words_make_mirror_requests),
		cmocka_unit_test(cli_parse_can_run_many_times),
		/* usage errors */
		cmocka_unit_test(cli_usage_unknown_object),
		cmocka_unit_test(cli_usage_unknown_verb),
		cmocka_unit_test(cli_usage_missing_name),
		cmocka_unit_test(cli_usage_name_of_16_chars_or_more),
		cmocka_unit_test(cli_usage_bad_port_type),
		cmocka_unit_test(cli_usage_port_add_netns),
		cmocka_unit_test(cli_port_add_stream_owner_and_mode),
		cmocka_unit_test(cli_usage_trailing_garbage),
		cmocka_unit_test(cli_usage_socket_without_path),
		cmocka_unit_test(cli_usage_unknown_option),
		cmocka_unit_test(cli_unknown_option_message_names_the_option),
		cmocka_unit_test(cli_socket_without_path_message_says_so),
		/* printers */
		cmocka_unit_test(cli_json_port_show_prints_an_array_of_ports),
		cmocka_unit_test(cli_json_mac_show_prints_lower_case_entries),
		cmocka_unit_test(cli_json_empty_show_is_an_empty_array),
		cmocka_unit_test(cli_json_names_are_escaped),
		cmocka_unit_test(cli_json_status_object),
		cmocka_unit_test(cli_text_status_shows_the_settings),
		cmocka_unit_test(cli_done_of_set),
		cmocka_unit_test(cli_done_of_flush_add_and_del),
		cmocka_unit_test(cli_text_mac_table),
		cmocka_unit_test(cli_text_port_with_drop_reasons),
		cmocka_unit_test(cli_json_str_escapes_quotes_backslashes_and_controls),
		cmocka_unit_test(cli_events_text_and_json),
		cmocka_unit_test(cli_event_of_an_unknown_kind_prints_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
