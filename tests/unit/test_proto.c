/*
 * Unit tests for the control protocol framing (switchd/proto.c): header
 * checks, encoding, fixed name fields and the names of enums.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "switchd/proto.h"

/* Every message type and the body size it must have. */
static const struct {
	uint16_t type;
	size_t body;
} types[] = {
	{ SWP_PORT_ADD, sizeof(struct swp_port_req) },
	{ SWP_PORT_DEL, sizeof(struct swp_port_req) },
	{ SWP_PORT_SHOW, 0 },
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

static struct swp_hdr hdr_of(uint16_t version, uint16_t type, uint32_t len)
{
	return (struct swp_hdr){ .version = version, .type = type, .len = len, .seq = 7 };
}

/* ---- swp_check / swp_body_size ---- */

static void proto_wire_sizes_are_fixed(void **state)
{
	(void)state;
	/* The wire layout: a change here is a protocol change. */
	assert_int_equal(sizeof(struct swp_hdr), 16);
	assert_int_equal(sizeof(struct swp_port_req), 152);
	assert_int_equal(offsetof(struct swp_port_req, peer), 24);
	assert_int_equal(offsetof(struct swp_port_req, netns), 40);
	assert_int_equal(offsetof(struct swp_port_req, reserved), 148);
	assert_int_equal(sizeof(struct swp_mac_req), 16);
	assert_int_equal(sizeof(struct swp_port_info), 304);
	assert_int_equal(sizeof(struct swp_mac_entry), 32);
	assert_int_equal(sizeof(struct swp_event), 128);
	assert_int_equal(sizeof(struct swp_set_req), 16);
	assert_int_equal(sizeof(struct swp_status_info), 96);
	assert_int_equal(sizeof(struct swp_done), 136);
	for (size_t i = 0; i < NTYPES; i++)
		assert_int_equal(swp_body_size(types[i].type), (long)types[i].body);
}

static void proto_check_accepts_every_type_with_its_exact_body(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTYPES; i++) {
		struct swp_hdr h = hdr_of(SWP_VERSION, types[i].type, (uint32_t)(16 + types[i].body));

		assert_int_equal(swp_check(&h), 0);
	}
}

static void proto_check_rejects_wrong_body_length_with_ebadmsg(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTYPES; i++) {
		struct swp_hdr h = hdr_of(SWP_VERSION, types[i].type, (uint32_t)(16 + types[i].body + 1));

		assert_int_equal(swp_check(&h), -EBADMSG);
		if (types[i].body) {
			h.len = (uint32_t)(16 + types[i].body - 1);
			assert_int_equal(swp_check(&h), -EBADMSG);
			h.len = 16;
			assert_int_equal(swp_check(&h), -EBADMSG);
		}
		h.len = SWP_MSG_MAX;
		assert_int_equal(swp_check(&h), -EBADMSG);
	}
}

static void proto_check_rejects_unknown_type_with_ebadmsg(void **state)
{
	(void)state;
	static const uint16_t unknown[] = { 0, 9, 99, 105, 200, 0xffff };

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		struct swp_hdr h = hdr_of(SWP_VERSION, unknown[i], 16);

		assert_int_equal(swp_body_size(unknown[i]), -1);
		assert_int_equal(swp_check(&h), -EBADMSG);
		h.len = 16 + sizeof(struct swp_port_req);
		assert_int_equal(swp_check(&h), -EBADMSG);
	}
}

static void proto_check_rejects_length_out_of_range_with_emsgsize(void **state)
{
	(void)state;
	static const uint32_t bad[] = { 0, 1, 15, SWP_MSG_MAX + 1, 65536, UINT32_MAX };

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

static void proto_check_rejects_wrong_version_with_eproto(void **state)
{
	(void)state;
	static const uint16_t bad[] = { 0, SWP_VERSION + 1, 0x0100, 0xffff };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct swp_hdr h = hdr_of(bad[i], SWP_STATUS, 16);

		assert_int_equal(swp_check(&h), -EPROTO);
		/* Checked before the type and body. */
		h.type = 0xffff;
		assert_int_equal(swp_check(&h), -EPROTO);
	}
}

/* ---- swp_encode ---- */

static void proto_encode_writes_header_and_body(void **state)
{
	(void)state;
	struct swp_port_req req = { .type = SWP_PORT_TAP, .flags = 0x5a5a };
	unsigned char buf[256];
	struct swp_hdr h;
	size_t n;

	memset(buf, 0xee, sizeof(buf));
	strcpy(req.name, "eth0");
	n = swp_encode(buf, SWP_PORT_ADD, 0xdeadbeef, &req, sizeof(req));
	assert_int_equal(n, 16 + sizeof(req));
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.version, SWP_VERSION);
	assert_int_equal(h.type, SWP_PORT_ADD);
	assert_int_equal(h.len, 16 + sizeof(req));
	assert_int_equal(h.seq, 0xdeadbeef);
	assert_int_equal(h.reserved, 0);
	assert_memory_equal(buf + 16, &req, sizeof(req));
	/* Nothing written past the message. */
	for (size_t i = n; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void proto_encode_without_body_is_header_only(void **state)
{
	(void)state;
	unsigned char buf[64];
	struct swp_hdr h;

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(swp_encode(buf, SWP_STATUS, 1, NULL, 0), 16);
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.type, SWP_STATUS);
	assert_int_equal(h.len, 16);
	assert_int_equal(h.reserved, 0);
	assert_int_equal(swp_check(&h), 0);
	assert_int_equal(buf[16], 0xee);
}

static void proto_encode_then_check_round_trips_every_type(void **state)
{
	(void)state;
	_Alignas(8) unsigned char buf[SWP_MSG_MAX];
	unsigned char body[SWP_MSG_MAX];

	for (size_t i = 0; i < NTYPES; i++) {
		struct swp_hdr h;
		size_t n;

		for (size_t j = 0; j < types[i].body; j++)
			body[j] = (unsigned char)(j * 7 + i);
		n = swp_encode(buf, types[i].type, (uint32_t)i + 1000, body, types[i].body);
		assert_int_equal(n, 16 + types[i].body);
		memcpy(&h, buf, sizeof(h));
		assert_int_equal(swp_check(&h), 0);
		assert_int_equal(h.type, types[i].type);
		assert_int_equal(h.seq, i + 1000);
		assert_int_equal(h.len, n);
		assert_memory_equal(buf + 16, body, types[i].body);
	}
}

static void proto_round_trip_of_a_done_message(void **state)
{
	(void)state;
	struct swp_done in = { .status = -ENOENT, .count = 3 }, out;
	_Alignas(8) unsigned char buf[SWP_MSG_MAX];
	struct swp_hdr h;
	size_t n;

	strcpy(in.msg, "no such port");
	n = swp_encode(buf, SWP_DONE, 42, &in, sizeof(in));
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(swp_check(&h), 0);
	assert_int_equal(h.len, n);
	memcpy(&out, buf + sizeof(h), h.len - sizeof(h));
	assert_int_equal(out.status, -ENOENT);
	assert_int_equal(out.count, 3);
	assert_string_equal(out.msg, "no such port");
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
	assert_string_equal(swp_type_name(3), "unknown");
	assert_string_equal(swp_type_name(UINT32_MAX), "unknown");

	assert_string_equal(swp_state_name(SWP_STATE_DOWN), "down");
	assert_string_equal(swp_state_name(SWP_STATE_UP), "up");
	assert_string_equal(swp_state_name(SWP_STATE_MOVED), "moved");
	assert_string_equal(swp_state_name(3), "unknown");
	assert_string_equal(swp_state_name(UINT32_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* header checks */
		cmocka_unit_test(proto_wire_sizes_are_fixed),
		cmocka_unit_test(proto_check_accepts_every_type_with_its_exact_body),
		cmocka_unit_test(proto_check_rejects_wrong_body_length_with_ebadmsg),
		cmocka_unit_test(proto_check_rejects_unknown_type_with_ebadmsg),
		cmocka_unit_test(proto_check_rejects_length_out_of_range_with_emsgsize),
		cmocka_unit_test(proto_check_rejects_wrong_version_with_eproto),
		/* encoding */
		cmocka_unit_test(proto_encode_writes_header_and_body),
		cmocka_unit_test(proto_encode_without_body_is_header_only),
		cmocka_unit_test(proto_encode_then_check_round_trips_every_type),
		cmocka_unit_test(proto_round_trip_of_a_done_message),
		/* name fields */
		cmocka_unit_test(proto_set_name_nul_pads_short_names),
		cmocka_unit_test(proto_set_name_accepts_15_chars),
		cmocka_unit_test(proto_set_name_rejects_16_chars_or_more),
		/* enum names */
		cmocka_unit_test(proto_type_and_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
