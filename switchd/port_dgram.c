/*
 * Datagram ports: a Unix datagram socket that QEMU's -netdev dgram (with
 * local.type=unix and remote.type=unix) sends to. Each datagram is one bare
 * frame: no length, no virtio_net_hdr, no padding. Frames go back to the
 * peer the port was given (peer PATH), or, without one, to the last named
 * socket that sent one: a QEMU that restarts on the same path is the peer
 * again with its first frame.
 *
 * The port is waiting until it has somewhere to send (a frame came, or a
 * send to the given peer went through), connected after, and waiting again
 * when the peer's socket is gone (a send refused); each change is told as
 * port_up or port_down, and the peer's MAC entries go when it goes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdb.h"
#include "gso.h"
#include "log.h"
#include "port.h"
#include "sw.h"

struct dgram {
	struct sockaddr_un dest; /* where frames go, when known */
	socklen_t destlen;	 /* 0: nowhere yet */
	bool fixed;		 /* dest is the peer the port was given: other senders are refused */
	uint8_t seg[SWITCHD_FRAME_MAX]; /* a segment or a checksummed copy being sent */
};

static void dgram_set_state(struct port *p, uint32_t state, const char *why)
{
	uint32_t flushed = 0;

	if (p->state == state)
		return;
	p->state = state;
	if (state == SWP_STATE_CONNECTED) {
		log_info("port %s: peer %s", p->name, p->peer_path);
		if (p->sw)
			sw_event(p->sw, SWP_EV_PORT_UP, p, 0, NULL);
		return;
	}
	if (p->sw)
		flushed = fdb_flush(&p->sw->fdb, p->slot);
	log_info("port %s: peer %s gone: %s (%u MAC entries flushed)", p->name, p->peer_path, why, flushed);
	if (p->sw) {
		sw_event(p->sw, SWP_EV_PORT_DOWN, p, 0, why);
		if (flushed)
			sw_event(p->sw, SWP_EV_MAC_FLUSHED, p, flushed, "peer gone");
	}
}

/* Without a given peer, a named sender other than the one frames go to becomes the peer. */
static void dgram_sender(struct port *p, const struct sockaddr_un *from, socklen_t fromlen)
{
	struct dgram *d = p->priv;
	size_t base = offsetof(struct sockaddr_un, sun_path);

	if (fromlen <= base || !from->sun_path[0]) /* unnamed (or abstract): no way back */
		return;
	if (d->destlen == fromlen && !memcmp(&d->dest, from, fromlen)) {
		dgram_set_state(p, SWP_STATE_CONNECTED, NULL);
		return;
	}
	if (d->destlen)
		dgram_set_state(p, SWP_STATE_WAITING, "another socket sends to the port");
	d->dest = *from;
	d->destlen = fromlen;
	snprintf(p->peer_path, sizeof(p->peer_path), "%.*s", (int)(fromlen - base), from->sun_path);
	dgram_set_state(p, SWP_STATE_CONNECTED, NULL);
}

static bool dgram_from_peer(const struct dgram *d, const struct sockaddr_un *from, socklen_t fromlen)
{
	return fromlen == d->destlen && !memcmp(from, &d->dest, fromlen);
}

static int dgram_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	struct dgram *d = p->priv;
	unsigned got = 0;

	while (got < n) {
		struct sockaddr_un from;
		socklen_t fromlen = sizeof(from);
		ssize_t r = recvfrom(p->fd, f[got].data, SWITCHD_FRAME_MAX, MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &fromlen);

		if (r < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			if (errno == EAGAIN)
				break;
			return got ? (int)got : -errno;
		}
		/* Empty, cut short by the buffer, or from someone else than the given peer: dropped. */
		if (!r || r > SWITCHD_FRAME_MAX || (d->fixed && !dgram_from_peer(d, &from, fromlen))) {
			p->c.rx_packets++;
			p->c.rx_bytes += (size_t)r;
			p->c.rx_dropped++;
			p->c.rx_drop_error++;
			continue;
		}
		if (d->fixed)
			dgram_set_state(p, SWP_STATE_CONNECTED, NULL);
		else
			dgram_sender(p, &from, fromlen);
		memset(&f[got].vh, 0, sizeof(f[got].vh));
		f[got].len = (size_t)r;
		got++;
	}
	return (int)got;
}

static int dgram_send(void *ctx, const uint8_t *data, size_t len)
{
	struct port *p = ctx;
	struct dgram *d = p->priv;
	ssize_t r;

	do
		r = sendto(p->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&d->dest,
			   d->destlen);
	while (r < 0 && errno == EINTR);
	if (r >= 0) {
		dgram_set_state(p, SWP_STATE_CONNECTED, NULL);
		return 0;
	}
	if (errno == EAGAIN || errno == ENOBUFS)
		return -EAGAIN;
	if (errno == ECONNREFUSED || errno == ENOENT) {
		/* Nobody at the peer's address now: the port waits (a given peer is tried again). */
		dgram_set_state(p, SWP_STATE_WAITING, "its socket is gone");
		if (!d->fixed)
			d->destlen = 0;
		return -ENOTCONN;
	}
	return -errno;
}

static unsigned dgram_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	struct dgram *d = p->priv;

	for (unsigned i = 0; i < n; i++) {
		int rc;

		if (!d->destlen) {
			*err = -ENOTCONN;
			return i;
		}
		/* The peer takes only frames as they go on the wire: cut and checksummed here. */
		rc = gso_send(&f[i]->vh, f[i]->data, f[i]->len, d->seg, sizeof(d->seg), dgram_send, p);
		if (rc) {
			*err = rc;
			return i;
		}
	}
	return n;
}

static bool dgram_alive(struct port *p)
{
	(void)p;
	return true;
}

static void dgram_close(struct port *p)
{
	free(p->priv);
	p->priv = NULL;
	close(p->fd);
	if (p->path[0])
		unlink(p->path);
}

static const struct port_ops dgram_ops = {
	.type = SWP_PORT_DGRAM,
	.rx_burst = dgram_rx_burst,
	.tx_burst = dgram_tx_burst,
	.alive = dgram_alive,
	.close = dgram_close,
};

int port_open_dgram(const char *name, const char *path, const char *peer, bool mkdir_parent,
		    struct port **out, char *why, size_t whylen)
{
	int buf = SWITCHD_SOCK_BUF, err;
	struct dgram *d;
	struct port *p;

	why[0] = '\0';
	if (!port_name_valid(name)) {
		snprintf(why, whylen, "invalid port name '%s'", name);
		return -EINVAL;
	}
	if (mkdir_parent && (err = port_unix_mkdir_parent(path, why, whylen)))
		return err;
	p = calloc(1, sizeof(*p));
	d = calloc(1, sizeof(*d));
	if (!p || !d) {
		free(p);
		free(d);
		return -ENOMEM;
	}
	if (peer[0]) {
		if (port_unix_addr(&d->dest, peer) < 0) {
			snprintf(why, whylen, "peer %s: too long for a socket address", peer);
			free(p);
			free(d);
			return -ENAMETOOLONG;
		}
		d->destlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(peer) + 1);
		d->fixed = true;
		snprintf(p->peer_path, sizeof(p->peer_path), "%s", peer);
	}
	p->fd = port_unix_bind(path, SOCK_DGRAM);
	if (p->fd < 0) {
		err = p->fd;
		port_unix_why(why, whylen, path, err);
		free(p);
		free(d);
		return err;
	}
	setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->priv = d;
	p->ops = &dgram_ops;
	p->state = SWP_STATE_WAITING;
	*out = p;
	return 0;
}
