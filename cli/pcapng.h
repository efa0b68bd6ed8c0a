/*
 * A pcapng writer (draft-ietf-opsawg-pcapng): a section header, one interface
 * description per port (its name, Ethernet, nanosecond timestamps) written
 * the first time the port is named, and an enhanced packet block per frame
 * with its interface, timestamp and direction (epb_flags). What tcpdump -r
 * and Wireshark read, from a file or a pipe.
 */
#ifndef SWITCHCTL_PCAPNG_H
#define SWITCHCTL_PCAPNG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_IFACES_MAX 1024

struct pcapng {
	FILE *f;
	uint32_t snaplen;
	uint32_t nifaces;
	char (*names)[16]; /* PCAPNG_IFACES_MAX names of at most 15 bytes */
};

/* Writes the section header: 0, or -errno (the stream's). */
int pcapng_open(struct pcapng *w, FILE *f, uint32_t snaplen);
/* The interface id of port name, its description written if it is new: >= 0, or -errno. */
int pcapng_iface(struct pcapng *w, const char *name);
/*
 * One frame: caplen bytes of data kept of len, at time_ns (since the epoch),
 * inbound (dir 1) or outbound (dir 2) on interface id. 0, or -errno.
 */
int pcapng_packet(struct pcapng *w, uint32_t id, uint64_t time_ns, uint32_t dir,
		  const uint8_t *data, uint32_t caplen, uint32_t len);
/* Frees what the writer holds (not the stream). */
void pcapng_close(struct pcapng *w);

#endif
