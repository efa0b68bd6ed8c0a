/*
 * Captures (switchd/capture.c) on fake ports, their feed read back as the
 * client would (swp_decode of the connection's queued bytes): the filter runs
 * before the copy, directions, snap length, COUNT, the bound on what the
 * reader has not read (drops counted, forwarding untouched), the end when the
 * last port goes and at switchd's stop, the refusals. And switchctl's pcapng
 * writer, its blocks checked byte by byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "fakeports.h"
#include "pcapng.h"

/* A client's connection without a socket: what capture_start and the feed queue into. */
struct client {
	struct ctl_conn conn;
	struct capture *list;
	struct bpf_program prog;
};

static int start(struct env *env, struct client *c, const char *ports, uint32_t dirs, uint32_t snaplen,
		 uint64_t count, const char *expr)
{
	struct swp_capture_req req = { .dirs = dirs, .snaplen = snaplen, .count = count };
	struct ctl_reply r = { .conn = &c->conn, .seq = 7 };

	snprintf(req.ports, sizeof(req.ports), "%s", ports);
	if (expr) {
		pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);

		assert_non_null(pd);
		assert_int_equal(pcap_compile(pd, &c->prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
		pcap_close(pd);
		req.filter.ptr = (const uint8_t *)c->prog.bf_insns;
		req.filter.len = c->prog.bf_len * (uint32_t)sizeof(struct bpf_insn);
	}
	capture_start(&env->sw, &c->list, &r, &req);
	return r.status ? r.status : (int)r.count;
}

static void client_fini(struct client *c)
{
	ctl_conn_fini(&c->conn); /* frees the capture, as the daemon does when its client goes */
	pcap_freecode(&c->prog);
	assert_null(c->list);
}

/* The records queued so far (from *at), decoded; the frames into out, kind port skipped. */
static size_t feed_read(struct client *c, size_t *at, struct swp_capture_frame *out, size_t max,
			struct swp_capture_end *end, bool *ended)
{
	static _Alignas(8) uint8_t bodies[64][SWP_BODY_MAX];
	size_t n = 0;

	while (*at < c->conn.out.len) {
		struct swp_hdr h;
		uint16_t bad;
		_Alignas(8) uint8_t body[SWP_BODY_MAX];

		memcpy(&h, c->conn.out.buf + *at, sizeof(h));
		assert_int_equal(h.seq, 7);
		memset(n < 64 ? bodies[n] : body, 0, SWP_BODY_MAX); /* absent attributes read as 0 */
		assert_int_equal(swp_decode(c->conn.out.buf + *at, n < 64 ? bodies[n] : body, &bad), 0);
		if (h.type == SWP_CAPTURE_END) {
			memcpy(end, n < 64 ? bodies[n] : body, sizeof(*end));
			*ended = true;
		} else {
			const struct swp_capture_frame *fr = (const void *)(n < 64 ? bodies[n] : body);

			assert_int_equal(h.type, SWP_CAPTURE_FRAME);
			if (fr->kind == SWP_CAP_KIND_FRAME && n < max)
				out[n++] = *fr; /* data points into the queued message, which stays */
		}
		*at += h.len;
	}
	return n;
}

static void capture_filters_before_copying_and_ends_at_count(void **state)
{
	struct env *env = *state;
	struct client c = { 0 };
	struct swp_capture_frame fr[8];
	struct swp_capture_end end;
	uint8_t ab[64], ba[64], ab2[64];
	size_t at = 0, n;
	bool ended = false;

	/* Two port records: p0 and p1, once each. */
	assert_int_equal(start(env, &c, "p0,p1,p0", 0, 0, 3, "ether src 52:54:00:00:00:0a"), 2);
	assert_true(c.conn.feed);
	input(env, env->p[0], ab, mkframe(ab, MAC_B, MAC_A, 0, 1)); /* in p0, flooded: out p1..p4 */
	input(env, env->p[1], ba, mkframe(ba, MAC_A, MAC_B, 0, 2)); /* filtered out, both ways */
	n = feed_read(&c, &at, fr, 8, &end, &ended);
	assert_int_equal(n, 2);
	assert_false(ended);
	assert_string_equal(fr[0].port, "p0");
	assert_int_equal(fr[0].dir, SWP_CAP_DIR_IN);
	assert_string_equal(fr[1].port, "p1");
	assert_int_equal(fr[1].dir, SWP_CAP_DIR_OUT);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fr[i].len, 64);
		assert_int_equal(fr[i].data.len, 64);
		assert_memory_equal(fr[i].data.ptr, ab, 64);
		assert_true(fr[i].time_ns > 0);
	}
	/* The third frame is the last: then the end, and the hang-up. */
	input(env, env->p[0], ab2, mkframe(ab2, MAC_B, MAC_A, 0, 3)); /* in p0, unicast to p1 now */
	n = feed_read(&c, &at, fr, 8, &end, &ended);
	assert_int_equal(n, 1);
	assert_memory_equal(fr[0].data.ptr, ab2, 64);
	assert_true(ended);
	assert_int_equal(end.captured, 3);
	assert_int_equal(end.dropped, 0);
	assert_string_equal(end.reason, "count reached");
	assert_true(c.conn.closing);
	/* Nothing more is observed: the observer is gone from the ports. */
	input(env, env->p[0], ab2, mkframe(ab2, MAC_B, MAC_A, 0, 4));
	assert_int_equal(feed_read(&c, &at, fr, 8, &end, &ended), 0);
	client_fini(&c);
}

static void capture_takes_a_direction_and_a_snap_length(void **state)
{
	struct env *env = *state;
	struct client c = { 0 };
	struct swp_capture_frame fr[8];
	struct swp_capture_end end;
	uint8_t ab[64], ba[64];
	size_t at = 0;
	bool ended = false;

	assert_int_equal(start(env, &c, "p1", SWP_CAP_DIR_OUT, 20, 0, NULL), 1);
	input(env, env->p[1], ba, mkframe(ba, BCAST, MAC_B, 0, 1)); /* in on p1: not captured */
	input(env, env->p[0], ab, mkframe(ab, MAC_B, MAC_A, 0, 2)); /* out on p1 (B learned there) */
	assert_int_equal(feed_read(&c, &at, fr, 8, &end, &ended), 1);
	assert_int_equal(fr[0].dir, SWP_CAP_DIR_OUT);
	assert_int_equal(fr[0].len, 64);
	assert_int_equal(fr[0].data.len, 20);
	assert_memory_equal(fr[0].data.ptr, ab, 20);
	client_fini(&c);
}

static void a_reader_that_lags_loses_frames_not_forwarding(void **state)
{
	struct env *env = *state;
	struct client c = { 0 };
	struct swp_capture_frame fr[64];
	struct swp_capture_end end;
	uint8_t buf[64];
	size_t at = 0, n, one;
	bool ended = false;

	assert_int_equal(start(env, &c, "p0", SWP_CAP_DIR_IN, 0, 0, NULL), 1);
	/* Room for 4 frames' records beyond the port record, nothing read meanwhile. */
	one = swp_encoded_max(SWP_CAPTURE_FRAME) - SWP_ATTR_MAX + 64;
	c.list->budget = c.conn.out.len + 4 * one + one / 2;
	input(env, env->p[1], buf, mkframe(buf, BCAST, MAC_B, 0, 0)); /* B learned on p1 */
	for (uint8_t i = 0; i < 10; i++)
		input(env, env->p[0], buf, mkframe(buf, MAC_B, MAC_A, 0, i));
	assert_int_equal(sent_to("p1"), 10);
	capture_end_all(&c.list, "switchd stopping");
	n = feed_read(&c, &at, fr, 64, &end, &ended);
	assert_true(n >= 1 && n < 10);
	assert_true(ended);
	assert_int_equal(end.captured, n);
	assert_int_equal(end.dropped, 10 - n);
	assert_string_equal(end.reason, "switchd stopping");
	client_fini(&c);
}

static void the_last_port_going_ends_a_capture_but_not_all(void **state)
{
	struct env *env = *state;
	struct client c = { 0 }, all = { 0 };
	struct swp_capture_frame fr[8];
	struct swp_capture_end end;
	size_t at = 0, at_all = 0;
	bool ended = false, ended_all = false;

	assert_int_equal(start(env, &c, "p2,p3", 0, 0, 0, NULL), 2);
	assert_int_equal(start(env, &all, "", 0, 0, 0, NULL), NPORTS);
	sw_port_remove(&env->sw, env->p[2], "test");
	feed_read(&c, &at, fr, 8, &end, &ended);
	assert_false(ended);
	sw_port_remove(&env->sw, env->p[3], "test");
	feed_read(&c, &at, fr, 8, &end, &ended);
	assert_true(ended);
	assert_string_equal(end.reason, "port p3 removed");
	feed_read(&all, &at_all, fr, 8, &end, &ended_all);
	assert_false(ended_all);
	client_fini(&c);
	client_fini(&all);
}

static void bad_captures_are_refused(void **state)
{
	struct env *env = *state;
	struct client c = { 0 };
	struct swp_capture_req req = { 0 };
	struct ctl_reply r = { .conn = &c.conn, .seq = 7 };
	/* ja +7 out of a program of one instruction, and a program of 9 bytes. */
	struct bpf_insn out[1] = { BPF_STMT(BPF_JMP | BPF_JA, 7) };
	uint8_t odd[9] = { 0 };

	assert_int_equal(start(env, &c, "p0,nosuch", 0, 0, 0, NULL), -ENODEV);
	assert_int_equal(start(env, &c, ",", 0, 0, 0, NULL), -EINVAL);
	assert_int_equal(start(env, &c, "", 4, 0, 0, NULL), -EINVAL);
	req.filter.ptr = (const uint8_t *)out;
	req.filter.len = sizeof(out);
	capture_start(&env->sw, &c.list, &r, &req);
	assert_int_equal(r.status, -EINVAL);
	assert_non_null(strstr(r.msg, "not a valid BPF program"));
	r = (struct ctl_reply){ .conn = &c.conn, .seq = 7 };
	req.filter.ptr = odd;
	req.filter.len = sizeof(odd);
	capture_start(&env->sw, &c.list, &r, &req);
	assert_int_equal(r.status, -EINVAL);
	assert_null(c.list);
	assert_false(c.conn.feed);
	assert_int_equal(env->sw.nobservers, 0);
	/* One capture per connection. */
	assert_int_equal(start(env, &c, "p0", 0, 0, 0, NULL), 1);
	assert_int_equal(start(env, &c, "p1", 0, 0, 0, NULL), -EBUSY);
	client_fini(&c);
	assert_int_equal(env->sw.nobservers, 0);
}

/* ---- the pcapng writer ---- */

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void pcapng_blocks_are_what_readers_expect(void **state)
{
	char *buf = NULL;
	size_t len = 0, at;
	FILE *f = open_memstream(&buf, &len);
	struct pcapng w = { 0 };
	uint8_t frame[100];
	const uint64_t t = 1733250000123456789ull;

	(void)state;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i + 1);
	assert_non_null(f);
	assert_int_equal(pcapng_open(&w, f, 65531), 0);
	assert_int_equal(pcapng_iface(&w, "vm1"), 0);
	assert_int_equal(pcapng_iface(&w, "ctr-web"), 1);
	assert_int_equal(pcapng_iface(&w, "vm1"), 0);
	assert_int_equal(pcapng_packet(&w, 1, t, SWP_CAP_DIR_IN, frame, 61, 61), 0);
	assert_int_equal(pcapng_packet(&w, 0, t + 1, SWP_CAP_DIR_OUT, frame, 60, 100), 0);
	assert_int_equal(fclose(f), 0);
	pcapng_close(&w);

	/* Section header: type, byte-order magic, version 1.0, the length at both ends. */
	const uint8_t *p = (const uint8_t *)buf;
	assert_int_equal(get32(p), 0x0A0D0D0A);
	assert_int_equal(get32(p + 8), 0x1A2B3C4D);
	assert_int_equal(p[12] | p[13] << 8, 1);
	assert_int_equal(get32(p + get32(p + 4) - 4), get32(p + 4));
	at = get32(p + 4);
	/* Two interface blocks: Ethernet, the snap length, if_name and if_tsresol 9 (nanoseconds). */
	const char *names[2] = { "vm1", "ctr-web" };
	for (int i = 0; i < 2; i++) {
		const uint8_t *b = p + at, *o;
		uint32_t bl = get32(b + 4);
		bool name = false, resol = false;

		assert_int_equal(get32(b), 1);
		assert_int_equal(bl % 4, 0);
		assert_int_equal(get32(b + bl - 4), bl);
		assert_int_equal(b[8] | b[9] << 8, 1); /* LINKTYPE_ETHERNET */
		assert_int_equal(get32(b + 12), 65531);
		for (o = b + 16; o < b + bl - 4 && (o[0] | o[1] << 8);) {
			unsigned code = o[0] | o[1] << 8, ol = o[2] | o[3] << 8;

			if (code == 2) {
				assert_int_equal(ol, strlen(names[i]));
				assert_memory_equal(o + 4, names[i], ol);
				name = true;
			}
			if (code == 9) {
				assert_int_equal(ol, 1);
				assert_int_equal(o[4], 9);
				resol = true;
			}
			o += 4 + ((ol + 3) & ~3u);
		}
		assert_true(name && resol);
		at += bl;
	}
	/* Enhanced packets: interface, the time in nanoseconds, lengths, data padded with zeros, epb_flags. */
	const uint32_t ids[2] = { 1, 0 }, caps[2] = { 61, 60 }, origs[2] = { 61, 100 }, dirs[2] = { 1, 2 };
	for (int i = 0; i < 2; i++) {
		const uint8_t *b = p + at;
		uint32_t bl = get32(b + 4), pad = (caps[i] + 3) & ~3u;
		uint64_t ts = (uint64_t)get32(b + 12) << 32 | get32(b + 16);

		assert_int_equal(get32(b), 6);
		assert_int_equal(get32(b + bl - 4), bl);
		assert_int_equal(get32(b + 8), ids[i]);
		assert_true(ts == t + (uint64_t)i);
		assert_int_equal(get32(b + 20), caps[i]);
		assert_int_equal(get32(b + 24), origs[i]);
		assert_memory_equal(b + 28, frame, caps[i]);
		for (uint32_t k = caps[i]; k < pad; k++)
			assert_int_equal(b[28 + k], 0);
		assert_int_equal(b[28 + pad] | b[29 + pad] << 8, 2); /* epb_flags */
		assert_int_equal(b[30 + pad] | b[31 + pad] << 8, 4);
		assert_int_equal(get32(b + 32 + pad) & 3, dirs[i]);
		at += bl;
	}
	assert_int_equal(at, len);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(capture_filters_before_copying_and_ends_at_count, setup, teardown),
		cmocka_unit_test_setup_teardown(capture_takes_a_direction_and_a_snap_length, setup, teardown),
		cmocka_unit_test_setup_teardown(a_reader_that_lags_loses_frames_not_forwarding, setup, teardown),
		cmocka_unit_test_setup_teardown(the_last_port_going_ends_a_capture_but_not_all, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_captures_are_refused, setup, teardown),
		cmocka_unit_test(pcapng_blocks_are_what_readers_expect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
