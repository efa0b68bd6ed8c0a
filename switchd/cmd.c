/* Control requests, carried out on the running daemon. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static const char *cmd_errmsg(int err)
{
	switch (err) {
	case -ENODEV:
		return "no such interface";
	case -EEXIST:
		return "already a port";
	case -ENOSPC:
		return "too many ports";
	default:
		return strerror(-err);
	}
}

/* Request strings come from the wire: never trust them to be terminated. */
static int cmd_name(char *dst, const char src[SWP_NAME_MAX])
{
	size_t n = strnlen(src, SWP_NAME_MAX);

	if (n == SWP_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

/*
 * The network namespace a request names, as a path: a bare name is one under
 * SWITCHD_NETNS_DIR, anything else must be absolute. "" when none is named.
 */
static int cmd_netns(char *dst, size_t dlen, const char src[SWP_PATH_MAX])
{
	size_t n = strnlen(src, SWP_PATH_MAX);

	dst[0] = '\0';
	if (n == SWP_PATH_MAX)
		return -ENAMETOOLONG;
	if (!n)
		return 0;
	if (memchr(src, '/', n)) {
		if (src[0] != '/')
			return -EINVAL;
		snprintf(dst, dlen, "%s", src);
	} else {
		if (!strcmp(src, ".") || !strcmp(src, ".."))
			return -EINVAL;
		snprintf(dst, dlen, "%s/%s", SWITCHD_NETNS_DIR, src);
	}
	return 0;
}

static void cmd_port_add(struct daemon *d, const struct swp_port_req *req, struct ctl_reply *r)
{
	char name[SWP_NAME_MAX], peer[SWP_NAME_MAX], why[SWP_ERR_MAX];
	char netns[sizeof(SWITCHD_NETNS_DIR) + SWP_PATH_MAX];
	struct port *p;
	int err;

	if (cmd_name(name, req->name) < 0 || !name[0]) {
		ctl_reply_error(r, -EINVAL, "port add: invalid interface name");
		return;
	}
	if (req->type > SWP_PORT_AFPACKET) {
		ctl_reply_error(r, -EINVAL, "port add %s: unknown port type %u", name, req->type);
		return;
	}
	if (cmd_netns(netns, sizeof(netns), req->netns) < 0) {
		ctl_reply_error(r, -EINVAL,
				"port add %s: netns must be a name under %s or an absolute path", name,
				SWITCHD_NETNS_DIR);
		return;
	}
	if (cmd_name(peer, req->peer) < 0) {
		ctl_reply_error(r, -EINVAL, "port add %s: invalid ifname for the netns side", name);
		return;
	}
	if (peer[0] && !netns[0]) {
		ctl_reply_error(r, -EINVAL, "port add %s: ifname needs a netns", name);
		return;
	}
	if (netns[0] && req->type == SWP_PORT_TAP) {
		ctl_reply_error(r, -EINVAL, "port add %s: a port with a netns is a veth, not a TAP", name);
		return;
	}
	if (sw_port_by_name(&d->sw, name)) {
		ctl_reply_error(r, -EEXIST, "port add %s: %s", name, cmd_errmsg(-EEXIST));
		return;
	}
	if (d->sw.nports >= SWITCHD_PORTS_MAX) {
		ctl_reply_error(r, -ENOSPC, "port add %s: %s", name, cmd_errmsg(-ENOSPC));
		return;
	}
	if (netns[0])
		err = port_open_veth(&d->nl, name, netns, peer[0] ? peer : SWITCHD_NETNS_PEER, &p, why,
				     sizeof(why));
	else
		err = port_open(&d->nl, name, req->type, &p, why, sizeof(why));
	if (!err) {
		err = sw_port_attach(&d->sw, p);
		/* A veth made for the port goes with it. */
		if (err)
			port_close(p);
	}
	if (err) {
		ctl_reply_error(r, err, "port add %s: %s", name, why[0] ? why : cmd_errmsg(err));
		return;
	}
	if (netns[0])
		log_info("port %s added: %s, ifindex %d, created, peer %s in %s", p->name,
			 swp_type_name(p->ops->type), p->ifindex, peer[0] ? peer : SWITCHD_NETNS_PEER,
			 netns);
	else
		log_info("port %s added: %s, ifindex %d%s", p->name, swp_type_name(p->ops->type),
			 p->ifindex, p->created ? ", created" : "");
}

static void cmd_port_del(struct daemon *d, const struct swp_port_req *req, struct ctl_reply *r)
{
	char name[SWP_NAME_MAX];
	struct port *p;

	if (cmd_name(name, req->name) < 0 || !(p = sw_port_by_name(&d->sw, name))) {
		ctl_reply_error(r, -ENOENT, "port del %.*s: no such port", SWP_NAME_MAX, req->name);
		return;
	}
	sw_port_remove(&d->sw, p, "deleted by request");
}

static void cmd_port_show(struct daemon *d, struct ctl_reply *r)
{
	uint64_t now = d->sw.now();

	for (uint32_t i = 0; i < d->sw.nports; i++) {
		const struct port *p = d->sw.active[i];
		struct swp_port_info info = {
			.type = p->ops->type,
			.state = p->state,
			.ifindex = p->ifindex,
			.mtu = p->mtu,
			.macs = fdb_port_count(&d->sw.fdb, p->slot),
			.created = p->created,
			.blocked = sw_port_blocked(p, now) ? (uint32_t)((p->blocked_until_ms - now + 999) / 1000) : 0,
			.c = p->c,
		};

		swp_set_name(info.name, p->name);
		ctl_reply_add(r, SWP_PORT_INFO, &info, sizeof(info));
	}
}

/* The port a mac request names: NULL for all, or an error reply. */
static int cmd_mac_port(struct daemon *d, const char *verb, const struct swp_mac_req *req,
			struct port **out, struct ctl_reply *r)
{
	char name[SWP_NAME_MAX];

	*out = NULL;
	if (cmd_name(name, req->port) < 0) {
		ctl_reply_error(r, -EINVAL, "mac %s: invalid port name", verb);
		return -EINVAL;
	}
	if (name[0] && !(*out = sw_port_by_name(&d->sw, name))) {
		ctl_reply_error(r, -ENOENT, "mac %s port %s: no such port", verb, name);
		return -ENOENT;
	}
	return 0;
}

static void cmd_mac_show(struct daemon *d, const struct swp_mac_req *req, struct ctl_reply *r)
{
	uint64_t now = d->sw.now();
	struct fdb_entry *e, *tmp;
	struct port *only;

	if (cmd_mac_port(d, "show", req, &only, r) < 0)
		return;
	HASH_ITER(hh, d->sw.fdb.table, e, tmp) {
		struct swp_mac_entry m = { .vlan = e->key.vlan, .is_static = e->is_static };
		const struct port *p = d->sw.slots[e->port];

		if (only && p != only)
			continue;
		memcpy(m.mac, e->key.mac, 6);
		m.age = fdb_entry_age(e, now);
		swp_set_name(m.port, p->name);
		ctl_reply_add(r, SWP_MAC_ENTRY, &m, sizeof(m));
	}
}

static void cmd_mac_flush(struct daemon *d, const struct swp_mac_req *req, struct ctl_reply *r)
{
	struct port *only;

	if (cmd_mac_port(d, "flush", req, &only, r) < 0)
		return;
	r->count = fdb_flush(&d->sw.fdb, only ? only->slot : -1);
	log_info("MAC table flushed%s%s: %u entries", only ? " on port " : "",
		 only ? only->name : "", r->count);
}

static void cmd_status(struct daemon *d, struct ctl_reply *r)
{
	const struct fdb *fdb = &d->sw.fdb;
	struct swp_status_info s = {
		.uptime = (d->sw.now() - d->sw.start_ms) / 1000,
		.ports = d->sw.nports,
		.macs = fdb->count,
		.max_macs = fdb->max,
		.ageing = (uint32_t)(fdb->ageing_ms / 1000),
		.mac_learned = fdb->st.learned,
		.mac_moved = fdb->st.moved,
		.mac_evicted = fdb->st.evicted,
		.mac_aged = fdb->st.aged,
	};

	snprintf(s.version, sizeof(s.version), "%s", SWITCHD_VERSION);
	ctl_reply_add(r, SWP_STATUS_INFO, &s, sizeof(s));
}

void cmd_handle(void *ctx, const struct swp_hdr *hdr, const void *body, struct ctl_reply *r)
{
	struct daemon *d = ctx;

	switch (hdr->type) {
	case SWP_PORT_ADD:
		cmd_port_add(d, body, r);
		break;
	case SWP_PORT_DEL:
		cmd_port_del(d, body, r);
		break;
	case SWP_PORT_SHOW:
		cmd_port_show(d, r);
		break;
	case SWP_MAC_SHOW:
		cmd_mac_show(d, body, r);
		break;
	case SWP_MAC_FLUSH:
		cmd_mac_flush(d, body, r);
		break;
	case SWP_STATUS:
		cmd_status(d, r);
		break;
	default:
		ctl_reply_error(r, -EOPNOTSUPP, "message type %u is not a request", hdr->type);
		break;
	}
}
