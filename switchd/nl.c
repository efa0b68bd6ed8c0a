#include "nl.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct nl_parse {
	struct nl_link *l;
	const struct nlattr *linkinfo;
};

static int nl_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_parse *ps = data;
	struct nl_link *l = ps->l;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_NEW_NETNSID:
		l->moved = true;
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			l->link = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			l->link_nsid = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			ps->linkinfo = a;
		break;
	}
	return MNL_CB_OK;
}

static int nl_info_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
		snprintf(l->kind, sizeof(l->kind), "%.*s", (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
	return MNL_CB_OK;
}

/* Fills l from an RTM_NEWLINK/RTM_DELLINK message. */
static int nl_parse_link(const struct nlmsghdr *nlh, struct nl_link *l)
{
	const struct ifinfomsg *ifi;
	struct nl_parse ps = { .l = l };

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	l->link_nsid = -1;
	mnl_attr_parse(nlh, sizeof(*ifi), nl_attr_cb, &ps);
	if (ps.linkinfo)
		mnl_attr_parse_nested(ps.linkinfo, nl_info_cb, l);
	l->name[sizeof(l->name) - 1] = '\0';
	return 0;
}

int nl_open(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->seq = (uint32_t)time(NULL);
	nl->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct timeval tv = { .tv_sec = 2 };

	if (!nl->req || mnl_socket_bind(nl->req, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* The kernel answers at once; never let a lost reply hang the daemon. */
	setsockopt(mnl_socket_get_fd(nl->req), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
fail:
	nl_close(nl);
	return -errno;
}

void nl_close(struct nl *nl)
{
	if (nl->loop && nl->mon)
		ev_io_stop(nl->loop, &nl->io);
	if (nl->req)
		mnl_socket_close(nl->req);
	if (nl->mon)
		mnl_socket_close(nl->mon);
	nl->req = nl->mon = NULL;
}

/* Sends a request and runs its replies through cb until the ack or the dump's end. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(nl->req);
	uint32_t seq = ++nl->seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->req, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

static int nl_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		nl_parse_link(nlh, data);
	return MNL_CB_OK;
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	int err;

	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	memset(l, 0, sizeof(*l));
	err = nl_talk(nl, nlh, nl_get_cb, l);
	return err ? err : (l->ifindex ? 0 : -ENODEV);
}

int nl_link_get_in(struct nl *nl, int nsid, int ifindex, const char *name, struct nl_link *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	int err;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (!ifindex) {
		if (!name || strlen(name) >= IFNAMSIZ)
			return -ENODEV;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	memset(l, 0, sizeof(*l));
	err = nl_talk(nl, nlh, nl_get_cb, l);
	return err ? err : (l->ifindex ? 0 : -ENODEV);
}

static int nl_nsid_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NETNSA_NSID && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
		*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int nl_nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWNSID)
		mnl_attr_parse(nlh, sizeof(struct rtgenmsg), nl_nsid_attr_cb, data);
	return MNL_CB_OK;
}

int nl_netns_id(struct nl *nl, int netns_fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	int id = -1, err;

	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)netns_fd);
	err = nl_talk(nl, nlh, nl_nsid_cb, &id);
	if (err)
		return err;
	/* NETNSA_NSID_NOT_ASSIGNED: no link of ours points there. */
	return id >= 0 ? id : -ENOENT;
}

/* A link request about ifindex in buf: header and ifinfomsg; the caller adds what it changes. */
static struct nlmsghdr *nl_link_msg(char *buf, uint16_t type, int ifindex, struct ifinfomsg **ifip)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ifip)
		*ifip = ifi;
	return nlh;
}

int nl_link_set_up(struct nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_link_msg(buf, RTM_NEWLINK, ifindex, &ifi);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_link_no_ipv6_addr(struct nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_link_msg(buf, RTM_NEWLINK, ifindex, NULL);
	struct nlattr *spec, *inet6;

	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_veth_add(struct nl *nl, const char *name, const char *peer, int netns_fd, uint32_t mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *info, *data, *end;
	struct ifinfomsg *ifi;
	struct nl_link l;
	int err;

	if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ)
		return -EINVAL;
	/*
	 * The link this message describes is the namespace's end, created there
	 * (IFLA_NET_NS_FD) and up (IFF_UP); ours is its VETH_INFO_PEER, which
	 * lands in our namespace. Not the other way round: the kernel opens a
	 * VETH_INFO_PEER before the two are paired, and an unpaired veth refuses
	 * to come up (ENOTCONN, seen on 6.18), while bringing the namespace's end
	 * up later would take entering the namespace.
	 */
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The peer is described like a link of its own: an ifinfomsg, then its attributes. */
	end = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, end);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err)
		return err;
	err = nl_link_get(nl, name, &l);
	if (err)
		return err; /* -ENODEV: the namespace ended already, and took the pair along */
	/* Our end is the switch's: the host's own IPv6 has nothing to say on it. */
	nl_link_no_ipv6_addr(nl, l.ifindex);
	err = nl_link_set_up(nl, l.ifindex);
	if (err) {
		nl_link_del(nl, l.ifindex);
		return err;
	}
	return l.ifindex;
}

int nl_link_del(struct nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, nl_link_msg(buf, RTM_DELLINK, ifindex, NULL), NULL, NULL);
}

int nl_addr_parse(const char *s, struct nl_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, s, out->a) == 1)
		out->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

void nl_addr_format(const struct nl_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "%s", "");
}

bool nl_addr_eq(const struct nl_addr *a, const struct nl_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

static size_t nl_addr_len(const struct nl_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int nl_vxlan_add(struct nl *nl, const char *name, const struct nl_vxlan *vx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *info, *data;
	struct ifinfomsg *ifi;
	struct nl_link l;
	bool v6 = vx->local.family == AF_INET6 || vx->group.family == AF_INET6;
	int err;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (vx->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, vx->mtu);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, vx->vni);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(vx->dstport));
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 1);
	if (vx->local.family)
		mnl_attr_put(nlh, v6 ? IFLA_VXLAN_LOCAL6 : IFLA_VXLAN_LOCAL, nl_addr_len(&vx->local),
			     vx->local.a);
	if (vx->group.family)
		mnl_attr_put(nlh, v6 ? IFLA_VXLAN_GROUP6 : IFLA_VXLAN_GROUP, nl_addr_len(&vx->group),
			     vx->group.a);
	if (vx->link)
		mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, (uint32_t)vx->link);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	err = nl_talk(nl, nlh, NULL, NULL);
	/* A kernel without CONFIG_VXLAN has no such kind: "unknown device type". */
	if (err == -EOPNOTSUPP || err == -ENOENT)
		return -EOPNOTSUPP;
	if (err)
		return err;
	err = nl_link_get(nl, name, &l);
	if (err)
		return err;
	nl_link_no_ipv6_addr(nl, l.ifindex);
	return l.ifindex;
}

int nl_fdb_zero(struct nl *nl, int ifindex, const struct nl_addr *dst, bool add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	static const uint8_t zero[6];
	struct ndmsg *nd;

	nlh->nlmsg_type = add ? RTM_NEWNEIGH : RTM_DELNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_APPEND : 0);
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_BRIDGE;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT | NUD_NOARP;
	nd->ndm_flags = NTF_SELF;
	mnl_attr_put(nlh, NDA_LLADDR, 6, zero);
	mnl_attr_put(nlh, NDA_DST, nl_addr_len(dst), dst->a);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct nl_fdb_walk {
	int ifindex;
	struct nl_fdb *out;
	size_t max, n;
};

static int nl_fdb_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t == NDA_LLADDR || t == NDA_DST)
		tb[t] = a;
	return MNL_CB_OK;
}

static int nl_fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NDA_MAX + 1] = { 0 };
	struct nl_fdb_walk *w = data;
	const struct ndmsg *nd;
	struct nl_fdb *e;
	uint16_t dlen;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nd)))
		return MNL_CB_OK;
	nd = mnl_nlmsg_get_payload(nlh);
	if (nd->ndm_ifindex != w->ifindex || w->n >= w->max)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*nd), nl_fdb_attr_cb, tb);
	if (!tb[NDA_LLADDR] || !tb[NDA_DST] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return MNL_CB_OK;
	dlen = mnl_attr_get_payload_len(tb[NDA_DST]);
	if (dlen != 4 && dlen != 16)
		return MNL_CB_OK;
	e = &w->out[w->n];
	memcpy(e->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	if (!(e->mac[0] | e->mac[1] | e->mac[2] | e->mac[3] | e->mac[4] | e->mac[5]))
		return MNL_CB_OK; /* the flood list */
	memset(&e->dst, 0, sizeof(e->dst));
	e->dst.family = dlen == 4 ? AF_INET : AF_INET6;
	memcpy(e->dst.a, mnl_attr_get_payload(tb[NDA_DST]), dlen);
	w->n++;
	return MNL_CB_OK;
}

int nl_fdb_dump(struct nl *nl, int ifindex, struct nl_fdb *out, size_t max)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nl_fdb_walk w = { .ifindex = ifindex, .out = out, .max = max };
	struct ndmsg *nd;
	int err;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_BRIDGE;
	err = nl_talk(nl, nlh, nl_fdb_cb, &w);
	return err ? err : (int)w.n;
}

static int nl_event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl *nl = data;
	struct nl_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (nl_parse_link(nlh, &l) == 0)
		nl->cb(nl->ctx, nlh->nlmsg_type, &l);
	return MNL_CB_OK;
}

static void nl_mon_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct nl *nl = w->data;
	char buf[MNL_SOCKET_BUFFER_SIZE];

	for (int i = 0; i < 64; i++) {
		ssize_t n = mnl_socket_recvfrom(nl->mon, buf, sizeof(buf));

		if (n < 0) {
			if (errno == ENOBUFS) {
				log_warn("%s: link events lost, re-checking ports", __func__);
				nl->resync(nl->ctx);
				continue;
			}
			return; /* EAGAIN */
		}
		mnl_cb_run(buf, (size_t)n, 0, 0, nl_event_cb, nl);
	}
}

int nl_monitor_start(struct nl *nl, struct ev_loop *loop, nl_link_cb cb, nl_resync_cb resync,
		     void *ctx)
{
	int fd, bufsz = 1 << 20;

	nl->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->mon || mnl_socket_bind(nl->mon, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	fd = mnl_socket_get_fd(nl->mon);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));
	nl->loop = loop;
	nl->cb = cb;
	nl->resync = resync;
	nl->ctx = ctx;
	ev_io_init(&nl->io, nl_mon_cb, fd, EV_READ);
	nl->io.data = nl;
	ev_io_start(loop, &nl->io);
	return 0;
}
