/*
 * Stream ports: a Unix stream socket that QEMU's -netdev stream (or anything
 * speaking its framing) connects to. Each frame is its length as a 4-byte
 * big-endian number, then the bare frame: no virtio_net_hdr, no padding. The
 * first client is the peer; while it is connected, others are refused. A
 * peer that goes away leaves the port waiting for the next.
 *
 * Nothing the peer does may stall the switch: its socket is non-blocking,
 * what it sends is read into one bounded buffer (one largest frame), a
 * frame the socket takes only part of is finished from a pending buffer
 * before any other goes (a frame is never cut), and while one is pending
 * new frames are dropped as busy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdb.h"
#include "gso.h"
#include "log.h"
#include "notify.h"
#include "port.h"
#include "sw.h"

#define STREAM_BUF (4 + SWITCHD_STREAM_FRAME_MAX)

struct stream {
	int peer;	      /* -1: waiting */
	ev_io rio, wio;	      /* the peer's readable, and writable while a frame is pending */
	bool from_peer;	      /* this poll is the peer's, not the listener's */
	bool accept_paused;   /* out of descriptors: the listener is stopped until the next tick */
	bool peer_stored;     /* the peer's connection is in the store as peer-NAME */
	uint64_t progress_ms; /* when the peer last sent something */
	size_t rlen;	      /* bytes in rbuf */
	size_t toff, tlen;    /* the pending rest of a frame: tbuf[toff..tlen) */
	uint8_t rbuf[STREAM_BUF];
	uint8_t tbuf[STREAM_BUF];
	uint8_t seg[SWITCHD_FRAME_MAX]; /* a segment or a checksummed copy being sent */
};

static struct ev_loop *stream_loop(struct port *p)
{
	return p->sw ? p->sw->loop : NULL;
}

static uint64_t stream_now(struct port *p)
{
	return p->sw ? p->sw->now() : 0;
}

static void stream_peer_close(struct port *p)
{
	struct stream *s = p->priv;
	struct ev_loop *loop = stream_loop(p);

	if (loop) {
		ev_io_stop(loop, &s->rio);
		ev_io_stop(loop, &s->wio);
	}
	close(s->peer);
	s->peer = -1;
	s->rlen = s->toff = s->tlen = 0;
	if (s->peer_stored) {
		char fdname[PORT_FDNAME_MAX];

		snprintf(fdname, sizeof(fdname), "%s%s", PORT_FDNAME_PEER, p->name);
		notify_fd_remove(fdname);
		s->peer_stored = false;
	}
}

/* The peer went away or broke the framing: the port waits for another; its MACs go. */
static void stream_peer_gone(struct port *p, const char *why)
{
	uint32_t flushed;

	stream_peer_close(p);
	p->state = SWP_STATE_WAITING;
	flushed = p->sw ? fdb_flush(&p->sw->fdb, p->slot) : 0;
	log_info("port %s: peer gone: %s (%u MAC entries flushed); waiting for another on %s", p->name, why,
		 flushed, p->path);
	if (p->sw) {
		sw_event(p->sw, SWP_EV_PORT_DOWN, p, 0, why);
		if (flushed)
			sw_event(p->sw, SWP_EV_MAC_FLUSHED, p, flushed, "peer gone");
	}
}

static void stream_rio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct port *p = w->data;
	struct stream *s = p->priv;

	s->from_peer = true;
	sw_port_poll(p->sw, p);
	s->from_peer = false;
}

/* Sends what is pending; 0 when nothing is left, -EAGAIN when some is. */
static int stream_push(struct port *p)
{
	struct stream *s = p->priv;

	while (s->toff < s->tlen) {
		ssize_t r = send(s->peer, s->tbuf + s->toff, s->tlen - s->toff, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* A peer that is gone is told by its read side: EOF or an error there. */
			return -EAGAIN;
		}
		s->toff += (size_t)r;
	}
	s->toff = s->tlen = 0;
	return 0;
}

static void stream_wio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct port *p = w->data;

	if (!stream_push(p))
		ev_io_stop(loop, w);
}

/* One frame, whole or not at all (the rest of a partial write is kept and finished). */
static int stream_send(void *ctx, const uint8_t *data, size_t len)
{
	struct port *p = ctx;
	struct stream *s = p->priv;
	uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
	struct iovec iov[2] = { { hdr, 4 }, { (void *)data, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t done;
	ssize_t r;

	if (len > SWITCHD_STREAM_FRAME_MAX)
		return -EMSGSIZE;
	if (s->tlen && stream_push(p))
		return -EAGAIN;
	do
		r = sendmsg(s->peer, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == ENOBUFS ? -EAGAIN : -errno;
	done = (size_t)r;
	if (done < 4 + len) {
		/* Keep the rest: the peer must see the frame whole before the next. */
		if (done < 4) {
			memcpy(s->tbuf, hdr + done, 4 - done);
			memcpy(s->tbuf + 4 - done, data, len);
			s->tlen = 4 - done + len;
		} else {
			memcpy(s->tbuf, data + (done - 4), len - (done - 4));
			s->tlen = len - (done - 4);
		}
		s->toff = 0;
		if (stream_loop(p))
			ev_io_start(stream_loop(p), &s->wio);
	}
	return 0;
}

static unsigned stream_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	struct stream *s = p->priv;

	for (unsigned i = 0; i < n; i++) {
		const struct frame *fr = f[i];
		int rc;

		if (s->peer < 0) {
			*err = -ENOTCONN;
			return i;
		}
		/* The peer takes only frames as they go on the wire: cut and checksummed here. */
		rc = gso_send(&fr->vh, fr->data, fr->len, s->seg, sizeof(s->seg), stream_send, p);
		if (rc) {
			*err = rc;
			return i;
		}
	}
	return n;
}

/* Whether the peer has closed its end with nothing left unread. */
static bool stream_peer_ended(const struct stream *s)
{
	char c;
	ssize_t r = recv(s->peer, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR);
}

/*
 * fd is the peer from now on. A port whose listener is in the store puts the
 * connection there too (peer-NAME), unless it came from there (stored).
 */
static void stream_peer_set(struct port *p, int fd, bool stored)
{
	struct stream *s = p->priv;

	s->peer = fd;
	s->rlen = s->toff = s->tlen = 0;
	s->progress_ms = stream_now(p);
	s->peer_stored = stored;
	if (!stored && p->stored) {
		char fdname[PORT_FDNAME_MAX];

		snprintf(fdname, sizeof(fdname), "%s%s", PORT_FDNAME_PEER, p->name);
		s->peer_stored = !notify_fd_store(fd, fdname);
	}
	p->state = SWP_STATE_CONNECTED;
	if (stream_loop(p)) {
		ev_io_init(&s->rio, stream_rio_cb, fd, EV_READ);
		s->rio.data = p;
		ev_io_init(&s->wio, stream_wio_cb, fd, EV_WRITE);
		s->wio.data = p;
		ev_io_start(stream_loop(p), &s->rio);
	}
	log_info("port %s: peer %s on %s", p->name, stored ? "taken back from the descriptor store" : "connected",
		 p->path);
	if (p->sw)
		sw_event(p->sw, SWP_EV_PORT_UP, p, 0, NULL);
}

bool port_stream_take_peer(struct port *p, int fd)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	int type = 0;
	socklen_t tlen = sizeof(type);
	char fdname[PORT_FDNAME_MAX];

	if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0 || peer.sun_family != AF_UNIX ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_STREAM) {
		log_warn("port %s: the stored peer connection is not a connected Unix stream socket: closed",
			 p->name);
		close(fd);
		snprintf(fdname, sizeof(fdname), "%s%s", PORT_FDNAME_PEER, p->name);
		notify_fd_remove(fdname);
		return false;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	stream_peer_set(p, fd, true);
	return true;
}

static void stream_accept(struct port *p)
{
	struct stream *s = p->priv;

	for (;;) {
		int fd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), buf = SWITCHD_SOCK_BUF;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Out of descriptors the listener stays readable: stop it, or the loop spins. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warn("%s: port %s: cannot accept a peer: %s", __func__, p->name,
					 strerror(errno));
				if (stream_loop(p))
					ev_io_stop(stream_loop(p), &p->io);
				s->accept_paused = true;
			}
			return;
		}
		/* The peer's end may not have been read yet: a QEMU that restarts comes back fast. */
		if (s->peer >= 0 && stream_peer_ended(s))
			stream_peer_gone(p, "closed the connection");
		if (s->peer >= 0) {
			log_warn("port %s: refused a second peer on %s (one is connected)", p->name, p->path);
			close(fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		stream_peer_set(p, fd, false);
	}
}

static uint32_t stream_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Whether rbuf starts with a whole frame (or a bad length, which the next read drops). */
static bool stream_whole_frame(const struct stream *s)
{
	uint32_t len;

	if (s->rlen < 4)
		return false;
	len = stream_be32(s->rbuf);
	return !len || len > SWITCHD_STREAM_FRAME_MAX || s->rlen >= 4 + (size_t)len;
}

static int stream_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	struct stream *s = p->priv;
	unsigned got = 0;
	size_t pos = 0;
	char why[64];

	if (!s->from_peer)
		stream_accept(p);
	if (s->peer < 0)
		return 0;
	while (got < n) {
		ssize_t r;

		/* Every whole frame in the buffer first. */
		while (got < n && s->rlen - pos >= 4) {
			uint32_t len = stream_be32(s->rbuf + pos);

			if (!len || len > SWITCHD_STREAM_FRAME_MAX) {
				snprintf(why, sizeof(why), "frame length %u", len);
				log_warn("port %s: peer sent a frame length of %u (1..%u): dropping it",
					 p->name, len, SWITCHD_STREAM_FRAME_MAX);
				p->c.rx_dropped += got + 1;
				p->c.rx_drop_error += got + 1;
				stream_peer_gone(p, why);
				return 0;
			}
			if (s->rlen - pos < 4 + len)
				break;
			memset(&f[got].vh, 0, sizeof(f[got].vh));
			memcpy(f[got].data, s->rbuf + pos + 4, len);
			f[got].len = len;
			got++;
			pos += 4 + len;
		}
		if (pos) {
			memmove(s->rbuf, s->rbuf + pos, s->rlen - pos);
			s->rlen -= pos;
			pos = 0;
		}
		if (got == n) {
			/*
			 * Frames left in the buffer: the socket may have nothing more
			 * to say, so its watcher would not fire for them. Come back.
			 */
			if (stream_whole_frame(s) && stream_loop(p))
				ev_feed_event(stream_loop(p), &s->rio, EV_READ);
			break;
		}
		r = read(s->peer, s->rbuf + s->rlen, sizeof(s->rbuf) - s->rlen);
		if (r > 0) {
			s->rlen += (size_t)r;
			s->progress_ms = stream_now(p);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		snprintf(why, sizeof(why), "%s", r ? strerror(errno) : "closed the connection");
		/* Its last frames would learn its MACs again after the flush: they go with it. */
		p->c.rx_dropped += got;
		p->c.rx_drop_error += got;
		stream_peer_gone(p, why);
		return 0;
	}
	return (int)got;
}

static bool stream_alive(struct port *p)
{
	(void)p;
	return true;
}

/* Once a second: a peer stalled inside a frame is dropped; a paused listener listens again. */
static void stream_collect(struct port *p)
{
	struct stream *s = p->priv;

	if (s->accept_paused && stream_loop(p)) {
		s->accept_paused = false;
		ev_io_start(stream_loop(p), &p->io);
	}
	if (s->peer >= 0 && s->rlen && stream_now(p) - s->progress_ms >= SWITCHD_STREAM_STALL_MS) {
		log_warn("port %s: peer stopped in the middle of a frame for %u s: dropping it", p->name,
			 SWITCHD_STREAM_STALL_MS / 1000);
		stream_peer_gone(p, "stalled mid-frame");
	}
}

static void stream_close(struct port *p)
{
	struct stream *s = p->priv;

	if (s) {
		if (s->peer >= 0)
			stream_peer_close(p);
		free(s);
		p->priv = NULL;
	}
	close(p->fd);
	if (p->path[0])
		unlink(p->path);
}

static const struct port_ops stream_ops = {
	.type = SWP_PORT_STREAM,
	.rx_burst = stream_rx_burst,
	.tx_burst = stream_tx_burst,
	.alive = stream_alive,
	.collect = stream_collect,
	.close = stream_close,
};

int port_stream_open(struct port *p, const char *path)
{
	struct stream *s;
	int fd, err;

	fd = port_unix_bind(path, SOCK_STREAM);
	if (fd < 0)
		return fd;
	if (listen(fd, 4) < 0) {
		err = -errno;
		close(fd);
		unlink(path);
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	s->peer = -1;
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->fd = fd;
	p->priv = s;
	p->ops = &stream_ops;
	p->ifindex = 0;
	p->mtu = 0;
	p->state = SWP_STATE_WAITING;
	return 0;
}

int port_stream_adopt(const char *name, const char *path, int lfd, struct port **out, char *why, size_t whylen)
{
	struct sockaddr_un sun, want;
	socklen_t len = sizeof(sun);
	int listening = 0;
	socklen_t llen = sizeof(listening);
	struct stream *s;
	struct port *p;

	why[0] = '\0';
	if (port_unix_addr(&want, path) < 0 || getsockname(lfd, (struct sockaddr *)&sun, &len) < 0 ||
	    sun.sun_family != AF_UNIX || strcmp(sun.sun_path, want.sun_path) ||
	    getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) < 0 || !listening) {
		snprintf(why, whylen, "the stored descriptor is not a socket listening on %s", path);
		close(lfd);
		return -EBADF;
	}
	p = calloc(1, sizeof(*p));
	s = calloc(1, sizeof(*s));
	if (!p || !s) {
		free(p);
		free(s);
		close(lfd);
		return -ENOMEM;
	}
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	s->peer = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->fd = lfd;
	p->priv = s;
	p->ops = &stream_ops;
	p->state = SWP_STATE_WAITING;
	p->stored = true;
	*out = p;
	return 0;
}

int port_open_stream(const char *name, const char *path, bool mkdir_parent, struct port **out, char *why,
		     size_t whylen)
{
	struct port *p;
	int err;

	why[0] = '\0';
	if (!port_name_valid(name)) {
		snprintf(why, whylen, "invalid port name '%s'", name);
		return -EINVAL;
	}
	if (mkdir_parent && (err = port_unix_mkdir_parent(path, why, whylen)))
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	err = port_stream_open(p, path);
	if (err) {
		port_unix_why(why, whylen, path, err);
		free(p);
		return err;
	}
	*out = p;
	return 0;
}
