#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "switchd/defaults.h"

void cli_usage(FILE *f)
{
	fprintf(f,
		"usage: switchctl [-j] [-s PATH] COMMAND\n"
		"\n"
		"Commands:\n"
		"  port add NAME [type tap|afpacket]   attach an interface (a TAP is created if missing\n"
		"                                      with type tap)\n"
		"  port add NAME netns NS [ifname IF]  create a veth pair: NAME here, IF (default %s) in\n"
		"                                      the network namespace NS (a name under %s,\n"
		"                                      or a path like /proc/PID/ns/net)\n"
		"  port del NAME                       detach it\n"
		"  port show [NAME]                    ports (or one) with state and counters\n"
		"  mac show [port NAME]                the MAC table (fdb is a synonym of mac)\n"
		"  mac flush [port NAME]               empty the MAC table, or one port's entries\n"
		"  status                              version, uptime, ports, table size (the default)\n"
		"  monitor                             print events (ports, MAC table) as they happen,\n"
		"                                      until interrupted\n"
		"  set SETTING VALUE                   change a setting of the running switchd:\n"
		"                                      ageing SECONDS, max-macs N, flap-moves N,\n"
		"                                      flap-hold SECONDS, storm-broadcast PPS,\n"
		"                                      storm-multicast PPS, storm-unknown PPS\n"
		"\n"
		"Options:\n"
		"  -j, --json          JSON output\n"
		"  -s, --socket PATH   control socket (default $SWITCHD_SOCKET, or %s)\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n"
		"\n"
		"Exit status: 0 success, 1 the operation failed, 2 usage error.\n",
		SWITCHD_NETNS_PEER, SWITCHD_NETNS_DIR, SWITCHD_SOCKET);
}

static enum cli_parse_result usage_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cli_parse_result usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

/* What follows "port add NAME": keyword-value pairs, each at most once, in any order. */
static enum cli_parse_result parse_port_add(int argc, char **argv, struct swp_port_req *req,
					    char *err, size_t errlen)
{
	bool typed = false;

	for (int i = 0; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(key, "type") && !typed) {
			if (!val)
				return usage_err(err, errlen, "port add: type needs tap or afpacket");
			if (!strcmp(val, "tap"))
				req->type = SWP_PORT_TAP;
			else if (!strcmp(val, "afpacket"))
				req->type = SWP_PORT_AFPACKET;
			else
				return usage_err(err, errlen, "port add: unknown type '%s' (tap, afpacket)",
						 val);
			typed = true;
		} else if (!strcmp(key, "netns") && !req->netns[0]) {
			/* The daemon resolves the path: its working directory is not ours. */
			if (!val || !val[0] || (strchr(val, '/') && val[0] != '/') ||
			    strlen(val) >= SWP_PATH_MAX)
				return usage_err(err, errlen,
						 "port add: netns needs a name under %s or an absolute path "
						 "(at most %d bytes)",
						 SWITCHD_NETNS_DIR, SWP_PATH_MAX - 1);
			memcpy(req->netns, val, strlen(val) + 1);
		} else if (!strcmp(key, "ifname") && !req->peer[0]) {
			if (!val || !val[0] || swp_set_name(req->peer, val) < 0)
				return usage_err(err, errlen,
						 "port add: ifname needs an interface name (at most %d bytes)",
						 SWP_NAME_MAX - 1);
		} else {
			return usage_err(err, errlen, "port add: unexpected argument '%s'", key);
		}
	}
	if (req->peer[0] && !req->netns[0])
		return usage_err(err, errlen, "port add: ifname only goes with netns");
	if (req->netns[0] && req->type == SWP_PORT_TAP)
		return usage_err(err, errlen, "port add: with netns the port is a veth, not a TAP");
	return CLI_RUN;
}

static enum cli_parse_result parse_port(int argc, char **argv, struct cli_cmd *cmd, char *err,
					size_t errlen)
{
	const char *verb = argc > 0 ? argv[0] : "show";

	if (!strcmp(verb, "show") || !strcmp(verb, "list")) {
		if (argc > 2)
			return usage_err(err, errlen, "port show: unexpected argument '%s'", argv[2]);
		if (argc == 2 && (!argv[1][0] || swp_set_name(cmd->only, argv[1]) < 0))
			return usage_err(err, errlen, "port show: invalid interface name '%s'", argv[1]);
		cmd->type = SWP_PORT_SHOW;
		cmd->blen = 0;
		return CLI_RUN;
	}
	if (strcmp(verb, "add") && strcmp(verb, "del") && strcmp(verb, "delete"))
		return usage_err(err, errlen, "port: unknown command '%s' (add, del, show)", verb);
	if (argc < 2)
		return usage_err(err, errlen, "port %s: missing interface name", verb);
	cmd->type = !strcmp(verb, "add") ? SWP_PORT_ADD : SWP_PORT_DEL;
	cmd->blen = sizeof(cmd->body.port);
	if (!argv[1][0] || swp_set_name(cmd->body.port.name, argv[1]) < 0)
		return usage_err(err, errlen, "port %s: invalid interface name '%s'", verb, argv[1]);
	cmd->body.port.type = SWP_PORT_AUTO;
	if (cmd->type == SWP_PORT_ADD)
		return parse_port_add(argc - 2, argv + 2, &cmd->body.port, err, errlen);
	if (argc > 2)
		return usage_err(err, errlen, "port %s: unexpected argument '%s'", verb, argv[2]);
	return CLI_RUN;
}

static enum cli_parse_result parse_mac(const char *obj, int argc, char **argv, struct cli_cmd *cmd,
				       char *err, size_t errlen)
{
	const char *verb = argc > 0 ? argv[0] : "show";

	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		cmd->type = SWP_MAC_SHOW;
	else if (!strcmp(verb, "flush"))
		cmd->type = SWP_MAC_FLUSH;
	else
		return usage_err(err, errlen, "%s: unknown command '%s' (show, flush)", obj, verb);
	cmd->blen = sizeof(cmd->body.mac);
	if (argc <= 1)
		return CLI_RUN;
	if (strcmp(argv[1], "port"))
		return usage_err(err, errlen, "%s %s: unexpected argument '%s'", obj, verb, argv[1]);
	if (argc < 3 || !argv[2][0] || swp_set_name(cmd->body.mac.port, argv[2]) < 0)
		return usage_err(err, errlen, "%s %s: port needs an interface name", obj, verb);
	if (argc > 3)
		return usage_err(err, errlen, "%s %s: unexpected argument '%s'", obj, verb, argv[3]);
	return CLI_RUN;
}

#define SET_NAMES                                                                                  \
	"ageing, max-macs, flap-moves, flap-hold, storm-broadcast, storm-multicast, storm-unknown"

static enum cli_parse_result parse_set(int argc, char **argv, struct cli_cmd *cmd, char *err,
				       size_t errlen)
{
	const struct swp_setting *s;
	unsigned long long v;
	char *end;

	if (argc < 1)
		return usage_err(err, errlen, "set: missing setting (" SET_NAMES ")");
	if (!(s = swp_setting_by_name(argv[0])))
		return usage_err(err, errlen, "set: unknown setting '%s' (" SET_NAMES ")", argv[0]);
	if (argc < 2)
		return usage_err(err, errlen, "set %s: missing value", s->name);
	if (argc > 2)
		return usage_err(err, errlen, "set %s: unexpected argument '%s'", s->name, argv[2]);
	errno = 0;
	v = strtoull(argv[1], &end, 10);
	/* Digits only: strtoull would take a sign, spaces and wrap "-1" around. */
	if (argv[1][0] < '0' || argv[1][0] > '9' || *end || errno || v < s->min || v > s->max)
		return usage_err(err, errlen, "set %s: not a number in %llu..%llu: '%s'", s->name,
				 (unsigned long long)s->min, (unsigned long long)s->max, argv[1]);
	cmd->type = SWP_SET;
	cmd->blen = sizeof(cmd->body.set);
	cmd->body.set.key = s->key;
	cmd->body.set.value = v;
	return CLI_RUN;
}

enum cli_parse_result cli_parse(int argc, char **argv, struct cli_opts *o, struct cli_cmd *cmd,
				char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *obj;
	int c;

	memset(cmd, 0, sizeof(*cmd));
	/* -s wins; then $SWITCHD_SOCKET, which the QEMU scripts take too. */
	o->socket = getenv("SWITCHD_SOCKET") && getenv("SWITCHD_SOCKET")[0] ? getenv("SWITCHD_SOCKET")
									      : SWITCHD_SOCKET;
	o->json = false;
	err[0] = '\0';
	optind = 0; /* reset getopt: cli_parse may run more than once in a process */
	opterr = 0;
	/* GNU getopt permutes: options may stand before, inside or after the command. */
	while ((c = getopt_long(argc, argv, ":js:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'h':
			return CLI_HELP;
		case 'V':
			return CLI_VERSION;
		case ':':
			return usage_err(err, errlen, "%s needs a path", argv[optind - 1]);
		default:
			if (optopt)
				return usage_err(err, errlen, "unknown option '-%c'", optopt);
			return usage_err(err, errlen, "unknown option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	obj = argc > 0 ? argv[0] : "status";
	if (!strcmp(obj, "help"))
		return CLI_HELP;
	if (!strcmp(obj, "status")) {
		if (argc > 1)
			return usage_err(err, errlen, "status: unexpected argument '%s'", argv[1]);
		cmd->type = SWP_STATUS;
		return CLI_RUN;
	}
	if (!strcmp(obj, "monitor")) {
		if (argc > 1)
			return usage_err(err, errlen, "monitor: unexpected argument '%s'", argv[1]);
		cmd->type = SWP_MONITOR;
		return CLI_RUN;
	}
	if (!strcmp(obj, "port"))
		return parse_port(argc - 1, argv + 1, cmd, err, errlen);
	if (!strcmp(obj, "mac") || !strcmp(obj, "fdb"))
		return parse_mac(obj, argc - 1, argv + 1, cmd, err, errlen);
	if (!strcmp(obj, "set"))
		return parse_set(argc - 1, argv + 1, cmd, err, errlen);
	return usage_err(err, errlen, "unknown command '%s' (port, mac, fdb, status, set, monitor)",
			 obj);
}
