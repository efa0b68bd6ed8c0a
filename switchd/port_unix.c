/*
 * What the socket port kinds (stream, dgram) share: a Unix socket bound at a
 * path, with a stale one there replaced and one in use refused, the file's
 * owner and mode, and the directory it is in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "port.h"

int port_unix_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* A socket at path that nobody answers on is a stale one (a switchd that crashed): it may go. */
static int unix_clear_stale(const struct sockaddr_un *sun, int type)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (!rc)
		return -EADDRINUSE;
	return unlink(sun->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

int port_unix_bind(const char *path, int type)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, err;

	err = port_unix_addr(&sun, path);
	if (!err)
		err = unix_clear_stale(&sun, type);
	if (err)
		return err;
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Owner and group only: whoever may connect may put frames on the switch. */
	old = umask(0117);
	err = bind(fd, (const struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
	umask(old);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int port_unix_own(struct port *p, int64_t uid, int64_t gid, int32_t mode, char *why, size_t whylen)
{
	struct stat st;
	int err;

	if (mode >= 0 && chmod(p->path, (mode_t)mode) < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot give %s mode %04o: %s", p->path, (unsigned)mode, strerror(-err));
		return err;
	}
	if ((uid >= 0 || gid >= 0) && chown(p->path, (uid_t)uid, (gid_t)gid) < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot give %s to user %lld group %lld: %s", p->path, (long long)uid,
			 (long long)gid, strerror(-err));
		return err;
	}
	if (stat(p->path, &st) < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot read %s: %s", p->path, strerror(-err));
		return err;
	}
	p->sock_uid = (uint32_t)st.st_uid;
	p->sock_gid = (uint32_t)st.st_gid;
	p->sock_mode = (uint32_t)(st.st_mode & 07777);
	return 0;
}

int port_unix_mkdir_parent(const char *path, char *why, size_t whylen)
{
	char dir[SWP_PATH_MAX];
	char *slash;
	int err;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		err = -errno;
		snprintf(why, whylen, "cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	return 0;
}

void port_unix_why(char *why, size_t whylen, const char *path, int err)
{
	if (err == -EADDRINUSE)
		snprintf(why, whylen, "%s is in use: something answers on it", path);
	else if (err == -EEXIST)
		snprintf(why, whylen, "%s exists and is not a socket", path);
	else
		snprintf(why, whylen, "cannot listen on %s: %s", path, strerror(-err));
}
