#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

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

int notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t plen;
	socklen_t alen;
	ssize_t n;
	int fd, err = 0;

	if (!path || !*path)
		return 0; /* not started by systemd with Type=notify */
	plen = strlen(path);
	/* A path, or '@' for the abstract namespace (a leading NUL on the wire, no trailing one). */
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return notify_fail(path, -EAFNOSUPPORT);
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return notify_fail(path, -errno);
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, alen);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(state))
		err = -EMSGSIZE;
	close(fd);
	return err ? notify_fail(path, err) : 0;
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
