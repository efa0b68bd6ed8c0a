#include "sw.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwd.h"
#include "log.h"

static uint64_t sw_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t sw_clock_ms(void)
{
	return sw_clock_us() / 1000;
}

/*
 * Waking a sleeping thread costs tens of microseconds here, twice per
 * request/response through the switch. After traffic the loop keeps
 * polling without sleeping for spin_us, so a reply that follows finds the
 * switch awake; an idle switch sleeps.
 */
static void sw_spin_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)revents;
	struct sw *sw = w->data;

	if (sw_clock_us() >= sw->spin_until_us)
		ev_idle_stop(loop, w);
}

static void sw_spin(struct sw *sw)
{
	if (!sw->loop || !sw->spin_us)
		return;
	sw->spin_until_us = sw_clock_us() + sw->spin_us;
	if (!ev_is_active(&sw->spin))
		ev_idle_start(sw->loop, &sw->spin);
}

int sw_init(struct sw *sw, struct ev_loop *loop, const struct sw_config *cfg, uint64_t (*now)(void))
{
	memset(sw, 0, sizeof(*sw));
	/* Touched only as far as frames reach: small frames leave most of it unmapped. */
	sw->rxbuf = malloc((size_t)PORT_BATCH * (PORT_HEADROOM + SWITCHD_FRAME_MAX));
	if (!sw->rxbuf)
		return -ENOMEM;
	sw->varbuf = malloc(sizeof(sw->var) / sizeof(sw->var[0]) * (SWITCHD_FRAME_MAX + FWD_TAG_LEN));
	if (!sw->varbuf) {
		free(sw->rxbuf);
		sw->rxbuf = NULL;
		return -ENOMEM;
	}
	sw->loop = loop;
	sw->now = now ? now : sw_clock_ms;
	sw->start_ms = sw->now();
	sw->spin_us = cfg->spin_us;
	sw->policy.flap_moves = cfg->flap_moves;
	sw->policy.flap_hold_ms = (uint64_t)cfg->flap_hold * 1000;
	memcpy(sw->policy.storm_pps, cfg->storm_pps, sizeof(sw->policy.storm_pps));
	ev_idle_init(&sw->spin, sw_spin_cb);
	sw->spin.data = sw;
	fdb_init(&sw->fdb, cfg->max_macs, cfg->ageing);
	return 0;
}

void sw_event(struct sw *sw, uint32_t kind, const struct port *p, uint64_t count, const char *reason)
{
	struct swp_event ev = { .kind = kind, .count = count };

	if (!sw->event)
		return;
	if (p)
		swp_set_name(ev.port, p->name);
	if (reason)
		snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	sw->event(sw->event_ctx, &ev);
}

static void sw_fdb_notify(void *ctx, enum fdb_event fe, const struct fdb_entry *e, uint16_t old_port)
{
	static const uint32_t kinds[] = {
		[FDB_EV_LEARNED] = SWP_EV_MAC_LEARNED,
		[FDB_EV_MOVED] = SWP_EV_MAC_MOVED,
		[FDB_EV_AGED] = SWP_EV_MAC_AGED,
		[FDB_EV_EVICTED] = SWP_EV_MAC_EVICTED,
	};
	struct sw *sw = ctx;
	struct swp_event ev = { .kind = kinds[fe], .vlan = e->key.vlan };

	memcpy(ev.mac, e->key.mac, 6);
	swp_set_name(ev.port, sw->slots[e->port]->name);
	if (fe == FDB_EV_MOVED && sw->slots[old_port])
		swp_set_name(ev.old_port, sw->slots[old_port]->name);
	sw->event(sw->event_ctx, &ev);
}

void sw_set_event(struct sw *sw, void (*event)(void *ctx, struct swp_event *ev), void *ctx)
{
	sw->event = event;
	sw->event_ctx = ctx;
	sw->fdb.notify = event ? sw_fdb_notify : NULL;
	sw->fdb.notify_ctx = sw;
}

void sw_fini(struct sw *sw)
{
	if (sw->loop)
		ev_idle_stop(sw->loop, &sw->spin);
	while (sw->nports)
		sw_port_remove(sw, sw->active[sw->nports - 1], "switch stopping");
	fdb_fini(&sw->fdb);
	free(sw->rxbuf);
	sw->rxbuf = NULL;
	free(sw->varbuf);
	sw->varbuf = NULL;
}

/*
 * Hands a frame crossing p to each observer that watches p that way. True
 * when one of them may have queued it (sw_observer.queues).
 */
static bool sw_observe(struct sw *sw, struct port *p, const struct frame *f, enum sw_dir dir)
{
	bool queued = false;

	for (uint32_t i = 0; i < sw->nobservers; i++) {
		struct sw_observer *o = sw->observers[i];

		if (o->dirs[p->slot] & dir) {
			o->fn(o->ctx, p, f, dir);
			queued |= o->queues;
		}
	}
	return queued;
}

/* The ports that forward first, the mirror destinations after them: floods walk active[0..nfwd). */
static void sw_partition(struct sw *sw)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < sw->nports; i++) {
		if (!(sw->active[i]->observed & SW_DIR_DST)) {
			struct port *t = sw->active[k];

			sw->active[k++] = sw->active[i];
			sw->active[i] = t;
		}
	}
	sw->nfwd = k;
}

void sw_observer_update(struct sw *sw)
{
	for (uint32_t i = 0; i < sw->nports; i++) {
		struct port *p = sw->active[i];
		uint8_t d = 0;

		for (uint32_t k = 0; k < sw->nobservers; k++)
			d |= sw->observers[k]->dirs[p->slot];
		/* A new mirror destination learns nothing: what it learned before goes (static entries stay). */
		if ((d & SW_DIR_DST) && !(p->observed & SW_DIR_DST)) {
			uint32_t flushed = fdb_flush(&sw->fdb, p->slot);

			if (flushed)
				sw_event(sw, SWP_EV_MAC_FLUSHED, p, flushed, "mirror destination");
		}
		p->observed = d;
	}
	sw_partition(sw);
}

int sw_observer_add(struct sw *sw, struct sw_observer *o)
{
	if (sw->nobservers == SW_OBSERVERS_MAX)
		return -ENOSPC;
	sw->observers[sw->nobservers++] = o;
	sw_observer_update(sw);
	return 0;
}

void sw_observer_del(struct sw *sw, struct sw_observer *o)
{
	for (uint32_t i = 0; i < sw->nobservers; i++) {
		if (sw->observers[i] == o) {
			memmove(sw->observers + i, sw->observers + i + 1,
				(sw->nobservers - i - 1) * sizeof(sw->observers[0]));
			sw->nobservers--;
			break;
		}
	}
	sw_observer_update(sw);
}

/* A removed port leaves every observer that watched it; gone may delete its own observer. */
static void sw_observers_port_gone(struct sw *sw, struct port *p)
{
	struct sw_observer *obs[SW_OBSERVERS_MAX];
	uint32_t n = sw->nobservers;

	memcpy(obs, sw->observers, n * sizeof(obs[0]));
	for (uint32_t i = 0; i < n; i++) {
		struct sw_observer *o = obs[i];

		if (o->dirs[p->slot]) {
			o->dirs[p->slot] = 0;
			if (o->gone)
				o->gone(o->ctx, p);
		}
	}
	p->observed = 0;
}

static void sw_port_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct port *p = w->data;

	sw_port_poll(p->sw, p);
}

int sw_port_attach(struct sw *sw, struct port *p)
{
	int slot;

	for (slot = 0; slot < SWITCHD_PORTS_MAX && sw->slots[slot]; slot++)
		;
	if (slot == SWITCHD_PORTS_MAX)
		return -ENOSPC;
	p->slot = (uint16_t)slot;
	p->sw = sw;
	memset(&p->vcfg, 0, sizeof(p->vcfg));
	fwd_vlan_port_set(&p->vlan, &p->vcfg);
	loop_port_reset(&sw->policy, p->slot);
	p->observed = 0;
	for (uint32_t i = 0; i < sw->nobservers; i++)
		p->observed |= sw->observers[i]->dirs[slot] = sw->observers[i]->new_ports;
	sw->fdb.port_max[slot] = 0;
	sw->slots[slot] = p;
	sw->active[sw->nports++] = p;
	sw_partition(sw);
	if (sw->loop && p->fd >= 0) {
		ev_io_init(&p->io, sw_port_cb, p->fd, EV_READ);
		p->io.data = p;
		ev_io_start(sw->loop, &p->io);
	}
	sw_event(sw, SWP_EV_PORT_ADDED, p, 0, NULL);
	return 0;
}

/* A static entry goes with its port: told as mac_deleted. */
static void sw_static_gone(void *ctx, const struct fdb_entry *e)
{
	struct sw *sw = ctx;
	struct swp_event ev = { .kind = SWP_EV_MAC_DELETED, .vlan = e->key.vlan, .is_static = 1 };

	if (!sw->event)
		return;
	memcpy(ev.mac, e->key.mac, 6);
	swp_set_name(ev.port, sw->slots[e->port]->name);
	snprintf(ev.reason, sizeof(ev.reason), "port removed");
	sw->event(sw->event_ctx, &ev);
}

void sw_port_remove(struct sw *sw, struct port *p, const char *why)
{
	uint32_t flushed;

	if (sw->loop && p->fd >= 0)
		ev_io_stop(sw->loop, &p->io);
	/* Nothing queued may reach a freed port. */
	sw_flush(sw);
	/* No MAC entry may outlive the port it points at, static ones included. */
	flushed = fdb_remove_port(&sw->fdb, p->slot, sw_static_gone, sw);
	for (uint32_t i = 0; i < sw->nports; i++) {
		if (sw->active[i] == p) {
			sw->active[i] = sw->active[--sw->nports];
			break;
		}
	}
	sw_observers_port_gone(sw, p);
	sw_partition(sw);
	sw->slots[p->slot] = NULL;
	if (p->no_flood)
		sw->nnoflood--;
	if (!p->vlan.is_default)
		sw->vlan_ports--;
	log_info("port %s removed: %s (%u MAC entries flushed)", p->name, why, flushed);
	sw_event(sw, SWP_EV_PORT_REMOVED, p, flushed, why);
	port_close(p);
}

struct port *sw_port_by_name(struct sw *sw, const char *name)
{
	for (uint32_t i = 0; i < sw->nports; i++)
		if (!strcmp(sw->active[i]->name, name))
			return sw->active[i];
	return NULL;
}

struct port *sw_port_by_ifindex(struct sw *sw, int ifindex)
{
	for (uint32_t i = 0; i < sw->nports; i++)
		if (sw->active[i]->ifindex == ifindex)
			return sw->active[i];
	return NULL;
}

/* Whether the frame fits the port's MTU. GSO frames are cut to size by the kernel. */
static bool sw_fits(const struct port *p, const struct frame *f)
{
	if (!p->mtu || f->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return true;
	return fwd_l2_payload(f->data, f->len) <= p->mtu;
}

static void sw_send(struct sw *sw);

static void sw_queue(struct sw *sw, struct port *p, const struct frame *f)
{
	if (!p->txn)
		sw->pending[sw->npending++] = p;
	p->txq[p->txn++] = f;
	/* A caller feeding more than a batch between flushes gets it sent now (copies stay). */
	if (p->txn == PORT_BATCH)
		sw_send(sw);
}

void sw_observer_queue(struct sw *sw, struct port *p, const struct frame *f)
{
	if (!sw_fits(p, f)) {
		p->c.tx_drop_mtu++;
		p->c.tx_dropped++;
		return;
	}
	sw_queue(sw, p, f);
}

static void sw_count_tx_error(struct port *p, int err)
{
	p->c.tx_dropped++;
	if (err == -EAGAIN || err == -ENOBUFS)
		p->c.tx_drop_busy++;
	else if (err == -EMSGSIZE)
		p->c.tx_drop_mtu++;
	else if (err == -EPROTONOSUPPORT) /* a GSO kind a port without offloads cannot segment */
		p->c.tx_drop_gso++;
	else
		p->c.tx_drop_error++;
}

static void sw_flush_port(struct sw *sw, struct port *p)
{
	unsigned i = 0;

	/* Observers see a burst as it goes out, each frame in its final form: one test a burst. */
	if (__builtin_expect(p->observed & SW_DIR_OUT, 0))
		for (unsigned k = 0; k < p->txn; k++)
			sw_observe(sw, p, p->txq[k], SW_DIR_OUT);

	while (i < p->txn) {
		int err = 0;
		unsigned sent = p->ops->tx_burst(p, p->txq + i, p->txn - i, &err);

		for (unsigned k = i; k < i + sent; k++) {
			p->c.tx_packets++;
			p->c.tx_bytes += p->txq[k]->len;
		}
		i += sent;
		if (i == p->txn)
			break;
		/* A full socket buffer will not drain this instant: drop the rest. */
		if (err == -EAGAIN || err == -ENOBUFS) {
			while (i < p->txn) {
				sw_count_tx_error(p, err);
				i++;
			}
			break;
		}
		sw_count_tx_error(p, err);
		i++;
	}
	p->txn = 0;
}

static void sw_send(struct sw *sw)
{
	while (sw->npending) {
		struct port *p = sw->pending[--sw->npending];

		sw_flush_port(sw, p);
	}
}

void sw_flush(struct sw *sw)
{
	sw_send(sw);
	sw->nvar = 0;
}

/*
 * A MAC bouncing between ports means frames come back to the switch: a loop.
 * Blocking the port the MAC bounced onto, both ways, breaks it; its entries
 * go, since they were learned from looped frames.
 */
static void sw_block(struct sw *sw, struct port *p, const uint8_t *mac, uint64_t now)
{
	uint32_t flushed;

	loop_block(&sw->policy, p->slot, now);
	flushed = fdb_flush(&sw->fdb, p->slot);
	log_warn("port %s blocked for %u s: MAC %02x:%02x:%02x:%02x:%02x:%02x moves between ports more "
		 "than %u times a second (a loop?)",
		 p->name, (unsigned)(sw->policy.flap_hold_ms / 1000), mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5], sw->policy.flap_moves);
	sw_event(sw, SWP_EV_PORT_BLOCKED, p, sw->policy.flap_hold_ms / 1000, "MAC flapping");
	if (flushed)
		sw_event(sw, SWP_EV_MAC_FLUSHED, p, flushed, "port blocked");
}

/* ---- settings: where each lives in the running switch and in a sw_config ---- */

static uint64_t get_ageing(const struct sw *sw, uint32_t key)
{
	(void)key;
	return sw->fdb.ageing_ms / 1000;
}

/* Entries older than the new time go at the next tick's sweep. */
static void set_ageing(struct sw *sw, uint32_t key, uint64_t v)
{
	(void)key;
	fdb_set_ageing(&sw->fdb, (uint32_t)v);
}

static uint64_t get_max_macs(const struct sw *sw, uint32_t key)
{
	(void)key;
	return sw->fdb.max;
}

/* A smaller table evicts at once. */
static void set_max_macs(struct sw *sw, uint32_t key, uint64_t v)
{
	(void)key;
	fdb_set_max(&sw->fdb, (uint32_t)v);
}

static uint64_t get_flap_moves(const struct sw *sw, uint32_t key)
{
	(void)key;
	return sw->policy.flap_moves;
}

static void set_flap_moves(struct sw *sw, uint32_t key, uint64_t v)
{
	(void)key;
	sw->policy.flap_moves = (uint32_t)v;
}

static uint64_t get_flap_hold(const struct sw *sw, uint32_t key)
{
	(void)key;
	return sw->policy.flap_hold_ms / 1000;
}

/* Ports blocked now keep the hold they were given. */
static void set_flap_hold(struct sw *sw, uint32_t key, uint64_t v)
{
	(void)key;
	sw->policy.flap_hold_ms = v * 1000;
}

static uint64_t get_storm(const struct sw *sw, uint32_t key)
{
	return sw->policy.storm_pps[key - SWP_SET_STORM_BROADCAST];
}

static void set_storm(struct sw *sw, uint32_t key, uint64_t v)
{
	sw->policy.storm_pps[key - SWP_SET_STORM_BROADCAST] = (uint32_t)v;
}

static uint64_t get_spin(const struct sw *sw, uint32_t key)
{
	(void)key;
	return sw->spin_us;
}

/* A spin under way ends at the time it was given. */
static void set_spin(struct sw *sw, uint32_t key, uint64_t v)
{
	(void)key;
	sw->spin_us = (uint32_t)v;
}

/* A row per setting of proto.c's table (name, range, default): a new setting is a row here too. */
static const struct sw_setting_def {
	uint32_t key;
	size_t cfg; /* offset of its uint32_t in struct sw_config */
	uint64_t (*get)(const struct sw *sw, uint32_t key);
	void (*set)(struct sw *sw, uint32_t key, uint64_t v);
} sw_settings[] = {
	{ SWP_SET_AGEING, offsetof(struct sw_config, ageing), get_ageing, set_ageing },
	{ SWP_SET_MAX_MACS, offsetof(struct sw_config, max_macs), get_max_macs, set_max_macs },
	{ SWP_SET_FLAP_MOVES, offsetof(struct sw_config, flap_moves), get_flap_moves, set_flap_moves },
	{ SWP_SET_FLAP_HOLD, offsetof(struct sw_config, flap_hold), get_flap_hold, set_flap_hold },
	{ SWP_SET_STORM_BROADCAST, offsetof(struct sw_config, storm_pps[FWD_FLOOD_BROADCAST]), get_storm,
	  set_storm },
	{ SWP_SET_STORM_MULTICAST, offsetof(struct sw_config, storm_pps[FWD_FLOOD_MULTICAST]), get_storm,
	  set_storm },
	{ SWP_SET_STORM_UNKNOWN, offsetof(struct sw_config, storm_pps[FWD_FLOOD_UNKNOWN]), get_storm, set_storm },
	{ SWP_SET_SPIN_US, offsetof(struct sw_config, spin_us), get_spin, set_spin },
};

static const struct sw_setting_def *sw_setting_def(uint32_t key)
{
	for (size_t i = 0; i < sizeof(sw_settings) / sizeof(sw_settings[0]); i++)
		if (sw_settings[i].key == key)
			return &sw_settings[i];
	return NULL;
}

uint64_t sw_setting(const struct sw *sw, uint32_t key)
{
	const struct sw_setting_def *d = sw_setting_def(key);

	return d ? d->get(sw, key) : 0;
}

uint32_t sw_set(struct sw *sw, uint32_t key, uint64_t value)
{
	const struct sw_setting_def *d = sw_setting_def(key);
	uint64_t evicted = sw->fdb.st.evicted;

	if (d)
		d->set(sw, key, value);
	return (uint32_t)(sw->fdb.st.evicted - evicted);
}

uint64_t sw_config_setting(const struct sw_config *cfg, uint32_t key)
{
	const struct sw_setting_def *d = sw_setting_def(key);
	uint32_t v = 0;

	if (d)
		memcpy(&v, (const char *)cfg + d->cfg, sizeof(v));
	return v;
}

void sw_config_set(struct sw_config *cfg, uint32_t key, uint64_t value)
{
	const struct sw_setting_def *d = sw_setting_def(key);
	uint32_t v = (uint32_t)value;

	if (d)
		memcpy((char *)cfg + d->cfg, &v, sizeof(v));
}

/* ---- port settings ---- */

static enum fwd_flood sw_port_storm_kind(uint32_t key)
{
	return key == SWP_PSET_STORM_BROADCAST	 ? FWD_FLOOD_BROADCAST
	       : key == SWP_PSET_STORM_MULTICAST ? FWD_FLOOD_MULTICAST
						 : FWD_FLOOD_UNKNOWN;
}

uint64_t sw_port_setting(const struct sw *sw, const struct port *p, uint32_t key)
{
	switch (key) {
	case SWP_PSET_LEARNING:
		return !p->no_learning;
	case SWP_PSET_FLOOD:
		return !p->no_flood;
	case SWP_PSET_ISOLATED:
		return p->isolated;
	case SWP_PSET_MAX_MACS:
		return sw->fdb.port_max[p->slot];
	case SWP_PSET_STORM_BROADCAST:
	case SWP_PSET_STORM_MULTICAST:
	case SWP_PSET_STORM_UNKNOWN:
		return sw->policy.storm[p->slot].pps[sw_port_storm_kind(key)];
	default:
		return 0;
	}
}

int sw_port_set(struct sw *sw, struct port *p, uint32_t key, uint64_t value)
{
	const struct swp_port_setting *s = swp_port_setting_by_key(key);
	struct swp_event ev = { .kind = SWP_EV_PORT_CHANGED };
	uint32_t evicted = 0;

	if (!s || sw_port_setting(sw, p, key) == value)
		return 0;
	switch (key) {
	case SWP_PSET_LEARNING:
		p->no_learning = !value;
		break;
	case SWP_PSET_FLOOD:
		p->no_flood = !value;
		sw->nnoflood += p->no_flood ? 1 : (uint32_t)-1;
		break;
	case SWP_PSET_ISOLATED:
		p->isolated = value;
		break;
	case SWP_PSET_MAX_MACS:
		evicted = fdb_set_port_max(&sw->fdb, p->slot, (uint32_t)value);
		break;
	case SWP_PSET_STORM_BROADCAST:
	case SWP_PSET_STORM_MULTICAST:
	case SWP_PSET_STORM_UNKNOWN:
		sw->policy.storm[p->slot].pps[sw_port_storm_kind(key)] = (uint32_t)value;
		break;
	}
	swp_port_setting_format(s, value, ev.value, sizeof(ev.value));
	if (evicted)
		log_info("port %s: %s %s (%u MAC entries evicted)", p->name, s->name, ev.value, evicted);
	else
		log_info("port %s: %s %s", p->name, s->name, ev.value);
	if (sw->event) {
		swp_set_name(ev.port, p->name);
		snprintf(ev.setting, sizeof(ev.setting), "%s", s->name);
		sw->event(sw->event_ctx, &ev);
	}
	return 1;
}

int sw_port_set_vlan(struct sw *sw, struct port *p, const struct swp_vlan *v)
{
	struct swp_event ev = { .kind = SWP_EV_PORT_CHANGED };
	bool was_default = p->vlan.is_default;
	uint32_t flushed;

	if (!memcmp(&p->vcfg, v, sizeof(*v)))
		return 0;
	p->vcfg = *v;
	fwd_vlan_port_set(&p->vlan, v);
	if (was_default && !p->vlan.is_default)
		sw->vlan_ports++;
	else if (!was_default && p->vlan.is_default)
		sw->vlan_ports--;
	/* What the port learned was learned in the VLANs of its old mode. */
	flushed = fdb_flush(&sw->fdb, p->slot);
	swp_vlan_format(v, ev.value, sizeof(ev.value));
	log_info("port %s: vlan %s (%u MAC entries flushed)", p->name, ev.value, flushed);
	if (sw->event) {
		swp_set_name(ev.port, p->name);
		snprintf(ev.setting, sizeof(ev.setting), "vlan");
		sw->event(sw->event_ctx, &ev);
	}
	if (flushed)
		sw_event(sw, SWP_EV_MAC_FLUSHED, p, flushed, "VLAN mode changed");
	return 1;
}

/* A mac_added or mac_deleted event. */
static void sw_mac_event(struct sw *sw, uint32_t kind, const uint8_t *mac, uint16_t vlan, const struct port *p,
			 bool is_static)
{
	struct swp_event ev = { .kind = kind, .vlan = vlan, .is_static = is_static };

	if (!sw->event)
		return;
	memcpy(ev.mac, mac, 6);
	swp_set_name(ev.port, p->name);
	snprintf(ev.reason, sizeof(ev.reason), "by request");
	sw->event(sw->event_ctx, &ev);
}

int sw_mac_add(struct sw *sw, const uint8_t *mac, uint16_t vlan, struct port *p)
{
	int rc = fdb_static_add(&sw->fdb, mac, vlan, p->slot);

	if (!rc)
		sw_mac_event(sw, SWP_EV_MAC_ADDED, mac, vlan, p, true);
	return rc;
}

int sw_mac_del(struct sw *sw, const uint8_t *mac, uint16_t vlan)
{
	const struct fdb_entry *e = fdb_find(&sw->fdb, mac, vlan);
	const struct port *p;
	bool is_static;

	if (!e)
		return -ENOENT;
	p = sw->slots[e->port];
	is_static = e->is_static;
	fdb_del(&sw->fdb, mac, vlan);
	sw_mac_event(sw, SWP_EV_MAC_DELETED, mac, vlan, p, is_static);
	return 0;
}

void sw_tick(struct sw *sw)
{
	uint64_t now = sw->now();

	fdb_age(&sw->fdb, now);
	for (uint32_t i = 0; i < sw->nports; i++) {
		struct port *p = sw->active[i];

		if (p->ops->collect)
			p->ops->collect(p);
		if (sw->policy.blocked_until_ms[p->slot] && !sw_port_blocked(p, now)) {
			sw->policy.blocked_until_ms[p->slot] = 0;
			log_info("port %s forwarding again", p->name);
			sw_event(sw, SWP_EV_PORT_UNBLOCKED, p, 0, NULL);
		}
	}
}

static void sw_count_drop(struct port *in, enum fwd_reason why)
{
	in->c.rx_dropped++;
	switch (why) {
	case FWD_RUNT:
		in->c.rx_drop_runt++;
		break;
	case FWD_BAD_SRC:
		in->c.rx_drop_bad_src++;
		break;
	case FWD_LINK_LOCAL:
		in->c.rx_drop_link_local++;
		break;
	case FWD_BLOCKED:
		in->c.rx_drop_blocked++;
		break;
	case FWD_STORM:
		in->c.rx_drop_storm++;
		break;
	case FWD_MAC_LIMIT:
		in->c.rx_drop_mac_limit++;
		break;
	case FWD_STATIC:
		in->c.rx_drop_static++;
		break;
	case FWD_ISOLATED:
		in->c.rx_drop_isolated++;
		break;
	case FWD_VLAN:
		in->c.rx_drop_vlan++;
		break;
	case FWD_MIRROR:
		in->c.rx_drop_mirror++;
		break;
	case FWD_OK:
	case FWD_FILTERED:
		in->c.rx_drop_filtered++;
		break;
	}
}

/*
 * Learning: the source lives on the ingress port. FWD_OK, or why the frame
 * goes no further: its move reveals a loop, a static entry pins the source
 * elsewhere, or the port is at its max-macs. On a port with learning off
 * only static entries are checked.
 */
static enum fwd_reason sw_learn(struct sw *sw, struct port *in, const uint8_t *src, uint16_t vlan,
				uint64_t now)
{
	int rc;

	if (in->no_learning) {
		const struct fdb_entry *e = fdb_find(&sw->fdb, src, vlan);

		return e && e->is_static && e->port != in->slot ? FWD_STATIC : FWD_OK;
	}
	rc = fdb_learn(&sw->fdb, src, vlan, in->slot, now);
	if (rc == -EPERM)
		return FWD_STATIC;
	if (rc == -EDQUOT)
		return FWD_MAC_LIMIT;
	if (rc != FDB_MOVED || !loop_mac_flaps(&sw->policy, fdb_find(&sw->fdb, src, vlan), now))
		return FWD_OK;
	sw_block(sw, in, src, now);
	return FWD_BLOCKED;
}

/* One received frame on its way out: its VLAN and the copies made of it for ports that want another form. */
struct sw_frame {
	const struct frame *f;
	struct fwd_vlan c;
	const struct frame *form[2]; /* [0] tagged, [1] untagged; NULL: not made (yet) */
	int base;		     /* its two places in sw->var; -1: none taken yet */
};

#define SW_VARIANTS (sizeof(((struct sw *)0)->var) / sizeof(((struct sw *)0)->var[0]))

/* Where the frame's form (untag or not) goes: its place in sw->var, kept until sw_flush(). */
static struct frame *sw_var(struct sw *sw, struct sw_frame *x, bool untag)
{
	struct frame *v;

	if (x->base < 0) {
		/* When they run out, send what is queued. */
		if (sw->nvar + 2 > SW_VARIANTS)
			sw_flush(sw);
		x->base = (int)sw->nvar;
		sw->nvar += 2;
	}
	v = &sw->var[x->base + untag];
	v->data = sw->varbuf + (size_t)(x->base + untag) * (SWITCHD_FRAME_MAX + FWD_TAG_LEN);
	v->vh = x->f->vh;
	x->form[untag] = v;
	return v;
}

/* The frame's head in its new form at d: the MAC addresses, then the tag unless untag. */
static void sw_put_head(const struct sw_frame *x, uint8_t *d, const uint8_t *macs, bool untag)
{
	uint8_t m[12];

	/* d and macs overlap when the tag moves in place: through registers, not a memmove call. */
	memcpy(m, macs, sizeof(m));
	memcpy(d, m, sizeof(m));
	if (!untag) {
		d[12] = (uint8_t)(x->c.tpid >> 8);
		d[13] = (uint8_t)x->c.tpid;
		d[14] = (uint8_t)(x->c.tci >> 8);
		d[15] = (uint8_t)x->c.tci;
	}
}

/* The virtio_net_hdr's offsets move with the tag. */
static void sw_move_offsets(struct frame *v, int delta)
{
	if (v->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		v->vh.csum_start = (uint16_t)(v->vh.csum_start + delta);
	if (v->vh.hdr_len)
		v->vh.hdr_len = (uint16_t)(v->vh.hdr_len + delta);
}

/*
 * The frame untagged (its VLAN's tag popped) or tagged (a tag pushed, or the
 * priority tag given the VID). For a frame that leaves by one port only
 * (alone) and is the switch's to write, in place when there is room; else a
 * copy, made once for every port that wants it.
 */
__attribute__((noinline)) static const struct frame *sw_retag(struct sw *sw, struct sw_frame *x, bool untag,
							       bool alone)
{
	const struct frame *f = x->f;
	int delta = (untag ? 0 : FWD_TAG_LEN) - x->c.tag_len;
	size_t rest = f->len - 12 - x->c.tag_len;
	struct frame *v = sw_var(sw, x, untag);

	if (alone && f->writable && delta <= (int)f->room) {
		v->data = f->data - delta;
		sw_put_head(x, v->data, f->data, untag);
	} else {
		sw_put_head(x, v->data, f->data, untag);
		memcpy(v->data + 12 + (untag ? 0 : FWD_TAG_LEN), f->data + 12 + x->c.tag_len, rest);
	}
	v->len = (size_t)((int)f->len + delta);
	sw_move_offsets(v, delta);
	return v;
}

/* The egress port's tag action, decided (sw_tag_action carries it out; switchctl trace reports it). */
enum sw_tag {
	SW_TAG_NONE, /* out does not carry the frame's VLAN */
	SW_TAG_KEEP, /* as it came */
	SW_TAG_POP,  /* its VLAN untagged */
	SW_TAG_PUSH, /* tagged: a tag pushed, or a priority tag given the VID */
};

static inline enum sw_tag sw_tag_decide(const struct fwd_vlan *c, const struct port *out)
{
	bool untag;

	if (!fwd_vlan_carries(&out->vlan, c->vlan))
		return SW_TAG_NONE;
	untag = c->vlan == out->vlan.untagged;
	if (untag ? !c->tag_len : c->tag_as_came)
		return SW_TAG_KEEP;
	return untag ? SW_TAG_POP : SW_TAG_PUSH;
}

/*
 * Egress filtering by VLAN and the port's tag action: the form the frame
 * leaves out in (its VLAN untagged or tagged), NULL when out does not carry
 * its VLAN.
 */
static const struct frame *sw_tag_action(struct sw *sw, struct sw_frame *x, const struct port *out, bool alone)
{
	enum sw_tag t = sw_tag_decide(&x->c, out);
	bool untag = t == SW_TAG_POP;

	if (t == SW_TAG_NONE)
		return NULL;
	if (t == SW_TAG_KEEP)
		return x->f;
	return x->form[untag] ? x->form[untag] : sw_retag(sw, x, untag, alone);
}

/* Egress filtering, queueing: for one port a frame goes out of, in the form the tag action chose. */
static void sw_output(struct sw *sw, struct port *out, const struct frame *f, uint64_t now)
{
	if (loop_blocked(&sw->policy, out->slot, now))
		return;
	if (!sw_fits(out, f)) {
		out->c.tx_drop_mtu++;
		out->c.tx_dropped++;
		return;
	}
	sw_queue(sw, out, f);
}

/* Egress filtering of a flood: not back in, isolation, flood off for unknown unicast. */
static inline bool sw_floods_to(const struct port *in, const struct port *out, enum fwd_flood flood)
{
	return out != in && !(in->isolated && out->isolated) && !(out->no_flood && flood == FWD_FLOOD_UNKNOWN);
}

/* A flood while some port has a VLAN mode: to the ports that carry its VLAN, each in its form. */
static void sw_flood_vlan(struct sw *sw, struct port *in, struct sw_frame *x, enum fwd_flood flood, uint64_t now)
{
	for (uint32_t i = 0; i < sw->nfwd; i++) {
		struct port *out = sw->active[i];
		const struct frame *g;

		if (sw_floods_to(in, out, flood) && (g = sw_tag_action(sw, x, out, false)))
			sw_output(sw, out, g, now);
	}
}

/*
 * A frame received by a port someone watches, to its observers. True when the
 * port is a mirror's destination: the frame goes no further.
 */
static bool sw_observe_in(struct sw *sw, struct port *in, const struct frame *f)
{
	/* A mirror queued it as it came: not to be retagged in place (a writable frame is sw_port_poll's own). */
	if ((in->observed & SW_DIR_IN) && sw_observe(sw, in, f, SW_DIR_IN) && f->writable)
		((struct frame *)f)->writable = false;
	return in->observed & SW_DIR_DST;
}

void sw_input(struct sw *sw, struct port *in, const struct frame *f, uint64_t now)
{
	enum fwd_reason why = FWD_BLOCKED;
	bool tags = sw->vlan_ports; /* false: every port is default, every frame leaves as it came */
	const struct frame *g = f;
	struct sw_frame x;
	struct fwd_result r;

	in->c.rx_packets++;
	in->c.rx_bytes += f->len;
	if (__builtin_expect(in->observed & (SW_DIR_IN | SW_DIR_DST), 0) && sw_observe_in(sw, in, f)) {
		why = FWD_MIRROR;
		goto drop;
	}
	/* Ingress checks. */
	if (loop_blocked(&sw->policy, in->slot, now) || (why = fwd_check(f->data, f->len)) != FWD_OK)
		goto drop;
	/* VLAN classification. */
	if (!tags) {
		x.c.vlan = fwd_frame_vlan(f->data, f->len);
	} else {
		x = (struct sw_frame){ .f = f, .base = -1 };
		if ((why = fwd_vlan_classify(&in->vlan, f->data, f->len, &x.c)) != FWD_OK)
			goto drop;
	}
	/* Learning; a MAC that flaps blocks the port. */
	if ((why = sw_learn(sw, in, f->data + 6, x.c.vlan, now)) != FWD_OK)
		goto drop;
	/* Lookup; floods within the port's storm limit. */
	fwd_lookup(&sw->fdb, f->data, x.c.vlan, in->slot, &r);
	switch (r.action) {
	case FWD_UNICAST: {
		struct port *out = sw->slots[r.port];

		if (in->isolated && out->isolated) {
			why = FWD_ISOLATED;
			goto drop;
		}
		/* A static entry on a port without the VLAN, or one learned before the port's mode changed. */
		if (tags && !(g = sw_tag_action(sw, &x, out, true))) {
			why = FWD_VLAN;
			goto drop;
		}
		sw_output(sw, out, g, now);
		return;
	}
	case FWD_FLOOD:
		if (!loop_storm_allows(&sw->policy, in->slot, r.flood, now)) {
			why = FWD_STORM;
			goto drop;
		}
		if (tags) {
			sw_flood_vlan(sw, in, &x, r.flood, now);
			return;
		}
		/* Egress filtering only from an isolated port, or of unknown unicast while a port has flood off. */
		if (in->isolated || (sw->nnoflood && r.flood == FWD_FLOOD_UNKNOWN)) {
			for (uint32_t i = 0; i < sw->nfwd; i++)
				if (sw_floods_to(in, sw->active[i], r.flood))
					sw_output(sw, sw->active[i], f, now);
			return;
		}
		for (uint32_t i = 0; i < sw->nfwd; i++)
			if (sw->active[i] != in)
				sw_output(sw, sw->active[i], f, now);
		return;
	case FWD_DROP:
		why = r.reason;
		break;
	}
drop:
	sw_count_drop(in, why);
}

/* ---- switchctl trace: the same stages, asked instead of done ---- */

struct sw_tracer {
	void (*step)(void *ctx, const struct swp_trace_step *s);
	void *ctx;
};

static void sw_say(const struct sw_tracer *t, uint32_t stage, const char *result, const struct port *p,
		   uint16_t vlan, bool drop, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void sw_say(const struct sw_tracer *t, uint32_t stage, const char *result, const struct port *p,
		   uint16_t vlan, bool drop, const char *fmt, ...)
{
	struct swp_trace_step s = { .stage = stage, .vlan = vlan, .drop = drop };
	va_list ap;

	snprintf(s.result, sizeof(s.result), "%s", result);
	if (p)
		swp_set_name(s.port, p->name);
	va_start(ap, fmt);
	vsnprintf(s.detail, sizeof(s.detail), fmt, ap);
	va_end(ap);
	t->step(t->ctx, &s);
}

static const char *sw_mac_str(const uint8_t *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* The drop reasons as their counters name them. */
static const char *sw_reason_counter(enum fwd_reason why)
{
	static const char *const names[] = {
		[FWD_RUNT] = "rx_drop_runt",	       [FWD_BAD_SRC] = "rx_drop_bad_src",
		[FWD_FILTERED] = "rx_drop_filtered",   [FWD_LINK_LOCAL] = "rx_drop_link_local",
		[FWD_BLOCKED] = "rx_drop_blocked",     [FWD_STORM] = "rx_drop_storm",
		[FWD_MAC_LIMIT] = "rx_drop_mac_limit", [FWD_STATIC] = "rx_drop_static",
		[FWD_ISOLATED] = "rx_drop_isolated",   [FWD_VLAN] = "rx_drop_vlan",
		[FWD_MIRROR] = "rx_drop_mirror",
	};

	return why < sizeof(names) / sizeof(names[0]) && names[why] ? names[why] : "rx_dropped";
}

static void sw_trace_drop(const struct sw_tracer *t, const struct port *in, enum fwd_reason why)
{
	sw_say(t, SWP_TRACE_VERDICT, "dropped", in, 0, true, "dropped, counted on %s as %s", in->name,
	       sw_reason_counter(why));
}

/*
 * One egress port of the frame: its tag action (the form it leaves in) and
 * the output checks (blocked, MTU), as sw_tag_action and sw_output decide
 * them. True when the frame would be queued there.
 */
static bool sw_trace_out(const struct sw_tracer *t, struct sw *sw, const struct sw_frame *x, bool tags,
			 const struct port *out, uint64_t now)
{
	enum sw_tag tag = tags ? sw_tag_decide(&x->c, out) : SW_TAG_KEEP;
	uint8_t buf[64 + FWD_TAG_LEN];
	struct frame g = *x->f;
	int delta = 0;

	if (tag == SW_TAG_NONE) {
		sw_say(t, SWP_TRACE_EGRESS, "vlan", out, x->c.vlan, true, "%s: does not carry VLAN %u", out->name,
		       x->c.vlan);
		return false;
	}
	/* The form it leaves in, for the MTU check: a trace's frame is at most 64 bytes. */
	if (tag != SW_TAG_KEEP) {
		bool untag = tag == SW_TAG_POP;

		delta = (untag ? 0 : FWD_TAG_LEN) - x->c.tag_len;
		sw_put_head(x, buf, x->f->data, untag);
		memcpy(buf + 12 + (untag ? 0 : FWD_TAG_LEN), x->f->data + 12 + x->c.tag_len,
		       x->f->len - 12 - x->c.tag_len);
		g.data = buf;
		g.len = (size_t)((int)x->f->len + delta);
	}
	if (loop_blocked(&sw->policy, out->slot, now)) {
		sw_say(t, SWP_TRACE_EGRESS, "blocked", out, 0, true, "%s: blocked (a loop) for %llu ms more",
		       out->name, (unsigned long long)loop_blocked_ms(&sw->policy, out->slot, now));
		return false;
	}
	if (!sw_fits(out, &g)) {
		sw_say(t, SWP_TRACE_EGRESS, "mtu", out, 0, true, "%s: larger than its MTU %u (tx_drop_mtu)", out->name,
		       out->mtu);
		return false;
	}
	switch (tag) {
	case SW_TAG_POP:
		sw_say(t, SWP_TRACE_EGRESS, "pop", out, x->c.vlan, false, "%s: VLAN %u untagged (tag popped)",
		       out->name, x->c.vlan);
		break;
	case SW_TAG_PUSH:
		sw_say(t, SWP_TRACE_EGRESS, "push", out, x->c.tci & FWD_VID_MASK, false, "%s: %s VID %u (TPID 0x%04x)",
		       out->name, x->c.tag_len ? "its priority tag given" : "a tag pushed,", x->c.tci & FWD_VID_MASK,
		       x->c.tpid);
		break;
	default:
		sw_say(t, SWP_TRACE_EGRESS, "keep", out, x->c.vlan, false, "%s: as it came", out->name);
		break;
	}
	return true;
}

void sw_trace(struct sw *sw, struct port *in, const struct frame *f, bool learn, uint64_t now,
	      void (*step)(void *ctx, const struct swp_trace_step *s), void *ctx)
{
	const struct sw_tracer t = { step, ctx };
	static const char *const floods[] = {
		[FWD_FLOOD_BROADCAST] = "broadcast",
		[FWD_FLOOD_MULTICAST] = "multicast",
		[FWD_FLOOD_UNKNOWN] = "unknown unicast",
	};
	bool tags = sw->vlan_ports;
	struct sw_frame x = { .f = f, .base = -1 };
	enum fwd_reason why;
	struct fwd_result r;
	char mac[18];
	uint32_t n = 0;

	/* Ingress checks, in sw_input's order. */
	if (in->observed & SW_DIR_DST) {
		sw_say(&t, SWP_TRACE_INGRESS, "mirror_destination", in, 0, true,
		       "%s is a mirror's destination: what it sends goes no further", in->name);
		sw_trace_drop(&t, in, FWD_MIRROR);
		return;
	}
	if (loop_blocked(&sw->policy, in->slot, now)) {
		sw_say(&t, SWP_TRACE_INGRESS, "blocked", in, 0, true, "%s is blocked (a loop) for %llu ms more",
		       in->name, (unsigned long long)loop_blocked_ms(&sw->policy, in->slot, now));
		sw_trace_drop(&t, in, FWD_BLOCKED);
		return;
	}
	if ((why = fwd_check(f->data, f->len)) != FWD_OK) {
		sw_say(&t, SWP_TRACE_INGRESS,
		       why == FWD_RUNT ? "runt" : why == FWD_BAD_SRC ? "bad_src" : "link_local", in, 0, true, "%s",
		       why == FWD_RUNT	  ? "shorter than an Ethernet header"
		       : why == FWD_BAD_SRC ? "a group or all-zero source MAC"
					    : "to 01:80:c2:00:00:0x: for the link only, never forwarded");
		sw_trace_drop(&t, in, why);
		return;
	}
	sw_say(&t, SWP_TRACE_INGRESS, "ok", in, 0, false, "received by %s: not blocked, a unicast source, not link-local",
	       in->name);
	/* VLAN classification. */
	if (!tags) {
		x.c.vlan = fwd_frame_vlan(f->data, f->len);
		sw_say(&t, SWP_TRACE_VLAN, "ok", in, x.c.vlan, false,
		       "VLAN %u (every port in the default mode: frames leave as they came)", x.c.vlan);
	} else if ((why = fwd_vlan_classify(&in->vlan, f->data, f->len, &x.c)) != FWD_OK) {
		sw_say(&t, SWP_TRACE_VLAN, "vlan", in, fwd_frame_vlan(f->data, f->len), true,
		       "%s does not take it (VLAN %u; its mode: %s)", in->name, fwd_frame_vlan(f->data, f->len),
		       swp_vlan_mode_name(in->vcfg.mode) ? swp_vlan_mode_name(in->vcfg.mode) : "?");
		sw_trace_drop(&t, in, why);
		return;
	} else {
		sw_say(&t, SWP_TRACE_VLAN, "ok", in, x.c.vlan, false, "VLAN %u", x.c.vlan);
	}
	/* Learning, as sw_learn would. */
	sw_mac_str(f->data + 6, mac);
	if (!learn) {
		sw_say(&t, SWP_TRACE_LEARN, "skipped", NULL, x.c.vlan, false, "no source given: nothing to learn");
	} else if (in->no_learning) {
		const struct fdb_entry *e = fdb_find(&sw->fdb, f->data + 6, x.c.vlan);

		if (e && e->is_static && e->port != in->slot) {
			sw_say(&t, SWP_TRACE_LEARN, "static", sw->slots[e->port], x.c.vlan, true,
			       "%s is pinned to %s by a static entry", mac, sw->slots[e->port]->name);
			sw_trace_drop(&t, in, FWD_STATIC);
			return;
		}
		sw_say(&t, SWP_TRACE_LEARN, "off", in, x.c.vlan, false, "learning off on %s: %s not learned", in->name,
		       mac);
	} else {
		uint16_t old = 0;

		switch (fdb_learn_would(&sw->fdb, f->data + 6, x.c.vlan, in->slot, &old)) {
		case FDB_REFRESHED:
			sw_say(&t, SWP_TRACE_LEARN, "refresh", in, x.c.vlan, false, "%s vlan %u is known on %s", mac,
			       x.c.vlan, in->name);
			break;
		case FDB_LEARNED:
			sw_say(&t, SWP_TRACE_LEARN, "new", in, x.c.vlan, false, "%s vlan %u would be learned on %s%s", mac,
			       x.c.vlan, in->name,
			       sw->fdb.count >= sw->fdb.max ? " (the table is full: the least recently seen entry goes)"
							    : "");
			break;
		case FDB_MOVED:
			sw_say(&t, SWP_TRACE_LEARN, "move", sw->slots[old], x.c.vlan, false,
			       "%s vlan %u would move from %s to %s (more than flap-moves a second block %s)", mac,
			       x.c.vlan, sw->slots[old]->name, in->name, in->name);
			break;
		case -EPERM:
			sw_say(&t, SWP_TRACE_LEARN, "static", sw->slots[old], x.c.vlan, true,
			       "%s is pinned to %s by a static entry", mac, sw->slots[old]->name);
			sw_trace_drop(&t, in, FWD_STATIC);
			return;
		default: /* -EDQUOT */
			sw_say(&t, SWP_TRACE_LEARN, "mac_limit", in, x.c.vlan, true,
			       "a new source over %s's max-macs %u", in->name, sw->fdb.port_max[in->slot]);
			sw_trace_drop(&t, in, FWD_MAC_LIMIT);
			return;
		}
	}
	/* Lookup. */
	sw_mac_str(f->data, mac);
	fwd_lookup(&sw->fdb, f->data, x.c.vlan, in->slot, &r);
	if (r.action == FWD_DROP) {
		sw_say(&t, SWP_TRACE_LOOKUP, "filtered", in, x.c.vlan, true, "%s vlan %u lives on %s, the ingress port",
		       mac, x.c.vlan, in->name);
		sw_trace_drop(&t, in, r.reason);
		return;
	}
	if (r.action == FWD_UNICAST) {
		struct port *out = sw->slots[r.port];
		const struct fdb_entry *e = fdb_find(&sw->fdb, f->data, x.c.vlan);

		sw_say(&t, SWP_TRACE_LOOKUP, "unicast", out, x.c.vlan, false, "%s vlan %u: %s entry on %s", mac,
		       x.c.vlan, e && e->is_static ? "a static" : "a learned", out->name);
		if (in->isolated && out->isolated) {
			sw_say(&t, SWP_TRACE_EGRESS, "isolated", out, 0, true, "%s: isolated, as %s is", out->name,
			       in->name);
			sw_trace_drop(&t, in, FWD_ISOLATED);
			return;
		}
		if (tags && sw_tag_decide(&x.c, out) == SW_TAG_NONE) {
			sw_say(&t, SWP_TRACE_EGRESS, "vlan", out, x.c.vlan, true, "%s: does not carry VLAN %u", out->name,
			       x.c.vlan);
			sw_trace_drop(&t, in, FWD_VLAN);
			return;
		}
		n = sw_trace_out(&t, sw, &x, tags, out, now);
	} else {
		sw_say(&t, SWP_TRACE_LOOKUP, "flood", NULL, x.c.vlan, false, "%s vlan %u: %s%s", mac, x.c.vlan,
		       floods[r.flood], r.flood == FWD_FLOOD_UNKNOWN ? " (no entry): flooded" : ": flooded");
		if (!loop_storm_would(&sw->policy, in->slot, r.flood, now)) {
			sw_say(&t, SWP_TRACE_LOOKUP, "storm", in, x.c.vlan, true,
			       "over %s's storm limit for %s floods", in->name, floods[r.flood]);
			sw_trace_drop(&t, in, FWD_STORM);
			return;
		}
		/* Every port, as the flood loops walk them (mirror destinations after the others). */
		for (uint32_t i = 0; i < sw->nports; i++) {
			struct port *out = sw->active[i];

			if (out == in)
				continue;
			if (i >= sw->nfwd)
				sw_say(&t, SWP_TRACE_EGRESS, "mirror_destination", out, 0, true,
				       "%s: a mirror's destination gets no regular traffic", out->name);
			else if (!sw_floods_to(in, out, r.flood))
				sw_say(&t, SWP_TRACE_EGRESS, in->isolated && out->isolated ? "isolated" : "flood_off", out,
				       0, true, "%s: %s", out->name,
				       in->isolated && out->isolated ? "isolated, as the ingress port is"
								     : "flood off: no unknown unicast");
			else
				n += sw_trace_out(&t, sw, &x, tags, out, now);
		}
	}
	sw_say(&t, SWP_TRACE_VERDICT, "forwarded", NULL, 0, !n, "forwarded to %u port%s", n, n == 1 ? "" : "s");
}

void sw_port_poll(struct sw *sw, struct port *p)
{
	struct frame f[PORT_BATCH];
	uint64_t now = sw->now();
	unsigned done = 0;

	while (done < SWITCHD_RX_BUDGET) {
		unsigned want = SWITCHD_RX_BUDGET - done < PORT_BATCH ? SWITCHD_RX_BUDGET - done : PORT_BATCH;
		int n;

		for (unsigned i = 0; i < want; i++) {
			f[i].data = sw->rxbuf + (size_t)i * (PORT_HEADROOM + SWITCHD_FRAME_MAX) + PORT_HEADROOM;
			f[i].len = 0;
		}
		n = p->ops->rx_burst(p, f, want);
		if (n == -ENODEV || (n < 0 && !p->ops->alive(p))) {
			sw_port_remove(sw, p, "interface vanished");
			return;
		}
		if (n < 0) {
			p->c.rx_dropped++;
			p->c.rx_drop_error++;
			done++;
			continue;
		}
		for (int i = 0; i < n; i++) {
			/* Ours to write; room before data within its rxbuf slot (none in a receive ring). */
			uintptr_t d = (uintptr_t)f[i].data, b = (uintptr_t)sw->rxbuf;
			const size_t slot = PORT_HEADROOM + SWITCHD_FRAME_MAX;

			f[i].writable = true;
			f[i].room = d >= b && d - b < PORT_BATCH * slot ? (uint8_t)((d - b) % slot) : 0;
			sw_input(sw, p, &f[i], now);
		}
		sw_flush(sw);
		if (p->ops->rx_release)
			p->ops->rx_release(p);
		done += (unsigned)n;
		if ((unsigned)n < want)
			break;
	}
	if (done)
		sw_spin(sw);
}
