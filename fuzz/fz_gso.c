/*
 * Harness 3: software segmentation and checksums (switchd/gso.c), as a stream
 * port runs them on frames from other ports. The input is a virtio_net_hdr's
 * fields and a frame. Every segment gso_segment makes must fit the buffer,
 * carry the frame's headers and the next piece of its payload, in order, with
 * the IP length, the IPv4 header checksum and the TCP or UDP checksum right;
 * together the pieces are the whole payload. gso_csum_complete must stay in
 * the frame. ASan and UBSan catch the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"
#include "gso.h"

#define FZ_SEG_BUF 2048

struct fz_gso {
	const uint8_t *frame;
	size_t len, l3, l4, payload, off; /* off: payload bytes seen so far */
	int v6, udp, parsed, stop_after, n;
};

static unsigned fz16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Where the harness expects the headers: its own reading, for its checks. */
static int fz_parse(struct fz_gso *g)
{
	const uint8_t *d = g->frame;
	size_t l3 = 14;
	unsigned type;

	if (g->len < 14)
		return -1;
	type = fz16(d + 12);
	if (type == 0x8100 || type == 0x88a8) {
		if (g->len < 18)
			return -1;
		type = fz16(d + 16);
		l3 = 18;
	}
	g->l3 = l3;
	g->v6 = type == 0x86dd;
	if (type == 0x0800 && g->len >= l3 + 20)
		g->l4 = l3 + (size_t)(d[l3] & 15) * 4;
	else if (g->v6 && g->len >= l3 + 40)
		g->l4 = l3 + 40;
	else
		return -1;
	if (g->len < g->l4 + (g->udp ? 8 : 20))
		return -1;
	g->payload = g->l4 + (g->udp ? 8 : (size_t)(d[g->l4 + 12] >> 4) * 4);
	return g->payload <= g->len ? 0 : -1;
}

static int fz_seg(void *ctx, const uint8_t *s, size_t len)
{
	struct fz_gso *g = ctx;
	size_t chunk;
	uint32_t sum;

	fz_check(g->parsed, "segmented a frame the harness cannot read");
	fz_check(len <= FZ_SEG_BUF, "segment of %zu bytes in a %d-byte buffer", len, FZ_SEG_BUF);
	fz_check(len >= g->payload, "segment of %zu bytes, shorter than the headers (%zu)", len, g->payload);
	chunk = len - g->payload;
	fz_check(g->off + chunk <= g->len - g->payload, "segments carry more than the payload");
	fz_check(!memcmp(s + g->payload, g->frame + g->payload + g->off, chunk),
		 "segment %d: payload out of order", g->n);
	fz_check(!memcmp(s, g->frame, g->l3), "segment %d: Ethernet header changed", g->n);
	if (g->v6) {
		fz_check(fz16(s + g->l3 + 4) == len - g->l4, "segment %d: IPv6 payload length", g->n);
		sum = gso_sum(s + g->l3 + 8, 32, 0);
	} else {
		fz_check(fz16(s + g->l3 + 2) == len - g->l3, "segment %d: IPv4 total length", g->n);
		fz_check(gso_fold(gso_sum(s + g->l3, g->l4 - g->l3, 0)) == 0xffff,
			 "segment %d: IPv4 checksum", g->n);
		sum = gso_sum(s + g->l3 + 12, 8, 0);
	}
	sum += (g->udp ? 17u : 6u) + (uint32_t)(len - g->l4);
	fz_check(gso_fold(gso_sum(s + g->l4, len - g->l4, sum)) == 0xffff, "segment %d: L4 checksum", g->n);
	g->off += chunk;
	g->n++;
	return g->stop_after && g->n == g->stop_after ? -EAGAIN : 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/*
 * Input: gso_type selector, gso_size (2 bytes), csum_start (2), csum_offset
 * (2), where to stop (1), then the frame.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t types[] = { VIRTIO_NET_HDR_GSO_NONE, VIRTIO_NET_HDR_GSO_TCPV4,
					 VIRTIO_NET_HDR_GSO_UDP,  VIRTIO_NET_HDR_GSO_TCPV6,
					 5 /* UDP_L4 */,	  0x81 /* TCPV4 | ECN */ };
	static uint8_t seg[FZ_SEG_BUF];
	struct virtio_net_hdr vh = { 0 };
	struct fz_gso g = { 0 };
	uint8_t *copy;
	int rc;

	if (size < 8)
		return 0;
	vh.gso_type = types[data[0] % sizeof(types)];
	vh.gso_size = (uint16_t)fz16(data + 1);
	vh.csum_start = (uint16_t)fz16(data + 3);
	vh.csum_offset = (uint16_t)fz16(data + 5);
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	g.stop_after = data[7] & 7;
	g.frame = data + 8;
	g.len = size - 8;
	g.udp = vh.gso_type == 5;

	/* Exactly the frame's size, so ASan sees a write past its end. */
	copy = malloc(g.len ? g.len : 1);
	if (!copy)
		abort();
	memcpy(copy, g.frame, g.len);
	rc = gso_csum_complete(&vh, copy, g.len);
	fz_check(rc == 0 || rc == -EINVAL, "gso_csum_complete: %d", rc);
	fz_check(rc || (size_t)vh.csum_start + vh.csum_offset + 2 <= g.len,
		 "checksum written outside the frame");
	free(copy);

	g.parsed = fz_parse(&g) == 0;
	rc = gso_segment(&vh, g.frame, g.len, seg, sizeof(seg), fz_seg, &g);
	if (vh.gso_type == VIRTIO_NET_HDR_GSO_NONE || vh.gso_type == VIRTIO_NET_HDR_GSO_UDP) {
		fz_check(rc == -EPROTONOSUPPORT, "gso type %u: %d", vh.gso_type, rc);
		return 0;
	}
	if (rc == -EINVAL) {
		fz_check(g.n == 0, "-EINVAL after %d segments", g.n);
		return 0;
	}
	fz_check(g.parsed, "segmented a frame the harness cannot read (rc %d)", rc);
	if (rc == -EAGAIN) {
		fz_check(g.n == g.stop_after, "stopped after %d segments, asked after %d", g.n, g.stop_after);
		return 0;
	}
	fz_check(rc > 0 && rc == g.n, "returned %d after %d segments", rc, g.n);
	fz_check(g.off == g.len - g.payload, "segments carried %zu of %zu payload bytes", g.off,
		 g.len - g.payload);
	return 0;
}
