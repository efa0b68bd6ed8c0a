/*
 * The control protocol between switchd and switchctl (docs/protocol.md).
 *
 * A stream of messages over a Unix stream socket. Every message starts with
 * struct swp_hdr; hdr.len counts the header and the body, is a multiple of
 * SWP_ALIGN and is at most SWP_MSG_MAX. Fields are fixed width in host byte order (both ends are on
 * one host). A request gets zero or more record messages and then exactly one
 * SWP_DONE, whose status is 0 or a negative errno with a message.
 */
#ifndef SWITCHD_PROTO_H
#define SWITCHD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SWP_VERSION 3
/*
 * The longest message either side sends or must accept: room for a 64 KiB
 * frame (in attributes of at most SWP_ATTR_MAX bytes each) and its metadata.
 */
#define SWP_MSG_MAX (128u << 10)
/*
 * Every message's length is a multiple of it: senders pad the last attribute
 * as netlink does. A version 2 header reads as a length of 2 mod 4, so a v2
 * peer is refused from its first 4 bytes (docs/protocol.md, "Versions").
 */
#define SWP_ALIGN 4
#define SWP_ATTR_MAX 65531 /* the payload one attribute can carry (nla_len is 16 bits) */
#define SWP_NAME_MAX 16 /* IFNAMSIZ, NUL included */
#define SWP_PATH_MAX 108 /* a network namespace's name or path, NUL included */
#define SWP_ERR_MAX 128
#define SWP_MIRROR_NAME_MAX 32  /* a mirror's name, NUL included */
#define SWP_MIRROR_FROM_MAX 256 /* a mirror's source ports, comma-separated, NUL included */
#define SWP_ADDR_MAX 46 /* an IPv4 or IPv6 address as text (INET6_ADDRSTRLEN), NUL included */
#define SWP_REMOTES_MAX 16 /* a vxlan port's remotes */
#define SWP_REMOTES_LEN (SWP_REMOTES_MAX * SWP_ADDR_MAX) /* ... comma-separated, NUL included */
#define SWP_BODY_MAX 4096 /* no message's struct (below) is larger */

/* Netlink's own control types are 1..15: ours start above them. */
enum swp_type {
	/* requests */
	SWP_PORT_ADD = 16,
	SWP_PORT_DEL = 17,
	SWP_PORT_SHOW = 18, /* with a name: that port only (-ENOENT when there is none) */
	SWP_MAC_SHOW = 19,
	SWP_MAC_FLUSH = 20,
	SWP_STATUS = 21,
	SWP_SET = 22,
	SWP_MONITOR = 23, /* SWP_DONE, then SWP_EVENT records until the client hangs up */
	SWP_PORT_CLEAR = 24, /* zero the counters of the port named, or of every port */
	SWP_PORT_SET = 25,   /* one setting of one port; SWP_DONE count 1: changed, 0: it had it */
	SWP_MAC_ADD = 26,    /* a static entry */
	SWP_MAC_DEL = 27,    /* an entry, static or learned: -ENOENT when there is none */
	SWP_CAPTURE = 28,     /* SWP_CAPTURE_FRAME records (ports, then frames), SWP_DONE, then
				 SWP_CAPTURE_FRAME frames until SWP_CAPTURE_END or the client hangs up */
	SWP_MIRROR_ADD = 29,  /* struct swp_mirror: name, from, dir, to */
	SWP_MIRROR_DEL = 30,  /* struct swp_mirror: name; -ENOENT when there is none */
	SWP_MIRROR_SHOW = 31, /* struct swp_mirror: name, empty for every mirror; SWP_MIRROR_INFO records */
	SWP_TRACE = 32,       /* struct swp_trace_req; SWP_TRACE_STEP records, in the order the switch decides */
	SWP_PORT_REMOTE_ADD = 33, /* struct swp_port_req: name, vx.remotes (one address) of a vxlan port */
	SWP_PORT_REMOTE_DEL = 34, /* ... -ENOENT when the port floods to no such remote */
	/* replies */
	SWP_DONE = 100,
	SWP_PORT_INFO = 101,
	SWP_MAC_ENTRY = 102,
	SWP_STATUS_INFO = 103,
	SWP_EVENT = 104,
	SWP_CAPTURE_FRAME = 105,
	SWP_MIRROR_INFO = 106,
	SWP_TRACE_STEP = 107,
	SWP_CAPTURE_END = 108, /* the capture's last message: then switchd hangs up */
};

enum swp_port_type {
	SWP_PORT_AUTO = 0,
	SWP_PORT_TAP = 1,
	SWP_PORT_AFPACKET = 2,
	SWP_PORT_STREAM = 3, /* a Unix stream socket QEMU's -netdev stream connects to */
	SWP_PORT_DGRAM = 4,  /* a Unix datagram socket QEMU's -netdev dgram sends to */
	SWP_PORT_VXLAN = 5,  /* a kernel vxlan device switchd creates, attached as afpacket */
};

enum swp_port_state {
	SWP_STATE_DOWN = 0,
	SWP_STATE_UP = 1,
	SWP_STATE_MOVED = 2, /* TAP whose kernel side is in another netns */
	SWP_STATE_WAITING = 3,   /* stream, dgram port: no peer connected (known) */
	SWP_STATE_CONNECTED = 4, /* stream, dgram port: a peer is connected (known) */
};

/*
 * The header: a struct nlmsghdr (len counts the header and the attributes;
 * flags and pid are 0) and then a 4-byte family header with the version,
 * as generic netlink's genlmsghdr carries one. Netlink attributes follow
 * (struct nlattr, 4-byte aligned, libmnl's mnl_attr_*).
 */
struct swp_hdr {
	uint32_t len;
	uint16_t type;   /* enum swp_type */
	uint16_t flags;  /* 0 */
	uint32_t seq;    /* chosen by the client, echoed in every reply */
	uint32_t pid;    /* 0 */
	uint8_t version; /* SWP_VERSION */
	uint8_t reserved[3];
};

/*
 * The attributes of each message, by object. Numbers are never reused: a new
 * field is a new number, which a receiver that does not know it skips. An
 * absent attribute reads as 0 or "". Integers are host byte order; strings
 * carry their NUL.
 */
enum swp_port_attr {
	SWP_A_PORT_UNSPEC,
	SWP_A_PORT_NAME,     /* string, < SWP_NAME_MAX */
	SWP_A_PORT_TYPE,     /* u32, enum swp_port_type */
	SWP_A_PORT_FLAGS,    /* u32, SWP_PORT_F_* */
	SWP_A_PORT_PEER,     /* string, < SWP_NAME_MAX */
	SWP_A_PORT_NETNS,    /* string, < SWP_PATH_MAX */
	SWP_A_PORT_STATE,    /* u32, enum swp_port_state */
	SWP_A_PORT_IFINDEX,  /* s32 */
	SWP_A_PORT_MTU,      /* u32 */
	SWP_A_PORT_MACS,     /* u32 */
	SWP_A_PORT_CREATED,  /* u32, 0 or 1 */
	SWP_A_PORT_BLOCKED,  /* u32, seconds */
	SWP_A_PORT_COUNTERS, /* nested: u64 attributes, type = 1 + index in swp_counter_name() */
	SWP_A_PORT_SET_KEY,   /* u32, enum swp_port_setting_key (SWP_PORT_SET) */
	SWP_A_PORT_SET_VALUE, /* u64 (SWP_PORT_SET) */
	SWP_A_PORT_SETTINGS,  /* nested: u64 attributes, type = enum swp_port_setting_key */
	SWP_A_PORT_ORIGIN,    /* u32, enum swp_port_origin */
	SWP_A_PORT_VLAN_MODE, /* u32, enum swp_vlan_mode */
	SWP_A_PORT_VLAN_VID,  /* u32: access, tunnel: the VLAN; trunk: the native VLAN, 0: none */
	SWP_A_PORT_VLANS,     /* nested: u64 attributes, type = 1 + word of a 4096-bit map; trunk only */
	SWP_A_PORT_PATH,      /* string, < SWP_PATH_MAX: a stream port's socket */
	SWP_A_PORT_UID,       /* u32: a stream port's socket's owner (request: with SWP_PORT_F_UID) */
	SWP_A_PORT_GID,       /* u32: ... its group (request: with SWP_PORT_F_GID) */
	SWP_A_PORT_MODE,      /* u32: ... its permission bits (request: with SWP_PORT_F_MODE) */
	SWP_A_PORT_PEER_PATH, /* string, < SWP_PATH_MAX: a dgram port's peer socket */
	SWP_A_PORT_VNI,       /* u32: a vxlan port's VXLAN network identifier, 1..16777215 */
	SWP_A_PORT_REMOTES,   /* string, < SWP_REMOTES_LEN: its flood list, addresses comma-separated */
	SWP_A_PORT_LOCAL,     /* string, < SWP_ADDR_MAX: its source address ("": the kernel chooses) */
	SWP_A_PORT_DSTPORT,   /* u32: its UDP port (request: 0, 4789) */
	SWP_A_PORT_GROUP,     /* string, < SWP_ADDR_MAX: its multicast group, instead of remotes */
	SWP_A_PORT_DEV,       /* string, < SWP_NAME_MAX: the underlay interface it is bound to */
};

/* Who added a port. */
enum swp_port_origin {
	SWP_ORIGIN_SWITCHCTL = 0, /* a request on the control socket */
	SWP_ORIGIN_CONFIG = 1,    /* the configuration file (a reload may remove or re-create it) */
};

enum swp_mac_attr {
	SWP_A_MAC_UNSPEC,
	SWP_A_MAC_PORT,   /* string; in a request, empty or absent: every port */
	SWP_A_MAC_ADDR,   /* 6 bytes */
	SWP_A_MAC_VLAN,   /* u16 */
	SWP_A_MAC_AGE,    /* u32, seconds since last seen */
	SWP_A_MAC_STATIC, /* u32, 0 or 1 */
	SWP_A_MAC_FLAGS,  /* u32, SWP_MAC_F_* (requests) */
	SWP_A_MAC_REMOTE, /* string, < SWP_ADDR_MAX: on a vxlan port, the VTEP behind the MAC (kernel FDB) */
	/* in a show or flush request, SWP_A_MAC_ADDR: that MAC only; with SWP_MAC_F_VLAN, that VLAN only */
};

enum swp_set_attr {
	SWP_A_SET_UNSPEC,
	SWP_A_SET_KEY,   /* u32, enum swp_setting_key */
	SWP_A_SET_VALUE, /* u64 */
};

enum swp_status_attr {
	SWP_A_STATUS_UNSPEC,
	SWP_A_STATUS_VERSION, /* string */
	SWP_A_STATUS_UPTIME,  /* u64, seconds */
	SWP_A_STATUS_PORTS,   /* u32 */
	SWP_A_STATUS_MACS,    /* u32 */
	SWP_A_STATUS_LEARNED, /* u64 */
	SWP_A_STATUS_MOVED,   /* u64 */
	SWP_A_STATUS_EVICTED, /* u64 */
	SWP_A_STATUS_AGED,    /* u64 */
	SWP_A_STATUS_SETTINGS, /* nested: u64 attributes, type = enum swp_setting_key, the value now */
};

enum swp_event_attr {
	SWP_A_EV_UNSPEC,
	SWP_A_EV_KIND,     /* u32, enum swp_event_kind */
	SWP_A_EV_TIME_MS,  /* u64, CLOCK_REALTIME, milliseconds since the epoch */
	SWP_A_EV_MAC,      /* 6 bytes */
	SWP_A_EV_VLAN,     /* u16 */
	SWP_A_EV_COUNT,    /* u64 */
	SWP_A_EV_PORT,     /* string */
	SWP_A_EV_OLD_PORT, /* string */
	SWP_A_EV_REASON,   /* string, < 64 */
	SWP_A_EV_SETTING,  /* string, < 32: a port setting's name (SWP_EV_PORT_CHANGED) */
	SWP_A_EV_VALUE,    /* string, < 64: its new value, as port set takes it */
	SWP_A_EV_STATIC,   /* u32, 0 or 1: SWP_EV_MAC_DELETED of a static entry */
	SWP_A_EV_MIRROR,   /* string, < SWP_MIRROR_NAME_MAX: SWP_EV_MIRROR_REMOVED */
};

enum swp_mirror_attr {
	SWP_A_MIRROR_UNSPEC,
	SWP_A_MIRROR_NAME,    /* string, < SWP_MIRROR_NAME_MAX */
	SWP_A_MIRROR_FROM,    /* string, < SWP_MIRROR_FROM_MAX: the source ports, comma-separated */
	SWP_A_MIRROR_DIR,     /* u32, SWP_MIRROR_* bits; absent (0) in a request: both */
	SWP_A_MIRROR_TO,      /* string, < SWP_NAME_MAX: the destination port */
	SWP_A_MIRROR_PACKETS, /* u64: frames copied to the destination (SWP_MIRROR_INFO) */
	SWP_A_MIRROR_ORIGIN,  /* u32, enum swp_port_origin (SWP_MIRROR_INFO) */
};

enum swp_capture_attr {
	SWP_A_CAP_UNSPEC,
	SWP_A_CAP_PORTS,    /* string, < SWP_CAP_PORTS_MAX: "vm1,vm2"; empty or absent: every port */
	SWP_A_CAP_DIRS,     /* u32, SWP_CAP_DIR_* bits; 0: both */
	SWP_A_CAP_SNAPLEN,  /* u32: bytes of each frame copied; 0: SWP_CAP_SNAPLEN_MAX */
	SWP_A_CAP_COUNT,    /* u64: frames (after the filter and direction), then the end; 0: no end */
	SWP_A_CAP_KIND,     /* u32, enum swp_capture_kind */
	SWP_A_CAP_PORT,     /* string, < SWP_NAME_MAX */
	SWP_A_CAP_DIR,      /* u32, SWP_CAP_DIR_IN or SWP_CAP_DIR_OUT */
	SWP_A_CAP_TIME_NS,  /* u64, CLOCK_REALTIME, nanoseconds since the epoch */
	SWP_A_CAP_LEN,      /* u32: the frame's length on the wire */
	SWP_A_CAP_CAPTURED, /* u64: frames sent so far */
	SWP_A_CAP_DROPPED,  /* u64: frames that passed the filter but did not fit the buffer, so far */
	SWP_A_CAP_REASON,   /* string, < 64: why the capture ended */
	SWP_A_CAP_FILTER,   /* bytes: a classic BPF program, struct bpf_insn[] (8 bytes each); absent: all */
	SWP_A_CAP_DATA,     /* bytes: the frame's first min(len, snaplen) bytes */
};

enum swp_done_attr {
	SWP_A_DONE_UNSPEC,
	SWP_A_DONE_STATUS, /* s32, 0 or -errno */
	SWP_A_DONE_COUNT,  /* u32 */
	SWP_A_DONE_MSG,    /* string, < SWP_ERR_MAX */
};

/*
 * Below, each message's attributes decoded into a struct: what the daemon's
 * handlers and switchctl's printers read and write. These structs are not the
 * wire layout (proto.c's table maps them to attributes), so they may change
 * freely between builds.
 */

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
/* PORT_ADD type stream: give the socket this owner, group, mode (else switchd's user and group, 0660). */
#define SWP_PORT_F_UID 2u
#define SWP_PORT_F_GID 4u
#define SWP_PORT_F_MODE 8u

/* A vxlan port's device (port add NAME type vxlan ...; port show). */
struct swp_vxlan {
	uint32_t vni;
	uint32_t dstport;
	char local[SWP_ADDR_MAX];
	char group[SWP_ADDR_MAX];
	char dev[SWP_NAME_MAX];
	char remotes[SWP_REMOTES_LEN]; /* "192.0.2.1,192.0.2.2" */
};

struct swp_port_req {
	char name[SWP_NAME_MAX];
	uint32_t type; /* enum swp_port_type; ignored by PORT_DEL */
	uint32_t flags;
	char peer[SWP_NAME_MAX]; /* PORT_ADD with netns only */
	char netns[SWP_PATH_MAX]; /* empty: attach an interface of switchd's namespace */
	char path[SWP_PATH_MAX];  /* PORT_ADD type stream: its socket (empty: the default) */
	uint32_t uid, gid, mode;  /* PORT_ADD type stream, each with its flag */
	char peer_path[SWP_PATH_MAX]; /* PORT_ADD type dgram: where frames go (empty: the last sender) */
	uint32_t mtu;		      /* PORT_ADD with netns: the veth pair's MTU (0: the kernel's, 1500) */
	struct swp_vxlan vx;	      /* PORT_ADD type vxlan; PORT_REMOTE_*: vx.remotes, one address */
};

/*
 * SWP_MAC_SHOW, SWP_MAC_FLUSH: an empty port means every port; SWP_MAC_ADD:
 * the port the entry points at; SWP_MAC_DEL: none.
 */
#define SWP_MAC_F_VLAN 1u /* vlan is given: show and flush only that VLAN's entries */
struct swp_mac_req {
	char port[SWP_NAME_MAX];
	uint8_t mac[6]; /* SWP_MAC_SHOW: all zero, every MAC; else that MAC's entries (one per VLAN) */
	uint16_t vlan;  /* SWP_MAC_ADD, SWP_MAC_DEL: the entry's (0: untagged); show, flush: with the flag */
	uint32_t flags; /* SWP_MAC_F_* */
};

/*
 * Per-port counters; rx_dropped and tx_dropped are the sums of the reasons.
 * Only uint64_t members, in the order of swp_counter_name(): on the wire each
 * is an attribute of SWP_A_PORT_COUNTERS numbered by its place.
 */
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
	uint64_t rx_drop_mac_limit;  /* a new source over the port's max-macs */
	uint64_t rx_drop_static;     /* from a MAC pinned to another port by a static entry */
	uint64_t rx_drop_isolated;   /* to an isolated port from an isolated port */
	uint64_t rx_drop_vlan;       /* tagged for a VLAN the port does not carry, untagged without one, VID 4095 */
	uint64_t tx_drop_gso;        /* a GSO frame a port without offloads cannot take (UFO) */
	uint64_t rx_drop_mirror;     /* sent by the port while it is a mirror's destination */
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
	SWP_SET_SPIN_US = 8,         /* microseconds; 0: sleep at once */
};
#define SWP_SET_KEY_MAX SWP_SET_SPIN_US

struct swp_set_req {
	uint32_t key; /* enum swp_setting_key */
	uint64_t value;
};

/* SWP_PORT_SET: one setting of one port (switchctl port set NAME SETTING VALUE). */
enum swp_port_setting_key {
	SWP_PSET_LEARNING = 1, /* 0 or 1 */
	SWP_PSET_FLOOD = 2,    /* 0 or 1: unknown unicast is flooded to the port */
	SWP_PSET_ISOLATED = 3, /* 0 or 1: no forwarding to other isolated ports */
	SWP_PSET_MAX_MACS = 4, /* learned entries; 0: no limit */
	SWP_PSET_STORM_BROADCAST = 5, /* flooded frames a second from the port; 0: the switch's (SWP_SET) */
	SWP_PSET_STORM_MULTICAST = 6,
	SWP_PSET_STORM_UNKNOWN = 7,
};
#define SWP_PSET_KEY_MAX SWP_PSET_STORM_UNKNOWN /* the u64 settings: swp_port_info.settings[] */
/* Not a u64: the request's vlan (swp_port_set_req.vlan), shown as swp_port_info.vlan. */
#define SWP_PSET_VLAN 8

/*
 * A port's VLAN mode (docs/behaviour.md, "VLANs"). All zero is the default:
 * trunk all, untagged frames in VLAN 0 ("untagged"), every frame leaves as it
 * came.
 */
enum swp_vlan_mode {
	SWP_VLAN_TRUNK = 0,  /* tagged frames of vlans (none set: all) and of vid; vid leaves untagged */
	SWP_VLAN_ACCESS = 1, /* untagged frames, in VLAN vid */
	SWP_VLAN_TUNNEL = 2, /* 802.1ad: every frame in gets an outer S-tag of vid, out loses it */
};
#define SWP_VLAN_VID_MAX 4094
#define SWP_VLAN_WORDS 64 /* 4096 bits */
struct swp_vlan {
	uint32_t mode; /* enum swp_vlan_mode */
	uint32_t vid;  /* access, tunnel: the VLAN (1..4094); trunk: the native VLAN, 0: none */
	uint64_t vlans[SWP_VLAN_WORDS]; /* trunk: VID v is bit v % 64 of word v / 64 (1..4094); none: all */
};

struct swp_port_set_req {
	char name[SWP_NAME_MAX];
	uint32_t key; /* enum swp_port_setting_key, or SWP_PSET_VLAN */
	uint64_t value;      /* the u64 settings */
	struct swp_vlan vlan; /* SWP_PSET_VLAN */
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
	uint32_t origin;  /* enum swp_port_origin */
	struct swp_counters c;
	/* A veth switchd made with port add ... netns: its other end, and where; else empty. */
	char peer[SWP_NAME_MAX];
	char netns[SWP_PATH_MAX];
	uint64_t settings[SWP_PSET_KEY_MAX]; /* every port setting's value, key k at [k - 1] */
	struct swp_vlan vlan;
	char path[SWP_PATH_MAX]; /* a stream port's socket; else empty */
	uint32_t uid, gid, mode; /* ... its owner, group and permission bits as they are */
	char peer_path[SWP_PATH_MAX]; /* a dgram port's peer: given, or the last sender; else empty */
	struct swp_vxlan vx;	      /* a vxlan port's device; else zero */
};

struct swp_mac_entry {
	uint8_t mac[6];
	uint16_t vlan;
	char port[SWP_NAME_MAX];
	uint32_t age; /* seconds since last seen */
	uint32_t is_static;
	char remote[SWP_ADDR_MAX]; /* a vxlan port's: the VTEP the kernel learned for the MAC; else empty */
};

struct swp_status_info {
	char version[16];
	uint64_t uptime;   /* seconds */
	uint32_t ports;
	uint32_t macs;
	uint64_t mac_learned, mac_moved, mac_evicted, mac_aged;
	uint64_t settings[SWP_SET_KEY_MAX]; /* every setting's value now, key k at [k - 1] */
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
	SWP_EV_PORT_CHANGED = 13,  /* a port setting: setting, value */
	SWP_EV_MAC_ADDED = 14,     /* a static entry added (mac add) */
	SWP_EV_MAC_DELETED = 15,   /* an entry deleted (mac del, or its port's removal for a static one) */
	SWP_EV_MIRROR_REMOVED = 16, /* mirror, because port (a source or its destination) went: reason */
};

/* SWP_EVENT: one thing that happened, as it happened. */
struct swp_event {
	uint32_t kind;      /* enum swp_event_kind */
	uint16_t vlan;      /* MAC events */
	uint8_t mac[6];     /* MAC events */
	uint64_t time_ms;   /* CLOCK_REALTIME, milliseconds since the epoch */
	uint64_t count;     /* SWP_EV_MAC_FLUSHED, SWP_EV_LOST, SWP_EV_PORT_BLOCKED */
	char port[SWP_NAME_MAX];
	char old_port[SWP_NAME_MAX]; /* SWP_EV_MAC_MOVED */
	char reason[64];    /* SWP_EV_PORT_REMOVED */
	char setting[32];   /* SWP_EV_PORT_CHANGED */
	char value[64];     /* SWP_EV_PORT_CHANGED */
	uint32_t is_static; /* SWP_EV_MAC_DELETED */
	char mirror[SWP_MIRROR_NAME_MAX]; /* SWP_EV_MIRROR_REMOVED */
};

/*
 * SWP_MIRROR_ADD, SWP_MIRROR_DEL, SWP_MIRROR_SHOW and SWP_MIRROR_INFO: a
 * mirror copies the frames its sources receive (in), send (out) or both to
 * its destination port.
 */
#define SWP_MIRROR_IN 1u
#define SWP_MIRROR_OUT 2u
#define SWP_MIRROR_BOTH (SWP_MIRROR_IN | SWP_MIRROR_OUT)
struct swp_mirror {
	char name[SWP_MIRROR_NAME_MAX];
	char from[SWP_MIRROR_FROM_MAX]; /* "vm1,vm2" */
	uint32_t dir;                   /* SWP_MIRROR_* bits; 0: both */
	char to[SWP_NAME_MAX];
	uint64_t packets; /* SWP_MIRROR_INFO: frames copied */
	uint32_t origin;  /* SWP_MIRROR_INFO: enum swp_port_origin */
};

enum swp_trace_attr {
	SWP_A_TRACE_UNSPEC,
	SWP_A_TRACE_PORT,   /* string, < SWP_NAME_MAX: the request's ingress port; a step's port */
	SWP_A_TRACE_SRC,    /* 6 bytes (with SWP_TRACE_F_SRC) */
	SWP_A_TRACE_DST,    /* 6 bytes */
	SWP_A_TRACE_FLAGS,  /* u32, SWP_TRACE_F_* */
	SWP_A_TRACE_VLAN,   /* u16: an 802.1Q tag of this VID (with SWP_TRACE_F_VLAN); a step's VLAN */
	SWP_A_TRACE_TYPE,   /* u16: the ethertype; absent: 0x0800 */
	SWP_A_TRACE_STAGE,  /* u32, enum swp_trace_stage */
	SWP_A_TRACE_RESULT, /* string, < 32: what the stage decided, a keyword ("ok", "new", "flood", "pop", "isolated") */
	SWP_A_TRACE_DETAIL, /* string, < SWP_ERR_MAX: the same in words */
	SWP_A_TRACE_DROP,   /* u32, 0 or 1: the frame (or this egress copy) goes no further here */
};

/*
 * SWP_TRACE: what switchd would do now with a frame dst <- src (no src: the
 * learning stage is skipped), of ethertype type, with an 802.1Q tag of vlan,
 * received by port; nothing is sent or learned.
 */
#define SWP_TRACE_F_SRC 1u
#define SWP_TRACE_F_VLAN 2u
struct swp_trace_req {
	char port[SWP_NAME_MAX];
	uint8_t src[6];
	uint8_t dst[6];
	uint32_t flags; /* SWP_TRACE_F_* */
	uint16_t vlan;  /* 0..4095 */
	uint16_t type;  /* 0: 0x0800 */
};

/* The stages, in the order sw_input runs them. */
enum swp_trace_stage {
	SWP_TRACE_INGRESS = 1, /* ingress checks */
	SWP_TRACE_VLAN = 2,    /* VLAN classification */
	SWP_TRACE_LEARN = 3,   /* learning */
	SWP_TRACE_LOOKUP = 4,  /* the table entry used, or why it floods */
	SWP_TRACE_EGRESS = 5,  /* one per port it could leave by: its tag action or why not */
	SWP_TRACE_VERDICT = 6, /* forwarded to N ports, or dropped and counted as what */
};

struct swp_trace_step {
	uint32_t stage;	 /* enum swp_trace_stage */
	char result[32]; /* ingress: ok, mirror_destination, blocked, runt, bad_src, link_local; vlan: ok, vlan;
			    learning: new, move, refresh, off, static, mac_limit, skipped; lookup: unicast,
			    flood, filtered, storm; egress: keep, push, pop, isolated, flood_off, vlan, blocked,
			    mtu, mirror_destination; verdict: forwarded, dropped */
	char port[SWP_NAME_MAX]; /* the port the step is about (learning: a move's old port, a static entry's) */
	uint16_t vlan;		 /* vlan: the frame's VLAN; egress push: the VID pushed */
	uint32_t drop;		 /* 1: the frame, or this egress copy, stops here */
	char detail[SWP_ERR_MAX];
};

/*
 * A run of bytes carried as one attribute (SWP_ATTR_MAX at most). Decoded, ptr
 * points into the message it came in, valid while that message is; a struct
 * holding one lists it last in its field table (proto.c).
 */
struct swp_bytes {
	const uint8_t *ptr;
	uint32_t len;
};

/* SWP_CAPTURE: which frames (docs/protocol.md, "Capture"). */
#define SWP_CAP_PORTS_MAX 1024
#define SWP_CAP_DIR_IN 1u  /* received by the port, as it came */
#define SWP_CAP_DIR_OUT 2u /* sent by the port, as it leaves */
#define SWP_CAP_SNAPLEN_MAX SWP_ATTR_MAX
#define SWP_CAP_INSNS_MAX 4096 /* BPF_MAXINSNS */
struct swp_capture_req {
	char ports[SWP_CAP_PORTS_MAX];
	uint32_t dirs;
	uint32_t snaplen;
	uint64_t count;
	struct swp_bytes filter;
};

enum swp_capture_kind {
	SWP_CAP_KIND_FRAME = 0, /* a frame that crossed port */
	SWP_CAP_KIND_PORT = 1,  /* port is captured (before the SWP_DONE: one per port) */
};

/* SWP_CAPTURE_FRAME */
struct swp_capture_frame {
	uint32_t kind; /* enum swp_capture_kind */
	char port[SWP_NAME_MAX];
	uint32_t dir;     /* SWP_CAP_DIR_IN or SWP_CAP_DIR_OUT */
	uint64_t time_ns; /* CLOCK_REALTIME */
	uint32_t len;     /* on the wire; data.len is what was kept of it */
	uint64_t dropped; /* so far */
	struct swp_bytes data;
};

/* SWP_CAPTURE_END */
struct swp_capture_end {
	uint64_t captured, dropped;
	char reason[64];
};

/* SWP_DONE */
struct swp_done {
	int32_t status; /* 0 or -errno */
	uint32_t count; /* records sent, or entries affected (mac flush) */
	char msg[SWP_ERR_MAX];
};

/*
 * The struct a message of this type decodes into (0 for one that carries
 * nothing), or -1 for an unknown type.
 */
long swp_body_size(uint16_t type);

/*
 * Checks a header (its first sizeof(struct swp_hdr) bytes are enough).
 * Returns 0 when it may be read; -EMSGSIZE when len is not a multiple of
 * SWP_ALIGN or is out of [sizeof hdr, SWP_MSG_MAX] (the stream cannot be
 * framed any more), -EPROTO for another version, -EBADMSG for an unknown type.
 */
int swp_check(const struct swp_hdr *hdr);
/*
 * What a message's first 4 bytes, its len, tell alone: -EMSGSIZE when it is
 * not a multiple of SWP_ALIGN (as swp_check would say), else 0. A receiver
 * need not wait for the rest of a header to refuse a version 2 peer.
 */
int swp_check_align(uint32_t len);

/*
 * Decodes a whole message (hdr.len bytes at msg, 4-byte aligned, swp_check
 * passed) into body, a zeroed struct of its type (swp_body_size bytes).
 * Attributes it does not know are skipped. -EBADMSG when an attribute it
 * knows has the wrong size or an unterminated or too long string, or the
 * attributes do not tile the message; *bad is then the attribute's number
 * (0: the tiling).
 */
int swp_decode(const void *msg, void *body, uint16_t *bad);

/*
 * Encodes a message of this type from its struct (NULL for a type that
 * carries nothing) into buf: its length, or 0 when it needs more than cap
 * bytes. Zero and empty fields are left out. No message is longer than
 * swp_encoded_max(type).
 */
size_t swp_encode(void *buf, size_t cap, uint16_t type, uint32_t seq, const void *body);
size_t swp_encoded_max(uint16_t type);
/*
 * What this message will take at most: swp_encoded_max, but for a message with
 * bytes (struct swp_bytes) only the bytes it carries.
 */
size_t swp_encoded_bound(uint16_t type, const void *body);

/* The name of counter i of struct swp_counters ("rx_packets", ...); NULL past the last. */
const char *swp_counter_name(size_t i);
#define SWP_COUNTERS (sizeof(struct swp_counters) / sizeof(uint64_t))

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
	const char *unit; /* the value's word in usage: SECONDS, N, PPS */
	const char *help; /* what it is, for switchd --help */
};
const struct swp_setting *swp_setting_by_name(const char *name);
const struct swp_setting *swp_setting_by_key(uint32_t key);
/* The i-th setting in the order they are listed to users; NULL past the last. */
const struct swp_setting *swp_setting_at(size_t i);

/*
 * The port settings SWP_PORT_SET knows, by the name port set gives them
 * ("learning", "max-macs", ...); JSON names them with '_' for '-'. A boolean
 * one takes on and off (1, 0); a number one a value in min..max.
 */
struct swp_port_setting {
	const char *name;
	const char *json;
	uint32_t key;
	bool boolean;
	uint64_t min, max, def;
	bool vlan; /* not a u64: a struct swp_vlan (SWP_PSET_VLAN), its own grammar and JSON */
};
const struct swp_port_setting *swp_port_setting_by_name(const char *name);
const struct swp_port_setting *swp_port_setting_by_key(uint32_t key);
const struct swp_port_setting *swp_port_setting_at(size_t i);
/* A value as port set takes it: "on", "off" or the number. */
void swp_port_setting_format(const struct swp_port_setting *s, uint64_t value, char *buf, size_t len);

/* "access", "trunk", "tunnel"; NULL for an unknown mode. */
const char *swp_vlan_mode_name(uint32_t mode);
/*
 * Checks v as port set takes it: 0, or -EINVAL with why (a VID out of range,
 * a list on an access or tunnel port, VID 0 or 4095 in a list).
 */
int swp_vlan_check(const struct swp_vlan *v, const char **why);
/* Whether a trunk's list is "all" (no VID in it). */
bool swp_vlan_all(const struct swp_vlan *v);
/*
 * v as port set takes it: "access 10", "trunk 10,20-30 native 5", "trunk
 * all", "tunnel 100". A list too long for buf ends with "..." (an event's
 * value holds 63 bytes).
 */
void swp_vlan_format(const struct swp_vlan *v, char *buf, size_t len);
/* The VID list alone, "10,20-30" ("all" when empty), cut as above. */
void swp_vlan_list_format(const struct swp_vlan *v, char *buf, size_t len);
static inline bool swp_vlan_has(const struct swp_vlan *v, unsigned vid)
{
	return vid < 64 * SWP_VLAN_WORDS && (v->vlans[vid / 64] >> (vid % 64) & 1);
}

/* Port kinds: "tap", "afpacket", "auto"; "unknown" for another number. */
const char *swp_type_name(uint32_t port_type);
/* The kind a user names with "type NAME" (not "auto"): 0, or -ENOENT. */
int swp_type_by_name(const char *name, uint32_t *port_type);
bool swp_type_known(uint32_t port_type);
const char *swp_state_name(uint32_t state);
/* "mac_learned", ...; NULL for an unknown kind. */
const char *swp_event_name(uint32_t kind);

#endif
