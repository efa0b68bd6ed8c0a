#include "fwd.h"

#include <string.h>

#define ETH_HDR 14
#define TAG_LEN 4

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int is_vlan_tpid(uint16_t tpid)
{
	return tpid == 0x8100 || tpid == 0x88a8 || tpid == 0x9100;
}

uint16_t fwd_frame_vlan(const uint8_t *frame, size_t len)
{
	if (len < ETH_HDR + TAG_LEN || !is_vlan_tpid(get_be16(frame + 12)))
		return 0;
	return get_be16(frame + 14) & 0x0fff;
}

size_t fwd_l2_payload(const uint8_t *frame, size_t len)
{
	size_t off = 12;

	for (int tags = 0; tags < 2 && len >= off + 2 + TAG_LEN && is_vlan_tpid(get_be16(frame + off)); tags++)
		off += TAG_LEN;
	return len > off + 2 ? len - off - 2 : 0;
}

void fwd_decide(struct fdb *fdb, const uint8_t *frame, size_t len, uint16_t in_port,
		uint64_t now, struct fwd_result *r)
{
	const uint8_t *dst = frame, *src = frame + 6;
	struct fdb_entry *e;

	memset(r, 0, sizeof(*r));
	r->action = FWD_DROP;
	if (len < ETH_HDR) {
		r->reason = FWD_RUNT;
		return;
	}
	if (fdb_mac_is_group(src) || fdb_mac_is_zero(src)) {
		r->reason = FWD_BAD_SRC;
		return;
	}
	/* What a host says to its link partner, a bridge keeps: the Linux bridge's default too. */
	if (dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && !dst[3] && !dst[4] && !(dst[5] & 0xf0)) {
		r->reason = FWD_LINK_LOCAL;
		return;
	}
	r->vlan = fwd_frame_vlan(frame, len);
	r->learn = fdb_learn(fdb, src, r->vlan, in_port, now);

	if (fdb_mac_is_group(dst)) {
		r->action = FWD_FLOOD;
		r->flood = (dst[0] & dst[1] & dst[2] & dst[3] & dst[4] & dst[5]) == 0xff ? FWD_FLOOD_BROADCAST
											: FWD_FLOOD_MULTICAST;
		return;
	}
	if (!(e = fdb_find(fdb, dst, r->vlan))) {
		r->action = FWD_FLOOD;
		r->flood = FWD_FLOOD_UNKNOWN;
		return;
	}
	if (e->port == in_port) {
		r->reason = FWD_FILTERED;
		return;
	}
	r->action = FWD_UNICAST;
	r->port = e->port;
}
