/* switchctl internals: options (parse.c; the words are lib/cmdline.c's) and output, text and JSON (output.c). */
#ifndef SWITCHCTL_CLI_H
#define SWITCHCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "switchd/cmdline.h"
#include "switchd/proto.h"

struct cli_opts {
	const char *socket;
	bool json;
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

/* JSON string with escapes (writer.c). */
void json_str(FILE *f, const char *s);

#endif
