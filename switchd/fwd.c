#include "fwd.h"

#include <string.h>

size_t fwd_l2_payload(const uint8_t *frame, size_t len)
{
	size_t off = 12;

	for (int tags = 0;
	     tags < 2 && len >= off + 2 + FWD_TAG_LEN && fwd_is_vlan_tpid(fwd_be16(frame + off)); tags++)
		off += FWD_TAG_LEN;
	return len > off + 2 ? len - off - 2 : 0;
}

void fwd_lookup(struct fdb *fdb, const uint8_t *dst, uint16_t vlan, uint16_t in_port, struct fwd_result *r)
{
	struct fdb_entry *e;

	r->reason = FWD_OK;
	if (fdb_mac_is_group(dst)) {
		r->action = FWD_FLOOD;
		r->flood = (dst[0] & dst[1] & dst[2] & dst[3] & dst[4] & dst[5]) == 0xff
				   ? FWD_FLOOD_BROADCAST
				   : FWD_FLOOD_MULTICAST;
		return;
	}
	if (!(e = fdb_find(fdb, dst, vlan))) {
		r->action = FWD_FLOOD;
		r->flood = FWD_FLOOD_UNKNOWN;
		return;
	}
	if (e->port == in_port) {
		r->action = FWD_DROP;
		r->reason = FWD_FILTERED;
		return;
	}
	r->action = FWD_UNICAST;
	r->port = e->port;
}

void fwd_vlan_port_set(struct fwd_vlan_port *port, const struct swp_vlan *v)
{
	memset(port, 0, sizeof(*port));
	port->mode = (uint8_t)v->mode;
	port->vid = (uint16_t)v->vid;
	port->untagged = (uint16_t)v->vid;
	if (v->mode != SWP_VLAN_TRUNK) {
		port->carry[v->vid / 64] |= 1ull << (v->vid % 64);
		return;
	}
	if (swp_vlan_all(v) && !v->vid) {
		port->is_default = true;
		memset(port->carry, 0xff, sizeof(port->carry));
		return;
	}
	/* A trunk with a setting carries neither VLAN 0 ("untagged") nor 4095. */
	for (unsigned vid = 1; vid <= SWP_VLAN_VID_MAX; vid++)
		if (swp_vlan_all(v) || swp_vlan_has(v, vid) || vid == v->vid)
			port->carry[vid / 64] |= 1ull << (vid % 64);
}

enum fwd_reason fwd_vlan_classify(const struct fwd_vlan_port *port, const uint8_t *frame, size_t len,
				  struct fwd_vlan *out)
{
	bool tagged = len >= FWD_ETH_HDR + FWD_TAG_LEN && fwd_is_vlan_tpid(fwd_be16(frame + 12));
	uint16_t tpid = tagged ? fwd_be16(frame + 12) : FWD_TPID_8021Q;
	uint16_t tci = tagged ? fwd_be16(frame + 14) : 0, vid = tci & FWD_VID_MASK;

	out->tpid = tpid;
	out->tci = tci;
	out->tag_as_came = true;
	if (port->is_default) {
		/* A priority tag stays in the frame: VLAN 0 leaves as it came. */
		out->vlan = vid;
		out->tag_len = tagged && vid ? FWD_TAG_LEN : 0;
		return FWD_OK;
	}
	if (tagged && vid == FWD_VID_MASK)
		return FWD_VLAN;
	if (port->mode == SWP_VLAN_TUNNEL) {
		/* The customer's frame, tags and all, inside an S-tag. */
		out->vlan = port->vid;
		out->tpid = FWD_TPID_8021AD;
		out->tci = port->vid;
		out->tag_len = 0;
		out->tag_as_came = false;
		return FWD_OK;
	}
	if (!tagged || !vid) {
		/* Untagged or priority-tagged: the port's untagged VLAN, with the priority it came with. */
		if (!port->vid)
			return FWD_VLAN;
		out->vlan = port->vid;
		out->tci = (uint16_t)((tci & ~FWD_VID_MASK) | port->vid);
		out->tag_len = tagged ? FWD_TAG_LEN : 0;
		out->tag_as_came = false;
		return FWD_OK;
	}
	if (!fwd_vlan_carries(port, vid))
		return FWD_VLAN;
	out->vlan = vid;
	out->tag_len = FWD_TAG_LEN;
	return FWD_OK;
}
