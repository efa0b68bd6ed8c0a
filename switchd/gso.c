/* Checksums and TCP segmentation in software, for ports without a virtio_net_hdr. */
#include "gso.h"

#include <errno.h>
#include <string.h>

#define ETH_HLEN_ 14
/* UDP segmentation offload (USO): newer than some systems' linux/virtio_net.h. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

uint32_t gso_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += rd16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t gso_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int gso_csum_complete(const struct virtio_net_hdr *vh, uint8_t *data, size_t len)
{
	size_t start = vh->csum_start, field = (size_t)vh->csum_start + vh->csum_offset;

	if (start >= len || field + 2 > len)
		return -EINVAL;
	wr16(data + field, (uint16_t)~gso_fold(gso_sum(data + start, len - start, 0)));
	return 0;
}

/* Where the headers of a TCP or UDP frame are. */
struct gso_hdrs {
	size_t l3, l4, payload; /* offsets */
	int v6;
	uint8_t proto;
};

static int gso_parse(const uint8_t *d, size_t len, uint8_t proto, struct gso_hdrs *h)
{
	size_t l3 = ETH_HLEN_;
	uint16_t type;

	if (len < ETH_HLEN_)
		return -EINVAL;
	type = rd16(d + 12);
	if (type == 0x8100 || type == 0x88a8) {
		if (len < ETH_HLEN_ + 4)
			return -EINVAL;
		type = rd16(d + 16);
		l3 += 4;
	}
	if (type == 0x0800) {
		size_t ihl;

		if (len < l3 + 20 || (d[l3] >> 4) != 4 || d[l3 + 9] != proto)
			return -EINVAL;
		ihl = (size_t)(d[l3] & 0x0f) * 4;
		if (ihl < 20)
			return -EINVAL;
		h->l4 = l3 + ihl;
		h->v6 = 0;
	} else if (type == 0x86dd) {
		/* Extension headers are not segmented: TCP or UDP must follow the fixed header. */
		if (len < l3 + 40 || (d[l3] >> 4) != 6 || d[l3 + 6] != proto)
			return -EINVAL;
		h->l4 = l3 + 40;
		h->v6 = 1;
	} else {
		return -EINVAL;
	}
	if (proto == IPPROTO_UDP_) {
		h->payload = h->l4 + 8;
	} else {
		if (len < h->l4 + 20)
			return -EINVAL;
		h->payload = h->l4 + (size_t)(d[h->l4 + 12] >> 4) * 4;
		if (h->payload < h->l4 + 20)
			return -EINVAL;
	}
	if (h->payload > len)
		return -EINVAL;
	h->l3 = l3;
	h->proto = proto;
	return 0;
}

/* The TCP or UDP checksum of the segment in s, its IP header already final. */
static void gso_l4_csum(uint8_t *s, size_t len, const struct gso_hdrs *h)
{
	size_t l4len = len - h->l4, field = h->l4 + (h->proto == IPPROTO_UDP_ ? 6 : 16);
	uint32_t sum;
	uint16_t csum;

	if (h->v6)
		sum = gso_sum(s + h->l3 + 8, 32, 0);
	else
		sum = gso_sum(s + h->l3 + 12, 8, 0);
	sum += h->proto;
	sum += (uint32_t)l4len;
	wr16(s + field, 0);
	sum = gso_sum(s + h->l4, l4len, sum);
	csum = (uint16_t)~gso_fold(sum);
	/* In UDP, 0 says "no checksum": a sum that comes out 0 is sent as its other form. */
	wr16(s + field, h->proto == IPPROTO_UDP_ && !csum ? 0xffff : csum);
}

int gso_segment(const struct virtio_net_hdr *vh, const uint8_t *data, size_t len, uint8_t *buf,
		size_t bufsize, gso_seg_cb cb, void *ctx)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	size_t mss = vh->gso_size, off, n = 0;
	struct gso_hdrs h;
	int udp;
	uint32_t seq;
	uint16_t id;
	uint8_t flags;

	if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6 &&
	    type != VIRTIO_NET_HDR_GSO_UDP_L4)
		return -EPROTONOSUPPORT;
	if (!mss ||
	    gso_parse(data, len, type == VIRTIO_NET_HDR_GSO_UDP_L4 ? IPPROTO_UDP_ : IPPROTO_TCP_, &h) ||
	    (type != VIRTIO_NET_HDR_GSO_UDP_L4 && h.v6 != (type == VIRTIO_NET_HDR_GSO_TCPV6)) ||
	    h.payload + mss > bufsize)
		return -EINVAL;
	udp = h.proto == IPPROTO_UDP_;
	seq = udp ? 0 : rd32(data + h.l4 + 4);
	id = h.v6 ? 0 : rd16(data + h.l3 + 4);
	flags = udp ? 0 : data[h.l4 + 13];
	off = h.payload;
	do {
		size_t chunk = len - off < mss ? len - off : mss, slen = h.payload + chunk;
		int last = off + chunk == len, rc;
		uint8_t f = flags;

		memcpy(buf, data, h.payload);
		memcpy(buf + h.payload, data + off, chunk);
		if (h.v6) {
			wr16(buf + h.l3 + 4, (uint16_t)(slen - h.l4));
		} else {
			wr16(buf + h.l3 + 2, (uint16_t)(slen - h.l3));
			wr16(buf + h.l3 + 4, (uint16_t)(id + n));
			wr16(buf + h.l3 + 10, 0);
			wr16(buf + h.l3 + 10, (uint16_t)~gso_fold(gso_sum(buf + h.l3, h.l4 - h.l3, 0)));
		}
		if (udp) {
			/* Each segment is a datagram of its own. */
			wr16(buf + h.l4 + 4, (uint16_t)(slen - h.l4));
		} else {
			wr32(buf + h.l4 + 4, seq + (uint32_t)(off - h.payload));
			if (!last)
				f &= (uint8_t) ~(TCP_FIN | TCP_PSH);
			if (n)
				f &= (uint8_t)~TCP_CWR;
			buf[h.l4 + 13] = f;
		}
		gso_l4_csum(buf, slen, &h);
		n++;
		if ((rc = cb(ctx, buf, slen)))
			return rc;
		off += chunk;
	} while (off < len);
	return (int)n;
}

int gso_send(const struct virtio_net_hdr *vh, const uint8_t *data, size_t len, uint8_t *buf, size_t bufsize,
	     gso_seg_cb cb, void *ctx)
{
	int rc;

	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		rc = gso_segment(vh, data, len, buf, bufsize, cb, ctx);
		return rc > 0 ? 0 : rc;
	}
	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return cb(ctx, data, len);
	if (len > bufsize)
		return -EMSGSIZE;
	memcpy(buf, data, len);
	rc = gso_csum_complete(vh, buf, len);
	return rc ? rc : cb(ctx, buf, len);
}
