/*
 * VLAN modes: the ingress decision as a table (fwd_vlan_classify), what a
 * port carries and untags (fwd_vlan_port_set), the tag actions on real
 * frames through sw_input (push, pop, PCP kept, QinQ, GSO offsets), the
 * grammar of port set NAME vlan and the wire and text forms of a mode.
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
#include "switchd/cmdline.h"
#include "switchd/proto.h"

/* ---- modes ---- */

static struct swp_vlan m_access(uint32_t vid)
{
	return (struct swp_vlan){ .mode = SWP_VLAN_ACCESS, .vid = vid };
}

static struct swp_vlan m_tunnel(uint32_t vid)
{
	return (struct swp_vlan){ .mode = SWP_VLAN_TUNNEL, .vid = vid };
}

/* trunk of VIDs lo..hi (0: all), native (0: none) */
static struct swp_vlan m_trunk(unsigned lo, unsigned hi, uint32_t native)
{
	struct swp_vlan v = { .mode = SWP_VLAN_TRUNK, .vid = native };

	for (unsigned vid = lo; lo && vid <= hi; vid++)
		v.vlans[vid / 64] |= 1ull << (vid % 64);
	return v;
}

static struct fwd_vlan_port port_of(struct swp_vlan v)
{
	struct fwd_vlan_port p;
	const char *why;

	assert_int_equal(swp_vlan_check(&v, &why), 0);
	fwd_vlan_port_set(&p, &v);
	return p;
}

/* ---- frames ---- */

enum tag { UNTAGGED, PRIO, TAG10, TAG20, TAG4095, STAG10, STAG100_C10 };

/* A 64-byte frame from 52:54:00:00:00:0a to broadcast, with the tags named, PCP 5 on the outer one. */
static size_t mk(uint8_t *buf, enum tag t)
{
	static const uint8_t hdr[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0, 0, 0x0a };
	size_t off = 12;

	for (size_t i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i * 7);
	memcpy(buf, hdr, 12);
#define TAG(tpid, tci)                                     \
	do {                                               \
		buf[off] = (uint8_t)((tpid) >> 8);         \
		buf[off + 1] = (uint8_t)(tpid);            \
		buf[off + 2] = (uint8_t)((tci) >> 8);      \
		buf[off + 3] = (uint8_t)(tci);             \
		off += 4;                                  \
	} while (0)
	switch (t) {
	case UNTAGGED:
		break;
	case PRIO:
		TAG(0x8100, 0xa000);
		break;
	case TAG10:
		TAG(0x8100, 0xa000 | 10);
		break;
	case TAG20:
		TAG(0x8100, 0xa000 | 20);
		break;
	case TAG4095:
		TAG(0x8100, 0xa000 | 4095);
		break;
	case STAG10:
		TAG(0x88a8, 0xa000 | 10);
		break;
	case STAG100_C10:
		TAG(0x88a8, 0xa000 | 100);
		TAG(0x8100, 10);
		break;
	}
#undef TAG
	buf[off] = 0x08;
	buf[off + 1] = 0x00;
	return 64;
}

/* ---- the ingress decision ---- */

static void vlan_ingress_decision_table(void **state)
{
	(void)state;
	static const struct row {
		const char *what;
		int mode; /* 0 default, 1 access 10, 2 trunk 10-19 native 30, 3 trunk 10-19, 4 tunnel 100,
			     5 trunk all native 30 */
		enum tag tag;
		enum fwd_reason why;
		uint16_t vlan, tpid, tci;
		uint8_t tag_len;
		bool as_came;
	} rows[] = {
		{ "default untagged", 0, UNTAGGED, FWD_OK, 0, 0x8100, 0, 0, true },
		{ "default priority", 0, PRIO, FWD_OK, 0, 0x8100, 0xa000, 0, true },
		{ "default tagged", 0, TAG10, FWD_OK, 10, 0x8100, 0xa00a, 4, true },
		{ "default 4095 crosses", 0, TAG4095, FWD_OK, 4095, 0x8100, 0xafff, 4, true },
		{ "default S-tag", 0, STAG10, FWD_OK, 10, 0x88a8, 0xa00a, 4, true },
		{ "access untagged", 1, UNTAGGED, FWD_OK, 10, 0x8100, 10, 0, false },
		{ "access priority", 1, PRIO, FWD_OK, 10, 0x8100, 0xa00a, 4, false },
		{ "access own VID", 1, TAG10, FWD_OK, 10, 0x8100, 0xa00a, 4, true },
		{ "access other VID", 1, TAG20, FWD_VLAN, 0, 0, 0, 0, false },
		{ "access 4095", 1, TAG4095, FWD_VLAN, 0, 0, 0, 0, false },
		{ "trunk native untagged", 2, UNTAGGED, FWD_OK, 30, 0x8100, 30, 0, false },
		{ "trunk native priority", 2, PRIO, FWD_OK, 30, 0x8100, 0xa000 | 30, 4, false },
		{ "trunk in list", 2, TAG10, FWD_OK, 10, 0x8100, 0xa00a, 4, true },
		{ "trunk not in list", 2, TAG20, FWD_VLAN, 0, 0, 0, 0, false },
		{ "trunk 4095", 2, TAG4095, FWD_VLAN, 0, 0, 0, 0, false },
		{ "trunk S-tag in list", 2, STAG10, FWD_OK, 10, 0x88a8, 0xa00a, 4, true },
		{ "trunk S-tag not in list", 2, STAG100_C10, FWD_VLAN, 0, 0, 0, 0, false },
		{ "trunk no native: untagged", 3, UNTAGGED, FWD_VLAN, 0, 0, 0, 0, false },
		{ "trunk no native: priority", 3, PRIO, FWD_VLAN, 0, 0, 0, 0, false },
		{ "tunnel untagged", 4, UNTAGGED, FWD_OK, 100, 0x88a8, 100, 0, false },
		{ "tunnel customer tag", 4, TAG10, FWD_OK, 100, 0x88a8, 100, 0, false },
		{ "tunnel 4095", 4, TAG4095, FWD_VLAN, 0, 0, 0, 0, false },
		{ "trunk all native: untagged", 5, UNTAGGED, FWD_OK, 30, 0x8100, 30, 0, false },
		{ "trunk all native: any VID", 5, TAG20, FWD_OK, 20, 0x8100, 0xa014, 4, true },
		{ "trunk all native: 4095", 5, TAG4095, FWD_VLAN, 0, 0, 0, 0, false },
	};
	const struct fwd_vlan_port ports[] = {
		port_of(m_trunk(0, 0, 0)),    port_of(m_access(10)), port_of(m_trunk(10, 19, 30)),
		port_of(m_trunk(10, 19, 0)), port_of(m_tunnel(100)), port_of(m_trunk(0, 0, 30)),
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		uint8_t buf[64];
		size_t len = mk(buf, r->tag);
		struct fwd_vlan c = { 0 };
		enum fwd_reason why = fwd_vlan_classify(&ports[r->mode], buf, len, &c);

		print_message("%s\n", r->what);
		assert_int_equal(why, r->why);
		if (why != FWD_OK)
			continue;
		assert_int_equal(c.vlan, r->vlan);
		assert_int_equal(c.tpid, r->tpid);
		assert_int_equal(c.tci, r->tci);
		assert_int_equal(c.tag_len, r->tag_len);
		assert_int_equal(c.tag_as_came, r->as_came);
	}
}

static void vlan_ports_carry_and_untag(void **state)
{
	(void)state;
	struct fwd_vlan_port d = port_of(m_trunk(0, 0, 0)), a = port_of(m_access(10)), t = port_of(m_trunk(10, 19, 30)),
			     q = port_of(m_tunnel(100)), n = port_of(m_trunk(0, 0, 30));

	assert_true(d.is_default);
	assert_true(fwd_vlan_carries(&d, 0) && fwd_vlan_carries(&d, 4095) && fwd_vlan_carries(&d, 10));
	assert_int_equal(d.untagged, 0);
	assert_false(a.is_default);
	assert_true(fwd_vlan_carries(&a, 10));
	assert_false(fwd_vlan_carries(&a, 0) || fwd_vlan_carries(&a, 11));
	assert_int_equal(a.untagged, 10);
	assert_true(fwd_vlan_carries(&t, 10) && fwd_vlan_carries(&t, 19) && fwd_vlan_carries(&t, 30));
	assert_false(fwd_vlan_carries(&t, 20) || fwd_vlan_carries(&t, 0));
	assert_int_equal(t.untagged, 30);
	assert_true(fwd_vlan_carries(&q, 100));
	assert_false(fwd_vlan_carries(&q, 0));
	/* trunk all with a native VLAN: a setting, so neither "untagged" VLAN 0 nor 4095. */
	assert_false(n.is_default);
	assert_true(fwd_vlan_carries(&n, 1) && fwd_vlan_carries(&n, 4094));
	assert_false(fwd_vlan_carries(&n, 0) || fwd_vlan_carries(&n, 4095));
}

/* ---- the wire, the words, the text ---- */

static enum cli_parse_result parse(struct cli_cmd *cmd, char *err, const char *line)
{
	char copy[256], *argv[16];
	int argc = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok(copy, " "); w && argc < 16; w = strtok(NULL, " "))
		argv[argc++] = w;
	return cli_cmd_parse(argc, argv, cmd, err, 256);
}

static void vlan_grammar(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"port set p vlan",
		"port set p vlan access",
		"port set p vlan access 0",
		"port set p vlan access 4095",
		"port set p vlan access 10 20",
		"port set p vlan access x",
		"port set p vlan trunk",
		"port set p vlan trunk 10,",
		"port set p vlan trunk ,10",
		"port set p vlan trunk 10-",
		"port set p vlan trunk 20-10",
		"port set p vlan trunk 1-2-3",
		"port set p vlan trunk 0",
		"port set p vlan trunk 4095",
		"port set p vlan trunk 10 native",
		"port set p vlan trunk 10 native 0",
		"port set p vlan trunk 10 native 5 x",
		"port set p vlan trunk 10 pvid 5",
		"port set p vlan tunnel",
		"port set p vlan hybrid 10",
	};
	struct cli_cmd cmd;
	char err[256], text[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		assert_int_equal(parse(&cmd, err, bad[i]), CLI_USAGE);
		assert_true(err[0]);
	}
	assert_int_equal(parse(&cmd, err, "port set p vlan access 10"), CLI_RUN);
	assert_int_equal(cmd.type, SWP_PORT_SET);
	assert_int_equal(cmd.body.port_set.key, SWP_PSET_VLAN);
	assert_int_equal(cmd.body.port_set.vlan.mode, SWP_VLAN_ACCESS);
	assert_int_equal(cmd.body.port_set.vlan.vid, 10);
	assert_true(swp_vlan_all(&cmd.body.port_set.vlan));

	assert_int_equal(parse(&cmd, err, "port set p vlan trunk 10,20-30,4094 native 5"), CLI_RUN);
	assert_int_equal(cmd.body.port_set.vlan.mode, SWP_VLAN_TRUNK);
	assert_int_equal(cmd.body.port_set.vlan.vid, 5);
	assert_true(swp_vlan_has(&cmd.body.port_set.vlan, 10) && swp_vlan_has(&cmd.body.port_set.vlan, 20) &&
		    swp_vlan_has(&cmd.body.port_set.vlan, 30) && swp_vlan_has(&cmd.body.port_set.vlan, 4094));
	assert_false(swp_vlan_has(&cmd.body.port_set.vlan, 11) || swp_vlan_has(&cmd.body.port_set.vlan, 31) ||
		     swp_vlan_has(&cmd.body.port_set.vlan, 5));
	swp_vlan_format(&cmd.body.port_set.vlan, text, sizeof(text));
	assert_string_equal(text, "trunk 10,20-30,4094 native 5");

	/* trunk all is the default: all zero. */
	assert_int_equal(parse(&cmd, err, "port set p vlan trunk all"), CLI_RUN);
	assert_true(swp_vlan_all(&cmd.body.port_set.vlan));
	assert_int_equal(cmd.body.port_set.vlan.mode | cmd.body.port_set.vlan.vid, 0);
	swp_vlan_format(&cmd.body.port_set.vlan, text, sizeof(text));
	assert_string_equal(text, "trunk all");
	assert_int_equal(parse(&cmd, err, "port set p vlan trunk all native 7"), CLI_RUN);
	swp_vlan_format(&cmd.body.port_set.vlan, text, sizeof(text));
	assert_string_equal(text, "trunk all native 7");
	assert_int_equal(parse(&cmd, err, "port set p vlan tunnel 100"), CLI_RUN);
	swp_vlan_format(&cmd.body.port_set.vlan, text, sizeof(text));
	assert_string_equal(text, "tunnel 100");
}

static void vlan_format_cuts_a_long_list(void **state)
{
	(void)state;
	struct swp_vlan v = m_trunk(0, 0, 4000);
	char text[64];

	for (unsigned vid = 100; vid < 200; vid += 2)
		v.vlans[vid / 64] |= 1ull << (vid % 64);
	swp_vlan_format(&v, text, sizeof(text));
	assert_true(strlen(text) < sizeof(text));
	assert_true(!strncmp(text, "trunk 100,102,", 14));
	assert_non_null(strstr(text, "... native 4000"));
	assert_string_equal(text + strlen(text) - strlen("... native 4000"), "... native 4000");
}

static void vlan_check_refuses_what_the_grammar_never_makes(void **state)
{
	(void)state;
	struct swp_vlan v = m_access(0);
	const char *why;

	assert_int_equal(swp_vlan_check(&v, &why), -EINVAL);
	v = m_access(10);
	v.vlans[0] = 2;
	assert_int_equal(swp_vlan_check(&v, &why), -EINVAL);
	v = m_trunk(0, 0, 4095);
	assert_int_equal(swp_vlan_check(&v, &why), -EINVAL);
	v = m_trunk(4095, 4095, 0);
	assert_int_equal(swp_vlan_check(&v, &why), -EINVAL);
	v = m_trunk(0, 0, 0);
	v.vlans[0] = 1; /* VID 0 */
	assert_int_equal(swp_vlan_check(&v, &why), -EINVAL);
	v.mode = 7;
	assert_int_equal(swp_vlan_check(&v, &why), -EINVAL);
	v = m_tunnel(4094);
	assert_int_equal(swp_vlan_check(&v, &why), 0);
}

static void vlan_round_trips_on_the_wire(void **state)
{
	(void)state;
	_Alignas(8) uint8_t buf[SWP_MSG_MAX];
	_Alignas(8) uint8_t body[SWP_BODY_MAX];
	struct swp_port_set_req req = { .key = SWP_PSET_VLAN, .vlan = m_trunk(1, 4094, 99) };
	struct swp_port_info info = { .vlan = m_tunnel(100) };
	uint16_t bad;
	size_t n;

	swp_set_name(req.name, "p1");
	n = swp_encode(buf, sizeof(buf), SWP_PORT_SET, 1, &req);
	assert_true(n > 0 && n <= swp_encoded_max(SWP_PORT_SET));
	memset(body, 0, sizeof(body));
	assert_int_equal(swp_decode(buf, body, &bad), 0);
	assert_memory_equal(body, &req, sizeof(req));

	swp_set_name(info.name, "p2");
	n = swp_encode(buf, sizeof(buf), SWP_PORT_INFO, 2, &info);
	assert_true(n > 0 && n <= swp_encoded_max(SWP_PORT_INFO));
	memset(body, 0, sizeof(body));
	assert_int_equal(swp_decode(buf, body, &bad), 0);
	assert_memory_equal(body, &info, sizeof(info));
}

/* ---- real frames through the switch ---- */

static uint64_t clock_ms = 1000;

static uint64_t fake_clock(void)
{
	return clock_ms;
}

#define NTX 32
static struct {
	uint16_t slot;
	size_t len;
	uint8_t data[256];
	struct virtio_net_hdr vh;
	const uint8_t *at; /* where the frame was sent from */
} txlog[NTX];
static size_t ntx;

static unsigned fake_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	(void)err;
	for (unsigned i = 0; i < n; i++) {
		assert_true(ntx < NTX);
		txlog[ntx].slot = p->slot;
		txlog[ntx].len = f[i]->len;
		txlog[ntx].vh = f[i]->vh;
		txlog[ntx].at = f[i]->data;
		memcpy(txlog[ntx].data, f[i]->data, f[i]->len < 256 ? f[i]->len : 256);
		ntx++;
	}
	return n;
}

static void fake_close(struct port *p)
{
	(void)p;
}

/* What the next rx_burst delivers: one frame, once. */
static uint8_t rx_data[256];
static size_t rx_len;

static int fake_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	(void)p;
	(void)n;
	if (!rx_len)
		return 0;
	memcpy(f[0].data, rx_data, rx_len);
	f[0].len = rx_len;
	memset(&f[0].vh, 0, sizeof(f[0].vh));
	rx_len = 0;
	return 1;
}

static bool fake_alive(struct port *p)
{
	(void)p;
	return true;
}

static const struct port_ops fake_ops = {
	.type = SWP_PORT_TAP,
	.rx_burst = fake_rx_burst,
	.tx_burst = fake_tx_burst,
	.alive = fake_alive,
	.close = fake_close,
};

struct env {
	struct sw sw;
	struct port *p[4];
};

/* Four fake ports: 0 default, 1 access 10, 2 trunk 10,20 native 30, 3 tunnel 100. */
static int setup(void **state)
{
	const struct sw_config cfg = { .max_macs = 1024, .ageing = 300 };
	const struct swp_vlan modes[4] = { m_trunk(0, 0, 0), m_access(10), m_trunk(10, 10, 30), m_tunnel(100) };
	struct env *env = calloc(1, sizeof(*env));

	if (!env || sw_init(&env->sw, NULL, &cfg, fake_clock))
		return -1;
	for (int i = 0; i < 4; i++) {
		struct port *p = calloc(1, sizeof(*p));

		if (!p)
			return -1;
		p->fd = -1;
		snprintf(p->name, sizeof(p->name), "p%d", i);
		p->mtu = 1500;
		p->ops = &fake_ops;
		if (sw_port_attach(&env->sw, p))
			return -1;
		env->p[i] = p;
	}
	for (int i = 1; i < 4; i++) {
		struct swp_vlan v = modes[i];

		if (i == 2)
			v.vlans[0] |= 1ull << 20;
		if (sw_port_set_vlan(&env->sw, env->p[i], &v) != 1)
			return -1;
	}
	ntx = 0;
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct env *env = *state;

	sw_fini(&env->sw);
	free(env);
	return 0;
}

static void input(struct env *env, int port, uint8_t *buf, size_t len, const struct virtio_net_hdr *vh)
{
	struct frame f = { .data = buf, .len = len };

	if (vh)
		f.vh = *vh;
	ntx = 0;
	sw_input(&env->sw, env->p[port], &f, clock_ms);
	sw_flush(&env->sw);
}

static const uint8_t *sent_to(int slot, size_t *len)
{
	for (size_t i = 0; i < ntx; i++)
		if (txlog[i].slot == slot) {
			*len = txlog[i].len;
			return txlog[i].data;
		}
	return NULL;
}

static void vlan_setting_a_mode_twice_changes_nothing(void **state)
{
	struct env *env = *state;
	struct swp_vlan v = m_access(10);

	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[1], &v), 0);
	assert_int_equal(env->sw.vlan_ports, 3);
	v = m_trunk(0, 0, 0);
	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[1], &v), 1);
	assert_int_equal(env->sw.vlan_ports, 2);
}

/* From access 10: untagged to the default port tagged VID 10, to the trunk tagged, never to the tunnel. */
static void vlan_access_frame_is_pushed_for_trunks(void **state)
{
	struct env *env = *state;
	uint8_t in[64], want[68];
	const uint8_t *out;
	size_t len;

	mk(in, UNTAGGED);
	input(env, 1, in, 64, NULL);
	assert_int_equal(ntx, 2);
	memcpy(want, in, 12);
	memcpy(want + 12, "\x81\x00\x00\x0a", 4);
	memcpy(want + 16, in + 12, 52);
	assert_non_null(out = sent_to(env->p[0]->slot, &len));
	assert_int_equal(len, 68);
	assert_memory_equal(out, want, 68);
	assert_non_null(out = sent_to(env->p[2]->slot, &len));
	assert_memory_equal(out, want, 68);
	assert_null(sent_to(env->p[3]->slot, &len));
}

/* From the trunk, VID 10 with PCP 5: popped for the access port, as it came to the default port. */
static void vlan_trunk_frame_is_popped_for_access_and_kept_for_default(void **state)
{
	struct env *env = *state;
	uint8_t in[64], want[60];
	const uint8_t *out;
	size_t len;

	mk(in, TAG10);
	input(env, 2, in, 64, NULL);
	assert_int_equal(ntx, 2);
	assert_non_null(out = sent_to(env->p[0]->slot, &len));
	assert_int_equal(len, 64);
	assert_memory_equal(out, in, 64);
	memcpy(want, in, 12);
	memcpy(want + 12, in + 16, 48);
	assert_non_null(out = sent_to(env->p[1]->slot, &len));
	assert_int_equal(len, 60);
	assert_memory_equal(out, want, 60);
	/* VID 20: the trunk and the default port only; 40: nowhere, counted. */
	in[15] = 20;
	input(env, 2, in, 64, NULL);
	assert_int_equal(ntx, 1);
	assert_non_null(sent_to(env->p[0]->slot, &len));
	in[15] = 40;
	input(env, 2, in, 64, NULL);
	assert_int_equal(ntx, 0);
	assert_int_equal(env->p[2]->c.rx_drop_vlan, 1);
	assert_int_equal(env->p[2]->c.rx_dropped, 1);
}

/* Untagged on the trunk is its native VLAN 30: tagged 30 (PCP 0) to the default port only. */
static void vlan_native_untagged_in_tagged_out(void **state)
{
	struct env *env = *state;
	uint8_t in[64];
	const uint8_t *out;
	size_t len;

	mk(in, UNTAGGED);
	input(env, 2, in, 64, NULL);
	assert_int_equal(ntx, 1);
	assert_non_null(out = sent_to(env->p[0]->slot, &len));
	assert_int_equal(len, 68);
	assert_memory_equal(out + 12, "\x81\x00\x00\x1e", 4);
	/* Tagged 30 from the default port leaves the trunk untagged. */
	mk(in, TAG10);
	in[15] = 30;
	input(env, 0, in, 64, NULL);
	assert_non_null(out = sent_to(env->p[2]->slot, &len));
	assert_int_equal(len, 60);
	assert_memory_equal(out + 12, in + 16, 48);
}

/* The tunnel pushes an S-tag over the customer's tag and pops it again, the customer's tag untouched. */
static void vlan_tunnel_pushes_and_pops_an_s_tag(void **state)
{
	struct env *env = *state;
	uint8_t in[64];
	const uint8_t *out;
	size_t len;

	mk(in, TAG10);
	input(env, 3, in, 64, NULL);
	assert_int_equal(ntx, 1);
	assert_non_null(out = sent_to(env->p[0]->slot, &len));
	assert_int_equal(len, 68);
	assert_memory_equal(out + 12, "\x88\xa8\x00\x64", 4);
	assert_memory_equal(out + 16, in + 12, 52);
	/* Back from the default port: S-tag 100 off, customer tag 10 (PCP 0) kept. */
	mk(in, STAG100_C10);
	in[6] = 0x5e; /* another source */
	input(env, 0, in, 64, NULL);
	assert_non_null(out = sent_to(env->p[3]->slot, &len));
	assert_int_equal(len, 60);
	assert_memory_equal(out + 12, "\x81\x00\x00\x0a", 4);
	assert_memory_equal(out + 16, in + 20, 44);
	assert_null(sent_to(env->p[1]->slot, &len));
}

/* A priority-tagged frame on the access port: VID 10 with its PCP when tagged, no tag when not. */
static void vlan_priority_tag_keeps_its_pcp(void **state)
{
	struct env *env = *state;
	uint8_t in[64];
	const uint8_t *out;
	size_t len;

	mk(in, PRIO);
	input(env, 1, in, 64, NULL);
	assert_non_null(out = sent_to(env->p[0]->slot, &len));
	assert_int_equal(len, 64);
	assert_memory_equal(out + 12, "\x81\x00\xa0\x0a", 4);
	assert_memory_equal(out + 16, in + 16, 48);
}

/* GSO and partial checksums: csum_start and hdr_len move with the tag. */
static void vlan_gso_offsets_move_with_the_tag(void **state)
{
	struct env *env = *state;
	uint8_t in[64];
	const struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					   .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
					   .hdr_len = 54,
					   .gso_size = 1448,
					   .csum_start = 34,
					   .csum_offset = 16 };
	struct virtio_net_hdr tagged = vh;

	mk(in, UNTAGGED);
	input(env, 1, in, 64, &vh);
	assert_int_equal(ntx, 2);
	for (size_t i = 0; i < ntx; i++) {
		assert_int_equal(txlog[i].vh.csum_start, 38);
		assert_int_equal(txlog[i].vh.hdr_len, 58);
		assert_int_equal(txlog[i].vh.csum_offset, 16);
		assert_int_equal(txlog[i].vh.gso_size, 1448);
		assert_int_equal(txlog[i].vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	}
	tagged.csum_start = 38;
	tagged.hdr_len = 58;
	mk(in, TAG10);
	input(env, 2, in, 64, &tagged);
	for (size_t i = 0; i < ntx; i++)
		if (txlog[i].slot == env->p[1]->slot) {
			assert_int_equal(txlog[i].vh.csum_start, 34);
			assert_int_equal(txlog[i].vh.hdr_len, 54);
		} else {
			assert_int_equal(txlog[i].vh.csum_start, 38);
		}
}

/* Learned per internal VLAN; unicast to a port that does not carry it is dropped as rx_drop_vlan. */
static void vlan_learning_uses_the_internal_vlan(void **state)
{
	struct env *env = *state;
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0x0a };
	uint8_t in[64];
	size_t len;

	mk(in, UNTAGGED);
	input(env, 1, in, 64, NULL);
	assert_non_null(fdb_find(&env->sw.fdb, mac, 10));
	assert_null(fdb_find(&env->sw.fdb, mac, 0));
	/* A static entry in VLAN 20 on the access port: frames to it are not sent there. */
	assert_int_equal(sw_mac_add(&env->sw, (const uint8_t *)"\x52\x54\0\0\0\x0b", 20, env->p[1]), 0);
	mk(in, TAG20);
	memcpy(in, "\x52\x54\0\0\0\x0b", 6);
	in[11] = 0x0c;
	input(env, 2, in, 64, NULL);
	assert_int_equal(ntx, 0);
	assert_null(sent_to(env->p[1]->slot, &len));
	assert_int_equal(env->p[2]->c.rx_drop_vlan, 1);
}

static bool in_rxbuf(const struct sw *sw, const uint8_t *p)
{
	return (uintptr_t)p >= (uintptr_t)sw->rxbuf &&
	       (uintptr_t)p < (uintptr_t)sw->rxbuf + (size_t)PORT_BATCH * (PORT_HEADROOM + SWITCHD_FRAME_MAX);
}

/* Known unicast read by sw_port_poll: the tag is pushed or popped in the receive buffer, not copied. */
static void vlan_unicast_is_retagged_in_place(void **state)
{
	struct env *env = *state;
	uint8_t want[68];
	size_t len;
	const uint8_t *out;

	/* Learn the trunk host 0b in VLAN 10 and the access host 0a. */
	mk(rx_data, TAG10);
	memcpy(rx_data + 6, "\x52\x54\0\0\0\x0b", 6);
	input(env, 2, rx_data, 64, NULL);
	mk(rx_data, UNTAGGED);
	input(env, 1, rx_data, 64, NULL);
	/* 0a -> 0b: pushed into the headroom. */
	mk(rx_data, UNTAGGED);
	memcpy(rx_data, "\x52\x54\0\0\0\x0b", 6);
	memcpy(want, rx_data, 12);
	memcpy(want + 12, "\x81\x00\x00\x0a", 4);
	memcpy(want + 16, rx_data + 12, 52);
	rx_len = 64;
	ntx = 0;
	sw_port_poll(&env->sw, env->p[1]);
	assert_int_equal(ntx, 1);
	assert_non_null(out = sent_to(env->p[2]->slot, &len));
	assert_int_equal(len, 68);
	assert_memory_equal(out, want, 68);
	assert_true(in_rxbuf(&env->sw, txlog[0].at));
	/* 0b -> 0a, tagged 10 with PCP 5: popped where it lies. */
	mk(rx_data, TAG10);
	memcpy(rx_data, "\x52\x54\0\0\0\x0a", 6);
	memcpy(rx_data + 6, "\x52\x54\0\0\0\x0b", 6);
	memcpy(want, rx_data, 12);
	memcpy(want + 12, rx_data + 16, 48);
	rx_len = 64;
	ntx = 0;
	sw_port_poll(&env->sw, env->p[2]);
	assert_int_equal(ntx, 1);
	assert_non_null(out = sent_to(env->p[1]->slot, &len));
	assert_int_equal(len, 60);
	assert_memory_equal(out, want, 60);
	assert_true(in_rxbuf(&env->sw, txlog[0].at));
	/* A broadcast from the access port: one copy, shared by the trunk and the default port. */
	mk(rx_data, UNTAGGED);
	rx_len = 64;
	ntx = 0;
	sw_port_poll(&env->sw, env->p[1]);
	assert_int_equal(ntx, 2);
	assert_false(in_rxbuf(&env->sw, txlog[0].at));
	assert_ptr_equal(txlog[0].at, txlog[1].at);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vlan_ingress_decision_table),
		cmocka_unit_test(vlan_ports_carry_and_untag),
		cmocka_unit_test(vlan_grammar),
		cmocka_unit_test(vlan_format_cuts_a_long_list),
		cmocka_unit_test(vlan_check_refuses_what_the_grammar_never_makes),
		cmocka_unit_test(vlan_round_trips_on_the_wire),
		cmocka_unit_test_setup_teardown(vlan_setting_a_mode_twice_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_access_frame_is_pushed_for_trunks, setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_trunk_frame_is_popped_for_access_and_kept_for_default, setup,
						teardown),
		cmocka_unit_test_setup_teardown(vlan_native_untagged_in_tagged_out, setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_tunnel_pushes_and_pops_an_s_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_priority_tag_keeps_its_pcp, setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_gso_offsets_move_with_the_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_learning_uses_the_internal_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_unicast_is_retagged_in_place, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
