/*
 * A switch port: an interface switchd reads frames from and writes frames to,
 * through one of its kinds (struct port_ops): a TAP file descriptor, an
 * AF_PACKET socket, or a Unix stream socket (QEMU's -netdev stream). The
 * first two carry frames with a virtio_net_hdr in front, so GSO super-frames
 * and partial checksums cross the switch whole; a stream port segments and
 * checksums them in software (gso.c).
 */
#ifndef SWITCHD_PORT_H
#define SWITCHD_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ev.h>
#include <linux/virtio_net.h>
#include <net/if.h>

#include "switchd/defaults.h"
#include "switchd/proto.h"
#include "fwd.h"

/* Room in front of a received frame for a VLAN tag that AF_PACKET took off. */
#define PORT_HEADROOM 4

struct frame {
	struct virtio_net_hdr vh;
	uint8_t *data;
	size_t len;
	/*
	 * Set by sw_port_poll for the frames it reads (zero elsewhere): their
	 * memory is the switch's until the batch is sent, so one that leaves by
	 * one port only has its tag popped in place, or pushed into the room
	 * bytes before data, instead of copied.
	 */
	bool writable;
	uint8_t room;
};

struct port;
struct nl;

/* Frames handled per receive or send call. */
#define PORT_BATCH 32

struct port_ops {
	uint32_t type; /* SWP_PORT_TAP, SWP_PORT_AFPACKET or SWP_PORT_STREAM */
	/*
	 * Reads up to n frames into f[0..n-1]. Each f[i].data has
	 * SWITCHD_FRAME_MAX bytes and PORT_HEADROOM bytes before it; rx may move
	 * f[i].data back into the headroom, or point it at memory of its own
	 * (a receive ring) that stays valid until rx_release. Returns how many
	 * were read (0: none queued), -ENODEV when the interface is gone, or
	 * another -errno.
	 */
	int (*rx_burst)(struct port *p, struct frame *f, unsigned n);
	/* Optional: the frames of the last rx_burst calls are sent; their memory may be reused. */
	void (*rx_release)(struct port *p);
	/*
	 * Sends f[0..n-1] without blocking and returns how many went out, in
	 * order. When that is fewer than n, *err is why f[returned] failed.
	 */
	unsigned (*tx_burst)(struct port *p, const struct frame *const *f, unsigned n, int *err);
	/* Whether the interface still exists, after an error. */
	bool (*alive)(struct port *p);
	/* Once a second, optional: adds losses only the kernel saw to p->c. */
	void (*collect)(struct port *p);
	void (*close)(struct port *p);
};

struct port {
	char name[IFNAMSIZ];
	char peer[IFNAMSIZ];      /* a veth made into a namespace: its other end */
	char netns[SWP_PATH_MAX]; /* ... and that namespace, as named (port_netns_refresh) */
	char path[SWP_PATH_MAX];  /* a stream port's socket */
	uint32_t sock_uid, sock_gid, sock_mode; /* ... its owner, group and permission bits */
	char peer_path[SWP_PATH_MAX];		/* a dgram port's peer socket (empty: none yet) */
	uint64_t netns_dev, netns_ino; /* ... which is this namespace (0: none) */
	uint16_t slot;
	int fd;
	int ifindex;
	uint32_t mtu; /* 0: unknown, not enforced */
	uint32_t state; /* enum swp_port_state */
	bool created;  /* switchd created the interface; it goes with the port */
	bool conf;     /* added by the configuration file: a reload may remove or re-create it */
	bool adopted;  /* created by an earlier switchd (one that crashed), taken over, still created */
	bool stored;   /* its fd is in systemd's descriptor store, as port_fdname(): removed on close */
	/* port set (zero: the default); its max-macs lives in the MAC table (fdb.port_max). */
	bool no_learning; /* learning off */
	bool no_flood;    /* unknown unicast is not flooded to it */
	bool isolated;    /* forwards nothing to other isolated ports */
	struct swp_vlan vcfg;	   /* its VLAN mode as set (all zero: the default) ... */
	struct fwd_vlan_port vlan; /* ... and as the frame path reads it */
	uint8_t observed; /* SW_DIR_* bits some observer (sw.h) watches on this port */
	struct nl *nl; /* set when port_close must delete the interface (a veth or vxlan device switchd made) */
	struct port_vxlan *vx; /* a vxlan port's device (port_vxlan.c); else NULL */
	const struct port_ops *ops;
	struct swp_counters c;
	ev_io io;
	struct sw *sw;
	void *priv;
	/* Frames decided for this port, sent together at the end of a batch. */
	const struct frame *txq[PORT_BATCH];
	unsigned txn;
};

/* How ports of each kind are opened: the daemon's options (switchd(8)). */
struct port_opts {
	unsigned rx_ring_kib; /* AF_PACKET receive ring, rounded down to 16 KiB; 0: none (recvmmsg) */
};

/*
 * Opens NAME as a port of the given type (SWP_PORT_AUTO chooses: a TAP no
 * process holds is opened as tap, anything else that exists as afpacket) and
 * brings it up. On failure returns -errno and describes it in why.
 */
int port_open(struct nl *nl, const struct port_opts *po, const char *name, uint32_t type,
	      struct port **out, char *why, size_t whylen);
/*
 * Creates a veth pair, NAME here and PEER in the network namespace at the
 * path NETNS (or, when nsfd >= 0, in the namespace nsfd refers to, which
 * stays the caller's; NETNS then only names it), both up, and opens NAME as
 * an afpacket port marked created:
 * port_close deletes the pair. When NAME exists and is a veth whose peer is
 * PEER in that namespace (the pair a switchd that crashed made), it is adopted
 * instead: opened, marked created and adopted. Any other NAME that exists is
 * refused (-EEXIST). On failure nothing new is left behind; returns -errno
 * and describes it in why.
 */
int port_open_veth(struct nl *nl, const struct port_opts *po, const char *name, const char *netns,
		   int nsfd, const char *peer, uint32_t mtu, struct port **out, char *why, size_t whylen);
void port_close(struct port *p);

/*
 * A vxlan port (port_vxlan.c): creates the kernel vxlan device NAME as req
 * says (its MTU the underlay's less the encapsulation), one all-zero FDB
 * entry per remote, and opens it as an afpacket port marked created. On
 * failure nothing is left; returns -errno described in why.
 */
int port_open_vxlan(struct nl *nl, const struct port_opts *po, const char *name, const struct swp_vxlan *req,
		    struct port **out, char *why, size_t whylen);
/* Adds (or deletes) a remote: 1 when the flood list changed, 0 when it had it already, or -errno in why. */
int port_vxlan_remote(struct port *p, const char *addr, bool add, char *why, size_t whylen);
bool port_vxlan_has_remote(const struct port *p, const char *addr);
/* p's device as port show gives it (all zero for a port that is not vxlan). */
void port_vxlan_info(const struct port *p, struct swp_vxlan *out);
/* Reads the kernel's FDB of p's device again (about hint entries matter), for port_vxlan_remote_of. */
void port_vxlan_fdb_refresh(struct port *p, size_t hint);
/* The VTEP behind mac as the last refresh read it, as text; "" when unknown or p is not vxlan. */
void port_vxlan_remote_of(const struct port *p, const uint8_t mac[6], char *buf, size_t len);
void port_vxlan_free(struct port *p);
/* A name the kernel takes for an interface (its dev_valid_name). */
bool port_name_valid(const char *name);

/*
 * A veth port's netns names its namespace as the request did; a path such as
 * /proc/PID/ns/net outlives its meaning once the process exits (the namespace
 * may live on, held by `ip netns attach` or another process). When the path
 * no longer leads to the port's namespace, it becomes the name under
 * SWITCHD_NETNS_DIR that does, or "net:[INODE]" (as /proc/PID/ns/net reads)
 * when none does.
 */
void port_netns_refresh(struct port *p);

/*
 * The name a created TAP's descriptor has in systemd's file descriptor
 * store: "tap-NAME" (systemd refuses ':' in a name).
 */
#define PORT_FDNAME_TAP "tap-"
void port_fdname(char *buf, size_t len, const char *name);
/*
 * A stream port's listening socket and its peer's connection are stored as
 * "stream-NAME" and "peer-NAME": after a crash, the next switchd takes both
 * back, and a running QEMU (7.2 never reconnects) keeps its network.
 */
#define PORT_FDNAME_STREAM "stream-"
#define PORT_FDNAME_PEER "peer-"
#define PORT_FDNAME_MAX (IFNAMSIZ + sizeof(PORT_FDNAME_STREAM))

/* The name p's own descriptor (p->fd) has in the store, as its kind names it. */
static inline void port_store_name(const struct port *p, char *buf, size_t len)
{
	if (p->ops && p->ops->type == SWP_PORT_STREAM)
		snprintf(buf, len, "%s%s", PORT_FDNAME_STREAM, p->name);
	else
		port_fdname(buf, len, p->name);
}
/*
 * Opens the TAP NAME from fd, a descriptor of it an earlier switchd created
 * and left in the store: checks it is such a TAP and sets it up again. Its
 * kernel side may since have moved into another namespace (the port is then
 * in state moved) and keeps its addresses there. The port is marked created
 * and adopted; fd is the port's from then on, closed on failure too.
 */
int port_open_tap_fd(struct nl *nl, const char *name, int fd, struct port **out, char *why,
		     size_t whylen);

/* The kinds; each fills p->fd, ifindex, mtu and ops. */
int port_tap_open(struct port *p, const char *name, bool may_create);
int port_afpacket_open(struct port *p, const char *name, unsigned rx_ring_kib);
/*
 * A stream port: NAME names it (no interface exists: ifindex 0), PATH is the
 * Unix stream socket it listens on (a stale socket there is replaced, one in
 * use refused), the first client its peer; with mkdir_parent, the directory
 * PATH is in is made (0750) if missing. On failure returns -errno and
 * describes it in why.
 */
int port_open_stream(const char *name, const char *path, bool mkdir_parent, struct port **out, char *why,
		     size_t whylen);
int port_stream_open(struct port *p, const char *path);
/*
 * A stream port on lfd, the listening socket at PATH an earlier switchd left
 * in the store (checked to be one); lfd is the port's from then on, closed on
 * failure too. The port is marked stored.
 */
int port_stream_adopt(const char *name, const char *path, int lfd, struct port **out, char *why, size_t whylen);
/*
 * fd, a connection an earlier switchd's peer still has (from the store, so
 * stored already), becomes the attached port p's peer as if it had just
 * connected. A descriptor that is no connected Unix stream socket is closed
 * and dropped from the store; false then.
 */
bool port_stream_take_peer(struct port *p, int fd);
/*
 * A dgram port: NAME names it, PATH is the Unix datagram socket it is bound
 * to (as port_open_stream's), PEER where its frames go (empty: the last
 * named socket that sent one). On failure returns -errno and describes it
 * in why.
 */
int port_open_dgram(const char *name, const char *path, const char *peer, bool mkdir_parent,
		    struct port **out, char *why, size_t whylen);

/* The socket port kinds' shared parts (port_unix.c). */
struct sockaddr_un;
/* PATH as an address: -ENAMETOOLONG when it does not fit. */
int port_unix_addr(struct sockaddr_un *sun, const char *path);
/*
 * A non-blocking Unix socket of type (SOCK_STREAM, SOCK_DGRAM) bound at
 * PATH, mode 0660: a stale socket there (nobody answers) is replaced, one in
 * use refused (-EADDRINUSE), any other file refused (-EEXIST). Returns the
 * descriptor or -errno.
 */
int port_unix_bind(const char *path, int type);
/*
 * Gives a socket port's file (p->path) an owner and group (-1: leave it) and
 * permission bits (-1: leave them), then reads back what it has into
 * p->sock_uid, sock_gid, sock_mode. On failure returns -errno and describes
 * it in why.
 */
int port_unix_own(struct port *p, int64_t uid, int64_t gid, int32_t mode, char *why, size_t whylen);
/* The directory PATH is in, made 0750 when missing (its parent must exist). */
int port_unix_mkdir_parent(const char *path, char *why, size_t whylen);
/* Why port_unix_bind's err refused PATH, in words. */
void port_unix_why(char *why, size_t whylen, const char *path, int err);
/*
 * Takes fd, a /dev/net/tun descriptor, as p's TAP: checks its flags, sets it
 * up as port_tap_open would, and gives its device's current name and (in
 * *nsfd, the caller's to close) its network namespace.
 */
int port_tap_adopt(struct port *p, int fd, char ifname[IFNAMSIZ], int *nsfd);

#endif
