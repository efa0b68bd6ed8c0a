/* pcapng, written by hand: four block kinds are all a capture needs. */
#include "pcapng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "switchd/defaults.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_MAGIC 0x1A2B3C4Du
#define PCAPNG_LINKTYPE_ETHERNET 1
#define OPT_END 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2

/* A block being built: a fixed buffer, as long as its longest (an EPB of a 64 KiB frame). */
struct blk {
	uint8_t buf[65536 + 256];
	size_t len;
};

static void put(struct blk *b, const void *p, size_t n)
{
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put32(struct blk *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put16(struct blk *b, uint16_t v)
{
	put(b, &v, 2);
}

/* Data padded to 32 bits with zeros. */
static void put_padded(struct blk *b, const void *p, size_t n)
{
	static const uint8_t zero[4];

	put(b, p, n);
	put(b, zero, (4 - n % 4) % 4);
}

static void opt(struct blk *b, uint16_t code, const void *p, uint16_t n)
{
	put16(b, code);
	put16(b, n);
	put_padded(b, p, n);
}

static void begin(struct blk *b, uint32_t type)
{
	b->len = 0;
	put32(b, type);
	put32(b, 0); /* total length, once known */
}

/* Closes the block with its length at both ends and writes it. */
static int finish(struct pcapng *w, struct blk *b)
{
	uint32_t total = (uint32_t)b->len + 4;

	memcpy(b->buf + 4, &total, 4);
	put32(b, total);
	if (fwrite(b->buf, 1, b->len, w->f) != b->len)
		return -(errno ? errno : EIO);
	return 0;
}

static struct blk blk;

int pcapng_open(struct pcapng *w, FILE *f, uint32_t snaplen)
{
	static const char appl[] = "switchctl " SWITCHD_VERSION;
	uint64_t unknown = UINT64_MAX; /* the section's length */

	memset(w, 0, sizeof(*w));
	w->f = f;
	w->snaplen = snaplen;
	if (!(w->names = calloc(PCAPNG_IFACES_MAX, sizeof(*w->names))))
		return -ENOMEM;
	begin(&blk, PCAPNG_SHB);
	put32(&blk, PCAPNG_MAGIC);
	put16(&blk, 1);
	put16(&blk, 0);
	put(&blk, &unknown, 8);
	opt(&blk, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	opt(&blk, OPT_END, NULL, 0);
	return finish(w, &blk);
}

int pcapng_iface(struct pcapng *w, const char *name)
{
	static const uint8_t nanoseconds = 9;
	size_t n = strnlen(name, sizeof(w->names[0]) - 1);
	int err;

	for (uint32_t i = 0; i < w->nifaces; i++)
		if (!strncmp(w->names[i], name, sizeof(w->names[0]) - 1))
			return (int)i;
	if (w->nifaces == PCAPNG_IFACES_MAX)
		return -ENOSPC;
	begin(&blk, PCAPNG_IDB);
	put16(&blk, PCAPNG_LINKTYPE_ETHERNET);
	put16(&blk, 0);
	put32(&blk, w->snaplen);
	opt(&blk, OPT_IF_NAME, name, (uint16_t)n);
	opt(&blk, OPT_IF_TSRESOL, &nanoseconds, 1);
	opt(&blk, OPT_END, NULL, 0);
	if ((err = finish(w, &blk)) < 0)
		return err;
	memcpy(w->names[w->nifaces], name, n);
	w->names[w->nifaces][n] = '\0';
	return (int)w->nifaces++;
}

int pcapng_packet(struct pcapng *w, uint32_t id, uint64_t time_ns, uint32_t dir,
		  const uint8_t *data, uint32_t caplen, uint32_t len)
{
	uint32_t flags = dir & 3; /* bits 0-1: 01 inbound, 10 outbound */

	if (caplen > 65536 || caplen > len)
		return -EINVAL;
	begin(&blk, PCAPNG_EPB);
	put32(&blk, id);
	put32(&blk, (uint32_t)(time_ns >> 32));
	put32(&blk, (uint32_t)time_ns);
	put32(&blk, caplen);
	put32(&blk, len);
	put_padded(&blk, data, caplen);
	opt(&blk, OPT_EPB_FLAGS, &flags, 4);
	opt(&blk, OPT_END, NULL, 0);
	return finish(w, &blk);
}

void pcapng_close(struct pcapng *w)
{
	free(w->names);
	w->names = NULL;
}
