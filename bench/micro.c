/*
 * Micro-benchmarks of switchd's code alone, no syscalls: the MAC table and
 * the forwarding core driven through fake ports. They show how far the code
 * is from the I/O limit (a recv + a send cost ~3.5 us per frame here).
 *
 * usage: micro [-j] [-f|-V|-W]    (-j: JSON on stdout instead of the table; -f:
 * the forwarding core only, e.g. to count its instructions per frame with
 * valgrind --tool=callgrind --toggle-collect=sw_input --toggle-collect=sw_flush;
 * -V: the same with VLAN modes, port 0 access 10 and the others trunk 10, so
 * every frame gets a tag pushed, into a copy: these frames are not the
 * switch's to write; -W: known unicast in frames that are the switch's, as
 * sw_port_poll reads them, so the tag is pushed (access to trunk) or popped
 * (trunk to access) in place, against the same without VLANs)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fdb.h"
#include "log.h"
#include "sw.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t fake_ms;
static uint64_t fake_clock(void)
{
	return fake_ms;
}

/* A unicast MAC made from i: locally administered, never a group address. */
static void mac_of(uint8_t mac[6], uint32_t i)
{
	mac[0] = 0x02;
	mac[1] = 0x5d;
	mac[2] = (uint8_t)(i >> 24);
	mac[3] = (uint8_t)(i >> 16);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

/* xorshift: a cheap, repeatable sequence of table indexes. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

struct result {
	const char *name;
	double per_sec;
	const char *unit;
};

static struct result results[32];
static int nresults;

static void record(const char *name, double per_sec, const char *unit)
{
	results[nresults++] = (struct result){ name, per_sec, unit };
}

static void bench_fdb(uint32_t n, const char *lookup_name, const char *learn_name,
		      const char *evict_name)
{
	struct fdb fdb;
	uint8_t mac[6];
	uint32_t seed = 12345, hits = 0;
	const uint32_t ops = 2000000;
	double t0;

	double worst = 0;
	char name[64];

	fdb_init(&fdb, n, 300);
	/* Filling the table: the longest single learn is the longest the switch stops for one. */
	for (uint32_t i = 0; i < n; i++) {
		double t = now_s();

		mac_of(mac, i);
		fdb_learn(&fdb, mac, 0, (uint16_t)(i % 8), 0);
		if ((t = now_s() - t) > worst)
			worst = t;
	}
	snprintf(name, sizeof(name), "fdb fill to %u entries, longest learn", n);
	record(strdup(name), worst * 1e6, "us");
	t0 = now_s();
	for (uint32_t i = 0; i < ops; i++) {
		mac_of(mac, rnd(&seed) % n);
		hits += fdb_find(&fdb, mac, 0) != NULL;
	}
	record(lookup_name, ops / (now_s() - t0), "lookups/s");
	if (hits != ops)
		fprintf(stderr, "micro: %u of %u lookups missed\n", ops - hits, ops);

	/* What every received frame does: refresh its source on its own port. */
	t0 = now_s();
	for (uint32_t i = 0; i < ops; i++) {
		uint32_t k = rnd(&seed) % n;

		mac_of(mac, k);
		fdb_learn(&fdb, mac, 0, (uint16_t)(k % 8), 1);
	}
	record(learn_name, ops / (now_s() - t0), "learns/s");

	/* A flood of new source MACs on a full table: every learn evicts. */
	t0 = now_s();
	for (uint32_t i = 0; i < ops; i++) {
		mac_of(mac, n + i);
		fdb_learn(&fdb, mac, 0, 0, 2);
	}
	record(evict_name, ops / (now_s() - t0), "learns/s");
	fdb_fini(&fdb);
}

static unsigned fake_tx(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	(void)p;
	(void)f;
	(void)err;
	return n; /* the send itself is what a real port adds */
}

static int fake_rx(struct port *p, struct frame *f, unsigned n)
{
	(void)p;
	(void)f;
	(void)n;
	return 0;
}

static bool fake_alive(struct port *p)
{
	(void)p;
	return true;
}

static void fake_close(struct port *p)
{
	(void)p;
}

static const struct port_ops fake_ops = {
	.type = SWP_PORT_AFPACKET,
	.rx_burst = fake_rx,
	.tx_burst = fake_tx,
	.alive = fake_alive,
	.close = fake_close,
};

/* A switch of n fake ports; access: a port in access VLAN 10 (the others trunks of VLAN 10), -1: none. */
static void micro_switch(struct sw *sw, struct port **ports, int n, int access)
{
	struct sw_config cfg = { .max_macs = 8192, .ageing = 300 };

	if (sw_init(sw, NULL, &cfg, fake_clock) < 0)
		exit(1);
	for (int i = 0; i < n; i++) {
		ports[i] = calloc(1, sizeof(*ports[i]));
		ports[i]->fd = -1;
		ports[i]->mtu = 1500;
		ports[i]->ops = &fake_ops;
		snprintf(ports[i]->name, sizeof(ports[i]->name), "fake%d", i);
		sw_port_attach(sw, ports[i]);
		if (access >= 0) {
			struct swp_vlan v = { .mode = i == access ? SWP_VLAN_ACCESS : SWP_VLAN_TRUNK,
					      .vid = i == access ? 10 : 0 };

			if (i != access)
				v.vlans[0] = 1u << 10;
			sw_port_set_vlan(sw, ports[i], &v);
		}
	}
}

static void bench_fwd(size_t len, bool flood, bool vlan, const char *name)
{
	struct sw sw;
	static uint8_t buf[1514];
	const uint32_t frames = 2000000;
	struct port *ports[8];
	struct frame f = { .data = buf, .len = len };
	uint8_t mac[6];
	double t0;

	micro_switch(&sw, ports, 8, vlan ? 0 : -1);
	/* Host 1 lives on port 1; frames come from host 0 on port 0. */
	mac_of(mac, 1);
	fdb_learn(&sw.fdb, mac, vlan ? 10 : 0, 1, 0);
	memset(buf, 0, sizeof(buf));
	if (flood)
		memset(buf, 0xff, 6);
	else
		memcpy(buf, mac, 6);
	mac_of(buf + 6, 0);
	buf[12] = 0x08;
	t0 = now_s();
	for (uint32_t i = 0; i < frames; i++) {
		sw_input(&sw, ports[0], &f, 1);
		if (i % PORT_BATCH == PORT_BATCH - 1)
			sw_flush(&sw);
	}
	sw_flush(&sw);
	record(name, frames / (now_s() - t0), "frames/s");
	if (ports[0]->c.rx_packets != frames)
		fprintf(stderr, "micro: %s: %llu frames counted\n", name,
			(unsigned long long)ports[0]->c.rx_packets);
	sw_fini(&sw);
}

/*
 * Known unicast of len bytes from port 0 to port 1 in frames that are the
 * switch's to write, with PORT_HEADROOM bytes of room before them (what
 * sw_port_poll hands sw_input): mode 0 no VLANs, 1 access 10 to trunk 10
 * (a tag pushed in place), 2 trunk 10 to access 10 (a tag popped in place).
 * The harness writes each frame afresh, as a receive would.
 */
static void bench_inplace(size_t len, int mode, const char *name)
{
	struct sw sw;
	static uint8_t buf[PORT_HEADROOM + 1514];
	const uint32_t frames = 2000000;
	struct port *ports[2];
	uint8_t mac[6], head[18];
	size_t hlen = mode == 2 ? 18 : 14;
	double t0;

	/* Mode 1: port 0 access, 1 trunk (a push); mode 2: port 1 access (a pop). */
	micro_switch(&sw, ports, 2, mode ? mode - 1 : -1);
	mac_of(mac, 1);
	fdb_learn(&sw.fdb, mac, mode ? 10 : 0, 1, 0);
	memset(buf, 0, sizeof(buf));
	memcpy(head, mac, 6);
	mac_of(head + 6, 0);
	if (mode == 2)
		memcpy(head + 12, "\x81\x00\x00\x0a\x08\x00", 6);
	else
		memcpy(head + 12, "\x08\x00", 2);
	t0 = now_s();
	for (uint32_t i = 0; i < frames; i++) {
		struct frame f = { .data = buf + PORT_HEADROOM, .len = len, .writable = true, .room = PORT_HEADROOM };

		memcpy(f.data, head, hlen);
		sw_input(&sw, ports[0], &f, 1);
		sw_flush(&sw);
	}
	record(name, frames / (now_s() - t0), "frames/s");
	if (ports[1]->c.tx_packets != frames)
		fprintf(stderr, "micro: %s: %llu frames sent\n", name, (unsigned long long)ports[1]->c.tx_packets);
	sw_fini(&sw);
}

int main(int argc, char **argv)
{
	bool json = false, fwd_only = false, vlan_only = false, inplace_only = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j")) {
			json = true;
		} else if (!strcmp(argv[i], "-f")) {
			fwd_only = true;
		} else if (!strcmp(argv[i], "-V")) {
			vlan_only = true;
		} else if (!strcmp(argv[i], "-W")) {
			inplace_only = true;
		} else {
			fprintf(stderr, "usage: micro [-j] [-f|-V|-W]\n");
			return 2;
		}
	}
	log_init("micro", LOG_LVL_WARN, LOG_TO_STDERR);

	if (inplace_only) {
		bench_inplace(64, 0, "forward 64 B unicast, switch's frames");
		bench_inplace(64, 1, "forward 64 B unicast, tag pushed in place");
		bench_inplace(64, 2, "forward 64 B unicast, tag popped in place");
		bench_inplace(1500, 0, "forward 1500 B unicast, switch's frames");
		bench_inplace(1500, 1, "forward 1500 B unicast, tag pushed in place");
		bench_inplace(1500, 2, "forward 1500 B unicast, tag popped in place");
		fwd_only = vlan_only = true; /* nothing else */
	}
	if (!fwd_only && !vlan_only) {
		bench_fdb(1000, "fdb lookup, 1k entries", "fdb refresh, 1k entries", "fdb learn+evict, 1k");
		bench_fdb(65536, "fdb lookup, 64k entries", "fdb refresh, 64k entries", "fdb learn+evict, 64k");
		bench_fdb(1 << 20, "fdb lookup, 1M entries", "fdb refresh, 1M entries", "fdb learn+evict, 1M");
	}
	if (!vlan_only) {
		bench_fwd(64, false, false, "forward 64 B unicast");
		bench_fwd(1500, false, false, "forward 1500 B unicast");
		bench_fwd(64, true, false, "forward 64 B flood to 7 ports");
		bench_fwd(1500, true, false, "forward 1500 B flood to 7 ports");
	}
	if (!fwd_only) {
		bench_fwd(64, false, true, "forward 64 B unicast, tag pushed");
		bench_fwd(1500, false, true, "forward 1500 B unicast, tag pushed");
		bench_fwd(64, true, true, "forward 64 B flood to 7 trunks, tag pushed");
		bench_fwd(1500, true, true, "forward 1500 B flood to 7 trunks, tag pushed");
	}

	if (json) {
		printf("[");
		for (int i = 0; i < nresults; i++)
			printf("%s{\"name\":\"%s\",\"rate\":%.0f,\"unit\":\"%s\"}", i ? "," : "",
			       results[i].name, results[i].per_sec, results[i].unit);
		printf("]\n");
		return 0;
	}
	for (int i = 0; i < nresults; i++)
		printf("%-34s %14.0f %s\n", results[i].name, results[i].per_sec, results[i].unit);
	return 0;
}
