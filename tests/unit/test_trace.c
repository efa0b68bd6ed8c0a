/*
 * Unit tests for switchctl trace (sw_trace): one case per decision branch,
 * and each trace held against what sw_input then really does with the same
 * frame: the same verdict and drop counter, the same egress ports, the same
 * tag action (keep, push, pop); and the trace itself changes nothing.
 * Fake ports: fakeports.h.
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





/* ---- tracing, and holding the trace to the real path ---- */

#define STEPS_MAX 32
static struct swp_trace_step steps[STEPS_MAX];
static int nsteps;

static void on_step(void *ctx, const struct swp_trace_step *s)
{
	(void)ctx;
	assert_true(nsteps < STEPS_MAX);
	steps[nsteps++] = *s;
}

static const struct swp_trace_step *step_of(uint32_t stage)
{
	for (int i = 0; i < nsteps; i++)
		if (steps[i].stage == stage)
			return &steps[i];
	return NULL;
}

/* The result of the stage's step ("" when the trace stopped before it). */
static const char *result_of(uint32_t stage)
{
	const struct swp_trace_step *s = step_of(stage);

	return s ? s->result : "";
}

static const struct swp_trace_step *egress_of(const char *port)
{
	for (int i = 0; i < nsteps; i++)
		if (steps[i].stage == SWP_TRACE_EGRESS && !strcmp(steps[i].port, port))
			return &steps[i];
	return NULL;
}

static uint64_t counter_by_name(const struct swp_counters *c, const char *name)
{
	uint64_t v;

	for (size_t i = 0; swp_counter_name(i); i++) {
		if (!strcmp(swp_counter_name(i), name)) {
			memcpy(&v, (const char *)c + i * 8, 8);
			return v;
		}
	}
	fail_msg("no counter %s", name);
	return 0;
}

/*
 * Traces buf as received by in, checks the trace changed nothing, then sends
 * the same frame through sw_input and checks it did what the trace said.
 * Returns the verdict's result.
 */
static const char *trace_and_check(struct env *env, struct port *in, uint8_t *buf, size_t len)
{
	struct frame f = { .data = buf, .len = len };
	const struct swp_trace_step *v;
	struct swp_counters before = in->c;
	struct loop policy = env->sw.policy;
	uint32_t macs = env->sw.fdb.count;
	uint8_t copy[128];
	size_t forwarded = 0;

	nsteps = 0;
	ntx = 0;
	memcpy(copy, buf, len);
	sw_trace(&env->sw, in, &f, true, clock_ms, on_step, NULL);
	assert_memory_equal(&in->c, &before, sizeof(before));
	assert_memory_equal(&env->sw.policy, &policy, sizeof(policy));
	assert_int_equal(env->sw.fdb.count, macs);
	assert_int_equal(ntx, 0);
	assert_non_null(v = step_of(SWP_TRACE_VERDICT));
	assert_ptr_equal(v, &steps[nsteps - 1]);

	input(env, in, buf, len);
	if (!strcmp(v->result, "dropped")) {
		const char *as = strstr(v->detail, " as ");

		assert_non_null(as);
		assert_int_equal(in->c.rx_dropped, before.rx_dropped + 1);
		assert_int_equal(counter_by_name(&in->c, as + 4), counter_by_name(&before, as + 4) + 1);
		assert_int_equal(ntx, 0);
		return v->result;
	}
	assert_int_equal(in->c.rx_dropped, before.rx_dropped);
	/* Every port the trace forwards to got the frame, in the form it said; no other port got one. */
	for (int i = 0; i < nsteps; i++) {
		const struct swp_trace_step *s = &steps[i];
		const struct tx_rec *r;

		if (s->stage != SWP_TRACE_EGRESS)
			continue;
		if (s->drop) {
			assert_int_equal(sent_to(s->port), 0);
			continue;
		}
		assert_int_equal(sent_to(s->port), 1);
		r = sent(s->port, 0);
		forwarded++;
		if (!strcmp(s->result, "keep")) {
			assert_frame(r, copy, len);
		} else if (!strcmp(s->result, "pop")) {
			assert_int_equal(r->len, len - 4);
			assert_memory_equal(r->data, copy, 12);
			assert_memory_equal(r->data + 12, copy + 16, len - 16);
		} else {
			assert_string_equal(s->result, "push");
			assert_true(r->data[12] == 0x81 || r->data[12] == 0x88);
			assert_int_equal(((r->data[14] << 8) | r->data[15]) & 0xfff, s->vlan);
		}
	}
	assert_int_equal(forwarded, ntx);
	return v->result;
}

static void announce(struct env *env, int port, const uint8_t *mac)
{
	uint8_t buf[64];

	input(env, env->p[port], buf, mkframe(buf, BCAST, mac, 0, 0));
	ntx = 0;
}

static const struct swp_vlan access10 = { .mode = SWP_VLAN_ACCESS, .vid = 10 };
static const struct swp_vlan access20 = { .mode = SWP_VLAN_ACCESS, .vid = 20 };
static const struct swp_vlan trunk10 = { .mode = SWP_VLAN_TRUNK, .vlans = { [0] = 1ull << 10 } };

/* ---- ingress checks ---- */

static void trace_ingress_checks(void **state)
{
	struct env *env = *state;
	uint8_t buf[64], runt[10] = { 0 };
	static const uint8_t STP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
	char why[256];

	mkframe(buf, MAC_B, BCAST, 0, 1);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_INGRESS), "bad_src");
	mkframe(buf, STP, MAC_A, 0, 2);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_INGRESS), "link_local");
	assert_string_equal(trace_and_check(env, env->p[0], runt, sizeof(runt)), "dropped");
	assert_string_equal(result_of(SWP_TRACE_INGRESS), "runt");
	env->sw.policy.flap_hold_ms = 30000;
	loop_block(&env->sw.policy, env->p[1]->slot, clock_ms);
	mkframe(buf, MAC_A, MAC_B, 0, 3);
	assert_string_equal(trace_and_check(env, env->p[1], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_INGRESS), "blocked");
	assert_int_equal(mirror_add(&env->ms, "m", "p0", 0, "p4", false, why, sizeof(why)), 0);
	mkframe(buf, MAC_A, MAC_D, 0, 4);
	assert_string_equal(trace_and_check(env, env->p[4], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_INGRESS), "mirror_destination");
	assert_null(step_of(SWP_TRACE_VLAN));
}

/* ---- VLAN classification ---- */

static void trace_vlan_classification(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];

	mkframe(buf, BCAST, MAC_A, 0, 1);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "forwarded");
	assert_string_equal(result_of(SWP_TRACE_VLAN), "ok");
	assert_int_equal(step_of(SWP_TRACE_VLAN)->vlan, 0);
	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[0], &access10), 1);
	mkframe(buf, BCAST, MAC_A, 20, 2); /* tagged for another VLAN on an access port */
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_VLAN), "vlan");
	mkframe(buf, BCAST, MAC_A, 0, 3);
	trace_and_check(env, env->p[0], buf, 60);
	assert_string_equal(result_of(SWP_TRACE_VLAN), "ok");
	assert_int_equal(step_of(SWP_TRACE_VLAN)->vlan, 10);
}

/* ---- learning ---- */

static void trace_learning(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];

	mkframe(buf, BCAST, MAC_A, 0, 1);
	trace_and_check(env, env->p[0], buf, 64);
	assert_string_equal(result_of(SWP_TRACE_LEARN), "new");
	trace_and_check(env, env->p[0], buf, 64); /* learned by the real frame */
	assert_string_equal(result_of(SWP_TRACE_LEARN), "refresh");
	trace_and_check(env, env->p[1], buf, 64);
	assert_string_equal(result_of(SWP_TRACE_LEARN), "move");
	assert_string_equal(step_of(SWP_TRACE_LEARN)->port, "p0");
	assert_int_equal(sw_mac_add(&env->sw, MAC_B, 0, env->p[2]), 0);
	mkframe(buf, BCAST, MAC_B, 0, 2);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_LEARN), "static");
	assert_string_equal(step_of(SWP_TRACE_LEARN)->port, "p2");
	assert_int_equal(sw_port_set(&env->sw, env->p[3], SWP_PSET_MAX_MACS, 1), 1);
	mkframe(buf, BCAST, MAC_C, 0, 3);
	trace_and_check(env, env->p[3], buf, 64);
	mkframe(buf, BCAST, MAC_D, 0, 4);
	assert_string_equal(trace_and_check(env, env->p[3], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_LEARN), "mac_limit");
	assert_int_equal(sw_port_set(&env->sw, env->p[3], SWP_PSET_LEARNING, 0), 1);
	trace_and_check(env, env->p[3], buf, 64);
	assert_string_equal(result_of(SWP_TRACE_LEARN), "off");
	mkframe(buf, BCAST, MAC_B, 0, 5); /* pinned to p2: learning off still checks */
	assert_string_equal(trace_and_check(env, env->p[3], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_LEARN), "static");
	/* No source given: no learning stage at all. */
	{
		struct frame f = { .data = buf, .len = 64 };

		nsteps = 0;
		mkframe(buf, BCAST, MAC_D, 0, 6);
		sw_trace(&env->sw, env->p[0], &f, false, clock_ms, on_step, NULL);
		assert_string_equal(result_of(SWP_TRACE_LEARN), "skipped");
	}
}

/* ---- lookup ---- */

static void trace_lookup(void **state)
{
	struct env *env = *state;
	static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t buf[64];

	announce(env, 1, MAC_B);
	mkframe(buf, MAC_B, MAC_A, 0, 1);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "forwarded");
	assert_string_equal(result_of(SWP_TRACE_LOOKUP), "unicast");
	assert_string_equal(step_of(SWP_TRACE_LOOKUP)->port, "p1");
	assert_non_null(egress_of("p1"));
	assert_null(egress_of("p2"));
	mkframe(buf, MAC_C, MAC_A, 0, 2);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "forwarded");
	assert_string_equal(result_of(SWP_TRACE_LOOKUP), "flood");
	assert_non_null(strstr(step_of(SWP_TRACE_LOOKUP)->detail, "unknown unicast"));
	assert_int_equal(ntx, 4);
	mkframe(buf, MCAST, MAC_A, 0, 3);
	trace_and_check(env, env->p[0], buf, 64);
	assert_non_null(strstr(step_of(SWP_TRACE_LOOKUP)->detail, "multicast"));
	mkframe(buf, MAC_B, MAC_C, 0, 4); /* MAC_B lives on p1, the ingress port */
	assert_string_equal(trace_and_check(env, env->p[1], buf, 64), "dropped");
	assert_string_equal(result_of(SWP_TRACE_LOOKUP), "filtered");
	/* Storm: one broadcast a second from p2; the trace takes no token. */
	assert_int_equal(sw_port_set(&env->sw, env->p[2], SWP_PSET_STORM_BROADCAST, 1), 1);
	mkframe(buf, BCAST, MAC_C, 0, 5);
	assert_string_equal(trace_and_check(env, env->p[2], buf, 64), "forwarded");
	assert_string_equal(trace_and_check(env, env->p[2], buf, 64), "dropped");
	assert_string_equal(steps[nsteps - 2].result, "storm"); /* after the lookup's flood, before the verdict */
}

/* ---- egress: filters and tag actions ---- */

static void trace_egress_filters(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];
	char why[256];

	announce(env, 1, MAC_B);
	env->p[0]->isolated = env->p[1]->isolated = true;
	mkframe(buf, MAC_B, MAC_A, 0, 1);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "dropped");
	assert_string_equal(egress_of("p1")->result, "isolated");
	mkframe(buf, BCAST, MAC_A, 0, 2);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 64), "forwarded");
	assert_string_equal(egress_of("p1")->result, "isolated");
	env->p[0]->isolated = env->p[1]->isolated = false;
	assert_int_equal(sw_port_set(&env->sw, env->p[2], SWP_PSET_FLOOD, 0), 1);
	mkframe(buf, MAC_D, MAC_A, 0, 3);
	trace_and_check(env, env->p[0], buf, 64);
	assert_string_equal(egress_of("p2")->result, "flood_off");
	assert_string_equal(egress_of("p3")->result, "keep");
	mkframe(buf, BCAST, MAC_A, 0, 4); /* flood off is for unknown unicast only */
	trace_and_check(env, env->p[0], buf, 64);
	assert_string_equal(egress_of("p2")->result, "keep");
	env->p[3]->mtu = 40;
	trace_and_check(env, env->p[0], buf, 64);
	assert_string_equal(egress_of("p3")->result, "mtu");
	env->p[3]->mtu = 0;
	env->sw.policy.flap_hold_ms = 30000;
	loop_block(&env->sw.policy, env->p[3]->slot, clock_ms);
	trace_and_check(env, env->p[0], buf, 64);
	assert_string_equal(egress_of("p3")->result, "blocked");
	/* A mirror of what p3 receives (nothing here): its destination p4 is no flood's egress. */
	assert_int_equal(mirror_add(&env->ms, "m", "p3", SWP_MIRROR_IN, "p4", false, why, sizeof(why)), 0);
	trace_and_check(env, env->p[0], buf, 64);
	assert_string_equal(egress_of("p4")->result, "mirror_destination");
}

static void trace_egress_tag_actions(void **state)
{
	struct env *env = *state;
	uint8_t buf[64];

	/* p0 access 10, p1 trunk 10, p2 access 20, p3 access 10. */
	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[0], &access10), 1);
	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[1], &trunk10), 1);
	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[2], &access20), 1);
	assert_int_equal(sw_port_set_vlan(&env->sw, env->p[3], &access10), 1);
	mkframe(buf, BCAST, MAC_A, 0, 1);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 60), "forwarded");
	assert_string_equal(egress_of("p1")->result, "push");
	assert_int_equal(egress_of("p1")->vlan, 10);
	assert_string_equal(egress_of("p2")->result, "vlan");
	assert_string_equal(egress_of("p3")->result, "keep");
	assert_string_equal(egress_of("p4")->result, "push"); /* a default port carries every VLAN, tagged */
	mkframe(buf, MAC_A, MAC_B, 10, 2); /* tagged 10 on the trunk, to MAC_A on p0: popped */
	assert_string_equal(trace_and_check(env, env->p[1], buf, 64), "forwarded");
	assert_string_equal(result_of(SWP_TRACE_LOOKUP), "unicast");
	assert_string_equal(egress_of("p0")->result, "pop");
	/* A static entry on a port without the VLAN: unicast dropped, as rx_drop_vlan. */
	assert_int_equal(sw_mac_add(&env->sw, MAC_C, 10, env->p[2]), 0);
	mkframe(buf, MAC_C, MAC_A, 0, 3);
	assert_string_equal(trace_and_check(env, env->p[0], buf, 60), "dropped");
	assert_string_equal(egress_of("p2")->result, "vlan");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(trace_ingress_checks),     T(trace_vlan_classification), T(trace_learning),
		T(trace_lookup),	     T(trace_egress_filters),	   T(trace_egress_tag_actions),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
