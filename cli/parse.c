#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "switchd/defaults.h"

/* switchctl's options, then the command grammar (lib/cmdline.c) for the words. */
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
		"  port clear [NAME]                   zero the counters of every port, or of one\n"
		"  mac show [MAC] [port NAME]          the MAC table, or where one MAC is (fdb is a\n"
		"                                      synonym of mac)\n"
		"  mac flush [port NAME]               empty the MAC table, or one port's entries\n"
		"  status                              version, uptime, ports, table size (the default)\n"
		"  mirror add NAME from PORT[,PORT...] [in|out|both] to PORT\n"
		"                                      copy what the ports receive, send or both\n"
		"                                      (default) to PORT, which then gets no other traffic\n"
		"  mirror del NAME                     stop a mirror\n"
		"  mirror show [NAME]                  the mirrors and how many frames each copied\n"
		"  trace in PORT [src MAC] dst MAC [vlan VID] [type ETHERTYPE]\n"
		"                                      what switchd would do now with such a frame, stage\n"
		"                                      by stage (nothing is sent or learned)\n"
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
			snprintf(err, errlen, "%s needs a path", argv[optind - 1]);
			return CLI_USAGE;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	return cli_cmd_parse(argc - optind, argv + optind, cmd, err, errlen);
}
