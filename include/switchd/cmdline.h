/*
 * The command grammar: switchctl's words (port add NAME type tap, set ageing
 * 60, ...) made into the request switchd is sent. Shared by switchctl, whose
 * options (-j, -s) are its own, and by switchd's configuration file, whose
 * lines are these words: neither can accept what the other refuses. No
 * options, no environment, no output: the words in, a request or an error out.
 */
#ifndef SWITCHD_CMDLINE_H
#define SWITCHD_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#include "switchd/proto.h"

struct cli_cmd {
	uint16_t type; /* SWP_* request */
	/* The request's struct (port show NAME: body.port.name), blen bytes of it. */
	union {
		struct swp_port_req port;
		struct swp_port_set_req port_set;
		struct swp_mac_req mac;
		struct swp_set_req set;
		struct swp_mirror mirror;
		struct swp_trace_req trace;
		struct swp_capture_req capture; /* switchctl's alone: its options are not words */
	} body;
	size_t blen;
};

enum cli_parse_result {
	CLI_RUN = 0,
	CLI_HELP = 1,	 /* --help or "help": print usage, exit 0 */
	CLI_VERSION = 2, /* --version (switchctl's option) */
	CLI_USAGE = -1,	 /* usage error, described in err: exit 2 */
};

/*
 * The command in words argv[0..argc-1] (none: status). CLI_RUN with cmd
 * filled in, CLI_HELP for "help", or CLI_USAGE with err saying what is wrong.
 */
enum cli_parse_result cli_cmd_parse(int argc, char *const *argv, struct cli_cmd *cmd, char *err,
				    size_t errlen);

/*
 * The commands as usage lists them: one row a form, its synopsis and what it
 * does, in the order of the objects table. NULL past the last.
 */
struct cli_usage_row {
	const char *synopsis;
	const char *what;
};
const struct cli_usage_row *cli_cmd_usage(size_t i);

#endif
