/*
 * The MAC table: (MAC, VLAN) -> port, aged on a caller-supplied monotonic
 * clock (milliseconds), bounded in size.
 *
 * Each port keeps its entries on a list ordered from least to most recently
 * seen. That makes ageing proportional to what expires and gives eviction its
 * victim: when the table is full, the least recently seen entry of the port
 * that holds the most entries goes, so a flood of source MACs on one port
 * only recycles that port's own entries.
 */
#ifndef SWITCHD_FDB_H
#define SWITCHD_FDB_H

#include <stdbool.h>
#include <stdint.h>

#include <uthash.h>

#include "switchd/defaults.h"

struct fdb_key {
	uint8_t mac[6];
	uint16_t vlan;
};

struct fdb_entry {
	struct fdb_key key;
	uint16_t port;
	bool is_static;
	uint16_t moves;         /* within the second that began at move_ms: loop.c's */
	uint64_t move_ms;
	uint64_t seen_ms;
	struct fdb_entry *prev, *next; /* the port's list */
	UT_hash_handle hh;
};

struct fdb_stats {
	uint64_t learned, moved, evicted, aged, flushed;
};

struct fdb_port_list {
	struct fdb_entry *head, *tail; /* head: least recently seen */
	uint32_t count;
};

/* What fdb tells its watcher (fdb.notify), as it happens. */
enum fdb_event {
	FDB_EV_LEARNED,
	FDB_EV_MOVED,   /* old_port: where it was */
	FDB_EV_AGED,
	FDB_EV_EVICTED,
};

struct fdb {
	struct fdb_entry *table;
	uint32_t count, max; /* count: static entries included */
	uint64_t ageing_ms;
	struct fdb_stats st;
	struct fdb_port_list ports[SWITCHD_PORTS_MAX];   /* learned entries: aged, evicted, flushed */
	struct fdb_port_list statics[SWITCHD_PORTS_MAX]; /* static entries (fdb_static_add): none of that */
	uint32_t port_max[SWITCHD_PORTS_MAX];            /* learned entries a port may have; 0: no limit */
	/* Optional: called before an aged or evicted entry is freed. Must not change the table. */
	void (*notify)(void *ctx, enum fdb_event ev, const struct fdb_entry *e, uint16_t old_port);
	void *notify_ctx;
};

enum fdb_learn {
	FDB_REFRESHED = 0,
	FDB_LEARNED = 1,
	FDB_MOVED = 2,
};

void fdb_init(struct fdb *fdb, uint32_t max, uint32_t ageing_sec);
void fdb_fini(struct fdb *fdb);

static inline bool fdb_mac_is_group(const uint8_t *mac)
{
	return mac[0] & 1;
}

bool fdb_mac_is_zero(const uint8_t *mac);

/*
 * Records that mac was seen on port at now. Returns enum fdb_learn, -EINVAL
 * for a group or all-zero MAC or a port out of range, -ENOMEM when a new
 * entry could not be allocated, -EPERM when a static entry pins mac to
 * another port, -EDQUOT when the port already has port_max[port] learned
 * entries, -ENOSPC when the table is full of static ones (nothing learned
 * or moved).
 */
int fdb_learn(struct fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port, uint64_t now);

/* The entry for mac in vlan, or NULL. */
struct fdb_entry *fdb_find(struct fdb *fdb, const uint8_t *mac, uint16_t vlan);

/* Removes entries not seen for the ageing time; returns how many. */
uint32_t fdb_age(struct fdb *fdb, uint64_t now);

/* Removes every learned entry of port, or of all ports when port < 0; returns how many. */
uint32_t fdb_flush(struct fdb *fdb, int port);
/*
 * What fdb_learn(fdb, mac, vlan, port, ...) would return now, without doing
 * it (switchctl trace): FDB_REFRESHED, FDB_LEARNED, FDB_MOVED (*old: the port
 * it moves from), -EPERM (*old: the static entry's port) or -EDQUOT. A new
 * entry in a full table evicts one (fdb_learn's -ENOSPC and -ENOMEM are not
 * foreseen). test_trace holds the two together.
 */
int fdb_learn_would(const struct fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port, uint16_t *old);
/* The same, of one VLAN only. */
uint32_t fdb_flush_vlan(struct fdb *fdb, int port, uint16_t vlan);
/*
 * A static entry: mac in vlan lives on port, never aged, evicted, moved or
 * flushed, not counted against port_max. An entry already there (learned or
 * static) becomes it. 0, -EINVAL as fdb_learn, -ENOSPC when the table is
 * full of static entries, -ENOMEM.
 */
int fdb_static_add(struct fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port);
/* Removes one entry, static or learned: 0, or -ENOENT. */
int fdb_del(struct fdb *fdb, const uint8_t *mac, uint16_t vlan);
/*
 * Removes every entry of port, static ones too (the port is going): returns
 * how many; fn (may be NULL) is told of each static one first.
 */
uint32_t fdb_remove_port(struct fdb *fdb, uint16_t port, void (*fn)(void *ctx, const struct fdb_entry *e),
			 void *ctx);

/*
 * Visits the entries of up to max_buckets hash buckets, starting at cursor
 * (0 the first time), and returns the cursor to go on from, or 0 once the
 * whole table has been visited. The table may change between calls: an entry
 * present throughout is visited exactly once (the buckets are walked in
 * reverse-binary order, which the table doubling in size does not disturb);
 * one added or removed meanwhile may or may not be. fn must not change the
 * table.
 */
uint64_t fdb_scan(const struct fdb *fdb, uint64_t cursor, uint32_t max_buckets,
		  void (*fn)(void *ctx, const struct fdb_entry *e), void *ctx);

/* Shrinking below the current count evicts at once. */
void fdb_set_max(struct fdb *fdb, uint32_t max);
void fdb_set_ageing(struct fdb *fdb, uint32_t ageing_sec);
/*
 * A port's learned-entry limit (port_max[port], 0: none); a smaller one
 * evicts the port's least recently seen entries over it at once. Returns how
 * many went.
 */
uint32_t fdb_set_port_max(struct fdb *fdb, uint16_t port, uint32_t max);

/* Entries pointing at port, static ones included. */
static inline uint32_t fdb_port_count(const struct fdb *fdb, uint16_t port)
{
	return fdb->ports[port].count + fdb->statics[port].count;
}

/* Seconds since the entry was last seen. */
static inline uint32_t fdb_entry_age(const struct fdb_entry *e, uint64_t now)
{
	return now > e->seen_ms ? (uint32_t)((now - e->seen_ms) / 1000) : 0;
}

#endif
