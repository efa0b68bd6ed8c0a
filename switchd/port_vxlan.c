/*
 * A vxlan port: a kernel vxlan device switchd creates (RFC 7348 by the
 * kernel, its offloads included), attached as an afpacket port. Its flood
 * list is the device's all-zero FDB entries, one per remote (head-end
 * replication), or a multicast group; the kernel learns which VTEP each
 * inner MAC is behind, which mac show reads back.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "nl.h"
#include "port.h"

#define VXLAN_VNI_MAX 16777215u
#define VXLAN_PORT_DEFAULT 4789
/* What the encapsulation takes of the underlay's MTU: outer Ethernet is not counted, inner Ethernet is. */
#define VXLAN_OVERHEAD_V4 50 /* IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 */
#define VXLAN_OVERHEAD_V6 70 /* IPv6 40 + ... */

struct port_vxlan {
	struct nl_vxlan cfg;
	char dev[IFNAMSIZ];
	int family; /* of the underlay: AF_INET or AF_INET6 */
	struct nl_addr remotes[SWP_REMOTES_MAX];
	unsigned nremotes;
	/* The kernel's FDB as mac show last read it, sorted by MAC. */
	struct nl_fdb *fdb;
	size_t nfdb;
};

/* Whether addr is one of this host's (in switchd's namespace): the kernel would send from nowhere else. */
static bool vx_addr_is_ours(const struct nl_addr *addr, char ifname[IFNAMSIZ])
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return true; /* cannot tell: let the kernel decide */
	for (i = ifa; i && !found; i = i->ifa_next) {
		struct nl_addr a = { 0 };

		if (!i->ifa_addr || i->ifa_addr->sa_family != addr->family)
			continue;
		a.family = addr->family;
		if (a.family == AF_INET)
			memcpy(a.a, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
		else
			memcpy(a.a, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
		if (nl_addr_eq(&a, addr)) {
			found = true;
			snprintf(ifname, IFNAMSIZ, "%s", i->ifa_name);
		}
	}
	freeifaddrs(ifa);
	return found;
}

/* The path MTU the host's routes give towards dst (a connected UDP socket's IP_MTU), or 0. */
static uint32_t vx_route_mtu(const struct nl_addr *dst)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl, ol = sizeof(int);
	int fd, mtu = 0;

	if (dst->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(VXLAN_PORT_DEFAULT);
		memcpy(&sin->sin_addr, dst->a, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(VXLAN_PORT_DEFAULT);
		memcpy(&sin6->sin6_addr, dst->a, 16);
		sl = sizeof(*sin6);
	}
	fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	/* connect() on UDP sends nothing: it looks the route up. */
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockopt(fd, dst->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		       dst->family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &ol) < 0)
		mtu = 0;
	close(fd);
	return mtu > 0 ? (uint32_t)mtu : 0;
}

/* "a,b,c" into v->remotes: 0, or -errno described in why. */
static int vx_parse_remotes(struct port_vxlan *v, const char *list, char *why, size_t whylen)
{
	char buf[SWP_REMOTES_LEN], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct nl_addr a;

		if (nl_addr_parse(tok, &a) < 0) {
			snprintf(why, whylen, "remote '%.*s' is not an IPv4 or IPv6 address", SWP_ADDR_MAX, tok);
			return -EINVAL;
		}
		for (unsigned i = 0; i < v->nremotes; i++)
			if (nl_addr_eq(&v->remotes[i], &a)) {
				snprintf(why, whylen, "remote %.*s is given twice", SWP_ADDR_MAX, tok);
				return -EINVAL;
			}
		if (v->nremotes == SWP_REMOTES_MAX) {
			snprintf(why, whylen, "at most %d remotes", SWP_REMOTES_MAX);
			return -E2BIG;
		}
		v->remotes[v->nremotes++] = a;
	}
	return 0;
}

static bool vx_is_multicast(const struct nl_addr *a)
{
	return a->family == AF_INET ? (a->a[0] & 0xf0) == 0xe0 : a->a[0] == 0xff;
}

/* The request checked into v: 0, or -errno described in why. */
static int vx_config(struct nl *nl, struct port_vxlan *v, const struct swp_vxlan *req, char *why, size_t whylen)
{
	char ifname[IFNAMSIZ] = "";
	uint32_t under = 0;
	struct nl_link l;
	int err;

	if (req->vni < 1 || req->vni > VXLAN_VNI_MAX) {
		snprintf(why, whylen, "vni %u is not in 1..%u", req->vni, VXLAN_VNI_MAX);
		return -ERANGE;
	}
	if (req->dstport > 65535) {
		snprintf(why, whylen, "dstport %u is not in 1..65535", req->dstport);
		return -ERANGE;
	}
	v->cfg.vni = req->vni;
	v->cfg.dstport = req->dstport ? (uint16_t)req->dstport : VXLAN_PORT_DEFAULT;
	if ((err = vx_parse_remotes(v, req->remotes, why, whylen)))
		return err;
	if (req->local[0] && nl_addr_parse(req->local, &v->cfg.local) < 0) {
		snprintf(why, whylen, "local '%s' is not an IPv4 or IPv6 address", req->local);
		return -EINVAL;
	}
	if (req->group[0] && (nl_addr_parse(req->group, &v->cfg.group) < 0 || !vx_is_multicast(&v->cfg.group))) {
		snprintf(why, whylen, "group '%s' is not a multicast address", req->group);
		return -EINVAL;
	}
	if (v->cfg.group.family && v->nremotes) {
		snprintf(why, whylen, "a multicast group replaces the remotes: give one or the other");
		return -EINVAL;
	}
	v->family = v->cfg.local.family ? v->cfg.local.family
		    : v->cfg.group.family ? v->cfg.group.family
		    : v->nremotes	  ? v->remotes[0].family
					  : AF_INET;
	if ((v->cfg.local.family && v->cfg.local.family != v->family) ||
	    (v->cfg.group.family && v->cfg.group.family != v->family)) {
		snprintf(why, whylen, "local and group must both be IPv4 or both IPv6");
		return -EINVAL;
	}
	for (unsigned i = 0; i < v->nremotes; i++)
		if (v->remotes[i].family != v->family) {
			snprintf(why, whylen, "the remotes and local must all be IPv4 or all IPv6");
			return -EINVAL;
		}
	/* The kernel picks the socket's family from local or group: an IPv6 flood list needs one. */
	if (v->family == AF_INET6 && !v->cfg.local.family && !v->cfg.group.family) {
		snprintf(why, whylen, "an IPv6 underlay needs local ADDR (this host's address on it)");
		return -EINVAL;
	}
	if (v->cfg.local.family && !vx_addr_is_ours(&v->cfg.local, ifname)) {
		snprintf(why, whylen, "local %s is not an address of this host", req->local);
		return -EADDRNOTAVAIL;
	}
	if (req->dev[0]) {
		if (nl_link_get(nl, req->dev, &l) < 0) {
			snprintf(why, whylen, "dev %s: no such interface", req->dev);
			return -ENODEV;
		}
		snprintf(v->dev, sizeof(v->dev), "%s", req->dev);
		v->cfg.link = l.ifindex;
		under = l.mtu;
	} else if (v->cfg.group.family) {
		snprintf(why, whylen, "a multicast group needs dev IF, the interface it is joined on");
		return -EINVAL;
	}
	/* The underlay's MTU: the device's, else the route's towards the first remote, else local's link. */
	if (!under && v->nremotes)
		under = vx_route_mtu(&v->remotes[0]);
	if (!under && ifname[0] && nl_link_get(nl, ifname, &l) == 0)
		under = l.mtu;
	if (!under)
		under = 1500;
	v->cfg.mtu = under - (v->family == AF_INET ? VXLAN_OVERHEAD_V4 : VXLAN_OVERHEAD_V6);
	if (under <= VXLAN_OVERHEAD_V6 + 68) {
		snprintf(why, whylen, "the underlay's MTU %u leaves no room for frames", under);
		return -EINVAL;
	}
	return 0;
}

int port_open_vxlan(struct nl *nl, const struct port_opts *po, const char *name, const struct swp_vxlan *req,
		    struct port **out, char *why, size_t whylen)
{
	struct port_vxlan *v;
	struct nl_link l;
	char a[SWP_ADDR_MAX];
	int ifindex, err;

	why[0] = '\0';
	if (!port_name_valid(name)) {
		snprintf(why, whylen, "invalid interface name '%s'", name);
		return -EINVAL;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = vx_config(nl, v, req, why, whylen);
	if (err)
		goto fail;
	if (nl_link_get(nl, name, &l) == 0) {
		snprintf(why, whylen, "interface %s already exists (switchd creates the vxlan device)", name);
		err = -EEXIST;
		goto fail;
	}
	ifindex = nl_vxlan_add(nl, name, &v->cfg);
	if (ifindex < 0) {
		err = ifindex;
		if (err == -EOPNOTSUPP)
			snprintf(why, whylen, "this kernel has no vxlan support (CONFIG_VXLAN)");
		else if (err == -EEXIST)
			snprintf(why, whylen, "interface %s already exists, or another vxlan device has vni %u "
					      "and dstport %u",
				 name, v->cfg.vni, v->cfg.dstport);
		else
			snprintf(why, whylen, "cannot create the vxlan device: %s", strerror(-err));
		goto fail;
	}
	for (unsigned i = 0; i < v->nremotes; i++)
		if ((err = nl_fdb_zero(nl, ifindex, &v->remotes[i], true))) {
			nl_addr_format(&v->remotes[i], a, sizeof(a));
			snprintf(why, whylen, "cannot add remote %s: %s", a, strerror(-err));
			nl_link_del(nl, ifindex);
			goto fail;
		}
	err = port_open(nl, po, name, SWP_PORT_AFPACKET, out, why, whylen);
	if (err) {
		nl_link_del(nl, ifindex);
		goto fail;
	}
	(*out)->created = true;
	(*out)->nl = nl;
	(*out)->vx = v;
	return 0;
fail:
	free(v);
	return err;
}

int port_vxlan_remote(struct port *p, const char *addr, bool add, char *why, size_t whylen)
{
	struct port_vxlan *v = p->vx;
	struct nl_addr a;
	unsigned i;
	int err;

	why[0] = '\0';
	if (!v) {
		snprintf(why, whylen, "not a vxlan port");
		return -EINVAL;
	}
	if (nl_addr_parse(addr, &a) < 0) {
		snprintf(why, whylen, "'%.*s' is not an IPv4 or IPv6 address", SWP_ADDR_MAX, addr);
		return -EINVAL;
	}
	if (v->cfg.group.family) {
		snprintf(why, whylen, "the port floods to its multicast group, not to remotes");
		return -EINVAL;
	}
	if (a.family != v->family) {
		snprintf(why, whylen, "the port's underlay is %s", v->family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	for (i = 0; i < v->nremotes && !nl_addr_eq(&v->remotes[i], &a); i++)
		;
	if (add && i < v->nremotes)
		return 0; /* has it: nothing to change */
	if (!add && i == v->nremotes) {
		snprintf(why, whylen, "no remote %s", addr);
		return -ENOENT;
	}
	if (add && v->nremotes == SWP_REMOTES_MAX) {
		snprintf(why, whylen, "at most %d remotes", SWP_REMOTES_MAX);
		return -E2BIG;
	}
	err = nl_fdb_zero(p->nl, p->ifindex, &a, add);
	if (err) {
		snprintf(why, whylen, "%s", strerror(-err));
		return err;
	}
	if (add) {
		v->remotes[v->nremotes++] = a;
	} else {
		memmove(&v->remotes[i], &v->remotes[i + 1], (v->nremotes - i - 1) * sizeof(v->remotes[0]));
		v->nremotes--;
	}
	return 1;
}

void port_vxlan_info(const struct port *p, struct swp_vxlan *out)
{
	const struct port_vxlan *v = p->vx;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (!v)
		return;
	out->vni = v->cfg.vni;
	out->dstport = v->cfg.dstport;
	nl_addr_format(&v->cfg.local, out->local, sizeof(out->local));
	nl_addr_format(&v->cfg.group, out->group, sizeof(out->group));
	snprintf(out->dev, sizeof(out->dev), "%s", v->dev);
	for (unsigned i = 0; i < v->nremotes; i++) {
		char a[SWP_ADDR_MAX];

		nl_addr_format(&v->remotes[i], a, sizeof(a));
		off += (size_t)snprintf(out->remotes + off, sizeof(out->remotes) - off, "%s%s", i ? "," : "", a);
	}
}

bool port_vxlan_has_remote(const struct port *p, const char *addr)
{
	struct nl_addr a;

	if (!p->vx || nl_addr_parse(addr, &a) < 0)
		return false;
	for (unsigned i = 0; i < p->vx->nremotes; i++)
		if (nl_addr_eq(&p->vx->remotes[i], &a))
			return true;
	return false;
}

static int vx_fdb_cmp(const void *a, const void *b)
{
	return memcmp(((const struct nl_fdb *)a)->mac, ((const struct nl_fdb *)b)->mac, 6);
}

void port_vxlan_fdb_refresh(struct port *p, size_t hint)
{
	struct port_vxlan *v = p->vx;
	struct nl_fdb *n;
	int got;

	if (!v)
		return;
	v->nfdb = 0;
	/* The entries that matter are those switchd has on the port; a few more for what changed since. */
	hint += 64;
	n = realloc(v->fdb, hint * sizeof(*n));
	if (!n)
		return;
	v->fdb = n;
	got = nl_fdb_dump(p->nl, p->ifindex, v->fdb, hint);
	if (got < 0) {
		log_warn("port %s: cannot read the vxlan FDB: %s", p->name, strerror(-got));
		return;
	}
	v->nfdb = (size_t)got;
	qsort(v->fdb, v->nfdb, sizeof(*v->fdb), vx_fdb_cmp);
}

void port_vxlan_remote_of(const struct port *p, const uint8_t mac[6], char *buf, size_t len)
{
	const struct nl_fdb *e;
	struct nl_fdb key;

	buf[0] = '\0';
	if (!p->vx || !p->vx->nfdb)
		return;
	memcpy(key.mac, mac, 6);
	e = bsearch(&key, p->vx->fdb, p->vx->nfdb, sizeof(key), vx_fdb_cmp);
	if (e)
		nl_addr_format(&e->dst, buf, len);
}

void port_vxlan_free(struct port *p)
{
	if (p->vx) {
		free(p->vx->fdb);
		free(p->vx);
		p->vx = NULL;
	}
}
