/* switchctl internals: options (parse.c; the words are lib/cmdline.c's) and output, text and JSON (output.c). */
#ifndef SWITCHCTL_CLI_H
#define SWITCHCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "switchd/cmdline.h"
#include "switchd/proto.h"

/* switchctl capture's own options (the request's are in cli_cmd.body.capture). */
struct cli_capture {
	const char *wfile; /* -w: pcapng to this file, "-" stdout; NULL: a line per frame */
	uint32_t snaplen;  /* as the pcapng interfaces say it */
	void *prog;        /* the compiled filter (struct bpf_program *), NULL: none */
};

struct cli_opts {
	const char *socket;
	bool json;
	struct cli_capture cap;
};

enum cli_parse_result cli_parse(int argc, char **argv, struct cli_opts *o, struct cli_cmd *cmd,
				char *err, size_t errlen);
void cli_usage(FILE *f);

/* Prints one reply record, text or JSON; first/last frame JSON arrays. */
void cli_print_record(FILE *f, const struct cli_opts *o, const struct cli_cmd *cmd,
		      const struct swp_hdr *hdr, const void *body, bool first);
/* Prints what closes a successful reply (JSON array end, or a result object). */
void cli_print_done(FILE *f, const struct cli_opts *o, const struct cli_cmd *cmd,
		    const struct swp_done *done);

/* One monitor event as a line: text, or one JSON object per line. */
void cli_print_event(FILE *f, const struct cli_opts *o, const struct swp_event *ev);

/*
 * capture's words after "capture" (argv[0]): its options, then the filter
 * expression, compiled with libpcap into cmd's request. CLI_USAGE with err.
 */
enum cli_parse_result cli_capture_parse(int argc, char **argv, struct cli_opts *o,
					struct cli_cmd *cmd, char *err, size_t errlen);
/* One captured frame as a line: text (tcpdump -e's words), or one JSON object per line. */
void cli_print_frame(FILE *f, const struct cli_opts *o, const struct swp_capture_frame *fr);

/* JSON string with escapes (writer.c). */
void json_str(FILE *f, const char *s);

#endif
