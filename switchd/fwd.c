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
