/* switchctl: parse, send one request, print the replies until SWP_DONE. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "pcapng.h"
#include "switchd/defaults.h"

static int ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A daemon that stops answering must not hang a script. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Set by SIGINT/SIGTERM during monitor. */
static volatile sig_atomic_t interrupted;

/* A signal ends the wait for a message, but never cuts one short: then the rest is read. */
static int read_full(int fd, void *buf, size_t len, bool begun)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = recv(fd, (char *)buf + off, len - off, 0);

		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (n < 0 && (errno != EINTR || (interrupted && !off && !begun)))
			return -1;
		if (n > 0)
			off += (size_t)n;
	}
	return 0;
}

/*
 * One message of the reply to seq, decoded into body (SWP_BODY_MAX bytes).
 * 0; -1 with errno when the socket failed; -2 having said it was malformed.
 */
static int read_msg(int fd, uint32_t seq, struct swp_hdr *hdr, void *body)
{
	static _Alignas(8) uint8_t buf[SWP_MSG_MAX];
	uint16_t bad;
	int err;

	if (read_full(fd, buf, sizeof(*hdr), false) < 0)
		return -1;
	memcpy(hdr, buf, sizeof(*hdr));
	err = swp_check(hdr);
	if (!err && hdr->seq != seq)
		err = -EBADMSG;
	if (!err && read_full(fd, buf + sizeof(*hdr), hdr->len - sizeof(*hdr), true) < 0)
		return -1;
	memset(body, 0, SWP_BODY_MAX);
	if (!err)
		err = swp_decode(buf, body, &bad);
	if (err) {
		fprintf(stderr, "switchctl: malformed message from switchd (type %u, length %u): %s\n",
			hdr->type, hdr->len, strerror(-err));
		return -2;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * After the monitor request's SWP_DONE: one line per event until SIGINT or
 * SIGTERM (exit 0) or the daemon goes away (exit 1). Each line is flushed,
 * so a pipe sees events as they happen.
 */
static int monitor(int fd, const struct cli_opts *o, uint32_t seq)
{
	struct timeval none = { 0 };
	_Alignas(8) uint8_t body[SWP_BODY_MAX];

	/* Events come when they come: no receive timeout from here on. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	while (!interrupted) {
		struct swp_hdr hdr;
		int rc = read_msg(fd, seq, &hdr, body);

		if (rc == -1)
			goto io_error;
		if (rc < 0) {
			close(fd);
			return 1;
		}
		if (hdr.type == SWP_EVENT) {
			cli_print_event(stdout, o, (const struct swp_event *)(const void *)body);
			if (fflush(stdout)) {
				close(fd);
				return 1;
			}
		}
	}
	close(fd);
	return 0;
io_error:
	close(fd);
	if (interrupted)
		return 0;
	fprintf(stderr, "switchctl: monitor: %s\n",
		errno == ECONNRESET ? "switchd closed the connection" : strerror(errno));
	return 1;
}

/*
 * port add NAME netns NS: switchctl opens the namespace itself, with its own
 * rights (a process's /proc/PID/ns/net needs the right to trace it), and
 * sends the descriptor with the request. Returns it, -1 when the request
 * names no namespace, or -2 having said why it cannot be opened.
 */
static int open_netns(struct cli_cmd *cmd)
{
	char path[sizeof(SWITCHD_NETNS_DIR) + SWP_PATH_MAX];
	const char *ns = cmd->body.port.netns;
	int fd;

	if (cmd->type != SWP_PORT_ADD || !ns[0])
		return -1;
	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "%s/%s", SWITCHD_NETNS_DIR, ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Worded as switchd words it, had it opened the path. */
		if (errno == ENOENT)
			fprintf(stderr, "port add %.*s: no such network namespace: %s\n", SWP_NAME_MAX,
				cmd->body.port.name, path);
		else
			fprintf(stderr, "port add %.*s: cannot open %s: %s\n", SWP_NAME_MAX,
				cmd->body.port.name, path, strerror(errno));
		return -2;
	}
	cmd->body.port.flags |= SWP_PORT_F_NETNS_FD;
	return fd;
}

/* Sends len bytes of buf, with fd (SCM_RIGHTS) when it is not -1. */
static ssize_t send_request(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

/*
 * What a user the socket (or its directory) keeps out can do: join the group
 * it belongs to, or use the read-only socket (show, status, monitor) where the
 * docs put one. One line, after "Permission denied".
 */
static void access_hint(const char *path, char *buf, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path) + 1], gname[64];
	const struct passwd *pw = getpwuid(getuid());
	const struct group *gr;
	struct stat st;
	char *slash;
	size_t at;

	/* The directory keeps out those the socket would: both have switchd's group. */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (stat(path, &st) < 0 && stat(dir, &st) < 0) {
		buf[0] = '\0';
		return;
	}
	gr = getgrgid(st.st_gid);
	if (gr)
		snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)st.st_gid);
	if (st.st_gid == 0)
		at = (size_t)snprintf(buf, len,
				      " (only root may connect: switchd runs with group root; start it "
				      "with an operators' group, see switchd(8)");
	else
		at = (size_t)snprintf(buf, len,
				      " (root and group %s may connect: 'usermod -aG %s %s', then log in "
				      "again",
				      gname, gname, pw ? pw->pw_name : "USER");
	if (at >= len)
		return;
	if (strcmp(path, SWITCHD_RO_SOCKET_HINT) && stat(SWITCHD_RO_SOCKET_HINT, &st) == 0 &&
	    S_ISSOCK(st.st_mode))
		snprintf(buf + at, len - at, "; read-only (show, status, monitor): switchctl -s %s)",
			 SWITCHD_RO_SOCKET_HINT);
	else
		snprintf(buf + at, len - at,
			 "; read-only (show, status, monitor): switchctl -s PATH, if switchd was "
			 "started with --ro-socket PATH)");
}

/*
 * Connects and sends the request; returns the socket once the reply has
 * begun. A connection that ends before the first reply byte (the daemon
 * dropped it to make room before reading the request) is tried again.
 * -1 having said why.
 */
static int request(const char *path, const void *buf, size_t len, int nsfd)
{
	for (unsigned attempt = 0;; attempt++) {
		int fd = ctl_connect(path), e;
		char c;

		if (fd < 0) {
			char hint[512] = "";

			e = errno;
			if (e == ENOENT || e == ECONNREFUSED)
				snprintf(hint, sizeof(hint), " (is switchd running? -s PATH names its socket)");
			else if (e == EACCES || e == EPERM)
				access_hint(path, hint, sizeof(hint));
			fprintf(stderr, "switchctl: cannot connect to %s: %s%s\n", path, strerror(e), hint);
			return -1;
		}
		if (send_request(fd, buf, len, nsfd) != (ssize_t)len) {
			e = errno;
			if (e != EPIPE && e != ECONNRESET) {
				fprintf(stderr, "switchctl: send: %s\n", strerror(e));
				close(fd);
				return -1;
			}
		} else {
			ssize_t n;

			while ((n = recv(fd, &c, 1, MSG_PEEK)) < 0 && errno == EINTR)
				;
			if (n > 0)
				return fd;
			e = n == 0 ? ECONNRESET : errno;
			if (e != ECONNRESET) {
				fprintf(stderr, "switchctl: reading the reply: %s\n",
					e == EAGAIN ? "switchd did not answer in time" : strerror(e));
				close(fd);
				return -1;
			}
		}
		close(fd);
		if (attempt == SWITCHD_CTL_RETRIES) {
			fprintf(stderr, "switchctl: switchd closed the connection before answering, %u times\n",
				attempt + 1);
			return -1;
		}
		usleep((useconds_t)SWITCHD_CTL_RETRY_MS * 1000u << attempt);
	}
}

/*
 * After Ctrl-C: switchctl's side shut down, switchd ends the capture with its
 * counts once what it queued is read (discarded here); the frames it dropped,
 * as of the end, or of the last frame read if the end does not come within 2 s.
 */
static uint64_t capture_drain(int fd, uint32_t seq, uint64_t dropped)
{
	_Alignas(8) static uint8_t body[SWP_BODY_MAX];
	struct timeval wait = { .tv_sec = 2 };
	struct swp_hdr hdr;

	if (shutdown(fd, SHUT_WR) < 0)
		return dropped;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	while (read_msg(fd, seq, &hdr, body) == 0) {
		if (hdr.type == SWP_CAPTURE_END)
			return ((const struct swp_capture_end *)(void *)body)->dropped;
		if (hdr.type == SWP_CAPTURE_FRAME)
			dropped = ((const struct swp_capture_frame *)(void *)body)->dropped;
	}
	return dropped;
}

/* Writes one frame as pcapng or a line; false when the output failed (its reader went). */
static bool capture_out(const struct cli_opts *o, struct pcapng *pw, const struct swp_capture_frame *fr)
{
	int id;

	if (!o->cap.wfile) {
		cli_print_frame(stdout, o, fr);
		return !fflush(stdout);
	}
	if ((id = pcapng_iface(pw, fr->port)) < 0 ||
	    pcapng_packet(pw, (uint32_t)id, fr->time_ns, fr->dir, fr->data.ptr, fr->data.len, fr->len) < 0)
		return false;
	/* A pipe (tcpdump -r -) sees each frame as it comes. */
	return pw->f != stdout || !fflush(stdout);
}

/*
 * capture: the ports it covers, its SWP_DONE, then frames until Ctrl-C (0),
 * COUNT frames or switchd's SWP_CAPTURE_END (0); then tcpdump's summary.
 */
static int capture(const struct cli_opts *o, struct cli_cmd *cmd)
{
	static _Alignas(8) uint8_t buf[SWP_MSG_MAX], body[SWP_BODY_MAX];
	const struct swp_capture_frame *fr = (const void *)body;
	const struct swp_capture_end *end = (const void *)body;
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: recv returns EINTR */
	struct timeval none = { 0 };
	uint32_t seq = (uint32_t)getpid();
	uint64_t captured = 0, dropped = 0, count = cmd->body.capture.count;
	struct pcapng pw = { 0 };
	char ports[SWP_CAP_PORTS_MAX] = "";
	bool started = false;
	int fd, rc = 1;
	size_t len;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a reader that goes is a write error, and the end */
	len = swp_encode(buf, sizeof(buf), cmd->type, seq, &cmd->body);
	if (o->cap.wfile) {
		FILE *f = strcmp(o->cap.wfile, "-") ? fopen(o->cap.wfile, "wbe") : stdout;

		if (!f) {
			fprintf(stderr, "switchctl: capture: %s: %s\n", o->cap.wfile, strerror(errno));
			return 1;
		}
		if (pcapng_open(&pw, f, o->cap.snaplen) < 0) {
			fprintf(stderr, "switchctl: capture: writing %s: %s\n", o->cap.wfile, strerror(errno));
			goto out;
		}
	}
	if ((fd = request(o->socket, buf, len, -1)) < 0)
		goto out;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct swp_hdr hdr;
		int r;

		/*
		 * Frames may never pause long enough for a recv to be interrupted: the
		 * flag is looked at before each one, and a wait for the next lasts at
		 * most 250 ms (a signal just before it is seen then).
		 */
		if (started && !interrupted && poll(&pfd, 1, 250) <= 0)
			continue;
		r = interrupted && started ? -1 : read_msg(fd, seq, &hdr, body);
		if (r == -1 && interrupted) {
			rc = 0;
			if (started)
				dropped = capture_drain(fd, seq, dropped);
			break;
		}
		if (r == -1) {
			fprintf(stderr, "switchctl: capture: %s\n",
				errno == ECONNRESET ? "switchd closed the connection" : strerror(errno));
			break;
		}
		if (r < 0)
			break;
		if (hdr.type == SWP_DONE) {
			const struct swp_done *done = (const void *)body;

			if (done->status) {
				fprintf(stderr, "%s\n", done->msg[0] ? done->msg : strerror(-done->status));
				close(fd);
				goto out;
			}
			/* Frames come when they come: no receive timeout from here on. */
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
			started = true;
			/* As tcpdump says it: a script waits for this line before it sends. */
			fprintf(stderr, "listening on %s, link-type EN10MB (Ethernet), snapshot length %" PRIu32 " bytes\n",
				cmd->body.capture.ports[0] ? ports : "all", cmd->body.capture.snaplen);
		} else if (hdr.type == SWP_CAPTURE_END) {
			dropped = end->dropped;
			/* Not at the count switchctl asked for: say why switchd ended it. */
			if (strcmp(end->reason, "count reached"))
				fprintf(stderr, "switchctl: capture ended by switchd: %s\n", end->reason);
			rc = 0;
			break;
		} else if (hdr.type == SWP_CAPTURE_FRAME && fr->kind == SWP_CAP_KIND_PORT) {
			size_t at = strlen(ports), n = strnlen(fr->port, sizeof(fr->port));

			if (at + n + 2 <= sizeof(ports)) {
				if (at)
					ports[at++] = ',';
				memcpy(ports + at, fr->port, n);
				ports[at + n] = '\0';
			}
			/* Interfaces up front: a reader of the pipe opens it before the first frame. */
			if (o->cap.wfile && (pcapng_iface(&pw, fr->port) < 0 || (pw.f == stdout && fflush(stdout))))
				break;
		} else if (hdr.type == SWP_CAPTURE_FRAME && fr->kind == SWP_CAP_KIND_FRAME && started) {
			dropped = fr->dropped;
			if (!capture_out(o, &pw, fr)) {
				/* Its reader went (tcpdump -c N | ...): the end, not a failure. */
				rc = errno == EPIPE ? 0 : 1;
				if (rc)
					fprintf(stderr, "switchctl: capture: writing: %s\n", strerror(errno));
				break;
			}
			if (++captured == count) {
				rc = 0;
				break;
			}
		}
	}
	close(fd);
	fprintf(stderr, "%" PRIu64 " frames captured, %" PRIu64 " dropped by switchd\n", captured, dropped);
out:
	if (pw.f && pw.f != stdout && fclose(pw.f) && !rc) {
		fprintf(stderr, "switchctl: capture: writing %s: %s\n", o->cap.wfile, strerror(errno));
		rc = 1;
	}
	pcapng_close(&pw);
	return rc;
}

static int run(const struct cli_opts *o, struct cli_cmd *cmd)
{
	_Alignas(8) uint8_t buf[SWP_MSG_MAX], body[SWP_BODY_MAX];
	uint32_t seq = (uint32_t)getpid();
	bool first = true;
	size_t len;
	int fd, nsfd = open_netns(cmd);

	if (nsfd == -2)
		return 1;
	len = swp_encode(buf, sizeof(buf), cmd->type, seq, cmd->blen ? &cmd->body : NULL);
	if (cmd->type == SWP_MONITOR) {
		/* From before it connects: a Ctrl-C as soon as it is connected ends it with 0 too. */
		struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: recv returns EINTR */

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	fd = request(o->socket, buf, len, nsfd);
	if (nsfd >= 0)
		close(nsfd);
	if (fd < 0)
		return 1;
	for (;;) {
		struct swp_hdr hdr;
		int rc = read_msg(fd, seq, &hdr, body);

		if (rc == -1 && interrupted) {
			close(fd);
			return 0; /* a monitor interrupted before its SWP_DONE */
		}
		if (rc == -1)
			goto io_error;
		if (rc < 0)
			goto fail;
		if (hdr.type == SWP_DONE) {
			const struct swp_done *done = (const void *)body;

			if (done->status) {
				close(fd);
				fprintf(stderr, "%s\n", done->msg[0] ? done->msg : strerror(-done->status));
				return 1;
			}
			if (cmd->type == SWP_MONITOR)
				return monitor(fd, o, seq);
			close(fd);
			cli_print_done(stdout, o, cmd, done);
			return fflush(stdout) ? 1 : 0;
		}
		cli_print_record(stdout, o, cmd, &hdr, body, first);
		first = false;
	}
io_error:
	fprintf(stderr, "switchctl: reading the reply: %s\n",
		errno == EAGAIN ? "switchd did not answer in time" : strerror(errno));
fail:
	close(fd);
	return 1;
}

int main(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_cmd cmd;
	char err[256];

	switch (cli_parse(argc, argv, &o, &cmd, err, sizeof(err))) {
	case CLI_HELP:
		cli_usage(stdout);
		return 0;
	case CLI_VERSION:
		printf("switchctl %s\n", SWITCHD_VERSION);
		return 0;
	case CLI_USAGE:
		fprintf(stderr, "switchctl: %s\n", err);
		fprintf(stderr, "Try 'switchctl --help'.\n");
		return 2;
	case CLI_RUN:
		break;
	}
	return cmd.type == SWP_CAPTURE ? capture(&o, &cmd) : run(&o, &cmd);
}
