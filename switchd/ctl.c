#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "switchd/defaults.h"

struct ctl_client {
	struct ctl *ctl;
	struct ctl_client *next;
	int fd;
	ev_io io;
	ev_tstamp last; /* last read or write */
	bool closing;   /* close once the output is flushed */
	bool overflow;  /* the reply outgrew SWITCHD_CTL_OUTBUF_MAX */
	size_t inlen;
	uint8_t in[SWP_MSG_MAX];
	uint8_t *out;
	size_t outoff, outlen, outcap;
};

static void client_free(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;

	for (struct ctl_client **pp = &ctl->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	ctl->nclients--;
	ev_io_stop(ctl->loop, &c->io);
	close(c->fd);
	free(c->out);
	free(c);
}

static void client_queue(struct ctl_client *c, uint16_t type, uint32_t seq, const void *body,
			 size_t len)
{
	size_t need = c->outlen + sizeof(struct swp_hdr) + len;

	if (c->overflow)
		return;
	if (need > SWITCHD_CTL_OUTBUF_MAX) {
		c->overflow = true;
		return;
	}
	if (need > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		uint8_t *out;

		while (cap < need)
			cap *= 2;
		out = realloc(c->out, cap);
		if (!out) {
			c->overflow = true;
			return;
		}
		c->out = out;
		c->outcap = cap;
	}
	c->outlen += swp_encode(c->out + c->outlen, type, seq, body, len);
}

void ctl_reply_add(struct ctl_reply *r, uint16_t type, const void *body, size_t len)
{
	client_queue(r->client, type, r->seq, body, len);
	r->count++;
}

void ctl_reply_error(struct ctl_reply *r, int status, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

static void client_done(struct ctl_client *c, struct ctl_reply *r)
{
	struct swp_done d = { .status = r->status, .count = r->count };

	snprintf(d.msg, sizeof(d.msg), "%s", r->msg);
	client_queue(c, SWP_DONE, r->seq, &d, sizeof(d));
}

static void client_update_events(struct ctl_client *c)
{
	int ev = 0;

	/* Stop reading while replies are pending: a client that never reads cannot queue more. */
	if (!c->closing && c->outlen == c->outoff)
		ev |= EV_READ;
	if (c->outlen > c->outoff)
		ev |= EV_WRITE;
	if ((c->io.events & (EV_READ | EV_WRITE)) == ev)
		return;
	ev_io_stop(c->ctl->loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	if (ev)
		ev_io_start(c->ctl->loop, &c->io);
}

/* Handles every whole message in the input buffer; false when the client must go. */
static bool client_process(struct ctl_client *c)
{
	size_t off = 0;

	while (c->inlen - off >= sizeof(struct swp_hdr)) {
		struct swp_hdr hdr;
		struct ctl_reply r = { .client = c };
		int err;

		memcpy(&hdr, c->in + off, sizeof(hdr));
		r.seq = hdr.seq;
		err = swp_check(&hdr);
		if (err == -EMSGSIZE) {
			/* The stream cannot be re-framed: answer, then hang up. */
			ctl_reply_error(&r, err, "message length %u out of range", hdr.len);
			client_done(c, &r);
			c->closing = true;
			break;
		}
		if (c->inlen - off < hdr.len)
			break;
		if (err == -EPROTO)
			ctl_reply_error(&r, err, "protocol version %u not supported (want %u)",
					hdr.version, SWP_VERSION);
		else if (err)
			ctl_reply_error(&r, err, "malformed message (type %u, length %u)", hdr.type,
					hdr.len);
		else {
			/* An aligned copy: the body sits at any offset of the stream. */
			_Alignas(8) uint8_t body[SWP_MSG_MAX];

			memcpy(body, c->in + off + sizeof(hdr), hdr.len - sizeof(hdr));
			c->ctl->handler(c->ctl->ctx, &hdr, body, &r);
		}
		if (c->overflow) {
			log_warn("%s: reply larger than %u bytes, client dropped", __func__,
				 SWITCHD_CTL_OUTBUF_MAX);
			return false;
		}
		client_done(c, &r);
		off += hdr.len;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	return true;
}

static bool client_flush(struct ctl_client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->outoff += (size_t)n;
		c->last = ev_now(c->ctl->loop);
	}
	c->outoff = c->outlen = 0;
	/* Give back what a big reply took. */
	if (c->outcap > 65536) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
	}
	return !c->closing;
}

static void client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	if (revents & EV_READ) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_free(c);
			return;
		}
		if (n > 0) {
			c->inlen += (size_t)n;
			c->last = ev_now(loop);
			if (!client_process(c)) {
				client_free(c);
				return;
			}
		}
	}
	if (c->outlen > c->outoff && !client_flush(c)) {
		client_free(c);
		return;
	}
	if (c->closing && c->outlen == c->outoff) {
		client_free(c);
		return;
	}
	client_update_events(c);
}

static void ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct ctl *ctl = w->data;

	for (int i = 0; i < 16; i++) {
		struct ctl_client *c;
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* The listener stays readable: pause it or the loop spins. */
				log_warn("%s: %s; pausing accept for 1 s", __func__, strerror(errno));
				ev_io_stop(loop, &ctl->io);
				ev_timer_again(loop, &ctl->retry);
			}
			return;
		}
		if (ctl->nclients >= SWITCHD_CTL_MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			log_warn("%s: too many control clients (%u), connection refused", __func__,
				 ctl->nclients);
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->fd = fd;
		c->last = ev_now(loop);
		c->next = ctl->clients;
		ctl->clients = c;
		ctl->nclients++;
		ev_io_init(&c->io, client_cb, fd, EV_READ);
		c->io.data = c;
		ev_io_start(loop, &c->io);
	}
}

static void ctl_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct ctl *ctl = w->data;

	ev_timer_stop(loop, w);
	ev_io_start(loop, &ctl->io);
}

void ctl_tick(struct ctl *ctl)
{
	ev_tstamp now = ev_now(ctl->loop);
	struct ctl_client *c, *next;

	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (now - c->last > SWITCHD_CTL_IDLE_SEC) {
			log_debug("%s: idle control client dropped", __func__);
			client_free(c);
		}
	}
}

/* Whether a daemon answers on path. */
static bool ctl_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return live;
}

int ctl_open(struct ctl *ctl, struct ev_loop *loop, const char *path, ctl_handler h, void *ctx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)];
	mode_t old;
	int err;

	memset(ctl, 0, sizeof(*ctl));
	ctl->fd = -1;
	if (!path[0] || strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	/* The runtime directory, if missing (systemd's RuntimeDirectory= makes it otherwise). */
	if (mkdir(dirname(dir), SWITCHD_RUNDIR_MODE) < 0 && errno != EEXIST)
		return -errno;
	if (ctl_live(&sun))
		return -EADDRINUSE;
	/* Nobody answers: whatever is there is stale. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;

	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		return -errno;
	old = umask(0117);
	err = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (err < 0 || chmod(path, SWITCHD_SOCKET_MODE) < 0 || listen(ctl->fd, 64) < 0) {
		err = -errno;
		close(ctl->fd);
		ctl->fd = -1;
		return err;
	}
	ctl->loop = loop;
	ctl->handler = h;
	ctl->ctx = ctx;
	ev_io_init(&ctl->io, ctl_accept_cb, ctl->fd, EV_READ);
	ctl->io.data = ctl;
	ev_io_start(loop, &ctl->io);
	ev_init(&ctl->retry, ctl_retry_cb);
	ctl->retry.repeat = 1.0;
	ctl->retry.data = ctl;
	return 0;
}

void ctl_close(struct ctl *ctl)
{
	if (ctl->fd < 0)
		return;
	while (ctl->clients)
		client_free(ctl->clients);
	ev_io_stop(ctl->loop, &ctl->io);
	ev_timer_stop(ctl->loop, &ctl->retry);
	close(ctl->fd);
	unlink(ctl->path);
	ctl->fd = -1;
}
