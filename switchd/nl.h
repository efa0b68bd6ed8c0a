/* rtnetlink through libmnl: link queries, link up, and the link event monitor. */
#ifndef SWITCHD_NL_H
#define SWITCHD_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <net/if.h>
#include <stddef.h>

struct mnl_socket;

struct nl_link {
	int ifindex;
	uint32_t mtu;
	uint32_t flags; /* IFF_* */
	uint16_t type;  /* ARPHRD_* */
	char name[IFNAMSIZ];
	char kind[16]; /* IFLA_INFO_KIND: "tun", "veth", ... or "" */
	bool moved;    /* RTM_DELLINK because it moved to another netns */
	int link;      /* IFLA_LINK: a veth's peer's ifindex (in link_nsid's namespace), or 0 */
	int link_nsid; /* IFLA_LINK_NETNSID: the peer's namespace as an id of ours, or -1: this one */
};

/* type is RTM_NEWLINK or RTM_DELLINK. */
typedef void (*nl_link_cb)(void *ctx, int type, const struct nl_link *l);
/* Events were lost (socket overrun): re-check everything. */
typedef void (*nl_resync_cb)(void *ctx);

struct nl {
	struct mnl_socket *req, *mon;
	uint32_t seq;
	ev_io io;
	struct ev_loop *loop;
	nl_link_cb cb;
	nl_resync_cb resync;
	void *ctx;
};

int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* -ENODEV when there is no such interface. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *l);
/*
 * The link with ifindex (or, when it is 0, called name) in the namespace
 * whose id (as this namespace numbers them: nl_link.link_nsid, nl_netns_id)
 * is nsid. -ENODEV when there is none.
 */
int nl_link_get_in(struct nl *nl, int nsid, int ifindex, const char *name, struct nl_link *l);
/* The id this namespace gives the network namespace netns_fd refers to (>= 0), or -errno. */
int nl_netns_id(struct nl *nl, int netns_fd);
int nl_link_set_up(struct nl *nl, int ifindex);
/*
 * No IPv6 address of the host's own on the link (addr_gen_mode none), set
 * while it is down: on an interface switchd made for the switch, the host's
 * stack would otherwise send router solicitations and MLD reports into it.
 */
int nl_link_no_ipv6_addr(struct nl *nl, int ifindex);
/*
 * Creates a veth pair, both ends up: name in this namespace, peer in the
 * network namespace that netns_fd refers to. Returns name's ifindex, or
 * -EEXIST when either name is taken, or another -errno; on failure no pair
 * is left.
 */
int nl_veth_add(struct nl *nl, const char *name, const char *peer, int netns_fd, uint32_t mtu);

/* An IPv4 or IPv6 address: family AF_INET (a[0..3]) or AF_INET6; 0: none. */
struct nl_addr {
	int family;
	uint8_t a[16];
};
/* "192.0.2.1" or "2001:db8::1": 0, or -EINVAL. */
int nl_addr_parse(const char *s, struct nl_addr *out);
void nl_addr_format(const struct nl_addr *a, char *buf, size_t len);
bool nl_addr_eq(const struct nl_addr *a, const struct nl_addr *b);

/* A vxlan device as switchd makes it (ip link add NAME type vxlan id VNI ...). */
struct nl_vxlan {
	uint32_t vni;
	uint16_t dstport;     /* host order */
	struct nl_addr local; /* family 0: none */
	struct nl_addr group; /* family 0: none (unicast: the flood list is the FDB's zero entries) */
	int link;	      /* the underlay device's ifindex, or 0 */
	uint32_t mtu;	      /* 0: the kernel's */
};
/*
 * Creates it, learning on and down; returns its ifindex, or -EEXIST when the
 * name is taken, -EOPNOTSUPP when the kernel has no vxlan, or another -errno.
 */
int nl_vxlan_add(struct nl *nl, const char *name, const struct nl_vxlan *vx);
/*
 * The all-zero FDB entry of a vxlan device towards dst (bridge fdb append
 * 00:00:00:00:00:00 dev NAME dst DST): a head-end replication target. add
 * false deletes it.
 */
int nl_fdb_zero(struct nl *nl, int ifindex, const struct nl_addr *dst, bool add);
/* One FDB entry of a vxlan device: a MAC (not the zero one) and the VTEP it is behind. */
struct nl_fdb {
	uint8_t mac[6];
	struct nl_addr dst;
};
/*
 * The entries of ifindex's FDB that have a MAC and a dst, into out (at most
 * max): how many, or -errno.
 */
int nl_fdb_dump(struct nl *nl, int ifindex, struct nl_fdb *out, size_t max);
/* Deletes an interface (a veth end takes its peer along). */
int nl_link_del(struct nl *nl, int ifindex);

int nl_monitor_start(struct nl *nl, struct ev_loop *loop, nl_link_cb cb, nl_resync_cb resync,
		     void *ctx);

#endif
