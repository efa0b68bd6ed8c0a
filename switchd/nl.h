/* rtnetlink through libmnl: link queries, link up, and the link event monitor. */
#ifndef SWITCHD_NL_H
#define SWITCHD_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>
#include <net/if.h>

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
int nl_veth_add(struct nl *nl, const char *name, const char *peer, int netns_fd);
/* Deletes an interface (a veth end takes its peer along). */
int nl_link_del(struct nl *nl, int ifindex);

int nl_monitor_start(struct nl *nl, struct ev_loop *loop, nl_link_cb cb, nl_resync_cb resync,
		     void *ctx);

#endif
