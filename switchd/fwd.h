/*
 * The stages of the frame path that look only at the frame and the MAC table
 * and change neither: ingress checks, VLAN classification and the lookup.
 * sw_input() runs them in order, with learning (fdb_learn) between the last
 * two and the policies of loop.h around them.
 */
#ifndef SWITCHD_FWD_H
#define SWITCHD_FWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdb.h"
#include "switchd/proto.h"

enum fwd_action {
	FWD_DROP,
	FWD_UNICAST, /* to result.port only */
	FWD_FLOOD,   /* to every port but the ingress */
};

/* Why a frame goes nowhere: one receive drop counter each (sw.c). */
enum fwd_reason {
	FWD_OK,
	FWD_RUNT,	/* shorter than an Ethernet header */
	FWD_BAD_SRC,	/* group or all-zero source MAC: never learned */
	FWD_FILTERED,	/* destination lives on the ingress port */
	FWD_LINK_LOCAL, /* 01:80:c2:00:00:0x, for the link only (STP, pause, LACP,
                     802.1X, LLDP) */
	FWD_BLOCKED,	/* the ingress port is blocked (loop.h) */
	FWD_STORM,	/* a flood over the ingress port's storm limit (loop.h) */
	FWD_MAC_LIMIT,	/* a new source over the ingress port's max-macs */
	FWD_STATIC,	/* the source is pinned to another port by a static entry */
	FWD_ISOLATED,	/* from an isolated port to an isolated port */
	FWD_VLAN,	/* not in a VLAN the port carries, or VID 4095 (rx_drop_vlan) */
	FWD_MIRROR,	/* received by a mirror's destination port (rx_drop_mirror) */
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
	enum fwd_reason reason; /* FWD_DROP */
	enum fwd_flood flood;	/* FWD_FLOOD */
	uint16_t port;		/* FWD_UNICAST */
};

#define FWD_ETH_HDR 14
#define FWD_TAG_LEN 4

static inline uint16_t fwd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline bool fwd_is_vlan_tpid(uint16_t tpid)
{
	return tpid == 0x8100 || tpid == 0x88a8 || tpid == 0x9100;
}

/*
 * Ingress checks: FWD_OK, or why the frame may not enter the switch (runt,
 * bad source, link-local). Inline, as the first stages: every frame runs them.
 */
static inline enum fwd_reason fwd_check(const uint8_t *frame, size_t len)
{
	const uint8_t *dst = frame, *src = frame + 6;

	if (len < FWD_ETH_HDR)
		return FWD_RUNT;
	if (fdb_mac_is_group(src) || fdb_mac_is_zero(src))
		return FWD_BAD_SRC;
	/* What a host says to its link partner, a bridge keeps: the Linux bridge's
   * default too. */
	if (dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && !dst[3] && !dst[4] && !(dst[5] & 0xf0))
		return FWD_LINK_LOCAL;
	return FWD_OK;
}

/* VLAN classification: the outer VLAN ID carried in the frame's data, 0 when
 * untagged. */
static inline uint16_t fwd_frame_vlan(const uint8_t *frame, size_t len)
{
	if (len < FWD_ETH_HDR + FWD_TAG_LEN || !fwd_is_vlan_tpid(fwd_be16(frame + 12)))
		return 0;
	return fwd_be16(frame + 14) & 0x0fff;
}

#define FWD_TPID_8021Q 0x8100
#define FWD_TPID_8021AD 0x88a8
#define FWD_VID_MASK 0x0fff
#define FWD_VLANS 4096

/*
 * A port's VLAN mode as the frame path reads it (made by fwd_vlan_port_set
 * from a struct swp_vlan): which VLANs it carries and which one of them it
 * carries untagged.
 */
struct fwd_vlan_port {
	uint8_t mode;	   /* enum swp_vlan_mode */
	bool is_default;   /* trunk all, no native: frames in and out as they came, VID 4095 too */
	uint16_t vid;	   /* access, tunnel: the VLAN; trunk: native, 0: none */
	uint16_t untagged; /* the VLAN that leaves untagged (default: 0) */
	uint64_t carry[FWD_VLANS / 64];
};

/*
 * What VLAN classification made of a frame: its VLAN inside the switch and
 * the two forms it can leave in. Untagged: the frame without the tag_len
 * bytes at 12 that tagged it for its VLAN. Tagged: that with a tag (tpid,
 * tci) at 12; tag_as_came when the frame came so.
 */
struct fwd_vlan {
	uint16_t vlan;
	uint16_t tpid, tci;
	uint8_t tag_len; /* 0 or FWD_TAG_LEN */
	bool tag_as_came;
};

/* port from a struct swp_vlan that swp_vlan_check() passed. */
void fwd_vlan_port_set(struct fwd_vlan_port *port, const struct swp_vlan *v);

static inline bool fwd_vlan_carries(const struct fwd_vlan_port *port, uint16_t vlan)
{
	return port->carry[vlan / 64] >> (vlan % 64) & 1;
}

/*
 * VLAN classification: the VLAN of a frame that came in on port and how it
 * may leave; FWD_OK, or FWD_VLAN when the port does not take it. A default
 * port takes everything as it came: its outer tag's VID, 0 untagged.
 */
enum fwd_reason fwd_vlan_classify(const struct fwd_vlan_port *port, const uint8_t *frame, size_t len,
				  struct fwd_vlan *out);

/* Lookup: where a frame to dst in vlan that came in on in_port goes. */
void fwd_lookup(struct fdb *fdb, const uint8_t *dst, uint16_t vlan, uint16_t in_port, struct fwd_result *r);

/* Length of the frame's L2 payload: after the Ethernet header and up to two
 * VLAN tags. */
size_t fwd_l2_payload(const uint8_t *frame, size_t len);

#endif
