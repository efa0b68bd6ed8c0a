#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_prog = "switchd";
static enum log_level log_max = LOG_LVL_INFO;
static enum log_target log_target = LOG_TO_STDERR;
static bool log_journal;

/*
 * systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected to
 * stdout/stderr; when that is our stderr, a "<N>" line prefix carries the
 * priority (sd-daemon(3)). A stderr redirected elsewhere keeps plain lines.
 */
static bool log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(const char *progname, enum log_level max_level, enum log_target target)
{
	log_prog = progname;
	log_max = max_level;
	/* syslog(3) drops every line silently when nothing listens: say so, and keep stderr. */
	if (target == LOG_TO_SYSLOG && access("/dev/log", F_OK) < 0) {
		fprintf(stderr, "%s: warning: --syslog: /dev/log: %s; logging to stderr\n", progname,
			strerror(errno));
		target = LOG_TO_STDERR;
	}
	log_target = target;
	log_journal = target == LOG_TO_STDERR && log_stderr_is_journal();
	if (target == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
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
	if (log_target == LOG_TO_SYSLOG) {
		syslog((int)lvl, "%s", line);
		return;
	}
	/* One write per line so lines from a crash or a pipe never interleave. */
	if (log_journal)
		fprintf(stderr, "<%d>%s: %s\n", (int)lvl, names[lvl], line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, names[lvl], line);
}
