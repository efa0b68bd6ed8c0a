/*
 * Unit tests for the MAC table (switchd/fdb.c).
 *
 * Time is never slept: every call takes "now" in milliseconds and the tests
 * pick it. MACs are built from an index (02:00:xx:xx:xx:xx, locally
 * administered unicast) so large tables are easy to fill and to check.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fdb.h"

#define AGEING_SEC 300
#define AGEING_MS ((uint64_t)AGEING_SEC * 1000)

/* A unicast, locally administered MAC made from n. */
static const uint8_t *mac_n(uint32_t n)
{
	static uint8_t m[8][6];
	static unsigned next;
	uint8_t *r = m[next++ % 8];

	r[0] = 0x02;
	r[1] = 0x00;
	r[2] = (uint8_t)(n >> 24);
	r[3] = (uint8_t)(n >> 16);
	r[4] = (uint8_t)(n >> 8);
	r[5] = (uint8_t)n;
	return r;
}

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

/* Counts learned (or static) entries in the hash that point at port, by walking the table itself. */
static uint32_t table_entries_on(struct fdb *fdb, uint16_t port, bool is_static)
{
	struct fdb_entry *e, *tmp;
	uint32_t n = 0;

	HASH_ITER(hh, fdb->table, e, tmp)
		if (e->port == port && e->is_static == is_static)
			n++;
	return n;
}

/* Walks a port list both ways and checks it agrees with its count and is oldest first. */
static void check_port_list(struct fdb *fdb, uint16_t port)
{
	const struct fdb_port_list *l = &fdb->ports[port];
	const struct fdb_entry *e, *prev = NULL;
	uint32_t n = 0;

	for (e = l->head; e; prev = e, e = e->next) {
		assert_ptr_equal(e->prev, prev);
		assert_int_equal(e->port, port);
		if (prev)
			assert_true(prev->seen_ms <= e->seen_ms);
		n++;
	}
	assert_ptr_equal(l->tail, prev);
	assert_int_equal(n, l->count);
	assert_int_equal(table_entries_on(fdb, port, false), l->count);
	assert_int_equal(table_entries_on(fdb, port, true), fdb->statics[port].count);
}

/* ---- learning: new, refreshed, moved, refused ---- */

static void fdb_learn_new_mac_is_findable_on_its_port(void **state)
{
	(void)state;
	struct fdb fdb;
	struct fdb_entry *e;

	fdb_init(&fdb, 16, AGEING_SEC);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 3, 1000), FDB_LEARNED);
	e = fdb_find(&fdb, MAC_A, 0);
	assert_non_null(e);
	assert_memory_equal(e->key.mac, MAC_A, 6);
	assert_int_equal(e->key.vlan, 0);
	assert_int_equal(e->port, 3);
	assert_int_equal(e->seen_ms, 1000);
	assert_false(e->is_static);
	assert_int_equal(fdb.count, 1);
	assert_int_equal(fdb.st.learned, 1);
	assert_int_equal(fdb_port_count(&fdb, 3), 1);
	assert_null(fdb_find(&fdb, MAC_B, 0));
	check_port_list(&fdb, 3);
	fdb_fini(&fdb);
}

static void fdb_relearn_on_same_port_refreshes_seen_time(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, 5000), FDB_REFRESHED);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->seen_ms, 5000);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, 1);
	assert_int_equal(fdb.count, 1);
	assert_int_equal(fdb.st.learned, 1);
	assert_int_equal(fdb.st.moved, 0);
	assert_int_equal(fdb_port_count(&fdb, 1), 1);
	fdb_fini(&fdb);
}

static void fdb_refresh_moves_entry_to_newest_end_of_port_list(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	fdb_learn(&fdb, mac_n(1), 0, 2, 100);
	fdb_learn(&fdb, mac_n(2), 0, 2, 200);
	fdb_learn(&fdb, mac_n(3), 0, 2, 300);
	assert_int_equal(fdb_learn(&fdb, mac_n(1), 0, 2, 400), FDB_REFRESHED);
	assert_ptr_equal(fdb.ports[2].tail, fdb_find(&fdb, mac_n(1), 0));
	assert_ptr_equal(fdb.ports[2].head, fdb_find(&fdb, mac_n(2), 0));
	check_port_list(&fdb, 2);
	fdb_fini(&fdb);
}

static void fdb_same_mac_on_other_port_moves_entry(void **state)
{
	(void)state;
	struct fdb fdb;
	struct fdb_entry *e;

	fdb_init(&fdb, 16, AGEING_SEC);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb_learn(&fdb, MAC_B, 0, 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb_port_count(&fdb, 1), 2);
	assert_int_equal(fdb_port_count(&fdb, 2), 0);

	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 2, 2000), FDB_MOVED);
	e = fdb_find(&fdb, MAC_A, 0);
	assert_non_null(e);
	assert_int_equal(e->port, 2);
	assert_int_equal(e->seen_ms, 2000);
	assert_int_equal(fdb.st.moved, 1);
	assert_int_equal(fdb.st.learned, 2);
	assert_int_equal(fdb.count, 2);
	assert_int_equal(fdb_port_count(&fdb, 1), 1);
	assert_int_equal(fdb_port_count(&fdb, 2), 1);
	check_port_list(&fdb, 1);
	check_port_list(&fdb, 2);

	/* And back again: a second move is counted too. */
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, 3000), FDB_MOVED);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, 1);
	assert_int_equal(fdb.st.moved, 2);
	assert_int_equal(fdb_port_count(&fdb, 1), 2);
	assert_int_equal(fdb_port_count(&fdb, 2), 0);
	check_port_list(&fdb, 1);
	check_port_list(&fdb, 2);
	fdb_fini(&fdb);
}

static void fdb_refuses_group_source_macs(void **state)
{
	(void)state;
	static const uint8_t group[][6] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* broadcast */
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, /* IPv4 multicast */
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, /* IPv6 multicast */
		{ 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }, /* STP */
		{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x00 }, /* group bit with local bit */
	};
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	for (size_t i = 0; i < sizeof(group) / sizeof(group[0]); i++) {
		assert_true(fdb_mac_is_group(group[i]));
		assert_int_equal(fdb_learn(&fdb, group[i], 0, 1, 1000), -EINVAL);
		assert_null(fdb_find(&fdb, group[i], 0));
	}
	assert_int_equal(fdb.count, 0);
	assert_int_equal(fdb.st.learned, 0);
	assert_int_equal(fdb_port_count(&fdb, 1), 0);
	fdb_fini(&fdb);
}

static void fdb_refuses_all_zero_source_mac(void **state)
{
	(void)state;
	static const uint8_t zero[6];
	static const uint8_t almost[6] = { 0, 0, 0, 0, 0, 1 };
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	assert_true(fdb_mac_is_zero(zero));
	assert_false(fdb_mac_is_zero(almost));
	assert_int_equal(fdb_learn(&fdb, zero, 0, 1, 1000), -EINVAL);
	assert_null(fdb_find(&fdb, zero, 0));
	assert_int_equal(fdb.count, 0);
	/* 00:00:00:00:00:01 is an ordinary unicast MAC. */
	assert_int_equal(fdb_learn(&fdb, almost, 0, 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb.count, 1);
	fdb_fini(&fdb);
}

static void fdb_refuses_port_out_of_range(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, SWITCHD_PORTS_MAX, 1000), -EINVAL);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, UINT16_MAX, 1000), -EINVAL);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb.count, 0);
	/* The last valid slot works. */
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, SWITCHD_PORTS_MAX - 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb_port_count(&fdb, SWITCHD_PORTS_MAX - 1), 1);
	/* A known MAC is not moved to an invalid port either. */
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, SWITCHD_PORTS_MAX, 2000), -EINVAL);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, SWITCHD_PORTS_MAX - 1);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->seen_ms, 1000);
	fdb_fini(&fdb);
}

static void fdb_same_mac_in_two_vlans_is_two_entries(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 100, 2, 1000), FDB_LEARNED);
	assert_int_equal(fdb.count, 2);
	assert_int_equal(fdb.st.moved, 0);
	assert_int_equal(fdb_find(&fdb, MAC_A, 0)->port, 1);
	assert_int_equal(fdb_find(&fdb, MAC_A, 100)->port, 2);
	assert_int_equal(fdb_find(&fdb, MAC_A, 100)->key.vlan, 100);
	assert_null(fdb_find(&fdb, MAC_A, 200));
	/* Flushing one VLAN's port leaves the other VLAN's entry. */
	assert_int_equal(fdb_flush(&fdb, 2), 1);
	assert_null(fdb_find(&fdb, MAC_A, 100));
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	fdb_fini(&fdb);
}

/* ---- ageing ---- */

static void fdb_entry_survives_until_ageing_time_then_ages_out(void **state)
{
	(void)state;
	struct fdb fdb;
	const uint64_t t0 = 10000;

	fdb_init(&fdb, 16, AGEING_SEC);
	assert_int_equal(fdb.ageing_ms, AGEING_MS);
	fdb_learn(&fdb, MAC_A, 0, 1, t0);
	assert_int_equal(fdb_age(&fdb, t0), 0);
	assert_int_equal(fdb_age(&fdb, t0 + AGEING_MS - 1), 0);
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb_entry_age(fdb_find(&fdb, MAC_A, 0), t0 + AGEING_MS - 1), AGEING_SEC - 1);
	assert_int_equal(fdb_age(&fdb, t0 + AGEING_MS), 1);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb.count, 0);
	assert_int_equal(fdb_port_count(&fdb, 1), 0);
	assert_int_equal(fdb.st.aged, 1);
	check_port_list(&fdb, 1);
	fdb_fini(&fdb);
}

static void fdb_entry_long_past_ageing_is_removed(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	fdb_learn(&fdb, MAC_A, 0, 1, 0);
	assert_int_equal(fdb_age(&fdb, 50 * AGEING_MS), 1);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	fdb_fini(&fdb);
}

static void fdb_traffic_refreshes_entry_so_it_survives_ageing(void **state)
{
	(void)state;
	struct fdb fdb;
	const uint64_t t0 = 1000;

	fdb_init(&fdb, 16, AGEING_SEC);
	fdb_learn(&fdb, MAC_A, 0, 1, t0);
	fdb_learn(&fdb, MAC_B, 0, 1, t0);
	/* MAC_A keeps talking just before it would expire. */
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, t0 + AGEING_MS - 1), FDB_REFRESHED);
	assert_int_equal(fdb_age(&fdb, t0 + AGEING_MS), 1);
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	assert_null(fdb_find(&fdb, MAC_B, 0));
	/* Refreshed at t0 + AGEING_MS - 1, so it lives until one ageing time after that. */
	assert_int_equal(fdb_age(&fdb, t0 + 2 * AGEING_MS - 2), 0);
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb_age(&fdb, t0 + 2 * AGEING_MS - 1), 1);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb.st.aged, 2);
	fdb_fini(&fdb);
}

static void fdb_moved_entry_ages_from_its_move_time(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	fdb_learn(&fdb, MAC_A, 0, 1, 0);
	fdb_learn(&fdb, MAC_A, 0, 2, AGEING_MS / 2);
	assert_int_equal(fdb_age(&fdb, AGEING_MS), 0);
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb_age(&fdb, AGEING_MS / 2 + AGEING_MS), 1);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb_port_count(&fdb, 1), 0);
	assert_int_equal(fdb_port_count(&fdb, 2), 0);
	fdb_fini(&fdb);
}

static void fdb_ageing_removes_entries_in_order_of_last_seen(void **state)
{
	(void)state;
	struct fdb fdb;
	enum { N = 10 };

	/* Entries on three ports, seen 1 s apart; two of them refreshed later. */
	fdb_init(&fdb, 64, AGEING_SEC);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(fdb_learn(&fdb, mac_n(i), 0, (uint16_t)(i % 3), i * 1000), FDB_LEARNED);
	/* 0 and 3 (port 0, the oldest of their list) refreshed at 20 s. */
	assert_int_equal(fdb_learn(&fdb, mac_n(0), 0, 0, 20000), FDB_REFRESHED);
	assert_int_equal(fdb_learn(&fdb, mac_n(3), 0, 0, 20000), FDB_REFRESHED);

	/* At ageing + k s, the entries seen at 0..k s are gone (unless refreshed). */
	for (uint32_t k = 0; k < N; k++) {
		fdb_age(&fdb, AGEING_MS + k * 1000);
		for (uint32_t i = 0; i < N; i++) {
			bool refreshed = i == 0 || i == 3;
			bool expect = refreshed || i > k;

			if (expect)
				assert_non_null(fdb_find(&fdb, mac_n(i), 0));
			else
				assert_null(fdb_find(&fdb, mac_n(i), 0));
		}
		for (uint16_t p = 0; p < 3; p++)
			check_port_list(&fdb, p);
	}
	assert_int_equal(fdb.count, 2);
	assert_int_equal(fdb.st.aged, N - 2);
	assert_int_equal(fdb_age(&fdb, 20000 + AGEING_MS), 2);
	assert_int_equal(fdb.count, 0);
	fdb_fini(&fdb);
}

static void fdb_set_ageing_changes_the_ageing_time(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 16, AGEING_SEC);
	fdb_learn(&fdb, MAC_A, 0, 1, 0);
	fdb_set_ageing(&fdb, 10);
	assert_int_equal(fdb.ageing_ms, 10000);
	assert_int_equal(fdb_age(&fdb, 9999), 0);
	assert_int_equal(fdb_age(&fdb, 10000), 1);
	fdb_fini(&fdb);
}

/* ---- size bound and eviction ---- */

static void fdb_table_never_exceeds_max(void **state)
{
	(void)state;
	struct fdb fdb;
	enum { MAX = 32, EXTRA = 50 };

	fdb_init(&fdb, MAX, AGEING_SEC);
	for (uint32_t i = 0; i < MAX + EXTRA; i++) {
		assert_int_equal(fdb_learn(&fdb, mac_n(i), 0, (uint16_t)(i % 4), i), FDB_LEARNED);
		assert_true(fdb.count <= MAX);
	}
	assert_int_equal(fdb.count, MAX);
	assert_int_equal(HASH_COUNT(fdb.table), MAX);
	assert_int_equal(fdb.st.evicted, EXTRA);
	assert_int_equal(fdb.st.learned, MAX + EXTRA);
	uint32_t sum = 0;
	for (uint16_t p = 0; p < 4; p++) {
		check_port_list(&fdb, p);
		sum += fdb_port_count(&fdb, p);
	}
	assert_int_equal(sum, MAX);
	/* The newest entry is always kept. */
	assert_non_null(fdb_find(&fdb, mac_n(MAX + EXTRA - 1), 0));
	fdb_fini(&fdb);
}

static void fdb_max_zero_means_one(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 0, AGEING_SEC);
	assert_int_equal(fdb.max, 1);
	fdb_learn(&fdb, MAC_A, 0, 1, 0);
	fdb_learn(&fdb, MAC_B, 0, 1, 1);
	assert_int_equal(fdb.count, 1);
	assert_null(fdb_find(&fdb, MAC_A, 0));
	assert_non_null(fdb_find(&fdb, MAC_B, 0));
	fdb_fini(&fdb);
}

static void fdb_flood_on_one_port_does_not_evict_other_ports(void **state)
{
	(void)state;
	struct fdb fdb;
	enum { MAX = 100, FLOOD0 = 90, OTHERS = 5, MORE = 200 };
	const uint16_t flood_port = 1, quiet_port = 2;
	uint32_t i;
	uint64_t t = 0;

	fdb_init(&fdb, MAX, AGEING_SEC);
	for (i = 0; i < FLOOD0; i++)
		fdb_learn(&fdb, mac_n(i), 0, flood_port, t++);
	for (uint32_t j = 0; j < OTHERS; j++)
		assert_int_equal(fdb_learn(&fdb, mac_n(100000 + j), 0, quiet_port, t++), FDB_LEARNED);
	for (; i < FLOOD0 + MORE; i++)
		assert_int_equal(fdb_learn(&fdb, mac_n(i), 0, flood_port, t++), FDB_LEARNED);

	assert_int_equal(fdb.count, MAX);
	assert_int_equal(fdb_port_count(&fdb, quiet_port), OTHERS);
	assert_int_equal(fdb_port_count(&fdb, flood_port), MAX - OTHERS);
	for (uint32_t j = 0; j < OTHERS; j++) {
		struct fdb_entry *e = fdb_find(&fdb, mac_n(100000 + j), 0);

		assert_non_null(e);
		assert_int_equal(e->port, quiet_port);
	}
	/* The evicted ones are the flooding port's oldest: only its newest MAX-OTHERS remain. */
	const uint32_t total = FLOOD0 + MORE, kept_from = total - (MAX - OTHERS);
	for (i = 0; i < total; i++) {
		if (i >= kept_from)
			assert_non_null(fdb_find(&fdb, mac_n(i), 0));
		else
			assert_null(fdb_find(&fdb, mac_n(i), 0));
	}
	assert_int_equal(fdb.st.evicted, kept_from);
	check_port_list(&fdb, flood_port);
	check_port_list(&fdb, quiet_port);
	fdb_fini(&fdb);
}

static void fdb_single_port_flood_recycles_only_its_own_oldest(void **state)
{
	(void)state;
	struct fdb fdb;
	enum { MAX = 16, N = 100 };

	fdb_init(&fdb, MAX, AGEING_SEC);
	for (uint32_t i = 0; i < N; i++)
		fdb_learn(&fdb, mac_n(i), 0, 7, i);
	assert_int_equal(fdb.count, MAX);
	assert_int_equal(fdb_port_count(&fdb, 7), MAX);
	assert_int_equal(fdb.st.evicted, N - MAX);
	for (uint32_t i = 0; i < N; i++) {
		if (i >= N - MAX)
			assert_non_null(fdb_find(&fdb, mac_n(i), 0));
		else
			assert_null(fdb_find(&fdb, mac_n(i), 0));
	}
	check_port_list(&fdb, 7);
	fdb_fini(&fdb);
}

static void fdb_eviction_takes_oldest_entry_of_largest_port(void **state)
{
	(void)state;
	struct fdb fdb;

	/* Port 0 holds 6 (seen late), port 1 holds 4 (seen early); port 2 learns one. */
	fdb_init(&fdb, 10, AGEING_SEC);
	for (uint32_t i = 0; i < 4; i++)
		fdb_learn(&fdb, mac_n(100 + i), 0, 1, i);
	for (uint32_t i = 0; i < 6; i++)
		fdb_learn(&fdb, mac_n(i), 0, 0, 1000 + i);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 2, 5000), FDB_LEARNED);
	/* Not the globally oldest (port 1's), but the oldest of the port holding the most. */
	assert_null(fdb_find(&fdb, mac_n(0), 0));
	for (uint32_t i = 0; i < 4; i++)
		assert_non_null(fdb_find(&fdb, mac_n(100 + i), 0));
	assert_int_equal(fdb_port_count(&fdb, 0), 5);
	assert_int_equal(fdb_port_count(&fdb, 1), 4);
	assert_int_equal(fdb_port_count(&fdb, 2), 1);
	assert_int_equal(fdb.st.evicted, 1);
	fdb_fini(&fdb);
}

static void fdb_refresh_and_move_do_not_evict_when_full(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 4, AGEING_SEC);
	for (uint32_t i = 0; i < 4; i++)
		fdb_learn(&fdb, mac_n(i), 0, 1, i);
	assert_int_equal(fdb_learn(&fdb, mac_n(0), 0, 1, 10), FDB_REFRESHED);
	assert_int_equal(fdb_learn(&fdb, mac_n(1), 0, 2, 11), FDB_MOVED);
	assert_int_equal(fdb.count, 4);
	assert_int_equal(fdb.st.evicted, 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_non_null(fdb_find(&fdb, mac_n(i), 0));
	fdb_fini(&fdb);
}

static void fdb_set_max_shrinking_evicts_at_once(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 64, AGEING_SEC);
	for (uint32_t i = 0; i < 10; i++)
		fdb_learn(&fdb, mac_n(i), 0, 0, i);
	fdb_learn(&fdb, MAC_A, 0, 1, 100);
	fdb_learn(&fdb, MAC_B, 0, 1, 101);
	assert_int_equal(fdb.count, 12);

	fdb_set_max(&fdb, 6);
	assert_int_equal(fdb.max, 6);
	assert_int_equal(fdb.count, 6);
	assert_int_equal(fdb.st.evicted, 6);
	/* Port 0 held the most: its oldest six went, port 1 kept both. */
	for (uint32_t i = 0; i < 10; i++) {
		if (i >= 6)
			assert_non_null(fdb_find(&fdb, mac_n(i), 0));
		else
			assert_null(fdb_find(&fdb, mac_n(i), 0));
	}
	assert_non_null(fdb_find(&fdb, MAC_A, 0));
	assert_non_null(fdb_find(&fdb, MAC_B, 0));
	check_port_list(&fdb, 0);
	check_port_list(&fdb, 1);

	/* Growing does nothing to the entries. */
	fdb_set_max(&fdb, 100);
	assert_int_equal(fdb.count, 6);
	assert_int_equal(fdb.st.evicted, 6);
	fdb_fini(&fdb);
}

/* ---- flushing and teardown ---- */

static void fdb_flush_port_removes_only_that_ports_entries(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 64, AGEING_SEC);
	for (uint32_t i = 0; i < 12; i++)
		fdb_learn(&fdb, mac_n(i), (uint16_t)(i % 2 ? 10 : 0), (uint16_t)(i % 3), i);
	assert_int_equal(fdb_port_count(&fdb, 1), 4);

	assert_int_equal(fdb_flush(&fdb, 1), 4);
	assert_int_equal(fdb.count, 8);
	assert_int_equal(fdb.st.flushed, 4);
	assert_int_equal(fdb_port_count(&fdb, 1), 0);
	assert_int_equal(table_entries_on(&fdb, 1, false), 0);
	assert_int_equal(fdb_port_count(&fdb, 0), 4);
	assert_int_equal(fdb_port_count(&fdb, 2), 4);
	for (uint32_t i = 0; i < 12; i++) {
		struct fdb_entry *e = fdb_find(&fdb, mac_n(i), (uint16_t)(i % 2 ? 10 : 0));

		if (i % 3 == 1)
			assert_null(e);
		else
			assert_non_null(e);
	}
	/* Nothing left to flush on that port, or on an empty or invalid one. */
	assert_int_equal(fdb_flush(&fdb, 1), 0);
	assert_int_equal(fdb_flush(&fdb, 200), 0);
	assert_int_equal(fdb_flush(&fdb, SWITCHD_PORTS_MAX), 0);
	assert_int_equal(fdb.count, 8);
	/* The port can learn again afterwards. */
	assert_int_equal(fdb_learn(&fdb, mac_n(1), 10, 1, 50), FDB_LEARNED);
	check_port_list(&fdb, 1);
	fdb_fini(&fdb);
}

static void fdb_flush_all_empties_the_table(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 64, AGEING_SEC);
	for (uint32_t i = 0; i < 20; i++)
		fdb_learn(&fdb, mac_n(i), 0, (uint16_t)(i * 13 % SWITCHD_PORTS_MAX), i);
	fdb_learn(&fdb, MAC_A, 0, SWITCHD_PORTS_MAX - 1, 0);
	assert_int_equal(fdb_flush(&fdb, -1), 21);
	assert_int_equal(fdb.count, 0);
	assert_null(fdb.table);
	assert_int_equal(fdb.st.flushed, 21);
	for (int p = 0; p < SWITCHD_PORTS_MAX; p++) {
		assert_int_equal(fdb_port_count(&fdb, (uint16_t)p), 0);
		assert_null(fdb.ports[p].head);
		assert_null(fdb.ports[p].tail);
	}
	assert_null(fdb_find(&fdb, MAC_A, 0));
	assert_int_equal(fdb_flush(&fdb, -1), 0);
	fdb_fini(&fdb);
}

static void fdb_fini_frees_every_entry(void **state)
{
	(void)state;
	struct fdb fdb;

	/* Entries, moved entries, refreshed entries: the leak checker sees the rest. */
	fdb_init(&fdb, 1000, AGEING_SEC);
	for (uint32_t i = 0; i < 500; i++)
		fdb_learn(&fdb, mac_n(i), (uint16_t)(i % 5), (uint16_t)(i % 7), i);
	for (uint32_t i = 0; i < 500; i += 3)
		fdb_learn(&fdb, mac_n(i), (uint16_t)(i % 5), (uint16_t)(i % 11), 1000 + i);
	assert_int_equal(fdb.count, 500);
	fdb_fini(&fdb);
	assert_int_equal(fdb.count, 0);
	assert_null(fdb.table);
}

/* ---- scanning (mac show in pieces) ---- */

struct scan_seen {
	uint8_t count[40000]; /* visits by entry number (mac_n) */
	uint32_t visits;
};

static void scan_count(void *ctx, const struct fdb_entry *e)
{
	struct scan_seen *seen = ctx;
	uint32_t n = (uint32_t)e->key.mac[2] << 24 | (uint32_t)e->key.mac[3] << 16 |
		     (uint32_t)e->key.mac[4] << 8 | e->key.mac[5];

	assert_true(n < 40000);
	seen->count[n]++;
	seen->visits++;
}

static void fdb_scan_of_an_empty_table_is_done_at_once(void **state)
{
	(void)state;
	struct fdb fdb;
	struct scan_seen seen = { 0 };

	fdb_init(&fdb, 100, AGEING_SEC);
	assert_int_equal(fdb_scan(&fdb, 0, 64, scan_count, &seen), 0);
	assert_int_equal(seen.visits, 0);
	fdb_fini(&fdb);
}

static void fdb_scan_visits_every_entry_once(void **state)
{
	(void)state;
	struct fdb fdb;
	struct scan_seen seen = { 0 };
	uint64_t cursor = 0;
	unsigned calls = 0;

	fdb_init(&fdb, 40000, AGEING_SEC);
	for (uint32_t n = 0; n < 10000; n++)
		assert_int_equal(fdb_learn(&fdb, mac_n(n), 0, (uint16_t)(n % 7), 1), FDB_LEARNED);
	do {
		cursor = fdb_scan(&fdb, cursor, 3, scan_count, &seen);
		calls++;
	} while (cursor);
	assert_true(calls > 1);
	assert_int_equal(seen.visits, 10000);
	for (uint32_t n = 0; n < 10000; n++)
		assert_int_equal(seen.count[n], 1);
	fdb_fini(&fdb);
}

/*
 * Entries learned while a scan is under way make the table double its
 * buckets several times; every entry present from start to end must still
 * be visited exactly once, and the removed ones never after their removal.
 */
static void fdb_scan_survives_the_table_changing_between_calls(void **state)
{
	(void)state;
	struct fdb fdb;
	struct scan_seen seen = { 0 };
	uint64_t cursor = 0;
	uint32_t next = 2000;

	fdb_init(&fdb, 40000, AGEING_SEC);
	for (uint32_t n = 0; n < 2000; n++)
		fdb_learn(&fdb, mac_n(n), 0, 1, 1);
	do {
		cursor = fdb_scan(&fdb, cursor, 2, scan_count, &seen);
		/* Between pieces: 300 more entries. */
		for (int k = 0; k < 300 && next < 38000; k++)
			fdb_learn(&fdb, mac_n(next++), 0, 2, 1);
	} while (cursor);
	assert_true(next > 20000); /* the table grew many times over during the scan */
	for (uint32_t n = 0; n < 2000; n++)
		assert_int_equal(seen.count[n], 1);
	for (uint32_t n = 2000; n < next; n++)
		assert_true(seen.count[n] <= 1);
	fdb_fini(&fdb);

	/* Entries removed during a scan: the ones that stay are still seen once each. */
	memset(&seen, 0, sizeof(seen));
	fdb_init(&fdb, 40000, AGEING_SEC);
	for (uint32_t n = 0; n < 4000; n++)
		fdb_learn(&fdb, mac_n(n), 0, n < 2000 ? 1 : 2, 1);
	cursor = fdb_scan(&fdb, 0, 8, scan_count, &seen);
	assert_int_equal(fdb_flush(&fdb, 2), 2000);
	while (cursor)
		cursor = fdb_scan(&fdb, cursor, 8, scan_count, &seen);
	for (uint32_t n = 0; n < 2000; n++)
		assert_int_equal(seen.count[n], 1);
	fdb_fini(&fdb);
}

/* ---- notifications (switchctl monitor) ---- */

struct notes {
	int n[4];
	uint16_t last_old_port;
};

static void note(void *ctx, enum fdb_event ev, const struct fdb_entry *e, uint16_t old_port)
{
	struct notes *t = ctx;

	assert_non_null(e);
	t->n[ev]++;
	t->last_old_port = old_port;
}

static void fdb_notifies_learn_move_age_and_evict(void **state)
{
	(void)state;
	struct fdb fdb;
	struct notes t = { 0 };

	fdb_init(&fdb, 2, AGEING_SEC);
	fdb.notify = note;
	fdb.notify_ctx = &t;
	fdb_learn(&fdb, MAC_A, 0, 1, 0);
	fdb_learn(&fdb, MAC_A, 0, 1, 10); /* a refresh says nothing */
	assert_int_equal(t.n[FDB_EV_LEARNED], 1);
	fdb_learn(&fdb, MAC_A, 0, 3, 20);
	assert_int_equal(t.n[FDB_EV_MOVED], 1);
	assert_int_equal(t.last_old_port, 1);
	fdb_learn(&fdb, MAC_B, 0, 2, 30);
	fdb_learn(&fdb, mac_n(5), 0, 2, 40); /* full: evicts */
	assert_int_equal(t.n[FDB_EV_EVICTED], 1);
	assert_int_equal(fdb_age(&fdb, 40 + AGEING_MS), 2);
	assert_int_equal(t.n[FDB_EV_AGED], 2);
	assert_int_equal(t.n[FDB_EV_LEARNED], 3);
	fdb_fini(&fdb);
}

/* ---- static entries and per-port limits ---- */

static void fdb_static_entries_are_pinned_and_kept_apart(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 3, AGEING_SEC);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, 1000), FDB_LEARNED);
	/* A learned entry becomes static, off the learned list. */
	assert_int_equal(fdb_static_add(&fdb, MAC_A, 0, 2), 0);
	assert_true(fdb_find(&fdb, MAC_A, 0)->is_static);
	assert_int_equal(fdb.ports[1].count, 0);
	assert_int_equal(fdb.statics[2].count, 1);
	assert_int_equal(fdb_port_count(&fdb, 2), 1);
	check_port_list(&fdb, 1);
	check_port_list(&fdb, 2);
	/* Pinned: elsewhere -EPERM, on its port a refresh; never aged, never flushed. */
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 1, 2000), -EPERM);
	assert_int_equal(fdb_learn(&fdb, MAC_A, 0, 2, 2000), FDB_REFRESHED);
	assert_int_equal(fdb_age(&fdb, 10 * AGEING_MS), 0);
	assert_int_equal(fdb_flush(&fdb, -1), 0);
	assert_int_equal(fdb_flush(&fdb, 2), 0);
	/* The table is full of static entries: learning and adding find no victim. */
	assert_int_equal(fdb_static_add(&fdb, MAC_B, 0, 2), 0);
	assert_int_equal(fdb_static_add(&fdb, MAC_B, 5, 2), 0);
	assert_int_equal(fdb_static_add(&fdb, mac_n(9), 0, 2), -ENOSPC);
	assert_int_equal(fdb_learn(&fdb, mac_n(9), 0, 1, 3000), -ENOSPC);
	fdb_set_max(&fdb, 1); /* shrinking stops at static entries */
	assert_int_equal(fdb.count, 3);
	/* Deleted one at a time, or with their port. */
	assert_int_equal(fdb_del(&fdb, MAC_B, 5), 0);
	assert_int_equal(fdb_del(&fdb, MAC_B, 5), -ENOENT);
	assert_int_equal(fdb_remove_port(&fdb, 2, NULL, NULL), 2);
	assert_int_equal(fdb.count, 0);
	assert_int_equal(fdb.statics[2].count, 0);
	assert_int_equal(fdb_static_add(&fdb, (const uint8_t[6]){ 1, 0, 0, 0, 0, 1 }, 0, 2), -EINVAL);
	fdb_fini(&fdb);
}

static void fdb_port_max_refuses_new_and_moving_sources(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 100, AGEING_SEC);
	fdb.port_max[1] = 2;
	assert_int_equal(fdb_learn(&fdb, mac_n(1), 0, 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb_learn(&fdb, mac_n(2), 0, 1, 1000), FDB_LEARNED);
	assert_int_equal(fdb_static_add(&fdb, mac_n(3), 0, 1), 0); /* not counted */
	assert_int_equal(fdb_learn(&fdb, mac_n(4), 0, 1, 1000), -EDQUOT);
	assert_null(fdb_find(&fdb, mac_n(4), 0));
	assert_int_equal(fdb_learn(&fdb, mac_n(5), 0, 2, 1000), FDB_LEARNED);
	assert_int_equal(fdb_learn(&fdb, mac_n(5), 0, 1, 1000), -EDQUOT);
	assert_int_equal(fdb_find(&fdb, mac_n(5), 0)->port, 2);
	assert_int_equal(fdb_learn(&fdb, mac_n(1), 0, 1, 2000), FDB_REFRESHED);
	/* One VLAN flushed: the others' entries and the static one stay. */
	assert_int_equal(fdb_learn(&fdb, mac_n(6), 7, 2, 1000), FDB_LEARNED);
	assert_int_equal(fdb_flush_vlan(&fdb, -1, 7), 1);
	assert_int_equal(fdb_flush_vlan(&fdb, 1, 0), 2);
	assert_int_equal(fdb.count, 2); /* mac_n(3) static, mac_n(5) on port 2 */
	check_port_list(&fdb, 1);
	check_port_list(&fdb, 2);
	fdb_fini(&fdb);
}

/* A smaller port limit evicts the port's least recently seen learned entries, no static one, no other port's. */
static void fdb_set_port_max_evicts_oldest_of_that_port(void **state)
{
	(void)state;
	struct fdb fdb;

	fdb_init(&fdb, 100, AGEING_SEC);
	for (int i = 1; i <= 4; i++)
		assert_int_equal(fdb_learn(&fdb, mac_n(i), 0, 1, 1000 + (uint64_t)i), FDB_LEARNED);
	assert_int_equal(fdb_learn(&fdb, mac_n(1), 0, 1, 2000), FDB_REFRESHED); /* now the newest */
	assert_int_equal(fdb_static_add(&fdb, mac_n(9), 0, 1), 0);
	assert_int_equal(fdb_learn(&fdb, mac_n(8), 0, 2, 1000), FDB_LEARNED);
	assert_int_equal(fdb_set_port_max(&fdb, 1, 2), 2);
	assert_int_equal(fdb.port_max[1], 2);
	assert_null(fdb_find(&fdb, mac_n(2), 0));
	assert_null(fdb_find(&fdb, mac_n(3), 0));
	assert_non_null(fdb_find(&fdb, mac_n(4), 0));
	assert_non_null(fdb_find(&fdb, mac_n(1), 0));
	assert_non_null(fdb_find(&fdb, mac_n(9), 0));
	assert_non_null(fdb_find(&fdb, mac_n(8), 0));
	assert_int_equal(fdb.st.evicted, 2);
	assert_int_equal(fdb_set_port_max(&fdb, 1, 0), 0); /* no limit: nothing goes */
	assert_int_equal(fdb.port_max[1], 0);
	check_port_list(&fdb, 1);
	fdb_fini(&fdb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* learning */
		cmocka_unit_test(fdb_learn_new_mac_is_findable_on_its_port),
		cmocka_unit_test(fdb_relearn_on_same_port_refreshes_seen_time),
		cmocka_unit_test(fdb_refresh_moves_entry_to_newest_end_of_port_list),
		cmocka_unit_test(fdb_same_mac_on_other_port_moves_entry),
		cmocka_unit_test(fdb_refuses_group_source_macs),
		cmocka_unit_test(fdb_refuses_all_zero_source_mac),
		cmocka_unit_test(fdb_refuses_port_out_of_range),
		cmocka_unit_test(fdb_same_mac_in_two_vlans_is_two_entries),
		/* ageing */
		cmocka_unit_test(fdb_entry_survives_until_ageing_time_then_ages_out),
		cmocka_unit_test(fdb_entry_long_past_ageing_is_removed),
		cmocka_unit_test(fdb_traffic_refreshes_entry_so_it_survives_ageing),
		cmocka_unit_test(fdb_moved_entry_ages_from_its_move_time),
		cmocka_unit_test(fdb_ageing_removes_entries_in_order_of_last_seen),
		cmocka_unit_test(fdb_set_ageing_changes_the_ageing_time),
		/* bound and eviction */
		cmocka_unit_test(fdb_table_never_exceeds_max),
		cmocka_unit_test(fdb_max_zero_means_one),
		cmocka_unit_test(fdb_flood_on_one_port_does_not_evict_other_ports),
		cmocka_unit_test(fdb_single_port_flood_recycles_only_its_own_oldest),
		cmocka_unit_test(fdb_eviction_takes_oldest_entry_of_largest_port),
		cmocka_unit_test(fdb_refresh_and_move_do_not_evict_when_full),
		cmocka_unit_test(fdb_set_max_shrinking_evicts_at_once),
		/* flush and teardown */
		cmocka_unit_test(fdb_flush_port_removes_only_that_ports_entries),
		cmocka_unit_test(fdb_flush_all_empties_the_table),
		cmocka_unit_test(fdb_fini_frees_every_entry),
		/* scanning and notifications */
		cmocka_unit_test(fdb_scan_of_an_empty_table_is_done_at_once),
		cmocka_unit_test(fdb_scan_visits_every_entry_once),
		cmocka_unit_test(fdb_scan_survives_the_table_changing_between_calls),
		cmocka_unit_test(fdb_notifies_learn_move_age_and_evict),
		cmocka_unit_test(fdb_static_entries_are_pinned_and_kept_apart),
		cmocka_unit_test(fdb_port_max_refuses_new_and_moving_sources),
		cmocka_unit_test(fdb_set_port_max_evicts_oldest_of_that_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
