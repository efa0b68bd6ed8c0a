/*
 * Software offloads for ports that carry no virtio_net_hdr (a QEMU stream
 * socket): a frame's partial checksum is completed, and a GSO super-frame is
 * cut into MSS-sized frames, as the kernel would have done on the wire.
 */
#ifndef SWITCHD_GSO_H
#define SWITCHD_GSO_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

/*
 * Completes the checksum VIRTIO_NET_HDR_F_NEEDS_CSUM asks for: the 16-bit
 * one's complement sum of data[csum_start..len), stored at csum_start +
 * csum_offset (which holds the pseudo-header's sum). 0, or -EINVAL when the
 * offsets do not fit the frame.
 */
int gso_csum_complete(const struct virtio_net_hdr *vh, uint8_t *data, size_t len);

/* Called once per segment; a non-zero return stops the segmenting and is returned. */
typedef int (*gso_seg_cb)(void *ctx, const uint8_t *seg, size_t len);

/*
 * Segments a TCPv4, TCPv6 or UDP (USO, over IPv4 or IPv6) GSO frame (one
 * VLAN tag at most) of vh->gso_size payload bytes a segment into buf
 * (bufsize bytes, one segment at a time), each with its own IP length, IPv4
 * id and header checksum; TCP: sequence number and checksum, FIN and PSH
 * only on the last, CWR only on the first; UDP: a datagram each, with its
 * length and checksum. Returns the number of segments, cb's non-zero
 * return, -EPROTONOSUPPORT for a GSO type it does not segment (UFO, which
 * would need IP fragments), or -EINVAL for a malformed frame.
 */
int gso_segment(const struct virtio_net_hdr *vh, const uint8_t *data, size_t len, uint8_t *buf,
		size_t bufsize, gso_seg_cb cb, void *ctx);

/*
 * A frame to a port without offloads, through cb: a GSO frame segmented, one
 * with a partial checksum completed in a copy in buf (the frame itself may
 * be shared with other ports), any other as it is. 0, or cb's non-zero
 * return, or gso_segment's or gso_csum_complete's error (-EMSGSIZE when the
 * copy does not fit buf).
 */
int gso_send(const struct virtio_net_hdr *vh, const uint8_t *data, size_t len, uint8_t *buf, size_t bufsize,
	     gso_seg_cb cb, void *ctx);

/* The 16-bit one's complement sum of len bytes, added to sum (not folded, not complemented). */
uint32_t gso_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t gso_fold(uint32_t sum);

#endif
