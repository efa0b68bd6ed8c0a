#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *log_prog = "switchd";
static bool log_verbose;

void log_init(const char *progname, bool verbose)
{
	log_prog = progname;
	log_verbose = verbose;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_LVL_ERR] = "error", [LOG_LVL_WARN] = "warning",
		[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
	};
	char line[512];
	va_list ap;

	if (lvl == LOG_LVL_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so lines from a crash or a pipe never interleave. */
	fprintf(stderr, "%s: %s: %s\n", log_prog, names[lvl], line);
}
