/*
 * Unit tests for port mirroring (switchd/mirror.c) on the forwarding core,
 * with fake ports: a tx that records a copy of every frame sent (or fails
 * with a chosen -errno), an rx that hands out one scripted frame, so frames
 * also come through sw_port_poll (the switch's own, rewritable buffers).
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

#include "fakeports.h"

static const struct swp_event *event_of(uint32_t kind)
{
	for (int i = 0; i < nevents; i++)
		if (events[i].kind == kind)
			return &events[i];
	return NULL;
}

/* One frame read by sw_port_poll from p: the switch's own buffer, which it may retag in place. */
static void poll_in(struct env *env, struct port *p, const uint8_t *buf, size_t len)
{
	struct fake *fk = p->priv;

	fk->rx = buf;
	fk->rx_len = len;
	sw_port_poll(&env->sw, p);
}


static void add(struct env *env, const char *name, const char *from, uint32_t dir, const char *to)
{
	char why[256];

	if (mirror_add(&env->ms, name, from, dir, to, false, why, sizeof(why)))
		fail_msg("mirror add %s: %s", name, why);
}

/* Learns MAC_A on p0, MAC_B on p1, MAC_C on p2; clears the log. */
static void learn_abc(struct env *env)
{
	uint8_t buf[64];

	input(env, env->p[0], buf, mkframe(buf, BCAST, MAC_A, 0, 0));
	input(env, env->p[1], buf, mkframe(buf, BCAST, MAC_B, 0, 0));
	input(env, env->p[2], buf, mkframe(buf, BCAST, MAC_C, 0, 0));
	ntx = 0;
}

/* ---- copies ---- */

/* Both ways: what p0 receives and what it sends, byte for byte, and nothing of other ports' traffic. */
static void mirror_copies_exact_frames_both_ways(void **state)
{
	struct env *env = *state;
	uint8_t in[64], out[64], other[64], copy[64];

	learn_abc(env);
	add(env, "m", "p0", SWP_MIRROR_BOTH, "p4");
	env->p[4]->c.tx_packets = 0;
	mkframe(in, MAC_B, MAC_A, 0, 1);
	memcpy(copy, in, 64);
	input(env, env->p[0], in, 64); /* p0 -> p1 */
	assert_int_equal(sent_to("p1"), 1);
	assert_int_equal(sent_to("p4"), 1);
	assert_frame(sent("p4", 0), copy, 64);
	mkframe(out, MAC_A, MAC_C, 0, 2);
	memcpy(copy, out, 64);
	input(env, env->p[2], out, 64); /* p2 -> p0: out on p0 */
	assert_int_equal(sent_to("p0"), 1);
	assert_int_equal(sent_to("p4"), 2);
	assert_frame(sent("p4", 1), copy, 64);
	input(env, env->p[2], other, mkframe(other, MAC_B, MAC_C, 0, 3)); /* p2 -> p1: not p0's */
	assert_int_equal(sent_to("p4"), 2);
	assert_int_equal(mirror_find(&env->ms, "m")->packets, 2);
	assert_int_equal(env->p[4]->c.tx_packets, 2);
}

/* in: only what the sources receive; out: only what they send. */
static void mirror_directions_select_frames(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];

	learn_abc(env);
	add(env, "rx", "p0", SWP_MIRROR_IN, "p4");
	add(env, "tx", "p1", SWP_MIRROR_OUT, "p3");
	input(env, env->p[0], buf, mkframe(buf, MAC_B, MAC_A, 0, 1)); /* in on p0, out on p1 */
	assert_int_equal(sent_to("p4"), 1);
	assert_int_equal(sent_to("p3"), 1);
	input(env, env->p[1], buf, mkframe(buf, MAC_A, MAC_B, 0, 2)); /* in on p1, out on p0 */
	assert_int_equal(sent_to("p4"), 1);
	assert_int_equal(sent_to("p3"), 1);
}

/*
 * Tags as at the source: a tagged frame that leaves an access port untagged
 * (popped in place, it is the switch's buffer) reaches the mirror of its
 * ingress with its tag, and the mirror of its egress without.
 */
static void mirror_copies_frames_as_at_the_source_port(void **state)
{
	struct env *env = *state;
	const struct swp_vlan access10 = { .mode = SWP_VLAN_ACCESS, .vid = 10 };
	uint8_t buf[64], tagged[64], untagged[60];

	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[1], &access10), 1);
	input(env, env->p[1], buf, mkframe(buf, BCAST, MAC_B, 0, 0)); /* MAC_B on p1 in VLAN 10 */
	ntx = 0;
	add(env, "rx", "p0", SWP_MIRROR_IN, "p4");
	add(env, "tx", "p1", SWP_MIRROR_OUT, "p3");
	mkframe(tagged, MAC_B, MAC_A, 10, 5);
	memcpy(untagged, tagged, 12);
	memcpy(untagged + 12, tagged + 16, 48);
	poll_in(env, env->p[0], tagged, 64);
	assert_int_equal(sent_to("p1"), 1);
	assert_frame(sent("p1", 0), untagged, 60);
	assert_frame(sent("p4", 0), tagged, 64);
	assert_frame(sent("p3", 0), untagged, 60);
	/* Without a mirror of the ingress the pop is in place again, and correct. */
	assert_int_equal(mirror_del(&env->ms, "rx"), 0);
	ntx = 0;
	poll_in(env, env->p[0], tagged, 64);
	assert_frame(sent("p1", 0), untagged, 60);
	assert_int_equal(sent_to("p4"), 0); /* unicast to p1: nothing for p4, no longer mirrored */
}

/* ---- the destination ---- */

/* No flood, no unicast reaches the destination; what it sends is dropped, counted and not learned. */
static void mirror_destination_gets_no_regular_traffic(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];

	input(env, env->p[4], buf, mkframe(buf, BCAST, MAC_D, 0, 0)); /* MAC_D learned on p4 */
	assert_non_null(fdb_find(&env->sw.fdb, MAC_D, 0));
	learn_abc(env);
	add(env, "m", "p0", SWP_MIRROR_IN, "p4");
	assert_null(fdb_find(&env->sw.fdb, MAC_D, 0)); /* what it learned went */
	assert_true(event_of(SWP_EV_MAC_FLUSHED) != NULL);
	input(env, env->p[1], buf, mkframe(buf, BCAST, MAC_B, 0, 1)); /* a broadcast: not to p4 */
	assert_int_equal(sent_to("p0") + sent_to("p2") + sent_to("p3"), 3);
	assert_int_equal(sent_to("p4"), 0);
	input(env, env->p[1], buf, mkframe(buf, MAC_D, MAC_B, 0, 2)); /* unknown unicast: not to p4 */
	assert_int_equal(sent_to("p4"), 0);
	/* The destination sends: dropped before learning. */
	ntx = 0;
	input(env, env->p[4], buf, mkframe(buf, BCAST, MAC_D, 0, 3));
	input(env, env->p[4], buf, mkframe(buf, MAC_A, MAC_D, 0, 4));
	assert_int_equal(ntx, 0);
	assert_int_equal(env->p[4]->c.rx_packets, 3);
	assert_int_equal(env->p[4]->c.rx_drop_mirror, 2);
	assert_int_equal(env->p[4]->c.rx_dropped, 2);
	assert_null(fdb_find(&env->sw.fdb, MAC_D, 0));
	/* A flood with a VLAN mode somewhere, and from an isolated port, skip it too. */
	env->p[1]->isolated = true;
	input(env, env->p[1], buf, mkframe(buf, BCAST, MAC_B, 0, 5));
	assert_int_equal(sent_to("p4"), 0);
	env->p[1]->isolated = false;
	{
		const struct swp_vlan trunk = { .mode = SWP_VLAN_TRUNK };
		const struct swp_vlan access10 = { .mode = SWP_VLAN_ACCESS, .vid = 10 };

		assert_int_equal(sw_port_set_vlan(&env->sw, env->p[2], &access10), 1);
		input(env, env->p[1], buf, mkframe(buf, BCAST, MAC_B, 0, 6));
		assert_int_equal(sent_to("p4"), 0);
		assert_int_equal(sent_to("p0"), 2);
		assert_int_equal(sw_port_set_vlan(&env->sw, env->p[2], &trunk), 1);
	}
	/* The mirror gone, p4 forwards again. */
	assert_int_equal(mirror_del(&env->ms, "m"), 0);
	ntx = 0;
	input(env, env->p[1], buf, mkframe(buf, BCAST, MAC_B, 0, 7));
	assert_int_equal(sent_to("p4"), 1);
}

/* Two mirrors to one destination: each copies; the destination stays one while either runs. */
static void mirrors_share_a_destination(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];

	learn_abc(env);
	add(env, "a", "p0", SWP_MIRROR_IN, "p4");
	add(env, "b", "p1", SWP_MIRROR_IN, "p4");
	input(env, env->p[0], buf, mkframe(buf, MAC_C, MAC_A, 0, 1));
	input(env, env->p[1], buf, mkframe(buf, MAC_C, MAC_B, 0, 2));
	assert_int_equal(sent_to("p4"), 2);
	assert_int_equal(mirror_del(&env->ms, "a"), 0);
	assert_true(env->p[4]->observed & SW_DIR_DST);
	ntx = 0;
	input(env, env->p[2], buf, mkframe(buf, BCAST, MAC_C, 0, 3));
	assert_int_equal(sent_to("p4"), 0);
	input(env, env->p[4], buf, mkframe(buf, BCAST, MAC_D, 0, 4));
	assert_int_equal(env->p[4]->c.rx_drop_mirror, 1);
}

/* A destination whose socket is full drops the copies there; forwarding goes on. */
static void mirror_to_a_busy_destination_never_blocks_forwarding(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];

	learn_abc(env);
	add(env, "m", "p0", SWP_MIRROR_BOTH, "p4");
	env->fk[4].tx_err = -EAGAIN;
	for (int i = 0; i < 10; i++)
		input(env, env->p[0], buf, mkframe(buf, MAC_B, MAC_A, 0, (uint8_t)i));
	assert_int_equal(sent_to("p1"), 10);
	assert_int_equal(env->p[4]->c.tx_drop_busy, 10);
	assert_int_equal(env->p[4]->c.tx_dropped, 10);
	assert_int_equal(env->p[0]->c.rx_dropped, 0);
}

/* ---- ports going away ---- */

static void mirror_goes_with_a_source_or_its_destination(void **state)
{
	struct env *env = *state;
	const struct swp_event *ev;
	uint8_t buf[64];

	add(env, "s", "p0,p1", SWP_MIRROR_BOTH, "p4");
	add(env, "d", "p2", SWP_MIRROR_BOTH, "p3");
	sw_port_remove(&env->sw, env->p[1], "test");
	env->p[1] = NULL;
	assert_null(mirror_find(&env->ms, "s"));
	assert_non_null(ev = event_of(SWP_EV_MIRROR_REMOVED));
	assert_string_equal(ev->mirror, "s");
	assert_string_equal(ev->port, "p1");
	assert_string_equal(ev->reason, "source port removed");
	assert_int_equal(env->p[4]->observed, 0);
	assert_int_equal(env->p[0]->observed, 0);
	nevents = 0;
	sw_port_remove(&env->sw, env->p[3], "test");
	env->p[3] = NULL;
	assert_null(mirror_find(&env->ms, "d"));
	assert_non_null(ev = event_of(SWP_EV_MIRROR_REMOVED));
	assert_string_equal(ev->reason, "destination port removed");
	assert_int_equal(env->ms.n, 0);
	assert_int_equal(env->sw.nobservers, 0);
	/* Nothing of them stays in the frame path. */
	ntx = 0;
	input(env, env->p[2], buf, mkframe(buf, BCAST, MAC_C, 0, 1));
	assert_int_equal(sent_to("p0") + sent_to("p4"), 2);
	assert_int_equal(ntx, 2);
}

/* ---- refusals ---- */

static void mirror_add_refuses_what_cannot_work(void **state)
{
	struct env *env = *state;
	char why[256];
	uint8_t buf[64];

	assert_int_equal(mirror_add(&env->ms, "m", "p0,nope", 0, "p4", false, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "no such port nope"));
	assert_int_equal(mirror_add(&env->ms, "m", "p0", 0, "nope", false, why, sizeof(why)), -ENOENT);
	assert_int_equal(mirror_add(&env->ms, "m", "p0,p4", 0, "p4", false, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "the destination p4 is also a source"));
	assert_int_equal(mirror_add(&env->ms, "m", "p0,p0", 0, "p4", false, why, sizeof(why)), -EINVAL);
	assert_int_equal(mirror_add(&env->ms, "m", "p0,", 0, "p4", false, why, sizeof(why)), -EINVAL);
	assert_int_equal(mirror_add(&env->ms, "", "p0", 0, "p4", false, why, sizeof(why)), -EINVAL);
	assert_int_equal(mirror_add(&env->ms, "a b", "p0", 0, "p4", false, why, sizeof(why)), -EINVAL);
	assert_int_equal(mirror_add(&env->ms, "m", "p0", 7, "p4", false, why, sizeof(why)), -EINVAL);
	add(env, "m", "p0", 0, "p4");
	assert_int_equal(mirror_find(&env->ms, "m")->dir, SWP_MIRROR_BOTH);
	assert_int_equal(mirror_add(&env->ms, "m", "p1", 0, "p3", false, why, sizeof(why)), -EEXIST);
	/* No chains: a destination is no source, a source no destination. */
	assert_int_equal(mirror_add(&env->ms, "x", "p4", 0, "p3", false, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "is the destination of mirror m"));
	assert_int_equal(mirror_add(&env->ms, "x", "p1", 0, "p0", false, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "is a source of mirror m"));
	/* Static entries would send it regular traffic. */
	memcpy(buf, MAC_D, 6);
	assert_int_equal(sw_mac_add(&env->sw, MAC_D, 0, env->p[3]), 0);
	assert_int_equal(mirror_add(&env->ms, "x", "p1", 0, "p3", false, why, sizeof(why)), -EBUSY);
	assert_int_equal(mirror_del(&env->ms, "x"), -ENOENT);
	/* Bounded. */
	for (int i = 1; i < SWITCHD_MIRRORS_MAX; i++) {
		char name[8];

		snprintf(name, sizeof(name), "m%d", i);
		add(env, name, "p1", SWP_MIRROR_IN, "p4");
	}
	assert_int_equal(mirror_add(&env->ms, "more", "p1", 0, "p4", false, why, sizeof(why)), -ENOSPC);
	assert_non_null(strstr(why, "too many mirrors"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(mirror_copies_exact_frames_both_ways),
		T(mirror_directions_select_frames),
		T(mirror_copies_frames_as_at_the_source_port),
		T(mirror_destination_gets_no_regular_traffic),
		T(mirrors_share_a_destination),
		T(mirror_to_a_busy_destination_never_blocks_forwarding),
		T(mirror_goes_with_a_source_or_its_destination),
		T(mirror_add_refuses_what_cannot_work),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
