/* Control protocol framing, shared by switchd and switchctl. */
#include "switchd/proto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "switchd/defaults.h"

/* The header is a struct nlmsghdr and a 4-byte family header: libmnl parses it. */
_Static_assert(sizeof(struct swp_hdr) == sizeof(struct nlmsghdr) + 4, "swp_hdr layout");
_Static_assert(offsetof(struct swp_hdr, len) == offsetof(struct nlmsghdr, nlmsg_len) &&
		       offsetof(struct swp_hdr, type) == offsetof(struct nlmsghdr, nlmsg_type) &&
		       offsetof(struct swp_hdr, seq) == offsetof(struct nlmsghdr, nlmsg_seq) &&
		       offsetof(struct swp_hdr, version) == sizeof(struct nlmsghdr),
	       "swp_hdr is a nlmsghdr");
_Static_assert(sizeof(struct swp_counters) % sizeof(uint64_t) == 0, "swp_counters: u64 only");

#define SWP_FAMILY_HDR (sizeof(struct swp_hdr) - sizeof(struct nlmsghdr))

/* How one struct member goes on the wire. */
enum swp_kind {
	K_U16,
	K_U32,
	K_S32,
	K_U64,
	K_STR, /* char[size]: a NUL-terminated string of at most size - 1 bytes */
	K_MAC, /* uint8_t[6] */
	K_U64S, /* uint64_t[size / 8], nested: attribute i + 1 is element i */
	K_BYTES, /* struct swp_bytes: the attribute's payload, where it lies; last in its table */
};

struct swp_field {
	uint16_t attr;
	uint8_t kind;
	uint16_t off, size;
};

#define FIELD(st, a, k, m) { a, k, offsetof(st, m), sizeof(((st *)0)->m) }

#define PORT(a, k, m) FIELD(struct swp_port_req, a, k, m)
static const struct swp_field port_req[] = {
	PORT(SWP_A_PORT_NAME, K_STR, name),
	PORT(SWP_A_PORT_TYPE, K_U32, type),
	PORT(SWP_A_PORT_FLAGS, K_U32, flags),
	PORT(SWP_A_PORT_PEER, K_STR, peer),
	PORT(SWP_A_PORT_NETNS, K_STR, netns),
	PORT(SWP_A_PORT_PATH, K_STR, path),
	PORT(SWP_A_PORT_UID, K_U32, uid),
	PORT(SWP_A_PORT_GID, K_U32, gid),
	PORT(SWP_A_PORT_MODE, K_U32, mode),
	PORT(SWP_A_PORT_PEER_PATH, K_STR, peer_path),
	PORT(SWP_A_PORT_MTU, K_U32, mtu),
	PORT(SWP_A_PORT_VNI, K_U32, vx.vni),
	PORT(SWP_A_PORT_DSTPORT, K_U32, vx.dstport),
	PORT(SWP_A_PORT_LOCAL, K_STR, vx.local),
	PORT(SWP_A_PORT_GROUP, K_STR, vx.group),
	PORT(SWP_A_PORT_DEV, K_STR, vx.dev),
	PORT(SWP_A_PORT_REMOTES, K_STR, vx.remotes),
};
#undef PORT

#define INFO(a, k, m) FIELD(struct swp_port_info, a, k, m)
static const struct swp_field port_info[] = {
	INFO(SWP_A_PORT_NAME, K_STR, name),
	INFO(SWP_A_PORT_TYPE, K_U32, type),
	INFO(SWP_A_PORT_STATE, K_U32, state),
	INFO(SWP_A_PORT_IFINDEX, K_S32, ifindex),
	INFO(SWP_A_PORT_MTU, K_U32, mtu),
	INFO(SWP_A_PORT_MACS, K_U32, macs),
	INFO(SWP_A_PORT_CREATED, K_U32, created),
	INFO(SWP_A_PORT_BLOCKED, K_U32, blocked),
	INFO(SWP_A_PORT_COUNTERS, K_U64S, c),
	INFO(SWP_A_PORT_PEER, K_STR, peer),
	INFO(SWP_A_PORT_NETNS, K_STR, netns),
	INFO(SWP_A_PORT_SETTINGS, K_U64S, settings),
	INFO(SWP_A_PORT_ORIGIN, K_U32, origin),
	INFO(SWP_A_PORT_VLAN_MODE, K_U32, vlan.mode),
	INFO(SWP_A_PORT_VLAN_VID, K_U32, vlan.vid),
	INFO(SWP_A_PORT_VLANS, K_U64S, vlan.vlans),
	INFO(SWP_A_PORT_PATH, K_STR, path),
	INFO(SWP_A_PORT_UID, K_U32, uid),
	INFO(SWP_A_PORT_GID, K_U32, gid),
	INFO(SWP_A_PORT_MODE, K_U32, mode),
	INFO(SWP_A_PORT_PEER_PATH, K_STR, peer_path),
	INFO(SWP_A_PORT_VNI, K_U32, vx.vni),
	INFO(SWP_A_PORT_DSTPORT, K_U32, vx.dstport),
	INFO(SWP_A_PORT_LOCAL, K_STR, vx.local),
	INFO(SWP_A_PORT_GROUP, K_STR, vx.group),
	INFO(SWP_A_PORT_DEV, K_STR, vx.dev),
	INFO(SWP_A_PORT_REMOTES, K_STR, vx.remotes),
};
#undef INFO

static const struct swp_field port_set_req[] = {
	FIELD(struct swp_port_set_req, SWP_A_PORT_NAME, K_STR, name),
	FIELD(struct swp_port_set_req, SWP_A_PORT_SET_KEY, K_U32, key),
	FIELD(struct swp_port_set_req, SWP_A_PORT_SET_VALUE, K_U64, value),
	FIELD(struct swp_port_set_req, SWP_A_PORT_VLAN_MODE, K_U32, vlan.mode),
	FIELD(struct swp_port_set_req, SWP_A_PORT_VLAN_VID, K_U32, vlan.vid),
	FIELD(struct swp_port_set_req, SWP_A_PORT_VLANS, K_U64S, vlan.vlans),
};

static const struct swp_field mac_req[] = {
	FIELD(struct swp_mac_req, SWP_A_MAC_PORT, K_STR, port),
	FIELD(struct swp_mac_req, SWP_A_MAC_ADDR, K_MAC, mac),
	FIELD(struct swp_mac_req, SWP_A_MAC_VLAN, K_U16, vlan),
	FIELD(struct swp_mac_req, SWP_A_MAC_FLAGS, K_U32, flags),
};

#define MAC(a, k, m) FIELD(struct swp_mac_entry, a, k, m)
static const struct swp_field mac_entry[] = {
	MAC(SWP_A_MAC_ADDR, K_MAC, mac),
	MAC(SWP_A_MAC_VLAN, K_U16, vlan),
	MAC(SWP_A_MAC_PORT, K_STR, port),
	MAC(SWP_A_MAC_AGE, K_U32, age),
	MAC(SWP_A_MAC_STATIC, K_U32, is_static),
	MAC(SWP_A_MAC_REMOTE, K_STR, remote),
};
#undef MAC

static const struct swp_field set_req[] = {
	FIELD(struct swp_set_req, SWP_A_SET_KEY, K_U32, key),
	FIELD(struct swp_set_req, SWP_A_SET_VALUE, K_U64, value),
};

#define ST(a, k, m) FIELD(struct swp_status_info, a, k, m)
static const struct swp_field status_info[] = {
	ST(SWP_A_STATUS_VERSION, K_STR, version),
	ST(SWP_A_STATUS_UPTIME, K_U64, uptime),
	ST(SWP_A_STATUS_PORTS, K_U32, ports),
	ST(SWP_A_STATUS_MACS, K_U32, macs),
	ST(SWP_A_STATUS_LEARNED, K_U64, mac_learned),
	ST(SWP_A_STATUS_MOVED, K_U64, mac_moved),
	ST(SWP_A_STATUS_EVICTED, K_U64, mac_evicted),
	ST(SWP_A_STATUS_AGED, K_U64, mac_aged),
	ST(SWP_A_STATUS_SETTINGS, K_U64S, settings),
};
#undef ST

#define EV(a, k, m) FIELD(struct swp_event, a, k, m)
static const struct swp_field event[] = {
	EV(SWP_A_EV_KIND, K_U32, kind),
	EV(SWP_A_EV_TIME_MS, K_U64, time_ms),
	EV(SWP_A_EV_MAC, K_MAC, mac),
	EV(SWP_A_EV_VLAN, K_U16, vlan),
	EV(SWP_A_EV_COUNT, K_U64, count),
	EV(SWP_A_EV_PORT, K_STR, port),
	EV(SWP_A_EV_OLD_PORT, K_STR, old_port),
	EV(SWP_A_EV_REASON, K_STR, reason),
	EV(SWP_A_EV_SETTING, K_STR, setting),
	EV(SWP_A_EV_VALUE, K_STR, value),
	EV(SWP_A_EV_STATIC, K_U32, is_static),
	EV(SWP_A_EV_MIRROR, K_STR, mirror),
};
#undef EV

#define MIR(a, k, m) FIELD(struct swp_mirror, a, k, m)
static const struct swp_field mirror[] = {
	MIR(SWP_A_MIRROR_NAME, K_STR, name),
	MIR(SWP_A_MIRROR_FROM, K_STR, from),
	MIR(SWP_A_MIRROR_DIR, K_U32, dir),
	MIR(SWP_A_MIRROR_TO, K_STR, to),
	MIR(SWP_A_MIRROR_PACKETS, K_U64, packets),
	MIR(SWP_A_MIRROR_ORIGIN, K_U32, origin),
};
#undef MIR

static const struct swp_field trace_req[] = {
	FIELD(struct swp_trace_req, SWP_A_TRACE_PORT, K_STR, port),
	FIELD(struct swp_trace_req, SWP_A_TRACE_SRC, K_MAC, src),
	FIELD(struct swp_trace_req, SWP_A_TRACE_DST, K_MAC, dst),
	FIELD(struct swp_trace_req, SWP_A_TRACE_FLAGS, K_U32, flags),
	FIELD(struct swp_trace_req, SWP_A_TRACE_VLAN, K_U16, vlan),
	FIELD(struct swp_trace_req, SWP_A_TRACE_TYPE, K_U16, type),
};

static const struct swp_field trace_step[] = {
	FIELD(struct swp_trace_step, SWP_A_TRACE_STAGE, K_U32, stage),
	FIELD(struct swp_trace_step, SWP_A_TRACE_RESULT, K_STR, result),
	FIELD(struct swp_trace_step, SWP_A_TRACE_PORT, K_STR, port),
	FIELD(struct swp_trace_step, SWP_A_TRACE_VLAN, K_U16, vlan),
	FIELD(struct swp_trace_step, SWP_A_TRACE_DROP, K_U32, drop),
	FIELD(struct swp_trace_step, SWP_A_TRACE_DETAIL, K_STR, detail),
};

#define CAP(a, k, m) FIELD(struct swp_capture_req, a, k, m)
static const struct swp_field capture_req[] = {
	CAP(SWP_A_CAP_PORTS, K_STR, ports),
	CAP(SWP_A_CAP_DIRS, K_U32, dirs),
	CAP(SWP_A_CAP_SNAPLEN, K_U32, snaplen),
	CAP(SWP_A_CAP_COUNT, K_U64, count),
	CAP(SWP_A_CAP_FILTER, K_BYTES, filter),
};
#undef CAP

#define CAP(a, k, m) FIELD(struct swp_capture_frame, a, k, m)
static const struct swp_field capture_frame[] = {
	CAP(SWP_A_CAP_KIND, K_U32, kind),
	CAP(SWP_A_CAP_PORT, K_STR, port),
	CAP(SWP_A_CAP_DIR, K_U32, dir),
	CAP(SWP_A_CAP_TIME_NS, K_U64, time_ns),
	CAP(SWP_A_CAP_LEN, K_U32, len),
	CAP(SWP_A_CAP_DROPPED, K_U64, dropped),
	CAP(SWP_A_CAP_DATA, K_BYTES, data),
};
#undef CAP

#define CAP(a, k, m) FIELD(struct swp_capture_end, a, k, m)
static const struct swp_field capture_end[] = {
	CAP(SWP_A_CAP_CAPTURED, K_U64, captured),
	CAP(SWP_A_CAP_DROPPED, K_U64, dropped),
	CAP(SWP_A_CAP_REASON, K_STR, reason),
};
#undef CAP

static const struct swp_field done[] = {
	FIELD(struct swp_done, SWP_A_DONE_STATUS, K_S32, status),
	FIELD(struct swp_done, SWP_A_DONE_COUNT, K_U32, count),
	FIELD(struct swp_done, SWP_A_DONE_MSG, K_STR, msg),
};

/* Every message type: the struct it decodes into and how its members are carried. */
static const struct swp_msgdef {
	uint16_t type;
	uint16_t size; /* of the struct; 0: the message carries nothing */
	const struct swp_field *fields;
	uint16_t nfields;
} swp_msgs[] = {
#define MSG(t, st, f) { t, sizeof(st), f, sizeof(f) / sizeof(f[0]) }
	MSG(SWP_PORT_ADD, struct swp_port_req, port_req),
	MSG(SWP_PORT_DEL, struct swp_port_req, port_req),
	MSG(SWP_PORT_SHOW, struct swp_port_req, port_req),
	MSG(SWP_MAC_SHOW, struct swp_mac_req, mac_req),
	MSG(SWP_MAC_FLUSH, struct swp_mac_req, mac_req),
	{ SWP_STATUS, 0, NULL, 0 },
	MSG(SWP_SET, struct swp_set_req, set_req),
	{ SWP_MONITOR, 0, NULL, 0 },
	MSG(SWP_PORT_CLEAR, struct swp_port_req, port_req),
	MSG(SWP_PORT_REMOTE_ADD, struct swp_port_req, port_req),
	MSG(SWP_PORT_REMOTE_DEL, struct swp_port_req, port_req),
	MSG(SWP_PORT_SET, struct swp_port_set_req, port_set_req),
	MSG(SWP_MAC_ADD, struct swp_mac_req, mac_req),
	MSG(SWP_MAC_DEL, struct swp_mac_req, mac_req),
	MSG(SWP_MIRROR_ADD, struct swp_mirror, mirror),
	MSG(SWP_MIRROR_DEL, struct swp_mirror, mirror),
	MSG(SWP_MIRROR_SHOW, struct swp_mirror, mirror),
	MSG(SWP_TRACE, struct swp_trace_req, trace_req),
	MSG(SWP_CAPTURE, struct swp_capture_req, capture_req),
	MSG(SWP_DONE, struct swp_done, done),
	MSG(SWP_PORT_INFO, struct swp_port_info, port_info),
	MSG(SWP_MAC_ENTRY, struct swp_mac_entry, mac_entry),
	MSG(SWP_STATUS_INFO, struct swp_status_info, status_info),
	MSG(SWP_EVENT, struct swp_event, event),
	MSG(SWP_MIRROR_INFO, struct swp_mirror, mirror),
	MSG(SWP_TRACE_STEP, struct swp_trace_step, trace_step),
	MSG(SWP_CAPTURE_FRAME, struct swp_capture_frame, capture_frame),
	MSG(SWP_CAPTURE_END, struct swp_capture_end, capture_end),
#undef MSG
};

_Static_assert(sizeof(struct swp_port_info) <= SWP_BODY_MAX && sizeof(struct swp_event) <= SWP_BODY_MAX &&
		       sizeof(struct swp_status_info) <= SWP_BODY_MAX && sizeof(struct swp_done) <= SWP_BODY_MAX &&
		       sizeof(struct swp_port_req) <= SWP_BODY_MAX && sizeof(struct swp_port_set_req) <= SWP_BODY_MAX &&
		       sizeof(struct swp_mirror) <= SWP_BODY_MAX && sizeof(struct swp_trace_step) <= SWP_BODY_MAX &&
		       sizeof(struct swp_capture_req) <= SWP_BODY_MAX &&
		       sizeof(struct swp_capture_frame) <= SWP_BODY_MAX,
	       "SWP_BODY_MAX holds every struct");

static const struct swp_msgdef *swp_msgdef(uint16_t type)
{
	for (size_t i = 0; i < sizeof(swp_msgs) / sizeof(swp_msgs[0]); i++)
		if (swp_msgs[i].type == type)
			return &swp_msgs[i];
	return NULL;
}

long swp_body_size(uint16_t type)
{
	const struct swp_msgdef *d = swp_msgdef(type);

	return d ? d->size : -1;
}

int swp_check_align(uint32_t len)
{
	return len % SWP_ALIGN ? -EMSGSIZE : 0;
}

int swp_check(const struct swp_hdr *hdr)
{
	if (swp_check_align(hdr->len) || hdr->len < sizeof(*hdr) || hdr->len > SWP_MSG_MAX)
		return -EMSGSIZE;
	if (hdr->version != SWP_VERSION)
		return -EPROTO;
	if (!swp_msgdef(hdr->type))
		return -EBADMSG;
	return 0;
}

/* ---- decoding ---- */

static const struct swp_field *swp_field_of(const struct swp_msgdef *d, uint16_t attr)
{
	for (uint16_t i = 0; i < d->nfields; i++)
		if (d->fields[i].attr == attr)
			return &d->fields[i];
	return NULL;
}

static int swp_get_u64s(const struct nlattr *a, uint64_t *v, size_t n)
{
	const struct nlattr *in = mnl_attr_get_payload(a);
	int left = (int)mnl_attr_get_payload_len(a);

	/* As in a message: the attributes must tile the nest. */
	for (; mnl_attr_ok(in, left); left -= (int)MNL_ALIGN(in->nla_len), in = mnl_attr_next(in)) {
		uint16_t i = mnl_attr_get_type(in);

		if (mnl_attr_validate(in, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		if (i >= 1 && i <= n)
			v[i - 1] = mnl_attr_get_u64(in);
	}
	return left > 0 ? -EBADMSG : 0;
}

static int swp_get(const struct swp_field *f, const struct nlattr *a, uint8_t *body)
{
	static const enum mnl_attr_data_type fixed[] = {
		[K_U16] = MNL_TYPE_U16, [K_U32] = MNL_TYPE_U32, [K_S32] = MNL_TYPE_U32,
		[K_U64] = MNL_TYPE_U64,
	};
	uint8_t *dst = body + f->off;
	uint16_t n = mnl_attr_get_payload_len(a);

	switch (f->kind) {
	case K_STR:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 || strlen(mnl_attr_get_str(a)) >= f->size)
			return -EBADMSG;
		memcpy(dst, mnl_attr_get_str(a), strlen(mnl_attr_get_str(a)) + 1);
		return 0;
	case K_MAC:
		if (n != 6)
			return -EBADMSG;
		memcpy(dst, mnl_attr_get_payload(a), 6);
		return 0;
	case K_U64S:
		return swp_get_u64s(a, (uint64_t *)(void *)dst, f->size / sizeof(uint64_t));
	case K_BYTES: {
		struct swp_bytes b = { .ptr = mnl_attr_get_payload(a), .len = n };

		memcpy(dst, &b, sizeof(b));
		return 0;
	}
	default:
		if (mnl_attr_validate(a, fixed[f->kind]) < 0)
			return -EBADMSG;
		memcpy(dst, mnl_attr_get_payload(a), n);
		return 0;
	}
}

int swp_decode(const void *msg, void *body, uint16_t *bad)
{
	const struct nlmsghdr *nlh = msg;
	const struct swp_msgdef *d = swp_msgdef(nlh->nlmsg_type);
	const struct nlattr *a = mnl_nlmsg_get_payload_offset(nlh, SWP_FAMILY_HDR);
	int left = (int)(nlh->nlmsg_len - sizeof(struct swp_hdr));

	*bad = 0;
	if (!d)
		return -EBADMSG;
	/* mnl_attr_for_each stops at what is not an attribute: the attributes must tile the message. */
	for (; mnl_attr_ok(a, left); left -= (int)MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		const struct swp_field *f = swp_field_of(d, mnl_attr_get_type(a));

		if (f && swp_get(f, a, body) < 0) {
			*bad = f->attr;
			return -EBADMSG;
		}
	}
	/* Nothing may be left over (the length is a multiple of 4: the last attribute's padding is in). */
	return left > 0 ? -EBADMSG : 0;
}

/* ---- encoding ---- */

static bool swp_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool swp_put(struct nlmsghdr *nlh, size_t cap, const struct swp_field *f, const uint8_t *body)
{
	const uint8_t *src = body + f->off;
	struct nlattr *nest;
	struct swp_bytes b;

	if (f->kind == K_BYTES) {
		uint8_t *end = (uint8_t *)nlh + nlh->nlmsg_len;

		memcpy(&b, src, sizeof(b));
		if (!b.len)
			return true;
		if (b.len > SWP_ATTR_MAX || !mnl_attr_put_check(nlh, cap, f->attr, b.len, b.ptr))
			return false;
		/* Its padding: past what swp_encode zeroed, and libmnl 1.0.4 leaves it as it finds it. */
		memset(end + MNL_ATTR_HDRLEN + b.len, 0, MNL_ALIGN(b.len) - b.len);
		return true;
	}
	if (swp_zero(src, f->kind == K_STR ? 1 : f->size))
		return true;
	switch (f->kind) {
	case K_STR:
		return mnl_attr_put_strz_check(nlh, cap, f->attr, (const char *)src);
	case K_U64S:
		nest = mnl_attr_nest_start_check(nlh, cap, f->attr);
		if (!nest)
			return false;
		for (size_t i = 0; i < f->size / sizeof(uint64_t); i++) {
			uint64_t v;

			memcpy(&v, src + i * sizeof(v), sizeof(v));
			if (v && !mnl_attr_put_u64_check(nlh, cap, (uint16_t)(i + 1), v))
				return false;
		}
		mnl_attr_nest_end(nlh, nest);
		return true;
	case K_MAC:
		return mnl_attr_put_check(nlh, cap, f->attr, 6, src);
	default:
		return mnl_attr_put_check(nlh, cap, f->attr, f->size, src);
	}
}

static size_t swp_fixed_max(uint16_t type);

size_t swp_encode(void *buf, size_t cap, uint16_t type, uint32_t seq, const void *body)
{
	const struct swp_msgdef *d = swp_msgdef(type);
	struct nlmsghdr *nlh;
	struct swp_hdr *h;

	if (cap < sizeof(*h))
		return 0;
	if (cap > SWP_MSG_MAX)
		cap = SWP_MSG_MAX;
	/* libmnl 1.0.4 leaves the padding after an attribute as it finds it (bytes: swp_put). */
	memset(buf, 0, cap < swp_fixed_max(type) ? cap : swp_fixed_max(type));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = seq;
	mnl_nlmsg_put_extra_header(nlh, SWP_FAMILY_HDR);
	h = buf;
	h->version = SWP_VERSION;
	for (uint16_t i = 0; d && body && i < d->nfields; i++)
		if (!swp_put(nlh, cap, &d->fields[i], body))
			return 0;
	return nlh->nlmsg_len;
}

/*
 * The longest encoding of d: every field present at its largest; with bytes,
 * SWP_ATTR_MAX of them, or none (the fixed part, which bytes, listed last, follow).
 */
static size_t swp_walk_max(const struct swp_msgdef *d, bool bytes)
{
	size_t n = sizeof(struct swp_hdr);

	for (uint16_t i = 0; i < d->nfields; i++) {
		const struct swp_field *f = &d->fields[i];

		if (f->kind == K_BYTES)
			n += bytes ? MNL_ALIGN(MNL_ATTR_HDRLEN + SWP_ATTR_MAX) : 0;
		else if (f->kind == K_U64S)
			n += MNL_ATTR_HDRLEN + f->size / sizeof(uint64_t) * MNL_ALIGN(MNL_ATTR_HDRLEN + 8);
		else
			n += MNL_ALIGN(MNL_ATTR_HDRLEN + f->size);
	}
	return n;
}

size_t swp_encoded_max(uint16_t type)
{
	/*
	 * By swp_msgs[] index, each walked once at first use (0: not yet; every
	 * message has a header): ctl.c asks for every reply it queues. Both
	 * programs are single-threaded.
	 */
	static size_t max[sizeof(swp_msgs) / sizeof(swp_msgs[0])];
	const struct swp_msgdef *d = swp_msgdef(type);
	size_t i;

	if (!d)
		return sizeof(struct swp_hdr);
	i = (size_t)(d - swp_msgs);
	if (!max[i])
		max[i] = swp_walk_max(d, true);
	return max[i];
}

static size_t swp_fixed_max(uint16_t type)
{
	static size_t max[sizeof(swp_msgs) / sizeof(swp_msgs[0])];
	const struct swp_msgdef *d = swp_msgdef(type);
	size_t i;

	if (!d)
		return sizeof(struct swp_hdr);
	i = (size_t)(d - swp_msgs);
	if (!max[i])
		max[i] = swp_walk_max(d, false);
	return max[i];
}

size_t swp_encoded_bound(uint16_t type, const void *body)
{
	const struct swp_msgdef *d = swp_msgdef(type);
	size_t n = swp_fixed_max(type);
	bool bytes = false;

	for (uint16_t i = 0; d && i < d->nfields; i++) {
		struct swp_bytes b;

		if (d->fields[i].kind != K_BYTES)
			continue;
		bytes = true;
		if (body) {
			memcpy(&b, (const uint8_t *)body + d->fields[i].off, sizeof(b));
			n += MNL_ALIGN(MNL_ATTR_HDRLEN + (b.len < SWP_ATTR_MAX ? b.len : SWP_ATTR_MAX));
		}
	}
	return bytes ? n : swp_encoded_max(type);
}

static const char *const swp_counters_names[] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_dropped", "tx_dropped",
	"rx_drop_bad_src", "rx_drop_runt", "rx_drop_filtered", "rx_drop_error", "tx_drop_mtu",
	"tx_drop_busy", "tx_drop_error", "rx_drop_link_local", "rx_drop_storm", "rx_drop_blocked",
	"rx_drop_mac_limit", "rx_drop_static", "rx_drop_isolated", "rx_drop_vlan", "tx_drop_gso", "rx_drop_mirror",
};
_Static_assert(sizeof(swp_counters_names) / sizeof(swp_counters_names[0]) == SWP_COUNTERS,
	       "a name for every counter");

const char *swp_counter_name(size_t i)
{
	return i < SWP_COUNTERS ? swp_counters_names[i] : NULL;
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
	{ "ageing", SWP_SET_AGEING, 1, SWITCHD_AGEING_MAX_SEC, SWITCHD_AGEING_SEC, "SECONDS",
	  "MAC entry ageing time" },
	{ "max-macs", SWP_SET_MAX_MACS, 1, SWITCHD_MAX_MACS_LIMIT, SWITCHD_MAX_MACS, "N", "MAC table size limit" },
	{ "flap-moves", SWP_SET_FLAP_MOVES, 0, SWITCHD_FLAP_MOVES_MAX, SWITCHD_FLAP_MOVES, "N",
	  "moves a second that make a MAC flap, blocking its new port (0: never)" },
	{ "flap-hold", SWP_SET_FLAP_HOLD, 1, SWITCHD_FLAP_HOLD_MAX_SEC, SWITCHD_FLAP_HOLD_SEC, "SECONDS",
	  "how long a port stays blocked after a flap" },
	{ "storm-broadcast", SWP_SET_STORM_BROADCAST, 0, SWITCHD_STORM_PPS_MAX, SWITCHD_STORM_PPS, "PPS",
	  "broadcasts a second one port may flood (0: no limit)" },
	{ "storm-multicast", SWP_SET_STORM_MULTICAST, 0, SWITCHD_STORM_PPS_MAX, SWITCHD_STORM_PPS, "PPS",
	  "multicasts a second one port may flood (0: no limit)" },
	{ "storm-unknown", SWP_SET_STORM_UNKNOWN, 0, SWITCHD_STORM_PPS_MAX, SWITCHD_STORM_PPS, "PPS",
	  "unknown unicasts a second one port may flood (0: no limit)" },
	{ "spin-us", SWP_SET_SPIN_US, 0, SWITCHD_SPIN_US_MAX, SWITCHD_SPIN_US, "MICROSECONDS",
	  "after traffic, poll this long before sleeping (0: sleep at once)" },
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

static const struct swp_port_setting swp_port_settings[] = {
	{ "learning", "learning", SWP_PSET_LEARNING, true, 0, 1, 1, false },
	{ "flood", "flood", SWP_PSET_FLOOD, true, 0, 1, 1, false },
	{ "isolated", "isolated", SWP_PSET_ISOLATED, true, 0, 1, 0, false },
	{ "max-macs", "max_macs", SWP_PSET_MAX_MACS, false, 0, SWITCHD_MAX_MACS_LIMIT, 0, false },
	{ "storm-broadcast", "storm_broadcast", SWP_PSET_STORM_BROADCAST, false, 0, SWITCHD_STORM_PPS_MAX, 0, false },
	{ "storm-multicast", "storm_multicast", SWP_PSET_STORM_MULTICAST, false, 0, SWITCHD_STORM_PPS_MAX, 0, false },
	{ "storm-unknown", "storm_unknown", SWP_PSET_STORM_UNKNOWN, false, 0, SWITCHD_STORM_PPS_MAX, 0, false },
	{ "vlan", "vlan_mode", SWP_PSET_VLAN, false, 0, 0, 0, true },
};
#define NPORT_SETTINGS (sizeof(swp_port_settings) / sizeof(swp_port_settings[0]))

const struct swp_port_setting *swp_port_setting_by_name(const char *name)
{
	for (size_t i = 0; i < NPORT_SETTINGS; i++)
		if (!strcmp(swp_port_settings[i].name, name))
			return &swp_port_settings[i];
	return NULL;
}

const struct swp_port_setting *swp_port_setting_by_key(uint32_t key)
{
	for (size_t i = 0; i < NPORT_SETTINGS; i++)
		if (swp_port_settings[i].key == key)
			return &swp_port_settings[i];
	return NULL;
}

const struct swp_port_setting *swp_port_setting_at(size_t i)
{
	return i < NPORT_SETTINGS ? &swp_port_settings[i] : NULL;
}

void swp_port_setting_format(const struct swp_port_setting *s, uint64_t value, char *buf, size_t len)
{
	if (s->boolean)
		snprintf(buf, len, "%s", value ? "on" : "off");
	else
		snprintf(buf, len, "%llu", (unsigned long long)value);
}

static const char *const swp_vlan_modes[] = {
	[SWP_VLAN_TRUNK] = "trunk",
	[SWP_VLAN_ACCESS] = "access",
	[SWP_VLAN_TUNNEL] = "tunnel",
};

const char *swp_vlan_mode_name(uint32_t mode)
{
	return mode < sizeof(swp_vlan_modes) / sizeof(swp_vlan_modes[0]) ? swp_vlan_modes[mode] : NULL;
}

bool swp_vlan_all(const struct swp_vlan *v)
{
	return swp_zero((const uint8_t *)v->vlans, sizeof(v->vlans));
}

int swp_vlan_check(const struct swp_vlan *v, const char **why)
{
	*why = NULL;
	if (!swp_vlan_mode_name(v->mode))
		*why = "unknown VLAN mode";
	else if (v->mode != SWP_VLAN_TRUNK && (v->vid < 1 || v->vid > SWP_VLAN_VID_MAX))
		*why = "the VLAN must be in 1..4094";
	else if (v->mode != SWP_VLAN_TRUNK && !swp_vlan_all(v))
		*why = "a VLAN list goes only with trunk";
	else if (v->vid > SWP_VLAN_VID_MAX)
		*why = "the native VLAN must be in 1..4094";
	else if (swp_vlan_has(v, 0) || swp_vlan_has(v, 4095))
		*why = "a trunk's VLANs must be in 1..4094";
	return *why ? -EINVAL : 0;
}

void swp_vlan_list_format(const struct swp_vlan *v, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (swp_vlan_all(v)) {
		snprintf(buf, len, "all");
		return;
	}
	for (unsigned lo = 1; lo <= SWP_VLAN_VID_MAX; lo++) {
		unsigned hi = lo;
		char r[16];
		int n;

		if (!swp_vlan_has(v, lo))
			continue;
		while (hi < SWP_VLAN_VID_MAX && swp_vlan_has(v, hi + 1))
			hi++;
		n = hi > lo ? snprintf(r, sizeof(r), "%s%u-%u", off ? "," : "", lo, hi)
			    : snprintf(r, sizeof(r), "%s%u", off ? "," : "", lo);
		/* Room for this range, and for a "..." after it if more follow. */
		if (off + (size_t)n + 4 > len) {
			snprintf(buf + off, len - off, "%s", len - off > 3 ? "..." : "");
			return;
		}
		memcpy(buf + off, r, (size_t)n + 1);
		off += (size_t)n;
		lo = hi;
	}
}

void swp_vlan_format(const struct swp_vlan *v, char *buf, size_t len)
{
	char native[24] = "";
	size_t n, nl;

	if (v->mode != SWP_VLAN_TRUNK) {
		const char *m = swp_vlan_mode_name(v->mode);

		snprintf(buf, len, "%s %u", m ? m : "unknown", v->vid);
		return;
	}
	if (v->vid)
		snprintf(native, sizeof(native), " native %u", v->vid);
	nl = strlen(native);
	snprintf(buf, len, "trunk ");
	n = strlen(buf);
	/* The native VLAN is kept whole: the list is what gets cut. */
	if (len < n + nl + 4)
		return;
	swp_vlan_list_format(v, buf + n, len - n - nl);
	memcpy(buf + strlen(buf), native, nl + 1);
}

/* The port kinds a request may name; "auto" lets switchd choose (a TAP nobody holds, else a socket). */
static const struct {
	uint32_t type;
	const char *name;
} swp_kinds[] = {
	{ SWP_PORT_AUTO, "auto" },
	{ SWP_PORT_TAP, "tap" },
	{ SWP_PORT_AFPACKET, "afpacket" },
	{ SWP_PORT_STREAM, "stream" },
	{ SWP_PORT_DGRAM, "dgram" },
	{ SWP_PORT_VXLAN, "vxlan" },
};

const char *swp_type_name(uint32_t port_type)
{
	for (size_t i = 0; i < sizeof(swp_kinds) / sizeof(swp_kinds[0]); i++)
		if (swp_kinds[i].type == port_type)
			return swp_kinds[i].name;
	return "unknown";
}

int swp_type_by_name(const char *name, uint32_t *port_type)
{
	/* "auto" is what no type says: not a word a user types. */
	for (size_t i = 1; i < sizeof(swp_kinds) / sizeof(swp_kinds[0]); i++)
		if (!strcmp(swp_kinds[i].name, name)) {
			*port_type = swp_kinds[i].type;
			return 0;
		}
	return -ENOENT;
}

bool swp_type_known(uint32_t port_type)
{
	return strcmp(swp_type_name(port_type), "unknown") != 0;
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
	case SWP_STATE_WAITING:
		return "waiting";
	case SWP_STATE_CONNECTED:
		return "connected";
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
		[SWP_EV_PORT_CHANGED] = "port_changed",
		[SWP_EV_MAC_ADDED] = "mac_added",
		[SWP_EV_MAC_DELETED] = "mac_deleted",
		[SWP_EV_MIRROR_REMOVED] = "mirror_removed",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : NULL;
}
