#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <malloc.h>
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
	ev_tstamp progress; /* connected, last whole request received or reply bytes sent */
	ev_tstamp partial_since; /* first byte of a message still incomplete; 0: none */
	struct ctl_conn conn;
};

/*
 * A big reply (`mac show` of a full table: megabytes) was freed since the last
 * tick. glibc raises its mmap threshold to the largest block freed, so later
 * big replies (and long requests) come from the heap, which free() does not give back: 500 hostile
 * clients re-connecting for minutes left 57 MB behind. ctl_tick() trims.
 */
static bool ctl_big_freed;

/* ---- framing: bytes in, whole checked messages out ---- */

/* Sets the buffer's size to cap, keeping what is held (at most cap bytes). */
static bool stream_resize(struct ctl_stream *s, size_t cap)
{
	uint8_t *buf = realloc(s->buf, cap);

	if (!buf)
		return false;
	s->buf = buf;
	s->cap = cap;
	return true;
}

uint8_t *ctl_stream_space(struct ctl_stream *s, size_t *room)
{
	struct swp_hdr h;
	size_t want = CTL_STREAM_MIN;

	/* Give back what was consumed only now, so a message never moves while it is read. */
	if (s->off) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	/* A longer message begun: room for all of it (swp_check bounds its length). */
	if (s->len >= sizeof(h)) {
		memcpy(&h, s->buf, sizeof(h));
		if (swp_check(&h) != -EMSGSIZE && h.len > want)
			want = h.len;
	}
	/* Shrink only between messages, or to the size of the one begun. */
	if (want != s->cap && (want > s->cap || s->len <= want)) {
		if (s->cap > 65536)
			ctl_big_freed = true;
		if (!stream_resize(s, want) && s->cap < want) {
			*room = 0;
			return NULL;
		}
	}
	*room = s->cap - s->len;
	return s->buf + s->len;
}

void ctl_stream_fill(struct ctl_stream *s, size_t n)
{
	s->len += n;
}

void ctl_stream_fini(struct ctl_stream *s)
{
	if (s->cap > 65536)
		ctl_big_freed = true;
	free(s->buf);
	*s = (struct ctl_stream){ 0 };
}

int ctl_stream_next(struct ctl_stream *s, struct ctl_msg *m)
{
	size_t have = s->len - s->off;
	const uint8_t *msg = s->buf + s->off;

	if (have < sizeof(m->hdr.len))
		return 0;
	/* Of a header not all in, what is missing reads as 0 (the -EMSGSIZE reply echoes it so). */
	memset(&m->hdr, 0, sizeof(m->hdr));
	memcpy(&m->hdr, msg, have < sizeof(m->hdr) ? have : sizeof(m->hdr));
	/*
	 * No point waiting for bytes that cannot be framed: an unaligned length (a
	 * version 2 peer's) is refused with its 4 bytes in, any other out of range
	 * once the header is.
	 */
	m->err = have < sizeof(m->hdr) ? swp_check_align(m->hdr.len) : swp_check(&m->hdr);
	if (m->err == -EMSGSIZE)
		return -EMSGSIZE;
	if (have < sizeof(m->hdr) || have < m->hdr.len)
		return 0;
	s->off += m->hdr.len;
	m->bad = 0;
	memset(m->body, 0, sizeof(m->body));
	if (m->err)
		return 1;
	/*
	 * Decoded where it lies: every length is a multiple of 4, so the message is
	 * 4-byte aligned, as netlink's attributes are (a u64's payload is only ever
	 * 4-aligned in netlink; libmnl reads it as such).
	 */
	m->err = swp_decode(msg, m->body, &m->bad);
	return 1;
}

/* ---- replies ---- */


static void out_queue(struct ctl_out *o, uint16_t type, uint32_t seq, const void *body)
{
	size_t len = swp_encoded_bound(type, body), need = o->len + len;

	if (o->overflow)
		return;
	/* A monitor's buffer may never empty: drop what was sent before growing. */
	if (o->off && need > o->cap) {
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
		need = o->len + len;
	}
	if (need > SWITCHD_CTL_OUTBUF_MAX) {
		o->overflow = true;
		return;
	}
	if (need > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		uint8_t *buf;

		while (cap < need)
			cap *= 2;
		buf = realloc(o->buf, cap);
		if (!buf) {
			o->overflow = true;
			return;
		}
		o->buf = buf;
		o->cap = cap;
	}
	len = swp_encode(o->buf + o->len, o->cap - o->len, type, seq, body);
	/* Only a message longer than any this daemon makes could fail. */
	if (!len)
		o->overflow = true;
	o->len += len;
}

void ctl_out_sent(struct ctl_out *o, size_t n)
{
	o->off += n;
	if (o->off < o->len)
		return;
	o->off = o->len = 0;
	/* Give back what a big reply took. */
	if (o->cap > 65536 && !o->keep) {
		ctl_big_freed = true;
		free(o->buf);
		o->buf = NULL;
		o->cap = 0;
	}
}

void ctl_reply_add(struct ctl_reply *r, uint16_t type, const void *body)
{
	out_queue(&r->conn->out, type, r->seq, body);
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

static void conn_done(struct ctl_conn *cn, struct ctl_reply *r)
{
	struct swp_done d = { .status = r->status, .count = r->count };

	snprintf(d.msg, sizeof(d.msg), "%s", r->msg);
	out_queue(&cn->out, SWP_DONE, r->seq, &d);
}

/* ---- events ---- */

int ctl_subscribe(struct ctl_reply *r)
{
	struct ctl_conn *cn = r->conn;

	if (cn->monitor)
		return 0;
	if (cn->ctl) {
		if (cn->ctl->nmonitors >= SWITCHD_CTL_MAX_MONITORS)
			return -EBUSY;
		if (cn->ctl->nmonitors++ == 0 && cn->ctl->monitors_changed)
			cn->ctl->monitors_changed(cn->ctl->ctx);
	}
	cn->monitor = true;
	cn->monitor_seq = r->seq;
	return 0;
}

/* Queues one event if the client has room for it; false when it has not. */
static bool conn_event(struct ctl_conn *cn, const struct swp_event *ev)
{
	const size_t msg = swp_encoded_max(SWP_EVENT);
	size_t unread = cn->out.len - cn->out.off;

	if (cn->lost) {
		struct swp_event lost = { .kind = SWP_EV_LOST, .time_ms = ev->time_ms, .count = cn->lost };

		if (unread + 2 * msg > SWITCHD_CTL_MONITOR_BUF)
			return false;
		out_queue(&cn->out, SWP_EVENT, cn->monitor_seq, &lost);
		cn->lost = 0;
		unread += msg;
	}
	if (unread + msg > SWITCHD_CTL_MONITOR_BUF)
		return false;
	out_queue(&cn->out, SWP_EVENT, cn->monitor_seq, ev);
	return true;
}

/* ---- feeds ---- */

static void client_update_events(struct ctl_client *c);

/* Makes the loop send what is queued (a connection driven without a server: nothing to do). */
static void conn_kick(struct ctl_conn *cn)
{
	if (cn->ctl)
		client_update_events((struct ctl_client *)(void *)((char *)cn - offsetof(struct ctl_client, conn)));
}

void ctl_feed_start(struct ctl_reply *r, void (*fini)(void *ctx), void (*eof)(void *ctx), void *ctx)
{
	struct ctl_conn *cn = r->conn;

	cn->feed = true;
	cn->feed_fini = fini;
	cn->feed_eof = eof;
	cn->feed_ctx = ctx;
	cn->out.keep = true;
}

int ctl_feed_add(struct ctl_conn *cn, uint16_t type, uint32_t seq, const void *body, size_t budget)
{
	struct ctl_out *o = &cn->out;

	if (cn->closing || o->overflow || o->len - o->off + swp_encoded_bound(type, body) > budget)
		return -ENOBUFS;
	out_queue(o, type, seq, body);
	if (o->overflow) {
		/* Only an allocation failure: the client goes once what it has is sent. */
		o->overflow = false;
		cn->closing = true;
		conn_kick(cn);
		return -ENOBUFS;
	}
	conn_kick(cn);
	return 0;
}

void ctl_feed_end(struct ctl_conn *cn, uint16_t type, uint32_t seq, const void *body)
{
	if (cn->closing)
		return;
	out_queue(&cn->out, type, seq, body);
	cn->out.overflow = false;
	cn->closing = true;
	conn_kick(cn);
}

/* ---- one connection's protocol ---- */

int ctl_conn_input(struct ctl_conn *cn, ctl_handler h, void *ctx)
{
	struct ctl_msg m;
	int n;

	while (!cn->closing && !cn->pending.more && (n = ctl_stream_next(&cn->in, &m)) != 0) {
		struct ctl_reply r = { .conn = cn, .seq = m.hdr.seq };

		if (n == -EMSGSIZE) {
			/* The stream cannot be re-framed: answer, then hang up. */
			ctl_reply_error(&r, n, "message length %u %s", m.hdr.len,
					swp_check_align(m.hdr.len) ? "not a multiple of 4" : "out of range");
			cn->closing = true;
		} else if (m.err == -EPROTO) {
			ctl_reply_error(&r, m.err, "protocol version %u not supported (want %u)",
					m.hdr.version, SWP_VERSION);
		} else if (m.err && m.bad) {
			ctl_reply_error(&r, m.err, "malformed message (type %u, length %u): attribute %u",
					m.hdr.type, m.hdr.len, m.bad);
		} else if (m.err) {
			ctl_reply_error(&r, m.err, "malformed message (type %u, length %u)",
					m.hdr.type, m.hdr.len);
		} else {
			h(ctx, &m.hdr, m.body, &r);
			if (r.more && !r.status && !cn->out.overflow) {
				/* The rest comes as the client reads (ctl_conn_continue). */
				cn->pending = r;
				return 0;
			}
		}
		conn_done(cn, &r);
		/*
		 * Checked after the SWP_DONE, not only after the records: a SWP_DONE that
		 * does not fit must drop the client too, or it waits for one forever
		 * (fuzz/crashers/ctl/done-over-outbuf-bound.bin).
		 */
		if (cn->out.overflow)
			return -ENOBUFS;
	}
	return 0;
}

int ctl_conn_continue(struct ctl_conn *cn, ctl_handler h, void *ctx)
{
	struct ctl_reply *r = &cn->pending;

	if (!r->more)
		return 0;
	if (!r->more(ctx, r) && !r->status && !cn->out.overflow)
		return 1;
	conn_done(cn, r);
	memset(r, 0, sizeof(*r));
	if (cn->out.overflow)
		return -ENOBUFS;
	/* Requests that came in meanwhile waited in the input buffer. */
	return ctl_conn_input(cn, h, ctx);
}

int ctl_take_fd(struct ctl_reply *r)
{
	struct ctl_conn *cn = r->conn;

	if (!cn->has_fd)
		return -1;
	cn->has_fd = false;
	return cn->fd_in;
}

static void conn_drop_fd(struct ctl_conn *cn)
{
	if (cn->has_fd)
		close(cn->fd_in);
	cn->has_fd = false;
}

void ctl_conn_fini(struct ctl_conn *cn)
{
	if (cn->feed_fini) {
		void (*fini)(void *ctx) = cn->feed_fini;

		cn->feed_fini = NULL;
		fini(cn->feed_ctx);
	}
	conn_drop_fd(cn);
	if (cn->out.cap > 65536)
		ctl_big_freed = true;
	free(cn->out.buf);
	cn->out.buf = NULL;
	cn->out.off = cn->out.len = cn->out.cap = 0;
	ctl_stream_fini(&cn->in);
}

/* ---- the server ---- */

static void client_free(struct ctl_client *c)
{
	struct ctl *ctl = c->ctl;

	if (c->conn.monitor && --ctl->nmonitors == 0 && ctl->monitors_changed)
		ctl->monitors_changed(ctl->ctx);
	for (struct ctl_client **pp = &ctl->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	ctl->nclients--;
	ev_io_stop(ctl->loop, &c->io);
	close(c->fd);
	ctl_conn_fini(&c->conn);
	free(c);
}

static void client_update_events(struct ctl_client *c)
{
	const struct ctl_out *o = &c->conn.out;
	int ev = 0;

	/* Stop reading while replies are pending: a client that never reads cannot queue more. */
	if (!c->conn.closing && o->len == o->off && !c->conn.pending.more)
		ev |= EV_READ;
	/* A reply in pieces goes on when the socket takes more. */
	if (o->len > o->off || c->conn.pending.more)
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
	if (ctl_conn_input(&c->conn, c->ctl->handler, c->ctl->ctx) < 0) {
		log_warn("%s: reply larger than %u bytes, client dropped", __func__,
			 SWITCHD_CTL_OUTBUF_MAX);
		return false;
	}
	return true;
}

static bool client_flush(struct ctl_client *c)
{
	struct ctl_out *o = &c->conn.out;

	while (o->off < o->len) {
		ssize_t n = send(c->fd, o->buf + o->off, o->len - o->off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		ctl_out_sent(o, (size_t)n);
		c->last = c->progress = ev_now(c->ctl->loop);
	}
	return !c->conn.closing;
}

/*
 * recv, taking one descriptor the client may send along (SCM_RIGHTS);
 * any more in the same message are closed.
 */
static ssize_t client_recv(struct ctl_client *c, uint8_t *at, size_t room)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = at, .iov_len = room };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t nfd;
		int fds[4];

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
		for (size_t i = 0; i < nfd; i++) {
			if (!c->conn.has_fd) {
				c->conn.fd_in = fds[i];
				c->conn.has_fd = true;
			} else {
				close(fds[i]);
			}
		}
	}
	return n;
}

static void client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	const struct ctl_out *o = &c->conn.out;

	if (revents & EV_READ) {
		size_t room;
		uint8_t *at = ctl_stream_space(&c->conn.in, &room);
		ssize_t n = at ? client_recv(c, at, room) : 0;

		if (!at)
			log_warn("%s: out of memory for a request (%zu bytes held), client dropped", __func__,
				 c->conn.in.len);
		/* A feed's client that shuts its side down still reads: the feed's end may follow. */
		if (n == 0 && c->conn.feed && !c->conn.closing && c->conn.feed_eof)
			c->conn.feed_eof(c->conn.feed_ctx);
		if (n == 0 && c->conn.closing && o->len > o->off) {
			n = -1;
			errno = EAGAIN;
		} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_free(c);
			return;
		}
		if (n > 0) {
			ctl_stream_fill(&c->conn.in, (size_t)n);
			c->last = ev_now(loop);
			if (!client_process(c)) {
				client_free(c);
				return;
			}
			/* A descriptor belongs to a request of this read: none claimed it. */
			conn_drop_fd(&c->conn);
			/* ctl_stream_space() reset off before the recv: now it counts what was handled. */
			if (c->conn.in.off)
				c->progress = c->last;
			/*
			 * Whatever is left is part of a message: it has SWITCHD_CTL_PARTIAL_SEC to
			 * complete. If a message was handled, what is left is a new one, begun now.
			 * Messages waiting behind a reply in pieces are whole, not partial.
			 */
			if (c->conn.in.len == c->conn.in.off || c->conn.pending.more)
				c->partial_since = 0;
			else if (!c->partial_since || c->conn.in.off)
				c->partial_since = c->last;
		}
	}
	if (o->len > o->off && !client_flush(c)) {
		client_free(c);
		return;
	}
	/* The next piece of a long reply, once the client has read most of the last one. */
	if (c->conn.pending.more && o->len - o->off < SWITCHD_CTL_MORE_LOW &&
	    ctl_conn_continue(&c->conn, c->ctl->handler, c->ctl->ctx) < 0) {
		log_warn("%s: reply larger than %u bytes, client dropped", __func__,
			 SWITCHD_CTL_OUTBUF_MAX);
		client_free(c);
		return;
	}
	if (c->conn.closing && o->len == o->off) {
		client_free(c);
		return;
	}
	client_update_events(c);
}

/* The peer's credentials; unknown ones (never on Linux) stay -1 and are refused changes by uid. */
static void ctl_peer_get(int fd, struct ctl_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred)) {
		peer->pid = cred.pid;
		peer->uid = cred.uid;
		peer->gid = cred.gid;
	} else {
		peer->pid = -1;
		peer->uid = peer->gid = (uint32_t)-1;
	}
}

/*
 * Makes room for one more client by dropping the one that has made no
 * progress (no whole request in, no reply bytes out) for the longest; monitors
 * stay. No minimum age: a crowd that re-connects as soon as it is dropped
 * would keep every place younger than any minimum and lock everyone out.
 * The victim may be a switchctl that connected but whose request is not read
 * yet (a busy machine can hold it between connect and send): nothing it sent
 * was acted on and no reply was begun, which switchctl takes as its cue to
 * send again. A client trickling a message byte by byte is not progressing.
 * False when every client is a monitor.
 */
static bool ctl_evict_one(struct ctl *ctl)
{
	struct ctl_client *victim = NULL;

	/*
	 * Clients accepted in one loop iteration share ev_now(); the list is newest
	 * first, so <= makes the first accepted of them the victim.
	 */
	for (struct ctl_client *c = ctl->clients; c; c = c->next) {
		if (!c->conn.monitor && !c->conn.feed && (!victim || c->progress <= victim->progress))
			victim = c;
	}
	if (!victim)
		return false;
	log_debug("%s: %s: full; dropping a client without progress for %.1f s (pid %d)", __func__,
		  ctl->path, ev_now(ctl->loop) - victim->progress, (int)victim->conn.peer.pid);
	client_free(victim);
	return true;
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
		if (ctl->nclients >= SWITCHD_CTL_MAX_CLIENTS && !ctl_evict_one(ctl)) {
			log_warn("%s: %s: too many control clients (%u), connection refused", __func__,
				 ctl->path, ctl->nclients);
			close(fd);
			continue;
		}
		if (!(c = calloc(1, sizeof(*c)))) {
			log_warn("%s: out of memory, connection refused", __func__);
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->fd = fd;
		c->conn.ctl = ctl;
		ctl_peer_get(fd, &c->conn.peer);
		c->conn.peer.readonly = ctl->readonly;
		c->last = c->progress = ev_now(loop);
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

void ctl_event(struct ctl *ctl, const struct swp_event *ev)
{
	struct ctl_client *c, *next;

	if (ctl->fd < 0 || !ctl->nmonitors)
		return;
	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (!c->conn.monitor || c->conn.closing)
			continue;
		if (!conn_event(&c->conn, ev)) {
			c->conn.lost++;
			continue;
		}
		/*
		 * Only an allocation failure overflows here: hang up once sent. Never
		 * free a client here: this may run inside its own callback.
		 */
		if (c->conn.out.overflow)
			c->conn.closing = true;
		client_update_events(c);
	}
}

void ctl_flush_all(struct ctl *ctl)
{
	for (struct ctl_client *c = ctl->fd < 0 ? NULL : ctl->clients; c; c = c->next)
		client_flush(c);
}

void ctl_tick(struct ctl *ctl)
{
	ev_tstamp now = ev_now(ctl->loop);
	struct ctl_client *c, *next;

	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (c->partial_since && now - c->partial_since > SWITCHD_CTL_PARTIAL_SEC) {
			log_debug("%s: control client sent part of a message %d s ago; dropped", __func__,
				  SWITCHD_CTL_PARTIAL_SEC);
			client_free(c);
		} else if (!c->conn.monitor && !c->conn.feed && now - c->last > SWITCHD_CTL_IDLE_SEC) {
			log_debug("%s: idle control client dropped", __func__);
			client_free(c);
		}
	}
	if (ctl_big_freed) {
		ctl_big_freed = false;
		malloc_trim(0);
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

int ctl_open(struct ctl *ctl, struct ev_loop *loop, const char *path, bool readonly,
	     ctl_handler h, void *ctx)
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
	if (mkdir(dirname(dir), readonly ? SWITCHD_RO_DIR_MODE : SWITCHD_RUNDIR_MODE) < 0 &&
	    errno != EEXIST)
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
	if (err < 0 || chmod(path, readonly ? SWITCHD_RO_SOCKET_MODE : SWITCHD_SOCKET_MODE) < 0 ||
	    listen(ctl->fd, 64) < 0) {
		err = -errno;
		close(ctl->fd);
		ctl->fd = -1;
		return err;
	}
	ctl->loop = loop;
	ctl->readonly = readonly;
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
