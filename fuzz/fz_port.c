/*
 * Fake ports, and the port_open, port_open_veth, port_open_tap_fd, port_open_stream, port_open_dgram,
 * port_fdname and port_close that the switch and the control requests call. Linked before libswitchd_core, these
 * definitions win, so port.c, the TAP and AF_PACKET kinds and netlink are
 * never linked in: a fuzzed "port add" can never create or touch a real
 * interface.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"

struct fz_port_hooks fz_hooks;

static int fz_next_ifindex = 1000;

static unsigned fz_tx_burst(struct port *p, const struct frame *const *f, unsigned n, int *err)
{
	if (fz_hooks.tx)
		return fz_hooks.tx(p, f, n, err);
	return n;
}

static int fz_rx_burst(struct port *p, struct frame *f, unsigned n)
{
	return fz_hooks.rx ? fz_hooks.rx(p, f, n) : 0;
}

static bool fz_alive(struct port *p)
{
	return fz_hooks.alive ? fz_hooks.alive(p) : true;
}

static void fz_close(struct port *p)
{
	fz_fail(__FILE__, __LINE__, "fd >= 0", "ops->close called on fake port %s (fd %d)", p->name,
		p->fd);
}

static const struct port_ops fz_ops = {
	.type = SWP_PORT_TAP,
	.rx_burst = fz_rx_burst,
	.tx_burst = fz_tx_burst,
	.alive = fz_alive,
	.close = fz_close,
};

struct port *fz_port_new(const char *name, uint32_t mtu, void *priv)
{
	struct port *p = calloc(1, sizeof(*p));

	if (!p)
		abort();
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ifindex = fz_next_ifindex++;
	p->mtu = mtu;
	p->state = SWP_STATE_UP;
	p->ops = &fz_ops;
	p->priv = priv;
	return p;
}

/*
 * The interfaces a fuzzed request can name: any valid name exists, except
 * that names starting with 'x' do not (ENODEV, as for a missing interface)
 * and names starting with 'b' are TAPs held elsewhere (EBUSY with a reason),
 * so the error replies of port add are reached too.
 */
int port_open(struct nl *nl, const struct port_opts *po, const char *name, uint32_t type,
	      struct port **out, char *why, size_t whylen)
{
	(void)nl;
	(void)po;
	(void)type;
	why[0] = '\0';
	if (strlen(name) >= IFNAMSIZ || !name[0]) {
		snprintf(why, whylen, "invalid interface name");
		return -EINVAL;
	}
	if (name[0] == 'x')
		return -ENODEV;
	if (name[0] == 'b') {
		snprintf(why, whylen, "TAP is held by another process; add it with type afpacket");
		return -EBUSY;
	}
	*out = fz_port_new(name, 1500, NULL);
	return 0;
}

/*
 * A veth made for a netns, in the same world: its name must be free (start
 * with 'x'), else EEXIST; a namespace whose last path component starts with
 * 'x' does not exist (ENOENT), and in any namespace a peer name starting
 * with 'b' is taken (EEXIST).
 */
int port_open_veth(struct nl *nl, const struct port_opts *po, const char *name, const char *netns,
		   int nsfd, const char *peer, uint32_t mtu, struct port **out, char *why, size_t whylen)
{
	(void)po;
	(void)mtu;
	const char *leaf = strrchr(netns, '/');

	(void)nl;
	(void)nsfd; /* the harness sends no descriptors */
	why[0] = '\0';
	if (strlen(name) >= IFNAMSIZ || !name[0] || strlen(peer) >= IFNAMSIZ || !peer[0]) {
		snprintf(why, whylen, "invalid interface name");
		return -EINVAL;
	}
	if (name[0] != 'x') {
		snprintf(why, whylen, "interface %s already exists", name);
		return -EEXIST;
	}
	if ((leaf ? leaf[1] : netns[0]) == 'x') {
		snprintf(why, whylen, "no such network namespace: %s", netns);
		return -ENOENT;
	}
	if (peer[0] == 'b') {
		snprintf(why, whylen, "interface %s already exists in %s", peer, netns);
		return -EEXIST;
	}
	*out = fz_port_new(name, 1500, NULL);
	(*out)->created = true;
	return 0;
}

bool fz_name_valid(const char *name)
{
	if (!name[0] || strlen(name) >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == ':' || isspace((unsigned char)*c))
			return false;
	return true;
}

/* A stream port opens no socket here: any name the kernel would take for an interface will do. */
int port_open_stream(const char *name, const char *path, bool mkdir_parent, struct port **out, char *why,
		     size_t whylen)
{
	(void)mkdir_parent;
	why[0] = '\0';
	if (!fz_name_valid(name)) {
		snprintf(why, whylen, "invalid port name '%s'", name);
		return -EINVAL;
	}
	*out = fz_port_new(name, 0, NULL);
	(*out)->state = SWP_STATE_WAITING;
	snprintf((*out)->path, sizeof((*out)->path), "%s", path);
	return 0;
}

/* A dgram port binds no socket here either; a given peer is where its frames would go. */
int port_open_dgram(const char *name, const char *path, const char *peer, bool mkdir_parent,
		    struct port **out, char *why, size_t whylen)
{
	int err = port_open_stream(name, path, mkdir_parent, out, why, whylen);

	if (!err)
		snprintf((*out)->peer_path, sizeof((*out)->peer_path), "%s", peer);
	return err;
}

/* The fuzzed daemon is passed no descriptors: nothing is ever adopted. */
int port_stream_adopt(const char *name, const char *path, int lfd, struct port **out, char *why, size_t whylen)
{
	(void)name;
	(void)path;
	(void)out;
	snprintf(why, whylen, "no store here");
	close(lfd);
	return -EBADF;
}

bool port_stream_take_peer(struct port *p, int fd)
{
	(void)p;
	close(fd);
	return false;
}

/* No socket file here: the port has what was asked for, else what switchd would give it. */
int port_unix_own(struct port *p, int64_t uid, int64_t gid, int32_t mode, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	p->sock_uid = uid >= 0 ? (uint32_t)uid : 0;
	p->sock_gid = gid >= 0 ? (uint32_t)gid : 0;
	p->sock_mode = mode >= 0 ? (uint32_t)mode : 0660;
	return 0;
}

void port_fdname(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s%s", PORT_FDNAME_TAP, name);
}

/* Never reached: the harness runs without a descriptor store, so none is passed. */
int port_open_tap_fd(struct nl *nl, const char *name, int fd, struct port **out, char *why,
		     size_t whylen)
{
	(void)nl;
	(void)out;
	fz_fail(__FILE__, __LINE__, "no passed fds", "port_open_tap_fd(%s, %d) called", name, fd);
	snprintf(why, whylen, "not in the fuzzer");
	return -ENODEV;
}

void port_close(struct port *p)
{
	if (fz_hooks.closing)
		fz_hooks.closing(p);
	if (p->fd >= 0 && p->ops)
		p->ops->close(p);
	free(p);
}

/*
 * vxlan ports need the kernel: in this world the kernel has no vxlan, so
 * port add ... type vxlan fails after the daemon's own checks, and no port
 * is ever a vxlan port (the rest must then never be asked about one).
 */
int port_open_vxlan(struct nl *nl, const struct port_opts *po, const char *name, const struct swp_vxlan *req,
		    struct port **out, char *why, size_t whylen)
{
	(void)nl;
	(void)po;
	(void)req;
	(void)out;
	snprintf(why, whylen, "%s: this kernel has no vxlan support (CONFIG_VXLAN)", name);
	return -EOPNOTSUPP;
}

int port_vxlan_remote(struct port *p, const char *addr, bool add, char *why, size_t whylen)
{
	(void)addr;
	(void)add;
	if (p->vx)
		fz_fail(__FILE__, __LINE__, "no vxlan ports", "port_vxlan_remote(%s) of a vxlan port", p->name);
	snprintf(why, whylen, "not a vxlan port");
	return -EINVAL;
}

bool port_vxlan_has_remote(const struct port *p, const char *addr)
{
	(void)p;
	(void)addr;
	return false;
}

void port_vxlan_info(const struct port *p, struct swp_vxlan *out)
{
	(void)p;
	memset(out, 0, sizeof(*out));
}

void port_vxlan_fdb_refresh(struct port *p, size_t hint)
{
	(void)hint;
	if (p->vx)
		fz_fail(__FILE__, __LINE__, "no vxlan ports", "port_vxlan_fdb_refresh(%s)", p->name);
}

void port_vxlan_remote_of(const struct port *p, const uint8_t mac[6], char *buf, size_t len)
{
	(void)p;
	(void)mac;
	(void)len;
	buf[0] = '\0';
}

void port_vxlan_free(struct port *p)
{
	(void)p;
}
