/* Control requests, carried out on the running daemon. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "caps.h"
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

/*
 * A TAP an earlier switchd created, whose descriptor the store kept: taken
 * over, its kernel side where it is now. A descriptor that no longer works
 * (its TAP was deleted meanwhile) is dropped and the port opened as usual.
 */
static int cmd_port_adopt_tap(struct daemon *d, const char *name, int fd, uint32_t type,
			      struct port **out, char *why, size_t whylen)
{
	char fdname[IFNAMSIZ + sizeof(PORT_FDNAME_TAP)];
	int err = port_open_tap_fd(&d->nl, name, fd, out, why, whylen);

	if (!err)
		return 0;
	log_warn("port %s: %s: dropped from the store, opening it anew", name,
		 why[0] ? why : strerror(-err));
	port_fdname(fdname, sizeof(fdname), name);
	notify_fd_remove(fdname);
	return port_open(&d->nl, &d->opts.port, name, type, out, why, whylen);
}

/*
 * A socket port's (stream, dgram) socket: the one the request names (an absolute path), or
 * NAME.sock in SWITCHD_STREAM_DIR beside the control socket (port_open_stream
 * makes that directory when missing).
 */
static int cmd_stream_path(struct daemon *d, const char *name, const char *req_path, char *path,
			   size_t len, bool *dflt, char *why, size_t whylen)
{
	const char *sock = d->opts.socket ? d->opts.socket : SWITCHD_SOCKET, *slash;
	char dir[SWP_PATH_MAX];
	int n;

	why[0] = '\0';
	*dflt = !req_path[0];
	if (req_path[0]) {
		if (req_path[0] != '/' || strnlen(req_path, SWP_PATH_MAX) >= SWP_PATH_MAX) {
			snprintf(why, whylen, "path must be an absolute path of at most %d bytes",
				 SWP_PATH_MAX - 1);
			return -EINVAL;
		}
		snprintf(path, len, "%s", req_path);
		return 0;
	}
	slash = strrchr(sock, '/');
	n = snprintf(dir, sizeof(dir), "%.*s%s" SWITCHD_STREAM_DIR, slash ? (int)(slash - sock) : 0, sock,
		     slash ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof(dir) || (size_t)snprintf(path, len, "%s/%s.sock", dir, name) >= len) {
		snprintf(why, whylen, "the default socket path is too long; give one with path");
		return -ENAMETOOLONG;
	}
	return 0;
}

/* nsfd: the namespace the client sent for netns (SWP_PORT_F_NETNS_FD), or -1. */
static void cmd_port_add_ns(struct daemon *d, const struct swp_port_req *req, int nsfd,
			    struct ctl_reply *r)
{
	char name[SWP_NAME_MAX], peer[SWP_NAME_MAX], why[SWP_ERR_MAX];
	char netns[sizeof(SWITCHD_NETNS_DIR) + SWP_PATH_MAX];
	char fdname[IFNAMSIZ + sizeof(PORT_FDNAME_TAP)];
	char path[SWP_PATH_MAX];
	bool sock = req->type == SWP_PORT_STREAM || req->type == SWP_PORT_DGRAM; /* a socket port */
	struct port *p;
	int err, fd;

	if (cmd_name(name, req->name) < 0 || !name[0]) {
		ctl_reply_error(r, -EINVAL, "port add: invalid interface name");
		return;
	}
	if (!swp_type_known(req->type)) {
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
	if (nsfd >= 0 && !netns[0]) {
		ctl_reply_error(r, -EINVAL, "port add %s: a namespace descriptor needs a netns name", name);
		return;
	}
	if (netns[0] && req->type == SWP_PORT_TAP) {
		ctl_reply_error(r, -EINVAL, "port add %s: a port with a netns is a veth, not a TAP", name);
		return;
	}
	if (sock && netns[0]) {
		ctl_reply_error(r, -EINVAL, "port add %s: a %s port has no netns", name, swp_type_name(req->type));
		return;
	}
	if (req->path[0] && !sock) {
		ctl_reply_error(r, -EINVAL, "port add %s: only a stream or dgram port has a path", name);
		return;
	}
	if ((req->flags & (SWP_PORT_F_UID | SWP_PORT_F_GID | SWP_PORT_F_MODE)) && !sock) {
		ctl_reply_error(r, -EINVAL, "port add %s: only a stream or dgram port has an owner and a mode",
				name);
		return;
	}
	if (req->peer_path[0] && (req->type != SWP_PORT_DGRAM || req->peer_path[0] != '/' ||
				  strnlen(req->peer_path, SWP_PATH_MAX) >= SWP_PATH_MAX)) {
		ctl_reply_error(r, -EINVAL, "port add %s: only a dgram port has a peer, an absolute path", name);
		return;
	}
	if (req->type == SWP_PORT_VXLAN && netns[0]) {
		ctl_reply_error(r, -EINVAL, "port add %s: a vxlan port has no netns", name);
		return;
	}
	if (req->type != SWP_PORT_VXLAN && (req->vx.vni || req->vx.dstport || req->vx.local[0] ||
					     req->vx.group[0] || req->vx.dev[0] || req->vx.remotes[0])) {
		ctl_reply_error(r, -EINVAL, "port add %s: only a vxlan port has vni, remote, local, dstport, group, dev",
				name);
		return;
	}
	if (req->mtu && (!netns[0] || req->mtu < 68 || req->mtu > 65535)) {
		ctl_reply_error(r, -EINVAL, "port add %s: mtu goes with netns (the veth pair's), in 68..65535", name);
		return;
	}
	if ((req->flags & SWP_PORT_F_MODE) && req->mode > 0777) {
		ctl_reply_error(r, -EINVAL, "port add %s: mode %o is not permission bits (0 to 0777)", name,
				req->mode);
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
	if (sock) {
		char sname[PORT_FDNAME_MAX], pname[PORT_FDNAME_MAX];
		int lfd = -1, pfd = -1;
		bool dflt;

		snprintf(sname, sizeof(sname), "%s%s", PORT_FDNAME_STREAM, name);
		snprintf(pname, sizeof(pname), "%s%s", PORT_FDNAME_PEER, name);
		err = cmd_stream_path(d, name, req->path, path, sizeof(path), &dflt, why, sizeof(why));
		/* A stream port an earlier switchd left in the store: its socket, and its peer if one was on. */
		if (!err && req->type == SWP_PORT_STREAM && (lfd = daemon_take_fd(d, sname)) >= 0) {
			pfd = daemon_take_fd(d, pname);
			err = port_stream_adopt(name, path, lfd, &p, why, sizeof(why));
			if (err) {
				notify_fd_remove(sname);
				if (pfd >= 0) {
					close(pfd);
					notify_fd_remove(pname);
					pfd = -1;
				}
			} else {
				log_info("port %s: socket %s adopted from the descriptor store", name, path);
			}
		} else if (!err && req->type == SWP_PORT_STREAM) {
			err = port_open_stream(name, path, dflt, &p, why, sizeof(why));
		} else if (!err) {
			err = port_open_dgram(name, path, req->peer_path, dflt, &p, why, sizeof(why));
		}
		if (!err && (err = port_unix_own(p, req->flags & SWP_PORT_F_UID ? (int64_t)req->uid : -1,
						   req->flags & SWP_PORT_F_GID ? (int64_t)req->gid : -1,
						   req->flags & SWP_PORT_F_MODE ? (int32_t)req->mode : -1, why,
						   sizeof(why))))
			port_close(p);
		else if (!err && (err = sw_port_attach(&d->sw, p)))
			port_close(p);
		if (err && pfd >= 0) {
			close(pfd);
			notify_fd_remove(pname);
		}
		/* Under systemd the socket goes in the store (and each peer's connection when it comes). */
		if (!err && req->type == SWP_PORT_STREAM && !p->stored && notify_enabled())
			p->stored = !notify_fd_store(p->fd, sname);
		if (!err && pfd >= 0)
			port_stream_take_peer(p, pfd);
		if (err) {
			ctl_reply_error(r, err, "port add %s: %s", name, why[0] ? why : cmd_errmsg(err));
			return;
		}
		log_info("port %s added: %s, listening on %s (owner %u group %u mode %04o)%s%s", p->name,
			 swp_type_name(req->type), p->path, p->sock_uid, p->sock_gid, p->sock_mode,
			 p->peer_path[0] ? ", peer " : "", p->peer_path);
		return;
	}
	port_fdname(fdname, sizeof(fdname), name);
	if (req->type == SWP_PORT_VXLAN)
		err = port_open_vxlan(&d->nl, &d->opts.port, name, &req->vx, &p, why, sizeof(why));
	else if (netns[0])
		err = port_open_veth(&d->nl, &d->opts.port, name, netns, nsfd,
				     peer[0] ? peer : SWITCHD_NETNS_PEER, req->mtu, &p, why, sizeof(why));
	else if (req->type != SWP_PORT_AFPACKET && (fd = daemon_take_fd(d, fdname)) >= 0)
		err = cmd_port_adopt_tap(d, name, fd, req->type, &p, why, sizeof(why));
	else
		err = port_open(&d->nl, &d->opts.port, name, req->type, &p, why, sizeof(why));
	if (!err) {
		err = sw_port_attach(&d->sw, p);
		/* A veth made for the port goes with it. */
		if (err)
			port_close(p);
	}
	/* A TAP it made dies with switchd's descriptor: the store keeps a copy across a crash. */
	if (!err && p->created && p->ops->type == SWP_PORT_TAP && !p->stored && notify_enabled())
		p->stored = !notify_fd_store(p->fd, fdname);
	if (err) {
		/* The kernel says only "Permission denied": say which capability it wanted. */
		const char *lacks = err == -EPERM || err == -EACCES
					    ? caps_missing(d->caps, caps_for_port(req->type, netns[0]))
					    : "";

		ctl_reply_error(r, err, "port add %s: %s%s%s%s", name, why[0] ? why : cmd_errmsg(err),
				lacks[0] ? " (switchd lacks " : "", lacks, lacks[0] ? ")" : "");
		return;
	}
	if (p->vx) {
		struct swp_vxlan vx;

		port_vxlan_info(p, &vx);
		log_info("port %s added: vxlan vni %u dstport %u, ifindex %d, mtu %u, created%s%s%s%s%s%s%s%s",
			 p->name, vx.vni, vx.dstport, p->ifindex, p->mtu, vx.remotes[0] ? ", remotes " : "",
			 vx.remotes, vx.local[0] ? ", local " : "", vx.local, vx.group[0] ? ", group " : "",
			 vx.group, vx.dev[0] ? ", dev " : "", vx.dev);
	} else if (netns[0])
		log_info("port %s added: %s, ifindex %d, %s, peer %s in %s", p->name,
			 swp_type_name(p->ops->type), p->ifindex,
			 p->adopted ? "adopted (made before a restart)" : "created",
			 peer[0] ? peer : SWITCHD_NETNS_PEER, netns);
	else
		log_info("port %s added: %s, ifindex %d%s%s", p->name, swp_type_name(p->ops->type),
			 p->ifindex, p->created ? ", created" : "",
			 p->adopted ? ", adopted from the descriptor store" : "");
}

static void cmd_port_add(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_port_req *req = body;

	int nsfd = -1;

	if (req->flags & SWP_PORT_F_NETNS_FD) {
		nsfd = ctl_take_fd(r);
		if (nsfd < 0) {
			ctl_reply_error(r, -EBADF,
					"port add: no namespace descriptor came with the request");
			return;
		}
	}
	cmd_port_add_ns(d, req, nsfd, r);
	if (nsfd >= 0)
		close(nsfd);
}

static void cmd_port_del(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_port_req *req = body;

	char name[SWP_NAME_MAX];
	struct port *p;

	if (cmd_name(name, req->name) < 0 || !(p = sw_port_by_name(&d->sw, name))) {
		ctl_reply_error(r, -ENOENT, "port del %.*s: no such port", SWP_NAME_MAX, req->name);
		return;
	}
	sw_port_remove(&d->sw, p, "deleted by request");
}

static int cmd_port_cmp(const void *a, const void *b)
{
	return strcmp((*(struct port *const *)a)->name, (*(struct port *const *)b)->name);
}

/* Every port, by name, or the one the request names. */
static void cmd_port_show(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_port_req *req = body;
	struct port *sorted[SWITCHD_PORTS_MAX];
	uint64_t now = d->sw.now();

	if (req->name[0] && !sw_port_by_name(&d->sw, req->name)) {
		ctl_reply_error(r, -ENOENT, "port show %s: no such port", req->name);
		return;
	}
	memcpy(sorted, d->sw.active, d->sw.nports * sizeof(sorted[0]));
	qsort(sorted, d->sw.nports, sizeof(sorted[0]), cmd_port_cmp);
	for (uint32_t i = 0; i < d->sw.nports; i++) {
		struct port *p = sorted[i];
		struct swp_port_info info = {
			.type = p->vx ? SWP_PORT_VXLAN : p->ops->type,
			.state = p->state,
			.ifindex = p->ifindex,
			.mtu = p->mtu,
			.macs = fdb_port_count(&d->sw.fdb, p->slot),
			.created = p->created,
			.blocked = (uint32_t)((sw_port_blocked_ms(p, now) + 999) / 1000),
			.origin = p->conf ? SWP_ORIGIN_CONFIG : SWP_ORIGIN_SWITCHCTL,
			.c = p->c,
		};

		const struct swp_port_setting *ps;

		if (req->name[0] && strcmp(req->name, p->name))
			continue;
		for (size_t k = 0; (ps = swp_port_setting_at(k)); k++)
			if (!ps->vlan)
				info.settings[ps->key - 1] = sw_port_setting(&d->sw, p, ps->key);
		info.vlan = p->vcfg;
		port_netns_refresh(p);
		swp_set_name(info.name, p->name);
		swp_set_name(info.peer, p->peer);
		snprintf(info.netns, sizeof(info.netns), "%s", p->netns);
		snprintf(info.path, sizeof(info.path), "%s", p->path);
		info.uid = p->sock_uid;
		info.gid = p->sock_gid;
		info.mode = p->sock_mode;
		snprintf(info.peer_path, sizeof(info.peer_path), "%s", p->peer_path);
		port_vxlan_info(p, &info.vx);
		ctl_reply_add(r, SWP_PORT_INFO, &info);
	}
}

/* port set NAME remote add|del IP: one entry of a vxlan port's flood list. */
static void cmd_port_remote(struct daemon *d, const struct swp_port_req *req, bool add, struct ctl_reply *r)
{
	const char *verb = add ? "add" : "del";
	char name[SWP_NAME_MAX], why[SWP_ERR_MAX];
	struct swp_event ev = { .kind = SWP_EV_PORT_CHANGED };
	struct port *p;
	int ret;

	if (cmd_name(name, req->name) < 0 || !(p = sw_port_by_name(&d->sw, name))) {
		ctl_reply_error(r, -ENOENT, "port set %.*s: no such port", SWP_NAME_MAX, req->name);
		return;
	}
	if (strnlen(req->vx.remotes, SWP_ADDR_MAX) >= SWP_ADDR_MAX || strchr(req->vx.remotes, ',')) {
		ctl_reply_error(r, -EINVAL, "port set %s remote %s: one address", name, verb);
		return;
	}
	ret = port_vxlan_remote(p, req->vx.remotes, add, why, sizeof(why));
	if (ret < 0) {
		ctl_reply_error(r, ret, "port set %s remote %s: %s", name, verb, why);
		return;
	}
	r->count = (uint32_t)ret;
	if (!ret)
		return;
	log_info("port %s: remote %s %s", name, verb, req->vx.remotes);
	if (d->sw.event) {
		swp_set_name(ev.port, name);
		snprintf(ev.setting, sizeof(ev.setting), "remote");
		snprintf(ev.value, sizeof(ev.value), "%s %.*s", verb, SWP_ADDR_MAX - 1, req->vx.remotes);
		d->sw.event(d->sw.event_ctx, &ev);
	}
}

static void cmd_port_remote_add(struct daemon *d, const void *body, struct ctl_reply *r)
{
	cmd_port_remote(d, body, true, r);
}

static void cmd_port_remote_del(struct daemon *d, const void *body, struct ctl_reply *r)
{
	cmd_port_remote(d, body, false, r);
}

/* Zeroes the counters of the port named, or of every port. */
static void cmd_port_clear(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_port_req *req = body;
	struct port *p = NULL;

	if (req->name[0] && !(p = sw_port_by_name(&d->sw, req->name))) {
		ctl_reply_error(r, -ENOENT, "port clear %s: no such port", req->name);
		return;
	}
	for (uint32_t i = 0; i < d->sw.nports; i++)
		if (!p || d->sw.active[i] == p) {
			memset(&d->sw.active[i]->c, 0, sizeof(d->sw.active[i]->c));
			r->count++;
		}
}

/* A mac request's VLAN must be one: 0 (untagged) to 4095. */
static int cmd_mac_vlan(const struct swp_mac_req *req, const char *verb, struct ctl_reply *r)
{
	if (req->vlan <= 4095)
		return 0;
	ctl_reply_error(r, -ERANGE, "mac %s: vlan %u is not in 0..4095", verb, req->vlan);
	return -ERANGE;
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

/* One port's setting (port set NAME SETTING VALUE). */
static void cmd_port_set(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_port_set_req *req = body;
	const struct swp_port_setting *s = swp_port_setting_by_key(req->key);
	char name[SWP_NAME_MAX];
	struct port *p;

	if (cmd_name(name, req->name) < 0 || !(p = sw_port_by_name(&d->sw, name))) {
		ctl_reply_error(r, -ENOENT, "port set %.*s: no such port", SWP_NAME_MAX, req->name);
		return;
	}
	if (!s) {
		ctl_reply_error(r, -EINVAL, "port set %s: unknown setting %u", name, req->key);
		return;
	}
	if (s->vlan) {
		const char *why;

		if (swp_vlan_check(&req->vlan, &why) < 0)
			ctl_reply_error(r, -EINVAL, "port set %s vlan: %s", name, why);
		else
			r->count = (uint32_t)sw_port_set_vlan(&d->sw, p, &req->vlan);
		return;
	}
	if (req->value < s->min || req->value > s->max) {
		ctl_reply_error(r, -ERANGE, "port set %s %s: %llu is not in %llu..%llu", name, s->name,
				(unsigned long long)req->value, (unsigned long long)s->min,
				(unsigned long long)s->max);
		return;
	}
	r->count = (uint32_t)sw_port_set(&d->sw, p, s->key, req->value);
}

struct cmd_mac_dump {
	struct daemon *d;
	struct ctl_reply *r;
	const struct port *only;
	int vlan; /* -1: every VLAN */
	uint64_t now;
};

static void cmd_mac_one(void *ctx, const struct fdb_entry *e)
{
	struct cmd_mac_dump *dump = ctx;
	const struct port *p = dump->d->sw.slots[e->port];
	struct swp_mac_entry m = { .vlan = e->key.vlan, .is_static = e->is_static };

	if ((dump->only && p != dump->only) || (dump->vlan >= 0 && e->key.vlan != dump->vlan))
		return;
	memcpy(m.mac, e->key.mac, 6);
	m.age = e->is_static ? 0 : fdb_entry_age(e, dump->now);
	swp_set_name(m.port, p->name);
	port_vxlan_remote_of(p, m.mac, m.remote, sizeof(m.remote));
	ctl_reply_add(dump->r, SWP_MAC_ENTRY, &m);
}

/*
 * One piece of a mac show: about SWITCHD_CTL_MORE_RECORDS entries, or a
 * bounded stretch of the table, so neither the loop nor a client's buffer
 * pays for a big table at once. True when the table has been covered.
 */
static bool cmd_mac_more(void *ctx, struct ctl_reply *r)
{
	struct cmd_mac_dump dump = { .d = ctx, .r = r, .vlan = (int)r->arg2 - 1 };
	uint32_t start = r->count, buckets = 0;

	dump.now = dump.d->sw.now();
	if (r->arg[0] && !(dump.only = sw_port_by_name(&dump.d->sw, r->arg)))
		return true; /* the port went away meanwhile: its entries with it */
	do {
		r->cursor = fdb_scan(&dump.d->sw.fdb, r->cursor, 64, cmd_mac_one, &dump);
		buckets += 64;
	} while (r->cursor && r->count - start < SWITCHD_CTL_MORE_RECORDS && buckets < 65536);
	return !r->cursor;
}

static void cmd_mac_show(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_mac_req *req = body;

	struct port *only;

	if (cmd_mac_port(d, "show", req, &only, r) < 0 || cmd_mac_vlan(req, "show", r) < 0)
		return;
	/* Which VTEP each MAC is behind: the kernel's FDB of each vxlan port, read once a show. */
	for (uint32_t i = 0; i < d->sw.nports; i++) {
		struct port *p = d->sw.active[i];

		if (p->vx && (!only || only == p))
			port_vxlan_fdb_refresh(p, fdb_port_count(&d->sw.fdb, p->slot));
	}
	if (!fdb_mac_is_zero(req->mac)) {
		/* One MAC: its entry in each VLAN it was seen in (or the one named), looked up, in one piece. */
		struct cmd_mac_dump dump = { .d = d, .r = r, .only = only, .vlan = -1, .now = d->sw.now() };
		uint32_t vlan = req->flags & SWP_MAC_F_VLAN ? req->vlan : 0;
		uint32_t last = req->flags & SWP_MAC_F_VLAN ? req->vlan : 4095;

		for (; vlan <= last; vlan++) {
			const struct fdb_entry *e = fdb_find(&d->sw.fdb, req->mac, (uint16_t)vlan);

			if (e)
				cmd_mac_one(&dump, e);
		}
		return;
	}
	if (only)
		swp_set_name(r->arg, only->name);
	r->arg2 = req->flags & SWP_MAC_F_VLAN ? (uint32_t)req->vlan + 1 : 0;
	r->cursor = 0;
	if (!cmd_mac_more(d, r))
		r->more = cmd_mac_more;
}

static void cmd_mac_flush(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_mac_req *req = body;

	struct port *only;

	/* Not flushed as if it named none: that would empty the whole table or port. */
	if (!fdb_mac_is_zero(req->mac)) {
		ctl_reply_error(r, -EINVAL, "mac flush: flushing one MAC is not supported");
		return;
	}
	if (cmd_mac_port(d, "flush", req, &only, r) < 0 || cmd_mac_vlan(req, "flush", r) < 0)
		return;
	if (req->flags & SWP_MAC_F_VLAN)
		r->count = fdb_flush_vlan(&d->sw.fdb, only ? only->slot : -1, req->vlan);
	else
		r->count = fdb_flush(&d->sw.fdb, only ? only->slot : -1);
	log_info("MAC table flushed%s%s%s: %u entries", only ? " on port " : "", only ? only->name : "",
		 req->flags & SWP_MAC_F_VLAN ? " in one VLAN" : "", r->count);
	sw_event(&d->sw, SWP_EV_MAC_FLUSHED, only, r->count, "by request");
}

static void cmd_mac_fmt(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A static entry: mac add MAC port NAME [vlan VID]. */
static void cmd_mac_add(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_mac_req *req = body;
	char mac[18];
	struct port *p;
	int rc;

	cmd_mac_fmt(mac, sizeof(mac), req->mac);
	if (cmd_mac_port(d, "add", req, &p, r) < 0 || cmd_mac_vlan(req, "add", r) < 0)
		return;
	if (!p) {
		ctl_reply_error(r, -EINVAL, "mac add %s: needs a port", mac);
		return;
	}
	if (fdb_mac_is_group(req->mac) || fdb_mac_is_zero(req->mac)) {
		ctl_reply_error(r, -EINVAL, "mac add %s: a group or all-zero address", mac);
		return;
	}
	if (p->observed & SW_DIR_DST) {
		ctl_reply_error(r, -EBUSY, "mac add %s: port %s is the destination of mirror %s: it gets no "
				"regular traffic", mac, p->name, mirror_of_dst(&d->mirrors, p)->name);
		return;
	}
	rc = sw_mac_add(&d->sw, req->mac, req->vlan, p);
	if (rc == -ENOSPC)
		ctl_reply_error(r, rc, "mac add %s: the MAC table is full of static entries (max-macs %u)",
				mac, d->sw.fdb.max);
	else if (rc < 0)
		ctl_reply_error(r, rc, "mac add %s: %s", mac, strerror(-rc));
	else
		log_info("static MAC %s vlan %u on port %s", mac, req->vlan, p->name);
}

/* mac del MAC [vlan VID]: that entry, static or learned. */
static void cmd_mac_del(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_mac_req *req = body;
	char mac[18];

	cmd_mac_fmt(mac, sizeof(mac), req->mac);
	if (cmd_mac_vlan(req, "del", r) < 0)
		return;
	if (sw_mac_del(&d->sw, req->mac, req->vlan) < 0)
		ctl_reply_error(r, -ENOENT, "mac del %s vlan %u: no such entry", mac, req->vlan);
	else
		r->count = 1;
}

static void cmd_status(struct daemon *d, const void *body, struct ctl_reply *r)
{
	(void)body;

	const struct fdb *fdb = &d->sw.fdb;
	const struct swp_setting *set;
	struct swp_status_info s = {
		.uptime = (d->sw.now() - d->sw.start_ms) / 1000,
		.ports = d->sw.nports,
		.macs = fdb->count,
		.mac_learned = fdb->st.learned,
		.mac_moved = fdb->st.moved,
		.mac_evicted = fdb->st.evicted,
		.mac_aged = fdb->st.aged,
	};

	/* Every setting of the table, as set would name it. */
	for (size_t i = 0; (set = swp_setting_at(i)); i++)
		s.settings[set->key - 1] = sw_setting(&d->sw, set->key);
	snprintf(s.version, sizeof(s.version), "%s", SWITCHD_VERSION);
	ctl_reply_add(r, SWP_STATUS_INFO, &s);
}

static void cmd_monitor(struct daemon *d, const void *body, struct ctl_reply *r)
{
	(void)d;
	(void)body;

	if (ctl_subscribe(r) < 0)
		ctl_reply_error(r, -EBUSY, "monitor: %u monitors already on this socket",
				SWITCHD_CTL_MAX_MONITORS);
}

/* mirror add NAME from PORT[,PORT...] [in|out|both] to PORT */
static void cmd_mirror_add(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_mirror *req = body;
	char why[SWP_ERR_MAX];
	int err = mirror_add(&d->mirrors, req->name, req->from, req->dir, req->to, r->conn->peer.config, why,
			     sizeof(why));

	if (err) {
		ctl_reply_error(r, err, "%s", why);
		return;
	}
	log_info("mirror %s: from %s (%s) to %s", req->name, req->from,
		 req->dir == SWP_MIRROR_IN ? "in" : req->dir == SWP_MIRROR_OUT ? "out" : "both", req->to);
}

static void cmd_mirror_del(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_mirror *req = body;

	if (mirror_del(&d->mirrors, req->name) < 0)
		ctl_reply_error(r, -ENOENT, "mirror del %.*s: no such mirror", SWP_MIRROR_NAME_MAX - 1, req->name);
}

/* Every mirror, in the order they were added, or the one named. */
static void cmd_mirror_show(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_mirror *req = body;

	if (req->name[0] && !mirror_find(&d->mirrors, req->name)) {
		ctl_reply_error(r, -ENOENT, "mirror show %.*s: no such mirror", SWP_MIRROR_NAME_MAX - 1, req->name);
		return;
	}
	for (uint32_t i = 0; i < d->mirrors.n; i++) {
		struct swp_mirror info;

		if (req->name[0] && strcmp(req->name, d->mirrors.m[i]->name))
			continue;
		mirror_info(d->mirrors.m[i], &info);
		ctl_reply_add(r, SWP_MIRROR_INFO, &info);
	}
}

static void cmd_trace_step(void *ctx, const struct swp_trace_step *s)
{
	ctl_reply_add(ctx, SWP_TRACE_STEP, s);
}

/* trace in PORT [src MAC] dst MAC [vlan VID] [type ETHERTYPE]: a minimum-size frame, traced, not sent. */
static void cmd_trace(struct daemon *d, const void *body, struct ctl_reply *r)
{
	static const uint8_t nobody[6] = { 0x02 }; /* a unicast source that passes the ingress checks */
	const struct swp_trace_req *req = body;
	uint8_t buf[64] = { 0 };
	struct frame f = { .data = buf, .len = 60 };
	uint16_t type = req->type ? req->type : 0x0800;
	char name[SWP_NAME_MAX];
	struct port *p;
	size_t off = 12;

	if (cmd_name(name, req->port) < 0 || !(p = sw_port_by_name(&d->sw, name))) {
		ctl_reply_error(r, -ENOENT, "trace in %.*s: no such port", SWP_NAME_MAX - 1, req->port);
		return;
	}
	if ((req->flags & SWP_TRACE_F_VLAN) && req->vlan > 4095) {
		ctl_reply_error(r, -ERANGE, "trace: vlan %u is not in 0..4095", req->vlan);
		return;
	}
	memcpy(buf, req->dst, 6);
	memcpy(buf + 6, req->flags & SWP_TRACE_F_SRC ? req->src : nobody, 6);
	if (req->flags & SWP_TRACE_F_VLAN) {
		buf[12] = 0x81;
		buf[14] = (uint8_t)(req->vlan >> 8);
		buf[15] = (uint8_t)req->vlan;
		off = 16;
		f.len = 64;
	}
	buf[off] = (uint8_t)(type >> 8);
	buf[off + 1] = (uint8_t)type;
	sw_trace(&d->sw, p, &f, req->flags & SWP_TRACE_F_SRC, d->sw.now(), cmd_trace_step, r);
}

static void cmd_capture(struct daemon *d, const void *body, struct ctl_reply *r)
{
	capture_start(&d->sw, &d->captures, r, body);
}

/* What a changing request is about, for the log: a port name, a setting's name, a MAC. */
#define CMD_SUBJECT_MAX 24

/*
 * src, at most n - 1 bytes of it, for the log: every byte that is not
 * printable ASCII becomes '?', and so does a space unless spaces are allowed
 * (a name has none: one would read as another field of the line).
 */
static void cmd_printable(char *dst, const char *src, size_t n, bool spaces)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = (src[i] > ' ' || (spaces && src[i] == ' ')) && src[i] < 0x7f ? src[i] : '?';
	dst[i] = 0;
}

/* What a changing request is about, for the log: the client's bytes, so bounded and printable. */
static void cmd_subject_port(const void *body, char out[CMD_SUBJECT_MAX])
{
	cmd_printable(out, ((const struct swp_port_req *)body)->name, SWP_NAME_MAX, false);
}

static void cmd_subject_mac(const void *body, char out[CMD_SUBJECT_MAX])
{
	cmd_printable(out, ((const struct swp_mac_req *)body)->port, SWP_NAME_MAX, false);
}

static void cmd_subject_port_set(const void *body, char out[CMD_SUBJECT_MAX])
{
	cmd_printable(out, ((const struct swp_port_set_req *)body)->name, SWP_NAME_MAX, false);
}

static void cmd_subject_mac_addr(const void *body, char out[CMD_SUBJECT_MAX])
{
	cmd_mac_fmt(out, CMD_SUBJECT_MAX, ((const struct swp_mac_req *)body)->mac);
}

static void cmd_subject_mirror(const void *body, char out[CMD_SUBJECT_MAX])
{
	cmd_printable(out, ((const struct swp_mirror *)body)->name, CMD_SUBJECT_MAX, false);
}

static void cmd_subject_set(const void *body, char out[CMD_SUBJECT_MAX])
{
	const struct swp_setting *s = swp_setting_by_key(((const struct swp_set_req *)body)->key);

	snprintf(out, CMD_SUBJECT_MAX, "%s", s ? s->name : "?");
}

/* Not a change, but it sees everyone's traffic: refused on the read-only socket, and logged. */
static void cmd_subject_capture(const void *body, char out[CMD_SUBJECT_MAX])
{
	const struct swp_capture_req *req = body;

	cmd_printable(out, req->ports[0] ? req->ports : "all", CMD_SUBJECT_MAX, false);
}

static void cmd_set(struct daemon *d, const void *body, struct ctl_reply *r)
{
	const struct swp_set_req *req = body;

	const struct swp_setting *s = swp_setting_by_key(req->key);
	uint64_t old;
	uint32_t evicted;

	if (!s) {
		ctl_reply_error(r, -EINVAL, "set: unknown setting %u", req->key);
		return;
	}
	if (req->value < s->min || req->value > s->max) {
		ctl_reply_error(r, -ERANGE, "set %s: %llu is not in %llu..%llu", s->name,
				(unsigned long long)req->value, (unsigned long long)s->min,
				(unsigned long long)s->max);
		return;
	}
	old = sw_setting(&d->sw, s->key);
	evicted = sw_set(&d->sw, s->key, req->value);
	r->count = evicted;
	if (evicted)
		log_info("set %s %llu -> %llu: %u MAC entries evicted", s->name,
			 (unsigned long long)old, (unsigned long long)req->value, evicted);
	else if (old != req->value)
		log_info("set %s %llu -> %llu", s->name, (unsigned long long)old,
			 (unsigned long long)req->value);
}

/*
 * The requests. A changing one (it has a subject) is refused on the
 * read-only socket and logged with who sent it and what came of it.
 */
static const struct cmd_def {
	uint16_t type;
	const char *verb; /* as the log and refusals name it */
	void (*handle)(struct daemon *d, const void *body, struct ctl_reply *r);
	void (*subject)(const void *body, char out[CMD_SUBJECT_MAX]); /* NULL: it changes nothing */
} cmd_defs[] = {
	{ SWP_PORT_ADD, "port add", cmd_port_add, cmd_subject_port },
	{ SWP_PORT_DEL, "port del", cmd_port_del, cmd_subject_port },
	{ SWP_PORT_SHOW, "port show", cmd_port_show, NULL },
	{ SWP_PORT_CLEAR, "port clear", cmd_port_clear, cmd_subject_port },
	{ SWP_MAC_SHOW, "mac show", cmd_mac_show, NULL },
	{ SWP_MAC_FLUSH, "mac flush", cmd_mac_flush, cmd_subject_mac },
	{ SWP_STATUS, "status", cmd_status, NULL },
	{ SWP_MONITOR, "monitor", cmd_monitor, NULL },
	{ SWP_SET, "set", cmd_set, cmd_subject_set },
	{ SWP_PORT_SET, "port set", cmd_port_set, cmd_subject_port_set },
	{ SWP_PORT_REMOTE_ADD, "port set remote add", cmd_port_remote_add, cmd_subject_port },
	{ SWP_PORT_REMOTE_DEL, "port set remote del", cmd_port_remote_del, cmd_subject_port },
	{ SWP_MAC_ADD, "mac add", cmd_mac_add, cmd_subject_mac_addr },
	{ SWP_MAC_DEL, "mac del", cmd_mac_del, cmd_subject_mac_addr },
	{ SWP_MIRROR_ADD, "mirror add", cmd_mirror_add, cmd_subject_mirror },
	{ SWP_MIRROR_DEL, "mirror del", cmd_mirror_del, cmd_subject_mirror },
	{ SWP_MIRROR_SHOW, "mirror show", cmd_mirror_show, NULL },
	{ SWP_TRACE, "trace", cmd_trace, NULL },
	{ SWP_CAPTURE, "capture", cmd_capture, cmd_subject_capture },
};

void cmd_handle(void *ctx, const struct swp_hdr *hdr, const void *body, struct ctl_reply *r)
{
	const struct ctl_peer *peer = &r->conn->peer;
	const struct cmd_def *c = NULL;
	char subject[CMD_SUBJECT_MAX], why[SWP_ERR_MAX];
	const char *verb;

	for (size_t i = 0; i < sizeof(cmd_defs) / sizeof(cmd_defs[0]) && !c; i++)
		if (cmd_defs[i].type == hdr->type)
			c = &cmd_defs[i];
	if (!c) {
		ctl_reply_error(r, -EOPNOTSUPP, "message type %u is not a request", hdr->type);
		return;
	}
	if (!c->subject) {
		c->handle(ctx, body, r);
		return;
	}
	verb = c->verb;
	c->subject(body, subject);
	if (peer->readonly)
		ctl_reply_error(r, -EPERM, "%s%s%s: refused on the read-only socket", verb,
				subject[0] ? " " : "", subject);
	else
		c->handle(ctx, body, r);
	/*
	 * An error message names the request already; a refusal or failure is worth
	 * a warning. The message may quote the client's bytes: log them printable.
	 */
	if (r->status)
		cmd_printable(why, r->msg, sizeof(why), true);
	/* A line of the file that fails is logged by its reader, once, with file:line. */
	if (peer->config && r->status)
		;
	else if (peer->config)
		log_info("config: %s %s: done", verb, subject[0] ? subject : "(all)");
	else if (r->status)
		log_warn("control: from uid %u pid %d: %s", peer->uid, (int)peer->pid, why);
	else
		log_info("control: %s %s from uid %u pid %d: done", verb, subject[0] ? subject : "(all)",
			 peer->uid, (int)peer->pid);
}
