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

/* A character device: one read per frame, no batching below us. */
static int tap_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	unsigned got = 0;

	for (unsigned reads = 0; got < n && reads < 2 * n; reads++) {
		struct iovec iov[2] = {
			{ &f[got].vh, sizeof(f[got].vh) },
			{ f[got].data, SWITCHD_FRAME_MAX },
		};
		ssize_t r = readv(p->fd, iov, 2);

		if (r < 0) {
			if (got || errno == EAGAIN || errno == EINTR)
				break;
			/* EBADFD: the device was deleted under us. */
			return errno == EBADFD ? -ENODEV : -errno;
		}
		/* A TAP read truncates silently: a full buffer may be a cut frame. Never forward one. */
		if ((size_t)r < sizeof(f[got].vh) || (size_t)r - sizeof(f[got].vh) >= SWITCHD_FRAME_MAX) {
			p->c.rx_dropped++;
			p->c.rx_drop_error++;
			continue;
		}
		f[got].len = (size_t)r - sizeof(f[got].vh);
		got++;
	}
	return (int)got;
}

static unsigned tap_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	for (unsigned i = 0; i < n; i++) {
		struct iovec iov[2] = {
			{ (void *)&f[i]->vh, sizeof(f[i]->vh) },
			{ f[i]->data, f[i]->len },
		};

		/* EIO: the TAP's link is down. The caller counts it; the port stays. */
		if (writev(p->fd, iov, 2) < 0) {
			*err = -errno;
			return i;
		}
	}
	return n;
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
	.rx_burst = tap_rx_burst,
	.tx_burst = tap_tx_burst,
	.alive = tap_alive,
	.close = tap_close,
};

/* Take GSO super-frames and partial checksums whole: no segmenting here. */
static int tap_setup(int fd)
{
	unsigned int offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	int sndbuf = SWITCHD_SOCK_BUF;

	if (ioctl(fd, TUNSETOFFLOAD, offloads) < 0 || ioctl(fd, TUNSETSNDBUF, &sndbuf) < 0)
		return -errno;
	return 0;
}

int port_tap_adopt(struct port *p, int fd, char ifname[IFNAMSIZ], int *nsfd)
{
	struct ifreq ifr = { 0 };
	int flags, err;

	*nsfd = -1;
	/* EBADFD: its device was deleted while nobody read it. */
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return errno == EBADFD ? -ENODEV : -errno;
	/* What port_tap_open makes: anything else frames differently. */
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN | IFF_NO_PI | IFF_VNET_HDR)) !=
	    (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
		return -EINVAL;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	err = tap_setup(fd);
	if (err)
		return err;
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	/* Where its kernel side is now: it may have been moved into a namespace. */
	*nsfd = ioctl(fd, TUNGETDEVNETNS);
	if (*nsfd < 0)
		return -errno;
	p->fd = fd;
	p->ops = &tap_ops;
	return 0;
}

int port_tap_open(struct port *p, const char *name, bool may_create)
{
	struct ifreq ifr = { 0 };
	int fd, err;

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
	err = tap_setup(fd);
	if (err)
		goto fail;
	p->fd = fd;
	p->ops = &tap_ops;
	return 0;
fail:
	close(fd);
	return err;
}
