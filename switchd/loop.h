/*
 * Loop and storm policy: what the switch keeps beside each port (by slot) to
 * stop a loop from melting the host. MAC flap detection blocks a port that a
 * MAC bounces onto; storm control bounds the floods one port may start. The
 * frame path (sw.c) asks; sw.c also logs and reports what the policy decides.
 */
#ifndef SWITCHD_LOOP_H
#define SWITCHD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "fdb.h"
#include "fwd.h"
#include "switchd/defaults.h"

/* Storm control, per kind of flood: tokens in thousandths of a frame. */
struct loop_storm {
	uint64_t tokens[FWD_FLOOD_KINDS];
	uint64_t ms[FWD_FLOOD_KINDS];
	uint32_t pps[FWD_FLOOD_KINDS]; /* the port's own limit (port set); 0: loop.storm_pps */
};

struct loop {
	uint32_t flap_moves; /* moves a second that make a MAC flap; 0: never */
	uint64_t flap_hold_ms;
	uint32_t storm_pps[FWD_FLOOD_KINDS]; /* by enum fwd_flood; 0: no limit */
	/* By slot. Apart, as every egress port's frame reads its own deadline. */
	uint64_t blocked_until_ms[SWITCHD_PORTS_MAX]; /* no frames in or out before then */
	struct loop_storm storm[SWITCHD_PORTS_MAX];
};

/* A new port in slot starts unblocked with full buckets. */
void loop_port_reset(struct loop *l, uint16_t slot);

static inline bool loop_blocked(const struct loop *l, uint16_t slot, uint64_t now)
{
	return l->blocked_until_ms[slot] > now;
}

static inline uint64_t loop_blocked_ms(const struct loop *l, uint16_t slot, uint64_t now)
{
	return loop_blocked(l, slot, now) ? l->blocked_until_ms[slot] - now : 0;
}

/* Blocks slot for the hold time from now. */
void loop_block(struct loop *l, uint16_t slot, uint64_t now);

/*
 * Counts a move of e (fdb_learn said FDB_MOVED) and tells whether it makes
 * the MAC flap: more than flap_moves moves within a second.
 */
bool loop_mac_flaps(const struct loop *l, struct fdb_entry *e, uint64_t now);

/* Whether slot may start one more flood of kind now, and takes a token if so.
 */
bool loop_storm_allows(struct loop *l, uint16_t slot, enum fwd_flood kind, uint64_t now);
/* Whether loop_storm_allows would now, taking nothing (switchctl trace). */
bool loop_storm_would(const struct loop *l, uint16_t slot, enum fwd_flood kind, uint64_t now);

#endif
