/*
 * Unit tests for the service manager protocol (switchd/notify.c): the file
 * descriptor store's messages, LISTEN_FDNAMES and LISTEN_PID/LISTEN_FDS, and
 * one descriptor through a real NOTIFY_SOCKET.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

static void test_fd_msg(void **state)
{
	char buf[300], name[NOTIFY_FDNAME_MAX + 2];

	(void)state;
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), true, "tap-vm1"), 0);
	assert_string_equal(buf, "FDSTORE=1\nFDNAME=tap-vm1");
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), false, "tap-vm1"), 0);
	assert_string_equal(buf, "FDSTOREREMOVE=1\nFDNAME=tap-vm1");
	/* systemd's rules: ':' separates LISTEN_FDNAMES; no control characters; 255 at most. */
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), true, "tap:vm1"), -EINVAL);
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), true, "tap\nFDSTORE=1"), -EINVAL);
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), true, "a\x7f"), -EINVAL);
	memset(name, 'x', NOTIFY_FDNAME_MAX);
	name[NOTIFY_FDNAME_MAX] = '\0';
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), true, name), 0);
	name[NOTIFY_FDNAME_MAX] = 'x';
	name[NOTIFY_FDNAME_MAX + 1] = '\0';
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), true, name), -EINVAL);
	/* The empty name is systemd's too. */
	assert_int_equal(notify_fd_msg(buf, sizeof(buf), true, ""), 0);
	assert_string_equal(buf, "FDSTORE=1\nFDNAME=");
	/* Too short a buffer is an error, never a cut message. */
	assert_int_equal(notify_fd_msg(buf, 20, true, "tap-vm1"), -ENOSPC);
	assert_int_equal(notify_fd_msg(buf, 25, true, "tap-vm1"), 0);
	assert_int_equal(notify_fd_msg(buf, 24, true, "tap-vm1"), -ENOSPC);
}

static void test_fdname(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(notify_fdname("tap-a:tap-b:stored", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "tap-a");
	assert_int_equal(notify_fdname("tap-a:tap-b:stored", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "tap-b");
	assert_int_equal(notify_fdname("tap-a:tap-b:stored", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "stored");
	/* Fewer names than descriptors, or none at all: "". */
	assert_int_equal(notify_fdname("tap-a:tap-b:stored", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(notify_fdname(NULL, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Empty names in between. */
	assert_int_equal(notify_fdname("a::c", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(notify_fdname("a::c", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "c");
	assert_int_equal(notify_fdname(":", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* A name longer than the room: an error, not a cut name that could match another. */
	assert_int_equal(notify_fdname("x:0123456789abcdef:y", 1, out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(notify_fdname("x:0123456789abcde:y", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "0123456789abcde");
}

static void test_listen_count(void **state)
{
	(void)state;
	assert_int_equal(notify_listen_count("42", "3", 42), 3);
	assert_int_equal(notify_listen_count("42", "0", 42), 0);
	/* For another process (a parent that left them set): not ours. */
	assert_int_equal(notify_listen_count("41", "3", 42), 0);
	assert_int_equal(notify_listen_count(NULL, "3", 42), 0);
	assert_int_equal(notify_listen_count("42", NULL, 42), 0);
	assert_int_equal(notify_listen_count("42x", "3", 42), -EINVAL);
	assert_int_equal(notify_listen_count("42", "-1", 42), -EINVAL);
	assert_int_equal(notify_listen_count("42", "", 42), -EINVAL);
	assert_int_equal(notify_listen_count("", "3", 42), -EINVAL);
	assert_int_equal(notify_listen_count("42", "99999999999999999999", 42), -EINVAL);
	assert_int_equal(notify_listen_count("42", "4096", 42), 4096);
	assert_int_equal(notify_listen_count("42", "4097", 42), -EINVAL);
}

/* A descriptor sent with FDSTORE=1 arrives on NOTIFY_SOCKET as SCM_RIGHTS, the message intact. */
static void test_fd_store_sends(void **state)
{
	char dir[] = "/tmp/test_notify.XXXXXX", path[64], buf[256];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			      .msg_controllen = sizeof(cm.b) };
	struct stat a, b;
	struct cmsghdr *c;
	ssize_t n;
	int s, fd, got = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_true(notify_enabled());
	assert_int_equal(notify_fd_store(fd, "tap-vm1"), 0);
	n = recvmsg(s, &msg, MSG_DONTWAIT);
	assert_int_equal(n, strlen("FDSTORE=1\nFDNAME=tap-vm1"));
	buf[n] = '\0';
	assert_string_equal(buf, "FDSTORE=1\nFDNAME=tap-vm1");
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&got, CMSG_DATA(c), sizeof(int));
	assert_true(got >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(got, &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	close(got);
	/* The remove carries no descriptor. */
	msg.msg_controllen = sizeof(cm.b);
	assert_int_equal(notify_fd_remove("tap-vm1"), 0);
	n = recvmsg(s, &msg, MSG_DONTWAIT);
	assert_int_equal(n, strlen("FDSTOREREMOVE=1\nFDNAME=tap-vm1"));
	assert_int_equal(msg.msg_controllen, 0);
	/* A name systemd would refuse is never sent. */
	assert_int_equal(notify_fd_store(fd, "tap:x"), -EINVAL);
	assert_true(recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0);
	/* Outside a service manager nothing is sent, and that is no error. */
	unsetenv("NOTIFY_SOCKET");
	assert_false(notify_enabled());
	assert_int_equal(notify_fd_store(fd, "tap-vm1"), 0);
	close(fd);
	close(s);
	unlink(path);
	rmdir(dir);
}

/* LISTEN_FDS for this process: 3, 4 taken with their names, the variables unset. */
static void test_listen_fds(void **state)
{
	struct notify_fd *fds;
	char pid[16];
	int p[2];

	(void)state;
	/* 3 and 4 must be ours to hand over: a pipe lands there in a fresh test process, or dup2. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], 3), 3);
	assert_int_equal(dup2(p[1], 4), 4);
	if (p[0] != 3 && p[0] != 4)
		close(p[0]);
	if (p[1] != 3 && p[1] != 4)
		close(p[1]);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "tap-a:tap-b", 1);
	assert_int_equal(notify_listen_fds(&fds), 2);
	assert_non_null(fds);
	assert_int_equal(fds[0].fd, 3);
	assert_string_equal(fds[0].name, "tap-a");
	assert_int_equal(fds[1].fd, 4);
	assert_string_equal(fds[1].name, "tap-b");
	assert_true(fcntl(3, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(4, F_GETFD) & FD_CLOEXEC);
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_FDNAMES"));
	free(fds);
	/* A manager that says 3 but passed 2: the missing one is -1, never closed or used. */
	close(5);
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", "3", 1);
	setenv("LISTEN_FDNAMES", "tap-a:tap-b:tap-c", 1);
	assert_int_equal(notify_listen_fds(&fds), 3);
	assert_int_equal(fds[0].fd, 3);
	assert_int_equal(fds[1].fd, 4);
	assert_int_equal(fds[2].fd, -1);
	assert_string_equal(fds[2].name, "tap-c");
	free(fds);
	/* Again: nothing left to take. Another process's variables: not taken, but unset. */
	assert_int_equal(notify_listen_fds(&fds), 0);
	assert_null(fds);
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "2", 1);
	assert_int_equal(notify_listen_fds(&fds), 0);
	assert_null(fds);
	assert_null(getenv("LISTEN_FDS"));
	close(3);
	close(4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_msg),
		cmocka_unit_test(test_fdname),
		cmocka_unit_test(test_listen_count),
		cmocka_unit_test(test_fd_store_sends),
		cmocka_unit_test(test_listen_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
