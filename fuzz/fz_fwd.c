/*
 * Harness 2: the forwarding core (sw.c, fwd.c, fdb.c) with fake ports.
 *
 * The input is a list of records: frames in on a port (given whole or built
 * from a few bytes), polls of a port whose receive replays frames and errors,
 * clock steps (with the ageing sweep the daemon's tick runs), port add and
 * del, MAC flush, sw_flush, send failures, a new table bound and a port's
 * VLAN mode (access, trunk with a list or all and a native VLAN, tunnel,
 * back to the default). A model of
 * the MAC table, written from fdb.h's description apart from fdb.c, decides
 * where each frame must go; the fake ports' tx sees where it went. Checked:
 *
 *  - a frame never leaves on its ingress port, nor on any port but those the
 *    model decides (the one port of a known unicast, every other port of its
 *    VLAN for a flood), nor over a port's MTU, nor twice on a port;
 *  - each copy is the frame as given, byte for byte, virtio header included,
 *    or, where ports have VLAN modes, the form docs/behaviour.md gives for the
 *    port it leaves by (its tag pushed, popped or kept, the virtio header's
 *    offsets moved with it); the switch never writes into a frame it was given;
 *  - every counter of every port moves by exactly what happened (received,
 *    sent, dropped by reason), so a frame that did not leave is accounted;
 *  - the table equals the model (entries, ports, last seen) after each step;
 *    count <= max; no group or zero source MAC; every entry's slot holds an
 *    attached port; the per-port lists are well linked and sum to the count.
 *
 * Input: byte 0 ports at start (1..8), byte 1 max MACs (1..16), byte 2
 * ageing (1..8 s), byte 3 loop protection (bits 0-2 flap moves, 0: off;
 * bits 3-4 hold 1..4 s), byte 4 storm limits (2 bits per kind of flood:
 * none, 1, 2 or 50 frames a second), then records: an op byte and its
 * operands (fz_step).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"
#include "fz.h"
#include "log.h"
#include "sw.h"

#define FZ_PORTS 16  /* attached at once; slots stay below this, one bit each */
#define FZ_WINDOW 48 /* frames given with sw_input before a flush is forced */
#define FZ_MACS 16   /* the largest table bound the input can choose */
#define FZ_FRAME_MAX 9100 /* a jumbo frame and tags: every finite MTU of fz_mtus, crossed */

_Static_assert(FZ_PORTS <= 32, "slots are bits of a uint32_t");

/* ---- the model of the MAC table ---- */

struct fz_ment {
	uint8_t mac[6];
	uint16_t vlan;
	uint16_t port;
	uint64_t seen;
	uint64_t touched; /* order of the last learn: a port's list runs in this order */
	uint32_t moves;   /* port changes within the second that began at move_ms */
	uint64_t move_ms;
};

struct fz_model {
	struct fz_ment e[FZ_MACS];
	uint32_t n, max;
	uint64_t ageing_ms, clock;
	uint32_t flap_moves; /* more moves than this within a second: flapping; 0: never */
};

enum fz_learnt { FZ_LEARNT, FZ_MOVED, FZ_FLAPPING };

/* A port's VLAN mode as docs/behaviour.md's table has it. */
enum fz_vmode { FZ_V_DEFAULT, FZ_V_ACCESS, FZ_V_TRUNK, FZ_V_TUNNEL };

struct fz_vlan {
	uint8_t mode;	 /* enum fz_vmode */
	uint16_t vid;	 /* access, tunnel: the VLAN; trunk: the native VLAN, 0: none */
	bool all;	 /* trunk: every VID 1..4094 */
	uint16_t list[3]; /* trunk: the VIDs it carries tagged (0: unused) */
};

/* What a frame's VLAN is inside the switch and what it came with. */
struct fz_class {
	uint16_t vlan;
	bool tagged;	/* an outer tag (TPID 0x8100, 0x88a8 or 0x9100) at 12 */
	uint16_t tci;	/* that tag's */
	uint8_t in_mode; /* the ingress port's enum fz_vmode */
};

static struct fz_ment *fz_m_find(struct fz_model *m, const uint8_t *mac, uint16_t vlan)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (!memcmp(m->e[i].mac, mac, 6) && m->e[i].vlan == vlan)
			return &m->e[i];
	return NULL;
}

static void fz_m_del(struct fz_model *m, struct fz_ment *e)
{
	*e = m->e[--m->n];
}

/* The least recently learned entry of the port with the most entries (the lowest slot on a tie). */
static struct fz_ment *fz_m_victim(struct fz_model *m)
{
	uint32_t count[SWITCHD_PORTS_MAX] = { 0 }, best = 0;
	struct fz_ment *v = NULL;
	int port = -1;

	for (uint32_t i = 0; i < m->n; i++)
		count[m->e[i].port]++;
	for (int i = 0; i < SWITCHD_PORTS_MAX; i++) {
		if (count[i] > best) {
			best = count[i];
			port = i;
		}
	}
	for (uint32_t i = 0; i < m->n; i++)
		if (m->e[i].port == port && (!v || m->e[i].touched < v->touched))
			v = &m->e[i];
	return v;
}

static enum fz_learnt fz_m_learn(struct fz_model *m, const uint8_t *mac, uint16_t vlan, uint16_t port,
				  uint64_t now)
{
	struct fz_ment *e = fz_m_find(m, mac, vlan);

	if (!e) {
		if (m->n >= m->max)
			fz_m_del(m, fz_m_victim(m));
		e = &m->e[m->n++];
		*e = (struct fz_ment){ .vlan = vlan, .port = port };
		memcpy(e->mac, mac, 6);
	}
	e->seen = now;
	e->touched = ++m->clock;
	if (e->port == port)
		return FZ_LEARNT;
	e->port = port;
	/* Moves are counted per second: a host that changes ports now and then never flaps. */
	if (now < e->move_ms || now - e->move_ms >= 1000) {
		e->move_ms = now;
		e->moves = 0;
	}
	if (e->moves < UINT16_MAX)
		e->moves++;
	return m->flap_moves && e->moves > m->flap_moves ? FZ_FLAPPING : FZ_MOVED;
}

static void fz_m_flush(struct fz_model *m, int port)
{
	for (uint32_t i = 0; i < m->n;)
		if (port < 0 || m->e[i].port == port)
			fz_m_del(m, &m->e[i]);
		else
			i++;
}

static void fz_m_age(struct fz_model *m, uint64_t now)
{
	for (uint32_t i = 0; i < m->n;)
		if (now >= m->e[i].seen && now - m->e[i].seen >= m->ageing_ms)
			fz_m_del(m, &m->e[i]);
		else
			i++;
}

static void fz_m_set_max(struct fz_model *m, uint32_t max)
{
	m->max = max;
	while (m->n > m->max)
		fz_m_del(m, fz_m_victim(m));
}

/* ---- the harness's side of ports and frames ---- */

struct fz_rxstep {
	int err; /* 0: a frame */
	bool headroom; /* delivered moved back into the headroom, as AF_PACKET does to add a tag */
	struct virtio_net_hdr vh;
	size_t len;
	uint8_t data[FZ_FRAME_MAX];
};

struct fz_fport {
	bool used; /* taken; a removed port keeps it until its window is checked */
	bool live; /* attached */
	struct port *p;
	uint16_t slot;
	uint32_t mtu;
	int tx_err;     /* 0: every frame goes; else frames past tx_ok per call fail so */
	unsigned tx_ok;
	bool dead;      /* alive() says no */
	/* The model of the port: blocked after a flap, and its storm buckets (thousandths of a frame). */
	uint64_t blocked_until;
	uint64_t tokens[3], refilled[3];
	struct fz_rxstep *rx; /* the poll's receive script */
	unsigned rx_n, rx_next;
	/* What the counters must have moved by since the window started. */
	struct swp_counters c0, cend;
	uint64_t exp_tx, misfit, acc, acc_bytes, ref_mtu, ref_err, ref_busy;
	uint64_t rx_pkts, rx_bytes, rx_runt, rx_bad_src, rx_link_local, rx_filtered, rx_error;
	uint64_t rx_blocked, rx_storm, rx_vlan;
	struct fz_vlan vl;
};

struct fz_frame {
	struct frame f;              /* a frame given with sw_input */
	const struct frame *handle;  /* what tx is handed for it */
	bool polled;                 /* handle is in sw_port_poll's array, valid for one burst */
	const uint8_t *ref;          /* the bytes as given */
	uint8_t *own;                /* ref when the harness allocated it */
	size_t len;
	struct virtio_net_hdr vh;
	uint16_t in_slot;
	uint32_t egress; /* slots the model sends it to */
	uint32_t want;   /* of which it fits the MTU */
	uint32_t offered, got;
	struct fz_class cl;
};

struct fz_fwd {
	struct sw sw;
	struct fz_model model;
	uint64_t clock;
	uint32_t storm_pps[3]; /* by enum fwd_flood; 0: no limit */
	uint64_t flap_hold_ms;
	struct fz_fport ports[FZ_PORTS];
	struct fz_frame win[FZ_WINDOW + SWITCHD_RX_BUDGET];
	unsigned nwin, ndirect;
	unsigned names;
};

static struct fz_fwd *fz;
/* The poll's receive script: apart from fz, which is zeroed per input, as it is large. */
static struct fz_rxstep fz_script[SWITCHD_RX_BUDGET + 16];

/* MTUs a port can have: the usual, jumbo, none (0), odd and tiny ones. */
static const uint32_t fz_mtus[8] = { 1500, 9000, 0, 1504, 576, 65535, 1500, 68 };

static uint64_t fz_clock(void)
{
	return fz->clock;
}

static const uint8_t fz_macs[16][6] = {
	{ 0x02, 0, 0, 0, 0, 1 }, { 0x02, 0, 0, 0, 0, 2 }, { 0x02, 0, 0, 0, 0, 3 },
	{ 0x02, 0, 0, 0, 0, 4 }, { 0x02, 0, 0, 0, 0, 5 }, { 0x52, 0x54, 0, 0, 0, 6 },
	{ 0x52, 0x54, 0, 0, 0, 7 }, { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* broadcast */
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, /* IPv4 multicast */
	{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, /* IPv6 multicast */
	{ 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }, /* STP: link-local */
	{ 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e }, /* LLDP: link-local */
	{ 0x01, 0x80, 0xc2, 0x00, 0x00, 0x10 }, /* just past link-local: floods */
	{ 0, 0, 0, 0, 0, 0 },                   /* zero: never a source */
	{ 0x03, 0, 0, 0, 0, 1 },                /* group bit on a unicast-looking MAC */
};

static struct fz_fport *fz_by_slot(uint16_t slot)
{
	for (int i = 0; i < FZ_PORTS; i++)
		if (fz->ports[i].used && fz->ports[i].slot == slot)
			return &fz->ports[i];
	return NULL;
}

static unsigned fz_nlive(void)
{
	unsigned n = 0;

	for (int i = 0; i < FZ_PORTS; i++)
		n += fz->ports[i].live;
	return n;
}

/* The sel-th attached port, in the harness's order; NULL when none is. */
static struct fz_fport *fz_pick(uint8_t sel)
{
	unsigned n = fz_nlive(), k;

	if (!n)
		return NULL;
	k = sel % n;
	for (int i = 0; i < FZ_PORTS; i++)
		if (fz->ports[i].live && !k--)
			return &fz->ports[i];
	return NULL;
}

/* ---- frames: the rules of fwd.h, written apart from fwd.c ---- */

static bool fz_tpid(const uint8_t *p)
{
	uint16_t t = (uint16_t)(p[0] << 8 | p[1]);

	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

static size_t fz_l2_payload(const uint8_t *d, size_t len)
{
	size_t hdr = 14; /* up to and with the ethertype, after 0 to 2 tags */

	for (int tags = 0; tags < 2 && len >= hdr + 4 && fz_tpid(d + hdr - 2); tags++)
		hdr += 4;
	return len > hdr ? len - hdr : 0;
}

/* ---- VLANs: the table of docs/behaviour.md, written apart from fwd.c ---- */

static uint16_t fz_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A default port carries 0..4095; a port with a mode only VLANs 1..4094 it names. */
static bool fz_carries(const struct fz_vlan *v, uint16_t vlan)
{
	if (v->mode == FZ_V_DEFAULT)
		return true;
	if (v->mode != FZ_V_TRUNK)
		return vlan == v->vid;
	if (!vlan || vlan == 4095)
		return false;
	if (v->all || vlan == v->vid)
		return true;
	for (int i = 0; i < 3; i++)
		if (v->list[i] == vlan)
			return true;
	return false;
}

/* The frame's VLAN inside the switch; false when its port refuses it (rx_drop_vlan). */
static bool fz_classify(const struct fz_vlan *v, const uint8_t *d, size_t len, struct fz_class *c)
{
	uint16_t vid;

	c->tagged = len >= 18 && fz_tpid(d + 12);
	c->tci = c->tagged ? fz_be16(d + 14) : 0;
	c->in_mode = v->mode;
	vid = c->tci & 0x0fff;
	switch (v->mode) {
	case FZ_V_DEFAULT: /* untagged and priority-tagged: VLAN 0; 4095 too */
		c->vlan = vid;
		return true;
	case FZ_V_TUNNEL: /* every frame, in an S-tag of the port's VLAN */
		c->vlan = v->vid;
		return !(c->tagged && vid == 4095);
	case FZ_V_ACCESS:
		c->vlan = v->vid;
		return !c->tagged || !vid || vid == v->vid;
	default: /* a trunk: tagged in its list or native; the rest, the native VLAN */
		if (c->tagged && vid) {
			c->vlan = vid;
			return fz_carries(v, vid);
		}
		c->vlan = v->vid;
		return v->vid != 0;
	}
}

/*
 * The form in which w leaves by a port of mode o: its bytes into buf, their
 * length returned, the virtio header beside them. Between default ports, as
 * it came. Else its VLAN untagged (the port's native or only VLAN, VLAN 0 on
 * a default port) or tagged: a tag that came for the VLAN stays as it came,
 * a priority tag gets the VID (its TPID, PCP and DEI kept); else a tag is
 * pushed, 0x88a8 for a tunnel port's frames, 0x8100 for the others.
 */
static size_t fz_form(const struct fz_frame *w, const struct fz_vlan *o, uint8_t *buf, struct virtio_net_hdr *vh)
{
	const struct fz_class *c = &w->cl;
	/* The tag at 12 put the frame in its VLAN (a tunnel port's customer tags do not). */
	bool own = c->tagged && c->in_mode != FZ_V_TUNNEL;
	bool untag;
	int delta = 0;

	*vh = w->vh;
	memcpy(buf, w->ref, w->len);
	if (c->in_mode == FZ_V_DEFAULT && o->mode == FZ_V_DEFAULT)
		return w->len;
	untag = o->mode == FZ_V_DEFAULT ? !c->vlan : o->mode == FZ_V_TRUNK ? c->vlan == o->vid : true;
	if (untag) {
		if (own) {
			memmove(buf + 12, buf + 16, w->len - 16);
			delta = -4;
		}
	} else if (own && (c->tci & 0x0fff) == c->vlan) {
		/* as it came */
	} else {
		/* A priority tag keeps its TPID, PCP and DEI: only the VID is filled in. */
		uint16_t tpid = own ? fz_be16(w->ref + 12) : c->in_mode == FZ_V_TUNNEL ? 0x88a8 : 0x8100;
		uint16_t tci = (uint16_t)((c->tci & 0xf000) | c->vlan);

		if (!own) {
			memmove(buf + 16, buf + 12, w->len - 12);
			delta = 4;
			tci = c->vlan;
		}
		buf[12] = (uint8_t)(tpid >> 8);
		buf[13] = (uint8_t)tpid;
		buf[14] = (uint8_t)(tci >> 8);
		buf[15] = (uint8_t)tci;
	}
	if (delta && (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		vh->csum_start = (uint16_t)(vh->csum_start + delta);
	if (delta && vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		vh->hdr_len = (uint16_t)(vh->hdr_len + delta);
	return (size_t)((int)w->len + delta);
}

static uint8_t fz_formbuf[FZ_FRAME_MAX + 4];

/* The MTU check counts the form the port sends. */
static bool fz_fits(const struct fz_fport *fp, const struct fz_frame *w)
{
	struct virtio_net_hdr vh;
	size_t len;

	if (!fp->mtu || w->vh.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return true;
	len = fz_form(w, &fp->vl, fz_formbuf, &vh);
	return fz_l2_payload(fz_formbuf, len) <= fp->mtu;
}

/*
 * Storm control as documented: a bucket per port and kind, refilled at pps, 100 ms of it deep
 * (written out here, not taken from defaults.h, so that a change there shows up), at least a frame.
 */
static bool fz_storm_allows(struct fz_fport *in, int kind)
{
	uint64_t rate = fz->storm_pps[kind], full = rate * 100;

	if (!rate)
		return true;
	if (full < 1000)
		full = 1000;
	if (fz->clock > in->refilled[kind]) {
		uint64_t t = in->tokens[kind] + (fz->clock - in->refilled[kind]) * rate;

		in->tokens[kind] = t < full ? t : full;
		in->refilled[kind] = fz->clock;
	}
	if (in->tokens[kind] < 1000)
		return false;
	in->tokens[kind] -= 1000;
	return true;
}

static bool fz_blocked(const struct fz_fport *fp)
{
	return fp->blocked_until > fz->clock;
}

/* Decides w's way on the model, as the switch must, and books what each port must count. */
static void fz_decide(struct fz_frame *w, struct fz_fport *in)
{
	const uint8_t *d = w->ref, *dst = d, *src = d + 6;
	const uint8_t zero[6] = { 0 };
	struct fz_ment *e;
	uint16_t vlan;
	int kind;

	w->in_slot = in->slot;
	in->rx_pkts++;
	in->rx_bytes += w->len;
	if (fz_blocked(in)) {
		in->rx_blocked++;
		return;
	}
	if (w->len < 14) {
		in->rx_runt++;
		return;
	}
	if ((src[0] & 1) || !memcmp(src, zero, 6)) {
		in->rx_bad_src++;
		return;
	}
	if (dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && !dst[3] && !dst[4] && dst[5] < 0x10) {
		in->rx_link_local++;
		return;
	}
	if (!fz_classify(&in->vl, d, w->len, &w->cl)) {
		in->rx_vlan++;
		return;
	}
	vlan = w->cl.vlan;
	if (fz_m_learn(&fz->model, src, vlan, in->slot, fz->clock) == FZ_FLAPPING) {
		/* A loop: the port the MAC bounced onto is blocked, its entries dropped. */
		in->blocked_until = fz->clock + fz->flap_hold_ms;
		fz_m_flush(&fz->model, in->slot);
		in->rx_blocked++;
		return;
	}
	if (dst[0] & 1) {
		kind = !memcmp(dst, "\xff\xff\xff\xff\xff\xff", 6) ? FWD_FLOOD_BROADCAST : FWD_FLOOD_MULTICAST;
	} else if ((e = fz_m_find(&fz->model, dst, vlan))) {
		struct fz_fport *out = fz_by_slot(e->port);

		if (e->port == in->slot) {
			in->rx_filtered++;
			return;
		}
		fz_check(out && out->live, "model entry on slot %u, which has no port", e->port);
		/*
		 * Blocking flushes a port's entries and a blocked port learns nothing,
		 * so no entry leads to one (sw.c's unicast check is a safety net).
		 */
		fz_check(!fz_blocked(out), "known unicast to blocked port %s", out->p->name);
		/* Entries are learned in a VLAN their port carries and flushed when its mode changes. */
		fz_check(fz_carries(&out->vl, vlan), "known unicast in VLAN %u to %s, which does not carry it",
			 vlan, out->p->name);
		w->egress = 1u << e->port;
		goto book;
	} else {
		kind = FWD_FLOOD_UNKNOWN;
	}
	if (!fz_storm_allows(in, kind)) {
		in->rx_storm++;
		return;
	}
	for (int i = 0; i < FZ_PORTS; i++)
		if (fz->ports[i].live && &fz->ports[i] != in && !fz_blocked(&fz->ports[i]) &&
		    fz_carries(&fz->ports[i].vl, vlan))
			w->egress |= 1u << fz->ports[i].slot;
book:
	for (uint16_t s = 0; s < FZ_PORTS; s++) {
		struct fz_fport *fp;

		if (!(w->egress & 1u << s))
			continue;
		fp = fz_by_slot(s);
		fz_check(fp && fp->live, "model sends to slot %u, which has no port", s);
		fp->exp_tx++;
		if (fz_fits(fp, w))
			w->want |= 1u << s;
		else
			fp->misfit++;
	}
}

/*
 * A frame from three input bytes: MACs from a pool, 0-2 tags, GSO or not, and
 * a length: c * 8 bytes of payload, or (c 200-239) 2 bytes either side of an
 * MTU of fz_mtus, where off-by-one bugs sit, or (c 240-255) a 0-15 byte runt.
 */
static void fz_gen(struct fz_in *in, struct fz_rxstep *s)
{
	static const uint16_t vids[16] = { 0, 1, 2, 100, 101, 4094, 4095, 0x2001,
					   0xe064, 7, 8, 9, 10, 1000, 2000, 3000 };
	uint8_t a = fz_u8(in), b = fz_u8(in), c = fz_u8(in);
	unsigned ntags = (a >> 4) & 3;
	size_t off = 12, full;

	memset(s, 0, offsetof(struct fz_rxstep, data));
	memcpy(s->data, fz_macs[a & 15], 6);
	memcpy(s->data + 6, fz_macs[b & 15], 6);
	for (unsigned t = 0; t < (ntags == 3 ? 1 : ntags); t++) {
		uint16_t tpid = ntags == 3 ? 0x9100 : ntags == 2 && !t ? 0x88a8 : 0x8100;
		uint16_t tci = (uint16_t)(vids[b >> 4] + t);

		s->data[off] = (uint8_t)(tpid >> 8);
		s->data[off + 1] = (uint8_t)tpid;
		s->data[off + 2] = (uint8_t)(tci >> 8);
		s->data[off + 3] = (uint8_t)tci;
		off += 4;
	}
	s->data[off] = 0x08;
	s->data[off + 1] = 0x00;
	if (c >= 200 && c < 240 && fz_mtus[(c - 200) & 7] + 2 < FZ_FRAME_MAX - off - 2)
		full = off + 2 + fz_mtus[(c - 200) & 7] + (size_t)(c - 200) / 8 - 2;
	else
		full = off + 2 + (size_t)c * 8;
	if (full < off + 2)
		full = off + 2;
	for (size_t i = off + 2; i < full; i++)
		s->data[i] = (uint8_t)(i * 31 + c);
	/* The top lengths are runts and cut headers: 0 to 15 bytes. */
	s->len = c >= 240 ? (size_t)(c - 240) : full;
	if (a & 0x40) {
		s->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		s->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		s->vh.hdr_len = 66;
		s->vh.gso_size = 1448;
		s->vh.csum_start = 34;
		s->vh.csum_offset = 16;
	}
	s->headroom = a & 0x80;
}

/* ---- the fake ports' hooks ---- */

static struct fz_frame *fz_lookup(const struct frame *f)
{
	for (unsigned i = 0; i < fz->nwin; i++)
		if (fz->win[i].handle == f)
			return &fz->win[i];
	return NULL;
}

/*
 * A frame the switch made for a port that wants another form (a tag pushed
 * or popped, in place or in a copy): the first frame of the window bound for
 * that port, not yet offered to it, whose form there it is. Ports send in
 * the order frames came, so among equal frames the first is the one.
 */
static struct fz_frame *fz_lookup_form(const struct fz_fport *fp, const struct frame *f)
{
	uint32_t bit = 1u << fp->slot;
	struct virtio_net_hdr vh;

	for (unsigned i = 0; i < fz->nwin; i++) {
		struct fz_frame *w = &fz->win[i];

		if ((w->egress & bit) && !(w->offered & bit) && fz_form(w, &fp->vl, fz_formbuf, &vh) == f->len &&
		    !memcmp(fz_formbuf, f->data, f->len))
			return w;
	}
	return NULL;
}

static void fz_hex(const char *what, const uint8_t *d, size_t len)
{
	fprintf(stderr, "  %s (%zu bytes):", what, len);
	for (size_t i = 0; i < len && i < 24; i++)
		fprintf(stderr, " %02x", d[i]);
	fprintf(stderr, "\n");
}

/* Before failing on a frame nobody gave: what it is, and the forms the model expected there. */
static void fz_explain_stranger(const struct fz_fport *fp, const struct frame *f)
{
	struct virtio_net_hdr vh;
	size_t len;

	fz_hex("sent", f->data, f->len);
	for (unsigned i = 0; i < fz->nwin; i++) {
		const struct fz_frame *w = &fz->win[i];

		if (!(w->egress & 1u << fp->slot) || (w->offered & 1u << fp->slot))
			continue;
		len = fz_form(w, &fp->vl, fz_formbuf, &vh);
		fprintf(stderr, "  window frame %u: VLAN %u from a mode %u port, to mode %u (vid %u)\n", i, w->cl.vlan,
			w->cl.in_mode, fp->vl.mode, fp->vl.vid);
		fz_hex("as given", w->ref, w->len);
		fz_hex("form wanted", fz_formbuf, len);
	}
}

static unsigned fz_tx(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	struct fz_fport *fp = p->priv;

	fz_check(fp && fp->live && fp->p == p, "tx on a port that is not attached (%s)", p->name);
	fz_check(n >= 1 && n <= PORT_BATCH, "burst of %u", n);
	for (unsigned i = 0; i < n; i++) {
		struct fz_frame *w = fz_lookup(f[i]);
		uint32_t bit = 1u << p->slot;
		struct virtio_net_hdr vh;
		size_t form;

		if (!w && fz->sw.vlan_ports)
			w = fz_lookup_form(fp, f[i]);
		if (!w)
			fz_explain_stranger(fp, f[i]);

		fz_check(w, "port %s sent a frame the harness never gave (%p)", p->name, (const void *)f[i]);
		fz_check(w->in_slot != p->slot, "frame left on its ingress port %s", p->name);
		fz_check(w->egress & bit, "frame from slot %u went to %s, not one of its ports (0x%x)",
			 w->in_slot, p->name, w->egress);
		fz_check(w->want & bit, "frame of %zu bytes sent over %s's MTU %u", w->len, p->name, fp->mtu);
		fz_check(!(w->offered & bit), "frame offered twice to %s", p->name);
		w->offered |= bit;
		form = fz_form(w, &fp->vl, fz_formbuf, &vh);
		fz_check(f[i]->len == form && !memcmp(f[i]->data, fz_formbuf, form) &&
				 !memcmp(&f[i]->vh, &vh, sizeof(vh)),
			 "copy to %s differs from the frame's form there (%zu bytes, want %zu of the %zu "
			 "given; VLAN %u from a mode %u port, to mode %u; csum_start %u/%u hdr_len %u/%u)",
			 p->name, f[i]->len, form, w->len, w->cl.vlan, w->cl.in_mode, fp->vl.mode,
			 f[i]->vh.csum_start, vh.csum_start, f[i]->vh.hdr_len, vh.hdr_len);
		if (fp->tx_err && i >= fp->tx_ok) {
			*err = fp->tx_err;
			if (fp->tx_err == -EAGAIN || fp->tx_err == -ENOBUFS)
				fp->ref_busy++;
			else if (fp->tx_err == -EMSGSIZE)
				fp->ref_mtu++;
			else
				fp->ref_err++;
			return i;
		}
		w->got |= bit;
		fp->acc++;
		fp->acc_bytes += form;
	}
	return n;
}

static int fz_rx(struct port *p, struct frame *f, unsigned n)
{
	struct fz_fport *fp = p->priv;
	unsigned i;

	fz_check(fp && fp->live && fp->p == p, "rx on a port that is not attached (%s)", p->name);
	fz_check(n >= 1 && n <= PORT_BATCH, "rx burst of %u", n);
	/* The last burst was flushed before this one: its frames' slots are reused now. */
	for (unsigned k = 0; k < fz->nwin; k++)
		if (fz->win[k].polled)
			fz->win[k].handle = NULL;
	if (fp->rx_next >= fp->rx_n)
		return 0;
	if (fp->rx[fp->rx_next].err) {
		int err = fp->rx[fp->rx_next++].err;

		/* Counted unless the port goes (then fz_closing sees it off). */
		if (err != -ENODEV && !fp->dead)
			fp->rx_error++;
		return err;
	}
	/* An error ends a burst; it comes with the next call. */
	for (i = 0; i < n && fp->rx_next < fp->rx_n && !fp->rx[fp->rx_next].err; i++) {
		const struct fz_rxstep *s = &fp->rx[fp->rx_next++];
		struct fz_frame *w = &fz->win[fz->nwin++];

		fz_check(fz->nwin <= FZ_WINDOW + SWITCHD_RX_BUDGET, "window overrun");
		if (s->headroom)
			f[i].data -= PORT_HEADROOM;
		memcpy(f[i].data, s->data, s->len);
		f[i].len = s->len;
		f[i].vh = s->vh;
		*w = (struct fz_frame){ .handle = &f[i], .polled = true, .ref = s->data, .len = s->len,
					.vh = s->vh };
		fz_decide(w, fp);
	}
	return (int)i;
}

static bool fz_alive(struct port *p)
{
	return !((struct fz_fport *)p->priv)->dead;
}

/* The switch let the port go: keep its last counters, and the model forgets its entries. */
static void fz_closing(struct port *p)
{
	struct fz_fport *fp = p->priv;

	fz_check(fp && fp->live && fp->p == p, "closing a port twice or a stranger (%s)", p->name);
	fz_check(!fz->sw.slots[p->slot] && !sw_port_by_name(&fz->sw, p->name) && !p->txn,
		 "port %s closed while still attached or with frames queued", p->name);
	fp->cend = p->c;
	fp->live = false;
	fp->p = NULL;
	fz_m_flush(&fz->model, p->slot);
}

/* ---- invariants ---- */

#define FZ_DELTA(f) (c->f - fp->c0.f)

/* The window ends: everything queued goes out, and every frame and counter is accounted. */
static void fz_settle(void)
{
	sw_flush(&fz->sw);
	fz_check(fz->sw.npending == 0, "%u ports still pending after sw_flush", fz->sw.npending);
	for (unsigned i = 0; i < fz->nwin; i++) {
		struct fz_frame *w = &fz->win[i];

		fz_check(!(w->got & ~w->want), "frame sent where it must not go");
		if (!w->polled)
			fz_check(!memcmp(w->f.data, w->ref, w->len), "the switch wrote into a frame given to it");
		for (uint16_t s = 0; s < FZ_PORTS; s++) {
			const struct fz_fport *fp = fz_by_slot(s);

			if ((w->want & 1u << s) && fp && !fp->tx_err)
				fz_check(w->got & 1u << s, "frame from slot %u never left on slot %u (port %s)",
					 w->in_slot, s, fp->live ? fp->p->name : "removed");
		}
		free(w->own);
		if (!w->polled)
			free(w->f.data);
	}
	fz->nwin = fz->ndirect = 0;

	for (int i = 0; i < FZ_PORTS; i++) {
		struct fz_fport *fp = &fz->ports[i];
		const struct swp_counters *c;
		uint64_t refused;

		if (!fp->used)
			continue;
		c = fp->live ? &fp->p->c : &fp->cend;
		if (fp->live)
			fz_check(!fp->p->txn, "port %s has %u frames queued after sw_flush", fp->p->name,
				 fp->p->txn);
		fz_check(FZ_DELTA(rx_packets) == fp->rx_pkts && FZ_DELTA(rx_bytes) == fp->rx_bytes,
			 "slot %u rx %lu/%lu, want %lu/%lu", fp->slot, (unsigned long)FZ_DELTA(rx_packets),
			 (unsigned long)FZ_DELTA(rx_bytes), (unsigned long)fp->rx_pkts, (unsigned long)fp->rx_bytes);
		fz_check(FZ_DELTA(rx_drop_runt) == fp->rx_runt && FZ_DELTA(rx_drop_bad_src) == fp->rx_bad_src &&
				 FZ_DELTA(rx_drop_link_local) == fp->rx_link_local &&
				 FZ_DELTA(rx_drop_filtered) == fp->rx_filtered &&
				 FZ_DELTA(rx_drop_error) == fp->rx_error && FZ_DELTA(rx_drop_blocked) == fp->rx_blocked &&
				 FZ_DELTA(rx_drop_storm) == fp->rx_storm && FZ_DELTA(rx_drop_vlan) == fp->rx_vlan,
			 "slot %u rx drops runt %lu/%lu bad_src %lu/%lu link_local %lu/%lu filtered %lu/%lu "
			 "error %lu/%lu blocked %lu/%lu storm %lu/%lu vlan %lu/%lu (counted/model)", fp->slot,
			 (unsigned long)FZ_DELTA(rx_drop_runt), (unsigned long)fp->rx_runt,
			 (unsigned long)FZ_DELTA(rx_drop_bad_src), (unsigned long)fp->rx_bad_src,
			 (unsigned long)FZ_DELTA(rx_drop_link_local), (unsigned long)fp->rx_link_local,
			 (unsigned long)FZ_DELTA(rx_drop_filtered), (unsigned long)fp->rx_filtered,
			 (unsigned long)FZ_DELTA(rx_drop_error), (unsigned long)fp->rx_error,
			 (unsigned long)FZ_DELTA(rx_drop_blocked), (unsigned long)fp->rx_blocked,
			 (unsigned long)FZ_DELTA(rx_drop_storm), (unsigned long)fp->rx_storm,
			 (unsigned long)FZ_DELTA(rx_drop_vlan), (unsigned long)fp->rx_vlan);
		fz_check(FZ_DELTA(rx_dropped) == fp->rx_runt + fp->rx_bad_src + fp->rx_link_local +
							  fp->rx_filtered + fp->rx_error + fp->rx_blocked +
							  fp->rx_storm + fp->rx_vlan,
			 "slot %u rx_dropped is not the sum of its reasons", fp->slot);
		fz_check(FZ_DELTA(tx_packets) == fp->acc && FZ_DELTA(tx_bytes) == fp->acc_bytes,
			 "slot %u tx %lu/%lu, sent %lu/%lu", fp->slot, (unsigned long)FZ_DELTA(tx_packets),
			 (unsigned long)FZ_DELTA(tx_bytes), (unsigned long)fp->acc, (unsigned long)fp->acc_bytes);
		/* Every frame decided for the port either went or is a drop with a reason. */
		fz_check(FZ_DELTA(tx_dropped) == fp->exp_tx - fp->acc,
			 "slot %u: %lu frames for it, %lu sent, %lu dropped", fp->slot, (unsigned long)fp->exp_tx,
			 (unsigned long)fp->acc, (unsigned long)FZ_DELTA(tx_dropped));
		fz_check(FZ_DELTA(tx_drop_mtu) == fp->misfit + fp->ref_mtu && FZ_DELTA(tx_drop_error) == fp->ref_err,
			 "slot %u tx_drop_mtu %lu (misfit %lu + EMSGSIZE %lu), tx_drop_error %lu (want %lu)",
			 fp->slot, (unsigned long)FZ_DELTA(tx_drop_mtu), (unsigned long)fp->misfit,
			 (unsigned long)fp->ref_mtu, (unsigned long)FZ_DELTA(tx_drop_error),
			 (unsigned long)fp->ref_err);
		refused = fp->exp_tx - fp->acc - fp->misfit - fp->ref_mtu - fp->ref_err;
		fz_check(FZ_DELTA(tx_drop_busy) == refused && refused >= fp->ref_busy,
			 "slot %u tx_drop_busy %lu, want %lu (%lu refused busy)", fp->slot,
			 (unsigned long)FZ_DELTA(tx_drop_busy), (unsigned long)refused, (unsigned long)fp->ref_busy);
		if (!fp->tx_err)
			fz_check(fp->acc == fp->exp_tx - fp->misfit, "slot %u sent %lu of %lu that fit", fp->slot,
				 (unsigned long)fp->acc, (unsigned long)(fp->exp_tx - fp->misfit));

		if (!fp->live) {
			memset(fp, 0, sizeof(*fp)); /* its window is checked: the entry is free */
			continue;
		}
		fp->c0 = fp->p->c;
		fp->exp_tx = fp->misfit = fp->acc = fp->acc_bytes = 0;
		fp->ref_mtu = fp->ref_err = fp->ref_busy = 0;
		fp->rx_pkts = fp->rx_bytes = fp->rx_runt = fp->rx_bad_src = 0;
		fp->rx_link_local = fp->rx_filtered = fp->rx_error = fp->rx_blocked = fp->rx_storm = 0;
		fp->rx_vlan = 0;
	}
}

static void fz_check_table(void)
{
	const struct fdb *fdb = &fz->sw.fdb;
	struct fdb_entry *e, *tmp;
	uint32_t n = 0, listed = 0;

	fz_check(fdb->count <= fdb->max, "%u entries, max %u", fdb->count, fdb->max);
	fz_check(fdb->max == fz->model.max, "max %u, model %u", fdb->max, fz->model.max);
	HASH_ITER(hh, fdb->table, e, tmp) {
		const struct fz_fport *fp = fz_by_slot(e->port);

		fz_check(!(e->key.mac[0] & 1) && !fdb_mac_is_zero(e->key.mac),
			 "group or zero MAC %02x:%02x:%02x:%02x:%02x:%02x learned", e->key.mac[0], e->key.mac[1],
			 e->key.mac[2], e->key.mac[3], e->key.mac[4], e->key.mac[5]);
		fz_check(e->port < SWITCHD_PORTS_MAX && fz->sw.slots[e->port] && fp && fp->live &&
				 fz->sw.slots[e->port] == fp->p,
			 "entry points at slot %u, which holds no attached port", e->port);
		fz_check(!e->is_static, "a static entry appeared");
		fz_check(!sw_port_blocked(fz->sw.slots[e->port], fz->clock), "entry on blocked port %s",
			 fz->sw.slots[e->port]->name);
		n++;
	}
	fz_check(n == fdb->count && HASH_COUNT(fdb->table) == n, "table holds %u, count says %u", n, fdb->count);
	for (int s = 0; s < SWITCHD_PORTS_MAX; s++) {
		const struct fdb_port_list *l = &fdb->ports[s];
		const struct fdb_entry *prev = NULL;
		uint32_t k = 0;

		for (e = l->head; e; prev = e, e = e->next) {
			fz_check(e->port == s && e->prev == prev, "slot %d list broken at entry %u", s, k);
			fz_check(!prev || prev->seen_ms <= e->seen_ms, "slot %d list out of order", s);
			fz_check(++k <= fdb->count, "slot %d list longer than the table", s);
		}
		fz_check(l->tail == prev && l->count == k, "slot %d: list of %u, count %u", s, k, l->count);
		listed += k;
	}
	fz_check(listed == fdb->count, "per-port counts sum to %u, count %u", listed, fdb->count);

	fz_check(fz->model.n == fdb->count, "table has %u entries, the model %u", fdb->count, fz->model.n);
	for (uint32_t i = 0; i < fz->model.n; i++) {
		const struct fz_ment *m = &fz->model.e[i];

		e = fdb_find(&fz->sw.fdb, m->mac, m->vlan);
		fz_check(e && e->port == m->port && e->seen_ms == m->seen,
			 "%02x:%02x:%02x:%02x:%02x:%02x vlan %u: table %s slot %d seen %lu, model slot %u seen %lu",
			 m->mac[0], m->mac[1], m->mac[2], m->mac[3], m->mac[4], m->mac[5], m->vlan,
			 e ? "has" : "lacks", e ? e->port : -1, e ? (unsigned long)e->seen_ms : 0UL, m->port,
			 (unsigned long)m->seen);
	}

	fz_check(fz->sw.nports == fz_nlive(), "switch has %u ports, harness %u", fz->sw.nports, fz_nlive());
	for (int i = 0; i < FZ_PORTS; i++) {
		const struct fz_fport *fp = &fz->ports[i];

		if (!fp->live)
			continue;
		fz_check(fz->sw.slots[fp->slot] == fp->p, "slot %u lost its port", fp->slot);
		fz_check(sw_port_blocked(fp->p, fz->clock) == fz_blocked(fp), "port %s blocked %d, model %d",
			 fp->p->name, sw_port_blocked(fp->p, fz->clock), fz_blocked(fp));
	}
}

/* ---- records ---- */

static void fz_port_add(uint32_t mtu)
{
	struct fz_fport *fp = NULL;
	uint32_t used = 0;
	uint16_t slot = 0;
	char name[IFNAMSIZ];

	for (int i = 0; i < FZ_PORTS; i++) {
		if (fz->ports[i].used)
			used |= 1u << fz->ports[i].slot;
		else if (!fp)
			fp = &fz->ports[i];
	}
	if (!fp)
		return;
	while (used & 1u << slot)
		slot++;
	snprintf(name, sizeof(name), "fz%u", fz->names++);
	memset(fp, 0, sizeof(*fp));
	fp->used = fp->live = true;
	fp->mtu = mtu;
	fp->p = fz_port_new(name, mtu, fp);
	fz_check(sw_port_attach(&fz->sw, fp->p) == 0, "attach %s", name);
	/* Slots are handed out lowest first, so they stay below FZ_PORTS. */
	fz_check(fp->p->slot == slot, "%s got slot %u, lowest free %u", name, fp->p->slot, slot);
	fp->slot = slot;
}

static void fz_frame_in(struct fz_fport *in, const struct fz_rxstep *s)
{
	struct fz_frame *w;

	if (fz->ndirect == FZ_WINDOW)
		fz_settle();
	w = &fz->win[fz->nwin++];
	fz->ndirect++;
	*w = (struct fz_frame){ .len = s->len, .vh = s->vh };
	/* Exactly len bytes, so ASan catches any read past the frame. */
	w->f.data = malloc(s->len ? s->len : 1);
	w->own = malloc(s->len ? s->len : 1);
	if (!w->f.data || !w->own)
		abort();
	memcpy(w->f.data, s->data, s->len);
	memcpy(w->own, s->data, s->len);
	w->f.len = s->len;
	w->f.vh = s->vh;
	w->ref = w->own;
	w->handle = &w->f;
	fz_decide(w, in);
	sw_input(&fz->sw, in->p, &w->f, fz->clock);
}

static void fz_poll(struct fz_in *in)
{
	struct fz_fport *fp = fz_pick(fz_u8(in));
	uint8_t flags = fz_u8(in);
	unsigned n = fz_u8(in) % (SWITCHD_RX_BUDGET + 16);
	static const int errs[6] = { -EAGAIN, -EIO, -ENOBUFS, -EMSGSIZE, -ENODEV, -ENETDOWN };

	for (unsigned i = 0; i < n; i++) {
		uint8_t k = fz_u8(in);

		if (k < 32) {
			memset(&fz_script[i], 0, offsetof(struct fz_rxstep, data));
			fz_script[i].err = errs[k % 6];
		} else {
			fz_gen(in, &fz_script[i]);
		}
	}
	if (!fp)
		return;
	fp->rx = fz_script;
	fp->rx_n = n;
	fp->rx_next = 0;
	fp->dead = flags & 1;
	sw_port_poll(&fz->sw, fp->p);
	if (fp->live) {
		fp->rx = NULL;
		fp->rx_n = fp->rx_next = 0;
		fp->dead = false;
	}
	fz_settle();
}

static bool fz_vlan_same(const struct fz_vlan *a, const struct fz_vlan *b)
{
	static const uint16_t probe[] = { 0, 1, 2, 5, 7, 10, 100, 101, 3000, 4094, 4095 };

	if (a->mode != b->mode || a->vid != b->vid)
		return false;
	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		if (fz_carries(a, probe[i]) != fz_carries(b, probe[i]))
			return false;
	return true;
}

/*
 * A port's VLAN mode from three bytes, as switchctl port set ... vlan would
 * ask it: the switch says whether it changed, and the port's learned entries
 * go when it did.
 */
static void fz_set_vlan(struct fz_in *in)
{
	static const uint16_t vids[8] = { 1, 2, 100, 101, 4094, 10, 7, 3000 };
	uint8_t sel = fz_u8(in), m = fz_u8(in), a = fz_u8(in);
	struct swp_vlan sv = { 0 };
	struct fz_vlan v = { 0 };
	struct fz_fport *fp;
	const char *why = NULL;
	int r;

	fz_settle(); /* the frames queued now leave in the forms of the modes they met */
	if (!(fp = fz_pick(sel)))
		return;
	switch (m & 3) {
	case 1:
		v.mode = FZ_V_ACCESS;
		v.vid = vids[a & 7];
		break;
	case 2:
		v.mode = FZ_V_TUNNEL;
		v.vid = vids[a & 7];
		break;
	case 3:
		v.mode = FZ_V_TRUNK;
		v.vid = m & 4 ? vids[a & 7] : 0;
		v.all = m & 8;
		for (int i = 0; i < 3 && !v.all; i++)
			if (m & 16 << i)
				v.list[i] = vids[(a >> (3 + i)) & 7];
		v.all = v.all || (!v.list[0] && !v.list[1] && !v.list[2]);
		if (v.all && !v.vid)
			v = (struct fz_vlan){ .mode = FZ_V_DEFAULT }; /* trunk all: the default */
		break;
	}
	sv.mode = v.mode == FZ_V_ACCESS ? SWP_VLAN_ACCESS : v.mode == FZ_V_TUNNEL ? SWP_VLAN_TUNNEL : SWP_VLAN_TRUNK;
	sv.vid = v.vid;
	for (int i = 0; i < 3; i++)
		if (v.mode == FZ_V_TRUNK && !v.all && v.list[i])
			sv.vlans[v.list[i] / 64] |= 1ull << (v.list[i] % 64);
	fz_check(swp_vlan_check(&sv, &why) == 0, "VLAN mode %u vid %u refused: %s", v.mode, v.vid, why ? why : "");
	r = sw_port_set_vlan(&fz->sw, fp->p, &sv);
	fz_check(r == !fz_vlan_same(&fp->vl, &v), "port %s: VLAN mode %u vid %u from %u vid %u: %d", fp->p->name,
		 v.mode, v.vid, fp->vl.mode, fp->vl.vid, r);
	if (r == 1) {
		fp->vl = v;
		fz_m_flush(&fz->model, fp->slot);
	}
}

static void fz_step(struct fz_in *in)
{
	static const int tx_errs[8] = { 0, 0, -EAGAIN, -ENOBUFS, -EIO, -EMSGSIZE, -EPERM, -ENETDOWN };
	uint8_t op = fz_u8(in) % 13;
	struct fz_fport *fp;

	switch (op) {
	case 0:
	case 1:
	case 2: { /* a frame built from a few bytes */
		struct fz_rxstep s;

		fp = fz_pick(fz_u8(in));
		fz_gen(in, &s);
		s.headroom = false;
		if (fp)
			fz_frame_in(fp, &s);
		break;
	}
	case 3: { /* a frame given whole */
		struct fz_rxstep s;

		memset(&s, 0, offsetof(struct fz_rxstep, data)); /* fz_bytes fills the data */
		fp = fz_pick(fz_u8(in));
		s.len = fz_u16(in) % FZ_FRAME_MAX;
		s.len = fz_bytes(in, s.data, s.len);
		if (fp)
			fz_frame_in(fp, &s);
		break;
	}
	case 4:
		fz_poll(in);
		break;
	case 5: /* time passes, and the daemon's tick runs: ageing, blocks that ran out */
		fz->clock += fz_u16(in); /* milliseconds: exact ageing and flap boundaries are reachable */
		sw_tick(&fz->sw);
		fz_m_age(&fz->model, fz->clock);
		for (int i = 0; i < FZ_PORTS; i++)
			if (fz->ports[i].live && fz->ports[i].blocked_until && !fz_blocked(&fz->ports[i])) {
				fz_check(!fz->sw.policy.blocked_until_ms[fz->ports[i].p->slot], "port %s still blocked after its hold",
					 fz->ports[i].p->name);
				fz->ports[i].blocked_until = 0;
			}
		break;
	case 6:
		fz_port_add(fz_mtus[fz_u8(in) & 7]);
		break;
	case 7:
		if ((fp = fz_pick(fz_u8(in)))) {
			sw_port_remove(&fz->sw, fp->p, "fuzz");
			fz_check(!fp->live, "sw_port_remove did not close the port");
			fz_settle();
		}
		break;
	case 8: { /* mac flush, of one port or all */
		uint8_t sel = fz_u8(in);
		uint32_t had = fz->sw.fdb.count, n;

		fp = sel & 0x80 ? NULL : fz_pick(sel);
		n = fdb_flush(&fz->sw.fdb, fp ? fp->slot : -1);
		fz_m_flush(&fz->model, fp ? fp->slot : -1);
		fz_check(n == had - fz->sw.fdb.count, "flush says %u, table lost %u", n, had - fz->sw.fdb.count);
		break;
	}
	case 9:
		fz_settle();
		break;
	case 10: { /* a port's sends start or stop failing */
		uint8_t sel = fz_u8(in), mode = fz_u8(in);

		fz_settle(); /* a window's accounting assumes one behaviour per port */
		if ((fp = fz_pick(sel))) {
			fp->tx_err = tx_errs[mode & 7];
			fp->tx_ok = (mode >> 3) & 3;
		}
		break;
	}
	case 11: {
		uint32_t max = 1 + fz_u8(in) % FZ_MACS;

		fdb_set_max(&fz->sw.fdb, max);
		fz_m_set_max(&fz->model, max);
		break;
	}
	case 12:
		fz_set_vlan(in);
		break;
	}
	fz_check_table();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fz_fwd", LOG_LVL_ERR, LOG_TO_STDERR); /* every port removal logs at info */
	fz_hooks.tx = fz_tx;
	fz_hooks.rx = fz_rx;
	fz_hooks.alive = fz_alive;
	fz_hooks.closing = fz_closing;
	fz = calloc(1, sizeof(*fz));
	if (!fz)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t pps[4] = { 0, 1, 2, 50 };
	struct fz_in in = { data, size };
	unsigned nports = 1 + (fz_u8(&in) & 7);
	struct sw_config cfg = { .max_macs = 1 + fz_u8(&in) % FZ_MACS, .ageing = 1 + (fz_u8(&in) & 7) };
	uint8_t flap = fz_u8(&in), storm = fz_u8(&in);

	cfg.flap_moves = flap & 7;
	cfg.flap_hold = 1 + ((flap >> 3) & 3);
	for (int k = 0; k < 3; k++)
		cfg.storm_pps[k] = pps[(storm >> (2 * k)) & 3];
	memset(fz, 0, sizeof(*fz));
	fz->clock = 1000000;
	fz->model.flap_moves = cfg.flap_moves;
	fz->flap_hold_ms = (uint64_t)cfg.flap_hold * 1000;
	memcpy(fz->storm_pps, cfg.storm_pps, sizeof(fz->storm_pps));
	fz_check(sw_init(&fz->sw, NULL, &cfg, fz_clock) == 0, "sw_init");
	fz->model.max = cfg.max_macs;
	fz->model.ageing_ms = (uint64_t)cfg.ageing * 1000;
	for (unsigned i = 0; i < nports; i++)
		fz_port_add(1500);
	fz_check_table();
	while (in.n)
		fz_step(&in);
	fz_settle();
	fz_check_table();
	sw_fini(&fz->sw);
	fz_check(fz->model.n == 0 && fz->sw.fdb.count == 0, "entries outlived the switch");
	return 0;
}
