/*
 * Unit tests for software offloads (switchd/gso.c): TCPv4 and TCPv6 GSO
 * super-frames, with and without a VLAN tag, cut into segments whose
 * lengths, ids, sequence numbers, flags and checksums are checked against
 * an independent computation; a partial checksum completed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gso.h"

#define MAXSEG 16
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071, written out again so the test does not trust gso_sum. */
static unsigned ref_sum(const uint8_t *p, size_t len, unsigned long acc)
{
	for (size_t i = 0; i < len; i++)
		acc += i % 2 ? p[i] : (unsigned long)p[i] << 8;
	while (acc > 0xffff)
		acc = (acc & 0xffff) + (acc >> 16);
	return (unsigned)acc;
}

/* 0 when the IPv4 header checksums right. */
static unsigned ref_ip_ok(const uint8_t *ip)
{
	return 0xffff - ref_sum(ip, (size_t)(ip[0] & 15) * 4, 0);
}

#define GSO_UDP_L4 5 /* VIRTIO_NET_HDR_GSO_UDP_L4, newer than some headers */

/* 0 when the TCP or UDP checksum over the pseudo-header and segment is right. */
static unsigned ref_l4_ok(const uint8_t *ip, const uint8_t *l4, size_t l4len, int v6, unsigned proto)
{
	unsigned long acc = proto + l4len;

	acc += v6 ? ref_sum(ip + 8, 32, 0) : ref_sum(ip + 12, 8, 0);
	return 0xffff - ref_sum(l4, l4len, acc);
}

static unsigned ref_tcp_ok(const uint8_t *ip, const uint8_t *tcp, size_t tcplen, int v6)
{
	unsigned long acc = 6 + tcplen;

	acc += v6 ? ref_sum(ip + 8, 32, 0) : ref_sum(ip + 12, 8, 0);
	return 0xffff - ref_sum(tcp, tcplen, acc);
}

struct segs {
	size_t n;
	uint8_t buf[MAXSEG][2048];
	size_t len[MAXSEG];
	int stop_after;
};

static int collect(void *ctx, const uint8_t *seg, size_t len)
{
	struct segs *s = ctx;

	assert_true(s->n < MAXSEG && len <= sizeof(s->buf[0]));
	memcpy(s->buf[s->n], seg, len);
	s->len[s->n++] = len;
	return s->stop_after && (int)s->n == s->stop_after ? -EAGAIN : 0;
}

/* Ethernet (+ a tag), IPv4 or IPv6, TCP with flags, payload bytes i & 0xff. Returns its length. */
static size_t mk_tcp(uint8_t *f, int v6, int tagged, uint8_t flags, size_t payload)
{
	size_t l3 = tagged ? 18 : 14, l4 = l3 + (v6 ? 40 : 20), len = l4 + 20 + payload;

	memset(f, 0, l4 + 20);
	memcpy(f, "\x52\x54\x00\x00\x00\x0b\x52\x54\x00\x00\x00\x0a", 12);
	if (tagged) {
		put16(f + 12, 0x8100);
		put16(f + 14, 100);
	}
	put16(f + l3 - 2, v6 ? 0x86dd : 0x0800);
	if (v6) {
		f[l3] = 0x60;
		put16(f + l3 + 4, 0); /* the kernel leaves GSO lengths to the segmenter */
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		f[l3 + 8] = 0xfd;
		f[l3 + 23] = 1;
		f[l3 + 24] = 0xfd;
		f[l3 + 39] = 2;
	} else {
		f[l3] = 0x45;
		put16(f + l3 + 2, 0);
		put16(f + l3 + 4, 0xfffe); /* wraps */
		put16(f + l3 + 6, 0x4000);
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		memcpy(f + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	}
	put16(f + l4, 40000);
	put16(f + l4 + 2, 5201);
	put16(f + l4 + 4, 0xffff); /* seq 0xffffff00: wraps too */
	put16(f + l4 + 6, 0xff00);
	put16(f + l4 + 8, 0);
	put16(f + l4 + 10, 7);
	f[l4 + 12] = 5 << 4;
	f[l4 + 13] = flags;
	put16(f + l4 + 14, 65535);
	for (size_t i = 0; i < payload; i++)
		f[l4 + 20 + i] = (uint8_t)i;
	return len;
}

static void check_segments(int v6, int tagged)
{
	static uint8_t frame[8192], buf[4096];
	static struct segs s;
	const size_t payload = 2500, mss = 1000, l3 = tagged ? 18 : 14, l4 = l3 + (v6 ? 40 : 20);
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
		.gso_size = mss,
		.hdr_len = (uint16_t)(l4 + 20),
		.csum_start = (uint16_t)l4,
		.csum_offset = 16,
	};
	size_t len = mk_tcp(frame, v6, tagged, TCP_FIN | TCP_PSH | TCP_ACK | TCP_CWR, payload);

	memset(&s, 0, sizeof(s));
	assert_int_equal(gso_segment(&vh, frame, len, buf, sizeof(buf), collect, &s), 3);
	assert_int_equal(s.n, 3);
	for (size_t i = 0; i < s.n; i++) {
		const uint8_t *g = s.buf[i], *ip = g + l3, *tcp = g + l4;
		size_t chunk = i < 2 ? mss : payload - 2 * mss;
		uint8_t want = TCP_ACK;

		assert_int_equal(s.len[i], l4 + 20 + chunk);
		assert_memory_equal(g, frame, l3); /* Ethernet and tag untouched */
		if (v6) {
			assert_int_equal(get16(ip + 4), 20 + chunk);
		} else {
			assert_int_equal(get16(ip + 2), 20 + 20 + chunk);
			assert_int_equal(get16(ip + 4), (0xfffe + i) & 0xffff);
			assert_int_equal(get16(ip + 6), 0x4000);
			assert_int_equal(ref_ip_ok(ip), 0);
		}
		assert_int_equal(get32(tcp + 4), (uint32_t)(0xffffff00u + i * mss));
		assert_int_equal(get32(tcp + 8), 7);
		if (i == 0)
			want |= TCP_CWR;
		if (i == s.n - 1)
			want |= TCP_FIN | TCP_PSH;
		assert_int_equal(tcp[13], want);
		assert_int_equal(ref_tcp_ok(ip, tcp, 20 + chunk, v6), 0);
		assert_memory_equal(tcp + 20, frame + l4 + 20 + i * mss, chunk);
	}
}

/* Ethernet (+ a tag), IPv4 or IPv6, UDP, payload bytes i & 0xff. Returns its length. */
static size_t mk_udp(uint8_t *f, int v6, int tagged, size_t payload)
{
	size_t l3 = tagged ? 18 : 14, l4 = l3 + (v6 ? 40 : 20), len;

	len = mk_tcp(f, v6, tagged, 0, payload - 12); /* its headers, then made UDP (12 bytes shorter) */
	if (v6)
		f[l3 + 6] = 17;
	else
		f[l3 + 9] = 17;
	put16(f + l4, 40000);
	put16(f + l4 + 2, 9999);
	put16(f + l4 + 4, 0); /* left to the segmenter, as the kernel does */
	put16(f + l4 + 6, 0);
	for (size_t i = 0; i < payload; i++)
		f[l4 + 8 + i] = (uint8_t)i;
	return len;
}

static void check_udp_segments(int v6, int tagged)
{
	static uint8_t frame[8192], buf[4096];
	static struct segs s;
	const size_t payload = 2500, mss = 1000, l3 = tagged ? 18 : 14, l4 = l3 + (v6 ? 40 : 20);
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = GSO_UDP_L4,
		.gso_size = mss,
		.csum_start = (uint16_t)l4,
		.csum_offset = 6,
	};
	size_t len = mk_udp(frame, v6, tagged, payload);

	memset(&s, 0, sizeof(s));
	assert_int_equal(gso_segment(&vh, frame, len, buf, sizeof(buf), collect, &s), 3);
	for (size_t i = 0; i < s.n; i++) {
		const uint8_t *g = s.buf[i], *ip = g + l3, *udp = g + l4;
		size_t chunk = i < 2 ? mss : payload - 2 * mss;

		assert_int_equal(s.len[i], l4 + 8 + chunk);
		assert_memory_equal(g, frame, l3);
		if (v6) {
			assert_int_equal(get16(ip + 4), 8 + chunk);
		} else {
			assert_int_equal(get16(ip + 2), 20 + 8 + chunk);
			assert_int_equal(get16(ip + 4), (0xfffe + i) & 0xffff);
			assert_int_equal(ref_ip_ok(ip), 0);
		}
		assert_int_equal(get16(udp), 40000);
		assert_int_equal(get16(udp + 2), 9999);
		assert_int_equal(get16(udp + 4), 8 + chunk);
		assert_int_not_equal(get16(udp + 6), 0);
		assert_int_equal(ref_l4_ok(ip, udp, 8 + chunk, v6, 17), 0);
		assert_memory_equal(udp + 8, frame + l4 + 8 + i * mss, chunk);
	}
}

static void gso_udpv4_is_cut_into_datagrams(void **state)
{
	(void)state;
	check_udp_segments(0, 0);
}

static void gso_udpv6_is_cut_into_datagrams(void **state)
{
	(void)state;
	check_udp_segments(1, 0);
}

static void gso_tagged_udpv4_keeps_its_tag(void **state)
{
	(void)state;
	check_udp_segments(0, 1);
}

static void gso_tcpv4_is_cut_into_mss_segments(void **state)
{
	(void)state;
	check_segments(0, 0);
}

static void gso_tcpv6_is_cut_into_mss_segments(void **state)
{
	(void)state;
	check_segments(1, 0);
}

static void gso_tagged_tcpv4_keeps_its_tag(void **state)
{
	(void)state;
	check_segments(0, 1);
}

static void gso_tagged_tcpv6_keeps_its_tag(void **state)
{
	(void)state;
	check_segments(1, 1);
}

static void gso_callback_stops_it(void **state)
{
	(void)state;
	static uint8_t frame[8192], buf[4096];
	static struct segs s;
	struct virtio_net_hdr vh = { .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1000 };
	size_t len = mk_tcp(frame, 0, 0, TCP_ACK, 2500);

	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(gso_segment(&vh, frame, len, buf, sizeof(buf), collect, &s), -EAGAIN);
	assert_int_equal(s.n, 1);
}

static void gso_refuses_ufo_and_malformed_frames(void **state)
{
	(void)state;
	static uint8_t frame[8192], buf[4096];
	static struct segs s;
	struct virtio_net_hdr vh = { .gso_type = VIRTIO_NET_HDR_GSO_UDP, .gso_size = 1000 };
	size_t len = mk_tcp(frame, 0, 0, TCP_ACK, 2500);

	assert_int_equal(gso_segment(&vh, frame, len, buf, sizeof(buf), collect, &s), -EPROTONOSUPPORT);
	/* USO claimed on a TCP frame. */
	vh.gso_type = GSO_UDP_L4;
	assert_int_equal(gso_segment(&vh, frame, len, buf, sizeof(buf), collect, &s), -EINVAL);
	/* TCPv6 claimed on an IPv4 frame, a zero MSS, a cut header, an MSS over the buffer. */
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	assert_int_equal(gso_segment(&vh, frame, len, buf, sizeof(buf), collect, &s), -EINVAL);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 0;
	assert_int_equal(gso_segment(&vh, frame, len, buf, sizeof(buf), collect, &s), -EINVAL);
	vh.gso_size = 1000;
	assert_int_equal(gso_segment(&vh, frame, 40, buf, sizeof(buf), collect, &s), -EINVAL);
	assert_int_equal(gso_segment(&vh, frame, len, buf, 1000, collect, &s), -EINVAL);
	assert_int_equal(s.n, 0);
}

static void gso_completes_a_partial_checksum(void **state)
{
	(void)state;
	static uint8_t frame[4096];
	const size_t l4 = 14 + 20;
	size_t len = mk_tcp(frame, 0, 0, TCP_ACK | TCP_PSH, 77); /* odd length */
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = (uint16_t)l4,
		.csum_offset = 16,
	};
	unsigned long pseudo = 6 + (len - l4);

	put16(frame + 14 + 2, (unsigned)(len - 14));
	/* What the sender leaves there: the pseudo-header's sum, not complemented. */
	pseudo += ref_sum(frame + 14 + 12, 8, 0);
	put16(frame + l4 + 16, ref_sum(NULL, 0, pseudo));
	assert_int_equal(gso_csum_complete(&vh, frame, len), 0);
	assert_int_equal(ref_tcp_ok(frame + 14, frame + l4, len - l4, 0), 0);
	vh.csum_start = (uint16_t)len;
	assert_int_equal(gso_csum_complete(&vh, frame, len), -EINVAL);
	vh.csum_start = (uint16_t)(len - 1);
	vh.csum_offset = 0;
	assert_int_equal(gso_csum_complete(&vh, frame, len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gso_tcpv4_is_cut_into_mss_segments),
		cmocka_unit_test(gso_tcpv6_is_cut_into_mss_segments),
		cmocka_unit_test(gso_tagged_tcpv4_keeps_its_tag),
		cmocka_unit_test(gso_tagged_tcpv6_keeps_its_tag),
		cmocka_unit_test(gso_callback_stops_it),
		cmocka_unit_test(gso_udpv4_is_cut_into_datagrams),
		cmocka_unit_test(gso_udpv6_is_cut_into_datagrams),
		cmocka_unit_test(gso_tagged_udpv4_keeps_its_tag),
		cmocka_unit_test(gso_refuses_ufo_and_malformed_frames),
		cmocka_unit_test(gso_completes_a_partial_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
