/*
 * uthash must never abort the daemon: with HASH_NONFATAL_OOM a failed bucket
 * expansion is ignored (lookups get slower, nothing is lost) and a failed
 * first allocation is reported through fdb_oom.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
static bool fdb_oom;
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) (fdb_oom = true)

/*
 * The table's hash: the 8-byte key (MAC, VLAN) read as one word, xored with
 * a seed drawn at the first fdb_init (so a peer cannot aim its MACs at one
 * bucket) and mixed by murmur3's 64-bit finaliser: two multiplications,
 * where uthash's Jenkins hash walks the key a byte at a time. Only this file
 * hashes keys (fdb_find for everyone else); the table's iteration order is
 * the order of insertion whatever the hash, so nothing else sees it.
 */
static uint64_t fdb_seed;

static inline unsigned fdb_hash(const void *key)
{
	const uint8_t *k = key;
	uint32_t lo;
	uint16_t mid, vlan;
	uint64_t x;

	/*
	 * In the pieces the key was just written in (fdb_find: 4 + 2 bytes of
	 * MAC, 2 of VLAN): one 8-byte load of it would wait for those stores.
	 */
	memcpy(&lo, k, 4);
	memcpy(&mid, k + 4, 2);
	memcpy(&vlan, k + 6, 2);
	x = (uint64_t)lo | (uint64_t)mid << 32 | (uint64_t)vlan << 48;
	x ^= fdb_seed;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (unsigned)x;
}
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = fdb_hash(keyptr))

#include "fdb.h"

#include <errno.h>
#include <stdlib.h>

_Static_assert(sizeof(struct fdb_key) == sizeof(uint64_t), "fdb_hash reads the key as 8 bytes");

static void list_unlink(struct fdb_port_list *l, struct fdb_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	l->count--;
}

static void list_append(struct fdb_port_list *l, struct fdb_entry *e)
{
	e->next = NULL;
	e->prev = l->tail;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	l->count++;
}

void fdb_init(struct fdb *fdb, uint32_t max, uint32_t ageing_sec)
{
	memset(fdb, 0, sizeof(*fdb));
	/* Without the kernel's randomness the table still works; only the seed is known. */
	if (!fdb_seed && getrandom(&fdb_seed, sizeof(fdb_seed), GRND_NONBLOCK) != sizeof(fdb_seed))
		fdb_seed = 0x9e3779b97f4a7c15ULL;
	fdb->max = max ? max : 1;
	fdb_set_ageing(fdb, ageing_sec);
}

static struct fdb_port_list *fdb_list(struct fdb *fdb, const struct fdb_entry *e)
{
	return e->is_static ? &fdb->statics[e->port] : &fdb->ports[e->port];
}

static void fdb_remove(struct fdb *fdb, struct fdb_entry *e)
{
	HASH_DEL(fdb->table, e);
	list_unlink(fdb_list(fdb, e), e);
	fdb->count--;
	free(e);
}

void fdb_fini(struct fdb *fdb)
{
	for (uint16_t i = 0; i < SWITCHD_PORTS_MAX; i++)
		fdb_remove_port(fdb, i, NULL, NULL);
	HASH_CLEAR(hh, fdb->table);
}

bool fdb_mac_is_zero(const uint8_t *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

struct fdb_entry *fdb_find(struct fdb *fdb, const uint8_t *mac, uint16_t vlan)
{
	struct fdb_key key;
	struct fdb_entry *e;

	memcpy(key.mac, mac, 6);
	key.vlan = vlan;
	HASH_FIND(hh, fdb->table, &key, sizeof(key), e);
	return e;
}

static inline void fdb_notify(struct fdb *fdb, enum fdb_event ev, const struct fdb_entry *e,
			      uint16_t old_port)
{
	if (fdb->notify)
		fdb->notify(fdb->notify_ctx, ev, e, old_port);
}

/* The least recently seen entry of the port holding the most entries. */
static struct fdb_entry *fdb_victim(struct fdb *fdb)
{
	uint32_t best = 0;
	int port = -1;

	for (int i = 0; i < SWITCHD_PORTS_MAX; i++) {
		if (fdb->ports[i].count > best) {
			best = fdb->ports[i].count;
			port = i;
		}
	}
	return port < 0 ? NULL : fdb->ports[port].head;
}

int fdb_learn_would(const struct fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port, uint16_t *old)
{
	const struct fdb_entry *e = fdb_find((struct fdb *)fdb, mac, vlan);
	const struct fdb_port_list *l = &fdb->ports[port];

	if (fdb_mac_is_group(mac) || fdb_mac_is_zero(mac) || port >= SWITCHD_PORTS_MAX)
		return -EINVAL;
	if (e && e->is_static) {
		*old = e->port;
		return e->port == port ? FDB_REFRESHED : -EPERM;
	}
	if (e && e->port == port)
		return FDB_REFRESHED;
	if (fdb->port_max[port] && l->count >= fdb->port_max[port])
		return -EDQUOT;
	if (e)
		*old = e->port;
	return e ? FDB_MOVED : FDB_LEARNED;
}

int fdb_learn(struct fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port, uint64_t now)
{
	struct fdb_port_list *l;
	struct fdb_entry *e;

	if (fdb_mac_is_group(mac) || fdb_mac_is_zero(mac) || port >= SWITCHD_PORTS_MAX)
		return -EINVAL;
	l = &fdb->ports[port];
	e = fdb_find(fdb, mac, vlan);
	if (e) {
		if (e->is_static)
			return e->port == port ? FDB_REFRESHED : -EPERM;
		e->seen_ms = now;
		if (e->port == port) {
			if (l->tail != e) {
				list_unlink(l, e);
				list_append(l, e);
			}
			return FDB_REFRESHED;
		}
		if (fdb->port_max[port] && l->count >= fdb->port_max[port])
			return -EDQUOT;
		uint16_t old_port = e->port;

		list_unlink(&fdb->ports[e->port], e);
		e->port = port;
		list_append(l, e);
		fdb->st.moved++;
		fdb_notify(fdb, FDB_EV_MOVED, e, old_port);
		return FDB_MOVED;
	}

	if (fdb->port_max[port] && l->count >= fdb->port_max[port])
		return -EDQUOT;
	if (fdb->count >= fdb->max) {
		/* Full: recycle the victim's memory, the table never grows. */
		if (!(e = fdb_victim(fdb)))
			return -ENOSPC;
		fdb_notify(fdb, FDB_EV_EVICTED, e, e->port);
		HASH_DEL(fdb->table, e);
		list_unlink(&fdb->ports[e->port], e);
		fdb->count--;
		fdb->st.evicted++;
	} else {
		e = malloc(sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->key.mac, mac, 6);
	e->key.vlan = vlan;
	e->port = port;
	e->seen_ms = now;
	fdb_oom = false;
	HASH_ADD(hh, fdb->table, key, sizeof(e->key), e);
	if (fdb_oom) {
		free(e);
		return -ENOMEM;
	}
	list_append(l, e);
	fdb->count++;
	fdb->st.learned++;
	fdb_notify(fdb, FDB_EV_LEARNED, e, port);
	return FDB_LEARNED;
}

uint32_t fdb_age(struct fdb *fdb, uint64_t now)
{
	uint32_t n = 0;

	for (int i = 0; i < SWITCHD_PORTS_MAX; i++) {
		struct fdb_entry *e, *next;

		/* Lists run oldest first, so stop at the first live entry. */
		for (e = fdb->ports[i].head; e; e = next) {
			next = e->next;
			if (now < e->seen_ms || now - e->seen_ms < fdb->ageing_ms)
				break;
			fdb_notify(fdb, FDB_EV_AGED, e, e->port);
			fdb_remove(fdb, e);
			n++;
		}
	}
	fdb->st.aged += n;
	return n;
}

uint32_t fdb_flush(struct fdb *fdb, int port)
{
	uint32_t n = 0;

	for (int i = 0; i < SWITCHD_PORTS_MAX; i++) {
		if (port >= 0 && i != port)
			continue;
		while (fdb->ports[i].head) {
			fdb_remove(fdb, fdb->ports[i].head);
			n++;
		}
	}
	fdb->st.flushed += n;
	return n;
}

uint32_t fdb_flush_vlan(struct fdb *fdb, int port, uint16_t vlan)
{
	uint32_t n = 0;

	for (int i = 0; i < SWITCHD_PORTS_MAX; i++) {
		struct fdb_entry *e, *next;

		if (port >= 0 && i != port)
			continue;
		for (e = fdb->ports[i].head; e; e = next) {
			next = e->next;
			if (e->key.vlan == vlan) {
				fdb_remove(fdb, e);
				n++;
			}
		}
	}
	fdb->st.flushed += n;
	return n;
}

int fdb_static_add(struct fdb *fdb, const uint8_t *mac, uint16_t vlan, uint16_t port)
{
	struct fdb_entry *e;

	if (fdb_mac_is_group(mac) || fdb_mac_is_zero(mac) || port >= SWITCHD_PORTS_MAX)
		return -EINVAL;
	if ((e = fdb_find(fdb, mac, vlan))) {
		list_unlink(fdb_list(fdb, e), e);
	} else {
		if (fdb->count >= fdb->max) {
			if (!(e = fdb_victim(fdb)))
				return -ENOSPC;
			fdb_notify(fdb, FDB_EV_EVICTED, e, e->port);
			fdb_remove(fdb, e);
			fdb->st.evicted++;
		}
		if (!(e = calloc(1, sizeof(*e))))
			return -ENOMEM;
		memcpy(e->key.mac, mac, 6);
		e->key.vlan = vlan;
		fdb_oom = false;
		HASH_ADD(hh, fdb->table, key, sizeof(e->key), e);
		if (fdb_oom) {
			free(e);
			return -ENOMEM;
		}
		fdb->count++;
	}
	e->is_static = true;
	e->port = port;
	e->moves = 0;
	list_append(&fdb->statics[port], e);
	return 0;
}

int fdb_del(struct fdb *fdb, const uint8_t *mac, uint16_t vlan)
{
	struct fdb_entry *e = fdb_find(fdb, mac, vlan);

	if (!e)
		return -ENOENT;
	fdb_remove(fdb, e);
	return 0;
}

uint32_t fdb_remove_port(struct fdb *fdb, uint16_t port, void (*fn)(void *ctx, const struct fdb_entry *e),
			 void *ctx)
{
	uint32_t n = fdb_flush(fdb, port);

	while (fdb->statics[port].head) {
		if (fn)
			fn(ctx, fdb->statics[port].head);
		fdb_remove(fdb, fdb->statics[port].head);
		n++;
	}
	fdb->port_max[port] = 0;
	return n;
}

static uint64_t fdb_bitrev(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
	v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
	v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
	v = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
	v = ((v >> 16) & 0x0000ffff0000ffffull) | ((v & 0x0000ffff0000ffffull) << 16);
	return (v >> 32) | (v << 32);
}

uint64_t fdb_scan(const struct fdb *fdb, uint64_t cursor, uint32_t max_buckets,
		  void (*fn)(void *ctx, const struct fdb_entry *e), void *ctx)
{
	const UT_hash_table *tbl;
	uint64_t mask;

	if (!fdb->table)
		return 0;
	/* uthash keeps num_buckets a power of two and a bucket's index is hashv & (num_buckets - 1). */
	tbl = fdb->table->hh.tbl;
	mask = tbl->num_buckets - 1;
	for (uint32_t i = 0; i < max_buckets; i++) {
		for (const UT_hash_handle *hh = tbl->buckets[cursor & mask].hh_head; hh; hh = hh->hh_next)
			fn(ctx, (const struct fdb_entry *)((const char *)hh - tbl->hho));
		/*
		 * Add one to the bucket index read from its top bit down. When the
		 * table doubles, bucket b splits into b and b + n, which come right
		 * after each other in this order: whatever was visited stays behind
		 * the cursor.
		 */
		cursor = fdb_bitrev(fdb_bitrev(cursor | ~mask) + 1);
		if (!cursor)
			return 0;
	}
	return cursor;
}

void fdb_set_max(struct fdb *fdb, uint32_t max)
{
	fdb->max = max ? max : 1;
	while (fdb->count > fdb->max) {
		struct fdb_entry *e = fdb_victim(fdb);

		if (!e)
			break; /* only static entries left: they stay */
		fdb_notify(fdb, FDB_EV_EVICTED, e, e->port);
		fdb_remove(fdb, e);
		fdb->st.evicted++;
	}
}

uint32_t fdb_set_port_max(struct fdb *fdb, uint16_t port, uint32_t max)
{
	struct fdb_port_list *l = &fdb->ports[port];
	uint32_t n = 0;

	fdb->port_max[port] = max;
	while (max && l->count > max) {
		struct fdb_entry *e = l->head;

		fdb_notify(fdb, FDB_EV_EVICTED, e, e->port);
		fdb_remove(fdb, e);
		fdb->st.evicted++;
		n++;
	}
	return n;
}

void fdb_set_ageing(struct fdb *fdb, uint32_t ageing_sec)
{
	fdb->ageing_ms = (uint64_t)ageing_sec * 1000;
}
