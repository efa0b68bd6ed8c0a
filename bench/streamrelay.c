/*
 * A stand-in for QEMU's -netdev stream for bench/run.sh: connects to a
 * switchd stream port and relays frames between it and a TAP (no
 * virtio_net_hdr, no offloads, as a guest's NIC behind QEMU's socket
 * backend sees them), the TAP's kernel side the benchmark's host B. One
 * thread, poll(), frames framed as QEMU frames them: a 4-byte big-endian
 * length, then the frame.
 *
 * usage: streamrelay SOCKET TAP
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FRAME_MAX 65535

static int tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t in[4 + FRAME_MAX], rbuf[1 << 20];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t have = 0;
	int tap, s;

	if (argc != 3) {
		fprintf(stderr, "usage: streamrelay SOCKET TAP\n");
		return 2;
	}
	tap = tap_open(argv[2]);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	if (tap < 0 || s < 0 || connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		perror("streamrelay");
		return 1;
	}
	for (;;) {
		struct pollfd pf[2] = { { .fd = tap, .events = POLLIN }, { .fd = s, .events = POLLIN } };

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (pf[0].revents & POLLIN) {
			ssize_t n = read(tap, in + 4, FRAME_MAX);

			if (n > 0) {
				in[0] = (uint8_t)(n >> 24);
				in[1] = (uint8_t)(n >> 16);
				in[2] = (uint8_t)(n >> 8);
				in[3] = (uint8_t)n;
				if (all(s, in, 4 + (size_t)n) < 0)
					return 0;
			}
		}
		if (pf[1].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(s, rbuf + have, sizeof(rbuf) - have);
			size_t off = 0;

			if (n <= 0)
				return 0;
			have += (size_t)n;
			while (have - off >= 4) {
				uint32_t len = (uint32_t)rbuf[off] << 24 | (uint32_t)rbuf[off + 1] << 16 |
					       (uint32_t)rbuf[off + 2] << 8 | rbuf[off + 3];

				if (have - off < 4 + (size_t)len)
					break;
				/* EIO: the link is down; a NIC drops it too. */
				if (write(tap, rbuf + off + 4, len) < 0 && errno != EIO)
					return 1;
				off += 4 + len;
			}
			memmove(rbuf, rbuf + off, have - off);
			have -= off;
		}
	}
}
