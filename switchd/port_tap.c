/* TAP ports: switchd holds the /dev/net/tun file descriptor of the device. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "port.h"

static int tap_rx(struct port *p, struct frame *f, size_t cap)
{
	struct iovec iov[2] = {
		{ &f->vh, sizeof(f->vh) },
		{ f->data, cap },
	};
	ssize_t n = readv(p->fd, iov, 2);

	if (n < 0) {
		/* EBADFD: the device was deleted under us. */
		if (errno == EBADFD)
			return -ENODEV;
		return errno == EINTR ? -EAGAIN : -errno;
	}
	if ((size_t)n < sizeof(f->vh))
		return -EIO;
	f->len = (size_t)n - sizeof(f->vh);
	return 0;
}

static int tap_tx(struct port *p, const struct frame *f)
{
	struct iovec iov[2] = {
		{ (void *)&f->vh, sizeof(f->vh) },
		{ f->data, f->len },
	};

	/* EIO: the TAP's link is down. The caller counts it; the port stays. */
	return writev(p->fd, iov, 2) < 0 ? -errno : 0;
}

static bool tap_alive(struct port *p)
{
	struct ifreq ifr;

	/* A TAP whose device was deleted answers EBADFD to everything. */
	return ioctl(p->fd, TUNGETIFF, &ifr) == 0 || errno != EBADFD;
}

static void tap_close(struct port *p)
{
	/* A non-persistent TAP that switchd created disappears with its fd. */
	close(p->fd);
}

static const struct port_ops tap_ops = {
	.type = SWP_PORT_TAP,
	.rx = tap_rx,
	.tx = tap_tx,
	.alive = tap_alive,
	.close = tap_close,
};

int port_tap_open(struct port *p, const char *name, bool may_create)
{
	unsigned int offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	struct ifreq ifr = { 0 };
	int fd, err, sndbuf = SWITCHD_SOCK_BUF;

	if (!may_create && !if_nametoindex(name))
		return -ENODEV;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		goto fail;
	}
	/* Take GSO super-frames and partial checksums whole: no segmenting here. */
	if (ioctl(fd, TUNSETOFFLOAD, offloads) < 0 || ioctl(fd, TUNSETSNDBUF, &sndbuf) < 0) {
		err = -errno;
		goto fail;
	}
	p->fd = fd;
	p->ops = &tap_ops;
	return 0;
fail:
	close(fd);
	return err;
}
