/*
 * AF_PACKET ports: a raw socket bound to an interface switchd does not own
 * (veth ends, a TAP held by QEMU, any other interface).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "port.h"

static int afp_rx(struct port *p, struct frame *f, size_t cap)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov[2] = {
		{ &f->vh, sizeof(f->vh) },
		{ f->data, cap },
	};
	struct msghdr msg = {
		.msg_iov = iov,
		.msg_iovlen = 2,
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
	};
	ssize_t n = recvmsg(p->fd, &msg, MSG_DONTWAIT);

	if (n < 0) {
		/* ENETDOWN is reported once when the link goes down or away. */
		if (errno == ENETDOWN)
			return p->ops->alive(p) ? -EAGAIN : -ENODEV;
		return errno == EINTR ? -EAGAIN : -errno;
	}
	if ((size_t)n < sizeof(f->vh) || (msg.msg_flags & MSG_TRUNC))
		return -EMSGSIZE;
	f->len = (size_t)n - sizeof(f->vh);

	/* The kernel took the outer VLAN tag off: put it back where it was. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		const struct tpacket_auxdata *aux = (const void *)CMSG_DATA(c);
		uint16_t tpid, tci;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		if (!(aux->tp_status & TP_STATUS_VLAN_VALID) || f->len < 12)
			break;
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
		break;
	}
	return 0;
}

static int afp_tx(struct port *p, const struct frame *f)
{
	struct iovec iov[2] = {
		{ (void *)&f->vh, sizeof(f->vh) },
		{ f->data, f->len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	return sendmsg(p->fd, &msg, MSG_DONTWAIT) < 0 ? -errno : 0;
}

static bool afp_alive(struct port *p)
{
	char name[IFNAMSIZ];

	return if_indextoname((unsigned)p->ifindex, name) != NULL;
}

static void afp_close(struct port *p)
{
	close(p->fd);
}

static const struct port_ops afp_ops = {
	.type = SWP_PORT_AFPACKET,
	.rx = afp_rx,
	.tx = afp_tx,
	.alive = afp_alive,
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
