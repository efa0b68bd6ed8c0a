/*
 * The forwarding decision: learn the source, then pick where a frame goes.
 * Pure logic over the MAC table; sw.c carries the decision out.
 */
#ifndef SWITCHD_FWD_H
#define SWITCHD_FWD_H

#include <stddef.h>
#include <stdint.h>

#include "fdb.h"

enum fwd_action {
	FWD_DROP,
	FWD_UNICAST, /* to result.port only */
	FWD_FLOOD,   /* to every port but the ingress */
};

enum fwd_reason {
	FWD_OK,
	FWD_RUNT,     /* shorter than an Ethernet header */
	FWD_BAD_SRC,  /* group or all-zero source MAC: never learned */
	FWD_FILTERED, /* destination lives on the ingress port */
	FWD_LINK_LOCAL, /* 01:80:c2:00:00:0x, for the link only (STP, pause, LACP, 802.1X, LLDP) */
};

/* What kind of flood, for storm control. */
enum fwd_flood {
	FWD_FLOOD_BROADCAST,
	FWD_FLOOD_MULTICAST,
	FWD_FLOOD_UNKNOWN,
	FWD_FLOOD_KINDS,
};

struct fwd_result {
	enum fwd_action action;
	enum fwd_reason reason;
	enum fwd_flood flood; /* FWD_FLOOD */
	uint16_t port; /* FWD_UNICAST */
	uint16_t vlan;
	int learn; /* fdb_learn()'s result */
};

/* The outer VLAN ID carried in the frame's data, 0 when untagged. */
uint16_t fwd_frame_vlan(const uint8_t *frame, size_t len);

/* Length of the frame's L2 payload: after the Ethernet header and up to two VLAN tags. */
size_t fwd_l2_payload(const uint8_t *frame, size_t len);

void fwd_decide(struct fdb *fdb, const uint8_t *frame, size_t len, uint16_t in_port,
		uint64_t now, struct fwd_result *r);

#endif
