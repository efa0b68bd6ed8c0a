/*
 * Unit tests for the control protocol (switchd/proto.c): header checks,
 * attributes encoded and decoded, malformed attributes refused, fixed name
 * fields and the names of enums.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <stdbool.h>

#include "switchd/proto.h"

/* Every message type and the struct it decodes into. */
static const struct {
	uint16_t type;
	size_t body;
} types[] = {
	{ SWP_PORT_ADD, sizeof(struct swp_port_req) },
	{ SWP_PORT_DEL, sizeof(struct swp_port_req) },
	{ SWP_PORT_SHOW, sizeof(struct swp_port_req) },
	{ SWP_MAC_SHOW, sizeof(struct swp_mac_req) },
	{ SWP_MAC_FLUSH, sizeof(struct swp_mac_req) },
	{ SWP_STATUS, 0 },
	{ SWP_MONITOR, 0 },
	{ SWP_SET, sizeof(struct swp_set_req) },
	{ SWP_DONE, sizeof(struct swp_done) },
	{ SWP_PORT_INFO, sizeof(struct swp_port_info) },
	{ SWP_MAC_ENTRY, sizeof(struct swp_mac_entry) },
	{ SWP_STATUS_INFO, sizeof(struct swp_status_info) },
	{ SWP_EVENT, sizeof(struct swp_event) },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))
#define HDR 20u

static struct swp_hdr hdr_of(uint8_t version, uint16_t type, uint32_t len)
{
	return (struct swp_hdr){ .version = version, .type = type, .len = len, .seq = 7 };
}

/* ---- the header: swp_check, swp_body_size ---- */

static void proto_header_is_a_nlmsghdr_and_a_version(void **state)
{
	(void)state;
	unsigned char buf[64];
	const struct nlmsghdr *nlh = (const void *)buf;

	/* A change here is a protocol change. */
	assert_int_equal(sizeof(struct swp_hdr), HDR);
	assert_int_equal(swp_encode(buf, sizeof(buf), SWP_STATUS, 0x01020304, NULL), HDR);
	assert_int_equal(nlh->nlmsg_len, HDR);
	assert_int_equal(nlh->nlmsg_type, SWP_STATUS);
	assert_int_equal(nlh->nlmsg_flags, 0);
	assert_int_equal(nlh->nlmsg_seq, 0x01020304);
	assert_int_equal(nlh->nlmsg_pid, 0);
	assert_int_equal(buf[16], SWP_VERSION);
	assert_int_equal(buf[17] | buf[18] | buf[19], 0);
	for (size_t i = 0; i < NTYPES; i++)
		assert_int_equal(swp_body_size(types[i].type), (long)types[i].body);
}

static void proto_check_accepts_every_type(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTYPES; i++) {
		struct swp_hdr h = hdr_of(SWP_VERSION, types[i].type, HDR);

		assert_int_equal(swp_check(&h), 0);
		h.len = SWP_MSG_MAX;
		assert_int_equal(swp_check(&h), 0);
	}
}

static void proto_check_rejects_unknown_type_with_ebadmsg(void **state)
{
	(void)state;
	/*
	 * 1..15 are netlink's own control messages, and v2's request numbers; 28..32 and 105..108 are capture,
	 * mirror and trace; 33 and 34 a vxlan port's remotes.
	 */
	static const uint16_t unknown[] = { 0, 1, 2, 3, 8, 15, 35, 99, 109, 200, 0xffff };

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		struct swp_hdr h = hdr_of(SWP_VERSION, unknown[i], HDR);

		assert_int_equal(swp_body_size(unknown[i]), -1);
		assert_int_equal(swp_check(&h), -EBADMSG);
	}
}

static void proto_check_rejects_length_out_of_range_with_emsgsize(void **state)
{
	(void)state;
	static const uint32_t bad[] = { 0, 1, 16, HDR - 1, SWP_MSG_MAX + 1, UINT32_MAX };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct swp_hdr h = hdr_of(SWP_VERSION, SWP_STATUS, bad[i]);

		assert_int_equal(swp_check(&h), -EMSGSIZE);
		/* The framing error wins over others: the stream cannot be resynchronised. */
		h.version = 99;
		assert_int_equal(swp_check(&h), -EMSGSIZE);
		h.type = 0xffff;
		assert_int_equal(swp_check(&h), -EMSGSIZE);
	}
}

static void proto_check_rejects_an_unaligned_length_with_emsgsize(void **state)
{
	(void)state;
	/* In range but not a multiple of 4: no sender makes one (swp_encode pads). */
	static const uint32_t bad[] = { HDR + 1, HDR + 2, HDR + 3, 65538, SWP_MSG_MAX - 1 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct swp_hdr h = hdr_of(SWP_VERSION, SWP_STATUS, bad[i]);

		assert_int_equal(swp_check_align(bad[i]), -EMSGSIZE);
		assert_int_equal(swp_check(&h), -EMSGSIZE);
		h.len = bad[i] & ~3u;
		assert_int_equal(swp_check_align(h.len), 0);
		assert_int_equal(swp_check(&h), 0);
	}
	/* What the first 4 bytes say alone does not judge the range: swp_check does, with the header. */
	assert_int_equal(swp_check_align(0), 0);
	assert_int_equal(swp_check_align(16), 0);
	assert_int_equal(swp_check_align(SWP_MSG_MAX + 4), 0);
}

static void proto_check_rejects_wrong_version_with_eproto(void **state)
{
	(void)state;
	static const uint8_t bad[] = { 0, 2, SWP_VERSION + 1, 0xff };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct swp_hdr h = hdr_of(bad[i], SWP_STATUS, HDR);

		assert_int_equal(swp_check(&h), -EPROTO);
		/* Checked before the type. */
		h.type = 0xffff;
		assert_int_equal(swp_check(&h), -EPROTO);
	}
}

static void proto_a_v2_request_reads_as_an_out_of_range_length(void **state)
{
	(void)state;
	/* v2's header began with u16 version 2, u16 type: as a v3 length, far too long. */
	/* A v2 status request (u16 2, u16 6, u32 len 16, u32 seq 7, u32 0) and what follows it. */
	static const uint16_t v2[10] = { 2, 6, 16, 0, 7, 0, 0, 0 };
	struct swp_hdr h;
	uint32_t len;

	_Static_assert(sizeof(v2) == sizeof(h), "a header's worth");

	memcpy(&h, v2, sizeof(h));
	assert_int_equal(swp_check(&h), -EMSGSIZE);
	/* Every v2 request (types 1..8) is 2 mod 4: refused from its first 4 bytes alone. */
	for (uint32_t type = 1; type <= 8; type++) {
		const uint16_t head[2] = { 2, (uint16_t)type };

		memcpy(&len, head, sizeof(len));
		assert_int_equal(len, 2 + 65536 * type);
		assert_int_equal(swp_check_align(len), -EMSGSIZE);
	}
}

/* ---- the attributes: swp_encode, swp_decode ---- */

/* Encodes body, then decodes it again into out. */
static size_t round_trip(uint16_t type, const void *body, void *out)
{
	_Alignas(8) static unsigned char buf[SWP_MSG_MAX];
	struct swp_hdr h;
	uint16_t bad = 99;
	size_t n = swp_encode(buf, sizeof(buf), type, 1234, body);

	assert_true(n >= HDR);
	assert_true(n <= swp_encoded_max(type));
	assert_int_equal(n % 4, 0);
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.len, n);
	assert_int_equal(h.seq, 1234);
	assert_int_equal(swp_check(&h), 0);
	memset(out, 0, (size_t)swp_body_size(type));
	assert_int_equal(swp_decode(buf, out, &bad), 0);
	assert_int_equal(bad, 0);
	return n;
}

static void proto_round_trips_every_field_of_a_port(void **state)
{
	(void)state;
	struct swp_port_info in, out;
	struct swp_port_req rin, rout;
	uint64_t *c = (uint64_t *)(void *)&in.c;

	memset(&in, 0, sizeof(in));
	strcpy(in.name, "abcdefghijklmno"); /* the longest name */
	in.type = SWP_PORT_AFPACKET;
	in.state = SWP_STATE_MOVED;
	in.ifindex = -5;
	in.mtu = 65535;
	in.macs = 7;
	in.created = 1;
	in.blocked = 30;
	for (size_t i = 0; i < SWP_COUNTERS; i++)
		c[i] = (UINT64_C(1) << 40) + i * 1000003;
	strcpy(in.peer, "eth0");
	memset(in.netns, 'n', SWP_PATH_MAX - 1);
	in.vx.vni = 16777215;
	in.vx.dstport = 65535;
	strcpy(in.vx.local, "2001:db8::1");
	strcpy(in.vx.group, "ff05::100");
	strcpy(in.vx.dev, "eth0");
	memset(in.vx.remotes, 'r', SWP_REMOTES_LEN - 1); /* the longest list */
	round_trip(SWP_PORT_INFO, &in, &out);
	assert_memory_equal(&in, &out, sizeof(in));

	memset(&rin, 0, sizeof(rin));
	strcpy(rin.name, "tap0");
	rin.type = SWP_PORT_TAP;
	rin.flags = SWP_PORT_F_NETNS_FD;
	strcpy(rin.peer, "eth1");
	strcpy(rin.netns, "/proc/1/ns/net");
	rin.mtu = 1450;
	rin.vx = in.vx;
	for (size_t i = 0; i < 5; i++) {
		static const uint16_t t[] = { SWP_PORT_ADD, SWP_PORT_DEL, SWP_PORT_SHOW, SWP_PORT_REMOTE_ADD,
					      SWP_PORT_REMOTE_DEL };

		round_trip(t[i], &rin, &rout);
		assert_memory_equal(&rin, &rout, sizeof(rin));
	}
}

static void proto_round_trips_the_other_records(void **state)
{
	(void)state;
	struct swp_mac_entry m = { .mac = { 2, 0, 0, 0, 0, 0xff }, .vlan = 4095, .age = 3, .is_static = 1 },
			     m2;
	struct swp_status_info s = { .uptime = UINT64_MAX, .ports = 256, .macs = 1, .mac_learned = 5,
				     .mac_moved = 6, .mac_evicted = 7, .mac_aged = 8,
				     .settings = { 300, 1u << 20, 4, 9, 10, 11, UINT64_MAX } },
			       s2;
	struct swp_event e = { .kind = SWP_EV_MAC_MOVED, .vlan = 10, .mac = { 0x52, 0x54, 0, 1, 2, 3 },
			       .time_ms = 1780000000123, .count = 1u << 31 },
			 e2;
	struct swp_done d = { .status = -ENOENT, .count = 3 }, d2;
	struct swp_set_req set = { .key = SWP_SET_STORM_UNKNOWN, .value = UINT64_MAX }, set2;
	struct swp_mac_req mr = { .port = "p1" }, mr2;

	strcpy(m.port, "vm1");
	strcpy(s.version, "0.1.0");
	strcpy(e.port, "b");
	strcpy(e.old_port, "a");
	memset(e.reason, 'r', sizeof(e.reason) - 1);
	memset(d.msg, 'x', sizeof(d.msg) - 1);
	round_trip(SWP_MAC_ENTRY, &m, &m2);
	assert_memory_equal(&m, &m2, sizeof(m));
	round_trip(SWP_STATUS_INFO, &s, &s2);
	assert_memory_equal(&s, &s2, sizeof(s));
	round_trip(SWP_EVENT, &e, &e2);
	/* Field by field: the struct has padding before time_ms. */
	assert_int_equal(e.kind, e2.kind);
	assert_int_equal(e.vlan, e2.vlan);
	assert_memory_equal(e.mac, e2.mac, 6);
	assert_true(e.time_ms == e2.time_ms && e.count == e2.count);
	assert_string_equal(e.port, e2.port);
	assert_string_equal(e.old_port, e2.old_port);
	assert_string_equal(e.reason, e2.reason);
	round_trip(SWP_DONE, &d, &d2);
	assert_memory_equal(&d, &d2, sizeof(d));
	round_trip(SWP_SET, &set, &set2);
	/* Field by field: the struct has padding after key, which an initializer need not zero. */
	assert_int_equal(set.key, set2.key);
	assert_true(set.value == set2.value);
	round_trip(SWP_MAC_SHOW, &mr, &mr2);
	assert_memory_equal(&mr, &mr2, sizeof(mr));
}

static void proto_encode_leaves_zero_fields_out(void **state)
{
	(void)state;
	struct swp_status_info s = { 0 }, s2;
	struct swp_done d = { 0 }, d2;

	assert_int_equal(round_trip(SWP_STATUS_INFO, &s, &s2), HDR);
	assert_int_equal(round_trip(SWP_DONE, &d, &d2), HDR);
	d.count = 1;
	assert_int_equal(round_trip(SWP_DONE, &d, &d2), HDR + 8);
}

/* The bytes of one request, pinned: set ageing 60, seq 7. */
static void proto_wire_bytes_of_a_set_request(void **state)
{
	(void)state;
	const struct swp_set_req set = { .key = SWP_SET_AGEING, .value = 60 };
	unsigned char buf[64], want[HDR + 8 + 12];
	const struct nlattr *a;
	size_t n = swp_encode(buf, sizeof(buf), SWP_SET, 7, &set);

	assert_int_equal(n, sizeof(want));
	memset(want, 0, sizeof(want));
	*(uint32_t *)(void *)want = sizeof(want);
	*(uint16_t *)(void *)(want + 4) = SWP_SET;
	*(uint32_t *)(void *)(want + 8) = 7;
	want[16] = SWP_VERSION;
	*(uint16_t *)(void *)(want + 20) = 8;
	*(uint16_t *)(void *)(want + 22) = SWP_A_SET_KEY;
	*(uint32_t *)(void *)(want + 24) = SWP_SET_AGEING;
	*(uint16_t *)(void *)(want + 28) = 12;
	*(uint16_t *)(void *)(want + 30) = SWP_A_SET_VALUE;
	*(uint64_t *)(void *)(want + 32) = 60;
	assert_memory_equal(buf, want, sizeof(want));
	/* And libmnl reads it as netlink. */
	a = mnl_nlmsg_get_payload_offset((const struct nlmsghdr *)(const void *)buf, 4);
	assert_int_equal(mnl_attr_get_type(a), SWP_A_SET_KEY);
	assert_int_equal(mnl_attr_get_u32(a), SWP_SET_AGEING);
}

static void proto_encode_fails_when_the_buffer_is_too_small(void **state)
{
	(void)state;
	struct swp_done d = { .status = -EINVAL };
	unsigned char buf[SWP_MSG_MAX];
	size_t n;

	memset(d.msg, 'x', sizeof(d.msg) - 1);
	n = swp_encode(buf, sizeof(buf), SWP_DONE, 1, &d);
	assert_true(n > HDR);
	assert_int_equal(swp_encode(buf, n - 1, SWP_DONE, 1, &d), 0);
	assert_int_equal(swp_encode(buf, n, SWP_DONE, 1, &d), n);
	assert_int_equal(swp_encode(buf, HDR - 1, SWP_STATUS, 1, NULL), 0);
}

static void proto_encoded_max_is_the_longest_encoding(void **state)
{
	(void)state;
	_Alignas(8) static unsigned char buf[SWP_MSG_MAX];
	struct swp_done d = { .status = -1, .count = 1 };
	struct swp_mac_entry e = { .mac = { 2, 0, 0, 0, 0, 1 }, .vlan = 1, .age = 1, .is_static = 1 };

	memset(d.msg, 'm', sizeof(d.msg) - 1);
	memset(e.port, 'p', sizeof(e.port) - 1);
	memset(e.remote, 'r', sizeof(e.remote) - 1);
	/* Every field at its largest: header, s32, u32, 127 characters and their NUL. */
	assert_int_equal(swp_encoded_max(SWP_DONE), HDR + 8 + 8 + 4 + SWP_ERR_MAX);
	assert_int_equal(swp_encode(buf, sizeof(buf), SWP_DONE, 1, &d), swp_encoded_max(SWP_DONE));
	/* MAC (6 bytes, padded to 8), u16, a 15-character name, two u32s, a 45-character remote (46, padded to 48). */
	assert_int_equal(swp_encoded_max(SWP_MAC_ENTRY), HDR + 12 + 8 + 4 + SWP_NAME_MAX + 8 + 8 + 4 + 48);
	assert_int_equal(swp_encode(buf, sizeof(buf), SWP_MAC_ENTRY, 1, &e), swp_encoded_max(SWP_MAC_ENTRY));
	/* Asked again, the same (it is computed once); a type without fields, or unknown: a header. */
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(swp_encoded_max(SWP_DONE), HDR + 8 + 8 + 4 + SWP_ERR_MAX);
		assert_int_equal(swp_encoded_max(SWP_STATUS), HDR);
		assert_int_equal(swp_encoded_max(SWP_MONITOR), HDR);
		assert_int_equal(swp_encoded_max(0), HDR);
		assert_int_equal(swp_encoded_max(0xffff), HDR);
	}
	/* Nested counters: one u64 attribute each, under one nest header. */
	assert_true(swp_encoded_max(SWP_PORT_INFO) >= HDR + 4 + SWP_COUNTERS * 12);
}

/* A message built by hand: header, then attributes appended with raw bytes. */
struct raw {
	_Alignas(8) unsigned char b[512];
	size_t len;
};

static void raw_start(struct raw *r, uint16_t type)
{
	memset(r, 0, sizeof(*r));
	r->len = swp_encode(r->b, sizeof(r->b), type, 1, NULL);
}

/* An attribute of plen payload bytes, padded unless pad is false. */
static void raw_attr(struct raw *r, uint16_t nla_len, uint16_t type, const void *p, size_t plen, bool pad)
{
	memcpy(r->b + r->len, &nla_len, 2);
	memcpy(r->b + r->len + 2, &type, 2);
	memcpy(r->b + r->len + 4, p, plen);
	r->len += 4 + (pad ? (plen + 3) / 4 * 4 : plen);
	*(uint32_t *)(void *)r->b = (uint32_t)r->len;
}

static int raw_decode(struct raw *r, uint16_t *bad)
{
	_Alignas(8) unsigned char body[SWP_BODY_MAX];

	memset(body, 0, sizeof(body));
	return swp_decode(r->b, body, bad);
}

static void proto_decode_skips_unknown_attributes(void **state)
{
	(void)state;
	struct raw r;
	_Alignas(8) struct swp_set_req set;
	uint16_t bad;
	uint32_t key = SWP_SET_FLAP_HOLD, junk = 0xdead;

	raw_start(&r, SWP_SET);
	raw_attr(&r, 8, 77, &junk, 4, true);		   /* a newer peer's field */
	raw_attr(&r, 4 + 3, 78, "abc", 3, true);	   /* of any size */
	raw_attr(&r, 8, SWP_A_SET_KEY, &key, 4, true);
	memset(&set, 0, sizeof(set));
	assert_int_equal(swp_decode(r.b, &set, &bad), 0);
	assert_int_equal(set.key, SWP_SET_FLAP_HOLD);
	assert_int_equal(set.value, 0); /* absent: zero */
}

static void proto_decode_rejects_wrong_sizes_and_bad_strings(void **state)
{
	(void)state;
	struct raw r;
	uint16_t bad;
	uint64_t v = 1;

	raw_start(&r, SWP_SET);
	raw_attr(&r, 4 + 3, SWP_A_SET_KEY, &v, 3, true); /* a u32 of 3 bytes */
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	assert_int_equal(bad, SWP_A_SET_KEY);

	raw_start(&r, SWP_SET);
	raw_attr(&r, 4 + 4, SWP_A_SET_VALUE, &v, 4, true); /* a u64 of 4 */
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	assert_int_equal(bad, SWP_A_SET_VALUE);

	raw_start(&r, SWP_PORT_DEL);
	raw_attr(&r, 4 + 4, SWP_A_PORT_NAME, "tap0", 4, true); /* no NUL */
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	assert_int_equal(bad, SWP_A_PORT_NAME);

	raw_start(&r, SWP_PORT_DEL);
	raw_attr(&r, 4 + 17, SWP_A_PORT_NAME, "abcdefghijklmnop", 17, true); /* 16 chars: too long */
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	assert_int_equal(bad, SWP_A_PORT_NAME);

	raw_start(&r, SWP_PORT_DEL);
	raw_attr(&r, 4 + 16, SWP_A_PORT_NAME, "abcdefghijklmno", 16, true); /* 15: fits */
	assert_int_equal(raw_decode(&r, &bad), 0);

	raw_start(&r, SWP_MAC_ENTRY);
	raw_attr(&r, 4 + 5, SWP_A_MAC_ADDR, "\1\2\3\4\5", 5, true);
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	assert_int_equal(bad, SWP_A_MAC_ADDR);
}

static void proto_decode_reads_nested_counters_and_rejects_bad_ones(void **state)
{
	(void)state;
	struct raw r;
	_Alignas(8) struct swp_port_info info;
	uint16_t bad;
	uint64_t v = 42;
	unsigned char nest[12 + 12 + 8];

	/* rx_bytes (2), an unknown counter (99), and a u32 where a u64 belongs. */
	memcpy(nest, &(uint16_t){ 12 }, 2);
	memcpy(nest + 2, &(uint16_t){ 2 }, 2);
	memcpy(nest + 4, &v, 8);
	memcpy(nest + 12, &(uint16_t){ 12 }, 2);
	memcpy(nest + 14, &(uint16_t){ 99 }, 2);
	memcpy(nest + 16, &v, 8);
	raw_start(&r, SWP_PORT_INFO);
	raw_attr(&r, 4 + 24, SWP_A_PORT_COUNTERS, nest, 24, true);
	memset(&info, 0, sizeof(info));
	assert_int_equal(swp_decode(r.b, &info, &bad), 0);
	assert_int_equal(info.c.rx_bytes, 42);
	assert_int_equal(info.c.rx_packets, 0);

	memcpy(nest + 24, &(uint16_t){ 8 }, 2);
	memcpy(nest + 26, &(uint16_t){ 1 }, 2);
	memcpy(nest + 28, &v, 4);
	raw_start(&r, SWP_PORT_INFO);
	raw_attr(&r, 4 + 32, SWP_A_PORT_COUNTERS, nest, 32, true);
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	assert_int_equal(bad, SWP_A_PORT_COUNTERS);
}

static void proto_decode_requires_the_attributes_to_tile_the_message(void **state)
{
	(void)state;
	struct raw r;
	uint16_t bad = 99;
	uint32_t key = 1;

	/* The last attribute's padding is part of the message: a length that ends before it is refused. */
	raw_start(&r, SWP_PORT_DEL);
	raw_attr(&r, 4 + 3, SWP_A_PORT_NAME, "p1", 3, false);
	assert_int_equal(r.len, HDR + 7);
	assert_int_equal(swp_check((const struct swp_hdr *)(const void *)r.b), -EMSGSIZE);
	raw_start(&r, SWP_PORT_DEL);
	raw_attr(&r, 4 + 3, SWP_A_PORT_NAME, "p1", 3, true);
	assert_int_equal(r.len, HDR + 8);
	assert_int_equal(swp_check((const struct swp_hdr *)(const void *)r.b), 0);
	assert_int_equal(raw_decode(&r, &bad), 0);

	/* Bytes left over that are not an attribute (4 zero bytes: nla_len 0). */
	raw_start(&r, SWP_SET);
	raw_attr(&r, 8, SWP_A_SET_KEY, &key, 4, true);
	r.len += 4;
	*(uint32_t *)(void *)r.b = (uint32_t)r.len;
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	assert_int_equal(bad, 0);

	/* An attribute longer than the message, or shorter than its own header. */
	raw_start(&r, SWP_SET);
	raw_attr(&r, 200, SWP_A_SET_KEY, &key, 4, true);
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
	raw_start(&r, SWP_SET);
	raw_attr(&r, 2, SWP_A_SET_KEY, &key, 4, true);
	assert_int_equal(raw_decode(&r, &bad), -EBADMSG);
}

static void proto_counter_names_cover_the_struct(void **state)
{
	(void)state;
	assert_int_equal(SWP_COUNTERS, 22);
	assert_string_equal(swp_counter_name(0), "rx_packets");
	assert_string_equal(swp_counter_name(offsetof(struct swp_counters, rx_drop_blocked) / 8),
			    "rx_drop_blocked");
	assert_string_equal(swp_counter_name(offsetof(struct swp_counters, tx_drop_busy) / 8), "tx_drop_busy");
	assert_string_equal(swp_counter_name(offsetof(struct swp_counters, rx_drop_isolated) / 8),
			    "rx_drop_isolated");
	assert_string_equal(swp_counter_name(offsetof(struct swp_counters, rx_drop_vlan) / 8), "rx_drop_vlan");
	assert_null(swp_counter_name(SWP_COUNTERS));
}

/* ---- swp_set_name ---- */

static void proto_set_name_nul_pads_short_names(void **state)
{
	(void)state;
	char dst[SWP_NAME_MAX];

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(swp_set_name(dst, "eth0"), 0);
	assert_memory_equal(dst, "eth0", 4);
	for (size_t i = 4; i < SWP_NAME_MAX; i++)
		assert_int_equal(dst[i], '\0');

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(swp_set_name(dst, ""), 0);
	for (size_t i = 0; i < SWP_NAME_MAX; i++)
		assert_int_equal(dst[i], '\0');
}

static void proto_set_name_accepts_15_chars(void **state)
{
	(void)state;
	char dst[SWP_NAME_MAX];

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(swp_set_name(dst, "abcdefghijklmno"), 0);
	assert_memory_equal(dst, "abcdefghijklmno", 16); /* with its NUL */
}

static void proto_set_name_rejects_16_chars_or_more(void **state)
{
	(void)state;
	char dst[SWP_NAME_MAX];

	memset(dst, 'X', sizeof(dst));
	assert_int_equal(swp_set_name(dst, "abcdefghijklmnop"), -ENAMETOOLONG);
	assert_int_equal(swp_set_name(dst, "a-very-long-interface-name"), -ENAMETOOLONG);
	/* The field is left as it was. */
	for (size_t i = 0; i < SWP_NAME_MAX; i++)
		assert_int_equal(dst[i], 'X');
}

/* ---- names ---- */

static void proto_type_and_state_names(void **state)
{
	(void)state;
	assert_string_equal(swp_type_name(SWP_PORT_AUTO), "auto");
	assert_string_equal(swp_type_name(SWP_PORT_TAP), "tap");
	assert_string_equal(swp_type_name(SWP_PORT_AFPACKET), "afpacket");
	assert_string_equal(swp_type_name(SWP_PORT_STREAM), "stream");
	assert_string_equal(swp_type_name(SWP_PORT_DGRAM), "dgram");
	assert_string_equal(swp_type_name(SWP_PORT_VXLAN), "vxlan");
	assert_string_equal(swp_type_name(6), "unknown");
	assert_string_equal(swp_type_name(UINT32_MAX), "unknown");

	assert_string_equal(swp_state_name(SWP_STATE_DOWN), "down");
	assert_string_equal(swp_state_name(SWP_STATE_UP), "up");
	assert_string_equal(swp_state_name(SWP_STATE_MOVED), "moved");
	assert_string_equal(swp_state_name(SWP_STATE_WAITING), "waiting");
	assert_string_equal(swp_state_name(SWP_STATE_CONNECTED), "connected");
	assert_string_equal(swp_state_name(5), "unknown");
	assert_string_equal(swp_state_name(UINT32_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* header checks */
		cmocka_unit_test(proto_header_is_a_nlmsghdr_and_a_version),
		cmocka_unit_test(proto_check_accepts_every_type),
		cmocka_unit_test(proto_check_rejects_unknown_type_with_ebadmsg),
		cmocka_unit_test(proto_check_rejects_length_out_of_range_with_emsgsize),
		cmocka_unit_test(proto_check_rejects_an_unaligned_length_with_emsgsize),
		cmocka_unit_test(proto_check_rejects_wrong_version_with_eproto),
		cmocka_unit_test(proto_a_v2_request_reads_as_an_out_of_range_length),
		cmocka_unit_test(proto_round_trips_every_field_of_a_port),
		cmocka_unit_test(proto_round_trips_the_other_records),
		cmocka_unit_test(proto_encode_leaves_zero_fields_out),
		cmocka_unit_test(proto_wire_bytes_of_a_set_request),
		cmocka_unit_test(proto_encode_fails_when_the_buffer_is_too_small),
		cmocka_unit_test(proto_encoded_max_is_the_longest_encoding),
		cmocka_unit_test(proto_decode_skips_unknown_attributes),
		cmocka_unit_test(proto_decode_rejects_wrong_sizes_and_bad_strings),
		cmocka_unit_test(proto_decode_reads_nested_counters_and_rejects_bad_ones),
		cmocka_unit_test(proto_decode_requires_the_attributes_to_tile_the_message),
		cmocka_unit_test(proto_counter_names_cover_the_struct),

		cmocka_unit_test(proto_set_name_nul_pads_short_names),
		cmocka_unit_test(proto_set_name_accepts_15_chars),
		cmocka_unit_test(proto_set_name_rejects_16_chars_or_more),
		/* enum names */
		cmocka_unit_test(proto_type_and_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
