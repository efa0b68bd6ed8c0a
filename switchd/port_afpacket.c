/*
 * AF_PACKET ports: a raw socket bound to an interface switchd does not own
 * (veth ends, a TAP held by QEMU, any other interface).
 *
 * Frames arrive through a TPACKET_V2 ring shared with the kernel: it writes
 * each frame (virtio_net_hdr just before it) into the next free slot, and
 * switchd forwards it from there and hands the slot back, without a system
 * call or a queued skb per frame. A frame larger than a slot (GSO
 * super-frames, jumbo frames) is also queued whole on the socket
 * (PACKET_COPY_THRESH); its slot says so (TP_STATUS_COPY) and it is read with
 * recvmsg, in order. Without a ring (it could not be set up, or
 * SWITCHD_AFP_RING=0), every frame is read with recvmmsg.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "port.h"

struct afp_ring {
	uint8_t *map;
	size_t map_len;
	unsigned slots;
	unsigned head;	  /* next slot to look at */
	unsigned release; /* first slot handed to the switch and not yet given back */
};

union afp_cmsg {
	struct cmsghdr h;
	char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
};

/*
 * The kernel took the outer VLAN tag off and reported it beside the frame
 * (auxdata or the ring slot's header): put it back. Needs 4 writable bytes
 * before f->data.
 */
static void afp_push_tag(struct frame *f, uint32_t status, uint16_t tpid, uint16_t tci)
{
	if (!(status & TP_STATUS_VLAN_VALID) || f->len < 12)
		return;
	if (!(status & TP_STATUS_VLAN_TPID_VALID))
		tpid = ETH_P_8021Q;
	f->data -= 4;
	memmove(f->data, f->data + 4, 12);
	f->data[12] = (uint8_t)(tpid >> 8);
	f->data[13] = (uint8_t)tpid;
	f->data[14] = (uint8_t)(tci >> 8);
	f->data[15] = (uint8_t)tci;
	f->len += 4;
	if (f->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		f->vh.csum_start += 4;
	if (f->vh.hdr_len)
		f->vh.hdr_len += 4;
}

static void afp_restore_tag(struct frame *f, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		const struct tpacket_auxdata *aux = (const void *)CMSG_DATA(c);

		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
			afp_push_tag(f, aux->tp_status, aux->tp_vlan_tpid, aux->tp_vlan_tci);
			return;
		}
	}
}

/* Reads up to n frames queued on the socket; *taken: how many it took off the queue. */
static int afp_recv(struct port *p, struct frame *f, unsigned n, unsigned *taken)
{
	union afp_cmsg ctl[PORT_BATCH];
	struct mmsghdr mm[PORT_BATCH];
	struct iovec iov[PORT_BATCH][2];
	unsigned got = 0;
	int r;

	if (n > PORT_BATCH)
		n = PORT_BATCH;
	for (unsigned i = 0; i < n; i++) {
		iov[i][0] = (struct iovec){ &f[i].vh, sizeof(f[i].vh) };
		iov[i][1] = (struct iovec){ f[i].data, SWITCHD_FRAME_MAX };
		mm[i].msg_hdr = (struct msghdr){
			.msg_iov = iov[i],
			.msg_iovlen = 2,
			.msg_control = &ctl[i],
			.msg_controllen = sizeof(ctl[i]),
		};
	}
	*taken = 0;
	r = recvmmsg(p->fd, mm, n, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		/* ENETDOWN is reported once when the link goes down or away. */
		if (errno == ENETDOWN)
			return p->ops->alive(p) ? 0 : -ENODEV;
		return -errno;
	}
	*taken = (unsigned)r;
	/* Frames cut short never leave: keep the good ones, in order. */
	for (int i = 0; i < r; i++) {
		if (mm[i].msg_len < sizeof(f[i].vh) || (mm[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			p->c.rx_dropped++;
			p->c.rx_drop_error++;
			continue;
		}
		if (got != (unsigned)i) {
			/* Swap buffers rather than copy: both have headroom. */
			uint8_t *spare = f[got].data;

			f[got].vh = f[i].vh;
			f[got].data = f[i].data;
			f[i].data = spare;
		}
		f[got].len = mm[i].msg_len - sizeof(f[i].vh);
		afp_restore_tag(&f[got], &mm[i].msg_hdr);
		got++;
	}
	return (int)got;
}

static int afp_recv_burst(struct port *p, struct frame *f, unsigned n)
{
	unsigned taken;

	return afp_recv(p, f, n, &taken);
}

static struct tpacket2_hdr *afp_slot(const struct afp_ring *r, unsigned i)
{
	return (struct tpacket2_hdr *)(r->map + (size_t)i * SWITCHD_RING_SLOT);
}

static unsigned afp_next(const struct afp_ring *r, unsigned i)
{
	return i + 1 == r->slots ? 0 : i + 1;
}

/* Nothing in the ring: an error the kernel reported on the socket is only seen by asking. */
static int afp_ring_error(struct port *p)
{
	int err = 0;
	socklen_t len = sizeof(err);

	/* Reading SO_ERROR clears it, as a failed recv would: poll stops reporting it. */
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || !err)
		return 0;
	if (err == ENETDOWN)
		return p->ops->alive(p) ? 0 : -ENODEV;
	return -err;
}

/*
 * Frames point into the ring and stay valid until afp_rx_release() gives
 * their slots back; a frame too big for its slot is read from the socket
 * queue into the caller's buffer.
 */
static int afp_ring_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	struct afp_ring *r = p->priv;
	unsigned got = 0, seen = 0;

	while (got < n && seen < r->slots) {
		struct tpacket2_hdr *h = afp_slot(r, r->head);
		uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		struct frame *fr = &f[got];

		if (!(st & TP_STATUS_USER))
			break;
		r->head = afp_next(r, r->head);
		seen++;
		if (st & TP_STATUS_COPY) {
			/*
			 * The whole frame waits on the socket queue, in ring order;
			 * so may the next ones: read them together.
			 */
			unsigned k = 1, taken;
			int ok;

			while (got + k < n && seen + k <= r->slots) {
				const struct tpacket2_hdr *nh = afp_slot(r, r->head);

				if ((__atomic_load_n(&nh->tp_status, __ATOMIC_ACQUIRE) &
				     (TP_STATUS_USER | TP_STATUS_COPY)) != (TP_STATUS_USER | TP_STATUS_COPY))
					break;
				r->head = afp_next(r, r->head);
				k++;
			}
			seen += k - 1;
			ok = afp_recv(p, fr, k, &taken);
			if (ok > 0)
				got += (unsigned)ok;
			/* Queued frames the ring announced and the queue did not have. */
			if (taken < k) {
				p->c.rx_dropped += k - taken;
				p->c.rx_drop_error += k - taken;
			}
			continue;
		}
		/*
		 * Cut short: the slot was too small and the socket queue full, so
		 * no whole copy was kept. Never forward part of a frame.
		 */
		if (h->tp_snaplen != h->tp_len || h->tp_mac < TPACKET2_HDRLEN + sizeof(fr->vh) + 4 ||
		    h->tp_mac + h->tp_snaplen > SWITCHD_RING_SLOT) {
			p->c.rx_dropped++;
			p->c.rx_drop_error++;
			continue;
		}
		fr->data = (uint8_t *)h + h->tp_mac;
		fr->len = h->tp_snaplen;
		memcpy(&fr->vh, fr->data - sizeof(fr->vh), sizeof(fr->vh));
		/* The 4 bytes before the frame are the virtio_net_hdr's, copied out just now. */
		afp_push_tag(fr, st, h->tp_vlan_tpid, h->tp_vlan_tci);
		got++;
	}
	if (!seen)
		return afp_ring_error(p);
	return (int)got;
}

static void afp_rx_release(struct port *p)
{
	struct afp_ring *r = p->priv;

	if (!r)
		return;
	for (; r->release != r->head; r->release = afp_next(r, r->release))
		__atomic_store_n(&afp_slot(r, r->release)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static unsigned afp_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	struct mmsghdr mm[PORT_BATCH];
	struct iovec iov[PORT_BATCH][2];
	unsigned sent = 0;

	if (n > PORT_BATCH)
		n = PORT_BATCH;
	for (unsigned i = 0; i < n; i++) {
		iov[i][0] = (struct iovec){ (void *)&f[i]->vh, sizeof(f[i]->vh) };
		iov[i][1] = (struct iovec){ f[i]->data, f[i]->len };
		mm[i].msg_hdr = (struct msghdr){ .msg_iov = iov[i], .msg_iovlen = 2 };
	}
	/* sendmmsg stops at a failing frame and reports it on the next call. */
	while (sent < n) {
		int r = sendmmsg(p->fd, mm + sent, n - sent, MSG_DONTWAIT);

		if (r < 0) {
			*err = -errno;
			break;
		}
		sent += (unsigned)r;
	}
	return sent;
}

static bool afp_alive(struct port *p)
{
	struct ifreq ifr = { .ifr_ifindex = p->ifindex };

	/*
	 * Ask through the port's own socket: a check that needs a new descriptor
	 * would call a live port dead when the daemon is out of descriptors.
	 */
	return ioctl(p->fd, SIOCGIFNAME, &ifr) == 0 || errno != ENODEV;
}

/* Frames the kernel dropped because this socket's queue was full: receive losses too. */
static void afp_collect(struct port *p)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* Reading the statistics resets them, so each drop is added once. */
	if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0 && st.tp_drops) {
		p->c.rx_dropped += st.tp_drops;
		p->c.rx_drop_error += st.tp_drops;
	}
}

static void afp_ring_free(struct afp_ring *r)
{
	if (r) {
		munmap(r->map, r->map_len);
		free(r);
	}
}

static void afp_close(struct port *p)
{
	afp_ring_free(p->priv);
	p->priv = NULL;
	close(p->fd);
}

static const struct port_ops afp_ops = {
	.type = SWP_PORT_AFPACKET,
	.rx_burst = afp_recv_burst,
	.tx_burst = afp_tx_burst,
	.alive = afp_alive,
	.collect = afp_collect,
	.close = afp_close,
};

static const struct port_ops afp_ring_ops = {
	.type = SWP_PORT_AFPACKET,
	.rx_burst = afp_ring_rx_burst,
	.rx_release = afp_rx_release,
	.tx_burst = afp_tx_burst,
	.alive = afp_alive,
	.collect = afp_collect,
	.close = afp_close,
};

/*
 * Sets up the receive ring on a socket not yet bound. PACKET_VNET_HDR must
 * already be on: the kernel refuses it once a ring exists.
 */
static int afp_ring_setup(int fd, unsigned kib, struct afp_ring **out)
{
	struct tpacket_req req = {
		.tp_block_size = SWITCHD_RING_BLOCK,
		.tp_block_nr = (kib << 10) / SWITCHD_RING_BLOCK,
		.tp_frame_size = SWITCHD_RING_SLOT,
		.tp_frame_nr = (kib << 10) / SWITCHD_RING_SLOT,
	};
	int v2 = TPACKET_V2, thresh = 1;
	struct afp_ring *r;

	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(v2)) < 0 ||
	    /* Frames larger than a slot are queued whole as well, so none is cut. */
	    setsockopt(fd, SOL_PACKET, PACKET_COPY_THRESH, &thresh, sizeof(thresh)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -errno;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->slots = req.tp_frame_nr;
	r->map_len = (size_t)req.tp_block_size * req.tp_block_nr;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->map == MAP_FAILED) {
		int err = -errno;

		free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* ring_kib: the receive ring's size (a multiple of the block size); 0: none. */
static int afp_open(struct port *p, const char *name, unsigned ring_kib)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	int one = 1, buf = SWITCHD_SOCK_BUF, fd, err;
	struct afp_ring *r = NULL;
	unsigned int ifindex = if_nametoindex(name);

	if (!ifindex)
		return -ENODEV;
	/* Protocol 0: nothing is queued before the socket is set up and bound. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sll.sll_ifindex = (int)ifindex;
	mr.mr_ifindex = (int)ifindex;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    /* Without this the socket sees its own transmissions and the switch relearns them. */
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		goto fail_errno;
	if (ring_kib && (err = afp_ring_setup(fd, ring_kib, &r)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
		goto fail_errno;
	/*
	 * Bigger buffers absorb bursts (with a ring, of frames too big for a
	 * slot); FORCE needs CAP_NET_ADMIN, plain is the fallback.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	p->fd = fd;
	p->ifindex = (int)ifindex;
	p->priv = r;
	p->ops = r ? &afp_ring_ops : &afp_ops;
	return 0;
fail_errno:
	err = -errno;
fail:
	afp_ring_free(r);
	close(fd);
	return err;
}

int port_afpacket_open(struct port *p, const char *name, unsigned ring_kib)
{
	int err;

	ring_kib = ring_kib / (SWITCHD_RING_BLOCK >> 10) * (SWITCHD_RING_BLOCK >> 10);
	if (!ring_kib)
		return afp_open(p, name, 0);
	err = afp_open(p, name, ring_kib);
	if (err && err != -ENODEV) {
		/* No ring (an old kernel, no memory for it): the socket queue works everywhere. */
		int ring_err = err;

		err = afp_open(p, name, 0);
		if (!err)
			log_warn("%s: %s: no receive ring (%s), reading with recvmmsg", __func__, name,
				 strerror(-ring_err));
	}
	return err;
}
