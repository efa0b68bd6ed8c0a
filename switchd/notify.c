#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

/* sd_listen_fds(3): the first descriptor passed; more than this many is a mistake. */
#define NOTIFY_LISTEN_FDS_START 3
#define NOTIFY_LISTEN_MAX 4096

/*
 * A failed notification must not stop the switch (systemd then times the unit
 * out, which says enough); logging it once keeps a broken setup visible
 * without repeating on every state change.
 */
static int notify_fail(const char *path, int err)
{
	static int logged;

	if (!logged) {
		logged = 1;
		log_warn("NOTIFY_SOCKET %s: %s", path, strerror(-err));
	}
	return err;
}

/* One datagram to NOTIFY_SOCKET, with fd attached (SCM_RIGHTS) when fd >= 0. */
static int notify_sendmsg(const char *state, int fd)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { (void *)state, strlen(state) };
	struct msghdr msg = { .msg_name = &sun, .msg_iov = &iov, .msg_iovlen = 1 };
	size_t plen;
	ssize_t n;
	int sock, err = 0;

	if (!path || !*path)
		return 0; /* not started by systemd with Type=notify */
	plen = strlen(path);
	/* A path, or '@' for the abstract namespace (a leading NUL on the wire, no trailing one). */
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return notify_fail(path, -EAFNOSUPPORT);
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	msg.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
	}
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return notify_fail(path, -errno);
	n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != iov.iov_len)
		err = -EMSGSIZE;
	close(sock);
	return err ? notify_fail(path, err) : 0;
}

int notify_send(const char *state)
{
	return notify_sendmsg(state, -1);
}

int notify_ready(void)
{
	char msg[64];

	/* MAINPID too, so the unit tracks this process even if a wrapper started it. */
	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld", (long)getpid());
	return notify_send(msg);
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

bool notify_enabled(void)
{
	const char *path = getenv("NOTIFY_SOCKET");

	return path && *path;
}

int notify_fd_msg(char *buf, size_t len, bool store, const char *name)
{
	size_t n = strlen(name);
	int w;

	/* ':' separates the names in LISTEN_FDNAMES: systemd refuses it in one. */
	if (n > NOTIFY_FDNAME_MAX)
		return -EINVAL;
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f || *c == ':')
			return -EINVAL;
	w = snprintf(buf, len, "%s=1\nFDNAME=%s", store ? "FDSTORE" : "FDSTOREREMOVE", name);
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	return 0;
}

int notify_fd_store(int fd, const char *name)
{
	char msg[NOTIFY_FDNAME_MAX + 32];
	int err = notify_fd_msg(msg, sizeof(msg), true, name);

	return err ? err : notify_sendmsg(msg, fd);
}

int notify_fd_remove(const char *name)
{
	char msg[NOTIFY_FDNAME_MAX + 32];
	int err = notify_fd_msg(msg, sizeof(msg), false, name);

	return err ? err : notify_sendmsg(msg, -1);
}

int notify_fdname(const char *names, unsigned i, char *out, size_t outlen)
{
	const char *end;
	size_t n;

	out[0] = '\0';
	for (; names && i > 0; i--) {
		names = strchr(names, ':');
		if (names)
			names++;
	}
	if (!names)
		return 0;
	end = strchr(names, ':');
	n = end ? (size_t)(end - names) : strlen(names);
	if (n >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, names, n);
	out[n] = '\0';
	return 0;
}

/* A whole decimal number in 1..max, or -1. */
static long notify_num(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max)
		return -1;
	return v;
}

int notify_listen_count(const char *pid, const char *fds, pid_t self)
{
	long p, n;

	if (!pid || !fds)
		return 0;
	p = notify_num(pid, INT32_MAX);
	n = notify_num(fds, NOTIFY_LISTEN_MAX);
	if (p < 0 || (n < 0 && strcmp(fds, "0")))
		return -EINVAL;
	/* Meant for another process: a parent that did not unset them. */
	if (p != (long)self || n < 0)
		return 0;
	return (int)n;
}

int notify_listen_fds(struct notify_fd **out)
{
	const char *names = getenv("LISTEN_FDNAMES");
	struct notify_fd *fds = NULL;
	int n, err = 0;

	*out = NULL;
	n = notify_listen_count(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid());
	if (n < 0) {
		log_warn("%s: LISTEN_PID or LISTEN_FDS is not a number: no descriptors taken", __func__);
		n = 0;
	}
	if (n > 0 && !(fds = calloc((size_t)n, sizeof(*fds))))
		err = -ENOMEM;
	for (int i = 0; i < n; i++) {
		int fd = NOTIFY_LISTEN_FDS_START + i;

		/* Taken or not, none of them may leak into a child. Not open: a broken manager. */
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			log_warn("%s: descriptor %d was passed but is not open", __func__, fd);
			fd = -1;
		}
		if (!fds)
			continue;
		fds[i].fd = fd;
		if (notify_fdname(names, (unsigned)i, fds[i].name, sizeof(fds[i].name)) < 0)
			fds[i].name[0] = '\0';
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (err) {
		for (int i = 0; i < n; i++)
			if (fcntl(NOTIFY_LISTEN_FDS_START + i, F_GETFD) >= 0)
				close(NOTIFY_LISTEN_FDS_START + i);
		return err;
	}
	*out = fds;
	return n;
}
