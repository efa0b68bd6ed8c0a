/* Control protocol framing, shared by switchd and switchctl. */
#include "switchd/proto.h"

#include <errno.h>
#include <string.h>

#include "switchd/defaults.h"

/* The layout is the wire format: keep it free of implicit padding. */
_Static_assert(sizeof(struct swp_hdr) == 16, "swp_hdr layout");
_Static_assert(sizeof(struct swp_port_req) == 40 + 108 + 4, "swp_port_req layout");
_Static_assert(sizeof(struct swp_mac_req) == 16, "swp_mac_req layout");
_Static_assert(sizeof(struct swp_counters) == 16 * 8, "swp_counters layout");
_Static_assert(sizeof(struct swp_port_info) == 48 + 16 * 8 + 128, "swp_port_info layout");
_Static_assert(sizeof(struct swp_mac_entry) == 32, "swp_mac_entry layout");
_Static_assert(sizeof(struct swp_set_req) == 16, "swp_set_req layout");
_Static_assert(sizeof(struct swp_status_info) == 96, "swp_status_info layout");
_Static_assert(sizeof(struct swp_done) == 136, "swp_done layout");
_Static_assert(sizeof(struct swp_event) == 128, "swp_event layout");
_Static_assert(offsetof(struct swp_event, time_ms) == 16, "swp_event: no padding before time_ms");

long swp_body_size(uint16_t type)
{
	switch (type) {
	case SWP_PORT_ADD:
	case SWP_PORT_DEL:
		return sizeof(struct swp_port_req);
	case SWP_MAC_SHOW:
	case SWP_MAC_FLUSH:
		return sizeof(struct swp_mac_req);
	case SWP_PORT_SHOW:
	case SWP_STATUS:
	case SWP_MONITOR:
		return 0;
	case SWP_SET:
		return sizeof(struct swp_set_req);
	case SWP_DONE:
		return sizeof(struct swp_done);
	case SWP_PORT_INFO:
		return sizeof(struct swp_port_info);
	case SWP_MAC_ENTRY:
		return sizeof(struct swp_mac_entry);
	case SWP_STATUS_INFO:
		return sizeof(struct swp_status_info);
	case SWP_EVENT:
		return sizeof(struct swp_event);
	default:
		return -1;
	}
}

int swp_check(const struct swp_hdr *hdr)
{
	long body;

	if (hdr->len < sizeof(*hdr) || hdr->len > SWP_MSG_MAX)
		return -EMSGSIZE;
	if (hdr->version != SWP_VERSION)
		return -EPROTO;
	body = swp_body_size(hdr->type);
	if (body < 0 || (size_t)body != hdr->len - sizeof(*hdr))
		return -EBADMSG;
	return 0;
}

size_t swp_encode(void *buf, uint16_t type, uint32_t seq, const void *body, size_t blen)
{
	struct swp_hdr hdr = {
		.version = SWP_VERSION,
		.type = type,
		.len = (uint32_t)(sizeof(hdr) + blen),
		.seq = seq,
	};

	memcpy(buf, &hdr, sizeof(hdr));
	if (blen)
		memcpy((char *)buf + sizeof(hdr), body, blen);
	return sizeof(hdr) + blen;
}

int swp_set_name(char dst[SWP_NAME_MAX], const char *src)
{
	size_t n = strlen(src);

	if (n >= SWP_NAME_MAX)
		return -ENAMETOOLONG;
	memset(dst, 0, SWP_NAME_MAX);
	memcpy(dst, src, n);
	return 0;
}

static const struct swp_setting swp_settings[] = {
	{ "ageing", SWP_SET_AGEING, 1, SWITCHD_AGEING_MAX_SEC, SWITCHD_AGEING_SEC },
	{ "max-macs", SWP_SET_MAX_MACS, 1, SWITCHD_MAX_MACS_LIMIT, SWITCHD_MAX_MACS },
	{ "flap-moves", SWP_SET_FLAP_MOVES, 0, SWITCHD_FLAP_MOVES_MAX, SWITCHD_FLAP_MOVES },
	{ "flap-hold", SWP_SET_FLAP_HOLD, 1, SWITCHD_FLAP_HOLD_MAX_SEC, SWITCHD_FLAP_HOLD_SEC },
	{ "storm-broadcast", SWP_SET_STORM_BROADCAST, 0, SWITCHD_STORM_PPS_MAX, SWITCHD_STORM_PPS },
	{ "storm-multicast", SWP_SET_STORM_MULTICAST, 0, SWITCHD_STORM_PPS_MAX, SWITCHD_STORM_PPS },
	{ "storm-unknown", SWP_SET_STORM_UNKNOWN, 0, SWITCHD_STORM_PPS_MAX, SWITCHD_STORM_PPS },
};

const struct swp_setting *swp_setting_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(swp_settings) / sizeof(swp_settings[0]); i++)
		if (!strcmp(swp_settings[i].name, name))
			return &swp_settings[i];
	return NULL;
}

const struct swp_setting *swp_setting_at(size_t i)
{
	return i < sizeof(swp_settings) / sizeof(swp_settings[0]) ? &swp_settings[i] : NULL;
}

const struct swp_setting *swp_setting_by_key(uint32_t key)
{
	for (size_t i = 0; i < sizeof(swp_settings) / sizeof(swp_settings[0]); i++)
		if (swp_settings[i].key == key)
			return &swp_settings[i];
	return NULL;
}

const char *swp_type_name(uint32_t port_type)
{
	switch (port_type) {
	case SWP_PORT_TAP:
		return "tap";
	case SWP_PORT_AFPACKET:
		return "afpacket";
	case SWP_PORT_AUTO:
		return "auto";
	default:
		return "unknown";
	}
}

const char *swp_state_name(uint32_t state)
{
	switch (state) {
	case SWP_STATE_UP:
		return "up";
	case SWP_STATE_MOVED:
		return "moved";
	case SWP_STATE_DOWN:
		return "down";
	default:
		return "unknown";
	}
}

const char *swp_event_name(uint32_t kind)
{
	static const char *const names[] = {
		[SWP_EV_PORT_ADDED] = "port_added",
		[SWP_EV_PORT_REMOVED] = "port_removed",
		[SWP_EV_PORT_UP] = "port_up",
		[SWP_EV_PORT_DOWN] = "port_down",
		[SWP_EV_PORT_BLOCKED] = "port_blocked",
		[SWP_EV_PORT_UNBLOCKED] = "port_unblocked",
		[SWP_EV_MAC_LEARNED] = "mac_learned",
		[SWP_EV_MAC_MOVED] = "mac_moved",
		[SWP_EV_MAC_AGED] = "mac_aged",
		[SWP_EV_MAC_EVICTED] = "mac_evicted",
		[SWP_EV_MAC_FLUSHED] = "mac_flushed",
		[SWP_EV_LOST] = "events_lost",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : NULL;
}
