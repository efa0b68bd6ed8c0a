/*
 * The control protocol between switchd and switchctl (docs/protocol.md).
 *
 * A stream of messages over a Unix stream socket. Every message starts with
 * struct swp_hdr; hdr.len counts the header and the body and is at most
 * SWP_MSG_MAX. Fields are fixed width in host byte order (both ends are on
 * one host). A request gets zero or more record messages and then exactly one
 * SWP_DONE, whose status is 0 or a negative errno with a message.
 */
#ifndef SWITCHD_PROTO_H
#define SWITCHD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SWP_VERSION 2
#define SWP_MSG_MAX 4096
#define SWP_NAME_MAX 16 /* IFNAMSIZ, NUL included */
#define SWP_PATH_MAX 108 /* a network namespace's name or path, NUL included */
#define SWP_ERR_MAX 128

enum swp_type {
	/* requests */
	SWP_PORT_ADD = 1,
	SWP_PORT_DEL = 2,
	SWP_PORT_SHOW = 3,
	SWP_MAC_SHOW = 4,
	SWP_MAC_FLUSH = 5,
	SWP_STATUS = 6,
	SWP_SET = 7,
	SWP_MONITOR = 8, /* SWP_DONE, then SWP_EVENT records until the client hangs up */
	/* replies */
	SWP_DONE = 100,
	SWP_PORT_INFO = 101,
	SWP_MAC_ENTRY = 102,
	SWP_STATUS_INFO = 103,
	SWP_EVENT = 104,
};

enum swp_port_type {
	SWP_PORT_AUTO = 0,
	SWP_PORT_TAP = 1,
	SWP_PORT_AFPACKET = 2,
};

enum swp_port_state {
	SWP_STATE_DOWN = 0,
	SWP_STATE_UP = 1,
	SWP_STATE_MOVED = 2, /* TAP whose kernel side is in another netns */
};

struct swp_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t len; /* header + body, bytes */
	uint32_t seq; /* echoed in every reply */
	uint32_t reserved;
};

/*
 * SWP_PORT_ADD, SWP_PORT_DEL. With netns set, PORT_ADD creates a veth pair:
 * name here, peer (empty: "eth0") in the network namespace netns, a name
 * under /run/netns or an absolute path such as /proc/PID/ns/net.
 */
/*
 * swp_port_req.flags. SWP_PORT_F_NETNS_FD (PORT_ADD with netns): the
 * namespace is the descriptor sent with the request (SCM_RIGHTS, in the
 * sendmsg that carries it), opened by the client with its own rights; netns
 * only names it for the log.
 */
#define SWP_PORT_F_NETNS_FD 1u

struct swp_port_req {
	char name[SWP_NAME_MAX];
	uint32_t type; /* enum swp_port_type; ignored by PORT_DEL */
	uint32_t flags;
	char peer[SWP_NAME_MAX]; /* PORT_ADD with netns only */
	char netns[SWP_PATH_MAX]; /* empty: attach an interface of switchd's namespace */
	uint32_t reserved;
};

/* SWP_MAC_SHOW, SWP_MAC_FLUSH: an empty name means every port. */
struct swp_mac_req {
	char port[SWP_NAME_MAX];
};

/* Per-port counters; rx_dropped and tx_dropped are the sums of the reasons. */
struct swp_counters {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_dropped, tx_dropped;
	uint64_t rx_drop_bad_src;  /* group or all-zero source MAC */
	uint64_t rx_drop_runt;     /* shorter than an Ethernet header */
	uint64_t rx_drop_filtered; /* destination is on the ingress port */
	uint64_t rx_drop_error;    /* receive errors */
	uint64_t tx_drop_mtu;      /* larger than the port carries */
	uint64_t tx_drop_busy;     /* socket buffer full */
	uint64_t tx_drop_error;    /* link down (EIO) or other send errors */
	uint64_t rx_drop_link_local; /* to 01:80:c2:00:00:0x: STP, pause, LACP, 802.1X, LLDP */
	uint64_t rx_drop_storm;      /* flooded frames over the port's storm limit */
	uint64_t rx_drop_blocked;    /* arrived while the port was blocked (a loop) */
};

/* SWP_SET: one runtime setting, the same as switchd's command-line option of that name. */
enum swp_setting_key {
	SWP_SET_AGEING = 1,          /* seconds */
	SWP_SET_MAX_MACS = 2,        /* shrinking evicts at once */
	SWP_SET_FLAP_MOVES = 3,      /* 0: never block */
	SWP_SET_FLAP_HOLD = 4,       /* seconds */
	SWP_SET_STORM_BROADCAST = 5, /* frames a second; 0: no limit */
	SWP_SET_STORM_MULTICAST = 6,
	SWP_SET_STORM_UNKNOWN = 7,
};
#define SWP_SET_KEY_MAX SWP_SET_STORM_UNKNOWN

struct swp_set_req {
	uint32_t key; /* enum swp_setting_key */
	uint32_t reserved;
	uint64_t value;
};

struct swp_port_info {
	char name[SWP_NAME_MAX];
	uint32_t type; /* SWP_PORT_TAP or SWP_PORT_AFPACKET */
	uint32_t state;
	int32_t ifindex;
	uint32_t mtu;
	uint32_t macs;    /* MAC entries pointing at this port */
	uint32_t created; /* switchd created the interface and will delete it */
	uint32_t blocked; /* seconds the port stays blocked after a MAC flapped onto it; 0: forwarding */
	uint32_t reserved;
	struct swp_counters c;
	/* A veth switchd made with port add ... netns: its other end, and where; else empty. */
	char peer[SWP_NAME_MAX];
	char netns[SWP_PATH_MAX];
	uint32_t reserved2;
};

struct swp_mac_entry {
	uint8_t mac[6];
	uint16_t vlan;
	char port[SWP_NAME_MAX];
	uint32_t age; /* seconds since last seen */
	uint32_t is_static;
};

struct swp_status_info {
	char version[16];
	uint64_t uptime;   /* seconds */
	uint32_t ports;
	uint32_t macs;
	uint32_t max_macs;
	uint32_t ageing;   /* seconds */
	uint64_t mac_learned, mac_moved, mac_evicted, mac_aged;
	uint32_t flap_moves, flap_hold; /* loop protection (flap_hold in seconds) */
	uint32_t storm_pps[3];          /* broadcast, multicast, unknown unicast; 0: no limit */
	uint32_t reserved;
};

enum swp_event_kind {
	SWP_EV_PORT_ADDED = 1,
	SWP_EV_PORT_REMOVED = 2, /* reason says why */
	SWP_EV_PORT_UP = 3,
	SWP_EV_PORT_DOWN = 4,
	SWP_EV_PORT_BLOCKED = 5,   /* a MAC flapped onto it (a loop); count: seconds */
	SWP_EV_PORT_UNBLOCKED = 6,
	SWP_EV_MAC_LEARNED = 7,
	SWP_EV_MAC_MOVED = 8,      /* from old_port to port */
	SWP_EV_MAC_AGED = 9,
	SWP_EV_MAC_EVICTED = 10,   /* made room in a full table */
	SWP_EV_MAC_FLUSHED = 11,   /* count entries of port (empty: every port) */
	SWP_EV_LOST = 12,          /* count events this client missed by not reading */
};

/* SWP_EVENT: one thing that happened, as it happened. */
struct swp_event {
	uint32_t kind;      /* enum swp_event_kind */
	uint16_t vlan;      /* MAC events */
	uint8_t mac[6];     /* MAC events */
	uint32_t reserved;
	uint64_t time_ms;   /* CLOCK_REALTIME, milliseconds since the epoch */
	uint64_t count;     /* SWP_EV_MAC_FLUSHED, SWP_EV_LOST, SWP_EV_PORT_BLOCKED */
	char port[SWP_NAME_MAX];
	char old_port[SWP_NAME_MAX]; /* SWP_EV_MAC_MOVED */
	char reason[64];    /* SWP_EV_PORT_REMOVED */
};

/* SWP_DONE */
struct swp_done {
	int32_t status; /* 0 or -errno */
	uint32_t count; /* records sent, or entries affected (mac flush) */
	char msg[SWP_ERR_MAX];
};

/* Body size a message of this type must have, or -1 for an unknown type. */
long swp_body_size(uint16_t type);

/*
 * Checks a header that has been received whole. Returns 0 when the message
 * is well formed; -EPROTO for a version mismatch, -EMSGSIZE when hdr.len is
 * out of [sizeof hdr, SWP_MSG_MAX], -EBADMSG for an unknown type or a body
 * of the wrong size. Only -EMSGSIZE leaves the stream unframed.
 */
int swp_check(const struct swp_hdr *hdr);

/* Writes a header and body into buf (at least sizeof hdr + blen bytes). */
size_t swp_encode(void *buf, uint16_t type, uint32_t seq, const void *body, size_t blen);

/* Copies a name into a fixed field; -ENAMETOOLONG if it does not fit. */
int swp_set_name(char dst[SWP_NAME_MAX], const char *src);

/*
 * The settings SWP_SET knows, by the name switchctl, the command line
 * (--NAME) and the configuration file give them ("ageing", "max-macs",
 * "flap-moves", ...), with the range a value must be in and the default
 * (include/switchd/defaults.h): the one table all of them read. NULL when
 * there is no such setting.
 */
struct swp_setting {
	const char *name;
	uint32_t key;
	uint64_t min, max, def;
};
const struct swp_setting *swp_setting_by_name(const char *name);
const struct swp_setting *swp_setting_by_key(uint32_t key);
/* The i-th setting in the order they are listed to users; NULL past the last. */
const struct swp_setting *swp_setting_at(size_t i);

const char *swp_type_name(uint32_t port_type);
const char *swp_state_name(uint32_t state);
/* "mac_learned", ...; NULL for an unknown kind. */
const char *swp_event_name(uint32_t kind);

#endif
