/*
 * Unit tests for the forwarding core (switchd/sw.c) with fake ports.
 *
 * A fake port has fd = -1 (so port_close only frees it), a tx that records a
 * copy of every frame sent (or fails with a chosen -errno) and an rx that
 * replays a script of frames and errors. The switch runs without an event
 * loop; frames are injected with sw_input or pulled with sw_port_poll, and
 * the clock is a variable the tests set.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwd.h"
#include "sw.h"

/* ---- the fake clock ---- */

static uint64_t clock_ms;

static uint64_t fake_clock(void)
{
	return clock_ms;
}

/* ---- the fake port ---- */

struct rx_step {
	int err; /* 0: deliver data/len */
	const uint8_t *data;
	size_t len;
	struct virtio_net_hdr vh;
};

#define RX_SCRIPT_MAX 160

struct fake {
	int tx_err; /* what tx returns; 0 records the frame */
	unsigned tx_calls;
	struct rx_step rx[RX_SCRIPT_MAX];
	unsigned rx_n, rx_next, rx_calls;
	int rx_end; /* returned once the script is used up */
	bool alive;
};

struct tx_rec {
	uint16_t slot;
	char name[IFNAMSIZ];
	size_t len;
	uint8_t *data;
	struct virtio_net_hdr vh;
};

static struct tx_rec *txlog;
static size_t ntx, captx;
static unsigned close_calls;

static void txlog_clear(void)
{
	for (size_t i = 0; i < ntx; i++)
		free(txlog[i].data);
	ntx = 0;
}

static void txlog_free(void)
{
	txlog_clear();
	free(txlog);
	txlog = NULL;
	captx = 0;
}

static int fake_rx(struct port *p, struct frame *f, size_t cap)
{
	struct fake *fk = p->priv;
	const struct rx_step *s;

	fk->rx_calls++;
	if (fk->rx_next >= fk->rx_n)
		return fk->rx_end;
	s = &fk->rx[fk->rx_next++];
	if (s->err)
		return s->err;
	assert_true(s->len <= cap);
	memcpy(f->data, s->data, s->len);
	f->len = s->len;
	f->vh = s->vh;
	return 0;
}

static int fake_tx(struct port *p, const struct frame *f)
{
	struct fake *fk = p->priv;
	struct tx_rec *r;

	fk->tx_calls++;
	if (fk->tx_err)
		return fk->tx_err;
	if (ntx == captx) {
		captx = captx ? captx * 2 : 64;
		txlog = realloc(txlog, captx * sizeof(*txlog));
		assert_non_null(txlog);
	}
	r = &txlog[ntx++];
	r->slot = p->slot;
	snprintf(r->name, sizeof(r->name), "%s", p->name);
	r->len = f->len;
	r->vh = f->vh;
	r->data = malloc(f->len ? f->len : 1);
	assert_non_null(r->data);
	memcpy(r->data, f->data, f->len);
	return 0;
}

/* The burst interfaces, one scripted frame at a time underneath. */
static int fake_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	struct fake *fk = p->priv;
	unsigned i;

	for (i = 0; i < n; i++) {
		/* An error ends a burst; with frames already read it waits for the next call. */
		if (i && fk->rx_next < fk->rx_n && fk->rx[fk->rx_next].err)
			break;
		if (i && fk->rx_next >= fk->rx_n)
			break;
		int r = fake_rx(p, &f[i], SWITCHD_FRAME_MAX);

		if (r == -EAGAIN)
			break;
		if (r < 0)
			return r;
	}
	return (int)i;
}

static unsigned fake_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	for (unsigned i = 0; i < n; i++) {
		int r = fake_tx(p, f[i]);

		if (r) {
			*err = r;
			return i;
		}
	}
	return n;
}

/* Frames queued by sw_input leave at sw_flush; these tests want them out at once. */
static void input_now(struct sw *sw, struct port *in, const struct frame *f, uint64_t now)
{
	sw_input(sw, in, f, now);
	sw_flush(sw);
}

static bool fake_alive(struct port *p)
{
	return ((struct fake *)p->priv)->alive;
}

static void fake_close(struct port *p)
{
	(void)p;
	close_calls++; /* must never run: fakes have fd = -1 */
}

/* What the kernel alone saw: a fake reports 3 lost frames a call. */
static void fake_collect(struct port *p)
{
	p->c.rx_dropped += 3;
	p->c.rx_drop_error += 3;
}

static const struct port_ops fake_ops = {
	.type = SWP_PORT_TAP,
	.rx_burst = fake_rx_burst,
	.tx_burst = fake_tx_burst,
	.alive = fake_alive,
	.collect = fake_collect,
	.close = fake_close,
};

static void rx_push(struct fake *fk, const uint8_t *data, size_t len)
{
	assert_true(fk->rx_n < RX_SCRIPT_MAX);
	fk->rx[fk->rx_n++] = (struct rx_step){ .data = data, .len = len };
}

static void rx_push_err(struct fake *fk, int err)
{
	assert_true(fk->rx_n < RX_SCRIPT_MAX);
	fk->rx[fk->rx_n++] = (struct rx_step){ .err = err };
}

/* ---- the fixture: a switch and up to NFAKE fake ports ---- */

#define NFAKE 8

struct env {
	struct sw sw;
	struct fake fk[NFAKE];
};

static int setup(void **state)
{
	const struct sw_config cfg = { .max_macs = 1024, .ageing = 300 };
	struct env *env = calloc(1, sizeof(*env));

	if (!env)
		return -1;
	clock_ms = 1000000;
	close_calls = 0;
	txlog_clear();
	for (int i = 0; i < NFAKE; i++) {
		env->fk[i].alive = true;
		env->fk[i].rx_end = -EAGAIN;
	}
	if (sw_init(&env->sw, NULL, &cfg, fake_clock)) {
		free(env);
		return -1;
	}
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;

	sw_fini(&env->sw); /* removes and frees every port still attached */
	free(env);
	txlog_free();
	return close_calls ? -1 : 0;
}

static struct port *new_port(struct fake *fk, const char *name, int ifindex, uint32_t mtu)
{
	struct port *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ifindex = ifindex;
	p->mtu = mtu;
	p->state = SWP_STATE_UP;
	p->ops = &fake_ops;
	p->priv = fk;
	return p;
}

/* Attaches fake port i (named fakeI, ifindex 100+i) and checks its slot. */
static struct port *add_port(struct env *env, int i, uint32_t mtu)
{
	char name[IFNAMSIZ];
	struct port *p;

	snprintf(name, sizeof(name), "fake%d", i);
	p = new_port(&env->fk[i], name, 100 + i, mtu);
	assert_int_equal(sw_port_attach(&env->sw, p), 0);
	assert_ptr_equal(env->sw.slots[p->slot], p);
	assert_ptr_equal(p->sw, &env->sw);
	return p;
}

static size_t tx_to(uint16_t slot)
{
	size_t n = 0;

	for (size_t i = 0; i < ntx; i++)
		if (txlog[i].slot == slot)
			n++;
	return n;
}

/* ---- frames ---- */

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t ZERO[6];

/* dst, src, ntags 802.1Q tags (VID 100+i), IPv4 ethertype, a varying payload. */
static struct frame mkframe(uint8_t *buf, size_t len, const uint8_t *dst, const uint8_t *src,
			    int ntags)
{
	struct frame f = { .data = buf, .len = len };
	size_t off = 12;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + len);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	for (int i = 0; i < ntags; i++) {
		buf[off] = i == 0 && ntags == 2 ? 0x88 : 0x81;
		buf[off + 1] = i == 0 && ntags == 2 ? 0xa8 : 0x00;
		buf[off + 2] = 0;
		buf[off + 3] = (uint8_t)(100 + i);
		off += 4;
	}
	buf[off] = 0x08;
	buf[off + 1] = 0x00;
	return f;
}

/* Sends a broadcast from src on port in, so src is learned there; clears the log. */
static void announce(struct env *env, struct port *in, const uint8_t *src)
{
	uint8_t buf[60];
	struct frame f = mkframe(buf, sizeof(buf), BCAST, src, 0);

	input_now(&env->sw, in, &f, clock_ms);
	txlog_clear();
}

/* ---- flooding and unicast ---- */

static void sw_broadcast_reaches_every_other_port_exactly_once(void **state)
{
	struct env *env = *state;
	struct port *p[4];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 4; i++)
		p[i] = add_port(env, i, 1500);
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);

	assert_int_equal(ntx, 3);
	assert_int_equal(tx_to(p[0]->slot), 0);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(tx_to(p[i]->slot), 1);
		assert_int_equal(env->fk[i].tx_calls, 1);
	}
	assert_int_equal(env->fk[0].tx_calls, 0);
	/* And the source is now known on port 0. */
	assert_int_equal(fdb_find(&env->sw.fdb, MAC_A, 0)->port, p[0]->slot);
}

static void sw_multicast_and_unknown_unicast_flood(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	f = mkframe(buf, sizeof(buf), MCAST4, MAC_A, 0);
	input_now(&env->sw, p[1], &f, clock_ms);
	assert_int_equal(ntx, 2);
	assert_int_equal(tx_to(p[0]->slot), 1);
	assert_int_equal(tx_to(p[2]->slot), 1);

	txlog_clear();
	f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
	input_now(&env->sw, p[1], &f, clock_ms);
	assert_int_equal(ntx, 2);
	assert_int_equal(tx_to(p[1]->slot), 0);
}

static void sw_known_unicast_goes_to_exactly_one_port(void **state)
{
	struct env *env = *state;
	struct port *p[4];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 4; i++)
		p[i] = add_port(env, i, 1500);
	announce(env, p[2], MAC_B);

	f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_int_equal(txlog[0].slot, p[2]->slot);
	assert_string_equal(txlog[0].name, "fake2");

	/* The reply finds A, learned by the first frame, on port 0. */
	txlog_clear();
	f = mkframe(buf, sizeof(buf), MAC_A, MAC_B, 0);
	input_now(&env->sw, p[2], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_int_equal(txlog[0].slot, p[0]->slot);
	assert_int_equal(env->fk[1].tx_calls + env->fk[3].tx_calls, 2); /* only B's broadcast */
}

/* ---- frames cross whole ---- */

/* Every recorded frame is a whole, exact copy of f that did not go back to in. */
static void check_copies(const struct port *in, const struct frame *f, size_t expect_ntx)
{
	assert_int_equal(ntx, expect_ntx);
	for (size_t i = 0; i < ntx; i++) {
		assert_int_not_equal(txlog[i].slot, in->slot);
		assert_int_equal(txlog[i].len, f->len);
		assert_memory_equal(txlog[i].data, f->data, f->len);
		assert_memory_equal(&txlog[i].vh, &f->vh, sizeof(f->vh));
	}
}

static void sw_frames_are_forwarded_byte_for_byte(void **state)
{
	struct env *env = *state;
	static const size_t sizes[] = { 14, 42, 60, 1514, 9000 };
	struct port *p[3];
	uint8_t *buf = malloc(9000);

	assert_non_null(buf);
	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 9000);
	announce(env, p[1], MAC_B);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct frame f;

		/* Flooded: a copy on each other port. */
		f = mkframe(buf, sizes[i], BCAST, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms);
		check_copies(p[0], &f, 2);
		txlog_clear();
		/* Unicast: one copy. */
		f = mkframe(buf, sizes[i], MAC_B, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms);
		check_copies(p[0], &f, 1);
		assert_int_equal(txlog[0].slot, p[1]->slot);
		txlog_clear();
	}
	free(buf);
}

static void sw_gso_superframe_crosses_whole_despite_mtu(void **state)
{
	struct env *env = *state;
	const size_t len = 65000;
	struct port *p[3];
	uint8_t *buf = malloc(len);
	struct frame f;

	assert_non_null(buf);
	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	f = mkframe(buf, len, BCAST, MAC_A, 0);
	f.vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	f.vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	f.vh.hdr_len = 66;
	f.vh.gso_size = 1448;
	f.vh.csum_start = 34;
	f.vh.csum_offset = 16;
	input_now(&env->sw, p[0], &f, clock_ms);
	check_copies(p[0], &f, 2);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(p[i]->c.tx_packets, 1);
		assert_int_equal(p[i]->c.tx_bytes, len);
		assert_int_equal(p[i]->c.tx_dropped, 0);
	}

	/* The same frame without GSO is too big for a 1500 MTU. */
	txlog_clear();
	f.vh = (struct virtio_net_hdr){ 0 };
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 0);
	for (int i = 1; i < 3; i++)
		assert_int_equal(p[i]->c.tx_drop_mtu, 1);
	free(buf);
}

/* ---- MTU ---- */

static void sw_oversize_frame_dropped_only_on_small_mtu_port(void **state)
{
	struct env *env = *state;
	struct port *p[4];
	uint8_t buf[1515];
	struct frame f;

	p[0] = add_port(env, 0, 1500);
	p[1] = add_port(env, 1, 1500);
	p[2] = add_port(env, 2, 9000);
	p[3] = add_port(env, 3, 0); /* unknown: not enforced */
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0); /* L2 payload 1501 */
	input_now(&env->sw, p[0], &f, clock_ms);

	assert_int_equal(tx_to(p[1]->slot), 0);
	assert_int_equal(env->fk[1].tx_calls, 0);
	assert_int_equal(p[1]->c.tx_drop_mtu, 1);
	assert_int_equal(p[1]->c.tx_dropped, 1);
	assert_int_equal(p[1]->c.tx_packets, 0);
	assert_int_equal(p[1]->c.tx_bytes, 0);

	for (int i = 2; i < 4; i++) {
		assert_int_equal(tx_to(p[i]->slot), 1);
		assert_int_equal(p[i]->c.tx_packets, 1);
		assert_int_equal(p[i]->c.tx_dropped, 0);
		assert_int_equal(p[i]->c.tx_drop_mtu, 0);
	}
	/* The ingress port was not blamed: the frame was received fine. */
	assert_int_equal(p[0]->c.rx_packets, 1);
	assert_int_equal(p[0]->c.rx_dropped, 0);
	assert_int_equal(p[0]->c.tx_dropped, 0);
}

static void sw_mtu_counts_l2_payload_after_vlan_tags(void **state)
{
	struct env *env = *state;
	/* Frame lengths whose L2 payload is exactly 1500, and one byte more. */
	static const struct {
		size_t len;
		int tags;
		bool passes;
	} cases[] = {
		{ 1514, 0, true }, { 1515, 0, false },
		{ 1518, 1, true }, { 1519, 1, false },
		{ 1522, 2, true }, { 1523, 2, false },
	};
	struct port *in, *out;
	uint8_t buf[1600];
	uint64_t sent = 0, dropped = 0;

	in = add_port(env, 0, 1500);
	out = add_port(env, 1, 1500);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame f = mkframe(buf, cases[i].len, BCAST, MAC_A, cases[i].tags);

		txlog_clear();
		input_now(&env->sw, in, &f, clock_ms);
		if (cases[i].passes) {
			sent++;
			assert_int_equal(ntx, 1);
			assert_int_equal(txlog[0].len, cases[i].len);
		} else {
			dropped++;
			assert_int_equal(ntx, 0);
		}
		assert_int_equal(out->c.tx_packets, sent);
		assert_int_equal(out->c.tx_drop_mtu, dropped);
		assert_int_equal(out->c.tx_dropped, dropped);
	}
}

/* ---- counters ---- */

static void sw_counts_rx_and_tx_packets_and_bytes(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[1000];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	f = mkframe(buf, 100, BCAST, MAC_A, 0); /* flood from 0: 1 and 2 */
	input_now(&env->sw, p[0], &f, clock_ms);
	f = mkframe(buf, 200, BCAST, MAC_B, 0); /* flood from 1: 0 and 2 */
	input_now(&env->sw, p[1], &f, clock_ms);
	f = mkframe(buf, 300, MAC_B, MAC_A, 0); /* unicast 0 -> 1 */
	input_now(&env->sw, p[0], &f, clock_ms);
	f = mkframe(buf, 400, MAC_A, MAC_B, 0); /* unicast 1 -> 0 */
	input_now(&env->sw, p[1], &f, clock_ms);

	assert_int_equal(p[0]->c.rx_packets, 2);
	assert_int_equal(p[0]->c.rx_bytes, 400);
	assert_int_equal(p[0]->c.tx_packets, 2);
	assert_int_equal(p[0]->c.tx_bytes, 600);
	assert_int_equal(p[1]->c.rx_packets, 2);
	assert_int_equal(p[1]->c.rx_bytes, 600);
	assert_int_equal(p[1]->c.tx_packets, 2);
	assert_int_equal(p[1]->c.tx_bytes, 400);
	assert_int_equal(p[2]->c.rx_packets, 0);
	assert_int_equal(p[2]->c.rx_bytes, 0);
	assert_int_equal(p[2]->c.tx_packets, 2);
	assert_int_equal(p[2]->c.tx_bytes, 300);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(p[i]->c.rx_dropped, 0);
		assert_int_equal(p[i]->c.tx_dropped, 0);
	}
}

static void sw_counts_rx_drops_by_reason(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	announce(env, p[0], MAC_B);
	memset(&p[0]->c, 0, sizeof(p[0]->c));
	memset(&p[1]->c, 0, sizeof(p[1]->c));
	memset(&p[2]->c, 0, sizeof(p[2]->c));

	f = mkframe(buf, 60, BCAST, MAC_A, 0);
	f.len = 13; /* runt */
	input_now(&env->sw, p[0], &f, clock_ms);
	f = mkframe(buf, 60, BCAST, MCAST4, 0); /* group source */
	input_now(&env->sw, p[0], &f, clock_ms);
	f = mkframe(buf, 60, BCAST, ZERO, 0); /* all-zero source */
	input_now(&env->sw, p[0], &f, clock_ms);
	f = mkframe(buf, 60, MAC_B, MAC_A, 0); /* B is on port 0 too */
	input_now(&env->sw, p[0], &f, clock_ms);

	assert_int_equal(ntx, 0);
	assert_int_equal(p[0]->c.rx_packets, 4);
	assert_int_equal(p[0]->c.rx_bytes, 13 + 3 * 60);
	assert_int_equal(p[0]->c.rx_drop_runt, 1);
	assert_int_equal(p[0]->c.rx_drop_bad_src, 2);
	assert_int_equal(p[0]->c.rx_drop_filtered, 1);
	assert_int_equal(p[0]->c.rx_drop_error, 0);
	assert_int_equal(p[0]->c.rx_dropped, 4);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(p[i]->c.tx_packets, 0);
		assert_int_equal(p[i]->c.tx_dropped, 0);
	}
	/* Only the filtered frame's source was learned. */
	assert_null(fdb_find(&env->sw.fdb, MCAST4, 0));
	assert_null(fdb_find(&env->sw.fdb, ZERO, 0));
	assert_int_equal(fdb_find(&env->sw.fdb, MAC_A, 0)->port, p[0]->slot);
}

static void sw_counts_tx_errors_by_reason_and_keeps_flooding(void **state)
{
	struct env *env = *state;
	static const int errs[] = { 0, -EAGAIN, -EIO, -EMSGSIZE, -ENOBUFS, 0, -ENETDOWN };
	enum { N = sizeof(errs) / sizeof(errs[0]) };
	struct port *p[N];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < N; i++) {
		p[i] = add_port(env, i, 1500);
		env->fk[i].tx_err = errs[i];
	}
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);

	for (int i = 1; i < N; i++)
		assert_int_equal(env->fk[i].tx_calls, 1);
	assert_int_equal(ntx, 1); /* port 5 */
	assert_int_equal(txlog[0].slot, p[5]->slot);
	assert_int_equal(p[5]->c.tx_packets, 1);
	assert_int_equal(p[5]->c.tx_dropped, 0);

	assert_int_equal(p[1]->c.tx_drop_busy, 1); /* EAGAIN */
	assert_int_equal(p[2]->c.tx_drop_error, 1); /* EIO */
	assert_int_equal(p[3]->c.tx_drop_mtu, 1); /* EMSGSIZE */
	assert_int_equal(p[4]->c.tx_drop_busy, 1); /* ENOBUFS */
	assert_int_equal(p[6]->c.tx_drop_error, 1); /* anything else */
	for (int i = 1; i < N; i++) {
		if (i == 5)
			continue;
		const struct swp_counters *c = &p[i]->c;

		assert_int_equal(c->tx_dropped, 1);
		assert_int_equal(c->tx_drop_busy + c->tx_drop_error + c->tx_drop_mtu, 1);
		assert_int_equal(c->tx_packets, 0);
		assert_int_equal(c->tx_bytes, 0);
	}
	/* The sender saw a successful receive. */
	assert_int_equal(p[0]->c.rx_packets, 1);
	assert_int_equal(p[0]->c.rx_dropped, 0);
}

static void sw_unicast_tx_error_counts_on_that_port_only(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	announce(env, p[2], MAC_B);
	env->fk[2].tx_err = -EAGAIN;
	f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(p[2]->c.tx_drop_busy, 1);
	assert_int_equal(p[2]->c.tx_dropped, 1);
	assert_int_equal(env->fk[1].tx_calls, 1); /* B's broadcast only */
	assert_int_equal(p[1]->c.tx_dropped, 0);
}

/* ---- attaching and removing ports ---- */

static bool fdb_points_at(struct fdb *fdb, uint16_t slot)
{
	struct fdb_entry *e, *tmp;

	HASH_ITER(hh, fdb->table, e, tmp)
		if (e->port == slot)
			return true;
	return false;
}

static void sw_port_remove_flushes_its_mac_entries(void **state)
{
	struct env *env = *state;
	struct port *p[4];
	uint8_t buf[60];
	struct frame f;
	uint16_t gone;

	for (int i = 0; i < 4; i++)
		p[i] = add_port(env, i, 1500);
	announce(env, p[0], MAC_A);
	announce(env, p[2], MAC_B);
	announce(env, p[2], MAC_C);
	assert_int_equal(fdb_port_count(&env->sw.fdb, p[2]->slot), 2);

	gone = p[2]->slot;
	sw_port_remove(&env->sw, p[2], "test");
	p[2] = NULL;
	assert_int_equal(close_calls, 0);
	assert_int_equal(env->sw.nports, 3);
	assert_null(env->sw.slots[gone]);
	assert_null(sw_port_by_name(&env->sw, "fake2"));
	assert_int_equal(fdb_port_count(&env->sw.fdb, gone), 0);
	assert_false(fdb_points_at(&env->sw.fdb, gone));
	assert_null(fdb_find(&env->sw.fdb, MAC_B, 0));
	assert_int_equal(env->sw.fdb.count, 1);

	/* A unicast to B now floods to the ports that remain. */
	f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 2);
	assert_int_equal(tx_to(p[1]->slot), 1);
	assert_int_equal(tx_to(p[3]->slot), 1);
	assert_int_equal(tx_to(gone), 0);
}

static void sw_slots_are_reused_after_removal(void **state)
{
	struct env *env = *state;
	struct port *p[6];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 4; i++) {
		p[i] = add_port(env, i, 1500);
		assert_int_equal(p[i]->slot, i);
	}
	sw_port_remove(&env->sw, p[1], "test");
	sw_port_remove(&env->sw, p[2], "test");
	assert_int_equal(env->sw.nports, 2);

	p[4] = add_port(env, 4, 1500);
	assert_int_equal(p[4]->slot, 1);
	p[5] = add_port(env, 5, 1500);
	assert_int_equal(p[5]->slot, 2);
	p[1] = add_port(env, 1, 1500);
	assert_int_equal(p[1]->slot, 4);
	assert_int_equal(env->sw.nports, 5);

	/* A broadcast reaches each live port once, and only live ports. */
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 4);
	for (uint16_t s = 1; s <= 4; s++)
		assert_int_equal(tx_to(s), 1);
	assert_int_equal(env->fk[4].tx_calls, 1);
	assert_int_equal(env->fk[5].tx_calls, 1);
}

static void sw_attach_beyond_ports_max_is_enospc(void **state)
{
	struct env *env = *state;
	struct port *extra;

	for (int i = 0; i < SWITCHD_PORTS_MAX; i++) {
		char name[IFNAMSIZ];
		struct port *p;

		snprintf(name, sizeof(name), "p%d", i);
		p = new_port(&env->fk[0], name, 1000 + i, 1500);
		assert_int_equal(sw_port_attach(&env->sw, p), 0);
		assert_int_equal(p->slot, i);
	}
	assert_int_equal(env->sw.nports, SWITCHD_PORTS_MAX);

	extra = new_port(&env->fk[1], "extra", 9999, 1500);
	assert_int_equal(sw_port_attach(&env->sw, extra), -ENOSPC);
	assert_int_equal(env->sw.nports, SWITCHD_PORTS_MAX);
	assert_null(sw_port_by_name(&env->sw, "extra"));

	/* Room again once one goes. */
	sw_port_remove(&env->sw, sw_port_by_name(&env->sw, "p77"), "test");
	assert_int_equal(sw_port_attach(&env->sw, extra), 0);
	assert_int_equal(extra->slot, 77);
	assert_int_equal(env->sw.nports, SWITCHD_PORTS_MAX);
}

static void sw_port_lookup_by_name_and_ifindex(void **state)
{
	struct env *env = *state;
	struct port *p[3];

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	assert_ptr_equal(sw_port_by_name(&env->sw, "fake1"), p[1]);
	assert_ptr_equal(sw_port_by_ifindex(&env->sw, 102), p[2]);
	assert_null(sw_port_by_name(&env->sw, "fake9"));
	assert_null(sw_port_by_ifindex(&env->sw, 7));
}

/* ---- polling a port ---- */

/* Frames wait in per-port queues until sw_flush, then leave in order, a burst per port. */
static void sw_frames_leave_at_flush_in_order(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t f1[60], f2[61], f3[62];
	struct frame a = { .data = f1, .len = sizeof(f1) }, b = { .data = f2, .len = sizeof(f2) },
		     c = { .data = f3, .len = sizeof(f3) };

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	mkframe(f1, sizeof(f1), BCAST, MAC_A, 0);
	mkframe(f2, sizeof(f2), MAC_A, MAC_B, 0); /* to A, known on port 0 */
	mkframe(f3, sizeof(f3), BCAST, MAC_C, 0);
	sw_input(&env->sw, p[0], &a, clock_ms);
	sw_input(&env->sw, p[1], &b, clock_ms);
	sw_input(&env->sw, p[2], &c, clock_ms);
	assert_int_equal(ntx, 0);
	sw_flush(&env->sw);
	assert_int_equal(ntx, 5);
	assert_int_equal(tx_to(p[0]->slot), 2); /* b, then c */
	assert_int_equal(tx_to(p[1]->slot), 2); /* a, then c */
	assert_int_equal(tx_to(p[2]->slot), 1); /* a */
	for (size_t i = 0, seen0 = 0; i < ntx; i++) {
		if (txlog[i].slot != p[0]->slot)
			continue;
		assert_int_equal(txlog[i].len, seen0++ ? sizeof(f3) : sizeof(f2));
	}
	assert_int_equal(env->sw.npending, 0);
	sw_flush(&env->sw);
	assert_int_equal(ntx, 5);
}

static void sw_port_poll_forwards_frames_until_eagain(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t f1[60], f2[42], f3[64];

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	mkframe(f1, sizeof(f1), BCAST, MAC_A, 0);
	mkframe(f2, sizeof(f2), MAC_B, MAC_A, 0);
	mkframe(f3, sizeof(f3), BCAST, MAC_C, 1);
	rx_push(&env->fk[0], f1, sizeof(f1));
	rx_push(&env->fk[0], f2, sizeof(f2));
	rx_push(&env->fk[0], f3, sizeof(f3));
	clock_ms = 4242000;

	sw_port_poll(&env->sw, p[0]);
	assert_int_equal(env->fk[0].rx_next, 3); /* three frames in one burst */
	assert_int_equal(p[0]->c.rx_packets, 3);
	assert_int_equal(p[0]->c.rx_bytes, 60 + 42 + 64);
	assert_int_equal(ntx, 6);
	assert_int_equal(tx_to(p[1]->slot), 3);
	assert_int_equal(tx_to(p[2]->slot), 3);
	/* Each port gets the three frames in the order they arrived. */
	for (int port = 1; port <= 2; port++) {
		size_t k = 0;

		for (size_t i = 0; i < ntx; i++) {
			const uint8_t *want = k == 0 ? f1 : k == 1 ? f2 : f3;
			size_t wlen = k == 0 ? sizeof(f1) : k == 1 ? sizeof(f2) : sizeof(f3);

			if (txlog[i].slot != p[port]->slot)
				continue;
			assert_int_equal(txlog[i].len, wlen);
			assert_memory_equal(txlog[i].data, want, wlen);
			k++;
		}
		assert_int_equal(k, 3);
	}
	/* Learned on the switch's clock. */
	assert_int_equal(fdb_find(&env->sw.fdb, MAC_A, 0)->seen_ms, 4242000);
	assert_int_equal(fdb_find(&env->sw.fdb, MAC_C, 100)->port, p[0]->slot);
	assert_int_equal(env->sw.nports, 3);
}

static void sw_port_poll_reads_at_most_rx_budget(void **state)
{
	struct env *env = *state;
	enum { N = SWITCHD_RX_BUDGET + 36 };
	struct port *p[2];
	uint8_t fr[60];

	p[0] = add_port(env, 0, 1500);
	p[1] = add_port(env, 1, 1500);
	mkframe(fr, sizeof(fr), BCAST, MAC_A, 0);
	for (int i = 0; i < N; i++)
		rx_push(&env->fk[0], fr, sizeof(fr));

	sw_port_poll(&env->sw, p[0]);
	assert_int_equal(env->fk[0].rx_next, SWITCHD_RX_BUDGET);
	assert_int_equal(p[0]->c.rx_packets, SWITCHD_RX_BUDGET);
	assert_int_equal(p[1]->c.tx_packets, SWITCHD_RX_BUDGET);

	sw_port_poll(&env->sw, p[0]);
	assert_int_equal(p[0]->c.rx_packets, N);
	assert_int_equal(p[1]->c.tx_packets, N);
	assert_int_equal(env->fk[0].rx_next, N);
}

static void sw_port_poll_enodev_removes_the_port(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t fr[60];

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	mkframe(fr, sizeof(fr), BCAST, MAC_B, 0);
	rx_push(&env->fk[1], fr, sizeof(fr));
	rx_push_err(&env->fk[1], -ENODEV);
	rx_push(&env->fk[1], fr, sizeof(fr)); /* never read */
	env->fk[1].alive = false;

	/* A burst ends before an error; the error comes with the next wakeup. */
	sw_port_poll(&env->sw, p[1]);
	assert_int_equal(env->sw.nports, 3);
	assert_int_equal(ntx, 2);
	sw_port_poll(&env->sw, p[1]);
	p[1] = NULL; /* freed */
	assert_int_equal(env->fk[1].rx_next, 2);
	assert_int_equal(close_calls, 0);
	assert_int_equal(ntx, 2); /* the frame before the error was forwarded */
	assert_int_equal(env->sw.nports, 2);
	assert_null(env->sw.slots[1]);
	assert_null(sw_port_by_name(&env->sw, "fake1"));
	assert_null(fdb_find(&env->sw.fdb, MAC_B, 0));
	assert_false(fdb_points_at(&env->sw.fdb, 1));
}

static void sw_port_poll_enodev_removes_even_if_alive_says_yes(void **state)
{
	struct env *env = *state;
	struct port *p;

	add_port(env, 0, 1500);
	p = add_port(env, 1, 1500);
	env->fk[1].rx_end = -ENODEV;
	sw_port_poll(&env->sw, p);
	assert_int_equal(env->sw.nports, 1);
	assert_null(sw_port_by_name(&env->sw, "fake1"));
}

static void sw_port_poll_rx_error_on_live_port_is_counted(void **state)
{
	struct env *env = *state;
	struct port *p[2];
	uint8_t fr[60];

	p[0] = add_port(env, 0, 1500);
	p[1] = add_port(env, 1, 1500);
	mkframe(fr, sizeof(fr), BCAST, MAC_A, 0);
	rx_push_err(&env->fk[0], -EIO);
	rx_push(&env->fk[0], fr, sizeof(fr));
	rx_push_err(&env->fk[0], -EMSGSIZE);
	/* The first wakeup reads the error and the frame, the second the other error. */
	sw_port_poll(&env->sw, p[0]);
	assert_int_equal(p[0]->c.rx_drop_error, 1);
	sw_port_poll(&env->sw, p[0]);

	assert_int_equal(env->sw.nports, 2);
	assert_int_equal(env->fk[0].rx_next, 3);
	assert_int_equal(p[0]->c.rx_drop_error, 2);
	assert_int_equal(p[0]->c.rx_dropped, 2);
	assert_int_equal(p[0]->c.rx_packets, 1);
	assert_int_equal(p[1]->c.tx_packets, 1);
}

static void sw_port_poll_rx_error_on_dead_port_removes_it(void **state)
{
	struct env *env = *state;
	struct port *p;

	add_port(env, 0, 1500);
	p = add_port(env, 1, 1500);
	announce(env, p, MAC_B);
	env->fk[1].rx_end = -EIO;
	env->fk[1].alive = false;
	sw_port_poll(&env->sw, p);
	assert_int_equal(env->sw.nports, 1);
	assert_null(env->sw.slots[1]);
	assert_null(fdb_find(&env->sw.fdb, MAC_B, 0));
}

/* ---- loops and storms ---- */

/* A MAC bouncing between two ports more than flap_moves times a second blocks the port it
 * bounced onto: nothing in, nothing out, its entries gone, until the hold runs out. */
static void sw_flapping_mac_blocks_the_port_it_moved_to(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	env->sw.policy.flap_moves = 3;
	env->sw.policy.flap_hold_ms = 5000;
	/* A's frames come in on ports 1 and 2 alternately, as from a loop between them. */
	for (int k = 0; k < 4; k++) {
		f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
		input_now(&env->sw, p[1 + k % 2], &f, clock_ms + (uint64_t)k);
		assert_int_equal(sw_port_blocked_ms(p[1], 0) + sw_port_blocked_ms(p[2], 0), 0);
	}
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[1], &f, clock_ms + 4); /* the fourth move within a second */
	assert_true(sw_port_blocked(p[1], clock_ms + 4));
	assert_false(sw_port_blocked(p[2], clock_ms + 4));
	assert_int_equal(p[1]->c.rx_drop_blocked, 1);
	assert_false(fdb_points_at(&env->sw.fdb, p[1]->slot));

	/* Blocked: what arrives is dropped, nothing is sent to it. */
	txlog_clear();
	f = mkframe(buf, sizeof(buf), BCAST, MAC_B, 0);
	input_now(&env->sw, p[1], &f, clock_ms + 10);
	assert_int_equal(ntx, 0);
	assert_int_equal(p[1]->c.rx_drop_blocked, 2);
	f = mkframe(buf, sizeof(buf), BCAST, MAC_C, 0);
	input_now(&env->sw, p[0], &f, clock_ms + 10);
	assert_int_equal(tx_to(p[1]->slot), 0);
	assert_int_equal(tx_to(p[2]->slot), 1);

	/* The hold runs out: sw_tick lets the port forward again. */
	clock_ms += 5005;
	sw_tick(&env->sw);
	assert_int_equal(env->sw.policy.blocked_until_ms[p[1]->slot], 0);
	txlog_clear();
	f = mkframe(buf, sizeof(buf), BCAST, MAC_B, 0);
	input_now(&env->sw, p[1], &f, clock_ms);
	assert_int_equal(tx_to(p[0]->slot), 1);
	assert_int_equal(tx_to(p[2]->slot), 1);
}

/* sw_tick collects the kernel's loss counts from every port, once per tick. */
static void sw_tick_collects_kernel_drops(void **state)
{
	struct env *env = *state;
	struct port *p[2];

	p[0] = add_port(env, 0, 1500);
	p[1] = add_port(env, 1, 1500);
	sw_tick(&env->sw);
	sw_tick(&env->sw);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(p[i]->c.rx_drop_error, 6);
		assert_int_equal(p[i]->c.rx_dropped, 6);
	}
}

/* The loop and storm settings given to sw_init are the ones in force. */
static void sw_init_takes_loop_and_storm_settings(void **state)
{
	(void)state;
	const struct sw_config cfg = {
		.max_macs = 64, .ageing = 10, .flap_moves = 7, .flap_hold = 9, .storm_pps = { 1, 2, 3 },
	};
	struct sw sw;

	assert_int_equal(sw_init(&sw, NULL, &cfg, fake_clock), 0);
	assert_int_equal(sw.policy.flap_moves, 7);
	assert_int_equal(sw.policy.flap_hold_ms, 9000);
	assert_int_equal(sw.policy.storm_pps[FWD_FLOOD_BROADCAST], 1);
	assert_int_equal(sw.policy.storm_pps[FWD_FLOOD_MULTICAST], 2);
	assert_int_equal(sw.policy.storm_pps[FWD_FLOOD_UNKNOWN], 3);
	assert_int_equal(sw.fdb.max, 64);
	assert_int_equal(sw.fdb.ageing_ms, 10000);
	sw_fini(&sw);
}

/* switchctl set: each setting reads back as set; a smaller max-macs evicts at once. */
static void sw_set_changes_each_setting_at_runtime(void **state)
{
	struct env *env = *state;
	struct port *p = add_port(env, 0, 0);
	static const struct {
		uint32_t key;
		uint64_t value;
	} set[] = {
		{ SWP_SET_AGEING, 60 },
		{ SWP_SET_AGEING, SWITCHD_AGEING_MAX_SEC },
		{ SWP_SET_FLAP_MOVES, 0 },
		{ SWP_SET_FLAP_HOLD, SWITCHD_FLAP_HOLD_MAX_SEC }, /* overflowed a u32 of milliseconds */
		{ SWP_SET_STORM_BROADCAST, 1 },
		{ SWP_SET_STORM_MULTICAST, 0 },
		{ SWP_SET_STORM_UNKNOWN, SWITCHD_STORM_PPS_MAX },
		{ SWP_SET_MAX_MACS, SWITCHD_MAX_MACS_LIMIT },
	};

	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		assert_int_equal(sw_set(&env->sw, set[i].key, set[i].value), 0);
		assert_int_equal(sw_setting(&env->sw, set[i].key), set[i].value);
	}
	assert_int_equal(env->sw.policy.flap_hold_ms, (uint64_t)SWITCHD_FLAP_HOLD_MAX_SEC * 1000);
	assert_int_equal(env->sw.policy.storm_pps[FWD_FLOOD_BROADCAST], 1);

	for (int i = 0; i < 10; i++) {
		uint8_t mac[6] = { 0x52, 0x54, 0, 0, 1, (uint8_t)i };

		clock_ms += 10;
		announce(env, p, mac);
	}
	assert_int_equal(env->sw.fdb.count, 10);
	assert_int_equal(sw_set(&env->sw, SWP_SET_MAX_MACS, 4), 6);
	assert_int_equal(env->sw.fdb.count, 4);
	assert_int_equal(sw_setting(&env->sw, SWP_SET_MAX_MACS), 4);
	/* The most recently seen stay. */
	assert_non_null(fdb_find(&env->sw.fdb, (const uint8_t[6]){ 0x52, 0x54, 0, 0, 1, 9 }, 0));
	assert_null(fdb_find(&env->sw.fdb, (const uint8_t[6]){ 0x52, 0x54, 0, 0, 1, 5 }, 0));
	assert_int_equal(sw_set(&env->sw, SWP_SET_MAX_MACS, 100), 0);
	assert_int_equal(env->sw.fdb.count, 4);
}

/* Moves spread over time are hosts changing ports, not a loop. */
static void sw_slow_moves_never_block(void **state)
{
	struct env *env = *state;
	struct port *p[2];
	uint8_t buf[60];
	struct frame f;

	p[0] = add_port(env, 0, 1500);
	p[1] = add_port(env, 1, 1500);
	env->sw.policy.flap_moves = 3;
	env->sw.policy.flap_hold_ms = 5000;
	for (int k = 0; k < 20; k++) {
		f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
		input_now(&env->sw, p[k % 2], &f, clock_ms + (uint64_t)k * 400);
	}
	assert_false(sw_port_blocked(p[0], clock_ms + 8000));
	assert_false(sw_port_blocked(p[1], clock_ms + 8000));
	assert_int_equal(env->sw.fdb.st.moved, 19);
}

/* Storm control: per port and kind of flood, 100 ms of the rate as burst (at least one frame),
 * refilled with time but never deeper; known unicast is never limited. */
static void sw_storm_control_limits_floods_per_port_and_kind(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	env->sw.policy.storm_pps[FWD_FLOOD_BROADCAST] = 50; /* a burst of 5 */
	env->sw.policy.storm_pps[FWD_FLOOD_MULTICAST] = 5; /* 0.5 frames: a burst of 1 */
	for (int k = 0; k < 8; k++) {
		f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms);
	}
	assert_int_equal(tx_to(p[1]->slot), 5);
	assert_int_equal(p[0]->c.rx_drop_storm, 3);
	/* Another port has its own bucket. */
	f = mkframe(buf, sizeof(buf), BCAST, MAC_B, 0);
	input_now(&env->sw, p[1], &f, clock_ms);
	assert_int_equal(p[1]->c.rx_drop_storm, 0);
	/* Multicast has its own limit; unknown unicast none here. */
	for (int k = 0; k < 4; k++) {
		f = mkframe(buf, sizeof(buf), MCAST4, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms);
	}
	assert_int_equal(p[0]->c.rx_drop_storm, 6);
	for (int k = 0; k < 20; k++) {
		f = mkframe(buf, sizeof(buf), MAC_C, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms);
	}
	assert_int_equal(p[0]->c.rx_drop_storm, 6);
	/* Known unicast (B is on port 1) passes whatever the buckets say. */
	txlog_clear();
	for (int k = 0; k < 20; k++) {
		f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms);
	}
	assert_int_equal(tx_to(p[1]->slot), 20);
	/* 40 ms later two broadcasts' worth has come back (50 a second). */
	txlog_clear();
	for (int k = 0; k < 4; k++) {
		f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms + 40);
	}
	assert_int_equal(tx_to(p[1]->slot), 2);
	assert_int_equal(p[0]->c.rx_drop_storm, 8);
	/* A quiet second refills the bucket to its depth, not to a second's worth. */
	txlog_clear();
	for (int k = 0; k < 50; k++) {
		f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
		input_now(&env->sw, p[0], &f, clock_ms + 1040);
	}
	assert_int_equal(tx_to(p[1]->slot), 5);
	assert_int_equal(p[0]->c.rx_drop_storm, 53);
	assert_int_equal(p[0]->c.rx_dropped, p[0]->c.rx_drop_storm);
}

/* ---- port settings and static entries ---- */

static void sw_isolated_ports_reach_only_non_isolated_ones(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	assert_int_equal(sw_port_set(&env->sw, p[0], SWP_PSET_ISOLATED, 1), 1);
	assert_int_equal(sw_port_set(&env->sw, p[1], SWP_PSET_ISOLATED, 1), 1);
	assert_int_equal(sw_port_set(&env->sw, p[1], SWP_PSET_ISOLATED, 1), 0); /* had it */
	/* A broadcast from isolated port 0 reaches only port 2. */
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_int_equal(tx_to(p[2]->slot), 1);
	/* Unicast to a MAC on isolated port 1: dropped and counted; from port 2 it goes. */
	announce(env, p[1], MAC_B);
	f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 0);
	assert_int_equal(p[0]->c.rx_drop_isolated, 1);
	assert_int_equal(p[0]->c.rx_dropped, 1);
	f = mkframe(buf, sizeof(buf), MAC_B, MAC_C, 0);
	input_now(&env->sw, p[2], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_int_equal(tx_to(p[1]->slot), 1);
	assert_int_equal(sw_port_setting(&env->sw, p[1], SWP_PSET_ISOLATED), 1);
	assert_int_equal(sw_port_setting(&env->sw, p[2], SWP_PSET_ISOLATED), 0);
}

static void sw_flood_off_keeps_unknown_unicast_but_not_broadcast_away(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	assert_int_equal(sw_port_set(&env->sw, p[2], SWP_PSET_FLOOD, 0), 1);
	f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_int_equal(tx_to(p[1]->slot), 1);
	txlog_clear();
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 2);
	assert_int_equal(tx_to(p[2]->slot), 1);
	/* Known unicast still reaches it. */
	announce(env, p[2], MAC_C);
	f = mkframe(buf, sizeof(buf), MAC_C, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_int_equal(tx_to(p[2]->slot), 1);
}

static void sw_learning_off_forwards_but_learns_nothing(void **state)
{
	struct env *env = *state;
	struct port *p[2];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 2; i++)
		p[i] = add_port(env, i, 1500);
	assert_int_equal(sw_port_set(&env->sw, p[0], SWP_PSET_LEARNING, 0), 1);
	assert_int_equal(sw_port_setting(&env->sw, p[0], SWP_PSET_LEARNING), 0);
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_null(fdb_find(&env->sw.fdb, MAC_A, 0));
	assert_int_equal(p[0]->c.rx_dropped, 0);
}

static void sw_max_macs_drops_new_sources_over_the_limit(void **state)
{
	struct env *env = *state;
	struct port *p[2];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 2; i++)
		p[i] = add_port(env, i, 1500);
	assert_int_equal(sw_port_set(&env->sw, p[0], SWP_PSET_MAX_MACS, 2), 1);
	/* A static entry does not count against it. */
	assert_int_equal(sw_mac_add(&env->sw, MAC_C, 0, p[0]), 0);
	announce(env, p[0], MAC_A);
	announce(env, p[0], MAC_B);
	assert_int_equal(p[0]->c.rx_dropped, 0);
	f = mkframe(buf, sizeof(buf), BCAST, (const uint8_t[6]){ 0x52, 0x54, 0, 0, 0, 0x0d }, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 0);
	assert_int_equal(p[0]->c.rx_drop_mac_limit, 1);
	assert_int_equal(p[0]->c.rx_dropped, 1);
	/* Known sources still pass; another port has no limit. */
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 1);
	/* A MAC moving onto the full port is a new source there too. */
	txlog_clear();
	announce(env, p[1], (const uint8_t[6]){ 0x52, 0x54, 0, 0, 0, 0x0e });
	f = mkframe(buf, sizeof(buf), BCAST, (const uint8_t[6]){ 0x52, 0x54, 0, 0, 0, 0x0e }, 0);
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(p[0]->c.rx_drop_mac_limit, 2);
	assert_int_equal(fdb_find(&env->sw.fdb, (const uint8_t[6]){ 0x52, 0x54, 0, 0, 0, 0x0e }, 0)->port,
			 p[1]->slot);
	/* A smaller limit evicts the least recently seen (B) at once. */
	assert_int_equal(sw_port_set(&env->sw, p[0], SWP_PSET_MAX_MACS, 1), 1);
	assert_null(fdb_find(&env->sw.fdb, MAC_B, 0));
	assert_non_null(fdb_find(&env->sw.fdb, MAC_A, 0));
	assert_non_null(fdb_find(&env->sw.fdb, MAC_C, 0));
	assert_int_equal(fdb_port_count(&env->sw.fdb, p[0]->slot), 2);
}

static void sw_static_mac_is_pinned_and_outlives_flush_not_its_port(void **state)
{
	struct env *env = *state;
	struct port *p[3];
	uint8_t buf[60];
	struct frame f;
	const struct fdb_entry *e;

	for (int i = 0; i < 3; i++)
		p[i] = add_port(env, i, 1500);
	/* A learned entry becomes static where the request says. */
	announce(env, p[1], MAC_A);
	assert_int_equal(sw_mac_add(&env->sw, MAC_A, 0, p[0]), 0);
	e = fdb_find(&env->sw.fdb, MAC_A, 0);
	assert_true(e->is_static);
	assert_int_equal(e->port, p[0]->slot);
	/* A frame from A on another port is dropped, counted, and moves nothing. */
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	input_now(&env->sw, p[1], &f, clock_ms);
	assert_int_equal(ntx, 0);
	assert_int_equal(p[1]->c.rx_drop_static, 1);
	assert_int_equal(fdb_find(&env->sw.fdb, MAC_A, 0)->port, p[0]->slot);
	/* Even with learning off there. */
	sw_port_set(&env->sw, p[1], SWP_PSET_LEARNING, 0);
	input_now(&env->sw, p[1], &f, clock_ms);
	assert_int_equal(p[1]->c.rx_drop_static, 2);
	/* From its own port it forwards; unicast to it goes there. */
	input_now(&env->sw, p[0], &f, clock_ms);
	assert_int_equal(ntx, 2);
	txlog_clear();
	f = mkframe(buf, sizeof(buf), MAC_A, MAC_B, 0);
	input_now(&env->sw, p[2], &f, clock_ms);
	assert_int_equal(ntx, 1);
	assert_int_equal(tx_to(p[0]->slot), 1);
	/* Never aged, never flushed; a learned entry of the same port is. */
	announce(env, p[0], MAC_C);
	clock_ms += 301 * 1000;
	sw_tick(&env->sw);
	assert_null(fdb_find(&env->sw.fdb, MAC_C, 0));
	assert_non_null(fdb_find(&env->sw.fdb, MAC_A, 0));
	announce(env, p[0], MAC_C);
	assert_int_equal(fdb_flush(&env->sw.fdb, -1), 1); /* C (B, learned on p2, aged with it) */
	assert_non_null(fdb_find(&env->sw.fdb, MAC_A, 0));
	/* In another VLAN it is another entry. */
	assert_int_equal(sw_mac_del(&env->sw, MAC_A, 10), -ENOENT);
	/* Its port's removal takes it. */
	sw_port_remove(&env->sw, p[0], "test");
	assert_null(fdb_find(&env->sw.fdb, MAC_A, 0));
	assert_int_equal(env->sw.fdb.count, 0);
}

static void sw_mac_del_removes_static_and_learned_entries(void **state)
{
	struct env *env = *state;
	struct port *p = add_port(env, 0, 1500);

	assert_int_equal(sw_mac_add(&env->sw, MAC_A, 10, p), 0);
	announce(env, p, MAC_B);
	assert_int_equal(env->sw.fdb.count, 2);
	assert_int_equal(sw_mac_del(&env->sw, MAC_A, 0), -ENOENT);
	assert_int_equal(sw_mac_del(&env->sw, MAC_A, 10), 0);
	assert_int_equal(sw_mac_del(&env->sw, MAC_B, 0), 0);
	assert_int_equal(env->sw.fdb.count, 0);
	assert_int_equal(fdb_port_count(&env->sw.fdb, p->slot), 0);
}

static void sw_static_entries_fill_the_table_only_as_far_as_its_size(void **state)
{
	struct env *env = *state;
	struct port *p = add_port(env, 0, 1500);
	uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0 };

	sw_set(&env->sw, SWP_SET_MAX_MACS, 3);
	announce(env, p, MAC_A);
	for (uint8_t i = 1; i <= 3; i++) {
		mac[5] = i;
		assert_int_equal(sw_mac_add(&env->sw, mac, 0, p), 0); /* evicts the learned A */
	}
	assert_null(fdb_find(&env->sw.fdb, MAC_A, 0));
	mac[5] = 4;
	assert_int_equal(sw_mac_add(&env->sw, mac, 0, p), -ENOSPC);
	/* Learning finds no room and no victim: nothing learned, nothing lost. */
	announce(env, p, MAC_B);
	assert_null(fdb_find(&env->sw.fdb, MAC_B, 0));
	assert_int_equal(env->sw.fdb.count, 3);
	/* Shrinking the table leaves static entries. */
	sw_set(&env->sw, SWP_SET_MAX_MACS, 1);
	assert_int_equal(env->sw.fdb.count, 3);
}

static void sw_port_storm_limit_overrides_the_switch_wide_one(void **state)
{
	struct env *env = *state;
	struct port *p[2];
	uint8_t buf[60];
	struct frame f;

	for (int i = 0; i < 2; i++)
		p[i] = add_port(env, i, 1500);
	/* No switch-wide limit; port 0 may flood 1 broadcast a second (a bucket of one frame). */
	assert_int_equal(sw_port_set(&env->sw, p[0], SWP_PSET_STORM_BROADCAST, 1), 1);
	assert_int_equal(sw_port_setting(&env->sw, p[0], SWP_PSET_STORM_BROADCAST), 1);
	assert_int_equal(sw_port_setting(&env->sw, p[0], SWP_PSET_STORM_UNKNOWN), 0);
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	for (int i = 0; i < 3; i++)
		input_now(&env->sw, p[0], &f, clock_ms + 2000);
	assert_int_equal(ntx, 1);
	assert_int_equal(p[0]->c.rx_drop_storm, 2);
	/* Unknown unicast is another kind: not limited. */
	f = mkframe(buf, sizeof(buf), MAC_B, MAC_A, 0);
	input_now(&env->sw, p[0], &f, clock_ms + 2000);
	assert_int_equal(ntx, 2);
	/* The other port has no limit; 0 gives port 0 back to the switch's (none). */
	f = mkframe(buf, sizeof(buf), BCAST, MAC_C, 0);
	for (int i = 0; i < 3; i++)
		input_now(&env->sw, p[1], &f, clock_ms + 2000);
	assert_int_equal(ntx, 5);
	assert_int_equal(sw_port_set(&env->sw, p[0], SWP_PSET_STORM_BROADCAST, 0), 1);
	f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	for (int i = 0; i < 3; i++)
		input_now(&env->sw, p[0], &f, clock_ms + 2000);
	assert_int_equal(ntx, 8);
	assert_int_equal(p[0]->c.rx_drop_storm, 2);
}

/* ---- observers (capture, mirror) ---- */

struct seen {
	int n;
	char port[8][IFNAMSIZ];
	enum sw_dir dir[8];
	size_t len[8];
	int gone;
};

static void seen_fn(void *ctx, struct port *p, const struct frame *f, enum sw_dir dir)
{
	struct seen *s = ctx;

	assert_true(s->n < 8);
	snprintf(s->port[s->n], IFNAMSIZ, "%s", p->name);
	s->dir[s->n] = dir;
	s->len[s->n++] = f->len;
}

static void seen_gone(void *ctx, struct port *p)
{
	(void)p;
	((struct seen *)ctx)->gone++;
}

/* An observer sees what crosses the ports and ways it watches, drops included, and nothing else. */
static void sw_observer_sees_watched_ports_and_directions_only(void **state)
{
	struct env *env = *state;
	struct port *a = add_port(env, 0, 0), *b = add_port(env, 1, 0), *c = add_port(env, 2, 0);
	struct seen s = { 0 };
	struct sw_observer o = { .fn = seen_fn, .gone = seen_gone, .ctx = &s };
	uint8_t buf[60], runt[10];
	struct frame f = mkframe(buf, sizeof(buf), BCAST, MAC_A, 0);
	struct frame r = { .data = runt, .len = sizeof(runt) };

	memset(runt, 0, sizeof(runt));
	o.dirs[a->slot] = SW_DIR_IN;
	o.dirs[b->slot] = SW_DIR_OUT;
	assert_int_equal(sw_observer_add(&env->sw, &o), 0);
	assert_int_equal(a->observed, SW_DIR_IN);
	assert_int_equal(c->observed, 0);
	input_now(&env->sw, a, &f, clock_ms); /* in on a, out on b and c */
	input_now(&env->sw, a, &r, clock_ms); /* a runt, dropped: still seen coming in */
	input_now(&env->sw, c, &f, clock_ms); /* in on c (not watched), out on a (not watched) and b */
	assert_int_equal(s.n, 4);
	assert_string_equal(s.port[0], "fake0");
	assert_int_equal(s.dir[0], SW_DIR_IN);
	assert_string_equal(s.port[1], "fake1");
	assert_int_equal(s.dir[1], SW_DIR_OUT);
	assert_string_equal(s.port[2], "fake0");
	assert_int_equal(s.len[2], sizeof(runt));
	assert_string_equal(s.port[3], "fake1");
	assert_int_equal(s.dir[3], SW_DIR_OUT);
	/* The watched port goes: the observer is told and watches it no more. */
	sw_port_remove(&env->sw, b, "test");
	assert_int_equal(s.gone, 1);
	assert_int_equal(o.dirs[1], 0);
	/* A port attached later gets new_ports; a stopped observer sees nothing. */
	o.new_ports = SW_DIR_IN | SW_DIR_OUT;
	b = add_port(env, 3, 0);
	assert_int_equal(b->observed, SW_DIR_IN | SW_DIR_OUT);
	sw_observer_del(&env->sw, &o);
	assert_int_equal(a->observed, 0);
	assert_int_equal(b->observed, 0);
	input_now(&env->sw, a, &f, clock_ms);
	assert_int_equal(s.n, 4);
}

static void sw_observers_are_bounded(void **state)
{
	struct env *env = *state;
	static struct sw_observer o[SW_OBSERVERS_MAX + 1];

	for (int i = 0; i < SW_OBSERVERS_MAX; i++)
		assert_int_equal(sw_observer_add(&env->sw, &o[i]), 0);
	assert_int_equal(sw_observer_add(&env->sw, &o[SW_OBSERVERS_MAX]), -ENOSPC);
	for (int i = 0; i < SW_OBSERVERS_MAX; i++)
		sw_observer_del(&env->sw, &o[i]);
	assert_int_equal(env->sw.nobservers, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		/* port settings and static entries */
		T(sw_isolated_ports_reach_only_non_isolated_ones),
		T(sw_flood_off_keeps_unknown_unicast_but_not_broadcast_away),
		T(sw_learning_off_forwards_but_learns_nothing),
		T(sw_max_macs_drops_new_sources_over_the_limit),
		T(sw_static_mac_is_pinned_and_outlives_flush_not_its_port),
		T(sw_mac_del_removes_static_and_learned_entries),
		T(sw_static_entries_fill_the_table_only_as_far_as_its_size),
		T(sw_port_storm_limit_overrides_the_switch_wide_one),
		/* flooding and unicast */
		T(sw_broadcast_reaches_every_other_port_exactly_once),
		T(sw_multicast_and_unknown_unicast_flood),
		T(sw_known_unicast_goes_to_exactly_one_port),
		/* frames cross whole */
		T(sw_frames_are_forwarded_byte_for_byte),
		T(sw_gso_superframe_crosses_whole_despite_mtu),
		/* MTU */
		T(sw_oversize_frame_dropped_only_on_small_mtu_port),
		T(sw_mtu_counts_l2_payload_after_vlan_tags),
		/* counters */
		T(sw_counts_rx_and_tx_packets_and_bytes),
		T(sw_counts_rx_drops_by_reason),
		T(sw_counts_tx_errors_by_reason_and_keeps_flooding),
		T(sw_unicast_tx_error_counts_on_that_port_only),
		/* ports */
		T(sw_port_remove_flushes_its_mac_entries),
		T(sw_slots_are_reused_after_removal),
		T(sw_attach_beyond_ports_max_is_enospc),
		T(sw_port_lookup_by_name_and_ifindex),
		/* polling */
		T(sw_frames_leave_at_flush_in_order),
		T(sw_flapping_mac_blocks_the_port_it_moved_to),
		T(sw_slow_moves_never_block),
		cmocka_unit_test(sw_init_takes_loop_and_storm_settings),
		T(sw_observer_sees_watched_ports_and_directions_only),
		T(sw_observers_are_bounded),
		T(sw_set_changes_each_setting_at_runtime),
		T(sw_tick_collects_kernel_drops),
		T(sw_storm_control_limits_floods_per_port_and_kind),
		T(sw_port_poll_forwards_frames_until_eagain),
		T(sw_port_poll_reads_at_most_rx_budget),
		T(sw_port_poll_enodev_removes_the_port),
		T(sw_port_poll_enodev_removes_even_if_alive_says_yes),
		T(sw_port_poll_rx_error_on_live_port_is_counted),
		T(sw_port_poll_rx_error_on_dead_port_removes_it),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
