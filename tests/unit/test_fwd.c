/*
 * Unit tests for the forwarding stages (switchd/fwd.c: ingress checks, VLAN
 * classification, lookup) with learning between them as sw_input runs it:
 * drop, flood or unicast; VLAN and L2 payload parsing of raw frames.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fwd.h"

#define AGEING_SEC 300

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t MCAST6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t ZERO[6];

struct tag {
	uint16_t tpid, tci;
};

/*
 * Builds dst, src, ntags tags, ethertype (0x0800) and a payload up to len
 * bytes in total. Returns len.
 */
static size_t mkframe(uint8_t *buf, size_t len, const uint8_t *dst, const uint8_t *src,
		      const struct tag *tags, int ntags)
{
	size_t off = 12;

	memset(buf, 0x5a, len);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	for (int i = 0; i < ntags; i++) {
		buf[off] = (uint8_t)(tags[i].tpid >> 8);
		buf[off + 1] = (uint8_t)tags[i].tpid;
		buf[off + 2] = (uint8_t)(tags[i].tci >> 8);
		buf[off + 3] = (uint8_t)tags[i].tci;
		off += 4;
	}
	if (off + 2 <= len) {
		buf[off] = 0x08;
		buf[off + 1] = 0x00;
	}
	return len;
}

static size_t untagged(uint8_t *buf, size_t len, const uint8_t *dst, const uint8_t *src)
{
	return mkframe(buf, len, dst, src, NULL, 0);
}

/* What the stages said of one frame, run in sw_input's order. */
struct decision {
	enum fwd_action action;
	enum fwd_reason reason;
	enum fwd_flood flood;
	uint16_t port;
	uint16_t vlan;
	int learn; /* fdb_learn()'s result; -1 when the checks dropped the frame first */
};

static void decide(struct fdb *fdb, const uint8_t *frame, size_t len, uint16_t in_port, uint64_t now,
		   struct decision *d)
{
	struct fwd_result r;

	memset(d, 0, sizeof(*d));
	d->learn = -1;
	d->action = FWD_DROP;
	if ((d->reason = fwd_check(frame, len)) != FWD_OK)
		return;
	d->vlan = fwd_frame_vlan(frame, len);
	d->learn = fdb_learn(fdb, frame + 6, d->vlan, in_port, now);
	fwd_lookup(fdb, frame, d->vlan, in_port, &r);
	d->action = r.action;
	d->reason = r.reason;
	d->flood = r.flood;
	d->port = r.port;
}

/* ---- drops before learning ---- */

static void fwd_runt_frame_is_dropped_and_not_learned(void **state)
{
	(void)state;
	struct fdb fdb;
	struct decision r;
	uint8_t f[64];

	fdb_init(&fdb, 64, AGEING_SEC);
	untagged(f, sizeof(f), MAC_B, MAC_A);
	for (size_t len = 0; len < 14; len++) {
		decide(&fdb, f, len, 1, 1000, &r);
		assert_int_equal(r.action, FWD_DROP);
		assert_int_equal(r.reason, FWD_RUNT);
	}
	assert_int_equal(fdb.count, 0);
	assert_null(fdb_find(&fdb, MAC_A, 0));

	/* Exactly an Ethernet header is not a runt. */
	decide(&fdb, f, 14, 1, 1000, &r);
	assert_int_equal(r.action, FWD_FLOOD);
	assert_int_equal(r.reason, FWD_OK);
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	fdb_fini(&fdb);
}

static void fwd_group_or_zero_source_is_bad_src(void **state)
{
	(void)state;
	const uint8_t *bad[] = { BCAST, MCAST4, MCAST6, ZERO };
	struct fdb fdb;
	struct decision r;
	uint8_t f[64];

	fdb_init(&fdb, 64, AGEING_SEC);
	fdb_learn(&fdb, MAC_B, 0, 2, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		untagged(f, sizeof(f), MAC_B, bad[i]);
		decide(&fdb, f, sizeof(f), 1, 1000, &r);
		assert_int_equal(r.action, FWD_DROP);
		assert_int_equal(r.reason, FWD_BAD_SRC);
		assert_null(fdb_find(&fdb, bad[i], 0));
	}
	assert_int_equal(fdb.count, 1);
	assert_int_equal(fdb.st.learned, 1);
	fdb_fini(&fdb);
}

/* ---- flood, unicast, filter ---- */

static void fwd_broadcast_and_multicast_destinations_flood(void **state)
{
	(void)state;
	const uint8_t *group[] = { BCAST, MCAST4, MCAST6 };
	struct fdb fdb;
	struct decision r;
	uint8_t f[60];

	fdb_init(&fdb, 64, AGEING_SEC);
	for (size_t i = 0; i < sizeof(group) / sizeof(group[0]); i++) {
		untagged(f, sizeof(f), group[i], MAC_A);
		decide(&fdb, f, sizeof(f), 1, 1000, &r);
		assert_int_equal(r.action, FWD_FLOOD);
		assert_int_equal(r.reason, FWD_OK);
		assert_int_equal(r.vlan, 0);
	}
	/* The source was learned by the first and refreshed by the others. */
	assert_int_equal(r.learn, FDB_REFRESHED);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, 1);
	assert_int_equal(fdb.count, 1);
	fdb_fini(&fdb);
}

static void fwd_unknown_unicast_floods_and_learns_source(void **state)
{
	(void)state;
	struct fdb fdb;
	struct decision r;
	uint8_t f[60];

	fdb_init(&fdb, 64, AGEING_SEC);
	untagged(f, sizeof(f), MAC_B, MAC_A);
	decide(&fdb, f, sizeof(f), 3, 1000, &r);
	assert_int_equal(r.action, FWD_FLOOD);
	assert_int_equal(r.learn, FDB_LEARNED);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, 3);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->seen_ms, 1000);
	fdb_fini(&fdb);
}

static void fwd_known_unicast_goes_to_its_port(void **state)
{
	(void)state;
	struct fdb fdb;
	struct decision r;
	uint8_t f[60];

	fdb_init(&fdb, 64, AGEING_SEC);
	/* B talks first from port 4 (a broadcast), then A sends to B from port 1. */
	untagged(f, sizeof(f), BCAST, MAC_B);
	decide(&fdb, f, sizeof(f), 4, 1000, &r);
	assert_int_equal(r.action, FWD_FLOOD);

	untagged(f, sizeof(f), MAC_B, MAC_A);
	decide(&fdb, f, sizeof(f), 1, 2000, &r);
	assert_int_equal(r.action, FWD_UNICAST);
	assert_int_equal(r.reason, FWD_OK);
	assert_int_equal(r.port, 4);

	/* And the reply goes back to port 1. */
	untagged(f, sizeof(f), MAC_A, MAC_B);
	decide(&fdb, f, sizeof(f), 4, 3000, &r);
	assert_int_equal(r.action, FWD_UNICAST);
	assert_int_equal(r.port, 1);
	assert_int_equal(r.learn, FDB_REFRESHED);
	fdb_fini(&fdb);
}

/* Link-local control frames (STP, pause, LACP, 802.1X, LLDP) stay on their link. */
static void fwd_link_local_destinations_are_never_forwarded(void **state)
{
	(void)state;
	struct fdb store, *fdb = &store;
	uint8_t f[64];
	struct decision r;

	fdb_init(fdb, 64, AGEING_SEC);
	for (unsigned last = 0; last <= 0x0f; last++) {
		const uint8_t dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, (uint8_t)last };

		memset(f, 0, sizeof(f));
		memcpy(f, dst, 6);
		memcpy(f + 6, (const uint8_t[]){ 0x02, 0, 0, 0, 0, 0x11 }, 6);
		decide(fdb, f, sizeof(f), 1, 0, &r);
		assert_int_equal(r.action, FWD_DROP);
		assert_int_equal(r.reason, FWD_LINK_LOCAL);
	}
	/* Just past the reserved block: ordinary multicast, flooded. */
	f[5] = 0x10;
	decide(fdb, f, sizeof(f), 1, 0, &r);
	assert_int_equal(r.action, FWD_FLOOD);
	fdb_fini(fdb);
}

static void fwd_destination_on_ingress_port_is_filtered(void **state)
{
	(void)state;
	struct fdb fdb;
	struct decision r;
	uint8_t f[60];

	fdb_init(&fdb, 64, AGEING_SEC);
	fdb_learn(&fdb, MAC_B, 0, 2, 0);
	untagged(f, sizeof(f), MAC_B, MAC_A);
	decide(&fdb, f, sizeof(f), 2, 1000, &r);
	assert_int_equal(r.action, FWD_DROP);
	assert_int_equal(r.reason, FWD_FILTERED);
	/* The source of a filtered frame is still learned. */
	assert_int_equal(r.learn, FDB_LEARNED);
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, 2);
	fdb_fini(&fdb);
}

static void fwd_learns_source_before_looking_up_destination(void **state)
{
	(void)state;
	struct fdb fdb;
	struct decision r;
	uint8_t f[60];

	/*
	 * A was on port 1 and now sends to itself from port 2: learning first moves
	 * A to port 2, so the lookup finds it on the ingress port and filters. Looking
	 * up first would have sent the frame back to port 1.
	 */
	fdb_init(&fdb, 64, AGEING_SEC);
	fdb_learn(&fdb, MAC_A, 0, 1, 0);
	untagged(f, sizeof(f), MAC_A, MAC_A);
	decide(&fdb, f, sizeof(f), 2, 1000, &r);
	assert_int_equal(r.learn, FDB_MOVED);
	assert_int_equal(r.action, FWD_DROP);
	assert_int_equal(r.reason, FWD_FILTERED);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, 2);
	assert_int_equal(fdb.st.moved, 1);
	fdb_fini(&fdb);
}

static void fwd_station_move_redirects_unicast(void **state)
{
	(void)state;
	struct fdb fdb;
	struct decision r;
	uint8_t f[60];

	fdb_init(&fdb, 64, AGEING_SEC);
	untagged(f, sizeof(f), BCAST, MAC_B);
	decide(&fdb, f, sizeof(f), 1, 0, &r);
	decide(&fdb, f, sizeof(f), 3, 10, &r); /* B moved to port 3 */
	assert_int_equal(r.learn, FDB_MOVED);
	untagged(f, sizeof(f), MAC_B, MAC_A);
	decide(&fdb, f, sizeof(f), 0, 20, &r);
	assert_int_equal(r.action, FWD_UNICAST);
	assert_int_equal(r.port, 3);
	fdb_fini(&fdb);
}

/* ---- VLANs ---- */

static void fwd_tagged_frame_learns_in_its_vlan(void **state)
{
	(void)state;
	const struct tag t100 = { 0x8100, 100 };
	struct fdb fdb;
	struct decision r;
	uint8_t f[64];

	fdb_init(&fdb, 64, AGEING_SEC);
	mkframe(f, sizeof(f), BCAST, MAC_A, &t100, 1);
	decide(&fdb, f, sizeof(f), 1, 1000, &r);
	assert_int_equal(r.action, FWD_FLOOD);
	assert_int_equal(r.vlan, 100);
	assert_non_null(fdb_find(&fdb, MAC_A, 100));
	assert_int_equal(fdb_find(&fdb, MAC_A, 100)->port, 1);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	fdb_fini(&fdb);
}

static void fwd_vlans_are_separate_forwarding_domains(void **state)
{
	(void)state;
	const struct tag t100 = { 0x8100, 100 };
	struct fdb fdb;
	struct decision r;
	uint8_t f[64];

	/* B is known in VLAN 0 on port 2 only. */
	fdb_init(&fdb, 64, AGEING_SEC);
	fdb_learn(&fdb, MAC_B, 0, 2, 0);

	/* A tagged frame to B in VLAN 100 does not use the VLAN 0 entry. */
	mkframe(f, sizeof(f), MAC_B, MAC_A, &t100, 1);
	decide(&fdb, f, sizeof(f), 1, 1000, &r);
	assert_int_equal(r.action, FWD_FLOOD);
	assert_int_equal(r.vlan, 100);

	/* Nor is it filtered by a VLAN 0 entry on the ingress port. */
	decide(&fdb, f, sizeof(f), 2, 1000, &r);
	assert_int_equal(r.action, FWD_FLOOD);

	/* Once B is known in VLAN 100 on port 5, it is unicast there. */
	fdb_learn(&fdb, MAC_B, 100, 5, 0);
	decide(&fdb, f, sizeof(f), 1, 2000, &r);
	assert_int_equal(r.action, FWD_UNICAST);
	assert_int_equal(r.port, 5);

	/* Untagged to B still goes to port 2. */
	untagged(f, sizeof(f), MAC_B, MAC_A);
	decide(&fdb, f, sizeof(f), 1, 3000, &r);
	assert_int_equal(r.action, FWD_UNICAST);
	assert_int_equal(r.port, 2);
	assert_int_equal(r.vlan, 0);
	fdb_fini(&fdb);
}

static void fwd_vlan_id_ignores_priority_and_dei_bits(void **state)
{
	(void)state;
	const struct tag t = { 0x8100, 0xf000 | 100 }; /* PCP 7, DEI 1, VID 100 */
	struct fdb fdb;
	struct decision r;
	uint8_t f[64];

	fdb_init(&fdb, 64, AGEING_SEC);
	mkframe(f, sizeof(f), BCAST, MAC_A, &t, 1);
	assert_int_equal(fwd_frame_vlan(f, sizeof(f)), 100);
	decide(&fdb, f, sizeof(f), 1, 1000, &r);
	assert_int_equal(r.vlan, 100);
	assert_non_null(fdb_find(&fdb, MAC_A, 100));
	fdb_fini(&fdb);
}

static void fwd_8021ad_outer_tag_gives_the_vlan(void **state)
{
	(void)state;
	const struct tag qinq[2] = { { 0x88a8, 200 }, { 0x8100, 10 } };
	const struct tag sonly = { 0x88a8, 300 };
	struct fdb fdb;
	struct decision r;
	uint8_t f[64];

	fdb_init(&fdb, 64, AGEING_SEC);
	mkframe(f, sizeof(f), BCAST, MAC_A, qinq, 2);
	assert_int_equal(fwd_frame_vlan(f, sizeof(f)), 200);
	decide(&fdb, f, sizeof(f), 1, 1000, &r);
	assert_int_equal(r.vlan, 200);
	assert_non_null(fdb_find(&fdb, MAC_A, 200));
	assert_null(fdb_find(&fdb, MAC_A, 10));

	mkframe(f, sizeof(f), BCAST, MAC_B, &sonly, 1);
	decide(&fdb, f, sizeof(f), 1, 1000, &r);
	assert_int_equal(r.vlan, 300);
	assert_non_null(fdb_find(&fdb, MAC_B, 300));
	fdb_fini(&fdb);
}

/* ---- frame parsing helpers ---- */

static void fwd_frame_vlan_of_untagged_tagged_and_short_frames(void **state)
{
	(void)state;
	const struct tag t100 = { 0x8100, 100 }, t9100 = { 0x9100, 7 }, tmax = { 0x8100, 0x0fff };
	uint8_t f[64];

	untagged(f, sizeof(f), MAC_B, MAC_A);
	assert_int_equal(fwd_frame_vlan(f, sizeof(f)), 0);
	assert_int_equal(fwd_frame_vlan(f, 14), 0);

	mkframe(f, sizeof(f), MAC_B, MAC_A, &t100, 1);
	assert_int_equal(fwd_frame_vlan(f, sizeof(f)), 100);
	assert_int_equal(fwd_frame_vlan(f, 18), 100);
	/* A tag cut short is not read. */
	assert_int_equal(fwd_frame_vlan(f, 17), 0);
	assert_int_equal(fwd_frame_vlan(f, 14), 0);
	assert_int_equal(fwd_frame_vlan(f, 0), 0);

	mkframe(f, sizeof(f), MAC_B, MAC_A, &t9100, 1);
	assert_int_equal(fwd_frame_vlan(f, sizeof(f)), 7);
	mkframe(f, sizeof(f), MAC_B, MAC_A, &tmax, 1);
	assert_int_equal(fwd_frame_vlan(f, sizeof(f)), 4095);

	/* Another ethertype whose value looks like a VID is not a tag. */
	untagged(f, sizeof(f), MAC_B, MAC_A);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x00;
	f[15] = 0x64;
	assert_int_equal(fwd_frame_vlan(f, sizeof(f)), 0);
}

static void fwd_l2_payload_untagged(void **state)
{
	(void)state;
	uint8_t f[1514];

	untagged(f, sizeof(f), MAC_B, MAC_A);
	assert_int_equal(fwd_l2_payload(f, sizeof(f)), 1500);
	assert_int_equal(fwd_l2_payload(f, 60), 46);
	assert_int_equal(fwd_l2_payload(f, 15), 1);
	assert_int_equal(fwd_l2_payload(f, 14), 0);
}

static void fwd_l2_payload_one_tag(void **state)
{
	(void)state;
	const struct tag t = { 0x8100, 100 };
	uint8_t f[1518];

	mkframe(f, sizeof(f), MAC_B, MAC_A, &t, 1);
	assert_int_equal(fwd_l2_payload(f, sizeof(f)), 1500);
	assert_int_equal(fwd_l2_payload(f, 19), 1);
	assert_int_equal(fwd_l2_payload(f, 18), 0);
}

static void fwd_l2_payload_two_tags_qinq(void **state)
{
	(void)state;
	const struct tag qinq[2] = { { 0x88a8, 200 }, { 0x8100, 10 } };
	const struct tag three[3] = { { 0x88a8, 1 }, { 0x8100, 2 }, { 0x8100, 3 } };
	uint8_t f[1530];

	mkframe(f, 1522, MAC_B, MAC_A, qinq, 2);
	assert_int_equal(fwd_l2_payload(f, 1522), 1500);
	assert_int_equal(fwd_l2_payload(f, 23), 1);
	assert_int_equal(fwd_l2_payload(f, 22), 0);

	/* At most two tags are taken off: a third is payload. */
	mkframe(f, 1526, MAC_B, MAC_A, three, 3);
	assert_int_equal(fwd_l2_payload(f, 1526), 1504);
}

static void fwd_l2_payload_of_short_frames_is_zero(void **state)
{
	(void)state;
	const struct tag qinq[2] = { { 0x88a8, 200 }, { 0x8100, 10 } };
	uint8_t f[64];

	mkframe(f, sizeof(f), MAC_B, MAC_A, qinq, 2);
	for (size_t len = 0; len <= 14; len++)
		assert_int_equal(fwd_l2_payload(f, len), 0);
	/* Never more than what is there, never wraps below zero. */
	for (size_t len = 0; len <= sizeof(f); len++) {
		size_t p = fwd_l2_payload(f, len);

		assert_true(p <= len);
		assert_true(len < 14 || p <= len - 14);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* drops before learning */
		cmocka_unit_test(fwd_runt_frame_is_dropped_and_not_learned),
		cmocka_unit_test(fwd_group_or_zero_source_is_bad_src),
		/* flood, unicast, filter, learning order */
		cmocka_unit_test(fwd_broadcast_and_multicast_destinations_flood),
		cmocka_unit_test(fwd_unknown_unicast_floods_and_learns_source),
		cmocka_unit_test(fwd_known_unicast_goes_to_its_port),
		cmocka_unit_test(fwd_destination_on_ingress_port_is_filtered),
		cmocka_unit_test(fwd_link_local_destinations_are_never_forwarded),
		cmocka_unit_test(fwd_learns_source_before_looking_up_destination),
		cmocka_unit_test(fwd_station_move_redirects_unicast),
		/* VLANs */
		cmocka_unit_test(fwd_tagged_frame_learns_in_its_vlan),
		cmocka_unit_test(fwd_vlans_are_separate_forwarding_domains),
		cmocka_unit_test(fwd_vlan_id_ignores_priority_and_dei_bits),
		cmocka_unit_test(fwd_8021ad_outer_tag_gives_the_vlan),
		/* parsing helpers */
		cmocka_unit_test(fwd_frame_vlan_of_untagged_tagged_and_short_frames),
		cmocka_unit_test(fwd_l2_payload_untagged),
		cmocka_unit_test(fwd_l2_payload_one_tag),
		cmocka_unit_test(fwd_l2_payload_two_tags_qinq),
		cmocka_unit_test(fwd_l2_payload_of_short_frames_is_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
