/*
 * The fixture test_mirror.c and test_trace.c share: a switch with mirrors and
 * ports p0..p4 on fake ports (a tx that records a copy of every frame sent, or
 * fails with a chosen -errno; an rx that hands out one scripted frame, so
 * frames also come through sw_port_poll), its events, an injected clock.
 * Included once, by a test file, after cmocka.h.
 */
#ifndef TEST_FAKEPORTS_H
#define TEST_FAKEPORTS_H

#include "fwd.h"
#include "mirror.h"
#include "sw.h"

static uint64_t clock_ms = 1000000;

static uint64_t fake_clock(void)
{
	return clock_ms;
}

/* ---- fake ports ---- */

struct fake {
	int tx_err;
	const uint8_t *rx;
	size_t rx_len;
};

struct tx_rec {
	char name[IFNAMSIZ];
	size_t len;
	uint8_t data[128];
};

#define TX_MAX 64
static struct tx_rec txlog[TX_MAX];
static size_t ntx;

static int fake_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	struct fake *fk = p->priv;

	(void)n;
	if (!fk->rx)
		return 0;
	memcpy(f[0].data, fk->rx, fk->rx_len);
	f[0].len = fk->rx_len;
	fk->rx = NULL;
	return 1;
}

static unsigned fake_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	struct fake *fk = p->priv;

	for (unsigned i = 0; i < n; i++) {
		if (fk->tx_err) {
			*err = fk->tx_err;
			return i;
		}
		assert_true(ntx < TX_MAX && f[i]->len <= sizeof(txlog[0].data));
		snprintf(txlog[ntx].name, IFNAMSIZ, "%s", p->name);
		txlog[ntx].len = f[i]->len;
		memcpy(txlog[ntx].data, f[i]->data, f[i]->len);
		ntx++;
	}
	return n;
}

static bool fake_alive(struct port *p)
{
	(void)p;
	return true;
}

static void fake_close(struct port *p)
{
	(void)p;
	fail_msg("fakes have fd -1: port_close must not call close");
}

static const struct port_ops fake_ops = {
	.type = SWP_PORT_TAP,
	.rx_burst = fake_rx_burst,
	.tx_burst = fake_tx_burst,
	.alive = fake_alive,
	.close = fake_close,
};

/* How many frames port name sent. */
static inline size_t sent_to(const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < ntx; i++)
		n += !strcmp(txlog[i].name, name);
	return n;
}

/* The k-th frame p sent. */
static inline const struct tx_rec *sent(const char *name, size_t k)
{
	for (size_t i = 0; i < ntx; i++)
		if (!strcmp(txlog[i].name, name) && !k--)
			return &txlog[i];
	fail_msg("%s sent fewer frames", name);
	return NULL;
}

/* p's frame r is exactly buf. */
static inline void assert_frame(const struct tx_rec *r, const uint8_t *buf, size_t len)
{
	assert_int_equal(r->len, len);
	assert_memory_equal(r->data, buf, len);
}

/* ---- events ---- */

static struct swp_event events[16];
static int nevents;

static void on_event(void *ctx, struct swp_event *ev)
{
	(void)ctx;
	if (nevents < 16)
		events[nevents++] = *ev;
}


/* ---- the fixture: a switch, mirrors, ports p0..p4 ---- */

#define NPORTS 5

struct env {
	struct sw sw;
	struct mirrors ms;
	struct fake fk[NPORTS];
	struct port *p[NPORTS];
};

static int setup(void **state)
{
	const struct sw_config cfg = { .max_macs = 1024, .ageing = 300 };
	struct env *env = calloc(1, sizeof(*env));

	if (!env || sw_init(&env->sw, NULL, &cfg, fake_clock))
		return -1;
	mirrors_init(&env->ms, &env->sw);
	sw_set_event(&env->sw, on_event, NULL);
	for (int i = 0; i < NPORTS; i++) {
		struct port *p = calloc(1, sizeof(*p));

		if (!p)
			return -1;
		p->fd = -1;
		snprintf(p->name, sizeof(p->name), "p%d", i);
		p->ifindex = 100 + i;
		p->state = SWP_STATE_UP;
		p->ops = &fake_ops;
		p->priv = &env->fk[i];
		if (sw_port_attach(&env->sw, p))
			return -1;
		env->p[i] = p;
	}
	ntx = 0;
	nevents = 0;
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;

	mirrors_fini(&env->ms);
	sw_fini(&env->sw);
	free(env);
	return 0;
}

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t MAC_D[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0d };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A 64-byte frame dst <- src, with an 802.1Q tag of vid unless 0, and a payload that tells frames apart. */
static size_t mkframe(uint8_t *buf, const uint8_t *dst, const uint8_t *src, uint16_t vid, uint8_t seq)
{
	size_t off = 12;

	for (size_t i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i * 7 + seq);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (vid) {
		buf[12] = 0x81;
		buf[13] = 0x00;
		buf[14] = (uint8_t)(vid >> 8);
		buf[15] = (uint8_t)vid;
		off = 16;
	}
	buf[off] = 0x08;
	buf[off + 1] = 0x00;
	return 64;
}

/* One frame in on p, sent. */
static void input(struct env *env, struct port *p, uint8_t *buf, size_t len)
{
	struct frame f = { .data = buf, .len = len };

	sw_input(&env->sw, p, &f, clock_ms);
	sw_flush(&env->sw);
}


#endif
