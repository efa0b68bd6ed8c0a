#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "switchd/defaults.h"

#define USAGE_COL 38   /* where what a command does starts */
#define USAGE_WIDTH 92 /* and where its lines end */

/* Words of text from column col, wrapped before USAGE_WIDTH, each new line indented to col. */
static void usage_wrap(FILE *f, const char *text, int col)
{
	int at = col;

	while (*text) {
		size_t n = strcspn(text, " ");

		if (at > col && at + 1 + (int)n > USAGE_WIDTH) {
			fprintf(f, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', f);
			at++;
		}
		fprintf(f, "%.*s", (int)n, text);
		at += (int)n;
		text += n;
		text += strspn(text, " ");
	}
}

/* switchctl's options, then the command grammar's forms (lib/cmdline.c) and the settings (proto.c). */
void cli_usage(FILE *f)
{
	const struct cli_usage_row *u;
	const struct swp_port_setting *ps;
	const struct swp_setting *st;
	char what[512];

	fprintf(f, "usage: switchctl [-j] [-s PATH] COMMAND\n\nCommands:\n");
	/* capture is switchctl's alone (a config file cannot capture): its row comes last. */
	static const struct cli_usage_row capture = {
		"capture [-i PORTS|all] [-Q in|out|inout] [-c N] [-s SNAPLEN] [-w FILE|-] [EXPRESSION]",
		"frames crossing the ports (all by default), with tcpdump's options and filter: a line or a JSON "
		"line each, or pcapng (-w FILE|-, - for stdout); here -s is the snap length, so the socket "
		"option stands before capture",
	};
	bool last = false;

	for (size_t i = 0; (u = cli_cmd_usage(i)) || (!last && (last = true) && (u = &capture)); i++) {
		size_t off = (size_t)snprintf(what, sizeof(what), "%s", u->what);

		/* set: the settings, from their table. */
		if (!strncmp(u->synopsis, "set ", 4))
			for (size_t k = 0; (st = swp_setting_at(k)) && off < sizeof(what); k++)
				off += (size_t)snprintf(what + off, sizeof(what) - off, "%s%s", k ? ", " : "", st->name);
		/* port set: the port settings, from theirs (vlan has a row of its own). */
		if (!strncmp(u->synopsis, "port set NAME SETTING", 21))
			for (size_t k = 0, n = 0; (ps = swp_port_setting_at(k)) && off < sizeof(what); k++)
				if (!ps->vlan)
					off += (size_t)snprintf(what + off, sizeof(what) - off, "%s%s %s", n++ ? ", " : "",
								ps->name, ps->boolean ? "on|off" : "N");
		if (strlen(u->synopsis) + 4 > USAGE_COL) {
			fprintf(f, "  %s\n%*s", u->synopsis, USAGE_COL, "");
		} else {
			fprintf(f, "  %-*s", USAGE_COL - 2, u->synopsis);
		}
		usage_wrap(f, what, USAGE_COL);
		fputc('\n', f);
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  -j, --json          JSON output\n"
		"  -s, --socket PATH   control socket (default $SWITCHD_SOCKET, or %s)\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n"
		"\n"
		"Exit status: 0 success, 1 the operation failed, 2 usage error.\n",
		SWITCHD_SOCKET);
}

/* Where the command's first word is: past switchctl's options and their arguments. */
static int cli_command_at(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return i + 1;
		if (a[0] != '-' || !a[1])
			return i;
		/* -s PATH, --socket PATH, and -js PATH: the next word is the path. */
		if (!strcmp(a, "--socket") || (a[1] != '-' && a[strlen(a) - 1] == 's'))
			i++;
	}
	return argc;
}

enum cli_parse_result cli_parse(int argc, char **argv, struct cli_opts *o, struct cli_cmd *cmd,
				char *err, size_t errlen)
{
	const int argc_all = argc;
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, at;

	memset(cmd, 0, sizeof(*cmd));
	/* -s wins; then $SWITCHD_SOCKET, which the QEMU scripts take too. */
	o->socket = getenv("SWITCHD_SOCKET") && getenv("SWITCHD_SOCKET")[0] ? getenv("SWITCHD_SOCKET")
									      : SWITCHD_SOCKET;
	o->json = false;
	err[0] = '\0';
	optind = 0; /* reset getopt: cli_parse may run more than once in a process */
	opterr = 0;
	/*
	 * GNU getopt permutes: options may stand before, inside or after the command;
	 * but capture has options of its own (tcpdump's), so switchctl's stand before it.
	 */
	at = cli_command_at(argc, argv);
	if (at < argc && !strcmp(argv[at], "capture"))
		argc = at;
	else
		at = -1;
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
	if (at >= 0)
		return cli_capture_parse(argc_all - at, argv + at, o, cmd, err, errlen);
	return cli_cmd_parse(argc - optind, argv + optind, cmd, err, errlen);
}
