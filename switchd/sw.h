/*
 * The switch: its ports, its MAC table and the path every frame takes from
 * one port to others (sw_input). Linked by the daemon, the tests and bench/.
 */
#ifndef SWITCHD_SW_H
#define SWITCHD_SW_H

#include <stdint.h>

#include <ev.h>

#include "fdb.h"
#include "loop.h"
#include "port.h"

/* Which way a frame crosses a port, for observers. */
enum sw_dir {
	SW_DIR_IN = 1,	/* received by the port, before any check (as tcpdump on it sees) */
	SW_DIR_OUT = 2, /* sent by the port (at sw_flush, before the send), in the form it leaves in */
	/*
	 * Not a direction: the port is a mirror's destination. It gets only what
	 * observers queue to it (sw_observer_queue): it is no flood's or unicast's
	 * egress, and what it receives is dropped before learning (rx_drop_mirror).
	 */
	SW_DIR_DST = 4,
};

/*
 * Something that watches frames crossing ports: a capture, a mirror. It says
 * which ports and directions it wants (dirs[slot], SW_DIR_* bits); fn is
 * called with each such frame, synchronously, from the frame path: it must
 * not block, and what it keeps of the frame it copies (a frame read by
 * sw_port_poll may be rewritten in place after fn returns), unless it sets
 * queues: it then may queue the frame itself to a port (sw_observer_queue),
 * and the frame path leaves such a frame as it is until sw_flush. gone,
 * optional, is called when a port it watches (any bit of dirs, SW_DIR_DST
 * too) is removed, after its dirs[slot] is cleared; it may sw_observer_del
 * its own observer.
 */
struct sw_observer {
	uint8_t dirs[SWITCHD_PORTS_MAX];
	uint8_t new_ports; /* dirs a port attached later gets (capture of all) */
	bool queues;
	void (*fn)(void *ctx, struct port *p, const struct frame *f, enum sw_dir dir);
	void (*gone)(void *ctx, struct port *p);
	void *ctx;
};

#define SW_OBSERVERS_MAX 32

struct sw_config {
	uint32_t max_macs;
	uint32_t ageing;  /* seconds */
	uint32_t spin_us; /* keep polling this long after traffic before sleeping; 0: never */
	uint32_t flap_moves; /* moves a second that make a MAC flap and block a port; 0: never */
	uint32_t flap_hold;  /* seconds a port stays blocked */
	uint32_t storm_pps[FWD_FLOOD_KINDS]; /* flooded frames a second per port, by enum fwd_flood; 0: no limit */
};

struct sw {
	struct ev_loop *loop; /* NULL: ports are driven by the caller (tests, bench) */
	struct fdb fdb;
	struct port *slots[SWITCHD_PORTS_MAX]; /* by slot, for unicast */
	/* Dense: the nfwd ports that forward (for flooding), then the mirror destinations (SW_DIR_DST). */
	struct port *active[SWITCHD_PORTS_MAX];
	uint32_t nports;
	uint32_t nfwd;
	uint32_t nnoflood; /* ports with flood off: none, and a flood skips the check */
	uint64_t (*now)(void); /* monotonic milliseconds */
	uint64_t start_ms;
	uint8_t *rxbuf; /* PORT_BATCH buffers of PORT_HEADROOM + SWITCHD_FRAME_MAX */
	struct port *pending[SWITCHD_PORTS_MAX]; /* ports with queued frames */
	uint32_t npending;
	uint32_t spin_us;
	uint64_t spin_until_us;
	uint32_t vlan_ports; /* ports not in the default VLAN mode: 0, every frame leaves as it came */
	/*
	 * A frame leaving a port in another form than it came (a tag pushed or
	 * popped) is a copy, made once per input frame and form, kept until
	 * sw_flush(): SW_VARIANTS frames of SWITCHD_FRAME_MAX + FWD_TAG_LEN.
	 */
	uint8_t *varbuf;
	struct frame var[2 * PORT_BATCH];
	uint32_t nvar;
	struct loop policy; /* loop and storm policy (loop.h), beside each port by slot */
	ev_idle spin;
	struct sw_observer *observers[SW_OBSERVERS_MAX];
	uint32_t nobservers;
	/* Optional: told of ports added, removed, blocked and of MAC table changes (time_ms unset). */
	void (*event)(void *ctx, struct swp_event *ev);
	void *event_ctx;
};

/* CLOCK_MONOTONIC in milliseconds: the default clock. */
uint64_t sw_clock_ms(void);

int sw_init(struct sw *sw, struct ev_loop *loop, const struct sw_config *cfg, uint64_t (*now)(void));
void sw_fini(struct sw *sw);

/* Sets sw->event; NULL stops the events. */
void sw_set_event(struct sw *sw, void (*event)(void *ctx, struct swp_event *ev), void *ctx);
/* Hands an event about port p (NULL: none) to sw->event, if set. */
void sw_event(struct sw *sw, uint32_t kind, const struct port *p, uint64_t count, const char *reason);

/* Gives p a slot and, with a loop, starts reading it. -ENOSPC when full. */
int sw_port_attach(struct sw *sw, struct port *p);
/* Stops the port, flushes its MAC entries, closes and frees it; why is logged. */
void sw_port_remove(struct sw *sw, struct port *p, const char *why);

struct port *sw_port_by_name(struct sw *sw, const char *name);
struct port *sw_port_by_ifindex(struct sw *sw, int ifindex);

/*
 * One received frame through the switch, stage by stage: ingress checks,
 * VLAN classification, learning, lookup, egress filtering, the egress port's
 * tag action, queueing; counted. The frame must stay valid until sw_flush().
 */
void sw_input(struct sw *sw, struct port *in, const struct frame *f, uint64_t now);
/* Sends every queued frame, a burst per port. */
void sw_flush(struct sw *sw);

/* Reads up to SWITCHD_RX_BUDGET frames from p and forwards them. */
void sw_port_poll(struct sw *sw, struct port *p);

/*
 * A runtime setting by enum swp_setting_key (SWP_SET), its value already in
 * the range swp_setting_by_key() gives. sw_set returns the MAC entries a
 * smaller max-macs evicted.
 */
uint64_t sw_setting(const struct sw *sw, uint32_t key);
uint32_t sw_set(struct sw *sw, uint32_t key, uint64_t value);
/* The same setting in a sw_config (the command line's, the base a reload falls back to). */
uint64_t sw_config_setting(const struct sw_config *cfg, uint32_t key);
void sw_config_set(struct sw_config *cfg, uint32_t key, uint64_t value);

/*
 * A port setting by enum swp_port_setting_key (SWP_PORT_SET), its value
 * already in range. sw_port_set returns 1 when it changed (told as a
 * port_changed event), 0 when the port had it already; a smaller max-macs
 * evicts the port's least recently seen entries over it at once.
 */
uint64_t sw_port_setting(const struct sw *sw, const struct port *p, uint32_t key);
int sw_port_set(struct sw *sw, struct port *p, uint32_t key, uint64_t value);

/*
 * The VLAN mode (SWP_PSET_VLAN), checked by swp_vlan_check(): 1 when it
 * changed (told as port_changed; the port's learned entries are flushed),
 * 0 when the port had it.
 */
int sw_port_set_vlan(struct sw *sw, struct port *p, const struct swp_vlan *v);

/* A static MAC entry (mac add), told as mac_added: 0 or fdb_static_add's -errno. */
int sw_mac_add(struct sw *sw, const uint8_t *mac, uint16_t vlan, struct port *p);
/* Removes an entry (mac del), told as mac_deleted: 0 or -ENOENT. */
int sw_mac_del(struct sw *sw, const uint8_t *mac, uint16_t vlan);

/*
 * Starts (-ENOSPC when SW_OBSERVERS_MAX run) and stops an observer. After a
 * change to o->dirs, sw_observer_update makes the ports follow it. A port
 * nobody watches costs the frame path one test of port.observed.
 */
int sw_observer_add(struct sw *sw, struct sw_observer *o);
void sw_observer_del(struct sw *sw, struct sw_observer *o);
void sw_observer_update(struct sw *sw);
/*
 * From an observer's fn (queues set): f to be sent by p as it is, counted as
 * p's (tx_drop_mtu when it does not fit). Never blocks: a full socket drops
 * it at sw_flush (tx_drop_busy).
 */
void sw_observer_queue(struct sw *sw, struct port *p, const struct frame *f);

/*
 * switchctl trace: what sw_input would do now with f received by in, told
 * stage by stage to step (ingress checks, VLAN, learning, lookup, each egress
 * port, the verdict), by the same stage functions, and nothing done: no frame
 * queued, nothing learned, no storm token taken, no counter moved. learn
 * false: the frame's source is no one's (no learning stage). f is at most 64
 * bytes.
 */
void sw_trace(struct sw *sw, struct port *in, const struct frame *f, bool learn, uint64_t now,
	      void (*step)(void *ctx, const struct swp_trace_step *s), void *ctx);

/* Once a second: ageing, and ports whose block has run out. */
void sw_tick(struct sw *sw);

/* Milliseconds p stays blocked (loop protection), 0 when it forwards. */
static inline uint64_t sw_port_blocked_ms(const struct port *p, uint64_t now)
{
	return loop_blocked_ms(&p->sw->policy, p->slot, now);
}

static inline bool sw_port_blocked(const struct port *p, uint64_t now)
{
	return sw_port_blocked_ms(p, now) > 0;
}

#endif
