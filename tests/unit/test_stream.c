/*
 * Unit tests for stream ports (switchd/port_stream.c) on a real Unix socket,
 * with the switch driven by hand (no event loop) and time injected: QEMU's
 * framing read back into frames, one peer at a time, bad lengths and a peer
 * stalled mid-frame dropped, and sending that never cuts a frame even when
 * the socket takes only part of one; dgram ports (port_dgram.c): a frame a
 * datagram, the last sender or the given peer as the peer.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sw.h"

static uint64_t clock_ms;

static uint64_t fake_clock(void)
{
	return clock_ms;
}

/* The other port: records what the switch sends it. */
static size_t rec_n, rec_len[64];
static int rec_vh_zero;

static unsigned rec_tx(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	(void)p;
	(void)err;
	for (unsigned i = 0; i < n; i++) {
		static const struct virtio_net_hdr zero;

		if (rec_n < 64)
			rec_len[rec_n] = f[i]->len;
		rec_n++;
		rec_vh_zero += !memcmp(&f[i]->vh, &zero, sizeof(zero));
	}
	return n;
}

static int rec_rx(struct port *p, struct frame *f, unsigned n)
{
	(void)p;
	(void)f;
	(void)n;
	return 0;
}

static bool rec_alive(struct port *p)
{
	(void)p;
	return true;
}

static void rec_close(struct port *p)
{
	(void)p;
}

static const struct port_ops rec_ops = {
	.type = SWP_PORT_TAP,
	.rx_burst = rec_rx,
	.tx_burst = rec_tx,
	.alive = rec_alive,
	.close = rec_close,
};

struct fx {
	struct sw sw;
	struct port *s, *rec;
	char dir[40], path[80];
};

static int setup(void **state)
{
	static const struct sw_config cfg = { .max_macs = 100, .ageing = 300 };
	struct fx *fx = calloc(1, sizeof(*fx));
	char why[128];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_stream.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/ports/s0.sock", fx->dir);
	clock_ms = 1000;
	assert_int_equal(sw_init(&fx->sw, NULL, &cfg, fake_clock), 0);
	assert_int_equal(port_open_stream("s0", fx->path, true, &fx->s, why, sizeof(why)), 0);
	assert_int_equal(fx->s->state, SWP_STATE_WAITING);
	assert_int_equal(fx->s->ifindex, 0);
	assert_int_equal(sw_port_attach(&fx->sw, fx->s), 0);
	fx->rec = calloc(1, sizeof(*fx->rec));
	assert_non_null(fx->rec);
	fx->rec->fd = -1;
	snprintf(fx->rec->name, sizeof(fx->rec->name), "rec");
	fx->rec->ops = &rec_ops;
	assert_int_equal(sw_port_attach(&fx->sw, fx->rec), 0);
	rec_n = 0;
	rec_vh_zero = 0;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char ports[80];

	sw_fini(&fx->sw);
	/* The socket goes with its port. */
	assert_int_equal(access(fx->path, F_OK), -1);
	snprintf(ports, sizeof(ports), "%s/ports", fx->dir);
	rmdir(ports);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int client(struct fx *fx)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* A broadcast frame from MAC 52:54:00:00:00:SRC of len bytes, QEMU-framed, into buf. */
static size_t qframe(uint8_t *buf, size_t len, uint8_t src)
{
	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memset(buf + 4, 0xff, 6);
	memcpy(buf + 10, "\x52\x54\x00\x00\x00", 5);
	buf[15] = src;
	buf[16] = 0x08;
	buf[17] = 0x00;
	memset(buf + 18, 0x5a, len - 14);
	return 4 + len;
}

/* Whether the peer end sees EOF (switchd closed it). */
static bool closed_by_switchd(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static void stream_frames_are_read_whole_across_reads(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[3 * 1600];
	size_t n = 0;
	int c = client(fx);

	sw_port_poll(&fx->sw, fx->s);
	assert_int_equal(fx->s->state, SWP_STATE_CONNECTED);
	n += qframe(buf + n, 42, 1); /* short: not padded */
	n += qframe(buf + n, 1514, 1);
	n += qframe(buf + n, 60, 1);
	assert_int_equal(write(c, buf, n - 30), (ssize_t)(n - 30));
	sw_port_poll(&fx->sw, fx->s);
	assert_int_equal(rec_n, 2);
	assert_int_equal(rec_len[0], 42);
	assert_int_equal(rec_len[1], 1514);
	assert_int_equal(write(c, buf + n - 30, 30), 30);
	sw_port_poll(&fx->sw, fx->s);
	assert_int_equal(rec_n, 3);
	assert_int_equal(rec_len[2], 60);
	assert_int_equal(rec_vh_zero, 3);
	assert_int_equal(fdb_port_count(&fx->sw.fdb, fx->s->slot), 1);
	/* The peer leaves: the port waits, its MAC entries go. */
	close(c);
	sw_port_poll(&fx->sw, fx->s);
	assert_int_equal(fx->s->state, SWP_STATE_WAITING);
	assert_int_equal(fdb_port_count(&fx->sw.fdb, fx->s->slot), 0);
}

static void stream_second_peer_is_refused(void **state)
{
	struct fx *fx = *state;
	int c1 = client(fx), c2;

	sw_port_poll(&fx->sw, fx->s);
	c2 = client(fx);
	sw_port_poll(&fx->sw, fx->s);
	assert_true(closed_by_switchd(c2));
	assert_false(closed_by_switchd(c1));
	assert_int_equal(fx->s->state, SWP_STATE_CONNECTED);
	close(c1);
	close(c2);
}

/* A peer that restarts at once is taken, though switchd had not yet read the old one's end. */
static void stream_peer_that_came_back_is_taken(void **state)
{
	struct fx *fx = *state;
	int c1 = client(fx), c2;

	sw_port_poll(&fx->sw, fx->s);
	close(c1);
	c2 = client(fx);
	sw_port_poll(&fx->sw, fx->s);
	assert_int_equal(fx->s->state, SWP_STATE_CONNECTED);
	assert_false(closed_by_switchd(c2));
	close(c2);
}

static void stream_bad_lengths_and_stalls_drop_the_peer(void **state)
{
	struct fx *fx = *state;
	static const uint8_t bad[][4] = { { 0, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0xff, 0xff, 0xff, 0xff } };
	int c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = client(fx);
		sw_port_poll(&fx->sw, fx->s);
		assert_int_equal(fx->s->state, SWP_STATE_CONNECTED);
		assert_int_equal(write(c, bad[i], 4), 4);
		sw_port_poll(&fx->sw, fx->s);
		assert_int_equal(fx->s->state, SWP_STATE_WAITING);
		assert_true(closed_by_switchd(c));
		close(c);
	}
	/* 60 bytes announced, 10 sent: kept for a while, then dropped. */
	c = client(fx);
	sw_port_poll(&fx->sw, fx->s);
	assert_int_equal(write(c,
			       "\0\0\0\x3c"
			       "0123456789",
			       14),
			 14);
	sw_port_poll(&fx->sw, fx->s);
	clock_ms += SWITCHD_STREAM_STALL_MS - 1;
	sw_tick(&fx->sw);
	assert_int_equal(fx->s->state, SWP_STATE_CONNECTED);
	clock_ms += 1;
	sw_tick(&fx->sw);
	assert_int_equal(fx->s->state, SWP_STATE_WAITING);
	assert_true(closed_by_switchd(c));
	close(c);
	/* An idle peer between frames is fine. */
	c = client(fx);
	sw_port_poll(&fx->sw, fx->s);
	clock_ms += 10 * SWITCHD_STREAM_STALL_MS;
	sw_tick(&fx->sw);
	assert_int_equal(fx->s->state, SWP_STATE_CONNECTED);
	close(c);
}

/* Reads every whole frame the client has; returns how many, their markers (byte 14) in mark[]. */
static size_t drain(int c, uint8_t *acc, size_t *have, uint8_t *mark, size_t max, bool filler)
{
	size_t n = 0, off = 0;
	ssize_t r;

	while ((r = recv(c, acc + *have, 1 << 20, MSG_DONTWAIT)) > 0)
		*have += (size_t)r;
	while (*have - off >= 4) {
		size_t len = (size_t)acc[off] << 24 | (size_t)acc[off + 1] << 16 | (size_t)acc[off + 2] << 8 |
			     acc[off + 3];

		assert_true(len >= 15 && len <= 65535);
		if (*have - off < 4 + len)
			break;
		/* Whole: every byte after the marker is the filler. */
		for (size_t k = 15; filler && k < len; k++)
			assert_int_equal(acc[off + 4 + k], 0x5a);
		if (n < max)
			mark[n] = acc[off + 4 + 14];
		n++;
		off += 4 + len;
	}
	memmove(acc, acc + off, *have - off);
	*have -= off;
	return n;
}

static void stream_sending_never_cuts_a_frame(void **state)
{
	struct fx *fx = *state;
	static uint8_t data[60000], acc[32 << 20];
	uint8_t sent[1300], got[1300];
	struct frame f = { .data = data, .len = sizeof(data) };
	const struct frame *fp = &f;
	size_t nsent = 0, ngot = 0, have = 0;
	int c = client(fx), small = 4096, err;

	setsockopt(c, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	sw_port_poll(&fx->sw, fx->s);
	memset(data, 0x5a, sizeof(data));
	/* Far more than the socket holds: some go whole, the rest are refused, none is cut. */
	for (int i = 0; i < 250; i++) {
		data[14] = (uint8_t)i;
		err = 0;
		if (fx->s->ops->tx_burst(fx->s, &fp, 1, &err) == 1)
			sent[nsent++] = (uint8_t)i;
		else
			assert_int_equal(err, -EAGAIN);
	}
	assert_true(nsent > 0 && nsent < 250);
	/* Drained, and another frame sent, until everything accepted has arrived. */
	for (int round = 0; round < 1000; round++) {
		ngot += drain(c, acc, &have, got + ngot, sizeof(got) - ngot, true);
		if (ngot == nsent && !have)
			break;
		/* With no event loop the rest of a partly sent frame goes before the next one. */
		data[14] = 250;
		err = 0;
		if (fx->s->ops->tx_burst(fx->s, &fp, 1, &err) == 1)
			sent[nsent++] = 250;
	}
	assert_int_equal(ngot, nsent);
	assert_memory_equal(got, sent, nsent);
	assert_int_equal(have, 0);
	close(c);
}

static void stream_gso_and_partial_checksums_leave_segmented(void **state)
{
	struct fx *fx = *state;
	static uint8_t data[14 + 20 + 20 + 2500], acc[1 << 20];
	struct frame f = { .data = data, .len = sizeof(data) };
	const struct frame *fp = &f;
	uint8_t marks[8];
	size_t have = 0;
	int c = client(fx), err = 0;

	sw_port_poll(&fx->sw, fx->s);
	memset(data, 0x5a, sizeof(data));
	memcpy(data + 12, "\x08\x00\x45\x00", 4);
	data[14 + 9] = 6;
	data[14 + 20 + 12] = 5 << 4;
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	f.vh.gso_size = 1000;
	assert_int_equal(fx->s->ops->tx_burst(fx->s, &fp, 1, &err), 1);
	assert_int_equal(drain(c, acc, &have, marks, 8, false), 3);
	/* UFO would need IP fragments: refused, for the switch to count as tx_drop_gso. */
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(fx->s->ops->tx_burst(fx->s, &fp, 1, &err), 0);
	assert_int_equal(err, -EPROTONOSUPPORT);
	/* A partial checksum is completed in a copy: the frame other ports get is untouched. */
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	f.vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	f.vh.csum_start = 14 + 20;
	f.vh.csum_offset = 16;
	f.len = 14 + 20 + 20 + 100;
	assert_int_equal(fx->s->ops->tx_burst(fx->s, &fp, 1, &err), 1);
	assert_int_equal(data[14 + 20 + 16], 0x5a);
	assert_int_equal(data[14 + 20 + 17], 0x5a);
	have = 0;
	assert_int_equal(recv(c, acc, sizeof(acc), 0), 4 + (ssize_t)f.len);
	assert_false(acc[4 + 14 + 20 + 16] == 0x5a && acc[4 + 14 + 20 + 17] == 0x5a);
	close(c);
}

static void stream_socket_in_use_is_refused_a_stale_one_replaced(void **state)
{
	struct fx *fx = *state;
	struct port *p = NULL, *stale = NULL;
	char why[128], other[80];

	assert_int_equal(port_open_stream("s1", fx->path, false, &p, why, sizeof(why)), -EADDRINUSE);
	snprintf(other, sizeof(other), "%s/ports/stale.sock", fx->dir);
	assert_int_equal(port_open_stream("s1", other, false, &stale, why, sizeof(why)), 0);
	/* A socket file nobody listens on any more: what a crash leaves. */
	close(stale->fd);
	stale->fd = open("/dev/null", O_RDONLY);
	stale->path[0] = '\0';
	assert_int_equal(port_open_stream("s2", other, false, &p, why, sizeof(why)), 0);
	port_close(p);
	port_close(stale);
	assert_int_equal(access(other, F_OK), -1);
	assert_int_equal(port_open_stream("bad/name", other, false, &p, why, sizeof(why)), -EINVAL);
}

/* A datagram socket bound at dir/NAME, the stand-in for QEMU's -netdev dgram. */
static int dgram_client(struct fx *fx, const char *name, struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", fx->dir, name);
	assert_int_equal(bind(fd, (struct sockaddr *)sun, sizeof(*sun)), 0);
	return fd;
}

static void dgram_to(int fd, const char *path, const uint8_t *data, size_t len)
{
	struct sockaddr_un to = { .sun_family = AF_UNIX };

	snprintf(to.sun_path, sizeof(to.sun_path), "%s", path);
	assert_int_equal(sendto(fd, data, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
}

/*
 * A dgram port: a datagram is a frame (an empty one dropped); the last named
 * sender is the peer, frames go back to it, and once its socket is gone the
 * port waits. With a given peer, other senders are dropped.
 */
static void dgram_port_takes_the_last_sender_or_its_given_peer(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_un ca, cb;
	struct port *d = NULL, *d1 = NULL;
	uint8_t buf[4 + 60], got[128];
	char why[128], path[80], path1[80];
	struct frame f = { .data = buf + 4, .len = 60 };
	const struct frame *fp = &f;
	int a, b, err = 0;

	snprintf(path, sizeof(path), "%s/d0.sock", fx->dir);
	assert_int_equal(port_open_dgram("d0", path, "", false, &d, why, sizeof(why)), 0);
	assert_int_equal(port_open_dgram("d9", path, "", false, &d1, why, sizeof(why)), -EADDRINUSE);
	assert_int_equal(sw_port_attach(&fx->sw, d), 0);
	assert_int_equal(d->state, SWP_STATE_WAITING);
	assert_int_equal(d->ops->tx_burst(d, &fp, 1, &err), 0);
	assert_int_equal(err, -ENOTCONN);
	a = dgram_client(fx, "a.sock", &ca);
	qframe(buf, 60, 1);
	dgram_to(a, path, buf + 4, 60);
	dgram_to(a, path, buf + 4, 0);
	sw_port_poll(&fx->sw, d);
	assert_int_equal(rec_n, 1);
	assert_int_equal(rec_len[0], 60);
	assert_int_equal(d->c.rx_drop_error, 1);
	assert_int_equal(d->state, SWP_STATE_CONNECTED);
	assert_string_equal(d->peer_path, ca.sun_path);
	/* Back to the sender, the frame as it is. */
	assert_int_equal(d->ops->tx_burst(d, &fp, 1, &err), 1);
	assert_int_equal(recv(a, got, sizeof(got), MSG_DONTWAIT), 60);
	assert_memory_equal(got, buf + 4, 60);
	/* Another sender: now the peer. */
	b = dgram_client(fx, "b.sock", &cb);
	qframe(buf, 60, 2);
	dgram_to(b, path, buf + 4, 60);
	sw_port_poll(&fx->sw, d);
	assert_string_equal(d->peer_path, cb.sun_path);
	/* Its socket goes: the send is refused and the port waits. */
	close(b);
	unlink(cb.sun_path);
	assert_int_equal(d->ops->tx_burst(d, &fp, 1, &err), 0);
	assert_int_equal(err, -ENOTCONN);
	assert_int_equal(d->state, SWP_STATE_WAITING);
	sw_port_remove(&fx->sw, d, "test");
	assert_int_equal(access(path, F_OK), -1);
	/* A given peer: what a stranger sends is dropped, the peer's taken. */
	snprintf(path1, sizeof(path1), "%s/d1.sock", fx->dir);
	assert_int_equal(port_open_dgram("d1", path1, ca.sun_path, false, &d1, why, sizeof(why)), 0);
	assert_int_equal(sw_port_attach(&fx->sw, d1), 0);
	assert_string_equal(d1->peer_path, ca.sun_path);
	b = dgram_client(fx, "b.sock", &cb);
	rec_n = 0;
	dgram_to(b, path1, buf + 4, 60);
	sw_port_poll(&fx->sw, d1);
	assert_int_equal(rec_n, 0);
	assert_int_equal(d1->c.rx_drop_error, 1);
	assert_int_equal(d1->state, SWP_STATE_WAITING);
	dgram_to(a, path1, buf + 4, 60);
	sw_port_poll(&fx->sw, d1);
	assert_int_equal(rec_n, 1);
	assert_int_equal(d1->state, SWP_STATE_CONNECTED);
	sw_port_remove(&fx->sw, d1, "test");
	close(a);
	close(b);
	unlink(ca.sun_path);
	unlink(cb.sun_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stream_frames_are_read_whole_across_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_second_peer_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(dgram_port_takes_the_last_sender_or_its_given_peer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(stream_peer_that_came_back_is_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_bad_lengths_and_stalls_drop_the_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_sending_never_cuts_a_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_gso_and_partial_checksums_leave_segmented, setup,
						teardown),
		cmocka_unit_test_setup_teardown(stream_socket_in_use_is_refused_a_stale_one_replaced, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
