/*
 * AF_PACKET ports: a raw socket bound to an interface switchd does not own
 * (veth ends, a TAP held by QEMU, any other interface).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "port.h"

union afp_cmsg {
	struct cmsghdr h;
	char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
};

/* The kernel took the outer VLAN tag off and reported it beside the frame: put it back. */
static void afp_restore_tag(struct frame *f, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		const struct tpacket_auxdata *aux = (const void *)CMSG_DATA(c);
		uint16_t tpid, tci;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		if (!(aux->tp_status & TP_STATUS_VLAN_VALID) || f->len < 12)
			return;
		tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux->tp_vlan_tpid : ETH_P_8021Q;
		tci = aux->tp_vlan_tci;
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
		return;
	}
}

static int afp_rx_burst(struct port *p, struct frame *f, unsigned n)
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
	r = recvmmsg(p->fd, mm, n, MSG_DONTWAIT, NULL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		/* ENETDOWN is reported once when the link goes down or away. */
		if (errno == ENETDOWN)
			return p->ops->alive(p) ? 0 : -ENODEV;
		return -errno;
	}
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

static void afp_close(struct port *p)
{
	close(p->fd);
}

static const struct port_ops afp_ops = {
	.type = SWP_PORT_AFPACKET,
	.rx_burst = afp_rx_burst,
	.tx_burst = afp_tx_burst,
	.alive = afp_alive,
	.collect = afp_collect,
	.close = afp_close,
};

int port_afpacket_open(struct port *p, const char *name)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	int one = 1, buf = SWITCHD_SOCK_BUF, fd, err;
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
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	/* Bigger buffers absorb bursts; FORCE needs CAP_NET_ADMIN, plain is the fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	p->fd = fd;
	p->ifindex = (int)ifindex;
	p->ops = &afp_ops;
	return 0;
}
