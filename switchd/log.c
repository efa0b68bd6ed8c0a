#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *log_prog = "switchd";
static enum log_level log_max = LOG_LVL_INFO;

void log_init(const char *progname, enum log_level max_level)
{
	log_prog = progname;
	log_max = max_level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {
		[LOG_LVL_ERR] = "error", [LOG_LVL_WARN] = "warning",
		[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
	};
	char line[512];
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so lines from a crash or a pipe never interleave. */
	fprintf(stderr, "%s: %s: %s\n", log_prog, names[lvl], line);
}
