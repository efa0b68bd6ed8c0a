#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "log.h"
#include "switchd/defaults.h"

static uint32_t capture_next_id = 1;

static uint64_t capture_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Queues the end and stops watching; the capture is freed with its connection. */
static void capture_end(struct capture *c, const char *reason)
{
	struct swp_capture_end e = { .captured = c->captured, .dropped = c->dropped };

	if (c->ended)
		return;
	c->ended = true;
	memset(c->obs.dirs, 0, sizeof(c->obs.dirs));
	c->obs.new_ports = 0;
	sw_observer_update(c->sw);
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	ctl_feed_end(c->conn, SWP_CAPTURE_END, c->seq, &e);
	log_info("capture %u ended (%s): %llu frames, %llu dropped", c->id, reason,
		 (unsigned long long)c->captured, (unsigned long long)c->dropped);
}

/* The frame path: filter first, so a frame the filter refuses costs no copy. */
static void capture_frame(void *ctx, struct port *p, const struct frame *f, enum sw_dir dir)
{
	struct capture *c = ctx;
	struct swp_capture_frame rec;

	if (c->ended || (c->prog && !bpf_filter(c->prog, f->data, (u_int)f->len, (u_int)f->len)))
		return;
	rec.kind = SWP_CAP_KIND_FRAME;
	memcpy(rec.port, p->name, sizeof(rec.port));
	rec.port[sizeof(rec.port) - 1] = '\0';
	rec.dir = dir == SW_DIR_IN ? SWP_CAP_DIR_IN : SWP_CAP_DIR_OUT;
	rec.time_ns = capture_now_ns();
	rec.len = (uint32_t)f->len;
	rec.dropped = c->dropped;
	rec.data.ptr = f->data;
	rec.data.len = f->len < c->snaplen ? (uint32_t)f->len : c->snaplen;
	if (ctl_feed_add(c->conn, SWP_CAPTURE_FRAME, c->seq, &rec, c->budget) < 0) {
		c->dropped++;
		return;
	}
	if (++c->captured == c->count)
		capture_end(c, "count reached");
}

static void capture_gone(void *ctx, struct port *p)
{
	struct capture *c = ctx;
	char why[64];

	if (c->all || c->ended)
		return;
	for (size_t i = 0; i < SWITCHD_PORTS_MAX; i++)
		if (c->obs.dirs[i])
			return;
	/* The last port it watched: nothing more can come. */
	snprintf(why, sizeof(why), "port %s removed", p->name);
	capture_end(c, why);
}

/* The client shut its side down (switchctl at Ctrl-C): the end, with the final counts. */
static void capture_eof(void *ctx)
{
	capture_end(ctx, "client stopped");
}

static void capture_free(void *ctx)
{
	struct capture *c = ctx;

	if (!c->ended)
		log_info("capture %u ended (client gone): %llu frames, %llu dropped", c->id,
			 (unsigned long long)c->captured, (unsigned long long)c->dropped);
	sw_observer_del(c->sw, &c->obs);
	for (struct capture **pp = c->list; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c->prog);
	free(c);
}

/* The ports req names, into c->obs.dirs and c->ports; -ENODEV having said which is missing. */
static int capture_ports(struct capture *c, const struct swp_capture_req *req, uint8_t dirs,
			 struct ctl_reply *r)
{
	char list[SWP_CAP_PORTS_MAX], *save = NULL;
	size_t n = strnlen(req->ports, sizeof(req->ports));

	if (n == sizeof(req->ports)) {
		ctl_reply_error(r, -EINVAL, "capture: port list too long");
		return -EINVAL;
	}
	memcpy(list, req->ports, n + 1);
	c->all = !n || !strcmp(list, "all");
	if (c->all) {
		for (uint32_t i = 0; i < c->sw->nports; i++)
			c->obs.dirs[c->sw->active[i]->slot] = dirs;
		c->obs.new_ports = dirs;
		snprintf(c->ports, sizeof(c->ports), "all");
		return 0;
	}
	c->ports[0] = '\0';
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		struct port *p = sw_port_by_name(c->sw, name);

		if (!p) {
			ctl_reply_error(r, -ENODEV, "capture: no such port: %.*s", SWP_NAME_MAX, name);
			return -ENODEV;
		}
		if (c->obs.dirs[p->slot])
			continue;
		c->obs.dirs[p->slot] = dirs;
		snprintf(c->ports + strlen(c->ports), sizeof(c->ports) - strlen(c->ports), "%s%s",
			 c->ports[0] ? "," : "", p->name);
	}
	if (!c->ports[0]) {
		ctl_reply_error(r, -EINVAL, "capture: no port named");
		return -EINVAL;
	}
	return 0;
}

static int capture_filter(struct capture *c, const struct swp_capture_req *req, struct ctl_reply *r)
{
	uint32_t n = req->filter.len / sizeof(struct bpf_insn);

	if (!req->filter.len)
		return 0;
	if (req->filter.len % sizeof(struct bpf_insn) || n > SWP_CAP_INSNS_MAX) {
		ctl_reply_error(r, -EINVAL, "capture: filter of %u bytes is not a BPF program of at most %u instructions",
				req->filter.len, SWP_CAP_INSNS_MAX);
		return -EINVAL;
	}
	if (!(c->prog = malloc(req->filter.len))) {
		ctl_reply_error(r, -ENOMEM, "capture: out of memory");
		return -ENOMEM;
	}
	memcpy(c->prog, req->filter.ptr, req->filter.len);
	/* A program that jumps out of bounds or divides by a constant zero would be run on every frame. */
	if (!bpf_validate(c->prog, (int)n)) {
		ctl_reply_error(r, -EINVAL, "capture: the filter is not a valid BPF program");
		return -EINVAL;
	}
	return 0;
}

void capture_start(struct sw *sw, struct capture **list, struct ctl_reply *r,
		   const struct swp_capture_req *req)
{
	uint8_t dirs = (uint8_t)(req->dirs & (SWP_CAP_DIR_IN | SWP_CAP_DIR_OUT));
	struct capture *c;
	unsigned running = 0;

	for (struct capture *k = *list; k; k = k->next)
		running++;
	if (r->conn->feed) {
		ctl_reply_error(r, -EBUSY, "capture: this connection carries a capture already");
		return;
	}
	if (r->conn->peer.config) {
		ctl_reply_error(r, -EINVAL, "capture: not in a configuration file");
		return;
	}
	if (running >= SWITCHD_CAPTURE_MAX) {
		ctl_reply_error(r, -EBUSY, "capture: %u captures run already", SWITCHD_CAPTURE_MAX);
		return;
	}
	if (req->dirs & ~(SWP_CAP_DIR_IN | SWP_CAP_DIR_OUT)) {
		ctl_reply_error(r, -EINVAL, "capture: unknown direction bits 0x%x", req->dirs);
		return;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		ctl_reply_error(r, -ENOMEM, "capture: out of memory");
		return;
	}
	/* SW_DIR_* and SWP_CAP_DIR_* are the same bits. */
	_Static_assert(SW_DIR_IN == SWP_CAP_DIR_IN && SW_DIR_OUT == SWP_CAP_DIR_OUT, "directions");
	c->sw = sw;
	c->conn = r->conn;
	c->seq = r->seq;
	c->snaplen = req->snaplen && req->snaplen < SWP_CAP_SNAPLEN_MAX ? req->snaplen : SWP_CAP_SNAPLEN_MAX;
	c->count = req->count;
	c->budget = SWITCHD_CAPTURE_BUF;
	c->uid = r->conn->peer.uid;
	c->pid = r->conn->peer.pid;
	c->obs.fn = capture_frame;
	c->obs.gone = capture_gone;
	c->obs.ctx = c;
	if (capture_ports(c, req, dirs ? dirs : SW_DIR_IN | SW_DIR_OUT, r) < 0 ||
	    capture_filter(c, req, r) < 0)
		goto fail;
	if (sw_observer_add(sw, &c->obs) < 0) {
		ctl_reply_error(r, -EBUSY, "capture: %u observers (captures, mirrors) run already",
				SW_OBSERVERS_MAX);
		goto fail;
	}
	for (size_t i = 0; i < SWITCHD_PORTS_MAX; i++) {
		struct swp_capture_frame port = { .kind = SWP_CAP_KIND_PORT };

		if (!c->obs.dirs[i] || !sw->slots[i])
			continue;
		memcpy(port.port, sw->slots[i]->name, sizeof(port.port));
		port.port[sizeof(port.port) - 1] = '\0';
		ctl_reply_add(r, SWP_CAPTURE_FRAME, &port);
	}
	c->id = capture_next_id++;
	c->list = list;
	c->next = *list;
	*list = c;
	ctl_feed_start(r, capture_free, capture_eof, c);
	log_info("capture %u started by uid %u pid %d: ports %s, %s, filter %u instructions, snaplen %u%s%.0llu",
		 c->id, c->uid, (int)c->pid, c->ports,
		 dirs == SW_DIR_IN ? "in" : dirs == SW_DIR_OUT ? "out" : "in and out",
		 req->filter.len / (unsigned)sizeof(struct bpf_insn), c->snaplen, c->count ? ", count " : "",
		 (unsigned long long)c->count);
	return;
fail:
	free(c->prog);
	free(c);
}

void capture_end_all(struct capture **list, const char *reason)
{
	for (struct capture *c = *list; c; c = c->next)
		capture_end(c, reason);
}
