#include "loop.h"

#include <string.h>

void loop_port_reset(struct loop *l, uint16_t slot)
{
	l->blocked_until_ms[slot] = 0;
	memset(&l->storm[slot], 0, sizeof(l->storm[slot]));
}

void loop_block(struct loop *l, uint16_t slot, uint64_t now)
{
	l->blocked_until_ms[slot] = now + l->flap_hold_ms;
}

/* A host changes ports now and then; a MAC bouncing between them is a loop. */
bool loop_mac_flaps(const struct loop *l, struct fdb_entry *e, uint64_t now)
{
	if (now - e->move_ms >= 1000 || now < e->move_ms) {
		e->move_ms = now;
		e->moves = 0;
	}
	if (e->moves < UINT16_MAX)
		e->moves++;
	return l->flap_moves && e->moves > l->flap_moves;
}

bool loop_storm_would(const struct loop *l, uint16_t slot, enum fwd_flood kind, uint64_t now)
{
	/* A copy's bucket takes the token: the very function decides, on the same numbers. */
	struct loop copy = *l;

	return loop_storm_allows(&copy, slot, kind, now);
}

/*
 * A token bucket per port and kind of flood, in thousandths of a frame:
 * SWITCHD_STORM_BURST_MS of the rate deep, at least one frame.
 */
bool loop_storm_allows(struct loop *l, uint16_t slot, enum fwd_flood kind, uint64_t now)
{
	struct loop_storm *st = &l->storm[slot];
	uint64_t rate = st->pps[kind] ? st->pps[kind] : l->storm_pps[kind], full = rate * SWITCHD_STORM_BURST_MS;

	if (!rate)
		return true;
	if (full < 1000)
		full = 1000;
	if (now > st->ms[kind]) {
		uint64_t t = st->tokens[kind] + (now - st->ms[kind]) * rate;

		st->tokens[kind] = t < full ? t : full;
		st->ms[kind] = now;
	}
	if (st->tokens[kind] < 1000)
		return false;
	st->tokens[kind] -= 1000;
	return true;
}
