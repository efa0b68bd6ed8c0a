/*
 * Harness 1: the control protocol, from a client's bytes to the replies.
 *
 * The bytes go in chunks through ctl_conn_input(), the function the daemon
 * runs on every read: its framing (ctl_stream), swp_check and swp_decode, the
 * request handler cmd_handle on a real struct sw with fake ports (fz_port.c;
 * port add and del work, with no kernel interface), and the SWP_DONE ending
 * each answer. Only the socket is left out. Meanwhile a model frames the same
 * bytes and walks their attributes on its own (fz_model, fz_walk), and every
 * reply is held against it.
 *
 * Input:
 *   byte 0    ports attached beforehand: 0..15, or 193..256 when the top two bits
 *             are set (enough for replies to outgrow SWITCHD_CTL_OUTBUF_MAX); with
 *             them not both set, bit 5 makes the client a read-only socket's
 *             (every changing request -EPERM)
 *   bytes 1-2 MAC entries learned on them beforehand, 0..1023 (bits 0-9)
 *   byte 3    seed of the chunk sizes: how the stream is cut into reads
 *   the rest  the stream the client sends
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "fz.h"
#include "log.h"

/* What the model says about one message of the stream. */
struct fz_msg {
	size_t off; /* where it starts */
	size_t end; /* how many stream bytes must be in before it can be answered */
	struct swp_hdr hdr;
	int err;      /* 0: for the handler; -EPROTO, -EBADMSG, -EMSGSIZE: an error reply */
	uint16_t bad; /* -EBADMSG: the attribute at fault; 0: bytes that are no attribute, or the type */
};

/* What the handler did with a well-formed message. */
struct fz_call {
	bool done;
	int status;
	uint32_t count;
};

struct fz_ctl {
	struct daemon d;
	struct ctl_conn conn;
	const uint8_t *stream;
	size_t len;
	size_t fed; /* stream bytes given to the connection so far */
	struct fz_msg *msgs;
	struct fz_call *calls; /* by message index */
	size_t nmsgs;
	size_t next_handled; /* where the handler's next message is searched from */
	size_t answered;     /* SWP_DONEs seen */
	bool overflowed;     /* a handler's reply did not fit the output bound */
	bool cap_on;	     /* the connection carries a capture (started by request seq cap_seq) */
	bool cap_ended;	     /* ... and switchd ended it: SWP_CAPTURE_END queued, then the hang-up */
	uint32_t cap_seq;
};

static struct fz_ctl fz;
static uint64_t fz_clock_ms;

static uint64_t fz_clock(void)
{
	return fz_clock_ms;
}

/*
 * ---- the model: docs/protocol.md's rules, written apart from ctl.c and proto.c ----
 *
 * Each message type's attributes, from the comments of proto.h's enums, and
 * where the model puts each in the type's struct (to compare with what the
 * handler is given, and with what swp_decode makes of a reply).
 */
enum fz_kind {
	FZ_FIXED, /* an integer or a MAC: exactly the member's size */
	FZ_STR,	  /* NUL-terminated, shorter than the member */
	FZ_U64S,  /* nested u64s, attribute i + 1 is element i */
	FZ_BYTES, /* any run of bytes: a struct swp_bytes pointing at the payload */
};

struct fz_field {
	uint16_t attr;
	uint8_t kind;
	uint16_t off, size;
};

#define FZ_F(st, a, k, m)                                   \
	{                                                   \
		a, k, offsetof(st, m), sizeof(((st *)0)->m) \
	}

static const struct fz_field fz_port_req[] = {
	FZ_F(struct swp_port_req, SWP_A_PORT_NAME, FZ_STR, name),
	FZ_F(struct swp_port_req, SWP_A_PORT_TYPE, FZ_FIXED, type),
	FZ_F(struct swp_port_req, SWP_A_PORT_FLAGS, FZ_FIXED, flags),
	FZ_F(struct swp_port_req, SWP_A_PORT_PEER, FZ_STR, peer),
	FZ_F(struct swp_port_req, SWP_A_PORT_NETNS, FZ_STR, netns),
	FZ_F(struct swp_port_req, SWP_A_PORT_PATH, FZ_STR, path),
	FZ_F(struct swp_port_req, SWP_A_PORT_UID, FZ_FIXED, uid),
	FZ_F(struct swp_port_req, SWP_A_PORT_GID, FZ_FIXED, gid),
	FZ_F(struct swp_port_req, SWP_A_PORT_MODE, FZ_FIXED, mode),
	FZ_F(struct swp_port_req, SWP_A_PORT_PEER_PATH, FZ_STR, peer_path),
	FZ_F(struct swp_port_req, SWP_A_PORT_MTU, FZ_FIXED, mtu),
	FZ_F(struct swp_port_req, SWP_A_PORT_VNI, FZ_FIXED, vx.vni),
	FZ_F(struct swp_port_req, SWP_A_PORT_DSTPORT, FZ_FIXED, vx.dstport),
	FZ_F(struct swp_port_req, SWP_A_PORT_LOCAL, FZ_STR, vx.local),
	FZ_F(struct swp_port_req, SWP_A_PORT_GROUP, FZ_STR, vx.group),
	FZ_F(struct swp_port_req, SWP_A_PORT_DEV, FZ_STR, vx.dev),
	FZ_F(struct swp_port_req, SWP_A_PORT_REMOTES, FZ_STR, vx.remotes),
};

static const struct fz_field fz_mac_req[] = {
	FZ_F(struct swp_mac_req, SWP_A_MAC_PORT, FZ_STR, port),
	FZ_F(struct swp_mac_req, SWP_A_MAC_ADDR, FZ_FIXED, mac),
	FZ_F(struct swp_mac_req, SWP_A_MAC_VLAN, FZ_FIXED, vlan),
	FZ_F(struct swp_mac_req, SWP_A_MAC_FLAGS, FZ_FIXED, flags),
};

static const struct fz_field fz_port_set_req[] = {
	FZ_F(struct swp_port_set_req, SWP_A_PORT_NAME, FZ_STR, name),
	FZ_F(struct swp_port_set_req, SWP_A_PORT_SET_KEY, FZ_FIXED, key),
	FZ_F(struct swp_port_set_req, SWP_A_PORT_SET_VALUE, FZ_FIXED, value),
	FZ_F(struct swp_port_set_req, SWP_A_PORT_VLAN_MODE, FZ_FIXED, vlan.mode),
	FZ_F(struct swp_port_set_req, SWP_A_PORT_VLAN_VID, FZ_FIXED, vlan.vid),
	FZ_F(struct swp_port_set_req, SWP_A_PORT_VLANS, FZ_U64S, vlan.vlans),
};

static const struct fz_field fz_set_req[] = {
	FZ_F(struct swp_set_req, SWP_A_SET_KEY, FZ_FIXED, key),
	FZ_F(struct swp_set_req, SWP_A_SET_VALUE, FZ_FIXED, value),
};

static const struct fz_field fz_done[] = {
	FZ_F(struct swp_done, SWP_A_DONE_STATUS, FZ_FIXED, status),
	FZ_F(struct swp_done, SWP_A_DONE_COUNT, FZ_FIXED, count),
	FZ_F(struct swp_done, SWP_A_DONE_MSG, FZ_STR, msg),
};

static const struct fz_field fz_port_info[] = {
	FZ_F(struct swp_port_info, SWP_A_PORT_NAME, FZ_STR, name),
	FZ_F(struct swp_port_info, SWP_A_PORT_TYPE, FZ_FIXED, type),
	FZ_F(struct swp_port_info, SWP_A_PORT_STATE, FZ_FIXED, state),
	FZ_F(struct swp_port_info, SWP_A_PORT_IFINDEX, FZ_FIXED, ifindex),
	FZ_F(struct swp_port_info, SWP_A_PORT_MTU, FZ_FIXED, mtu),
	FZ_F(struct swp_port_info, SWP_A_PORT_MACS, FZ_FIXED, macs),
	FZ_F(struct swp_port_info, SWP_A_PORT_CREATED, FZ_FIXED, created),
	FZ_F(struct swp_port_info, SWP_A_PORT_BLOCKED, FZ_FIXED, blocked),
	FZ_F(struct swp_port_info, SWP_A_PORT_COUNTERS, FZ_U64S, c),
	FZ_F(struct swp_port_info, SWP_A_PORT_PEER, FZ_STR, peer),
	FZ_F(struct swp_port_info, SWP_A_PORT_NETNS, FZ_STR, netns),
	FZ_F(struct swp_port_info, SWP_A_PORT_SETTINGS, FZ_U64S, settings),
	FZ_F(struct swp_port_info, SWP_A_PORT_ORIGIN, FZ_FIXED, origin),
	FZ_F(struct swp_port_info, SWP_A_PORT_VLAN_MODE, FZ_FIXED, vlan.mode),
	FZ_F(struct swp_port_info, SWP_A_PORT_VLAN_VID, FZ_FIXED, vlan.vid),
	FZ_F(struct swp_port_info, SWP_A_PORT_VLANS, FZ_U64S, vlan.vlans),
	FZ_F(struct swp_port_info, SWP_A_PORT_PATH, FZ_STR, path),
	FZ_F(struct swp_port_info, SWP_A_PORT_UID, FZ_FIXED, uid),
	FZ_F(struct swp_port_info, SWP_A_PORT_GID, FZ_FIXED, gid),
	FZ_F(struct swp_port_info, SWP_A_PORT_MODE, FZ_FIXED, mode),
	FZ_F(struct swp_port_info, SWP_A_PORT_PEER_PATH, FZ_STR, peer_path),
	FZ_F(struct swp_port_info, SWP_A_PORT_VNI, FZ_FIXED, vx.vni),
	FZ_F(struct swp_port_info, SWP_A_PORT_DSTPORT, FZ_FIXED, vx.dstport),
	FZ_F(struct swp_port_info, SWP_A_PORT_LOCAL, FZ_STR, vx.local),
	FZ_F(struct swp_port_info, SWP_A_PORT_GROUP, FZ_STR, vx.group),
	FZ_F(struct swp_port_info, SWP_A_PORT_DEV, FZ_STR, vx.dev),
	FZ_F(struct swp_port_info, SWP_A_PORT_REMOTES, FZ_STR, vx.remotes),
};

static const struct fz_field fz_mac_entry[] = {
	FZ_F(struct swp_mac_entry, SWP_A_MAC_ADDR, FZ_FIXED, mac),
	FZ_F(struct swp_mac_entry, SWP_A_MAC_VLAN, FZ_FIXED, vlan),
	FZ_F(struct swp_mac_entry, SWP_A_MAC_PORT, FZ_STR, port),
	FZ_F(struct swp_mac_entry, SWP_A_MAC_AGE, FZ_FIXED, age),
	FZ_F(struct swp_mac_entry, SWP_A_MAC_STATIC, FZ_FIXED, is_static),
	FZ_F(struct swp_mac_entry, SWP_A_MAC_REMOTE, FZ_STR, remote),
};

static const struct fz_field fz_status_info[] = {
	FZ_F(struct swp_status_info, SWP_A_STATUS_VERSION, FZ_STR, version),
	FZ_F(struct swp_status_info, SWP_A_STATUS_UPTIME, FZ_FIXED, uptime),
	FZ_F(struct swp_status_info, SWP_A_STATUS_PORTS, FZ_FIXED, ports),
	FZ_F(struct swp_status_info, SWP_A_STATUS_MACS, FZ_FIXED, macs),
	FZ_F(struct swp_status_info, SWP_A_STATUS_LEARNED, FZ_FIXED, mac_learned),
	FZ_F(struct swp_status_info, SWP_A_STATUS_MOVED, FZ_FIXED, mac_moved),
	FZ_F(struct swp_status_info, SWP_A_STATUS_EVICTED, FZ_FIXED, mac_evicted),
	FZ_F(struct swp_status_info, SWP_A_STATUS_AGED, FZ_FIXED, mac_aged),
	FZ_F(struct swp_status_info, SWP_A_STATUS_SETTINGS, FZ_U64S, settings),
};

static const struct fz_field fz_event[] = {
	FZ_F(struct swp_event, SWP_A_EV_KIND, FZ_FIXED, kind),
	FZ_F(struct swp_event, SWP_A_EV_TIME_MS, FZ_FIXED, time_ms),
	FZ_F(struct swp_event, SWP_A_EV_MAC, FZ_FIXED, mac),
	FZ_F(struct swp_event, SWP_A_EV_VLAN, FZ_FIXED, vlan),
	FZ_F(struct swp_event, SWP_A_EV_COUNT, FZ_FIXED, count),
	FZ_F(struct swp_event, SWP_A_EV_PORT, FZ_STR, port),
	FZ_F(struct swp_event, SWP_A_EV_OLD_PORT, FZ_STR, old_port),
	FZ_F(struct swp_event, SWP_A_EV_REASON, FZ_STR, reason),
	FZ_F(struct swp_event, SWP_A_EV_SETTING, FZ_STR, setting),
	FZ_F(struct swp_event, SWP_A_EV_VALUE, FZ_STR, value),
	FZ_F(struct swp_event, SWP_A_EV_STATIC, FZ_FIXED, is_static),
	FZ_F(struct swp_event, SWP_A_EV_MIRROR, FZ_STR, mirror),
};

static const struct fz_field fz_mirror[] = {
	FZ_F(struct swp_mirror, SWP_A_MIRROR_NAME, FZ_STR, name),
	FZ_F(struct swp_mirror, SWP_A_MIRROR_FROM, FZ_STR, from),
	FZ_F(struct swp_mirror, SWP_A_MIRROR_DIR, FZ_FIXED, dir),
	FZ_F(struct swp_mirror, SWP_A_MIRROR_TO, FZ_STR, to),
	FZ_F(struct swp_mirror, SWP_A_MIRROR_PACKETS, FZ_FIXED, packets),
	FZ_F(struct swp_mirror, SWP_A_MIRROR_ORIGIN, FZ_FIXED, origin),
};

static const struct fz_field fz_trace_req[] = {
	FZ_F(struct swp_trace_req, SWP_A_TRACE_PORT, FZ_STR, port),
	FZ_F(struct swp_trace_req, SWP_A_TRACE_SRC, FZ_FIXED, src),
	FZ_F(struct swp_trace_req, SWP_A_TRACE_DST, FZ_FIXED, dst),
	FZ_F(struct swp_trace_req, SWP_A_TRACE_FLAGS, FZ_FIXED, flags),
	FZ_F(struct swp_trace_req, SWP_A_TRACE_VLAN, FZ_FIXED, vlan),
	FZ_F(struct swp_trace_req, SWP_A_TRACE_TYPE, FZ_FIXED, type),
};

static const struct fz_field fz_trace_step[] = {
	FZ_F(struct swp_trace_step, SWP_A_TRACE_STAGE, FZ_FIXED, stage),
	FZ_F(struct swp_trace_step, SWP_A_TRACE_RESULT, FZ_STR, result),
	FZ_F(struct swp_trace_step, SWP_A_TRACE_PORT, FZ_STR, port),
	FZ_F(struct swp_trace_step, SWP_A_TRACE_VLAN, FZ_FIXED, vlan),
	FZ_F(struct swp_trace_step, SWP_A_TRACE_DROP, FZ_FIXED, drop),
	FZ_F(struct swp_trace_step, SWP_A_TRACE_DETAIL, FZ_STR, detail),
};

static const struct fz_field fz_capture_req[] = {
	FZ_F(struct swp_capture_req, SWP_A_CAP_PORTS, FZ_STR, ports),
	FZ_F(struct swp_capture_req, SWP_A_CAP_DIRS, FZ_FIXED, dirs),
	FZ_F(struct swp_capture_req, SWP_A_CAP_SNAPLEN, FZ_FIXED, snaplen),
	FZ_F(struct swp_capture_req, SWP_A_CAP_COUNT, FZ_FIXED, count),
	FZ_F(struct swp_capture_req, SWP_A_CAP_FILTER, FZ_BYTES, filter),
};

static const struct fz_field fz_capture_frame[] = {
	FZ_F(struct swp_capture_frame, SWP_A_CAP_KIND, FZ_FIXED, kind),
	FZ_F(struct swp_capture_frame, SWP_A_CAP_PORT, FZ_STR, port),
	FZ_F(struct swp_capture_frame, SWP_A_CAP_DIR, FZ_FIXED, dir),
	FZ_F(struct swp_capture_frame, SWP_A_CAP_TIME_NS, FZ_FIXED, time_ns),
	FZ_F(struct swp_capture_frame, SWP_A_CAP_LEN, FZ_FIXED, len),
	FZ_F(struct swp_capture_frame, SWP_A_CAP_DROPPED, FZ_FIXED, dropped),
	FZ_F(struct swp_capture_frame, SWP_A_CAP_DATA, FZ_BYTES, data),
};

static const struct fz_field fz_capture_end[] = {
	FZ_F(struct swp_capture_end, SWP_A_CAP_CAPTURED, FZ_FIXED, captured),
	FZ_F(struct swp_capture_end, SWP_A_CAP_DROPPED, FZ_FIXED, dropped),
	FZ_F(struct swp_capture_end, SWP_A_CAP_REASON, FZ_STR, reason),
};

static const struct fz_type {
	uint16_t type;
	uint16_t record; /* a request: the type of its records; 0 when it has none */
	size_t size;	 /* of its struct; 0: it carries nothing */
	const struct fz_field *f;
	size_t nf;
} fz_types[] = {
#define FZ_T(t, rec, st, f)                                     \
	{                                                       \
		t, rec, sizeof(st), f, sizeof(f) / sizeof(f[0]) \
	}
	FZ_T(SWP_PORT_ADD, 0, struct swp_port_req, fz_port_req),
	FZ_T(SWP_PORT_DEL, 0, struct swp_port_req, fz_port_req),
	FZ_T(SWP_PORT_SHOW, SWP_PORT_INFO, struct swp_port_req, fz_port_req),
	FZ_T(SWP_PORT_CLEAR, 0, struct swp_port_req, fz_port_req),
	FZ_T(SWP_PORT_REMOTE_ADD, 0, struct swp_port_req, fz_port_req),
	FZ_T(SWP_PORT_REMOTE_DEL, 0, struct swp_port_req, fz_port_req),
	FZ_T(SWP_MAC_SHOW, SWP_MAC_ENTRY, struct swp_mac_req, fz_mac_req),
	FZ_T(SWP_MAC_FLUSH, 0, struct swp_mac_req, fz_mac_req),
	{ SWP_STATUS, SWP_STATUS_INFO, 0, NULL, 0 },
	FZ_T(SWP_SET, 0, struct swp_set_req, fz_set_req),
	{ SWP_MONITOR, 0, 0, NULL, 0 },
	FZ_T(SWP_PORT_SET, 0, struct swp_port_set_req, fz_port_set_req),
	FZ_T(SWP_MAC_ADD, 0, struct swp_mac_req, fz_mac_req),
	FZ_T(SWP_MAC_DEL, 0, struct swp_mac_req, fz_mac_req),
	FZ_T(SWP_MIRROR_ADD, 0, struct swp_mirror, fz_mirror),
	FZ_T(SWP_MIRROR_DEL, 0, struct swp_mirror, fz_mirror),
	FZ_T(SWP_MIRROR_SHOW, SWP_MIRROR_INFO, struct swp_mirror, fz_mirror),
	FZ_T(SWP_TRACE, SWP_TRACE_STEP, struct swp_trace_req, fz_trace_req),
	FZ_T(SWP_CAPTURE, SWP_CAPTURE_FRAME, struct swp_capture_req, fz_capture_req),
	FZ_T(SWP_DONE, 0, struct swp_done, fz_done),
	FZ_T(SWP_PORT_INFO, 0, struct swp_port_info, fz_port_info),
	FZ_T(SWP_MAC_ENTRY, 0, struct swp_mac_entry, fz_mac_entry),
	FZ_T(SWP_STATUS_INFO, 0, struct swp_status_info, fz_status_info),
	FZ_T(SWP_EVENT, 0, struct swp_event, fz_event),
	FZ_T(SWP_MIRROR_INFO, 0, struct swp_mirror, fz_mirror),
	FZ_T(SWP_TRACE_STEP, 0, struct swp_trace_step, fz_trace_step),
	FZ_T(SWP_CAPTURE_FRAME, 0, struct swp_capture_frame, fz_capture_frame),
	FZ_T(SWP_CAPTURE_END, 0, struct swp_capture_end, fz_capture_end),
#undef FZ_T
};

#define FZ_NLA_HDR 4u
#define FZ_NLA_TYPE_MASK 0x3fffu /* the top two bits of nla_type are flags (nested, byte order) */
#define FZ_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

static const struct fz_type *fz_type(uint16_t type)
{
	for (size_t i = 0; i < sizeof(fz_types) / sizeof(fz_types[0]); i++)
		if (fz_types[i].type == type)
			return &fz_types[i];
	return NULL;
}

static const struct fz_field *fz_field(const struct fz_type *t, uint16_t attr)
{
	for (size_t i = 0; i < t->nf; i++)
		if (t->f[i].attr == attr)
			return &t->f[i];
	return NULL;
}

static uint16_t fz_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The u64s nested in one attribute (n bytes at p): every one exactly 8 bytes, and nothing else. */
static bool fz_take_u64s(const uint8_t *p, size_t n, uint8_t *dst, size_t count)
{
	size_t off = 0;

	while (off + FZ_NLA_HDR <= n) {
		uint16_t alen = fz_get16(p + off), i = fz_get16(p + off + 2) & FZ_NLA_TYPE_MASK;

		if (alen < FZ_NLA_HDR || alen > n - off || alen != FZ_NLA_HDR + 8)
			return false;
		if (i >= 1 && i <= count)
			memcpy(dst + (i - 1) * 8, p + off + FZ_NLA_HDR, 8);
		off += FZ_ALIGN(alen);
	}
	return off >= n;
}

/* One attribute's payload into the struct body: false when it is malformed. */
static bool fz_take(const struct fz_field *f, const uint8_t *p, size_t n, uint8_t *body)
{
	uint8_t *dst = body + f->off;
	size_t len;

	switch (f->kind) {
	case FZ_FIXED:
		if (n != f->size)
			return false;
		memcpy(dst, p, n);
		return true;
	case FZ_STR:
		if (!n || p[n - 1])
			return false;
		len = strlen((const char *)p);
		if (len >= f->size)
			return false;
		memset(dst, 0, f->size);
		memcpy(dst, p, len);
		return true;
	case FZ_BYTES: {
		struct swp_bytes b = { .ptr = p, .len = (uint32_t)n };

		memcpy(dst, &b, sizeof(b));
		return true;
	}
	default:
		return fz_take_u64s(p, n, dst, f->size / 8);
	}
}

/*
 * Walks the attributes of a message of known type t (n bytes at p, after the
 * header) into body (zeroed, t->size bytes): 0, or -EBADMSG with *bad the
 * first known attribute that is malformed, 0 when bytes are left that do not
 * form an attribute. Unknown attributes are skipped whatever they hold; the
 * last attribute may lack its padding.
 */
static int fz_walk(const struct fz_type *t, const uint8_t *p, size_t n, uint8_t *body, uint16_t *bad)
{
	size_t off = 0;

	*bad = 0;
	while (off + FZ_NLA_HDR <= n) {
		uint16_t alen = fz_get16(p + off), a = fz_get16(p + off + 2) & FZ_NLA_TYPE_MASK;
		const struct fz_field *f;

		if (alen < FZ_NLA_HDR || alen > n - off)
			break;
		f = fz_field(t, a);
		if (f && !fz_take(f, p + off + FZ_NLA_HDR, alen - FZ_NLA_HDR, body)) {
			*bad = a;
			return -EBADMSG;
		}
		off += FZ_ALIGN(alen);
	}
	return off < n ? -EBADMSG : 0;
}

/* The longest a message of type t can be: every field present at its largest. */
static size_t fz_encoded_max(const struct fz_type *t)
{
	size_t n = sizeof(struct swp_hdr);

	for (size_t i = 0; i < t->nf; i++)
		n += t->f[i].kind == FZ_U64S	? FZ_NLA_HDR + t->f[i].size / 8 * FZ_ALIGN(FZ_NLA_HDR + 8)
		     : t->f[i].kind == FZ_BYTES ? FZ_ALIGN(FZ_NLA_HDR + SWP_ATTR_MAX)
						: FZ_ALIGN(FZ_NLA_HDR + t->f[i].size);
	return n;
}

/* Whether each field of t reads the same in two decoded structs (a string up to its NUL). */
static bool fz_same(const struct fz_type *t, const uint8_t *a, const uint8_t *b)
{
	for (size_t i = 0; i < t->nf; i++) {
		const struct fz_field *f = &t->f[i];
		struct swp_bytes ba, bb;

		if (f->kind == FZ_BYTES) {
			memcpy(&ba, a + f->off, sizeof(ba));
			memcpy(&bb, b + f->off, sizeof(bb));
			if (ba.len != bb.len || (ba.len && memcmp(ba.ptr, bb.ptr, ba.len)))
				return false;
			continue;
		}
		if (f->kind == FZ_STR ? !memchr(a + f->off, 0, f->size) || !memchr(b + f->off, 0, f->size) ||
						strcmp((const char *)a + f->off, (const char *)b + f->off)
				      : memcmp(a + f->off, b + f->off, f->size) != 0)
			return false;
	}
	return true;
}

static size_t fz_model(const uint8_t *s, size_t len, struct fz_msg *m)
{
	_Alignas(8) uint8_t body[SWP_BODY_MAX];
	const size_t hl = sizeof(struct swp_hdr);
	size_t off = 0, n = 0;
	struct swp_hdr h;

	while (len - off >= sizeof(h.len)) {
		const struct fz_type *t;
		int head;

		/* What the stream holds of the header; a short one's missing bytes read as 0. */
		memset(&h, 0, hl);
		memcpy(&h, s + off, len - off < hl ? len - off : hl);
		m[n].off = off;
		m[n].hdr = h;
		m[n].bad = 0;
		if (h.len % 4) {
			/* Senders pad every message to 4 bytes: answerable with the length alone, and the last. */
			m[n].err = -EMSGSIZE;
			m[n].end = off + sizeof(h.len);
			fz_check(swp_check(&h) == -EMSGSIZE, "swp_check says %d to length %u", swp_check(&h),
				 h.len);
			return n + 1;
		}
		if (len - off < hl)
			break;
		if (h.len < hl || h.len > SWP_MSG_MAX) {
			/* Answerable with the header alone, and the last thing ever answered. */
			m[n].err = -EMSGSIZE;
			m[n].end = off + hl;
			fz_check(swp_check(&h) == -EMSGSIZE, "swp_check says %d to length %u", swp_check(&h),
				 h.len);
			return n + 1;
		}
		if (len - off < h.len)
			break;
		m[n].end = off + h.len;
		t = fz_type(h.type);
		if (h.version != SWP_VERSION) {
			m[n].err = -EPROTO;
		} else if (!t) {
			m[n].err = -EBADMSG;
		} else {
			memset(body, 0, sizeof(body));
			m[n].err = fz_walk(t, s + off + hl, h.len - hl, body, &m[n].bad);
		}
		/* swp_check is the daemon's judge of a header: it must agree on every one. */
		head = m[n].err == -EPROTO || !t ? m[n].err : 0;
		fz_check(swp_check(&h) == head, "swp_check says %d, the model %d (type %u len %u version %u)",
			 swp_check(&h), head, h.type, h.len, h.version);
		n++;
		off += h.len;
	}
	return n;
}

/*
 * A reply as proto.h has senders write it: a header of version 3 with flags,
 * pid and the reserved bytes 0, 4-byte aligned, the attributes tiling it, the
 * padding after each zero, and no attribute that says 0 or "" (senders leave
 * those out), nested ones included. Returns the message's type.
 */
static uint16_t fz_check_wire(const uint8_t *p, size_t have, size_t *len)
{
	const size_t hl = sizeof(struct swp_hdr);
	const struct fz_type *t;
	struct swp_hdr h;
	size_t off = hl;

	fz_check(have >= hl, "reply header cut at %zu bytes", have);
	memcpy(&h, p, hl);
	t = fz_type(h.type);
	fz_check(t && h.type >= SWP_DONE && h.len >= hl && h.len <= have && h.len % 4 == 0 &&
			 h.version == SWP_VERSION && !h.flags && !h.pid && !h.reserved[0] && !h.reserved[1] &&
			 !h.reserved[2] && swp_check(&h) == 0,
		 "reply header: type %u len %u (of %zu) version %u flags %u pid %u", h.type, h.len, have,
		 h.version, h.flags, h.pid);
	fz_check(h.len <= fz_encoded_max(t), "reply of type %u is %u bytes, over its maximum", h.type, h.len);
	while (off < h.len) {
		uint16_t alen = fz_get16(p + off), a = fz_get16(p + off + 2) & FZ_NLA_TYPE_MASK;
		const struct fz_field *f = fz_field(t, a);
		const uint8_t *v = p + off + FZ_NLA_HDR;
		size_t vn = alen - FZ_NLA_HDR, i;
		bool zero = true;

		fz_check(alen >= FZ_NLA_HDR && FZ_ALIGN(alen) <= h.len - off && f,
			 "reply type %u: attribute %u at %zu, length %u", h.type, a, off, alen);
		for (i = vn; i < FZ_ALIGN(vn); i++)
			fz_check(!v[i], "reply type %u: attribute %u: padding byte %02x", h.type, a, v[i]);
		for (i = 0; i < vn; i++)
			zero = zero && !v[i];
		/* Bytes are left out only when there are none (a frame may be all zeros). */
		fz_check(!zero || (f->kind == FZ_BYTES && vn), "reply type %u: attribute %u says 0 or \"\"", h.type,
			 a);
		/* Nested u64s: none of them 0 either, so a nest is never empty. */
		for (i = 0; f->kind == FZ_U64S && i < vn; i += FZ_NLA_HDR + 8) {
			uint64_t u;

			fz_check(i + FZ_NLA_HDR + 8 <= vn && fz_get16(v + i) == FZ_NLA_HDR + 8,
				 "reply type %u: attribute %u holds no u64 at %zu", h.type, a, i);
			memcpy(&u, v + i + FZ_NLA_HDR, 8);
			fz_check(u, "reply type %u: attribute %u.%u says 0", h.type, a, fz_get16(v + i + 2));
		}
		off += FZ_ALIGN(alen);
	}
	*len = h.len;
	return h.type;
}

/*
 * A whole reply, decoded by swp_decode into out (SWP_BODY_MAX bytes) and,
 * when twice, by the model too, which must agree.
 */
static void fz_decode_reply(const uint8_t *p, size_t len, uint8_t *out, bool twice)
{
	static _Alignas(8) uint8_t copy[SWP_MSG_MAX];
	_Alignas(8) uint8_t mine[SWP_BODY_MAX] = { 0 };
	struct swp_hdr h;
	const struct fz_type *t;
	uint16_t bad, mbad;
	int err;

	memcpy(copy, p, len);
	memcpy(&h, p, sizeof(h));
	t = fz_type(h.type);
	memset(out, 0, SWP_BODY_MAX);
	err = swp_decode(copy, out, &bad);
	mbad = 0;
	fz_check(!err && (!twice || !fz_walk(t, p + sizeof(h), len - sizeof(h), mine, &mbad)),
		 "reply type %u refused: swp_decode %d (attribute %u), the model attribute %u", h.type, err,
		 bad, mbad);
	fz_check(!twice || fz_same(t, out, mine),
		 "reply type %u: swp_decode and the model read it differently", h.type);
}

/* ---- state the replies are checked against ---- */

static bool fz_mac_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !memcmp(mac, zero, 6);
}

/* Which entries fz_count counts. */
enum {
	FZ_ALL,
	FZ_LEARNED,
	FZ_STATIC
};

/*
 * The entries of port only (NULL: every port), of mac (NULL: every MAC), of
 * vlan (-1: every VLAN), of a kind: by walking the hash, not the port lists.
 */
static uint32_t fz_count(struct sw *sw, const struct port *only, const uint8_t *mac, int vlan, int kind)
{
	struct fdb_entry *e, *tmp;
	uint32_t n = 0;

	HASH_ITER(hh, sw->fdb.table, e, tmp)
	if ((!only || e->port == only->slot) && (!mac || !memcmp(e->key.mac, mac, 6)) &&
	    (vlan < 0 || e->key.vlan == vlan) && (kind == FZ_ALL || (kind == FZ_STATIC) == e->is_static))
		n++;
	return n;
}

/* The entry of mac in vlan, looked up by walking the hash. */
static struct fdb_entry *fz_lookup(struct sw *sw, const uint8_t *mac, uint16_t vlan)
{
	struct fdb_entry *e, *tmp;

	HASH_ITER(hh, sw->fdb.table, e, tmp)
	if (e->key.vlan == vlan && !memcmp(e->key.mac, mac, 6))
		return e;
	return NULL;
}

/*
 * The port settings as proto.h's enum swp_port_setting_key describes them:
 * every one from 0, booleans to 1, max-macs to SWITCHD_MAX_MACS_LIMIT (the
 * bound of the switch-wide max-macs), storm limits to SWITCHD_STORM_PPS_MAX;
 * defaults learning and flood on.
 */
static const struct {
	uint32_t key;
	uint64_t max, def;
} fz_psets[SWP_PSET_KEY_MAX] = {
	{ SWP_PSET_LEARNING, 1, 1 },
	{ SWP_PSET_FLOOD, 1, 1 },
	{ SWP_PSET_ISOLATED, 1, 0 },
	{ SWP_PSET_MAX_MACS, SWITCHD_MAX_MACS_LIMIT, 0 },
	{ SWP_PSET_STORM_BROADCAST, SWITCHD_STORM_PPS_MAX, 0 },
	{ SWP_PSET_STORM_MULTICAST, SWITCHD_STORM_PPS_MAX, 0 },
	{ SWP_PSET_STORM_UNKNOWN, SWITCHD_STORM_PPS_MAX, 0 },
};

/* A port's setting k (1..SWP_PSET_KEY_MAX), read from the port and the table, not sw_port_setting. */
static uint64_t fz_pset(const struct sw *sw, const struct port *p, uint32_t k)
{
	switch (k) {
	case SWP_PSET_LEARNING:
		return !p->no_learning;
	case SWP_PSET_FLOOD:
		return !p->no_flood;
	case SWP_PSET_ISOLATED:
		return p->isolated;
	case SWP_PSET_STORM_BROADCAST:
		return sw->policy.storm[p->slot].pps[FWD_FLOOD_BROADCAST];
	case SWP_PSET_STORM_MULTICAST:
		return sw->policy.storm[p->slot].pps[FWD_FLOOD_MULTICAST];
	case SWP_PSET_STORM_UNKNOWN:
		return sw->policy.storm[p->slot].pps[FWD_FLOOD_UNKNOWN];
	default:
		return sw->fdb.port_max[p->slot];
	}
}

/* One of a port's lists: every entry on it of that port and kind, in the hash, linked both ways. */
static uint32_t fz_check_list(struct sw *sw, const struct fdb_port_list *l, uint16_t slot, bool is_static)
{
	const struct fdb_entry *e, *prev = NULL;
	uint32_t n = 0;

	for (e = l->head; e; prev = e, e = e->next) {
		struct fdb_entry *h;

		fz_check(n++ < sw->fdb.count, "slot %u: a %s list longer than the table (a loop?)", slot,
			 is_static ? "static" : "learned");
		h = fdb_find(&sw->fdb, e->key.mac, e->key.vlan);
		fz_check(e->port == slot && e->is_static == is_static && e->prev == prev && h == e,
			 "slot %u: %s list holds an entry of slot %u, static %d, not as hashed", slot,
			 is_static ? "static" : "learned", e->port, e->is_static);
	}
	fz_check(l->tail == prev && l->count == n, "slot %u: %s list of %u entries says %u", slot,
		 is_static ? "static" : "learned", n, l->count);
	return n;
}

static void fz_check_table(struct sw *sw)
{
	static uint32_t on_slot[SWITCHD_PORTS_MAX];
	struct fdb_entry *e, *tmp;
	uint32_t n = 0, learned = 0, statics = 0, listed = 0, listed_static = 0;

	memset(on_slot, 0, sizeof(on_slot));

	HASH_ITER(hh, sw->fdb.table, e, tmp)
	{
		fz_check(e->port < SWITCHD_PORTS_MAX && sw->slots[e->port],
			 "entry points at slot %u, which has no port", e->port);
		fz_check(e->key.vlan <= 4095 && !fz_mac_zero(e->key.mac) && !(e->key.mac[0] & 1),
			 "entry of vlan %u, MAC %02x...: not one a table holds", e->key.vlan, e->key.mac[0]);
		n++;
		on_slot[e->port]++;
		if (e->is_static)
			statics++;
		else
			learned++;
	}
	fz_check(n == sw->fdb.count, "table holds %u entries, count says %u", n, sw->fdb.count);
	/* Over max only when static entries fill it: learning and eviction never leave it so. */
	fz_check(sw->fdb.count <= sw->fdb.max || !learned, "%u entries (%u learned), max %u", sw->fdb.count,
		 learned, sw->fdb.max);
	/* Static entries only on the static lists, learned only on the learned: each exactly once. */
	for (uint16_t i = 0; i < SWITCHD_PORTS_MAX; i++) {
		uint32_t ln = fz_check_list(sw, &sw->fdb.ports[i], i, false);
		uint32_t sn = fz_check_list(sw, &sw->fdb.statics[i], i, true);

		listed += ln + sn;
		listed_static += sn;
		fz_check(sw->slots[i] || (!ln && !sw->fdb.statics[i].count && !sw->fdb.port_max[i]),
			 "slot %u has no port but %u entries, max-macs %u", i, ln, sw->fdb.port_max[i]);
		fz_check(!sw->fdb.port_max[i] || ln <= sw->fdb.port_max[i],
			 "slot %u: %u learned entries over its max-macs %u", i, ln, sw->fdb.port_max[i]);
		fz_check(fdb_port_count(&sw->fdb, i) == on_slot[i] &&
				 on_slot[i] == ln + sw->fdb.statics[i].count,
			 "slot %u: fdb_port_count %u", i, fdb_port_count(&sw->fdb, i));
	}
	fz_check(listed == n && listed_static == statics,
		 "%u entries on the port lists (%u static), %u in the table (%u static)", listed,
		 listed_static, n, statics);
}

/* The records a handler just queued (len bytes at p), checked against the switch as it is now. */
static void fz_check_records(struct sw *sw, const struct swp_hdr *req, const void *body,
			     const struct port *only, const uint8_t *p, size_t len, uint32_t count)
{
	const struct fz_type *t = fz_type(req->type);
	_Alignas(8) uint8_t rec[SWP_BODY_MAX];
	char last[SWP_NAME_MAX] = ""; /* port show: the name of the record before */
	uint32_t i = 0;
	size_t off = 0, n;

	for (; off < len; off += n, i++) {
		struct swp_hdr h;
		bool deep;

		/*
		 * Every record is read and held against the switch; the first few and
		 * the last are also checked byte by byte and read by the model (all of
		 * a 256-port show, every time, would be most of the harness's time).
		 */
		fz_check(len - off >= sizeof(h), "record header cut at %zu of %zu", off, len);
		memcpy(&h, p + off, sizeof(h));
		if (h.type == SWP_CAPTURE_END && h.len >= sizeof(h) && h.len <= len - off) {
			n = h.len; /* a capture's end, among a port del's replies: fz_check_replies reads it */
			i--;	   /* no record of the request's */
			continue;
		}
		fz_check(h.type == t->record && h.seq == req->seq && h.len >= sizeof(h) && h.len <= len - off,
			 "request type %u seq %u: record of type %u seq %u length %u", req->type, req->seq,
			 h.type, h.seq, h.len);
		deep = i < 8 || off + h.len == len;
		if (deep)
			fz_check_wire(p + off, len - off, &n);
		n = h.len;
		fz_decode_reply(p + off, n, rec, deep);
		if (req->type == SWP_PORT_SHOW) {
			const struct swp_port_info *info = (const void *)rec;
			const struct port *pt = only;

			/* By name: each record names a port, after the one before (so each port once). */
			for (uint32_t k = 0; !only && k < sw->nports; k++)
				if (!strcmp(sw->active[k]->name, info->name))
					pt = sw->active[k];
			fz_check(pt && !strcmp(info->name, pt->name) && (!only || i == 0) &&
					 (!i || strcmp(last, info->name) < 0),
				 "port show record %u names %s (after %s)", i, info->name, last);
			memcpy(last, info->name, sizeof(last));
			fz_check(info->origin == (pt->conf ? SWP_ORIGIN_CONFIG : SWP_ORIGIN_SWITCHCTL),
				 "port %s: origin %u", pt->name, info->origin);
			fz_check(info->macs == fdb_port_count(&sw->fdb, pt->slot) &&
					 info->type == pt->ops->type && info->state == pt->state &&
					 info->ifindex == pt->ifindex && info->mtu == pt->mtu &&
					 info->created == pt->created &&
					 !memcmp(&info->c, &pt->c, sizeof(pt->c)) &&
					 !strcmp(info->peer, pt->peer) && !strcmp(info->netns, pt->netns),
				 "port %s: record differs from the port (%u macs)", pt->name, info->macs);
			for (uint32_t k = 1; k <= SWP_PSET_KEY_MAX; k++)
				fz_check(info->settings[k - 1] == fz_pset(sw, pt, k) &&
						 info->settings[k - 1] == sw_port_setting(sw, pt, k),
					 "port %s: setting %u is %llu, the port has %llu", pt->name, k,
					 (unsigned long long)info->settings[k - 1],
					 (unsigned long long)fz_pset(sw, pt, k));
		} else if (req->type == SWP_MAC_SHOW) {
			const struct swp_mac_entry *m = (const void *)rec;
			const struct swp_mac_req *q = body;
			struct fdb_entry *e;
			struct port *at;

			e = fdb_find(&sw->fdb, m->mac, m->vlan);
			at = e ? sw->slots[e->port] : NULL;
			fz_check(at && !strcmp(at->name, m->port),
				 "mac show: entry on %s not in the table as shown", m->port);
			fz_check(!only || at == only, "mac show %s: entry of port %s", only->name, m->port);
			fz_check(fz_mac_zero(q->mac) || !memcmp(q->mac, m->mac, 6),
				 "mac show of one MAC: another");
			fz_check(!(q->flags & SWP_MAC_F_VLAN) || m->vlan == q->vlan,
				 "mac show vlan %u: an entry of vlan %u", q->vlan, m->vlan);
			fz_check(e && m->is_static == e->is_static,
				 "mac show: entry static %u, the table's %d", m->is_static,
				 e ? e->is_static : -1);
		} else if (req->type == SWP_STATUS) {
			const struct swp_status_info *s = (const void *)rec;
			const struct swp_setting *set;

			fz_check(s->ports == sw->nports && s->macs == sw->fdb.count &&
					 s->mac_learned == sw->fdb.st.learned &&
					 s->mac_evicted == sw->fdb.st.evicted &&
					 !strcmp(s->version, SWITCHD_VERSION),
				 "status: %u ports %u macs, version %s", s->ports, s->macs, s->version);
			for (uint32_t k = 1; k <= SWP_SET_KEY_MAX; k++)
				fz_check(!(set = swp_setting_by_key(k)) ||
						 s->settings[k - 1] == sw_setting(sw, k),
					 "status: setting %u is %llu, the switch has %llu", k,
					 (unsigned long long)s->settings[k - 1],
					 (unsigned long long)sw_setting(sw, k));
		}
	}
	fz_check(i == count, "request type %u: %u records in %zu bytes, count %u", req->type, i, len, count);
}

/*
 * The netns of a port request as docs/protocol.md has it: "" for none,
 * NULL when cmd.c must refuse it (a relative path, "." or "..").
 */
static const char *fz_netns(const struct swp_port_req *req)
{
	size_t n = strlen(req->netns);

	if (memchr(req->netns, '/', n) ? req->netns[0] != '/'
				       : !strcmp(req->netns, ".") || !strcmp(req->netns, ".."))
		return NULL;
	return req->netns;
}

/* ---- the handler, wrapped: every call checked before and after ---- */

/* Whether status is one of the reasons that apply (a set, so the order cmd.c checks them in is free). */
static bool fz_one_of(int status, const int *why, int n)
{
	for (int i = 0; i < n; i++)
		if (why[i] == status)
			return true;
	return false;
}

static uint32_t fz_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The requests docs/protocol.md has the read-only socket refuse: the ones that change the switch. */
/*
 * Why a capture request may fail, into why (-errno each); *nports: how many
 * ports it would cover (one SWP_CAPTURE_FRAME record of kind port each).
 */
static int fz_capture_reasons(const struct fz_ctl *z, const struct swp_capture_req *req, int *why,
			      uint32_t *nports)
{
	const struct sw *sw = &z->d.sw;
	bool seen[SWITCHD_PORTS_MAX] = { false };
	const char *at = req->ports;
	int nwhy = 0;

	*nports = 0;
	if (z->conn.feed || sw->nobservers >= SW_OBSERVERS_MAX)
		why[nwhy++] = -EBUSY;
	if (req->dirs & ~(SWP_CAP_DIR_IN | SWP_CAP_DIR_OUT))
		why[nwhy++] = -EINVAL;
	if (!req->ports[0] || !strcmp(req->ports, "all")) {
		*nports = sw->nports;
	} else {
		/* Names between commas; empty ones are skipped, a name twice counts once. */
		while (*at) {
			size_t n = strcspn(at, ",");
			const struct port *p = NULL;

			for (uint32_t i = 0; n && i < sw->nports; i++)
				if (strlen(sw->active[i]->name) == n && !memcmp(sw->active[i]->name, at, n))
					p = sw->active[i];
			if (n && !p)
				why[nwhy++] = -ENODEV;
			if (p && !seen[p->slot]) {
				seen[p->slot] = true;
				++*nports;
			}
			at += n + (at[n] == ',');
			if (nwhy >= 8)
				break;
		}
		if (!*nports)
			why[nwhy++] = -EINVAL;
	}
	if (req->filter.len % sizeof(struct bpf_insn) || req->filter.len / sizeof(struct bpf_insn) > SWP_CAP_INSNS_MAX) {
		why[nwhy++] = -EINVAL;
	} else if (req->filter.len) {
		/* libpcap's own check, on a copy (the program in the message need not be aligned). */
		struct bpf_insn *prog = malloc(req->filter.len);

		if (!prog)
			abort();
		memcpy(prog, req->filter.ptr, req->filter.len);
		if (!bpf_validate(prog, (int)(req->filter.len / sizeof(*prog))))
			why[nwhy++] = -EINVAL;
		free(prog);
	}
	return nwhy;
}

static bool fz_changes(uint16_t type)
{
	switch (type) {
	case SWP_PORT_ADD:
	case SWP_PORT_DEL:
	case SWP_PORT_CLEAR:
	case SWP_PORT_REMOTE_ADD:
	case SWP_PORT_REMOTE_DEL:
	case SWP_MAC_FLUSH:
	case SWP_SET:
	case SWP_PORT_SET:
	case SWP_MAC_ADD:
	case SWP_MAC_DEL:
	case SWP_MIRROR_ADD:
	case SWP_MIRROR_DEL:
	case SWP_CAPTURE: /* it sees everyone's frames */
		return true;
	default:
		return false;
	}
}

/* Whether p is a source (to false) or the destination (to true) of a running mirror. */
static bool fz_in_mirror(const struct mirrors *ms, const struct port *p, bool to)
{
	for (uint32_t i = 0; i < ms->n; i++) {
		if (to && ms->m[i]->to == p)
			return true;
		for (uint32_t k = 0; !to && k < ms->m[i]->nfrom; k++)
			if (ms->m[i]->from[k] == p)
				return true;
	}
	return false;
}

/*
 * The reasons a mirror add may fail for, by docs/cli.md's rules: a bad name,
 * direction or source list; a name taken; too many mirrors; a port that is
 * not there; the destination among the sources; a chain of mirrors; static
 * entries on the destination.
 */
static int fz_mirror_reasons(struct sw *sw, const struct mirrors *ms, const struct swp_mirror *m, int *why)
{
	struct port *srcs[SWITCHD_MIRROR_SOURCES_MAX + 1], *to;
	const char *s = m->from;
	size_t nsrc = 0, len = strlen(m->name);
	int n = 0;

	if (!len)
		why[n++] = -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)m->name[i] <= ' ' || (unsigned char)m->name[i] >= 0x7f || m->name[i] == ',') {
			why[n++] = -EINVAL;
			break;
		}
	if (m->dir > 3)
		why[n++] = -EINVAL;
	if (len && mirror_find(ms, m->name))
		why[n++] = -EEXIST;
	if (ms->n >= SWITCHD_MIRRORS_MAX)
		why[n++] = -ENOSPC;
	if (!*s)
		why[n++] = -EINVAL;
	while (*s) {
		size_t l = strcspn(s, ",");
		char name[SWP_NAME_MAX];
		struct port *p;

		if (!l || l >= SWP_NAME_MAX || (s[l] == ',' && !s[l + 1])) {
			why[n++] = -EINVAL;
			break;
		}
		memcpy(name, s, l);
		name[l] = '\0';
		s += l + (s[l] == ',');
		if (!(p = sw_port_by_name(sw, name))) {
			why[n++] = -ENOENT;
			break;
		}
		for (size_t k = 0; k < nsrc; k++)
			if (srcs[k] == p)
				why[n++] = -EINVAL;
		if (fz_in_mirror(ms, p, true) || nsrc == SWITCHD_MIRROR_SOURCES_MAX) {
			why[n++] = -EINVAL;
			break;
		}
		srcs[nsrc++] = p;
	}
	if (!(to = m->to[0] ? sw_port_by_name(sw, m->to) : NULL)) {
		why[n++] = -ENOENT;
		return n;
	}
	for (size_t k = 0; k < nsrc; k++)
		if (srcs[k] == to)
			why[n++] = -EINVAL;
	if (fz_in_mirror(ms, to, false))
		why[n++] = -EINVAL;
	if (fz_count(sw, to, NULL, -1, FZ_ALL) != fz_count(sw, to, NULL, -1, FZ_LEARNED))
		why[n++] = -EBUSY;
	return n;
}

static void fz_handler(void *ctx, const struct swp_hdr *hdr, const void *body, struct ctl_reply *r)
{
	struct fz_ctl *z = ctx;
	struct sw *sw = &z->d.sw;
	const size_t hl = sizeof(*hdr), before = z->conn.out.len;
	const uint32_t nports = sw->nports, macs = sw->fdb.count;
	static struct swp_counters counters[SWITCHD_PORTS_MAX];
	_Alignas(8) uint8_t want[SWP_BODY_MAX] = { 0 };
	const struct fz_type *t = fz_type(hdr->type);
	const char *nm = NULL;
	struct port *named = NULL;
	struct swp_set_req set = { 0 };
	struct swp_port_set_req pset = { 0 };
	struct swp_mac_req mreq = { 0 };
	struct swp_mirror mir = { 0 };
	const uint32_t nmirrors = z->d.mirrors.n;
	/* The ports there before, by slot, and their settings. */
	static const struct port *had[SWITCHD_PORTS_MAX];
	static uint64_t psets[SWITCHD_PORTS_MAX][SWP_PSET_KEY_MAX];
	const uint32_t learned = fz_count(sw, NULL, NULL, -1, FZ_LEARNED), statics = macs - learned;
	uint32_t on_named = 0, learned_after, statics_after;
	bool existed = false, existed_static = false;
	int vlan = -1; /* mac show, flush: the VLAN asked for, or -1 */
	int why[32], nwhy = 0;
	uint32_t cap_ports = 0;
	const struct fz_msg *m;
	size_t j = z->next_handled;
	uint16_t bad;

	/* Exactly the model's next well-formed message, whole, as sent, its attributes decoded alike. */
	while (j < z->nmsgs && z->msgs[j].err)
		j++;
	fz_check(j < z->nmsgs, "handler got a message the model never framed (type %u len %u)", hdr->type,
		 hdr->len);
	m = &z->msgs[j];
	fz_check(m->end <= z->fed, "message at %zu handled with %zu of its %u bytes in", m->off,
		 z->fed - m->off, hdr->len);
	fz_check(!memcmp(hdr, &m->hdr, hl),
		 "handler got type %u seq %u; the model's next well-formed message is at %zu, seq %u",
		 hdr->type, hdr->seq, m->off, m->hdr.seq);
	fz_check(t && (long)t->size == swp_body_size(hdr->type), "type %u handled", hdr->type);
	fz_check(!((uintptr_t)body & 7), "body at %p is not 8-byte aligned", body);
	fz_check(!fz_walk(t, z->stream + m->off + hl, hdr->len - hl, want, &bad) && fz_same(t, body, want),
		 "message at %zu: the handler's struct differs from the model's reading", m->off);
	z->next_handled = j + 1;

	memset(had, 0, sizeof(had));
	for (uint32_t i = 0; i < nports; i++) {
		const struct port *p = sw->active[i];

		had[p->slot] = p;
		for (uint32_t k = 1; k <= SWP_PSET_KEY_MAX; k++)
			psets[p->slot][k - 1] = fz_pset(sw, p, k);
	}

	if (hdr->type == SWP_PORT_CLEAR)
		for (uint32_t i = 0; i < nports; i++)
			counters[i] = sw->active[i]->c;

	/* What the request may answer, worked out before it runs. */
	if (z->conn.peer.readonly && fz_changes(hdr->type)) {
		why[nwhy++] = -EPERM; /* and nothing else: refused before it is looked at */
		goto run;
	}
	switch (hdr->type) {
	case SWP_PORT_ADD:
	case SWP_PORT_DEL:
	case SWP_PORT_SHOW:
	case SWP_PORT_CLEAR: {
		const struct swp_port_req *req = body;
		const char *ns;
		bool sock;

		nm = req->name;
		named = nm[0] ? sw_port_by_name(sw, nm) : NULL;
		if (hdr->type == SWP_PORT_DEL) {
			if (!named)
				why[nwhy++] = -ENOENT;
			else /* its entries go with it, static ones too */
				on_named = fz_count(sw, named, NULL, -1, FZ_ALL);
			break;
		}
		if (hdr->type != SWP_PORT_ADD) {
			/* An empty name: every port. */
			if (nm[0] && !named)
				why[nwhy++] = -ENOENT;
			break;
		}
		/* A namespace descriptor is asked for, and the harness sends none. */
		if (req->flags & SWP_PORT_F_NETNS_FD)
			why[nwhy++] = -EBADF;
		ns = fz_netns(req);
		sock = req->type == SWP_PORT_STREAM || req->type == SWP_PORT_DGRAM;
		/* vxlan: netns refused, its words only with it, mtu only with a netns; then no vxlan here. */
		if ((req->type == SWP_PORT_VXLAN && ns && ns[0]) ||
		    (req->type != SWP_PORT_VXLAN && (req->vx.vni || req->vx.dstport || req->vx.local[0] ||
						      req->vx.group[0] || req->vx.dev[0] || req->vx.remotes[0])) ||
		    (req->mtu && (!ns || !ns[0] || req->mtu < 68 || req->mtu > 65535)))
			why[nwhy++] = -EINVAL;
		if (req->type == SWP_PORT_VXLAN)
			why[nwhy++] = -EOPNOTSUPP;
		if (!nm[0] || req->type > SWP_PORT_VXLAN || !ns || (req->peer[0] && !ns[0]) ||
		    (ns[0] && (req->type == SWP_PORT_TAP || sock)) || (req->path[0] && !sock) ||
		    ((req->flags & (SWP_PORT_F_UID | SWP_PORT_F_GID | SWP_PORT_F_MODE)) && !sock) ||
		    ((req->flags & SWP_PORT_F_MODE) && req->mode > 0777) ||
		    (req->peer_path[0] && (req->type != SWP_PORT_DGRAM || req->peer_path[0] != '/')))
			why[nwhy++] = -EINVAL;
		if (named)
			why[nwhy++] = -EEXIST;
		if (nports >= SWITCHD_PORTS_MAX)
			why[nwhy++] = -ENOSPC;
		if (sock) {
			/* fz_port.c's stream and dgram ports: a valid name and an absolute path (or none). */
			if ((req->path[0] && req->path[0] != '/') || !fz_name_valid(nm))
				why[nwhy++] = -EINVAL;
			/* The default path: beside SWITCHD_SOCKET (the harness has no socket), short. */
			break;
		}
		if (ns && ns[0]) {
			/* fz_port.c's veths: the name free ('x'), the netns there, the peer name free. */
			const char *leaf = strrchr(ns, '/');

			if (nm[0] != 'x')
				why[nwhy++] = -EEXIST;
			if ((leaf ? leaf[1] : ns[0]) == 'x')
				why[nwhy++] = -ENOENT;
			if (req->peer[0] == 'b')
				why[nwhy++] = -EEXIST;
			break;
		}
		if (nm[0] == 'x')
			why[nwhy++] = -ENODEV;
		if (nm[0] == 'b')
			why[nwhy++] = -EBUSY;
		break;
	}
	case SWP_PORT_REMOTE_ADD:
	case SWP_PORT_REMOTE_DEL: {
		const struct swp_port_req *req = body;

		nm = req->name;
		named = sw_port_by_name(sw, nm);
		/* No port here is a vxlan port: every remote is refused, after the name. */
		why[nwhy++] = named ? -EINVAL : -ENOENT;
		break;
	}
	case SWP_MAC_SHOW:
	case SWP_MAC_FLUSH: {
		const struct swp_mac_req *req = body;

		nm = req->port;
		if (nm[0] && !(named = sw_port_by_name(sw, nm)))
			why[nwhy++] = -ENOENT;
		if (hdr->type == SWP_MAC_FLUSH && !fz_mac_zero(req->mac))
			why[nwhy++] = -EINVAL; /* refused, not taken for a flush of everything */
		/* A VLAN out of range is refused, the flag or not. */
		if (req->vlan > 4095)
			why[nwhy++] = -ERANGE;
		if (req->flags & SWP_MAC_F_VLAN)
			vlan = req->vlan;
		/* Only a show looks at the MAC; a flush leaves static entries. */
		if (hdr->type == SWP_MAC_SHOW)
			on_named =
				fz_count(sw, named, !fz_mac_zero(req->mac) ? req->mac : NULL, vlan, FZ_ALL);
		else
			on_named = fz_count(sw, named, NULL, vlan, FZ_LEARNED);
		break;
	}
	case SWP_PORT_SET:
		memcpy(&pset, body, sizeof(pset));
		nm = pset.name;
		if (!nm[0] || !(named = sw_port_by_name(sw, nm)))
			why[nwhy++] = -ENOENT;
		else
			on_named = fz_count(sw, named, NULL, -1, FZ_LEARNED);
		if (pset.key == SWP_PSET_VLAN) {
			/* The daemon's own check of a mode (tests/unit/test_vlan.c holds it to its table). */
			const char *vwhy;

			if (swp_vlan_check(&pset.vlan, &vwhy) < 0)
				why[nwhy++] = -EINVAL;
		} else if (pset.key < 1 || pset.key > SWP_PSET_KEY_MAX) {
			why[nwhy++] = -EINVAL;
		} else if (pset.value > fz_psets[pset.key - 1].max) {
			why[nwhy++] = -ERANGE;
		}
		break;
	case SWP_MAC_ADD:
	case SWP_MAC_DEL: {
		const struct fdb_entry *e;

		memcpy(&mreq, body, sizeof(mreq));
		nm = mreq.port;
		if (mreq.vlan > 4095)
			why[nwhy++] = -ERANGE;
		e = fz_lookup(sw, mreq.mac, mreq.vlan);
		existed = e;
		existed_static = e && e->is_static;
		if (hdr->type == SWP_MAC_DEL) {
			/* Any entry, on any port: the request's port is not read. */
			if (!e)
				why[nwhy++] = -ENOENT;
			break;
		}
		if (!nm[0])
			why[nwhy++] = -EINVAL; /* a static entry needs its port */
		else if (!(named = sw_port_by_name(sw, nm)))
			why[nwhy++] = -ENOENT;
		if (fz_mac_zero(mreq.mac) || (mreq.mac[0] & 1))
			why[nwhy++] = -EINVAL;
		/* A mirror's destination gets no regular traffic: no static entry either. */
		if (named && (named->observed & SW_DIR_DST))
			why[nwhy++] = -EBUSY;
		/* A new entry in a full table takes a learned one's place: none left, no room. */
		if (!e && macs >= sw->fdb.max && !learned)
			why[nwhy++] = -ENOSPC;
		break;
	}
	case SWP_SET: {
		const struct swp_setting *s;

		memcpy(&set, body, sizeof(set));
		if (!(s = swp_setting_by_key(set.key)))
			why[nwhy++] = -EINVAL;
		else if (set.value < s->min || set.value > s->max)
			why[nwhy++] = -ERANGE;
		break;
	}
	case SWP_MIRROR_ADD:
	case SWP_MIRROR_DEL:
	case SWP_MIRROR_SHOW:
		memcpy(&mir, body, sizeof(mir));
		nm = mir.name;
		if (hdr->type == SWP_MIRROR_ADD)
			nwhy = fz_mirror_reasons(sw, &z->d.mirrors, &mir, why);
		else if ((hdr->type == SWP_MIRROR_DEL || nm[0]) && !mirror_find(&z->d.mirrors, nm))
			why[nwhy++] = -ENOENT;
		break;
	case SWP_TRACE: {
		const struct swp_trace_req *req = body;

		nm = req->port;
		if (!nm[0] || !(named = sw_port_by_name(sw, nm)))
			why[nwhy++] = -ENOENT;
		if ((req->flags & SWP_TRACE_F_VLAN) && req->vlan > 4095)
			why[nwhy++] = -ERANGE;
		break;
	}
	case SWP_CAPTURE:
		nwhy = fz_capture_reasons(z, body, why, &cap_ports);
		break;
	case SWP_STATUS:
	case SWP_MONITOR: /* without a server there are no other monitors: never -EBUSY */
		break;
	default:
		why[nwhy++] = -EOPNOTSUPP; /* a well-formed reply type sent as a request */
		break;
	}

run:
	cmd_handle(&z->d, hdr, body, r);
	z->calls[j] = (struct fz_call){ .done = true, .status = r->status, .count = r->count };
	learned_after = fz_count(sw, NULL, NULL, -1, FZ_LEARNED);
	statics_after = sw->fdb.count - learned_after;

	fz_check(r->status <= 0, "status %d", r->status);
	fz_check(!r->status || r->msg[0], "status %d without a message", r->status);
	fz_check(r->status ? fz_one_of(r->status, why, nwhy) : !nwhy,
		 "type %u: status %d, but %d reasons to fail (first %d)", hdr->type, r->status, nwhy,
		 nwhy ? why[0] : 0);
	if (r->status) {
		fz_check(sw->nports == nports && sw->fdb.count == macs && learned_after == learned &&
				 z->d.mirrors.n == nmirrors,
			 "failed request changed the switch");
		fz_check(!r->count || hdr->type == SWP_MAC_FLUSH, "failed request sent %u records", r->count);
	}
	switch (hdr->type) {
	case SWP_PORT_ADD:
		if (!r->status)
			fz_check(sw->nports == nports + 1 && sw_port_by_name(sw, nm),
				 "port add %s: not attached", nm);
		break;
	case SWP_PORT_DEL:
		if (!r->status)
			fz_check(sw->nports == nports - 1 && !sw_port_by_name(sw, nm) &&
					 sw->fdb.count == macs - on_named,
				 "port del %s: still attached, or %u of its %u entries left", nm,
				 sw->fdb.count - (macs - on_named), on_named);
		break;
	case SWP_PORT_SHOW:
		if (!r->status)
			fz_check(r->count == (named ? 1 : nports), "port show %s: %u records for %u ports",
				 nm, r->count, nports);
		break;
	case SWP_PORT_CLEAR: {
		static const struct swp_counters zero;

		if (!r->status)
			fz_check(r->count == (named ? 1 : nports), "port clear %s: %u of %u ports", nm,
				 r->count, nports);
		/* Exactly the ports it names are zeroed: the others keep their counts. */
		for (uint32_t i = 0; i < nports; i++) {
			const struct port *p = sw->active[i];
			bool cleared = !r->status && (!named || p == named);

			fz_check(!memcmp(&p->c, cleared ? &zero : &counters[i], sizeof(p->c)),
				 "port clear %s: counters of %s %s", nm, p->name,
				 cleared ? "not zero" : "changed");
		}
		break;
	}
	case SWP_MAC_SHOW:
		if (!r->status)
			fz_check(r->count == on_named, "mac show: %u records for %u entries", r->count,
				 on_named);
		break;
	case SWP_MAC_FLUSH:
		if (!r->status)
			fz_check(r->count == on_named && sw->fdb.count == macs - on_named &&
					 fz_count(sw, named, NULL, vlan, FZ_LEARNED) == 0,
				 "mac flush vlan %d: %u flushed of %u, %u left", vlan, r->count, on_named,
				 sw->fdb.count);
		break;
	case SWP_PORT_SET:
		if (!r->status && pset.key == SWP_PSET_VLAN) {
			/* The mode as asked, a change counted once; a new mode leaves no learned entry of the port. */
			fz_check(!memcmp(&named->vcfg, &pset.vlan, sizeof(pset.vlan)) && r->count <= 1 &&
					 (!r->count || !fz_count(sw, named, NULL, -1, FZ_LEARNED)),
				 "port set %s vlan: not the mode asked for, or count %u with learned entries left",
				 nm, r->count);
		} else if (!r->status) {
			const uint64_t old = psets[named->slot][pset.key - 1];
			/* A max-macs under the learned entries the port has evicts the rest at once. */
			const uint32_t trim =
				pset.key == SWP_PSET_MAX_MACS && pset.value && on_named > pset.value
					? on_named - (uint32_t)pset.value
					: 0;

			fz_check(fz_pset(sw, named, pset.key) == pset.value &&
					 sw_port_setting(sw, named, pset.key) == pset.value &&
					 r->count == (old != pset.value),
				 "port set %s %u %llu: reads back %llu, count %u (it was %llu)", nm, pset.key,
				 (unsigned long long)pset.value,
				 (unsigned long long)fz_pset(sw, named, pset.key), r->count,
				 (unsigned long long)old);
			fz_check(sw->fdb.count == macs - trim &&
					 fz_count(sw, named, NULL, -1, FZ_LEARNED) == on_named - trim,
				 "port set %s %u %llu: %u entries of %u, the port %u learned of %u", nm,
				 pset.key, (unsigned long long)pset.value, sw->fdb.count, macs,
				 fz_count(sw, named, NULL, -1, FZ_LEARNED), on_named);
		}
		break;
	case SWP_MAC_ADD:
		if (!r->status) {
			const struct fdb_entry *e = fz_lookup(sw, mreq.mac, mreq.vlan);
			const bool evict = !existed && macs >= sw->fdb.max;

			fz_check(e && e->is_static && e->port == named->slot && r->count == 0,
				 "mac add vlan %u on %s: entry %s, static %d, of slot %d, count %u",
				 mreq.vlan, nm, e ? "there" : "missing", e ? e->is_static : -1,
				 e ? e->port : -1, r->count);
			fz_check(sw->fdb.count == macs + (!existed && !evict) &&
					 learned_after == learned - (existed && !existed_static) - evict &&
					 statics_after == statics + !existed_static,
				 "mac add: %u entries (%u learned) of %u (%u), existed %d static %d",
				 sw->fdb.count, learned_after, macs, learned, existed, existed_static);
		}
		break;
	case SWP_MAC_DEL:
		if (!r->status)
			fz_check(!fz_lookup(sw, mreq.mac, mreq.vlan) && r->count == 1 &&
					 sw->fdb.count == macs - 1 &&
					 learned_after == learned - !existed_static,
				 "mac del vlan %u: count %u, %u entries of %u (%u learned of %u)", mreq.vlan,
				 r->count, sw->fdb.count, macs, learned_after, learned);
		break;
	case SWP_MIRROR_ADD:
		if (!r->status) {
			const struct mirror *mm = mirror_find(&z->d.mirrors, nm);

			fz_check(mm && z->d.mirrors.n == nmirrors + 1 && (mm->to->observed & SW_DIR_DST) &&
					 !fz_count(sw, mm->to, NULL, -1, FZ_LEARNED) && r->count == 0,
				 "mirror add %s: not running, or its destination not one", nm);
		}
		break;
	case SWP_MIRROR_DEL:
		if (!r->status)
			fz_check(!mirror_find(&z->d.mirrors, nm) && z->d.mirrors.n == nmirrors - 1,
				 "mirror del %s: still there", nm);
		break;
	case SWP_MIRROR_SHOW:
		if (!r->status)
			fz_check(r->count == (nm[0] ? 1 : nmirrors), "mirror show %s: %u records for %u mirrors", nm,
				 r->count, nmirrors);
		break;
	case SWP_TRACE:
		/* Steps up to a verdict (one per port at most, and five stages); nothing learned or changed. */
		if (!r->status)
			fz_check(r->count >= 2 && r->count <= nports + 6 && sw->fdb.count == macs &&
					 learned_after == learned,
				 "trace in %s: %u steps, %u entries of %u", nm, r->count, sw->fdb.count, macs);
		break;
	case SWP_STATUS:
		fz_check(r->count == 1, "status: %u records", r->count);
		break;
	case SWP_CAPTURE:
		/* A record per port it covers; then the connection is a feed (no frames cross here). */
		if (!r->status) {
			fz_check(r->count == cap_ports && z->conn.feed, "capture: %u records for %u ports, feed %d",
				 r->count, cap_ports, z->conn.feed);
			z->cap_on = true;
			z->cap_seq = hdr->seq;
		}
		break;
	case SWP_MONITOR:
		fz_check(r->count == 0 && z->conn.monitor, "monitor: %u records, subscribed %d", r->count,
			 z->conn.monitor);
		break;
	case SWP_SET:
		if (!r->status)
			fz_check(sw_setting(sw, set.key) == set.value &&
					 r->count == (set.key == SWP_SET_MAX_MACS && macs > set.value
							      ? fz_min(macs - (uint32_t)set.value, learned)
							      : 0),
				 "set %u %llu: reads back %llu, %u evicted", set.key,
				 (unsigned long long)set.value, (unsigned long long)sw_setting(sw, set.key),
				 r->count);
		break;
	}
	/* Only these requests touch static entries: never a flush, an eviction or a port set. */
	if (hdr->type != SWP_MAC_ADD && hdr->type != SWP_MAC_DEL && hdr->type != SWP_PORT_DEL)
		fz_check(statics_after == statics, "type %u: %u static entries, %u before", hdr->type,
			 statics_after, statics);
	/* Port settings: what they were, the one port set changes, a new port's the defaults. */
	for (uint32_t i = 0; i < sw->nports; i++) {
		const struct port *p = sw->active[i];

		for (uint32_t k = 1; k <= SWP_PSET_KEY_MAX; k++) {
			uint64_t want_v =
				had[p->slot] != p ? fz_psets[k - 1].def
				: hdr->type == SWP_PORT_SET && !r->status && p == named && k == pset.key
					? pset.value
					: psets[p->slot][k - 1];

			fz_check(fz_pset(sw, p, k) == want_v,
				 "type %u: port %s setting %u is %llu, want %llu", hdr->type, p->name, k,
				 (unsigned long long)fz_pset(sw, p, k), (unsigned long long)want_v);
		}
	}
	fz_check_table(sw);
	/* Every mirror's ports are attached (a port del takes its mirrors); its destination is marked. */
	for (uint32_t i = 0; i < z->d.mirrors.n; i++) {
		const struct mirror *mm = z->d.mirrors.m[i];

		fz_check(sw->slots[mm->to->slot] == mm->to && (mm->to->observed & SW_DIR_DST),
			 "mirror %s: destination detached or unmarked", mm->name);
		for (uint32_t k = 0; k < mm->nfrom; k++)
			fz_check(sw->slots[mm->from[k]->slot] == mm->from[k], "mirror %s: a source detached",
				 mm->name);
	}

	/*
	 * The bound on queued replies: a record is queued only with room for the
	 * longest it could be, so the bound is hit only when that much does not fit.
	 */
	if (z->conn.out.overflow) {
		fz_check(t->record && before + (size_t)r->count * fz_encoded_max(fz_type(t->record)) >
					      SWITCHD_CTL_OUTBUF_MAX,
			 "output overflow with %zu + %u records queued", before, r->count);
		z->overflowed = true;
		return;
	}
	/* No reply queued yet leaves the buffer unallocated: NULL + 0 is still undefined. */
	fz_check_records(sw, hdr, body, named, z->conn.out.buf ? z->conn.out.buf + before : NULL,
			 z->conn.out.len - before, t->record ? r->count : 0);
}

/* ---- the replies of one read, in order ---- */

/* The message of an error SWP_DONE the model expects for a malformed message. */
static void fz_error_text(const struct fz_msg *m, char *out, size_t n)
{
	if (m->err == -EMSGSIZE)
		snprintf(out, n, "message length %u %s", m->hdr.len,
			 m->hdr.len % 4 ? "not a multiple of 4" : "out of range");
	else if (m->err == -EPROTO)
		snprintf(out, n, "protocol version %u not supported (want %u)", m->hdr.version, SWP_VERSION);
	else if (m->bad)
		snprintf(out, n, "malformed message (type %u, length %u): attribute %u", m->hdr.type,
			 m->hdr.len, m->bad);
	else
		snprintf(out, n, "malformed message (type %u, length %u)", m->hdr.type, m->hdr.len);
}

/*
 * The seq a reply to m echoes with fed stream bytes in: the request's, or of
 * a header refused before it was all in (an unaligned length), the bytes of
 * seq received and 0 for the rest.
 */
static uint32_t fz_seq_seen(const struct fz_msg *m, size_t fed)
{
	const size_t at = offsetof(struct swp_hdr, seq), in = fed - m->off;
	uint8_t b[sizeof(m->hdr.seq)] = { 0 };
	uint32_t seq;

	memcpy(b, (const uint8_t *)&m->hdr + at, in >= at + sizeof(b) ? sizeof(b) : in > at ? in - at : 0);
	memcpy(&seq, b, sizeof(seq));
	return seq;
}

static void fz_check_replies(struct fz_ctl *z, int rc)
{
	const struct ctl_out *o = &z->conn.out;
	_Alignas(8) uint8_t rec[SWP_BODY_MAX];
	uint32_t records = 0;
	size_t off = 0, n;

	for (; off < o->len; off += n) {
		const struct fz_msg *m;
		struct swp_hdr h;
		uint16_t type;

		/* Records were checked whole as they were queued (fz_check_records): here, their place. */
		fz_check(o->len - off >= sizeof(h), "reply header cut at %zu of %zu", off, o->len);
		memcpy(&h, o->buf + off, sizeof(h));
		if (h.type == SWP_DONE) {
			fz_check_wire(o->buf + off, o->len - off, &n);
			fz_decode_reply(o->buf + off, n, rec, true);
		} else {
			fz_check(h.len >= sizeof(h) && h.len <= o->len - off, "reply type %u length %u",
				 h.type, h.len);
			n = h.len;
		}
		type = h.type;
		if (type == SWP_CAPTURE_END) {
			/* The capture's last ports went (a port del): its end, then the hang-up. */
			fz_check(z->cap_on && !z->cap_ended && h.seq == z->cap_seq, "capture end (seq %u) unasked",
				 h.seq);
			fz_check_wire(o->buf + off, o->len - off, &n);
			fz_decode_reply(o->buf + off, n, rec, true);
			z->cap_ended = true;
			continue;
		}
		fz_check(z->answered < z->nmsgs, "reply (type %u) to no request", type);
		m = &z->msgs[z->answered];
		fz_check(m->end <= z->fed, "reply to the message at %zu before it was whole", m->off);
		fz_check(h.seq == fz_seq_seen(m, z->fed), "reply seq %u to request seq %u (%zu bytes in)",
			 h.seq, m->hdr.seq, z->fed - m->off);
		if (type == SWP_DONE) {
			const struct fz_call *c = &z->calls[z->answered];
			const struct swp_done *d = (const void *)rec;

			if (m->err) {
				char text[SWP_ERR_MAX];

				fz_error_text(m, text, sizeof(text));
				fz_check(d->status == m->err && d->count == 0 && !records &&
						 !strcmp(d->msg, text),
					 "message at %zu: SWP_DONE %d \"%s\" (count %u, %u records), want %d "
					 "\"%s\"",
					 m->off, d->status, d->msg, d->count, records, m->err, text);
			} else {
				fz_check(c->done, "message at %zu answered without reaching the handler",
					 m->off);
				fz_check(d->status == c->status && d->count == c->count,
					 "SWP_DONE %d/%u, the handler said %d/%u", d->status, d->count,
					 c->status, c->count);
				fz_check(records == (fz_type(m->hdr.type)->record ? d->count : 0),
					 "%u records before a SWP_DONE counting %u", records, d->count);
			}
			z->answered++;
			records = 0;
		} else {
			fz_check(!m->err && type == fz_type(m->hdr.type)->record,
				 "record type %u in the answer to type %u", type, m->hdr.type);
			records++;
		}
	}
	if (rc < 0)
		return; /* the client is dropped: what was queued is never sent */
	fz_check(!records, "%u records of seq %u without their SWP_DONE", records,
		 z->msgs[z->answered].hdr.seq);
	if (z->cap_ended) {
		/* Nothing is read after the end of a capture: the requests after it get no answer. */
		fz_check(z->conn.closing, "a capture ended without the hang-up");
		return;
	}
	/* Everything whole is answered at once, nothing more: no request waits for the next read. */
	{
		size_t want = 0;

		while (want < z->nmsgs && z->msgs[want].end <= z->fed)
			want++;
		fz_check(z->answered == want, "%zu of %zu bytes in: %zu messages answered, %zu whole", z->fed,
			 z->len, z->answered, want);
	}
	fz_check(z->conn.closing == (z->answered && z->msgs[z->answered - 1].err == -EMSGSIZE),
		 "closing %d after %zu answers", z->conn.closing, z->answered);
}

/* ---- one input ---- */

/*
 * How many bytes the next read returns. Random sizes alone seldom stop a
 * read exactly at a message's last byte, or one short of it, where framing
 * bugs live; so half the reads end at such a boundary of the next message.
 */
static size_t fz_chunk(const struct fz_ctl *z, uint32_t r)
{
	const size_t hl = sizeof(struct swp_hdr);
	size_t k = 0, end;

	switch (r & 7) {
	case 0: /* a big read, as when a client writes many requests at once */
		return 1 + (r >> 3) % SWP_MSG_MAX;
	case 1: /* up to the end of the next message's header, or of the message, less 0-2 bytes */
	case 2:
	case 3:
	case 4:
		while (k < z->nmsgs && z->msgs[k].end <= z->fed)
			k++;
		if (k == z->nmsgs)
			break;
		end = (r & 7) == 1 ? z->msgs[k].off + hl : z->msgs[k].end;
		end -= (r >> 3) % 3;
		return end > z->fed ? end - z->fed : 1;
	}
	return 1 + (r >> 3) % 24;
}

static void fz_setup(struct fz_ctl *z, unsigned nports, unsigned nmacs)
{
	const struct sw_config cfg = { .max_macs = 1024, .ageing = 300 };

	memset(z, 0, sizeof(*z));
	fz_clock_ms = 1000000;
	if (sw_init(&z->d.sw, NULL, &cfg, fz_clock))
		abort();
	mirrors_init(&z->d.mirrors, &z->d.sw);
	for (unsigned i = 0; i < nports; i++) {
		char name[IFNAMSIZ];
		struct port *p;

		snprintf(name, sizeof(name), "p%u", i);
		p = fz_port_new(name, 1500, NULL);
		/* Some counters, one past 32 bits, for port show to carry and port clear to zero. */
		p->c.rx_packets = i + 1;
		p->c.tx_bytes = (uint64_t)(i % 5) << 33;
		p->c.rx_drop_blocked = i & 1;
		fz_check(sw_port_attach(&z->d.sw, p) == 0, "attach %s", name);
	}
	for (unsigned i = 0; nports && i < nmacs; i++) {
		const uint8_t mac[6] = { 0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };

		fdb_learn(&z->d.sw.fdb, mac, (uint16_t)(i % 3), z->d.sw.active[i % nports]->slot,
			  fz_clock_ms - 1000 * (i % 7));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fz_ctl", LOG_LVL_ERR, LOG_TO_STDERR); /* cmd.c logs every port add at info */
	/* The model and proto.c agree on every type's struct and longest encoding. */
	for (uint32_t type = 0; type <= UINT16_MAX; type++) {
		const struct fz_type *t = fz_type((uint16_t)type);

		fz_check(t ? swp_body_size((uint16_t)type) == (long)t->size &&
					 swp_encoded_max((uint16_t)type) == fz_encoded_max(t)
			   : swp_body_size((uint16_t)type) == -1,
			 "type %u: proto.c says struct %ld, at most %zu bytes", type,
			 swp_body_size((uint16_t)type), swp_encoded_max((uint16_t)type));
	}
	/* The model's port settings are proto.h's keys, and proto.c's table agrees with them. */
	for (uint32_t k = 0; k <= SWP_PSET_VLAN + 1; k++) {
		const struct swp_port_setting *ps = swp_port_setting_by_key(k);

		fz_check(k >= 1 && k <= SWP_PSET_KEY_MAX
				 ? ps && fz_psets[k - 1].key == k && ps->min == 0 &&
					   ps->max == fz_psets[k - 1].max && ps->def == fz_psets[k - 1].def
				 : k == SWP_PSET_VLAN ? ps && ps->vlan : !ps,
			 "port setting %u: proto.c and the model differ", k);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz_ctl *z = &fz;
	uint8_t b0 = fz_u8(&in);
	unsigned nports = (b0 & 0xc0) == 0xc0 ? 256 - (b0 & 0x3f) : b0 & 0x0f;
	unsigned nmacs = fz_u16(&in) & 0x3ff;
	uint32_t seed = fz_u8(&in) * 2654435761u + 1;
	int rc = 0;

	fz_setup(z, nports, nmacs);
	z->conn.peer.readonly = (b0 & 0xc0) != 0xc0 && (b0 & 0x20);
	z->stream = in.p;
	z->len = in.n;
	z->msgs = calloc(z->len / sizeof(struct swp_hdr) + 1, sizeof(*z->msgs));
	z->calls = calloc(z->len / sizeof(struct swp_hdr) + 1, sizeof(*z->calls));
	if (!z->msgs || !z->calls)
		abort();
	z->nmsgs = fz_model(z->stream, z->len, z->msgs);

	while (z->fed < z->len && !z->conn.closing) {
		uint32_t r = fz_rand(&seed);
		size_t want = fz_chunk(z, r), room;
		uint8_t *at = ctl_stream_space(&z->conn.in, &room);
		size_t n;

		/* A read of 0 bytes is end-of-file to the daemon: room must never run out. */
		fz_check(room > 0, "no room to read into, %zu bytes held", z->conn.in.len);
		n = want < room ? want : room;
		if (n > z->len - z->fed)
			n = z->len - z->fed;
		memcpy(at, z->stream + z->fed, n);
		ctl_stream_fill(&z->conn.in, n);
		z->fed += n;
		fz_clock_ms += (r >> 20) % 1500;

		rc = ctl_conn_input(&z->conn, fz_handler, z);
		fz_check(rc == 0 || rc == -ENOBUFS, "ctl_conn_input returned %d", rc);
		/* A reply that did not fit is never lost quietly: the client is dropped, or nothing was lost. */
		fz_check((rc < 0) == z->conn.out.overflow, "returned %d with replies overflowing: %d", rc,
			 z->conn.out.overflow);
		if (rc < 0 && !z->overflowed) {
			const size_t done = fz_encoded_max(fz_type(SWP_DONE));

			fz_check(z->conn.out.len + done > SWITCHD_CTL_OUTBUF_MAX,
				 "dropped with %zu bytes queued: a SWP_DONE still fit", z->conn.out.len);
		}
		fz_check_replies(z, rc);
		if (rc < 0)
			break;				     /* the daemon drops the client */
		ctl_out_sent(&z->conn.out, z->conn.out.len); /* the client reads every reply */
	}

	if (!rc && z->conn.closing && !z->cap_ended) {
		/* -EMSGSIZE ends the stream: more bytes change nothing and get no answer. */
		struct ctl_msg m;
		size_t room;
		uint8_t *at = ctl_stream_space(&z->conn.in, &room);
		size_t n = room < z->len - z->fed ? room : z->len - z->fed;

		memcpy(at, z->stream + z->fed, n);
		ctl_stream_fill(&z->conn.in, n);
		fz_check(ctl_conn_input(&z->conn, fz_handler, z) == 0 && z->conn.out.len == 0,
			 "a closing connection answered %zu more bytes", z->conn.out.len);
		fz_check(ctl_stream_next(&z->conn.in, &m) == -EMSGSIZE, "stream re-framed after -EMSGSIZE");
	}

	ctl_conn_fini(&z->conn);
	mirrors_fini(&z->d.mirrors);
	sw_fini(&z->d.sw);
	free(z->msgs);
	free(z->calls);
	return 0;
}
