/*
 * systemd's notification protocol (sd_notify(3), sd_listen_fds(3)) without
 * libsystemd: datagrams to $NOTIFY_SOCKET, readiness and the file descriptor
 * store, and the descriptors handed back at start (LISTEN_FDS). Outside
 * systemd (no NOTIFY_SOCKET) every send does nothing and returns 0.
 */
#ifndef SWITCHD_NOTIFY_H
#define SWITCHD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest FDNAME systemd takes. */
#define NOTIFY_FDNAME_MAX 255

/* Sends state (e.g. "READY=1"), if NOTIFY_SOCKET is set. Returns 0 or -errno, logged once. */
int notify_send(const char *state);
/* "READY=1\nMAINPID=<pid>": the control socket is listening, Type=notify may go on. */
int notify_ready(void);
/* "STOPPING=1": shutdown has begun. */
int notify_stopping(void);
/* Whether NOTIFY_SOCKET is set: whether there is a store to keep descriptors in. */
bool notify_enabled(void);

/*
 * Builds "FDSTORE=1\nFDNAME=name" (store) or "FDSTOREREMOVE=1\nFDNAME=name"
 * into buf. -EINVAL for a name systemd refuses (longer than
 * NOTIFY_FDNAME_MAX, a control character or ':'), -ENOSPC when buf is short.
 */
int notify_fd_msg(char *buf, size_t len, bool store, const char *name);
/* Hands fd to the store under name (the store keeps its own copy). 0 or -errno. */
int notify_fd_store(int fd, const char *name);
/* Drops every descriptor the store keeps under name. 0 or -errno. */
int notify_fd_remove(const char *name);

/* A descriptor passed at start, with its name ("" when none came). */
struct notify_fd {
	int fd;
	char name[NOTIFY_FDNAME_MAX + 1];
};

/*
 * The i-th name of a LISTEN_FDNAMES value (names separated by ':') into out;
 * "" when names has fewer. -ENAMETOOLONG when it does not fit outlen.
 */
int notify_fdname(const char *names, unsigned i, char *out, size_t outlen);
/*
 * How many descriptors a LISTEN_PID and LISTEN_FDS pair passes to process
 * self: 0 when either is missing or LISTEN_PID names another process,
 * -EINVAL when they are not numbers.
 */
int notify_listen_count(const char *pid, const char *fds, pid_t self);
/*
 * Takes the descriptors passed to this process (3, 4, ... with names from
 * LISTEN_FDNAMES), marks them close-on-exec and unsets the three variables.
 * Returns how many, with *out (free() it) holding them (fd -1 for one that
 * was not open); 0 and NULL for none.
 */
int notify_listen_fds(struct notify_fd **out);

#endif
