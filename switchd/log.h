/*
 * One-line logging: to stderr (with the syslog priority prefix "<N>" when
 * stderr is the systemd journal, so it keeps each line's level) or to
 * syslog(3). The only place switchd prints.
 */
#ifndef SWITCHD_LOG_H
#define SWITCHD_LOG_H

#include <stdbool.h>

/* The syslog(3) priorities. */
enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

enum log_target {
	LOG_TO_STDERR, /* "<N>" prefixed when $JOURNAL_STREAM names stderr */
	LOG_TO_SYSLOG, /* facility daemon */
};

/* Lines above max_level (LOG_LVL_INFO by default) are not printed. */
void log_init(const char *progname, enum log_level max_level, enum log_target target);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
