/*
 * Harness 1: the control protocol, from a client's bytes to the replies.
 *
 * The bytes go in chunks through ctl_conn_input(), the function the daemon
 * runs on every read: its framing (ctl_stream), swp_check, the request
 * handler cmd_handle on a real struct sw with fake ports (fz_port.c; port add
 * and del work, with no kernel interface), and the SWP_DONE ending each
 * answer. Only the socket is left out. Meanwhile a model frames the same
 * bytes independently (fz_model), and every reply is held against it.
 *
 * Input:
 *   byte 0    ports attached beforehand: 0..15, or 193..256 when the top two bits
 *             are set (enough for replies to outgrow SWITCHD_CTL_OUTBUF_MAX)
 *   bytes 1-2 MAC entries learned on them beforehand, 0..1023 (bits 0-9)
 *   byte 3    seed of the chunk sizes: how the stream is cut into reads
 *   the rest  the stream the client sends
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "fz.h"
#include "log.h"

/* What the model says about one message of the stream. */
struct fz_msg {
	size_t off; /* where it starts */
	size_t end; /* how many stream bytes must be in before it can be answered */
	struct swp_hdr hdr;
	int err; /* 0: for the handler; -EPROTO, -EBADMSG, -EMSGSIZE: an error reply */
};

/* What the handler did with a well-formed message. */
struct fz_call {
	bool done;
	int status;
	uint32_t count;
};

struct fz_ctl {
	struct daemon d;
	struct ctl_conn conn;
	const uint8_t *stream;
	size_t len;
	size_t fed; /* stream bytes given to the connection so far */
	struct fz_msg *msgs;
	struct fz_call *calls; /* by message index */
	size_t nmsgs;
	size_t next_handled; /* where the handler's next message is searched from */
	size_t answered;     /* SWP_DONEs seen */
	bool overflowed;     /* a handler's reply did not fit the output bound */
};

static struct fz_ctl fz;
static uint64_t fz_clock_ms;

static uint64_t fz_clock(void)
{
	return fz_clock_ms;
}

/* ---- the model: the framing rules of docs/protocol.md, written apart from ctl.c and proto.c ---- */

static long fz_body_size(uint16_t type)
{
	switch (type) {
	case SWP_PORT_ADD:
	case SWP_PORT_DEL:
		return (long)sizeof(struct swp_port_req);
	case SWP_PORT_SHOW:
	case SWP_STATUS:
	case SWP_MONITOR:
		return 0;
	case SWP_MAC_SHOW:
	case SWP_MAC_FLUSH:
		return (long)sizeof(struct swp_mac_req);
	case SWP_SET:
		return (long)sizeof(struct swp_set_req);
	case SWP_DONE:
		return (long)sizeof(struct swp_done);
	case SWP_PORT_INFO:
		return (long)sizeof(struct swp_port_info);
	case SWP_MAC_ENTRY:
		return (long)sizeof(struct swp_mac_entry);
	case SWP_STATUS_INFO:
		return (long)sizeof(struct swp_status_info);
	case SWP_EVENT:
		return (long)sizeof(struct swp_event);
	default:
		return -1;
	}
}

static size_t fz_model(const uint8_t *s, size_t len, struct fz_msg *m)
{
	const size_t hl = sizeof(struct swp_hdr);
	size_t off = 0, n = 0;

	while (len - off >= hl) {
		struct swp_hdr h;
		long body;

		memcpy(&h, s + off, hl);
		m[n].off = off;
		m[n].hdr = h;
		if (h.len < hl || h.len > SWP_MSG_MAX) {
			/* Answerable with the header alone, and the last thing ever answered. */
			m[n].err = -EMSGSIZE;
			m[n].end = off + hl;
			return n + 1;
		}
		if (len - off < h.len)
			break;
		m[n].end = off + h.len;
		body = fz_body_size(h.type);
		if (h.version != SWP_VERSION)
			m[n].err = -EPROTO;
		else if (body < 0 || (size_t)body != h.len - hl)
			m[n].err = -EBADMSG;
		else
			m[n].err = 0;
		/* swp_check is the daemon's single judge of a header: it must agree. */
		fz_check(swp_check(&h) == m[n].err, "swp_check says %d, the model %d (type %u len %u version %u)",
			 swp_check(&h), m[n].err, h.type, h.len, h.version);
		n++;
		off += h.len;
	}
	return n;
}

/* ---- state the replies are checked against ---- */

/* Reply record type and wire size for a request type; 0 when it has no records. */
static uint16_t fz_record_type(uint16_t req)
{
	switch (req) {
	case SWP_PORT_SHOW:
		return SWP_PORT_INFO;
	case SWP_MAC_SHOW:
		return SWP_MAC_ENTRY;
	case SWP_STATUS:
		return SWP_STATUS_INFO;
	default:
		return 0;
	}
}

static size_t fz_record_bytes(uint16_t req)
{
	uint16_t t = fz_record_type(req);

	return t ? sizeof(struct swp_hdr) + (size_t)fz_body_size(t) : 0;
}

static uint32_t fz_entries_on(struct sw *sw, const struct port *only)
{
	struct fdb_entry *e, *tmp;
	uint32_t n = 0;

	HASH_ITER(hh, sw->fdb.table, e, tmp)
		if (!only || e->port == only->slot)
			n++;
	return n;
}

static void fz_check_table(struct sw *sw)
{
	struct fdb_entry *e, *tmp;
	uint32_t n = 0;

	fz_check(sw->fdb.count <= sw->fdb.max, "%u entries, max %u", sw->fdb.count, sw->fdb.max);
	HASH_ITER(hh, sw->fdb.table, e, tmp) {
		fz_check(e->port < SWITCHD_PORTS_MAX && sw->slots[e->port],
			 "entry points at slot %u, which has no port", e->port);
		n++;
	}
	fz_check(n == sw->fdb.count, "table holds %u entries, count says %u", n, sw->fdb.count);
}

/* A name field from the wire or a record, as a C string, or NULL when it is not terminated. */
static const char *fz_name(char out[SWP_NAME_MAX], const char field[SWP_NAME_MAX])
{
	size_t n = strnlen(field, SWP_NAME_MAX);

	if (n == SWP_NAME_MAX)
		return NULL;
	memcpy(out, field, n + 1);
	return out;
}

/* The records a handler just queued, checked against the switch as it is now. */
static void fz_check_records(struct sw *sw, uint16_t req, const struct port *only, const uint8_t *p,
			     size_t len, uint32_t count)
{
	size_t rec = fz_record_bytes(req);

	fz_check(len == (size_t)count * rec, "request type %u: %u records in %zu bytes", req, count, len);
	for (uint32_t i = 0; i < count; i++, p += rec) {
		struct swp_hdr h;
		char name[SWP_NAME_MAX];

		memcpy(&h, p, sizeof(h));
		fz_check(h.type == fz_record_type(req) && swp_check(&h) == 0,
			 "request type %u: record of type %u, length %u", req, h.type, h.len);
		if (req == SWP_PORT_SHOW) {
			struct swp_port_info info;

			memcpy(&info, p + sizeof(h), sizeof(info));
			fz_check(i < sw->nports && fz_name(name, info.name) &&
					 !strcmp(name, sw->active[i]->name),
				 "port show record %u does not name port %u", i, i);
			fz_check(info.macs == fdb_port_count(&sw->fdb, sw->active[i]->slot),
				 "port %s: %u macs reported", name, info.macs);
		} else if (req == SWP_MAC_SHOW) {
			struct swp_mac_entry m;
			struct fdb_entry *e;
			struct port *at;

			memcpy(&m, p + sizeof(h), sizeof(m));
			fz_check(fz_name(name, m.port) && (at = sw_port_by_name(sw, name)),
				 "mac show: entry on a port that is not attached");
			fz_check(!only || at == only, "mac show %s: entry of port %s", only->name, name);
			e = fdb_find(&sw->fdb, m.mac, m.vlan);
			fz_check(e && e->port == at->slot, "mac show: entry not in the table as shown");
		} else if (req == SWP_STATUS) {
			struct swp_status_info s;

			memcpy(&s, p + sizeof(h), sizeof(s));
			fz_check(memchr(s.version, 0, sizeof(s.version)), "status: version not terminated");
			fz_check(s.ports == sw->nports && s.macs == sw->fdb.count && s.max_macs == sw->fdb.max,
				 "status: %u ports %u macs max %u", s.ports, s.macs, s.max_macs);
		}
	}
}

/*
 * The netns field of a port request as docs/protocol.md has it: "" for none,
 * NULL when cmd.c must refuse it (unterminated, a relative path, "." or "..").
 */
static const char *fz_netns(const struct swp_port_req *req)
{
	size_t n = strnlen(req->netns, SWP_PATH_MAX);

	if (n == SWP_PATH_MAX)
		return NULL;
	if (memchr(req->netns, '/', n) ? req->netns[0] != '/'
				       : !strcmp(req->netns, ".") || !strcmp(req->netns, ".."))
		return NULL;
	return req->netns;
}

/* ---- the handler, wrapped: every call checked before and after ---- */

/* Whether status is one of the reasons that apply (a set, so the order cmd.c checks them in is free). */
static bool fz_one_of(int status, const int *why, int n)
{
	for (int i = 0; i < n; i++)
		if (why[i] == status)
			return true;
	return false;
}

static void fz_handler(void *ctx, const struct swp_hdr *hdr, const void *body, struct ctl_reply *r)
{
	struct fz_ctl *z = ctx;
	struct sw *sw = &z->d.sw;
	const size_t hl = sizeof(*hdr), before = z->conn.out.len;
	const uint32_t nports = sw->nports, macs = sw->fdb.count;
	char name[SWP_NAME_MAX];
	const char *nm = NULL;
	struct port *named = NULL;
	struct swp_set_req set = { 0 };
	uint32_t on_named = 0;
	int why[8], nwhy = 0;
	const struct fz_msg *m;
	size_t j = z->next_handled;

	/* Exactly the model's next well-formed message, whole, byte for byte, aligned. */
	while (j < z->nmsgs && z->msgs[j].err)
		j++;
	fz_check(j < z->nmsgs, "handler got a message the model never framed (type %u len %u)", hdr->type,
		 hdr->len);
	m = &z->msgs[j];
	fz_check(m->end <= z->fed, "message at %zu handled with %zu of its %u bytes in", m->off,
		 z->fed - m->off, hdr->len);
	fz_check(!memcmp(hdr, &m->hdr, hl), "handler header differs from the stream at %zu", m->off);
	fz_check(hdr->len - hl == (size_t)fz_body_size(hdr->type), "type %u handled with length %u",
		 hdr->type, hdr->len);
	fz_check(!((uintptr_t)body & 7), "body at %p is not 8-byte aligned", body);
	fz_check(!memcmp(body, z->stream + m->off + hl, hdr->len - hl),
		 "handler body differs from the stream at %zu", m->off + hl);
	z->next_handled = j + 1;

	/* What the request may answer, worked out before it runs. */
	switch (hdr->type) {
	case SWP_PORT_ADD:
	case SWP_PORT_DEL: {
		struct swp_port_req req;
		char peer_buf[SWP_NAME_MAX];
		const char *ns, *peer;

		memcpy(&req, body, sizeof(req));
		nm = fz_name(name, req.name);
		named = nm && nm[0] ? sw_port_by_name(sw, nm) : NULL;
		if (hdr->type == SWP_PORT_DEL) {
			if (!named)
				why[nwhy++] = -ENOENT;
			break;
		}
		/* A namespace descriptor is asked for, and the harness sends none. */
		if (req.flags & SWP_PORT_F_NETNS_FD)
			why[nwhy++] = -EBADF;
		ns = fz_netns(&req);
		peer = fz_name(peer_buf, req.peer);
		if (!nm || !nm[0] || req.type > SWP_PORT_AFPACKET || !ns || !peer ||
		    (peer[0] && !ns[0]) || (ns[0] && req.type == SWP_PORT_TAP))
			why[nwhy++] = -EINVAL;
		if (named)
			why[nwhy++] = -EEXIST;
		if (nports >= SWITCHD_PORTS_MAX)
			why[nwhy++] = -ENOSPC;
		if (ns && ns[0]) {
			/* fz_port.c's veths: the name free ('x'), the netns there, the peer name free. */
			const char *leaf = strrchr(ns, '/');

			if (nm && nm[0] != 'x')
				why[nwhy++] = -EEXIST;
			if ((leaf ? leaf[1] : ns[0]) == 'x')
				why[nwhy++] = -ENOENT;
			if (peer && peer[0] == 'b')
				why[nwhy++] = -EEXIST;
			break;
		}
		if (nm && nm[0] == 'x')
			why[nwhy++] = -ENODEV;
		if (nm && nm[0] == 'b')
			why[nwhy++] = -EBUSY;
		break;
	}
	case SWP_MAC_SHOW:
	case SWP_MAC_FLUSH: {
		struct swp_mac_req req;

		memcpy(&req, body, sizeof(req));
		nm = fz_name(name, req.port);
		if (!nm)
			why[nwhy++] = -EINVAL;
		else if (nm[0] && !(named = sw_port_by_name(sw, nm)))
			why[nwhy++] = -ENOENT;
		on_named = fz_entries_on(sw, named);
		break;
	}
	case SWP_SET: {
		const struct swp_setting *s;

		memcpy(&set, body, sizeof(set));
		if (!(s = swp_setting_by_key(set.key)))
			why[nwhy++] = -EINVAL;
		else if (set.value < s->min || set.value > s->max)
			why[nwhy++] = -ERANGE;
		break;
	}
	case SWP_PORT_SHOW:
	case SWP_STATUS:
	case SWP_MONITOR: /* without a server there are no other monitors: never -EBUSY */
		break;
	default:
		why[nwhy++] = -EOPNOTSUPP; /* a well-formed reply type sent as a request */
		break;
	}

	cmd_handle(&z->d, hdr, body, r);
	z->calls[j] = (struct fz_call){ .done = true, .status = r->status, .count = r->count };

	fz_check(r->status <= 0, "status %d", r->status);
	fz_check(!r->status || r->msg[0], "status %d without a message", r->status);
	fz_check(r->status ? fz_one_of(r->status, why, nwhy) : !nwhy,
		 "type %u: status %d, but %d reasons to fail (first %d)", hdr->type, r->status, nwhy,
		 nwhy ? why[0] : 0);
	if (r->status) {
		fz_check(sw->nports == nports && sw->fdb.count == macs, "failed request changed the switch");
		fz_check(!r->count || hdr->type == SWP_MAC_FLUSH, "failed request sent %u records", r->count);
	}
	switch (hdr->type) {
	case SWP_PORT_ADD:
		if (!r->status)
			fz_check(sw->nports == nports + 1 && sw_port_by_name(sw, nm),
				 "port add %s: not attached", nm);
		break;
	case SWP_PORT_DEL:
		if (!r->status)
			fz_check(sw->nports == nports - 1 && !sw_port_by_name(sw, nm),
				 "port del %s: still attached", nm);
		break;
	case SWP_PORT_SHOW:
		fz_check(r->count == nports, "port show: %u records for %u ports", r->count, nports);
		break;
	case SWP_MAC_SHOW:
		if (!r->status)
			fz_check(r->count == on_named, "mac show: %u records for %u entries", r->count, on_named);
		break;
	case SWP_MAC_FLUSH:
		if (!r->status)
			fz_check(r->count == on_named && sw->fdb.count == macs - on_named &&
					 fz_entries_on(sw, named) == 0,
				 "mac flush: %u flushed of %u, %u left", r->count, on_named, sw->fdb.count);
		break;
	case SWP_STATUS:
		fz_check(r->count == 1, "status: %u records", r->count);
		break;
	case SWP_MONITOR:
		fz_check(r->count == 0 && z->conn.monitor, "monitor: %u records, subscribed %d", r->count,
			 z->conn.monitor);
		break;
	case SWP_SET:
		if (!r->status)
			fz_check(sw_setting(sw, set.key) == set.value &&
					 r->count == (set.key == SWP_SET_MAX_MACS && macs > set.value ?
							      macs - (uint32_t)set.value : 0),
				 "set %u %llu: reads back %llu, %u evicted", set.key,
				 (unsigned long long)set.value,
				 (unsigned long long)sw_setting(sw, set.key), r->count);
		break;
	}
	fz_check_table(sw);

	/* The bound on queued replies: hit only when the records really do not fit. */
	if (z->conn.out.overflow) {
		fz_check(before + (size_t)r->count * fz_record_bytes(hdr->type) > SWITCHD_CTL_OUTBUF_MAX,
			 "output overflow with %zu + %u records queued", before, r->count);
		z->overflowed = true;
		return;
	}
	/* No reply queued yet leaves the buffer unallocated: NULL + 0 is still undefined. */
	fz_check_records(sw, hdr->type, named, z->conn.out.buf ? z->conn.out.buf + before : NULL,
			 z->conn.out.len - before, fz_record_type(hdr->type) ? r->count : 0);
}

/* ---- the replies of one read, in order ---- */

static void fz_check_replies(struct fz_ctl *z, int rc)
{
	const struct ctl_out *o = &z->conn.out;
	const size_t hl = sizeof(struct swp_hdr);
	uint32_t records = 0;
	size_t off = 0;

	while (off < o->len) {
		const struct fz_msg *m;
		struct swp_hdr h;

		fz_check(o->len - off >= hl, "reply header cut at %zu of %zu", off, o->len);
		memcpy(&h, o->buf + off, hl);
		fz_check(swp_check(&h) == 0 && h.len <= o->len - off && h.type >= SWP_DONE,
			 "malformed reply: type %u len %u", h.type, h.len);
		fz_check(z->answered < z->nmsgs, "reply (type %u) to no request", h.type);
		m = &z->msgs[z->answered];
		fz_check(m->end <= z->fed, "reply to the message at %zu before it was whole", m->off);
		fz_check(h.seq == m->hdr.seq, "reply seq %u to request seq %u", h.seq, m->hdr.seq);
		if (h.type == SWP_DONE) {
			const struct fz_call *c = &z->calls[z->answered];
			struct swp_done d;

			memcpy(&d, o->buf + off + hl, sizeof(d));
			fz_check(memchr(d.msg, 0, sizeof(d.msg)), "SWP_DONE message not terminated");
			if (m->err) {
				fz_check(d.status == m->err && d.count == 0 && !records && d.msg[0],
					 "message at %zu: SWP_DONE %d (count %u, %u records), want %d", m->off,
					 d.status, d.count, records, m->err);
			} else {
				fz_check(c->done, "message at %zu answered without reaching the handler", m->off);
				fz_check(d.status == c->status && d.count == c->count,
					 "SWP_DONE %d/%u, the handler said %d/%u", d.status, d.count, c->status,
					 c->count);
				fz_check(records == (fz_record_type(m->hdr.type) ? d.count : 0),
					 "%u records before a SWP_DONE counting %u", records, d.count);
			}
			z->answered++;
			records = 0;
		} else {
			fz_check(!m->err && h.type == fz_record_type(m->hdr.type),
				 "record type %u in the answer to type %u", h.type, m->hdr.type);
			records++;
		}
		off += h.len;
	}
	if (rc < 0)
		return; /* the client is dropped: what was queued is never sent */
	fz_check(!records, "%u records of seq %u without their SWP_DONE", records,
		 z->msgs[z->answered].hdr.seq);
	/* Everything whole is answered at once, nothing more: no request waits for the next read. */
	{
		size_t want = 0;

		while (want < z->nmsgs && z->msgs[want].end <= z->fed)
			want++;
		fz_check(z->answered == want, "%zu of %zu bytes in: %zu messages answered, %zu whole", z->fed,
			 z->len, z->answered, want);
	}
	fz_check(z->conn.closing == (z->answered && z->msgs[z->answered - 1].err == -EMSGSIZE),
		 "closing %d after %zu answers", z->conn.closing, z->answered);
}

/* ---- one input ---- */

/*
 * How many bytes the next read returns. Random sizes alone seldom stop a
 * read exactly at a message's last byte, or one short of it, where framing
 * bugs live; so half the reads end at such a boundary of the next message.
 */
static size_t fz_chunk(const struct fz_ctl *z, uint32_t r)
{
	const size_t hl = sizeof(struct swp_hdr);
	size_t k = 0, end;

	switch (r & 7) {
	case 0: /* a big read, as when a client writes many requests at once */
		return 1 + (r >> 3) % SWP_MSG_MAX;
	case 1: /* up to the end of the next message's header, or of the message, less 0-2 bytes */
	case 2:
	case 3:
	case 4:
		while (k < z->nmsgs && z->msgs[k].end <= z->fed)
			k++;
		if (k == z->nmsgs)
			break;
		end = (r & 7) == 1 ? z->msgs[k].off + hl : z->msgs[k].end;
		end -= (r >> 3) % 3;
		return end > z->fed ? end - z->fed : 1;
	}
	return 1 + (r >> 3) % 24;
}

static void fz_setup(struct fz_ctl *z, unsigned nports, unsigned nmacs)
{
	const struct sw_config cfg = { .max_macs = 1024, .ageing = 300 };

	memset(z, 0, sizeof(*z));
	fz_clock_ms = 1000000;
	if (sw_init(&z->d.sw, NULL, &cfg, fz_clock))
		abort();
	for (unsigned i = 0; i < nports; i++) {
		char name[IFNAMSIZ];

		snprintf(name, sizeof(name), "p%u", i);
		fz_check(sw_port_attach(&z->d.sw, fz_port_new(name, 1500, NULL)) == 0, "attach %s", name);
	}
	for (unsigned i = 0; nports && i < nmacs; i++) {
		const uint8_t mac[6] = { 0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };

		fdb_learn(&z->d.sw.fdb, mac, (uint16_t)(i % 3), z->d.sw.active[i % nports]->slot,
			  fz_clock_ms - 1000 * (i % 7));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fz_ctl", LOG_LVL_ERR, LOG_TO_STDERR); /* cmd.c logs every port add at info */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz_ctl *z = &fz;
	uint8_t b0 = fz_u8(&in);
	unsigned nports = (b0 & 0xc0) == 0xc0 ? 256 - (b0 & 0x3f) : b0 & 0x0f;
	unsigned nmacs = fz_u16(&in) & 0x3ff;
	uint32_t seed = fz_u8(&in) * 2654435761u + 1;
	int rc = 0;

	fz_setup(z, nports, nmacs);
	z->stream = in.p;
	z->len = in.n;
	z->msgs = calloc(z->len / sizeof(struct swp_hdr) + 1, sizeof(*z->msgs));
	z->calls = calloc(z->len / sizeof(struct swp_hdr) + 1, sizeof(*z->calls));
	if (!z->msgs || !z->calls)
		abort();
	z->nmsgs = fz_model(z->stream, z->len, z->msgs);

	while (z->fed < z->len && !z->conn.closing) {
		uint32_t r = fz_rand(&seed);
		size_t want = fz_chunk(z, r), room;
		uint8_t *at = ctl_stream_space(&z->conn.in, &room);
		size_t n;

		/* A read of 0 bytes is end-of-file to the daemon: room must never run out. */
		fz_check(room > 0, "no room to read into, %zu bytes held", z->conn.in.len);
		n = want < room ? want : room;
		if (n > z->len - z->fed)
			n = z->len - z->fed;
		memcpy(at, z->stream + z->fed, n);
		ctl_stream_fill(&z->conn.in, n);
		z->fed += n;
		fz_clock_ms += (r >> 20) % 1500;

		rc = ctl_conn_input(&z->conn, fz_handler, z);
		fz_check(rc == 0 || rc == -ENOBUFS, "ctl_conn_input returned %d", rc);
		/* A reply that did not fit is never lost quietly: the client is dropped, or nothing was lost. */
		fz_check((rc < 0) == z->conn.out.overflow, "returned %d with replies overflowing: %d", rc,
			 z->conn.out.overflow);
		if (rc < 0 && !z->overflowed) {
			const size_t done = sizeof(struct swp_hdr) + sizeof(struct swp_done);

			fz_check(z->conn.out.len + done > SWITCHD_CTL_OUTBUF_MAX,
				 "dropped with %zu bytes queued: a SWP_DONE still fit", z->conn.out.len);
		}
		fz_check_replies(z, rc);
		if (rc < 0)
			break; /* the daemon drops the client */
		ctl_out_sent(&z->conn.out, z->conn.out.len); /* the client reads every reply */
	}

	if (!rc && z->conn.closing) {
		/* -EMSGSIZE ends the stream: more bytes change nothing and get no answer. */
		struct ctl_msg m;
		size_t room;
		uint8_t *at = ctl_stream_space(&z->conn.in, &room);
		size_t n = room < z->len - z->fed ? room : z->len - z->fed;

		memcpy(at, z->stream + z->fed, n);
		ctl_stream_fill(&z->conn.in, n);
		fz_check(ctl_conn_input(&z->conn, fz_handler, z) == 0 && z->conn.out.len == 0,
			 "a closing connection answered %zu more bytes", z->conn.out.len);
		fz_check(ctl_stream_next(&z->conn.in, &m) == -EMSGSIZE, "stream re-framed after -EMSGSIZE");
	}

	ctl_conn_fini(&z->conn);
	sw_fini(&z->d.sw);
	free(z->msgs);
	free(z->calls);
	return 0;
}
